/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * notif.c - the agent model's instances and VRRP-HA-MIB's notifications:
 * a subscriber of each instance's event stream (sync complete / diverged,
 * takeover, restore done), a poll of its counters (receive drop rate,
 * authentication failures) and of full recovery's queue, and a token
 * bucket per instance and notification type in front of the queue.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snmp_int.h"
#include "vrrp_ha/auth.h"
#include "vrrp_ha/ha.h"
#include "vrrp_ha/rbc.h"
#include "vrrp_ha/recovery.h"
#include "vrrp_ha/store.h"

static const uint32_t base_oid[] = {VRRP_HA_SNMP_BASE};

void vrrp_ha_snmp_config_defaults(struct vrrp_ha_snmp_config *c)
{
	c->trap_burst = 5;
	c->trap_interval_ms = 6000;
}

struct vrrp_ha_snmp *vrrp_ha_snmp_new(const struct vrrp_ha_snmp_config *cfg)
{
	struct vrrp_ha_snmp *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	if (cfg)
		m->cfg = *cfg;
	else
		vrrp_ha_snmp_config_defaults(&m->cfg);
	return m;
}

static void inst_free(struct sn_inst *in)
{
	if (in->sub)
		vrrp_ha_unsubscribe(in->h, in->sub);
	free(in->auth_last);
	free(in->corder);
	free(in);
}

void vrrp_ha_snmp_free(struct vrrp_ha_snmp *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		inst_free(m->inst[i]);
	free(m->inst);
	free(m);
}

static struct sn_inst *inst_of(const struct vrrp_ha_snmp *m, const struct vrrp_ha *h, size_t *pos)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->inst[i]->h == h) {
			if (pos)
				*pos = i;
			return m->inst[i];
		}
	return NULL;
}

/* Put in at its place by index (it is not in the array). */
static void inst_insert(struct vrrp_ha_snmp *m, struct sn_inst *in)
{
	size_t i = m->n;

	while (i > 0 && m->inst[i - 1]->info.index > in->info.index) {
		m->inst[i] = m->inst[i - 1];
		i--;
	}
	m->inst[i] = in;
	m->n++;
}

int vrrp_ha_snmp_add(struct vrrp_ha_snmp *m, struct vrrp_ha *h,
                     const struct vrrp_ha_snmp_instance *info)
{
	struct sn_inst *in, *other = sn_find(m, info->index);
	size_t pos;

	if (!info->index || (other && other->h != h))
		return -1;
	in = inst_of(m, h, &pos);
	if (in) {
		/* a new description: the index may have moved (reload) */
		memmove(&m->inst[pos], &m->inst[pos + 1], (m->n - pos - 1) * sizeof(*m->inst));
		m->n--;
		in->info = *info;
		inst_insert(m, in);
		return 0;
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 8;
		struct sn_inst **a = realloc(m->inst, cap * sizeof(*a));

		if (!a)
			return -1;
		m->inst = a;
		m->cap = cap;
	}
	in = calloc(1, sizeof(*in));
	if (!in)
		return -1;
	/* GETNEXT walks each table in key order: keep the store's ordered index
	 * (an O(log n) next-after-key; without it every lookup is a pass over
	 * the table). Built at once if the table is not empty. */
	if (vrrp_ha_get_bc(h))
		store_set_ordered(rbc_store(vrrp_ha_get_bc(h)), true);
	if (vrrp_ha_get_rbc(h))
		store_set_ordered(rbc_store(vrrp_ha_get_rbc(h)), true);
	in->m = m;
	in->h = h;
	in->info = *info;
	memcpy(in->rx_last, vrrp_ha_counters(h)->rx_reason, sizeof(in->rx_last));
	in->sub = vrrp_ha_subscribe(
	        h,
	        VRRP_HA_EMASK(VRRP_HA_E_SYNC_STARTED) | VRRP_HA_EMASK(VRRP_HA_E_SYNC_COMPLETE) |
	                VRRP_HA_EMASK(VRRP_HA_E_SYNC_DIVERGED) |
	                VRRP_HA_EMASK(VRRP_HA_E_ACTIVATED) | VRRP_HA_EMASK(VRRP_HA_E_RESTORED) |
	                VRRP_HA_EMASK(VRRP_HA_E_STATE),
	        sn_on_event, in);
	if (!in->sub) {
		free(in);
		return -1;
	}
	inst_insert(m, in);
	return 0;
}

