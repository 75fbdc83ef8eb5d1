/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mib.c - VRRP-HA-MIB's four tables as rows computed on demand: GET and
 * GETNEXT (RFC 3416 4.2.1-4.2.2) over the instance table, the counter
 * registry, and the MIPv6 and PMIPv6 bindings of each instance's two
 * stores (store_lookup_next(): the next key in store order, which is the
 * index order, RFC 2578 7.7). Nothing is copied or cached but the
 * counters' sort order.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "snmp_int.h"
#include "vrrp_ha/dataplane.h"
#include "vrrp_ha/ha.h"
#include "vrrp_ha/proxynd.h"
#include "vrrp_ha/rbc.h"
#include "vrrp_ha/recovery.h"
#include "vrrp_ha/store.h"

static const uint32_t base_oid[] = {VRRP_HA_SNMP_BASE};

/* longest PMIPv6 key with a row: 12 sub-ids to the column, instance,
 * cache, length, then the key (VRRP-HA-MIB: SIZE (19..100)) */
#define PROXY_KEY_MAX 100
/* counter index strings (VRRP-HA-MIB: SIZE (1..31), (1..39)) */
#define GROUP_MAX 31
#define NAME_MAX_ 39

enum cache { CACHE_BC = 1, CACHE_RBC = 2 };

/* One row of any table. */
struct row {
	struct sn_inst *in;
	unsigned cache;
	size_t ci; /* counter: position in the registry */
	struct vrrp_ha_record rec;
	uint8_t key[VRRP_HA_KEY_MAX];
};

int vrrp_ha_snmp_oid_cmp(const uint32_t *a, size_t alen, const uint32_t *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;

	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return alen < blen ? -1 : alen > blen;
}

size_t vrrp_ha_snmp_date_and_time(int64_t real_ms, uint8_t *out)
{
	time_t t = (time_t)(real_ms / 1000);
	struct tm tm;

	if (real_ms < 0 || !gmtime_r(&t, &tm))
		memset(&tm, 0, sizeof(tm));
	out[0] = (uint8_t)((tm.tm_year + 1900) >> 8);
	out[1] = (uint8_t)(tm.tm_year + 1900);
	out[2] = (uint8_t)(tm.tm_mon + 1);
	out[3] = (uint8_t)tm.tm_mday;
	out[4] = (uint8_t)tm.tm_hour;
	out[5] = (uint8_t)tm.tm_min;
	out[6] = (uint8_t)tm.tm_sec;
	out[7] = (uint8_t)((real_ms % 1000) / 100);
	out[8] = '+'; /* UTC */
	out[9] = 0;
	out[10] = 0;
	return 11;
}

/* ---- values ------------------------------------------------------------ */

static void v_int(struct vrrp_ha_snmp_value *v, int64_t i)
{
	v->type = VRRP_HA_SNMP_INTEGER;
	v->i = i;
}

static void v_uns(struct vrrp_ha_snmp_value *v, enum vrrp_ha_snmp_type t, uint64_t u)
{
	v->type = t;
	v->u = t == VRRP_HA_SNMP_COUNTER64 || u <= UINT32_MAX ? u : UINT32_MAX;
}

static void v_bytes(struct vrrp_ha_snmp_value *v, const void *p, size_t len)
{
	if (len > sizeof(v->bytes))
		len = sizeof(v->bytes);
	v->type = VRRP_HA_SNMP_OCTETS;
	v->len = len;
	if (len)
		memcpy(v->bytes, p, len);
}

static void v_str(struct vrrp_ha_snmp_value *v, const char *s)
{
	v_bytes(v, s, strlen(s));
}

static void v_flags(struct vrrp_ha_snmp_value *v, uint16_t f)
{
	uint8_t b[2] = {(uint8_t)(f >> 8), (uint8_t)f}; /* BITS: bit 0 = 0x8000 */

	v_bytes(v, b, 2);
}

/* A time of instance in's clock as wall clock. */
static int64_t real_of(const struct sn_inst *in, uint64_t t_ms,
                       const struct vrrp_ha_snmp_clock *clk)
{
	uint64_t now = vrrp_ha_now(in->h);

	return now >= t_ms ? clk->real_ms - (int64_t)(now - t_ms)
	                   : clk->real_ms + (int64_t)(t_ms - now);
}

