/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_server.c - the control socket of one instance: the bridge input from
 * the mobility daemon (add / del / flush / import) and the operator's view
 * (show / stats / state). The protocol is in docs/operations.md, section
 * "Control socket and vrrp-ha-ctl".
 *
 * The host is keepalived: nothing here may block or run long. Every client
 * is served in bounded steps from the host's event loop:
 *   - at most CTL_READ_MAX bytes read and CTL_LINES_PER_EVENT lines handled
 *     per callback;
 *   - "show" produces its rows from an rbc_walk_view() cursor only as the
 *     socket drains, so the output buffer stays below CTL_OUT_CAP whatever
 *     the table size;
 *   - a client's input is not read while it has complete lines left over or
 *     too much output pending.
 * Work left over for the next callback is signalled by watching the fd for
 * WRITE: a connected stream socket with room in its send buffer is always
 * writable, so the loop calls back on its next iteration, after the other
 * ready fds and timers (the VRRP adverts) had their turn. The fd stays
 * watched for READ only while nothing is pending.
 */
#define _GNU_SOURCE /* accept4 */
#include "vrrp_ha/ctl.h"
#include "vrrp_ha/switch.h"
#include "vrrp_ha/magsw.h"
#include "vrrp_ha/attach.h"
#include "vrrp_ha/resync.h"
#include "vrrp_ha/mopt.h"
#include "vrrp_ha/rbc.h"
#include "vrrp_ha/pmip.h"
#include "vrrp_ha/store.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#define CTL_MAX_CLIENTS     32
#define CTL_LINE_MAX        1024        /* bytes of one line, LF excluded */
#define CTL_READ_MAX        (64 * 1024) /* bytes read per readable event */
#define CTL_IN_BUF          (CTL_READ_MAX + CTL_LINE_MAX + 1)
#define CTL_LINES_PER_EVENT 8192
#define CTL_OUT_CAP         (256 * 1024)
/* stop producing output above this; one show batch (< 64 KiB) still fits */
#define CTL_OUT_HIGH         (CTL_OUT_CAP - 64 * 1024)
#define CTL_SHOW_BATCH       256
#define CTL_IMPORT_ERRS      10
#define CTL_ACCEPT_PER_EVENT 16
#define CTL_MAX_TOKENS       16
/* At the connection limit the least recently active client idle this long
 * is closed to make room (a fresh connection is never evicted). */
#define CTL_EVICT_MIN_IDLE_MS 1000
#define CTL_LIFETIME_MAX      262140u /* 65535 * 4 s: the BU Lifetime field (RFC 6275 6.1.7) */

/* Binding Update flags (RFC 6275 6.1.7, RFC 3963 4.1, RFC 5213 8.1),
 * in the order they are printed. */
static const struct {
	char letter;
	uint16_t bit;
} bu_flags[] = {
        {'A', 0x8000}, {'H', 0x4000}, {'L', 0x2000}, {'K', 0x1000},
        {'M', 0x0800}, {'R', 0x0400}, {'P', 0x0200},
};
#define BU_FLAGS_KNOWN   0xfe00
#define BU_FLAGS_DEFAULT 0x4000 /* H: home registration */

enum ctl_mode {
	CTL_MODE_CMD,
	CTL_MODE_IMPORT,
};

struct ctl_client {
	struct vrrp_ha_ctl *srv;
	int fd;
	int watched; /* events registered with the host, 0 = none */

	char in[CTL_IN_BUF];
	size_t in_off, in_len;
	bool discarding; /* dropping the rest of a too long line */
	bool eof;        /* the peer shut down its side */
	bool closing;    /* close once the output is written */

	char *out;
	size_t out_off, out_len, out_cap;

	enum ctl_mode mode;
	uint64_t imp_line, imp_ok, imp_err;
	unsigned imp_nmsg;
	char imp_msg[CTL_IMPORT_ERRS][288];

	bool show_active, show_bc, show_json, show_pmip;
	uint64_t show_cursor, show_count;

	uint64_t last_active_ms; /* last input read or output written */
	bool persistent;         /* "persistent": never closed for idleness */

	/* watch: events stream into the output buffer; what does not fit
	 * below CTL_OUT_HIGH is counted and reported by a DROPPED line */
	unsigned watch_id;
	bool sw_wait; /* switchover / switchback: input waits for the result */
	bool watch_json;
	uint32_t watch_mask;
	uint64_t watch_dropped;

	/* resync: waiting for the answer of State Synchronization Request */
	uint32_t resync_id;
};

struct vrrp_ha_ctl {
	struct vrrp_ha *h;
	const struct vrrp_ha_ops *ops;
	void *ctx;
	char *path;
	int lfd;
	int spare_fd; /* kept open to accept-and-close when out of fds */
	dev_t dev;    /* of the socket file we created: only that one is unlinked */
	ino_t ino;
	bool full_logged;
	struct ctl_client *cl[CTL_MAX_CLIENTS];
	unsigned ncl;
};

static void client_cb(void *data, int fd, int events);

/* ---- output buffer ------------------------------------------------------ */

static size_t out_pending(const struct ctl_client *cl)
{
	return cl->out_len - cl->out_off;
}

/* Make room for need more bytes. Returns: 0, or -1 (client set to close). */
static int out_reserve(struct ctl_client *cl, size_t need)
{
	size_t cap;
	char *p;

	if (cl->out_off && cl->out_off == cl->out_len) {
		cl->out_off = cl->out_len = 0;
	} else if (cl->out_off && cl->out_len + need > cl->out_cap) {
		memmove(cl->out, cl->out + cl->out_off, out_pending(cl));
		cl->out_len -= cl->out_off;
		cl->out_off = 0;
	}
	if (cl->out_len + need <= cl->out_cap)
		return 0;
	cap = cl->out_cap ? cl->out_cap : 4096;
	while (cap < cl->out_len + need)
		cap *= 2;
	p = realloc(cl->out, cap);
	if (!p) {
		vrrp_ha_logf(cl->srv->h, LOG_ERR, "control socket %s: out of memory",
		             cl->srv->path);
		cl->closing = true;
		return -1;
	}
	cl->out = p;
	cl->out_cap = cap;
	return 0;
}

static void out_put(struct ctl_client *cl, const char *s, size_t n)
{
	if (cl->closing || out_reserve(cl, n) < 0)
		return;
	memcpy(cl->out + cl->out_len, s, n);
	cl->out_len += n;
}

