/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mopt.c - Mobility Header option TLVs (RFC 6275 6.2): iterator, length
 * rules, builder. See mopt.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vrrp_ha/mopt.h"

/* Length rule of one known option type: data length in [min, max]. */
struct mopt_rule {
	const char *name;
	uint8_t min, max;
};

/* Indexed by type; a rule with name NULL means "unknown: any length". */
static const struct mopt_rule mopt_rules[256] = {
        [VRRP_HA_MOPT_PAD1] = {"pad1", 0, 0}, /* never has a length octet */
        [VRRP_HA_MOPT_PADN] = {"padn", 0, VRRP_HA_MOPT_MAX_DATA},
        [VRRP_HA_MOPT_MN_ID] = {"mn_id", VRRP_HA_MOPT_MN_ID_MIN, VRRP_HA_MOPT_MAX_DATA},
        [VRRP_HA_MOPT_VENDOR] = {"vendor", VRRP_HA_MOPT_VENDOR_MIN, VRRP_HA_MOPT_MAX_DATA},
        [VRRP_HA_MOPT_HNP] = {"hnp", VRRP_HA_MOPT_HNP_LEN, VRRP_HA_MOPT_HNP_LEN},
        [VRRP_HA_MOPT_HI] = {"handoff_indicator", VRRP_HA_MOPT_HI_LEN, VRRP_HA_MOPT_HI_LEN},
        [VRRP_HA_MOPT_ATT] = {"att", VRRP_HA_MOPT_ATT_LEN, VRRP_HA_MOPT_ATT_LEN},
        [VRRP_HA_MOPT_MN_LLID] = {"mn_ll_id", VRRP_HA_MOPT_MN_LLID_MIN, VRRP_HA_MOPT_MAX_DATA},
        [VRRP_HA_MOPT_LLA] = {"link_local_address", VRRP_HA_MOPT_LLA_LEN, VRRP_HA_MOPT_LLA_LEN},
        [VRRP_HA_MOPT_TIMESTAMP] = {"timestamp", VRRP_HA_MOPT_TIMESTAMP_LEN,
                                    VRRP_HA_MOPT_TIMESTAMP_LEN},
};

const char *vrrp_ha_mopt_type_name(uint8_t type)
{
	return mopt_rules[type].name;
}

int vrrp_ha_mopt_len_ok(uint8_t type, size_t len)
{
	const struct mopt_rule *r = &mopt_rules[type];

	if (len > VRRP_HA_MOPT_MAX_DATA)
		return 0;
	if (!r->name)
		return 1;
	return len >= r->min && len <= r->max;
}

/* ---- iterator ---------------------------------------------------------- */

void vrrp_ha_mopt_begin(struct vrrp_ha_mopt_it *it, const uint8_t *buf, size_t len)
{
	it->p = buf;
	it->len = buf ? len : 0;
	it->off = 0;
}

/* Stuck states: off == len + 1 means "malformed", reported again and again. */
#define IT_BAD(it) ((it)->off > (it)->len)

int vrrp_ha_mopt_next(struct vrrp_ha_mopt_it *it, struct vrrp_ha_mopt *o, size_t *bad_off)
{
	for (;;) {
		size_t start = it->off, left;
		uint8_t type, len;

		if (IT_BAD(it)) {
			if (bad_off)
				*bad_off = it->len;
			return -1;
		}
		left = it->len - start;
		if (left == 0)
			return 0;
		type = it->p[start];
		/* RFC 6275 6.2.2: Pad1 is the type octet alone */
		if (type == VRRP_HA_MOPT_PAD1) {
			it->off = start + 1;
			continue;
		}
		/* 6.2.1: type, length, then length octets of data */
		if (left < 2 || (size_t)it->p[start + 1] > left - 2 ||
		    !vrrp_ha_mopt_len_ok(type, it->p[start + 1])) {
			it->off = it->len + 1;
			if (bad_off)
				*bad_off = start;
			return -1;
		}
		len = it->p[start + 1];
		it->off = start + 2 + len;
		if (type == VRRP_HA_MOPT_PADN)
			continue;
		o->type = type;
		o->len = len;
		o->data = it->p + start + 2;
		o->off = start;
		return 1;
	}
}

