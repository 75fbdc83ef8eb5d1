/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * resync.c - the State Synchronization Request (HARP 6.1.3, 7.5;
 * resync.h): a backup asks the master for a few mobile nodes' bindings.
 *
 *   request  REQUEST {id, what KEYS, table MIPV6, responder ::} + KEYS
 *            records (the HoAs), to the master followed, unicast;
 *   answer   one or more messages SYNC {id, phase KEYS, records in this
 *            message} + a MIPV6 record (options included) per HoA held +
 *            a KEYS record flagged NONE per HoA not held.
 *
 * The asker applies the records as the reference (the master's record
 * replaces its own whatever the sequence numbers) and drops its own
 * binding of a HoA answered NONE. Requests are rate limited per sender
 * like every request (answer.c); ours are retried with back-off. A record
 * from the followed master refused as stale (the master holds an older
 * version than we do: a re-registration whose NEW marker was lost) is
 * asked for on our own, at most one request a second.
 * Wire: docs/protocol.md "KEYS"; behaviour: docs/attachments.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <syslog.h>

#include "repl/repl_int.h"
#include "vrrp_ha/rbc.h"

#define RESYNC_TIMEOUT_MS 500
#define RESYNC_TRIES      4 /* 0.5 + 1 + 2 + 4 s */
#define RESYNC_AUTO_EVERY 1000
/* offset of SYNC's records field in an answer message (header, section
 * header, then id u32, phase, kind, flags u16) */
#define SYNC_RECORDS_OFF (VRRP_HA_EXT_HDR_LEN + VRRP_HA_EXT_SEC_HDR_LEN + 8)

#define RCTR(f)                                                                                    \
	{                                                                                          \
#f, offsetof(struct resync_counters, f), false                                     \
	}
static const struct vrrp_ha_counter_def rs_defs[] = {
        RCTR(sent),      RCTR(answered),    RCTR(timeouts),   RCTR(keys_present),
        RCTR(keys_none), RCTR(dropped),     RCTR(auto_asked), RCTR(auto_over),
        RCTR(served),    RCTR(served_keys), RCTR(unmatched),
};

static const void *rs_block(const void *arg)
{
	return &((const struct repl *)arg)->rs.cnt;
}

int resync_register_counters(struct repl *r, struct vrrp_ha_counters_reg *reg)
{
	return vrrp_ha_counters_add_table(reg, "sync", "resync_", rs_defs,
	                                  sizeof(rs_defs) / sizeof(rs_defs[0]), rs_block, r);
}

/* ---- asking ------------------------------------------------------------- */

static int send_req(struct repl *r, struct resync_req *q)
{
	uint8_t buf[VRRP_HA_EXT_HDR_LEN + 2 * VRRP_HA_EXT_SEC_HDR_LEN + VRRP_HA_EXT_REQUEST_LEN +
	            VRRP_HA_EXT_MAX_KEYS * VRRP_HA_EXT_KEYS_LEN];
	struct vrrp_ha_ext_request rq = {
	        .req_id = q->id, .what = VRRP_HA_EXT_REQ_KEYS, .table_kind = VRRP_HA_EXT_K_MIPV6};
	struct vrrp_ha_ext_wr x;
	size_t len;

	if (vrrp_ha_ext_begin(&x, buf, sizeof(buf), vrrp_ha_vrid(r->h)) ||
	    vrrp_ha_ext_put_request(&x, &rq))
		return -1;
	for (unsigned i = 0; i < q->n; i++) {
		struct vrrp_ha_ext_keys k = {.table_kind = VRRP_HA_EXT_K_MIPV6, .hoa = q->keys[i]};

		if (q->st[i] == VRRP_HA_RESYNC_PENDING && vrrp_ha_ext_put_keys(&x, &k))
			return -1;
	}
	len = vrrp_ha_ext_finish(&x);
	r->rs.cnt.sent++;
	return len && repl_send_now(r, buf, len, &q->to) == 0 ? 0 : -1;
}

