/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hsw_int.h - the hard switch's run (haswitch.c, docs/hard-switch.md): one
 * RFC 5142 Home Agent Switch per mobile node of a table, paced by a token
 * bucket, resumable across timer runs. I/O free: the table and the sender
 * are hooks, so the unit tests drive it with a fake table and a fake
 * clock. Not public API; the module in haswitch.c is its only user besides
 * tests/unit/test_haswitch.c.
 */
#ifndef VRRP_HA_HSW_INT_H
#define VRRP_HA_HSW_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vrrp_ha/rbc.h"

struct vrrp_ha_hsw_hooks {
	void *arg;
	/* The table walk of rbc.h (rbc_walk_view semantics). */
	size_t (*walk)(void *arg, uint64_t *cursor, struct rbc_view *out, size_t max,
	               uint64_t now_ms);
	/* Returns: whether hoa is still in the table (*v filled). */
	bool (*lookup)(void *arg, const struct in6_addr *hoa, uint64_t now_ms, struct rbc_view *v);
	/* Returns: live bindings in the table now. */
	size_t (*count)(void *arg);
	/* Send one message for v. Returns: 0 sent, -1 not sent (counted). */
	int (*send)(void *arg, const struct rbc_view *v);
};

/* Monotonic unless marked gauge. */
struct vrrp_ha_hsw_counters {
	uint64_t sent;          /* messages handed to the kernel */
	uint64_t send_errors;   /* refused by the kernel (not retried) */
	uint64_t skipped_gone;  /* binding deleted after the run had planned it */
	uint64_t added_in_run;  /* bindings that arrived during a run, queued */
	uint64_t runs;          /* runs started (becoming MASTER as a non-owner) */
	uint64_t runs_complete; /* runs that reached the end of the table */
	uint64_t runs_stopped;  /* runs cut short (MASTER left, reconfigured) */
	uint64_t pending;       /* gauge: still to send in the running run */
	uint64_t last_run_ms;   /* gauge: duration of the last complete run */
};

struct vrrp_ha_hsw;

/* rate: messages per second (>= 1); burst: at most this many at once (>= 1).
 * Returns: the run engine (idle), or NULL (allocation failure). */
struct vrrp_ha_hsw *vrrp_ha_hsw_new(unsigned rate, unsigned burst,
                                    const struct vrrp_ha_hsw_hooks *hooks);
void vrrp_ha_hsw_free(struct vrrp_ha_hsw *s);

/* Change the pace (a reload); the bucket keeps its credit, cut to burst. */
void vrrp_ha_hsw_set_rate(struct vrrp_ha_hsw *s, unsigned rate, unsigned burst);

/* Start a run over the whole table at now_ms (a running one is restarted:
 * counted stopped). The bucket starts full (burst). */
void vrrp_ha_hsw_start(struct vrrp_ha_hsw *s, uint64_t now_ms);

/* Stop the running run (counted in runs_stopped); idle: no-op. */
void vrrp_ha_hsw_stop(struct vrrp_ha_hsw *s);

/* A binding for hoa arrived in the table during the run: it gets its
 * message from a queue, and the walk skips it should it still meet it.
 * Idle, or hoa already queued or sent from the queue: no-op.
 * Returns: 0, or -1 (allocation failure; the walk may still meet it). */
int vrrp_ha_hsw_added(struct vrrp_ha_hsw *s, const struct in6_addr *hoa);

/* Send what the bucket allows at now_ms.
 * Returns: when to call again (absolute ms), UINT64_MAX when idle or done. */
uint64_t vrrp_ha_hsw_poll(struct vrrp_ha_hsw *s, uint64_t now_ms);

bool vrrp_ha_hsw_active(const struct vrrp_ha_hsw *s);
const struct vrrp_ha_hsw_counters *vrrp_ha_hsw_counters(const struct vrrp_ha_hsw *s);

#endif