static void v_date(struct vrrp_ha_snmp_value *v, int64_t real_ms)
{
	v->type = VRRP_HA_SNMP_OCTETS;
	v->len = vrrp_ha_snmp_date_and_time(real_ms, v->bytes);
}

/* ---- instances ------------------------------------------------------ */

struct sn_inst *sn_find(const struct vrrp_ha_snmp *m, uint32_t index)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->inst[mid]->info.index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->n && m->inst[lo]->info.index == index ? m->inst[lo] : NULL;
}

/* Returns: the position of the first instance with index > after (or >=
 * when incl). */
static size_t inst_from(const struct vrrp_ha_snmp *m, uint32_t after, bool incl)
{
	size_t i = 0;

	while (i < m->n &&
	       (m->inst[i]->info.index < after || (!incl && m->inst[i]->info.index == after)))
		i++;
	return i;
}

/* The MIB's enumeration of vrrp_ha_sync_state_name()'s words: a new state
 * needs only a line here and an entry in the MIB. */
static int64_t sync_state_value(struct vrrp_ha *h)
{
	static const char *const words[] = {"in_sync", "syncing", "diverged", "demoted"};
	enum vrrp_ha_sync_state s = vrrp_ha_sync_state(h);
	const char *w = vrrp_ha_sync_state_name(s);

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (w && !strcmp(w, words[i]))
			return (int64_t)i + 1;
	return (int64_t)s + 1;
}

bool sn_instance_column(struct sn_inst *in, uint32_t col, const struct vrrp_ha_snmp_clock *clk,
                        struct vrrp_ha_snmp_value *v)
{
	struct vrrp_ha *h = in->h;
	struct vrrp_ha_rbc *bc = vrrp_ha_get_bc(h), *rbc = vrrp_ha_get_rbc(h);
	struct vrrp_ha_dp *dp = vrrp_ha_get_dp(h);
	struct vrrp_ha_pnd *pnd = vrrp_ha_get_pnd(h);
	struct vrrp_ha_fr *fr = vrrp_ha_get_fr(h);
	size_t staged = dp ? vrrp_ha_dp_staged(dp) : 0;

	switch (col) {
	case 2:
		v_str(v, vrrp_ha_iname(h));
		return true;
	case 3:
		v_uns(v, VRRP_HA_SNMP_UNSIGNED, vrrp_ha_vrid(h));
		return true;
	case 4:
		v_int(v, in->info.ifindex);
		return true;
	case 5:
		v_int(v, in->info.enabled ? 1 : 2);
		return true;
	case 6:
		v_int(v, vrrp_ha_is_owner(h) ? 1 : 2);
		return true;
	case 7:
		v_int(v, (int64_t)vrrp_ha_get_state(h) + 1);
		return true;
	case 8:
		v_int(v, sync_state_value(h));
		return true;
	case 9:
		v_uns(v, VRRP_HA_SNMP_GAUGE, bc ? rbc_count(bc) : 0);
		return true;
	case 10:
		v_uns(v, VRRP_HA_SNMP_GAUGE, rbc ? rbc_count(rbc) : 0);
		return true;
	case 11:
		v_uns(v, VRRP_HA_SNMP_GAUGE, vrrp_ha_tx_backlog(h));
		return true;
	case 12:
		if (in->synced) {
			v_date(v, real_of(in, in->sync_ms, clk));
		} else {
			v->type = VRRP_HA_SNMP_OCTETS;
			v->len = 8;
			memset(v->bytes, 0, 8);
		}
		return true;
	case 13:
		v_uns(v, VRRP_HA_SNMP_UNSIGNED, in->sync_duration_ms);
		return true;
	case 14:
		v_uns(v, VRRP_HA_SNMP_UNSIGNED, in->sync_rows);
		return true;
	case 15:
		v_str(v, in->sync_detail);
		return true;
	case 16:
		v_int(v, !dp                                           ? 1
		         : vrrp_ha_dp_backend(dp) == VRRP_HA_DP_SEG6   ? 2
		         : vrrp_ha_dp_backend(dp) == VRRP_HA_DP_IP6TNL ? 3
		                                                       : 1);
		return true;
	case 17:
		v_uns(v, VRRP_HA_SNMP_GAUGE, staged);
		return true;
	case 18:
		v_uns(v, VRRP_HA_SNMP_GAUGE, dp && vrrp_ha_dp_active(dp) ? staged : 0);
		return true;
	case 19:
		v_int(v, !pnd                                          ? 1
		         : vrrp_ha_pnd_mode(pnd) == VRRP_HA_PND_KERNEL ? 3
		         : vrrp_ha_pnd_mode(pnd) == VRRP_HA_PND_USER   ? 4
		                                                       : 2);
		return true;
	case 20:
		v_uns(v, VRRP_HA_SNMP_GAUGE, pnd ? vrrp_ha_pnd_count(pnd) : 0);
		return true;
	case 21:
		v_int(v, !fr ? 1 : !vrrp_ha_fr_active(fr) ? 2 : vrrp_ha_fr_queued(fr) > 0 ? 4 : 3);
		return true;
	case 22:
		v_uns(v, VRRP_HA_SNMP_GAUGE, fr ? vrrp_ha_fr_queued(fr) : 0);
		return true;
	case 23:
		v_uns(v, VRRP_HA_SNMP_GAUGE, fr ? vrrp_ha_fr_ntracked(fr) : 0);
		return true;
	}
	return false;
}

