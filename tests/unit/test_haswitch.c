/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_haswitch.c - the hard switch (docs/hard-switch.md): the RFC 5142
 * Home Agent Switch codec (vrrp_ha/mh.h) against bytes written out by hand
 * (checksum computed independently, RFC 6275 6.1.1 / RFC 8200 8.1), every
 * truncated prefix, every refusal reason; and the paced, resumable run
 * (takeover/hsw_int.h) over a fake table and a fake clock: exactly one
 * message per binding, the pace, bindings added and deleted during the run,
 * stop, send errors. Then the module inside a real instance (nodes.h):
 * a non-owner that becomes MASTER in hard mode runs once over its RBC, an
 * owner or virtual mode never does, leaving MASTER stops the run, every
 * message sent is one HA_SWITCH event. That part runs in a private network
 * namespace when it can (no route: every send fails, counted), so nothing
 * ever leaves the host; without root the raw socket fails, counted too.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nodes.h"
#include "takeover/hsw_int.h"
#include "vrrp_ha/ha.h"
#include "vrrp_ha/mh.h"
#include "vrrp_ha/mopt.h"

#include "check.h"

static struct in6_addr A(const char *s) {
	struct in6_addr a;

	if (inet_pton(AF_INET6, s, &a) != 1)
		abort();
	return a;
}

/* 2001:db8:1::2 tells an MN at 2001:db8:99::1: "use 2001:db8:1::2" */
static const uint8_t kat[24] = {
        0x3b, 0x02, 0x0c, 0x00, /* Payload Proto 59, Header Len 2 (24 octets), MH Type 12, rsvd */
        0x2d, 0x93,             /* checksum over the pseudo-header */
        0x01, 0x00,             /* # of Addresses 1, Reserved */
        0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, /* 2001:db8:1::2 */
};

/* Parse an exact-size heap copy, so ASan sees any read past the end. */
static enum vrrp_ha_mh_reason parse_copy(const uint8_t *p, size_t n, const struct in6_addr *s,
                                         const struct in6_addr *d)
{
	struct vrrp_ha_mh_has has;
	uint8_t *c = malloc(n ? n : 1);
	enum vrrp_ha_mh_reason r;

	memcpy(c, p, n);
	r = vrrp_ha_mh_parse_has(c, n, s, d, &has);
	free(c);
	return r;
}

static void test_kat(void)
{
	struct in6_addr ha = A("2001:db8:1::2"), mn = A("2001:db8:99::1"), got;
	struct vrrp_ha_mh_has has;
	uint8_t buf[64];
	size_t n;

	n = vrrp_ha_mh_build_has(buf, sizeof(buf), &ha, 1, NULL, 0, &ha, &mn);
	CHECK_EQ(n, sizeof(kat));
	CHECK(!memcmp(buf, kat, sizeof(kat)));
	/* without addresses for the pseudo-header: checksum left to the kernel */
	n = vrrp_ha_mh_build_has(buf, sizeof(buf), &ha, 1, NULL, 0, NULL, NULL);
	CHECK_EQ(n, sizeof(kat));
	CHECK(buf[4] == 0 && buf[5] == 0 && !memcmp(buf + 6, kat + 6, sizeof(kat) - 6));
	CHECK_EQ(vrrp_ha_mh_checksum(&ha, &mn, buf, n), 0x2d93);

	CHECK_EQ(vrrp_ha_mh_parse_has(kat, sizeof(kat), &ha, &mn, &has), VRRP_HA_MH_OK);
	CHECK_EQ(has.naddr, 1);
	CHECK_EQ(has.opts_len, 0);
	CHECK_EQ(has.csum, 0x2d93);
	vrrp_ha_mh_has_addr(&has, 0, &got);
	CHECK(!memcmp(&got, &ha, sizeof(ha)));
	/* the checksum covers the addresses: another destination fails it */
	got = A("2001:db8:99::2");
	CHECK_EQ(vrrp_ha_mh_parse_has(kat, sizeof(kat), &ha, &got, &has), VRRP_HA_MH_R_BAD_CSUM);
	/* no addresses given: not verified */
	CHECK_EQ(vrrp_ha_mh_parse_has(kat, sizeof(kat), NULL, NULL, &has), VRRP_HA_MH_OK);
	/* cap too small */
	CHECK_EQ(vrrp_ha_mh_build_has(buf, 23, &ha, 1, NULL, 0, NULL, NULL), 0);
}

