/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * uml_ip6tnl.c - the ip6tnl backend of the data plane end to end. Runs only
 * inside the user-mode-linux guest that tests/uml/run-uml.sh boots (its
 * kernel has ip6_tunnel; the build machines' kernel does not): without
 * VRRP_HA_UML_GUEST=1 in the environment it exits 77 at once, since it
 * changes the network namespace it starts in.
 *
 * Topology (all made here with iproute2):
 *
 *   HA netns (private, unshare)        netns "peer" (ip netns add)
 *     va  VHA/64 ---------------------- vb   capture + inject (AF_PACKET)
 *         CoA1, CoA2: /128 routes, permanent neighbours -> vb
 *     vc ------------------------------ vd   capture (AF_PACKET)
 *         CN: /128 route, permanent neighbour -> vd
 *
 * Checks, gated (default gate_mark) and not gated: AUTO picks ip6tnl; the
 * encap routes in the kernel; nothing tunnelled while inactive; a packet to
 * a HoA leaves va as IPv6-in-IPv6 VHA -> CoA once active; a tunnelled
 * packet CoA -> VHA with inner source HoA is decapsulated and forwarded to
 * the CN, a non-RBC inner source (or a CoA . HoA pair that is no binding)
 * is dropped by the filter; unstage, deactivate and free remove routes,
 * rules, filter table and device.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "vrrp_ha/dataplane.h"

#include "../unit/check.h"

#define VHA   "2001:db8:1::1"
#define COA1  "2001:db8:c::1"
#define COA2  "2001:db8:c::2"
#define HOA1  "2001:db8:a::1"
#define HOA2  "2001:db8:a::2"
#define HOA3  "2001:db8:a::3"
#define CN    "2001:db8:e::1"
#define BAD   "2001:db8:bad::1"
#define MAC_A "\x02\x00\x00\x00\x00\x0a"
#define TABLE 1001u

static int fd_ha, fd_peer; /* network namespaces */
static int sk_b, sk_d;     /* AF_PACKET on vb, vd (peer netns) */
static int have_nft;       /* nftables has the ip6 family (the filter can run) */

static void logger(void *arg, int prio, const char *msg)
{
	(void)arg;
	if (prio <= LOG_INFO)
		fprintf(stderr, "  [dp] %s\n", msg);
}

static struct in6_addr A(const char *s) {
	struct in6_addr a;

	if (inet_pton(AF_INET6, s, &a) != 1) {
		fprintf(stderr, "bad address %s\n", s);
		exit(1);
	}
	return a;
}

static int
stage(struct vrrp_ha_dp *dp, const char *hoa, const char *coa)
{
	struct in6_addr h = A(hoa), c = A(coa);

	return vrrp_ha_dp_stage(dp, &h, &c);
}

static int unstage(struct vrrp_ha_dp *dp, const char *hoa)
{
	struct in6_addr h = A(hoa);

	return vrrp_ha_dp_unstage(dp, &h);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int sh(const char *cmd)
{
	int rc = system(cmd);

	return rc == 0 ? 0 : -1;
}

/* Run cmd, return its output (static buffer). */
static const char *out_of(const char *cmd)
{
	static char buf[16384];
	FILE *p = popen(cmd, "r");
	size_t n = 0;

	buf[0] = 0;
	if (!p)
		return buf;
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = 0;
	pclose(p);
	return buf;
}

static int open_capture(const char *ifname)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));

	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (fd < 0 || !sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		perror(ifname);
		exit(1);
	}
	return fd;
}

static void drain(int fd)
{
	unsigned char buf[2048];

	while (recv(fd, buf, sizeof(buf), 0) > 0)
		;
}

/*
 * Wait up to tmo seconds for an IPv6 frame on fd with next header nh,
 * source src and destination dst; for nh 41 also inner destination idst.
 * Returns: 1 if seen, 0 if not.
 */
