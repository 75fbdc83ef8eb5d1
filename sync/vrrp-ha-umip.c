/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp-ha-umip - adapter between UMIP's mip6d and a vrrp-ha instance
 * (docs/operations.md, "UMIP adapter (vrrp-ha-umip)"; man page
 * docs/vrrp-ha-umip.8). Written from the documented interfaces only.
 *
 * (a) mip6d -> vrrp-ha: every POLL_MS the binding cache is dumped with "bc"
 *     on mip6d's virtual terminal (vt), compared with the previous dump, and
 *     the differences are sent, pipelined, to the control socket ("add",
 *     "del"; everything through "import" after a (re)connect).
 * (b) vrrp-ha -> mip6d: the notify FIFO's event lines (RESTORE, DELETE,
 *     RECOVER, see evdefs[]; the words are the library's, events.h) become
 *     "bc add"/"bc del" on the vt.
 *
 * One thread, one poll() loop. The vt serves one client at a time, so both
 * directions share one vt connection and use it one command at a time.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "vrrp_ha/events.h"

#define DEFAULT_VT         "127.0.0.1:7777"
#define DEFAULT_POLL_MS    1000
#define DEFAULT_TIMEOUT_MS 5000
#define DEFAULT_MAX_KIB    (64 * 1024) /* largest vt reply: 64 MiB */
#define MAX_BINDINGS       (4u << 20)  /* entries taken from one dump */
#define CTL_LIFETIME_MAX   262140      /* the control socket's upper bound */
#define CTL_LINE_MAX       (64 * 1024) /* a longer answer line is a protocol error */
#define FIFO_LINE_MAX      512
#define EVQ_MAX            100000 /* queued events; the FIFO is not read beyond */
#define EV_TRIES           3      /* vt connection failures before an event is dropped */
#define BACKOFF_MIN_MS     250
#define BACKOFF_MAX_MS     30000
#define MAX_TOKENS         32

#ifndef VRRP_HA_VERSION /* set by CMake from project() */
#define VRRP_HA_VERSION "unknown"
#endif

/* BU flags (RFC 6275 and the control socket's letters) */
#define F_A  0x8000
#define F_H  0x4000
#define F_L  0x2000
#define F_K  0x1000
#define F_M  0x0800
#define F_R  0x0400
#define F_P  0x0200
#define F_VT (F_A | F_H | F_L | F_K) /* what mip6d's "bc add" can express */

static volatile sig_atomic_t g_stop;
static int g_verbose = 1; /* 0: warnings and errors, 1: +info, 2: +debug */

enum { L_ERR, L_WARN, L_INFO, L_DEBUG };

__attribute__((format(printf, 2, 3))) static void logm(int level, const char *fmt, ...)
{
	static const char *const tag[] = {"error: ", "warning: ", "", "debug: "};
	va_list ap;

	if (level > L_WARN && level - 1 > g_verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "vrrp-ha-umip: %s", tag[level]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q) {
		logm(L_ERR, "out of memory");
		exit(1);
	}
	return q;
}

static const char *a6(const struct in6_addr *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

/* ------------------------------------------------------------------------
 * Bindings
 */
struct binding {
	struct in6_addr hoa, coa;
	uint32_t rem; /* remaining lifetime, s */
	uint32_t idx; /* order of appearance, for "last one wins" */
	uint16_t seq, flags;
	uint8_t incomplete; /* hoa known, the rest unreadable: keep as it was */
	uint8_t del;        /* overlay only: the binding was removed */
};

struct bvec {
	struct binding *v;
	size_t n, cap;
};

static struct binding *bvec_push(struct bvec *b)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->v = xrealloc(b->v, b->cap * sizeof(*b->v));
	}
	memset(&b->v[b->n], 0, sizeof(b->v[0]));
	b->v[b->n].idx = (uint32_t)b->n;
	return &b->v[b->n++];
}

static int bcmp_hoa(const void *x, const void *y)
{
	const struct binding *a = x, *b = y;
	int c = memcmp(&a->hoa, &b->hoa, sizeof(a->hoa));

	if (c)
		return c;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Sort by HoA; of several entries for one HoA the last one stays. */
static void bvec_sort_unique(struct bvec *b)
{
	size_t i, o = 0;

	if (b->n > 1)
		qsort(b->v, b->n, sizeof(*b->v), bcmp_hoa);
	for (i = 0; i < b->n; i++) {
		if (i + 1 < b->n && !memcmp(&b->v[i].hoa, &b->v[i + 1].hoa, sizeof(b->v[i].hoa)))
			continue;
		b->v[o++] = b->v[i];
	}
	b->n = o;
}

static const struct binding *bvec_find(const struct bvec *b, const struct in6_addr *hoa)
{
	size_t lo = 0, hi = b->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(&b->v[mid].hoa, hoa, sizeof(*hoa));

		if (!c)
			return &b->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ------------------------------------------------------------------------
 * The bc dump (grammar: docs/operations.md, "UMIP adapter", and
 * parse_dump() below).
 */
struct tok {
	const char *p;
	size_t n;
};

/* Split [p, p+n) into tokens: blanks separate, "/" is a token of its own. */
static int tokenize(const char *p, size_t n, struct tok *t, int max)
{
	int k = 0;
	size_t i = 0;

	while (i < n && k < max) {
		while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\v' ||
		                 p[i] == '\f'))
			i++;
		if (i >= n)
			break;
		t[k].p = p + i;
		if (p[i] == '/') {
			t[k++].n = 1;
			i++;
			continue;
		}
		while (i < n && p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\v' &&
		       p[i] != '\f' && p[i] != '/')
			i++;
		t[k].n = (size_t)(p + i - t[k].p);
		k++;
	}
	return k;
}

static bool tok_is(const struct tok *t, const char *s)
{
	return t->n == strlen(s) && !strncasecmp(t->p, s, t->n);
}

static bool tok_addr(const struct tok *t, struct in6_addr *a)
{
	char buf[INET6_ADDRSTRLEN + 1];

	if (t->n == 0 || t->n >= sizeof(buf))
		return false;
	memcpy(buf, t->p, t->n);
	buf[t->n] = 0;
	return inet_pton(AF_INET6, buf, a) == 1;
}

