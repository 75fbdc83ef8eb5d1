/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dp_mod.c - partial recovery (draft-deng 5.2.1) as a module: every
 * non-owner keeps the forwarding state of its RBC pre-staged in the kernel
 * (dataplane.h) as RBC events arrive; becoming MASTER only switches it on.
 */
#include "core/internal.h"
#include "vrrp_ha/dataplane.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

/* Route changes handed to the kernel per timer run: bounded so netlink work
 * never delays keepalived's adverts by more than a few ms. */
#define DP_COMMIT_BUDGET 512

struct dp_counters {
	uint64_t dp_staged, dp_unstaged, dp_errors; /* route changes queued */
	uint64_t dp_activations, dp_deactivations;
};

struct dp_mod {
	struct vrrp_ha *h;
	struct vrrp_ha_dp *dp; /* NULL: owner, or dataplane none */
	bool owner;            /* what dp was built for */
	uint8_t vrid;
	bool early; /* activated by prepare_master, before MASTER */
	struct dp_counters cnt;
};

static void dp_log(void *arg, int prio, const char *msg)
{
	vrrp_ha_logf(arg, prio, "dataplane: %s", msg);
}

static void stage(struct dp_mod *d, const struct in6_addr *hoa, const struct in6_addr *coa)
{
	if (vrrp_ha_dp_stage(d->dp, hoa, coa) == 0)
		d->cnt.dp_staged++;
	else
		d->cnt.dp_errors++;
}

static void unstage(struct dp_mod *d, const struct in6_addr *hoa)
{
	if (vrrp_ha_dp_unstage(d->dp, hoa) == 0)
		d->cnt.dp_unstaged++;
	else
		d->cnt.dp_errors++;
}

static void emit_activation(struct dp_mod *d, bool on)
{
	struct vrrp_ha_event ev = {
	        .type = on ? VRRP_HA_E_ACTIVATED : VRRP_HA_E_DEACTIVATED,
	        .count = vrrp_ha_dp_staged(d->dp),
	        .detail = "dataplane",
	};

	vrrp_ha_emit(d->h, &ev);
}

static void activate(struct dp_mod *d)
{
	/* a constant number of kernel operations whatever the RBC's size */
	if (vrrp_ha_dp_activate(d->dp) == 0) {
		d->cnt.dp_activations++;
		emit_activation(d, true);
	} else {
		d->cnt.dp_errors++;
	}
}

/* A PMIPv6 proxy binding of the RBC changed: its HNPs' routes to its MAG
 * (docs/pmipv6.md "Partial recovery"). */
static void on_proxy(struct dp_mod *d, const struct vrrp_ha_event *ev)
{
	const struct vrrp_ha_ev_pmip *p = ev->p;
	struct vrrp_ha_dp_hnp h[8];
	size_t n = 0;
	int rc;

	for (unsigned i = 0; i < p->nhnp && n < sizeof(h) / sizeof(h[0]); i++, n++) {
		h[n].prefix = p->hnps[i];
		h[n].len = p->plens[i];
	}
	if (!n) { /* a record without its options: the key's HNP */
		h[0].prefix = p->hnp;
		h[0].len = p->plen;
		n = 1;
	}
	switch (ev->type) {
	case VRRP_HA_E_ADDED:
	case VRRP_HA_E_UPDATED:
		rc = vrrp_ha_dp_stage_proxy(d->dp, &p->pcoa, h, n);
		break;
	case VRRP_HA_E_DELETED:
	case VRRP_HA_E_EXPIRED:
		rc = vrrp_ha_dp_unstage_proxy(d->dp, h, n);
		break;
	default:
		return;
	}
	if (rc)
		d->cnt.dp_errors++;
	else if (ev->type == VRRP_HA_E_ADDED || ev->type == VRRP_HA_E_UPDATED)
		d->cnt.dp_staged++;
	else
		d->cnt.dp_unstaged++;
}

