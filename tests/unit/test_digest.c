/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_digest.c - the store's digests and marks (store.h "digests and
 * marks", docs/store.md): golden values of the two hashes (computed by an
 * independent implementation of the documented bytes), digests equal for
 * the same final table whatever the history, every content change seen,
 * mark and sweep (sliced and at once), walk_all's tombstones, apply_sync's
 * overrides, the rbc.h view; then a randomized run (fixed seed) against a
 * naive recount of the table after every step. Deterministic.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "vrrp_ha/rbc.h"
#include "vrrp_ha/store.h"

#define TOMB_MS 20000
#define NB      STORE_DIGEST_BUCKETS
#define MIP     VRRP_HA_KIND_MIPV6
#define PMIP    VRRP_HA_KIND_PMIPV6
#define ATT     VRRP_HA_KIND_ATTACH

static uint64_t seed = 0x0d19e57d19e57001u;

static uint64_t rng(void)
{
	/* xorshift64*: deterministic */
	seed ^= seed >> 12;
	seed ^= seed << 25;
	seed ^= seed >> 27;
	return seed * UINT64_C(2685821657736338717);
}

static struct in6_addr ip6(uint16_t w0, uint16_t w1, uint16_t w2, uint32_t low)
{
	struct in6_addr a;

	memset(&a, 0, sizeof(a));
	a.s6_addr[0] = (uint8_t)(w0 >> 8);
	a.s6_addr[1] = (uint8_t)w0;
	a.s6_addr[2] = (uint8_t)(w1 >> 8);
	a.s6_addr[3] = (uint8_t)w1;
	a.s6_addr[4] = (uint8_t)(w2 >> 8);
	a.s6_addr[5] = (uint8_t)w2;
	for (int i = 0; i < 4; i++)
		a.s6_addr[12 + i] = (uint8_t)(low >> (24 - 8 * i));
	return a;
}

/* A key with its storage; kind MIP, PMIP or ATT (of a MIPv6 owner). */
struct tk {
	struct vrrp_ha_key k;
	struct in6_addr a;
	uint8_t buf[VRRP_HA_KEY_MAX];
};

