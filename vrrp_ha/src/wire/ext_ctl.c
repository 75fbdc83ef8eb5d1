/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ext_ctl.c - the sync control records of the extension message: REQUEST,
 * SYNC (START / END), DIGEST, RANGE and TABLE (docs/protocol.md
 * "Framed sync"). Decoders for ext.c's dispatch table and their builders.
 */
#include <errno.h>
#include <string.h>

#include "wire/ext_int.h"

/* The responder of a REQUEST: :: (the master) or a link-local unicast
 * address (a node on this link). */
static bool responder_ok(const struct in6_addr *a)
{
	static const struct in6_addr any;

	if (!memcmp(a, &any, sizeof(any)))
		return true;
	return a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80;
}

static bool range_ok(uint16_t first, uint16_t n)
{
	return n && first < VRRP_HA_EXT_BUCKETS && n <= VRRP_HA_EXT_BUCKETS - first;
}

enum vrrp_ha_ext_reason ext_dec_request(struct ext_ctx *c, const uint8_t *rec, size_t len)
{
	struct vrrp_ha_ext_request q;
	struct vrrp_ha_rd r;

	memset(&q, 0, sizeof(q));
	vrrp_ha_rd_init(&r, rec, len);
	if (ext_rd_be32(&r, &q.req_id) || vrrp_ha_rd_u8(&r, &q.what) ||
	    vrrp_ha_rd_u8(&r, &q.table_kind) || vrrp_ha_rd_be16(&r, &q.flags) ||
	    vrrp_ha_rd_bytes(&r, q.responder.s6_addr, 16))
		return VRRP_HA_EXT_R_BAD_SECTION_LEN;
	if ((q.what != VRRP_HA_EXT_REQ_RECORDS && q.what != VRRP_HA_EXT_REQ_DIGESTS &&
	     q.what != VRRP_HA_EXT_REQ_KEYS) ||
	    !responder_ok(&q.responder))
		return VRRP_HA_EXT_R_BAD_REQUEST;
	if (c->cb && c->cb->request)
		c->cb->request(c->cb->arg, &q);
	return VRRP_HA_EXT_OK;
}

enum vrrp_ha_ext_reason ext_dec_sync(struct ext_ctx *c, const uint8_t *rec, size_t len)
{
	struct vrrp_ha_ext_sync s;
	struct vrrp_ha_rd r;
	uint32_t rsvd;

	vrrp_ha_rd_init(&r, rec, len);
	if (ext_rd_be32(&r, &s.req_id) || vrrp_ha_rd_u8(&r, &s.phase) ||
	    vrrp_ha_rd_u8(&r, &s.table_kind) || vrrp_ha_rd_be16(&r, &s.flags) ||
	    ext_rd_be32(&r, &s.records) || ext_rd_be32(&r, &rsvd))
		return VRRP_HA_EXT_R_BAD_SECTION_LEN;
	if (s.phase != VRRP_HA_EXT_SYNC_START && s.phase != VRRP_HA_EXT_SYNC_END &&
	    s.phase != VRRP_HA_EXT_SYNC_KEYS)
		return VRRP_HA_EXT_R_BAD_SYNC;
	if (c->cb && c->cb->sync)
		c->cb->sync(c->cb->arg, &s);
	return VRRP_HA_EXT_OK;
}

enum vrrp_ha_ext_reason ext_dec_digest(struct ext_ctx *c, const uint8_t *rec, size_t len)
{
	struct vrrp_ha_ext_digest d;
	struct vrrp_ha_rd r;

	vrrp_ha_rd_init(&r, rec, len);
	if (vrrp_ha_rd_be16(&r, &d.first) || vrrp_ha_rd_be16(&r, &d.n) ||
	    ext_rd_be32(&r, &d.count) || ext_rd_be64(&r, &d.sum))
		return VRRP_HA_EXT_R_BAD_SECTION_LEN;
	if (!range_ok(d.first, d.n))
		return VRRP_HA_EXT_R_BAD_RANGE;
	if (c->cb && c->cb->digest)
		c->cb->digest(c->cb->arg, &d);
	return VRRP_HA_EXT_OK;
}

enum vrrp_ha_ext_reason ext_dec_range(struct ext_ctx *c, const uint8_t *rec, size_t len)
{
	struct vrrp_ha_ext_range g;
	struct vrrp_ha_rd r;

	vrrp_ha_rd_init(&r, rec, len);
	if (vrrp_ha_rd_be16(&r, &g.first) || vrrp_ha_rd_be16(&r, &g.n))
		return VRRP_HA_EXT_R_BAD_SECTION_LEN;
	if (!range_ok(g.first, g.n))
		return VRRP_HA_EXT_R_BAD_RANGE;
	if (c->cb && c->cb->range)
		c->cb->range(c->cb->arg, &g);
	return VRRP_HA_EXT_OK;
}

