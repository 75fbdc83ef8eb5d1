/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bc-sniff - benchmark sniffer for VRRP (IPv6 next header 112) packets:
 * adverts (type 1), BC_REQUEST (14) and BC_UPDATE (15); extension messages
 * (type 12: the framed sync, digests, and everything once auth is on) are
 * counted and timed, not parsed (with auth encrypt they are ciphertext).
 *
 * An AF_PACKET socket bound to one interface (run it inside a node's network
 * namespace with `ip netns exec`) with a classic BPF filter "ethertype IPv6
 * and next header 112". Every packet is timestamped by the kernel
 * (SO_TIMESTAMPNS, CLOCK_REALTIME) so times compare with clock_gettime(
 * CLOCK_REALTIME) taken by other programs on the same host, whatever their
 * namespace.
 *
 * usage: bc-sniff -i IFNAME [-d SECONDS] [-o PKTLOG] [-H RECLOG] [-a ADVERT_SRC]
 *                 [-q REQUEST_SRC] [-r READYFILE] [-n RECORDS [-l LINGER_S]]
 *   -d  stop after this long (default: until SIGINT/SIGTERM)
 *   -o  one line per packet: "t_ns dir type vrid count len src"
 *       (dir: in / out as seen on this interface)
 *   -H  one line per BC_UPDATE record: "t_ns hoa lifetime seq"
 *   -a  only adverts from this source count for the advert gap figures
 *   -q  only BC_REQUESTs from this source open the sync window (others are
 *       counted as bc_request_other)
 *   -r  create this file once the socket is bound (the caller waits on it)
 *   -n  stop once this many BC_UPDATE records arrived after the first
 *       BC_REQUEST (or since start if no request is seen)
 *   -l  after -n was reached, go on capturing this long (so the advert that
 *       ends the last gap of the sync window is seen)
 * On exit prints "key value" lines (times in ns since the epoch, durations in
 * ns) to stdout: see print_summary().
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ETH_HLEN_ 14
#define IP6_HLEN  40
#define REC_LEN   40
/* BC_UPDATEs closer than this belong to one burst (one pacing tick) */
#define BURST_GAP_NS 250000u

static volatile sig_atomic_t stop;

