/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp-wire - capture every VRRP packet (IPv6 next header 112) on one
 * interface and check its bytes against what vrrp-ha promises to send:
 * draft-deng 4.3 for BC_REQUEST (14) and BC_UPDATE (15), the section
 * structure of the extension message (12, docs/protocol.md "Extensions"),
 * and the IPv6 envelope of all (docs/protocol.md). For the integration tests
 * (tests/integration/wire.sh); independent of the project's codec on
 * purpose, so a codec bug cannot hide itself.
 *
 * AF_PACKET socket, classic BPF "EtherType IPv6 and next header 112",
 * promiscuous, kernel timestamps (SO_TIMESTAMPNS, CLOCK_REALTIME). Stops on
 * SIGTERM/SIGINT, after -t SECONDS or after -n PACKETS (default 1000000),
 * whichever comes first. -r FILE is created once the socket is bound.
 *
 * Per packet (-v), on stdout:
 *   TIME DIR SRC > DST hl H len L advert|request|update|ext|other ...
 * Per record (-R), on stdout:
 *   rec SRC update HOA COA seq S lifetime L flags 0xF
 *   rec SRC mipv6 HOA COA seq S lifetime L flags 0xF new 0|1
 *   rec SRC new HOA
 *   rec SRC caps version V flags 0xF kinds 0xK
 * At exit, the summary ("key value" lines) goes to -s FILE (written to
 * FILE.tmp, then renamed) or to stdout:
 *   packets adverts requests updates records records_delete ext ext_caps
 *   ext_new ext_mipv6 ext_pmipv6 ext_attach ext_unknown other truncated
 *   drops ext_caps_solicit violations violations_envelope violations_draft
 *   violations_ext, then up to MAX_DESCR lines "violation TIME SRC: what".
 *
 * What is a violation:
 *   envelope (every packet): hop limit != 255, destination != ff02::12
 *     (unless -D ADDR names another one), source not link-local, VRRP
 *     version != 3, VRID != -V VRID (if given), VRRP checksum wrong,
 *     IPv6 payload length larger than what arrived.
 *   draft (14, 15): 14: length != 8, UNUSED 1/2/3 or rsvd != 0;
 *     15: N (byte 3) == 0, length != 8 + 40 N, UNUSED 1 (byte 2) != 0,
 *     rsvd/UNUSED 2 (bytes 4-5) != 0, a record's Reserved != 0, a
 *     record's HoA or CoA unusable (unspecified, loopback, multicast,
 *     link-local, v4-mapped), HoA == CoA with a lifetime.
 *   ext (12): length < 8, ext version (byte 2) != 1, # sections (byte 3)
 *     == 0, reserved (bytes 4-5) != 0, a section header or its records
 *     running past the end, count 0, kind 0, sections not exactly byte 3
 *     many, a known kind with a record length out of its bounds (CAPS 8,
 *     NEW 16, MIPV6 >= 40, PMIPV6 >= 28, ATTACH >= 12), CAPS reserved
 *     (bytes 2-3) != 0, a MIPV6 record's draft part breaking the draft's
 *     record rules above, its option area not parsing exactly, a NEW HoA
 *     unusable, with no MIPV6 record (lifetime > 0) of that HoA in the
 *     message, or more than 64 NEW HoAs in one message.
 *   A CAPS with flags 0x01 (SOLICIT) is counted (ext_caps_solicit); any
 *   other flag bit is a violation ("sent 0").
 *
 * Exit status: 0, 1 (socket error), 2 (usage).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"

#define ETH_HDR_LEN   14
#define IP6_HDR_LEN   40
#define NH_VRRP       112
#define HDR_LEN       8  /* VRRP header, all types */
#define REC_LEN       40 /* draft-deng 4.3.3 record */
#define HOP_LIMIT     255
#define MAX_DESCR     10               /* violations described in the summary */
#define DESCR_LEN     200              /* of the description */
#define LINE_LEN      (DESCR_LEN + 80) /* with time and source */
#define FRAME_MAX     (64 * 1024)
#define RCVBUF        (8 * 1024 * 1024)
#define DEFAULT_LIMIT 1000000L

#define T_ADVERT  1
#define T_EXT     12
#define T_REQUEST 14
#define T_UPDATE  15

#define EXT_VERSION  1
#define SEC_HDR_LEN  4
#define K_CAPS       1
#define K_MIPV6      2
#define K_NEW        3
#define K_PMIPV6     4
#define K_ATTACH     5
#define MAX_NEW      64   /* NEW HoAs a receiver keeps per message */
#define CAPS_SOLICIT 0x01 /* CAPS flag: answer with your CAPS */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

