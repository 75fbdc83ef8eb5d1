/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_store.c - the binding store (store.h): targeted tests of each kind's
 * staleness rule, tombstones, the created override, dirty coalescing,
 * ordered iteration across kinds, option lists and allocation failure;
 * then a model check: random operations on records of all three kinds,
 * many with options, against a sorted array, through a dozen index
 * resizes, checked after every step. Deterministic seeds.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "vrrp_ha/store.h"

#define TOMB_MS 20000

static uint64_t rng_state = 0x5eed5eed12345678u;

/* A store with the order tree (what a table walked in key order uses). */
static struct vrrp_ha_store *store_new_ordered(size_t hint, uint32_t tomb_ms)
{
	struct vrrp_ha_store *s = store_new(hint, tomb_ms);

	if (s)
		store_set_ordered(s, true);
	return s;
}

static uint64_t rng(void)
{
	/* xorshift64*: deterministic */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

static struct in6_addr addr(uint8_t tag, uint32_t n)
{
	struct in6_addr a;

	memset(&a, 0, sizeof(a));
	a.s6_addr[0] = 0x20;
	a.s6_addr[1] = 0x01;
	a.s6_addr[2] = tag;
	a.s6_addr[12] = (uint8_t)(n >> 24);
	a.s6_addr[13] = (uint8_t)(n >> 16);
	a.s6_addr[14] = (uint8_t)(n >> 8);
	a.s6_addr[15] = (uint8_t)n;
	return a;
}

/* A key with its own storage. */
struct tkey {
	struct vrrp_ha_key k;
	struct in6_addr hoa;
	uint8_t buf[VRRP_HA_KEY_MAX];
};

static void key_mip(struct tkey *t, uint32_t n)
{
	t->hoa = addr(0xaa, n);
	vrrp_ha_key_mipv6(&t->k, &t->hoa);
}

static void key_pmip(struct tkey *t, uint32_t n, size_t idlen)
{
	uint8_t id[VRRP_HA_MNID_MAX];
	struct in6_addr p = addr(0xbb, n);
	size_t i;

	id[0] = 2; /* RFC 4283 subtype 1 is NAI; anything goes here */
	for (i = 1; i < idlen; i++)
		id[i] = (uint8_t)(n >> (8 * (i % 4)));
	CHECK_EQ(vrrp_ha_key_pmipv6(&t->k, t->buf, sizeof(t->buf), id, idlen, 64, &p), 0);
}

static void key_att(struct tkey *t, const struct vrrp_ha_key *owner, uint8_t type)
{
	CHECK_EQ(vrrp_ha_key_attach(&t->k, t->buf, sizeof(t->buf), owner, type), 0);
}

static struct vrrp_ha_record rec(const struct vrrp_ha_key *k, uint32_t lifetime_s)
{
	struct vrrp_ha_record r;

	memset(&r, 0, sizeof(r));
	r.key = *k;
	r.lifetime_s = lifetime_s;
	return r;
}

static struct vrrp_ha_record mip(const struct tkey *t, uint32_t lt, uint16_t seq, uint32_t coa)
{
	struct vrrp_ha_record r = rec(&t->k, lt);

	r.u.mipv6.seq = seq;
	r.u.mipv6.coa = addr(0xcc, coa);
	return r;
}

static struct vrrp_ha_record pmip(const struct tkey *t, uint32_t lt, uint64_t ts, uint32_t tun)
{
	struct vrrp_ha_record r = rec(&t->k, lt);

	r.u.pmipv6.timestamp = ts;
	r.u.pmipv6.tunnel_id = tun;
	r.u.pmipv6.pcoa = addr(0xdd, 1);
	r.u.pmipv6.att = 4; /* RFC 5213 8.5 */
	return r;
}

static struct vrrp_ha_record att(const struct tkey *t, uint32_t lt, uint32_t ver)
{
	struct vrrp_ha_record r = rec(&t->k, lt);

	r.u.attach.version = ver;
	return r;
}

/* ---- targeted tests ------------------------------------------------------------------ */

static void test_keys(void)
{
	struct tkey a, b;
	uint8_t buf[VRRP_HA_KEY_MAX], id[VRRP_HA_MNID_MAX + 1] = {1};
	struct vrrp_ha_key k;
	struct in6_addr p = addr(1, 1);

	key_mip(&a, 1);
	CHECK(vrrp_ha_key_valid(&a.k));
	CHECK_EQ(vrrp_ha_key_pmipv6(&k, buf, sizeof(buf), id, 0, 64, &p), -1);
	CHECK_EQ(vrrp_ha_key_pmipv6(&k, buf, sizeof(buf), id, 256, 64, &p), -1);
	CHECK_EQ(vrrp_ha_key_pmipv6(&k, buf, sizeof(buf), id, 1, 129, &p), -1);
	CHECK_EQ(vrrp_ha_key_pmipv6(&k, buf, 18, id, 1, 64, &p), -1);
	CHECK_EQ(vrrp_ha_key_pmipv6(&k, buf, sizeof(buf), id, 255, 128, &p), 0);
	CHECK_EQ(k.len, VRRP_HA_PMIPV6_KEY_MAX);
	CHECK(vrrp_ha_key_valid(&k));
	CHECK_EQ(vrrp_ha_key_attach(&b.k, b.buf, sizeof(b.buf), &k, 9), 0);
	CHECK_EQ(b.k.len, VRRP_HA_KEY_MAX);
	CHECK(vrrp_ha_key_valid(&b.k));
	/* an attachment of an attachment is not a key */
	CHECK_EQ(vrrp_ha_key_attach(&k, buf, sizeof(buf), &b.k, 1), -1);
	/* malformed: wrong length for the kind, inner length lying */
	k = a.k;
	k.len = 15;
	CHECK(!vrrp_ha_key_valid(&k));
	key_pmip(&b, 3, 5);
	memcpy(buf, b.k.bytes, b.k.len);
	buf[0] = 6;
	k = b.k;
	k.bytes = buf;
	CHECK(!vrrp_ha_key_valid(&k));
	/* order: kind, length, bytes */
	key_mip(&b, 2);
	CHECK(vrrp_ha_key_cmp(&a.k, &b.k) < 0);
	key_pmip(&b, 0, 1);
	CHECK(vrrp_ha_key_cmp(&a.k, &b.k) < 0);
	CHECK_EQ(vrrp_ha_key_cmp(&b.k, &b.k), 0);
}

static void test_opts(void)
{
	/* Pad1, PadN of 2, HNP-like option of 3, a vendor option of 0 */
	static const uint8_t good[] = {0, 1, 2, 0, 0, 22, 3, 'a', 'b', 'c', 19, 0};
	static const uint8_t bad[] = {22, 4, 'a', 'b', 'c'};
	struct vrrp_ha_store *s = store_new_ordered(0, TOMB_MS);
	struct vrrp_ha_record r, out;
	struct vrrp_ha_opt o;
	size_t pos = 0;
	struct tkey t;

	CHECK(vrrp_ha_opts_valid(good, sizeof(good)));
	CHECK(!vrrp_ha_opts_valid(bad, sizeof(bad)));
	CHECK(!vrrp_ha_opts_valid(good, 6)); /* cut inside the option */
	CHECK(vrrp_ha_opts_valid(NULL, 0));
	CHECK_EQ(vrrp_ha_opt_next(good, sizeof(good), &pos, &o), 1);
	CHECK_EQ(o.type, 22);
	CHECK_EQ(o.len, 3);
	CHECK(o.data == good + 7);
	CHECK_EQ(vrrp_ha_opt_next(good, sizeof(good), &pos, &o), 1);
	CHECK_EQ(o.type, 19);
	CHECK_EQ(vrrp_ha_opt_next(good, sizeof(good), &pos, &o), 0);

	key_pmip(&t, 7, 9);
	r = pmip(&t, 100, 1, 1);
	r.opts = bad;
	r.opts_len = sizeof(bad);
	CHECK_EQ(store_apply(s, &r, 0), STORE_INVALID);
	CHECK_EQ(store_set_local(s, &r, 0), STORE_INVALID);
	r.opts = good;
	r.opts_len = sizeof(good);
	CHECK_EQ(store_apply(s, &r, 0), STORE_ADDED);
	CHECK(store_lookup(s, &t.k, 0, &out));
	CHECK_EQ(out.opts_len, sizeof(good));
	CHECK(out.opts != good && memcmp(out.opts, good, sizeof(good)) == 0);
	CHECK_EQ(store_apply(s, &r, 0), STORE_REFRESHED);
	r.opts_len = 10; /* a shorter list, still whole */
	CHECK_EQ(store_apply(s, &r, 0), STORE_UPDATED);
	CHECK(store_lookup(s, &t.k, 0, &out) && out.opts_len == 10);
	r.opts = NULL;
	r.opts_len = 0;
	CHECK_EQ(store_apply(s, &r, 0), STORE_UPDATED);
	CHECK(store_lookup(s, &t.k, 0, &out) && out.opts_len == 0 && out.opts == NULL);
	/* a bad key */
	r.key.len = 5;
	CHECK_EQ(store_apply(s, &r, 0), STORE_INVALID);
	store_free(s);
}

/* Apply r at version v (set by setv) and check the result. */
static void test_staleness(void)
{
	struct vrrp_ha_store *s = store_new_ordered(0, TOMB_MS);
	struct vrrp_ha_record r;
	struct tkey m, p, a;

	key_mip(&m, 1);
	key_pmip(&p, 1, 4);
	key_att(&a, &m.k, 1);

	/* MIPv6: RFC 1982 on seq, across the wrap */
	r = mip(&m, 100, 65534, 1);
	CHECK_EQ(store_apply(s, &r, 0), STORE_ADDED);
	r.u.mipv6.seq = 65533;
	CHECK_EQ(store_apply(s, &r, 0), STORE_STALE);
	r.u.mipv6.seq = 65534;
	CHECK_EQ(store_apply(s, &r, 0), STORE_REFRESHED);
	r.u.mipv6.flags = 0x8000;
	CHECK_EQ(store_apply(s, &r, 0), STORE_UPDATED);
	r.u.mipv6.seq = 1; /* newer across the wrap */
	CHECK_EQ(store_apply(s, &r, 0), STORE_UPDATED);
	r.u.mipv6.seq = (uint16_t)(1 + 0x8000); /* undefined distance: never newer */
	CHECK_EQ(store_apply(s, &r, 0), STORE_STALE);

	/* PMIPv6: timestamps, newer wins, equal refreshes (RFC 5213 5.5) */
	r = pmip(&p, 100, UINT64_C(0x0000e0001234) << 16, 7);
	CHECK_EQ(store_apply(s, &r, 0), STORE_ADDED);
	r.u.pmipv6.timestamp--;
	CHECK_EQ(store_apply(s, &r, 0), STORE_STALE);
	r.u.pmipv6.timestamp++;
	CHECK_EQ(store_apply(s, &r, 0), STORE_REFRESHED);
	r.u.pmipv6.tunnel_id = 8;
	CHECK_EQ(store_apply(s, &r, 0), STORE_UPDATED);
	r.u.pmipv6.timestamp += 1;
	CHECK_EQ(store_apply(s, &r, 0), STORE_UPDATED);
	r.u.pmipv6.timestamp = 0; /* no serial wrap for timestamps */
	CHECK_EQ(store_apply(s, &r, 0), STORE_STALE);

	/* ATTACH: 32-bit serial */
	r = att(&a, 100, UINT32_MAX);
	CHECK_EQ(store_apply(s, &r, 0), STORE_ADDED);
	r.u.attach.version = 0;
	CHECK_EQ(store_apply(s, &r, 0), STORE_UPDATED);
	r.u.attach.version = UINT32_MAX;
	CHECK_EQ(store_apply(s, &r, 0), STORE_STALE);
	r.u.attach.version = 0;
	CHECK_EQ(store_apply(s, &r, 0), STORE_REFRESHED);
	r.u.attach.version = UINT32_C(0x80000000);
	CHECK_EQ(store_apply(s, &r, 0), STORE_STALE);
	CHECK_EQ(store_count(s, 0), 3);
	CHECK_EQ(store_count(s, VRRP_HA_KIND_MIPV6), 1);
	CHECK_EQ(store_count(s, VRRP_HA_KIND_PMIPV6), 1);
	CHECK_EQ(store_count(s, VRRP_HA_KIND_ATTACH), 1);
	store_free(s);
}

static void test_tombstone_created(void)
{
	struct vrrp_ha_store *s = store_new_ordered(0, TOMB_MS);
	struct vrrp_ha_record r;
	struct tkey p;

	key_pmip(&p, 2, 30); /* a key out of line */
	r = pmip(&p, 100, 50, 1);
	CHECK_EQ(store_apply(s, &r, 0), STORE_ADDED);
	r.lifetime_s = 0;
	CHECK_EQ(store_apply(s, &r, 0), STORE_DELETED);
	CHECK_EQ(store_count(s, 0), 0);
	r.lifetime_s = 100;
	CHECK_EQ(store_apply(s, &r, 1), STORE_STALE); /* equal: not newer */
	r.lifetime_s = 0;
	r.u.pmipv6.timestamp = 60; /* a newer delete moves the tombstone on */
	CHECK_EQ(store_apply(s, &r, 1), STORE_NOT_FOUND);
	r.lifetime_s = 100;
	r.u.pmipv6.timestamp = 55;
	CHECK_EQ(store_apply(s, &r, 2), STORE_STALE);
	/* the owner of the truth created it anew: taken whatever the timestamp */
	r.created = true;
	CHECK_EQ(store_apply(s, &r, 3), STORE_ADDED);
	r.u.pmipv6.timestamp = 10;
	CHECK_EQ(store_apply(s, &r, 3), STORE_UPDATED);
	r.created = false;
	CHECK_EQ(store_delete_local(s, &p.k, 4), STORE_DELETED);
	CHECK_EQ(store_next_expiry(s, 4), TOMB_MS);
	CHECK_EQ(store_expire(s, 4 + TOMB_MS, 0, NULL, NULL), 0);
	store_clear_dirty(s, 0);  /* the released tombstone goes */
	r.u.pmipv6.timestamp = 1; /* forgotten: anything comes back */
	CHECK_EQ(store_apply(s, &r, 5 + TOMB_MS), STORE_ADDED);
	CHECK_EQ(store_next_expiry(s, 5 + TOMB_MS), 100000);
	store_free(s);
}

struct taken {
	struct vrrp_ha_record r[16];
	uint8_t kb[16][VRRP_HA_KEY_MAX];
	size_t n;
};

static void on_take(void *arg, const struct vrrp_ha_record *r)
{
	struct taken *t = arg;

	if (t->n < 16) {
		t->r[t->n] = *r;
		memcpy(t->kb[t->n], r->key.bytes, r->key.len);
		t->r[t->n].key.bytes = t->kb[t->n];
		t->r[t->n].opts = NULL;
	}
	t->n++;
}

static void test_dirty(void)
{
	struct vrrp_ha_store *s = store_new_ordered(0, TOMB_MS);
	struct vrrp_ha_record r;
	struct taken tk = {.n = 0};
	struct tkey m1, m2, a;
	int i;

	key_mip(&m1, 1);
	key_mip(&m2, 2);
	key_att(&a, &m1.k, 3);
	r = mip(&m1, 100, 1, 1);
	CHECK_EQ(store_set_local(s, &r, 0), STORE_ADDED);
	r = mip(&m2, 100, 1, 1);
	CHECK_EQ(store_apply(s, &r, 0), STORE_ADDED);
	for (i = 0; i < 5; i++) { /* coalesced: m1 keeps its place */
		r = mip(&m1, 100, (uint16_t)(2 + i), 1);
		CHECK_EQ(store_set_local(s, &r, 0), STORE_UPDATED);
	}
	r = att(&a, 100, 1);
	CHECK_EQ(store_set_local(s, &r, 0), STORE_ADDED);
	CHECK_EQ(store_dirty_count(s, 0), 3);
	CHECK_EQ(store_dirty_count(s, VRRP_HA_KIND_MIPV6), 2);
	CHECK_EQ(store_take_dirty(s, VRRP_HA_KIND_MIPV6, 16, 0, on_take, &tk), 2);
	CHECK_EQ(tk.n, 2);
	CHECK_EQ(vrrp_ha_key_cmp(&tk.r[0].key, &m1.k), 0);
	CHECK_EQ(tk.r[0].u.mipv6.seq, 6);
	CHECK(tk.r[0].created); /* created by set_local: says so once */
	CHECK_EQ(tk.r[0].lifetime_s, 100);
	CHECK_EQ(vrrp_ha_key_cmp(&tk.r[1].key, &m2.k), 0);
	CHECK(!tk.r[1].created);
	CHECK_EQ(store_dirty_count(s, 0), 1);
	r = mip(&m1, 100, 7, 1);
	CHECK_EQ(store_set_local(s, &r, 0), STORE_UPDATED);
	CHECK_EQ(store_delete_local(s, &m2.k, 0), STORE_DELETED);
	tk.n = 0;
	CHECK_EQ(store_take_dirty(s, VRRP_HA_KIND_MIPV6, 1, 0, on_take, &tk), 1);
	CHECK(!tk.r[0].created);
	CHECK_EQ(store_take_dirty(s, VRRP_HA_KIND_MIPV6, 1, 0, on_take, &tk), 1);
	CHECK_EQ(tk.r[1].lifetime_s, 0); /* the delete */
	CHECK_EQ(vrrp_ha_key_cmp(&tk.r[1].key, &m2.k), 0);
	CHECK_EQ(store_take_dirty(s, VRRP_HA_KIND_ATTACH, 16, 0, on_take, &tk), 1);
	CHECK(tk.r[2].created);
	CHECK_EQ(store_dirty_count(s, 0), 0);
	CHECK_EQ(store_take_dirty(s, 0, 16, 0, on_take, &tk), 0); /* no such kind */
	/* an expired binding on the queue says nothing and is freed */
	r = mip(&m2, 1, 9, 1);
	CHECK_EQ(store_apply(s, &r, 0), STORE_ADDED);
	CHECK_EQ(store_expire(s, 1000, 0, NULL, NULL), 1); /* m1 and a live 100 s */
	CHECK_EQ(store_dirty_count(s, 0), 0);
	tk.n = 0;
	CHECK_EQ(store_take_dirty(s, VRRP_HA_KIND_MIPV6, 16, 1000, on_take, &tk), 0);
	store_free(s);
}

static void test_lookup_next(void)
{
	struct vrrp_ha_store *s = store_new_ordered(0, TOMB_MS);
	struct vrrp_ha_record r, out;
	struct tkey m[3], p[3], a[2], x;
	struct vrrp_ha_key prev;
	uint8_t pb[VRRP_HA_KEY_MAX];
	int i, n;

	CHECK(!store_lookup_next(s, NULL, 0, &out));
	for (i = 0; i < 3; i++) {
		key_mip(&m[i], (uint32_t)(10 * i + 5));
		key_pmip(&p[i], (uint32_t)i, (size_t)(3 - i) * 20); /* longest last in order */
		r = mip(&m[i], 100, 1, 1);
		CHECK_EQ(store_apply(s, &r, 0), STORE_ADDED);
		r = pmip(&p[i], 100, 1, 1);
		CHECK_EQ(store_apply(s, &r, 0), STORE_ADDED);
	}
	key_att(&a[0], &m[1].k, 2);
	key_att(&a[1], &p[0].k, 1);
	for (i = 0; i < 2; i++) {
		r = att(&a[i], 100, 1);
		CHECK_EQ(store_apply(s, &r, 0), STORE_ADDED);
	}
	/* the whole order: MIPv6 by HoA, PMIPv6 by length, ATTACH */
	{
		const struct vrrp_ha_key *want[8] = {&m[0].k, &m[1].k, &m[2].k, &p[2].k,
		                                     &p[1].k, &p[0].k, &a[0].k, &a[1].k};

		for (n = 0; store_lookup_next(s, n ? &prev : NULL, 0, &out); n++) {
			CHECK(n < 8);
			if (n < 8)
				CHECK_EQ(vrrp_ha_key_cmp(&out.key, want[n]), 0);
			memcpy(pb, out.key.bytes, out.key.len);
			prev = out.key;
			prev.bytes = pb;
		}
		CHECK_EQ(n, 8);
	}
	/* after a key that is not there: the next one that is */
	key_mip(&x, 6);
	CHECK(store_lookup_next(s, &x.k, 0, &out));
	CHECK_EQ(vrrp_ha_key_cmp(&out.key, &m[1].k), 0);
	key_mip(&x, 1000);
	CHECK(store_lookup_next(s, &x.k, 0, &out));
	CHECK_EQ(vrrp_ha_key_cmp(&out.key, &p[2].k), 0); /* into the next kind */
	/* deleted and expired entries are passed over */
	CHECK_EQ(store_delete_local(s, &m[1].k, 0), STORE_DELETED);
	r = mip(&m[2], 1, 2, 1);
	CHECK_EQ(store_apply(s, &r, 0), STORE_UPDATED);
	CHECK(store_lookup_next(s, &m[0].k, 2000, &out));
	CHECK_EQ(vrrp_ha_key_cmp(&out.key, &p[2].k), 0);
	CHECK(!store_lookup_next(s, &a[1].k, 0, &out));
	store_free(s);
}

/* ---- model check ------------------------------------------------------------------------ */

enum { M_NONE, M_LIVE, M_TOMB, M_TOMB_REL };

struct mrec {
	struct tkey key;
	int st;
	union vrrp_ha_fixed f;
	uint64_t exp; /* LIVE: end of lifetime; TOMB: release */
	uint8_t *opts;
	uint16_t opts_len;
	bool queued, fresh;
	uint64_t q_at; /* when queued (FIFO order) */
};

/* A queue of the model: (rank, q_at) appended when queued; an element
 * whose record was unqueued (or queued again later) since is skipped. */
struct mq {
	struct {
		size_t rank;
		uint64_t q_at;
	} * v;
	size_t head, len, cap;
};

struct model {
	struct mrec *r; /* sorted by key */
	size_t n;
	struct mq q[VRRP_HA_KIND_MAX + 1];
	size_t live[VRRP_HA_KIND_MAX + 1];
	size_t queued[VRRP_HA_KIND_MAX + 1];
	uint64_t q_clock;
	bool batch; /* a flush: queued in slab order, which the model does not
	             * know, so all of them at one q_at */
};

static int cmp_mrec(const void *a, const void *b)
{
	return vrrp_ha_key_cmp(&((const struct mrec *)a)->key.k, &((const struct mrec *)b)->key.k);
}

/* Pool of keys: a third of each kind, PMIPv6 MN-IDs of 1..255 bytes,
 * attachments to the MIPv6 and PMIPv6 keys. */
static void m_init(struct model *m, size_t n)
{
	size_t i, third = n / 3, owners = 2 * third;

	memset(m, 0, sizeof(*m));
	m->r = calloc(n, sizeof(*m->r));
	CHECK(m->r);
	for (i = 0; i < n; i++) {
		struct mrec *x = &m->r[i];

		if (i < third) {
			key_mip(&x->key, (uint32_t)i);
		} else if (i < owners) {
			size_t len = rng() % 8 == 0 ? 1 + rng() % 255 : 1 + rng() % 24;

			key_pmip(&x->key, (uint32_t)i, len);
		} else {
			const struct mrec *o = &m->r[(i - owners) % owners];

			key_att(&x->key, &o->key.k, (uint8_t)(1 + (i - owners) / owners));
		}
	}
	qsort(m->r, n, sizeof(*m->r), cmp_mrec);
	/* key bytes live in the records: fix the pointers after the sort */
	for (i = 0; i < n; i++) {
		struct tkey *t = &m->r[i].key;

		t->k.bytes = t->k.kind == VRRP_HA_KIND_MIPV6 ? t->hoa.s6_addr : t->buf;
	}
	for (i = 1; i < n; i++)
		CHECK(vrrp_ha_key_cmp(&m->r[i - 1].key.k, &m->r[i].key.k) < 0);
	m->n = n;
}

static void m_free(struct model *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->r[i].opts);
	free(m->r);
	for (i = 0; i <= VRRP_HA_KIND_MAX; i++)
		free(m->q[i].v);
}

