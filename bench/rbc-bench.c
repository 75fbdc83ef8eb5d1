/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rbc-bench - micro-benchmarks of the vrrp_ha library (no sockets, no
 * keepalived): what the backup spends per received record, what the master
 * spends per record it sends, and the table's memory per binding.
 *
 * usage: rbc-bench [-m] [-o] [N ...]      (default: 100000 1000000)
 *   -o  the tables keep the store's order tree (store_set_ordered), as
 *       they do while VRRP-HA-MIB is registered (an SNMP walk needs it)
 *   -m  memory only: insert N records, print bytes per binding, the
 *       worst single insert, and the cost of an ordered walk of the whole
 *       store with store_lookup_next() (mean and worst single call);
 *       per-call times are the minimum over 3 identical passes
 *
 * For each N, on one table (rbc_new(0, 30 s), as the daemon creates it):
 *   insert   rbc_apply of N new records                          ns/record
 *   refresh  rbc_apply of the same N again (same seq)            ns/record
 *   update   rbc_apply with seq+1 and a new CoA                  ns/record
 *   rx_path  decode header + 36 records per packet + rbc_apply
 *            + rbc_clear_dirty per packet (the backup's work per
 *            BC_UPDATE, into a fresh table)                      ns/record
 *   walk_tx  rbc_walk + vrrp_ha_encode_update, 36 a packet (the
 *            master's whole-table answer)                        ns/record
 *   dirty_tx rbc_set_local of N + rbc_take_dirty + encode (the
 *            master's incremental path)                          ns/record
 *   memory   rbc_memory() / rbc_count()                          bytes/binding
 * and, on the table of the first three (N bindings), the full-sync and
 * anti-entropy calls (rbc.h, digests and marks):
 *   mark     rbc_mark_begin(all) + rbc_mark of 99% of the bindings ns/record
 *   sweep    rbc_sweep of the whole table: the 1% unmarked go    ms
 *   sweep_sl the same by rbc_sweep_step, 4096 slab entries a
 *            step; and its longest step                          ms; us
 *   group    rbc_digest_group of all 64 groups, per call;
 *   bucket   rbc_digest_bucket of all 4096 buckets, per call     ns
 * The digests are kept by every change, so insert .. dirty_tx include
 * their upkeep (compare with a build before them).
 * Times are the best of REPEAT runs on CLOCK_MONOTONIC.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vrrp_ha/codec.h"
#include "vrrp_ha/rbc.h"
#include "vrrp_ha/store.h"

#define REPEAT 3
#define RECS   36 /* records per packet at MTU 1500 */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void mk_binding(struct vrrp_ha_binding *b, uint32_t i, uint16_t seq, uint32_t coa_salt)
{
	static const uint8_t hoa_pfx[8] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0xaa, 0, 0};
	static const uint8_t coa_pfx[8] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0xcc, 0, 0};
	uint32_t v = htonl(i), c = htonl(i ^ coa_salt);

	memset(b, 0, sizeof(*b));
	/* HoA 2001:db8:aa::1000:0:<i>, CoA 2001:db8:cc::2000:0:<i ^ salt> */
	memcpy(b->hoa.s6_addr, hoa_pfx, 8);
	b->hoa.s6_addr[8] = 0x10;
	memcpy(b->hoa.s6_addr + 12, &v, 4);
	memcpy(b->coa.s6_addr, coa_pfx, 8);
	memcpy(b->coa.s6_addr + 12, &c, 4);
	b->coa.s6_addr[8] = 0x20;
	b->lifetime = 900; /* 3600 s */
	b->seq = seq;
	b->flags = 0xc000; /* A H */
}

static double best(double a, double b)
{
	return a == 0 || b < a ? b : a;
}

struct res {
	double insert, refresh, update, rx_path, walk_tx, dirty_tx;
	double bytes_per, bytes_per_hint;
	double mark, sweep_ms, sweep_sl_ms, sweep_step_us, group, bucket;
	size_t count;
};

