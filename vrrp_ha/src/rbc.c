/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rbc.c - the Redundancy Binding Cache (draft-deng section 5): bindings
 * keyed by Home Address.
 *
 * Layout (all of it hangs off struct vrrp_ha_rbc; no global state):
 *
 *  - a slab of fixed-size entries, addressed by a uint32 index that never
 *    changes for the life of an entry (so a cursor is a plain index). The
 *    entries live in chunks of ENT_CHUNK (56 KiB) reached through a small
 *    directory: entry i is chunk i >> ENT_SHIFT, slot i & ENT_MASK. Growth
 *    adds one chunk and never moves the others, so no call copies the
 *    slab (a realloc of a big array would: glibc's mmap threshold grows in
 *    a long-running process, and then realloc copies, 80 ms at a million
 *    entries). Only the first chunk starts small and doubles up to its
 *    full size, so a small table stays small; only the directory (one
 *    pointer per chunk: 32 KiB at 4M entries) is ever reallocated beyond
 *    that. Free entries form a LIFO list.
 *  - an index: open addressing with linear probing, power-of-two size,
 *    load at most 5/8, deletion by backward shift (no tombstone slots). A
 *    slot holds a slab index and the key's 32-bit hash, so probing past
 *    other keys, backward shifts and moves to a bigger index never touch
 *    the slab or rehash. Keys are hashed with SipHash-1-3 under a
 *    per-table random key, so a host on the link cannot cheaply send HoAs
 *    that all land in one probe run. The slots live in fixed-size segments
 *    (SEG_SLOTS), so no operation allocates, clears or frees more than one
 *    segment at a time.
 *  - incremental growth: this runs inside keepalived's event loop, where a
 *    call that rehashes millions of keys at once would delay VRRP adverts.
 *    When an insert finds the index over 5/8, a twice as big one is
 *    started; every mutating call (and rbc_expire(), rbc_take_dirty(),
 *    rbc_clear_dirty()) then does a bounded step of work (idx_work): first
 *    allocating and clearing the new index one segment a step while inserts
 *    still go to the current one, then switching to it and draining the
 *    old index into it, MIG_STEP old slots a step, releasing each old
 *    segment once drained. While draining, lookups try the new index, then
 *    the old; inserts go to the new one; a removal takes the key out of
 *    whichever holds it. The budgets finish a resize long before the new
 *    index can fill up (see idx_reserve); rbc_maintain() does more on
 *    request. If memory for the new index is not there, the current one
 *    goes on taking keys up to a hard load limit of 7/8 and growth is
 *    retried. Memory per binding: 56 (entry) + 4 (heap) + 8 per slot at
 *    1.6 to 3.2 slots, plus the old copy during a resize, plus at most
 *    one partly used chunk of slab and of heap.
 *  - an expiry heap: a binary min-heap of slab indices ordered by the
 *    entry's deadline (end of lifetime, or tombstone release), each entry
 *    knowing its heap position so it can be re-keyed in O(log n). Its
 *    array is chunked like the slab (HEAP_CHUNK indices, 64 KiB a chunk).
 *  - the dirty queue: an intrusive singly linked FIFO through the entries,
 *    with an "on queue" flag so an entry is queued once however often it
 *    changes before it is sent.
 *
 * Entry states:
 *   FREE  on the free list only.
 *   LIVE  in index and heap; a binding. Once its deadline has passed it is
 *         treated as absent even before rbc_expire() removes it.
 *   TOMB  in index; in the heap until its release time, after which it is
 *         only kept (out of the heap) while it waits on the dirty queue so
 *         the delete still goes out.
 *   DEAD  a LIVE entry that expired while queued: in nothing but the queue,
 *         freed when rbc_take_dirty()/rbc_clear_dirty() reaches it (a
 *         singly linked FIFO cannot unlink from the middle).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "vrrp_ha/rbc.h"

#define NONE UINT32_MAX
/* Slab indices are uint32 with NONE reserved; the index needs up to
 * 8/5 slots per entry, rounded to a power of two, within 2^31. */
#define MAX_ENTRIES (UINT32_C(1) << 30)
#define MAX_SLOTS   (UINT32_C(1) << 31)
#define MIN_ENTRIES 16
#define MIN_SLOTS   32
/* index load factor: grow past LOAD_NUM / LOAD_DEN; refuse keys past
 * HARD_NUM / LOAD_DEN (only reached while growth cannot allocate) */
#define LOAD_NUM 5
#define HARD_NUM 7
#define LOAD_DEN 8
/* slots per index segment (64 KiB of struct slot); a power of two */
#define SEG_SHIFT 13
#define SEG_SLOTS (UINT32_C(1) << SEG_SHIFT)
/* slab chunks: 1024 entries, 56 KiB; heap chunks: 16 Ki indices, 64 KiB.
 * Powers of two, at least MIN_ENTRIES. */
#define ENT_SHIFT  10
#define ENT_CHUNK  (UINT32_C(1) << ENT_SHIFT)
#define ENT_MASK   (ENT_CHUNK - 1)
#define HEAP_SHIFT 14
#define HEAP_CHUNK (UINT32_C(1) << HEAP_SHIFT)
#define HEAP_MASK  (HEAP_CHUNK - 1)
/* old slots drained per step of a resize (a few microseconds of work) */
#define MIG_STEP 1024
/* draft-deng 4.3.3 copies the BU Lifetime: RFC 6275 6.1.7, 4 s units */
#define UNIT_MS ((uint64_t)VRRP_HA_LIFETIME_UNIT_S * 1000)

