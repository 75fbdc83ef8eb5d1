/* TEMPORARY stubs until the glue branch lands. */
#include "core/internal.h"
#include "repl/shim_pending.h"
bool vrrp_ha_master_addr(const struct vrrp_ha *h, struct in6_addr *out) { (void)h; (void)out; return false; }
void vrrp_ha_peer_ha(struct vrrp_ha *h, const struct in6_addr *src) { (void)h; (void)src; }
void vrrp_ha_sync_hold_done(struct vrrp_ha *h, const char *why) { (void)h; (void)why; }