static struct resync_req *slot_of(struct repl *r, uint32_t id)
{
	for (unsigned i = 0; i < RESYNC_SLOTS; i++)
		if (r->rs.q[i].used && r->rs.q[i].id == id)
			return &r->rs.q[i];
	return NULL;
}

static void done(struct repl *r, struct resync_req *q, int result)
{
	vrrp_ha_resync_cb cb = q->cb;
	void *arg = q->arg;
	struct resync_req copy = *q;

	if (result)
		r->rs.cnt.timeouts++;
	else
		r->rs.cnt.answered++;
	q->used = false;
	if (cb)
		cb(arg, copy.id, copy.keys, copy.st, copy.n, result);
}

static int start(struct repl *r, const struct in6_addr *keys, unsigned n, bool autoreq,
                 vrrp_ha_resync_cb cb, void *arg, uint32_t *id)
{
	uint64_t now = vrrp_ha_now(r->h);
	struct resync_req *q = NULL;
	struct in6_addr m;

	if (!n || n > VRRP_HA_EXT_MAX_KEYS)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		if (vrrp_ha_addr_unusable(&keys[i]))
			return -EINVAL;
	if (!repl_ext_active(r))
		return -EOPNOTSUPP;
	if (vrrp_ha_get_state(r->h) != VRRP_HA_ST_BACKUP)
		return -EPERM;
	if (!vrrp_ha_master_addr(r->h, &m))
		return -ENOTCONN;
	for (unsigned i = 0; i < RESYNC_SLOTS && !q; i++)
		if (!r->rs.q[i].used)
			q = &r->rs.q[i];
	if (!q)
		return -EBUSY;
	memset(q, 0, sizeof(*q));
	q->used = true;
	q->autoreq = autoreq;
	q->id = r->f.next_id++;
	if (!r->f.next_id)
		r->f.next_id = 1;
	q->to = m;
	q->n = q->left = n;
	memcpy(q->keys, keys, n * sizeof(keys[0]));
	q->cb = cb;
	q->arg = arg;
	q->tries = 1;
	q->deadline = now + RESYNC_TIMEOUT_MS;
	if (id)
		*id = q->id;
	send_req(r, q); /* a send error is retried like a loss */
	vrrp_ha_arm_at(r->h, q->deadline);
	return 0;
}

int vrrp_ha_resync(struct vrrp_ha *h, const struct in6_addr *keys, unsigned n, vrrp_ha_resync_cb cb,
                   void *arg, uint32_t *id)
{
	struct repl *r = vrrp_ha_module_state(h, &vrrp_ha_mod_repl);

	if (!r)
		return -EOPNOTSUPP;
	return start(r, keys, n, false, cb, arg, id);
}

void vrrp_ha_resync_cancel(struct vrrp_ha *h, uint32_t id)
{
	struct repl *r = vrrp_ha_module_state(h, &vrrp_ha_mod_repl);
	struct resync_req *q = r ? slot_of(r, id) : NULL;

	if (q)
		q->used = false;
}

void resync_on_stale(struct repl *r, const struct in6_addr *hoa, uint64_t now)
{
	struct resync *rs = &r->rs;

	(void)now;
	for (unsigned i = 0; i < rs->npend; i++)
		if (addr_eq(&rs->pend[i], hoa))
			return;
	if (rs->npend == VRRP_HA_EXT_MAX_KEYS) {
		rs->cnt.auto_over++;
		return;
	}
	rs->pend[rs->npend++] = *hoa;
	vrrp_ha_arm_us(r->h, 0);
}

