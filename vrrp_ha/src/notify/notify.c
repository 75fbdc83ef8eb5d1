/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * notify.c - events handed to the mobility daemon (docs/operations.md):
 * one line per binding on the notify FIFO (fifo.c) and one notify script run
 * per batch of a kind (RESTORE: notify_restore, RECOVER: notify_recover).
 *
 * A subscriber of the event stream: RESTORED and RECOVERED bindings, and
 * bindings a restore deleted from the owner's bc (DELETE, FIFO only).
 */
#include "notify.h"

#include "vrrp_ha/mopt.h"
#include "vrrp_ha/rbc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>
#include <arpa/inet.h>

/* Events are batched: one script run per this many bindings... */
#define BATCH_MAX 10000
/* ...or after this long since the first binding of the batch. */
#define BATCH_MS 100

/* The kinds with a notify script, each its own batch. */
enum batch_kind { B_RESTORE, B_RECOVER, B__COUNT };
static const enum vrrp_ha_event_type batch_event[B__COUNT] = {
        [B_RESTORE] = VRRP_HA_E_RESTORED,
        [B_RECOVER] = VRRP_HA_E_RECOVERED,
};

struct batch {
	FILE *f;
	char *path;
	size_t count;
	uint64_t first_ms;
};

struct notify {
	struct vrrp_ha *h;
	struct vrrp_ha_notify_counters cnt;
	struct vrrp_ha_fifo fifo;
	struct batch batch[B__COUNT];
	uint64_t serial;
};

static const char *script_of(const struct vrrp_ha_config *c, enum batch_kind k)
{
	return k == B_RESTORE ? c->notify_restore : c->notify_recover;
}

/* Close the batch file of kind k and run its script: SCRIPT INSTANCE WORD
 * COUNT FILE (the script owns the file). */
static void batch_flush(struct notify *n, enum batch_kind k, const struct vrrp_ha_config *cfg)
{
	const struct vrrp_ha_ops *ops = vrrp_ha_host_ops(n->h);
	struct batch *b = &n->batch[k];
	const char *script = script_of(cfg, k);
	char count[24];
	char *argv[6];

	if (!b->f)
		return;
	if (fclose(b->f) != 0)
		n->cnt.notify_errors++;
	b->f = NULL;
	if (script && ops->run_script) {
		snprintf(count, sizeof(count), "%zu", b->count);
		argv[0] = (char *)script;
		argv[1] = (char *)vrrp_ha_iname(n->h);
		argv[2] = (char *)vrrp_ha_event_word(batch_event[k]);
		argv[3] = count;
		argv[4] = b->path;
		argv[5] = NULL;
		if (ops->run_script(vrrp_ha_host_ctx(n->h), argv) == 0)
			n->cnt.notify_runs++;
		else
			n->cnt.notify_errors++;
	}
	b->count = 0;
}

static void batch_flush_all(struct notify *n, const struct vrrp_ha_config *cfg)
{
	for (int k = 0; k < B__COUNT; k++)
		batch_flush(n, (enum batch_kind)k, cfg);
}

static void batch_open(struct notify *n, enum batch_kind k)
{
	const struct vrrp_ha_config *cfg = vrrp_ha_config(n->h);
	const char *dir = cfg->notify_dir ? cfg->notify_dir : "/run/vrrp-ha";
	const char *iname = vrrp_ha_iname(n->h), *w = vrrp_ha_event_word(batch_event[k]);
	struct batch *b = &n->batch[k];
	char word[16];
	size_t len, i;

	mkdir(dir, 0700);
	len = strlen(dir) + strlen(iname) + 64;
	free(b->path);
	b->path = malloc(len);
	if (!b->path) {
		n->cnt.notify_errors++;
		return;
	}
	for (i = 0; i < sizeof(word) - 1 && w[i]; i++)
		word[i] = (char)(w[i] | 0x20); /* lower case */
	word[i] = 0;
	snprintf(b->path, len, "%s/%s.%s.%d.%" PRIu64, dir, iname, word, (int)getpid(),
	         ++n->serial);
	b->f = fopen(b->path, "we");
	if (!b->f) {
		n->cnt.notify_errors++;
		vrrp_ha_logf(n->h, LOG_ERR, "cannot create %s batch %s: %s", w, b->path,
		             strerror(errno));
		return;
	}
	b->count = 0;
	b->first_ms = vrrp_ha_now(n->h);
}

/* The attachments of the event's binding as it is in its table now
 * (docs/attachments.md: " aaa:CODE=HEX vendor:V:S=HEX" after the flags),
 * or NULL when it has none. The caller frees it. */
static char *event_atts(struct notify *n, const struct vrrp_ha_event *ev)
{
	struct vrrp_ha_rbc *t =
	        ev->table == VRRP_HA_T_BC ? vrrp_ha_get_bc(n->h) : vrrp_ha_get_rbc(n->h);
	const uint8_t *opts;
	size_t len, cap;
	char *s;

	if (!t || !rbc_opts_count(t) ||
	    !rbc_lookup_opts(t, &ev->b->hoa, vrrp_ha_now(n->h), &opts, &len) || !len)
		return NULL;
	cap = VRRP_HA_ATT_FORMAT_MAX(len);
	s = malloc(cap);
	if (s && !vrrp_ha_att_format(s, cap, opts, len, false)) {
		free(s);
		s = NULL;
	}
	return s;
}

