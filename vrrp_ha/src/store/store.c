/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * store.c - the binding store (store.h): entry states, the per-kind rules
 * and the API. The pieces it is built of are slab.c (slab, expiry heap),
 * index.c (hash index, incremental resize) and btree.c (ordered index);
 * docs/store.md draws them.
 *
 * Digests (digest.c) follow every change of the set of LIVE entries or of
 * a LIVE entry's content: st_dg_enter / st_dg_change / st_dg_leave below.
 *
 * Entry states:
 *   FREE  on the free list only.
 *   LIVE  in index, ordered index and heap. Once its deadline has passed it
 *         is treated as absent even before store_expire() removes it.
 *   TOMB  in index; in the heap until its release time, after which it is
 *         only kept (out of the heap) while it waits on the dirty queue so
 *         the delete still goes out. No options.
 *   DEAD  a LIVE entry that expired while queued: only on the queue,
 *         freed when the queue reaches it (a singly linked FIFO cannot
 *         unlink from the middle).
 */
#include <stdlib.h>

#include "store_int.h"

static inline uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* ---- per-kind rules ------------------------------------------------------ */

/* RFC 1982 3.2, SERIAL_BITS = 16; distance 2^15 is never newer. */
static int serial16_cmp(uint16_t a, uint16_t b)
{
	uint16_t d = (uint16_t)(a - b);

	if (d == 0)
		return 0;
	return d < 0x8000 ? 1 : -1;
}

static int mipv6_cmp(const union vrrp_ha_fixed *have, const union vrrp_ha_fixed *r)
{
	return serial16_cmp(r->mipv6.seq, have->mipv6.seq);
}

static bool mipv6_same(const union vrrp_ha_fixed *a, const union vrrp_ha_fixed *b)
{
	return a->mipv6.seq == b->mipv6.seq && a->mipv6.flags == b->mipv6.flags &&
	       memcmp(&a->mipv6.coa, &b->mipv6.coa, sizeof(a->mipv6.coa)) == 0;
}

static void mipv6_version(union vrrp_ha_fixed *have, const union vrrp_ha_fixed *r)
{
	have->mipv6.seq = r->mipv6.seq;
}

/* RFC 5213 5.5: a PBU is accepted if its timestamp is newer than the
 * entry's; 48.16 fixed point compares as a plain u64. */
static int pmipv6_cmp(const union vrrp_ha_fixed *have, const union vrrp_ha_fixed *r)
{
	if (r->pmipv6.timestamp == have->pmipv6.timestamp)
		return 0;
	return r->pmipv6.timestamp > have->pmipv6.timestamp ? 1 : -1;
}

static bool pmipv6_same(const union vrrp_ha_fixed *a, const union vrrp_ha_fixed *b)
{
	return a->pmipv6.timestamp == b->pmipv6.timestamp &&
	       a->pmipv6.tunnel_id == b->pmipv6.tunnel_id && a->pmipv6.flags == b->pmipv6.flags &&
	       a->pmipv6.att == b->pmipv6.att &&
	       memcmp(&a->pmipv6.pcoa, &b->pmipv6.pcoa, sizeof(a->pmipv6.pcoa)) == 0;
}

static void pmipv6_version(union vrrp_ha_fixed *have, const union vrrp_ha_fixed *r)
{
	have->pmipv6.timestamp = r->pmipv6.timestamp;
}

static int attach_cmp(const union vrrp_ha_fixed *have, const union vrrp_ha_fixed *r)
{
	return vrrp_ha_serial32_cmp(r->attach.version, have->attach.version);
}

static bool attach_same(const union vrrp_ha_fixed *a, const union vrrp_ha_fixed *b)
{
	return a->attach.version == b->attach.version;
}

static void attach_version(union vrrp_ha_fixed *have, const union vrrp_ha_fixed *r)
{
	have->attach.version = r->attach.version;
}

struct kind_ops {
	/* >0: r is newer than have, 0: the same version, <0: older */
	int (*cmp)(const union vrrp_ha_fixed *have, const union vrrp_ha_fixed *r);
	/* every field of the fixed part equal */
	bool (*same)(const union vrrp_ha_fixed *a, const union vrrp_ha_fixed *b);
	/* a tombstone takes the deleting record's version */
	void (*take_version)(union vrrp_ha_fixed *have, const union vrrp_ha_fixed *r);
	uint16_t key_min, key_max; /* key lengths (record.h layouts) */
};

