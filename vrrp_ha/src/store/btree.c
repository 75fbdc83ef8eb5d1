/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * btree.c - the store's ordered index: one B+tree per kind of slab indices
 * with a 16-byte prefix of each key beside it, ordered by (kind, key
 * length, key bytes). It gives store_lookup_next() in O(log n) for an SNMP
 * walk over a million rows without copying the table.
 *
 * It replaces an AVL tree threaded through the entries (order.c), which
 * cost every insert ~20 dependent cache misses (2.6-3x the unordered
 * insert at 1M). Here a lookup visits 3-4 nodes of 32 keys each and
 * compares prefixes held in the node: a MIPv6 key (16 bytes) is all in its
 * prefix; longer keys (PMIPv6, ATTACH) keep their length and first 14
 * bytes there and only ties look at the entry.
 *
 * Nothing allocates inside st_ord_insert(): st_ord_reserve() first puts
 * aside the nodes a split cascade can need, so the store can refuse a
 * record (NOMEM) before changing anything. Deletes free empty nodes and
 * never merge: a node may stay under-full.
 */
#include <stdlib.h>

#include "store_int.h"

#define BT_FAN  32 /* keys per node */
#define BT_MAXH 16 /* 32 * 16^15 entries: never reached */
#define BT_POOL 24 /* spare nodes kept after deletes, per type */

struct bt_key {
	uint64_t a, b;
};

struct bt_leaf {
	uint32_t n;
	uint32_t idx[BT_FAN];
	struct bt_key k[BT_FAN];
};

/* k[i], idx[i]: the smallest key in child[i]'s subtree (ties of long keys
 * are broken by the entry idx[i]) */
struct bt_inner {
	uint32_t n;
	uint32_t idx[BT_FAN];
	struct bt_key k[BT_FAN];
	void *child[BT_FAN];
};

struct bt_tree {
	void *root;
	unsigned height; /* 0: empty; 1: the root is a leaf */
};

/* spare nodes: a free list through the first pointer-sized bytes */
struct bt_spare {
	struct bt_spare *next;
};

struct st_order {
	struct bt_tree t[VRRP_HA_KIND_MAX + 1];
	struct bt_spare *leaf_pool, *inner_pool;
	unsigned leaf_spare, inner_spare;
	size_t leaves, inners; /* allocated, spares included */
};

/* A key being looked for. */
struct bt_x {
	struct bt_key k;
	const struct vrrp_ha_key *key;
};

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void prefix_of(const struct vrrp_ha_key *key, struct bt_key *k)
{
	uint8_t buf[16] = {0};

	if (key->kind == VRRP_HA_KIND_MIPV6 && key->len == 16) {
		memcpy(buf, key->bytes, 16);
	} else {
		buf[0] = (uint8_t)(key->len >> 8);
		buf[1] = (uint8_t)key->len;
		memcpy(buf + 2, key->bytes, key->len < 14 ? key->len : 14);
	}
	k->a = be64(buf);
	k->b = be64(buf + 8);
}

/* Returns: the order of x against the key k (entry idx). */
static int cmp(const struct vrrp_ha_store *s, const struct bt_x *x, const struct bt_key *k,
               uint32_t idx)
{
	if (x->k.a != k->a)
		return x->k.a < k->a ? -1 : 1;
	if (x->k.b != k->b)
		return x->k.b < k->b ? -1 : 1;
	if (x->key->kind == VRRP_HA_KIND_MIPV6)
		return 0; /* the whole key is in the prefix */
	return key_cmp_ent(x->key, ent_at(s, idx));
}