static void out_str(struct ctl_client *cl, const char *s)
{
	out_put(cl, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void out_printf(struct ctl_client *cl, const char *fmt,
                                                             ...)
{
	va_list ap;
	int n;

	if (cl->closing || out_reserve(cl, 256) < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(cl->out + cl->out_len, cl->out_cap - cl->out_len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= cl->out_cap - cl->out_len) {
		if (out_reserve(cl, (size_t)n + 1) < 0)
			return;
		va_start(ap, fmt);
		vsnprintf(cl->out + cl->out_len, cl->out_cap - cl->out_len, fmt, ap);
		va_end(ap);
	}
	cl->out_len += (size_t)n;
}

/* A JSON string literal (quotes included). */
static void out_json_str(struct ctl_client *cl, const char *s)
{
	out_put(cl, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			out_put(cl, e, 2);
		} else if (c < 0x20) {
			out_printf(cl, "\\u%04x", c);
		} else {
			out_put(cl, s, 1);
		}
	}
	out_put(cl, "\"", 1);
}

/* Write what the socket takes. Returns: 0, or -1 if the client is gone. */
static int out_flush(struct ctl_client *cl)
{
	while (out_pending(cl)) {
		ssize_t n = send(cl->fd, cl->out + cl->out_off, out_pending(cl),
		                 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		cl->out_off += (size_t)n;
	}
	cl->out_off = cl->out_len = 0;
	return 0;
}

/* ---- parsing ------------------------------------------------------------ */

/* Split line in place at blanks. Returns: number of tokens (at most max;
 * *extra is set if there were more). */
static int tokenize(char *line, char **tok, int max, bool *extra)
{
	int n = 0;

	*extra = false;
	for (;;) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (!*line)
			return n;
		if (n == max) {
			*extra = true;
			return n;
		}
		tok[n++] = line;
		while (*line && *line != ' ' && *line != '\t')
			line++;
		if (*line)
			*line++ = '\0';
	}
}

/* Strict unsigned decimal in [min, max]. */
static bool parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* Flags: "0x..." hex, "-" for none, or letters from AHLKMRP (any case). */
static bool parse_flags(const char *s, uint16_t *out, char *err, size_t errlen)
{
	uint16_t f = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		char *end;
		unsigned long v;

		if (!isxdigit((unsigned char)s[2]))
			goto bad_hex;
		errno = 0;
		v = strtoul(s + 2, &end, 16);
		if (errno || *end || v > 0xffff)
			goto bad_hex;
		*out = (uint16_t)v;
		return true;
	bad_hex:
		snprintf(err, errlen, "bad flags '%.32s': hex value must be 0x0..0xffff", s);
		return false;
	}
	if (!strcmp(s, "-")) {
		*out = 0;
		return true;
	}
	for (const char *p = s; *p; p++) {
		size_t i;

		for (i = 0; i < sizeof(bu_flags) / sizeof(bu_flags[0]); i++)
			if (toupper((unsigned char)*p) == bu_flags[i].letter)
				break;
		if (i == sizeof(bu_flags) / sizeof(bu_flags[0])) {
			snprintf(err, errlen,
			         "bad flags '%.32s': letters are A H L K M R P, or 0xNNNN", s);
			return false;
		}
		f |= bu_flags[i].bit;
	}
	*out = f;
	return true;
}

/* "AH"; "-" (text) or "" (JSON) for none; hex if a bit has no letter. */
static void flags_text(uint16_t f, bool json, char *buf, size_t len)
{
	size_t n = 0;

	if (f & ~BU_FLAGS_KNOWN) {
		snprintf(buf, len, "0x%04x", f);
		return;
	}
	for (size_t i = 0; i < sizeof(bu_flags) / sizeof(bu_flags[0]) && n + 1 < len; i++)
		if (f & bu_flags[i].bit)
			buf[n++] = bu_flags[i].letter;
	if (!n && !json)
		buf[n++] = '-';
	buf[n] = '\0';
}

/* Why a HoA or CoA is not acceptable, or NULL. The same classes the receive
 * checks refuse (codec.h), plus link-local for the CoA: a binding is global. */
static const char *addr_problem(const struct in6_addr *a)
{
	if (IN6_IS_ADDR_UNSPECIFIED(a))
		return "unspecified address";
	if (IN6_IS_ADDR_LOOPBACK(a))
		return "loopback address";
	if (IN6_IS_ADDR_MULTICAST(a))
		return "multicast address";
	if (IN6_IS_ADDR_LINKLOCAL(a))
		return "link-local address";
	if (IN6_IS_ADDR_V4MAPPED(a))
		return "IPv4-mapped address";
	return NULL;
}

static bool parse_addr(const char *what, const char *s, struct in6_addr *a, char *err,
                       size_t errlen)
{
	const char *why;

	if (inet_pton(AF_INET6, s, a) != 1) {
		snprintf(err, errlen, "bad %s '%.64s': not an IPv6 address", what, s);
		return false;
	}
	why = addr_problem(a);
	if (why) {
		snprintf(err, errlen, "bad %s '%.64s': %s", what, s, why);
		return false;
	}
	return true;
}

struct binding_args {
	struct in6_addr hoa, coa;
	uint32_t lifetime_s;
	uint16_t seq, flags;
};

/* <hoa> <coa> <lifetime_s> <seq> [<flags>] */
static bool parse_binding(char **tok, int ntok, struct binding_args *b, char *err, size_t errlen)
{
	unsigned long v;

	if (ntok < 4 || ntok > 5) {
		snprintf(err, errlen, "expected <hoa> <coa> <lifetime_s> <seq> [<flags>]");
		return false;
	}
	if (!parse_addr("HoA", tok[0], &b->hoa, err, errlen) ||
	    !parse_addr("CoA", tok[1], &b->coa, err, errlen))
		return false;
	if (!memcmp(&b->hoa, &b->coa, sizeof(b->hoa))) {
		snprintf(err, errlen, "HoA and CoA are the same address");
		return false;
	}
	if (!parse_uint(tok[2], 1, CTL_LIFETIME_MAX, &v)) {
		snprintf(err, errlen, "bad lifetime '%.32s': seconds, 1..%u", tok[2],
		         CTL_LIFETIME_MAX);
		return false;
	}
	b->lifetime_s = (uint32_t)v;
	if (!parse_uint(tok[3], 0, 65535, &v)) {
		snprintf(err, errlen, "bad seq '%.32s': 0..65535", tok[3]);
		return false;
	}
	b->seq = (uint16_t)v;
	b->flags = BU_FLAGS_DEFAULT;
	if (ntok == 5 && !parse_flags(tok[4], &b->flags, err, errlen))
		return false;
	return true;
}

/* Apply a parsed binding. Returns: NULL and *what set on success, or the error. */
static const char *apply_binding(struct vrrp_ha *h, const struct binding_args *b, const char **what)
{
	switch (vrrp_ha_bc_add(h, &b->hoa, &b->coa, b->lifetime_s, b->seq, b->flags)) {
	case RBC_ADDED:
		*what = "added";
		return NULL;
	case RBC_UPDATED:
		*what = "updated";
		return NULL;
	case RBC_REFRESHED:
		*what = "refreshed";
		return NULL;
	case RBC_NOMEM:
		return "table full (max_bindings) or out of memory";
	case RBC_STALE:
		return "stale sequence number";
	default:
		return "not applied";
	}
}

/* ---- commands ----------------------------------------------------------- */

static void cmd_add(struct ctl_client *cl, char **tok, int ntok)
{
	struct binding_args b;
	char err[256];
	const char *what = NULL, *fail;

	if (!parse_binding(tok, ntok, &b, err, sizeof(err))) {
		out_printf(cl, "ERR %s\n", err);
		return;
	}
	fail = apply_binding(cl->srv->h, &b, &what);
	if (fail)
		out_printf(cl, "ERR %s\n", fail);
	else
		out_printf(cl, "OK %s\n", what);
}

static void cmd_del(struct ctl_client *cl, char **tok, int ntok)
{
	struct in6_addr hoa;

	if (inet_pton(AF_INET6, tok[0], &hoa) != 1) {
		out_printf(cl, "ERR bad HoA '%.64s': not an IPv6 address\n", tok[0]);
		return;
	}
	switch (vrrp_ha_bc_del(cl->srv->h, &hoa)) {
	case RBC_DELETED:
		out_str(cl, "OK deleted\n");
		break;
	case RBC_NOT_FOUND:
		out_str(cl, "ERR not found\n");
		break;
	default:
		out_str(cl, "ERR not deleted\n");
		break;
	}
}

static void cmd_flush(struct ctl_client *cl, char **tok, int ntok)
{
	size_t n = vrrp_ha_bc_flush(cl->srv->h);

	vrrp_ha_logf(cl->srv->h, LOG_INFO, "control socket: flush deleted %zu bindings", n);
	out_printf(cl, "OK flushed %zu\n", n);
}

static void cmd_import(struct ctl_client *cl, char **tok, int ntok)
{
	cl->mode = CTL_MODE_IMPORT;
	cl->imp_line = cl->imp_ok = cl->imp_err = 0;
	cl->imp_nmsg = 0;
}

static void import_error(struct ctl_client *cl, const char *msg)
{
	cl->imp_err++;
	if (cl->imp_nmsg < CTL_IMPORT_ERRS)
		snprintf(cl->imp_msg[cl->imp_nmsg++], sizeof(cl->imp_msg[0]),
		         "line %" PRIu64 ": %s", cl->imp_line, msg);
}

/* End of an import: the first errors as data lines, then the status. */
static void import_finish(struct ctl_client *cl, bool terminated)
{
	for (unsigned i = 0; i < cl->imp_nmsg; i++)
		out_printf(cl, "%s\n", cl->imp_msg[i]);
	out_printf(cl, "%s imported=%" PRIu64 " errors=%" PRIu64 "\n",
	           terminated ? "OK" : "ERR import not terminated by '.':", cl->imp_ok,
	           cl->imp_err);
	vrrp_ha_logf(cl->srv->h, LOG_INFO,
	             "control socket: import%s: %" PRIu64 " bindings, %" PRIu64 " errors",
	             terminated ? "" : " (unterminated)", cl->imp_ok, cl->imp_err);
	cl->mode = CTL_MODE_CMD;
}

static const char *pmip_line(struct ctl_client *cl, char **tok, int ntok, char *err, size_t errlen,
                             char *ok_msg, size_t oklen);

static void import_line(struct ctl_client *cl, char *line)
{
	char *tok[CTL_MAX_TOKENS];
	struct binding_args b;
	char err[256];
	const char *what, *fail;
	bool extra;
	int n;

	if (!strcmp(line, ".")) {
		import_finish(cl, true);
		return;
	}
	cl->imp_line++;
	n = tokenize(line, tok, CTL_MAX_TOKENS, &extra);
	if (n == 0 || tok[0][0] == '#')
		return;
	if (!strcmp(tok[0], "add")) {
		memmove(tok, tok + 1, (size_t)(n - 1) * sizeof(tok[0]));
		n--;
	}
	if (extra) {
		import_error(cl, "too many fields");
		return;
	}
	if (n >= 1 && !strcmp(tok[0], "pmip")) {
		char ok[64];

		if (pmip_line(cl, tok + 1, n - 1, err, sizeof(err), ok, sizeof(ok)))
			import_error(cl, err);
		else
			cl->imp_ok++;
		return;
	}
	if (!parse_binding(tok, n, &b, err, sizeof(err))) {
		import_error(cl, err);
		return;
	}
	fail = apply_binding(cl->srv->h, &b, &what);
	if (fail)
		import_error(cl, fail);
	else
		cl->imp_ok++;
}

/* ---- PMIPv6 proxy bindings (docs/pmipv6.md) ------------------------------ */

static ssize_t parse_hex(const char *s, uint8_t *out, size_t cap);

#define PMIP_ADD_USAGE                                                                             \
	"pmip add <mnid> <hnp/len>[,<hnp/len>...] <pcoa> <lifetime_s> <timestamp> [att <n>] "      \
	"[llid <hex>] [lla <addr>] [tunnel <id>]"
#define PMIP_DEL_USAGE "pmip del <mnid> [att <n>] [llid <hex>]"

static bool pmip_mnid(const char *s, uint8_t *out, size_t *len, char *err, size_t errlen)
{
	int n = vrrp_ha_pmip_mnid_parse(s, out, VRRP_HA_MNID_MAX);

	if (n < 0) {
		snprintf(err, errlen,
		         "bad MN-ID '%.32s': an NAI of 1..%u bytes, or 0x<hex> of the RFC 4283 "
		         "option body (subtype, id: 2..%u bytes)",
		         s, VRRP_HA_MNID_MAX - 1, VRRP_HA_MNID_MAX);
		return false;
	}
	*len = (size_t)n;
	return true;
}

/* "a/len,b/len": RFC 5213 8.3, prefix length 1..128. */
static bool pmip_hnps(char *s, struct vrrp_ha_pmip *p, char *err, size_t errlen)
{
	char *save = NULL, *h;

	p->nhnp = 0;
	for (h = strtok_r(s, ",", &save); h; h = strtok_r(NULL, ",", &save)) {
		char *slash = strchr(h, '/');
		unsigned long plen;

		if (p->nhnp == VRRP_HA_PMIP_MAX_HNP) {
			snprintf(err, errlen, "more than %u HNPs", VRRP_HA_PMIP_MAX_HNP);
			return false;
		}
		if (!slash || !parse_uint(slash + 1, 1, 128, &plen)) {
			snprintf(err, errlen, "bad HNP length in '%.64s': <prefix>/<1..128>", h);
			return false;
		}
		*slash = 0;
		if (inet_pton(AF_INET6, h, &p->hnp[p->nhnp].prefix) != 1) {
			snprintf(err, errlen, "bad HNP '%.64s': not an IPv6 prefix", h);
			return false;
		}
		p->hnp[p->nhnp++].plen = (uint8_t)plen;
	}
	if (!p->nhnp) {
		snprintf(err, errlen, "no HNP");
		return false;
	}
	return true;
}

/* RFC 5213 8.8: the 64-bit 48.16 fixed-point value, decimal or 0x hex. */
static bool pmip_timestamp(const char *s, uint64_t *ts)
{
	char *end;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	*ts = strtoull(s, &end, 0);
	return !errno && !*end && *ts;
}

/* [att N] [llid HEX] [lla ADDR] [tunnel ID], each at most once. */
static bool pmip_extras(char **tok, int ntok, bool del, struct vrrp_ha_pmip *p, int *att, char *err,
                        size_t errlen)
{
	unsigned seen = 0;

	*att = -1;
	for (int i = 0; i < ntok; i += 2) {
		const char *k = tok[i], *v = i + 1 < ntok ? tok[i + 1] : NULL;
		unsigned long n;
		unsigned bit = !strcmp(k, "att")      ? 1
		               : !strcmp(k, "llid")   ? 2
		               : !strcmp(k, "lla")    ? 4
		               : !strcmp(k, "tunnel") ? 8
		                                      : 0;

		if (!bit || (del && bit > 2) || !v || (seen & bit)) {
			snprintf(err, errlen, "bad option '%.32s': expected %s", k,
			         del ? PMIP_DEL_USAGE : PMIP_ADD_USAGE);
			return false;
		}
		seen |= bit;
		if (bit == 1) {
			if (!parse_uint(v, 0, 255, &n)) {
				snprintf(err, errlen, "bad att '%.32s': 0..255 (RFC 5213 8.5)", v);
				return false;
			}
			p->att = (uint8_t)n;
			*att = (int)n;
		} else if (bit == 2) {
			ssize_t l = parse_hex(v, p->llid, sizeof(p->llid));

			if (l < 1) {
				snprintf(err, errlen, "bad llid '%.32s': 1..%u bytes of hex", v,
				         VRRP_HA_PMIP_LLID_MAX);
				return false;
			}
			p->llid_len = (size_t)l;
		} else if (bit == 4) {
			if (inet_pton(AF_INET6, v, &p->lla) != 1 ||
			    !IN6_IS_ADDR_LINKLOCAL(&p->lla)) {
				snprintf(err, errlen, "bad lla '%.64s': an IPv6 link-local address",
				         v);
				return false;
			}
			p->has_lla = true;
		} else {
			if (!parse_uint(v, 0, UINT32_MAX, &n)) {
				snprintf(err, errlen, "bad tunnel '%.32s': 0..4294967295", v);
				return false;
			}
			p->tunnel_id = (uint32_t)n;
		}
	}
	return true;
}

/* MNID HNP[,HNP..] PCOA LIFETIME TIMESTAMP [options] */
static bool parse_pmip_add(char **tok, int ntok, struct vrrp_ha_pmip *p, char *err, size_t errlen)
{
	unsigned long v;
	int att;

	memset(p, 0, sizeof(*p));
	if (ntok < 5) {
		snprintf(err, errlen, "expected %s", PMIP_ADD_USAGE);
		return false;
	}
	if (!pmip_mnid(tok[0], p->mnid, &p->mnid_len, err, errlen) ||
	    !pmip_hnps(tok[1], p, err, errlen) ||
	    !parse_addr("PCoA", tok[2], &p->pcoa, err, errlen))
		return false;
	if (!parse_uint(tok[3], 1, CTL_LIFETIME_MAX, &v)) {
		snprintf(err, errlen, "bad lifetime '%.32s': seconds, 1..%u", tok[3],
		         CTL_LIFETIME_MAX);
		return false;
	}
	p->lifetime_s = (uint32_t)v;
	if (!pmip_timestamp(tok[4], &p->timestamp)) {
		snprintf(err, errlen,
		         "bad timestamp '%.32s': RFC 5213 8.8 64-bit 48.16 fixed point, decimal or "
		         "0x hex, not 0",
		         tok[4]);
		return false;
	}
	/* RFC 5213 8.1: the P flag of a Proxy Binding Update */
	p->flags = 0x0200;
	return pmip_extras(tok + 5, ntok - 5, false, p, &att, err, errlen);
}

static const char *pmip_result(int res)
{
	switch (res) {
	case STORE_ADDED:
		return "OK added";
	case STORE_UPDATED:
		return "OK updated";
	case STORE_REFRESHED:
		return "OK refreshed";
	case STORE_STALE:
		return "ERR stale timestamp (RFC 5213 5.5: older than the binding held)";
	case STORE_NOMEM:
		return "ERR table full (max_bindings) or out of memory";
	default:
		return "ERR not applied";
	}
}

/* One "pmip add|del ..." (tok after "pmip"). Returns: NULL, or the error
 * written to err; *ok_msg the success text. */
static const char *pmip_line(struct ctl_client *cl, char **tok, int ntok, char *err, size_t errlen,
                             char *ok_msg, size_t oklen)
{
	struct vrrp_ha_pmip p;

	if (ntok >= 1 && !strcmp(tok[0], "add")) {
		const char *res;

		if (!parse_pmip_add(tok + 1, ntok - 1, &p, err, errlen))
			return err;
		res = pmip_result(vrrp_ha_pmip_add(cl->srv->h, &p));
		if (!strncmp(res, "ERR ", 4)) {
			snprintf(err, errlen, "%s", res + 4);
			return err;
		}
		snprintf(ok_msg, oklen, "%s", res);
		return NULL;
	}
	if (ntok >= 2 && !strcmp(tok[0], "del")) {
		int att;
		size_t n;

		memset(&p, 0, sizeof(p));
		if (!pmip_mnid(tok[1], p.mnid, &p.mnid_len, err, errlen) ||
		    !pmip_extras(tok + 2, ntok - 2, true, &p, &att, err, errlen))
			return err;
		n = vrrp_ha_pmip_del(cl->srv->h, p.mnid, p.mnid_len, att,
		                     p.llid_len ? p.llid : NULL, p.llid_len);
		if (!n) {
			snprintf(err, errlen, "not found");
			return err;
		}
		snprintf(ok_msg, oklen, "OK deleted %zu", n);
		return NULL;
	}
	snprintf(err, errlen, "expected %s | %s", PMIP_ADD_USAGE, PMIP_DEL_USAGE);
	return err;
}

static void cmd_pmip(struct ctl_client *cl, char **tok, int ntok)
{
	char err[256], ok[64];

	if (pmip_line(cl, tok, ntok, err, sizeof(err), ok, sizeof(ok)))
		out_printf(cl, "ERR %s\n", err);
	else
		out_printf(cl, "%s\n", ok);
}

static void show_fill(struct ctl_client *cl);
static void show_fill_mipv6(struct ctl_client *cl);

static void cmd_show(struct ctl_client *cl, char **tok, int ntok)
{
	bool bc = false, json = false, seen_table = false, pmip = false;

	for (int i = 0; i < ntok; i++) {
		if (!seen_table && (!strcmp(tok[i], "rbc") || !strcmp(tok[i], "bc"))) {
			bc = !strcmp(tok[i], "bc");
			seen_table = true;
		} else if (!json && !strcmp(tok[i], "json")) {
			json = true;
		} else if (!pmip && !strcmp(tok[i], "pmip")) {
			pmip = true;
		} else {
			out_printf(
			        cl,
			        "ERR usage: show [rbc|bc] [json] [pmip] (bad argument '%.32s')\n",
			        tok[i]);
			return;
		}
	}
	cl->show_pmip = pmip;
	cl->show_active = true;
	cl->show_bc = bc;
	cl->show_json = json;
	cl->show_cursor = 0;
	cl->show_count = 0;
	if (json) {
		out_str(cl, "{\"instance\":");
		out_json_str(cl, vrrp_ha_iname(cl->srv->h));
		out_printf(cl, ",\"table\":\"%s\",\"%s\":[\n", bc ? "bc" : "rbc",
		           pmip ? "pmip" : "bindings");
	} else if (pmip) {
		out_str(cl, "MNID HNPS PCOA LIFETIME TIMESTAMP ATT TUNNEL LLID LLA\n");
	} else {
		out_str(cl, "HOA COA SEQ FLAGS LIFETIME\n");
	}
	show_fill(cl);
}

/* One PMIPv6 row (text or JSON) into cl's output. */
static void show_pmip_row(struct ctl_client *cl, const struct vrrp_ha_record *rec)
{
	struct vrrp_ha_pmip p;
	char mnid[2 * VRRP_HA_MNID_MAX + 3], pcoa[INET6_ADDRSTRLEN], lla[INET6_ADDRSTRLEN] = "-";
	char hnps[VRRP_HA_PMIP_MAX_HNP * (INET6_ADDRSTRLEN + 7) + 1] = "";
	char llid[2 * VRRP_HA_PMIP_LLID_MAX + 3] = "-";
	size_t off = 0;

	if (vrrp_ha_pmip_from_record(rec, &p))
		return;
	vrrp_ha_pmip_mnid_text(p.mnid, p.mnid_len, mnid, sizeof(mnid));
	for (unsigned i = 0; i < p.nhnp; i++) {
		char a[INET6_ADDRSTRLEN];

		inet_ntop(AF_INET6, &p.hnp[i].prefix, a, sizeof(a));
		off += (size_t)snprintf(hnps + off, sizeof(hnps) - off,
		                        cl->show_json ? "%s\"%s/%u\"" : "%s%s/%u", i ? "," : "", a,
		                        p.hnp[i].plen);
	}
	inet_ntop(AF_INET6, &p.pcoa, pcoa, sizeof(pcoa));
	if (p.has_lla)
		inet_ntop(AF_INET6, &p.lla, lla, sizeof(lla));
	if (p.llid_len) {
		size_t o = (size_t)snprintf(llid, sizeof(llid), "0x");

		for (size_t i = 0; i < p.llid_len; i++)
			o += (size_t)snprintf(llid + o, sizeof(llid) - o, "%02x", p.llid[i]);
	}
	if (cl->show_json)
		out_printf(cl,
		           "%s{\"mnid\":\"%s\",\"hnps\":[%s],\"pcoa\":\"%s\",\"lifetime\":%" PRIu32
		           ",\"timestamp\":%" PRIu64 ",\"att\":%u,\"tunnel\":%" PRIu32
		           ",\"flags\":%u%s%s%s%s%s%s}\n",
		           cl->show_count ? "," : "", mnid, hnps, pcoa, rec->lifetime_s,
		           p.timestamp, p.att, p.tunnel_id, p.flags,
		           p.llid_len ? ",\"llid\":\"" : "", p.llid_len ? llid : "",
		           p.llid_len ? "\"" : "", p.has_lla ? ",\"lla\":\"" : "",
		           p.has_lla ? lla : "", p.has_lla ? "\"" : "");
	else
		out_printf(cl, "%s %s %s %" PRIu32 " 0x%016" PRIx64 " %u %" PRIu32 " %s %s\n", mnid,
		           hnps, pcoa, rec->lifetime_s, p.timestamp, p.att, p.tunnel_id, llid, lla);
	cl->show_count++;
}

/* The walk of a show is done: the closing line. */
static void show_end(struct ctl_client *cl, const char *what)
{
	cl->show_active = false;
	if (cl->show_json)
		out_str(cl, "]}\nOK\n");
	else
		out_printf(cl, "OK %" PRIu64 " %s\n", cl->show_count, what);
}

/* The PMIPv6 view of show: rows of the table's PMIPv6 records. */
static void show_fill_pmip(struct ctl_client *cl)
{
	struct vrrp_ha *h = cl->srv->h;
	struct vrrp_ha_rbc *t = cl->show_bc ? vrrp_ha_get_bc(h) : vrrp_ha_get_rbc(h);
	struct vrrp_ha_record v[CTL_SHOW_BATCH];

	while (cl->show_active && !cl->closing && out_pending(cl) < CTL_OUT_HIGH) {
		size_t n = t ? store_walk(rbc_store(t), VRRP_HA_KIND_PMIPV6, &cl->show_cursor, v,
		                          CTL_SHOW_BATCH, vrrp_ha_now(h))
		             : 0;

		if (n == 0) {
			show_end(cl, "proxy bindings");
			return;
		}
		for (size_t i = 0; i < n; i++)
			show_pmip_row(cl, &v[i]);
	}
}

/* Produce rows until the output buffer is high or the walk is done. */
static void show_fill(struct ctl_client *cl)
{
	if (cl->show_pmip) {
		show_fill_pmip(cl);
		return;
	}
	show_fill_mipv6(cl);
}

static void show_fill_mipv6(struct ctl_client *cl)
{
	struct vrrp_ha *h = cl->srv->h;
	struct vrrp_ha_rbc *t = cl->show_bc ? vrrp_ha_get_bc(h) : vrrp_ha_get_rbc(h);
	struct rbc_view v[CTL_SHOW_BATCH];

	while (cl->show_active && !cl->closing && out_pending(cl) < CTL_OUT_HIGH) {
		size_t n = t ? rbc_walk_view(t, &cl->show_cursor, v, CTL_SHOW_BATCH, vrrp_ha_now(h))
		             : 0;

		if (n == 0) {
			show_end(cl, "bindings");
			return;
		}
		if (out_reserve(cl, n * 192) < 0)
			return;
		for (size_t i = 0; i < n; i++) {
			char hoa[INET6_ADDRSTRLEN], coa[INET6_ADDRSTRLEN], fl[8];
			int len;

			const uint8_t *opts = NULL;
			size_t optlen = 0;
			char *atts = NULL;

			inet_ntop(AF_INET6, &v[i].hoa, hoa, sizeof(hoa));
			inet_ntop(AF_INET6, &v[i].coa, coa, sizeof(coa));
			flags_text(v[i].flags, cl->show_json, fl, sizeof(fl));
			if (rbc_opts_count(t) &&
			    rbc_lookup_opts(t, &v[i].hoa, vrrp_ha_now(h), &opts, &optlen) &&
			    optlen) {
				size_t acap = VRRP_HA_ATT_FORMAT_MAX(optlen);

				atts = malloc(acap);
				if (atts)
					atts[vrrp_ha_att_format(atts, acap, opts, optlen,
					                        cl->show_json)] = 0;
				if (atts && out_reserve(cl, (n - i) * 192 + strlen(atts)) < 0) {
					free(atts);
					return;
				}
			}
			if (cl->show_json)
				len = snprintf(cl->out + cl->out_len, cl->out_cap - cl->out_len,
				               "%s{\"hoa\":\"%s\",\"coa\":\"%s\",\"seq\":%u,"
				               "\"flags\":\"%s\",\"lifetime\":%" PRIu32 "%s}\n",
				               cl->show_count ? "," : "", hoa, coa, v[i].seq, fl,
				               v[i].lifetime_s, atts ? atts : "");
			else
				len = snprintf(cl->out + cl->out_len, cl->out_cap - cl->out_len,
				               "%s %s %u %s %" PRIu32 "%s\n", hoa, coa, v[i].seq,
				               fl, v[i].lifetime_s, atts ? atts : "");
			free(atts);
			if (len > 0)
				cl->out_len += (size_t)len;
			cl->show_count++;
		}
	}
}

static void instance_json_head(struct ctl_client *cl)
{
	struct vrrp_ha *h = cl->srv->h;

	out_str(cl, "{\"instance\":");
	out_json_str(cl, vrrp_ha_iname(h));
	out_printf(cl, ",\"vrid\":%u,\"state\":\"%s\"", vrrp_ha_vrid(h),
	           vrrp_ha_state_name(vrrp_ha_get_state(h)));
}

static bool only_json_arg(struct ctl_client *cl, const char *cmd, char **tok, int ntok)
{
	if (ntok == 1 && strcmp(tok[0], "json")) {
		out_printf(cl, "ERR usage: %s [json]\n", cmd);
		return false;
	}
	return true;
}

static void cmd_stats(struct ctl_client *cl, char **tok, int ntok)
{
	struct vrrp_ha *h = cl->srv->h;

	if (!only_json_arg(cl, "stats", tok, ntok))
		return;
	if (ntok == 1) {
		char small[1];
		int n = vrrp_ha_counters_json(h, small, sizeof(small));
		char *buf;

		if (n < 0 || !(buf = malloc((size_t)n + 1))) {
			out_str(cl, "ERR cannot format counters\n");
			return;
		}
		vrrp_ha_counters_json(h, buf, (size_t)n + 1);
		instance_json_head(cl);
		out_str(cl, ",\"counters\":");
		out_str(cl, buf);
		out_str(cl, "}\nOK\n");
		free(buf);
		return;
	}
	{
		const struct vrrp_ha_counters_reg *reg = vrrp_ha_counters_registry(h);
		size_t nc = vrrp_ha_counters_count(reg);

		for (size_t i = 0; i < nc; i++) {
			const struct vrrp_ha_counter *c = vrrp_ha_counters_at(reg, i);

			out_printf(cl, "%s %" PRIu64 "\n", c->name, vrrp_ha_counter_read(c));
		}
	}
	out_str(cl, "OK\n");
}

/* The hold and the group's routers, for state: text lines or JSON members. */
/* The switch engine's view (switch.h): phase, its peer, the last result. */
static void state_switch(struct ctl_client *cl, bool json)
{
	struct vrrp_ha_switch_info si;
	char a[INET6_ADDRSTRLEN] = "none";
	bool busy;

	vrrp_ha_switch_get_info(cl->srv->h, &si);
	busy = strcmp(si.phase, "idle") != 0;
	if (busy)
		inet_ntop(AF_INET6, &si.peer, a, sizeof(a));
	if (json) {
		out_printf(cl, ",\"switch\":{\"phase\":\"%s\",\"peer\":", si.phase);
		if (busy)
			out_printf(cl, "\"%s\"", a);
		else
			out_str(cl, "null");
		out_printf(cl, ",\"last\":");
		if (si.have_last)
			out_printf(cl, "\"%s\"", vrrp_ha_switch_status_name(si.last_status));
		else
			out_str(cl, "null");
		out_printf(cl, ",\"tracked_priority\":%u}", si.tracked);
	} else {
		out_printf(cl, "switch %s%s%s last %s\n", si.phase, busy ? " " : "", busy ? a : "",
		           si.have_last ? vrrp_ha_switch_status_name(si.last_status) : "none");
	}
}

/* MAGs taken or given (magsw.h): one line "mag PCOA taken|given|... PEER
 * COUNT" each, or a JSON array. */
static void state_magsw(struct ctl_client *cl, bool json)
{
	struct vrrp_ha_magsw_info mi[VRRP_HA_MAGSW_MAX];
	size_t n = vrrp_ha_magsw_list(cl->srv->h, mi, VRRP_HA_MAGSW_MAX);
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	if (json)
		out_str(cl, ",\"mags\":[");
	for (size_t i = 0; i < n && i < VRRP_HA_MAGSW_MAX; i++) {
		inet_ntop(AF_INET6, &mi[i].mag, a, sizeof(a));
		inet_ntop(AF_INET6, &mi[i].peer, b, sizeof(b));
		if (json)
			out_printf(cl,
			           "%s{\"mag\":\"%s\",\"role\":\"%s\",\"phase\":\"%s\","
			           "\"peer\":\"%s\",\"bindings\":%" PRIu32 "}",
			           i ? "," : "", a, mi[i].taker ? "taker" : "giver", mi[i].phase, b,
			           mi[i].count);
		else
			out_printf(cl, "mag %s %s %s %s %" PRIu32 "\n", a,
			           mi[i].taker ? "taker" : "giver", mi[i].phase, b, mi[i].count);
	}
	if (json)
		out_str(cl, "]");
}

static void state_hold_peers(struct ctl_client *cl, bool json)
{
	struct vrrp_ha *h = cl->srv->h;
	struct vrrp_ha_peer_info pi[VRRP_HA_PEERS_MAX];
	size_t np = vrrp_ha_peers(h, pi, VRRP_HA_PEERS_MAX);
	uint64_t now = vrrp_ha_now(h);
	unsigned held = vrrp_ha_held_prio(h);
	struct in6_addr m;
	bool have_m = vrrp_ha_master_addr(h, &m);
	char why[64], a[INET6_ADDRSTRLEN];

	vrrp_ha_hold_reasons_text(h, why, sizeof(why));
	if (have_m)
		inet_ntop(AF_INET6, &m, a, sizeof(a));
	if (json) {
		out_printf(cl, ",\"held\":%u,\"hold_reasons\":\"%s\",\"master\":", held, why);
		if (have_m)
			out_printf(cl, "\"%s\"", a);
		else
			out_str(cl, "null");
		out_str(cl, ",\"peers\":[");
	} else {
		if (held)
			out_printf(cl, "held %u (%s)\n", held, why);
		else
			out_str(cl, "held no\n");
		out_printf(cl, "master %s\n", have_m ? a : "none");
	}
	for (size_t i = 0; i < np; i++) {
		char age[24] = "-";

		inet_ntop(AF_INET6, &pi[i].addr, a, sizeof(a));
		if (pi[i].adverts)
			snprintf(age, sizeof(age), "%" PRIu64, now - pi[i].last_advert_ms);
		if (json)
			out_printf(cl,
			           "%s{\"address\":\"%s\",\"priority\":%u,\"ha\":%s,\"non_ha\":%s,"
			           "\"master\":%s,\"adverts\":%" PRIu64
			           ",\"last_advert_age_ms\":%s}",
			           i ? "," : "", a, pi[i].priority, pi[i].ha ? "true" : "false",
			           pi[i].non_ha ? "true" : "false", pi[i].master ? "true" : "false",
			           pi[i].adverts, pi[i].adverts ? age : "null");
		else
			out_printf(cl,
			           "peer %s priority %u ha %s master %s adverts %" PRIu64
			           " age_ms %s\n",
			           a, pi[i].priority,
			           pi[i].ha ? "yes" : (pi[i].non_ha ? "no" : "unknown"),
			           pi[i].master ? "yes" : "no", pi[i].adverts, age);
	}
	if (json)
		out_str(cl, "]");
	state_switch(cl, json);
	state_magsw(cl, json);
}

/* The digest of t's PMIPv6 records (store.h): equal tables, equal digests. */
static uint64_t pmip_digest(struct vrrp_ha_rbc *t)
{
	uint32_t c = 0;
	uint64_t d = 0;

	if (t)
		store_digest_total(rbc_store(t), VRRP_HA_KIND_PMIPV6, &c, &d);
	return d;
}

static void cmd_state(struct ctl_client *cl, char **tok, int ntok)
{
	struct vrrp_ha *h = cl->srv->h;
	struct vrrp_ha_rbc *rbc = vrrp_ha_get_rbc(h), *bc = vrrp_ha_get_bc(h);
	size_t nrbc = rbc ? rbc_count(rbc) : 0, nbc = bc ? rbc_count(bc) : 0;
	size_t mrbc = rbc ? rbc_memory(rbc) : 0, mbc = bc ? rbc_memory(bc) : 0;
	uint32_t crbc = 0, cbc = 0;
	uint64_t drbc = 0, dbc = 0;

	if (!only_json_arg(cl, "state", tok, ntok))
		return;
	/* the digests (docs/sync.md): two tables hold the same bindings
	 * exactly when count and digest agree */
	if (rbc)
		rbc_digest_total(rbc, &crbc, &drbc);
	if (bc)
		rbc_digest_total(bc, &cbc, &dbc);
	if (ntok == 1) {
		instance_json_head(cl);
		out_printf(cl,
		           ",\"owner\":%s,\"rbc\":%zu,\"bc\":%zu,\"backlog\":%zu,"
		           "\"rbc_bytes\":%zu,\"bc_bytes\":%zu,\"sync\":\"%s\","
		           "\"rbc_digest\":\"%016" PRIx64 "\",\"bc_digest\":\"%016" PRIx64 "\"",
		           vrrp_ha_is_owner(h) ? "true" : "false", nrbc, nbc, vrrp_ha_tx_backlog(h),
		           mrbc, mbc, vrrp_ha_sync_state_name(vrrp_ha_sync_state(h)), drbc, dbc);
		out_printf(cl,
		           ",\"rbc_pmip\":%zu,\"bc_pmip\":%zu,\"rbc_pmip_digest\":\"%016" PRIx64
		           "\",\"bc_pmip_digest\":\"%016" PRIx64 "\"",
		           vrrp_ha_pmip_count(h, false), vrrp_ha_pmip_count(h, true),
		           pmip_digest(rbc), pmip_digest(bc));
		state_hold_peers(cl, true);
		out_str(cl, "}\nOK\n");
		return;
	}
	out_printf(cl,
	           "instance %s\nvrid %u\nstate %s\nowner %s\nrbc %zu\nbc %zu\nbacklog %zu\n"
	           "rbc_bytes %zu\nbc_bytes %zu\nsync %s\nrbc_digest %016" PRIx64
	           "\nbc_digest %016" PRIx64 "\n",
	           vrrp_ha_iname(h), vrrp_ha_vrid(h), vrrp_ha_state_name(vrrp_ha_get_state(h)),
	           vrrp_ha_is_owner(h) ? "yes" : "no", nrbc, nbc, vrrp_ha_tx_backlog(h), mrbc, mbc,
	           vrrp_ha_sync_state_name(vrrp_ha_sync_state(h)), drbc, dbc);
	out_printf(cl,
	           "rbc_pmip %zu\nbc_pmip %zu\nrbc_pmip_digest %016" PRIx64
	           "\nbc_pmip_digest %016" PRIx64 "\n",
	           vrrp_ha_pmip_count(h, false), vrrp_ha_pmip_count(h, true), pmip_digest(rbc),
	           pmip_digest(bc));
	state_hold_peers(cl, false);
	out_str(cl, "OK\n");
}

/* hold [PRIO]: the operator's hold (default priority 1), until release. */
static void cmd_hold(struct ctl_client *cl, char **tok, int ntok)
{
	struct vrrp_ha *h = cl->srv->h;
	unsigned long prio = VRRP_HA_HOLD_PRIO_MIN;

	if (ntok == 1 && !parse_uint(tok[0], VRRP_HA_HOLD_PRIO_MIN, VRRP_HA_HOLD_PRIO_MAX, &prio)) {
		out_printf(cl, "ERR bad priority '%.32s': %u..%u\n", tok[0], VRRP_HA_HOLD_PRIO_MIN,
		           VRRP_HA_HOLD_PRIO_MAX);
		return;
	}
	vrrp_ha_hold(h, VRRP_HA_HOLD_OPERATOR, (unsigned)prio, "vrrp-ha-ctl hold");
	out_printf(cl, "OK held at %u\n", vrrp_ha_held_prio(h));
}

static void cmd_release(struct ctl_client *cl, char **tok, int ntok)
{
	struct vrrp_ha *h = cl->srv->h;
	bool had = vrrp_ha_hold_reason_prio(h, VRRP_HA_HOLD_OPERATOR) != 0 ||
	           vrrp_ha_hold_reason_prio(h, VRRP_HA_HOLD_SWITCH) != 0;
	char why[64];

	vrrp_ha_hold(h, VRRP_HA_HOLD_OPERATOR, 0, "vrrp-ha-ctl release");
	vrrp_ha_hold(h, VRRP_HA_HOLD_SWITCH, 0, "vrrp-ha-ctl release");
	vrrp_ha_hold_reasons_text(h, why, sizeof(why));
	if (vrrp_ha_held_prio(h))
		out_printf(cl, "OK %s; still held at %u (%s)\n", had ? "released" : "not held",
		           vrrp_ha_held_prio(h), why);
	else
		out_printf(cl, "OK %s\n", had ? "released" : "not held");
}

static int client_rewatch(struct ctl_client *cl);

static void process_lines(struct ctl_client *cl);

/* The result of a switch this client started: one status line, then the
 * client's next lines are read again. "ERR <status> <name>: ..." lets the
 * CLI map each status to its exit code. */
static void switch_done(void *arg, unsigned status, const struct in6_addr *peer, const char *detail)
{
	struct ctl_client *cl = arg;
	char a[INET6_ADDRSTRLEN] = "-";

	if (peer)
		inet_ntop(AF_INET6, peer, a, sizeof(a));
	cl->sw_wait = false;
	if (status)
		out_printf(cl, "ERR %u %s: %s\n", status, vrrp_ha_switch_status_name(status),
		           detail);
	else
		out_printf(cl, "OK switched (peer %s): %s\n", a, detail);
	client_cb(cl, cl->fd, 0); /* write it, read what waited, or close */
}

static void cmd_switch(struct ctl_client *cl, enum vrrp_ha_switch_kind kind, char **tok, int ntok)
{
	struct in6_addr peer;
	char err[200];

	if (ntok == 1 && inet_pton(AF_INET6, tok[0], &peer) != 1) {
		out_printf(cl, "ERR bad address '%.64s'\n", tok[0]);
		return;
	}
	if (vrrp_ha_switch_start(cl->srv->h, kind, ntok == 1 ? &peer : NULL, switch_done, cl, err,
	                         sizeof(err))) {
		out_printf(cl, "ERR %s\n", err);
		return;
	}
	cl->sw_wait = true;
}

static void cmd_switchover(struct ctl_client *cl, char **tok, int ntok)
{
	cmd_switch(cl, VRRP_HA_SWITCHOVER, tok, ntok);
}

static void cmd_switchback(struct ctl_client *cl, char **tok, int ntok)
{
	cmd_switch(cl, VRRP_HA_SWITCHBACK, tok, ntok);
}

/* The result of a per-MAG takeover or switch-back this client started
 * (magsw.h): as switch_done(). */
static void magsw_done(void *arg, unsigned status, const struct in6_addr *peer, const char *detail)
{
	struct ctl_client *cl = arg;
	char a[INET6_ADDRSTRLEN] = "-";

	if (peer)
		inet_ntop(AF_INET6, peer, a, sizeof(a));
	cl->sw_wait = false;
	if (status)
		out_printf(cl, "ERR %u %s: %s\n", status, vrrp_ha_magsw_status_name(status),
		           detail);
	else
		out_printf(cl, "OK switched (peer %s): %s\n", a, detail);
	client_cb(cl, cl->fd, 0);
}

static void cmd_magsw(struct ctl_client *cl, enum vrrp_ha_magsw_kind kind, char **tok)
{
	struct in6_addr mag;
	char err[200];

	if (inet_pton(AF_INET6, tok[0], &mag) != 1) {
		out_printf(cl, "ERR bad proxy-CoA '%.64s'\n", tok[0]);
		return;
	}
	if (vrrp_ha_magsw_start(cl->srv->h, kind, &mag, magsw_done, cl, err, sizeof(err))) {
		out_printf(cl, "ERR %s\n", err);
		return;
	}
	cl->sw_wait = true;
}

static void cmd_takeover_mag(struct ctl_client *cl, char **tok, int ntok)
{
	(void)ntok;
	cmd_magsw(cl, VRRP_HA_MAGSW_TAKE, tok);
}

static void cmd_switch_back_mag(struct ctl_client *cl, char **tok, int ntok)
{
	(void)ntok;
	cmd_magsw(cl, VRRP_HA_MAGSW_BACK, tok);
}

/* Tell a watcher how many lines it lost, once its buffer has room again. */
static void watch_report_dropped(struct ctl_client *cl)
{
	if (!cl->watch_dropped || out_pending(cl) >= CTL_OUT_HIGH)
		return;
	if (cl->watch_json)
		out_printf(cl, "{\"event\":\"DROPPED\",\"count\":%" PRIu64 "}\n",
		           cl->watch_dropped);
	else
		out_printf(cl, "DROPPED %" PRIu64 "\n", cl->watch_dropped);
	cl->watch_dropped = 0;
}

/* An event of the instance: one line to a watching client. Never blocks:
 * a client that does not read loses lines (counted, then reported). */
static void watch_event(void *arg, const struct vrrp_ha_event *ev)
{
	struct ctl_client *cl = arg;
	char line[512];
	int n;

	if (cl->closing)
		return;
	if (out_pending(cl) >= CTL_OUT_HIGH) {
		cl->watch_dropped++;
		return;
	}
	watch_report_dropped(cl);
	n = vrrp_ha_event_format(ev, cl->watch_json, line, sizeof(line));
	if (n > 0 && (size_t)n < sizeof(line)) {
		line[n] = '\n';
		out_put(cl, line, (size_t)n + 1);
	}
	/* a burst (a repair applies thousands of records in one wake-up)
	 * would fill the buffer before the loop writes it: hand what the
	 * socket takes now, never waiting */
	if (out_pending(cl) >= CTL_OUT_HIGH / 4 && out_flush(cl) < 0)
		cl->closing = true; /* the loop closes it */
	(void)client_rewatch(cl);   /* the loop writes it out */
}

static void cmd_watch(struct ctl_client *cl, char **tok, int ntok)
{
	uint32_t mask =
	        (VRRP_HA_EMASK_ALL & ~VRRP_HA_EMASK(VRRP_HA_E_REFRESHED)) | VRRP_HA_EMASK_PMIP;
	bool json = false;

	for (int i = 0; i < ntok; i++) {
		if (!strcmp(tok[i], "json"))
			json = true;
		else if (!strcmp(tok[i], "all"))
			mask = VRRP_HA_EMASK_ALL | VRRP_HA_EMASK_PMIP;
		else {
			out_str(cl, "ERR usage: watch [json] [all]\n");
			return;
		}
	}
	if (cl->watch_id) {
		out_str(cl, "ERR already watching\n");
		return;
	}
	cl->watch_id = vrrp_ha_subscribe(cl->srv->h, mask, watch_event, cl);
	if (!cl->watch_id) {
		out_str(cl, "ERR out of memory\n");
		return;
	}
	cl->watch_json = json;
	cl->watch_mask = mask;
	out_str(cl, "OK watching\n");
}

static void cmd_persistent(struct ctl_client *cl, char **tok, int ntok)
{
	cl->persistent = true;
	out_str(cl, "OK persistent\n");
}

static void cmd_help(struct ctl_client *cl, char **tok, int ntok);

static void cmd_quit(struct ctl_client *cl, char **tok, int ntok)
{
	out_str(cl, "OK bye\n");
	cl->closing = true;
}

/* ---- attach: AAA / vendor state of a binding (docs/attachments.md) ------ */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Hex digits (an even number, optional "0x") into out. Returns: bytes, -1 bad. */
static ssize_t parse_hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (!*s)
		return -1;
	for (; s[0]; s += 2) {
		int hi = hexval((unsigned char)s[0]), lo = s[1] ? hexval((unsigned char)s[1]) : -1;

		if (hi < 0 || lo < 0 || n == cap)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | lo);
	}
	return (ssize_t)n;
}