/* The RBC changed: keep the kernel in step. */
static void on_event(void *arg, const struct vrrp_ha_event *ev)
{
	struct dp_mod *d = arg;

	if (!d->dp || ev->table != VRRP_HA_T_RBC)
		return;
	if (ev->p) {
		on_proxy(d, ev);
		return;
	}
	if (!ev->b)
		return;
	switch (ev->type) {
	case VRRP_HA_E_ADDED:
	case VRRP_HA_E_UPDATED:
		stage(d, &ev->b->hoa, &ev->b->coa);
		break;
	case VRRP_HA_E_DELETED:
	case VRRP_HA_E_EXPIRED:
		unstage(d, &ev->b->hoa);
		break;
	default:
		break;
	}
}

static bool dp_config_equal(const struct vrrp_ha_config *a, const struct vrrp_ha_config *b)
{
	return a->dataplane == b->dataplane && !memcmp(&a->vha, &b->vha, sizeof(a->vha)) &&
	       !strcmp(a->ifname, b->ifname) && a->dp_table == b->dp_table &&
	       a->dp_decap_table == b->dp_decap_table && a->dp_rule_pref == b->dp_rule_pref &&
	       a->dp_batch == b->dp_batch;
}

/* Create (or drop) the data plane to match the config and ownership. */
static void setup(struct dp_mod *d)
{
	struct vrrp_ha *h = d->h;
	const struct vrrp_ha_config *cfg = vrrp_ha_config(h);
	struct vrrp_ha_dp_config dc;
	struct rbc_view v[256];
	uint64_t cursor = 0, now;
	size_t n, i;

	if (cfg->dataplane == VRRP_HA_DP_NONE || vrrp_ha_is_owner(h) || !cfg->enabled) {
		/* the owner's daemon forwards for its own bindings */
		vrrp_ha_dp_free(d->dp);
		d->dp = NULL;
		return;
	}
	if (d->dp)
		return;
	vrrp_ha_dp_config_defaults(&dc, vrrp_ha_vrid(h));
	dc.backend = cfg->dataplane;
	dc.vha = cfg->vha;
	memcpy(dc.ifname, cfg->ifname, sizeof(dc.ifname));
	if (cfg->dp_table)
		dc.table = cfg->dp_table;
	if (cfg->dp_decap_table)
		dc.decap_table = cfg->dp_decap_table;
	if (cfg->dp_rule_pref)
		dc.rule_pref = cfg->dp_rule_pref;
	if (cfg->dp_batch)
		dc.batch = cfg->dp_batch;
	d->dp = vrrp_ha_dp_new(&dc, dp_log, h);
	if (!d->dp) {
		d->cnt.dp_errors++;
		vrrp_ha_logf(h, LOG_ERR, "partial recovery data plane not available");
		return;
	}
	d->owner = vrrp_ha_is_owner(h);
	d->vrid = vrrp_ha_vrid(h);
	/* stage every live RBC entry */
	now = vrrp_ha_now(h);
	while ((n = rbc_walk_view(vrrp_ha_get_rbc(h), &cursor, v, 256, now)) > 0)
		for (i = 0; i < n; i++)
			stage(d, &v[i].hoa, &v[i].coa);
	if (vrrp_ha_get_state(h) == VRRP_HA_ST_MASTER)
		activate(d);
}

static const void *cnt_block(const void *arg)
{
	return &((const struct dp_mod *)arg)->cnt;
}

static const void *lib_block(const void *arg)
{
	const struct dp_mod *d = arg;

	return d->dp ? vrrp_ha_dp_counters(d->dp) : NULL;
}

#define CTR(f)                                                                                     \
	{                                                                                          \
#f, offsetof(struct dp_counters, f), false                                         \
	}
static const struct vrrp_ha_counter_def defs[] = {
        CTR(dp_staged),      CTR(dp_unstaged),      CTR(dp_errors),
        CTR(dp_activations), CTR(dp_deactivations),
};
#undef CTR
#define LIB(f)                                                                                     \
	{                                                                                          \
#f, offsetof(struct vrrp_ha_dp_counters, f), false                                 \
	}
static const struct vrrp_ha_counter_def lib_defs[] = {
        LIB(routes_added), LIB(routes_deleted), LIB(route_errors),  LIB(enomem_retries),
        LIB(batches),      LIB(flushed_stale),  LIB(filter_errors), LIB(filter_resyncs),
};
#undef LIB

