/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hold.c - "Demoted until synced" (hold.h): the instance's priority holds,
 * one per reason, the effective one (the lowest active) handed to the host
 * through ops->set_hold.
 *
 * The SYNC hold is put on when the instance first starts (sync_hold_timeout
 * not 0) and comes off when the replication engine says the table is
 * complete (vrrp_ha_sync_hold_done), when the instance becomes MASTER
 * (nobody advertised a higher priority: there is no one to sync from), or
 * sync_hold_timeout seconds after it was put on. The OPERATOR hold stays
 * until released, also as MASTER.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

struct hold_counters {
	uint64_t holds[VRRP_HA_HOLD__COUNT];    /* a reason put on (or its priority changed) */
	uint64_t releases[VRRP_HA_HOLD__COUNT]; /* a reason taken off */
	uint64_t held;                          /* gauge: 1 while any reason holds */
	uint64_t sync_hold_timeouts;            /* SYNC released by sync_hold_timeout */
};

struct hold {
	struct vrrp_ha *h;
	unsigned prio[VRRP_HA_HOLD__COUNT]; /* 0 = reason not active */
	unsigned effective;                 /* what the host was last told */
	uint64_t sync_deadline;             /* SYNC comes off at the latest then */
	bool started;                       /* the start-up hold is applied once */
	struct hold_counters cnt;
};

static const char *const reason_names[VRRP_HA_HOLD__COUNT] = {
        [VRRP_HA_HOLD_SYNC] = "sync",
        [VRRP_HA_HOLD_OPERATOR] = "operator",
        [VRRP_HA_HOLD_SWITCH] = "switch",
};

const char *vrrp_ha_hold_reason_name(enum vrrp_ha_hold_reason why)
{
	return (unsigned)why < VRRP_HA_HOLD__COUNT ? reason_names[why] : "unknown";
}

unsigned vrrp_ha_config_start_hold(const struct vrrp_ha_config *c)
{
	unsigned p = c->sync_hold_prio;

	if (!c->enabled || !c->sync_hold_s)
		return 0;
	if (p < VRRP_HA_HOLD_PRIO_MIN)
		p = VRRP_HA_HOLD_PRIO_MIN;
	return p > VRRP_HA_HOLD_PRIO_MAX ? VRRP_HA_HOLD_PRIO_MAX : p;
}

static struct hold *hold_of(const struct vrrp_ha *h)
{
	return vrrp_ha_module_state(h, &vrrp_ha_mod_hold);
}

static unsigned lowest(const struct hold *m)
{
	unsigned e = 0;

	for (int i = 0; i < VRRP_HA_HOLD__COUNT; i++)
		if (m->prio[i] && (!e || m->prio[i] < e))
			e = m->prio[i];
	return e;
}

static void text_reasons(const struct hold *m, char *buf, size_t cap)
{
	size_t n = 0;

	buf[0] = 0;
	for (int i = 0; i < VRRP_HA_HOLD__COUNT && n < cap; i++) {
		int k;

		if (!m->prio[i])
			continue;
		k = snprintf(buf + n, cap - n, "%s%s", n ? "," : "", reason_names[i]);
		if (k < 0)
			break;
		n += (size_t)k;
	}
}

/* Tell the host if the effective hold changed. */
static void apply(struct hold *m)
{
	const struct vrrp_ha_ops *ops = vrrp_ha_host_ops(m->h);
	unsigned e = lowest(m);

	m->cnt.held = e ? 1 : 0;
	if (e == m->effective)
		return;
	m->effective = e;
	if (ops->set_hold)
		ops->set_hold(vrrp_ha_host_ctx(m->h), e);
}

