/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_loop.c - poll()-based implementation of struct vrrp_ha_ops for tests.
 * See test_loop.h for the semantics of each op.
 */
#include "test_loop.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct tl_watch {
	int fd;
	int events;
	vrrp_ha_fd_cb cb;
	void *data;
	uint64_t gen; /* registration number: tells a reused fd from the old one */
};

struct test_loop {
	struct tl_watch *w;
	size_t nw, capw;
	uint64_t next_gen;

	bool timer_armed;
	uint64_t timer_due_us;
	void (*timer_cb)(void *arg);
	void *timer_arg;

	bool manual_clock;
	uint64_t manual_us;

	bool stop;
	uint64_t max_cb_us[2]; /* fd, timer */

	struct test_loop_pkt *pkts;
	size_t npkts, cappkts, keep_pkts;
	uint64_t sent;
	int fail_errno;
	unsigned fail_n;

	int log_level;
	char *logs[TEST_LOOP_LOG_KEEP];
	size_t log_next; /* ring position */

	struct test_loop_script *scripts;
	size_t nscripts, capscripts;
};

static uint64_t real_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t loop_now_us(const struct test_loop *l)
{
	return l->manual_clock ? l->manual_us : real_now_us();
}

uint64_t test_loop_now_ms(const struct test_loop *l)
{
	return loop_now_us(l) / 1000u;
}

/* ---- ops -------------------------------------------------------------- */

static uint64_t op_now_ms(void *ctx)
{
	return test_loop_now_ms(ctx);
}

static int op_send(void *ctx, const uint8_t *pkt, size_t len)
{
	struct test_loop *l = ctx;
	struct test_loop_pkt *p;

	if (l->fail_n) {
		l->fail_n--;
		errno = l->fail_errno;
		return -1;
	}
	l->sent++;
	if (l->npkts >= l->keep_pkts)
		return 0;
	if (l->npkts == l->cappkts) {
		size_t cap = l->cappkts ? l->cappkts * 2 : 64;
		p = realloc(l->pkts, cap * sizeof(*p));
		if (!p) {
			errno = ENOBUFS;
			return -1;
		}
		l->pkts = p;
		l->cappkts = cap;
	}
	p = &l->pkts[l->npkts];
	p->data = malloc(len ? len : 1);
	if (!p->data) {
		errno = ENOBUFS;
		return -1;
	}
	memcpy(p->data, pkt, len);
	p->len = len;
	p->at_ms = test_loop_now_ms(l);
	l->npkts++;
	return 0;
}

static void op_set_timer(void *ctx, uint64_t delay_us)
{
	struct test_loop *l = ctx;

	l->timer_armed = true;
	l->timer_due_us = loop_now_us(l) + delay_us;
}

static struct tl_watch *find_watch(const struct test_loop *l, int fd)
{
	for (size_t i = 0; i < l->nw; i++)
		if (l->w[i].fd == fd)
			return &l->w[i];
	return NULL;
}

static int op_watch_fd(void *ctx, int fd, int events, vrrp_ha_fd_cb cb, void *data)
{
	struct test_loop *l = ctx;
	struct tl_watch *w = find_watch(l, fd);

	if (fd < 0 || !cb) {
		errno = EINVAL;
		return -1;
	}
	if (!w) {
		if (l->nw == l->capw) {
			size_t cap = l->capw ? l->capw * 2 : 16;
			struct tl_watch *nw = realloc(l->w, cap * sizeof(*nw));
			if (!nw)
				return -1;
			l->w = nw;
			l->capw = cap;
		}
		w = &l->w[l->nw++];
		w->fd = fd;
		w->gen = ++l->next_gen;
	}
	w->events = events;
	w->cb = cb;
	w->data = data;
	return 0;
}

static void op_unwatch_fd(void *ctx, int fd)
{
	struct test_loop *l = ctx;
	struct tl_watch *w = find_watch(l, fd);

	if (!w)
		return;
	*w = l->w[--l->nw];
}

static void op_log(void *ctx, int prio, const char *msg)
{
	struct test_loop *l = ctx;
	char *copy;

	if (prio <= l->log_level)
		fprintf(stderr, "[%d] %s\n", prio, msg);
	copy = strdup(msg);
	if (!copy)
		return;
	free(l->logs[l->log_next]);
	l->logs[l->log_next] = copy;
	l->log_next = (l->log_next + 1) % TEST_LOOP_LOG_KEEP;
}

