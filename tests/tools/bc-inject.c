/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bc-inject - send crafted VRRP_BC_REQUEST / VRRP_BC_UPDATE packets (and
 * deliberately broken ones) for the network-namespace tests.
 *
 * Raw socket AF_INET6 / IPPROTO_VRRP (112); the kernel fills the checksum
 * (IPV6_CHECKSUM offset 6) like keepalived's own sockets, so a crafted packet
 * passes the receiver's checksum check and reaches user space. The encoder is
 * independent of the project's codec on purpose: it must be able to build
 * packets the codec would refuse to build.
 *
 * Usage: see usage() below. Exit status: 0 sent, 1 send error, 2 usage.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IPPROTO_VRRP
#define IPPROTO_VRRP 112
#endif

#define HDR_LEN    8
#define REC_LEN    40
#define MAX_RECS   255
#define PKT_MAX    65000
#define VRRP_MCAST "ff02::12"

struct rec {
	struct in6_addr hoa, coa;
	uint16_t lifetime; /* 4 s units */
	uint16_t seq, flags, reserved;
};

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
	        "usage: %s [options]\n"
	        "where the packet goes:\n"
	        "  -i IFACE        outgoing interface (needed for multicast / link-local)\n"
	        "  -d ADDR         destination (default " VRRP_MCAST ")\n"
	        "  -s ADDR         source address to bind (default: the kernel's choice)\n"
	        "  -H HOPS         hop limit (default 255)\n"
	        "  -n N            send the packet N times (default 1)\n"
	        "  -w USEC         pause between packets (default 0)\n"
	        "what is sent (built from options unless -x):\n"
	        "  -x HEX          raw payload from the VRRP header on, hex digits\n"
	        "  -t TYPE         type (default 15 = BC_UPDATE; 14 = BC_REQUEST)\n"
	        "  -V VERSION      version (default 3)\n"
	        "  -r VRID         VRID (default 51)\n"
	        "  -c COUNT        '# of Bindings' field (default: number of -R records;\n"
	        "                  for a BC_REQUEST the unused octet, default 0)\n"
	        "  -R HOA,COA,SEQ,LIFETIME_S[,FLAGS]\n"
	        "                  add a record; lifetime in seconds (sent in 4 s units,\n"
	        "                  rounded up), FLAGS hex (default 0xc000 = A|H); repeatable\n"
	        "  -T N            truncate the packet by N bytes\n"
	        "  -G N            append N bytes of trailing garbage\n"
	        "  -g N            instead: send N garbage BC packets (seed -S) and print on\n"
	        "                  stdout the rx_<reason> counts the receiver should see\n"
	        "  -S SEED         random seed (default 1)\n"
	        "  -q              quiet\n",
	        prog);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Returns: bytes decoded, or -1 on a bad digit / odd length. Spaces and ':'
 * are skipped. */
static long parse_hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v;

		if (*s == ' ' || *s == ':' || *s == '\n')
			continue;
		v = hexval((unsigned char)*s);
		if (v < 0)
			return -1;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= cap)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	return hi < 0 ? (long)n : -1;
}

