/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp-ha-ctl - client of the vrrp-ha control socket (docs/operations.md,
 * "Control socket and vrrp-ha-ctl"; man page docs/vrrp-ha-ctl.8).
 *
 * Sends one command, prints the data lines of the answer on stdout and the
 * text of an ERR status on stderr. "import" streams a file of any size: the
 * socket is written and read in the same poll() loop, so neither side can
 * block the other, and the file is read in fixed-size chunks.
 *
 * Exit status: 0 OK (and --help, --version), 1 ERR, 2 usage, connection or
 * I/O error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#define EXIT_ERR            1
#define EXIT_RESYNC_TIMEOUT 3 /* resync: the master did not answer every key */
#define EXIT_RESYNC_REFUSED 4 /* resync: not asked (not a backup, extensions off, ...) */
#define EXIT_USAGE          2

#ifndef VRRP_HA_VERSION /* set by CMake from project() */
#define VRRP_HA_VERSION "unknown"
#endif

#define CHUNK             (64 * 1024) /* bytes read from the import file at once */
#define SEND_CAP          (4 * CHUNK) /* send buffer */
#define LINE_MAX_SEND     1024        /* the server's line limit */
#define DEFAULT_TIMEOUT_S 30

/* Where a file line stands, to keep a line "." of the file from ending the
 * import early: such a line is sent as "# ." (a comment, same line number). */
enum line_state {
	LS_BOL,   /* at the start of a line */
	LS_DOT,   /* the line so far is "." (held back) */
	LS_DOTCR, /* the line so far is ".\r" (held back) */
	LS_MID,   /* inside a line that is not "." */
};

struct cli {
	const char *path;
	const char *prog;
	int fd;
	int timeout_ms; /* without progress; -1 = forever */
	bool raw;       /* print the status line too */
	bool ok_text;   /* print the text after OK on stdout */
	bool resync;    /* "resync": ERR timeout / refused have exit statuses of their own */

	char *sbuf;
	size_t soff, slen;
	bool send_dead; /* the server stopped reading */

	int in_fd; /* import source, -1 if none */
	const char *in_name;
	bool in_eof;
	enum line_state ls;

	char *rbuf;
	size_t rlen, rcap;
	int status; /* -1 until the status line arrived, then the exit code */

	bool sw;         /* switchover / switchback: the status picks the exit code */
	bool watch;      /* "watch": after OK, print event lines until EOF */
	bool watching;   /* the OK came */
	long watch_left; /* events still to print; -1 = until EOF */
};

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
	        "usage: %s [-s SOCKET] [-t TIMEOUT_S] COMMAND [ARGS]\n"
	        "       %s -h|--help|-V|--version\n"
	        "\n"
	        "  -s SOCKET   control socket of the instance (default: $VRRP_HA_SOCKET)\n"
	        "  -t SECONDS  give up after this long without progress (default %d, 0 = never)\n"
	        "  -h, --help  this text;  -V, --version  the version\n"
	        "\n"
	        "commands:\n"
	        "  add HOA COA LIFETIME_S SEQ [FLAGS]  add or update a binding (FLAGS: AHLKMRP\n"
	        "                                      letters or 0xNNNN; default H)\n"
	        "  del HOA                             delete a binding\n"
	        "  flush                               delete every binding\n"
	        "  show [--bc] [--json] [--pmip]       list the RBC (or the daemon's BC copy;\n"
	        "                                      --pmip: its PMIPv6 proxy bindings)\n"
	        "  pmip add MNID HNP/LEN[,HNP/LEN...] PCOA LIFETIME_S TIMESTAMP [att N]\n"
	        "       [llid HEX] [lla ADDR] [tunnel ID]\n"
	        "                                      add or update a PMIPv6 proxy binding\n"
	        "  pmip del MNID [att N] [llid HEX]    delete an MN's proxy bindings\n"
	        "  stats [--json]                      counters\n"
	        "  state [--json]                      instance state, table sizes, hold, peers\n"
	        "  hold [PRIO]                         hold the VRRP priority at PRIO (1..254,\n"
	        "                                      default 1): a backup takes over\n"
	        "  release                             end the hold of 'hold' (and of a switch)\n"
	        "  switchover                          standby: ask the active HA to hand over\n"
	        "                                      to this node, wait for the result\n"
	        "  switchback [PEER]                   active HA: hand over to PEER (link-local;\n"
	        "                                      default: the best in-sync standby)\n"
	        "  takeover-mag PCOA                   standby LMA: take the proxy bindings of "
	        "one\n"
	        "                                      MAG (its LMA daemon got a PBU with an LMA\n"
	        "                                      Failure Indication), wait for the result\n"
	        "  switch-back-mag PCOA                end a per-MAG takeover (taker or giver)\n"
	        "  watch [--json] [--all] [--count N]  print events as they happen (--all: with\n"
	        "                                      REFRESH; ends after N events or at EOF)\n"
	        "  import FILE|-                       add bindings from a file, one a line:\n"
	        "                                      HOA COA LIFETIME_S SEQ [FLAGS], or\n"
	        "                                      pmip add|del ... (as the command)\n"
	        "  attach HOA aaa|vendor CODE HEX|-    set (or - remove) AAA / vendor state of a\n"
	        "                                      binding (aaa CODE: AVP code; vendor CODE:\n"
	        "                                      ENTERPRISE:SUBTYPE)\n"
	        "  resync HOA [HOA...]                 ask the master for these bindings (up to "
	        "7)\n"
	        "                                      and print what arrived: present / none\n"
	        "  help                                the server's command list\n"
	        "  raw LINE...                         send one protocol line as is\n"
	        "\n"
	        "exit status: 0 OK, 1 the server answered ERR, 2 usage, connection or I/O error;\n"
	        "  switchover/switchback, takeover-mag/switch-back-mag: 3 not active / already\n"
	        "  active / not serving that MAG (128), 4 prohibited\n"
	        "  (129), 5 not in sync (130), 6 busy (131), 7 timeout, 8 no standby answered\n"
	        "             resync: 3 not every HoA answered in time, 4 refused\n",
	        prog, prog, DEFAULT_TIMEOUT_S);
}

