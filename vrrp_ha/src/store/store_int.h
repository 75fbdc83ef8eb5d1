/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * store_int.h - private to src/store/: the layout of the binding store
 * and what its files (store.c, slab.c, index.c, btree.c) offer each other.
 * See docs/store.md for the picture.
 */
#ifndef VRRP_HA_STORE_INT_H
#define VRRP_HA_STORE_INT_H

#include <string.h>

#include "vrrp_ha/store.h"

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
/* slab chunks: 512 entries, 44 KiB; heap chunks: 16 Ki indices, 64 KiB.
 * Powers of two, at least MIN_ENTRIES; no allocation above 64 KiB. */
#define ENT_SHIFT  9
#define ENT_MASK   ((UINT32_C(1) << ENT_SHIFT) - 1)
#define HEAP_SHIFT 14
#define HEAP_MASK  ((UINT32_C(1) << HEAP_SHIFT) - 1)
/* old slots drained per step of a resize (a few microseconds of work) */
#define MIG_STEP 1024
/* keys up to this long live in the entry */
#define KEY_INLINE 16
/* what malloc() adds to each out-of-line key or option list (estimate) */
#define EXT_OVERHEAD 16

enum ent_state {
	ST_FREE = 0,
	ST_LIVE, /* in index, order tree, heap; treated as absent once expired */
	ST_TOMB, /* in index; in the heap until released, then only kept while
	          * queued so the delete goes out */
	ST_DEAD, /* a LIVE entry that expired while queued: only on the queue */
};

/* 88 bytes on LP64. */
struct st_entry {
	union {
		uint8_t inl[KEY_INLINE]; /* key_len <= KEY_INLINE */
		uint8_t *ext;            /* longer keys, malloc'd */
	} key;
	union vrrp_ha_fixed f;
	uint64_t expires_ms; /* LIVE: end of lifetime; TOMB: release time */
	uint8_t *opts;       /* option list, malloc'd, NULL if none */
	uint32_t link;       /* next on the dirty queue, or on the free list */
	uint32_t heap_pos;   /* position in the expiry heap, NONE if not in it */
	uint32_t granted_s;  /* LIVE: the lifetime it was last set with (SNMP TimeGranted) */
	uint16_t key_len;
	uint16_t opts_len;
	uint8_t kind;
	uint8_t state; /* enum ent_state */
	uint8_t queued : 1;
	uint8_t fresh : 1; /* created by store_set_local(), not yet taken */
};

/* An array in chunks of 2^shift elements: element i is at
 * dir[i >> shift][i & mask]. Chunk 0 may be smaller while the table is
 * small (it doubles up to a whole chunk); all others are whole. */
struct chunks {
	void **dir;
	uint32_t n;      /* chunks allocated */
	uint32_t dircap; /* entries of dir */
	uint32_t cap;    /* elements allocated */
};

/* 8 bytes: the hash lets probes skip other keys without a slab access */
struct slot {
	uint32_t idx; /* slab index, NONE if empty */
	uint32_t hv;  /* st_hash() of that entry's key */
};

/* Open addressing, mask + 1 slots in nseg segments of 2^shift slots. */
struct index {
	struct slot **seg; /* NULL: no index; seg[k] NULL: not (or no longer) there */
	uint32_t mask;
	uint32_t n;    /* occupied slots */
	uint32_t nseg; /* entries of seg[] */
	uint32_t live; /* segments allocated */
	uint32_t shift;
};

struct dirty_q {
	uint32_t head, tail;
	size_t n; /* queued entries that are not DEAD */
};

struct vrrp_ha_store {
	struct chunks ent;  /* the slab: struct st_entry */
	uint32_t ent_hw;    /* entries [0, ent_hw) have been handed out */
	uint32_t free_head; /* free list through st_entry.link */

	struct chunks heap; /* min-heap of slab indices by expires_ms */
	uint32_t heap_n;