enum ent_state {
	ST_FREE = 0,
	ST_LIVE,
	ST_TOMB,
	ST_DEAD,
};

/* 56 bytes on LP64 (so ENT_CHUNK of them are 56 KiB) */
struct rbc_entry {
	struct in6_addr hoa;
	struct in6_addr coa;
	uint64_t expires_ms; /* LIVE: end of lifetime; TOMB: release time */
	uint32_t link;       /* next on the dirty queue, or on the free list */
	uint32_t heap_pos;   /* position in the expiry heap, NONE if not in it */
	uint16_t seq;        /* BU Sequence Number (RFC 6275 6.1.7) */
	uint16_t flags;      /* BU flags */
	uint8_t state;       /* enum ent_state */
	uint8_t queued;      /* on the dirty queue */
	uint8_t fresh;       /* queued since rbc_set_local() created it: its
	                      * next record carries VRRP_HA_REC_NEW */
};

/* An array of elements in chunks of 2^shift: element i is at
 * dir[i >> shift][i & (2^shift - 1)]. Chunk 0 may be smaller (cap < 2^shift,
 * while the table is small); all others are whole. */
struct chunks {
	void **dir;      /* n chunks */
	uint32_t n;      /* chunks allocated */
	uint32_t dircap; /* entries of dir */
	uint32_t cap;    /* elements allocated */
};

/* 8 bytes: the hash makes probes skip other keys without a slab access */
struct slot {
	uint32_t idx; /* slab index, NONE if the slot is empty */
	uint32_t hv;  /* hash_hoa() of that entry's HoA */
};

/* An open-addressing index of mask + 1 slots in nseg segments of
 * 2^shift slots each (fewer than SEG_SLOTS only for small indexes). */
struct index {
	struct slot **seg; /* NULL: no index; seg[k] NULL: not (or no longer) there */
	uint32_t mask;
	uint32_t n;    /* occupied slots (LIVE + TOMB entries) */
	uint32_t nseg; /* entries of seg[] */
	uint32_t live; /* segments allocated */
	uint32_t shift;
};

struct vrrp_ha_rbc {
	struct chunks ent;  /* the slab: struct rbc_entry, ENT_SHIFT */
	uint32_t ent_hw;    /* entries [0, ent_hw) have been handed out */
	uint32_t free_head; /* free list through rbc_entry.link */

	struct chunks heap; /* min-heap of slab indices by expires_ms, HEAP_SHIFT */
	uint32_t heap_n;

	/* Resize state (see the header): at most one of nxt and old is
	 * there. nxt: the bigger index being allocated and cleared (its
	 * first nxt.live segments are ready), not yet used. old: the index
	 * being drained into ix; slots [mig_pos, mig_pos + mig_left) (mod
	 * its size) are still to be scanned, the rest of it is empty. */
	struct index ix; /* the current index: inserts go here */
	struct index nxt;
	struct index old;
	uint32_t mig_pos;
	uint32_t mig_left;
	uint32_t mig_keep; /* old segment holding the drain's start: freed last */

	uint32_t q_head, q_tail; /* dirty FIFO */
	size_t q_n;              /* queued entries that are not DEAD */

	size_t live_n;
	uint32_t tombstone_ms;
	uint64_t key[2]; /* SipHash key */
};

/* ---- hashing: SipHash-1-3 of the 16-byte HoA --------------------------- */

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

