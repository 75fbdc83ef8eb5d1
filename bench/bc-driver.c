/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bc-driver - benchmark client of the vrrp-ha control socket
 * (docs/operations.md: text lines, each answered by "OK ..." or "ERR ...").
 *
 *   bc-driver rate -s SOCK [-r PER_S] [-d SECONDS] [-o SENDLOG] [-b BASE]
 *       One connection; issues "add HOA COA 3600 SEQ AH" at PER_S a second
 *       (absolute schedule on CLOCK_MONOTONIC, no catch-up bursts beyond one
 *       tick) for SECONDS, waiting for each answer. HoAs are BASE + i
 *       (default 2001:db8:bb::/64 + i), all distinct. SENDLOG gets one line
 *       per change: "hoa t_send_ns rtt_ns" with t_send taken on
 *       CLOCK_REALTIME just before write() (comparable with bc-sniff's kernel
 *       timestamps from any namespace of this host). Summary on stdout.
 *
 *   bc-driver wait-rbc -s SOCK -n COUNT [-t TIMEOUT_S] [-i INTERVAL_MS] [-k rbc|bc]
 *       Connects (retrying until the socket exists) and sends "state" every
 *       INTERVAL_MS (default 5) on one connection until the table holds at
 *       least COUNT entries. Prints "reached_ns T count C polls P" (T on
 *       CLOCK_REALTIME, when the answer was read) and exits 0, or
 *       "timeout count C" and exits 1.
 *
 *   bc-driver wait-same -a SOCK_A [-k bc] -b SOCK_B [-K rbc] [-n MIN] [-z] [-t S] [-i MS]
 *       Polls "state" on both sockets every INTERVAL_MS (default 5), one
 *       connection each, until table K of A (default bc: the master's) and
 *       table K of B (default rbc: the backup's) have the same count and the
 *       same whole-table digest (KEY_digest, docs/sync.md "Digests"), and
 *       at least MIN entries (default 1: two empty tables do not count).
 *       With -z, first waits for A's "backlog 0" and prints
 *       "backlog0_ns T" (the end of the churn as the master sees it).
 *       Prints "same_ns T count C polls P" and exits 0, or "timeout ..."
 *       (last counts and digests of both) and exits 1. T: CLOCK_REALTIME.
 *
 *   bc-driver watch -s SOCK -o LOG [-d SECONDS] [-T TABLE] [-r READYFILE]
 *       "watch" on one connection for SECONDS (default 10); every ADD or
 *       UPDATE of TABLE (default rbc) goes to LOG as "hoa t_ns", t_ns on
 *       CLOCK_REALTIME when the line was read: the time the change is in
 *       that node's table (whatever goes on the wire, auth encrypt too).
 *       READYFILE is created once the server answered "OK watching".
 *
 *   bc-driver lines -s SOCK -f FILE [-w WINDOW]
 *       Sends FILE's lines (control socket commands: add, del, ...) on one
 *       connection, up to WINDOW (default 32) unanswered at a time, and reads
 *       one answer line per command. Prints "sent N ok N err N elapsed_ns T"
 *       and "end_ns T" (CLOCK_REALTIME, the last answer read).
 *
 *   bc-driver wait-log -f FILE -p STRING [-t S] [-i MS] [-o OFFSET]
 *       Follows FILE (which may not exist yet) from byte OFFSET (default:
 *       its size at start, i.e. only new lines) every INTERVAL_MS (default
 *       1) until a line containing STRING appears. Prints "found_ns T" and
 *       the line ("line ..."), exits 0; or "timeout" and exits 1.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static uint64_t ns_of(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int connect_to(const char *path, double timeout_s)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	uint64_t end = ns_of(CLOCK_MONOTONIC) + (uint64_t)(timeout_s * 1e9);

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "socket path too long\n");
		return -1;
	}
	strcpy(sa.sun_path, path);
	for (;;) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		close(fd);
		if (ns_of(CLOCK_MONOTONIC) >= end) {
			fprintf(stderr, "connect %s: %s\n", path, strerror(errno));
			return -1;
		}
		usleep(2000);
	}
}