void vrrp_ha_snmp_remove(struct vrrp_ha_snmp *m, struct vrrp_ha *h)
{
	size_t pos;
	struct sn_inst *in = inst_of(m, h, &pos);

	if (!in)
		return;
	memmove(&m->inst[pos], &m->inst[pos + 1], (m->n - pos - 1) * sizeof(*m->inst));
	m->n--;
	inst_free(in);
}

size_t vrrp_ha_snmp_count(const struct vrrp_ha_snmp *m)
{
	return m->n;
}

/* ---- rate limit and queue --------------------------------------------- */

/* Returns: whether a notification may go now (taking a token). */
static bool bucket_take(const struct vrrp_ha_snmp_config *cfg, struct sn_bucket *b, uint64_t now)
{
	uint64_t cap = (uint64_t)(cfg->trap_burst ? cfg->trap_burst : 1) * 1000;

	if (!b->started) {
		b->started = true;
		b->tokens = cap;
		b->last_ms = now;
	}
	if (now > b->last_ms) {
		uint64_t add = cfg->trap_interval_ms
		                       ? (now - b->last_ms) * 1000 / cfg->trap_interval_ms
		                       : cap;

		b->tokens = b->tokens + add > cap ? cap : b->tokens + add;
		b->last_ms = now;
	}
	if (b->tokens < 1000)
		return false;
	b->tokens -= 1000;
	return true;
}

void sn_raise(struct sn_inst *in, enum vrrp_ha_snmp_notif_type t, uint64_t now_ms, uint64_t rows,
              uint64_t duration_ms, uint64_t rate, const char *reason)
{
	struct vrrp_ha_snmp *m = in->m;
	struct sn_bucket *b = &in->rl[t];
	struct vrrp_ha_snmp_notif *n;

	if (!bucket_take(&m->cfg, b, now_ms)) {
		b->suppressed++;
		return;
	}
	if (m->q_n == SN_QUEUE_MAX) {
		/* the oldest goes; the next of its kind says so */
		struct vrrp_ha_snmp_notif *old = &m->q[m->q_head];
		struct sn_inst *oi = sn_find(m, old->index);

		if (oi)
			oi->rl[old->type].suppressed++;
		m->q_head = (m->q_head + 1) % SN_QUEUE_MAX;
		m->q_n--;
	}
	n = &m->q[(m->q_head + m->q_n++) % SN_QUEUE_MAX];
	memset(n, 0, sizeof(*n));
	n->type = t;
	n->index = in->info.index;
	n->rows = rows;
	n->duration_ms = duration_ms;
	n->rate = rate;
	n->suppressed = b->suppressed;
	b->suppressed = 0;
	snprintf(n->reason, sizeof(n->reason), "%s", reason ? reason : "");
}

size_t vrrp_ha_snmp_take(struct vrrp_ha_snmp *m, struct vrrp_ha_snmp_notif *out, size_t max)
{
	size_t k = 0;

	while (k < max && m->q_n) {
		out[k++] = m->q[m->q_head];
		m->q_head = (m->q_head + 1) % SN_QUEUE_MAX;
		m->q_n--;
	}
	return k;
}

/* ---- from the event stream -------------------------------------------- */