/* End of --help or --version: the text must have reached stdout. */
static int info_done(const char *prog)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: writing output: %s\n", prog, strerror(errno));
		return EXIT_USAGE;
	}
	return 0;
}

static int now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Append to the send buffer (the caller made room). */
static void put(struct cli *c, const char *s, size_t n)
{
	memcpy(c->sbuf + c->slen, s, n);
	c->slen += n;
}

/* Copy an import chunk to the send buffer, rewriting "." lines (see
 * enum line_state). Writes at most 2n + 4 bytes. */
static void import_feed(struct cli *c, const char *p, size_t n)
{
	const char *end = p + n;

	while (p < end) {
		if (c->ls == LS_MID) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t k = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);

			put(c, p, k);
			p += k;
			if (nl)
				c->ls = LS_BOL;
			continue;
		}
		switch (c->ls) {
		case LS_BOL:
			if (*p == '.') {
				c->ls = LS_DOT;
			} else {
				put(c, p, 1);
				if (*p != '\n')
					c->ls = LS_MID;
			}
			break;
		case LS_DOT:
			if (*p == '\n') {
				put(c, "# .\n", 4);
				c->ls = LS_BOL;
			} else if (*p == '\r') {
				c->ls = LS_DOTCR;
			} else {
				put(c, ".", 1);
				put(c, p, 1);
				c->ls = LS_MID;
			}
			break;
		case LS_DOTCR:
			if (*p == '\n') {
				/* ".\r\n" is the terminator to the server too */
				put(c, "# .\n", 4);
				c->ls = LS_BOL;
			} else {
				put(c, ".\r", 2);
				put(c, p, 1);
				c->ls = LS_MID;
			}
			break;
		case LS_MID:
			break;
		}
		p++;
	}
}

/* End of the import file: close the last line, then the terminator. */
static void import_end(struct cli *c)
{
	if (c->ls == LS_DOT || c->ls == LS_DOTCR)
		put(c, "# .\n", 4);
	else if (c->ls == LS_MID)
		put(c, "\n", 1);
	put(c, ".\n", 2);
}

