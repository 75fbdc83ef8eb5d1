/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_client.h - the client side of the control socket tests: connect,
 * exchange a request while running the server's test_loop, cut answers
 * apart, and a small JSON checker. Shared by test_ctl.c and test_counters.c.
 */
#ifndef VRRP_HA_TEST_CTL_CLIENT_H
#define VRRP_HA_TEST_CTL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "test_loop.h"

/* Returns: CLOCK_MONOTONIC in seconds. */
double now_s(void);

/* Returns: a non-blocking stream socket connected to path (exits on error). */
int cl_connect(const char *path);

/*
 * Send req (len bytes) on fd while running l, and collect the answer until
 * nstatus status lines ("OK", "OK ...", "ERR ...") came, timeout_s passed,
 * or EOF. Returns: the answer, NUL-terminated (malloc'd).
 */
char *ctl_xchg(struct test_loop *l, int fd, const char *req, size_t len, int nstatus,
               double timeout_s);

/* Returns: the last line of an answer (its status line). */
const char *status_of(const char *answer);

/* Returns: how many times needle occurs in hay (not overlapping). */
size_t count_str(const char *hay, const char *needle);

/* Returns: whether doc is exactly one JSON value (blanks around allowed). */
bool json_doc_ok(const char *doc);

/* Returns: whether the data lines of answer (status line cut off) are one
 * JSON value; prints the document if not. */
bool json_ok(const char *answer);

#endif
