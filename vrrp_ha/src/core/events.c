/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * events.c - the event vocabulary and the bus (events.h).
 */
#include "vrrp_ha/events.h"
#include "vrrp_ha/pmip.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const words[VRRP_HA_E__COUNT] = {
        [VRRP_HA_E_ADDED] = "ADD",
        [VRRP_HA_E_UPDATED] = "UPDATE",
        [VRRP_HA_E_REFRESHED] = "REFRESH",
        [VRRP_HA_E_DELETED] = "DELETE",
        [VRRP_HA_E_EXPIRED] = "EXPIRE",
        [VRRP_HA_E_RESTORED] = "RESTORE",
        [VRRP_HA_E_RECOVERED] = "RECOVER",
        [VRRP_HA_E_ACTIVATED] = "ACTIVATE",
        [VRRP_HA_E_DEACTIVATED] = "DEACTIVATE",
        [VRRP_HA_E_SYNC_STARTED] = "SYNC_START",
        [VRRP_HA_E_SYNC_COMPLETE] = "SYNC_COMPLETE",
        [VRRP_HA_E_SYNC_DIVERGED] = "SYNC_DIVERGED",
        [VRRP_HA_E_STATE] = "STATE",
        [VRRP_HA_E_SWITCH] = "SWITCH",
        [VRRP_HA_E_HA_SWITCH] = "HA_SWITCH",
        [VRRP_HA_E_MAG_SWITCH] = "MAG_SWITCH",
        [VRRP_HA_E_LMA_HANDOVER] = "LMA_HANDOVER",
};

const char *vrrp_ha_event_word(enum vrrp_ha_event_type t)
{
	return (unsigned)t < VRRP_HA_E__COUNT ? words[t] : "UNKNOWN";
}

int vrrp_ha_event_from_word(const char *w)
{
	for (int i = 0; i < VRRP_HA_E__COUNT; i++)
		if (!strcmp(w, words[i]))
			return i;
	return -1;
}

const char *vrrp_ha_table_name(enum vrrp_ha_table t)
{
	return t == VRRP_HA_T_RBC ? "rbc" : t == VRRP_HA_T_BC ? "bc" : "-";
}

const char *vrrp_ha_origin_name(enum vrrp_ha_origin o)
{
	static const char *const n[] = {
	        [VRRP_HA_O_NONE] = "-",          [VRRP_HA_O_LOCAL] = "local",
	        [VRRP_HA_O_PEER] = "peer",       [VRRP_HA_O_TIMER] = "timer",
	        [VRRP_HA_O_TRIGGER] = "trigger",
	};

	return (unsigned)o < sizeof(n) / sizeof(n[0]) ? n[o] : "-";
}

/* snprintf that keeps counting past the end of buf */
struct fmt {
	char *buf;
	size_t cap, off;
};

