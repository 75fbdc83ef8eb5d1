/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * peers.c - the routers of the group (peers.h): who advertised, with what
 * priority, whether it speaks vrrp-ha, and the master this node follows.
 *
 * Mixed groups. Only a VRRP master advertises, so the routers judged here
 * are the ones that were master while this node listened. A router that has
 * advertised for VRRP_HA_MIXED_AFTER_MS without a single vrrp-ha packet is a
 * non-HA router (stock keepalived, FRR): logged once per router, counted.
 * With extensions off nothing is judged: a draft-deng backup never sends,
 * and a draft-deng master with an empty table sends nothing either, so
 * silence proves nothing there. With extensions (auto or on) every settling
 * node solicits CAPS, which an HA master answers at once.
 */
#include "internal.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

struct peers_counters {
	uint64_t adverts;        /* adverts heard from the group */
	uint64_t peers_seen;     /* routers entered in the table */
	uint64_t peers_evicted;  /* left the full table for a newer one */
	uint64_t peers_non_ha;   /* gauge: routers judged non-HA now in the table */
	uint64_t mixed_warnings; /* "non-HA VRRP router" warnings logged */
};

struct peer {
	struct in6_addr addr;
	unsigned priority;
	uint64_t adverts;
	uint64_t first_advert_ms, last_advert_ms;
	uint64_t last_seen_ms; /* advert or vrrp-ha packet: for eviction */
	bool ha, non_ha;
};

struct peers {
	struct vrrp_ha *h;
	struct peer tab[VRRP_HA_PEERS_MAX];
	unsigned n;
	bool have_master;
	struct in6_addr master;
	struct peers_counters cnt;
};

static struct peers *peers_of(const struct vrrp_ha *h)
{
	return vrrp_ha_module_state(h, &vrrp_ha_mod_peers);
}

static struct peer *find(struct peers *p, const struct in6_addr *a)
{
	for (unsigned i = 0; i < p->n; i++)
		if (IN6_ARE_ADDR_EQUAL(&p->tab[i].addr, a))
			return &p->tab[i];
	return NULL;
}

/* The entry of a, made if missing (the least recently heard router goes
 * when the table is full). */
static struct peer *get(struct peers *p, const struct in6_addr *a, uint64_t now)
{
	struct peer *e = find(p, a);

	if (e)
		return e;
	if (p->n < VRRP_HA_PEERS_MAX) {
		e = &p->tab[p->n++];
	} else {
		e = &p->tab[0];
		for (unsigned i = 1; i < p->n; i++)
			if (p->tab[i].last_seen_ms < e->last_seen_ms)
				e = &p->tab[i];
		if (e->non_ha)
			p->cnt.peers_non_ha--;
		p->cnt.peers_evicted++;
	}
	memset(e, 0, sizeof(*e));
	e->addr = *a;
	e->last_seen_ms = now;
	p->cnt.peers_seen++;
	return e;
}

void vrrp_ha_advert(struct vrrp_ha *h, const struct in6_addr *src, unsigned priority, bool master)
{
	struct peers *p = peers_of(h);
	uint64_t now;
	struct peer *e;

	if (!p || !src)
		return;
	now = vrrp_ha_now(h);
	e = get(p, src, now);
	p->cnt.adverts++;
	if (!e->adverts) {
		e->first_advert_ms = now ? now : 1;
		vrrp_ha_arm_at(h, e->first_advert_ms + VRRP_HA_MIXED_AFTER_MS);
	}
	e->adverts++;
	e->priority = priority;
	e->last_advert_ms = e->last_seen_ms = now;
	if (master) {
		p->have_master = true;
		p->master = *src;
	} else if (!priority && p->have_master && IN6_ARE_ADDR_EQUAL(&p->master, src)) {
		/* RFC 5798 6.4.2: priority 0, the master is leaving */
		p->have_master = false;
	}
}

void vrrp_ha_peer_ha(struct vrrp_ha *h, const struct in6_addr *src)
{
	struct peers *p = peers_of(h);
	char a[INET6_ADDRSTRLEN];
	struct peer *e;

	if (!p || !src)
		return;
	e = get(p, src, vrrp_ha_now(h));
	e->last_seen_ms = vrrp_ha_now(h);
	if (e->ha)
		return;
	e->ha = true;
	if (e->non_ha) {
		e->non_ha = false;
		p->cnt.peers_non_ha--;
		inet_ntop(AF_INET6, src, a, sizeof(a));
		vrrp_ha_logf(h, LOG_INFO, "%s sends vrrp-ha traffic after all", a);
	}
}

