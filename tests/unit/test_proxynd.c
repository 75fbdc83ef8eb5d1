/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_proxynd.c - home link takeover (vrrp_ha/src/proxynd.c) against the real
 * kernel in a private network namespace (unshare(CLONE_NEWNET)) with a veth
 * pair: pnd0 is the home agent's interface, pnd1 the "router" on the home link.
 * Needs root; exits 77 (skip) if the namespace cannot be made.
 *
 * Frames fed to the responder are built here with a builder and a checksum
 * routine of the test's own; what the module sends is received on pnd1
 * through a raw ICMPv6 socket, which only delivers packets whose checksum the
 * kernel verified.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "test_loop.h"
#include "vrrp_ha/proxynd.h"

#include "check.h"

#define IF_HA   "pnd0"
#define IF_PEER "pnd1"

static int sh(const char *cmd)
{
	int rc = system(cmd);

	if (rc != 0)
		fprintf(stderr, "  command failed (%d): %s\n", rc, cmd);
	return rc;
}

static struct in6_addr addr(const char *s)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, s, &a) != 1)
		abort();
	return a;
}

static struct in6_addr hoa(unsigned i)
{
	struct in6_addr a = addr("2001:db8:1::");

	i++; /* never ::0 */
	a.s6_addr[12] = (uint8_t)(i >> 24);
	a.s6_addr[13] = (uint8_t)(i >> 16);
	a.s6_addr[14] = (uint8_t)(i >> 8);
	a.s6_addr[15] = (uint8_t)i;
	return a;
}

static int hoa_index(const struct in6_addr *a)
{
	struct in6_addr b = *a;
	unsigned i;

	memset(b.s6_addr + 12, 0, 4);
	if (memcmp(&b, &(struct in6_addr){.s6_addr = {0x20, 0x01, 0x0d, 0xb8, 0, 1}}, 16) != 0)
		return -1;
	i = (unsigned)a->s6_addr[12] << 24 | (unsigned)a->s6_addr[13] << 16 |
	    (unsigned)a->s6_addr[14] << 8 | a->s6_addr[15];
	return (int)i - 1;
}

static int sysctl_get(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* ---- the test's own checksum (64-bit accumulation of 32-bit words) ---- */

static uint16_t ref_csum(const uint8_t *src, const uint8_t *dst, const uint8_t *p, size_t len)
{
	uint8_t buf[2048] = {0};
	uint64_t sum = 0;
	size_t n = 0, i;

	memcpy(buf, src, 16);
	memcpy(buf + 16, dst, 16);
	buf[32] = (uint8_t)(len >> 24);
	buf[33] = (uint8_t)(len >> 16);
	buf[34] = (uint8_t)(len >> 8);
	buf[35] = (uint8_t)len;
	buf[39] = 58;
	memcpy(buf + 40, p, len);
	n = 40 + len;
	n = (n + 3) & ~(size_t)3;
	for (i = 0; i < n; i += 4)
		sum += (uint64_t)buf[i] << 24 | (uint64_t)buf[i + 1] << 16 |
		       (uint64_t)buf[i + 2] << 8 | buf[i + 3];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void test_checksum(void)
{
	/* Known answers computed outside this project (Python, RFC 1071 sum). */
	struct in6_addr s = addr("fe80::1"), d = addr("ff02::1:ff00:2"), t = addr("2001:db8::2");
	uint8_t ns[32] = {135, 0, 0, 0, 0, 0, 0, 0};
	uint8_t odd[25] = {136, 0, 0, 0, 0x60};
	struct in6_addr s2 = addr("2001:db8::1"), d2 = addr("fe80::ffff:ffff:ffff:ffff");
	struct in6_addr t2 = addr("2001:db8::abcd");
	uint16_t c;

	memcpy(ns + 8, &t, 16);
	memcpy(ns + 24, (uint8_t[]){1, 1, 2, 0, 0, 0, 0, 1}, 8);
	CHECK_EQ(vrrp_ha_pnd_icmp6_csum(&s, &d, ns, sizeof(ns)), 0x4b5f);
	CHECK_EQ(ref_csum(s.s6_addr, d.s6_addr, ns, sizeof(ns)), 0x4b5f);
	/* stored, the packet sums to zero */
	ns[2] = 0x4b;
	ns[3] = 0x5f;
	CHECK_EQ(vrrp_ha_pnd_icmp6_csum(&s, &d, ns, sizeof(ns)), 0);
	/* odd length */
	memcpy(odd + 8, &t2, 16);
	odd[24] = 7;
	CHECK_EQ(vrrp_ha_pnd_icmp6_csum(&s2, &d2, odd, sizeof(odd)), 0x0aea);
	/* random buffers agree with the reference */
	srand(1);
	for (int k = 0; k < 200; k++) {
		uint8_t b[1500];
		size_t len = (size_t)(rand() % 1500);

		for (size_t i = 0; i < len; i++)
			b[i] = (uint8_t)rand();
		c = vrrp_ha_pnd_icmp6_csum(&s2, &d, b, len);
		if (c != ref_csum(s2.s6_addr, d.s6_addr, b, len)) {
			CHECK(!"checksum differs from the reference");
			break;
		}
	}
}

/* ---- harness: test_loop timer driving vrrp_ha_pnd_timer ---- */

struct harness {
	struct test_loop *l;
	struct vrrp_ha_pnd *p;
};

static void arm(struct harness *h)
{
	uint64_t now = test_loop_now_ms(h->l), next = vrrp_ha_pnd_next_ms(h->p);

	if (next == UINT64_MAX)
		return;
	test_loop_ops()->set_timer(h->l, next > now ? (next - now) * 1000 : 0);
}

static void timer_cb(void *arg)
{
	struct harness *h = arg;

	vrrp_ha_pnd_timer(h->p, test_loop_now_ms(h->l), NULL);
	arm(h);
}

static void harness_init(struct harness *h, const struct vrrp_ha_pnd_config *cfg)
{
	h->l = test_loop_new();
	if (!h->l)
		abort();
	test_loop_set_log_level(h->l, LOG_INFO);
	h->p = vrrp_ha_pnd_new(cfg, test_loop_ops(), h->l);
	if (!h->p)
		abort();
	test_loop_set_timer_cb(h->l, timer_cb, h);
}

static void harness_free(struct harness *h)
{
	vrrp_ha_pnd_free(h->p);
	test_loop_free(h->l);
}

/* Run the loop for ms of real time. */
static void run_ms(struct harness *h, int ms)
{
	test_loop_run_until(h->l, NULL, NULL, ms);
}

static bool kernel_full(void *arg)
{
	struct harness *h = arg;

	return vrrp_ha_pnd_counters(h->p)->kernel_entries == vrrp_ha_pnd_count(h->p);
}

static bool kernel_empty(void *arg)
{
	struct harness *h = arg;

	return vrrp_ha_pnd_counters(h->p)->kernel_entries == 0 &&
	       vrrp_ha_pnd_next_ms(h->p) == UINT64_MAX;
}

/* Number of proxy entries for 2001:db8:1::/64 on pnd0 as iproute2 lists them. */
static int ip_proxy_count(void)
{
	FILE *f = popen("ip -6 neigh show proxy dev " IF_HA, "r");
	char line[256];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "2001:db8:1::", 12) == 0)
			n++;
	pclose(f);
	return n;
}

