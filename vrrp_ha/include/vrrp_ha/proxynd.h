/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proxynd.h - home link takeover: answer Neighbor Discovery for the home
 * addresses (HoAs) of the RBC that sit on the home link prefix, and tell the
 * link at once that they moved (draft-deng 5.2.1, partial recovery: the new
 * master intercepts packets to the MNs; RFC 6275 10.4.1: a home agent
 * defends a home address on the home link by proxy Neighbor Discovery).
 *
 * Not needed for HoAs whose prefix is routed to the virtual HA address: then
 * the routers' next hop is the VHA, which VRRP already moves.
 *
 * Two ways to answer Neighbor Solicitations (NS) for a HoA:
 *
 *   kernel  one proxy neighbour entry per HoA (RTM_NEWNEIGH, NTF_PROXY,
 *           many messages per sendmsg); needs conf/IF/proxy_ndp = 1 and
 *           conf/IF/forwarding = 1, and neigh/IF/proxy_delay = 0 so answers
 *           are not delayed by up to 0.8 s. The kernel's proxy table has 16
 *           hash buckets: fine up to some thousands of entries (FIELD-NOTES:
 *           1k entries 26k adds/s, 10k 10k/s, 100k 590/s).
 *   user    an AF_PACKET socket with a classic BPF filter passing only
 *           ICMPv6 NS (no extension headers), an O(1) hash set lookup of
 *           the target, a solicited NA built and checksummed here. Used for
 *           every HoA when there are more than kernel_max of them.
 *
 * The kernel never sends unsolicited NAs for proxy entries, so on activation
 * this module sends, paced, una_count unsolicited NAs (Override = 1) per HoA
 * from the interface's link-local address with its MAC in the TLLA option:
 * without them a router kept the old MAC for 7.5-22.8 s, with one the first
 * packet went through after 21 ms (FIELD-NOTES, "Proxy ND").
 *
 * No dependency on ha.c: the host (ha.c glue) adds/removes HoAs, calls
 * activate/deactivate on MASTER entry/exit and runs vrrp_ha_pnd_timer() from
 * a timer. I/O on the responder socket goes through ops->watch_fd (bounded
 * work per callback); ops->now_ms and ops->log are also used, nothing else.
 * One struct vrrp_ha_pnd per interface/instance; no global state. Needs
 * CAP_NET_ADMIN (netlink, sysctls) and CAP_NET_RAW (AF_PACKET).
 */
#ifndef VRRP_HA_PROXYND_H
#define VRRP_HA_PROXYND_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vrrp_ha/host.h"

struct vrrp_ha_pnd_config {
	char ifname[IF_NAMESIZE]; /* the home link interface */
	unsigned kernel_max;      /* kernel proxy entries up to this many HoAs (default 8192);
	                             above: the user-space responder answers for all. 0 = always
	                             user space */
	unsigned una_rate;        /* unsolicited NAs per second after activation (default 5000) */
	unsigned una_count;       /* unsolicited NAs per HoA (default 2; 0 = none) */
	unsigned una_round_ms;    /* a HoA's next UNA no sooner than this after its previous
	                             round started (default 1000: RFC 4861 RetransTimer) */
	unsigned kernel_batch;    /* proxy entries added/removed per timer call, all in one
	                             sendmsg (default 256) */
	bool restore_sysctls;     /* put back on deactivate what activate changed (default true) */
	uint8_t protocol;         /* NDA_PROTOCOL tag of our proxy entries (default 0xb4); entries
	                             on ifname with this tag are ours: vrrp_ha_pnd_new() removes
	                             those a previous run left. Instances sharing an interface
	                             need distinct tags. 0 = untagged, no such clean-up */
};

/* Fill c with the defaults above; ifname empty (the caller sets it). */
void vrrp_ha_pnd_config_defaults(struct vrrp_ha_pnd_config *c);

/* How activation answers for the HoAs. */
enum vrrp_ha_pnd_mode {
	VRRP_HA_PND_OFF = 0, /* not active */
	VRRP_HA_PND_KERNEL,  /* kernel proxy entries */
	VRRP_HA_PND_USER,    /* AF_PACKET responder */
};
/* Returns: "off", "kernel", "user" (static strings). */
const char *vrrp_ha_pnd_mode_name(enum vrrp_ha_pnd_mode m);

