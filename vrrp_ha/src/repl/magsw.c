/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * magsw.c - per-MAG takeover (magsw.h, docs/pmipv6.md "Per-MAG takeover")
 * as MAGSW extension records, always protected.
 *
 * Per MAG one entry, a taker's or a giver's:
 *   taker  ASKING (our mag_take is on; a Request goes to the master every
 *          MAGSW_RETX_MS until its Reply or the deadline) -> TAKEN (Complete
 *          sent; a refresh Request every VRRP_HA_MAGSW_REFRESH_MS, to
 *          whoever is master now) -> RETURNING (a Back Request) -> gone;
 *   giver  GIVEN (our mag_give is on, the consent refreshed by the taker's
 *          Requests) -> RETURNING (a Back Request of ours) -> gone; or gone
 *          when not refreshed for VRRP_HA_MAGSW_EXPIRE_MS.
 * A retransmitted request gets the answer cached for (source, id, op).
 * Switching back is idempotent: a Back Request for a MAG the receiver has
 * no entry for is answered 0. A Back Request that times out is still
 * carried out here (the operator asked for it; the peer is gone).
 */
#include "repl/repl_int.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "vrrp_ha/magsw.h"
#include "vrrp_ha/pmip.h"
#include "vrrp_ha/rbc.h"
#include "vrrp_ha/store.h"

#define MAGSW_RETX_MS  250
#define MAGSW_RETRY_MS 500 /* after "not in sync": the taker repairs */
#define WALK_SLICE     128

static const char *const phase_names[] = {"-", "asking", "taken", "given", "returning"};

const char *vrrp_ha_magsw_status_name(unsigned status)
{
	switch (status) {
	case VRRP_HA_SW_SUCCESS:
		return "success";
	case VRRP_HA_SW_NOT_ACTIVE:
		return "not_serving";
	case VRRP_HA_SW_PROHIBITED:
		return "prohibited";
	case VRRP_HA_SW_NOT_IN_SYNC:
		return "not_in_sync";
	case VRRP_HA_SW_BUSY:
		return "busy";
	case VRRP_HA_MAGSW_R_TIMEOUT:
		return "timeout";
	default:
		return "unknown";
	}
}

static struct repl *repl_of(const struct vrrp_ha *h)
{
	return vrrp_ha_module_state(h, &vrrp_ha_mod_repl);
}

static const char *ntop(const struct in6_addr *a, char *buf)
{
	if (!a || !inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN))
		snprintf(buf, INET6_ADDRSTRLEN, "?");
	return buf;
}

void vrrp_ha_magsw_digest(struct vrrp_ha *h, const struct in6_addr *mag, uint32_t *count,
                          uint64_t *sum)
{
	struct vrrp_ha_rbc *t = vrrp_ha_send_table(h);
	struct vrrp_ha_store *s = t ? rbc_store(t) : NULL;
	struct vrrp_ha_record v[WALK_SLICE];
	uint64_t cursor = 0, now = vrrp_ha_now(h);
	size_t n;

	*count = 0;
	*sum = 0;
	if (!s)
		return;
	while ((n = store_walk(s, VRRP_HA_KIND_PMIPV6, &cursor, v, WALK_SLICE, now)) > 0)
		for (size_t i = 0; i < n; i++)
			if (addr_eq(&v[i].u.pmipv6.pcoa, mag)) {
				(*count)++;
				*sum += store_version_hash(&v[i]);
			}
}

static void mag_event(struct repl *r, const char *detail, const struct in6_addr *mag,
                      const struct in6_addr *peer, unsigned status, uint32_t count)
{
	struct vrrp_ha_event ev = {.type = VRRP_HA_E_MAG_SWITCH,
	                           .detail = detail,
	                           .peer = peer,
	                           .status = status,
	                           .count = count,
	                           .mag = *mag};

	vrrp_ha_emit(r->h, &ev);
}

static struct magsw_ent *find(struct repl_magsw *m, const struct in6_addr *mag)
{
	for (unsigned i = 0; i < VRRP_HA_MAGSW_MAX; i++)
		if (m->e[i].phase && addr_eq(&m->e[i].mag, mag))
			return &m->e[i];
	return NULL;
}

