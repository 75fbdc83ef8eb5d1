/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proxynd.c - home link takeover (proxynd.h): kernel proxy neighbour entries
 * or a user-space NS responder for the HoAs on the home link, and paced
 * unsolicited NAs on activation.
 *
 * The HoA set is a dense array (iteration for the paced work, by cursor) plus
 * an open-addressing hash of indices into it (O(1) lookup by the responder);
 * a removal moves the last element into the hole, and pulls the cursors back
 * to the hole so the moved element is not skipped.
 *
 * Frames are read and built with explicit offsets after explicit length
 * checks; no struct is laid over a wire buffer.
 */
#define _GNU_SOURCE
#include "vrrp_ha/proxynd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <syslog.h>
#include <unistd.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Wire constants (RFC 4861 4.3/4.4/4.6.1, RFC 8200 3, RFC 2464 7). */
#define PND_ETH_HLEN      14
#define PND_IP6_HLEN      40
#define PND_ICMP6_NS      135
#define PND_ICMP6_NA      136
#define PND_NS_LEN        24 /* type, code, csum, reserved, target */
#define PND_NA_LEN        32 /* 24 + TLLA option (8) */
#define PND_OPT_SLLA      1
#define PND_OPT_TLLA      2
#define PND_NA_F_ROUTER   0x80
#define PND_NA_F_SOLICIT  0x40
#define PND_NA_F_OVERRIDE 0x20
#define PND_HOP_LIMIT     255
#define PND_FRAME_NA      (PND_ETH_HLEN + PND_IP6_HLEN + PND_NA_LEN)
#define PND_OFF_IP        PND_ETH_HLEN
#define PND_OFF_ICMP      (PND_ETH_HLEN + PND_IP6_HLEN)

#define PND_RXBUF        2048u /* also the BPF snap length */
#define PND_RX_PER_CB    64    /* frames per watch_fd callback */
#define PND_TICK_MS      10    /* UNA pacing granularity */
#define PND_RETRY_MS     20    /* after ENOMEM/EAGAIN */
#define PND_NL_TIMEOUT_S 5
#define PND_FREE_ROUNDS  1000 /* bound of removal batches in vrrp_ha_pnd_free() */

#define PND_SLOT_EMPTY 0u
#define PND_SLOT_TOMB  UINT32_MAX

enum pnd_kstate {
	PND_K_NONE = 0, /* no kernel entry */
	PND_K_IN,       /* kernel entry installed by us */
	PND_K_FAILED,   /* the kernel refused it while active: not retried until deactivation */
};

struct pnd_hoa {
	struct in6_addr a;
	uint8_t kstate;   /* enum pnd_kstate */
	uint8_t una_left; /* UNAs still to send in this activation */
};

/* The sysctls activation may change (kernel mode). */
enum { PND_SYS_PROXY_NDP, PND_SYS_FORWARDING, PND_SYS_PROXY_DELAY, PND_SYS__COUNT };
static const struct {
	const char *dir; /* /proc/sys/net/ipv6/<dir>/<ifname>/<name> */
	const char *name;
	int want;
} pnd_sysctls[PND_SYS__COUNT] = {
        [PND_SYS_PROXY_NDP] = {"conf", "proxy_ndp", 1},
        [PND_SYS_FORWARDING] = {"conf", "forwarding", 1},
        [PND_SYS_PROXY_DELAY] = {"neigh", "proxy_delay", 0},
};

struct vrrp_ha_pnd {
	struct vrrp_ha_pnd_config cfg;
	const struct vrrp_ha_ops *ops;
	void *ops_ctx;

	/* the HoA set */
	struct pnd_hoa *hoas;
	size_t n, cap;
	uint32_t *slots; /* 0 empty, UINT32_MAX tombstone, else index + 1 */
	size_t nslots, tombs;
	uint64_t seed;

	/* activation */
	bool active;
	enum vrrp_ha_pnd_mode mode;
	int ifindex;
	uint8_t mac[6];
	struct in6_addr lladdr;
	int tx_fd, rx_fd, nl_fd;
	uint32_t nl_seq;

	/* paced work */
	size_t kcur;          /* entries below are reconciled with the kernel */
	uint64_t kretry_ms;   /* kernel work waits until then (ENOMEM) */
	size_t ucur;          /* UNA cursor in the current round */
	size_t una_pending;   /* sum of una_left */
	uint64_t round_start; /* start of the current UNA round */
	uint64_t credit;      /* UNA tokens, in 1/1000 UNA */
	uint64_t credit_ms;   /* when credit was last topped up */
	uint64_t una_wait_ms; /* UNAs wait until then (next round, EAGAIN) */
	bool round_started;

	int sys_old[PND_SYS__COUNT];
	bool sys_changed[PND_SYS__COUNT];

	struct vrrp_ha_pnd_counters c;
	uint8_t *rxbuf;
	uint8_t *nlbuf;
	size_t nlcap;
	size_t *nlidx; /* HoA index per message of the batch in flight */
};

