/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp_ha_glue.h - the only functions keepalived's own files call.
 * The patch series (keepalived-patch/) adds one call to each; everything
 * else lives in vrrp_ha_glue.c (compiled against keepalived's headers) and
 * in the vrrp_ha library (which knows nothing of keepalived).
 */
#ifndef VRRP_HA_GLUE_H
#define VRRP_HA_GLUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sockaddr.h" /* keepalived's sockaddr_t (lib/) */

struct _vrrp_t;

/* vrrp_parser.c: install the mipv6_ha { } sub-block inside vrrp_instance. */
void vrrp_ha_glue_install_keywords(void);

/* vrrp.c vrrp_complete_instance(): check what needs the whole instance
 * (IPv6, VRRPv3). Returns: false if the instance is misconfigured. */
bool vrrp_ha_glue_complete_instance(struct _vrrp_t *vrrp);

/* vrrp_scheduler.c: is this received VRRP packet one of ours? Looks at the
 * type nibble only (the first byte is inside keepalived's header check). */
bool vrrp_ha_glue_is_bc(const void *vrrp_hdr);

/* vrrp_scheduler.c vrrp_dispatcher_read(): a BC packet for this instance,
 * diverted before keepalived's checks and timer reset (vrrp NULL: no
 * instance of its VRID has mipv6_ha; counted for the dump). */
void vrrp_ha_glue_rx(struct _vrrp_t *vrrp, const void *buf, size_t len, const sockaddr_t *src);

/* vrrp_scheduler.c vrrp_dispatcher_read(): recvmsg() said MSG_TRUNC (an
 * oversized BC packet, or one reassembled from fragments). If it is one of
 * ours (type 12/14/15), count it (too_long) for the instance of sock_t
 * *sock with its VRID, log rate-limited, and return true so keepalived
 * does not log every such packet. */
bool vrrp_ha_glue_rx_truncated(const void *sock, const void *buf, size_t len,
                               const sockaddr_t *src);

/* vrrp.c vrrp_state_backup() / vrrp_state_master_rx(): a valid advert of
 * the group (vrrp_hdr: its VRRP header; sender in vrrp->pkt_saddr); master:
 * keepalived now follows the sender as its master. */
void vrrp_ha_glue_advert(struct _vrrp_t *vrrp, const void *vrrp_hdr, bool master);

/* vrrp_track.c vrrp_set_effective_priority(): the priority keepalived
 * computed (255 for an owner, else base + track weights, clamped), capped
 * at the priority vrrp-ha holds the instance at. Returns: the priority to
 * use. */
uint8_t vrrp_ha_glue_priority(const struct _vrrp_t *vrrp, uint8_t prio);

/* vrrp_scheduler.c vrrp_init_state() and try_up_instance(): is the
 * instance held (then an address owner does not go straight to MASTER)? */
bool vrrp_ha_glue_held(const struct _vrrp_t *vrrp);

/* vrrp_scheduler.c vrrp_init_state(), before its decisions: apply the hold
 * the instance starts with (the library instance may not exist yet). */
void vrrp_ha_glue_init_state(struct _vrrp_t *vrrp);

/* vrrp_notify.c send_instance_notifies(): the instance changed state. */
void vrrp_ha_glue_state(struct _vrrp_t *vrrp);

/* vrrp_scheduler.c vrrp_dispatcher_init(): sockets are open, start (or,
 * after a reload, resume) every instance's mipv6_ha. */
void vrrp_ha_glue_start_all(void);

/* vrrp.c restore_vrrp_state(): reload keeps the RBC and control socket. */
void vrrp_ha_glue_reload(struct _vrrp_t *old_vrrp, struct _vrrp_t *vrrp);

/* vrrp_data.c free_vrrp() / dump_vrrp(). */
void vrrp_ha_glue_free(struct _vrrp_t *vrrp);
void vrrp_ha_glue_dump(FILE *fp, const struct _vrrp_t *vrrp);

#endif