static int op_run_script(void *ctx, char *const argv[])
{
	struct test_loop *l = ctx;
	struct test_loop_script *s;
	size_t argc = 0;

	if (!argv || !argv[0])
		return -1;
	while (argv[argc])
		argc++;
	if (l->nscripts == l->capscripts) {
		size_t cap = l->capscripts ? l->capscripts * 2 : 8;
		struct test_loop_script *ns = realloc(l->scripts, cap * sizeof(*ns));
		if (!ns)
			return -1;
		l->scripts = ns;
		l->capscripts = cap;
	}
	s = &l->scripts[l->nscripts];
	memset(s, 0, sizeof(*s));
	s->argv = calloc(argc + 1, sizeof(char *));
	if (!s->argv)
		return -1;
	for (size_t i = 0; i < argc; i++) {
		s->argv[i] = strdup(argv[i]);
		if (!s->argv[i]) {
			for (size_t j = 0; j < i; j++)
				free(s->argv[j]);
			free(s->argv);
			return -1;
		}
	}
	l->nscripts++;
	s->pid = fork();
	if (s->pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	if (s->pid < 0) {
		s->done = true;
		s->status = -1;
		return -1;
	}
	return 0;
}

static const struct vrrp_ha_ops test_loop_ops_table = {
        .now_ms = op_now_ms,
        .send = op_send,
        .set_timer = op_set_timer,
        .watch_fd = op_watch_fd,
        .unwatch_fd = op_unwatch_fd,
        .log = op_log,
        .run_script = op_run_script,
};

const struct vrrp_ha_ops *test_loop_ops(void)
{
	return &test_loop_ops_table;
}

/* ---- loop ------------------------------------------------------------- */

struct test_loop *test_loop_new(void)
{
	struct test_loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->keep_pkts = SIZE_MAX;
	l->log_level = LOG_DEBUG;
	return l;
}

void test_loop_free(struct test_loop *l)
{
	if (!l)
		return;
	test_loop_wait_scripts(l);
	for (size_t i = 0; i < l->nscripts; i++) {
		for (size_t j = 0; l->scripts[i].argv[j]; j++)
			free(l->scripts[i].argv[j]);
		free(l->scripts[i].argv);
	}
	free(l->scripts);
	test_loop_clear_packets(l);
	free(l->pkts);
	for (size_t i = 0; i < TEST_LOOP_LOG_KEEP; i++)
		free(l->logs[i]);
	free(l->w);
	free(l);
}

void test_loop_set_timer_cb(struct test_loop *l, void (*cb)(void *arg), void *arg)
{
	l->timer_cb = cb;
	l->timer_arg = arg;
}

bool test_loop_timer_armed(const struct test_loop *l, uint64_t *in_us)
{
	if (in_us && l->timer_armed) {
		uint64_t now = loop_now_us(l);
		*in_us = l->timer_due_us > now ? l->timer_due_us - now : 0;
	}
	return l->timer_armed;
}

static void reap_scripts(struct test_loop *l, bool block)
{
	for (size_t i = 0; i < l->nscripts; i++) {
		struct test_loop_script *s = &l->scripts[i];
		pid_t r;

		if (s->done)
			continue;
		do
			r = waitpid(s->pid, &s->status, block ? 0 : WNOHANG);
		while (r < 0 && errno == EINTR);
		if (r == s->pid || r < 0)
			s->done = true;
	}
}

static void note_cb_time(struct test_loop *l, bool timer, uint64_t t0)
{
	uint64_t d = real_now_us() - t0;

	if (d > l->max_cb_us[timer])
		l->max_cb_us[timer] = d;
}

uint64_t test_loop_max_callback_us(const struct test_loop *l, bool timer)
{
	return l->max_cb_us[timer];
}

void test_loop_reset_max_callback(struct test_loop *l)
{
	l->max_cb_us[0] = l->max_cb_us[1] = 0;
}

int test_loop_run_once(struct test_loop *l, int timeout_ms)
{
	struct pollfd *pfd;
	uint64_t *gens;
	size_t n = l->nw;
	int r, ran = 0;

	if (l->timer_armed) {
		uint64_t now = loop_now_us(l);
		int t = 0;

		if (l->timer_due_us > now) {
			uint64_t left = (l->timer_due_us - now + 999) / 1000;
			t = left > 60000 ? 60000 : (int)left;
		}
		/* on the manual clock the timer only moves with the clock */
		if (!l->manual_clock && (timeout_ms < 0 || t < timeout_ms))
			timeout_ms = t;
		if (l->manual_clock && t == 0)
			timeout_ms = 0;
	}

	pfd = calloc(n ? n : 1, sizeof(*pfd));
	gens = calloc(n ? n : 1, sizeof(*gens));
	if (!pfd || !gens) {
		free(pfd);
		free(gens);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		pfd[i].fd = l->w[i].fd;
		pfd[i].events = (short)(((l->w[i].events & VRRP_HA_EV_READ) ? POLLIN : 0) |
		                        ((l->w[i].events & VRRP_HA_EV_WRITE) ? POLLOUT : 0));
		gens[i] = l->w[i].gen;
	}
	r = poll(pfd, n, timeout_ms);
	if (r < 0 && errno != EINTR) {
		free(pfd);
		free(gens);
		return -1;
	}
	for (size_t i = 0; r > 0 && i < n; i++) {
		struct tl_watch *w;
		uint64_t t0;
		int ev = 0;

		if (!pfd[i].revents)
			continue;
		/* an earlier callback may have unwatched or replaced this fd */
		w = find_watch(l, pfd[i].fd);
		if (!w || w->gen != gens[i])
			continue;
		if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))
			ev |= VRRP_HA_EV_READ;
		if (pfd[i].revents & (POLLOUT | POLLHUP | POLLERR | POLLNVAL))
			ev |= VRRP_HA_EV_WRITE;
		ev &= w->events;
		if (!ev)
			continue;
		t0 = real_now_us();
		w->cb(w->data, w->fd, ev);
		note_cb_time(l, false, t0);
		ran++;
	}
	free(pfd);
	free(gens);

	if (l->timer_armed && loop_now_us(l) >= l->timer_due_us) {
		l->timer_armed = false;
		if (l->timer_cb) {
			uint64_t t0 = real_now_us();

			l->timer_cb(l->timer_arg);
			note_cb_time(l, true, t0);
		}
		ran++;
	}
	reap_scripts(l, false);
	return ran;
}

