/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ha.h - one MIPv6_HA_Mode virtual router (draft-deng section 4): the
 * per-state rules of 4.2, the Redundancy Binding Cache, the copy of the local
 * mobility daemon's binding cache, paced sending and the restore events.
 *
 * The library owns no sockets of VRRP and no event loop: the host (the
 * keepalived glue, or a test) hands it an ops table. Everything hangs off the
 * struct vrrp_ha handle; there is no global mutable state.
 */
#ifndef VRRP_HA_HA_H
#define VRRP_HA_HA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vrrp_ha/codec.h"
#include "vrrp_ha/dataplane.h"
#include "vrrp_ha/rbc.h"

/* keepalived's states (include/vrrp.h), mirrored so the library stays free
 * of keepalived headers. */
enum vrrp_ha_state {
	VRRP_HA_ST_INIT = 0,
	VRRP_HA_ST_BACKUP = 1,
	VRRP_HA_ST_MASTER = 2,
	VRRP_HA_ST_FAULT = 3,
};
const char *vrrp_ha_state_name(enum vrrp_ha_state s);

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
	/* master re-sends its whole table this often (default 300, 0 = never) */
	unsigned refresh_s;
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
	bool full_recovery;         /* default true */
	unsigned fr_rate, fr_burst; /* 0 = recovery.h defaults */
	unsigned fr_margin_s;       /* 0 = recovery.h default */
};

/* Fill *c with the defaults above (enabled = false, strings NULL). */
void vrrp_ha_config_defaults(struct vrrp_ha_config *c);
/* Free the strings of *c (not c itself). */
void vrrp_ha_config_clear(struct vrrp_ha_config *c);
/* Deep copy. Returns: 0, or -1 on allocation failure. */
int vrrp_ha_config_copy(struct vrrp_ha_config *dst, const struct vrrp_ha_config *src);

/* Poll-style events for watch_fd. */
#define VRRP_HA_EV_READ  1
#define VRRP_HA_EV_WRITE 2

typedef void (*vrrp_ha_fd_cb)(void *data, int fd, int events);

/* What the host provides. ctx is passed back unchanged. */
struct vrrp_ha_ops {
	/* monotonic milliseconds */
	uint64_t (*now_ms)(void *ctx);
	/* Send one BC packet (VRRP header onward) the way adverts go: from the
	 * instance's link-local source to ff02::12 or to every unicast peer, hop
	 * limit 255, kernel checksum. Returns: 0, or -1 with errno set
	 * (EAGAIN/ENOBUFS mean "try again later"). */
	int (*send)(void *ctx, const uint8_t *pkt, size_t len);
	/* Arm the instance's single timer (replacing any armed one) so that
	 * vrrp_ha_timer() runs after delay_us. */
	void (*set_timer)(void *ctx, uint64_t delay_us);
	/* Call cb when fd is readable/writable; stays armed until unwatch_fd or
	 * a later watch_fd on the same fd changes the events. Level-triggered:
	 * cb runs again on every loop iteration while the fd stays ready (the
	 * control socket relies on this to resume bounded work through a WRITE
	 * watch). Returns: 0 or -1. */
	int (*watch_fd)(void *ctx, int fd, int events, vrrp_ha_fd_cb cb, void *data);
	void (*unwatch_fd)(void *ctx, int fd);
	/* syslog priority + message (no newline) */
	void (*log)(void *ctx, int prio, const char *msg);
	/* Run argv[0] with argv asynchronously; the host reaps the child.
	 * Returns: 0 if started. */
	int (*run_script)(void *ctx, char *const argv[]);
	/* Optional: monotonic microseconds. With it, a pacing tick is
	 * scheduled from the start of the previous burst rather than its end. */
	uint64_t (*now_us)(void *ctx);
};

/* Counters, all monotonic. rx_reason[0] counts accepted packets. */
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
	uint64_t notify_runs, notify_errors, fifo_lines, fifo_drops;
	uint64_t state_changes;
	uint64_t dp_staged, dp_unstaged, dp_errors; /* partial recovery routes queued */
	uint64_t dp_activations, dp_deactivations;
	uint64_t pnd_added, pnd_deleted, pnd_errors; /* HoAs defended on the home link */
	uint64_t fr_triggered; /* HAO+ESP triggers: binding deleted from the RBC */
	uint64_t recovered;    /* RECOVER events handed to the daemon */
};

struct vrrp_ha;

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

/* Returns: bindings queued to send plus those left of a whole-table answer. */
size_t vrrp_ha_tx_backlog(const struct vrrp_ha *h);

/* Log through ops->log with printf formatting. */
void vrrp_ha_logf(const struct vrrp_ha *h, int prio, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* One named counter of struct vrrp_ha_counters (rx_reason[] entries are
 * named rx_ok, rx_too_short, ... after vrrp_ha_reason_name()). */
struct vrrp_ha_counter_field {
	char name[40];
	size_t offset; /* of a uint64_t inside struct vrrp_ha_counters */
};

/* Every counter, in display order. Returns: the table, *n its length. */
const struct vrrp_ha_counter_field *vrrp_ha_counter_fields(size_t *n);

/* Returns: the value of field f in c. */
uint64_t vrrp_ha_counter_value(const struct vrrp_ha_counters *c,
                               const struct vrrp_ha_counter_field *f);

/* Write the counters as one JSON object (no newline) into buf.
 * Returns: the length snprintf would have written. */
int vrrp_ha_counters_json(const struct vrrp_ha *h, char *buf, size_t cap);

#endif