enum vclass { V_ENVELOPE, V_DRAFT, V_EXT };

static struct {
	long packets, adverts, requests, updates, records, records_delete;
	long ext, ext_caps, ext_new, ext_mipv6, ext_pmipv6, ext_attach, ext_unknown;
	long other, truncated, ext_caps_solicit;
	long violations, vclass[3];
	unsigned long drops;
	int ndescr;
	char descr[MAX_DESCR][LINE_LEN];
} S;

/* The packet being checked, for violation messages and record lines. */
static struct {
	char when[32];
	char src[INET6_ADDRSTRLEN];
	int print_recs;
	int bad; /* violations in this packet */
} P;

static void violation(enum vclass c, const char *fmt, ...)
{
	va_list ap;
	char what[DESCR_LEN];

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	S.violations++;
	S.vclass[c]++;
	P.bad++;
	if (S.ndescr < MAX_DESCR)
		snprintf(S.descr[S.ndescr++], LINE_LEN, "%s %s: %s", P.when, P.src, what);
}

static unsigned be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static int all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return 0;
	return 1;
}

/* Unusable as a HoA or CoA (docs/protocol.md checks 9-10): unspecified,
 * loopback, multicast, link-local, v4-mapped. Returns: the class, or NULL. */
static const char *bad_addr(const uint8_t *a)
{
	static const uint8_t v4m[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (all_zero(a, 16))
		return "unspecified";
	if (all_zero(a, 15) && a[15] == 1)
		return "loopback";
	if (a[0] == 0xff)
		return "multicast";
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return "link-local";
	if (!memcmp(a, v4m, sizeof(v4m)))
		return "v4-mapped";
	return NULL;
}

static void ntop(const uint8_t *a, char *out)
{
	inet_ntop(AF_INET6, a, out, INET6_ADDRSTRLEN);
}

/* The draft-deng 4.3.3 rules for one 40-byte record (BC_UPDATE or the
 * first 40 bytes of a MIPV6 record). */
static void check_record(enum vclass c, const char *where, unsigned i, const uint8_t *r)
{
	const char *why;
	char a[INET6_ADDRSTRLEN];

	if (be16(r + 6))
		violation(c, "%s record %u: Reserved 0x%04x (must be 0)", where, i, be16(r + 6));
	if ((why = bad_addr(r + 8))) {
		ntop(r + 8, a);
		violation(c, "%s record %u: HoA %s is %s", where, i, a, why);
	}
	if ((why = bad_addr(r + 24))) {
		ntop(r + 24, a);
		violation(c, "%s record %u: CoA %s is %s", where, i, a, why);
	}
	if (be16(r) && !memcmp(r + 8, r + 24, 16))
		violation(c, "%s record %u: HoA == CoA with lifetime %u", where, i, be16(r));
}

static void print_record(const char *kind, const uint8_t *r, int is_new)
{
	char h[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN];

	if (!P.print_recs)
		return;
	ntop(r + 8, h);
	ntop(r + 24, c);
	printf("rec %s %s %s %s seq %u lifetime %u flags 0x%x", P.src, kind, h, c, be16(r + 2),
	       be16(r), be16(r + 4));
	if (is_new >= 0)
		printf(" new %d", is_new);
	putchar('\n');
}

/* BC_REQUEST, draft-deng 4.3.1: exactly 8 bytes, UNUSED 1 (byte 2),
 * UNUSED 2 (byte 3), rsvd + UNUSED 3 (bytes 4-5) all 0. */
static void check_request(const uint8_t *v, size_t len, char *info, size_t ilen)
{
	S.requests++;
	snprintf(info, ilen, "request vrid %u", v[1]);
	if (len != HDR_LEN) {
		violation(V_DRAFT, "BC_REQUEST length %zu (must be 8)", len);
		if (len < HDR_LEN)
			return;
	}
	if (v[2])
		violation(V_DRAFT, "BC_REQUEST UNUSED 1 = 0x%02x", v[2]);
	if (v[3])
		violation(V_DRAFT, "BC_REQUEST UNUSED 2 = 0x%02x", v[3]);
	if (v[4] || v[5])
		violation(V_DRAFT, "BC_REQUEST rsvd/UNUSED 3 = 0x%02x%02x", v[4], v[5]);
}

/* BC_UPDATE, draft-deng 4.3.2: N >= 1, length 8 + 40 N, UNUSED 1 (byte
 * 2), rsvd + UNUSED 2 (bytes 4-5) 0, records per 4.3.3. */
static void check_update(const uint8_t *v, size_t len, char *info, size_t ilen)
{
	unsigned n, i, have;

	S.updates++;
	if (len < HDR_LEN) {
		snprintf(info, ilen, "update short");
		violation(V_DRAFT, "BC_UPDATE of %zu bytes (header is 8)", len);
		return;
	}
	n = v[3];
	snprintf(info, ilen, "update vrid %u n %u", v[1], n);
	if (!n)
		violation(V_DRAFT, "BC_UPDATE # of Bindings 0 (minimum 1)");
	if (len != HDR_LEN + (size_t)REC_LEN * n)
		violation(V_DRAFT, "BC_UPDATE length %zu with %u bindings (must be %u)", len, n,
		          HDR_LEN + REC_LEN * n);
	if (v[2])
		violation(V_DRAFT, "BC_UPDATE UNUSED 1 = 0x%02x", v[2]);
	if (v[4] || v[5])
		violation(V_DRAFT, "BC_UPDATE rsvd/UNUSED 2 = 0x%02x%02x", v[4], v[5]);
	/* check the records that are there, whatever N says */
	have = (unsigned)((len - HDR_LEN) / REC_LEN);
	for (i = 0; i < have; i++) {
		const uint8_t *r = v + HDR_LEN + (size_t)i * REC_LEN;

		S.records++;
		if (!be16(r))
			S.records_delete++;
		check_record(V_DRAFT, "BC_UPDATE", i, r);
		print_record("update", r, -1);
	}
}

/* RFC 6275 6.2 option area: Pad1 is one byte, the others type, length,
 * data. Returns: whether it parses exactly to the end. */
static int options_ok(const uint8_t *p, size_t n)
{
	size_t off = 0;

	while (off < n) {
		if (p[off] == 0) {
			off++;
			continue;
		}
		if (n - off < 2 || (size_t)p[off + 1] > n - off - 2)
			return 0;
		off += 2 + (size_t)p[off + 1];
	}
	return 1;
}

struct ext_sec {
	unsigned kind, count, len;
	const uint8_t *recs;
};

/* Extension message, docs/protocol.md "Extensions": header, then sections that fill
 * the packet exactly, byte 3 of them; records per kind. */
static void check_ext(const uint8_t *v, size_t len, char *info, size_t ilen)
{
	struct ext_sec sec[256];
	unsigned nsec = 0, i, j, k, nnew = 0, nmip = 0, ncaps = 0, nother = 0;
	size_t off = HDR_LEN;
	int structure_ok = 1;

	S.ext++;
	if (len < HDR_LEN) {
		snprintf(info, ilen, "ext short");
		violation(V_EXT, "EXT of %zu bytes (header is 8)", len);
		return;
	}
	if (v[2] != EXT_VERSION)
		violation(V_EXT, "EXT version %u (must be 1)", v[2]);
	if (!v[3])
		violation(V_EXT, "EXT # sections 0");
	if (v[4] || v[5])
		violation(V_EXT, "EXT reserved = 0x%02x%02x (sent 0)", v[4], v[5]);
	while (off < len) {
		unsigned cnt, rl;

		if (len - off < SEC_HDR_LEN) {
			violation(V_EXT, "EXT %zu trailing bytes after section %u", len - off,
			          nsec);
			structure_ok = 0;
			break;
		}
		cnt = v[off + 1];
		rl = be16(v + off + 2);
		if (!cnt) {
			violation(V_EXT, "EXT section %u: count 0", nsec);
			structure_ok = 0;
			break;
		}
		if (!v[off])
			violation(V_EXT, "EXT section %u: kind 0", nsec);
		if ((size_t)cnt * rl > len - off - SEC_HDR_LEN) {
			violation(V_EXT,
			          "EXT section %u (kind %u): %u x %u bytes run past the end (%zu "
			          "left)",
			          nsec, v[off], cnt, rl, len - off - SEC_HDR_LEN);
			structure_ok = 0;
			break;
		}
		if (nsec < sizeof(sec) / sizeof(sec[0])) {
			sec[nsec].kind = v[off];
			sec[nsec].count = cnt;
			sec[nsec].len = rl;
			sec[nsec].recs = v + off + SEC_HDR_LEN;
		}
		nsec++;
		off += SEC_HDR_LEN + (size_t)cnt * rl;
	}
	if (structure_ok && nsec != v[3])
		violation(V_EXT, "EXT holds %u sections, byte 3 says %u", nsec, v[3]);
	if (nsec > sizeof(sec) / sizeof(sec[0]))
		nsec = sizeof(sec) / sizeof(sec[0]);

	/* records, per kind */
	for (i = 0; i < nsec; i++) {
		const struct ext_sec *s = &sec[i];

		for (j = 0; j < s->count; j++) {
			const uint8_t *r = s->recs + (size_t)j * s->len;
			const char *why;
			char a[INET6_ADDRSTRLEN];

			switch (s->kind) {
			case K_CAPS:
				S.ext_caps++;
				ncaps++;
				if (s->len != 8) {
					violation(V_EXT, "EXT CAPS record length %u (must be 8)",
					          s->len);
					break;
				}
				if (r[0] < 1)
					violation(V_EXT, "EXT CAPS ext version 0");
				if (r[1] & CAPS_SOLICIT)
					S.ext_caps_solicit++;
				if (r[1] & ~CAPS_SOLICIT)
					violation(V_EXT,
					          "EXT CAPS flags 0x%02x (only 0x01 is defined)",
					          r[1]);
				if (r[2] || r[3])
					violation(V_EXT, "EXT CAPS reserved = 0x%02x%02x", r[2],
					          r[3]);
				if (P.print_recs)
					printf("rec %s caps version %u flags 0x%02x kinds 0x%08x\n",
					       P.src, r[0], r[1],
					       (unsigned)r[4] << 24 | (unsigned)r[5] << 16 |
					               (unsigned)r[6] << 8 | r[7]);
				break;
			case K_NEW:
				S.ext_new++;
				nnew++;
				if (s->len != 16) {
					violation(V_EXT, "EXT NEW record length %u (must be 16)",
					          s->len);
					break;
				}
				if ((why = bad_addr(r))) {
					ntop(r, a);
					violation(V_EXT, "EXT NEW HoA %s is %s", a, why);
				}
				if (P.print_recs) {
					ntop(r, a);
					printf("rec %s new %s\n", P.src, a);
				}
				break;
			case K_MIPV6:
				S.ext_mipv6++;
				nmip++;
				if (s->len < REC_LEN) {
					violation(V_EXT, "EXT MIPV6 record length %u (minimum 40)",
					          s->len);
					break;
				}
				check_record(V_EXT, "EXT MIPV6", j, r);
				if (!options_ok(r + REC_LEN, s->len - REC_LEN))
					violation(V_EXT,
					          "EXT MIPV6 record %u: options do not parse", j);
				break;
			case K_PMIPV6:
				S.ext_pmipv6++;
				nother++;
				if (s->len < 28)
					violation(V_EXT, "EXT PMIPV6 record length %u (minimum 28)",
					          s->len);
				break;
			case K_ATTACH:
				S.ext_attach++;
				nother++;
				if (s->len < 12)
					violation(V_EXT, "EXT ATTACH record length %u (minimum 12)",
					          s->len);
				break;
			default:
				S.ext_unknown++;
				nother++;
				break;
			}
		}
	}

	/* NEW <-> MIPV6: every NEW HoA marks a MIPV6 record (lifetime > 0) of
	 * the same message; a receiver keeps 64 NEW HoAs */
	if (nnew > MAX_NEW)
		violation(V_EXT, "EXT with %u NEW HoAs (a receiver keeps %u)", nnew, MAX_NEW);
	for (i = 0; i < nsec; i++) {
		if (sec[i].kind != K_NEW || sec[i].len != 16)
			continue;
		for (j = 0; j < sec[i].count; j++) {
			const uint8_t *h = sec[i].recs + (size_t)j * 16;
			int found = 0;
			unsigned m;

			for (k = 0; k < nsec && !found; k++) {
				if (sec[k].kind != K_MIPV6 || sec[k].len < REC_LEN)
					continue;
				for (m = 0; m < sec[k].count && !found; m++) {
					const uint8_t *r = sec[k].recs + (size_t)m * sec[k].len;
					found = be16(r) && !memcmp(r + 8, h, 16);
				}
			}
			if (!found) {
				char a[INET6_ADDRSTRLEN];
				ntop(h, a);
				violation(V_EXT, "EXT NEW HoA %s marks no live MIPV6 record", a);
			}
		}
	}
	/* record lines for MIPV6, with their NEW mark */
	for (i = 0; P.print_recs && i < nsec; i++) {
		if (sec[i].kind != K_MIPV6 || sec[i].len < REC_LEN)
			continue;
		for (j = 0; j < sec[i].count; j++) {
			const uint8_t *r = sec[i].recs + (size_t)j * sec[i].len;
			int is_new = 0;

			for (k = 0; k < nsec && !is_new; k++) {
				unsigned m;
				if (sec[k].kind != K_NEW || sec[k].len != 16)
					continue;
				for (m = 0; m < sec[k].count && !is_new; m++)
					is_new = !memcmp(sec[k].recs + (size_t)m * 16, r + 8, 16);
			}
			print_record("mipv6", r, is_new);
		}
	}
	snprintf(info, ilen, "ext vrid %u sections %u caps %u new %u mipv6 %u other %u", v[1], v[3],
	         ncaps, nnew, nmip, nother);
}

/* RFC 5798 5.2.8: the checksum over the IPv6 pseudo-header (RFC 8200 8.1)
 * and the VRRP message. Returns: whether it sums to 0xffff. */
static int checksum_ok(const uint8_t *ip, const uint8_t *v, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 8; i < 40; i += 2)
		sum += be16(ip + i);
	sum += (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff);
	sum += NH_VRRP;
	for (i = 0; i + 1 < len; i += 2)
		sum += be16(v + i);
	if (len & 1)
		sum += (uint32_t)v[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

struct opts {
	struct in6_addr dst;
	int vrid; /* -1: any */
	int verbose;
};

static void handle(const struct opts *o, const uint8_t *ip, size_t caplen, int out,
                   const struct timespec *ts)
{
	char dst[INET6_ADDRSTRLEN], info[160] = "";
	const uint8_t *v = ip + IP6_HDR_LEN;
	size_t plen = be16(ip + 4), len;
	int type;

	S.packets++;
	P.bad = 0;
	snprintf(P.when, sizeof(P.when), "%lld.%09ld", (long long)ts->tv_sec, ts->tv_nsec);
	ntop(ip + 8, P.src);
	ntop(ip + 24, dst);
	if (plen > caplen - IP6_HDR_LEN) {
		S.truncated++;
		violation(V_ENVELOPE, "IPv6 payload length %zu, %zu bytes arrived", plen,
		          caplen - IP6_HDR_LEN);
		len = caplen - IP6_HDR_LEN;
	} else {
		len = plen;
	}
	if (ip[7] != HOP_LIMIT)
		violation(V_ENVELOPE, "hop limit %u", ip[7]);
	if (memcmp(ip + 24, &o->dst, 16))
		violation(V_ENVELOPE, "destination %s", dst);
	if (!(ip[8] == 0xfe && (ip[9] & 0xc0) == 0x80))
		violation(V_ENVELOPE, "source not link-local");
	if (len >= 2 && plen <= caplen - IP6_HDR_LEN && !checksum_ok(ip, v, len))
		violation(V_ENVELOPE, "VRRP checksum 0x%04x wrong", be16(v + 6));
	if (len < 2) {
		S.other++;
		violation(V_ENVELOPE, "VRRP message of %zu bytes", len);
		snprintf(info, sizeof(info), "short");
		goto print;
	}
	if (v[0] >> 4 != 3)
		violation(V_ENVELOPE, "VRRP version %u", v[0] >> 4);
	if (o->vrid >= 0 && v[1] != o->vrid)
		violation(V_ENVELOPE, "VRID %u", v[1]);
	type = v[0] & 0x0f;
	switch (type) {
	case T_ADVERT:
		S.adverts++;
		snprintf(info, sizeof(info), "advert vrid %u prio %u", v[1], len > 2 ? v[2] : 0);
		break;
	case T_REQUEST:
		check_request(v, len, info, sizeof(info));
		break;
	case T_UPDATE:
		check_update(v, len, info, sizeof(info));
		break;
	case T_EXT:
		check_ext(v, len, info, sizeof(info));
		break;
	default:
		S.other++;
		snprintf(info, sizeof(info), "other type %d", type);
		break;
	}
print:
	if (o->verbose)
		printf("%s %s %s > %s hl %u len %zu %s%s\n", P.when, out ? "out" : "in", P.src, dst,
		       ip[7], len, info, P.bad ? " VIOLATION" : "");
}

static int write_summary(const char *path)
{
	char tmp[4096];
	FILE *f = stdout;
	int i;

	if (path) {
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		f = fopen(tmp, "w");
		if (!f) {
			perror("vrrp-wire: summary");
			return -1;
		}
	}
	fprintf(f,
	        "packets %ld\nadverts %ld\nrequests %ld\nupdates %ld\nrecords %ld\n"
	        "records_delete %ld\next %ld\next_caps %ld\next_new %ld\next_mipv6 %ld\n"
	        "ext_pmipv6 %ld\next_attach %ld\next_unknown %ld\nother %ld\ntruncated %ld\n"
	        "drops %lu\next_caps_solicit %ld\nviolations %ld\nviolations_envelope %ld\n"
	        "violations_draft %ld\nviolations_ext %ld\n",
	        S.packets, S.adverts, S.requests, S.updates, S.records, S.records_delete, S.ext,
	        S.ext_caps, S.ext_new, S.ext_mipv6, S.ext_pmipv6, S.ext_attach, S.ext_unknown,
	        S.other, S.truncated, S.drops, S.ext_caps_solicit, S.violations,
	        S.vclass[V_ENVELOPE], S.vclass[V_DRAFT], S.vclass[V_EXT]);
	for (i = 0; i < S.ndescr; i++)
		fprintf(f, "violation %s\n", S.descr[i]);
	if (path) {
		if (fclose(f) || rename(tmp, path)) {
			perror("vrrp-wire: summary");
			return -1;
		}
	} else {
		fflush(f);
	}
	return 0;
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
	        "usage: %s -i IFACE [-r READY_FILE] [-s SUMMARY_FILE] [-t SECONDS]\n"
	        "          [-n PACKETS] [-V VRID] [-D DST] [-v] [-R]\n",
	        prog);
}

int main(int argc, char **argv)
{
	const char *ifname = NULL, *ready = NULL, *summary = NULL;
	long limit = DEFAULT_LIMIT;
	double timeout = 0;
	int opt;
	struct opts o = {.vrid = -1};
	/* ldh [12]; jeq #0x86dd; ldb [20]; jeq #112; ret all; ret 0 */
	struct sock_filter code[] = {
	        {0x28, 0, 0, 12},      {0x15, 0, 3, ETH_P_IPV6}, {0x30, 0, 0, 20},
	        {0x15, 0, 1, NH_VRRP}, {0x06, 0, 0, 0x40000},    {0x06, 0, 0, 0},
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]), .filter = code};
	struct capture cap;
	static uint8_t buf[FRAME_MAX];

	inet_pton(AF_INET6, "ff02::12", &o.dst);
	while ((opt = getopt(argc, argv, "i:r:s:t:n:V:D:vRh")) != -1) {
		switch (opt) {
		case 'i':
			ifname = optarg;
			break;
		case 'r':
			ready = optarg;
			break;
		case 's':
			summary = optarg;
			break;
		case 't':
			timeout = strtod(optarg, NULL);
			break;
		case 'n':
			limit = strtol(optarg, NULL, 10);
			break;
		case 'V':
			o.vrid = (int)strtol(optarg, NULL, 10);
			break;
		case 'D':
			if (inet_pton(AF_INET6, optarg, &o.dst) != 1) {
				fprintf(stderr, "vrrp-wire: bad address '%s'\n", optarg);
				return 2;
			}
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 'R':
			P.print_recs = 1;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (!ifname || limit <= 0 || optind != argc) {
		usage(stderr, argv[0]);
		return 2;
	}

	if (cap_open(&cap, "vrrp-wire",
	             &(struct capture_opts){.ifname = ifname,
	                                    .filter = &prog,
	                                    .promisc = 1,
	                                    .rcvbuf = RCVBUF,
	                                    .timeout = timeout}))
		return 1;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);
	cap_ready(ready);

	while (!stop && S.packets < limit) {
		struct timespec ts;
		int out;
		ssize_t n = cap_next(&cap, buf, sizeof(buf), &ts, &out);

		if (n == -1 || n == -2)
			break;
		/* the filter passed only IPv6 next header 112 */
		if ((size_t)n < ETH_HDR_LEN + IP6_HDR_LEN || (buf[ETH_HDR_LEN] >> 4) != 6)
			continue;
		handle(&o, buf + ETH_HDR_LEN, (size_t)n - ETH_HDR_LEN, out, &ts);
	}
	S.drops = cap_drops(&cap);
	close(cap.fd);
	return write_summary(summary) ? 1 : 0;
}