static struct magsw_ent *alloc_ent(struct repl_magsw *m, const struct in6_addr *mag)
{
	for (unsigned i = 0; i < VRRP_HA_MAGSW_MAX; i++)
		if (!m->e[i].phase) {
			memset(&m->e[i], 0, sizeof(m->e[i]));
			m->e[i].mag = *mag;
			return &m->e[i];
		}
	return NULL;
}

static uint32_t new_id(struct repl_magsw *m, uint64_t now)
{
	if (!m->next_id) /* unlikely to repeat a restarted node's ids */
		m->next_id = (uint32_t)(now * 2654435761u) | 1;
	if (!m->next_id)
		m->next_id = 1;
	return m->next_id++;
}

static int ms_send(struct repl *r, uint8_t op, uint32_t id, uint8_t status,
                   const struct in6_addr *mag, const struct in6_addr *to)
{
	struct vrrp_ha_ext_magsw rec;
	struct vrrp_ha_ext_wr x;
	size_t len;

	memset(&rec, 0, sizeof(rec));
	rec.op = op;
	rec.status = status;
	rec.id = id;
	rec.mag = *mag;
	vrrp_ha_magsw_digest(r->h, mag, &rec.count, &rec.sum);
	if (repl_ext_begin(r, &x) || vrrp_ha_ext_put_magsw(&x, &rec) ||
	    !(len = vrrp_ha_ext_finish(&x)))
		return -1;
	if (repl_send_now(r, r->scratch, len, to) < 0)
		return -1;
	r->ms.cnt.tx[op]++;
	return 0;
}

/* The end of what a waiter started (the entry may already be gone). */
static void done(struct repl *r, struct magsw_ent *e, unsigned status, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static void done(struct repl *r, struct magsw_ent *e, unsigned status, const char *fmt, ...)
{
	vrrp_ha_magsw_done_fn fn = e->fn;
	void *arg = e->arg;
	struct in6_addr peer = e->peer;
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	e->fn = NULL;
	e->arg = NULL;
	if (status == VRRP_HA_SW_SUCCESS)
		r->ms.cnt.done++;
	else
		r->ms.cnt.failed++;
	if (status == VRRP_HA_MAGSW_R_TIMEOUT)
		r->ms.cnt.timeouts++;
	vrrp_ha_logf(r->h, status ? LOG_WARNING : LOG_INFO, "mag switch: %s", line);
	if (fn)
		fn(arg, status, &peer, line);
}

/* Our side of an entry off, and the entry gone. */
static void undo(struct repl *r, struct magsw_ent *e, const char *detail, unsigned status)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	uint32_t c;
	uint64_t s;

	if (e->taker)
		(void)vrrp_ha_mag_take(r->h, &e->mag, false);
	else
		(void)vrrp_ha_mag_give(r->h, &e->mag, &e->peer, false);
	vrrp_ha_magsw_digest(r->h, &e->mag, &c, &s);
	vrrp_ha_logf(r->h, LOG_INFO, "mag switch: MAG %s %s (%s %s)", ntop(&e->mag, a), detail,
	             e->taker ? "taken from" : "given to", ntop(&e->peer, b));
	mag_event(r, detail, &e->mag, &e->peer, status, c);
	e->phase = MSP_NONE;
}

/* ---- starting ------------------------------------------------------------ */