__attribute__((format(printf, 2, 3))) static void put(struct fmt *f, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(f->buf + (f->off < f->cap ? f->off : f->cap),
	              f->off < f->cap ? f->cap - f->off : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		f->off += (size_t)n;
}

int vrrp_ha_event_format(const struct vrrp_ha_event *ev, bool json, char *buf, size_t cap)
{
	struct fmt f = {buf, cap, 0};
	const char *w = vrrp_ha_event_word(ev->type);

	if (cap)
		buf[0] = 0;
	if (vrrp_ha_event_is_binding(ev->type) && ev->p) {
		char mnid[2 * VRRP_HA_MNID_MAX + 3], hnp[INET6_ADDRSTRLEN], pcoa[INET6_ADDRSTRLEN];

		vrrp_ha_pmip_mnid_text(ev->p->mnid, ev->p->mnid_len, mnid, sizeof(mnid));
		inet_ntop(AF_INET6, &ev->p->hnp, hnp, sizeof(hnp));
		inet_ntop(AF_INET6, &ev->p->pcoa, pcoa, sizeof(pcoa));
		if (json)
			put(&f,
			    "{\"event\":\"%s\",\"table\":\"%s\",\"kind\":\"pmip\",\"mnid\":\"%s\","
			    "\"hnp\":\"%s/%u\",\"hnps\":%u,\"pcoa\":\"%s\",\"lifetime\":%" PRIu32
			    ",\"timestamp\":%" PRIu64 ",\"att\":%u,\"tunnel\":%" PRIu32
			    ",\"origin\":\"%s\",\"time_ms\":%" PRIu64 "}",
			    w, vrrp_ha_table_name(ev->table), mnid, hnp, ev->p->plen, ev->p->nhnp,
			    pcoa, ev->p->lifetime_s, ev->p->timestamp, ev->p->att, ev->p->tunnel_id,
			    vrrp_ha_origin_name(ev->origin), ev->time_ms);
		else
			put(&f, "%s %s pmip %s %s/%u %s %" PRIu32 " 0x%016" PRIx64 " %u %s", w,
			    vrrp_ha_table_name(ev->table), mnid, hnp, ev->p->plen, pcoa,
			    ev->p->lifetime_s, ev->p->timestamp, ev->p->att,
			    vrrp_ha_origin_name(ev->origin));
		return (int)f.off;
	}
	if (vrrp_ha_event_is_binding(ev->type) && ev->b) {
		char hoa[INET6_ADDRSTRLEN], coa[INET6_ADDRSTRLEN];

		inet_ntop(AF_INET6, &ev->b->hoa, hoa, sizeof(hoa));
		inet_ntop(AF_INET6, &ev->b->coa, coa, sizeof(coa));
		if (json)
			put(&f,
			    "{\"event\":\"%s\",\"table\":\"%s\",\"hoa\":\"%s\",\"coa\":\"%s\","
			    "\"lifetime\":%" PRIu32 ",\"seq\":%u,\"flags\":%u,\"origin\":\"%s\","
			    "\"time_ms\":%" PRIu64 "}",
			    w, vrrp_ha_table_name(ev->table), hoa, coa, ev->b->lifetime_s,
			    ev->b->seq, ev->b->flags, vrrp_ha_origin_name(ev->origin), ev->time_ms);
		else
			put(&f, "%s %s %s %s %" PRIu32 " %u 0x%04x %s", w,
			    vrrp_ha_table_name(ev->table), hoa, coa, ev->b->lifetime_s, ev->b->seq,
			    ev->b->flags, vrrp_ha_origin_name(ev->origin));
		return (int)f.off;
	}
	if (ev->type == VRRP_HA_E_HA_SWITCH && ev->b && ev->peer) {
		/* an RFC 5142 message sent to one MN: which MN, where to, which HA */
		char hoa[INET6_ADDRSTRLEN], coa[INET6_ADDRSTRLEN], ha[INET6_ADDRSTRLEN];
		const char *to = ev->detail ? ev->detail : "coa";

		inet_ntop(AF_INET6, &ev->b->hoa, hoa, sizeof(hoa));
		inet_ntop(AF_INET6, &ev->b->coa, coa, sizeof(coa));
		inet_ntop(AF_INET6, ev->peer, ha, sizeof(ha));
		if (json)
			put(&f,
			    "{\"event\":\"%s\",\"table\":\"%s\",\"hoa\":\"%s\",\"coa\":\"%s\","
			    "\"ha\":\"%s\",\"to\":\"%s\",\"time_ms\":%" PRIu64 "}",
			    w, vrrp_ha_table_name(ev->table), hoa, coa, ha, to, ev->time_ms);
		else
			put(&f, "%s %s %s %s ha=%s to=%s", w, vrrp_ha_table_name(ev->table), hoa,
			    coa, ha, to);
		return (int)f.off;
	}
	if (ev->type == VRRP_HA_E_MAG_SWITCH) {
		/* one line per MAG, never per MN (the LMA reliability draft's 5) */
		char peer[INET6_ADDRSTRLEN] = "-", mag[INET6_ADDRSTRLEN];

		if (ev->peer)
			inet_ntop(AF_INET6, ev->peer, peer, sizeof(peer));
		inet_ntop(AF_INET6, &ev->mag, mag, sizeof(mag));
		if (json)
			put(&f,
			    "{\"event\":\"%s\",\"detail\":\"%s\",\"mag\":\"%s\",\"peer\":\"%s\","
			    "\"status\":%u,\"count\":%" PRIu64 ",\"time_ms\":%" PRIu64 "}",
			    w, ev->detail ? ev->detail : "", mag, peer, ev->status, ev->count,
			    ev->time_ms);
		else
			put(&f, "%s detail=%s mag=%s peer=%s status=%u count=%" PRIu64, w,
			    ev->detail ? ev->detail : "-", mag, peer, ev->status, ev->count);
		return (int)f.off;
	}
	if (ev->type == VRRP_HA_E_SWITCH) {
		char peer[INET6_ADDRSTRLEN] = "-";

		if (ev->peer)
			inet_ntop(AF_INET6, ev->peer, peer, sizeof(peer));
		if (json)
			put(&f,
			    "{\"event\":\"%s\",\"detail\":\"%s\",\"peer\":\"%s\",\"status\":%u,"
			    "\"time_ms\":%" PRIu64 "}",
			    w, ev->detail ? ev->detail : "", peer, ev->status, ev->time_ms);
		else
			put(&f, "%s detail=%s peer=%s status=%u", w, ev->detail ? ev->detail : "-",
			    peer, ev->status);
		return (int)f.off;
	}
	if (json) {
		put(&f, "{\"event\":\"%s\"", w);
		if (ev->type == VRRP_HA_E_STATE)
			put(&f, ",\"from\":\"%s\",\"to\":\"%s\"", vrrp_ha_state_name(ev->prev),
			    vrrp_ha_state_name(ev->state));
		else
			put(&f, ",\"count\":%" PRIu64 ",\"duration_ms\":%" PRIu64, ev->count,
			    ev->duration_ms);
		if (ev->detail)
			put(&f, ",\"detail\":\"%s\"", ev->detail);
		put(&f, ",\"time_ms\":%" PRIu64 "}", ev->time_ms);
		return (int)f.off;
	}
	put(&f, "%s", w);
	if (ev->type == VRRP_HA_E_STATE)
		put(&f, " from=%s to=%s", vrrp_ha_state_name(ev->prev),
		    vrrp_ha_state_name(ev->state));
	else
		put(&f, " count=%" PRIu64 " duration_ms=%" PRIu64, ev->count, ev->duration_ms);
	if (ev->detail)
		put(&f, " detail=%s", ev->detail);
	return (int)f.off;
}

/* ---- bus -------------------------------------------------------------- */

struct sub {
	unsigned id; /* 0 = removed, compacted after delivery */
	uint32_t mask;
	vrrp_ha_event_cb cb;
	void *arg;
};

/* An event published during delivery waits here with its own copy of the
 * binding. */
struct queued {
	struct vrrp_ha_event ev;
	struct vrrp_ha_ev_binding b;
	bool has_b, has_p;
	struct vrrp_ha_ev_pmip p;
};

struct vrrp_ha_bus {
	struct sub *subs;
	size_t nsubs, cap;
	unsigned next_id;
	unsigned depth; /* >0 while delivering */
	bool removed;   /* a subscription was removed during delivery */
	struct queued *q;
	size_t qhead, qlen, qcap;
	uint64_t published[VRRP_HA_E__COUNT];
};

struct vrrp_ha_bus *vrrp_ha_bus_new(void)
{
	struct vrrp_ha_bus *bus = calloc(1, sizeof(*bus));

	if (bus)
		bus->next_id = 1;
	return bus;
}

void vrrp_ha_bus_free(struct vrrp_ha_bus *bus)
{
	if (!bus)
		return;
	free(bus->subs);
	free(bus->q);
	free(bus);
}

unsigned vrrp_ha_bus_subscribe(struct vrrp_ha_bus *bus, uint32_t mask, vrrp_ha_event_cb cb,
                               void *arg)
{
	if (!cb)
		return 0;
	if (bus->nsubs == bus->cap) {
		size_t nc = bus->cap ? bus->cap * 2 : 8;
		struct sub *ns = realloc(bus->subs, nc * sizeof(*ns));

		if (!ns)
			return 0;
		bus->subs = ns;
		bus->cap = nc;
	}
	bus->subs[bus->nsubs++] = (struct sub){bus->next_id, mask, cb, arg};
	return bus->next_id++;
}

static void compact(struct vrrp_ha_bus *bus)
{
	size_t i, j = 0;

	for (i = 0; i < bus->nsubs; i++)
		if (bus->subs[i].id)
			bus->subs[j++] = bus->subs[i];
	bus->nsubs = j;
	bus->removed = false;
}

void vrrp_ha_bus_unsubscribe(struct vrrp_ha_bus *bus, unsigned id)
{
	if (!bus || !id)
		return;
	for (size_t i = 0; i < bus->nsubs; i++)
		if (bus->subs[i].id == id) {
			bus->subs[i].id = 0;
			bus->removed = true;
		}
	if (!bus->depth && bus->removed)
		compact(bus);
}

static void deliver(struct vrrp_ha_bus *bus, const struct vrrp_ha_event *ev)
{
	uint32_t bit = VRRP_HA_EMASK(ev->type);

	/* subscribers added during delivery (nsubs grows) see this event too:
	 * they asked before it reached them */
	for (size_t i = 0; i < bus->nsubs; i++) {
		struct sub s = bus->subs[i];

		if (s.id && (s.mask & bit) && (!ev->p || (s.mask & VRRP_HA_EMASK_PMIP)))
			s.cb(s.arg, ev);
	}
}

static int enqueue(struct vrrp_ha_bus *bus, const struct vrrp_ha_event *ev)
{
	struct queued *slot;

	if (bus->qlen == bus->qcap) {
		size_t nc = bus->qcap ? bus->qcap * 2 : 16, i;
		struct queued *nq = malloc(nc * sizeof(*nq));

		if (!nq)
			return -1;
		for (i = 0; i < bus->qlen; i++)
			nq[i] = bus->q[(bus->qhead + i) % bus->qcap];
		free(bus->q);
		bus->q = nq;
		bus->qcap = nc;
		bus->qhead = 0;
	}
	slot = &bus->q[(bus->qhead + bus->qlen) % bus->qcap];
	slot->ev = *ev;
	slot->has_b = ev->b != NULL;
	if (ev->b)
		slot->b = *ev->b;
	slot->has_p = ev->p != NULL;
	if (ev->p)
		slot->p = *ev->p;
	bus->qlen++;
	return 0;
}

void vrrp_ha_bus_publish(struct vrrp_ha_bus *bus, const struct vrrp_ha_event *ev)
{
	if (!bus || (unsigned)ev->type >= VRRP_HA_E__COUNT)
		return;
	bus->published[ev->type]++;
	if (bus->depth) {
		/* keep one order for everyone: finish the current event first.
		 * Out of memory loses the nested event for the subscribers only
		 * (it is still counted as published). */
		(void)enqueue(bus, ev);
		return;
	}
	bus->depth++;
	deliver(bus, ev);
	while (bus->qlen) {
		struct queued qe = bus->q[bus->qhead];

		bus->qhead = (bus->qhead + 1) % bus->qcap;
		bus->qlen--;
		qe.ev.b = qe.has_b ? &qe.b : NULL;
		qe.ev.p = qe.has_p ? &qe.p : NULL;
		deliver(bus, &qe.ev);
	}
	bus->depth--;
	if (bus->removed)
		compact(bus);
}

uint64_t vrrp_ha_bus_published(const struct vrrp_ha_bus *bus, enum vrrp_ha_event_type t)
{
	return (unsigned)t < VRRP_HA_E__COUNT ? bus->published[t] : 0;
}
