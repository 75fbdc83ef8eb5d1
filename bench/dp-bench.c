/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dp-bench - vrrp_ha data plane timings in a private network namespace:
 * pre-staging rate, activate()/deactivate() duration with N routes staged,
 * removal rate, free().
 *
 *   dp-bench [-n bindings] [-b batch] [-p pause_us] [-F] [-G] [-r repeats]
 *
 * -p: pause between commit() calls while changes remain queued (ENOMEM
 * back-off; the caller paces in keepalived too). -F: no nftables filter
 * (implies -G). -G: no mark gate: activation adds/removes fib rules.
 * Output: one "key value" line per figure.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "vrrp_ha/dataplane.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void logger(void *arg, int prio, const char *msg)
{
	if (prio <= LOG_WARNING)
		fprintf(stderr, "dp: %s\n", msg);
}

static struct in6_addr addr(const char *prefix, unsigned i)
{
	struct in6_addr a;

	inet_pton(AF_INET6, prefix, &a);
	a.s6_addr[12] = (uint8_t)(i >> 24);
	a.s6_addr[13] = (uint8_t)(i >> 16);
	a.s6_addr[14] = (uint8_t)(i >> 8);
	a.s6_addr[15] = (uint8_t)i;
	return a;
}

/* commit until nothing is queued; returns commit() calls */
static unsigned drain(struct vrrp_ha_dp *dp, unsigned pause_us)
{
	struct timespec ts = {0, (long)pause_us * 1000};
	unsigned calls = 0;

	while (vrrp_ha_dp_commit(dp, 0)) {
		calls++;
		if (pause_us)
			nanosleep(&ts, NULL);
	}
	return calls + 1;
}

int main(int argc, char **argv)
{
	unsigned n = 100000, batch = 128, pause_us = 500, repeats = 5, i, r;
	struct vrrp_ha_dp_config c;
	struct vrrp_ha_dp *dp;
	int opt, filter = 1, gate = 1;
	double t, t_act = 0, t_act_max = 0, t_deact = 0;

	while ((opt = getopt(argc, argv, "n:b:p:FGr:")) != -1) {
		switch (opt) {
		case 'n':
			n = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'b':
			batch = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'p':
			pause_us = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'F':
			filter = 0;
			break;
		case 'G':
			gate = 0;
			break;
		case 'r':
			repeats = (unsigned)strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: dp-bench [-n N] [-b batch] [-p pause_us] [-F] [-G] "
			                "[-r R]\n");
			return 2;
		}
	}
	if (!repeats)
		repeats = 1;
	if (unshare(CLONE_NEWNET) < 0) {
		perror("unshare(CLONE_NEWNET) (needs root)");
		return 77;
	}
	if (system("ip link set lo up && ip link add dph0 type veth peer name dph1 && "
	           "ip link set dph0 up && ip link set dph1 up && "
	           "ip -6 addr add 2001:db8:1::1/64 dev dph0 nodad") != 0)
		return 1;
	vrrp_ha_dp_config_defaults(&c, 1);
	inet_pton(AF_INET6, "2001:db8:1::100", &c.vha);
	snprintf(c.ifname, sizeof(c.ifname), "dph0");
	c.batch = batch;
	c.filter = filter;
	if (!gate || !filter)
		c.gate_mark = 0;
	t = now_s();
	dp = vrrp_ha_dp_new(&c, logger, NULL);
	if (!dp)
		return 1;
	printf("backend %s\nfilter %d\ngate %d\nbindings %u\nbatch %u\npause_us %u\n",
	       vrrp_ha_dp_backend_name(vrrp_ha_dp_backend(dp)), filter, c.gate_mark != 0, n, batch,
	       pause_us);
	printf("new_ms %.2f\n", (now_s() - t) * 1e3);

	t = now_s();
	for (i = 0; i < n; i++) {
		struct in6_addr h = addr("2001:db8:100::", i), a = addr("2001:db8:2::", i % 1000);

		if (vrrp_ha_dp_stage(dp, &h, &a) < 0)
			return 1;
	}
	printf("queue_s %.4f\n", now_s() - t);
	r = drain(dp, pause_us);
	t = now_s() - t;
	printf("stage_s %.3f\nstage_rate %.0f\ncommit_calls %u\nenomem_retries %llu\n"
	       "route_errors %llu\n",
	       t, n / t, r, (unsigned long long)vrrp_ha_dp_counters(dp)->enomem_retries,
	       (unsigned long long)vrrp_ha_dp_counters(dp)->route_errors);

	for (r = 0; r < repeats; r++) {
		double a;

		t = now_s();
		if (vrrp_ha_dp_activate(dp))
			return 1;
		a = now_s() - t;
		t_act += a;
		if (a > t_act_max)
			t_act_max = a;
		t = now_s();
		if (vrrp_ha_dp_deactivate(dp))
			return 1;
		t_deact += now_s() - t;
	}
	printf("activate_ms_avg %.3f\nactivate_ms_max %.3f\ndeactivate_ms_avg %.3f\n",
	       t_act / repeats * 1e3, t_act_max * 1e3, t_deact / repeats * 1e3);

	t = now_s();
	for (i = 0; i < n; i++) {
		struct in6_addr h = addr("2001:db8:100::", i);

		vrrp_ha_dp_unstage(dp, &h);
	}
	drain(dp, pause_us);
	t = now_s() - t;
	printf("remove_s %.3f\nremove_rate %.0f\n", t, n / t);

	/* free() with everything staged: dump + batched deletes */
	for (i = 0; i < n; i++) {
		struct in6_addr h = addr("2001:db8:100::", i), a = addr("2001:db8:2::", i % 1000);

		vrrp_ha_dp_stage(dp, &h, &a);
	}
	drain(dp, pause_us);
	t = now_s();
	vrrp_ha_dp_free(dp);
	printf("free_s %.3f\n", now_s() - t);
	return 0;
}
