/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_rbc.c - the Redundancy Binding Cache (draft-deng section 5) against a
 * fake millisecond clock: seq rules (RFC 1982), lifetimes, tombstones, the
 * dirty queue, the "new binding" marker (VRRP_HA_REC_NEW), walks under
 * change, incremental growth of the index, scale, randomised comparisons
 * with a naive model of the same rules (one of them through a dozen
 * resizes), allocation failure (index growth, slab and heap chunks), and the
 * latency of single calls, allocation included.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vrrp_ha/rbc.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c);      \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                                \
		if (a_ != b_) {                                                                    \
			fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (%lld != %lld)\n",       \
			        __FILE__, __LINE__, #a, #b, a_, b_);                               \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

#define TOMB_MS 30000

/* 2001:db8:<n>::1 style HoAs (n up to 2^32) and 2001:db8:ff00::<n> CoAs */
static struct in6_addr hoa(uint32_t n)
{
	struct in6_addr a;

	memset(&a, 0, sizeof(a));
	a.s6_addr[0] = 0x20;
	a.s6_addr[1] = 0x01;
	a.s6_addr[2] = 0x0d;
	a.s6_addr[3] = 0xb8;
	a.s6_addr[4] = (uint8_t)(n >> 24);
	a.s6_addr[5] = (uint8_t)(n >> 16);
	a.s6_addr[6] = (uint8_t)(n >> 8);
	a.s6_addr[7] = (uint8_t)n;
	a.s6_addr[15] = 1;
	return a;
}

static struct in6_addr coa(uint32_t n)
{
	struct in6_addr a = hoa(n);

	a.s6_addr[4] = 0xff;
	a.s6_addr[15] = 2;
	return a;
}

static struct vrrp_ha_binding rec(uint32_t h, uint32_t c, uint16_t lifetime, uint16_t seq,
                                  uint16_t flags)
{
	struct vrrp_ha_binding b;

	memset(&b, 0, sizeof(b));
	b.hoa = hoa(h);
	b.coa = coa(c);
	b.lifetime = lifetime;
	b.seq = seq;
	b.flags = flags;
	return b;
}

static bool addr_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* Returns: the n of a hoa() address. */
static uint32_t hoa_n(const struct in6_addr *a)
{
	return (uint32_t)a->s6_addr[4] << 24 | (uint32_t)a->s6_addr[5] << 16 |
	       (uint32_t)a->s6_addr[6] << 8 | a->s6_addr[7];
}

static enum rbc_result apply(struct vrrp_ha_rbc *t, uint32_t h, uint32_t c, uint16_t lifetime,
                             uint16_t seq, uint64_t now)
{
	struct vrrp_ha_binding b = rec(h, c, lifetime, seq, 0);

	return rbc_apply(t, &b, now);
}

static enum rbc_result set_local(struct vrrp_ha_rbc *t, uint32_t h, uint32_t c, uint32_t lifetime_s,
                                 uint16_t seq, uint64_t now)
{
	struct in6_addr a = hoa(h), ca = coa(c);

	return rbc_set_local(t, &a, &ca, lifetime_s, seq, 0, now);
}

static bool lookup(struct vrrp_ha_rbc *t, uint32_t h, uint64_t now, struct rbc_view *v)
{
	struct in6_addr a = hoa(h);

	return rbc_lookup(t, &a, now, v);
}

/* ---- serial numbers -------------------------------------------------------- */

static void test_serial(void)
{
	CHECK(rbc_serial_cmp(5, 5) == 0);
	CHECK(rbc_serial_cmp(1, 0) > 0);
	CHECK(rbc_serial_cmp(0, 1) < 0);
	CHECK(rbc_serial_cmp(0, 65535) > 0); /* wrap: 0 follows 65535 */
	CHECK(rbc_serial_cmp(65535, 0) < 0);
	CHECK(rbc_serial_cmp(0x7fff, 0) > 0);
	CHECK(rbc_serial_cmp(0, 0x7fff) < 0);
	CHECK(rbc_serial_cmp(0x8001, 0) < 0);
	CHECK(rbc_serial_cmp(0, 0x8001) > 0);
	/* RFC 1982 3.2: distance 2^15 is undefined, never newer either way */
	CHECK(rbc_serial_cmp(0x8000, 0) < 0);
	CHECK(rbc_serial_cmp(0, 0x8000) < 0);
	CHECK(rbc_serial_cmp(100, 100 + 0x8000) < 0);
	CHECK(rbc_serial_cmp(100 + 0x8000, 100) < 0);
}

/* ---- apply rules ------------------------------------------------------------- */

static void test_add_update(void)
{
	struct vrrp_ha_rbc *t = rbc_new(0, TOMB_MS);
	struct vrrp_ha_binding b;
	struct in6_addr c2 = coa(2);
	struct rbc_view v;
	uint64_t now = 1000;

	CHECK(t);
	CHECK(!lookup(t, 1, now, &v));
	CHECK_EQ(apply(t, 1, 1, 10, 10, now), RBC_ADDED);
	CHECK_EQ(rbc_count(t), 1);
	CHECK(lookup(t, 1, now, &v));
	{
		struct in6_addr h1 = hoa(1), c1 = coa(1);

		CHECK(addr_eq(&v.hoa, &h1));
		CHECK(addr_eq(&v.coa, &c1));
	}
	CHECK_EQ(v.seq, 10);
	CHECK_EQ(v.lifetime_s, 40);
	CHECK_EQ(v.expires_ms, now + 40000);

	/* newer seq, new CoA */
	CHECK_EQ(apply(t, 1, 2, 10, 11, now), RBC_UPDATED);
	CHECK(lookup(t, 1, now, &v));
	CHECK(addr_eq(&v.coa, &c2));
	CHECK_EQ(v.seq, 11);

	/* older seq: nothing changes */
	CHECK_EQ(apply(t, 1, 3, 20, 9, now), RBC_STALE);
	CHECK(lookup(t, 1, now, &v));
	CHECK(addr_eq(&v.coa, &c2));
	CHECK_EQ(v.seq, 11);
	CHECK_EQ(v.expires_ms, now + 40000);

	/* equal seq, same content: lifetime renewed */
	now += 5000;
	CHECK_EQ(apply(t, 1, 2, 20, 11, now), RBC_REFRESHED);
	CHECK(lookup(t, 1, now, &v));
	CHECK_EQ(v.expires_ms, now + 80000);
	CHECK_EQ(v.lifetime_s, 80);

	/* equal seq, other CoA or flags: updated */
	CHECK_EQ(apply(t, 1, 3, 20, 11, now), RBC_UPDATED);
	b = rec(1, 3, 20, 11, 0x8000);
	CHECK_EQ(rbc_apply(t, &b, now), RBC_UPDATED);
	CHECK(lookup(t, 1, now, &v));
	CHECK_EQ(v.flags, 0x8000);
	CHECK_EQ(rbc_apply(t, &b, now), RBC_REFRESHED);

	/* delete with an older seq is stale */
	CHECK_EQ(apply(t, 1, 3, 0, 10, now), RBC_STALE);
	CHECK(lookup(t, 1, now, &v));
	/* delete of an unknown HoA */
	CHECK_EQ(apply(t, 99, 3, 0, 10, now), RBC_NOT_FOUND);
	{
		struct in6_addr h99 = hoa(99);

		CHECK_EQ(rbc_delete_local(t, &h99, now), RBC_NOT_FOUND);
	}
	CHECK_EQ(rbc_count(t), 1);
	rbc_free(t);
	rbc_free(NULL);
}

static void test_serial_wrap(void)
{
	struct vrrp_ha_rbc *t = rbc_new(4, TOMB_MS);
	struct rbc_view v;

	CHECK(t);
	CHECK_EQ(apply(t, 1, 1, 10, 65535, 0), RBC_ADDED);
	CHECK_EQ(apply(t, 1, 2, 10, 0, 0), RBC_UPDATED); /* 0 is newer than 65535 */
	CHECK(lookup(t, 1, 0, &v));
	CHECK_EQ(v.seq, 0);
	CHECK_EQ(apply(t, 1, 1, 10, 65535, 0), RBC_STALE);

	/* the undefined distance never wins */
	CHECK_EQ(apply(t, 2, 1, 10, 0x0000, 0), RBC_ADDED);
	CHECK_EQ(apply(t, 2, 2, 10, 0x8000, 0), RBC_STALE);
	CHECK_EQ(apply(t, 3, 1, 10, 0x8000, 0), RBC_ADDED);
	CHECK_EQ(apply(t, 3, 2, 10, 0x0000, 0), RBC_STALE);
	CHECK_EQ(apply(t, 3, 2, 10, 0x0001, 0), RBC_STALE);
	CHECK_EQ(apply(t, 3, 2, 10, 0x8001, 0), RBC_UPDATED);
	rbc_free(t);
}

/* ---- lifetimes ----------------------------------------------------------------- */

struct exp_log {
	uint32_t n[64];
	uint64_t at[64];
	size_t len;
};

static void on_expire(void *arg, const struct rbc_view *v)
{
	struct exp_log *l = arg;

	CHECK(l->len < 64);
	l->n[l->len] = hoa_n(&v->hoa);
	l->at[l->len] = v->expires_ms;
	l->len++;
}

static void test_expiry_clock(void)
{
	struct vrrp_ha_rbc *t = rbc_new(0, TOMB_MS);
	struct exp_log log = {.len = 0};
	struct vrrp_ha_binding out[4];
	struct rbc_view v;
	uint64_t cur = 0;

	CHECK(t);
	CHECK_EQ(rbc_next_expiry(t, 1000), UINT64_MAX);
	CHECK_EQ(apply(t, 1, 1, 3, 1, 1000), RBC_ADDED); /* 12 s */
	CHECK(lookup(t, 1, 1000, &v));
	CHECK_EQ(v.lifetime_s, 12);
	CHECK(lookup(t, 1, 1500, &v));
	CHECK_EQ(v.lifetime_s, 12); /* 11.5 s rounds up */
	CHECK(lookup(t, 1, 2000, &v));
	CHECK_EQ(v.lifetime_s, 11);
	CHECK(lookup(t, 1, 12999, &v));
	CHECK_EQ(v.lifetime_s, 1);
	CHECK_EQ(rbc_next_expiry(t, 1000), 12000);
	CHECK_EQ(rbc_next_expiry(t, 12999), 1);

	/* ran out, not yet expired: absent to lookup and walk, still counted */
	CHECK(!lookup(t, 1, 13000, &v));
	CHECK_EQ(rbc_walk(t, &cur, out, 4, 13000), 0);
	CHECK_EQ(rbc_count(t), 1);
	CHECK_EQ(rbc_next_expiry(t, 13000), 0);
	CHECK_EQ(rbc_next_expiry(t, 20000), 0);

	CHECK_EQ(rbc_expire(t, 12999, 0, on_expire, &log), 0);
	CHECK_EQ(log.len, 0);
	CHECK_EQ(rbc_expire(t, 13000, 0, on_expire, &log), 1);
	CHECK_EQ(log.len, 1);
	CHECK_EQ(log.n[0], 1);
	CHECK_EQ(rbc_count(t), 0);
	CHECK_EQ(rbc_next_expiry(t, 13000), UINT64_MAX);
	/* expiries are not sent */
	rbc_clear_dirty(t);
	CHECK_EQ(apply(t, 2, 1, 1, 1, 20000), RBC_ADDED);
	rbc_clear_dirty(t);
	CHECK_EQ(rbc_expire(t, 30000, 0, NULL, NULL), 1);
	CHECK_EQ(rbc_dirty_count(t), 0);
	CHECK_EQ(rbc_take_dirty(t, out, 4, 30000), 0);

	/* an entry that ran out counts as absent to apply as well */
	CHECK_EQ(apply(t, 3, 1, 1, 50, 40000), RBC_ADDED);
	CHECK_EQ(apply(t, 3, 1, 1, 10, 44000), RBC_ADDED); /* older seq, but absent */
	CHECK_EQ(apply(t, 3, 1, 0, 10, 48000), RBC_NOT_FOUND);
	CHECK_EQ(rbc_count(t), 1);
	CHECK_EQ(rbc_expire(t, 48000, 0, NULL, NULL), 1);
	CHECK_EQ(rbc_count(t), 0);

	/* expiry order follows the deadlines */
	log.len = 0;
	CHECK_EQ(apply(t, 10, 1, 5, 1, 100000), RBC_ADDED);
	CHECK_EQ(apply(t, 11, 1, 2, 1, 100000), RBC_ADDED);
	CHECK_EQ(apply(t, 12, 1, 9, 1, 100000), RBC_ADDED);
	CHECK_EQ(apply(t, 13, 1, 1, 1, 100000), RBC_ADDED);
	CHECK_EQ(apply(t, 11, 1, 7, 1, 100000), RBC_REFRESHED); /* re-keyed */
	CHECK_EQ(rbc_next_expiry(t, 100000), 4000);
	CHECK_EQ(rbc_expire(t, 200000, 0, on_expire, &log), 4);
	CHECK_EQ(log.len, 4);
	CHECK_EQ(log.n[0], 13);
	CHECK_EQ(log.n[1], 10);
	CHECK_EQ(log.n[2], 11);
	CHECK_EQ(log.n[3], 12);
	rbc_free(t);
}

static void test_expire_bounded(void)
{
	struct vrrp_ha_rbc *t = rbc_new(0, TOMB_MS);
	uint32_t i;

	CHECK(t);
	for (i = 0; i < 100; i++)
		CHECK_EQ(apply(t, i, i, 1, 1, 0), RBC_ADDED);
	CHECK_EQ(rbc_expire(t, 3999, 10, NULL, NULL), 0);
	CHECK_EQ(rbc_expire(t, 4000, 10, NULL, NULL), 10);
	CHECK_EQ(rbc_count(t), 90);
	CHECK_EQ(rbc_next_expiry(t, 4000), 0);
	CHECK_EQ(rbc_expire(t, 4000, 85, NULL, NULL), 85);
	CHECK_EQ(rbc_expire(t, 4000, 10, NULL, NULL), 5);
	CHECK_EQ(rbc_count(t), 0);
	CHECK_EQ(rbc_expire(t, 4000, 10, NULL, NULL), 0);
	rbc_free(t);
}

/* ---- tombstones ------------------------------------------------------------------ */

static void test_tombstone(void)
{
	struct vrrp_ha_rbc *t = rbc_new(0, TOMB_MS);
	struct in6_addr h1 = hoa(1);
	struct rbc_view v;

	CHECK(t);
	CHECK_EQ(apply(t, 1, 1, 100, 5, 0), RBC_ADDED);
	CHECK_EQ(apply(t, 1, 1, 0, 5, 1000), RBC_DELETED); /* equal seq deletes */
	CHECK(!lookup(t, 1, 1000, &v));
	CHECK_EQ(rbc_count(t), 0);
	CHECK_EQ(rbc_next_expiry(t, 1000), TOMB_MS);
	/* replays of the add, and older seqs, are refused */
	CHECK_EQ(apply(t, 1, 1, 100, 5, 2000), RBC_STALE);
	CHECK_EQ(apply(t, 1, 1, 100, 4, 2000), RBC_STALE);
	CHECK_EQ(apply(t, 1, 1, 0, 5, 2000), RBC_STALE);
	CHECK(!lookup(t, 1, 2000, &v));
	/* a newer seq brings it back */
	CHECK_EQ(apply(t, 1, 2, 100, 6, 3000), RBC_ADDED);
	CHECK(lookup(t, 1, 3000, &v));
	CHECK_EQ(v.seq, 6);

	/* a local delete keeps the binding's seq in the tombstone */
	CHECK_EQ(rbc_delete_local(t, &h1, 4000), RBC_DELETED);
	CHECK_EQ(rbc_delete_local(t, &h1, 4000), RBC_NOT_FOUND);
	CHECK_EQ(apply(t, 1, 2, 100, 6, 5000), RBC_STALE);
	/* a newer delete moves the tombstone's seq on without news */
	rbc_clear_dirty(t);
	CHECK_EQ(apply(t, 1, 2, 0, 9, 5000), RBC_NOT_FOUND);
	CHECK_EQ(rbc_dirty_count(t), 0);
	CHECK_EQ(apply(t, 1, 2, 100, 8, 6000), RBC_STALE);
	/* ... and restarts its timer */
	CHECK_EQ(rbc_next_expiry(t, 5000), TOMB_MS);

	/* released after tombstone_ms: any seq is taken again */
	CHECK_EQ(rbc_expire(t, 5000 + TOMB_MS - 1, 0, NULL, NULL), 0);
	CHECK_EQ(apply(t, 1, 2, 100, 3, 5000 + TOMB_MS - 1), RBC_STALE);
	CHECK_EQ(rbc_expire(t, 5000 + TOMB_MS, 0, NULL, NULL), 0); /* not a live expiry */
	CHECK_EQ(rbc_next_expiry(t, 5000 + TOMB_MS), UINT64_MAX);
	CHECK_EQ(apply(t, 1, 2, 100, 3, 5000 + TOMB_MS), RBC_ADDED);

	/* a released tombstone not yet reaped is absent too */
	CHECK_EQ(apply(t, 1, 2, 0, 3, 40000), RBC_DELETED);
	CHECK_EQ(apply(t, 1, 2, 100, 1, 40000 + TOMB_MS), RBC_ADDED);

	/* set_local is authoritative over a tombstone */
	CHECK_EQ(apply(t, 1, 2, 0, 1, 100000), RBC_DELETED);
	{
		struct in6_addr c = coa(7);

		CHECK_EQ(rbc_set_local(t, &h1, &c, 60, 0, 0, 100000), RBC_ADDED);
	}
	rbc_free(t);
}

/* ---- dirty queue -------------------------------------------------------------------- */

static void test_dirty_queue(void)
{
	struct vrrp_ha_rbc *t = rbc_new(0, TOMB_MS);
	struct vrrp_ha_binding out[8];
	struct in6_addr c3 = coa(3);
	uint32_t i;

	CHECK(t);
	/* three changes of one entry: one record, the newest state */
	CHECK_EQ(apply(t, 1, 1, 10, 1, 0), RBC_ADDED);
	CHECK_EQ(apply(t, 1, 2, 10, 2, 0), RBC_UPDATED);
	CHECK_EQ(apply(t, 1, 3, 10, 2, 0), RBC_UPDATED);
	CHECK_EQ(apply(t, 1, 3, 10, 1, 0), RBC_STALE);
	CHECK_EQ(rbc_dirty_count(t), 1);
	CHECK_EQ(rbc_take_dirty(t, out, 8, 0), 1);
	CHECK(addr_eq(&out[0].coa, &c3));
	CHECK_EQ(out[0].seq, 2);
	CHECK_EQ(out[0].lifetime, 10);
	CHECK_EQ(rbc_dirty_count(t), 0);
	CHECK_EQ(rbc_take_dirty(t, out, 8, 0), 0);

	/* oldest change first; a requeued entry keeps its place */
	CHECK_EQ(apply(t, 2, 1, 10, 1, 0), RBC_ADDED);
	CHECK_EQ(apply(t, 3, 1, 10, 1, 0), RBC_ADDED);
	CHECK_EQ(apply(t, 1, 1, 10, 3, 0), RBC_UPDATED);
	CHECK_EQ(apply(t, 2, 1, 10, 1, 0), RBC_REFRESHED); /* refreshes are news */
	CHECK_EQ(rbc_dirty_count(t), 3);
	CHECK_EQ(rbc_take_dirty(t, out, 2, 0), 2); /* bounded by max */
	CHECK_EQ(hoa_n(&out[0].hoa), 2);
	CHECK_EQ(hoa_n(&out[1].hoa), 3);
	CHECK_EQ(rbc_dirty_count(t), 1);
	CHECK_EQ(rbc_take_dirty(t, out, 0, 0), 0);
	CHECK_EQ(rbc_take_dirty(t, out, 8, 0), 1);
	CHECK_EQ(hoa_n(&out[0].hoa), 1);

	/* deletes go out with lifetime 0 and the tombstone's seq */
	CHECK_EQ(apply(t, 3, 1, 0, 4, 0), RBC_DELETED);
	CHECK_EQ(rbc_take_dirty(t, out, 8, 0), 1);
	CHECK_EQ(hoa_n(&out[0].hoa), 3);
	CHECK_EQ(out[0].lifetime, 0);
	CHECK_EQ(out[0].seq, 4);

	/* add then delete before sending: the delete is what goes */
	CHECK_EQ(apply(t, 4, 1, 10, 1, 0), RBC_ADDED);
	CHECK_EQ(apply(t, 4, 1, 0, 1, 0), RBC_DELETED);
	CHECK_EQ(rbc_take_dirty(t, out, 8, 0), 1);
	CHECK_EQ(out[0].lifetime, 0);

	/* clear drops everything */
	for (i = 10; i < 20; i++)
		CHECK_EQ(apply(t, i, 1, 10, 1, 0), RBC_ADDED);
	CHECK_EQ(rbc_dirty_count(t), 10);
	rbc_clear_dirty(t);
	CHECK_EQ(rbc_dirty_count(t), 0);
	CHECK_EQ(rbc_take_dirty(t, out, 8, 0), 0);

	/* an entry that expires while queued is not sent */
	CHECK_EQ(apply(t, 30, 1, 1, 1, 0), RBC_ADDED);
	CHECK_EQ(apply(t, 31, 1, 5, 1, 0), RBC_ADDED);
	CHECK_EQ(rbc_dirty_count(t), 2);
	CHECK_EQ(rbc_expire(t, 4000, 0, NULL, NULL), 1);
	CHECK_EQ(rbc_dirty_count(t), 1);
	/* its slot is reused only after the queue let go of it */
	CHECK_EQ(apply(t, 32, 1, 5, 1, 4000), RBC_ADDED);
	CHECK_EQ(apply(t, 30, 1, 5, 1, 4000), RBC_ADDED);
	CHECK_EQ(rbc_take_dirty(t, out, 8, 4000), 3);
	CHECK_EQ(hoa_n(&out[0].hoa), 31);
	CHECK_EQ(hoa_n(&out[1].hoa), 32);
	CHECK_EQ(hoa_n(&out[2].hoa), 30);
	/* ran out but not expired yet: skipped by take_dirty */
	CHECK_EQ(apply(t, 33, 1, 1, 1, 10000), RBC_ADDED);
	CHECK_EQ(rbc_take_dirty(t, out, 8, 14000), 0);
	CHECK_EQ(rbc_expire(t, 14000, 0, NULL, NULL), 1);

	/* tombstone_ms 0: forgotten at once, yet the delete is still sent,
	 * even when expire runs before take_dirty */
	rbc_free(t);
	t = rbc_new(0, 0);
	CHECK(t);
	CHECK_EQ(apply(t, 1, 1, 10, 7, 0), RBC_ADDED);
	rbc_clear_dirty(t);
	CHECK_EQ(apply(t, 1, 1, 0, 7, 100), RBC_DELETED);
	CHECK_EQ(rbc_expire(t, 100, 0, NULL, NULL), 0);
	CHECK_EQ(apply(t, 1, 1, 10, 7, 100), RBC_ADDED); /* forgotten: replay taken */
	CHECK_EQ(apply(t, 1, 1, 0, 7, 100), RBC_DELETED);
	CHECK_EQ(rbc_expire(t, 100, 0, NULL, NULL), 0);
	CHECK_EQ(rbc_take_dirty(t, out, 8, 100), 1);
	CHECK_EQ(out[0].lifetime, 0);
	CHECK_EQ(out[0].seq, 7);
	CHECK_EQ(rbc_next_expiry(t, 100), UINT64_MAX);
	CHECK_EQ(apply(t, 1, 1, 10, 1, 200), RBC_ADDED);
	rbc_free(t);
}

static void test_take_dirty_lifetime(void)
{
	struct vrrp_ha_rbc *t = rbc_new(0, TOMB_MS);
	struct vrrp_ha_binding out[2];
	struct in6_addr h = hoa(1), c = coa(1);
	static const struct {
		uint32_t set_s;
		uint64_t after_ms;
		uint16_t units;
	} cases[] = {
	        {5, 0, 2}, /* 5 s -> 2 units (rounded up) */
	        {4, 0, 1},
	        {8, 0, 2},
	        {9, 0, 3},
	        {1, 0, 1},
	        {8, 3999, 2}, /* 4001 ms left -> 2 */
	        {8, 4000, 1},
	        {8, 7999, 1}, /* 1 ms left: at least 1 */
	        {262140, 0, 65535},
	        {262141, 0, 65535},
	        {300000, 0, 65535}, /* clamped */
	        {4000000, 1000, 65535},
	};
	size_t i;

	CHECK(t);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum rbc_result r = rbc_set_local(t, &h, &c, cases[i].set_s, 1, 0, 1000);

		CHECK(r == RBC_ADDED || r == RBC_REFRESHED);
		CHECK_EQ(rbc_take_dirty(t, out, 2, 1000 + cases[i].after_ms), 1);
		if (out[0].lifetime != cases[i].units) {
			fprintf(stderr, "case %zu: %u units, expected %u\n", i, out[0].lifetime,
			        cases[i].units);
			exit(1);
		}
		CHECK_EQ(out[0].seq, 1);
	}
	rbc_free(t);
}

