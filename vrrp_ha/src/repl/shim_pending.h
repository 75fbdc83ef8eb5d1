/* TEMPORARY: declarations of APIs being written in parallel branches. */
#ifndef SHIM_PENDING_H
#define SHIM_PENDING_H
#include "vrrp_ha/rbc.h"
bool vrrp_ha_master_addr(const struct vrrp_ha *h, struct in6_addr *out);
void vrrp_ha_peer_ha(struct vrrp_ha *h, const struct in6_addr *src);
void vrrp_ha_sync_hold_done(struct vrrp_ha *h, const char *why);
#endif
