/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * order.c - the store's order tree: an AVL tree threaded through the LIVE
 * entries themselves (two uint32 child indices and a height byte per
 * entry), ordered by (kind, key length, key bytes). It gives
 * store_lookup_next() in O(log n) for an SNMP walk over a million rows
 * without copying, and needs no allocation: an insert can never fail, nor
 * take more than one descent and O(log n) rotations (height <= 1.44 log2 n,
 * 43 at 2^30 entries, so the recursion is shallow).
 *
 * Children are child[0] (smaller keys) and child[1] (greater), so each
 * rotation is written once for both directions.
 */
#include "store_int.h"

static inline unsigned h_of(const struct vrrp_ha_store *s, uint32_t n)
{
	return n == NONE ? 0 : ent_at(s, n)->height;
}

static inline void fix_height(const struct vrrp_ha_store *s, uint32_t n)
{
	struct st_entry *e = ent_at(s, n);
	unsigned l = h_of(s, e->child[0]), r = h_of(s, e->child[1]);

	e->height = (uint8_t)((l > r ? l : r) + 1);
}

/* Raise n's child on side d (0: a right rotation, 1: a left one).
 * Returns: the subtree's new root. */
static uint32_t rotate(const struct vrrp_ha_store *s, uint32_t n, unsigned d)
{
	struct st_entry *e = ent_at(s, n);
	uint32_t c = e->child[d];
	struct st_entry *ce = ent_at(s, c);

	e->child[d] = ce->child[!d];
	ce->child[!d] = n;
	fix_height(s, n);
	fix_height(s, c);
	return c;
}

/* Restore the AVL balance at n (its subtrees are balanced).
 * Returns: the subtree's new root. */
static uint32_t rebalance(const struct vrrp_ha_store *s, uint32_t n)
{
	struct st_entry *e = ent_at(s, n);
	unsigned h0 = h_of(s, e->child[0]), h1 = h_of(s, e->child[1]);

	if (h0 > h1 + 1 || h1 > h0 + 1) {
		unsigned d = h1 > h0; /* the heavy side */
		const struct st_entry *c = ent_at(s, e->child[d]);

		/* the heavy child leans the other way: straighten it first */
		if (h_of(s, c->child[d]) < h_of(s, c->child[!d]))
			e->child[d] = rotate(s, e->child[d], !d);
		return rotate(s, n, d);
	}
	fix_height(s, n);
	return n;
}

/* Unlink the smallest entry of subtree n into *min.
 * Returns: the subtree's new root. */
static uint32_t del_min(const struct vrrp_ha_store *s, uint32_t n, uint32_t *min)
{
	struct st_entry *e = ent_at(s, n);

	if (e->child[0] == NONE) {
		*min = n;
		return e->child[1];
	}
	e->child[0] = del_min(s, e->child[0], min);
	return rebalance(s, n);
}

/* Insert (add) or remove entry idx, whose key is k, in subtree n.
 * Returns: the subtree's new root. */
static uint32_t update(const struct vrrp_ha_store *s, uint32_t n, uint32_t idx,
                       const struct vrrp_ha_key *k, bool add)
{
	struct st_entry *e;
	unsigned d;

	if (n == NONE) {
		if (!add)
			return NONE; /* not in the tree */
		e = ent_at(s, idx);
		e->child[0] = e->child[1] = NONE;
		e->height = 1;
		return idx;
	}
	e = ent_at(s, n);
	if (!add && n == idx) {
		uint32_t m, r;

		if (e->child[0] == NONE || e->child[1] == NONE)
			return e->child[e->child[0] == NONE];
		/* the successor takes n's place */
		r = del_min(s, e->child[1], &m);
		ent_at(s, m)->child[0] = e->child[0];
		ent_at(s, m)->child[1] = r;
		return rebalance(s, m);
	}
	d = key_cmp_ent(k, e) > 0;
	e->child[d] = update(s, e->child[d], idx, k, add);
	return rebalance(s, n);
}

static void ord_update(struct vrrp_ha_store *s, uint32_t idx, bool add)
{
	struct vrrp_ha_key k;

	ent_key_of(ent_at(s, idx), &k);
	s->root = update(s, s->root, idx, &k, add);
}

void st_ord_insert(struct vrrp_ha_store *s, uint32_t idx)
{
	if (s->ordered)
		ord_update(s, idx, true);
}

void st_ord_remove(struct vrrp_ha_store *s, uint32_t idx)
{
	if (s->ordered)
		ord_update(s, idx, false);
}

uint32_t st_ord_next(const struct vrrp_ha_store *s, const struct vrrp_ha_key *after)
{
	uint32_t n = s->root, best = NONE;

	while (n != NONE) {
		const struct st_entry *e = ent_at(s, n);

		if (!after || key_cmp_ent(after, e) < 0) {
			best = n;
			n = e->child[0];
		} else {
			n = e->child[1];
		}
	}
	return best;
}
