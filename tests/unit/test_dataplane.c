/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_dataplane.c - vrrp_ha data plane against the real kernel, in a
 * private network namespace (unshare(CLONE_NEWNET)): nothing of the host is
 * touched and nothing needs cleaning up. Needs root; exits 77 (skip) if the
 * namespace cannot be made.
 *
 * The kernel state is read back with a dump parser of its own (raw
 * rtnetlink socket, every length checked), not with the library's code.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/lwtunnel.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/seg6.h>
#include <linux/seg6_iptunnel.h>
#include <linux/seg6_local.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "vrrp_ha/dataplane.h"

#include "check.h"

#define PROTO 0xb4
#define TABLE 1001u
#define DECAP 2001u
#define PREF  100u

static void logger(void *arg, int prio, const char *msg)
{
	if (prio <= LOG_INFO)
		fprintf(stderr, "  [dp] %s\n", msg);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- independent rtnetlink dump reader ---- */

struct rattr {
	const unsigned char *p; /* payload */
	unsigned len;
};

/* Walk attributes in [p, p+len): fill tb[type] for type <= max; 0 or -1 if malformed. */
static int parse_attrs(const unsigned char *p, size_t len, struct rattr *tb, unsigned max)
{
	memset(tb, 0, (max + 1) * sizeof(*tb));
	while (len >= 4) {
		uint16_t alen, type;

		memcpy(&alen, p, 2);
		memcpy(&type, p + 2, 2);
		type &= NLA_TYPE_MASK;
		if (alen < 4 || alen > len)
			return -1;
		if (type <= max) {
			tb[type].p = p + 4;
			tb[type].len = alen - 4u;
		}
		alen = (uint16_t)((alen + 3u) & ~3u);
		if (alen >= len)
			break;
		p += alen;
		len -= alen;
	}
	return 0;
}

typedef void (*msg_fn)(void *arg, const struct nlmsghdr *h);

static int dump(int type, unsigned char family, msg_fn fn, void *arg)
{
	static const size_t cap = 1 << 16;
	unsigned char *buf = malloc(cap);
	struct {
		struct nlmsghdr h;
		struct rtmsg r;
	} req = {.h = {.nlmsg_len = sizeof(req),
	               .nlmsg_type = (uint16_t)type,
	               .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
	               .nlmsg_seq = 42},
	         .r = {.rtm_family = family}};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), done = 0, rc = -1;

	if (fd < 0 || !buf || send(fd, &req, sizeof(req), 0) < 0)
		goto out;
	while (!done) {
		ssize_t n = recv(fd, buf, cap, 0);
		size_t left;
		const unsigned char *p = buf;

		if (n <= 0)
			goto out;
		left = (size_t)n;
		while (left >= sizeof(struct nlmsghdr)) {
			const struct nlmsghdr *h = (const void *)p;

			if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > left)
				goto out;
			if (h->nlmsg_type == NLMSG_DONE) {
				done = 1;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR)
				goto out;
			fn(arg, h);
			if (NLMSG_ALIGN(h->nlmsg_len) >= left)
				break;
			left -= NLMSG_ALIGN(h->nlmsg_len);
			p += NLMSG_ALIGN(h->nlmsg_len);
		}
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

struct route {
	struct in6_addr dst, seg, src; /* src: SEG6_IPTUNNEL_SRC (2), if the kernel keeps it */
	uint32_t table;
	int encap_type, mode, action, ok, has_src, plen;
};

struct routes {
	struct route *r;
	size_t n, cap;
	uint32_t table;
	int any_len; /* also prefix routes (proxy bindings), not only /128 */
};

static void route_cb(void *arg, const struct nlmsghdr *h)
{
	struct routes *rs = arg;
	struct rattr tb[RTA_MAX + 1], enc[8];
	const struct rtmsg *rt;
	struct route r = {0};

	if (h->nlmsg_type != RTM_NEWROUTE || h->nlmsg_len < NLMSG_LENGTH(sizeof(*rt)))
		return;
	rt = NLMSG_DATA(h);
	if (parse_attrs((const unsigned char *)rt + NLMSG_ALIGN(sizeof(*rt)),
	                h->nlmsg_len - NLMSG_LENGTH(sizeof(*rt)), tb, RTA_MAX) < 0)
		return;
	r.table = tb[RTA_TABLE].len == 4 ? *(const uint32_t *)(const void *)tb[RTA_TABLE].p
	                                 : rt->rtm_table;
	if (r.table != rs->table || rt->rtm_protocol != PROTO ||
	    (!rs->any_len && rt->rtm_dst_len != 128) || tb[RTA_DST].len != 16)
		return;
	memcpy(&r.dst, tb[RTA_DST].p, 16);
	r.plen = rt->rtm_dst_len;
	if (tb[RTA_ENCAP_TYPE].len == 2)
		r.encap_type = *(const uint16_t *)(const void *)tb[RTA_ENCAP_TYPE].p;
	if (tb[RTA_ENCAP].p && parse_attrs(tb[RTA_ENCAP].p, tb[RTA_ENCAP].len, enc, 7) == 0) {
		if (r.encap_type == LWTUNNEL_ENCAP_SEG6 &&
		    enc[SEG6_IPTUNNEL_SRH].len >= sizeof(struct seg6_iptunnel_encap) + 8 + 16) {
			const unsigned char *t = enc[SEG6_IPTUNNEL_SRH].p;
			int mode;

			memcpy(&mode, t, 4);
			r.mode = mode;
			/* srh: 8 bytes, then segments; one segment expected */
			if (t[4 + 1] == 2 && t[4 + 2] == 4) {
				memcpy(&r.seg, t + 4 + 8, 16);
				r.ok = 1;
			}
			if (enc[2].len == 16) {
				memcpy(&r.src, enc[2].p, 16);
				r.has_src = 1;
			}
		} else if (r.encap_type == LWTUNNEL_ENCAP_SEG6_LOCAL &&
		           enc[SEG6_LOCAL_ACTION].len == 4) {
			memcpy(&r.action, enc[SEG6_LOCAL_ACTION].p, 4);
			r.ok = 1;
		}
	}
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 1024;
		rs->r = realloc(rs->r, rs->cap * sizeof(*rs->r));
		if (!rs->r)
			abort();
	}
	rs->r[rs->n++] = r;
}

static struct routes routes_of(uint32_t table)
{
	struct routes rs = {.table = table};

	CHECK(dump(RTM_GETROUTE, AF_INET6, route_cb, &rs) == 0);
	return rs;
}

struct rule {
	uint32_t pref, table, mark;
	int has_dst, proto;
	struct in6_addr dst;
};

struct rules {
	struct rule r[64];
	unsigned n;
};

