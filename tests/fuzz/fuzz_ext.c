/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_ext.c - fuzz target for the extension message parser (ext.h):
 * whatever the input, the parse stays in bounds, every delivered pointer
 * lies inside the packet, a rejected packet delivers nothing, and what was
 * delivered re-encodes into a packet that parses to the same records.
 */
#include <errno.h>
#include <string.h>

#include "fuzz_target.h"
#include "vrrp_ha/ext.h"
#include "vrrp_ha/mopt.h"

struct got {
	const uint8_t *pkt;
	size_t len;
	size_t max; /* per array */
	unsigned ncaps, nmip, npmip, natt, nskip;
	struct vrrp_ha_ext_mipv6 *mip;
	struct vrrp_ha_ext_pmipv6 *pmip;
	struct vrrp_ha_ext_attach *att;
};

static void in_pkt(const struct got *g, const uint8_t *p, size_t n)
{
	if (!p) {
		FUZZ_ASSERT(n == 0);
		return;
	}
	FUZZ_ASSERT(p >= g->pkt && n <= g->len && (size_t)(p - g->pkt) <= g->len - n);
}

static void on_caps(void *arg, const struct vrrp_ha_ext_caps *c)
{
	((struct got *)arg)->ncaps++;
}

static void on_mip(void *arg, const struct vrrp_ha_ext_mipv6 *r)
{
	struct got *g = arg;

	in_pkt(g, r->opts, r->optlen);
	FUZZ_ASSERT(vrrp_ha_mopt_validate(r->opts, r->optlen, NULL) >= 0);
	FUZZ_ASSERT(g->nmip < g->max);
	g->mip[g->nmip++] = *r;
}

static void on_pmip(void *arg, const struct vrrp_ha_ext_pmipv6 *r)
{
	struct got *g = arg;
	unsigned i;

	in_pkt(g, r->pcoa, 16);
	in_pkt(g, r->mnid, r->mnid_len);
	in_pkt(g, r->opts, r->optlen);
	FUZZ_ASSERT(r->nhnp >= 1 && r->nhnp <= VRRP_HA_EXT_MAX_HNP);
	for (i = 0; i < r->nhnp; i++) {
		in_pkt(g, r->hnp[i].prefix, 16);
		FUZZ_ASSERT(r->hnp[i].plen <= 128);
	}
	if (r->hi)
		in_pkt(g, r->hi, 1);
	if (r->llid)
		in_pkt(g, r->llid, r->llid_len);
	if (r->lla)
		in_pkt(g, r->lla, 16);
	FUZZ_ASSERT(g->npmip < g->max);
	g->pmip[g->npmip++] = *r;
}

static void on_att(void *arg, const struct vrrp_ha_ext_attach *r)
{
	struct got *g = arg;

	FUZZ_ASSERT(r->owner == VRRP_HA_EXT_K_MIPV6 || r->owner == VRRP_HA_EXT_K_PMIPV6);
	if (r->owner == VRRP_HA_EXT_K_MIPV6)
		in_pkt(g, r->hoa, 16);
	else
		in_pkt(g, r->hnp.prefix, 16);
	in_pkt(g, r->mnid, r->mnid_len);
	in_pkt(g, r->value, r->value_len);
	FUZZ_ASSERT(g->natt < g->max);
	g->att[g->natt++] = *r;
}

static void on_skip(void *arg, uint8_t kind, unsigned idx, enum vrrp_ha_ext_reason r)
{
	FUZZ_ASSERT(r > VRRP_HA_EXT_OK && r < VRRP_HA_EXT_R__COUNT);
	FUZZ_ASSERT(!vrrp_ha_ext_reason_is_packet(r));
	((struct got *)arg)->nskip++;
}

/* A delivered SWITCH record encodes to bytes that parse back to it. */
static void on_sw_rec(const struct vrrp_ha_ext_switch *r, void *arg);
static void on_sw(void *arg, const struct vrrp_ha_ext_switch *r)
{
	uint8_t out[128];
	struct vrrp_ha_ext_wr x;
	struct vrrp_ha_ext_cb cb = {.arg = (void *)r};
	size_t n;

	(void)arg;
	cb.sw = (void (*)(void *, const struct vrrp_ha_ext_switch *))on_sw_rec;
	FUZZ_ASSERT(vrrp_ha_ext_begin(&x, out, sizeof(out), 1) == 0);
	FUZZ_ASSERT(vrrp_ha_ext_put_switch(&x, r) == 0);
	n = vrrp_ha_ext_finish(&x);
	FUZZ_ASSERT(n == 8 + 4 + VRRP_HA_EXT_SWITCH_LEN);
	FUZZ_ASSERT(vrrp_ha_ext_parse(out, n, NULL, &cb, NULL) == VRRP_HA_EXT_OK);
}

