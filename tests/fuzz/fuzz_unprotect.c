/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_unprotect.c - fuzz target for the receive side of sync
 * authentication (vrrp_ha_auth_unprotect): four receivers (AES-256-GCM and
 * ChaCha20-Poly1305, encrypt and integrity) with fixed keys 1 and 2 take
 * every input as a packet from fe80::1. Whatever the bytes: the result is a
 * known one, an accepted packet yields exactly len - 36 bytes with byte 3
 * one less (integrity: the payload as sent), and the same packet again is a
 * replay. Then the input is taken as a plaintext message: when protect
 * accepts it, unprotect gives it back byte for byte.
 * Key 1 is the known-answer key of tests/unit/test_auth.c, so the corpus
 * holds packets that verify.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "fuzz_target.h"
#include "vrrp_ha/auth.h"

#define KEY1 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define KEY2 "5be3a8c64a0fd1e2739b40c2f1d6e8a77c9e2f0b13d4a5c6e7f8091a2b3c4d5e"

static struct vrrp_ha_auth *rx[4], *tx[4];
static char dir[64];

static void write_keys(const char *path, const char *alg)
{
	FILE *f = fopen(path, "w");

	FUZZ_ASSERT(f);
	fprintf(f, "key 1 %s %s\nkey 2 %s %s\n", alg, KEY1, alg, KEY2);
	fclose(f);
	FUZZ_ASSERT(chmod(path, 0600) == 0);
}

void fuzz_target_init(void)
{
	static const enum vrrp_ha_auth_alg algs[2] = {VRRP_HA_AUTH_AES256GCM,
	                                              VRRP_HA_AUTH_CHACHA20POLY1305};
	static const enum vrrp_ha_auth_mode modes[2] = {VRRP_HA_AUTH_ENCRYPT,
	                                                VRRP_HA_AUTH_INTEGRITY};
	char keys[2][96], epoch[96], err[256];

	snprintf(dir, sizeof(dir), "/tmp/fuzz_unprotect.XXXXXX");
	FUZZ_ASSERT(mkdtemp(dir));
	for (unsigned a = 0; a < 2; a++) {
		snprintf(keys[a], sizeof(keys[a]), "%s/%u.keys", dir, a);
		write_keys(keys[a], vrrp_ha_auth_alg_name(algs[a]));
	}
	for (unsigned i = 0; i < 4; i++) {
		struct vrrp_ha_auth_cfg cfg = {modes[i & 1], algs[i >> 1], keys[i >> 1], NULL,
		                               "FUZZ",       NULL,         NULL};

		rx[i] = vrrp_ha_auth_new(&cfg, err, sizeof(err));
		snprintf(epoch, sizeof(epoch), "%s/tx%u.epoch", dir, i);
		cfg.epoch_file = epoch;
		tx[i] = vrrp_ha_auth_new(&cfg, err, sizeof(err));
		FUZZ_ASSERT(rx[i] && tx[i]);
	}
}

void fuzz_target_fini(void)
{
	char path[128];

	for (unsigned i = 0; i < 4; i++) {
		vrrp_ha_auth_free(rx[i]);
		vrrp_ha_auth_free(tx[i]);
		snprintf(path, sizeof(path), "%s/tx%u.epoch", dir, i);
		unlink(path);
	}
	for (unsigned a = 0; a < 2; a++) {
		snprintf(path, sizeof(path), "%s/%u.keys", dir, a);
		unlink(path);
	}
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in6_addr src = {{{0xfe, 0x80, [15] = 1}}}, own = {{{0xfe, 0x80, [15] = 2}}};
	size_t cap = size + VRRP_HA_AUTH_OVERHEAD, outlen;
	uint8_t *out = malloc(cap), *p = malloc(cap), *back = malloc(cap);

	FUZZ_ASSERT(out && p && back);
	for (unsigned i = 0; i < 4; i++) {
		enum vrrp_ha_auth_result r =
		        vrrp_ha_auth_unprotect(rx[i], &src, data, size, out, size, &outlen);
		ssize_t n;

		FUZZ_ASSERT(r < VRRP_HA_AUTH_R__COUNT);
		if (r == VRRP_HA_AUTH_R_OK) {
			FUZZ_ASSERT(vrrp_ha_auth_is_protected(data, size));
			FUZZ_ASSERT(outlen == size - VRRP_HA_AUTH_OVERHEAD);
			FUZZ_ASSERT(out[3] == data[3] - 1 && !memcmp(out, data, 3));
			if (i & 1)
				FUZZ_ASSERT(!memcmp(out + 8, data + 44, outlen - 8));
			FUZZ_ASSERT(vrrp_ha_auth_unprotect(rx[i], &src, data, size, out, size,
			                                   &outlen) == VRRP_HA_AUTH_R_REPLAY);
		} else {
			FUZZ_ASSERT(outlen == 0);
		}
		/* the input as a plaintext message */
		n = vrrp_ha_auth_protect(tx[i], &own, data, size, p, cap);
		if (n < 0)
			continue;
		FUZZ_ASSERT((size_t)n == size + VRRP_HA_AUTH_OVERHEAD);
		r = vrrp_ha_auth_unprotect(rx[i], &own, p, (size_t)n, back, cap, &outlen);
		FUZZ_ASSERT(r == VRRP_HA_AUTH_R_OK);
		FUZZ_ASSERT(outlen == size && !memcmp(back, data, 6) &&
		            !memcmp(back + 8, data + 8, size - 8));
	}
	free(out);
	free(p);
	free(back);
	return 0;
}

FUZZ_LIBFUZZER_INIT