static void test_prefixes_and_reasons(void)
{
	struct in6_addr ha[2] = {A("2001:db8:1::2"), A("2001:db8:2::3")}, mn = A("2001:db8:99::1");
	uint8_t opts[3] = {200, 1, 0xaa}; /* an unknown option: accepted by its length */
	uint8_t buf[128], bad[128];
	struct vrrp_ha_mh_has has;
	size_t n, i;

	n = vrrp_ha_mh_build_has(buf, sizeof(buf), ha, 2, opts, sizeof(opts), &ha[0], &mn);
	CHECK_EQ(n, 48); /* 8 + 32 + 3 -> padded to 48 (a PadN of 5) */
	CHECK_EQ(buf[1], 5);
	CHECK_EQ(vrrp_ha_mh_parse_has(buf, n, &ha[0], &mn, &has), VRRP_HA_MH_OK);
	CHECK_EQ(has.naddr, 2);
	CHECK_EQ(has.opts_len, 8);
	CHECK_EQ(vrrp_ha_mopt_validate(has.opts, has.opts_len, NULL), 1);
	for (i = 0; i < n; i++)
		CHECK(parse_copy(buf, i, &ha[0], &mn) != VRRP_HA_MH_OK);
	CHECK_EQ(parse_copy(buf, n, &ha[0], &mn), VRRP_HA_MH_OK);
	CHECK_EQ(parse_copy(buf, 7, NULL, NULL), VRRP_HA_MH_R_TOO_SHORT);
	CHECK_EQ(parse_copy(buf, 40, NULL, NULL), VRRP_HA_MH_R_BAD_LENGTH);

	memcpy(bad, buf, n);
	bad[0] = 6;
	CHECK_EQ(parse_copy(bad, n, NULL, NULL), VRRP_HA_MH_R_BAD_PROTO);
	memcpy(bad, buf, n);
	bad[2] = 6; /* a Binding Acknowledgement */
	CHECK_EQ(parse_copy(bad, n, NULL, NULL), VRRP_HA_MH_R_BAD_TYPE);
	memcpy(bad, buf, n);
	bad[5] ^= 1;
	CHECK_EQ(parse_copy(bad, n, &ha[0], &mn), VRRP_HA_MH_R_BAD_CSUM);
	memcpy(bad, buf, n);
	bad[6] = 3; /* 3 addresses need 56 octets */
	CHECK_EQ(parse_copy(bad, n, NULL, NULL), VRRP_HA_MH_R_BAD_COUNT);
	memcpy(bad, buf, n);
	bad[8] = 0xff; /* ff01:... multicast */
	CHECK_EQ(parse_copy(bad, n, NULL, NULL), VRRP_HA_MH_R_BAD_ADDRESS);
	memcpy(bad, buf, n);
	bad[41] = 9; /* the option's length runs past the end */
	CHECK_EQ(parse_copy(bad, n, NULL, NULL), VRRP_HA_MH_R_BAD_OPTIONS);
	/* reserved octets are ignored (RFC 5142 4) */
	memcpy(bad, buf, n);
	bad[3] = 0x55;
	bad[7] = 0x66;
	CHECK_EQ(parse_copy(bad, n, NULL, NULL), VRRP_HA_MH_OK);
	/* an empty list (RFC 5142 4: the MN then discovers a HA itself) */
	n = vrrp_ha_mh_build_has(buf, sizeof(buf), NULL, 0, NULL, 0, NULL, NULL);
	CHECK_EQ(n, 8);
	CHECK_EQ(parse_copy(buf, n, NULL, NULL), VRRP_HA_MH_OK);
	for (int r = 0; r <= VRRP_HA_MH_R__COUNT; r++)
		CHECK(vrrp_ha_mh_reason_name((enum vrrp_ha_mh_reason)r) != NULL);
	CHECK(!strcmp(vrrp_ha_mh_reason_name(VRRP_HA_MH_R__COUNT), "unknown"));
}

