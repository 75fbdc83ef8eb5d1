/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl.h - the control socket of one instance (implemented in sync/): the
 * bridge input from the mobility daemon (add / del / flush / import) and the
 * operator's view (show, stats, state, watch). Protocol: docs/operations.md.
 */
#ifndef VRRP_HA_CTL_H
#define VRRP_HA_CTL_H

#include "vrrp_ha/ha.h"

struct vrrp_ha_ctl;

/*
 * Listen on the Unix stream socket path (an existing socket file is
 * replaced), chmod it to mode, and serve clients through ops->watch_fd.
 * Returns: the server, or NULL (reason logged through the instance).
 */
struct vrrp_ha_ctl *vrrp_ha_ctl_open(struct vrrp_ha *h, const struct vrrp_ha_ops *ops, void *ctx,
                                     const char *path, unsigned mode);

/* Close the listener and every client and unlink the path. NULL is fine. */
void vrrp_ha_ctl_close(struct vrrp_ha_ctl *c);

/*
 * After a reload the host context (and possibly the instance) changed:
 * unwatch every fd through the old ctx, then watch them through the new.
 * Watching clients move to h's event stream; the old instance must still
 * exist during the call.
 */
void vrrp_ha_ctl_rebind(struct vrrp_ha_ctl *c, struct vrrp_ha *h, void *ctx);

/* Returns: the path the server listens on. */
const char *vrrp_ha_ctl_path(const struct vrrp_ha_ctl *c);

#endif