static bool m_live(const struct mrec *x, uint64_t now)
{
	return x->st == M_LIVE && x->exp > now;
}

static bool m_tomb(const struct mrec *x, uint64_t now)
{
	return x->st == M_TOMB && x->exp > now;
}

/* The model's own reading of the rules (store.h). */
static int m_cmp(unsigned kind, const union vrrp_ha_fixed *have, const union vrrp_ha_fixed *r)
{
	uint16_t d16;
	uint32_t d32;

	switch (kind) {
	case VRRP_HA_KIND_MIPV6:
		d16 = (uint16_t)(r->mipv6.seq - have->mipv6.seq);
		return d16 == 0 ? 0 : d16 < 0x8000 ? 1 : -1;
	case VRRP_HA_KIND_PMIPV6:
		return r->pmipv6.timestamp == have->pmipv6.timestamp
		               ? 0
		               : (r->pmipv6.timestamp > have->pmipv6.timestamp ? 1 : -1);
	default:
		d32 = r->attach.version - have->attach.version;
		return d32 == 0 ? 0 : d32 < 0x80000000u ? 1 : -1;
	}
}

static bool m_same(unsigned kind, const union vrrp_ha_fixed *a, const union vrrp_ha_fixed *b)
{
	switch (kind) {
	case VRRP_HA_KIND_MIPV6:
		return a->mipv6.seq == b->mipv6.seq && a->mipv6.flags == b->mipv6.flags &&
		       !memcmp(&a->mipv6.coa, &b->mipv6.coa, 16);
	case VRRP_HA_KIND_PMIPV6:
		return a->pmipv6.timestamp == b->pmipv6.timestamp &&
		       a->pmipv6.tunnel_id == b->pmipv6.tunnel_id &&
		       a->pmipv6.flags == b->pmipv6.flags && a->pmipv6.att == b->pmipv6.att &&
		       !memcmp(&a->pmipv6.pcoa, &b->pmipv6.pcoa, 16);
	default:
		return a->attach.version == b->attach.version;
	}
}

