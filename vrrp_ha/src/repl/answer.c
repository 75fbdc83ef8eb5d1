/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * answer.c - the serving side of replication: requests are checked (who
 * may answer what), rate limited per sender, queued, and served one at a
 * time in the paced sender's bursts. With extensions an answer is framed:
 * START, the records (or the per-bucket digests) of the buckets asked,
 * END with the count and digest of every range asked, so the requester can
 * prove its table complete. Without, a whole-table walk in draft-deng's
 * words. The periodic anti-entropy digest is sent from here too.
 * docs/sync.md "Serving".
 */
#include "repl/repl_int.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <string.h>
#include <syslog.h>

/* Request rate per sender: a bucket of RATE_BURST, refilled RATE_PER_S. */
#define RATE_BURST 16
#define RATE_PER_S 8
/* Whole-table answers to requests, whoever asks: a bucket of FULL_BURST
 * refilled one per FULL_EVERY_MS, so a flood of requests from forged
 * sources costs at most one table per period (pushes do not count). */
#define FULL_BURST    3
#define FULL_EVERY_MS 1000
/* Records examined per answer step when only some buckets are asked. */
#define SCAN_BUDGET 4096
/* DIGEST records per message of a digest answer. */
#define DIGESTS_PER_MSG 80

static struct answer *cur(struct repl *r)
{
	return r->nans ? &r->ans[0] : NULL;
}

bool answer_busy(const struct repl *r)
{
	return r->nans > 0;
}

void answer_reset(struct repl *r)
{
	r->nans = 0;
}

size_t answer_backlog(const struct repl *r)
{
	/* upper bound: a walk's remainder */
	return r->nans ? repl_table_count(vrrp_ha_send_table(r->h)) : 0;
}

bool answer_rate_ok(struct repl *r, const struct in6_addr *src, uint64_t now)
{
	struct rate_slot *s = NULL, *oldest = NULL;
	uint64_t add;

	for (unsigned i = 0; i < RATE_SLOTS && !s; i++) {
		struct rate_slot *x = &r->rate[i];

		if (x->used && addr_eq(&x->src, src))
			s = x;
		else if (!oldest || (oldest->used && (!x->used || x->last_ms < oldest->last_ms)))
			oldest = x;
	}
	if (!s) {
		s = oldest;
		s->used = true;
		s->src = *src;
		s->last_ms = now;
		s->tokens_x1000 = RATE_BURST * 1000;
	}
	add = (now - s->last_ms) * RATE_PER_S;
	s->last_ms = now;
	s->tokens_x1000 = (uint32_t)((uint64_t)s->tokens_x1000 + add > RATE_BURST * 1000
	                                     ? RATE_BURST * 1000
	                                     : s->tokens_x1000 + add);
	if (s->tokens_x1000 < 1000)
		return false;
	s->tokens_x1000 -= 1000;
	return true;
}

void answer_rate_drop(struct repl *r, const struct in6_addr *src)
{
	char a[INET6_ADDRSTRLEN] = "?";
	uint64_t sup;

	repl_cnt(r)->rx_reason[VRRP_HA_R_RATE_LIMITED]++;
	if (!vrrp_ha_ratelog_ok(r->h, &r->rl[VRRP_HA_R_RATE_LIMITED], &sup))
		return;
	inet_ntop(AF_INET6, src, a, sizeof(a));
	vrrp_ha_logf(r->h, LOG_WARNING,
	             "request from %s over its rate (%d/s, burst %d): dropped (%" PRIu64
	             " more suppressed)",
	             a, RATE_PER_S, RATE_BURST, sup);
}

static struct answer *enqueue(struct repl *r)
{
	struct answer *a;

	if (r->nans >= ANSWER_QUEUE)
		return NULL;
	a = &r->ans[r->nans++];
	memset(a, 0, sizeof(*a));
	a->start_ms = vrrp_ha_now(r->h);
	return a;
}

static void dequeue(struct repl *r)
{
	if (!r->nans)
		return;
	memmove(&r->ans[0], &r->ans[1], (r->nans - 1) * sizeof(r->ans[0]));
	r->nans--;
}