int vrrp_ha_magsw_start(struct vrrp_ha *h, enum vrrp_ha_magsw_kind kind, const struct in6_addr *mag,
                        vrrp_ha_magsw_done_fn fn, void *arg, char *err, size_t errlen)
{
	struct repl *r = repl_of(h);
	struct repl_magsw *m;
	struct magsw_ent *e;
	struct in6_addr master;
	uint64_t now = vrrp_ha_now(h);
	char a[INET6_ADDRSTRLEN];
	uint32_t c;
	uint64_t s;
	int rc;

	if (!r) {
		snprintf(err, errlen, "no replication engine");
		return -1;
	}
	m = &r->ms;
	if (!r->auth_on) {
		snprintf(err, errlen,
		         "MAG switch messages must be authenticated: set auth in mipv6_ha");
		return -1;
	}
	if (!repl_ext_active(r)) {
		snprintf(err, errlen,
		         "MAG switch messages need extensions (extensions off, or no "
		         "peer speaks them yet)");
		return -1;
	}
	if (IN6_IS_ADDR_UNSPECIFIED(mag) || IN6_IS_ADDR_MULTICAST(mag) ||
	    IN6_IS_ADDR_LINKLOCAL(mag)) {
		snprintf(err, errlen, "the MAG is named by its proxy-CoA (a global address)");
		return -1;
	}
	e = find(m, mag);
	if (kind == VRRP_HA_MAGSW_BACK) {
		if (!e || (e->phase != MSP_TAKEN && e->phase != MSP_GIVEN)) {
			snprintf(err, errlen, "MAG %s is not taken or given here%s", ntop(mag, a),
			         e ? " (a switch of it is in progress)" : "");
			return -1;
		}
		e->back_from = e->phase;
		e->phase = MSP_RETURNING;
		e->id = new_id(m, now);
		e->fn = fn;
		e->arg = arg;
		e->tries = 0;
		e->next_tx = now;
		e->deadline = now + repl_cfg(r)->switch_timeout_ms;
		mag_event(r, "back_request", mag, &e->peer, 0, 0);
		vrrp_ha_arm_us(h, 0);
		return 0;
	}
	if (e) {
		snprintf(err, errlen, "MAG %s is already %s %s", ntop(mag, a),
		         phase_names[e->phase], e->taker ? "here" : "to a peer");
		return -1;
	}
	if (vrrp_ha_get_state(h) != VRRP_HA_ST_BACKUP || !vrrp_ha_master_addr(h, &master)) {
		snprintf(err, errlen,
		         "takeover-mag: this node is not a standby following an "
		         "active LMA");
		return -1;
	}
	vrrp_ha_magsw_digest(h, mag, &c, &s);
	if (!c) {
		snprintf(err, errlen, "takeover-mag: no proxy binding of MAG %s here",
		         ntop(mag, a));
		return -1;
	}
	if (!(e = alloc_ent(m, mag))) {
		snprintf(err, errlen, "takeover-mag: %u MAGs are taken or given already",
		         VRRP_HA_MAGSW_MAX);
		return -1;
	}
	/* forwarding first: the MAG already tunnels to us (it sent its PBU
	 * here); the master's consent then only moves what still reaches it */
	rc = vrrp_ha_mag_take(h, mag, true);
	if (rc < 0) {
		snprintf(err, errlen,
		         "takeover-mag: this node cannot forward the MAG's bindings (%s)",
		         rc == -2 ? "no data plane" : "data plane refused: see the log");
		return -1;
	}
	e->phase = MSP_ASKING;
	e->taker = true;
	e->peer = master;
	e->id = new_id(m, now);
	e->fn = fn;
	e->arg = arg;
	e->next_tx = now;
	e->since_ms = now;
	e->deadline = now + repl_cfg(r)->switch_timeout_ms;
	vrrp_ha_logf(h, LOG_INFO, "mag switch: taking MAG %s (%u bindings) from %s", ntop(mag, a),
	             c, ntop(&master, (char[INET6_ADDRSTRLEN]){0}));
	mag_event(r, "request", mag, &master, 0, c);
	vrrp_ha_arm_us(h, 0);
	return 0;
}

void vrrp_ha_magsw_detach(struct vrrp_ha *h, void *arg)
{
	struct repl *r = repl_of(h);

	if (!r)
		return;
	for (unsigned i = 0; i < VRRP_HA_MAGSW_MAX; i++)
		if (r->ms.e[i].arg == arg) {
			r->ms.e[i].fn = NULL;
			r->ms.e[i].arg = NULL;
		}
}

size_t vrrp_ha_magsw_list(struct vrrp_ha *h, struct vrrp_ha_magsw_info *out, size_t max)
{
	struct repl *r = repl_of(h);
	size_t n = 0;

	if (!r)
		return 0;
	for (unsigned i = 0; i < VRRP_HA_MAGSW_MAX; i++) {
		const struct magsw_ent *e = &r->ms.e[i];
		uint64_t s;

		if (!e->phase)
			continue;
		if (n < max) {
			out[n].mag = e->mag;
			out[n].peer = e->peer;
			out[n].taker = e->taker;
			out[n].phase = phase_names[e->phase];
			out[n].since_ms = e->since_ms;
			vrrp_ha_magsw_digest(h, &e->mag, &out[n].count, &s);
		}
		n++;
	}
	return n;
}

/* ---- receiving ----------------------------------------------------------- */

