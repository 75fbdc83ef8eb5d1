/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_ha.c - per-state behaviour of one MIPv6_HA_Mode virtual router
 * (draft-deng 4.2) without keepalived: two or three instances on test_loop
 * with manual clocks, packets carried between them by the test.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "nodes.h"
#include "test_loop.h"
#include "vrrp_ha/codec.h"
#include "vrrp_ha/ext.h"
#include "vrrp_ha/ha.h"
#include "vrrp_ha/rbc.h"

#include "check.h"

static void add_n(struct vrrp_ha *h, unsigned n, unsigned seq)
{
	struct in6_addr hoa, coa;

	for (unsigned i = 0; i < n; i++) {
		nodes_addr(&hoa, "2001:db8:aa::", i + 1);
		nodes_addr(&coa, "2001:db8:cc::", i + 1);
		vrrp_ha_bc_add(h, &hoa, &coa, 3600, (uint16_t)seq, 0xc000);
	}
}

/* Owner master replicates local changes, coalesced, to a backup RBC. */
static void test_owner_replicates(void)
{
	struct node n[2];
	struct rbc_view v;
	struct in6_addr hoa, coa;

	nodes_pair(n, NULL, NULL, 100);
	test_loop_clear_packets(n[0].loop);
	n[0].fed = 0;

	add_n(n[0].h, 100, 7);
	nodes_settle(n, 2, 100);
	CHECK_EQ(rbc_count(vrrp_ha_get_rbc(n[1].h)), 100);
	/* 100 records coalesce into ceil(100/36) = 3 packets */
	CHECK_EQ(vrrp_ha_counters(n[0].h)->tx_update, 3);
	nodes_addr(&hoa, "2001:db8:aa::", 5);
	CHECK(rbc_lookup(vrrp_ha_get_rbc(n[1].h), &hoa, vrrp_ha_now(n[1].h), &v));
	nodes_addr(&coa, "2001:db8:cc::", 5);
	CHECK(!memcmp(&v.coa, &coa, 16));
	CHECK_EQ(v.seq, 7);
	CHECK_EQ(v.flags, 0xc000);
	CHECK(v.lifetime_s >= 3596 && v.lifetime_s <= 3600);

	/* update with a newer seq and a new CoA */
	nodes_addr(&coa, "2001:db8:dd::", 5);
	vrrp_ha_bc_add(n[0].h, &hoa, &coa, 3600, 8, 0xc000);
	nodes_settle(n, 2, 50);
	CHECK(rbc_lookup(vrrp_ha_get_rbc(n[1].h), &hoa, vrrp_ha_now(n[1].h), &v));
	CHECK(!memcmp(&v.coa, &coa, 16));
	CHECK_EQ(v.seq, 8);

	/* delete propagates */
	CHECK_EQ(vrrp_ha_bc_del(n[0].h, &hoa), RBC_DELETED);
	nodes_settle(n, 2, 50);
	CHECK(!rbc_lookup(vrrp_ha_get_rbc(n[1].h), &hoa, vrrp_ha_now(n[1].h), NULL));
	CHECK_EQ(rbc_count(vrrp_ha_get_rbc(n[1].h)), 99);

	/* flush propagates */
	vrrp_ha_bc_flush(n[0].h);
	nodes_settle(n, 2, 50);
	CHECK_EQ(rbc_count(vrrp_ha_get_rbc(n[1].h)), 0);
	/* a backup never sends updates */
	CHECK_EQ(vrrp_ha_counters(n[1].h)->tx_update, 0);
	node_free(&n[0]);
	node_free(&n[1]);
}

/* A backup that starts asks (4.2.1) and gets the whole table, paced. */
static void test_request_full_table_paced(void)
{
	struct node n[2];
	struct vrrp_ha_config cfg;

	vrrp_ha_config_defaults(&cfg);
	cfg.burst_packets = 2;
	node_init(&n[0], "A", 255, &cfg);
	node_init(&n[1], "B", 100, NULL);
	vrrp_ha_set_state(n[0].h, VRRP_HA_ST_MASTER);
	add_n(n[0].h, 1000, 1);
	nodes_settle(n, 2, 100); /* nobody listening yet: the packets go nowhere */
	CHECK_EQ(rbc_count(vrrp_ha_get_rbc(n[1].h)), 0);

	vrrp_ha_set_state(n[1].h, VRRP_HA_ST_BACKUP); /* first settle: BC_REQUEST */
	CHECK_EQ(vrrp_ha_counters(n[1].h)->tx_request, 1);
	nodes_carry(n, 2);
	CHECK_EQ(vrrp_ha_counters(n[0].h)->rx_request, 1);
	/* 1000 bindings = 28 packets at 2 per tick: not all in the first tick */
	nodes_advance(n, 2, 0);
	nodes_carry(n, 2);
	CHECK(rbc_count(vrrp_ha_get_rbc(n[1].h)) > 0);
	CHECK(rbc_count(vrrp_ha_get_rbc(n[1].h)) < 1000);
	nodes_settle(n, 2, 200);
	CHECK_EQ(rbc_count(vrrp_ha_get_rbc(n[1].h)), 1000);
	/* the reply ends the request: no retry later */
	nodes_advance(n, 2, 5000);
	CHECK_EQ(vrrp_ha_counters(n[1].h)->tx_request, 1);
	node_free(&n[0]);
	node_free(&n[1]);
}

