/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * peers.h - the other routers of the instance's VRRP group, as seen through
 * their adverts (which the host passes on with vrrp_ha_advert()) and their
 * vrrp-ha traffic: the master this node follows, and "Mixed groups": a
 * router that advertises but never sends vrrp-ha traffic (stock keepalived,
 * FRR) is reported once (docs/operations.md "Mixed groups").
 */
#ifndef VRRP_HA_PEERS_H
#define VRRP_HA_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

struct vrrp_ha;

/* Routers remembered; when full, the one heard from least recently goes. */
#define VRRP_HA_PEERS_MAX 32

/* A router that has advertised for this long (as seen here) without any
 * vrrp-ha packet from it is judged non-HA. An HA router answers the CAPS
 * solicit and BC_REQUEST this node sends when it settles within
 * milliseconds; 10 s leaves room for request retries and a slow start. */
#define VRRP_HA_MIXED_AFTER_MS 10000

struct vrrp_ha_peer_info {
	struct in6_addr addr;
	unsigned priority;        /* in its last advert (0 if it never advertised) */
	uint64_t adverts;         /* adverts heard from it */
	uint64_t first_advert_ms; /* 0 = never advertised */
	uint64_t last_advert_ms;
	bool ha;     /* it sent vrrp-ha traffic */
	bool non_ha; /* judged a non-HA router (and warned about) */
	bool master; /* the master this node follows */
};

/*
 * The host heard a valid advert of the instance's group from src with this
 * priority; master: the host now follows src as its master (it accepted the
 * advert: BACKUP with an equal or higher priority, or a MASTER giving way).
 */
void vrrp_ha_advert(struct vrrp_ha *h, const struct in6_addr *src, unsigned priority, bool master);

/* Returns: true and *out (may be NULL) if this instance follows a master:
 * the source of the last advert accepted with master = true, forgotten when
 * the instance enters a state other than BACKUP or that master advertised
 * priority 0. */
bool vrrp_ha_master_addr(const struct vrrp_ha *h, struct in6_addr *out);

/* Copy up to max peers, most recently heard first, into out.
 * Returns: the number copied. */
size_t vrrp_ha_peers(const struct vrrp_ha *h, struct vrrp_ha_peer_info *out, size_t max);

#endif