static bool cached(struct repl *r, const struct in6_addr *src, const struct vrrp_ha_ext_magsw *q,
                   uint8_t reply_op)
{
	struct repl_magsw *m = &r->ms;

	for (unsigned i = 0; i < MAGSW_ANS_CACHE; i++) {
		const struct magsw_ans *c = &m->ans[i];

		if (c->used && c->id == q->id && c->op == q->op && addr_eq(&c->src, src) &&
		    addr_eq(&c->mag, &q->mag)) {
			ms_send(r, reply_op, q->id, c->status, &q->mag, src);
			return true;
		}
	}
	return false;
}

static void answer(struct repl *r, const struct in6_addr *src, const struct vrrp_ha_ext_magsw *q,
                   uint8_t reply_op, uint8_t status)
{
	struct repl_magsw *m = &r->ms;
	struct magsw_ans *c = &m->ans[m->ans_next++ % MAGSW_ANS_CACHE];

	c->used = true;
	c->src = *src;
	c->id = q->id;
	c->op = q->op;
	c->mag = q->mag;
	c->status = status;
	if (status)
		m->cnt.refused++;
	else
		m->cnt.accepted++;
	ms_send(r, reply_op, q->id, status, &q->mag, src);
}

/* A Request (a new takeover, or the taker's refresh) at the master. */
static void rx_request(struct repl *r, const struct in6_addr *src,
                       const struct vrrp_ha_ext_magsw *q, uint64_t now)
{
	struct repl_magsw *m = &r->ms;
	struct magsw_ent *e;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	uint8_t status = VRRP_HA_SW_SUCCESS;
	uint32_t c;
	uint64_t s;
	int rc;

	if (cached(r, src, q, VRRP_HA_MAGSW_REPLY))
		return;
	e = find(m, &q->mag);
	if (e && !e->taker && addr_eq(&e->peer, src)) {
		/* the taker's refresh: the consent goes on */
		e->last_seen = now;
		m->cnt.refreshed++;
		answer(r, src, q, VRRP_HA_MAGSW_REPLY,
		       e->phase == MSP_GIVEN ? VRRP_HA_SW_SUCCESS : VRRP_HA_SW_BUSY);
		return;
	}
	if (!answer_rate_ok(r, src, now)) {
		m->cnt.rx_rate_limited++;
		return;
	}
	vrrp_ha_magsw_digest(r->h, &q->mag, &c, &s);
	if (e)
		status = VRRP_HA_SW_BUSY; /* given to another LMA, or taken by us */
	else if (vrrp_ha_get_state(r->h) != VRRP_HA_ST_MASTER || !c)
		status = VRRP_HA_SW_NOT_ACTIVE; /* not the LMA serving that MAG */
	else if (!repl_cfg(r)->switch_accept)
		status = VRRP_HA_SW_PROHIBITED;
	else if (c != q->count || s != q->sum)
		status = VRRP_HA_SW_NOT_IN_SYNC;
	else if (!(e = alloc_ent(m, &q->mag)))
		status = VRRP_HA_SW_BUSY;
	if (!status) {
		rc = vrrp_ha_mag_give(r->h, &q->mag, src, true);
		if (rc == -1) {
			e->phase = MSP_NONE;
			status = VRRP_HA_SW_BUSY;
		}
	}
	vrrp_ha_logf(r->h, status ? LOG_WARNING : LOG_INFO,
	             "mag switch: %s asks for MAG %s (%u bindings here, %u there): %s (%u)",
	             ntop(src, a), ntop(&q->mag, b), c, q->count, vrrp_ha_magsw_status_name(status),
	             status);
	if (status) {
		mag_event(r, "refused", &q->mag, src, status, c);
		answer(r, src, q, VRRP_HA_MAGSW_REPLY, status);
		return;
	}
	e->phase = MSP_GIVEN;
	e->taker = false;
	e->peer = *src;
	e->since_ms = e->last_seen = now;
	m->cnt.given++;
	/* the event first: a daemon that forwards its own bindings (the
	 * owner's) stops sending that MAG's traffic into its tunnel */
	mag_event(r, "given", &q->mag, src, 0, c);
	answer(r, src, q, VRRP_HA_MAGSW_REPLY, VRRP_HA_SW_SUCCESS);
}

