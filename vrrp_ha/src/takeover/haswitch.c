/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * haswitch.c - the Home Agent Hard Switch (HARP draft 5.2 and 7.8): a node
 * that becomes MASTER as a non-owner (it takes over from a failed HA) sends
 * one RFC 5142 Home Agent Switch to every mobile node of its RBC (the failed
 * HA's bindings), listing its own ha_address, paced by the instance timer.
 * docs/hard-switch.md says what is sent, to where, and why.
 *
 * The run (hsw_int.h) is I/O free; the module below feeds it the RBC, sends
 * through a raw IPPROTO_MH socket bound to ha_address and publishes one
 * HA_SWITCH event per message sent.
 */
#include "core/internal.h"
#include "takeover/hsw_int.h"
#include "vrrp_ha/mh.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

/* ---- the run --------------------------------------------------------- */

#define HSW_UNIT  1000u /* bucket credit of one message (credit grows by rate per ms) */
#define HSW_BATCH 64    /* views taken from the walk at once */

/* HoAs queued during the run: a FIFO and an open-addressing set over it. */
struct hsw_queue {
	struct in6_addr *q;
	size_t head, len, cap;
	struct in6_addr *set;
	uint8_t *used;
	size_t set_cap, set_n;
};

struct vrrp_ha_hsw {
	struct vrrp_ha_hsw_hooks hk;
	unsigned rate, burst;
	bool active, walk_done;
	uint64_t cursor;
	uint64_t credit, last_ms, start_ms;
	uint64_t total_at_start, walked;
	struct rbc_view buf[HSW_BATCH];
	size_t nbuf, ibuf;
	struct hsw_queue qu;
	struct vrrp_ha_hsw_counters cnt;
};

static size_t addr_hash(const struct in6_addr *a)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

	for (int i = 0; i < 16; i++)
		h = (h ^ a->s6_addr[i]) * 0x100000001b3ull;
	return (size_t)(h ^ (h >> 29));
}

static bool set_has(const struct hsw_queue *qu, const struct in6_addr *a)
{
	size_t i;

	if (!qu->set_cap)
		return false;
	for (i = addr_hash(a) & (qu->set_cap - 1); qu->used[i]; i = (i + 1) & (qu->set_cap - 1))
		if (!memcmp(&qu->set[i], a, sizeof(*a)))
			return true;
	return false;
}

static void set_put_nogrow(struct hsw_queue *qu, const struct in6_addr *a)
{
	size_t i = addr_hash(a) & (qu->set_cap - 1);

	while (qu->used[i])
		i = (i + 1) & (qu->set_cap - 1);
	qu->set[i] = *a;
	qu->used[i] = 1;
	qu->set_n++;
}

/* Returns: 0, or -1 (allocation failure, nothing changed). */
static int set_put(struct hsw_queue *qu, const struct in6_addr *a)
{
	if ((qu->set_n + 1) * 2 > qu->set_cap) { /* load at most 1/2 */
		size_t ncap = qu->set_cap ? qu->set_cap * 2 : 64;
		struct in6_addr *ns = calloc(ncap, sizeof(*ns));
		uint8_t *nu = calloc(ncap, 1);
		struct hsw_queue old = *qu;

		if (!ns || !nu) {
			free(ns);
			free(nu);
			return -1;
		}
		qu->set = ns;
		qu->used = nu;
		qu->set_cap = ncap;
		qu->set_n = 0;
		for (size_t i = 0; i < old.set_cap; i++)
			if (old.used[i])
				set_put_nogrow(qu, &old.set[i]);
		free(old.set);
		free(old.used);
	}
	set_put_nogrow(qu, a);
	return 0;
}

static void queue_clear(struct hsw_queue *qu)
{
	free(qu->q);
	free(qu->set);
	free(qu->used);
	memset(qu, 0, sizeof(*qu));
}

/* Returns: 0, or -1 (allocation failure). */
static int queue_push(struct hsw_queue *qu, const struct in6_addr *a)
{
	if (qu->head + qu->len == qu->cap) {
		if (qu->head) { /* slide what is left to the front */
			memmove(qu->q, qu->q + qu->head, qu->len * sizeof(*qu->q));
			qu->head = 0;
		} else {
			size_t ncap = qu->cap ? qu->cap * 2 : 64;
			struct in6_addr *nq = realloc(qu->q, ncap * sizeof(*nq));

			if (!nq)
				return -1;
			qu->q = nq;
			qu->cap = ncap;
		}
	}
	qu->q[qu->head + qu->len++] = *a;
	return 0;
}

struct vrrp_ha_hsw *vrrp_ha_hsw_new(unsigned rate, unsigned burst,
                                    const struct vrrp_ha_hsw_hooks *hooks)
{
	struct vrrp_ha_hsw *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->hk = *hooks;
	s->rate = rate ? rate : 1;
	s->burst = burst ? burst : 1;
	return s;
}

