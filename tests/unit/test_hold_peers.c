/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_hold_peers.c - the priority holds (core/hold.c) and the group's
 * routers (core/peers.c) of one instance on a test_loop with a manual clock:
 * what reaches ops->set_hold and when, the SYNC / OPERATOR reasons, the
 * timeout, reload; the followed master, the bounded table, the mixed-group
 * warning (once, not with extensions off, not for an HA router).
 */
#include "check.h"
#include "test_loop.h"
#include "vrrp_ha/ha.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

/* What ops->set_hold saw (the test's own recorder; ctx is the loop). */
struct hold_rec {
	unsigned calls;
	unsigned last;
	void *last_ctx;
};
static struct hold_rec rec;

static void rec_set_hold(void *ctx, unsigned prio)
{
	rec.calls++;
	rec.last = prio;
	rec.last_ctx = ctx;
}

static void timer_cb(void *arg)
{
	vrrp_ha_timer(arg);
}

static struct vrrp_ha_ops ops;

static struct vrrp_ha *make(struct test_loop *l, const struct vrrp_ha_config *cfg_in)
{
	struct vrrp_ha_config cfg;
	struct vrrp_ha *h;

	if (cfg_in)
		cfg = *cfg_in;
	else
		vrrp_ha_config_defaults(&cfg);
	cfg.enabled = true;
	ops = *test_loop_ops();
	ops.set_hold = rec_set_hold;
	memset(&rec, 0, sizeof(rec));
	h = vrrp_ha_new(&cfg, &ops, l, "VI_1", 51, 100);
	if (!h)
		exit(1);
	test_loop_set_timer_cb(l, timer_cb, h);
	vrrp_ha_start(h);
	return h;
}

static struct test_loop *loop(void)
{
	struct test_loop *l = test_loop_new();

	if (!l)
		exit(1);
	test_loop_manual_clock(l, 1000000);
	test_loop_set_log_level(l, -1);
	return l;
}

static void advance(struct test_loop *l, uint64_t ms)
{
	test_loop_advance_ms(l, ms);
	test_loop_run_once(l, 0);
}

static void addr(struct in6_addr *a, const char *s)
{
	inet_pton(AF_INET6, s, a);
}

static void test_sync_hold(void)
{
	struct test_loop *l = loop();
	struct vrrp_ha *h = make(l, NULL);
	char why[64];

	/* start-up: SYNC at sync_hold_priority (default 1), once to the host */
	CHECK_EQ(vrrp_ha_held_prio(h), 1);
	CHECK_EQ(rec.calls, 1);
	CHECK_EQ(rec.last, 1);
	CHECK(rec.last_ctx == l);
	CHECK_EQ(vrrp_ha_hold_reason_prio(h, VRRP_HA_HOLD_SYNC), 1);
	CHECK_EQ(vrrp_ha_counter(h, "holds_sync"), 1);
	CHECK_EQ(vrrp_ha_counter(h, "held"), 1);
	CHECK(test_loop_log_count(l, "held at priority 1 until the table is complete") == 1);

	/* an operator hold above it changes nothing for the host */
	vrrp_ha_hold(h, VRRP_HA_HOLD_OPERATOR, 50, "test");
	CHECK_EQ(vrrp_ha_held_prio(h), 1);
	CHECK_EQ(rec.calls, 1);
	vrrp_ha_hold_reasons_text(h, why, sizeof(why));
	CHECK(!strcmp(why, "sync,operator"));

	/* the table is complete: the operator's 50 is what remains */
	vrrp_ha_sync_hold_done(h, "test complete");
	CHECK_EQ(vrrp_ha_held_prio(h), 50);
	CHECK_EQ(rec.calls, 2);
	CHECK_EQ(rec.last, 50);
	CHECK_EQ(vrrp_ha_counter(h, "releases_sync"), 1);
	CHECK(test_loop_log_count(l, "still held at priority 50 (operator)") == 1);
	/* done twice: no second release */
	vrrp_ha_sync_hold_done(h, "again");
	CHECK_EQ(vrrp_ha_counter(h, "releases_sync"), 1);

	/* priorities are clamped to 1..254 */
	vrrp_ha_hold(h, VRRP_HA_HOLD_OPERATOR, 255, "too high");
	CHECK_EQ(vrrp_ha_held_prio(h), 254);
	CHECK_EQ(vrrp_ha_counter(h, "holds_operator"), 2);

	vrrp_ha_hold(h, VRRP_HA_HOLD_OPERATOR, 0, "test release");
	CHECK_EQ(vrrp_ha_held_prio(h), 0);
	CHECK_EQ(rec.last, 0);
	CHECK_EQ(vrrp_ha_counter(h, "held"), 0);
	CHECK_EQ(vrrp_ha_counter(h, "releases_operator"), 1);
	/* releasing what is not held: nothing */
	vrrp_ha_hold(h, VRRP_HA_HOLD_OPERATOR, 0, "nothing");
	CHECK_EQ(vrrp_ha_counter(h, "releases_operator"), 1);
	CHECK_EQ(rec.calls, 4);
	vrrp_ha_free(h);
	test_loop_free(l);
}