static void on_sig(int s)
{
	(void)s;
	stop = 1;
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct stats {
	uint64_t packets, in, out, other_types;
	uint64_t adverts, adverts_other_src;
	uint64_t req, req_other, upd_pkts, upd_recs;
	uint64_t first_req, last_req;
	uint64_t first_upd, last_upd;
	/* BC_UPDATEs after the first BC_REQUEST */
	uint64_t upd_pkts_after_req, upd_recs_after_req, first_upd_after_req;
	/* BC_UPDATE bursts: packets less than BURST_GAP_NS apart */
	uint64_t bursts, burst_first_start, burst_last_start, burst_max_pkts, burst_cur_pkts;
	/* extension messages (type 12): from the -q source (the requester's
	 * CAPS / REQUEST / repair asks) and from the others (answers, pushes,
	 * digests) */
	uint64_t ext_req_pkts, first_ext_req, last_ext_req;
	uint64_t ext_pkts, ext_bytes, first_ext, last_ext;
	uint64_t *adv; /* advert timestamps */
	size_t adv_n, adv_cap;
};

static void adv_push(struct stats *s, uint64_t t)
{
	if (s->adv_n == s->adv_cap) {
		size_t cap = s->adv_cap ? s->adv_cap * 2 : 1024;
		uint64_t *p = realloc(s->adv, cap * sizeof(*p));

		if (!p)
			return;
		s->adv = p;
		s->adv_cap = cap;
	}
	s->adv[s->adv_n++] = t;
}

/* Largest gap between consecutive adverts; with a window, only gaps that
 * overlap [w0, w1]. Returns the gap, *at = time of the advert ending it. */
static uint64_t max_gap(const struct stats *s, uint64_t w0, uint64_t w1, uint64_t *at, size_t *n)
{
	uint64_t best = 0;

	*at = 0;
	*n = 0;
	for (size_t i = 1; i < s->adv_n; i++) {
		uint64_t a = s->adv[i - 1], b = s->adv[i];

		if (w1 && (b < w0 || a > w1))
			continue;
		(*n)++;
		if (b - a > best) {
			best = b - a;
			*at = b;
		}
	}
	return best;
}

static void print_summary(const struct stats *s, const struct tpacket_stats *ks)
{
	uint64_t at, w0, w1, g;
	size_t n;

	printf("packets %llu\nin %llu\nout %llu\n", (unsigned long long)s->packets,
	       (unsigned long long)s->in, (unsigned long long)s->out);
	printf("kernel_packets %u\nkernel_drops %u\n", ks->tp_packets, ks->tp_drops);
	printf("adverts %llu\nadverts_other_src %llu\n", (unsigned long long)s->adverts,
	       (unsigned long long)s->adverts_other_src);
	printf("bc_request_other %llu\n", (unsigned long long)s->req_other);
	printf("bc_request %llu\nfirst_req_ns %llu\nlast_req_ns %llu\n", (unsigned long long)s->req,
	       (unsigned long long)s->first_req, (unsigned long long)s->last_req);
	printf("bc_update_pkts %llu\nbc_update_recs %llu\nfirst_upd_ns %llu\nlast_upd_ns %llu\n",
	       (unsigned long long)s->upd_pkts, (unsigned long long)s->upd_recs,
	       (unsigned long long)s->first_upd, (unsigned long long)s->last_upd);
	printf("upd_pkts_after_req %llu\nupd_recs_after_req %llu\nfirst_upd_after_req_ns %llu\n",
	       (unsigned long long)s->upd_pkts_after_req, (unsigned long long)s->upd_recs_after_req,
	       (unsigned long long)s->first_upd_after_req);
	printf("upd_bursts %llu\nupd_burst_max_pkts %llu\n", (unsigned long long)s->bursts,
	       (unsigned long long)s->burst_max_pkts);
	if (s->bursts > 1)
		printf("upd_burst_mean_pkts %.1f\nupd_burst_period_us %.1f\n",
		       (double)s->upd_pkts / s->bursts,
		       (s->burst_last_start - s->burst_first_start) / 1e3 / (s->bursts - 1));
	printf("ext_req_pkts %llu\nfirst_ext_req_ns %llu\nlast_ext_req_ns %llu\n"
	       "ext_pkts %llu\next_bytes %llu\nfirst_ext_ns %llu\nlast_ext_ns %llu\n",
	       (unsigned long long)s->ext_req_pkts, (unsigned long long)s->first_ext_req,
	       (unsigned long long)s->last_ext_req, (unsigned long long)s->ext_pkts,
	       (unsigned long long)s->ext_bytes, (unsigned long long)s->first_ext,
	       (unsigned long long)s->last_ext);
	g = max_gap(s, 0, 0, &at, &n);
	printf("adv_gaps %zu\nadv_max_gap_ns %llu\nadv_max_gap_at_ns %llu\n", n,
	       (unsigned long long)g, (unsigned long long)at);
	if (s->adv_n > 1)
		printf("adv_mean_gap_ns %llu\n",
		       (unsigned long long)((s->adv[s->adv_n - 1] - s->adv[0]) / (s->adv_n - 1)));
	/* the sync window: from the first BC_REQUEST (or the requester's first
	 * extension message, or the first BC_UPDATE) to the last BC_UPDATE or
	 * extension message from another source */
	w0 = s->first_req ? s->first_req : s->first_ext_req ? s->first_ext_req : s->first_upd;
	w1 = s->last_upd > s->last_ext ? s->last_upd : s->last_ext;
	if (w0 && w1 >= w0) {
		g = max_gap(s, w0, w1, &at, &n);
		printf("sync_window_ns %llu\nsync_adv_gaps %zu\nsync_adv_max_gap_ns %llu\n"
		       "sync_adv_max_gap_at_ns %llu\n",
		       (unsigned long long)(w1 - w0), n, (unsigned long long)g,
		       (unsigned long long)at);
	}
}

int main(int argc, char **argv)
{
	const char *ifname = NULL, *pktlog = NULL, *reclog = NULL, *ready = NULL;
	struct in6_addr adv_src, req_src;
	bool have_src = false, have_req_src = false;
	double dur = 0, linger = 0;
	bool reached = false;
	uint64_t want_recs = 0, deadline = 0;
	FILE *pf = NULL, *rf = NULL;
	struct stats s;
	int opt, fd, one = 1, rcvbuf = 64 << 20;
	unsigned ifindex;
	struct sockaddr_ll sll;
	struct tpacket_stats ks = {0};
	socklen_t kl = sizeof(ks);

	/* ldh [12]; jeq 0x86dd; ldb [20]; jeq 112; ret 0xffff; ret 0 */
	struct sock_filter code[] = {
	        {0x28, 0, 0, 12},  {0x15, 0, 3, 0x86dd}, {0x30, 0, 0, 20},
	        {0x15, 0, 1, 112}, {0x06, 0, 0, 0xffff}, {0x06, 0, 0, 0},
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]), .filter = code};

	memset(&s, 0, sizeof(s));
	while ((opt = getopt(argc, argv, "i:d:o:H:a:q:r:n:l:")) != -1) {
		switch (opt) {
		case 'i':
			ifname = optarg;
			break;
		case 'd':
			dur = atof(optarg);
			break;
		case 'o':
			pktlog = optarg;
			break;
		case 'H':
			reclog = optarg;
			break;
		case 'a':
			if (inet_pton(AF_INET6, optarg, &adv_src) != 1) {
				fprintf(stderr, "bad -a address\n");
				return 2;
			}
			have_src = true;
			break;
		case 'q':
			if (inet_pton(AF_INET6, optarg, &req_src) != 1) {
				fprintf(stderr, "bad -q address\n");
				return 2;
			}
			have_req_src = true;
			break;
		case 'r':
			ready = optarg;
			break;
		case 'n':
			want_recs = strtoull(optarg, NULL, 10);
			break;
		case 'l':
			linger = atof(optarg);
			break;
		default:
			fprintf(stderr,
			        "usage: %s -i IF [-d S] [-o PKTLOG] [-H RECLOG] [-a SRC] [-q SRC] "
			        "[-r READY] "
			        "[-n RECS [-l LINGER_S]]\n",
			        argv[0]);
			return 2;
		}
	}
	if (!ifname) {
		fprintf(stderr, "-i IFNAME required\n");
		return 2;
	}
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		perror(ifname);
		return 1;
	}
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0) {
		perror("socket(AF_PACKET)");
		return 1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0) {
		perror("setsockopt");
		return 1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		perror("bind");
		return 1;
	}
	/* reset the kernel counters (reading clears them) */
	getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &ks, &kl);
	memset(&ks, 0, sizeof(ks));
	if (pktlog && !(pf = fopen(pktlog, "w"))) {
		perror(pktlog);
		return 1;
	}
	if (reclog && !(rf = fopen(reclog, "w"))) {
		perror(reclog);
		return 1;
	}
	if (pf)
		setvbuf(pf, NULL, _IOFBF, 1 << 20);
	if (rf)
		setvbuf(rf, NULL, _IOFBF, 1 << 20);
	signal(SIGINT, on_sig);
	signal(SIGHUP, on_sig);
	signal(SIGTERM, on_sig);
	if (ready) {
		FILE *f = fopen(ready, "w");

		if (f)
			fclose(f);
	}
	if (dur > 0)
		deadline = realtime_ns() + (uint64_t)(dur * 1e9);

	while (!stop) {
		uint8_t buf[2048];
		union {
			char c[CMSG_SPACE(sizeof(struct timespec)) + 64];
			struct cmsghdr align;
		} cb;
		struct sockaddr_ll from;
		struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
		struct msghdr msg = {.msg_name = &from,
		                     .msg_namelen = sizeof(from),
		                     .msg_iov = &iov,
		                     .msg_iovlen = 1,
		                     .msg_control = cb.c,
		                     .msg_controllen = sizeof(cb.c)};
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		struct cmsghdr *c;
		uint64_t t = 0;
		const uint8_t *ip, *v;
		ssize_t n;
		size_t vlen;
		unsigned type, vrid, count;
		bool out;
		char src[INET6_ADDRSTRLEN];

		if (deadline && realtime_ns() >= deadline)
			break;
		n = recvmsg(fd, &msg, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR) {
				poll(&pfd, 1, 50);
				continue;
			}
			perror("recvmsg");
			break;
		}
		for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
				struct timespec ts;

				memcpy(&ts, CMSG_DATA(c), sizeof(ts));
				t = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
			}
		if (!t)
			t = realtime_ns();
		if ((size_t)n < ETH_HLEN_ + IP6_HLEN + 8)
			continue;
		ip = buf + ETH_HLEN_;
		v = ip + IP6_HLEN;
		vlen = (size_t)n - ETH_HLEN_ - IP6_HLEN;
		out = from.sll_pkttype == PACKET_OUTGOING;
		type = v[0] & 0x0f;
		vrid = v[1];
		count = v[3];
		s.packets++;
		if (out)
			s.out++;
		else
			s.in++;
		if (pf) {
			inet_ntop(AF_INET6, ip + 8, src, sizeof(src));
			fprintf(pf, "%llu %s %u %u %u %zu %s\n", (unsigned long long)t,
			        out ? "out" : "in", type, vrid, count, vlen, src);
		}
		switch (type) {
		case 1:
			if (have_src && memcmp(ip + 8, &adv_src, 16)) {
				s.adverts_other_src++;
				break;
			}
			s.adverts++;
			adv_push(&s, t);
			break;
		case 14:
			if (have_req_src && memcmp(ip + 8, &req_src, 16)) {
				s.req_other++;
				break;
			}
			s.req++;
			if (!s.first_req)
				s.first_req = t;
			s.last_req = t;
			break;
		case 15:
			if (!s.last_upd || t - s.last_upd > BURST_GAP_NS) {
				if (!s.bursts)
					s.burst_first_start = t;
				s.bursts++;
				s.burst_last_start = t;
				s.burst_cur_pkts = 0;
			}
			if (++s.burst_cur_pkts > s.burst_max_pkts)
				s.burst_max_pkts = s.burst_cur_pkts;
			s.upd_pkts++;
			s.upd_recs += count;
			if (!s.first_upd)
				s.first_upd = t;
			s.last_upd = t;
			if (s.first_req) {
				s.upd_pkts_after_req++;
				s.upd_recs_after_req += count;
				if (!s.first_upd_after_req)
					s.first_upd_after_req = t;
			}
			if (rf) {
				for (unsigned i = 0; i < count && 8 + (i + 1) * REC_LEN <= vlen;
				     i++) {
					const uint8_t *r = v + 8 + i * REC_LEN;

					inet_ntop(AF_INET6, r + 8, src, sizeof(src));
					fprintf(rf, "%llu %s %u %u\n", (unsigned long long)t, src,
					        (unsigned)(r[0] << 8 | r[1]),
					        (unsigned)(r[2] << 8 | r[3]));
				}
			}
			if (want_recs && !reached &&
			    (s.first_req ? s.upd_recs_after_req : s.upd_recs) >= want_recs) {
				reached = true;
				if (linger > 0)
					deadline = realtime_ns() + (uint64_t)(linger * 1e9);
				else
					stop = 1;
			}
			break;
		case 12:
			if (have_req_src && !memcmp(ip + 8, &req_src, 16)) {
				s.ext_req_pkts++;
				if (!s.first_ext_req)
					s.first_ext_req = t;
				s.last_ext_req = t;
				break;
			}
			s.ext_pkts++;
			s.ext_bytes += vlen;
			if (!s.first_ext)
				s.first_ext = t;
			s.last_ext = t;
			break;
		default:
			s.other_types++;
			break;
		}
	}
	kl = sizeof(ks);
	getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &ks, &kl);
	if (pf)
		fclose(pf);
	if (rf)
		fclose(rf);
	print_summary(&s, &ks);
	fflush(stdout);
	close(fd);
	free(s.adv);
	return 0;
}
