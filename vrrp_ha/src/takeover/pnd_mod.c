/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pnd_mod.c - home link takeover as a module: HoAs of the RBC inside the
 * home prefix are defended with proxy ND by a non-owner master
 * (proxynd.h), following RBC events.
 */
#include "core/internal.h"
#include "vrrp_ha/proxynd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

struct pnd_counters {
	uint64_t pnd_added, pnd_deleted, pnd_errors; /* HoAs defended on the home link */
};

struct pnd_mod {
	struct vrrp_ha *h;
	struct vrrp_ha_pnd *pnd; /* NULL unless proxy_nd on a non-owner */
	bool owner;              /* what pnd was built for */
	struct pnd_counters cnt;
};

static void track(struct pnd_mod *p, const struct in6_addr *hoa, bool add)
{
	int r;

	if (!p->pnd || !vrrp_ha_on_home_link(p->h, hoa))
		return;
	r = add ? vrrp_ha_pnd_add(p->pnd, hoa) : vrrp_ha_pnd_del(p->pnd, hoa);
	if (r < 0)
		p->cnt.pnd_errors++;
	else if (r > 0 && add)
		p->cnt.pnd_added++;
	else if (r > 0)
		p->cnt.pnd_deleted++;
	vrrp_ha_arm_us(p->h, 0); /* the module's paced work runs from our timer */
}

static void on_event(void *arg, const struct vrrp_ha_event *ev)
{
	struct pnd_mod *p = arg;

	if (!p->pnd || ev->table != VRRP_HA_T_RBC || !ev->b)
		return;
	if (ev->type == VRRP_HA_E_ADDED)
		track(p, &ev->b->hoa, true);
	else if (ev->type == VRRP_HA_E_DELETED || ev->type == VRRP_HA_E_EXPIRED)
		track(p, &ev->b->hoa, false);
}

static void setup(struct pnd_mod *p)
{
	struct vrrp_ha *h = p->h;
	const struct vrrp_ha_config *cfg = vrrp_ha_config(h);
	struct vrrp_ha_pnd_config pc;
	struct rbc_view v[256];
	uint64_t cursor = 0, now;
	size_t n, i;

	if (!cfg->proxy_nd || vrrp_ha_is_owner(h) || !cfg->enabled || !cfg->home_plen) {
		vrrp_ha_pnd_free(p->pnd);
		p->pnd = NULL;
		return;
	}
	if (p->pnd)
		return;
	vrrp_ha_pnd_config_defaults(&pc);
	memcpy(pc.ifname, cfg->ifname, sizeof(pc.ifname));
	if (cfg->pnd_kernel_max)
		pc.kernel_max = cfg->pnd_kernel_max;
	p->pnd = vrrp_ha_pnd_new(&pc, &vrrp_ha_fwd_ops, h);
	if (!p->pnd) {
		p->cnt.pnd_errors++;
		vrrp_ha_logf(h, LOG_ERR, "proxy ND not available");
		return;
	}
	p->owner = vrrp_ha_is_owner(h);
	now = vrrp_ha_now(h);
	while ((n = rbc_walk_view(vrrp_ha_get_rbc(h), &cursor, v, 256, now)) > 0)
		for (i = 0; i < n; i++)
			track(p, &v[i].hoa, true);
	if (vrrp_ha_get_state(h) == VRRP_HA_ST_MASTER)
		vrrp_ha_pnd_activate(p->pnd);
}

static const void *cnt_block(const void *arg)
{
	return &((const struct pnd_mod *)arg)->cnt;
}

static const void *lib_block(const void *arg)
{
	const struct pnd_mod *p = arg;

	return p->pnd ? vrrp_ha_pnd_counters(p->pnd) : NULL;
}

#define CTR(f)                                                                                     \
	{                                                                                          \
#f, offsetof(struct pnd_counters, f), false                                        \
	}
static const struct vrrp_ha_counter_def defs[] = {CTR(pnd_added), CTR(pnd_deleted),
                                                  CTR(pnd_errors)};
#undef CTR
#define LIB(f, g)                                                                                  \
	{                                                                                          \
#f, offsetof(struct vrrp_ha_pnd_counters, f), g                                    \
	}
