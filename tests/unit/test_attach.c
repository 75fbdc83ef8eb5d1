/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_attach.c - attachments (docs/attachments.md): the option codec
 * (known-answer bytes built by hand, every prefix, the bounds) and their
 * replication with the bindings between instances on test_loop (nodes.c):
 * live changes, a fresh backup's framed full sync, a failover and the
 * owner's restore, with and without auth.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nodes.h"
#include "test_loop.h"
#include "vrrp_ha/attach.h"
#include "vrrp_ha/ext.h"
#include "vrrp_ha/resync.h"
#include "vrrp_ha/ha.h"
#include "vrrp_ha/mopt.h"
#include "vrrp_ha/rbc.h"

#include "check.h"

/* ---- codec -------------------------------------------------------------- */

static int set_aaa(uint8_t *out, size_t *olen, const uint8_t *in, size_t inlen, uint32_t code,
                   const void *d, size_t n, size_t max)
{
	struct vrrp_ha_att a = {.type = VRRP_HA_ATT_AAA, .code = code, .data = d, .len = n};

	return vrrp_ha_att_edit(in, inlen, &a, false, max, out, 2048, olen);
}

static int set_vendor(uint8_t *out, size_t *olen, const uint8_t *in, size_t inlen, uint32_t v,
                      uint8_t sub, const void *d, size_t n)
{
	struct vrrp_ha_att a = {
	        .type = VRRP_HA_ATT_VENDOR, .vendor = v, .subtype = sub, .data = d, .len = n};

	return vrrp_ha_att_edit(in, inlen, &a, false, RBC_OPTS_MAX, out, 2048, olen);
}