void answer_request(struct repl *r, const struct in6_addr *src, const struct vrrp_ha_ext_request *q,
                    const struct vrrp_ha_ext_range *ranges, unsigned nranges, uint64_t now)
{
	static const struct in6_addr any;
	const struct vrrp_ha_ops *ops = vrrp_ha_host_ops(r->h);
	struct vrrp_ha_counters *c = repl_cnt(r);
	struct answer *a;
	bool full = q->flags & VRRP_HA_EXT_SYNC_FULL;

	/* the master answers requests for "the master"; a node named as the
	 * responder answers in any settled state (docs/sync.md "Someone
	 * always answers") */
	if (addr_eq(&q->responder, &any) ? !repl_can_serve(r, now)
	                                 : !addr_eq(&q->responder, &repl_cfg(r)->own_ll)) {
		c->rx_request_ignored++;
		return;
	}
	if (q->table_kind != VRRP_HA_EXT_K_MIPV6 || (!full && !nranges)) {
		c->rx_request_ignored++;
		return;
	}
	for (unsigned i = 0; i < r->nans; i++)
		if (r->ans[i].framed && r->ans[i].req_id == q->req_id && r->ans[i].unicast &&
		    addr_eq(&r->ans[i].to, src)) {
			c->rx_request_ignored++; /* a retry of what we are serving */
			return;
		}
	if (!answer_rate_ok(r, src, now)) {
		answer_rate_drop(r, src);
		return;
	}
	a = enqueue(r);
	if (!a) {
		c->rx_request_ignored++;
		return;
	}
	c->rx_request++;
	a->framed = true;
	a->req_id = q->req_id;
	a->what = q->what;
	a->flags = full ? VRRP_HA_EXT_SYNC_FULL : 0;
	a->unicast = ops->send_to != NULL;
	a->to = *src;
	a->kind = FULL_ANSWER;
	if (full) {
		memset(a->want, 0xff, sizeof(a->want));
	} else {
		for (unsigned i = 0; i < nranges; i++)
			bmap_fill_range(a->want, ranges[i].first, ranges[i].n);
		memcpy(a->ranges, ranges, nranges * sizeof(ranges[0]));
		a->nranges = nranges;
	}
	vrrp_ha_arm_us(r->h, 0);
}

/* A draft walk already running is joined: it goes round once more, up to
 * where it is now (everyone who asked gets every record). */
static bool join_draft_walk(struct repl *r)
{
	struct answer *a = cur(r);

	if (!a || a->framed)
		return false;
	if (!a->wrap) {
		a->wrap = true;
		a->wrapped = false;
		a->stop_at = a->cursor;
	}
	return true;
}

/* Returns: false when the queue is full (counted). */
static bool start_walk(struct repl *r, enum full_kind kind, bool unicast, const struct in6_addr *to)
{
	struct answer *a;

	if (!repl_ext_active(r) && join_draft_walk(r))
		return true;
	a = enqueue(r);
	if (!a) {
		repl_cnt(r)->rx_request_ignored++;
		return false;
	}
	a->framed = repl_ext_active(r);
	a->req_id = 0;
	a->what = VRRP_HA_EXT_REQ_RECORDS;
	a->flags = VRRP_HA_EXT_SYNC_FULL;
	memset(a->want, 0xff, sizeof(a->want));
	a->kind = kind;
	a->unicast = unicast && a->framed;
	if (a->unicast)
		a->to = *to;
	vrrp_ha_arm_us(r->h, 0);
	return true;
}

void answer_draft_request(struct repl *r, const struct in6_addr *src, uint64_t now)
{
	const struct vrrp_ha_ops *ops = vrrp_ha_host_ops(r->h);

	if (!repl_can_serve(r, now)) {
		repl_cnt(r)->rx_request_ignored++;
		return;
	}
	/* the draft request that follows a framed REQUEST of the same node
	 * (a requester that does not know yet whether we speak extensions
	 * sends both): that one is being answered */
	for (unsigned i = 0; i < r->nans; i++)
		if (r->ans[i].framed && r->ans[i].req_id && addr_eq(&r->ans[i].to, src)) {
			repl_cnt(r)->rx_request_ignored++;
			return;
		}
	if (!answer_rate_ok(r, src, now)) {
		answer_rate_drop(r, src);
		return;
	}
	if (start_walk(r, FULL_ANSWER, ops->send_to != NULL, src))
		repl_cnt(r)->rx_request++;
}