void sn_on_event(void *arg, const struct vrrp_ha_event *ev)
{
	struct sn_inst *in = arg;
	const char *d = ev->detail ? ev->detail : "";
	bool owner = vrrp_ha_is_owner(in->h);

	switch (ev->type) {
	case VRRP_HA_E_SYNC_STARTED:
		/* the owner asking its peers: what they answer is restored */
		if (owner && !strcmp(d, "request")) {
			in->restoring = true;
			in->restore_start_ms = ev->time_ms;
			in->restored = 0;
		}
		break;
	case VRRP_HA_E_RESTORED:
		in->restored++;
		break;
	case VRRP_HA_E_SYNC_COMPLETE:
		in->synced = true;
		in->sync_ms = ev->time_ms;
		in->sync_duration_ms = ev->duration_ms;
		in->sync_rows = ev->count;
		snprintf(in->sync_detail, sizeof(in->sync_detail), "%s", d);
		if (strcmp(d, "refresh"))
			sn_raise(in, VRRP_HA_SNMP_N_SYNC_COMPLETE, ev->time_ms, ev->count,
			         ev->duration_ms, 0, d);
		/* only the request's own end: a takeover push may complete
		 * while the answers still come */
		if (in->restoring && !strcmp(d, "request")) {
			in->restoring = false;
			sn_raise(in, VRRP_HA_SNMP_N_RESTORE_DONE, ev->time_ms, in->restored,
			         ev->time_ms - in->restore_start_ms, 0, d);
		} else if (!strcmp(d, "no answer")) {
			in->restoring = false;
		}
		break;
	case VRRP_HA_E_SYNC_DIVERGED:
		in->restoring = false;
		sn_raise(in, VRRP_HA_SNMP_N_SYNC_DIVERGED, ev->time_ms, ev->count, ev->duration_ms,
		         0, d);
		break;
	case VRRP_HA_E_ACTIVATED:
		/* comes just before the STATE to MASTER (docs/events.md) */
		in->act_seen = true;
		in->act_count = ev->count;
		in->act_ms = ev->duration_ms;
		break;
	case VRRP_HA_E_STATE:
		if (ev->state == VRRP_HA_ST_MASTER && ev->prev != VRRP_HA_ST_MASTER && !owner) {
			/* without a data plane nothing is activated: the RBC is
			 * what the new master now answers for */
			struct vrrp_ha_rbc *rbc = vrrp_ha_get_rbc(in->h);
			uint64_t rows = in->act_seen ? in->act_count : rbc ? rbc_count(rbc) : 0;

			sn_raise(in, VRRP_HA_SNMP_N_TAKEOVER, ev->time_ms, rows,
			         in->act_seen ? in->act_ms : 0, 0, in->act_seen ? "dataplane" : "");
		}
		in->act_seen = false;
		break;
	default:
		break;
	}
}

/* ---- from the counters ------------------------------------------------ */

/* An auth failure counter: "auth_<reason>" for every refusal reason of
 * auth.h (auth_bad_tag, auth_replay, ...), not auth_ok / auth_sealed / ... */
bool vrrp_ha_snmp_is_auth_failure(const char *group, const char *name, bool gauge)
{
	if (gauge || strcmp(group, "auth") || strncmp(name, "auth_", 5))
		return false;
	for (int r = VRRP_HA_AUTH_R_OK + 1; r < VRRP_HA_AUTH_R__COUNT; r++)
		if (!strcmp(name + 5, vrrp_ha_auth_result_name((enum vrrp_ha_auth_result)r)))
			return true;
	return false;
}

static void poll_drops(struct sn_inst *in, uint64_t now)
{
	const struct vrrp_ha_counters *c = vrrp_ha_counters(in->h);
	uint64_t total = 0, top = 0;
	unsigned top_r = 0, span;

	for (unsigned r = 1; r < VRRP_HA_R__COUNT; r++) {
		uint64_t d = c->rx_reason[r] - in->rx_last[r];

		total += c->rx_reason[r];
		if (d > top) {
			top = d;
			top_r = r;
		}
	}
	memcpy(in->rx_last, c->rx_reason, sizeof(in->rx_last));
	if (in->drop_n < SN_DROP_WINDOW + 1) {
		in->drop_hist[in->drop_n++] = total;
	} else {
		memmove(in->drop_hist, in->drop_hist + 1, SN_DROP_WINDOW * sizeof(uint64_t));
		in->drop_hist[SN_DROP_WINDOW] = total;
	}
	span = in->drop_n - 1;
	if (!span || !in->info.drop_limit)
		return;
	{
		uint64_t drops = total - in->drop_hist[0];
		uint64_t rate = drops / span;

		if (!in->drop_high && rate > in->info.drop_limit) {
			in->drop_high = true;
			sn_raise(in, VRRP_HA_SNMP_N_DROP_RATE, now, drops, 0, rate,
			         top_r ? vrrp_ha_reason_name((enum vrrp_ha_reason)top_r) : "");
		} else if (in->drop_high && rate * 2 < in->info.drop_limit) {
			in->drop_high = false;
		}
	}
}