static bool inst_exact(struct vrrp_ha_snmp *m, const uint32_t *x, size_t n, struct row *r)
{
	r->in = n == 1 ? sn_find(m, x[0]) : NULL;
	return r->in != NULL;
}

static bool inst_next(struct vrrp_ha_snmp *m, const uint32_t *x, size_t n, struct row *r)
{
	size_t i = n ? inst_from(m, x[0], false) : 0;

	/* [index] after x: index > x[0] ([x0] itself, or a prefix of x, is not) */
	r->in = i < m->n ? m->inst[i] : NULL;
	return r->in != NULL;
}

static size_t inst_encode(const struct row *r, uint32_t *out)
{
	out[0] = r->in->info.index;
	return 1;
}

static bool inst_column(struct row *r, uint32_t col, const struct vrrp_ha_snmp_clock *clk,
                        struct vrrp_ha_snmp_value *v)
{
	return sn_instance_column(r->in, col, clk, v);
}

/* ---- counters ---------------------------------------------------------- */

/* The index of counter c after the instance: both strings, length first. */
static size_t counter_suffix(const struct vrrp_ha_counter *c, uint32_t *out)
{
	size_t gl = strlen(c->group), nl = strlen(c->name), k = 0;

	if (gl > GROUP_MAX || nl > NAME_MAX_ || !gl || !nl)
		return 0;
	out[k++] = (uint32_t)gl;
	for (size_t i = 0; i < gl; i++)
		out[k++] = (uint8_t)c->group[i];
	out[k++] = (uint32_t)nl;
	for (size_t i = 0; i < nl; i++)
		out[k++] = (uint8_t)c->name[i];
	return k;
}

static int counter_cmp(const struct vrrp_ha_counters_reg *reg, uint32_t a, uint32_t b)
{
	uint32_t x[2 + GROUP_MAX + NAME_MAX_], y[2 + GROUP_MAX + NAME_MAX_];
	size_t xn = counter_suffix(vrrp_ha_counters_at(reg, a), x);
	size_t yn = counter_suffix(vrrp_ha_counters_at(reg, b), y);

	return vrrp_ha_snmp_oid_cmp(x, xn, y, yn);
}

/* The registry only grows (modules register when the instance is made):
 * sort again when its size changed. Returns: false on allocation failure. */