static void test_codec(void)
{
	/* RFC 5094 3: type 19, length, vendor id u32, sub-type, data */
	static const uint8_t aaa1[] = {19,   11,   0x00, 0x00,
	                               0x7e, 0xd9, 0x01,       /* PEN 32473, AAA */
	                               0x00, 0x00, 0x00, 0x01, /* AVP code 1 */
	                               0xab, 0xcd};
	static const uint8_t both[] = {
	        19,   11,   0x00, 0x00, 0x7e, 0xd9, 0x01, 0x00, 0x00, 0x00,
	        0x01, 0xab, 0xcd, 19,   6,    0x00, 0x00, 0x28, 0xaf, /* 10415 */
	        0x03, 0x01};
	static const uint8_t repl[] = {19,   6,    0x00, 0x00, 0x28, 0xaf, 0x03, 0x01, 19,   10,
	                               0x00, 0x00, 0x7e, 0xd9, 0x01, 0x00, 0x00, 0x00, 0x01, 0xee};
	uint8_t a[2048], b[2048], big[300];
	size_t al = 0, bl = 0;
	struct vrrp_ha_att rm = {.type = VRRP_HA_ATT_AAA, .code = 1};
	struct vrrp_ha_mopt_it it;
	struct vrrp_ha_att got;
	char txt[512];

	CHECK_EQ(set_aaa(a, &al, NULL, 0, 1, "\xab\xcd", 2, RBC_OPTS_MAX), 0);
	CHECK_EQ(al, sizeof(aaa1));
	CHECK(!memcmp(a, aaa1, sizeof(aaa1)));
	CHECK_EQ(set_vendor(b, &bl, a, al, 10415, 3, "\x01", 1), 0);
	CHECK_EQ(bl, sizeof(both));
	CHECK(!memcmp(b, both, sizeof(both)));
	/* the same identity replaces (and moves to the end) */
	CHECK_EQ(set_aaa(a, &al, b, bl, 1, "\xee", 1, RBC_OPTS_MAX), 0);
	CHECK_EQ(al, sizeof(repl));
	CHECK(!memcmp(a, repl, sizeof(repl)));
	/* remove; removing again is ENOENT */
	CHECK_EQ(vrrp_ha_att_edit(a, al, &rm, true, RBC_OPTS_MAX, b, sizeof(b), &bl), 0);
	CHECK_EQ(bl, 8);
	CHECK(!memcmp(b, both + 13, 8));
	CHECK_EQ(vrrp_ha_att_edit(b, bl, &rm, true, RBC_OPTS_MAX, a, sizeof(a), &al), -ENOENT);
	/* bounds: one option's data, the list's total, the AAA identity */
	memset(big, 0x5a, sizeof(big));
	CHECK_EQ(set_aaa(a, &al, NULL, 0, 9, big, VRRP_HA_ATT_AAA_MAX, RBC_OPTS_MAX), 0);
	CHECK_EQ(al, 257);
	CHECK_EQ(set_aaa(a, &al, NULL, 0, 9, big, VRRP_HA_ATT_AAA_MAX + 1, RBC_OPTS_MAX), -EINVAL);
	CHECK_EQ(set_vendor(a, &al, NULL, 0, 1, 1, big, VRRP_HA_ATT_VENDOR_MAX + 1), -EINVAL);
	CHECK_EQ(set_vendor(a, &al, NULL, 0, VRRP_HA_ATT_PEN, VRRP_HA_ATT_AAA_SUBTYPE, big, 1),
	         -EINVAL);
	CHECK_EQ(set_aaa(a, &al, NULL, 0, 9, big, 20, 24), -E2BIG);
	{
		uint8_t list[RBC_OPTS_MAX];
		size_t ll = 0, i;
		int rc = 0;

		for (i = 0; rc == 0; i++) {
			rc = set_aaa(a, &al, list, ll, (uint32_t)i, big, 200, RBC_OPTS_MAX);
			if (rc == 0) {
				memcpy(list, a, al);
				ll = al;
			}
		}
		CHECK_EQ(rc, -E2BIG);
		CHECK_EQ(i, 5); /* 4 x 211 = 844 bytes; a fifth would be 1055 */
		CHECK_EQ(ll, 844);
	}
	/* a malformed list in is refused */
	CHECK_EQ(set_aaa(a, &al, both, 5, 1, "x", 1, RBC_OPTS_MAX), -EINVAL);

	/* reading: both, then every prefix of it ends cleanly */
	vrrp_ha_mopt_begin(&it, both, sizeof(both));
	CHECK_EQ(vrrp_ha_att_next(&it, &got), 1);
	CHECK_EQ(got.type, VRRP_HA_ATT_AAA);
	CHECK_EQ(got.code, 1);
	CHECK_EQ(got.len, 2);
	CHECK_EQ(vrrp_ha_att_next(&it, &got), 1);
	CHECK_EQ(got.type, VRRP_HA_ATT_VENDOR);
	CHECK_EQ(got.vendor, 10415);
	CHECK_EQ(got.subtype, 3);
	CHECK_EQ(vrrp_ha_att_next(&it, &got), 0);
	for (size_t p = 0; p < sizeof(both); p++) {
		int rc, k = 0;
		uint8_t *cp = malloc(p ? p : 1); /* ASan sees any read past p */

		memcpy(cp, both, p);
		vrrp_ha_mopt_begin(&it, cp, p);
		while ((rc = vrrp_ha_att_next(&it, &got)) == 1)
			k++;
		CHECK(rc == 0 || rc == -1);
		CHECK_EQ(rc == 0, p == 0 || p == 13);
		CHECK_EQ(k, p >= 13 ? 1 : 0);
		free(cp);
	}
	/* text and JSON */
	CHECK(vrrp_ha_att_format(txt, sizeof(txt), both, sizeof(both), false) > 0);
	CHECK(!strcmp(txt, " aaa:1=abcd vendor:10415:3=01"));
	vrrp_ha_att_format(txt, sizeof(txt), both, sizeof(both), true);
	CHECK(!strcmp(txt,
	              ",\"attachments\":[{\"type\":\"aaa\",\"code\":1,\"data\":\"abcd\"},"
	              "{\"type\":\"vendor\",\"vendor\":10415,\"subtype\":3,\"data\":\"01\"}]"));
	CHECK_EQ(vrrp_ha_att_format(txt, sizeof(txt), (const uint8_t *)"\x01\x00", 2, true), 0);
	/* truncation never runs past cap */
	CHECK(vrrp_ha_att_format(txt, 10, both, sizeof(both), false) == 9);
	CHECK_EQ(strlen(txt), 9);
}

