/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config.c - the mipv6_ha { } block: defaults, copy, clear (ha.h).
 */
#include "vrrp_ha/ha.h"

#include <stdlib.h>
#include <string.h>

void vrrp_ha_config_defaults(struct vrrp_ha_config *c)
{
	memset(c, 0, sizeof(*c));
	c->owner = VRRP_HA_OWNER_AUTO;
	c->ctl_mode = 0600;
	c->ctl_idle_s = 300;
	c->burst_packets = 20; /* ~720k bindings/s: what a backup applies (bench/sync_auth.sh) */
	c->pace_us = 1000;
	c->coalesce_ms = 1;
	c->request_timeout_ms = 1000;
	c->request_retries = 3;
	c->answer_grace_ms = 3000;
	c->restore_window_ms = 5000;
	c->tombstone_s = 30;
	c->max_bindings = 4000000;
	c->log_interval_s = 10;
	c->snmp_drop_limit = 100;
	c->refresh_s = 300;
	c->digest_interval_ms = 2000;
	c->sync_hold_s = 30;
	c->sync_hold_prio = 1;
	c->dataplane = VRRP_HA_DP_NONE;
	c->full_recovery = true;
	c->extensions = VRRP_HA_EXT_AUTO;
	c->auth = VRRP_HA_AUTH_OFF;
	c->auth_cipher = VRRP_HA_AUTH_AES256GCM;
	c->switch_accept = true;
	c->switch_timeout_ms = 5000;
	c->switch_on_track = true;
	c->ha_switch_rate = 1000;
	c->ha_switch_burst = 16;
}

void vrrp_ha_config_clear(struct vrrp_ha_config *c)
{
	free(c->ctl_path);
	free(c->notify_restore);
	free(c->notify_recover);
	free(c->notify_dir);
	free(c->notify_fifo);
	free(c->auth_key_file);
	free(c->auth_epoch_file);
	c->ctl_path = c->notify_restore = c->notify_recover = c->notify_dir = c->notify_fifo = NULL;
	c->auth_key_file = c->auth_epoch_file = NULL;
}

static int dup_str(char **dst, const char *src)
{
	*dst = NULL;
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -1;
}

int vrrp_ha_config_copy(struct vrrp_ha_config *dst, const struct vrrp_ha_config *src)
{
	struct vrrp_ha_config c = *src;

	/* no pointer of src's may stay in c: a failure below frees c's */
	c.ctl_path = c.notify_restore = c.notify_recover = c.notify_dir = c.notify_fifo = NULL;
	c.auth_key_file = c.auth_epoch_file = NULL;
	if (dup_str(&c.ctl_path, src->ctl_path) ||
	    dup_str(&c.notify_restore, src->notify_restore) ||
	    dup_str(&c.notify_recover, src->notify_recover) ||
	    dup_str(&c.notify_dir, src->notify_dir) || dup_str(&c.notify_fifo, src->notify_fifo) ||
	    dup_str(&c.auth_key_file, src->auth_key_file) ||
	    dup_str(&c.auth_epoch_file, src->auth_epoch_file)) {
		vrrp_ha_config_clear(&c);
		return -1;
	}
	*dst = c;
	return 0;
}

bool vrrp_ha_config_is_owner(const struct vrrp_ha_config *c, unsigned priority)
{
	if (c->owner == VRRP_HA_OWNER_YES)
		return true;
	if (c->owner == VRRP_HA_OWNER_NO)
		return false;
	return priority == 255; /* RFC 5798 5.2.4: the address owner has priority 255 */
}
