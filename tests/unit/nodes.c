/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nodes.c - the multi-instance harness of the unit tests (nodes.h).
 */
#include "nodes.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>

static void timer_cb(void *arg)
{
	vrrp_ha_timer(arg);
}

static void node_start(struct node *n, const char *name, unsigned prio,
                       const struct vrrp_ha_config *cfg_in)
{
	struct vrrp_ha_config cfg;

	if (cfg_in)
		cfg = *cfg_in;
	else
		vrrp_ha_config_defaults(&cfg);
	cfg.enabled = true;
	/* node "A" sends from fe80::1, "B" from fe80::2, ... (nodes_carry) */
	inet_pton(AF_INET6, "fe80::1", &cfg.own_ll);
	cfg.own_ll.s6_addr[15] = (uint8_t)(name[0] - 'A' + 1);
	n->h = vrrp_ha_new(&cfg, test_loop_ops(), n->loop, name, 51, prio);
	if (!n->h) {
		fprintf(stderr, "vrrp_ha_new failed\n");
		exit(1);
	}
	test_loop_set_timer_cb(n->loop, timer_cb, n->h);
	vrrp_ha_start(n->h);
}

void node_init(struct node *n, const char *name, unsigned prio, const struct vrrp_ha_config *cfg)
{
	n->loop = test_loop_new();
	if (!n->loop) {
		fprintf(stderr, "test_loop_new failed\n");
		exit(1);
	}
	test_loop_manual_clock(n->loop, 1000000);
	test_loop_set_log_level(n->loop, LOG_ERR);
	node_start(n, name, prio, cfg);
	n->fed = 0;
}

void node_restart(struct node *n, const char *name, unsigned prio, const struct vrrp_ha_config *cfg)
{
	vrrp_ha_free(n->h);
	node_start(n, name, prio, cfg);
}

void node_free(struct node *n)
{
	vrrp_ha_free(n->h);
	test_loop_free(n->loop);
}

void nodes_advance(struct node *nodes, size_t nn, uint64_t ms)
{
	for (size_t i = 0; i < nn; i++) {
		test_loop_advance_ms(nodes[i].loop, ms);
		test_loop_run_once(nodes[i].loop, 0);
	}
}

/* A node sends from the link-local its config names (node_start). */
static void node_src(const struct node *n, struct in6_addr *src)
{
	*src = vrrp_ha_config(n->h)->own_ll;
}

/* What keepalived does for the library: every BACKUP hears the MASTERs'
 * adverts (and follows the one it hears). */
static void nodes_advertise(struct node *nodes, size_t nn)
{
	for (size_t i = 0; i < nn; i++) {
		struct in6_addr src;

		if (vrrp_ha_get_state(nodes[i].h) != VRRP_HA_ST_MASTER)
			continue;
		node_src(&nodes[i], &src);
		for (size_t j = 0; j < nn; j++)
			if (j != i && vrrp_ha_get_state(nodes[j].h) == VRRP_HA_ST_BACKUP)
				vrrp_ha_advert(nodes[j].h, &src, 100, true);
	}
}

size_t nodes_carry(struct node *nodes, size_t nn)
{
	size_t moved = 0;

	nodes_advertise(nodes, nn);

	for (size_t i = 0; i < nn; i++) {
		size_t np;
		const struct test_loop_pkt *p = test_loop_packets(nodes[i].loop, &np);
		struct in6_addr src;

		node_src(&nodes[i], &src);
		for (; nodes[i].fed < np; nodes[i].fed++, moved++)
			for (size_t j = 0; j < nn; j++)
				if (j != i)
					vrrp_ha_rx(nodes[j].h, p[nodes[i].fed].data,
					           p[nodes[i].fed].len, 255, &src);
	}
	return moved;
}

void nodes_settle(struct node *nodes, size_t nn, unsigned max_ms)
{
	unsigned quiet = 0;

	for (unsigned t = 0; t < max_ms && quiet < 20; t++) {
		nodes_advance(nodes, nn, 1);
		quiet = nodes_carry(nodes, nn) ? 0 : quiet + 1;
	}
}

void nodes_addr(struct in6_addr *a, const char *prefix, unsigned i)
{
	inet_pton(AF_INET6, prefix, a);
	a->s6_addr[12] = (uint8_t)(i >> 24);
	a->s6_addr[13] = (uint8_t)(i >> 16);
	a->s6_addr[14] = (uint8_t)(i >> 8);
	a->s6_addr[15] = (uint8_t)i;
}

void nodes_pair(struct node n[2], const struct vrrp_ha_config *a, const struct vrrp_ha_config *b,
                unsigned settle_ms)
{
	node_init(&n[0], "A", 255, a);
	node_init(&n[1], "B", 100, b);
	vrrp_ha_set_state(n[0].h, VRRP_HA_ST_MASTER);
	vrrp_ha_set_state(n[1].h, VRRP_HA_ST_BACKUP);
	nodes_settle(n, 2, settle_ms);
}