void answer_push(struct repl *r, enum full_kind kind)
{
	start_walk(r, kind, false, NULL);
}

void answer_merge(struct repl *r, const struct in6_addr *to)
{
	const struct vrrp_ha_ops *ops = vrrp_ha_host_ops(r->h);
	struct answer *a;

	if (!repl_ext_active(r) || !(a = enqueue(r)))
		return;
	a->framed = true;
	a->req_id = 0;
	a->what = VRRP_HA_EXT_REQ_RECORDS;
	a->flags = VRRP_HA_EXT_SYNC_FULL | VRRP_HA_EXT_SYNC_MERGE;
	memset(a->want, 0xff, sizeof(a->want));
	a->kind = FULL_MERGE;
	a->unicast = ops->send_to != NULL;
	a->to = *to;
	vrrp_ha_arm_us(r->h, 0);
}

/* ---- one step --------------------------------------------------------- */

static const struct in6_addr *dst_of(const struct answer *a)
{
	return a->unicast ? &a->to : NULL;
}

static int stage_sync(struct repl *r, struct answer *a, uint8_t phase, uint64_t now)
{
	struct vrrp_ha_rbc *t = vrrp_ha_send_table(r->h);
	struct vrrp_ha_ext_sync s = {.req_id = a->req_id,
	                             .phase = phase,
	                             .table_kind = VRRP_HA_EXT_K_MIPV6,
	                             .flags = a->flags};
	struct vrrp_ha_ext_wr x;
	size_t len;

	s.records = (uint32_t)(phase == VRRP_HA_EXT_SYNC_START ? repl_table_count(t) : a->records);
	if (repl_ext_begin(r, &x) || vrrp_ha_ext_put_sync(&x, &s))
		return -1;
	if (phase == VRRP_HA_EXT_SYNC_END && a->what == VRRP_HA_EXT_REQ_RECORDS) {
		/* the proofs: count and digest of every range asked, as the
		 * table is now (its changes since went out before this) */
		struct vrrp_ha_ext_digest d = {0};

		if (a->flags & VRRP_HA_EXT_SYNC_FULL) {
			d.first = 0;
			d.n = NBUCKETS;
			repl_digest_total(t, &d.count, &d.sum);
			if (vrrp_ha_ext_put_digest(&x, &d))
				return -1;
		}
		for (unsigned i = 0; i < a->nranges; i++) {
			d.first = a->ranges[i].first;
			d.n = a->ranges[i].n;
			repl_range_digest(t, d.first, d.n, false, &d.count, &d.sum);
			if (vrrp_ha_ext_put_digest(&x, &d))
				return -1;
		}
	}
	len = vrrp_ha_ext_finish(&x);
	(void)now;
	return len ? repl_stage_ext(r, len, 0, a->unicast, dst_of(a)) : -1;
}

/* Fill r->recs with the next records of the buckets a asks for. Returns:
 * records; *done when the walk is over. */
static size_t fill_records(struct repl *r, struct answer *a, uint64_t now, bool *done)
{
	struct vrrp_ha_rbc *t = vrrp_ha_send_table(r->h);
	bool all = a->flags & VRRP_HA_EXT_SYNC_FULL;
	size_t n = 0, scanned = 0, max = repl_step_recs(r);

	*done = false;
	while (n < max && scanned < SCAN_BUDGET) {
		/* a merge carries the deletes it remembers too (tombstones) */
		size_t got = a->kind == FULL_MERGE
		                     ? rbc_walk_all(t, &a->cursor, r->recs + n, max - n, now)
		                     : rbc_walk(t, &a->cursor, r->recs + n, max - n, now),
		       k;

		if (!got) {
			*done = true;
			break;
		}
		scanned += got;
		if (all) {
			n += got;
			continue;
		}
		{
			struct vrrp_ha_binding *base = r->recs + n;
			size_t kept = 0;

			for (k = 0; k < got; k++)
				if (bmap_test(a->want, rbc_bucket_of(&base[k].hoa)))
					base[kept++] = base[k];
			n += kept;
		}
	}
	return n;
}