static void set_reason(struct hold *m, enum vrrp_ha_hold_reason why, unsigned prio,
                       const char *detail, int log_prio)
{
	char rest[64];

	if (prio == m->prio[why])
		return;
	if (!detail)
		detail = "-";
	if (prio) {
		m->prio[why] = prio;
		m->cnt.holds[why]++;
		if (why == VRRP_HA_HOLD_SYNC)
			vrrp_ha_logf(m->h, log_prio,
			             "held at priority %u until the table is complete: %s", prio,
			             detail);
		else
			vrrp_ha_logf(m->h, log_prio, "held at priority %u (%s): %s", prio,
			             reason_names[why], detail);
	} else {
		m->prio[why] = 0;
		m->cnt.releases[why]++;
		if (lowest(m)) {
			char r[32];

			text_reasons(m, r, sizeof(r));
			snprintf(rest, sizeof(rest), "; still held at priority %u (%s)", lowest(m),
			         r);
		} else {
			snprintf(rest, sizeof(rest), "; keepalived's own priority applies");
		}
		vrrp_ha_logf(m->h, log_prio, "released (%s hold): %s%s", reason_names[why], detail,
		             rest);
	}
	apply(m);
}

void vrrp_ha_hold(struct vrrp_ha *h, enum vrrp_ha_hold_reason why, unsigned prio,
                  const char *detail)
{
	struct hold *m = hold_of(h);

	if (!m || (unsigned)why >= VRRP_HA_HOLD__COUNT)
		return;
	if (prio) {
		if (prio > VRRP_HA_HOLD_PRIO_MAX)
			prio = VRRP_HA_HOLD_PRIO_MAX;
		if (why == VRRP_HA_HOLD_SYNC) {
			unsigned s = vrrp_ha_config(h)->sync_hold_s;

			if (!s)
				return; /* sync_hold_timeout 0: never held for sync */
			m->sync_deadline = vrrp_ha_now(h) + (uint64_t)s * 1000u;
			vrrp_ha_arm_at(h, m->sync_deadline);
		}
	}
	set_reason(m, why, prio, detail, LOG_INFO);
}

void vrrp_ha_sync_hold_done(struct vrrp_ha *h, const char *why)
{
	struct hold *m = hold_of(h);

	if (m && m->prio[VRRP_HA_HOLD_SYNC])
		set_reason(m, VRRP_HA_HOLD_SYNC, 0, why, LOG_INFO);
}

unsigned vrrp_ha_held_prio(const struct vrrp_ha *h)
{
	const struct hold *m = hold_of(h);

	return m ? lowest(m) : 0;
}

unsigned vrrp_ha_hold_reason_prio(const struct vrrp_ha *h, enum vrrp_ha_hold_reason why)
{
	const struct hold *m = hold_of(h);

	return m && (unsigned)why < VRRP_HA_HOLD__COUNT ? m->prio[why] : 0;
}

int vrrp_ha_hold_reasons_text(const struct vrrp_ha *h, char *buf, size_t cap)
{
	const struct hold *m = hold_of(h);
	char r[32];

	if (!m) {
		r[0] = 0;
	} else {
		text_reasons(m, r, sizeof(r));
	}
	return snprintf(buf, cap, "%s", r);
}

/* ---- module ----------------------------------------------------------- */

static const void *cnt_block(const void *arg)
{
	return &((const struct hold *)arg)->cnt;
}

static const struct vrrp_ha_counter_def hold_defs[] = {
        {"holds_sync", offsetof(struct hold_counters, holds[VRRP_HA_HOLD_SYNC]), false},
        {"holds_operator", offsetof(struct hold_counters, holds[VRRP_HA_HOLD_OPERATOR]), false},
        {"releases_sync", offsetof(struct hold_counters, releases[VRRP_HA_HOLD_SYNC]), false},
        {"releases_operator", offsetof(struct hold_counters, releases[VRRP_HA_HOLD_OPERATOR]),
         false},
        {"holds_switch", offsetof(struct hold_counters, holds[VRRP_HA_HOLD_SWITCH]), false},
        {"releases_switch", offsetof(struct hold_counters, releases[VRRP_HA_HOLD_SWITCH]), false},
        {"held", offsetof(struct hold_counters, held), true},
        {"sync_hold_timeouts", offsetof(struct hold_counters, sync_hold_timeouts), false},
};
_Static_assert(sizeof(struct hold_counters) ==
                       sizeof(uint64_t) * (sizeof(hold_defs) / sizeof(hold_defs[0])),
               "hold_defs does not list every field of struct hold_counters");