static int wait_frame(int fd, double tmo, int nh, const struct in6_addr *src,
                      const struct in6_addr *dst, const struct in6_addr *idst)
{
	double end = now_s() + tmo;
	unsigned char f[2048];

	for (;;) {
		double left = end - now_s();
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (left <= 0)
			return 0;
		if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		while ((n = recv(fd, f, sizeof(f), 0)) > 0) {
			if (n < 14 + 40 || f[12] != 0x86 || f[13] != 0xdd || f[14 + 6] != nh ||
			    memcmp(f + 14 + 8, src, 16) || memcmp(f + 14 + 24, dst, 16))
				continue;
			if (idst && (n < 14 + 80 || memcmp(f + 14 + 40 + 24, idst, 16) ||
			             !f[14 + 7])) /* outer hop limit: not 0 */
				continue;
			return 1;
		}
	}
}

static void ip6hdr(unsigned char *h, unsigned plen, int nh, const struct in6_addr *src,
                   const struct in6_addr *dst)
{
	h[0] = 0x60;
	h[4] = (unsigned char)(plen >> 8);
	h[5] = (unsigned char)plen;
	h[6] = (unsigned char)nh;
	h[7] = 64;
	memcpy(h + 8, src, 16);
	memcpy(h + 24, dst, 16);
}

/* Inject on vb: outer osrc -> VHA (IPv6-in-IPv6), inner isrc -> CN (no next header, 8 bytes). */
static void inject(const char *osrc, const char *isrc)
{
	unsigned char f[14 + 40 + 40 + 8];
	struct in6_addr os = A(osrc), is = A(isrc), vha = A(VHA), cn = A(CN);

	memset(f, 0, sizeof(f));
	memcpy(f, MAC_A, 6);
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x0b", 6);
	f[12] = 0x86;
	f[13] = 0xdd;
	ip6hdr(f + 14, 48, 41, &os, &vha);
	ip6hdr(f + 54, 8, 59, &is, &cn);
	memcpy(f + 94, "vrrp-ha!", 8);
	if (send(sk_b, f, sizeof(f), 0) != (ssize_t)sizeof(f))
		perror("inject");
}

/* Send a UDP datagram to hoa:9 from the HA netns. Returns: 0 or errno. */
static int send_to(const char *hoa)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons(9)};
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	sa.sin6_addr = A(hoa);
	if (sendto(fd, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		err = errno;
	close(fd);
	return err;
}

/* Does a packet to hoa leave va tunnelled VHA -> coa within tmo seconds? */
static int tunnelled(const char *hoa, const char *coa, double tmo)
{
	struct in6_addr vha = A(VHA), c = A(coa), h = A(hoa);

	drain(sk_b);
	send_to(hoa);
	return wait_frame(sk_b, tmo, 41, &vha, &c, &h);
}

/* Is the inner packet isrc -> CN forwarded out of vc within tmo seconds? */
static int decapsulated(const char *osrc, const char *isrc, double tmo)
{
	struct in6_addr is = A(isrc), cn = A(CN);

	drain(sk_d);
	inject(osrc, isrc);
	return wait_frame(sk_d, tmo, 59, &is, &cn, NULL);
}

static void setup(void)
{
	FILE *f;

	if (unshare(CLONE_NEWNET) < 0) {
		perror("unshare");
		exit(1);
	}
	fd_ha = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd_ha < 0 || sh("ip netns add peer") ||
	    sh("set -e; ip link set lo up;"
	       " ip link add va address 02:00:00:00:00:0a type veth"
	       "   peer name vb address 02:00:00:00:00:0b netns peer;"
	       " ip link add vc address 02:00:00:00:00:0c type veth"
	       "   peer name vd address 02:00:00:00:00:0d netns peer;"
	       " ip link set va up; ip link set vc up;"
	       " ip -6 addr add " VHA "/64 dev va nodad;"
	       " for c in " COA1 " " COA2 "; do ip -6 route add $c/128 dev va;"
	       "   ip -6 neigh add $c lladdr 02:00:00:00:00:0b dev va nud permanent; done;"
	       " ip -6 route add " CN "/128 dev vc;"
	       " ip -6 neigh add " CN " lladdr 02:00:00:00:00:0d dev vc nud permanent")) {
		fprintf(stderr, "setup failed\n");
		exit(1);
	}
	f = fopen("/proc/sys/net/ipv6/conf/all/forwarding", "w");
	if (!f || fputs("1\n", f) < 0 || fclose(f)) {
		perror("forwarding");
		exit(1);
	}
	fd_peer = open("/run/netns/peer", O_RDONLY | O_CLOEXEC);
	if (fd_peer < 0 || setns(fd_peer, CLONE_NEWNET) < 0 ||
	    sh("ip link set vb up && ip link set vd up")) {
		perror("peer netns");
		exit(1);
	}
	sk_b = open_capture("vb");
	sk_d = open_capture("vd");
	if (setns(fd_ha, CLONE_NEWNET) < 0) {
		perror("setns");
		exit(1);
	}
	sleep(1); /* carrier */
}