/* Read the next chunk of the import file if there is room. Returns: 0 or -1. */
static int import_refill(struct cli *c)
{
	char buf[CHUNK];
	ssize_t n;

	if (c->in_fd < 0 || c->in_eof)
		return 0;
	if (c->soff) {
		memmove(c->sbuf, c->sbuf + c->soff, c->slen - c->soff);
		c->slen -= c->soff;
		c->soff = 0;
	}
	if (SEND_CAP - c->slen < 2 * CHUNK + 8)
		return 0;
	do
		n = read(c->in_fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		fprintf(stderr, "%s: reading %s: %s\n", c->prog, c->in_name, strerror(errno));
		return -1;
	}
	if (n == 0) {
		c->in_eof = true;
		import_end(c);
		return 0;
	}
	import_feed(c, buf, (size_t)n);
	return 0;
}

static bool import_wants_input(const struct cli *c)
{
	return c->in_fd >= 0 && !c->in_eof && !c->send_dead &&
	       SEND_CAP - (c->slen - c->soff) >= 2 * CHUNK + 8;
}

/* resync's exit status for its ERR line: 3 no (full) answer in time, 4
 * refused (not a backup, extensions off, no master, busy), else 1. */
static int resync_status(const char *line)
{
	if (!strncmp(line, "ERR timeout", 11))
		return EXIT_RESYNC_TIMEOUT;
	if (!strncmp(line, "ERR refused", 11))
		return EXIT_RESYNC_REFUSED;
	return EXIT_ERR;
}

/* One line of the answer (NUL-terminated, LF removed). */
/* switchover / switchback: "ERR <status> <name>: ..." (docs/vrrp-ha-ctl.8). */
static int switch_exit(const char *rest)
{
	static const struct {
		unsigned status;
		int code;
	} map[] = {{128, 3}, {129, 4}, {130, 5}, {131, 6}, {1000, 7}, {1001, 8}};
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(rest, &end, 10);
	if (errno || end == rest || *end != ' ')
		return EXIT_ERR; /* refused before anything was sent */
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].status == v)
			return map[i].code;
	return EXIT_ERR;
}

static void answer_line(struct cli *c, char *line)
{
	bool ok = !strcmp(line, "OK") || !strncmp(line, "OK ", 3);
	bool err = !strcmp(line, "ERR") || !strncmp(line, "ERR ", 4);

	if (c->watching) {
		/* every line is an event (or a DROPPED report) */
		fputs(line, stdout);
		fputc('\n', stdout);
		fflush(stdout);
		if (c->watch_left > 0 && --c->watch_left == 0)
			c->status = 0;
		return;
	}
	if (c->watch && ok) {
		c->watching = true;
		c->timeout_ms = -1; /* events come when they come */
		if (c->watch_left == 0)
			c->status = 0;
		return;
	}

	if (!ok && !err) {
		fputs(line, stdout);
		fputc('\n', stdout);
		return;
	}
	c->status = ok ? 0 : EXIT_ERR;
	if (c->sw && err)
		c->status = switch_exit(line + 3);
	if (err && c->resync)
		c->status = resync_status(line);
	if (c->raw) {
		fputs(line, stdout);
		fputc('\n', stdout);
	} else if (ok && line[2] && c->ok_text) {
		fputs(line + 3, stdout);
		fputc('\n', stdout);
	} else if (err) {
		fprintf(stderr, "%s\n", line[3] ? line + 4 : "error");
	}
}

/* Read what the socket has. Returns: 0, or -1 (message printed). */
static int receive(struct cli *c)
{
	ssize_t n;
	size_t start = 0;

	if (c->rcap - c->rlen < CHUNK) {
		size_t cap = c->rcap * 2;
		char *p = realloc(c->rbuf, cap);

		if (!p) {
			fprintf(stderr, "%s: out of memory\n", c->prog);
			return -1;
		}
		c->rbuf = p;
		c->rcap = cap;
	}
	do
		n = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		fprintf(stderr, "%s: reading from %s: %s\n", c->prog, c->path, strerror(errno));
		return -1;
	}
	if (n == 0) {
		if (c->watching) {
			c->status = 0; /* the instance went away: the stream ends */
			return 0;
		}
		fprintf(stderr, "%s: %s closed the connection before answering\n", c->prog,
		        c->path);
		return -1;
	}
	c->rlen += (size_t)n;
	while (c->status < 0) {
		char *nl = memchr(c->rbuf + start, '\n', c->rlen - start);

		if (!nl)
			break;
		*nl = '\0';
		answer_line(c, c->rbuf + start);
		start = (size_t)(nl - c->rbuf) + 1;
	}
	memmove(c->rbuf, c->rbuf + start, c->rlen - start);
	c->rlen -= start;
	return 0;
}