static void *hold_create(struct vrrp_ha *h, struct vrrp_ha_counters_reg *reg,
                         struct vrrp_ha_bus *bus)
{
	struct hold *m = calloc(1, sizeof(*m));

	(void)bus;
	if (!m)
		return NULL;
	m->h = h;
	if (vrrp_ha_counters_add_table(reg, "hold", NULL, hold_defs,
	                               sizeof(hold_defs) / sizeof(hold_defs[0]), cnt_block, m)) {
		free(m);
		return NULL;
	}
	return m;
}

static void hold_destroy(void *p)
{
	free(p);
}

static int hold_start(void *p)
{
	struct hold *m = p;
	const struct vrrp_ha_config *c = vrrp_ha_config(m->h);
	unsigned prio = vrrp_ha_config_start_hold(c);
	char d[96];

	/* only the first start: after a reload the instance keeps its holds */
	if (m->started)
		return 0;
	m->started = true;
	if (!prio)
		return 0;
	snprintf(d, sizeof(d), "starting, waiting for a peer's table (at most %u s)",
	         c->sync_hold_s);
	vrrp_ha_hold(m->h, VRRP_HA_HOLD_SYNC, prio, d);
	return 0;
}

static void hold_reconfigure(void *p, const struct vrrp_ha_config *old)
{
	struct hold *m = p;
	const struct vrrp_ha_config *c = vrrp_ha_config(m->h);

	(void)old;
	if (!m->prio[VRRP_HA_HOLD_SYNC])
		return;
	if (!c->sync_hold_s)
		set_reason(m, VRRP_HA_HOLD_SYNC, 0, "sync_hold_timeout is now 0", LOG_INFO);
	else if (vrrp_ha_config_start_hold(c) != m->prio[VRRP_HA_HOLD_SYNC])
		set_reason(m, VRRP_HA_HOLD_SYNC, vrrp_ha_config_start_hold(c),
		           "sync_hold_priority changed", LOG_INFO);
}

static void hold_on_state(void *p, enum vrrp_ha_state prev, enum vrrp_ha_state s)
{
	struct hold *m = p;

	(void)prev;
	/* nobody advertised a higher priority than the held one: there is no
	 * master to sync from, and a held MASTER would only invite any router
	 * with a partial table to preempt it */
	if (s == VRRP_HA_ST_MASTER && m->prio[VRRP_HA_HOLD_SYNC])
		set_reason(m, VRRP_HA_HOLD_SYNC, 0,
		           "became MASTER (no router advertised a higher priority)", LOG_INFO);
}

static uint64_t hold_timer(void *p, uint64_t now)
{
	struct hold *m = p;
	char d[96];

	if (!m->prio[VRRP_HA_HOLD_SYNC])
		return UINT64_MAX;
	if (now < m->sync_deadline)
		return m->sync_deadline;
	m->cnt.sync_hold_timeouts++;
	snprintf(d, sizeof(d),
	         "the table is not known to be complete after %u s (sync_hold_timeout)",
	         vrrp_ha_config(m->h)->sync_hold_s);
	set_reason(m, VRRP_HA_HOLD_SYNC, 0, d, LOG_WARNING);
	return UINT64_MAX;
}

const struct vrrp_ha_module vrrp_ha_mod_hold = {
        .name = "hold",
        .create = hold_create,
        .destroy = hold_destroy,
        .start = hold_start,
        .reconfigure = hold_reconfigure,
        .on_state = hold_on_state,
        .timer = hold_timer,
};
