/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ha.c - one MIPv6_HA_Mode virtual router: the per-state rules of
 * draft-deng section 4.2, receive validation, paced sending of BC_UPDATEs and
 * restore events to the mobility daemon.
 *
 * Which table is "the binding cache" this node sends from:
 *   address owner      -> bc  (the local daemon's binding cache, 4.2.3 first bullet)
 *   not address owner  -> rbc (the Redundancy Binding Cache, 4.2.3 third bullet)
 */
#define _GNU_SOURCE /* F_SETPIPE_SZ */
#include "vrrp_ha/ha.h"
#include "vrrp_ha/proxynd.h"
#include "vrrp_ha/recovery.h"

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <limits.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>
#include <arpa/inet.h>

/* Expiry work per timer run: bounded so a mass expiry never stalls adverts. */
#define EXPIRE_BATCH 4096
/* Restore events are batched: one script run per this many bindings... */
#define RESTORE_BATCH_MAX 10000
/* ...or after this long since the first binding of the batch. */
#define RESTORE_BATCH_MS 100
/* A packet the kernel refused (ENOBUFS, EAGAIN) is retried this many ticks. */
#define PENDING_RETRIES 200
/* Expiry is re-checked at least this often even with nothing due. */
#define IDLE_TICK_MS 1000

/* Events handed to the mobility daemon (docs/operations.md): a FIFO line
 * each, and a notify script run per batch. */
enum ev_kind {
	EV_RESTORE, /* owner takes a binding back (draft-deng 4.2.2) */
	EV_RECOVER, /* full recovery scheduled for one MN (draft-deng 5.2.2) */
	EV__COUNT
};
static const char *const ev_word[EV__COUNT] = {"RESTORE", "RECOVER"};

struct ratelog {
	uint64_t last_ms;
	uint64_t suppressed;
};

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
	uint64_t left_master_ms; /* when we last left MASTER (0 = never master) */

	struct vrrp_ha_rbc *rbc; /* Redundancy Binding Cache (draft-deng 5) */
	struct vrrp_ha_rbc *bc;  /* copy of the local daemon's binding cache */
	struct vrrp_ha_dp *dp;   /* partial recovery forwarding (non-owner only) */
	struct vrrp_ha_pnd *pnd; /* proxy ND for HoAs on the home link (non-owner only) */
	struct vrrp_ha_fr *fr;   /* full recovery trigger + scheduler (non-owner only) */
	struct vrrp_ha_counters cnt;

	/* BC_REQUEST we sent (draft-deng 4.2.1) and are waiting on */
	bool request_pending;
	unsigned request_tries;
	uint64_t request_deadline;
	uint64_t restore_until; /* owner master: accept BC_UPDATE as restore */

	/* whole-table answer to a BC_REQUEST (draft-deng 4.2.3 fourth bullet) */
	bool full_active;
	uint64_t full_cursor;
	bool full_wrap;        /* a later request came in: wrap once ... */
	uint64_t full_stop_at; /* ... and stop when the cursor reaches this */
	bool full_wrapped;

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

	/* timer */
	uint64_t timer_at; /* UINT64_MAX when not armed */

	/* one batch file per event kind, handed to its notify script */
	struct ev_batch {
		FILE *f;
		char *path;
		size_t count;
		uint64_t first_ms;
	} batch[EV__COUNT];
	uint64_t batch_serial;
	int fifo_fd;
	bool fifo_watched;
	uint64_t fifo_retry_ms;
	char *fifo_buf; /* lines not yet taken by the reader */
	size_t fifo_len, fifo_off, fifo_cap;

	struct ratelog rl[VRRP_HA_R__COUNT];
	struct ratelog rl_misc;
};

static const char *const state_names[] = {
        [VRRP_HA_ST_INIT] = "INIT",
        [VRRP_HA_ST_BACKUP] = "BACKUP",
        [VRRP_HA_ST_MASTER] = "MASTER",
        [VRRP_HA_ST_FAULT] = "FAULT",
};

const char *vrrp_ha_state_name(enum vrrp_ha_state s)
{
	if ((unsigned)s < sizeof(state_names) / sizeof(state_names[0]) && state_names[s])
		return state_names[s];
	return "UNKNOWN";
}

/* ---- configuration ---------------------------------------------------- */

void vrrp_ha_config_defaults(struct vrrp_ha_config *c)
{
	memset(c, 0, sizeof(*c));
	c->owner = VRRP_HA_OWNER_AUTO;
	c->ctl_mode = 0600;
	c->burst_packets = 32;
	c->pace_us = 1000;
	c->coalesce_ms = 1;
	c->request_timeout_ms = 1000;
	c->request_retries = 3;
	c->answer_grace_ms = 3000;
	c->restore_window_ms = 5000;
	c->tombstone_s = 30;
	c->max_bindings = 4000000;
	c->log_interval_s = 10;
	c->refresh_s = 300;
	c->dataplane = VRRP_HA_DP_NONE;
	c->full_recovery = true;
}

void vrrp_ha_config_clear(struct vrrp_ha_config *c)
{
	free(c->ctl_path);
	free(c->notify_restore);
	free(c->notify_recover);
	free(c->notify_dir);
	free(c->notify_fifo);
	c->ctl_path = c->notify_restore = c->notify_recover = c->notify_dir = c->notify_fifo = NULL;
}

static int dup_str(char **dst, const char *src)
{
	*dst = NULL;
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -1;
}