static const struct vrrp_ha_counter_def lib_defs[] = {
        LIB(kernel_entries, true),
        LIB(kernel_added, false),
        LIB(kernel_deleted, false),
        LIB(kernel_errors, false),
        LIB(kernel_batches, false),
        LIB(user_answers, false),
        LIB(ns_malformed, false),
        LIB(unas_sent, false),
        LIB(una_errors, false),
        LIB(una_deferred, false),
        LIB(activations, false),
        LIB(deactivations, false),
        LIB(mode_switches, false),
        LIB(sysctl_changes, false),
        LIB(stale_removed, false),
        {"other_errors", offsetof(struct vrrp_ha_pnd_counters, errors), false},
};
#undef LIB

static int register_counters(struct pnd_mod *p, struct vrrp_ha_counters_reg *reg)
{
	char name[VRRP_HA_COUNTER_NAME_MAX];

	if (vrrp_ha_counters_add_table(reg, "proxynd", NULL, defs, sizeof(defs) / sizeof(defs[0]),
	                               cnt_block, p) ||
	    vrrp_ha_counters_add_table(reg, "proxynd", "pnd_", lib_defs,
	                               sizeof(lib_defs) / sizeof(lib_defs[0]), lib_block, p))
		return -1;
	for (int r = 0; r < VRRP_HA_PND_R__COUNT; r++) {
		/* the reason names use '-'; counter names '_' */
		snprintf(name, sizeof(name), "pnd_ns_%s",
		         vrrp_ha_pnd_reason_name((enum vrrp_ha_pnd_reason)r));
		for (char *c = name; *c; c++)
			if (*c == '-')
				*c = '_';
		if (vrrp_ha_counters_add(reg, "proxynd", name, lib_block, p,
		                         offsetof(struct vrrp_ha_pnd_counters, ns_rx) +
		                                 (size_t)r * sizeof(uint64_t),
		                         false))
			return -1;
	}
	return 0;
}

static void *pnd_create(struct vrrp_ha *h, struct vrrp_ha_counters_reg *reg,
                        struct vrrp_ha_bus *bus)
{
	struct pnd_mod *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->h = h;
	if (register_counters(p, reg) ||
	    !vrrp_ha_bus_subscribe(bus, VRRP_HA_EMASK_CHANGE, on_event, p)) {
		free(p);
		return NULL;
	}
	return p;
}

static void pnd_destroy(void *m)
{
	struct pnd_mod *p = m;

	vrrp_ha_pnd_free(p->pnd);
	free(p);
}

static int pnd_start(void *m)
{
	setup(m);
	return 0;
}

static void pnd_reconfigure(void *m, const struct vrrp_ha_config *old)
{
	struct pnd_mod *p = m;
	const struct vrrp_ha_config *c = vrrp_ha_config(p->h);

	if (p->pnd && (c->proxy_nd != old->proxy_nd || c->home_plen != old->home_plen ||
	               memcmp(&c->home_prefix, &old->home_prefix, sizeof(c->home_prefix)) ||
	               c->pnd_kernel_max != old->pnd_kernel_max || strcmp(c->ifname, old->ifname) ||
	               vrrp_ha_is_owner(p->h) != p->owner)) {
		vrrp_ha_pnd_free(p->pnd);
		p->pnd = NULL;
	}
	if (vrrp_ha_started(p->h))
		setup(p);
}

static void pnd_on_state(void *m, enum vrrp_ha_state prev, enum vrrp_ha_state s)
{
	struct pnd_mod *p = m;

	if (!p->pnd)
		return;
	if (prev == VRRP_HA_ST_MASTER)
		vrrp_ha_pnd_deactivate(p->pnd);
	/* take the home link over: proxy entries / responder + UNAs */
	if (s == VRRP_HA_ST_MASTER && vrrp_ha_pnd_activate(p->pnd) < 0)
		p->cnt.pnd_errors++;
}

static uint64_t pnd_timer(void *m, uint64_t now)
{
	struct pnd_mod *p = m;
	uint64_t next = UINT64_MAX;

	if (p->pnd)
		vrrp_ha_pnd_timer(p->pnd, now, &next);
	return next;
}

struct vrrp_ha_pnd *vrrp_ha_get_pnd(struct vrrp_ha *h)
{
	struct pnd_mod *p = vrrp_ha_module_state(h, &vrrp_ha_mod_proxynd);

	return p ? p->pnd : NULL;
}

const struct vrrp_ha_module vrrp_ha_mod_proxynd = {
        .name = "proxynd",
        .create = pnd_create,
        .destroy = pnd_destroy,
        .start = pnd_start,
        .reconfigure = pnd_reconfigure,
        .on_state = pnd_on_state,
        .timer = pnd_timer,
};
