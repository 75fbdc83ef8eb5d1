/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rbc.c - the Redundancy Binding Cache (draft-deng section 5) as the MIPv6
 * view of the binding store (store.h): bindings keyed by Home Address,
 * converted between the draft's wire records / rbc_view and store records.
 * All structure (slab, index, incremental resize, expiry heap, ordered index,
 * dirty queues) is the store's; see docs/store.md.
 *
 * The store may also hold other kinds (PMIPv6, ATTACH) put there through
 * rbc_store(): the rbc_ calls then see only the MIPv6 entries, except
 * rbc_expire(), rbc_next_expiry(), rbc_maintain() and rbc_memory(), which
 * are about the whole table.
 */
#include <stdlib.h>
#include <string.h>

#include "vrrp_ha/rbc.h"
#include "vrrp_ha/store.h"

/* draft-deng 4.3.3 copies the BU Lifetime: RFC 6275 6.1.7, 4 s units */
#define UNIT_MS ((uint64_t)VRRP_HA_LIFETIME_UNIT_S * 1000)
/* records converted per store_walk() call */
#define WALK_BATCH 64

struct vrrp_ha_rbc {
	struct vrrp_ha_store *s;
};

_Static_assert((int)STORE_ADDED == (int)RBC_ADDED && (int)STORE_NOMEM == (int)RBC_NOMEM &&
                       (int)STORE_NOT_FOUND == (int)RBC_NOT_FOUND,
               "store_result extends rbc_result");

static enum rbc_result rbc_res(enum store_result r)
{
	/* STORE_INVALID: a MIPv6 key is always well formed; never seen */
	return r == STORE_INVALID ? RBC_NOMEM : (enum rbc_result)r;
}

static void rec_mipv6(struct vrrp_ha_record *r, const struct in6_addr *hoa,
                      const struct in6_addr *coa, uint32_t lifetime_s, uint16_t seq, uint16_t flags)
{
	memset(r, 0, sizeof(*r));
	vrrp_ha_key_mipv6(&r->key, hoa);
	r->lifetime_s = lifetime_s;
	r->u.mipv6.coa = *coa;
	r->u.mipv6.seq = seq;
	r->u.mipv6.flags = flags;
}

static uint16_t wire_lifetime(const struct vrrp_ha_record *r, uint64_t now_ms)
{
	uint64_t rem, units;

	if (r->lifetime_s == 0)
		return 0; /* a delete */
	rem = r->expires_ms > now_ms ? r->expires_ms - now_ms : 0;
	/* round up: a backup must not drop a binding before the master does */
	units = rem / UNIT_MS + (rem % UNIT_MS != 0);
	if (units < 1)
		units = 1;
	if (units > UINT16_MAX)
		units = UINT16_MAX;
	return (uint16_t)units;
}

static void to_wire(const struct vrrp_ha_record *r, uint64_t now_ms, struct vrrp_ha_binding *b)
{
	memset(b, 0, sizeof(*b));
	memcpy(b->hoa.s6_addr, r->key.bytes, sizeof(b->hoa.s6_addr));
	b->coa = r->u.mipv6.coa;
	b->lifetime = wire_lifetime(r, now_ms);
	b->seq = r->u.mipv6.seq;
	b->flags = r->u.mipv6.flags;
}

static void to_view(const struct vrrp_ha_record *r, struct rbc_view *v)
{
	memset(v, 0, sizeof(*v));
	memcpy(v->hoa.s6_addr, r->key.bytes, sizeof(v->hoa.s6_addr));
	v->coa = r->u.mipv6.coa;
	v->seq = r->u.mipv6.seq;
	v->flags = r->u.mipv6.flags;
	v->lifetime_s = r->lifetime_s;
	v->expires_ms = r->expires_ms;
}

struct vrrp_ha_rbc *rbc_new(size_t size_hint, uint32_t tombstone_ms)
{
	struct vrrp_ha_rbc *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->s = store_new(size_hint, tombstone_ms);
	if (!t->s) {
		free(t);
		return NULL;
	}
	return t;
}

void rbc_free(struct vrrp_ha_rbc *t)
{
	if (!t)
		return;
	store_free(t->s);
	free(t);
}

struct vrrp_ha_store *rbc_store(struct vrrp_ha_rbc *t)
{
	return t->s;
}

int rbc_serial_cmp(uint16_t a, uint16_t b)
{
	/* RFC 1982 3.2 with SERIAL_BITS = 16: a > b iff the forward distance
	 * from b to a is in (0, 2^15). Distance 2^15 is undefined: never newer. */
	uint16_t d = (uint16_t)(a - b);

	if (d == 0)
		return 0;
	return d < 0x8000 ? 1 : -1;
}