static void cfg_init(struct vrrp_ha_pnd_config *cfg)
{
	vrrp_ha_pnd_config_defaults(cfg);
	snprintf(cfg->ifname, sizeof(cfg->ifname), "%s", IF_HA);
}

struct link_info;
struct rx_na;
static int link_info(const char *ifname, struct link_info *li);
static int peer_open(void);
static void kernel_answers(struct harness *h);
static int peer_send_ns(int fd, const struct link_info *peer, const struct in6_addr *target);
static int collect(struct harness *h, int fd, const uint8_t *mac, struct rx_na *out, int max,
                   int ms);

/* (1) kernel mode: entries appear, go on deactivate, go on free */
static void test_kernel(void)
{
	struct vrrp_ha_pnd_config cfg;
	struct harness h;
	struct in6_addr a;
	unsigned i;

	fprintf(stderr, "kernel mode\n");
	cfg_init(&cfg);
	cfg.una_count = 0;
	cfg.kernel_batch = 32; /* several batches */
	harness_init(&h, &cfg);
	for (i = 0; i < 100; i++) {
		a = hoa(i);
		CHECK_EQ(vrrp_ha_pnd_add(h.p, &a), 1);
	}
	CHECK_EQ(vrrp_ha_pnd_add(h.p, &a), 0);
	a = addr("ff02::1");
	CHECK_EQ(vrrp_ha_pnd_add(h.p, &a), -1);
	CHECK_EQ(vrrp_ha_pnd_count(h.p), 100);
	CHECK_EQ(vrrp_ha_pnd_mode(h.p), VRRP_HA_PND_OFF);
	CHECK_EQ(ip_proxy_count(), 0); /* nothing before activation */

	CHECK_EQ(vrrp_ha_pnd_activate(h.p), 0);
	CHECK_EQ(vrrp_ha_pnd_mode(h.p), VRRP_HA_PND_KERNEL);
	CHECK_EQ(sysctl_get("/proc/sys/net/ipv6/conf/" IF_HA "/proxy_ndp"), 1);
	CHECK_EQ(sysctl_get("/proc/sys/net/ipv6/conf/" IF_HA "/forwarding"), 1);
	CHECK_EQ(sysctl_get("/proc/sys/net/ipv6/neigh/" IF_HA "/proxy_delay"), 0);
	arm(&h);
	CHECK(test_loop_run_until(h.l, kernel_full, &h, 5000));
	CHECK_EQ(ip_proxy_count(), 100);
	CHECK_EQ(vrrp_ha_pnd_counters(h.p)->kernel_added, 100);
	CHECK(vrrp_ha_pnd_counters(h.p)->kernel_batches >= 4);
	CHECK_EQ(vrrp_ha_pnd_counters(h.p)->kernel_errors, 0);
	kernel_answers(&h);

	/* delete one while active: gone from the kernel at once */
	a = hoa(7);
	CHECK_EQ(vrrp_ha_pnd_del(h.p, &a), 1);
	CHECK_EQ(vrrp_ha_pnd_del(h.p, &a), 0);
	CHECK(!vrrp_ha_pnd_has(h.p, &a));
	CHECK_EQ(ip_proxy_count(), 99);
	CHECK_EQ(vrrp_ha_pnd_counters(h.p)->kernel_entries, 99);
	/* add one while active: installed by the timer */
	CHECK_EQ(vrrp_ha_pnd_add(h.p, &a), 1);
	arm(&h);
	CHECK(test_loop_run_until(h.l, kernel_full, &h, 5000));
	CHECK_EQ(ip_proxy_count(), 100);

	CHECK_EQ(vrrp_ha_pnd_deactivate(h.p), 0);
	CHECK_EQ(vrrp_ha_pnd_mode(h.p), VRRP_HA_PND_OFF);
	/* restore_sysctls: back to the namespace's defaults */
	CHECK_EQ(sysctl_get("/proc/sys/net/ipv6/conf/" IF_HA "/proxy_ndp"), 0);
	CHECK_EQ(sysctl_get("/proc/sys/net/ipv6/conf/" IF_HA "/forwarding"), 0);
	arm(&h);
	CHECK(test_loop_run_until(h.l, kernel_empty, &h, 5000));
	CHECK_EQ(ip_proxy_count(), 0);
	CHECK_EQ(vrrp_ha_pnd_count(h.p), 100); /* the set is kept */

	/* activate again, then free without deactivating: free removes them */
	CHECK_EQ(vrrp_ha_pnd_activate(h.p), 0);
	arm(&h);
	CHECK(test_loop_run_until(h.l, kernel_full, &h, 5000));
	CHECK_EQ(ip_proxy_count(), 100);
	harness_free(&h);
	CHECK_EQ(ip_proxy_count(), 0);
	CHECK_EQ(sysctl_get("/proc/sys/net/ipv6/conf/" IF_HA "/proxy_ndp"), 0);
}

