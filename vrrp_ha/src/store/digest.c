/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * digest.c - what a peer needs to prove two tables equal and to repair
 * them (store.h, "Digests and marks"; docs/store.md gives both hashes
 * byte by byte): a deterministic bucket of every key and hash of every
 * entry's version and content, their count and sum (mod 2^64) per kind and
 * bucket, per group of 64 buckets and per kind, kept up to date by the
 * store's state changes (st_dg_enter / change / leave from store.c); and
 * marks for a mark-and-sweep full sync: per bucket a generation with the
 * count and sum of the entries marked in it, per entry the generation it
 * was marked in.
 *
 * The hashes are SipHash-1-3 (index.c's) under fixed keys, not the store's
 * random one: every node computes the same values. Keys chosen by a host on
 * the link can crowd one bucket but cost nothing else (lookups go through
 * the random-keyed index).
 *
 * Memory: a kind's tables (3.3 KiB) come with its first entry; its bucket
 * sums are in slices of 4 buckets (48 bytes), each taken with the first
 * entry of one of its buckets from a pool allocated 32 slices (1.5 KiB) at
 * a time, so a small table pays for the buckets it uses in few allocations
 * (160 bindings: 11 KiB in all, 1000: 34 KiB), a big one 51 KiB (a
 * store_new() size hint of 16 Ki or more takes every kind's at once); its
 * mark table (64 KiB) and the per-entry marks (4 bytes per
 * slab entry, in 64 KiB chunks beside the slab: struct st_entry has no
 * spare 4 bytes) come with the first store_mark_begin(). An entry that
 * stops counting loses its mark. Counted entries are what store_count()
 * counts: LIVE ones, also after their lifetime ran out, until
 * store_expire() removes them.
 */
#include <stdlib.h>

#include "store_int.h"

/* The fixed SipHash keys: 16 ASCII bytes each, k0 = the first 8 and k1 =
 * the last 8 read little-endian (SipHash's own key layout), precomputed:
 * "vrrp-ha/" "bucket/1", "vrrp-ha/" "version1", "vrrp-ha/" "options1". */
#define KEY_K0     UINT64_C(0x2f61682d70727276)
#define KEY_BUCKET UINT64_C(0x312f74656b637562)
#define KEY_VERS   UINT64_C(0x316e6f6973726576)
#define KEY_OPTS   UINT64_C(0x31736e6f6974706f)

#define GROUPS (STORE_DIGEST_BUCKETS / STORE_DIGEST_GROUP)
/* bucket sums: slices of SLICE buckets, from pool blocks of 2^POOL_SHIFT */
#define SLICE      4
#define SLICES     (STORE_DIGEST_BUCKETS / SLICE)
#define POOL_SHIFT 5
#define POOL_MASK  ((UINT32_C(1) << POOL_SHIFT) - 1)
/* store_new() size hint from which every kind's slices are allocated at once */
#define HINT_ALL (4 * STORE_DIGEST_BUCKETS)
/* per-entry marks: 16 Ki uint32 a chunk (64 KiB) */
#define MARK_SHIFT 14
#define MARK_MASK  ((UINT32_C(1) << MARK_SHIFT) - 1)
/* longest version-hash message: kind, key length, key, PMIPv6 fixed part,
 * option length, option hash */
#define VMSG_MAX (1 + 2 + VRRP_HA_KEY_MAX + 31 + 2 + 8)

struct dg_sum {
	uint64_t sum;
	uint32_t count;
	uint32_t gen; /* mark tables only: the bucket's generation */
};

struct dg_slice {
	uint64_t sum[SLICE];
	uint32_t count[SLICE];
};

struct dg_kind {
	uint16_t slice_at[SLICES]; /* 1 + the slice's place in the pool; 0: none yet */
	struct dg_slice *pool[SLICES >> POOL_SHIFT];
	uint32_t pool_n;       /* slices handed out */
	struct dg_sum *marked; /* STORE_DIGEST_BUCKETS, NULL until store_mark_begin */
	struct dg_sum group[GROUPS];
	struct dg_sum total;
	uint32_t epoch; /* generation of the latest store_mark_begin (0: none) */
};

struct st_digest {
	struct dg_kind *k[VRRP_HA_KIND_MAX + 1]; /* [0] unused; NULL until the kind's first entry */
	struct chunks marks;                     /* uint32 per slab entry, once marking */
	bool marking;                            /* marks covers the slab */
};

_Static_assert(GROUPS == 64, "a bitmap word is a group");
_Static_assert(SLICES *SLICE == STORE_DIGEST_BUCKETS, "whole slices");
_Static_assert(sizeof(struct dg_sum) * STORE_DIGEST_BUCKETS <= 65536, "no allocation above 64 KiB");

/* ---- the hashes -------------------------------------------------------- */

static uint8_t *put_be(uint8_t *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
	return p + bytes;
}

static uint32_t bucket_of(unsigned kind, const uint8_t *key, uint16_t len)
{
	uint8_t m[1 + VRRP_HA_KEY_MAX];

	m[0] = (uint8_t)kind;
	memcpy(m + 1, key, len);
	return (uint32_t)(st_siphash13(KEY_K0, KEY_BUCKET, m, 1u + len) >> 52);
}

/* The version hash of a record of kind with key, fixed part f and options. */
static uint64_t version_hash(unsigned kind, const uint8_t *key, uint16_t len,
                             const union vrrp_ha_fixed *f, const uint8_t *opts, uint16_t opts_len)
{
	uint8_t m[VMSG_MAX], *p = m;

	*p++ = (uint8_t)kind;
	p = put_be(p, len, 2);
	memcpy(p, key, len);
	p += len;
	switch (kind) {
	case VRRP_HA_KIND_MIPV6:
		memcpy(p, f->mipv6.coa.s6_addr, 16);
		p = put_be(p + 16, f->mipv6.seq, 2);
		p = put_be(p, f->mipv6.flags, 2);
		break;
	case VRRP_HA_KIND_PMIPV6:
		memcpy(p, f->pmipv6.pcoa.s6_addr, 16);
		p = put_be(p + 16, f->pmipv6.timestamp, 8);
		p = put_be(p, f->pmipv6.tunnel_id, 4);
		p = put_be(p, f->pmipv6.flags, 2);
		*p++ = f->pmipv6.att;
		break;
	default: /* VRRP_HA_KIND_ATTACH */
		p = put_be(p, f->attach.version, 4);
		break;
	}
	p = put_be(p, opts_len, 2);
	if (opts_len)
		p = put_be(p, st_siphash13(KEY_K0, KEY_OPTS, opts, opts_len), 8);
	return st_siphash13(KEY_K0, KEY_VERS, m, (size_t)(p - m));
}

static uint32_t ent_bucket(const struct st_entry *e)
{
	return bucket_of(e->kind, ent_key(e), e->key_len);
}

static uint64_t ent_hash(const struct st_entry *e)
{
	return version_hash(e->kind, ent_key(e), e->key_len, &e->f, e->opts, e->opts_len);
}

static uint64_t rec_hash(const struct vrrp_ha_record *r)
{
	return version_hash(r->key.kind, r->key.bytes, r->key.len, &r->u, r->opts, r->opts_len);
}

static bool kind_ok(unsigned kind)
{
	return kind >= 1 && kind <= VRRP_HA_KIND_MAX;
}

uint32_t store_bucket_of(const struct vrrp_ha_key *k)
{
	if (!vrrp_ha_key_valid(k))
		return 0;
	return bucket_of(k->kind, k->bytes, k->len);
}

uint64_t store_version_hash(const struct vrrp_ha_record *r)
{
	if (!kind_ok(r->key.kind) || !vrrp_ha_key_valid(&r->key) || (r->opts_len && !r->opts))
		return 0;
	return version_hash(r->key.kind, r->key.bytes, r->key.len, &r->u, r->opts, r->opts_len);
}

/* ---- the tables ----------------------------------------------------------- */

static inline uint32_t *mark_at(const struct st_digest *d, uint32_t idx)
{
	return (uint32_t *)d->marks.dir[idx >> MARK_SHIFT] + (idx & MARK_MASK);
}

/* Returns: whether entry idx is marked in bucket b's current generation. */
static bool is_marked(const struct st_digest *d, unsigned kind, uint32_t idx, uint32_t b)
{
	const struct dg_kind *dk = d->k[kind];

	return d->marking && dk->marked && dk->marked[b].gen != 0 &&
	       *mark_at(d, idx) == dk->marked[b].gen;
}

/* Add (sign +1) or take away (-1) one entry of hash h from the sums. */
static void sum_move(struct dg_sum *x, uint64_t h, int sign)
{
	if (sign > 0) {
		x->sum += h;
		x->count++;
	} else {
		x->sum -= h;
		x->count--;
	}
}

/* Returns: bucket b's slice, NULL if none was needed yet. */
static inline struct dg_slice *slice_of(const struct dg_kind *dk, uint32_t b)
{
	uint32_t at = dk->slice_at[b / SLICE];

	return at ? &dk->pool[(at - 1) >> POOL_SHIFT][(at - 1) & POOL_MASK] : NULL;
}

/* Bucket b, its group and the total gain (sign +1) or lose (-1) an entry of
 * hash h; b's slice is there. */
static void count_move(struct dg_kind *dk, uint32_t b, uint64_t h, int sign)
{
	struct dg_slice *sl = slice_of(dk, b);

	if (sign > 0) {
		sl->sum[b % SLICE] += h;
		sl->count[b % SLICE]++;
	} else {
		sl->sum[b % SLICE] -= h;
		sl->count[b % SLICE]--;
	}
	sum_move(&dk->group[b / STORE_DIGEST_GROUP], h, sign);
	sum_move(&dk->total, h, sign);
}

/* Per-entry marks for every slab entry there is room for; new ones are
 * 0 (not marked). Returns: 0 or -1 (what there was is kept). */
static int marks_cover(struct st_digest *d, uint32_t need)
{
	uint32_t i = d->marks.cap;
	int rc = st_ch_reserve(&d->marks, sizeof(uint32_t), MARK_SHIFT, need);

	/* also what a failed reserve did get */
	for (; i < d->marks.cap; i++)
		*mark_at(d, i) = 0;
	return rc;
}

/* The tables of kind and (b < STORE_DIGEST_BUCKETS) bucket b's slice.
 * Returns: 0 or -1 (what there was is kept). */
static int tables_reserve(struct vrrp_ha_store *s, unsigned kind, uint32_t b)
{
	struct st_digest *d = s->dg;
	struct dg_kind *dk;

	if (!d) {
		d = calloc(1, sizeof(*d));
		if (!d)
			return -1;
		s->dg = d;
	}
	dk = d->k[kind];
	if (!dk) {
		dk = calloc(1, sizeof(*dk));
		if (!dk)
			return -1;
		d->k[kind] = dk;
	}
	if (b < STORE_DIGEST_BUCKETS && !dk->slice_at[b / SLICE]) {
		uint32_t p = dk->pool_n;

		if ((p & POOL_MASK) == 0) {
			dk->pool[p >> POOL_SHIFT] = calloc(POOL_MASK + 1, sizeof(struct dg_slice));
			if (!dk->pool[p >> POOL_SHIFT])
				return -1;
		}
		dk->slice_at[b / SLICE] = (uint16_t)(p + 1);
		dk->pool_n++;
	}
	/* the slab may have grown a chunk for this entry */
	if (d->marking && d->marks.cap < s->ent.cap && marks_cover(d, s->ent.cap))
		return -1;
	return 0;
}

int st_dg_init(struct vrrp_ha_store *s, size_t size_hint)
{
	/* a table this big uses every slice: no growth later (as the slab) */
	if (size_hint < HINT_ALL)
		return 0;
	for (unsigned k = 1; k <= VRRP_HA_KIND_MAX; k++)
		for (uint32_t b = 0; b < STORE_DIGEST_BUCKETS; b += SLICE)
			if (tables_reserve(s, k, b))
				return -1;
	return 0;
}

int st_dg_enter(struct vrrp_ha_store *s, uint32_t idx, const struct vrrp_ha_record *r)
{
	const struct st_entry *e = ent_at(s, idx);
	uint32_t b = ent_bucket(e);

	if (tables_reserve(s, e->kind, b))
		return -1;
	/* not marked: a mark is dropped whenever an entry stops counting */
	count_move(s->dg->k[e->kind], b, rec_hash(r), 1);
	return 0;
}

void st_dg_change(struct vrrp_ha_store *s, uint32_t idx, const struct vrrp_ha_record *r)
{
	const struct st_entry *e = ent_at(s, idx);
	struct dg_kind *dk = s->dg->k[e->kind];
	uint32_t b = ent_bucket(e);
	uint64_t d = rec_hash(r) - ent_hash(e);

	slice_of(dk, b)->sum[b % SLICE] += d;
	dk->group[b / STORE_DIGEST_GROUP].sum += d;
	dk->total.sum += d;
	if (is_marked(s->dg, e->kind, idx, b))
		dk->marked[b].sum += d;
}

void st_dg_leave(struct vrrp_ha_store *s, uint32_t idx)
{
	const struct st_entry *e = ent_at(s, idx);
	struct dg_kind *dk = s->dg->k[e->kind];
	uint32_t b = ent_bucket(e);
	uint64_t h = ent_hash(e);

	count_move(dk, b, h, -1);
	if (is_marked(s->dg, e->kind, idx, b))
		sum_move(&dk->marked[b], h, -1);
	if (s->dg->marking)
		*mark_at(s->dg, idx) = 0;
}

void st_dg_free(struct vrrp_ha_store *s)
{
	struct st_digest *d = s->dg;

	if (!d)
		return;
	for (unsigned k = 1; k <= VRRP_HA_KIND_MAX; k++) {
		struct dg_kind *dk = d->k[k];

		if (!dk)
			continue;
		for (unsigned i = 0; i < SLICES >> POOL_SHIFT; i++)
			free(dk->pool[i]);
		free(dk->marked);
		free(dk);
	}
	st_ch_free(&d->marks);
	free(d);
	s->dg = NULL;
}

size_t st_dg_memory(const struct vrrp_ha_store *s)
{
	const struct st_digest *d = s->dg;
	size_t n;

	if (!d)
		return 0;
	n = sizeof(*d) + EXT_OVERHEAD + st_ch_memory(&d->marks, sizeof(uint32_t));
	for (unsigned k = 1; k <= VRRP_HA_KIND_MAX; k++) {
		const struct dg_kind *dk = d->k[k];

		if (!dk)
			continue;
		n += sizeof(*dk) + EXT_OVERHEAD;
		if (dk->marked)
			n += STORE_DIGEST_BUCKETS * sizeof(struct dg_sum) + EXT_OVERHEAD;
		n += ((dk->pool_n + POOL_MASK) >> POOL_SHIFT) *
		     ((POOL_MASK + 1) * sizeof(struct dg_slice) + EXT_OVERHEAD);
	}
	return n;
}

/* ---- digests ------------------------------------------------------------------ */

static void read_sum(const struct dg_sum *x, uint32_t *count, uint64_t *sum)
{
	if (count)
		*count = x ? x->count : 0;
	if (sum)
		*sum = x ? x->sum : 0;
}

/* Returns: kind's tables, or NULL if there are none (or it is no kind). */
static const struct dg_kind *kind_of(const struct vrrp_ha_store *s, unsigned kind)
{
	return s->dg && kind_ok(kind) ? s->dg->k[kind] : NULL;
}

void store_digest_bucket(const struct vrrp_ha_store *s, unsigned kind, uint32_t b, uint32_t *count,
                         uint64_t *sum)
{
	const struct dg_kind *dk = kind_of(s, kind);
	const struct dg_slice *sl = dk && b < STORE_DIGEST_BUCKETS ? slice_of(dk, b) : NULL;

	if (count)
		*count = sl ? sl->count[b % SLICE] : 0;
	if (sum)
		*sum = sl ? sl->sum[b % SLICE] : 0;
}

void store_digest_group(const struct vrrp_ha_store *s, unsigned kind, uint32_t g, uint32_t *count,
                        uint64_t *sum)
{
	const struct dg_kind *dk = kind_of(s, kind);

	read_sum(dk && g < GROUPS ? &dk->group[g] : NULL, count, sum);
}

void store_digest_total(const struct vrrp_ha_store *s, unsigned kind, uint32_t *count,
                        uint64_t *sum)
{
	const struct dg_kind *dk = kind_of(s, kind);

	read_sum(dk ? &dk->total : NULL, count, sum);
}

/* ---- marks --------------------------------------------------------------------- */

static bool in_map(const uint64_t *bitmap, uint32_t b)
{
	return !bitmap || (bitmap[b / 64] >> (b % 64) & 1);
}

uint32_t store_mark_begin(struct vrrp_ha_store *s, unsigned kind, const uint64_t *bitmap)
{
	struct st_digest *d;
	struct dg_kind *dk;

	if (!kind_ok(kind) || tables_reserve(s, kind, STORE_DIGEST_BUCKETS))
		return 0;
	d = s->dg;
	dk = d->k[kind];
	if (!dk->marked) {
		dk->marked = calloc(STORE_DIGEST_BUCKETS, sizeof(struct dg_sum));
		if (!dk->marked)
			return 0;
	}
	if (!d->marking) {
		if (marks_cover(d, s->ent.cap))
			return 0;
		d->marking = true;
	}
	if (++dk->epoch == 0)
		dk->epoch = 1; /* 0 means "no generation" */
	for (uint32_t b = 0; b < STORE_DIGEST_BUCKETS; b++)
		if (in_map(bitmap, b))
			dk->marked[b] = (struct dg_sum){0, 0, dk->epoch};
	return dk->epoch;
}

bool store_mark(struct vrrp_ha_store *s, const struct vrrp_ha_key *k, uint64_t now_ms)
{
	struct st_entry *e;
	struct dg_kind *dk;
	uint32_t idx, b, *m;

	if (!kind_ok(k->kind) || !vrrp_ha_key_valid(k) || !s->dg || !s->dg->marking)
		return false;
	dk = s->dg->k[k->kind];
	if (!dk || !dk->marked)
		return false;
	idx = st_idx_find(s, k, st_hash(s, k));
	if (idx == NONE)
		return false;
	e = ent_at(s, idx);
	if (e->state != ST_LIVE || e->expires_ms <= now_ms)
		return false;
	b = bucket_of(k->kind, k->bytes, k->len);
	if (dk->marked[b].gen == 0)
		return false; /* no generation begun for this bucket */
	m = mark_at(s->dg, idx);
	if (*m != dk->marked[b].gen) {
		*m = dk->marked[b].gen;
		sum_move(&dk->marked[b], ent_hash(e), 1);
	}
	return true;
}

void store_marked_bucket(const struct vrrp_ha_store *s, unsigned kind, uint32_t b, uint32_t *count,
                         uint64_t *sum)
{
	const struct dg_kind *dk = kind_of(s, kind);

	read_sum(dk && dk->marked && b < STORE_DIGEST_BUCKETS ? &dk->marked[b] : NULL, count, sum);
}

size_t store_sweep_step(struct vrrp_ha_store *s, unsigned kind, const uint64_t *bitmap,
                        uint64_t *cursor, size_t budget, uint64_t now_ms, store_rec_cb cb,
                        void *arg)
{
	uint64_t i = *cursor;
	size_t n = 0, seen = 0;

	if (!kind_ok(kind) || !kind_of(s, kind)) {
		*cursor = 0;
		return 0;
	}
	st_idx_work(s, MIG_STEP);
	for (; i < s->ent_hw && (budget == 0 || seen < budget); i++, seen++) {
		const struct st_entry *e = ent_at(s, (uint32_t)i);
		uint32_t b;

		if (e->state != ST_LIVE || e->kind != kind)
			continue;
		b = ent_bucket(e);
		if (!in_map(bitmap, b) || is_marked(s->dg, kind, (uint32_t)i, b))
			continue;
		st_sweep_one(s, (uint32_t)i, now_ms, cb, arg);
		n++;
	}
	*cursor = i < s->ent_hw ? i : 0;
	return n;
}

size_t store_sweep(struct vrrp_ha_store *s, unsigned kind, const uint64_t *bitmap, uint64_t now_ms,
                   store_rec_cb cb, void *arg)
{
	uint64_t cursor = 0;

	return store_sweep_step(s, kind, bitmap, &cursor, 0, now_ms, cb, arg);
}
