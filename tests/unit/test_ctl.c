/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_ctl.c - the control socket server (sync/ctl_server.c) in process:
 * a vrrp_ha instance on test_loop, clients on plain sockets, every effect
 * checked through the tables and every answer parsed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "ctl_client.h"
#include "test_loop.h"
#include "vrrp_ha/ctl.h"
#include "vrrp_ha/pmip.h"
#include "vrrp_ha/store.h"

#include "check.h"

#define CHECK_CONTAINS(text, sub)                                                                  \
	do {                                                                                       \
		const char *t_ = (text);                                                           \
		if (!t_ || !strstr(t_, (sub))) {                                                   \
			fprintf(stderr, "%s:%d: expected \"%s\" in:\n%.2000s\n", __FILE__,         \
			        __LINE__, (sub), t_ ? t_ : "(null)");                              \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

struct env {
	struct test_loop *l;
	struct vrrp_ha *h;
	struct vrrp_ha_ctl *c;
	struct vrrp_ha_config cfg;
	char dir[32];
	char path[64];
};

static void on_timer(void *arg)
{
	vrrp_ha_timer(arg);
}

static void env_init(struct env *e, unsigned priority)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->dir, sizeof(e->dir), "/tmp/test_ctl.XXXXXX");
	if (!mkdtemp(e->dir)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(e->path, sizeof(e->path), "%s/VI_1.sock", e->dir);
	e->l = test_loop_new();
	test_loop_keep_packets(e->l, 0);
	test_loop_set_log_level(e->l, LOG_WARNING);
	vrrp_ha_config_defaults(&e->cfg);
	e->cfg.enabled = true;
	e->h = vrrp_ha_new(&e->cfg, test_loop_ops(), e->l, "VI_1", 1, priority);
	if (!e->l || !e->h) {
		fprintf(stderr, "cannot create the instance\n");
		exit(1);
	}
	test_loop_set_timer_cb(e->l, on_timer, e->h);
	vrrp_ha_start(e->h);
	vrrp_ha_set_state(e->h, VRRP_HA_ST_MASTER);
}

static void env_fini(struct env *e)
{
	vrrp_ha_ctl_close(e->c);
	vrrp_ha_free(e->h);
	vrrp_ha_config_clear(&e->cfg);
	test_loop_free(e->l);
	rmdir(e->dir);
}

static char *xchg_len(struct env *e, int fd, const char *req, size_t len, int nstatus,
                      double timeout_s)
{
	return ctl_xchg(e->l, fd, req, len, nstatus, timeout_s);
}

static char *xchg(struct env *e, int fd, const char *req)
{
	return xchg_len(e, fd, req, strlen(req), 1, 10);
}

/* One command on a fresh connection. */
__attribute__((format(printf, 2, 3))) static char *cmd(struct env *e, const char *fmt, ...)
{
	char req[4096];
	va_list ap;
	int fd = cl_connect(e->path);
	char *r;

	va_start(ap, fmt);
	vsnprintf(req, sizeof(req) - 1, fmt, ap);
	va_end(ap);
	strcat(req, "\n");
	r = xchg(e, fd, req);
	close(fd);
	return r;
}

static bool status_is(char *answer, const char *want)
{
	bool ok = false;
	const char *s = status_of(answer);

	ok = !strncmp(s, want, strlen(want)) && (s[strlen(want)] == '\n' || !s[strlen(want)]);
	if (!ok)
		fprintf(stderr, "status '%.200s', wanted '%s'\n", s, want);
	free(answer);
	return ok;
}

static struct in6_addr addr(const char *s)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, s, &a) != 1) {
		fprintf(stderr, "bad test address %s\n", s);
		exit(1);
	}
	return a;
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* ---- tests ----------------------------------------------------------------- */

static void test_open(void)
{
	struct env e;
	struct stat st;
	char longpath[200];
	int fd;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	env_init(&e, 255);

	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	CHECK(vrrp_ha_ctl_open(e.h, test_loop_ops(), e.l, longpath, 0600) == NULL);
	CHECK(test_loop_log_count(e.l, "longer than") == 1);

	/* a regular file is never replaced */
	fd = open(e.path, O_CREAT | O_WRONLY, 0644);
	close(fd);
	CHECK(vrrp_ha_ctl_open(e.h, test_loop_ops(), e.l, e.path, 0600) == NULL);
	CHECK(test_loop_log_count(e.l, "not a socket") == 1);
	CHECK(stat(e.path, &st) == 0 && S_ISREG(st.st_mode));
	unlink(e.path);

	/* a stale socket (its server is gone) is replaced */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", e.path);
	CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	close(fd);
	CHECK(stat(e.path, &st) == 0 && S_ISSOCK(st.st_mode));
	e.c = vrrp_ha_ctl_open(e.h, test_loop_ops(), e.l, e.path, 0600);
	CHECK(e.c != NULL);
	CHECK(e.c && !strcmp(vrrp_ha_ctl_path(e.c), e.path));
	CHECK(stat(e.path, &st) == 0 && S_ISSOCK(st.st_mode) && (st.st_mode & 07777) == 0600);
	CHECK(test_loop_nwatched(e.l) == 1);
	if (e.c)
		CHECK(status_is(cmd(&e, "state"), "OK"));
	vrrp_ha_ctl_close(e.c);
	CHECK(test_loop_nwatched(e.l) == 0);
	CHECK(stat(e.path, &st) < 0 && errno == ENOENT);

	/* a live server there is replaced too, with a warning */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(fd, 1) == 0);
	e.c = vrrp_ha_ctl_open(e.h, test_loop_ops(), e.l, e.path, 0600);
	CHECK(e.c != NULL);
	CHECK(test_loop_log_count(e.l, "another server is listening") == 1);
	close(fd);
	vrrp_ha_ctl_close(e.c);

	/* mode is applied */
	e.c = vrrp_ha_ctl_open(e.h, test_loop_ops(), e.l, e.path, 0660);
	CHECK(stat(e.path, &st) == 0 && (st.st_mode & 07777) == 0660);
	env_fini(&e);
}