/* "aaa CODE" or "vendor VENDOR:SUBTYPE" into a. Returns: NULL or the error. */
static const char *parse_att_id(const char *type, const char *code, struct vrrp_ha_att *a)
{
	unsigned long v, sub;
	char *end;

	memset(a, 0, sizeof(*a));
	if (!strcmp(type, "aaa")) {
		a->type = VRRP_HA_ATT_AAA;
		errno = 0;
		v = strtoul(code, &end, 10);
		if (errno || *end || end == code || !isdigit((unsigned char)code[0]) ||
		    v > UINT32_MAX)
			return "bad AAA code: an AVP code, 0..4294967295";
		a->code = (uint32_t)v;
		return NULL;
	}
	if (strcmp(type, "vendor"))
		return "bad attachment type: aaa or vendor";
	a->type = VRRP_HA_ATT_VENDOR;
	errno = 0;
	v = strtoul(code, &end, 10);
	if (errno || *end != ':' || end == code || !isdigit((unsigned char)code[0]) ||
	    v > UINT32_MAX)
		return "bad vendor code: VENDOR_ID:SUBTYPE (enterprise number, 0..255)";
	code = end + 1;
	sub = strtoul(code, &end, 10);
	if (errno || *end || end == code || !isdigit((unsigned char)code[0]) || sub > 255)
		return "bad vendor code: VENDOR_ID:SUBTYPE (enterprise number, 0..255)";
	a->vendor = (uint32_t)v;
	a->subtype = (uint8_t)sub;
	if (a->vendor == VRRP_HA_ATT_PEN && a->subtype == VRRP_HA_ATT_AAA_SUBTYPE)
		return "vendor 32473:1 is where AAA attachments go: use aaa";
	return NULL;
}

