/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_ext.c - the extension message (ext.h) and mobility option TLVs
 * (mopt.h): known-answer packets built byte by byte here (not with the
 * encoder), every truncated prefix, decode -> encode -> decode, unknown and
 * malformed sections, bad records skipped, NEW marking, option edge cases.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "vrrp_ha/ext.h"
#include "vrrp_ha/mopt.h"

#include "check.h"

/* ---- a byte builder independent of the library's encoder --------------- */

struct pk {
	uint8_t b[4096];
	size_t n;
};

static void b8(struct pk *p, unsigned v)
{
	p->b[p->n++] = (uint8_t)v;
}

static void b16(struct pk *p, unsigned v)
{
	b8(p, v >> 8);
	b8(p, v);
}

static void b32(struct pk *p, uint32_t v)
{
	b16(p, v >> 16);
	b16(p, v & 0xffff);
}

static void bmem(struct pk *p, const void *s, size_t n)
{
	if (n)
		memcpy(p->b + p->n, s, n);
	p->n += n;
}

static struct in6_addr A(const char *s) {
	struct in6_addr a;

	if (inet_pton(AF_INET6, s, &a) != 1) {
		fprintf(stderr, "bad test address %s\n", s);
		exit(2);
	}
	return a;
}

static void
baddr(struct pk *p, const char *s)
{
	struct in6_addr a = A(s);

	bmem(p, a.s6_addr, 16);
}

/* Header: version 3 / type 12, VRID 7, ext version 1, nsec sections. */
static void hdr(struct pk *p, unsigned nsec)
{
	p->n = 0;
	b8(p, 0x3C);
	b8(p, 7);
	b8(p, 1);
	b8(p, nsec);
	b16(p, 0);
	b16(p, 0);
}

static void sec(struct pk *p, unsigned kind, unsigned count, unsigned len)
{
	b8(p, kind);
	b8(p, count);
	b16(p, len);
}

/* A draft-deng 4.3.3 record. */
static void rec40(struct pk *p, unsigned life, unsigned seq, unsigned flags, const char *hoa,
                  const char *coa)
{
	b16(p, life);
	b16(p, seq);
	b16(p, flags);
	b16(p, 0);
	baddr(p, hoa);
	baddr(p, coa);
}

/* PMIPv6 options: MN-ID "mn1" (NAI, 6 bytes), one HNP 2001:db8:1::/64 (20), a timestamp (10). */
#define PMIP_OPTS_LEN (6 + 20 + 10)
static void pmip_opts(struct pk *p)
{
	b8(p, VRRP_HA_MOPT_MN_ID);
	b8(p, 4);
	b8(p, 1);
	bmem(p, "mn1", 3);
	b8(p, VRRP_HA_MOPT_HNP);
	b8(p, 18);
	b8(p, 0);
	b8(p, 64);
	baddr(p, "2001:db8:1::");
	b8(p, VRRP_HA_MOPT_TIMESTAMP);
	b8(p, 8);
	b32(p, 0x12345678);
	b32(p, 0x9abcdef0);
}

static void pmip_fixed(struct pk *p, const char *pcoa)
{
	b16(p, 100);        /* lifetime */
	b16(p, 0x8000);     /* flags */
	b8(p, 4);           /* ATT: IEEE 802.11 */
	b8(p, 0);           /* reserved */
	b16(p, 0);          /* reserved */
	b32(p, 0xdeadbeef); /* tunnel id */
	baddr(p, pcoa);
}

/* ---- what the callbacks saw -------------------------------------------- */

#define KEEP 300
struct seen {
	unsigned ncaps, nmip, npmip, natt, nskip;
	struct vrrp_ha_ext_caps caps;
	struct vrrp_ha_ext_mipv6 mip[KEEP];
	struct vrrp_ha_ext_pmipv6 pmip[8];
	struct vrrp_ha_ext_attach att[8];
	enum vrrp_ha_ext_reason last_skip;
};

static void on_caps(void *arg, const struct vrrp_ha_ext_caps *c)
{
	struct seen *s = arg;

	s->caps = *c;
	s->ncaps++;
}

static void on_mip(void *arg, const struct vrrp_ha_ext_mipv6 *r)
{
	struct seen *s = arg;

	if (s->nmip < KEEP)
		s->mip[s->nmip] = *r;
	s->nmip++;
}

static void on_pmip(void *arg, const struct vrrp_ha_ext_pmipv6 *r)
{
	struct seen *s = arg;

	if (s->npmip < 8)
		s->pmip[s->npmip] = *r;
	s->npmip++;
}

static void on_att(void *arg, const struct vrrp_ha_ext_attach *r)
{
	struct seen *s = arg;

	if (s->natt < 8)
		s->att[s->natt] = *r;
	s->natt++;
}

static void on_skip(void *arg, uint8_t kind, unsigned idx, enum vrrp_ha_ext_reason r)
{
	struct seen *s = arg;

	s->nskip++;
	s->last_skip = r;
}

static enum vrrp_ha_ext_reason parse(const uint8_t *b, size_t n, struct seen *s,
                                     struct vrrp_ha_ext_stats *st)
{
	struct vrrp_ha_ext_cb cb = {.arg = s,
	                            .caps = on_caps,
	                            .mipv6 = on_mip,
	                            .pmipv6 = on_pmip,
	                            .attach = on_att,
	                            .skipped = on_skip};

	memset(s, 0, sizeof(*s));
	memset(st, 0, sizeof(*st));
	return vrrp_ha_ext_parse(b, n, NULL, &cb, st);
}

static unsigned delivered(const struct seen *s)
{
	return s->ncaps + s->nmip + s->npmip + s->natt;
}

/* ---- mobility options -------------------------------------------------- */

static void test_mopt_iter(void)
{
	/* Pad1, PadN(2), unknown type 200 with 0 bytes, HI, Pad1 at the very end */
	static const uint8_t ok[] = {0, 1, 2, 0, 0, 200, 0, 23, 2, 0, 5, 0};
	struct vrrp_ha_mopt_it it;
	struct vrrp_ha_mopt o;
	size_t bad = 99;

	vrrp_ha_mopt_begin(&it, ok, sizeof(ok));
	CHECK_EQ(vrrp_ha_mopt_next(&it, &o, &bad), 1);
	CHECK_EQ(o.type, 200);
	CHECK_EQ(o.len, 0);
	CHECK_EQ(o.off, 5);
	CHECK_EQ(vrrp_ha_mopt_next(&it, &o, &bad), 1);
	CHECK_EQ(o.type, VRRP_HA_MOPT_HI);
	CHECK_EQ(o.data[1], 5);
	CHECK_EQ(vrrp_ha_mopt_next(&it, &o, &bad), 0);
	CHECK_EQ(vrrp_ha_mopt_next(&it, &o, &bad), 0); /* stays at the end */
	CHECK_EQ(vrrp_ha_mopt_validate(ok, sizeof(ok), NULL), 2);
	CHECK_EQ(vrrp_ha_mopt_validate(NULL, 0, NULL), 0);
	CHECK_EQ(vrrp_ha_mopt_find(ok, sizeof(ok), VRRP_HA_MOPT_HI, &o), 1);
	CHECK_EQ(vrrp_ha_mopt_find(ok, sizeof(ok), VRRP_HA_MOPT_LLA, &o), 0);

	/* every prefix: only those ending between options are valid */
	for (size_t n = 0; n < sizeof(ok); n++) {
		int want = (n == 0 || n == 1 || n == 5 || n == 7 || n == 11) ? 0 : -1;

		CHECK_EQ(vrrp_ha_mopt_validate(ok, n, NULL) < 0 ? -1 : 0, want);
	}
}