static void test_sync_timeout_and_master(void)
{
	struct test_loop *l = loop();
	struct vrrp_ha_config cfg;
	struct vrrp_ha *h;

	vrrp_ha_config_defaults(&cfg);
	cfg.sync_hold_s = 5;
	cfg.sync_hold_prio = 7;
	h = make(l, &cfg);
	CHECK_EQ(vrrp_ha_held_prio(h), 7);
	vrrp_ha_set_state(h, VRRP_HA_ST_BACKUP);
	advance(l, 4000);
	CHECK_EQ(vrrp_ha_held_prio(h), 7);
	advance(l, 1100);
	CHECK_EQ(vrrp_ha_held_prio(h), 0);
	CHECK_EQ(vrrp_ha_counter(h, "sync_hold_timeouts"), 1);
	CHECK(test_loop_log_count(l, "after 5 s (sync_hold_timeout)") == 1);

	/* becoming MASTER ends SYNC, not OPERATOR */
	vrrp_ha_hold(h, VRRP_HA_HOLD_SYNC, 1, "again");
	vrrp_ha_hold(h, VRRP_HA_HOLD_OPERATOR, 20, "op");
	vrrp_ha_set_state(h, VRRP_HA_ST_MASTER);
	CHECK_EQ(vrrp_ha_hold_reason_prio(h, VRRP_HA_HOLD_SYNC), 0);
	CHECK_EQ(vrrp_ha_held_prio(h), 20);
	CHECK(test_loop_log_count(l, "became MASTER") == 1);

	/* a reload keeps the hold and starts no second SYNC hold; the host
	 * context follows the reload */
	{
		struct test_loop *l2 = loop();
		unsigned calls = rec.calls;

		CHECK_EQ(vrrp_ha_reconfigure(h, &cfg, l2, 51, 100), 0);
		vrrp_ha_start(h);
		CHECK_EQ(vrrp_ha_held_prio(h), 20);
		CHECK_EQ(vrrp_ha_counter(h, "holds_sync"), 2);
		vrrp_ha_hold(h, VRRP_HA_HOLD_OPERATOR, 0, "after reload");
		CHECK_EQ(rec.calls, calls + 1);
		CHECK(rec.last_ctx == l2);
		vrrp_ha_free(h);
		test_loop_free(l2);
	}
	test_loop_free(l);
}

