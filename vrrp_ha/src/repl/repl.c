/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * repl.c - the replication engine: the per-state rules of draft-deng 4.2,
 * receive validation (docs/protocol.md order), BC_REQUEST with retries,
 * whole-table answers, paced and coalesced BC_UPDATEs, answer grace, the
 * periodic refresh, and the sync events.
 *
 * It is the source of every peer-made change to a table (one event each)
 * and a subscriber of the local daemon's changes and of full recovery's
 * deletions, which it sends on.
 */
#include "core/internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

/* A packet the kernel refused (ENOBUFS, EAGAIN) is retried this many ticks. */
#define PENDING_RETRIES 200

struct repl {
	struct vrrp_ha *h;
	uint64_t left_master_ms; /* when we last left MASTER (0 = never master) */

	/* BC_REQUEST we sent (draft-deng 4.2.1) and are waiting on */
	bool request_pending;
	unsigned request_tries;
	uint64_t request_deadline;
	uint64_t restore_until; /* owner master: accept BC_UPDATE as restore */

	/* the receiving side of a sync we asked for: complete once updates
	 * stop for request_timeout_ms */
	bool rx_sync;
	bool diverged; /* the last sync we asked for got no answer */
	uint64_t rx_sync_start, rx_sync_last, rx_sync_records;

	/* whole-table answer to a BC_REQUEST (draft-deng 4.2.3 fourth bullet) */
	bool full_active;
	uint64_t full_cursor;
	bool full_wrap;        /* a later request came in: wrap once ... */
	uint64_t full_stop_at; /* ... and stop when the cursor reaches this */
	bool full_wrapped;
	uint64_t full_start_ms, full_records;
	const char *full_why;

	/* periodic whole-table refresh: repairs a backup that lost an update */
	uint64_t next_refresh_ms;

	/* incremental changes are held coalesce_ms before sending */
	uint64_t dirty_since;

	/* a packet the kernel refused for now */
	uint8_t *pkt;
	size_t pkt_cap;
	size_t pending_len;
	unsigned pending_tries;
	struct vrrp_ha_binding *recs;
	unsigned recs_per_pkt;

	struct vrrp_ha_ratelog rl[VRRP_HA_R__COUNT];
	struct vrrp_ha_ratelog rl_misc;
};

static const struct vrrp_ha_config *cfg_of(const struct repl *r)
{
	return vrrp_ha_config(r->h);
}

static struct vrrp_ha_counters *cnt_of(struct repl *r)
{
	return vrrp_ha_cnt(r->h);
}

static void drop(struct repl *r, enum vrrp_ha_reason why, const struct in6_addr *src,
                 const char *detail)
{
	char a[INET6_ADDRSTRLEN] = "?";
	uint64_t sup;

	cnt_of(r)->rx_reason[why]++;
	if (!vrrp_ha_ratelog_ok(r->h, &r->rl[why], &sup))
		return;
	if (src)
		inet_ntop(AF_INET6, src, a, sizeof(a));
	vrrp_ha_logf(r->h, LOG_WARNING,
	             "dropped BC packet from %s: %s%s%s (%" PRIu64 " more suppressed)", a,
	             vrrp_ha_reason_name(why), detail ? ": " : "", detail ? detail : "", sup);
}

static bool can_send(const struct repl *r, uint64_t now)
{
	if (vrrp_ha_get_state(r->h) == VRRP_HA_ST_MASTER)
		return true;
	/* a master that just lost the election still finishes answering a
	 * request: the new owner may have asked before we saw its advert */
	return r->left_master_ms && now - r->left_master_ms < cfg_of(r)->answer_grace_ms;
}

