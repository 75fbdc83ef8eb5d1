/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_snmp.c - VRRP-HA-MIB's model (vrrp_ha/src/snmp/) on a live owner +
 * backup pair: a whole walk by GETNEXT is strictly increasing, every OID it
 * returns answers GET with the same value, GETNEXT of random (also
 * malformed) OIDs equals the smallest walked OID after them, the binding
 * rows are exactly the tables' bindings with their values, every registry
 * counter has one row; each GETNEXT stays a few lookups; notifications of
 * a restart's sync, a takeover, the rate limit, the drop rate, PMIPv6 rows.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nodes.h"
#include "vrrp_ha/rbc.h"
#include "vrrp_ha/recovery.h"
#include "vrrp_ha/snmp.h"
#include "vrrp_ha/store.h"

static const uint32_t base[] = {VRRP_HA_SNMP_BASE};

struct entry {
	uint32_t oid[VRRP_HA_SNMP_OID_MAX];
	size_t len;
	struct vrrp_ha_snmp_value v;
};

static struct entry *walked;
static size_t nwalked, capwalked;

static bool same_value(const struct vrrp_ha_snmp_value *a, const struct vrrp_ha_snmp_value *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case VRRP_HA_SNMP_INTEGER:
		return a->i == b->i;
	case VRRP_HA_SNMP_OCTETS:
		return a->len == b->len && !memcmp(a->bytes, b->bytes, a->len);
	default:
		return a->u == b->u;
	}
}

/* The whole module by GETNEXT from its base, kept in walked[]. */
static void walk_all(struct vrrp_ha_snmp *m, const struct vrrp_ha_snmp_clock *clk)
{
	uint32_t cur[VRRP_HA_SNMP_OID_MAX];
	size_t len = VRRP_HA_SNMP_BASE_LEN;

	nwalked = 0;
	memcpy(cur, base, sizeof(base));
	for (;;) {
		struct entry e;

		if (!vrrp_ha_snmp_next(m, cur, len, e.oid, &e.len, clk, &e.v))
			break;
		CHECK(vrrp_ha_snmp_oid_cmp(e.oid, e.len, cur, len) > 0);
		CHECK(e.len <= VRRP_HA_SNMP_OID_MAX);
		if (nwalked == capwalked) {
			capwalked = capwalked ? capwalked * 2 : 256;
			walked = realloc(walked, capwalked * sizeof(*walked));
			if (!walked)
				exit(2);
		}
		walked[nwalked++] = e;
		memcpy(cur, e.oid, e.len * sizeof(uint32_t));
		len = e.len;
	}
}

