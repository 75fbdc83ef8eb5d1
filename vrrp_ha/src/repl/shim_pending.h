/* TEMPORARY: declarations of APIs being written in parallel branches. */
#ifndef SHIM_PENDING_H
#define SHIM_PENDING_H
#include "vrrp_ha/rbc.h"
bool vrrp_ha_master_addr(const struct vrrp_ha *h, struct in6_addr *out);
void vrrp_ha_peer_ha(struct vrrp_ha *h, const struct in6_addr *src);
void vrrp_ha_sync_hold_done(struct vrrp_ha *h, const char *why);
uint32_t rbc_bucket_of(const struct in6_addr *hoa);
void rbc_digest_bucket(const struct vrrp_ha_rbc *t, unsigned b, uint32_t *c, uint64_t *s);
void rbc_digest_group(const struct vrrp_ha_rbc *t, unsigned g, uint32_t *c, uint64_t *s);
void rbc_digest_total(const struct vrrp_ha_rbc *t, uint32_t *c, uint64_t *s);
uint32_t rbc_mark_begin(struct vrrp_ha_rbc *t, const uint64_t *bitmap);
bool rbc_mark(struct vrrp_ha_rbc *t, const struct in6_addr *hoa, uint64_t now);
void rbc_marked_bucket(const struct vrrp_ha_rbc *t, unsigned b, uint32_t *c, uint64_t *s);
size_t rbc_sweep_step(struct vrrp_ha_rbc *t, const uint64_t *bitmap, uint64_t *cursor,
                      size_t budget, uint64_t now, void (*cb)(void *, const struct rbc_view *),
                      void *arg);
enum rbc_result rbc_apply_sync(struct vrrp_ha_rbc *t, const struct vrrp_ha_binding *b,
                               const uint8_t *opts, size_t optlen, uint64_t now, bool *overrode);
#endif
