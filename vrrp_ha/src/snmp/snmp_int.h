/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * snmp_int.h - private to src/snmp/: the agent model's state, shared by
 * mib.c (the tables, GET/GETNEXT) and notif.c (notifications).
 */
#ifndef VRRP_HA_SNMP_INT_H
#define VRRP_HA_SNMP_INT_H

#include "vrrp_ha/codec.h"
#include "vrrp_ha/events.h"
#include "vrrp_ha/snmp.h"

#define SN_QUEUE_MAX 64
/* drop-rate window: one sample a poll (about a second) */
#define SN_DROP_WINDOW 10

/* Token bucket in milli-tokens. */
struct sn_bucket {
	uint64_t tokens; /* milli-tokens, <= burst * 1000 */
	uint64_t last_ms;
	uint32_t suppressed;
	bool started;
};

struct sn_inst {
	struct vrrp_ha_snmp *m;
	struct vrrp_ha *h;
	struct vrrp_ha_snmp_instance info;
	unsigned sub; /* event subscription */

	/* the last SYNC_COMPLETE */
	bool synced;
	uint64_t sync_ms; /* the instance's clock */
	uint64_t sync_duration_ms, sync_rows;
	char sync_detail[32];

	/* an owner's restore: from its request's SYNC_START to SYNC_COMPLETE */
	bool restoring;
	uint64_t restore_start_ms, restored;

	/* the ACTIVATE just before a STATE to MASTER */
	bool act_seen;
	uint64_t act_count, act_ms;

	/* full recovery's queue as last polled */
	bool fr_running;
	uint64_t fr_start_ms, fr_released_base;

	/* receive drops, one total per poll */
	uint64_t drop_hist[SN_DROP_WINDOW + 1];
	unsigned drop_n;
	bool drop_high;
	uint64_t rx_last[VRRP_HA_R__COUNT];

	/* authentication failure counters as last polled (registry order) */
	uint64_t *auth_last;
	size_t auth_n;

	/* the registry's counters in index order (group, name as OCTET STRINGs) */
	uint32_t *corder;
	size_t corder_n;

	struct sn_bucket rl[VRRP_HA_SNMP_N__COUNT];
};

struct vrrp_ha_snmp {
	struct vrrp_ha_snmp_config cfg;
	struct sn_inst **inst; /* sorted by info.index */
	size_t n, cap;
	uint64_t lookups;
	struct vrrp_ha_snmp_notif q[SN_QUEUE_MAX];
	size_t q_head, q_n;
};

/* notif.c: the event subscriber. Returns: nothing. */
void sn_on_event(void *arg, const struct vrrp_ha_event *ev);
/* notif.c: queue a notification of inst, through its rate limit (now: the
 * instance's clock). Returns: nothing. */
void sn_raise(struct sn_inst *in, enum vrrp_ha_snmp_notif_type t, uint64_t now_ms, uint64_t rows,
              uint64_t duration_ms, uint64_t rate, const char *reason);
/* mib.c: the instance's value of column col of the instance table.
 * Returns: true and fills *v. */
bool sn_instance_column(struct sn_inst *in, uint32_t col, const struct vrrp_ha_snmp_clock *clk,
                        struct vrrp_ha_snmp_value *v);
/* mib.c: the instance whose index is index. Returns: it, or NULL. */
struct sn_inst *sn_find(const struct vrrp_ha_snmp *m, uint32_t index);

#endif