static void rule_cb(void *arg, const struct nlmsghdr *h)
{
	struct rules *rs = arg;
	struct rattr tb[FRA_MAX + 1];
	const struct fib_rule_hdr *f;
	struct rule r = {0};

	if (h->nlmsg_type != RTM_NEWRULE || h->nlmsg_len < NLMSG_LENGTH(sizeof(*f)))
		return;
	f = NLMSG_DATA(h);
	if (parse_attrs((const unsigned char *)f + NLMSG_ALIGN(sizeof(*f)),
	                h->nlmsg_len - NLMSG_LENGTH(sizeof(*f)), tb, FRA_MAX) < 0)
		return;
	if (tb[FRA_PRIORITY].len == 4)
		memcpy(&r.pref, tb[FRA_PRIORITY].p, 4);
	r.table = f->table;
	if (tb[FRA_TABLE].len == 4)
		memcpy(&r.table, tb[FRA_TABLE].p, 4);
	if (tb[FRA_DST].len == 16) {
		r.has_dst = f->dst_len;
		memcpy(&r.dst, tb[FRA_DST].p, 16);
	}
	if (tb[FRA_FWMARK].len == 4)
		memcpy(&r.mark, tb[FRA_FWMARK].p, 4);
	if (tb[FRA_IP_PROTO].len == 1)
		r.proto = tb[FRA_IP_PROTO].p[0];
	if (rs->n < 64)
		rs->r[rs->n++] = r;
}

static struct rules rules_now(void)
{
	struct rules rs = {.n = 0};

	CHECK(dump(RTM_GETRULE, AF_INET6, rule_cb, &rs) == 0);
	return rs;
}

static int has_rule(const struct rules *rs, uint32_t pref, uint32_t table)
{
	unsigned i;
	int n = 0;

	for (i = 0; i < rs->n; i++)
		n += rs->r[i].pref == pref && rs->r[i].table == table;
	return n;
}

/* ---- bindings ---- */

static struct in6_addr hoa_of(unsigned i)
{
	struct in6_addr a;

	inet_pton(AF_INET6, "2001:db8:100::", &a);
	a.s6_addr[12] = (uint8_t)(i >> 24);
	a.s6_addr[13] = (uint8_t)(i >> 16);
	a.s6_addr[14] = (uint8_t)(i >> 8);
	a.s6_addr[15] = (uint8_t)i;
	return a;
}

static struct in6_addr coa_of(unsigned i, unsigned gen)
{
	struct in6_addr a;

	inet_pton(AF_INET6, "2001:db8:2::", &a);
	a.s6_addr[13] = (uint8_t)gen;
	a.s6_addr[14] = (uint8_t)(i >> 8);
	a.s6_addr[15] = (uint8_t)(i % 251 + 1);
	return a;
}

static unsigned hoa_index(const struct in6_addr *a)
{
	return ((unsigned)a->s6_addr[12] << 24) | ((unsigned)a->s6_addr[13] << 16) |
	       ((unsigned)a->s6_addr[14] << 8) | a->s6_addr[15];
}

static size_t commit_all(struct vrrp_ha_dp *dp)
{
	struct timespec ts = {0, 2000000};
	int i;

	/* ENOMEM under fast seg6 insertion ends a commit early (the kernel's
	 * per-CPU allocations need to refill): on a loaded machine 100k routes
	 * may take many rounds. Bounded at ~30 s. */
	for (i = 0; i < 15000 && vrrp_ha_dp_commit(dp, 0); i++)
		nanosleep(&ts, NULL);
	return vrrp_ha_dp_pending(dp);
}

/* Routes in TABLE must be exactly: bindings i with want[i] != 0, CoA gen want[i]. */
static void verify_routes(const unsigned char *want, unsigned n)
{
	struct routes rs = routes_of(TABLE);
	unsigned expect = 0, i, bad = 0;
	unsigned char *seen = calloc(n, 1);

	for (i = 0; i < n; i++)
		expect += want[i] != 0;
	CHECK_EQ(rs.n, expect);
	for (i = 0; i < rs.n; i++) {
		unsigned k = hoa_index(&rs.r[i].dst);
		struct in6_addr c;

		if (k >= n || !want[k] || seen[k] || !rs.r[i].ok ||
		    rs.r[i].encap_type != LWTUNNEL_ENCAP_SEG6 ||
		    rs.r[i].mode != SEG6_IPTUN_MODE_ENCAP_RED) {
			bad++;
			continue;
		}
		seen[k] = 1;
		c = coa_of(k, want[k]);
		bad += memcmp(&c, &rs.r[i].seg, 16) != 0;
	}
	CHECK_EQ(bad, 0);
	free(seen);
	free(rs.r);
}