/* attach HOA aaa|vendor CODE HEX|- : set or remove one attachment of a
 * binding of the daemon's BC copy (this node's daemon owns it). */
static void cmd_attach(struct ctl_client *cl, char **tok, int ntok)
{
	uint8_t data[VRRP_HA_ATT_VENDOR_MAX];
	struct vrrp_ha_att a;
	struct in6_addr hoa;
	bool remove = !strcmp(tok[3], "-");
	const char *err;
	size_t optlen = 0;
	ssize_t n;

	(void)ntok;
	if (inet_pton(AF_INET6, tok[0], &hoa) != 1) {
		out_printf(cl, "ERR bad HoA '%.64s': not an IPv6 address\n", tok[0]);
		return;
	}
	if ((err = parse_att_id(tok[1], tok[2], &a)) != NULL) {
		out_printf(cl, "ERR %s\n", err);
		return;
	}
	if (!remove) {
		size_t max =
		        a.type == VRRP_HA_ATT_AAA ? VRRP_HA_ATT_AAA_MAX : VRRP_HA_ATT_VENDOR_MAX;
		size_t digits =
		        strlen(tok[3]) - (tok[3][0] == '0' && (tok[3][1] | 0x20) == 'x' ? 2 : 0);

		if (digits / 2 > max) {
			out_printf(cl, "ERR attachment too long: %zu bytes, at most %zu\n",
			           digits / 2, max);
			return;
		}
		n = parse_hex(tok[3], data, sizeof(data));
		if (n < 0) {
			out_str(cl, "ERR bad data: hex digits, an even number of them (or - to "
			            "remove)\n");
			return;
		}
		a.data = data;
		a.len = (size_t)n;
	}
	switch (vrrp_ha_attach(cl->srv->h, &hoa, &a, remove, &optlen)) {
	case 0:
		out_printf(cl, "OK %s (%zu bytes of options)\n", remove ? "removed" : "attached",
		           optlen);
		break;
	case -ENOENT:
		out_printf(cl, "ERR no binding for HoA %s in this node's bc\n", tok[0]);
		break;
	case -ESRCH:
		out_str(cl, "ERR no such attachment\n");
		break;
	case -E2BIG:
		out_printf(cl,
		           "ERR the binding's attachments would exceed %u bytes: nothing changed\n",
		           RBC_OPTS_MAX);
		break;
	case -EINVAL:
		out_str(cl, "ERR attachment refused (malformed options)\n");
		break;
	default:
		out_str(cl, "ERR out of memory\n");
		break;
	}
}