enum vrrp_ha_ext_reason ext_dec_table(struct ext_ctx *c, const uint8_t *rec, size_t len)
{
	struct vrrp_ha_ext_table t;
	struct vrrp_ha_rd r;
	uint32_t rsvd;

	vrrp_ha_rd_init(&r, rec, len);
	if (vrrp_ha_rd_u8(&r, &t.table_kind) || vrrp_ha_rd_u8(&r, &t.vrrp_state) ||
	    vrrp_ha_rd_u8(&r, &t.sync_state) || vrrp_ha_rd_u8(&r, &t.priority) ||
	    ext_rd_be32(&r, &t.count) || ext_rd_be64(&r, &t.sum) || ext_rd_be32(&r, &t.flags) ||
	    ext_rd_be32(&r, &rsvd))
		return VRRP_HA_EXT_R_BAD_SECTION_LEN;
	if (c->cb && c->cb->table)
		c->cb->table(c->cb->arg, &t);
	return VRRP_HA_EXT_OK;
}

/* SWITCH (harp.md): an op the table knows, a request id, no unknown flag;
 * only replies carry a status, only a Hello Request may be for anyone. */
static bool switch_ok(const struct vrrp_ha_ext_switch *s)
{
	bool reply = s->op == VRRP_HA_SW_SWITCHOVER_REPLY || s->op == VRRP_HA_SW_SWITCHBACK_REPLY;

	if (s->op < 1 || s->op > VRRP_HA_SW_OP_MAX || !s->id || (s->flags & ~VRRP_HA_SW_F_KNOWN))
		return false;
	if (!reply && s->status)
		return false;
	if (s->op != VRRP_HA_SW_HELLO_REQUEST && IN6_IS_ADDR_UNSPECIFIED(&s->target))
		return false;
	return IN6_IS_ADDR_UNSPECIFIED(&s->target) || IN6_IS_ADDR_LINKLOCAL(&s->target);
}

enum vrrp_ha_ext_reason ext_dec_switch(struct ext_ctx *c, const uint8_t *rec, size_t len)
{
	struct vrrp_ha_ext_switch s;
	struct vrrp_ha_rd r;

	vrrp_ha_rd_init(&r, rec, len);
	if (vrrp_ha_rd_u8(&r, &s.op) || vrrp_ha_rd_u8(&r, &s.vrrp_state) ||
	    vrrp_ha_rd_be16(&r, &s.status) || ext_rd_be32(&r, &s.id) ||
	    vrrp_ha_rd_u8(&r, &s.priority) || vrrp_ha_rd_u8(&r, &s.eff_priority) ||
	    vrrp_ha_rd_u8(&r, &s.sync_state) || vrrp_ha_rd_u8(&r, &s.flags) ||
	    ext_rd_be32(&r, &s.count) || ext_rd_be64(&r, &s.sum) ||
	    vrrp_ha_rd_bytes(&r, s.target.s6_addr, 16))
		return VRRP_HA_EXT_R_BAD_SECTION_LEN;
	if (!switch_ok(&s))
		return VRRP_HA_EXT_R_BAD_SWITCH;
	if (c->cb && c->cb->sw)
		c->cb->sw(c->cb->arg, &s);
	return VRRP_HA_EXT_OK;
}

/* ---- builders ---------------------------------------------------------- */

int vrrp_ha_ext_put_request(struct vrrp_ha_ext_wr *x, const struct vrrp_ha_ext_request *q)
{
	uint8_t rec[VRRP_HA_EXT_REQUEST_LEN];
	struct vrrp_ha_wr w;

	if (!q ||
	    (q->what != VRRP_HA_EXT_REQ_RECORDS && q->what != VRRP_HA_EXT_REQ_DIGESTS &&
	     q->what != VRRP_HA_EXT_REQ_KEYS) ||
	    !responder_ok(&q->responder))
		return -EINVAL;
	vrrp_ha_wr_init(&w, rec, sizeof(rec));
	ext_wr_be32(&w, q->req_id);
	vrrp_ha_wr_u8(&w, q->what);
	vrrp_ha_wr_u8(&w, q->table_kind);
	vrrp_ha_wr_be16(&w, q->flags);
	vrrp_ha_wr_bytes(&w, q->responder.s6_addr, 16);
	return ext_put_parts(x, VRRP_HA_EXT_K_REQUEST, rec, sizeof(rec), NULL, 0);
}