/* Write what the socket takes. Returns: 0, or -1 (message printed). */
static int transmit(struct cli *c)
{
	while (c->soff < c->slen) {
		ssize_t n = send(c->fd, c->sbuf + c->soff, c->slen - c->soff, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EPIPE || errno == ECONNRESET) {
				/* the server may have said why: read it */
				c->send_dead = true;
				c->soff = c->slen = 0;
				return 0;
			}
			fprintf(stderr, "%s: writing to %s: %s\n", c->prog, c->path,
			        strerror(errno));
			return -1;
		}
		c->soff += (size_t)n;
	}
	c->soff = c->slen = 0;
	return 0;
}

static int run(struct cli *c)
{
	int last = now_ms();

	while (c->status < 0) {
		struct pollfd pfd[2];
		nfds_t n = 1;
		int r, wait = -1;

		if (import_wants_input(c) && import_refill(c) < 0)
			return EXIT_USAGE;
		pfd[0].fd = c->fd;
		pfd[0].events = POLLIN | (c->slen > c->soff ? POLLOUT : 0);
		pfd[0].revents = 0;
		if (import_wants_input(c)) {
			pfd[1].fd = c->in_fd;
			pfd[1].events = POLLIN;
			pfd[1].revents = 0;
			n = 2;
		}
		if (c->timeout_ms >= 0) {
			wait = c->timeout_ms - (now_ms() - last);
			if (wait < 0)
				wait = 0;
		}
		r = poll(pfd, n, wait);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: poll: %s\n", c->prog, strerror(errno));
			return EXIT_USAGE;
		}
		if (r == 0) {
			fprintf(stderr, "%s: %s: no answer for %d s\n", c->prog, c->path,
			        c->timeout_ms / 1000);
			return EXIT_USAGE;
		}
		last = now_ms();
		if ((pfd[0].revents & POLLOUT) && transmit(c) < 0)
			return EXIT_USAGE;
		if ((pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) && receive(c) < 0)
			return EXIT_USAGE;
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "%s: writing output: %s\n", c->prog, strerror(errno));
		return EXIT_USAGE;
	}
	return c->status;
}

static int connect_to(struct cli *c)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(c->path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "%s: socket path %s is longer than %zu bytes\n", c->prog, c->path,
		        sizeof(sa.sun_path) - 1);
		return -1;
	}
	memcpy(sa.sun_path, c->path, strlen(c->path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "%s: socket: %s\n", c->prog, strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "%s: cannot connect to %s: %s\n", c->prog, c->path,
		        strerror(errno));
		close(fd);
		return -1;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		fprintf(stderr, "%s: fcntl: %s\n", c->prog, strerror(errno));
		close(fd);
		return -1;
	}
	c->fd = fd;
	return 0;
}

/* Append argv words as one protocol line. Returns: 0, or -1 if a word would
 * break the line (blank or control character inside) or it is too long. */
static int put_words(struct cli *c, const char *cmd, char **w, int n, bool allow_blanks)
{
	size_t len = strlen(cmd);

	for (int i = 0; i < n; i++) {
		if (!*w[i] || strpbrk(w[i], allow_blanks ? "\n\r" : " \t\n\r")) {
			fprintf(stderr, "%s: bad argument '%s'\n", c->prog, w[i]);
			return -1;
		}
		len += 1 + strlen(w[i]);
	}
	if (len > LINE_MAX_SEND) {
		fprintf(stderr, "%s: command longer than %d bytes\n", c->prog, LINE_MAX_SEND);
		return -1;
	}
	put(c, cmd, strlen(cmd));
	for (int i = 0; i < n; i++) {
		put(c, " ", 1);
		put(c, w[i], strlen(w[i]));
	}
	put(c, "\n", 1);
	return 0;
}