static int alloc_buffers(struct repl *r)
{
	unsigned mtu = cfg_of(r)->mtu, n = vrrp_ha_records_per_mtu(mtu ? mtu : 1500);
	size_t cap;
	struct vrrp_ha_binding *recs;
	uint8_t *pkt;

	if (!n)
		n = 1;
	cap = VRRP_HA_HDR_LEN + (size_t)n * VRRP_HA_REC_LEN;
	if (n == r->recs_per_pkt && r->pkt)
		return 0;
	pkt = malloc(cap);
	recs = calloc(n, sizeof(*recs));
	if (!pkt || !recs) {
		free(pkt);
		free(recs);
		return -1;
	}
	free(r->pkt);
	free(r->recs);
	r->pkt = pkt;
	r->recs = recs;
	r->pkt_cap = cap;
	r->recs_per_pkt = n;
	r->pending_len = 0;
	return 0;
}

/* ---- sync events ------------------------------------------------------ */

static void sync_event(struct repl *r, enum vrrp_ha_event_type type, const char *detail,
                       uint64_t count, uint64_t duration_ms)
{
	struct vrrp_ha_event ev = {
	        .type = type, .count = count, .duration_ms = duration_ms, .detail = detail};

	if (type == VRRP_HA_E_SYNC_COMPLETE)
		cnt_of(r)->sync_complete++;
	else if (type == VRRP_HA_E_SYNC_DIVERGED)
		cnt_of(r)->sync_diverged++;
	if (detail && !strcmp(detail, "request"))
		r->diverged = false;
	if (type == VRRP_HA_E_SYNC_DIVERGED)
		r->diverged = true;
	vrrp_ha_emit(r->h, &ev);
}

/* The receiving side: an update answered our request. */
static void rx_sync_progress(struct repl *r, uint64_t now, unsigned records)
{
	if (!r->rx_sync)
		return;
	r->rx_sync_last = now;
	r->rx_sync_records += records;
}

static void rx_sync_check(struct repl *r, uint64_t now, uint64_t *next)
{
	uint64_t quiet_at;

	if (!r->rx_sync || r->request_pending)
		return;
	quiet_at = r->rx_sync_last + cfg_of(r)->request_timeout_ms;
	if (now >= quiet_at) {
		r->rx_sync = false;
		sync_event(r, VRRP_HA_E_SYNC_COMPLETE, "request", r->rx_sync_records,
		           r->rx_sync_last - r->rx_sync_start);
	} else if (quiet_at < *next) {
		*next = quiet_at;
	}
}

/* ---- sending ---------------------------------------------------------- */

static int host_send(struct repl *r, const uint8_t *pkt, size_t len)
{
	const struct vrrp_ha_ops *ops = vrrp_ha_host_ops(r->h);

	if (!ops->send) {
		errno = ENOTSUP;
		return -1;
	}
	return ops->send(vrrp_ha_host_ctx(r->h), pkt, len);
}

static void send_request(struct repl *r)
{
	uint8_t buf[VRRP_HA_HDR_LEN];
	size_t n = vrrp_ha_encode_request(buf, sizeof(buf), vrrp_ha_vrid(r->h));

	if (host_send(r, buf, n) < 0) {
		cnt_of(r)->tx_errors++;
		vrrp_ha_logf(r->h, LOG_WARNING, "sending BC_REQUEST failed: %s", strerror(errno));
	} else {
		cnt_of(r)->tx_request++;
	}
}

static void start_request(struct repl *r)
{
	uint64_t now = vrrp_ha_now(r->h);

	r->request_pending = true;
	r->request_tries = 1;
	r->request_deadline = now + cfg_of(r)->request_timeout_ms;
	if (vrrp_ha_is_owner(r->h))
		r->restore_until = now + cfg_of(r)->restore_window_ms;
	r->rx_sync = true;
	r->rx_sync_start = r->rx_sync_last = now;
	r->rx_sync_records = 0;
	sync_event(r, VRRP_HA_E_SYNC_STARTED, "request", 0, 0);
	send_request(r);
	vrrp_ha_arm_at(r->h, r->request_deadline);
}

/* Try to send the packet in r->pkt. Returns: true if it left (or was
 * dropped for good), false if the kernel wants us to wait. */