static void rx_reply(struct repl *r, const struct in6_addr *src, const struct vrrp_ha_ext_magsw *q,
                     uint64_t now)
{
	struct repl_magsw *m = &r->ms;
	struct magsw_ent *e = find(m, &q->mag);
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	uint32_t c;
	uint64_t s;

	if (!e || !e->taker || e->id != q->id || !addr_eq(&e->peer, src) ||
	    (e->phase != MSP_ASKING && e->phase != MSP_TAKEN)) {
		m->cnt.rx_unexpected++;
		return;
	}
	if (e->phase == MSP_TAKEN) {
		/* a refresh's answer */
		e->id = 0;
		if (q->status) {
			m->cnt.refresh_refused++;
			vrrp_ha_logf(r->h, LOG_WARNING,
			             "mag switch: %s no longer consents to MAG %s: %s (%u); still "
			             "forwarding it",
			             ntop(src, a), ntop(&q->mag, b),
			             vrrp_ha_magsw_status_name(q->status), q->status);
		}
		return;
	}
	if (q->status == VRRP_HA_SW_NOT_IN_SYNC && now + MAGSW_RETRY_MS < e->deadline) {
		/* our table differs from the master's: repair, ask again */
		fetch_check(r, src, "mag switch: tables differ");
		e->last_refusal = q->status;
		e->id = new_id(m, now);
		e->next_tx = now + MAGSW_RETRY_MS;
		vrrp_ha_arm_at(r->h, e->next_tx);
		return;
	}
	if (q->status) {
		e->phase = MSP_NONE;
		(void)vrrp_ha_mag_take(r->h, &e->mag, false);
		vrrp_ha_magsw_digest(r->h, &e->mag, &c, &s);
		mag_event(r, "refused", &e->mag, src, q->status, c);
		done(r, e, q->status, "takeover of MAG %s refused by %s: %s (%u)", ntop(&e->mag, a),
		     ntop(src, b), vrrp_ha_magsw_status_name(q->status), q->status);
		return;
	}
	e->phase = MSP_TAKEN;
	e->id = 0;
	e->since_ms = now;
	e->next_tx = now + VRRP_HA_MAGSW_REFRESH_MS;
	m->cnt.taken++;
	vrrp_ha_magsw_digest(r->h, &e->mag, &c, &s);
	mag_event(r, "taken", &e->mag, src, 0, c);
	/* Figure 2's optional step 5 */
	ms_send(r, VRRP_HA_MAGSW_COMPLETE, q->id, 0, &e->mag, src);
	done(r, e, 0, "MAG %s taken from %s (%u bindings)", ntop(&e->mag, a), ntop(src, b), c);
}

/* A Back Request: the other side of an entry ends it. */
static void rx_back_request(struct repl *r, const struct in6_addr *src,
                            const struct vrrp_ha_ext_magsw *q)
{
	struct repl_magsw *m = &r->ms;
	struct magsw_ent *e;

	if (cached(r, src, q, VRRP_HA_MAGSW_BACK_REPLY))
		return;
	e = find(m, &q->mag);
	if (e && !addr_eq(&e->peer, src)) {
		answer(r, src, q, VRRP_HA_MAGSW_BACK_REPLY, VRRP_HA_SW_NOT_ACTIVE);
		return;
	}
	if (e) {
		m->cnt.returned++;
		if (e->fn)
			done(r, e, VRRP_HA_SW_NOT_ACTIVE, "the peer switched MAG back meanwhile");
		undo(r, e, e->taker ? "given_back" : "returned", 0);
	}
	answer(r, src, q, VRRP_HA_MAGSW_BACK_REPLY, VRRP_HA_SW_SUCCESS);
}

static void rx_back_reply(struct repl *r, const struct in6_addr *src,
                          const struct vrrp_ha_ext_magsw *q)
{
	struct repl_magsw *m = &r->ms;
	struct magsw_ent *e = find(m, &q->mag);
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	if (!e || e->phase != MSP_RETURNING || e->id != q->id || !addr_eq(&e->peer, src)) {
		m->cnt.rx_unexpected++;
		return;
	}
	if (q->status) {
		e->phase = e->back_from;
		done(r, e, q->status, "switch-back of MAG %s refused by %s: %s (%u)",
		     ntop(&e->mag, a), ntop(src, b), vrrp_ha_magsw_status_name(q->status),
		     q->status);
		return;
	}
	ms_send(r, VRRP_HA_MAGSW_BACK_COMPLETE, q->id, 0, &e->mag, src);
	m->cnt.returned++;
	done(r, e, 0, "MAG %s switched back (%s %s)", ntop(&e->mag, a), e->taker ? "to" : "from",
	     ntop(src, b));
	undo(r, e, e->taker ? "given_back" : "returned", 0);
}