static void pnd_log(const struct vrrp_ha_pnd *p, int prio, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void pnd_log(const struct vrrp_ha_pnd *p, int prio, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	if (!p->ops || !p->ops->log)
		return;
	n = snprintf(buf, sizeof(buf), "proxynd %s: ", p->cfg.ifname);
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	p->ops->log(p->ops_ctx, prio, buf);
}

void vrrp_ha_pnd_config_defaults(struct vrrp_ha_pnd_config *c)
{
	memset(c, 0, sizeof(*c));
	c->kernel_max = 8192;
	c->una_rate = 5000;
	c->una_count = 2;
	c->una_round_ms = 1000;
	c->kernel_batch = 256;
	c->restore_sysctls = true;
	c->protocol = 0xb4;
}

const char *vrrp_ha_pnd_mode_name(enum vrrp_ha_pnd_mode m)
{
	switch (m) {
	case VRRP_HA_PND_OFF:
		return "off";
	case VRRP_HA_PND_KERNEL:
		return "kernel";
	case VRRP_HA_PND_USER:
		return "user";
	}
	return "?";
}

static const char *const pnd_reason_names[VRRP_HA_PND_R__COUNT] = {
        [VRRP_HA_PND_R_ANSWERED] = "answered",   [VRRP_HA_PND_R_UNKNOWN] = "unknown-target",
        [VRRP_HA_PND_R_SHORT] = "short",         [VRRP_HA_PND_R_NOT_IPV6] = "not-ipv6",
        [VRRP_HA_PND_R_IP_LEN] = "ip-length",    [VRRP_HA_PND_R_NOT_ICMP6] = "not-icmpv6",
        [VRRP_HA_PND_R_HOP_LIMIT] = "hop-limit", [VRRP_HA_PND_R_NOT_NS] = "not-ns",
        [VRRP_HA_PND_R_CHECKSUM] = "checksum",   [VRRP_HA_PND_R_TARGET] = "multicast-target",
        [VRRP_HA_PND_R_OPTION] = "option",       [VRRP_HA_PND_R_DAD] = "bad-dad-ns",
        [VRRP_HA_PND_R_OUTGOING] = "outgoing",   [VRRP_HA_PND_R_INACTIVE] = "inactive",
        [VRRP_HA_PND_R_TX_ERROR] = "tx-error",
};

const char *vrrp_ha_pnd_reason_name(enum vrrp_ha_pnd_reason r)
{
	if ((unsigned)r >= VRRP_HA_PND_R__COUNT)
		return "?";
	return pnd_reason_names[r];
}

/* ---- checksum ---- */

static uint32_t pnd_sum(uint32_t sum, const uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	/* fold now and then so a long buffer cannot overflow 32 bits */
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

uint16_t vrrp_ha_pnd_icmp6_csum(const struct in6_addr *src, const struct in6_addr *dst,
                                const uint8_t *icmp, size_t len)
{
	uint8_t ph[8];
	uint32_t sum = 0;

	/* RFC 8200 8.1: src, dst, upper-layer length (32 bits), zero, next header */
	ph[0] = (uint8_t)(len >> 24);
	ph[1] = (uint8_t)(len >> 16);
	ph[2] = (uint8_t)(len >> 8);
	ph[3] = (uint8_t)len;
	ph[4] = ph[5] = ph[6] = 0;
	ph[7] = IPPROTO_ICMPV6;
	sum = pnd_sum(sum, src->s6_addr, 16);
	sum = pnd_sum(sum, dst->s6_addr, 16);
	sum = pnd_sum(sum, ph, sizeof(ph));
	sum = pnd_sum(sum, icmp, len);
	return (uint16_t)~sum;
}

/* ---- HoA set ---- */

static uint64_t pnd_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

static size_t pnd_hash(const struct vrrp_ha_pnd *p, const struct in6_addr *a)
{
	uint64_t hi, lo;

	memcpy(&hi, a->s6_addr, 8);
	memcpy(&lo, a->s6_addr + 8, 8);
	return (size_t)pnd_mix(pnd_mix(hi ^ p->seed) ^ lo);
}

/* Returns: the slot holding a, or SIZE_MAX. */
static size_t pnd_find_slot(const struct vrrp_ha_pnd *p, const struct in6_addr *a)
{
	size_t mask = p->nslots - 1, i, probes;

	if (!p->nslots)
		return SIZE_MAX;
	i = pnd_hash(p, a) & mask;
	for (probes = 0; probes < p->nslots; probes++, i = (i + 1) & mask) {
		uint32_t s = p->slots[i];

		if (s == PND_SLOT_EMPTY)
			return SIZE_MAX;
		if (s != PND_SLOT_TOMB && memcmp(&p->hoas[s - 1].a, a, 16) == 0)
			return i;
	}
	return SIZE_MAX;
}

static void pnd_slot_insert(struct vrrp_ha_pnd *p, size_t idx)
{
	size_t mask = p->nslots - 1, i = pnd_hash(p, &p->hoas[idx].a) & mask;

	while (p->slots[i] != PND_SLOT_EMPTY && p->slots[i] != PND_SLOT_TOMB)
		i = (i + 1) & mask;
	if (p->slots[i] == PND_SLOT_TOMB)
		p->tombs--;
	p->slots[i] = (uint32_t)idx + 1;
}

/* Keep (entries + tombstones) <= half the slots. Returns: 0 or -1. */
static int pnd_reserve(struct vrrp_ha_pnd *p, size_t n)
{
	size_t i;

	if (n > p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct pnd_hoa *h;

		while (cap < n)
			cap *= 2;
		h = realloc(p->hoas, cap * sizeof(*h));
		if (!h)
			return -1;
		p->hoas = h;
		p->cap = cap;
	}
	if ((n + p->tombs) * 2 > p->nslots) {
		size_t ns = 64;
		uint32_t *s;

		while (ns < n * 4)
			ns *= 2;
		if (n >= UINT32_MAX - 1)
			return -1;
		s = calloc(ns, sizeof(*s));
		if (!s)
			return -1;
		free(p->slots);
		p->slots = s;
		p->nslots = ns;
		p->tombs = 0;
		for (i = 0; i < p->n; i++)
			pnd_slot_insert(p, i);
	}
	return 0;
}

bool vrrp_ha_pnd_has(const struct vrrp_ha_pnd *p, const struct in6_addr *hoa)
{
	return pnd_find_slot(p, hoa) != SIZE_MAX;
}

size_t vrrp_ha_pnd_count(const struct vrrp_ha_pnd *p)
{
	return p->n;
}

/* ---- sysctls ---- */

static int pnd_sysctl_path(const struct vrrp_ha_pnd *p, int k, char *buf, size_t len)
{
	int n = snprintf(buf, len, "/proc/sys/net/ipv6/%s/%s/%s", pnd_sysctls[k].dir, p->cfg.ifname,
	                 pnd_sysctls[k].name);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int pnd_sysctl_read(const char *path, int *v)
{
	FILE *f = fopen(path, "re");
	int ok;

	if (!f)
		return -1;
	ok = fscanf(f, "%d", v) == 1;
	fclose(f);
	return ok ? 0 : -1;
}

static int pnd_sysctl_write(const char *path, int v)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), n, rc = -1;
	char buf[16];

	if (fd < 0)
		return -1;
	n = snprintf(buf, sizeof(buf), "%d\n", v);
	if (n > 0 && write(fd, buf, (size_t)n) == n)
		rc = 0;
	close(fd);
	return rc;
}

/* Set the kernel-mode sysctls where they differ. Returns: 0 or -1 (logged). */
static int pnd_sysctls_set(struct vrrp_ha_pnd *p)
{
	char path[128];
	int k, v;

	for (k = 0; k < PND_SYS__COUNT; k++) {
		if (p->sys_changed[k])
			continue;
		if (pnd_sysctl_path(p, k, path, sizeof(path)) < 0 ||
		    pnd_sysctl_read(path, &v) < 0) {
			pnd_log(p, LOG_ERR, "cannot read %s: %s", path, strerror(errno));
			return -1;
		}
		if (v == pnd_sysctls[k].want)
			continue;
		if (pnd_sysctl_write(path, pnd_sysctls[k].want) < 0) {
			pnd_log(p, LOG_ERR, "cannot set %s = %d: %s", path, pnd_sysctls[k].want,
			        strerror(errno));
			return -1;
		}
		p->sys_old[k] = v;
		p->sys_changed[k] = true;
		p->c.sysctl_changes++;
		pnd_log(p, LOG_INFO, "%s: %d -> %d", path, v, pnd_sysctls[k].want);
	}
	if (pnd_sysctl_read("/proc/sys/net/ipv6/conf/all/forwarding", &v) == 0 && v == 0)
		pnd_log(p, LOG_WARNING,
		        "net.ipv6.conf.all.forwarding is 0: packets to the HoAs "
		        "will not be forwarded");
	return 0;
}

static void pnd_sysctls_restore(struct vrrp_ha_pnd *p)
{
	char path[128];
	int k;

	for (k = 0; k < PND_SYS__COUNT; k++) {
		if (!p->sys_changed[k])
			continue;
		p->sys_changed[k] = false;
		if (pnd_sysctl_path(p, k, path, sizeof(path)) < 0 ||
		    pnd_sysctl_write(path, p->sys_old[k]) < 0) {
			p->c.errors++;
			pnd_log(p, LOG_WARNING, "cannot restore %s = %d", path, p->sys_old[k]);
			continue;
		}
		p->c.sysctl_changes++;
		pnd_log(p, LOG_INFO, "%s: restored %d", path, p->sys_old[k]);
	}
}

/* ---- netlink: proxy entries, many per sendmsg ---- */

static int pnd_nl_open(struct vrrp_ha_pnd *p)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	struct timeval tv = {.tv_sec = PND_NL_TIMEOUT_S};
	int one = 1, bufsize = 1 << 20;

	if (p->nl_fd >= 0)
		return 0;
	p->nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (p->nl_fd < 0)
		return -1;
	if (bind(p->nl_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(p->nl_fd);
		p->nl_fd = -1;
		return -1;
	}
	if (setsockopt(p->nl_fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsize, sizeof(bufsize)) < 0)
		setsockopt(p->nl_fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof(bufsize));
	setsockopt(p->nl_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(p->nl_fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	return 0;
}

#define PND_NL_MSG_LEN                                                                             \
	(NLMSG_ALIGN(NLMSG_LENGTH(sizeof(struct ndmsg))) + RTA_SPACE(16) + RTA_SPACE(1))

static void pnd_nl_put(struct vrrp_ha_pnd *p, uint8_t *b, int type, const struct in6_addr *a)
{
	struct nlmsghdr nh = {0};
	struct ndmsg nd = {0};
	struct rtattr ra;
	size_t off = NLMSG_ALIGN(NLMSG_LENGTH(sizeof(nd)));

	memset(b, 0, PND_NL_MSG_LEN);
	nh.nlmsg_len = PND_NL_MSG_LEN;
	nh.nlmsg_type = (uint16_t)type;
	nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	if (type == RTM_NEWNEIGH)
		nh.nlmsg_flags |= NLM_F_CREATE | NLM_F_REPLACE;
	nh.nlmsg_seq = p->nl_seq++;
	memcpy(b, &nh, sizeof(nh));
	nd.ndm_family = AF_INET6;
	nd.ndm_ifindex = p->ifindex;
	nd.ndm_flags = NTF_PROXY;
	memcpy(b + NLMSG_HDRLEN, &nd, sizeof(nd));
	ra.rta_len = RTA_LENGTH(16);
	ra.rta_type = NDA_DST;
	memcpy(b + off, &ra, sizeof(ra));
	memcpy(b + off + RTA_LENGTH(0), a, 16);
	off += RTA_SPACE(16);
	if (type != RTM_NEWNEIGH || !p->cfg.protocol) {
		/* a padding attribute (type 0 = NDA_UNSPEC) keeps messages one size */
		ra.rta_len = RTA_LENGTH(1);
		ra.rta_type = NDA_UNSPEC;
		memcpy(b + off, &ra, sizeof(ra));
		return;
	}
	ra.rta_len = RTA_LENGTH(1);
	ra.rta_type = NDA_PROTOCOL;
	memcpy(b + off, &ra, sizeof(ra));
	b[off + RTA_LENGTH(0)] = p->cfg.protocol;
}

/*
 * Send n prepared messages (sequence numbers first_seq...) in one sendmsg and
 * read the n acks into err[] (0, or a negative errno; -EAGAIN if none came).
 * Returns: 0, or -1 if the send failed (err[] all -errno).
 */
static int pnd_nl_xfer(struct vrrp_ha_pnd *p, size_t n, uint32_t first_seq, int *err)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	size_t i, got = 0;
	uint8_t rx[16384];

	for (i = 0; i < n; i++)
		err[i] = -EAGAIN;
	if (sendto(p->nl_fd, p->nlbuf, n * PND_NL_MSG_LEN, 0, (struct sockaddr *)&sa, sizeof(sa)) <
	    0) {
		int e = errno;

		for (i = 0; i < n; i++)
			err[i] = -e;
		return -1;
	}
	p->c.kernel_batches++;
	while (got < n) {
		ssize_t r = recv(p->nl_fd, rx, sizeof(rx), 0);
		struct nlmsghdr *h;
		int len;

		if (r < 0) {
			if (errno == EINTR)
				continue;
			break; /* timeout: the rest stay -EAGAIN */
		}
		len = (int)r;
		for (h = (struct nlmsghdr *)rx; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			struct nlmsgerr e;
			uint32_t k = h->nlmsg_seq - first_seq;

			if (h->nlmsg_type != NLMSG_ERROR || k >= n)
				continue;
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
				continue;
			memcpy(&e.error, NLMSG_DATA(h), sizeof(int));
			if (err[k] == -EAGAIN)
				got++;
			err[k] = e.error;
		}
	}
	return 0;
}

/*
 * One kernel batch: walk from kcur, add entries that should be in the kernel
 * and are not, delete ours that should not be, up to kernel_batch messages.
 * Returns: the number of messages sent (0: nothing left to reconcile).
 */
static size_t pnd_kernel_step(struct vrrp_ha_pnd *p, uint64_t now_ms)
{
	bool want = p->active && p->mode == VRRP_HA_PND_KERNEL;
	size_t n = 0, i, lowest_retry = SIZE_MAX;
	uint32_t first_seq;
	int *err;

	if (p->kcur >= p->n || p->nl_fd < 0)
		return 0;
	first_seq = p->nl_seq;
	for (; p->kcur < p->n && n < p->cfg.kernel_batch; p->kcur++) {
		struct pnd_hoa *h = &p->hoas[p->kcur];
		int type;

		if (want && h->kstate == PND_K_NONE)
			type = RTM_NEWNEIGH;
		else if (!want && h->kstate == PND_K_IN)
			type = RTM_DELNEIGH;
		else {
			if (!want && h->kstate == PND_K_FAILED)
				h->kstate = PND_K_NONE;
			continue;
		}
		pnd_nl_put(p, p->nlbuf + n * PND_NL_MSG_LEN, type, &h->a);
		p->nlidx[n++] = p->kcur;
	}
	if (!n)
		return 0;
	err = calloc(n, sizeof(*err));
	if (!err) {
		/* retry the whole batch later */
		p->kcur = p->nlidx[0];
		p->kretry_ms = now_ms + PND_RETRY_MS;
		p->c.errors++;
		return n;
	}
	pnd_nl_xfer(p, n, first_seq, err);
	for (i = 0; i < n; i++) {
		struct pnd_hoa *h = &p->hoas[p->nlidx[i]];
		int e = err[i];

		if (!want && e == -ENOENT)
			e = 0; /* already gone */
		if (e == 0) {
			if (want) {
				h->kstate = PND_K_IN;
				p->c.kernel_added++;
				p->c.kernel_entries++;
			} else {
				h->kstate = PND_K_NONE;
				p->c.kernel_deleted++;
				p->c.kernel_entries--;
			}
		} else if (e == -ENOMEM || e == -EAGAIN || e == -ENOBUFS || e == -EBUSY) {
			if (p->nlidx[i] < lowest_retry)
				lowest_retry = p->nlidx[i];
		} else {
			p->c.kernel_errors++;
			if (want)
				h->kstate = PND_K_FAILED;
			else
				h->kstate = PND_K_NONE; /* not ours any more */
			if (p->c.kernel_errors <= 8 || (p->c.kernel_errors & 1023) == 0) {
				char s[INET6_ADDRSTRLEN];

				inet_ntop(AF_INET6, &h->a, s, sizeof(s));
				pnd_log(p, LOG_ERR, "%s proxy entry %s: %s (%llu errors)",
				        want ? "adding" : "removing", s, strerror(-e),
				        (unsigned long long)p->c.kernel_errors);
			}
		}
	}
	free(err);
	if (lowest_retry != SIZE_MAX) {
		p->kcur = lowest_retry;
		p->kretry_ms = now_ms + PND_RETRY_MS;
	}
	return n;
}

/*
 * Remove the proxy entries on the interface tagged with our protocol that a
 * previous run left (dump, then deletes in batches). Returns: 0 or -1.
 */
static int pnd_flush_stale(struct vrrp_ha_pnd *p)
{
	struct {
		struct nlmsghdr nh;
		struct ndmsg nd;
	} req = {
	        .nh = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg)),
	               .nlmsg_type = RTM_GETNEIGH,
	               .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
	        .nd = {.ndm_family = AF_INET6, .ndm_flags = NTF_PROXY},
	};
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	struct in6_addr *stale = NULL;
	size_t n = 0, cap = 0, i, k;
	uint8_t rx[16384];
	bool done = false;
	int rc = 0;

	req.nh.nlmsg_seq = p->nl_seq++;
	if (sendto(p->nl_fd, &req, sizeof(req), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	while (!done) {
		ssize_t r = recv(p->nl_fd, rx, sizeof(rx), 0);
		struct nlmsghdr *h;
		int len;

		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = -1;
			break;
		}
		len = (int)r;
		for (h = (struct nlmsghdr *)rx; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			const struct rtattr *ra;
			struct ndmsg nd;
			const uint8_t *dst = NULL;
			int proto = -1, alen;

			if (h->nlmsg_seq != req.nh.nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
				done = true;
				break;
			}
			if (h->nlmsg_type != RTM_NEWNEIGH ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(nd)))
				continue;
			memcpy(&nd, NLMSG_DATA(h), sizeof(nd));
			if (!(nd.ndm_flags & NTF_PROXY) || nd.ndm_ifindex != p->ifindex ||
			    nd.ndm_family != AF_INET6)
				continue;
			alen = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(nd)));
			for (ra = (const struct rtattr *)((const uint8_t *)NLMSG_DATA(h) +
			                                  NLMSG_ALIGN(sizeof(nd)));
			     RTA_OK(ra, alen); ra = RTA_NEXT(ra, alen)) {
				if (ra->rta_type == NDA_DST && RTA_PAYLOAD(ra) == 16)
					dst = RTA_DATA(ra);
				else if (ra->rta_type == NDA_PROTOCOL && RTA_PAYLOAD(ra) >= 1)
					proto = *(const uint8_t *)RTA_DATA(ra);
			}
			if (!dst || proto != p->cfg.protocol)
				continue;
			if (n == cap) {
				struct in6_addr *t;

				cap = cap ? cap * 2 : 64;
				t = realloc(stale, cap * sizeof(*t));
				if (!t) {
					free(stale);
					return -1;
				}
				stale = t;
			}
			memcpy(&stale[n++], dst, 16);
		}
	}
	for (i = 0; i < n; i += k) {
		uint32_t first = p->nl_seq;
		int *err;

		for (k = 0; k < p->nlcap && i + k < n; k++)
			pnd_nl_put(p, p->nlbuf + k * PND_NL_MSG_LEN, RTM_DELNEIGH, &stale[i + k]);
		err = calloc(k, sizeof(*err));
		if (!err) {
			rc = -1;
			break;
		}
		pnd_nl_xfer(p, k, first, err);
		for (size_t j = 0; j < k; j++)
			if (err[j] == 0)
				p->c.stale_removed++;
			else if (err[j] != -ENOENT)
				rc = -1;
		free(err);
	}
	free(stale);
	if (p->c.stale_removed)
		pnd_log(p, LOG_INFO, "removed %llu proxy entries a previous run left",
		        (unsigned long long)p->c.stale_removed);
	return rc;
}

