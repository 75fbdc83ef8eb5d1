/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ext.c - the sectioned extension message (VRRP type 12): two-pass parser,
 * per-kind record decoders in a const dispatch table, and the builder.
 * Wire format: docs/protocol.md "Extensions"; API: ext.h.
 *
 * Every byte is read through struct vrrp_ha_rd (codec.h); nothing is cast
 * over the packet. Pass 1 only looks at section headers (and collects the
 * NEW HoAs), so a structurally bad packet delivers nothing; pass 2 decodes
 * records, each on its own.
 */
#include <errno.h>
#include <string.h>

#include "vrrp_ha/mopt.h"
#include "wire/ext_int.h"

/* Header offsets (docs/protocol.md "Extensions", "Header"). */
#define HDR_OFF_NSECTIONS 3

static const char *const reason_names[VRRP_HA_EXT_R__COUNT] = {
        [VRRP_HA_EXT_OK] = "ok",
        [VRRP_HA_EXT_R_TOO_SHORT] = "too_short",
        [VRRP_HA_EXT_R_BAD_VERSION] = "bad_version",
        [VRRP_HA_EXT_R_BAD_TYPE] = "bad_type",
        [VRRP_HA_EXT_R_BAD_EXT_VERSION] = "bad_ext_version",
        [VRRP_HA_EXT_R_ZERO_SECTIONS] = "zero_sections",
        [VRRP_HA_EXT_R_BAD_LENGTH] = "bad_length",
        [VRRP_HA_EXT_R_ZERO_COUNT] = "zero_count",
        [VRRP_HA_EXT_R_SECTION_COUNT] = "section_count",
        [VRRP_HA_EXT_R_UNKNOWN_KIND] = "unknown_kind",
        [VRRP_HA_EXT_R_BAD_SECTION_LEN] = "bad_section_len",
        [VRRP_HA_EXT_R_BAD_HOA] = "bad_hoa",
        [VRRP_HA_EXT_R_BAD_COA] = "bad_coa",
        [VRRP_HA_EXT_R_HOA_IS_COA] = "hoa_is_coa",
        [VRRP_HA_EXT_R_BAD_OPTIONS] = "bad_options",
        [VRRP_HA_EXT_R_PMIP_NO_MNID] = "pmip_no_mnid",
        [VRRP_HA_EXT_R_PMIP_DUP_MNID] = "pmip_dup_mnid",
        [VRRP_HA_EXT_R_PMIP_NO_HNP] = "pmip_no_hnp",
        [VRRP_HA_EXT_R_PMIP_BAD_HNP] = "pmip_bad_hnp",
        [VRRP_HA_EXT_R_PMIP_NO_TIMESTAMP] = "pmip_no_timestamp",
        [VRRP_HA_EXT_R_PMIP_DUP_TIMESTAMP] = "pmip_dup_timestamp",
        [VRRP_HA_EXT_R_PMIP_BAD_PCOA] = "pmip_bad_pcoa",
        [VRRP_HA_EXT_R_ATTACH_BAD_OWNER] = "attach_bad_owner",
        [VRRP_HA_EXT_R_ATTACH_BAD_TYPE] = "attach_bad_type",
        [VRRP_HA_EXT_R_ATTACH_BAD_KEY] = "attach_bad_key",
        [VRRP_HA_EXT_R_NEW_NO_RECORD] = "new_no_record",
        [VRRP_HA_EXT_R_NEW_OVERFLOW] = "new_overflow",
        [VRRP_HA_EXT_R_BAD_REQUEST] = "bad_request",
        [VRRP_HA_EXT_R_BAD_SYNC] = "bad_sync",
        [VRRP_HA_EXT_R_BAD_RANGE] = "bad_range",
        [VRRP_HA_EXT_R_BAD_SWITCH] = "bad_switch",
        [VRRP_HA_EXT_R_BAD_MAGSW] = "bad_magsw",
};

const char *vrrp_ha_ext_reason_name(enum vrrp_ha_ext_reason r)
{
	if ((unsigned)r >= VRRP_HA_EXT_R__COUNT || !reason_names[r])
		return "unknown";
	return reason_names[r];
}

bool vrrp_ha_ext_reason_is_packet(enum vrrp_ha_ext_reason r)
{
	return r >= VRRP_HA_EXT_R_TOO_SHORT && r <= VRRP_HA_EXT_R_SECTION_COUNT;
}

/* ---- cursor helpers beyond codec.h (and ext_int.h) ------------------ */

/* Point at the next n bytes and step over them; same contract as the getters. */
static int rd_ptr(struct vrrp_ha_rd *r, size_t n, const uint8_t **p)
{
	if (vrrp_ha_rd_left(r) < n)
		return -1;
	*p = r->p + r->off;
	r->off += n;
	return 0;
}