static const struct kind_ops kinds[VRRP_HA_KIND_MAX + 1] = {
        [VRRP_HA_KIND_MIPV6] = {mipv6_cmp, mipv6_same, mipv6_version, 16, 16},
        [VRRP_HA_KIND_PMIPV6] = {pmipv6_cmp, pmipv6_same, pmipv6_version, 19,
                                 VRRP_HA_PMIPV6_KEY_MAX},
        [VRRP_HA_KIND_ATTACH] = {attach_cmp, attach_same, attach_version, 18, VRRP_HA_KEY_MAX},
};

static bool kind_ok(unsigned kind)
{
	return kind >= 1 && kind <= VRRP_HA_KIND_MAX;
}

static bool key_ok(const struct vrrp_ha_key *k)
{
	return kind_ok(k->kind) && k->len >= kinds[k->kind].key_min &&
	       k->len <= kinds[k->kind].key_max && vrrp_ha_key_valid(k);
}

static bool rec_ok(const struct vrrp_ha_record *r)
{
	return key_ok(&r->key) && (r->opts_len == 0 || vrrp_ha_opts_valid(r->opts, r->opts_len));
}

/* ---- small helpers ---------------------------------------------------------- */

static inline bool ent_is_live(const struct st_entry *e, uint64_t now_ms)
{
	return e->state == ST_LIVE && e->expires_ms > now_ms;
}

/* A tombstone still remembered (it refuses versions not newer than its own). */
static inline bool ent_is_tomb(const struct st_entry *e, uint64_t now_ms)
{
	return e->state == ST_TOMB && e->heap_pos != NONE && e->expires_ms > now_ms;
}

static void to_record(const struct st_entry *e, uint64_t now_ms, struct vrrp_ha_record *r)
{
	memset(r, 0, sizeof(*r));
	ent_key_of(e, &r->key);
	r->u = e->f;
	if (e->state == ST_LIVE) {
		uint64_t rem = e->expires_ms > now_ms ? e->expires_ms - now_ms : 0;
		uint64_t sec = rem / 1000 + (rem % 1000 != 0);

		r->lifetime_s = sec > UINT32_MAX ? UINT32_MAX : (uint32_t)sec;
		r->expires_ms = e->expires_ms;
		r->granted_s = e->granted_s;
		r->opts = e->opts;
		r->opts_len = e->opts_len;
	}
}

static bool opts_same(const struct st_entry *e, const struct vrrp_ha_record *r)
{
	return e->opts_len == r->opts_len &&
	       (r->opts_len == 0 || memcmp(e->opts, r->opts, r->opts_len) == 0);
}

/* The option list entry e (may be NULL) should hold for r: *keep if it
 * already holds it, else *buf a fresh copy (NULL when r has none). Done
 * before any change, so a failure changes nothing. Returns: 0 or -1. */
static int opts_prepare(const struct st_entry *e, const struct vrrp_ha_record *r, uint8_t **buf,
                        bool *keep)
{
	*buf = NULL;
	*keep = e && opts_same(e, r);
	if (*keep || r->opts_len == 0)
		return 0;
	*buf = malloc(r->opts_len);
	if (!*buf)
		return -1;
	memcpy(*buf, r->opts, r->opts_len);
	return 0;
}

static void opts_install(struct vrrp_ha_store *s, struct st_entry *e, uint8_t *buf, uint16_t len)
{
	if (e->opts) {
		free(e->opts);
		s->ext_bytes -= (size_t)e->opts_len + EXT_OVERHEAD;
		s->opts_entries--;
	}
	e->opts = buf;
	e->opts_len = buf ? len : 0;
	if (buf) {
		s->ext_bytes += (size_t)len + EXT_OVERHEAD;
		s->opts_entries++;
	}
}

/* ---- dirty queues ------------------------------------------------------------- */

static void q_push(struct vrrp_ha_store *s, uint32_t idx)
{
	struct st_entry *e = ent_at(s, idx);
	struct dirty_q *q = &s->q[e->kind];

	if (e->queued)
		return; /* coalesce: it keeps its place, the newest state is sent */
	e->queued = 1;
	e->link = NONE;
	if (q->tail == NONE)
		q->head = idx;
	else
		ent_at(s, q->tail)->link = idx;
	q->tail = idx;
	q->n++;
}