/* ---- the peer ("router") on pnd1 ---- */

struct link_info {
	int ifindex;
	uint8_t mac[6];
	struct in6_addr ll;
};

static int link_info(const char *ifname, struct link_info *li)
{
	struct ifaddrs *ifa, *i;
	int got = 0;

	li->ifindex = (int)if_nametoindex(ifname);
	if (getifaddrs(&ifa) < 0)
		return -1;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || strcmp(i->ifa_name, ifname) != 0)
			continue;
		if (i->ifa_addr->sa_family == AF_PACKET) {
			memcpy(li->mac, ((struct sockaddr_ll *)i->ifa_addr)->sll_addr, 6);
			got |= 1;
		} else if (i->ifa_addr->sa_family == AF_INET6 &&
		           IN6_IS_ADDR_LINKLOCAL(
		                   &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr)) {
			li->ll = ((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
			got |= 2;
		}
	}
	freeifaddrs(ifa);
	return got == 3 ? 0 : -1;
}

/* Raw ICMPv6 socket on pnd1 receiving NAs only, hop limit reported. */
static int peer_open(void)
{
	int fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK, IPPROTO_ICMPV6), one = 1, hops = 255;
	int buf = 1 << 22;
	struct icmp6_filter flt;

	if (fd < 0)
		return -1;
	ICMP6_FILTER_SETBLOCKALL(&flt);
	ICMP6_FILTER_SETPASS(ND_NEIGHBOR_ADVERT, &flt);
	setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &flt, sizeof(flt));
	setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, IF_PEER, sizeof(IF_PEER));
	setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one));
	setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops));
	setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf));
	return fd;
}

struct rx_na {
	struct in6_addr src, target;
	uint8_t flags;
	int hlim;
	bool tlla_ok; /* TLLA option present with the expected MAC */
};

/* Receive one NA (non-blocking). Returns: 1, 0 (none), -1 (not an NA). */
static int peer_recv(int fd, const uint8_t *mac, struct rx_na *na)
{
	uint8_t b[1500], cbuf[256];
	struct sockaddr_in6 from;
	struct iovec iov = {b, sizeof(b)};
	struct msghdr m = {.msg_name = &from,
	                   .msg_namelen = sizeof(from),
	                   .msg_iov = &iov,
	                   .msg_iovlen = 1,
	                   .msg_control = cbuf,
	                   .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c;
	ssize_t r = recvmsg(fd, &m, MSG_DONTWAIT);

	if (r < 0)
		return 0;
	memset(na, 0, sizeof(*na));
	na->hlim = -1;
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)
			memcpy(&na->hlim, CMSG_DATA(c), sizeof(int));
	if (r < 24 || b[0] != ND_NEIGHBOR_ADVERT)
		return -1;
	na->src = from.sin6_addr;
	na->flags = b[4];
	memcpy(&na->target, b + 8, 16);
	na->tlla_ok = r >= 32 && b[24] == 2 && b[25] == 1 && memcmp(b + 26, mac, 6) == 0;
	return 1;
}

