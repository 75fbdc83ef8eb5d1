/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dataplane.h - partial recovery forwarding state (draft-deng 5.2.1) in the
 * kernel, through rtnetlink.
 *
 * For every binding (HoA -> CoA) of the RBC, packets to the HoA are tunnelled
 * IPv6-in-IPv6 with outer source = virtual HA address (VHA) and outer
 * destination = CoA; tunnelled packets from the MN to the VHA are
 * decapsulated and forwarded. Two backends behind this one interface:
 *
 *   seg6    SRv6 "encap seg6 mode encap.red segs CoA" routes (one segment:
 *           plain IPv6-in-IPv6 on the wire) and a seg6local End.DX6 route for
 *           the decapsulation. The only backend this project's build machines
 *           have. The outer source is carried by each route where the kernel
 *           has SEG6_IPTUNNEL_SRC (probed at start), else written by an
 *           nftables rule of the instance's filter table, so several
 *           instances (VHAs) can share one network namespace.
 *   ip6tnl  one ip6tnl device in external (collect_md) mode and one route per
 *           binding "HoA/128 encap ip6 dst CoA src VHA dev <that device>".
 *
 * Pre-staging: the encap routes live in a table of their own that no rule
 * consults while the instance is BACKUP; becoming MASTER adds one rule (plus
 * the decapsulation rule): a constant number of kernel operations whatever
 * the number of bindings. Routes carry a protocol id of our own so a restart
 * finds and flushes stale ones. Changes are queued and sent in large batches
 * (many netlink messages per sendmsg); ENOMEM from the kernel is retried.
 *
 * The reverse tunnel is not an open decapsulator: an nftables set of
 * (CoA . HoA) pairs, kept in step with the staged routes, lets a tunnelled
 * packet to the VHA through only if its outer source . inner source is a
 * binding (docs/dataplane.md: rules, costs, limits of each backend).
 *
 * PMIPv6 proxy bindings (RFC 5213 5.6, LMA reliability draft's partial
 * recovery): one or more home network prefixes (HNP/len) -> the MAG's
 * proxy-CoA, routed "HNP/len encap ... segs PCoA" in the same table and
 * activated by the same transaction; the reverse filter lets a tunnelled
 * packet through only when outer source = PCoA and inner source lies in one
 * of that PCoA's HNPs (pipapo interval set). One PCoA's proxy bindings can
 * also be switched on alone (vrrp_ha_dp_activate_pcoa): one set element.
 *
 * One struct vrrp_ha_dp per instance; no global state. Blocking netlink I/O
 * on sockets of its own, bounded per call (the caller paces the calls).
 * Needs CAP_NET_ADMIN in the network namespace it runs in.
 */
#ifndef VRRP_HA_DATAPLANE_H
#define VRRP_HA_DATAPLANE_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vrrp_ha_dp_backend {
	VRRP_HA_DP_AUTO = 0, /* ip6tnl if the kernel can create it, else seg6 */
	VRRP_HA_DP_SEG6,
	VRRP_HA_DP_IP6TNL,
	VRRP_HA_DP_NONE, /* no kernel state (replication only) */
};

/* Returns: "auto", "seg6", "ip6tnl", "none" (static strings). */
const char *vrrp_ha_dp_backend_name(enum vrrp_ha_dp_backend b);

/* How the seg6 backend puts the VHA into the outer source (docs/dataplane.md
 * "Several instances in one namespace"). */
enum vrrp_ha_dp_src {
	VRRP_HA_DP_SRC_AUTO = 0, /* ROUTE if the kernel keeps it (probed), else
	                            REWRITE if the filter is on, else TUNSRC */
	VRRP_HA_DP_SRC_ROUTE,    /* per route: SEG6_IPTUNNEL_SRC (Linux 6.1x) */
	VRRP_HA_DP_SRC_REWRITE,  /* nftables postrouting rule: outer source := VHA
	                            for (CoA . HoA) of our set; needs the filter */
	VRRP_HA_DP_SRC_TUNSRC,   /* "ip sr tunsrc" of the namespace, set at
	                            activation: one VHA per namespace only */
};

/* Returns: "auto", "route", "rewrite", "tunsrc" (static strings). */
const char *vrrp_ha_dp_src_name(enum vrrp_ha_dp_src s);

