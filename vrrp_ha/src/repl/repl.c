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
#include "vrrp_ha/ext.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

/* A packet the kernel refused (ENOBUFS, EAGAIN) is retried this many ticks. */
#define PENDING_RETRIES 200
/* The receiving side of a sync we asked for ends after updates stop for
 * request_timeout_ms, or at the latest this long after the request. */
#define RX_SYNC_MAX_MS 60000
/* A CAPS answer is sent at most this often. */
#define CAPS_ANSWER_MS 1000
/* Bytes of one NEW binding in an extension message: a NEW record and a
 * MIPV6 record (no options). */
#define EXT_NEW_BYTES (VRRP_HA_EXT_NEW_LEN + VRRP_HA_EXT_MIPV6_MIN_LEN)

/* A draft BC_UPDATE and the extension messages its NEW bindings need: a
 * NEW binding takes 56 bytes there against 40 in the draft packet, so two
 * always suffice; one more for margin. */
#define NOUT 4

/* Why a whole-table walk runs (the SYNC_* events' detail). */
enum full_kind { FULL_ANSWER, FULL_TAKEOVER, FULL_REFRESH };
static const char *const full_names[] = {
        [FULL_ANSWER] = "answer",
        [FULL_TAKEOVER] = "takeover",
        [FULL_REFRESH] = "refresh",
};

/* One packet waiting to leave (the kernel may refuse it for now). */
struct outpkt {
	uint8_t *buf;
	size_t cap, len;
	unsigned recs;
	bool ext;
};

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
	enum full_kind full_kind;

	/* periodic whole-table refresh: repairs a backup that lost an update */
	uint64_t next_refresh_ms;

	/* incremental changes are held coalesce_ms before sending */
	uint64_t dirty_since;

	/* what a burst sends: the draft BC_UPDATE, then (extensions) the
	 * extension messages carrying its NEW bindings */
	struct outpkt out[NOUT];
	unsigned pending_tries;
	struct vrrp_ha_binding *recs;
	unsigned recs_per_pkt;
	unsigned new_per_pkt; /* NEW bindings one extension message holds */

	/* extensions: a peer sent us CAPS (auto mode turns them on) */
	bool peer_ext;
	uint64_t caps_answered_ms;
	bool caps_answer_due;
	struct vrrp_ha_ext_stats xst;

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
	unsigned mtu = cfg_of(r)->mtu ? cfg_of(r)->mtu : 1500;
	unsigned n = vrrp_ha_records_per_mtu(mtu);
	size_t cap, xcap = mtu > VRRP_HA_IPV6_HDR_LEN ? mtu - VRRP_HA_IPV6_HDR_LEN : 0;
	size_t xmin = VRRP_HA_EXT_HDR_LEN + 2 * VRRP_HA_EXT_SEC_HDR_LEN + EXT_NEW_BYTES;
	struct outpkt o[NOUT] = {{0}};
	struct vrrp_ha_binding *recs;
	bool fail = false;

	if (!n)
		n = 1;
	cap = VRRP_HA_HDR_LEN + (size_t)n * VRRP_HA_REC_LEN;
	if (xcap < xmin)
		xcap = xmin;
	if (n == r->recs_per_pkt && r->out[0].buf && r->out[1].cap == xcap)
		return 0;
	recs = calloc(n, sizeof(*recs));
	for (int i = 0; i < NOUT; i++) {
		o[i].cap = i ? xcap : cap;
		o[i].ext = i > 0;
		o[i].buf = malloc(o[i].cap);
		fail |= !o[i].buf;
	}
	if (fail || !recs) {
		for (int i = 0; i < NOUT; i++)
			free(o[i].buf);
		free(recs);
		return -1;
	}
	for (int i = 0; i < NOUT; i++) {
		free(r->out[i].buf);
		r->out[i] = o[i];
	}
	free(r->recs);
	r->recs = recs;
	r->recs_per_pkt = n;
	r->new_per_pkt = (unsigned)((xcap - VRRP_HA_EXT_HDR_LEN - 2 * VRRP_HA_EXT_SEC_HDR_LEN) /
	                            EXT_NEW_BYTES);
	return 0;
}