static void m_version(unsigned kind, union vrrp_ha_fixed *have, const union vrrp_ha_fixed *r)
{
	if (kind == VRRP_HA_KIND_MIPV6)
		have->mipv6.seq = r->mipv6.seq;
	else if (kind == VRRP_HA_KIND_PMIPV6)
		have->pmipv6.timestamp = r->pmipv6.timestamp;
	else
		have->attach.version = r->attach.version;
}

static bool m_opts_same(const struct mrec *x, const struct vrrp_ha_record *r)
{
	return x->opts_len == r->opts_len &&
	       (!r->opts_len || !memcmp(x->opts, r->opts, r->opts_len));
}

static void m_queue(struct model *m, struct mrec *x)
{
	if (x->queued)
		return;
	struct mq *q = &m->q[x->key.k.kind];

	x->queued = true;
	x->q_at = m->batch ? m->q_clock : m->q_clock++;
	m->queued[x->key.k.kind]++;
	if (q->len == q->cap) {
		q->cap = q->cap ? 2 * q->cap : 1024;
		q->v = realloc(q->v, q->cap * sizeof(*q->v));
		CHECK(q->v);
	}
	q->v[q->len].rank = (size_t)(x - m->r);
	q->v[q->len++].q_at = x->q_at;
}

static void m_unqueue(struct model *m, struct mrec *x)
{
	if (!x->queued)
		return;
	x->queued = false;
	x->fresh = false;
	m->queued[x->key.k.kind]--;
}