void resync_timer(struct repl *r, uint64_t now, uint64_t *next)
{
	struct resync *rs = &r->rs;

	for (unsigned i = 0; i < RESYNC_SLOTS; i++) {
		struct resync_req *q = &rs->q[i];

		if (!q->used)
			continue;
		if (now >= q->deadline) {
			struct in6_addr m;

			if (q->tries >= RESYNC_TRIES ||
			    vrrp_ha_get_state(r->h) != VRRP_HA_ST_BACKUP) {
				done(r, q, -ETIMEDOUT);
				continue;
			}
			/* the master may have changed: ask the one followed now */
			if (vrrp_ha_master_addr(r->h, &m))
				q->to = m;
			q->deadline = now + ((uint64_t)RESYNC_TIMEOUT_MS << q->tries);
			q->tries++;
			send_req(r, q);
		}
		if (q->deadline < *next)
			*next = q->deadline;
	}
	if (rs->npend) {
		if (now < rs->auto_next_ms) {
			if (rs->auto_next_ms < *next)
				*next = rs->auto_next_ms;
			return;
		}
		if (start(r, rs->pend, rs->npend, true, NULL, NULL, NULL) == 0) {
			rs->cnt.auto_asked += rs->npend;
			rs->auto_next_ms = now + RESYNC_AUTO_EVERY;
		} else {
			rs->cnt.auto_over += rs->npend;
		}
		rs->npend = 0;
	}
}

void resync_reset(struct repl *r)
{
	for (unsigned i = 0; i < RESYNC_SLOTS; i++)
		if (r->rs.q[i].used)
			done(r, &r->rs.q[i], -ETIMEDOUT);
	r->rs.npend = 0;
}

bool resync_is_answer(const struct repl *r, const struct in6_addr *src,
                      const struct vrrp_ha_ext_sync *s)
{
	for (unsigned i = 0; i < RESYNC_SLOTS; i++) {
		const struct resync_req *q = &r->rs.q[i];

		if (q->used && q->id == s->req_id && addr_eq(&q->to, src))
			return true;
	}
	return false;
}

static void mark(struct resync_req *q, const struct in6_addr *k, uint8_t st)
{
	for (unsigned i = 0; i < q->n; i++)
		if (q->st[i] == VRRP_HA_RESYNC_PENDING && addr_eq(&q->keys[i], k)) {
			q->st[i] = st;
			q->left--;
			return;
		}
}

void resync_on_answer(struct repl *r, const struct in6_addr *src, uint32_t id,
                      const struct in6_addr *present, unsigned np, const struct in6_addr *none,
                      unsigned nn, struct vrrp_ha_rbc *t, enum vrrp_ha_table tid, uint64_t now)
{
	struct resync_req *q = slot_of(r, id);

	if (!q || !addr_eq(&q->to, src)) {
		r->rs.cnt.unmatched++;
		return;
	}
	for (unsigned i = 0; i < np; i++) {
		r->rs.cnt.keys_present++;
		mark(q, &present[i], VRRP_HA_RESYNC_PRESENT);
	}
	for (unsigned i = 0; i < nn; i++) {
		struct rbc_view v;

		r->rs.cnt.keys_none++;
		mark(q, &none[i], VRRP_HA_RESYNC_NONE);
		/* the reference holds nothing for it: ours goes, as a peer
		 * delete of its own sequence number (a tombstone) */
		if (t && rbc_lookup(t, &none[i], now, &v)) {
			struct vrrp_ha_binding b = {.hoa = v.hoa,
			                            .coa = v.coa,
			                            .lifetime = 0,
			                            .seq = v.seq,
			                            .flags = v.flags};

			if (rbc_apply(t, &b, now) == RBC_DELETED) {
				r->rs.cnt.dropped++;
				v.lifetime_s = 0;
				vrrp_ha_emit_binding(r->h, VRRP_HA_E_DELETED, tid, VRRP_HA_O_PEER,
				                     &v);
			}
		}
	}
	if (!q->left)
		done(r, q, 0);
}

/* ---- answering ---------------------------------------------------------- */

/* Stage the message in scratch (x) with k answers to dst. Returns: 0, -1. */
static int stage_answer(struct repl *r, struct vrrp_ha_ext_wr *x, unsigned k, bool unicast,
                        const struct in6_addr *dst)
{
	size_t len = vrrp_ha_ext_finish(x);

	if (!len)
		return -1;
	/* the number of answers in this message, known only now */
	r->scratch[SYNC_RECORDS_OFF] = (uint8_t)(k >> 24);
	r->scratch[SYNC_RECORDS_OFF + 1] = (uint8_t)(k >> 16);
	r->scratch[SYNC_RECORDS_OFF + 2] = (uint8_t)(k >> 8);
	r->scratch[SYNC_RECORDS_OFF + 3] = (uint8_t)k;
	return repl_stage_ext(r, len, k, unicast, dst);
}

