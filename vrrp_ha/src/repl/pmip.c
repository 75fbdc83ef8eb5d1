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

/* Is this record part of the answer to our own fetch, the reference
 * (fetch.c's rule for MIPv6 records: a non-owner takes the answerer's
 * version; an owner merges)? */
static bool is_reference(struct repl *r, unsigned bucket, bool from_source)
{
	struct fetch *f = &r->f;

	return ((from_source && f->active && f->started && !f->legacy &&
	         bmap_test(f->want, bucket)) ||
	        r->rx_reference) &&
	       !vrrp_ha_is_owner(r->h);
}

void repl_pmip_rx(struct repl *r, struct vrrp_ha_rbc *t, enum vrrp_ha_table tid, bool restore,
                  const struct vrrp_ha_ext_pmipv6 *e, bool from_source, uint64_t now)
{
	struct vrrp_ha_store *s = rbc_store(t);
	struct fetch *f = &r->f;
	struct vrrp_ha_pmip p;
	struct vrrp_ha_pmip_buf b;
	struct vrrp_ha_record rec, have;
	enum store_result res;
	unsigned bucket;
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
	bucket = store_bucket_of(&rec.key);
	if (is_reference(r, bucket, from_source)) {
		bool overrode = false;

		res = store_apply_sync(s, &rec, now, &overrode);
		if (overrode)
			repl_cnt(r)->sync_overrides++;
	} else {
		res = store_apply(s, &rec, now);
	}
	if (from_source && f->active && f->started && bmap_test(f->want, bucket)) {
		/* as fetch.c's source_record(): counted and marked */
		f->records++;
		f->last_rx = now;
		if (res == STORE_ADDED || res == STORE_UPDATED || res == STORE_DELETED)
			bmap_set(f->changed, bucket);
		if (rec.lifetime_s && f->what == VRRP_HA_EXT_REQ_RECORDS)
			store_mark(s, &rec.key, now);
	}
	/* a change since a proof, in a bucket waiting for the sweep: kept */
	if (f->active && rec.lifetime_s && bmap_test(f->sweep, bucket))
		store_mark(s, &rec.key, now);
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
		/* the owner takes a binding back (draft-deng 4.2.2) */
		repl_cnt(r)->restored++;
		vrrp_ha_emit_pmip(r->h, VRRP_HA_E_RESTORED, tid, VRRP_HA_O_PEER, &have);
	}
}

/* ---- framed answers, sweeps, digests ------------------------------------ */

/* Records examined per answer step. */
#define PMIP_SCAN  256
#define PMIP_BATCH 16

size_t repl_pmip_answer_step(struct repl *r, struct answer *a, uint64_t now, bool *done)
{
	struct vrrp_ha_store *s = send_store(r);
	bool all = a->flags & VRRP_HA_EXT_SYNC_FULL;
	struct vrrp_ha_record v[PMIP_BATCH];
	struct vrrp_ha_ext_wr x;
	size_t scanned = 0, len;
	unsigned n = 0;

	*done = false;
	if (!s || !repl_ext_active(r)) {
		*done = true;
		return 0;
	}
	if (repl_ext_begin(r, &x))
		return 0;
	while (scanned < PMIP_SCAN) {
		uint64_t before = a->pcursor;
		/* a merge carries the deletes it remembers too (tombstones) */
		size_t got = a->kind == FULL_MERGE ? store_walk_all(s, VRRP_HA_KIND_PMIPV6,
		                                                    &a->pcursor, v, PMIP_BATCH, now)
		                                   : store_walk(s, VRRP_HA_KIND_PMIPV6, &a->pcursor,
		                                                v, PMIP_BATCH, now);
		size_t k;
		bool full = false;

		if (!got) {
			*done = true;
			break;
		}
		for (k = 0; k < got; k++) {
			struct vrrp_ha_pmip p;
			int rc;

			if (!all && !bmap_test(a->want, store_bucket_of(&v[k].key)))
				continue;
			if (vrrp_ha_pmip_from_record(&v[k], &p)) {
				r->pcnt.tx_errors++;
				continue;
			}
			rc = put(&x, &p);
			if (rc == -ENOSPC && n) {
				full = true;
				break;
			}
			if (rc) {
				r->pcnt.tx_errors++;
				continue;
			}
			n++;
		}
		if (full) {
			/* the walk goes on from the record that did not fit: walk
			 * again from before and skip the ones taken (a cursor is a
			 * slab index, stable while nothing changes in between) */
			uint64_t c = before;
			struct vrrp_ha_record w[PMIP_BATCH];

			a->pcursor = before;
			if (k)
				(a->kind == FULL_MERGE ? store_walk_all : store_walk)(
				        s, VRRP_HA_KIND_PMIPV6, &c, w, k, now);
			a->pcursor = k ? c : before;
			break;
		}
		scanned += got;
	}
	len = n ? vrrp_ha_ext_finish(&x) : 0;
	if (!len)
		return 0;
	if (repl_stage_ext(r, len, n, a->unicast, a->unicast ? &a->to : NULL)) {
		r->pcnt.tx_errors += n;
		return 0;
	}
	r->pcnt.tx += n;
	return n;
}

static void on_swept(void *arg, const struct vrrp_ha_record *rec)
{
	struct repl *r = arg;

	repl_cnt(r)->sync_swept++;
	vrrp_ha_emit_pmip(r->h, VRRP_HA_E_DELETED, VRRP_HA_T_RBC, VRRP_HA_O_PEER, rec);
}

size_t repl_pmip_sweep_step(struct repl *r, struct vrrp_ha_rbc *t, const uint64_t *bitmap,
                            uint64_t *cursor, size_t budget, uint64_t now)
{
	return t ? store_sweep_step(rbc_store(t), VRRP_HA_KIND_PMIPV6, bitmap, cursor, budget, now,
	                            on_swept, r)
	         : 0;
}

void repl_digest_bucket(struct vrrp_ha_rbc *t, unsigned b, bool marked, uint32_t *count,
                        uint64_t *sum)
{
	uint32_t c;
	uint64_t s;

	if (marked)
		rbc_marked_bucket(t, b, count, sum);
	else
		rbc_digest_bucket(t, b, count, sum);
	if (marked)
		store_marked_bucket(rbc_store(t), VRRP_HA_KIND_PMIPV6, b, &c, &s);
	else
		store_digest_bucket(rbc_store(t), VRRP_HA_KIND_PMIPV6, b, &c, &s);
	*count += c;
	*sum += s;
}

void repl_digest_group(struct vrrp_ha_rbc *t, unsigned g, uint32_t *count, uint64_t *sum)
{
	uint32_t c;
	uint64_t s;

	rbc_digest_group(t, g, count, sum);
	store_digest_group(rbc_store(t), VRRP_HA_KIND_PMIPV6, g, &c, &s);
	*count += c;
	*sum += s;
}

void repl_digest_total(struct vrrp_ha_rbc *t, uint32_t *count, uint64_t *sum)
{
	uint32_t c;
	uint64_t s;

	rbc_digest_total(t, count, sum);
	store_digest_total(rbc_store(t), VRRP_HA_KIND_PMIPV6, &c, &s);
	*count += c;
	*sum += s;
}

size_t repl_table_count(struct vrrp_ha_rbc *t)
{
	return t ? rbc_count(t) + store_count(rbc_store(t), VRRP_HA_KIND_PMIPV6) : 0;
}

void repl_mark_begin(struct vrrp_ha_rbc *t, const uint64_t *bitmap)
{
	rbc_mark_begin(t, bitmap);
	store_mark_begin(rbc_store(t), VRRP_HA_KIND_PMIPV6, bitmap);
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