void magsw_rx(struct repl *r, const struct in6_addr *src, const struct vrrp_ha_ext_magsw *q,
              uint64_t now)
{
	struct repl_magsw *m = &r->ms;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	m->cnt.rx[q->op]++;
	if (!r->auth_on) {
		/* like the HA switch messages: unprotected, anyone on the link
		 * could move a MAG's traffic */
		m->cnt.rx_unauthenticated++;
		return;
	}
	switch (q->op) {
	case VRRP_HA_MAGSW_REQUEST:
		rx_request(r, src, q, now);
		break;
	case VRRP_HA_MAGSW_REPLY:
		rx_reply(r, src, q, now);
		break;
	case VRRP_HA_MAGSW_COMPLETE:
	case VRRP_HA_MAGSW_BACK_COMPLETE: {
		struct magsw_ent *e = find(m, &q->mag);

		if (e && addr_eq(&e->peer, src) && q->op == VRRP_HA_MAGSW_COMPLETE && !e->taker) {
			vrrp_ha_logf(r->h, LOG_INFO,
			             "mag switch: %s completed its takeover of MAG %s",
			             ntop(src, a), ntop(&q->mag, b));
			mag_event(r, "complete", &q->mag, src, 0, q->count);
		}
		break;
	}
	case VRRP_HA_MAGSW_BACK_REQUEST:
		rx_back_request(r, src, q);
		break;
	case VRRP_HA_MAGSW_BACK_REPLY:
		rx_back_reply(r, src, q);
		break;
	default:
		break;
	}
	vrrp_ha_arm_us(r->h, 0);
}

/* ---- timer ----------------------------------------------------------------- */

static void ent_timer(struct repl *r, struct magsw_ent *e, uint64_t now, uint64_t *next)
{
	struct repl_magsw *m = &r->ms;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	struct in6_addr master;
	uint32_t c;
	uint64_t s;

	switch (e->phase) {
	case MSP_ASKING:
	case MSP_RETURNING:
		if (now >= e->deadline) {
			if (e->phase == MSP_ASKING && e->last_refusal) {
				unsigned st = e->last_refusal;

				e->phase = MSP_NONE;
				(void)vrrp_ha_mag_take(r->h, &e->mag, false);
				vrrp_ha_magsw_digest(r->h, &e->mag, &c, &s);
				mag_event(r, "refused", &e->mag, &e->peer, st, c);
				done(r, e, st, "takeover of MAG %s: %s (%u) until the deadline",
				     ntop(&e->mag, a), vrrp_ha_magsw_status_name(st), st);
				return;
			}
			if (e->phase == MSP_ASKING) {
				/* the master never consented: it is gone (VRRP takes
				 * over) or the path to it is; undo */
				done(r, e, VRRP_HA_MAGSW_R_TIMEOUT,
				     "takeover of MAG %s: no answer from %s within %u ms",
				     ntop(&e->mag, a), ntop(&e->peer, b),
				     repl_cfg(r)->switch_timeout_ms);
				undo(r, e, "timeout", VRRP_HA_MAGSW_R_TIMEOUT);
				return;
			}
			/* a switch-back the peer did not answer: carried out here */
			done(r, e, VRRP_HA_MAGSW_R_TIMEOUT,
			     "switch-back of MAG %s: no answer from %s within %u ms; ended here",
			     ntop(&e->mag, a), ntop(&e->peer, b), repl_cfg(r)->switch_timeout_ms);
			undo(r, e, e->taker ? "given_back" : "returned", VRRP_HA_MAGSW_R_TIMEOUT);
			return;
		}
		if (now >= e->next_tx) {
			ms_send(r,
			        e->phase == MSP_ASKING ? VRRP_HA_MAGSW_REQUEST
			                               : VRRP_HA_MAGSW_BACK_REQUEST,
			        e->id, 0, &e->mag, &e->peer);
			e->tries++;
			e->next_tx = now + MAGSW_RETX_MS;
		}
		if (e->deadline < *next)
			*next = e->deadline;
		break;
	case MSP_TAKEN:
		/* whoever is master now must keep sending what still reaches it */
		if (vrrp_ha_get_state(r->h) == VRRP_HA_ST_MASTER)
			break;
		if (vrrp_ha_master_addr(r->h, &master) && !addr_eq(&master, &e->peer)) {
			vrrp_ha_logf(r->h, LOG_INFO,
			             "mag switch: new master %s: asking it for MAG %s again",
			             ntop(&master, a), ntop(&e->mag, b));
			e->peer = master;
			e->next_tx = now;
		}
		if (now >= e->next_tx) {
			e->id = new_id(m, now);
			ms_send(r, VRRP_HA_MAGSW_REQUEST, e->id, 0, &e->mag, &e->peer);
			m->cnt.refreshes++;
			e->next_tx = now + VRRP_HA_MAGSW_REFRESH_MS;
		}
		break;
	case MSP_GIVEN:
		if (now >= e->last_seen + VRRP_HA_MAGSW_EXPIRE_MS) {
			m->cnt.expired++;
			vrrp_ha_logf(
			        r->h, LOG_WARNING,
			        "mag switch: %s did not refresh MAG %s for %u ms: taking it back",
			        ntop(&e->peer, a), ntop(&e->mag, b), VRRP_HA_MAGSW_EXPIRE_MS);
			undo(r, e, "expired", 0);
			return;
		}
		if (e->last_seen + VRRP_HA_MAGSW_EXPIRE_MS < *next)
			*next = e->last_seen + VRRP_HA_MAGSW_EXPIRE_MS;
		return;
	default:
		return;
	}
	if (e->phase && e->next_tx < *next)
		*next = e->next_tx;
}