/* A decimal integer, optionally negative, within [-max, max]. */
static bool tok_int(const struct tok *t, long long max, long long *v)
{
	size_t i = 0;
	long long x = 0;
	bool neg = false;

	if (t->n && t->p[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i >= t->n)
		return false;
	for (; i < t->n; i++) {
		if (t->p[i] < '0' || t->p[i] > '9')
			return false;
		x = x * 10 + (t->p[i] - '0');
		if (x > max)
			return false;
	}
	*v = neg ? -x : x;
	return true;
}

/* mip6d's flag field: letters (any case, any order), "-" placeholders
 * ignored, other characters ignored and counted; or hex 0xNNNN. */
static bool tok_flags(const struct tok *t, uint16_t *f, unsigned *odd)
{
	static const char letters[] = "AHLKMRP";
	size_t i;

	if (t->n > 2 && t->p[0] == '0' && (t->p[1] == 'x' || t->p[1] == 'X')) {
		unsigned long v = 0;

		if (t->n > 6)
			return false;
		for (i = 2; i < t->n; i++) {
			char c = t->p[i];
			int d = c >= '0' && c <= '9'   ? c - '0'
			        : c >= 'a' && c <= 'f' ? c - 'a' + 10
			        : c >= 'A' && c <= 'F' ? c - 'A' + 10
			                               : -1;
			if (d < 0)
				return false;
			v = v * 16 + (unsigned long)d;
		}
		*f = (uint16_t)v;
		return true;
	}
	*f = 0;
	for (i = 0; i < t->n; i++) {
		char ch = t->p[i];
		const char *l;

		if (ch == '-')
			continue;
		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		l = ch ? strchr(letters, ch) : NULL;
		if (!l) {
			(*odd)++;
			continue;
		}
		*f |= (uint16_t)(0x8000 >> (l - letters));
	}
	return true;
}

struct dump_stats {
	size_t entries, incomplete, expired, bad_hoa, stray, other, odd_flags, over;
};

struct entry_state {
	struct binding b;
	bool hoa, coa, life;
	long long rem;
};

static void finish_entry(struct entry_state *e, struct bvec *out, struct dump_stats *st)
{
	struct binding *b;

	if (!e->hoa)
		return;
	e->hoa = false;
	if (e->coa && e->life && e->rem <= 0) {
		st->expired++; /* on its way out: as good as gone */
		return;
	}
	if (out->n >= MAX_BINDINGS) {
		st->over++;
		return;
	}
	b = bvec_push(out);
	b->hoa = e->b.hoa;
	if (e->coa && e->life) {
		b->coa = e->b.coa;
		b->seq = e->b.seq;
		b->flags = e->b.flags;
		b->rem = e->rem > CTL_LIFETIME_MAX ? CTL_LIFETIME_MAX : (uint32_t)e->rem;
		st->entries++;
	} else {
		b->incomplete = 1;
		st->incomplete++;
	}
}

/*
 * Parse a "bc" reply (text up to its NUL) into out. Grammar, per line (LF
 * separated, CR and other blanks ignored, case-insensitive keywords):
 *
 *   hoa ADDR ...                       starts an entry
 *   coa ADDR ... [flags FLAGS] ...     CoA and BU flags of the entry
 *   lifetime REM [/ TOTAL] ... seq N ...  remaining lifetime, sequence number
 *   anything else                      ignored (counted in "other" unless it
 *                                      starts with "local")
 *
 * An entry is complete with a hoa, a coa and a lifetime line (the last of
 * each kind counts); FLAGS missing means H. REM <= 0: expired, skipped.
 * An entry with a valid HoA but missing/unreadable parts is "incomplete": it
 * is kept as it was in the previous dump (neither added nor deleted).
 */
static void parse_dump(const char *p, size_t n, struct bvec *out, struct dump_stats *st)
{
	struct entry_state e;
	struct tok t[MAX_TOKENS];
	size_t off = 0;

	memset(&e, 0, sizeof(e));
	memset(st, 0, sizeof(*st));
	while (off < n) {
		const char *nl = memchr(p + off, '\n', n - off);
		size_t len = nl ? (size_t)(nl - (p + off)) : n - off;
		int k = tokenize(p + off, len, t, MAX_TOKENS), i;

		off += len + 1;
		if (k == 0)
			continue;
		if (tok_is(&t[0], "hoa")) {
			finish_entry(&e, out, st);
			memset(&e, 0, sizeof(e));
			if (k >= 2 && tok_addr(&t[1], &e.b.hoa)) {
				e.hoa = true;
				e.b.flags = F_H;
			} else {
				st->bad_hoa++;
			}
		} else if (tok_is(&t[0], "coa")) {
			if (!e.hoa) {
				st->stray++;
				continue;
			}
			e.coa = k >= 2 && tok_addr(&t[1], &e.b.coa);
			for (i = 2; e.coa && i + 1 < k; i++)
				if (tok_is(&t[i], "flags")) {
					unsigned odd = 0;

					e.coa = tok_flags(&t[i + 1], &e.b.flags, &odd);
					st->odd_flags += odd;
					break;
				}
		} else if (tok_is(&t[0], "lifetime")) {
			long long v;

			if (!e.hoa) {
				st->stray++;
				continue;
			}
			e.life = k >= 2 && tok_int(&t[1], 1LL << 40, &e.rem);
			for (i = 2; e.life && i < k; i++)
				if (tok_is(&t[i], "seq"))
					break;
			if (e.life && i + 1 < k && tok_int(&t[i + 1], 65535, &v) && v >= 0)
				e.b.seq = (uint16_t)v;
			else
				e.life = false;
		} else if (!tok_is(&t[0], "local")) {
			st->other++;
		}
	}
	finish_entry(&e, out, st);
}

/* ------------------------------------------------------------------------
 * The vt: TCP, one command line out, one reply back up to its NUL byte.
 */
struct vt {
	char host[256], port[32];
	int fd;
	char *buf;
	size_t len, cap, used; /* used: bytes of the last reply, dropped next time */
	size_t max_reply;
	int timeout_ms;
	int backoff_ms;
	int64_t retry_at;
	bool fresh;  /* (re)connected since the last dump */
	bool logged; /* the current outage has been logged */
};

static bool parse_hostport(const char *s, char *host, size_t hn, char *port, size_t pn)
{
	const char *c;
	size_t l;

	if (s[0] == '[') {
		const char *e = strchr(s, ']');

		if (!e || e[1] != ':')
			return false;
		l = (size_t)(e - s - 1);
		if (l == 0 || l >= hn)
			return false;
		memcpy(host, s + 1, l);
		host[l] = 0;
		c = e + 1;
	} else {
		c = strrchr(s, ':');
		if (!c || c == s || (size_t)(c - s) >= hn || memchr(s, ':', (size_t)(c - s)))
			return false;
		memcpy(host, s, (size_t)(c - s));
		host[c - s] = 0;
	}
	l = strlen(c + 1);
	if (l == 0 || l >= pn)
		return false;
	memcpy(port, c + 1, l + 1);
	return true;
}

static void vt_close(struct vt *v, const char *why)
{
	if (v->fd >= 0) {
		logm(L_WARN, "vt %s:%s: %s; reconnecting in %d ms", v->host, v->port, why,
		     v->backoff_ms);
		close(v->fd);
		v->logged = true;
	}
	v->fd = -1;
	v->len = v->used = 0;
	v->retry_at = now_ms() + v->backoff_ms;
	v->backoff_ms = v->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : v->backoff_ms * 2;
}

/* Wait for fd to be ready; -1 on timeout, error or stop. */
static int wait_fd(int fd, short ev, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = ev};
	int r;

	do {
		if (g_stop)
			return -1;
		r = poll(&p, 1, timeout_ms);
	} while (r < 0 && errno == EINTR && !g_stop);
	if (r <= 0)
		return -1;
	return 0;
}