/* A HoA, CoA or proxy-CoA (16 bytes in the packet) must be a global unicast
 * address: the same classes the draft codec refuses (codec.h). */
static bool ext_addr_ok(const uint8_t *a)
{
	struct in6_addr x;

	memcpy(&x, a, sizeof(x));
	return !vrrp_ha_addr_unusable(&x);
}

/* ---- parse context ----------------------------------------------------- */

static bool ctx_new_index(const struct ext_ctx *c, const uint8_t *hoa, unsigned *idx)
{
	unsigned i;

	for (i = 0; i < c->nnew; i++)
		if (!memcmp(c->new_hoa[i], hoa, 16)) {
			*idx = i;
			return true;
		}
	return false;
}

/* ---- per-kind decoders ------------------------------------------------- */

static enum vrrp_ha_ext_reason dec_caps(struct ext_ctx *c, const uint8_t *rec, size_t len)
{
	struct vrrp_ha_ext_caps caps;
	struct vrrp_ha_rd r;
	uint16_t rsvd;

	vrrp_ha_rd_init(&r, rec, len);
	if (vrrp_ha_rd_u8(&r, &caps.ext_version) || vrrp_ha_rd_u8(&r, &caps.flags) ||
	    vrrp_ha_rd_be16(&r, &rsvd) || ext_rd_be32(&r, &caps.kinds))
		return VRRP_HA_EXT_R_BAD_SECTION_LEN; /* the table's min_len prevents it */
	if (c->cb && c->cb->caps)
		c->cb->caps(c->cb->arg, &caps);
	return VRRP_HA_EXT_OK;
}

/* draft-deng 4.3.3 fields, then the option area. */
static enum vrrp_ha_ext_reason dec_mipv6(struct ext_ctx *c, const uint8_t *rec, size_t len)
{
	struct vrrp_ha_ext_mipv6 m;
	struct vrrp_ha_rd r;
	unsigned idx;

	memset(&m, 0, sizeof(m));
	vrrp_ha_rd_init(&r, rec, len);
	if (vrrp_ha_rd_be16(&r, &m.b.lifetime) || vrrp_ha_rd_be16(&r, &m.b.seq) ||
	    vrrp_ha_rd_be16(&r, &m.b.flags) || vrrp_ha_rd_be16(&r, &m.b.reserved) ||
	    vrrp_ha_rd_bytes(&r, m.b.hoa.s6_addr, 16) || vrrp_ha_rd_bytes(&r, m.b.coa.s6_addr, 16))
		return VRRP_HA_EXT_R_BAD_SECTION_LEN;
	m.optlen = vrrp_ha_rd_left(&r);
	m.opts = m.optlen ? rec + r.off : NULL;

	/* same order as the draft codec: HoA, CoA, HoA == CoA */
	if (!ext_addr_ok(m.b.hoa.s6_addr))
		return VRRP_HA_EXT_R_BAD_HOA;
	if (!ext_addr_ok(m.b.coa.s6_addr))
		return VRRP_HA_EXT_R_BAD_COA;
	/* RFC 6275 6.1.7: CoA == HoA only when deregistering */
	if (m.b.lifetime && !memcmp(m.b.hoa.s6_addr, m.b.coa.s6_addr, 16))
		return VRRP_HA_EXT_R_HOA_IS_COA;
	if (vrrp_ha_mopt_validate(m.opts, m.optlen, NULL) < 0)
		return VRRP_HA_EXT_R_BAD_OPTIONS;
	if (ctx_new_index(c, m.b.hoa.s6_addr, &idx)) {
		m.is_new = true;
		c->new_used[idx] = true;
	}
	if (c->cb && c->cb->mipv6)
		c->cb->mipv6(c->cb->arg, &m);
	return VRRP_HA_EXT_OK;
}

/* Pass 1 collected the NEW HoAs; here only the bad and the surplus are counted. */
static enum vrrp_ha_ext_reason dec_new(struct ext_ctx *c, const uint8_t *rec, size_t len)
{
	unsigned idx;

	if (!ext_addr_ok(rec))
		return VRRP_HA_EXT_R_BAD_HOA;
	if (!ctx_new_index(c, rec, &idx))
		return VRRP_HA_EXT_R_NEW_OVERFLOW;
	return VRRP_HA_EXT_OK;
}

/* A PMIPv6 option area: RFC 5213 5.3.1 requires MN-ID, HNP(s), Timestamp. */
static enum vrrp_ha_ext_reason pmip_options(const uint8_t *opts, size_t optlen,
                                            struct vrrp_ha_ext_pmipv6 *p)
{
	struct vrrp_ha_mopt_it it;
	struct vrrp_ha_mopt o;
	unsigned nmnid = 0, nts = 0;
	bool hnp_bad = false;
	int rc;

