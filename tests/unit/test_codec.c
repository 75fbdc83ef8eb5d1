/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_codec.c - VRRP_BC_REQUEST / VRRP_BC_UPDATE codec
 * (draft-deng-mip6-vrrp-homeagent-reliability-00 section 4.3).
 *
 * Known-answer packets are written out byte by byte here, and the builder
 * used for the malformed and truncated cases is this file's own, so neither
 * depends on the encoder under test.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "vrrp_ha/codec.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c);      \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                                \
		if (a_ != b_) {                                                                    \
			fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (%lld != %lld)\n",       \
			        __FILE__, __LINE__, #a, #b, a_, b_);                               \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

#define CHECK_REASON(got, want)                                                                    \
	do {                                                                                       \
		enum vrrp_ha_reason g_ = (got), w_ = (want);                                       \
		if (g_ != w_) {                                                                    \
			fprintf(stderr, "%s:%d: reason %s, expected %s\n", __FILE__, __LINE__,     \
			        vrrp_ha_reason_name(g_), vrrp_ha_reason_name(w_));                 \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

static struct in6_addr pton6(const char *s)
{
	struct in6_addr a;

	CHECK(inet_pton(AF_INET6, s, &a) == 1);
	return a;
}

static bool addr_eq(const struct in6_addr *a, const char *s)
{
	struct in6_addr b = pton6(s);

	return memcmp(a, &b, sizeof(b)) == 0;
}

/* Copy into a heap block of exactly len bytes so ASan sees any overread. */
static uint8_t *exact_copy(const uint8_t *src, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	CHECK(p);
	if (len)
		memcpy(p, src, len);
	return p;
}

/* ---- the test's own packet builder (independent of the encoder) -------- */

struct trec {
	uint16_t lifetime, seq, flags, reserved;
	const char *hoa, *coa;
};

static size_t tb_u16(uint8_t *p, size_t off, uint16_t v)
{
	p[off] = (uint8_t)(v >> 8);
	p[off + 1] = (uint8_t)(v & 0xff);
	return off + 2;
}

static size_t tb_addr(uint8_t *p, size_t off, const char *s)
{
	struct in6_addr a = pton6(s);

	memcpy(p + off, a.s6_addr, 16);
	return off + 16;
}

/* Header byte by byte, then nrec records; count is written as given. */
static size_t tb_packet(uint8_t *p, uint8_t ver, uint8_t type, uint8_t vrid, uint8_t count,
                        const struct trec *r, unsigned nrec)
{
	size_t off = 0;
	unsigned i;

	p[off++] = (uint8_t)(ver << 4 | type);
	p[off++] = vrid;
	p[off++] = 0;
	p[off++] = count;
	p[off++] = 0;
	p[off++] = 0;
	p[off++] = 0;
	p[off++] = 0;
	for (i = 0; i < nrec; i++) {
		off = tb_u16(p, off, r[i].lifetime);
		off = tb_u16(p, off, r[i].seq);
		off = tb_u16(p, off, r[i].flags);
		off = tb_u16(p, off, r[i].reserved);
		off = tb_addr(p, off, r[i].hoa);
		off = tb_addr(p, off, r[i].coa);
	}
	return off;
}

/* ---- known answers ------------------------------------------------------ */

/* One 32-bit wire word per line, as the draft draws them. */
/* clang-format off */

/* BC_REQUEST, VRID 7 (draft-deng 4.3.1) */
static const uint8_t kat_request[] = {
	0x3e, 0x07, 0x00, 0x00, /* v3 | type 14, VRID 7, UNUSED 1, UNUSED 2 */
	0x00, 0x00, 0x00, 0x00, /* (rsvd)+UNUSED 3, checksum (kernel's) */
};

/* BC_UPDATE, VRID 42, two bindings (draft-deng 4.3.2, 4.3.3) */
static const uint8_t kat_update[] = {
	0x3f, 0x2a, 0x00, 0x02, /* v3 | type 15, VRID 42, UNUSED 1, 2 bindings */
	0x00, 0x00, 0x00, 0x00, /* (rsvd)+UNUSED 2, checksum */
	/* binding 0 */
	0x00, 0x96, 0x12, 0x34, /* lifetime 150 (600 s), seq 0x1234 */
	0xc0, 0x00, 0x00, 0x00, /* flags A|H, reserved 0 */
	0x20, 0x01, 0x0d, 0xb8, /* HoA 2001:db8:1::100 */
	0x00, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x00,
	0x20, 0x01, 0x0d, 0xb8, /* CoA 2001:db8:ffff::2 */
	0xff, 0xff, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02,
	/* binding 1 */
	0x00, 0x00, 0xff, 0xff, /* lifetime 0 (delete), seq 0xffff */
	0x80, 0x00, 0x00, 0x00, /* flags A, reserved 0 */
	0x20, 0x01, 0x0d, 0xb8, /* HoA 2001:db8:1::101 */
	0x00, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x01,
	0x20, 0x01, 0x0d, 0xb8, /* CoA = HoA: a de-registration (RFC 6275 6.1.7) */
	0x00, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x01,
};

/* clang-format on */

static void test_kat_request(void)
{
	struct vrrp_ha_hdr h;
	uint8_t buf[64];
	uint8_t *p = exact_copy(kat_request, sizeof(kat_request));

	CHECK_REASON(vrrp_ha_decode_hdr(p, sizeof(kat_request), &h), VRRP_HA_OK);
	CHECK_EQ(h.version, 3);
	CHECK_EQ(h.type, VRRP_HA_TYPE_BC_REQUEST);
	CHECK_EQ(h.vrid, 7);
	CHECK_EQ(h.count, 0);
	CHECK_EQ(h.checksum, 0);
	free(p);

	memset(buf, 0xaa, sizeof(buf));
	CHECK_EQ(vrrp_ha_encode_request(buf, sizeof(buf), 7), sizeof(kat_request));
	CHECK(memcmp(buf, kat_request, sizeof(kat_request)) == 0);
	CHECK_EQ(buf[sizeof(kat_request)], 0xaa); /* nothing written past the end */
}

static void test_kat_update(void)
{
	struct vrrp_ha_hdr h;
	struct vrrp_ha_binding b[2];
	uint8_t buf[sizeof(kat_update) + 1];
	uint8_t *p = exact_copy(kat_update, sizeof(kat_update));

	CHECK_EQ(sizeof(kat_update), VRRP_HA_HDR_LEN + 2 * VRRP_HA_REC_LEN);
	CHECK_REASON(vrrp_ha_decode_hdr(p, sizeof(kat_update), &h), VRRP_HA_OK);
	CHECK_EQ(h.version, 3);
	CHECK_EQ(h.type, VRRP_HA_TYPE_BC_UPDATE);
	CHECK_EQ(h.vrid, 42);
	CHECK_EQ(h.count, 2);
	CHECK_EQ(h.checksum, 0);

	CHECK_REASON(vrrp_ha_decode_record(p, sizeof(kat_update), 0, &b[0]), VRRP_HA_OK);
	CHECK_EQ(b[0].lifetime, 150);
	CHECK_EQ(b[0].seq, 0x1234);
	CHECK_EQ(b[0].flags, 0xc000);
	CHECK_EQ(b[0].reserved, 0);
	CHECK(addr_eq(&b[0].hoa, "2001:db8:1::100"));
	CHECK(addr_eq(&b[0].coa, "2001:db8:ffff::2"));

	CHECK_REASON(vrrp_ha_decode_record(p, sizeof(kat_update), 1, &b[1]), VRRP_HA_OK);
	CHECK_EQ(b[1].lifetime, 0);
	CHECK_EQ(b[1].seq, 0xffff);
	CHECK_EQ(b[1].flags, 0x8000);
	CHECK_EQ(b[1].reserved, 0);
	CHECK(addr_eq(&b[1].hoa, "2001:db8:1::101"));
	CHECK(addr_eq(&b[1].coa, "2001:db8:1::101"));

	CHECK_REASON(vrrp_ha_decode_record(p, sizeof(kat_update), 2, &b[0]), VRRP_HA_R_BAD_LENGTH);
	/* idx is checked against "# of Bindings", not only the buffer */
	p[3] = 1;
	CHECK_REASON(vrrp_ha_decode_record(p, sizeof(kat_update), 1, &b[0]), VRRP_HA_R_BAD_LENGTH);
	p[3] = 0;
	CHECK_REASON(vrrp_ha_decode_record(p, sizeof(kat_update), 0, &b[0]), VRRP_HA_R_BAD_LENGTH);
	free(p);

	/* the encoder, fed the decoded records, gives the same bytes */
	CHECK_REASON(vrrp_ha_decode_record(kat_update, sizeof(kat_update), 0, &b[0]), VRRP_HA_OK);
	memset(buf, 0xaa, sizeof(buf));
	CHECK_EQ(vrrp_ha_encode_update(buf, sizeof(buf), 42, b, 2), sizeof(kat_update));
	CHECK(memcmp(buf, kat_update, sizeof(kat_update)) == 0);
	CHECK_EQ(buf[sizeof(kat_update)], 0xaa);
}

/* UNUSED, (rsvd) and Reserved are ignored on receipt (4.3.1, 4.3.2); the
 * checksum is reported as received. */
static void test_unused_ignored(void)
{
	uint8_t pkt[sizeof(kat_update)];
	struct vrrp_ha_hdr h;
	struct vrrp_ha_binding b;

	memcpy(pkt, kat_update, sizeof(pkt));
	pkt[2] = 0x55; /* UNUSED 1 */
	pkt[4] = 0xf3; /* (rsvd) + UNUSED 2 */
	pkt[5] = 0x21;
	pkt[6] = 0xbe; /* checksum */
	pkt[7] = 0xef;
	pkt[14] = 0x7a; /* binding 0 Reserved */
	pkt[15] = 0x01;
	CHECK_REASON(vrrp_ha_decode_hdr(pkt, sizeof(pkt), &h), VRRP_HA_OK);
	CHECK_EQ(h.count, 2);
	CHECK_EQ(h.checksum, 0xbeef);
	CHECK_REASON(vrrp_ha_decode_record(pkt, sizeof(pkt), 0, &b), VRRP_HA_OK);
	CHECK_EQ(b.reserved, 0x7a01);
	CHECK_EQ(b.lifetime, 150);

	memcpy(pkt, kat_request, sizeof(kat_request));
	pkt[2] = 1;
	pkt[3] = 9; /* UNUSED 2 of a request */
	pkt[4] = 0xff;
	pkt[5] = 0xff;
	CHECK_REASON(vrrp_ha_decode_hdr(pkt, sizeof(kat_request), &h), VRRP_HA_OK);
	CHECK_EQ(h.type, VRRP_HA_TYPE_BC_REQUEST);
	CHECK_EQ(h.vrid, 7);
}

/* VRRP_HA_REC_NEW is the top bit of a record's Reserved field (docs/protocol.md): it goes
 * out and comes back as is, in both byte order and place, next to the other fields. */
static void test_new_bit(void)
{
	static const struct trec r[2] = {
	        {25, 1, 0x8000, VRRP_HA_REC_NEW, "2001:db8:1::100", "2001:db8:ffff::2"},
	        {1, 0xfff0, 0, VRRP_HA_REC_NEW | 0x0001, "2001:db8:1::101", "2001:db8:ffff::3"},
	};
	uint8_t want[VRRP_HA_HDR_LEN + 2 * VRRP_HA_REC_LEN], buf[sizeof(want)];
	struct vrrp_ha_binding b[2];
	struct vrrp_ha_hdr h;
	unsigned i;

	CHECK_EQ(VRRP_HA_REC_NEW, 0x8000);
	CHECK_EQ(tb_packet(want, 3, VRRP_HA_TYPE_BC_UPDATE, 9, 2, r, 2), sizeof(want));
	/* record 0: Lifetime, Seq, Flags, then Reserved = 0x80 0x00 */
	CHECK_EQ(want[VRRP_HA_HDR_LEN + 6], 0x80);
	CHECK_EQ(want[VRRP_HA_HDR_LEN + 7], 0x00);
	CHECK_REASON(vrrp_ha_decode_hdr(want, sizeof(want), &h), VRRP_HA_OK);
	for (i = 0; i < 2; i++) {
		CHECK_REASON(vrrp_ha_decode_record(want, sizeof(want), i, &b[i]), VRRP_HA_OK);
		CHECK_EQ(b[i].reserved, r[i].reserved);
		CHECK_EQ(b[i].lifetime, r[i].lifetime);
		CHECK_EQ(b[i].seq, r[i].seq);
		CHECK_EQ(b[i].flags, r[i].flags);
		CHECK(addr_eq(&b[i].hoa, r[i].hoa));
		CHECK(addr_eq(&b[i].coa, r[i].coa));
	}
	CHECK(b[0].reserved & VRRP_HA_REC_NEW);
	CHECK_EQ(vrrp_ha_encode_update(buf, sizeof(buf), 9, b, 2), sizeof(want));
	CHECK(memcmp(buf, want, sizeof(want)) == 0);
	/* without the bit, the same record differs in that bit only */
	b[0].reserved = 0;
	CHECK_EQ(vrrp_ha_encode_update(buf, sizeof(buf), 9, b, 2), sizeof(want));
	CHECK_EQ(buf[VRRP_HA_HDR_LEN + 6], 0x00);
	buf[VRRP_HA_HDR_LEN + 6] = 0x80;
	CHECK(memcmp(buf, want, sizeof(want)) == 0);
}

/* ---- truncation ---------------------------------------------------------- */

static const struct trec three[3] = {
        {10, 1, 0xc000, 0, "2001:db8::1", "2001:db8:100::1"},
        {20, 2, 0x8000, 0, "2001:db8::2", "2001:db8:100::2"},
        {0, 3, 0x0000, 0, "2001:db8::3", "2001:db8::3"},
};

static void test_truncated_update(void)
{
	uint8_t full[VRRP_HA_HDR_LEN + 3 * VRRP_HA_REC_LEN];
	size_t n = tb_packet(full, 3, VRRP_HA_TYPE_BC_UPDATE, 1, 3, three, 3);
	size_t len;
	struct vrrp_ha_hdr h;
	struct vrrp_ha_binding b;
	unsigned idx;

	CHECK_EQ(n, sizeof(full));
	CHECK_REASON(vrrp_ha_decode_hdr(full, n, &h), VRRP_HA_OK);
	for (len = 0; len < n; len++) {
		uint8_t *p = exact_copy(full, len);
		enum vrrp_ha_reason r = vrrp_ha_decode_hdr(p, len, &h);

		CHECK_REASON(r, len < VRRP_HA_HDR_LEN ? VRRP_HA_R_TOO_SHORT : VRRP_HA_R_BAD_LENGTH);
		/* even a caller that skips the header check stays in bounds */
		for (idx = 0; idx <= 4; idx++) {
			size_t end = VRRP_HA_HDR_LEN + (size_t)(idx + 1) * VRRP_HA_REC_LEN;
			enum vrrp_ha_reason want =
			        (idx < 3 && end <= len) ? VRRP_HA_OK : VRRP_HA_R_BAD_LENGTH;

			CHECK_REASON(vrrp_ha_decode_record(p, len, idx, &b), want);
		}
		free(p);
	}
	CHECK_REASON(vrrp_ha_decode_hdr(NULL, 0, &h), VRRP_HA_R_TOO_SHORT);
	CHECK_REASON(vrrp_ha_decode_record(NULL, 0, 0, &b), VRRP_HA_R_BAD_LENGTH);
}

static void test_truncated_request(void)
{
	size_t len;
	struct vrrp_ha_hdr h;

	for (len = 0; len < sizeof(kat_request); len++) {
		uint8_t *p = exact_copy(kat_request, len);

		CHECK_REASON(vrrp_ha_decode_hdr(p, len, &h), VRRP_HA_R_TOO_SHORT);
		CHECK_EQ(h.vrid, 0);
		free(p);
	}
}

/* ---- malformed packets ---------------------------------------------------- */

struct bad_case {
	const char *name;
	uint8_t ver, type, count;
	unsigned nrec;
	int extra; /* bytes added (>0) or cut (<0) at the end */
	struct trec rec;
	enum vrrp_ha_reason hdr_want;
	enum vrrp_ha_reason rec_want; /* for record 0, when the header is OK */
};

#define GOOD_HOA "2001:db8:1::1"
#define GOOD_COA "2001:db8:2::1"
#define REC(h, c)                                                                                  \
	{                                                                                          \
		5, 1, 0, 0, h, c                                                                   \
	}
#define GOODREC REC(GOOD_HOA, GOOD_COA)
#define UPD     VRRP_HA_TYPE_BC_UPDATE
#define REQ     VRRP_HA_TYPE_BC_REQUEST

static const struct bad_case bad_cases[] = {
        {"version 2", 2, UPD, 1, 1, 0, GOODREC, VRRP_HA_R_BAD_VERSION, 0},
        {"version 0", 0, UPD, 1, 1, 0, GOODREC, VRRP_HA_R_BAD_VERSION, 0},
        {"version 2 + type 13", 2, 13, 1, 1, 0, GOODREC, VRRP_HA_R_BAD_VERSION, 0},
        {"version 2, 7 bytes", 2, UPD, 0, 0, -1, GOODREC, VRRP_HA_R_TOO_SHORT, 0},
        {"type 1 (advert)", 3, 1, 1, 1, 0, GOODREC, VRRP_HA_R_BAD_TYPE, 0},
        {"type 13", 3, 13, 1, 1, 0, GOODREC, VRRP_HA_R_BAD_TYPE, 0},
        {"type 0", 3, 0, 0, 0, 0, GOODREC, VRRP_HA_R_BAD_TYPE, 0},
        {"type 13, bad length", 3, 13, 1, 0, 3, GOODREC, VRRP_HA_R_BAD_TYPE, 0},
        {"count 0", 3, UPD, 0, 0, 0, GOODREC, VRRP_HA_R_ZERO_COUNT, 0},
        {"count 0 with 1 record", 3, UPD, 0, 1, 0, GOODREC, VRRP_HA_R_BAD_LENGTH, 0},
        {"count 2 with 1 record", 3, UPD, 2, 1, 0, GOODREC, VRRP_HA_R_BAD_LENGTH, 0},
        {"count 1 with 2 records", 3, UPD, 1, 2, 0, GOODREC, VRRP_HA_R_BAD_LENGTH, 0},
        {"trailing byte", 3, UPD, 1, 1, 1, GOODREC, VRRP_HA_R_BAD_LENGTH, 0},
        {"record cut by 1", 3, UPD, 1, 1, -1, GOODREC, VRRP_HA_R_BAD_LENGTH, 0},
        {"update header only", 3, UPD, 1, 0, 0, GOODREC, VRRP_HA_R_BAD_LENGTH, 0},
        {"request 9 bytes", 3, REQ, 0, 0, 1, GOODREC, VRRP_HA_R_BAD_LENGTH, 0},
        {"request with a record", 3, REQ, 1, 1, 0, GOODREC, VRRP_HA_R_BAD_LENGTH, 0},
        {"request 7 bytes", 3, REQ, 0, 0, -1, GOODREC, VRRP_HA_R_TOO_SHORT, 0},
        {"good record", 3, UPD, 1, 1, 0, GOODREC, VRRP_HA_OK, VRRP_HA_OK},
        {"multicast HoA", 3, UPD, 1, 1, 0, REC("ff02::1", GOOD_COA), VRRP_HA_OK,
         VRRP_HA_R_REC_BAD_HOA},
        {"global multicast HoA", 3, UPD, 1, 1, 0, REC("ff0e::10", GOOD_COA), VRRP_HA_OK,
         VRRP_HA_R_REC_BAD_HOA},
        {"link-local HoA", 3, UPD, 1, 1, 0, REC("fe80::1", GOOD_COA), VRRP_HA_OK,
         VRRP_HA_R_REC_BAD_HOA},
        {"link-local HoA febf::", 3, UPD, 1, 1, 0, REC("febf::1", GOOD_COA), VRRP_HA_OK,
         VRRP_HA_R_REC_BAD_HOA},
        {"fec0:: HoA is not link-local", 3, UPD, 1, 1, 0, REC("fec0::1", GOOD_COA), VRRP_HA_OK,
         VRRP_HA_OK},
        {"unspecified HoA", 3, UPD, 1, 1, 0, REC("::", GOOD_COA), VRRP_HA_OK,
         VRRP_HA_R_REC_BAD_HOA},
        {"loopback HoA", 3, UPD, 1, 1, 0, REC("::1", GOOD_COA), VRRP_HA_OK, VRRP_HA_R_REC_BAD_HOA},
        {"v4-mapped HoA", 3, UPD, 1, 1, 0, REC("::ffff:192.0.2.1", GOOD_COA), VRRP_HA_OK,
         VRRP_HA_R_REC_BAD_HOA},
        {"unspecified CoA", 3, UPD, 1, 1, 0, REC(GOOD_HOA, "::"), VRRP_HA_OK,
         VRRP_HA_R_REC_BAD_COA},
        {"loopback CoA", 3, UPD, 1, 1, 0, REC(GOOD_HOA, "::1"), VRRP_HA_OK, VRRP_HA_R_REC_BAD_COA},
        {"multicast CoA", 3, UPD, 1, 1, 0, REC(GOOD_HOA, "ff05::2"), VRRP_HA_OK,
         VRRP_HA_R_REC_BAD_COA},
        {"link-local CoA", 3, UPD, 1, 1, 0, REC(GOOD_HOA, "fe80::2"), VRRP_HA_OK,
         VRRP_HA_R_REC_BAD_COA},
        {"v4-mapped CoA", 3, UPD, 1, 1, 0, REC(GOOD_HOA, "::ffff:10.0.0.1"), VRRP_HA_OK,
         VRRP_HA_R_REC_BAD_COA},
        {"bad HoA and CoA: HoA first", 3, UPD, 1, 1, 0, REC("ff02::1", "::"), VRRP_HA_OK,
         VRRP_HA_R_REC_BAD_HOA},
        {"HoA == CoA", 3, UPD, 1, 1, 0, REC(GOOD_HOA, GOOD_HOA), VRRP_HA_OK,
         VRRP_HA_R_REC_HOA_IS_COA},
        {"HoA == CoA, lifetime 0",
         3,
         UPD,
         1,
         1,
         0,
         {0, 1, 0, 0, GOOD_HOA, GOOD_HOA},
         VRRP_HA_OK,
         VRRP_HA_OK},
        {"HoA == CoA multicast", 3, UPD, 1, 1, 0, REC("ff02::2", "ff02::2"), VRRP_HA_OK,
         VRRP_HA_R_REC_BAD_HOA},
};

static void test_malformed(void)
{
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		uint8_t buf[VRRP_HA_HDR_LEN + 2 * VRRP_HA_REC_LEN + 8];
		struct trec recs[2] = {c->rec, c->rec};
		struct vrrp_ha_hdr h;
		struct vrrp_ha_binding b;
		size_t len;
		uint8_t *p;
		enum vrrp_ha_reason r;

		memset(buf, 0, sizeof(buf));
		len = tb_packet(buf, c->ver, c->type, 9, c->count, recs, c->nrec);
		len = (size_t)((long)len + c->extra);
		p = exact_copy(buf, len);
		r = vrrp_ha_decode_hdr(p, len, &h);
		if (r != c->hdr_want) {
			fprintf(stderr, "case \"%s\": header %s, expected %s\n", c->name,
			        vrrp_ha_reason_name(r), vrrp_ha_reason_name(c->hdr_want));
			exit(1);
		}
		if (r == VRRP_HA_OK && c->type == UPD) {
			r = vrrp_ha_decode_record(p, len, 0, &b);
			if (r != c->rec_want) {
				fprintf(stderr, "case \"%s\": record %s, expected %s\n", c->name,
				        vrrp_ha_reason_name(r), vrrp_ha_reason_name(c->rec_want));
				exit(1);
			}
			/* the record is decoded for logging even when refused */
			CHECK(addr_eq(&b.hoa, c->rec.hoa));
			CHECK(addr_eq(&b.coa, c->rec.coa));
		}
		free(p);
	}
}

/* One bad record does not spoil its neighbours (per-record reasons). */
static void test_bad_record_isolated(void)
{
	const struct trec r[3] = {
	        REC(GOOD_HOA, GOOD_COA),
	        REC("fe80::9", GOOD_COA),
	        REC("2001:db8:1::3", GOOD_COA),
	};
	uint8_t buf[VRRP_HA_HDR_LEN + 3 * VRRP_HA_REC_LEN];
	size_t len = tb_packet(buf, 3, UPD, 1, 3, r, 3);
	struct vrrp_ha_hdr h;
	struct vrrp_ha_binding b;

	CHECK_REASON(vrrp_ha_decode_hdr(buf, len, &h), VRRP_HA_OK);
	CHECK_REASON(vrrp_ha_decode_record(buf, len, 0, &b), VRRP_HA_OK);
	CHECK_REASON(vrrp_ha_decode_record(buf, len, 1, &b), VRRP_HA_R_REC_BAD_HOA);
	CHECK_REASON(vrrp_ha_decode_record(buf, len, 2, &b), VRRP_HA_OK);
	CHECK(addr_eq(&b.hoa, "2001:db8:1::3"));
}

/* ---- round trip ------------------------------------------------------------ */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static void rand_global(struct in6_addr *a)
{
	uint64_t x = rng(), y = rng();

	memcpy(a->s6_addr, &x, 8);
	memcpy(a->s6_addr + 8, &y, 8);
	a->s6_addr[0] = (uint8_t)(0x20 | (a->s6_addr[0] & 0x1f)); /* 2000::/3 */
}

static void test_round_trip(void)
{
	static uint8_t pkt[VRRP_HA_HDR_LEN + VRRP_HA_MAX_RECS * VRRP_HA_REC_LEN];
	static uint8_t pkt2[sizeof(pkt)];
	static struct vrrp_ha_binding in[VRRP_HA_MAX_RECS], out[VRRP_HA_MAX_RECS];
	int iter;

	for (iter = 0; iter < 2000; iter++) {
		unsigned n = iter < 10 ? (unsigned)(VRRP_HA_MAX_RECS - iter)
		                       : (unsigned)(1 + rng() % 40);
		uint8_t vrid = (uint8_t)rng();
		struct vrrp_ha_hdr h;
		size_t len, len2;
		unsigned i;

		for (i = 0; i < n; i++) {
			uint64_t x = rng();

			memset(&in[i], 0, sizeof(in[i]));
			in[i].lifetime = (uint16_t)x;
			in[i].seq = (uint16_t)(x >> 16);
			in[i].flags = (uint16_t)(x >> 32);
			in[i].reserved = (uint16_t)(x >> 48);
			rand_global(&in[i].hoa);
			do
				rand_global(&in[i].coa);
			while (memcmp(&in[i].coa, &in[i].hoa, 16) == 0);
		}
		len = vrrp_ha_encode_update(pkt, sizeof(pkt), vrid, in, n);
		CHECK_EQ(len, VRRP_HA_HDR_LEN + n * VRRP_HA_REC_LEN);
		CHECK_REASON(vrrp_ha_decode_hdr(pkt, len, &h), VRRP_HA_OK);
		CHECK_EQ(h.vrid, vrid);
		CHECK_EQ(h.count, n);
		for (i = 0; i < n; i++) {
			CHECK_REASON(vrrp_ha_decode_record(pkt, len, i, &out[i]), VRRP_HA_OK);
			CHECK(memcmp(&out[i].hoa, &in[i].hoa, 16) == 0);
			CHECK(memcmp(&out[i].coa, &in[i].coa, 16) == 0);
			CHECK_EQ(out[i].lifetime, in[i].lifetime);
			CHECK_EQ(out[i].seq, in[i].seq);
			CHECK_EQ(out[i].flags, in[i].flags);
			CHECK_EQ(out[i].reserved, in[i].reserved);
		}
		len2 = vrrp_ha_encode_update(pkt2, sizeof(pkt2), h.vrid, out, h.count);
		CHECK_EQ(len2, len);
		CHECK(memcmp(pkt, pkt2, len) == 0);
	}
}

/* ---- encoder limits, cursors, names, MTU ------------------------------------ */

static void test_encoder_limits(void)
{
	static uint8_t buf[VRRP_HA_HDR_LEN + 256 * VRRP_HA_REC_LEN];
	static struct vrrp_ha_binding b[256];
	size_t need1 = VRRP_HA_HDR_LEN + VRRP_HA_REC_LEN;

	CHECK_EQ(vrrp_ha_encode_update(buf, sizeof(buf), 1, b, 0), 0);
	CHECK_EQ(vrrp_ha_encode_update(buf, sizeof(buf), 1, b, 256), 0);
	CHECK_EQ(vrrp_ha_encode_update(buf, sizeof(buf), 1, b, 255),
	         VRRP_HA_HDR_LEN + 255 * VRRP_HA_REC_LEN);
	CHECK_EQ(buf[3], 255);
	CHECK_EQ(vrrp_ha_encode_update(buf, sizeof(buf), 1, NULL, 1), 0);
	CHECK_EQ(vrrp_ha_encode_update(buf, need1 - 1, 1, b, 1), 0);
	CHECK_EQ(vrrp_ha_encode_update(buf, need1, 1, b, 1), need1);
	CHECK_EQ(vrrp_ha_encode_update(NULL, 0, 1, b, 1), 0);
	CHECK_EQ(vrrp_ha_encode_request(buf, 7, 1), 0);
	CHECK_EQ(vrrp_ha_encode_request(NULL, 0, 1), 0);
	CHECK_EQ(vrrp_ha_encode_request(buf, 8, 255), 8);
	CHECK_EQ(buf[0], 0x3e);
	CHECK_EQ(buf[1], 255);
}

static void test_cursors(void)
{
	const uint8_t src[3] = {0x12, 0x34, 0x56};
	uint8_t dst[4] = {0};
	struct vrrp_ha_rd r;
	struct vrrp_ha_wr w;
	uint16_t v16 = 0;
	uint8_t v8 = 0;

	vrrp_ha_rd_init(&r, src, sizeof(src));
	CHECK_EQ(vrrp_ha_rd_left(&r), 3);
	CHECK_EQ(vrrp_ha_rd_be16(&r, &v16), 0);
	CHECK_EQ(v16, 0x1234);
	CHECK_EQ(vrrp_ha_rd_be16(&r, &v16), -1);
	CHECK_EQ(r.off, 2);
	CHECK_EQ(vrrp_ha_rd_bytes(&r, dst, 2), -1);
	CHECK_EQ(r.off, 2);
	CHECK_EQ(vrrp_ha_rd_u8(&r, &v8), 0);
	CHECK_EQ(v8, 0x56);
	CHECK_EQ(vrrp_ha_rd_u8(&r, &v8), -1);
	CHECK_EQ(vrrp_ha_rd_left(&r), 0);
	CHECK_EQ(vrrp_ha_rd_bytes(&r, dst, 0), 0);

	vrrp_ha_wr_init(&w, dst, 3);
	CHECK_EQ(vrrp_ha_wr_be16(&w, 0xabcd), 0);
	CHECK_EQ(vrrp_ha_wr_be16(&w, 0x1111), -1);
	CHECK_EQ(w.off, 2);
	CHECK_EQ(vrrp_ha_wr_bytes(&w, src, 2), -1);
	CHECK_EQ(vrrp_ha_wr_u8(&w, 0xef), 0);
	CHECK_EQ(vrrp_ha_wr_u8(&w, 0x00), -1);
	CHECK_EQ(w.off, 3);
	CHECK(dst[0] == 0xab && dst[1] == 0xcd && dst[2] == 0xef && dst[3] == 0);
}

static void test_names(void)
{
	static const char *const want[VRRP_HA_R__COUNT] = {
	        "ok",          "too_short",      "bad_version",  "bad_hoplimit",
	        "bad_type",    "vrid_mismatch",  "not_enabled",  "bad_length",
	        "zero_count",  "too_long",       "bad_source",   "unauthenticated",
	        "auth_failed", "not_master",     "rate_limited", "rec_bad_hoa",
	        "rec_bad_coa", "rec_hoa_is_coa",
	};
	int i;

	for (i = 0; i < VRRP_HA_R__COUNT; i++)
		CHECK(strcmp(vrrp_ha_reason_name((enum vrrp_ha_reason)i), want[i]) == 0);
	CHECK(vrrp_ha_reason_name(VRRP_HA_R__COUNT) != NULL);
	CHECK(vrrp_ha_reason_name((enum vrrp_ha_reason) - 1) != NULL);
}

static void test_mtu(void)
{
	CHECK_EQ(vrrp_ha_records_per_mtu(1500), 36);
	CHECK_EQ(vrrp_ha_records_per_mtu(1280), 30); /* IPv6 minimum MTU */
	CHECK_EQ(vrrp_ha_records_per_mtu(88), 1);
	CHECK_EQ(vrrp_ha_records_per_mtu(87), 0);
	CHECK_EQ(vrrp_ha_records_per_mtu(48), 0);
	CHECK_EQ(vrrp_ha_records_per_mtu(0), 0);
	CHECK_EQ(vrrp_ha_records_per_mtu(9000), 223);
	CHECK_EQ(vrrp_ha_records_per_mtu(48 + 255 * 40), 255);
	CHECK_EQ(vrrp_ha_records_per_mtu(48 + 256 * 40), 255);
	CHECK_EQ(vrrp_ha_records_per_mtu(65535), 255);
	CHECK_EQ(vrrp_ha_records_per_mtu(~0u), 255);
}

int main(void)
{
	test_kat_request();
	test_kat_update();
	test_unused_ignored();
	test_new_bit();
	test_truncated_update();
	test_truncated_request();
	test_malformed();
	test_bad_record_isolated();
	test_round_trip();
	test_encoder_limits();
	test_cursors();
	test_names();
	test_mtu();
	printf("test_codec: ok\n");
	return 0;
}