static void m_set_opts(struct mrec *x, const uint8_t *o, uint16_t len)
{
	uint8_t *n = NULL;

	if (len) { /* o may be x->opts itself */
		n = malloc(len);
		CHECK(n);
		memcpy(n, o, len);
	}
	free(x->opts);
	x->opts = n;
	x->opts_len = len;
}

static void m_make_live(struct model *m, struct mrec *x, const struct vrrp_ha_record *r,
                        uint64_t now)
{
	if (x->st != M_LIVE)
		m->live[x->key.k.kind]++;
	x->st = M_LIVE;
	x->f = r->u;
	x->exp = now + (uint64_t)r->lifetime_s * 1000;
	m_set_opts(x, r->opts, r->opts_len);
	m_queue(m, x);
}

static void m_make_tomb(struct model *m, struct mrec *x, uint64_t now)
{
	m->live[x->key.k.kind]--;
	x->st = M_TOMB;
	x->exp = now + TOMB_MS;
	x->fresh = false;
	m_set_opts(x, NULL, 0);
	m_queue(m, x);
}

static enum store_result m_apply(struct model *m, struct mrec *x, const struct vrrp_ha_record *r,
                                 uint64_t now)
{
	unsigned kind = x->key.k.kind;
	bool super = r->lifetime_s && r->created;
	int c;

	if (m_live(x, now)) {
		enum store_result res;

		c = m_cmp(kind, &x->f, &r->u);
		if (c < 0 && !super)
			return STORE_STALE;
		if (!r->lifetime_s) {
			m_version(kind, &x->f, &r->u);
			m_make_tomb(m, x, now);
			return STORE_DELETED;
		}
		res = m_same(kind, &x->f, &r->u) && m_opts_same(x, r) ? STORE_REFRESHED
		                                                      : STORE_UPDATED;
		m_make_live(m, x, r, now);
		return res;
	}
	if (m_tomb(x, now)) {
		if (m_cmp(kind, &x->f, &r->u) <= 0 && !super)
			return STORE_STALE;
		if (!r->lifetime_s) {
			m_version(kind, &x->f, &r->u);
			x->exp = now + TOMB_MS;
			return STORE_NOT_FOUND;
		}
		m_make_live(m, x, r, now);
		return STORE_ADDED;
	}
	if (!r->lifetime_s)
		return STORE_NOT_FOUND;
	m_make_live(m, x, r, now);
	x->fresh = false;
	return STORE_ADDED;
}