/* ---- resync: State Synchronization Request (resync.h) ------------------- */

/* The answer came (or the retries ran out): one line per key, then the
 * status: "OK resynced N", "ERR timeout: ..." */
static void resync_done(void *arg, uint32_t id, const struct in6_addr *keys, const uint8_t *st,
                        unsigned n, int result)
{
	struct ctl_client *cl = arg;
	struct vrrp_ha *h = cl->srv->h;
	/* a backup keeps peers' records in its RBC, an owner in its bc */
	struct vrrp_ha_rbc *t = vrrp_ha_is_owner(h) ? vrrp_ha_get_bc(h) : vrrp_ha_get_rbc(h);
	unsigned got = 0;

	if (cl->resync_id != id)
		return;
	cl->resync_id = 0;
	for (unsigned i = 0; i < n; i++) {
		char hoa[INET6_ADDRSTRLEN], coa[INET6_ADDRSTRLEN];
		struct rbc_view v;

		inet_ntop(AF_INET6, &keys[i], hoa, sizeof(hoa));
		if (st[i] == VRRP_HA_RESYNC_PRESENT && t &&
		    rbc_lookup(t, &keys[i], vrrp_ha_now(h), &v)) {
			const uint8_t *opts;
			size_t ol;
			char atts[VRRP_HA_ATT_FORMAT_MAX(RBC_OPTS_MAX)];

			atts[0] = 0;
			if (rbc_lookup_opts(t, &keys[i], vrrp_ha_now(h), &opts, &ol) && ol)
				vrrp_ha_att_format(atts, sizeof(atts), opts, ol, false);
			inet_ntop(AF_INET6, &v.coa, coa, sizeof(coa));
			out_printf(cl, "%s present %s %u %" PRIu32 "%s\n", hoa, coa, v.seq,
			           v.lifetime_s, atts);
			got++;
		} else if (st[i] == VRRP_HA_RESYNC_PRESENT) {
			out_printf(cl, "%s present (not kept here)\n", hoa);
			got++;
		} else if (st[i] == VRRP_HA_RESYNC_NONE) {
			out_printf(cl, "%s none\n", hoa);
			got++;
		} else {
			out_printf(cl, "%s no answer\n", hoa);
		}
	}
	if (result)
		out_printf(cl, "ERR timeout: %u of %u answered\n", got, n);
	else
		out_printf(cl, "OK resynced %u\n", n);
	(void)client_rewatch(cl); /* the loop writes it out */
}

