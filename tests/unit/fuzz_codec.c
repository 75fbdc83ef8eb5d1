/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_codec.c - fuzz target for the BC_REQUEST / BC_UPDATE decoder
 * (draft-deng 4.3) and the RBC fed from it (section 5).
 *
 * Built with -DVRRP_HA_LIBFUZZER and -fsanitize=fuzzer it is a libFuzzer
 * target. Built without, it is the corpus replayer run by CTest
 * (unit.codec_corpus): every file named on the command line, or found in a
 * directory named there, goes through the same checks.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vrrp_ha/codec.h"
#include "vrrp_ha/rbc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(c)                                                                             \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__,  \
			        #c);                                                               \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* Bytes the receiver ignores (4.3.1, 4.3.2: UNUSED, (rsvd), and the
 * checksum, which the kernel owns) may differ after re-encoding. */
static int ignored_hdr_byte(size_t i)
{
	return i == 2 || (i >= 4 && i < VRRP_HA_HDR_LEN);
}

static void check_reencode(const uint8_t *data, size_t size, const struct vrrp_ha_hdr *h,
                           const struct vrrp_ha_binding *b)
{
	static const size_t cap = VRRP_HA_HDR_LEN + VRRP_HA_MAX_RECS * VRRP_HA_REC_LEN;
	uint8_t *out = malloc(cap);
	size_t n, i;

	FUZZ_ASSERT(out);
	if (h->type == VRRP_HA_TYPE_BC_REQUEST)
		n = vrrp_ha_encode_request(out, cap, h->vrid);
	else
		n = vrrp_ha_encode_update(out, cap, h->vrid, b, h->count);
	FUZZ_ASSERT(n == size);
	for (i = 0; i < n; i++) {
		if (ignored_hdr_byte(i))
			continue;
		if (i == 3 && h->type == VRRP_HA_TYPE_BC_REQUEST)
			continue; /* UNUSED 2 */
		FUZZ_ASSERT(out[i] == data[i]);
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vrrp_ha_binding b[VRRP_HA_MAX_RECS], dirty[64];
	struct vrrp_ha_hdr h;
	struct vrrp_ha_rbc *t;
	enum vrrp_ha_reason r;
	uint64_t now = 1000, cursor = 0;
	size_t applied = 0, n;
	unsigned i;

	/* A copy of exactly size bytes, so ASan sees any overread. */
	uint8_t *pkt = malloc(size ? size : 1);

	FUZZ_ASSERT(pkt);
	if (size)
		memcpy(pkt, data, size);

	r = vrrp_ha_decode_hdr(pkt, size, &h);
	FUZZ_ASSERT(r < VRRP_HA_R__COUNT);
	FUZZ_ASSERT(r != VRRP_HA_R_BAD_HOPLIMIT && r != VRRP_HA_R_VRID_MISMATCH &&
	            r != VRRP_HA_R_NOT_ENABLED && r < VRRP_HA_R_REC_BAD_HOA);
	/* decode_record stays in bounds whatever the header said */
	for (i = 0; i < 256; i++) {
		struct vrrp_ha_binding x;
		enum vrrp_ha_reason rr = vrrp_ha_decode_record(pkt, size, i, &x);

		FUZZ_ASSERT(rr == VRRP_HA_OK || rr == VRRP_HA_R_BAD_LENGTH ||
		            rr >= VRRP_HA_R_REC_BAD_HOA);
		if (r == VRRP_HA_OK && h.type == VRRP_HA_TYPE_BC_UPDATE)
			FUZZ_ASSERT((rr == VRRP_HA_R_BAD_LENGTH) == (i >= h.count));
		if (i < VRRP_HA_MAX_RECS)
			b[i] = x;
	}
	if (r != VRRP_HA_OK) {
		free(pkt);
		return 0;
	}
	FUZZ_ASSERT(h.version == VRRP_HA_VERSION);
	check_reencode(pkt, size, &h, b);
	if (h.type != VRRP_HA_TYPE_BC_UPDATE) {
		free(pkt);
		return 0;
	}

	/* feed the good records to a table, as a backup would */
	t = rbc_new(0, 8000);
	FUZZ_ASSERT(t);
	for (i = 0; i < h.count; i++) {
		enum rbc_result res;

		if (vrrp_ha_decode_record(pkt, size, i, &b[i]) != VRRP_HA_OK)
			continue;
		res = rbc_apply(t, &b[i], now);
		FUZZ_ASSERT(res != RBC_NOMEM);
		applied += res == RBC_ADDED;
		now += b[i].reserved & 0x0fff; /* let the input move the clock */
	}
	FUZZ_ASSERT(rbc_count(t) <= applied);
	while ((n = rbc_walk(t, &cursor, dirty, 64, now)) > 0)
		for (i = 0; i < n; i++)
			FUZZ_ASSERT(dirty[i].lifetime >= 1);
	while ((n = rbc_take_dirty(t, dirty, 64, now)) > 0)
		;
	FUZZ_ASSERT(rbc_dirty_count(t) == 0);
	rbc_expire(t, UINT64_MAX - 1, 0, NULL, NULL);
	FUZZ_ASSERT(rbc_count(t) == 0);
	rbc_free(t);
	free(pkt);
	return 0;
}

#ifndef VRRP_HA_LIBFUZZER

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long len;

	if (!f) {
		perror(path);
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		perror(path);
		fclose(f);
		return -1;
	}
	buf = malloc(len ? (size_t)len : 1);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "%s: read failed\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	return 0;
}

/* Returns: files replayed, or -1 on error. */
static long replay_path(const char *path)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	long n = 0;

	if (stat(path, &st) != 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path) == 0 ? 1 : -1;
	d = opendir(path);
	if (!d) {
		perror(path);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		char child[4096];
		struct stat cst;

		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(child, sizeof(child), "%s/%s", path, de->d_name) >=
		    sizeof(child))
			continue;
		if (stat(child, &cst) != 0 || !S_ISREG(cst.st_mode))
			continue;
		if (replay_file(child) != 0) {
			closedir(d);
			return -1;
		}
		n++;
	}
	closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	long total = 0;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s corpus-dir-or-file...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		long n = replay_path(argv[i]);

		if (n < 0)
			return 1;
		total += n;
	}
	printf("fuzz_codec: %ld inputs replayed\n", total);
	/* an empty corpus means the test is not testing anything */
	return total > 0 ? 0 : 1;
}

#endif