static void on_event(void *arg, const struct vrrp_ha_event *ev)
{
	struct notify *n = arg;
	const struct vrrp_ha_config *cfg = vrrp_ha_config(n->h);
	const struct vrrp_ha_ev_binding *e = ev->b;
	char hoa[INET6_ADDRSTRLEN], coa[INET6_ADDRSTRLEN], line[256];
	enum batch_kind k;
	struct batch *b;
	char *atts = NULL;
	int len;

	if (!e)
		return;
	if (ev->type == VRRP_HA_E_DELETED &&
	    !(ev->table == VRRP_HA_T_BC && ev->origin == VRRP_HA_O_PEER))
		return; /* only a restore's deletes go to the daemon */
	inet_ntop(AF_INET6, &e->hoa, hoa, sizeof(hoa));
	inet_ntop(AF_INET6, &e->coa, coa, sizeof(coa));
	if (ev->type != VRRP_HA_E_DELETED)
		atts = event_atts(n, ev);
	/* one write per line: instances may share the FIFO */
	{
		size_t cap = sizeof(line) + (atts ? strlen(atts) : 0);
		char *lp = atts ? malloc(cap) : line;

		if (!lp) {
			lp = line; /* the line without its attachments */
			cap = sizeof(line);
		}
		len = snprintf(lp, cap, "MIPV6_HA \"%s\" %s %s %s %" PRIu32 " %u 0x%04x%s\n",
		               vrrp_ha_iname(n->h), vrrp_ha_event_word(ev->type), hoa, coa,
		               e->lifetime_s, e->seq, e->flags, atts && lp != line ? atts : "");
		if (len > 0 && (size_t)len < cap)
			vrrp_ha_fifo_write(&n->fifo, lp, (size_t)len);
		if (lp != line)
			free(lp);
	}
	if (ev->type == VRRP_HA_E_DELETED)
		return;
	k = ev->type == VRRP_HA_E_RESTORED ? B_RESTORE : B_RECOVER;
	if (!script_of(cfg, k)) {
		free(atts);
		return;
	}
	b = &n->batch[k];
	if (!b->f)
		batch_open(n, k);
	if (!b->f) {
		free(atts);
		return;
	}
	fprintf(b->f, "%s %s %" PRIu32 " %u 0x%04x%s\n", hoa, coa, e->lifetime_s, e->seq, e->flags,
	        atts ? atts : "");
	free(atts);
	if (++b->count >= BATCH_MAX)
		batch_flush(n, k, cfg);
	else
		vrrp_ha_arm_at(n->h, b->first_ms + BATCH_MS);
}

/* ---- counters --------------------------------------------------------- */

static const void *cnt_block(const void *arg)
{
	return &((const struct notify *)arg)->cnt;
}

#define CTR(f)                                                                                     \
	{                                                                                          \
#f, offsetof(struct vrrp_ha_notify_counters, f), false                             \
	}
static const struct vrrp_ha_counter_def defs[] = {
        CTR(notify_runs),
        CTR(notify_errors),
        CTR(fifo_lines),
        CTR(fifo_drops),
};
#undef CTR

/* ---- module ----------------------------------------------------------- */

static void *notify_create(struct vrrp_ha *h, struct vrrp_ha_counters_reg *reg,
                           struct vrrp_ha_bus *bus)
{
	struct notify *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->h = h;
	vrrp_ha_fifo_init(&n->fifo, h, &n->cnt);
	if (vrrp_ha_counters_add_table(reg, "notify", NULL, defs, sizeof(defs) / sizeof(defs[0]),
	                               cnt_block, n) ||
	    !vrrp_ha_bus_subscribe(bus,
	                           VRRP_HA_EMASK(VRRP_HA_E_RESTORED) |
	                                   VRRP_HA_EMASK(VRRP_HA_E_RECOVERED) |
	                                   VRRP_HA_EMASK(VRRP_HA_E_DELETED),
	                           on_event, n)) {
		free(n);
		return NULL;
	}
	return n;
}

static void notify_destroy(void *m)
{
	struct notify *n = m;

	batch_flush_all(n, vrrp_ha_config(n->h));
	vrrp_ha_fifo_clear(&n->fifo);
	for (int k = 0; k < B__COUNT; k++)
		free(n->batch[k].path);
	free(n);
}

static void notify_reconfigure(void *m, const struct vrrp_ha_config *old)
{
	struct notify *n = m;
	const struct vrrp_ha_config *c = vrrp_ha_config(n->h);

	/* what was batched goes to the scripts that were configured for it */
	batch_flush_all(n, old);
	if ((!c->notify_fifo != !old->notify_fifo) ||
	    (c->notify_fifo && strcmp(c->notify_fifo, old->notify_fifo)))
		vrrp_ha_fifo_reset(&n->fifo);
}

static uint64_t notify_timer(void *m, uint64_t now)
{
	struct notify *n = m;
	uint64_t next = UINT64_MAX;

	vrrp_ha_fifo_retry(&n->fifo);
	for (int k = 0; k < B__COUNT; k++) {
		struct batch *b = &n->batch[k];

		if (!b->f)
			continue;
		if (now - b->first_ms >= BATCH_MS)
			batch_flush(n, (enum batch_kind)k, vrrp_ha_config(n->h));
		else if (b->first_ms + BATCH_MS < next)
			next = b->first_ms + BATCH_MS;
	}
	return next;
}

const struct vrrp_ha_module vrrp_ha_mod_notify = {
        .name = "notify",
        .create = notify_create,
        .destroy = notify_destroy,
        .reconfigure = notify_reconfigure,
        .timer = notify_timer,
};
