/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * instance.c - one MIPv6_HA_Mode virtual router: wires the modules
 * together and owns what they share: the two binding tables, the state
 * funnel, the single timer, the event bus and the counter registry.
 *
 * Which table is "the binding cache" this node sends from:
 *   address owner      -> bc  (the local daemon's binding cache, draft-deng 4.2.3 first bullet)
 *   not address owner  -> rbc (the Redundancy Binding Cache, 4.2.3 third bullet)
 *
 * What happens in each state is the modules' business (on_state); this file
 * only moves the state, in one place, change_state().
 */
#include "internal.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

/* Expiry work per timer run: bounded so a mass expiry never stalls adverts. */
#define EXPIRE_BATCH 4096
/* Expiry is re-checked at least this often even with nothing due. */
#define IDLE_TICK_MS 1000
/* Bindings deleted per slice of a flush (each is one DELETE event). */
#define FLUSH_SLICE 256

extern const struct vrrp_ha_module vrrp_ha_mod_haswitch; /* takeover/haswitch.c */
/* Modules in the order they are created, see a state change and run from
 * the timer: the group's routers and the priority holds first (they only
 * keep state), then the takeover modules switch forwarding on before the
 * replication engine sends anything as a new master. */
static const struct vrrp_ha_module *const modules[] = {
        &vrrp_ha_mod_peers,    &vrrp_ha_mod_hold,     &vrrp_ha_mod_dataplane, &vrrp_ha_mod_proxynd,
        &vrrp_ha_mod_recovery, &vrrp_ha_mod_haswitch, &vrrp_ha_mod_repl,      &vrrp_ha_mod_notify,
};
#define NMOD (sizeof(modules) / sizeof(modules[0]))

struct vrrp_ha {
	struct vrrp_ha_config cfg;
	struct vrrp_ha_ops ops;
	void *ctx;
	char *iname;
	uint8_t vrid;
	unsigned priority;
	bool owner;
	bool started;
	enum vrrp_ha_state state;

	struct vrrp_ha_rbc *rbc; /* Redundancy Binding Cache (draft-deng 5) */
	struct vrrp_ha_rbc *bc;  /* copy of the local daemon's binding cache */
	struct vrrp_ha_counters cnt;
	struct vrrp_ha_ctl_counters ctl_cnt;
	struct vrrp_ha_bus *bus;
	struct vrrp_ha_counters_reg *reg;
	void *mod[NMOD];

	uint64_t timer_at; /* UINT64_MAX when not armed */
};

/* ---- states ----------------------------------------------------------- */

/* RFC 5798 / keepalived states and what the instance does in each; the
 * per-state rules of draft-deng 4.2 live in the modules' on_state. */
static const struct state_rule {
	const char *name;
	bool settled; /* BACKUP/MASTER: takes part in replication */
} state_rules[VRRP_HA_ST__COUNT] = {
        [VRRP_HA_ST_INIT] = {"INIT", false},
        [VRRP_HA_ST_BACKUP] = {"BACKUP", true},
        [VRRP_HA_ST_MASTER] = {"MASTER", true},
        [VRRP_HA_ST_FAULT] = {"FAULT", false},
};

const char *vrrp_ha_state_name(enum vrrp_ha_state s)
{
	if ((unsigned)s < VRRP_HA_ST__COUNT && state_rules[s].name)
		return state_rules[s].name;
	return "UNKNOWN";
}

/* ---- small helpers ---------------------------------------------------- */

uint64_t vrrp_ha_now(const struct vrrp_ha *h)
{
	return h->ops.now_ms(h->ctx);
}

void vrrp_ha_logf(const struct vrrp_ha *h, int prio, const char *fmt, ...)
{
	char msg[512];
	int n;
	va_list ap;

	if (!h->ops.log)
		return;
	n = snprintf(msg, sizeof(msg), "(%s) mipv6_ha: ", h->iname);
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	h->ops.log(h->ctx, prio, msg);
}

bool vrrp_ha_ratelog_ok(struct vrrp_ha *h, struct vrrp_ha_ratelog *rl, uint64_t *suppressed)
{
	uint64_t now = vrrp_ha_now(h);

	if (rl->last_ms && now - rl->last_ms < (uint64_t)h->cfg.log_interval_s * 1000) {
		rl->suppressed++;
		return false;
	}
	rl->last_ms = now ? now : 1;
	*suppressed = rl->suppressed;
	rl->suppressed = 0;
	return true;
}

const struct vrrp_ha_ops *vrrp_ha_host_ops(const struct vrrp_ha *h)
{
	return &h->ops;
}

void *vrrp_ha_host_ctx(const struct vrrp_ha *h)
{
	return h->ctx;
}

bool vrrp_ha_started(const struct vrrp_ha *h)
{
	return h->started;
}

struct vrrp_ha_bus *vrrp_ha_bus(struct vrrp_ha *h)
{
	return h->bus;
}

struct vrrp_ha_counters *vrrp_ha_cnt(struct vrrp_ha *h)
{
	return &h->cnt;
}

unsigned vrrp_ha_priority(const struct vrrp_ha *h)
{
	return h->priority;
}

struct vrrp_ha_rbc *vrrp_ha_send_table(struct vrrp_ha *h)
{
	return h->owner ? h->bc : h->rbc;
}

enum vrrp_ha_table vrrp_ha_send_table_id(const struct vrrp_ha *h)
{
	return h->owner ? VRRP_HA_T_BC : VRRP_HA_T_RBC;
}

bool vrrp_ha_on_home_link(const struct vrrp_ha *h, const struct in6_addr *hoa)
{
	unsigned bits = h->cfg.home_plen, i;

	if (!bits || bits > 128)
		return false;
	for (i = 0; i < bits / 8; i++)
		if (hoa->s6_addr[i] != h->cfg.home_prefix.s6_addr[i])
			return false;
	if (bits % 8) {
		uint8_t mask = (uint8_t)(0xff << (8 - bits % 8));

		if ((hoa->s6_addr[i] ^ h->cfg.home_prefix.s6_addr[i]) & mask)
			return false;
	}
	return true;
}

void vrrp_ha_prepare_master(struct vrrp_ha *h, bool on)
{
	for (size_t i = 0; i < NMOD; i++)
		if (modules[i]->prepare_master && h->mod[i])
			modules[i]->prepare_master(h->mod[i], on);
}

int vrrp_ha_mag_take(struct vrrp_ha *h, const struct in6_addr *pcoa, bool on)
{
	int done = -2;

	for (size_t i = 0; i < NMOD; i++)
		if (modules[i]->mag_take && h->mod[i])
			done = modules[i]->mag_take(h->mod[i], pcoa, on) < 0 ? -1
			       : done == -1                                  ? -1
			                                                     : 0;
	return done;
}

int vrrp_ha_mag_give(struct vrrp_ha *h, const struct in6_addr *pcoa, const struct in6_addr *via,
                     bool on)
{
	int done = -2;

	for (size_t i = 0; i < NMOD; i++)
		if (modules[i]->mag_give && h->mod[i])
			done = modules[i]->mag_give(h->mod[i], pcoa, via, on) < 0 ? -1
			       : done == -1                                       ? -1
			                                                          : 0;
	return done;
}

void *vrrp_ha_module_state(const struct vrrp_ha *h, const struct vrrp_ha_module *def)
{
	for (size_t i = 0; i < NMOD; i++)
		if (modules[i] == def)
			return h->mod[i];
	return NULL;
}

/* ---- timer ------------------------------------------------------------ */

void vrrp_ha_arm_at(struct vrrp_ha *h, uint64_t deadline)
{
	uint64_t now;

	if (!h->started || !h->ops.set_timer)
		return;
	if (h->timer_at != UINT64_MAX && h->timer_at <= deadline)
		return;
	now = vrrp_ha_now(h);
	h->timer_at = deadline;
	h->ops.set_timer(h->ctx, deadline > now ? (deadline - now) * 1000 : 0);
}

void vrrp_ha_arm_us(struct vrrp_ha *h, uint64_t delay_us)
{
	uint64_t now;

	if (!h->started || !h->ops.set_timer)
		return;
	now = vrrp_ha_now(h);
	if (h->timer_at != UINT64_MAX && h->timer_at <= now + delay_us / 1000)
		return;
	h->timer_at = now + delay_us / 1000;
	h->ops.set_timer(h->ctx, delay_us);
}

/* ---- events ----------------------------------------------------------- */

void vrrp_ha_emit(struct vrrp_ha *h, struct vrrp_ha_event *ev)
{
	if (!ev->time_ms)
		ev->time_ms = vrrp_ha_now(h);
	vrrp_ha_bus_publish(h->bus, ev);
}

void vrrp_ha_view_to_ev(const struct rbc_view *v, struct vrrp_ha_ev_binding *b)
{
	b->hoa = v->hoa;
	b->coa = v->coa;
	b->lifetime_s = v->lifetime_s;
	b->seq = v->seq;
	b->flags = v->flags;
	b->expires_ms = v->expires_ms;
}

void vrrp_ha_emit_binding(struct vrrp_ha *h, enum vrrp_ha_event_type type, enum vrrp_ha_table t,
                          enum vrrp_ha_origin o, const struct rbc_view *v)
{
	struct vrrp_ha_ev_binding b;
	struct vrrp_ha_event ev = {.type = type, .table = t, .origin = o, .b = &b};

	vrrp_ha_view_to_ev(v, &b);
	vrrp_ha_emit(h, &ev);
}

unsigned vrrp_ha_subscribe(struct vrrp_ha *h, uint32_t mask, vrrp_ha_event_cb cb, void *arg)
{
	return vrrp_ha_bus_subscribe(h->bus, mask, cb, arg);
}

void vrrp_ha_unsubscribe(struct vrrp_ha *h, unsigned id)
{
	vrrp_ha_bus_unsubscribe(h->bus, id);
}

/* ---- fwd ops: sub-libraries follow h->ctx through these ---------------- */

static uint64_t fwd_now_ms(void *ctx)
{
	struct vrrp_ha *h = ctx;

	return h->ops.now_ms(h->ctx);
}

static int fwd_watch_fd(void *ctx, int fd, int events, vrrp_ha_fd_cb cb, void *data)
{
	struct vrrp_ha *h = ctx;

	return h->ops.watch_fd ? h->ops.watch_fd(h->ctx, fd, events, cb, data) : -1;
}

static void fwd_unwatch_fd(void *ctx, int fd)
{
	struct vrrp_ha *h = ctx;

	if (h->ops.unwatch_fd)
		h->ops.unwatch_fd(h->ctx, fd);
}

static void fwd_log(void *ctx, int prio, const char *msg)
{
	vrrp_ha_logf(ctx, prio, "%s", msg);
}

const struct vrrp_ha_ops vrrp_ha_fwd_ops = {
        .now_ms = fwd_now_ms,
        .watch_fd = fwd_watch_fd,
        .unwatch_fd = fwd_unwatch_fd,
        .log = fwd_log,
};

/* ---- counters: the instance's own block -------------------------------- */

static const void *cnt_block(const void *arg)
{
	return &((const struct vrrp_ha *)arg)->cnt;
}

#define CTR(f)                                                                                     \
	{                                                                                          \
#f, offsetof(struct vrrp_ha_counters, f), false                                    \
	}
static const struct vrrp_ha_counter_def sync_defs[] = {
        CTR(rx_request),
        CTR(rx_update),
        CTR(rx_records),
        CTR(rx_rec_added),
        CTR(rx_rec_updated),
        CTR(rx_rec_refreshed),
        CTR(rx_rec_deleted),
        CTR(rx_rec_stale),
        CTR(rx_rec_unknown_delete),
        CTR(rx_rec_nomem),
        CTR(rx_rec_over_limit),
        CTR(rx_request_ignored),
        CTR(rx_update_ignored),
        CTR(tx_request),
        CTR(tx_update),
        CTR(tx_records),
        CTR(tx_errors),
        CTR(tx_retries),
        CTR(full_syncs),
        CTR(refreshes),
        CTR(bc_add),
        CTR(bc_del),
        CTR(bc_flush),
        CTR(bc_errors),
        CTR(expired),
        CTR(restored),
        CTR(state_changes),
        CTR(ext_tx),
        CTR(ext_rx),
        CTR(ext_ignored),
        CTR(sync_complete),
        CTR(sync_diverged),
        CTR(sync_proven),
        CTR(sync_rounds),
        CTR(sync_repairs),
        CTR(sync_swept),
        CTR(sync_overrides),
        CTR(sync_unresolved),
        CTR(sync_asked_peer),
        CTR(digests_sent),
        CTR(digests_checked),
        CTR(digest_mismatches),
        CTR(sync_merges),
};
#undef CTR
/* every field is registered: rx_reason[] below, the rest in sync_defs */
_Static_assert(sizeof(struct vrrp_ha_counters) ==
                       sizeof(uint64_t) *
                               (VRRP_HA_R__COUNT + sizeof(sync_defs) / sizeof(sync_defs[0])),
               "sync_defs does not list every field of struct vrrp_ha_counters");

static int register_sync_counters(struct vrrp_ha *h)
{
	char name[VRRP_HA_COUNTER_NAME_MAX];

	for (int r = 0; r < VRRP_HA_R__COUNT; r++) {
		snprintf(name, sizeof(name), "rx_%s",
		         r == VRRP_HA_OK ? "ok" : vrrp_ha_reason_name((enum vrrp_ha_reason)r));
		if (vrrp_ha_counters_add(h->reg, "sync", name, cnt_block, h,
		                         offsetof(struct vrrp_ha_counters, rx_reason) +
		                                 (size_t)r * sizeof(uint64_t),
		                         false))
			return -1;
	}
	return vrrp_ha_counters_add_table(h->reg, "sync", NULL, sync_defs,
	                                  sizeof(sync_defs) / sizeof(sync_defs[0]), cnt_block, h);
}

static const void *ctl_block(const void *arg)
{
	return &((const struct vrrp_ha *)arg)->ctl_cnt;
}

#define CTL(f)                                                                                     \
	{                                                                                          \
#f, offsetof(struct vrrp_ha_ctl_counters, f), false                                \
	}
static const struct vrrp_ha_counter_def ctl_defs[] = {
        CTL(ctl_accepted),
        CTL(ctl_refused),
        CTL(ctl_evicted),
        CTL(ctl_idle_closed),
};
#undef CTL

struct vrrp_ha_ctl_counters *vrrp_ha_ctl_counters(struct vrrp_ha *h)
{
	return &h->ctl_cnt;
}

const struct vrrp_ha_counters_reg *vrrp_ha_counters_registry(const struct vrrp_ha *h)
{
	return h->reg;
}

uint64_t vrrp_ha_counter(const struct vrrp_ha *h, const char *name)
{
	uint64_t v = 0;

	(void)vrrp_ha_counters_get(h->reg, name, &v);
	return v;
}

int vrrp_ha_counters_json(const struct vrrp_ha *h, char *buf, size_t cap)
{
	return vrrp_ha_counters_reg_json(h->reg, buf, cap);
}

/* ---- lifecycle -------------------------------------------------------- */

struct vrrp_ha *vrrp_ha_new(const struct vrrp_ha_config *cfg, const struct vrrp_ha_ops *ops,
                            void *ctx, const char *iname, uint8_t vrid, unsigned priority)
{
	struct vrrp_ha *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->timer_at = UINT64_MAX;
	if (vrrp_ha_config_copy(&h->cfg, cfg)) {
		free(h);
		return NULL;
	}
	h->ops = *ops;
	h->ctx = ctx;
	h->iname = strdup(iname ? iname : "?");
	h->vrid = vrid;
	h->priority = priority;
	h->owner = vrrp_ha_config_is_owner(&h->cfg, priority);
	h->rbc = rbc_new(0, h->cfg.tombstone_s * 1000u);
	h->bc = rbc_new(0, h->cfg.tombstone_s * 1000u);
	h->bus = vrrp_ha_bus_new();
	h->reg = vrrp_ha_counters_reg_new();
	if (!h->iname || !h->rbc || !h->bc || !h->bus || !h->reg || register_sync_counters(h) ||
	    vrrp_ha_counters_add_table(h->reg, "ctl", NULL, ctl_defs,
	                               sizeof(ctl_defs) / sizeof(ctl_defs[0]), ctl_block, h))
		goto fail;
	for (size_t i = 0; i < NMOD; i++) {
		h->mod[i] = modules[i]->create(h, h->reg, h->bus);
		if (!h->mod[i])
			goto fail;
	}
	return h;
fail:
	vrrp_ha_free(h);
	return NULL;
}

void vrrp_ha_free(struct vrrp_ha *h)
{
	if (!h)
		return;
	/* last created first: the notify module flushes its batches while the
	 * others still exist */
	for (size_t i = NMOD; i-- > 0;)
		if (h->mod[i])
			modules[i]->destroy(h->mod[i]);
	rbc_free(h->rbc);
	rbc_free(h->bc);
	vrrp_ha_bus_free(h->bus);
	vrrp_ha_counters_reg_free(h->reg);
	free(h->iname);
	vrrp_ha_config_clear(&h->cfg);
	free(h);
}

int vrrp_ha_reconfigure(struct vrrp_ha *h, const struct vrrp_ha_config *cfg, void *ctx,
                        uint8_t vrid, unsigned priority)
{
	struct vrrp_ha_config c, old;

	if (vrrp_ha_config_copy(&c, cfg))
		return -1;
	old = h->cfg;
	h->cfg = c;
	h->ctx = ctx;
	h->vrid = vrid;
	h->priority = priority;
	h->owner = vrrp_ha_config_is_owner(&h->cfg, priority);
	/* the host cancelled every timer on reload */
	h->timer_at = UINT64_MAX;
	for (size_t i = 0; i < NMOD; i++)
		if (modules[i]->reconfigure)
			modules[i]->reconfigure(h->mod[i], &old);
	vrrp_ha_config_clear(&old);
	if (h->started)
		vrrp_ha_arm_us(h, 0);
	return 0;
}

int vrrp_ha_start(struct vrrp_ha *h)
{
	for (size_t i = 0; i < NMOD; i++)
		if (modules[i]->start)
			(void)modules[i]->start(h->mod[i]);
	h->started = true;
	h->timer_at = UINT64_MAX;
	vrrp_ha_arm_at(h, vrrp_ha_now(h) + IDLE_TICK_MS);
	return 0;
}

/* ---- the state funnel ------------------------------------------------- */

/* Every state change goes through here: record, count, log "%s -> %s", let
 * each module apply its per-state rules in module order, then tell the
 * event stream. */
static void change_state(struct vrrp_ha *h, enum vrrp_ha_state s)
{
	enum vrrp_ha_state prev = h->state;
	struct vrrp_ha_event ev = {.type = VRRP_HA_E_STATE};

	if (s == prev || (unsigned)s >= VRRP_HA_ST__COUNT)
		return;
	h->state = s;
	h->cnt.state_changes++;
	vrrp_ha_logf(h, LOG_INFO, "%s -> %s (%s, rbc %zu, bc %zu)", vrrp_ha_state_name(prev),
	             vrrp_ha_state_name(s), h->owner ? "address owner" : "not address owner",
	             rbc_count(h->rbc), rbc_count(h->bc));
	for (size_t i = 0; i < NMOD; i++)
		if (modules[i]->on_state)
			modules[i]->on_state(h->mod[i], prev, s);
	ev.prev = prev;
	ev.state = s;
	vrrp_ha_emit(h, &ev);
}

void vrrp_ha_set_state(struct vrrp_ha *h, enum vrrp_ha_state s)
{
	change_state(h, s);
}

bool vrrp_ha_state_settled(enum vrrp_ha_state s)
{
	return (unsigned)s < VRRP_HA_ST__COUNT && state_rules[s].settled;
}

/* ---- timer ------------------------------------------------------------ */

struct expire_ctx {
	struct vrrp_ha *h;
	enum vrrp_ha_table t;
};

static void expired_cb(void *arg, const struct rbc_view *v)
{
	struct expire_ctx *x = arg;

	x->h->cnt.expired++;
	vrrp_ha_emit_binding(x->h, VRRP_HA_E_EXPIRED, x->t, VRRP_HA_O_TIMER, v);
}

/* A PMIPv6 proxy binding's lifetime ran out (docs/pmipv6.md). */
static void expired_other_cb(void *arg, const struct vrrp_ha_record *r)
{
	struct expire_ctx *x = arg;

	if (r->key.kind != VRRP_HA_KIND_PMIPV6)
		return;
	x->h->cnt.expired++;
	vrrp_ha_emit_pmip(x->h, VRRP_HA_E_EXPIRED, x->t, VRRP_HA_O_TIMER, r);
}

void vrrp_ha_timer(struct vrrp_ha *h)
{
	uint64_t now = vrrp_ha_now(h);
	uint64_t next = now + IDLE_TICK_MS, t;
	struct expire_ctx xr = {h, VRRP_HA_T_RBC}, xb = {h, VRRP_HA_T_BC};

	h->timer_at = UINT64_MAX;

	rbc_expire_kinds(h->rbc, now, EXPIRE_BATCH, expired_cb, expired_other_cb, &xr);
	rbc_expire_kinds(h->bc, now, EXPIRE_BATCH, expired_cb, expired_other_cb, &xb);

	for (size_t i = 0; i < NMOD; i++) {
		if (!modules[i]->timer)
			continue;
		t = modules[i]->timer(h->mod[i], now);
		if (t < next)
			next = t > now ? t : now + 1;
	}

	t = rbc_next_expiry(h->rbc, now);
	if (t != UINT64_MAX && now + t < next)
		next = now + t;
	t = rbc_next_expiry(h->bc, now);
	if (t != UINT64_MAX && now + t < next)
		next = now + t;
	vrrp_ha_arm_at(h, next);
}

/* ---- receive: the replication engine's ------------------------------- */

enum vrrp_ha_reason vrrp_ha_rx(struct vrrp_ha *h, const uint8_t *pkt, size_t len, int hop_limit,
                               const struct in6_addr *src)
{
	enum vrrp_ha_reason why = vrrp_ha_repl_rx(vrrp_ha_module_state(h, &vrrp_ha_mod_repl), pkt,
	                                          len, hop_limit, src);

	/* a packet that passed the checks: its sender speaks vrrp-ha */
	if (why == VRRP_HA_OK && src)
		vrrp_ha_peer_ha(h, src);
	return why;
}

enum vrrp_ha_reason vrrp_ha_rx_truncated(struct vrrp_ha *h, size_t len, const struct in6_addr *src)
{
	return vrrp_ha_repl_rx_truncated(vrrp_ha_module_state(h, &vrrp_ha_mod_repl), len, src);
}

/* ---- bridge input: the local daemon's binding cache -------------------- */

int vrrp_ha_result_event(enum rbc_result r)
{
	switch (r) {
	case RBC_ADDED:
		return VRRP_HA_E_ADDED;
	case RBC_UPDATED:
		return VRRP_HA_E_UPDATED;
	case RBC_REFRESHED:
		return VRRP_HA_E_REFRESHED;
	case RBC_DELETED:
		return VRRP_HA_E_DELETED;
	default:
		return -1; /* nothing changed */
	}
}

static void local_event(struct vrrp_ha *h, enum rbc_result r, const struct in6_addr *hoa,
                        uint64_t now)
{
	struct rbc_view v;
	int type = vrrp_ha_result_event(r);

	if (type >= 0 && rbc_lookup(h->bc, hoa, now, &v))
		vrrp_ha_emit_binding(h, (enum vrrp_ha_event_type)type, VRRP_HA_T_BC,
		                     VRRP_HA_O_LOCAL, &v);
}

enum rbc_result vrrp_ha_bc_add(struct vrrp_ha *h, const struct in6_addr *hoa,
                               const struct in6_addr *coa, uint32_t lifetime_s, uint16_t seq,
                               uint16_t flags)
{
	uint64_t now = vrrp_ha_now(h);
	enum rbc_result r;

	if (rbc_count(h->bc) >= h->cfg.max_bindings && !rbc_lookup(h->bc, hoa, now, NULL)) {
		h->cnt.bc_errors++;
		return RBC_NOMEM;
	}
	r = rbc_set_local(h->bc, hoa, coa, lifetime_s, seq, flags, now);
	if (r == RBC_NOMEM) {
		h->cnt.bc_errors++;
		return r;
	}
	h->cnt.bc_add++;
	local_event(h, r, hoa, now);
	return r;
}

static void local_deleted(struct vrrp_ha *h, const struct rbc_view *v)
{
	struct rbc_view d = *v;

	d.lifetime_s = 0;
	vrrp_ha_emit_binding(h, VRRP_HA_E_DELETED, VRRP_HA_T_BC, VRRP_HA_O_LOCAL, &d);
}

enum rbc_result vrrp_ha_bc_del(struct vrrp_ha *h, const struct in6_addr *hoa)
{
	uint64_t now = vrrp_ha_now(h);
	struct rbc_view v;
	bool had = rbc_lookup(h->bc, hoa, now, &v);
	enum rbc_result r = rbc_delete_local(h->bc, hoa, now);

	if (r == RBC_DELETED) {
		h->cnt.bc_del++;
		if (!had) {
			memset(&v, 0, sizeof(v));
			v.hoa = *hoa;
		}
		local_deleted(h, &v);
	}
	return r;
}

size_t vrrp_ha_bc_flush(struct vrrp_ha *h)
{
	uint64_t now = vrrp_ha_now(h), cursor = 0;
	struct rbc_view v[FLUSH_SLICE];
	size_t n, i, total = 0;

	/* one DELETE event per binding; the walk is stable under deletes */
	while ((n = rbc_walk_view(h->bc, &cursor, v, FLUSH_SLICE, now)) > 0)
		for (i = 0; i < n; i++)
			if (rbc_delete_local(h->bc, &v[i].hoa, now) == RBC_DELETED) {
				total++;
				local_deleted(h, &v[i]);
			}
	/* entries whose lifetime ran out but were not expired yet */
	total += rbc_flush(h->bc, now);
	h->cnt.bc_flush++;
	if (!h->owner || h->state != VRRP_HA_ST_MASTER) {
		/* Nobody is told about these deletes (4.2.3: only the owner
		 * master sends its bc), and a flush means the daemon lost its
		 * state: its tombstones must not refuse the restore that gives
		 * the bindings back (same seqs). Start from an empty table. */
		struct vrrp_ha_rbc *fresh = rbc_new(0, h->cfg.tombstone_s * 1000u);

		if (fresh) {
			rbc_free(h->bc);
			h->bc = fresh;
		}
	}
	return total;
}

/* ---- accessors -------------------------------------------------------- */

const struct vrrp_ha_counters *vrrp_ha_counters(const struct vrrp_ha *h)
{
	return &h->cnt;
}

const struct vrrp_ha_config *vrrp_ha_config(const struct vrrp_ha *h)
{
	return &h->cfg;
}

struct vrrp_ha_rbc *vrrp_ha_get_rbc(struct vrrp_ha *h)
{
	return h->rbc;
}

struct vrrp_ha_rbc *vrrp_ha_get_bc(struct vrrp_ha *h)
{
	return h->bc;
}

const char *vrrp_ha_iname(const struct vrrp_ha *h)
{
	return h->iname;
}

uint8_t vrrp_ha_vrid(const struct vrrp_ha *h)
{
	return h->vrid;
}

enum vrrp_ha_state vrrp_ha_get_state(const struct vrrp_ha *h)
{
	return h->state;
}

bool vrrp_ha_is_owner(const struct vrrp_ha *h)
{
	return h->owner;
}

size_t vrrp_ha_tx_backlog(const struct vrrp_ha *h)
{
	return vrrp_ha_repl_backlog(vrrp_ha_module_state(h, &vrrp_ha_mod_repl));
}

enum vrrp_ha_sync_state vrrp_ha_sync_state(const struct vrrp_ha *h)
{
	/* the start-up hold says more than "syncing": this node keeps out of
	 * the election until its table is complete */
	if (vrrp_ha_hold_reason_prio(h, VRRP_HA_HOLD_SYNC))
		return VRRP_HA_SYNC_DEMOTED;
	return vrrp_ha_repl_sync_state(vrrp_ha_module_state(h, &vrrp_ha_mod_repl));
}

const char *vrrp_ha_sync_state_name(enum vrrp_ha_sync_state s)
{
	switch (s) {
	case VRRP_HA_SYNC_IN_SYNC:
		return "in_sync";
	case VRRP_HA_SYNC_SYNCING:
		return "syncing";
	case VRRP_HA_SYNC_DIVERGED:
		return "diverged";
	case VRRP_HA_SYNC_DEMOTED:
		return "demoted";
	}
	return "unknown";
}
