/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * snmp.h - VRRP-HA-MIB (snmp/VRRP-HA-MIB.txt) without an SNMP library: the
 * OID tree, the rows of its four tables, GET and GETNEXT over them, and the
 * notifications (from the event stream and from counters, rate-limited),
 * all as plain data. The keepalived glue (vrrp_ha/glue/vrrp_ha_snmp.c) is
 * the thin layer that hands net-snmp's requests to vrrp_ha_snmp_get() /
 * vrrp_ha_snmp_next() and sends what vrrp_ha_snmp_take() returns.
 *
 * Every GETNEXT answers from the instances' tables as they are: the
 * binding tables through store_lookup_next() (the store's ordered "next
 * after key"), the counters through the registry. One call does one
 * lookup per table it passes (a few for a sparse column), so a walk is
 * sliced by the manager's requests and never copies a table.
 *
 * No global state: everything hangs off the struct vrrp_ha_snmp handle.
 */
#ifndef VRRP_HA_SNMP_H
#define VRRP_HA_SNMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vrrp_ha;

/* The module's arc: enterprises.32473 (RFC 5612's documentation PEN).1 */
#define VRRP_HA_SNMP_BASE     1, 3, 6, 1, 4, 1, 32473, 1
#define VRRP_HA_SNMP_BASE_LEN 8
/* RFC 2578 7.1.3: at most 128 sub-identifiers in an OID. */
#define VRRP_HA_SNMP_OID_MAX 128

/* vrrpHaObjects.N */
enum vrrp_ha_snmp_table {
	VRRP_HA_SNMP_T_INSTANCE = 1,
	VRRP_HA_SNMP_T_COUNTER = 2,
	VRRP_HA_SNMP_T_BINDING = 3,
	VRRP_HA_SNMP_T_PROXY = 4,
	VRRP_HA_SNMP_T_NOTIFY_OBJECTS = 5,
};

/* vrrpHaNotifications.N */
enum vrrp_ha_snmp_notif_type {
	VRRP_HA_SNMP_N_SYNC_COMPLETE = 1,
	VRRP_HA_SNMP_N_SYNC_DIVERGED,
	VRRP_HA_SNMP_N_TAKEOVER,
	VRRP_HA_SNMP_N_RESTORE_DONE,
	VRRP_HA_SNMP_N_FR_STARTED,
	VRRP_HA_SNMP_N_FR_FINISHED,
	VRRP_HA_SNMP_N_DROP_RATE,
	VRRP_HA_SNMP_N_AUTH_FAILURE,
	VRRP_HA_SNMP_N__COUNT
};

/* A value's SNMP type (the host maps it to its ASN.1 tag). */
enum vrrp_ha_snmp_type {
	VRRP_HA_SNMP_NONE = 0,
	VRRP_HA_SNMP_INTEGER,   /* INTEGER / Integer32 / enumerations: i */
	VRRP_HA_SNMP_UNSIGNED,  /* Unsigned32: u */
	VRRP_HA_SNMP_GAUGE,     /* Gauge32: u */
	VRRP_HA_SNMP_COUNTER64, /* Counter64 (and CounterBasedGauge64): u */
	VRRP_HA_SNMP_OCTETS,    /* OCTET STRING, BITS, DisplayString: bytes, len */
	VRRP_HA_SNMP_OID,       /* OBJECT IDENTIFIER: oid, len (notifications only) */
};

struct vrrp_ha_snmp_value {
	enum vrrp_ha_snmp_type type;
	int64_t i;
	uint64_t u;
	size_t len;
	uint8_t bytes[256];
	uint32_t oid[VRRP_HA_SNMP_OID_MAX];
};

/* One variable binding. */
struct vrrp_ha_snmp_varbind {
	uint32_t name[VRRP_HA_SNMP_OID_MAX];
	size_t name_len;
	struct vrrp_ha_snmp_value v;
};

/* The wall clock a request is answered with (ms since 1970, UTC), read
 * when the request came; instance times are mapped onto it through each
 * instance's own clock (vrrp_ha_now()). */
struct vrrp_ha_snmp_clock {
	int64_t real_ms;
};

struct vrrp_ha_snmp_config {
	/* notifications of one type from one instance: at most burst at
	 * once, refilled at one per interval_ms (token bucket) */
	unsigned trap_burst;       /* default 5 */
	unsigned trap_interval_ms; /* default 6000 (10 a minute) */
};

/* Fill c with the defaults above. Returns: nothing. */
void vrrp_ha_snmp_config_defaults(struct vrrp_ha_snmp_config *c);

struct vrrp_ha_snmp;

/* Returns: an agent model with no instance, or NULL (allocation failure). */
struct vrrp_ha_snmp *vrrp_ha_snmp_new(const struct vrrp_ha_snmp_config *cfg);
/* Unsubscribes from every instance and frees m (NULL is fine). */
void vrrp_ha_snmp_free(struct vrrp_ha_snmp *m);

/* What the host knows of an instance beyond the library handle. */
struct vrrp_ha_snmp_instance {
	uint32_t index;      /* keepalived's vrrpInstanceIndex, >= 1, unique */
	int32_t ifindex;     /* 0 if unknown */
	bool enabled;        /* MIPv6_HA_Mode */
	unsigned drop_limit; /* drops per second for vrrpHaDropRateHigh, 0 = never */
};

/*
 * Show instance h (subscribing to its events) as described by info, or,
 * if h is already shown, update its description. Returns: 0, or -1
 * (allocation failure, index 0, or the index taken by another instance).
 */
int vrrp_ha_snmp_add(struct vrrp_ha_snmp *m, struct vrrp_ha *h,
                     const struct vrrp_ha_snmp_instance *info);
/* Stop showing h (unknown h is ignored). Returns: nothing. */
void vrrp_ha_snmp_remove(struct vrrp_ha_snmp *m, struct vrrp_ha *h);
/* Returns: instances shown. */
size_t vrrp_ha_snmp_count(const struct vrrp_ha_snmp *m);

/*
 * GET: the value of the object instance oid (len sub-identifiers).
 * Returns: true and fills *v, false if there is no such instance.
 */
bool vrrp_ha_snmp_get(struct vrrp_ha_snmp *m, const uint32_t *oid, size_t len,
                      const struct vrrp_ha_snmp_clock *clk, struct vrrp_ha_snmp_value *v);

/*
 * GETNEXT: the first object instance of the module after oid (which need
 * not exist, nor lie inside the module). Returns: true and fills out,
 * *out_len (at most VRRP_HA_SNMP_OID_MAX) and *v; false past the end.
 */
bool vrrp_ha_snmp_next(struct vrrp_ha_snmp *m, const uint32_t *oid, size_t len, uint32_t *out,
                       size_t *out_len, const struct vrrp_ha_snmp_clock *clk,
                       struct vrrp_ha_snmp_value *v);

/* Returns: lookups done by get/next so far (store and registry), to check
 * that a request stays bounded. */
uint64_t vrrp_ha_snmp_lookups(const struct vrrp_ha_snmp *m);

/*
 * Look at the counters (drop rate, authentication failures) and full
 * recovery's queue; call about once a second. Notifications it raises,
 * and those the event stream raised, wait for vrrp_ha_snmp_take().
 * Returns: nothing.
 */
void vrrp_ha_snmp_poll(struct vrrp_ha_snmp *m, const struct vrrp_ha_snmp_clock *clk);

/* A notification ready to send. */
struct vrrp_ha_snmp_notif {
	enum vrrp_ha_snmp_notif_type type;
	uint32_t index; /* the instance's */
	uint64_t rows, duration_ms, rate;
	uint32_t suppressed; /* held back by the rate limit before this one */
	char reason[64];
};

/*
 * Pop up to max queued notifications, oldest first; rate-limited ones
 * were dropped (and counted in the next one's suppressed). The queue holds
 * at most 64; beyond that the oldest go (counted as suppressed too).
 * Returns: notifications written to out.
 */
size_t vrrp_ha_snmp_take(struct vrrp_ha_snmp *m, struct vrrp_ha_snmp_notif *out, size_t max);

/*
 * The variable bindings of notification n after sysUpTime.0: snmpTrapOID.0
 * first, then its OBJECTS in the MIB's order, into out (max entries; 8
 * suffice). The instance's values are read now (its name, states).
 * Returns: varbinds written.
 */
size_t vrrp_ha_snmp_varbinds(struct vrrp_ha_snmp *m, const struct vrrp_ha_snmp_notif *n,
                             struct vrrp_ha_snmp_varbind *out, size_t max);

/* Returns: the notification's name in the MIB ("vrrpHaSyncComplete", ...). */
const char *vrrp_ha_snmp_notif_name(enum vrrp_ha_snmp_notif_type t);

/* Returns: whether counter name of group group counts authentication
 * failures (the vrrpHaAuthFailure rule: group "auth", monotonic, name
 * neither starting with "tx_" nor ending in "_ok"). */
bool vrrp_ha_snmp_is_auth_failure(const char *group, const char *name, bool gauge);

/* Returns: OID a < b, == b, > b as <0, 0, >0 (RFC 2578 lexicographic order:
 * a proper prefix comes first). */
int vrrp_ha_snmp_oid_cmp(const uint32_t *a, size_t alen, const uint32_t *b, size_t blen);

/*
 * Write the DateAndTime (RFC 2579, 11 octets, UTC) of the wall-clock time
 * real_ms into out. Returns: 11.
 */
size_t vrrp_ha_snmp_date_and_time(int64_t real_ms, uint8_t *out);

#endif