static int sh(const char *cmd)
{
	int rc = system(cmd);

	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void base_config(struct vrrp_ha_dp_config *c)
{
	vrrp_ha_dp_config_defaults(c, 1);
	inet_pton(AF_INET6, "2001:db8:1::100", &c->vha);
	snprintf(c->ifname, sizeof(c->ifname), "dph0");
}

#define N1 10000u

static void test_main(void)
{
	struct vrrp_ha_dp_config c;
	struct vrrp_ha_dp *dp;
	unsigned char *want = calloc(N1, 1);
	struct routes rs;
	struct rules ru;
	unsigned i;
	double t;

	base_config(&c);
	dp = vrrp_ha_dp_new(&c, logger, NULL);
	CHECK(dp != NULL);
	if (!dp)
		return;
	/* this kernel has no ip6_tunnel: AUTO must fall back to seg6 */
	if (vrrp_ha_dp_backend(dp) != VRRP_HA_DP_SEG6)
		fprintf(stderr, "note: backend %s (kernel has ip6tnl?)\n",
		        vrrp_ha_dp_backend_name(vrrp_ha_dp_backend(dp)));
	CHECK_EQ(vrrp_ha_dp_backend(dp), VRRP_HA_DP_SEG6);
	CHECK_EQ(vrrp_ha_dp_filter_count(dp), 0);

	/* decapsulation route, staged at new() */
	rs = routes_of(DECAP);
	CHECK_EQ(rs.n, 1);
	if (rs.n == 1) {
		CHECK_EQ(rs.r[0].encap_type, LWTUNNEL_ENCAP_SEG6_LOCAL);
		CHECK_EQ(rs.r[0].action, SEG6_LOCAL_ACTION_END_DX6);
		CHECK(memcmp(&rs.r[0].dst, &c.vha, 16) == 0);
	}
	free(rs.r);

	t = now_s();
	for (i = 0; i < N1; i++) {
		struct in6_addr h = hoa_of(i), a = coa_of(i, 1);

		CHECK(vrrp_ha_dp_stage(dp, &h, &a) == 0);
		want[i] = 1;
	}
	CHECK_EQ(vrrp_ha_dp_pending(dp), N1);
	CHECK_EQ(commit_all(dp), 0);
	fprintf(stderr, "staged %u in %.3f s, enomem_retries %llu\n", N1, now_s() - t,
	        (unsigned long long)vrrp_ha_dp_counters(dp)->enomem_retries);
	CHECK_EQ(vrrp_ha_dp_staged(dp), N1);
	verify_routes(want, N1);
	CHECK_EQ(vrrp_ha_dp_filter_count(dp), N1);

	/* unstage half, move a few to a new CoA, stage + unstage before commit */
	for (i = 0; i < N1; i += 2) {
		struct in6_addr h = hoa_of(i);

		CHECK(vrrp_ha_dp_unstage(dp, &h) == 0);
		want[i] = 0;
	}
	for (i = 1; i < 200; i += 2) {
		struct in6_addr h = hoa_of(i), a = coa_of(i, 2);

		CHECK(vrrp_ha_dp_stage(dp, &h, &a) == 0);
		want[i] = 2;
	}
	{
		struct in6_addr h = hoa_of(N1 + 5), a = coa_of(5, 1);

		CHECK(vrrp_ha_dp_stage(dp, &h, &a) == 0);
		CHECK(vrrp_ha_dp_unstage(dp, &h) == 0);
	}
	CHECK_EQ(commit_all(dp), 0);
	CHECK_EQ(vrrp_ha_dp_staged(dp), N1 / 2);
	verify_routes(want, N1);
	CHECK_EQ(vrrp_ha_dp_filter_count(dp), N1 / 2);
	/* unstaging something never staged: no-op */
	{
		struct in6_addr h = hoa_of(N1 + 7);

		CHECK(vrrp_ha_dp_unstage(dp, &h) == 0);
		CHECK_EQ(vrrp_ha_dp_pending(dp), 0);
	}

	/* gated activation (default): rules installed by new(), activation
	 * only opens the nftables gate */
	ru = rules_now();
	CHECK_EQ(has_rule(&ru, PREF, TABLE), 1);
	CHECK_EQ(has_rule(&ru, PREF - 1, DECAP), 1);
	CHECK_EQ(has_rule(&ru, 0, 255), 0);
	CHECK_EQ(has_rule(&ru, 1000, 255), 1);
	CHECK_EQ(ru.n, 4); /* local@1000, decap, activation, main (IPv6 has no default rule) */
	for (i = 0; i < ru.n; i++) {
		if (ru.r[i].pref == PREF - 1) {
			CHECK_EQ(ru.r[i].has_dst, 128);
			CHECK_EQ(ru.r[i].proto, IPPROTO_IPV6);
			CHECK(memcmp(&ru.r[i].dst, &c.vha, 16) == 0);
		}
		if (ru.r[i].pref == PREF)
			CHECK_EQ(ru.r[i].mark, c.gate_mark);
	}
	CHECK(sh("nft list chain ip6 vrrp_ha_1001 gate_in | grep -q 'meta mark set'") != 0);
	CHECK(vrrp_ha_dp_activate(dp) == 0);
	CHECK(vrrp_ha_dp_activate(dp) == 0); /* idempotent */
	CHECK(vrrp_ha_dp_active(dp));
	CHECK(sh("test $(nft list chain ip6 vrrp_ha_1001 gate_in | grep -c 'meta mark set') = 1") ==
	      0);
	CHECK(sh("test $(nft list chain ip6 vrrp_ha_1001 gate_out | grep -c 'meta mark set') = "
	         "1") == 0);
	ru = rules_now();
	CHECK_EQ(ru.n, 4);
	CHECK(vrrp_ha_dp_deactivate(dp) == 0);
	CHECK(!vrrp_ha_dp_active(dp));
	CHECK(sh("nft list chain ip6 vrrp_ha_1001 gate_in | grep -q 'meta mark set'") != 0);
	verify_routes(want, N1); /* routes stay staged */
	CHECK(vrrp_ha_dp_activate(dp) == 0);

	/* flush: no binding routes left */
	CHECK(vrrp_ha_dp_flush(dp) == 0);
	memset(want, 0, N1);
	verify_routes(want, N1);
	CHECK_EQ(vrrp_ha_dp_filter_count(dp), 0);
	CHECK_EQ(vrrp_ha_dp_staged(dp), 0);
	for (i = 0; i < 100; i++) {
		struct in6_addr h = hoa_of(i), a = coa_of(i, 1);

		CHECK(vrrp_ha_dp_stage(dp, &h, &a) == 0);
	}
	CHECK_EQ(commit_all(dp), 0);
	CHECK_EQ(vrrp_ha_dp_counters(dp)->route_errors, 0);

	/* free removes everything and puts the local rule back */
	vrrp_ha_dp_free(dp);
	rs = routes_of(TABLE);
	CHECK_EQ(rs.n, 0);
	free(rs.r);
	rs = routes_of(DECAP);
	CHECK_EQ(rs.n, 0);
	free(rs.r);
	ru = rules_now();
	CHECK_EQ(ru.n, 2);
	CHECK_EQ(has_rule(&ru, 0, 255), 1);
	CHECK(sh("nft list table ip6 vrrp_ha_1001 >/dev/null 2>&1") != 0);
	free(want);
}

/* A first instance dies (child _exit, nothing freed); a second one with
 * the same configuration starts clean. */
static void test_crash(void)
{
	struct vrrp_ha_dp_config c;
	struct vrrp_ha_dp *dp;
	struct routes rs;
	struct rules ru;
	pid_t pid;
	int st = 0;

	base_config(&c);
	pid = fork();
	if (pid == 0) {
		unsigned i;

		dp = vrrp_ha_dp_new(&c, NULL, NULL);
		if (!dp)
			_exit(1);
		for (i = 0; i < 3000; i++) {
			struct in6_addr h = hoa_of(i), a = coa_of(i, 1);

			vrrp_ha_dp_stage(dp, &h, &a);
		}
		commit_all(dp);
		vrrp_ha_dp_activate(dp);
		_exit(vrrp_ha_dp_staged(dp) == 3000 ? 0 : 2);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	rs = routes_of(TABLE);
	CHECK_EQ(rs.n, 3000);
	free(rs.r);

	dp = vrrp_ha_dp_new(&c, logger, NULL);
	CHECK(dp != NULL);
	if (!dp)
		return;
	/* 3000 routes + decap route + 2 rules */
	CHECK_EQ(vrrp_ha_dp_counters(dp)->flushed_stale, 3003);
	rs = routes_of(TABLE);
	CHECK_EQ(rs.n, 0);
	free(rs.r);
	rs = routes_of(DECAP);
	CHECK_EQ(rs.n, 1); /* this instance's own */
	free(rs.r);
	ru = rules_now(); /* the stale rules went, this instance's own (gated) are there once */
	CHECK_EQ(has_rule(&ru, PREF, TABLE), 1);
	CHECK_EQ(has_rule(&ru, PREF - 1, DECAP), 1);
	CHECK_EQ(ru.n, 4);
	CHECK_EQ(vrrp_ha_dp_filter_count(dp), 0);
	vrrp_ha_dp_free(dp);
	/* the dead instance moved the local rule (tagged with our protocol): the
	 * last instance's free puts it back */
	ru = rules_now();
	CHECK_EQ(ru.n, 2);
	CHECK_EQ(has_rule(&ru, 0, 255), 1);
}

/* 100k routes as fast as they go: exercises the ENOMEM re-queue path. */
static void test_bulk(void)
{
	const unsigned n = 100000;
	struct vrrp_ha_dp_config c;
	struct vrrp_ha_dp *dp;
	struct routes rs;
	unsigned i;
	double t;

	base_config(&c);
	c.batch = 256;
	dp = vrrp_ha_dp_new(&c, logger, NULL);
	CHECK(dp != NULL);
	if (!dp)
		return;
	t = now_s();
	for (i = 0; i < n; i++) {
		struct in6_addr h = hoa_of(i), a = coa_of(i, 3);

		vrrp_ha_dp_stage(dp, &h, &a);
	}
	CHECK_EQ(commit_all(dp), 0);
	t = now_s() - t;
	CHECK_EQ(vrrp_ha_dp_staged(dp), n);
	rs = routes_of(TABLE);
	CHECK_EQ(rs.n, n);
	free(rs.r);
	CHECK_EQ(vrrp_ha_dp_filter_count(dp), n);
	fprintf(stderr,
	        "bulk: %u routes in %.3f s (%.0f/s), enomem_retries %llu, "
	        "route_errors %llu\n",
	        n, t, n / t, (unsigned long long)vrrp_ha_dp_counters(dp)->enomem_retries,
	        (unsigned long long)vrrp_ha_dp_counters(dp)->route_errors);
	CHECK_EQ(vrrp_ha_dp_counters(dp)->route_errors, 0);
	vrrp_ha_dp_free(dp);
	rs = routes_of(TABLE);
	CHECK_EQ(rs.n, 0);
	free(rs.r);
}

/* Without the gate: activation adds and removes exactly the two rules. */
static void test_ungated(void)
{
	struct vrrp_ha_dp_config c;
	struct vrrp_ha_dp *dp;
	struct rules ru;

	base_config(&c);
	c.gate_mark = 0;
	dp = vrrp_ha_dp_new(&c, logger, NULL);
	CHECK(dp != NULL);
	if (!dp)
		return;
	ru = rules_now();
	CHECK_EQ(ru.n, 2);
	CHECK_EQ(has_rule(&ru, 0, 255), 1);
	CHECK(vrrp_ha_dp_activate(dp) == 0);
	CHECK(vrrp_ha_dp_activate(dp) == 0);
	ru = rules_now();
	CHECK_EQ(ru.n, 4);
	CHECK_EQ(has_rule(&ru, PREF, TABLE), 1);
	CHECK_EQ(has_rule(&ru, PREF - 1, DECAP), 1);
	CHECK_EQ(has_rule(&ru, 1000, 255), 1);
	CHECK(vrrp_ha_dp_deactivate(dp) == 0);
	ru = rules_now();
	CHECK_EQ(ru.n, 2); /* local stays at 1000 until free */
	CHECK_EQ(has_rule(&ru, PREF, TABLE), 0);
	CHECK_EQ(has_rule(&ru, 1000, 255), 1);
	vrrp_ha_dp_free(dp);
	ru = rules_now();
	CHECK_EQ(ru.n, 2);
	CHECK_EQ(has_rule(&ru, 0, 255), 1);
}

static void test_none(void)
{
	struct vrrp_ha_dp_config c;
	struct vrrp_ha_dp *dp;
	struct in6_addr h = hoa_of(1), a = coa_of(1, 1);

	base_config(&c);
	c.backend = VRRP_HA_DP_NONE;
	dp = vrrp_ha_dp_new(&c, NULL, NULL);
	CHECK(dp != NULL);
	if (!dp)
		return;
	CHECK(vrrp_ha_dp_stage(dp, &h, &a) == 0);
	CHECK_EQ(vrrp_ha_dp_commit(dp, 0), 0);
	CHECK(vrrp_ha_dp_activate(dp) == 0);
	CHECK_EQ(vrrp_ha_dp_staged(dp), 0);
	vrrp_ha_dp_free(dp);
	CHECK(strcmp(vrrp_ha_dp_backend_name(VRRP_HA_DP_SEG6), "seg6") == 0);
}

/* ---- two instances (two VHAs) in one namespace: load balance ---- */

/* An AF_PACKET socket on dph1 (the far end of dph0): what left dph0. */
static int cap_open(void)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_IPV6));
	struct sockaddr_ll sll = {.sll_family = AF_PACKET,
	                          .sll_protocol = htons(ETH_P_IPV6),
	                          .sll_ifindex = (int)if_nametoindex("dph1")};

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/*
 * Read frames for up to secs until an IPv6-in-IPv6 packet whose inner
 * destination is hoa arrives; its outer source in *src. Returns: 1 found, 0 not.
 */
