/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * counters.c - the counter registry (counters.h).
 */
#include "vrrp_ha/counters.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vrrp_ha_counters_reg {
	struct vrrp_ha_counter *v;
	size_t n, cap;
};

struct vrrp_ha_counters_reg *vrrp_ha_counters_reg_new(void)
{
	return calloc(1, sizeof(struct vrrp_ha_counters_reg));
}

void vrrp_ha_counters_reg_free(struct vrrp_ha_counters_reg *r)
{
	if (!r)
		return;
	free(r->v);
	free(r);
}

static bool good_name(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return i > 0 && i < VRRP_HA_COUNTER_NAME_MAX;
}

static const struct vrrp_ha_counter *find(const struct vrrp_ha_counters_reg *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->v[i].name, name))
			return &r->v[i];
	return NULL;
}

int vrrp_ha_counters_add(struct vrrp_ha_counters_reg *r, const char *group, const char *name,
                         vrrp_ha_counter_block_fn block, const void *arg, size_t offset, bool gauge)
{
	struct vrrp_ha_counter *c;

	if (!good_name(name) || find(r, name))
		return -1;
	if (r->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 64;
		struct vrrp_ha_counter *nv = realloc(r->v, nc * sizeof(*nv));

		if (!nv)
			return -1;
		r->v = nv;
		r->cap = nc;
	}
	c = &r->v[r->n++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->group = group;
	c->block = block;
	c->arg = arg;
	c->offset = offset;
	c->gauge = gauge;
	return 0;
}

int vrrp_ha_counters_add_table(struct vrrp_ha_counters_reg *r, const char *group,
                               const char *prefix, const struct vrrp_ha_counter_def *defs, size_t n,
                               vrrp_ha_counter_block_fn block, const void *arg)
{
	char name[VRRP_HA_COUNTER_NAME_MAX + 8];

	for (size_t i = 0; i < n; i++) {
		int k = snprintf(name, sizeof(name), "%s%s", prefix ? prefix : "", defs[i].name);

		if (k < 0 || (size_t)k >= VRRP_HA_COUNTER_NAME_MAX ||
		    vrrp_ha_counters_add(r, group, name, block, arg, defs[i].offset, defs[i].gauge))
			return -1;
	}
	return 0;
}

size_t vrrp_ha_counters_count(const struct vrrp_ha_counters_reg *r)
{
	return r ? r->n : 0;
}

const struct vrrp_ha_counter *vrrp_ha_counters_at(const struct vrrp_ha_counters_reg *r, size_t i)
{
	return r && i < r->n ? &r->v[i] : NULL;
}

uint64_t vrrp_ha_counter_read(const struct vrrp_ha_counter *c)
{
	const char *base = c->block ? c->block(c->arg) : NULL;
	uint64_t v;

	if (!base)
		return 0;
	memcpy(&v, base + c->offset, sizeof(v));
	return v;
}

bool vrrp_ha_counters_get(const struct vrrp_ha_counters_reg *r, const char *name, uint64_t *v)
{
	const struct vrrp_ha_counter *c = find(r, name);

	if (!c)
		return false;
	*v = vrrp_ha_counter_read(c);
	return true;
}

int vrrp_ha_counters_reg_json(const struct vrrp_ha_counters_reg *r, char *buf, size_t cap)
{
	size_t off = 0;
	int n;

	for (size_t i = 0; i < r->n; i++) {
		n = snprintf(buf + (off < cap ? off : cap), off < cap ? cap - off : 0,
		             "%s\"%s\":%" PRIu64, i ? "," : "{", r->v[i].name,
		             vrrp_ha_counter_read(&r->v[i]));
		if (n > 0)
			off += (size_t)n;
	}
	n = snprintf(buf + (off < cap ? off : cap), off < cap ? cap - off : 0, "%s",
	             r->n ? "}" : "{}");
	if (n > 0)
		off += (size_t)n;
	return (int)off;
}