static bool counters_sorted(struct sn_inst *in)
{
	const struct vrrp_ha_counters_reg *reg = vrrp_ha_counters_registry(in->h);
	size_t n = vrrp_ha_counters_count(reg), k = 0;
	uint32_t *o;

	if (in->corder && in->corder_n == n)
		return true;
	o = realloc(in->corder, (n ? n : 1) * sizeof(*o));
	if (!o)
		return false;
	in->corder = o;
	for (size_t i = 0; i < n; i++) {
		uint32_t tmp[2 + GROUP_MAX + NAME_MAX_];

		if (!counter_suffix(vrrp_ha_counters_at(reg, i), tmp))
			continue; /* a name too long for the index: no row */
		/* insertion sort: a few hundred counters, sorted once */
		size_t j = k++;
		while (j > 0 && counter_cmp(reg, o[j - 1], (uint32_t)i) > 0) {
			o[j] = o[j - 1];
			j--;
		}
		o[j] = (uint32_t)i;
	}
	in->corder_n = n;
	/* rows actually indexed */
	for (size_t i = k; i < n; i++)
		o[i] = UINT32_MAX;
	return true;
}

static size_t counter_rows(const struct sn_inst *in)
{
	size_t k = 0;

	while (k < in->corder_n && in->corder[k] != UINT32_MAX)
		k++;
	return k;
}

