/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hao-esp - send what a mobile node's Binding Update to its home agent looks
 * like from outside (RFC 6275 6.3 / 11.7.1, draft-deng 5.2.2): IPv6 header,
 * a Destination Options header holding a Home Address option (type 201,
 * length 16, preceded by a PadN so it sits at 8n+6), then an ESP header
 * (SPI, sequence number) and some opaque "ciphertext".
 *
 * Usage: hao-esp -s SRC -d DST -o HAO_ADDR [-n COUNT] [-i INTERVAL_US]
 *                [-p PAYLOAD_BYTES] [-S SPI]
 *
 * RFC 6275 order: -s CoA -o HoA. The draft's wording: -s HoA -o CoA.
 * Sent through socket(AF_INET6, SOCK_RAW, IPPROTO_RAW), which on Linux means
 * "the caller gives the IPv6 header" (IPV6_HDRINCL implied); the kernel
 * routes on the destination. A kernel without MIP6 drops the packet at the
 * receiver and answers ICMPv6 Parameter Problem: expected.
 * Exit: 0 if every packet was sent, 1 on a send error, 2 on usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HAO_TYPE  201 /* RFC 6275 6.3 */
#define NH_DSTOPT 60
#define NH_ESP    50

static void usage(void)
{
	fprintf(stderr, "usage: hao-esp -s SRC -d DST -o HAO_ADDR [-n COUNT] [-i INTERVAL_US]"
	                " [-p PAYLOAD_BYTES] [-S SPI]\n");
	exit(2);
}

static void addr_arg(const char *s, struct in6_addr *a)
{
	if (inet_pton(AF_INET6, s, a) != 1) {
		fprintf(stderr, "hao-esp: bad address %s\n", s);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	struct in6_addr src, dst, hao;
	int have = 0, opt;
	unsigned long count = 1, interval_us = 0, payload = 16, spi = 0x1000;

	while ((opt = getopt(argc, argv, "s:d:o:n:i:p:S:")) != -1) {
		switch (opt) {
		case 's':
			addr_arg(optarg, &src);
			have |= 1;
			break;
		case 'd':
			addr_arg(optarg, &dst);
			have |= 2;
			break;
		case 'o':
			addr_arg(optarg, &hao);
			have |= 4;
			break;
		case 'n':
			count = strtoul(optarg, NULL, 0);
			break;
		case 'i':
			interval_us = strtoul(optarg, NULL, 0);
			break;
		case 'p':
			payload = strtoul(optarg, NULL, 0);
			break;
		case 'S':
			spi = strtoul(optarg, NULL, 0);
			break;
		default:
			usage();
		}
	}
	if (have != 7 || payload > 1200)
		usage();

	uint8_t pkt[40 + 24 + 8 + 1200];
	size_t plen = 24 + 8 + payload;
	memset(pkt, 0, sizeof(pkt));
	/* IPv6 header (RFC 8200 3) */
	pkt[0] = 0x60;
	pkt[4] = (uint8_t)(plen >> 8);
	pkt[5] = (uint8_t)plen;
	pkt[6] = NH_DSTOPT;
	pkt[7] = 64;
	memcpy(pkt + 8, &src, 16);
	memcpy(pkt + 24, &dst, 16);
	/* Destination Options: 24 bytes (Hdr Ext Len 2) */
	uint8_t *d = pkt + 40;
	d[0] = NH_ESP;
	d[1] = 2;
	d[2] = 1; /* PadN, 2 bytes of padding: HAO starts at offset 6 (8n+6) */
	d[3] = 2;
	d[6] = HAO_TYPE;
	d[7] = 16;
	memcpy(d + 8, &hao, 16);
	/* ESP (RFC 4303 2): SPI, sequence number, opaque bytes */
	uint8_t *e = pkt + 64;
	e[0] = (uint8_t)(spi >> 24);
	e[1] = (uint8_t)(spi >> 16);
	e[2] = (uint8_t)(spi >> 8);
	e[3] = (uint8_t)spi;
	for (size_t i = 0; i < payload; i++)
		e[8 + i] = (uint8_t)(0xa5 ^ i);

	int fd = socket(AF_INET6, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0) {
		perror("hao-esp: socket");
		return 1;
	}
	struct sockaddr_in6 to = {.sin6_family = AF_INET6, .sin6_addr = dst};
	for (unsigned long n = 0; n < count; n++) {
		uint32_t seq = (uint32_t)(n + 1);
		e[4] = (uint8_t)(seq >> 24);
		e[5] = (uint8_t)(seq >> 16);
		e[6] = (uint8_t)(seq >> 8);
		e[7] = (uint8_t)seq;
		if (sendto(fd, pkt, 40 + plen, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
			fprintf(stderr, "hao-esp: sendto (packet %lu): %s\n", n + 1,
			        strerror(errno));
			close(fd);
			return 1;
		}
		if (interval_us && n + 1 < count) {
			struct timespec ts = {.tv_sec = (time_t)(interval_us / 1000000),
			                      .tv_nsec = (long)(interval_us % 1000000) * 1000};
			nanosleep(&ts, NULL);
		}
	}
	close(fd);
	return 0;
}
