/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp_ha_glue.c - keepalived side of vrrp-ha: config keywords, the receive
 * and state hooks, sending through the instance's VRRP socket, timers and fd
 * watches on keepalived's event loop, script runs, reload hand-over.
 *
 * Compiled by our CMake against the configured keepalived tree (its headers
 * and config.h) and linked into keepalived; keepalived's own files only gain
 * one call per hook (see keepalived-patch/).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <inttypes.h>

#include "logger.h"
#include "notify.h"
#include "parser.h"
#include "scheduler.h"
#include "timer.h"
#include "vrrp.h"
#include "vrrp_data.h"
#include "vrrp_if.h"
#include "vrrp_ipaddress.h"
#include "vrrp_scheduler.h"
#include "vrrp_track.h"

#include "vrrp_ha/auth.h"
#include "vrrp_ha/ctl.h"
#include "vrrp_ha/ext.h"
#include "vrrp_ha/ha.h"
#include "vrrp_ha/switch.h"
#include "vrrp_ha_glue.h"
#include "vrrp_ha_snmp.h"

/* Longest keyword of the block, with its NUL. */
#define VRRP_HA_KW_MAX 24
/* A control socket that cannot be opened is retried this often (seconds). */
#define GLUE_CTL_RETRY_S 5

/* Larger than keepalived's default so a bulk sync burst is not dropped by
 * the receiving socket while keepalived serves its timers. */
#define GLUE_RCVBUF (8 * 1024 * 1024)
/* Packets read from the unicast BC socket per wake-up (as keepalived's
 * receive path does for BC packets): the rest waits for the next loop turn. */
#define GLUE_UCAST_BATCH 64
/* A unicast BC socket that could not be opened is retried this often (ms). */
#define GLUE_UCAST_RETRY_MS 5000

/* Our fds (control socket listener and clients) live in a private epoll set;
 * keepalived's loop only watches that one epoll fd. keepalived's own fd
 * threads are one-shot and keep an epoll registration per fd number after
 * they fire, which goes wrong when a client fd is closed and its number
 * reused; one long-lived fd of our own avoids that entirely. */
struct glue_watch {
	int fd;
	int events;
	vrrp_ha_fd_cb cb;
	void *data;
	struct glue_watch *next;
};

struct vrrp_ha_glue {
	struct vrrp_ha_config cfg; /* as parsed */
	vrrp_t *vrrp;
	struct vrrp_ha *h;
	struct vrrp_ha_ctl *ctl;
	thread_ref_t timer;
	int epfd;
	thread_ref_t ep_thread;
	struct glue_watch *watches;
	unsigned rcvbuf;
	bool vha_given;         /* virtual_ha_address keyword, else the first global VIP */
	bool auth_cipher_given; /* auth_cipher seen: the key file is checked against it */
	bool auth_key_failed;   /* the key file was refused (already reported) */
	/* keywords seen in this block, to refuse one given twice */
	char seen[48][VRRP_HA_KW_MAX];
	unsigned nseen;
	/* the control socket could not be opened: the instance is held in FAULT
	 * (down_instance) and the open is retried */
	bool ctl_fault;
	thread_ref_t ctl_retry;
	/* ops->set_hold: the priority the library holds the instance at (0 =
	 * not held); keepalived's effective priority is at most this */
	unsigned hold_prio;
	/* Multicast mode: keepalived's receive socket is bound to ff02::12, so
	 * BC packets sent unicast to our link-local address (ops->send_to of a
	 * peer) arrive on a raw socket of ours bound to that address. */
	int ucast_fd;
	struct sockaddr_in6 ucast_addr; /* what it is bound to */
	uint8_t *ucast_buf;
	size_t ucast_cap;
	uint64_t ucast_retry_ms;
	uint64_t ucast_rx;      /* BC packets of our VRID passed to the library */
	uint64_t ucast_ignored; /* anything else (other types or VRIDs, INIT/FAULT) */
	uint64_t ucast_errors;  /* recvmsg errors */
};

/* BC packets for an instance without mipv6_ha, and other drops that happen
 * before an instance is known. keepalived-side only, for the dump. */
static uint64_t glue_rx_not_enabled;
static time_t glue_not_enabled_logged;

static inline struct vrrp_ha_glue *glue_of(const vrrp_t *vrrp)
{
	return vrrp->mipv6_ha;
}

/* ---- ops for the library ---------------------------------------------- */

static uint64_t glue_now_ms(__attribute__((unused)) void *ctx)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t glue_now_us(__attribute__((unused)) void *ctx)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int glue_sendmsg(vrrp_t *vrrp, const void *pkt, size_t len, const sockaddr_t *dst, int flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = {.iov_base = (void *)(uintptr_t)pkt, .iov_len = len};
	struct msghdr msg;
	struct cmsghdr *cmsg;
	struct in6_pktinfo *pi;
	int hop = VRRP_HA_HOP_LIMIT;

	memset(&msg, 0, sizeof(msg));
	memset(&cbuf, 0, sizeof(cbuf));
	msg.msg_name = (void *)(uintptr_t)dst;
	msg.msg_namelen = sizeof(struct sockaddr_in6);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = sizeof(cbuf.buf);

	/* source = the instance's link-local address, like adverts */
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = IPPROTO_IPV6;
	cmsg->cmsg_type = IPV6_PKTINFO;
	cmsg->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
	pi = (struct in6_pktinfo *)(void *)CMSG_DATA(cmsg);
	pi->ipi6_addr = ((const struct sockaddr_in6 *)(const void *)&vrrp->saddr)->sin6_addr;
	pi->ipi6_ifindex = vrrp->ifp ? (int)IF_INDEX(vrrp->ifp) : 0;

	/* hop limit 255 also for unicast peers (RFC 5798 5.1.2.4): keepalived
	 * sends unicast adverts with 64 unless unicast_ttl is set */
	cmsg = CMSG_NXTHDR(&msg, cmsg);
	cmsg->cmsg_level = IPPROTO_IPV6;
	cmsg->cmsg_type = IPV6_HOPLIMIT;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &hop, sizeof(hop));

	return sendmsg(vrrp->sockets->fd_out, &msg, flags | MSG_DONTWAIT) < 0 ? -1 : 0;
}

static int glue_send(void *ctx, const uint8_t *pkt, size_t len)
{
	struct vrrp_ha_glue *g = ctx;
	vrrp_t *vrrp = g->vrrp;
	unicast_peer_t *peer;
	int ret = 0, err = 0;

	if (!vrrp || !vrrp->sockets || vrrp->sockets->fd_out < 0) {
		errno = ENOTCONN;
		return -1;
	}
	if (!__test_bit(VRRP_FLAG_UNICAST, &vrrp->flags))
		return glue_sendmsg(vrrp, pkt, len, &vrrp->mcast_daddr, MSG_DONTROUTE);

	list_for_each_entry(peer, &vrrp->unicast_peer, e_list)
	{
		if (glue_sendmsg(vrrp, pkt, len, &peer->address, 0) < 0) {
			ret = -1;
			err = errno;
		}
	}
	if (ret)
		errno = err;
	return ret;
}

static int glue_send_to(void *ctx, const uint8_t *pkt, size_t len, const struct in6_addr *dst)
{
	struct vrrp_ha_glue *g = ctx;
	vrrp_t *vrrp = g->vrrp;
	sockaddr_t to;

	if (!dst || !IN6_IS_ADDR_LINKLOCAL(dst)) {
		errno = EINVAL;
		return -1;
	}
	if (!vrrp || !vrrp->ifp || !vrrp->sockets || vrrp->sockets->fd_out < 0) {
		errno = ENOTCONN;
		return -1;
	}
	memset(&to, 0, sizeof(to));
	to.in6.sin6_family = AF_INET6;
	to.in6.sin6_addr = *dst;
	to.in6.sin6_scope_id = (uint32_t)IF_INDEX(vrrp->ifp);
	return glue_sendmsg(vrrp, pkt, len, &to, 0);
}

/* The library holds (or releases) the instance's priority: keepalived
 * recomputes its effective priority, which vrrp_ha_glue_priority() caps
 * while held (keepalived-patch 0005). */
static void glue_set_hold(void *ctx, unsigned prio)
{
	struct vrrp_ha_glue *g = ctx;

	if (g->hold_prio == prio)
		return;
	g->hold_prio = prio;
	/* during a reload (restore_vrrp_state) the new vrrp_t has no sockets
	 * yet: vrrp_ha_glue_init_state() applies the hold when it starts */
	if (g->vrrp && g->vrrp->sockets)
		vrrp_set_effective_priority(g->vrrp);
}

