/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * codec.c - VRRP_BC_REQUEST / VRRP_BC_UPDATE encoder and decoder
 * (draft-deng-mip6-vrrp-homeagent-reliability-00 section 4.3).
 *
 * Every byte goes through the bounds-checked cursors below; no struct is
 * ever laid over a wire buffer. Wire layout of both messages (4.3.1, 4.3.2):
 *
 *   byte 0    Version (4 bits) | Type (4 bits)
 *   byte 1    Virtual Rtr ID
 *   byte 2    UNUSED 1                     (sender 0, receiver ignores)
 *   byte 3    # of Bindings (BC_UPDATE) / UNUSED 2 (BC_REQUEST)
 *   byte 4-5  (rsvd) 4 bits + UNUSED 12 bits (sender 0, receiver ignores)
 *   byte 6-7  Checksum (RFC 5798 5.2.8; filled in by the kernel)
 *
 * followed, in a BC_UPDATE, by "# of Bindings" 40-byte records (4.3.3).
 */
#include <stdbool.h>
#include <string.h>

#include "vrrp_ha/codec.h"

/* Offset of "# of Bindings" in the header (draft-deng 4.3.2). */
#define HDR_OFF_COUNT 3

static const char *const reason_names[VRRP_HA_R__COUNT] = {
        [VRRP_HA_OK] = "ok",
        [VRRP_HA_R_TOO_SHORT] = "too_short",
        [VRRP_HA_R_BAD_VERSION] = "bad_version",
        [VRRP_HA_R_BAD_HOPLIMIT] = "bad_hoplimit",
        [VRRP_HA_R_BAD_TYPE] = "bad_type",
        [VRRP_HA_R_VRID_MISMATCH] = "vrid_mismatch",
        [VRRP_HA_R_NOT_ENABLED] = "not_enabled",
        [VRRP_HA_R_BAD_LENGTH] = "bad_length",
        [VRRP_HA_R_ZERO_COUNT] = "zero_count",
        [VRRP_HA_R_TOO_LONG] = "too_long",
        [VRRP_HA_R_BAD_SOURCE] = "bad_source",
        [VRRP_HA_R_UNAUTHENTICATED] = "unauthenticated",
        [VRRP_HA_R_AUTH_FAILED] = "auth_failed",
        [VRRP_HA_R_NOT_MASTER] = "not_master",
        [VRRP_HA_R_RATE_LIMITED] = "rate_limited",
        [VRRP_HA_R_REC_BAD_HOA] = "rec_bad_hoa",
        [VRRP_HA_R_REC_BAD_COA] = "rec_bad_coa",
        [VRRP_HA_R_REC_HOA_IS_COA] = "rec_hoa_is_coa",
};

const char *vrrp_ha_reason_name(enum vrrp_ha_reason r)
{
	if ((unsigned)r >= VRRP_HA_R__COUNT || !reason_names[r])
		return "unknown";
	return reason_names[r];
}

/* ---- reader ------------------------------------------------------------ */

void vrrp_ha_rd_init(struct vrrp_ha_rd *r, const void *buf, size_t len)
{
	r->p = buf;
	r->len = buf ? len : 0;
	r->off = 0;
}

size_t vrrp_ha_rd_left(const struct vrrp_ha_rd *r)
{
	return r->len - r->off;
}

int vrrp_ha_rd_u8(struct vrrp_ha_rd *r, uint8_t *v)
{
	if (vrrp_ha_rd_left(r) < 1)
		return -1;
	*v = r->p[r->off];
	r->off += 1;
	return 0;
}

int vrrp_ha_rd_be16(struct vrrp_ha_rd *r, uint16_t *v)
{
	if (vrrp_ha_rd_left(r) < 2)
		return -1;
	*v = (uint16_t)((unsigned)r->p[r->off] << 8 | r->p[r->off + 1]);
	r->off += 2;
	return 0;
}

int vrrp_ha_rd_bytes(struct vrrp_ha_rd *r, void *dst, size_t n)
{
	if (vrrp_ha_rd_left(r) < n)
		return -1;
	if (n)
		memcpy(dst, r->p + r->off, n);
	r->off += n;
	return 0;
}

/* Advance without copying; same contract as the getters. */
static int rd_skip(struct vrrp_ha_rd *r, size_t n)
{
	if (vrrp_ha_rd_left(r) < n)
		return -1;
	r->off += n;
	return 0;
}

/* ---- writer ------------------------------------------------------------ */

void vrrp_ha_wr_init(struct vrrp_ha_wr *w, void *buf, size_t cap)
{
	w->p = buf;
	w->cap = buf ? cap : 0;
	w->off = 0;
}

int vrrp_ha_wr_u8(struct vrrp_ha_wr *w, uint8_t v)
{
	if (w->cap - w->off < 1)
		return -1;
	w->p[w->off] = v;
	w->off += 1;
	return 0;
}