/* Mark every binding of b but those with i % 100 == drop, sweep the rest
 * (at once, or in steps of `step` slab entries). Returns: -1 if the wrong
 * number went, else 0; times into out. */
static int mark_sweep(struct vrrp_ha_rbc *t, const struct vrrp_ha_binding *b, size_t n, size_t drop,
                      size_t step, uint64_t now, struct res *out)
{
	size_t i, gone = 0, live = rbc_count(t), want = 0;
	uint64_t t0, cur = 0, worst = 0;

	t0 = now_ns();
	if (!rbc_mark_begin(t, NULL))
		return -1;
	for (i = 0; i < n; i++)
		if (i % 100 != drop)
			rbc_mark(t, &b[i].hoa, now);
		else
			want += rbc_lookup(t, &b[i].hoa, now, NULL);
	if (!step)
		out->mark = best(out->mark, (double)(now_ns() - t0) / n);
	t0 = now_ns();
	if (!step) {
		gone = rbc_sweep(t, NULL, now, NULL, NULL);
		out->sweep_ms = best(out->sweep_ms, (now_ns() - t0) / 1e6);
	} else {
		do {
			uint64_t s0 = now_ns(), d;

			gone += rbc_sweep_step(t, NULL, &cur, step, now, NULL, NULL);
			d = now_ns() - s0;
			worst = d > worst ? d : worst;
		} while (cur != 0);
		out->sweep_sl_ms = best(out->sweep_sl_ms, (now_ns() - t0) / 1e6);
		out->sweep_step_us = best(out->sweep_step_us, worst / 1e3);
	}
	return gone == want && rbc_count(t) == live - want ? 0 : -1;
}

/* The anti-entropy reads: every group's digest, every bucket's. */
static void digest_reads(const struct vrrp_ha_rbc *t, struct res *out)
{
	volatile uint64_t sink = 0;
	uint64_t t0, sum;
	uint32_t n;

	t0 = now_ns();
	for (int rep = 0; rep < 1000; rep++)
		for (uint32_t g = 0; g < STORE_DIGEST_BUCKETS / STORE_DIGEST_GROUP; g++) {
			rbc_digest_group(t, g, &n, &sum);
			sink += sum + n;
		}
	out->group = best(out->group, (double)(now_ns() - t0) / (1000.0 * 64));
	t0 = now_ns();
	for (int rep = 0; rep < 100; rep++)
		for (uint32_t b = 0; b < STORE_DIGEST_BUCKETS; b++) {
			rbc_digest_bucket(t, b, &n, &sum);
			sink += sum + n;
		}
	out->bucket = best(out->bucket, (double)(now_ns() - t0) / (100.0 * STORE_DIGEST_BUCKETS));
	(void)sink;
}

/* -o: every table keeps its order tree from creation */
static bool ordered;

static struct vrrp_ha_rbc *table_new(void)
{
	struct vrrp_ha_rbc *t = rbc_new(0, 30000);

	if (t && ordered)
		store_set_ordered(rbc_store(t), true);
	return t;
}

