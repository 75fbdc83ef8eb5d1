/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dataplane.c - partial recovery forwarding state (draft-deng 5.2.1) in the
 * kernel: encap routes pre-staged in a table of their own, switched on by
 * one rule (see dataplane.h and docs/dataplane.md).
 *
 * Kernel state of one instance (cfg = struct vrrp_ha_dp_config):
 *
 *   seg6 backend
 *     table cfg->table:        HoA/128 encap seg6 mode encap.red segs CoA [src VHA] dev <ifname>
 *                              (one per binding; proto cfg->protocol; "src" where the
 *                              kernel keeps SEG6_IPTUNNEL_SRC, probed at new())
 *     table cfg->decap_table:  VHA/128 encap seg6local action End.DX6 nh6 :: dev <ifname>
 *     rules (while active):    pref rule_pref-1 to VHA/128 ipproto ipv6 lookup decap_table
 *                              pref rule_pref lookup table
 *     per netns:               "lookup local" moved from pref 0 to pref 1000 (End.DX6
 *                              must be reached before local delivery of VHA), tagged
 *                              with cfg->protocol; moved back by the last instance's
 *                              free(); ip sr tunsrc VHA only in TUNSRC mode
 *   ip6tnl backend
 *     device cfg->tnl_name:    ip6tnl external (collect_md), up; shared by the
 *                              instances of a netns, removed by the last one
 *     table cfg->table:        HoA/128 encap ip6 dst CoA src VHA dev <tnl>
 *     rule (while active):     pref rule_pref lookup table
 *                              (the external device decapsulates by itself)
 *   both (unless cfg->filter is off)
 *     nftables table ip6 vrrp_ha_<table>: (CoA . HoA) set + prerouting chain
 *     (dp_filter.c): tunnelled packets to the VHA are only decapsulated when
 *     outer source . inner source is a staged binding.
 *
 * Several instances in one netns (load balance, docs/dataplane.md): every
 * rule we add carries cfg->protocol, so the kernel's rule list itself tells
 * an instance whether others are left (no shared state in user space). The
 * route needs an output device although seg6 looks the outer destination up
 * again after encapsulating: the home link is given.
 *
 * In user space: a hash of bindings (HoA -> CoA wanted / CoA in the kernel)
 * and a FIFO of HoAs with a change to send (each HoA at most once). No
 * global state.
 */
#include "vrrp_ha/dataplane.h"
#include "dp_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/if_tunnel.h>
#include <linux/lwtunnel.h>
#include <linux/rtnetlink.h>
#include <linux/seg6.h>
#include <linux/seg6_genl.h>
#include <linux/seg6_iptunnel.h>
#include <linux/seg6_local.h>
#include <net/if.h>
#include <netlink/attr.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <syslog.h>
#include <time.h>

#define LOCAL_PREF         1000u     /* where the "lookup local" rule moves (seg6) */
#define NL_BUFSIZE         (8 << 20) /* socket buffers: acks of large batches */
#define ERR_LOG_PER_COMMIT 5         /* route errors logged one by one per commit() */
#define TRANSIENT_ROUNDS   200       /* flush(): commit rounds before giving up */
/* include/uapi/linux/seg6_iptunnel.h (Linux 6.1x): the encap's own outer
 * source, struct in6_addr; older headers (Debian 12's) lack it */
#define DP_SEG6_IPTUNNEL_SRC 2
#define DP_RTPROT_KERNEL     2 /* the boot-time "lookup local" rule's protocol */
#define GATE_POOL            8 /* gate mark bits: cfg->gate_mark and the 7 below it */

enum { OP_ADD = 1, OP_DEL };

/* A binding route: HoA/128 (MIPv6) or HNP/plen (PMIPv6 proxy binding, the
 * "coa" is the MAG's proxy-CoA); key (hoa, plen). */
struct dp_entry {
	struct in6_addr hoa, coa_want, coa_kernel;
	uint8_t plen;
	uint8_t used, want, in_kernel, queued;
	uint8_t proxy_want, proxy_kernel; /* which filter set the kernel's pair is in */
};

struct dp_key {
	struct in6_addr a;
	uint8_t plen;
};

struct dp_slot {
	struct in6_addr hoa, coa;
	uint8_t plen, proxy;
	int op, err;
};

struct vrrp_ha_dp {
	struct vrrp_ha_dp_config cfg;
	vrrp_ha_dp_log_fn log;
	void *log_arg;
	enum vrrp_ha_dp_backend backend;
	struct dp_nl nl;  /* rtnetlink */
	struct dp_nl gnl; /* generic netlink (seg6 tunsrc) */
	uint16_t seg6_family;
	struct dp_filter filter;
	int have_filter, filter_dirty;
	int gated;   /* activation by nftables mark (dpf_gate), rules permanent */
	int oif;     /* route output device: home link (seg6) or tunnel */
	int tnl_idx; /* ip6tnl device we created, 0 if none */
	int active, tunsrc_set;
	enum vrrp_ha_dp_src src_mode; /* resolved at new(), never AUTO */
	/* bindings: open addressing, linear probing, backward-shift delete */
	struct dp_entry *tab;
	size_t cap, used, staged;
	uint64_t seed;
	/* FIFO of keys with a queued change */
	struct dp_key *q;
	size_t qcap, qhead, qlen;
	struct dp_batch b;
	struct dp_slot *slots;
	unsigned nslots;
	unsigned errs_logged, errs_unlogged;
	struct vrrp_ha_dp_counters ctr;
};

/* ------------------------------------------------------------------ */

const char *vrrp_ha_dp_backend_name(enum vrrp_ha_dp_backend b)
{
	switch (b) {
	case VRRP_HA_DP_AUTO:
		return "auto";
	case VRRP_HA_DP_SEG6:
		return "seg6";
	case VRRP_HA_DP_IP6TNL:
		return "ip6tnl";
	case VRRP_HA_DP_NONE:
		return "none";
	}
	return "?";
}

const char *vrrp_ha_dp_src_name(enum vrrp_ha_dp_src s)
{
	switch (s) {
	case VRRP_HA_DP_SRC_AUTO:
		return "auto";
	case VRRP_HA_DP_SRC_ROUTE:
		return "route";
	case VRRP_HA_DP_SRC_REWRITE:
		return "rewrite";
	case VRRP_HA_DP_SRC_TUNSRC:
		return "tunsrc";
	}
	return "?";
}

void vrrp_ha_dp_config_defaults(struct vrrp_ha_dp_config *c, uint8_t vrid)
{
	memset(c, 0, sizeof(*c));
	c->backend = VRRP_HA_DP_AUTO;
	c->table = 1000u + vrid;
	c->decap_table = 2000u + vrid;
	c->rule_pref = 100;
	c->protocol = 0xb4;
	c->batch = 128;
	c->filter = true;
	c->gate_mark = 0x00400000;
	c->seg6_src = VRRP_HA_DP_SRC_AUTO;
	snprintf(c->tnl_name, sizeof(c->tnl_name), "vrrpha0");
}