int vrrp_ha_config_copy(struct vrrp_ha_config *dst, const struct vrrp_ha_config *src)
{
	struct vrrp_ha_config c = *src;

	if (dup_str(&c.ctl_path, src->ctl_path) ||
	    dup_str(&c.notify_restore, src->notify_restore) ||
	    dup_str(&c.notify_recover, src->notify_recover) ||
	    dup_str(&c.notify_dir, src->notify_dir) || dup_str(&c.notify_fifo, src->notify_fifo)) {
		vrrp_ha_config_clear(&c);
		return -1;
	}
	*dst = c;
	return 0;
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

/* Log once per log_interval_s per reason; say how many were suppressed. */
static bool ratelog_ok(struct vrrp_ha *h, struct ratelog *rl, uint64_t *suppressed)
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

static void drop(struct vrrp_ha *h, enum vrrp_ha_reason r, const struct in6_addr *src,
                 const char *detail)
{
	char a[INET6_ADDRSTRLEN] = "?";
	uint64_t sup;

	h->cnt.rx_reason[r]++;
	if (!ratelog_ok(h, &h->rl[r], &sup))
		return;
	if (src)
		inet_ntop(AF_INET6, src, a, sizeof(a));
	vrrp_ha_logf(h, LOG_WARNING,
	             "dropped BC packet from %s: %s%s%s (%" PRIu64 " more suppressed)", a,
	             vrrp_ha_reason_name(r), detail ? ": " : "", detail ? detail : "", sup);
}

static struct vrrp_ha_rbc *send_table(struct vrrp_ha *h)
{
	return h->owner ? h->bc : h->rbc;
}

static bool is_owner(const struct vrrp_ha_config *c, unsigned priority)
{
	if (c->owner == VRRP_HA_OWNER_YES)
		return true;
	if (c->owner == VRRP_HA_OWNER_NO)
		return false;
	return priority == 255; /* RFC 5798 5.2.4: the address owner has priority 255 */
}

/* Arm the timer for deadline (absolute ms) unless an earlier one is armed. */
static void arm_at(struct vrrp_ha *h, uint64_t deadline)
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

static void arm_us(struct vrrp_ha *h, uint64_t delay_us)
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

static bool can_send(const struct vrrp_ha *h, uint64_t now)
{
	if (h->state == VRRP_HA_ST_MASTER)
		return true;
	/* a master that just lost the election still finishes answering a
	 * request: the new owner may have asked before we saw its advert */
	return h->left_master_ms && now - h->left_master_ms < h->cfg.answer_grace_ms;
}

/* ---- lifecycle -------------------------------------------------------- */

static int alloc_buffers(struct vrrp_ha *h)
{
	unsigned n = vrrp_ha_records_per_mtu(h->cfg.mtu ? h->cfg.mtu : 1500);
	size_t cap;
	struct vrrp_ha_binding *recs;
	uint8_t *pkt;

	if (!n)
		n = 1;
	cap = VRRP_HA_HDR_LEN + (size_t)n * VRRP_HA_REC_LEN;
	if (n == h->recs_per_pkt && h->pkt)
		return 0;
	pkt = malloc(cap);
	recs = calloc(n, sizeof(*recs));
	if (!pkt || !recs) {
		free(pkt);
		free(recs);
		return -1;
	}
	free(h->pkt);
	free(h->recs);
	h->pkt = pkt;
	h->recs = recs;
	h->pkt_cap = cap;
	h->recs_per_pkt = n;
	h->pending_len = 0;
	return 0;
}

struct vrrp_ha *vrrp_ha_new(const struct vrrp_ha_config *cfg, const struct vrrp_ha_ops *ops,
                            void *ctx, const char *iname, uint8_t vrid, unsigned priority)
{
	struct vrrp_ha *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->fifo_fd = -1;
	h->timer_at = UINT64_MAX;
	if (vrrp_ha_config_copy(&h->cfg, cfg))
		goto fail;
	h->ops = *ops;
	h->ctx = ctx;
	h->iname = strdup(iname ? iname : "?");
	h->vrid = vrid;
	h->priority = priority;
	h->owner = is_owner(&h->cfg, priority);
	h->rbc = rbc_new(0, h->cfg.tombstone_s * 1000u);
	h->bc = rbc_new(0, h->cfg.tombstone_s * 1000u);
	if (!h->iname || !h->rbc || !h->bc || alloc_buffers(h))
		goto fail;
	return h;
fail:
	vrrp_ha_free(h);
	return NULL;
}

static void batch_flush_all(struct vrrp_ha *h);
static void fifo_close(struct vrrp_ha *h);
static void dp_setup(struct vrrp_ha *h);
static void pnd_setup(struct vrrp_ha *h);
static void fr_setup(struct vrrp_ha *h);
static void notify_event(struct vrrp_ha *h, enum ev_kind k, const struct in6_addr *hoa_a,
                         const struct in6_addr *coa_a, unsigned lifetime, uint16_t seq,
                         uint16_t flags);
static bool dp_config_equal(const struct vrrp_ha_config *a, const struct vrrp_ha_config *b);

void vrrp_ha_free(struct vrrp_ha *h)
{
	if (!h)
		return;
	batch_flush_all(h);
	fifo_close(h);
	free(h->fifo_buf);
	vrrp_ha_fr_free(h->fr);
	vrrp_ha_pnd_free(h->pnd);
	vrrp_ha_dp_free(h->dp);
	rbc_free(h->rbc);
	rbc_free(h->bc);
	free(h->pkt);
	free(h->recs);
	for (int k = 0; k < EV__COUNT; k++)
		free(h->batch[k].path);
	free(h->iname);
	vrrp_ha_config_clear(&h->cfg);
	free(h);
}

int vrrp_ha_reconfigure(struct vrrp_ha *h, const struct vrrp_ha_config *cfg, void *ctx,
                        uint8_t vrid, unsigned priority)
{
	struct vrrp_ha_config c;
	bool fifo_changed;

	if (vrrp_ha_config_copy(&c, cfg))
		return -1;
	if (h->pnd && (c.proxy_nd != h->cfg.proxy_nd || c.home_plen != h->cfg.home_plen ||
	               memcmp(&c.home_prefix, &h->cfg.home_prefix, sizeof(c.home_prefix)) ||
	               c.pnd_kernel_max != h->cfg.pnd_kernel_max ||
	               strcmp(c.ifname, h->cfg.ifname) || is_owner(&c, priority) != h->owner)) {
		vrrp_ha_pnd_free(h->pnd);
		h->pnd = NULL;
	}
	if (h->fr &&
	    (c.full_recovery != h->cfg.full_recovery || c.fr_rate != h->cfg.fr_rate ||
	     c.fr_burst != h->cfg.fr_burst || c.fr_margin_s != h->cfg.fr_margin_s ||
	     memcmp(&c.vha, &h->cfg.vha, sizeof(c.vha)) || is_owner(&c, priority) != h->owner)) {
		vrrp_ha_fr_free(h->fr);
		h->fr = NULL;
	}
	if (h->dp && (!dp_config_equal(&c, &h->cfg) || is_owner(&c, priority) != h->owner ||
	              vrid != h->vrid)) {
		vrrp_ha_dp_free(h->dp);
		h->dp = NULL;
	}
	fifo_changed = (!c.notify_fifo != !h->cfg.notify_fifo) ||
	               (c.notify_fifo && strcmp(c.notify_fifo, h->cfg.notify_fifo));
	batch_flush_all(h);
	vrrp_ha_config_clear(&h->cfg);
	h->cfg = c;
	h->ctx = ctx;
	h->vrid = vrid;
	h->priority = priority;
	h->owner = is_owner(&h->cfg, priority);
	if (fifo_changed) {
		fifo_close(h);
		h->fifo_len = h->fifo_off = 0;
	}
	/* the host cancelled every timer on reload */
	h->timer_at = UINT64_MAX;
	if (alloc_buffers(h))
		return -1;
	if (h->started) {
		dp_setup(h);
		pnd_setup(h);
		fr_setup(h);
	}
	if (h->started)
		arm_us(h, 0);
	return 0;
}

/* ---- partial recovery data plane (draft-deng 5.2.1) --------------------
 * Every non-owner keeps the forwarding state of its RBC pre-staged in the
 * kernel as the RBC changes; becoming MASTER only switches it on. */

/* Route changes handed to the kernel per timer run: bounded so netlink work
 * never delays keepalived's adverts by more than a few ms. */
#define DP_COMMIT_BUDGET 512

static void dp_log(void *arg, int prio, const char *msg)
{
	vrrp_ha_logf(arg, prio, "dataplane: %s", msg);
}

static void dp_stage(struct vrrp_ha *h, const struct in6_addr *hoa, const struct in6_addr *coa)
{
	if (vrrp_ha_dp_stage(h->dp, hoa, coa) == 0)
		h->cnt.dp_staged++;
	else
		h->cnt.dp_errors++;
}

static void dp_unstage(struct vrrp_ha *h, const struct in6_addr *hoa)
{
	if (!h->dp)
		return;
	if (vrrp_ha_dp_unstage(h->dp, hoa) == 0)
		h->cnt.dp_unstaged++;
	else
		h->cnt.dp_errors++;
}

/* Stage every live RBC entry (a new data plane, or after reconfiguring). */
static void dp_stage_all(struct vrrp_ha *h)
{
	struct rbc_view v[256];
	uint64_t cursor = 0, now = vrrp_ha_now(h);
	size_t n, i;

	while ((n = rbc_walk_view(h->rbc, &cursor, v, 256, now)) > 0)
		for (i = 0; i < n; i++)
			dp_stage(h, &v[i].hoa, &v[i].coa);
}

static bool dp_config_equal(const struct vrrp_ha_config *a, const struct vrrp_ha_config *b)
{
	return a->dataplane == b->dataplane && !memcmp(&a->vha, &b->vha, sizeof(a->vha)) &&
	       !strcmp(a->ifname, b->ifname) && a->dp_table == b->dp_table &&
	       a->dp_decap_table == b->dp_decap_table && a->dp_rule_pref == b->dp_rule_pref &&
	       a->dp_batch == b->dp_batch;
}

/* Modules that keep fds or need the clock get these ops with the instance as
 * ctx: they follow h->ctx, which the host changes on a reload. */
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

static const struct vrrp_ha_ops fwd_ops = {
        .now_ms = fwd_now_ms,
        .watch_fd = fwd_watch_fd,
        .unwatch_fd = fwd_unwatch_fd,
        .log = fwd_log,
};

/* Is hoa inside the home prefix (so on the home link, needing proxy ND)? */
static bool on_home_link(const struct vrrp_ha *h, const struct in6_addr *hoa)
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

static void pnd_track(struct vrrp_ha *h, const struct in6_addr *hoa, bool add)
{
	int r;

	if (!h->pnd || !on_home_link(h, hoa))
		return;
	r = add ? vrrp_ha_pnd_add(h->pnd, hoa) : vrrp_ha_pnd_del(h->pnd, hoa);
	if (r < 0)
		h->cnt.pnd_errors++;
	else if (r > 0 && add)
		h->cnt.pnd_added++;
	else if (r > 0)
		h->cnt.pnd_deleted++;
	arm_us(h, 0); /* the module's paced work runs from our timer */
}

static void pnd_setup(struct vrrp_ha *h)
{
	struct vrrp_ha_pnd_config pc;
	struct rbc_view v[256];
	uint64_t cursor = 0, now;
	size_t n, i;

	if (!h->cfg.proxy_nd || h->owner || !h->cfg.enabled || !h->cfg.home_plen) {
		vrrp_ha_pnd_free(h->pnd);
		h->pnd = NULL;
		return;
	}
	if (h->pnd)
		return;
	vrrp_ha_pnd_config_defaults(&pc);
	memcpy(pc.ifname, h->cfg.ifname, sizeof(pc.ifname));
	if (h->cfg.pnd_kernel_max)
		pc.kernel_max = h->cfg.pnd_kernel_max;
	h->pnd = vrrp_ha_pnd_new(&pc, &fwd_ops, h);
	if (!h->pnd) {
		h->cnt.pnd_errors++;
		vrrp_ha_logf(h, LOG_ERR, "proxy ND not available");
		return;
	}
	now = vrrp_ha_now(h);
	while ((n = rbc_walk_view(h->rbc, &cursor, v, 256, now)) > 0)
		for (i = 0; i < n; i++)
			pnd_track(h, &v[i].hoa, true);
	if (h->state == VRRP_HA_ST_MASTER)
		vrrp_ha_pnd_activate(h->pnd);
}

/* ---- full recovery (draft-deng 5.2.2) ---- */

static bool fr_lookup(void *arg, const struct in6_addr *hoa, struct in6_addr *coa,
                      uint64_t *expires_ms)
{
	struct vrrp_ha *h = arg;
	struct rbc_view v;

	if (!rbc_lookup(h->rbc, hoa, vrrp_ha_now(h), &v))
		return false;
	*coa = v.coa;
	*expires_ms = v.expires_ms;
	return true;
}

static void fr_track_hoa(struct vrrp_ha *h, const struct in6_addr *hoa)
{
	struct rbc_view v;

	if (h->fr && rbc_lookup(h->rbc, hoa, vrrp_ha_now(h), &v))
		vrrp_ha_fr_track(h->fr, hoa, v.expires_ms);
}

/* The MN sent its (ESP-protected) Binding Update to the virtual HA address:
 * draft-deng 5.2.2 "MUST delete binding update associated with the MN in
 * RBC". The deletion is an RBC change a non-owner master sends (4.2.3). */
static void fr_triggered(void *arg, const struct in6_addr *hoa, const struct in6_addr *coa)
{
	struct vrrp_ha *h = arg;
	uint64_t now = vrrp_ha_now(h);

	(void)coa;
	h->cnt.fr_triggered++;
	if (rbc_delete_local(h->rbc, hoa, now) == RBC_DELETED) {
		dp_unstage(h, hoa);
		pnd_track(h, hoa, false);
		if (!h->dirty_since)
			h->dirty_since = now;
	}
	arm_us(h, 0);
}

static void fr_wake(void *arg)
{
	arm_us(arg, 0);
}

static void fr_setup(struct vrrp_ha *h)
{
	struct vrrp_ha_fr_config fc;
	struct vrrp_ha_fr_hooks hooks = {
	        .arg = h, .lookup = fr_lookup, .triggered = fr_triggered, .wake = fr_wake};
	struct rbc_view v[256];
	uint64_t cursor = 0, now;
	size_t n, i;

	if (!h->cfg.full_recovery || h->owner || !h->cfg.enabled ||
	    IN6_IS_ADDR_UNSPECIFIED(&h->cfg.vha)) {
		vrrp_ha_fr_free(h->fr);
		h->fr = NULL;
		return;
	}
	if (h->fr)
		return;
	vrrp_ha_fr_config_defaults(&fc);
	fc.vha = h->cfg.vha;
	if (h->cfg.fr_rate)
		fc.rate_per_s = h->cfg.fr_rate;
	if (h->cfg.fr_burst)
		fc.burst = h->cfg.fr_burst;
	if (h->cfg.fr_margin_s)
		fc.lifetime_margin_s = h->cfg.fr_margin_s;
	fc.log_interval_s = h->cfg.log_interval_s;
	h->fr = vrrp_ha_fr_new(&fc, &fwd_ops, h, &hooks);
	if (!h->fr) {
		vrrp_ha_logf(h, LOG_ERR, "full recovery not available");
		return;
	}
	now = vrrp_ha_now(h);
	while ((n = rbc_walk_view(h->rbc, &cursor, v, 256, now)) > 0)
		for (i = 0; i < n; i++)
			vrrp_ha_fr_track(h->fr, &v[i].hoa, v[i].expires_ms);
	if (h->state == VRRP_HA_ST_MASTER)
		vrrp_ha_fr_open(h->fr);
}

/* Hand what the token bucket releases to the daemon as RECOVER events.
 * Returns: when to come back (UINT64_MAX: nothing pending). */
static uint64_t fr_release(struct vrrp_ha *h, uint64_t now)
{
	struct vrrp_ha_fr_event ev[64];
	uint64_t next = UINT64_MAX;
	size_t n, i;

	n = vrrp_ha_fr_poll(h->fr, now, ev, 64, &next);
	for (i = 0; i < n; i++) {
		struct rbc_view v;
		unsigned lifetime = 0;
		uint16_t seq = 0, flags = 0;

		/* a lifetime recovery still has its entry; a triggered one was
		 * deleted: the daemon re-registers the MN from scratch */
		if (rbc_lookup(h->rbc, &ev[i].hoa, now, &v)) {
			lifetime = v.lifetime_s;
			seq = v.seq;
			flags = v.flags;
		}
		h->cnt.recovered++;
		notify_event(h, EV_RECOVER, &ev[i].hoa, &ev[i].coa, lifetime, seq, flags);
	}
	return next;
}

/* Create (or drop) the data plane to match the config and ownership. */
static void dp_setup(struct vrrp_ha *h)
{
	struct vrrp_ha_dp_config dc;

	if (h->cfg.dataplane == VRRP_HA_DP_NONE || h->owner || !h->cfg.enabled) {
		/* the owner's daemon forwards for its own bindings */
		vrrp_ha_dp_free(h->dp);
		h->dp = NULL;
		return;
	}
	if (h->dp)
		return;
	vrrp_ha_dp_config_defaults(&dc, h->vrid);
	dc.backend = h->cfg.dataplane;
	dc.vha = h->cfg.vha;
	memcpy(dc.ifname, h->cfg.ifname, sizeof(dc.ifname));
	if (h->cfg.dp_table)
		dc.table = h->cfg.dp_table;
	if (h->cfg.dp_decap_table)
		dc.decap_table = h->cfg.dp_decap_table;
	if (h->cfg.dp_rule_pref)
		dc.rule_pref = h->cfg.dp_rule_pref;
	if (h->cfg.dp_batch)
		dc.batch = h->cfg.dp_batch;
	h->dp = vrrp_ha_dp_new(&dc, dp_log, h);
	if (!h->dp) {
		h->cnt.dp_errors++;
		vrrp_ha_logf(h, LOG_ERR, "partial recovery data plane not available");
		return;
	}
	dp_stage_all(h);
	if (h->state == VRRP_HA_ST_MASTER && vrrp_ha_dp_activate(h->dp) == 0)
		h->cnt.dp_activations++;
}

/* The RBC changed (draft-deng 4.2.2 backup rules): keep the kernel in step. */
static void dp_record(struct vrrp_ha *h, const struct vrrp_ha_binding *b, enum rbc_result r)
{
	if (r == RBC_ADDED || r == RBC_UPDATED || r == RBC_REFRESHED)
		fr_track_hoa(h, &b->hoa);
	if (r == RBC_ADDED)
		pnd_track(h, &b->hoa, true);
	else if (r == RBC_DELETED)
		pnd_track(h, &b->hoa, false);
	if (!h->dp)
		return;
	if (r == RBC_ADDED || r == RBC_UPDATED)
		dp_stage(h, &b->hoa, &b->coa);
	else if (r == RBC_DELETED)
		dp_unstage(h, &b->hoa);
}

struct vrrp_ha_dp *vrrp_ha_get_dp(struct vrrp_ha *h)
{
	return h->dp;
}

int vrrp_ha_start(struct vrrp_ha *h)
{
	dp_setup(h);
	pnd_setup(h);
	fr_setup(h);
	h->started = true;
	h->timer_at = UINT64_MAX;
	arm_at(h, vrrp_ha_now(h) + IDLE_TICK_MS);
	return 0;
}

/* ---- sending ---------------------------------------------------------- */

static void send_request(struct vrrp_ha *h)
{
	uint8_t buf[VRRP_HA_HDR_LEN];
	size_t n = vrrp_ha_encode_request(buf, sizeof(buf), h->vrid);

	if (h->ops.send(h->ctx, buf, n) < 0) {
		h->cnt.tx_errors++;
		vrrp_ha_logf(h, LOG_WARNING, "sending BC_REQUEST failed: %s", strerror(errno));
	} else {
		h->cnt.tx_request++;
	}
}

static void start_request(struct vrrp_ha *h)
{
	uint64_t now = vrrp_ha_now(h);

	h->request_pending = true;
	h->request_tries = 1;
	h->request_deadline = now + h->cfg.request_timeout_ms;
	if (h->owner)
		h->restore_until = now + h->cfg.restore_window_ms;
	send_request(h);
	arm_at(h, h->request_deadline);
}

/* Try to send the packet in h->pkt. Returns: true if it left (or was
 * dropped for good), false if the kernel wants us to wait. */
static bool flush_pending(struct vrrp_ha *h)
{
	unsigned recs;

	if (!h->pending_len)
		return true;
	recs = (unsigned)((h->pending_len - VRRP_HA_HDR_LEN) / VRRP_HA_REC_LEN);
	if (h->ops.send(h->ctx, h->pkt, h->pending_len) == 0) {
		h->cnt.tx_update++;
		h->cnt.tx_records += recs;
		h->pending_len = 0;
		h->pending_tries = 0;
		return true;
	}
	if ((errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS || errno == EINTR) &&
	    ++h->pending_tries < PENDING_RETRIES) {
		h->cnt.tx_retries++;
		return false;
	}
	/* a hard error (or the kernel refused for too long): count, log, drop;
	 * the next whole-table answer or the peers' BC_REQUEST repairs it */
	h->cnt.tx_errors++;
	{
		uint64_t sup;
		int e = errno;

		if (ratelog_ok(h, &h->rl_misc, &sup))
			vrrp_ha_logf(h, LOG_ERR,
			             "BC_UPDATE with %u bindings not sent: %s (%" PRIu64
			             " more suppressed)",
			             recs, strerror(e), sup);
	}
	h->pending_len = 0;
	h->pending_tries = 0;
	return true;
}

/* Returns: the number of records staged (0 = nothing to send). */
static size_t stage_packet(struct vrrp_ha *h, size_t nrec)
{
	h->pending_len =
	        vrrp_ha_encode_update(h->pkt, h->pkt_cap, h->vrid, h->recs, (unsigned)nrec);
	h->pending_tries = 0;
	return nrec;
}

/* One more packet of the whole-table answer. Returns: records staged. */
static size_t stage_full(struct vrrp_ha *h, uint64_t now)
{
	struct vrrp_ha_rbc *t = send_table(h);
	size_t n;

	for (;;) {
		n = rbc_walk(t, &h->full_cursor, h->recs, h->recs_per_pkt, now);
		if (h->full_wrapped && h->full_cursor >= h->full_stop_at) {
			/* second lap reached where the later request came in */
			h->full_active = false;
			return n ? stage_packet(h, n) : 0;
		}
		if (n)
			return stage_packet(h, n);
		if (h->full_wrap && !h->full_wrapped) {
			h->full_wrapped = true;
			h->full_cursor = 0;
			continue;
		}
		h->full_active = false;
		return 0;
	}
}

static void start_full(struct vrrp_ha *h)
{
	if (h->full_active) {
		/* someone else asked in the middle of a walk: go round once more,
		 * up to where we are now */
		if (!h->full_wrap) {
			h->full_wrap = true;
			h->full_wrapped = false;
			h->full_stop_at = h->full_cursor;
		}
		return;
	}
	h->full_active = true;
	h->full_cursor = 0;
	h->full_wrap = h->full_wrapped = false;
	h->cnt.full_syncs++;
}

/* Send up to burst_packets packets. Returns: true if more is waiting. */
static bool send_burst(struct vrrp_ha *h, uint64_t now)
{
	struct vrrp_ha_rbc *t = send_table(h);
	unsigned sent = 0;

	while (sent < h->cfg.burst_packets) {
		if (!flush_pending(h))
			return true;
		if (rbc_dirty_count(t) &&
		    (now - h->dirty_since >= h->cfg.coalesce_ms || h->full_active)) {
			size_t n = rbc_take_dirty(t, h->recs, h->recs_per_pkt, now);

			if (n)
				stage_packet(h, n);
			if (!rbc_dirty_count(t))
				h->dirty_since = 0;
		} else if (h->full_active) {
			stage_full(h, now);
		}
		if (!h->pending_len)
			break;
		sent++;
	}
	if (!flush_pending(h))
		return true;
	return h->full_active || rbc_dirty_count(t) || h->pending_len;
}

/* ---- restore events (owner takes bindings back, draft-deng 4.2.2) ------ */

/* Lines wait in memory while the reader is slow (a restore of 1M bindings is
 * ~60 MB of lines); past this they are dropped and counted. */
#define FIFO_QUEUE_MAX (64u << 20)
/* Ask for a bigger pipe so a burst rarely has to wait at all. */
#define FIFO_PIPE_SIZE (1 << 20)

static void fifo_close(struct vrrp_ha *h)
{
	if (h->fifo_fd < 0)
		return;
	if (h->fifo_watched && h->ops.unwatch_fd)
		h->ops.unwatch_fd(h->ctx, h->fifo_fd);
	h->fifo_watched = false;
	close(h->fifo_fd);
	h->fifo_fd = -1;
}

static bool fifo_open(struct vrrp_ha *h)
{
	uint64_t now = vrrp_ha_now(h);

	if (h->fifo_fd >= 0)
		return true;
	if (h->fifo_retry_ms && now < h->fifo_retry_ms)
		return false;
	h->fifo_retry_ms = now + 1000;
	if (mkfifo(h->cfg.notify_fifo, 0600) < 0 && errno != EEXIST)
		return false;
	/* non-blocking: a reader that went away must never stall VRRP
	 * (ENXIO while nobody has it open for reading) */
	h->fifo_fd = open(h->cfg.notify_fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (h->fifo_fd < 0)
		return false;
	(void)fcntl(h->fifo_fd, F_SETPIPE_SZ, FIFO_PIPE_SIZE);
	h->fifo_retry_ms = 0;
	return true;
}

static void fifo_flush(struct vrrp_ha *h);

static void fifo_writable(void *data, int fd, int events)
{
	(void)fd;
	(void)events;
	fifo_flush(data);
}

/* Write queued lines in chunks of whole lines no larger than PIPE_BUF, so
 * each write is atomic even if several instances share one FIFO. */
static void fifo_flush(struct vrrp_ha *h)
{
	while (h->fifo_off < h->fifo_len) {
		size_t n = h->fifo_len - h->fifo_off;
		ssize_t w;

		if (!fifo_open(h))
			return; /* retried on the next event or timer tick */
		if (n > PIPE_BUF) {
			const char *p = h->fifo_buf + h->fifo_off;
			size_t k = PIPE_BUF;

			while (k > 0 && p[k - 1] != '\n')
				k--;
			n = k ? k : PIPE_BUF;
		}
		w = write(h->fifo_fd, h->fifo_buf + h->fifo_off, n);
		if (w > 0) {
			h->fifo_off += (size_t)w;
			continue;
		}
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (!h->fifo_watched && h->ops.watch_fd &&
			    h->ops.watch_fd(h->ctx, h->fifo_fd, VRRP_HA_EV_WRITE, fifo_writable,
			                    h) == 0)
				h->fifo_watched = true;
			return;
		}
		if (w < 0 && errno == EINTR)
			continue;
		/* the reader went away (EPIPE): keep the lines for the next one */
		fifo_close(h);
		return;
	}
	h->fifo_len = h->fifo_off = 0;
	if (h->fifo_watched) {
		h->ops.unwatch_fd(h->ctx, h->fifo_fd);
		h->fifo_watched = false;
	}
}

static void fifo_write(struct vrrp_ha *h, const char *line, size_t len)
{
	if (!h->cfg.notify_fifo)
		return;
	if (h->fifo_off && h->fifo_off == h->fifo_len)
		h->fifo_len = h->fifo_off = 0;
	if (h->fifo_len + len > h->fifo_cap) {
		size_t cap = h->fifo_cap ? h->fifo_cap : 65536;
		char *nb;

		/* reclaim what the reader already took */
		if (h->fifo_off) {
			memmove(h->fifo_buf, h->fifo_buf + h->fifo_off, h->fifo_len - h->fifo_off);
			h->fifo_len -= h->fifo_off;
			h->fifo_off = 0;
		}
		while (cap < h->fifo_len + len)
			cap *= 2;
		if (cap > FIFO_QUEUE_MAX || h->fifo_len + len > FIFO_QUEUE_MAX) {
			h->cnt.fifo_drops++;
			return;
		}
		if (cap > h->fifo_cap) {
			nb = realloc(h->fifo_buf, cap);
			if (!nb) {
				h->cnt.fifo_drops++;
				return;
			}
			h->fifo_buf = nb;
			h->fifo_cap = cap;
		}
	}
	memcpy(h->fifo_buf + h->fifo_len, line, len);
	h->fifo_len += len;
	h->cnt.fifo_lines++;
	fifo_flush(h);
}

static const char *ev_script(const struct vrrp_ha *h, enum ev_kind k)
{
	return k == EV_RESTORE ? h->cfg.notify_restore : h->cfg.notify_recover;
}

/* Close the batch file of kind k and run its script: SCRIPT INSTANCE WORD
 * COUNT FILE (the script owns the file). */
static void batch_flush(struct vrrp_ha *h, enum ev_kind k)
{
	struct ev_batch *b = &h->batch[k];
	char count[24];
	char *argv[6];

	if (!b->f)
		return;
	if (fclose(b->f) != 0)
		h->cnt.notify_errors++;
	b->f = NULL;
	if (ev_script(h, k) && h->ops.run_script) {
		snprintf(count, sizeof(count), "%zu", b->count);
		argv[0] = (char *)ev_script(h, k);
		argv[1] = h->iname;
		argv[2] = (char *)ev_word[k];
		argv[3] = count;
		argv[4] = b->path;
		argv[5] = NULL;
		if (h->ops.run_script(h->ctx, argv) == 0)
			h->cnt.notify_runs++;
		else
			h->cnt.notify_errors++;
	}
	b->count = 0;
}

static void batch_flush_all(struct vrrp_ha *h)
{
	for (int k = 0; k < EV__COUNT; k++)
		batch_flush(h, (enum ev_kind)k);
}

static void batch_open(struct vrrp_ha *h, enum ev_kind k)
{
	const char *dir = h->cfg.notify_dir ? h->cfg.notify_dir : "/run/vrrp-ha";
	struct ev_batch *b = &h->batch[k];
	char word[16];
	size_t len, i;

	mkdir(dir, 0700);
	len = strlen(dir) + strlen(h->iname) + 64;
	free(b->path);
	b->path = malloc(len);
	if (!b->path) {
		h->cnt.notify_errors++;
		return;
	}
	for (i = 0; ev_word[k][i] && i < sizeof(word) - 1; i++)
		word[i] = (char)(ev_word[k][i] | 0x20); /* lower case */
	word[i] = 0;
	snprintf(b->path, len, "%s/%s.%s.%d.%" PRIu64, dir, h->iname, word, (int)getpid(),
	         ++h->batch_serial);
	b->f = fopen(b->path, "we");
	if (!b->f) {
		h->cnt.notify_errors++;
		vrrp_ha_logf(h, LOG_ERR, "cannot create %s batch %s: %s", ev_word[k], b->path,
		             strerror(errno));
		return;
	}
	b->count = 0;
	b->first_ms = vrrp_ha_now(h);
}

/* One binding goes to the daemon: a FIFO line and a line in the batch of
 * its kind. */
static void notify_event(struct vrrp_ha *h, enum ev_kind k, const struct in6_addr *hoa_a,
                         const struct in6_addr *coa_a, unsigned lifetime, uint16_t seq,
                         uint16_t flags)
{
	char hoa[INET6_ADDRSTRLEN], coa[INET6_ADDRSTRLEN], line[256];
	struct ev_batch *b = &h->batch[k];
	int n;

	inet_ntop(AF_INET6, hoa_a, hoa, sizeof(hoa));
	inet_ntop(AF_INET6, coa_a, coa, sizeof(coa));
	n = snprintf(line, sizeof(line), "MIPV6_HA \"%s\" %s %s %s %u %u 0x%04x\n", h->iname,
	             ev_word[k], hoa, coa, lifetime, seq, flags);
	fifo_write(h, line, (size_t)n);
	if (!ev_script(h, k))
		return;
	if (!b->f)
		batch_open(h, k);
	if (!b->f)
		return;
	fprintf(b->f, "%s %s %u %u 0x%04x\n", hoa, coa, lifetime, seq, flags);
	if (++b->count >= RESTORE_BATCH_MAX)
		batch_flush(h, k);
	else
		arm_at(h, b->first_ms + RESTORE_BATCH_MS);
}

/* The owner takes a binding back (draft-deng 4.2.2). */
static void restore_event(struct vrrp_ha *h, const struct vrrp_ha_binding *b)
{
	h->cnt.restored++;
	notify_event(h, EV_RESTORE, &b->hoa, &b->coa,
	             (unsigned)b->lifetime * VRRP_HA_LIFETIME_UNIT_S, b->seq, b->flags);
}

/* ---- receiving -------------------------------------------------------- */

static void count_result(struct vrrp_ha *h, enum rbc_result r)
{
	switch (r) {
	case RBC_ADDED:
		h->cnt.rx_rec_added++;
		break;
	case RBC_UPDATED:
		h->cnt.rx_rec_updated++;
		break;
	case RBC_REFRESHED:
		h->cnt.rx_rec_refreshed++;
		break;
	case RBC_DELETED:
		h->cnt.rx_rec_deleted++;
		break;
	case RBC_STALE:
		h->cnt.rx_rec_stale++;
		break;
	case RBC_NOT_FOUND:
		h->cnt.rx_rec_unknown_delete++;
		break;
	case RBC_NOMEM:
		h->cnt.rx_rec_nomem++;
		break;
	}
}

static void rx_update(struct vrrp_ha *h, const uint8_t *pkt, size_t len,
                      const struct vrrp_ha_hdr *hd, const struct in6_addr *src)
{
	uint64_t now = vrrp_ha_now(h);
	bool restore;
	struct vrrp_ha_rbc *t;
	unsigned i;

	if (h->state == VRRP_HA_ST_MASTER) {
		/* only the owner, right after asking, takes updates as master */
		if (!(h->owner && now < h->restore_until)) {
			h->cnt.rx_update_ignored++;
			return;
		}
		restore = true;
	} else {
		/* BACKUP: owner -> daemon's binding cache, else -> RBC (4.2.2) */
		restore = h->owner;
	}
	t = restore ? h->bc : h->rbc;
	h->cnt.rx_update++;
	h->cnt.rx_reason[VRRP_HA_OK]++;
	h->request_pending = false;

	for (i = 0; i < hd->count; i++) {
		struct vrrp_ha_binding b;
		enum vrrp_ha_reason r = vrrp_ha_decode_record(pkt, len, i, &b);
		enum rbc_result res;

		if (r != VRRP_HA_OK) {
			char a[INET6_ADDRSTRLEN], detail[96];

			inet_ntop(AF_INET6, &b.hoa, a, sizeof(a));
			snprintf(detail, sizeof(detail), "record %u (HoA %s) skipped", i, a);
			drop(h, r, src, detail);
			continue;
		}
		h->cnt.rx_records++;
		if (b.lifetime && rbc_count(t) >= h->cfg.max_bindings &&
		    !rbc_lookup(t, &b.hoa, now, NULL)) {
			h->cnt.rx_rec_over_limit++;
			continue;
		}
		res = rbc_apply(t, &b, now);
		count_result(h, res);
		if (t == h->rbc)
			dp_record(h, &b, res);
		if (restore && (res == RBC_ADDED || res == RBC_UPDATED))
			restore_event(h, &b);
	}
	/* a backup never sends: forget what the apply queued. The owner
	 * restoring as master passes the bindings on to the other backups. */
	if (h->state != VRRP_HA_ST_MASTER)
		rbc_clear_dirty(t);
	else if (rbc_dirty_count(t)) {
		if (!h->dirty_since)
			h->dirty_since = now;
		arm_at(h, now + h->cfg.coalesce_ms);
	}
}

enum vrrp_ha_reason vrrp_ha_rx(struct vrrp_ha *h, const uint8_t *pkt, size_t len, int hop_limit,
                               const struct in6_addr *src)
{
	struct vrrp_ha_hdr hd;
	enum vrrp_ha_reason r = vrrp_ha_decode_hdr(pkt, len, &hd);

	/* Validation order (docs/protocol.md): length of the fixed header,
	 * version, hop limit, type, VRID, enabled, count vs length, records. */
	if (r == VRRP_HA_R_TOO_SHORT || r == VRRP_HA_R_BAD_VERSION) {
		drop(h, r, src, NULL);
		return r;
	}
	if (hop_limit != VRRP_HA_HOP_LIMIT) {
		char d[32];

		snprintf(d, sizeof(d), "hop limit %d", hop_limit);
		drop(h, VRRP_HA_R_BAD_HOPLIMIT, src, d);
		return VRRP_HA_R_BAD_HOPLIMIT;
	}
	if (r == VRRP_HA_R_BAD_TYPE) {
		drop(h, r, src, NULL);
		return r;
	}
	/* pkt[1] is inside the 8 bytes checked above */
	if (pkt[1] != h->vrid) {
		drop(h, VRRP_HA_R_VRID_MISMATCH, src, NULL);
		return VRRP_HA_R_VRID_MISMATCH;
	}
	if (!h->cfg.enabled) {
		drop(h, VRRP_HA_R_NOT_ENABLED, src, NULL);
		return VRRP_HA_R_NOT_ENABLED;
	}
	if (r != VRRP_HA_OK) {
		drop(h, r, src, NULL);
		return r;
	}
	/* keepalived drops packets for INIT/FAULT instances itself; a host
	 * that does not is covered here */
	if (h->state == VRRP_HA_ST_INIT || h->state == VRRP_HA_ST_FAULT) {
		h->cnt.rx_reason[VRRP_HA_OK]++;
		if (hd.type == VRRP_HA_TYPE_BC_REQUEST)
			h->cnt.rx_request_ignored++;
		else
			h->cnt.rx_update_ignored++;
		return VRRP_HA_OK;
	}
	if (hd.type == VRRP_HA_TYPE_BC_REQUEST) {
		uint64_t now = vrrp_ha_now(h);

		h->cnt.rx_reason[VRRP_HA_OK]++;
		if (!can_send(h, now)) {
			h->cnt.rx_request_ignored++;
			return VRRP_HA_OK;
		}
		h->cnt.rx_request++;
		start_full(h);
		arm_us(h, 0);
		return VRRP_HA_OK;
	}
	rx_update(h, pkt, len, &hd, src);
	return VRRP_HA_OK;
}

/* ---- state ------------------------------------------------------------ */

void vrrp_ha_set_state(struct vrrp_ha *h, enum vrrp_ha_state s)
{
	enum vrrp_ha_state prev = h->state;
	uint64_t now = vrrp_ha_now(h);

	if (s == prev)
		return;
	h->state = s;
	h->cnt.state_changes++;
	vrrp_ha_logf(h, LOG_INFO, "%s -> %s (%s, rbc %zu, bc %zu)", vrrp_ha_state_name(prev),
	             vrrp_ha_state_name(s), h->owner ? "address owner" : "not address owner",
	             rbc_count(h->rbc), rbc_count(h->bc));

	if (prev == VRRP_HA_ST_MASTER) {
		h->left_master_ms = now ? now : 1;
		rbc_clear_dirty(send_table(h));
		h->dirty_since = 0;
		if (h->dp && vrrp_ha_dp_deactivate(h->dp) == 0)
			h->cnt.dp_deactivations++;
		if (h->pnd)
			vrrp_ha_pnd_deactivate(h->pnd);
		if (h->fr)
			vrrp_ha_fr_close(h->fr);
	}
	if (s == VRRP_HA_ST_MASTER && h->fr && vrrp_ha_fr_open(h->fr) < 0)
		vrrp_ha_logf(h, LOG_ERR, "full recovery trigger detector not open");
	if (s == VRRP_HA_ST_MASTER && h->pnd) {
		/* take the home link over: proxy entries / responder + UNAs */
		if (vrrp_ha_pnd_activate(h->pnd) < 0)
			h->cnt.pnd_errors++;
	}
	if (s == VRRP_HA_ST_MASTER && h->dp) {
		/* partial recovery: the routes are pre-staged; this is a constant
		 * number of kernel operations whatever the RBC's size */
		if (vrrp_ha_dp_activate(h->dp) == 0)
			h->cnt.dp_activations++;
		else
			h->cnt.dp_errors++;
	}
	if (s == VRRP_HA_ST_INIT || s == VRRP_HA_ST_FAULT) {
		h->full_active = false;
		h->request_pending = false;
		return;
	}
	/* draft-deng 4.2.1: ask for the table when the instance first settles
	 * (keepalived's INIT is momentary) or comes back from FAULT */
	if (prev == VRRP_HA_ST_INIT || prev == VRRP_HA_ST_FAULT)
		start_request(h);
	if (s == VRRP_HA_ST_MASTER) {
		/* a new master pushes its whole table once, so backups that
		 * missed an update converge without asking */
		h->left_master_ms = 0;
		h->next_refresh_ms = 0;
		if (rbc_count(send_table(h)))
			start_full(h);
		arm_us(h, 0);
	}
}

/* ---- timer ------------------------------------------------------------ */

static void expired_cb(void *arg, const struct rbc_view *v)
{
	struct vrrp_ha *h = arg;

	(void)v;
	h->cnt.expired++;
}

static void rbc_expired_cb(void *arg, const struct rbc_view *v)
{
	struct vrrp_ha *h = arg;

	h->cnt.expired++;
	dp_unstage(h, &v->hoa);
	pnd_track(h, &v->hoa, false);
}

/* Time to the next pacing tick: pace_us after the previous burst started,
 * so the time spent sending is not added to every period. */
static uint64_t pace_delay_us(const struct vrrp_ha *h, uint64_t burst_start_us)
{
	uint64_t spent;

	if (!h->ops.now_us || !burst_start_us)
		return h->cfg.pace_us;
	spent = h->ops.now_us(h->ctx) - burst_start_us;
	return spent >= h->cfg.pace_us ? 0 : h->cfg.pace_us - spent;
}

void vrrp_ha_timer(struct vrrp_ha *h)
{
	uint64_t now = vrrp_ha_now(h);
	uint64_t next = now + IDLE_TICK_MS, t, burst_start_us = 0;
	bool more = false;

	h->timer_at = UINT64_MAX;

	rbc_expire(h->rbc, now, EXPIRE_BATCH, rbc_expired_cb, h);
	rbc_expire(h->bc, now, EXPIRE_BATCH, expired_cb, h);

	if (h->request_pending && now >= h->request_deadline) {
		if (h->request_tries <= h->cfg.request_retries &&
		    (h->state == VRRP_HA_ST_BACKUP || h->state == VRRP_HA_ST_MASTER)) {
			h->request_tries++;
			h->cnt.tx_retries++;
			h->request_deadline = now + h->cfg.request_timeout_ms;
			if (h->owner)
				h->restore_until = now + h->cfg.restore_window_ms;
			send_request(h);
		} else {
			h->request_pending = false;
		}
	}
	if (h->request_pending && h->request_deadline < next)
		next = h->request_deadline;

	if (h->fr && vrrp_ha_fr_active(h->fr)) {
		uint64_t fn = fr_release(h, now);

		if (fn < next)
			next = fn > now ? fn : now + 1;
	}
	if (h->pnd) {
		uint64_t pn = UINT64_MAX;

		vrrp_ha_pnd_timer(h->pnd, now, &pn);
		if (pn < next)
			next = pn > now ? pn : now + 1;
	}
	if (h->dp && vrrp_ha_dp_pending(h->dp) && vrrp_ha_dp_commit(h->dp, DP_COMMIT_BUDGET) > 0)
		next = now + 1; /* more to hand over (or an ENOMEM retry) soon */

	if (h->fifo_off < h->fifo_len && !h->fifo_watched)
		fifo_flush(h); /* reader was missing: try again (at most once a second) */

	for (int k = 0; k < EV__COUNT; k++) {
		struct ev_batch *b = &h->batch[k];

		if (!b->f)
			continue;
		if (now - b->first_ms >= RESTORE_BATCH_MS)
			batch_flush(h, (enum ev_kind)k);
		else if (b->first_ms + RESTORE_BATCH_MS < next)
			next = b->first_ms + RESTORE_BATCH_MS;
	}

	if (h->state == VRRP_HA_ST_MASTER && h->cfg.refresh_s) {
		/* Multicast BC_UPDATEs are not acknowledged; a slow periodic
		 * re-send of the whole table bounds how long a backup that lost
		 * one stays wrong (sequence rules make it a no-op otherwise). */
		if (!h->next_refresh_ms)
			h->next_refresh_ms = now + (uint64_t)h->cfg.refresh_s * 1000;
		if (now >= h->next_refresh_ms) {
			h->next_refresh_ms = now + (uint64_t)h->cfg.refresh_s * 1000;
			if (!h->full_active && rbc_count(send_table(h))) {
				h->cnt.refreshes++;
				start_full(h);
			}
		}
		if (h->next_refresh_ms < next)
			next = h->next_refresh_ms;
	}
	if (can_send(h, now)) {
		burst_start_us = h->ops.now_us ? h->ops.now_us(h->ctx) : 0;
		more = send_burst(h, now);
	} else {
		h->full_active = false;
		h->pending_len = 0;
		rbc_clear_dirty(send_table(h));
		h->dirty_since = 0;
	}

	t = rbc_next_expiry(h->rbc, now);
	if (t != UINT64_MAX && now + t < next)
		next = now + t;
	t = rbc_next_expiry(h->bc, now);
	if (t != UINT64_MAX && now + t < next)
		next = now + t;

	if (more) {
		struct vrrp_ha_rbc *st = send_table(h);

		if (!h->pending_len && !h->full_active && rbc_dirty_count(st) &&
		    now - h->dirty_since < h->cfg.coalesce_ms)
			arm_at(h, h->dirty_since + h->cfg.coalesce_ms);
		else
			arm_us(h, pace_delay_us(h, burst_start_us));
	}
	arm_at(h, next);
}

/* ---- bridge input ----------------------------------------------------- */

static void local_changed(struct vrrp_ha *h)
{
	uint64_t now;

	/* draft-deng 4.2.3: only the owner master sends local BC changes */
	if (!h->owner || h->state != VRRP_HA_ST_MASTER) {
		rbc_clear_dirty(h->bc);
		return;
	}
	now = vrrp_ha_now(h);
	if (!h->dirty_since)
		h->dirty_since = now;
	arm_at(h, h->dirty_since + h->cfg.coalesce_ms);
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
	local_changed(h);
	return r;
}

enum rbc_result vrrp_ha_bc_del(struct vrrp_ha *h, const struct in6_addr *hoa)
{
	enum rbc_result r = rbc_delete_local(h->bc, hoa, vrrp_ha_now(h));

	if (r == RBC_DELETED) {
		h->cnt.bc_del++;
		local_changed(h);
	}
	return r;
}

size_t vrrp_ha_bc_flush(struct vrrp_ha *h)
{
	size_t n = rbc_flush(h->bc, vrrp_ha_now(h));

	h->cnt.bc_flush++;
	local_changed(h);
	return n;
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
	struct vrrp_ha_rbc *t = h->owner ? h->bc : h->rbc;
	size_t n = rbc_dirty_count(t);

	if (h->full_active)
		n += rbc_count(t); /* upper bound: the walk's remainder */
	return n;
}

#define CTR(f)                                                                                     \
	{                                                                                          \
#f, offsetof(struct vrrp_ha_counters, f)                                           \
	}
#define RXR(r, n)                                                                                  \
	{                                                                                          \
		"rx_" n, offsetof(struct vrrp_ha_counters, rx_reason) + (r) * sizeof(uint64_t)     \
	}
static const struct vrrp_ha_counter_field counter_fields[] = {
        RXR(VRRP_HA_OK, "ok"),
        RXR(VRRP_HA_R_TOO_SHORT, "too_short"),
        RXR(VRRP_HA_R_BAD_VERSION, "bad_version"),
        RXR(VRRP_HA_R_BAD_HOPLIMIT, "bad_hoplimit"),
        RXR(VRRP_HA_R_BAD_TYPE, "bad_type"),
        RXR(VRRP_HA_R_VRID_MISMATCH, "vrid_mismatch"),
        RXR(VRRP_HA_R_NOT_ENABLED, "not_enabled"),
        RXR(VRRP_HA_R_BAD_LENGTH, "bad_length"),
        RXR(VRRP_HA_R_ZERO_COUNT, "zero_count"),
        RXR(VRRP_HA_R_REC_BAD_HOA, "rec_bad_hoa"),
        RXR(VRRP_HA_R_REC_BAD_COA, "rec_bad_coa"),
        RXR(VRRP_HA_R_REC_HOA_IS_COA, "rec_hoa_is_coa"),
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
        CTR(notify_runs),
        CTR(notify_errors),
        CTR(fifo_lines),
        CTR(fifo_drops),
        CTR(state_changes),
        CTR(dp_staged),
        CTR(dp_unstaged),
        CTR(dp_errors),
        CTR(dp_activations),
        CTR(dp_deactivations),
        CTR(pnd_added),
        CTR(pnd_deleted),
        CTR(pnd_errors),
        CTR(fr_triggered),
        CTR(recovered),
};
#undef CTR
#undef RXR
/* a counter added to struct vrrp_ha_counters must be listed above */
_Static_assert(sizeof(struct vrrp_ha_counters) ==
                       sizeof(uint64_t) * (sizeof(counter_fields) / sizeof(counter_fields[0])),
               "counter_fields does not list every field of struct vrrp_ha_counters");
_Static_assert(VRRP_HA_R__COUNT == 12, "name the new reason in counter_fields");

const struct vrrp_ha_counter_field *vrrp_ha_counter_fields(size_t *n)
{
	*n = sizeof(counter_fields) / sizeof(counter_fields[0]);
	return counter_fields;
}

uint64_t vrrp_ha_counter_value(const struct vrrp_ha_counters *c,
                               const struct vrrp_ha_counter_field *f)
{
	uint64_t v;

	memcpy(&v, (const char *)c + f->offset, sizeof(v));
	return v;
}

int vrrp_ha_counters_json(const struct vrrp_ha *h, char *buf, size_t cap)
{
	size_t off = 0, i;
	int n;

	for (i = 0; i < sizeof(counter_fields) / sizeof(counter_fields[0]); i++) {
		n = snprintf(buf + (off < cap ? off : cap), off < cap ? cap - off : 0,
		             "%s\"%s\":%" PRIu64, i ? "," : "{", counter_fields[i].name,
		             vrrp_ha_counter_value(&h->cnt, &counter_fields[i]));
		if (n > 0)
			off += (size_t)n;
	}
	n = snprintf(buf + (off < cap ? off : cap), off < cap ? cap - off : 0, "}");
	if (n > 0)
		off += (size_t)n;
	return (int)off;
}