static bool flush_pending(struct repl *r)
{
	unsigned recs;

	if (!r->pending_len)
		return true;
	recs = (unsigned)((r->pending_len - VRRP_HA_HDR_LEN) / VRRP_HA_REC_LEN);
	if (host_send(r, r->pkt, r->pending_len) == 0) {
		cnt_of(r)->tx_update++;
		cnt_of(r)->tx_records += recs;
		r->pending_len = 0;
		r->pending_tries = 0;
		return true;
	}
	if ((errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS || errno == EINTR) &&
	    ++r->pending_tries < PENDING_RETRIES) {
		cnt_of(r)->tx_retries++;
		return false;
	}
	/* a hard error (or the kernel refused for too long): count, log, drop;
	 * the next whole-table answer or the peers' BC_REQUEST repairs it */
	cnt_of(r)->tx_errors++;
	{
		uint64_t sup;
		int e = errno;

		if (vrrp_ha_ratelog_ok(r->h, &r->rl_misc, &sup))
			vrrp_ha_logf(r->h, LOG_ERR,
			             "BC_UPDATE with %u bindings not sent: %s (%" PRIu64
			             " more suppressed)",
			             recs, strerror(e), sup);
	}
	r->pending_len = 0;
	r->pending_tries = 0;
	return true;
}

/* Returns: the number of records staged (0 = nothing to send). */
static size_t stage_packet(struct repl *r, size_t nrec)
{
	r->pending_len = vrrp_ha_encode_update(r->pkt, r->pkt_cap, vrrp_ha_vrid(r->h), r->recs,
	                                       (unsigned)nrec);
	r->pending_tries = 0;
	return nrec;
}

static void full_done(struct repl *r, uint64_t now)
{
	r->full_active = false;
	sync_event(r, VRRP_HA_E_SYNC_COMPLETE, r->full_why, r->full_records,
	           now - r->full_start_ms);
}

/* One more packet of the whole-table answer. Returns: records staged. */
static size_t stage_full(struct repl *r, uint64_t now)
{
	struct vrrp_ha_rbc *t = vrrp_ha_send_table(r->h);
	size_t n;

	for (;;) {
		n = rbc_walk(t, &r->full_cursor, r->recs, r->recs_per_pkt, now);
		r->full_records += n;
		if (r->full_wrapped && r->full_cursor >= r->full_stop_at) {
			/* second lap reached where the later request came in */
			full_done(r, now);
			return n ? stage_packet(r, n) : 0;
		}
		if (n)
			return stage_packet(r, n);
		if (r->full_wrap && !r->full_wrapped) {
			r->full_wrapped = true;
			r->full_cursor = 0;
			continue;
		}
		full_done(r, now);
		return 0;
	}
}

static void start_full(struct repl *r, const char *why)
{
	if (r->full_active) {
		/* someone else asked in the middle of a walk: go round once more,
		 * up to where we are now */
		if (!r->full_wrap) {
			r->full_wrap = true;
			r->full_wrapped = false;
			r->full_stop_at = r->full_cursor;
		}
		return;
	}
	r->full_active = true;
	r->full_cursor = 0;
	r->full_wrap = r->full_wrapped = false;
	r->full_start_ms = vrrp_ha_now(r->h);
	r->full_records = 0;
	r->full_why = why;
	cnt_of(r)->full_syncs++;
	sync_event(r, VRRP_HA_E_SYNC_STARTED, why, rbc_count(vrrp_ha_send_table(r->h)), 0);
}

/* Send up to burst_packets packets. Returns: true if more is waiting. */
static bool send_burst(struct repl *r, uint64_t now)
{
	struct vrrp_ha_rbc *t = vrrp_ha_send_table(r->h);
	unsigned sent = 0;

	while (sent < cfg_of(r)->burst_packets) {
		if (!flush_pending(r))
			return true;
		if (rbc_dirty_count(t) &&
		    (now - r->dirty_since >= cfg_of(r)->coalesce_ms || r->full_active)) {
			size_t n = rbc_take_dirty(t, r->recs, r->recs_per_pkt, now);

			if (n)
				stage_packet(r, n);
			if (!rbc_dirty_count(t))
				r->dirty_since = 0;
		} else if (r->full_active) {
			stage_full(r, now);
		}
		if (!r->pending_len)
			break;
		sent++;
	}
	if (!flush_pending(r))
		return true;
	return r->full_active || rbc_dirty_count(t) || r->pending_len;
}