static void poll_auth(struct sn_inst *in, uint64_t now)
{
	const struct vrrp_ha_counters_reg *reg = vrrp_ha_counters_registry(in->h);
	size_t n = vrrp_ha_counters_count(reg);

	if (n != in->auth_n) {
		uint64_t *a = realloc(in->auth_last, (n ? n : 1) * sizeof(*a));

		if (!a)
			return;
		for (size_t i = in->auth_n; i < n; i++)
			a[i] = vrrp_ha_counter_read(vrrp_ha_counters_at(reg, i));
		in->auth_last = a;
		in->auth_n = n;
	}
	for (size_t i = 0; i < n; i++) {
		const struct vrrp_ha_counter *c = vrrp_ha_counters_at(reg, i);
		uint64_t v;

		if (!vrrp_ha_snmp_is_auth_failure(c->group, c->name, c->gauge))
			continue;
		v = vrrp_ha_counter_read(c);
		if (v > in->auth_last[i])
			sn_raise(in, VRRP_HA_SNMP_N_AUTH_FAILURE, now, v - in->auth_last[i], 0, 0,
			         c->name);
		in->auth_last[i] = v;
	}
}

static void poll_recovery(struct sn_inst *in, uint64_t now)
{
	struct vrrp_ha_fr *fr = vrrp_ha_get_fr(in->h);
	size_t queued = fr && vrrp_ha_fr_active(fr) ? vrrp_ha_fr_queued(fr) : 0;
	uint64_t released = fr ? vrrp_ha_fr_counters(fr)->released : 0;

	if (!in->fr_running && queued) {
		in->fr_running = true;
		in->fr_start_ms = now;
		in->fr_released_base = released;
		sn_raise(in, VRRP_HA_SNMP_N_FR_STARTED, now, queued, 0, 0, "");
	} else if (in->fr_running && !queued) {
		in->fr_running = false;
		sn_raise(in, VRRP_HA_SNMP_N_FR_FINISHED, now, released - in->fr_released_base,
		         now - in->fr_start_ms, 0, "");
	}
}

void vrrp_ha_snmp_poll(struct vrrp_ha_snmp *m, const struct vrrp_ha_snmp_clock *clk)
{
	(void)clk;
	for (size_t i = 0; i < m->n; i++) {
		struct sn_inst *in = m->inst[i];
		uint64_t now = vrrp_ha_now(in->h);

		poll_drops(in, now);
		poll_auth(in, now);
		poll_recovery(in, now);
	}
}

/* ---- varbinds ---------------------------------------------------------- */

static const char *const notif_names[VRRP_HA_SNMP_N__COUNT] = {
        [VRRP_HA_SNMP_N_SYNC_COMPLETE] = "vrrpHaSyncComplete",
        [VRRP_HA_SNMP_N_SYNC_DIVERGED] = "vrrpHaSyncDiverged",
        [VRRP_HA_SNMP_N_TAKEOVER] = "vrrpHaTakeover",
        [VRRP_HA_SNMP_N_RESTORE_DONE] = "vrrpHaRestoreDone",
        [VRRP_HA_SNMP_N_FR_STARTED] = "vrrpHaFullRecoveryStarted",
        [VRRP_HA_SNMP_N_FR_FINISHED] = "vrrpHaFullRecoveryFinished",
        [VRRP_HA_SNMP_N_DROP_RATE] = "vrrpHaDropRateHigh",
        [VRRP_HA_SNMP_N_AUTH_FAILURE] = "vrrpHaAuthFailure",
};

const char *vrrp_ha_snmp_notif_name(enum vrrp_ha_snmp_notif_type t)
{
	return t > 0 && t < VRRP_HA_SNMP_N__COUNT ? notif_names[t] : "unknown";
}

/* What each notification carries after the instance's name, in the MIB's
 * order: instance columns (> 0) and notify objects (< 0: -N is
 * vrrpHaNotifyObjects.N). */