/* show/stats/state: the options allowed, mapped to protocol words. */
static int put_view(struct cli *c, const char *cmd, char **w, int n, bool table_opts)
{
	bool json = false, bc = false, pmip = false;

	for (int i = 0; i < n; i++) {
		if (!strcmp(w[i], "--json") || !strcmp(w[i], "json")) {
			json = true;
		} else if (table_opts && (!strcmp(w[i], "--pmip") || !strcmp(w[i], "pmip"))) {
			pmip = true;
		} else if (table_opts && (!strcmp(w[i], "--bc") || !strcmp(w[i], "bc"))) {
			bc = true;
		} else if (table_opts && (!strcmp(w[i], "--rbc") || !strcmp(w[i], "rbc"))) {
			bc = false;
		} else {
			fprintf(stderr, "%s: %s: unknown option '%s'\n", c->prog, cmd, w[i]);
			return -1;
		}
	}
	put(c, cmd, strlen(cmd));
	if (table_opts)
		put(c, bc ? " bc" : " rbc", bc ? 3 : 4);
	if (json)
		put(c, " json", 5);
	if (pmip)
		put(c, " pmip", 5);
	put(c, "\n", 1);
	return 0;
}

/* resync HOA [HOA...] (docs/attachments.md). Returns: 0, -1 (usage). */
static int build_resync(struct cli *c, char **a, int n)
{
	c->ok_text = true;
	c->resync = true;
	if (n < 1 || n > 7) {
		fprintf(stderr, "%s: resync HOA [HOA...] (1 to 7 HoAs)\n", c->prog);
		return -1;
	}
	return put_words(c, "resync", a, n, false);
}

/* attach HOA aaa|vendor CODE HEX|- (docs/attachments.md). Returns: 0, -1 (usage). */
static int build_attach(struct cli *c, char **a, int n)
{
	c->ok_text = true;
	if (n != 4) {
		fprintf(stderr, "%s: attach HOA aaa|vendor CODE HEX|-\n", c->prog);
		return -1;
	}
	if (strcmp(a[1], "aaa") && strcmp(a[1], "vendor")) {
		fprintf(stderr, "%s: attach: the type is aaa or vendor, not '%s'\n", c->prog, a[1]);
		return -1;
	}
	return put_words(c, "attach", a, n, false);
}

/* Build the request from the command line. Returns: 0, or -1 (usage). */
static int build(struct cli *c, char **argv, int argc)
{
	const char *cmd = argv[0];
	char **a = argv + 1;
	int n = argc - 1;

	if (!strcmp(cmd, "add")) {
		c->ok_text = true;
		if (n < 4 || n > 5)
			goto bad_count;
		return put_words(c, "add", a, n, false);
	}
	if (!strcmp(cmd, "del")) {
		c->ok_text = true;
		if (n != 1)
			goto bad_count;
		return put_words(c, "del", a, n, false);
	}
	if (!strcmp(cmd, "hold") || !strcmp(cmd, "release")) {
		c->ok_text = true;
		if (n > (cmd[0] == 'h' ? 1 : 0))
			goto bad_count;
		return put_words(c, cmd, a, n, false);
	}
	if (!strcmp(cmd, "switchover") || !strcmp(cmd, "switchback")) {
		c->ok_text = true;
		c->sw = true;
		if (n > (cmd[6] == 'b' ? 1 : 0))
			goto bad_count;
		return put_words(c, cmd, a, n, false);
	}
	if (!strcmp(cmd, "takeover-mag") || !strcmp(cmd, "switch-back-mag")) {
		/* the same statuses and exit codes as a switch (magsw.h) */
		c->ok_text = true;
		c->sw = true;
		if (n != 1)
			goto bad_count;
		return put_words(c, cmd, a, n, false);
	}
	if (!strcmp(cmd, "flush") || !strcmp(cmd, "help")) {
		c->ok_text = true;
		if (n != 0)
			goto bad_count;
		return put_words(c, cmd, a, 0, false);
	}
	if (!strcmp(cmd, "show"))
		return put_view(c, "show", a, n, true);
	if (!strcmp(cmd, "attach"))
		return build_attach(c, a, n);
	if (!strcmp(cmd, "pmip")) {
		/* docs/pmipv6.md: the server checks every field */
		c->ok_text = true;
		if (n < 2 || n > 14 || (strcmp(a[0], "add") && strcmp(a[0], "del"))) {
			fprintf(stderr, "%s: pmip add|del MNID ... (see --help)\n", c->prog);
			return -1;
		}
		return put_words(c, "pmip", a, n, false);
	}
	if (!strcmp(cmd, "resync"))
		return build_resync(c, a, n);
	if (!strcmp(cmd, "stats") || !strcmp(cmd, "state"))
		return put_view(c, cmd, a, n, false);
	if (!strcmp(cmd, "watch")) {
		bool json = false, all = false;
		char *end;

		c->watch = true;
		c->watch_left = -1;
		for (int i = 0; i < n; i++) {
			if (!strcmp(a[i], "--json") || !strcmp(a[i], "json")) {
				json = true;
			} else if (!strcmp(a[i], "--all") || !strcmp(a[i], "all")) {
				all = true;
			} else if (!strcmp(a[i], "--count") && i + 1 < n) {
				errno = 0;
				c->watch_left = strtol(a[++i], &end, 10);
				if (errno || *end || c->watch_left < 0) {
					fprintf(stderr, "%s: watch: --count N, N >= 0\n", c->prog);
					return -1;
				}
			} else {
				fprintf(stderr, "%s: watch: unknown option '%s'\n", c->prog, a[i]);
				return -1;
			}
		}
		put(c, "watch", 5);
		if (json)
			put(c, " json", 5);
		if (all)
			put(c, " all", 4);
		put(c, "\n", 1);
		return 0;
	}
	if (!strcmp(cmd, "import")) {
		c->ok_text = true;
		if (n != 1)
			goto bad_count;
		if (!strcmp(a[0], "-")) {
			c->in_fd = STDIN_FILENO;
			c->in_name = "standard input";
		} else {
			c->in_fd = open(a[0], O_RDONLY | O_CLOEXEC);
			c->in_name = a[0];
			if (c->in_fd < 0) {
				fprintf(stderr, "%s: cannot open %s: %s\n", c->prog, a[0],
				        strerror(errno));
				return -1;
			}
		}
		put(c, "import\n", 7);
		return 0;
	}
	if (!strcmp(cmd, "raw")) {
		c->raw = true;
		if (n < 1)
			goto bad_count;
		return put_words(c, a[0], a + 1, n - 1, true);
	}
	fprintf(stderr, "%s: unknown command '%s' (try -h)\n", c->prog, cmd);
	return -1;
bad_count:
	fprintf(stderr, "%s: %s: wrong number of arguments (try -h)\n", c->prog, cmd);
	return -1;
}