static int vt_send(struct vt *v, const char *cmd)
{
	size_t n = strlen(cmd), off = 0;

	while (off < n) {
		ssize_t w = send(v->fd, cmd + off, n - off, MSG_NOSIGNAL);

		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (wait_fd(v->fd, POLLOUT, v->timeout_ms) < 0)
			return -1;
	}
	return 0;
}

/* Read one NUL-terminated reply. *reply points into v->buf (NUL-terminated)
 * and is valid until the next vt call. 0, or -1 with *why set. */
static int vt_recv(struct vt *v, char **reply, size_t *rlen, const char **why)
{
	size_t scanned = 0;

	if (v->used) {
		memmove(v->buf, v->buf + v->used, v->len - v->used);
		v->len -= v->used;
		v->used = 0;
	}
	for (;;) {
		char *z = v->len > scanned ? memchr(v->buf + scanned, 0, v->len - scanned) : NULL;
		ssize_t r;

		if (z) {
			*reply = v->buf;
			*rlen = (size_t)(z - v->buf);
			v->used = *rlen + 1;
			return 0;
		}
		scanned = v->len;
		if (v->len >= v->max_reply) {
			*why = "reply larger than the maximum (-m)";
			return -1;
		}
		if (v->cap - v->len < 65536 && v->cap < v->max_reply + 1) {
			v->cap = v->cap ? v->cap * 2 : 131072;
			if (v->cap > v->max_reply + 1)
				v->cap = v->max_reply + 1;
			v->buf = xrealloc(v->buf, v->cap);
		}
		r = recv(v->fd, v->buf + v->len, v->cap - v->len, 0);
		if (r > 0) {
			v->len += (size_t)r;
			continue;
		}
		if (r == 0) {
			*why = "connection closed by mip6d";
			return -1;
		}
		if (errno != EAGAIN && errno != EINTR) {
			*why = strerror(errno);
			return -1;
		}
		if (wait_fd(v->fd, POLLIN, v->timeout_ms) < 0) {
			*why = g_stop ? "stopping" : "no reply in time";
			return -1;
		}
	}
}

/* Send "cmd\n" and read its reply. On failure the connection is closed. */
static int vt_command(struct vt *v, const char *cmd, char **reply, size_t *rlen)
{
	char line[1024];
	const char *why = "write failed";

	snprintf(line, sizeof(line), "%s\n", cmd);
	if (vt_send(v, line) < 0 || vt_recv(v, reply, rlen, &why) < 0) {
		vt_close(v, why);
		return -1;
	}
	return 0;
}

static int vt_connect(struct vt *v)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
	char *reply;
	size_t rlen;
	int e, fd = -1, err = 0;

	e = getaddrinfo(v->host, v->port, &hints, &res);
	if (e) {
		if (!v->logged)
			logm(L_WARN, "vt %s:%s: %s", v->host, v->port, gai_strerror(e));
		v->logged = true;
		vt_close(v, "");
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		socklen_t sl = sizeof(err);

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		            ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		err = errno;
		if (err == EINPROGRESS) {
			if (wait_fd(fd, POLLOUT, v->timeout_ms) < 0)
				err = ETIMEDOUT;
			else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) < 0)
				err = errno;
			if (!err)
				break;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		if (!v->logged)
			logm(L_WARN, "vt %s:%s: cannot connect: %s (retrying, backoff up to %d s)",
			     v->host, v->port, strerror(err), BACKOFF_MAX_MS / 1000);
		v->logged = true;
		vt_close(v, "");
		return -1;
	}
	v->fd = fd;
	v->len = v->used = 0;
	/* Plain replies. A prompt printed before the first command (without a
	 * NUL of its own) just becomes part of the first, discarded reply. */
	if (vt_command(v, "prompt no", &reply, &rlen) < 0 ||
	    vt_command(v, "fancy no", &reply, &rlen) < 0)
		return -1;
	/* Anything still arriving belongs to neither: drop it. */
	if (wait_fd(fd, POLLIN, 50) == 0) {
		char junk[4096];

		while (recv(fd, junk, sizeof(junk), 0) > 0)
			;
		v->len = v->used = 0;
	}
	logm(L_INFO, "vt %s:%s: connected", v->host, v->port);
	v->logged = false;
	v->fresh = true;
	v->backoff_ms = BACKOFF_MIN_MS;
	return 0;
}

/* Connected, or connect now if the backoff allows (or force). */
static bool vt_ready(struct vt *v, bool force)
{
	if (v->fd >= 0)
		return true;
	if (!force && now_ms() < v->retry_at)
		return false;
	return vt_connect(v) == 0;
}

/* ------------------------------------------------------------------------
 * The control socket: pipelined commands, one status line (OK/ERR) each.
 */
enum pkind { P_PERSIST, P_STATE, P_IMPORT, P_ADD, P_DEL };

struct pend {
	enum pkind k;
	struct in6_addr hoa;
};

struct ctl {
	const char *path;
	int fd;
	int timeout_ms;
	int backoff_ms;
	int64_t retry_at;
	bool fresh; /* connected since the last successful pass */
	bool logged;
	char *out;
	size_t olen, ocap, ooff;
	char *in;
	size_t ilen, icap;
	struct pend *pend;
	size_t npend, pcap, done;
	char state[16];
	int owner; /* -1 unknown */
};

struct counters {
	unsigned long long polls, poll_fail, ctl_add, ctl_del, ctl_import, ctl_err, ctl_notfound;
	unsigned long long ev_read, ev_bad, ev_ignored, ev_skipped, vt_ok, vt_fail, ev_dropped;
};

static struct counters g_cnt;

