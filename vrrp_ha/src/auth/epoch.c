/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * epoch.c - the send sequence: seq = epoch << 32 | counter. The epoch is
 * kept in a file so a restarted sender starts above every seq it sent
 * before (the receivers' windows remember those); it is never below the
 * wall clock, which keeps seqs increasing across restarts even when the
 * file cannot be written (docs/auth.md "Epoch").
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "auth/auth_int.h"

#define COUNTER_SPAN (UINT64_C(1) << 32)

/* Write all of buf. Returns: 0, or -1 with errno. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* mkdir the directory of path (one level) 0700 if it is missing. */
static int make_parent(const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	if ((size_t)snprintf(dir, sizeof(dir), "%s", path) >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = 0;
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -1;
	return 0;
}

int auth_epoch_write(const char *path, uint32_t epoch)
{
	char tmp[PATH_MAX], buf[16];
	int fd, n, saved;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (make_parent(path))
		return -1;
	n = snprintf(buf, sizeof(buf), "%" PRIu32 "\n", epoch);
	unlink(tmp); /* a leftover of a crash between open and rename */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (write_all(fd, buf, (size_t)n) || fsync(fd)) {
		saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	if (close(fd) || rename(tmp, path)) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return 0;
}

uint32_t auth_epoch_read(const char *path, const char **why)
{
	char buf[32], *end;
	unsigned long long v;
	ssize_t n;
	int fd;

	*why = NULL;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			*why = strerror(errno);
		return 0;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		*why = "empty or unreadable";
		return 0;
	}
	buf[n] = 0;
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n') || v > UINT32_MAX) {
		*why = "not a number";
		return 0;
	}
	return (uint32_t)v;
}

/* Take epoch e and persist it; a failure is a warning. */
static void set_epoch(struct auth_seq *q, uint32_t e, auth_warn_fn warn, void *arg,
                      bool *write_failed)
{
	q->epoch = e;
	q->counter = 0;
	if (auth_epoch_write(q->path, e)) {
		*write_failed = true;
		if (warn)
			warn(arg,
			     "cannot write the epoch file %s (%s): going on with epoch %" PRIu32
			     "; after a restart the wall clock keeps sequence numbers increasing",
			     q->path, strerror(errno), e);
	}
}

int auth_seq_next(struct auth_seq *q, uint64_t *seq, auth_warn_fn warn, void *arg,
                  bool *write_failed)
{
	*write_failed = false;
	if (!q->started) {
		const char *why;
		uint64_t stored = auth_epoch_read(q->path, &why), now = (uint64_t)time(NULL), e;

		if (why && warn)
			warn(arg, "epoch file %s: %s; starting from the wall clock", q->path, why);
		e = stored + 1 > now ? stored + 1 : now;
		if (e > UINT32_MAX)
			return -1;
		set_epoch(q, (uint32_t)e, warn, arg, write_failed);
		q->started = true;
	} else if (q->counter == COUNTER_SPAN) {
		if (q->epoch == UINT32_MAX)
			return -1;
		set_epoch(q, q->epoch + 1, warn, arg, write_failed);
	}
	*seq = (uint64_t)q->epoch << 32 | q->counter++;
	return 0;
}
