/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pmip.h - PMIPv6 proxy bindings (RFC 5213 5.1) as one value, and their
 * three forms: a store record (record.h kind PMIPV6), the option list of a
 * PMIPV6 extension record (ext.h), and what the control socket and the
 * events show. docs/pmipv6.md.
 *
 * The store key is the MN-ID and the first HNP (record.h); the other HNPs,
 * the MN link-layer id, the link-local address and the Handoff Indicator
 * travel as RFC 5213 section 8 options beside it.
 */
#ifndef VRRP_HA_PMIP_H
#define VRRP_HA_PMIP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vrrp_ha/record.h"

struct vrrp_ha;
struct vrrp_ha_ext_pmipv6;

/* HNPs per proxy binding (the wire's limit, VRRP_HA_EXT_MAX_HNP). */
#define VRRP_HA_PMIP_MAX_HNP 8
/* RFC 5213 8.6: the MN-LL-Identifier option holds a reserved octet then
 * the identifier: at most 254 octets of it. */
#define VRRP_HA_PMIP_LLID_MAX 254
/* RFC 4283 3: subtype 1, a Network Access Identifier (RFC 4282). */
#define VRRP_HA_PMIP_MNID_NAI 1
/* Room for a record's options (further HNPs, LL-ID, LLA, HI) and for a
 * PMIPV6 extension record's (all of them plus MN-ID and Timestamp). */
#define VRRP_HA_PMIP_OPTS_MAX 1024

struct vrrp_ha_pmip_hnp {
	uint8_t plen; /* 0..128 */
	struct in6_addr prefix;
};

/* One proxy binding cache entry (RFC 5213 5.1), host order. */
struct vrrp_ha_pmip {
	uint8_t mnid[VRRP_HA_MNID_MAX]; /* MN-ID option body: subtype, identifier */
	size_t mnid_len;                /* 2..255 */
	struct vrrp_ha_pmip_hnp hnp[VRRP_HA_PMIP_MAX_HNP];
	unsigned nhnp; /* 1..VRRP_HA_PMIP_MAX_HNP; hnp[0] is in the key */
	struct in6_addr pcoa;
	uint32_t lifetime_s; /* 0: a delete */
	uint64_t timestamp;  /* RFC 5213 8.8, 48.16 fixed point; newer wins */
	uint32_t tunnel_id;
	uint16_t flags;
	uint8_t att; /* RFC 5213 8.5; 0: not given */
	uint8_t llid[VRRP_HA_PMIP_LLID_MAX];
	size_t llid_len; /* 0: none */
	bool has_lla;
	struct in6_addr lla;
	bool has_hi;
	uint8_t hi;
};

/* What a record built by vrrp_ha_pmip_to_record() points into. */
struct vrrp_ha_pmip_buf {
	uint8_t key[VRRP_HA_PMIPV6_KEY_MAX];
	uint8_t opts[VRRP_HA_PMIP_OPTS_MAX];
};

/*
 * Build the store record of p into r, its key and options in b.
 * Returns: 0, or -1 if p is out of range (MN-ID length, no or too many
 * HNPs, a prefix length over 128, an LL-ID too long).
 */
int vrrp_ha_pmip_to_record(const struct vrrp_ha_pmip *p, struct vrrp_ha_pmip_buf *b,
                           struct vrrp_ha_record *r);

/* Read a PMIPV6 store record back into p (unknown options are ignored).
 * Returns: 0, or -1 if r is not a well-formed PMIPV6 record. */
int vrrp_ha_pmip_from_record(const struct vrrp_ha_record *r, struct vrrp_ha_pmip *p);

/*
 * The option list of p's PMIPV6 extension record (RFC 5213 5.3.1 order:
 * MN-ID, HNPs, Handoff Indicator, ATT, MN-LL-ID, Link-local Address,
 * Timestamp) into out (cap bytes).
 * Returns: bytes written, 0 if it does not fit or p is out of range.
 */
size_t vrrp_ha_pmip_wire_opts(const struct vrrp_ha_pmip *p, uint8_t *out, size_t cap);

/* A decoded PMIPV6 extension record (checked by the parser) into p; the
 * lifetime in units of 4 s becomes seconds. Returns: 0, or -1 if a field
 * is out of this module's range. */
int vrrp_ha_pmip_from_ext(const struct vrrp_ha_ext_pmipv6 *e, struct vrrp_ha_pmip *p);

/* Does p's key (MN-ID) equal mnid, and, when given, ATT (att >= 0) and the
 * MN-LL-ID (llid non-NULL)? Returns: the answer. */
bool vrrp_ha_pmip_match(const struct vrrp_ha_pmip *p, const uint8_t *mnid, size_t mnid_len, int att,
                        const uint8_t *llid, size_t llid_len);

/*
 * The MN-ID as text into buf: an NAI (subtype 1) of printable bytes
 * without spaces as itself, anything else as "0x" and hex of the whole
 * body (subtype first). Returns: the length snprintf would have written.
 */
int vrrp_ha_pmip_mnid_text(const uint8_t *mnid, size_t mnid_len, char *buf, size_t cap);

/* The reverse: "0x…" hex (subtype first) or an NAI (subtype 1 added).
 * Returns: body length (2..255), or -1 for an empty, too long or bad id. */
int vrrp_ha_pmip_mnid_parse(const char *s, uint8_t *out, size_t cap);

/* ---- the instance: the local LMA daemon's proxy bindings (core/pmip.c) */

/* Results as enum store_result (store.h). */

/*
 * Set p in the copy of the local daemon's binding cache (authoritative, as
 * vrrp_ha_bc_add()): queued to peers, published as ADD / UPDATE / REFRESH
 * bc local with a PMIPv6 record (events.h). A record older than the one
 * held (timestamp) is refused as STORE_STALE.
 * Returns: an enum store_result.
 */
int vrrp_ha_pmip_add(struct vrrp_ha *h, const struct vrrp_ha_pmip *p);

/*
 * Delete every proxy binding of the MN-ID mnid in that copy (att >= 0 and
 * llid: only those of that ATT / MN-LL-ID), each queued as a delete and
 * published as DELETE bc local.
 * Returns: bindings deleted.
 */
size_t vrrp_ha_pmip_del(struct vrrp_ha *h, const uint8_t *mnid, size_t mnid_len, int att,
                        const uint8_t *llid, size_t llid_len);

/* Returns: live PMIPv6 records of the RBC (bc false) or the BC copy (true). */
size_t vrrp_ha_pmip_count(struct vrrp_ha *h, bool bc);

#endif