static void test_set_local(void)
{
	struct vrrp_ha_rbc *t = rbc_new(0, TOMB_MS);
	struct in6_addr h = hoa(1), c = coa(1), c2 = coa(2);
	struct vrrp_ha_binding out[2];
	struct rbc_view v;

	CHECK(t);
	CHECK_EQ(rbc_set_local(t, &h, &c, 100, 40, 0xc000, 0), RBC_ADDED);
	CHECK_EQ(rbc_take_dirty(t, out, 2, 0), 1);
	/* identical: refreshed, still queued (lifetime moved) */
	CHECK_EQ(rbc_set_local(t, &h, &c, 100, 40, 0xc000, 1000), RBC_REFRESHED);
	CHECK_EQ(rbc_dirty_count(t), 1);
	CHECK(lookup(t, 1, 1000, &v));
	CHECK_EQ(v.expires_ms, 101000);
	/* authoritative: an older seq is taken */
	CHECK_EQ(rbc_set_local(t, &h, &c2, 100, 39, 0xc000, 1000), RBC_UPDATED);
	CHECK(lookup(t, 1, 1000, &v));
	CHECK_EQ(v.seq, 39);
	CHECK(addr_eq(&v.coa, &c2));
	CHECK_EQ(rbc_set_local(t, &h, &c2, 100, 39, 0x8000, 1000), RBC_UPDATED);
	/* lifetime 0 is a de-registration */
	CHECK_EQ(rbc_set_local(t, &h, &c2, 0, 39, 0, 1000), RBC_DELETED);
	CHECK_EQ(rbc_set_local(t, &h, &c2, 0, 39, 0, 1000), RBC_NOT_FOUND);
	CHECK_EQ(rbc_dirty_count(t), 1);
	CHECK_EQ(rbc_take_dirty(t, out, 2, 1000), 1);
	CHECK_EQ(out[0].lifetime, 0);
	CHECK_EQ(out[0].seq, 39);
	rbc_free(t);
}