static int cap_tunnelled(int fd, const struct in6_addr *hoa, struct in6_addr *src, double secs)
{
	double end = now_s() + secs;
	unsigned char b[2048];

	while (now_s() < end) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = recv(fd, b, sizeof(b), 0);
		/* cooked by the kernel? no: SOCK_RAW, 14-byte Ethernet header first */
		if (n < 14 + 80 || b[14 + 6] != IPPROTO_IPV6 || memcmp(b + 14 + 40 + 24, hoa, 16))
			continue;
		memcpy(src, b + 14 + 8, 16);
		return 1;
	}
	return 0;
}

/* ping once from this namespace (the packet is tunnelled by gate_out's mark) */
static void ping1(const char *dst)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "ping -6 -c 1 -W 0.2 %s >/dev/null 2>&1", dst);
	sh(cmd);
}

static int outer_src_is(int fd, const char *hoa_s, const struct in6_addr *want)
{
	struct in6_addr hoa, src;
	char b1[INET6_ADDRSTRLEN];

	inet_pton(AF_INET6, hoa_s, &hoa);
	ping1(hoa_s);
	if (!cap_tunnelled(fd, &hoa, &src, 2.0)) {
		fprintf(stderr, "  no tunnel packet to %s seen\n", hoa_s);
		return 0;
	}
	fprintf(stderr, "  %s tunnelled, outer source %s\n", hoa_s,
	        inet_ntop(AF_INET6, &src, b1, sizeof(b1)));
	return !memcmp(&src, want, 16);
}