int main(int argc, char **argv)
{
	/* "+": options end at the command, whose own options (show --json) follow */
	static const struct option lopts[] = {{"help", no_argument, NULL, 'h'},
	                                      {"version", no_argument, NULL, 'V'},
	                                      {NULL, 0, NULL, 0}};
	struct cli c = {.fd = -1, .in_fd = -1, .status = -1, .ls = LS_BOL};
	int opt, rc;
	long t = DEFAULT_TIMEOUT_S;
	char *end;

	c.prog = "vrrp-ha-ctl";
	c.path = getenv("VRRP_HA_SOCKET");
	while ((opt = getopt_long(argc, argv, "+s:t:hV", lopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			c.path = optarg;
			break;
		case 't':
			errno = 0;
			t = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || t < 0 || t > 86400) {
				fprintf(stderr, "%s: -t: seconds, 0..86400\n", c.prog);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout, c.prog);
			return info_done(c.prog);
		case 'V':
			printf("%s %s\n", c.prog, VRRP_HA_VERSION);
			return info_done(c.prog);
		default: /* getopt said what was wrong */
			usage(stderr, c.prog);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr, c.prog);
		return EXIT_USAGE;
	}
	if (!c.path || !*c.path) {
		fprintf(stderr, "%s: no socket: use -s SOCKET or set VRRP_HA_SOCKET\n", c.prog);
		return EXIT_USAGE;
	}
	c.timeout_ms = t ? (int)(t * 1000) : -1;
	c.sbuf = malloc(SEND_CAP);
	c.rcap = 2 * CHUNK;
	c.rbuf = malloc(c.rcap);
	if (!c.sbuf || !c.rbuf) {
		fprintf(stderr, "%s: out of memory\n", c.prog);
		return EXIT_USAGE;
	}
	if (build(&c, argv + optind, argc - optind) < 0) {
		rc = EXIT_USAGE;
		goto out;
	}
	if (connect_to(&c) < 0) {
		rc = EXIT_USAGE;
		goto out;
	}
	rc = run(&c);
out:
	if (c.fd >= 0)
		close(c.fd);
	if (c.in_fd > STDIN_FILENO)
		close(c.in_fd);
	free(c.sbuf);
	free(c.rbuf);
	return rc;
}