static void finish(struct repl *r, struct answer *a, uint64_t now)
{
	if (a->what == VRRP_HA_EXT_REQ_RECORDS && (a->flags & VRRP_HA_EXT_SYNC_FULL))
		repl_sync_event(r, VRRP_HA_E_SYNC_COMPLETE, repl_full_names[a->kind], a->records,
		                now - a->start_ms);
	dequeue(r);
}

/* A draft-deng walk (no framing), joined requests wrap it once. */
static bool step_draft(struct repl *r, struct answer *a, uint64_t now)
{
	struct vrrp_ha_rbc *t = vrrp_ha_send_table(r->h);
	size_t n;

	if (a->phase == ANS_START) {
		a->phase = ANS_WALK;
		a->start_ms = now;
		repl_cnt(r)->full_syncs++;
		repl_sync_event(r, VRRP_HA_E_SYNC_STARTED, repl_full_names[a->kind],
		                repl_table_count(t), 0);
	}
	for (;;) {
		n = rbc_walk(t, &a->cursor, r->recs, repl_step_recs(r), now);
		a->records += n;
		if (a->wrapped && a->cursor >= a->stop_at) {
			if (n)
				repl_stage_records(r, n, false, NULL);
			finish(r, a, now);
			return n > 0;
		}
		if (n) {
			repl_stage_records(r, n, false, NULL);
			return true;
		}
		if (a->wrap && !a->wrapped) {
			a->wrapped = true;
			a->cursor = 0;
			continue;
		}
		finish(r, a, now);
		return false;
	}
}

static bool step_digests(struct repl *r, struct answer *a)
{
	struct vrrp_ha_rbc *t = vrrp_ha_send_table(r->h);
	struct vrrp_ha_ext_wr x;
	unsigned k = 0;
	size_t len;

	if (repl_ext_begin(r, &x))
		return false;
	while (a->cursor < NBUCKETS && k < DIGESTS_PER_MSG) {
		unsigned b = (unsigned)a->cursor++;
		struct vrrp_ha_ext_digest d = {.first = (uint16_t)b, .n = 1};

		if (!bmap_test(a->want, b))
			continue;
		repl_digest_bucket(t, b, false, &d.count, &d.sum);
		if (vrrp_ha_ext_put_digest(&x, &d))
			break;
		k++;
		a->records++;
	}
	if (a->cursor >= NBUCKETS)
		a->phase = ANS_END;
	len = k ? vrrp_ha_ext_finish(&x) : 0;
	return len && repl_stage_ext(r, len, 0, a->unicast, dst_of(a)) == 0;
}

static bool full_token(struct repl *r, uint64_t now)
{
	uint64_t cap = (uint64_t)FULL_BURST * FULL_EVERY_MS;

	if (!r->full_tokens_ms) {
		r->full_budget_ms = cap;
	} else {
		r->full_budget_ms += now - r->full_tokens_ms;
		if (r->full_budget_ms > cap)
			r->full_budget_ms = cap;
	}
	r->full_tokens_ms = now;
	/* no counter: nothing is dropped, the answer waits (rx_rate_limited
	 * counts requests refused by their sender's bucket) */
	if (r->full_budget_ms < FULL_EVERY_MS)
		return false;
	r->full_budget_ms -= FULL_EVERY_MS;
	return true;
}

uint64_t answer_wait_ms(const struct repl *r, uint64_t now)
{
	const struct answer *a = r->nans ? &r->ans[0] : NULL;
	uint64_t cap = (uint64_t)FULL_BURST * FULL_EVERY_MS, budget;

	if (!a || !a->framed || a->phase != ANS_START || a->kind != FULL_ANSWER ||
	    a->what != VRRP_HA_EXT_REQ_RECORDS || !(a->flags & VRRP_HA_EXT_SYNC_FULL) ||
	    !r->full_tokens_ms)
		return 0;
	budget = r->full_budget_ms + (now - r->full_tokens_ms);
	if (budget > cap)
		budget = cap;
	return budget >= FULL_EVERY_MS ? 0 : FULL_EVERY_MS - budget;
}

