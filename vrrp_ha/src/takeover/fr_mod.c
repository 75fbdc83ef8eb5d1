/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fr_mod.c - full recovery (draft-deng 5.2.2) as a module: a non-owner
 * master detects the HAO+ESP trigger (recovery.h), deletes the MN's RBC
 * binding and releases RECOVER events at a controlled rate.
 */
#include "core/internal.h"
#include "vrrp_ha/recovery.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

struct fr_counters {
	uint64_t fr_triggered; /* HAO+ESP triggers: binding deleted from the RBC */
	uint64_t recovered;    /* RECOVER events handed to the daemon */
};

struct fr_mod {
	struct vrrp_ha *h;
	struct vrrp_ha_fr *fr; /* NULL unless full_recovery on a non-owner */
	bool owner;            /* what fr was built for */
	struct fr_counters cnt;
};

static bool fr_lookup(void *arg, const struct in6_addr *hoa, struct in6_addr *coa,
                      uint64_t *expires_ms)
{
	struct fr_mod *f = arg;
	struct rbc_view v;

	if (!rbc_lookup(vrrp_ha_get_rbc(f->h), hoa, vrrp_ha_now(f->h), &v))
		return false;
	*coa = v.coa;
	*expires_ms = v.expires_ms;
	return true;
}

/* The MN sent its (ESP-protected) Binding Update to the virtual HA address:
 * draft-deng 5.2.2 "MUST delete binding update associated with the MN in
 * RBC". The deletion is an RBC change a non-owner master sends (4.2.3):
 * the DELETE event carries it to the data plane, proxy ND and the sender. */
static void fr_triggered(void *arg, const struct in6_addr *hoa, const struct in6_addr *coa)
{
	struct fr_mod *f = arg;
	struct vrrp_ha *h = f->h;
	uint64_t now = vrrp_ha_now(h);
	struct rbc_view v;
	bool had = rbc_lookup(vrrp_ha_get_rbc(h), hoa, now, &v);

	(void)coa;
	f->cnt.fr_triggered++;
	if (rbc_delete_local(vrrp_ha_get_rbc(h), hoa, now) == RBC_DELETED) {
		if (!had) {
			memset(&v, 0, sizeof(v));
			v.hoa = *hoa;
		}
		v.lifetime_s = 0;
		vrrp_ha_emit_binding(h, VRRP_HA_E_DELETED, VRRP_HA_T_RBC, VRRP_HA_O_TRIGGER, &v);
	}
	vrrp_ha_arm_us(h, 0);
}

static void fr_wake(void *arg)
{
	vrrp_ha_arm_us(((struct fr_mod *)arg)->h, 0);
}

static void on_event(void *arg, const struct vrrp_ha_event *ev)
{
	struct fr_mod *f = arg;

	if (!f->fr || ev->table != VRRP_HA_T_RBC || !ev->b)
		return;
	/* every binding with a new expiry is (re)tracked for lifetime recovery */
	if (ev->type == VRRP_HA_E_ADDED || ev->type == VRRP_HA_E_UPDATED ||
	    ev->type == VRRP_HA_E_REFRESHED)
		vrrp_ha_fr_track(f->fr, &ev->b->hoa, ev->b->expires_ms);
}

static void setup(struct fr_mod *f)
{
	struct vrrp_ha *h = f->h;
	const struct vrrp_ha_config *cfg = vrrp_ha_config(h);
	struct vrrp_ha_fr_config fc;
	struct vrrp_ha_fr_hooks hooks = {
	        .arg = f, .lookup = fr_lookup, .triggered = fr_triggered, .wake = fr_wake};
	struct rbc_view v[256];
	uint64_t cursor = 0, now;
	size_t n, i;

	if (!cfg->full_recovery || vrrp_ha_is_owner(h) || !cfg->enabled ||
	    IN6_IS_ADDR_UNSPECIFIED(&cfg->vha)) {
		vrrp_ha_fr_free(f->fr);
		f->fr = NULL;
		return;
	}
	if (f->fr)
		return;
	vrrp_ha_fr_config_defaults(&fc);
	fc.vha = cfg->vha;
	if (cfg->fr_rate)
		fc.rate_per_s = cfg->fr_rate;
	if (cfg->fr_burst)
		fc.burst = cfg->fr_burst;
	if (cfg->fr_margin_s)
		fc.lifetime_margin_s = cfg->fr_margin_s;
	fc.log_interval_s = cfg->log_interval_s;
	f->fr = vrrp_ha_fr_new(&fc, &vrrp_ha_fwd_ops, h, &hooks);
	if (!f->fr) {
		vrrp_ha_logf(h, LOG_ERR, "full recovery not available");
		return;
	}
	f->owner = vrrp_ha_is_owner(h);
	now = vrrp_ha_now(h);
	while ((n = rbc_walk_view(vrrp_ha_get_rbc(h), &cursor, v, 256, now)) > 0)
		for (i = 0; i < n; i++)
			vrrp_ha_fr_track(f->fr, &v[i].hoa, v[i].expires_ms);
	if (vrrp_ha_get_state(h) == VRRP_HA_ST_MASTER)
		vrrp_ha_fr_open(f->fr);
}

/* Hand what the token bucket releases to the daemon as RECOVER events.
 * Returns: when to come back (UINT64_MAX: nothing pending). */