/* Rows of table t column c in walked[]. */
static size_t column_rows(uint32_t t, uint32_t c)
{
	size_t n = 0;

	for (size_t i = 0; i < nwalked; i++)
		if (walked[i].len > 12 && walked[i].oid[9] == t && walked[i].oid[11] == c)
			n++;
	return n;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* GETNEXT of OIDs near walked ones (cut, bumped, extended, garbage) equals
 * the first walked OID after them. */
static void check_random_next(struct vrrp_ha_snmp *m, const struct vrrp_ha_snmp_clock *clk)
{
	for (int iter = 0; iter < 3000; iter++) {
		uint32_t q[VRRP_HA_SNMP_OID_MAX], out[VRRP_HA_SNMP_OID_MAX];
		const struct entry *e = &walked[rnd((uint32_t)nwalked)];
		size_t qn = e->len, on, want = nwalked;
		struct vrrp_ha_snmp_value v;
		bool got;

		memcpy(q, e->oid, e->len * sizeof(uint32_t));
		switch (rnd(5)) {
		case 0: /* a prefix */
			qn = 1 + rnd((uint32_t)e->len);
			break;
		case 1: /* one sub-id moved */
		{
			size_t i = rnd((uint32_t)e->len);
			uint32_t d = rnd(3);

			q[i] = d == 0 ? q[i] + 1 : d == 1 ? (q[i] ? q[i] - 1 : 0) : 300 + rnd(1000);
			break;
		}
		case 2: /* longer */
			while (qn < e->len + 3 && qn < VRRP_HA_SNMP_OID_MAX)
				q[qn++] = rnd(400);
			break;
		case 3: /* cut, then garbage */
			qn = 8 + rnd((uint32_t)(e->len - 7));
			if (qn > e->len)
				qn = e->len;
			for (size_t i = qn; i < qn + 2 && i < VRRP_HA_SNMP_OID_MAX; i++)
				q[i] = rnd(300);
			qn = qn + 2 < VRRP_HA_SNMP_OID_MAX ? qn + 2 : qn;
			break;
		default:
			break;
		}
		for (size_t i = 0; i < nwalked; i++)
			if (vrrp_ha_snmp_oid_cmp(walked[i].oid, walked[i].len, q, qn) > 0) {
				want = i;
				break;
			}
		got = vrrp_ha_snmp_next(m, q, qn, out, &on, clk, &v);
		if (want == nwalked) {
			CHECK(!got);
			continue;
		}
		CHECK(got);
		if (got && vrrp_ha_snmp_oid_cmp(out, on, walked[want].oid, walked[want].len)) {
			fprintf(stderr, "next mismatch at iter %d (qn %zu)\n", iter, qn);
			failures++;
		}
	}
}

static uint32_t binding_oid(uint32_t *o, uint32_t col, uint32_t inst, uint32_t cache,
                            const struct in6_addr *a)
{
	uint32_t k = 0;

	memcpy(o, base, sizeof(base));
	k = VRRP_HA_SNMP_BASE_LEN;
	o[k++] = 1;
	o[k++] = 3;
	o[k++] = 1;
	o[k++] = col;
	o[k++] = inst;
	o[k++] = cache;
	o[k++] = 2;
	o[k++] = 16;
	for (int i = 0; i < 16; i++)
		o[k++] = a->s6_addr[i];
	return k;
}

static void test_tables(struct node n[2], struct vrrp_ha_snmp *m)
{
	struct vrrp_ha_snmp_clock clk = {.real_ms = 1700000000000};
	struct vrrp_ha_snmp_value v;
	uint32_t o[VRRP_HA_SNMP_OID_MAX];
	const size_t nb = 300;
	size_t nctr;

	for (unsigned i = 0; i < nb; i++) {
		struct in6_addr hoa, coa;

		nodes_addr(&hoa, "2001:db8:aa::", i * 7919u);
		nodes_addr(&coa, "2001:db8:cc::", i);
		vrrp_ha_bc_add(n[0].h, &hoa, &coa, 600 + i, (uint16_t)(i + 1), 0xc000);
	}
	nodes_settle(n, 2, 3000);
	CHECK_EQ(rbc_count(vrrp_ha_get_rbc(n[1].h)), nb);

	walk_all(m, &clk);
	/* 22 instance columns x 2 instances */
	CHECK_EQ(column_rows(1, 2), 2);
	CHECK_EQ(column_rows(1, 23), 2);
	/* every binding: A's bc, B's rbc */
	for (uint32_t c = 4; c <= 11; c++)
		CHECK_EQ(column_rows(3, c), 2 * nb);
	CHECK_EQ(column_rows(4, 3), 0);
	/* one row per counter, each in one of the two value columns */
	nctr = vrrp_ha_counters_count(vrrp_ha_counters_registry(n[0].h));
	CHECK_EQ(column_rows(2, 3), 2 * nctr);
	CHECK_EQ(column_rows(2, 4) + column_rows(2, 5), 2 * nctr);

	/* GET answers every walked OID with the walked value */
	for (size_t i = 0; i < nwalked; i++) {
		bool ok = vrrp_ha_snmp_get(m, walked[i].oid, walked[i].len, &clk, &v);

		CHECK(ok);
		if (ok && !same_value(&v, &walked[i].v))
			CHECK(!"GET differs from GETNEXT");
	}
	check_random_next(m, &clk);

	/* the values of one binding, in both tables */
	{
		struct in6_addr hoa, coa;
		size_t k;

		nodes_addr(&hoa, "2001:db8:aa::", 5 * 7919u);
		nodes_addr(&coa, "2001:db8:cc::", 5);
		k = binding_oid(o, 5, 2, 2, &hoa); /* B, rbc, COA */
		CHECK(vrrp_ha_snmp_get(m, o, k, &clk, &v));
		CHECK(v.type == VRRP_HA_SNMP_OCTETS && v.len == 16 && !memcmp(v.bytes, &coa, 16));
		binding_oid(o, 9, 2, 2, &hoa);
		CHECK(vrrp_ha_snmp_get(m, o, k, &clk, &v) && v.u == 6); /* MaxSeq */
		binding_oid(o, 10, 2, 2, &hoa);
		CHECK(vrrp_ha_snmp_get(m, o, k, &clk, &v) && v.len == 2 && v.bytes[0] == 0xc0 &&
		      v.bytes[1] == 0);
		binding_oid(o, 8, 1, 1, &hoa); /* A, bc, remaining */
		CHECK(vrrp_ha_snmp_get(m, o, k, &clk, &v) && v.u >= 600 && v.u <= 605);
		binding_oid(o, 7, 1, 1, &hoa); /* granted */
		CHECK(vrrp_ha_snmp_get(m, o, k, &clk, &v) && v.u == 605);
		binding_oid(o, 6, 1, 1, &hoa); /* registered: the wall clock, minus a few s */
		CHECK(vrrp_ha_snmp_get(m, o, k, &clk, &v) && v.len == 11 && v.bytes[0] == 0x07);
		binding_oid(o, 11, 2, 2, &hoa);
		CHECK(vrrp_ha_snmp_get(m, o, k, &clk, &v) && v.i == 2);
		binding_oid(o, 5, 2, 1, &hoa); /* not in B's bc */
		CHECK(!vrrp_ha_snmp_get(m, o, k, &clk, &v));
		o[k - 1] = 256; /* not a byte */
		CHECK(!vrrp_ha_snmp_get(m, o, k, &clk, &v));
		CHECK(!vrrp_ha_snmp_get(m, o, k - 1, &clk, &v));
	}

	/* a change shows in the next request */
	{
		struct in6_addr hoa, coa;
		size_t k;

		nodes_addr(&hoa, "2001:db8:aa::", 5 * 7919u);
		nodes_addr(&coa, "2001:db8:cc::", 999);
		vrrp_ha_bc_add(n[0].h, &hoa, &coa, 600, 77, 0x8000);
		nodes_settle(n, 2, 1000);
		k = binding_oid(o, 9, 2, 2, &hoa);
		CHECK(vrrp_ha_snmp_get(m, o, k, &clk, &v) && v.u == 77);
		vrrp_ha_bc_del(n[0].h, &hoa);
		nodes_settle(n, 2, 1000);
		CHECK(!vrrp_ha_snmp_get(m, o, k, &clk, &v));
	}

	/* bounded: a GETNEXT inside the binding table is a few lookups */
	{
		uint64_t before = vrrp_ha_snmp_lookups(m), most = 0;
		uint32_t cur[VRRP_HA_SNMP_OID_MAX], out[VRRP_HA_SNMP_OID_MAX];
		size_t len = binding_oid(cur, 5, 1, 0, &in6addr_any) - 18, on;

		for (int i = 0; i < 2 * (int)nb - 2; i++) {
			uint64_t l0 = vrrp_ha_snmp_lookups(m);

			if (!vrrp_ha_snmp_next(m, cur, len, out, &on, &clk, &v))
				break;
			if (vrrp_ha_snmp_lookups(m) - l0 > most)
				most = vrrp_ha_snmp_lookups(m) - l0;
			memcpy(cur, out, on * sizeof(uint32_t));
			len = on;
		}
		CHECK(most <= 6);
		CHECK(vrrp_ha_snmp_lookups(m) > before);
	}

	/* instance columns equal the library's own answers */
	{
		uint32_t io[VRRP_HA_SNMP_OID_MAX];
		size_t k = VRRP_HA_SNMP_BASE_LEN;

		memcpy(io, base, sizeof(base));
		io[k++] = 1;
		io[k++] = 1;
		io[k++] = 1;
		io[k++] = 10; /* RbcSize */
		io[k++] = 2;
		CHECK(vrrp_ha_snmp_get(m, io, k, &clk, &v) &&
		      v.u == rbc_count(vrrp_ha_get_rbc(n[1].h)));
		io[k - 2] = 7; /* VrrpState: B is BACKUP(2) -> backup(2) */
		CHECK(vrrp_ha_snmp_get(m, io, k, &clk, &v) && v.i == 2);
		io[k - 1] = 1; /* A is MASTER */
		CHECK(vrrp_ha_snmp_get(m, io, k, &clk, &v) && v.i == 3);
		io[k - 2] = 6; /* Owner */
		CHECK(vrrp_ha_snmp_get(m, io, k, &clk, &v) && v.i == 1);
		io[k - 2] = 8; /* SyncState: in_sync(1) syncing(2) diverged(3) demoted(4) */
		CHECK(vrrp_ha_snmp_get(m, io, k, &clk, &v) &&
		      v.i == (int64_t)vrrp_ha_sync_state(n[0].h) + 1);
		io[k - 2] = 2;
		CHECK(vrrp_ha_snmp_get(m, io, k, &clk, &v) && v.len == 1 && v.bytes[0] == 'A');
	}
}

static void test_pmipv6(struct node *b, struct vrrp_ha_snmp *m)
{
	struct vrrp_ha_snmp_clock clk = {.real_ms = 1700000000000};
	struct vrrp_ha_store *s = rbc_store(vrrp_ha_get_rbc(b->h));
	uint8_t kb[VRRP_HA_PMIPV6_KEY_MAX], opts[18] = {VRRP_HA_OPT_LLA, 16, 0xfe, 0x80};
	static const uint8_t mnid[] = {1, 'm', 'n', '1'};
	struct vrrp_ha_record r = {0};
	struct in6_addr hnp;
	size_t rows;

	inet_pton(AF_INET6, "2001:db8:77::", &hnp);
	CHECK(!vrrp_ha_key_pmipv6(&r.key, kb, sizeof(kb), mnid, sizeof(mnid), 64, &hnp));
	r.lifetime_s = 100;
	r.u.pmipv6.timestamp = 0x0102030405060708ull;
	r.u.pmipv6.tunnel_id = 42;
	r.u.pmipv6.att = 4;
	r.u.pmipv6.flags = 0x0200;
	r.opts = opts;
	r.opts_len = sizeof(opts);
	CHECK(store_set_local(s, &r, vrrp_ha_now(b->h)) == STORE_ADDED);
	walk_all(m, &clk);
	rows = column_rows(4, 3);
	CHECK_EQ(rows, 1);
	for (size_t i = 0; i < nwalked; i++) {
		const struct entry *e = &walked[i];

		if (e->len < 12 || e->oid[9] != 4)
			continue;
		switch (e->oid[11]) {
		case 3:
			CHECK(e->v.len == sizeof(mnid) && !memcmp(e->v.bytes, mnid, sizeof(mnid)));
			break;
		case 5:
			CHECK(e->v.len == 16 && !memcmp(e->v.bytes, &hnp, 16));
			break;
		case 6:
			CHECK(e->v.u == 64);
			break;
		case 9:
			CHECK(e->v.len == 16 && e->v.bytes[0] == 0xfe);
			break;
		case 10:
			CHECK(e->v.u == 42);
			break;
		case 12:
			CHECK(e->v.len == 8 && e->v.bytes[0] == 1 && e->v.bytes[7] == 8);
			break;
		case 13:
			CHECK(e->v.len == 2 && e->v.bytes[0] == 0x02);
			break;
		}
		/* index: instance, cache rbc, length, key */
		CHECK(e->oid[12] == 2 && e->oid[13] == 2 && e->oid[14] == r.key.len);
	}
	check_random_next(m, &clk);
	/* an MN-ID too long for an OID has no row */
	{
		uint8_t big[120];

		memset(big, 'x', sizeof(big));
		big[0] = 1;
		CHECK(!vrrp_ha_key_pmipv6(&r.key, kb, sizeof(kb), big, sizeof(big), 64, &hnp));
		r.opts = NULL;
		r.opts_len = 0;
		CHECK(store_set_local(s, &r, vrrp_ha_now(b->h)) == STORE_ADDED);
		walk_all(m, &clk);
		CHECK_EQ(column_rows(4, 3), 1);
	}
	store_flush(s, VRRP_HA_KIND_PMIPV6, vrrp_ha_now(b->h));
}

static size_t count_type(const struct vrrp_ha_snmp_notif *q, size_t n,
                         enum vrrp_ha_snmp_notif_type t)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += q[i].type == t;
	return k;
}

