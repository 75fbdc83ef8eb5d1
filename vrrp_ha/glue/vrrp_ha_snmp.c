/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp_ha_snmp.c - VRRP-HA-MIB in keepalived's AgentX subagent: the
 * net-snmp binding of the library's model (vrrp_ha/src/snmp/). One handler
 * registered at the module's base OID turns each GET / GETNEXT varbind into
 * one vrrp_ha_snmp_get() / vrrp_ha_snmp_next() call (a GETBULK arrives as
 * GETNEXT passes, at most VRRP_HA_SNMP_MAX_REPEATS of them), so a request
 * costs a bounded number of store lookups inside keepalived's loop. A
 * one-second timer polls the counters and sends the queued notifications
 * with send_v2trap() when keepalived's enable_traps is set.
 *
 * Switches: keepalived's -x (every MIB, ours included) or the global_defs
 * keyword enable_snmp_mipv6_ha; snmp_socket names the master agent as for
 * keepalived's own MIBs.
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "global_data.h"
#include "logger.h"
#include "main.h"
#include "parser.h"
#include "scheduler.h"
#include "snmp.h"
#include "vrrp.h"
#include "vrrp_data.h"
#include "vrrp_if.h"

#include <net-snmp/agent/agent_sysORTable.h>

#include "vrrp_ha/ha.h"
#include "vrrp_ha/snmp.h"
#include "vrrp_ha_snmp.h"

/* GETNEXT passes of one GETBULK (net-snmp's maxGetbulkRepeats), unless the
 * configuration set a bound already */
#define VRRP_HA_SNMP_MAX_REPEATS 100
#define POLL_HZ                  TIMER_HZ

static oid ha_base[] = {VRRP_HA_SNMP_BASE};

/* The subagent's state. keepalived has one subagent per process, so this
 * is a singleton on the keepalived side (the library model has no global). */
static struct {
	bool wanted; /* enable_snmp_mipv6_ha */
	struct vrrp_ha_snmp_config cfg;
	bool cfg_given;
	struct vrrp_ha_snmp *model;
	netsnmp_handler_registration *reg;
	thread_ref_t poll;
	/* the longest request answered (keepalived's loop was ours that long) */
	uint64_t max_req_us;
	uint64_t requests;
} ha_snmp;

/* ---- keywords ---------------------------------------------------------- */

static void kw_enable(__attribute__((unused)) const vector_t *strvec)
{
	ha_snmp.wanted = true;
}

static void kw_trap_limit(const vector_t *strvec)
{
	unsigned burst, secs;

	if (vector_size(strvec) != 3 || !read_unsigned_strvec(strvec, 1, &burst, 1, 1000, false) ||
	    !read_unsigned_strvec(strvec, 2, &secs, 0, 86400, false)) {
		report_config_error(CONFIG_GENERAL_ERROR,
		                    "snmp_mipv6_ha_trap_limit takes BURST (1..1000) and "
		                    "SECONDS (0..86400)");
		return;
	}
	ha_snmp.cfg.trap_burst = burst;
	ha_snmp.cfg.trap_interval_ms = secs * 1000;
	ha_snmp.cfg_given = true;
}

void vrrp_ha_glue_snmp_install_keywords(void)
{
	/* No reset here: the VRRP child installs the global_defs keywords
	 * inactive (the parent parsed them before the fork, and the child
	 * inherits what they set). Like keepalived's own switches they take
	 * effect when the subagent starts, not on a reload. */
	if (!ha_snmp.cfg_given)
		vrrp_ha_snmp_config_defaults(&ha_snmp.cfg);
	install_keyword("enable_snmp_mipv6_ha", &kw_enable);
	install_keyword("snmp_mipv6_ha_trap_limit", &kw_trap_limit);
}

bool vrrp_ha_glue_snmp_wanted(void)
{
	return ha_snmp.wanted;
}

/* ---- requests ---------------------------------------------------------- */

