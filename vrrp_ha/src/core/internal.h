/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * internal.h - what a module may ask of its instance (core/instance.c).
 * Nothing here is public API; the host uses ha.h.
 */
#ifndef VRRP_HA_CORE_INTERNAL_H
#define VRRP_HA_CORE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "vrrp_ha/ha.h"
#include "vrrp_ha/module.h"

/* The instance's modules, in the order they are created, see state changes
 * and run from the timer (instance.c lists them). */
extern const struct vrrp_ha_module vrrp_ha_mod_peers;
extern const struct vrrp_ha_module vrrp_ha_mod_hold;
extern const struct vrrp_ha_module vrrp_ha_mod_dataplane;
extern const struct vrrp_ha_module vrrp_ha_mod_proxynd;
extern const struct vrrp_ha_module vrrp_ha_mod_recovery;
extern const struct vrrp_ha_module vrrp_ha_mod_repl;
extern const struct vrrp_ha_module vrrp_ha_mod_notify;

/* The host's ops and ctx (ctx changes on a reload: read it each time). */
const struct vrrp_ha_ops *vrrp_ha_host_ops(const struct vrrp_ha *h);
void *vrrp_ha_host_ctx(const struct vrrp_ha *h);

/* An ops table for sub-libraries (dataplane, proxynd, recovery) with the
 * instance as ctx: now_ms, watch_fd, unwatch_fd, log (prefixed). */
extern const struct vrrp_ha_ops vrrp_ha_fwd_ops;

/* Is s a settled state (BACKUP, MASTER) that takes part in replication? */
bool vrrp_ha_state_settled(enum vrrp_ha_state s);

/* Has vrrp_ha_start() run? */
bool vrrp_ha_started(const struct vrrp_ha *h);

/* Ask for the timer at deadline (absolute ms), or delay_us from now, unless
 * an earlier run is already armed. No-op before start. */
void vrrp_ha_arm_at(struct vrrp_ha *h, uint64_t deadline_ms);
void vrrp_ha_arm_us(struct vrrp_ha *h, uint64_t delay_us);

/* Publish one event on the instance's bus (time_ms filled in if 0). */
void vrrp_ha_emit(struct vrrp_ha *h, struct vrrp_ha_event *ev);

/* Publish a binding event from a table view. */
void vrrp_ha_emit_binding(struct vrrp_ha *h, enum vrrp_ha_event_type type, enum vrrp_ha_table t,
                          enum vrrp_ha_origin o, const struct rbc_view *v);

/* A PMIPv6 store record as an event's copy, and published as a binding
 * event (core/pmip.c). */
struct vrrp_ha_record;
struct vrrp_ha_ev_pmip;
void vrrp_ha_pmip_to_ev(const struct vrrp_ha_record *r, struct vrrp_ha_ev_pmip *e);
void vrrp_ha_emit_pmip(struct vrrp_ha *h, enum vrrp_ha_event_type type, enum vrrp_ha_table t,
                       enum vrrp_ha_origin o, const struct vrrp_ha_record *r);

/* Returns: the event type of a table change (ADDED, UPDATED, REFRESHED,
 * DELETED), or -1 if the result changed nothing. */
int vrrp_ha_result_event(enum rbc_result r);

/* The event bus (modules subscribe in create()). */
struct vrrp_ha_bus *vrrp_ha_bus(struct vrrp_ha *h);

/* The instance's own counter block (sync group): replication and tables. */
struct vrrp_ha_counters *vrrp_ha_cnt(struct vrrp_ha *h);

/* The configured base priority. */
unsigned vrrp_ha_priority(const struct vrrp_ha *h);

/* The table this node sends from: the owner's bc, everyone else's rbc. */
struct vrrp_ha_rbc *vrrp_ha_send_table(struct vrrp_ha *h);
enum vrrp_ha_table vrrp_ha_send_table_id(const struct vrrp_ha *h);

/* A rate-limited log slot: true once per log_interval_s; *suppressed says
 * how many calls were refused since the last true. */
struct vrrp_ha_ratelog {
	uint64_t last_ms;
	uint64_t suppressed;
};
bool vrrp_ha_ratelog_ok(struct vrrp_ha *h, struct vrrp_ha_ratelog *rl, uint64_t *suppressed);

/* Is hoa inside the configured home prefix? */
bool vrrp_ha_on_home_link(const struct vrrp_ha *h, const struct in6_addr *hoa);

/* Copy of a table view as an event binding. */
void vrrp_ha_view_to_ev(const struct rbc_view *v, struct vrrp_ha_ev_binding *b);

/* Replication engine entry points the instance forwards to (repl/repl.c). */
enum vrrp_ha_reason vrrp_ha_repl_rx(void *repl, const uint8_t *pkt, size_t len, int hop_limit,
                                    const struct in6_addr *src);
enum vrrp_ha_reason vrrp_ha_repl_rx_truncated(void *repl, size_t len, const struct in6_addr *src);
size_t vrrp_ha_repl_backlog(const void *repl);
enum vrrp_ha_sync_state vrrp_ha_repl_sync_state(const void *repl);

/* A valid vrrp-ha packet (BC or extension) came from src: src is an HA
 * router of the group (peers.c, "Mixed groups"). */
void vrrp_ha_peer_ha(struct vrrp_ha *h, const struct in6_addr *src);

/* A consented switch: every module's prepare_master(on) (module.h). */
void vrrp_ha_prepare_master(struct vrrp_ha *h, bool on);
/* Per-MAG takeover (magsw.h): every module's mag_take / mag_give.
 * Returns: 0 done, -1 a module could not, -2 no module does it. */
int vrrp_ha_mag_take(struct vrrp_ha *h, const struct in6_addr *pcoa, bool on);
int vrrp_ha_mag_give(struct vrrp_ha *h, const struct in6_addr *pcoa, const struct in6_addr *via,
                     bool on);

/* Returns: a module's state by its definition (NULL if not created). */
void *vrrp_ha_module_state(const struct vrrp_ha *h, const struct vrrp_ha_module *def);

#endif