/* Line reader over a stream socket. */
struct rd {
	int fd;
	char buf[65536];
	size_t off, len;
};

/* Returns: a NUL-terminated line (no LF), or NULL on EOF/error/timeout. */
static char *read_line(struct rd *r, int timeout_ms)
{
	for (;;) {
		char *nl = memchr(r->buf + r->off, '\n', r->len - r->off);
		ssize_t n;

		if (nl) {
			char *line = r->buf + r->off;

			*nl = '\0';
			r->off = (size_t)(nl - r->buf) + 1;
			return line;
		}
		if (r->off) {
			memmove(r->buf, r->buf + r->off, r->len - r->off);
			r->len -= r->off;
			r->off = 0;
		}
		if (r->len == sizeof(r->buf))
			return NULL;
		{
			struct pollfd p = {.fd = r->fd, .events = POLLIN};

			if (poll(&p, 1, timeout_ms) <= 0)
				return NULL;
		}
		n = read(r->fd, r->buf + r->len, sizeof(r->buf) - r->len);
		if (n <= 0)
			return NULL;
		r->len += (size_t)n;
	}
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void add_index(struct in6_addr *a, uint32_t i)
{
	uint32_t lo;

	memcpy(&lo, a->s6_addr + 12, 4);
	lo = htonl(ntohl(lo) + i);
	memcpy(a->s6_addr + 12, &lo, 4);
}

static int do_rate(int argc, char **argv)
{
	const char *sock = NULL, *log = NULL, *base = "2001:db8:bb::";
	double rate = 1000, dur = 10;
	int opt;

	while ((opt = getopt(argc, argv, "s:r:d:o:b:")) != -1) {
		switch (opt) {
		case 's':
			sock = optarg;
			break;
		case 'r':
			rate = atof(optarg);
			break;
		case 'd':
			dur = atof(optarg);
			break;
		case 'o':
			log = optarg;
			break;
		case 'b':
			base = optarg;
			break;
		default:
			return 2;
		}
	}
	if (!sock || rate <= 0 || dur <= 0) {
		fprintf(stderr,
		        "usage: bc-driver rate -s SOCK [-r PER_S] [-d S] [-o LOG] [-b BASE]\n");
		return 2;
	}
	struct in6_addr hbase, cbase;
	if (inet_pton(AF_INET6, base, &hbase) != 1 ||
	    inet_pton(AF_INET6, "2001:db8:cc:ff::", &cbase) != 1) {
		fprintf(stderr, "bad base address\n");
		return 2;
	}
	size_t total = (size_t)(rate * dur);
	uint64_t *rtt = calloc(total ? total : 1, sizeof(*rtt));
	uint64_t *tsend = calloc(total ? total : 1, sizeof(*tsend));
	struct rd *r = calloc(1, sizeof(*r));
	FILE *lf = NULL;
	uint64_t period = (uint64_t)(1e9 / rate), late = 0, ok = 0, err = 0;
	size_t i;

	if (!rtt || !tsend || !r)
		return 1;
	r->fd = connect_to(sock, 5);
	if (r->fd < 0)
		return 1;
	if (log && !(lf = fopen(log, "w"))) {
		perror(log);
		return 1;
	}

	uint64_t start = ns_of(CLOCK_MONOTONIC), rt_start = ns_of(CLOCK_REALTIME);
	for (i = 0; i < total; i++) {
		uint64_t due = start + i * period, now = ns_of(CLOCK_MONOTONIC);
		struct in6_addr h = hbase, c = cbase;
		char hs[INET6_ADDRSTRLEN], cs[INET6_ADDRSTRLEN], line[160];
		char *ans;
		int n;

		if (now < due) {
			struct timespec ts = {.tv_sec = (time_t)(due / 1000000000u),
			                      .tv_nsec = (long)(due % 1000000000u)};

			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		} else if (now - due > period) {
			late++;
		}
		add_index(&h, (uint32_t)i + 1);
		add_index(&c, (uint32_t)i + 1);
		inet_ntop(AF_INET6, &h, hs, sizeof(hs));
		inet_ntop(AF_INET6, &c, cs, sizeof(cs));
		n = snprintf(line, sizeof(line), "add %s %s 3600 %u AH\n", hs, cs,
		             (unsigned)(i % 60000) + 1);
		uint64_t t0 = ns_of(CLOCK_REALTIME), m0 = ns_of(CLOCK_MONOTONIC);

		if (write_all(r->fd, line, (size_t)n) < 0) {
			perror("write");
			break;
		}
		ans = read_line(r, 5000);
		if (!ans) {
			fprintf(stderr, "no answer to change %zu\n", i);
			break;
		}
		rtt[i] = ns_of(CLOCK_MONOTONIC) - m0;
		tsend[i] = t0;
		if (!strncmp(ans, "OK", 2))
			ok++;
		else {
			err++;
			if (err <= 5)
				fprintf(stderr, "answer to change %zu: %s\n", i, ans);
		}
		if (lf)
			fprintf(lf, "%s %llu %llu\n", hs, (unsigned long long)t0,
			        (unsigned long long)rtt[i]);
	}
	uint64_t elapsed = ns_of(CLOCK_MONOTONIC) - start;

	if (lf)
		fclose(lf);
	qsort(rtt, i ? i : 1, sizeof(*rtt), cmp_u64);
	printf("sent %zu\nok %llu\nerr %llu\nlate %llu\nelapsed_s %.3f\nrate_per_s %.1f\n"
	       "start_ns %llu\n",
	       i, (unsigned long long)ok, (unsigned long long)err, (unsigned long long)late,
	       elapsed / 1e9, i / (elapsed / 1e9), (unsigned long long)rt_start);
	if (i)
		printf("ctl_rtt_p50_us %.1f\nctl_rtt_p99_us %.1f\nctl_rtt_max_us %.1f\n",
		       rtt[i / 2] / 1e3, rtt[(size_t)(i * 0.99)] / 1e3, rtt[i - 1] / 1e3);
	write_all(r->fd, "quit\n", 5);
	close(r->fd);
	return err || i < total ? 1 : 0;
}

static int do_wait(int argc, char **argv)
{
	const char *sock = NULL, *key = "rbc";
	unsigned long long want = 0, last = 0, polls = 0;
	double timeout = 30, interval_ms = 5;
	int opt;

	while ((opt = getopt(argc, argv, "s:n:t:i:k:")) != -1) {
		switch (opt) {
		case 's':
			sock = optarg;
			break;
		case 'n':
			want = strtoull(optarg, NULL, 10);
			break;
		case 't':
			timeout = atof(optarg);
			break;
		case 'i':
			interval_ms = atof(optarg);
			break;
		case 'k':
			key = optarg;
			break;
		default:
			return 2;
		}
	}
	if (!sock) {
		fprintf(stderr,
		        "usage: bc-driver wait-rbc -s SOCK -n COUNT [-t S] [-i MS] [-k rbc|bc]\n");
		return 2;
	}
	uint64_t end = ns_of(CLOCK_MONOTONIC) + (uint64_t)(timeout * 1e9);
	struct rd *r = calloc(1, sizeof(*r));

	if (!r)
		return 1;
	r->fd = connect_to(sock, timeout);
	if (r->fd < 0)
		return 1;
	while (ns_of(CLOCK_MONOTONIC) < end) {
		char *l;
		bool got = false;

		if (write_all(r->fd, "state\n", 6) < 0)
			break;
		polls++;
		while ((l = read_line(r, 5000))) {
			size_t kl = strlen(key);

			if (!strncmp(l, key, kl) && l[kl] == ' ') {
				last = strtoull(l + kl + 1, NULL, 10);
				got = true;
			}
			if (!strncmp(l, "OK", 2) || !strncmp(l, "ERR", 3))
				break;
		}
		if (!l)
			break;
		if (got && last >= want) {
			printf("reached_ns %llu count %llu polls %llu\n",
			       (unsigned long long)ns_of(CLOCK_REALTIME), last, polls);
			close(r->fd);
			return 0;
		}
		usleep((useconds_t)(interval_ms * 1000));
	}
	printf("timeout count %llu polls %llu\n", last, polls);
	close(r->fd);
	return 1;
}

/* one "state" poll: KEY's count and KEY_digest (and backlog) */
struct snap {
	unsigned long long count, backlog;
	char digest[40];
	bool got;
};

static int poll_state(struct rd *r, const char *key, struct snap *s)
{
	char dk[64];
	char *l;
	size_t kl = strlen(key);

	snprintf(dk, sizeof(dk), "%s_digest ", key);
	memset(s, 0, sizeof(*s));
	s->backlog = ~0ull;
	if (write_all(r->fd, "state\n", 6) < 0)
		return -1;
	while ((l = read_line(r, 5000))) {
		if (!strncmp(l, key, kl) && l[kl] == ' ') {
			s->count = strtoull(l + kl + 1, NULL, 10);
			s->got = true;
		} else if (!strncmp(l, dk, strlen(dk))) {
			snprintf(s->digest, sizeof(s->digest), "%s", l + strlen(dk));
		} else if (!strncmp(l, "backlog ", 8)) {
			s->backlog = strtoull(l + 8, NULL, 10);
		}
		if (!strncmp(l, "OK", 2) || !strncmp(l, "ERR", 3))
			return 0;
	}
	return -1;
}

static int do_same(int argc, char **argv)
{
	const char *sa = NULL, *sb = NULL, *ka = "bc", *kb = "rbc";
	double timeout = 60, interval_ms = 5;
	bool zero = false;
	unsigned long long polls = 0, min = 1;
	int opt;

	while ((opt = getopt(argc, argv, "a:b:k:K:n:zt:i:")) != -1) {
		switch (opt) {
		case 'n':
			min = strtoull(optarg, NULL, 10);
			break;
		case 'a':
			sa = optarg;
			break;
		case 'b':
			sb = optarg;
			break;
		case 'k':
			ka = optarg;
			break;
		case 'K':
			kb = optarg;
			break;
		case 'z':
			zero = true;
			break;
		case 't':
			timeout = atof(optarg);
			break;
		case 'i':
			interval_ms = atof(optarg);
			break;
		default:
			return 2;
		}
	}
	if (!sa || !sb) {
		fprintf(stderr, "usage: bc-driver wait-same -a SOCK -b SOCK [-k bc] [-K rbc] [-z] "
		                "[-t S] [-i MS]\n");
		return 2;
	}
	uint64_t end = ns_of(CLOCK_MONOTONIC) + (uint64_t)(timeout * 1e9);
	struct rd *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct snap x = {0}, y = {0};

	if (!a || !b)
		return 1;
	a->fd = connect_to(sa, timeout);
	b->fd = connect_to(sb, timeout);
	if (a->fd < 0 || b->fd < 0)
		return 1;
	while (zero && ns_of(CLOCK_MONOTONIC) < end) {
		if (poll_state(a, ka, &x) < 0)
			goto out;
		polls++;
		if (x.backlog == 0) {
			printf("backlog0_ns %llu\n", (unsigned long long)ns_of(CLOCK_REALTIME));
			fflush(stdout);
			zero = false;
			break;
		}
		usleep((useconds_t)(interval_ms * 1000));
	}
	while (!zero && ns_of(CLOCK_MONOTONIC) < end) {
		if (poll_state(a, ka, &x) < 0 || poll_state(b, kb, &y) < 0)
			goto out;
		polls++;
		if (x.got && y.got && x.count == y.count && x.count >= min && x.digest[0] &&
		    !strcmp(x.digest, y.digest)) {
			printf("same_ns %llu count %llu polls %llu\n",
			       (unsigned long long)ns_of(CLOCK_REALTIME), x.count, polls);
			return 0;
		}
		usleep((useconds_t)(interval_ms * 1000));
	}
out:
	printf("timeout a %s %llu %s backlog %llu b %s %llu %s polls %llu\n", ka, x.count,
	       x.digest[0] ? x.digest : "-", x.backlog, kb, y.count, y.digest[0] ? y.digest : "-",
	       polls);
	return 1;
}

static int do_watch(int argc, char **argv)
{
	const char *sock = NULL, *log = NULL, *table = "rbc", *ready = NULL;
	double dur = 10;
	unsigned long long lines = 0, kept = 0;
	int opt;

	while ((opt = getopt(argc, argv, "s:o:d:T:r:")) != -1) {
		switch (opt) {
		case 's':
			sock = optarg;
			break;
		case 'o':
			log = optarg;
			break;
		case 'd':
			dur = atof(optarg);
			break;
		case 'T':
			table = optarg;
			break;
		case 'r':
			ready = optarg;
			break;
		default:
			return 2;
		}
	}
	if (!sock || !log) {
		fprintf(stderr,
		        "usage: bc-driver watch -s SOCK -o LOG [-d S] [-T rbc|bc] [-r FILE]\n");
		return 2;
	}
	FILE *out = fopen(log, "w");
	struct rd *r = calloc(1, sizeof(*r));

	if (!out || !r)
		return 1;
	r->fd = connect_to(sock, 10);
	if (r->fd < 0 || write_all(r->fd, "watch\n", 6) < 0)
		return 1;
	uint64_t end = ns_of(CLOCK_MONOTONIC) + (uint64_t)(dur * 1e9);
	char *l = read_line(r, 5000);

	if (!l || strncmp(l, "OK", 2)) {
		fprintf(stderr, "watch: %s\n", l ? l : "no answer");
		return 1;
	}
	if (ready) {
		FILE *f = fopen(ready, "w");

		if (f)
			fclose(f);
	}
	size_t tl = strlen(table);

	for (;;) {
		uint64_t now = ns_of(CLOCK_MONOTONIC);

		if (now >= end)
			break;
		l = read_line(r, (int)((end - now) / 1000000) + 1);
		if (!l)
			break;
		lines++;
		/* "WORD TABLE HOA ..." */
		char *sp = strchr(l, ' ');

		if (!sp || (strncmp(l, "ADD ", 4) && strncmp(l, "UPDATE ", 7)))
			continue;
		if (strncmp(sp + 1, table, tl) || sp[1 + tl] != ' ')
			continue;
		char *h = sp + 2 + tl, *e = strchr(h, ' ');

		if (e)
			*e = 0;
		fprintf(out, "%s %llu\n", h, (unsigned long long)ns_of(CLOCK_REALTIME));
		kept++;
	}
	fclose(out);
	printf("watch_lines %llu\nwatch_kept %llu\n", lines, kept);
	return 0;
}

static int do_lines(int argc, char **argv)
{
	const char *sock = NULL, *path = NULL;
	unsigned long window = 32, out = 0, sent = 0, ok = 0, err = 0;
	int opt;

	while ((opt = getopt(argc, argv, "s:f:w:")) != -1) {
		switch (opt) {
		case 's':
			sock = optarg;
			break;
		case 'f':
			path = optarg;
			break;
		case 'w':
			window = strtoul(optarg, NULL, 10);
			break;
		default:
			return 2;
		}
	}
	if (!sock || !path || !window) {
		fprintf(stderr, "usage: bc-driver lines -s SOCK -f FILE [-w WINDOW]\n");
		return 2;
	}
	FILE *in = fopen(path, "r");
	struct rd *r = calloc(1, sizeof(*r));
	char line[512];
	bool eof = false;

	if (!in || !r)
		return 1;
	r->fd = connect_to(sock, 10);
	if (r->fd < 0)
		return 1;
	uint64_t t0 = ns_of(CLOCK_MONOTONIC);

	while (!eof || out) {
		while (!eof && out < window) {
			if (!fgets(line, sizeof(line), in)) {
				eof = true;
				break;
			}
			if (write_all(r->fd, line, strlen(line)) < 0)
				return 1;
			out++;
			sent++;
		}
		if (!out)
			break;
		char *l = read_line(r, 10000);

		if (!l) {
			fprintf(stderr, "lines: no answer (%lu outstanding)\n", out);
			return 1;
		}
		if (!strncmp(l, "OK", 2))
			ok++;
		else
			err++;
		out--;
	}
	printf("sent %lu ok %lu err %lu elapsed_ns %llu\nend_ns %llu\n", sent, ok, err,
	       (unsigned long long)(ns_of(CLOCK_MONOTONIC) - t0),
	       (unsigned long long)ns_of(CLOCK_REALTIME));
	write_all(r->fd, "quit\n", 5);
	close(r->fd);
	return 0; /* every command answered; ERRs (a del of a HoA gone) are counted above */
}

static int do_log(int argc, char **argv)
{
	const char *path = NULL, *pat = NULL;
	double timeout = 60, interval_ms = 1;
	long long off = -1;
	int opt;

	while ((opt = getopt(argc, argv, "f:p:t:i:o:")) != -1) {
		switch (opt) {
		case 'f':
			path = optarg;
			break;
		case 'p':
			pat = optarg;
			break;
		case 't':
			timeout = atof(optarg);
			break;
		case 'i':
			interval_ms = atof(optarg);
			break;
		case 'o':
			off = atoll(optarg);
			break;
		default:
			return 2;
		}
	}
	if (!path || !pat) {
		fprintf(stderr,
		        "usage: bc-driver wait-log -f FILE -p STRING [-t S] [-i MS] [-o OFF]\n");
		return 2;
	}
	uint64_t end = ns_of(CLOCK_MONOTONIC) + (uint64_t)(timeout * 1e9);
	static char buf[1 << 16];
	size_t have = 0;
	FILE *f = NULL;

	while (ns_of(CLOCK_MONOTONIC) < end) {
		if (!f) {
			f = fopen(path, "r");
			if (f && off < 0) {
				fseek(f, 0, SEEK_END);
				off = ftell(f);
			} else if (f) {
				fseek(f, off, SEEK_SET);
			} else if (off < 0) {
				off = 0;
			}
		}
		if (f) {
			size_t n;

			clearerr(f);
			while ((n = fread(buf + have, 1, sizeof(buf) - 1 - have, f)) > 0) {
				char *nl, *p = buf;

				have += n;
				buf[have] = 0;
				while ((nl = memchr(p, '\n', have - (size_t)(p - buf)))) {
					*nl = 0;
					if (strstr(p, pat)) {
						printf("found_ns %llu\nline %s\n",
						       (unsigned long long)ns_of(CLOCK_REALTIME),
						       p);
						return 0;
					}
					p = nl + 1;
				}
				have -= (size_t)(p - buf);
				memmove(buf, p, have);
				if (have >= sizeof(buf) - 1)
					have = 0; /* an endless line: drop it */
			}
		}
		usleep((useconds_t)(interval_ms * 1000));
	}
	printf("timeout\n");
	return 1;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "rate"))
		return do_rate(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "wait-rbc"))
		return do_wait(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "wait-same"))
		return do_same(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "watch"))
		return do_watch(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "lines"))
		return do_lines(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "wait-log"))
		return do_log(argc - 1, argv + 1);
	fprintf(stderr, "usage: bc-driver rate|wait-rbc|wait-same|watch|lines|wait-log ...\n");
	return 2;
}