/* Send an NS for target from pnd1 (kernel checksum), SLLA = peer's MAC. */
static int peer_send_ns(int fd, const struct link_info *peer, const struct in6_addr *target)
{
	uint8_t b[32] = {ND_NEIGHBOR_SOLICIT};
	struct sockaddr_in6 to = {.sin6_family = AF_INET6,
	                          .sin6_scope_id = (uint32_t)peer->ifindex};

	memcpy(b + 8, target, 16);
	b[24] = 1;
	b[25] = 1;
	memcpy(b + 26, peer->mac, 6);
	to.sin6_addr = addr("ff02::1:ff00:0");
	memcpy(to.sin6_addr.s6_addr + 13, target->s6_addr + 13, 3);
	return sendto(fd, b, sizeof(b), 0, (struct sockaddr *)&to, sizeof(to)) == sizeof(b) ? 0
	                                                                                    : -1;
}

/* In kernel mode the kernel itself answers an NS from the peer, at once
 * (proxy_delay 0), with pnd0's MAC. */
static void kernel_answers(struct harness *h)
{
	struct link_info ha, peer;
	struct rx_na na[4];
	struct in6_addr a = hoa(17);
	int fd, n;

	if (link_info(IF_HA, &ha) < 0 || link_info(IF_PEER, &peer) < 0 || (fd = peer_open()) < 0) {
		CHECK(!"peer setup");
		return;
	}
	CHECK_EQ(peer_send_ns(fd, &peer, &a), 0);
	n = collect(h, fd, ha.mac, na, 4, 300);
	CHECK_EQ(n, 1);
	if (n >= 1) {
		CHECK(memcmp(&na[0].target, &a, 16) == 0);
		CHECK(na[0].flags & ND_NA_FLAG_SOLICITED);
		CHECK(na[0].tlla_ok);
	}
	close(fd);
}

/* ---- the test's own NS frame builder ---- */

static size_t build_ns(uint8_t *f, const uint8_t *eth_src, const struct in6_addr *src,
                       const struct in6_addr *target, bool slla)
{
	struct in6_addr dst = addr("ff02::1:ff00:0");
	size_t plen = slla ? 32 : 24;
	uint8_t *ip = f + 14, *ic = f + 54;
	uint16_t c;

	memcpy(dst.s6_addr + 13, target->s6_addr + 13, 3);
	memset(f, 0, 14 + 40 + plen);
	memcpy(f, (uint8_t[]){0x33, 0x33, 0xff, dst.s6_addr[13], dst.s6_addr[14], dst.s6_addr[15]},
	       6);
	memcpy(f + 6, eth_src, 6);
	f[12] = 0x86;
	f[13] = 0xdd;
	ip[0] = 0x60;
	ip[5] = (uint8_t)plen;
	ip[6] = 58;
	ip[7] = 255;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, &dst, 16);
	ic[0] = 135;
	memcpy(ic + 8, target, 16);
	if (slla) {
		ic[24] = 1;
		ic[25] = 1;
		memcpy(ic + 26, eth_src, 6);
	}
	c = ref_csum(src->s6_addr, dst.s6_addr, ic, plen);
	ic[2] = (uint8_t)(c >> 8);
	ic[3] = (uint8_t)c;
	return 14 + 40 + plen;
}

static void refresh_csum(uint8_t *f, size_t len)
{
	uint16_t c;

	f[56] = f[57] = 0;
	c = ref_csum(f + 22, f + 38, f + 54, len - 54);
	f[56] = (uint8_t)(c >> 8);
	f[57] = (uint8_t)c;
}

/* Collect NAs on the peer while running the loop for ms. */
static int collect(struct harness *h, int fd, const uint8_t *mac, struct rx_na *out, int max,
                   int ms)
{
	struct timespec t0, t;
	int n = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct rx_na na;

		test_loop_run_once(h->l, 2);
		while (peer_recv(fd, mac, &na) == 1)
			if (n < max)
				out[n++] = na;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 >= ms)
			break;
	}
	return n;
}