void vrrp_ha_hsw_free(struct vrrp_ha_hsw *s)
{
	if (!s)
		return;
	queue_clear(&s->qu);
	free(s);
}

void vrrp_ha_hsw_set_rate(struct vrrp_ha_hsw *s, unsigned rate, unsigned burst)
{
	s->rate = rate ? rate : 1;
	s->burst = burst ? burst : 1;
	if (s->credit > (uint64_t)s->burst * HSW_UNIT)
		s->credit = (uint64_t)s->burst * HSW_UNIT;
}

static void update_pending(struct vrrp_ha_hsw *s)
{
	uint64_t left = 0;

	if (s->active) {
		left = s->qu.len + (s->nbuf - s->ibuf);
		if (!s->walk_done && s->total_at_start > s->walked)
			left += s->total_at_start - s->walked;
	}
	s->cnt.pending = left;
}

void vrrp_ha_hsw_stop(struct vrrp_ha_hsw *s)
{
	if (!s->active)
		return;
	s->active = false;
	s->cnt.runs_stopped++;
	queue_clear(&s->qu);
	s->nbuf = s->ibuf = 0;
	update_pending(s);
}

void vrrp_ha_hsw_start(struct vrrp_ha_hsw *s, uint64_t now_ms)
{
	vrrp_ha_hsw_stop(s);
	s->active = true;
	s->walk_done = false;
	s->cursor = 0;
	s->walked = 0;
	s->nbuf = s->ibuf = 0;
	s->credit = (uint64_t)s->burst * HSW_UNIT;
	s->last_ms = s->start_ms = now_ms;
	s->total_at_start = s->hk.count ? s->hk.count(s->hk.arg) : 0;
	s->cnt.runs++;
	update_pending(s);
}

int vrrp_ha_hsw_added(struct vrrp_ha_hsw *s, const struct in6_addr *hoa)
{
	if (!s->active || set_has(&s->qu, hoa))
		return 0;
	if (queue_push(&s->qu, hoa))
		return -1;
	if (set_put(&s->qu, hoa)) {
		s->qu.len--; /* take it back: only the walk may still meet it */
		return -1;
	}
	s->cnt.added_in_run++;
	update_pending(s);
	return 0;
}

/* The next binding to send, re-read from the table (a binding deleted since
 * it was planned is skipped). Returns: true with *v, false when the run has
 * nothing left. */
static bool next_binding(struct vrrp_ha_hsw *s, uint64_t now, struct rbc_view *v)
{
	for (;;) {
		struct in6_addr hoa;

		if (s->qu.len) {
			hoa = s->qu.q[s->qu.head++];
			s->qu.len--;
		} else if (s->ibuf < s->nbuf) {
			hoa = s->buf[s->ibuf++].hoa;
			/* it arrived during the run: its message came from the queue */
			if (set_has(&s->qu, &hoa))
				continue;
		} else if (!s->walk_done) {
			s->nbuf = s->hk.walk(s->hk.arg, &s->cursor, s->buf, HSW_BATCH, now);
			s->ibuf = 0;
			s->walked += s->nbuf;
			if (!s->nbuf)
				s->walk_done = true;
			continue;
		} else {
			return false;
		}
		if (s->hk.lookup(s->hk.arg, &hoa, now, v))
			return true;
		s->cnt.skipped_gone++;
	}
}

uint64_t vrrp_ha_hsw_poll(struct vrrp_ha_hsw *s, uint64_t now_ms)
{
	uint64_t cap = (uint64_t)s->burst * HSW_UNIT, next;
	struct rbc_view v;

	if (!s->active)
		return UINT64_MAX;
	if (now_ms > s->last_ms) {
		uint64_t dt = now_ms - s->last_ms;

		/* dt * rate may overflow only past what fills the bucket anyway */
		s->credit = dt >= cap ? cap : s->credit + dt * s->rate;
		if (s->credit > cap)
			s->credit = cap;
		s->last_ms = now_ms;
	}
	while (s->credit >= HSW_UNIT) {
		if (!next_binding(s, now_ms, &v)) {
			s->active = false;
			s->cnt.runs_complete++;
			s->cnt.last_run_ms = now_ms - s->start_ms;
			queue_clear(&s->qu);
			update_pending(s);
			return UINT64_MAX;
		}
		s->credit -= HSW_UNIT;
		if (s->hk.send(s->hk.arg, &v) == 0)
			s->cnt.sent++;
		else
			s->cnt.send_errors++;
	}
	update_pending(s);
	next = (HSW_UNIT - s->credit + s->rate - 1) / s->rate;
	return now_ms + (next ? next : 1);
}

bool vrrp_ha_hsw_active(const struct vrrp_ha_hsw *s)
{
	return s->active;
}