static void test_limits(void)
{
	static struct in6_addr many[VRRP_HA_MH_HAS_MAX_ADDRS + 1];
	static uint8_t buf[VRRP_HA_MH_MAX_LEN + 64];
	uint8_t opt[2] = {200, 0};
	size_t n;

	for (unsigned i = 0; i <= VRRP_HA_MH_HAS_MAX_ADDRS; i++) {
		many[i] = A("2001:db8::");
		many[i].s6_addr[14] = (uint8_t)(i >> 8);
		many[i].s6_addr[15] = (uint8_t)(i + 1);
	}
	n = vrrp_ha_mh_build_has(buf, sizeof(buf), many, VRRP_HA_MH_HAS_MAX_ADDRS, NULL, 0, NULL,
	                         NULL);
	CHECK_EQ(n, 8 + 16 * VRRP_HA_MH_HAS_MAX_ADDRS);
	CHECK_EQ(buf[1], 254);
	CHECK_EQ(parse_copy(buf, n, NULL, NULL), VRRP_HA_MH_OK);
	CHECK_EQ(vrrp_ha_mh_build_has(buf, sizeof(buf), many, VRRP_HA_MH_HAS_MAX_ADDRS + 1, NULL, 0,
	                              NULL, NULL),
	         0);
	/* 127 addresses + an option: 2040 + 8 = 2048 still fits Header Len 255 */
	n = vrrp_ha_mh_build_has(buf, sizeof(buf), many, VRRP_HA_MH_HAS_MAX_ADDRS, opt, 2, NULL,
	                         NULL);
	CHECK_EQ(n, VRRP_HA_MH_MAX_LEN);
	CHECK_EQ(parse_copy(buf, n, NULL, NULL), VRRP_HA_MH_OK);
	CHECK_EQ(vrrp_ha_mh_build_has(buf, sizeof(buf), NULL, 1, NULL, 0, NULL, NULL), 0);
}

/* ---- the run over a fake table ---------------------------------------- */

#define SLOTS 512

struct fake {
	struct in6_addr hoa[SLOTS];
	bool present[SLOTS];
	unsigned sent[SLOTS];
	uint64_t last_send_ms, first_send_ms, now;
	unsigned nsent;
	bool fail;
};

static int slot_of(struct fake *f, const struct in6_addr *h)
{
	for (int i = 0; i < SLOTS; i++)
		if (!memcmp(&f->hoa[i], h, sizeof(*h)))
			return i;
	return -1;
}

static size_t f_walk(void *arg, uint64_t *cursor, struct rbc_view *out, size_t max, uint64_t now)
{
	struct fake *f = arg;
	size_t n = 0;

	(void)now;
	while (*cursor < SLOTS && n < max) {
		if (f->present[*cursor]) {
			memset(&out[n], 0, sizeof(out[n]));
			out[n].hoa = f->hoa[*cursor];
			n++;
		}
		++*cursor;
	}
	return n;
}

static bool f_lookup(void *arg, const struct in6_addr *hoa, uint64_t now, struct rbc_view *v)
{
	struct fake *f = arg;
	int i = slot_of(f, hoa);

	(void)now;
	if (i < 0 || !f->present[i])
		return false;
	memset(v, 0, sizeof(*v));
	v->hoa = *hoa;
	v->coa = *hoa;
	v->coa.s6_addr[0] = 0x3f;
	return true;
}

static size_t f_count(void *arg)
{
	struct fake *f = arg;
	size_t n = 0;

	for (int i = 0; i < SLOTS; i++)
		n += f->present[i];
	return n;
}

static int f_send(void *arg, const struct rbc_view *v)
{
	struct fake *f = arg;
	int i = slot_of(f, &v->hoa);

	if (f->fail)
		return -1;
	CHECK(i >= 0);
	CHECK(v->coa.s6_addr[0] == 0x3f); /* re-read from the table at send time */
	if (i >= 0)
		f->sent[i]++;
	if (!f->nsent++)
		f->first_send_ms = f->now;
	f->last_send_ms = f->now;
	return 0;
}

static void fake_init(struct fake *f, unsigned n)
{
	memset(f, 0, sizeof(*f));
	for (int i = 0; i < SLOTS; i++) {
		f->hoa[i] = A("2001:db8:5::");
		f->hoa[i].s6_addr[14] = (uint8_t)(i >> 8);
		f->hoa[i].s6_addr[15] = (uint8_t)i;
	}
	/* the table's bindings sit in every other slot: room behind the cursor */
	for (unsigned i = 0; i < n; i++)
		f->present[2 * i] = true;
	f->now = 1000000;
}

/* Poll at every time the run asks for, until it is done or until stop_ms
 * (absolute). Returns: polls. */