static uint32_t q_pop(struct vrrp_ha_store *s, struct dirty_q *q)
{
	uint32_t idx = q->head;
	struct st_entry *e = ent_at(s, idx);

	q->head = e->link;
	if (q->head == NONE)
		q->tail = NONE;
	e->link = NONE;
	e->queued = 0;
	e->fresh = 0; /* only the first record after the creation says "new" */
	if (e->state != ST_DEAD)
		q->n--;
	return idx;
}

/* After a pop: entries that only stayed for the queue are freed now. */
static void q_drop_leftover(struct vrrp_ha_store *s, uint32_t idx)
{
	struct st_entry *e = ent_at(s, idx);

	if (e->state == ST_DEAD) {
		st_ent_release(s, idx);
	} else if (e->state == ST_TOMB && e->heap_pos == NONE) {
		/* released tombstone kept only so its delete went out */
		st_idx_remove(s, idx);
		st_ent_release(s, idx);
	}
}

/* ---- state changes ---------------------------------------------------------------- */

/* Entry idx (in the index, LIVE or TOMB) becomes a binding with r's fixed
 * part and options and deadline expires_ms. Returns: 0, or -1 if the
 * options could not be copied (nothing changed). */
static int ent_make_live(struct vrrp_ha_store *s, uint32_t idx, const struct vrrp_ha_record *r,
                         uint64_t expires_ms)
{
	struct st_entry *e = ent_at(s, idx);
	uint8_t *buf;
	bool keep;

	/* the ordered index's nodes first: nothing has changed yet */
	if ((e->state != ST_LIVE && st_ord_reserve(s)) || opts_prepare(e, r, &buf, &keep))
		return -1;
	if (e->state != ST_LIVE) {
		if (st_dg_enter(s, idx, r)) {
			free(buf);
			return -1;
		}
		s->live_n[e->kind]++;
		s->live_n[0]++;
		e->state = ST_LIVE;
		st_ord_insert(s, idx);
	} else if (!keep || !kinds[e->kind].same(&e->f, &r->u)) {
		st_dg_change(s, idx, r);
	}
	e->f = r->u;
	e->granted_s = r->lifetime_s;
	if (!keep)
		opts_install(s, e, buf, r->opts_len);
	st_heap_schedule(s, idx, expires_ms);
	q_push(s, idx);
	return 0;
}

/* A new live entry for r (hash hv), its key known absent.
 * Returns: its index, or NONE on allocation failure (nothing changed). */
static uint32_t ent_create(struct vrrp_ha_store *s, const struct vrrp_ha_record *r, uint32_t hv,
                           uint64_t expires_ms)
{
	const struct vrrp_ha_key *k = &r->key;
	uint8_t *ext = NULL;
	struct st_entry *e;
	uint32_t idx;

	if (st_ent_reserve(s) || st_idx_reserve(s))
		return NONE;
	if (k->len > KEY_INLINE) {
		ext = malloc(k->len);
		if (!ext)
			return NONE;
		memcpy(ext, k->bytes, k->len);
	}
	idx = st_ent_alloc(s);
	e = ent_at(s, idx);
	e->kind = k->kind;
	e->key_len = k->len;
	e->state = ST_TOMB; /* ent_make_live() counts it live */
	if (ext) {
		e->key.ext = ext;
		s->ext_bytes += (size_t)k->len + EXT_OVERHEAD;
	} else {
		memcpy(e->key.inl, k->bytes, k->len);
	}
	if (ent_make_live(s, idx, r, expires_ms)) {
		st_ent_release(s, idx); /* in nothing yet */
		return NONE;
	}
	st_idx_insert(s, idx, hv);
	return idx;
}

/* LIVE entry idx becomes a tombstone, remembering ver's version (NULL: its
 * own); queue: the delete is queued so peers hear it. */
static void ent_tomb(struct vrrp_ha_store *s, uint32_t idx, const union vrrp_ha_fixed *ver,
                     uint64_t now_ms, bool queue)
{
	struct st_entry *e = ent_at(s, idx);

	st_dg_leave(s, idx);
	if (ver)
		kinds[e->kind].take_version(&e->f, ver);
	e->state = ST_TOMB;
	e->fresh = 0; /* a delete never says "created" */
	s->live_n[e->kind]--;
	s->live_n[0]--;
	st_ord_remove(s, idx);
	opts_install(s, e, NULL, 0);
	st_heap_schedule(s, idx, add_sat(now_ms, s->tombstone_ms));
	if (queue)
		q_push(s, idx);
}

