/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * module.h - the interface every part of an instance implements.
 *
 * An instance (core/instance.c) is a list of modules wired together: the
 * replication engine of draft-deng 4.2, the partial recovery data plane,
 * proxy ND, full recovery, the notify script/FIFO. The instance owns the
 * state funnel, the timer and the event bus; a module only ever sees the
 * instance through these calls and the internal API of core/internal.h.
 *
 * Order of calls: create (registers counters, subscribes to events) ->
 * start -> { on_state | events | timer | reconfigure }* -> destroy.
 */
#ifndef VRRP_HA_MODULE_H
#define VRRP_HA_MODULE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "vrrp_ha/counters.h"
#include "vrrp_ha/events.h"
#include "vrrp_ha/host.h"

struct vrrp_ha;
struct vrrp_ha_config;

struct vrrp_ha_module {
	const char *name;
	/* Allocate the module's state, register its counters in reg and
	 * subscribe to the bus. Returns: the state, or NULL (the instance then
	 * fails to be created). */
	void *(*create)(struct vrrp_ha *h, struct vrrp_ha_counters_reg *reg,
	                struct vrrp_ha_bus *bus);
	/* Free everything; undo kernel state the module installed. */
	void (*destroy)(void *m);
	/* The instance starts working (the host's loop runs): open what the
	 * configuration asks for. Returns: 0, or -1 (logged; not fatal). */
	int (*start)(void *m);
	/* The configuration was replaced (old is the previous one); the
	 * instance is started. Rebuild what changed. */
	void (*reconfigure)(void *m, const struct vrrp_ha_config *old);
	/* The state funnel: called in module order after the instance's state
	 * became s (and before the STATE event is published). */
	void (*on_state)(void *m, enum vrrp_ha_state prev, enum vrrp_ha_state s);
	/* The instance timer fired at now_ms. Returns: the absolute time the
	 * module wants to run again (UINT64_MAX: no need). */
	uint64_t (*timer)(void *m, uint64_t now_ms);
	/* Optional. A consented switch (switch.h): on = this BACKUP takes over
	 * at once, so what MASTER switches on may be switched on now (the data
	 * plane: on before the old master releases the address); off = it did
	 * not happen after all (still not MASTER): undo that. */
	void (*prepare_master)(void *m, bool on);
	/* Optional. Per-MAG takeover (magsw.h): this LMA forwards the proxy
	 * bindings of the MAG at pcoa itself (on), or no longer (off).
	 * Returns: 0, or -1 if it cannot (no data plane, no own address). */
	int (*mag_take)(void *m, const struct in6_addr *pcoa, bool on);
	/* Optional. The MAG at pcoa was given to the LMA whose link-local
	 * address is via: packets for its HNPs that still reach us go there
	 * (on), or no longer (off). Returns: 0, or -1. */
	int (*mag_give)(void *m, const struct in6_addr *pcoa, const struct in6_addr *via, bool on);
};

#endif