static int run(size_t n, struct res *out)
{
	struct vrrp_ha_binding *b = malloc(n * sizeof(*b));
	uint8_t pkt[8 + RECS * 40];
	struct vrrp_ha_binding recs[RECS];
	uint64_t now = 1000000, t0;
	size_t i;
	volatile size_t sink = 0;

	if (!b)
		return -1;
	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++)
		mk_binding(&b[i], (uint32_t)i + 1, 1, 0);

	for (int rep = 0; rep < REPEAT; rep++) {
		struct vrrp_ha_rbc *t = table_new();

		if (!t)
			return -1;
		t0 = now_ns();
		for (i = 0; i < n; i++) {
			rbc_apply(t, &b[i], now);
			if (i % RECS == RECS - 1)
				rbc_clear_dirty(t);
		}
		out->insert = best(out->insert, (double)(now_ns() - t0) / n);
		rbc_clear_dirty(t);
		out->count = rbc_count(t);
		out->bytes_per = (double)rbc_memory(t) / rbc_count(t);

		t0 = now_ns();
		for (i = 0; i < n; i++) {
			rbc_apply(t, &b[i], now);
			if (i % RECS == RECS - 1)
				rbc_clear_dirty(t);
		}
		out->refresh = best(out->refresh, (double)(now_ns() - t0) / n);
		rbc_clear_dirty(t);

		for (i = 0; i < n; i++)
			mk_binding(&b[i], (uint32_t)i + 1, 2, 0x5a5a);
		t0 = now_ns();
		for (i = 0; i < n; i++) {
			rbc_apply(t, &b[i], now);
			if (i % RECS == RECS - 1)
				rbc_clear_dirty(t);
		}
		out->update = best(out->update, (double)(now_ns() - t0) / n);
		rbc_clear_dirty(t);
		for (i = 0; i < n; i++)
			mk_binding(&b[i], (uint32_t)i + 1, 1, 0);

		/* the master's whole-table answer */
		{
			uint64_t cur = 0;
			size_t k, tot = 0;

			t0 = now_ns();
			while ((k = rbc_walk(t, &cur, recs, RECS, now))) {
				sink += vrrp_ha_encode_update(pkt, sizeof(pkt), 51, recs,
				                              (unsigned)k);
				tot += k;
			}
			out->walk_tx =
			        best(out->walk_tx, (double)(now_ns() - t0) / (tot ? tot : 1));
		}
		/* full sync's end and anti-entropy on the same table */
		digest_reads(t, out);
		if (mark_sweep(t, b, n, 0, 0, now, out) || mark_sweep(t, b, n, 1, 4096, now, out)) {
			fprintf(stderr, "mark/sweep: wrong bindings swept\n");
			return -1;
		}
		rbc_free(t);

		/* the backup's receive path, packet by packet, fresh table */
		{
			struct vrrp_ha_rbc *r = table_new();
			uint8_t *wire;
			size_t npkt = (n + RECS - 1) / RECS, p, plen = 8 + RECS * 40;

			wire = malloc(npkt * plen);
			if (!r || !wire)
				return -1;
			for (p = 0; p < npkt; p++) {
				size_t k = n - p * RECS < RECS ? n - p * RECS : RECS;

				vrrp_ha_encode_update(wire + p * plen, plen, 51, &b[p * RECS],
				                      (unsigned)k);
			}
			t0 = now_ns();
			for (p = 0; p < npkt; p++) {
				const uint8_t *pk = wire + p * plen;
				size_t k = n - p * RECS < RECS ? n - p * RECS : RECS,
				       len = 8 + k * 40;
				struct vrrp_ha_hdr hd;

				if (vrrp_ha_decode_hdr(pk, len, &hd) != VRRP_HA_OK)
					return -1;
				for (unsigned j = 0; j < hd.count; j++) {
					struct vrrp_ha_binding rec;

					if (vrrp_ha_decode_record(pk, len, j, &rec) == VRRP_HA_OK)
						rbc_apply(r, &rec, now);
				}
				rbc_clear_dirty(r);
			}
			out->rx_path = best(out->rx_path, (double)(now_ns() - t0) / n);
			if (rbc_count(r) != n) {
				fprintf(stderr, "rx_path: %zu of %zu applied\n", rbc_count(r), n);
				return -1;
			}
			free(wire);
			rbc_free(r);
		}

		/* the master's incremental path: local set, dirty queue, encode */
		{
			struct vrrp_ha_rbc *m = table_new();
			size_t k;

			if (!m)
				return -1;
			t0 = now_ns();
			for (i = 0; i < n; i++)
				rbc_set_local(m, &b[i].hoa, &b[i].coa, 3600, 1, 0xc000, now);
			while ((k = rbc_take_dirty(m, recs, RECS, now)))
				sink += vrrp_ha_encode_update(pkt, sizeof(pkt), 51, recs,
				                              (unsigned)k);
			out->dirty_tx = best(out->dirty_tx, (double)(now_ns() - t0) / n);
			rbc_free(m);
		}
		/* memory with a size hint (what a preset table would cost) */
		{
			struct vrrp_ha_rbc *h = rbc_new(n, 30000);

			for (i = 0; h && i < n; i++)
				rbc_apply(h, &b[i], now);
			if (h) {
				out->bytes_per_hint = (double)rbc_memory(h) / rbc_count(h);
				rbc_free(h);
			}
		}
	}
	(void)sink;
	free(b);
	return 0;
}