/* Time to the next pacing tick: pace_us after the previous burst started,
 * so the time spent sending is not added to every period. */
static uint64_t pace_delay_us(const struct repl *r, uint64_t burst_start_us)
{
	const struct vrrp_ha_ops *ops = vrrp_ha_host_ops(r->h);
	uint64_t spent, pace = cfg_of(r)->pace_us;

	if (!ops->now_us || !burst_start_us)
		return pace;
	spent = ops->now_us(vrrp_ha_host_ctx(r->h)) - burst_start_us;
	return spent >= pace ? 0 : pace - spent;
}

/* ---- receiving -------------------------------------------------------- */

static void count_result(struct repl *r, enum rbc_result res)
{
	struct vrrp_ha_counters *c = cnt_of(r);

	switch (res) {
	case RBC_ADDED:
		c->rx_rec_added++;
		break;
	case RBC_UPDATED:
		c->rx_rec_updated++;
		break;
	case RBC_REFRESHED:
		c->rx_rec_refreshed++;
		break;
	case RBC_DELETED:
		c->rx_rec_deleted++;
		break;
	case RBC_STALE:
		c->rx_rec_stale++;
		break;
	case RBC_NOT_FOUND:
		c->rx_rec_unknown_delete++;
		break;
	case RBC_NOMEM:
		c->rx_rec_nomem++;
		break;
	}
}

/* One event for what applying a peer's record did to table t. */
static void peer_event(struct repl *r, struct vrrp_ha_rbc *t, enum vrrp_ha_table tid,
                       const struct vrrp_ha_binding *b, enum rbc_result res, bool restore,
                       uint64_t now)
{
	struct rbc_view v;
	int type = vrrp_ha_result_event(res);

	if (type < 0)
		return;
	if (type == VRRP_HA_E_DELETED) {
		memset(&v, 0, sizeof(v));
		v.hoa = b->hoa;
		v.coa = b->coa;
		v.seq = b->seq;
		v.flags = b->flags;
		vrrp_ha_emit_binding(r->h, VRRP_HA_E_DELETED, tid, VRRP_HA_O_PEER, &v);
		return;
	}
	if (!rbc_lookup(t, &b->hoa, now, &v))
		return;
	vrrp_ha_emit_binding(r->h, (enum vrrp_ha_event_type)type, tid, VRRP_HA_O_PEER, &v);
	if (restore && (res == RBC_ADDED || res == RBC_UPDATED)) {
		/* the owner takes a binding back (draft-deng 4.2.2) */
		cnt_of(r)->restored++;
		vrrp_ha_emit_binding(r->h, VRRP_HA_E_RESTORED, tid, VRRP_HA_O_PEER, &v);
	}
}