static void ctl_close(struct ctl *c, const char *why)
{
	if (c->fd >= 0) {
		logm(L_WARN, "control socket %s: %s; reconnecting in %d ms", c->path, why,
		     c->backoff_ms);
		close(c->fd);
	}
	c->fd = -1;
	c->retry_at = now_ms() + c->backoff_ms;
	c->backoff_ms = c->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : c->backoff_ms * 2;
}

static int ctl_connect(struct ctl *c)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(c->path) >= sizeof(sa.sun_path)) {
		logm(L_ERR, "control socket path too long: %s", c->path);
		return -1;
	}
	memcpy(sa.sun_path, c->path, strlen(c->path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (!c->logged)
			logm(L_WARN, "control socket %s: cannot connect: %s (retrying)", c->path,
			     strerror(errno));
		c->logged = true;
		if (fd >= 0)
			close(fd);
		ctl_close(c, "");
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	c->fd = fd;
	c->fresh = true;
	c->logged = false;
	c->backoff_ms = BACKOFF_MIN_MS;
	logm(L_INFO, "control socket %s: connected", c->path);
	return 0;
}

__attribute__((format(printf, 2, 3))) static void ctl_put(struct ctl *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->ocap - c->olen < 256) {
		c->ocap = c->ocap ? c->ocap * 2 : 65536;
		c->out = xrealloc(c->out, c->ocap);
	}
	va_start(ap, fmt);
	n = vsnprintf(c->out + c->olen, c->ocap - c->olen, fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < c->ocap - c->olen)
		c->olen += (size_t)n;
}

static void ctl_expect(struct ctl *c, enum pkind k, const struct in6_addr *hoa)
{
	if (c->npend == c->pcap) {
		c->pcap = c->pcap ? c->pcap * 2 : 64;
		c->pend = xrealloc(c->pend, c->pcap * sizeof(*c->pend));
	}
	c->pend[c->npend].k = k;
	if (hoa)
		c->pend[c->npend].hoa = *hoa;
	c->npend++;
}

static void put_binding(struct ctl *c, const char *prefix, const struct binding *b)
{
	char h[INET6_ADDRSTRLEN], o[INET6_ADDRSTRLEN];

	ctl_put(c, "%s%s %s %u %u 0x%04x\n", prefix, a6(&b->hoa, h), a6(&b->coa, o),
	        b->rem ? b->rem : 1, b->seq, b->flags);
}

static void ctl_line(struct ctl *c, char *line)
{
	struct pend *p = &c->pend[c->done];
	char h[INET6_ADDRSTRLEN];
	bool ok = !strncmp(line, "OK", 2), err = !strncmp(line, "ERR", 3);

	if (!ok && !err) { /* a data line */
		if (p->k == P_STATE && !strncmp(line, "state ", 6))
			snprintf(c->state, sizeof(c->state), "%s", line + 6);
		else if (p->k == P_STATE && !strncmp(line, "owner ", 6))
			c->owner = !strcmp(line + 6, "yes");
		else if (p->k == P_IMPORT)
			logm(L_WARN, "import: %s", line);
		return;
	}
	c->done++;
	switch (p->k) {
	case P_PERSIST:
		if (!ok) /* an older vrrp-ha: harmless */
			logm(L_DEBUG, "persistent: %s", line);
		break;
	case P_STATE:
		if (ok && (c->owner == 0 || strcmp(c->state, "MASTER")))
			logm(L_INFO,
			     "instance is %s, owner %s: sending anyway (vrrp-ha decides what "
			     "to replicate)",
			     c->state, c->owner ? "yes" : "no");
		break;
	case P_IMPORT:
		g_cnt.ctl_import++;
		logm(ok ? L_INFO : L_WARN, "import: %s", line);
		break;
	case P_ADD:
		if (ok) {
			g_cnt.ctl_add++;
			logm(L_DEBUG, "add %s: %s", a6(&p->hoa, h), line);
		} else {
			g_cnt.ctl_err++;
			logm(L_WARN, "add %s: %s", a6(&p->hoa, h), line);
		}
		break;
	case P_DEL:
		if (ok) {
			g_cnt.ctl_del++;
			logm(L_DEBUG, "del %s: %s", a6(&p->hoa, h), line);
		} else if (!strcmp(line, "ERR not found")) {
			g_cnt.ctl_notfound++; /* expired there already */
			logm(L_DEBUG, "del %s: %s", a6(&p->hoa, h), line);
		} else {
			g_cnt.ctl_err++;
			logm(L_WARN, "del %s: %s", a6(&p->hoa, h), line);
		}
		break;
	}
}

