/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * resync.h - the State Synchronization Request (HARP 6.1.3, 7.5): a backup
 * asks the master for a few mobile nodes' bindings and gets just those
 * (with their attachments), or "no such binding" for the ones the master
 * does not hold, which the backup then drops. Wire: docs/protocol.md
 * "KEYS"; behaviour: docs/attachments.md "Asking for a few bindings".
 */
#ifndef VRRP_HA_RESYNC_H
#define VRRP_HA_RESYNC_H

#include <netinet/in.h>
#include <stdint.h>

struct vrrp_ha;

/* Keys one request carries (VRRP_HA_EXT_MAX_KEYS). */
#define VRRP_HA_RESYNC_MAX 32

/* What became of each key. */
enum vrrp_ha_resync_status {
	VRRP_HA_RESYNC_PENDING = 0, /* no answer (yet) */
	VRRP_HA_RESYNC_PRESENT = 1, /* the master's record arrived and was applied */
	VRRP_HA_RESYNC_NONE = 2,    /* the master holds no binding: ours (if any) was dropped */
};

/*
 * Called once per request: when every key was answered (result 0) or when
 * the retries ran out (-ETIMEDOUT; the keys still PENDING got no answer).
 * keys and st are n long and valid during the call only.
 */
typedef void (*vrrp_ha_resync_cb)(void *arg, uint32_t id, const struct in6_addr *keys,
                                  const uint8_t *st, unsigned n, int result);

/*
 * Ask the master this node follows for the bindings of keys[0..n).
 * The answer's records are applied as the reference (docs/sync.md: the
 * master's record replaces ours whatever the sequence numbers). Sent
 * again after 500 ms, 1 s, 2 s (then -ETIMEDOUT).
 * Returns: 0 and *id; -EINVAL (n 0 or > VRRP_HA_RESYNC_MAX, a bad key);
 * -EOPNOTSUPP (extensions off); -EPERM (not a BACKUP: a master is the
 * reference itself); -ENOTCONN (no master followed yet); -EBUSY (4
 * requests already wait).
 */
int vrrp_ha_resync(struct vrrp_ha *h, const struct in6_addr *keys, unsigned n, vrrp_ha_resync_cb cb,
                   void *arg, uint32_t *id);

/* Forget request id (its callback is not called). Returns: nothing. */
void vrrp_ha_resync_cancel(struct vrrp_ha *h, uint32_t id);

#endif