static enum store_result m_set_local(struct model *m, struct mrec *x,
                                     const struct vrrp_ha_record *r, uint64_t now)
{
	enum store_result res = STORE_ADDED;

	if (!r->lifetime_s) {
		if (!m_live(x, now))
			return STORE_NOT_FOUND;
		m_make_tomb(m, x, now);
		return STORE_DELETED;
	}
	if (m_live(x, now))
		res = m_same(x->key.k.kind, &x->f, &r->u) && m_opts_same(x, r) ? STORE_REFRESHED
		                                                               : STORE_UPDATED;
	m_make_live(m, x, r, now);
	if (res == STORE_ADDED)
		x->fresh = true;
	return res;
}

static size_t m_expire(struct model *m, uint64_t now)
{
	size_t i, n = 0;

	for (i = 0; i < m->n; i++) {
		struct mrec *x = &m->r[i];

		if (x->st == M_LIVE && x->exp <= now) {
			m->live[x->key.k.kind]--;
			m_unqueue(m, x); /* DEAD: never sent */
			x->st = M_NONE;
			n++;
		} else if (x->st == M_TOMB && x->exp <= now) {
			x->st = x->queued ? M_TOMB_REL : M_NONE;
		}
	}
	return n;
}

/* Returns: what store_next_expiry() should say: the earliest end of a
 * lifetime or tombstone release still due (released ones are not). */