static int parse_rec(const char *arg, struct rec *r)
{
	char buf[256], *f[5], *save = NULL, *p;
	int n = 0;
	unsigned long seq, lt, fl = 0xc000;

	if (strlen(arg) >= sizeof(buf))
		return -1;
	strcpy(buf, arg);
	for (p = strtok_r(buf, ",", &save); p && n < 5; p = strtok_r(NULL, ",", &save))
		f[n++] = p;
	if (n < 4 || p)
		return -1;
	memset(r, 0, sizeof(*r));
	if (inet_pton(AF_INET6, f[0], &r->hoa) != 1 || inet_pton(AF_INET6, f[1], &r->coa) != 1)
		return -1;
	seq = strtoul(f[2], &p, 0);
	if (*p || seq > 0xffff)
		return -1;
	lt = strtoul(f[3], &p, 0);
	if (*p || lt > 0xffffUL * 4)
		return -1;
	if (n == 5) {
		fl = strtoul(f[4], &p, 16);
		if (*p || fl > 0xffff)
			return -1;
	}
	r->seq = (uint16_t)seq;
	r->lifetime = (uint16_t)((lt + 3) / 4);
	r->flags = (uint16_t)fl;
	return 0;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static size_t build(uint8_t *pkt, unsigned version, unsigned type, unsigned vrid, unsigned count,
                    const struct rec *recs, unsigned nrec)
{
	size_t off = HDR_LEN;

	memset(pkt, 0, HDR_LEN);
	pkt[0] = (uint8_t)((version & 0xf) << 4 | (type & 0xf));
	pkt[1] = (uint8_t)vrid;
	pkt[2] = 0; /* priority / rsvd */
	pkt[3] = (uint8_t)count;
	/* 4-5: rsvd + max advert int, 6-7: checksum (kernel) */
	for (unsigned i = 0; i < nrec; i++, off += REC_LEN) {
		uint8_t *r = pkt + off;

		put16(r, recs[i].lifetime);
		put16(r + 2, recs[i].seq);
		put16(r + 4, recs[i].flags);
		put16(r + 6, recs[i].reserved);
		memcpy(r + 8, &recs[i].hoa, 16);
		memcpy(r + 24, &recs[i].coa, 16);
	}
	return off;
}

/* xorshift: deterministic across runs for a given seed */
static uint64_t rng_state;
static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

static void rnd_fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

enum gclass { G_BAD_VERSION, G_BAD_LENGTH, G_ZERO_COUNT, G_REQ_LENGTH, G__N };

/* One garbage BC packet of class c (always of type 14/15, so a patched
 * keepalived hands it to vrrp-ha; never valid, so nothing is stored).
 * Returns: its length. */
static size_t garbage(uint8_t *pkt, enum gclass c, unsigned vrid)
{
	size_t len;
	unsigned v, count;

	switch (c) {
	case G_BAD_VERSION:
		len = HDR_LEN + rnd() % 1400;
		rnd_fill(pkt, len);
		do
			v = rnd() % 16;
		while (v == 3);
		pkt[0] = (uint8_t)(v << 4 | (14 + rnd() % 2));
		pkt[1] = (uint8_t)vrid;
		return len;
	case G_BAD_LENGTH:
		count = 1 + rnd() % 255;
		do
			len = HDR_LEN + 1 + rnd() % 1400;
		while (len == HDR_LEN + (size_t)REC_LEN * count);
		rnd_fill(pkt, len);
		pkt[0] = 0x3f;
		pkt[1] = (uint8_t)vrid;
		pkt[3] = (uint8_t)count;
		return len;
	case G_ZERO_COUNT:
		rnd_fill(pkt, HDR_LEN);
		pkt[0] = 0x3f;
		pkt[1] = (uint8_t)vrid;
		pkt[3] = 0;
		return HDR_LEN;
	case G_REQ_LENGTH:
	default:
		len = HDR_LEN + 1 + rnd() % 1400;
		rnd_fill(pkt, len);
		pkt[0] = 0x3e;
		pkt[1] = (uint8_t)vrid;
		return len;
	}
}

static int open_sock(const char *ifname, const char *src, int hops, unsigned *ifindex)
{
	int fd = socket(AF_INET6, SOCK_RAW, IPPROTO_VRRP);
	int off = 6;

	if (fd < 0) {
		perror("socket(AF_INET6, SOCK_RAW, 112)");
		return -1;
	}
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_CHECKSUM, &off, sizeof(off)) < 0) {
		perror("IPV6_CHECKSUM");
		return -1;
	}
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops)) < 0) {
		perror("hop limit");
		return -1;
	}
	*ifindex = 0;
	if (ifname) {
		int idx = (int)if_nametoindex(ifname);

		if (!idx) {
			fprintf(stderr, "bc-inject: no interface %s\n", ifname);
			return -1;
		}
		*ifindex = (unsigned)idx;
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &idx, sizeof(idx)) < 0) {
			perror("IPV6_MULTICAST_IF");
			return -1;
		}
	}
	if (src) {
		struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_scope_id = *ifindex};

		if (inet_pton(AF_INET6, src, &sa.sin6_addr) != 1) {
			fprintf(stderr, "bc-inject: bad source %s\n", src);
			return -1;
		}
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			perror("bind");
			return -1;
		}
	}
	return fd;
}

/* The kernel refuses to fill a checksum beyond the payload: packets shorter
 * than 8 bytes go without (the receiver's kernel drops them anyway). */
static int send_one(int fd, const struct sockaddr_in6 *dst, const uint8_t *pkt, size_t len)
{
	int want = len >= HDR_LEN ? 6 : -1;
	int tries = 0;

	if (setsockopt(fd, IPPROTO_IPV6, IPV6_CHECKSUM, &want, sizeof(want)) < 0)
		return -1;
	for (;;) {
		if (sendto(fd, pkt, len, 0, (const struct sockaddr *)dst, sizeof(*dst)) ==
		    (ssize_t)len)
			return 0;
		if ((errno == ENOBUFS || errno == EAGAIN) && tries++ < 1000) {
			usleep(1000);
			continue;
		}
		return -1;
	}
}