static void test_two(enum vrrp_ha_dp_src mode)
{
	struct vrrp_ha_dp_config ca, cb;
	struct vrrp_ha_dp *a, *b;
	struct in6_addr h, k;
	struct routes rs;
	struct rules ru;
	int fd = cap_open();

	fprintf(stderr, "two instances, outer source mode %s\n", vrrp_ha_dp_src_name(mode));
	CHECK(fd >= 0);
	base_config(&ca);
	ca.seg6_src = mode;
	vrrp_ha_dp_config_defaults(&cb, 2);
	cb.seg6_src = mode;
	inet_pton(AF_INET6, "2001:db8:1::200", &cb.vha);
	snprintf(cb.ifname, sizeof(cb.ifname), "dph0");
	a = vrrp_ha_dp_new(&ca, logger, NULL);
	b = vrrp_ha_dp_new(&cb, logger, NULL);
	CHECK(a != NULL && b != NULL);
	if (!a || !b || fd < 0) {
		vrrp_ha_dp_free(a);
		vrrp_ha_dp_free(b);
		if (fd >= 0)
			close(fd);
		return;
	}
	CHECK_EQ(vrrp_ha_dp_src_mode(a),
	         mode == VRRP_HA_DP_SRC_AUTO ? vrrp_ha_dp_src_mode(b) : mode);
	inet_pton(AF_INET6, "2001:db8:100::a", &h);
	inet_pton(AF_INET6, "2001:db8:2::a", &k);
	CHECK(vrrp_ha_dp_stage(a, &h, &k) == 0);
	inet_pton(AF_INET6, "2001:db8:100::b", &h);
	inet_pton(AF_INET6, "2001:db8:2::b", &k);
	CHECK(vrrp_ha_dp_stage(b, &h, &k) == 0);
	CHECK_EQ(commit_all(a), 0);
	CHECK_EQ(commit_all(b), 0);
	/* each route carries its own instance's source where the kernel keeps it */
	if (vrrp_ha_dp_src_mode(a) == VRRP_HA_DP_SRC_ROUTE) {
		rs = routes_of(TABLE);
		CHECK(rs.n == 1 && rs.r[0].has_src && !memcmp(&rs.r[0].src, &ca.vha, 16));
		free(rs.r);
		rs = routes_of(1002);
		CHECK(rs.n == 1 && rs.r[0].has_src && !memcmp(&rs.r[0].src, &cb.vha, 16));
		free(rs.r);
	} else if (vrrp_ha_dp_src_mode(a) == VRRP_HA_DP_SRC_REWRITE) {
		CHECK(sh("nft list chain ip6 vrrp_ha_1001 src_out | grep -q 'saddr set "
		         "2001:db8:1::100'") == 0);
		CHECK(sh("nft list chain ip6 vrrp_ha_1002 src_out | grep -q 'saddr set "
		         "2001:db8:1::200'") == 0);
	}
	/* one gate bit each: b's gate does not switch on a's staged table */
	fprintf(stderr, "  gate marks 0x%x 0x%x\n", vrrp_ha_dp_gate_mark(a),
	        vrrp_ha_dp_gate_mark(b));
	CHECK(vrrp_ha_dp_gate_mark(a) != 0 && vrrp_ha_dp_gate_mark(b) != 0);
	CHECK((vrrp_ha_dp_gate_mark(a) & vrrp_ha_dp_gate_mark(b)) == 0);
	CHECK(vrrp_ha_dp_activate(b) == 0);
	{
		struct in6_addr src;

		inet_pton(AF_INET6, "2001:db8:100::a", &h);
		ping1("2001:db8:100::a");
		CHECK(!cap_tunnelled(fd, &h, &src, 0.5)); /* a is BACKUP: not tunnelled */
	}
	CHECK(vrrp_ha_dp_activate(a) == 0);
	/* both masters: each VHA's MN gets its own VHA as the outer source */
	if (mode == VRRP_HA_DP_SRC_TUNSRC) {
		/* the documented limit: one source per namespace, the last activation's */
		CHECK(outer_src_is(fd, "2001:db8:100::b", &ca.vha));
		goto out;
	}
	CHECK(outer_src_is(fd, "2001:db8:100::a", &ca.vha));
	CHECK(outer_src_is(fd, "2001:db8:100::b", &cb.vha));
	/* free of one leaves the other working, and the shared state in place */
	vrrp_ha_dp_free(a);
	a = NULL;
	ru = rules_now();
	CHECK_EQ(has_rule(&ru, 1000, 255), 1);
	CHECK_EQ(has_rule(&ru, 0, 255), 0);
	CHECK_EQ(has_rule(&ru, PREF, 1002), 1);
	CHECK_EQ(has_rule(&ru, PREF - 1, 2002), 1);
	CHECK_EQ(has_rule(&ru, PREF, TABLE), 0);
	rs = routes_of(2002);
	CHECK_EQ(rs.n, 1);
	free(rs.r);
	CHECK(outer_src_is(fd, "2001:db8:100::b", &cb.vha));
	CHECK_EQ(vrrp_ha_dp_filter_count(b), 1);
out:
	vrrp_ha_dp_free(a);
	vrrp_ha_dp_free(b);
	/* the last one out puts the local rule back */
	ru = rules_now();
	CHECK_EQ(ru.n, 2);
	CHECK_EQ(has_rule(&ru, 0, 255), 1);
	close(fd);
}

/* ---- PMIPv6 proxy bindings: HNP/64 -> PCoA, reverse filter, per-PCoA gate ---- */

/*
 * Read frames for up to secs until an IPv6-in-IPv6 packet whose inner
 * destination is dst arrives; its outer source and destination in *src, *odst.
 */
static int cap_tunnel2(int fd, const struct in6_addr *dst, struct in6_addr *src,
                       struct in6_addr *odst, double secs)
{
	double end = now_s() + secs;
	unsigned char b[2048];

	while (now_s() < end) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = recv(fd, b, sizeof(b), 0);
		if (n < 14 + 80 || b[14 + 6] != IPPROTO_IPV6 || memcmp(b + 14 + 40 + 24, dst, 16))
			continue;
		memcpy(src, b + 14 + 8, 16);
		memcpy(odst, b + 14 + 24, 16);
		return 1;
	}
	return 0;
}

/* ping dst_s from this namespace; Returns: 1 if it left dph0 tunnelled to
 * pcoa with outer source vha (or any source if vha is NULL), 0 if no tunnel
 * packet was seen, -1 if one was seen with other outer addresses. */
static int tunnelled_to(int fd, const char *dst_s, const struct in6_addr *pcoa,
                        const struct in6_addr *vha, double secs)
{
	struct in6_addr dst, src, odst;

	inet_pton(AF_INET6, dst_s, &dst);
	while (poll(&(struct pollfd){.fd = fd, .events = POLLIN}, 1, 0) > 0)
		(void)!recv(fd, (char[2048]){0}, 2048, 0); /* drain */
	ping1(dst_s);
	if (!cap_tunnel2(fd, &dst, &src, &odst, secs))
		return 0;
	return !memcmp(&odst, pcoa, 16) && (!vha || !memcmp(&src, vha, 16)) ? 1 : -1;
}

/* (ioctl: /sys shows the namespace that mounted it, not this private one) */
static int mac_of(const char *ifn, unsigned char mac[6])
{
	struct ifreq ifr;
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifn);
	rc = ioctl(fd, SIOCGIFHWADDR, &ifr);
	close(fd);
	if (rc < 0)
		return -1;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

/*
 * From dph1 (the MAG side), send IPv6-in-IPv6 osrc -> odst, inner isrc ->
 * idst (no next header, empty), and wait up to secs for the decapsulated
 * inner packet to come back out of dph0. Returns: 1 seen, 0 not.
 */