static void ent_make_tomb(struct vrrp_ha_store *s, uint32_t idx, const union vrrp_ha_fixed *ver,
                          uint64_t now_ms)
{
	ent_tomb(s, idx, ver, now_ms, true);
}

void st_sweep_one(struct vrrp_ha_store *s, uint32_t idx, uint64_t now_ms, store_rec_cb cb,
                  void *arg)
{
	if (cb) {
		struct vrrp_ha_record r;

		to_record(ent_at(s, idx), now_ms, &r);
		cb(arg, &r);
	}
	ent_tomb(s, idx, NULL, now_ms, false);
}

/* ---- API ---------------------------------------------------------------------------- */

struct vrrp_ha_store *store_new(size_t size_hint, uint32_t tombstone_ms)
{
	struct vrrp_ha_store *s;
	uint64_t slots = MIN_SLOTS;
	uint32_t cap;
	unsigned k;

	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	cap = size_hint < MIN_ENTRIES   ? MIN_ENTRIES
	      : size_hint > MAX_ENTRIES ? MAX_ENTRIES
	                                : (uint32_t)size_hint;
	while (slots * LOAD_NUM < (uint64_t)cap * LOAD_DEN)
		slots *= 2;
	s->tombstone_ms = tombstone_ms;
	s->free_head = NONE;
	for (k = 0; k <= VRRP_HA_KIND_MAX; k++)
		s->q[k].head = s->q[k].tail = NONE;
	st_seed(s);
	if (st_ch_reserve(&s->ent, sizeof(struct st_entry), ENT_SHIFT, cap) ||
	    st_ch_reserve(&s->heap, sizeof(uint32_t), HEAP_SHIFT, cap) || st_idx_init(s, slots) ||
	    st_dg_init(s, size_hint)) {
		store_free(s);
		return NULL;
	}
	return s;
}

void store_free(struct vrrp_ha_store *s)
{
	uint32_t i;

	if (!s)
		return;
	for (i = 0; i < s->ent_hw; i++) {
		struct st_entry *e = ent_at(s, i);

		if (e->state != ST_FREE) {
			if (e->key_len > KEY_INLINE)
				free(e->key.ext);
			free(e->opts);
		}
	}
	st_ch_free(&s->ent);
	st_ch_free(&s->heap);
	st_idx_free(s);
	st_dg_free(s);
	st_ord_free(s);
	free(s);
}

/* store_apply(); sync: store_apply_sync(), *over set when the record was
 * taken although store_apply() would have found it stale. */
static enum store_result apply_rec(struct vrrp_ha_store *s, const struct vrrp_ha_record *r,
                                   uint64_t now_ms, bool sync, bool *over)
{
	uint64_t expires = add_sat(now_ms, (uint64_t)r->lifetime_s * 1000);
	/* the sender's authoritative table created this binding: it replaces
	 * whatever is remembered here, whatever the versions (never a delete) */
	bool supersede = r->lifetime_s != 0 && r->created;
	const struct kind_ops *ops;
	struct st_entry *e;
	uint32_t idx, hv;

	*over = false;
	if (!rec_ok(r))
		return STORE_INVALID;
	ops = &kinds[r->key.kind];
	hv = st_hash(s, &r->key);
	st_idx_work(s, MIG_STEP);
	idx = st_idx_find(s, &r->key, hv);
	if (idx == NONE) {
		if (r->lifetime_s == 0)
			return STORE_NOT_FOUND;
		return ent_create(s, r, hv, expires) == NONE ? STORE_NOMEM : STORE_ADDED;
	}
	e = ent_at(s, idx);
	if (ent_is_live(e, now_ms)) {
		enum store_result res;
		bool older = ops->cmp(&e->f, &r->u) < 0 && !supersede;

		if (older && !sync)
			return STORE_STALE;
		if (r->lifetime_s == 0) {
			/* RFC 6275 10.3.2, RFC 5213 5.3.5: lifetime 0 de-registers */
			ent_make_tomb(s, idx, &r->u, now_ms);
			*over = older;
			return STORE_DELETED;
		}
		res = ops->same(&e->f, &r->u) && opts_same(e, r) ? STORE_REFRESHED : STORE_UPDATED;
		/* refreshes are queued too: the lifetime is news */
		if (ent_make_live(s, idx, r, expires))
			return STORE_NOMEM;
		*over = older;
		return res;
	}
	if (ent_is_tomb(e, now_ms)) {
		/* only a strictly newer version may bring a deleted key back,
		 * or a creation by the owner of the truth */
		bool older = ops->cmp(&e->f, &r->u) <= 0 && !supersede;

		if (older && !sync)
			return STORE_STALE;
		if (r->lifetime_s == 0) {
			/* a newer delete of what is already deleted: remember
			 * the newer version, nothing to tell (a sync's older
			 * delete leaves the tombstone as it is) */
			if (!older) {
				ops->take_version(&e->f, &r->u);
				st_heap_schedule(s, idx, add_sat(now_ms, s->tombstone_ms));
			}
			return STORE_NOT_FOUND;
		}
		if (ent_make_live(s, idx, r, expires))
			return STORE_NOMEM;
		*over = older;
		return STORE_ADDED;
	}
	/* an expired binding or a released tombstone: absent */
	if (r->lifetime_s == 0)
		return STORE_NOT_FOUND;
	if (ent_make_live(s, idx, r, expires))
		return STORE_NOMEM;
	e->fresh = 0; /* created from a record: not the truth */
	return STORE_ADDED;
}