bool test_loop_run_until(struct test_loop *l, bool (*done)(void *arg), void *arg, int timeout_ms)
{
	uint64_t end = real_now_us() + (uint64_t)timeout_ms * 1000u;

	l->stop = false;
	for (;;) {
		uint64_t now;

		if (done && done(arg))
			return true;
		if (l->stop) {
			l->stop = false;
			return true;
		}
		now = real_now_us();
		if (now >= end)
			return false;
		if (test_loop_run_once(l, (int)((end - now + 999) / 1000)) < 0)
			return false;
	}
}

void test_loop_stop(struct test_loop *l)
{
	l->stop = true;
}

size_t test_loop_nwatched(const struct test_loop *l)
{
	return l->nw;
}

int test_loop_watched_events(const struct test_loop *l, int fd)
{
	const struct tl_watch *w = find_watch(l, fd);

	return w ? w->events : 0;
}

void test_loop_manual_clock(struct test_loop *l, uint64_t start_ms)
{
	l->manual_clock = true;
	l->manual_us = start_ms * 1000u;
}

void test_loop_advance_ms(struct test_loop *l, uint64_t ms)
{
	l->manual_us += ms * 1000u;
}

void test_loop_keep_packets(struct test_loop *l, size_t max)
{
	l->keep_pkts = max;
}

void test_loop_fail_send(struct test_loop *l, int err, unsigned n)
{
	l->fail_errno = err;
	l->fail_n = n;
}

uint64_t test_loop_sent(const struct test_loop *l)
{
	return l->sent;
}

const struct test_loop_pkt *test_loop_packets(const struct test_loop *l, size_t *n)
{
	*n = l->npkts;
	return l->pkts;
}

void test_loop_clear_packets(struct test_loop *l)
{
	for (size_t i = 0; i < l->npkts; i++)
		free(l->pkts[i].data);
	l->npkts = 0;
	l->sent = 0;
}

void test_loop_set_log_level(struct test_loop *l, int max_prio)
{
	l->log_level = max_prio;
}

size_t test_loop_log_count(const struct test_loop *l, const char *substr)
{
	size_t n = 0;

	for (size_t i = 0; i < TEST_LOOP_LOG_KEEP; i++)
		if (l->logs[i] && strstr(l->logs[i], substr))
			n++;
	return n;
}

const struct test_loop_script *test_loop_scripts(const struct test_loop *l, size_t *n)
{
	*n = l->nscripts;
	return l->scripts;
}

size_t test_loop_wait_scripts(struct test_loop *l)
{
	size_t n = 0;

	for (size_t i = 0; i < l->nscripts; i++)
		if (!l->scripts[i].done)
			n++;
	reap_scripts(l, true);
	return n;
}