bool answer_step(struct repl *r, uint64_t now)
{
	struct answer *a = cur(r);
	bool done;
	size_t n;

	if (!a)
		return false;
	if (!a->framed)
		return step_draft(r, a, now);
	switch (a->phase) {
	case ANS_START:
		if (a->what == VRRP_HA_EXT_REQ_RECORDS && (a->flags & VRRP_HA_EXT_SYNC_FULL)) {
			if (a->kind == FULL_ANSWER && !full_token(r, now)) {
				vrrp_ha_arm_at(r->h, now + FULL_EVERY_MS / FULL_BURST);
				return false;
			}
			repl_cnt(r)->full_syncs++;
			repl_sync_event(r, VRRP_HA_E_SYNC_STARTED, repl_full_names[a->kind],
			                repl_table_count(vrrp_ha_send_table(r->h)), 0);
		}
		a->start_ms = now;
		a->phase = ANS_WALK;
		a->cursor = 0;
		return stage_sync(r, a, VRRP_HA_EXT_SYNC_START, now) == 0;
	case ANS_WALK:
		if (a->what == VRRP_HA_EXT_REQ_DIGESTS)
			return step_digests(r, a);
		if (a->pmip_phase) {
			n = repl_pmip_answer_step(r, a, now, &done);
			a->records += n;
			if (done)
				a->phase = ANS_END;
			return n || !done;
		}
		n = fill_records(r, a, now, &done);
		a->records += n;
		if (done)
			a->pmip_phase = true; /* then the PMIPv6 records (pmip.c) */
		if (n) {
			repl_stage_records(r, n, a->unicast, dst_of(a));
			return true;
		}
		return true;
	case ANS_END:
		stage_sync(r, a, VRRP_HA_EXT_SYNC_END, now);
		finish(r, a, now);
		return true;
	default:
		dequeue(r);
		return false;
	}
}

/* ---- anti-entropy ----------------------------------------------------- */

void answer_digest_tick(struct repl *r, uint64_t now, uint64_t *next)
{
	struct vrrp_ha_rbc *t = vrrp_ha_send_table(r->h);
	unsigned every = repl_cfg(r)->digest_interval_ms;
	struct vrrp_ha_ext_digest d = {.first = 0, .n = NBUCKETS};
	struct vrrp_ha_ext_wr x;
	size_t len;
	bool ok;

	if (!every || !repl_ext_active(r))
		return;
	if (!r->next_digest_ms)
		r->next_digest_ms = now + every;
	if (now < r->next_digest_ms) {
		if (r->next_digest_ms < *next)
			*next = r->next_digest_ms;
		return;
	}
	/* when quiet (every change before it has left, in order), or at the
	 * latest one interval late: under steady churn a backup that lost
	 * updates must still hear it (a difference only in flight costs it a
	 * digest round that finds nothing) */
	if ((answer_busy(r) || rbc_dirty_count(t) || repl_pmip_dirty(r) || repl_pending(r)) &&
	    now < r->next_digest_ms + every) {
		if (now + 100 < *next)
			*next = now + 100;
		return;
	}
	r->next_digest_ms = now + every;
	if (r->next_digest_ms < *next)
		*next = r->next_digest_ms;
	repl_digest_total(t, &d.count, &d.sum);
	ok = repl_ext_begin(r, &x) == 0 && vrrp_ha_ext_put_digest(&x, &d) == 0;
	for (unsigned g = 0; ok && g < NBUCKETS / 64; g++) {
		d.first = (uint16_t)(g * 64);
		d.n = 64;
		repl_digest_group(t, g, &d.count, &d.sum);
		ok = vrrp_ha_ext_put_digest(&x, &d) == 0;
	}
	len = ok ? vrrp_ha_ext_finish(&x) : 0;
	if (len && repl_send_now(r, r->scratch, len, NULL) == 0)
		repl_cnt(r)->digests_sent++;
}

int answer_put_table(struct repl *r, struct vrrp_ha_ext_wr *x)
{
	struct vrrp_ha_rbc *t = vrrp_ha_send_table(r->h);
	unsigned prio = vrrp_ha_priority(r->h);
	struct vrrp_ha_ext_table tb = {.table_kind = VRRP_HA_EXT_K_MIPV6,
	                               .vrrp_state = (uint8_t)vrrp_ha_get_state(r->h),
	                               .sync_state = (uint8_t)fetch_state(r),
	                               .priority = (uint8_t)(prio > 255 ? 255 : prio)};

	repl_digest_total(t, &tb.count, &tb.sum);
	return vrrp_ha_ext_put_table(x, &tb);
}