static void test_notifications(struct node n[2], struct vrrp_ha_snmp *m)
{
	struct vrrp_ha_snmp_clock clk = {.real_ms = 1700000000000};
	struct vrrp_ha_snmp_notif q[64];
	struct vrrp_ha_snmp_varbind vb[8];
	struct vrrp_ha_snmp_instance bi = {.index = 2, .enabled = true, .drop_limit = 50};
	size_t k, nv;

	vrrp_ha_snmp_take(m, q, 64);
	/* B restarts: its request is answered, a sync completes */
	vrrp_ha_snmp_remove(m, n[1].h);
	node_restart(&n[1], "B", 100, NULL);
	CHECK(!vrrp_ha_snmp_add(m, n[1].h, &bi));
	vrrp_ha_set_state(n[1].h, VRRP_HA_ST_BACKUP);
	nodes_settle(n, 2, 5000);
	nodes_advance(n, 2, 3000); /* the request's quiet time */
	k = vrrp_ha_snmp_take(m, q, 64);
	nv = 0;
	for (size_t i = 0; i < k; i++)
		nv += q[i].type == VRRP_HA_SNMP_N_SYNC_COMPLETE && q[i].index == 2;
	CHECK_EQ(nv, 1);
	for (size_t i = 0; i < k; i++)
		if (q[i].type == VRRP_HA_SNMP_N_SYNC_COMPLETE && q[i].index == 2) {
			CHECK_EQ(q[i].rows, rbc_count(vrrp_ha_get_rbc(n[1].h)));
			CHECK(!strcmp(q[i].reason, "request"));
			nv = vrrp_ha_snmp_varbinds(m, &q[i], vb, 8);
			CHECK_EQ(nv, 7);
			CHECK(vb[0].v.type == VRRP_HA_SNMP_OID && vb[0].v.len == 10 &&
			      vb[0].v.oid[8] == 0 && vb[0].v.oid[9] == 1);
			CHECK(vb[1].v.type == VRRP_HA_SNMP_OCTETS && vb[1].v.bytes[0] == 'B');
			CHECK(vb[3].v.u == q[i].rows && vb[3].name[VRRP_HA_SNMP_BASE_LEN + 1] == 5);
		}
	/* the instance row knows the last sync */
	{
		uint32_t io[VRRP_HA_SNMP_OID_MAX];
		struct vrrp_ha_snmp_value v;
		size_t l = VRRP_HA_SNMP_BASE_LEN;

		memcpy(io, base, sizeof(base));
		io[l++] = 1;
		io[l++] = 1;
		io[l++] = 1;
		io[l++] = 14;
		io[l++] = 2;
		CHECK(vrrp_ha_snmp_get(m, io, l, &clk, &v) &&
		      v.u == rbc_count(vrrp_ha_get_rbc(n[1].h)));
		io[l - 2] = 15;
		CHECK(vrrp_ha_snmp_get(m, io, l, &clk, &v) && v.len == 7 &&
		      !memcmp(v.bytes, "request", 7));
		io[l - 2] = 12;
		CHECK(vrrp_ha_snmp_get(m, io, l, &clk, &v) && v.len == 11);
	}

	/* takeover by the backup, then the rate limit: 5 at once, then one
	 * per 6 s carrying how many were held back */
	for (int i = 0; i < 8; i++) {
		vrrp_ha_set_state(n[1].h, VRRP_HA_ST_MASTER);
		vrrp_ha_set_state(n[1].h, VRRP_HA_ST_BACKUP);
	}
	k = vrrp_ha_snmp_take(m, q, 64);
	CHECK_EQ(count_type(q, k, VRRP_HA_SNMP_N_TAKEOVER), 5);
	CHECK(k && q[0].rows == rbc_count(vrrp_ha_get_rbc(n[1].h)));
	nodes_advance(n, 2, 6000);
	vrrp_ha_set_state(n[1].h, VRRP_HA_ST_MASTER);
	vrrp_ha_set_state(n[1].h, VRRP_HA_ST_BACKUP);
	k = vrrp_ha_snmp_take(m, q, 64);
	CHECK_EQ(count_type(q, k, VRRP_HA_SNMP_N_TAKEOVER), 1);
	for (size_t i = 0; i < k; i++)
		if (q[i].type == VRRP_HA_SNMP_N_TAKEOVER)
			CHECK_EQ(q[i].suppressed, 3);

	/* the owner restarts: its request is answered by B, the bindings are
	 * restored into its bc */
	{
		struct vrrp_ha_snmp_instance ai = {.index = 1, .enabled = true};

		vrrp_ha_snmp_remove(m, n[0].h);
		struct in6_addr b_ll;

		node_restart(&n[0], "A", 255, NULL);
		CHECK(!vrrp_ha_snmp_add(m, n[0].h, &ai));
		vrrp_ha_set_state(n[0].h, VRRP_HA_ST_MASTER);
		/* A heard B's advert as it took over (B answers its request) */
		inet_pton(AF_INET6, "fe80::2", &b_ll);
		vrrp_ha_advert(n[0].h, &b_ll, 100, false);
		nodes_settle(n, 2, 5000);
		nodes_advance(n, 2, 3000);
		k = vrrp_ha_snmp_take(m, q, 64);
		CHECK_EQ(count_type(q, k, VRRP_HA_SNMP_N_RESTORE_DONE), 1);
		for (size_t i = 0; i < k; i++)
			if (q[i].type == VRRP_HA_SNMP_N_RESTORE_DONE) {
				CHECK_EQ(q[i].index, 1);
				CHECK_EQ(q[i].rows, rbc_count(vrrp_ha_get_bc(n[0].h)));
				CHECK(q[i].rows > 0);
			}
	}

	/* receive drops over the threshold: one notification, not one a poll */
	{
		static const uint8_t junk[8] = {0x2e, 51, 0, 0}; /* VRRP version 2 */
		struct in6_addr src;

		nodes_addr(&src, "fe80::", 9);
		vrrp_ha_snmp_poll(m, &clk);
		for (int s = 0; s < 5; s++) {
			for (int i = 0; i < 200; i++)
				vrrp_ha_rx(n[1].h, junk, sizeof(junk), 255, &src);
			nodes_advance(n, 2, 1000);
			vrrp_ha_snmp_poll(m, &clk);
		}
		k = vrrp_ha_snmp_take(m, q, 64);
		CHECK_EQ(count_type(q, k, VRRP_HA_SNMP_N_DROP_RATE), 1);
		for (size_t i = 0; i < k; i++)
			if (q[i].type == VRRP_HA_SNMP_N_DROP_RATE) {
				CHECK(q[i].rate >= 50);
				CHECK(q[i].reason[0] != 0);
			}
	}
}