	p->opts = optlen ? opts : NULL;
	p->optlen = optlen;
	p->nhnp = 0;
	vrrp_ha_mopt_begin(&it, opts, optlen);
	while ((rc = vrrp_ha_mopt_next(&it, &o, NULL)) == 1) {
		switch (o.type) {
		case VRRP_HA_MOPT_MN_ID:
			if (nmnid++ == 0) {
				p->mnid_subtype = o.data[0];
				p->mnid = o.data + 1;
				p->mnid_len = (size_t)o.len - 1;
			}
			break;
		case VRRP_HA_MOPT_HNP:
			/* RFC 5213 8.3: reserved, prefix length, prefix */
			if (o.data[1] > VRRP_HA_MOPT_HNP_MAX_PLEN ||
			    p->nhnp >= VRRP_HA_EXT_MAX_HNP) {
				hnp_bad = true;
				break;
			}
			p->hnp[p->nhnp].plen = o.data[1];
			p->hnp[p->nhnp].prefix = o.data + 2;
			p->nhnp++;
			break;
		case VRRP_HA_MOPT_TIMESTAMP:
			if (nts++ == 0)
				p->timestamp = vrrp_ha_mopt_timestamp(&o);
			break;
		case VRRP_HA_MOPT_HI:
			p->hi = o.data + 1; /* RFC 5213 8.4: after the reserved octet */
			break;
		case VRRP_HA_MOPT_MN_LLID:
			p->llid = o.data + 1; /* RFC 5213 8.6: after the reserved octet */
			p->llid_len = (size_t)o.len - 1;
			break;
		case VRRP_HA_MOPT_LLA:
			p->lla = o.data;
			break;
		default:
			break; /* carried, not interpreted */
		}
	}
	if (rc < 0)
		return VRRP_HA_EXT_R_BAD_OPTIONS;
	if (nmnid == 0)
		return VRRP_HA_EXT_R_PMIP_NO_MNID;
	if (nmnid > 1)
		return VRRP_HA_EXT_R_PMIP_DUP_MNID;
	if (hnp_bad)
		return VRRP_HA_EXT_R_PMIP_BAD_HNP;
	if (p->nhnp == 0)
		return VRRP_HA_EXT_R_PMIP_NO_HNP;
	if (nts == 0)
		return VRRP_HA_EXT_R_PMIP_NO_TIMESTAMP;
	if (nts > 1)
		return VRRP_HA_EXT_R_PMIP_DUP_TIMESTAMP;
	return VRRP_HA_EXT_OK;
}

static enum vrrp_ha_ext_reason dec_pmipv6(struct ext_ctx *c, const uint8_t *rec, size_t len)
{
	struct vrrp_ha_ext_pmipv6 p;
	struct vrrp_ha_rd r;
	enum vrrp_ha_ext_reason res;
	uint8_t rsvd8;
	uint16_t rsvd16;

	memset(&p, 0, sizeof(p));
	vrrp_ha_rd_init(&r, rec, len);
	if (vrrp_ha_rd_be16(&r, &p.lifetime) || vrrp_ha_rd_be16(&r, &p.flags) ||
	    vrrp_ha_rd_u8(&r, &p.att) || vrrp_ha_rd_u8(&r, &rsvd8) ||
	    vrrp_ha_rd_be16(&r, &rsvd16) || ext_rd_be32(&r, &p.tunnel_id) ||
	    rd_ptr(&r, 16, &p.pcoa))
		return VRRP_HA_EXT_R_BAD_SECTION_LEN;
	if (!ext_addr_ok(p.pcoa))
		return VRRP_HA_EXT_R_PMIP_BAD_PCOA;
	res = pmip_options(rec + r.off, vrrp_ha_rd_left(&r), &p);
	if (res != VRRP_HA_EXT_OK)
		return res;
	if (c->cb && c->cb->pmipv6)
		c->cb->pmipv6(c->cb->arg, &p);
	return VRRP_HA_EXT_OK;
}

/*
 * The PMIPv6 owner key: the first two options that are not padding, an
 * MN-ID then an HNP. *rest is set past the HNP.
 */
static bool attach_pmip_key(const uint8_t *opts, size_t optlen, struct vrrp_ha_ext_attach *a,
                            size_t *rest)
{
	struct vrrp_ha_mopt_it it;
	struct vrrp_ha_mopt o;

	vrrp_ha_mopt_begin(&it, opts, optlen);
	if (vrrp_ha_mopt_next(&it, &o, NULL) != 1 || o.type != VRRP_HA_MOPT_MN_ID)
		return false;
	a->mnid_subtype = o.data[0];
	a->mnid = o.data + 1;
	a->mnid_len = (size_t)o.len - 1;
	if (vrrp_ha_mopt_next(&it, &o, NULL) != 1 || o.type != VRRP_HA_MOPT_HNP ||
	    o.data[1] > VRRP_HA_MOPT_HNP_MAX_PLEN)
		return false;
	a->hnp.plen = o.data[1];
	a->hnp.prefix = o.data + 2;
	*rest = it.off;
	return true;
}