enum store_result store_apply(struct vrrp_ha_store *s, const struct vrrp_ha_record *r,
                              uint64_t now_ms)
{
	bool over;

	return apply_rec(s, r, now_ms, false, &over);
}

enum store_result store_apply_sync(struct vrrp_ha_store *s, const struct vrrp_ha_record *r,
                                   uint64_t now_ms, bool *overrode)
{
	bool over;
	enum store_result res = apply_rec(s, r, now_ms, true, &over);

	if (overrode)
		*overrode = over;
	return res;
}

enum store_result store_set_local(struct vrrp_ha_store *s, const struct vrrp_ha_record *r,
                                  uint64_t now_ms)
{
	uint64_t expires = add_sat(now_ms, (uint64_t)r->lifetime_s * 1000);
	enum store_result res = STORE_ADDED;
	uint32_t idx, hv;

	if (!rec_ok(r))
		return STORE_INVALID;
	/* A zero lifetime is a de-registration (RFC 6275 10.3.2). */
	if (r->lifetime_s == 0)
		return store_delete_local(s, &r->key, now_ms);
	st_idx_work(s, MIG_STEP);
	hv = st_hash(s, &r->key);
	idx = st_idx_find(s, &r->key, hv);
	if (idx != NONE) {
		struct st_entry *e = ent_at(s, idx);

		if (ent_is_live(e, now_ms))
			res = kinds[e->kind].same(&e->f, &r->u) && opts_same(e, r) ? STORE_REFRESHED
			                                                           : STORE_UPDATED;
		/* authoritative: a tombstone is overridden whatever its version */
		if (ent_make_live(s, idx, r, expires))
			return STORE_NOMEM;
		/* (re)created here: peers may remember the key with a newer
		 * version, the next record tells them to take this one */
		if (res == STORE_ADDED)
			e->fresh = 1;
		return res;
	}
	idx = ent_create(s, r, hv, expires);
	if (idx == NONE)
		return STORE_NOMEM;
	ent_at(s, idx)->fresh = 1;
	return STORE_ADDED;
}

enum store_result store_delete_local(struct vrrp_ha_store *s, const struct vrrp_ha_key *k,
                                     uint64_t now_ms)
{
	uint32_t idx;

	if (!key_ok(k))
		return STORE_NOT_FOUND;
	st_idx_work(s, MIG_STEP);
	idx = st_idx_find(s, k, st_hash(s, k));
	if (idx == NONE || !ent_is_live(ent_at(s, idx), now_ms))
		return STORE_NOT_FOUND;
	/* the tombstone keeps the entry's own version: peers holding it
	 * accept the delete (equal), replays of the add are refused */
	ent_make_tomb(s, idx, NULL, now_ms);
	return STORE_DELETED;
}

size_t store_flush(struct vrrp_ha_store *s, unsigned kind, uint64_t now_ms)
{
	size_t n = 0;
	uint32_t i;

	st_idx_work(s, MIG_STEP);
	/* Lifetimes that ran out are deleted as well, so no entry of kind is
	 * left whether or not store_expire() ran. */
	for (i = 0; i < s->ent_hw; i++) {
		const struct st_entry *e = ent_at(s, i);

		if (e->state != ST_LIVE || (kind && e->kind != kind))
			continue;
		ent_make_tomb(s, i, NULL, now_ms);
		n++;
	}
	return n;
}