/* ---- frames ---- */

static void pnd_put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static uint16_t pnd_get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/*
 * Build an NA frame into f (PND_FRAME_NA bytes): Ethernet to eth_dst, IPv6
 * from our link-local to dst, hop limit 255, NA for target with flags and a
 * TLLA option carrying our MAC (RFC 4861 4.4, 7.2.4, 7.2.6).
 */
static void pnd_build_na(const struct vrrp_ha_pnd *p, uint8_t *f, const uint8_t *eth_dst,
                         const struct in6_addr *dst, const struct in6_addr *target, uint8_t flags)
{
	uint8_t *ip = f + PND_OFF_IP, *icmp = f + PND_OFF_ICMP;

	memset(f, 0, PND_FRAME_NA);
	memcpy(f, eth_dst, 6);
	memcpy(f + 6, p->mac, 6);
	pnd_put16(f + 12, ETH_P_IPV6);
	ip[0] = 0x60;
	pnd_put16(ip + 4, PND_NA_LEN);
	ip[6] = IPPROTO_ICMPV6;
	ip[7] = PND_HOP_LIMIT;
	memcpy(ip + 8, &p->lladdr, 16);
	memcpy(ip + 24, dst, 16);
	icmp[0] = PND_ICMP6_NA;
	icmp[4] = flags;
	memcpy(icmp + 8, target, 16);
	icmp[24] = PND_OPT_TLLA;
	icmp[25] = 1; /* units of 8 octets */
	memcpy(icmp + 26, p->mac, 6);
	pnd_put16(icmp + 2, vrrp_ha_pnd_icmp6_csum(&p->lladdr, dst, icmp, PND_NA_LEN));
}