static void test_mopt_malformed(void)
{
	/* length octet missing at the end */
	static const uint8_t no_len[] = {0, 0, 200};
	/* length runs past the end */
	static const uint8_t past[] = {1, 0, 200, 3, 1, 2};
	/* known types breaking their rules */
	static const uint8_t mnid0[] = {VRRP_HA_MOPT_MN_ID, 0};
	static const uint8_t mnid1[] = {VRRP_HA_MOPT_MN_ID, 1, 1};
	static const uint8_t hnp17[2 + 17] = {VRRP_HA_MOPT_HNP, 17};
	static const uint8_t ts7[2 + 7] = {VRRP_HA_MOPT_TIMESTAMP, 7};
	static const uint8_t vend4[2 + 4] = {VRRP_HA_MOPT_VENDOR, 4};
	static const uint8_t lla15[2 + 15] = {VRRP_HA_MOPT_LLA, 15};
	/* PadN with 255 bytes of data in a buffer of 256: one byte short */
	uint8_t padn[256] = {1, 255};
	struct vrrp_ha_mopt_it it;
	struct vrrp_ha_mopt o;
	size_t bad = 0;

	vrrp_ha_mopt_begin(&it, no_len, sizeof(no_len));
	CHECK_EQ(vrrp_ha_mopt_next(&it, &o, &bad), -1);
	CHECK_EQ(bad, 2);
	CHECK_EQ(vrrp_ha_mopt_next(&it, &o, &bad), -1); /* stuck */
	CHECK_EQ(vrrp_ha_mopt_validate(past, sizeof(past), &bad), -1);
	CHECK_EQ(bad, 2);
	CHECK_EQ(vrrp_ha_mopt_validate(mnid0, sizeof(mnid0), NULL), -1);
	CHECK_EQ(vrrp_ha_mopt_validate(mnid1, sizeof(mnid1), NULL), -1);
	CHECK_EQ(vrrp_ha_mopt_validate(hnp17, sizeof(hnp17), NULL), -1);
	CHECK_EQ(vrrp_ha_mopt_validate(ts7, sizeof(ts7), NULL), -1);
	CHECK_EQ(vrrp_ha_mopt_validate(vend4, sizeof(vend4), NULL), -1);
	CHECK_EQ(vrrp_ha_mopt_validate(lla15, sizeof(lla15), NULL), -1);
	CHECK_EQ(vrrp_ha_mopt_validate(padn, sizeof(padn), NULL), -1);
	CHECK_EQ(vrrp_ha_mopt_validate(padn, 257 - 1, NULL), -1);
	/* the longest option: 255 bytes of data */
	{
		uint8_t big[257] = {200, 255};

		CHECK_EQ(vrrp_ha_mopt_validate(big, sizeof(big), NULL), 1);
		CHECK_EQ(vrrp_ha_mopt_validate(big, sizeof(big) - 1, NULL), -1);
	}
	CHECK(vrrp_ha_mopt_len_ok(VRRP_HA_MOPT_MN_ID, 255));
	CHECK(!vrrp_ha_mopt_len_ok(VRRP_HA_MOPT_MN_ID, 256));
	CHECK(vrrp_ha_mopt_len_ok(250, 0));
	CHECK(!strcmp(vrrp_ha_mopt_type_name(VRRP_HA_MOPT_HNP), "hnp"));
	CHECK(vrrp_ha_mopt_type_name(250) == NULL);
}

static void test_mopt_builder(void)
{
	uint8_t buf[64];
	struct vrrp_ha_wr w;
	struct in6_addr pfx = A("2001:db8::");
	struct vrrp_ha_mopt o;
	const uint8_t *vd;
	uint8_t sub;
	size_t vl;

	memset(buf, 0xaa, sizeof(buf));
	vrrp_ha_wr_init(&w, buf, 40);
	CHECK_EQ(vrrp_ha_mopt_put(&w, VRRP_HA_MOPT_PAD1, NULL, 0), -EINVAL);
	CHECK_EQ(vrrp_ha_mopt_put(&w, VRRP_HA_MOPT_HNP, buf, 17), -EINVAL);
	CHECK_EQ(vrrp_ha_mopt_put_hnp(&w, 129, &pfx), -EINVAL);
	CHECK_EQ(w.off, 0);
	CHECK_EQ(vrrp_ha_mopt_put_mnid(&w, 1, "a", 1), 0);
	CHECK_EQ(w.off, 4);
	CHECK(!memcmp(buf,
	              "\x08\x02\x01"
	              "a",
	              4));
	/* align to 8n+2 (RFC 5213 8.8's Timestamp alignment): 6 bytes of PadN */
	CHECK_EQ(vrrp_ha_mopt_align(&w, 0, 8, 2), 0);
	CHECK_EQ(w.off, 10);
	CHECK_EQ(buf[4], VRRP_HA_MOPT_PADN);
	CHECK_EQ(buf[5], 4);
	CHECK_EQ(vrrp_ha_mopt_put_timestamp(&w, 0x0102030405060708ull), 0);
	/* one byte of padding is a Pad1 */
	CHECK_EQ(vrrp_ha_mopt_align(&w, 0, 2, 1), 0);
	CHECK_EQ(w.off, 21);
	CHECK_EQ(buf[20], VRRP_HA_MOPT_PAD1);
	CHECK_EQ(vrrp_ha_mopt_align(&w, 0, 3, 0), -EINVAL);
	CHECK_EQ(vrrp_ha_mopt_put_vendor(&w, 0x00001234, 9, "xyz", 3), 0);
	CHECK_EQ(w.off, 31);
	/* does not fit: nothing written */
	CHECK_EQ(vrrp_ha_mopt_put_hnp(&w, 64, &pfx), -ENOSPC);
	CHECK_EQ(w.off, 31);
	CHECK_EQ(buf[31], 0xaa);
	CHECK_EQ(vrrp_ha_mopt_validate(buf, w.off, NULL), 3);
	CHECK_EQ(vrrp_ha_mopt_find(buf, w.off, VRRP_HA_MOPT_TIMESTAMP, &o), 1);
	CHECK_EQ(vrrp_ha_mopt_timestamp(&o), 0x0102030405060708ull);
	CHECK_EQ(vrrp_ha_mopt_find(buf, w.off, VRRP_HA_MOPT_VENDOR, &o), 1);
	CHECK_EQ(vrrp_ha_mopt_vendor(&o, &sub, &vd, &vl), 0x1234);
	CHECK_EQ(sub, 9);
	CHECK_EQ(vl, 3);
	CHECK(!memcmp(vd, "xyz", 3));
}

