/* TEMPORARY stubs until the parallel branches land. */
#include "core/internal.h"
#include "repl/shim_pending.h"
bool vrrp_ha_master_addr(const struct vrrp_ha *h, struct in6_addr *out) { (void)h; (void)out; return false; }
void vrrp_ha_peer_ha(struct vrrp_ha *h, const struct in6_addr *src) { (void)h; (void)src; }
void vrrp_ha_sync_hold_done(struct vrrp_ha *h, const char *why) { (void)h; (void)why; }
uint32_t rbc_bucket_of(const struct in6_addr *hoa) { return hoa->s6_addr[15] * 16u % 4096; }
void rbc_digest_bucket(const struct vrrp_ha_rbc *t, unsigned b, uint32_t *c, uint64_t *s) { (void)t; (void)b; *c = 0; *s = 0; }
void rbc_digest_group(const struct vrrp_ha_rbc *t, unsigned g, uint32_t *c, uint64_t *s) { (void)t; (void)g; *c = 0; *s = 0; }
void rbc_digest_total(const struct vrrp_ha_rbc *t, uint32_t *c, uint64_t *s) { (void)t; *c = 0; *s = 0; }
uint32_t rbc_mark_begin(struct vrrp_ha_rbc *t, const uint64_t *bitmap) { (void)t; (void)bitmap; return 1; }
bool rbc_mark(struct vrrp_ha_rbc *t, const struct in6_addr *hoa, uint64_t now) { (void)t; (void)hoa; (void)now; return true; }
void rbc_marked_bucket(const struct vrrp_ha_rbc *t, unsigned b, uint32_t *c, uint64_t *s) { (void)t; (void)b; *c = 0; *s = 0; }
size_t rbc_sweep_step(struct vrrp_ha_rbc *t, const uint64_t *bitmap, uint64_t *cursor, size_t budget, uint64_t now, void (*cb)(void *, const struct rbc_view *), void *arg) { (void)t; (void)bitmap; (void)budget; (void)now; (void)cb; (void)arg; *cursor = 0; return 0; }
enum rbc_result rbc_apply_sync(struct vrrp_ha_rbc *t, const struct vrrp_ha_binding *b, const uint8_t *opts, size_t optlen, uint64_t now, bool *overrode) { *overrode = false; return optlen ? rbc_apply_opts(t, b, opts, optlen, now) : rbc_apply(t, b, now); }