/* A peer's wire record b (with options) into the store: by store_apply(),
 * or by store_apply_sync() when overrode is given. */
static enum rbc_result apply_wire(struct vrrp_ha_rbc *t, const struct vrrp_ha_binding *b,
                                  const uint8_t *opts, size_t optlen, uint64_t now_ms, bool sync,
                                  bool *overrode)
{
	struct vrrp_ha_record r;

	if (overrode)
		*overrode = false;
	if (optlen > UINT16_MAX)
		return RBC_NOMEM;
	rec_mipv6(&r, &b->hoa, &b->coa, (uint32_t)b->lifetime * VRRP_HA_LIFETIME_UNIT_S, b->seq,
	          b->flags);
	r.created = (b->reserved & VRRP_HA_REC_NEW) != 0;
	r.opts = optlen ? opts : NULL;
	r.opts_len = (uint16_t)optlen;
	if (sync)
		return rbc_res(store_apply_sync(t->s, &r, now_ms, overrode));
	return rbc_res(store_apply(t->s, &r, now_ms));
}

enum rbc_result rbc_apply(struct vrrp_ha_rbc *t, const struct vrrp_ha_binding *b, uint64_t now_ms)
{
	return apply_wire(t, b, NULL, 0, now_ms, false, NULL);
}

enum rbc_result rbc_apply_opts(struct vrrp_ha_rbc *t, const struct vrrp_ha_binding *b,
                               const uint8_t *opts, size_t optlen, uint64_t now_ms)
{
	return apply_wire(t, b, opts, optlen, now_ms, false, NULL);
}

enum rbc_result rbc_apply_sync(struct vrrp_ha_rbc *t, const struct vrrp_ha_binding *b,
                               uint64_t now_ms, bool *overrode)
{
	return apply_wire(t, b, NULL, 0, now_ms, true, overrode);
}

enum rbc_result rbc_apply_sync_opts(struct vrrp_ha_rbc *t, const struct vrrp_ha_binding *b,
                                    const uint8_t *opts, size_t optlen, uint64_t now_ms,
                                    bool *overrode)
{
	return apply_wire(t, b, opts, optlen, now_ms, true, overrode);
}

enum rbc_result rbc_set_local(struct vrrp_ha_rbc *t, const struct in6_addr *hoa,
                              const struct in6_addr *coa, uint32_t lifetime_s, uint16_t seq,
                              uint16_t flags, uint64_t now_ms)
{
	struct vrrp_ha_record r, cur;

	rec_mipv6(&r, hoa, coa, lifetime_s, seq, flags);
	/* the daemon knows nothing of attachments: a live entry keeps its
	 * options (the same bytes, so the store keeps them without a copy) */
	if (lifetime_s && store_lookup(t->s, &r.key, now_ms, &cur) && cur.opts_len) {
		r.opts = cur.opts;
		r.opts_len = cur.opts_len;
	}
	return rbc_res(store_set_local(t->s, &r, now_ms));
}

bool rbc_lookup_opts(const struct vrrp_ha_rbc *t, const struct in6_addr *hoa, uint64_t now_ms,
                     const uint8_t **opts, size_t *len)
{
	struct vrrp_ha_record r;
	struct vrrp_ha_key k;

	*opts = NULL;
	*len = 0;
	vrrp_ha_key_mipv6(&k, hoa);
	if (!store_lookup(t->s, &k, now_ms, &r))
		return false;
	if (r.opts_len) {
		*opts = r.opts;
		*len = r.opts_len;
	}
	return true;
}

enum rbc_result rbc_set_opts_local(struct vrrp_ha_rbc *t, const struct in6_addr *hoa,
                                   const uint8_t *opts, size_t len, uint64_t now_ms)
{
	struct vrrp_ha_record cur, r;
	struct vrrp_ha_key k;
	uint64_t rem;

	vrrp_ha_key_mipv6(&k, hoa);
	if (!store_lookup(t->s, &k, now_ms, &cur))
		return RBC_NOT_FOUND;
	if (len > UINT16_MAX || (len && !vrrp_ha_opts_valid(opts, len)))
		return RBC_NOMEM;
	/* the same binding, its lifetime running on (rounded up to a second) */
	rem = cur.expires_ms > now_ms ? cur.expires_ms - now_ms : 0;
	rec_mipv6(&r, hoa, &cur.u.mipv6.coa, (uint32_t)((rem + 999) / 1000), cur.u.mipv6.seq,
	          cur.u.mipv6.flags);
	if (!r.lifetime_s)
		return RBC_NOT_FOUND;
	r.opts = len ? opts : NULL;
	r.opts_len = (uint16_t)len;
	return rbc_res(store_set_local(t->s, &r, now_ms));
}

