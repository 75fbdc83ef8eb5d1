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
 *   bc-driver lines -s SOCK -f FILE [-w WINDOW]
 *       Streams FILE's lines (one-line commands: add, del, ...) over one
 *       connection, pipelined with at most WINDOW (default 64) unanswered,
 *       and reads one status line per command. Prints "sent N ok K err E
 *       elapsed_s S" and the first few ERR answers on stderr; exits 0 when
 *       every command was answered (ERRs included: "del" of a HoA already
 *       gone is one), 1 otherwise. For churn with deletes, which "import"
 *       cannot carry.
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

static int do_lines(int argc, char **argv)
{
	const char *sock = NULL, *file = NULL;
	unsigned long window = 64, inflight = 0;
	unsigned long long sent = 0, ok = 0, err = 0;
	int opt;

	while ((opt = getopt(argc, argv, "s:f:w:")) != -1) {
		switch (opt) {
		case 's':
			sock = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		case 'w':
			window = strtoul(optarg, NULL, 10);
			break;
		default:
			return 2;
		}
	}
	if (!sock || !file || !window) {
		fprintf(stderr, "usage: bc-driver lines -s SOCK -f FILE [-w WINDOW]\n");
		return 2;
	}
	FILE *in = fopen(file, "r");
	struct rd *r = calloc(1, sizeof(*r));
	char line[512];
	bool eof = false;

	if (!in) {
		perror(file);
		return 1;
	}
	if (!r)
		return 1;
	r->fd = connect_to(sock, 5);
	if (r->fd < 0)
		return 1;
	uint64_t start = ns_of(CLOCK_MONOTONIC);
	for (;;) {
		while (!eof && inflight < window) {
			size_t n;

			if (!fgets(line, sizeof(line), in)) {
				eof = true;
				break;
			}
			n = strlen(line);
			if (!n || line[0] == '\n' || line[0] == '#')
				continue;
			if (line[n - 1] != '\n') {
				if (n + 1 >= sizeof(line)) {
					fprintf(stderr, "line %llu too long\n", sent + 1);
					return 1;
				}
				line[n++] = '\n';
				line[n] = '\0';
			}
			if (write_all(r->fd, line, n) < 0) {
				perror("write");
				return 1;
			}
			sent++;
			inflight++;
		}
		if (!inflight)
			break;
		char *ans = read_line(r, 10000);

		if (!ans) {
			fprintf(stderr, "no answer (%lu unanswered of %llu sent)\n", inflight, sent);
			break;
		}
		if (!strncmp(ans, "OK", 2)) {
			ok++;
			inflight--;
		} else if (!strncmp(ans, "ERR", 3)) {
			if (++err <= 5)
				fprintf(stderr, "answer: %s\n", ans);
			inflight--;
		}
		/* other lines: data lines of a command; its status follows */
	}
	printf("sent %llu ok %llu err %llu elapsed_s %.3f\n", sent, ok, err,
	       (ns_of(CLOCK_MONOTONIC) - start) / 1e9);
	write_all(r->fd, "quit\n", 5);
	close(r->fd);
	fclose(in);
	return inflight ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "lines"))
		return do_lines(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "rate"))
		return do_rate(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "wait-rbc"))
		return do_wait(argc - 1, argv + 1);
	fprintf(stderr, "usage: bc-driver rate|wait-rbc|lines ...\n");
	return 2;
}