static enum vrrp_ha_ext_reason dec_attach(struct ext_ctx *c, const uint8_t *rec, size_t len)
{
	struct vrrp_ha_ext_attach a;
	struct vrrp_ha_rd r;
	uint16_t rsvd;
	size_t rest;

	memset(&a, 0, sizeof(a));
	vrrp_ha_rd_init(&r, rec, len);
	if (vrrp_ha_rd_u8(&r, &a.owner) || vrrp_ha_rd_u8(&r, &a.type) ||
	    vrrp_ha_rd_be16(&r, &rsvd) || ext_rd_be32(&r, &a.version) ||
	    vrrp_ha_rd_be16(&r, &a.lifetime) || vrrp_ha_rd_be16(&r, &rsvd))
		return VRRP_HA_EXT_R_BAD_SECTION_LEN;
	if (a.owner != VRRP_HA_EXT_K_MIPV6 && a.owner != VRRP_HA_EXT_K_PMIPV6)
		return VRRP_HA_EXT_R_ATTACH_BAD_OWNER;
	if (a.type != VRRP_HA_EXT_ATT_AAA && a.type != VRRP_HA_EXT_ATT_VENDOR)
		return VRRP_HA_EXT_R_ATTACH_BAD_TYPE;
	if (a.owner == VRRP_HA_EXT_K_MIPV6) {
		/* the key is a bare 16-byte Home Address before the options */
		if (rd_ptr(&r, 16, &a.hoa))
			return VRRP_HA_EXT_R_ATTACH_BAD_KEY;
		if (!ext_addr_ok(a.hoa))
			return VRRP_HA_EXT_R_BAD_HOA;
		rest = 0;
	} else if (!attach_pmip_key(rec + r.off, vrrp_ha_rd_left(&r), &a, &rest)) {
		/* a malformed option area is bad_options, not a bad key */
		if (vrrp_ha_mopt_validate(rec + r.off, vrrp_ha_rd_left(&r), NULL) < 0)
			return VRRP_HA_EXT_R_BAD_OPTIONS;
		return VRRP_HA_EXT_R_ATTACH_BAD_KEY;
	}
	r.off += rest;
	a.value_len = vrrp_ha_rd_left(&r);
	a.value = a.value_len ? rec + r.off : NULL;
	if (vrrp_ha_mopt_validate(a.value, a.value_len, NULL) < 0)
		return VRRP_HA_EXT_R_BAD_OPTIONS;
	if (c->cb && c->cb->attach)
		c->cb->attach(c->cb->arg, &a);
	return VRRP_HA_EXT_OK;
}

/* ---- dispatch table ---------------------------------------------------- */

struct ext_kind {
	uint8_t kind;
	const char *name;
	uint16_t min_len, max_len; /* bytes per record */
	ext_decode_fn decode;
};