/* A consented switch (switch.h): keepalived's own master-down path, now
 * (keepalived-patch 0006). */
static int glue_become_master(void *ctx)
{
	struct vrrp_ha_glue *g = ctx;

	if (!g->vrrp || !vrrp_ha_expire_master_down(g->vrrp))
		return -1;
	log_message(LOG_INFO, "(%s) mipv6_ha: switch: taking over now", g->vrrp->iname);
	return 0;
}

static void ucast_open(struct vrrp_ha_glue *g);

static void glue_timer_thread(thread_ref_t thread)
{
	struct vrrp_ha_glue *g = THREAD_ARG(thread);

	g->timer = NULL;
	if (!g->h)
		return;
	/* keepalived may change state on paths that send no notify (sync
	 * groups): catch up here too */
	if (g->vrrp && (int)vrrp_ha_get_state(g->h) != g->vrrp->state &&
	    g->vrrp->state <= VRRP_STATE_FAULT)
		vrrp_ha_set_state(g->h, (enum vrrp_ha_state)g->vrrp->state);
	if (g->ucast_fd < 0 && g->ucast_retry_ms && glue_now_ms(g) >= g->ucast_retry_ms)
		ucast_open(g);
	vrrp_ha_timer(g->h);
}

static void glue_set_timer(void *ctx, uint64_t delay_us)
{
	struct vrrp_ha_glue *g = ctx;

	if (g->timer)
		thread_cancel(g->timer);
	g->timer = thread_add_timer(master, glue_timer_thread, g, (unsigned long)delay_us);
}

static struct glue_watch *watch_find(struct vrrp_ha_glue *g, int fd)
{
	struct glue_watch *w;

	for (w = g->watches; w; w = w->next)
		if (w->fd == fd)
			return w;
	return NULL;
}

static void glue_ep_arm(struct vrrp_ha_glue *g);

/* Our epoll set has something ready: dispatch a bounded number of events,
 * then give keepalived's loop back (level-triggered: the rest stays ready). */
static void glue_ep_thread(thread_ref_t thread)
{
	struct vrrp_ha_glue *g = THREAD_ARG(thread);
	struct epoll_event ev[32];
	int n, i;

	g->ep_thread = NULL;
	n = epoll_wait(g->epfd, ev, 32, 0);
	for (i = 0; i < n; i++) {
		int fd = ev[i].data.fd;
		struct glue_watch *w = watch_find(g, fd);

		/* an earlier callback of this round may have unwatched it */
		if (!w)
			continue;
		if (ev[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP) &&
		    (w->events & VRRP_HA_EV_READ)) {
			w->cb(w->data, fd, VRRP_HA_EV_READ);
			w = watch_find(g, fd);
		}
		if (w && ev[i].events & (EPOLLOUT | EPOLLERR) && (w->events & VRRP_HA_EV_WRITE))
			w->cb(w->data, fd, VRRP_HA_EV_WRITE);
	}
	glue_ep_arm(g);
}

static void glue_ep_arm(struct vrrp_ha_glue *g)
{
	if (g->epfd >= 0 && !g->ep_thread)
		g->ep_thread = thread_add_read(master, glue_ep_thread, g, g->epfd, TIMER_NEVER, 0);
}

static uint32_t ep_events(int events)
{
	return (events & VRRP_HA_EV_READ ? EPOLLIN | EPOLLRDHUP : 0) |
	       (events & VRRP_HA_EV_WRITE ? EPOLLOUT : 0);
}

