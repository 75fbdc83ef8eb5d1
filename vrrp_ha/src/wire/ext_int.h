/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ext_int.h - what the extension parser (ext.c) shares with the decoders
 * and builders of its other files (ext_ctl.c): the parse context, the
 * decoder type and the byte helpers beyond codec.h. Not installed.
 */
#ifndef VRRP_HA_EXT_INT_H
#define VRRP_HA_EXT_INT_H

#include "vrrp_ha/ext.h"

struct ext_ctx {
	const struct vrrp_ha_ext_cb *cb;
	struct vrrp_ha_ext_stats *st;
	const uint8_t *new_hoa[VRRP_HA_EXT_MAX_NEW]; /* into the packet, 16 bytes each */
	bool new_used[VRRP_HA_EXT_MAX_NEW];
	unsigned nnew;
};

typedef enum vrrp_ha_ext_reason (*ext_decode_fn)(struct ext_ctx *c, const uint8_t *rec, size_t len);

static inline int ext_rd_be32(struct vrrp_ha_rd *r, uint32_t *v)
{
	uint16_t hi = 0, lo = 0;

	if (vrrp_ha_rd_left(r) < 4)
		return -1;
	vrrp_ha_rd_be16(r, &hi);
	vrrp_ha_rd_be16(r, &lo);
	*v = (uint32_t)hi << 16 | lo;
	return 0;
}

static inline int ext_rd_be64(struct vrrp_ha_rd *r, uint64_t *v)
{
	uint32_t hi = 0, lo = 0;

	if (vrrp_ha_rd_left(r) < 8)
		return -1;
	ext_rd_be32(r, &hi);
	ext_rd_be32(r, &lo);
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

static inline int ext_wr_be32(struct vrrp_ha_wr *w, uint32_t v)
{
	if (w->cap - w->off < 4)
		return -1;
	vrrp_ha_wr_be16(w, (uint16_t)(v >> 16));
	vrrp_ha_wr_be16(w, (uint16_t)v);
	return 0;
}

static inline int ext_wr_be64(struct vrrp_ha_wr *w, uint64_t v)
{
	if (w->cap - w->off < 8)
		return -1;
	ext_wr_be32(w, (uint32_t)(v >> 32));
	ext_wr_be32(w, (uint32_t)v);
	return 0;
}

/* Append a record made of two pieces (either may be empty): the one path
 * every put takes (ext.c). Returns: as vrrp_ha_ext_put_raw. */
int ext_put_parts(struct vrrp_ha_ext_wr *x, uint8_t kind, const void *a, size_t alen, const void *b,
                  size_t blen);

/* Decoders of the sync control kinds (ext_ctl.c). */
enum vrrp_ha_ext_reason ext_dec_request(struct ext_ctx *c, const uint8_t *rec, size_t len);
enum vrrp_ha_ext_reason ext_dec_sync(struct ext_ctx *c, const uint8_t *rec, size_t len);
enum vrrp_ha_ext_reason ext_dec_digest(struct ext_ctx *c, const uint8_t *rec, size_t len);
enum vrrp_ha_ext_reason ext_dec_range(struct ext_ctx *c, const uint8_t *rec, size_t len);
enum vrrp_ha_ext_reason ext_dec_table(struct ext_ctx *c, const uint8_t *rec, size_t len);
enum vrrp_ha_ext_reason ext_dec_switch(struct ext_ctx *c, const uint8_t *rec, size_t len);
enum vrrp_ha_ext_reason ext_dec_magsw(struct ext_ctx *c, const uint8_t *rec, size_t len);
enum vrrp_ha_ext_reason ext_dec_keys(struct ext_ctx *c, const uint8_t *rec, size_t len);

#endif
