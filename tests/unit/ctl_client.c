/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_client.c - the client side of the control socket tests (ctl_client.h).
 */
#include "ctl_client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/un.h>

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cl_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (strlen(path) >= sizeof(sa.sun_path))
		exit(1);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "connect %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

static bool is_status(const char *line, size_t len)
{
	return (len == 2 && !memcmp(line, "OK", 2)) || (len > 2 && !memcmp(line, "OK ", 3)) ||
	       (len >= 4 && !memcmp(line, "ERR ", 4));
}

/*
 * Send req (len bytes) on fd while running the loop, and collect the answer
 * until nstatus status lines came (or timeout_s passed, or EOF).
 * Returns: the answer, NUL-terminated (malloc'd).
 */
char *ctl_xchg(struct test_loop *l, int fd, const char *req, size_t len, int nstatus,
               double timeout_s)
{
	size_t sent = 0, got = 0, cap = 65536, scanned = 0;
	char *buf = malloc(cap);
	double end = now_s() + timeout_s;
	int seen = 0;

	while ((seen < nstatus || sent < len) && now_s() < end) {
		ssize_t n;

		if (sent < len) {
			n = send(fd, req + sent, len - sent, MSG_NOSIGNAL);
			if (n > 0)
				sent += (size_t)n;
		}
		test_loop_run_once(l, 1);
		for (;;) {
			if (cap - got < 65536) {
				cap *= 2;
				buf = realloc(buf, cap);
			}
			n = recv(fd, buf + got, cap - got - 1, MSG_DONTWAIT);
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		while (scanned < got) {
			char *nl = memchr(buf + scanned, '\n', got - scanned);

			if (!nl)
				break;
			if (is_status(buf + scanned, (size_t)(nl - buf) - scanned))
				seen++;
			scanned = (size_t)(nl - buf) + 1;
		}
		if (n == 0)
			break;
	}
	buf[got] = '\0';
	if (seen < nstatus)
		fprintf(stderr, "xchg: %d of %d status lines (sent %zu of %zu)\n", seen, nstatus,
		        sent, len);
	return buf;
}

/* The last line of an answer (its status). */
const char *status_of(const char *answer)
{
	size_t n = strlen(answer);
	const char *p;

	if (n && answer[n - 1] == '\n')
		n--;
	for (p = answer + n; p > answer && p[-1] != '\n'; p--)
		;
	return p;
}

size_t count_str(const char *hay, const char *needle)
{
	/* by hand: ASan checks the whole rest of hay in each strstr()/memmem() */
	size_t n = 0, nlen = strlen(needle);

	for (const char *p = hay; *p; p++) {
		size_t k = 0;

		while (k < nlen && p[k] == needle[k])
			k++;
		if (k == nlen) {
			n++;
			p += nlen - 1;
		}
	}
	return n;
}

/* ---- a small JSON checker: the answer must be exactly one value ----------- */

static const char *json_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
		p++;
	return p;
}

static const char *json_value(const char *p, int depth);

static const char *json_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p && *p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
						return NULL;
				p += 4;
			} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
				return NULL;
			}
		}
		p++;
	}
	return *p == '"' ? p + 1 : NULL;
}

static const char *json_value(const char *p, int depth)
{
	p = json_ws(p);
	if (depth > 32)
		return NULL;
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		bool obj = *p == '{';

		p = json_ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (obj) {
				p = json_string(json_ws(p));
				if (!p)
					return NULL;
				p = json_ws(p);
				if (*p++ != ':')
					return NULL;
			}
			p = json_value(p, depth + 1);
			if (!p)
				return NULL;
			p = json_ws(p);
			if (*p == close)
				return p + 1;
			if (*p++ != ',')
				return NULL;
		}
	}
	if (*p == '"')
		return json_string(p);
	if (!strncmp(p, "true", 4) || !strncmp(p, "null", 4))
		return p + 4;
	if (!strncmp(p, "false", 5))
		return p + 5;
	if (*p == '-' || (*p >= '0' && *p <= '9')) {
		/* by hand: strtod() reads the whole rest under ASan, quadratic here */
		const char *start;

		if (*p == '-')
			p++;
		start = p;
		while (*p >= '0' && *p <= '9')
			p++;
		if (p == start || (*start == '0' && p - start > 1))
			return NULL;
		if (*p == '.') {
			start = ++p;
			while (*p >= '0' && *p <= '9')
				p++;
			if (p == start)
				return NULL;
		}
		if (*p == 'e' || *p == 'E') {
			p++;
			if (*p == '+' || *p == '-')
				p++;
			start = p;
			while (*p >= '0' && *p <= '9')
				p++;
			if (p == start)
				return NULL;
		}
		return p;
	}
	return NULL;
}

bool json_doc_ok(const char *doc)
{
	const char *end = json_value(doc, 0);

	return end && !*json_ws(end);
}

/* The data lines of an answer (status line cut off) are one JSON value. */
bool json_ok(const char *answer)
{
	const char *st = status_of(answer);
	char *doc = strndup(answer, (size_t)(st - answer));
	bool ok = json_doc_ok(doc);

	if (!ok)
		fprintf(stderr, "invalid JSON:\n%.2000s\n", doc);
	free(doc);
	return ok;
}