static int glue_watch_fd(void *ctx, int fd, int events, vrrp_ha_fd_cb cb, void *data)
{
	struct vrrp_ha_glue *g = ctx;
	struct glue_watch *w = watch_find(g, fd);
	struct epoll_event ev = {.events = ep_events(events), .data.fd = fd};

	if (g->epfd < 0) {
		g->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (g->epfd < 0)
			return -1;
	}
	if (!w) {
		w = calloc(1, sizeof(*w));
		if (!w)
			return -1;
		if (epoll_ctl(g->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			free(w);
			return -1;
		}
		w->fd = fd;
		w->next = g->watches;
		g->watches = w;
	} else if (w->events != events && epoll_ctl(g->epfd, EPOLL_CTL_MOD, fd, &ev) < 0) {
		return -1;
	}
	w->events = events;
	w->cb = cb;
	w->data = data;
	glue_ep_arm(g);
	return 0;
}

static void glue_unwatch_fd(void *ctx, int fd)
{
	struct vrrp_ha_glue *g = ctx;
	struct glue_watch **pp, *w;

	for (pp = &g->watches; (w = *pp); pp = &w->next) {
		if (w->fd != fd)
			continue;
		if (g->epfd >= 0)
			epoll_ctl(g->epfd, EPOLL_CTL_DEL, fd, NULL);
		*pp = w->next;
		free(w);
		return;
	}
}

static void glue_log(__attribute__((unused)) void *ctx, int prio, const char *msg)
{
	log_message(prio, "%s", msg);
}

static int glue_run_script(__attribute__((unused)) void *ctx, char *const argv[])
{
	notify_script_t script;
	int n = 0;

	while (argv[n])
		n++;
	memset(&script, 0, sizeof(script));
	script.args = (const char **)(uintptr_t)argv;
	script.num_args = n;
	script.flags = SC_EXECABLE;
	script.uid = getuid();
	script.gid = getgid();
	/* keepalived forks and reaps the child like any notify script */
	return notify_exec(&script);
}

/* After thread_cleanup_master() (reload) every thread ref is stale: forget
 * them without cancelling. */
static void forget_threads(struct vrrp_ha_glue *g)
{
	g->timer = NULL;
	g->ep_thread = NULL;
	g->ctl_retry = NULL;
}

static const struct vrrp_ha_ops glue_ops = {
        .now_ms = glue_now_ms,
        .send = glue_send,
        .set_timer = glue_set_timer,
        .watch_fd = glue_watch_fd,
        .unwatch_fd = glue_unwatch_fd,
        .log = glue_log,
        .run_script = glue_run_script,
        .now_us = glue_now_us,
        .send_to = glue_send_to,
        .set_hold = glue_set_hold,
        .become_master = glue_become_master,
};

/* ---- configuration ---------------------------------------------------- */

static vrrp_t *current_vrrp(void)
{
	return list_last_entry(&vrrp_data->vrrp, vrrp_t, e_list);
}

static struct vrrp_ha_glue *current_glue(void)
{
	return glue_of(current_vrrp());
}

static void cfg_block_handler(__attribute__((unused)) const vector_t *strvec)
{
	vrrp_t *vrrp = current_vrrp();
	struct vrrp_ha_glue *g;

	if (vrrp->mipv6_ha) {
		report_config_error(CONFIG_GENERAL_ERROR, "(%s) mipv6_ha: block given twice",
		                    vrrp->iname);
		return;
	}
	/* the family is known here if the virtual addresses came first: report
	 * with this line; otherwise vrrp_ha_glue_complete_instance() does */
	if (vrrp->family == AF_INET) {
		report_config_error(CONFIG_GENERAL_ERROR,
		                    "(%s) mipv6_ha needs an IPv6 instance (virtual HA address)",
		                    vrrp->iname);
		return;
	}
	/* likewise the version, if it was given before the block */
	if (vrrp->version == VRRP_VERSION_2) {
		report_config_error(
		        CONFIG_GENERAL_ERROR,
		        "(%s) mipv6_ha needs VRRP version 3 (this instance has version 2)",
		        vrrp->iname);
		return;
	}
	g = calloc(1, sizeof(*g));
	if (!g) {
		report_config_error(CONFIG_GENERAL_ERROR, "(%s) mipv6_ha: out of memory",
		                    vrrp->iname);
		return;
	}
	vrrp_ha_config_defaults(&g->cfg);
	g->cfg.enabled = true;
	g->rcvbuf = GLUE_RCVBUF;
	g->epfd = -1;
	g->ucast_fd = -1;
	g->vrrp = vrrp;
	vrrp->mipv6_ha = g;
}

/* A keyword given twice in one block is an error (the second would silently
 * win). Returns: true the first time. */
static bool first_time(const vector_t *strvec)
{
	struct vrrp_ha_glue *g = current_glue();
	const char *kw = strvec_slot(strvec, 0);

	if (!g)
		return false;
	for (unsigned i = 0; i < g->nseen; i++)
		if (!strcmp(g->seen[i], kw)) {
			report_config_error(CONFIG_GENERAL_ERROR,
			                    "(%s) mipv6_ha: '%s' given twice (the first one "
			                    "stands)",
			                    current_vrrp()->iname, kw);
			return false;
		}
	if (g->nseen < sizeof(g->seen) / sizeof(g->seen[0]) && strlen(kw) < VRRP_HA_KW_MAX)
		snprintf(g->seen[g->nseen++], VRRP_HA_KW_MAX, "%s", kw);
	return true;
}

static bool want_args(const vector_t *strvec, size_t min, size_t max)
{
	size_t n = vector_size(strvec);

	if (!first_time(strvec))
		return false;

	if (n < min + 1 || n > max + 1) {
		report_config_error(CONFIG_GENERAL_ERROR,
		                    "(%s) mipv6_ha: '%s' takes %zu%s argument%s",
		                    current_vrrp()->iname, strvec_slot(strvec, 0), min,
		                    max > min ? " or more" : "", min == 1 && max == 1 ? "" : "s");
		return false;
	}
	return true;
}

static void set_str(const vector_t *strvec, char **dst)
{
	if (!current_glue() || !want_args(strvec, 1, 1))
		return;
	free(*dst);
	*dst = strdup(strvec_slot(strvec, 1));
}

static bool get_unsigned(const vector_t *strvec, unsigned *dst, unsigned min, unsigned max)
{
	unsigned v;

	if (!current_glue() || !want_args(strvec, 1, 1))
		return false;
	if (!read_unsigned_strvec(strvec, 1, &v, min, max, false)) {
		report_config_error(CONFIG_GENERAL_ERROR,
		                    "(%s) mipv6_ha: %s '%s' invalid, must be %u..%u",
		                    current_vrrp()->iname, strvec_slot(strvec, 0),
		                    strvec_slot(strvec, 1), min, max);
		return false;
	}
	*dst = v;
	return true;
}

static void cfg_disable(const vector_t *strvec)
{
	if (current_glue() && want_args(strvec, 0, 0))
		current_glue()->cfg.enabled = false;
}

/* A keyword whose one argument is a word from a table. */
struct choice {
	const char *word;
	int value;
};

static void get_choice(const vector_t *strvec, const struct choice *tab, size_t n, int *dst,
                       const char *allowed)
{
	const char *s;
	size_t i;

	if (!current_glue() || !want_args(strvec, 1, 1))
		return;
	s = strvec_slot(strvec, 1);
	for (i = 0; i < n; i++) {
		if (!strcmp(s, tab[i].word)) {
			*dst = tab[i].value;
			return;
		}
	}
	report_config_error(CONFIG_GENERAL_ERROR, "(%s) mipv6_ha: %s '%s' invalid, must be %s",
	                    current_vrrp()->iname, strvec_slot(strvec, 0), s, allowed);
}

static void cfg_owner(const vector_t *strvec)
{
	static const struct choice tab[] = {
	        {"auto", VRRP_HA_OWNER_AUTO}, {"yes", VRRP_HA_OWNER_YES},
	        {"true", VRRP_HA_OWNER_YES},  {"on", VRRP_HA_OWNER_YES},
	        {"no", VRRP_HA_OWNER_NO},     {"false", VRRP_HA_OWNER_NO},
	        {"off", VRRP_HA_OWNER_NO}};
	int v;

	if (!current_glue())
		return;
	v = (int)current_glue()->cfg.owner;
	get_choice(strvec, tab, sizeof(tab) / sizeof(tab[0]), &v, "auto, yes or no");
	current_glue()->cfg.owner = (enum vrrp_ha_owner_mode)v;
}

static bool check_own_file(const char *path, const char *what);

static void cfg_control_socket(const vector_t *strvec)
{
	struct vrrp_ha_glue *g = current_glue();
	const char *path;
	char *end;
	unsigned long mode;

	if (!g || !want_args(strvec, 1, 2))
		return;
	path = strvec_slot(strvec, 1);
	if (path[0] != '/' || strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		report_config_error(CONFIG_GENERAL_ERROR,
		                    "(%s) mipv6_ha: control_socket '%s' must be an absolute path "
		                    "shorter than %zu bytes",
		                    current_vrrp()->iname, path,
		                    sizeof(((struct sockaddr_un *)0)->sun_path));
		return;
	}
	if (vector_size(strvec) == 3) {
		mode = strtoul(strvec_slot(strvec, 2), &end, 8);
		if (*end || mode > 0777 || (mode & 0007)) {
			report_config_error(
			        CONFIG_GENERAL_ERROR,
			        "(%s) mipv6_ha: control_socket mode '%s' invalid (octal, "
			        "no access for others)",
			        current_vrrp()->iname, strvec_slot(strvec, 2));
			return;
		}
		g->cfg.ctl_mode = (unsigned)mode;
	}
	if (!check_own_file(path, "control_socket"))
		return;
	free(g->cfg.ctl_path);
	g->cfg.ctl_path = strdup(path);
}

/* A notify script: an executable given by absolute path. */
static void cfg_script(const vector_t *strvec, char **dst)
{
	set_str(strvec, dst);
	if (*dst && ((*dst)[0] != '/' || access(*dst, X_OK))) {
		report_config_error(CONFIG_GENERAL_ERROR,
		                    "(%s) mipv6_ha: %s '%s' is not an executable file given by "
		                    "absolute path",
		                    current_vrrp()->iname, strvec_slot(strvec, 0), *dst);
		free(*dst);
		*dst = NULL;
	}
}

static void cfg_notify_restore(const vector_t *strvec)
{
	if (current_glue())
		cfg_script(strvec, &current_glue()->cfg.notify_restore);
}

static void cfg_notify_recover(const vector_t *strvec)
{
	if (current_glue())
		cfg_script(strvec, &current_glue()->cfg.notify_recover);
}

/* Is the directory of path usable: an existing writable directory, or one
 * that can be created in an existing writable directory (glue_start
 * creates it)? Returns: NULL, or why not. */
#define WHY_LEN (PATH_MAX + 96)
static const char *dir_problem(const char *path, bool is_dir, char *why)
{
	char dir[PATH_MAX], parent[PATH_MAX];
	struct stat st;
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	if (!is_dir) {
		slash = strrchr(dir, '/');
		if (!slash)
			return NULL;
		if (slash == dir)
			slash[1] = 0;
		else
			*slash = 0;
	}
	if (!stat(dir, &st)) {
		if (!S_ISDIR(st.st_mode))
			return "is not a directory";
		if (access(dir, W_OK | X_OK)) {
			snprintf(why, WHY_LEN, "directory %s is not writable (%s)", dir,
			         strerror(errno));
			return why;
		}
		return NULL;
	}
	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash == parent)
		slash[1] = 0;
	else if (slash)
		*slash = 0;
	if (stat(parent, &st) || !S_ISDIR(st.st_mode) || access(parent, W_OK | X_OK)) {
		snprintf(why, WHY_LEN, "directory %s does not exist and cannot be created", dir);
		return why;
	}
	return NULL;
}

/* Returns: the other instance whose mipv6_ha block uses path for one of its
 * files (control socket, FIFO), or NULL. */
static vrrp_t *path_used_elsewhere(const char *path)
{
	vrrp_t *vrrp, *cur = current_vrrp();

	list_for_each_entry(vrrp, &vrrp_data->vrrp, e_list)
	{
		struct vrrp_ha_glue *g = glue_of(vrrp);

		if (vrrp == cur || !g)
			continue;
		if ((g->cfg.ctl_path && !strcmp(g->cfg.ctl_path, path)) ||
		    (g->cfg.notify_fifo && !strcmp(g->cfg.notify_fifo, path)))
			return vrrp;
	}
	return NULL;
}

/* A file of ours (control socket, FIFO): unique, in a usable directory. */
static bool check_own_file(const char *path, const char *what)
{
	vrrp_t *other = path_used_elsewhere(path);
	char buf[WHY_LEN];
	const char *why = dir_problem(path, false, buf);

	if (other) {
		report_config_error(CONFIG_GENERAL_ERROR,
		                    "(%s) mipv6_ha: %s '%s' is already used by instance %s",
		                    current_vrrp()->iname, what, path, other->iname);
		return false;
	}
	if (why) {
		report_config_error(CONFIG_GENERAL_ERROR, "(%s) mipv6_ha: %s '%s': %s",
		                    current_vrrp()->iname, what, path, why);
		return false;
	}
	return true;
}

