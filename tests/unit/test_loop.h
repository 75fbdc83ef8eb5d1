/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_loop.h - a small poll()-based event loop implementing struct
 * vrrp_ha_ops, for unit tests and test servers (no keepalived).
 *
 * One struct test_loop is the ops "ctx": pass test_loop_ops() and the loop to
 * vrrp_ha_new() (or to vrrp_ha_ctl_open()). What each op does here:
 *
 *   now_ms      CLOCK_MONOTONIC in ms, or the manual clock after
 *               test_loop_manual_clock() (then only test_loop_advance_ms()
 *               moves it).
 *   set_timer   arms the loop's single timer (replacing an armed one); when
 *               it is due, test_loop_run_once() disarms it and calls the
 *               callback given to test_loop_set_timer_cb() (typically a
 *               wrapper around vrrp_ha_timer()).
 *   watch_fd    persistent: the callback runs on every iteration in which the
 *               fd is ready, until unwatch_fd; watching an fd again replaces
 *               its events/callback. POLLHUP/POLLERR are reported as the
 *               watched events, so the callback sees the error on read/write.
 *   unwatch_fd  forgets the fd (safe inside a callback, also for other fds).
 *   log         prints "[prio] msg" to stderr (unless filtered by
 *               test_loop_set_log_level()) and keeps the last
 *               TEST_LOOP_LOG_KEEP messages for test_loop_log_count().
 *   send        records a copy of every packet (up to the limit set with
 *               test_loop_keep_packets()); can be made to fail with
 *               test_loop_fail_send().
 *   run_script  fork()+execv() of argv[0]; the loop reaps exactly that pid
 *               (waitpid(pid), never waitpid(-1)) in test_loop_run_once() or
 *               test_loop_wait_scripts().
 *
 * No global state: everything hangs off the struct test_loop.
 */
#ifndef VRRP_HA_TEST_LOOP_H
#define VRRP_HA_TEST_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vrrp_ha/ha.h"

#define TEST_LOOP_LOG_KEEP 256

struct test_loop;

/* One packet handed to ops->send. */
struct test_loop_pkt {
	uint8_t *data;
	size_t len;
	uint64_t at_ms; /* loop clock when sent */
};

/* One ops->run_script call. */
struct test_loop_script {
	char **argv; /* copy, NULL-terminated */
	pid_t pid;   /* -1 if fork failed */
	bool done;   /* reaped */
	int status;  /* waitpid() status when done */
};

/* Returns: a new loop, or NULL on allocation failure. */
struct test_loop *test_loop_new(void);
/* Frees the loop (does not close watched fds; waits for running scripts). */
void test_loop_free(struct test_loop *l);

/* Returns: the ops table to pass with the loop as ctx (a static const table). */
const struct vrrp_ha_ops *test_loop_ops(void);

/* Callback for the timer armed through ops->set_timer. */
void test_loop_set_timer_cb(struct test_loop *l, void (*cb)(void *arg), void *arg);
/* Returns: true if the timer is armed, with *in_us (may be NULL) the time left. */
bool test_loop_timer_armed(const struct test_loop *l, uint64_t *in_us);

/*
 * One iteration: poll the watched fds for at most timeout_ms (-1 = until
 * something happens; shortened to the armed timer), dispatch ready fds, fire
 * the timer if due, reap finished scripts.
 * Returns: number of callbacks run (fds + timer), or -1 on poll error.
 */
int test_loop_run_once(struct test_loop *l, int timeout_ms);

/*
 * Iterate until done(arg) returns true or timeout_ms of real time passed
 * (done may be NULL: run until timeout or test_loop_stop()).
 * Returns: true if done (or stopped), false on timeout or poll error.
 */
bool test_loop_run_until(struct test_loop *l, bool (*done)(void *arg), void *arg, int timeout_ms);
/* Make test_loop_run_until() return (e.g. from a callback). */
void test_loop_stop(struct test_loop *l);

/* Returns: the longest single fd callback (timer = false) or timer callback
 * (timer = true) so far, in us of real time: what a host's other events
 * (VRRP adverts) would have waited. */
uint64_t test_loop_max_callback_us(const struct test_loop *l, bool timer);
void test_loop_reset_max_callback(struct test_loop *l);

/* Returns: how many fds are watched. */
size_t test_loop_nwatched(const struct test_loop *l);
/* Returns: the events fd is watched for, 0 if it is not watched. */
int test_loop_watched_events(const struct test_loop *l, int fd);

/* Clock: switch to a manual clock starting at start_ms, and move it. */
void test_loop_manual_clock(struct test_loop *l, uint64_t start_ms);
void test_loop_advance_ms(struct test_loop *l, uint64_t ms);
uint64_t test_loop_now_ms(const struct test_loop *l);

/* Packets: keep at most max copies (default SIZE_MAX); all are counted. */
void test_loop_keep_packets(struct test_loop *l, size_t max);
/* Make the next n sends fail with errno err. */
void test_loop_fail_send(struct test_loop *l, int err, unsigned n);
/* Returns: packets sent successfully since the last clear (kept or not). */
uint64_t test_loop_sent(const struct test_loop *l);
/* Returns: the kept packets; *n their number. */
const struct test_loop_pkt *test_loop_packets(const struct test_loop *l, size_t *n);
void test_loop_clear_packets(struct test_loop *l);

/* Logging: print only messages with prio <= max_prio (default LOG_DEBUG;
 * -1 = print nothing). All messages are kept for test_loop_log_count(). */
void test_loop_set_log_level(struct test_loop *l, int max_prio);
/* Returns: how many kept log messages contain substr. */
size_t test_loop_log_count(const struct test_loop *l, const char *substr);

/* Scripts: the calls so far (*n of them). */
const struct test_loop_script *test_loop_scripts(const struct test_loop *l, size_t *n);
/* Wait (blocking) for every started script. Returns: how many were reaped. */
size_t test_loop_wait_scripts(struct test_loop *l);

#endif