size_t rbc_opts_count(const struct vrrp_ha_rbc *t)
{
	return store_opts_entries(t->s);
}

enum rbc_result rbc_delete_local(struct vrrp_ha_rbc *t, const struct in6_addr *hoa, uint64_t now_ms)
{
	struct vrrp_ha_key k;

	vrrp_ha_key_mipv6(&k, hoa);
	return rbc_res(store_delete_local(t->s, &k, now_ms));
}

size_t rbc_flush(struct vrrp_ha_rbc *t, uint64_t now_ms)
{
	return store_flush(t->s, VRRP_HA_KIND_MIPV6, now_ms);
}

bool rbc_lookup(const struct vrrp_ha_rbc *t, const struct in6_addr *hoa, uint64_t now_ms,
                struct rbc_view *v)
{
	struct vrrp_ha_record r;
	struct vrrp_ha_key k;

	vrrp_ha_key_mipv6(&k, hoa);
	if (!store_lookup(t->s, &k, now_ms, v ? &r : NULL))
		return false;
	if (v)
		to_view(&r, v);
	return true;
}

size_t rbc_count(const struct vrrp_ha_rbc *t)
{
	return store_count(t->s, VRRP_HA_KIND_MIPV6);
}

size_t rbc_memory(const struct vrrp_ha_rbc *t)
{
	return sizeof(*t) + store_memory(t->s);
}

bool rbc_maintain(struct vrrp_ha_rbc *t, size_t budget)
{
	return store_maintain(t->s, budget);
}

struct expire_ctx {
	void (*cb)(void *arg, const struct rbc_view *v);
	void *arg;
	size_t n; /* MIPv6 bindings expired (or swept) */
	void (*other)(void *arg, const struct vrrp_ha_record *r);
};

static void on_expire(void *arg, const struct vrrp_ha_record *r)
{
	struct expire_ctx *x = arg;
	struct rbc_view v;

	if (r->key.kind != VRRP_HA_KIND_MIPV6) {
		if (x->other)
			x->other(x->arg, r);
		return;
	}
	x->n++;
	if (x->cb) {
		to_view(r, &v);
		x->cb(x->arg, &v);
	}
}

size_t rbc_expire(struct vrrp_ha_rbc *t, uint64_t now_ms, size_t max,
                  void (*cb)(void *arg, const struct rbc_view *v), void *arg)
{
	struct expire_ctx x = {cb, arg, 0, NULL};

	store_expire(t->s, now_ms, max, on_expire, &x);
	return x.n;
}

size_t rbc_expire_kinds(struct vrrp_ha_rbc *t, uint64_t now_ms, size_t max,
                        void (*cb)(void *arg, const struct rbc_view *v),
                        void (*other)(void *arg, const struct vrrp_ha_record *r), void *arg)
{
	struct expire_ctx x = {cb, arg, 0, other};

	store_expire(t->s, now_ms, max, on_expire, &x);
	return x.n;
}

uint64_t rbc_next_expiry(const struct vrrp_ha_rbc *t, uint64_t now_ms)
{
	return store_next_expiry(t->s, now_ms);
}

size_t rbc_dirty_count(const struct vrrp_ha_rbc *t)
{
	return store_dirty_count(t->s, VRRP_HA_KIND_MIPV6);
}

struct take_ctx {
	struct vrrp_ha_binding *out;
	size_t n;
	uint64_t now_ms;
};

static void on_take(void *arg, const struct vrrp_ha_record *r)
{
	struct take_ctx *x = arg;
	struct vrrp_ha_binding *b = &x->out[x->n++];

	to_wire(r, x->now_ms, b);
	if (r->created)
		b->reserved = VRRP_HA_REC_NEW;
}

size_t rbc_take_dirty(struct vrrp_ha_rbc *t, struct vrrp_ha_binding *out, size_t max,
                      uint64_t now_ms)
{
	struct take_ctx x = {out, 0, now_ms};

	store_take_dirty(t->s, VRRP_HA_KIND_MIPV6, max, now_ms, on_take, &x);
	return x.n;
}

void rbc_clear_dirty(struct vrrp_ha_rbc *t)
{
	store_clear_dirty(t->s, VRRP_HA_KIND_MIPV6);
}

typedef size_t (*store_walker)(const struct vrrp_ha_store *s, unsigned kind, uint64_t *cursor,
                               struct vrrp_ha_record *out, size_t max, uint64_t now_ms);