/* First row of in whose suffix is > x (or == x when exact). */
static bool counter_find(struct vrrp_ha_snmp *m, struct sn_inst *in, const uint32_t *x, size_t n,
                         bool exact, struct row *r)
{
	const struct vrrp_ha_counters_reg *reg = vrrp_ha_counters_registry(in->h);
	size_t lo = 0, hi, rows;

	if (!counters_sorted(in))
		return false;
	m->lookups++;
	rows = counter_rows(in);
	hi = rows;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t s[2 + GROUP_MAX + NAME_MAX_];
		size_t sn = counter_suffix(vrrp_ha_counters_at(reg, in->corder[mid]), s);

		if (vrrp_ha_snmp_oid_cmp(s, sn, x, n) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* lo: first row > x */
	if (exact) {
		uint32_t s[2 + GROUP_MAX + NAME_MAX_];
		size_t sn;

		if (lo == 0)
			return false;
		sn = counter_suffix(vrrp_ha_counters_at(reg, in->corder[lo - 1]), s);
		if (vrrp_ha_snmp_oid_cmp(s, sn, x, n))
			return false;
		lo--;
	} else if (lo >= rows) {
		return false;
	}
	r->in = in;
	r->ci = in->corder[lo];
	return true;
}

static bool counter_exact(struct vrrp_ha_snmp *m, const uint32_t *x, size_t n, struct row *r)
{
	struct sn_inst *in = n > 1 ? sn_find(m, x[0]) : NULL;

	return in && counter_find(m, in, x + 1, n - 1, true, r);
}

static bool counter_next(struct vrrp_ha_snmp *m, const uint32_t *x, size_t n, struct row *r)
{
	for (size_t i = n ? inst_from(m, x[0], true) : 0; i < m->n; i++) {
		struct sn_inst *in = m->inst[i];
		bool same = n && in->info.index == x[0];

		if (counter_find(m, in, same ? x + 1 : NULL, same ? n - 1 : 0, false, r))
			return true;
	}
	return false;
}

static size_t counter_encode(const struct row *r, uint32_t *out)
{
	const struct vrrp_ha_counters_reg *reg = vrrp_ha_counters_registry(r->in->h);

	out[0] = r->in->info.index;
	return 1 + counter_suffix(vrrp_ha_counters_at(reg, r->ci), out + 1);
}

static bool counter_column(struct row *r, uint32_t col, const struct vrrp_ha_snmp_clock *clk,
                           struct vrrp_ha_snmp_value *v)
{
	const struct vrrp_ha_counter *c =
	        vrrp_ha_counters_at(vrrp_ha_counters_registry(r->in->h), r->ci);

	(void)clk;
	if (!c)
		return false;
	switch (col) {
	case 3:
		v_int(v, c->gauge ? 2 : 1);
		return true;
	case 4:
		if (c->gauge)
			return false;
		v_uns(v, VRRP_HA_SNMP_COUNTER64, vrrp_ha_counter_read(c));
		return true;
	case 5:
		if (!c->gauge)
			return false;
		v_uns(v, VRRP_HA_SNMP_COUNTER64, vrrp_ha_counter_read(c));
		return true;
	}
	return false;
}

/* ---- bindings ---------------------------------------------------------- */

static struct vrrp_ha_store *store_of(struct sn_inst *in, unsigned cache)
{
	struct vrrp_ha_rbc *t = cache == CACHE_BC ? vrrp_ha_get_bc(in->h) : vrrp_ha_get_rbc(in->h);

	return t ? rbc_store(t) : NULL;
}

/* Where to start in the store for an OCTET STRING index suffix. */
enum bound { B_FIRST, B_NONE, B_AT, B_AFTER };

/*
 * From the suffix x (n sub-ids) of a length-prefixed OCTET STRING index,
 * the key bound of the first row after x: every key (B_FIRST), none of
 * this length or shorter (B_NONE), keys >= (len, bytes) (B_AT) or keys >
 * (len, bytes) (B_AFTER), bytes written to buf (len *len).
 */
static enum bound octets_bound(const uint32_t *x, size_t n, uint8_t *buf, size_t cap, uint16_t *len)
{
	size_t l, rn;

	if (n == 0)
		return B_FIRST;
	if (x[0] > cap)
		return B_NONE;
	l = x[0];
	*len = (uint16_t)l;
	memset(buf, 0, l);
	if (n == 1)
		return B_AT; /* every key of this length is longer than x */
	rn = n - 1;
	for (size_t i = 0; i < l && i < rn; i++) {
		if (x[1 + i] > 255) {
			/* after every key with the bytes before i */
			memset(buf + i, 0xff, l - i);
			return B_AFTER;
		}
		buf[i] = (uint8_t)x[1 + i];
	}
	/* x holds a whole key (and maybe more: the key is its prefix, so
	 * before it), or a prefix of keys that all come after it */
	return rn >= l ? B_AFTER : B_AT;
}

static bool rec_to_row(struct sn_inst *in, unsigned cache, const struct vrrp_ha_record *rec,
                       struct row *r)
{
	r->in = in;
	r->cache = cache;
	r->rec = *rec;
	memcpy(r->key, rec->key.bytes, rec->key.len);
	r->rec.key.bytes = r->key;
	return true;
}

/*
 * The first row of kind in one store at or after the bound; keys longer
 * than maxlen have no row (they sort last of their kind).
 */
static bool store_find(struct vrrp_ha_snmp *m, struct sn_inst *in, unsigned cache, uint8_t kind,
                       enum bound b, const uint8_t *bytes, uint16_t len, size_t maxlen,
                       struct row *r)
{
	struct vrrp_ha_store *s = store_of(in, cache);
	uint64_t now = vrrp_ha_now(in->h);
	static const uint8_t zero[1];
	struct vrrp_ha_key k = {.kind = kind, .len = len, .bytes = bytes};
	struct vrrp_ha_record rec;

	if (!s || b == B_NONE)
		return false;
	if (b == B_FIRST) {
		k.len = 0;
		k.bytes = zero;
	}
	if (b == B_AT && len) {
		m->lookups++;
		if (store_lookup(s, &k, now, &rec) && rec.key.len <= maxlen)
			return rec_to_row(in, cache, &rec, r);
	}
	m->lookups++;
	if (!store_lookup_next(s, &k, now, &rec) || rec.key.kind != kind || rec.key.len > maxlen)
		return false;
	return rec_to_row(in, cache, &rec, r);
}

/* The suffix after the cache of each binding table: MIPv6 has the
 * InetAddressType first. */
static enum bound kind_bound(uint8_t kind, const uint32_t *x, size_t n, uint8_t *buf, uint16_t *len)
{
	if (kind == VRRP_HA_KIND_MIPV6) {
		if (n == 0 || x[0] < 2) /* ipv6(2) */
			return B_FIRST;
		if (x[0] > 2)
			return B_NONE;
		return octets_bound(x + 1, n - 1, buf, 16, len);
	}
	return octets_bound(x, n, buf, PROXY_KEY_MAX, len);
}

static size_t kind_maxlen(uint8_t kind)
{
	return kind == VRRP_HA_KIND_MIPV6 ? 16 : PROXY_KEY_MAX;
}

static bool bind_next_kind(struct vrrp_ha_snmp *m, uint8_t kind, const uint32_t *x, size_t n,
                           struct row *r)
{
	uint8_t buf[PROXY_KEY_MAX];

	for (size_t i = n ? inst_from(m, x[0], true) : 0; i < m->n; i++) {
		struct sn_inst *in = m->inst[i];
		bool same = n && in->info.index == x[0];

		for (unsigned c = CACHE_BC; c <= CACHE_RBC; c++) {
			const uint32_t *sx = NULL;
			size_t sn = 0;
			enum bound b;
			uint16_t len = 0;

			if (same && n > 1) {
				if (c < x[1])
					continue;
				if (c == x[1]) {
					sx = x + 2;
					sn = n - 2;
				}
			}
			b = kind_bound(kind, sx, sn, buf, &len);
			if (store_find(m, in, c, kind, b, buf, len, kind_maxlen(kind), r))
				return true;
		}
	}
	return false;
}

static bool bind_exact_kind(struct vrrp_ha_snmp *m, uint8_t kind, const uint32_t *x, size_t n,
                            struct row *r)
{
	struct sn_inst *in = n > 3 ? sn_find(m, x[0]) : NULL;
	uint8_t buf[PROXY_KEY_MAX];
	struct vrrp_ha_key k = {.kind = kind, .bytes = buf};
	struct vrrp_ha_store *s;
	struct vrrp_ha_record rec;
	size_t off;

	if (!in || x[1] < CACHE_BC || x[1] > CACHE_RBC || !(s = store_of(in, x[1])))
		return false;
	if (kind == VRRP_HA_KIND_MIPV6) {
		if (x[2] != 2 || x[3] != 16)
			return false;
		off = 4;
	} else {
		off = 3;
	}
	if (x[off - 1] > kind_maxlen(kind) || n != off + x[off - 1])
		return false;
	k.len = (uint16_t)x[off - 1];
	for (size_t i = 0; i < k.len; i++) {
		if (x[off + i] > 255)
			return false;
		buf[i] = (uint8_t)x[off + i];
	}
	m->lookups++;
	if (!store_lookup(s, &k, vrrp_ha_now(in->h), &rec))
		return false;
	return rec_to_row(in, (unsigned)x[1], &rec, r);
}

static size_t bind_encode(const struct row *r, uint32_t *out)
{
	size_t k = 0;

	out[k++] = r->in->info.index;
	out[k++] = r->cache;
	if (r->rec.key.kind == VRRP_HA_KIND_MIPV6)
		out[k++] = 2;
	out[k++] = r->rec.key.len;
	for (size_t i = 0; i < r->rec.key.len; i++)
		out[k++] = r->key[i];
	return k;
}

static bool mip_exact(struct vrrp_ha_snmp *m, const uint32_t *x, size_t n, struct row *r)
{
	return bind_exact_kind(m, VRRP_HA_KIND_MIPV6, x, n, r);
}

static bool mip_next(struct vrrp_ha_snmp *m, const uint32_t *x, size_t n, struct row *r)
{
	return bind_next_kind(m, VRRP_HA_KIND_MIPV6, x, n, r);
}

static bool pmip_exact(struct vrrp_ha_snmp *m, const uint32_t *x, size_t n, struct row *r)
{
	return bind_exact_kind(m, VRRP_HA_KIND_PMIPV6, x, n, r);
}

static bool pmip_next(struct vrrp_ha_snmp *m, const uint32_t *x, size_t n, struct row *r)
{
	return bind_next_kind(m, VRRP_HA_KIND_PMIPV6, x, n, r);
}

static void v_registered(const struct row *r, const struct vrrp_ha_snmp_clock *clk,
                         struct vrrp_ha_snmp_value *v)
{
	uint64_t g = (uint64_t)r->rec.granted_s * 1000;
	uint64_t at = r->rec.expires_ms > g ? r->rec.expires_ms - g : 0;

	v_date(v, real_of(r->in, at, clk));
}

static bool mip_column(struct row *r, uint32_t col, const struct vrrp_ha_snmp_clock *clk,
                       struct vrrp_ha_snmp_value *v)
{
	const struct vrrp_ha_mipv6 *b = &r->rec.u.mipv6;

	switch (col) {
	case 4:
		v_int(v, 2);
		return true;
	case 5:
		v_bytes(v, &b->coa, 16);
		return true;
	case 6:
		v_registered(r, clk, v);
		return true;
	case 7:
		v_uns(v, VRRP_HA_SNMP_GAUGE, r->rec.granted_s);
		return true;
	case 8:
		v_uns(v, VRRP_HA_SNMP_GAUGE, r->rec.lifetime_s);
		return true;
	case 9:
		v_uns(v, VRRP_HA_SNMP_UNSIGNED, b->seq);
		return true;
	case 10:
		v_flags(v, b->flags);
		return true;
	case 11:
		v_int(v, r->cache);
		return true;
	}
	return false;
}

/* The MAG's link-local address: the Link-local Address option (RFC 5213
 * 8.7: type 26, 16 bytes). Returns: true and the address in out. */
static bool pmip_lla(const struct vrrp_ha_record *rec, uint8_t *out)
{
	struct vrrp_ha_opt o;
	size_t pos = 0;

	while (vrrp_ha_opt_next(rec->opts, rec->opts_len, &pos, &o) == 1)
		if (o.type == VRRP_HA_OPT_LLA && o.len == 16) {
			memcpy(out, o.data, 16);
			return true;
		}
	return false;
}

static bool pmip_column(struct row *r, uint32_t col, const struct vrrp_ha_snmp_clock *clk,
                        struct vrrp_ha_snmp_value *v)
{
	const struct vrrp_ha_pmipv6 *p = &r->rec.u.pmipv6;
	const uint8_t *k = r->key;
	size_t ml = k[0]; /* [mnid_len][mnid][plen][hnp] (record.h) */
	uint8_t b[16];

	(void)clk;
	if (r->rec.key.len != ml + 18)
		return false;
	switch (col) {
	case 3:
		v_bytes(v, k + 1, ml);
		return true;
	case 4:
	case 7:
		v_int(v, 2);
		return true;
	case 5:
		v_bytes(v, k + ml + 2, 16);
		return true;
	case 6:
		v_uns(v, VRRP_HA_SNMP_UNSIGNED, k[ml + 1]);
		return true;
	case 8:
		v_bytes(v, &p->pcoa, 16);
		return true;
	case 9:
		v_bytes(v, b, pmip_lla(&r->rec, b) ? 16 : 0);
		return true;
	case 10:
		v_uns(v, VRRP_HA_SNMP_UNSIGNED, p->tunnel_id);
		return true;
	case 11:
		v_uns(v, VRRP_HA_SNMP_UNSIGNED, p->att);
		return true;
	case 12:
		for (int i = 0; i < 8; i++)
			b[i] = (uint8_t)(p->timestamp >> (56 - 8 * i));
		v_bytes(v, b, 8);
		return true;
	case 13:
		v_flags(v, p->flags);
		return true;
	case 14:
		v_uns(v, VRRP_HA_SNMP_GAUGE, r->rec.lifetime_s);
		return true;
	}
	return false;
}

/* ---- the tree ---------------------------------------------------------- */

struct table {
	uint32_t id; /* vrrpHaObjects.id.1 is the entry */
	uint32_t col_first, col_last;
	bool (*exact)(struct vrrp_ha_snmp *m, const uint32_t *x, size_t n, struct row *r);
	bool (*next)(struct vrrp_ha_snmp *m, const uint32_t *x, size_t n, struct row *r);
	size_t (*encode)(const struct row *r, uint32_t *out);
	bool (*column)(struct row *r, uint32_t col, const struct vrrp_ha_snmp_clock *clk,
	               struct vrrp_ha_snmp_value *v);
};

static const struct table tables[] = {
        {VRRP_HA_SNMP_T_INSTANCE, 2, 23, inst_exact, inst_next, inst_encode, inst_column},
        {VRRP_HA_SNMP_T_COUNTER, 3, 5, counter_exact, counter_next, counter_encode, counter_column},
        {VRRP_HA_SNMP_T_BINDING, 4, 11, mip_exact, mip_next, bind_encode, mip_column},
        {VRRP_HA_SNMP_T_PROXY, 3, 14, pmip_exact, pmip_next, bind_encode, pmip_column},
};
#define NTABLES (sizeof(tables) / sizeof(tables[0]))

/* base . 1 (objects) . table . 1 (entry) . column */
#define COL_LEN (VRRP_HA_SNMP_BASE_LEN + 4)

static void column_oid(const struct table *t, uint32_t col, uint32_t *out)
{
	memcpy(out, base_oid, sizeof(base_oid));
	out[VRRP_HA_SNMP_BASE_LEN] = 1;
	out[VRRP_HA_SNMP_BASE_LEN + 1] = t->id;
	out[VRRP_HA_SNMP_BASE_LEN + 2] = 1;
	out[VRRP_HA_SNMP_BASE_LEN + 3] = col;
}

bool vrrp_ha_snmp_get(struct vrrp_ha_snmp *m, const uint32_t *oid, size_t len,
                      const struct vrrp_ha_snmp_clock *clk, struct vrrp_ha_snmp_value *v)
{
	struct row r;

	memset(v, 0, sizeof(*v));
	if (len <= COL_LEN || memcmp(oid, base_oid, sizeof(base_oid)) ||
	    oid[VRRP_HA_SNMP_BASE_LEN] != 1 || oid[VRRP_HA_SNMP_BASE_LEN + 2] != 1)
		return false;
	for (size_t i = 0; i < NTABLES; i++) {
		const struct table *t = &tables[i];
		uint32_t col = oid[COL_LEN - 1];

		if (t->id != oid[VRRP_HA_SNMP_BASE_LEN + 1])
			continue;
		if (col < t->col_first || col > t->col_last)
			return false;
		memset(&r, 0, sizeof(r));
		return t->exact(m, oid + COL_LEN, len - COL_LEN, &r) && t->column(&r, col, clk, v);
	}
	return false;
}

bool vrrp_ha_snmp_next(struct vrrp_ha_snmp *m, const uint32_t *oid, size_t len, uint32_t *out,
                       size_t *out_len, const struct vrrp_ha_snmp_clock *clk,
                       struct vrrp_ha_snmp_value *v)
{
	uint32_t col_oid[COL_LEN];
	struct row r;

	memset(v, 0, sizeof(*v));
	for (size_t i = 0; i < NTABLES; i++) {
		const struct table *t = &tables[i];

		for (uint32_t col = t->col_first; col <= t->col_last; col++) {
			const uint32_t *x = NULL;
			size_t n = 0;
			bool found;
			int c;

			column_oid(t, col, col_oid);
			c = vrrp_ha_snmp_oid_cmp(oid, len < COL_LEN ? len : COL_LEN, col_oid,
			                         COL_LEN);
			if (c > 0)
				continue; /* this column lies before oid */
			if (c == 0 && len > COL_LEN) {
				x = oid + COL_LEN; /* oid is inside this column */
				n = len - COL_LEN;
			}
			/* c == 0 and len <= COL_LEN: oid is the column (or one of
			 * its ancestors): its first row */
			memset(&r, 0, sizeof(r));
			found = t->next(m, x, n, &r);
			/* a sparse column (the counters' two values) skips rows */
			while (found && !t->column(&r, col, clk, v)) {
				uint32_t idx[VRRP_HA_SNMP_OID_MAX];
				size_t in = t->encode(&r, idx);

				memset(&r, 0, sizeof(r));
				found = t->next(m, idx, in, &r);
			}
			if (found) {
				size_t k = t->encode(&r, out + COL_LEN);

				memcpy(out, col_oid, sizeof(col_oid));
				*out_len = COL_LEN + k;
				return true;
			}
		}
	}
	return false;
}

uint64_t vrrp_ha_snmp_lookups(const struct vrrp_ha_snmp *m)
{
	return m->lookups;
}