/*
 * What the responder did with one received frame, in the order the checks run
 * (RFC 4861 7.1.1 validation of an NS). VRRP_HA_PND_R_ANSWERED and
 * VRRP_HA_PND_R_UNKNOWN are the two outcomes of a valid NS.
 */
enum vrrp_ha_pnd_reason {
	VRRP_HA_PND_R_ANSWERED = 0, /* NA sent */
	VRRP_HA_PND_R_UNKNOWN,      /* valid NS, target not one of ours: no answer */
	VRRP_HA_PND_R_SHORT,        /* shorter than Ethernet + IPv6 + NS headers */
	VRRP_HA_PND_R_NOT_IPV6,     /* ethertype or IP version */
	VRRP_HA_PND_R_IP_LEN,       /* payload length beyond the frame / below an NS */
	VRRP_HA_PND_R_NOT_ICMP6,    /* next header not 58 (extension headers are not followed) */
	VRRP_HA_PND_R_HOP_LIMIT,    /* not 255 (RFC 4861 7.1.1) */
	VRRP_HA_PND_R_NOT_NS,       /* ICMPv6 type not 135 or code not 0 */
	VRRP_HA_PND_R_CHECKSUM,     /* ICMPv6 checksum wrong */
	VRRP_HA_PND_R_TARGET,       /* target is multicast */
	VRRP_HA_PND_R_OPTION,       /* option of length 0 or past the end */
	VRRP_HA_PND_R_DAD,          /* source :: with an SLLA option or a dst that is not the
	                               target's solicited-node group */
	VRRP_HA_PND_R_OUTGOING,     /* a frame this host sent */
	VRRP_HA_PND_R_INACTIVE,     /* responder not active */
	VRRP_HA_PND_R_TX_ERROR,     /* valid, ours, but the NA could not be sent */
	VRRP_HA_PND_R__COUNT
};
/* Returns: a short name of the reason ("answered", "short", ...). */
const char *vrrp_ha_pnd_reason_name(enum vrrp_ha_pnd_reason r);

struct vrrp_ha_pnd_counters {
	uint64_t kernel_entries; /* gauge: proxy entries of ours in the kernel now */
	uint64_t kernel_added, kernel_deleted, kernel_errors, kernel_batches;
	uint64_t ns_rx[VRRP_HA_PND_R__COUNT]; /* responder frames by outcome */
	uint64_t user_answers;                /* NAs sent for NSs (= ns_rx[ANSWERED]) */
	uint64_t ns_malformed;                /* frames counted under SHORT..DAD */
	uint64_t unas_sent, una_errors;       /* una_errors: hard send errors (UNA skipped) */
	uint64_t una_deferred;                /* EAGAIN/ENOBUFS: retried on a later call */
	uint64_t activations, deactivations, mode_switches;
	uint64_t sysctl_changes; /* sysctl values written (activation and restore) */
	uint64_t stale_removed;  /* tagged proxy entries of a previous run removed by _new() */
	uint64_t errors;         /* everything else that failed (logged) */
};

struct vrrp_ha_pnd;

/*
 * Create the takeover state for cfg->ifname (copied; the interface need not
 * exist yet). ops/ops_ctx: the host's ops (now_ms, log, watch_fd,
 * unwatch_fd are used); both must outlive the handle. If the interface
 * exists and cfg->protocol is not 0, proxy entries with that tag on it (a
 * crashed run's: a backup must not answer for the HoAs) are removed
 * (counted in stale_removed); nothing else is touched in the kernel before
 * vrrp_ha_pnd_activate().
 * Returns: the handle, or NULL (ENOMEM, or EINVAL for an empty ifname).
 */
struct vrrp_ha_pnd *vrrp_ha_pnd_new(const struct vrrp_ha_pnd_config *cfg,
                                    const struct vrrp_ha_ops *ops, void *ops_ctx);

/* Remove every kernel proxy entry of ours (synchronously), restore sysctls
 * (if restore_sysctls), stop watching and close the sockets, free. NULL is
 * fine. */
void vrrp_ha_pnd_free(struct vrrp_ha_pnd *p);

/*
 * Add a HoA to the set to defend; kept while inactive. While active it is
 * installed (kernel mode) and announced (una_count UNAs) by later timer
 * calls; if the set grows past kernel_max in kernel mode, the responder is
 * opened and the kernel entries removed (mode_switches).
 * Returns: 1 added, 0 already there, -1 (ENOMEM, or EINVAL for a multicast,
 * unspecified or loopback address).
 */