static int decap_seen(int fd, const char *osrc, const char *odst, const char *isrc,
                      const char *idst, double secs)
{
	unsigned char f[14 + 80] = {0}, b[2048];
	struct sockaddr_ll sll = {.sll_family = AF_PACKET,
	                          .sll_protocol = htons(ETH_P_IPV6),
	                          .sll_ifindex = (int)if_nametoindex("dph1"),
	                          .sll_halen = 6};
	struct in6_addr is;
	double end;

	if (mac_of("dph0", f) < 0 || mac_of("dph1", f + 6) < 0)
		return 0;
	memcpy(sll.sll_addr, f, 6);
	f[12] = 0x86;
	f[13] = 0xdd;
	f[14] = 0x60;
	f[14 + 5] = 40; /* payload length: the inner header */
	f[14 + 6] = IPPROTO_IPV6;
	f[14 + 7] = 64;
	inet_pton(AF_INET6, osrc, f + 14 + 8);
	inet_pton(AF_INET6, odst, f + 14 + 24);
	f[54] = 0x60;
	f[54 + 6] = 59; /* no next header */
	f[54 + 7] = 64;
	inet_pton(AF_INET6, isrc, f + 54 + 8);
	inet_pton(AF_INET6, idst, f + 54 + 24);
	memcpy(&is, f + 54 + 8, 16);
	while (poll(&(struct pollfd){.fd = fd, .events = POLLIN}, 1, 0) > 0)
		(void)!recv(fd, b, sizeof(b), 0); /* drain */
	if (sendto(fd, f, sizeof(f), 0, (struct sockaddr *)&sll, sizeof(sll)) != (ssize_t)sizeof(f))
		return 0;
	end = now_s() + secs;
	while (now_s() < end) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (poll(&p, 1, 50) <= 0)
			continue;
		n = recv(fd, b, sizeof(b), 0);
		if (n >= 14 + 40 && b[14 + 6] == 59 && !memcmp(b + 14 + 8, &is, 16))
			return 1;
	}
	return 0;
}

static struct vrrp_ha_dp_hnp hnp(const char *p, unsigned len)
{
	struct vrrp_ha_dp_hnp h = {.len = (uint8_t)len};

	inet_pton(AF_INET6, p, &h.prefix);
	return h;
}

/* the route of prefix p/len in rs; Returns: its index or -1 */
static int route_idx(const struct routes *rs, const char *p, int len)
{
	struct in6_addr a;
	size_t i;

	inet_pton(AF_INET6, p, &a);
	for (i = 0; i < rs->n; i++)
		if (rs->r[i].plen == len && !memcmp(&rs->r[i].dst, &a, 16))
			return (int)i;
	return -1;
}