static void tk_make(struct tk *t, unsigned kind, uint32_t n)
{
	uint8_t id[5] = {2, (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n, 0x5a};
	struct vrrp_ha_key owner;

	memset(t, 0, sizeof(*t));
	t->a = ip6(0x2001, 0xdb8, kind == PMIP ? 0xbb : 0xaa, n);
	if (kind == MIP) {
		vrrp_ha_key_mipv6(&t->k, &t->a);
	} else if (kind == PMIP) {
		CHECK_EQ(vrrp_ha_key_pmipv6(&t->k, t->buf, sizeof(t->buf), id, sizeof(id), 64,
		                            &t->a),
		         0);
	} else {
		vrrp_ha_key_mipv6(&owner, &t->a);
		CHECK_EQ(vrrp_ha_key_attach(&t->k, t->buf, sizeof(t->buf), &owner, 9), 0);
	}
}

/* A record of t's kind: version ver, content c (CoA / tunnel / option byte). */
static struct vrrp_ha_record trec(const struct tk *t, uint32_t lt, uint32_t ver, uint32_t c)
{
	static uint8_t opt[3][4];
	struct vrrp_ha_record r;

	memset(&r, 0, sizeof(r));
	r.key = t->k;
	r.lifetime_s = lt;
	switch (t->k.kind) {
	case MIP:
		r.u.mipv6.coa = ip6(0x2001, 0xdb8, 0xcc, c);
		r.u.mipv6.seq = (uint16_t)ver;
		r.u.mipv6.flags = 0xc000;
		break;
	case PMIP:
		r.u.pmipv6.pcoa = ip6(0x2001, 0xdb8, 0xdd, 1);
		r.u.pmipv6.timestamp = ver;
		r.u.pmipv6.tunnel_id = c;
		r.u.pmipv6.att = 4;
		break;
	default:
		r.u.attach.version = ver;
		/* the value in a vendor option (RFC 5094), one byte of c */
		opt[c % 3][0] = VRRP_HA_OPT_VENDOR;
		opt[c % 3][1] = 2;
		opt[c % 3][2] = 0xee;
		opt[c % 3][3] = (uint8_t)c;
		r.opts = opt[c % 3];
		r.opts_len = 4;
		break;
	}
	return r;
}

/* ---- digest comparisons ------------------------------------------------ */

struct dg {
	uint32_t n[NB];
	uint64_t sum[NB];
};

static void dg_add(struct dg *d, const struct vrrp_ha_record *r)
{
	uint32_t b = store_bucket_of(&r->key);

	d->n[b]++;
	d->sum[b] += store_version_hash(r);
}

/* The counted entries of kind, recounted from scratch: walking at time 0
 * passes every live entry, also one whose lifetime ran out. */
static void dg_recount(const struct vrrp_ha_store *s, unsigned kind, struct dg *d)
{
	struct vrrp_ha_record r[64];
	uint64_t cur = 0;
	size_t k;

	memset(d, 0, sizeof(*d));
	while ((k = store_walk(s, kind, &cur, r, 64, 0)) > 0)
		for (size_t i = 0; i < k; i++)
			dg_add(d, &r[i]);
}

/* Every bucket, group and total of kind in s equals d. Returns: mismatches. */
static int dg_check(const struct vrrp_ha_store *s, unsigned kind, const struct dg *d)
{
	uint64_t gsum = 0, tsum = 0, sum;
	uint32_t gn = 0, tn = 0, n;
	int bad = 0;

	for (uint32_t b = 0; b < NB; b++) {
		store_digest_bucket(s, kind, b, &n, &sum);
		bad += n != d->n[b] || sum != d->sum[b];
		gn += d->n[b];
		gsum += d->sum[b];
		tn += d->n[b];
		tsum += d->sum[b];
		if (b % STORE_DIGEST_GROUP == STORE_DIGEST_GROUP - 1) {
			store_digest_group(s, kind, b / STORE_DIGEST_GROUP, &n, &sum);
			bad += n != gn || sum != gsum;
			gn = 0;
			gsum = 0;
		}
	}
	store_digest_total(s, kind, &n, &sum);
	bad += n != tn || sum != tsum || n != store_count(s, kind);
	return bad;
}

/* s's digests of every kind are its recount; and, if o, o's digests. */
static void check_digests(const struct vrrp_ha_store *s, const struct vrrp_ha_store *o)
{
	struct dg *d = malloc(sizeof(*d));

	for (unsigned k = MIP; k <= ATT; k++) {
		dg_recount(s, k, d);
		CHECK_EQ(dg_check(s, k, d), 0);
		if (o)
			CHECK_EQ(dg_check(o, k, d), 0);
	}
	free(d);
}

static void total(const struct vrrp_ha_store *s, unsigned kind, uint32_t *n, uint64_t *sum)
{
	store_digest_total(s, kind, n, sum);
}

/* ---- golden values --------------------------------------------------------- */

/* Computed from docs/store.md's bytes by a separate implementation (Python,
 * checked against SipHash-2-4's published vector with c = 2, d = 4). */
static void test_golden(void)
{
	static const uint8_t mnid[] = {2, 'a', 'b', 'c'}, vopt[] = {19, 2, 0xaa, 0xbb},
	                     hopt[] = {22, 3, 1, 2, 3};
	struct in6_addr hoa = ip6(0x2001, 0xdb8, 0, 1), hnp = ip6(0x2001, 0xdb8, 0xbb, 0);
	uint8_t pbuf[VRRP_HA_KEY_MAX], abuf[VRRP_HA_KEY_MAX];
	struct vrrp_ha_record r;
	struct vrrp_ha_key mk;

	memset(&r, 0, sizeof(r));
	vrrp_ha_key_mipv6(&r.key, &hoa);
	mk = r.key;
	r.lifetime_s = 100;
	r.u.mipv6.coa = ip6(0x2001, 0xdb8, 0xcc, 2);
	r.u.mipv6.seq = 7;
	r.u.mipv6.flags = 0xc000;
	CHECK_EQ(store_bucket_of(&r.key), 2256);
	CHECK_EQ(rbc_bucket_of(&hoa), 2256);
	CHECK_EQ(store_version_hash(&r), UINT64_C(0x06d5653c4466f869));
	/* lifetime and created are not hashed */
	r.lifetime_s = 7;
	r.created = true;
	CHECK_EQ(store_version_hash(&r), UINT64_C(0x06d5653c4466f869));

	memset(&r, 0, sizeof(r));
	CHECK_EQ(vrrp_ha_key_pmipv6(&r.key, pbuf, sizeof(pbuf), mnid, sizeof(mnid), 64, &hnp), 0);
	r.u.pmipv6.pcoa = ip6(0x2001, 0xdb8, 1, 9);
	r.u.pmipv6.timestamp = UINT64_C(0x0000000100020003);
	r.u.pmipv6.tunnel_id = 5;
	r.u.pmipv6.flags = 0x8000;
	r.u.pmipv6.att = 4;
	r.opts = hopt;
	r.opts_len = sizeof(hopt);
	CHECK_EQ(store_bucket_of(&r.key), 2017);
	CHECK_EQ(store_version_hash(&r), UINT64_C(0xa5db3a2ed99e3ac4));

	memset(&r, 0, sizeof(r));
	CHECK_EQ(vrrp_ha_key_attach(&r.key, abuf, sizeof(abuf), &mk, 7), 0);
	r.u.attach.version = 0x01020304;
	r.opts = vopt;
	r.opts_len = sizeof(vopt);
	CHECK_EQ(store_bucket_of(&r.key), 226);
	CHECK_EQ(store_version_hash(&r), UINT64_C(0x074a16172dff82ab));
}

/* ---- every content change is seen ---------------------------------------------- */

static void test_changes(void)
{
	struct vrrp_ha_store *s = store_new(0, TOMB_MS);
	uint8_t o1[] = {22, 3, 1, 2, 3}, o2[] = {22, 3, 1, 2, 4};
	struct vrrp_ha_record r, q;
	uint64_t seen[16], sum;
	uint32_t n;
	int k = 0;
	struct tk t;

	tk_make(&t, PMIP, 1);
	r = trec(&t, 100, 5, 1);
	CHECK_EQ(store_apply(s, &r, 1), STORE_ADDED);
	total(s, PMIP, &n, &seen[k++]);
	CHECK_EQ(n, 1);
	/* a refresh (only the lifetime) changes nothing */
	r.lifetime_s = 300;
	CHECK_EQ(store_apply(s, &r, 2), STORE_REFRESHED);
	total(s, PMIP, &n, &sum);
	CHECK_EQ(sum, seen[0]);
	/* each field in turn, each a new digest */
	q = r;
	q.u.pmipv6.tunnel_id = 2;
	CHECK_EQ(store_apply(s, &q, 3), STORE_UPDATED);
	total(s, PMIP, &n, &seen[k++]);
	q.u.pmipv6.flags = 1;
	CHECK_EQ(store_apply(s, &q, 3), STORE_UPDATED);
	total(s, PMIP, &n, &seen[k++]);
	q.u.pmipv6.att = 5;
	CHECK_EQ(store_apply(s, &q, 3), STORE_UPDATED);
	total(s, PMIP, &n, &seen[k++]);
	q.u.pmipv6.pcoa.s6_addr[15] ^= 1;
	CHECK_EQ(store_apply(s, &q, 3), STORE_UPDATED);
	total(s, PMIP, &n, &seen[k++]);
	q.u.pmipv6.timestamp++;
	CHECK_EQ(store_apply(s, &q, 3), STORE_UPDATED);
	total(s, PMIP, &n, &seen[k++]);
	q.opts = o1;
	q.opts_len = sizeof(o1);
	CHECK_EQ(store_apply(s, &q, 3), STORE_UPDATED);
	total(s, PMIP, &n, &seen[k++]);
	q.opts = o2;
	CHECK_EQ(store_set_local(s, &q, 3), STORE_UPDATED);
	total(s, PMIP, &n, &seen[k++]);
	/* and MIPv6: CoA, flags, seq */
	tk_make(&t, MIP, 1);
	r = trec(&t, 100, 5, 1);
	CHECK_EQ(store_apply(s, &r, 1), STORE_ADDED);
	total(s, MIP, &n, &seen[k++]);
	r.u.mipv6.coa.s6_addr[0] ^= 0x80;
	CHECK_EQ(store_apply(s, &r, 1), STORE_UPDATED);
	total(s, MIP, &n, &seen[k++]);
	r.u.mipv6.flags ^= 0x0400;
	CHECK_EQ(store_apply(s, &r, 1), STORE_UPDATED);
	total(s, MIP, &n, &seen[k++]);
	r.u.mipv6.seq++;
	CHECK_EQ(store_apply(s, &r, 1), STORE_UPDATED);
	total(s, MIP, &n, &seen[k++]);
	/* ATTACH: version, value */
	tk_make(&t, ATT, 1);
	r = trec(&t, 100, 5, 1);
	CHECK_EQ(store_apply(s, &r, 1), STORE_ADDED);
	total(s, ATT, &n, &seen[k++]);
	r = trec(&t, 100, 5, 2);
	CHECK_EQ(store_apply(s, &r, 1), STORE_UPDATED);
	total(s, ATT, &n, &seen[k++]);
	r = trec(&t, 100, 6, 2);
	CHECK_EQ(store_apply(s, &r, 1), STORE_UPDATED);
	total(s, ATT, &n, &seen[k++]);
	for (int i = 0; i < k; i++)
		for (int j = 0; j < i; j++)
			CHECK(seen[i] != seen[j]);
	check_digests(s, NULL);
	store_free(s);
}

/* ---- the same table by other histories ------------------------------------------ */

#define SET_N 600

static void apply_all(struct vrrp_ha_store *s, unsigned kind, uint32_t from, uint32_t to,
                      uint32_t lt, uint32_t ver, uint64_t now)
{
	struct tk t;

	for (uint32_t i = from; i < to; i++) {
		struct vrrp_ha_record r;

		tk_make(&t, kind, i);
		r = trec(&t, lt, ver, i);
		store_apply(s, &r, now);
	}
}

static void test_histories(void)
{
	struct vrrp_ha_store *a = store_new(0, TOMB_MS), *b = store_new(0, TOMB_MS);
	struct vrrp_ha_store *c = store_new(SET_N * 40, 0);
	struct vrrp_ha_record r;
	struct tk t;
	bool over;

	/* a: the final set, straight */
	for (unsigned k = MIP; k <= ATT; k++)
		apply_all(a, k, 0, SET_N, 1000, 10, 1);

	/* b: backwards, through older versions, extra keys deleted (tombstones),
	 * a flush and revivals, lifetimes that ran out and were expired */
	for (unsigned k = ATT; k >= MIP; k--) {
		for (uint32_t i = SET_N + 100; i-- > 0;) {
			tk_make(&t, k, i);
			r = trec(&t, i >= SET_N ? 5 : 1000, 3, i + 7);
			store_set_local(b, &r, 1);
		}
		apply_all(b, k, 0, SET_N, 1000, 9, 2);
	}
	store_flush(b, MIP, 3);                   /* tombstones of version 9 */
	apply_all(b, MIP, 0, SET_N, 1000, 10, 4); /* revived, newer */
	/* the extra keys: some deleted by peers, the rest run out */
	for (uint32_t i = SET_N; i < SET_N + 50; i++) {
		tk_make(&t, PMIP, i);
		r = trec(&t, 0, 20, 0);
		CHECK_EQ(store_apply(b, &r, 5), STORE_DELETED);
	}
	/* a run-out entry still counts: digests differ until expired */
	{
		uint32_t na, nb;
		uint64_t sa, sb;

		total(a, PMIP, &na, &sa);
		total(b, PMIP, &nb, &sb);
		CHECK_EQ(nb, na + 50);
		CHECK(store_expire(b, 10000, 0, NULL, NULL) > 0);
		total(b, PMIP, &nb, &sb);
		CHECK_EQ(nb, na);
		CHECK(sa != sb); /* PMIPv6 still at version 9 */
	}
	for (unsigned k = PMIP; k <= ATT; k++)
		apply_all(b, k, 0, SET_N, 990, 10, 10000);

	/* c: a hinted store fed by a framed sync over newer versions and
	 * tombstones, released tombstones (tombstone_ms 0) */
	for (unsigned k = MIP; k <= ATT; k++) {
		apply_all(c, k, 0, SET_N, 1000, 50, 1);
		for (uint32_t i = 0; i < SET_N; i += 3) {
			tk_make(&t, k, i);
			CHECK_EQ(store_delete_local(c, &t.k, 1), STORE_DELETED);
		}
		for (uint32_t i = 0; i < SET_N; i++) {
			tk_make(&t, k, i);
			r = trec(&t, 1000, 10, i);
			CHECK(store_apply_sync(c, &r, 1, &over) <= STORE_REFRESHED);
		}
	}
	check_digests(a, b);
	check_digests(a, c);
	store_free(a);
	store_free(b);
	store_free(c);
}

/* ---- marks and sweep ----------------------------------------------------------------- */

#define MS_N 3000

struct swept {
	uint32_t n;
	uint8_t kind[MS_N];
	uint32_t low[MS_N]; /* last 4 bytes of the HoA / HNP */
	uint32_t lifetime[MS_N];
};

static void on_swept(void *arg, const struct vrrp_ha_record *r)
{
	struct swept *w = arg;
	const uint8_t *p = r->key.bytes + (r->key.kind == MIP ? 12 : r->key.len - 4);

	if (w->n < MS_N) {
		w->kind[w->n] = r->key.kind;
		w->low[w->n] = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | p[2] << 8 | p[3];
		w->lifetime[w->n] = r->lifetime_s;
	}
	w->n++;
}

/* Bucket b is in the first half of the buckets (words 0..31). */
static bool low_half(uint32_t b)
{
	return b < NB / 2;
}

static void marked_sum(const struct vrrp_ha_store *s, unsigned kind, bool (*in)(uint32_t),
                       uint32_t *n, uint64_t *sum)
{
	*n = 0;
	*sum = 0;
	for (uint32_t b = 0; b < NB; b++) {
		uint32_t bn;
		uint64_t bs;

		if (!in(b))
			continue;
		store_marked_bucket(s, kind, b, &bn, &bs);
		*n += bn;
		*sum += bs;
	}
}

/* Two equal stores of MIPv6 and PMIPv6 entries, the even MIPv6 ones marked. */
static uint32_t ms_setup(struct vrrp_ha_store *s, const uint64_t *map)
{
	uint32_t gen;
	struct tk t;

	apply_all(s, MIP, 0, MS_N, 100, 1, 1);
	apply_all(s, PMIP, 0, 100, 100, 1, 1);
	store_clear_dirty(s, 0);
	gen = store_mark_begin(s, MIP, map);
	for (uint32_t i = 0; i < MS_N; i += 2) {
		tk_make(&t, MIP, i);
		CHECK_EQ(store_mark(s, &t.k, 2), low_half(store_bucket_of(&t.k)));
		CHECK_EQ(store_mark(s, &t.k, 2), low_half(store_bucket_of(&t.k)));
	}
	return gen;
}

/* Returns: the sum of the version hashes of ms_setup()'s marked entries,
 * their number in *n. */
static uint64_t even_low(uint32_t *n)
{
	struct vrrp_ha_record r;
	uint64_t sum = 0;
	struct tk t;

	*n = 0;
	for (uint32_t i = 0; i < MS_N; i += 2) {
		tk_make(&t, MIP, i);
		if (!low_half(store_bucket_of(&t.k)))
			continue;
		r = trec(&t, 100, 1, i);
		sum += store_version_hash(&r);
		(*n)++;
	}
	return sum;
}

static void test_marks(void)
{
	struct vrrp_ha_store *s = store_new(0, TOMB_MS), *o = store_new(0, TOMB_MS);
	uint64_t map[STORE_DIGEST_WORDS], h[4], sum, cur;
	struct swept *w1 = calloc(1, sizeof(*w1)), *w2 = calloc(1, sizeof(*w2));
	uint32_t n, gen, want = 0, steps = 0, tmi[4];
	struct vrrp_ha_record r;
	struct tk t, tm[4];
	size_t got;

	for (int i = 0; i < STORE_DIGEST_WORDS; i++)
		map[i] = i < STORE_DIGEST_WORDS / 2 ? UINT64_MAX : 0;
	/* before any generation nothing is marked */
	tk_make(&t, MIP, 0);
	CHECK(!store_mark(s, &t.k, 2));
	gen = ms_setup(s, map);
	CHECK(gen != 0);
	CHECK_EQ(ms_setup(o, map), gen);
	/* marks: the even MIPv6 entries of the low half */
	{
		uint64_t expect = even_low(&want);

		marked_sum(s, MIP, low_half, &n, &sum);
		CHECK_EQ(n, want);
		CHECK_EQ(sum, expect);
	}
	/* four marked entries of the low half: changed, deleted, run out and
	 * expired, deleted and revived (comes back unmarked) */
	for (uint32_t i = 0, k = 0; k < 4; i += 2) {
		tk_make(&tm[k], MIP, i);
		if (low_half(store_bucket_of(&tm[k].k))) {
			r = trec(&tm[k], 100, 1, i);
			tmi[k] = i;
			h[k++] = store_version_hash(&r);
		}
	}
	for (int v = 0; v < 2; v++) {
		struct vrrp_ha_store *x = v ? o : s;

		r = trec(&tm[0], 100, 2, 77);
		CHECK_EQ(store_apply(x, &r, 3), STORE_UPDATED);
		CHECK_EQ(store_delete_local(x, &tm[1].k, 3), STORE_DELETED);
		r = trec(&tm[2], 1, 2, 0);
		CHECK_EQ(store_apply(x, &r, 3), STORE_UPDATED);
		CHECK_EQ(store_delete_local(x, &tm[3].k, 3), STORE_DELETED);
		r = trec(&tm[3], 100, 5, 3);
		CHECK_EQ(store_apply(x, &r, 3), STORE_ADDED);
	}
	marked_sum(s, MIP, low_half, &n, &sum);
	{
		struct vrrp_ha_record r0 = trec(&tm[0], 100, 2, 77), r2 = trec(&tm[2], 1, 2, 0);
		uint32_t n0;
		uint64_t expect = even_low(&n0);

		expect += store_version_hash(&r0) - h[0];
		expect += store_version_hash(&r2) - h[2];
		expect -= h[1] + h[3];
		CHECK_EQ(n, want - 2);
		CHECK_EQ(sum, expect);
		/* the run-out one stays marked until it is expired */
		CHECK(!store_mark(s, &tm[2].k, 5000)); /* not live at 5000 */
		CHECK_EQ(store_expire(s, 5000, 0, NULL, NULL), 1);
		CHECK_EQ(store_expire(o, 5000, 0, NULL, NULL), 1);
		marked_sum(s, MIP, low_half, &n, &sum);
		CHECK_EQ(n, want - 3);
		CHECK_EQ(sum, expect - store_version_hash(&r2));
	}
	/* sweep: s at once, o in slices of 7 slab entries */
	got = store_sweep(s, MIP, map, 6000, on_swept, w1);
	CHECK_EQ(got, w1->n);
	cur = 0;
	do {
		store_sweep_step(o, MIP, map, &cur, 7, 6000, on_swept, w2);
		steps++;
	} while (cur != 0);
	CHECK(steps > MS_N / 7);
	CHECK_EQ(w1->n, w2->n);
	CHECK(memcmp(w1, w2, sizeof(*w1)) == 0);
	/* only the changes above (the expired one is not sent) */
	CHECK_EQ(store_dirty_count(s, 0), 3);
	check_digests(s, o);
	/* what went: the low half's odd entries and the revived one; the
	 * deleted and the expired one were gone before */
	{
		uint32_t expect_n = 0;

		for (uint32_t i = 0; i < MS_N; i++) {
			bool low, live, swept;

			tk_make(&t, MIP, i);
			low = low_half(store_bucket_of(&t.k));
			live = store_lookup(s, &t.k, 6000, NULL);
			swept = low && (i % 2 || i == tmi[3]);
			expect_n += swept;
			CHECK_EQ(live, !swept && i != tmi[1] && i != tmi[2]);
		}
		CHECK_EQ(w1->n, expect_n);
		for (uint32_t i = 0; i < w1->n && i < MS_N; i++)
			CHECK_EQ(w1->kind[i], MIP);
	}
	CHECK_EQ(store_count(s, PMIP), 100);
	/* a swept entry is a tombstone of its own version: a replay is stale */
	for (uint32_t i = 1;; i += 2) {
		tk_make(&t, MIP, i);
		if (!low_half(store_bucket_of(&t.k)))
			continue;
		r = trec(&t, 100, 1, i);
		CHECK_EQ(store_apply(s, &r, 6001), STORE_STALE);
		break;
	}
	/* a new generation over one word resets only its buckets */
	{
		uint64_t one[STORE_DIGEST_WORDS] = {0}, s2;
		uint32_t n0, n2;
		uint64_t s0;

		one[0] = UINT64_MAX;
		marked_sum(s, MIP, low_half, &n0, &s0);
		for (uint32_t b = 0; b < 64; b++) {
			uint32_t bn;

			store_marked_bucket(s, MIP, b, &bn, NULL);
			n0 -= bn;
		}
		CHECK_EQ(store_mark_begin(s, MIP, one), gen + 1);
		marked_sum(s, MIP, low_half, &n2, &s2);
		CHECK_EQ(n2, n0);
	}
	/* the whole MIPv6 table unmarked: a sweep of all empties it */
	CHECK_EQ(store_mark_begin(s, MIP, NULL), gen + 2);
	CHECK(store_sweep(s, MIP, NULL, 6002, NULL, NULL) > 0);
	CHECK_EQ(store_count(s, MIP), 0);
	CHECK_EQ(store_count(s, PMIP), 100);
	check_digests(s, NULL);
	free(w1);
	free(w2);
	store_free(s);
	store_free(o);
}

/* ---- walk_all, apply_sync ---------------------------------------------------------- */

static void test_walk_all(void)
{
	struct vrrp_ha_store *s = store_new(0, TOMB_MS);
	struct vrrp_ha_record out[8], r;
	uint64_t cur = 0;
	size_t k, live = 0, tombs = 0;
	struct tk t;

	apply_all(s, MIP, 0, 4, 100, 1, 1);
	tk_make(&t, MIP, 1);
	r = trec(&t, 0, 9, 0); /* a peer's delete at seq 9 */
	CHECK_EQ(store_apply(s, &r, 2), STORE_DELETED);
	tk_make(&t, MIP, 2);
	CHECK_EQ(store_delete_local(s, &t.k, 2), STORE_DELETED);
	CHECK_EQ(store_walk(s, MIP, &cur, out, 8, 3), 2);
	cur = 0;
	k = store_walk_all(s, MIP, &cur, out, 8, 3);
	CHECK_EQ(k, 4);
	for (size_t i = 0; i < k; i++) {
		if (out[i].lifetime_s) {
			live++;
			continue;
		}
		tombs++;
		CHECK_EQ(out[i].u.mipv6.seq, out[i].key.bytes[15] == 1 ? 9 : 1);
		CHECK_EQ(out[i].opts_len, 0);
	}
	CHECK_EQ(live, 2);
	CHECK_EQ(tombs, 2);
	/* released tombstones are not remembered any more */
	store_clear_dirty(s, 0);
	store_expire(s, 2 + TOMB_MS, 0, NULL, NULL);
	cur = 0;
	CHECK_EQ(store_walk_all(s, MIP, &cur, out, 8, 2 + TOMB_MS), 2);
	store_free(s);
}

static void test_apply_sync(void)
{
	struct vrrp_ha_store *s = store_new(0, TOMB_MS);
	struct vrrp_ha_record r, o;
	bool over = true;
	struct tk t;

	tk_make(&t, MIP, 1);
	r = trec(&t, 100, 10, 1);
	CHECK_EQ(store_apply_sync(s, &r, 1, &over), STORE_ADDED);
	CHECK(!over);
	/* older seq: store_apply refuses, the sync takes it */
	r = trec(&t, 100, 8, 2);
	CHECK_EQ(store_apply(s, &r, 1), STORE_STALE);
	CHECK_EQ(store_apply_sync(s, &r, 1, &over), STORE_UPDATED);
	CHECK(over);
	CHECK(store_lookup(s, &t.k, 1, &o));
	CHECK_EQ(o.u.mipv6.seq, 8);
	/* the same again: a refresh, nothing overridden */
	CHECK_EQ(store_apply_sync(s, &r, 1, &over), STORE_REFRESHED);
	CHECK(!over);
	/* a newer tombstone, and one of the same version */
	r = trec(&t, 0, 20, 0);
	CHECK_EQ(store_apply(s, &r, 2), STORE_DELETED);
	r = trec(&t, 100, 12, 3);
	CHECK_EQ(store_apply(s, &r, 3), STORE_STALE);
	CHECK_EQ(store_apply_sync(s, &r, 3, &over), STORE_ADDED);
	CHECK(over);
	CHECK_EQ(store_delete_local(s, &t.k, 4), STORE_DELETED); /* tombstone at 12 */
	CHECK_EQ(store_apply_sync(s, &r, 4, NULL), STORE_ADDED);
	/* an older delete: taken too */
	r = trec(&t, 0, 5, 0);
	CHECK_EQ(store_apply_sync(s, &r, 5, &over), STORE_DELETED);
	CHECK(over);
	CHECK(!store_lookup(s, &t.k, 5, NULL));
	/* ... an older delete of a tombstone changes nothing */
	r = trec(&t, 0, 3, 0);
	CHECK_EQ(store_apply_sync(s, &r, 5, &over), STORE_NOT_FOUND);
	CHECK(!over);
	/* refused as by store_apply */
	r = trec(&t, 100, 1, 1);
	r.key.len = 15;
	CHECK_EQ(store_apply_sync(s, &r, 6, &over), STORE_INVALID);
	CHECK(!over);
	check_digests(s, NULL);
	store_free(s);
}

/* ---- the rbc.h view ------------------------------------------------------------------ */

static void on_view(void *arg, const struct rbc_view *v)
{
	*(uint32_t *)arg += v->seq;
}

static void test_rbc_view(void)
{
	struct vrrp_ha_rbc *t = rbc_new(0, TOMB_MS);
	struct vrrp_ha_store *s = rbc_store(t);
	struct vrrp_ha_binding b, out[8];
	uint32_t n, sn, seqs = 0;
	uint64_t sum, ss, cur = 0;
	bool over;

	memset(&b, 0, sizeof(b));
	for (uint32_t i = 0; i < 6; i++) {
		b.hoa = ip6(0x2001, 0xdb8, 0xaa, i);
		b.coa = ip6(0x2001, 0xdb8, 0xcc, i);
		b.lifetime = 25;
		b.seq = (uint16_t)(10 + i);
		CHECK_EQ(rbc_apply(t, &b, 1), RBC_ADDED);
	}
	rbc_digest_total(t, &n, &sum);
	store_digest_total(s, MIP, &sn, &ss);
	CHECK_EQ(n, 6);
	CHECK_EQ(sum, ss);
	rbc_digest_group(t, rbc_bucket_of(&b.hoa) / 64, &n, &sum);
	store_digest_group(s, MIP, rbc_bucket_of(&b.hoa) / 64, &sn, &ss);
	CHECK(n >= 1 && n == sn && sum == ss);
	rbc_digest_bucket(t, rbc_bucket_of(&b.hoa), &n, NULL);
	CHECK(n >= 1);
	/* an older seq by sync, with options */
	{
		static const uint8_t opt[] = {22, 1, 0};

		b.seq = 3;
		CHECK_EQ(rbc_apply(t, &b, 2), RBC_STALE);
		CHECK_EQ(rbc_apply_sync_opts(t, &b, opt, sizeof(opt), 2, &over), RBC_UPDATED);
		CHECK(over);
		CHECK_EQ(rbc_apply_sync(t, &b, 2, &over), RBC_UPDATED); /* options gone */
		CHECK(!over);
	}
	/* mark all but HoA 5 and 4, sweep: they go, seen by the callback */
	CHECK(rbc_mark_begin(t, NULL) != 0);
	for (uint32_t i = 0; i < 4; i++) {
		b.hoa = ip6(0x2001, 0xdb8, 0xaa, i);
		CHECK(rbc_mark(t, &b.hoa, 3));
		rbc_marked_bucket(t, rbc_bucket_of(&b.hoa), &n, NULL);
		CHECK(n >= 1);
	}
	rbc_clear_dirty(t);
	CHECK_EQ(rbc_sweep_step(t, NULL, &cur, 0, 3, on_view, &seqs), 2);
	CHECK_EQ(cur, 0);
	CHECK_EQ(seqs, 3 + 14);
	CHECK_EQ(rbc_count(t), 4);
	CHECK_EQ(rbc_dirty_count(t), 0);
	CHECK_EQ(rbc_sweep(t, NULL, 3, NULL, NULL), 0);
	/* the tombstones in the merge walk */
	cur = 0;
	CHECK_EQ(rbc_walk_all(t, &cur, out, 8, 4), 6);
	n = 0;
	for (int i = 0; i < 6; i++)
		n += out[i].lifetime == 0;
	CHECK_EQ(n, 2);
	rbc_free(t);
}

/* ---- randomized, against a naive recount ----------------------------------------------- */

#define RK_N   240 /* keys per kind: half crowded into group 0 */
#define RSTEPS 4000
#define NOMARK 0

struct rkey {
	struct tk t;
	uint32_t bucket;
	uint32_t mark; /* generation it was marked in, NOMARK */
	uint32_t ver;
};

struct rmodel {
	struct rkey k[VRRP_HA_KIND_MAX + 1][RK_N];
	uint32_t gen[VRRP_HA_KIND_MAX + 1][NB];
	struct dg d;
};

static bool rm_marked(const struct rmodel *m, unsigned kind, const struct rkey *x)
{
	return x->mark != NOMARK && x->mark == m->gen[kind][x->bucket];
}

/* After a step: keys that stopped counting lose their marks; then the
 * store's marked sums must be the model's. */
static void rm_check(struct rmodel *m, const struct vrrp_ha_store *s, bool full)
{
	for (unsigned kind = MIP; kind <= ATT; kind++) {
		uint32_t mn[64] = {0};
		uint64_t ms[64] = {0};

		dg_recount(s, kind, &m->d);
		if (full)
			CHECK_EQ(dg_check(s, kind, &m->d), 0);
		for (int i = 0; i < RK_N; i++) {
			struct rkey *x = &m->k[kind][i];
			struct vrrp_ha_record r;

			/* counted? (live at time 0 = not expired by store_expire) */
			if (!store_lookup(s, &x->t.k, 0, &r)) {
				x->mark = NOMARK;
				continue;
			}
			if (x->bucket < 64 && rm_marked(m, kind, x)) {
				mn[x->bucket]++;
				ms[x->bucket] += store_version_hash(&r);
			}
		}
		for (uint32_t b = 0; b < 64; b++) {
			uint32_t n;
			uint64_t sum;

			store_marked_bucket(s, kind, b, &n, &sum);
			if (m->gen[kind][b] == 0)
				continue;
			CHECK_EQ(n, mn[b]);
			CHECK_EQ(sum, ms[b]);
		}
	}
}

struct rsweep {
	struct rmodel *m;
	const uint64_t *map;
	int bad;
};

static void on_rsweep(void *arg, const struct vrrp_ha_record *r)
{
	struct rsweep *w = arg;
	uint32_t b = store_bucket_of(&r->key);

	w->bad += w->map && !(w->map[b / 64] >> (b % 64) & 1);
	for (int i = 0; i < RK_N; i++) {
		struct rkey *x = &w->m->k[r->key.kind][i];

		if (!vrrp_ha_key_cmp(&x->t.k, &r->key))
			w->bad += rm_marked(w->m, r->key.kind, x);
	}
}

static void test_random(void)
{
	struct rmodel *m = calloc(1, sizeof(*m));
	struct vrrp_ha_store *s = store_new(0, 3000);
	uint64_t map[STORE_DIGEST_WORDS], now = 1, cur = 0;
	unsigned sweep_kind = 0;
	size_t ops[12] = {0};
	uint32_t crowd = 0;
	size_t live_sum = 0;

	/* keys: half with a bucket in group 0, so buckets hold several */
	for (unsigned kind = MIP; kind <= ATT; kind++) {
		int n = 0;

		for (uint32_t c = 0; n < RK_N; c++) {
			struct rkey *x = &m->k[kind][n];

			tk_make(&x->t, kind, c);
			x->bucket = store_bucket_of(&x->t.k);
			if (n % 2 == 0 && x->bucket >= 64)
				continue;
			crowd += x->bucket < 64;
			n++;
		}
	}
	CHECK(crowd >= 3 * RK_N / 2);
	for (int step = 0; step < RSTEPS; step++) {
		unsigned kind = MIP + (unsigned)(rng() % 3), op = (unsigned)(rng() % 12);
		struct rkey *x = &m->k[kind][rng() % RK_N];
		uint32_t ver = x->ver + (uint32_t)(rng() % 5) - 2;
		struct vrrp_ha_record r =
		        trec(&x->t, 1 + (uint32_t)(rng() % 90), ver, (uint32_t)(rng() % 3));
		bool over;

		ops[op]++;
		if (op == 11 && sweep_kind)
			op = 10; /* finish the sweep under way first */
		switch (op) {
		case 0:
		case 1:
			r.created = rng() % 8 == 0;
			store_apply(s, &r, now);
			break;
		case 2:
			store_set_local(s, &r, now);
			break;
		case 3:
			store_delete_local(s, &x->t.k, now);
			break;
		case 4:
			r.lifetime_s = rng() % 4 ? r.lifetime_s : 0;
			store_apply_sync(s, &r, now, &over);
			break;
		case 5:
			now += rng() % 1500;
			store_expire(s, now, 1 + rng() % 8, NULL, NULL);
			break;
		case 6:
			if (rng() % 40 == 0)
				store_flush(s, rng() % 2 ? kind : 0, now);
			break;
		case 7:
			if (rng() % 3 == 0) {
				uint64_t bm[STORE_DIGEST_WORDS];
				const uint64_t *mp = rng() % 4 ? bm : NULL;
				uint32_t g;

				for (int i = 0; i < STORE_DIGEST_WORDS; i++)
					bm[i] = rng() & rng();
				g = store_mark_begin(s, kind, mp);
				CHECK(g != 0);
				for (uint32_t b = 0; b < NB; b++)
					if (!mp || (bm[b / 64] >> (b % 64) & 1))
						m->gen[kind][b] = g;
			}
			break;
		case 8:
		case 9: {
			bool live = store_lookup(s, &x->t.k, now, NULL),
			     can = live && m->gen[kind][x->bucket] != 0;

			CHECK_EQ(store_mark(s, &x->t.k, now), can);
			if (can)
				x->mark = m->gen[kind][x->bucket];
			break;
		}
		case 10:
		case 11: {
			struct rsweep w = {m, map, 0};

			if (!sweep_kind && rng() % 8)
				break; /* sweeps now and then: the table fills up between */
			if (!sweep_kind) {
				sweep_kind = kind;
				for (int i = 0; i < STORE_DIGEST_WORDS; i++)
					map[i] = rng() & rng();
			}
			store_sweep_step(s, sweep_kind, map, &cur, op == 10 ? 1 + rng() % 400 : 0,
			                 now, on_rsweep, &w);
			CHECK_EQ(w.bad, 0);
			if (cur == 0) {
				/* done: nothing unmarked left in the map (none came since) */
				for (int i = 0; op == 11 && i < RK_N; i++) {
					struct rkey *y = &m->k[sweep_kind][i];

					if ((map[y->bucket / 64] >> (y->bucket % 64) & 1) &&
					    store_lookup(s, &y->t.k, 0, NULL))
						CHECK(rm_marked(m, sweep_kind, y));
				}
				sweep_kind = 0;
			}
			break;
		}
		}
		if (op <= 4)
			x->ver = ver;
		if (rng() % 16 == 0)
			store_clear_dirty(s, 0);
		rm_check(m, s, step % 8 == 0 || op >= 10);
		live_sum += store_count(s, 0);
	}
	for (int i = 0; i < 12; i++)
		CHECK(ops[i] > RSTEPS / 20);
	check_digests(s, NULL);
	printf("digest: %d random steps, %u keys in group 0, %zu entries on average\n", RSTEPS,
	       crowd, live_sum / RSTEPS);
	CHECK(live_sum / RSTEPS >= 50);
	store_free(s);
	free(m);
}

int main(void)
{
	test_golden();
	test_changes();
	test_histories();
	test_marks();
	test_walk_all();
	test_apply_sync();
	test_rbc_view();
	test_random();
	if (failures) {
		fprintf(stderr, "test_digest: %d failures\n", failures);
		return 1;
	}
	printf("test_digest: ok\n");
	return 0;
}