bool store_lookup(const struct vrrp_ha_store *s, const struct vrrp_ha_key *k, uint64_t now_ms,
                  struct vrrp_ha_record *out)
{
	uint32_t idx;

	if (!kind_ok(k->kind) || !k->bytes)
		return false;
	idx = st_idx_find(s, k, st_hash(s, k));
	if (idx == NONE || !ent_is_live(ent_at(s, idx), now_ms))
		return false;
	if (out)
		to_record(ent_at(s, idx), now_ms, out);
	return true;
}

void store_set_ordered(struct vrrp_ha_store *s, bool on)
{
	if (on == s->ordered)
		return;
	st_ord_free(s);
	s->ordered = on;
	if (!on)
		return;
	/* every LIVE entry into the index; out of memory: stay unordered */
	for (uint32_t i = 0; i < s->ent_hw; i++) {
		if (ent_at(s, i)->state != ST_LIVE)
			continue;
		if (st_ord_reserve(s)) {
			st_ord_free(s);
			s->ordered = false;
			return;
		}
		st_ord_insert(s, i);
	}
}

bool store_is_ordered(const struct vrrp_ha_store *s)
{
	return s->ordered;
}

/* Without the ordered index: one pass over the slab (O(n)). */
static bool next_by_scan(const struct vrrp_ha_store *s, const struct vrrp_ha_key *after,
                         uint64_t now_ms, struct vrrp_ha_record *out)
{
	const struct st_entry *best = NULL;
	struct vrrp_ha_key kb;

	for (uint32_t i = 0; i < s->ent_hw; i++) {
		const struct st_entry *e = ent_at(s, i);

		if (!ent_is_live(e, now_ms) || (after && key_cmp_ent(after, e) >= 0))
			continue;
		if (best) {
			ent_key_of(best, &kb);
			if (key_cmp_ent(&kb, e) < 0)
				continue;
		}
		best = e;
	}
	if (best && out)
		to_record(best, now_ms, out);
	return best != NULL;
}

bool store_lookup_next(const struct vrrp_ha_store *s, const struct vrrp_ha_key *after,
                       uint64_t now_ms, struct vrrp_ha_record *out)
{
	struct vrrp_ha_key k;

	if (!s->ordered)
		return next_by_scan(s, after, now_ms, out);

	/* the tree holds LIVE entries only; pass over those run out */
	for (;;) {
		uint32_t idx = st_ord_next(s, after);
		const struct st_entry *e;

		if (idx == NONE)
			return false;
		e = ent_at(s, idx);
		if (e->expires_ms > now_ms) {
			if (out)
				to_record(e, now_ms, out);
			return true;
		}
		ent_key_of(e, &k);
		after = &k;
	}
}

size_t store_count(const struct vrrp_ha_store *s, unsigned kind)
{
	return kind <= VRRP_HA_KIND_MAX ? s->live_n[kind] : 0;
}

size_t store_opts_entries(const struct vrrp_ha_store *s)
{
	return s->opts_entries;
}

size_t store_memory(const struct vrrp_ha_store *s)
{
	return sizeof(*s) + st_ch_memory(&s->ent, sizeof(struct st_entry)) +
	       st_ch_memory(&s->heap, sizeof(uint32_t)) + st_idx_memory(s) + st_ord_memory(s) +
	       s->ext_bytes + st_dg_memory(s);
}

bool store_maintain(struct vrrp_ha_store *s, size_t budget)
{
	return st_idx_work(s, budget > UINT32_MAX ? UINT32_MAX : (uint32_t)budget);
}

