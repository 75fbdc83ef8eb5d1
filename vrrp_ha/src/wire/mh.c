/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mh.c - the Home Agent Switch message (RFC 5142 4) in a Mobility Header
 * (RFC 6275 6.1.1): builder, parser, checksum. See mh.h for the layout.
 */
#include "vrrp_ha/mh.h"

#include <string.h>

#include "vrrp_ha/codec.h"
#include "vrrp_ha/mopt.h"

static const char *const reason_names[VRRP_HA_MH_R__COUNT] = {
        [VRRP_HA_MH_OK] = "ok",
        [VRRP_HA_MH_R_TOO_SHORT] = "too_short",
        [VRRP_HA_MH_R_BAD_LENGTH] = "bad_length",
        [VRRP_HA_MH_R_BAD_PROTO] = "bad_proto",
        [VRRP_HA_MH_R_BAD_TYPE] = "bad_type",
        [VRRP_HA_MH_R_BAD_CSUM] = "bad_csum",
        [VRRP_HA_MH_R_BAD_COUNT] = "bad_count",
        [VRRP_HA_MH_R_BAD_ADDRESS] = "bad_address",
        [VRRP_HA_MH_R_BAD_OPTIONS] = "bad_options",
};

const char *vrrp_ha_mh_reason_name(enum vrrp_ha_mh_reason r)
{
	return (unsigned)r < VRRP_HA_MH_R__COUNT ? reason_names[r] : "unknown";
}

/* One's complement sum of 16-bit big-endian words (an odd last octet is
 * padded with a zero octet, RFC 1071). */
static uint32_t sum16(uint32_t s, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

uint16_t vrrp_ha_mh_checksum(const struct in6_addr *src, const struct in6_addr *dst,
                             const uint8_t *mh, size_t len)
{
	/* RFC 8200 8.1 pseudo-header: src, dst, 32-bit upper-layer length,
	 * 3 zero octets, Next Header */
	uint8_t ph[8] = {(uint8_t)(len >> 24),
	                 (uint8_t)(len >> 16),
	                 (uint8_t)(len >> 8),
	                 (uint8_t)len,
	                 0,
	                 0,
	                 0,
	                 VRRP_HA_MH_PROTO};
	uint32_t s = 0;

	s = sum16(s, src->s6_addr, 16);
	s = sum16(s, dst->s6_addr, 16);
	s = sum16(s, ph, sizeof(ph));
	s = sum16(s, mh, len);
	return (uint16_t)~s;
}

size_t vrrp_ha_mh_build_has(uint8_t *buf, size_t cap, const struct in6_addr *addrs, unsigned n,
                            const uint8_t *opts, size_t opts_len, const struct in6_addr *src,
                            const struct in6_addr *dst)
{
	struct vrrp_ha_wr w;
	size_t total;
	uint16_t c;

	if ((n && !addrs) || (opts_len && !opts) || n > VRRP_HA_MH_HAS_MAX_ADDRS)
		return 0;
	/* the length after padding to 8 octets (RFC 6275 6.1.1) */
	total = VRRP_HA_MH_HAS_FIXED + (size_t)n * VRRP_HA_MH_HAS_ADDR_LEN + opts_len;
	total = (total + VRRP_HA_MH_UNIT - 1) / VRRP_HA_MH_UNIT * VRRP_HA_MH_UNIT;
	if (total > VRRP_HA_MH_MAX_LEN || total > cap)
		return 0;
	vrrp_ha_wr_init(&w, buf, cap);
	if (vrrp_ha_wr_u8(&w, VRRP_HA_MH_NO_NEXT) ||
	    vrrp_ha_wr_u8(&w, (uint8_t)(total / VRRP_HA_MH_UNIT - 1)) ||
	    vrrp_ha_wr_u8(&w, VRRP_HA_MH_TYPE_HA_SWITCH) || vrrp_ha_wr_u8(&w, 0) ||
	    vrrp_ha_wr_be16(&w, 0) || vrrp_ha_wr_u8(&w, (uint8_t)n) || vrrp_ha_wr_u8(&w, 0))
		return 0;
	for (unsigned i = 0; i < n; i++)
		if (vrrp_ha_wr_bytes(&w, addrs[i].s6_addr, VRRP_HA_MH_HAS_ADDR_LEN))
			return 0;
	if (opts_len && vrrp_ha_wr_bytes(&w, opts, opts_len))
		return 0;
	/* the options area starts at octet 8 + 16n, itself a multiple of 8 */
	if (vrrp_ha_mopt_align(&w, 0, VRRP_HA_MH_UNIT, 0) || w.off != total)
		return 0;
	if (src && dst) {
		c = vrrp_ha_mh_checksum(src, dst, buf, total);
		buf[VRRP_HA_MH_CSUM_OFF] = (uint8_t)(c >> 8);
		buf[VRRP_HA_MH_CSUM_OFF + 1] = (uint8_t)c;
	}
	return total;
}

void vrrp_ha_mh_has_addr(const struct vrrp_ha_mh_has *has, unsigned i, struct in6_addr *a)
{
	memcpy(a->s6_addr, has->addrs + (size_t)i * VRRP_HA_MH_HAS_ADDR_LEN,
	       VRRP_HA_MH_HAS_ADDR_LEN);
}

enum vrrp_ha_mh_reason vrrp_ha_mh_parse_has(const uint8_t *buf, size_t len,
                                            const struct in6_addr *src, const struct in6_addr *dst,
                                            struct vrrp_ha_mh_has *has)
{
	struct vrrp_ha_rd r;
	uint8_t proto, hlen, type, rsvd, n;
	uint16_t csum;
	size_t need;

	memset(has, 0, sizeof(*has));
	vrrp_ha_rd_init(&r, buf, len);
	if (vrrp_ha_rd_u8(&r, &proto) || vrrp_ha_rd_u8(&r, &hlen) || vrrp_ha_rd_u8(&r, &type) ||
	    vrrp_ha_rd_u8(&r, &rsvd) || vrrp_ha_rd_be16(&r, &csum) || vrrp_ha_rd_u8(&r, &n) ||
	    vrrp_ha_rd_u8(&r, &rsvd))
		return VRRP_HA_MH_R_TOO_SHORT;
	if (((size_t)hlen + 1) * VRRP_HA_MH_UNIT != len)
		return VRRP_HA_MH_R_BAD_LENGTH;
	if (proto != VRRP_HA_MH_NO_NEXT)
		return VRRP_HA_MH_R_BAD_PROTO;
	if (type != VRRP_HA_MH_TYPE_HA_SWITCH)
		return VRRP_HA_MH_R_BAD_TYPE;
	if (src && dst && vrrp_ha_mh_checksum(src, dst, buf, len) != 0)
		return VRRP_HA_MH_R_BAD_CSUM;
	need = (size_t)n * VRRP_HA_MH_HAS_ADDR_LEN;
	if (vrrp_ha_rd_left(&r) < need)
		return VRRP_HA_MH_R_BAD_COUNT;
	has->naddr = n;
	has->addrs = buf + r.off;
	has->csum = csum;
	for (unsigned i = 0; i < n; i++) {
		struct in6_addr a;

		vrrp_ha_mh_has_addr(has, i, &a);
		if (vrrp_ha_addr_unusable(&a))
			return VRRP_HA_MH_R_BAD_ADDRESS;
	}
	has->opts = buf + r.off + need;
	has->opts_len = len - r.off - need;
	if (vrrp_ha_mopt_validate(has->opts, has->opts_len, NULL) < 0)
		return VRRP_HA_MH_R_BAD_OPTIONS;
	return VRRP_HA_MH_OK;
}