	/* Resize (index.c): at most one of nxt and old is there. nxt: the
	 * bigger index being prepared; old: the one being drained into ix,
	 * slots [mig_pos, mig_pos + mig_left) still to scan. */
	struct index ix;
	struct index nxt;
	struct index old;
	uint32_t mig_pos;
	uint32_t mig_left;
	uint32_t mig_keep;

	struct st_order *ord; /* ordered index of LIVE entries (btree.c) */
	bool ordered;         /* it is kept (store_set_ordered) */

	struct dirty_q q[VRRP_HA_KIND_MAX + 1]; /* by kind; [0] unused */
	size_t live_n[VRRP_HA_KIND_MAX + 1];    /* by kind; [0] all kinds */
	size_t ext_bytes;                       /* out-of-line keys, options */
	size_t opts_entries;                    /* entries holding options (any state) */
	uint32_t tombstone_ms;
	uint64_t key[2]; /* SipHash key */

	struct st_digest *dg; /* digests and marks (digest.c); NULL until the first entry */
};

static inline struct st_entry *ent_at(const struct vrrp_ha_store *s, uint32_t idx)
{
	return (struct st_entry *)s->ent.dir[idx >> ENT_SHIFT] + (idx & ENT_MASK);
}

static inline const uint8_t *ent_key(const struct st_entry *e)
{
	return e->key_len <= KEY_INLINE ? e->key.inl : e->key.ext;
}

/* Returns: the order of k against entry e's key (kind, len, bytes). */
static inline int key_cmp_ent(const struct vrrp_ha_key *k, const struct st_entry *e)
{
	if (k->kind != e->kind)
		return k->kind < e->kind ? -1 : 1;
	if (k->len != e->key_len)
		return k->len < e->key_len ? -1 : 1;
	return memcmp(k->bytes, ent_key(e), k->len);
}

static inline bool key_eq_ent(const struct vrrp_ha_key *k, const struct st_entry *e)
{
	return k->kind == e->kind && k->len == e->key_len &&
	       memcmp(k->bytes, ent_key(e), k->len) == 0;
}

static inline void ent_key_of(const struct st_entry *e, struct vrrp_ha_key *k)
{
	k->kind = e->kind;
	k->len = e->key_len;
	k->bytes = ent_key(e);
}

static inline bool mul_overflows(size_t a, size_t b)
{
	return b != 0 && a > SIZE_MAX / b;
}

/* ---- slab.c: chunked arrays, the slab, the expiry heap ---------------- */

/* Grow c (esize-byte elements, chunks of 2^shift) to at least need.
 * Returns: 0 or -1. */
int st_ch_reserve(struct chunks *c, size_t esize, unsigned shift, uint32_t need);
/* Free c's chunks and directory. Returns: nothing. */
void st_ch_free(struct chunks *c);
/* Returns: bytes c holds. */
size_t st_ch_memory(const struct chunks *c, size_t esize);
/* Room for one more entry in slab and heap. Returns: 0 or -1. */
int st_ent_reserve(struct vrrp_ha_store *s);
/* Take an entry (after st_ent_reserve()), zeroed, in nothing. Returns: its index. */
uint32_t st_ent_alloc(struct vrrp_ha_store *s);
/* Free entry idx (in no index, tree, heap or queue) and what it owns.
 * Returns: nothing. */
void st_ent_release(struct vrrp_ha_store *s, uint32_t idx);
/* Put idx in the heap with deadline at_ms, or move it. Returns: nothing. */
void st_heap_schedule(struct vrrp_ha_store *s, uint32_t idx, uint64_t at_ms);
/* Take idx out of the heap if it is there. Returns: nothing. */
void st_heap_remove(struct vrrp_ha_store *s, uint32_t idx);
/* Returns: the entry on top of the heap (heap_n > 0). */
uint32_t st_heap_top(const struct vrrp_ha_store *s);

/* ---- index.c: hashing and the hash index ------------------------------ */

/* SipHash-1-3 of m (len bytes) under the key (k0, k1), 64-bit output.
 * Returns: the hash. */