static uint64_t release(struct fr_mod *f, uint64_t now)
{
	struct vrrp_ha_fr_event ev[64];
	uint64_t next = UINT64_MAX;
	size_t n, i;

	n = vrrp_ha_fr_poll(f->fr, now, ev, 64, &next);
	for (i = 0; i < n; i++) {
		struct rbc_view v;

		/* a lifetime recovery still has its entry; a triggered one was
		 * deleted: the daemon re-registers the MN from scratch */
		if (!rbc_lookup(vrrp_ha_get_rbc(f->h), &ev[i].hoa, now, &v)) {
			memset(&v, 0, sizeof(v));
			v.hoa = ev[i].hoa;
		}
		v.coa = ev[i].coa;
		f->cnt.recovered++;
		vrrp_ha_emit_binding(f->h, VRRP_HA_E_RECOVERED, VRRP_HA_T_RBC,
		                     ev[i].cause == VRRP_HA_FR_TRIGGER ? VRRP_HA_O_TRIGGER
		                                                       : VRRP_HA_O_TIMER,
		                     &v);
	}
	return next;
}

static const void *cnt_block(const void *arg)
{
	return &((const struct fr_mod *)arg)->cnt;
}

static const void *lib_block(const void *arg)
{
	const struct fr_mod *f = arg;

	return f->fr ? vrrp_ha_fr_counters(f->fr) : NULL;
}

#define CTR(f)                                                                                     \
	{                                                                                          \
#f, offsetof(struct fr_counters, f), false                                         \
	}
static const struct vrrp_ha_counter_def defs[] = {CTR(fr_triggered), CTR(recovered)};
#undef CTR
#define LIB(f, g)                                                                                  \
	{                                                                                          \
#f, offsetof(struct vrrp_ha_fr_counters, f), g                                     \
	}
static const struct vrrp_ha_counter_def lib_defs[] = {
        LIB(rx_packets, false),       LIB(rx_errors, false),         LIB(rx_no_pktinfo, false),
        LIB(order_rfc6275, false),    LIB(order_draft, false),       LIB(coa_changed, false),
        LIB(tracked, false),          LIB(track_over_limit, false),  LIB(lifetime_due, false),
        LIB(lifetime_gone, false),    LIB(lifetime_renewed, false),  LIB(lifetime_scheduled, false),
        LIB(lifetime_dup, false),     LIB(lifetime_overflow, false), LIB(released, false),
        LIB(released_trigger, false), LIB(released_lifetime, false), LIB(dropped_inactive, false),
        LIB(queue_max, true),
};
#undef LIB

static int register_counters(struct fr_mod *f, struct vrrp_ha_counters_reg *reg)
{
	char name[VRRP_HA_COUNTER_NAME_MAX];

	if (vrrp_ha_counters_add_table(reg, "recovery", NULL, defs, sizeof(defs) / sizeof(defs[0]),
	                               cnt_block, f) ||
	    vrrp_ha_counters_add_table(reg, "recovery", "fr_", lib_defs,
	                               sizeof(lib_defs) / sizeof(lib_defs[0]), lib_block, f))
		return -1;
	for (int r = 0; r < VRRP_HA_FR_R__COUNT; r++) {
		snprintf(name, sizeof(name), "fr_rx_%s",
		         vrrp_ha_fr_reason_name((enum vrrp_ha_fr_reason)r));
		if (vrrp_ha_counters_add(reg, "recovery", name, lib_block, f,
		                         offsetof(struct vrrp_ha_fr_counters, rx_reason) +
		                                 (size_t)r * sizeof(uint64_t),
		                         false))
			return -1;
	}
	return 0;
}

static void *fr_create(struct vrrp_ha *h, struct vrrp_ha_counters_reg *reg, struct vrrp_ha_bus *bus)
{
	struct fr_mod *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->h = h;
	if (register_counters(f, reg) ||
	    !vrrp_ha_bus_subscribe(bus, VRRP_HA_EMASK_CHANGE, on_event, f)) {
		free(f);
		return NULL;
	}
	return f;
}

static void fr_destroy(void *m)
{
	struct fr_mod *f = m;

	vrrp_ha_fr_free(f->fr);
	free(f);
}

static int fr_start(void *m)
{
	setup(m);
	return 0;
}

static void fr_reconfigure(void *m, const struct vrrp_ha_config *old)
{
	struct fr_mod *f = m;
	const struct vrrp_ha_config *c = vrrp_ha_config(f->h);

	if (f->fr &&
	    (c->full_recovery != old->full_recovery || c->fr_rate != old->fr_rate ||
	     c->fr_burst != old->fr_burst || c->fr_margin_s != old->fr_margin_s ||
	     memcmp(&c->vha, &old->vha, sizeof(c->vha)) || vrrp_ha_is_owner(f->h) != f->owner)) {
		vrrp_ha_fr_free(f->fr);
		f->fr = NULL;
	}
	if (vrrp_ha_started(f->h))
		setup(f);
}

static void fr_on_state(void *m, enum vrrp_ha_state prev, enum vrrp_ha_state s)
{
	struct fr_mod *f = m;

	if (!f->fr)
		return;
	if (prev == VRRP_HA_ST_MASTER)
		vrrp_ha_fr_close(f->fr);
	if (s == VRRP_HA_ST_MASTER && vrrp_ha_fr_open(f->fr) < 0)
		vrrp_ha_logf(f->h, LOG_ERR, "full recovery trigger detector not open");
}

static uint64_t fr_timer(void *m, uint64_t now)
{
	struct fr_mod *f = m;

	if (f->fr && vrrp_ha_fr_active(f->fr))
		return release(f, now);
	return UINT64_MAX;
}

struct vrrp_ha_fr *vrrp_ha_get_fr(struct vrrp_ha *h)
{
	struct fr_mod *f = vrrp_ha_module_state(h, &vrrp_ha_mod_recovery);

	return f ? f->fr : NULL;
}

const struct vrrp_ha_module vrrp_ha_mod_recovery = {
        .name = "recovery",
        .create = fr_create,
        .destroy = fr_destroy,
        .start = fr_start,
        .reconfigure = fr_reconfigure,
        .on_state = fr_on_state,
        .timer = fr_timer,
};
