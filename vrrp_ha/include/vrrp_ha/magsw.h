/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * magsw.h - per-MAG takeover (the LMA reliability draft -01's 5.1 and 6.3,
 * docs/pmipv6.md "Per-MAG takeover"): a MAG that lost its path to the
 * current LMA re-registers with a standby LMA; the standby takes that
 * MAG's proxy bindings only, and the current LMA stays active for every
 * other MAG. Signalled as authenticated MAGSW extension records (ext.h,
 * docs/protocol.md "MAGSW"): Request / Reply / Complete, and the same
 * three to give the MAG back.
 *
 * Roles, per MAG (its proxy-CoA):
 *   taker  a BACKUP LMA asked by its LMA daemon (vrrp-ha-ctl takeover-mag):
 *          it forwards the MAG's proxy bindings itself (module op
 *          mag_take: the data plane, outer source its own ha_address) and
 *          asks the master; while it holds the MAG it refreshes the
 *          master's consent every MAGSW_REFRESH_MS, and asks every new
 *          master again;
 *   giver  the MASTER that consented: packets for that MAG's HNPs that
 *          still reach it go to the taker (module op mag_give); a consent
 *          not refreshed for MAGSW_EXPIRE_MS ends (the taker is gone).
 */
#ifndef VRRP_HA_MAGSW_H
#define VRRP_HA_MAGSW_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vrrp_ha;

/* The taker refreshes a consent this often; the giver ends one that was
 * not refreshed for MAGSW_EXPIRE_MS. */
#define VRRP_HA_MAGSW_REFRESH_MS 1000
#define VRRP_HA_MAGSW_EXPIRE_MS  4000
/* MAGs one instance takes or gives at a time. */
#define VRRP_HA_MAGSW_MAX 64

enum vrrp_ha_magsw_kind {
	VRRP_HA_MAGSW_TAKE = 1, /* on a standby: take one MAG from the master */
	VRRP_HA_MAGSW_BACK = 2, /* on either side: end it (the MAG goes back) */
};

/* Results beyond the wire's status codes (ext.h VRRP_HA_SW_*, which MAGSW
 * shares: 128 here means "not serving that MAG"). */
#define VRRP_HA_MAGSW_R_TIMEOUT 1000

/*
 * Called once when a takeover or switch-back started here ends: status 0,
 * a wire status (128..131) or VRRP_HA_MAGSW_R_TIMEOUT; peer the other LMA
 * (may be NULL); detail a line for the operator.
 */
typedef void (*vrrp_ha_magsw_done_fn)(void *arg, unsigned status, const struct in6_addr *peer,
                                      const char *detail);

/*
 * Start a per-MAG takeover (TAKE) or its end (BACK) for the MAG whose
 * proxy-CoA is mag. fn/arg (fn may be NULL): the result.
 * Returns: 0 started; -1 refused here with the reason in err (not BACKUP,
 * no proxy binding of that MAG here, no data plane that can take it,
 * authentication off, that MAG busy, ...).
 */
int vrrp_ha_magsw_start(struct vrrp_ha *h, enum vrrp_ha_magsw_kind kind, const struct in6_addr *mag,
                        vrrp_ha_magsw_done_fn fn, void *arg, char *err, size_t errlen);

/* The waiter arg went away: what it started goes on, its result is logged. */
void vrrp_ha_magsw_detach(struct vrrp_ha *h, void *arg);

/* Returns: the name of a status or result ("success", "not_serving",
 * "prohibited", "not_in_sync", "busy", "timeout", "unknown"). */
const char *vrrp_ha_magsw_status_name(unsigned status);

/* One MAG taken or given here (vrrp-ha-ctl state). */
struct vrrp_ha_magsw_info {
	struct in6_addr mag;
	struct in6_addr peer; /* taker: the master asked; giver: the taker */
	bool taker;           /* we forward it; else we gave it */
	const char *phase;    /* "asking", "taken", "given", "returning" */
	uint32_t count;       /* that MAG's proxy bindings here */
	uint64_t since_ms;    /* the instance's clock */
};

/* Up to max entries into out. Returns: how many there are. */
size_t vrrp_ha_magsw_list(struct vrrp_ha *h, struct vrrp_ha_magsw_info *out, size_t max);

/* That MAG's proxy bindings in the table we serve from (the owner's copy of
 * its daemon's cache, else the RBC): their number and digest (the sum of
 * their version hashes, as the per-bucket digests). */
void vrrp_ha_magsw_digest(struct vrrp_ha *h, const struct in6_addr *mag, uint32_t *count,
                          uint64_t *sum);

#endif