static unsigned run_until(struct vrrp_ha_hsw *s, struct fake *f, uint64_t stop_ms)
{
	unsigned polls = 0;
	uint64_t next = f->now;

	while (next != UINT64_MAX && next <= stop_ms) {
		f->now = next;
		next = vrrp_ha_hsw_poll(s, f->now);
		polls++;
		CHECK(next == UINT64_MAX || next > f->now);
	}
	return polls;
}

static struct vrrp_ha_hsw *mk(struct fake *f, unsigned rate, unsigned burst)
{
	struct vrrp_ha_hsw_hooks hk = {
	        .arg = f, .walk = f_walk, .lookup = f_lookup, .count = f_count, .send = f_send};
	struct vrrp_ha_hsw *s = vrrp_ha_hsw_new(rate, burst, &hk);

	CHECK(s != NULL);
	return s;
}

static void test_pace_and_once(void)
{
	struct fake f;
	struct vrrp_ha_hsw *s;
	const struct vrrp_ha_hsw_counters *c;

	fake_init(&f, 200);
	s = mk(&f, 100, 1);
	c = vrrp_ha_hsw_counters(s);
	CHECK_EQ(vrrp_ha_hsw_poll(s, f.now), UINT64_MAX); /* idle */
	vrrp_ha_hsw_start(s, f.now);
	CHECK(vrrp_ha_hsw_active(s));
	CHECK_EQ(c->pending, 200);
	CHECK_EQ(c->runs, 1);
	run_until(s, &f, UINT64_MAX - 1);
	CHECK(!vrrp_ha_hsw_active(s));
	CHECK_EQ(c->sent, 200);
	CHECK_EQ(c->runs_complete, 1);
	CHECK_EQ(c->pending, 0);
	for (int i = 0; i < SLOTS; i++)
		CHECK_EQ(f.sent[i], f.present[i] ? 1 : 0);
	/* 100/s, burst 1: 199 gaps of 10 ms */
	CHECK_EQ(f.last_send_ms - f.first_send_ms, 1990);
	vrrp_ha_hsw_free(s);

	/* burst 16 at 1000/s: the first 16 at once, the rest one a ms */
	fake_init(&f, 200);
	s = mk(&f, 1000, 16);
	vrrp_ha_hsw_start(s, f.now);
	f.nsent = 0;
	vrrp_ha_hsw_poll(s, f.now);
	CHECK_EQ(f.nsent, 16);
	run_until(s, &f, UINT64_MAX - 1);
	CHECK_EQ(f.nsent, 200);
	CHECK_EQ(f.last_send_ms - f.first_send_ms, 184);
	vrrp_ha_hsw_free(s);
}

static void test_changes_during_run(void)
{
	struct fake f;
	struct vrrp_ha_hsw *s;
	const struct vrrp_ha_hsw_counters *c;

	fake_init(&f, 200);
	s = mk(&f, 100, 1);
	c = vrrp_ha_hsw_counters(s);
	vrrp_ha_hsw_start(s, f.now);
	run_until(s, &f, f.now + 995); /* about 100 sent: the walk is half way */
	CHECK(c->sent >= 99 && c->sent <= 101);
	/* arrives behind the cursor (the walk will not meet it) */
	f.present[1] = true;
	CHECK_EQ(vrrp_ha_hsw_added(s, &f.hoa[1]), 0);
	/* arrives ahead of the cursor (the walk would meet it too) */
	f.present[399] = true;
	CHECK_EQ(vrrp_ha_hsw_added(s, &f.hoa[399]), 0);
	CHECK_EQ(vrrp_ha_hsw_added(s, &f.hoa[399]), 0); /* told twice: queued once */
	/* deleted before its turn, both from the walk and from the queue */
	f.present[398] = false;
	f.present[396] = false;
	f.present[5] = true;
	CHECK_EQ(vrrp_ha_hsw_added(s, &f.hoa[5]), 0);
	f.present[5] = false;
	run_until(s, &f, UINT64_MAX - 1);
	CHECK_EQ(c->added_in_run, 3);
	CHECK_EQ(c->skipped_gone, 1); /* slot 5; 396 and 398 vanished before the walk got there */
	CHECK_EQ(f.sent[1], 1);
	CHECK_EQ(f.sent[399], 1);
	CHECK_EQ(f.sent[398], 0);
	CHECK_EQ(f.sent[396], 0);
	CHECK_EQ(f.sent[5], 0);
	for (int i = 0; i < SLOTS; i++)
		CHECK(f.sent[i] <= 1);
	CHECK_EQ(c->sent, 200);
	/* idle: an arrival is not queued */
	CHECK_EQ(vrrp_ha_hsw_added(s, &f.hoa[7]), 0);
	CHECK_EQ(c->added_in_run, 3);
	vrrp_ha_hsw_free(s);
}