/* Per-call latencies are the minimum over PASSES identical passes, so a
 * preemption of this process (2 cores, other work) does not count. */
#define PASSES 3

static void keep_min(uint32_t *lat, size_t i, uint64_t d, int pass)
{
	if (d > UINT32_MAX)
		d = UINT32_MAX;
	if (pass == 0 || d < lat[i])
		lat[i] = (uint32_t)d;
}

static uint64_t max_of(const uint32_t *lat, size_t n, size_t *at)
{
	uint64_t w = 0;

	for (size_t i = 0; i < n; i++)
		if (lat[i] > w) {
			w = lat[i];
			*at = i;
		}
	return w;
}

/* An ordered walk of the whole store by store_lookup_next(), as an SNMP
 * table walk does: each call is given the previous key.
 * Returns: the sum of the call times (ns), or 0 if the walk was short. */
static uint64_t ordered_walk(struct vrrp_ha_rbc *t, size_t n, uint32_t *lat, int pass)
{
	struct vrrp_ha_store *s = rbc_store(t);
	struct vrrp_ha_record r;
	struct vrrp_ha_key prev;
	uint8_t kb[VRRP_HA_KEY_MAX];
	uint64_t total = 0;
	size_t i;

	for (i = 0; i <= n; i++) {
		uint64_t t0 = now_ns(), d;
		bool got = store_lookup_next(s, i ? &prev : NULL, 1000000, &r);

		d = now_ns() - t0;
		total += d;
		keep_min(lat, i, d, pass);
		if (!got)
			break;
		memcpy(kb, r.key.bytes, r.key.len);
		prev = r.key;
		prev.bytes = kb;
	}
	return i == n ? total : 0;
}

/* Memory per binding; the longest single rbc_apply while the table grows
 * from empty (slab, heap and index all grow in steps) with where it
 * happened: the daemon's event loop stalls that long; then the ordered
 * walk's cost per call and its longest call. */
static int memory_only(size_t n)
{
	uint32_t *lat = malloc((n + 1) * sizeof(*lat)), *nlat = malloc((n + 1) * sizeof(*nlat));
	uint64_t worst, nworst, walk_ns = 0, build_ns = 0;
	size_t worst_at = 0, nat = 0, mem = 0, count = 0;

	if (!lat || !nlat)
		return -1;
	for (int pass = 0; pass < PASSES; pass++) {
		struct vrrp_ha_rbc *t = rbc_new(0, 30000);
		struct vrrp_ha_binding b;
		uint64_t w;

		if (!t)
			return -1;
		for (size_t i = 0; i < n; i++) {
			uint64_t t0;

			mk_binding(&b, (uint32_t)i + 1, 1, 0);
			t0 = now_ns();
			if (rbc_apply(t, &b, 1000000) != RBC_ADDED)
				return -1;
			keep_min(lat, i, now_ns() - t0, pass);
			if (i % RECS == RECS - 1)
				rbc_clear_dirty(t);
		}
		rbc_clear_dirty(t);
		mem = rbc_memory(t);
		count = rbc_count(t);
		/* the daemon's tables are unordered; a walked one turns the order
		 * tree on (at creation; here over the full table, timed) */
		{
			uint64_t t0 = now_ns(), d;

			store_set_ordered(rbc_store(t), true);
			d = now_ns() - t0;
			build_ns = pass == 0 || d < build_ns ? d : build_ns;
		}
		w = ordered_walk(t, n, nlat, pass);
		if (w == 0)
			return -1;
		walk_ns = pass == 0 || w < walk_ns ? w : walk_ns;
		rbc_free(t);
	}
	worst = max_of(lat, n, &worst_at);
	nworst = max_of(nlat, n + 1, &nat);
	printf("RESULT n=%zu count=%zu rbc_memory=%zu bytes_per_binding=%.1f "
	       "apply_max_us=%.0f apply_max_at=%zu lookup_next_ns=%.0f lookup_next_max_us=%.1f "
	       "order_build_ms=%.1f\n",
	       n, count, mem, (double)mem / count, worst / 1e3, worst_at + 1,
	       (double)walk_ns / (n + 1), nworst / 1e3, build_ns / 1e6);
	free(lat);
	free(nlat);
	return 0;
}

