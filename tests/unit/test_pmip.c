/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_pmip.c - PMIPv6 proxy bindings (docs/pmipv6.md): a binding to its
 * store record and its wire options and back; their replication between
 * instances on test_loop (nodes.c): live changes and deletes, timestamp
 * staleness, extensions off, with and without auth.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nodes.h"
#include "test_loop.h"
#include "vrrp_ha/events.h"
#include "vrrp_ha/ext.h"
#include "vrrp_ha/ha.h"
#include "vrrp_ha/pmip.h"
#include "vrrp_ha/rbc.h"
#include "vrrp_ha/store.h"

#include "check.h"

static char dir[] = "/tmp/test_pmip.XXXXXX";

/* Proxy binding i: MN-ID "mn<i>@lma.example" (NAI), HNPs 2001:db8:<i>::/64
 * (and a second /64 for odd i), PCoA 2001:db8:ma::<i % 4 + 1>. */
static void pmip_n(struct vrrp_ha_pmip *p, unsigned i, uint64_t ts)
{
	char id[64];

	memset(p, 0, sizeof(*p));
	snprintf(id, sizeof(id), "mn%u@lma.example", i);
	CHECK(vrrp_ha_pmip_mnid_parse(id, p->mnid, sizeof(p->mnid)) > 0);
	p->mnid_len = strlen(id) + 1;
	nodes_addr(&p->hnp[0].prefix, "2001:db8:1::", 0);
	p->hnp[0].prefix.s6_addr[4] = (uint8_t)(i >> 8);
	p->hnp[0].prefix.s6_addr[5] = (uint8_t)i;
	p->hnp[0].plen = 64;
	p->nhnp = 1;
	if (i & 1) {
		p->hnp[1] = p->hnp[0];
		p->hnp[1].prefix.s6_addr[6] = 1;
		p->nhnp = 2;
	}
	nodes_addr(&p->pcoa, "2001:db8:ac::", i % 4 + 1);
	p->lifetime_s = 3600;
	p->timestamp = ts;
	p->att = 4; /* RFC 5213 8.5: an IANA access technology type */
	p->flags = 0x0200;
	p->tunnel_id = 100 + i;
	if (i % 3 == 0) {
		p->llid_len = 6;
		memcpy(p->llid, "\x02\x00\x00\x00\x00", 5);
		p->llid[5] = (uint8_t)i;
	}
	if (i % 5 == 0) {
		p->has_lla = true;
		inet_pton(AF_INET6, "fe80::1", &p->lla);
	}
}

static bool pmip_eq(const struct vrrp_ha_pmip *a, const struct vrrp_ha_pmip *b)
{
	if (a->mnid_len != b->mnid_len || memcmp(a->mnid, b->mnid, a->mnid_len) ||
	    a->nhnp != b->nhnp || memcmp(&a->pcoa, &b->pcoa, 16) || a->timestamp != b->timestamp ||
	    a->att != b->att || a->tunnel_id != b->tunnel_id || a->flags != b->flags ||
	    a->llid_len != b->llid_len || memcmp(a->llid, b->llid, a->llid_len) ||
	    a->has_lla != b->has_lla || (a->has_lla && memcmp(&a->lla, &b->lla, 16)))
		return false;
	for (unsigned i = 0; i < a->nhnp; i++)
		if (a->hnp[i].plen != b->hnp[i].plen ||
		    memcmp(&a->hnp[i].prefix, &b->hnp[i].prefix, 16))
			return false;
	return true;
}

/* ---- forms -------------------------------------------------------------- */

static struct vrrp_ha_pmip seen;
static unsigned nseen;

static void on_pmip(void *arg, const struct vrrp_ha_ext_pmipv6 *e)
{
	(void)arg;
	CHECK_EQ(vrrp_ha_pmip_from_ext(e, &seen), 0);
	nseen++;
}