int vrrp_ha_mopt_validate(const uint8_t *buf, size_t len, size_t *bad_off)
{
	struct vrrp_ha_mopt_it it;
	struct vrrp_ha_mopt o;
	int n = 0, rc;

	vrrp_ha_mopt_begin(&it, buf, len);
	while ((rc = vrrp_ha_mopt_next(&it, &o, bad_off)) == 1)
		n++; /* at most len / 2: fits an int for any buffer we see */
	return rc < 0 ? -1 : n;
}

int vrrp_ha_mopt_find(const uint8_t *buf, size_t len, uint8_t type, struct vrrp_ha_mopt *o)
{
	struct vrrp_ha_mopt_it it;
	int rc;

	vrrp_ha_mopt_begin(&it, buf, len);
	while ((rc = vrrp_ha_mopt_next(&it, o, NULL)) == 1)
		if (o->type == type)
			return 1;
	return rc;
}

/* ---- builder ----------------------------------------------------------- */

int vrrp_ha_mopt_put(struct vrrp_ha_wr *w, uint8_t type, const void *data, size_t len)
{
	if (type == VRRP_HA_MOPT_PAD1 || !vrrp_ha_mopt_len_ok(type, len) || (len && !data))
		return -EINVAL;
	if (w->cap - w->off < 2 + len)
		return -ENOSPC;
	/* cannot fail now: the room was checked */
	vrrp_ha_wr_u8(w, type);
	vrrp_ha_wr_u8(w, (uint8_t)len);
	vrrp_ha_wr_bytes(w, data, len);
	return 0;
}

int vrrp_ha_mopt_align(struct vrrp_ha_wr *w, size_t base, unsigned n, unsigned y)
{
	size_t pad;

	if ((n != 1 && n != 2 && n != 4 && n != 8) || y >= n || w->off < base)
		return -EINVAL;
	pad = (y + n - (w->off - base) % n) % n;
	if (w->cap - w->off < pad)
		return -ENOSPC;
	if (pad == 1)
		return vrrp_ha_wr_u8(w, VRRP_HA_MOPT_PAD1) ? -ENOSPC : 0;
	if (pad >= 2) {
		/* RFC 6275 6.2.3: PadN data is sent as zeros */
		static const uint8_t zero[8];

		return vrrp_ha_mopt_put(w, VRRP_HA_MOPT_PADN, zero, pad - 2);
	}
	return 0;
}

int vrrp_ha_mopt_put_mnid(struct vrrp_ha_wr *w, uint8_t subtype, const void *id, size_t idlen)
{
	uint8_t buf[VRRP_HA_MOPT_MAX_DATA];

	if (idlen < 1 || idlen > sizeof(buf) - 1 || !id)
		return -EINVAL;
	buf[0] = subtype;
	memcpy(buf + 1, id, idlen);
	return vrrp_ha_mopt_put(w, VRRP_HA_MOPT_MN_ID, buf, idlen + 1);
}

int vrrp_ha_mopt_put_hnp(struct vrrp_ha_wr *w, uint8_t plen, const struct in6_addr *prefix)
{
	uint8_t buf[VRRP_HA_MOPT_HNP_LEN];

	if (plen > VRRP_HA_MOPT_HNP_MAX_PLEN || !prefix)
		return -EINVAL;
	buf[0] = 0; /* RFC 5213 8.3: Reserved, sent 0 */
	buf[1] = plen;
	memcpy(buf + 2, prefix->s6_addr, 16);
	return vrrp_ha_mopt_put(w, VRRP_HA_MOPT_HNP, buf, sizeof(buf));
}

int vrrp_ha_mopt_put_timestamp(struct vrrp_ha_wr *w, uint64_t ts)
{
	uint8_t buf[VRRP_HA_MOPT_TIMESTAMP_LEN];
	unsigned i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(ts >> (56 - 8 * i));
	return vrrp_ha_mopt_put(w, VRRP_HA_MOPT_TIMESTAMP, buf, sizeof(buf));
}

