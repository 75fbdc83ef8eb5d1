/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * attach.c - attachments of the local daemon's bindings (attach.h,
 * docs/attachments.md): the option list edited (mopt.c), stored with the
 * binding (rbc.c), queued to peers and published like any change of the
 * daemon's.
 */
#include <errno.h>

#include "core/internal.h"
#include "vrrp_ha/attach.h"
#include "vrrp_ha/rbc.h"

int vrrp_ha_attach(struct vrrp_ha *h, const struct in6_addr *hoa, const struct vrrp_ha_att *a,
                   bool remove, size_t *optlen)
{
	struct vrrp_ha_rbc *t = vrrp_ha_get_bc(h);
	uint64_t now = vrrp_ha_now(h);
	uint8_t out[RBC_OPTS_MAX];
	const uint8_t *cur;
	size_t curlen, len = 0;
	struct rbc_view v;
	enum rbc_result res;
	int rc;

	if (!t || !rbc_lookup_opts(t, hoa, now, &cur, &curlen))
		return -ENOENT;
	rc = vrrp_ha_att_edit(cur, curlen, a, remove, RBC_OPTS_MAX, out, sizeof(out), &len);
	if (rc == -ENOENT)
		return -ESRCH;
	if (rc)
		return rc;
	res = rbc_set_opts_local(t, hoa, len ? out : NULL, len, now);
	if (res == RBC_NOT_FOUND)
		return -ENOENT;
	if (res != RBC_UPDATED && res != RBC_REFRESHED)
		return -ENOMEM;
	if (optlen)
		*optlen = len;
	if (res == RBC_UPDATED && rbc_lookup(t, hoa, now, &v))
		vrrp_ha_emit_binding(h, VRRP_HA_E_UPDATED, VRRP_HA_T_BC, VRRP_HA_O_LOCAL, &v);
	return 0;
}
