/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * events.h - the one event stream of an instance.
 *
 * Every change to a binding, in either table, and every instance state
 * change becomes exactly one event of the vocabulary below, published on the
 * instance's bus. Every consumer subscribes to it: the partial recovery data
 * plane, proxy ND, full recovery, the replication sender (to send what
 * changed), the notify script/FIFO, the control socket's `watch` stream and,
 * through the FIFO, the daemon adapters. Subscribers run synchronously, in
 * the order they subscribed, and see every event they asked for in the
 * order it happened.
 *
 * The words are the interface for scripts and adapters (docs/events.md);
 * vrrp-ha-umip parses FIFO lines with vrrp_ha_event_from_word().
 */
#ifndef VRRP_HA_EVENTS_H
#define VRRP_HA_EVENTS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vrrp_ha/host.h"
#include "vrrp_ha/record.h"

enum vrrp_ha_event_type {
	/* a binding */
	VRRP_HA_E_ADDED = 0, /* ADD: a new binding */
	VRRP_HA_E_UPDATED,   /* UPDATE: newer seq, or a changed CoA/flags */
	VRRP_HA_E_REFRESHED, /* REFRESH: lifetime renewed, nothing else changed */
	VRRP_HA_E_DELETED,   /* DELETE: removed by a delete (a tombstone stays) */
	VRRP_HA_E_EXPIRED,   /* EXPIRE: its lifetime ran out */
	VRRP_HA_E_RESTORED,  /* RESTORE: the owner took it back (draft-deng 4.2.2) */
	VRRP_HA_E_RECOVERED, /* RECOVER: full recovery released for one MN (5.2.2) */
	/* the instance */
	VRRP_HA_E_ACTIVATED,     /* ACTIVATE: takeover; count = bindings now forwarded */
	VRRP_HA_E_DEACTIVATED,   /* DEACTIVATE: forwarding switched off again */
	VRRP_HA_E_SYNC_STARTED,  /* SYNC_START: a whole-table exchange began */
	VRRP_HA_E_SYNC_COMPLETE, /* SYNC_COMPLETE: it ended; count, duration_ms */
	VRRP_HA_E_SYNC_DIVERGED, /* SYNC_DIVERGED: it could not complete */
	VRRP_HA_E_STATE,         /* STATE: prev -> state */
	VRRP_HA_E_SWITCH,        /* SWITCH: a step of a SwitchOver / SwitchBack (harp.md) */
	VRRP_HA_E_HA_SWITCH,     /* HA_SWITCH: an RFC 5142 Home Agent Switch sent to one MN */
	VRRP_HA_E_MAG_SWITCH,    /* MAG_SWITCH: a step of a per-MAG takeover (pmipv6.md) */
	VRRP_HA_E_LMA_HANDOVER,  /* LMA_HANDOVER: a step of an LMA handover of one MN (pmipv6.md) */
	VRRP_HA_E__COUNT
};

/* Subscription masks */
#define VRRP_HA_EMASK(t)  (1u << (t))
#define VRRP_HA_EMASK_ALL ((1u << VRRP_HA_E__COUNT) - 1)
#define VRRP_HA_EMASK_CHANGE                                                                       \
	(VRRP_HA_EMASK(VRRP_HA_E_ADDED) | VRRP_HA_EMASK(VRRP_HA_E_UPDATED) |                       \
	 VRRP_HA_EMASK(VRRP_HA_E_REFRESHED) | VRRP_HA_EMASK(VRRP_HA_E_DELETED) |                   \
	 VRRP_HA_EMASK(VRRP_HA_E_EXPIRED))

/*
 * Binding events about a PMIPv6 proxy binding (ev->p set, ev->b NULL) go
 * only to subscribers whose mask has this bit as well as the type's: a
 * subscriber written for MIPv6 bindings (ev->b) never sees one.
 */
#define VRRP_HA_EMASK_PMIP (1u << 31)

/* Which table a binding event is about. */
enum vrrp_ha_table {
	VRRP_HA_T_NONE = 0, /* instance events */
	VRRP_HA_T_RBC,      /* the Redundancy Binding Cache (draft-deng 5) */
	VRRP_HA_T_BC,       /* the copy of the local daemon's binding cache */
};

/* Where the change came from. */
enum vrrp_ha_origin {
	VRRP_HA_O_NONE = 0,
	VRRP_HA_O_LOCAL,   /* the local mobility daemon (control socket) */
	VRRP_HA_O_PEER,    /* a BC_UPDATE (or extension record) from a peer */
	VRRP_HA_O_TIMER,   /* lifetime countdown */
	VRRP_HA_O_TRIGGER, /* full recovery trigger: the MN re-registers */
};

/* A binding as events carry it (host order; a copy, valid during the call). */
struct vrrp_ha_ev_binding {
	struct in6_addr hoa;
	struct in6_addr coa;
	uint32_t lifetime_s; /* remaining, seconds (0 for a delete/expiry) */
	uint16_t seq;
	uint16_t flags;
	uint64_t expires_ms; /* absolute, the instance's clock; 0 if none */
};