const struct vrrp_ha_hsw_counters *vrrp_ha_hsw_counters(const struct vrrp_ha_hsw *s)
{
	return &s->cnt;
}

/* ---- the module -------------------------------------------------------- */

struct hsw_mod {
	struct vrrp_ha *h;
	struct vrrp_ha_hsw *run;
	int fd; /* raw IPPROTO_MH socket bound to ha_address, -1 until needed */
	struct in6_addr fd_src;
	struct vrrp_ha_ratelog rl;
};

static bool hard_mode(const struct hsw_mod *m)
{
	const struct vrrp_ha_config *c = vrrp_ha_config(m->h);

	return c->enabled && c->hard_switch && !vrrp_ha_is_owner(m->h) &&
	       !IN6_IS_ADDR_UNSPECIFIED(&c->ha_address);
}

static void close_fd(struct hsw_mod *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}

static void log_err(struct hsw_mod *m, const char *what, int err)
{
	uint64_t supp;

	if (vrrp_ha_ratelog_ok(m->h, &m->rl, &supp))
		vrrp_ha_logf(m->h, LOG_ERR, "home agent switch: %s: %s (%llu similar suppressed)",
		             what, strerror(err), (unsigned long long)supp);
}

/* The socket: the kernel adds the IPv6 header (source ha_address, so the
 * daemon's IPsec policy for it applies) and, with IPV6_CHECKSUM at offset
 * 4, the RFC 6275 6.1.1 checksum over the pseudo-header. */
static int open_fd(struct hsw_mod *m)
{
	const struct vrrp_ha_config *c = vrrp_ha_config(m->h);
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_addr = c->ha_address};
	int off = VRRP_HA_MH_CSUM_OFF, one = 1, small = 4096;
	int fd;

	if (m->fd >= 0 && !memcmp(&m->fd_src, &c->ha_address, sizeof(m->fd_src)))
		return 0;
	close_fd(m);
	fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, VRRP_HA_MH_PROTO);
	if (fd < 0) {
		log_err(m, "raw socket", errno);
		return -1;
	}
	/* we only send: a small receive buffer bounds what queues unread */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	/* ha_address may still be tentative when the instance starts */
	(void)setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_CHECKSUM, &off, sizeof(off)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		log_err(m, "socket setup (ha_address)", errno);
		close(fd);
		return -1;
	}
	m->fd = fd;
	m->fd_src = c->ha_address;
	return 0;
}

static size_t hk_walk(void *arg, uint64_t *cursor, struct rbc_view *out, size_t max,
                      uint64_t now_ms)
{
	return rbc_walk_view(vrrp_ha_get_rbc(((struct hsw_mod *)arg)->h), cursor, out, max, now_ms);
}

static bool hk_lookup(void *arg, const struct in6_addr *hoa, uint64_t now_ms, struct rbc_view *v)
{
	return rbc_lookup(vrrp_ha_get_rbc(((struct hsw_mod *)arg)->h), hoa, now_ms, v);
}

static size_t hk_count(void *arg)
{
	return rbc_count(vrrp_ha_get_rbc(((struct hsw_mod *)arg)->h));
}

static int hk_send(void *arg, const struct rbc_view *v)
{
	struct hsw_mod *m = arg;
	const struct vrrp_ha_config *c = vrrp_ha_config(m->h);
	struct sockaddr_in6 to = {.sin6_family = AF_INET6};
	struct vrrp_ha_ev_binding b;
	struct vrrp_ha_event ev;
	uint8_t msg[VRRP_HA_MH_HAS_FIXED + VRRP_HA_MH_HAS_ADDR_LEN];
	size_t len;

	if (open_fd(m))
		return -1;
	/* RFC 5142 4 / HARP 7.8: the list holds this HA's own address */
	len = vrrp_ha_mh_build_has(msg, sizeof(msg), &c->ha_address, 1, NULL, 0, NULL, NULL);
	if (!len)
		return -1;
	to.sin6_addr = c->ha_switch_to_hoa ? v->hoa : v->coa;
	if (sendto(m->fd, msg, len, 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)len) {
		log_err(m, "send", errno);
		return -1;
	}
	vrrp_ha_view_to_ev(v, &b);
	memset(&ev, 0, sizeof(ev));
	ev.type = VRRP_HA_E_HA_SWITCH;
	ev.table = VRRP_HA_T_RBC;
	ev.origin = VRRP_HA_O_NONE;
	ev.b = &b;
	ev.peer = &c->ha_address;
	ev.count = 1;
	ev.detail = c->ha_switch_to_hoa ? "hoa" : "coa";
	vrrp_ha_emit(m->h, &ev);
	return 0;
}