static void rx_update(struct repl *r, const uint8_t *pkt, size_t len, const struct vrrp_ha_hdr *hd,
                      const struct in6_addr *src)
{
	struct vrrp_ha *h = r->h;
	struct vrrp_ha_counters *c = cnt_of(r);
	uint64_t now = vrrp_ha_now(h);
	bool restore, owner = vrrp_ha_is_owner(h);
	struct vrrp_ha_rbc *t;
	enum vrrp_ha_table tid;
	unsigned i;

	if (vrrp_ha_get_state(h) == VRRP_HA_ST_MASTER) {
		/* only the owner, right after asking, takes updates as master */
		if (!(owner && now < r->restore_until)) {
			c->rx_update_ignored++;
			return;
		}
		restore = true;
	} else {
		/* BACKUP: owner -> daemon's binding cache, else -> RBC (4.2.2) */
		restore = owner;
	}
	t = restore ? vrrp_ha_get_bc(h) : vrrp_ha_get_rbc(h);
	tid = restore ? VRRP_HA_T_BC : VRRP_HA_T_RBC;
	c->rx_update++;
	c->rx_reason[VRRP_HA_OK]++;
	r->request_pending = false;
	rx_sync_progress(r, now, hd->count);

	for (i = 0; i < hd->count; i++) {
		struct vrrp_ha_binding b;
		enum vrrp_ha_reason why = vrrp_ha_decode_record(pkt, len, i, &b);
		enum rbc_result res;

		if (why != VRRP_HA_OK) {
			char a[INET6_ADDRSTRLEN], detail[96];

			inet_ntop(AF_INET6, &b.hoa, a, sizeof(a));
			snprintf(detail, sizeof(detail), "record %u (HoA %s) skipped", i, a);
			drop(r, why, src, detail);
			continue;
		}
		c->rx_records++;
		if (b.lifetime && rbc_count(t) >= cfg_of(r)->max_bindings &&
		    !rbc_lookup(t, &b.hoa, now, NULL)) {
			c->rx_rec_over_limit++;
			continue;
		}
		res = rbc_apply(t, &b, now);
		count_result(r, res);
		peer_event(r, t, tid, &b, res, restore, now);
	}
	/* a backup never sends: forget what the apply queued. The owner
	 * restoring as master passes the bindings on to the other backups. */
	if (vrrp_ha_get_state(h) != VRRP_HA_ST_MASTER)
		rbc_clear_dirty(t);
	else if (rbc_dirty_count(t)) {
		if (!r->dirty_since)
			r->dirty_since = now;
		vrrp_ha_arm_at(h, now + cfg_of(r)->coalesce_ms);
	}
}

enum vrrp_ha_reason vrrp_ha_repl_rx(void *m, const uint8_t *pkt, size_t len, int hop_limit,
                                    const struct in6_addr *src)
{
	struct repl *r = m;
	struct vrrp_ha *h = r->h;
	struct vrrp_ha_counters *c = cnt_of(r);
	struct vrrp_ha_hdr hd;
	enum vrrp_ha_reason why = vrrp_ha_decode_hdr(pkt, len, &hd);
	enum vrrp_ha_state st = vrrp_ha_get_state(h);

	/* Validation order (docs/protocol.md): length of the fixed header,
	 * version, hop limit, type, VRID, enabled, count vs length, records. */
	if (why == VRRP_HA_R_TOO_SHORT || why == VRRP_HA_R_BAD_VERSION) {
		drop(r, why, src, NULL);
		return why;
	}
	if (hop_limit != VRRP_HA_HOP_LIMIT) {
		char d[32];

		snprintf(d, sizeof(d), "hop limit %d", hop_limit);
		drop(r, VRRP_HA_R_BAD_HOPLIMIT, src, d);
		return VRRP_HA_R_BAD_HOPLIMIT;
	}
	if (why == VRRP_HA_R_BAD_TYPE) {
		drop(r, why, src, NULL);
		return why;
	}
	/* pkt[1] is inside the 8 bytes checked above */
	if (pkt[1] != vrrp_ha_vrid(h)) {
		drop(r, VRRP_HA_R_VRID_MISMATCH, src, NULL);
		return VRRP_HA_R_VRID_MISMATCH;
	}
	if (!cfg_of(r)->enabled) {
		drop(r, VRRP_HA_R_NOT_ENABLED, src, NULL);
		return VRRP_HA_R_NOT_ENABLED;
	}
	if (why != VRRP_HA_OK) {
		drop(r, why, src, NULL);
		return why;
	}
	/* keepalived drops packets for INIT/FAULT instances itself; a host
	 * that does not is covered here */
	if (!vrrp_ha_state_settled(st)) {
		c->rx_reason[VRRP_HA_OK]++;
		if (hd.type == VRRP_HA_TYPE_BC_REQUEST)
			c->rx_request_ignored++;
		else
			c->rx_update_ignored++;
		return VRRP_HA_OK;
	}
	if (hd.type == VRRP_HA_TYPE_BC_REQUEST) {
		uint64_t now = vrrp_ha_now(h);

		c->rx_reason[VRRP_HA_OK]++;
		if (!can_send(r, now)) {
			c->rx_request_ignored++;
			return VRRP_HA_OK;
		}
		c->rx_request++;
		start_full(r, "answer");
		vrrp_ha_arm_us(h, 0);
		return VRRP_HA_OK;
	}
	rx_update(r, pkt, len, &hd, src);
	return VRRP_HA_OK;
}

