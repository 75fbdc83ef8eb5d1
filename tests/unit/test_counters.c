/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_counters.c - the counter registry (counters.h) on its own, and every
 * module's counters in `stats` and `stats json` of a live control socket.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "ctl_client.h"
#include "test_loop.h"
#include "vrrp_ha/counters.h"
#include "vrrp_ha/ctl.h"

#include "check.h"

struct block {
	uint64_t a, b, level;
};

static const void *get_block(const void *arg)
{
	return arg;
}

static const void *no_block(const void *arg)
{
	(void)arg;
	return NULL;
}

static void test_registry(void)
{
	struct vrrp_ha_counters_reg *r = vrrp_ha_counters_reg_new();
	struct block blk = {1, 2, 3};
	static const struct vrrp_ha_counter_def defs[] = {
	        {"a", offsetof(struct block, a), false},
	        {"b", offsetof(struct block, b), false},
	        {"level", offsetof(struct block, level), true},
	};
	char name[64], json[512];
	uint64_t v = 99;
	int n;

	CHECK(r != NULL);
	CHECK_EQ(vrrp_ha_counters_count(r), 0);
	CHECK(vrrp_ha_counters_at(r, 0) == NULL);
	n = vrrp_ha_counters_reg_json(r, json, sizeof(json));
	CHECK(!strcmp(json, "{}") && n == 2);

	/* names: [a-z0-9_], 1..39 characters */
	CHECK(vrrp_ha_counters_add(r, "g", "", get_block, &blk, 0, false) < 0);
	CHECK(vrrp_ha_counters_add(r, "g", "Upper", get_block, &blk, 0, false) < 0);
	CHECK(vrrp_ha_counters_add(r, "g", "with-dash", get_block, &blk, 0, false) < 0);
	CHECK(vrrp_ha_counters_add(r, "g", "with space", get_block, &blk, 0, false) < 0);
	CHECK(vrrp_ha_counters_add(r, "g", "quote\"", get_block, &blk, 0, false) < 0);
	memset(name, 'x', sizeof(name));
	name[VRRP_HA_COUNTER_NAME_MAX] = 0; /* 40 characters */
	CHECK(vrrp_ha_counters_add(r, "g", name, get_block, &blk, 0, false) < 0);
	name[VRRP_HA_COUNTER_NAME_MAX - 1] = 0; /* 39 */
	CHECK(vrrp_ha_counters_add(r, "g", name, get_block, &blk, 0, false) == 0);
	CHECK(vrrp_ha_counters_add(r, "g", "x_1_z", get_block, &blk, 0, false) == 0);
	/* duplicates are refused, also across groups */
	CHECK(vrrp_ha_counters_add(r, "h", "x_1_z", get_block, &blk, 8, false) < 0);
	CHECK_EQ(vrrp_ha_counters_count(r), 2);

	CHECK(vrrp_ha_counters_add_table(r, "blk", "t_", defs, 3, get_block, &blk) == 0);
	CHECK(vrrp_ha_counters_add_table(r, "none", "n_", defs, 3, no_block, NULL) == 0);
	/* a table whose prefixed name would be too long stops there */
	memset(name, 'p', sizeof(name));
	name[VRRP_HA_COUNTER_NAME_MAX - 2] = 0; /* 38 + "a" fits, + "level" does not */
	CHECK(vrrp_ha_counters_add_table(r, "long", name, defs, 3, get_block, &blk) < 0);
	/* a duplicate inside a table fails it */
	CHECK(vrrp_ha_counters_add_table(r, "blk", "t_", defs, 3, get_block, &blk) < 0);
	CHECK_EQ(vrrp_ha_counters_count(r), 2 + 3 + 3 + 2);

	{
		const struct vrrp_ha_counter *c = vrrp_ha_counters_at(r, 2);

		CHECK(c && !strcmp(c->name, "t_a") && !strcmp(c->group, "blk") && !c->gauge);
		CHECK(c && vrrp_ha_counter_read(c) == 1);
		c = vrrp_ha_counters_at(r, 4);
		CHECK(c && !strcmp(c->name, "t_level") && c->gauge);
		c = vrrp_ha_counters_at(r, 7);
		CHECK(c && !strcmp(c->name, "n_level") && c->gauge && vrrp_ha_counter_read(c) == 0);
		CHECK(vrrp_ha_counters_at(r, 10) == NULL);
	}
	CHECK(vrrp_ha_counters_get(r, "t_b", &v) && v == 2);
	blk.b = 1000;
	CHECK(vrrp_ha_counters_get(r, "t_b", &v) && v == 1000);
	CHECK(vrrp_ha_counters_get(r, "n_a", &v) && v == 0); /* absent block */
	CHECK(!vrrp_ha_counters_get(r, "nope", &v));

	n = vrrp_ha_counters_reg_json(r, json, sizeof(json));
	CHECK(n > 0 && (size_t)n < sizeof(json));
	CHECK(json_doc_ok(json));
	CHECK(strstr(json, "\"t_b\":1000,\"t_level\":3,\"n_a\":0,") != NULL);
	/* truncated output: same length, NUL-terminated */
	{
		char small[10];

		CHECK_EQ(vrrp_ha_counters_reg_json(r, small, sizeof(small)), n);
		CHECK_EQ(strlen(small), sizeof(small) - 1);
		CHECK_EQ(vrrp_ha_counters_reg_json(r, NULL, 0), n);
	}
	vrrp_ha_counters_reg_free(r);
	vrrp_ha_counters_reg_free(NULL);
}

/* ---- live: every module's counters through the control socket ---------- */

static void on_timer(void *arg)
{
	vrrp_ha_timer(arg);
}

/* Names in the data lines of a `stats` answer, or in the counters object
 * of `stats json`, joined by spaces. */