/* Returns: 0, or -errno. */
static int pnd_send_frame(const struct vrrp_ha_pnd *p, const uint8_t *f, size_t len)
{
	struct sockaddr_ll sll = {
	        .sll_family = AF_PACKET,
	        .sll_protocol = htons(ETH_P_IPV6),
	        .sll_ifindex = p->ifindex,
	        .sll_halen = 6,
	};

	memcpy(sll.sll_addr, f, 6);
	if (sendto(p->tx_fd, f, len, MSG_DONTWAIT, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return -errno;
	return 0;
}

static const uint8_t pnd_eth_all_nodes[6] = {0x33, 0x33, 0, 0, 0, 1};
static const struct in6_addr pnd_all_nodes = {
        .s6_addr = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};

static enum vrrp_ha_pnd_reason pnd_count(struct vrrp_ha_pnd *p, enum vrrp_ha_pnd_reason r)
{
	p->c.ns_rx[r]++;
	if (r >= VRRP_HA_PND_R_SHORT && r <= VRRP_HA_PND_R_DAD)
		p->c.ns_malformed++;
	return r;
}

enum vrrp_ha_pnd_reason vrrp_ha_pnd_input(struct vrrp_ha_pnd *p, const uint8_t *frame, size_t len,
                                          bool outgoing)
{
	const uint8_t *ip = frame + PND_OFF_IP, *icmp = frame + PND_OFF_ICMP, *slla = NULL;
	struct in6_addr src, dst, target;
	size_t plen, off;
	uint8_t f[PND_FRAME_NA];
	const uint8_t *eth_dst;
	uint8_t flags;

	if (outgoing)
		return pnd_count(p, VRRP_HA_PND_R_OUTGOING);
	if (len < PND_OFF_ICMP + PND_NS_LEN)
		return pnd_count(p, VRRP_HA_PND_R_SHORT);
	if (pnd_get16(frame + 12) != ETH_P_IPV6 || (ip[0] >> 4) != 6)
		return pnd_count(p, VRRP_HA_PND_R_NOT_IPV6);
	plen = pnd_get16(ip + 4);
	if (plen < PND_NS_LEN || plen > len - PND_OFF_ICMP)
		return pnd_count(p, VRRP_HA_PND_R_IP_LEN);
	if (ip[6] != IPPROTO_ICMPV6)
		return pnd_count(p, VRRP_HA_PND_R_NOT_ICMP6);
	if (ip[7] != PND_HOP_LIMIT)
		return pnd_count(p, VRRP_HA_PND_R_HOP_LIMIT);
	if (icmp[0] != PND_ICMP6_NS || icmp[1] != 0)
		return pnd_count(p, VRRP_HA_PND_R_NOT_NS);
	memcpy(&src, ip + 8, 16);
	memcpy(&dst, ip + 24, 16);
	if (vrrp_ha_pnd_icmp6_csum(&src, &dst, icmp, plen) != 0)
		return pnd_count(p, VRRP_HA_PND_R_CHECKSUM);
	memcpy(&target, icmp + 8, 16);
	if (IN6_IS_ADDR_MULTICAST(&target))
		return pnd_count(p, VRRP_HA_PND_R_TARGET);
	for (off = PND_NS_LEN; off < plen;) {
		size_t olen;

		if (plen - off < 2 || icmp[off + 1] == 0)
			return pnd_count(p, VRRP_HA_PND_R_OPTION);
		olen = (size_t)icmp[off + 1] * 8;
		if (olen > plen - off)
			return pnd_count(p, VRRP_HA_PND_R_OPTION);
		if (icmp[off] == PND_OPT_SLLA && olen >= 8)
			slla = icmp + off + 2;
		off += olen;
	}
	if (IN6_IS_ADDR_UNSPECIFIED(&src)) {
		/* DAD (RFC 4861 7.1.1): to the target's solicited-node group, no SLLA */
		static const uint8_t sn[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff};

		if (slla || memcmp(dst.s6_addr, sn, 13) != 0 ||
		    memcmp(dst.s6_addr + 13, target.s6_addr + 13, 3) != 0)
			return pnd_count(p, VRRP_HA_PND_R_DAD);
	}
	if (pnd_find_slot(p, &target) == SIZE_MAX)
		return pnd_count(p, VRRP_HA_PND_R_UNKNOWN);
	if (!p->active || p->mode != VRRP_HA_PND_USER || p->tx_fd < 0)
		return pnd_count(p, VRRP_HA_PND_R_INACTIVE);
	if (IN6_IS_ADDR_UNSPECIFIED(&src)) {
		/* RFC 4861 7.2.4: to all-nodes, Solicited = 0 */
		pnd_build_na(p, f, pnd_eth_all_nodes, &pnd_all_nodes, &target, PND_NA_F_OVERRIDE);
	} else {
		eth_dst = slla ? slla : frame + 6;
		flags = PND_NA_F_SOLICIT | PND_NA_F_OVERRIDE;
		pnd_build_na(p, f, eth_dst, &src, &target, flags);
	}
	if (pnd_send_frame(p, f, sizeof(f)) < 0)
		return pnd_count(p, VRRP_HA_PND_R_TX_ERROR);
	p->c.user_answers++;
	return pnd_count(p, VRRP_HA_PND_R_ANSWERED);
}

static void pnd_rx_cb(void *data, int fd, int events)
{
	struct vrrp_ha_pnd *p = data;
	int i;

	for (i = 0; i < PND_RX_PER_CB; i++) {
		struct sockaddr_ll sll;
		socklen_t sl = sizeof(sll);
		ssize_t r = recvfrom(fd, p->rxbuf, PND_RXBUF, MSG_DONTWAIT | MSG_TRUNC,
		                     (struct sockaddr *)&sll, &sl);

		if (r < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				p->c.errors++;
				pnd_log(p, LOG_ERR, "responder recv: %s", strerror(errno));
			}
			return;
		}
		/* a frame longer than the buffer fails the IPv6 length check */
		vrrp_ha_pnd_input(p, p->rxbuf, (size_t)r > PND_RXBUF ? PND_RXBUF : (size_t)r,
		                  sll.sll_pkttype == PACKET_OUTGOING);
	}
}

/* ---- sockets ---- */

/*
 * Classic BPF: Ethernet type IPv6, next header ICMPv6 (no extension
 * headers), ICMPv6 type NS; snap PND_RXBUF. A frame too short for a load is
 * dropped by the kernel.
 */
static const struct sock_filter pnd_ns_filter[] = {
        BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IPV6, 0, 5),
        BPF_STMT(BPF_LD | BPF_B | BPF_ABS, PND_OFF_IP + 6),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_ICMPV6, 0, 3),
        BPF_STMT(BPF_LD | BPF_B | BPF_ABS, PND_OFF_ICMP),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PND_ICMP6_NS, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, PND_RXBUF),
        BPF_STMT(BPF_RET | BPF_K, 0),
};

