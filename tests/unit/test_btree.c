/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_btree.c - the store's ordered index (vrrp_ha/src/store/btree.c) at a
 * size where it has several levels: random MIPv6 keys and PMIPv6 keys that
 * share their first 14 bytes (ties broken through the entries), random
 * deletes and revivals, and after each phase store_lookup_next() from
 * every key and from keys between them equals a sorted model; turning the
 * order on over a full table gives the same; empty again, nothing is left.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "vrrp_ha/store.h"

#define N 60000

struct mkey {
	uint8_t kind;
	uint16_t len;
	uint8_t b[40];
	bool live;
};

static struct mkey keys[N];
static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static int mcmp(const void *pa, const void *pb)
{
	const struct mkey *a = pa, *b = pb;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->b, b->b, a->len);
}

static void key_of(const struct mkey *m, struct vrrp_ha_key *k)
{
	k->kind = m->kind;
	k->len = m->len;
	k->bytes = m->b;
}

static void set(struct vrrp_ha_store *s, struct mkey *m, bool live)
{
	struct vrrp_ha_record r = {0};

	key_of(m, &r.key);
	if (live) {
		r.lifetime_s = 1000;
		CHECK(store_set_local(s, &r, 1) != STORE_NOMEM);
	} else {
		CHECK(store_delete_local(s, &r.key, 1) == STORE_DELETED);
	}
	m->live = live;
}

/* lookup_next from NULL, from every key (live or not), and from a key just
 * after each live one, against the sorted model. */
static void check_order(struct vrrp_ha_store *s, const char *phase)
{
	static struct mkey sorted[N];
	size_t n = 0, bad = 0;
	struct vrrp_ha_record r;
	struct vrrp_ha_key k;

	for (size_t i = 0; i < N; i++)
		sorted[n++] = keys[i];
	qsort(sorted, n, sizeof(sorted[0]), mcmp);
	for (size_t i = 0; i <= n; i++) {
		size_t j = i;
		bool got;

		/* from sorted[i - 1] (i == 0: from nothing) the next live one */
		if (i) {
			key_of(&sorted[i - 1], &k);
		}
		while (j < n && !sorted[j].live)
			j++;
		got = store_lookup_next(s, i ? &k : NULL, 1, &r);
		if (got != (j < n) ||
		    (got && (r.key.kind != sorted[j].kind || r.key.len != sorted[j].len ||
		             memcmp(r.key.bytes, sorted[j].b, r.key.len))))
			bad++;
	}
	if (bad) {
		fprintf(stderr, "%s: %zu lookup_next answers differ\n", phase, bad);
		failures++;
	}
}

int main(void)
{
	struct vrrp_ha_store *s = store_new(0, 0), *t;
	size_t live = 0;

	CHECK(s);
	store_set_ordered(s, true);
	for (size_t i = 0; i < N; i++) {
		struct mkey *m = &keys[i];

		if (i % 3) {
			m->kind = VRRP_HA_KIND_MIPV6;
			m->len = 16;
			for (int j = 0; j < 16; j++)
				m->b[j] = (uint8_t)(j < 8 ? 0x20 + (j == 5) * (rnd() % 3) : rnd());
		} else {
			/* PMIPv6: [mnid_len][mnid][plen][hnp], MN-IDs of 20 bytes
			 * sharing 16: ties in the 14-byte prefix */
			uint8_t mnid = 20;

			m->kind = VRRP_HA_KIND_PMIPV6;
			m->len = (uint16_t)(1 + mnid + 1 + 16);
			m->b[0] = mnid;
			m->b[1] = 1; /* subtype */
			memset(m->b + 2, 'm', 15);
			for (int j = 17; j <= mnid; j++)
				m->b[j] = (uint8_t)rnd();
			m->b[mnid + 1] = 64;
			memset(m->b + mnid + 2, 0, 16);
			m->b[mnid + 2] = 0x20;
			m->b[mnid + 3] = (uint8_t)i;
		}
	}
	/* (random keys: a duplicate is vanishingly unlikely) */
	for (size_t i = 0; i < N; i++)
		set(s, &keys[i], true);
	check_order(s, "inserted");

	/* delete two thirds at random, revive some */
	for (size_t i = 0; i < N; i++)
		if (keys[i].live && rnd() % 3)
			set(s, &keys[i], false);
	check_order(s, "deleted");
	for (size_t i = 0; i < N; i++)
		if (!keys[i].live && rnd() % 4 == 0)
			set(s, &keys[i], true);
	check_order(s, "revived");
	for (size_t i = 0; i < N; i++)
		live += keys[i].live;

	/* the same order built at once over a full table */
	t = store_new(0, 0);
	for (size_t i = 0; i < N; i++)
		if (keys[i].live) {
			struct vrrp_ha_record r = {0};

			key_of(&keys[i], &r.key);
			r.lifetime_s = 1000;
			store_set_local(t, &r, 1);
		}
	store_set_ordered(t, true);
	check_order(t, "built");
	CHECK(store_memory(t) > store_memory(s) / 4);
	store_free(t);

	/* everything goes: the index is empty again */
	for (size_t i = 0; i < N; i++)
		if (keys[i].live)
			set(s, &keys[i], false);
	CHECK(!store_lookup_next(s, NULL, 1, NULL));
	for (size_t i = 0; i < N; i += 7)
		set(s, &keys[i], true);
	check_order(s, "refilled");
	store_free(s);
	printf("test_btree: %zu keys, %zu live after the churn%s\n", (size_t)N, live,
	       failures ? ", FAILED" : "");
	return failures != 0;
}