static void cfg_path(const vector_t *strvec, char **dst, const char *what)
{
	set_str(strvec, dst);
	if (*dst && (*dst)[0] != '/') {
		report_config_error(CONFIG_GENERAL_ERROR,
		                    "(%s) mipv6_ha: %s '%s' must be an absolute path",
		                    current_vrrp()->iname, what, *dst);
		free(*dst);
		*dst = NULL;
		return;
	}
	if (*dst && !strcmp(what, "notify_fifo") && !check_own_file(*dst, what)) {
		free(*dst);
		*dst = NULL;
	} else if (*dst && !strcmp(what, "notify_dir")) {
		char buf[WHY_LEN];
		const char *why = dir_problem(*dst, true, buf);

		if (why) {
			report_config_error(CONFIG_GENERAL_ERROR,
			                    "(%s) mipv6_ha: notify_dir '%s': %s",
			                    current_vrrp()->iname, *dst, why);
			free(*dst);
			*dst = NULL;
		}
	}
}

static void cfg_notify_dir(const vector_t *strvec)
{
	if (current_glue())
		cfg_path(strvec, &current_glue()->cfg.notify_dir, "notify_dir");
}

static void cfg_notify_fifo(const vector_t *strvec)
{
	if (current_glue())
		cfg_path(strvec, &current_glue()->cfg.notify_fifo, "notify_fifo");
}

#define UNSIGNED_KEYWORD(fn, field, min, max)                                                      \
	static void fn(const vector_t *strvec)                                                     \
	{                                                                                          \
		struct vrrp_ha_glue *g = current_glue();                                           \
		if (g)                                                                             \
			get_unsigned(strvec, &g->cfg.field, min, max);                             \
	}
UNSIGNED_KEYWORD(cfg_mtu, mtu, 128, 65535)
UNSIGNED_KEYWORD(cfg_burst, burst_packets, 1, 4096)
UNSIGNED_KEYWORD(cfg_pace, pace_us, 100, 1000000)
UNSIGNED_KEYWORD(cfg_coalesce, coalesce_ms, 0, 10000)
UNSIGNED_KEYWORD(cfg_req_timeout, request_timeout_ms, 10, 600000)
UNSIGNED_KEYWORD(cfg_req_retries, request_retries, 0, 100)
UNSIGNED_KEYWORD(cfg_grace, answer_grace_ms, 0, 600000)
UNSIGNED_KEYWORD(cfg_restore_window, restore_window_ms, 0, 600000)
UNSIGNED_KEYWORD(cfg_tombstone, tombstone_s, 0, 3600)
UNSIGNED_KEYWORD(cfg_max_bindings, max_bindings, 1, 100000000)
UNSIGNED_KEYWORD(cfg_log_interval, log_interval_s, 0, 86400)
UNSIGNED_KEYWORD(cfg_snmp_drop, snmp_drop_limit, 0, 100000000)
UNSIGNED_KEYWORD(cfg_ctl_idle, ctl_idle_s, 0, 86400)
UNSIGNED_KEYWORD(cfg_refresh, refresh_s, 0, 86400)
UNSIGNED_KEYWORD(cfg_digest, digest_interval_ms, 0, 600000)
UNSIGNED_KEYWORD(cfg_sync_hold_timeout, sync_hold_s, 0, 86400)
UNSIGNED_KEYWORD(cfg_sync_hold_prio, sync_hold_prio, VRRP_HA_HOLD_PRIO_MIN, VRRP_HA_HOLD_PRIO_MAX)
UNSIGNED_KEYWORD(cfg_switch_timeout, switch_timeout_ms, 100, 600000)

static void cfg_dataplane(const vector_t *strvec)
{
	static const struct choice tab[] = {{"auto", VRRP_HA_DP_AUTO},
	                                    {"seg6", VRRP_HA_DP_SEG6},
	                                    {"ip6tnl", VRRP_HA_DP_IP6TNL},
	                                    {"none", VRRP_HA_DP_NONE}};
	int v;

	if (!current_glue())
		return;
	v = (int)current_glue()->cfg.dataplane;
	get_choice(strvec, tab, sizeof(tab) / sizeof(tab[0]), &v, "auto, seg6, ip6tnl or none");
	current_glue()->cfg.dataplane = (enum vrrp_ha_dp_backend)v;
}

static void cfg_extensions(const vector_t *strvec)
{
	static const struct choice tab[] = {
	        {"auto", VRRP_HA_EXT_AUTO}, {"on", VRRP_HA_EXT_ON}, {"off", VRRP_HA_EXT_OFF}};
	int v;

	if (!current_glue())
		return;
	v = (int)current_glue()->cfg.extensions;
	get_choice(strvec, tab, sizeof(tab) / sizeof(tab[0]), &v, "auto, on or off");
	current_glue()->cfg.extensions = (enum vrrp_ha_ext_mode)v;
}

static void cfg_vha(const vector_t *strvec)
{
	struct vrrp_ha_glue *g = current_glue();
	struct in6_addr a;

	if (!g || !want_args(strvec, 1, 1))
		return;
	if (inet_pton(AF_INET6, strvec_slot(strvec, 1), &a) != 1 || IN6_IS_ADDR_MULTICAST(&a) ||
	    IN6_IS_ADDR_LINKLOCAL(&a) || IN6_IS_ADDR_UNSPECIFIED(&a)) {
		report_config_error(CONFIG_GENERAL_ERROR,
		                    "(%s) mipv6_ha: virtual_ha_address '%s' must be a global IPv6 "
		                    "unicast address",
		                    current_vrrp()->iname, strvec_slot(strvec, 1));
		return;
	}
	g->cfg.vha = a;
	g->vha_given = true;
}

/* KEYWORD [on|off]: on/yes/true or off/no/false; no argument means on. */
static void get_bool(const vector_t *strvec, bool *dst)
{
	const char *s;

	if (!current_glue() || !want_args(strvec, 0, 1))
		return;
	s = vector_size(strvec) > 1 ? strvec_slot(strvec, 1) : "on";
	if (!strcmp(s, "on") || !strcmp(s, "yes") || !strcmp(s, "true"))
		*dst = true;
	else if (!strcmp(s, "off") || !strcmp(s, "no") || !strcmp(s, "false"))
		*dst = false;
	else
		report_config_error(CONFIG_GENERAL_ERROR,
		                    "(%s) mipv6_ha: %s '%s' invalid, must be on or off",
		                    current_vrrp()->iname, strvec_slot(strvec, 0), s);
}

static void cfg_proxy_nd(const vector_t *strvec)
{
	if (current_glue())
		get_bool(strvec, &current_glue()->cfg.proxy_nd);
}

static void cfg_switch_accept(const vector_t *strvec)
{
	if (current_glue())
		get_bool(strvec, &current_glue()->cfg.switch_accept);
}

static void cfg_switch_on_track(const vector_t *strvec)
{
	if (current_glue())
		get_bool(strvec, &current_glue()->cfg.switch_on_track);
}

static void cfg_full_recovery(const vector_t *strvec)
{
	if (current_glue())
		get_bool(strvec, &current_glue()->cfg.full_recovery);
}

UNSIGNED_KEYWORD(cfg_pnd_kernel_max, pnd_kernel_max, 1, 1000000)
UNSIGNED_KEYWORD(cfg_fr_rate, fr_rate, 1, 1000000)
UNSIGNED_KEYWORD(cfg_fr_burst, fr_burst, 1, 1000000)
UNSIGNED_KEYWORD(cfg_fr_margin, fr_margin_s, 1, 86400)

UNSIGNED_KEYWORD(cfg_dp_table, dp_table, 1, 0xfffffffe)
UNSIGNED_KEYWORD(cfg_dp_decap_table, dp_decap_table, 1, 0xfffffffe)
UNSIGNED_KEYWORD(cfg_dp_rule_pref, dp_rule_pref, 1, 32765)
UNSIGNED_KEYWORD(cfg_dp_batch, dp_batch, 1, 4096)

/* ---- hard switch (RFC 5142, docs/hard-switch.md) ---------------------------- */