static struct vrrp_ha_dp *make(enum vrrp_ha_dp_backend b, uint32_t gate_mark)
{
	struct vrrp_ha_dp_config c;

	vrrp_ha_dp_config_defaults(&c, 1);
	c.backend = b;
	c.vha = A(VHA);
	snprintf(c.ifname, sizeof(c.ifname), "va");
	c.gate_mark = gate_mark;
	c.filter = have_nft;
	return vrrp_ha_dp_new(&c, logger, NULL);
}

/* Lines of "ip -6 route show table TABLE" that are "hoa encap ip6 ... src VHA dst coa ... dev
 * vrrpha0". */
static int route_ok(const char *routes, const char *hoa, const char *coa)
{
	char want[256];
	const char *l = routes;

	snprintf(want, sizeof(want), "%s ", hoa);
	while (l && *l) {
		const char *e = strchr(l, '\n');
		char line[512];
		size_t n = e ? (size_t)(e - l) : strlen(l);

		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, l, n);
		line[n] = 0;
		if (!strncmp(line, want, strlen(want))) {
			char s[128], d[128];

			snprintf(s, sizeof(s), " src %s ", VHA);
			snprintf(d, sizeof(d), " dst %s ", coa);
			return strstr(line, " encap ip6 ") && strstr(line, s) && strstr(line, d) &&
			       strstr(line, " dev vrrpha0");
		}
		l = e ? e + 1 : NULL;
	}
	return 0;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void gone(void)
{
	CHECK(sh("ip link show vrrpha0 >/dev/null 2>&1") != 0);
	CHECK(count_lines(out_of("ip -6 route show table 1001 2>/dev/null")) == 0);
	CHECK(!strstr(out_of("ip -6 rule show"), "1001"));
	CHECK(sh("nft list table ip6 vrrp_ha_1001 >/dev/null 2>&1") != 0);
}