/* ---- the "new binding" marker ------------------------------------------------------------ */

/* Take owner's dirty records (at most 8; expects exactly n) into out. */
static void take_n(struct vrrp_ha_rbc *owner, struct vrrp_ha_binding *out, size_t n, uint64_t now)
{
	CHECK_EQ(rbc_take_dirty(owner, out, 8, now), n);
}

/* The binding of a HoA is deleted on the owner, then the mobile node
 * registers again with a lower seq (RFC 6275 allows any seq when there is
 * no binding). The owner's table takes it (rbc_set_local is authoritative);
 * the backups must too, though they remember the HoA with a newer seq. */
static void test_new_marker(void)
{
	struct vrrp_ha_rbc *owner = rbc_new(0, TOMB_MS), *backup = rbc_new(0, TOMB_MS);
	struct in6_addr h = hoa(1), c1 = coa(1), c2 = coa(2);
	struct vrrp_ha_binding out[8], old;
	struct rbc_view v;
	uint64_t cur;

	CHECK(owner && backup);
	CHECK_EQ(VRRP_HA_REC_NEW, 0x8000);

	/* 1. the backup saw the delete: it holds a tombstone with seq 10 */
	CHECK_EQ(rbc_set_local(owner, &h, &c1, 100, 10, 0, 0), RBC_ADDED);
	take_n(owner, out, 1, 0);
	CHECK_EQ(out[0].reserved, VRRP_HA_REC_NEW); /* created: first record says so */
	CHECK_EQ(out[0].seq, 10);
	CHECK_EQ(rbc_apply(backup, &out[0], 0), RBC_ADDED);
	CHECK_EQ(rbc_delete_local(owner, &h, 1000), RBC_DELETED);
	take_n(owner, out, 1, 1000);
	CHECK_EQ(out[0].lifetime, 0);
	CHECK_EQ(out[0].seq, 10);
	CHECK_EQ(out[0].reserved, 0); /* a delete never carries it */
	CHECK_EQ(rbc_apply(backup, &out[0], 1000), RBC_DELETED);
	CHECK(!lookup(backup, 1, 1000, NULL));

	/* the mobile node comes back with seq 1 */
	CHECK_EQ(rbc_set_local(owner, &h, &c2, 100, 1, 0x8000, 2000), RBC_ADDED);
	/* a walk (full sync) of the entry does not carry the bit, queued or not */
	cur = 0;
	CHECK_EQ(rbc_walk(owner, &cur, out, 8, 2000), 1);
	CHECK_EQ(out[0].reserved, 0);
	CHECK_EQ(out[0].seq, 1);
	/* and without the bit the backup rejects it, as before */
	CHECK_EQ(rbc_apply(backup, &out[0], 2000), RBC_STALE);
	take_n(owner, out, 1, 2000);
	CHECK_EQ(out[0].reserved, VRRP_HA_REC_NEW);
	CHECK_EQ(out[0].seq, 1);
	CHECK_EQ(out[0].lifetime, 25);
	CHECK_EQ(out[0].flags, 0x8000);
	old = out[0];
	old.reserved = 0;
	CHECK_EQ(rbc_apply(backup, &old, 2000), RBC_STALE);
	CHECK(!lookup(backup, 1, 2000, NULL));
	CHECK_EQ(rbc_apply(backup, &out[0], 2000), RBC_ADDED);
	CHECK(lookup(backup, 1, 2000, &v));
	CHECK_EQ(v.seq, 1);
	CHECK(addr_eq(&v.coa, &c2));
	CHECK_EQ(v.flags, 0x8000);
	CHECK_EQ(v.expires_ms, 2000 + 100000);
	/* the backup's entry, made from a record, is not marked new: what it
	 * would send (as a non-owner master) carries no bit */
	take_n(backup, out, 1, 2000);
	CHECK_EQ(out[0].reserved, 0);
	CHECK_EQ(out[0].seq, 1);

	/* only the first record says "new": a refresh, an update, a walk don't */
	CHECK_EQ(rbc_set_local(owner, &h, &c2, 100, 1, 0x8000, 3000), RBC_REFRESHED);
	take_n(owner, out, 1, 3000);
	CHECK_EQ(out[0].reserved, 0);
	CHECK_EQ(rbc_apply(backup, &out[0], 3000), RBC_REFRESHED);
	CHECK_EQ(rbc_set_local(owner, &h, &c1, 100, 2, 0x8000, 4000), RBC_UPDATED);
	take_n(owner, out, 1, 4000);
	CHECK_EQ(out[0].reserved, 0);
	CHECK_EQ(rbc_apply(backup, &out[0], 4000), RBC_UPDATED);
	cur = 0;
	CHECK_EQ(rbc_walk(owner, &cur, out, 8, 4000), 1);
	CHECK_EQ(out[0].reserved, 0);
	/* an older seq without the bit is stale again */
	old = rec(1, 1, 25, 1, 0x8000);
	CHECK_EQ(rbc_apply(backup, &old, 4000), RBC_STALE);
	CHECK(lookup(backup, 1, 4000, &v));
	CHECK_EQ(v.seq, 2);

	/* 2. the backup never saw the delete: it still has a live seq 2 */
	CHECK_EQ(rbc_delete_local(owner, &h, 5000), RBC_DELETED);
	rbc_clear_dirty(owner); /* the delete is lost */
	CHECK_EQ(rbc_set_local(owner, &h, &c2, 40, 0xfff0, 0, 6000), RBC_ADDED);
	take_n(owner, out, 1, 6000);
	CHECK_EQ(out[0].reserved, VRRP_HA_REC_NEW);
	old = out[0];
	old.reserved = 0;
	CHECK_EQ(rbc_apply(backup, &old, 6000), RBC_STALE); /* 0xfff0 is older than 2 */
	CHECK_EQ(rbc_apply(backup, &out[0], 6000), RBC_UPDATED);
	CHECK(lookup(backup, 1, 6000, &v));
	CHECK_EQ(v.seq, 0xfff0);
	CHECK(addr_eq(&v.coa, &c2));
	CHECK_EQ(v.flags, 0);
	CHECK_EQ(v.expires_ms, 6000 + 40000);
	/* the same record again changes nothing but the lifetime */
	CHECK_EQ(rbc_apply(backup, &out[0], 7000), RBC_REFRESHED);
	/* the bit means nothing on a delete: an older delete is stale */
	old = rec(1, 2, 0, 0xffe0, 0);
	old.reserved = VRRP_HA_REC_NEW;
	CHECK_EQ(rbc_apply(backup, &old, 7000), RBC_STALE);
	CHECK(lookup(backup, 1, 7000, NULL));
	/* over a tombstone of the same seq (stale without the bit), or over nothing: added */
	old = rec(1, 2, 0, 0xfff0, 0);
	CHECK_EQ(rbc_apply(backup, &old, 7000), RBC_DELETED);
	old = rec(1, 2, 10, 0xfff0, 0);
	old.reserved = VRRP_HA_REC_NEW;
	CHECK_EQ(rbc_apply(backup, &old, 7000), RBC_ADDED);
	old = rec(2, 2, 10, 7, 0);
	old.reserved = VRRP_HA_REC_NEW;
	CHECK_EQ(rbc_apply(backup, &old, 7000), RBC_ADDED);
	old.reserved = VRRP_HA_REC_NEW | 0x0001; /* other Reserved bits: ignored */
	old.seq = 3;
	CHECK_EQ(rbc_apply(backup, &old, 7000), RBC_UPDATED);
	rbc_clear_dirty(backup);

	/* 3. the mark on the owner's side */
	{
		struct in6_addr h3 = hoa(3), h4 = hoa(4), h5 = hoa(5), h6 = hoa(6), h7 = hoa(7);

		/* changes before the first record keep it; it carries the newest state */
		CHECK_EQ(rbc_set_local(owner, &h3, &c1, 100, 5, 0, 10000), RBC_ADDED);
		CHECK_EQ(rbc_set_local(owner, &h3, &c2, 100, 6, 0, 10000), RBC_UPDATED);
		take_n(owner, out, 1, 10000);
		CHECK_EQ(out[0].reserved, VRRP_HA_REC_NEW);
		CHECK_EQ(out[0].seq, 6);
		/* created and deleted before being sent: the delete goes, unmarked,
		 * and a new creation is marked again */
		CHECK_EQ(rbc_delete_local(owner, &h3, 11000), RBC_DELETED);
		take_n(owner, out, 1, 11000);
		CHECK_EQ(out[0].reserved, 0);
		CHECK_EQ(rbc_set_local(owner, &h3, &c1, 100, 7, 0, 12000), RBC_ADDED);
		CHECK_EQ(rbc_delete_local(owner, &h3, 12000), RBC_DELETED);
		take_n(owner, out, 1, 12000);
		CHECK_EQ(out[0].lifetime, 0);
		CHECK_EQ(out[0].reserved, 0);
		CHECK_EQ(rbc_set_local(owner, &h3, &c1, 100, 8, 0, 13000), RBC_ADDED);
		take_n(owner, out, 1, 13000);
		CHECK_EQ(out[0].reserved, VRRP_HA_REC_NEW);
		/* dropping the queue drops the mark with it */
		CHECK_EQ(rbc_set_local(owner, &h4, &c1, 100, 1, 0, 13000), RBC_ADDED);
		rbc_clear_dirty(owner);
		CHECK_EQ(rbc_set_local(owner, &h4, &c1, 100, 1, 0, 14000), RBC_REFRESHED);
		take_n(owner, out, 1, 14000);
		CHECK_EQ(out[0].reserved, 0);
		/* over a tombstone a peer's delete left, and over an entry whose
		 * lifetime ran out (not yet expired): created, so marked */
		CHECK_EQ(apply(owner, 5, 1, 10, 9, 15000), RBC_ADDED);
		take_n(owner, out, 1, 15000);
		CHECK_EQ(out[0].reserved, 0); /* from a record: never marked */
		CHECK_EQ(apply(owner, 5, 1, 0, 9, 15000), RBC_DELETED);
		CHECK_EQ(rbc_set_local(owner, &h5, &c1, 1, 3, 0, 16000), RBC_ADDED);
		take_n(owner, out, 1, 16000);
		CHECK_EQ(out[0].reserved, VRRP_HA_REC_NEW);
		CHECK_EQ(rbc_set_local(owner, &h5, &c1, 1, 3, 0, 18000), RBC_ADDED);
		take_n(owner, out, 1, 18000);
		CHECK_EQ(out[0].reserved, VRRP_HA_REC_NEW);
		/* a peer's record keeps the mark of a marked entry it updates ... */
		CHECK_EQ(rbc_set_local(owner, &h5, &c1, 1, 3, 0, 20000), RBC_ADDED);
		CHECK_EQ(apply(owner, 5, 2, 10, 4, 20000), RBC_UPDATED);
		take_n(owner, out, 1, 20000);
		CHECK_EQ(out[0].reserved, VRRP_HA_REC_NEW);
		CHECK_EQ(out[0].seq, 4);
		/* ... but one that re-creates it after its lifetime ran out does not */
		CHECK_EQ(rbc_set_local(owner, &h6, &c1, 1, 5, 0, 30000), RBC_ADDED);
		CHECK_EQ(apply(owner, 6, 2, 10, 1, 32000), RBC_ADDED);
		take_n(owner, out, 1, 32000);
		CHECK_EQ(out[0].reserved, 0);
		CHECK_EQ(out[0].seq, 1);
		/* a marked entry that expires while queued is not sent; its slot,
		 * taken again by a record, is not marked */
		CHECK_EQ(rbc_set_local(owner, &h7, &c1, 1, 2, 0, 40000), RBC_ADDED);
		CHECK_EQ(rbc_expire(owner, 41000, 0, NULL, NULL), 1);
		CHECK_EQ(apply(owner, 8, 1, 10, 1, 41000), RBC_ADDED);
		take_n(owner, out, 1, 41000);
		CHECK_EQ(hoa_n(&out[0].hoa), 8);
		CHECK_EQ(out[0].reserved, 0);
		CHECK_EQ(apply(owner, 9, 1, 10, 1, 41000), RBC_ADDED);
		take_n(owner, out, 1, 41000);
		CHECK_EQ(hoa_n(&out[0].hoa), 9);
		CHECK_EQ(out[0].reserved, 0);
	}
	rbc_free(owner);
	rbc_free(backup);
}

