/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * notify.h - the notify module's pieces: its counters and the FIFO writer.
 */
#ifndef VRRP_HA_NOTIFY_H
#define VRRP_HA_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "core/internal.h"

struct vrrp_ha_notify_counters {
	uint64_t notify_runs, notify_errors, fifo_lines, fifo_drops;
};

/* The notify FIFO: lines wait in memory while the reader is slow, are
 * written non-blocking in whole-line chunks of at most PIPE_BUF. */
struct vrrp_ha_fifo {
	struct vrrp_ha *h;
	struct vrrp_ha_notify_counters *cnt;
	int fd;
	bool watched;
	uint64_t retry_ms;
	char *buf; /* lines not yet taken by the reader */
	size_t len, off, cap;
};

void vrrp_ha_fifo_init(struct vrrp_ha_fifo *f, struct vrrp_ha *h,
                       struct vrrp_ha_notify_counters *cnt);
/* Close and free everything. */
void vrrp_ha_fifo_clear(struct vrrp_ha_fifo *f);
/* The FIFO path changed: close, forget queued lines. */
void vrrp_ha_fifo_reset(struct vrrp_ha_fifo *f);
/* Queue one line (with its newline) and write what the pipe takes. No-op
 * without notify_fifo. */
void vrrp_ha_fifo_write(struct vrrp_ha_fifo *f, const char *line, size_t len);
/* From the timer: try again if lines wait and no write watch is armed. */
void vrrp_ha_fifo_retry(struct vrrp_ha_fifo *f);

#endif