struct vrrp_ha_dp_config {
	enum vrrp_ha_dp_backend backend;
	struct in6_addr vha;          /* virtual HA address: outer source */
	char ifname[IF_NAMESIZE];     /* home link (the instance's interface) */
	uint32_t table;               /* encap routes (pre-staged), e.g. 1000 + VRID */
	uint32_t decap_table;         /* decapsulation route, e.g. 2000 + VRID */
	uint32_t rule_pref;           /* activation rule preference, e.g. 100 */
	uint8_t protocol;             /* rtm_protocol tag of our routes (default 0xb4 = 180) */
	unsigned batch;               /* netlink messages per sendmsg (default 128) */
	char tnl_name[IF_NAMESIZE];   /* ip6tnl device name (default "vrrpha0") */
	bool filter;                  /* nftables (CoA . HoA) check on tunnelled packets to the VHA
	                                 (default true; false leaves an open decapsulator) */
	uint32_t gate_mark;           /* activation by packet mark (needs filter): the rules
	                                 are installed once, "fwmark M/M lookup table", and
	                                 activation adds an nftables rule setting M; a fib
	                                 rule change costs O(all routes) in the kernel, this
	                                 does not. 0 = add/remove fib rules (default 0x400000).
	                                 A single bit heads a pool of 8 (it and the 7 below
	                                 it): each instance of a namespace takes a free one */
	enum vrrp_ha_dp_src seg6_src; /* seg6 outer source (default AUTO) */
};

/*
 * Fill c with the defaults: backend AUTO, table 1000 + vrid, decap_table
 * 2000 + vrid, rule_pref 100, protocol 0xb4, batch 128, tnl_name "vrrpha0",
 * filter on, gate_mark 0x400000; vha and ifname zero (the caller sets them). seg6 needs
 * 2 <= rule_pref < 1000 (the moved local rule sits at 1000).
 */
void vrrp_ha_dp_config_defaults(struct vrrp_ha_dp_config *c, uint8_t vrid);

struct vrrp_ha_dp_counters {
	uint64_t routes_added, routes_deleted, route_errors, enomem_retries;
	uint64_t batches, activations, deactivations, flushed_stale;
	uint64_t filter_errors;  /* nftables transactions refused */
	uint64_t filter_resyncs; /* set rebuilt from the bindings after a refusal */
	uint64_t pcoa_switches;  /* vrrp_ha_dp_activate_pcoa() calls that succeeded */
};

struct vrrp_ha_dp;

/* log callback: syslog priority (LOG_ERR ...) + message (no newline) */
typedef void (*vrrp_ha_dp_log_fn)(void *arg, int prio, const char *msg);

/*
 * Open netlink sockets, flush state a previous run left (our rules, routes
 * with our protocol in table and decap_table, our ip6tnl device), pick the
 * backend (AUTO tries to create the ip6tnl device, falls back to seg6 and
 * logs why), install the seg6 decapsulation route and the nftables filter.
 * log may be NULL. Returns: the handle, or NULL (reason logged).
 */
struct vrrp_ha_dp *vrrp_ha_dp_new(const struct vrrp_ha_dp_config *cfg, vrrp_ha_dp_log_fn log,
                                  void *log_arg);
/* Deactivate, remove every route and rule of ours and the filter table;
 * if no other instance of ours is left in the namespace (none of their
 * rules, tagged with cfg->protocol, remains), also move the local rule back
 * if one of us moved it and remove the ip6tnl device; reset the seg6 tunnel
 * source if we set it (TUNSRC only); close. NULL is fine. */
void vrrp_ha_dp_free(struct vrrp_ha_dp *dp);

/* Returns: the backend in use (never AUTO). */
enum vrrp_ha_dp_backend vrrp_ha_dp_backend(const struct vrrp_ha_dp *dp);
/* Returns: how the seg6 outer source is set (never AUTO; ROUTE for ip6tnl,
 * whose routes always carry it; TUNSRC for none). */
enum vrrp_ha_dp_src vrrp_ha_dp_src_mode(const struct vrrp_ha_dp *dp);
/* Returns: the gate mark bit in use (cfg->gate_mark, or a lower bit of its
 * pool when another instance in the namespace holds it), 0 if not gated. */
uint32_t vrrp_ha_dp_gate_mark(const struct vrrp_ha_dp *dp);

/* Queue "HoA -> CoA" (add or replace) / removal of HoA; nothing reaches the
 * kernel before vrrp_ha_dp_commit(). A HoA is queued at most once: the last
 * call before a commit wins. Returns: 0, -1 (ENOMEM). */
int vrrp_ha_dp_stage(struct vrrp_ha_dp *dp, const struct in6_addr *hoa, const struct in6_addr *coa);
int vrrp_ha_dp_unstage(struct vrrp_ha_dp *dp, const struct in6_addr *hoa);

/* A home network prefix of a proxy binding (RFC 5213: HNP option, prefix + length). */
struct vrrp_ha_dp_hnp {
	struct in6_addr prefix; /* host bits are ignored (cleared) */
	uint8_t len;            /* 1..128 (typically 64) */
};

