/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fifo.c - the notify FIFO writer (notify.h).
 */
#define _GNU_SOURCE /* F_SETPIPE_SZ */
#include "notify.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Lines wait in memory while the reader is slow (a restore of 1M bindings is
 * ~60 MB of lines); past this they are dropped and counted. */
#define FIFO_QUEUE_MAX (64u << 20)
/* Ask for a bigger pipe so a burst rarely has to wait at all. */
#define FIFO_PIPE_SIZE (1 << 20)

void vrrp_ha_fifo_init(struct vrrp_ha_fifo *f, struct vrrp_ha *h,
                       struct vrrp_ha_notify_counters *cnt)
{
	memset(f, 0, sizeof(*f));
	f->h = h;
	f->cnt = cnt;
	f->fd = -1;
}

static void fifo_close(struct vrrp_ha_fifo *f)
{
	const struct vrrp_ha_ops *ops = vrrp_ha_host_ops(f->h);

	if (f->fd < 0)
		return;
	if (f->watched && ops->unwatch_fd)
		ops->unwatch_fd(vrrp_ha_host_ctx(f->h), f->fd);
	f->watched = false;
	close(f->fd);
	f->fd = -1;
}

void vrrp_ha_fifo_clear(struct vrrp_ha_fifo *f)
{
	fifo_close(f);
	free(f->buf);
	f->buf = NULL;
	f->len = f->off = f->cap = 0;
}

void vrrp_ha_fifo_reset(struct vrrp_ha_fifo *f)
{
	fifo_close(f);
	f->len = f->off = 0;
}

static bool fifo_open(struct vrrp_ha_fifo *f)
{
	const char *path = vrrp_ha_config(f->h)->notify_fifo;
	uint64_t now = vrrp_ha_now(f->h);

	if (f->fd >= 0)
		return true;
	if (!path)
		return false;
	if (f->retry_ms && now < f->retry_ms)
		return false;
	f->retry_ms = now + 1000;
	if (mkfifo(path, 0600) < 0 && errno != EEXIST)
		return false;
	/* non-blocking: a reader that went away must never stall VRRP
	 * (ENXIO while nobody has it open for reading) */
	f->fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (f->fd < 0)
		return false;
	(void)fcntl(f->fd, F_SETPIPE_SZ, FIFO_PIPE_SIZE);
	f->retry_ms = 0;
	return true;
}

static void fifo_flush(struct vrrp_ha_fifo *f);

static void fifo_writable(void *data, int fd, int events)
{
	(void)fd;
	(void)events;
	fifo_flush(data);
}

/* Write queued lines in chunks of whole lines no larger than PIPE_BUF, so
 * each write is atomic even if several instances share one FIFO. */
static void fifo_flush(struct vrrp_ha_fifo *f)
{
	const struct vrrp_ha_ops *ops = vrrp_ha_host_ops(f->h);

	while (f->off < f->len) {
		size_t n = f->len - f->off;
		ssize_t w;

		if (!fifo_open(f))
			return; /* retried on the next event or timer tick */
		if (n > PIPE_BUF) {
			const char *p = f->buf + f->off;
			size_t k = PIPE_BUF;

			while (k > 0 && p[k - 1] != '\n')
				k--;
			n = k ? k : PIPE_BUF;
		}
		w = write(f->fd, f->buf + f->off, n);
		if (w > 0) {
			f->off += (size_t)w;
			continue;
		}
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (!f->watched && ops->watch_fd &&
			    ops->watch_fd(vrrp_ha_host_ctx(f->h), f->fd, VRRP_HA_EV_WRITE,
			                  fifo_writable, f) == 0)
				f->watched = true;
			return;
		}
		if (w < 0 && errno == EINTR)
			continue;
		/* the reader went away (EPIPE): keep the lines for the next one */
		fifo_close(f);
		return;
	}
	f->len = f->off = 0;
	if (f->watched) {
		ops->unwatch_fd(vrrp_ha_host_ctx(f->h), f->fd);
		f->watched = false;
	}
}

void vrrp_ha_fifo_retry(struct vrrp_ha_fifo *f)
{
	if (f->off < f->len && !f->watched)
		fifo_flush(f); /* reader was missing: try again (at most once a second) */
}

void vrrp_ha_fifo_write(struct vrrp_ha_fifo *f, const char *line, size_t len)
{
	if (!vrrp_ha_config(f->h)->notify_fifo)
		return;
	if (f->off && f->off == f->len)
		f->len = f->off = 0;
	if (f->len + len > f->cap) {
		size_t cap = f->cap ? f->cap : 65536;
		char *nb;

		/* reclaim what the reader already took */
		if (f->off) {
			memmove(f->buf, f->buf + f->off, f->len - f->off);
			f->len -= f->off;
			f->off = 0;
		}
		while (cap < f->len + len)
			cap *= 2;
		if (cap > FIFO_QUEUE_MAX || f->len + len > FIFO_QUEUE_MAX) {
			f->cnt->fifo_drops++;
			return;
		}
		if (cap > f->cap) {
			nb = realloc(f->buf, cap);
			if (!nb) {
				f->cnt->fifo_drops++;
				return;
			}
			f->buf = nb;
			f->cap = cap;
		}
	}
	memcpy(f->buf + f->len, line, len);
	f->len += len;
	f->cnt->fifo_lines++;
	fifo_flush(f);
}