static char *names_text(const char *r)
{
	char *out = calloc(1, strlen(r) + 1);
	const char *p = r;

	while (*p && strncmp(p, "OK", 2)) {
		const char *sp = strchr(p, ' '), *nl = strchr(p, '\n');

		if (!sp || !nl || sp > nl)
			break;
		strncat(out, p, (size_t)(sp - p));
		strcat(out, " ");
		p = nl + 1;
	}
	return out;
}

static char *names_json(const char *r)
{
	char *out = calloc(1, strlen(r) + 1);
	const char *p = strstr(r, "\"counters\":{");

	if (!p)
		return out;
	p += strlen("\"counters\":{");
	while (*p == '"') {
		const char *q = strchr(p + 1, '"');

		strncat(out, p + 1, (size_t)(q - p - 1));
		strcat(out, " ");
		p = q + 1;
		if (*p != ':')
			break;
		while (*p && *p != ',' && *p != '}')
			p++;
		if (*p == ',')
			p++;
	}
	return out;
}

static void test_stats_lists_every_module(void)
{
	static const char *const groups[] = {"sync", "dataplane", "proxynd", "recovery", "notify"};
	char dir[] = "/tmp/test_counters.XXXXXX", path[64];
	struct vrrp_ha_config cfg;
	struct test_loop *l = test_loop_new();
	struct vrrp_ha *h;
	struct vrrp_ha_ctl *c;
	const struct vrrp_ha_counters_reg *reg;
	size_t nc;
	char *r, *rj, *tn, *jn;
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/VI_1.sock", dir);
	test_loop_set_log_level(l, LOG_WARNING);
	vrrp_ha_config_defaults(&cfg);
	cfg.enabled = true;
	/* every module configured; as the address owner none of them touches
	 * the kernel, yet every one registers its counters */
	cfg.dataplane = VRRP_HA_DP_SEG6;
	cfg.proxy_nd = true;
	cfg.full_recovery = true;
	inet_pton(AF_INET6, "2001:db8:1::", &cfg.home_prefix);
	cfg.home_plen = 64;
	inet_pton(AF_INET6, "2001:db8:1::1", &cfg.vha);
	snprintf(cfg.ifname, sizeof(cfg.ifname), "lo");
	h = vrrp_ha_new(&cfg, test_loop_ops(), l, "VI_1", 1, 255);
	CHECK(h != NULL);
	if (!h)
		return;
	test_loop_set_timer_cb(l, on_timer, h);
	vrrp_ha_start(h);
	vrrp_ha_set_state(h, VRRP_HA_ST_MASTER);
	c = vrrp_ha_ctl_open(h, test_loop_ops(), l, path, 0600);
	CHECK(c != NULL);

	reg = vrrp_ha_counters_registry(h);
	nc = vrrp_ha_counters_count(reg);
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		size_t k = 0;

		for (size_t i = 0; i < nc; i++)
			k += !strcmp(vrrp_ha_counters_at(reg, i)->group, groups[g]);
		if (!k)
			fprintf(stderr, "no counters of group %s\n", groups[g]);
		CHECK(k > 0);
	}
	/* a level is flagged as a gauge, a count is not */
	for (size_t i = 0; i < nc; i++) {
		const struct vrrp_ha_counter *k = vrrp_ha_counters_at(reg, i);

		if (!strcmp(k->name, "fr_queue_max"))
			CHECK(k->gauge);
		if (!strcmp(k->name, "bc_add") || !strcmp(k->name, "fifo_lines"))
			CHECK(!k->gauge);
	}
	for (size_t i = 0; i < nc; i++)
		for (size_t j = i + 1; j < nc; j++)
			CHECK(strcmp(vrrp_ha_counters_at(reg, i)->name,
			             vrrp_ha_counters_at(reg, j)->name));

	fd = cl_connect(path);
	r = ctl_xchg(l, fd, "stats\n", 6, 1, 10);
	rj = ctl_xchg(l, fd, "stats json\n", 11, 1, 10);
	close(fd);
	CHECK(!strcmp(status_of(r), "OK\n"));
	CHECK(json_ok(rj));
	tn = names_text(r);
	jn = names_json(rj);
	/* one line per registered counter, the same names in the same order */
	{
		size_t words = 0;
		char *want = calloc(1, nc * VRRP_HA_COUNTER_NAME_MAX + 1);

		for (const char *p = tn; *p; p++)
			words += *p == ' ';
		CHECK_EQ(words, nc);
		for (size_t i = 0; i < nc; i++) {
			strcat(want, vrrp_ha_counters_at(reg, i)->name);
			strcat(want, " ");
		}
		CHECK(!strcmp(tn, want));
		free(want);
	}
	if (strcmp(tn, jn))
		fprintf(stderr, "stats: %s\nstats json: %s\n", tn, jn);
	CHECK(!strcmp(tn, jn));
	/* a few of each module by name */
	CHECK(strstr(tn, " bc_add ") && strstr(tn, "rx_ok "));
	CHECK(strstr(tn, " dp_staged ") && strstr(tn, " dp_routes_added "));
	CHECK(strstr(tn, " pnd_added "));
	CHECK(strstr(tn, " fr_queue_max "));
	CHECK(strstr(tn, " fifo_lines ") && strstr(tn, " notify_runs "));
	free(tn);
	free(jn);
	free(r);
	free(rj);
	vrrp_ha_ctl_close(c);
	vrrp_ha_free(h);
	test_loop_free(l);
	rmdir(dir);
}

int main(void)
{
	test_registry();
	test_stats_lists_every_module();
	if (failures) {
		fprintf(stderr, "test_counters: %d check(s) failed\n", failures);
		return 1;
	}
	printf("test_counters: all checks passed\n");
	return 0;
}
