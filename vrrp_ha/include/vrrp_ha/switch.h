/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * switch.h - the HA Reliability Protocol's operator switches (docs/harp.md):
 * SwitchOver (a standby asks the active HA to hand over to it) and
 * SwitchBack (the active HA hands over to a standby), as authenticated
 * SWITCH extension messages (ext.h, docs/protocol.md "SWITCH").
 *
 * A switch is hitless: the HA giving way first holds its priority below the
 * one taking over (hold.h VRRP_HA_HOLD_SWITCH); the one taking over waits
 * for an advert showing that, then takes over through the host's own
 * master-down path (ops->become_master), so its data plane is on before the
 * other leaves MASTER (keepalived gives way on the first higher advert).
 */
#ifndef VRRP_HA_SWITCH_H
#define VRRP_HA_SWITCH_H

#include <netinet/in.h>
#include <stddef.h>

struct vrrp_ha;

enum vrrp_ha_switch_kind {
	VRRP_HA_SWITCHOVER = 1, /* on a standby: become the active HA */
	VRRP_HA_SWITCHBACK = 2, /* on the active HA: hand over to a standby */
};

/* Results beyond the wire's status codes (ext.h VRRP_HA_SW_*). */
#define VRRP_HA_SW_R_TIMEOUT    1000 /* no reply, or the takeover did not happen, in time */
#define VRRP_HA_SW_R_NO_STANDBY 1001 /* switchback: no standby answered the Hello Request */

/*
 * Called once when a switch this node started ends: status is 0 (done: the
 * node is now MASTER for a switchover, BACKUP for a switchback), a wire
 * status (128..131) or a VRRP_HA_SW_R_*; peer the other HA (may be NULL);
 * detail a line for the operator.
 */
typedef void (*vrrp_ha_switch_done_fn)(void *arg, unsigned status, const struct in6_addr *peer,
                                       const char *detail);

/*
 * Start a switch. peer (switchback only, may be NULL): the standby to hand
 * over to; NULL asks every standby (Hello Request) and picks the in-sync one
 * with the highest priority. fn/arg (fn may be NULL): the result.
 * Returns: 0 started; -1 refused here, with the reason in err: not the
 * right state, sync not authenticated, another switch running, ...
 */
int vrrp_ha_switch_start(struct vrrp_ha *h, enum vrrp_ha_switch_kind kind,
                         const struct in6_addr *peer, vrrp_ha_switch_done_fn fn, void *arg,
                         char *err, size_t errlen);

/* The waiter arg went away: the switch goes on, its result is only logged. */
void vrrp_ha_switch_detach(struct vrrp_ha *h, void *arg);

/*
 * The host's own priority for the instance before any hold: keepalived's
 * effective priority with track weights (an address owner: 255). A MASTER
 * whose priority falls below its base priority (a track_script,
 * track_interface or track_file weight) starts a switchback to the best
 * standby when switch_on_track is on (harp.md "Failure triggers").
 */
void vrrp_ha_switch_tracked(struct vrrp_ha *h, unsigned prio);

/* Returns: the name of a status or result ("success", "not_active",
 * "prohibited", "not_in_sync", "busy", "timeout", "no_standby", "unknown"). */
const char *vrrp_ha_switch_status_name(unsigned status);

/* What `vrrp-ha-ctl state` shows. */
struct vrrp_ha_switch_info {
	const char *phase; /* "idle", "hello", "asking", "giving", "taking" */
	struct in6_addr peer;
	unsigned last_status; /* of the last switch that ended here */
	int have_last;
	unsigned tracked; /* the host's priority (0 = not told) */
};
void vrrp_ha_switch_get_info(const struct vrrp_ha *h, struct vrrp_ha_switch_info *out);

#endif