/* SipHash-c-d (Aumasson & Bernstein) specialised to a 16-byte message. */
static inline uint64_t siphash16(const uint64_t key[2], const uint8_t m[16], int c, int d)
{
	uint64_t v[4] = {
	        key[0] ^ UINT64_C(0x736f6d6570736575),
	        key[1] ^ UINT64_C(0x646f72616e646f6d),
	        key[0] ^ UINT64_C(0x6c7967656e657261),
	        key[1] ^ UINT64_C(0x7465646279746573),
	};
	uint64_t blk[3] = {load_le64(m), load_le64(m + 8), UINT64_C(16) << 56};
	int i, r;

	for (i = 0; i < 3; i++) {
		v[3] ^= blk[i];
		for (r = 0; r < c; r++)
			sip_round(v);
		v[0] ^= blk[i];
	}
	v[2] ^= 0xff;
	for (r = 0; r < d; r++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static inline uint32_t hash_hoa(const struct vrrp_ha_rbc *t, const struct in6_addr *hoa)
{
	return (uint32_t)siphash16(t->key, hoa->s6_addr, 1, 3);
}

static uint64_t mix64(uint64_t z)
{
	z += UINT64_C(0x9e3779b97f4a7c15);
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static void seed_key(struct vrrp_ha_rbc *t)
{
	struct timespec ts;
	ssize_t n;

	n = getrandom(t->key, sizeof(t->key), GRND_NONBLOCK);
	if (n == (ssize_t)sizeof(t->key))
		return;
	/* No entropy yet (early boot) or no getrandom: still differ per table
	 * and per run, which is what defeats precomputed collisions. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t->key[0] = mix64((uint64_t)(uintptr_t)t ^ (uint64_t)ts.tv_nsec);
	t->key[1] = mix64(t->key[0] ^ (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)&ts);
}

/* ---- small helpers ----------------------------------------------------- */

static inline struct rbc_entry *ent_at(const struct vrrp_ha_rbc *t, uint32_t idx)
{
	return (struct rbc_entry *)t->ent.dir[idx >> ENT_SHIFT] + (idx & ENT_MASK);
}

static inline uint32_t *heap_at(const struct vrrp_ha_rbc *t, uint32_t pos)
{
	return (uint32_t *)t->heap.dir[pos >> HEAP_SHIFT] + (pos & HEAP_MASK);
}

static inline uint32_t heap_get(const struct vrrp_ha_rbc *t, uint32_t pos)
{
	return *heap_at(t, pos);
}

static inline uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Returns: true if a * b does not fit a size_t (32-bit hosts). */
static inline bool mul_overflows(size_t a, size_t b)
{
	return b != 0 && a > SIZE_MAX / b;
}

static inline bool same_addr(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a->s6_addr, b->s6_addr, sizeof(a->s6_addr)) == 0;
}

/* A binding: LIVE and its lifetime not yet run out. */
static inline bool ent_is_live(const struct rbc_entry *e, uint64_t now_ms)
{
	return e->state == ST_LIVE && e->expires_ms > now_ms;
}

/* A tombstone still remembered (it rejects seqs not newer than its own). */
static inline bool ent_is_tomb(const struct rbc_entry *e, uint64_t now_ms)
{
	return e->state == ST_TOMB && e->heap_pos != NONE && e->expires_ms > now_ms;
}

/* ---- expiry heap ------------------------------------------------------- */

static inline void heap_put(struct vrrp_ha_rbc *t, uint32_t pos, uint32_t idx)
{
	*heap_at(t, pos) = idx;
	ent_at(t, idx)->heap_pos = pos;
}

static inline bool heap_less(const struct vrrp_ha_rbc *t, uint32_t a, uint32_t b)
{
	return ent_at(t, a)->expires_ms < ent_at(t, b)->expires_ms;
}

static void heap_sift_up(struct vrrp_ha_rbc *t, uint32_t pos)
{
	uint32_t idx = heap_get(t, pos);

	while (pos > 0) {
		uint32_t parent = (pos - 1) / 2;

		if (!heap_less(t, idx, heap_get(t, parent)))
			break;
		heap_put(t, pos, heap_get(t, parent));
		pos = parent;
	}
	heap_put(t, pos, idx);
}

static void heap_sift_down(struct vrrp_ha_rbc *t, uint32_t pos)
{
	uint32_t idx = heap_get(t, pos);

	for (;;) {
		uint32_t child = 2 * pos + 1;

		if (child >= t->heap_n)
			break;
		if (child + 1 < t->heap_n &&
		    heap_less(t, heap_get(t, child + 1), heap_get(t, child)))
			child++;
		if (!heap_less(t, heap_get(t, child), idx))
			break;
		heap_put(t, pos, heap_get(t, child));
		pos = child;
	}
	heap_put(t, pos, idx);
}

/* Put entry idx in the heap with deadline at_ms, or move it there. The heap
 * never needs to grow here: it has room for every entry handed out (see
 * ent_reserve). */
static void heap_schedule(struct vrrp_ha_rbc *t, uint32_t idx, uint64_t at_ms)
{
	struct rbc_entry *e = ent_at(t, idx);

	e->expires_ms = at_ms;
	if (e->heap_pos == NONE) {
		heap_put(t, t->heap_n++, idx);
		heap_sift_up(t, e->heap_pos);
	} else {
		heap_sift_up(t, e->heap_pos);
		heap_sift_down(t, e->heap_pos);
	}
}

static void heap_remove(struct vrrp_ha_rbc *t, uint32_t idx)
{
	uint32_t pos = ent_at(t, idx)->heap_pos;
	uint32_t last;

	if (pos == NONE)
		return;
	ent_at(t, idx)->heap_pos = NONE;
	last = heap_get(t, --t->heap_n);
	if (pos == t->heap_n)
		return;
	heap_put(t, pos, last);
	heap_sift_up(t, pos);
	heap_sift_down(t, ent_at(t, last)->heap_pos);
}

/* ---- index ------------------------------------------------------------- */

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

/* Returns: the slab index of hoa's entry in x, or NONE. */
static uint32_t ix_find(const struct vrrp_ha_rbc *t, const struct index *x,
                        const struct in6_addr *hoa, uint32_t hv)
{
	uint32_t pos = hv & x->mask;

	for (;;) {
		const struct slot *s = ix_at(x, pos);

		if (!s || s->idx == NONE)
			return NONE;
		if (s->hv == hv && same_addr(&ent_at(t, s->idx)->hoa, hoa))
			return s->idx;
		pos = (pos + 1) & x->mask;
	}
}

/* Insert into x (key known absent from it, room known, all segments there). */
static void ix_put(struct index *x, uint32_t idx, uint32_t hv)
{
	uint32_t pos = hv & x->mask;
	struct slot *s;

	while ((s = ix_at(x, pos))->idx != NONE)
		pos = (pos + 1) & x->mask;
	s->idx = idx;
	s->hv = hv;
	x->n++;
}

/* Remove slab index idx (key hash hv) from x with a backward shift: every
 * later member of the probe run that may move closer to home does so, so
 * lookups never need tombstone slots. Returns: false if idx is not in x. */
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
		struct slot *s;
		uint32_t home;

		pos = (pos + 1) & mask;
		s = ix_at(x, pos);
		if (!s || s->idx == NONE)
			break;
		home = s->hv & mask;
		/* s can fill the hole unless its home lies cyclically in
		 * (hole, pos] */
		if (hole <= pos ? (home > hole && home <= pos) : (home > hole || home <= pos))
			continue;
		*hs = *s;
		hole = pos;
		hs = s;
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

/* Start x as an index of size slots (a power of two, >= MIN_SLOTS) with no
 * segment allocated yet. Returns: 0 or -1. */
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

/* hv = hash_hoa(t, hoa). Returns: the slab index of hoa's entry (LIVE or
 * TOMB), or NONE. */
static uint32_t idx_find(const struct vrrp_ha_rbc *t, const struct in6_addr *hoa, uint32_t hv)
{
	uint32_t idx = ix_find(t, &t->ix, hoa, hv);

	if (idx == NONE && t->old.seg)
		idx = ix_find(t, &t->old, hoa, hv);
	return idx;
}

/* Start growing: a twice as big index, to be prepared by idx_work().
 * On failure nothing changes and the next insert over the load retries. */
static void grow_start(struct vrrp_ha_rbc *t)
{
	ix_init(&t->nxt, ((uint64_t)t->ix.mask + 1) * 2);
}

/* One segment of the new index. When it is complete it becomes the
 * current index and the old one starts draining. Returns: 0, or -1 if the
 * allocation failed (retried by the next step). */
static int prep_step(struct vrrp_ha_rbc *t)
{
	uint32_t s0 = 0;

	if (t->nxt.live < t->nxt.nseg && ix_add_seg(&t->nxt))
		return -1;
	if (t->nxt.live < t->nxt.nseg)
		return 0;
	t->old = t->ix;
	t->ix = t->nxt;
	memset(&t->nxt, 0, sizeof(t->nxt));
	/* Drain from just after an empty slot round to it: whole probe runs
	 * move at once, so what is left in old stays a valid index. (Under
	 * the load limit an empty slot is near the start.) */
	while (ix_at(&t->old, s0)->idx != NONE)
		s0++;
	t->mig_keep = s0 >> t->old.shift;
	t->mig_pos = (s0 + 1) & t->old.mask;
	t->mig_left = t->old.mask + 1;
	return 0;
}

/* Scan up to budget old slots (more to finish a probe run), moving the keys
 * found to the current index and releasing segments left behind.
 * Returns: budget left over (0 unless the drain finished). */
static uint32_t drain_step(struct vrrp_ha_rbc *t, uint32_t budget)
{
	struct index *o = &t->old;
	uint32_t segmask = (UINT32_C(1) << o->shift) - 1;

	while (t->mig_left > 0) {
		uint32_t pos = t->mig_pos;
		struct slot *s = ix_at(o, pos);

		if (s->idx != NONE) {
			ix_put(&t->ix, s->idx, s->hv);
			s->idx = NONE;
			o->n--;
		} else if (budget == 0) {
			return 0; /* stop between runs only */
		}
		if (budget > 0)
			budget--;
		t->mig_pos = (pos + 1) & o->mask;
		t->mig_left--;
		if ((t->mig_pos & segmask) == 0 && (pos >> o->shift) != t->mig_keep) {
			/* left a segment: all of it scanned */
			free(o->seg[pos >> o->shift]);
			o->seg[pos >> o->shift] = NULL;
			o->live--;
		}
	}
	ix_free(o); /* just the directory and segment mig_keep by now */
	return budget;
}

/* Up to budget slots' worth of an ongoing resize (a segment prepared counts
 * as its size, and at least one is done if budget > 0).
 * Returns: true if a resize is still under way. */
static bool idx_work(struct vrrp_ha_rbc *t, uint32_t budget)
{
	while (budget > 0) {
		if (t->nxt.seg) {
			uint32_t cost = UINT32_C(1) << t->nxt.shift;

			if (prep_step(t))
				break; /* no memory now: retried next time */
			budget = budget > cost ? budget - cost : 0;
		} else if (t->old.seg) {
			budget = drain_step(t, budget);
		} else {
			break;
		}
	}
	return t->nxt.seg || t->old.seg;
}

/*
 * Make room for one more key in the current index. Growth is started at the
 * load limit and done in steps by later calls: preparing takes
 * 2 * size / SEG_SLOTS steps and draining size / MIG_STEP, during which at
 * most one key per step comes in, far less than the 1/4 of size from the
 * load limit to the hard one, or than what takes the doubled index from
 * 5/16 to 5/8. So the catch-up below only runs when allocations failed.
 * Returns: 0 or -1.
 */
static int idx_reserve(struct vrrp_ha_rbc *t)
{
	if (!over_load((uint64_t)t->ix.n + 1, &t->ix, LOAD_NUM))
		return 0;
	if (!t->nxt.seg && !t->old.seg)
		grow_start(t);
	if (!over_load((uint64_t)t->ix.n + 1, &t->ix, HARD_NUM))
		return 0;
	if (t->old.seg)
		drain_step(t, UINT32_MAX); /* not reached, see above */
	if (!t->nxt.seg)
		grow_start(t);
	while (t->nxt.seg)
		if (prep_step(t))
			break;
	return over_load((uint64_t)t->ix.n + 1, &t->ix, HARD_NUM) ? -1 : 0;
}

static void idx_insert(struct vrrp_ha_rbc *t, uint32_t idx, uint32_t hv)
{
	ix_put(&t->ix, idx, hv);
}

/* Remove entry idx, which is in the current or the old index. */
static void idx_remove(struct vrrp_ha_rbc *t, uint32_t idx)
{
	uint32_t hv = hash_hoa(t, &ent_at(t, idx)->hoa);

	if (!ix_remove(&t->ix, idx, hv) && t->old.seg)
		ix_remove(&t->old, idx, hv);
}

/* ---- slab -------------------------------------------------------------- */

/* Make room for c->n + 1 chunks in c's directory. Returns: 0 or -1. */
static int ch_dir_room(struct chunks *c)
{
	uint32_t dc;
	void **d;

	if (c->n < c->dircap)
		return 0;
	dc = c->dircap ? c->dircap * 2 : 8;
	if (mul_overflows(dc, sizeof(*d)))
		return -1;
	d = realloc(c->dir, (size_t)dc * sizeof(*d));
	if (!d)
		return -1;
	c->dir = d;
	c->dircap = dc;
	return 0;
}

/*
 * Grow c (elements of esize bytes, chunks of 2^shift) by one step: while
 * chunk 0 is smaller than a chunk it is reallocated twice as big (at least
 * want, at most a chunk: a copy of under 64 KiB); after that one more whole
 * chunk is allocated. Whole chunks never move. On failure c holds what it
 * held (its directory may have grown). Returns: 0 or -1.
 */
static int ch_grow(struct chunks *c, size_t esize, unsigned shift, uint32_t want)
{
	uint32_t chunk = UINT32_C(1) << shift, n = chunk;
	void *old = NULL, *p;

	if (c->cap < chunk) {
		n = c->cap ? c->cap * 2 : MIN_ENTRIES;
		if (n < want)
			n = want;
		if (n > chunk)
			n = chunk;
		old = c->n ? c->dir[0] : NULL;
	}
	if (!old && ch_dir_room(c))
		return -1;
	if (mul_overflows(n, esize))
		return -1;
	p = realloc(old, (size_t)n * esize); /* malloc() when old is NULL */
	if (!p)
		return -1;
	if (old) {
		c->dir[0] = p;
		c->cap = n;
	} else {
		c->dir[c->n++] = p;
		c->cap += n;
	}
	return 0;
}

/* Grow c to at least need elements. Returns: 0 or -1. */
static int ch_reserve(struct chunks *c, size_t esize, unsigned shift, uint32_t need)
{
	while (c->cap < need)
		if (ch_grow(c, esize, shift, need))
			return -1;
	return 0;
}

static void ch_free(struct chunks *c)
{
	uint32_t k;

	for (k = 0; k < c->n; k++)
		free(c->dir[k]);
	free(c->dir);
	memset(c, 0, sizeof(*c));
}

static size_t ch_memory(const struct chunks *c, size_t esize)
{
	return (size_t)c->dircap * sizeof(*c->dir) + (size_t)c->cap * esize;
}

/* Make sure ent_alloc() can succeed: room for one more entry in the slab
 * and in the heap, each grown by at most one chunk. Each keeps its own
 * capacity, so a failure of the second leaves the table consistent.
 * Returns: 0 or -1. */
static int ent_reserve(struct vrrp_ha_rbc *t)
{
	if (t->free_head != NONE)
		return 0;
	if (t->ent_hw < t->ent.cap && t->ent_hw < t->heap.cap)
		return 0;
	if (t->ent_hw >= MAX_ENTRIES)
		return -1;
	if (t->ent.cap <= t->ent_hw && ch_grow(&t->ent, sizeof(struct rbc_entry), ENT_SHIFT, 0))
		return -1;
	if (t->heap.cap <= t->ent_hw && ch_grow(&t->heap, sizeof(uint32_t), HEAP_SHIFT, 0))
		return -1;
	return 0;
}

/* Take an entry (after ent_reserve()); it is FREE-shaped, in nothing. */
static uint32_t ent_alloc(struct vrrp_ha_rbc *t)
{
	struct rbc_entry *e;
	uint32_t idx;

	if (t->free_head != NONE) {
		idx = t->free_head;
		t->free_head = ent_at(t, idx)->link;
	} else {
		idx = t->ent_hw++;
	}
	e = ent_at(t, idx);
	memset(e, 0, sizeof(*e));
	e->link = NONE;
	e->heap_pos = NONE;
	return idx;
}

/* Entry idx must be in no index, heap or queue. */
static void ent_release(struct vrrp_ha_rbc *t, uint32_t idx)
{
	struct rbc_entry *e = ent_at(t, idx);

	e->state = ST_FREE;
	e->queued = 0;
	e->link = t->free_head;
	t->free_head = idx;
}

/* ---- dirty queue ------------------------------------------------------- */

static void q_push(struct vrrp_ha_rbc *t, uint32_t idx)
{
	struct rbc_entry *e = ent_at(t, idx);

	if (e->queued)
		return; /* coalesce: it keeps its place, the newest state is sent */
	e->queued = 1;
	e->link = NONE;
	if (t->q_tail == NONE)
		t->q_head = idx;
	else
		ent_at(t, t->q_tail)->link = idx;
	t->q_tail = idx;
	t->q_n++;
}

static uint32_t q_pop(struct vrrp_ha_rbc *t)
{
	uint32_t idx = t->q_head;
	struct rbc_entry *e = ent_at(t, idx);

	t->q_head = e->link;
	if (t->q_head == NONE)
		t->q_tail = NONE;
	e->link = NONE;
	e->queued = 0;
	e->fresh = 0; /* only the first record after the creation says "new" */
	if (e->state != ST_DEAD)
		t->q_n--;
	return idx;
}

/* After a pop: entries that only stayed for the queue are freed now.
 * Returns: true if idx was freed. */
static bool q_drop_leftover(struct vrrp_ha_rbc *t, uint32_t idx)
{
	struct rbc_entry *e = ent_at(t, idx);

	if (e->state == ST_DEAD) {
		ent_release(t, idx);
		return true;
	}
	if (e->state == ST_TOMB && e->heap_pos == NONE) {
		/* released tombstone kept only so its delete went out */
		idx_remove(t, idx);
		ent_release(t, idx);
		return true;
	}
	return false;
}

/* ---- conversions ------------------------------------------------------- */

static uint16_t wire_lifetime(const struct rbc_entry *e, uint64_t now_ms)
{
	uint64_t rem, units;

	if (e->state != ST_LIVE)
		return 0; /* a delete */
	rem = e->expires_ms > now_ms ? e->expires_ms - now_ms : 0;
	/* round up: a backup must not drop a binding before the master does */
	units = rem / UNIT_MS + (rem % UNIT_MS != 0);
	if (units < 1)
		units = 1;
	if (units > UINT16_MAX)
		units = UINT16_MAX;
	return (uint16_t)units;
}

static void to_wire(const struct rbc_entry *e, uint64_t now_ms, struct vrrp_ha_binding *b)
{
	memset(b, 0, sizeof(*b));
	b->hoa = e->hoa;
	b->coa = e->coa;
	b->lifetime = wire_lifetime(e, now_ms);
	b->seq = e->seq;
	b->flags = e->flags;
}

static void to_view(const struct rbc_entry *e, uint64_t now_ms, struct rbc_view *v)
{
	uint64_t rem = e->expires_ms > now_ms ? e->expires_ms - now_ms : 0;
	uint64_t s = rem / 1000 + (rem % 1000 != 0);

	memset(v, 0, sizeof(*v));
	v->hoa = e->hoa;
	v->coa = e->coa;
	v->seq = e->seq;
	v->flags = e->flags;
	v->lifetime_s = s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
	v->expires_ms = e->expires_ms;
}

/* ---- state changes ----------------------------------------------------- */

/* Entry idx (found in the index, LIVE or TOMB in any phase) becomes a
 * binding. Returns: nothing; the caller decides the result. */
static void ent_make_live(struct vrrp_ha_rbc *t, uint32_t idx, const struct in6_addr *coa,
                          uint16_t seq, uint16_t flags, uint64_t expires_ms)
{
	struct rbc_entry *e = ent_at(t, idx);

	if (e->state != ST_LIVE)
		t->live_n++;
	e->state = ST_LIVE;
	e->coa = *coa;
	e->seq = seq;
	e->flags = flags;
	heap_schedule(t, idx, expires_ms);
	q_push(t, idx);
}

/* A new entry for hoa. Returns: its index, or NONE on allocation failure
 * (nothing changed). */
static uint32_t ent_add(struct vrrp_ha_rbc *t, const struct in6_addr *hoa, uint32_t hv)
{
	uint32_t idx;

	if (ent_reserve(t) || idx_reserve(t))
		return NONE;
	idx = ent_alloc(t);
	ent_at(t, idx)->hoa = *hoa;
	ent_at(t, idx)->state = ST_TOMB; /* ent_make_live() counts it live */
	idx_insert(t, idx, hv);
	return idx;
}

/* LIVE entry idx becomes a tombstone remembering seq; the delete is queued
 * so peers hear it. */
static void ent_make_tomb(struct vrrp_ha_rbc *t, uint32_t idx, uint16_t seq, uint64_t now_ms)
{
	struct rbc_entry *e = ent_at(t, idx);

	e->state = ST_TOMB;
	e->seq = seq;
	e->fresh = 0; /* a delete never carries VRRP_HA_REC_NEW */
	t->live_n--;
	heap_schedule(t, idx, add_sat(now_ms, t->tombstone_ms));
	q_push(t, idx);
}

/* ---- API --------------------------------------------------------------- */

struct vrrp_ha_rbc *rbc_new(size_t size_hint, uint32_t tombstone_ms)
{
	struct vrrp_ha_rbc *t;
	uint64_t slots = MIN_SLOTS;
	uint32_t cap;

	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	cap = size_hint < MIN_ENTRIES   ? MIN_ENTRIES
	      : size_hint > MAX_ENTRIES ? MAX_ENTRIES
	                                : (uint32_t)size_hint;
	while (slots * LOAD_NUM < (uint64_t)cap * LOAD_DEN)
		slots *= 2;
	t->tombstone_ms = tombstone_ms;
	t->free_head = NONE;
	t->q_head = t->q_tail = NONE;
	seed_key(t);
	if (ch_reserve(&t->ent, sizeof(struct rbc_entry), ENT_SHIFT, cap) ||
	    ch_reserve(&t->heap, sizeof(uint32_t), HEAP_SHIFT, cap) || ix_init(&t->ix, slots))
		goto fail;
	while (t->ix.live < t->ix.nseg)
		if (ix_add_seg(&t->ix))
			goto fail;
	return t;
fail:
	rbc_free(t);
	return NULL;
}

void rbc_free(struct vrrp_ha_rbc *t)
{
	if (!t)
		return;
	ch_free(&t->ent);
	ch_free(&t->heap);
	ix_free(&t->ix);
	ix_free(&t->nxt);
	ix_free(&t->old);
	free(t);
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

enum rbc_result rbc_apply(struct vrrp_ha_rbc *t, const struct vrrp_ha_binding *b, uint64_t now_ms)
{
	uint32_t hv = hash_hoa(t, &b->hoa);
	uint64_t expires = add_sat(now_ms, (uint64_t)b->lifetime * UNIT_MS);
	/* the sender's authoritative table created this binding: it replaces
	 * whatever is remembered here, whatever the seqs (never a delete) */
	bool supersede = b->lifetime != 0 && (b->reserved & VRRP_HA_REC_NEW);
	struct rbc_entry *e;
	uint32_t idx;
	int c;

	idx_work(t, MIG_STEP);
	idx = idx_find(t, &b->hoa, hv);
	if (idx != NONE) {
		e = ent_at(t, idx);
		if (ent_is_live(e, now_ms)) {
			enum rbc_result res;

			c = rbc_serial_cmp(b->seq, e->seq);
			if (c < 0 && !supersede)
				return RBC_STALE;
			if (b->lifetime == 0) {
				/* RFC 6275 10.3.2: lifetime 0 de-registers */
				ent_make_tomb(t, idx, b->seq, now_ms);
				return RBC_DELETED;
			}
			res = (c != 0 || !same_addr(&e->coa, &b->coa) || e->flags != b->flags)
			              ? RBC_UPDATED
			              : RBC_REFRESHED;
			/* refreshes are queued too: the lifetime is news */
			ent_make_live(t, idx, &b->coa, b->seq, b->flags, expires);
			return res;
		}
		if (ent_is_tomb(e, now_ms)) {
			/* only a strictly newer seq may bring a deleted HoA
			 * back, or a creation by the owner of the truth */
			if (rbc_serial_cmp(b->seq, e->seq) <= 0 && !supersede)
				return RBC_STALE;
			if (b->lifetime == 0) {
				/* a newer delete of what is already deleted:
				 * remember the newer seq, nothing to tell */
				e->seq = b->seq;
				heap_schedule(t, idx, add_sat(now_ms, t->tombstone_ms));
				return RBC_NOT_FOUND;
			}
			ent_make_live(t, idx, &b->coa, b->seq, b->flags, expires);
			return RBC_ADDED;
		}
		/* an expired binding or a released tombstone: absent */
		if (b->lifetime == 0)
			return RBC_NOT_FOUND;
		ent_make_live(t, idx, &b->coa, b->seq, b->flags, expires);
		e->fresh = 0; /* created from a record: not the truth */
		return RBC_ADDED;
	}
	if (b->lifetime == 0)
		return RBC_NOT_FOUND;
	idx = ent_add(t, &b->hoa, hv);
	if (idx == NONE)
		return RBC_NOMEM;
	ent_make_live(t, idx, &b->coa, b->seq, b->flags, expires);
	return RBC_ADDED;
}

enum rbc_result rbc_set_local(struct vrrp_ha_rbc *t, const struct in6_addr *hoa,
                              const struct in6_addr *coa, uint32_t lifetime_s, uint16_t seq,
                              uint16_t flags, uint64_t now_ms)
{
	uint64_t expires = add_sat(now_ms, (uint64_t)lifetime_s * 1000);
	uint32_t idx, hv;

	/* A zero lifetime is a de-registration (RFC 6275 10.3.2). */
	if (lifetime_s == 0)
		return rbc_delete_local(t, hoa, now_ms);

	idx_work(t, MIG_STEP);
	hv = hash_hoa(t, hoa);
	idx = idx_find(t, hoa, hv);
	if (idx != NONE) {
		struct rbc_entry *e = ent_at(t, idx);
		enum rbc_result res = RBC_ADDED;

		if (ent_is_live(e, now_ms))
			res = (e->seq == seq && e->flags == flags && same_addr(&e->coa, coa))
			              ? RBC_REFRESHED
			              : RBC_UPDATED;
		/* authoritative: a tombstone is overridden whatever its seq */
		ent_make_live(t, idx, coa, seq, flags, expires);
		/* (re)created here: peers may remember the HoA with a newer
		 * seq (RFC 6275 lets a new registration start anywhere), the
		 * next record tells them to take this one regardless */
		if (res == RBC_ADDED)
			e->fresh = 1;
		return res;
	}
	idx = ent_add(t, hoa, hv);
	if (idx == NONE)
		return RBC_NOMEM;
	ent_make_live(t, idx, coa, seq, flags, expires);
	ent_at(t, idx)->fresh = 1;
	return RBC_ADDED;
}

enum rbc_result rbc_delete_local(struct vrrp_ha_rbc *t, const struct in6_addr *hoa, uint64_t now_ms)
{
	uint32_t idx;

	idx_work(t, MIG_STEP);
	idx = idx_find(t, hoa, hash_hoa(t, hoa));

	if (idx == NONE || !ent_is_live(ent_at(t, idx), now_ms))
		return RBC_NOT_FOUND;
	/* the tombstone keeps the binding's own seq: peers holding that seq
	 * accept the delete (equal seq), replays of it are refused */
	ent_make_tomb(t, idx, ent_at(t, idx)->seq, now_ms);
	return RBC_DELETED;
}

size_t rbc_flush(struct vrrp_ha_rbc *t, uint64_t now_ms)
{
	size_t n = 0;
	uint32_t i;

	idx_work(t, MIG_STEP);
	/* Lifetimes that ran out are deleted as well, so the table is
	 * empty afterwards whether or not rbc_expire() ran. */
	for (i = 0; i < t->ent_hw; i++) {
		if (ent_at(t, i)->state != ST_LIVE)
			continue;
		ent_make_tomb(t, i, ent_at(t, i)->seq, now_ms);
		n++;
	}
	return n;
}

bool rbc_lookup(const struct vrrp_ha_rbc *t, const struct in6_addr *hoa, uint64_t now_ms,
                struct rbc_view *v)
{
	uint32_t idx = idx_find(t, hoa, hash_hoa(t, hoa));

	if (idx == NONE || !ent_is_live(ent_at(t, idx), now_ms))
		return false;
	if (v)
		to_view(ent_at(t, idx), now_ms, v);
	return true;
}

size_t rbc_count(const struct vrrp_ha_rbc *t)
{
	return t->live_n;
}

size_t rbc_memory(const struct vrrp_ha_rbc *t)
{
	return sizeof(*t) + ch_memory(&t->ent, sizeof(struct rbc_entry)) +
	       ch_memory(&t->heap, sizeof(uint32_t)) + ix_memory(&t->ix) + ix_memory(&t->nxt) +
	       ix_memory(&t->old);
}

bool rbc_maintain(struct vrrp_ha_rbc *t, size_t budget)
{
	return idx_work(t, budget > UINT32_MAX ? UINT32_MAX : (uint32_t)budget);
}

size_t rbc_expire(struct vrrp_ha_rbc *t, uint64_t now_ms, size_t max,
                  void (*cb)(void *arg, const struct rbc_view *v), void *arg)
{
	size_t examined = 0, expired = 0;

	idx_work(t, MIG_STEP);
	while (t->heap_n > 0 && (max == 0 || examined < max)) {
		uint32_t idx = heap_get(t, 0);
		struct rbc_entry *e = ent_at(t, idx);

		if (e->expires_ms > now_ms)
			break;
		examined++;
		heap_remove(t, idx);
		if (e->state == ST_LIVE) {
			if (cb) {
				struct rbc_view v;

				to_view(e, now_ms, &v);
				cb(arg, &v);
				/* cb should not change the table; if it did
				 * and revived or deleted this entry, leave it */
				e = ent_at(t, idx);
				if (e->state != ST_LIVE || e->heap_pos != NONE)
					continue;
			}
			t->live_n--;
			expired++;
			idx_remove(t, idx);
			if (e->queued) {
				/* not sent: every peer counts the same
				 * lifetime down (header); freed when popped */
				e->state = ST_DEAD;
				t->q_n--;
			} else {
				ent_release(t, idx);
			}
		} else if (!e->queued) {
			/* tombstone released */
			idx_remove(t, idx);
			ent_release(t, idx);
		}
		/* else a released tombstone still waiting to be sent: it
		 * stays (out of the heap) until rbc_take_dirty() */
	}
	return expired;
}

uint64_t rbc_next_expiry(const struct vrrp_ha_rbc *t, uint64_t now_ms)
{
	uint64_t at;

	if (t->heap_n == 0)
		return UINT64_MAX;
	at = ent_at(t, heap_get(t, 0))->expires_ms;
	return at > now_ms ? at - now_ms : 0;
}

size_t rbc_dirty_count(const struct vrrp_ha_rbc *t)
{
	return t->q_n;
}

size_t rbc_take_dirty(struct vrrp_ha_rbc *t, struct vrrp_ha_binding *out, size_t max,
                      uint64_t now_ms)
{
	size_t n = 0;

	idx_work(t, MIG_STEP);
	while (n < max && t->q_head != NONE) {
		bool fresh = ent_at(t, t->q_head)->fresh;
		uint32_t idx = q_pop(t);
		const struct rbc_entry *e = ent_at(t, idx);

		if (e->state == ST_LIVE && e->expires_ms <= now_ms)
			continue; /* ran out before it was sent: nothing to say */
		if (e->state == ST_LIVE || e->state == ST_TOMB) {
			to_wire(e, now_ms, &out[n]);
			if (fresh && e->state == ST_LIVE)
				out[n].reserved = VRRP_HA_REC_NEW;
			n++;
		}
		q_drop_leftover(t, idx);
	}
	return n;
}

void rbc_clear_dirty(struct vrrp_ha_rbc *t)
{
	idx_work(t, MIG_STEP);
	while (t->q_head != NONE)
		q_drop_leftover(t, q_pop(t));
}

size_t rbc_walk(const struct vrrp_ha_rbc *t, uint64_t *cursor, struct vrrp_ha_binding *out,
                size_t max, uint64_t now_ms)
{
	uint64_t i = *cursor;
	size_t n = 0;

	/* Slab order: an entry's index never changes while it exists. */
	for (; i < t->ent_hw && n < max; i++)
		if (ent_is_live(ent_at(t, i), now_ms))
			to_wire(ent_at(t, i), now_ms, &out[n++]);
	if (i > *cursor)
		*cursor = i;
	return n;
}

size_t rbc_walk_view(const struct vrrp_ha_rbc *t, uint64_t *cursor, struct rbc_view *out,
                     size_t max, uint64_t now_ms)
{
	uint64_t i = *cursor;
	size_t n = 0;

	for (; i < t->ent_hw && n < max; i++)
		if (ent_is_live(ent_at(t, i), now_ms))
			to_view(ent_at(t, i), now_ms, &out[n++]);
	if (i > *cursor)
		*cursor = i;
	return n;
}