static void test_stop_and_errors(void)
{
	struct fake f;
	struct vrrp_ha_hsw *s;
	const struct vrrp_ha_hsw_counters *c;

	fake_init(&f, 200);
	s = mk(&f, 100, 1);
	c = vrrp_ha_hsw_counters(s);
	vrrp_ha_hsw_start(s, f.now);
	run_until(s, &f, f.now + 495);
	CHECK_EQ(c->sent, 50);
	vrrp_ha_hsw_stop(s); /* MASTER left */
	CHECK(!vrrp_ha_hsw_active(s));
	CHECK_EQ(c->runs_stopped, 1);
	CHECK_EQ(c->pending, 0);
	CHECK_EQ(vrrp_ha_hsw_poll(s, f.now + 100000), UINT64_MAX);
	CHECK_EQ(c->sent, 50);
	vrrp_ha_hsw_stop(s); /* idle: nothing */
	CHECK_EQ(c->runs_stopped, 1);

	/* a new run (MASTER again) starts from the top: every MN once more */
	memset(f.sent, 0, sizeof(f.sent));
	f.fail = true;
	vrrp_ha_hsw_start(s, f.now);
	CHECK_EQ(c->runs, 2);
	run_until(s, &f, UINT64_MAX - 1);
	CHECK_EQ(c->send_errors, 200);
	CHECK_EQ(c->sent, 50);
	CHECK_EQ(c->runs_complete, 1);

	/* an empty table completes at once */
	fake_init(&f, 0);
	vrrp_ha_hsw_start(s, f.now);
	CHECK_EQ(vrrp_ha_hsw_poll(s, f.now), UINT64_MAX);
	CHECK_EQ(c->runs_complete, 2);
	/* a huge gap in the clock does not overflow the bucket */
	fake_init(&f, 10);
	vrrp_ha_hsw_set_rate(s, 1000000, 4);
	vrrp_ha_hsw_start(s, f.now);
	f.nsent = 0;
	vrrp_ha_hsw_poll(s, f.now);
	CHECK_EQ(f.nsent, 4);
	vrrp_ha_hsw_poll(s, UINT64_MAX - 2);
	CHECK_EQ(f.nsent, 8);
	vrrp_ha_hsw_free(s);
}

/* ---- the module in an instance ---------------------------------------- */

static bool routed; /* sends can succeed */
static unsigned ev_switch, ev_with_peer;
static struct in6_addr ev_last_peer;

static void count_ev(void *arg, const struct vrrp_ha_event *ev)
{
	(void)arg;
	if (ev->type != VRRP_HA_E_HA_SWITCH)
		return;
	ev_switch++;
	if (ev->peer && ev->b && ev->table == VRRP_HA_T_RBC) {
		ev_with_peer++;
		ev_last_peer = *ev->peer;
	}
}

/* nodes_advance jumps the clock and runs what is due once: step 1 ms at a time */
static void step(struct node *nd, unsigned ms)
{
	for (unsigned i = 0; i < ms; i++)
		nodes_advance(nd, 1, 1);
}

