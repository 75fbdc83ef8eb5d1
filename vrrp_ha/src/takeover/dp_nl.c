/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dp_nl.c - netlink plumbing for the data plane: many messages per sendmsg,
 * one answer per message read back and matched by sequence number, dumps.
 *
 * libnl builds the messages and opens the socket; the batching is done
 * here because libnl sends one message per sendmsg (measured: 110k routes/s
 * one at a time, 170k/s with 64-256 messages per sendmsg). Every received
 * message is walked with nlmsg_ok()/nlmsg_next() against the byte count
 * recv() returned, so a short or odd datagram is never read past its end.
 */
#include "dp_internal.h"

#include <errno.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define DPNL_RXCAP     (256u * 1024u)
#define DPNL_TIMEOUT_S 5

int dpnl_open(struct dp_nl *nl, int proto, int bufsize)
{
	int one = 1, err;
	struct timeval tv = {.tv_sec = DPNL_TIMEOUT_S};

	memset(nl, 0, sizeof(*nl));
	nl->fd = -1;
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		return -ENOMEM;
	nl_socket_disable_seq_check(nl->sk);
	err = nl_connect(nl->sk, proto);
	if (err < 0) {
		nl_socket_free(nl->sk);
		nl->sk = NULL;
		return -EPROTONOSUPPORT;
	}
	nl->fd = nl_socket_get_fd(nl->sk);
	/* FORCE variants need CAP_NET_ADMIN; fall back to the capped ones. */
	if (setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsize, sizeof(bufsize)) < 0)
		setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof(bufsize));
	if (setsockopt(nl->fd, SOL_SOCKET, SO_SNDBUFFORCE, &bufsize, sizeof(bufsize)) < 0)
		setsockopt(nl->fd, SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof(bufsize));
	setsockopt(nl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* Acks without a copy of the request: 36 bytes instead of ~150 a route. */
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	/* Lets the kernel filter route dumps by table and protocol. */
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	nl->rx = malloc(DPNL_RXCAP);
	if (!nl->rx) {
		dpnl_close(nl);
		return -ENOMEM;
	}
	nl->rxcap = DPNL_RXCAP;
	nl->seq = 1;
	return 0;
}

void dpnl_close(struct dp_nl *nl)
{
	if (nl->sk)
		nl_socket_free(nl->sk); /* closes the fd */
	free(nl->rx);
	memset(nl, 0, sizeof(*nl));
	nl->fd = -1;
}

void dpb_reset(struct dp_batch *b)
{
	b->len = 0;
	b->n = 0;
	b->first_seq = 0;
}

void dpb_free(struct dp_batch *b)
{
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

int dpb_add(struct dp_nl *nl, struct dp_batch *b, struct nl_msg *msg, int want_answer)
{
	struct nlmsghdr *src = nlmsg_hdr(msg);
	size_t need = NLMSG_ALIGN(src->nlmsg_len);
	struct nlmsghdr *dst;

	if (b->len + need > b->cap) {
		size_t cap = b->cap ? b->cap : 16384;
		unsigned char *p;

		while (cap < b->len + need)
			cap *= 2;
		p = realloc(b->buf, cap);
		if (!p)
			return -ENOMEM;
		b->buf = p;
		b->cap = cap;
	}
	dst = (struct nlmsghdr *)(b->buf + b->len);
	memcpy(dst, src, src->nlmsg_len);
	memset((unsigned char *)dst + src->nlmsg_len, 0, need - src->nlmsg_len);
	dst->nlmsg_seq = nl->seq++;
	dst->nlmsg_pid = 0;
	dst->nlmsg_flags |= NLM_F_REQUEST;
	if (want_answer) {
		dst->nlmsg_flags |= NLM_F_ACK;
		if (b->n == 0)
			b->first_seq = dst->nlmsg_seq;
		b->n++;
	}
	b->len += need;
	return 0;
}

/* Error code of an NLMSG_ERROR message, or 1 if it is too short to hold one. */
static int nlerr_of(const struct nlmsghdr *h)
{
	const struct nlmsgerr *e;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
		return 1;
	e = NLMSG_DATA(h);
	return e->error;
}

int dpnl_send_batch(struct dp_nl *nl, struct dp_batch *b, dpnl_result_fn fn, void *arg)
{
	unsigned char *seen = NULL;
	unsigned got = 0, i;
	int overrun = 0;
	ssize_t r;

	if (b->len == 0)
		return 0;
	if (b->n) {
		seen = calloc(b->n, 1);
		if (!seen)
			return -ENOMEM;
	}
	do
		r = send(nl->fd, b->buf, b->len, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		int e = -errno;

		for (i = 0; i < b->n; i++)
			fn(arg, i, e);
		free(seen);
		return e;
	}
	while (got < b->n) {
		struct nlmsghdr *h;
		int left;

		r = recv(nl->fd, nl->rx, nl->rxcap, overrun ? MSG_DONTWAIT : 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) { /* answers were lost: read what is left */
				overrun = 1;
				continue;
			}
			break; /* timeout, or drained after an overrun */
		}
		left = (int)(r > (ssize_t)nl->rxcap ? (ssize_t)nl->rxcap : r);
		for (h = (struct nlmsghdr *)nl->rx; nlmsg_ok(h, left); h = nlmsg_next(h, &left)) {
			uint32_t idx = h->nlmsg_seq - b->first_seq;
			int err;

			if (h->nlmsg_type != NLMSG_ERROR || idx >= b->n || seen[idx])
				continue;
			err = nlerr_of(h);
			if (err > 0)
				continue;
			seen[idx] = 1;
			got++;
			fn(arg, idx, err);
		}
	}
	for (i = 0; got < b->n && i < b->n; i++)
		if (!seen[i])
			fn(arg, i, -ETIMEDOUT);
	free(seen);
	return 0;
}

struct req_result {
	int err;
};

static void req_cb(void *arg, unsigned i, int err)
{
	((struct req_result *)arg)->err = err;
}

int dpnl_request(struct dp_nl *nl, struct nl_msg *msg)
{
	struct dp_batch b = {0};
	struct req_result res = {-ETIMEDOUT};
	int err;

	err = dpb_add(nl, &b, msg, 1);
	if (!err)
		err = dpnl_send_batch(nl, &b, req_cb, &res);
	dpb_free(&b);
	return err ? err : res.err;
}

int dpnl_dump(struct dp_nl *nl, struct nl_msg *req, dpnl_dump_fn fn, void *arg)
{
	struct nlmsghdr *h = nlmsg_hdr(req);
	uint32_t seq = nl->seq++;
	int stop = 0;
	ssize_t r;

	h->nlmsg_flags |= NLM_F_DUMP | NLM_F_REQUEST;
	h->nlmsg_seq = seq;
	h->nlmsg_pid = 0;
	do
		r = send(nl->fd, h, h->nlmsg_len, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	for (;;) {
		int left;

		r = recv(nl->fd, nl->rx, nl->rxcap, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		left = (int)(r > (ssize_t)nl->rxcap ? (ssize_t)nl->rxcap : r);
		for (h = (struct nlmsghdr *)nl->rx; nlmsg_ok(h, left); h = nlmsg_next(h, &left)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				int err = nlerr_of(h);

				return err > 0 ? -EPROTO : err;
			}
			if (!stop)
				stop = fn(arg, h);
		}
	}
}
