/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * index.c - the store's hash index: open addressing with linear probing,
 * power-of-two size, load at most 5/8, deletion by backward shift (no
 * tombstone slots). A slot holds a slab index and the key's 32-bit hash,
 * so probes past other keys, shifts and moves never touch the slab or
 * rehash. Keys are hashed with SipHash-1-3 under a per-store random key
 * (with the kind folded into it), so a host on the link cannot cheaply
 * send keys that all land in one probe run. Slots live in 64 KiB segments.
 *
 * Growth is incremental (this runs inside keepalived's event loop): past
 * 5/8 a twice as big index is started; every changing call then does a
 * bounded step (st_idx_work): first allocating the new index a segment a
 * step while inserts still go to the current one, then switching and
 * draining the old index into it, MIG_STEP old slots a step, releasing
 * each old segment once drained. While draining, lookups try the new
 * index, then the old. If memory for the new index is not there, the
 * current one takes keys up to 7/8 and growth is retried.
 */
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

#include "store_int.h"

/* ---- SipHash-1-3 (Aumasson & Bernstein) ---------------------------------- */

static inline uint64_t rotl64(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

static inline uint64_t load_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline void sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = rotl64(v[1], 13);
	v[1] ^= v[0];
	v[0] = rotl64(v[0], 32);
	v[2] += v[3];
	v[3] = rotl64(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = rotl64(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = rotl64(v[1], 17);
	v[1] ^= v[2];
	v[2] = rotl64(v[2], 32);
}

static inline void sip_block(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	sip_round(v);
	v[0] ^= m;
}

uint64_t st_siphash13(uint64_t k0, uint64_t k1, const uint8_t *m, size_t len)
{
	uint64_t v[4] = {
	        k0 ^ UINT64_C(0x736f6d6570736575),
	        k1 ^ UINT64_C(0x646f72616e646f6d),
	        k0 ^ UINT64_C(0x6c7967656e657261),
	        k1 ^ UINT64_C(0x7465646279746573),
	};
	size_t i, end = len & ~(size_t)7;
	uint64_t last = (uint64_t)(len & 0xff) << 56;

	for (i = 0; i < end; i += 8)
		sip_block(v, load_le64(m + i));
	for (i = 0; i < (len & 7); i++)
		last |= (uint64_t)m[end + i] << (8 * i);
	sip_block(v, last);
	v[2] ^= 0xff;
	sip_round(v);
	sip_round(v);
	sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

uint32_t st_hash(const struct vrrp_ha_store *s, const struct vrrp_ha_key *k)
{
	/* one key per kind: equal bytes of two kinds hash apart */
	return (uint32_t)st_siphash13(s->key[0] ^
	                                      ((uint64_t)k->kind * UINT64_C(0x9e3779b97f4a7c15)),
	                              s->key[1], k->bytes, k->len);
}

static uint32_t hash_ent(const struct vrrp_ha_store *s, const struct st_entry *e)
{
	struct vrrp_ha_key k;

	ent_key_of(e, &k);
	return st_hash(s, &k);
}

static uint64_t mix64(uint64_t z)
{
	z += UINT64_C(0x9e3779b97f4a7c15);
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

void st_seed(struct vrrp_ha_store *s)
{
	struct timespec ts;

	if (getrandom(s->key, sizeof(s->key), GRND_NONBLOCK) == (ssize_t)sizeof(s->key))
		return;
	/* No entropy yet (early boot): still differ per store and per run,
	 * which is what defeats precomputed collisions. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	s->key[0] = mix64((uint64_t)(uintptr_t)s ^ (uint64_t)ts.tv_nsec);
	s->key[1] = mix64(s->key[0] ^ (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)&ts);
}

/* ---- one index ---------------------------------------------------------------- */

static inline bool over_load(uint64_t n, const struct index *x, unsigned num)
{
	return n * LOAD_DEN > ((uint64_t)x->mask + 1) * num;
}

/* Returns: slot pos of x, or NULL if its segment is gone (an old index
 * releases drained segments; everything in them was empty). */
static inline struct slot *ix_at(const struct index *x, uint32_t pos)
{
	struct slot *sg = x->seg[pos >> x->shift];

	return sg ? &sg[pos & ((UINT32_C(1) << x->shift) - 1)] : NULL;
}

static uint32_t ix_find(const struct vrrp_ha_store *s, const struct index *x,
                        const struct vrrp_ha_key *k, uint32_t hv)
{
	uint32_t pos = hv & x->mask;

	for (;;) {
		const struct slot *sl = ix_at(x, pos);

		if (!sl || sl->idx == NONE)
			return NONE;
		if (sl->hv == hv && key_eq_ent(k, ent_at(s, sl->idx)))
			return sl->idx;
		pos = (pos + 1) & x->mask;
	}
}

/* Insert into x (key known absent, room known, all segments there). */
static void ix_put(struct index *x, uint32_t idx, uint32_t hv)
{
	uint32_t pos = hv & x->mask;
	struct slot *sl;

	while ((sl = ix_at(x, pos))->idx != NONE)
		pos = (pos + 1) & x->mask;
	sl->idx = idx;
	sl->hv = hv;
	x->n++;
}

/* Remove idx (hash hv) from x by backward shift: every later member of the
 * probe run that may move closer to home does so. Returns: false if idx
 * is not in x. */
static bool ix_remove(struct index *x, uint32_t idx, uint32_t hv)
{
	uint32_t mask = x->mask, hole = hv & mask, pos;
	struct slot *hs;

	for (;;) {
		hs = ix_at(x, hole);
		if (!hs || hs->idx == NONE)
			return false;
		if (hs->idx == idx)
			break;
		hole = (hole + 1) & mask;
	}
	pos = hole;
	for (;;) {
		struct slot *sl;
		uint32_t home;

		pos = (pos + 1) & mask;
		sl = ix_at(x, pos);
		if (!sl || sl->idx == NONE)
			break;
		home = sl->hv & mask;
		/* sl can fill the hole unless its home lies cyclically in (hole, pos] */
		if (hole <= pos ? (home > hole && home <= pos) : (home > hole || home <= pos))
			continue;
		*hs = *sl;
		hole = pos;
		hs = sl;
	}
	hs->idx = NONE;
	x->n--;
	return true;
}

static void ix_free(struct index *x)
{
	uint32_t k;

	if (x->seg) {
		for (k = 0; k < x->nseg; k++)
			free(x->seg[k]);
		free(x->seg);
	}
	memset(x, 0, sizeof(*x));
}

/* Start x with size slots (a power of two) and no segment yet. Returns: 0 or -1. */
static int ix_init(struct index *x, uint64_t size)
{
	uint32_t shift = SEG_SHIFT;

	memset(x, 0, sizeof(*x));
	if (size > MAX_SLOTS)
		return -1;
	while (shift > 0 && (UINT64_C(1) << shift) > size)
		shift--;
	x->nseg = (uint32_t)(size >> shift);
	x->seg = calloc(x->nseg, sizeof(*x->seg));
	if (!x->seg)
		return -1;
	x->mask = (uint32_t)(size - 1);
	x->shift = shift;
	return 0;
}

/* Allocate and clear x's next segment. Returns: 0 or -1. */
static int ix_add_seg(struct index *x)
{
	size_t n = (size_t)1 << x->shift;
	struct slot *sg;

	if (mul_overflows(n, sizeof(*sg)))
		return -1;
	sg = malloc(n * sizeof(*sg));
	if (!sg)
		return -1;
	memset(sg, 0xff, n * sizeof(*sg)); /* all NONE */
	x->seg[x->live++] = sg;
	return 0;
}

static size_t ix_memory(const struct index *x)
{
	if (!x->seg)
		return 0;
	return (size_t)x->nseg * sizeof(*x->seg) +
	       ((size_t)x->live << x->shift) * sizeof(struct slot);
}

/* ---- the store's indexes and their resize ---------------------------------------- */

int st_idx_init(struct vrrp_ha_store *s, uint64_t slots)
{
	if (ix_init(&s->ix, slots))
		return -1;
	while (s->ix.live < s->ix.nseg)
		if (ix_add_seg(&s->ix))
			return -1;
	return 0;
}

void st_idx_free(struct vrrp_ha_store *s)
{
	ix_free(&s->ix);
	ix_free(&s->nxt);
	ix_free(&s->old);
}

size_t st_idx_memory(const struct vrrp_ha_store *s)
{
	return ix_memory(&s->ix) + ix_memory(&s->nxt) + ix_memory(&s->old);
}

uint32_t st_idx_find(const struct vrrp_ha_store *s, const struct vrrp_ha_key *k, uint32_t hv)
{
	uint32_t idx = ix_find(s, &s->ix, k, hv);

	if (idx == NONE && s->old.seg)
		idx = ix_find(s, &s->old, k, hv);
	return idx;
}

/* A twice as big index, to be prepared by st_idx_work(). On failure
 * nothing changes and the next insert over the load retries. */
static void grow_start(struct vrrp_ha_store *s)
{
	ix_init(&s->nxt, ((uint64_t)s->ix.mask + 1) * 2);
}

/* One segment of the new index; when it is complete it becomes current and
 * the old one starts draining. Returns: 0, or -1 if allocation failed. */
static int prep_step(struct vrrp_ha_store *s)
{
	uint32_t s0 = 0;

	if (s->nxt.live < s->nxt.nseg && ix_add_seg(&s->nxt))
		return -1;
	if (s->nxt.live < s->nxt.nseg)
		return 0;
	s->old = s->ix;
	s->ix = s->nxt;
	memset(&s->nxt, 0, sizeof(s->nxt));
	/* Drain from just after an empty slot round to it: whole probe runs
	 * move at once, so what is left in old stays a valid index. */
	while (ix_at(&s->old, s0)->idx != NONE)
		s0++;
	s->mig_keep = s0 >> s->old.shift;
	s->mig_pos = (s0 + 1) & s->old.mask;
	s->mig_left = s->old.mask + 1;
	return 0;
}

/* Scan up to budget old slots (more to finish a probe run), moving keys to
 * the current index and releasing segments left behind.
 * Returns: budget left over (0 unless the drain finished). */
static uint32_t drain_step(struct vrrp_ha_store *s, uint32_t budget)
{
	struct index *o = &s->old;
	uint32_t segmask = (UINT32_C(1) << o->shift) - 1;

	while (s->mig_left > 0) {
		uint32_t pos = s->mig_pos;
		struct slot *sl = ix_at(o, pos);

		if (sl->idx != NONE) {
			ix_put(&s->ix, sl->idx, sl->hv);
			sl->idx = NONE;
			o->n--;
		} else if (budget == 0) {
			return 0; /* stop between runs only */
		}
		if (budget > 0)
			budget--;
		s->mig_pos = (pos + 1) & o->mask;
		s->mig_left--;
		if ((s->mig_pos & segmask) == 0 && (pos >> o->shift) != s->mig_keep) {
			free(o->seg[pos >> o->shift]);
			o->seg[pos >> o->shift] = NULL;
			o->live--;
		}
	}
	ix_free(o); /* just the directory and segment mig_keep by now */
	return budget;
}

bool st_idx_work(struct vrrp_ha_store *s, uint32_t budget)
{
	while (budget > 0) {
		if (s->nxt.seg) {
			uint32_t cost = UINT32_C(1) << s->nxt.shift;

			if (prep_step(s))
				break; /* no memory now: retried next time */
			budget = budget > cost ? budget - cost : 0;
		} else if (s->old.seg) {
			budget = drain_step(s, budget);
		} else {
			break;
		}
	}
	return s->nxt.seg || s->old.seg;
}

/*
 * Growth starts at the load limit and runs in steps: preparing takes
 * 2 * size / SEG_SLOTS steps and draining size / MIG_STEP, during which at
 * most one key per step comes in, far less than the 1/4 of size from the
 * load limit to the hard one. So the catch-up below only runs when
 * allocations failed.
 */
int st_idx_reserve(struct vrrp_ha_store *s)
{
	if (!over_load((uint64_t)s->ix.n + 1, &s->ix, LOAD_NUM))
		return 0;
	if (!s->nxt.seg && !s->old.seg)
		grow_start(s);
	if (!over_load((uint64_t)s->ix.n + 1, &s->ix, HARD_NUM))
		return 0;
	if (s->old.seg)
		drain_step(s, UINT32_MAX);
	if (!s->nxt.seg)
		grow_start(s);
	while (s->nxt.seg)
		if (prep_step(s))
			break;
	return over_load((uint64_t)s->ix.n + 1, &s->ix, HARD_NUM) ? -1 : 0;
}

void st_idx_insert(struct vrrp_ha_store *s, uint32_t idx, uint32_t hv)
{
	ix_put(&s->ix, idx, hv);
}

void st_idx_remove(struct vrrp_ha_store *s, uint32_t idx)
{
	uint32_t hv = hash_ent(s, ent_at(s, idx));

	if (!ix_remove(&s->ix, idx, hv) && s->old.seg)
		ix_remove(&s->old, idx, hv);
}