/* The auth rule on a registry that has an "auth" group (as the
 * authenticated sync layer will register it): a failure counter that moves
 * is one notification naming it; auth_ok and tx_ counters are not. */
static void test_auth(struct node *b, struct vrrp_ha_snmp *m)
{
	struct vrrp_ha_snmp_clock clk = {.real_ms = 1700000000000};
	struct vrrp_ha_snmp_notif q[64];
	uint8_t pkt[48] = {0x3c, 51, 1, 2, 0, 0, 0, 0, VRRP_HA_EXT_K_AUTH, 1, 0, 32};
	struct in6_addr src;
	size_t k, n = 0;

	/* b runs with auth off: a protected message is counted
	 * auth_not_configured by the auth handle (group "auth") */
	inet_pton(AF_INET6, "fe80::99", &src);
	pkt[44] = 1; /* an inner CAPS section header after the AUTH record */
	pkt[45] = 1;
	pkt[47] = 8;
	vrrp_ha_snmp_take(m, q, 64);
	vrrp_ha_snmp_poll(m, &clk);
	for (int i = 0; i < 3; i++)
		vrrp_ha_rx(b->h, pkt, sizeof(pkt), 255, &src);
	CHECK_EQ(vrrp_ha_counter(b->h, "auth_not_configured"), 3);
	nodes_advance(b, 1, 1000);
	vrrp_ha_snmp_poll(m, &clk);
	k = vrrp_ha_snmp_take(m, q, 64);
	for (size_t i = 0; i < k; i++)
		if (q[i].type == VRRP_HA_SNMP_N_AUTH_FAILURE) {
			n++;
			CHECK_EQ(q[i].rows, 3);
			CHECK(!strcmp(q[i].reason, "auth_not_configured"));
		}
	CHECK_EQ(n, 1);
	/* and the counter table shows the auth group */
	walk_all(m, &clk);
	CHECK(column_rows(2, 3) > 4);
}