static void on_sw_rec(const struct vrrp_ha_ext_switch *back, void *arg)
{
	const struct vrrp_ha_ext_switch *r = arg;

	FUZZ_ASSERT(back->op == r->op && back->vrrp_state == r->vrrp_state &&
	            back->status == r->status && back->id == r->id &&
	            back->priority == r->priority && back->eff_priority == r->eff_priority &&
	            back->sync_state == r->sync_state && back->flags == r->flags &&
	            back->count == r->count && back->sum == r->sum &&
	            !memcmp(&back->target, &r->target, 16));
}

/* A delivered MAGSW record encodes to bytes that parse back to it. */
static void on_magsw_rec(void *arg, const struct vrrp_ha_ext_magsw *back)
{
	const struct vrrp_ha_ext_magsw *r = arg;

	FUZZ_ASSERT(back->op == r->op && back->status == r->status && back->flags == r->flags &&
	            back->id == r->id && !memcmp(&back->mag, &r->mag, 16) &&
	            back->mag4 == r->mag4 && back->count == r->count && back->sum == r->sum);
}

static void on_magsw(void *arg, const struct vrrp_ha_ext_magsw *r)
{
	uint8_t out[128];
	struct vrrp_ha_ext_wr x;
	struct vrrp_ha_ext_cb cb = {.arg = (void *)r, .magsw = on_magsw_rec};
	size_t n;

	(void)arg;
	FUZZ_ASSERT(vrrp_ha_ext_begin(&x, out, sizeof(out), 1) == 0);
	FUZZ_ASSERT(vrrp_ha_ext_put_magsw(&x, r) == 0);
	n = vrrp_ha_ext_finish(&x);
	FUZZ_ASSERT(n == 8 + 4 + VRRP_HA_EXT_MAGSW_LEN);
	FUZZ_ASSERT(vrrp_ha_ext_parse(out, n, NULL, &cb, NULL) == VRRP_HA_EXT_OK);
}

static bool got_init(struct got *g, const uint8_t *pkt, size_t len)
{
	memset(g, 0, sizeof(*g));
	g->pkt = pkt;
	g->len = len;
	g->max = len / 28 + 1; /* the shortest delivered record is 28 bytes */
	g->mip = calloc(g->max, sizeof(*g->mip));
	g->pmip = calloc(g->max, sizeof(*g->pmip));
	g->att = calloc(g->max, sizeof(*g->att));
	return g->mip && g->pmip && g->att;
}

static void got_free(struct got *g)
{
	free(g->mip);
	free(g->pmip);
	free(g->att);
}

static enum vrrp_ha_ext_reason parse(const uint8_t *pkt, size_t len, struct got *g,
                                     struct vrrp_ha_ext_stats *st)
{
	struct vrrp_ha_ext_cb cb = {.arg = g,
	                            .caps = on_caps,
	                            .mipv6 = on_mip,
	                            .pmipv6 = on_pmip,
	                            .attach = on_att,
	                            .skipped = on_skip,
	                            .sw = on_sw,
	                            .magsw = on_magsw};

	FUZZ_ASSERT(got_init(g, pkt, len));
	memset(st, 0, sizeof(*st));
	return vrrp_ha_ext_parse(pkt, len, NULL, &cb, st);
}

/* NEW first (they mark wherever they are), then each kind in order. */
static int reencode(const struct got *g, uint8_t *out, size_t cap, size_t *len)
{
	struct vrrp_ha_ext_wr x;
	unsigned i;
	int rc = 0;

	FUZZ_ASSERT(vrrp_ha_ext_begin(&x, out, cap, 1) == 0);
	for (i = 0; i < g->nmip && !rc; i++)
		if (g->mip[i].is_new)
			rc = vrrp_ha_ext_put_new(&x, &g->mip[i].b.hoa);
	for (i = 0; i < g->ncaps && !rc; i++)
		rc = vrrp_ha_ext_put_caps(&x);
	for (i = 0; i < g->nmip && !rc; i++)
		rc = vrrp_ha_ext_put_mipv6(&x, &g->mip[i].b, g->mip[i].opts, g->mip[i].optlen);
	for (i = 0; i < g->npmip && !rc; i++)
		rc = vrrp_ha_ext_put_pmipv6(&x, &g->pmip[i]);
	for (i = 0; i < g->natt && !rc; i++)
		rc = vrrp_ha_ext_put_attach(&x, &g->att[i]);
	/* the only acceptable failure: regrouping needed more than 255 sections */
	if (rc) {
		FUZZ_ASSERT(rc == -ENOSPC && x.nsections == VRRP_HA_EXT_MAX_SECTIONS);
		return -1;
	}
	*len = vrrp_ha_ext_finish(&x);
	return 0;
}