int vrrp_ha_wr_be16(struct vrrp_ha_wr *w, uint16_t v)
{
	if (w->cap - w->off < 2)
		return -1;
	w->p[w->off] = (uint8_t)(v >> 8);
	w->p[w->off + 1] = (uint8_t)v;
	w->off += 2;
	return 0;
}

int vrrp_ha_wr_bytes(struct vrrp_ha_wr *w, const void *src, size_t n)
{
	if (w->cap - w->off < n)
		return -1;
	if (n)
		memcpy(w->p + w->off, src, n);
	w->off += n;
	return 0;
}

/* ---- address checks (draft-deng 4.3.3 carries RFC 6275 HoA/CoA) --------- */

static bool addr_is_unspecified(const struct in6_addr *a)
{
	static const uint8_t zero[16];
	return memcmp(a->s6_addr, zero, sizeof(zero)) == 0;
}

/* ::1 */
static bool addr_is_loopback(const struct in6_addr *a)
{
	static const uint8_t lo[16] = {[15] = 1};
	return memcmp(a->s6_addr, lo, sizeof(lo)) == 0;
}

/* ff00::/8 (RFC 4291 2.7) */
static bool addr_is_multicast(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xff;
}

/* fe80::/10 (RFC 4291 2.5.6) */
static bool addr_is_linklocal(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80;
}

/* ::ffff:0:0/96 (RFC 4291 2.5.5.2) */
static bool addr_is_v4mapped(const struct in6_addr *a)
{
	static const uint8_t pfx[12] = {[10] = 0xff, [11] = 0xff};
	return memcmp(a->s6_addr, pfx, sizeof(pfx)) == 0;
}

/*
 * Neither a Home Address nor a Care-of Address can be any of these: a mobile
 * node's addresses are global unicast (RFC 6275 section 2), and a link-local
 * CoA could not be reached from the home agent through a tunnel anyway.
 */
bool vrrp_ha_addr_unusable(const struct in6_addr *a)
{
	return addr_is_unspecified(a) || addr_is_loopback(a) || addr_is_multicast(a) ||
	       addr_is_linklocal(a) || addr_is_v4mapped(a);
}

/* ---- header ------------------------------------------------------------ */

enum vrrp_ha_reason vrrp_ha_decode_hdr(const uint8_t *pkt, size_t len, struct vrrp_ha_hdr *h)
{
	struct vrrp_ha_rd r;
	uint8_t vt, unused1;
	uint16_t rsvd_unused;

	memset(h, 0, sizeof(*h));
	vrrp_ha_rd_init(&r, pkt, len);

	/* draft-deng 4.3.1 / 4.3.2: the fixed 8-byte header */
	if (vrrp_ha_rd_left(&r) < VRRP_HA_HDR_LEN)
		return VRRP_HA_R_TOO_SHORT;
	if (vrrp_ha_rd_u8(&r, &vt) || vrrp_ha_rd_u8(&r, &h->vrid) ||
	    vrrp_ha_rd_u8(&r, &unused1) /* UNUSED 1: ignored */ ||
	    vrrp_ha_rd_u8(&r, &h->count) /* # of Bindings / UNUSED 2 */ ||
	    vrrp_ha_rd_be16(&r, &rsvd_unused) /* (rsvd) + UNUSED: ignored */ ||
	    vrrp_ha_rd_be16(&r, &h->checksum))
		return VRRP_HA_R_TOO_SHORT;
	h->version = vt >> 4;
	h->type = vt & 0x0f;

	/* RFC 5798 5.2.1: version 3 */
	if (h->version != VRRP_HA_VERSION)
		return VRRP_HA_R_BAD_VERSION;
	switch (h->type) {
	case VRRP_HA_TYPE_BC_REQUEST:
		/* 4.3.1: the request is the bare header */
		if (vrrp_ha_rd_left(&r) != 0)
			return VRRP_HA_R_BAD_LENGTH;
		return VRRP_HA_OK;
	case VRRP_HA_TYPE_BC_UPDATE:
		/* 4.3.2: exactly "# of Bindings" records of 40 bytes follow */
		if (vrrp_ha_rd_left(&r) != (size_t)h->count * VRRP_HA_REC_LEN)
			return VRRP_HA_R_BAD_LENGTH;
		/* 4.3.2: "The minimum value is 1." */
		if (h->count == 0)
			return VRRP_HA_R_ZERO_COUNT;
		return VRRP_HA_OK;
	default:
		return VRRP_HA_R_BAD_TYPE;
	}
}

/* ---- records ----------------------------------------------------------- */

enum vrrp_ha_reason vrrp_ha_decode_record(const uint8_t *pkt, size_t len, unsigned idx,
                                          struct vrrp_ha_binding *b)
{
	struct vrrp_ha_rd r;
	uint8_t count;

	memset(b, 0, sizeof(*b));
	vrrp_ha_rd_init(&r, pkt, len);

