/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * switch.c - SwitchOver, SwitchBack and Hello (the HARP draft's 5.3, 6.1,
 * 7.6, 7.7; docs/harp.md) as SWITCH extension records, always protected.
 *
 * Two roles meet in every switch, whoever asked:
 *   giving  the MASTER holds its priority just below the HA taking over
 *           (VRRP_HA_HOLD_SWITCH) and waits to leave MASTER, which
 *           keepalived does on the first higher advert;
 *   taking  the BACKUP that was granted the switch waits for an advert of
 *           that master below its own priority (the proof the hold is in
 *           force), then takes over through ops->become_master.
 * SwitchBack: the master asks (Hello Request first if no standby was
 * named), the standby consents in its reply and takes; the master gives on
 * the reply. SwitchOver: the standby asks, the master consents in its reply
 * and gives; the standby takes on the reply. A lost request or reply is
 * retransmitted with the same id and answered the same; a lost advert is
 * followed by the next one. Neither side waits beyond switch_timeout.
 */
#include "repl/repl_int.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "vrrp_ha/hold.h"
#include "vrrp_ha/peers.h"

enum { SWP_IDLE, SWP_HELLO, SWP_ASK, SWP_GIVE, SWP_TAKE };
static const char *const phase_names[] = {"idle", "hello", "asking", "giving", "taking"};

/* A request is sent again this often until its reply. */
#define SW_RETX_MS 250
/* Standbys answer a Hello Request within this (two requests are sent). */
#define SW_HELLO_MS 400
/* After a refusal for "not in sync", ask again this much later (the
 * refusing node started a repair). */
#define SW_RETRY_MS 500
/* While taking over, the peers' adverts are looked at this often. */
#define SW_POLL_MS 5