/* ---- known-answer packets ---------------------------------------------- */

static void test_kat_caps(void)
{
	struct pk p;
	struct seen s;
	struct vrrp_ha_ext_stats st;
	struct vrrp_ha_ext_hdr h;

	hdr(&p, 1);
	sec(&p, VRRP_HA_EXT_K_CAPS, 1, 8);
	b8(&p, 1);
	b8(&p, 0);
	b16(&p, 0);
	b32(&p, 0x7ffe);
	CHECK_EQ(p.n, 20);
	CHECK_EQ(parse(p.b, p.n, &s, &st), VRRP_HA_EXT_OK);
	CHECK_EQ(s.ncaps, 1);
	CHECK_EQ(s.caps.ext_version, 1);
	CHECK_EQ(s.caps.kinds, 0x7ffe);
	CHECK_EQ(st.delivered[VRRP_HA_EXT_K_CAPS], 1);
	CHECK_EQ(vrrp_ha_ext_known_kinds(), 0x7ffe);
	CHECK_EQ(vrrp_ha_ext_parse(p.b, p.n, &h, NULL, NULL), VRRP_HA_EXT_OK);
	CHECK_EQ(h.vrid, 7);
	CHECK_EQ(h.nsections, 1);
	CHECK_EQ(h.type, VRRP_HA_TYPE_EXT);

	/* the encoder gives the same bytes */
	{
		uint8_t out[64];
		struct vrrp_ha_ext_wr x;

		CHECK_EQ(vrrp_ha_ext_begin(&x, out, sizeof(out), 7), 0);
		CHECK_EQ(vrrp_ha_ext_put_caps(&x), 0);
		CHECK_EQ(vrrp_ha_ext_finish(&x), p.n);
		CHECK(!memcmp(out, p.b, p.n));
	}
}

/* Two MIPV6 records (one with a vendor option) and a NEW for the second. */
static void build_mip_new(struct pk *p)
{
	hdr(p, 3);
	sec(p, VRRP_HA_EXT_K_NEW, 1, 16);
	baddr(p, "2001:db8:2::2");
	sec(p, VRRP_HA_EXT_K_MIPV6, 1, 40);
	rec40(p, 150, 10, 0xa000, "2001:db8:2::1", "2001:db8:99::1");
	sec(p, VRRP_HA_EXT_K_MIPV6, 1, 40 + 10);
	rec40(p, 300, 65535, 0xa000, "2001:db8:2::2", "2001:db8:99::2");
	b8(p, VRRP_HA_MOPT_VENDOR);
	b8(p, 8);
	b32(p, 32473); /* RFC 5612 documentation enterprise number */
	b8(p, 1);
	bmem(p, "abc", 3);
}

static void test_kat_mipv6_new(void)
{
	struct pk p;
	struct seen s;
	struct vrrp_ha_ext_stats st;
	struct vrrp_ha_mopt o;
	struct in6_addr hoa2 = A("2001:db8:2::2");

	build_mip_new(&p);
	CHECK_EQ(p.n, 8 + 20 + 44 + 54);
	CHECK_EQ(parse(p.b, p.n, &s, &st), VRRP_HA_EXT_OK);
	CHECK_EQ(s.nmip, 2);
	CHECK_EQ(s.mip[0].b.lifetime, 150);
	CHECK_EQ(s.mip[0].b.seq, 10);
	CHECK_EQ(s.mip[0].b.flags, 0xa000);
	CHECK(!s.mip[0].is_new);
	CHECK_EQ(s.mip[0].optlen, 0);
	CHECK(s.mip[1].is_new);
	CHECK(!memcmp(&s.mip[1].b.hoa, &hoa2, 16));
	CHECK_EQ(s.mip[1].b.seq, 65535);
	CHECK_EQ(s.mip[1].optlen, 10);
	CHECK(s.mip[1].opts == p.b + p.n - 10); /* points into the packet */
	CHECK_EQ(vrrp_ha_mopt_find(s.mip[1].opts, s.mip[1].optlen, VRRP_HA_MOPT_VENDOR, &o), 1);
	CHECK_EQ(vrrp_ha_mopt_vendor(&o, NULL, NULL, NULL), 32473);
	CHECK_EQ(st.delivered[VRRP_HA_EXT_K_MIPV6], 2);
	CHECK_EQ(st.delivered[VRRP_HA_EXT_K_NEW], 1);
	CHECK_EQ(s.nskip, 0);

	/* encoder: same bytes, NEW first, then the records */
	{
		uint8_t out[256], opts[10];
		struct vrrp_ha_ext_wr x;
		struct vrrp_ha_wr w;

		vrrp_ha_wr_init(&w, opts, sizeof(opts));
		CHECK_EQ(vrrp_ha_mopt_put_vendor(&w, 32473, 1, "abc", 3), 0);
		CHECK_EQ(vrrp_ha_ext_begin(&x, out, sizeof(out), 7), 0);
		CHECK_EQ(vrrp_ha_ext_put_new(&x, &hoa2), 0);
		s.mip[0].b.reserved = 0;
		CHECK_EQ(vrrp_ha_ext_put_mipv6(&x, &s.mip[0].b, NULL, 0), 0);
		CHECK_EQ(vrrp_ha_ext_put_mipv6(&x, &s.mip[1].b, opts, w.off), 0);
		CHECK_EQ(vrrp_ha_ext_finish(&x), p.n);
		CHECK(!memcmp(out, p.b, p.n));
		/* malformed options are refused */
		CHECK_EQ(vrrp_ha_ext_put_mipv6(&x, &s.mip[0].b, opts, 3), -EINVAL);
	}
}

static void build_pmip(struct pk *p)
{
	hdr(p, 1);
	sec(p, VRRP_HA_EXT_K_PMIPV6, 1, 28 + PMIP_OPTS_LEN + 4 + 18 + 20);
	pmip_fixed(p, "2001:db8:aa::1");
	pmip_opts(p);
	/* Handoff Indicator 1, MN LL-ID (2 bytes), Link-local Address */
	b8(p, VRRP_HA_MOPT_HI);
	b8(p, 2);
	b8(p, 0);
	b8(p, 1);
	b8(p, VRRP_HA_MOPT_MN_LLID);
	b8(p, 16);
	b8(p, 0);
	bmem(p, "\x02\x00\x00\x00\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a", 15);
	/* a second HNP */
	b8(p, VRRP_HA_MOPT_HNP);
	b8(p, 18);
	b8(p, 0);
	b8(p, 48);
	baddr(p, "2001:db8:77::");
}