	/* Trust nothing from the caller: re-read the count and make sure the
	 * whole record lies inside the buffer before touching it. */
	if (rd_skip(&r, HDR_OFF_COUNT) || vrrp_ha_rd_u8(&r, &count))
		return VRRP_HA_R_BAD_LENGTH;
	if (idx >= count)
		return VRRP_HA_R_BAD_LENGTH;
	/* idx < 255, so the offset cannot overflow */
	if (rd_skip(&r, VRRP_HA_HDR_LEN - HDR_OFF_COUNT - 1 + (size_t)idx * VRRP_HA_REC_LEN) ||
	    vrrp_ha_rd_left(&r) < VRRP_HA_REC_LEN)
		return VRRP_HA_R_BAD_LENGTH;

	/* 4.3.3: Lifetime, Sequence Number, Flags, Reserved, HoA, CoA */
	if (vrrp_ha_rd_be16(&r, &b->lifetime) || vrrp_ha_rd_be16(&r, &b->seq) ||
	    vrrp_ha_rd_be16(&r, &b->flags) || vrrp_ha_rd_be16(&r, &b->reserved) ||
	    vrrp_ha_rd_bytes(&r, b->hoa.s6_addr, sizeof(b->hoa.s6_addr)) ||
	    vrrp_ha_rd_bytes(&r, b->coa.s6_addr, sizeof(b->coa.s6_addr)))
		return VRRP_HA_R_BAD_LENGTH;

	if (vrrp_ha_addr_unusable(&b->hoa))
		return VRRP_HA_R_REC_BAD_HOA;
	if (vrrp_ha_addr_unusable(&b->coa))
		return VRRP_HA_R_REC_BAD_COA;
	/* RFC 6275 6.1.7: CoA == HoA only in a de-registration (lifetime 0) */
	if (b->lifetime != 0 && memcmp(b->hoa.s6_addr, b->coa.s6_addr, 16) == 0)
		return VRRP_HA_R_REC_HOA_IS_COA;
	return VRRP_HA_OK;
}

/* ---- encoder ----------------------------------------------------------- */

static int put_hdr(struct vrrp_ha_wr *w, uint8_t type, uint8_t vrid, uint8_t count)
{
	/* 4.3.1 / 4.3.2: UNUSED and (rsvd) fields are sent as 0; the checksum
	 * is left 0 for the kernel (IPV6_CHECKSUM, RFC 5798 5.2.8). */
	if (vrrp_ha_wr_u8(w, (uint8_t)(VRRP_HA_VERSION << 4 | type)) || vrrp_ha_wr_u8(w, vrid) ||
	    vrrp_ha_wr_u8(w, 0) || vrrp_ha_wr_u8(w, count) || vrrp_ha_wr_be16(w, 0) ||
	    vrrp_ha_wr_be16(w, 0))
		return -1;
	return 0;
}

size_t vrrp_ha_encode_request(uint8_t *buf, size_t cap, uint8_t vrid)
{
	struct vrrp_ha_wr w;

	vrrp_ha_wr_init(&w, buf, cap);
	/* 4.3.1: UNUSED 2 (byte 3) is 0 */
	if (put_hdr(&w, VRRP_HA_TYPE_BC_REQUEST, vrid, 0))
		return 0;
	return w.off;
}

size_t vrrp_ha_encode_update(uint8_t *buf, size_t cap, uint8_t vrid,
                             const struct vrrp_ha_binding *b, unsigned n)
{
	struct vrrp_ha_wr w;
	unsigned i;

	/* 4.3.2: # of Bindings is one octet with a minimum of 1 */
	if (n < 1 || n > VRRP_HA_MAX_RECS || !b)
		return 0;
	if (cap < VRRP_HA_HDR_LEN + (size_t)n * VRRP_HA_REC_LEN)
		return 0;

	vrrp_ha_wr_init(&w, buf, cap);
	if (put_hdr(&w, VRRP_HA_TYPE_BC_UPDATE, vrid, (uint8_t)n))
		return 0;
	for (i = 0; i < n; i++) {
		/* 4.3.3 */
		if (vrrp_ha_wr_be16(&w, b[i].lifetime) || vrrp_ha_wr_be16(&w, b[i].seq) ||
		    vrrp_ha_wr_be16(&w, b[i].flags) || vrrp_ha_wr_be16(&w, b[i].reserved) ||
		    vrrp_ha_wr_bytes(&w, b[i].hoa.s6_addr, sizeof(b[i].hoa.s6_addr)) ||
		    vrrp_ha_wr_bytes(&w, b[i].coa.s6_addr, sizeof(b[i].coa.s6_addr)))
			return 0;
	}
	return w.off;
}

unsigned vrrp_ha_records_per_mtu(unsigned mtu)
{
	unsigned n;

	if (mtu < VRRP_HA_IPV6_HDR_LEN + VRRP_HA_HDR_LEN + VRRP_HA_REC_LEN)
		return 0;
	n = (mtu - VRRP_HA_IPV6_HDR_LEN - VRRP_HA_HDR_LEN) / VRRP_HA_REC_LEN;
	return n > VRRP_HA_MAX_RECS ? VRRP_HA_MAX_RECS : n;
}
