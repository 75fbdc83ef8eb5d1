/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp-hexdump - print every VRRP packet (IPv6 next header 112) seen on one
 * interface as one line with its bytes in hex, for the integration tests
 * that need the exact bytes of what was sent: to look for plaintext in it
 * (is a HoA visible?) or to send it again (replay, with bc-inject -x).
 *
 * AF_PACKET socket, classic BPF "EtherType IPv6 and next header 112",
 * promiscuous. One line per packet, on stdout (line buffered):
 *
 *   DIR SRC DST TYPE LEN HEX
 *
 * DIR "in" or "out"; TYPE the VRRP type nibble (1 advert, 12 extension
 * message, 14 BC_REQUEST, 15 BC_UPDATE); LEN and HEX the VRRP part (the IPv6
 * payload, from the VRRP header on, as far as it arrived). -T TYPE keeps only
 * that type (repeatable). Stops on SIGTERM/SIGINT, after -t SECONDS or after
 * -n PACKETS printed. -r FILE is created once the socket is bound.
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
#include <unistd.h>

#include "capture.h"

#define ETH_HDR_LEN 14
#define IP6_HDR_LEN 40
#define NH_VRRP     112
#define FRAME_MAX   (64 * 1024)
#define RCVBUF      (8 * 1024 * 1024)

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f, "usage: %s -i IFACE [-T TYPE]... [-t SECONDS] [-n PACKETS] [-r READY_FILE]\n",
	        prog);
}

int main(int argc, char **argv)
{
	const char *ifname = NULL, *ready = NULL;
	long limit = 0, printed = 0;
	double timeout = 0;
	unsigned types = 0; /* bit t: keep type t; 0: all */
	int opt;
	/* ldh [12]; jeq #0x86dd; ldb [20]; jeq #112; ret all; ret 0 */
	struct sock_filter code[] = {
	        {0x28, 0, 0, 12},      {0x15, 0, 3, ETH_P_IPV6}, {0x30, 0, 0, 20},
	        {0x15, 0, 1, NH_VRRP}, {0x06, 0, 0, 0x40000},    {0x06, 0, 0, 0},
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]), .filter = code};
	struct capture cap;
	static uint8_t buf[FRAME_MAX];
	static char line[2 * FRAME_MAX + 256];

	while ((opt = getopt(argc, argv, "i:T:t:n:r:h")) != -1) {
		switch (opt) {
		case 'i':
			ifname = optarg;
			break;
		case 'T': {
			long t = strtol(optarg, NULL, 0);

			if (t < 0 || t > 15) {
				usage(stderr, argv[0]);
				return 2;
			}
			types |= 1u << t;
			break;
		}
		case 't':
			timeout = strtod(optarg, NULL);
			break;
		case 'n':
			limit = strtol(optarg, NULL, 10);
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
	if (!ifname || limit < 0 || optind != argc) {
		usage(stderr, argv[0]);
		return 2;
	}
	if (cap_open(&cap, "vrrp-hexdump",
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

	while (!stop && (!limit || printed < limit)) {
		struct timespec ts;
		int out;
		ssize_t n = cap_next(&cap, buf, sizeof(buf), &ts, &out);
		const uint8_t *ip = buf + ETH_HDR_LEN, *v;
		char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
		size_t plen, vlen, k;
		int off;

		if (n == -1 || n == -2)
			break;
		if (n < ETH_HDR_LEN + IP6_HDR_LEN + 1 || (ip[0] >> 4) != 6)
			continue;
		plen = (size_t)ip[4] << 8 | ip[5];
		vlen = (size_t)n - ETH_HDR_LEN - IP6_HDR_LEN;
		if (plen < vlen)
			vlen = plen; /* Ethernet padding */
		v = ip + IP6_HDR_LEN;
		if (!vlen || (types && !(types & 1u << (v[0] & 0x0f))))
			continue;
		inet_ntop(AF_INET6, ip + 8, s, sizeof(s));
		inet_ntop(AF_INET6, ip + 24, d, sizeof(d));
		off = snprintf(line, sizeof(line), "%s %s %s %u %zu ", out ? "out" : "in", s, d,
		               v[0] & 0x0f, vlen);
		for (k = 0; k < vlen; k++)
			off += snprintf(line + off, sizeof(line) - (size_t)off, "%02x", v[k]);
		puts(line);
		printed++;
	}
	close(cap.fd);
	return 0;
}