static const struct ext_kind ext_kinds[VRRP_HA_EXT_K__MAX + 1] = {
        [VRRP_HA_EXT_K_CAPS] = {VRRP_HA_EXT_K_CAPS, "caps", VRRP_HA_EXT_CAPS_LEN,
                                VRRP_HA_EXT_CAPS_LEN, dec_caps},
        [VRRP_HA_EXT_K_MIPV6] = {VRRP_HA_EXT_K_MIPV6, "mipv6", VRRP_HA_EXT_MIPV6_MIN_LEN,
                                 VRRP_HA_EXT_MAX_REC_LEN, dec_mipv6},
        [VRRP_HA_EXT_K_NEW] = {VRRP_HA_EXT_K_NEW, "new", VRRP_HA_EXT_NEW_LEN, VRRP_HA_EXT_NEW_LEN,
                               dec_new},
        [VRRP_HA_EXT_K_PMIPV6] = {VRRP_HA_EXT_K_PMIPV6, "pmipv6", VRRP_HA_EXT_PMIPV6_MIN_LEN,
                                  VRRP_HA_EXT_MAX_REC_LEN, dec_pmipv6},
        [VRRP_HA_EXT_K_ATTACH] = {VRRP_HA_EXT_K_ATTACH, "attach", VRRP_HA_EXT_ATTACH_MIN_LEN,
                                  VRRP_HA_EXT_MAX_REC_LEN, dec_attach},
        [VRRP_HA_EXT_K_REQUEST] = {VRRP_HA_EXT_K_REQUEST, "request", VRRP_HA_EXT_REQUEST_LEN,
                                   VRRP_HA_EXT_REQUEST_LEN, ext_dec_request},
        [VRRP_HA_EXT_K_SYNC] = {VRRP_HA_EXT_K_SYNC, "sync", VRRP_HA_EXT_SYNC_LEN,
                                VRRP_HA_EXT_SYNC_LEN, ext_dec_sync},
        [VRRP_HA_EXT_K_DIGEST] = {VRRP_HA_EXT_K_DIGEST, "digest", VRRP_HA_EXT_DIGEST_LEN,
                                  VRRP_HA_EXT_DIGEST_LEN, ext_dec_digest},
        [VRRP_HA_EXT_K_RANGE] = {VRRP_HA_EXT_K_RANGE, "range", VRRP_HA_EXT_RANGE_LEN,
                                 VRRP_HA_EXT_RANGE_LEN, ext_dec_range},
        [VRRP_HA_EXT_K_KEYS] = {VRRP_HA_EXT_K_KEYS, "keys", VRRP_HA_EXT_KEYS_LEN,
                                VRRP_HA_EXT_KEYS_LEN, ext_dec_keys},
        [VRRP_HA_EXT_K_TABLE] = {VRRP_HA_EXT_K_TABLE, "table", VRRP_HA_EXT_TABLE_LEN,
                                 VRRP_HA_EXT_TABLE_LEN, ext_dec_table},
        [VRRP_HA_EXT_K_SWITCH] = {VRRP_HA_EXT_K_SWITCH, "switch", VRRP_HA_EXT_SWITCH_LEN,
                                  VRRP_HA_EXT_SWITCH_LEN, ext_dec_switch},
        [VRRP_HA_EXT_K_MAGSW] = {VRRP_HA_EXT_K_MAGSW, "magsw", VRRP_HA_EXT_MAGSW_LEN,
                                 VRRP_HA_EXT_MAGSW_LEN, ext_dec_magsw},
};

static const struct ext_kind *kind_lookup(uint8_t kind)
{
	if (kind > VRRP_HA_EXT_K__MAX || !ext_kinds[kind].decode)
		return NULL;
	return &ext_kinds[kind];
}

const char *vrrp_ha_ext_kind_name(uint8_t kind)
{
	const struct ext_kind *k = kind_lookup(kind);

	return k ? k->name : NULL;
}

uint32_t vrrp_ha_ext_known_kinds(void)
{
	uint32_t bits = 0;
	unsigned k;

	for (k = 0; k <= VRRP_HA_EXT_K__MAX; k++)
		if (ext_kinds[k].decode)
			bits |= UINT32_C(1) << k;
	/* AUTH is taken off before parsing (auth.h), never decoded here */
	return bits | UINT32_C(1) << VRRP_HA_EXT_K_AUTH;
}

/* ---- parser ------------------------------------------------------------ */

struct sec_hdr {
	uint8_t kind, count;
	uint16_t len;
	const uint8_t *recs; /* count x len bytes */
};

/* Read one section header and make sure its records fit. */
static enum vrrp_ha_ext_reason sec_next(struct vrrp_ha_rd *r, struct sec_hdr *s)
{
	size_t left;

	if (vrrp_ha_rd_u8(r, &s->kind) || vrrp_ha_rd_u8(r, &s->count) ||
	    vrrp_ha_rd_be16(r, &s->len))
		return VRRP_HA_EXT_R_BAD_LENGTH;
	if (s->count == 0)
		return VRRP_HA_EXT_R_ZERO_COUNT;
	/* len x count <= left without computing a product that could wrap */
	left = vrrp_ha_rd_left(r);
	if (s->len && (size_t)s->count > left / s->len)
		return VRRP_HA_EXT_R_BAD_LENGTH;
	if (rd_ptr(r, (size_t)s->count * s->len, &s->recs))
		return VRRP_HA_EXT_R_BAD_LENGTH;
	return VRRP_HA_EXT_OK;
}

/* Pass 1: header and structure; collects the NEW HoAs. */
static enum vrrp_ha_ext_reason pass1(const uint8_t *pkt, size_t len, struct vrrp_ha_ext_hdr *h,
                                     struct ext_ctx *c)
{
	struct vrrp_ha_rd r;
	struct sec_hdr s;
	enum vrrp_ha_ext_reason res;
	uint8_t vt;
	uint16_t rsvd;
	unsigned n = 0, i, idx;