/* The store's MIPv6 walk (by walker), converted a batch at a time by conv. */
static size_t walk_conv(const struct vrrp_ha_rbc *t, store_walker walker, uint64_t *cursor,
                        size_t max, uint64_t now_ms,
                        void (*conv)(void *out, size_t i, const struct vrrp_ha_record *r,
                                     uint64_t now_ms),
                        void *out)
{
	struct vrrp_ha_record r[WALK_BATCH];
	size_t n = 0, k, i;

	while (n < max) {
		k = walker(t->s, VRRP_HA_KIND_MIPV6, cursor, r,
		           max - n < WALK_BATCH ? max - n : WALK_BATCH, now_ms);
		if (k == 0)
			break;
		for (i = 0; i < k; i++)
			conv(out, n + i, &r[i], now_ms);
		n += k;
	}
	return n;
}

static void conv_wire(void *out, size_t i, const struct vrrp_ha_record *r, uint64_t now_ms)
{
	to_wire(r, now_ms, (struct vrrp_ha_binding *)out + i);
}

static void conv_view(void *out, size_t i, const struct vrrp_ha_record *r, uint64_t now_ms)
{
	(void)now_ms;
	to_view(r, (struct rbc_view *)out + i);
}

size_t rbc_walk(const struct vrrp_ha_rbc *t, uint64_t *cursor, struct vrrp_ha_binding *out,
                size_t max, uint64_t now_ms)
{
	return walk_conv(t, store_walk, cursor, max, now_ms, conv_wire, out);
}

size_t rbc_walk_view(const struct vrrp_ha_rbc *t, uint64_t *cursor, struct rbc_view *out,
                     size_t max, uint64_t now_ms)
{
	return walk_conv(t, store_walk, cursor, max, now_ms, conv_view, out);
}

size_t rbc_walk_all(const struct vrrp_ha_rbc *t, uint64_t *cursor, struct vrrp_ha_binding *out,
                    size_t max, uint64_t now_ms)
{
	return walk_conv(t, store_walk_all, cursor, max, now_ms, conv_wire, out);
}

/* ---- digests and marks ---------------------------------------------------- */

uint32_t rbc_bucket_of(const struct in6_addr *hoa)
{
	struct vrrp_ha_key k;

	vrrp_ha_key_mipv6(&k, hoa);
	return store_bucket_of(&k);
}

void rbc_digest_bucket(const struct vrrp_ha_rbc *t, uint32_t b, uint32_t *count, uint64_t *sum)
{
	store_digest_bucket(t->s, VRRP_HA_KIND_MIPV6, b, count, sum);
}

void rbc_digest_group(const struct vrrp_ha_rbc *t, uint32_t g, uint32_t *count, uint64_t *sum)
{
	store_digest_group(t->s, VRRP_HA_KIND_MIPV6, g, count, sum);
}

void rbc_digest_total(const struct vrrp_ha_rbc *t, uint32_t *count, uint64_t *sum)
{
	store_digest_total(t->s, VRRP_HA_KIND_MIPV6, count, sum);
}

uint32_t rbc_mark_begin(struct vrrp_ha_rbc *t, const uint64_t *bitmap)
{
	return store_mark_begin(t->s, VRRP_HA_KIND_MIPV6, bitmap);
}

bool rbc_mark(struct vrrp_ha_rbc *t, const struct in6_addr *hoa, uint64_t now_ms)
{
	struct vrrp_ha_key k;

	vrrp_ha_key_mipv6(&k, hoa);
	return store_mark(t->s, &k, now_ms);
}

void rbc_marked_bucket(const struct vrrp_ha_rbc *t, uint32_t b, uint32_t *count, uint64_t *sum)
{
	store_marked_bucket(t->s, VRRP_HA_KIND_MIPV6, b, count, sum);
}

size_t rbc_sweep_step(struct vrrp_ha_rbc *t, const uint64_t *bitmap, uint64_t *cursor,
                      size_t budget, uint64_t now_ms,
                      void (*cb)(void *arg, const struct rbc_view *v), void *arg)
{
	struct expire_ctx x = {cb, arg, 0, NULL};

	store_sweep_step(t->s, VRRP_HA_KIND_MIPV6, bitmap, cursor, budget, now_ms, on_expire, &x);
	return x.n;
}

size_t rbc_sweep(struct vrrp_ha_rbc *t, const uint64_t *bitmap, uint64_t now_ms,
                 void (*cb)(void *arg, const struct rbc_view *v), void *arg)
{
	uint64_t cursor = 0;

	return rbc_sweep_step(t, bitmap, &cursor, 0, now_ms, cb, arg);
}