static int pnd_open_tx(struct vrrp_ha_pnd *p)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_ifindex = p->ifindex};

	if (p->tx_fd >= 0)
		return 0;
	/* protocol 0: this socket receives nothing */
	p->tx_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (p->tx_fd < 0)
		return -1;
	if (bind(p->tx_fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		close(p->tx_fd);
		p->tx_fd = -1;
		return -1;
	}
	return 0;
}

static void pnd_close_rx(struct vrrp_ha_pnd *p)
{
	if (p->rx_fd < 0)
		return;
	if (p->ops && p->ops->unwatch_fd)
		p->ops->unwatch_fd(p->ops_ctx, p->rx_fd);
	close(p->rx_fd);
	p->rx_fd = -1;
}

static int pnd_open_rx(struct vrrp_ha_pnd *p)
{
	struct sock_fprog prog = {
	        .len = sizeof(pnd_ns_filter) / sizeof(pnd_ns_filter[0]),
	        .filter = (struct sock_filter *)pnd_ns_filter,
	};
	struct sockaddr_ll sll = {
	        .sll_family = AF_PACKET,
	        .sll_protocol = htons(ETH_P_IPV6),
	        .sll_ifindex = p->ifindex,
	};
	struct packet_mreq mr = {.mr_ifindex = p->ifindex, .mr_type = PACKET_MR_ALLMULTI};
	int one = 1;

	if (p->rx_fd >= 0)
		return 0;
	/* protocol 0 until the filter is attached: nothing unfiltered is queued */
	p->rx_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (p->rx_fd < 0)
		goto fail;
	if (setsockopt(p->rx_fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		goto fail;
	/* Linux >= 4.20; PACKET_OUTGOING is checked per frame anyway */
	setsockopt(p->rx_fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	if (bind(p->rx_fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		goto fail;
	/* solicitations go to the HoAs' solicited-node groups, which nobody joined */
	if (setsockopt(p->rx_fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
		goto fail;
	if (!p->ops || !p->ops->watch_fd ||
	    p->ops->watch_fd(p->ops_ctx, p->rx_fd, VRRP_HA_EV_READ, pnd_rx_cb, p) < 0)
		goto fail;
	return 0;
fail:
	pnd_log(p, LOG_ERR, "cannot open the NS responder: %s", strerror(errno));
	if (p->rx_fd >= 0)
		close(p->rx_fd);
	p->rx_fd = -1;
	return -1;
}

/* Index, MAC and link-local address of the interface. Returns: 0 or -1. */
static int pnd_read_link(struct vrrp_ha_pnd *p)
{
	struct ifaddrs *ifa, *i;
	bool mac = false, ll = false;

	p->ifindex = (int)if_nametoindex(p->cfg.ifname);
	if (!p->ifindex) {
		pnd_log(p, LOG_ERR, "no such interface");
		return -1;
	}
	if (getifaddrs(&ifa) < 0)
		return -1;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || strcmp(i->ifa_name, p->cfg.ifname) != 0)
			continue;
		if (i->ifa_addr->sa_family == AF_PACKET && !mac) {
			const struct sockaddr_ll *s = (const struct sockaddr_ll *)i->ifa_addr;

			if (s->sll_halen == 6) {
				memcpy(p->mac, s->sll_addr, 6);
				mac = true;
			}
		} else if (i->ifa_addr->sa_family == AF_INET6 && !ll) {
			const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)i->ifa_addr;

			if (IN6_IS_ADDR_LINKLOCAL(&s->sin6_addr)) {
				p->lladdr = s->sin6_addr;
				ll = true;
			}
		}
	}
	freeifaddrs(ifa);
	if (!mac || !ll) {
		pnd_log(p, LOG_ERR, "interface has no %s", mac ? "IPv6 link-local address" : "MAC");
		return -1;
	}
	return 0;
}

/* ---- public ---- */

struct vrrp_ha_pnd *vrrp_ha_pnd_new(const struct vrrp_ha_pnd_config *cfg,
                                    const struct vrrp_ha_ops *ops, void *ops_ctx)
{
	struct vrrp_ha_pnd *p;

	if (!cfg || !cfg->ifname[0]) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->cfg = *cfg;
	p->cfg.ifname[IF_NAMESIZE - 1] = 0;
	if (!p->cfg.kernel_batch)
		p->cfg.kernel_batch = 256;
	p->ops = ops;
	p->ops_ctx = ops_ctx;
	p->tx_fd = p->rx_fd = p->nl_fd = -1;
	p->nl_seq = 1;
	if (getrandom(&p->seed, sizeof(p->seed), GRND_NONBLOCK) != sizeof(p->seed))
		p->seed = (uint64_t)(uintptr_t)p ^ 0x9e3779b97f4a7c15ull;
	p->rxbuf = malloc(PND_RXBUF);
	p->nlcap = p->cfg.kernel_batch;
	p->nlbuf = malloc(p->nlcap * PND_NL_MSG_LEN);
	p->nlidx = malloc(p->nlcap * sizeof(*p->nlidx));
	if (!p->rxbuf || !p->nlbuf || !p->nlidx || pnd_reserve(p, 1) < 0) {
		vrrp_ha_pnd_free(p);
		errno = ENOMEM;
		return NULL;
	}
	p->ifindex = (int)if_nametoindex(p->cfg.ifname);
	if (p->cfg.protocol && p->ifindex && pnd_nl_open(p) == 0 && pnd_flush_stale(p) < 0) {
		p->c.errors++;
		pnd_log(p, LOG_WARNING, "could not remove all stale proxy entries: %s",
		        strerror(errno));
	}
	return p;
}

void vrrp_ha_pnd_free(struct vrrp_ha_pnd *p)
{
	unsigned rounds = 0;

	if (!p)
		return;
	if (p->active)
		vrrp_ha_pnd_deactivate(p);
	p->kcur = 0;
	while (p->c.kernel_entries && p->nl_fd >= 0 && rounds++ < PND_FREE_ROUNDS) {
		if (p->kcur >= p->n) {
			/* entries the kernel could not take back yet (ENOMEM): walk again */
			usleep(1000);
			p->kcur = 0;
		}
		pnd_kernel_step(p, 0);
	}
	if (p->c.kernel_entries)
		pnd_log(p, LOG_ERR, "%llu proxy entries left in the kernel",
		        (unsigned long long)p->c.kernel_entries);
	pnd_close_rx(p);
	if (p->tx_fd >= 0)
		close(p->tx_fd);
	if (p->nl_fd >= 0)
		close(p->nl_fd);
	free(p->hoas);
	free(p->slots);
	free(p->rxbuf);
	free(p->nlbuf);
	free(p->nlidx);
	free(p);
}

int vrrp_ha_pnd_add(struct vrrp_ha_pnd *p, const struct in6_addr *hoa)
{
	struct pnd_hoa *h;

	if (IN6_IS_ADDR_MULTICAST(hoa) || IN6_IS_ADDR_UNSPECIFIED(hoa) ||
	    IN6_IS_ADDR_LOOPBACK(hoa)) {
		errno = EINVAL;
		return -1;
	}
	if (pnd_find_slot(p, hoa) != SIZE_MAX)
		return 0;
	if (pnd_reserve(p, p->n + 1) < 0) {
		errno = ENOMEM;
		return -1;
	}
	h = &p->hoas[p->n];
	memset(h, 0, sizeof(*h));
	h->a = *hoa;
	pnd_slot_insert(p, p->n);
	p->n++;
	if (!p->active)
		return 1;
	h->una_left = (uint8_t)(p->cfg.una_count > 255 ? 255 : p->cfg.una_count);
	p->una_pending += h->una_left;
	if (p->mode == VRRP_HA_PND_KERNEL && p->n > p->cfg.kernel_max) {
		/* too many for the kernel's proxy table: switch to the responder */
		if (pnd_open_rx(p) == 0) {
			p->mode = VRRP_HA_PND_USER;
			p->kcur = 0; /* the timer removes the kernel entries */
			p->c.mode_switches++;
			pnd_log(p, LOG_INFO, "%zu HoAs > kernel_max %u: user-space responder", p->n,
			        p->cfg.kernel_max);
		} else {
			p->c.errors++;
		}
	}
	return 1;
}

int vrrp_ha_pnd_del(struct vrrp_ha_pnd *p, const struct in6_addr *hoa)
{
	size_t slot = pnd_find_slot(p, hoa), idx, last;
	int rc = 1;

	if (slot == SIZE_MAX)
		return 0;
	idx = p->slots[slot] - 1;
	if (p->hoas[idx].kstate == PND_K_IN && p->nl_fd >= 0) {
		int err;

		pnd_nl_put(p, p->nlbuf, RTM_DELNEIGH, hoa);
		pnd_nl_xfer(p, 1, p->nl_seq - 1, &err);
		if (err == 0 || err == -ENOENT) {
			p->c.kernel_deleted++;
		} else {
			p->c.kernel_errors++;
			pnd_log(p, LOG_ERR, "removing a proxy entry: %s", strerror(-err));
			rc = -1;
		}
		p->c.kernel_entries--;
	}
	p->una_pending -= p->hoas[idx].una_left;
	p->slots[slot] = PND_SLOT_TOMB;
	p->tombs++;
	last = p->n - 1;
	if (idx != last) {
		size_t ls = pnd_find_slot(p, &p->hoas[last].a);

		p->hoas[idx] = p->hoas[last];
		p->slots[ls] = (uint32_t)idx + 1;
		/* the moved entry may not have been visited yet */
		if (p->kcur > idx)
			p->kcur = idx;
		if (p->ucur > idx)
			p->ucur = idx;
	}
	p->n--;
	return rc;
}

int vrrp_ha_pnd_activate(struct vrrp_ha_pnd *p)
{
	size_t i;

	if (p->active)
		return 0;
	if (pnd_read_link(p) < 0)
		goto fail;
	if (pnd_open_tx(p) < 0) {
		pnd_log(p, LOG_ERR, "AF_PACKET socket: %s", strerror(errno));
		goto fail;
	}
	if (p->n > p->cfg.kernel_max) {
		if (pnd_open_rx(p) < 0)
			goto fail;
		p->mode = VRRP_HA_PND_USER;
	} else {
		if (pnd_nl_open(p) < 0) {
			pnd_log(p, LOG_ERR, "netlink socket: %s", strerror(errno));
			goto fail;
		}
		if (pnd_sysctls_set(p) < 0)
			goto fail;
		p->mode = VRRP_HA_PND_KERNEL;
	}
	if (pnd_nl_open(p) < 0) /* deactivation removes entries through it */
		pnd_log(p, LOG_WARNING, "netlink socket: %s", strerror(errno));
	p->active = true;
	p->kcur = 0;
	p->kretry_ms = 0;
	p->una_pending = 0;
	for (i = 0; i < p->n; i++) {
		p->hoas[i].una_left = (uint8_t)(p->cfg.una_count > 255 ? 255 : p->cfg.una_count);
		p->una_pending += p->hoas[i].una_left;
	}
	p->ucur = 0;
	p->round_started = false;
	p->una_wait_ms = 0;
	p->credit = 1000; /* the first UNA goes at once */
	p->credit_ms = p->ops && p->ops->now_ms ? p->ops->now_ms(p->ops_ctx) : 0;
	p->c.activations++;
	pnd_log(p, LOG_INFO, "active, %s mode, %zu HoAs", vrrp_ha_pnd_mode_name(p->mode), p->n);
	return 0;
fail:
	p->c.errors++;
	pnd_close_rx(p);
	pnd_sysctls_restore(p);
	p->mode = VRRP_HA_PND_OFF;
	return -1;
}

int vrrp_ha_pnd_deactivate(struct vrrp_ha_pnd *p)
{
	size_t i;

	if (!p->active)
		return 0;
	p->active = false;
	p->mode = VRRP_HA_PND_OFF;
	pnd_close_rx(p);
	for (i = 0; i < p->n; i++)
		p->hoas[i].una_left = 0;
	p->una_pending = 0;
	p->kcur = 0;
	p->kretry_ms = 0;
	if (p->cfg.restore_sysctls)
		pnd_sysctls_restore(p);
	p->c.deactivations++;
	pnd_log(p, LOG_INFO, "inactive, %llu proxy entries to remove",
	        (unsigned long long)p->c.kernel_entries);
	return 0;
}

enum vrrp_ha_pnd_mode vrrp_ha_pnd_mode(const struct vrrp_ha_pnd *p)
{
	return p->mode;
}

const struct vrrp_ha_pnd_counters *vrrp_ha_pnd_counters(const struct vrrp_ha_pnd *p)
{
	return &p->c;
}

static bool pnd_una_ready(const struct vrrp_ha_pnd *p, const struct pnd_hoa *h)
{
	return p->mode == VRRP_HA_PND_USER || h->kstate != PND_K_NONE;
}

/* Send the UNAs the token bucket allows. */
static void pnd_una_step(struct vrrp_ha_pnd *p, uint64_t now_ms)
{
	uint64_t burst = (uint64_t)p->cfg.una_rate * PND_TICK_MS; /* 1/1000 UNA units */
	uint8_t f[PND_FRAME_NA];

	if (!p->active || !p->una_pending || !p->cfg.una_rate || p->tx_fd < 0)
		return;
	if (now_ms < p->una_wait_ms)
		return;
	if (burst < 1000)
		burst = 1000;
	if (now_ms > p->credit_ms) {
		p->credit += (now_ms - p->credit_ms) * p->cfg.una_rate;
		p->credit_ms = now_ms;
	}
	if (p->credit > burst)
		p->credit = burst;
	if (!p->round_started) {
		p->round_started = true;
		p->round_start = now_ms;
		p->ucur = 0;
	}
	while (p->credit >= 1000 && p->una_pending) {
		struct pnd_hoa *h;
		int e;

		if (p->ucur >= p->n) {
			/* end of a round; the next no sooner than una_round_ms after this one's
			 * start */
			p->round_started = false;
			p->una_wait_ms = p->round_start + p->cfg.una_round_ms;
			if (now_ms < p->una_wait_ms)
				return;
			p->round_started = true;
			p->round_start = now_ms;
			p->ucur = 0;
			continue;
		}
		h = &p->hoas[p->ucur];
		if (!h->una_left) {
			p->ucur++;
			continue;
		}
		if (!pnd_una_ready(p, h))
			return; /* its proxy entry is not in yet: wait for the kernel batches */
		pnd_build_na(p, f, pnd_eth_all_nodes, &pnd_all_nodes, &h->a, PND_NA_F_OVERRIDE);
		e = pnd_send_frame(p, f, sizeof(f));
		if (e == -EAGAIN || e == -EWOULDBLOCK || e == -ENOBUFS || e == -EINTR) {
			p->c.una_deferred++;
			p->una_wait_ms = now_ms + PND_RETRY_MS;
			return;
		}
		if (e < 0) {
			p->c.una_errors++;
			if (p->c.una_errors <= 8 || (p->c.una_errors & 1023) == 0)
				pnd_log(p, LOG_ERR, "sending an unsolicited NA: %s (%llu errors)",
				        strerror(-e), (unsigned long long)p->c.una_errors);
		} else {
			p->c.unas_sent++;
		}
		p->credit -= 1000;
		h->una_left--;
		p->una_pending--;
		p->ucur++;
	}
}

uint64_t vrrp_ha_pnd_next_ms(const struct vrrp_ha_pnd *p)
{
	uint64_t next = UINT64_MAX;

	if (p->kcur < p->n && p->nl_fd >= 0)
		next = p->kretry_ms;
	if (p->active && p->una_pending && p->cfg.una_rate && p->tx_fd >= 0) {
		uint64_t t;

		if (p->round_started && p->ucur < p->n && p->credit < 1000) {
			uint64_t need = (1000 - p->credit + p->cfg.una_rate - 1) / p->cfg.una_rate;

			t = p->credit_ms + (need < PND_TICK_MS ? PND_TICK_MS : need);
		} else if (p->round_started && p->ucur < p->n) {
			t = p->credit_ms + PND_TICK_MS; /* waiting for kernel batches */
		} else {
			t = p->una_wait_ms;
		}
		if (t < p->una_wait_ms)
			t = p->una_wait_ms;
		if (t < next)
			next = t;
	}
	return next;
}

void vrrp_ha_pnd_timer(struct vrrp_ha_pnd *p, uint64_t now_ms, uint64_t *next_ms)
{
	if (now_ms >= p->kretry_ms) {
		p->kretry_ms = 0;
		pnd_kernel_step(p, now_ms);
	}
	pnd_una_step(p, now_ms);
	if (next_ms)
		*next_ms = vrrp_ha_pnd_next_ms(p);
}