static void test_kat_pmipv6(void)
{
	struct pk p;
	struct seen s;
	struct vrrp_ha_ext_stats st;
	struct in6_addr pcoa = A("2001:db8:aa::1"), hnp = A("2001:db8:1::");

	build_pmip(&p);
	CHECK_EQ(parse(p.b, p.n, &s, &st), VRRP_HA_EXT_OK);
	CHECK_EQ(s.npmip, 1);
	CHECK_EQ(s.pmip[0].lifetime, 100);
	CHECK_EQ(s.pmip[0].flags, 0x8000);
	CHECK_EQ(s.pmip[0].att, 4);
	CHECK_EQ(s.pmip[0].tunnel_id, 0xdeadbeef);
	CHECK(!memcmp(s.pmip[0].pcoa, pcoa.s6_addr, 16));
	CHECK_EQ(s.pmip[0].mnid_subtype, 1);
	CHECK_EQ(s.pmip[0].mnid_len, 3);
	CHECK(!memcmp(s.pmip[0].mnid, "mn1", 3));
	CHECK_EQ(s.pmip[0].nhnp, 2);
	CHECK_EQ(s.pmip[0].hnp[0].plen, 64);
	CHECK(!memcmp(s.pmip[0].hnp[0].prefix, hnp.s6_addr, 16));
	CHECK_EQ(s.pmip[0].hnp[1].plen, 48);
	CHECK_EQ(s.pmip[0].timestamp, 0x123456789abcdef0ull);
	CHECK(s.pmip[0].hi && *s.pmip[0].hi == 1);
	CHECK_EQ(s.pmip[0].llid_len, 15);
	CHECK(s.pmip[0].lla == NULL);
	CHECK_EQ(st.delivered[VRRP_HA_EXT_K_PMIPV6], 1);
	/* pointers are into the packet */
	CHECK(s.pmip[0].pcoa >= p.b && s.pmip[0].pcoa < p.b + p.n);

	{
		uint8_t out[512];
		struct vrrp_ha_ext_wr x;

		CHECK_EQ(vrrp_ha_ext_begin(&x, out, sizeof(out), 7), 0);
		CHECK_EQ(vrrp_ha_ext_put_pmipv6(&x, &s.pmip[0]), 0);
		CHECK_EQ(vrrp_ha_ext_finish(&x), p.n);
		CHECK(!memcmp(out, p.b, p.n));
	}
}

static void build_attach(struct pk *p)
{
	hdr(p, 2);
	/* owner MIPv6: HoA then a vendor option */
	sec(p, VRRP_HA_EXT_K_ATTACH, 1, 12 + 16 + 9);
	b8(p, VRRP_HA_EXT_K_MIPV6);
	b8(p, VRRP_HA_EXT_ATT_VENDOR);
	b16(p, 0);
	b32(p, 42);
	b16(p, 75);
	b16(p, 0);
	baddr(p, "2001:db8:2::1");
	b8(p, VRRP_HA_MOPT_VENDOR);
	b8(p, 7);
	b32(p, 32473);
	b8(p, 3);
	bmem(p, "hi", 2);
	/* owner PMIPv6: MN-ID, HNP, then nothing */
	sec(p, VRRP_HA_EXT_K_ATTACH, 1, 12 + 5 + 20);
	b8(p, VRRP_HA_EXT_K_PMIPV6);
	b8(p, VRRP_HA_EXT_ATT_AAA);
	b16(p, 0);
	b32(p, 0xffffffff);
	b16(p, 0);
	b16(p, 0);
	b8(p, VRRP_HA_MOPT_MN_ID);
	b8(p, 3);
	b8(p, 1);
	bmem(p, "m2", 2);
	b8(p, VRRP_HA_MOPT_HNP);
	b8(p, 18);
	b8(p, 0);
	b8(p, 56);
	baddr(p, "2001:db8:1:200::");
}

static void test_kat_attach(void)
{
	struct pk p;
	struct seen s;
	struct vrrp_ha_ext_stats st;
	struct vrrp_ha_mopt o;

	build_attach(&p);
	CHECK_EQ(parse(p.b, p.n, &s, &st), VRRP_HA_EXT_OK);
	CHECK_EQ(s.natt, 2);
	CHECK_EQ(s.att[0].owner, VRRP_HA_EXT_K_MIPV6);
	CHECK_EQ(s.att[0].type, VRRP_HA_EXT_ATT_VENDOR);
	CHECK_EQ(s.att[0].version, 42);
	CHECK_EQ(s.att[0].lifetime, 75);
	CHECK(s.att[0].hoa && s.att[0].hoa[15] == 1);
	CHECK_EQ(s.att[0].value_len, 9);
	CHECK_EQ(vrrp_ha_mopt_find(s.att[0].value, s.att[0].value_len, VRRP_HA_MOPT_VENDOR, &o), 1);
	CHECK_EQ(s.att[1].owner, VRRP_HA_EXT_K_PMIPV6);
	CHECK_EQ(s.att[1].version, 0xffffffff);
	CHECK_EQ(s.att[1].mnid_len, 2);
	CHECK_EQ(s.att[1].hnp.plen, 56);
	CHECK_EQ(s.att[1].value_len, 0);
	CHECK(s.att[1].hoa == NULL);

	{
		uint8_t out[256];
		struct vrrp_ha_ext_wr x;

		CHECK_EQ(vrrp_ha_ext_begin(&x, out, sizeof(out), 7), 0);
		CHECK_EQ(vrrp_ha_ext_put_attach(&x, &s.att[0]), 0);
		/* both records are 37 bytes: without a boundary they share a section */
		CHECK_EQ(vrrp_ha_ext_section(&x, VRRP_HA_EXT_K_ATTACH, 37), 0);
		CHECK_EQ(vrrp_ha_ext_put_attach(&x, &s.att[1]), 0);
		CHECK_EQ(vrrp_ha_ext_finish(&x), p.n);
		CHECK(!memcmp(out, p.b, p.n));
		s.att[1].owner = 3;
		CHECK_EQ(vrrp_ha_ext_put_attach(&x, &s.att[1]), -EINVAL);
	}
}

/* ---- a multi-section packet: prefixes, round trip ---------------------- */

static void build_multi(struct pk *p)
{
	struct pk q;

	hdr(p, 6);
	sec(p, VRRP_HA_EXT_K_CAPS, 1, 8);
	b8(p, 1);
	b8(p, 0);
	b16(p, 0);
	b32(p, 0x3e);
	sec(p, VRRP_HA_EXT_K_MIPV6, 2, 40);
	rec40(p, 150, 1, 0, "2001:db8::1", "2001:db8:9::1");
	rec40(p, 0, 2, 0, "2001:db8::2", "2001:db8::2"); /* delete: HoA == CoA is fine */
	sec(p, VRRP_HA_EXT_K_NEW, 1, 16);
	baddr(p, "2001:db8::1");
	sec(p, 31, 2, 3); /* an unknown kind: skipped */
	bmem(p, "abcdef", 6);
	build_pmip(&q);
	bmem(p, q.b + 8, q.n - 8); /* its PMIPV6 section */
	build_attach(&q);
	bmem(p, q.b + 8, 4 + 37); /* its first ATTACH section */
}