static void cfg_switch_mode(const vector_t *strvec)
{
	static const struct choice tab[] = {{"virtual", 0}, {"hard", 1}};
	int v;

	if (!current_glue())
		return;
	v = current_glue()->cfg.hard_switch;
	get_choice(strvec, tab, sizeof(tab) / sizeof(tab[0]), &v, "virtual or hard");
	current_glue()->cfg.hard_switch = v != 0;
}

static void cfg_ha_address(const vector_t *strvec)
{
	struct vrrp_ha_glue *g = current_glue();
	struct in6_addr a;

	if (!g || !want_args(strvec, 1, 1))
		return;
	/* the MN sends its Binding Update there (RFC 5142 6.1): a global
	 * unicast address of this node */
	if (inet_pton(AF_INET6, strvec_slot(strvec, 1), &a) != 1 || vrrp_ha_addr_unusable(&a) ||
	    IN6_IS_ADDR_SITELOCAL(&a)) {
		report_config_error(CONFIG_GENERAL_ERROR,
		                    "(%s) mipv6_ha: ha_address '%s' must be a global IPv6 unicast "
		                    "address of this home agent",
		                    current_vrrp()->iname, strvec_slot(strvec, 1));
		return;
	}
	g->cfg.ha_address = a;
}

static void cfg_ha_switch_to(const vector_t *strvec)
{
	static const struct choice tab[] = {{"coa", 0}, {"hoa", 1}};
	int v;

	if (!current_glue())
		return;
	v = current_glue()->cfg.ha_switch_to_hoa;
	get_choice(strvec, tab, sizeof(tab) / sizeof(tab[0]), &v, "coa or hoa");
	current_glue()->cfg.ha_switch_to_hoa = v != 0;
}

UNSIGNED_KEYWORD(cfg_ha_switch_rate, ha_switch_rate, 1, 1000000)
UNSIGNED_KEYWORD(cfg_ha_switch_burst, ha_switch_burst, 1, 100000)

/* ---- sync authentication (auth.h, docs/auth.md) ---------------------------- */

static void cfg_auth(const vector_t *strvec)
{
	static const struct choice tab[] = {{"off", VRRP_HA_AUTH_OFF},
	                                    {"encrypt", VRRP_HA_AUTH_ENCRYPT},
	                                    {"integrity", VRRP_HA_AUTH_INTEGRITY}};
	int v;

	if (!current_glue())
		return;
	v = (int)current_glue()->cfg.auth;
	get_choice(strvec, tab, sizeof(tab) / sizeof(tab[0]), &v, "off, encrypt or integrity");
	current_glue()->cfg.auth = (enum vrrp_ha_auth_mode)v;
}

/* Check the key file against alg (ANY: everything but the cipher), reported
 * at the current line. Returns: whether it is good. */
static bool check_key_file(struct vrrp_ha_glue *g, enum vrrp_ha_auth_alg alg)
{
	char err[PATH_MAX + 160];

	if (!vrrp_ha_auth_check_key_file(g->cfg.auth_key_file, alg, err, sizeof(err), NULL))
		return true;
	/* fail closed: an instance whose keys are bad does not sync at all */
	g->auth_key_failed = true;
	g->cfg.enabled = false;
	report_config_error(CONFIG_GENERAL_ERROR, "(%s) mipv6_ha: auth_key_file '%s': %s",
	                    g->vrrp->iname, g->cfg.auth_key_file, err);
	return false;
}

static void cfg_auth_cipher(const vector_t *strvec)
{
	static const struct choice tab[] = {{"aes-256-gcm", VRRP_HA_AUTH_AES256GCM},
	                                    {"chacha20-poly1305", VRRP_HA_AUTH_CHACHA20POLY1305}};
	struct vrrp_ha_glue *g = current_glue();
	int v;

	if (!g)
		return;
	v = (int)g->cfg.auth_cipher;
	get_choice(strvec, tab, sizeof(tab) / sizeof(tab[0]), &v,
	           "aes-256-gcm or chacha20-poly1305");
	g->cfg.auth_cipher = (enum vrrp_ha_auth_alg)v;
	g->auth_cipher_given = true;
	/* a key file given before this line is checked against the cipher here */
	if (g->cfg.auth_key_file)
		check_key_file(g, g->cfg.auth_cipher);
}

static void cfg_auth_key_file(const vector_t *strvec)
{
	struct vrrp_ha_glue *g = current_glue();

	if (!g)
		return;
	cfg_path(strvec, &g->cfg.auth_key_file, "auth_key_file");
	if (!g->cfg.auth_key_file) { /* refused (reported): not "missing" again */
		g->auth_key_failed = true;
		g->cfg.enabled = false;
		return;
	}
	/* the cipher, when auth_cipher comes later, is checked on its line */
	if (!check_key_file(g, g->auth_cipher_given ? g->cfg.auth_cipher : VRRP_HA_AUTH_ALG_ANY)) {
		free(g->cfg.auth_key_file);
		g->cfg.auth_key_file = NULL;
	}
}

static void cfg_auth_epoch_file(const vector_t *strvec)
{
	if (current_glue())
		cfg_path(strvec, &current_glue()->cfg.auth_epoch_file, "auth_epoch_file");
}

/* A warning that must not fail `keepalived -t` (report_config_error would:
 * any reported problem makes -t exit non-zero): on stderr under -t, else
 * to the log. */
static void config_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void config_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (__test_bit(CONFIG_TEST_BIT, &debug)) {
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	} else {
		vlog_message(LOG_WARNING, fmt, ap);
	}
	va_end(ap);
}

/* The closing brace of mipv6_ha { }: what needs the whole block. */
static void cfg_block_end(void)
{
	struct vrrp_ha_glue *g = current_glue();

	if (!g || !g->cfg.enabled || g->auth_key_failed)
		return;
	if (g->cfg.hard_switch && IN6_IS_ADDR_UNSPECIFIED(&g->cfg.ha_address))
		report_config_error(CONFIG_GENERAL_ERROR,
		                    "(%s) mipv6_ha: switch_mode hard needs ha_address (this home "
		                    "agent's own global address)",
		                    g->vrrp->iname);
	if (g->cfg.auth == VRRP_HA_AUTH_OFF) {
		config_warning("(%s) mipv6_ha: sync is unauthenticated (auth off): any host on the "
		               "link can forge bindings",
		               g->vrrp->iname);
		return;
	}
	if (!g->cfg.auth_key_file) {
		report_config_error(CONFIG_GENERAL_ERROR,
		                    "(%s) mipv6_ha: auth %s needs auth_key_file (or auth off)",
		                    g->vrrp->iname, vrrp_ha_auth_mode_name(g->cfg.auth));
		g->cfg.enabled = false; /* fail closed, as for a bad key file */
		return;
	}
	/* no auth_cipher line: the default cipher, checked here */
	if (!g->auth_cipher_given)
		check_key_file(g, g->cfg.auth_cipher);
}

static void cfg_rcvbuf(const vector_t *strvec)
{
	struct vrrp_ha_glue *g = current_glue();

	if (g)
		get_unsigned(strvec, &g->rcvbuf, 65536, 1U << 30);
}