/* resync HOA [HOA...]: ask the master for these bindings; the answer
 * comes when it arrives (resync_done). */
static void cmd_resync(struct ctl_client *cl, char **tok, int ntok)
{
	struct in6_addr keys[CTL_MAX_TOKENS];
	uint32_t id = 0;
	int rc;

	if (cl->resync_id) {
		out_str(cl, "ERR refused: a resync of this connection is still waiting\n");
		return;
	}
	for (int i = 0; i < ntok; i++)
		if (inet_pton(AF_INET6, tok[i], &keys[i]) != 1 || vrrp_ha_addr_unusable(&keys[i])) {
			out_printf(cl, "ERR bad HoA '%.64s'\n", tok[i]);
			return;
		}
	rc = vrrp_ha_resync(cl->srv->h, keys, (unsigned)ntok, resync_done, cl, &id);
	switch (rc) {
	case 0:
		cl->resync_id = id;
		break;
	case -EOPNOTSUPP:
		out_str(cl, "ERR refused: extensions are off (the draft-deng wire has no such "
		            "request)\n");
		break;
	case -EPERM:
		out_str(cl, "ERR refused: not a backup (a master is the reference itself)\n");
		break;
	case -ENOTCONN:
		out_str(cl, "ERR refused: no master followed yet\n");
		break;
	case -EBUSY:
		out_str(cl, "ERR refused: too many requests waiting, try again\n");
		break;
	default:
		out_str(cl, "ERR refused: bad request\n");
		break;
	}
}