/* Write the queued commands and read their answers in one poll() loop. */
static int ctl_run(struct ctl *c)
{
	const char *why = NULL;

	c->ooff = c->ilen = c->done = 0;
	while (c->done < c->npend && !why) {
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		int r;

		if (c->ooff < c->olen)
			p.events |= POLLOUT;
		r = poll(&p, 1, c->timeout_ms);
		if (r < 0 && errno == EINTR && !g_stop)
			continue;
		if (r <= 0) {
			why = g_stop ? "stopping" : r == 0 ? "no answer in time" : strerror(errno);
			break;
		}
		if ((p.revents & POLLOUT) && c->ooff < c->olen) {
			ssize_t w = send(c->fd, c->out + c->ooff, c->olen - c->ooff, MSG_NOSIGNAL);

			if (w > 0)
				c->ooff += (size_t)w;
			else if (w < 0 && errno != EAGAIN && errno != EINTR)
				why = strerror(errno);
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n;
			char *s, *nl;

			if (c->icap - c->ilen < 4096) {
				c->icap = c->icap ? c->icap * 2 : 16384;
				c->in = xrealloc(c->in, c->icap);
			}
			n = recv(c->fd, c->in + c->ilen, c->icap - c->ilen - 1, 0);
			if (n == 0)
				why = "closed by the server";
			else if (n < 0 && errno != EAGAIN && errno != EINTR)
				why = strerror(errno);
			if (n <= 0)
				continue;
			c->ilen += (size_t)n;
			s = c->in;
			while (c->done < c->npend &&
			       (nl = memchr(s, '\n', c->ilen - (size_t)(s - c->in)))) {
				*nl = 0;
				if (nl > s && nl[-1] == '\r')
					nl[-1] = 0;
				ctl_line(c, s);
				s = nl + 1;
			}
			c->ilen -= (size_t)(s - c->in);
			memmove(c->in, s, c->ilen);
			if (c->ilen > CTL_LINE_MAX)
				why = "answer line too long";
		}
	}
	c->olen = c->npend = 0;
	if (why) {
		ctl_close(c, why);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * The adapter
 */
struct adapter {
	struct vt vt;
	struct ctl ctl;
	bool sync;           /* direction (a): -s given */
	const char *local;   /* -l */
	const char *fifo;    /* -f */
	const char *inst;    /* -n: only this instance's events */
	struct bvec prev;    /* last dump sent on, sorted */
	struct bvec cur;     /* scratch */
	struct bvec overlay; /* applied from the FIFO since the last dump */
	int poll_ms;
	bool once;
	bool prev_valid;           /* prev reflects what vrrp-ha got from this vt session */
	struct dump_stats last_st; /* oddities last logged, and when */
	int64_t last_st_at;
};

/* Fold the bindings applied through the vt (b) into prev, so that the next
 * dump does not report them as changes (echo suppression). */
static void merge_overlay(struct adapter *a)
{
	struct bvec m = {0};
	size_t i = 0, j = 0;

	if (!a->overlay.n)
		return;
	bvec_sort_unique(&a->overlay);
	while (i < a->prev.n || j < a->overlay.n) {
		int c = i >= a->prev.n      ? 1
		        : j >= a->overlay.n ? -1
		                            : memcmp(&a->prev.v[i].hoa, &a->overlay.v[j].hoa,
		                                     sizeof(struct in6_addr));
		const struct binding *src;

		if (c < 0) {
			src = &a->prev.v[i++];
		} else {
			src = &a->overlay.v[j++];
			if (c == 0)
				i++;
			if (src->del)
				continue;
		}
		*bvec_push(&m) = *src;
	}
	free(a->prev.v);
	a->prev = m;
	a->overlay.n = 0;
}

static bool changed(const struct binding *n, const struct binding *o)
{
	return memcmp(&n->coa, &o->coa, sizeof(n->coa)) || n->seq != o->seq ||
	       n->flags != o->flags || n->rem > o->rem;
}

/* Direction (a): one dump, one diff, one pipelined batch. 0 or -1. */
static int sync_pass(struct adapter *a)
{
	struct ctl *c = &a->ctl;
	struct dump_stats st;
	struct bvec *cur = &a->cur;
	char *reply;
	size_t rlen, i, j, o, adds = 0, dels = 0;
	bool full;

	g_cnt.polls++;
	if (!vt_ready(&a->vt, a->once) || vt_command(&a->vt, "bc", &reply, &rlen) < 0)
		return -1;
	cur->n = 0;
	parse_dump(reply, rlen, cur, &st);
	if ((st.bad_hoa || st.stray || st.incomplete || st.odd_flags || st.over) &&
	    (memcmp(&st, &a->last_st, sizeof(st)) || now_ms() >= a->last_st_at + 60000)) {
		/* the same oddities are logged once a minute, not every poll */
		a->last_st = st;
		a->last_st_at = now_ms();
		logm(L_WARN,
		     "bc dump: %zu entries; skipped: %zu bad hoa, %zu stray lines, %zu "
		     "incomplete, %zu odd flag characters, %zu over the limit",
		     st.entries, st.bad_hoa, st.stray, st.incomplete, st.odd_flags, st.over);
	}
	if (a->vt.fresh) {
		/* A new vt session (mip6d may have restarted): this dump is a
		 * baseline. Send all of it, delete nothing. */
		a->prev.n = 0;
		a->overlay.n = 0;
		a->prev_valid = false;
	}
	if (!cur->n && st.other && a->prev.n) {
		logm(L_WARN, "bc reply has no entries but %zu unknown lines: ignored", st.other);
		return 0;
	}
	merge_overlay(a);
	bvec_sort_unique(cur);
	/* incomplete entries: as they were, or left out if unknown */
	for (i = o = 0; i < cur->n; i++) {
		if (cur->v[i].incomplete) {
			const struct binding *p = bvec_find(&a->prev, &cur->v[i].hoa);

			if (!p)
				continue;
			cur->v[i] = *p;
		}
		cur->v[o++] = cur->v[i];
	}
	cur->n = o;

	if (c->fd < 0 && (a->once || now_ms() >= c->retry_at))
		ctl_connect(c);
	if (c->fd < 0)
		return -1; /* prev stays: the differences are sent later */
	full = c->fresh || a->vt.fresh;
	c->olen = c->npend = 0;
	if (c->fresh) {
		/* the daemon's adapter: never closed by the server for idleness */
		ctl_put(c, "persistent\n");
		ctl_expect(c, P_PERSIST, NULL);
	}
	if (full) {
		ctl_put(c, "state\n");
		ctl_expect(c, P_STATE, NULL);
		c->owner = -1;
		c->state[0] = 0;
		ctl_put(c, "import\n");
		for (i = 0; i < cur->n; i++)
			put_binding(c, "", &cur->v[i]);
		ctl_put(c, ".\n");
		ctl_expect(c, P_IMPORT, NULL);
		adds = cur->n;
	}
	for (i = j = 0; i < cur->n || j < a->prev.n;) {
		int d = i >= cur->n      ? 1
		        : j >= a->prev.n ? -1
		                         : memcmp(&cur->v[i].hoa, &a->prev.v[j].hoa,
		                                  sizeof(struct in6_addr));
		char h[INET6_ADDRSTRLEN];

		if (d > 0) { /* gone */
			if (a->prev_valid) {
				ctl_put(c, "del %s\n", a6(&a->prev.v[j].hoa, h));
				ctl_expect(c, P_DEL, &a->prev.v[j].hoa);
				dels++;
			}
			j++;
			continue;
		}
		if (!full && (d < 0 || changed(&cur->v[i], &a->prev.v[j]))) {
			put_binding(c, "add ", &cur->v[i]);
			ctl_expect(c, P_ADD, &cur->v[i].hoa);
			adds++;
		}
		i++;
		if (d == 0)
			j++;
	}
	if (c->npend) {
		logm(full ? L_INFO : L_DEBUG, "%s: %zu bindings to add/update, %zu to delete",
		     full ? "full sync" : "changes", adds, dels);
		if (ctl_run(c) < 0)
			return -1;
	}
	c->fresh = false;
	a->vt.fresh = false;
	a->prev_valid = true;
	/* prev = cur */
	{
		struct bvec t = a->prev;

		a->prev = *cur;
		*cur = t;
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * Direction (b): notify FIFO events
 */
enum act { ACT_ADD, ACT_DEL };

/* What each event word of the FIFO (vrrp_ha_event_from_word(), events.h)
 * asks of mip6d. Known words not listed here are not for the daemon. */
static const struct evdef {
	enum vrrp_ha_event_type type;
	enum act act;
	bool suppress; /* vrrp-ha's bc already is like this: no echo needed */
} evdefs[] = {
        /* restored into the owner's bc: hand to mip6d */
        {VRRP_HA_E_RESTORED, ACT_ADD, true},
        /* the owner's restore removed it from vrrp-ha's bc: remove in mip6d */
        {VRRP_HA_E_DELETED, ACT_DEL, true},
        /* full recovery for one MN on a non-owner master: drop the stale
         * entry so the MN re-registers here (re-homing), report it back */
        {VRRP_HA_E_RECOVERED, ACT_DEL, false},
};

struct event {
	const struct evdef *def;
	struct in6_addr hoa, coa;
	uint32_t life;
	uint16_t seq, flags;
	int tries;
};

struct evq {
	struct event *v;
	size_t head, n, cap; /* ring */
};

static void evq_push(struct evq *q, const struct event *e)
{
	if (q->n == q->cap) {
		size_t nc = q->cap ? q->cap * 2 : 64, i;
		struct event *nv = xrealloc(NULL, nc * sizeof(*nv));

		for (i = 0; i < q->n; i++)
			nv[i] = q->v[(q->head + i) % q->cap];
		free(q->v);
		q->v = nv;
		q->cap = nc;
		q->head = 0;
	}
	q->v[(q->head + q->n) % q->cap] = *e;
	q->n++;
}

static void evq_pop(struct evq *q)
{
	q->head = (q->head + 1) % q->cap;
	q->n--;
}

/* Parse 'MIPV6_HA "<instance>" WORD HOA COA LIFETIME_S SEQ FLAGS_HEX'.
 * For a delete-type word LIFETIME_S SEQ FLAGS_HEX may be missing. */
static void fifo_line(struct adapter *a, struct evq *q, char *line)
{
	struct event e = {0};
	char orig[FIFO_LINE_MAX + 1], *p = line, *inst, *f[6];
	char *save = NULL, *endp;
	unsigned long v;
	size_t i;
	int k = 0, type;

	g_cnt.ev_read++;
	snprintf(orig, sizeof(orig), "%s", line);
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return;
	if (strncmp(p, "MIPV6_HA", 8) || (p[8] != ' ' && p[8] != '\t'))
		goto bad;
	p += 8;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '"' || !(endp = strchr(p + 1, '"')))
		goto bad;
	inst = p + 1;
	*endp = 0;
	for (p = strtok_r(endp + 1, " \t\r", &save); p && k < 6; p = strtok_r(NULL, " \t\r", &save))
		f[k++] = p;
	if (k < 1)
		goto bad;
	if (a->inst && strcmp(a->inst, inst)) {
		logm(L_DEBUG, "event for instance \"%s\" ignored (-n %s)", inst, a->inst);
		g_cnt.ev_ignored++;
		return;
	}
	type = vrrp_ha_event_from_word(f[0]);
	if (type < 0) {
		logm(L_WARN, "unknown event word '%s' ignored: %s \"%s\"", f[0], "MIPV6_HA", inst);
		g_cnt.ev_ignored++;
		return;
	}
	for (i = 0; i < sizeof(evdefs) / sizeof(evdefs[0]); i++)
		if ((int)evdefs[i].type == type)
			e.def = &evdefs[i];
	if (!e.def) {
		logm(L_INFO, "event %s ignored: nothing to do in mip6d (%s \"%s\")", f[0],
		     "MIPV6_HA", inst);
		g_cnt.ev_ignored++;
		return;
	}
	if (k < 3 || inet_pton(AF_INET6, f[1], &e.hoa) != 1 ||
	    inet_pton(AF_INET6, f[2], &e.coa) != 1)
		goto bad;
	if (e.def->act == ACT_ADD && k < 6)
		goto bad;
	if (k >= 4) {
		errno = 0;
		v = strtoul(f[3], &endp, 10);
		if (errno || *endp || f[3][0] == '-' || v > CTL_LIFETIME_MAX)
			goto bad;
		e.life = (uint32_t)v;
	}
	if (k >= 5) {
		v = strtoul(f[4], &endp, 10);
		if (*endp || f[4][0] == '-' || v > 65535)
			goto bad;
		e.seq = (uint16_t)v;
	}
	e.flags = F_H;
	if (k >= 6) {
		v = strtoul(f[5], &endp, 16);
		if (*endp || f[5][0] == '-' || v > 0xffff)
			goto bad;
		e.flags = (uint16_t)v;
	}
	if (e.def->act == ACT_ADD && e.life == 0) {
		logm(L_WARN, "%s %s: lifetime 0, nothing to restore", f[0], f[1]);
		g_cnt.ev_skipped++;
		return;
	}
	evq_push(q, &e);
	return;
bad:
	g_cnt.ev_bad++;
	logm(L_WARN, "malformed event line ignored: %.200s", orig);
}

/* Apply the head event on the vt. 0: done (ok or refused), -1: vt down. */
static int apply_event(struct adapter *a, struct event *e)
{
	char cmd[512], h[INET6_ADDRSTRLEN], o[INET6_ADDRSTRLEN], fl[8], *reply, *s;
	size_t rlen, n = 0;
	long st;

	if (e->flags & F_A)
		fl[n++] = 'A';
	if (e->flags & F_H)
		fl[n++] = 'H';
	if (e->flags & F_L)
		fl[n++] = 'L';
	if (e->flags & F_K)
		fl[n++] = 'K';
	fl[n] = 0;
	a6(&e->hoa, h);
	a6(&e->coa, o);
	if (!(e->flags & F_H)) {
		logm(L_WARN, "%s %s: flags 0x%04x without H: not a home registration, skipped",
		     vrrp_ha_event_word(e->def->type), h, e->flags);
		g_cnt.ev_skipped++;
		return 0;
	}
	if (e->flags & ~F_VT)
		logm(L_DEBUG, "%s %s: flags 0x%04x: mip6d takes only A H L K",
		     vrrp_ha_event_word(e->def->type), h, e->flags);
	if (e->def->act == ACT_ADD)
		snprintf(cmd, sizeof(cmd),
		         "bc add hoa %s coa %s local %s flags %s lifetime %u seq %u dad never", h,
		         o, a->local, fl, e->life, e->seq);
	else
		snprintf(cmd, sizeof(cmd), "bc del hoa %s coa %s local %s flags %s", h, o, a->local,
		         fl);
	if (vt_command(&a->vt, cmd, &reply, &rlen) < 0)
		return -1;
	while (rlen &&
	       (reply[rlen - 1] == '\n' || reply[rlen - 1] == '\r' || reply[rlen - 1] == ' '))
		reply[--rlen] = 0;
	if ((s = strstr(reply, "bc status=")) && (st = strtol(s + 10, NULL, 10)) == 0) {
		g_cnt.vt_ok++;
		logm(L_DEBUG, "%s: %s", cmd, s);
		if (a->sync && e->def->suppress) {
			struct binding *b = bvec_push(&a->overlay);

			b->hoa = e->hoa;
			b->coa = e->coa;
			b->rem = e->life;
			b->seq = e->seq;
			b->flags = e->flags & F_VT;
			b->del = e->def->act == ACT_DEL;
		}
	} else {
		g_cnt.vt_fail++;
		logm(L_WARN, "%s: %.200s", cmd, rlen ? reply : "(empty reply)");
	}
	return 0;
}

static void run_events(struct adapter *a, struct evq *q)
{
	while (q->n && !g_stop) {
		struct event *e = &q->v[q->head];

		if (!vt_ready(&a->vt, a->once))
			return;
		if (apply_event(a, e) < 0) {
			if (++e->tries >= EV_TRIES) {
				g_cnt.ev_dropped++;
				logm(L_ERR, "%s: dropped after %d vt failures",
				     vrrp_ha_event_word(e->def->type), EV_TRIES);
				evq_pop(q);
			}
			if (a->once)
				return;
			continue;
		}
		evq_pop(q);
	}
}

struct fifo {
	const char *path;
	int fd;
	char buf[FIFO_LINE_MAX + 1];
	size_t len;
	bool skipping; /* inside an over-long line */
	int64_t retry_at;
};

static void fifo_open(struct fifo *f)
{
	struct stat sb;

	if (f->fd >= 0 || now_ms() < f->retry_at)
		return;
	if (stat(f->path, &sb) < 0 && errno == ENOENT && mkfifo(f->path, 0600) < 0 &&
	    errno != EEXIST)
		logm(L_WARN, "%s: cannot create FIFO: %s", f->path, strerror(errno));
	f->fd = open(f->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (f->fd >= 0 && (fstat(f->fd, &sb) < 0 || !S_ISFIFO(sb.st_mode))) {
		logm(L_ERR, "%s: not a FIFO", f->path);
		close(f->fd);
		f->fd = -1;
	}
	if (f->fd < 0) {
		f->retry_at = now_ms() + 1000;
		return;
	}
	f->len = 0;
	f->skipping = false;
}

static void fifo_take(struct adapter *a, struct fifo *f, struct evq *q, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n') {
			if (!f->skipping) {
				f->buf[f->len] = 0;
				if (f->len && f->buf[f->len - 1] == '\r')
					f->buf[f->len - 1] = 0;
				fifo_line(a, q, f->buf);
			}
			f->len = 0;
			f->skipping = false;
		} else if (f->skipping) {
			continue;
		} else if (f->len == FIFO_LINE_MAX) {
			logm(L_WARN, "event line longer than %d bytes ignored", FIFO_LINE_MAX);
			g_cnt.ev_bad++;
			f->skipping = true;
		} else {
			f->buf[f->len++] = p[i];
		}
	}
}

/* Read what the FIFO has; reopen on EOF (the last writer went away). */
static void fifo_read(struct adapter *a, struct fifo *f, struct evq *q)
{
	char buf[8192];

	while (f->fd >= 0 && q->n < EVQ_MAX) {
		ssize_t r = read(f->fd, buf, sizeof(buf));

		if (r > 0) {
			fifo_take(a, f, q, buf, (size_t)r);
			continue;
		}
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (f->len && !f->skipping) /* a last line without LF */
			fifo_take(a, f, q, "\n", 1);
		close(f->fd);
		f->fd = -1;
		f->retry_at = 0;
		if (a->once)
			return;
		fifo_open(f);
		return;
	}
}

static void on_signal(int sig)
{
	g_stop = 1;
}

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
	        "usage: %s [-s CONTROL_SOCKET] [-v VT_HOST:PORT] [-l LOCAL_ADDR]\n"
	        "          [-f NOTIFY_FIFO] [-n INSTANCE] [-i POLL_MS] [-t TIMEOUT_MS]\n"
	        "          [-m MAX_REPLY_KIB] [-q] [-d] [--once]\n"
	        "       %s -h|--help|-V|--version\n"
	        "  -s  vrrp-ha control socket (default $VRRP_HA_SOCKET): mip6d -> vrrp-ha\n"
	        "  -v  mip6d virtual terminal (default %s)\n"
	        "  -l  virtual home agent address, \"local\" of bc add/del (needed with -f)\n"
	        "  -f  notify FIFO of the instance: vrrp-ha -> mip6d\n"
	        "  -n  act only on events of this instance\n"
	        "  -i  bc poll interval, ms (default %d)\n"
	        "  -t  I/O timeout without progress, ms (default %d)\n"
	        "  -m  largest vt reply, KiB (default %d)\n"
	        "  -q  warnings and errors only; -d debug\n"
	        "  --once  one sync pass (and what the FIFO holds now), then exit\n"
	        "  -h, --help  this text;  -V, --version  the version\n"
	        "exit status: 0 stopped by a signal or --once succeeded, 1 --once failed\n"
	        "             (or out of memory), 2 usage\n",
	        prog, prog, DEFAULT_VT, DEFAULT_POLL_MS, DEFAULT_TIMEOUT_MS, DEFAULT_MAX_KIB);
}

