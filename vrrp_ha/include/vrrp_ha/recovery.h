/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * recovery.h - full recovery scheduling (draft-deng 5.2.2) on a Virtual HA
 * Master that is not the address owner:
 *
 *   trigger   "If A Virtual HA Master received a packet with destination
 *             address set to Virtual HA address, source address set to the
 *             Home Address of the MN exists in RBC, together with a IPv6
 *             destination option which includes the CoA of MN, and the
 *             payload type is ESP (potenial Binding Update message encrypted
 *             by IPsec SA), the Virtual HA Master MUST schedule a full
 *             recovery for the MN and MUST delete binding update associated
 *             with the MN in RBC."
 *             On the wire (RFC 6275 6.3, 11.7.1) the IPv6 source is the CoA
 *             and the Home Address option holds the HoA; the draft words it
 *             the other way round. Both are accepted: the HoA is whichever of
 *             the two addresses the RBC knows (the option's first).
 *   lifetime  partial recovery "can not last forever": an RBC entry whose
 *             remaining lifetime drops below a margin is scheduled too.
 *   pacing    "A Virtual HA Master SHOULD NOT full recover all the MN served
 *             by the failed HA at the same time": recoveries are released
 *             through a token bucket (rate per second, burst); a HoA is
 *             queued at most once; the queue is bounded.
 *
 * The module owns one raw socket (vrrp_ha_fr_open) and nothing else: no
 * timer of its own (the host calls vrrp_ha_fr_poll() when the returned
 * next_ms comes, or when hooks->wake says something is pending) and no RBC
 * (hooks->lookup / hooks->triggered reach the host's). It does not depend on
 * ha.c. No global mutable state. See docs/recovery.md.
 */
#ifndef VRRP_HA_RECOVERY_H
#define VRRP_HA_RECOVERY_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vrrp_ha/host.h"

/* Wire constants. */
#define VRRP_HA_FR_NH_HOPOPTS 0   /* RFC 8200 4.3 */
#define VRRP_HA_FR_NH_ROUTING 43  /* RFC 8200 4.4 */
#define VRRP_HA_FR_NH_ESP     50  /* RFC 4303 2 */
#define VRRP_HA_FR_NH_DSTOPTS 60  /* RFC 8200 4.6 */
#define VRRP_HA_FR_OPT_PAD1   0   /* RFC 8200 4.2 */
#define VRRP_HA_FR_OPT_HAO    201 /* Home Address option, RFC 6275 6.3 */
#define VRRP_HA_FR_HAO_LEN    16  /* its Option Length, RFC 6275 6.3 */
/* Extension headers walked before giving up (HBH, routing, dest opts). */
#define VRRP_HA_FR_MAX_EXTHDRS 8

/* Defaults of struct vrrp_ha_fr_config (0 in a field = its default). */
#define VRRP_HA_FR_DEF_RATE        50
#define VRRP_HA_FR_DEF_BURST       50
#define VRRP_HA_FR_DEF_MARGIN_S    60
#define VRRP_HA_FR_DEF_MAX_QUEUE   65536
#define VRRP_HA_FR_DEF_MAX_TRACKED 4000000
#define VRRP_HA_FR_DEF_LOG_S       10

struct vrrp_ha_fr_config {
	struct in6_addr vha;        /* virtual HA address: the trigger's destination */
	char ifname[IF_NAMESIZE];   /* "" = any interface; else only packets that
	                               arrived on it count (the MN's packets arrive on
	                               the upstream side, not necessarily the home link) */
	unsigned rate_per_s;        /* recoveries released per second (default 50) */
	unsigned burst;             /* token bucket depth (default 50) */
	unsigned lifetime_margin_s; /* schedule when remaining lifetime < this (default 60) */
	unsigned max_queue;         /* recoveries waiting for a token (default 65536) */
	unsigned max_tracked;       /* HoAs tracked for lifetime (default 4,000,000) */
	unsigned log_interval_s;    /* per-reason log rate limit (default 10) */
};

/* Fill *c with the defaults (vha ::, ifname ""). */
void vrrp_ha_fr_config_defaults(struct vrrp_ha_fr_config *c);

/* What the host's RBC provides. All but arg and lookup may be NULL. */
struct vrrp_ha_fr_hooks {
	void *arg;
	/* Is hoa in the RBC? Returns: true, with *coa and *expires_ms (absolute,
	 * ops->now_ms clock) filled, if it is a live entry. */
	bool (*lookup)(void *arg, const struct in6_addr *hoa, struct in6_addr *coa,
	               uint64_t *expires_ms);
	/* The trigger fired for hoa (coa = the packet's other address, the MN's
	 * current care-of address): the host deletes hoa from the RBC now
	 * (draft-deng 5.2.2 "MUST delete"); the recovery itself comes out of
	 * vrrp_ha_fr_poll() when the token bucket allows. */
	void (*triggered)(void *arg, const struct in6_addr *hoa, const struct in6_addr *coa);
	/* Something may be due earlier than the host's last next_ms: call
	 * vrrp_ha_fr_poll() soon (from the event loop, not from this hook). */
	void (*wake)(void *arg);
};

/* Outcome of one packet; also the index of counters.rx_reason[]. Checked in
 * this order. */
enum vrrp_ha_fr_reason {
	VRRP_HA_FR_R_TRIGGERED = 0, /* accepted: hoa queued, hooks->triggered called */
	VRRP_HA_FR_R_INACTIVE,      /* detector not active (not a non-owner master) */
	VRRP_HA_FR_R_TOO_SHORT,     /* shorter than an IPv6 header (input() only) */
	VRRP_HA_FR_R_NOT_IPV6,      /* version != 6 (input() only) */
	VRRP_HA_FR_R_WRONG_IF,      /* arrived on another interface than cfg.ifname */
	VRRP_HA_FR_R_NOT_VHA,       /* destination is not the virtual HA address */
	VRRP_HA_FR_R_TRUNCATED,     /* an extension header runs past the packet */
	VRRP_HA_FR_R_BAD_OPTION,    /* an option runs past its header, or HAO length != 16 */
	VRRP_HA_FR_R_NO_HAO,        /* no Destination Options with a Home Address option */
	VRRP_HA_FR_R_NOT_ESP,       /* the header after the HAO is not ESP */
	VRRP_HA_FR_R_BAD_ADDRESS,   /* HAO or source multicast/unspecified/loopback */
	VRRP_HA_FR_R_DUPLICATE,     /* that HoA is already queued (counted, not re-queued) */
	VRRP_HA_FR_R_UNKNOWN_HOA,   /* neither address is in the RBC */
	VRRP_HA_FR_R_QUEUE_FULL,    /* queue at max_queue: nothing done, the MN retries */
	VRRP_HA_FR_R_NOMEM,         /* allocation failed: nothing done */
	VRRP_HA_FR_R__COUNT
};
/* Returns: a short stable name ("not_vha", ...), "?" if out of range. */
const char *vrrp_ha_fr_reason_name(enum vrrp_ha_fr_reason r);

/* Why a recovery was scheduled. */
enum vrrp_ha_fr_cause {
	VRRP_HA_FR_TRIGGER = 1,  /* HAO + ESP packet (the binding was deleted from the RBC) */
	VRRP_HA_FR_LIFETIME = 2, /* remaining lifetime below the margin (the entry stays) */
};
/* Returns: "trigger", "lifetime" or "?". */
const char *vrrp_ha_fr_cause_name(enum vrrp_ha_fr_cause c);

/* One recovery released by vrrp_ha_fr_poll(). */
struct vrrp_ha_fr_event {
	struct in6_addr hoa;
	struct in6_addr coa; /* TRIGGER: from the packet; LIFETIME: the RBC's */
	enum vrrp_ha_fr_cause cause;
	uint64_t queued_ms; /* when it was scheduled */
};

/* Counters, all monotonic. */
struct vrrp_ha_fr_counters {
	uint64_t rx_reason[VRRP_HA_FR_R__COUNT];
	uint64_t rx_packets;         /* read from the socket */
	uint64_t rx_errors;          /* recvmsg failures other than EAGAIN */
	uint64_t rx_no_pktinfo;      /* socket packets without IPV6_PKTINFO (dropped) */
	uint64_t order_rfc6275;      /* triggers with source = CoA, HAO = HoA */
	uint64_t order_draft;        /* triggers with source = HoA, option = CoA */
	uint64_t coa_changed;        /* triggers whose CoA differs from the RBC's */
	uint64_t tracked;            /* vrrp_ha_fr_track() calls taken */
	uint64_t track_over_limit;   /* dropped: max_tracked reached */
	uint64_t lifetime_due;       /* heap entries that came due */
	uint64_t lifetime_gone;      /* ... whose HoA had left the RBC */
	uint64_t lifetime_renewed;   /* ... whose expiry had moved (re-armed) */
	uint64_t lifetime_scheduled; /* ... queued as LIFETIME recoveries */
	uint64_t lifetime_dup;       /* ... already queued */
	uint64_t lifetime_overflow;  /* ... dropped: queue full */
	uint64_t released;           /* events handed out by poll */
	uint64_t released_trigger, released_lifetime;
	uint64_t dropped_inactive; /* queued recoveries dropped by deactivation */
	uint64_t queue_max;        /* largest queue length seen */
};

struct vrrp_ha_fr;

/*
 * Create a detector/scheduler. cfg is copied (0 fields take their default);
 * ops/ops_ctx are the host's (now_ms, watch_fd, unwatch_fd, log are used);
 * hooks is copied (lookup is required). Starts inactive, socket closed.
 * Returns: the handle, or NULL (allocation failure or hooks->lookup NULL).
 */
struct vrrp_ha_fr *vrrp_ha_fr_new(const struct vrrp_ha_fr_config *cfg,
                                  const struct vrrp_ha_ops *ops, void *ops_ctx,
                                  const struct vrrp_ha_fr_hooks *hooks);
/* Close the socket if open, free everything. NULL is fine. */
void vrrp_ha_fr_free(struct vrrp_ha_fr *fr);

/*
 * Open the raw IPPROTO_DSTOPTS socket, watch it through ops->watch_fd and
 * activate (call when becoming a non-owner MASTER). Already open: nothing.
 * Returns: 0, or -1 with errno set (logged; the detector stays inactive).
 */
int vrrp_ha_fr_open(struct vrrp_ha_fr *fr);
/* Unwatch and close the socket, deactivate (drops queued recoveries). */
void vrrp_ha_fr_close(struct vrrp_ha_fr *fr);
/* Returns: the socket, or -1 when closed. */
int vrrp_ha_fr_fd(const struct vrrp_ha_fr *fr);

/*
 * Without a socket (tests, an AF_PACKET host): activate or deactivate.
 * Deactivating drops the queued recoveries (counted in dropped_inactive):
 * only a master schedules them. Lifetime tracking is kept either way.
 */
void vrrp_ha_fr_set_active(struct vrrp_ha_fr *fr, bool active);
bool vrrp_ha_fr_active(const struct vrrp_ha_fr *fr);

/*
 * An RBC entry for hoa was added or updated with absolute expiry
 * expires_ms: (re)arm its lifetime check at expires_ms - margin. Lazy: no
 * untrack; when due, hooks->lookup decides (gone: dropped; expiry moved:
 * re-armed; unchanged: a LIFETIME recovery is queued).
 */
void vrrp_ha_fr_track(struct vrrp_ha_fr *fr, const struct in6_addr *hoa, uint64_t expires_ms);

/*
 * Check one IPv6 packet (from the IPv6 header on) as if it had arrived at
 * now_ms (the queue's timestamps use it). On TRIGGERED the HoA is queued
 * and hooks->triggered has run.
 * Returns: the enum vrrp_ha_fr_reason (also counted).
 */
enum vrrp_ha_fr_reason vrrp_ha_fr_input(struct vrrp_ha_fr *fr, const uint8_t *pkt, size_t len,
                                        uint64_t now_ms);

/*
 * Same from a raw IPPROTO_DSTOPTS socket's view: the kernel gives the
 * Destination Options header onward, src from msg_name, dst and ifindex
 * from IPV6_PKTINFO (ifindex 0 = unknown, not checked).
 */
enum vrrp_ha_fr_reason vrrp_ha_fr_input_dstopts(struct vrrp_ha_fr *fr, const struct in6_addr *src,
                                                const struct in6_addr *dst, unsigned ifindex,
                                                const uint8_t *dstopts, size_t len,
                                                uint64_t now_ms);

/*
 * Release what is due at now_ms: first move due lifetime checks to the queue
 * (bounded work per call), then hand out up to max queued recoveries, oldest
 * first, one token each. Does nothing while inactive.
 * *next_ms (may be NULL): when to call again; now_ms if more is ready now
 * (max or the work bound was reached), UINT64_MAX if nothing is pending.
 * Returns: the number of events written to out.
 */
size_t vrrp_ha_fr_poll(struct vrrp_ha_fr *fr, uint64_t now_ms, struct vrrp_ha_fr_event *out,
                       size_t max, uint64_t *next_ms);

/* Returns: recoveries waiting for a token. */
size_t vrrp_ha_fr_queued(const struct vrrp_ha_fr *fr);
/* Returns: HoAs currently tracked for lifetime (including stale ones). */
size_t vrrp_ha_fr_ntracked(const struct vrrp_ha_fr *fr);
/* Returns: the counters (valid until vrrp_ha_fr_free). */
const struct vrrp_ha_fr_counters *vrrp_ha_fr_counters(const struct vrrp_ha_fr *fr);

#endif
