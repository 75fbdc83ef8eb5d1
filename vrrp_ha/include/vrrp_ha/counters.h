/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * counters.h - the one counter registry of an instance.
 *
 * Every module registers its named counters here when the instance is
 * created; `vrrp-ha-ctl stats` (text and --json) and SNMP read every counter
 * of every module from it and from nothing else. A counter is a uint64_t at
 * a fixed offset inside a block the module owns; the block is found through
 * a getter at read time, so a module whose handle comes and goes (the data
 * plane exists only on non-owners) reads as zeros while it is absent.
 *
 * Names are unique within an instance, [a-z0-9_], at most 39 characters,
 * and stable: scripts and the MIB depend on them.
 */
#ifndef VRRP_HA_COUNTERS_H
#define VRRP_HA_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VRRP_HA_COUNTER_NAME_MAX 40

/* Returns: the module's counter block, or NULL when it has none right now. */
typedef const void *(*vrrp_ha_counter_block_fn)(const void *arg);

/* One counter as registered. */
struct vrrp_ha_counter {
	char name[VRRP_HA_COUNTER_NAME_MAX];
	const char *group; /* the module: "sync", "dataplane", ... (static string) */
	vrrp_ha_counter_block_fn block;
	const void *arg;
	size_t offset; /* of a uint64_t inside the block */
	bool gauge;    /* a level, not monotonic (SNMP Gauge, not Counter64) */
};

struct vrrp_ha_counters_reg;

/* Returns: an empty registry, or NULL. */
struct vrrp_ha_counters_reg *vrrp_ha_counters_reg_new(void);
void vrrp_ha_counters_reg_free(struct vrrp_ha_counters_reg *r);

/*
 * Register one counter: name (copied; printf-style for arrays of reasons),
 * in group, read as *(uint64_t *)((char *)block(arg) + offset).
 * Returns: 0, or -1 (allocation failure, bad or duplicate name: the
 * counter is then not registered; a duplicate is a programming error).
 */
int vrrp_ha_counters_add(struct vrrp_ha_counters_reg *r, const char *group, const char *name,
                         vrrp_ha_counter_block_fn block, const void *arg, size_t offset,
                         bool gauge);

/* A static description of a block's counters, for vrrp_ha_counters_add_table(). */
struct vrrp_ha_counter_def {
	const char *name;
	size_t offset;
	bool gauge;
};

/* Register n counters of one block, each named prefix + def->name.
 * Returns: 0, or -1 if any failed (those before it stay registered). */
int vrrp_ha_counters_add_table(struct vrrp_ha_counters_reg *r, const char *group,
                               const char *prefix, const struct vrrp_ha_counter_def *defs, size_t n,
                               vrrp_ha_counter_block_fn block, const void *arg);

/* Returns: how many counters are registered. */
size_t vrrp_ha_counters_count(const struct vrrp_ha_counters_reg *r);

/* Returns: counter i (0 <= i < count), in registration order, or NULL. */
const struct vrrp_ha_counter *vrrp_ha_counters_at(const struct vrrp_ha_counters_reg *r, size_t i);

/* Returns: the current value of c (0 while its block is absent). */
uint64_t vrrp_ha_counter_read(const struct vrrp_ha_counter *c);

/* Returns: true and *v if a counter called name is registered. */
bool vrrp_ha_counters_get(const struct vrrp_ha_counters_reg *r, const char *name, uint64_t *v);

/*
 * Write every counter as one flat JSON object {"name":value,...} (no
 * newline) into buf. Returns: the length snprintf would have written.
 */
int vrrp_ha_counters_reg_json(const struct vrrp_ha_counters_reg *r, char *buf, size_t cap);

#endif
