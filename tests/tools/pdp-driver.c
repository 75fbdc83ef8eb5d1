/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pdp-driver - the data plane's proxy binding API (dataplane.h) driven line
 * by line from stdin, for tests/integration/proxy_recovery.sh (the PMIPv6
 * records that would stage them through keepalived are not wired yet).
 *
 *   pdp-driver VHA IFNAME            (in the LMA's network namespace)
 *
 * Commands, one per line; each answers one line "ok", "ok N" or "err ...":
 *   stage PCOA PREFIX/LEN [PREFIX/LEN ...]   queue a proxy binding
 *   unstage PREFIX/LEN ...                   queue removals
 *   commit                                   send all (ENOMEM retried, bounded)
 *   pcoa PCOA on|off                         vrrp_ha_dp_activate_pcoa
 *   activate | deactivate                    the whole instance (MASTER / BACKUP)
 *   count                                    "ok N": proxy pairs in the filter
 * End of input frees the handle (routes, rules and filter go) and exits 0.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "vrrp_ha/dataplane.h"

static void logger(void *arg, int prio, const char *msg)
{
	(void)arg;
	if (prio <= LOG_INFO)
		fprintf(stderr, "pdp-driver: %s\n", msg);
}

/* "PREFIX/LEN" into h. Returns: 0, -1. */
static int parse_hnp(char *s, struct vrrp_ha_dp_hnp *h)
{
	char *slash = strchr(s, '/'), *end;
	long len;

	if (!slash)
		return -1;
	*slash = 0;
	len = strtol(slash + 1, &end, 10);
	if (*end || len < 1 || len > 128 || inet_pton(AF_INET6, s, &h->prefix) != 1)
		return -1;
	h->len = (uint8_t)len;
	return 0;
}

static int run(struct vrrp_ha_dp *dp, char *line)
{
	struct vrrp_ha_dp_hnp h[16];
	struct in6_addr pcoa;
	char *tok = strtok(line, " \t\n"), *a;
	size_t n = 0;
	int i;

	if (!tok)
		return -1;
	if (!strcmp(tok, "stage") || !strcmp(tok, "unstage")) {
		int stage = tok[0] == 's';

		if (stage && (!(a = strtok(NULL, " \t\n")) || inet_pton(AF_INET6, a, &pcoa) != 1))
			return -1;
		while ((a = strtok(NULL, " \t\n")) && n < 16)
			if (parse_hnp(a, &h[n++]) < 0)
				return -1;
		if (!n)
			return -1;
		return stage ? vrrp_ha_dp_stage_proxy(dp, &pcoa, h, n)
		             : vrrp_ha_dp_unstage_proxy(dp, h, n);
	}
	if (!strcmp(tok, "commit")) {
		struct timespec ts = {0, 2000000};

		for (i = 0; i < 500 && vrrp_ha_dp_commit(dp, 0); i++)
			nanosleep(&ts, NULL);
		return vrrp_ha_dp_pending(dp) ? -1 : 0;
	}
	if (!strcmp(tok, "pcoa")) {
		if (!(a = strtok(NULL, " \t\n")) || inet_pton(AF_INET6, a, &pcoa) != 1 ||
		    !(a = strtok(NULL, " \t\n")) || (strcmp(a, "on") && strcmp(a, "off")))
			return -1;
		return vrrp_ha_dp_activate_pcoa(dp, &pcoa, !strcmp(a, "on"));
	}
	if (!strcmp(tok, "activate"))
		return vrrp_ha_dp_activate(dp);
	if (!strcmp(tok, "deactivate"))
		return vrrp_ha_dp_deactivate(dp);
	if (!strcmp(tok, "count")) {
		long c = vrrp_ha_dp_proxy_filter_count(dp, 0);

		if (c < 0)
			return -1;
		printf("ok %ld\n", c);
		return 1;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct vrrp_ha_dp_config c;
	struct vrrp_ha_dp *dp;
	char line[1024];

	if (argc != 3) {
		fprintf(stderr, "usage: pdp-driver VHA IFNAME\n");
		return 2;
	}
	vrrp_ha_dp_config_defaults(&c, 61);
	if (inet_pton(AF_INET6, argv[1], &c.vha) != 1) {
		fprintf(stderr, "pdp-driver: bad VHA %s\n", argv[1]);
		return 2;
	}
	snprintf(c.ifname, sizeof(c.ifname), "%s", argv[2]);
	dp = vrrp_ha_dp_new(&c, logger, NULL);
	if (!dp)
		return 1;
	printf("ok ready\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		int rc = run(dp, line);

		if (rc == 0)
			printf("ok\n");
		else if (rc < 0)
			printf("err\n");
		fflush(stdout);
	}
	vrrp_ha_dp_free(dp);
	return 0;
}
