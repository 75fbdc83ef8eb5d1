/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * record.c - keys of each record kind and mobility-option lists
 * (record.h): building, checking, comparing. Bounds-checked byte work only.
 */
#include <string.h>

#include "vrrp_ha/record.h"

void vrrp_ha_key_mipv6(struct vrrp_ha_key *k, const struct in6_addr *hoa)
{
	k->kind = VRRP_HA_KIND_MIPV6;
	k->len = sizeof(hoa->s6_addr);
	k->bytes = hoa->s6_addr;
}

int vrrp_ha_key_pmipv6(struct vrrp_ha_key *k, uint8_t *buf, size_t cap, const uint8_t *mnid,
                       size_t mnid_len, uint8_t plen, const struct in6_addr *hnp)
{
	size_t len = 1 + mnid_len + 1 + 16;

	/* RFC 4283 3: the option body is at least its subtype byte;
	 * RFC 5213 8.3: prefix length 0..128 */
	if (mnid_len < 1 || mnid_len > VRRP_HA_MNID_MAX || plen > 128 || cap < len)
		return -1;
	buf[0] = (uint8_t)mnid_len;
	memcpy(buf + 1, mnid, mnid_len);
	buf[1 + mnid_len] = plen;
	memcpy(buf + 2 + mnid_len, hnp->s6_addr, 16);
	k->kind = VRRP_HA_KIND_PMIPV6;
	k->len = (uint16_t)len;
	k->bytes = buf;
	return 0;
}

/* Returns: true if bytes/len is a MIPv6 or PMIPv6 key of kind. */
static bool owner_valid(unsigned kind, const uint8_t *b, size_t len)
{
	switch (kind) {
	case VRRP_HA_KIND_MIPV6:
		return len == 16;
	case VRRP_HA_KIND_PMIPV6:
		return len >= 19 && b[0] >= 1 && len == (size_t)b[0] + 18 && b[1 + b[0]] <= 128;
	default:
		return false;
	}
}

int vrrp_ha_key_attach(struct vrrp_ha_key *k, uint8_t *buf, size_t cap,
                       const struct vrrp_ha_key *owner, uint8_t type)
{
	size_t len = (size_t)owner->len + 2;

	if (!owner_valid(owner->kind, owner->bytes, owner->len) || cap < len)
		return -1;
	buf[0] = owner->kind;
	memcpy(buf + 1, owner->bytes, owner->len);
	buf[1 + owner->len] = type;
	k->kind = VRRP_HA_KIND_ATTACH;
	k->len = (uint16_t)len;
	k->bytes = buf;
	return 0;
}

bool vrrp_ha_key_valid(const struct vrrp_ha_key *k)
{
	if (!k->bytes || k->len == 0 || k->len > VRRP_HA_KEY_MAX)
		return false;
	if (k->kind == VRRP_HA_KIND_ATTACH)
		return k->len >= 18 && owner_valid(k->bytes[0], k->bytes + 1, k->len - 2u);
	return owner_valid(k->kind, k->bytes, k->len);
}

int vrrp_ha_key_cmp(const struct vrrp_ha_key *a, const struct vrrp_ha_key *b)
{
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return a->len ? memcmp(a->bytes, b->bytes, a->len) : 0;
}

int vrrp_ha_opt_next(const uint8_t *p, size_t len, size_t *pos, struct vrrp_ha_opt *o)
{
	while (*pos < len) {
		size_t at = *pos;

		if (p[at] == VRRP_HA_OPT_PAD1) { /* RFC 6275 6.2.2: one byte */
			*pos = at + 1;
			continue;
		}
		if (len - at < 2 || len - at - 2 < p[at + 1])
			return -1;
		*pos = at + 2 + p[at + 1];
		if (p[at] == VRRP_HA_OPT_PADN)
			continue;
		o->type = p[at];
		o->len = p[at + 1];
		o->data = p + at + 2;
		return 1;
	}
	return 0;
}

bool vrrp_ha_opts_valid(const uint8_t *p, size_t len)
{
	struct vrrp_ha_opt o;
	size_t pos = 0;
	int r;

	if (len == 0)
		return true;
	if (!p || len > VRRP_HA_OPTS_MAX)
		return false;
	while ((r = vrrp_ha_opt_next(p, len, &pos, &o)) > 0)
		;
	return r == 0;
}

int vrrp_ha_serial32_cmp(uint32_t a, uint32_t b)
{
	uint32_t d = a - b;

	if (d == 0)
		return 0;
	return d < UINT32_C(0x80000000) ? 1 : -1;
}
