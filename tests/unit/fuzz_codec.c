/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_codec.c - fuzz target for the BC_REQUEST / BC_UPDATE decoder
 * (draft-deng 4.3) and the RBC fed from it (section 5).
 *
 * Built with -DVRRP_HA_LIBFUZZER and -fsanitize=fuzzer it is a libFuzzer
 * target. Built with tests/fuzz/fuzz_main.c, it is the corpus replayer run
 * by CTest (unit.codec_corpus), as every target of tests/fuzz/ is.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_target.h"
#include "vrrp_ha/codec.h"
#include "vrrp_ha/rbc.h"

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

/* Nothing to set up across inputs. */
void fuzz_target_init(void)
{
}

void fuzz_target_fini(void)
{
}

FUZZ_LIBFUZZER_INIT