static void ha_set_value(netsnmp_variable_list *vb, const struct vrrp_ha_snmp_value *v)
{
	long l;
	u_long u;
	struct counter64 c64;

	switch (v->type) {
	case VRRP_HA_SNMP_INTEGER:
		l = (long)v->i;
		snmp_set_var_typed_value(vb, ASN_INTEGER, &l, sizeof(l));
		break;
	case VRRP_HA_SNMP_UNSIGNED:
	case VRRP_HA_SNMP_GAUGE:
		u = (u_long)v->u;
		snmp_set_var_typed_value(vb,
		                         v->type == VRRP_HA_SNMP_GAUGE ? ASN_GAUGE : ASN_UNSIGNED,
		                         &u, sizeof(u));
		break;
	case VRRP_HA_SNMP_COUNTER64:
		c64.high = (u_long)(v->u >> 32);
		c64.low = (u_long)(v->u & 0xffffffffu);
		snmp_set_var_typed_value(vb, ASN_COUNTER64, &c64, sizeof(c64));
		break;
	case VRRP_HA_SNMP_OCTETS:
		snmp_set_var_typed_value(vb, ASN_OCTET_STR, v->bytes, v->len);
		break;
	case VRRP_HA_SNMP_OID: {
		oid o[VRRP_HA_SNMP_OID_MAX];

		for (size_t i = 0; i < v->len; i++)
			o[i] = v->oid[i];
		snmp_set_var_typed_value(vb, ASN_OBJECT_ID, o, v->len * sizeof(oid));
		break;
	}
	case VRRP_HA_SNMP_NONE:
		break;
	}
}

static struct vrrp_ha_snmp_clock clock_now(void)
{
	struct timespec ts;
	struct vrrp_ha_snmp_clock c;

	clock_gettime(CLOCK_REALTIME, &ts);
	c.real_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	return c;
}

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int ha_handler(__attribute__((unused)) netsnmp_mib_handler *handler,
                      __attribute__((unused)) netsnmp_handler_registration *reginfo,
                      netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	struct vrrp_ha_snmp_clock clk = clock_now();
	struct vrrp_ha_snmp_value v;
	uint32_t in[VRRP_HA_SNMP_OID_MAX], out[VRRP_HA_SNMP_OID_MAX];
	uint64_t t0 = mono_us(), dt;
	unsigned nvb = 0;

	for (netsnmp_request_info *r = requests; r; r = r->next) {
		netsnmp_variable_list *vb = r->requestvb;
		size_t n = vb->name_length < VRRP_HA_SNMP_OID_MAX ? vb->name_length
		                                                  : VRRP_HA_SNMP_OID_MAX;
		size_t on;

		if (r->processed)
			continue;
		nvb++;
		for (size_t i = 0; i < n; i++)
			in[i] = vb->name[i] > UINT32_MAX ? UINT32_MAX : (uint32_t)vb->name[i];
		switch (reqinfo->mode) {
		case MODE_GET:
			if (ha_snmp.model && vrrp_ha_snmp_get(ha_snmp.model, in, n, &clk, &v))
				ha_set_value(vb, &v);
			else
				netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHINSTANCE);
			break;
		case MODE_GETNEXT:
			/* nothing found: the varbind stays as it is and the agent
			 * goes on past our subtree */
			if (ha_snmp.model &&
			    vrrp_ha_snmp_next(ha_snmp.model, in, n, out, &on, &clk, &v)) {
				oid o[VRRP_HA_SNMP_OID_MAX];

				for (size_t i = 0; i < on; i++)
					o[i] = out[i];
				snmp_set_var_objid(vb, o, on);
				ha_set_value(vb, &v);
			}
			break;
		default:
			netsnmp_set_request_error(reqinfo, r, SNMP_ERR_NOTWRITABLE);
			break;
		}
	}
	/* what a request costs keepalived's loop (bench/snmp-walk.sh reads it) */
	dt = mono_us() - t0;
	ha_snmp.requests++;
	if (dt > ha_snmp.max_req_us) {
		ha_snmp.max_req_us = dt;
		if (dt >= 200)
			log_message(LOG_INFO,
			            "mipv6_ha: SNMP: longest request so far %" PRIu64
			            " us (%u varbinds, request %" PRIu64 ")",
			            dt, nvb, ha_snmp.requests);
	}
	return SNMP_ERR_NOERROR;
}

/* ---- notifications ----------------------------------------------------- */

static void send_notification(const struct vrrp_ha_snmp_notif *n)
{
	struct vrrp_ha_snmp_varbind vb[8];
	netsnmp_variable_list *vars = NULL;
	size_t k = vrrp_ha_snmp_varbinds(ha_snmp.model, n, vb, 8);

	for (size_t i = 0; i < k; i++) {
		netsnmp_variable_list *last;
		oid name[VRRP_HA_SNMP_OID_MAX];

		for (size_t j = 0; j < vb[i].name_len; j++)
			name[j] = vb[i].name[j];
		last = snmp_varlist_add_variable(&vars, name, vb[i].name_len, ASN_NULL, NULL, 0);
		if (!last)
			break;
		ha_set_value(last, &vb[i].v);
	}
	if (vars) {
		send_v2trap(vars);
		snmp_free_varbind(vars);
	}
}

