/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pmip.c - a proxy binding (pmip.h) to and from its store record and the
 * option list of its PMIPV6 extension record. Bounds-checked byte work
 * only; RFC 5213 section 8 gives every option's layout.
 */
#include <stdio.h>
#include <string.h>

#include "vrrp_ha/ext.h"
#include "vrrp_ha/mopt.h"
#include "vrrp_ha/pmip.h"

/* An option writer that stops at cap. */
struct ow {
	uint8_t *p;
	size_t cap, len;
	bool over;
};

static uint8_t *opt(struct ow *w, uint8_t type, size_t len)
{
	uint8_t *d;

	if (w->over || len > 255 || w->len + 2 + len > w->cap) {
		w->over = true;
		return NULL;
	}
	w->p[w->len] = type;
	w->p[w->len + 1] = (uint8_t)len;
	d = w->p + w->len + 2;
	w->len += 2 + len;
	return d;
}

/* RFC 5213 8.3: reserved, prefix length, prefix */
static void put_hnp(struct ow *w, const struct vrrp_ha_pmip_hnp *h)
{
	uint8_t *d = opt(w, VRRP_HA_OPT_HNP, VRRP_HA_MOPT_HNP_LEN);

	if (!d)
		return;
	d[0] = 0;
	d[1] = h->plen;
	memcpy(d + 2, h->prefix.s6_addr, 16);
}

/* The options both forms carry beside the key: HI (8.4), MN-LL-ID (8.6),
 * Link-local Address (8.7). */
static void put_extras(struct ow *w, const struct vrrp_ha_pmip *p)
{
	uint8_t *d;

	if (p->has_hi && (d = opt(w, VRRP_HA_OPT_HI, VRRP_HA_MOPT_HI_LEN))) {
		d[0] = 0;
		d[1] = p->hi;
	}
	if (p->llid_len && (d = opt(w, VRRP_HA_OPT_MN_LLID, 1 + p->llid_len))) {
		d[0] = 0;
		memcpy(d + 1, p->llid, p->llid_len);
	}
	if (p->has_lla && (d = opt(w, VRRP_HA_OPT_LLA, VRRP_HA_MOPT_LLA_LEN)))
		memcpy(d, p->lla.s6_addr, 16);
}

static bool in_range(const struct vrrp_ha_pmip *p)
{
	if (p->mnid_len < VRRP_HA_MOPT_MN_ID_MIN || p->mnid_len > VRRP_HA_MNID_MAX || p->nhnp < 1 ||
	    p->nhnp > VRRP_HA_PMIP_MAX_HNP || p->llid_len > VRRP_HA_PMIP_LLID_MAX)
		return false;
	for (unsigned i = 0; i < p->nhnp; i++)
		if (p->hnp[i].plen > VRRP_HA_MOPT_HNP_MAX_PLEN)
			return false;
	return true;
}

int vrrp_ha_pmip_to_record(const struct vrrp_ha_pmip *p, struct vrrp_ha_pmip_buf *b,
                           struct vrrp_ha_record *r)
{
	struct ow w = {b->opts, sizeof(b->opts), 0, false};

	if (!in_range(p))
		return -1;
	memset(r, 0, sizeof(*r));
	if (vrrp_ha_key_pmipv6(&r->key, b->key, sizeof(b->key), p->mnid, p->mnid_len,
	                       p->hnp[0].plen, &p->hnp[0].prefix))
		return -1;
	for (unsigned i = 1; i < p->nhnp; i++)
		put_hnp(&w, &p->hnp[i]);
	put_extras(&w, p);
	if (w.over)
		return -1;
	r->lifetime_s = p->lifetime_s;
	r->u.pmipv6.pcoa = p->pcoa;
	r->u.pmipv6.timestamp = p->timestamp;
	r->u.pmipv6.tunnel_id = p->tunnel_id;
	r->u.pmipv6.flags = p->flags;
	r->u.pmipv6.att = p->att;
	r->opts = w.len ? b->opts : NULL;
	r->opts_len = (uint16_t)w.len;
	return 0;
}

/* One option of either form into p. */
static void take_opt(struct vrrp_ha_pmip *p, const struct vrrp_ha_opt *o)
{
	switch (o->type) {
	case VRRP_HA_OPT_HNP:
		if (o->len == VRRP_HA_MOPT_HNP_LEN && o->data[1] <= VRRP_HA_MOPT_HNP_MAX_PLEN &&
		    p->nhnp < VRRP_HA_PMIP_MAX_HNP) {
			p->hnp[p->nhnp].plen = o->data[1];
			memcpy(p->hnp[p->nhnp].prefix.s6_addr, o->data + 2, 16);
			p->nhnp++;
		}
		break;
	case VRRP_HA_OPT_HI:
		if (o->len == VRRP_HA_MOPT_HI_LEN) {
			p->has_hi = true;
			p->hi = o->data[1];
		}
		break;
	case VRRP_HA_OPT_MN_LLID:
		if (o->len >= VRRP_HA_MOPT_MN_LLID_MIN) {
			p->llid_len = (size_t)o->len - 1;
			memcpy(p->llid, o->data + 1, p->llid_len);
		}
		break;
	case VRRP_HA_OPT_LLA:
		if (o->len == VRRP_HA_MOPT_LLA_LEN) {
			p->has_lla = true;
			memcpy(p->lla.s6_addr, o->data, 16);
		}
		break;
	default:
		break;
	}
}