static void free_buffers(struct repl *r)
{
	for (int i = 0; i < NOUT; i++)
		free(r->out[i].buf);
	free(r->recs);
}

/* Does this node send extension messages now? */
static bool ext_active(const struct repl *r)
{
	switch (cfg_of(r)->extensions) {
	case VRRP_HA_EXT_ON:
		return true;
	case VRRP_HA_EXT_OFF:
		return false;
	case VRRP_HA_EXT_AUTO:
		break;
	}
	return r->peer_ext;
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
	/* the draft has no end-of-table marker: a busy master's incremental
	 * updates could keep the window open for ever, so it is bounded */
	if (quiet_at > r->rx_sync_start + RX_SYNC_MAX_MS)
		quiet_at = r->rx_sync_start + RX_SYNC_MAX_MS;
	if (now >= quiet_at) {
		r->rx_sync = false;
		sync_event(r, VRRP_HA_E_SYNC_COMPLETE, "request", r->rx_sync_records,
		           r->rx_sync_last - r->rx_sync_start);
		vrrp_ha_sync_hold_done(r->h, "sync complete (the answer to our request ended)");
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

/* Tell the peers we speak extensions; solicit asks them to answer. */
static void send_caps(struct repl *r, bool solicit)
{
	uint8_t buf[VRRP_HA_EXT_HDR_LEN + VRRP_HA_EXT_SEC_HDR_LEN + VRRP_HA_EXT_CAPS_LEN];
	uint8_t rec[VRRP_HA_EXT_CAPS_LEN];
	uint32_t kinds = vrrp_ha_ext_known_kinds();
	struct vrrp_ha_ext_wr x;
	size_t n;

	if (cfg_of(r)->extensions == VRRP_HA_EXT_OFF)
		return;
	rec[0] = VRRP_HA_EXT_VERSION;
	rec[1] = solicit ? VRRP_HA_EXT_CAPS_SOLICIT : 0;
	rec[2] = rec[3] = 0;
	rec[4] = (uint8_t)(kinds >> 24);
	rec[5] = (uint8_t)(kinds >> 16);
	rec[6] = (uint8_t)(kinds >> 8);
	rec[7] = (uint8_t)kinds;
	if (vrrp_ha_ext_begin(&x, buf, sizeof(buf), vrrp_ha_vrid(r->h)) ||
	    vrrp_ha_ext_put_raw(&x, VRRP_HA_EXT_K_CAPS, rec, sizeof(rec)) ||
	    !(n = vrrp_ha_ext_finish(&x)))
		return;
	if (host_send(r, buf, n) < 0) {
		cnt_of(r)->tx_errors++;
	} else {
		cnt_of(r)->ext_tx++;
		if (!solicit)
			r->caps_answered_ms = vrrp_ha_now(r->h);
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
	r->diverged = false;
	r->rx_sync_start = r->rx_sync_last = now;
	r->rx_sync_records = 0;
	sync_event(r, VRRP_HA_E_SYNC_STARTED, "request", 0, 0);
	send_request(r);
	send_caps(r, true);
	vrrp_ha_arm_at(r->h, r->request_deadline);
}

static bool pending(const struct repl *r)
{
	for (int i = 0; i < NOUT; i++)
		if (r->out[i].len)
			return true;
	return false;
}

static void drop_pending(struct repl *r)
{
	for (int i = 0; i < NOUT; i++)
		r->out[i].len = 0;
}

/* Try to send what waits in r->out[], the draft packet first. Returns: true
 * if all left (or was dropped for good), false if the kernel wants us to
 * wait. */
static bool flush_pending(struct repl *r)
{
	for (int i = 0; i < NOUT; i++) {
		struct outpkt *o = &r->out[i];

		if (!o->len)
			continue;
		if (host_send(r, o->buf, o->len) == 0) {
			if (o->ext) {
				cnt_of(r)->ext_tx++;
			} else {
				cnt_of(r)->tx_update++;
				cnt_of(r)->tx_records += o->recs;
			}
			o->len = 0;
			r->pending_tries = 0;
			continue;
		}
		if ((errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS ||
		     errno == EINTR) &&
		    ++r->pending_tries < PENDING_RETRIES) {
			cnt_of(r)->tx_retries++;
			return false;
		}
		/* a hard error (or the kernel refused for too long): count, log,
		 * drop; the next whole-table answer or the peers' BC_REQUEST
		 * repairs it */
		cnt_of(r)->tx_errors++;
		{
			uint64_t sup;
			int e = errno;

			if (vrrp_ha_ratelog_ok(r->h, &r->rl_misc, &sup))
				vrrp_ha_logf(r->h, LOG_ERR,
				             "%s with %u bindings not sent: %s (%" PRIu64
				             " more suppressed)",
				             o->ext ? "extension message" : "BC_UPDATE", o->recs,
				             strerror(e), sup);
		}
		o->len = 0;
		r->pending_tries = 0;
	}
	return true;
}

/* Stage r->recs[0..nrec) as a draft BC_UPDATE: byte-exact draft-deng 4.3,
 * Reserved 0. Bindings the sending table just (re)created (VRRP_HA_REC_NEW
 * from rbc_take_dirty) also go in an extension message as NEW + MIPV6
 * records when extensions are on, so peers that understand it take them
 * over a stale tombstone; the draft copy keeps every other peer served.
 * Returns: the number of records staged (0 = nothing to send). */
static size_t stage_packet(struct repl *r, size_t nrec)
{
	size_t idx[VRRP_HA_MAX_RECS], nnew = 0, i, done;
	int slot = 1;

	for (i = 0; i < nrec; i++) {
		struct vrrp_ha_binding *b = &r->recs[i];

		if (!(b->reserved & VRRP_HA_REC_NEW))
			continue;
		b->reserved = 0;
		if (b->lifetime)
			idx[nnew++] = i;
	}
	drop_pending(r);
	r->out[0].len = vrrp_ha_encode_update(r->out[0].buf, r->out[0].cap, vrrp_ha_vrid(r->h),
	                                      r->recs, (unsigned)nrec);
	r->out[0].recs = (unsigned)nrec;
	r->pending_tries = 0;
	if (!nnew || !ext_active(r))
		return nrec;
	/* per message: one NEW section naming the HoAs, one MIPV6 section
	 * with their records */
	for (done = 0; done < nnew && slot < NOUT; slot++) {
		struct outpkt *o = &r->out[slot];
		size_t k = nnew - done < r->new_per_pkt ? nnew - done : r->new_per_pkt;
		struct vrrp_ha_ext_wr x;
		bool ok = vrrp_ha_ext_begin(&x, o->buf, o->cap, vrrp_ha_vrid(r->h)) == 0;

		for (i = 0; ok && i < k; i++)
			ok = vrrp_ha_ext_put_new(&x, &r->recs[idx[done + i]].hoa) == 0;
		for (i = 0; ok && i < k; i++)
			ok = vrrp_ha_ext_put_mipv6(&x, &r->recs[idx[done + i]], NULL, 0) == 0;
		if (!ok) {
			cnt_of(r)->tx_errors++; /* new_per_pkt is sized so it fits */
			break;
		}
		o->len = vrrp_ha_ext_finish(&x);
		o->recs = (unsigned)k;
		done += k;
	}
	return nrec;
}

static void full_done(struct repl *r, uint64_t now)
{
	r->full_active = false;
	sync_event(r, VRRP_HA_E_SYNC_COMPLETE, full_names[r->full_kind], r->full_records,
	           now - r->full_start_ms);
}

/* One more packet of the whole-table answer. Returns: records staged. */
/* The periodic refresh of the owner's table is the repair path: its
 * bindings are the daemon's own, so with extensions each also goes as a
 * NEW record, which takes over a backup's stale entry (a lost delete left
 * a newer seq there, or a lost NEW record a tombstone). Other whole-table
 * sends stay draft-only. */
static void mark_refresh_new(struct repl *r, size_t n)
{
	if (r->full_kind != FULL_REFRESH || !vrrp_ha_is_owner(r->h) || !ext_active(r))
		return;
	for (size_t i = 0; i < n; i++)
		r->recs[i].reserved |= VRRP_HA_REC_NEW;
}

static size_t stage_full(struct repl *r, uint64_t now)
{
	struct vrrp_ha_rbc *t = vrrp_ha_send_table(r->h);
	size_t n;

	for (;;) {
		n = rbc_walk(t, &r->full_cursor, r->recs, r->recs_per_pkt, now);
		r->full_records += n;
		mark_refresh_new(r, n);
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

static void start_full(struct repl *r, enum full_kind kind)
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
	r->full_kind = kind;
	cnt_of(r)->full_syncs++;
	sync_event(r, VRRP_HA_E_SYNC_STARTED, full_names[kind], rbc_count(vrrp_ha_send_table(r->h)),
	           0);
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
		if (!pending(r))
			break;
		sent++;
	}
	if (!flush_pending(r))
		return true;
	return r->full_active || rbc_dirty_count(t) || pending(r);
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

/* The counter of each table outcome of a peer's record. */
static const size_t result_counter[] = {
        [RBC_ADDED] = offsetof(struct vrrp_ha_counters, rx_rec_added),
        [RBC_UPDATED] = offsetof(struct vrrp_ha_counters, rx_rec_updated),
        [RBC_REFRESHED] = offsetof(struct vrrp_ha_counters, rx_rec_refreshed),
        [RBC_DELETED] = offsetof(struct vrrp_ha_counters, rx_rec_deleted),
        [RBC_STALE] = offsetof(struct vrrp_ha_counters, rx_rec_stale),
        [RBC_NOT_FOUND] = offsetof(struct vrrp_ha_counters, rx_rec_unknown_delete),
        [RBC_NOMEM] = offsetof(struct vrrp_ha_counters, rx_rec_nomem),
};

static void count_result(struct repl *r, enum rbc_result res)
{
	uint64_t *c;

	if ((unsigned)res >= sizeof(result_counter) / sizeof(result_counter[0]))
		return;
	c = (uint64_t *)(void *)((char *)cnt_of(r) + result_counter[res]);
	(*c)++;
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

/* Where a peer's bindings go in this state (draft-deng 4.2.2 / 4.2.3):
 * false if they are ignored here. */
static bool rx_target(struct repl *r, uint64_t now, bool *restore, struct vrrp_ha_rbc **t,
                      enum vrrp_ha_table *tid)
{
	struct vrrp_ha *h = r->h;
	bool owner = vrrp_ha_is_owner(h);

	if (vrrp_ha_get_state(h) == VRRP_HA_ST_MASTER) {
		/* only the owner, right after asking, takes updates as master */
		if (!(owner && now < r->restore_until))
			return false;
		*restore = true;
	} else {
		/* BACKUP: owner -> daemon's binding cache, else -> RBC (4.2.2) */
		*restore = owner;
	}
	*t = *restore ? vrrp_ha_get_bc(h) : vrrp_ha_get_rbc(h);
	*tid = *restore ? VRRP_HA_T_BC : VRRP_HA_T_RBC;
	return true;
}

/* One peer record into table t (bounded by max_bindings), with its event.
 * dedup: the record may be the second copy of one just applied (a NEW
 * binding comes in the draft BC_UPDATE and in an extension message); a
 * refresh that moves the expiry by less than one lifetime unit is then no
 * change and publishes no event (it is still counted). */
static void rx_record(struct repl *r, struct vrrp_ha_rbc *t, enum vrrp_ha_table tid, bool restore,
                      const struct vrrp_ha_binding *b, const uint8_t *opts, size_t optlen,
                      bool dedup, uint64_t now)
{
	enum rbc_result res;
	struct rbc_view before, after;
	bool full = b->lifetime && rbc_count(t) >= cfg_of(r)->max_bindings;
	bool had = (dedup || full) && rbc_lookup(t, &b->hoa, now, &before);

	if (full && !had) {
		cnt_of(r)->rx_rec_over_limit++;
		return;
	}
	res = optlen ? rbc_apply_opts(t, b, opts, optlen, now) : rbc_apply(t, b, now);
	count_result(r, res);
	if (dedup && had && res == RBC_REFRESHED && rbc_lookup(t, &b->hoa, now, &after) &&
	    after.expires_ms - before.expires_ms < VRRP_HA_LIFETIME_UNIT_S * 1000u)
		return;
	peer_event(r, t, tid, b, res, restore, now);
}

/* After the records of one packet: a backup never sends, so it forgets
 * what the apply queued; the owner restoring as master passes the bindings
 * on to the other backups. */
static void rx_done(struct repl *r, struct vrrp_ha_rbc *t, uint64_t now)
{
	if (vrrp_ha_get_state(r->h) != VRRP_HA_ST_MASTER)
		rbc_clear_dirty(t);
	else if (rbc_dirty_count(t)) {
		if (!r->dirty_since)
			r->dirty_since = now;
		vrrp_ha_arm_at(r->h, now + cfg_of(r)->coalesce_ms);
	}
}

static void rx_update(struct repl *r, const uint8_t *pkt, size_t len, const struct vrrp_ha_hdr *hd,
                      const struct in6_addr *src)
{
	struct vrrp_ha_counters *c = cnt_of(r);
	uint64_t now = vrrp_ha_now(r->h);
	bool restore;
	struct vrrp_ha_rbc *t;
	enum vrrp_ha_table tid;
	unsigned i;

	if (!rx_target(r, now, &restore, &t, &tid)) {
		c->rx_update_ignored++;
		return;
	}
	c->rx_update++;
	c->rx_reason[VRRP_HA_OK]++;
	r->request_pending = false;
	rx_sync_progress(r, now, hd->count);

	for (i = 0; i < hd->count; i++) {
		struct vrrp_ha_binding b;
		enum vrrp_ha_reason why = vrrp_ha_decode_record(pkt, len, i, &b);

		if (why != VRRP_HA_OK) {
			char a[INET6_ADDRSTRLEN], detail[96];

			inet_ntop(AF_INET6, &b.hoa, a, sizeof(a));
			snprintf(detail, sizeof(detail), "record %u (HoA %s) skipped", i, a);
			drop(r, why, src, detail);
			continue;
		}
		/* draft-deng 4.3.3: Reserved is ignored on receipt (NEW travels
		 * in an extension message) */
		b.reserved = 0;
		c->rx_records++;
		rx_record(r, t, tid, restore, &b, NULL, 0, false, now);
	}
	rx_done(r, t, now);
}

/* ---- extension messages (type 12, docs/protocol.md "Extensions") ------ */

struct ext_rx {
	struct repl *r;
	const struct in6_addr *src;
	uint64_t now;
	bool target_known, take, restore;
	struct vrrp_ha_rbc *t;
	enum vrrp_ha_table tid;
	unsigned records;
};

static void ext_caps(void *arg, const struct vrrp_ha_ext_caps *cp)
{
	struct ext_rx *x = arg;
	struct repl *r = x->r;

	if (!r->peer_ext)
		vrrp_ha_logf(r->h, LOG_INFO,
		             "a peer speaks extensions (version %u, kinds 0x%08x)%s",
		             cp->ext_version, (unsigned)cp->kinds,
		             cfg_of(r)->extensions == VRRP_HA_EXT_AUTO ? ": sending them too" : "");
	r->peer_ext = true;
	if (cp->flags & VRRP_HA_EXT_CAPS_SOLICIT)
		r->caps_answer_due = true;
}

static void ext_mipv6(void *arg, const struct vrrp_ha_ext_mipv6 *m)
{
	struct ext_rx *x = arg;
	struct repl *r = x->r;
	struct vrrp_ha_binding b = m->b;

	if (!x->target_known) {
		x->target_known = true;
		x->take = rx_target(r, x->now, &x->restore, &x->t, &x->tid);
		if (!x->take)
			cnt_of(r)->rx_update_ignored++;
	}
	if (!x->take)
		return;
	b.reserved = m->is_new ? VRRP_HA_REC_NEW : 0;
	cnt_of(r)->rx_records++;
	x->records++;
	rx_record(r, x->t, x->tid, x->restore, &b, m->opts, m->optlen, m->is_new, x->now);
}

static void ext_skipped(void *arg, uint8_t kind, unsigned idx, enum vrrp_ha_ext_reason why)
{
	struct ext_rx *x = arg;
	struct repl *r = x->r;
	char a[INET6_ADDRSTRLEN] = "?";
	uint64_t sup;

	if (!vrrp_ha_ratelog_ok(r->h, &r->rl_misc, &sup))
		return;
	if (x->src)
		inet_ntop(AF_INET6, x->src, a, sizeof(a));
	vrrp_ha_logf(r->h, LOG_WARNING,
	             "extension message from %s: %s section, record %u skipped: %s (%" PRIu64
	             " more suppressed)",
	             a, vrrp_ha_ext_kind_name(kind), idx, vrrp_ha_ext_reason_name(why), sup);
}

static void rx_ext(struct repl *r, const uint8_t *pkt, size_t len, const struct in6_addr *src)
{
	struct ext_rx x = {.r = r, .src = src, .now = vrrp_ha_now(r->h)};
	struct vrrp_ha_ext_cb cb = {
	        .arg = &x, .caps = ext_caps, .mipv6 = ext_mipv6, .skipped = ext_skipped};
	struct vrrp_ha_ext_hdr hd;
	enum vrrp_ha_ext_reason why;

	if (cfg_of(r)->extensions == VRRP_HA_EXT_OFF) {
		cnt_of(r)->ext_ignored++;
		return;
	}
	why = vrrp_ha_ext_parse(pkt, len, &hd, &cb, &r->xst);
	if (why != VRRP_HA_EXT_OK) {
		char a[INET6_ADDRSTRLEN] = "?";
		uint64_t sup;

		if (vrrp_ha_ratelog_ok(r->h, &r->rl_misc, &sup)) {
			if (src)
				inet_ntop(AF_INET6, src, a, sizeof(a));
			vrrp_ha_logf(r->h, LOG_WARNING,
			             "dropped extension message from %s: %s (%" PRIu64
			             " more suppressed)",
			             a, vrrp_ha_ext_reason_name(why), sup);
		}
		return;
	}
	cnt_of(r)->ext_rx++;
	cnt_of(r)->rx_reason[VRRP_HA_OK]++;
	if (x.take) {
		r->request_pending = false;
		rx_sync_progress(r, x.now, x.records);
		rx_done(r, x.t, x.now);
	}
	if (r->caps_answer_due)
		vrrp_ha_arm_us(r->h, 0);
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
	if (why == VRRP_HA_R_BAD_TYPE && (pkt[0] & 0x0f) == VRRP_HA_TYPE_EXT) {
		/* the extension message: the same VRID / enabled / state checks,
		 * then its own parser */
		if (pkt[1] != vrrp_ha_vrid(h)) {
			drop(r, VRRP_HA_R_VRID_MISMATCH, src, NULL);
			return VRRP_HA_R_VRID_MISMATCH;
		}
		if (!cfg_of(r)->enabled) {
			drop(r, VRRP_HA_R_NOT_ENABLED, src, NULL);
			return VRRP_HA_R_NOT_ENABLED;
		}
		if (!vrrp_ha_state_settled(st)) {
			c->rx_reason[VRRP_HA_OK]++;
			c->ext_ignored++;
			return VRRP_HA_OK;
		}
		rx_ext(r, pkt, len, src);
		return VRRP_HA_OK;
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
		start_full(r, FULL_ANSWER);
		vrrp_ha_arm_us(h, 0);
		return VRRP_HA_OK;
	}
	rx_update(r, pkt, len, &hd, src);
	return VRRP_HA_OK;
}

enum vrrp_ha_reason vrrp_ha_repl_rx_truncated(void *m, size_t len, const struct in6_addr *src)
{
	struct repl *r = m;
	char d[64];

	if (!cfg_of(r)->enabled) {
		drop(r, VRRP_HA_R_NOT_ENABLED, src, NULL);
		return VRRP_HA_R_NOT_ENABLED;
	}
	snprintf(d, sizeof(d), "at least %zu bytes", len);
	drop(r, VRRP_HA_R_TOO_LONG, src, d);
	return VRRP_HA_R_TOO_LONG;
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

static const void *xst_block(const void *arg)
{
	return &((const struct repl *)arg)->xst;
}

#define XST(f)                                                                                     \
	{                                                                                          \
#f, offsetof(struct vrrp_ha_ext_stats, f), false                                   \
	}
static const struct vrrp_ha_counter_def xst_defs[] = {
        XST(packets),
        XST(accepted),
        XST(sections),
        XST(skipped_records),
};
#undef XST

/* The extension parser's counters: ext_packets ..., ext_<reason>,
 * ext_rx_<kind> (records delivered). The rest of ours are the instance's
 * "sync" block. */
static int register_counters(struct repl *r, struct vrrp_ha_counters_reg *reg)
{
	char name[VRRP_HA_COUNTER_NAME_MAX];

	if (vrrp_ha_counters_add_table(reg, "sync", "ext_", xst_defs,
	                               sizeof(xst_defs) / sizeof(xst_defs[0]), xst_block, r))
		return -1;
	for (int i = 1; i < VRRP_HA_EXT_R__COUNT; i++) {
		snprintf(name, sizeof(name), "ext_%s",
		         vrrp_ha_ext_reason_name((enum vrrp_ha_ext_reason)i));
		if (vrrp_ha_counters_add(reg, "sync", name, xst_block, r,
		                         offsetof(struct vrrp_ha_ext_stats, reason) +
		                                 (size_t)i * sizeof(uint64_t),
		                         false))
			return -1;
	}
	for (int k = 1; k <= VRRP_HA_EXT_K__MAX; k++) {
		snprintf(name, sizeof(name), "ext_rx_%s", vrrp_ha_ext_kind_name((uint8_t)k));
		for (char *p = name; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p | 0x20);
		if (vrrp_ha_counters_add(reg, "sync", name, xst_block, r,
		                         offsetof(struct vrrp_ha_ext_stats, delivered) +
		                                 (size_t)k * sizeof(uint64_t),
		                         false))
			return -1;
	}
	return 0;
}

static void *repl_create(struct vrrp_ha *h, struct vrrp_ha_counters_reg *reg,
                         struct vrrp_ha_bus *bus)
{
	struct repl *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->h = h;
	if (alloc_buffers(r) || register_counters(r, reg) ||
	    !vrrp_ha_bus_subscribe(
	            bus,
	            VRRP_HA_EMASK(VRRP_HA_E_ADDED) | VRRP_HA_EMASK(VRRP_HA_E_UPDATED) |
	                    VRRP_HA_EMASK(VRRP_HA_E_REFRESHED) | VRRP_HA_EMASK(VRRP_HA_E_DELETED),
	            on_change, r)) {
		free_buffers(r);
		free(r);
		return NULL;
	}
	return r;
}

static void repl_destroy(void *m)
{
	struct repl *r = m;

	free_buffers(r);
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
		send_caps(r, true);
		if (rbc_count(vrrp_ha_send_table(h)))
			start_full(r, FULL_TAKEOVER);
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
				vrrp_ha_sync_hold_done(h, "no answer to our BC_REQUEST");
			}
		}
	}
	if (r->request_pending && r->request_deadline < next)
		next = r->request_deadline;
	rx_sync_check(r, now, &next);

	if (r->caps_answer_due) {
		/* a peer asked who speaks extensions: answer, at most once a
		 * CAPS_ANSWER_MS (a solicit is never answered with a solicit) */
		uint64_t at = r->caps_answered_ms ? r->caps_answered_ms + CAPS_ANSWER_MS : 0;

		if (now >= at) {
			r->caps_answer_due = false;
			send_caps(r, false);
		} else if (at < next) {
			next = at;
		}
	}

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
				start_full(r, FULL_REFRESH);
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
		drop_pending(r);
		rbc_clear_dirty(stab);
		r->dirty_since = 0;
	}
	if (more) {
		if (!pending(r) && !r->full_active && rbc_dirty_count(stab) &&
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