	vrrp_ha_rd_init(&r, pkt, len);
	if (vrrp_ha_rd_left(&r) < VRRP_HA_EXT_HDR_LEN)
		return VRRP_HA_EXT_R_TOO_SHORT;
	vrrp_ha_rd_u8(&r, &vt);
	vrrp_ha_rd_u8(&r, &h->vrid);
	vrrp_ha_rd_u8(&r, &h->ext_version);
	vrrp_ha_rd_u8(&r, &h->nsections);
	vrrp_ha_rd_be16(&r, &rsvd); /* reserved: ignored */
	vrrp_ha_rd_be16(&r, &h->checksum);
	h->version = vt >> 4;
	h->type = vt & 0x0f;
	if (h->version != VRRP_HA_VERSION)
		return VRRP_HA_EXT_R_BAD_VERSION;
	if (h->type != VRRP_HA_TYPE_EXT)
		return VRRP_HA_EXT_R_BAD_TYPE;
	if (h->ext_version != VRRP_HA_EXT_VERSION)
		return VRRP_HA_EXT_R_BAD_EXT_VERSION;
	if (h->nsections == 0)
		return VRRP_HA_EXT_R_ZERO_SECTIONS;

	while (vrrp_ha_rd_left(&r) > 0) {
		res = sec_next(&r, &s);
		if (res != VRRP_HA_EXT_OK)
			return res;
		/* more sections than byte 3: stop before reading further */
		if (++n > h->nsections)
			return VRRP_HA_EXT_R_SECTION_COUNT;
		if (s.kind != VRRP_HA_EXT_K_NEW || s.len != VRRP_HA_EXT_NEW_LEN)
			continue;
		for (i = 0; i < s.count && c->nnew < VRRP_HA_EXT_MAX_NEW; i++) {
			const uint8_t *hoa = s.recs + (size_t)i * VRRP_HA_EXT_NEW_LEN;

			if (ext_addr_ok(hoa) && !ctx_new_index(c, hoa, &idx))
				c->new_hoa[c->nnew++] = hoa;
		}
	}
	if (n != h->nsections)
		return VRRP_HA_EXT_R_SECTION_COUNT;
	return VRRP_HA_EXT_OK;
}

static void skip(struct ext_ctx *c, uint8_t kind, unsigned idx, enum vrrp_ha_ext_reason r)
{
	c->st->reason[r]++;
	if (c->cb && c->cb->skipped)
		c->cb->skipped(c->cb->arg, kind, idx, r);
}

/* Pass 2: decode every record of every known section (structure known good). */
static void pass2(const uint8_t *pkt, size_t len, struct ext_ctx *c)
{
	struct vrrp_ha_rd r;
	struct sec_hdr s;
	unsigned i;

	vrrp_ha_rd_init(&r, pkt, len);
	r.off = VRRP_HA_EXT_HDR_LEN;
	while (vrrp_ha_rd_left(&r) > 0 && sec_next(&r, &s) == VRRP_HA_EXT_OK) {
		const struct ext_kind *k = kind_lookup(s.kind);

		c->st->sections++;
		if (!k || s.len < k->min_len || s.len > k->max_len) {
			skip(c, s.kind, 0,
			     k ? VRRP_HA_EXT_R_BAD_SECTION_LEN : VRRP_HA_EXT_R_UNKNOWN_KIND);
			c->st->skipped_records += s.count;
			continue;
		}
		for (i = 0; i < s.count; i++) {
			enum vrrp_ha_ext_reason res =
			        k->decode(c, s.recs + (size_t)i * s.len, s.len);

			if (res != VRRP_HA_EXT_OK)
				skip(c, s.kind, i, res);
			else if (s.kind != VRRP_HA_EXT_K_NEW) /* NEW: counted when it marked */
				c->st->delivered[s.kind]++;
		}
	}
	for (i = 0; i < c->nnew; i++) {
		if (c->new_used[i])
			c->st->delivered[VRRP_HA_EXT_K_NEW]++;
		else
			skip(c, VRRP_HA_EXT_K_NEW, i, VRRP_HA_EXT_R_NEW_NO_RECORD);
	}
}

enum vrrp_ha_ext_reason vrrp_ha_ext_parse(const uint8_t *pkt, size_t len, struct vrrp_ha_ext_hdr *h,
                                          const struct vrrp_ha_ext_cb *cb,
                                          struct vrrp_ha_ext_stats *st)
{
	struct vrrp_ha_ext_stats scratch;
	struct vrrp_ha_ext_hdr hscratch;
	struct ext_ctx c;
	enum vrrp_ha_ext_reason res;

	if (!h)
		h = &hscratch;
	if (!st) {
		memset(&scratch, 0, sizeof(scratch));
		st = &scratch;
	}
	memset(h, 0, sizeof(*h));
	memset(&c, 0, sizeof(c));
	c.cb = cb;
	c.st = st;
	st->packets++;
	if (!pkt)
		len = 0;
	res = pass1(pkt, len, h, &c);
	if (res != VRRP_HA_EXT_OK) {
		st->reason[res]++;
		return res;
	}
	st->accepted++;
	pass2(pkt, len, &c);
	return VRRP_HA_EXT_OK;
}