/* End of --help or --version: the text must have reached stdout. */
static int info_done(const char *prog)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: writing output: %s\n", prog, strerror(errno));
		return 2;
	}
	return 0;
}

/* A usage error: what is wrong, then the usage, on stderr. Returns: 2. */
__attribute__((format(printf, 2, 3))) static int bad_usage(const char *prog, const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		fprintf(stderr, "%s: ", prog);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	usage(stderr, prog);
	return 2;
}

static bool num_opt(const char *s, long lo, long hi, int *out)
{
	char *e;
	long v;

	errno = 0;
	v = strtol(s, &e, 10);
	if (errno || *e || e == s || v < lo || v > hi)
		return false;
	*out = (int)v;
	return true;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {{"once", no_argument, NULL, 'O'},
	                                      {"help", no_argument, NULL, 'h'},
	                                      {"version", no_argument, NULL, 'V'},
	                                      {NULL, 0, NULL, 0}};
	struct adapter a;
	struct fifo f = {.fd = -1};
	struct evq q = {0};
	struct sigaction sa;
	struct in6_addr tmp;
	const char *vt = DEFAULT_VT, *sock = getenv("VRRP_HA_SOCKET");
	int opt, timeout = DEFAULT_TIMEOUT_MS, max_kib = DEFAULT_MAX_KIB, rc = 0;
	int64_t next_pass;

	memset(&a, 0, sizeof(a));
	a.poll_ms = DEFAULT_POLL_MS;
	while ((opt = getopt_long(argc, argv, "s:v:l:f:n:i:t:m:qdhV", lopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			sock = optarg;
			break;
		case 'v':
			vt = optarg;
			break;
		case 'l':
			a.local = optarg;
			break;
		case 'f':
			a.fifo = optarg;
			break;
		case 'n':
			a.inst = optarg;
			break;
		case 'i':
			if (!num_opt(optarg, 10, 3600000, &a.poll_ms))
				return bad_usage(argv[0], "-i: milliseconds, 10..3600000");
			break;
		case 't':
			if (!num_opt(optarg, 10, 3600000, &timeout))
				return bad_usage(argv[0], "-t: milliseconds, 10..3600000");
			break;
		case 'm':
			if (!num_opt(optarg, 1, 4 * 1024 * 1024, &max_kib))
				return bad_usage(argv[0], "-m: KiB, 1..4194304");
			break;
		case 'q':
			g_verbose = 0;
			break;
		case 'd':
			g_verbose = 2;
			break;
		case 'O':
			a.once = true;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return info_done(argv[0]);
		case 'V':
			printf("vrrp-ha-umip %s\n", VRRP_HA_VERSION);
			return info_done(argv[0]);
		default: /* getopt said what was wrong */
			return bad_usage(argv[0], NULL);
		}
	}
	if (optind != argc)
		return bad_usage(argv[0], "unexpected argument '%s'", argv[optind]);
	if (!sock && !a.fifo)
		return bad_usage(argv[0],
		                 "nothing to do: -s SOCKET (or $VRRP_HA_SOCKET) and/or -f FIFO");
	if (a.fifo && (!a.local || inet_pton(AF_INET6, a.local, &tmp) != 1)) {
		fprintf(stderr, "%s: -f needs -l with the virtual home agent's IPv6 address\n",
		        argv[0]);
		return 2;
	}
	a.vt.fd = -1;
	a.vt.timeout_ms = timeout;
	a.vt.max_reply = (size_t)max_kib * 1024;
	a.vt.backoff_ms = BACKOFF_MIN_MS;
	if (!parse_hostport(vt, a.vt.host, sizeof(a.vt.host), a.vt.port, sizeof(a.vt.port))) {
		fprintf(stderr, "%s: -v %s: expected HOST:PORT or [ADDR]:PORT\n", argv[0], vt);
		return 2;
	}
	a.sync = sock != NULL;
	a.ctl.path = sock;
	a.ctl.fd = -1;
	a.ctl.timeout_ms = timeout;
	a.ctl.backoff_ms = BACKOFF_MIN_MS;
	f.path = a.fifo;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (f.path)
		fifo_open(&f);
	next_pass = now_ms();
	while (!g_stop) {
		struct pollfd p[3];
		int np = 0, i_fifo = -1, i_ctl = -1, i_vt = -1, wait;
		int64_t t;

		if (a.once && f.fd >= 0)
			fifo_read(&a, &f, &q);
		if (q.n)
			run_events(&a, &q);
		if (a.sync && now_ms() >= next_pass) {
			if (sync_pass(&a) < 0) {
				g_cnt.poll_fail++;
				rc = a.once; /* a daemon stopped by SIGTERM exits 0 */
			}
			next_pass = now_ms() + a.poll_ms;
		}
		if (a.once) {
			if (q.n || g_cnt.vt_fail || g_cnt.ev_dropped)
				rc = 1;
			break;
		}
		t = now_ms();
		wait = a.sync ? (int)(next_pass > t ? next_pass - t : 0) : 60000;
		if (q.n && a.vt.fd < 0 && a.vt.retry_at - t < wait)
			wait = a.vt.retry_at > t ? (int)(a.vt.retry_at - t) : 0;
		if (f.path && f.fd < 0) {
			fifo_open(&f);
			if (f.fd < 0 && wait > 1000)
				wait = 1000;
		}
		if (f.fd >= 0 && q.n < EVQ_MAX) {
			p[np] = (struct pollfd){.fd = f.fd, .events = POLLIN};
			i_fifo = np++;
		}
		if (a.ctl.fd >= 0) {
			p[np] = (struct pollfd){.fd = a.ctl.fd, .events = POLLIN};
			i_ctl = np++;
		}
		if (a.vt.fd >= 0) {
			p[np] = (struct pollfd){.fd = a.vt.fd, .events = POLLIN};
			i_vt = np++;
		}
		if (poll(p, (nfds_t)np, wait) <= 0)
			continue;
		if (i_fifo >= 0 && p[i_fifo].revents)
			fifo_read(&a, &f, &q);
		if (i_ctl >= 0 && p[i_ctl].revents) {
			char junk[512];
			ssize_t r = recv(a.ctl.fd, junk, sizeof(junk), MSG_DONTWAIT);

			if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
				ctl_close(&a.ctl,
				          r == 0 ? "closed by the server" : strerror(errno));
		}
		if (i_vt >= 0 && p[i_vt].revents) {
			/* nothing is due from an idle vt: EOF, or stray bytes dropped */
			char junk[4096];
			ssize_t r = recv(a.vt.fd, junk, sizeof(junk), MSG_DONTWAIT);

			if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
				vt_close(&a.vt,
				         r == 0 ? "connection closed by mip6d" : strerror(errno));
			else if (r > 0)
				logm(L_DEBUG, "vt: %zd unexpected bytes dropped", r);
		}
	}
	logm(L_INFO,
	     "%s: polls=%llu poll_failures=%llu ctl_add=%llu ctl_del=%llu ctl_import=%llu "
	     "ctl_errors=%llu ctl_not_found=%llu events=%llu bad=%llu ignored=%llu "
	     "skipped=%llu vt_ok=%llu vt_failed=%llu dropped=%llu",
	     g_stop ? "stopping" : "done", g_cnt.polls, g_cnt.poll_fail, g_cnt.ctl_add,
	     g_cnt.ctl_del, g_cnt.ctl_import, g_cnt.ctl_err, g_cnt.ctl_notfound, g_cnt.ev_read,
	     g_cnt.ev_bad, g_cnt.ev_ignored, g_cnt.ev_skipped, g_cnt.vt_ok, g_cnt.vt_fail,
	     g_cnt.ev_dropped);
	if (a.vt.fd >= 0)
		close(a.vt.fd);
	if (a.ctl.fd >= 0)
		close(a.ctl.fd);
	if (f.fd >= 0)
		close(f.fd);
	free(a.vt.buf);
	free(a.ctl.out);
	free(a.ctl.in);
	free(a.ctl.pend);
	free(a.prev.v);
	free(a.cur.v);
	free(a.overlay.v);
	free(q.v);
	return rc;
}