static uint64_t m_next_expiry(const struct model *m, uint64_t now)
{
	uint64_t at = UINT64_MAX;

	for (size_t i = 0; i < m->n; i++)
		if (m->r[i].st == M_LIVE || m->r[i].st == M_TOMB)
			at = m->r[i].exp < at ? m->r[i].exp : at;
	if (at == UINT64_MAX)
		return at;
	return at > now ? at - now : 0;
}

/* A random option list of up to max bytes, valid per RFC 6275 6.2. */
static uint16_t rand_opts(uint8_t *p, size_t max)
{
	size_t len = 0, want = rng() % 2 ? 0 : rng() % (max + 1);

	while (len < want) {
		size_t room = want - len, l;

		if (room < 2 || rng() % 16 == 0) {
			p[len++] = VRRP_HA_OPT_PAD1;
			continue;
		}
		l = rng() % (room - 1 < 255 ? room - 1 : 255);
		p[len] = (uint8_t)(1 + rng() % 255); /* PadN among them */
		p[len + 1] = (uint8_t)l;
		for (size_t i = 0; i < l; i++)
			p[len + 2 + i] = (uint8_t)rng();
		len += 2 + l;
	}
	return (uint16_t)len;
}

static void check_rec(const struct mrec *x, const struct vrrp_ha_record *o, uint64_t now)
{
	CHECK_EQ(vrrp_ha_key_cmp(&o->key, &x->key.k), 0);
	CHECK(m_same(x->key.k.kind, &x->f, &o->u));
	CHECK_EQ(o->expires_ms, x->exp);
	CHECK_EQ(o->lifetime_s, (x->exp - now + 999) / 1000);
	CHECK_EQ(o->opts_len, x->opts_len);
	if (o->opts_len == x->opts_len && x->opts_len)
		CHECK(memcmp(o->opts, x->opts, x->opts_len) == 0);
}

static void check_lookup(const struct vrrp_ha_store *s, const struct mrec *x, uint64_t now)
{
	struct vrrp_ha_record o;
	bool got = store_lookup(s, &x->key.k, now, &o);

	CHECK_EQ(got, m_live(x, now));
	if (got && m_live(x, now))
		check_rec(x, &o, now);
}

/* lookup_next after the pool key at rank i (or before all if i == n). */
static void check_next(const struct vrrp_ha_store *s, const struct model *m, size_t i, uint64_t now)
{
	struct vrrp_ha_record o;
	size_t j = i == m->n ? 0 : i + 1;
	bool got;

	while (j < m->n && !m_live(&m->r[j], now))
		j++;
	got = store_lookup_next(s, i == m->n ? NULL : &m->r[i].key.k, now, &o);
	CHECK_EQ(got, j < m->n);
	if (got && j < m->n)
		check_rec(&m->r[j], &o, now);
}

/* Iterate the whole store in order with lookup_next and with a walk. */
static void check_all(const struct vrrp_ha_store *s, const struct model *m, uint64_t now)
{
	struct vrrp_ha_record o, w[32];
	const struct vrrp_ha_key *after = NULL;
	size_t j = 0, seen = 0, k, n;
	uint64_t cur = 0;

	while (store_lookup_next(s, after, now, &o)) {
		while (j < m->n && !m_live(&m->r[j], now))
			j++;
		CHECK(j < m->n);
		if (j >= m->n)
			return;
		check_rec(&m->r[j], &o, now);
		after = &m->r[j].key.k;
		j++;
		seen++;
	}
	while (j < m->n && !m_live(&m->r[j], now))
		j++;
	CHECK_EQ(j, m->n);
	n = 0;
	while ((k = store_walk(s, 0, &cur, w, 32, now)) > 0)
		n += k;
	CHECK_EQ(n, seen);
}

struct mtake {
	struct model *m;
	uint64_t now, last_q;
	size_t n;
};