static void test_prefixes(void)
{
	struct pk p;
	struct seen s;
	struct vrrp_ha_ext_stats st;
	size_t n;

	build_multi(&p);
	CHECK_EQ(parse(p.b, p.n, &s, &st), VRRP_HA_EXT_OK);
	CHECK_EQ(delivered(&s), 5);
	CHECK_EQ(st.reason[VRRP_HA_EXT_R_UNKNOWN_KIND], 1);
	CHECK_EQ(st.skipped_records, 2);
	CHECK_EQ(st.sections, 6);
	for (n = 0; n < p.n; n++) {
		uint8_t *copy = malloc(n ? n : 1); /* exactly n bytes: ASan sees an overread */
		enum vrrp_ha_ext_reason r;

		memcpy(copy, p.b, n);
		r = parse(copy, n, &s, &st);
		CHECK(r != VRRP_HA_EXT_OK);
		CHECK(vrrp_ha_ext_reason_is_packet(r));
		CHECK_EQ(delivered(&s), 0);
		CHECK_EQ(s.nskip, 0);
		CHECK_EQ(st.reason[r], 1);
		free(copy);
	}
}

/* Re-encode everything delivered (and the NEW marks) and parse again. */
static size_t reencode(const struct seen *s, uint8_t *out, size_t cap)
{
	struct vrrp_ha_ext_wr x;
	unsigned i;

	vrrp_ha_ext_begin(&x, out, cap, 7);
	if (s->ncaps)
		vrrp_ha_ext_put_caps(&x);
	for (i = 0; i < s->nmip && i < KEEP; i++) {
		if (s->mip[i].is_new)
			CHECK_EQ(vrrp_ha_ext_put_new(&x, &s->mip[i].b.hoa), 0);
		CHECK_EQ(vrrp_ha_ext_put_mipv6(&x, &s->mip[i].b, s->mip[i].opts, s->mip[i].optlen),
		         0);
	}
	for (i = 0; i < s->npmip && i < 8; i++)
		CHECK_EQ(vrrp_ha_ext_put_pmipv6(&x, &s->pmip[i]), 0);
	for (i = 0; i < s->natt && i < 8; i++)
		CHECK_EQ(vrrp_ha_ext_put_attach(&x, &s->att[i]), 0);
	return vrrp_ha_ext_finish(&x);
}

static void test_round_trip(void)
{
	struct pk p;
	struct seen s1, s2;
	struct vrrp_ha_ext_stats st;
	uint8_t out[2048];
	size_t n;
	unsigned i;

	build_multi(&p);
	CHECK_EQ(parse(p.b, p.n, &s1, &st), VRRP_HA_EXT_OK);
	n = reencode(&s1, out, sizeof(out));
	CHECK(n > 0);
	CHECK_EQ(parse(out, n, &s2, &st), VRRP_HA_EXT_OK);
	CHECK_EQ(s2.ncaps, s1.ncaps);
	CHECK_EQ(s2.nmip, s1.nmip);
	CHECK_EQ(s2.npmip, s1.npmip);
	CHECK_EQ(s2.natt, s1.natt);
	CHECK_EQ(st.reason[VRRP_HA_EXT_R_UNKNOWN_KIND], 0);
	for (i = 0; i < s1.nmip; i++) {
		CHECK(!memcmp(&s1.mip[i].b, &s2.mip[i].b, sizeof(s1.mip[i].b)));
		CHECK_EQ(s1.mip[i].is_new, s2.mip[i].is_new);
	}
	CHECK(s1.mip[0].is_new && !s1.mip[1].is_new);
	CHECK_EQ(s2.pmip[0].timestamp, s1.pmip[0].timestamp);
	CHECK_EQ(s2.pmip[0].nhnp, s1.pmip[0].nhnp);
	CHECK_EQ(s2.pmip[0].optlen, s1.pmip[0].optlen);
	CHECK(!memcmp(s2.pmip[0].opts, s1.pmip[0].opts, s1.pmip[0].optlen));
	CHECK_EQ(s2.att[0].value_len, s1.att[0].value_len);
}

/* ---- structure errors -------------------------------------------------- */

static enum vrrp_ha_ext_reason parse_quiet(const struct pk *p, struct seen *s)
{
	struct vrrp_ha_ext_stats st;

	return parse(p->b, p->n, s, &st);
}

static void test_structure(void)
{
	struct pk p;
	struct seen s;

	/* header checks, in order */
	hdr(&p, 1);
	p.n = 7;
	CHECK_EQ(parse_quiet(&p, &s), VRRP_HA_EXT_R_TOO_SHORT);
	hdr(&p, 0);
	p.b[0] = 0x2C;
	CHECK_EQ(parse_quiet(&p, &s), VRRP_HA_EXT_R_BAD_VERSION);
	p.b[0] = 0x3F; /* a BC_UPDATE */
	CHECK_EQ(parse_quiet(&p, &s), VRRP_HA_EXT_R_BAD_TYPE);
	p.b[0] = 0x3C;
	p.b[2] = 2;
	CHECK_EQ(parse_quiet(&p, &s), VRRP_HA_EXT_R_BAD_EXT_VERSION);
	p.b[2] = 1;
	CHECK_EQ(parse_quiet(&p, &s), VRRP_HA_EXT_R_ZERO_SECTIONS);
	/* header alone, one section announced */
	hdr(&p, 1);
	CHECK_EQ(parse_quiet(&p, &s), VRRP_HA_EXT_R_SECTION_COUNT);

	/* count 0 */
	hdr(&p, 1);
	sec(&p, VRRP_HA_EXT_K_CAPS, 0, 8);
	CHECK_EQ(parse_quiet(&p, &s), VRRP_HA_EXT_R_ZERO_COUNT);

	/* len x count far beyond the packet, and products that would wrap 16 bits */
	hdr(&p, 1);
	sec(&p, 200, 255, 0xffff);
	bmem(&p, "xxxx", 4);
	CHECK_EQ(parse_quiet(&p, &s), VRRP_HA_EXT_R_BAD_LENGTH);
	hdr(&p, 1);
	sec(&p, 200, 0x10, 0x1001); /* 0x10010 bytes: a 16-bit product would be 0x10 */
	memset(p.b + p.n, 0, 16);
	p.n += 16;
	CHECK_EQ(parse_quiet(&p, &s), VRRP_HA_EXT_R_BAD_LENGTH);
	/* one byte short of the records */
	hdr(&p, 1);
	sec(&p, VRRP_HA_EXT_K_NEW, 2, 16);
	baddr(&p, "2001:db8::1");
	bmem(&p, "123456789012345", 15);
	CHECK_EQ(parse_quiet(&p, &s), VRRP_HA_EXT_R_BAD_LENGTH);

	/* section count mismatch, both ways */
	hdr(&p, 2);
	sec(&p, 200, 1, 1);
	b8(&p, 0);
	CHECK_EQ(parse_quiet(&p, &s), VRRP_HA_EXT_R_SECTION_COUNT);
	hdr(&p, 1);
	sec(&p, 200, 1, 1);
	b8(&p, 0);
	sec(&p, VRRP_HA_EXT_K_CAPS, 1, 8);
	bmem(&p, "\x01\x00\x00\x00\x00\x00\x00\x04", 8);
	CHECK_EQ(parse_quiet(&p, &s), VRRP_HA_EXT_R_SECTION_COUNT);
	CHECK_EQ(delivered(&s), 0);

	/* trailing bytes after the last section, 1..3 (not a section header) */
	for (unsigned extra = 1; extra <= 3; extra++) {
		hdr(&p, 1);
		sec(&p, VRRP_HA_EXT_K_CAPS, 1, 8);
		bmem(&p, "\x01\x00\x00\x00\x00\x00\x00\x04", 8);
		bmem(&p, "\x00\x00\x00", extra);
		CHECK_EQ(parse_quiet(&p, &s), VRRP_HA_EXT_R_BAD_LENGTH);
		CHECK_EQ(s.ncaps, 0);
	}
	/* zero-length records of an unknown kind are fine */
	hdr(&p, 2);
	sec(&p, 200, 255, 0);
	sec(&p, VRRP_HA_EXT_K_CAPS, 1, 8);
	bmem(&p, "\x01\x00\x00\x00\x00\x00\x00\x04", 8);
	CHECK_EQ(parse_quiet(&p, &s), VRRP_HA_EXT_OK);
	CHECK_EQ(s.ncaps, 1);
}