/* ---- the table ------------------------------------------------------------ */

static void test_table(void)
{
	struct vrrp_ha_rbc *t = rbc_new(0, 60000);
	struct in6_addr hoa, coa;
	const uint8_t *o;
	size_t ol;
	uint8_t opt[] = {19, 6, 0, 0, 0x28, 0xaf, 3, 1};
	struct vrrp_ha_binding b[4];

	nodes_addr(&hoa, "2001:db8:aa::", 1);
	nodes_addr(&coa, "2001:db8:cc::", 1);
	CHECK_EQ(rbc_set_opts_local(t, &hoa, opt, sizeof(opt), 1000), RBC_NOT_FOUND);
	CHECK_EQ(rbc_set_local(t, &hoa, &coa, 100, 1, 0x4000, 1000), RBC_ADDED);
	rbc_take_dirty(t, b, 4, 1000);
	CHECK_EQ(rbc_opts_count(t), 0);
	CHECK_EQ(rbc_set_opts_local(t, &hoa, opt, sizeof(opt), 5000), RBC_UPDATED);
	CHECK_EQ(rbc_dirty_count(t), 1);
	CHECK_EQ(rbc_opts_count(t), 1);
	CHECK(rbc_lookup_opts(t, &hoa, 5000, &o, &ol));
	CHECK_EQ(ol, sizeof(opt));
	CHECK(!memcmp(o, opt, ol));
	CHECK_EQ(rbc_set_opts_local(t, &hoa, opt, sizeof(opt), 5000), RBC_REFRESHED);
	/* the lifetime ran on: ~96 s left, not renewed to 100 */
	{
		struct rbc_view v;

		CHECK(rbc_lookup(t, &hoa, 5000, &v));
		CHECK_EQ(v.lifetime_s, 96);
	}
	/* a daemon refresh keeps them; a malformed list is refused */
	CHECK_EQ(rbc_set_local(t, &hoa, &coa, 100, 2, 0x4000, 6000), RBC_UPDATED);
	CHECK(rbc_lookup_opts(t, &hoa, 6000, &o, &ol) && ol == sizeof(opt));
	CHECK_EQ(rbc_set_opts_local(t, &hoa, opt, 5, 6000), RBC_NOMEM);
	/* removing them all */
	CHECK_EQ(rbc_set_opts_local(t, &hoa, NULL, 0, 6000), RBC_UPDATED);
	CHECK(rbc_lookup_opts(t, &hoa, 6000, &o, &ol) && ol == 0 && o == NULL);
	CHECK_EQ(rbc_opts_count(t), 0);
	/* a delete drops them; the binding created again has none */
	CHECK_EQ(rbc_set_opts_local(t, &hoa, opt, sizeof(opt), 6000), RBC_UPDATED);
	CHECK_EQ(rbc_delete_local(t, &hoa, 7000), RBC_DELETED);
	CHECK_EQ(rbc_set_local(t, &hoa, &coa, 100, 3, 0x4000, 8000), RBC_ADDED);
	CHECK(rbc_lookup_opts(t, &hoa, 8000, &o, &ol) && ol == 0);
	rbc_free(t);
}

/* ---- replication -------------------------------------------------------- */

static char dir[] = "/tmp/test_attach.XXXXXX";

static void cfg_for(struct vrrp_ha_config *c, bool auth, const char *name)
{
	static char keys[300], epoch[4][300];
	static unsigned k;

	vrrp_ha_config_defaults(c);
	c->extensions = VRRP_HA_EXT_ON;
	if (!auth)
		return;
	snprintf(keys, sizeof(keys), "%s/keys", dir);
	if (access(keys, F_OK)) {
		FILE *f = fopen(keys, "w");

		CHECK(f != NULL);
		fprintf(f, "key 1 aes-256-gcm "
		           "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n");
		fclose(f);
		chmod(keys, 0600);
	}
	snprintf(epoch[k % 4], sizeof(epoch[0]), "%s/%s.%u.epoch", dir, name, k);
	c->auth = VRRP_HA_AUTH_ENCRYPT;
	c->auth_key_file = keys;
	c->auth_epoch_file = epoch[k % 4];
	k++;
}