/* ---- builder ----------------------------------------------------------- */

int vrrp_ha_ext_begin(struct vrrp_ha_ext_wr *x, void *buf, size_t cap, uint8_t vrid)
{
	memset(x, 0, sizeof(*x));
	if (!buf || cap < VRRP_HA_EXT_HDR_LEN + VRRP_HA_EXT_SEC_HDR_LEN)
		return -ENOSPC;
	vrrp_ha_wr_init(&x->w, buf, cap);
	/* reserved and checksum 0: the kernel fills the checksum (RFC 5798 5.2.8) */
	vrrp_ha_wr_u8(&x->w, (uint8_t)(VRRP_HA_VERSION << 4 | VRRP_HA_TYPE_EXT));
	vrrp_ha_wr_u8(&x->w, vrid);
	vrrp_ha_wr_u8(&x->w, VRRP_HA_EXT_VERSION);
	vrrp_ha_wr_u8(&x->w, 0); /* number of sections: vrrp_ha_ext_finish */
	vrrp_ha_wr_be16(&x->w, 0);
	vrrp_ha_wr_be16(&x->w, 0);
	return 0;
}

int vrrp_ha_ext_section(struct vrrp_ha_ext_wr *x, uint8_t kind, uint16_t len)
{
	if (kind == 0 || len == 0)
		return -EINVAL;
	x->sec_kind = kind;
	x->sec_len = len;
	x->sec_count = 0; /* the next put writes a fresh header */
	return 0;
}

size_t vrrp_ha_ext_room(const struct vrrp_ha_ext_wr *x)
{
	return x->w.cap - x->w.off;
}

int ext_put_parts(struct vrrp_ha_ext_wr *x, uint8_t kind, const void *a, size_t alen, const void *b,
                  size_t blen)
{
	size_t len = alen + blen, need;
	bool cont;

	if (!x->w.p)
		return -ENOSPC;
	if (len == 0 || len > VRRP_HA_EXT_MAX_REC_LEN)
		return -EINVAL;
	cont = x->sec_count > 0 && x->sec_count < VRRP_HA_EXT_MAX_COUNT && x->sec_kind == kind &&
	       x->sec_len == len;
	need = len + (cont ? 0 : VRRP_HA_EXT_SEC_HDR_LEN);
	if (!cont && x->nsections >= VRRP_HA_EXT_MAX_SECTIONS)
		return -ENOSPC;
	if (vrrp_ha_ext_room(x) < need)
		return -ENOSPC;
	if (!cont) {
		x->sec_off = x->w.off;
		x->sec_kind = kind;
		x->sec_len = (uint16_t)len;
		x->sec_count = 0;
		x->nsections++;
		vrrp_ha_wr_u8(&x->w, kind);
		vrrp_ha_wr_u8(&x->w, 0); /* count, patched below */
		vrrp_ha_wr_be16(&x->w, (uint16_t)len);
	}
	vrrp_ha_wr_bytes(&x->w, a, alen);
	vrrp_ha_wr_bytes(&x->w, b, blen);
	x->sec_count++;
	x->w.p[x->sec_off + 1] = x->sec_count;
	return 0;
}

int vrrp_ha_ext_put_raw(struct vrrp_ha_ext_wr *x, uint8_t kind, const void *rec, size_t len)
{
	if (len && !rec)
		return -EINVAL;
	return ext_put_parts(x, kind, rec, len, NULL, 0);
}

int vrrp_ha_ext_put_caps(struct vrrp_ha_ext_wr *x)
{
	uint8_t rec[VRRP_HA_EXT_CAPS_LEN];
	struct vrrp_ha_wr w;

	vrrp_ha_wr_init(&w, rec, sizeof(rec));
	vrrp_ha_wr_u8(&w, VRRP_HA_EXT_VERSION);
	vrrp_ha_wr_u8(&w, VRRP_HA_EXT_CAPS_FLAGS);
	vrrp_ha_wr_be16(&w, 0);
	ext_wr_be32(&w, vrrp_ha_ext_known_kinds());
	return ext_put_parts(x, VRRP_HA_EXT_K_CAPS, rec, sizeof(rec), NULL, 0);
}

