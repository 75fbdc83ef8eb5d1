/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp_ha_snmp.h - VRRP-HA-MIB inside keepalived's own AgentX subagent (the
 * VRRP child's, keepalived/core/snmp.c): registration beside KEEPALIVED-VRRP,
 * VRRP-MIB and VRRPV3-MIB, answers from the library's model
 * (vrrp_ha/include/vrrp_ha/snmp.h), notifications through send_v2trap()
 * when keepalived's enable_traps is set. keepalived-patch/0004 adds one
 * call at each place below; no net-snmp header is needed to include this.
 */
#ifndef VRRP_HA_GLUE_SNMP_H
#define VRRP_HA_GLUE_SNMP_H

#include <stdbool.h>

struct _vrrp_t;
struct vrrp_ha;

/* global_parser.c init_global_keywords(): the global_defs keywords
 * enable_snmp_mipv6_ha and snmp_mipv6_ha_trap_limit. */
void vrrp_ha_glue_snmp_install_keywords(void);

/* vrrp_daemon.c: keepalived starts its subagent if this is true too
 * (enable_snmp_mipv6_ha given). Returns: whether our MIB is wanted. */
bool vrrp_ha_glue_snmp_wanted(void);

/* vrrp_snmp.c vrrp_snmp_agent_init() / vrrp_snmp_agent_close(): register
 * or unregister VRRP-HA-MIB (when -x or enable_snmp_mipv6_ha). */
void vrrp_ha_glue_snmp_register(void);
void vrrp_ha_glue_snmp_unregister(void);

/* vrrp_ha_glue.c vrrp_ha_glue_start_all(): the instances (and their
 * keepalived indexes) may have changed; re-arm the poll (start, or a
 * reload: thread_cleanup_master() freed it). */
void vrrp_ha_glue_snmp_sync(void);
/* vrrp_ha_glue.c glue_start(): a library instance was just created: show
 * it before it publishes anything (the instances only, not the poll). */
void vrrp_ha_glue_snmp_sync_instances(void);

/* vrrp_ha_glue.c, before vrrp_ha_free(h). */
void vrrp_ha_glue_snmp_forget(struct vrrp_ha *h);

/* vrrp_ha_glue.c: the library instance of a vrrp_t, NULL if none. */
struct vrrp_ha *vrrp_ha_glue_handle(const struct _vrrp_t *vrrp);

#endif