int vrrp_ha_mopt_put_vendor(struct vrrp_ha_wr *w, uint32_t vendor, uint8_t subtype,
                            const void *data, size_t len)
{
	uint8_t buf[VRRP_HA_MOPT_MAX_DATA];

	if (len > sizeof(buf) - VRRP_HA_MOPT_VENDOR_MIN || (len && !data))
		return -EINVAL;
	buf[0] = (uint8_t)(vendor >> 24);
	buf[1] = (uint8_t)(vendor >> 16);
	buf[2] = (uint8_t)(vendor >> 8);
	buf[3] = (uint8_t)vendor;
	buf[4] = subtype;
	if (len)
		memcpy(buf + VRRP_HA_MOPT_VENDOR_MIN, data, len);
	return vrrp_ha_mopt_put(w, VRRP_HA_MOPT_VENDOR, buf, VRRP_HA_MOPT_VENDOR_MIN + len);
}

/* ---- readers ----------------------------------------------------------- */

uint64_t vrrp_ha_mopt_timestamp(const struct vrrp_ha_mopt *o)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < VRRP_HA_MOPT_TIMESTAMP_LEN && i < o->len; i++)
		v = v << 8 | o->data[i];
	return v;
}

uint32_t vrrp_ha_mopt_vendor(const struct vrrp_ha_mopt *o, uint8_t *subtype, const uint8_t **data,
                             size_t *len)
{
	if (o->len < VRRP_HA_MOPT_VENDOR_MIN) {
		if (subtype)
			*subtype = 0;
		if (data)
			*data = NULL;
		if (len)
			*len = 0;
		return 0;
	}
	if (subtype)
		*subtype = o->data[4];
	if (data)
		*data = o->data + VRRP_HA_MOPT_VENDOR_MIN;
	if (len)
		*len = (size_t)o->len - VRRP_HA_MOPT_VENDOR_MIN;
	return (uint32_t)o->data[0] << 24 | (uint32_t)o->data[1] << 16 | (uint32_t)o->data[2] << 8 |
	       o->data[3];
}

/* ---- attachments (mopt.h, docs/attachments.md) ---------------------------- */

static bool att_of(const struct vrrp_ha_mopt *o, struct vrrp_ha_att *a)
{
	const uint8_t *d;
	size_t n;

	if (o->type != VRRP_HA_MOPT_VENDOR || o->len < VRRP_HA_MOPT_VENDOR_MIN)
		return false;
	memset(a, 0, sizeof(*a));
	a->vendor = vrrp_ha_mopt_vendor(o, &a->subtype, &d, &n);
	if (a->vendor == VRRP_HA_ATT_PEN && a->subtype == VRRP_HA_ATT_AAA_SUBTYPE &&
	    n >= VRRP_HA_ATT_AAA_HDR) {
		a->type = VRRP_HA_ATT_AAA;
		a->code = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
		a->data = d + VRRP_HA_ATT_AAA_HDR;
		a->len = n - VRRP_HA_ATT_AAA_HDR;
	} else {
		a->type = VRRP_HA_ATT_VENDOR;
		a->data = d;
		a->len = n;
	}
	return true;
}

int vrrp_ha_att_next(struct vrrp_ha_mopt_it *it, struct vrrp_ha_att *a)
{
	struct vrrp_ha_mopt o;
	int rc;

	while ((rc = vrrp_ha_mopt_next(it, &o, NULL)) == 1)
		if (att_of(&o, a))
			return 1;
	return rc;
}

static bool att_same_id(const struct vrrp_ha_att *x, const struct vrrp_ha_att *y)
{
	if (x->type != y->type)
		return false;
	if (x->type == VRRP_HA_ATT_AAA)
		return x->code == y->code;
	return x->vendor == y->vendor && x->subtype == y->subtype;
}

static int att_put(struct vrrp_ha_wr *w, const struct vrrp_ha_att *a)
{
	uint8_t buf[VRRP_HA_ATT_VENDOR_MAX];

	if (a->type == VRRP_HA_ATT_VENDOR)
		return vrrp_ha_mopt_put_vendor(w, a->vendor, a->subtype, a->data, a->len);
	buf[0] = (uint8_t)(a->code >> 24);
	buf[1] = (uint8_t)(a->code >> 16);
	buf[2] = (uint8_t)(a->code >> 8);
	buf[3] = (uint8_t)a->code;
	if (a->len)
		memcpy(buf + VRRP_HA_ATT_AAA_HDR, a->data, a->len);
	return vrrp_ha_mopt_put_vendor(w, VRRP_HA_ATT_PEN, VRRP_HA_ATT_AAA_SUBTYPE, buf,
	                               VRRP_HA_ATT_AAA_HDR + a->len);
}

