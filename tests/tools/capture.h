/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * capture.h - the AF_PACKET capture loop shared by the test tools
 * (pcap-lite, vrrp-wire): one interface, a classic BPF filter, kernel
 * timestamps (SO_TIMESTAMPNS, CLOCK_REALTIME), an optional time bound.
 */
#ifndef VRRP_HA_TEST_CAPTURE_H
#define VRRP_HA_TEST_CAPTURE_H

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct capture {
	int fd;
	double timeout; /* seconds from cap_open, 0: none */
	struct timespec t0;
	const char *prog; /* for error messages */
};

struct capture_opts {
	const char *ifname;
	const struct sock_fprog *filter;
	int promisc; /* PACKET_MR_PROMISC on the interface */
	int rcvbuf;  /* socket receive buffer (SO_RCVBUFFORCE), 0: the default */
	double timeout;
};

/* Open, filter, bind, drain what was queued before the filter.
 * Returns: 0, or -1 (reason printed on stderr). */
int cap_open(struct capture *c, const char *prog, const struct capture_opts *o);

/* The next frame into buf (Ethernet header on), its kernel timestamp and
 * whether this host sent it. Waits at most 200 ms per call.
 * Returns: its length; 0 nothing yet (call again, check your stop flag);
 * -1 error (printed); -2 the timeout has passed. */
ssize_t cap_next(struct capture *c, uint8_t *buf, size_t len, struct timespec *ts, int *outgoing);

/* Frames the kernel dropped since the last call (PACKET_STATISTICS). */
unsigned long cap_drops(struct capture *c);

/* Create the ready file (path may be NULL). */
void cap_ready(const char *path);

#endif