/* (2) user-space responder */
static void test_user(void)
{
	struct vrrp_ha_pnd_config cfg;
	struct link_info ha, peer;
	struct harness h;
	struct rx_na na[8];
	struct in6_addr a, unknown = addr("2001:db8:1::dead:beef");
	uint8_t f[128];
	size_t len;
	int fd, n;
	unsigned i;

	fprintf(stderr, "user-space responder\n");
	if (link_info(IF_HA, &ha) < 0 || link_info(IF_PEER, &peer) < 0 || (fd = peer_open()) < 0) {
		CHECK(!"peer setup");
		return;
	}
	cfg_init(&cfg);
	cfg.kernel_max = 0;
	cfg.una_count = 0;
	harness_init(&h, &cfg);
	for (i = 0; i < 1000; i++) {
		a = hoa(i);
		vrrp_ha_pnd_add(h.p, &a);
	}
	/* inactive: a valid NS for a HoA is not answered */
	a = hoa(5);
	len = build_ns(f, peer.mac, &peer.ll, &a, true);
	CHECK_EQ(vrrp_ha_pnd_input(h.p, f, len, false), VRRP_HA_PND_R_INACTIVE);

	CHECK_EQ(vrrp_ha_pnd_activate(h.p), 0);
	CHECK_EQ(vrrp_ha_pnd_mode(h.p), VRRP_HA_PND_USER);
	CHECK_EQ(test_loop_nwatched(h.l), 1);
	CHECK_EQ(sysctl_get("/proc/sys/net/ipv6/conf/" IF_HA "/proxy_ndp"), 0); /* not needed */
	CHECK_EQ(ip_proxy_count(), 0);

	/* NS over the wire for a HoA -> solicited NA, S and O, our MAC, from our link-local */
	a = hoa(123);
	CHECK_EQ(peer_send_ns(fd, &peer, &a), 0);
	n = collect(&h, fd, ha.mac, na, 8, 300);
	CHECK_EQ(n, 1);
	if (n >= 1) {
		CHECK(memcmp(&na[0].target, &a, 16) == 0);
		CHECK_EQ(na[0].flags, ND_NA_FLAG_SOLICITED | ND_NA_FLAG_OVERRIDE);
		CHECK(na[0].tlla_ok);
		CHECK_EQ(na[0].hlim, 255);
		CHECK(memcmp(&na[0].src, &ha.ll, 16) == 0);
	}
	CHECK_EQ(vrrp_ha_pnd_counters(h.p)->user_answers, 1);
	CHECK_EQ(vrrp_ha_pnd_counters(h.p)->ns_rx[VRRP_HA_PND_R_ANSWERED], 1);

	/* unknown target -> nothing */
	CHECK_EQ(peer_send_ns(fd, &peer, &unknown), 0);
	n = collect(&h, fd, ha.mac, na, 8, 200);
	CHECK_EQ(n, 0);
	CHECK_EQ(vrrp_ha_pnd_counters(h.p)->ns_rx[VRRP_HA_PND_R_UNKNOWN], 1);
	CHECK_EQ(vrrp_ha_pnd_counters(h.p)->user_answers, 1);

	/* DAD probe (source ::) for a HoA, fed directly -> NA to all-nodes, S = 0 */
	a = hoa(999);
	len = build_ns(f, peer.mac, &in6addr_any, &a, false);
	CHECK_EQ(vrrp_ha_pnd_input(h.p, f, len, false), VRRP_HA_PND_R_ANSWERED);
	n = collect(&h, fd, ha.mac, na, 8, 100);
	CHECK_EQ(n, 1);
	if (n >= 1) {
		CHECK(memcmp(&na[0].target, &a, 16) == 0);
		CHECK_EQ(na[0].flags, ND_NA_FLAG_OVERRIDE);
		CHECK(na[0].tlla_ok);
	}
	/* frames this host sent are not answered */
	a = hoa(1);
	len = build_ns(f, peer.mac, &peer.ll, &a, true);
	CHECK_EQ(vrrp_ha_pnd_input(h.p, f, len, true), VRRP_HA_PND_R_OUTGOING);

	/* a burst of NSs over the wire: all answered */
	for (i = 0; i < 200; i++) {
		a = hoa(i * 5);
		peer_send_ns(fd, &peer, &a);
	}
	{
		static struct rx_na many[400];

		n = collect(&h, fd, ha.mac, many, 400, 500);
		CHECK_EQ(n, 200);
	}
	CHECK_EQ(vrrp_ha_pnd_counters(h.p)->user_answers, 202);

	CHECK_EQ(vrrp_ha_pnd_deactivate(h.p), 0);
	CHECK_EQ(test_loop_nwatched(h.l), 0);
	a = hoa(3);
	CHECK_EQ(peer_send_ns(fd, &peer, &a), 0);
	n = collect(&h, fd, ha.mac, na, 8, 100);
	CHECK_EQ(n, 0);
	harness_free(&h);
	close(fd);
}