static struct mrec *m_find(struct model *m, const struct vrrp_ha_key *k)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = vrrp_ha_key_cmp(&m->r[mid].key.k, k);

		if (c == 0)
			return &m->r[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The store pops in FIFO order: every record taken is the model's oldest
 * queued entry of its kind that has something to say. */
static void on_mtake(void *arg, const struct vrrp_ha_record *r)
{
	struct mtake *t = arg;
	struct mrec *x = m_find(t->m, &r->key);

	CHECK(x && x->queued);
	if (!x || !x->queued)
		return;
	CHECK(t->n == 0 || x->q_at >= t->last_q); /* equal: one flush */
	t->last_q = x->q_at;
	t->n++;
	if (r->lifetime_s) {
		CHECK(m_live(x, t->now));
		CHECK_EQ(r->created, x->fresh);
		check_rec(x, r, t->now);
	} else {
		CHECK(x->st == M_TOMB || x->st == M_TOMB_REL);
		CHECK(m_same(x->key.k.kind, &x->f, &r->u));
		CHECK(!r->created);
	}
}

/* After a take of up to max that gave got records, the last one queued at
 * last_q: the store popped every queued entry of kind up to that one, or
 * all of them if fewer than max came out. */
static void m_take(struct model *m, unsigned kind, size_t max, size_t got, uint64_t last_q)
{
	struct mq *q = &m->q[kind];

	for (; q->head < q->len; q->head++) {
		struct mrec *x = &m->r[q->v[q->head].rank];

		if (!x->queued || x->q_at != q->v[q->head].q_at)
			continue; /* unqueued since */
		if (got == max && x->q_at > last_q)
			break;
		m_unqueue(m, x);
		if (x->st == M_TOMB_REL)
			x->st = M_NONE;
	}
}

static void test_model(void)
{
	enum { POOL = 45000, STEPS = 120000 };
	static uint8_t obuf[600];
	struct vrrp_ha_store *s = store_new_ordered(0, TOMB_MS);
	struct model m;
	uint64_t now = 1000;
	size_t step, resizes = 0, hist[STORE_INVALID + 1] = {0}, peak = 0;
	bool resizing = false;

	rng_state = 0x0123456789abcdefu;
	m_init(&m, POOL);
	for (step = 0; step < STEPS; step++) {
		/* first grow to most of the pool, then churn */
		bool grow = step < STEPS / 3;
		size_t i = rng() % m.n, op = rng() % 100;
		struct mrec *x = &m.r[i];
		unsigned kind = x->key.k.kind;
		struct vrrp_ha_record r = rec(&x->key.k, 0);
		enum store_result want, got;

		if (x->st != M_NONE) {
			r.u = x->f;
		} else {
			r.u.mipv6.coa = addr(0xcc, (uint32_t)i);
			r.u.pmipv6.timestamp = rng();
			r.u.attach.version = (uint32_t)rng();
		}
		/* versions near the current one: stale, equal and newer */
		switch (kind) {
		case VRRP_HA_KIND_MIPV6:
			r.u.mipv6.seq = (uint16_t)(r.u.mipv6.seq + rng() % 5 - 1);
			r.u.mipv6.flags = (uint16_t)(rng() % 4 == 0 ? 0x8000 : 0);
			break;
		case VRRP_HA_KIND_PMIPV6:
			r.u.pmipv6.timestamp += rng() % 5 - 1;
			r.u.pmipv6.tunnel_id = (uint32_t)(rng() % 3);
			break;
		default:
			r.u.attach.version += (uint32_t)(rng() % 5) - 1;
			break;
		}
		r.lifetime_s = (uint32_t)(grow ? 200 + rng() % 400 : 1 + rng() % 120);
		if (rng() % 3 == 0 && x->opts_len) {        /* same options: may refresh */
			memcpy(obuf, x->opts, x->opts_len); /* the model frees its own */
			r.opts = obuf;
			r.opts_len = x->opts_len;
		} else {
			r.opts_len = rand_opts(obuf, kind == VRRP_HA_KIND_ATTACH ? 600 : 120);
			r.opts = r.opts_len ? obuf : NULL;
		}
		r.created = rng() % 20 == 0;
		if (op < (grow ? 70u : 40u)) {
			if (!grow && rng() % 4 == 0)
				r.lifetime_s = 0;
			want = m_apply(&m, x, &r, now);
			got = store_apply(s, &r, now);
			CHECK_EQ(got, want);
			hist[got]++;
		} else if (op < (grow ? 95u : 65u)) {
			want = m_set_local(&m, x, &r, now);
			got = store_set_local(s, &r, now);
			CHECK_EQ(got, want);
			hist[got]++;
		} else if (op < 75) {
			want = m_live(x, now) ? STORE_DELETED : STORE_NOT_FOUND;
			if (want == STORE_DELETED)
				m_make_tomb(&m, x, now);
			CHECK_EQ(store_delete_local(s, &x->key.k, now), want);
		} else if (op < 76 && rng() % 8 == 0) {
			size_t mw = m_expire(&m, now);

			CHECK_EQ(store_expire(s, now, 0, NULL, NULL), mw);
		} else if (op < 92) {
			struct mtake t = {&m, now, 0, 0};
			size_t max = 1 + rng() % 64;
			size_t n = store_take_dirty(s, kind, max, now, on_mtake, &t);

			CHECK_EQ(n, t.n);
			m_take(&m, kind, max, n, t.last_q);
		} else if (op < 93) {
			store_clear_dirty(s, kind);
			m_take(&m, kind, SIZE_MAX, 0, 0);
		} else if (op < 94 && !grow && rng() % 50 == 0) {
			size_t i2, n = 0;

			struct mtake t = {&m, now, 0, 0};

			m.batch = true;
			for (i2 = 0; i2 < m.n; i2++)
				if (m.r[i2].st == M_LIVE && m.r[i2].key.k.kind == kind) {
					m_make_tomb(&m, &m.r[i2], now);
					n++;
				}
			m.batch = false;
			m.q_clock++;
			CHECK_EQ(store_flush(s, kind, now), n);
			/* the whole queue, so the batch's order does not matter */
			n = store_take_dirty(s, kind, SIZE_MAX, now, on_mtake, &t);
			CHECK_EQ(n, t.n);
			m_take(&m, kind, SIZE_MAX, n, t.last_q);
		} else {
			check_next(s, &m, rng() % (m.n + 1), now);
		}
		/* after every step */
		check_lookup(s, x, now);
		check_lookup(s, &m.r[rng() % m.n], now);
		check_next(s, &m, i, now);
		check_next(s, &m, m.n, now); /* the first */
		for (kind = 0; kind <= VRRP_HA_KIND_MAX; kind++) {
			size_t live = 0, q = 0, k2;

			for (k2 = 1; k2 <= VRRP_HA_KIND_MAX; k2++)
				if (!kind || k2 == kind) {
					live += m.live[k2];
					q += m.queued[k2];
				}
			CHECK_EQ(store_count(s, kind), live);
			/* model queues count DEAD ones out, as the store does */
			CHECK_EQ(store_dirty_count(s, kind), q);
		}
		if (step % 4000 == 0) {
			check_all(s, &m, now);
			CHECK_EQ(store_next_expiry(s, now), m_next_expiry(&m, now));
		}
		{
			bool rz = store_maintain(s, 0);

			resizes += rz && !resizing;
			resizing = rz;
		}
		if (store_count(s, 0) > peak)
			peak = store_count(s, 0);
		now += rng() % 6;
		if (failures > 20) {
			fprintf(stderr, "model: stopping at step %zu\n", step);
			break;
		}
	}
	check_all(s, &m, now);
	printf("store model: %zu steps, peak %zu entries, %zu resizes, now %zu live;"
	       " added %zu updated %zu refreshed %zu deleted %zu stale %zu not_found %zu\n",
	       step, peak, resizes, store_count(s, 0), hist[STORE_ADDED], hist[STORE_UPDATED],
	       hist[STORE_REFRESHED], hist[STORE_DELETED], hist[STORE_STALE],
	       hist[STORE_NOT_FOUND]);
	CHECK(resizes >= 10);
	CHECK(peak >= 20000);
	for (int k = STORE_ADDED; k <= STORE_NOT_FOUND; k++)
		CHECK(hist[k] >= 100);
	CHECK_EQ(hist[STORE_NOMEM], 0);
	/* everything goes: expiry empties the store, memory is given back */
	store_clear_dirty(s, 0);
	store_expire(s, UINT64_MAX - 1, 0, NULL, NULL);
	CHECK_EQ(store_count(s, 0), 0);
	CHECK(!store_lookup_next(s, NULL, UINT64_MAX - 1, NULL));
	store_free(s);
	m_free(&m);
}

/* ---- allocation failure ------------------------------------------------------------------ */

#ifdef TEST_STORE_WRAP_MALLOC
/* The n-th allocation from arming on fails (test-only state). */
static long alloc_fail_in;

/* the linker's names for the real and the wrapped allocator */
void *__real_malloc(size_t n), *__wrap_malloc(size_t n);
void *__real_realloc(void *p, size_t n), *__wrap_realloc(void *p, size_t n);
void *__real_calloc(size_t k, size_t n), *__wrap_calloc(size_t k, size_t n);

static bool alloc_fails(void)
{
	return alloc_fail_in > 0 && --alloc_fail_in == 0;
}

void *__wrap_malloc(size_t n)
{
	return alloc_fails() ? NULL : __real_malloc(n);
}

void *__wrap_realloc(void *p, size_t n)
{
	return alloc_fails() ? NULL : __real_realloc(p, n);
}

void *__wrap_calloc(size_t k, size_t n)
{
	return alloc_fails() ? NULL : __real_calloc(k, n);
}

/* Out-of-line keys and options: a failed copy changes nothing. */
static void test_nomem(void)
{
	static const uint8_t opts[] = {22, 3, 1, 2, 3, 1, 1, 0};
	int k, nomem = 0, new_failed = 0;

	for (k = 1; k < 200; k++) {
		struct vrrp_ha_store *s;
		struct vrrp_ha_record r, o;
		struct tkey p;
		uint32_t i, added = 0;

		alloc_fail_in = k;
		s = store_new_ordered(0, TOMB_MS);
		if (!s) {
			new_failed++;
			continue; /* LeakSanitizer checks nothing was left behind */
		}
		for (i = 0; i < 60; i++) {
			enum store_result res;
			size_t mem = store_memory(s), q = store_dirty_count(s, 0);

			key_pmip(&p, i, 20 + i % 5);
			r = pmip(&p, 100, 1, i);
			r.opts = opts;
			r.opts_len = sizeof(opts);
			res = i % 2 ? store_set_local(s, &r, 0) : store_apply(s, &r, 0);
			if (res == STORE_NOMEM) {
				nomem++;
				CHECK_EQ(store_count(s, 0), added);
				CHECK_EQ(store_dirty_count(s, 0), q);
				CHECK(!store_lookup(s, &p.k, 0, NULL));
				CHECK(store_memory(s) >= mem);
				break;
			}
			CHECK_EQ(res, STORE_ADDED);
			added++;
			/* an update with new options whose copy may fail */
			r.u.pmipv6.timestamp = 2;
			r.opts_len = 5; /* the first option only */
			res = store_apply(s, &r, 0);
			if (res == STORE_NOMEM) {
				nomem++;
				CHECK(store_lookup(s, &p.k, 0, &o));
				CHECK_EQ(o.u.pmipv6.timestamp, 1);
				CHECK_EQ(o.opts_len, sizeof(opts));
				break;
			}
			CHECK_EQ(res, STORE_UPDATED);
		}
		alloc_fail_in = 0;
		/* and it goes on working */
		for (i = 0; i < 60; i++) {
			key_pmip(&p, i, 20 + i % 5);
			r = pmip(&p, 100, 3, i);
			CHECK(store_apply(s, &r, 0) <= STORE_UPDATED);
		}
		CHECK_EQ(store_count(s, 0), 60);
		store_free(s);
	}
	CHECK(new_failed >= 4);
	CHECK(nomem >= 20);
	printf("store: %d allocations failed in use, none changed the store\n", nomem);
}
#else
static void test_nomem(void)
{
	printf("test_store: allocation-failure test not built (no --wrap)\n");
}
#endif

/* Without the order tree lookup_next scans, and must give the same walk;
 * turning the tree on over a full table builds it from what is there. */
static void test_unordered(void)
{
	struct vrrp_ha_store *a = store_new_ordered(0, TOMB_MS), *b = store_new(0, TOMB_MS);
	struct vrrp_ha_record ra, rb;
	struct vrrp_ha_key after, *ap = NULL;
	uint8_t kb[VRRP_HA_KEY_MAX];
	struct tkey t;
	unsigned n = 0;

	CHECK(a && b && store_is_ordered(a) && !store_is_ordered(b));
	for (uint32_t i = 0; i < 1000; i++) {
		struct vrrp_ha_record r;

		if (i % 3) {
			key_mip(&t, (i * 7919u) % 100000);
			r = mip(&t, 100, 1, i);
		} else {
			key_pmip(&t, i, 8 + i % 20);
			r = pmip(&t, 100, 1, i);
		}
		CHECK(store_apply(a, &r, 1000) == STORE_ADDED);
		CHECK(store_apply(b, &r, 1000) == STORE_ADDED);
	}
	for (;;) {
		bool ha = store_lookup_next(a, ap, 1000, &ra);
		bool hb = store_lookup_next(b, ap, 1000, &rb);

		CHECK(ha == hb);
		if (!ha || !hb)
			break;
		CHECK(!vrrp_ha_key_cmp(&ra.key, &rb.key));
		memcpy(kb, rb.key.bytes, rb.key.len);
		after = rb.key;
		after.bytes = kb;
		ap = &after;
		n++;
	}
	CHECK_EQ(n, 1000);
	store_set_ordered(b, true);
	CHECK(store_lookup_next(b, NULL, 1000, &rb) && store_lookup_next(a, NULL, 1000, &ra) &&
	      !vrrp_ha_key_cmp(&ra.key, &rb.key));
	store_free(a);
	store_free(b);
}

int main(void)
{
	test_keys();
	test_opts();
	test_staleness();
	test_tombstone_created();
	test_dirty();
	test_lookup_next();
	test_unordered();
	test_nomem();
	test_model();
	if (failures) {
		fprintf(stderr, "test_store: %d failures\n", failures);
		return 1;
	}
	printf("test_store: ok\n");
	return 0;
}