void vrrp_ha_glue_install_keywords(void)
{
	install_keyword("mipv6_ha", &cfg_block_handler);
	install_sublevel();
	install_keyword("disable", &cfg_disable);
	install_keyword("address_owner", &cfg_owner);
	install_keyword("control_socket", &cfg_control_socket);
	install_keyword("control_idle_timeout", &cfg_ctl_idle);
	install_keyword("notify_restore", &cfg_notify_restore);
	install_keyword("notify_recover", &cfg_notify_recover);
	install_keyword("notify_dir", &cfg_notify_dir);
	install_keyword("notify_fifo", &cfg_notify_fifo);
	install_keyword("mtu", &cfg_mtu);
	install_keyword("burst_packets", &cfg_burst);
	install_keyword("pace_interval_us", &cfg_pace);
	install_keyword("coalesce_ms", &cfg_coalesce);
	install_keyword("request_timeout_ms", &cfg_req_timeout);
	install_keyword("request_retries", &cfg_req_retries);
	install_keyword("answer_grace_ms", &cfg_grace);
	install_keyword("restore_window_ms", &cfg_restore_window);
	install_keyword("tombstone_time", &cfg_tombstone);
	install_keyword("max_bindings", &cfg_max_bindings);
	install_keyword("log_interval", &cfg_log_interval);
	install_keyword("snmp_drop_threshold", &cfg_snmp_drop);
	install_keyword("refresh_interval", &cfg_refresh);
	install_keyword("digest_interval", &cfg_digest);
	install_keyword("sync_hold_timeout", &cfg_sync_hold_timeout);
	install_keyword("sync_hold_priority", &cfg_sync_hold_prio);
	install_keyword("socket_rcvbuf", &cfg_rcvbuf);
	install_keyword("dataplane", &cfg_dataplane);
	install_keyword("extensions", &cfg_extensions);
	install_keyword("proxy_nd", &cfg_proxy_nd);
	install_keyword("proxy_nd_kernel_max", &cfg_pnd_kernel_max);
	install_keyword("full_recovery", &cfg_full_recovery);
	install_keyword("switch_accept", &cfg_switch_accept);
	install_keyword("switch_timeout", &cfg_switch_timeout);
	install_keyword("switch_on_track", &cfg_switch_on_track);
	install_keyword("full_recovery_rate", &cfg_fr_rate);
	install_keyword("full_recovery_burst", &cfg_fr_burst);
	install_keyword("full_recovery_margin", &cfg_fr_margin);
	install_keyword("virtual_ha_address", &cfg_vha);
	install_keyword("dataplane_table", &cfg_dp_table);
	install_keyword("dataplane_decap_table", &cfg_dp_decap_table);
	install_keyword("dataplane_rule_pref", &cfg_dp_rule_pref);
	install_keyword("dataplane_batch", &cfg_dp_batch);
	install_keyword("auth", &cfg_auth);
	install_keyword("auth_cipher", &cfg_auth_cipher);
	install_keyword("auth_key_file", &cfg_auth_key_file);
	install_keyword("auth_epoch_file", &cfg_auth_epoch_file);
	install_keyword("switch_mode", &cfg_switch_mode);
	install_keyword("ha_address", &cfg_ha_address);
	install_keyword("ha_switch_rate", &cfg_ha_switch_rate);
	install_keyword("ha_switch_burst", &cfg_ha_switch_burst);
	install_keyword("ha_switch_to", &cfg_ha_switch_to);
	/* at sublevel 1 this names mipv6_ha's own closing brace */
	install_sublevel_end_handler(&cfg_block_end);
	install_sublevel_end();
}

bool vrrp_ha_glue_complete_instance(vrrp_t *vrrp)
{
	struct vrrp_ha_glue *g = glue_of(vrrp);

	if (!g)
		return true;
	if (vrrp->family != AF_INET6) {
		report_config_error(CONFIG_GENERAL_ERROR,
		                    "(%s) mipv6_ha needs an IPv6 instance (virtual HA address)",
		                    vrrp->iname);
		return false;
	}
	if (vrrp->version != VRRP_VERSION_3) {
		report_config_error(CONFIG_GENERAL_ERROR,
		                    "(%s) mipv6_ha needs VRRP version 3 (the 'version' keyword of "
		                    "instance %s)",
		                    vrrp->iname, vrrp->iname);
		return false;
	}
	if (vrrp->ifp)
		snprintf(g->cfg.ifname, sizeof(g->cfg.ifname), "%s", vrrp->ifp->ifname);
	{
		/* the virtual HA address: the first global address of the
		 * instance (the first VIP of a VRRPv3 IPv6 instance is its
		 * link-local one), unless virtual_ha_address names it; the
		 * home prefix is that VIP's prefix */
		ip_address_t *ip;

		list_for_each_entry(ip, &vrrp->vip, e_list)
		{
			if (ip->ifa.ifa_family != AF_INET6 ||
			    IN6_IS_ADDR_LINKLOCAL(&ip->u.sin6_addr) ||
			    (g->vha_given && !IN6_ARE_ADDR_EQUAL(&ip->u.sin6_addr, &g->cfg.vha)))
				continue;
			g->cfg.vha = ip->u.sin6_addr;
			g->cfg.home_prefix = ip->u.sin6_addr;
			g->cfg.home_plen = ip->ifa.ifa_prefixlen;
			break;
		}
	}
	if (g->cfg.proxy_nd && (!g->cfg.home_plen || g->cfg.home_plen == 128)) {
		report_config_error(
		        CONFIG_GENERAL_ERROR,
		        "(%s) mipv6_ha: proxy_nd needs the virtual HA address among the "
		        "virtual_ipaddress entries with its home prefix length",
		        vrrp->iname);
		return false;
	}
	if (g->cfg.dataplane != VRRP_HA_DP_NONE && IN6_IS_ADDR_UNSPECIFIED(&g->cfg.vha)) {
		report_config_error(CONFIG_GENERAL_ERROR,
		                    "(%s) mipv6_ha: dataplane needs a virtual HA address: a global "
		                    "IPv6 virtual_ipaddress or virtual_ha_address",
		                    vrrp->iname);
		return false;
	}
	return true;
}

/* ---- hooks -------------------------------------------------------------- */

bool vrrp_ha_glue_is_bc(const void *vrrp_hdr)
{
	uint8_t type = *(const uint8_t *)vrrp_hdr & 0x0f;

	return type == VRRP_HA_TYPE_BC_REQUEST || type == VRRP_HA_TYPE_BC_UPDATE ||
	       type == VRRP_HA_TYPE_EXT;
}

void vrrp_ha_glue_rx(vrrp_t *vrrp, const void *buf, size_t len, const sockaddr_t *src)
{
	struct vrrp_ha_glue *g = vrrp ? glue_of(vrrp) : NULL;
	const struct sockaddr_in6 *s6 = &src->in6;

	if (!g || !g->h) {
		time_t now = time(NULL);

		glue_rx_not_enabled++;
		if (now - glue_not_enabled_logged >= 10) {
			glue_not_enabled_logged = now;
			log_message(LOG_INFO,
			            "(%s) BC packet dropped: instance has no mipv6_ha block "
			            "(%" PRIu64 " so far)",
			            vrrp ? vrrp->iname : "no instance of its VRID",
			            glue_rx_not_enabled);
		}
		return;
	}
	vrrp_ha_rx(g->h, buf, len, vrrp->rx_ttl_hop_limit,
	           src->ss_family == AF_INET6 ? &s6->sin6_addr : NULL);
}

bool vrrp_ha_glue_rx_truncated(const void *sock, const void *buf, size_t len, const sockaddr_t *src)
{
	const uint8_t *p = buf;
	const struct in6_addr *from = src->ss_family == AF_INET6 ? &src->in6.sin6_addr : NULL;
	vrrp_t *vrrp;

	if (len < 2 || !vrrp_ha_glue_is_bc(buf))
		return false;
	list_for_each_entry(vrrp, &vrrp_data->vrrp, e_list)
	{
		struct vrrp_ha_glue *g = glue_of(vrrp);

		if ((const void *)vrrp->sockets != sock || vrrp->vrid != p[1])
			continue;
		if (g && g->h) {
			vrrp_ha_rx_truncated(g->h, len, from);
			return true;
		}
		break;
	}
	/* not one of our instances: counted keepalived-side, rate-limited */
	vrrp_ha_glue_rx(NULL, buf, len, src);
	return true;
}

void vrrp_ha_glue_state(vrrp_t *vrrp)
{
	struct vrrp_ha_glue *g = glue_of(vrrp);
	int s = vrrp->state;

	if (!g || !g->h)
		return;
	if (s > VRRP_STATE_FAULT) /* STOP / DELETED */
		s = VRRP_STATE_INIT;
	vrrp_ha_set_state(g->h, (enum vrrp_ha_state)s);
}

void vrrp_ha_glue_advert(vrrp_t *vrrp, const void *vrrp_hdr, bool master)
{
	struct vrrp_ha_glue *g = glue_of(vrrp);
	const vrrphdr_t *hd = vrrp_hdr;

	if (!g || !g->h || vrrp->pkt_saddr.ss_family != AF_INET6)
		return;
	vrrp_ha_advert(g->h, &vrrp->pkt_saddr.in6.sin6_addr, hd->priority, master);
}

/* ---- priority holds (keepalived side of ops->set_hold) ------------------ */

bool vrrp_ha_glue_held(const vrrp_t *vrrp)
{
	const struct vrrp_ha_glue *g = glue_of(vrrp);

	return g && g->hold_prio;
}

