/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * capture.c - see capture.h.
 */
#define _GNU_SOURCE
#include "capture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define WAIT_MS 200

int cap_open(struct capture *c, const char *prog, const struct capture_opts *o)
{
	struct sockaddr_ll sll = {0};
	struct packet_mreq mr = {0};
	int one = 1;
	char junk[64];

	c->prog = prog;
	c->timeout = o->timeout;
	c->fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (c->fd < 0) {
		fprintf(stderr, "%s: socket: %s\n", prog, strerror(errno));
		return -1;
	}
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)if_nametoindex(o->ifname);
	if (!sll.sll_ifindex) {
		fprintf(stderr, "%s: no interface %s\n", prog, o->ifname);
		goto fail;
	}
	if (o->rcvbuf &&
	    setsockopt(c->fd, SOL_SOCKET, SO_RCVBUFFORCE, &o->rcvbuf, sizeof(o->rcvbuf)) < 0)
		setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &o->rcvbuf, sizeof(o->rcvbuf));
	if (setsockopt(c->fd, SOL_SOCKET, SO_ATTACH_FILTER, o->filter, sizeof(*o->filter)) < 0 ||
	    setsockopt(c->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0 ||
	    bind(c->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "%s: setsockopt/bind: %s\n", prog, strerror(errno));
		goto fail;
	}
	if (o->promisc) {
		mr.mr_ifindex = sll.sll_ifindex;
		mr.mr_type = PACKET_MR_PROMISC;
		if (setsockopt(c->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) {
			fprintf(stderr, "%s: promiscuous mode: %s\n", prog, strerror(errno));
			goto fail;
		}
	}
	/* frames queued between socket() and the filter: drain them, and the
	 * drop count they made */
	while (recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT) > 0)
		;
	cap_drops(c);
	clock_gettime(CLOCK_MONOTONIC, &c->t0);
	return 0;
fail:
	close(c->fd);
	c->fd = -1;
	return -1;
}

ssize_t cap_next(struct capture *c, uint8_t *buf, size_t len, struct timespec *ts, int *outgoing)
{
	char cbuf[256];
	struct sockaddr_ll from;
	struct iovec iov = {buf, len};
	struct msghdr mh = {.msg_name = &from,
	                    .msg_namelen = sizeof(from),
	                    .msg_iov = &iov,
	                    .msg_iovlen = 1,
	                    .msg_control = cbuf,
	                    .msg_controllen = sizeof(cbuf)};
	struct pollfd pfd = {c->fd, POLLIN, 0};
	struct cmsghdr *cm;
	int wait_ms = WAIT_MS;
	ssize_t n;

	if (c->timeout > 0) {
		struct timespec now;
		double left;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = c->timeout - ((double)(now.tv_sec - c->t0.tv_sec) +
		                     (double)(now.tv_nsec - c->t0.tv_nsec) / 1e9);
		if (left <= 0)
			return -2;
		if (left * 1000 < wait_ms)
			wait_ms = (int)(left * 1000) + 1;
	}
	if (poll(&pfd, 1, wait_ms) <= 0)
		return 0;
	n = recvmsg(c->fd, &mh, MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		fprintf(stderr, "%s: recvmsg: %s\n", c->prog, strerror(errno));
		return -1;
	}
	memset(ts, 0, sizeof(*ts));
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS)
			memcpy(ts, CMSG_DATA(cm), sizeof(*ts));
	*outgoing = from.sll_pkttype == PACKET_OUTGOING;
	return n;
}

unsigned long cap_drops(struct capture *c)
{
	struct tpacket_stats st;
	socklen_t l = sizeof(st);

	if (getsockopt(c->fd, SOL_PACKET, PACKET_STATISTICS, &st, &l) < 0)
		return 0;
	return st.tp_drops;
}

void cap_ready(const char *path)
{
	FILE *r;

	if (!path)
		return;
	r = fopen(path, "w");
	if (r)
		fclose(r);
}