static void test_forms(void)
{
	for (unsigned i = 0; i < 16; i++) {
		struct vrrp_ha_pmip p, q;
		struct vrrp_ha_pmip_buf b;
		struct vrrp_ha_record r;
		uint8_t pkt[2048];
		struct vrrp_ha_ext_wr x;
		struct vrrp_ha_ext_pmipv6 e;
		uint8_t opts[VRRP_HA_PMIP_OPTS_MAX];
		struct vrrp_ha_ext_cb cb = {.pmipv6 = on_pmip};
		struct vrrp_ha_ext_hdr hd;
		size_t len;

		pmip_n(&p, i, 0x123456780000ull + i);
		CHECK_EQ(vrrp_ha_pmip_to_record(&p, &b, &r), 0);
		CHECK(vrrp_ha_key_valid(&r.key));
		CHECK_EQ(vrrp_ha_pmip_from_record(&r, &q), 0);
		q.lifetime_s = p.lifetime_s;
		CHECK(pmip_eq(&p, &q));

		/* through the wire's encoder and parser */
		memset(&e, 0, sizeof(e));
		e.lifetime = 900;
		e.flags = p.flags;
		e.att = p.att;
		e.tunnel_id = p.tunnel_id;
		e.pcoa = p.pcoa.s6_addr;
		e.optlen = vrrp_ha_pmip_wire_opts(&p, opts, sizeof(opts));
		e.opts = opts;
		CHECK(e.optlen > 0);
		vrrp_ha_ext_begin(&x, pkt, sizeof(pkt), 51);
		CHECK_EQ(vrrp_ha_ext_put_pmipv6(&x, &e), 0);
		len = vrrp_ha_ext_finish(&x);
		CHECK(len > 0);
		nseen = 0;
		vrrp_ha_ext_parse(pkt, len, &hd, &cb, NULL);
		CHECK_EQ(nseen, 1);
		CHECK(pmip_eq(&p, &seen));
		CHECK_EQ(seen.lifetime_s, 3600);
	}
	/* out of range */
	{
		struct vrrp_ha_pmip p;
		struct vrrp_ha_pmip_buf b;
		struct vrrp_ha_record r;
		uint8_t m[300];
		char big[300];

		pmip_n(&p, 1, 1);
		p.nhnp = 0;
		CHECK_EQ(vrrp_ha_pmip_to_record(&p, &b, &r), -1);
		pmip_n(&p, 1, 1);
		p.hnp[1].plen = 129;
		CHECK_EQ(vrrp_ha_pmip_to_record(&p, &b, &r), -1);
		memset(big, 'a', 254);
		big[254] = 0;
		CHECK_EQ(vrrp_ha_pmip_mnid_parse(big, m, sizeof(m)), 255);
		big[254] = 'a';
		big[255] = 0;
		CHECK_EQ(vrrp_ha_pmip_mnid_parse(big, m, sizeof(m)), -1);
		CHECK_EQ(vrrp_ha_pmip_mnid_parse("", m, sizeof(m)), -1);
		CHECK_EQ(vrrp_ha_pmip_mnid_parse("0x01", m, sizeof(m)), -1);
		CHECK_EQ(vrrp_ha_pmip_mnid_parse("0x0261", m, sizeof(m)), 2);
		CHECK_EQ(vrrp_ha_pmip_mnid_parse("0x02zz", m, sizeof(m)), -1);
	}
}

/* ---- replication -------------------------------------------------------- */

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

static void add_n(struct vrrp_ha *h, unsigned from, unsigned n, uint64_t ts)
{
	for (unsigned i = from; i < from + n; i++) {
		struct vrrp_ha_pmip p;
		int res;

		pmip_n(&p, i, ts);
		res = vrrp_ha_pmip_add(h, &p);
		CHECK(res == STORE_ADDED || res == STORE_UPDATED || res == STORE_REFRESHED);
	}
}

/* Proxy bindings [from, from + n) of t equal pmip_n(i, ts). */
static unsigned count_same(struct vrrp_ha *h, struct vrrp_ha_rbc *t, unsigned from, unsigned n,
                           uint64_t ts)
{
	unsigned ok = 0;

	for (unsigned i = from; i < from + n; i++) {
		struct vrrp_ha_pmip p, q;
		struct vrrp_ha_pmip_buf b;
		struct vrrp_ha_record r, have;

		pmip_n(&p, i, ts);
		CHECK_EQ(vrrp_ha_pmip_to_record(&p, &b, &r), 0);
		if (!store_lookup(rbc_store(t), &r.key, vrrp_ha_now(h), &have) ||
		    vrrp_ha_pmip_from_record(&have, &q))
			continue;
		ok += pmip_eq(&p, &q) && have.lifetime_s > 3500;
	}
	return ok;
}

static void digests_equal(struct vrrp_ha_rbc *a, struct vrrp_ha_rbc *b)
{
	uint32_t ca, cb;
	uint64_t sa, sb;

	store_digest_total(rbc_store(a), VRRP_HA_KIND_PMIPV6, &ca, &sa);
	store_digest_total(rbc_store(b), VRRP_HA_KIND_PMIPV6, &cb, &sb);
	CHECK_EQ(ca, cb);
	CHECK_EQ(sa, sb);
}