uint8_t vrrp_ha_glue_priority(const vrrp_t *vrrp, uint8_t prio)
{
	struct vrrp_ha_glue *g = glue_of(vrrp);

	/* keepalived's own priority with track weights, before any hold:
	 * failure triggers (keepalived ignores weights of a priority-255
	 * owner, so only a lower priority can trigger) */
	if (g && g->h)
		vrrp_ha_switch_tracked(g->h, prio);

	/* a hold only ever lowers: track weights below it still count */
	if (g && g->hold_prio && g->hold_prio < prio)
		return (uint8_t)g->hold_prio;
	return prio;
}

void vrrp_ha_glue_init_state(vrrp_t *vrrp)
{
	struct vrrp_ha_glue *g = glue_of(vrrp);

	if (!g || !g->cfg.enabled)
		return;
	/* vrrp_init_state() decides here, before vrrp_ha_glue_start_all()
	 * creates (or resumes) the library instance: a fresh instance starts
	 * with the SYNC hold its vrrp_ha_start() will put on; after a reload
	 * the instance keeps the holds it had */
	g->hold_prio = g->h ? vrrp_ha_held_prio(g->h) : vrrp_ha_config_start_hold(&g->cfg);
	if (!g->hold_prio || g->hold_prio >= vrrp->effective_priority)
		return;
	log_message(LOG_INFO, "(%s) mipv6_ha: starting with priority %u (held, base priority %d)",
	            vrrp->iname, g->hold_prio, vrrp->base_priority);
	vrrp->effective_priority = (uint8_t)g->hold_prio;
}

/* ---- unicast BC receive socket (multicast mode) -------------------------- */

static void ucast_close(struct vrrp_ha_glue *g)
{
	if (g->ucast_fd < 0)
		return;
	glue_unwatch_fd(g, g->ucast_fd);
	close(g->ucast_fd);
	g->ucast_fd = -1;
}

/* One wake-up of the unicast socket: at most GLUE_UCAST_BATCH packets; only
 * BC and extension packets (12, 14, 15) of our VRID reach the library. The
 * kernel checked the checksum (IPV6_CHECKSUM). */
static void ucast_read(void *data, int fd, int events)
{
	struct vrrp_ha_glue *g = data;
	vrrp_t *vrrp = g->vrrp;

	for (int i = 0; i < GLUE_UCAST_BATCH; i++) {
		union {
			char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct in6_pktinfo))];
			struct cmsghdr align;
		} cbuf;
		struct sockaddr_in6 from;
		bool mcast = false;
		struct iovec iov = {.iov_base = g->ucast_buf, .iov_len = g->ucast_cap};
		struct msghdr msg = {.msg_name = &from,
		                     .msg_namelen = sizeof(from),
		                     .msg_iov = &iov,
		                     .msg_iovlen = 1,
		                     .msg_control = cbuf.buf,
		                     .msg_controllen = sizeof(cbuf.buf)};
		struct cmsghdr *c;
		int hop = -1;
		ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);

		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				g->ucast_errors++;
			return;
		}
		for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level != IPPROTO_IPV6)
				continue;
			if (c->cmsg_type == IPV6_HOPLIMIT && c->cmsg_len >= CMSG_LEN(sizeof(int)))
				memcpy(&hop, CMSG_DATA(c), sizeof(hop));
			else if (c->cmsg_type == IPV6_PKTINFO &&
			         c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo)))
				mcast = IN6_IS_ADDR_MULTICAST(
				        &((const struct in6_pktinfo *)(const void *)CMSG_DATA(c))
				                 ->ipi6_addr);
		}
		/* multicast is keepalived's socket's (IPV6_MULTICAST_ALL is off
		 * here; this guards against a kernel that ignores it); and as
		 * keepalived's own receive path: nothing for INIT/FAULT */
		if (n < 2 || mcast || !g->h || !vrrp || !vrrp_ha_glue_is_bc(g->ucast_buf) ||
		    g->ucast_buf[1] != vrrp->vrid ||
		    (vrrp->state != VRRP_STATE_BACK && vrrp->state != VRRP_STATE_MAST)) {
			g->ucast_ignored++;
			continue;
		}
		g->ucast_rx++;
		if (msg.msg_flags & MSG_TRUNC)
			vrrp_ha_rx_truncated(g->h, (size_t)n, &from.sin6_addr);
		else
			vrrp_ha_rx(g->h, g->ucast_buf, (size_t)n, hop, &from.sin6_addr);
	}
}

/* Open (or keep, or close) the unicast BC socket as the instance's mode and
 * source address ask: multicast mode only (with unicast_peer keepalived's
 * own socket receives unicast). */
static void ucast_open(struct vrrp_ha_glue *g)
{
	vrrp_t *vrrp = g->vrrp;
	struct sockaddr_in6 sa;
	int fd, on = 1, zero = 0, off = 6, sz = (int)g->rcvbuf;
	size_t cap;

	g->ucast_retry_ms = 0;
	if (!vrrp || !vrrp->ifp || __test_bit(VRRP_FLAG_UNICAST, &vrrp->flags)) {
		ucast_close(g);
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin6_family = AF_INET6;
	sa.sin6_addr = vrrp->saddr.ss_family == AF_INET6 ? vrrp->saddr.in6.sin6_addr
	                                                 : vrrp->ifp->sin6_addr;
	sa.sin6_scope_id = (uint32_t)IF_INDEX(vrrp->ifp);
	if (g->ucast_fd >= 0 && IN6_ARE_ADDR_EQUAL(&sa.sin6_addr, &g->ucast_addr.sin6_addr) &&
	    sa.sin6_scope_id == g->ucast_addr.sin6_scope_id)
		return;
	ucast_close(g);
	cap = vrrp->ifp->mtu > 1500 ? vrrp->ifp->mtu : 1500;
	if (cap > g->ucast_cap) {
		uint8_t *b = realloc(g->ucast_buf, cap);

		if (!b)
			goto fail;
		g->ucast_buf = b;
		g->ucast_cap = cap;
	}
	fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_VRRP);
	if (fd < 0)
		goto fail;
	/* a raw socket bound to a unicast address still gets every multicast
	 * packet of its protocol for groups any socket of the host joined
	 * (ff02::12 by keepalived's) unless IPV6_MULTICAST_ALL is off: those
	 * would reach the library twice */
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_CHECKSUM, &off, sizeof(off)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof(on)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, &zero, sizeof(zero)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		goto fail;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (glue_watch_fd(g, fd, VRRP_HA_EV_READ, ucast_read, g)) {
		close(fd);
		goto fail;
	}
	g->ucast_fd = fd;
	g->ucast_addr = sa;
	return;
fail:
	log_message(LOG_ERR,
	            "(%s) mipv6_ha: cannot open the unicast BC socket on %s: %m (retried "
	            "every %d s)",
	            vrrp->iname, vrrp->ifp->ifname, GLUE_UCAST_RETRY_MS / 1000);
	g->ucast_retry_ms = glue_now_ms(g) + GLUE_UCAST_RETRY_MS;
}

/* mkdir the control socket's directory if it is missing (one level: the
 * config check made sure its parent exists). */
static void make_parent_dir(const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return;
	*slash = 0;
	if (mkdir(dir, 0755) && errno != EEXIST)
		log_message(LOG_ERR, "mipv6_ha: cannot create %s: %m", dir);
}

static void ctl_try_open(struct vrrp_ha_glue *g);

static void ctl_retry_thread(thread_ref_t thread)
{
	struct vrrp_ha_glue *g = THREAD_ARG(thread);

	g->ctl_retry = NULL;
	if (g->h && !g->ctl && g->cfg.ctl_path)
		ctl_try_open(g);
}

/* Open the control socket. Without it the mobility daemon cannot feed the
 * binding cache, so the instance must not serve as MASTER: it is held in
 * FAULT (as a failed track script would) until the socket opens, retried
 * every GLUE_CTL_RETRY_S seconds. */
static void ctl_try_open(struct vrrp_ha_glue *g)
{
	vrrp_t *vrrp = g->vrrp;

	make_parent_dir(g->cfg.ctl_path);
	g->ctl = vrrp_ha_ctl_open(g->h, &glue_ops, g, g->cfg.ctl_path, g->cfg.ctl_mode);
	if (g->ctl) {
		if (g->ctl_fault) {
			g->ctl_fault = false;
			log_message(LOG_INFO,
			            "(%s) mipv6_ha: control socket %s open, leaving FAULT",
			            vrrp->iname, g->cfg.ctl_path);
			try_up_instance(vrrp, false);
		}
		return;
	}
	if (!g->ctl_fault) {
		g->ctl_fault = true;
		log_message(LOG_ERR,
		            "(%s) mipv6_ha: no control socket %s: instance held in FAULT, retried "
		            "every %d s",
		            vrrp->iname, g->cfg.ctl_path, GLUE_CTL_RETRY_S);
		down_instance(vrrp);
	}
	if (!g->ctl_retry)
		g->ctl_retry = thread_add_timer(master, ctl_retry_thread, g,
		                                (unsigned long)GLUE_CTL_RETRY_S * TIMER_HZ);
}