/* Returns: how many of the n keys are <= x (ge: < x). */
static unsigned count_le(const struct vrrp_ha_store *s, const struct bt_x *x,
                         const struct bt_key *k, const uint32_t *idx, unsigned n, bool lt)
{
	unsigned lo = 0, hi = n;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		int c = cmp(s, x, &k[mid], idx[mid]);

		if (c > 0 || (c == 0 && !lt))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The child of an inner node whose subtree would hold x. */
static unsigned child_for(const struct vrrp_ha_store *s, const struct bt_inner *in,
                          const struct bt_x *x)
{
	unsigned i = count_le(s, x, in->k, in->idx, in->n, false);

	return i ? i - 1 : 0;
}

/* ---- nodes --------------------------------------------------------------- */

static void *pool_take(struct bt_spare **pool, unsigned *spare)
{
	struct bt_spare *p = *pool;

	*pool = p->next;
	(*spare)--;
	return p;
}

static void pool_put(struct st_order *o, void *node, bool leaf)
{
	struct bt_spare **pool = leaf ? &o->leaf_pool : &o->inner_pool;
	unsigned *spare = leaf ? &o->leaf_spare : &o->inner_spare;
	struct bt_spare *p = node;

	if (*spare >= BT_POOL) {
		free(node);
		if (leaf)
			o->leaves--;
		else
			o->inners--;
		return;
	}
	p->next = *pool;
	*pool = p;
	(*spare)++;
}

int st_ord_reserve(struct vrrp_ha_store *s)
{
	struct st_order *o;
	unsigned h = 0;

	if (!s->ordered)
		return 0;
	if (!s->ord) {
		s->ord = calloc(1, sizeof(*s->ord));
		if (!s->ord)
			return -1;
	}
	o = s->ord;
	for (unsigned k = 1; k <= VRRP_HA_KIND_MAX; k++)
		if (o->t[k].height > h)
			h = o->t[k].height;
	/* a split cascade: one leaf, an inner node per level, a new root */
	while (o->leaf_spare < 1) {
		void *n = malloc(sizeof(struct bt_leaf));

		if (!n)
			return -1;
		o->leaves++;
		pool_put(o, n, true);
	}
	while (o->inner_spare < h + 1) {
		void *n = malloc(sizeof(struct bt_inner));

		if (!n)
			return -1;
		o->inners++;
		pool_put(o, n, false);
	}
	return 0;
}

void st_ord_free(struct vrrp_ha_store *s)
{
	struct st_order *o = s->ord;

	if (!o)
		return;
	for (unsigned k = 1; k <= VRRP_HA_KIND_MAX; k++) {
		/* depth-first: a stack of (node, next child) per level */
		void *node[BT_MAXH];
		unsigned next[BT_MAXH], h = o->t[k].height, l = 0;

		if (!h)
			continue;
		node[0] = o->t[k].root;
		next[0] = 0;
		while (true) {
			if (l + 1 == h) { /* a leaf */
				free(node[l]);
				if (l == 0)
					break;
				l--;
				continue;
			}
			struct bt_inner *in = node[l];

			if (next[l] < in->n) {
				node[l + 1] = in->child[next[l]++];
				next[++l] = 0;
				continue;
			}
			free(in);
			if (l == 0)
				break;
			l--;
		}
	}
	while (o->leaf_pool)
		free(pool_take(&o->leaf_pool, &o->leaf_spare));
	while (o->inner_pool)
		free(pool_take(&o->inner_pool, &o->inner_spare));
	free(o);
	s->ord = NULL;
}

size_t st_ord_memory(const struct vrrp_ha_store *s)
{
	const struct st_order *o = s->ord;

	return o ? sizeof(*o) + o->leaves * (sizeof(struct bt_leaf) + EXT_OVERHEAD) +
	                       o->inners * (sizeof(struct bt_inner) + EXT_OVERHEAD)
	         : 0;
}

/* ---- insert -------------------------------------------------------------- */

struct bt_path {
	struct bt_inner *node[BT_MAXH];
	unsigned pos[BT_MAXH];
};

/* Walk from the root of t (height > 0) to the leaf whose range holds x,
 * recording the inner nodes and the child taken in each. Returns: the
 * leaf; *level its depth (the number of inner nodes above it). */
static struct bt_leaf *descend(const struct vrrp_ha_store *s, const struct bt_tree *t,
                               const struct bt_x *x, struct bt_path *p, unsigned *level)
{
	void *n = t->root;
	unsigned l;

	for (l = 0; l + 1 < t->height; l++) {
		p->node[l] = n;
		p->pos[l] = child_for(s, n, x);
		n = p->node[l]->child[p->pos[l]];
	}
	*level = l;
	return n;
}

/* The tree of entry idx, with x set to look for its key (held in *key).
 * Returns: the tree, or NULL if the store keeps no ordered index. */
static struct bt_tree *entry_tree(const struct vrrp_ha_store *s, uint32_t idx,
                                  struct vrrp_ha_key *key, struct bt_x *x)
{
	const struct st_entry *e = ent_at(s, idx);

	if (!s->ordered || !s->ord)
		return NULL;
	ent_key_of(e, key);
	x->key = key;
	prefix_of(key, &x->k);
	return &s->ord->t[e->kind];
}

/* Make room at q in a node's parallel arrays of n entries (child: NULL
 * for a leaf) and put (k, idx, c) there. Returns: nothing. */
static void slot_insert(struct bt_key *ks, uint32_t *ids, void **cs, uint32_t *n, unsigned q,
                        const struct bt_key *k, uint32_t idx, void *c)
{
	memmove(&ks[q + 1], &ks[q], (*n - q) * sizeof(ks[0]));
	memmove(&ids[q + 1], &ids[q], (*n - q) * sizeof(ids[0]));
	if (cs)
		memmove(&cs[q + 1], &cs[q], (*n - q) * sizeof(cs[0]));
	ks[q] = *k;
	ids[q] = idx;
	if (cs)
		cs[q] = c;
	(*n)++;
}

/* Take entry q out of a node's parallel arrays. Returns: nothing. */
static void slot_remove(struct bt_key *ks, uint32_t *ids, void **cs, uint32_t *n, unsigned q)
{
	(*n)--;
	memmove(&ks[q], &ks[q + 1], (*n - q) * sizeof(ks[0]));
	memmove(&ids[q], &ids[q + 1], (*n - q) * sizeof(ids[0]));
	if (cs)
		memmove(&cs[q], &cs[q + 1], (*n - q) * sizeof(cs[0]));
}

/* The root of t split into left (smallest key lk, lidx) and right: a new
 * root above both. Returns: nothing. */
static void new_root(struct st_order *o, struct bt_tree *t, void *left, const struct bt_key *lk,
                     uint32_t lidx, void *right, const struct bt_key *rk, uint32_t ridx)
{
	struct bt_inner *root = pool_take(&o->inner_pool, &o->inner_spare);

	root->n = 0;
	slot_insert(root->k, root->idx, root->child, &root->n, 0, lk, lidx, left);
	slot_insert(root->k, root->idx, root->child, &root->n, 1, rk, ridx, right);
	t->root = root;
	t->height++;
}

/* The smallest key of the node at level l changed to (k, idx): tell the
 * ancestors whose entry for it is their first one, and its parent. */
static void fix_min(struct bt_path *p, unsigned l, const struct bt_key *k, uint32_t idx)
{
	while (l-- > 0) {
		struct bt_inner *in = p->node[l];

		in->k[p->pos[l]] = *k;
		in->idx[p->pos[l]] = idx;
		if (p->pos[l] != 0)
			break;
	}
}

/* Insert (k, idx, child) at position q of inner node l of the path,
 * splitting up to the root. */
static void inner_insert(struct st_order *o, struct bt_tree *t, struct bt_path *p, unsigned l,
                         unsigned q, struct bt_key k, uint32_t idx, void *child)
{
	for (;;) {
		struct bt_inner *in = p->node[l], *r, *dst;
		unsigned m, dq;

		if (in->n < BT_FAN) {
			slot_insert(in->k, in->idx, in->child, &in->n, q, &k, idx, child);
			return;
		}
		/* full: the upper half (or, appending, only the new entry) goes
		 * to a new node r */
		r = pool_take(&o->inner_pool, &o->inner_spare);
		m = q == BT_FAN ? BT_FAN : BT_FAN / 2;
		r->n = BT_FAN - m;
		memcpy(r->k, &in->k[m], r->n * sizeof(in->k[0]));
		memcpy(r->idx, &in->idx[m], r->n * sizeof(in->idx[0]));
		memcpy(r->child, &in->child[m], r->n * sizeof(in->child[0]));
		in->n = m;
		dst = q >= m ? r : in;
		dq = dst == r ? q - m : q;
		slot_insert(dst->k, dst->idx, dst->child, &dst->n, dq, &k, idx, child);
		if (dst == in && dq == 0)
			fix_min(p, l, &k, idx);
		/* r's entry goes into the parent, after in's */
		if (l == 0) {
			new_root(o, t, in, &in->k[0], in->idx[0], r, &r->k[0], r->idx[0]);
			return;
		}
		k = r->k[0];
		idx = r->idx[0];
		child = r;
		q = p->pos[l - 1] + 1;
		l--;
	}
}

void st_ord_insert(struct vrrp_ha_store *s, uint32_t idx)
{
	struct st_order *o = s->ord;
	struct vrrp_ha_key key;
	struct bt_x x;
	struct bt_tree *t = entry_tree(s, idx, &key, &x);
	struct bt_path p;
	struct bt_leaf *lf, *r = NULL, *dst;
	unsigned l, q, m, dq;

	if (!t)
		return;
	if (!t->height) {
		lf = pool_take(&o->leaf_pool, &o->leaf_spare);
		lf->n = 0;
		slot_insert(lf->k, lf->idx, NULL, &lf->n, 0, &x.k, idx, NULL);
		t->root = lf;
		t->height = 1;
		return;
	}
	lf = descend(s, t, &x, &p, &l);
	q = count_le(s, &x, lf->k, lf->idx, lf->n, false);
	dst = lf;
	dq = q;
	if (lf->n == BT_FAN) {
		/* as inner_insert(): split, appending keeps this leaf full */
		r = pool_take(&o->leaf_pool, &o->leaf_spare);
		m = q == BT_FAN ? BT_FAN : BT_FAN / 2;
		r->n = BT_FAN - m;
		memcpy(r->k, &lf->k[m], r->n * sizeof(lf->k[0]));
		memcpy(r->idx, &lf->idx[m], r->n * sizeof(lf->idx[0]));
		lf->n = m;
		if (q >= m) {
			dst = r;
			dq = q - m;
		}
	}
	slot_insert(dst->k, dst->idx, NULL, &dst->n, dq, &x.k, idx, NULL);
	if (dst == lf && dq == 0)
		fix_min(&p, l, &x.k, idx);
	if (!r)
		return;
	if (l == 0)
		new_root(o, t, lf, &lf->k[0], lf->idx[0], r, &r->k[0], r->idx[0]);
	else
		inner_insert(o, t, &p, l - 1, p.pos[l - 1] + 1, r->k[0], r->idx[0], r);
}

/* ---- remove -------------------------------------------------------------- */

void st_ord_remove(struct vrrp_ha_store *s, uint32_t idx)
{
	struct st_order *o = s->ord;
	struct vrrp_ha_key key;
	struct bt_x x;
	struct bt_tree *t = entry_tree(s, idx, &key, &x);
	struct bt_path p;
	struct bt_leaf *lf;
	unsigned l, q;

	if (!t || !t->height)
		return;
	lf = descend(s, t, &x, &p, &l);
	q = count_le(s, &x, lf->k, lf->idx, lf->n, true); /* first >= x */
	if (q >= lf->n || lf->idx[q] != idx)
		return; /* not in the tree */
	slot_remove(lf->k, lf->idx, NULL, &lf->n, q);
	if (lf->n) {
		if (q == 0)
			fix_min(&p, l, &lf->k[0], lf->idx[0]);
		return;
	}
	/* the leaf is empty: it goes, and so does every ancestor it empties */
	pool_put(o, lf, true);
	while (l > 0) {
		struct bt_inner *in = p.node[l - 1];
		unsigned pos = p.pos[l - 1];

		slot_remove(in->k, in->idx, in->child, &in->n, pos);
		if (in->n) {
			if (pos == 0)
				fix_min(&p, l - 1, &in->k[0], in->idx[0]);
			break;
		}
		pool_put(o, in, false);
		l--;
	}
	if (l == 0) {
		t->root = NULL;
		t->height = 0;
		return;
	}
	/* a root left with one child gives way to it */
	while (t->height > 1 && ((struct bt_inner *)t->root)->n == 1) {
		struct bt_inner *root = t->root;

		t->root = root->child[0];
		t->height--;
		pool_put(o, root, false);
	}
}

/* ---- next ---------------------------------------------------------------- */

/* The smallest entry of kind's tree > x (x NULL: the smallest). */
static uint32_t tree_next(const struct vrrp_ha_store *s, const struct bt_tree *t,
                          const struct bt_x *x)
{
	const struct bt_inner *node[BT_MAXH];
	unsigned pos[BT_MAXH], l, q;
	const struct bt_leaf *lf;

	if (!t->height)
		return NONE;
	for (l = 0; l + 1 < t->height; l++) {
		const struct bt_inner *in = l ? node[l - 1]->child[pos[l - 1]] : t->root;

		node[l] = in;
		pos[l] = x ? child_for(s, in, x) : 0;
	}
	lf = l ? node[l - 1]->child[pos[l - 1]] : t->root;
	q = x ? count_le(s, x, lf->k, lf->idx, lf->n, false) : 0;
	if (q < lf->n)
		return lf->idx[q];
	/* past this leaf: the first entry of the next subtree */
	while (l > 0 && pos[l - 1] + 1 >= node[l - 1]->n)
		l--;
	if (l == 0)
		return NONE;
	{
		const void *n = node[l - 1]->child[pos[l - 1] + 1];

		for (; l + 1 < t->height; l++)
			n = ((const struct bt_inner *)n)->child[0];
		return ((const struct bt_leaf *)n)->idx[0];
	}
}

uint32_t st_ord_next(const struct vrrp_ha_store *s, const struct vrrp_ha_key *after)
{
	const struct st_order *o = s->ord;
	unsigned k = after ? after->kind : 1;

	if (!o)
		return NONE;
	if (after && after->kind >= 1 && after->kind <= VRRP_HA_KIND_MAX) {
		struct bt_x x = {.key = after};
		uint32_t r = NONE;

		if (after->kind == VRRP_HA_KIND_MIPV6 && after->len != 16) {
			/* MIPv6 keys are 16 bytes: all of them after a shorter one */
			if (after->len < 16)
				r = tree_next(s, &o->t[k], NULL);
		} else {
			prefix_of(after, &x.k);
			r = tree_next(s, &o->t[k], &x);
		}
		if (r != NONE)
			return r;
		k++;
	} else if (after) {
		k = after->kind < 1 ? 1 : VRRP_HA_KIND_MAX + 1;
	}
	for (; k <= VRRP_HA_KIND_MAX; k++) {
		uint32_t r = tree_next(s, &o->t[k], NULL);

		if (r != NONE)
			return r;
	}
	return NONE;
}
