/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_authkeys.c - fuzz target for the key file parser (src/auth/keys.c):
 * whatever the text, the parse stays in bounds, a refusal names a line of
 * the input (or 0) and says why, an acceptance holds 1 or 2 keys with
 * distinct IDs 1..255 and a send index among them, and the same text
 * parses the same way twice.
 */
#include <string.h>

#include "auth/auth_int.h"
#include "fuzz_target.h"

static unsigned count_lines(const uint8_t *d, size_t n)
{
	unsigned lines = n ? 1 : 0;

	for (size_t i = 0; i < n; i++)
		if (d[i] == '\n' && i + 1 < n)
			lines++;
	return lines;
}

static int parse(const uint8_t *data, size_t size, enum vrrp_ha_auth_alg alg,
                 struct auth_keyset *ks, char *err, size_t errlen, unsigned *line)
{
	char *buf = malloc(size + 1);
	int rc;

	FUZZ_ASSERT(buf);
	memcpy(buf, data, size);
	buf[size] = 0;
	err[0] = 0;
	rc = auth_keys_parse(ks, buf, size, alg, err, errlen, line);
	free(buf);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum vrrp_ha_auth_alg algs[] = {VRRP_HA_AUTH_ALG_ANY, VRRP_HA_AUTH_AES256GCM,
	                                             VRRP_HA_AUTH_CHACHA20POLY1305};
	struct auth_keyset ks, ks2;
	char err[256], err2[256];
	unsigned line, line2;

	for (unsigned a = 0; a < sizeof(algs) / sizeof(algs[0]); a++) {
		int rc = parse(data, size, algs[a], &ks, err, sizeof(err), &line);

		FUZZ_ASSERT(rc == 0 || rc == -1);
		if (rc) {
			FUZZ_ASSERT(err[0] && line <= count_lines(data, size));
			FUZZ_ASSERT(ks.n == 0); /* wiped */
		} else {
			FUZZ_ASSERT(ks.n >= 1 && ks.n <= VRRP_HA_AUTH_MAX_KEYS && ks.send < ks.n);
			for (unsigned i = 0; i < ks.n; i++) {
				FUZZ_ASSERT(ks.key[i].id >= 1);
				FUZZ_ASSERT(auth_keys_find(&ks, ks.key[i].id) == (int)i);
			}
		}
		FUZZ_ASSERT(parse(data, size, algs[a], &ks2, err2, sizeof(err2), &line2) == rc);
		FUZZ_ASSERT(line2 == line && !strcmp(err, err2));
		FUZZ_ASSERT(!memcmp(&ks, &ks2, sizeof(ks)));
		auth_keys_wipe(&ks);
		auth_keys_wipe(&ks2);
	}
	return 0;
}

void fuzz_target_init(void)
{
}

void fuzz_target_fini(void)
{
}

FUZZ_LIBFUZZER_INIT