int main(int argc, char **argv)
{
	const char *ifname = NULL, *dst_s = VRRP_MCAST, *src = NULL, *hex = NULL;
	unsigned version = 3, type = 15, vrid = 51, nrec = 0, ifindex;
	long count = -1, truncate_n = 0, garbage_n = 0, gen = 0, repeat = 1, pause_us = 0;
	int hops = 255, quiet = 0, opt, fd;
	uint64_t seed = 1;
	static struct rec recs[MAX_RECS + 16];
	static uint8_t pkt[PKT_MAX];
	struct sockaddr_in6 dst = {.sin6_family = AF_INET6};
	size_t len;

	while ((opt = getopt(argc, argv, "i:d:s:H:n:w:x:t:V:r:c:R:T:G:g:S:qh")) != -1) {
		switch (opt) {
		case 'i':
			ifname = optarg;
			break;
		case 'd':
			dst_s = optarg;
			break;
		case 's':
			src = optarg;
			break;
		case 'H':
			hops = atoi(optarg);
			break;
		case 'n':
			repeat = atol(optarg);
			break;
		case 'w':
			pause_us = atol(optarg);
			break;
		case 'x':
			hex = optarg;
			break;
		case 't':
			type = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'V':
			version = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'r':
			vrid = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'c':
			count = strtol(optarg, NULL, 0);
			break;
		case 'R':
			if (nrec >= sizeof(recs) / sizeof(recs[0]) ||
			    parse_rec(optarg, &recs[nrec])) {
				fprintf(stderr, "bc-inject: bad record '%s'\n", optarg);
				return 2;
			}
			nrec++;
			break;
		case 'T':
			truncate_n = atol(optarg);
			break;
		case 'G':
			garbage_n = atol(optarg);
			break;
		case 'g':
			gen = atol(optarg);
			break;
		case 'S':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind != argc || hops < 0 || hops > 255 || repeat < 1 || truncate_n < 0 ||
	    garbage_n < 0 || gen < 0 || vrid > 255) {
		usage(stderr, argv[0]);
		return 2;
	}
	if (inet_pton(AF_INET6, dst_s, &dst.sin6_addr) != 1) {
		fprintf(stderr, "bc-inject: bad destination %s\n", dst_s);
		return 2;
	}
	fd = open_sock(ifname, src, hops, &ifindex);
	if (fd < 0)
		return 1;
	if (IN6_IS_ADDR_MULTICAST(&dst.sin6_addr) || IN6_IS_ADDR_LINKLOCAL(&dst.sin6_addr))
		dst.sin6_scope_id = ifindex;

	if (gen) {
		unsigned long want[G__N] = {0};

		rng_state = seed ? seed : 1;
		for (long i = 0; i < gen; i++) {
			enum gclass c = (enum gclass)(i % G__N);

			len = garbage(pkt, c, vrid);
			if (send_one(fd, &dst, pkt, len) < 0) {
				perror("sendto");
				return 1;
			}
			want[c]++;
			if (pause_us)
				usleep((useconds_t)pause_us);
		}
		printf("rx_bad_version %lu\nrx_bad_length %lu\nrx_zero_count %lu\n",
		       want[G_BAD_VERSION], want[G_BAD_LENGTH] + want[G_REQ_LENGTH],
		       want[G_ZERO_COUNT]);
		return 0;
	}

	if (hex) {
		long n = parse_hex(hex, pkt, sizeof(pkt));

		if (n < 0) {
			fprintf(stderr, "bc-inject: bad hex payload\n");
			return 2;
		}
		len = (size_t)n;
	} else {
		if (count < 0)
			count = type == 14 ? 0 : (long)nrec;
		len = build(pkt, version, type, vrid, (unsigned)count, recs, nrec);
	}
	if ((size_t)truncate_n > len) {
		fprintf(stderr, "bc-inject: cannot truncate %ld of %zu bytes\n", truncate_n, len);
		return 2;
	}
	len -= (size_t)truncate_n;
	if (len + (size_t)garbage_n > sizeof(pkt)) {
		fprintf(stderr, "bc-inject: packet too long\n");
		return 2;
	}
	rng_state = seed ? seed : 1;
	rnd_fill(pkt + len, (size_t)garbage_n);
	len += (size_t)garbage_n;

	for (long i = 0; i < repeat; i++) {
		if (send_one(fd, &dst, pkt, len) < 0) {
			perror("sendto");
			return 1;
		}
		if (pause_us && i + 1 < repeat)
			usleep((useconds_t)pause_us);
	}
	if (!quiet)
		fprintf(stderr, "bc-inject: sent %ld packet%s of %zu bytes to %s hop limit %d\n",
		        repeat, repeat == 1 ? "" : "s", len, dst_s, hops);
	close(fd);
	return 0;
}