uint64_t st_siphash13(uint64_t k0, uint64_t k1, const uint8_t *m, size_t len);
/* Seed s->key. Returns: nothing. */
void st_seed(struct vrrp_ha_store *s);
/* Returns: the 32-bit hash of k under s's key. */
uint32_t st_hash(const struct vrrp_ha_store *s, const struct vrrp_ha_key *k);
/* Start the index with slots slots and all its segments. Returns: 0 or -1. */
int st_idx_init(struct vrrp_ha_store *s, uint64_t slots);
/* Free all indexes. Returns: nothing. */
void st_idx_free(struct vrrp_ha_store *s);
/* Returns: bytes the indexes hold. */
size_t st_idx_memory(const struct vrrp_ha_store *s);
/* Returns: slab index of k's entry (LIVE or TOMB), or NONE. */
uint32_t st_idx_find(const struct vrrp_ha_store *s, const struct vrrp_ha_key *k, uint32_t hv);
/* Room for one more key. Returns: 0 or -1. */
int st_idx_reserve(struct vrrp_ha_store *s);
/* Insert idx (after st_idx_reserve()). Returns: nothing. */
void st_idx_insert(struct vrrp_ha_store *s, uint32_t idx, uint32_t hv);
/* Remove idx. Returns: nothing. */
void st_idx_remove(struct vrrp_ha_store *s, uint32_t idx);
/* Up to budget slots of resize work. Returns: true if one is under way. */
bool st_idx_work(struct vrrp_ha_store *s, uint32_t budget);

/* ---- btree.c: the ordered index -------------------------------------- */

struct st_order;

/* Put aside what one st_ord_insert() may allocate (nothing if the store
 * is not ordered). Returns: 0, or -1 (out of memory). */
int st_ord_reserve(struct vrrp_ha_store *s);
/* Insert LIVE entry idx (after st_ord_reserve()). Returns: nothing. */
void st_ord_insert(struct vrrp_ha_store *s, uint32_t idx);
/* Remove entry idx. Returns: nothing. */
void st_ord_remove(struct vrrp_ha_store *s, uint32_t idx);
/* Returns: the entry with the smallest key > after (NULL: smallest), or NONE. */
uint32_t st_ord_next(const struct vrrp_ha_store *s, const struct vrrp_ha_key *after);
/* Free the index. Returns: nothing. */
void st_ord_free(struct vrrp_ha_store *s);
/* Returns: bytes the index holds. */
size_t st_ord_memory(const struct vrrp_ha_store *s);

/* ---- digest.c: deterministic digests per bucket, marks ------------------ */

/* For a store made for size_hint entries: a big one gets every kind's
 * tables now. Returns: 0 or -1. */
int st_dg_init(struct vrrp_ha_store *s, size_t size_hint);
/* Entry idx (its key set) becomes counted with r's content (before its
 * state changes; allocates its bucket's digest the first time).
 * Returns: 0, or -1 if memory is short (nothing changed). */
int st_dg_enter(struct vrrp_ha_store *s, uint32_t idx, const struct vrrp_ha_record *r);
/* Counted entry idx takes r's content (before the entry changes). Returns: nothing. */
void st_dg_change(struct vrrp_ha_store *s, uint32_t idx, const struct vrrp_ha_record *r);
/* Counted entry idx stops counting (before its content changes). Returns: nothing. */
void st_dg_leave(struct vrrp_ha_store *s, uint32_t idx);
/* Free the digest tables. Returns: nothing. */
void st_dg_free(struct vrrp_ha_store *s);
/* Returns: bytes the digest tables and marks hold. */
size_t st_dg_memory(const struct vrrp_ha_store *s);

/* ---- store.c, for digest.c's sweep ------------------------------------- */

/* LIVE entry idx, shown to cb (may be NULL) first, becomes a tombstone of
 * its own version, not queued (a delete from the reference table).
 * Returns: nothing. */
void st_sweep_one(struct vrrp_ha_store *s, uint32_t idx, uint64_t now_ms, store_rec_cb cb,
                  void *arg);

#endif