/* (3) unsolicited NAs on activation: all of them, Override, paced */
static void test_una(void)
{
	enum { N = 300, COUNT = 2, RATE = 1000 };
	static struct rx_na na[N * COUNT + 16];
	static uint64_t at[N * COUNT + 16];
	static unsigned per[N];
	struct vrrp_ha_pnd_config cfg;
	struct link_info ha, peer;
	struct harness h;
	struct in6_addr a;
	struct timespec t0, t;
	int fd, n = 0, i, bad = 0, maxwin = 0, j;

	fprintf(stderr, "unsolicited NAs\n");
	if (link_info(IF_HA, &ha) < 0 || link_info(IF_PEER, &peer) < 0 || (fd = peer_open()) < 0) {
		CHECK(!"peer setup");
		return;
	}
	cfg_init(&cfg);
	cfg.una_rate = RATE;
	cfg.una_count = COUNT;
	cfg.una_round_ms = 100;
	harness_init(&h, &cfg);
	for (i = 0; i < N; i++) {
		a = hoa((unsigned)i);
		vrrp_ha_pnd_add(h.p, &a);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_EQ(vrrp_ha_pnd_activate(h.p), 0);
	CHECK_EQ(vrrp_ha_pnd_mode(h.p), VRRP_HA_PND_KERNEL);
	arm(&h);
	/* expected: N * COUNT / RATE = 0.6 s; bounded at 3 s */
	while (n < N * COUNT) {
		struct rx_na x;

		test_loop_run_once(h.l, 2);
		clock_gettime(CLOCK_MONOTONIC, &t);
		while (peer_recv(fd, ha.mac, &x) == 1 && n < N * COUNT + 16) {
			na[n] = x;
			at[n++] = (uint64_t)((t.tv_sec - t0.tv_sec) * 1000 +
			                     (t.tv_nsec - t0.tv_nsec) / 1000000);
		}
		if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 > 3000)
			break;
	}
	collect(&h, fd, ha.mac, na + n, 0, 100); /* anything extra is dropped on the floor */
	CHECK_EQ(n, N * COUNT);
	CHECK_EQ(vrrp_ha_pnd_counters(h.p)->unas_sent, N * COUNT);
	CHECK_EQ(vrrp_ha_pnd_counters(h.p)->una_errors, 0);
	for (i = 0; i < n; i++) {
		int k = hoa_index(&na[i].target);

		if (k < 0 || k >= N || na[i].flags != ND_NA_FLAG_OVERRIDE || !na[i].tlla_ok ||
		    na[i].hlim != 255 || memcmp(&na[i].src, &ha.ll, 16) != 0) {
			char str[INET6_ADDRSTRLEN];

			inet_ntop(AF_INET6, &na[i].target, str, sizeof(str));
			fprintf(stderr, "  bad UNA #%d: target %s flags %#x tlla %d hlim %d\n", i,
			        str, na[i].flags, na[i].tlla_ok, na[i].hlim);
			bad++;
			continue;
		}
		per[k]++;
	}
	CHECK_EQ(bad, 0);
	for (i = 0; i < N; i++)
		if (per[i] != COUNT) {
			CHECK_EQ(per[i], COUNT);
			break;
		}
	/* pacing: the whole run takes about N * COUNT / RATE, and no 100 ms window holds
	 * much more than RATE / 10 plus one burst (10 ms of tokens) */
	if (n == N * COUNT) {
		uint64_t span = at[n - 1] - at[0];

		fprintf(stderr, "  %d UNAs in %llu ms\n", n, (unsigned long long)span);
		CHECK(span >= (uint64_t)N * COUNT * 1000 / RATE * 8 / 10);
		CHECK(span <= 2500);
		for (i = 0, j = 0; i < n; i++) {
			while (at[i] - at[j] >= 100)
				j++;
			if (i - j + 1 > maxwin)
				maxwin = i - j + 1;
		}
		fprintf(stderr, "  at most %d UNAs in 100 ms\n", maxwin);
		CHECK(maxwin <= RATE / 10 + RATE / 100 + 10);
	}
	CHECK_EQ(vrrp_ha_pnd_next_ms(h.p), UINT64_MAX);
	harness_free(&h);
	close(fd);
}

