/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcap-lite - a very small packet printer for the network-namespace tests
 * (tcpdump is not installed on the build machines).
 *
 * AF_PACKET socket on one interface, classic BPF "EtherType IPv6", kernel
 * timestamps (SO_TIMESTAMPNS, CLOCK_REALTIME). One line per IPv6 packet:
 *
 *   TIME DIR SRC > DST nh N [icmp6 TYPE] [| SRC2 > DST2 nh M [icmp6 TYPE]]
 *
 * where DIR is "in" or "out" and the part after "|" is the inner header of
 * an IPv6-in-IPv6 packet (outer next header 41). Filters (all optional, all
 * must match): -p outer next header, -s / -d outer source / destination,
 * -S / -D inner source / destination (imply next header 41), -I in|out.
 * Stops after -n COUNT matching packets or -t SECONDS, or on SIGTERM/SIGINT;
 * prints "count N" (matching packets) to stderr at exit, and to stdout with
 * -q (no per-packet lines). -r FILE is created once the socket is bound.
 *
 * Exit status: 0, 1 (socket error), 2 (usage).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"

#define IP6_HDR_LEN 40
#define NH_IPV6     41 /* IPv6-in-IPv6 (RFC 2473) */
#define NH_ICMPV6   58

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
	        "usage: %s -i IFACE [-n COUNT] [-t SECONDS] [-p NH] [-s SRC] [-d DST]\n"
	        "          [-S INNER_SRC] [-D INNER_DST] [-I in|out] [-q] [-r READY_FILE]\n",
	        prog);
}

struct filter {
	int nh;  /* -1: any */
	int dir; /* -1 any, 0 in, 1 out */
	int has_s, has_d, has_is, has_id;
	struct in6_addr s, d, is, id;
};

static int parse_addr(const char *txt, struct in6_addr *a)
{
	if (inet_pton(AF_INET6, txt, a) != 1) {
		fprintf(stderr, "pcap-lite: bad IPv6 address '%s'\n", txt);
		return -1;
	}
	return 0;
}

/* fmt_hdr: "SRC > DST nh N [icmp6 T]" of the header at p (len bytes left).
 * Returns: the next header, or -1 if too short. */
static int fmt_hdr(const uint8_t *p, size_t len, char *out, size_t outlen)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	int nh;

	if (len < IP6_HDR_LEN || (p[0] >> 4) != 6)
		return -1;
	nh = p[6];
	inet_ntop(AF_INET6, p + 8, s, sizeof(s));
	inet_ntop(AF_INET6, p + 24, d, sizeof(d));
	if (nh == NH_ICMPV6 && len >= IP6_HDR_LEN + 1)
		snprintf(out, outlen, "%s > %s nh %d icmp6 %u", s, d, nh, p[IP6_HDR_LEN]);
	else
		snprintf(out, outlen, "%s > %s nh %d", s, d, nh);
	return nh;
}

int main(int argc, char **argv)
{
	const char *ifname = NULL, *ready = NULL;
	long count = 0;
	double timeout = 0;
	int quiet = 0, opt;
	struct filter flt = {.nh = -1, .dir = -1};
	/* ldh [12]; jeq #0x86dd, accept, drop */
	struct sock_filter code[] = {
	        {0x28, 0, 0, 12},
	        {0x15, 0, 1, ETH_P_IPV6},
	        {0x06, 0, 0, 0x40000},
	        {0x06, 0, 0, 0},
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]), .filter = code};
	struct capture cap;
	long matched = 0;

	while ((opt = getopt(argc, argv, "i:n:t:p:s:d:S:D:I:qr:h")) != -1) {
		switch (opt) {
		case 'i':
			ifname = optarg;
			break;
		case 'n':
			count = strtol(optarg, NULL, 10);
			break;
		case 't':
			timeout = strtod(optarg, NULL);
			break;
		case 'p':
			flt.nh = (int)strtol(optarg, NULL, 10);
			break;
		case 's':
			flt.has_s = 1;
			if (parse_addr(optarg, &flt.s))
				return 2;
			break;
		case 'd':
			flt.has_d = 1;
			if (parse_addr(optarg, &flt.d))
				return 2;
			break;
		case 'S':
			flt.has_is = 1;
			if (parse_addr(optarg, &flt.is))
				return 2;
			break;
		case 'D':
			flt.has_id = 1;
			if (parse_addr(optarg, &flt.id))
				return 2;
			break;
		case 'I':
			if (!strcmp(optarg, "in"))
				flt.dir = 0;
			else if (!strcmp(optarg, "out"))
				flt.dir = 1;
			else {
				usage(stderr, argv[0]);
				return 2;
			}
			break;
		case 'q':
			quiet = 1;
			break;
		case 'r':
			ready = optarg;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (!ifname) {
		usage(stderr, argv[0]);
		return 2;
	}

	if (cap_open(&cap, "pcap-lite",
	             &(struct capture_opts){.ifname = ifname, .filter = &prog, .timeout = timeout}))
		return 1;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);
	cap_ready(ready);

	while (!stop && (!count || matched < count)) {
		uint8_t buf[2048];
		char outer[160], inner[160];
		struct timespec ts;
		int nh, out;
		ssize_t n = cap_next(&cap, buf, sizeof(buf), &ts, &out);
		const uint8_t *ip;
		size_t len;

		if (n == -1 || n == -2)
			break;
		if ((size_t)n < 14 + IP6_HDR_LEN)
			continue;
		ip = buf + 14; /* Ethernet (veth, bridge ports) */
		len = (size_t)n - 14;
		if (flt.dir >= 0 && flt.dir != out)
			continue;
		nh = fmt_hdr(ip, len, outer, sizeof(outer));
		if (nh < 0)
			continue;
		if (flt.nh >= 0 && nh != flt.nh)
			continue;
		if (flt.has_s && memcmp(ip + 8, &flt.s, 16))
			continue;
		if (flt.has_d && memcmp(ip + 24, &flt.d, 16))
			continue;
		inner[0] = 0;
		if (nh == NH_IPV6 &&
		    fmt_hdr(ip + IP6_HDR_LEN, len - IP6_HDR_LEN, inner, sizeof(inner)) >= 0) {
			const uint8_t *in = ip + IP6_HDR_LEN;
			if (flt.has_is && memcmp(in + 8, &flt.is, 16))
				continue;
			if (flt.has_id && memcmp(in + 24, &flt.id, 16))
				continue;
		} else if (flt.has_is || flt.has_id) {
			continue;
		}
		matched++;
		if (!quiet)
			printf("%lld.%09ld %s %s%s%s\n", (long long)ts.tv_sec, ts.tv_nsec,
			       out ? "out" : "in", outer, inner[0] ? " | " : "", inner);
	}
	if (quiet)
		printf("count %ld\n", matched);
	fprintf(stderr, "count %ld\n", matched);
	close(cap.fd);
	return 0;
}