/* A PMIPv6 proxy binding as events carry it (pmip.h; a copy). */
struct vrrp_ha_ev_pmip {
	uint8_t mnid[VRRP_HA_MNID_MAX]; /* MN-ID option body: subtype, identifier */
	uint16_t mnid_len;
	struct in6_addr hnp; /* the first Home Network Prefix (the key's) */
	uint8_t plen;
	uint8_t nhnp; /* HNPs of the binding */
	/* all of them (hnps[0] = hnp), as far as the record carries them */
	struct in6_addr hnps[8];
	uint8_t plens[8];
	uint8_t att;
	struct in6_addr pcoa;
	uint32_t lifetime_s; /* remaining (0 for a delete/expiry) */
	uint64_t timestamp;  /* RFC 5213 8.8 */
	uint32_t tunnel_id;
	uint64_t expires_ms;
};

struct vrrp_ha_event {
	enum vrrp_ha_event_type type;
	enum vrrp_ha_table table;
	enum vrrp_ha_origin origin;
	uint64_t time_ms;
	/* binding events: a MIPv6 binding (b), or a PMIPv6 one (p, with
	 * VRRP_HA_EMASK_PMIP); exactly one of them is set */
	const struct vrrp_ha_ev_binding *b;
	const struct vrrp_ha_ev_pmip *p;
	/* STATE */
	enum vrrp_ha_state prev, state;
	/* ACTIVATED, SYNC_*: bindings involved; SYNC_COMPLETE: how long */
	uint64_t count;
	uint64_t duration_ms;
	/* SYNC_*: "request" (we asked), "answer" (we sent our table),
	 * "takeover", "refresh"; DIVERGED: why. NULL otherwise. */
	const char *detail;
	/* SWITCH: the other HA; its status code (harp.md). NULL / 0 otherwise. */
	const struct in6_addr *peer;
	unsigned status;
	/* MAG_SWITCH: the MAG's proxy-CoA (a copy); count: its proxy bindings */
	struct in6_addr mag;
};

/* Returns: the event's word ("ADD", ..., "STATE"), "UNKNOWN" if out of range. */
const char *vrrp_ha_event_word(enum vrrp_ha_event_type t);

/* Returns: the type whose word is w (case-sensitive), or -1. */
int vrrp_ha_event_from_word(const char *w);

/* Returns: "rbc", "bc" or "-". */
const char *vrrp_ha_table_name(enum vrrp_ha_table t);

/* Returns: "local", "peer", "timer", "trigger" or "-". */
const char *vrrp_ha_origin_name(enum vrrp_ha_origin o);

/* Is t about one binding (ADDED .. RECOVERED)? */
static inline bool vrrp_ha_event_is_binding(enum vrrp_ha_event_type t)
{
	return t <= VRRP_HA_E_RECOVERED;
}

/*
 * Format ev as one line (no newline) into buf:
 *   text: WORD TABLE HOA COA LIFETIME_S SEQ FLAGS_HEX ORIGIN   (binding)
 *         WORD TABLE pmip MNID HNP/PLEN PCOA LIFETIME_S TIMESTAMP_HEX ATT ORIGIN
 *                                                              (PMIPv6)
 *         WORD key=value ...                                   (instance)
 *   json: one JSON object.
 * Returns: the length snprintf would have written.
 */
int vrrp_ha_event_format(const struct vrrp_ha_event *ev, bool json, char *buf, size_t cap);

/* ---- the bus ---------------------------------------------------------- */

typedef void (*vrrp_ha_event_cb)(void *arg, const struct vrrp_ha_event *ev);

struct vrrp_ha_bus;

/* Returns: an empty bus, or NULL (allocation failure). */
struct vrrp_ha_bus *vrrp_ha_bus_new(void);
void vrrp_ha_bus_free(struct vrrp_ha_bus *bus);

/*
 * Call cb(arg, ev) for every event whose type is in mask, after the
 * subscribers already there. Returns: a subscription id > 0, or 0
 * (allocation failure).
 */
unsigned vrrp_ha_bus_subscribe(struct vrrp_ha_bus *bus, uint32_t mask, vrrp_ha_event_cb cb,
                               void *arg);

/* Remove subscription id (0 and unknown ids are ignored). Safe from inside a
 * callback: the subscriber gets no further events. */
void vrrp_ha_bus_unsubscribe(struct vrrp_ha_bus *bus, unsigned id);

/* Deliver ev to every subscriber whose mask has ev->type. An event published
 * from inside a callback is queued and delivered, to everyone, after the
 * current one, so every subscriber sees the same order. */
void vrrp_ha_bus_publish(struct vrrp_ha_bus *bus, const struct vrrp_ha_event *ev);

/* Returns: events published so far, per type. */
uint64_t vrrp_ha_bus_published(const struct vrrp_ha_bus *bus, enum vrrp_ha_event_type t);

#endif
