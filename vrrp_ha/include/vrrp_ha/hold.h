/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hold.h - "Demoted until synced": holding an instance's VRRP priority low.
 *
 * A node whose table is not known to be complete must not take the virtual
 * HA address (it would serve with a partial binding cache). The library asks
 * the host to hold the instance's VRRP priority at a low value for one or
 * more reasons; the effective hold is the lowest priority among the active
 * reasons, and every change of it reaches the host through ops->set_hold
 * (host.h). The host then advertises (and elects with) min(held priority,
 * its own priority), for an address owner too; on release its own rules
 * (preempt, nopreempt, preempt_delay) decide again.
 *
 * Holds live in the instance (core/hold.c): they survive a reload of the
 * host's configuration, as the tables do.
 */
#ifndef VRRP_HA_HOLD_H
#define VRRP_HA_HOLD_H

#include <stddef.h>

struct vrrp_ha;
struct vrrp_ha_config;

/* Priorities a hold may use (RFC 5798 5.2.4: 0 = stop, 255 = owner). */
#define VRRP_HA_HOLD_PRIO_MIN 1
#define VRRP_HA_HOLD_PRIO_MAX 254

enum vrrp_ha_hold_reason {
	/* the table is not known to be complete: put on at start-up (when
	 * sync_hold_timeout is not 0), released by vrrp_ha_sync_hold_done(),
	 * on becoming MASTER, or sync_hold_timeout seconds after it was put on */
	VRRP_HA_HOLD_SYNC = 0,
	/* vrrp-ha-ctl hold / release: stays until released, also as MASTER */
	VRRP_HA_HOLD_OPERATOR,
	/* a SwitchBack or an accepted SwitchOver (harp.md): the HA handing
	 * over holds below the one taking over, so it gives way and does not
	 * preempt it back; released when it becomes MASTER again, by a
	 * failed handover, or by vrrp-ha-ctl release */
	VRRP_HA_HOLD_SWITCH,
	VRRP_HA_HOLD__COUNT
};

/* Returns: "sync", "operator", "switch" or "unknown". */
const char *vrrp_ha_hold_reason_name(enum vrrp_ha_hold_reason why);

/*
 * Hold the instance's priority at prio for reason why (prio clamped to
 * VRRP_HA_HOLD_PRIO_MIN..MAX), or release that reason (prio 0). detail says
 * why, for the log. A SYNC hold is ignored when sync_hold_timeout is 0 and
 * (re)arms that timeout otherwise. Every change is logged and counted
 * (registry group "hold"); a change of the effective hold calls
 * ops->set_hold.
 */
void vrrp_ha_hold(struct vrrp_ha *h, enum vrrp_ha_hold_reason why, unsigned prio,
                  const char *detail);

/* The replication engine's word that the table is complete (or that nobody
 * will answer): releases the SYNC hold if it is on. */
void vrrp_ha_sync_hold_done(struct vrrp_ha *h, const char *why);

/* Returns: the effective held priority, 0 if the instance is not held. */
unsigned vrrp_ha_held_prio(const struct vrrp_ha *h);

/* Returns: the priority reason why holds at, 0 if it does not hold. */
unsigned vrrp_ha_hold_reason_prio(const struct vrrp_ha *h, enum vrrp_ha_hold_reason why);

/* Write the active reasons as "sync,operator" (empty if none) into buf.
 * Returns: what snprintf returns. */
int vrrp_ha_hold_reasons_text(const struct vrrp_ha *h, char *buf, size_t cap);

/* Returns: the priority a fresh instance with configuration c starts held
 * at (sync_hold_priority; 0 with sync_hold_timeout 0 or the block disabled):
 * the host applies it
 * before its first election decision, which may come before vrrp_ha_new(). */
unsigned vrrp_ha_config_start_hold(const struct vrrp_ha_config *c);

#endif