int vrrp_ha_pmip_from_record(const struct vrrp_ha_record *r, struct vrrp_ha_pmip *p)
{
	const uint8_t *k = r->key.bytes;
	struct vrrp_ha_opt o;
	size_t pos = 0;
	int rc;

	if (r->key.kind != VRRP_HA_KIND_PMIPV6 || !vrrp_ha_key_valid(&r->key))
		return -1;
	memset(p, 0, sizeof(*p));
	p->mnid_len = k[0];
	memcpy(p->mnid, k + 1, p->mnid_len);
	p->hnp[0].plen = k[1 + p->mnid_len];
	memcpy(p->hnp[0].prefix.s6_addr, k + 2 + p->mnid_len, 16);
	p->nhnp = 1;
	while ((rc = vrrp_ha_opt_next(r->opts, r->opts_len, &pos, &o)) == 1)
		take_opt(p, &o);
	if (rc < 0)
		return -1;
	p->lifetime_s = r->lifetime_s;
	p->pcoa = r->u.pmipv6.pcoa;
	p->timestamp = r->u.pmipv6.timestamp;
	p->tunnel_id = r->u.pmipv6.tunnel_id;
	p->flags = r->u.pmipv6.flags;
	p->att = r->u.pmipv6.att;
	return 0;
}

size_t vrrp_ha_pmip_wire_opts(const struct vrrp_ha_pmip *p, uint8_t *out, size_t cap)
{
	struct ow w = {out, cap, 0, false};
	uint8_t *d;

	if (!in_range(p))
		return 0;
	if ((d = opt(&w, VRRP_HA_OPT_MNID, p->mnid_len)))
		memcpy(d, p->mnid, p->mnid_len);
	for (unsigned i = 0; i < p->nhnp; i++)
		put_hnp(&w, &p->hnp[i]);
	put_extras(&w, p);
	/* RFC 5213 8.8: 64 bits, 48.16 fixed point, network order */
	if ((d = opt(&w, VRRP_HA_OPT_TIMESTAMP, VRRP_HA_MOPT_TIMESTAMP_LEN)))
		for (int i = 0; i < 8; i++)
			d[i] = (uint8_t)(p->timestamp >> (56 - 8 * i));
	return w.over ? 0 : w.len;
}

int vrrp_ha_pmip_from_ext(const struct vrrp_ha_ext_pmipv6 *e, struct vrrp_ha_pmip *p)
{
	struct vrrp_ha_opt o;
	size_t pos = 0;

	memset(p, 0, sizeof(*p));
	if (e->mnid_len + 1 > VRRP_HA_MNID_MAX || e->mnid_len < 1 || !e->pcoa)
		return -1;
	p->mnid[0] = e->mnid_subtype;
	memcpy(p->mnid + 1, e->mnid, e->mnid_len);
	p->mnid_len = e->mnid_len + 1;
	/* the HNPs in their order, and the other options, from the list */
	while (vrrp_ha_opt_next(e->opts, e->optlen, &pos, &o) == 1)
		take_opt(p, &o);
	if (p->nhnp < 1)
		return -1;
	memcpy(p->pcoa.s6_addr, e->pcoa, 16);
	p->lifetime_s = (uint32_t)e->lifetime * 4u; /* draft-deng 4.3.3 units */
	p->timestamp = e->timestamp;
	p->tunnel_id = e->tunnel_id;
	p->flags = e->flags;
	p->att = e->att;
	return 0;
}

bool vrrp_ha_pmip_match(const struct vrrp_ha_pmip *p, const uint8_t *mnid, size_t mnid_len, int att,
                        const uint8_t *llid, size_t llid_len)
{
	if (p->mnid_len != mnid_len || memcmp(p->mnid, mnid, mnid_len))
		return false;
	if (att >= 0 && p->att != att)
		return false;
	if (llid && (p->llid_len != llid_len || memcmp(p->llid, llid, llid_len)))
		return false;
	return true;
}

int vrrp_ha_pmip_mnid_text(const uint8_t *mnid, size_t mnid_len, char *buf, size_t cap)
{
	bool nai = mnid_len >= 2 && mnid[0] == VRRP_HA_PMIP_MNID_NAI;
	size_t off = 0;

	for (size_t i = 1; nai && i < mnid_len; i++)
		if (mnid[i] <= 0x20 || mnid[i] >= 0x7f || mnid[i] == '"' || mnid[i] == '\\' ||
		    mnid[i] == ',')
			nai = false;
	if (nai)
		return snprintf(buf, cap, "%.*s", (int)(mnid_len - 1), (const char *)mnid + 1);
	off = (size_t)snprintf(buf, cap, "0x");
	for (size_t i = 0; i < mnid_len; i++)
		off += (size_t)snprintf(buf + (off < cap ? off : cap), off < cap ? cap - off : 0,
		                        "%02x", mnid[i]);
	return (int)off;
}

static int hexd(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int vrrp_ha_pmip_mnid_parse(const char *s, uint8_t *out, size_t cap)
{
	size_t n = strlen(s), len;

	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if ((n - 2) % 2)
			return -1;
		len = (n - 2) / 2;
		if (len < VRRP_HA_MOPT_MN_ID_MIN || len > VRRP_HA_MNID_MAX || len > cap)
			return -1;
		for (size_t i = 0; i < len; i++) {
			int hi = hexd(s[2 + 2 * i]), lo = hexd(s[3 + 2 * i]);

			if (hi < 0 || lo < 0)
				return -1;
			out[i] = (uint8_t)(hi << 4 | lo);
		}
		return (int)len;
	}
	len = n + 1;
	if (n < 1 || len > VRRP_HA_MNID_MAX || len > cap)
		return -1;
	out[0] = VRRP_HA_PMIP_MNID_NAI;
	memcpy(out + 1, s, n);
	return (int)len;
}