static void on_event(void *arg, const struct vrrp_ha_event *ev)
{
	struct hsw_mod *m = arg;

	if (ev->table != VRRP_HA_T_RBC || !ev->b || !vrrp_ha_hsw_active(m->run))
		return;
	/* a binding that arrives while the run goes on gets its message too */
	if (vrrp_ha_hsw_added(m->run, &ev->b->hoa))
		log_err(m, "queue", ENOMEM);
	vrrp_ha_arm_us(m->h, 0);
}

static const void *cnt_block(const void *arg)
{
	return vrrp_ha_hsw_counters(((const struct hsw_mod *)arg)->run);
}

#define CTR(f, g)                                                                                  \
	{                                                                                          \
#f, offsetof(struct vrrp_ha_hsw_counters, f), g                                    \
	}
static const struct vrrp_ha_counter_def defs[] = {
        CTR(sent, false),         CTR(send_errors, false), CTR(skipped_gone, false),
        CTR(added_in_run, false), CTR(runs, false),        CTR(runs_complete, false),
        CTR(runs_stopped, false), CTR(pending, true),      CTR(last_run_ms, true),
};
#undef CTR

static void *hsw_create(struct vrrp_ha *h, struct vrrp_ha_counters_reg *reg,
                        struct vrrp_ha_bus *bus)
{
	const struct vrrp_ha_config *c = vrrp_ha_config(h);
	struct vrrp_ha_hsw_hooks hk = {
	        .walk = hk_walk, .lookup = hk_lookup, .count = hk_count, .send = hk_send};
	struct hsw_mod *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->h = h;
	m->fd = -1;
	hk.arg = m;
	m->run = vrrp_ha_hsw_new(c->ha_switch_rate, c->ha_switch_burst, &hk);
	if (!m->run ||
	    vrrp_ha_counters_add_table(reg, "haswitch", "hsw_", defs,
	                               sizeof(defs) / sizeof(defs[0]), cnt_block, m) ||
	    !vrrp_ha_bus_subscribe(bus, VRRP_HA_EMASK(VRRP_HA_E_ADDED), on_event, m)) {
		vrrp_ha_hsw_free(m->run);
		free(m);
		return NULL;
	}
	return m;
}

static void hsw_destroy(void *mp)
{
	struct hsw_mod *m = mp;

	close_fd(m);
	vrrp_ha_hsw_free(m->run);
	free(m);
}

static int hsw_start(void *mp)
{
	(void)mp;
	return 0; /* the socket opens with the first message */
}

static void hsw_reconfigure(void *mp, const struct vrrp_ha_config *old)
{
	struct hsw_mod *m = mp;
	const struct vrrp_ha_config *c = vrrp_ha_config(m->h);

	vrrp_ha_hsw_set_rate(m->run, c->ha_switch_rate, c->ha_switch_burst);
	if (memcmp(&c->ha_address, &old->ha_address, sizeof(c->ha_address)) ||
	    c->ha_switch_to_hoa != old->ha_switch_to_hoa || !hard_mode(m)) {
		/* the MNs would be told a different thing: no half run */
		vrrp_ha_hsw_stop(m->run);
		close_fd(m);
	}
	if (!hard_mode(m))
		close_fd(m);
}

static void hsw_on_state(void *mp, enum vrrp_ha_state prev, enum vrrp_ha_state s)
{
	struct hsw_mod *m = mp;

	if (s != VRRP_HA_ST_MASTER) {
		vrrp_ha_hsw_stop(m->run); /* leaving MASTER ends the run */
		return;
	}
	if (prev == VRRP_HA_ST_MASTER || !hard_mode(m))
		return;
	vrrp_ha_logf(m->h, LOG_INFO, "home agent switch: telling %zu mobile nodes",
	             rbc_count(vrrp_ha_get_rbc(m->h)));
	vrrp_ha_hsw_start(m->run, vrrp_ha_now(m->h));
	vrrp_ha_arm_us(m->h, 0);
}

static uint64_t hsw_timer(void *mp, uint64_t now)
{
	struct hsw_mod *m = mp;
	const struct vrrp_ha_hsw_counters *c = vrrp_ha_hsw_counters(m->run);
	bool was = vrrp_ha_hsw_active(m->run);
	uint64_t next = vrrp_ha_hsw_poll(m->run, now);

	if (was && !vrrp_ha_hsw_active(m->run))
		vrrp_ha_logf(m->h, LOG_INFO,
		             "home agent switch: run complete in %llu ms (since start: %llu sent, "
		             "%llu send errors)",
		             (unsigned long long)c->last_run_ms, (unsigned long long)c->sent,
		             (unsigned long long)c->send_errors);
	return next;
}

const struct vrrp_ha_module vrrp_ha_mod_haswitch = {
        .name = "haswitch",
        .create = hsw_create,
        .destroy = hsw_destroy,
        .start = hsw_start,
        .reconfigure = hsw_reconfigure,
        .on_state = hsw_on_state,
        .timer = hsw_timer,
};