/* Attach AAA code i and vendor 10415:i to binding i of h's bc. */
static void attach_n(struct vrrp_ha *h, unsigned from, unsigned n)
{
	for (unsigned i = from; i < from + n; i++) {
		struct in6_addr hoa;
		uint8_t d[4] = {0xde, 0xad, (uint8_t)i, 0};
		struct vrrp_ha_att aaa = {.type = VRRP_HA_ATT_AAA, .code = i, .data = d, .len = 3};
		struct vrrp_ha_att ven = {.type = VRRP_HA_ATT_VENDOR,
		                          .vendor = 10415,
		                          .subtype = (uint8_t)i,
		                          .data = d,
		                          .len = 4};

		nodes_addr(&hoa, "2001:db8:aa::", i + 1);
		CHECK_EQ(vrrp_ha_attach(h, &hoa, &aaa, false, NULL), 0);
		CHECK_EQ(vrrp_ha_attach(h, &hoa, &ven, false, NULL), 0);
	}
}

/* Bindings [from, from + n) of t carry exactly what attach_n() set. */
static unsigned count_attached(struct vrrp_ha *h, struct vrrp_ha_rbc *t, unsigned from, unsigned n)
{
	unsigned ok = 0;

	for (unsigned i = from; i < from + n; i++) {
		struct in6_addr hoa;
		const uint8_t *o;
		size_t ol;
		struct vrrp_ha_mopt_it it;
		struct vrrp_ha_att a;
		unsigned k = 0;

		nodes_addr(&hoa, "2001:db8:aa::", i + 1);
		if (!rbc_lookup_opts(t, &hoa, vrrp_ha_now(h), &o, &ol))
			continue;
		vrrp_ha_mopt_begin(&it, o, ol);
		while (vrrp_ha_att_next(&it, &a) == 1)
			if ((a.type == VRRP_HA_ATT_AAA && a.code == i && a.len == 3) ||
			    (a.type == VRRP_HA_ATT_VENDOR && a.vendor == 10415 &&
			     a.subtype == (uint8_t)i && a.len == 4 && a.data[2] == (uint8_t)i))
				k++;
		ok += k == 2;
	}
	return ok;
}

static void add_n(struct vrrp_ha *h, unsigned n, unsigned seq)
{
	struct in6_addr hoa, coa;

	for (unsigned i = 0; i < n; i++) {
		nodes_addr(&hoa, "2001:db8:aa::", i + 1);
		nodes_addr(&coa, "2001:db8:cc::", i + 1);
		vrrp_ha_bc_add(h, &hoa, &coa, 3600, (uint16_t)seq, 0xc000);
	}
}

static void digests_equal(struct vrrp_ha_rbc *a, struct vrrp_ha_rbc *b)
{
	uint32_t ca, cb;
	uint64_t sa, sb;

	rbc_digest_total(a, &ca, &sa);
	rbc_digest_total(b, &cb, &sb);
	CHECK_EQ(ca, cb);
	CHECK_EQ(sa, sb);
}

