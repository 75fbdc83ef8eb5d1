/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_test_server - one vrrp_ha instance (VI_1, VRID 1, MASTER) serving its
 * control socket from test_loop, for the vrrp-ha-ctl tests and for
 * measuring import/show rates by hand.
 *
 * usage: ctl_test_server SOCKET [MODE_OCTAL] [PRIORITY]
 *        ctl_test_server SOCKET stall
 * Runs until SIGTERM or SIGINT; sent packets are counted, not kept. "stall"
 * listens and never accepts: a server that does not answer.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "test_loop.h"
#include "vrrp_ha/ctl.h"

static void on_timer(void *arg)
{
	vrrp_ha_timer(arg);
}

static void on_signal(void *data, int fd, int events)
{
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof(si)) > 0)
		test_loop_stop(data);
}

static int stall(const char *path, const sigset_t *ss)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0), sig;

	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path))
		return 1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 8) < 0)
		return 1;
	sigwait(ss, &sig);
	close(fd);
	unlink(path);
	return 0;
}

int main(int argc, char **argv)
{
	struct vrrp_ha_config cfg;
	struct test_loop *l;
	struct vrrp_ha *h;
	struct vrrp_ha_ctl *c;
	unsigned mode = 0600, prio = 255;
	sigset_t ss;
	int sfd;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: %s SOCKET [MODE_OCTAL] [PRIORITY]\n", argv[0]);
		return 2;
	}
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	if (argc == 3 && !strcmp(argv[2], "stall"))
		return stall(argv[1], &ss);
	if (argc > 2)
		mode = (unsigned)strtoul(argv[2], NULL, 8);
	if (argc > 3)
		prio = (unsigned)strtoul(argv[3], NULL, 10);
	sfd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC);

	l = test_loop_new();
	if (!l || sfd < 0)
		return 1;
	test_loop_keep_packets(l, 0);
	test_loop_set_log_level(l, LOG_INFO);
	vrrp_ha_config_defaults(&cfg);
	cfg.enabled = true;
	h = vrrp_ha_new(&cfg, test_loop_ops(), l, "VI_1", 1, prio);
	if (!h)
		return 1;
	test_loop_set_timer_cb(l, on_timer, h);
	vrrp_ha_start(h);
	vrrp_ha_set_state(h, VRRP_HA_ST_MASTER);
	c = vrrp_ha_ctl_open(h, test_loop_ops(), l, argv[1], mode);
	if (!c)
		return 1;
	test_loop_ops()->watch_fd(l, sfd, VRRP_HA_EV_READ, on_signal, l);
	test_loop_run_until(l, NULL, NULL, 24 * 3600 * 1000);

	fprintf(stderr, "ctl_test_server: %llu packets sent\n",
	        (unsigned long long)test_loop_sent(l));
	vrrp_ha_ctl_close(c);
	test_loop_ops()->unwatch_fd(l, sfd);
	close(sfd);
	vrrp_ha_free(h);
	vrrp_ha_config_clear(&cfg);
	test_loop_free(l);
	return 0;
}