static void test_flush(void)
{
	struct vrrp_ha_rbc *t = rbc_new(0, TOMB_MS);
	struct vrrp_ha_binding out[16];
	uint32_t i;

	CHECK(t);
	for (i = 0; i < 10; i++)
		CHECK_EQ(apply(t, i, i, 10, (uint16_t)(i + 1), 0), RBC_ADDED);
	CHECK_EQ(apply(t, 3, 3, 0, 4, 0), RBC_DELETED);
	rbc_clear_dirty(t);
	CHECK_EQ(rbc_flush(t, 100), 9);
	CHECK_EQ(rbc_count(t), 0);
	CHECK_EQ(rbc_dirty_count(t), 9);
	CHECK_EQ(rbc_take_dirty(t, out, 16, 100), 9);
	for (i = 0; i < 9; i++)
		CHECK_EQ(out[i].lifetime, 0);
	/* flushed entries are tombstones: replays refused */
	CHECK_EQ(apply(t, 0, 0, 10, 1, 200), RBC_STALE);
	CHECK_EQ(apply(t, 0, 0, 10, 2, 200), RBC_ADDED);
	CHECK_EQ(rbc_flush(t, 300), 1);
	CHECK_EQ(rbc_flush(t, 300), 0);
	rbc_free(t);
}

/* ---- walk ------------------------------------------------------------------------------ */

#define WALK_N 3000

static void test_walk_concurrent(void)
{
	struct vrrp_ha_rbc *t = rbc_new(0, 5000);
	static uint8_t seen[4 * WALK_N];
	static bool stable[4 * WALK_N];
	struct vrrp_ha_binding out[7];
	struct rbc_view vout[5];
	uint64_t cursor = 0, now = 0;
	uint32_t next_new = WALK_N, i, round = 0;
	size_t n, visited = 0, stable_n = 0;

	CHECK(t);
	/* entries 0..WALK_N-1: every third one is volatile (changed, deleted,
	 * expired during the walk), the rest stay put and must be seen once */
	for (i = 0; i < WALK_N; i++) {
		stable[i] = i % 3 != 0;
		stable_n += stable[i];
		CHECK_EQ(apply(t, i, i, stable[i] ? 10000 : (uint16_t)(1 + i % 5), 1, now),
		         RBC_ADDED);
	}
	rbc_clear_dirty(t);
	while ((n = rbc_walk(t, &cursor, out, 7, now)) > 0) {
		size_t k;

		CHECK(n <= 7);
		for (k = 0; k < n; k++) {
			uint32_t h = hoa_n(&out[k].hoa);

			CHECK(h < 4 * WALK_N);
			CHECK(seen[h] == 0); /* no entry twice */
			seen[h] = 1;
			CHECK(out[k].lifetime >= 1);
			visited++;
		}
		/* churn between steps */
		for (i = 0; i < 5; i++) {
			uint32_t victim = 3 * ((round * 5 + i) % (WALK_N / 3));
			uint32_t fresh = next_new++;

			CHECK(fresh < 4 * WALK_N);
			enum rbc_result r = RBC_STALE;

			switch ((round + i) % 4) {
			case 0:
				r = apply(t, victim, victim, 0, 2, now); /* delete */
				break;
			case 1:
				r = apply(t, victim, victim + 1, 3, 3, now); /* update */
				break;
			default:
				break;
			}
			/* a HoA that was gone (expired, tombstone released) and
			 * comes back is a new entry: it may be visited again */
			if (r == RBC_ADDED)
				seen[victim] = 0;
			CHECK_EQ(apply(t, fresh, fresh, 2, 1, now), RBC_ADDED);
		}
		rbc_take_dirty(t, out, 7, now);
		now += 500; /* lets short lifetimes and tombstones run out... */
		rbc_expire(t, now, 50, NULL, NULL); /* ... and free slots for reuse */
		round++;
	}
	CHECK(round > 100);
	for (i = 0; i < WALK_N; i++)
		if (stable[i] && !seen[i]) {
			fprintf(stderr, "stable entry %u missed\n", i);
			exit(1);
		}
	CHECK(visited >= stable_n);

	/* walk_view over a quiet table sees exactly the live entries */
	memset(seen, 0, sizeof(seen));
	cursor = 0;
	visited = 0;
	while ((n = rbc_walk_view(t, &cursor, vout, 5, now)) > 0) {
		size_t k;

		for (k = 0; k < n; k++) {
			uint32_t h = hoa_n(&vout[k].hoa);

			CHECK(seen[h] == 0);
			seen[h] = 1;
			CHECK(lookup(t, h, now, NULL));
			CHECK(vout[k].lifetime_s > 0);
			visited++;
		}
	}
	CHECK_EQ(visited, rbc_count(t));
	CHECK_EQ(rbc_walk_view(t, &cursor, vout, 5, now), 0);
	rbc_free(t);
}