/* ---- what others changed ---------------------------------------------- */

/* The local daemon changed its binding cache (draft-deng 4.2.3: only the
 * owner master sends local BC changes), or full recovery deleted an RBC
 * entry on a non-owner master: both are changes of the table we send. */
static void on_change(void *arg, const struct vrrp_ha_event *ev)
{
	struct repl *r = arg;
	struct vrrp_ha *h = r->h;
	uint64_t now;

	if (ev->origin == VRRP_HA_O_LOCAL && ev->table == VRRP_HA_T_BC) {
		if (!vrrp_ha_is_owner(h) || vrrp_ha_get_state(h) != VRRP_HA_ST_MASTER) {
			rbc_clear_dirty(vrrp_ha_get_bc(h));
			return;
		}
		now = vrrp_ha_now(h);
		if (!r->dirty_since)
			r->dirty_since = now;
		vrrp_ha_arm_at(h, r->dirty_since + cfg_of(r)->coalesce_ms);
	} else if (ev->origin == VRRP_HA_O_TRIGGER && ev->table == VRRP_HA_T_RBC) {
		if (!r->dirty_since)
			r->dirty_since = vrrp_ha_now(h);
		vrrp_ha_arm_us(h, 0);
	}
}

/* ---- module ----------------------------------------------------------- */

static void *repl_create(struct vrrp_ha *h, struct vrrp_ha_counters_reg *reg,
                         struct vrrp_ha_bus *bus)
{
	struct repl *r = calloc(1, sizeof(*r));

	(void)reg; /* our counters are the instance's "sync" block */
	if (!r)
		return NULL;
	r->h = h;
	if (alloc_buffers(r) || !vrrp_ha_bus_subscribe(bus,
	                                               VRRP_HA_EMASK(VRRP_HA_E_ADDED) |
	                                                       VRRP_HA_EMASK(VRRP_HA_E_UPDATED) |
	                                                       VRRP_HA_EMASK(VRRP_HA_E_REFRESHED) |
	                                                       VRRP_HA_EMASK(VRRP_HA_E_DELETED),
	                                               on_change, r)) {
		free(r->pkt);
		free(r->recs);
		free(r);
		return NULL;
	}
	return r;
}

static void repl_destroy(void *m)
{
	struct repl *r = m;

	free(r->pkt);
	free(r->recs);
	free(r);
}

static void repl_reconfigure(void *m, const struct vrrp_ha_config *old)
{
	struct repl *r = m;

	(void)old;
	if (alloc_buffers(r))
		vrrp_ha_logf(r->h, LOG_ERR, "out of memory for the send buffer (kept the old one)");
}

static void repl_on_state(void *m, enum vrrp_ha_state prev, enum vrrp_ha_state s)
{
	struct repl *r = m;
	struct vrrp_ha *h = r->h;
	uint64_t now = vrrp_ha_now(h);

	if (prev == VRRP_HA_ST_MASTER) {
		r->left_master_ms = now ? now : 1;
		rbc_clear_dirty(vrrp_ha_send_table(h));
		r->dirty_since = 0;
	}
	if (!vrrp_ha_state_settled(s)) {
		r->full_active = false;
		r->request_pending = false;
		r->rx_sync = false;
		return;
	}
	/* draft-deng 4.2.1: ask for the table when the instance first settles
	 * (keepalived's INIT is momentary) or comes back from FAULT */
	if (!vrrp_ha_state_settled(prev))
		start_request(r);
	if (s == VRRP_HA_ST_MASTER) {
		/* a new master pushes its whole table once, so backups that
		 * missed an update converge without asking */
		r->left_master_ms = 0;
		r->next_refresh_ms = 0;
		if (rbc_count(vrrp_ha_send_table(h)))
			start_full(r, "takeover");
		vrrp_ha_arm_us(h, 0);
	}
}