static const struct ctl_cmd {
	const char *name;
	void (*fn)(struct ctl_client *cl, char **tok, int ntok);
	int min_args, max_args;
	const char *args, *what;
} ctl_cmds[] = {
        {"add", cmd_add, 4, 5, "<hoa> <coa> <lifetime_s> <seq> [<flags>]",
         "add or update a binding (flags default H)"},
        {"del", cmd_del, 1, 1, "<hoa>", "delete a binding"},
        {"flush", cmd_flush, 0, 0, "", "delete every binding"},
        {"import", cmd_import, 0, 0, "", "bindings follow, one a line, up to a line '.'"},
        {"show", cmd_show, 0, 3, "[rbc|bc] [json] [pmip]",
         "list the RBC or the daemon's BC copy (pmip: its PMIPv6 proxy bindings)"},
        {"pmip", cmd_pmip, 2, CTL_MAX_TOKENS - 1,
         "add <mnid> <hnp/len>[,...] <pcoa> <lifetime_s> <timestamp> [att <n>] [llid <hex>] "
         "[lla <addr>] [tunnel <id>] | del <mnid> [att <n>] [llid <hex>]",
         "add / update or delete PMIPv6 proxy bindings (docs/pmipv6.md)"},
        {"resync", cmd_resync, 1, CTL_MAX_TOKENS - 1, "<hoa> [<hoa>...]",
         "ask the master for these bindings and wait for its answer"},
        {"attach", cmd_attach, 4, 4, "<hoa> aaa|vendor <code> <hex>|-",
         "set (or - remove) AAA / vendor state of a binding"},
        {"stats", cmd_stats, 0, 1, "[json]", "counters"},
        {"state", cmd_state, 0, 1, "[json]", "instance state, table sizes, hold, peers"},
        {"hold", cmd_hold, 0, 1, "[<prio>]",
         "hold the VRRP priority at prio (default 1) until release"},
        {"release", cmd_release, 0, 0, "", "end the hold of the hold command (and a switch's)"},
        {"switchover", cmd_switchover, 0, 0, "",
         "standby: ask the active HA to hand over to this node; waits for the result"},
        {"switchback", cmd_switchback, 0, 1, "[<peer>]",
         "active HA: hand over to peer (default: the best in-sync standby)"},
        {"takeover-mag", cmd_takeover_mag, 1, 1, "<pcoa>",
         "standby LMA: take one MAG's proxy bindings from the active LMA; waits"},
        {"switch-back-mag", cmd_switch_back_mag, 1, 1, "<pcoa>",
         "end a per-MAG takeover (on the taker or the giver); waits"},
        {"watch", cmd_watch, 0, 2, "[json] [all]",
         "stream events until the connection closes (all: with REFRESH)"},
        {"persistent", cmd_persistent, 0, 0, "",
         "never close this connection for idleness (the daemon's adapter)"},
        {"help", cmd_help, 0, 0, "", "this list"},
        {"quit", cmd_quit, 0, 0, "", "close the connection"},
};

static void cmd_help(struct ctl_client *cl, char **tok, int ntok)
{
	for (size_t i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++)
		out_printf(cl, "  %-6s %-40s %s\n", ctl_cmds[i].name, ctl_cmds[i].args,
		           ctl_cmds[i].what);
	out_str(cl, "OK\n");
}

static void command_line(struct ctl_client *cl, char *line)
{
	char *tok[CTL_MAX_TOKENS];
	bool extra;
	int n = tokenize(line, tok, CTL_MAX_TOKENS, &extra);

	if (n == 0)
		return; /* blank lines are ignored */
	for (size_t i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++) {
		const struct ctl_cmd *c = &ctl_cmds[i];

		if (strcmp(tok[0], c->name))
			continue;
		if (cl->watch_id && c->fn != cmd_quit)
			out_str(cl, "ERR watching: only quit\n");
		else if (extra || n - 1 < c->min_args || n - 1 > c->max_args)
			out_printf(cl, "ERR usage: %s%s%s\n", c->name, *c->args ? " " : "",
			           c->args);
		else
			c->fn(cl, tok + 1, n - 1);
		return;
	}
	out_printf(cl, "ERR unknown command '%.64s'\n", tok[0]);
}

/* ---- client I/O --------------------------------------------------------- */

static void too_long_line(struct ctl_client *cl)
{
	if (cl->mode == CTL_MODE_IMPORT) {
		cl->imp_line++;
		import_error(cl, "line too long");
	} else {
		out_str(cl, "ERR line too long\n");
	}
}

/* Is there a line (or a too long fragment) to handle without reading more? */
static bool input_ready(const struct ctl_client *cl)
{
	size_t avail = cl->in_len - cl->in_off;

	if (cl->sw_wait)
		return false;
	if (!avail)
		return false;
	if (memchr(cl->in + cl->in_off, '\n', avail))
		return true;
	if (cl->discarding)
		return false;
	return avail > CTL_LINE_MAX || cl->eof;
}

static void handle_line(struct ctl_client *cl, char *line, size_t len)
{
	if (len && line[len - 1] == '\r')
		line[--len] = '\0';
	if (cl->mode == CTL_MODE_IMPORT)
		import_line(cl, line);
	else
		command_line(cl, line);
}

/* Handle buffered lines, within the per-event budget and output limit. */
static void process_lines(struct ctl_client *cl)
{
	unsigned budget = CTL_LINES_PER_EVENT;

	while (budget && !cl->closing && !cl->show_active && !cl->sw_wait &&
	       out_pending(cl) < CTL_OUT_HIGH) {
		char *start = cl->in + cl->in_off;
		size_t avail = cl->in_len - cl->in_off;
		char *nl = memchr(start, '\n', avail);
		size_t len;

		if (cl->discarding) {
			if (!nl) {
				cl->in_off = cl->in_len;
				break;
			}
			cl->discarding = false;
			cl->in_off += (size_t)(nl - start) + 1;
			continue;
		}
		if (!nl) {
			if (avail > CTL_LINE_MAX) {
				too_long_line(cl);
				cl->discarding = true;
				cl->in_off = cl->in_len;
				budget--;
				continue;
			}
			if (!cl->eof || !avail)
				break;
			/* the peer ended with an unterminated line: take it */
			len = avail;
			start[len] = '\0';
			cl->in_off = cl->in_len;
		} else {
			len = (size_t)(nl - start);
			cl->in_off += len + 1;
			if (len > CTL_LINE_MAX) {
				too_long_line(cl);
				budget--;
				continue;
			}
			*nl = '\0';
		}
		handle_line(cl, start, len);
		budget--;
	}
	if (cl->in_off == cl->in_len) {
		cl->in_off = cl->in_len = 0;
	} else if (cl->in_off && !input_ready(cl)) {
		/* only a partial line is left: move it to the front */
		memmove(cl->in, cl->in + cl->in_off, cl->in_len - cl->in_off);
		cl->in_len -= cl->in_off;
		cl->in_off = 0;
	}
}