static void test_skipped_sections(void)
{
	struct pk p;
	struct seen s;
	struct vrrp_ha_ext_stats st;

	hdr(&p, 5);
	sec(&p, 0, 1, 4); /* kind 0: unknown */
	b32(&p, 0);
	sec(&p, VRRP_HA_EXT_K_MIPV6, 1, 40);
	rec40(&p, 10, 1, 0, "2001:db8::1", "2001:db8:1::1");
	sec(&p, VRRP_HA_EXT_K_CAPS, 2, 9); /* known kind, len > max */
	bmem(&p, "012345678012345678", 18);
	sec(&p, VRRP_HA_EXT_K_MIPV6, 1, 39); /* len < min */
	bmem(&p, p.b + 8 + 4 + 4, 39);
	sec(&p, 77, 1, 2); /* future kind */
	b16(&p, 0);
	CHECK_EQ(parse(p.b, p.n, &s, &st), VRRP_HA_EXT_OK);
	CHECK_EQ(s.nmip, 1);
	CHECK_EQ(s.ncaps, 0);
	CHECK_EQ(st.reason[VRRP_HA_EXT_R_UNKNOWN_KIND], 2);
	CHECK_EQ(st.reason[VRRP_HA_EXT_R_BAD_SECTION_LEN], 2);
	CHECK_EQ(st.skipped_records, 5);
	CHECK_EQ(s.nskip, 4);
}

/* ---- bad records ------------------------------------------------------- */

static void test_bad_records(void)
{
	struct pk p;
	struct seen s;
	struct vrrp_ha_ext_stats st;
	static const char *const bad_addr[] = {"::", "::1", "ff02::1", "fe80::1", "::ffff:1.2.3.4"};
	unsigned i;

	/* MIPV6: good, bad HoA, bad CoA, HoA == CoA, bad options, good */
	hdr(&p, 2);
	sec(&p, VRRP_HA_EXT_K_MIPV6, 5, 42);
	rec40(&p, 10, 1, 0, "2001:db8::1", "2001:db8:1::1");
	b16(&p, 0x0000); /* Pad1 Pad1 */
	rec40(&p, 10, 1, 0, "fe80::1", "2001:db8:1::1");
	b16(&p, 0);
	rec40(&p, 10, 1, 0, "2001:db8::3", "ff02::1");
	b16(&p, 0);
	rec40(&p, 10, 1, 0, "2001:db8::4", "2001:db8::4");
	b16(&p, 0);
	rec40(&p, 10, 1, 0, "2001:db8::5", "2001:db8:1::5");
	b16(&p, 0x0805); /* MN-ID of 5 bytes: runs past the record */
	sec(&p, VRRP_HA_EXT_K_MIPV6, 1, 40);
	rec40(&p, 10, 1, 0, "2001:db8::6", "2001:db8:1::6");
	CHECK_EQ(parse(p.b, p.n, &s, &st), VRRP_HA_EXT_OK);
	CHECK_EQ(s.nmip, 2);
	CHECK_EQ(s.mip[0].b.hoa.s6_addr[15], 1);
	CHECK_EQ(s.mip[1].b.hoa.s6_addr[15], 6);
	CHECK_EQ(st.reason[VRRP_HA_EXT_R_BAD_HOA], 1);
	CHECK_EQ(st.reason[VRRP_HA_EXT_R_BAD_COA], 1);
	CHECK_EQ(st.reason[VRRP_HA_EXT_R_HOA_IS_COA], 1);
	CHECK_EQ(st.reason[VRRP_HA_EXT_R_BAD_OPTIONS], 1);
	CHECK_EQ(st.delivered[VRRP_HA_EXT_K_MIPV6], 2);

	/* every unusable address class as a HoA */
	for (i = 0; i < sizeof(bad_addr) / sizeof(bad_addr[0]); i++) {
		hdr(&p, 1);
		sec(&p, VRRP_HA_EXT_K_MIPV6, 1, 40);
		rec40(&p, 10, 1, 0, bad_addr[i], "2001:db8:1::1");
		CHECK_EQ(parse(p.b, p.n, &s, &st), VRRP_HA_EXT_OK);
		CHECK_EQ(st.reason[VRRP_HA_EXT_R_BAD_HOA], 1);
	}
}

/* A PMIPV6 packet whose options are opts[0..n). */
static enum vrrp_ha_ext_reason pmip_with(const uint8_t *opts, size_t n, const char *pcoa)
{
	struct pk p;
	struct seen s;
	struct vrrp_ha_ext_stats st;
	unsigned r;

	hdr(&p, 1);
	sec(&p, VRRP_HA_EXT_K_PMIPV6, 1, 28 + n);
	pmip_fixed(&p, pcoa);
	bmem(&p, opts, n);
	CHECK_EQ(parse(p.b, p.n, &s, &st), VRRP_HA_EXT_OK);
	if (s.npmip)
		return VRRP_HA_EXT_OK;
	for (r = VRRP_HA_EXT_R_BAD_HOA; r < VRRP_HA_EXT_R__COUNT; r++)
		if (st.reason[r])
			return (enum vrrp_ha_ext_reason)r;
	return VRRP_HA_EXT_R__COUNT;
}