bool vrrp_ha_master_addr(const struct vrrp_ha *h, struct in6_addr *out)
{
	const struct peers *p = peers_of(h);

	if (!p || !p->have_master)
		return false;
	if (out)
		*out = p->master;
	return true;
}

size_t vrrp_ha_peers(const struct vrrp_ha *h, struct vrrp_ha_peer_info *out, size_t max)
{
	const struct peers *p = peers_of(h);
	bool taken[VRRP_HA_PEERS_MAX] = {false};
	size_t k;

	if (!p)
		return 0;
	/* most recently heard first: at most 32 x 32 steps */
	for (k = 0; k < max && k < p->n; k++) {
		const struct peer *best = NULL;
		unsigned bi = 0;

		for (unsigned i = 0; i < p->n; i++)
			if (!taken[i] && (!best || p->tab[i].last_seen_ms > best->last_seen_ms)) {
				best = &p->tab[i];
				bi = i;
			}
		taken[bi] = true;
		out[k] = (struct vrrp_ha_peer_info){
		        .addr = best->addr,
		        .priority = best->priority,
		        .adverts = best->adverts,
		        .first_advert_ms = best->first_advert_ms,
		        .last_advert_ms = best->last_advert_ms,
		        .ha = best->ha,
		        .non_ha = best->non_ha,
		        .master = p->have_master && IN6_ARE_ADDR_EQUAL(&p->master, &best->addr),
		};
	}
	return k;
}

/* ---- module ----------------------------------------------------------- */

static const void *cnt_block(const void *arg)
{
	return &((const struct peers *)arg)->cnt;
}

#define PCT(f, g)                                                                                  \
	{                                                                                          \
#f, offsetof(struct peers_counters, f), g                                          \
	}
static const struct vrrp_ha_counter_def peers_defs[] = {
        PCT(adverts, false),     PCT(peers_seen, false),     PCT(peers_evicted, false),
        PCT(peers_non_ha, true), PCT(mixed_warnings, false),
};
#undef PCT
_Static_assert(sizeof(struct peers_counters) ==
                       sizeof(uint64_t) * (sizeof(peers_defs) / sizeof(peers_defs[0])),
               "peers_defs does not list every field of struct peers_counters");

static void *peers_create(struct vrrp_ha *h, struct vrrp_ha_counters_reg *reg,
                          struct vrrp_ha_bus *bus)
{
	struct peers *p = calloc(1, sizeof(*p));

	(void)bus;
	if (!p)
		return NULL;
	p->h = h;
	if (vrrp_ha_counters_add_table(reg, "peers", NULL, peers_defs,
	                               sizeof(peers_defs) / sizeof(peers_defs[0]), cnt_block, p)) {
		free(p);
		return NULL;
	}
	return p;
}

static void peers_destroy(void *m)
{
	free(m);
}

static void peers_on_state(void *m, enum vrrp_ha_state prev, enum vrrp_ha_state s)
{
	struct peers *p = m;

	(void)prev;
	/* only a backup follows a master */
	if (s != VRRP_HA_ST_BACKUP)
		p->have_master = false;
}

/* Judge the routers that advertised long enough without vrrp-ha traffic. */
static uint64_t peers_timer(void *m, uint64_t now)
{
	struct peers *p = m;
	uint64_t next = UINT64_MAX;
	char a[INET6_ADDRSTRLEN];

	if (vrrp_ha_config(p->h)->extensions == VRRP_HA_EXT_OFF)
		return next;
	for (unsigned i = 0; i < p->n; i++) {
		struct peer *e = &p->tab[i];
		uint64_t due = e->first_advert_ms + VRRP_HA_MIXED_AFTER_MS;

		if (e->ha || e->non_ha || !e->adverts)
			continue;
		if (now < due) {
			if (due < next)
				next = due;
			continue;
		}
		e->non_ha = true;
		p->cnt.peers_non_ha++;
		p->cnt.mixed_warnings++;
		inet_ntop(AF_INET6, &e->addr, a, sizeof(a));
		vrrp_ha_logf(p->h, LOG_WARNING,
		             "%s (priority %u) sends VRRP adverts but no vrrp-ha traffic: a non-HA "
		             "VRRP router in group %u; see docs/operations.md \"Mixed groups\"",
		             a, e->priority, vrrp_ha_vrid(p->h));
	}
	return next;
}

const struct vrrp_ha_module vrrp_ha_mod_peers = {
        .name = "peers",
        .create = peers_create,
        .destroy = peers_destroy,
        .on_state = peers_on_state,
        .timer = peers_timer,
};
