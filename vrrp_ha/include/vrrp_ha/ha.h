/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ha.h - one MIPv6_HA_Mode virtual router (draft-deng section 4): the
 * per-state rules of 4.2, the Redundancy Binding Cache, the copy of the local
 * mobility daemon's binding cache, paced sending and the restore events.
 *
 * The library owns no sockets of VRRP and no event loop: the host (the
 * keepalived glue, or a test) hands it an ops table (host.h). Everything
 * hangs off the struct vrrp_ha handle; there is no global mutable state.
 *
 * Inside, an instance is a few modules (module.h) wired together by
 * core/instance.c: the replication engine (repl/), the partial recovery data
 * plane, proxy ND and full recovery (takeover/), the notify script and FIFO
 * (notify/). They talk through one event stream (events.h) and count into
 * one registry (counters.h).
 */
#ifndef VRRP_HA_HA_H
#define VRRP_HA_HA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vrrp_ha/auth.h"
#include "vrrp_ha/codec.h"
#include "vrrp_ha/counters.h"
#include "vrrp_ha/dataplane.h"
#include "vrrp_ha/events.h"
#include "vrrp_ha/hold.h"
#include "vrrp_ha/host.h"
#include "vrrp_ha/peers.h"
#include "vrrp_ha/rbc.h"

/* Extension messages (docs/protocol.md "Extensions"): off = pure
 * draft-deng on the wire; on = always; auto = once a peer has shown it
 * understands them. */
enum vrrp_ha_ext_mode {
	VRRP_HA_EXT_AUTO = 0,
	VRRP_HA_EXT_OFF,
	VRRP_HA_EXT_ON,
};

enum vrrp_ha_owner_mode {
	VRRP_HA_OWNER_AUTO = 0, /* address owner = priority 255 (RFC 5798) */
	VRRP_HA_OWNER_YES,
	VRRP_HA_OWNER_NO,
};