/* Unanswered requests are retried request_retries times, then given up. */
static void test_request_retries(void)
{
	struct node n;

	node_init(&n, "B", 100, NULL);
	vrrp_ha_set_state(n.h, VRRP_HA_ST_BACKUP);
	for (int i = 0; i < 20; i++)
		nodes_advance(&n, 1, 500);
	CHECK_EQ(vrrp_ha_counters(n.h)->tx_request, 4); /* 1 + 3 retries */
	node_free(&n);
}

/* Three nodes: the owner dies, the non-owner master keeps and serves the RBC,
 * the owner returns and gets its bindings back as restore events. */
static void test_owner_returns_restore(void)
{
	struct node n[3];
	struct vrrp_ha_config cfg;
	char dir[] = "/tmp/test_ha.XXXXXX";
	char script[256], fifo[300], out[300], cmd[1024];
	int ffd;
	FILE *f;
	char buf[65536];
	ssize_t got;
	size_t total = 0;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(script, sizeof(script), "%s/restore.sh", dir);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	f = fopen(script, "w");
	CHECK(f != NULL);
	/* args: INSTANCE RESTORE COUNT FILE */
	fprintf(f, "#!/bin/sh\necho \"$1 $2 $3\" >> %s/args\ncat \"$4\" >> %s\nrm -f \"$4\"\n", dir,
	        out);
	fclose(f);
	chmod(script, 0700);
	CHECK(mkfifo(fifo, 0600) == 0);
	ffd = open(fifo, O_RDONLY | O_NONBLOCK);
	CHECK(ffd >= 0);

	vrrp_ha_config_defaults(&cfg);
	cfg.notify_restore = script;
	cfg.notify_fifo = fifo;
	cfg.notify_dir = dir;
	node_init(&n[0], "A", 255, &cfg);
	node_init(&n[1], "B", 200, NULL);
	node_init(&n[2], "C", 100, NULL);
	vrrp_ha_set_state(n[0].h, VRRP_HA_ST_MASTER);
	vrrp_ha_set_state(n[1].h, VRRP_HA_ST_BACKUP);
	vrrp_ha_set_state(n[2].h, VRRP_HA_ST_BACKUP);
	add_n(n[0].h, 50, 3);
	nodes_settle(n, 3, 200);
	CHECK_EQ(rbc_count(vrrp_ha_get_rbc(n[1].h)), 50);
	CHECK_EQ(rbc_count(vrrp_ha_get_rbc(n[2].h)), 50);

	/* the owner crashes: B becomes master (not owner) and keeps the RBC */
	node_restart(&n[0], "A", 255, &cfg);
	vrrp_ha_set_state(n[1].h, VRRP_HA_ST_MASTER);
	CHECK(!vrrp_ha_is_owner(n[1].h));
	/* ...but the crashed owner is not on the wire: carry only B and C */
	nodes_settle(n + 1, 2, 200);
	CHECK_EQ(rbc_count(vrrp_ha_get_rbc(n[1].h)), 50);
	/* a non-owner master does not replicate its own daemon's changes */
	{
		uint64_t before = vrrp_ha_counters(n[1].h)->tx_records;
		struct in6_addr hoa, coa;

		nodes_addr(&hoa, "2001:db8:ee::", 1);
		nodes_addr(&coa, "2001:db8:cc::", 1);
		vrrp_ha_bc_add(n[1].h, &hoa, &coa, 100, 1, 0x4000);
		nodes_settle(n + 1, 2, 50);
		CHECK_EQ(vrrp_ha_counters(n[1].h)->tx_records, before);
		CHECK_EQ(rbc_count(vrrp_ha_get_rbc(n[2].h)), 50);
	}

	/* the owner comes back: INIT -> MASTER sends BC_REQUEST, B drops to
	 * BACKUP and answers within answer_grace_ms */
	test_loop_clear_packets(n[0].loop);
	n[0].fed = 0;
	vrrp_ha_set_state(n[0].h, VRRP_HA_ST_MASTER);
	vrrp_ha_set_state(n[1].h, VRRP_HA_ST_BACKUP);
	/* A heard B's last advert as it preempted: B is a router that can
	 * answer its (draft) request */
	{
		struct in6_addr b_ll;

		inet_pton(AF_INET6, "fe80::2", &b_ll);
		vrrp_ha_advert(n[0].h, &b_ll, 200, false);
	}
	nodes_settle(n, 3, 300);
	if (getenv("DBG")) {
		char j[4096];
		for (int k = 0; k < 3; k++) {
			vrrp_ha_counters_json(n[k].h, j, sizeof(j));
			fprintf(stderr, "%d: %s\n", k, j);
		}
	}
	CHECK_EQ(rbc_count(vrrp_ha_get_bc(n[0].h)), 50);
	CHECK_EQ(vrrp_ha_counters(n[0].h)->restored, 50);
	CHECK_EQ(vrrp_ha_counter(n[0].h, "fifo_lines"), 50);
	nodes_advance(n, 3, 200); /* batch flush after RESTORE_BATCH_MS */
	CHECK_EQ(vrrp_ha_counter(n[0].h, "notify_runs"), 1);
	test_loop_wait_scripts(n[0].loop);
	got = read(ffd, buf, sizeof(buf) - 1);
	CHECK(got > 0);
	if (got > 0) {
		buf[got] = 0;
		CHECK(strstr(buf, "MIPV6_HA \"A\" RESTORE 2001:db8:aa::1 2001:db8:cc::1 ") != NULL);
		for (char *p = buf; (p = strchr(p, '\n')); p++)
			total++;
		CHECK_EQ(total, 50);
	}
	f = fopen(out, "r");
	CHECK(f != NULL);
	if (f) {
		total = 0;
		while (fgets(buf, sizeof(buf), f))
			total++;
		fclose(f);
		CHECK_EQ(total, 50);
	}
	close(ffd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	for (int i = 0; i < 3; i++)
		node_free(&n[i]);
}

static size_t build_update(uint8_t *buf, size_t cap, uint8_t vrid, unsigned n, unsigned first)
{
	struct vrrp_ha_binding b[8];

	memset(b, 0, sizeof(b));
	for (unsigned i = 0; i < n; i++) {
		nodes_addr(&b[i].hoa, "2001:db8:aa::", first + i);
		nodes_addr(&b[i].coa, "2001:db8:cc::", first + i);
		b[i].lifetime = 100;
		b[i].seq = 1;
		b[i].flags = 0x4000;
	}
	return vrrp_ha_encode_update(buf, cap, vrid, b, n);
}

/* Validation order and per-record skipping. */
static void test_validation(void)
{
	struct in6_addr peer;
	struct node n;
	uint8_t pkt[512];
	size_t len;
	const struct vrrp_ha_counters *c;
	struct vrrp_ha_config cfg;

	node_init(&n, "B", 100, NULL);
	inet_pton(AF_INET6, "fe80::9", &peer);
	vrrp_ha_set_state(n.h, VRRP_HA_ST_BACKUP);
	vrrp_ha_advert(n.h, &peer, 200, true);
	c = vrrp_ha_counters(n.h);

	len = build_update(pkt, sizeof(pkt), 51, 3, 1);
	/* hop limit is checked before length */
	CHECK_EQ(vrrp_ha_rx(n.h, pkt, len - 1, 64, &peer), VRRP_HA_R_BAD_HOPLIMIT);
	/* version before hop limit */
	pkt[0] = (2 << 4) | VRRP_HA_TYPE_BC_UPDATE;
	CHECK_EQ(vrrp_ha_rx(n.h, pkt, len, 64, &peer), VRRP_HA_R_BAD_VERSION);
	pkt[0] = (3 << 4) | VRRP_HA_TYPE_BC_UPDATE;
	/* VRID before length */
	pkt[1] = 52;
	CHECK_EQ(vrrp_ha_rx(n.h, pkt, len - 1, 255, &peer), VRRP_HA_R_VRID_MISMATCH);
	pkt[1] = 51;
	CHECK_EQ(vrrp_ha_rx(n.h, pkt, len - 1, 255, &peer), VRRP_HA_R_BAD_LENGTH);
	CHECK_EQ(vrrp_ha_rx(n.h, pkt, 4, 255, &peer), VRRP_HA_R_TOO_SHORT);
	pkt[0] = (3 << 4) | 1;
	CHECK_EQ(vrrp_ha_rx(n.h, pkt, len, 255, &peer), VRRP_HA_R_BAD_TYPE);
	pkt[0] = (3 << 4) | VRRP_HA_TYPE_BC_UPDATE;
	CHECK_EQ(rbc_count(vrrp_ha_get_rbc(n.h)), 0);

	/* record 2 of 3 has a multicast HoA: skipped, the others stored */
	pkt[VRRP_HA_HDR_LEN + VRRP_HA_REC_LEN + 8] = 0xff;
	CHECK_EQ(vrrp_ha_rx(n.h, pkt, len, 255, &peer), VRRP_HA_OK);
	CHECK_EQ(rbc_count(vrrp_ha_get_rbc(n.h)), 2);
	CHECK_EQ(c->rx_reason[VRRP_HA_R_REC_BAD_HOA], 1);
	CHECK_EQ(c->rx_reason[VRRP_HA_R_BAD_HOPLIMIT], 1);
	CHECK_EQ(c->rx_reason[VRRP_HA_R_BAD_VERSION], 1);
	CHECK_EQ(c->rx_reason[VRRP_HA_R_VRID_MISMATCH], 1);
	CHECK_EQ(c->rx_reason[VRRP_HA_R_BAD_LENGTH], 1);
	CHECK_EQ(c->rx_reason[VRRP_HA_R_TOO_SHORT], 1);
	CHECK_EQ(c->rx_reason[VRRP_HA_R_BAD_TYPE], 1);
	CHECK_EQ(c->rx_reason[VRRP_HA_OK], 1);
	/* who is heard: a link-local source, and only the master followed */
	{
		struct in6_addr global, other;

		inet_pton(AF_INET6, "2001:db8::9", &global);
		inet_pton(AF_INET6, "fe80::66", &other);
		CHECK_EQ(vrrp_ha_rx(n.h, pkt, len, 255, &global), VRRP_HA_R_BAD_SOURCE);
		CHECK_EQ(vrrp_ha_rx(n.h, pkt, len, 255, NULL), VRRP_HA_R_BAD_SOURCE);
		vrrp_ha_rx(n.h, pkt, len, 255, &other);
		CHECK_EQ(c->rx_reason[VRRP_HA_R_NOT_MASTER], 1);
		CHECK_EQ(c->rx_reason[VRRP_HA_R_BAD_SOURCE], 2);
		CHECK_EQ(rbc_count(vrrp_ha_get_rbc(n.h)), 2);
	}
	/* many drops of one reason are logged once per interval */
	for (int i = 0; i < 1000; i++)
		vrrp_ha_rx(n.h, pkt, 3, 255, &peer);
	CHECK_EQ(c->rx_reason[VRRP_HA_R_TOO_SHORT], 1001);
	CHECK(test_loop_log_count(n.loop, "too_short") <= 2);
	node_free(&n);

	/* mipv6_ha configured but disabled */
	vrrp_ha_config_defaults(&cfg);
	node_init(&n, "D", 100, &cfg);
	{
		struct vrrp_ha_config off;

		vrrp_ha_config_defaults(&off);
		off.enabled = false;
		vrrp_ha_reconfigure(n.h, &off, n.loop, 51, 100);
	}
	vrrp_ha_set_state(n.h, VRRP_HA_ST_BACKUP);
	len = build_update(pkt, sizeof(pkt), 51, 1, 1);
	CHECK_EQ(vrrp_ha_rx(n.h, pkt, len, 255, &peer), VRRP_HA_R_NOT_ENABLED);
	node_free(&n);
}

/* State rules for requests and updates outside the normal roles. */
static void test_state_rules(void)
{
	struct in6_addr peer;

	struct node n;
	uint8_t pkt[64];
	size_t len;
	const struct vrrp_ha_counters *c;

	node_init(&n, "B", 100, NULL);
	inet_pton(AF_INET6, "fe80::9", &peer);
	c = vrrp_ha_counters(n.h);
	vrrp_ha_set_state(n.h, VRRP_HA_ST_BACKUP);
	len = vrrp_ha_encode_request(pkt, sizeof(pkt), 51);
	vrrp_ha_rx(n.h, pkt, len, 255, &peer);
	CHECK_EQ(c->rx_request_ignored, 1);
	CHECK_EQ(c->full_syncs, 0);

	/* a non-owner master ignores updates (another master's garbage) */
	vrrp_ha_set_state(n.h, VRRP_HA_ST_MASTER);
	len = build_update(pkt, sizeof(pkt), 51, 1, 1);
	vrrp_ha_rx(n.h, pkt, len, 255, &peer);
	CHECK_EQ(c->rx_update_ignored, 1);
	CHECK_EQ(rbc_count(vrrp_ha_get_rbc(n.h)), 0);

	/* a former master answers requests during answer_grace_ms only */
	vrrp_ha_set_state(n.h, VRRP_HA_ST_BACKUP);
	len = vrrp_ha_encode_request(pkt, sizeof(pkt), 51);
	vrrp_ha_rx(n.h, pkt, len, 255, &peer);
	CHECK_EQ(c->rx_request, 1);
	nodes_advance(&n, 1, 5000);
	vrrp_ha_rx(n.h, pkt, len, 255, &peer);
	CHECK_EQ(c->rx_request_ignored, 2);
	node_free(&n);
}

/* The kernel refusing a packet for now (ENOBUFS) loses nothing. */
static void test_send_retry(void)
{
	struct node n[2];

	nodes_pair(n, NULL, NULL, 100);
	test_loop_fail_send(n[0].loop, ENOBUFS, 5);
	add_n(n[0].h, 200, 1);
	nodes_settle(n, 2, 300);
	CHECK_EQ(rbc_count(vrrp_ha_get_rbc(n[1].h)), 200);
	CHECK(vrrp_ha_counters(n[0].h)->tx_retries >= 5);
	CHECK_EQ(vrrp_ha_counters(n[0].h)->tx_errors, 0);
	node_free(&n[0]);
	node_free(&n[1]);
}

/* Lifetimes count down on the backup too, and entries expire. */
static void test_expiry(void)
{
	struct node n[2];
	struct in6_addr hoa, coa;
	struct rbc_view v;

	nodes_pair(n, NULL, NULL, 100);
	nodes_addr(&hoa, "2001:db8:aa::", 1);
	nodes_addr(&coa, "2001:db8:cc::", 1);
	vrrp_ha_bc_add(n[0].h, &hoa, &coa, 20, 1, 0x4000);
	nodes_settle(n, 2, 50);
	CHECK(rbc_lookup(vrrp_ha_get_rbc(n[1].h), &hoa, vrrp_ha_now(n[1].h), &v));
	CHECK(v.lifetime_s <= 20 && v.lifetime_s >= 19);
	nodes_advance(n, 2, 10000);
	CHECK(rbc_lookup(vrrp_ha_get_rbc(n[1].h), &hoa, vrrp_ha_now(n[1].h), &v));
	CHECK(v.lifetime_s <= 10);
	for (int i = 0; i < 15; i++)
		nodes_advance(n, 2, 1000);
	CHECK_EQ(rbc_count(vrrp_ha_get_rbc(n[1].h)), 0);
	CHECK(vrrp_ha_counters(n[1].h)->expired >= 1);
	node_free(&n[0]);
	node_free(&n[1]);
}

/* A backup that lost an update is repaired by the periodic refresh. */
static void test_refresh_repairs(void)
{
	struct node n[2];
	struct vrrp_ha_config cfg;
	struct in6_addr hoa;

	vrrp_ha_config_defaults(&cfg);
	cfg.refresh_s = 10;
	node_init(&n[0], "A", 255, &cfg);
	node_init(&n[1], "B", 100, NULL);
	vrrp_ha_set_state(n[0].h, VRRP_HA_ST_MASTER);
	vrrp_ha_set_state(n[1].h, VRRP_HA_ST_BACKUP);
	nodes_settle(n, 2, 100);
	add_n(n[0].h, 20, 1);
	nodes_settle(n, 2, 100);
	CHECK_EQ(rbc_count(vrrp_ha_get_rbc(n[1].h)), 20);
	/* as if one BC_UPDATE record had been lost on the link */
	nodes_addr(&hoa, "2001:db8:aa::", 3);
	rbc_delete_local(vrrp_ha_get_rbc(n[1].h), &hoa, vrrp_ha_now(n[1].h));
	rbc_clear_dirty(vrrp_ha_get_rbc(n[1].h));
	/* tombstones would reject the same seq: let it be forgotten */
	for (int i = 0; i < 40; i++) {
		nodes_advance(n, 2, 1000);
		nodes_carry(n, 2);
	}
	nodes_settle(n, 2, 100);
	CHECK_EQ(rbc_count(vrrp_ha_get_rbc(n[1].h)), 20);
	CHECK(vrrp_ha_counters(n[0].h)->refreshes >= 1);
	node_free(&n[0]);
	node_free(&n[1]);
}

/* A restore larger than the pipe waits in memory for a slow reader:
 * nothing is dropped. */
static void test_fifo_slow_reader(void)
{
	struct node n[2];
	struct vrrp_ha_config cfg;
	char dir[] = "/tmp/test_ha_fifo.XXXXXX", fifo[300], buf[65536];
	int ffd;
	size_t lines = 0;
	const unsigned nb = 30000;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	CHECK(mkfifo(fifo, 0600) == 0);
	ffd = open(fifo, O_RDONLY | O_NONBLOCK);
	CHECK(ffd >= 0);
	vrrp_ha_config_defaults(&cfg);
	cfg.notify_fifo = fifo;
	node_init(&n[0], "A", 255, &cfg); /* owner, comes back as BACKUP */
	node_init(&n[1], "B", 100, NULL); /* non-owner master holding the RBC */
	vrrp_ha_set_state(n[1].h, VRRP_HA_ST_MASTER);
	for (unsigned i = 0; i < nb; i++) {
		struct in6_addr hoa, coa;

		nodes_addr(&hoa, "2001:db8:aa::", i + 1);
		nodes_addr(&coa, "2001:db8:cc::", i + 1);
		rbc_set_local(vrrp_ha_get_rbc(n[1].h), &hoa, &coa, 3600, 1, 0xc000,
		              vrrp_ha_now(n[1].h));
	}
	rbc_clear_dirty(vrrp_ha_get_rbc(n[1].h));
	vrrp_ha_set_state(n[0].h, VRRP_HA_ST_BACKUP); /* asks; B answers */
	nodes_settle(n, 2, 3000);
	CHECK_EQ(vrrp_ha_counters(n[0].h)->restored, nb);
	CHECK_EQ(vrrp_ha_counter(n[0].h, "fifo_drops"), 0);
	/* now read: the rest must follow as the pipe drains */
	for (int spins = 0; spins < 100000 && lines < nb; spins++) {
		ssize_t got = read(ffd, buf, sizeof(buf));

		for (ssize_t k = 0; k < got; k++)
			lines += buf[k] == '\n';
		test_loop_run_once(n[0].loop, 0);
	}
	CHECK_EQ(lines, nb);
	CHECK_EQ(vrrp_ha_counter(n[0].h, "fifo_lines"), nb);
	close(ffd);
	unlink(fifo);
	rmdir(dir);
	node_free(&n[0]);
	node_free(&n[1]);
}

/* Every packet a node sent is pure draft-deng 4.3: type 14 (8 bytes, every
 * UNUSED octet 0) or 15 (8 + 40 N, UNUSED and each record's Reserved 0).
 * Returns: the number of packets that were not. */
static unsigned not_draft(struct node *n, unsigned *ext)
{
	size_t np;
	const struct test_loop_pkt *p = test_loop_packets(n->loop, &np);
	unsigned bad = 0;

	*ext = 0;
	for (size_t i = 0; i < np; i++) {
		const uint8_t *d = p[i].data;
		size_t len = p[i].len;

		if (len >= 8 && (d[0] & 0x0f) == VRRP_HA_TYPE_EXT) {
			(*ext)++;
			continue;
		}
		if (len < 8 || d[0] >> 4 != 3 || d[1] != 51 || d[4] || d[5]) {
			bad++;
			continue;
		}
		if ((d[0] & 0x0f) == VRRP_HA_TYPE_BC_REQUEST) {
			bad += len != 8 || d[2] || d[3];
			continue;
		}
		if ((d[0] & 0x0f) != VRRP_HA_TYPE_BC_UPDATE || d[2] || !d[3] ||
		    len != 8 + 40u * d[3]) {
			bad++;
			continue;
		}
		for (unsigned r = 0; r < d[3]; r++)
			if (d[8 + 40 * r + 6] || d[8 + 40 * r + 7])
				bad++;
	}
	return bad;
}

/* A mobile node deregisters, then registers again with a lower sequence
 * number (RFC 6275 allows it after a delete). mode_a/mode_b: extension
 * modes of the owner and the backup. Returns: whether the backup took the
 * re-registration. */
static bool reregistration_reaches_backup(enum vrrp_ha_ext_mode mode_a,
                                          enum vrrp_ha_ext_mode mode_b, unsigned *ext_sent)
{
	struct node n[2];
	struct vrrp_ha_config c;
	struct in6_addr hoa, coa;
	struct rbc_view v;
	unsigned ext_b, bad;
	bool ok;

	vrrp_ha_config_defaults(&c);
	c.extensions = mode_a;
	node_init(&n[0], "A", 255, &c);
	c.extensions = mode_b;
	node_init(&n[1], "B", 100, &c);
	test_loop_keep_packets(n[0].loop, 100000);
	test_loop_keep_packets(n[1].loop, 100000);
	vrrp_ha_set_state(n[0].h, VRRP_HA_ST_MASTER);
	vrrp_ha_set_state(n[1].h, VRRP_HA_ST_BACKUP);
	nodes_settle(n, 2, 3000);
	nodes_addr(&hoa, "2001:db8:aa::", 1);
	nodes_addr(&coa, "2001:db8:cc::", 1);
	vrrp_ha_bc_add(n[0].h, &hoa, &coa, 3600, 500, 0xc000);
	nodes_settle(n, 2, 200);
	CHECK(rbc_lookup(vrrp_ha_get_rbc(n[1].h), &hoa, vrrp_ha_now(n[1].h), NULL));
	vrrp_ha_bc_del(n[0].h, &hoa);
	nodes_settle(n, 2, 200);
	CHECK(!rbc_lookup(vrrp_ha_get_rbc(n[1].h), &hoa, vrrp_ha_now(n[1].h), NULL));
	nodes_addr(&coa, "2001:db8:cc::", 2);
	vrrp_ha_bc_add(n[0].h, &hoa, &coa, 3600, 3, 0xc000); /* lower seq */
	nodes_settle(n, 2, 200);
	ok = rbc_lookup(vrrp_ha_get_rbc(n[1].h), &hoa, vrrp_ha_now(n[1].h), &v) && v.seq == 3 &&
	     !memcmp(&v.coa, &coa, 16);
	/* whatever the modes, the draft packets stay draft-exact */
	bad = not_draft(&n[0], ext_sent) + not_draft(&n[1], &ext_b);
	CHECK_EQ(bad, 0);
	*ext_sent += ext_b;
	node_free(&n[0]);
	node_free(&n[1]);
	return ok;
}

/* Extensions (docs/protocol.md): the NEW marker lives in a type-12
 * message; with extensions off the wire is pure draft-deng. */
static void test_extensions(void)
{
	unsigned ext;

	/* auto on both: CAPS learned, the NEW record repairs the tombstone */
	CHECK(reregistration_reaches_backup(VRRP_HA_EXT_AUTO, VRRP_HA_EXT_AUTO, &ext));
	CHECK(ext > 0);
	CHECK(reregistration_reaches_backup(VRRP_HA_EXT_ON, VRRP_HA_EXT_AUTO, &ext));
	/* off on both: not a single type-12 packet, and the backup keeps
	 * refusing the lower seq (the draft has no way to say "new") */
	CHECK(!reregistration_reaches_backup(VRRP_HA_EXT_OFF, VRRP_HA_EXT_OFF, &ext));
	CHECK_EQ(ext, 0);
	/* auto against off: the auto node only ever solicits (CAPS), sends
	 * no extension records, and the two interoperate as draft-deng */
	{
		struct node n[2];
		struct vrrp_ha_config c;
		unsigned e0, e1;
		size_t np;

		vrrp_ha_config_defaults(&c);
		node_init(&n[0], "A", 255, &c);
		c.extensions = VRRP_HA_EXT_OFF;
		node_init(&n[1], "B", 100, &c);
		test_loop_keep_packets(n[0].loop, 100000);
		test_loop_keep_packets(n[1].loop, 100000);
		vrrp_ha_set_state(n[0].h, VRRP_HA_ST_MASTER);
		vrrp_ha_set_state(n[1].h, VRRP_HA_ST_BACKUP);
		nodes_settle(n, 2, 3000);
		add_n(n[0].h, 100, 7);
		nodes_settle(n, 2, 300);
		CHECK_EQ(rbc_count(vrrp_ha_get_rbc(n[1].h)), 100);
		CHECK_EQ(not_draft(&n[0], &e0) + not_draft(&n[1], &e1), 0);
		CHECK_EQ(e1, 0);
		/* control messages only: the solicits at settle and at MASTER, and
		 * the framed copy of each draft BC_REQUEST try (at most 4) */
		CHECK(e0 <= 2 + 2 * 4);
		test_loop_packets(n[0].loop, &np);
		CHECK(vrrp_ha_counter(n[1].h, "ext_ignored") == e0);
		CHECK_EQ(vrrp_ha_counter(n[0].h, "ext_rx"), 0);
		node_free(&n[0]);
		node_free(&n[1]);
	}
}

/* The owner's daemon restarted empty while another node was master: the
 * flush leaves no tombstones (nobody is told of those deletes), so the
 * restore that follows brings every binding back at once, same seqs. */
static void test_flush_then_restore(void)
{
	struct node n[2];

	nodes_pair(n, NULL, NULL, 3000);
	add_n(n[0].h, 40, 9);
	nodes_settle(n, 2, 300);
	CHECK_EQ(rbc_count(vrrp_ha_get_rbc(n[1].h)), 40);
	vrrp_ha_set_state(n[0].h, VRRP_HA_ST_FAULT);
	vrrp_ha_set_state(n[1].h, VRRP_HA_ST_MASTER);
	nodes_settle(n + 1, 1, 100);
	CHECK_EQ(vrrp_ha_bc_flush(n[0].h), 40);
	CHECK_EQ(rbc_count(vrrp_ha_get_bc(n[0].h)), 0);
	test_loop_clear_packets(n[0].loop);
	n[0].fed = 0;
	vrrp_ha_set_state(n[0].h, VRRP_HA_ST_MASTER);
	vrrp_ha_set_state(n[1].h, VRRP_HA_ST_BACKUP);
	nodes_settle(n, 2, 3000);
	CHECK_EQ(rbc_count(vrrp_ha_get_bc(n[0].h)), 40);
	CHECK_EQ(vrrp_ha_counters(n[0].h)->restored, 40);
	CHECK_EQ(vrrp_ha_counters(n[0].h)->rx_rec_stale, 0);
	/* the owner master's own flush still reaches the backups */
	CHECK_EQ(vrrp_ha_bc_flush(n[0].h), 40);
	nodes_settle(n, 2, 300);
	CHECK_EQ(rbc_count(vrrp_ha_get_rbc(n[1].h)), 0);
	node_free(&n[0]);
	node_free(&n[1]);
}

/* A backup left with a stale entry (it lost the delete and the NEW record
 * of a re-registration: a newer seq than the owner's) is repaired by the
 * owner's periodic refresh, whose records go as NEW with extensions; with
 * extensions off nothing can say so and the entry stays. */
static void refresh_repairs_stale(enum vrrp_ha_ext_mode mode, uint16_t want_seq)
{
	struct node n[2];
	struct vrrp_ha_config c;
	struct vrrp_ha_binding stale;
	struct rbc_view v;

	vrrp_ha_config_defaults(&c);
	c.refresh_s = 1;
	c.extensions = mode;
	nodes_pair(n, &c, &c, 3000);
	memset(&stale, 0, sizeof(stale));
	nodes_addr(&stale.hoa, "2001:db8:aa::", 1);
	nodes_addr(&stale.coa, "2001:db8:cc::", 9);
	vrrp_ha_bc_add(n[0].h, &stale.hoa, &stale.coa, 3600, 5, 0xc000);
	nodes_settle(n, 2, 200);
	stale.seq = 9;
	stale.lifetime = 900;
	stale.flags = 0xc000;
	CHECK(rbc_apply(vrrp_ha_get_rbc(n[1].h), &stale, vrrp_ha_now(n[1].h)) == RBC_UPDATED);
	for (int i = 0; i < 15; i++) {
		nodes_advance(n, 2, 100);
		nodes_carry(n, 2);
	}
	nodes_settle(n, 2, 500);
	CHECK(vrrp_ha_counters(n[0].h)->refreshes >= 1);
	CHECK(rbc_lookup(vrrp_ha_get_rbc(n[1].h), &stale.hoa, vrrp_ha_now(n[1].h), &v));
	CHECK_EQ(v.seq, want_seq);
	node_free(&n[0]);
	node_free(&n[1]);
}

static void test_refresh_repairs_stale(void)
{
	refresh_repairs_stale(VRRP_HA_EXT_AUTO, 5);
	refresh_repairs_stale(VRRP_HA_EXT_OFF, 9);
}

/* Split brain: two masters with different tables; when one yields, the
 * tables end merged: per key the higher sequence wins, deletes included
 * (docs/sync.md "Split brain"). */
static void test_split_brain_merge(void)
{
	struct node n[2];
	struct vrrp_ha_binding b;
	struct in6_addr k1, k2, k3, cy;
	struct rbc_view v;
	uint32_t c0, c1;
	uint64_t d0, d1;

	node_init(&n[0], "B", 200, NULL);
	node_init(&n[1], "C", 100, NULL);
	vrrp_ha_set_state(n[0].h, VRRP_HA_ST_MASTER);
	vrrp_ha_set_state(n[1].h, VRRP_HA_ST_MASTER);
	nodes_settle(n, 2, 3000);
	nodes_addr(&k1, "2001:db8:aa::", 1);
	nodes_addr(&k2, "2001:db8:aa::", 2);
	nodes_addr(&k3, "2001:db8:aa::", 3);
	nodes_addr(&cy, "2001:db8:cc::", 77);
	memset(&b, 0, sizeof(b));
	b.lifetime = 900;
	b.flags = 0xc000;
	/* B: k1 seq 5, k2 seq 3 */
	b.hoa = k1;
	nodes_addr(&b.coa, "2001:db8:cc::", 1);
	b.seq = 5;
	rbc_apply(vrrp_ha_get_rbc(n[0].h), &b, vrrp_ha_now(n[0].h));
	b.hoa = k2;
	b.seq = 3;
	rbc_apply(vrrp_ha_get_rbc(n[0].h), &b, vrrp_ha_now(n[0].h));
	/* C: k1 seq 7 elsewhere, k2 deleted at seq 4, k3 seq 1 */
	b.hoa = k1;
	b.coa = cy;
	b.seq = 7;
	rbc_apply(vrrp_ha_get_rbc(n[1].h), &b, vrrp_ha_now(n[1].h));
	b.hoa = k2;
	b.seq = 3;
	rbc_apply(vrrp_ha_get_rbc(n[1].h), &b, vrrp_ha_now(n[1].h));
	b.seq = 4;
	b.lifetime = 0;
	rbc_apply(vrrp_ha_get_rbc(n[1].h), &b, vrrp_ha_now(n[1].h));
	b.hoa = k3;
	b.seq = 1;
	b.lifetime = 900;
	rbc_apply(vrrp_ha_get_rbc(n[1].h), &b, vrrp_ha_now(n[1].h));
	rbc_clear_dirty(vrrp_ha_get_rbc(n[0].h));
	rbc_clear_dirty(vrrp_ha_get_rbc(n[1].h));

	/* C hears B's adverts and yields */
	vrrp_ha_set_state(n[1].h, VRRP_HA_ST_BACKUP);
	for (int i = 0; i < 100; i++) {
		nodes_advance(n, 2, 100);
		nodes_carry(n, 2);
	}
	nodes_settle(n, 2, 500);
	CHECK_EQ(vrrp_ha_counters(n[0].h)->sync_merges, 1);
	CHECK(rbc_lookup(vrrp_ha_get_rbc(n[0].h), &k1, vrrp_ha_now(n[0].h), &v));
	CHECK_EQ(v.seq, 7);
	CHECK(!memcmp(&v.coa, &cy, 16));
	CHECK(!rbc_lookup(vrrp_ha_get_rbc(n[0].h), &k2, vrrp_ha_now(n[0].h), NULL));
	CHECK(rbc_lookup(vrrp_ha_get_rbc(n[0].h), &k3, vrrp_ha_now(n[0].h), NULL));
	rbc_digest_total(vrrp_ha_get_rbc(n[0].h), &c0, &d0);
	rbc_digest_total(vrrp_ha_get_rbc(n[1].h), &c1, &d1);
	CHECK_EQ(c0, 2);
	CHECK_EQ(c1, 2);
	CHECK(d0 == d1);
	node_free(&n[0]);
	node_free(&n[1]);
}

int main(void)
{
	test_owner_replicates();
	test_request_full_table_paced();
	test_request_retries();
	test_owner_returns_restore();
	test_validation();
	test_state_rules();
	test_send_retry();
	test_expiry();
	test_refresh_repairs();
	test_fifo_slow_reader();
	test_extensions();
	test_flush_then_restore();
	test_refresh_repairs_stale();
	test_split_brain_merge();
	if (failures) {
		fprintf(stderr, "test_ha: %d check(s) failed\n", failures);
		return 1;
	}
	printf("test_ha: all checks passed\n");
	return 0;
}