static void test_no_sync_hold(void)
{
	struct test_loop *l = loop();
	struct vrrp_ha_config cfg;
	struct vrrp_ha *h;

	vrrp_ha_config_defaults(&cfg);
	CHECK_EQ(vrrp_ha_config_start_hold(&cfg), 0); /* not enabled */
	cfg.enabled = true;
	CHECK_EQ(vrrp_ha_config_start_hold(&cfg), 1);
	cfg.sync_hold_s = 0;
	CHECK_EQ(vrrp_ha_config_start_hold(&cfg), 0);
	h = make(l, &cfg);
	CHECK_EQ(vrrp_ha_held_prio(h), 0);
	CHECK_EQ(rec.calls, 0);
	/* sync_hold_timeout 0: never held for sync */
	vrrp_ha_hold(h, VRRP_HA_HOLD_SYNC, 1, "ignored");
	CHECK_EQ(vrrp_ha_held_prio(h), 0);
	vrrp_ha_hold(h, VRRP_HA_HOLD_OPERATOR, 3, "op");
	CHECK_EQ(vrrp_ha_held_prio(h), 3);
	CHECK(!strcmp(vrrp_ha_hold_reason_name(VRRP_HA_HOLD_OPERATOR), "operator"));
	vrrp_ha_free(h);
	test_loop_free(l);
}

static void test_master_addr(void)
{
	struct test_loop *l = loop();
	struct vrrp_ha *h = make(l, NULL);
	struct in6_addr a2, a3, m;
	struct vrrp_ha_peer_info pi[VRRP_HA_PEERS_MAX];

	addr(&a2, "fe80::2");
	addr(&a3, "fe80::3");
	vrrp_ha_set_state(h, VRRP_HA_ST_BACKUP);
	CHECK(!vrrp_ha_master_addr(h, &m));
	vrrp_ha_advert(h, &a2, 200, true);
	CHECK(vrrp_ha_master_addr(h, &m) && IN6_ARE_ADDR_EQUAL(&m, &a2));
	/* a lower advert we did not accept changes nothing */
	vrrp_ha_advert(h, &a3, 50, false);
	CHECK(vrrp_ha_master_addr(h, &m) && IN6_ARE_ADDR_EQUAL(&m, &a2));
	CHECK_EQ(vrrp_ha_peers(h, pi, VRRP_HA_PEERS_MAX), 2);
	CHECK(pi[0].master || pi[1].master);
	CHECK_EQ(vrrp_ha_counter(h, "adverts"), 2);
	CHECK_EQ(vrrp_ha_counter(h, "peers_seen"), 2);
	/* the master leaves (priority 0) */
	vrrp_ha_advert(h, &a2, 0, false);
	CHECK(!vrrp_ha_master_addr(h, NULL));
	/* a master giving way is followed, then forgotten when not BACKUP */
	vrrp_ha_advert(h, &a3, 100, true);
	CHECK(vrrp_ha_master_addr(h, &m) && IN6_ARE_ADDR_EQUAL(&m, &a3));
	vrrp_ha_set_state(h, VRRP_HA_ST_MASTER);
	CHECK(!vrrp_ha_master_addr(h, NULL));
	vrrp_ha_free(h);
	test_loop_free(l);
}

static void test_table_bound(void)
{
	struct test_loop *l = loop();
	struct vrrp_ha *h = make(l, NULL);
	struct vrrp_ha_peer_info pi[VRRP_HA_PEERS_MAX + 8];
	struct in6_addr a;

	addr(&a, "fe80::1000");
	for (unsigned i = 0; i < VRRP_HA_PEERS_MAX + 8; i++) {
		a.s6_addr[15] = (uint8_t)i;
		vrrp_ha_advert(h, &a, 100, false);
		test_loop_advance_ms(l, 1);
	}
	CHECK_EQ(vrrp_ha_peers(h, pi, VRRP_HA_PEERS_MAX + 8), VRRP_HA_PEERS_MAX);
	CHECK_EQ(vrrp_ha_counter(h, "peers_evicted"), 8);
	/* most recent first; the oldest 8 are gone */
	CHECK_EQ(pi[0].addr.s6_addr[15], VRRP_HA_PEERS_MAX + 7);
	CHECK_EQ(pi[VRRP_HA_PEERS_MAX - 1].addr.s6_addr[15], 8);
	vrrp_ha_free(h);
	test_loop_free(l);
}

