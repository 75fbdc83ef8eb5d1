/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_ctl.c - fuzz target for the control socket line protocol
 * (sync/ctl_server.c, docs/operations.md): a real server on a MASTER
 * vrrp_ha instance on test_loop, listening in a mkdtemp directory, as
 * test_ctl runs it. Each input is written on a fresh connection, the write
 * side is shut, the answer read to EOF; then a second connection must still
 * get an answer to "state" whose table sizes match the instance's tables,
 * and every binding in them must be one the server could have accepted.
 */
#include <errno.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "fuzz_target.h"
#include "test_loop.h"
#include "vrrp_ha/ctl.h"
#include "vrrp_ha/rbc.h"

static struct {
	struct test_loop *l;
	struct vrrp_ha *h;
	struct vrrp_ha_ctl *c;
	struct vrrp_ha_config cfg;
	char dir[32], path[64];
	unsigned inputs;
	size_t max_bc; /* largest BC seen: shows the inputs reached the tables */
} F;

static void on_timer(void *arg)
{
	vrrp_ha_timer(arg);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void fuzz_target_init(void)
{
	snprintf(F.dir, sizeof(F.dir), "/tmp/fuzz_ctl.XXXXXX");
	FUZZ_ASSERT(mkdtemp(F.dir));
	snprintf(F.path, sizeof(F.path), "%s/VI_1.sock", F.dir);
	F.l = test_loop_new();
	FUZZ_ASSERT(F.l);
	test_loop_keep_packets(F.l, 0);
	test_loop_set_log_level(F.l, -1);
	vrrp_ha_config_defaults(&F.cfg);
	F.cfg.enabled = true;
	F.h = vrrp_ha_new(&F.cfg, test_loop_ops(), F.l, "VI_1", 1, 100);
	FUZZ_ASSERT(F.h);
	test_loop_set_timer_cb(F.l, on_timer, F.h);
	vrrp_ha_start(F.h);
	vrrp_ha_set_state(F.h, VRRP_HA_ST_MASTER);
	F.c = vrrp_ha_ctl_open(F.h, test_loop_ops(), F.l, F.path, 0600);
	FUZZ_ASSERT(F.c);
}

void fuzz_target_fini(void)
{
	printf("fuzz_ctl: %u inputs, largest BC %zu bindings\n", F.inputs, F.max_bc);
	vrrp_ha_ctl_close(F.c);
	vrrp_ha_free(F.h);
	vrrp_ha_config_clear(&F.cfg);
	test_loop_free(F.l);
	rmdir(F.dir);
}

static int cl_connect(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	FUZZ_ASSERT(fd >= 0);
	memcpy(sa.sun_path, F.path, strlen(F.path) + 1);
	FUZZ_ASSERT(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	return fd;
}

/*
 * Send len bytes, shut the write side, read until EOF (or until want is
 * seen, if not NULL), running the loop all along.
 * Returns: the answer (malloc'd, NUL-terminated; NULs inside are kept).
 */
static char *exchange(const uint8_t *req, size_t len, const char *want, size_t *got_len)
{
	size_t sent = 0, got = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	double end = now_s() + 5;
	bool shut = false, eof = false;
	int fd = cl_connect();

	FUZZ_ASSERT(buf);
	while (!eof && now_s() < end) {
		ssize_t n;

		if (sent < len) {
			n = send(fd, req + sent, len - sent, MSG_NOSIGNAL);
			if (n > 0)
				sent += (size_t)n;
			else if (n < 0 && errno != EAGAIN)
				sent = len; /* the server closed on us: fine */
		}
		if (sent == len && !shut) {
			shutdown(fd, SHUT_WR);
			shut = true;
		}
		test_loop_run_once(F.l, 1);
		for (;;) {
			if (cap - got < 4096) {
				cap *= 2;
				buf = realloc(buf, cap);
				FUZZ_ASSERT(buf);
			}
			n = recv(fd, buf + got, cap - got - 1, MSG_DONTWAIT);
			if (n > 0) {
				got += (size_t)n;
				continue;
			}
			if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
				eof = true;
			break;
		}
		buf[got] = 0;
		if (want && strstr(buf, want))
			break;
	}
	close(fd);
	FUZZ_ASSERT(eof || want); /* the server always finishes with us */
	if (got_len)
		*got_len = got;
	return buf;
}

static unsigned long field(const char *text, const char *name)
{
	const char *p = strstr(text, name);

	FUZZ_ASSERT(p);
	return strtoul(p + strlen(name), NULL, 10);
}

/* Every live binding is one parse_binding could have accepted. */
static size_t check_table(struct vrrp_ha_rbc *t)
{
	struct vrrp_ha_binding b[64];
	uint64_t cursor = 0;
	size_t n, i, total = 0;

	while ((n = rbc_walk(t, &cursor, b, 64, vrrp_ha_now(F.h))) > 0) {
		for (i = 0; i < n; i++) {
			FUZZ_ASSERT(b[i].hoa.s6_addr[0] != 0xff && b[i].coa.s6_addr[0] != 0xff);
			FUZZ_ASSERT(b[i].lifetime >= 1);
		}
		total += n;
	}
	FUZZ_ASSERT(total <= rbc_count(t));
	return total;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char state[] = "state\n";
	char *ans;
	size_t n;

	free(exchange(data, size, NULL, NULL));
	ans = exchange((const uint8_t *)state, sizeof(state) - 1, "\nOK\n", NULL);
	FUZZ_ASSERT(strstr(ans, "\nOK\n"));
	FUZZ_ASSERT(strstr(ans, "state MASTER") || strstr(ans, "state master"));
	FUZZ_ASSERT(field(ans, "\nrbc ") == rbc_count(vrrp_ha_get_rbc(F.h)));
	FUZZ_ASSERT(field(ans, "\nbc ") == rbc_count(vrrp_ha_get_bc(F.h)));
	free(ans);
	n = check_table(vrrp_ha_get_bc(F.h));
	if (n > F.max_bc)
		F.max_bc = n;
	check_table(vrrp_ha_get_rbc(F.h));
	/* keep the tables small across inputs */
	if (++F.inputs % 64 == 0)
		free(exchange((const uint8_t *)"flush\n", 6, NULL, NULL));
	return 0;
}

FUZZ_LIBFUZZER_INIT