void magsw_timer(struct repl *r, uint64_t now, uint64_t *next)
{
	for (unsigned i = 0; i < VRRP_HA_MAGSW_MAX; i++)
		if (r->ms.e[i].phase)
			ent_timer(r, &r->ms.e[i], now, next);
}

/* Shut down: every MAG taken or given here ends with the instance (the
 * modules remove their kernel state; waiters are not called back: their
 * control connections go with the instance). */
void magsw_stop(struct repl *r)
{
	memset(r->ms.e, 0, sizeof(r->ms.e));
}

/* ---- counters -------------------------------------------------------------- */

static const void *cnt_block(const void *arg)
{
	return &((const struct repl *)arg)->ms.cnt;
}

#define MSC(name, f)                                                                               \
	{                                                                                          \
		name, offsetof(struct magsw_counters, f), false                                    \
	}
static const struct vrrp_ha_counter_def ms_defs[] = {
        MSC("tx_request", tx[VRRP_HA_MAGSW_REQUEST]),
        MSC("tx_reply", tx[VRRP_HA_MAGSW_REPLY]),
        MSC("tx_complete", tx[VRRP_HA_MAGSW_COMPLETE]),
        MSC("tx_back_request", tx[VRRP_HA_MAGSW_BACK_REQUEST]),
        MSC("tx_back_reply", tx[VRRP_HA_MAGSW_BACK_REPLY]),
        MSC("tx_back_complete", tx[VRRP_HA_MAGSW_BACK_COMPLETE]),
        MSC("rx_request", rx[VRRP_HA_MAGSW_REQUEST]),
        MSC("rx_reply", rx[VRRP_HA_MAGSW_REPLY]),
        MSC("rx_complete", rx[VRRP_HA_MAGSW_COMPLETE]),
        MSC("rx_back_request", rx[VRRP_HA_MAGSW_BACK_REQUEST]),
        MSC("rx_back_reply", rx[VRRP_HA_MAGSW_BACK_REPLY]),
        MSC("rx_back_complete", rx[VRRP_HA_MAGSW_BACK_COMPLETE]),
        MSC("rx_unauthenticated", rx_unauthenticated),
        MSC("rx_unexpected", rx_unexpected),
        MSC("rx_rate_limited", rx_rate_limited),
        MSC("accepted", accepted),
        MSC("refused", refused),
        MSC("given", given),
        MSC("taken", taken),
        MSC("returned", returned),
        MSC("expired", expired),
        MSC("refreshes", refreshes),
        MSC("refreshed", refreshed),
        MSC("refresh_refused", refresh_refused),
        MSC("done", done),
        MSC("failed", failed),
        MSC("timeouts", timeouts),
};
#undef MSC

int magsw_init(struct repl *r, struct vrrp_ha_counters_reg *reg)
{
	return vrrp_ha_counters_add_table(reg, "magsw", "magsw_", ms_defs,
	                                  sizeof(ms_defs) / sizeof(ms_defs[0]), cnt_block, r);
}