static void test_add_del_flush(void)
{
	struct env e;
	struct vrrp_ha_rbc *bc;
	struct rbc_view v;
	struct in6_addr hoa = addr("2001:db8::1"), coa;
	uint64_t now;
	char *r;

	env_init(&e, 255);
	e.c = vrrp_ha_ctl_open(e.h, test_loop_ops(), e.l, e.path, 0600);
	bc = vrrp_ha_get_bc(e.h);

	CHECK(status_is(cmd(&e, "add 2001:db8::1 2001:db8:ffff::1 100 7"), "OK added"));
	now = vrrp_ha_now(e.h);
	CHECK(rbc_lookup(bc, &hoa, now, &v));
	CHECK(v.seq == 7 && v.flags == 0x4000 && v.lifetime_s <= 100 && v.lifetime_s >= 99);
	coa = addr("2001:db8:ffff::1");
	CHECK(!memcmp(&v.coa, &coa, sizeof(coa)));
	CHECK(status_is(cmd(&e, "add 2001:db8::1 2001:db8:ffff::1 100 7"), "OK refreshed"));
	CHECK(status_is(cmd(&e, "add 2001:db8::1 2001:db8:ffff::2 200 8 AHP"), "OK updated"));
	CHECK(rbc_lookup(bc, &hoa, vrrp_ha_now(e.h), &v));
	CHECK(v.seq == 8 && v.flags == (0x8000 | 0x4000 | 0x0200) && v.lifetime_s > 150);
	CHECK(status_is(cmd(&e, "add 2001:db8::2 2001:db8:ffff::2 262140 65535 0x0"), "OK added"));
	CHECK(status_is(cmd(&e, "add 2001:db8::3 2001:db8:ffff::2 1 0 lkmr"), "OK added"));
	CHECK(rbc_count(bc) == 3);
	CHECK(vrrp_ha_counters(e.h)->bc_add == 5);

	/* every refusal names the problem and changes nothing */
	static const struct {
		const char *line, *want;
	} bad[] = {
	        {"add 2001:db8::9", "ERR usage: add <hoa> <coa> <lifetime_s> <seq> [<flags>]"},
	        {"add 2001:db8::9 2001:db8::a 10 1 H extra", "ERR usage: add"},
	        {"add 2001:db8::zz 2001:db8::a 10 1", "ERR bad HoA '2001:db8::zz': not an IPv6"},
	        {"add 10.0.0.1 2001:db8::a 10 1", "ERR bad HoA '10.0.0.1'"},
	        {"add :: 2001:db8::a 10 1", "ERR bad HoA '::': unspecified"},
	        {"add ff02::1 2001:db8::a 10 1", "multicast"},
	        {"add ::1 2001:db8::a 10 1", "loopback"},
	        {"add fe80::1 2001:db8::a 10 1", "ERR bad HoA 'fe80::1': link-local"},
	        {"add ::ffff:10.0.0.1 2001:db8::a 10 1", "IPv4-mapped"},
	        {"add 2001:db8::9 fe80::1 10 1", "ERR bad CoA 'fe80::1': link-local"},
	        {"add 2001:db8::9 ff05::1 10 1", "ERR bad CoA 'ff05::1': multicast"},
	        {"add 2001:db8::9 :: 10 1", "ERR bad CoA '::'"},
	        {"add 2001:db8::9 2001:db8::9 10 1", "ERR HoA and CoA are the same"},
	        {"add 2001:db8::9 2001:db8::a 0 1", "ERR bad lifetime '0'"},
	        {"add 2001:db8::9 2001:db8::a 262141 1", "ERR bad lifetime '262141'"},
	        {"add 2001:db8::9 2001:db8::a -5 1", "ERR bad lifetime"},
	        {"add 2001:db8::9 2001:db8::a 10x 1", "ERR bad lifetime"},
	        {"add 2001:db8::9 2001:db8::a 10 65536", "ERR bad seq '65536'"},
	        {"add 2001:db8::9 2001:db8::a 10 +1", "ERR bad seq"},
	        {"add 2001:db8::9 2001:db8::a 10 1 X", "ERR bad flags 'X'"},
	        {"add 2001:db8::9 2001:db8::a 10 1 0x10000", "ERR bad flags '0x10000'"},
	        {"add 2001:db8::9 2001:db8::a 10 1 0x", "ERR bad flags"},
	        {"del nothex", "ERR bad HoA 'nothex'"},
	        {"del", "ERR usage: del <hoa>"},
	        {"flush now", "ERR usage: flush"},
	        {"show rbc rbc", "ERR usage: show [rbc|bc] [json]"},
	        {"show xml", "ERR usage: show"},
	        {"stats yaml", "ERR usage: stats [json]"},
	        {"state 1", "ERR usage: state [json]"},
	        {"frobnicate 1 2", "ERR unknown command 'frobnicate'"},
	        {"ADD 2001:db8::9 2001:db8::a 10 1", "ERR unknown command 'ADD'"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = cmd(&e, "%s", bad[i].line);
		CHECK_CONTAINS(r, bad[i].want);
		CHECK(!strncmp(status_of(r), "ERR ", 4));
		CHECK(count_str(r, "\n") == 1);
		free(r);
	}
	CHECK(rbc_count(bc) == 3);

	CHECK(status_is(cmd(&e, "del 2001:db8::1"), "OK deleted"));
	CHECK(!rbc_lookup(bc, &hoa, vrrp_ha_now(e.h), NULL));
	CHECK(status_is(cmd(&e, "del 2001:db8::1"), "ERR not found"));
	CHECK(rbc_count(bc) == 2);
	CHECK(status_is(cmd(&e, "flush"), "OK flushed 2"));
	CHECK(rbc_count(bc) == 0);
	CHECK(status_is(cmd(&e, "flush"), "OK flushed 0"));
	CHECK(vrrp_ha_counters(e.h)->bc_del == 1 && vrrp_ha_counters(e.h)->bc_flush == 2);
	env_fini(&e);
}

/* Parse "show" text output; returns the number of rows, -1 if malformed. */
static long parse_show(const char *answer, const char *find_hoa, char *row_out, size_t row_len)
{
	const char *p = answer, *nl;
	long rows = 0, want = -1;

	nl = strchr(p, '\n');
	if (!nl || strncmp(p, "HOA COA SEQ FLAGS LIFETIME\n", 27))
		return -1;
	p = nl + 1;
	while ((nl = strchr(p, '\n'))) {
		char hoa[64], coa[64], fl[16], line[256];
		unsigned seq, life;
		struct in6_addr a;

		/* a copy: sscanf() on the whole answer would be quadratic */
		snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
		if (!strncmp(line, "OK ", 3)) {
			if (sscanf(line, "OK %ld bindings", &want) != 1)
				return -1;
			break;
		}
		if (sscanf(line, "%63s %63s %u %15s %u", hoa, coa, &seq, fl, &life) != 5 ||
		    inet_pton(AF_INET6, hoa, &a) != 1 || inet_pton(AF_INET6, coa, &a) != 1 ||
		    seq > 65535)
			return -1;
		if (find_hoa && !strcmp(hoa, find_hoa))
			snprintf(row_out, row_len, "%.*s", (int)(nl - p), p);
		rows++;
		p = nl + 1;
	}
	return rows == want ? rows : -1;
}

static void rx_update(struct env *e, const char *hoa, const char *coa, uint16_t life4, uint16_t seq)
{
	struct vrrp_ha_binding b = {
	        .hoa = addr(hoa), .coa = addr(coa), .lifetime = life4, .seq = seq, .flags = 0xc000};
	struct in6_addr src = addr("fe80::2");
	uint8_t pkt[128];
	size_t len = vrrp_ha_encode_update(pkt, sizeof(pkt), 1, &b, 1);

	CHECK(len == 48);
	CHECK(vrrp_ha_rx(e->h, pkt, len, 255, &src) == VRRP_HA_OK);
}

static void test_show_stats_state(void)
{
	struct env e;
	char req[256 * 80], row[256];
	size_t off = 0;
	char *r;
	long n;

	env_init(&e, 100); /* not the address owner: BC_UPDATEs fill the RBC */
	e.c = vrrp_ha_ctl_open(e.h, test_loop_ops(), e.l, e.path, 0600);

	/* 250 pipelined adds on one connection */
	for (int i = 0; i < 250; i++)
		off += (size_t)snprintf(req + off, sizeof(req) - off,
		                        "add 2001:db8:1::%x 2001:db8:2::%x %d %d %s\n", i + 1,
		                        i + 1, 1000 + i, i, i % 2 ? "AH" : "0x0201");
	{
		int fd = cl_connect(e.path);

		r = xchg_len(&e, fd, req, off, 250, 10);
		CHECK(count_str(r, "OK added\n") == 250);
		free(r);
		close(fd);
	}
	CHECK(rbc_count(vrrp_ha_get_bc(e.h)) == 250);

	r = cmd(&e, "show bc");
	row[0] = '\0';
	n = parse_show(r, "2001:db8:1::b", row, sizeof(row));
	CHECK(n == 250);
	CHECK_CONTAINS(row, "2001:db8:1::b 2001:db8:2::b 10 0x0201 ");
	row[0] = '\0';
	parse_show(r, "2001:db8:1::a", row, sizeof(row));
	CHECK_CONTAINS(row, "2001:db8:1::a 2001:db8:2::a 9 AH 100");
	free(r);

	r = cmd(&e, "show bc json");
	CHECK(json_ok(r));
	CHECK(starts_with(r, "{\"instance\":\"VI_1\",\"table\":\"bc\",\"bindings\":[\n{"));
	CHECK(count_str(r, "\"hoa\":") == 250);
	CHECK(count_str(r, "{") == 251 && count_str(r, "}") == 251);
	CHECK_CONTAINS(r, "{\"hoa\":\"2001:db8:1::a\",\"coa\":\"2001:db8:2::a\",\"seq\":9,"
	                  "\"flags\":\"AH\",\"lifetime\":100");
	CHECK(!strcmp(status_of(r), "OK\n"));
	free(r);

	/* the RBC: filled from a peer's BC_UPDATE while backup */
	r = cmd(&e, "show");
	CHECK(parse_show(r, NULL, NULL, 0) == 0);
	CHECK(!strcmp(status_of(r), "OK 0 bindings\n"));
	free(r);
	r = cmd(&e, "show json");
	CHECK(json_ok(r));
	CHECK_CONTAINS(r, "\"table\":\"rbc\",\"bindings\":[\n]}\n");
	free(r);
	vrrp_ha_set_state(e.h, VRRP_HA_ST_BACKUP);
	{
		struct in6_addr m = addr("fe80::2");

		vrrp_ha_advert(e.h, &m, 200, true); /* the master it follows */
	}
	rx_update(&e, "2001:db8:77::1", "2001:db8:78::1", 25, 3);
	rx_update(&e, "2001:db8:77::2", "2001:db8:78::2", 25, 4);
	r = cmd(&e, "show rbc");
	row[0] = '\0';
	CHECK(parse_show(r, "2001:db8:77::2", row, sizeof(row)) == 2);
	CHECK_CONTAINS(row, "2001:db8:77::2 2001:db8:78::2 4 AH 100");
	free(r);
	r = cmd(&e, "show json rbc");
	CHECK(json_ok(r) && count_str(r, "\"hoa\":") == 2);
	free(r);

	r = cmd(&e, "stats");
	CHECK_CONTAINS(r, "\nbc_add 250\n");
	CHECK_CONTAINS(r, "rx_ok 2\n");
	CHECK_CONTAINS(r, "\nrx_too_short 0\n");
	CHECK_CONTAINS(r, "\nrx_update 2\n");
	CHECK_CONTAINS(r, "\nstate_changes ");
	/* every data line is "name value" */
	{
		const char *p = r;
		size_t lines = 0;

		while (strncmp(p, "OK", 2)) {
			char name[64];
			unsigned long long v;
			char tail;

			CHECK(sscanf(p, "%63[a-z_0-9] %llu%c", name, &v, &tail) == 3 &&
			      tail == '\n');
			p = strchr(p, '\n') + 1;
			lines++;
		}
		{
			size_t nf = vrrp_ha_counters_count(vrrp_ha_counters_registry(e.h));

			CHECK(lines == nf);
			CHECK(nf >= sizeof(struct vrrp_ha_counters) / sizeof(uint64_t));
		}
	}
	free(r);
	r = cmd(&e, "stats json");
	CHECK(json_ok(r));
	CHECK(starts_with(r,
	                  "{\"instance\":\"VI_1\",\"vrid\":1,\"state\":\"BACKUP\",\"counters\":{"));
	free(r);

	r = cmd(&e, "state");
	CHECK_CONTAINS(r, "instance VI_1\nvrid 1\nstate BACKUP\nowner no\nrbc 2\nbc 250\nbacklog ");
	CHECK_CONTAINS(r, "\nrbc_bytes ");
	CHECK(!strcmp(status_of(r), "OK\n"));
	free(r);
	vrrp_ha_set_state(e.h, VRRP_HA_ST_MASTER);
	r = cmd(&e, "state json");
	CHECK(json_ok(r));
	CHECK_CONTAINS(r, "\"state\":\"MASTER\",\"owner\":false,\"rbc\":2,\"bc\":250,");
	free(r);

	r = cmd(&e, "help");
	CHECK_CONTAINS(r, "  import ");
	CHECK_CONTAINS(r, "  show   [rbc|bc] [json]");
	CHECK(!strcmp(status_of(r), "OK\n"));
	free(r);
	env_fini(&e);
}

static void test_lines(void)
{
	struct env e;
	char big[3000];
	int fd;
	char *r;

	env_init(&e, 255);
	e.c = vrrp_ha_ctl_open(e.h, test_loop_ops(), e.l, e.path, 0600);
	fd = cl_connect(e.path);

	/* 1024 bytes is the limit; 1025 is too long; the connection goes on */
	memset(big, 'x', sizeof(big));
	memcpy(big + 1024, "\n", 2);
	r = xchg(&e, fd, big);
	/* the echoed name is cut at 64 characters */
	CHECK(starts_with(r, "ERR unknown command '") && strspn(r + 21, "x") == 64 &&
	      !strcmp(r + 85, "'\n"));
	free(r);
	memset(big, 'x', sizeof(big));
	memcpy(big + 1025, "\nstate\n", 8);
	r = xchg_len(&e, fd, big, strlen(big), 2, 10);
	CHECK(starts_with(r, "ERR line too long\ninstance VI_1\n"));
	CHECK(!strcmp(status_of(r), "OK\n"));
	free(r);

	/* a long line arriving in pieces, with no LF for a while */
	memset(big, 'y', sizeof(big));
	big[2999] = '\0';
	r = xchg_len(&e, fd, big, 2999, 1, 10);
	CHECK(!strcmp(r, "ERR line too long\n"));
	free(r);
	r = xchg(&e, fd, "yyyy\nhelp\n");
	CHECK_CONTAINS(r, "  add ");
	CHECK(count_str(r, "ERR") == 0);
	free(r);

	/* blank lines are ignored, CRLF is accepted, commands pipeline */
	r = xchg_len(&e, fd, "\n  \r\nstate\r\nflush\nbogus\n", 24, 3, 10);
	CHECK(count_str(r, "OK") == 2);
	CHECK_CONTAINS(r, "OK flushed 0\nERR unknown command 'bogus'\n");
	free(r);

	r = xchg(&e, fd, "quit\n");
	CHECK(!strcmp(r, "OK bye\n"));
	free(r);
	test_loop_run_once(e.l, 10);
	CHECK(recv(fd, big, 1, MSG_DONTWAIT) == 0);
	close(fd);

	/* half close: the answer still comes, then EOF; a last line without LF counts */
	fd = cl_connect(e.path);
	CHECK(send(fd, "state", 5, 0) == 5);
	shutdown(fd, SHUT_WR);
	r = xchg_len(&e, fd, "", 0, 1, 10);
	CHECK_CONTAINS(r, "instance VI_1\n");
	free(r);
	test_loop_run_once(e.l, 10);
	CHECK(recv(fd, big, 1, MSG_DONTWAIT) == 0);
	close(fd);
	test_loop_run_once(e.l, 0);
	CHECK(test_loop_nwatched(e.l) == 1);
	env_fini(&e);
}

/* An import body of n bindings; some lines replaced by bad ones. */
static char *gen_import(size_t n, size_t *len, const size_t *bad_at, size_t nbad)
{
	size_t cap = n * 90 + 4096, off = 0;
	char *buf = malloc(cap);

	off += (size_t)sprintf(buf + off, "import\n");
	for (size_t i = 1; i <= n; i++) {
		bool bad = false;

		for (size_t j = 0; j < nbad; j++)
			bad |= bad_at[j] == i;
		if (bad)
			off += (size_t)sprintf(buf + off, "2001:db8:1::%x:%x fe80::1 100 1\n",
			                       (unsigned)(i >> 16), (unsigned)(i & 0xffff));
		else
			off += (size_t)sprintf(
			        buf + off, "%s2001:db8:1::%x:%x 2001:db8:f::%x:%x %zu %zu%s\n",
			        i % 7 == 0 ? "add " : "", (unsigned)(i >> 16),
			        (unsigned)(i & 0xffff), (unsigned)(i >> 16), (unsigned)(i & 0xffff),
			        60 + i % 1000, i % 65536, i % 3 ? "" : " AH");
	}
	off += (size_t)sprintf(buf + off, ".\n");
	*len = off;
	return buf;
}

static void test_import(void)
{
	static const size_t bad_at[] = {5, 1000, 150000};
	struct env e;
	size_t len;
	char *req, *r;
	double t0;
	int fd;

	env_init(&e, 255);
	e.c = vrrp_ha_ctl_open(e.h, test_loop_ops(), e.l, e.path, 0600);

	fd = cl_connect(e.path);
	req = gen_import(200000, &len, bad_at, 3);
	t0 = now_s();
	r = xchg_len(&e, fd, req, len, 1, 60);
	fprintf(stderr, "import: 200000 lines in %.2f s, longest callback %.1f ms\n", now_s() - t0,
	        (double)test_loop_max_callback_us(e.l, false) / 1000);
	/* bounded steps: nothing near an advert interval, even under ASan */
	CHECK(test_loop_max_callback_us(e.l, false) < 250000);
	CHECK_CONTAINS(r, "line 5: bad CoA 'fe80::1': link-local address\n");
	CHECK_CONTAINS(r, "line 1000: bad CoA");
	CHECK_CONTAINS(r, "line 150000: bad CoA");
	CHECK(!strcmp(status_of(r), "OK imported=199997 errors=3\n"));
	CHECK(count_str(r, "\n") == 4);
	CHECK(rbc_count(vrrp_ha_get_bc(e.h)) == 199997);
	free(r);

	/* again: all refreshes, no table growth; the server's own steps only */
	test_loop_reset_max_callback(e.l);
	t0 = now_s();
	r = xchg_len(&e, fd, req, len, 1, 60);
	fprintf(stderr, "import again: 200000 lines in %.2f s, longest callback %.1f ms\n",
	        now_s() - t0, (double)test_loop_max_callback_us(e.l, false) / 1000);
	CHECK(!strcmp(status_of(r), "OK imported=199997 errors=3\n"));
	CHECK(test_loop_max_callback_us(e.l, false) < 100000);
	free(r);
	free(req);
	test_loop_reset_max_callback(e.l);

	/* show streams 200k rows */
	t0 = now_s();
	r = xchg_len(&e, fd, "show bc\n", 8, 1, 60);
	fprintf(stderr, "show: 199997 rows in %.2f s, longest callback %.1f ms\n", now_s() - t0,
	        (double)test_loop_max_callback_us(e.l, false) / 1000);
	CHECK(test_loop_max_callback_us(e.l, false) < 250000);
	CHECK(parse_show(r, NULL, NULL, 0) == 199997);
	free(r);
	/* pipelined after a long show: answered after it, in order */
	r = xchg_len(&e, fd, "show bc\nstate\n", 14, 2, 60);
	CHECK_CONTAINS(r, "\nOK 199997 bindings\ninstance VI_1\n");
	free(r);
	r = xchg_len(&e, fd, "show bc json\n", 13, 1, 60);
	CHECK(count_str(r, "\"hoa\"") == 199997);
	CHECK(json_ok(r));
	free(r);

	/* comments, blanks, "add ", "." inside; more than 10 errors: 10 reported */
	{
		char body[8192];
		size_t o = 0;

		o += (size_t)sprintf(body + o, "import\n# comment\n\n   \nadd 2001:db8:5::1 "
		                               "2001:db8:6::1 10 1 H\n");
		for (int i = 0; i < 12; i++)
			o += (size_t)sprintf(body + o, "bogus %d\n", i);
		memset(body + o, 'z', 1500);
		o += 1500;
		o += (size_t)sprintf(body + o,
		                     "\n2001:db8:5::2 2001:db8:6::1 10 1 H extra x y z\n");
		o += (size_t)sprintf(body + o, "2001:db8:5::3 2001:db8:6::1 10 1\n.\nstate\n");
		r = xchg_len(&e, fd, body, o, 2, 10);
		CHECK_CONTAINS(r, "line 5: expected <hoa> <coa> <lifetime_s> <seq> [<flags>]\n");
		CHECK_CONTAINS(r, "line 14: expected");
		CHECK(count_str(r, "line ") == 10);
		CHECK_CONTAINS(r, "OK imported=2 errors=14\ninstance VI_1\n");
		free(r);
	}
	close(fd);

	/* an import cut short by EOF reports what it did */
	fd = cl_connect(e.path);
	r = xchg_len(&e, fd, "import\n2001:db8:9::1 2001:db8:6::1 10 1\n", 39, 0, 0.2);
	free(r);
	shutdown(fd, SHUT_WR);
	r = xchg_len(&e, fd, "", 0, 1, 10);
	CHECK(!strcmp(r, "ERR import not terminated by '.': imported=1 errors=0\n"));
	free(r);
	close(fd);
	env_fini(&e);
}

static void test_clients(void)
{
	enum { N = 40 };
	struct env e;
	int fd[N], extra;
	char buf[256];
	char *r;

	env_init(&e, 255);
	e.c = vrrp_ha_ctl_open(e.h, test_loop_ops(), e.l, e.path, 0600);
	for (int i = 0; i < N; i++) {
		fd[i] = cl_connect(e.path);
		test_loop_run_once(e.l, 0);
	}
	for (int i = 0; i < 5; i++)
		test_loop_run_once(e.l, 1);
	CHECK(test_loop_nwatched(e.l) == 33);
	CHECK(test_loop_log_count(e.l, "refusing more") == 1);
	for (int i = 0; i < N; i++) {
		ssize_t n = recv(fd[i], buf, sizeof(buf) - 1, MSG_DONTWAIT);

		if (i < 32) {
			CHECK(n < 0 && errno == EAGAIN);
		} else {
			CHECK(n == 21 && !memcmp(buf, "ERR too many clients\n", 21));
			CHECK(recv(fd[i], buf, 1, MSG_DONTWAIT) == 0);
			close(fd[i]);
		}
	}
	for (int i = 0; i < 32; i++) {
		r = xchg(&e, fd[i], "state\n");
		CHECK_CONTAINS(r, "state MASTER\n");
		free(r);
	}
	close(fd[0]);
	for (int i = 0; i < 3; i++)
		test_loop_run_once(e.l, 1);
	extra = cl_connect(e.path);
	r = xchg(&e, extra, "state\n");
	CHECK_CONTAINS(r, "instance VI_1\n");
	free(r);
	close(extra);

	/* a reset in the middle of a show does not hurt the server */
	for (int i = 0; i < 3000; i++) {
		struct in6_addr hoa = addr("2001:db8:a::"), coa = addr("2001:db8:b::1");

		hoa.s6_addr[14] = (uint8_t)(i >> 8);
		hoa.s6_addr[15] = (uint8_t)i;
		CHECK(vrrp_ha_bc_add(e.h, &hoa, &coa, 100, 1, 0x4000) == RBC_ADDED);
	}
	CHECK(send(fd[1], "show bc\nshow bc json\n", 21, 0) == 21);
	for (int i = 0; i < 5; i++)
		test_loop_run_once(e.l, 1);
	for (int i = 1; i < 32; i++)
		close(fd[i]);
	for (int i = 0; i < 5; i++)
		test_loop_run_once(e.l, 1);
	CHECK(test_loop_nwatched(e.l) == 1);

	/* out of fds: the pending client is taken and closed, no busy loop */
	{
		struct rlimit old, low;
		int c1 = cl_connect(e.path), lowest = dup(0);

		close(lowest);
		getrlimit(RLIMIT_NOFILE, &old);
		low = old;
		low.rlim_cur = (rlim_t)lowest;
		CHECK(setrlimit(RLIMIT_NOFILE, &low) == 0);
		test_loop_run_once(e.l, 1);
		setrlimit(RLIMIT_NOFILE, &old);
		CHECK(test_loop_log_count(e.l, "accept: Too many open files") == 1);
		CHECK(recv(c1, buf, 1, 0) == 0); /* closed by the server */
		CHECK(test_loop_run_once(e.l, 0) == 0);
		close(c1);
		c1 = cl_connect(e.path);
		r = xchg(&e, c1, "state\n");
		CHECK_CONTAINS(r, "instance VI_1\n");
		free(r);
		close(c1);
	}

	/* rebind: every fd moves to the new context */
	{
		struct test_loop *l2 = test_loop_new(), *l1 = e.l;
		int a = cl_connect(e.path);

		test_loop_run_once(l1, 1);
		CHECK(test_loop_nwatched(l1) == 2);
		vrrp_ha_ctl_rebind(e.c, e.h, l2);
		CHECK(test_loop_nwatched(l1) == 0);
		CHECK(test_loop_nwatched(l2) == 2);
		e.l = l2;
		r = xchg(&e, a, "state\n");
		CHECK_CONTAINS(r, "instance VI_1\n");
		free(r);
		close(a);
		vrrp_ha_ctl_rebind(e.c, e.h, l1);
		e.l = l1;
		CHECK(test_loop_nwatched(l2) == 0);
		r = cmd(&e, "state");
		CHECK_CONTAINS(r, "instance VI_1\n");
		free(r);
		test_loop_free(l2);
	}
	env_fini(&e);
}

/* Read what fd has (non-blocking) while running the loop, until the text
 * holds want lines or timeout_s passed. Returns: malloc'd text. */
static char *read_lines(struct env *e, int fd, size_t want, double timeout_s)
{
	size_t got = 0, cap = 1 << 20;
	char *buf = malloc(cap);
	double end = now_s() + timeout_s;

	buf[0] = '\0';
	while (count_str(buf, "\n") < want && now_s() < end) {
		ssize_t n;

		test_loop_run_once(e->l, 1);
		while (got + 1 < cap && (n = recv(fd, buf + got, cap - got - 1, MSG_DONTWAIT)) > 0)
			got += (size_t)n;
		buf[got] = '\0';
	}
	return buf;
}

static void test_watch(void)
{
	struct env e;
	struct in6_addr hoa = addr("2001:db8:a::1"), coa = addr("2001:db8:b::1");
	int w, wj, wa, slow;
	char *r;

	env_init(&e, 255);
	e.c = vrrp_ha_ctl_open(e.h, test_loop_ops(), e.l, e.path, 0600);
	w = cl_connect(e.path);
	wj = cl_connect(e.path);
	wa = cl_connect(e.path);
	r = xchg(&e, w, "watch\n");
	CHECK(!strcmp(r, "OK watching\n"));
	free(r);
	r = xchg(&e, wj, "watch json\n");
	CHECK(!strcmp(r, "OK watching\n"));
	free(r);
	r = xchg(&e, wa, "watch all json\n");
	CHECK(!strcmp(r, "OK watching\n"));
	free(r);
	CHECK(status_is(cmd(&e, "watch frob"), "ERR usage: watch [json] [all]"));
	CHECK(status_is(cmd(&e, "watch json json json"), "ERR usage: watch [json] [all]"));

	/* lines as events happen: add, refresh (only with all), delete, state */
	CHECK(vrrp_ha_bc_add(e.h, &hoa, &coa, 100, 1, 0x4000) == RBC_ADDED);
	CHECK(vrrp_ha_bc_add(e.h, &hoa, &coa, 100, 1, 0x4000) == RBC_REFRESHED);
	CHECK(vrrp_ha_bc_del(e.h, &hoa) == RBC_DELETED);
	vrrp_ha_set_state(e.h, VRRP_HA_ST_FAULT);
	r = read_lines(&e, w, 3, 5);
	CHECK(!strcmp(r, "ADD bc 2001:db8:a::1 2001:db8:b::1 100 1 0x4000 local\n"
	                 "DELETE bc 2001:db8:a::1 2001:db8:b::1 0 1 0x4000 local\n"
	                 "STATE from=MASTER to=FAULT\n"));
	if (count_str(r, "\n") != 3)
		fprintf(stderr, "watch text:\n%s", r);
	free(r);
	r = read_lines(&e, wj, 3, 5);
	CHECK_EQ(count_str(r, "\n"), 3);
	CHECK(starts_with(r, "{\"event\":\"ADD\",\"table\":\"bc\",\"hoa\":\"2001:db8:a::1\","));
	CHECK_CONTAINS(r, "\n{\"event\":\"STATE\",\"from\":\"MASTER\",\"to\":\"FAULT\",");
	for (char *p = r, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
		*nl = '\0';
		CHECK(json_doc_ok(p));
	}
	free(r);
	r = read_lines(&e, wa, 4, 5);
	CHECK_EQ(count_str(r, "\n"), 4);
	CHECK_CONTAINS(r, "\n{\"event\":\"REFRESH\",\"table\":\"bc\",");
	free(r);

	/* while watching only quit is taken */
	r = xchg(&e, w, "state\n");
	CHECK(!strcmp(r, "ERR watching: only quit\n"));
	free(r);
	r = xchg(&e, w, "watch\n");
	CHECK(!strcmp(r, "ERR watching: only quit\n"));
	free(r);
	r = xchg(&e, w, "quit\n");
	CHECK(!strcmp(r, "OK bye\n"));
	free(r);
	r = read_lines(&e, w, 1, 0.2);
	CHECK(!strcmp(r, "")); /* closed, nothing more */
	free(r);
	CHECK(recv(w, &(char){0}, 1, MSG_DONTWAIT) == 0);
	close(w);

	/* a client that does not read: its lines are dropped, then reported */
	vrrp_ha_set_state(e.h, VRRP_HA_ST_MASTER);
	slow = cl_connect(e.path);
	{
		int small = 4096;

		setsockopt(slow, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	}
	r = xchg(&e, slow, "watch\n");
	CHECK(!strcmp(r, "OK watching\n"));
	free(r);
	close(wj); /* a watcher that went away: unsubscribed on close */
	for (int i = 0; i < 5; i++)
		test_loop_run_once(e.l, 1);
	for (int i = 0; i < 8000; i++) {
		hoa.s6_addr[13] = (uint8_t)(i >> 8);
		hoa.s6_addr[14] = (uint8_t)i;
		vrrp_ha_bc_add(e.h, &hoa, &coa, 100, 1, 0x4000);
		if (i % 256 == 0)
			test_loop_run_once(e.l, 0);
	}
	CHECK(rbc_count(vrrp_ha_get_bc(e.h)) == 8000);
	{
		char *all = read_lines(&e, slow, 8001, 2);
		size_t lines = count_str(all, "\n");
		const char *d = strstr(all, "DROPPED ");
		unsigned long long dropped = 0;

		/* the loss is reported as soon as the reader caught up, with no
		 * further event needed: the last line */
		CHECK(d != NULL);
		if (d) {
			dropped = strtoull(d + 8, NULL, 10);
			CHECK(d == all || d[-1] == '\n');
			CHECK(strchr(d, '\n') && !strchr(d, '\n')[1]);
			CHECK(count_str(all, "DROPPED ") == 1);
			CHECK(dropped > 0 && dropped + (lines - 1) == 8000);
		}
		CHECK(lines > 100 && lines < 8000);
		free(all);
		/* the next events flow again */
		vrrp_ha_bc_del(e.h, &hoa);
		all = read_lines(&e, slow, 1, 2);
		CHECK(starts_with(all, "DELETE bc "));
		free(all);
		vrrp_ha_bc_flush(e.h);
	}
	/* the all-watcher saw everything the others saw; closing it mid-stream
	 * unsubscribes it (ASan: no use after free on the next events) */
	close(wa);
	close(slow);
	for (int i = 0; i < 5; i++)
		test_loop_run_once(e.l, 1);
	CHECK(test_loop_nwatched(e.l) == 1);
	hoa = addr("2001:db8:a::1");
	CHECK(vrrp_ha_bc_add(e.h, &hoa, &coa, 100, 1, 0x4000) == RBC_ADDED);
	vrrp_ha_set_state(e.h, VRRP_HA_ST_BACKUP);
	CHECK(status_is(cmd(&e, "state"), "OK"));

	/* the server closing ends the stream */
	w = cl_connect(e.path);
	r = xchg(&e, w, "watch all\n");
	CHECK(!strcmp(r, "OK watching\n"));
	free(r);
	vrrp_ha_ctl_close(e.c);
	e.c = NULL;
	CHECK(recv(w, &(char){0}, 1, 0) == 0);
	close(w);
	CHECK(vrrp_ha_bc_del(e.h, &hoa) == RBC_DELETED); /* nobody subscribed any more */
	env_fini(&e);
}

/* 32 idle connections no longer lock everybody out: at the limit the
 * longest idle one is closed for the newcomer; a connection marked
 * persistent (the daemon's adapter) never is; after control_idle_timeout
 * idle clients are closed. */
static void test_idle(void)
{
	struct env e;
	int fd[32], extra, gone = -1;
	char buf[128];
	char *r;

	env_init(&e, 255);
	test_loop_manual_clock(e.l, 10000000);
	e.c = vrrp_ha_ctl_open(e.h, test_loop_ops(), e.l, e.path, 0600);
	fd[0] = cl_connect(e.path);
	r = xchg(&e, fd[0], "persistent\n");
	CHECK(!strcmp(r, "OK persistent\n"));
	free(r);
	for (int i = 1; i < 32; i++) {
		fd[i] = cl_connect(e.path);
		test_loop_run_once(e.l, 0);
	}
	for (int i = 0; i < 5; i++)
		test_loop_run_once(e.l, 1);
	/* a fresh crowd is not evicted: the 33rd is refused */
	extra = cl_connect(e.path);
	for (int i = 0; i < 5; i++)
		test_loop_run_once(e.l, 1);
	CHECK(recv(extra, buf, sizeof(buf), 0) == 21 && !memcmp(buf, "ERR too many clients\n", 21));
	close(extra);
	CHECK_EQ(vrrp_ha_counter(e.h, "ctl_refused"), 1);

	/* two seconds later they are idle: the newcomer gets a slot */
	test_loop_advance_ms(e.l, 2000);
	extra = cl_connect(e.path);
	r = xchg(&e, extra, "state\n");
	CHECK_CONTAINS(r, "instance VI_1\n");
	free(r);
	CHECK_EQ(vrrp_ha_counter(e.h, "ctl_evicted"), 1);
	for (int i = 1; i < 32; i++) {
		ssize_t n = recv(fd[i], buf, sizeof(buf) - 1, MSG_DONTWAIT);

		if (n > 0) {
			buf[n] = 0;
			CHECK(gone < 0);
			gone = i;
			CHECK(!strcmp(buf, "ERR closed: idle, connection limit reached\n"));
		}
	}
	CHECK(gone > 0);
	r = xchg(&e, fd[0], "state\n"); /* the persistent one is still served */
	CHECK_CONTAINS(r, "instance VI_1\n");
	free(r);

	/* past control_idle_timeout (300 s) every idle client goes when the
	 * next one connects; the persistent one stays */
	test_loop_advance_ms(e.l, 301000);
	{
		size_t before = test_loop_nwatched(e.l);

		close(extra);
		/* until the server saw it go (bounded) */
		for (int i = 0; i < 2000 && test_loop_nwatched(e.l) >= before; i++)
			test_loop_run_once(e.l, 1);
	}
	extra = cl_connect(e.path);
	r = xchg(&e, extra, "state\n");
	CHECK_CONTAINS(r, "instance VI_1\n");
	free(r);
	CHECK_EQ(vrrp_ha_counter(e.h, "ctl_idle_closed"), 30);
	r = xchg(&e, fd[0], "state\n");
	CHECK_CONTAINS(r, "instance VI_1\n");
	free(r);
	CHECK_EQ(vrrp_ha_counter(e.h, "ctl_accepted"), 34);
	close(extra);
	for (int i = 0; i < 32; i++)
		close(fd[i]);
	env_fini(&e);
}

static void run_test(const char *name, void (*fn)(void))
{
	double t0 = now_s();
	int before = failures;

	fn();
	fprintf(stderr, "%s: %s (%.2f s)\n", name, failures == before ? "ok" : "FAILED",
	        now_s() - t0);
}

/* PMIPv6 proxy bindings: pmip add / del, import of pmip lines, show pmip,
 * state, and a clear ERR for every bad field. */
static void test_pmip(void)
{
	struct env e;
	char *r;

	env_init(&e, 255);
	e.c = vrrp_ha_ctl_open(e.h, test_loop_ops(), e.l, e.path, 0600);
	CHECK(status_is(cmd(&e, "pmip add mn1@lma.example 2001:db8:1::/64 2001:db8:ac::1 600 "
	                        "0x675000000000"),
	                "OK added"));
	CHECK(status_is(cmd(&e, "pmip add mn1@lma.example 2001:db8:1::/64 2001:db8:ac::1 600 "
	                        "0x675000000000"),
	                "OK refreshed"));
	CHECK(status_is(cmd(&e, "pmip add mn1@lma.example 2001:db8:1::/64,2001:db8:2::/56 "
	                        "2001:db8:ac::2 600 0x675000010000 att 4 llid 0x020000000001 lla "
	                        "fe80::1 tunnel 17"),
	                "OK updated"));
	CHECK(status_is(cmd(&e, "pmip add mn1@lma.example 2001:db8:1::/64 2001:db8:ac::2 600 "
	                        "0x675000000000"),
	                "ERR stale timestamp (RFC 5213 5.5: older than the binding held)"));
	CHECK(status_is(cmd(&e, "pmip add 0x016d6e32 2001:db8:3::/64 2001:db8:ac::2 600 1 att 3"),
	                "OK added"));
	CHECK_EQ(vrrp_ha_pmip_count(e.h, true), 2);
	r = cmd(&e, "show bc pmip");
	CHECK_CONTAINS(r, "MNID HNPS PCOA LIFETIME TIMESTAMP ATT TUNNEL LLID LLA\n");
	CHECK_CONTAINS(r, "mn1@lma.example 2001:db8:1::/64,2001:db8:2::/56 2001:db8:ac::2 600 "
	                  "0x0000675000010000 4 17 0x020000000001 fe80::1\n");
	CHECK_CONTAINS(r, "mn2 2001:db8:3::/64 2001:db8:ac::2 ");
	CHECK_CONTAINS(r, "OK 2 proxy bindings\n");
	free(r);
	r = cmd(&e, "show bc json pmip");
	CHECK_CONTAINS(r, "\"pmip\":[");
	CHECK_CONTAINS(r, "{\"mnid\":\"mn1@lma.example\",\"hnps\":[\"2001:db8:1::/64\","
	                  "\"2001:db8:2::/56\"],\"pcoa\":\"2001:db8:ac::2\"");
	CHECK_CONTAINS(r, "\"llid\":\"0x020000000001\",\"lla\":\"fe80::1\"}");
	CHECK(json_ok(r));
	free(r);
	r = cmd(&e, "show pmip");
	CHECK_CONTAINS(r, "OK 0 proxy bindings\n"); /* the RBC holds none */
	free(r);
	r = cmd(&e, "state");
	CHECK_CONTAINS(r, "\nbc_pmip 2\n");
	CHECK_CONTAINS(r, "\nrbc_pmip 0\n");
	free(r);
	r = cmd(&e, "state json");
	CHECK_CONTAINS(r, "\"bc_pmip\":2");
	free(r);

	static const struct {
		const char *line, *want;
	} bad[] = {
	        {"pmip", "ERR usage: pmip"},
	        {"pmip add mn 2001:db8:1::/64 2001:db8:ac::1 600", "ERR expected pmip add <mnid>"},
	        {"pmip add 0x01 2001:db8:1::/64 2001:db8:ac::1 600 1", "ERR bad MN-ID '0x01'"},
	        {"pmip add mn 2001:db8:1:: 2001:db8:ac::1 600 1",
	         "ERR bad HNP length in '2001:db8:1::'"},
	        {"pmip add mn 2001:db8:1::/129 2001:db8:ac::1 600 1", "ERR bad HNP length"},
	        {"pmip add mn 2001:db8:1::/0 2001:db8:ac::1 600 1", "ERR bad HNP length"},
	        {"pmip add mn 2001:db8:zz::/64 2001:db8:ac::1 600 1",
	         "ERR bad HNP '2001:db8:zz::'"},
	        {"pmip add mn 2001:db8:1::/64 fe80::1 600 1", "ERR bad PCoA 'fe80::1': link-local"},
	        {"pmip add mn 2001:db8:1::/64 ff02::1 600 1", "ERR bad PCoA 'ff02::1'"},
	        {"pmip add mn 2001:db8:1::/64 2001:db8:ac::1 0 1", "ERR bad lifetime '0'"},
	        {"pmip add mn 2001:db8:1::/64 2001:db8:ac::1 600 0", "ERR bad timestamp '0'"},
	        {"pmip add mn 2001:db8:1::/64 2001:db8:ac::1 600 x12", "ERR bad timestamp 'x12'"},
	        {"pmip add mn 2001:db8:1::/64 2001:db8:ac::1 600 0x1ffffffffffffffff",
	         "ERR bad timestamp"},
	        {"pmip add mn 2001:db8:1::/64 2001:db8:ac::1 600 -1", "ERR bad timestamp '-1'"},
	        {"pmip add mn 2001:db8:1::/64 2001:db8:ac::1 600 1 att 256", "ERR bad att '256'"},
	        {"pmip add mn 2001:db8:1::/64 2001:db8:ac::1 600 1 att", "ERR bad option 'att'"},
	        {"pmip add mn 2001:db8:1::/64 2001:db8:ac::1 600 1 att 1 att 2",
	         "ERR bad option 'att'"},
	        {"pmip add mn 2001:db8:1::/64 2001:db8:ac::1 600 1 llid 0xzz", "ERR bad llid"},
	        {"pmip add mn 2001:db8:1::/64 2001:db8:ac::1 600 1 lla 2001:db8::1",
	         "ERR bad lla '2001:db8::1': an IPv6 link-local address"},
	        {"pmip add mn 2001:db8:1::/64 2001:db8:ac::1 600 1 color red",
	         "ERR bad option 'color'"},
	        {"pmip del mn tunnel 3", "ERR bad option 'tunnel'"},
	        {"pmip del nobody@lma.example", "ERR not found"},
	        {"pmip frob x", "ERR expected pmip add"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = cmd(&e, "%s", bad[i].line);
		if (!starts_with(status_of(r), bad[i].want))
			fprintf(stderr, "line '%s'\n", bad[i].line);
		CHECK(starts_with(status_of(r), bad[i].want));
		free(r);
	}
	/* MN-ID: an NAI of 254 bytes is the longest (RFC 4283: 255 with the subtype) */
	{
		char line[1024], id[300];

		memset(id, 'a', 255);
		id[255] = 0;
		snprintf(line, sizeof(line), "pmip add %s 2001:db8:9::/64 2001:db8:ac::1 600 1",
		         id);
		r = cmd(&e, "%s", line);
		CHECK(starts_with(status_of(r), "ERR bad MN-ID"));
		free(r);
		id[254] = 0;
		snprintf(line, sizeof(line), "pmip add %s 2001:db8:9::/64 2001:db8:ac::1 600 1",
		         id);
		CHECK(status_is(cmd(&e, "%s", line), "OK added"));
		snprintf(line, sizeof(line), "pmip del %s", id);
		CHECK(status_is(cmd(&e, "%s", line), "OK deleted 1"));
	}
	CHECK_EQ(vrrp_ha_pmip_count(e.h, true), 2);

	/* del: the ATT / LL-ID filters */
	CHECK(status_is(cmd(&e, "pmip del mn1@lma.example att 3"), "ERR not found"));
	CHECK(status_is(cmd(&e, "pmip del mn1@lma.example att 4 llid 0x0200"), "ERR not found"));
	CHECK(status_is(cmd(&e, "pmip del mn1@lma.example att 4 llid 020000000001"),
	                "OK deleted 1"));
	CHECK(status_is(cmd(&e, "pmip del 0x016d6e32"), "OK deleted 1"));
	CHECK_EQ(vrrp_ha_pmip_count(e.h, true), 0);

	/* import takes both kinds of line */
	{
		int fd = cl_connect(e.path);
		static const char body[] =
		        "import\n"
		        "2001:db8:5::1 2001:db8:6::1 10 1 H\n"
		        "pmip add mn3@lma.example 2001:db8:3::/64 2001:db8:ac::1 600 5\n"
		        "pmip add mn4@lma.example 2001:db8:4::/64 2001:db8:ac::1 600 5 att 4\n"
		        "pmip add mn5@lma.example 2001:db8:5::/200 2001:db8:ac::1 600 5\n"
		        "pmip del mn3@lma.example\n"
		        ".\n";

		r = xchg_len(&e, fd, body, sizeof(body) - 1, 1, 10);
		CHECK_CONTAINS(r, "line 4: bad HNP length in '2001:db8:5::/200'");
		CHECK(!strcmp(status_of(r), "OK imported=4 errors=1\n"));
		free(r);
		close(fd);
		CHECK_EQ(vrrp_ha_pmip_count(e.h, true), 1);
		CHECK_EQ(rbc_count(vrrp_ha_get_bc(e.h)), 1);
	}
	env_fini(&e);
}

int main(void)
{
	run_test("open", test_open);
	run_test("add_del_flush", test_add_del_flush);
	run_test("show_stats_state", test_show_stats_state);
	run_test("lines", test_lines);
	run_test("import", test_import);
	run_test("clients", test_clients);
	run_test("idle", test_idle);
	run_test("watch", test_watch);
	run_test("pmip", test_pmip);
	fprintf(stderr, "test_ctl: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