/* (4) malformed NS: every prefix, and each check, counted; nothing sent */
static void test_malformed(void)
{
	struct vrrp_ha_pnd_config cfg;
	struct link_info ha, peer;
	struct harness h;
	struct in6_addr a = hoa(42), src;
	uint8_t f[128], g[128];
	size_t len, i;
	uint64_t before;
	int fd, pk;

	fprintf(stderr, "malformed solicitations\n");
	if (link_info(IF_HA, &ha) < 0 || link_info(IF_PEER, &peer) < 0) {
		CHECK(!"link info");
		return;
	}
	src = peer.ll;
	cfg_init(&cfg);
	cfg.kernel_max = 0;
	cfg.una_count = 0;
	harness_init(&h, &cfg);
	vrrp_ha_pnd_add(h.p, &a);
	CHECK_EQ(vrrp_ha_pnd_activate(h.p), 0);
	len = build_ns(f, peer.mac, &src, &a, true);

	/* every truncated prefix */
	for (i = 0; i < len; i++) {
		enum vrrp_ha_pnd_reason r;
		uint8_t *copy = malloc(i ? i : 1); /* exact size: ASan catches overreads */

		memcpy(copy, f, i);
		r = vrrp_ha_pnd_input(h.p, copy, i, false);
		free(copy);
		if (r == VRRP_HA_PND_R_ANSWERED || r == VRRP_HA_PND_R_UNKNOWN) {
			fprintf(stderr, "  prefix %zu: %s\n", i, vrrp_ha_pnd_reason_name(r));
			failures++;
		}
	}
	CHECK_EQ(vrrp_ha_pnd_counters(h.p)->ns_malformed, len);
	CHECK_EQ(vrrp_ha_pnd_counters(h.p)->user_answers, 0);
	CHECK_EQ(vrrp_ha_pnd_input(h.p, f, len, false), VRRP_HA_PND_R_ANSWERED);

#define MUT(stmt, reason)                                                                          \
	do {                                                                                       \
		memcpy(g, f, len);                                                                 \
		stmt;                                                                              \
		CHECK_EQ(vrrp_ha_pnd_input(h.p, g, len, false), reason);                           \
	} while (0)
	MUT(g[12] = 0x08, VRRP_HA_PND_R_NOT_IPV6);
	MUT(g[14] = 0x40, VRRP_HA_PND_R_NOT_IPV6);
	MUT(g[19] = 33, VRRP_HA_PND_R_IP_LEN);   /* longer than the frame */
	MUT(g[19] = 23, VRRP_HA_PND_R_IP_LEN);   /* shorter than an NS */
	MUT(g[20] = 0, VRRP_HA_PND_R_NOT_ICMP6); /* hop-by-hop header: not followed */
	MUT(g[21] = 64, VRRP_HA_PND_R_HOP_LIMIT);
	MUT(g[54] = 136, VRRP_HA_PND_R_NOT_NS);
	MUT(g[55] = 1, VRRP_HA_PND_R_NOT_NS);
	MUT(g[57] ^= 1, VRRP_HA_PND_R_CHECKSUM);
	MUT((g[62] = 0xff, refresh_csum(g, len)), VRRP_HA_PND_R_TARGET);
	MUT((g[79] = 0, refresh_csum(g, len)), VRRP_HA_PND_R_OPTION);
	MUT((g[79] = 2, refresh_csum(g, len)), VRRP_HA_PND_R_OPTION);
	/* DAD NS carrying an SLLA */
	MUT((memset(g + 22, 0, 16), refresh_csum(g, len)), VRRP_HA_PND_R_DAD);
	/* DAD NS to a group that is not the target's solicited-node group */
	MUT((memset(g + 22, 0, 16), g[78] = 3, g[53] ^= 1, refresh_csum(g, len)),
	    VRRP_HA_PND_R_DAD);
	/* IPv6 payload shorter than the frame (Ethernet padding): fine */
	memcpy(g, f, len);
	memset(g + len, 0, 8);
	CHECK_EQ(vrrp_ha_pnd_input(h.p, g, len + 8, false), VRRP_HA_PND_R_ANSWERED);
#undef MUT

	/* truncated frames over the wire: no crash, never answered */
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	CHECK(fd >= 0);
	if (fd >= 0) {
		struct sockaddr_ll sll = {
		        .sll_family = AF_PACKET, .sll_ifindex = peer.ifindex, .sll_halen = 6};
		memcpy(sll.sll_addr, f, 6);
		before = vrrp_ha_pnd_counters(h.p)->user_answers;
		for (i = 14; i < len; i++)
			sendto(fd, f, i, 0, (struct sockaddr *)&sll, sizeof(sll));
		run_ms(&h, 100);
		CHECK_EQ(vrrp_ha_pnd_counters(h.p)->user_answers, before);
		pk = 0;
		for (i = VRRP_HA_PND_R_SHORT; i <= VRRP_HA_PND_R_DAD; i++)
			pk += (int)vrrp_ha_pnd_counters(h.p)->ns_rx[i];
		fprintf(stderr, "  %d malformed counted in all\n", pk);
		close(fd);
	}
	for (i = 0; i < VRRP_HA_PND_R__COUNT; i++)
		CHECK(strcmp(vrrp_ha_pnd_reason_name((enum vrrp_ha_pnd_reason)i), "?") != 0);
	harness_free(&h);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* kernel_max (8192) HoAs: install and remove times (printed for docs/proxynd.md) */
static void test_kernel_bulk(void)
{
	struct vrrp_ha_pnd_config cfg;
	struct harness h;
	struct in6_addr a;
	double t0, t1, t2;
	unsigned i;

	fprintf(stderr, "kernel mode, 8192 HoAs\n");
	cfg_init(&cfg);
	cfg.una_count = 0;
	harness_init(&h, &cfg);
	for (i = 0; i < cfg.kernel_max; i++) {
		a = hoa(i);
		vrrp_ha_pnd_add(h.p, &a);
	}
	t0 = now_s();
	CHECK_EQ(vrrp_ha_pnd_activate(h.p), 0);
	CHECK_EQ(vrrp_ha_pnd_mode(h.p), VRRP_HA_PND_KERNEL);
	arm(&h);
	CHECK(test_loop_run_until(h.l, kernel_full, &h, 30000));
	t1 = now_s();
	CHECK_EQ(ip_proxy_count(), cfg.kernel_max);
	vrrp_ha_pnd_deactivate(h.p);
	t2 = now_s();
	arm(&h);
	CHECK(test_loop_run_until(h.l, kernel_empty, &h, 30000));
	fprintf(stderr,
	        "  %u entries added in %.3f s (%.0f/s), removed in %.3f s; "
	        "longest timer call %llu us\n",
	        cfg.kernel_max, t1 - t0, cfg.kernel_max / (t1 - t0), now_s() - t2,
	        (unsigned long long)test_loop_max_callback_us(h.l, true));
	CHECK_EQ(ip_proxy_count(), 0);
	harness_free(&h);
}

/* A previous run's tagged entries are removed by _new(); others are left. */
static void test_stale(void)
{
	struct vrrp_ha_pnd_config cfg;
	struct harness h;

	fprintf(stderr, "stale entries\n");
	if (sh("ip -6 neigh add proxy 2001:db8:1::77 dev " IF_HA " protocol 180 && "
	       "ip -6 neigh add proxy 2001:db8:1::78 dev " IF_HA " protocol 180 && "
	       "ip -6 neigh add proxy 2001:db8:1::79 dev " IF_HA) != 0) {
		CHECK(!"ip neigh add proxy");
		return;
	}
	CHECK_EQ(ip_proxy_count(), 3);
	cfg_init(&cfg);
	harness_init(&h, &cfg);
	CHECK_EQ(vrrp_ha_pnd_counters(h.p)->stale_removed, 2);
	CHECK_EQ(ip_proxy_count(), 1);
	harness_free(&h);
	CHECK_EQ(ip_proxy_count(), 1); /* not ours */
	sh("ip -6 neigh del proxy 2001:db8:1::79 dev " IF_HA);
}

/* Growing past kernel_max while active: responder opened, kernel entries removed. */
static void test_switch(void)
{
	struct vrrp_ha_pnd_config cfg;
	struct link_info ha, peer;
	struct harness h;
	struct rx_na na[4];
	struct in6_addr a;
	unsigned i;
	int fd, n;

	fprintf(stderr, "kernel -> user switch\n");
	if (link_info(IF_HA, &ha) < 0 || link_info(IF_PEER, &peer) < 0 || (fd = peer_open()) < 0) {
		CHECK(!"peer setup");
		return;
	}
	cfg_init(&cfg);
	cfg.kernel_max = 50;
	cfg.una_count = 0;
	harness_init(&h, &cfg);
	for (i = 0; i < 40; i++) {
		a = hoa(i);
		vrrp_ha_pnd_add(h.p, &a);
	}
	CHECK_EQ(vrrp_ha_pnd_activate(h.p), 0);
	CHECK_EQ(vrrp_ha_pnd_mode(h.p), VRRP_HA_PND_KERNEL);
	arm(&h);
	CHECK(test_loop_run_until(h.l, kernel_full, &h, 5000));
	CHECK_EQ(ip_proxy_count(), 40);
	for (; i < 60; i++) {
		a = hoa(i);
		vrrp_ha_pnd_add(h.p, &a);
	}
	CHECK_EQ(vrrp_ha_pnd_mode(h.p), VRRP_HA_PND_USER);
	CHECK_EQ(vrrp_ha_pnd_counters(h.p)->mode_switches, 1);
	arm(&h);
	CHECK(test_loop_run_until(h.l, kernel_empty, &h, 5000));
	CHECK_EQ(ip_proxy_count(), 0);
	a = hoa(55);
	CHECK_EQ(peer_send_ns(fd, &peer, &a), 0);
	n = collect(&h, fd, ha.mac, na, 4, 300);
	CHECK_EQ(n, 1);
	CHECK_EQ(vrrp_ha_pnd_counters(h.p)->user_answers, 1);
	harness_free(&h);
	close(fd);
}

int main(void)
{
	test_checksum();
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "SKIP: needs root and unshare(CLONE_NEWNET): %s\n",
		        geteuid() ? "not root" : strerror(errno));
		return failures ? 1 : 77;
	}
	if (sh("ip link set lo up && ip link add " IF_HA " type veth peer name " IF_PEER " && "
	       "echo 0 > /proc/sys/net/ipv6/conf/" IF_HA "/accept_dad && "
	       "echo 0 > /proc/sys/net/ipv6/conf/" IF_PEER "/accept_dad && "
	       "echo 1 > /proc/sys/net/ipv6/conf/all/forwarding && "
	       "echo 0 > /proc/sys/net/ipv6/conf/" IF_HA "/forwarding && "
	       "ip link set " IF_HA " up && ip link set " IF_PEER " up") != 0) {
		fprintf(stderr, "SKIP: cannot set up veth in the namespace\n");
		return 77;
	}
	/* both ends carry traffic and have their link-local address: a
	 * bounded wait on the condition (link watch can take a second or
	 * more under load) */
	if (sh("i=0; until ip -o link show dev " IF_HA " | grep -q \"state UP\" && "
	       "ip -o link show dev " IF_PEER " | grep -q \"state UP\" && "
	       "ip -6 addr show dev " IF_HA " scope link | grep -q inet6 && "
	       "ip -6 addr show dev " IF_PEER " scope link | grep -q inet6 && "
	       "! ip -6 addr show tentative | grep -q inet6; do "
	       "i=$((i+1)); [ $i -lt 200 ] || exit 1; sleep 0.05; done") != 0) {
		fprintf(stderr, "FAIL: the veth pair did not come up in 10 s\n");
		return 1;
	}
	test_stale();
	test_kernel();
	test_switch();
	test_kernel_bulk();
	test_user();
	test_una();
	test_malformed();
	if (failures)
		fprintf(stderr, "%d failure(s)\n", failures);
	return failures ? 1 : 0;
}