static void test_replication(bool auth)
{
	struct node n[3];
	struct vrrp_ha_config ca, cb, cc;
	const unsigned N = 60, A = 40;

	cfg_for(&ca, auth, "A");
	cfg_for(&cb, auth, "B");
	cfg_for(&cc, auth, "C");
	nodes_pair(n, &ca, &cb, 3000);
	add_n(n[0].h, N, 5);
	nodes_settle(n, 2, 500);
	CHECK_EQ(rbc_count(vrrp_ha_get_rbc(n[1].h)), N);

	/* live: attachments set on the owner reach the backup */
	attach_n(n[0].h, 0, A);
	nodes_settle(n, 2, 500);
	CHECK_EQ(count_attached(n[1].h, vrrp_ha_get_rbc(n[1].h), 0, A), A);
	digests_equal(vrrp_ha_get_bc(n[0].h), vrrp_ha_get_rbc(n[1].h));
	/* a daemon refresh keeps them, on both */
	add_n(n[0].h, N, 5);
	nodes_settle(n, 2, 500);
	CHECK_EQ(count_attached(n[0].h, vrrp_ha_get_bc(n[0].h), 0, A), A);
	CHECK_EQ(count_attached(n[1].h, vrrp_ha_get_rbc(n[1].h), 0, A), A);
	digests_equal(vrrp_ha_get_bc(n[0].h), vrrp_ha_get_rbc(n[1].h));
	/* one removed: gone on the backup too */
	{
		struct in6_addr hoa;

		nodes_addr(&hoa, "2001:db8:aa::", 1);
		struct vrrp_ha_att rm = {.type = VRRP_HA_ATT_AAA, .code = 0};
		struct vrrp_ha_att rmv = {.type = VRRP_HA_ATT_VENDOR, .vendor = 10415};
		size_t ol = 1;

		CHECK_EQ(vrrp_ha_attach(n[0].h, &hoa, &rm, true, &ol), 0);
		CHECK_EQ(vrrp_ha_attach(n[0].h, &hoa, &rm, true, &ol), -ESRCH);
		CHECK_EQ(vrrp_ha_attach(n[0].h, &hoa, &rmv, true, &ol), 0);
		CHECK_EQ(ol, 0);
		nodes_settle(n, 2, 500);
		CHECK_EQ(count_attached(n[1].h, vrrp_ha_get_rbc(n[1].h), 0, A), A - 1);
		attach_n(n[0].h, 0, 1);
		nodes_settle(n, 2, 500);
		CHECK_EQ(count_attached(n[1].h, vrrp_ha_get_rbc(n[1].h), 0, A), A);
	}

	/* a fresh backup C gets them in its framed full sync */
	node_init(&n[2], "C", 100, &cc);
	vrrp_ha_set_state(n[2].h, VRRP_HA_ST_BACKUP);
	nodes_settle(n, 3, 3000);
	CHECK_EQ(rbc_count(vrrp_ha_get_rbc(n[2].h)), N);
	CHECK_EQ(count_attached(n[2].h, vrrp_ha_get_rbc(n[2].h), 0, A), A);
	digests_equal(vrrp_ha_get_bc(n[0].h), vrrp_ha_get_rbc(n[2].h));

	/* the owner crashes; B takes over and serves them; the owner comes
	 * back empty, its daemon re-adds the bindings (no attachments) and
	 * the restore gives them back */
	node_restart(&n[0], "A", 255, &ca);
	vrrp_ha_set_state(n[1].h, VRRP_HA_ST_MASTER);
	nodes_settle(n + 1, 2, 500);
	CHECK_EQ(count_attached(n[2].h, vrrp_ha_get_rbc(n[2].h), 0, A), A);
	add_n(n[0].h, N, 5);
	CHECK_EQ(count_attached(n[0].h, vrrp_ha_get_bc(n[0].h), 0, A), 0);
	vrrp_ha_set_state(n[0].h, VRRP_HA_ST_MASTER);
	vrrp_ha_set_state(n[1].h, VRRP_HA_ST_BACKUP);
	nodes_settle(n, 3, 5000);
	CHECK_EQ(rbc_count(vrrp_ha_get_bc(n[0].h)), N);
	CHECK_EQ(count_attached(n[0].h, vrrp_ha_get_bc(n[0].h), 0, A), A);
	CHECK(vrrp_ha_counters(n[0].h)->restored >= A);
	/* and the owner, master again, replicates them as before */
	attach_n(n[0].h, A, N - A);
	nodes_settle(n, 3, 1000);
	CHECK_EQ(count_attached(n[1].h, vrrp_ha_get_rbc(n[1].h), 0, N), N);
	CHECK_EQ(count_attached(n[2].h, vrrp_ha_get_rbc(n[2].h), 0, N), N);
	digests_equal(vrrp_ha_get_bc(n[0].h), vrrp_ha_get_rbc(n[1].h));
	if (getenv("DBG")) {
		char j[8192];

		for (int k = 0; k < 3; k++) {
			vrrp_ha_counters_json(n[k].h, j, sizeof(j));
			fprintf(stderr, "%d: %s\n", k, j);
		}
	}
	for (int i = 0; i < 3; i++)
		node_free(&n[i]);
}