int vrrp_ha_ext_put_sync(struct vrrp_ha_ext_wr *x, const struct vrrp_ha_ext_sync *s)
{
	uint8_t rec[VRRP_HA_EXT_SYNC_LEN];
	struct vrrp_ha_wr w;

	if (!s || (s->phase != VRRP_HA_EXT_SYNC_START && s->phase != VRRP_HA_EXT_SYNC_END &&
	           s->phase != VRRP_HA_EXT_SYNC_KEYS))
		return -EINVAL;
	vrrp_ha_wr_init(&w, rec, sizeof(rec));
	ext_wr_be32(&w, s->req_id);
	vrrp_ha_wr_u8(&w, s->phase);
	vrrp_ha_wr_u8(&w, s->table_kind);
	vrrp_ha_wr_be16(&w, s->flags);
	ext_wr_be32(&w, s->records);
	ext_wr_be32(&w, 0);
	return ext_put_parts(x, VRRP_HA_EXT_K_SYNC, rec, sizeof(rec), NULL, 0);
}

int vrrp_ha_ext_put_digest(struct vrrp_ha_ext_wr *x, const struct vrrp_ha_ext_digest *d)
{
	uint8_t rec[VRRP_HA_EXT_DIGEST_LEN];
	struct vrrp_ha_wr w;

	if (!d || !range_ok(d->first, d->n))
		return -EINVAL;
	vrrp_ha_wr_init(&w, rec, sizeof(rec));
	vrrp_ha_wr_be16(&w, d->first);
	vrrp_ha_wr_be16(&w, d->n);
	ext_wr_be32(&w, d->count);
	ext_wr_be64(&w, d->sum);
	return ext_put_parts(x, VRRP_HA_EXT_K_DIGEST, rec, sizeof(rec), NULL, 0);
}

int vrrp_ha_ext_put_range(struct vrrp_ha_ext_wr *x, const struct vrrp_ha_ext_range *g)
{
	uint8_t rec[VRRP_HA_EXT_RANGE_LEN];
	struct vrrp_ha_wr w;

	if (!g || !range_ok(g->first, g->n))
		return -EINVAL;
	vrrp_ha_wr_init(&w, rec, sizeof(rec));
	vrrp_ha_wr_be16(&w, g->first);
	vrrp_ha_wr_be16(&w, g->n);
	return ext_put_parts(x, VRRP_HA_EXT_K_RANGE, rec, sizeof(rec), NULL, 0);
}

int vrrp_ha_ext_put_table(struct vrrp_ha_ext_wr *x, const struct vrrp_ha_ext_table *t)
{
	uint8_t rec[VRRP_HA_EXT_TABLE_LEN];
	struct vrrp_ha_wr w;

	if (!t)
		return -EINVAL;
	vrrp_ha_wr_init(&w, rec, sizeof(rec));
	vrrp_ha_wr_u8(&w, t->table_kind);
	vrrp_ha_wr_u8(&w, t->vrrp_state);
	vrrp_ha_wr_u8(&w, t->sync_state);
	vrrp_ha_wr_u8(&w, t->priority);
	ext_wr_be32(&w, t->count);
	ext_wr_be64(&w, t->sum);
	ext_wr_be32(&w, t->flags);
	ext_wr_be32(&w, 0);
	return ext_put_parts(x, VRRP_HA_EXT_K_TABLE, rec, sizeof(rec), NULL, 0);
}

int vrrp_ha_ext_put_switch(struct vrrp_ha_ext_wr *x, const struct vrrp_ha_ext_switch *s)
{
	uint8_t rec[VRRP_HA_EXT_SWITCH_LEN];
	struct vrrp_ha_wr w;

	if (!s || !switch_ok(s))
		return -EINVAL;
	vrrp_ha_wr_init(&w, rec, sizeof(rec));
	vrrp_ha_wr_u8(&w, s->op);
	vrrp_ha_wr_u8(&w, s->vrrp_state);
	vrrp_ha_wr_be16(&w, s->status);
	ext_wr_be32(&w, s->id);
	vrrp_ha_wr_u8(&w, s->priority);
	vrrp_ha_wr_u8(&w, s->eff_priority);
	vrrp_ha_wr_u8(&w, s->sync_state);
	vrrp_ha_wr_u8(&w, s->flags);
	ext_wr_be32(&w, s->count);
	ext_wr_be64(&w, s->sum);
	vrrp_ha_wr_bytes(&w, s->target.s6_addr, 16);
	return ext_put_parts(x, VRRP_HA_EXT_K_SWITCH, rec, sizeof(rec), NULL, 0);
}

/* ---- KEYS (State Synchronization Request, HARP 6.1.3) ------------------ */

enum vrrp_ha_ext_reason ext_dec_keys(struct ext_ctx *c, const uint8_t *rec, size_t len)
{
	struct vrrp_ha_ext_keys k;
	struct vrrp_ha_rd r;
	uint16_t rsvd;