static void *dp_create(struct vrrp_ha *h, struct vrrp_ha_counters_reg *reg, struct vrrp_ha_bus *bus)
{
	struct dp_mod *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->h = h;
	if (vrrp_ha_counters_add_table(reg, "dataplane", NULL, defs, sizeof(defs) / sizeof(defs[0]),
	                               cnt_block, d) ||
	    vrrp_ha_counters_add_table(reg, "dataplane", "dp_", lib_defs,
	                               sizeof(lib_defs) / sizeof(lib_defs[0]), lib_block, d) ||
	    !vrrp_ha_bus_subscribe(bus, VRRP_HA_EMASK_CHANGE | VRRP_HA_EMASK_PMIP, on_event, d)) {
		free(d);
		return NULL;
	}
	return d;
}

static void dp_destroy(void *m)
{
	struct dp_mod *d = m;

	vrrp_ha_dp_free(d->dp);
	free(d);
}

static int dp_start(void *m)
{
	setup(m);
	return 0;
}

static void dp_reconfigure(void *m, const struct vrrp_ha_config *old)
{
	struct dp_mod *d = m;
	struct vrrp_ha *h = d->h;

	if (d->dp && (!dp_config_equal(vrrp_ha_config(h), old) || vrrp_ha_is_owner(h) != d->owner ||
	              d->vrid != vrrp_ha_vrid(h))) {
		vrrp_ha_dp_free(d->dp);
		d->dp = NULL;
	}
	if (vrrp_ha_started(h))
		setup(d);
}

static void dp_prepare_master(void *m, bool on);

static void dp_on_state(void *m, enum vrrp_ha_state prev, enum vrrp_ha_state s)
{
	struct dp_mod *d = m;

	if (!d->dp)
		return;
	if (d->early && s != VRRP_HA_ST_MASTER) {
		dp_prepare_master(d, false);
		return;
	}
	if (prev == VRRP_HA_ST_MASTER && vrrp_ha_dp_deactivate(d->dp) == 0) {
		d->cnt.dp_deactivations++;
		emit_activation(d, false);
	}
	if (s == VRRP_HA_ST_MASTER) {
		if (d->early)
			d->early = false; /* a switch switched it on already */
		else
			activate(d);
	}
}

/* A consented switch: forwarding on before this node takes the address, so
 * it is on before the old master lets it go (docs/harp.md). */
static void dp_prepare_master(void *m, bool on)
{
	struct dp_mod *d = m;

	if (!d->dp)
		return;
	if (on && !d->early && vrrp_ha_get_state(d->h) != VRRP_HA_ST_MASTER) {
		activate(d);
		d->early = true;
	} else if (!on && d->early && vrrp_ha_get_state(d->h) != VRRP_HA_ST_MASTER) {
		d->early = false;
		if (vrrp_ha_dp_deactivate(d->dp) == 0) {
			d->cnt.dp_deactivations++;
			emit_activation(d, false);
		}
	}
}

static uint64_t dp_timer(void *m, uint64_t now)
{
	struct dp_mod *d = m;

	if (d->dp && vrrp_ha_dp_pending(d->dp) && vrrp_ha_dp_commit(d->dp, DP_COMMIT_BUDGET) > 0)
		return now + 1; /* more to hand over (or an ENOMEM retry) soon */
	return UINT64_MAX;
}

struct vrrp_ha_dp *vrrp_ha_get_dp(struct vrrp_ha *h)
{
	struct dp_mod *d = vrrp_ha_module_state(h, &vrrp_ha_mod_dataplane);

	return d ? d->dp : NULL;
}

const struct vrrp_ha_module vrrp_ha_mod_dataplane = {
        .name = "dataplane",
        .create = dp_create,
        .destroy = dp_destroy,
        .start = dp_start,
        .reconfigure = dp_reconfigure,
        .on_state = dp_on_state,
        .timer = dp_timer,
        .prepare_master = dp_prepare_master,
};