/* ---- scale ------------------------------------------------------------------------------- */

static double secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define BIG_N 200000u

static void test_scale(void)
{
	struct vrrp_ha_rbc *t = rbc_new(0, TOMB_MS);
	struct in6_addr h, c = coa(1);
	struct rbc_view v;
	double t0, t_ins, t_look, t_del, peak = 0;
	size_t mem, mem2;
	uint32_t i;

	CHECK(t);
	t0 = secs();
	for (i = 0; i < BIG_N; i++) {
		h = hoa(i * 2654435761u);
		if (rbc_set_local(t, &h, &c, 3600, (uint16_t)i, 0, 0) != RBC_ADDED)
			CHECK(0);
	}
	t_ins = secs() - t0;
	CHECK_EQ(rbc_count(t), BIG_N);
	mem = rbc_memory(t);
	printf("rbc: %u bindings, %zu bytes, %.1f bytes/binding\n", BIG_N, mem,
	       (double)mem / BIG_N);
	CHECK(mem / BIG_N <= 200);
	rbc_free(t);

	/* the most per binding at any point of the growth: just after the
	 * slab doubled, or with both copies of the index during a resize */
	t = rbc_new(0, TOMB_MS);
	CHECK(t);
	for (i = 0; i < BIG_N; i++) {
		h = hoa(i * 2654435761u);
		if (rbc_set_local(t, &h, &c, 3600, (uint16_t)i, 0, 0) != RBC_ADDED)
			CHECK(0);
		if (i >= 1000 && (double)rbc_memory(t) / (i + 1) > peak)
			peak = (double)rbc_memory(t) / (i + 1);
	}
	printf("rbc: at most %.1f bytes/binding while growing\n", peak);
	CHECK(peak <= 200);

	t0 = secs();
	for (i = 0; i < BIG_N; i++) {
		h = hoa(i * 2654435761u);
		if (!rbc_lookup(t, &h, 1, &v) || v.seq != (uint16_t)i)
			CHECK(0);
	}
	t_look = secs() - t0;
	for (i = 0; i < BIG_N; i++) {
		h = hoa(i * 2654435761u + 1); /* absent */
		if (rbc_lookup(t, &h, 1, &v))
			CHECK(0);
	}
	rbc_clear_dirty(t);

	t0 = secs();
	for (i = 0; i < BIG_N; i++) {
		h = hoa(i * 2654435761u);
		if (rbc_delete_local(t, &h, 2) != RBC_DELETED)
			CHECK(0);
	}
	t_del = secs() - t0;
	CHECK_EQ(rbc_count(t), 0);
	CHECK_EQ(rbc_dirty_count(t), BIG_N);
	printf("rbc: insert %.2f M/s, lookup %.2f M/s, delete %.2f M/s\n", BIG_N / t_ins / 1e6,
	       BIG_N / t_look / 1e6, BIG_N / t_del / 1e6);

	/* released tombstones waiting on the queue go when taken */
	CHECK_EQ(rbc_expire(t, 2 + TOMB_MS, 0, NULL, NULL), 0);
	CHECK_EQ(rbc_next_expiry(t, 2 + TOMB_MS), UINT64_MAX);
	rbc_clear_dirty(t);
	/* everything freed: a refill reuses the memory */
	for (i = 0; i < BIG_N; i++) {
		h = hoa(i);
		if (rbc_set_local(t, &h, &c, 3600, 1, 0, 100000) != RBC_ADDED)
			CHECK(0);
	}
	mem2 = rbc_memory(t);
	CHECK_EQ(mem2, mem);
	CHECK_EQ(rbc_expire(t, 100000 + 3600 * 1000, 0, NULL, NULL), BIG_N);
	CHECK_EQ(rbc_count(t), 0);
	rbc_free(t);

	/* a size hint avoids growth */
	t = rbc_new(BIG_N, TOMB_MS);
	CHECK(t);
	mem = rbc_memory(t);
	for (i = 0; i < BIG_N; i++) {
		h = hoa(i);
		if (rbc_set_local(t, &h, &c, 3600, 1, 0, 0) != RBC_ADDED)
			CHECK(0);
	}
	CHECK_EQ(rbc_memory(t), mem);
	printf("rbc: with size hint %u: %.1f bytes/binding\n", BIG_N, (double)mem / BIG_N);
	rbc_free(t);
}

/* ---- randomised comparison with a naive model ----------------------------------------------- */

enum { M_NONE, M_LIVE, M_TOMB_K };

#define M_NIL UINT32_MAX

struct mrec {
	int kind;
	uint32_t coa;
	uint16_t seq, flags;
	uint64_t exp;
	bool queued;
	bool fresh;            /* created by set_local, not yet sent: VRRP_HA_REC_NEW */
	bool reaped;           /* tombstone released by expire while queued */
	uint32_t qprev, qnext; /* dirty queue, M_NIL at the ends */
};

struct model {
	struct mrec *r;
	uint32_t pool;
	uint32_t qhead, qtail;
	size_t qn;
	size_t live; /* records of kind M_LIVE (what rbc_count() says) */
	uint64_t tomb_ms;
};

static uint64_t rng_state = 88172645463325252ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void m_init(struct model *m, uint32_t pool, uint64_t tomb_ms)
{
	m->r = calloc(pool, sizeof(*m->r));
	CHECK(m->r);
	m->pool = pool;
	m->qhead = m->qtail = M_NIL;
	m->qn = 0;
	m->live = 0;
	m->tomb_ms = tomb_ms;
}

static void m_kind(struct model *m, uint32_t h, int kind)
{
	m->live -= m->r[h].kind == M_LIVE;
	m->r[h].kind = kind;
	m->live += kind == M_LIVE;
}

static int m_state(const struct model *m, uint32_t h, uint64_t now)
{
	const struct mrec *r = &m->r[h];

	if (r->kind == M_LIVE && r->exp > now)
		return M_LIVE;
	if (r->kind == M_TOMB_K && !r->reaped && r->exp > now)
		return M_TOMB_K;
	return M_NONE;
}

static void m_enqueue(struct model *m, uint32_t h)
{
	struct mrec *r = &m->r[h];

	if (r->queued)
		return;
	r->queued = true;
	r->qnext = M_NIL;
	r->qprev = m->qtail;
	if (m->qtail == M_NIL)
		m->qhead = h;
	else
		m->r[m->qtail].qnext = h;
	m->qtail = h;
	m->qn++;
}

static void m_dequeue(struct model *m, uint32_t h)
{
	struct mrec *r = &m->r[h];

	CHECK(r->queued);
	if (r->qprev == M_NIL)
		m->qhead = r->qnext;
	else
		m->r[r->qprev].qnext = r->qnext;
	if (r->qnext == M_NIL)
		m->qtail = r->qprev;
	else
		m->r[r->qnext].qprev = r->qprev;
	r->queued = false;
	r->fresh = false;
	m->qn--;
}

static void m_set_live(struct model *m, uint32_t h, uint32_t c, uint16_t seq, uint16_t flags,
                       uint64_t exp)
{
	struct mrec *r = &m->r[h];

	m_kind(m, h, M_LIVE);
	r->coa = c;
	r->seq = seq;
	r->flags = flags;
	r->exp = exp;
	r->reaped = false;
	m_enqueue(m, h);
}

static void m_set_tomb(struct model *m, uint32_t h, uint16_t seq, uint64_t now)
{
	struct mrec *r = &m->r[h];

	m_kind(m, h, M_TOMB_K);
	r->seq = seq;
	r->exp = now + m->tomb_ms;
	r->reaped = false;
	r->fresh = false;
	m_enqueue(m, h);
}

static enum rbc_result m_apply(struct model *m, uint32_t h, uint32_t c, uint16_t lt, uint16_t seq,
                               uint16_t flags, bool newbit, uint64_t now)
{
	struct mrec *r = &m->r[h];
	uint64_t exp = now + (uint64_t)lt * 4000;
	int st = m_state(m, h, now), cmp;
	bool sup = newbit && lt != 0;

	if (st == M_LIVE) {
		enum rbc_result res;

		cmp = rbc_serial_cmp(seq, r->seq);
		if (cmp < 0 && !sup)
			return RBC_STALE;
		if (lt == 0) {
			m_set_tomb(m, h, seq, now);
			return RBC_DELETED;
		}
		res = (cmp != 0 || c != r->coa || flags != r->flags) ? RBC_UPDATED : RBC_REFRESHED;
		m_set_live(m, h, c, seq, flags, exp); /* a mark stays */
		return res;
	}
	if (st == M_TOMB_K) {
		if (rbc_serial_cmp(seq, r->seq) <= 0 && !sup)
			return RBC_STALE;
		if (lt == 0) {
			r->seq = seq;
			r->exp = now + m->tomb_ms;
			return RBC_NOT_FOUND;
		}
		m_set_live(m, h, c, seq, flags, exp);
		return RBC_ADDED;
	}
	if (lt == 0)
		return RBC_NOT_FOUND;
	m_set_live(m, h, c, seq, flags, exp);
	r->fresh = false; /* created from a record */
	return RBC_ADDED;
}

static size_t m_expire(struct model *m, uint64_t now)
{
	size_t n = 0;
	uint32_t h;

	for (h = 0; h < m->pool; h++) {
		struct mrec *r = &m->r[h];

		if (r->kind == M_LIVE && r->exp <= now) {
			n++;
			if (r->queued)
				m_dequeue(m, h);
			m_kind(m, h, M_NONE);
		} else if (r->kind == M_TOMB_K && !r->reaped && r->exp <= now) {
			if (r->queued)
				r->reaped = true;
			else
				m_kind(m, h, M_NONE);
		}
	}
	return n;
}

static size_t m_take(struct model *m, struct vrrp_ha_binding *out, size_t max, uint64_t now)
{
	size_t n = 0;

	while (n < max && m->qn > 0) {
		uint32_t h = m->qhead;
		struct mrec *r = &m->r[h];
		bool fresh = r->fresh;

		m_dequeue(m, h);
		if (r->kind == M_LIVE) {
			uint64_t rem, u;

			if (r->exp <= now)
				continue;
			rem = r->exp - now;
			u = (rem + 3999) / 4000;
			out[n] =
			        rec(h, r->coa, (uint16_t)(u > 65535 ? 65535 : u), r->seq, r->flags);
			out[n].reserved = fresh ? VRRP_HA_REC_NEW : 0;
			n++;
		} else if (r->kind == M_TOMB_K) {
			out[n] = rec(h, r->coa, 0, r->seq, r->flags);
			n++;
			if (r->reaped)
				m_kind(m, h, M_NONE);
		}
	}
	return n;
}