/* Full recovery on a new master: lifetime recoveries queue up and drain at
 * its rate; one notification when the queue fills, one when it is empty. */
static void test_recovery(void)
{
	struct vrrp_ha_snmp_clock clk = {.real_ms = 1700000000000};
	struct vrrp_ha_snmp_instance bi = {.index = 7, .enabled = true};
	struct vrrp_ha_snmp *m = vrrp_ha_snmp_new(NULL);
	struct vrrp_ha_config bc;
	struct vrrp_ha_snmp_notif q[64];
	struct node n[2];
	size_t started = 0, finished = 0;
	uint64_t released = 0;

	vrrp_ha_config_defaults(&bc);
	bc.fr_rate = 10;
	bc.fr_burst = 10;
	inet_pton(AF_INET6, "2001:db8:1::100", &bc.vha); /* full recovery needs the VHA */
	nodes_pair(n, NULL, &bc, 3000);
	for (unsigned i = 0; i < 100; i++) {
		struct in6_addr hoa, coa;

		nodes_addr(&hoa, "2001:db8:aa::", i);
		nodes_addr(&coa, "2001:db8:cc::", i);
		/* due for recovery 60 s (the margin) before it runs out */
		vrrp_ha_bc_add(n[0].h, &hoa, &coa, 64, 1, 0xc000);
	}
	nodes_settle(n, 2, 3000);
	CHECK(!vrrp_ha_snmp_add(m, n[1].h, &bi));
	CHECK(vrrp_ha_get_fr(n[1].h) != NULL);
	vrrp_ha_set_state(n[1].h, VRRP_HA_ST_MASTER);
	if (vrrp_ha_get_fr(n[1].h))
		vrrp_ha_fr_set_active(vrrp_ha_get_fr(n[1].h), true);
	for (int sec = 0; sec < 40; sec++) {
		size_t k;

		test_loop_advance_ms(n[1].loop, 1000);
		for (int t = 0; t < 10; t++)
			test_loop_run_once(n[1].loop, 0);
		vrrp_ha_snmp_poll(m, &clk);
		k = vrrp_ha_snmp_take(m, q, 64);
		started += count_type(q, k, VRRP_HA_SNMP_N_FR_STARTED);
		finished += count_type(q, k, VRRP_HA_SNMP_N_FR_FINISHED);
		for (size_t i = 0; i < k; i++)
			if (q[i].type == VRRP_HA_SNMP_N_FR_FINISHED)
				released += q[i].rows;
	}
	CHECK_EQ(started, 1);
	CHECK_EQ(finished, 1);
	CHECK(released > 10);
	vrrp_ha_snmp_free(m);
	node_free(&n[0]);
	node_free(&n[1]);
}