static unsigned ev_pmip[VRRP_HA_E__COUNT], ev_other;

static void on_event(void *arg, const struct vrrp_ha_event *ev)
{
	char line[1024];

	(void)arg;
	if (ev->p) {
		ev_pmip[ev->type]++;
		CHECK(ev->b == NULL);
		CHECK(vrrp_ha_event_format(ev, false, line, sizeof(line)) > 0);
		CHECK(strstr(line, " pmip mn") != NULL);
		CHECK(vrrp_ha_event_format(ev, true, line, sizeof(line)) > 0);
		CHECK(strstr(line, "\"kind\":\"pmip\"") != NULL);
	}
}

static void on_mipv6_only(void *arg, const struct vrrp_ha_event *ev)
{
	(void)arg;
	if (ev->p || !ev->b)
		ev_other++;
}

static uint64_t sync_counter(struct vrrp_ha *h, const char *name)
{
	char j[16384], key[80], *p;

	vrrp_ha_counters_json(h, j, sizeof(j));
	snprintf(key, sizeof(key), "\"%s\":", name);
	p = strstr(j, key);
	return p ? strtoull(p + strlen(key), NULL, 10) : UINT64_MAX;
}

static void test_replication(bool auth)
{
	struct node n[2];
	struct vrrp_ha_config ca, cb;
	const unsigned N = 50;
	uint64_t ts = 0x0000675000000000ull;

	cfg_for(&ca, auth, "A");
	cfg_for(&cb, auth, "B");
	nodes_pair(n, &ca, &cb, 3000);
	memset(ev_pmip, 0, sizeof(ev_pmip));
	ev_other = 0;
	CHECK(vrrp_ha_subscribe(n[1].h, VRRP_HA_EMASK_ALL | VRRP_HA_EMASK_PMIP, on_event, NULL));
	CHECK(vrrp_ha_subscribe(n[1].h, VRRP_HA_EMASK_CHANGE, on_mipv6_only, NULL));

	/* live: added on the owner, on the backup after one coalescing period */
	add_n(n[0].h, 0, N, ts);
	CHECK_EQ(vrrp_ha_pmip_count(n[0].h, true), N);
	nodes_settle(n, 2, 500);
	CHECK_EQ(vrrp_ha_pmip_count(n[1].h, false), N);
	CHECK_EQ(count_same(n[1].h, vrrp_ha_get_rbc(n[1].h), 0, N, ts), N);
	digests_equal(vrrp_ha_get_bc(n[0].h), vrrp_ha_get_rbc(n[1].h));
	CHECK_EQ(ev_pmip[VRRP_HA_E_ADDED], N);
	CHECK_EQ(ev_other, 0); /* a MIPv6 subscriber never sees one */
	CHECK_EQ(sync_counter(n[0].h, "pmip_tx"), N);
	CHECK_EQ(sync_counter(n[1].h, "pmip_rx"), N);

	/* a newer timestamp updates; an older one from the daemon is refused */
	add_n(n[0].h, 0, 10, ts + 0x10000);
	{
		struct vrrp_ha_pmip p;

		pmip_n(&p, 3, ts);
		CHECK_EQ(vrrp_ha_pmip_add(n[0].h, &p), STORE_STALE);
	}
	nodes_settle(n, 2, 500);
	CHECK_EQ(count_same(n[1].h, vrrp_ha_get_rbc(n[1].h), 0, 10, ts + 0x10000), 10);
	CHECK_EQ(ev_pmip[VRRP_HA_E_UPDATED], 10);
	digests_equal(vrrp_ha_get_bc(n[0].h), vrrp_ha_get_rbc(n[1].h));

	/* deletes by MN-ID: an ATT / LL-ID filter that does not match deletes nothing */
	{
		struct vrrp_ha_pmip p;

		pmip_n(&p, 12, ts);
		CHECK_EQ(vrrp_ha_pmip_del(n[0].h, p.mnid, p.mnid_len, 5, NULL, 0), 0);
		CHECK_EQ(vrrp_ha_pmip_del(n[0].h, p.mnid, p.mnid_len, 4, (const uint8_t *)"x", 1),
		         0);
		CHECK_EQ(vrrp_ha_pmip_del(n[0].h, p.mnid, p.mnid_len, 4, p.llid, p.llid_len), 1);
		pmip_n(&p, 13, ts);
		CHECK_EQ(vrrp_ha_pmip_del(n[0].h, p.mnid, p.mnid_len, -1, NULL, 0), 1);
	}
	nodes_settle(n, 2, 500);
	CHECK_EQ(vrrp_ha_pmip_count(n[1].h, false), N - 2);
	CHECK_EQ(ev_pmip[VRRP_HA_E_DELETED], 2);
	digests_equal(vrrp_ha_get_bc(n[0].h), vrrp_ha_get_rbc(n[1].h));
	/* the peers' tombstone refuses the deleted version; a new registration
	 * (a newer timestamp, RFC 5213 5.5) brings the binding back */
	add_n(n[0].h, 12, 1, ts);
	nodes_settle(n, 2, 500);
	CHECK_EQ(vrrp_ha_pmip_count(n[1].h, false), N - 2);
	CHECK(sync_counter(n[1].h, "pmip_rx_stale") >= 1);
	add_n(n[0].h, 12, 1, ts + 0x20000);
	nodes_settle(n, 2, 500);
	CHECK_EQ(vrrp_ha_pmip_count(n[1].h, false), N - 1);
	CHECK_EQ(count_same(n[1].h, vrrp_ha_get_rbc(n[1].h), 12, 1, ts + 0x20000), 1);
	digests_equal(vrrp_ha_get_bc(n[0].h), vrrp_ha_get_rbc(n[1].h));

	/* a short lifetime runs out on both nodes: EXPIRE events, no delete sent */
	{
		struct vrrp_ha_pmip p;

		pmip_n(&p, 30, ts + 0x30000);
		p.lifetime_s = 8;
		CHECK_EQ(vrrp_ha_pmip_add(n[0].h, &p), STORE_UPDATED);
		nodes_settle(n, 2, 500);
		CHECK_EQ(vrrp_ha_pmip_count(n[1].h, false), N - 1);
		nodes_advance(n, 2, 9000);
		nodes_carry(n, 2);
		CHECK_EQ(vrrp_ha_pmip_count(n[0].h, true), N - 2);
		CHECK_EQ(vrrp_ha_pmip_count(n[1].h, false), N - 2);
		CHECK_EQ(ev_pmip[VRRP_HA_E_EXPIRED], 1);
		add_n(n[0].h, 30, 1, ts + 0x40000);
		nodes_settle(n, 2, 500);
		CHECK_EQ(vrrp_ha_pmip_count(n[1].h, false), N - 1);
	}

	/* a failover: B, master, keeps them and sends its own changes */
	vrrp_ha_set_state(n[1].h, VRRP_HA_ST_MASTER);
	vrrp_ha_set_state(n[0].h, VRRP_HA_ST_BACKUP);
	nodes_settle(n, 2, 500);
	CHECK_EQ(vrrp_ha_pmip_count(n[1].h, false), N - 1);
	for (int i = 0; i < 2; i++)
		node_free(&n[i]);
}