static uint64_t m_next_expiry(const struct model *m, uint64_t now)
{
	uint64_t best = UINT64_MAX;
	uint32_t h;

	for (h = 0; h < m->pool; h++) {
		const struct mrec *r = &m->r[h];

		if ((r->kind == M_LIVE || (r->kind == M_TOMB_K && !r->reaped)) && r->exp < best)
			best = r->exp;
	}
	if (best == UINT64_MAX)
		return best;
	return best > now ? best - now : 0;
}

static void m_clear(struct model *m)
{
	while (m->qn > 0) {
		uint32_t k = m->qhead;

		m_dequeue(m, k);
		if (m->r[k].kind == M_TOMB_K && m->r[k].reaped)
			m_kind(m, k, M_NONE);
	}
}

static int cmp_hoa(const void *a, const void *b)
{
	return memcmp(&((const struct vrrp_ha_binding *)a)->hoa,
	              &((const struct vrrp_ha_binding *)b)->hoa, sizeof(struct in6_addr));
}

static void compare_records(const struct vrrp_ha_binding *a, const struct vrrp_ha_binding *b,
                            size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		CHECK(addr_eq(&a[i].hoa, &b[i].hoa));
		CHECK(addr_eq(&a[i].coa, &b[i].coa));
		CHECK_EQ(a[i].lifetime, b[i].lifetime);
		CHECK_EQ(a[i].seq, b[i].seq);
		CHECK_EQ(a[i].flags, b[i].flags);
		CHECK_EQ(a[i].reserved, b[i].reserved);
	}
}

static void check_lookup(struct vrrp_ha_rbc *t, const struct model *m, uint32_t h, uint64_t now)
{
	struct rbc_view v;
	bool live = m_state(m, h, now) == M_LIVE;

	CHECK_EQ(lookup(t, h, now, &v), live);
	if (live) {
		CHECK_EQ(v.seq, m->r[h].seq);
		CHECK_EQ(v.flags, m->r[h].flags);
		CHECK_EQ(v.expires_ms, m->r[h].exp);
	}
}

enum {
	OP_APPLY,
	OP_LOCAL,
	OP_DEL,
	OP_TAKE,
	OP_EXPIRE,
	OP_LOOKUP,
	OP_FLUSH,
	OP_WALK,
	OP_CLEAR,
	OP_N
};

struct mcfg {
	const char *name;
	uint32_t pool;   /* HoAs 0..pool-1 */
	int steps;       /* operations */
	uint32_t dt_max; /* the clock moves rng() % dt_max ms a step */
	uint32_t lt_max; /* peer lifetimes 1..lt_max units */
	uint32_t local_max_s;
	uint64_t tomb_ms;
	unsigned cum[OP_N]; /* op mix: cumulative per mille */
	int slow_every;     /* O(pool) checks every this many steps */
	bool big;           /* extra checks while the index grows */
};

/* small: 160 HoAs, short lifetimes, every operation often; the index still
 * grows from its minimum a few times (in single steps at that size) */
static const struct mcfg model_small = {
        .name = "small",
        .pool = 160,
        .steps = 300000,
        .dt_max = 700,
        .lt_max = 6,
        .local_max_s = 30,
        .tomb_ms = 20000,
        .cum = {550, 650, 700, 800, 880, 960, 970, 980, 1000},
        .slow_every = 1,
};

/* big: the table fills towards tens of thousands of bindings from an
 * unsized start, so the index grows through a dozen sizes, the last ones
 * in tens of steps each; every kind of operation is run while a resize is
 * under way (rbc_maintain(t, 0) tells) and checked against the model. */
static const struct mcfg model_big = {
        .name = "big",
        .pool = 120000,
        .steps = 300000,
        .dt_max = 6,
        .lt_max = 300,
        .local_max_s = 1200,
        .tomb_ms = 20000,
        .cum = {600, 720, 760, 860, 870, 985, 985, 987, 1000},
        .slow_every = 64,
        .big = true,
};

static void run_model(const struct mcfg *cfg)
{
	static struct model m;
	uint16_t *base_seq = calloc(cfg->pool, sizeof(*base_seq));
	struct vrrp_ha_binding *all = malloc(cfg->pool * sizeof(*all));
	struct vrrp_ha_binding *mall = malloc(cfg->pool * sizeof(*mall));
	struct vrrp_ha_rbc *t = rbc_new(0, (uint32_t)cfg->tomb_ms);
	struct vrrp_ha_binding out[16], mout[16];
	uint64_t now = 1000;
	size_t hist[RBC_NOMEM + 1] = {0}, expired = 0, in_resize[OP_N] = {0}, resizes = 0, news = 0;
	bool resizing = false;
	int step, i;

	CHECK(t && base_seq && all && mall);
	m_init(&m, cfg->pool, cfg->tomb_ms);
	for (step = 0; step < cfg->steps; step++) {
		uint32_t h = (uint32_t)(rng() % cfg->pool);
		uint64_t x = rng();
		unsigned pm = (unsigned)(x % 1000), op = 0;

		if (resizing)
			pm = (unsigned)((x >> 48) % 1000); /* every kind, evenly */
		while (op < OP_N - 1 && pm >= (resizing ? (op + 1) * 1000 / OP_N : cfg->cum[op]))
			op++;
		if (resizing && op == OP_FLUSH)
			op = OP_LOOKUP; /* a flush would stop the big table growing */
		if (resizing)
			in_resize[op]++;

		if (op == OP_APPLY) {
			/* peer record, seq near the HoA's current one */
			uint16_t seq = (uint16_t)(base_seq[h] + (int)((x >> 8) % 7) - 3);
			uint16_t lt =
			        (x >> 16) % 5 == 0 ? 0 : (uint16_t)(1 + (x >> 20) % cfg->lt_max);
			uint32_t c = (uint32_t)((x >> 36) % 3);
			uint16_t flags = (x >> 28) % 4 == 0 ? 0x8000 : 0;
			bool newbit = ((x >> 44) & 7) == 0; /* one in 8: an owner's creation */
			struct vrrp_ha_binding b;
			enum rbc_result r;

			if ((x >> 32) % 50 == 0)
				seq = (uint16_t)(seq + 0x8000);
			b = rec(h, c, lt, seq, flags);
			b.reserved = newbit ? VRRP_HA_REC_NEW : 0;
			r = rbc_apply(t, &b, now);
			CHECK_EQ(r, m_apply(&m, h, c, lt, seq, flags, newbit, now));
			hist[r]++;
			if ((x >> 40) % 3 == 0)
				base_seq[h]++;
		} else if (op == OP_LOCAL) {
			struct in6_addr a = hoa(h), ca = coa((uint32_t)((x >> 8) % 2));
			uint32_t lt_s = (uint32_t)((x >> 16) % cfg->local_max_s);
			uint16_t seq = base_seq[h];
			enum rbc_result want;

			if (lt_s == 0) {
				want = m_state(&m, h, now) == M_LIVE ? RBC_DELETED : RBC_NOT_FOUND;
				if (want == RBC_DELETED)
					m_set_tomb(&m, h, m.r[h].seq, now);
			} else {
				int st = m_state(&m, h, now);
				const struct mrec *r = &m.r[h];
				uint32_t cn = (uint32_t)((x >> 8) % 2);

				if (st != M_LIVE)
					want = RBC_ADDED;
				else if (r->seq == seq && r->coa == cn && r->flags == 0)
					want = RBC_REFRESHED;
				else
					want = RBC_UPDATED;
				m_set_live(&m, h, cn, seq, 0, now + (uint64_t)lt_s * 1000);
				if (want == RBC_ADDED)
					m.r[h].fresh = true;
			}
			CHECK_EQ(rbc_set_local(t, &a, &ca, lt_s, seq, 0, now), want);
		} else if (op == OP_DEL) {
			struct in6_addr a = hoa(h);
			enum rbc_result want = RBC_NOT_FOUND;

			if (m_state(&m, h, now) == M_LIVE) {
				want = RBC_DELETED;
				m_set_tomb(&m, h, m.r[h].seq, now);
			}
			CHECK_EQ(rbc_delete_local(t, &a, now), want);
		} else if (op == OP_TAKE) {
			size_t max = (size_t)((x >> 8) % 17);
			size_t n = rbc_take_dirty(t, out, max, now), k;

			CHECK_EQ(n, m_take(&m, mout, max, now));
			compare_records(out, mout, n);
			for (k = 0; k < n; k++)
				news += out[k].reserved == VRRP_HA_REC_NEW;
		} else if (op == OP_EXPIRE) {
			size_t n = rbc_expire(t, now, 0, NULL, NULL);

			CHECK_EQ(n, m_expire(&m, now));
			expired += n;
		} else if (op == OP_LOOKUP) {
			check_lookup(t, &m, h, now);
		} else if (op == OP_FLUSH) {
			/* flush queues in slab order, which the model cannot
			 * know: start from an empty queue, compare as sets */
			uint32_t k;
			size_t n = 0, got;

			rbc_clear_dirty(t);
			m_clear(&m);
			for (k = 0; k < cfg->pool; k++)
				if (m.r[k].kind == M_LIVE) {
					m_set_tomb(&m, k, m.r[k].seq, now);
					n++;
				}
			CHECK_EQ(rbc_flush(t, now), n);
			got = rbc_take_dirty(t, all, cfg->pool, now);
			CHECK_EQ(got, m_take(&m, mall, cfg->pool, now));
			qsort(all, got, sizeof(all[0]), cmp_hoa);
			qsort(mall, got, sizeof(mall[0]), cmp_hoa);
			compare_records(all, mall, got);
		} else if (op == OP_WALK) {
			uint64_t cur = 0;
			size_t n, seen = 0, want = 0, k;
			uint32_t j;

			for (j = 0; j < cfg->pool; j++)
				want += m_state(&m, j, now) == M_LIVE;
			while ((n = rbc_walk(t, &cur, out, 16, now)) > 0) {
				for (k = 0; k < n; k++) {
					CHECK(m_state(&m, hoa_n(&out[k].hoa), now) == M_LIVE);
					CHECK_EQ(out[k].reserved, 0);
				}
				seen += n;
			}
			CHECK_EQ(seen, want);
		} else {
			rbc_clear_dirty(t);
			m_clear(&m);
		}
		CHECK_EQ(rbc_count(t), m.live);
		CHECK_EQ(rbc_dirty_count(t), m.qn);
		if (step % cfg->slow_every == 0)
			CHECK_EQ(rbc_next_expiry(t, now), m_next_expiry(&m, now));
		if (cfg->big) {
			bool r = rbc_maintain(t, 0);

			resizes += r && !resizing;
			resizing = r;
			if (resizing) /* keys in the old index, the new one, neither */
				for (i = 0; i < 16; i++)
					check_lookup(t, &m, (uint32_t)(rng() % cfg->pool), now);
		}
		now += rng() % cfg->dt_max;
	}
	/* every outcome was exercised */
	for (i = RBC_ADDED; i < RBC_NOMEM; i++)
		if (hist[i] < 200) {
			fprintf(stderr, "model %s: result %d only %zu times\n", cfg->name, i,
			        hist[i]);
			exit(1);
		}
	CHECK_EQ(hist[RBC_NOMEM], 0);
	CHECK(expired > 1000);
	CHECK(news > 100); /* records flagged VRRP_HA_REC_NEW */
	if (cfg->big) {
		printf("model %s: %zu bindings, %zu resizes; ops during a resize:", cfg->name,
		       rbc_count(t), resizes);
		for (i = 0; i < OP_N; i++)
			printf(" %zu", in_resize[i]);
		printf("\n");
		CHECK(resizes >= 10);
		for (i = 0; i < OP_N; i++)
			CHECK(i == OP_FLUSH || in_resize[i] >= 15);
	} else {
		/* 160 HoAs: the table must not have kept growing */
		CHECK(rbc_memory(t) < 64 * 1024);
	}
	rbc_free(t);
	free(m.r);
	free(base_seq);
	free(all);
	free(mall);
}