static void test_proxy(void)
{
	struct vrrp_ha_dp_config c, c2;
	struct vrrp_ha_dp *dp, *dp2;
	struct vrrp_ha_dp_hnp h1[2] = {hnp("2001:db8:a::", 64), hnp("2001:db8:b:0:1::", 64)},
	                      h2[2] = {hnp("2001:db8:c::", 64), hnp("2001:db8:f::", 48)},
	                      bad = hnp("2001:db8:d::", 0);
	struct in6_addr p1, p2, hoa, coa, *vha;
	struct routes rs = {.table = TABLE, .any_len = 1};
	const char *V = "2001:db8:1::100", *CN = "2001:db8:1::77";
	int fd = cap_open(), i;

	fprintf(stderr, "proxy bindings (PMIPv6)\n");
	CHECK(fd >= 0);
	base_config(&c);
	dp = vrrp_ha_dp_new(&c, logger, NULL);
	CHECK(dp != NULL);
	if (!dp || fd < 0) {
		vrrp_ha_dp_free(dp);
		if (fd >= 0)
			close(fd);
		return;
	}
	CHECK(sh("sysctl -qw net.ipv6.conf.all.forwarding=1 && "
	         "ip -6 neigh replace 2001:db8:1::77 lladdr 02:00:00:00:00:77 dev dph0 nud "
	         "permanent") == 0);
	/* the outer source is the VHA unless the namespace's tunsrc gives it */
	vha = vrrp_ha_dp_src_mode(dp) == VRRP_HA_DP_SRC_TUNSRC ? NULL : &c.vha;
	inet_pton(AF_INET6, "2001:db8:2::71", &p1);
	inet_pton(AF_INET6, "2001:db8:2::72", &p2);
	inet_pton(AF_INET6, "2001:db8:100::a", &hoa);
	inet_pton(AF_INET6, "2001:db8:2::a", &coa);
	CHECK(vrrp_ha_dp_stage_proxy(dp, &p1, &bad, 1) == -1); /* length 0: nothing queued */
	CHECK_EQ(vrrp_ha_dp_pending(dp), 0);
	CHECK(vrrp_ha_dp_stage_proxy(dp, &p1, h1, 2) == 0);
	CHECK(vrrp_ha_dp_stage_proxy(dp, &p2, h2, 2) == 0); /* a /48: the pipapo sets */
	CHECK(vrrp_ha_dp_stage(dp, &hoa, &coa) == 0);       /* a MIPv6 binding beside them */
	CHECK_EQ(commit_all(dp), 0);
	CHECK_EQ(vrrp_ha_dp_staged(dp), 5);
	CHECK_EQ(vrrp_ha_dp_counters(dp)->route_errors, 0);
	CHECK_EQ(vrrp_ha_dp_counters(dp)->filter_errors, 0);
	/* routes: HNP/64 (host bits cleared) encap seg6 segs PCoA */
	CHECK(dump(RTM_GETROUTE, AF_INET6, route_cb, &rs) == 0);
	CHECK_EQ(rs.n, 5);
	i = route_idx(&rs, "2001:db8:a::", 64);
	CHECK(i >= 0 && rs.r[i].ok && !memcmp(&rs.r[i].seg, &p1, 16));
	i = route_idx(&rs, "2001:db8:b::", 64);
	CHECK(i >= 0 && rs.r[i].ok && !memcmp(&rs.r[i].seg, &p1, 16));
	i = route_idx(&rs, "2001:db8:c::", 64);
	CHECK(i >= 0 && rs.r[i].ok && !memcmp(&rs.r[i].seg, &p2, 16));
	i = route_idx(&rs, "2001:db8:f::", 48);
	CHECK(i >= 0 && rs.r[i].ok && !memcmp(&rs.r[i].seg, &p2, 16));
	CHECK(route_idx(&rs, "2001:db8:100::a", 128) >= 0);
	free(rs.r);
	CHECK_EQ(vrrp_ha_dp_proxy_filter_count(dp, 0), 4);
	CHECK_EQ(vrrp_ha_dp_proxy_filter_count(dp, 1), 4);
	CHECK_EQ(vrrp_ha_dp_proxy_filter_count(dp, 2), 0);
	CHECK_EQ(vrrp_ha_dp_filter_count(dp), 1);

	/* forward path, per PCoA: nothing while BACKUP */
	CHECK_EQ(tunnelled_to(fd, "2001:db8:a::1", &p1, vha, 0.5), 0);
	CHECK(vrrp_ha_dp_activate_pcoa(dp, &p1, true) == 0);
	CHECK(vrrp_ha_dp_activate_pcoa(dp, &p1, true) == 0); /* idempotent */
	CHECK_EQ(vrrp_ha_dp_proxy_filter_count(dp, 2), 1);
	CHECK_EQ(tunnelled_to(fd, "2001:db8:a::1", &p1, vha, 2.0), 1);
	CHECK_EQ(tunnelled_to(fd, "2001:db8:b::ff", &p1, vha, 2.0), 1);
	CHECK_EQ(tunnelled_to(fd, "2001:db8:c::1", &p2, vha, 0.5), 0); /* other MAG: off */
	CHECK_EQ(tunnelled_to(fd, "2001:db8:f:1::1", &p2, vha, 0.5), 0);
	CHECK_EQ(tunnelled_to(fd, "2001:db8:100::a", &coa, vha, 0.5), 0); /* MIPv6: off */
	CHECK(vrrp_ha_dp_activate_pcoa(dp, &p1, false) == 0);
	CHECK(vrrp_ha_dp_activate_pcoa(dp, &p1, false) == 0);
	CHECK_EQ(vrrp_ha_dp_proxy_filter_count(dp, 2), 0);
	CHECK_EQ(tunnelled_to(fd, "2001:db8:a::1", &p1, vha, 0.5), 0);
	CHECK(vrrp_ha_dp_activate_pcoa(dp, &p2, true) == 0); /* the /48 through its map */
	CHECK_EQ(tunnelled_to(fd, "2001:db8:f:1::1", &p2, vha, 2.0), 1);
	CHECK_EQ(tunnelled_to(fd, "2001:db8:a::1", &p1, vha, 0.5), 0);
	CHECK(vrrp_ha_dp_activate_pcoa(dp, &p2, false) == 0);
	/* MASTER: all of them, by the one gate transaction */
	CHECK(vrrp_ha_dp_activate(dp) == 0);
	CHECK_EQ(tunnelled_to(fd, "2001:db8:c::1", &p2, vha, 2.0), 1);
	CHECK_EQ(tunnelled_to(fd, "2001:db8:a::2", &p1, vha, 2.0), 1);
	CHECK_EQ(tunnelled_to(fd, "2001:db8:100::a", &coa, vha, 2.0), 1);
	CHECK(vrrp_ha_dp_deactivate(dp) == 0);
	CHECK_EQ(tunnelled_to(fd, "2001:db8:c::1", &p2, vha, 0.5), 0);

	/* reverse path: outer source = PCoA and inner source in one of its HNPs */
	CHECK_EQ(decap_seen(fd, "2001:db8:2::71", V, "2001:db8:a::5", CN, 2.0), 1);
	CHECK_EQ(decap_seen(fd, "2001:db8:2::71", V, "2001:db8:b::ffff:5", CN, 2.0), 1);
	CHECK_EQ(decap_seen(fd, "2001:db8:2::72", V, "2001:db8:c::6", CN, 2.0), 1);
	CHECK_EQ(decap_seen(fd, "2001:db8:2::72", V, "2001:db8:f:ffff::6", CN, 2.0), 1);
	CHECK_EQ(decap_seen(fd, "2001:db8:2::71", V, "2001:db8:f::6", CN, 0.5), 0);   /* p2's /48 */
	CHECK_EQ(decap_seen(fd, "2001:db8:2::72", V, "2001:db8:10::6", CN, 0.5), 0);  /* past it */
	CHECK_EQ(decap_seen(fd, "2001:db8:2::71", V, "2001:db8:c::5", CN, 0.5), 0);   /* p2's */
	CHECK_EQ(decap_seen(fd, "2001:db8:2::72", V, "2001:db8:a::5", CN, 0.5), 0);   /* p1's */
	CHECK_EQ(decap_seen(fd, "2001:db8:2::79", V, "2001:db8:a::7", CN, 0.5), 0);   /* no MAG */
	CHECK_EQ(decap_seen(fd, "2001:db8:2::71", V, "2001:db8:a:1::1", CN, 0.5), 0); /* next /64 */
	CHECK_EQ(decap_seen(fd, "2001:db8:2::71", V, "2001:db8:100::a", CN, 0.5), 0); /* a HoA */
	CHECK_EQ(decap_seen(fd, "2001:db8:2::a", V, "2001:db8:100::a", CN, 2.0), 1);  /* MIPv6 */
	CHECK(sh("nft list chain ip6 vrrp_ha_1001 tunnel_in | "
	         "grep -q 'meta l4proto ipv6 counter packets 7 '") == 0);

	/* an HNP moves to the other MAG, another goes */
	CHECK(vrrp_ha_dp_stage_proxy(dp, &p1, h2, 1) == 0);
	CHECK(vrrp_ha_dp_unstage_proxy(dp, &h1[1], 1) == 0);
	CHECK_EQ(commit_all(dp), 0);
	CHECK_EQ(vrrp_ha_dp_staged(dp), 4);
	CHECK_EQ(vrrp_ha_dp_proxy_filter_count(dp, 0), 3);
	CHECK_EQ(vrrp_ha_dp_proxy_filter_count(dp, 1), 3);
	CHECK_EQ(decap_seen(fd, "2001:db8:2::71", V, "2001:db8:c::8", CN, 2.0), 1);
	CHECK_EQ(decap_seen(fd, "2001:db8:2::72", V, "2001:db8:c::9", CN, 0.5), 0);
	CHECK_EQ(decap_seen(fd, "2001:db8:2::71", V, "2001:db8:b::5", CN, 0.5), 0);
	CHECK(vrrp_ha_dp_activate_pcoa(dp, &p1, true) == 0);
	CHECK_EQ(tunnelled_to(fd, "2001:db8:c::3", &p1, vha, 2.0), 1);
	CHECK_EQ(tunnelled_to(fd, "2001:db8:b::3", &p1, vha, 0.5), 0);

	/* a second instance with a proxy binding of the same MAG: a's per-PCoA
	 * gate does not switch on b's staged table (its own set, its own bit) */
	vrrp_ha_dp_config_defaults(&c2, 2);
	inet_pton(AF_INET6, "2001:db8:1::200", &c2.vha);
	snprintf(c2.ifname, sizeof(c2.ifname), "dph0");
	c2.seg6_src = c.seg6_src;
	dp2 = vrrp_ha_dp_new(&c2, logger, NULL);
	CHECK(dp2 != NULL);
	if (dp2) {
		struct vrrp_ha_dp_hnp h3 = hnp("2001:db8:e::", 64);

		CHECK(vrrp_ha_dp_stage_proxy(dp2, &p1, &h3, 1) == 0);
		CHECK_EQ(commit_all(dp2), 0);
		CHECK_EQ(tunnelled_to(fd, "2001:db8:e::1", &p1, NULL, 0.5), 0);
		CHECK(vrrp_ha_dp_activate_pcoa(dp2, &p1, true) == 0);
		CHECK_EQ(tunnelled_to(fd, "2001:db8:e::1", &p1, vha ? &c2.vha : NULL, 2.0), 1);
		CHECK(vrrp_ha_dp_activate_pcoa(dp, &p1, false) == 0);
		CHECK_EQ(tunnelled_to(fd, "2001:db8:c::3", &p1, vha, 0.5), 0);
		CHECK_EQ(tunnelled_to(fd, "2001:db8:e::2", &p1, vha ? &c2.vha : NULL, 2.0), 1);
		/* the reverse filter of each VHA holds only its own HNPs */
		CHECK_EQ(decap_seen(fd, "2001:db8:2::71", "2001:db8:1::200", "2001:db8:e::5", CN,
		                    2.0),
		         1);
		CHECK_EQ(decap_seen(fd, "2001:db8:2::71", "2001:db8:1::200", "2001:db8:c::5", CN,
		                    0.5),
		         0);
		CHECK_EQ(decap_seen(fd, "2001:db8:2::71", V, "2001:db8:e::5", CN, 0.5), 0);
		vrrp_ha_dp_free(dp2);
	}
	/* free removes the prefix routes too */
	vrrp_ha_dp_free(dp);
	rs = (struct routes){.table = TABLE, .any_len = 1};
	CHECK(dump(RTM_GETROUTE, AF_INET6, route_cb, &rs) == 0);
	CHECK_EQ(rs.n, 0);
	free(rs.r);
	CHECK(sh("nft list table ip6 vrrp_ha_1001 >/dev/null 2>&1") != 0);
	sh("sysctl -qw net.ipv6.conf.all.forwarding=0; ip -6 neigh del 2001:db8:1::77 dev dph0");
	close(fd);
}