/* Framed full sync with its proof, a lost delete repaired by the
 * anti-entropy digest, the owner's restore after a crash. */
static void test_sync(bool auth)
{
	struct node n[3];
	struct vrrp_ha_config ca, cb, cc;
	const unsigned N = 120;
	uint64_t ts = 0x0000675000000000ull;
	size_t np;

	cfg_for(&ca, auth, "A");
	cfg_for(&cb, auth, "B");
	cfg_for(&cc, auth, "C");
	nodes_pair(n, &ca, &cb, 3000);
	add_n(n[0].h, 0, N, ts);
	nodes_settle(n, 2, 500);
	CHECK_EQ(vrrp_ha_pmip_count(n[1].h, false), N);

	/* a fresh backup C: the framed full sync carries them, its END proves it */
	node_init(&n[2], "C", 100, &cc);
	vrrp_ha_set_state(n[2].h, VRRP_HA_ST_BACKUP);
	nodes_settle(n, 3, 3000);
	CHECK_EQ(vrrp_ha_pmip_count(n[2].h, false), N);
	CHECK_EQ(count_same(n[2].h, vrrp_ha_get_rbc(n[2].h), 0, N, ts), N);
	digests_equal(vrrp_ha_get_bc(n[0].h), vrrp_ha_get_rbc(n[2].h));
	CHECK(vrrp_ha_counters(n[2].h)->sync_proven >= 1);

	/* three deletes whose packets are lost: the digest finds the
	 * difference, the repair's proof sweeps them on B and C */
	for (unsigned i = 0; i < 3; i++) {
		struct vrrp_ha_pmip p;

		pmip_n(&p, 20 + i, ts);
		CHECK_EQ(vrrp_ha_pmip_del(n[0].h, p.mnid, p.mnid_len, -1, NULL, 0), 1);
	}
	nodes_advance(n, 3, 200);
	test_loop_packets(n[0].loop, &np);
	n[0].fed = np; /* lost */
	CHECK_EQ(vrrp_ha_pmip_count(n[1].h, false), N);
	nodes_settle(n, 3, 100);
	for (unsigned t = 0; t < 40 && (vrrp_ha_pmip_count(n[1].h, false) != N - 3 ||
	                                vrrp_ha_pmip_count(n[2].h, false) != N - 3);
	     t++)
		nodes_settle(n, 3, 250);
	CHECK_EQ(vrrp_ha_pmip_count(n[1].h, false), N - 3);
	CHECK_EQ(vrrp_ha_pmip_count(n[2].h, false), N - 3);
	digests_equal(vrrp_ha_get_bc(n[0].h), vrrp_ha_get_rbc(n[1].h));
	digests_equal(vrrp_ha_get_bc(n[0].h), vrrp_ha_get_rbc(n[2].h));
	CHECK(vrrp_ha_counters(n[1].h)->sync_swept >= 3);

	/* the owner crashes; B takes over; the owner comes back empty and
	 * the restore gives every proxy binding back to its daemon's copy */
	node_restart(&n[0], "A", 255, &ca);
	vrrp_ha_set_state(n[1].h, VRRP_HA_ST_MASTER);
	nodes_settle(n + 1, 2, 500);
	CHECK_EQ(vrrp_ha_pmip_count(n[2].h, false), N - 3);
	vrrp_ha_set_state(n[0].h, VRRP_HA_ST_MASTER);
	vrrp_ha_set_state(n[1].h, VRRP_HA_ST_BACKUP);
	nodes_settle(n, 3, 5000);
	CHECK_EQ(vrrp_ha_pmip_count(n[0].h, true), N - 3);
	CHECK_EQ(count_same(n[0].h, vrrp_ha_get_bc(n[0].h), 0, 20, ts), 20);
	CHECK(vrrp_ha_counters(n[0].h)->restored >= N - 3);
	/* master again, the owner replicates its changes as before */
	add_n(n[0].h, 20, 3, ts + 0x10000);
	nodes_settle(n, 3, 1000);
	CHECK_EQ(vrrp_ha_pmip_count(n[1].h, false), N);
	CHECK_EQ(vrrp_ha_pmip_count(n[2].h, false), N);
	digests_equal(vrrp_ha_get_bc(n[0].h), vrrp_ha_get_rbc(n[1].h));
	digests_equal(vrrp_ha_get_bc(n[0].h), vrrp_ha_get_rbc(n[2].h));
	if (getenv("DBG")) {
		char j[16384];

		for (int k = 0; k < 3; k++) {
			vrrp_ha_counters_json(n[k].h, j, sizeof(j));
			fprintf(stderr, "%d: %s\n", k, j);
		}
	}
	for (int i = 0; i < 3; i++)
		node_free(&n[i]);
}

/* With extensions off nothing can carry them: counted, never sent. */
static void test_no_ext(void)
{
	struct node n[2];
	struct vrrp_ha_config ca, cb;

	vrrp_ha_config_defaults(&ca);
	vrrp_ha_config_defaults(&cb);
	ca.extensions = cb.extensions = VRRP_HA_EXT_OFF;
	nodes_pair(n, &ca, &cb, 3000);
	add_n(n[0].h, 0, 5, 77);
	nodes_settle(n, 2, 500);
	CHECK_EQ(vrrp_ha_pmip_count(n[1].h, false), 0);
	CHECK_EQ(sync_counter(n[0].h, "pmip_tx_no_ext"), 5);
	CHECK_EQ(sync_counter(n[0].h, "pmip_tx"), 0);
	for (int i = 0; i < 2; i++)
		node_free(&n[i]);
}

int main(void)
{
	char cmd[128];

	CHECK(mkdtemp(dir) != NULL);
	test_forms();
	test_replication(false);
	test_replication(true);
	test_sync(false);
	test_sync(true);
	test_no_ext();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	if (failures)
		fprintf(stderr, "%d check(s) failed\n", failures);
	return failures ? 1 : 0;
}