static void glue_start(struct vrrp_ha_glue *g)
{
	vrrp_t *vrrp = g->vrrp;
	struct vrrp_ha_config cfg = g->cfg;
	int sz;
	socklen_t sl = sizeof(sz);

	if (!cfg.mtu && vrrp->ifp && vrrp->ifp->mtu)
		cfg.mtu = vrrp->ifp->mtu;
	if (vrrp->ifp)
		snprintf(cfg.ifname, sizeof(cfg.ifname), "%s", vrrp->ifp->ifname);
	/* our link-local source: requests naming us, the AUTH key derivation */
	if (vrrp->saddr.ss_family == AF_INET6)
		cfg.own_ll = ((const struct sockaddr_in6 *)(const void *)&vrrp->saddr)->sin6_addr;
	if (!g->h) {
		g->h = vrrp_ha_new(&cfg, &glue_ops, g, vrrp->iname, vrrp->vrid,
		                   vrrp->base_priority);
		if (!g->h) {
			log_message(LOG_ERR, "(%s) mipv6_ha: out of memory", vrrp->iname);
			return;
		}
		/* SNMP sees its first events (a restoring owner's request) */
		vrrp_ha_glue_snmp_sync_instances();
	} else if (vrrp_ha_reconfigure(g->h, &cfg, g, vrrp->vrid, vrrp->base_priority)) {
		log_message(LOG_ERR, "(%s) mipv6_ha: reconfigure failed", vrrp->iname);
	}
	if (g->ctl && (!cfg.ctl_path || strcmp(cfg.ctl_path, vrrp_ha_ctl_path(g->ctl)))) {
		vrrp_ha_ctl_close(g->ctl);
		g->ctl = NULL;
	}
	if (!g->ctl && cfg.ctl_path)
		ctl_try_open(g);

	if (vrrp->sockets && vrrp->sockets->fd_in >= 0 &&
	    !getsockopt(vrrp->sockets->fd_in, SOL_SOCKET, SO_RCVBUF, &sz, &sl) &&
	    (unsigned)sz < g->rcvbuf) {
		sz = (int)g->rcvbuf;
		if (setsockopt(vrrp->sockets->fd_in, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
			setsockopt(vrrp->sockets->fd_in, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	ucast_open(g);
	glue_ep_arm(g);
	vrrp_ha_start(g->h);
	if (vrrp->state <= VRRP_STATE_FAULT)
		vrrp_ha_set_state(g->h, (enum vrrp_ha_state)vrrp->state);
}

void vrrp_ha_glue_start_all(void)
{
	vrrp_t *vrrp;

	list_for_each_entry(vrrp, &vrrp_data->vrrp, e_list)
	{
		if (vrrp->mipv6_ha)
			glue_start(vrrp->mipv6_ha);
	}
	vrrp_ha_glue_snmp_sync();
}

struct vrrp_ha *vrrp_ha_glue_handle(const vrrp_t *vrrp)
{
	const struct vrrp_ha_glue *g = glue_of(vrrp);

	return g ? g->h : NULL;
}

void vrrp_ha_glue_reload(vrrp_t *old_vrrp, vrrp_t *vrrp)
{
	struct vrrp_ha_glue *og = glue_of(old_vrrp), *ng = glue_of(vrrp);

	if (!og || !og->h)
		return;
	/* thread_cleanup_master() already freed every thread */
	forget_threads(og);
	if (!ng) {
		/* mipv6_ha removed from the instance: free_vrrp(old) closes it */
		return;
	}
	/* The tables, counters, epoll set and control socket move to the new
	 * vrrp_t now (the old one is freed before glue_start() runs);
	 * glue_start() from vrrp_dispatcher_init applies the rest. */
	ng->h = og->h;
	ng->ctl = og->ctl;
	ng->watches = og->watches;
	ng->epfd = og->epfd;
	ng->hold_prio = og->hold_prio;
	ng->ucast_fd = og->ucast_fd;
	ng->ucast_addr = og->ucast_addr;
	ng->ucast_buf = og->ucast_buf;
	ng->ucast_cap = og->ucast_cap;
	og->h = NULL;
	og->ctl = NULL;
	og->watches = NULL;
	og->epfd = -1;
	og->ucast_fd = -1;
	og->ucast_buf = NULL;
	og->ucast_cap = 0;
	/* its watch pointed at the old glue; glue_start() reopens the socket
	 * if the mode or the source address changed */
	if (ng->ucast_fd >= 0) {
		struct glue_watch *w = watch_find(ng, ng->ucast_fd);

		if (w)
			w->data = ng;
	}
	if (vrrp_ha_reconfigure(ng->h, &ng->cfg, ng, vrrp->vrid, vrrp->base_priority))
		log_message(LOG_ERR, "(%s) mipv6_ha: reconfigure failed", vrrp->iname);
	if (ng->ctl)
		vrrp_ha_ctl_rebind(ng->ctl, ng->h, ng);
}

void vrrp_ha_glue_free(vrrp_t *vrrp)
{
	struct vrrp_ha_glue *g = glue_of(vrrp);
	struct glue_watch *w;

	if (!g)
		return;
	/* keepalived frees vrrp_t only after thread_destroy_master() (stop) or
	 * thread_cleanup_master() (reload): our thread refs are already gone */
	forget_threads(g);
	vrrp_ha_ctl_close(g->ctl);
	vrrp_ha_glue_snmp_forget(g->h);
	vrrp_ha_free(g->h);
	ucast_close(g);
	free(g->ucast_buf);
	while ((w = g->watches)) {
		g->watches = w->next;
		free(w);
	}
	if (g->epfd >= 0)
		close(g->epfd);
	vrrp_ha_config_clear(&g->cfg);
	free(g);
	vrrp->mipv6_ha = NULL;
}

void vrrp_ha_glue_dump(FILE *fp, const vrrp_t *vrrp)
{
	const struct vrrp_ha_glue *g = glue_of(vrrp);
	char json[4096];

	if (!g)
		return;
	/* conf_write: fp NULL means the start-up dump to syslog */
	conf_write(fp, "   mipv6_ha = %s", g->cfg.enabled ? "enabled" : "disabled");
	conf_write(fp, "     control_socket = %s", g->cfg.ctl_path ? g->cfg.ctl_path : "(none)");
	conf_write(fp, "     extensions = %s",
	           g->cfg.extensions == VRRP_HA_EXT_ON    ? "on"
	           : g->cfg.extensions == VRRP_HA_EXT_OFF ? "off"
	                                                  : "auto");
	conf_write(fp, "     auth = %s, cipher %s, key file %s",
	           vrrp_ha_auth_mode_name(g->cfg.auth), vrrp_ha_auth_alg_name(g->cfg.auth_cipher),
	           g->cfg.auth_key_file ? g->cfg.auth_key_file : "(none)");
	conf_write(fp, "     sync_hold_timeout = %u, sync_hold_priority = %u", g->cfg.sync_hold_s,
	           g->cfg.sync_hold_prio);
	conf_write(fp, "     held at = %u", g->hold_prio);
	if (g->ucast_fd >= 0)
		conf_write(fp,
		           "     unicast BC socket: rx = %" PRIu64 ", ignored = %" PRIu64
		           ", errors = %" PRIu64,
		           g->ucast_rx, g->ucast_ignored, g->ucast_errors);
	if (g->h) {
		conf_write(fp, "     address owner = %s", vrrp_ha_is_owner(g->h) ? "yes" : "no");
		conf_write(fp, "     rbc = %zu, bc = %zu", rbc_count(vrrp_ha_get_rbc(g->h)),
		           rbc_count(vrrp_ha_get_bc(g->h)));
		vrrp_ha_counters_json(g->h, json, sizeof(json));
		conf_write(fp, "     counters = %s", json);
	}
	conf_write(fp, "     BC packets for instances without mipv6_ha = %" PRIu64,
	           glue_rx_not_enabled);
}
