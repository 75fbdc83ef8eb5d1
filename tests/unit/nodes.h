/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nodes.h - several vrrp_ha instances (VRID 51) on their own test_loops
 * with manual clocks, and the test carrying the packets between them: the
 * harness of test_ha.c and test_events.c.
 */
#ifndef VRRP_HA_TEST_NODES_H
#define VRRP_HA_TEST_NODES_H

#include <stddef.h>

#include "test_loop.h"
#include "vrrp_ha/ha.h"

struct node {
	struct test_loop *loop;
	struct vrrp_ha *h;
	size_t fed; /* packets of this node already carried to peers */
};

/* Create and start instance name at base priority prio on a new loop
 * (manual clock at 1,000,000 ms, logs at LOG_ERR and above printed). cfg
 * may be NULL (defaults); enabled is forced on. Exits on failure. */
void node_init(struct node *n, const char *name, unsigned prio, const struct vrrp_ha_config *cfg);
void node_free(struct node *n);

/* Replace n's instance by a fresh one on the same loop (a crash and
 * restart of the daemon: tables empty, state INIT). */
void node_restart(struct node *n, const char *name, unsigned prio,
                  const struct vrrp_ha_config *cfg);

/* Move every node's clock by ms and run due timers. */
void nodes_advance(struct node *nodes, size_t nn, uint64_t ms);

/* Deliver what each node sent since last time to every other node (node
 * "A" sends from fe80::1, "B" from fe80::2, ...), after the adverts of
 * every MASTER to every BACKUP. Returns: packets moved. */
size_t nodes_carry(struct node *nodes, size_t nn);

/* Run clocks 1 ms at a time and carry packets until nothing moved for
 * 20 ms, or max_ms passed. */
void nodes_settle(struct node *nodes, size_t nn, unsigned max_ms);

/* n[0] "A" the owner (priority 255) MASTER, n[1] "B" (100) BACKUP, with
 * configs a and b (NULL: defaults), settled for at most settle_ms. */
void nodes_pair(struct node n[2], const struct vrrp_ha_config *a, const struct vrrp_ha_config *b,
                unsigned settle_ms);

/* *a = prefix with i in its last 32 bits. */
void nodes_addr(struct in6_addr *a, const char *prefix, unsigned i);

#endif