size_t store_expire(struct vrrp_ha_store *s, uint64_t now_ms, size_t max, store_rec_cb cb,
                    void *arg)
{
	size_t examined = 0, expired = 0;

	st_idx_work(s, MIG_STEP);
	while (s->heap_n > 0 && (max == 0 || examined < max)) {
		uint32_t idx = st_heap_top(s);
		struct st_entry *e = ent_at(s, idx);

		if (e->expires_ms > now_ms)
			break;
		examined++;
		st_heap_remove(s, idx);
		if (e->state == ST_LIVE) {
			if (cb) {
				struct vrrp_ha_record r;

				to_record(e, now_ms, &r);
				cb(arg, &r);
				/* cb should not change the store; if it did
				 * and revived or deleted this entry, leave it */
				e = ent_at(s, idx);
				if (e->state != ST_LIVE || e->heap_pos != NONE)
					continue;
			}
			st_dg_leave(s, idx);
			s->live_n[e->kind]--;
			s->live_n[0]--;
			expired++;
			st_idx_remove(s, idx);
			st_ord_remove(s, idx);
			if (e->queued) {
				/* not sent: every peer counts the same
				 * lifetime down; freed when popped */
				e->state = ST_DEAD;
				s->q[e->kind].n--;
			} else {
				st_ent_release(s, idx);
			}
		} else if (!e->queued) {
			/* tombstone released */
			st_idx_remove(s, idx);
			st_ent_release(s, idx);
		}
		/* else a released tombstone still waiting to be sent: it
		 * stays (out of the heap) until it is taken */
	}
	return expired;
}

uint64_t store_next_expiry(const struct vrrp_ha_store *s, uint64_t now_ms)
{
	uint64_t at;

	if (s->heap_n == 0)
		return UINT64_MAX;
	at = ent_at(s, st_heap_top(s))->expires_ms;
	return at > now_ms ? at - now_ms : 0;
}

size_t store_dirty_count(const struct vrrp_ha_store *s, unsigned kind)
{
	size_t n = 0;
	unsigned k;

	if (kind)
		return kind_ok(kind) ? s->q[kind].n : 0;
	for (k = 1; k <= VRRP_HA_KIND_MAX; k++)
		n += s->q[k].n;
	return n;
}

size_t store_take_dirty(struct vrrp_ha_store *s, unsigned kind, size_t max, uint64_t now_ms,
                        store_rec_cb cb, void *arg)
{
	struct dirty_q *q;
	size_t n = 0;

	if (!kind_ok(kind))
		return 0;
	q = &s->q[kind];
	st_idx_work(s, MIG_STEP);
	while (n < max && q->head != NONE) {
		bool fresh = ent_at(s, q->head)->fresh;
		uint32_t idx = q_pop(s, q);
		const struct st_entry *e = ent_at(s, idx);

		if (e->state == ST_LIVE && e->expires_ms <= now_ms)
			continue; /* ran out before it was sent: nothing to say */
		if (e->state == ST_LIVE || e->state == ST_TOMB) {
			struct vrrp_ha_record r;

			to_record(e, now_ms, &r);
			r.created = fresh && e->state == ST_LIVE;
			if (cb)
				cb(arg, &r);
			n++;
		}
		q_drop_leftover(s, idx);
	}
	return n;
}

void store_clear_dirty(struct vrrp_ha_store *s, unsigned kind)
{
	unsigned k;

	st_idx_work(s, MIG_STEP);
	for (k = 1; k <= VRRP_HA_KIND_MAX; k++) {
		if (kind && k != kind)
			continue;
		while (s->q[k].head != NONE)
			q_drop_leftover(s, q_pop(s, &s->q[k]));
	}
}

/* store_walk(); tombs: store_walk_all(). */
static size_t walk(const struct vrrp_ha_store *s, unsigned kind, uint64_t *cursor,
                   struct vrrp_ha_record *out, size_t max, uint64_t now_ms, bool tombs)
{
	uint64_t i = *cursor;
	size_t n = 0;

	/* Slab order: an entry's index never changes while it exists. */
	for (; i < s->ent_hw && n < max; i++) {
		const struct st_entry *e = ent_at(s, (uint32_t)i);

		if ((ent_is_live(e, now_ms) || (tombs && ent_is_tomb(e, now_ms))) &&
		    (!kind || e->kind == kind))
			to_record(e, now_ms, &out[n++]);
	}
	if (i > *cursor)
		*cursor = i;
	return n;
}

size_t store_walk(const struct vrrp_ha_store *s, unsigned kind, uint64_t *cursor,
                  struct vrrp_ha_record *out, size_t max, uint64_t now_ms)
{
	return walk(s, kind, cursor, out, max, now_ms, false);
}

size_t store_walk_all(const struct vrrp_ha_store *s, unsigned kind, uint64_t *cursor,
                      struct vrrp_ha_record *out, size_t max, uint64_t now_ms)
{
	return walk(s, kind, cursor, out, max, now_ms, true);
}
