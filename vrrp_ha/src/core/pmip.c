/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pmip.c - the local LMA daemon's proxy bindings in the instance (pmip.h):
 * set and deleted in the copy of its binding cache, which the replication
 * sends as the owner's (as vrrp_ha_bc_add() does for MIPv6), and published
 * as binding events with a PMIPv6 record (events.h, VRRP_HA_EMASK_PMIP).
 */
#include <string.h>

#include "core/internal.h"
#include "vrrp_ha/pmip.h"
#include "vrrp_ha/rbc.h"
#include "vrrp_ha/store.h"

/* Walk slice of a delete by MN-ID. */
#define PMIP_SLICE 64

void vrrp_ha_pmip_to_ev(const struct vrrp_ha_record *r, struct vrrp_ha_ev_pmip *e)
{
	struct vrrp_ha_pmip p;

	memset(e, 0, sizeof(*e));
	if (vrrp_ha_pmip_from_record(r, &p))
		return;
	memcpy(e->mnid, p.mnid, p.mnid_len);
	e->mnid_len = (uint16_t)p.mnid_len;
	e->hnp = p.hnp[0].prefix;
	e->plen = p.hnp[0].plen;
	e->nhnp = (uint8_t)p.nhnp;
	for (unsigned i = 0; i < p.nhnp && i < sizeof(e->hnps) / sizeof(e->hnps[0]); i++) {
		e->hnps[i] = p.hnp[i].prefix;
		e->plens[i] = p.hnp[i].plen;
	}
	e->att = p.att;
	e->pcoa = p.pcoa;
	e->lifetime_s = r->lifetime_s;
	e->timestamp = p.timestamp;
	e->tunnel_id = p.tunnel_id;
	e->expires_ms = r->lifetime_s ? r->expires_ms : 0;
}

void vrrp_ha_emit_pmip(struct vrrp_ha *h, enum vrrp_ha_event_type type, enum vrrp_ha_table t,
                       enum vrrp_ha_origin o, const struct vrrp_ha_record *r)
{
	struct vrrp_ha_ev_pmip p;
	struct vrrp_ha_event ev = {.type = type, .table = t, .origin = o, .p = &p};

	vrrp_ha_pmip_to_ev(r, &p);
	if (type == VRRP_HA_E_DELETED || type == VRRP_HA_E_EXPIRED)
		p.lifetime_s = 0, p.expires_ms = 0;
	vrrp_ha_emit(h, &ev);
}

int vrrp_ha_pmip_add(struct vrrp_ha *h, const struct vrrp_ha_pmip *p)
{
	struct vrrp_ha_rbc *bc = vrrp_ha_get_bc(h);
	struct vrrp_ha_store *s = bc ? rbc_store(bc) : NULL;
	uint64_t now = vrrp_ha_now(h);
	struct vrrp_ha_pmip_buf buf;
	struct vrrp_ha_record rec, have;
	enum store_result res;
	int type;

	if (!s || !p->lifetime_s || vrrp_ha_pmip_to_record(p, &buf, &rec))
		return STORE_INVALID;
	if (store_lookup(s, &rec.key, now, &have)) {
		/* RFC 5213 5.5: the daemon's own older registration never
		 * replaces a newer one */
		if (rec.u.pmipv6.timestamp < have.u.pmipv6.timestamp)
			return STORE_STALE;
	} else if (store_count(s, 0) >= vrrp_ha_config(h)->max_bindings) {
		vrrp_ha_cnt(h)->bc_errors++;
		return STORE_NOMEM;
	}
	res = store_set_local(s, &rec, now);
	if (res == STORE_NOMEM || res == STORE_INVALID) {
		vrrp_ha_cnt(h)->bc_errors++;
		return res;
	}
	vrrp_ha_cnt(h)->bc_add++;
	type = vrrp_ha_result_event((enum rbc_result)res);
	if (type >= 0 && store_lookup(s, &rec.key, now, &have))
		vrrp_ha_emit_pmip(h, (enum vrrp_ha_event_type)type, VRRP_HA_T_BC, VRRP_HA_O_LOCAL,
		                  &have);
	return res;
}

size_t vrrp_ha_pmip_del(struct vrrp_ha *h, const uint8_t *mnid, size_t mnid_len, int att,
                        const uint8_t *llid, size_t llid_len)
{
	struct vrrp_ha_rbc *bc = vrrp_ha_get_bc(h);
	struct vrrp_ha_store *s = bc ? rbc_store(bc) : NULL;
	uint64_t now = vrrp_ha_now(h), cursor = 0;
	struct vrrp_ha_record v[PMIP_SLICE];
	size_t n, done = 0;

	if (!s)
		return 0;
	/* one MN-ID may hold several mobility sessions (RFC 5213 5.4.1.1:
	 * one per ATT / interface): a walk, stable under deletes */
	while ((n = store_walk(s, VRRP_HA_KIND_PMIPV6, &cursor, v, PMIP_SLICE, now)) > 0) {
		for (size_t i = 0; i < n; i++) {
			struct vrrp_ha_pmip p;
			struct vrrp_ha_pmip_buf b;
			struct vrrp_ha_record d;

			if (vrrp_ha_pmip_from_record(&v[i], &p) ||
			    !vrrp_ha_pmip_match(&p, mnid, mnid_len, att, llid, llid_len))
				continue;
			/* v[i] points into the store: keep a copy for the event */
			if (vrrp_ha_pmip_to_record(&p, &b, &d))
				continue;
			if (store_delete_local(s, &d.key, now) == STORE_DELETED) {
				done++;
				vrrp_ha_cnt(h)->bc_del++;
				vrrp_ha_emit_pmip(h, VRRP_HA_E_DELETED, VRRP_HA_T_BC,
				                  VRRP_HA_O_LOCAL, &d);
			}
		}
	}
	return done;
}

size_t vrrp_ha_pmip_count(struct vrrp_ha *h, bool bc)
{
	struct vrrp_ha_rbc *t = bc ? vrrp_ha_get_bc(h) : vrrp_ha_get_rbc(h);

	return t ? store_count(rbc_store(t), VRRP_HA_KIND_PMIPV6) : 0;
}
