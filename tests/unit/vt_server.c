/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vt_server - a test double of UMIP mip6d's virtual terminal, written from
 * its documented interface (/work/shared/FIELD-NOTES.md, "Mobility daemons
 * that exist"), for unit.umip. Not mip6d: no tunnels, routes or BAs.
 *
 * usage: vt_server PORT LOGFILE [CMDFILE [PORTFILE]]
 *
 * - TCP on 127.0.0.1:PORT (0: any free port; the port is then written to
 *   PORTFILE, atomically). One client at a time; others wait in the backlog.
 * - Each command line gets one reply ending with a NUL byte. With "prompt"
 *   on (the default) "mip6d> " follows each NUL and greets a new client.
 *   Commands:
 *     prompt yes|no, fancy yes|no        -> empty reply
 *     bc                                 -> the dump, per entry:
 *         hoa H status registered
 *          coa C flags AH-- local L
 *          lifetime REM / TOTAL seq N
 *     bc add hoa A coa C local L flags [A]H[L][K] lifetime S [seq auto|N]
 *            [dad want|never]           -> "bc status=0"
 *     bc del hoa A coa C local L [flags F] [seq auto|N] [dad want|never]
 *                                        -> "bc status=0", or
 *                                           "bc error=2(No such file or directory)"
 *     a malformed bc add/del             -> "bc error=22(Invalid argument)"
 *     anything else                      -> "Unknown command '<word>'"
 *   Every "bc add"/"bc del" line is appended to LOGFILE with its reply:
 *   "<line>\t=> <reply>".
 * - TEST ONLY (real mip6d has none of this): commands from CMDFILE, read
 *   and deleted whenever it exists (checked every 50 ms; write it elsewhere
 *   and rename it into place), or sent on the vt prefixed with "test ":
 *     add HOA COA FLAGS LIFETIME SEQ     an entry as if registered (FLAGS
 *                                        letters or "-"); not logged
 *     del HOA, flush                     remove entries
 *     break HOA                          toggle: the entry's lifetime line
 *                                        is dumped unreadable
 *     garbage TEXT...                    a raw line added to every bc dump
 *                                        (up to 16), before the entries
 *     garbage-clear                      no more garbage lines
 *     junk N                             N bytes of filler in every dump
 *     kick                               disconnect the current client
 *     mute 0|1                           1: read commands, never reply
 * Runs until SIGTERM/SIGINT.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define MAX_ENTRIES 4096
#define MAX_GARBAGE 16
#define LINE_MAX_IN 4096

struct entry {
	struct in6_addr hoa, coa, local;
	unsigned flags; /* 8 A, 4 H, 2 L, 1 K */
	long total;
	long long expires_ms;
	unsigned seq;
	bool broken; /* test: dump its lifetime line unreadable */
};

static struct entry g_bc[MAX_ENTRIES];
static int g_n;
static char *g_garbage[MAX_GARBAGE];
static int g_ngarbage;
static long g_junk;
static bool g_prompt = true, g_mute, g_kick;
static unsigned g_autoseq;
static FILE *g_log;
static volatile sig_atomic_t g_stop;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_signal(int sig)
{
	g_stop = 1;
}

/* growing output buffer of one reply */
struct out {
	char *p;
	size_t n, cap;
};

static void out_add(struct out *o, const char *s, size_t n)
{
	if (o->n + n + 1 > o->cap) {
		o->cap = (o->n + n + 1) * 2;
		o->p = realloc(o->p, o->cap);
		if (!o->p)
			exit(1);
	}
	memcpy(o->p + o->n, s, n);
	o->n += n;
}

static void out_str(struct out *o, const char *s)
{
	out_add(o, s, strlen(s));
}

static int find(const struct in6_addr *hoa)
{
	int i;

	for (i = 0; i < g_n; i++)
		if (!memcmp(&g_bc[i].hoa, hoa, sizeof(*hoa)))
			return i;
	return -1;
}

static void drop(int i)
{
	g_bc[i] = g_bc[--g_n];
}

static void expire(void)
{
	long long now = now_ms();
	int i;

	for (i = g_n - 1; i >= 0; i--)
		if (g_bc[i].expires_ms <= now)
			drop(i);
}

/* [A]H[L][K] -> bits, -1 if not of that form ("-" = none, for test add) */
static int flags_vt(const char *s, bool any)
{
	unsigned f = 0;

	if (any && !strcmp(s, "-"))
		return 0;
	if (*s == 'A') {
		f |= 8;
		s++;
	}
	if (*s == 'H') {
		f |= 4;
		s++;
	} else if (!any) {
		return -1;
	}
	if (*s == 'L') {
		f |= 2;
		s++;
	}
	if (*s == 'K') {
		f |= 1;
		s++;
	}
	return *s ? -1 : (int)f;
}

static void dump(struct out *o)
{
	char h[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN], l[INET6_ADDRSTRLEN], line[512];
	long long now = now_ms();
	long j;
	int i;

	expire();
	for (i = 0; i < g_ngarbage; i++) {
		out_str(o, g_garbage[i]);
		out_str(o, "\n");
	}
	for (j = 0; j < g_junk; j++)
		out_add(o, j % 80 == 79 ? "\n" : "x", 1);
	if (g_junk)
		out_str(o, "\n");
	for (i = 0; i < g_n; i++) {
		struct entry *e = &g_bc[i];

		snprintf(line, sizeof(line),
		         "hoa %s status registered\n coa %s flags %c%c%c%c local %s\n",
		         inet_ntop(AF_INET6, &e->hoa, h, sizeof(h)),
		         inet_ntop(AF_INET6, &e->coa, c, sizeof(c)), e->flags & 8 ? 'A' : '-',
		         e->flags & 4 ? 'H' : '-', e->flags & 2 ? 'L' : '-',
		         e->flags & 1 ? 'K' : '-', inet_ntop(AF_INET6, &e->local, l, sizeof(l)));
		out_str(o, line);
		if (e->broken)
			snprintf(line, sizeof(line), " lifetime ?? / %ld seq\n", e->total);
		else
			snprintf(line, sizeof(line), " lifetime %lld / %ld seq %u\n",
			         (e->expires_ms - now + 999) / 1000, e->total, e->seq);
		out_str(o, line);
	}
}

static bool addr(const char *s, struct in6_addr *a)
{
	return s && inet_pton(AF_INET6, s, a) == 1;
}

static bool num(const char *s, long lo, long hi, long *v)
{
	char *e;

	if (!s || !*s)
		return false;
	errno = 0;
	*v = strtol(s, &e, 10);
	return !errno && !*e && *v >= lo && *v <= hi;
}

/* "bc add ..." / "bc del ...": words after "bc". */
static void bc_change(char **w, int n, bool add, struct out *o)
{
	struct entry e = {0};
	bool have_hoa = false, have_coa = false, have_local = false, have_flags = false;
	bool have_life = false;
	long v;
	int i, f, k;

	for (i = 1; i < n; i += 2) {
		const char *key = w[i], *val = i + 1 < n ? w[i + 1] : NULL;

		if (!val)
			goto inval;
		if (!strcmp(key, "hoa") && addr(val, &e.hoa)) {
			have_hoa = true;
		} else if (!strcmp(key, "coa") && addr(val, &e.coa)) {
			have_coa = true;
		} else if (!strcmp(key, "local") && addr(val, &e.local)) {
			have_local = true;
		} else if (!strcmp(key, "flags") && (f = flags_vt(val, false)) >= 0) {
			e.flags = (unsigned)f;
			have_flags = true;
		} else if (add && !strcmp(key, "lifetime") && num(val, 1, 262140, &v)) {
			e.total = v;
			have_life = true;
		} else if (!strcmp(key, "seq") && !strcmp(val, "auto")) {
			e.seq = g_autoseq++ & 0xffff;
		} else if (!strcmp(key, "seq") && num(val, 0, 65535, &v)) {
			e.seq = (unsigned)v;
		} else if (!strcmp(key, "dad") && (!strcmp(val, "want") || !strcmp(val, "never"))) {
			;
		} else {
			goto inval;
		}
	}
	if (!have_hoa || !have_coa || !have_local || (add && (!have_flags || !have_life)))
		goto inval;
	k = find(&e.hoa);
	if (!add) {
		if (k < 0 || memcmp(&g_bc[k].coa, &e.coa, sizeof(e.coa))) {
			out_str(o, "bc error=2(No such file or directory)\n");
			return;
		}
		drop(k);
		out_str(o, "bc status=0\n");
		return;
	}
	if (k < 0) {
		if (g_n == MAX_ENTRIES) {
			out_str(o, "bc error=12(Cannot allocate memory)\n");
			return;
		}
		k = g_n++;
	}
	e.expires_ms = now_ms() + e.total * 1000;
	g_bc[k] = e;
	out_str(o, "bc status=0\n");
	return;
inval:
	out_str(o, "bc error=22(Invalid argument)\n");
}

/* test-only commands (words after "test", or a CMDFILE line) */
static void test_cmd(char **w, int n, char *rest)
{
	struct entry e = {0};
	long life, seq;
	int f, k;

	if (n >= 6 && !strcmp(w[0], "add") && addr(w[1], &e.hoa) && addr(w[2], &e.coa) &&
	    (f = flags_vt(w[3], true)) >= 0 && num(w[4], 1, 262140, &life) &&
	    num(w[5], 0, 65535, &seq)) {
		e.flags = (unsigned)f;
		e.total = life;
		e.seq = (unsigned)seq;
		inet_pton(AF_INET6, "2001:db8:1::100", &e.local);
		e.expires_ms = now_ms() + life * 1000;
		k = find(&e.hoa);
		if (k < 0 && g_n < MAX_ENTRIES)
			k = g_n++;
		if (k >= 0)
			g_bc[k] = e;
	} else if (n >= 2 && !strcmp(w[0], "del") && addr(w[1], &e.hoa)) {
		if ((k = find(&e.hoa)) >= 0)
			drop(k);
	} else if (n >= 2 && !strcmp(w[0], "break") && addr(w[1], &e.hoa)) {
		if ((k = find(&e.hoa)) >= 0)
			g_bc[k].broken = !g_bc[k].broken;
	} else if (n == 1 && !strcmp(w[0], "flush")) {
		g_n = 0;
	} else if (n >= 1 && !strcmp(w[0], "garbage") && g_ngarbage < MAX_GARBAGE) {
		g_garbage[g_ngarbage++] = strdup(rest ? rest : "");
	} else if (n == 1 && !strcmp(w[0], "garbage-clear")) {
		while (g_ngarbage)
			free(g_garbage[--g_ngarbage]);
	} else if (n == 2 && !strcmp(w[0], "junk") && num(w[1], 0, 1L << 30, &life)) {
		g_junk = life;
	} else if (n == 1 && !strcmp(w[0], "kick")) {
		g_kick = true;
	} else if (n == 2 && !strcmp(w[0], "mute")) {
		g_mute = !strcmp(w[1], "1");
	} else {
		fprintf(stderr, "vt_server: bad test command '%s'\n", n ? w[0] : "");
	}
}

static int split(char *line, char **w, int max, char **rest_after_first)
{
	int n = 0;
	char *p = line;

	*rest_after_first = NULL;
	while (n < max) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (n == 1)
			*rest_after_first = p;
		w[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = 0;
	}
	return n;
}

static void handle(char *line, struct out *o)
{
	char copy[LINE_MAX_IN + 1], orig[LINE_MAX_IN + 1], *w[32], *rest, *full_rest;
	int n;

	snprintf(orig, sizeof(orig), "%s", line);
	snprintf(copy, sizeof(copy), "%s", line);
	n = split(copy, w, 32, &rest);
	if (n == 0)
		return;
	if (!strcmp(w[0], "prompt") || !strcmp(w[0], "fancy")) {
		if (!strcmp(w[0], "prompt"))
			g_prompt = n < 2 || strcmp(w[1], "no");
	} else if (!strcmp(w[0], "bc") && n == 1) {
		dump(o);
	} else if (!strcmp(w[0], "bc") && (!strcmp(w[1], "add") || !strcmp(w[1], "del"))) {
		bc_change(w + 1, n - 1, !strcmp(w[1], "add"), o);
		fprintf(g_log, "%s\t=> %.*s\n", orig, (int)(o->n ? o->n - 1 : 0), o->p);
		fflush(g_log);
	} else if (!strcmp(w[0], "test") && n >= 2) {
		/* the text after "test garbage " verbatim */
		full_rest = strstr(orig, w[1]);
		full_rest = full_rest ? full_rest + strlen(w[1]) : NULL;
		while (full_rest && (*full_rest == ' ' || *full_rest == '\t'))
			full_rest++;
		test_cmd(w + 1, n - 1, full_rest);
	} else {
		char msg[128];

		snprintf(msg, sizeof(msg), "Unknown command '%.60s'\n", w[0]);
		out_str(o, msg);
	}
}

static void read_cmdfile(const char *path)
{
	char line[LINE_MAX_IN + 2], *w[32], *rest;
	FILE *f;
	int n;

	if (!path || !(f = fopen(path, "r")))
		return;
	unlink(path);
	while (fgets(line, sizeof(line), f)) {
		char copy[sizeof(line)];

		line[strcspn(line, "\r\n")] = 0;
		snprintf(copy, sizeof(copy), "%s", line);
		n = split(copy, w, 32, &rest);
		if (n && w[0][0] != '#') {
			if (!strcmp(w[0], "garbage")) {
				char *r = line + strspn(line, " \t") + 7;

				test_cmd(w, n, r + strspn(r, " \t"));
			} else {
				test_cmd(w, n, rest);
			}
		}
	}
	fclose(f);
}

static bool send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);
	const char *cmdfile = argc > 3 ? argv[3] : NULL;
	struct sigaction sig;
	char inbuf[LINE_MAX_IN * 2];
	size_t inlen = 0;
	int lfd, cfd = -1, one = 1;
	long port;

	if (argc < 3 || argc > 5 || !num(argv[1], 0, 65535, &port)) {
		fprintf(stderr, "usage: %s PORT LOGFILE [CMDFILE [PORTFILE]]\n", argv[0]);
		return 2;
	}
	memset(&sig, 0, sizeof(sig));
	sig.sa_handler = on_signal;
	sigaction(SIGTERM, &sig, NULL);
	sigaction(SIGINT, &sig, NULL);
	signal(SIGPIPE, SIG_IGN);
	g_log = fopen(argv[2], "a");
	if (!g_log)
		return 1;
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 4) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0) {
		perror("vt_server: listen");
		return 1;
	}
	if (argc > 4) {
		char tmp[4096];
		FILE *pf;

		snprintf(tmp, sizeof(tmp), "%s.tmp", argv[4]);
		pf = fopen(tmp, "w");
		if (!pf)
			return 1;
		fprintf(pf, "%u\n", ntohs(sa.sin_port));
		fclose(pf);
		rename(tmp, argv[4]);
	}
	while (!g_stop) {
		struct pollfd p = {.fd = cfd >= 0 ? cfd : lfd, .events = POLLIN};

		read_cmdfile(cmdfile);
		if (g_kick && cfd >= 0) {
			close(cfd);
			cfd = -1;
		}
		g_kick = false;
		if (poll(&p, 1, 50) <= 0)
			continue;
		if (cfd < 0) {
			cfd = accept(lfd, NULL, NULL);
			inlen = 0;
			g_prompt = true;
			if (cfd >= 0 && !send_all(cfd, "mip6d> ", 7)) {
				close(cfd);
				cfd = -1;
			}
			continue;
		}
		{
			ssize_t r = recv(cfd, inbuf + inlen, sizeof(inbuf) - inlen - 1, 0);
			char *s, *nl;

			if (r <= 0) {
				close(cfd);
				cfd = -1;
				continue;
			}
			inlen += (size_t)r;
			inbuf[inlen] = 0;
			s = inbuf;
			while (cfd >= 0 && (nl = memchr(s, '\n', inlen - (size_t)(s - inbuf)))) {
				struct out o = {0};

				*nl = 0;
				if (nl > s && nl[-1] == '\r')
					nl[-1] = 0;
				if (strlen(s) <= LINE_MAX_IN)
					handle(s, &o);
				out_add(&o, "", 1); /* the NUL */
				if (g_prompt)
					out_str(&o, "mip6d> ");
				if (!g_mute && !send_all(cfd, o.p, o.n)) {
					close(cfd);
					cfd = -1;
				}
				free(o.p);
				s = nl + 1;
			}
			inlen -= (size_t)(s - inbuf);
			memmove(inbuf, s, inlen);
			if (inlen >= sizeof(inbuf) - 1)
				inlen = 0; /* an over-long line: dropped */
		}
	}
	if (cfd >= 0)
		close(cfd);
	close(lfd);
	fclose(g_log);
	while (g_ngarbage)
		free(g_garbage[--g_ngarbage]);
	return 0;
}