static void test_pmip_rules(void)
{
	struct pk o;
	size_t base;

	o.n = 0;
	pmip_opts(&o);
	CHECK_EQ(pmip_with(o.b, o.n, "2001:db8:aa::1"), VRRP_HA_EXT_OK);
	CHECK_EQ(pmip_with(o.b, o.n, "fe80::1"), VRRP_HA_EXT_R_PMIP_BAD_PCOA);
	/* without the MN-ID (first 6 bytes) */
	CHECK_EQ(pmip_with(o.b + 6, o.n - 6, "2001:db8:aa::1"), VRRP_HA_EXT_R_PMIP_NO_MNID);
	/* without the HNP */
	{
		struct pk q = {.n = 0};

		bmem(&q, o.b, 6);
		bmem(&q, o.b + 26, 10);
		CHECK_EQ(pmip_with(q.b, q.n, "2001:db8:aa::1"), VRRP_HA_EXT_R_PMIP_NO_HNP);
		/* without the timestamp */
		q.n = 0;
		bmem(&q, o.b, 26);
		CHECK_EQ(pmip_with(q.b, q.n, "2001:db8:aa::1"), VRRP_HA_EXT_R_PMIP_NO_TIMESTAMP);
	}
	/* a second MN-ID, a second timestamp */
	base = o.n;
	bmem(&o, o.b, 6);
	CHECK_EQ(pmip_with(o.b, o.n, "2001:db8:aa::1"), VRRP_HA_EXT_R_PMIP_DUP_MNID);
	o.n = base;
	bmem(&o, o.b + 26, 10);
	CHECK_EQ(pmip_with(o.b, o.n, "2001:db8:aa::1"), VRRP_HA_EXT_R_PMIP_DUP_TIMESTAMP);
	o.n = base;
	/* prefix length 129 */
	o.b[6 + 3] = 129;
	CHECK_EQ(pmip_with(o.b, o.n, "2001:db8:aa::1"), VRRP_HA_EXT_R_PMIP_BAD_HNP);
	o.b[6 + 3] = 128;
	CHECK_EQ(pmip_with(o.b, o.n, "2001:db8:aa::1"), VRRP_HA_EXT_OK);
	/* more HNPs than VRRP_HA_EXT_MAX_HNP */
	for (unsigned i = 0; i < VRRP_HA_EXT_MAX_HNP; i++)
		bmem(&o, o.b + 6, 20);
	CHECK_EQ(pmip_with(o.b, o.n, "2001:db8:aa::1"), VRRP_HA_EXT_R_PMIP_BAD_HNP);
	o.n -= 20;
	CHECK_EQ(pmip_with(o.b, o.n, "2001:db8:aa::1"), VRRP_HA_EXT_OK);
	/* a malformed option area: the last byte cut off the record */
	CHECK_EQ(pmip_with(o.b, o.n - 1, "2001:db8:aa::1"), VRRP_HA_EXT_R_BAD_OPTIONS);
	/* no options at all */
	CHECK_EQ(pmip_with(NULL, 0, "2001:db8:aa::1"), VRRP_HA_EXT_R_PMIP_NO_MNID);
}

static void test_attach_rules(void)
{
	struct pk p;
	struct seen s;
	struct vrrp_ha_ext_stats st;
	size_t at;

	build_attach(&p);
	at = 8 + 4; /* first record */
	p.b[at] = 3;
	CHECK_EQ(parse(p.b, p.n, &s, &st), VRRP_HA_EXT_OK);
	CHECK_EQ(st.reason[VRRP_HA_EXT_R_ATTACH_BAD_OWNER], 1);
	CHECK_EQ(s.natt, 1);
	p.b[at] = VRRP_HA_EXT_K_MIPV6;
	p.b[at + 1] = 3;
	CHECK_EQ(parse(p.b, p.n, &s, &st), VRRP_HA_EXT_OK);
	CHECK_EQ(st.reason[VRRP_HA_EXT_R_ATTACH_BAD_TYPE], 1);
	p.b[at + 1] = VRRP_HA_EXT_ATT_AAA;
	p.b[at + 12] = 0xff; /* HoA multicast */
	CHECK_EQ(parse(p.b, p.n, &s, &st), VRRP_HA_EXT_OK);
	CHECK_EQ(st.reason[VRRP_HA_EXT_R_BAD_HOA], 1);
	p.b[at + 12] = 0x20;
	p.b[at + 12 + 16 + 1] = 9; /* vendor option length past the record */
	CHECK_EQ(parse(p.b, p.n, &s, &st), VRRP_HA_EXT_OK);
	CHECK_EQ(st.reason[VRRP_HA_EXT_R_BAD_OPTIONS], 1);
	CHECK_EQ(s.natt, 1);

	/* MIPv6 owner without the HoA */
	hdr(&p, 1);
	sec(&p, VRRP_HA_EXT_K_ATTACH, 1, 12 + 15);
	b8(&p, VRRP_HA_EXT_K_MIPV6);
	b8(&p, 1);
	memset(p.b + p.n, 0x20, 25);
	p.n += 25;
	CHECK_EQ(parse(p.b, p.n, &s, &st), VRRP_HA_EXT_OK);
	CHECK_EQ(st.reason[VRRP_HA_EXT_R_ATTACH_BAD_KEY], 1);

	/* PMIPv6 owner with HNP before MN-ID */
	build_attach(&p);
	at = 8 + 4 + 37 + 4 + 12;
	{
		uint8_t key[25];

		memcpy(key, p.b + at + 5, 20);
		memcpy(key + 20, p.b + at, 5);
		memcpy(p.b + at, key, 25);
	}
	CHECK_EQ(parse(p.b, p.n, &s, &st), VRRP_HA_EXT_OK);
	CHECK_EQ(st.reason[VRRP_HA_EXT_R_ATTACH_BAD_KEY], 1);
	CHECK_EQ(s.natt, 1);
}

/* ---- NEW marking ------------------------------------------------------- */

static void test_new(void)
{
	struct pk p;
	struct seen s;
	struct vrrp_ha_ext_stats st;
	unsigned i;
	char a[64];

	/* NEW after the record, a NEW without a record, a bad NEW, a duplicate NEW */
	hdr(&p, 3);
	sec(&p, VRRP_HA_EXT_K_MIPV6, 2, 40);
	rec40(&p, 10, 1, 0, "2001:db8::1", "2001:db8:1::1");
	rec40(&p, 10, 1, 0, "2001:db8::2", "2001:db8:1::2");
	sec(&p, VRRP_HA_EXT_K_NEW, 3, 16);
	baddr(&p, "2001:db8::2");
	baddr(&p, "2001:db8::77");
	baddr(&p, "ff02::2");
	sec(&p, VRRP_HA_EXT_K_NEW, 1, 16);
	baddr(&p, "2001:db8::2");
	CHECK_EQ(parse(p.b, p.n, &s, &st), VRRP_HA_EXT_OK);
	CHECK_EQ(s.nmip, 2);
	CHECK(!s.mip[0].is_new);
	CHECK(s.mip[1].is_new);
	CHECK_EQ(st.delivered[VRRP_HA_EXT_K_NEW], 1);
	CHECK_EQ(st.reason[VRRP_HA_EXT_R_NEW_NO_RECORD], 1);
	CHECK_EQ(st.reason[VRRP_HA_EXT_R_BAD_HOA], 1);

	/* a NEW whose record is bad is orphaned */
	hdr(&p, 2);
	sec(&p, VRRP_HA_EXT_K_NEW, 1, 16);
	baddr(&p, "2001:db8::4");
	sec(&p, VRRP_HA_EXT_K_MIPV6, 1, 40);
	rec40(&p, 10, 1, 0, "2001:db8::4", "2001:db8::4");
	CHECK_EQ(parse(p.b, p.n, &s, &st), VRRP_HA_EXT_OK);
	CHECK_EQ(s.nmip, 0);
	CHECK_EQ(st.reason[VRRP_HA_EXT_R_NEW_NO_RECORD], 1);

	/* more NEW HoAs than remembered: the surplus is counted and ignored */
	hdr(&p, 2);
	sec(&p, VRRP_HA_EXT_K_NEW, VRRP_HA_EXT_MAX_NEW + 6, 16);
	for (i = 0; i < VRRP_HA_EXT_MAX_NEW + 6; i++) {
		snprintf(a, sizeof(a), "2001:db8::%x", i + 1);
		baddr(&p, a);
	}
	sec(&p, VRRP_HA_EXT_K_MIPV6, 2, 40);
	rec40(&p, 10, 1, 0, "2001:db8::1", "2001:db8:1::1");
	snprintf(a, sizeof(a), "2001:db8::%x", VRRP_HA_EXT_MAX_NEW + 2);
	rec40(&p, 10, 1, 0, a, "2001:db8:1::1");
	CHECK_EQ(parse(p.b, p.n, &s, &st), VRRP_HA_EXT_OK);
	CHECK_EQ(s.nmip, 2);
	CHECK(s.mip[0].is_new);
	CHECK(!s.mip[1].is_new);
	CHECK_EQ(st.reason[VRRP_HA_EXT_R_NEW_OVERFLOW], 6);
	CHECK_EQ(st.reason[VRRP_HA_EXT_R_NEW_NO_RECORD], VRRP_HA_EXT_MAX_NEW - 1);
}