static void dp_log(struct vrrp_ha_dp *dp, int prio, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void dp_log(struct vrrp_ha_dp *dp, int prio, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	if (!dp->log)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	dp->log(dp->log_arg, prio, buf);
}

static const char *a6(const struct in6_addr *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

/* ------------------------------------------------------------------ */
/* bindings hash and queue */

static uint64_t mix64(uint64_t h)
{
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}

/* Keyed with a per-handle random seed (splitmix64 finaliser on both halves). */
static size_t hoa_hash(const struct vrrp_ha_dp *dp, const struct in6_addr *a, uint8_t plen)
{
	uint64_t x, y;

	memcpy(&x, a->s6_addr, 8);
	memcpy(&y, a->s6_addr + 8, 8);
	return (size_t)mix64(mix64(x ^ dp->seed ^ plen) ^ y);
}

static struct dp_entry *find(struct vrrp_ha_dp *dp, const struct in6_addr *hoa, uint8_t plen)
{
	size_t m = dp->cap - 1, i;

	if (!dp->cap)
		return NULL;
	for (i = hoa_hash(dp, hoa, plen) & m; dp->tab[i].used; i = (i + 1) & m)
		if (dp->tab[i].plen == plen && !memcmp(&dp->tab[i].hoa, hoa, sizeof(*hoa)))
			return &dp->tab[i];
	return NULL;
}

static int grow(struct vrrp_ha_dp *dp)
{
	size_t ncap = dp->cap ? dp->cap * 2 : 1024, i, m = ncap - 1;
	struct dp_entry *nt = calloc(ncap, sizeof(*nt));

	if (!nt)
		return -1;
	for (i = 0; i < dp->cap; i++) {
		size_t j;

		if (!dp->tab[i].used)
			continue;
		for (j = hoa_hash(dp, &dp->tab[i].hoa, dp->tab[i].plen) & m; nt[j].used;
		     j = (j + 1) & m)
			;
		nt[j] = dp->tab[i];
	}
	free(dp->tab);
	dp->tab = nt;
	dp->cap = ncap;
	return 0;
}

static struct dp_entry *find_or_add(struct vrrp_ha_dp *dp, const struct in6_addr *hoa, uint8_t plen)
{
	struct dp_entry *e = find(dp, hoa, plen);
	size_t m, i;

	if (e)
		return e;
	if ((dp->used + 1) * 4 > dp->cap * 3 && grow(dp) < 0) /* load <= 3/4 */
		return NULL;
	m = dp->cap - 1;
	for (i = hoa_hash(dp, hoa, plen) & m; dp->tab[i].used; i = (i + 1) & m)
		;
	e = &dp->tab[i];
	memset(e, 0, sizeof(*e));
	e->used = 1;
	e->hoa = *hoa;
	e->plen = plen;
	dp->used++;
	return e;
}

/* Backward-shift deletion: entries after e in its probe run move up. */
static void remove_entry(struct vrrp_ha_dp *dp, struct dp_entry *e)
{
	size_t m = dp->cap - 1, i = (size_t)(e - dp->tab), j = i;

	for (;;) {
		size_t k;

		j = (j + 1) & m;
		if (!dp->tab[j].used)
			break;
		k = hoa_hash(dp, &dp->tab[j].hoa, dp->tab[j].plen) & m;
		/* move j to i unless its home k lies cyclically in (i, j] */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		dp->tab[i] = dp->tab[j];
		i = j;
	}
	memset(&dp->tab[i], 0, sizeof(dp->tab[i]));
	dp->used--;
}

static void maybe_remove(struct vrrp_ha_dp *dp, struct dp_entry *e)
{
	if (!e->want && !e->in_kernel && !e->queued)
		remove_entry(dp, e);
}

static int q_push(struct vrrp_ha_dp *dp, const struct in6_addr *hoa, uint8_t plen)
{
	if (dp->qlen == dp->qcap) {
		size_t ncap = dp->qcap ? dp->qcap * 2 : 1024, i;
		struct dp_key *nq = malloc(ncap * sizeof(*nq));

		if (!nq)
			return -1;
		for (i = 0; i < dp->qlen; i++)
			nq[i] = dp->q[(dp->qhead + i) % dp->qcap];
		free(dp->q);
		dp->q = nq;
		dp->qcap = ncap;
		dp->qhead = 0;
	}
	dp->q[(dp->qhead + dp->qlen) % dp->qcap].a = *hoa;
	dp->q[(dp->qhead + dp->qlen) % dp->qcap].plen = plen;
	dp->qlen++;
	return 0;
}

static struct dp_key q_pop(struct vrrp_ha_dp *dp)
{
	struct dp_key a = dp->q[dp->qhead];

	dp->qhead = (dp->qhead + 1) % dp->qcap;
	dp->qlen--;
	return a;
}

static int enqueue(struct vrrp_ha_dp *dp, struct dp_entry *e)
{
	if (e->queued)
		return 0;
	if (q_push(dp, &e->hoa, e->plen) < 0)
		return -1;
	e->queued = 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* message builders */

static struct nl_msg *rt_msg(struct vrrp_ha_dp *dp, int type, int flags, const struct in6_addr *dst,
                             uint8_t plen, uint32_t table)
{
	struct rtmsg r = {
	        .rtm_family = AF_INET6,
	        .rtm_dst_len = plen,
	        .rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC,
	        .rtm_protocol = dp->cfg.protocol,
	        .rtm_scope = RT_SCOPE_UNIVERSE,
	        .rtm_type = type == RTM_DELROUTE ? RTN_UNSPEC : RTN_UNICAST,
	};
	struct nl_msg *m = nlmsg_alloc_simple(type, flags);

	if (!m)
		return NULL;
	if (nlmsg_append(m, &r, sizeof(r), NLMSG_ALIGNTO) < 0 || nla_put_u32(m, RTA_TABLE, table) ||
	    nla_put(m, RTA_DST, 16, dst)) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

/* HoA/128 (or HNP/plen) encap seg6 mode encap.red segs CoA, or encap ip6 dst CoA src VHA. */
static struct nl_msg *encap_route_msg(struct vrrp_ha_dp *dp, const struct in6_addr *hoa,
                                      uint8_t plen, const struct in6_addr *coa)
{
	struct nl_msg *m =
	        rt_msg(dp, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, hoa, plen, dp->cfg.table);
	struct nlattr *enc;
	int bad;

	if (!m)
		return NULL;
	bad = nla_put_u32(m, RTA_OIF, (uint32_t)dp->oif);
	if (!bad && dp->backend == VRRP_HA_DP_SEG6) {
		/* struct seg6_iptunnel_encap + SRH with one segment (the CoA):
		 * encap.red leaves the SRH out, so on the wire this is plain
		 * IPv6-in-IPv6 VHA -> CoA. */
		unsigned char
		        raw[sizeof(struct seg6_iptunnel_encap) + sizeof(struct ipv6_sr_hdr) + 16];
		struct seg6_iptunnel_encap *t = (struct seg6_iptunnel_encap *)raw;

		memset(raw, 0, sizeof(raw));
		t->mode = SEG6_IPTUN_MODE_ENCAP_RED;
		t->srh->hdrlen = 2; /* 8-octet units after the first 8: one address */
		t->srh->type = 4;   /* IPV6_SRCRT_TYPE_4 */
		memcpy(raw + sizeof(*t) + sizeof(struct ipv6_sr_hdr), coa, 16);
		bad = nla_put_u16(m, RTA_ENCAP_TYPE, LWTUNNEL_ENCAP_SEG6);
		enc = bad ? NULL : nla_nest_start(m, RTA_ENCAP);
		bad = !enc || nla_put(m, SEG6_IPTUNNEL_SRH, sizeof(raw), raw);
		if (!bad && dp->src_mode == VRRP_HA_DP_SRC_ROUTE)
			bad = nla_put(m, DP_SEG6_IPTUNNEL_SRC, 16, &dp->cfg.vha);
	} else if (!bad) {
		bad = nla_put_u16(m, RTA_ENCAP_TYPE, LWTUNNEL_ENCAP_IP6);
		enc = bad ? NULL : nla_nest_start(m, RTA_ENCAP);
		bad = !enc || nla_put(m, LWTUNNEL_IP6_DST, 16, coa) ||
		      nla_put(m, LWTUNNEL_IP6_SRC, 16, &dp->cfg.vha);
	}
	if (bad) {
		nlmsg_free(m);
		return NULL;
	}
	nla_nest_end(m, enc);
	return m;
}

/* VHA/128 encap seg6local action End.DX6 nh6 :: dev <ifname> in decap_table. */
static struct nl_msg *decap_route_msg(struct vrrp_ha_dp *dp)
{
	struct nl_msg *m = rt_msg(dp, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, &dp->cfg.vha, 128,
	                          dp->cfg.decap_table);
	struct in6_addr any = IN6ADDR_ANY_INIT;
	struct nlattr *enc = NULL;

	if (m && !nla_put_u32(m, RTA_OIF, (uint32_t)dp->oif) &&
	    !nla_put_u16(m, RTA_ENCAP_TYPE, LWTUNNEL_ENCAP_SEG6_LOCAL))
		enc = nla_nest_start(m, RTA_ENCAP);
	if (!enc || nla_put_u32(m, SEG6_LOCAL_ACTION, SEG6_LOCAL_ACTION_END_DX6) ||
	    nla_put(m, SEG6_LOCAL_NH6, 16, &any)) {
		nlmsg_free(m);
		return NULL;
	}
	nla_nest_end(m, enc);
	return m;
}

/* A rule: pref, table, optionally "to dst/128 ipproto ipv6", optionally
 * "fwmark mark/mark", optionally "protocol proto" (0: none given; a delete
 * with a protocol only matches a rule carrying it). */
static struct nl_msg *rule_msg(int type, int flags, uint32_t pref, uint32_t table,
                               const struct in6_addr *dst, uint32_t mark, uint8_t proto)
{
	struct fib_rule_hdr h = {
	        .family = AF_INET6,
	        .dst_len = dst ? 128 : 0,
	        .table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC,
	        .action = FR_ACT_TO_TBL,
	};
	struct nl_msg *m = nlmsg_alloc_simple(type, flags);

	if (!m)
		return NULL;
	if (nlmsg_append(m, &h, sizeof(h), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(m, FRA_PRIORITY, pref) || nla_put_u32(m, FRA_TABLE, table) ||
	    (dst && (nla_put(m, FRA_DST, 16, dst) || nla_put_u8(m, FRA_IP_PROTO, IPPROTO_IPV6))) ||
	    (mark && (nla_put_u32(m, FRA_FWMARK, mark) || nla_put_u32(m, FRA_FWMASK, mark))) ||
	    (proto && nla_put_u8(m, FRA_PROTOCOL, proto))) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

/* Send one message and wait for its answer; frees msg. */
static int request(struct vrrp_ha_dp *dp, struct nl_msg *m)
{
	int err;

	if (!m)
		return -ENOMEM;
	err = dpnl_request(&dp->nl, m);
	nlmsg_free(m);
	return err;
}

/* Retry a single route change a few times on ENOMEM (per-CPU caches). */
static int request_retry(struct vrrp_ha_dp *dp, struct nl_msg *m)
{
	struct timespec ts = {0, 1000000};
	int err = -ENOMEM, i;

	if (!m)
		return -ENOMEM;
	for (i = 0; i < 20; i++) {
		err = dpnl_request(&dp->nl, m);
		if (err != -ENOMEM && err != -ENOBUFS)
			break;
		nanosleep(&ts, NULL);
	}
	nlmsg_free(m);
	return err;
}

/* ------------------------------------------------------------------ */
/* stale state: routes with our protocol, our rules */

struct route_list {
	struct vrrp_ha_dp *dp;
	uint32_t table;
	struct dp_key *dst;
	size_t n, cap;
	int oom;
};

static int route_dump_cb(void *arg, const struct nlmsghdr *h)
{
	struct route_list *l = arg;
	struct nlattr *tb[RTA_MAX + 1];
	const struct rtmsg *r;
	uint32_t table;

	if (h->nlmsg_type != RTM_NEWROUTE ||
	    nlmsg_parse((struct nlmsghdr *)h, sizeof(*r), tb, RTA_MAX, NULL) < 0)
		return 0;
	r = nlmsg_data(h);
	table = tb[RTA_TABLE] ? nla_get_u32(tb[RTA_TABLE]) : r->rtm_table;
	if (r->rtm_family != AF_INET6 || r->rtm_protocol != l->dp->cfg.protocol ||
	    table != l->table || !r->rtm_dst_len || r->rtm_dst_len > 128 || !tb[RTA_DST] ||
	    nla_len(tb[RTA_DST]) != 16)
		return 0;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 256;
		struct dp_key *p = realloc(l->dst, ncap * sizeof(*p));

		if (!p) {
			l->oom = 1;
			return 1;
		}
		l->dst = p;
		l->cap = ncap;
	}
	memcpy(&l->dst[l->n].a, nla_data(tb[RTA_DST]), 16);
	l->dst[l->n++].plen = r->rtm_dst_len;
	return 0;
}

struct del_result {
	unsigned failed;
	int first_err;
};

static void del_cb(void *arg, unsigned i, int err)
{
	struct del_result *r = arg;

	if (err && err != -ESRCH && err != -ENOENT) {
		if (!r->failed++)
			r->first_err = err;
	}
}

/*
 * Delete every /128 route with our protocol in table (dump, then deletes
 * in batches). Returns: routes deleted, or a negative errno.
 */
static long flush_table(struct vrrp_ha_dp *dp, uint32_t table)
{
	struct route_list l = {.dp = dp, .table = table};
	struct rtmsg r = {.rtm_family = AF_INET6,
	                  .rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC,
	                  .rtm_protocol = dp->cfg.protocol};
	struct nl_msg *req = nlmsg_alloc_simple(RTM_GETROUTE, 0);
	struct del_result res = {0};
	size_t i = 0;
	int err;

	if (!req || nlmsg_append(req, &r, sizeof(r), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(req, RTA_TABLE, table)) {
		nlmsg_free(req);
		return -ENOMEM;
	}
	err = dpnl_dump(&dp->nl, req, route_dump_cb, &l);
	nlmsg_free(req);
	if (!err && l.oom)
		err = -ENOMEM;
	while (!err && i < l.n) {
		unsigned k;

		dpb_reset(&dp->b);
		for (k = 0; k < dp->cfg.batch && i < l.n; k++, i++) {
			struct nl_msg *m =
			        rt_msg(dp, RTM_DELROUTE, 0, &l.dst[i].a, l.dst[i].plen, table);

			err = m ? dpb_add(&dp->nl, &dp->b, m, 1) : -ENOMEM;
			nlmsg_free(m);
			if (err)
				break;
		}
		if (!err)
			err = dpnl_send_batch(&dp->nl, &dp->b, del_cb, &res);
	}
	free(l.dst);
	if (!err && res.failed)
		err = res.first_err;
	return err ? err : (long)l.n;
}

struct rule_list {
	struct vrrp_ha_dp *dp;
	struct {
		uint32_t pref, table;
		int has_dst;
		struct in6_addr dst;
		uint32_t mark;
		uint8_t proto;
	} r[8];
	unsigned n;
};

static int rule_dump_cb(void *arg, const struct nlmsghdr *h)
{
	struct rule_list *l = arg;
	struct nlattr *tb[FRA_MAX + 1];
	const struct fib_rule_hdr *f;
	uint32_t table, pref;
	const struct vrrp_ha_dp_config *c = &l->dp->cfg;

	if (h->nlmsg_type != RTM_NEWRULE ||
	    nlmsg_parse((struct nlmsghdr *)h, sizeof(*f), tb, FRA_MAX, NULL) < 0)
		return 0;
	f = nlmsg_data(h);
	table = tb[FRA_TABLE] ? nla_get_u32(tb[FRA_TABLE]) : f->table;
	pref = tb[FRA_PRIORITY] ? nla_get_u32(tb[FRA_PRIORITY]) : 0;
	if (f->family != AF_INET6 || !((pref == c->rule_pref && table == c->table) ||
	                               (pref == c->rule_pref - 1 && table == c->decap_table)))
		return 0;
	if (l->n == sizeof(l->r) / sizeof(l->r[0]))
		return 0; /* more than a few: the next flush takes the rest */
	l->r[l->n].pref = pref;
	l->r[l->n].table = table;
	l->r[l->n].has_dst = tb[FRA_DST] && nla_len(tb[FRA_DST]) == 16 && f->dst_len == 128;
	if (l->r[l->n].has_dst)
		memcpy(&l->r[l->n].dst, nla_data(tb[FRA_DST]), 16);
	l->r[l->n].mark =
	        tb[FRA_FWMARK] && nla_len(tb[FRA_FWMARK]) == 4 ? nla_get_u32(tb[FRA_FWMARK]) : 0;
	l->r[l->n].proto = tb[FRA_PROTOCOL] && nla_len(tb[FRA_PROTOCOL]) == 1
	                           ? nla_get_u8(tb[FRA_PROTOCOL])
	                           : 0;
	l->n++;
	return 0;
}

/* Delete our rules (by pref + table). Returns: rules deleted or a negative errno. */
static long flush_rules(struct vrrp_ha_dp *dp)
{
	struct rule_list l = {.dp = dp};
	struct fib_rule_hdr h = {.family = AF_INET6};
	struct nl_msg *req = nlmsg_alloc_simple(RTM_GETRULE, 0);
	unsigned i;
	int err;

	if (!req || nlmsg_append(req, &h, sizeof(h), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(req);
		return -ENOMEM;
	}
	err = dpnl_dump(&dp->nl, req, rule_dump_cb, &l);
	nlmsg_free(req);
	for (i = 0; !err && i < l.n; i++) {
		struct nl_msg *m =
		        rule_msg(RTM_DELRULE, 0, l.r[i].pref, l.r[i].table,
		                 l.r[i].has_dst ? &l.r[i].dst : NULL, l.r[i].mark, l.r[i].proto);

		err = request(dp, m);
		if (err == -ENOENT)
			err = 0;
	}
	return err ? err : (long)l.n;
}

/*
 * What the namespace's rule list says about the instances sharing it: each
 * instance's rules carry cfg->protocol, so counting the tagged rules that
 * are not ours is a reference count kept by the kernel itself (it survives
 * a crash of any one keepalived, and needs no state shared in user space).
 */
struct ns_rules {
	struct vrrp_ha_dp *dp;
	unsigned others;     /* tagged rules of other instances */
	uint32_t marks;      /* fwmarks of those rules (their gate bits) */
	int local0;          /* "pref 0 lookup local" is there */
	int local_moved;     /* "pref 1000 lookup local" is there (any protocol) */
	int local_moved_tag; /* ... and it carries our protocol: one of us moved it */
};

static int ns_rules_cb(void *arg, const struct nlmsghdr *h)
{
	struct ns_rules *n = arg;
	const struct vrrp_ha_dp_config *c = &n->dp->cfg;
	struct nlattr *tb[FRA_MAX + 1];
	const struct fib_rule_hdr *f;
	uint32_t table, pref;
	uint8_t proto;

	if (h->nlmsg_type != RTM_NEWRULE ||
	    nlmsg_parse((struct nlmsghdr *)h, sizeof(*f), tb, FRA_MAX, NULL) < 0)
		return 0;
	f = nlmsg_data(h);
	if (f->family != AF_INET6)
		return 0;
	table = tb[FRA_TABLE] ? nla_get_u32(tb[FRA_TABLE]) : f->table;
	pref = tb[FRA_PRIORITY] ? nla_get_u32(tb[FRA_PRIORITY]) : 0;
	proto = tb[FRA_PROTOCOL] && nla_len(tb[FRA_PROTOCOL]) == 1 ? nla_get_u8(tb[FRA_PROTOCOL])
	                                                           : 0;
	if (table == RT_TABLE_LOCAL && f->action == FR_ACT_TO_TBL) {
		if (pref == 0)
			n->local0 = 1;
		else if (pref == LOCAL_PREF) {
			n->local_moved = 1;
			n->local_moved_tag |= proto == c->protocol;
		}
		return 0;
	}
	if (proto == c->protocol && !((pref == c->rule_pref && table == c->table) ||
	                              (pref == c->rule_pref - 1 && table == c->decap_table))) {
		n->others++;
		if (tb[FRA_FWMARK] && nla_len(tb[FRA_FWMARK]) == 4)
			n->marks |= nla_get_u32(tb[FRA_FWMARK]);
	}
	return 0;
}

/* Returns: 0 (n filled) or a negative errno. */
static int ns_rules_read(struct vrrp_ha_dp *dp, struct ns_rules *n)
{
	struct fib_rule_hdr h = {.family = AF_INET6};
	struct nl_msg *req = nlmsg_alloc_simple(RTM_GETRULE, 0);
	int err;

	memset(n, 0, sizeof(*n));
	n->dp = dp;
	if (!req || nlmsg_append(req, &h, sizeof(h), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(req);
		return -ENOMEM;
	}
	err = dpnl_dump(&dp->nl, req, ns_rules_cb, n);
	nlmsg_free(req);
	return err;
}

/* ------------------------------------------------------------------ */
/* seg6 tunnel source (generic netlink family "SEG6") */

struct genl_find {
	uint16_t id;
};

static int genl_family_cb(void *arg, const struct nlmsghdr *h)
{
	struct genl_find *g = arg;
	struct nlattr *tb[CTRL_ATTR_MAX + 1];

	if (nlmsg_parse((struct nlmsghdr *)h, GENL_HDRLEN, tb, CTRL_ATTR_MAX, NULL) < 0 ||
	    !tb[CTRL_ATTR_FAMILY_NAME] || !tb[CTRL_ATTR_FAMILY_ID] ||
	    nla_len(tb[CTRL_ATTR_FAMILY_ID]) < 2)
		return 0;
	if (nla_strcmp(tb[CTRL_ATTR_FAMILY_NAME], SEG6_GENL_NAME) == 0) {
		g->id = nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
		return 1;
	}
	return 0;
}

static struct nl_msg *genl_msg(uint16_t family, uint8_t cmd, uint8_t version)
{
	struct genlmsghdr g = {.cmd = cmd, .version = version};
	struct nl_msg *m = nlmsg_alloc_simple(family, 0);

	if (m && nlmsg_append(m, &g, sizeof(g), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

static int seg6_open(struct vrrp_ha_dp *dp)
{
	struct genl_find g = {0};
	struct nl_msg *m;
	int err = dpnl_open(&dp->gnl, NETLINK_GENERIC, 1 << 20);

	if (err)
		return err;
	m = genl_msg(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 2);
	err = m ? dpnl_dump(&dp->gnl, m, genl_family_cb, &g) : -ENOMEM;
	nlmsg_free(m);
	if (!err && !g.id)
		err = -EPROTONOSUPPORT;
	dp->seg6_family = g.id;
	return err;
}

static int seg6_set_tunsrc(struct vrrp_ha_dp *dp, const struct in6_addr *src)
{
	struct nl_msg *m = genl_msg(dp->seg6_family, SEG6_CMD_SET_TUNSRC, SEG6_GENL_VERSION);
	int err = -ENOMEM;

	if (m && !nla_put(m, SEG6_ATTR_DST, 16, src))
		err = dpnl_request(&dp->gnl, m);
	nlmsg_free(m);
	return err;
}

/* ------------------------------------------------------------------ */
/* ip6tnl device */

static int tnl_create(struct vrrp_ha_dp *dp)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
	struct nl_msg *m = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct nlattr *li, *data;
	int err = -ENOMEM;

	if (!m || nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(m, IFLA_IFNAME, dp->cfg.tnl_name) ||
	    !(li = nla_nest_start(m, IFLA_LINKINFO)) ||
	    nla_put_string(m, IFLA_INFO_KIND, "ip6tnl") ||
	    !(data = nla_nest_start(m, IFLA_INFO_DATA)) ||
	    nla_put_flag(m, IFLA_IPTUN_COLLECT_METADATA))
		goto out;
	nla_nest_end(m, data);
	nla_nest_end(m, li);
	err = dpnl_request(&dp->nl, m);
out:
	nlmsg_free(m);
	return err;
}

static int link_delete(struct vrrp_ha_dp *dp, int ifindex)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = ifindex};
	struct nl_msg *m = nlmsg_alloc_simple(RTM_DELLINK, 0);

	if (!m || nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	return request(dp, m);
}

/*
 * Create the external ip6tnl. The kernel allows one per netns: if the name
 * exists and another instance of ours is in the netns (its tagged rules),
 * the device is theirs too and is shared; otherwise it is a crashed run's
 * and is replaced. The last instance's free() removes it.
 */
static int tnl_setup(struct vrrp_ha_dp *dp)
{
	int err = tnl_create(dp), idx;
	struct ns_rules n;

	if (err == -EEXIST && (idx = (int)if_nametoindex(dp->cfg.tnl_name)) > 0) {
		if (ns_rules_read(dp, &n) == 0 && n.others) {
			dp_log(dp, LOG_INFO,
			       "dataplane: sharing %s with %u rules of other instances",
			       dp->cfg.tnl_name, n.others);
			err = 0;
		} else {
			dp_log(dp, LOG_INFO, "dataplane: replacing stale %s", dp->cfg.tnl_name);
			link_delete(dp, idx);
			err = tnl_create(dp);
		}
	}
	if (err)
		return err;
	dp->tnl_idx = (int)if_nametoindex(dp->cfg.tnl_name);
	if (!dp->tnl_idx)
		return -ENODEV;
	dp->oif = dp->tnl_idx;
	return 0;
}

/* ------------------------------------------------------------------ */

struct probe_find {
	const struct in6_addr *dst, *src;
	int found, has_src;
};

static int probe_cb(void *arg, const struct nlmsghdr *h)
{
	struct probe_find *p = arg;
	struct nlattr *tb[RTA_MAX + 1], *enc[DP_SEG6_IPTUNNEL_SRC + 1];

	if (h->nlmsg_type != RTM_NEWROUTE ||
	    nlmsg_parse((struct nlmsghdr *)h, sizeof(struct rtmsg), tb, RTA_MAX, NULL) < 0 ||
	    !tb[RTA_DST] || nla_len(tb[RTA_DST]) != 16 || memcmp(nla_data(tb[RTA_DST]), p->dst, 16))
		return 0;
	p->found = 1;
	if (tb[RTA_ENCAP] &&
	    nla_parse_nested(enc, DP_SEG6_IPTUNNEL_SRC, tb[RTA_ENCAP], NULL) == 0 &&
	    enc[DP_SEG6_IPTUNNEL_SRC] && nla_len(enc[DP_SEG6_IPTUNNEL_SRC]) == 16 &&
	    !memcmp(nla_data(enc[DP_SEG6_IPTUNNEL_SRC]), p->src, 16))
		p->has_src = 1;
	return 0;
}

/*
 * Does the kernel keep a per-route seg6 source? An older kernel ignores the
 * unknown attribute (liberal parsing) rather than refusing it, so the probe
 * reads the route back: one test route VHA/128 with src VHA in our own table
 * (empty now, and no rule sends unmarked packets to it), then removed.
 * Returns: 1 yes, 0 no.
 */
static int probe_route_src(struct vrrp_ha_dp *dp)
{
	struct probe_find p = {.dst = &dp->cfg.vha, .src = &dp->cfg.vha};
	struct rtmsg r = {.rtm_family = AF_INET6,
	                  .rtm_table =
	                          dp->cfg.table < 256 ? (uint8_t)dp->cfg.table : RT_TABLE_UNSPEC,
	                  .rtm_protocol = dp->cfg.protocol};
	struct nl_msg *req;
	int err, saved = dp->src_mode;

	dp->src_mode = VRRP_HA_DP_SRC_ROUTE;
	err = request_retry(dp, encap_route_msg(dp, &dp->cfg.vha, 128, &dp->cfg.vha));
	dp->src_mode = saved;
	if (err) {
		dp_log(dp, LOG_INFO, "dataplane: seg6 route with its own source refused: %s",
		       strerror(-err));
		return 0;
	}
	req = nlmsg_alloc_simple(RTM_GETROUTE, 0);
	if (req && nlmsg_append(req, &r, sizeof(r), NLMSG_ALIGNTO) == 0 &&
	    nla_put_u32(req, RTA_TABLE, dp->cfg.table) == 0)
		err = dpnl_dump(&dp->nl, req, probe_cb, &p);
	else
		err = -ENOMEM;
	nlmsg_free(req);
	request(dp, rt_msg(dp, RTM_DELROUTE, 0, &dp->cfg.vha, 128, dp->cfg.table));
	return !err && p.found && p.has_src;
}

/* Pick the seg6 outer source mode (cfg->seg6_src; AUTO probes). */
static int pick_src_mode(struct vrrp_ha_dp *dp)
{
	enum vrrp_ha_dp_src want = dp->cfg.seg6_src;
	int route = want == VRRP_HA_DP_SRC_AUTO || want == VRRP_HA_DP_SRC_ROUTE
	                    ? probe_route_src(dp)
	                    : 0;

	if (want == VRRP_HA_DP_SRC_ROUTE && !route) {
		dp_log(dp, LOG_ERR, "dataplane: this kernel keeps no per-route seg6 source");
		return -EOPNOTSUPP;
	}
	if (want == VRRP_HA_DP_SRC_REWRITE && !dp->cfg.filter) {
		dp_log(dp, LOG_ERR, "dataplane: the source rewrite needs the filter");
		return -EINVAL;
	}
	if (route)
		dp->src_mode = VRRP_HA_DP_SRC_ROUTE;
	else if (want == VRRP_HA_DP_SRC_AUTO)
		dp->src_mode = dp->cfg.filter ? VRRP_HA_DP_SRC_REWRITE : VRRP_HA_DP_SRC_TUNSRC;
	else
		dp->src_mode = want;
	if (dp->src_mode == VRRP_HA_DP_SRC_TUNSRC)
		dp_log(dp, LOG_WARNING,
		       "dataplane: seg6 outer source from \"ip sr tunsrc\": one VHA per network "
		       "namespace");
	return 0;
}

static int setup_seg6(struct vrrp_ha_dp *dp)
{
	const char *ifn = dp->cfg.ifname[0] ? dp->cfg.ifname : "lo";
	int err;

	dp->oif = (int)if_nametoindex(ifn);
	if (!dp->oif) {
		dp_log(dp, LOG_ERR, "dataplane: no interface %s", ifn);
		return -ENODEV;
	}
	if (dp->cfg.rule_pref < 2 || dp->cfg.rule_pref >= LOCAL_PREF) {
		dp_log(dp, LOG_ERR, "dataplane: seg6 needs 2 <= rule_pref < %u", LOCAL_PREF);
		return -EINVAL;
	}
	err = seg6_open(dp);
	if (err) {
		dp_log(dp, LOG_ERR, "dataplane: SEG6 generic netlink family: %s", strerror(-err));
		return err;
	}
	err = pick_src_mode(dp);
	if (err)
		return err;
	err = request_retry(dp, decap_route_msg(dp));
	if (err)
		dp_log(dp, LOG_ERR, "dataplane: seg6local End.DX6 route in table %u: %s",
		       dp->cfg.decap_table, strerror(-err));
	return err;
}

static int rules_install(struct vrrp_ha_dp *dp);

/*
 * Several gated instances in one netns need a gate bit each: with one
 * shared bit, any MASTER's gate would mark every packet and so switch on
 * the staged tables of the instances that are BACKUP here. A single-bit
 * cfg->gate_mark is the first of a pool of GATE_POOL bits (that bit and the
 * ones below it); the first bit no other instance's rule uses is taken
 * (again read from the kernel's rules, after our own stale ones went).
 */
static void pick_gate_mark(struct vrrp_ha_dp *dp)
{
	uint32_t m = dp->cfg.gate_mark;
	struct ns_rules n;
	unsigned i;

	if (!m || (m & (m - 1)) || ns_rules_read(dp, &n) || !(n.marks & m))
		return; /* none, several bits (taken as given), or free */
	for (i = 1; i < GATE_POOL && (m >> i); i++)
		if (!(n.marks & (m >> i))) {
			dp->cfg.gate_mark = m >> i;
			dp_log(dp, LOG_INFO,
			       "dataplane: gate mark 0x%x (0x%x is another instance's)",
			       dp->cfg.gate_mark, m);
			return;
		}
	dp_log(dp, LOG_WARNING,
	       "dataplane: every gate mark bit 0x%x..0x%x in use: sharing 0x%x (a MASTER's gate "
	       "also opens the other instances' staged tables)",
	       m >> (GATE_POOL - 1), m, m);
}

struct vrrp_ha_dp *vrrp_ha_dp_new(const struct vrrp_ha_dp_config *cfg, vrrp_ha_dp_log_fn log,
                                  void *log_arg)
{
	struct vrrp_ha_dp *dp = calloc(1, sizeof(*dp));
	long n;
	int err;

	if (!dp)
		return NULL;
	dp->cfg = *cfg;
	dp->log = log;
	dp->log_arg = log_arg;
	dp->nl.fd = dp->gnl.fd = -1;
	if (!dp->cfg.batch)
		dp->cfg.batch = 128;
	dp->backend = cfg->backend;
	/* ip6tnl routes carry "src VHA" anyway; none has no routes */
	dp->src_mode =
	        cfg->backend == VRRP_HA_DP_NONE ? VRRP_HA_DP_SRC_TUNSRC : VRRP_HA_DP_SRC_ROUTE;
	if (getrandom(&dp->seed, sizeof(dp->seed), GRND_NONBLOCK) != sizeof(dp->seed))
		dp->seed = (uint64_t)(uintptr_t)dp ^ (uint64_t)time(NULL);
	dp->slots = calloc(dp->cfg.batch, sizeof(*dp->slots));
	if (!dp->slots)
		goto fail;
	if (dp->backend == VRRP_HA_DP_NONE)
		return dp;
	err = dpnl_open(&dp->nl, NETLINK_ROUTE, NL_BUFSIZE);
	if (err) {
		dp_log(dp, LOG_ERR, "dataplane: rtnetlink socket: %s", strerror(-err));
		goto fail;
	}
	/* stale state of a previous run: rules first, so nothing forwards on
	 * half-flushed tables */
	n = flush_rules(dp);
	if (n > 0)
		dp->ctr.flushed_stale += (uint64_t)n;
	n = flush_table(dp, dp->cfg.table);
	if (n > 0)
		dp->ctr.flushed_stale += (uint64_t)n;
	if (n < 0)
		dp_log(dp, LOG_WARNING, "dataplane: flushing table %u: %s", dp->cfg.table,
		       strerror((int)-n));
	n = flush_table(dp, dp->cfg.decap_table);
	if (n > 0)
		dp->ctr.flushed_stale += (uint64_t)n;
	if (dp->cfg.filter)
		pick_gate_mark(dp);

	if (dp->backend == VRRP_HA_DP_AUTO || dp->backend == VRRP_HA_DP_IP6TNL) {
		err = tnl_setup(dp);
		if (err && dp->backend == VRRP_HA_DP_IP6TNL) {
			dp_log(dp, LOG_ERR, "dataplane: ip6tnl device %s: %s", dp->cfg.tnl_name,
			       strerror(-err));
			goto fail;
		}
		if (err) {
			dp_log(dp, LOG_INFO, "dataplane: ip6tnl unavailable (%s), using seg6",
			       strerror(-err));
			dp->backend = VRRP_HA_DP_SEG6;
		} else {
			dp->backend = VRRP_HA_DP_IP6TNL;
		}
	}
	if (dp->backend == VRRP_HA_DP_SEG6 && setup_seg6(dp))
		goto fail;
	if (dp->cfg.filter) {
		err = dpf_open(&dp->filter, dp->cfg.table, &dp->cfg.vha, dp->cfg.gate_mark,
		               dp->backend == VRRP_HA_DP_SEG6 &&
		                       dp->src_mode == VRRP_HA_DP_SRC_REWRITE);
		if (err) {
			dp_log(dp, LOG_ERR,
			       "dataplane: nftables filter: %s (set filter off to run without)",
			       strerror(-err));
			goto fail;
		}
		dp->have_filter = 1;
		dp->gated = dp->cfg.gate_mark != 0;
	}
	if (dp->gated && rules_install(dp))
		goto fail;
	dp_log(dp, LOG_INFO,
	       "dataplane: backend %s, outer source by %s, gate mark 0x%x, table %u, %llu stale "
	       "entries flushed",
	       vrrp_ha_dp_backend_name(dp->backend), vrrp_ha_dp_src_name(dp->src_mode),
	       vrrp_ha_dp_gate_mark(dp), dp->cfg.table, (unsigned long long)dp->ctr.flushed_stale);
	return dp;
fail:
	vrrp_ha_dp_free(dp);
	return NULL;
}

enum vrrp_ha_dp_backend vrrp_ha_dp_backend(const struct vrrp_ha_dp *dp)
{
	return dp->backend;
}

enum vrrp_ha_dp_src vrrp_ha_dp_src_mode(const struct vrrp_ha_dp *dp)
{
	return dp->src_mode;
}

uint32_t vrrp_ha_dp_gate_mark(const struct vrrp_ha_dp *dp)
{
	return dp->gated ? dp->cfg.gate_mark : 0;
}

/* ------------------------------------------------------------------ */

static int stage_key(struct vrrp_ha_dp *dp, const struct in6_addr *hoa, uint8_t plen,
                     const struct in6_addr *coa, uint8_t proxy)
{
	struct dp_entry *e;

	if (dp->backend == VRRP_HA_DP_NONE)
		return 0;
	e = find_or_add(dp, hoa, plen);
	if (!e)
		return -1;
	e->want = 1;
	e->coa_want = *coa;
	e->proxy_want = proxy;
	if (e->in_kernel && e->proxy_kernel == proxy && !memcmp(&e->coa_kernel, coa, sizeof(*coa)))
		return 0; /* already so in the kernel (a queued removal is cancelled) */
	if (enqueue(dp, e) < 0) {
		e->want = e->in_kernel;
		e->coa_want = e->coa_kernel;
		e->proxy_want = e->proxy_kernel;
		maybe_remove(dp, e);
		return -1;
	}
	return 0;
}

static int unstage_key(struct vrrp_ha_dp *dp, const struct in6_addr *hoa, uint8_t plen)
{
	struct dp_entry *e;

	if (dp->backend == VRRP_HA_DP_NONE)
		return 0;
	e = find(dp, hoa, plen);
	if (!e)
		return 0;
	e->want = 0;
	if (!e->in_kernel) {
		maybe_remove(dp, e); /* never sent: nothing to undo */
		return 0;
	}
	return enqueue(dp, e);
}

int vrrp_ha_dp_stage(struct vrrp_ha_dp *dp, const struct in6_addr *hoa, const struct in6_addr *coa)
{
	return stage_key(dp, hoa, 128, coa, 0);
}

int vrrp_ha_dp_unstage(struct vrrp_ha_dp *dp, const struct in6_addr *hoa)
{
	return unstage_key(dp, hoa, 128);
}

/* The prefix with its host bits cleared; Returns: 0, or -1 (length 0 or > 128). */
static int hnp_norm(const struct vrrp_ha_dp_hnp *h, struct in6_addr *out)
{
	unsigned i;

	if (h->len == 0 || h->len > 128)
		return -1;
	*out = h->prefix;
	for (i = h->len; i < 128; i++)
		out->s6_addr[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
	return 0;
}

int vrrp_ha_dp_stage_proxy(struct vrrp_ha_dp *dp, const struct in6_addr *pcoa,
                           const struct vrrp_ha_dp_hnp *hnp, size_t n)
{
	struct in6_addr p;
	size_t i;

	for (i = 0; i < n; i++)
		if (hnp_norm(&hnp[i], &p) < 0)
			return -1;
	for (i = 0; i < n; i++) {
		hnp_norm(&hnp[i], &p);
		if (stage_key(dp, &p, hnp[i].len, pcoa, 1) < 0)
			return -1;
	}
	return 0;
}

int vrrp_ha_dp_unstage_proxy(struct vrrp_ha_dp *dp, const struct vrrp_ha_dp_hnp *hnp, size_t n)
{
	struct in6_addr p;
	size_t i;

	for (i = 0; i < n; i++) {
		if (hnp_norm(&hnp[i], &p) < 0)
			return -1;
		if (unstage_key(dp, &p, hnp[i].len) < 0)
			return -1;
	}
	return 0;
}

static void slot_cb(void *arg, unsigned i, int err)
{
	struct vrrp_ha_dp *dp = arg;

	if (i < dp->nslots)
		dp->slots[i].err = err;
}

/* The pair of a binding route into (or out of) its set: pairs (MIPv6) or
 * ppairs + hnp_pcoa (proxy binding). */
static void filter_op(struct vrrp_ha_dp *dp, int del, const struct in6_addr *coa,
                      const struct in6_addr *hoa, uint8_t plen, int proxy)
{
	int err;

	if (!dp->have_filter || dp->filter_dirty)
		return;
	if (proxy)
		err = (del ? dpf_pdel : dpf_padd)(&dp->filter, coa, hoa, plen);
	else
		err = (del ? dpf_del : dpf_add)(&dp->filter, coa, hoa);
	if (err)
		dp->filter_dirty = 1;
}

/* Rebuild the set from the bindings in the kernel. */
static void filter_resync(struct vrrp_ha_dp *dp)
{
	size_t i;
	int err;

	dp->ctr.filter_resyncs++;
	err = dpf_flush_set(&dp->filter);
	for (i = 0; !err && i < dp->cap; i++)
		if (dp->tab[i].used && dp->tab[i].in_kernel)
			err = dp->tab[i].proxy_kernel
			              ? dpf_padd(&dp->filter, &dp->tab[i].coa_kernel,
			                         &dp->tab[i].hoa, dp->tab[i].plen)
			              : dpf_add(&dp->filter, &dp->tab[i].coa_kernel,
			                        &dp->tab[i].hoa);
	if (!err)
		err = dpf_commit(&dp->filter);
	dp->filter_dirty = err != 0;
	if (err)
		dp_log(dp, LOG_ERR, "dataplane: rebuilding the nftables set: %s", strerror(-err));
}

static void apply_result(struct vrrp_ha_dp *dp, const struct dp_slot *s)
{
	struct dp_entry *e = find(dp, &s->hoa, s->plen);
	char b1[INET6_ADDRSTRLEN];
	int err = s->err;

	if (!e)
		return;
	if (s->op == OP_DEL && (err == -ESRCH || err == -ENOENT))
		err = 0;
	if (!err && s->op == OP_ADD) {
		int same = e->in_kernel && e->proxy_kernel == s->proxy &&
		           !memcmp(&e->coa_kernel, &s->coa, sizeof(s->coa));

		if (e->in_kernel && !same)
			filter_op(dp, 1, &e->coa_kernel, &e->hoa, e->plen, e->proxy_kernel);
		if (!same)
			filter_op(dp, 0, &s->coa, &e->hoa, e->plen, s->proxy);
		if (!e->in_kernel)
			dp->staged++;
		e->in_kernel = 1;
		e->coa_kernel = s->coa;
		e->proxy_kernel = s->proxy;
		dp->ctr.routes_added++;
	} else if (!err) {
		if (e->in_kernel) {
			filter_op(dp, 1, &e->coa_kernel, &e->hoa, e->plen, e->proxy_kernel);
			dp->staged--;
		}
		e->in_kernel = 0;
		dp->ctr.routes_deleted++;
	} else if (err == -ENOMEM || err == -ENOBUFS || err == -ETIMEDOUT || err == -EAGAIN) {
		/* transient: retried on a later commit() */
		if (err != -ETIMEDOUT)
			dp->ctr.enomem_retries++;
		else
			dp->ctr.route_errors++;
		if (enqueue(dp, e) < 0)
			dp->ctr.route_errors++;
		return;
	} else {
		dp->ctr.route_errors++;
		if (dp->errs_logged < ERR_LOG_PER_COMMIT) {
			dp->errs_logged++;
			dp_log(dp, LOG_ERR, "dataplane: %s route %s/%u: %s",
			       s->op == OP_ADD ? "adding" : "deleting", a6(&s->hoa, b1),
			       (unsigned)s->plen, strerror(-err));
		} else {
			dp->errs_unlogged++;
		}
	}
	maybe_remove(dp, e);
}

size_t vrrp_ha_dp_commit(struct vrrp_ha_dp *dp, size_t max)
{
	size_t todo;

	if (dp->backend == VRRP_HA_DP_NONE)
		return 0;
	todo = dp->qlen;
	if (max && max < todo)
		todo = max; /* re-queued (ENOMEM) entries go behind: not retried in this call */
	dp->errs_logged = dp->errs_unlogged = 0;
	while (todo > 0) {
		unsigned ns = 0, i;

		dpb_reset(&dp->b);
		while (ns < dp->cfg.batch && todo > 0) {
			struct dp_key key = q_pop(dp);
			struct dp_entry *e = find(dp, &key.a, key.plen);
			struct dp_slot *s = &dp->slots[ns];
			struct nl_msg *m;
			int err;

			todo--;
			if (!e)
				continue;
			e->queued = 0;
			if (e->want) {
				m = encap_route_msg(dp, &key.a, key.plen, &e->coa_want);
				s->op = OP_ADD;
				s->coa = e->coa_want;
				s->proxy = e->proxy_want;
			} else if (e->in_kernel) {
				m = rt_msg(dp, RTM_DELROUTE, 0, &key.a, key.plen, dp->cfg.table);
				s->op = OP_DEL;
				s->coa = e->coa_kernel;
				s->proxy = e->proxy_kernel;
			} else {
				maybe_remove(dp, e);
				continue;
			}
			err = m ? dpb_add(&dp->nl, &dp->b, m, 1) : -ENOMEM;
			nlmsg_free(m);
			if (err) { /* out of memory here: try again later */
				enqueue(dp, e);
				todo = 0;
				break;
			}
			s->hoa = key.a;
			s->plen = key.plen;
			s->err = -ETIMEDOUT;
			ns++;
		}
		if (!ns)
			continue;
		dp->nslots = ns;
		dpnl_send_batch(&dp->nl, &dp->b, slot_cb, dp);
		dp->ctr.batches++;
		for (i = 0; i < ns; i++) {
			if (dp->slots[i].err == -ENOMEM)
				todo = 0; /* the kernel's per-CPU pool is dry: let it refill */
			apply_result(dp, &dp->slots[i]);
		}
		dp->nslots = 0;
	}
	if (dp->have_filter) {
		if (!dp->filter_dirty && dpf_commit(&dp->filter)) {
			dp->ctr.filter_errors++;
			dp->filter_dirty = 1;
		}
		if (dp->filter_dirty)
			filter_resync(dp);
	}
	if (dp->errs_unlogged)
		dp_log(dp, LOG_ERR, "dataplane: %u more route errors", dp->errs_unlogged);
	return dp->qlen;
}

/* ------------------------------------------------------------------ */

static int rule_add(struct vrrp_ha_dp *dp, uint32_t pref, uint32_t table,
                    const struct in6_addr *dst, uint32_t mark)
{
	int err = request(dp, rule_msg(RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, pref, table, dst,
	                               mark, dp->cfg.protocol));

	return err == -EEXIST ? 0 : err;
}

static int rule_del(struct vrrp_ha_dp *dp, uint32_t pref, uint32_t table,
                    const struct in6_addr *dst, uint32_t mark)
{
	int err = request(dp, rule_msg(RTM_DELRULE, 0, pref, table, dst, mark, dp->cfg.protocol));

	return err == -ENOENT ? 0 : err;
}

/*
 * Put "lookup local" behind our decapsulation rule, once per netns: the
 * first instance adds it at LOCAL_PREF tagged with our protocol (the tag
 * says "one of us moved it"), later ones find it there.
 */
static int move_local_rule(struct vrrp_ha_dp *dp)
{
	struct ns_rules n;
	int err = ns_rules_read(dp, &n);

	if (err)
		return err;
	if (!n.local_moved) {
		err = rule_add(dp, LOCAL_PREF, RT_TABLE_LOCAL, NULL, 0);
		if (err)
			return err;
	}
	if (!n.local0)
		return 0;
	err = request(dp, rule_msg(RTM_DELRULE, 0, 0, RT_TABLE_LOCAL, NULL, 0, 0));
	if (err == 0)
		dp_log(dp, LOG_INFO, "dataplane: moved rule \"lookup local\" from pref 0 to %u",
		       LOCAL_PREF);
	return err == -ENOENT ? 0 : err;
}

/*
 * At free(), after our own rules went: the last instance of the netns (no
 * tagged rule of another is left) puts "lookup local" back at pref 0 if one
 * of us moved it, and removes the shared ip6tnl device.
 */
static void release_shared(struct vrrp_ha_dp *dp)
{
	struct ns_rules n;
	int idx;

	if (ns_rules_read(dp, &n))
		return;
	if (n.others) {
		dp_log(dp, LOG_INFO,
		       "dataplane: %u rules of other instances left: shared state kept", n.others);
		return;
	}
	if (n.local_moved_tag) {
		if (!n.local0)
			request(dp, rule_msg(RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, 0,
			                     RT_TABLE_LOCAL, NULL, 0, DP_RTPROT_KERNEL));
		rule_del(dp, LOCAL_PREF, RT_TABLE_LOCAL, NULL, 0);
	}
	if (dp->backend == VRRP_HA_DP_IP6TNL && (idx = (int)if_nametoindex(dp->cfg.tnl_name)) > 0)
		link_delete(dp, idx);
}

/*
 * The fib rules. Gated: installed once at new() (the activation rule only
 * matches marked packets). Not gated: added at every activation.
 */
static int rules_install(struct vrrp_ha_dp *dp)
{
	int err = 0;

	if (dp->backend == VRRP_HA_DP_SEG6) {
		err = move_local_rule(dp);
		if (err) {
			dp_log(dp, LOG_ERR, "dataplane: moving the local rule: %s", strerror(-err));
			return err;
		}
		err = rule_add(dp, dp->cfg.rule_pref - 1, dp->cfg.decap_table, &dp->cfg.vha, 0);
	}
	if (!err)
		err = rule_add(dp, dp->cfg.rule_pref, dp->cfg.table, NULL,
		               dp->gated ? dp->cfg.gate_mark : 0);
	if (err)
		dp_log(dp, LOG_ERR, "dataplane: rules: %s", strerror(-err));
	return err;
}

static int rules_remove(struct vrrp_ha_dp *dp)
{
	int err = rule_del(dp, dp->cfg.rule_pref, dp->cfg.table, NULL,
	                   dp->gated ? dp->cfg.gate_mark : 0),
	    e2 = 0;

	if (dp->backend == VRRP_HA_DP_SEG6)
		e2 = rule_del(dp, dp->cfg.rule_pref - 1, dp->cfg.decap_table, &dp->cfg.vha, 0);
	if (err || e2)
		dp_log(dp, LOG_ERR, "dataplane: removing rules: %s", strerror(-(err ? err : e2)));
	return err ? err : e2;
}

int vrrp_ha_dp_activate(struct vrrp_ha_dp *dp)
{
	int err = 0;

	if (dp->backend == VRRP_HA_DP_NONE) {
		dp->active = 1;
		return 0;
	}
	if (dp->backend == VRRP_HA_DP_SEG6 && dp->src_mode == VRRP_HA_DP_SRC_TUNSRC) {
		err = seg6_set_tunsrc(dp, &dp->cfg.vha);
		if (err) {
			dp_log(dp, LOG_ERR, "dataplane: seg6 tunsrc: %s", strerror(-err));
			return -1;
		}
		dp->tunsrc_set = 1;
	}
	if (dp->gated) {
		err = dpf_gate(&dp->filter, 1);
		if (err)
			dp_log(dp, LOG_ERR, "dataplane: opening the gate: %s", strerror(-err));
	} else {
		err = rules_install(dp);
	}
	if (err)
		return -1;
	dp->active = 1;
	dp->ctr.activations++;
	return 0;
}

int vrrp_ha_dp_deactivate(struct vrrp_ha_dp *dp)
{
	int err = 0;

	if (dp->backend != VRRP_HA_DP_NONE) {
		if (dp->gated) {
			err = dpf_gate(&dp->filter, 0);
			if (err)
				dp_log(dp, LOG_ERR, "dataplane: closing the gate: %s",
				       strerror(-err));
		} else {
			err = rules_remove(dp);
		}
	}
	if (err)
		return -1;
	if (dp->active)
		dp->ctr.deactivations++;
	dp->active = 0;
	return 0;
}

bool vrrp_ha_dp_active(const struct vrrp_ha_dp *dp)
{
	return dp->active;
}

int vrrp_ha_dp_activate_pcoa(struct vrrp_ha_dp *dp, const struct in6_addr *pcoa, bool on)
{
	char b1[INET6_ADDRSTRLEN];
	int err;

	if (dp->backend == VRRP_HA_DP_NONE)
		return 0;
	if (!dp->gated) {
		dp_log(dp, LOG_ERR,
		       "dataplane: per-PCoA activation needs the gate (filter, gate_mark)");
		return -1;
	}
	if (on && dp->backend == VRRP_HA_DP_SEG6 && dp->src_mode == VRRP_HA_DP_SRC_TUNSRC &&
	    !dp->tunsrc_set) {
		err = seg6_set_tunsrc(dp, &dp->cfg.vha);
		if (err) {
			dp_log(dp, LOG_ERR, "dataplane: seg6 tunsrc: %s", strerror(-err));
			return -1;
		}
		dp->tunsrc_set = 1;
	}
	err = dpf_pcoa(&dp->filter, pcoa, on);
	if (err) {
		dp_log(dp, LOG_ERR, "dataplane: %s proxy bindings of %s: %s",
		       on ? "activating" : "deactivating", a6(pcoa, b1), strerror(-err));
		return -1;
	}
	dp->ctr.pcoa_switches++;
	return 0;
}

int vrrp_ha_dp_flush(struct vrrp_ha_dp *dp)
{
	struct timespec ts = {0, 1000000};
	size_t i;
	int round;

	if (dp->backend == VRRP_HA_DP_NONE)
		return 0;
	for (i = 0; i < dp->cap; i++) {
		struct dp_entry *e = &dp->tab[i];

		if (!e->used)
			continue;
		e->want = 0;
		if (e->in_kernel && enqueue(dp, e) < 0)
			return -1;
	}
	for (round = 0; round < TRANSIENT_ROUNDS && vrrp_ha_dp_commit(dp, 0); round++)
		nanosleep(&ts, NULL);
	return dp->qlen || dp->staged ? -1 : 0;
}

void vrrp_ha_dp_free(struct vrrp_ha_dp *dp)
{
	if (!dp)
		return;
	if (dp->nl.sk) {
		if (dp->gated && dp->have_filter)
			dpf_gate(&dp->filter, 0);
		else
			vrrp_ha_dp_deactivate(dp);
		flush_rules(dp);
		flush_table(dp, dp->cfg.table);
		flush_table(dp, dp->cfg.decap_table);
		if (dp->backend == VRRP_HA_DP_SEG6 || dp->tnl_idx)
			release_shared(dp);
	}
	if (dp->tunsrc_set && dp->gnl.sk) {
		struct in6_addr any = IN6ADDR_ANY_INIT;

		seg6_set_tunsrc(dp, &any);
	}
	if (dp->have_filter)
		dpf_close(&dp->filter);
	dpnl_close(&dp->gnl);
	dpnl_close(&dp->nl);
	dpb_free(&dp->b);
	free(dp->slots);
	free(dp->tab);
	free(dp->q);
	free(dp);
}

size_t vrrp_ha_dp_pending(const struct vrrp_ha_dp *dp)
{
	return dp->qlen;
}

size_t vrrp_ha_dp_staged(const struct vrrp_ha_dp *dp)
{
	return dp->staged;
}

const struct vrrp_ha_dp_counters *vrrp_ha_dp_counters(const struct vrrp_ha_dp *dp)
{
	return &dp->ctr;
}

long vrrp_ha_dp_filter_count(struct vrrp_ha_dp *dp)
{
	if (!dp->have_filter)
		return -ENOENT;
	return dpf_count(&dp->filter);
}

long vrrp_ha_dp_proxy_filter_count(struct vrrp_ha_dp *dp, int which)
{
	static const char *const names[][2] = {
	        {"ppairs", "ppairs64"}, {"hnp_pcoa", "hnp64_pcoa"}, {"pcoa_on", NULL}};
	long a, b = 0;

	if (!dp->have_filter)
		return -ENOENT;
	if (which < 0 || which > 2)
		return -EINVAL;
	a = dpf_count_set(&dp->filter, names[which][0]);
	if (names[which][1])
		b = dpf_count_set(&dp->filter, names[which][1]);
	return a < 0 ? a : b < 0 ? b : a + b;
}