/* The mipv6_ha { } block. Strings are owned by the config (malloc'd). */
struct vrrp_ha_config {
	bool enabled;
	enum vrrp_ha_owner_mode owner;
	char *ctl_path;              /* control socket; NULL = none */
	unsigned ctl_mode;           /* permission bits, default 0600 (root only) */
	unsigned ctl_idle_s;         /* close idle clients after this (default 300, 0 = never) */
	char *notify_restore;        /* script run with a batch of restored bindings */
	char *notify_recover;        /* script run with a batch of full recoveries */
	char *notify_dir;            /* where batch files go (default /run/vrrp-ha) */
	char *notify_fifo;           /* FIFO receiving one line per event */
	unsigned mtu;                /* 0 = the interface's (the host fills it in) */
	unsigned burst_packets;      /* BC_UPDATEs per pacing tick (default 32) */
	unsigned pace_us;            /* pacing tick (default 1000 us) */
	unsigned coalesce_ms;        /* hold a change this long before sending (default 1) */
	unsigned request_timeout_ms; /* resend BC_REQUEST if nothing came (default 1000) */
	unsigned request_retries;    /* default 3 */
	unsigned answer_grace_ms;    /* a former master still answers requests (default 3000) */
	unsigned restore_window_ms;  /* owner master accepts BC_UPDATE after its request (default
	                                5000) */
	unsigned tombstone_s;        /* deletes remembered (default 30) */
	unsigned max_bindings;       /* table limit (default 4,000,000) */
	unsigned log_interval_s;     /* rate limit of per-reason logs (default 10) */
	unsigned snmp_drop_limit;    /* vrrpHaDropRateHigh: drops/s (default 100, 0 = never) */
	/* master re-sends its whole table this often (default 300, 0 = never) */
	unsigned refresh_s;
	/* "Demoted until synced" (hold.h): a starting instance holds its VRRP
	 * priority at sync_hold_prio (default 1, 1..254) until its table is
	 * complete, at most sync_hold_s seconds (default 30, 0 = never held) */
	unsigned sync_hold_s;
	unsigned sync_hold_prio;
	/* partial recovery data plane (draft-deng 5.2.1, dataplane.h) */
	enum vrrp_ha_dp_backend dataplane; /* default VRRP_HA_DP_NONE */
	struct in6_addr vha;               /* virtual HA address (the host fills it in) */
	char ifname[IF_NAMESIZE];          /* home link interface (the host fills it in) */
	unsigned dp_table;                 /* 0 = 1000 + VRID */
	unsigned dp_decap_table;           /* 0 = 2000 + VRID */
	unsigned dp_rule_pref;             /* 0 = dataplane.h default */
	unsigned dp_batch;                 /* 0 = dataplane.h default */
	/* home link takeover (proxynd.h): HoAs inside the home prefix */
	bool proxy_nd;               /* default false */
	struct in6_addr home_prefix; /* the host fills it in (the VHA's prefix) */
	unsigned home_plen;          /* 0 = no home prefix known */
	unsigned pnd_kernel_max;     /* 0 = proxynd.h default */
	/* full recovery (recovery.h), non-owner MASTER only */
	bool full_recovery;               /* default true */
	unsigned fr_rate, fr_burst;       /* 0 = recovery.h defaults */
	unsigned fr_margin_s;             /* 0 = recovery.h default */
	enum vrrp_ha_ext_mode extensions; /* default auto */
	unsigned digest_interval_ms;      /* master's anti-entropy digest (default 2000, 0 = off) */
	struct in6_addr own_ll;           /* this node's link-local source (the host fills it in) */
	/* sync authentication (auth.h, docs/auth.md) */
	enum vrrp_ha_auth_mode auth;       /* default off */
	enum vrrp_ha_auth_alg auth_cipher; /* default aes-256-gcm */
	char *auth_key_file;               /* required unless auth is off */
	char *auth_epoch_file;             /* NULL: /var/lib/vrrp-ha/<iname>.epoch */
	/* SwitchOver / SwitchBack (switch.h, docs/harp.md) */
	bool switch_accept;         /* grant switches asked by peers (default true; no = 129) */
	unsigned switch_timeout_ms; /* a switch gives up after this (default 5000) */
	bool switch_on_track;       /* a track priority drop as MASTER switches back (default on) */
	/* hard switch (RFC 5142, docs/hard-switch.md): switch_mode hard */
	bool hard_switch;           /* default false (switch_mode virtual) */
	struct in6_addr ha_address; /* this HA's own unicast address (mandatory in hard mode) */
	unsigned ha_switch_rate;    /* Home Agent Switch messages per second (default 1000) */
	unsigned ha_switch_burst;   /* sent at once at most (default 16) */
	bool ha_switch_to_hoa;      /* send to the HoA instead of the CoA (default false) */
};

/* Fill *c with the defaults above (enabled = false, strings NULL). */
void vrrp_ha_config_defaults(struct vrrp_ha_config *c);
/* Free the strings of *c (not c itself). */
void vrrp_ha_config_clear(struct vrrp_ha_config *c);
/* Deep copy. Returns: 0, or -1 on allocation failure. */
int vrrp_ha_config_copy(struct vrrp_ha_config *dst, const struct vrrp_ha_config *src);
/* Returns: whether c at this base priority makes the node the address owner. */
bool vrrp_ha_config_is_owner(const struct vrrp_ha_config *c, unsigned priority);

/* The instance's own counters ("sync" group of the registry), all
 * monotonic. rx_reason[0] counts accepted packets. The data plane, proxy ND,
 * full recovery and notify modules keep theirs in their own blocks; read
 * every counter through vrrp_ha_counters_registry(). */