const char *vrrp_ha_switch_status_name(unsigned status)
{
	switch (status) {
	case VRRP_HA_SW_SUCCESS:
		return "success";
	case VRRP_HA_SW_NOT_ACTIVE:
		return "not_active";
	case VRRP_HA_SW_PROHIBITED:
		return "prohibited";
	case VRRP_HA_SW_NOT_IN_SYNC:
		return "not_in_sync";
	case VRRP_HA_SW_BUSY:
		return "busy";
	case VRRP_HA_SW_R_TIMEOUT:
		return "timeout";
	case VRRP_HA_SW_R_NO_STANDBY:
		return "no_standby";
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

static void sw_event(struct repl *r, const char *detail, const struct in6_addr *peer,
                     unsigned status)
{
	struct vrrp_ha_event ev = {
	        .type = VRRP_HA_E_SWITCH, .detail = detail, .peer = peer, .status = status};

	vrrp_ha_emit(r->h, &ev);
}

/* Our priority as the other HA should see it: the host's (track weights)
 * under every hold but the switch's own, which a switch replaces. */
static unsigned own_prio(const struct repl *r)
{
	unsigned p = r->sw.tracked ? r->sw.tracked : vrrp_ha_priority(r->h);

	for (int why = 0; why < VRRP_HA_HOLD__COUNT; why++) {
		unsigned q = vrrp_ha_hold_reason_prio(r->h, (enum vrrp_ha_hold_reason)why);

		if (why != VRRP_HA_HOLD_SWITCH && q && q < p)
			p = q;
	}
	return p > 255 ? 255 : p;
}

static bool held_other(const struct repl *r, enum vrrp_ha_hold_reason why)
{
	return vrrp_ha_hold_reason_prio(r->h, why) != 0;
}

static void table_digest(struct repl *r, uint32_t *count, uint64_t *sum)
{
	rbc_digest_total(vrrp_ha_send_table(r->h), count, sum);
}

static int sw_send(struct repl *r, uint8_t op, uint32_t id, uint16_t status, uint8_t flags,
                   const struct in6_addr *to, const struct in6_addr *target)
{
	struct vrrp_ha_ext_switch m;
	struct vrrp_ha_ext_wr x;
	size_t len;

	memset(&m, 0, sizeof(m));
	m.op = op;
	m.vrrp_state = (uint8_t)vrrp_ha_get_state(r->h);
	m.status = status;
	m.id = id;
	m.priority = (uint8_t)(vrrp_ha_priority(r->h) > 255 ? 255 : vrrp_ha_priority(r->h));
	m.eff_priority = (uint8_t)own_prio(r);
	m.sync_state = (uint8_t)fetch_state(r);
	m.flags = flags;
	if (held_other(r, VRRP_HA_HOLD_SYNC) || held_other(r, VRRP_HA_HOLD_OPERATOR))
		m.flags |= VRRP_HA_SW_F_HELD;
	table_digest(r, &m.count, &m.sum);
	if (target)
		m.target = *target;
	if (repl_ext_begin(r, &x) || vrrp_ha_ext_put_switch(&x, &m) ||
	    !(len = vrrp_ha_ext_finish(&x)))
		return -1;
	if (repl_send_now(r, r->scratch, len, to) < 0)
		return -1;
	r->sw.cnt.tx[op]++;
	return 0;
}

/* ---- the end of a switch started here ---------------------------------- */

static void finish(struct repl *r, unsigned status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void finish(struct repl *r, unsigned status, const char *fmt, ...)
{
	struct repl_switch *sw = &r->sw;
	vrrp_ha_switch_done_fn fn = sw->fn;
	void *arg = sw->arg;
	struct in6_addr peer = sw->peer;
	bool have_peer = sw->peer_given || sw->phase >= SWP_ASK;
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (!sw->phase)
		return;
	sw->phase = SWP_IDLE;
	sw->fn = NULL;
	sw->arg = NULL;
	sw->last_status = status;
	sw->have_last = true;
	if (status == VRRP_HA_SW_SUCCESS)
		sw->cnt.done++;
	else
		sw->cnt.failed++;
	if (status == VRRP_HA_SW_R_TIMEOUT)
		sw->cnt.timeouts++;
	vrrp_ha_logf(r->h, status ? LOG_WARNING : LOG_INFO, "%s %s: %s",
	             sw->op == VRRP_HA_SW_SWITCHOVER_REQUEST ? "switchover" : "switchback",
	             status ? "failed" : "done", line);
	sw_event(r, status ? "failed" : "done", have_peer ? &peer : NULL, status);
	if (fn)
		fn(arg, status, have_peer ? &peer : NULL, line);
}

/* ---- the two roles ------------------------------------------------------- */

static void start_give(struct repl *r, const struct in6_addr *to, unsigned their_prio, uint64_t now)
{
	struct repl_switch *sw = &r->sw;
	unsigned below = their_prio > 1 ? their_prio - 1 : 1;
	char a[INET6_ADDRSTRLEN];

	sw->give = true;
	sw->give_to = *to;
	sw->give_until = now + repl_cfg(r)->switch_timeout_ms;
	vrrp_ha_logf(r->h, LOG_INFO, "switch: handing over to %s: holding priority at %u",
	             ntop(to, a), below);
	sw_event(r, "giving", to, 0);
	vrrp_ha_hold(r->h, VRRP_HA_HOLD_SWITCH, below, "switch: handing over");
}

static void start_take(struct repl *r, const struct in6_addr *from, uint64_t now)
{
	struct repl_switch *sw = &r->sw;
	char a[INET6_ADDRSTRLEN];

	sw->take = true;
	sw->take_from = *from;
	sw->take_since = now;
	sw->take_until = now + repl_cfg(r)->switch_timeout_ms;
	/* our own switch hold (from an earlier handover) would keep us
	 * below the master we are to replace */
	vrrp_ha_hold(r->h, VRRP_HA_HOLD_SWITCH, 0, "switch: taking over");
	vrrp_ha_logf(r->h, LOG_INFO, "switch: %s consented: taking over at its next advert",
	             ntop(from, a));
	sw_event(r, "taking", from, 0);
	vrrp_ha_arm_us(r->h, 0);
}

/* The taking side: has the master shown it holds below us? */
static void take_poll(struct repl *r, uint64_t now, uint64_t *next)
{
	struct repl_switch *sw = &r->sw;
	struct vrrp_ha_peer_info p[VRRP_HA_PEERS_MAX];
	size_t n = vrrp_ha_peers(r->h, p, VRRP_HA_PEERS_MAX);
	const struct vrrp_ha_ops *ops = vrrp_ha_host_ops(r->h);
	char a[INET6_ADDRSTRLEN];

	if (now >= sw->take_until) {
		sw->take = false;
		vrrp_ha_prepare_master(r->h, false);
		vrrp_ha_logf(r->h, LOG_WARNING,
		             "switch: %s never advertised below us: not taking over",
		             ntop(&sw->take_from, a));
		sw_event(r, "take_expired", &sw->take_from, VRRP_HA_SW_R_TIMEOUT);
		if (sw->phase == SWP_TAKE)
			finish(r, VRRP_HA_SW_R_TIMEOUT, "%s did not give way within %u ms",
			       ntop(&sw->take_from, a), repl_cfg(r)->switch_timeout_ms);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (!addr_eq(&p[i].addr, &sw->take_from) || p[i].last_advert_ms < sw->take_since)
			continue;
		if (p[i].priority >= own_prio(r))
			break;
		/* forwarding first: the data plane is on before this node's
		 * first advert makes the old master let the address go */
		vrrp_ha_prepare_master(r->h, true);
		if (!ops->become_master || ops->become_master(vrrp_ha_host_ctx(r->h)) < 0) {
			vrrp_ha_prepare_master(r->h, false);
			vrrp_ha_logf(r->h, LOG_ERR, "switch: the host cannot take over now");
			sw->take = false;
			if (sw->phase == SWP_TAKE)
				finish(r, VRRP_HA_SW_R_TIMEOUT, "the host refused to take over");
			return;
		}
		sw->cnt.took_over++;
		vrrp_ha_logf(r->h, LOG_INFO, "switch: %s advertises %u: taking over",
		             ntop(&sw->take_from, a), p[i].priority);
		/* take stays set until we are MASTER (on_state) or it expires */
		sw->take_since = UINT64_MAX;
		break;
	}
	if (now + SW_POLL_MS < *next)
		*next = now + SW_POLL_MS;
	if (sw->take_until < *next)
		*next = sw->take_until;
}

/* ---- receiving ----------------------------------------------------------- */

static bool is_own(const struct repl *r, const struct in6_addr *a)
{
	return addr_eq(a, &repl_cfg(r)->own_ll);
}

/* Would we become the active HA now? Returns: 0 or a refusal status. */
static unsigned can_take(struct repl *r, uint32_t count, uint64_t sum, const struct in6_addr *from)
{
	struct repl_switch *sw = &r->sw;
	uint32_t c;
	uint64_t s;

	if (!repl_cfg(r)->switch_accept || held_other(r, VRRP_HA_HOLD_OPERATOR))
		return VRRP_HA_SW_PROHIBITED;
	if ((sw->phase && sw->phase != SWP_ASK) || sw->give ||
	    (sw->take && !addr_eq(&sw->take_from, from)))
		return VRRP_HA_SW_BUSY;
	table_digest(r, &c, &s);
	if (held_other(r, VRRP_HA_HOLD_SYNC) || fetch_state(r) != VRRP_HA_SYNC_IN_SYNC ||
	    c != count || s != sum) {
		fetch_check(r, from, "switch: tables differ");
		return VRRP_HA_SW_NOT_IN_SYNC;
	}
	return VRRP_HA_SW_SUCCESS;
}

/* Would we hand over to the sender of a SwitchOver Request now? */
static unsigned can_give(struct repl *r, const struct vrrp_ha_ext_switch *m)
{
	struct repl_switch *sw = &r->sw;
	uint32_t c;
	uint64_t s;

	if (vrrp_ha_get_state(r->h) != VRRP_HA_ST_MASTER)
		return VRRP_HA_SW_NOT_ACTIVE;
	if (!repl_cfg(r)->switch_accept)
		return VRRP_HA_SW_PROHIBITED;
	if (sw->phase || sw->give || sw->take)
		return VRRP_HA_SW_BUSY;
	if (m->flags & VRRP_HA_SW_F_HELD)
		return VRRP_HA_SW_PROHIBITED;
	table_digest(r, &c, &s);
	if (m->sync_state != VRRP_HA_SYNC_IN_SYNC || c != m->count || s != m->sum)
		return VRRP_HA_SW_NOT_IN_SYNC;
	return VRRP_HA_SW_SUCCESS;
}

static void answer(struct repl *r, const struct in6_addr *src, const struct vrrp_ha_ext_switch *m,
                   uint8_t reply_op, unsigned status)
{
	struct repl_switch *sw = &r->sw;
	char a[INET6_ADDRSTRLEN];

	sw->answered = true;
	sw->ans_from = *src;
	sw->ans_id = m->id;
	sw->ans_op = m->op;
	sw->ans_status = (uint16_t)status;
	if (status)
		sw->cnt.refused++;
	else
		sw->cnt.accepted++;
	vrrp_ha_logf(r->h, status ? LOG_WARNING : LOG_INFO, "switch: %s request from %s: %s (%u)",
	             m->op == VRRP_HA_SW_SWITCHOVER_REQUEST ? "switchover" : "switchback",
	             ntop(src, a), vrrp_ha_switch_status_name(status), status);
	sw_event(r, status ? "refused" : "accepted", src, status);
	sw_send(r, reply_op, m->id, (uint16_t)status, 0, src, src);
}

static void rx_request(struct repl *r, const struct in6_addr *src,
                       const struct vrrp_ha_ext_switch *m, uint64_t now)
{
	struct repl_switch *sw = &r->sw;
	bool back = m->op == VRRP_HA_SW_SWITCHBACK_REQUEST;
	uint8_t reply_op = back ? VRRP_HA_SW_SWITCHBACK_REPLY : VRRP_HA_SW_SWITCHOVER_REPLY;
	struct in6_addr master;
	unsigned status;

	if (back && (!vrrp_ha_master_addr(r->h, &master) || !addr_eq(&master, src))) {
		/* 7.7.2: a SwitchBack Request not from the active HA */
		sw->cnt.rx_not_master++;
		return;
	}
	if (sw->answered && addr_eq(&sw->ans_from, src) && sw->ans_id == m->id &&
	    sw->ans_op == m->op) {
		/* a retransmit: the same answer (a consent already acted on) */
		sw_send(r, reply_op, m->id, sw->ans_status, 0, src, src);
		return;
	}
	if (!answer_rate_ok(r, src, now)) {
		sw->cnt.rx_rate_limited++;
		return;
	}
	if (back) {
		status = vrrp_ha_get_state(r->h) == VRRP_HA_ST_MASTER
		                 ? VRRP_HA_SW_NOT_ACTIVE
		                 : can_take(r, m->count, m->sum, src);
		answer(r, src, m, reply_op, status);
		if (!status)
			start_take(r, src, now);
	} else {
		status = can_give(r, m);
		answer(r, src, m, reply_op, status);
		if (!status)
			start_give(r, src, m->eff_priority, now);
	}
}

static void rx_hello_request(struct repl *r, const struct in6_addr *src,
                             const struct vrrp_ha_ext_switch *m, uint64_t now)
{
	struct repl_switch *sw = &r->sw;
	struct in6_addr master;
	uint32_t c;
	uint64_t s;
	uint8_t flags = 0;

	if (!vrrp_ha_master_addr(r->h, &master) || !addr_eq(&master, src)) {
		sw->cnt.rx_not_master++;
		return;
	}
	if (!answer_rate_ok(r, src, now)) {
		sw->cnt.rx_rate_limited++;
		return;
	}
	table_digest(r, &c, &s);
	if (c == m->count && s == m->sum && fetch_state(r) == VRRP_HA_SYNC_IN_SYNC)
		flags |= VRRP_HA_SW_F_IN_SYNC;
	else
		fetch_check(r, src, "switch: tables differ");
	if (!repl_cfg(r)->switch_accept)
		flags |= VRRP_HA_SW_F_HELD; /* not a candidate */
	sw_send(r, VRRP_HA_SW_HELLO, m->id, 0, flags, src, src);
}

static void rx_hello(struct repl *r, const struct in6_addr *src, const struct vrrp_ha_ext_switch *m)
{
	struct repl_switch *sw = &r->sw;
	unsigned i;

	if (sw->phase != SWP_HELLO || m->id != sw->id) {
		sw->cnt.rx_unexpected++;
		return;
	}
	for (i = 0; i < sw->ncands; i++)
		if (addr_eq(&sw->cand_addr[i], src))
			break;
	if (i == sw->ncands) {
		if (sw->ncands == SW_MAX_CANDS)
			return;
		sw->ncands++;
	}
	sw->cand_addr[i] = *src;
	sw->cands[i] = *m;
}

/* Request ids are never 0 (the draft) */
static uint32_t new_id(struct repl_switch *sw)
{
	if (!sw->next_id)
		sw->next_id = 1;
	return sw->next_id++;
}

static void rx_reply(struct repl *r, const struct in6_addr *src, const struct vrrp_ha_ext_switch *m,
                     uint64_t now)
{
	struct repl_switch *sw = &r->sw;
	char a[INET6_ADDRSTRLEN];

	if (sw->phase != SWP_ASK || m->id != sw->id || !addr_eq(src, &sw->peer) ||
	    m->op != sw->op + 1) {
		sw->cnt.rx_unexpected++; /* 7.6.3, 7.7.3: no request of ours */
		return;
	}
	if (m->status == VRRP_HA_SW_NOT_IN_SYNC && now + SW_RETRY_MS < sw->deadline) {
		/* the node that would become active repairs its table: ask
		 * again a little later, within the deadline */
		sw->last_refusal = m->status;
		sw->next_tx = now + SW_RETRY_MS;
		sw->id = new_id(sw); /* a new question: the old id has its answer */
		vrrp_ha_arm_at(r->h, sw->next_tx);
		return;
	}
	if (m->status) {
		finish(r, m->status, "%s refused: %s (%u)", ntop(src, a),
		       vrrp_ha_switch_status_name(m->status), m->status);
		return;
	}
	if (sw->op == VRRP_HA_SW_SWITCHBACK_REQUEST) {
		if (vrrp_ha_get_state(r->h) != VRRP_HA_ST_MASTER) {
			finish(r, VRRP_HA_SW_NOT_ACTIVE, "no longer MASTER");
			return;
		}
		sw->phase = SWP_GIVE;
		start_give(r, src, m->eff_priority, now);
	} else {
		sw->phase = SWP_TAKE;
		start_take(r, src, now);
	}
}

void switch_rx(struct repl *r, const struct in6_addr *src, const struct vrrp_ha_ext_switch *m,
               uint64_t now)
{
	struct repl_switch *sw = &r->sw;

	sw->cnt.rx[m->op]++;
	if (!r->auth_on) {
		/* the draft: these MUST be authenticated; unprotected, anyone
		 * on the link could move the active role */
		sw->cnt.rx_unauthenticated++;
		return;
	}
	if (!IN6_IS_ADDR_UNSPECIFIED(&m->target) && !is_own(r, &m->target)) {
		sw->cnt.rx_not_for_us++;
		return;
	}
	switch (m->op) {
	case VRRP_HA_SW_HELLO_REQUEST:
		rx_hello_request(r, src, m, now);
		break;
	case VRRP_HA_SW_HELLO:
		rx_hello(r, src, m);
		break;
	case VRRP_HA_SW_SWITCHOVER_REQUEST:
	case VRRP_HA_SW_SWITCHBACK_REQUEST:
		rx_request(r, src, m, now);
		break;
	default:
		rx_reply(r, src, m, now);
		break;
	}
	vrrp_ha_arm_us(r->h, 0);
}

/* ---- a switch started here ----------------------------------------------- */

/* The best standby of the Hello answers: in sync, not held, highest
 * priority, then the higher address (RFC 5798's tie rule). */
static int best_cand(const struct repl_switch *sw, unsigned *why_none)
{
	int best = -1;

	*why_none = VRRP_HA_SW_R_NO_STANDBY;
	for (unsigned i = 0; i < sw->ncands; i++) {
		const struct vrrp_ha_ext_switch *c = &sw->cands[i];

		if (c->flags & VRRP_HA_SW_F_HELD) {
			*why_none = VRRP_HA_SW_PROHIBITED;
			continue;
		}
		if (!(c->flags & VRRP_HA_SW_F_IN_SYNC)) {
			*why_none = VRRP_HA_SW_NOT_IN_SYNC;
			continue;
		}
		if (best < 0 || c->eff_priority > sw->cands[best].eff_priority ||
		    (c->eff_priority == sw->cands[best].eff_priority &&
		     memcmp(&sw->cand_addr[i], &sw->cand_addr[best], 16) > 0))
			best = (int)i;
	}
	return best;
}

static void start_hello(struct repl *r, uint64_t now)
{
	struct repl_switch *sw = &r->sw;

	sw->phase = SWP_HELLO;
	sw->ncands = 0;
	sw->id = new_id(sw);
	sw->next_tx = now;
	sw->peer_given = false;
}

static void local_timer(struct repl *r, uint64_t now, uint64_t *next)
{
	struct repl_switch *sw = &r->sw;
	char a[INET6_ADDRSTRLEN];

	if (sw->phase == SWP_GIVE || sw->phase == SWP_TAKE)
		return; /* the roles end it */
	if (now >= sw->deadline) {
		if (sw->phase == SWP_ASK && sw->last_refusal)
			finish(r, sw->last_refusal, "%s: %s (%u) until the deadline",
			       ntop(&sw->peer, a), vrrp_ha_switch_status_name(sw->last_refusal),
			       sw->last_refusal);
		else
			finish(r, VRRP_HA_SW_R_TIMEOUT, "no answer from %s within %u ms",
			       sw->phase == SWP_ASK ? ntop(&sw->peer, a) : "any standby",
			       repl_cfg(r)->switch_timeout_ms);
		return;
	}
	if (sw->phase == SWP_HELLO) {
		/* a round: Hello Request at 0 and SW_HELLO_MS/2, choose at SW_HELLO_MS */
		if (now >= sw->next_tx) {
			unsigned why;
			int best;

			if (sw->tries < 2) {
				struct in6_addr any = IN6ADDR_ANY_INIT;

				sw_send(r, VRRP_HA_SW_HELLO_REQUEST, sw->id, 0, 0, NULL, &any);
				sw->tries++;
				sw->next_tx = now + SW_HELLO_MS / 2;
			} else {
				best = best_cand(sw, &why);
				if (best >= 0) {
					sw->peer = sw->cand_addr[best];
					sw->phase = SWP_ASK;
					sw->tries = 0;
					sw->next_tx = now;
				} else if (now + SW_RETRY_MS < sw->deadline) {
					/* none yet in sync: another round later */
					if (why != VRRP_HA_SW_R_NO_STANDBY)
						sw->last_refusal = why;
					sw->ncands = 0;
					sw->tries = 0;
					sw->id = new_id(sw);
					sw->next_tx = now + SW_RETRY_MS;
				} else {
					finish(r, why, "no standby can take over: %s",
					       vrrp_ha_switch_status_name(why));
					return;
				}
			}
		}
	}
	if (sw->phase == SWP_ASK && now >= sw->next_tx) {
		sw_send(r, sw->op, sw->id, 0, 0, &sw->peer, &sw->peer);
		sw->tries++;
		sw->next_tx = now + SW_RETX_MS;
	}
	if (sw->phase && sw->next_tx < *next)
		*next = sw->next_tx;
	if (sw->phase && sw->deadline < *next)
		*next = sw->deadline;
}

int vrrp_ha_switch_start(struct vrrp_ha *h, enum vrrp_ha_switch_kind kind,
                         const struct in6_addr *peer, vrrp_ha_switch_done_fn fn, void *arg,
                         char *err, size_t errlen)
{
	struct repl *r = repl_of(h);
	struct repl_switch *sw;
	enum vrrp_ha_state st = vrrp_ha_get_state(h);
	struct in6_addr master;
	uint64_t now = vrrp_ha_now(h);

	if (!r) {
		snprintf(err, errlen, "no replication engine");
		return -1;
	}
	sw = &r->sw;
	if (!r->auth_on) {
		snprintf(err, errlen,
		         "switch messages must be authenticated: set auth in mipv6_ha");
		return -1;
	}
	if (!repl_ext_active(r)) {
		snprintf(err, errlen,
		         "switch messages need extensions (extensions off, or no peer "
		         "speaks them yet)");
		return -1;
	}
	if (sw->phase || sw->give || sw->take) {
		snprintf(err, errlen, "a switch is in progress (%s)", phase_names[sw->phase]);
		return -1;
	}
	if (kind == VRRP_HA_SWITCHBACK) {
		if (st != VRRP_HA_ST_MASTER) {
			snprintf(err, errlen,
			         "switchback: this node is not the active HA (MASTER)");
			return -1;
		}
		if (peer && (!IN6_IS_ADDR_LINKLOCAL(peer) || is_own(r, peer))) {
			snprintf(err, errlen,
			         "switchback: the standby is named by its link-local "
			         "address (not ours)");
			return -1;
		}
	} else {
		if (st != VRRP_HA_ST_BACKUP || !vrrp_ha_master_addr(h, &master)) {
			snprintf(err, errlen,
			         "switchover: this node is not a standby following an "
			         "active HA");
			return -1;
		}
		if (held_other(r, VRRP_HA_HOLD_OPERATOR)) {
			snprintf(err, errlen, "switchover: held by the operator (release first)");
			return -1;
		}
		peer = &master;
	}
	memset(&sw->peer, 0, sizeof(sw->peer));
	sw->op = kind == VRRP_HA_SWITCHBACK ? VRRP_HA_SW_SWITCHBACK_REQUEST
	                                    : VRRP_HA_SW_SWITCHOVER_REQUEST;
	sw->fn = fn;
	sw->arg = arg;
	sw->why = "operator";
	sw->tries = 0;
	sw->last_refusal = 0;
	sw->deadline = now + repl_cfg(r)->switch_timeout_ms;
	if (!sw->next_id) /* unlikely to repeat a restarted node's ids */
		sw->next_id = (uint32_t)(now * 2246822519u) | 1;
	if (peer) {
		sw->phase = SWP_ASK;
		sw->peer_given = true;
		sw->peer = *peer;
		sw->id = new_id(sw);
		sw->next_tx = now;
	} else {
		start_hello(r, now);
	}
	vrrp_ha_logf(h, LOG_INFO, "%s started",
	             kind == VRRP_HA_SWITCHBACK ? "switchback" : "switchover");
	sw_event(r, kind == VRRP_HA_SWITCHBACK ? "switchback" : "switchover", peer, 0);
	vrrp_ha_arm_us(h, 0);
	return 0;
}

void vrrp_ha_switch_detach(struct vrrp_ha *h, void *arg)
{
	struct repl *r = repl_of(h);

	if (r && r->sw.arg == arg) {
		r->sw.fn = NULL;
		r->sw.arg = NULL;
	}
}

void vrrp_ha_switch_tracked(struct vrrp_ha *h, unsigned prio)
{
	struct repl *r = repl_of(h);

	if (!r || r->sw.tracked == prio)
		return;
	r->sw.tracked = prio;
	vrrp_ha_arm_us(h, 0);
}

void vrrp_ha_switch_get_info(const struct vrrp_ha *h, struct vrrp_ha_switch_info *out)
{
	const struct repl *r = repl_of(h);
	const struct repl_switch *sw;

	memset(out, 0, sizeof(*out));
	out->phase = "idle";
	if (!r)
		return;
	sw = &r->sw;
	out->phase = sw->phase  ? phase_names[sw->phase]
	             : sw->give ? "giving"
	             : sw->take ? "taking"
	                        : "idle";
	out->peer = sw->phase ? sw->peer : sw->give ? sw->give_to : sw->take_from;
	out->last_status = sw->last_status;
	out->have_last = sw->have_last;
	out->tracked = sw->tracked;
}

/* ---- state, timer, triggers ---------------------------------------------- */

void switch_on_state(struct repl *r, enum vrrp_ha_state prev, enum vrrp_ha_state s)
{
	struct repl_switch *sw = &r->sw;
	char a[INET6_ADDRSTRLEN];

	if (s == VRRP_HA_ST_MASTER && prev != VRRP_HA_ST_MASTER) {
		/* active again (a switch, a failover): no reason to stay below anyone */
		vrrp_ha_hold(r->h, VRRP_HA_HOLD_SWITCH, 0, "became MASTER");
		if (sw->take) {
			sw->take = false;
			sw_event(r, "took_over", &sw->take_from, 0);
		}
		if (sw->phase == SWP_TAKE)
			finish(r, VRRP_HA_SW_SUCCESS, "now MASTER; %s gave way",
			       ntop(&sw->take_from, a));
		else if (sw->phase)
			finish(r, VRRP_HA_SW_NOT_ACTIVE, "became MASTER meanwhile");
		sw->track_low = false;
	}
	if (prev == VRRP_HA_ST_MASTER && s != VRRP_HA_ST_MASTER) {
		if (sw->give) {
			sw->give = false;
			sw->cnt.gave_way++;
			sw_event(r, "gave_way", &sw->give_to, 0);
		}
		if (sw->phase == SWP_GIVE)
			finish(r, VRRP_HA_SW_SUCCESS, "now %s; %s is MASTER", vrrp_ha_state_name(s),
			       ntop(&sw->peer, a));
		else if (sw->phase == SWP_HELLO || sw->phase == SWP_ASK)
			if (sw->op == VRRP_HA_SW_SWITCHBACK_REQUEST)
				finish(r, VRRP_HA_SW_NOT_ACTIVE, "left MASTER meanwhile");
	}
	if (s != VRRP_HA_ST_BACKUP && sw->take && s != VRRP_HA_ST_MASTER)
		sw->take = false;
}

void switch_timer(struct repl *r, uint64_t now, uint64_t *next)
{
	struct repl_switch *sw = &r->sw;
	char a[INET6_ADDRSTRLEN];
	char err[160];

	if (sw->give) {
		if (now >= sw->give_until) {
			sw->give = false;
			vrrp_ha_hold(r->h, VRRP_HA_HOLD_SWITCH, 0, "switch: handover not taken");
			vrrp_ha_logf(r->h, LOG_WARNING,
			             "switch: %s did not take over within %u ms: staying MASTER",
			             ntop(&sw->give_to, a), repl_cfg(r)->switch_timeout_ms);
			sw_event(r, "give_expired", &sw->give_to, VRRP_HA_SW_R_TIMEOUT);
			if (sw->phase == SWP_GIVE)
				finish(r, VRRP_HA_SW_R_TIMEOUT, "%s did not take over within %u ms",
				       ntop(&sw->give_to, a), repl_cfg(r)->switch_timeout_ms);
		} else if (sw->give_until < *next) {
			*next = sw->give_until;
		}
	}
	if (sw->take && vrrp_ha_get_state(r->h) == VRRP_HA_ST_BACKUP)
		take_poll(r, now, next);
	if (sw->phase)
		local_timer(r, now, next);

	/* Failure triggers (harp.md): a MASTER whose own priority fell below
	 * its base (a track weight) hands over to the best standby */
	if (vrrp_ha_get_state(r->h) == VRRP_HA_ST_MASTER && sw->tracked &&
	    sw->tracked < vrrp_ha_priority(r->h)) {
		if (!sw->track_low && repl_cfg(r)->switch_on_track && !sw->phase && !sw->give) {
			sw->track_low = true;
			if (vrrp_ha_switch_start(r->h, VRRP_HA_SWITCHBACK, NULL, NULL, NULL, err,
			                         sizeof(err)) == 0) {
				sw->why = "track";
				sw->cnt.track_triggers++;
				vrrp_ha_logf(
				        r->h, LOG_WARNING,
				        "switch: priority fell to %u (track): switching back to "
				        "the best standby",
				        sw->tracked);
			} else {
				vrrp_ha_logf(
				        r->h, LOG_WARNING,
				        "switch: priority fell to %u (track), no switchback: %s",
				        sw->tracked, err);
			}
		}
	} else {
		sw->track_low = false;
	}
}

/* ---- counters ------------------------------------------------------------ */

static const void *cnt_block(const void *arg)
{
	return &((const struct repl *)arg)->sw.cnt;
}

#define SWC(name, f)                                                                               \
	{                                                                                          \
		name, offsetof(struct sw_counters, f), false                                       \
	}
static const struct vrrp_ha_counter_def sw_defs[] = {
        SWC("tx_hello_request", tx[VRRP_HA_SW_HELLO_REQUEST]),
        SWC("tx_hello", tx[VRRP_HA_SW_HELLO]),
        SWC("tx_switchover_request", tx[VRRP_HA_SW_SWITCHOVER_REQUEST]),
        SWC("tx_switchover_reply", tx[VRRP_HA_SW_SWITCHOVER_REPLY]),
        SWC("tx_switchback_request", tx[VRRP_HA_SW_SWITCHBACK_REQUEST]),
        SWC("tx_switchback_reply", tx[VRRP_HA_SW_SWITCHBACK_REPLY]),
        SWC("rx_hello_request", rx[VRRP_HA_SW_HELLO_REQUEST]),
        SWC("rx_hello", rx[VRRP_HA_SW_HELLO]),
        SWC("rx_switchover_request", rx[VRRP_HA_SW_SWITCHOVER_REQUEST]),
        SWC("rx_switchover_reply", rx[VRRP_HA_SW_SWITCHOVER_REPLY]),
        SWC("rx_switchback_request", rx[VRRP_HA_SW_SWITCHBACK_REQUEST]),
        SWC("rx_switchback_reply", rx[VRRP_HA_SW_SWITCHBACK_REPLY]),
        SWC("rx_unauthenticated", rx_unauthenticated),
        SWC("rx_not_for_us", rx_not_for_us),
        SWC("rx_not_master", rx_not_master),
        SWC("rx_unexpected", rx_unexpected),
        SWC("rx_rate_limited", rx_rate_limited),
        SWC("accepted", accepted),
        SWC("refused", refused),
        SWC("took_over", took_over),
        SWC("gave_way", gave_way),
        SWC("done", done),
        SWC("failed", failed),
        SWC("timeouts", timeouts),
        SWC("track_triggers", track_triggers),
};
#undef SWC

int switch_init(struct repl *r, struct vrrp_ha_counters_reg *reg)
{
	return vrrp_ha_counters_add_table(reg, "switch", "switch_", sw_defs,
	                                  sizeof(sw_defs) / sizeof(sw_defs[0]), cnt_block, r);
}