/* ---- builder limits ---------------------------------------------------- */

static void test_builder(void)
{
	uint8_t buf[1500 - 40];
	struct vrrp_ha_ext_wr x;
	struct vrrp_ha_binding b;
	struct seen s;
	struct vrrp_ha_ext_stats st;
	unsigned n = 0;
	size_t len, before;
	int rc;

	CHECK_EQ(vrrp_ha_ext_begin(&x, buf, 11, 1), -ENOSPC);
	CHECK_EQ(vrrp_ha_ext_begin(&x, buf, 12, 1), 0);
	CHECK_EQ(vrrp_ha_ext_finish(&x), 0); /* no section */
	CHECK_EQ(vrrp_ha_ext_put_caps(&x), -ENOSPC);

	/* fill an MTU of 1500 with MIPV6 records: (1460 - 8 - 4) / 40 = 36 */
	memset(buf, 0xee, sizeof(buf));
	memset(&b, 0, sizeof(b));
	b.hoa = A("2001:db8::1");
	b.coa = A("2001:db8:1::1");
	b.lifetime = 10;
	CHECK_EQ(vrrp_ha_ext_begin(&x, buf, sizeof(buf), 9), 0);
	while ((rc = vrrp_ha_ext_put_mipv6(&x, &b, NULL, 0)) == 0) {
		n++;
		b.hoa.s6_addr[15]++;
	}
	CHECK_EQ(rc, -ENOSPC);
	CHECK_EQ(n, 36);
	before = x.w.off;
	CHECK_EQ(buf[before], 0xee); /* nothing written by the failed put */
	CHECK_EQ(vrrp_ha_ext_put_new(&x, &b.hoa), -ENOSPC);
	CHECK_EQ(x.w.off, before);
	len = vrrp_ha_ext_finish(&x);
	CHECK_EQ(len, 8 + 4 + 36 * 40);
	CHECK_EQ(parse(buf, len, &s, &st), VRRP_HA_EXT_OK);
	CHECK_EQ(s.nmip, 36);

	/* 255 records per section, then a new section opens */
	{
		static uint8_t big[8 + 2 * 4 + 300 * 16];
		struct in6_addr h = A("2001:db8::1");
		unsigned i;

		CHECK_EQ(vrrp_ha_ext_begin(&x, big, sizeof(big), 9), 0);
		for (i = 0; i < 300; i++)
			CHECK_EQ(vrrp_ha_ext_put_new(&x, &h), 0);
		CHECK_EQ(vrrp_ha_ext_finish(&x), sizeof(big));
		CHECK_EQ(big[3], 2);
		CHECK_EQ(big[9], 255);
		CHECK_EQ(big[8 + 4 + 255 * 16 + 1], 45);
		CHECK_EQ(vrrp_ha_ext_parse(big, sizeof(big), NULL, NULL, NULL), VRRP_HA_EXT_OK);
	}

	/* at most 255 sections; section() forces a boundary */
	{
		static uint8_t big[8 + 256 * 5];
		unsigned i;

		CHECK_EQ(vrrp_ha_ext_begin(&x, big, sizeof(big), 9), 0);
		for (i = 0; i < 255; i++) {
			CHECK_EQ(vrrp_ha_ext_section(&x, 99, 1), 0);
			CHECK_EQ(vrrp_ha_ext_put_raw(&x, 99, "z", 1), 0);
		}
		CHECK_EQ(vrrp_ha_ext_section(&x, 99, 1), 0);
		CHECK_EQ(vrrp_ha_ext_put_raw(&x, 99, "z", 1), -ENOSPC);
		CHECK_EQ(vrrp_ha_ext_finish(&x), 8 + 255 * 5);
		CHECK_EQ(parse(big, 8 + 255 * 5, &s, &st), VRRP_HA_EXT_OK);
		CHECK_EQ(st.reason[VRRP_HA_EXT_R_UNKNOWN_KIND], 255);
	}
	CHECK_EQ(vrrp_ha_ext_section(&x, 0, 1), -EINVAL);
	CHECK_EQ(vrrp_ha_ext_put_raw(&x, 1, NULL, 0), -EINVAL);
}

static void test_names(void)
{
	unsigned r;

	for (r = 0; r < VRRP_HA_EXT_R__COUNT; r++)
		CHECK(strcmp(vrrp_ha_ext_reason_name((enum vrrp_ha_ext_reason)r), "unknown") != 0);
	CHECK(!strcmp(vrrp_ha_ext_reason_name(VRRP_HA_EXT_R_SECTION_COUNT), "section_count"));
	CHECK(!strcmp(vrrp_ha_ext_reason_name(VRRP_HA_EXT_R__COUNT), "unknown"));
	CHECK(!strcmp(vrrp_ha_ext_kind_name(VRRP_HA_EXT_K_PMIPV6), "pmipv6"));
	CHECK(vrrp_ha_ext_kind_name(0) == NULL);
	CHECK(vrrp_ha_ext_kind_name(200) == NULL);
}

int main(void)
{
	test_mopt_iter();
	test_mopt_malformed();
	test_mopt_builder();
	test_kat_caps();
	test_kat_mipv6_new();
	test_kat_pmipv6();
	test_kat_attach();
	test_prefixes();
	test_round_trip();
	test_structure();
	test_skipped_sections();
	test_bad_records();
	test_pmip_rules();
	test_attach_rules();
	test_new();
	test_builder();
	test_names();
	if (failures) {
		fprintf(stderr, "test_ext: %d failures\n", failures);
		return 1;
	}
	printf("test_ext: ok\n");
	return 0;
}