/*
 * Queue the proxy binding "hnp[0..n-1] -> pcoa": one route per HNP,
 * "HNP/len encap (seg6 segs | ip6 dst) PCoA", outer source VHA, plus its
 * elements in the reverse filter (pcoa . HNP range) and the per-PCoA gate's
 * map (HNP : pcoa). Like vrrp_ha_dp_stage(): queued per HNP (the last call
 * before a commit wins; an HNP moving to another PCoA is replaced), sent by
 * vrrp_ha_dp_commit(). The HNPs of an instance must not overlap (the
 * kernel's interval sets refuse overlapping ranges: the filter transaction
 * then fails, counted in filter_errors). Returns: 0, -1 (a length 0 or > 128,
 * nothing queued; or ENOMEM, earlier HNPs stay queued).
 */
int vrrp_ha_dp_stage_proxy(struct vrrp_ha_dp *dp, const struct in6_addr *pcoa,
                           const struct vrrp_ha_dp_hnp *hnp, size_t n);
/* Queue the removal of the proxy binding routes of hnp[0..n-1]. Returns: 0, -1. */
int vrrp_ha_dp_unstage_proxy(struct vrrp_ha_dp *dp, const struct vrrp_ha_dp_hnp *hnp, size_t n);

/*
 * Switch forwarding on / off for the proxy bindings of one MAG only (pcoa),
 * whatever vrrp_ha_dp_activate() says (a MASTER forwards all of them
 * anyway): one nftables transaction adding / deleting pcoa in the gate's
 * set, independent of the number of HNPs behind that MAG. Packets to an HNP
 * of pcoa (forwarded and HA-originated) get the gate mark and so reach the
 * staged table. Decapsulation needs no switch (the filter admits a PCoA's
 * HNP sources whenever they are staged). Needs the gate (filter on,
 * gate_mark != 0). Idempotent. Returns: 0, or -1 (logged).
 */
int vrrp_ha_dp_activate_pcoa(struct vrrp_ha_dp *dp, const struct in6_addr *pcoa, bool on);

/*
 * Send up to max queued changes (0 = all) in batches of cfg->batch messages
 * per sendmsg and read the acks; routes the kernel refused with ENOMEM
 * (or whose ack was lost) are re-queued and retried on a later call
 * (enomem_retries); other refusals are counted (route_errors) and logged,
 * a few per call. Deleting a route that is already gone is success. The
 * filter set follows in one nftables transaction per call.
 * Returns: changes still queued.
 */
size_t vrrp_ha_dp_commit(struct vrrp_ha_dp *dp, size_t max);

/* Switch forwarding on (MASTER) / off: constant number of kernel operations.
 * Gated (gate_mark): one nftables transaction; the fib rules (and the
 * moved local rule) were installed by new(). Not gated: decapsulation rule
 * + activation rule (the first activation also moves the local rule);
 * ip6tnl: the activation rule. seg6 with TUNSRC also sets the namespace's
 * tunnel source. Idempotent.
 * Deactivation leaves routes, filter and tunsrc staged.
 * Returns: 0, or -1 (logged). */
int vrrp_ha_dp_activate(struct vrrp_ha_dp *dp);
int vrrp_ha_dp_deactivate(struct vrrp_ha_dp *dp);
bool vrrp_ha_dp_active(const struct vrrp_ha_dp *dp);

/* Remove every staged route and filter pair (e.g. the RBC was emptied),
 * retrying ENOMEM for a bounded time. Returns: 0 or -1. */
int vrrp_ha_dp_flush(struct vrrp_ha_dp *dp);

/* Returns: changes queued, not yet committed. */
size_t vrrp_ha_dp_pending(const struct vrrp_ha_dp *dp);
/* Returns: binding routes in the kernel (as acknowledged by it). */
size_t vrrp_ha_dp_staged(const struct vrrp_ha_dp *dp);
/* Returns: the counters (valid until vrrp_ha_dp_free). */
const struct vrrp_ha_dp_counters *vrrp_ha_dp_counters(const struct vrrp_ha_dp *dp);
/* Count the elements of the kernel's filter set by a dump (tests,
 * diagnostics). Returns: the count, or a negative errno (-ENOENT: no filter). */
long vrrp_ha_dp_filter_count(struct vrrp_ha_dp *dp);
/* The same for the proxy sets: which 0 = PCoA . HNP pairs (ppairs +
 * ppairs64), 1 = HNP : PCoA (hnp_pcoa + hnp64_pcoa), 2 = pcoa_on (PCoAs
 * switched on). Returns: count or a negative errno. */
long vrrp_ha_dp_proxy_filter_count(struct vrrp_ha_dp *dp, int which);

#endif