struct vrrp_ha_counters {
	uint64_t rx_reason[VRRP_HA_R__COUNT];
	uint64_t rx_request; /* valid BC_REQUESTs */
	uint64_t rx_update;  /* valid BC_UPDATEs */
	uint64_t rx_records; /* records in valid BC_UPDATEs */
	uint64_t rx_rec_added, rx_rec_updated, rx_rec_refreshed, rx_rec_deleted;
	uint64_t rx_rec_stale, rx_rec_unknown_delete, rx_rec_nomem, rx_rec_over_limit;
	uint64_t rx_request_ignored; /* not master and not within answer_grace */
	uint64_t rx_update_ignored;  /* BC_UPDATE at a master not restoring */
	uint64_t tx_request, tx_update, tx_records, tx_errors, tx_retries;
	uint64_t full_syncs; /* whole-table sends started (answers, takeover, refresh) */
	uint64_t refreshes;  /* of which periodic refreshes */
	uint64_t bc_add, bc_del, bc_flush, bc_errors;
	uint64_t expired;  /* entries whose lifetime ran out */
	uint64_t restored; /* bindings handed back to the daemon */
	uint64_t state_changes;
	uint64_t ext_tx, ext_rx;               /* extension messages sent / accepted */
	uint64_t ext_ignored;                  /* extension messages refused (extensions off) */
	uint64_t sync_complete, sync_diverged; /* SYNC_COMPLETE / SYNC_DIVERGED events */
	/* framed sync (docs/sync.md) */
	uint64_t sync_proven;       /* fetches that ended with every digest matching */
	uint64_t sync_rounds;       /* repair rounds (digests or records asked again) */
	uint64_t sync_repairs;      /* repairs started by the master's digest */
	uint64_t sync_swept;        /* entries removed: the sender proved it lacks them */
	uint64_t sync_overrides;    /* our newer entry replaced by the sender's */
	uint64_t sync_unresolved;   /* buckets left different after asking again */
	uint64_t sync_asked_peer;   /* requests to a named peer (no master answered) */
	uint64_t digests_sent;      /* anti-entropy digests sent (master) */
	uint64_t digests_checked;   /* anti-entropy digests compared (backup) */
	uint64_t digest_mismatches; /* of which did not match */
	uint64_t sync_merges;       /* a yielded master's table merged (split brain) */
};

struct vrrp_ha;
struct vrrp_ha_pnd;
struct vrrp_ha_fr;

/*
 * Create the instance. iname is keepalived's instance name (copied), vrid its
 * VRID, priority its configured base priority (255 = address owner in AUTO).
 * cfg is deep-copied. Returns: the handle, or NULL (allocation failure).
 */
struct vrrp_ha *vrrp_ha_new(const struct vrrp_ha_config *cfg, const struct vrrp_ha_ops *ops,
                            void *ctx, const char *iname, uint8_t vrid, unsigned priority);
void vrrp_ha_free(struct vrrp_ha *h);

/*
 * After a configuration reload: keep the tables, counters and control
 * socket, take the new config, host context, VRID and priority.
 * Returns: 0, or -1 (allocation failure: the old config stays).
 */
int vrrp_ha_reconfigure(struct vrrp_ha *h, const struct vrrp_ha_config *cfg, void *ctx,
                        uint8_t vrid, unsigned priority);

/* Arm the timer; the instance starts working. Returns: 0, or -1 (logged). */
int vrrp_ha_start(struct vrrp_ha *h);

/* keepalived changed the instance's state. */
void vrrp_ha_set_state(struct vrrp_ha *h, enum vrrp_ha_state s);

/*
 * A BC packet arrived (VRRP header onward, len bytes). hop_limit is the
 * received hop limit (-1 if unknown), src the sender. Validates in the order
 * of docs/protocol.md, counts every rejection, applies per-state rules.
 * Returns: the reason the packet was dropped, or VRRP_HA_OK.
 */
enum vrrp_ha_reason vrrp_ha_rx(struct vrrp_ha *h, const uint8_t *pkt, size_t len, int hop_limit,
                               const struct in6_addr *src);

/*
 * A BC packet of this instance's VRID did not fit the host's receive buffer
 * (larger than the MTU, or reassembled from fragments; the host read only
 * its first len bytes). Counted as too_long and logged rate-limited.
 * Returns: the reason (VRRP_HA_R_TOO_LONG, or not_enabled).
 */
enum vrrp_ha_reason vrrp_ha_rx_truncated(struct vrrp_ha *h, size_t len, const struct in6_addr *src);

/* The timer armed through ops->set_timer fired. */
void vrrp_ha_timer(struct vrrp_ha *h);

/* Bridge input: the local mobility daemon's binding cache changed. */
enum rbc_result vrrp_ha_bc_add(struct vrrp_ha *h, const struct in6_addr *hoa,
                               const struct in6_addr *coa, uint32_t lifetime_s, uint16_t seq,
                               uint16_t flags);
enum rbc_result vrrp_ha_bc_del(struct vrrp_ha *h, const struct in6_addr *hoa);
size_t vrrp_ha_bc_flush(struct vrrp_ha *h);