#define NO_ROWS     (-1)
#define NO_DURATION (-2)
#define NO_REASON   (-3)
#define NO_RATE     (-4)
#define NO_SUPPR    (-5)
#define COL_SYNC    8
#define COL_VRRP    7
static const int notif_objects[VRRP_HA_SNMP_N__COUNT][6] = {
        [VRRP_HA_SNMP_N_SYNC_COMPLETE] = {COL_SYNC, NO_ROWS, NO_DURATION, NO_REASON, NO_SUPPR},
        [VRRP_HA_SNMP_N_SYNC_DIVERGED] = {COL_SYNC, NO_DURATION, NO_REASON, NO_SUPPR},
        [VRRP_HA_SNMP_N_TAKEOVER] = {COL_VRRP, NO_ROWS, NO_DURATION, NO_SUPPR},
        [VRRP_HA_SNMP_N_RESTORE_DONE] = {NO_ROWS, NO_DURATION, NO_SUPPR},
        [VRRP_HA_SNMP_N_FR_STARTED] = {NO_ROWS, NO_SUPPR},
        [VRRP_HA_SNMP_N_FR_FINISHED] = {NO_ROWS, NO_DURATION, NO_SUPPR},
        [VRRP_HA_SNMP_N_DROP_RATE] = {NO_RATE, NO_ROWS, NO_REASON, NO_SUPPR},
        [VRRP_HA_SNMP_N_AUTH_FAILURE] = {NO_ROWS, NO_REASON, NO_SUPPR},
};

static size_t prefix(uint32_t *out, uint32_t a, uint32_t b)
{
	memcpy(out, base_oid, sizeof(base_oid));
	out[VRRP_HA_SNMP_BASE_LEN] = a;
	out[VRRP_HA_SNMP_BASE_LEN + 1] = b;
	return VRRP_HA_SNMP_BASE_LEN + 2;
}

/* vrrpHaInstanceEntry.col.index */
static void vb_column(struct vrrp_ha_snmp_varbind *vb, uint32_t col, uint32_t index)
{
	size_t k = prefix(vb->name, 1, VRRP_HA_SNMP_T_INSTANCE);

	vb->name[k++] = 1;
	vb->name[k++] = col;
	vb->name[k++] = index;
	vb->name_len = k;
}

static void vb_u32(struct vrrp_ha_snmp_varbind *vb, uint64_t u)
{
	vb->v.type = VRRP_HA_SNMP_UNSIGNED;
	vb->v.u = u > UINT32_MAX ? UINT32_MAX : u;
}

size_t vrrp_ha_snmp_varbinds(struct vrrp_ha_snmp *m, const struct vrrp_ha_snmp_notif *n,
                             struct vrrp_ha_snmp_varbind *out, size_t max)
{
	static const uint32_t trap_oid[] = {1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0}; /* snmpTrapOID.0 */
	struct sn_inst *in = sn_find(m, n->index);
	struct vrrp_ha_snmp_clock clk = {0};
	size_t k = 0;

	if (!in || max < 8 || n->type <= 0 || n->type >= VRRP_HA_SNMP_N__COUNT)
		return 0;
	memset(out, 0, max * sizeof(*out));
	memcpy(out[0].name, trap_oid, sizeof(trap_oid));
	out[0].name_len = sizeof(trap_oid) / sizeof(trap_oid[0]);
	out[0].v.type = VRRP_HA_SNMP_OID;
	out[0].v.len = prefix(out[0].v.oid, 0, (uint32_t)n->type);
	k = 1;
	vb_column(&out[k], 2, n->index);
	sn_instance_column(in, 2, &clk, &out[k].v);
	k++;
	for (size_t i = 0; i < 6 && notif_objects[n->type][i]; i++) {
		int o = notif_objects[n->type][i];
		struct vrrp_ha_snmp_varbind *vb = &out[k++];

		if (o > 0) {
			vb_column(vb, (uint32_t)o, n->index);
			sn_instance_column(in, (uint32_t)o, &clk, &vb->v);
			continue;
		}
		vb->name_len = prefix(vb->name, 1, VRRP_HA_SNMP_T_NOTIFY_OBJECTS);
		vb->name[vb->name_len++] = (uint32_t)-o;
		vb->name[vb->name_len++] = 0;
		switch (o) {
		case NO_ROWS:
			vb_u32(vb, n->rows);
			break;
		case NO_DURATION:
			vb_u32(vb, n->duration_ms);
			break;
		case NO_RATE:
			vb_u32(vb, n->rate);
			break;
		case NO_SUPPR:
			vb_u32(vb, n->suppressed);
			break;
		case NO_REASON:
			vb->v.type = VRRP_HA_SNMP_OCTETS;
			vb->v.len = strlen(n->reason);
			memcpy(vb->v.bytes, n->reason, vb->v.len);
			break;
		}
	}
	return k;
}