int vrrp_ha_att_edit(const uint8_t *in, size_t inlen, const struct vrrp_ha_att *a, bool remove,
                     size_t max, uint8_t *out, size_t cap, size_t *outlen)
{
	struct vrrp_ha_mopt_it it;
	struct vrrp_ha_mopt o;
	struct vrrp_ha_att cur;
	struct vrrp_ha_wr w;
	bool found = false;
	int rc;

	if (a->type == VRRP_HA_ATT_AAA) {
		if (!remove && (a->len > VRRP_HA_ATT_AAA_MAX || (a->len && !a->data)))
			return -EINVAL;
	} else if (a->type == VRRP_HA_ATT_VENDOR) {
		if (a->vendor == VRRP_HA_ATT_PEN && a->subtype == VRRP_HA_ATT_AAA_SUBTYPE)
			return -EINVAL; /* that identity is the AAA option's */
		if (!remove && (a->len > VRRP_HA_ATT_VENDOR_MAX || (a->len && !a->data)))
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (vrrp_ha_mopt_validate(in, inlen, NULL) < 0)
		return -EINVAL;
	if (cap > max)
		cap = max;
	vrrp_ha_wr_init(&w, out, cap);
	/* copy every option but the one replaced or removed; padding goes (a
	 * stored list needs no alignment) */
	vrrp_ha_mopt_begin(&it, in, inlen);
	while ((rc = vrrp_ha_mopt_next(&it, &o, NULL)) == 1) {
		if (att_of(&o, &cur) && att_same_id(&cur, a)) {
			found = true;
			continue;
		}
		if (vrrp_ha_mopt_put(&w, o.type, o.data, o.len))
			return -E2BIG;
	}
	if (rc < 0)
		return -EINVAL;
	if (remove && !found)
		return -ENOENT;
	if (!remove && (rc = att_put(&w, a)) != 0)
		return rc == -ENOSPC ? -E2BIG : rc;
	*outlen = w.off;
	return 0;
}

/* snprintf at *off, never past cap; Returns: nothing (truncation is sticky). */
static void fmt_at(char *buf, size_t cap, size_t *off, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static void fmt_at(char *buf, size_t cap, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, cap - *off, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	*off = (size_t)n >= cap - *off ? cap : *off + (size_t)n;
}

size_t vrrp_ha_att_format(char *buf, size_t cap, const uint8_t *opts, size_t len, bool json)
{
	struct vrrp_ha_mopt_it it;
	struct vrrp_ha_att a;
	size_t off = 0;
	unsigned k = 0;

	if (!cap)
		return 0;
	buf[0] = 0;
	if (!len)
		return 0;
	vrrp_ha_mopt_begin(&it, opts, len);
	if (json)
		fmt_at(buf, cap, &off, ",\"attachments\":[");
	while (vrrp_ha_att_next(&it, &a) == 1) {
		if (a.type == VRRP_HA_ATT_AAA && json)
			fmt_at(buf, cap, &off,
			       "%s{\"type\":\"aaa\",\"code\":%" PRIu32 ",\"data\":\"", k ? "," : "",
			       a.code);
		else if (a.type == VRRP_HA_ATT_AAA)
			fmt_at(buf, cap, &off, " aaa:%" PRIu32 "=", a.code);
		else if (json)
			fmt_at(buf, cap, &off,
			       "%s{\"type\":\"vendor\",\"vendor\":%" PRIu32
			       ",\"subtype\":%u,\"data\":\"",
			       k ? "," : "", a.vendor, a.subtype);
		else
			fmt_at(buf, cap, &off, " vendor:%" PRIu32 ":%u=", a.vendor, a.subtype);
		for (size_t i = 0; i < a.len; i++)
			fmt_at(buf, cap, &off, "%02x", a.data[i]);
		if (json)
			fmt_at(buf, cap, &off, "\"}");
		k++;
	}
	if (!k) {
		buf[0] = 0;
		return 0;
	}
	if (json)
		fmt_at(buf, cap, &off, "]");
	if (off >= cap)
		off = cap - 1;
	buf[off] = 0;
	return off;
}