static void scenario(uint32_t gate_mark)
{
	struct vrrp_ha_dp *dp;
	const char *routes;
	double t0 = now_s();

	fprintf(stderr, "-- ip6tnl, filter %s, gate_mark 0x%x\n", have_nft ? "on" : "off",
	        gate_mark);
	dp = make(VRRP_HA_DP_IP6TNL, gate_mark);
	CHECK(dp);
	if (!dp)
		return;
	CHECK(vrrp_ha_dp_backend(dp) == VRRP_HA_DP_IP6TNL);
	CHECK(sh("ip -d link show vrrpha0 | grep -q 'ip6tnl external'") == 0);
	CHECK(stage(dp, HOA1, COA1) == 0);
	CHECK(stage(dp, HOA2, COA2) == 0);
	CHECK(stage(dp, HOA3, COA1) == 0);
	CHECK(vrrp_ha_dp_commit(dp, 0) == 0);
	CHECK(vrrp_ha_dp_staged(dp) == 3);
	CHECK(vrrp_ha_dp_filter_count(dp) == (have_nft ? 3 : -ENOENT));
	CHECK(vrrp_ha_dp_counters(dp)->route_errors == 0);

	/* (a) the routes */
	routes = out_of("ip -6 route show table 1001 2>/dev/null");
	CHECK(count_lines(routes) == 3);
	CHECK(route_ok(routes, HOA1, COA1));
	CHECK(route_ok(routes, HOA2, COA2));
	CHECK(route_ok(routes, HOA3, COA1));
	if (failures)
		fprintf(stderr, "%s", routes);

	/* staged, not active: nothing is tunnelled */
	CHECK(!tunnelled(HOA1, COA1, 0.5));

	/* (b) active: packets to HoAs leave tunnelled VHA -> CoA */
	CHECK(vrrp_ha_dp_activate(dp) == 0);
	CHECK(tunnelled(HOA1, COA1, 3));
	CHECK(tunnelled(HOA2, COA2, 3));
	CHECK(tunnelled(HOA3, COA1, 3));

	/* (c) reverse tunnel: decapsulated and forwarded if (CoA . HoA) is a binding */
	CHECK(decapsulated(COA1, HOA1, 3));
	CHECK(decapsulated(COA2, HOA2, 3));
	if (have_nft) {
		CHECK(!decapsulated(COA1, BAD, 0.5));  /* inner source not in the RBC */
		CHECK(!decapsulated(COA2, HOA1, 0.5)); /* HoA1's CoA is CoA1 */
	}

	/* unstage one binding: route and filter pair go */
	CHECK(unstage(dp, HOA3) == 0);
	CHECK(vrrp_ha_dp_commit(dp, 0) == 0);
	CHECK(vrrp_ha_dp_staged(dp) == 2);
	CHECK(vrrp_ha_dp_filter_count(dp) == (have_nft ? 2 : -ENOENT));
	CHECK(count_lines(out_of("ip -6 route show table 1001 2>/dev/null")) == 2);
	CHECK(!tunnelled(HOA3, COA1, 0.5));
	if (have_nft)
		CHECK(!decapsulated(COA1, HOA3, 0.5));

	/* (d) deactivate: routes stay staged, nothing tunnelled */
	CHECK(vrrp_ha_dp_deactivate(dp) == 0);
	CHECK(!vrrp_ha_dp_active(dp));
	CHECK(!tunnelled(HOA1, COA1, 0.5));
	CHECK(count_lines(out_of("ip -6 route show table 1001 2>/dev/null")) == 2);
	/* and again */
	CHECK(vrrp_ha_dp_activate(dp) == 0);
	CHECK(tunnelled(HOA2, COA2, 3));

	vrrp_ha_dp_free(dp);
	gone();
	CHECK(send_to(HOA1) != 0); /* no route left */
	fprintf(stderr, "   %.2f s\n", now_s() - t0);
}

int main(void)
{
	struct vrrp_ha_dp *dp;
	double t0 = now_s();

	if (!getenv("VRRP_HA_UML_GUEST")) {
		fprintf(stderr,
		        "uml_ip6tnl: runs only inside the UML guest (tests/uml/run-uml.sh)\n");
		return 77;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	setup();
	have_nft = sh("nft add table ip6 probe 2>/dev/null && nft delete table ip6 probe") == 0;
	if (!have_nft)
		fprintf(stderr, "uml_ip6tnl: no nftables ip6 family in this kernel"
		                " (CONFIG_NF_TABLES_IPV6): filter off, its checks left out\n");

	/* AUTO picks ip6tnl where the kernel can make the device */
	dp = make(VRRP_HA_DP_AUTO, 0);
	CHECK(dp && vrrp_ha_dp_backend(dp) == VRRP_HA_DP_IP6TNL);
	vrrp_ha_dp_free(dp);
	gone();

	/* a stale device of the same name is replaced */
	CHECK(sh("ip link add vrrpha0 type ip6tnl external") == 0);
	if (have_nft)
		scenario(0x400000); /* gate needs the filter */
	scenario(0);

	fprintf(stderr, "uml_ip6tnl: %s, %d failure(s), %.2f s\n", failures ? "FAIL" : "PASS",
	        failures, now_s() - t0);
	return failures ? 1 : 0;
}