static void test_module(void)
{
	struct vrrp_ha_config ca, cb;
	struct in6_addr hoa, coa, ha_b = A("2001:db8:1::2");
	struct node n[2];
	const unsigned nb = 100;

	vrrp_ha_config_defaults(&ca);
	vrrp_ha_config_defaults(&cb);
	ca.hard_switch = cb.hard_switch = true;
	ca.ha_address = A("2001:db8:1::1");
	cb.ha_address = ha_b;
	cb.ha_switch_rate = 100; /* 100 at 100/s, burst 16: about 840 ms */
	nodes_pair(n, &ca, &cb, 2000);
	for (unsigned i = 0; i < nb; i++) {
		nodes_addr(&hoa, "2001:db8:aa::", i + 1);
		nodes_addr(&coa, "2001:db8:cc::", i + 1);
		vrrp_ha_bc_add(n[0].h, &hoa, &coa, 3600, 1, 0xc000);
	}
	nodes_settle(n, 2, 3000);
	CHECK_EQ(rbc_count(vrrp_ha_get_rbc(n[1].h)), nb);
	/* the owner as MASTER never runs; a BACKUP neither */
	CHECK_EQ(vrrp_ha_counter(n[0].h, "hsw_runs"), 0);
	CHECK_EQ(vrrp_ha_counter(n[1].h, "hsw_runs"), 0);
	CHECK(vrrp_ha_subscribe(n[1].h, VRRP_HA_EMASK(VRRP_HA_E_HA_SWITCH), count_ev, NULL));

	/* takeover: the owner fails, b becomes MASTER as a non-owner */
	vrrp_ha_set_state(n[0].h, VRRP_HA_ST_FAULT);
	vrrp_ha_set_state(n[1].h, VRRP_HA_ST_MASTER);
	CHECK_EQ(vrrp_ha_counter(n[1].h, "hsw_runs"), 1);
	step(&n[1], 300);
	CHECK(vrrp_ha_counter(n[1].h, "hsw_pending") > 0); /* paced: not all at once */
	CHECK(vrrp_ha_counter(n[1].h, "hsw_pending") < nb);
	step(&n[1], 2000);
	CHECK_EQ(vrrp_ha_counter(n[1].h, "hsw_runs_complete"), 1);
	CHECK_EQ(vrrp_ha_counter(n[1].h, "hsw_pending"), 0);
	CHECK_EQ(vrrp_ha_counter(n[1].h, "hsw_sent") + vrrp_ha_counter(n[1].h, "hsw_send_errors"),
	         nb);
	if (routed) {
		CHECK_EQ(vrrp_ha_counter(n[1].h, "hsw_sent"), nb);
		CHECK_EQ(vrrp_ha_counter(n[1].h, "hsw_send_errors"), 0);
	}
	CHECK_EQ(ev_switch, vrrp_ha_counter(n[1].h, "hsw_sent"));
	CHECK_EQ(ev_with_peer, ev_switch);
	if (ev_switch)
		CHECK(!memcmp(&ev_last_peer, &ha_b, sizeof(ha_b)));

	/* leaving MASTER stops a run */
	vrrp_ha_set_state(n[1].h, VRRP_HA_ST_BACKUP);
	vrrp_ha_set_state(n[1].h, VRRP_HA_ST_MASTER);
	CHECK_EQ(vrrp_ha_counter(n[1].h, "hsw_runs"), 2);
	step(&n[1], 100);
	vrrp_ha_set_state(n[1].h, VRRP_HA_ST_BACKUP);
	CHECK_EQ(vrrp_ha_counter(n[1].h, "hsw_runs_stopped"), 1);
	CHECK_EQ(vrrp_ha_counter(n[1].h, "hsw_pending"), 0);
	{
		uint64_t done = vrrp_ha_counter(n[1].h, "hsw_sent") +
		                vrrp_ha_counter(n[1].h, "hsw_send_errors");

		CHECK(done > nb && done < 2 * nb);
		step(&n[1], 3000);
		CHECK_EQ(vrrp_ha_counter(n[1].h, "hsw_sent") +
		                 vrrp_ha_counter(n[1].h, "hsw_send_errors"),
		         done);
	}
	node_free(&n[0]);
	node_free(&n[1]);

	/* virtual mode: no run */
	cb.hard_switch = false;
	nodes_pair(n, NULL, &cb, 2000);
	vrrp_ha_set_state(n[0].h, VRRP_HA_ST_FAULT);
	vrrp_ha_set_state(n[1].h, VRRP_HA_ST_MASTER);
	nodes_advance(&n[1], 1, 100);
	CHECK_EQ(vrrp_ha_counter(n[1].h, "hsw_runs"), 0);
	node_free(&n[0]);
	node_free(&n[1]);
}

int main(void)
{
	test_kat();
	test_prefixes_and_reasons();
	test_limits();
	test_pace_and_once();
	test_changes_during_run();
	test_stop_and_errors();
	/* nothing may leave the host: a namespace without routes (or, without
	 * root, no raw socket at all) */
	if (geteuid() == 0 && unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "cannot unshare the network namespace: module part skipped\n");
	} else {
		/* root: a route for the CoAs into lo, so the sends succeed and
		 * the events can be checked (the packets die there) */
		if (geteuid() == 0 &&
		    system("ip link set lo up && ip -6 addr add 2001:db8:1::2/128 dev lo nodad && "
		           "ip -6 route add 2001:db8:cc::/48 dev lo") == 0)
			routed = true;
		test_module();
	}
	if (failures)
		fprintf(stderr, "%d failures\n", failures);
	return failures ? 1 : 0;
}