/* ---- State Synchronization Request (resync.c) ---------------------------- */

/* KEYS known answer: built byte by byte, then by the encoder; every prefix
 * refused whole. */
static unsigned keys_seen, keys_none, req_seen;

static void on_keys(void *arg, const struct vrrp_ha_ext_keys *k)
{
	(void)arg;
	keys_seen++;
	keys_none += (k->flags & VRRP_HA_EXT_KEYS_NONE) != 0;
}

static void on_req(void *arg, const struct vrrp_ha_ext_request *q)
{
	(void)arg;
	req_seen += q->what == VRRP_HA_EXT_REQ_KEYS;
}

static void test_keys_codec(void)
{
	static const uint8_t msg[] = {
	        0x3c, 51, 1, 2,  0,    0,    0,    0, /* header, 2 sections */
	        7,    1,  0, 24,                      /* REQUEST x1, len 24 */
	        0,    0,  0, 9,  3,    2,    0,    0, /* id 9, KEYS, MIPV6, flags */
	        0,    0,  0, 0,  0,    0,    0,    0,    0, 0, 0, 0, 0, 0, 0, 0, /* :: */
	        13,   2,  0, 20, /* KEYS x2, len 20 */
	        2,    0,  0, 0,  0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	        2,    1,  0, 0,  0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
	struct vrrp_ha_ext_cb cb = {.request = on_req, .keys = on_keys};
	struct vrrp_ha_ext_request rq = {
	        .req_id = 9, .what = VRRP_HA_EXT_REQ_KEYS, .table_kind = VRRP_HA_EXT_K_MIPV6};
	struct vrrp_ha_ext_keys k1 = {.table_kind = VRRP_HA_EXT_K_MIPV6}, k2;
	struct vrrp_ha_ext_stats st;
	struct vrrp_ha_ext_wr x;
	uint8_t buf[256];
	size_t len;

	inet_pton(AF_INET6, "2001:db8::1", &k1.hoa);
	k2 = k1;
	inet_pton(AF_INET6, "2001:db8::2", &k2.hoa);
	k2.flags = VRRP_HA_EXT_KEYS_NONE;
	CHECK_EQ(vrrp_ha_ext_begin(&x, buf, sizeof(buf), 51), 0);
	CHECK_EQ(vrrp_ha_ext_put_request(&x, &rq), 0);
	CHECK_EQ(vrrp_ha_ext_put_keys(&x, &k1), 0);
	CHECK_EQ(vrrp_ha_ext_put_keys(&x, &k2), 0);
	len = vrrp_ha_ext_finish(&x);
	CHECK_EQ(len, sizeof(msg));
	CHECK(!memcmp(buf, msg, sizeof(msg)));
	memset(&st, 0, sizeof(st));
	keys_seen = keys_none = req_seen = 0;
	CHECK_EQ(vrrp_ha_ext_parse(msg, sizeof(msg), NULL, &cb, &st), VRRP_HA_EXT_OK);
	CHECK_EQ(req_seen, 1);
	CHECK_EQ(keys_seen, 2);
	CHECK_EQ(keys_none, 1);
	CHECK_EQ(st.delivered[VRRP_HA_EXT_K_KEYS], 2);
	for (size_t p = 0; p < sizeof(msg); p++) {
		uint8_t *cp = malloc(p ? p : 1);

		memcpy(cp, msg, p);
		keys_seen = req_seen = 0;
		CHECK(vrrp_ha_ext_parse(cp, p, NULL, &cb, &st) != VRRP_HA_EXT_OK);
		CHECK_EQ(keys_seen + req_seen, 0);
		free(cp);
	}
	/* bad records: kind not MIPV6, unknown flag, unusable HoA; the
	 * encoder refuses them */
	{
		uint8_t bad[sizeof(msg)];

		memcpy(bad, msg, sizeof(msg));
		bad[40] = 4; /* first KEYS: table kind PMIPV6 */
		bad[61] = 2; /* second: flag 0x02 */
		memset(&st, 0, sizeof(st));
		keys_seen = 0;
		CHECK_EQ(vrrp_ha_ext_parse(bad, sizeof(bad), NULL, &cb, &st), VRRP_HA_EXT_OK);
		CHECK_EQ(keys_seen, 0);
		CHECK_EQ(st.reason[VRRP_HA_EXT_R_BAD_REQUEST], 2);
		k1.flags = 4;
		CHECK_EQ(vrrp_ha_ext_put_keys(&x, &k1), -EINVAL);
		inet_pton(AF_INET6, "fe80::1", &k2.hoa);
		k2.flags = 0;
		CHECK_EQ(vrrp_ha_ext_put_keys(&x, &k2), -EINVAL);
	}
}

struct rs_res {
	int calls, result;
	unsigned n;
	uint8_t st[VRRP_HA_RESYNC_MAX];
};

static void rs_cb(void *arg, uint32_t id, const struct in6_addr *keys, const uint8_t *st,
                  unsigned n, int result)
{
	struct rs_res *r = arg;

	(void)id;
	(void)keys;
	r->calls++;
	r->result = result;
	r->n = n;
	memcpy(r->st, st, n);
}

static void test_resync(bool auth)
{
	struct node n[2];
	struct vrrp_ha_config ca, cb;
	struct in6_addr k[3], coa;
	struct rs_res res = {0};
	uint32_t id = 0;
	struct rbc_view v;

	cfg_for(&ca, auth, "A");
	cfg_for(&cb, auth, "B");
	nodes_pair(n, &ca, &cb, 3000);
	add_n(n[0].h, 10, 5);
	attach_n(n[0].h, 0, 2);
	nodes_settle(n, 2, 500);
	CHECK_EQ(rbc_count(vrrp_ha_get_rbc(n[1].h)), 10);

	/* b asks for a binding a has (with attachments), one a lost, one
	 * nobody has: present, none (b's stale copy dropped), none */
	nodes_addr(&k[0], "2001:db8:aa::", 1);
	nodes_addr(&k[1], "2001:db8:aa::", 3);
	nodes_addr(&k[2], "2001:db8:ab::", 1);
	CHECK_EQ(vrrp_ha_bc_del(n[0].h, &k[1]), RBC_DELETED);
	rbc_clear_dirty(vrrp_ha_get_bc(n[0].h)); /* the delete is "lost" */
	{
		struct vrrp_ha_rbc *rb = vrrp_ha_get_rbc(n[1].h);
		const uint8_t *o;
		size_t ol;

		/* b's copy of k[0] lost its attachments and went ahead */
		CHECK(rbc_lookup(rb, &k[0], vrrp_ha_now(n[1].h), &v));
		CHECK_EQ(rbc_set_opts_local(rb, &k[0], NULL, 0, vrrp_ha_now(n[1].h)), RBC_UPDATED);
		CHECK(rbc_lookup_opts(rb, &k[0], vrrp_ha_now(n[1].h), &o, &ol) && ol == 0);
	}
	CHECK_EQ(vrrp_ha_resync(n[1].h, k, 3, rs_cb, &res, &id), 0);
	CHECK(id != 0);
	nodes_settle(n, 2, 200);
	CHECK_EQ(res.calls, 1);
	CHECK_EQ(res.result, 0);
	CHECK_EQ(res.st[0], VRRP_HA_RESYNC_PRESENT);
	CHECK_EQ(res.st[1], VRRP_HA_RESYNC_NONE);
	CHECK_EQ(res.st[2], VRRP_HA_RESYNC_NONE);
	CHECK_EQ(count_attached(n[1].h, vrrp_ha_get_rbc(n[1].h), 0, 2), 2);
	CHECK(!rbc_lookup(vrrp_ha_get_rbc(n[1].h), &k[1], vrrp_ha_now(n[1].h), NULL));
	CHECK_EQ(vrrp_ha_counter(n[1].h, "resync_dropped"), 1);
	CHECK_EQ(vrrp_ha_counter(n[0].h, "resync_served"), 1);
	digests_equal(vrrp_ha_get_bc(n[0].h), vrrp_ha_get_rbc(n[1].h));

	/* refused: a master asks nobody; bad keys */
	CHECK_EQ(vrrp_ha_resync(n[0].h, k, 1, rs_cb, &res, NULL), -EPERM);
	CHECK_EQ(vrrp_ha_resync(n[1].h, k, 0, rs_cb, &res, NULL), -EINVAL);
	CHECK_EQ(vrrp_ha_resync(n[1].h, k, VRRP_HA_RESYNC_MAX + 1, rs_cb, &res, NULL), -EINVAL);

	/* request on our own: b holds k[0] with a newer seq than a's (a
	 * divergence the sequence rules cannot repair); a's next record of
	 * it is stale on b, b asks, and a's answer is the reference */
	{
		struct vrrp_ha_binding b = {
		        .hoa = k[0], .lifetime = 900, .seq = 40, .flags = 0xc000};

		nodes_addr(&b.coa, "2001:db8:ee::", 1);
		CHECK_EQ(rbc_apply(vrrp_ha_get_rbc(n[1].h), &b, vrrp_ha_now(n[1].h)), RBC_UPDATED);
		nodes_addr(&coa, "2001:db8:cc::", 1);
		vrrp_ha_bc_add(n[0].h, &k[0], &coa, 3600, 5, 0xc000);
		nodes_settle(n, 2, 300);
		CHECK(rbc_lookup(vrrp_ha_get_rbc(n[1].h), &k[0], vrrp_ha_now(n[1].h), &v));
		CHECK_EQ(v.seq, 5);
		CHECK(!memcmp(&v.coa, &coa, 16));
		CHECK_EQ(vrrp_ha_counter(n[1].h, "resync_auto_asked"), 1);
		digests_equal(vrrp_ha_get_bc(n[0].h), vrrp_ha_get_rbc(n[1].h));
	}

	/* no answer: the packets are not carried; given up after 0.5+1+2+4 s */
	memset(&res, 0, sizeof(res));
	CHECK_EQ(vrrp_ha_resync(n[1].h, k, 2, rs_cb, &res, NULL), 0);
	test_loop_clear_packets(n[1].loop);
	n[1].fed = 0;
	for (int i = 0; i < 80 && !res.calls; i++) {
		nodes_advance(n + 1, 1, 100);
		test_loop_clear_packets(n[1].loop);
		n[1].fed = 0;
	}
	CHECK_EQ(res.calls, 1);
	CHECK_EQ(res.result, -ETIMEDOUT);
	CHECK_EQ(res.st[0], VRRP_HA_RESYNC_PENDING);
	CHECK_EQ(vrrp_ha_counter(n[1].h, "resync_sent"), 6); /* 1 + 1 auto + 4 */
	CHECK_EQ(vrrp_ha_counter(n[1].h, "resync_timeouts"), 1);
	/* a cancelled request calls nobody */
	memset(&res, 0, sizeof(res));
	CHECK_EQ(vrrp_ha_resync(n[1].h, k, 1, rs_cb, &res, &id), 0);
	vrrp_ha_resync_cancel(n[1].h, id);
	nodes_settle(n, 2, 8000);
	CHECK_EQ(res.calls, 0);
	for (int i = 0; i < 2; i++)
		node_free(&n[i]);
}

int main(void)
{
	char cmd[128];

	CHECK(mkdtemp(dir) != NULL);
	test_codec();
	test_table();
	test_replication(false);
	test_replication(true);
	test_keys_codec();
	test_resync(false);
	test_resync(true);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	if (failures)
		fprintf(stderr, "%d check(s) failed\n", failures);
	return failures ? 1 : 0;
}