static void test_model(void)
{
	run_model(&model_small);
	run_model(&model_big);
}

/* ---- incremental growth ------------------------------------------------------------------- */

/* Keys [0, n) are there (with seq = key), the 16 after them are not. */
static void check_keys(struct vrrp_ha_rbc *t, uint32_t n, uint64_t now)
{
	struct rbc_view v;
	uint32_t i;

	for (i = 0; i < n + 16; i++) {
		if (lookup(t, i, now, &v) != (i < n)) {
			fprintf(stderr, "key %u of %u: lookup wrong\n", i, n);
			exit(1);
		}
		if (i < n && v.seq != (uint16_t)i)
			CHECK(0);
	}
}

#define RESIZE_N 60000u

static void test_resize(void)
{
	struct vrrp_ha_rbc *t = rbc_new(0, TOMB_MS);
	uint32_t i, k, resizes = 0, steps = 0, long_resize = 0, run = 0;
	size_t mem, peak = 0;
	bool was = false;

	CHECK(t);
	/* From empty to RESIZE_N keys: the index grows from 32 slots to 128 Ki.
	 * Every key stays visible through each resize: checked in full when
	 * one starts and ends, by samples at every step in between. */
	for (i = 0; i < RESIZE_N; i++) {
		bool r;

		CHECK_EQ(apply(t, i, i, 100, (uint16_t)i, 0), RBC_ADDED);
		r = rbc_maintain(t, 0);
		if (r != was) {
			check_keys(t, i + 1, 0);
			resizes += r;
			if (!r && run > long_resize)
				long_resize = run;
			run = 0;
		} else if (r) {
			steps++;
			run++;
			for (k = 0; k < 32; k++)
				CHECK(lookup(t, (uint32_t)(rng() % (i + 1)), 0, NULL));
			CHECK(!lookup(t, i + 1 + (uint32_t)(rng() % 1000), 0, NULL));
		}
		mem = rbc_memory(t);
		if (mem > peak)
			peak = mem;
		was = r;
	}
	/* 32 -> 64 -> ... -> 131072 slots; the last ones take many calls */
	CHECK_EQ(resizes, 12);
	CHECK(long_resize >= 64);
	CHECK(steps >= 150);
	printf("rbc: grown to %u keys: %u resizes, %u calls during them (longest %u)\n", RESIZE_N,
	       resizes, steps, long_resize);

	/* A resize under way on a table that then only sees lookups and
	 * walks: both indexes are searched; rbc_maintain() finishes it and
	 * releases the old index. */
	for (; !rbc_maintain(t, 0); i++)
		CHECK_EQ(apply(t, i, i, 100, (uint16_t)i, 0), RBC_ADDED);
	CHECK(i < 2 * RESIZE_N);
	/* The new index is prepared (memory grows a segment at a time), then
	 * the old one drained (memory shrinks as its segments go): stop at
	 * the first segment released. */
	mem = rbc_memory(t);
	do {
		size_t prev = mem;

		CHECK(rbc_maintain(t, 1000));
		mem = rbc_memory(t);
		if (mem < prev)
			break;
	} while (1);
	check_keys(t, i, 0);
	{
		struct vrrp_ha_binding out[64];
		uint64_t cur = 0;
		size_t n, seen = 0;

		while ((n = rbc_walk(t, &cur, out, 64, 0)) > 0)
			seen += n;
		CHECK_EQ(seen, i);
	}
	CHECK(rbc_maintain(t, 0));
	CHECK(!rbc_maintain(t, SIZE_MAX));
	CHECK(rbc_memory(t) < mem);
	CHECK(!rbc_maintain(t, SIZE_MAX));
	check_keys(t, i, 0);

	/* While one is under way: deletes, re-adds and expiry hit keys in the
	 * old index and in the new one. Keys [0, base) live 400 s; grow
	 * again with keys that live 4 s. */
	{
		uint32_t base = i, j, d, live;
		uint8_t *gone = calloc(base, 1);
		struct vrrp_ha_binding out[16];

		CHECK(gone);
		for (; !rbc_maintain(t, 0); i++)
			CHECK_EQ(apply(t, i, i, 1, 1, 0), RBC_ADDED);
		for (j = 0; rbc_maintain(t, 0); j++) {
			struct in6_addr a, c = coa(0);

			CHECK(j < 100000);
			d = (uint32_t)(rng() % base);
			a = hoa(d);
			switch (j % 4) {
			case 0:
				CHECK_EQ(rbc_delete_local(t, &a, 5000),
				         gone[d] ? RBC_NOT_FOUND : RBC_DELETED);
				gone[d] = 1;
				break;
			case 1:
				CHECK_EQ(rbc_set_local(t, &a, &c, 400, (uint16_t)d, 0, 5000),
				         gone[d] ? RBC_ADDED : RBC_UPDATED);
				gone[d] = 0;
				break;
			case 2: /* the 4 s keys run out */
				rbc_expire(t, 5000, 100, NULL, NULL);
				break;
			default:
				rbc_take_dirty(t, out, 16, 5000);
				break;
			}
			CHECK_EQ(lookup(t, d, 5000, NULL), !gone[d]);
		}
		CHECK(j > 100);
		rbc_expire(t, 5000, 0, NULL, NULL);
		live = 0;
		for (d = 0; d < i + 16; d++) {
			bool want = d < base && !gone[d];

			CHECK_EQ(lookup(t, d, 5000, NULL), want);
			live += want;
		}
		CHECK_EQ(rbc_count(t), live);
		free(gone);
	}
	rbc_free(t);
}

/* ---- allocation failure ------------------------------------------------------------------ */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#ifdef TEST_RBC_WRAP_MALLOC
/* Linked with -Wl,--wrap=malloc,--wrap=realloc,--wrap=calloc: the n-th
 * allocation from arming on fails; while fail_malloc is set every malloc
 * and calloc fails, and while fail_from is set those of at least fail_from
 * bytes (realloc still works: the slab and the heap grow their first
 * chunk with it, their directories too). alloc_max is the biggest single
 * allocation asked for. (Test-only state.) */
static long alloc_fail_in;
static bool fail_malloc;
static size_t fail_from;
static size_t alloc_max;