/* Read once. Returns: 0, or -1 if the client is gone. */
static int client_read(struct ctl_client *cl)
{
	size_t room;
	ssize_t n;

	if (cl->in_off) {
		memmove(cl->in, cl->in + cl->in_off, cl->in_len - cl->in_off);
		cl->in_len -= cl->in_off;
		cl->in_off = 0;
	}
	room = sizeof(cl->in) - 1 - cl->in_len; /* 1 for the NUL of a last line */
	if (room > CTL_READ_MAX)
		room = CTL_READ_MAX;
	if (!room)
		return 0;
	do
		n = recv(cl->fd, cl->in + cl->in_len, room, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
	if (n == 0)
		cl->eof = true;
	cl->in_len += (size_t)n;
	return 0;
}

static int client_events(const struct ctl_client *cl)
{
	bool work = cl->show_active || (!cl->closing && input_ready(cl));
	int ev = 0;

	if (out_pending(cl) || work)
		ev |= VRRP_HA_EV_WRITE;
	if (!cl->eof && !cl->closing && !work && out_pending(cl) < CTL_OUT_HIGH)
		ev |= VRRP_HA_EV_READ;
	return ev;
}

static void client_close(struct ctl_client *cl)
{
	struct vrrp_ha_ctl *c = cl->srv;

	if (cl->watch_id)
		vrrp_ha_unsubscribe(c->h, cl->watch_id);
	if (cl->sw_wait) {
		vrrp_ha_switch_detach(c->h, cl);
		vrrp_ha_magsw_detach(c->h, cl);
	}
	if (cl->resync_id)
		vrrp_ha_resync_cancel(c->h, cl->resync_id);
	if (cl->watched)
		c->ops->unwatch_fd(c->ctx, cl->fd);
	close(cl->fd);
	for (unsigned i = 0; i < c->ncl; i++) {
		if (c->cl[i] == cl) {
			c->cl[i] = c->cl[--c->ncl];
			c->cl[c->ncl] = NULL;
			break;
		}
	}
	c->full_logged = false;
	free(cl->out);
	free(cl);
}

/* Register the events the client needs now. Returns: 0, or -1 (closed). */
static int client_rewatch(struct ctl_client *cl)
{
	struct vrrp_ha_ctl *c = cl->srv;
	int ev = client_events(cl);

	if (ev == cl->watched)
		return 0;
	if (!ev) {
		c->ops->unwatch_fd(c->ctx, cl->fd);
	} else if (c->ops->watch_fd(c->ctx, cl->fd, ev, client_cb, cl) < 0) {
		vrrp_ha_logf(c->h, LOG_ERR, "control socket %s: cannot watch a client: %s", c->path,
		             strerror(errno));
		cl->watched = 0;
		client_close(cl);
		return -1;
	}
	cl->watched = ev;
	return 0;
}

static void client_cb(void *data, int fd, int events)
{
	struct ctl_client *cl = data;

	cl->last_active_ms = vrrp_ha_now(cl->srv->h);
	if (out_flush(cl) < 0)
		goto gone;
	if ((events & VRRP_HA_EV_READ) && !cl->eof && !cl->closing && client_read(cl) < 0)
		goto gone;

	if (cl->show_active)
		show_fill(cl);
	watch_report_dropped(cl);
	process_lines(cl);
	if (cl->eof && !cl->show_active && !input_ready(cl) && cl->mode == CTL_MODE_IMPORT)
		import_finish(cl, false);
	if (out_flush(cl) < 0)
		goto gone;

	if ((cl->eof || cl->closing) && !out_pending(cl) && !cl->show_active && !cl->resync_id &&
	    (cl->closing || (!input_ready(cl) && !cl->sw_wait)))
		goto gone;
	client_rewatch(cl);
	return;
gone:
	client_close(cl);
}

/* ---- idle clients ------------------------------------------------------- */

/* Is cl doing nothing at all: no command pending, nothing to send, not
 * importing, showing or watching, not marked persistent? */
static bool client_idle(const struct ctl_client *cl)
{
	return !cl->persistent && !cl->watch_id && !cl->show_active && !cl->closing &&
	       !cl->sw_wait && cl->mode == CTL_MODE_CMD && !out_pending(cl) &&
	       cl->in_len == cl->in_off && !cl->resync_id;
}

static void client_say_close(struct ctl_client *cl, const char *why)
{
	if (send(cl->fd, why, strlen(why), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		/* nothing more to tell that client */
	}
	client_close(cl);
}

/* Close clients idle for longer than the configured timeout. */
static void reap_idle(struct vrrp_ha_ctl *c, uint64_t now)
{
	uint64_t limit = (uint64_t)vrrp_ha_config(c->h)->ctl_idle_s * 1000;
	struct vrrp_ha_ctl_counters *k = vrrp_ha_ctl_counters(c->h);

	if (!limit)
		return;
	for (unsigned i = 0; i < c->ncl;) {
		struct ctl_client *cl = c->cl[i];

		if (client_idle(cl) && now - cl->last_active_ms >= limit) {
			k->ctl_idle_closed++;
			client_say_close(cl, "ERR closed: idle\n");
			continue; /* the array moved */
		}
		i++;
	}
}

/* At the limit: close the least recently active idle client. Returns: true
 * if a slot was freed. */
static bool evict_one(struct vrrp_ha_ctl *c, uint64_t now)
{
	struct ctl_client *oldest = NULL;

	for (unsigned i = 0; i < c->ncl; i++) {
		struct ctl_client *cl = c->cl[i];

		if (client_idle(cl) && now - cl->last_active_ms >= CTL_EVICT_MIN_IDLE_MS &&
		    (!oldest || cl->last_active_ms < oldest->last_active_ms))
			oldest = cl;
	}
	if (!oldest)
		return false;
	vrrp_ha_ctl_counters(c->h)->ctl_evicted++;
	vrrp_ha_logf(c->h, LOG_INFO,
	             "control socket %s: %d clients, closed the longest idle one (%" PRIu64
	             " ms idle)",
	             c->path, CTL_MAX_CLIENTS, now - oldest->last_active_ms);
	client_say_close(oldest, "ERR closed: idle, connection limit reached\n");
	return true;
}

/* ---- listener ----------------------------------------------------------- */

static void listen_cb(void *data, int fd, int events)
{
	struct vrrp_ha_ctl *c = data;

	for (int i = 0; i < CTL_ACCEPT_PER_EVENT; i++) {
		struct ctl_client *cl;
		uint64_t now;
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (!c->full_logged)
				vrrp_ha_logf(c->h, LOG_ERR, "control socket %s: accept: %s",
				             c->path, strerror(errno));
			c->full_logged = true;
			if ((errno == EMFILE || errno == ENFILE) && c->spare_fd >= 0) {
				/* The pending connection would keep the listener
				 * readable and the loop spinning: take it with the
				 * spare fd and close it. */
				close(c->spare_fd);
				cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
				if (cfd >= 0)
					close(cfd);
				c->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
				continue;
			}
			return;
		}
		now = vrrp_ha_now(c->h);
		reap_idle(c, now);
		if (c->ncl >= CTL_MAX_CLIENTS && !evict_one(c, now)) {
			static const char msg[] = "ERR too many clients\n";

			vrrp_ha_ctl_counters(c->h)->ctl_refused++;
			if (send(cfd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
				/* nothing more to tell that client */
			}
			close(cfd);
			if (!c->full_logged)
				vrrp_ha_logf(c->h, LOG_WARNING,
				             "control socket %s: %d clients, refusing more",
				             c->path, CTL_MAX_CLIENTS);
			c->full_logged = true;
			continue;
		}
		cl = calloc(1, sizeof(*cl));
		if (!cl) {
			vrrp_ha_logf(c->h, LOG_ERR, "control socket %s: out of memory", c->path);
			close(cfd);
			return;
		}
		cl->srv = c;
		cl->fd = cfd;
		cl->last_active_ms = now;
		c->cl[c->ncl++] = cl;
		vrrp_ha_ctl_counters(c->h)->ctl_accepted++;
		client_rewatch(cl);
	}
}

/* ---- API ---------------------------------------------------------------- */

/* Does a server accept connections at sa? (A stale file refuses them.) */
static bool socket_in_use(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	bool used;

	if (fd < 0)
		return false;
	/* non-blocking: a Unix connect never waits; EAGAIN = backlog full = alive */
	used = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0 || errno == EAGAIN;
	close(fd);
	return used;
}

struct vrrp_ha_ctl *vrrp_ha_ctl_open(struct vrrp_ha *h, const struct vrrp_ha_ops *ops, void *ctx,
                                     const char *path, unsigned mode)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct vrrp_ha_ctl *c;
	struct stat st;
	mode_t old_umask;
	int r, saved;

	if (!path || !*path) {
		vrrp_ha_logf(h, LOG_ERR, "control socket: no path");
		return NULL;
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		vrrp_ha_logf(h, LOG_ERR, "control socket %s: path longer than %zu bytes", path,
		             sizeof(sa.sun_path) - 1);
		return NULL;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			vrrp_ha_logf(
			        h, LOG_ERR,
			        "control socket %s: exists and is not a socket, not replacing it",
			        path);
			return NULL;
		}
		if (socket_in_use(&sa))
			vrrp_ha_logf(h, LOG_WARNING,
			             "control socket %s: another server is listening there; "
			             "replacing it",
			             path);
		if (unlink(path) < 0 && errno != ENOENT) {
			vrrp_ha_logf(h, LOG_ERR,
			             "control socket %s: cannot remove the old socket: %s", path,
			             strerror(errno));
			return NULL;
		}
	} else if (errno != ENOENT) {
		vrrp_ha_logf(h, LOG_ERR, "control socket %s: %s", path, strerror(errno));
		return NULL;
	}

	c = calloc(1, sizeof(*c));
	if (!c || !(c->path = strdup(path))) {
		vrrp_ha_logf(h, LOG_ERR, "control socket %s: out of memory", path);
		free(c);
		return NULL;
	}
	c->h = h;
	c->ops = ops;
	c->ctx = ctx;
	c->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->lfd < 0) {
		vrrp_ha_logf(h, LOG_ERR, "control socket %s: socket: %s", path, strerror(errno));
		goto fail;
	}
	/* The file gets 0777 & ~umask at bind(): make it owner-only until the
	 * chmod below, so it is never reachable by others in between. umask is
	 * per process; keepalived is single-threaded and it is restored at once. */
	old_umask = umask(0177);
	r = bind(c->lfd, (struct sockaddr *)&sa, sizeof(sa));
	saved = errno;
	umask(old_umask);
	if (r < 0) {
		vrrp_ha_logf(h, LOG_ERR, "control socket %s: bind: %s", path, strerror(saved));
		goto fail;
	}
	if (stat(path, &st) == 0) {
		c->dev = st.st_dev;
		c->ino = st.st_ino;
	}
	if (chmod(path, mode & 07777) < 0) {
		vrrp_ha_logf(h, LOG_ERR, "control socket %s: chmod %o: %s", path, mode & 07777,
		             strerror(errno));
		goto fail_unlink;
	}
	if (listen(c->lfd, 64) < 0) {
		vrrp_ha_logf(h, LOG_ERR, "control socket %s: listen: %s", path, strerror(errno));
		goto fail_unlink;
	}
	if (ops->watch_fd(ctx, c->lfd, VRRP_HA_EV_READ, listen_cb, c) < 0) {
		vrrp_ha_logf(h, LOG_ERR, "control socket %s: cannot watch the listener", path);
		goto fail_unlink;
	}
	vrrp_ha_logf(h, LOG_INFO, "control socket %s: listening (mode %04o)", path, mode & 07777);
	return c;

fail_unlink:
	unlink(path);
fail:
	if (c->lfd >= 0)
		close(c->lfd);
	if (c->spare_fd >= 0)
		close(c->spare_fd);
	free(c->path);
	free(c);
	return NULL;
}

void vrrp_ha_ctl_close(struct vrrp_ha_ctl *c)
{
	struct stat st;

	if (!c)
		return;
	while (c->ncl)
		client_close(c->cl[0]);
	c->ops->unwatch_fd(c->ctx, c->lfd);
	close(c->lfd);
	if (c->spare_fd >= 0)
		close(c->spare_fd);
	/* a newer server may have replaced the file meanwhile: leave that one */
	if (lstat(c->path, &st) == 0 && st.st_dev == c->dev && st.st_ino == c->ino)
		unlink(c->path);
	free(c->path);
	free(c);
}

void vrrp_ha_ctl_rebind(struct vrrp_ha_ctl *c, struct vrrp_ha *h, void *ctx)
{
	void *old_ctx;

	if (!c)
		return;
	old_ctx = c->ctx;
	c->ops->unwatch_fd(old_ctx, c->lfd);
	for (unsigned i = 0; i < c->ncl; i++)
		if (c->cl[i]->watched)
			c->ops->unwatch_fd(old_ctx, c->cl[i]->fd);

	if (h != c->h) {
		/* a walk cursor means nothing in another instance's table */
		for (unsigned i = 0; i < c->ncl; i++) {
			struct ctl_client *cl = c->cl[i];

			if (cl->resync_id) {
				vrrp_ha_resync_cancel(c->h, cl->resync_id);
				cl->resync_id = 0;
				out_str(cl, "ERR timeout: instance reconfigured during resync\n");
			}
			if (cl->show_active) {
				cl->show_active = false;
				if (cl->show_json)
					out_str(cl, "]}\n");
				out_str(cl, "ERR instance reconfigured during show\n");
			}
			if (cl->watch_id) {
				/* follow the new instance's event stream */
				vrrp_ha_unsubscribe(c->h, cl->watch_id);
				cl->watch_id =
				        vrrp_ha_subscribe(h, cl->watch_mask, watch_event, cl);
				if (!cl->watch_id) {
					out_str(cl, "ERR out of memory\n");
					cl->closing = true;
				}
			}
		}
	}
	c->h = h;
	c->ctx = ctx;

	if (c->ops->watch_fd(ctx, c->lfd, VRRP_HA_EV_READ, listen_cb, c) < 0)
		vrrp_ha_logf(h, LOG_ERR, "control socket %s: cannot watch the listener", c->path);
	for (unsigned i = 0; i < c->ncl;) {
		struct ctl_client *cl = c->cl[i];

		cl->watched = 0;
		if (client_rewatch(cl) == 0)
			i++; /* else it was closed and the array moved */
	}
}

const char *vrrp_ha_ctl_path(const struct vrrp_ha_ctl *c)
{
	return c->path;
}