static int begin_answer(struct repl *r, struct vrrp_ha_ext_wr *x, uint32_t id)
{
	struct vrrp_ha_ext_sync s = {
	        .req_id = id, .phase = VRRP_HA_EXT_SYNC_KEYS, .table_kind = VRRP_HA_EXT_K_MIPV6};

	return repl_ext_begin(r, x) || vrrp_ha_ext_put_sync(x, &s) ? -1 : 0;
}

/* One key's answer into x: its record (options included) or NONE.
 * Returns: as vrrp_ha_ext_put_raw. */
static int put_answer(struct repl *r, struct vrrp_ha_ext_wr *x, const struct in6_addr *hoa,
                      uint64_t now)
{
	struct vrrp_ha_rbc *t = vrrp_ha_send_table(r->h);
	struct rbc_view v;
	const uint8_t *opts;
	size_t ol;

	if (t && rbc_lookup(t, hoa, now, &v) && v.lifetime_s) {
		struct vrrp_ha_binding b = {
		        .hoa = v.hoa, .coa = v.coa, .seq = v.seq, .flags = v.flags};
		uint32_t units =
		        (v.lifetime_s + VRRP_HA_LIFETIME_UNIT_S - 1) / VRRP_HA_LIFETIME_UNIT_S;

		b.lifetime = (uint16_t)(units > UINT16_MAX ? UINT16_MAX : units ? units : 1);
		rbc_lookup_opts(t, hoa, now, &opts, &ol);
		return vrrp_ha_ext_put_mipv6(x, &b, opts, ol);
	} else {
		struct vrrp_ha_ext_keys k = {.table_kind = VRRP_HA_EXT_K_MIPV6,
		                             .flags = VRRP_HA_EXT_KEYS_NONE,
		                             .hoa = *hoa};

		return vrrp_ha_ext_put_keys(x, &k);
	}
}

void resync_on_request(struct repl *r, const struct in6_addr *src,
                       const struct vrrp_ha_ext_request *q, const struct in6_addr *keys,
                       unsigned nkeys, bool over, uint64_t now)
{
	static const struct in6_addr any;
	const struct vrrp_ha_ops *ops = vrrp_ha_host_ops(r->h);
	struct vrrp_ha_counters *c = repl_cnt(r);
	bool unicast = ops->send_to != NULL;
	struct vrrp_ha_ext_wr x;
	unsigned k = 0, i = 0;

	/* the master answers for "the master", a named node for itself */
	if (addr_eq(&q->responder, &any) ? !repl_can_serve(r, now)
	                                 : !addr_eq(&q->responder, &repl_cfg(r)->own_ll)) {
		c->rx_request_ignored++;
		return;
	}
	if (q->table_kind != VRRP_HA_EXT_K_MIPV6 || !nkeys || over) {
		c->rx_request_ignored++;
		return;
	}
	if (!answer_rate_ok(r, src, now)) {
		answer_rate_drop(r, src);
		return;
	}
	c->rx_request++;
	r->rs.cnt.served++;
	if (begin_answer(r, &x, q->req_id))
		return;
	while (i < nkeys) {
		int rc = put_answer(r, &x, &keys[i], now);

		if (rc == 0) {
			k++;
			i++;
			continue;
		}
		if (rc != -ENOSPC || !k) {
			/* a record no message can hold: skipped, the asker's
			 * retry gets no further for it */
			c->tx_errors++;
			i++;
			continue;
		}
		if (stage_answer(r, &x, k, unicast, src) || begin_answer(r, &x, q->req_id)) {
			c->tx_errors++;
			return;
		}
		r->rs.cnt.served_keys += k;
		k = 0;
	}
	if (k) {
		if (stage_answer(r, &x, k, unicast, src))
			c->tx_errors++;
		else
			r->rs.cnt.served_keys += k;
	}
	vrrp_ha_arm_us(r->h, 0);
}