/* Adverts from src every second for secs seconds. */
static void adverts_for(struct test_loop *l, struct vrrp_ha *h, const struct in6_addr *src,
                        unsigned secs)
{
	for (unsigned i = 0; i < secs; i++) {
		vrrp_ha_advert(h, src, 100, true);
		advance(l, 1000);
	}
}

static void test_mixed(void)
{
	struct test_loop *l = loop();
	struct vrrp_ha *h = make(l, NULL);
	struct in6_addr s3, s4;
	uint8_t req[VRRP_HA_HDR_LEN];
	struct vrrp_ha_peer_info pi[4];
	const char *msg = "fe80::3 (priority 100) sends VRRP adverts but no vrrp-ha traffic: "
	                  "a non-HA VRRP router in group 51";

	addr(&s3, "fe80::3");
	addr(&s4, "fe80::4");
	vrrp_ha_set_state(h, VRRP_HA_ST_BACKUP);
	adverts_for(l, h, &s3, 9);
	CHECK(test_loop_log_count(l, msg) == 0);
	adverts_for(l, h, &s3, 2);
	CHECK(test_loop_log_count(l, msg) == 1);
	CHECK_EQ(vrrp_ha_counter(h, "mixed_warnings"), 1);
	CHECK_EQ(vrrp_ha_counter(h, "peers_non_ha"), 1);
	adverts_for(l, h, &s3, 20);
	CHECK(test_loop_log_count(l, msg) == 1);
	CHECK_EQ(vrrp_ha_counter(h, "mixed_warnings"), 1);
	CHECK_EQ(vrrp_ha_peers(h, pi, 4), 1);
	CHECK(pi[0].non_ha && !pi[0].ha && pi[0].priority == 100);

	/* an HA router: a valid BC_REQUEST from it before its adverts */
	CHECK_EQ(vrrp_ha_encode_request(req, sizeof(req), 51), sizeof(req));
	CHECK_EQ(vrrp_ha_rx(h, req, sizeof(req), 255, &s4), VRRP_HA_OK);
	adverts_for(l, h, &s4, 20);
	CHECK_EQ(vrrp_ha_counter(h, "mixed_warnings"), 1);
	/* the non-HA router turns out to speak vrrp-ha after all */
	CHECK_EQ(vrrp_ha_rx(h, req, sizeof(req), 255, &s3), VRRP_HA_OK);
	CHECK_EQ(vrrp_ha_counter(h, "peers_non_ha"), 0);
	/* a packet that fails the checks proves nothing */
	{
		struct in6_addr s5;

		addr(&s5, "fe80::5");
		CHECK(vrrp_ha_rx(h, req, sizeof(req), 64, &s5) != VRRP_HA_OK);
		adverts_for(l, h, &s5, 11);
		CHECK_EQ(vrrp_ha_counter(h, "mixed_warnings"), 2);
	}
	vrrp_ha_free(h);
	test_loop_free(l);
}

static void test_mixed_ext_off(void)
{
	struct test_loop *l = loop();
	struct vrrp_ha_config cfg;
	struct vrrp_ha *h;
	struct in6_addr s3;

	vrrp_ha_config_defaults(&cfg);
	cfg.extensions = VRRP_HA_EXT_OFF;
	h = make(l, &cfg);
	addr(&s3, "fe80::3");
	vrrp_ha_set_state(h, VRRP_HA_ST_BACKUP);
	adverts_for(l, h, &s3, 30);
	CHECK_EQ(vrrp_ha_counter(h, "mixed_warnings"), 0);
	CHECK_EQ(vrrp_ha_counter(h, "adverts"), 30);
	vrrp_ha_free(h);
	test_loop_free(l);
}

int main(void)
{
	test_sync_hold();
	test_sync_timeout_and_master();
	test_no_sync_hold();
	test_master_addr();
	test_table_bound();
	test_mixed();
	test_mixed_ext_off();
	if (failures)
		fprintf(stderr, "%d check(s) failed\n", failures);
	return failures ? 1 : 0;
}