void *__real_malloc(size_t n);
void *__real_realloc(void *p, size_t n);
void *__real_calloc(size_t k, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_calloc(size_t k, size_t n);

static bool alloc_fails(size_t n)
{
	if (n > alloc_max)
		alloc_max = n;
	return alloc_fail_in > 0 && --alloc_fail_in == 0;
}

void *__wrap_malloc(size_t n)
{
	return alloc_fails(n) || fail_malloc || (fail_from && n >= fail_from) ? NULL
	                                                                      : __real_malloc(n);
}

void *__wrap_realloc(void *p, size_t n)
{
	return alloc_fails(n) ? NULL : __real_realloc(p, n);
}

void *__wrap_calloc(size_t k, size_t n)
{
	return alloc_fails(k * n) || fail_malloc || (fail_from && k * n >= fail_from)
	               ? NULL
	               : __real_calloc(k, n);
}

static void test_nomem(void)
{
	int k, nomem_seen = 0, absorbed = 0, new_failed = 0;

	for (k = 1; k < 120; k++) {
		struct vrrp_ha_rbc *t;
		uint32_t i, j, added = 0;
		bool nomem = false;

		alloc_fail_in = k;
		t = rbc_new(0, TOMB_MS);
		if (!t) {
			new_failed++;
			continue; /* LeakSanitizer checks nothing was left behind */
		}
		for (i = 0; i < 400; i++) {
			enum rbc_result r;

			if (i % 2) {
				struct in6_addr h = hoa(i), c = coa(i);

				r = rbc_set_local(t, &h, &c, 100, 1, 0, 0);
			} else {
				r = apply(t, i, i, 10, 1, 0);
			}
			if (r == RBC_NOMEM) {
				/* the slab could not grow: nothing changed */
				nomem = true;
				nomem_seen++;
				CHECK_EQ(rbc_count(t), added);
				CHECK(!lookup(t, i, 0, NULL));
				for (j = 0; j < added; j++)
					CHECK(lookup(t, j, 0, NULL));
				break;
			}
			CHECK_EQ(r, RBC_ADDED);
			added++;
		}
		/* a failure that did not show: the index could not grow then,
		 * the current one took the keys and growth was retried */
		if (alloc_fail_in == 0 && !nomem)
			absorbed++;
		alloc_fail_in = 0;
		/* and the table goes on working */
		for (i = added; i < 400; i++)
			CHECK_EQ(apply(t, i, i, 10, 1, 0), RBC_ADDED);
		for (j = 0; j < 400; j++)
			CHECK(lookup(t, j, 0, NULL));
		CHECK_EQ(rbc_count(t), 400);
		CHECK(!rbc_maintain(t, SIZE_MAX));
		rbc_free(t);
	}
	CHECK(new_failed >= 4);
	CHECK(nomem_seen >= 8);
	CHECK(absorbed >= 8);
}

/* Growth of the index cannot allocate for a while. */
static void test_grow_nomem(void)
{
	struct vrrp_ha_rbc *t = rbc_new(0, TOMB_MS);
	size_t mem;
	uint32_t i, n;

	CHECK(t);
	/* 32 slots to start with: growth is due past 20 keys */
	for (i = 0; i < 20; i++)
		CHECK_EQ(apply(t, i, i, 10, 1, 0), RBC_ADDED);
	CHECK(!rbc_maintain(t, 0));
	fail_malloc = true;
	/* the current index takes keys up to its hard limit, 7/8 */
	for (i = 20; apply(t, i, i, 10, 1, 0) == RBC_ADDED; i++)
		CHECK(i < 100);
	n = i;
	CHECK_EQ(n, 28);
	CHECK(!rbc_maintain(t, 0));
	CHECK_EQ(rbc_count(t), n);
	CHECK(!lookup(t, n, 0, NULL));
	for (i = 0; i < n; i++)
		CHECK(lookup(t, i, 0, NULL));
	/* everything but a new key still works */
	CHECK_EQ(apply(t, 3, 3, 0, 1, 0), RBC_DELETED);
	CHECK_EQ(apply(t, 4, 5, 20, 2, 0), RBC_UPDATED);
	CHECK_EQ(apply(t, 5, 5, 10, 1, 0), RBC_REFRESHED);
	CHECK_EQ(rbc_expire(t, 40000, 0, NULL, NULL), n - 2);
	CHECK_EQ(rbc_count(t), 1);
	rbc_clear_dirty(t); /* lets 3's released tombstone go */
	for (i = 0; i < n; i++)
		if (i != 4)
			CHECK_EQ(apply(t, i, i, 10, 1, 40000), RBC_ADDED);
	CHECK_EQ(apply(t, n, n, 10, 1, 40000), RBC_NOMEM);
	fail_malloc = false;
	/* memory is back: the next new key grows the index */
	for (i = n; i < 400; i++)
		CHECK_EQ(apply(t, i, i, 10, 1, 40000), RBC_ADDED);
	for (i = 0; i < 410; i++)
		CHECK_EQ(lookup(t, i, 40000, NULL), i < 400);
	CHECK(!rbc_maintain(t, SIZE_MAX));
	rbc_free(t);

	/* The same in the middle of preparing an index of several segments:
	 * past 5120 keys the index of 8192 slots grows to 16384. Only its
	 * 64 KiB segments cannot be had (the slab's 56 KiB chunks can: a
	 * failing one is test_chunk_nomem()'s). */
	t = rbc_new(0, TOMB_MS);
	CHECK(t);
	for (i = 0; i < 5120; i++)
		CHECK_EQ(apply(t, i, i, 10, 1, 0), RBC_ADDED);
	CHECK(!rbc_maintain(t, 0));
	CHECK_EQ(apply(t, i, i, 10, 1, 0), RBC_ADDED); /* starts the resize... */
	i++;
	CHECK(rbc_maintain(t, 0));
	fail_from = 64 * 1024;
	mem = rbc_memory(t);
	for (; i < 5200; i++) /* ... which makes no progress now */
		CHECK_EQ(apply(t, i, i, 10, 1, 0), RBC_ADDED);
	CHECK(rbc_maintain(t, SIZE_MAX)); /* cannot finish either */
	CHECK_EQ(rbc_memory(t), mem);
	for (; apply(t, i, i, 10, 1, 0) == RBC_ADDED; i++)
		CHECK(i < 8000);
	n = i;
	CHECK_EQ(n, 7168); /* 7/8 of 8192 */
	for (i = 0; i < n + 10; i++)
		CHECK_EQ(lookup(t, i, 0, NULL), i < n);
	fail_from = 0;
	/* back: the insert at the hard limit catches up at once */
	CHECK_EQ(apply(t, n, n, 10, 1, 0), RBC_ADDED);
	for (i = n + 1; i < 12000; i++)
		CHECK_EQ(apply(t, i, i, 10, 1, 0), RBC_ADDED);
	CHECK(!rbc_maintain(t, SIZE_MAX));
	for (i = 0; i < 12010; i++)
		CHECK_EQ(lookup(t, i, 0, NULL), i < 12000);
	rbc_free(t);
}

/* A chunk of the slab or of the heap (or a directory entry for it) cannot
 * be allocated: the insert that needed it fails with RBC_NOMEM and changes
 * nothing, and the table goes on working. Every step of growth is tried:
 * chunk 0 doubling (16 to 1024 entries; the heap's to 16 Ki), then whole
 * chunks (56 KiB of entries, 64 KiB of heap), the directories doubling. */
#define CHUNK_N 40000u

static void test_chunk_nomem(void)
{
	struct vrrp_ha_rbc *t = rbc_new(0, TOMB_MS);
	struct vrrp_ha_binding out[4];
	uint32_t i, j, nomem = 0, edges = 0;

	CHECK(t);
	for (i = 0; i < CHUNK_N; i++) {
		bool edge = i >= 16 && ((i & (i - 1)) == 0 || i % 1024 == 0);
		long k;

		if (!edge) {
			CHECK_EQ(apply(t, i, i, 10, 1, 0), RBC_ADDED);
			continue;
		}
		/* no resize under way, so the first allocations are the slab's and the heap's */
		CHECK(!rbc_maintain(t, SIZE_MAX));
		rbc_clear_dirty(t);
		for (k = 1;; k++) {
			size_t mem = rbc_memory(t);
			enum rbc_result r;

			alloc_fail_in = k;
			r = i % 2 ? apply(t, i, i, 10, 1, 0) : set_local(t, i, i, 40, 1, 0);
			if (r == RBC_ADDED)
				break; /* fewer than k allocations, or one absorbed */
			CHECK_EQ(r, RBC_NOMEM);
			CHECK(alloc_fail_in == 0);
			nomem++;
			/* unchanged: count, keys, queue, expiry */
			CHECK_EQ(rbc_count(t), i);
			CHECK_EQ(rbc_dirty_count(t), 0);
			CHECK(!lookup(t, i, 0, NULL));
			CHECK(rbc_memory(t) >= mem);
			for (j = 0; j < i; j += 1 + j / 8)
				CHECK(lookup(t, j, 0, NULL));
			CHECK_EQ(rbc_next_expiry(t, 0), 40000);
			CHECK(k < 20);
		}
		alloc_fail_in = 0;
		CHECK(k > 1); /* this growth step failed at least once */
		edges++;
		CHECK_EQ(rbc_dirty_count(t), 1);
		CHECK_EQ(rbc_take_dirty(t, out, 4, 0), 1);
		CHECK_EQ(hoa_n(&out[0].hoa), i);
	}
	/* slab: 6 doublings + 39 chunks; the heap's steps fall on the same
	 * keys (and fail on a later try, the slab's allocation having stayed) */
	CHECK_EQ(edges, 45);
	CHECK(nomem >= 55);
	for (i = 0; i < CHUNK_N + 10; i++)
		CHECK_EQ(lookup(t, i, 0, NULL), i < CHUNK_N);
	CHECK_EQ(rbc_count(t), CHUNK_N);
	/* the heap is intact: everything expires, in one go */
	CHECK_EQ(rbc_expire(t, 40000, 0, NULL, NULL), CHUNK_N);
	CHECK_EQ(rbc_count(t), 0);
	rbc_free(t);
	printf("rbc: %u slab/heap growth allocations failed, none changed the table\n", nomem);
}
#else
static void test_nomem(void)
{
	printf("test_rbc: allocation-failure test not built (no --wrap)\n");
}

static void test_grow_nomem(void)
{
}

static void test_chunk_nomem(void)
{
}
#endif

/* ---- latency --------------------------------------------------------------------------------- */

/*
 * No single call may stall keepalived's event loop: insert LAT_N keys (or
 * $RBC_LAT_N) into an unsized table, so the index grows a dozen times and
 * the slab and the heap add hundreds of chunks, timing every call whole,
 * allocations included. A call only counts as slow if it is slow in each
 * of up to LAT_PASSES passes over the same keys, so a preemption of this
 * process does not fail the test. With --wrap, also: no single allocation
 * is bigger than 64 KiB (nothing big is ever reallocated, which is where
 * glibc copies, or mremaps, whole arrays).
 */
#define LAT_N      2000000u
#define LAT_PASSES 3
#define LAT_MAX_MS 20.0

static void test_latency(void)
{
	const char *env = getenv("RBC_LAT_N");
	uint32_t n = env ? (uint32_t)strtoul(env, NULL, 10) : LAT_N;
	uint32_t *lat = malloc((size_t)n * sizeof(*lat)); /* ns, min over passes */
	struct in6_addr c = coa(1);
	uint64_t first_worst = 0, worst = 0, total = 0;
	uint32_t i, worst_i = 0;
	size_t mem = 0;
	double peak = 0;
	int pass;

	CHECK(n >= 1000 && lat);
#ifdef TEST_RBC_WRAP_MALLOC
	alloc_max = 0;
#endif
	for (pass = 0; pass < LAT_PASSES; pass++) {
		struct vrrp_ha_rbc *t = rbc_new(0, TOMB_MS);

		CHECK(t);
		total = 0;
		for (i = 0; i < n; i++) {
			struct in6_addr h = hoa(i * 2654435761u);
			uint64_t t0, d;
			enum rbc_result r;

			t0 = mono_ns();
			r = rbc_set_local(t, &h, &c, 3600, 1, 0, 0);
			d = mono_ns() - t0;
			if (r != RBC_ADDED)
				CHECK(0);
			total += d;
			if (pass == 0 && d > first_worst)
				first_worst = d;
			if (d > UINT32_MAX)
				d = UINT32_MAX;
			if (pass == 0 || d < lat[i])
				lat[i] = (uint32_t)d;
			if (pass == 0 && i >= 1000 && (double)rbc_memory(t) / (i + 1) > peak)
				peak = (double)rbc_memory(t) / (i + 1);
		}
		mem = rbc_memory(t);
		rbc_free(t);
		worst = 0;
		for (i = 0; i < n; i++)
			if (lat[i] > worst) {
				worst = lat[i];
				worst_i = i;
			}
		if ((double)worst / 1e6 < LAT_MAX_MS)
			break;
	}
	printf("rbc: %u inserts: mean %.2f us, worst %.3f ms (insert %u, %d pass%s; "
	       "first pass %.3f ms), allocation included; %.1f bytes/binding (at most %.1f)\n",
	       n, (double)total / n / 1e3, (double)worst / 1e6, worst_i,
	       pass < LAT_PASSES ? pass + 1 : pass, pass ? "es" : "", (double)first_worst / 1e6,
	       (double)mem / n, peak);
	CHECK((double)worst / 1e6 < LAT_MAX_MS);
	CHECK(peak <= 200);
#ifdef TEST_RBC_WRAP_MALLOC
	printf("rbc: largest single allocation %zu bytes\n", alloc_max);
	CHECK(alloc_max <= 64 * 1024);
#endif
	free(lat);
}

int main(void)
{
	test_serial();
	test_add_update();
	test_serial_wrap();
	test_expiry_clock();
	test_expire_bounded();
	test_tombstone();
	test_dirty_queue();
	test_take_dirty_lifetime();
	test_set_local();
	test_new_marker();
	test_flush();
	test_walk_concurrent();
	test_resize();
	test_model();
	test_nomem();
	test_grow_nomem();
	test_chunk_nomem();
	test_scale();
	test_latency();
	printf("test_rbc: ok\n");
	return 0;
}