/* 10k proxy bindings (HNP/64) behind 100 MAGs: staging rate, per-PCoA and
 * whole activation times (printed), kernel state counts (checked). */
#define NP_MAG 100u
#define NP_HNP 10000u

static void test_proxy_scale(void)
{
	struct vrrp_ha_dp_config c;
	struct vrrp_ha_dp *dp;
	struct in6_addr pcoa;
	double t0, t, tmax = 0, tsum = 0;
	unsigned i, j;
	int fd = cap_open();

	base_config(&c);
	dp = vrrp_ha_dp_new(&c, NULL, NULL);
	CHECK(dp != NULL && fd >= 0);
	if (!dp || fd < 0) {
		vrrp_ha_dp_free(dp);
		if (fd >= 0)
			close(fd);
		return;
	}
	t0 = now_s();
	for (i = 0; i < NP_HNP; i++) {
		/* HNP 3001:0:i::/64 (i in the third group), PCoA 2001:db8:2::(1 + i % 100) */
		struct vrrp_ha_dp_hnp h = {.len = 64};

		h.prefix.s6_addr[0] = 0x30;
		h.prefix.s6_addr[1] = 0x01;
		h.prefix.s6_addr[4] = (uint8_t)(i >> 8);
		h.prefix.s6_addr[5] = (uint8_t)i;
		inet_pton(AF_INET6, "2001:db8:2::", &pcoa);
		pcoa.s6_addr[15] = (uint8_t)(1 + i % NP_MAG);
		CHECK(vrrp_ha_dp_stage_proxy(dp, &pcoa, &h, 1) == 0);
	}
	CHECK_EQ(commit_all(dp), 0);
	t = now_s() - t0;
	fprintf(stderr, "proxy scale: %u HNPs / %u MAGs staged in %.3f s (%.0f/s), enomem %llu\n",
	        NP_HNP, NP_MAG, t, NP_HNP / t,
	        (unsigned long long)vrrp_ha_dp_counters(dp)->enomem_retries);
	CHECK_EQ(vrrp_ha_dp_staged(dp), NP_HNP);
	CHECK_EQ(vrrp_ha_dp_proxy_filter_count(dp, 0), NP_HNP);
	CHECK_EQ(vrrp_ha_dp_proxy_filter_count(dp, 1), NP_HNP);
	CHECK_EQ(vrrp_ha_dp_counters(dp)->filter_errors, 0);
	for (j = 0; j < 2; j++)
		for (i = 0; i < NP_MAG; i++) {
			inet_pton(AF_INET6, "2001:db8:2::", &pcoa);
			pcoa.s6_addr[15] = (uint8_t)(1 + i);
			t0 = now_s();
			CHECK(vrrp_ha_dp_activate_pcoa(dp, &pcoa, j == 0) == 0);
			t = now_s() - t0;
			tsum += t;
			if (t > tmax)
				tmax = t;
		}
	fprintf(stderr, "proxy scale: activate_pcoa on/off avg %.3f ms, max %.3f ms\n",
	        tsum / (2 * NP_MAG) * 1e3, tmax * 1e3);
	/* one MAG on: its HNPs (i % 100 == 6: PCoA ::7) tunnelled, a neighbour's not */
	inet_pton(AF_INET6, "2001:db8:2::7", &pcoa);
	CHECK(vrrp_ha_dp_activate_pcoa(dp, &pcoa, true) == 0);
	CHECK_EQ(tunnelled_to(fd, "3001:0:6::1", &pcoa, NULL, 2.0), 1);
	CHECK_EQ(tunnelled_to(fd, "3001:0:26b2::1", &pcoa, NULL, 2.0), 1); /* 9906 */
	CHECK_EQ(tunnelled_to(fd, "3001:0:7::1", &pcoa, NULL, 0.5), 0);
	t0 = now_s();
	CHECK(vrrp_ha_dp_activate(dp) == 0);
	fprintf(stderr, "proxy scale: activate() with %u proxy bindings %.3f ms\n", NP_HNP,
	        (now_s() - t0) * 1e3);
	CHECK_EQ(tunnelled_to(fd, "3001:0:7::1", &pcoa, NULL, 2.0), -1); /* to ::8 */
	t0 = now_s();
	CHECK(vrrp_ha_dp_flush(dp) == 0);
	fprintf(stderr, "proxy scale: unstaged all in %.3f s (filter errors %llu, resyncs %llu)\n",
	        now_s() - t0, (unsigned long long)vrrp_ha_dp_counters(dp)->filter_errors,
	        (unsigned long long)vrrp_ha_dp_counters(dp)->filter_resyncs);
	CHECK_EQ(vrrp_ha_dp_proxy_filter_count(dp, 0), 0);
	vrrp_ha_dp_free(dp);
	close(fd);
}

int main(void)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "SKIP: needs root and unshare(CLONE_NEWNET): %s\n",
		        geteuid() ? "not root" : strerror(errno));
		return 77;
	}
	if (sh("ip link set lo up && ip link add dph0 type veth peer name dph1 && "
	       "ip link set dph0 up && ip link set dph1 up && "
	       "ip -6 addr add 2001:db8:1::1/64 dev dph0 nodad && "
	       "ip -6 neigh add fe80::2 lladdr 02:00:00:00:00:02 dev dph0 nud permanent && "
	       "ip -6 route add default via fe80::2 dev dph0") != 0) {
		fprintf(stderr, "SKIP: cannot set up veth in the namespace\n");
		return 77;
	}
	if (getenv("DP_ONLY_PROXY")) { /* developer switch: the PMIPv6 parts alone */
		test_proxy();
		test_proxy_scale();
		return failures ? 1 : 0;
	}
	test_none();
	test_main();
	test_ungated();
	test_crash();
	test_two(VRRP_HA_DP_SRC_AUTO);
	test_two(VRRP_HA_DP_SRC_REWRITE);
	test_two(VRRP_HA_DP_SRC_TUNSRC);
	test_proxy();
	test_proxy_scale();
	test_bulk();
	if (failures)
		fprintf(stderr, "%d failure(s)\n", failures);
	return failures ? 1 : 0;
}