/* Accessors */
const struct vrrp_ha_counters *vrrp_ha_counters(const struct vrrp_ha *h);
const struct vrrp_ha_config *vrrp_ha_config(const struct vrrp_ha *h);
struct vrrp_ha_rbc *vrrp_ha_get_rbc(struct vrrp_ha *h); /* Redundancy Binding Cache */
struct vrrp_ha_rbc *vrrp_ha_get_bc(struct vrrp_ha *h);  /* copy of the local daemon's BC */
const char *vrrp_ha_iname(const struct vrrp_ha *h);
uint8_t vrrp_ha_vrid(const struct vrrp_ha *h);
enum vrrp_ha_state vrrp_ha_get_state(const struct vrrp_ha *h);
bool vrrp_ha_is_owner(const struct vrrp_ha *h);
uint64_t vrrp_ha_now(const struct vrrp_ha *h);
/* Returns: the partial recovery data plane, NULL if none (owner, or
 * dataplane none). */
struct vrrp_ha_dp *vrrp_ha_get_dp(struct vrrp_ha *h);
/* Returns: the proxy ND responder (proxynd.h), NULL if none (owner, or
 * proxy_nd off). */
struct vrrp_ha_pnd *vrrp_ha_get_pnd(struct vrrp_ha *h);
/* Returns: full recovery (recovery.h), NULL if none (owner, or
 * full_recovery off). */
struct vrrp_ha_fr *vrrp_ha_get_fr(struct vrrp_ha *h);

/* Where this node's table stands against its peers'. */
enum vrrp_ha_sync_state {
	VRRP_HA_SYNC_IN_SYNC = 0, /* no exchange running; the last one completed */
	VRRP_HA_SYNC_SYNCING,     /* we asked (BC_REQUEST) and updates may still come */
	VRRP_HA_SYNC_DIVERGED,    /* we asked and nobody answered (non-owner) */
	VRRP_HA_SYNC_DEMOTED, /* held ("Demoted until synced", hold.h) until the table is complete
	                       */
};
/* Returns: the sync state, and its name ("in_sync", "syncing", "diverged",
 * "demoted"). */
enum vrrp_ha_sync_state vrrp_ha_sync_state(const struct vrrp_ha *h);
const char *vrrp_ha_sync_state_name(enum vrrp_ha_sync_state s);

/* Returns: bindings queued to send plus those left of a whole-table answer. */
size_t vrrp_ha_tx_backlog(const struct vrrp_ha *h);

/* Log through ops->log with printf formatting. */
void vrrp_ha_logf(const struct vrrp_ha *h, int prio, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Counters of the control socket (sync/ctl_server.c), kept by the instance
 * so they outlive a server closed by a reload ("ctl" group). */
struct vrrp_ha_ctl_counters {
	uint64_t ctl_accepted;    /* connections taken */
	uint64_t ctl_refused;     /* at the limit with no idle client to close */
	uint64_t ctl_evicted;     /* idle clients closed to make room at the limit */
	uint64_t ctl_idle_closed; /* clients closed after control_idle_timeout */
};
struct vrrp_ha_ctl_counters *vrrp_ha_ctl_counters(struct vrrp_ha *h);

/* Returns: the registry holding every counter of every module. */
const struct vrrp_ha_counters_reg *vrrp_ha_counters_registry(const struct vrrp_ha *h);

/* Returns: the value of the counter called name, 0 if there is none. */
uint64_t vrrp_ha_counter(const struct vrrp_ha *h, const char *name);

/*
 * Subscribe to the instance's event stream (events.h): cb(arg, ev) for
 * every event whose type is in mask. Returns: an id for
 * vrrp_ha_unsubscribe(), 0 on allocation failure.
 */
unsigned vrrp_ha_subscribe(struct vrrp_ha *h, uint32_t mask, vrrp_ha_event_cb cb, void *arg);
void vrrp_ha_unsubscribe(struct vrrp_ha *h, unsigned id);

/* Write every registered counter as one flat JSON object (no newline) into buf.
 * Returns: the length snprintf would have written. */
int vrrp_ha_counters_json(const struct vrrp_ha *h, char *buf, size_t cap);

#endif