static uint64_t repl_timer(void *m, uint64_t now)
{
	struct repl *r = m;
	struct vrrp_ha *h = r->h;
	const struct vrrp_ha_config *cfg = cfg_of(r);
	enum vrrp_ha_state st = vrrp_ha_get_state(h);
	struct vrrp_ha_rbc *stab = vrrp_ha_send_table(h);
	uint64_t next = UINT64_MAX, burst_start_us = 0;
	bool more = false;

	if (r->request_pending && now >= r->request_deadline) {
		if (r->request_tries <= cfg->request_retries && vrrp_ha_state_settled(st)) {
			r->request_tries++;
			cnt_of(r)->tx_retries++;
			r->request_deadline = now + cfg->request_timeout_ms;
			if (vrrp_ha_is_owner(h))
				r->restore_until = now + cfg->restore_window_ms;
			send_request(r);
		} else {
			r->request_pending = false;
			if (r->rx_sync && !r->rx_sync_records) {
				/* nobody answered. The owner's table is its daemon's
				 * own cache: nothing to catch up with. Anyone else
				 * cannot tell it holds what the others hold. */
				r->rx_sync = false;
				sync_event(r,
				           vrrp_ha_is_owner(h) ? VRRP_HA_E_SYNC_COMPLETE
				                               : VRRP_HA_E_SYNC_DIVERGED,
				           "no answer", 0, now - r->rx_sync_start);
			}
		}
	}
	if (r->request_pending && r->request_deadline < next)
		next = r->request_deadline;
	rx_sync_check(r, now, &next);

	if (st == VRRP_HA_ST_MASTER && cfg->refresh_s) {
		/* Multicast BC_UPDATEs are not acknowledged; a slow periodic
		 * re-send of the whole table bounds how long a backup that lost
		 * one stays wrong (sequence rules make it a no-op otherwise). */
		if (!r->next_refresh_ms)
			r->next_refresh_ms = now + (uint64_t)cfg->refresh_s * 1000;
		if (now >= r->next_refresh_ms) {
			r->next_refresh_ms = now + (uint64_t)cfg->refresh_s * 1000;
			if (!r->full_active && rbc_count(stab)) {
				cnt_of(r)->refreshes++;
				start_full(r, "refresh");
			}
		}
		if (r->next_refresh_ms < next)
			next = r->next_refresh_ms;
	}
	if (can_send(r, now)) {
		const struct vrrp_ha_ops *ops = vrrp_ha_host_ops(h);

		burst_start_us = ops->now_us ? ops->now_us(vrrp_ha_host_ctx(h)) : 0;
		more = send_burst(r, now);
	} else {
		r->full_active = false;
		r->pending_len = 0;
		rbc_clear_dirty(stab);
		r->dirty_since = 0;
	}
	if (more) {
		if (!r->pending_len && !r->full_active && rbc_dirty_count(stab) &&
		    now - r->dirty_since < cfg->coalesce_ms)
			vrrp_ha_arm_at(h, r->dirty_since + cfg->coalesce_ms);
		else
			vrrp_ha_arm_us(h, pace_delay_us(r, burst_start_us));
	}
	return next;
}

enum vrrp_ha_sync_state vrrp_ha_repl_sync_state(const void *m)
{
	const struct repl *r = m;

	if (r->rx_sync)
		return VRRP_HA_SYNC_SYNCING;
	return r->diverged ? VRRP_HA_SYNC_DIVERGED : VRRP_HA_SYNC_IN_SYNC;
}

size_t vrrp_ha_repl_backlog(const void *m)
{
	const struct repl *r = m;
	struct vrrp_ha_rbc *t = vrrp_ha_send_table(r->h);
	size_t n = rbc_dirty_count(t);

	if (r->full_active)
		n += rbc_count(t); /* upper bound: the walk's remainder */
	return n;
}

const struct vrrp_ha_module vrrp_ha_mod_repl = {
        .name = "repl",
        .create = repl_create,
        .destroy = repl_destroy,
        .reconfigure = repl_reconfigure,
        .on_state = repl_on_state,
        .timer = repl_timer,
};
