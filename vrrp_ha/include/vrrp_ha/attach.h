/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * attach.h - AAA / vendor state attached to a binding of the local
 * daemon's binding cache (docs/attachments.md). The attachments are
 * mobility options of the binding (mopt.h "attachments"), replicated with
 * it in extension MIPV6 records.
 */
#ifndef VRRP_HA_ATTACH_H
#define VRRP_HA_ATTACH_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "vrrp_ha/mopt.h"

struct vrrp_ha;

/*
 * Set attachment a on hoa's binding of h's bc (replacing the one of the
 * same identity), or with remove take it out; the binding's option list
 * stays within RBC_OPTS_MAX bytes. The change is the local daemon's: it
 * is queued to peers like vrrp_ha_bc_add() and published as an UPDATE bc
 * local event.
 * optlen (may be NULL): the binding's option bytes afterwards.
 * Returns: 0; -ENOENT no live binding for hoa; -ESRCH (remove) no such
 * attachment; -E2BIG the list would exceed the bound (nothing changed);
 * -EINVAL a bad attachment (mopt.h vrrp_ha_att_edit); -ENOMEM.
 */
int vrrp_ha_attach(struct vrrp_ha *h, const struct in6_addr *hoa, const struct vrrp_ha_att *a,
                   bool remove, size_t *optlen);

#endif
