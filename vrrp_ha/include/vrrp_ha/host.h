/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * host.h - what the host (the keepalived glue, or a test loop) provides to
 * the library: the ground floor every other header may include, and which
 * includes nothing of ours.
 *
 * The library owns no VRRP socket and no event loop. The host hands an
 * instance one ops table and an opaque ctx that is passed back unchanged;
 * sub-modules (data plane, proxy ND, full recovery, the control socket) get
 * the same table shape with the instance as ctx, so they follow the host's
 * ctx when it changes on a reload.
 */
#ifndef VRRP_HA_HOST_H
#define VRRP_HA_HOST_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

/* keepalived's states (include/vrrp.h), mirrored so the library stays free
 * of keepalived headers. */
enum vrrp_ha_state {
	VRRP_HA_ST_INIT = 0,
	VRRP_HA_ST_BACKUP = 1,
	VRRP_HA_ST_MASTER = 2,
	VRRP_HA_ST_FAULT = 3,
	VRRP_HA_ST__COUNT
};

/* Returns: "INIT", "BACKUP", "MASTER", "FAULT" or "UNKNOWN". */
const char *vrrp_ha_state_name(enum vrrp_ha_state s);

/* Poll-style events for watch_fd. */
#define VRRP_HA_EV_READ  1
#define VRRP_HA_EV_WRITE 2

typedef void (*vrrp_ha_fd_cb)(void *data, int fd, int events);

/* What the host provides. ctx is passed back unchanged. Only now_ms is
 * mandatory; a missing callback disables what needs it. */
struct vrrp_ha_ops {
	/* monotonic milliseconds */
	uint64_t (*now_ms)(void *ctx);
	/* Send one VRRP packet (VRRP header onward) the way adverts go: from the
	 * instance's link-local source to ff02::12 or to every unicast peer, hop
	 * limit 255, kernel checksum. Returns: 0, or -1 with errno set
	 * (EAGAIN/ENOBUFS mean "try again later"). */
	int (*send)(void *ctx, const uint8_t *pkt, size_t len);
	/* Arm the instance's single timer (replacing any armed one) so that
	 * vrrp_ha_timer() runs after delay_us. */
	void (*set_timer)(void *ctx, uint64_t delay_us);
	/* Call cb when fd is readable/writable; stays armed until unwatch_fd or
	 * a later watch_fd on the same fd changes the events. Level-triggered:
	 * cb runs again on every loop iteration while the fd stays ready (the
	 * control socket relies on this to resume bounded work through a WRITE
	 * watch). Returns: 0 or -1. */
	int (*watch_fd)(void *ctx, int fd, int events, vrrp_ha_fd_cb cb, void *data);
	void (*unwatch_fd)(void *ctx, int fd);
	/* syslog priority + message (no newline) */
	void (*log)(void *ctx, int prio, const char *msg);
	/* Run argv[0] with argv asynchronously; the host reaps the child.
	 * Returns: 0 if started. */
	int (*run_script)(void *ctx, char *const argv[]);
	/* Optional: monotonic microseconds. With it, a pacing tick is
	 * scheduled from the start of the previous burst rather than its end. */
	uint64_t (*now_us)(void *ctx);
	/* Optional: send one VRRP packet (VRRP header onward) unicast to the
	 * link-local address dst on the instance's interface: source the
	 * instance's link-local address, hop limit 255, kernel checksum, never
	 * blocking. Returns: 0, or -1 with errno set (EAGAIN/ENOBUFS: try again
	 * later; EINVAL: dst is not link-local). */
	int (*send_to)(void *ctx, const uint8_t *pkt, size_t len, const struct in6_addr *dst);
	/* Optional: hold the instance's VRRP priority at prio (1..254) whatever
	 * the host would use otherwise (address owner, track weights), never
	 * above what it would use; 0 releases the hold and the host's own
	 * priority rules apply again. Called on every change of the effective
	 * hold (hold.h reasons, vrrp_ha_hold()). */
	void (*set_hold)(void *ctx, unsigned prio);
	/* Optional: a consented switch (harp.md): a BACKUP instance takes over
	 * now, through the host's own master-down path, as if the master had
	 * stopped advertising (its adverts, addresses, notify scripts follow).
	 * Called from the library's timer only, never inside vrrp_ha_rx().
	 * Returns: 0 if the host started it, -1 (not BACKUP, unsupported). */
	int (*become_master)(void *ctx);
};

#endif
