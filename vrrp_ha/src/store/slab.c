/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * slab.c - the store's memory: chunked arrays that grow a chunk at a time
 * and never move a whole chunk (a realloc of a big array copies it: 80 ms
 * at a million entries, which would stall keepalived's event loop), the
 * slab of entries addressed by a uint32 index that never changes for the
 * life of an entry (so a cursor is a plain index), and the expiry heap: a
 * binary min-heap of slab indices by deadline, each entry knowing its
 * position so it is re-keyed in O(log n).
 */
#include <stdlib.h>

#include "store_int.h"

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
 * Grow c by one step: while chunk 0 is smaller than a chunk it is
 * reallocated twice as big (at least want, at most a chunk: a copy under
 * 64 KiB); after that one more whole chunk is allocated. On failure c
 * holds what it held (its directory may have grown). Returns: 0 or -1.
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

int st_ch_reserve(struct chunks *c, size_t esize, unsigned shift, uint32_t need)
{
	while (c->cap < need)
		if (ch_grow(c, esize, shift, need))
			return -1;
	return 0;
}

void st_ch_free(struct chunks *c)
{
	uint32_t k;

	for (k = 0; k < c->n; k++)
		free(c->dir[k]);
	free(c->dir);
	memset(c, 0, sizeof(*c));
}

size_t st_ch_memory(const struct chunks *c, size_t esize)
{
	return (size_t)c->dircap * sizeof(*c->dir) + (size_t)c->cap * esize;
}

/* ---- slab --------------------------------------------------------------- */

/* Each array keeps its own capacity, so a failure of the second leaves the
 * store consistent. */
int st_ent_reserve(struct vrrp_ha_store *s)
{
	if (s->free_head != NONE)
		return 0;
	if (s->ent_hw < s->ent.cap && s->ent_hw < s->heap.cap)
		return 0;
	if (s->ent_hw >= MAX_ENTRIES)
		return -1;
	if (s->ent.cap <= s->ent_hw && ch_grow(&s->ent, sizeof(struct st_entry), ENT_SHIFT, 0))
		return -1;
	if (s->heap.cap <= s->ent_hw && ch_grow(&s->heap, sizeof(uint32_t), HEAP_SHIFT, 0))
		return -1;
	return 0;
}

uint32_t st_ent_alloc(struct vrrp_ha_store *s)
{
	struct st_entry *e;
	uint32_t idx;

	if (s->free_head != NONE) {
		idx = s->free_head;
		s->free_head = ent_at(s, idx)->link;
	} else {
		idx = s->ent_hw++;
	}
	e = ent_at(s, idx);
	memset(e, 0, sizeof(*e));
	e->link = NONE;
	e->heap_pos = NONE;
	return idx;
}

void st_ent_release(struct vrrp_ha_store *s, uint32_t idx)
{
	struct st_entry *e = ent_at(s, idx);

	if (e->key_len > KEY_INLINE) {
		free(e->key.ext);
		s->ext_bytes -= (size_t)e->key_len + EXT_OVERHEAD;
	}
	if (e->opts) {
		free(e->opts);
		s->ext_bytes -= (size_t)e->opts_len + EXT_OVERHEAD;
		s->opts_entries--;
	}
	e->opts = NULL;
	e->opts_len = 0;
	e->key_len = 0;
	e->state = ST_FREE;
	e->queued = 0;
	e->link = s->free_head;
	s->free_head = idx;
}

/* ---- expiry heap ---------------------------------------------------------- */

static inline uint32_t *heap_at(const struct vrrp_ha_store *s, uint32_t pos)
{
	return (uint32_t *)s->heap.dir[pos >> HEAP_SHIFT] + (pos & HEAP_MASK);
}

static inline uint32_t heap_get(const struct vrrp_ha_store *s, uint32_t pos)
{
	return *heap_at(s, pos);
}

static inline void heap_put(struct vrrp_ha_store *s, uint32_t pos, uint32_t idx)
{
	*heap_at(s, pos) = idx;
	ent_at(s, idx)->heap_pos = pos;
}

static inline bool heap_less(const struct vrrp_ha_store *s, uint32_t a, uint32_t b)
{
	return ent_at(s, a)->expires_ms < ent_at(s, b)->expires_ms;
}

static void heap_sift_up(struct vrrp_ha_store *s, uint32_t pos)
{
	uint32_t idx = heap_get(s, pos);

	while (pos > 0) {
		uint32_t parent = (pos - 1) / 2;

		if (!heap_less(s, idx, heap_get(s, parent)))
			break;
		heap_put(s, pos, heap_get(s, parent));
		pos = parent;
	}
	heap_put(s, pos, idx);
}

static void heap_sift_down(struct vrrp_ha_store *s, uint32_t pos)
{
	uint32_t idx = heap_get(s, pos);

	for (;;) {
		uint32_t child = 2 * pos + 1;

		if (child >= s->heap_n)
			break;
		if (child + 1 < s->heap_n &&
		    heap_less(s, heap_get(s, child + 1), heap_get(s, child)))
			child++;
		if (!heap_less(s, heap_get(s, child), idx))
			break;
		heap_put(s, pos, heap_get(s, child));
		pos = child;
	}
	heap_put(s, pos, idx);
}

/* The heap never needs to grow here: it has room for every entry handed
 * out (st_ent_reserve). */
void st_heap_schedule(struct vrrp_ha_store *s, uint32_t idx, uint64_t at_ms)
{
	struct st_entry *e = ent_at(s, idx);

	e->expires_ms = at_ms;
	if (e->heap_pos == NONE) {
		heap_put(s, s->heap_n++, idx);
		heap_sift_up(s, e->heap_pos);
	} else {
		heap_sift_up(s, e->heap_pos);
		heap_sift_down(s, e->heap_pos);
	}
}

void st_heap_remove(struct vrrp_ha_store *s, uint32_t idx)
{
	uint32_t pos = ent_at(s, idx)->heap_pos;
	uint32_t last;

	if (pos == NONE)
		return;
	ent_at(s, idx)->heap_pos = NONE;
	last = heap_get(s, --s->heap_n);
	if (pos == s->heap_n)
		return;
	heap_put(s, pos, last);
	heap_sift_up(s, pos);
	heap_sift_down(s, ent_at(s, last)->heap_pos);
}

uint32_t st_heap_top(const struct vrrp_ha_store *s)
{
	return heap_get(s, 0);
}