static void compare(const struct got *a, const struct got *b)
{
	unsigned i;

	FUZZ_ASSERT(a->ncaps == b->ncaps && a->nmip == b->nmip && a->npmip == b->npmip &&
	            a->natt == b->natt && b->nskip == 0);
	for (i = 0; i < a->nmip; i++) {
		const struct vrrp_ha_ext_mipv6 *x = &a->mip[i], *y = &b->mip[i];

		FUZZ_ASSERT(!memcmp(&x->b.hoa, &y->b.hoa, 16) && !memcmp(&x->b.coa, &y->b.coa, 16));
		FUZZ_ASSERT(x->b.lifetime == y->b.lifetime && x->b.seq == y->b.seq &&
		            x->b.flags == y->b.flags && y->b.reserved == 0);
		FUZZ_ASSERT(x->is_new == y->is_new && x->optlen == y->optlen);
		FUZZ_ASSERT(!x->optlen || !memcmp(x->opts, y->opts, x->optlen));
	}
	for (i = 0; i < a->npmip; i++) {
		const struct vrrp_ha_ext_pmipv6 *x = &a->pmip[i], *y = &b->pmip[i];

		FUZZ_ASSERT(x->lifetime == y->lifetime && x->flags == y->flags &&
		            x->att == y->att && x->tunnel_id == y->tunnel_id &&
		            x->timestamp == y->timestamp);
		FUZZ_ASSERT(x->nhnp == y->nhnp && x->optlen == y->optlen);
		FUZZ_ASSERT(!memcmp(x->pcoa, y->pcoa, 16) && !memcmp(x->opts, y->opts, x->optlen));
	}
	for (i = 0; i < a->natt; i++) {
		const struct vrrp_ha_ext_attach *x = &a->att[i], *y = &b->att[i];

		FUZZ_ASSERT(x->owner == y->owner && x->type == y->type &&
		            x->version == y->version && x->lifetime == y->lifetime);
		FUZZ_ASSERT(x->value_len == y->value_len &&
		            (!x->value_len || !memcmp(x->value, y->value, x->value_len)));
		FUZZ_ASSERT(x->mnid_len == y->mnid_len &&
		            (!x->mnid_len || !memcmp(x->mnid, y->mnid, x->mnid_len)));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vrrp_ha_ext_stats st, st2;
	struct got g, g2;
	enum vrrp_ha_ext_reason r;
	uint8_t *out;
	size_t cap = 2 * size + 64, n = 0, k;
	uint64_t rec_reasons = 0;

	r = parse(data, size, &g, &st);
	FUZZ_ASSERT(r < VRRP_HA_EXT_R__COUNT);
	FUZZ_ASSERT(st.packets == 1);
	if (r != VRRP_HA_EXT_OK) {
		FUZZ_ASSERT(vrrp_ha_ext_reason_is_packet(r) && st.reason[r] == 1);
		FUZZ_ASSERT(g.ncaps + g.nmip + g.npmip + g.natt + g.nskip == 0 && st.accepted == 0);
		got_free(&g);
		return 0;
	}
	FUZZ_ASSERT(st.accepted == 1 && st.sections == data[3]);
	for (k = VRRP_HA_EXT_R_UNKNOWN_KIND; k < VRRP_HA_EXT_R__COUNT; k++)
		rec_reasons += st.reason[k];
	FUZZ_ASSERT(rec_reasons == g.nskip);
	FUZZ_ASSERT(st.delivered[VRRP_HA_EXT_K_MIPV6] == g.nmip &&
	            st.delivered[VRRP_HA_EXT_K_PMIPV6] == g.npmip &&
	            st.delivered[VRRP_HA_EXT_K_ATTACH] == g.natt &&
	            st.delivered[VRRP_HA_EXT_K_CAPS] == g.ncaps);

	if (g.ncaps + g.nmip + g.npmip + g.natt == 0) {
		got_free(&g);
		return 0;
	}
	out = malloc(cap);
	FUZZ_ASSERT(out);
	if (reencode(&g, out, cap, &n) == 0) {
		FUZZ_ASSERT(n > 0);
		FUZZ_ASSERT(parse(out, n, &g2, &st2) == VRRP_HA_EXT_OK);
		compare(&g, &g2);
		got_free(&g2);
	}
	free(out);
	got_free(&g);
	return 0;
}

void fuzz_target_init(void)
{
}

void fuzz_target_fini(void)
{
}

FUZZ_LIBFUZZER_INIT