int vrrp_ha_pnd_add(struct vrrp_ha_pnd *p, const struct in6_addr *hoa);

/*
 * Remove a HoA; if it has a kernel proxy entry, that is deleted now (one
 * netlink message). Returns: 1 removed, 0 not there, -1 (kernel refused:
 * the HoA is removed from the set anyway, counted in kernel_errors).
 */
int vrrp_ha_pnd_del(struct vrrp_ha_pnd *p, const struct in6_addr *hoa);

/* Returns: whether hoa is in the set (O(1)). */
bool vrrp_ha_pnd_has(const struct vrrp_ha_pnd *p, const struct in6_addr *hoa);
/* Returns: the number of HoAs in the set. */
size_t vrrp_ha_pnd_count(const struct vrrp_ha_pnd *p);

/*
 * Become the node answering for the HoAs (the instance became MASTER).
 * Reads the interface's index, MAC and link-local address; chooses the mode
 * (kernel if count <= kernel_max, else user); kernel mode sets conf/IF/
 * proxy_ndp = 1, conf/IF/forwarding = 1 and neigh/IF/proxy_delay = 0 where
 * they differ (logged at LOG_INFO, the old values remembered), user mode
 * opens the responder (AF_PACKET, BPF, PACKET_MR_ALLMULTI on the interface:
 * solicited-node groups of the HoAs are not joined one by one) and watches
 * it; conf/all/forwarding is the operator's and only checked (a warning if
 * 0). Opens the UNA socket, schedules kernel adds and UNAs: call
 * vrrp_ha_pnd_timer() next. Already active: 0, nothing done.
 * Returns: 0, or -1 (logged; the module stays inactive).
 */
int vrrp_ha_pnd_activate(struct vrrp_ha_pnd *p);

/*
 * Stop answering (the instance left MASTER): close the responder, stop the
 * UNAs, schedule the removal of our kernel proxy entries (done by timer
 * calls, kernel_batch at a time: call vrrp_ha_pnd_timer()), restore the
 * sysctls if restore_sysctls. Inactive: 0, nothing done. Returns: 0.
 */
int vrrp_ha_pnd_deactivate(struct vrrp_ha_pnd *p);

/* Returns: the current mode (OFF when inactive). */
enum vrrp_ha_pnd_mode vrrp_ha_pnd_mode(const struct vrrp_ha_pnd *p);

/*
 * Paced work: at most one kernel batch (kernel_batch entries, one sendmsg,
 * acks read back) and the UNAs the rate allows since the last call. The host
 * calls it from its timer and whenever activate/deactivate/add returned, and
 * re-arms its timer for *next_ms (UINT64_MAX: nothing left to do; a value
 * <= now_ms: call again at once). next_ms may be NULL.
 */
void vrrp_ha_pnd_timer(struct vrrp_ha_pnd *p, uint64_t now_ms, uint64_t *next_ms);

/* Returns: when vrrp_ha_pnd_timer() wants to run next (as *next_ms above). */
uint64_t vrrp_ha_pnd_next_ms(const struct vrrp_ha_pnd *p);

/* Returns: the counters (valid until the next call on p). */
const struct vrrp_ha_pnd_counters *vrrp_ha_pnd_counters(const struct vrrp_ha_pnd *p);

/*
 * Handle one received Ethernet frame as the responder does (the socket
 * callback calls it; tests and fuzzers feed frames directly). outgoing: the
 * frame was sent by this host (only counted, first). A valid NS for one of
 * our HoAs is answered only while active in user mode (else counted as
 * VRRP_HA_PND_R_INACTIVE). Returns: the reason it was counted under.
 */
enum vrrp_ha_pnd_reason vrrp_ha_pnd_input(struct vrrp_ha_pnd *p, const uint8_t *frame, size_t len,
                                          bool outgoing);

/*
 * The ICMPv6 checksum (RFC 4443 2.3, RFC 8200 8.1 pseudo-header) of
 * icmp[0..len) between src and dst, with the checksum field (bytes 2-3) as
 * it is in the buffer: a correct packet sums to 0, so compute over a zeroed
 * field and store the result big-endian. Returns: the checksum in host order.
 */
uint16_t vrrp_ha_pnd_icmp6_csum(const struct in6_addr *src, const struct in6_addr *dst,
                                const uint8_t *icmp, size_t len);

#endif