static void poll_thread(__attribute__((unused)) thread_ref_t thread)
{
	struct vrrp_ha_snmp_clock clk = clock_now();
	struct vrrp_ha_snmp_notif q[16];
	size_t k;

	ha_snmp.poll = NULL;
	if (!ha_snmp.model)
		return;
	vrrp_ha_snmp_poll(ha_snmp.model, &clk);
	while ((k = vrrp_ha_snmp_take(ha_snmp.model, q, 16)) > 0)
		for (size_t i = 0; i < k; i++) {
			/* keepalived's switch for every notification it sends */
			if (!global_data->enable_traps)
				continue;
			send_notification(&q[i]);
			log_message(LOG_INFO, "mipv6_ha: SNMP notification %s (instance %u)",
			            vrrp_ha_snmp_notif_name(q[i].type), q[i].index);
		}
	ha_snmp.poll = thread_add_timer(master, poll_thread, NULL, POLL_HZ);
}

/* ---- registration ------------------------------------------------------ */

void vrrp_ha_glue_snmp_register(void)
{
	if (ha_snmp.reg || !(ha_snmp.wanted || snmp_option))
		return;
	ha_snmp.model = vrrp_ha_snmp_new(&ha_snmp.cfg);
	if (!ha_snmp.model) {
		log_message(LOG_ERR, "mipv6_ha: SNMP: out of memory");
		return;
	}
	if (!netsnmp_ds_get_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_MAX_GETBULKREPEATS))
		netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_MAX_GETBULKREPEATS,
		                   VRRP_HA_SNMP_MAX_REPEATS);
	ha_snmp.reg = netsnmp_create_handler_registration("VRRP-HA-MIB", ha_handler, ha_base,
	                                                  OID_LENGTH(ha_base), HANDLER_CAN_RONLY);
	if (!ha_snmp.reg || netsnmp_register_handler(ha_snmp.reg) != MIB_REGISTERED_OK) {
		log_message(LOG_WARNING, "Unable to register VRRP-HA MIB");
		ha_snmp.reg = NULL; /* netsnmp_register_handler frees it on failure */
		return;
	}
	register_sysORTable(ha_base, OID_LENGTH(ha_base), "The MIB module for VRRP-HA");
	log_message(LOG_INFO, "mipv6_ha: VRRP-HA-MIB registered");
}

void vrrp_ha_glue_snmp_unregister(void)
{
	if (ha_snmp.reg) {
		unregister_sysORTable(ha_base, OID_LENGTH(ha_base));
		netsnmp_unregister_handler(ha_snmp.reg);
		ha_snmp.reg = NULL;
	}
	if (ha_snmp.poll)
		thread_cancel(ha_snmp.poll);
	ha_snmp.poll = NULL;
	vrrp_ha_snmp_free(ha_snmp.model);
	ha_snmp.model = NULL;
}

/* Show every instance with its keepalived index. Returns: false if an
 * index was taken by an instance not updated yet (a reload reordered
 * them). */
static bool sync_instances(void)
{
	vrrp_t *vrrp;
	uint32_t index = 0;
	bool ok = true;

	/* keepalived's vrrpInstanceIndex: the position in its list */
	list_for_each_entry(vrrp, &vrrp_data->vrrp, e_list)
	{
		struct vrrp_ha *h = vrrp_ha_glue_handle(vrrp);
		struct vrrp_ha_snmp_instance info = {.index = ++index};

		if (!h)
			continue;
		info.ifindex = vrrp->ifp ? (int32_t)IF_INDEX(vrrp->ifp) : 0;
		info.enabled = vrrp_ha_config(h)->enabled;
		info.drop_limit = vrrp_ha_config(h)->snmp_drop_limit;
		if (vrrp_ha_snmp_add(ha_snmp.model, h, &info))
			ok = false;
	}
	return ok;
}

void vrrp_ha_glue_snmp_sync_instances(void)
{
	vrrp_t *vrrp;

	if (!ha_snmp.model)
		return;
	if (!sync_instances()) {
		/* start over (the instances' notification state goes) */
		list_for_each_entry(vrrp, &vrrp_data->vrrp, e_list)
		        vrrp_ha_snmp_remove(ha_snmp.model, vrrp_ha_glue_handle(vrrp));
		if (!sync_instances())
			log_message(LOG_ERR, "mipv6_ha: SNMP: cannot add every instance");
	}
}

void vrrp_ha_glue_snmp_sync(void)
{
	if (!ha_snmp.model)
		return;
	vrrp_ha_glue_snmp_sync_instances();
	/* thread_cleanup_master() of a reload freed the timer: start again */
	ha_snmp.poll = thread_add_timer(master, poll_thread, NULL, POLL_HZ);
}

void vrrp_ha_glue_snmp_forget(struct vrrp_ha *h)
{
	if (ha_snmp.model && h)
		vrrp_ha_snmp_remove(ha_snmp.model, h);
}