int main(int argc, char **argv)
{
	size_t ns[8] = {100000, 1000000};
	int nn = 2, first = 1;
	int mem = argc > 1 && !strcmp(argv[1], "-m");

	if (mem)
		first = 2;
	if (argc > first && !strcmp(argv[first], "-o")) {
		ordered = true;
		first++;
	}
	if (argc > first) {
		nn = 0;
		for (int i = first; i < argc && nn < 8; i++)
			ns[nn++] = strtoull(argv[i], NULL, 10);
	}
	if (mem) {
		for (int k = 0; k < nn; k++)
			if (memory_only(ns[k]) < 0)
				return 1;
		return 0;
	}
	printf("# rbc-bench: vrrp_ha library, single thread, best of %d; ns per record%s\n", REPEAT,
	       ordered ? "; ordered tables (-o)" : "");
	printf("%-9s %8s %8s %8s %8s %8s %8s %10s %10s %7s %8s %8s %7s %6s %6s\n", "N", "insert",
	       "refresh", "update", "rx_path", "walk_tx", "dirty_tx", "B/binding", "B/b(hint)",
	       "mark", "sweep_ms", "sweep_sl", "step_us", "group", "bucket");
	for (int k = 0; k < nn; k++) {
		struct res r;

		if (run(ns[k], &r) < 0) {
			fprintf(stderr, "rbc-bench: failed for N=%zu\n", ns[k]);
			return 1;
		}
		printf("%-9zu %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f %10.1f %10.1f %7.1f %8.1f %8.1f "
		       "%7.1f %6.1f %6.1f\n",
		       ns[k], r.insert, r.refresh, r.update, r.rx_path, r.walk_tx, r.dirty_tx,
		       r.bytes_per, r.bytes_per_hint, r.mark, r.sweep_ms, r.sweep_sl_ms,
		       r.sweep_step_us, r.group, r.bucket);
		/* machine-readable line for run_all.sh */
		printf("RESULT n=%zu insert_ns=%.1f refresh_ns=%.1f update_ns=%.1f rx_path_ns=%.1f "
		       "walk_tx_ns=%.1f dirty_tx_ns=%.1f bytes_per_binding=%.1f "
		       "bytes_per_binding_hint=%.1f mark_ns=%.1f sweep_ms=%.2f "
		       "sweep_sliced_ms=%.2f "
		       "sweep_step_max_us=%.1f group_read_ns=%.1f bucket_read_ns=%.1f\n",
		       ns[k], r.insert, r.refresh, r.update, r.rx_path, r.walk_tx, r.dirty_tx,
		       r.bytes_per, r.bytes_per_hint, r.mark, r.sweep_ms, r.sweep_sl_ms,
		       r.sweep_step_us, r.group, r.bucket);
	}
	return 0;
}