int vrrp_ha_ext_put_mipv6(struct vrrp_ha_ext_wr *x, const struct vrrp_ha_binding *b,
                          const uint8_t *opts, size_t optlen)
{
	uint8_t rec[VRRP_HA_REC_LEN];
	struct vrrp_ha_wr w;

	if (!b || (optlen && !opts) || vrrp_ha_mopt_validate(opts, optlen, NULL) < 0)
		return -EINVAL;
	vrrp_ha_wr_init(&w, rec, sizeof(rec));
	/* draft-deng 4.3.3; Reserved 0: "new" is a NEW section now */
	vrrp_ha_wr_be16(&w, b->lifetime);
	vrrp_ha_wr_be16(&w, b->seq);
	vrrp_ha_wr_be16(&w, b->flags);
	vrrp_ha_wr_be16(&w, 0);
	vrrp_ha_wr_bytes(&w, b->hoa.s6_addr, 16);
	vrrp_ha_wr_bytes(&w, b->coa.s6_addr, 16);
	return ext_put_parts(x, VRRP_HA_EXT_K_MIPV6, rec, sizeof(rec), opts, optlen);
}

int vrrp_ha_ext_put_new(struct vrrp_ha_ext_wr *x, const struct in6_addr *hoa)
{
	if (!hoa)
		return -EINVAL;
	return ext_put_parts(x, VRRP_HA_EXT_K_NEW, hoa->s6_addr, 16, NULL, 0);
}

int vrrp_ha_ext_put_pmipv6(struct vrrp_ha_ext_wr *x, const struct vrrp_ha_ext_pmipv6 *r)
{
	uint8_t rec[VRRP_HA_EXT_PMIPV6_MIN_LEN];
	struct vrrp_ha_ext_pmipv6 check;
	struct vrrp_ha_wr w;

	if (!r || !r->pcoa || (r->optlen && !r->opts))
		return -EINVAL;
	memset(&check, 0, sizeof(check));
	if (pmip_options(r->opts, r->optlen, &check) != VRRP_HA_EXT_OK)
		return -EINVAL;
	vrrp_ha_wr_init(&w, rec, sizeof(rec));
	vrrp_ha_wr_be16(&w, r->lifetime);
	vrrp_ha_wr_be16(&w, r->flags);
	vrrp_ha_wr_u8(&w, r->att);
	vrrp_ha_wr_u8(&w, 0);
	vrrp_ha_wr_be16(&w, 0);
	ext_wr_be32(&w, r->tunnel_id);
	vrrp_ha_wr_bytes(&w, r->pcoa, 16);
	return ext_put_parts(x, VRRP_HA_EXT_K_PMIPV6, rec, sizeof(rec), r->opts, r->optlen);
}

int vrrp_ha_ext_put_attach(struct vrrp_ha_ext_wr *x, const struct vrrp_ha_ext_attach *r)
{
	/* fixed part, then the key: a HoA, or an MN-ID (<= 257) and an HNP (20) option */
	uint8_t rec[VRRP_HA_EXT_ATTACH_MIN_LEN + 2 + VRRP_HA_MOPT_MAX_DATA + 2 +
	            VRRP_HA_MOPT_HNP_LEN];
	struct vrrp_ha_wr w;
	struct in6_addr pfx;

	if (!r || (r->value_len && !r->value) ||
	    vrrp_ha_mopt_validate(r->value, r->value_len, NULL) < 0)
		return -EINVAL;
	if (r->type != VRRP_HA_EXT_ATT_AAA && r->type != VRRP_HA_EXT_ATT_VENDOR)
		return -EINVAL;
	vrrp_ha_wr_init(&w, rec, sizeof(rec));
	vrrp_ha_wr_u8(&w, r->owner);
	vrrp_ha_wr_u8(&w, r->type);
	vrrp_ha_wr_be16(&w, 0);
	ext_wr_be32(&w, r->version);
	vrrp_ha_wr_be16(&w, r->lifetime);
	vrrp_ha_wr_be16(&w, 0);
	switch (r->owner) {
	case VRRP_HA_EXT_K_MIPV6:
		if (!r->hoa)
			return -EINVAL;
		vrrp_ha_wr_bytes(&w, r->hoa, 16);
		break;
	case VRRP_HA_EXT_K_PMIPV6:
		if (!r->hnp.prefix)
			return -EINVAL;
		memcpy(pfx.s6_addr, r->hnp.prefix, 16);
		if (vrrp_ha_mopt_put_mnid(&w, r->mnid_subtype, r->mnid, r->mnid_len) ||
		    vrrp_ha_mopt_put_hnp(&w, r->hnp.plen, &pfx))
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	return ext_put_parts(x, VRRP_HA_EXT_K_ATTACH, rec, w.off, r->value, r->value_len);
}

size_t vrrp_ha_ext_finish(struct vrrp_ha_ext_wr *x)
{
	if (!x->w.p || x->nsections == 0)
		return 0;
	x->w.p[HDR_OFF_NSECTIONS] = (uint8_t)x->nsections;
	return x->w.off;
}