	memset(&k, 0, sizeof(k));
	vrrp_ha_rd_init(&r, rec, len);
	if (vrrp_ha_rd_u8(&r, &k.table_kind) || vrrp_ha_rd_u8(&r, &k.flags) ||
	    vrrp_ha_rd_be16(&r, &rsvd) || vrrp_ha_rd_bytes(&r, k.hoa.s6_addr, 16))
		return VRRP_HA_EXT_R_BAD_SECTION_LEN;
	/* reserved bits are ignored; a kind we do not keep, or a flag we do
	 * not know, is a key we cannot answer for */
	if (k.table_kind != VRRP_HA_EXT_K_MIPV6 || (k.flags & ~VRRP_HA_EXT_KEYS_NONE))
		return VRRP_HA_EXT_R_BAD_REQUEST;
	if (vrrp_ha_addr_unusable(&k.hoa))
		return VRRP_HA_EXT_R_BAD_HOA;
	if (c->cb && c->cb->keys)
		c->cb->keys(c->cb->arg, &k);
	return VRRP_HA_EXT_OK;
}

int vrrp_ha_ext_put_keys(struct vrrp_ha_ext_wr *x, const struct vrrp_ha_ext_keys *k)
{
	uint8_t rec[VRRP_HA_EXT_KEYS_LEN];
	struct vrrp_ha_wr w;

	if (!k || k->table_kind != VRRP_HA_EXT_K_MIPV6 || (k->flags & ~VRRP_HA_EXT_KEYS_NONE) ||
	    vrrp_ha_addr_unusable(&k->hoa))
		return -EINVAL;
	vrrp_ha_wr_init(&w, rec, sizeof(rec));
	vrrp_ha_wr_u8(&w, k->table_kind);
	vrrp_ha_wr_u8(&w, k->flags);
	vrrp_ha_wr_be16(&w, 0);
	vrrp_ha_wr_bytes(&w, k->hoa.s6_addr, 16);
	return ext_put_parts(x, VRRP_HA_EXT_K_KEYS, rec, sizeof(rec), NULL, 0);
}

/* ---- MAGSW (LMA Inter Switch for one MAG, pmipv6.md) ------------------- */

static bool magsw_ok(const struct vrrp_ha_ext_magsw *m)
{
	bool reply = m->op == VRRP_HA_MAGSW_REPLY || m->op == VRRP_HA_MAGSW_BACK_REPLY;

	if (m->op > VRRP_HA_MAGSW_OP_MAX || !m->id || m->flags || (!reply && m->status))
		return false;
	return !vrrp_ha_addr_unusable(&m->mag);
}

enum vrrp_ha_ext_reason ext_dec_magsw(struct ext_ctx *c, const uint8_t *rec, size_t len)
{
	struct vrrp_ha_ext_magsw m;
	struct vrrp_ha_rd r;

	vrrp_ha_rd_init(&r, rec, len);
	if (vrrp_ha_rd_u8(&r, &m.op) || vrrp_ha_rd_u8(&r, &m.status) ||
	    vrrp_ha_rd_be16(&r, &m.flags) || ext_rd_be32(&r, &m.id) ||
	    vrrp_ha_rd_bytes(&r, m.mag.s6_addr, 16) || vrrp_ha_rd_bytes(&r, &m.mag4, 4) ||
	    ext_rd_be32(&r, &m.count) || ext_rd_be64(&r, &m.sum))
		return VRRP_HA_EXT_R_BAD_SECTION_LEN;
	if (!magsw_ok(&m))
		return VRRP_HA_EXT_R_BAD_MAGSW;
	if (c->cb && c->cb->magsw)
		c->cb->magsw(c->cb->arg, &m);
	return VRRP_HA_EXT_OK;
}

int vrrp_ha_ext_put_magsw(struct vrrp_ha_ext_wr *x, const struct vrrp_ha_ext_magsw *m)
{
	uint8_t rec[VRRP_HA_EXT_MAGSW_LEN];
	struct vrrp_ha_wr w;

	if (!m || !magsw_ok(m))
		return -EINVAL;
	vrrp_ha_wr_init(&w, rec, sizeof(rec));
	vrrp_ha_wr_u8(&w, m->op);
	vrrp_ha_wr_u8(&w, m->status);
	vrrp_ha_wr_be16(&w, m->flags);
	ext_wr_be32(&w, m->id);
	vrrp_ha_wr_bytes(&w, m->mag.s6_addr, 16);
	vrrp_ha_wr_bytes(&w, &m->mag4, 4);
	ext_wr_be32(&w, m->count);
	ext_wr_be64(&w, m->sum);
	return ext_put_parts(x, VRRP_HA_EXT_K_MAGSW, rec, sizeof(rec), NULL, 0);
}