int main(void)
{
	struct node n[2];
	struct vrrp_ha_snmp *m = vrrp_ha_snmp_new(NULL);
	struct vrrp_ha_snmp_instance ai = {.index = 1, .ifindex = 3, .enabled = true};
	struct vrrp_ha_snmp_instance bi = {.index = 2, .ifindex = 4, .enabled = true};
	uint8_t dt[11];

	CHECK(m);
	nodes_pair(n, NULL, NULL, 3000);
	CHECK(!vrrp_ha_snmp_add(m, n[0].h, &ai));
	CHECK(!vrrp_ha_snmp_add(m, n[1].h, &bi));
	CHECK(vrrp_ha_snmp_add(m, n[1].h, &ai)); /* index taken */
	CHECK_EQ(vrrp_ha_snmp_count(m), 2);

	/* 2023-11-14 22:13:20.0 UTC */
	CHECK_EQ(vrrp_ha_snmp_date_and_time(1700000000000, dt), 11);
	CHECK(dt[0] == 0x07 && dt[1] == 0xe7 && dt[2] == 11 && dt[3] == 14 && dt[4] == 22 &&
	      dt[5] == 13 && dt[6] == 20 && dt[8] == '+');

	CHECK(vrrp_ha_snmp_is_auth_failure("auth", "auth_bad_tag", false));
	CHECK(!vrrp_ha_snmp_is_auth_failure("auth", "auth_ok", false));
	CHECK(!vrrp_ha_snmp_is_auth_failure("auth", "tx_signed", false));
	CHECK(!vrrp_ha_snmp_is_auth_failure("auth", "auth_sealed", false));
	CHECK(!vrrp_ha_snmp_is_auth_failure("auth", "auth_opened", false));
	CHECK(vrrp_ha_snmp_is_auth_failure("auth", "auth_replay", false));
	CHECK(!vrrp_ha_snmp_is_auth_failure("auth", "auth_bad_tag", true));
	CHECK(!vrrp_ha_snmp_is_auth_failure("sync", "rx_bad_tag", false));

	test_tables(n, m);
	test_pmipv6(&n[1], m);
	test_notifications(n, m);
	test_auth(&n[1], m);
	test_recovery();

	vrrp_ha_snmp_free(m);
	node_free(&n[0]);
	node_free(&n[1]);
	free(walked);
	if (failures)
		fprintf(stderr, "test_snmp: %d failures\n", failures);
	return failures != 0;
}
