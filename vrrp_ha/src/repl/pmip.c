/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pmip.c - PMIPv6 proxy bindings in the replication (docs/pmipv6.md): the
 * sending table's PMIPv6 changes leave, coalesced and paced with the MIPv6
 * ones, as PMIPV6 extension records (kind 4, protected as every extension
 * message when auth is on); a peer's PMIPV6 records go through the same
 * gate as its MIPv6 records (who is heard, which table) and the store's
 * timestamp rules. draft-deng has no format for them: with extensions off
 * they do not travel (counted as pmip_tx_no_ext).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "repl/repl_int.h"
#include "vrrp_ha/codec.h"
#include "vrrp_ha/pmip.h"
#include "vrrp_ha/store.h"

static struct vrrp_ha_store *send_store(struct repl *r)
{
	struct vrrp_ha_rbc *t = vrrp_ha_send_table(r->h);

	return t ? rbc_store(t) : NULL;
}

size_t repl_pmip_dirty(struct repl *r)
{
	struct vrrp_ha_store *s = send_store(r);

	return s ? store_dirty_count(s, VRRP_HA_KIND_PMIPV6) : 0;
}

void repl_pmip_clear(struct repl *r, struct vrrp_ha_rbc *t)
{
	if (t)
		store_clear_dirty(rbc_store(t), VRRP_HA_KIND_PMIPV6);
	if (t == vrrp_ha_send_table(r->h))
		r->pmip_held_ok = false;
}

static void on_take(void *arg, const struct vrrp_ha_record *rec)
{
	struct repl *r = arg;

	r->pmip_held_ok = vrrp_ha_pmip_from_record(rec, r->pmip_held) == 0;
	if (!r->pmip_held_ok)
		r->pcnt.tx_errors++;
}

/* Put p into x. Returns: as vrrp_ha_ext_put_pmipv6. */
static int put(struct vrrp_ha_ext_wr *x, const struct vrrp_ha_pmip *p)
{
	uint8_t opts[VRRP_HA_PMIP_OPTS_MAX];
	struct vrrp_ha_ext_pmipv6 e;
	uint32_t units = (p->lifetime_s + VRRP_HA_LIFETIME_UNIT_S - 1) / VRRP_HA_LIFETIME_UNIT_S;

	memset(&e, 0, sizeof(e));
	e.lifetime = units > UINT16_MAX ? UINT16_MAX : (uint16_t)units;
	e.flags = p->flags;
	e.att = p->att;
	e.tunnel_id = p->tunnel_id;
	e.pcoa = p->pcoa.s6_addr;
	e.optlen = vrrp_ha_pmip_wire_opts(p, opts, sizeof(opts));
	e.opts = opts;
	if (!e.optlen)
		return -EINVAL;
	return vrrp_ha_ext_put_pmipv6(x, &e);
}

size_t repl_pmip_stage(struct repl *r, uint64_t now)
{
	struct vrrp_ha_store *s = send_store(r);
	struct vrrp_ha_ext_wr x;
	unsigned n = 0;
	size_t len;

	if (!s)
		return 0;
	if (!repl_ext_active(r)) {
		/* draft-deng 4.3.3 carries a HoA and a CoA only */
		r->pcnt.tx_no_ext += store_dirty_count(s, VRRP_HA_KIND_PMIPV6);
		store_clear_dirty(s, VRRP_HA_KIND_PMIPV6);
		r->pmip_held_ok = false;
		return 0;
	}
	if (!r->pmip_held && !(r->pmip_held = malloc(sizeof(*r->pmip_held))))
		return 0;
	if (repl_ext_begin(r, &x))
		return 0;
	for (;;) {
		int rc;

		if (!r->pmip_held_ok) {
			if (!store_take_dirty(s, VRRP_HA_KIND_PMIPV6, 1, now, on_take, r))
				break;
			if (!r->pmip_held_ok)
				continue;
		}
		rc = put(&x, r->pmip_held);
		if (rc == -ENOSPC && n)
			break; /* the next message starts with it */
		r->pmip_held_ok = false;
		if (rc) {
			r->pcnt.tx_errors++;
			continue;
		}
		n++;
	}
	len = n ? vrrp_ha_ext_finish(&x) : 0;
	if (!len)
		return 0;
	if (repl_stage_ext(r, len, n, false, NULL)) {
		r->pcnt.tx_errors += n;
		return 0;
	}
	r->pcnt.tx += n;
	return n;
}

void repl_pmip_rx(struct repl *r, struct vrrp_ha_rbc *t, enum vrrp_ha_table tid, bool restore,
                  const struct vrrp_ha_ext_pmipv6 *e, uint64_t now)
{
	struct vrrp_ha_store *s = rbc_store(t);
	struct vrrp_ha_pmip p;
	struct vrrp_ha_pmip_buf b;
	struct vrrp_ha_record rec, have;
	enum store_result res;
	int type;

	if (vrrp_ha_pmip_from_ext(e, &p) || vrrp_ha_pmip_to_record(&p, &b, &rec)) {
		r->pcnt.rx_invalid++;
		return;
	}
	r->pcnt.rx++;
	if (rec.lifetime_s && store_count(s, 0) >= repl_cfg(r)->max_bindings &&
	    !store_lookup(s, &rec.key, now, NULL)) {
		repl_cnt(r)->rx_rec_over_limit++;
		return;
	}
	res = store_apply(s, &rec, now);
	switch (res) {
	case STORE_STALE:
		r->pcnt.rx_stale++;
		return;
	case STORE_INVALID:
	case STORE_NOMEM:
		r->pcnt.rx_invalid++;
		return;
	default:
		break;
	}
	type = vrrp_ha_result_event((enum rbc_result)res);
	if (type < 0)
		return;
	if (type == VRRP_HA_E_DELETED) {
		vrrp_ha_emit_pmip(r->h, VRRP_HA_E_DELETED, tid, VRRP_HA_O_PEER, &rec);
		return;
	}
	if (!store_lookup(s, &rec.key, now, &have))
		return;
	vrrp_ha_emit_pmip(r->h, (enum vrrp_ha_event_type)type, tid, VRRP_HA_O_PEER, &have);
	if (restore && (res == STORE_ADDED || res == STORE_UPDATED)) {
		repl_cnt(r)->restored++;
		vrrp_ha_emit_pmip(r->h, VRRP_HA_E_RESTORED, tid, VRRP_HA_O_PEER, &have);
	}
}

static const void *pcnt_block(const void *arg)
{
	return &((const struct repl *)arg)->pcnt;
}

#define PC(f)                                                                                      \
	{                                                                                          \
#f, offsetof(struct pmip_counters, f), false                                       \
	}
static const struct vrrp_ha_counter_def pcnt_defs[] = {
        PC(tx), PC(tx_no_ext), PC(tx_errors), PC(rx), PC(rx_stale), PC(rx_invalid),
};
#undef PC

int repl_pmip_register(struct repl *r, struct vrrp_ha_counters_reg *reg)
{
	return vrrp_ha_counters_add_table(reg, "sync", "pmip_", pcnt_defs,
	                                  sizeof(pcnt_defs) / sizeof(pcnt_defs[0]), pcnt_block, r);
}

void repl_pmip_free(struct repl *r)
{
	free(r->pmip_held);
	r->pmip_held = NULL;
}
