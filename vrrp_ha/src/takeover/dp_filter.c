/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dp_filter.c - keeps the reverse tunnel from being an open decapsulator.
 *
 * Only IPv6-in-IPv6 packets to the VHA whose (outer source . inner source)
 * is (CoA . HoA) of a binding we staged may reach the decapsulation
 * (seg6local End.DX6 or the external ip6tnl device). nf_tables, family ip6,
 * table "vrrp_ha_<table>", written directly in nf_tables netlink messages
 * (no libnftables, no nft binary), equivalent to:
 *
 *   table ip6 vrrp_ha_1001 {
 *     set pairs { type ipv6_addr . ipv6_addr }          # CoA . HoA
 *     chain tunnel_in {
 *       type filter hook prerouting priority raw; policy accept;
 *       ip6 daddr VHA ip6 nexthdr ipv6 ip6 saddr . @nh,384,128 @pairs accept
 *       ip6 daddr VHA meta l4proto ipv6 counter drop
 *       ip6 daddr VHA meta l4proto ipip counter drop
 *     }
 *   }
 *
 * @nh,384,128 is the inner source when the inner header follows the outer
 * one directly (bytes 48..63); "ip6 nexthdr ipv6" requires exactly that, so
 * a packet that hides the inner header behind an extension header, or is
 * too short to hold one (the payload load fails, the rule does not match),
 * falls to the drop rules. Priority raw (-300): after defragmentation
 * (-400), before conntrack, so refused packets create no conntrack entry.
 * The set is a hash (no interval flag): one lookup per tunnelled packet.
 *
 * With a gate mark M, two more chains carry the activation switch (see
 * dataplane.c: a fib rule change costs O(all routes) in the kernel, an
 * nftables rule change does not):
 *
 *     chain gate_in  { type filter hook prerouting priority raw; }
 *     chain gate_out { type route hook output priority raw; }
 *
 * empty while BACKUP; MASTER adds "meta mark set meta mark | M" to both,
 * and the permanent fib rule "fwmark M/M lookup <table>" starts matching.
 *
 * Where the kernel cannot carry the outer source per seg6 route (no
 * SEG6_IPTUNNEL_SRC), the namespace's single "ip sr tunsrc" would give
 * every instance's tunnels the same source; the REWRITE mode adds
 *
 *     chain src_out {
 *       type filter hook postrouting priority raw; policy accept;
 *       ip6 nexthdr ipv6 ip6 daddr . @nh,512,128 @pairs counter ip6 saddr set VHA
 *     }
 *
 * which matches what we encapsulated (outer destination CoA, inner
 * destination HoA: bytes 64..79) and writes this instance's VHA into the
 * outer source (bytes 8..23; no checksum covers them: the outer next
 * header is IPv6).
 *
 * Proxy bindings (PMIPv6, RFC 5213 5.6: HNP -> proxy-CoA of the MAG) use
 * prefixes, so their sets have interval semantics: pipapo sets (flags
 * interval + concat; every element a range "key .. key_end"):
 *
 *     set ppairs   { type ipv6_addr . ipv6_addr; flags interval; }  # PCoA . HNP
 *     map hnp_pcoa { type ipv6_addr . ipv6_addr : ipv6_addr; flags interval; }
 *                                                  # HNP . HNP : PCoA
 *     set pcoa_on  { type ipv6_addr; }             # PCoAs switched on one by one
 *
 *   tunnel_in, before the drop rules:
 *       ip6 daddr VHA ip6 nexthdr ipv6 ip6 saddr . @nh,384,128 @ppairs accept
 *   src_out (REWRITE), second rule:
 *       ip6 nexthdr ipv6 ip6 daddr . @nh,512,128 @ppairs counter ip6 saddr set VHA
 *   with a gate mark, the per-PCoA gate (permanent rules, nothing matches
 *   while pcoa_on is empty):
 *       chain pgate_in  { type filter hook prerouting priority raw; }
 *       chain pgate_out { type route hook output priority raw; }
 *       each: ip6 daddr . ip6 daddr map @hnp_pcoa @pcoa_on meta mark set meta mark | M
 *
 * A /64 HNP (the usual length) uses hash sets instead, keyed by the
 * prefix's first 64 bits (measured: pipapo's removal walks the ranges, 10k
 * deletions in hash order took ~170 s, a hash set's are O(1)):
 *
 *     set ppairs64   { PCoA . 8 bytes }     map hnp64_pcoa { 8 bytes : PCoA }
 *       tunnel_in:  ... ip6 saddr . @nh,384,64 @ppairs64 accept
 *       src_out:    ... ip6 daddr . @nh,512,64 @ppairs64 ... saddr set VHA
 *       pgate_*:    @nh,192,64 map @hnp64_pcoa @pcoa_on meta mark set ...
 *
 * pipapo needs two fields at least, so the map's key is the destination
 * twice (both fields the same HNP range). "map then set" is two lookup
 * expressions (the first with a destination register), which the nft
 * language cannot write but the kernel runs. Switching all proxy bindings of
 * one PCoA on or off is one element of pcoa_on: one transaction whatever the
 * number of HNPs behind that MAG.
 *
 * Element changes go out as one nf_tables transaction per dpf_commit(); a
 * refused transaction changes nothing (the caller then rebuilds the set).
 */
#include "dp_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <netlink/attr.h>
#include <stdio.h>
#include <string.h>

#define SET_NAME      "pairs"
#define PSET_NAME     "ppairs"
#define PMAP_NAME     "hnp_pcoa"
#define PON_NAME      "pcoa_on"
#define PSET64_NAME   "ppairs64"
#define PMAP64_NAME   "hnp64_pcoa"
#define PGATE_IN      "pgate_in"
#define PGATE_OUT     "pgate_out"
#define PELEM_MSG_MAX 256 /* range elements (about 120 bytes each) per message */
/* pipapo (interval + concat sets, NFTA_SET_ELEM_KEY_END, field lengths in
 * bytes) needs Linux >= 5.6 */
enum { SETID_PAIRS = 1, SETID_PPAIRS, SETID_PMAP, SETID_PON, SETID_PPAIRS64, SETID_PMAP64 };
#define CHAIN_NAME   "tunnel_in"
#define GATE_IN      "gate_in"
#define GATE_OUT     "gate_out"
#define SRC_OUT      "src_out"
#define ELEM_MSG_MAX 1024  /* elements per message: 44 bytes each, stays < 64 KiB */
#define TX_ELEM_MAX  16384 /* elements per transaction before an early send */
#define KEY_TYPE_IP6 8     /* nft's TYPE_IP6ADDR; concatenation: (a << 6) | b */
#define PRIO_RAW     (-300)
#define NEST(m, t)   nla_nest_start((m), NLA_F_NESTED | (t))

/* An nf_tables message for family ip6 (nfgenmsg header included). */
static struct nl_msg *nft_msg(int type, int flags, size_t size)
{
	struct nfgenmsg g = {.nfgen_family = NFPROTO_IPV6, .version = NFNETLINK_V0};
	struct nl_msg *m = nlmsg_alloc_size(size);

	if (!m)
		return NULL;
	if (!nlmsg_put(m, 0, 0, (NFNL_SUBSYS_NFTABLES << 8) | type, 0, flags) ||
	    nlmsg_append(m, &g, sizeof(g), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

/* Batch begin/end markers. */
static int batch_mark(struct dp_filter *f, struct dp_batch *b, int type)
{
	struct nfgenmsg g = {.nfgen_family = AF_UNSPEC,
	                     .version = NFNETLINK_V0,
	                     .res_id = htons(NFNL_SUBSYS_NFTABLES)};
	struct nl_msg *m = nlmsg_alloc_size(64);
	int err = -ENOMEM;

	if (m && nlmsg_put(m, 0, 0, type, 0, 0) &&
	    nlmsg_append(m, &g, sizeof(g), NLMSG_ALIGNTO) == 0)
		err = dpb_add(&f->nl, b, m, 0);
	nlmsg_free(m);
	return err;
}

struct tx_result {
	int err;
};

static void tx_cb(void *arg, unsigned i, int err)
{
	struct tx_result *r = arg;

	if (err && !r->err)
		r->err = err;
}

/* Wrap b (already holding the messages after a begin marker) and send it. */
static int tx_send(struct dp_filter *f, struct dp_batch *b)
{
	struct tx_result r = {0};
	int err = batch_mark(f, b, NFNL_MSG_BATCH_END);

	if (!err)
		err = dpnl_send_batch(&f->nl, b, tx_cb, &r);
	f->transactions++;
	if (!err)
		err = r.err;
	if (err)
		f->failures++;
	return err;
}

static int put_be32(struct nl_msg *m, int type, uint32_t v)
{
	return nla_put_u32(m, type, htonl(v));
}

static int add_table_msg(struct dp_filter *f, struct dp_batch *b, int type, int flags)
{
	struct nl_msg *m = nft_msg(type, flags, 256);
	int err = -ENOMEM;

	if (m && nla_put_string(m, NFTA_TABLE_NAME, f->table) == 0)
		err = dpb_add(&f->nl, b, m, 1);
	nlmsg_free(m);
	return err;
}

/* Expression builders: each appends one NFTA_LIST_ELEM to the rule's list. */
static int expr_payload(struct nl_msg *m, uint32_t dreg, uint32_t off, uint32_t len)
{
	struct nlattr *e = NEST(m, NFTA_LIST_ELEM), *d;

	if (!e || nla_put_string(m, NFTA_EXPR_NAME, "payload"))
		return -1;
	d = NEST(m, NFTA_EXPR_DATA);
	if (!d || put_be32(m, NFTA_PAYLOAD_DREG, dreg) ||
	    put_be32(m, NFTA_PAYLOAD_BASE, NFT_PAYLOAD_NETWORK_HEADER) ||
	    put_be32(m, NFTA_PAYLOAD_OFFSET, off) || put_be32(m, NFTA_PAYLOAD_LEN, len))
		return -1;
	nla_nest_end(m, d);
	nla_nest_end(m, e);
	return 0;
}

static int expr_meta_l4proto(struct nl_msg *m, uint32_t dreg)
{
	struct nlattr *e = NEST(m, NFTA_LIST_ELEM), *d;

	if (!e || nla_put_string(m, NFTA_EXPR_NAME, "meta"))
		return -1;
	d = NEST(m, NFTA_EXPR_DATA);
	if (!d || put_be32(m, NFTA_META_DREG, dreg) || put_be32(m, NFTA_META_KEY, NFT_META_L4PROTO))
		return -1;
	nla_nest_end(m, d);
	nla_nest_end(m, e);
	return 0;
}

static int expr_cmp_eq(struct nl_msg *m, uint32_t sreg, const void *data, int len)
{
	struct nlattr *e = NEST(m, NFTA_LIST_ELEM), *d, *v;

	if (!e || nla_put_string(m, NFTA_EXPR_NAME, "cmp"))
		return -1;
	d = NEST(m, NFTA_EXPR_DATA);
	if (!d || put_be32(m, NFTA_CMP_SREG, sreg) || put_be32(m, NFTA_CMP_OP, NFT_CMP_EQ))
		return -1;
	v = NEST(m, NFTA_CMP_DATA);
	if (!v || nla_put(m, NFTA_DATA_VALUE, len, data))
		return -1;
	nla_nest_end(m, v);
	nla_nest_end(m, d);
	nla_nest_end(m, e);
	return 0;
}

/* lookup of register sreg in set name; dreg != 0: a map, its data into dreg */
static int expr_lookup(struct nl_msg *m, uint32_t sreg, const char *name, uint32_t set_id,
                       uint32_t dreg)
{
	struct nlattr *e = NEST(m, NFTA_LIST_ELEM), *d;

	if (!e || nla_put_string(m, NFTA_EXPR_NAME, "lookup"))
		return -1;
	d = NEST(m, NFTA_EXPR_DATA);
	if (!d || nla_put_string(m, NFTA_LOOKUP_SET, name) ||
	    put_be32(m, NFTA_LOOKUP_SET_ID, set_id) || put_be32(m, NFTA_LOOKUP_SREG, sreg) ||
	    (dreg && put_be32(m, NFTA_LOOKUP_DREG, dreg)))
		return -1;
	nla_nest_end(m, d);
	nla_nest_end(m, e);
	return 0;
}

static int expr_counter(struct nl_msg *m)
{
	struct nlattr *e = NEST(m, NFTA_LIST_ELEM);

	if (!e || nla_put_string(m, NFTA_EXPR_NAME, "counter"))
		return -1;
	nla_nest_end(m, e);
	return 0;
}

static int expr_verdict(struct nl_msg *m, int verdict)
{
	struct nlattr *e = NEST(m, NFTA_LIST_ELEM), *d, *v, *vv;

	if (!e || nla_put_string(m, NFTA_EXPR_NAME, "immediate"))
		return -1;
	d = NEST(m, NFTA_EXPR_DATA);
	if (!d || put_be32(m, NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT))
		return -1;
	v = NEST(m, NFTA_IMMEDIATE_DATA);
	vv = v ? NEST(m, NFTA_DATA_VERDICT) : NULL;
	if (!vv || put_be32(m, NFTA_VERDICT_CODE, (uint32_t)verdict))
		return -1;
	nla_nest_end(m, vv);
	nla_nest_end(m, v);
	nla_nest_end(m, d);
	nla_nest_end(m, e);
	return 0;
}

/* Rule kinds of the chain, in order. */
enum {
	RULE_PAIR_ACCEPT,
	RULE_PROXY_ACCEPT,
	RULE_PROXY64_ACCEPT,
	RULE_DROP_IPV6,
	RULE_DROP_IPIP,
	RULE_COUNT
};

/* payload write: bytes off..off+len-1 of the network header := register sreg */
static int expr_payload_set(struct nl_msg *m, uint32_t sreg, uint32_t off, uint32_t len)
{
	struct nlattr *e = NEST(m, NFTA_LIST_ELEM), *d;

	if (!e || nla_put_string(m, NFTA_EXPR_NAME, "payload"))
		return -1;
	d = NEST(m, NFTA_EXPR_DATA);
	if (!d || put_be32(m, NFTA_PAYLOAD_SREG, sreg) ||
	    put_be32(m, NFTA_PAYLOAD_BASE, NFT_PAYLOAD_NETWORK_HEADER) ||
	    put_be32(m, NFTA_PAYLOAD_OFFSET, off) || put_be32(m, NFTA_PAYLOAD_LEN, len) ||
	    put_be32(m, NFTA_PAYLOAD_CSUM_TYPE, NFT_PAYLOAD_CSUM_NONE))
		return -1;
	nla_nest_end(m, d);
	nla_nest_end(m, e);
	return 0;
}

/* register dreg := data (len bytes) */
static int expr_imm_data(struct nl_msg *m, uint32_t dreg, const void *data, int len)
{
	struct nlattr *e = NEST(m, NFTA_LIST_ELEM), *d, *v;

	if (!e || nla_put_string(m, NFTA_EXPR_NAME, "immediate"))
		return -1;
	d = NEST(m, NFTA_EXPR_DATA);
	if (!d || put_be32(m, NFTA_IMMEDIATE_DREG, dreg))
		return -1;
	v = NEST(m, NFTA_IMMEDIATE_DATA);
	if (!v || nla_put(m, NFTA_DATA_VALUE, len, data))
		return -1;
	nla_nest_end(m, v);
	nla_nest_end(m, d);
	nla_nest_end(m, e);
	return 0;
}

/* src_out: ip6 nexthdr ipv6 ip6 daddr . @nh,512,128 @<set> counter ip6 saddr set VHA
 * (set: pairs, or ppairs for the proxy bindings) */
static int add_rewrite_rule_msg(struct dp_filter *f, struct dp_batch *b, const char *set,
                                uint32_t set_id, uint32_t inner_len)
{
	struct nl_msg *m = nft_msg(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, 2048);
	const uint8_t proto = IPPROTO_IPV6;
	struct nlattr *l;
	int bad, err = -ENOMEM;

	if (!m)
		return err;
	bad = nla_put_string(m, NFTA_RULE_TABLE, f->table) ||
	      nla_put_string(m, NFTA_RULE_CHAIN, SRC_OUT);
	l = bad ? NULL : NEST(m, NFTA_RULE_EXPRESSIONS);
	/* outer destination (24..39) . inner destination (40 + 24 = 64..79):
	 * the set's key (CoA . HoA) */
	bad = !l || expr_payload(m, NFT_REG_1, 6, 1) || expr_cmp_eq(m, NFT_REG_1, &proto, 1) ||
	      expr_payload(m, NFT_REG_1, 24, 16) || expr_payload(m, NFT_REG_2, 64, inner_len) ||
	      expr_lookup(m, NFT_REG_1, set, set_id, 0) || expr_counter(m) ||
	      expr_imm_data(m, NFT_REG_1, &f->vha, sizeof(f->vha)) ||
	      expr_payload_set(m, NFT_REG_1, 8, 16);
	if (!bad) {
		nla_nest_end(m, l);
		err = dpb_add(&f->nl, b, m, 1);
	}
	nlmsg_free(m);
	return err;
}

static int add_rule_msg(struct dp_filter *f, struct dp_batch *b, int kind)
{
	struct nl_msg *m = nft_msg(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, 2048);
	struct nlattr *l;
	uint8_t proto;
	int bad, err = -ENOMEM;

	if (!m)
		return err;
	bad = nla_put_string(m, NFTA_RULE_TABLE, f->table) ||
	      nla_put_string(m, NFTA_RULE_CHAIN, CHAIN_NAME);
	l = bad ? NULL : NEST(m, NFTA_RULE_EXPRESSIONS);
	/* ip6 daddr VHA: bytes 24..39 of the outer header */
	bad = !l || expr_payload(m, NFT_REG_1, 24, 16) ||
	      expr_cmp_eq(m, NFT_REG_1, &f->vha, sizeof(f->vha));
	if (!bad && kind == RULE_PROXY64_ACCEPT) {
		proto = IPPROTO_IPV6;
		/* outer source . first 64 bits of the inner source (48..55) */
		bad = expr_payload(m, NFT_REG_1, 6, 1) || expr_cmp_eq(m, NFT_REG_1, &proto, 1) ||
		      expr_payload(m, NFT_REG_1, 8, 16) || expr_payload(m, NFT_REG_2, 48, 8) ||
		      expr_lookup(m, NFT_REG_1, PSET64_NAME, SETID_PPAIRS64, 0) ||
		      expr_verdict(m, NF_ACCEPT);
	} else if (!bad && (kind == RULE_PAIR_ACCEPT || kind == RULE_PROXY_ACCEPT)) {
		proto = IPPROTO_IPV6;
		/* ip6 nexthdr ipv6 (byte 6), then outer source (8..23) into
		 * register 1 and inner source (48..63) into register 2: the two
		 * 16-byte registers are contiguous, the set key is 32 bytes. */
		bad = expr_payload(m, NFT_REG_1, 6, 1) || expr_cmp_eq(m, NFT_REG_1, &proto, 1) ||
		      expr_payload(m, NFT_REG_1, 8, 16) || expr_payload(m, NFT_REG_2, 48, 16) ||
		      (kind == RULE_PAIR_ACCEPT
		               ? expr_lookup(m, NFT_REG_1, SET_NAME, SETID_PAIRS, 0)
		               : expr_lookup(m, NFT_REG_1, PSET_NAME, SETID_PPAIRS, 0)) ||
		      expr_verdict(m, NF_ACCEPT);
	} else if (!bad) {
		proto = kind == RULE_DROP_IPV6 ? IPPROTO_IPV6 : IPPROTO_IPIP;
		bad = expr_meta_l4proto(m, NFT_REG_1) || expr_cmp_eq(m, NFT_REG_1, &proto, 1) ||
		      expr_counter(m) || expr_verdict(m, NF_DROP);
	}
	if (!bad) {
		nla_nest_end(m, l);
		err = dpb_add(&f->nl, b, m, 1);
	}
	nlmsg_free(m);
	return err;
}

/*
 * A set of fields x 16-byte IPv6 addresses (1 or 2); ranges: interval +
 * concat flags and the field lengths (the kernel then picks pipapo); map:
 * 16-byte IPv6 address data.
 */
static int add_set_msg(struct dp_filter *f, struct dp_batch *b, const char *name, uint32_t set_id,
                       int fields, int ranges, int map)
{
	struct nl_msg *m = nft_msg(NFT_MSG_NEWSET, NLM_F_CREATE, 512);
	uint32_t flags = (ranges ? NFT_SET_INTERVAL | NFT_SET_CONCAT : 0) | (map ? NFT_SET_MAP : 0);
	struct nlattr *desc, *cc, *fe;
	int err = -ENOMEM, i;

	if (!m || nla_put_string(m, NFTA_SET_TABLE, f->table) ||
	    nla_put_string(m, NFTA_SET_NAME, name) || put_be32(m, NFTA_SET_FLAGS, flags) ||
	    put_be32(m, NFTA_SET_KEY_TYPE,
	             fields == 2 ? (KEY_TYPE_IP6 << 6) | KEY_TYPE_IP6 : KEY_TYPE_IP6) ||
	    put_be32(m, NFTA_SET_KEY_LEN, 16u * (uint32_t)fields) ||
	    put_be32(m, NFTA_SET_ID, set_id))
		goto out;
	if (map &&
	    (put_be32(m, NFTA_SET_DATA_TYPE, KEY_TYPE_IP6) || put_be32(m, NFTA_SET_DATA_LEN, 16)))
		goto out;
	if (ranges) {
		if (!(desc = NEST(m, NFTA_SET_DESC)) || !(cc = NEST(m, NFTA_SET_DESC_CONCAT)))
			goto out;
		for (i = 0; i < fields; i++) {
			if (!(fe = NEST(m, NFTA_LIST_ELEM)) || put_be32(m, NFTA_SET_FIELD_LEN, 16))
				goto out;
			nla_nest_end(m, fe);
		}
		nla_nest_end(m, cc);
		nla_nest_end(m, desc);
	}
	err = dpb_add(&f->nl, b, m, 1);
out:
	nlmsg_free(m);
	return err;
}

/* A hash set (map: IPv6 address data) keyed by klen bytes: 24 = PCoA . 64
 * bits, 8 = 64 bits. The key type is for nft's printing only. */
static int add_set64_msg(struct dp_filter *f, struct dp_batch *b, const char *name, uint32_t set_id,
                         uint32_t klen, int map)
{
	struct nl_msg *m = nft_msg(NFT_MSG_NEWSET, NLM_F_CREATE, 512);
	int err = -ENOMEM;

	if (m && !nla_put_string(m, NFTA_SET_TABLE, f->table) &&
	    !nla_put_string(m, NFTA_SET_NAME, name) &&
	    !put_be32(m, NFTA_SET_FLAGS, map ? NFT_SET_MAP : 0) &&
	    !put_be32(m, NFTA_SET_KEY_TYPE, 0) && !put_be32(m, NFTA_SET_KEY_LEN, klen) &&
	    !put_be32(m, NFTA_SET_ID, set_id) &&
	    !(map && (put_be32(m, NFTA_SET_DATA_TYPE, KEY_TYPE_IP6) ||
	              put_be32(m, NFTA_SET_DATA_LEN, 16))))
		err = dpb_add(&f->nl, b, m, 1);
	nlmsg_free(m);
	return err;
}

/* "meta mark set meta mark | bit" as three expressions: load the mark into
 * register 1, reg 1 = (reg 1 & ~bit) ^ bit, store it back. */
static int expr_mark_or(struct nl_msg *m, uint32_t bit)
{
	uint32_t mask = ~bit, xor = bit; /* host order, like the mark */
	struct nlattr *e, *d, *v;

	if (!(e = NEST(m, NFTA_LIST_ELEM)) || nla_put_string(m, NFTA_EXPR_NAME, "meta") ||
	    !(d = NEST(m, NFTA_EXPR_DATA)) || put_be32(m, NFTA_META_DREG, NFT_REG_1) ||
	    put_be32(m, NFTA_META_KEY, NFT_META_MARK))
		return -1;
	nla_nest_end(m, d);
	nla_nest_end(m, e);
	if (!(e = NEST(m, NFTA_LIST_ELEM)) || nla_put_string(m, NFTA_EXPR_NAME, "bitwise") ||
	    !(d = NEST(m, NFTA_EXPR_DATA)) || put_be32(m, NFTA_BITWISE_SREG, NFT_REG_1) ||
	    put_be32(m, NFTA_BITWISE_DREG, NFT_REG_1) || put_be32(m, NFTA_BITWISE_LEN, 4))
		return -1;
	if (!(v = NEST(m, NFTA_BITWISE_MASK)) || nla_put(m, NFTA_DATA_VALUE, 4, &mask))
		return -1;
	nla_nest_end(m, v);
	if (!(v = NEST(m, NFTA_BITWISE_XOR)) || nla_put(m, NFTA_DATA_VALUE, 4, &xor))
		return -1;
	nla_nest_end(m, v);
	nla_nest_end(m, d);
	nla_nest_end(m, e);
	if (!(e = NEST(m, NFTA_LIST_ELEM)) || nla_put_string(m, NFTA_EXPR_NAME, "meta") ||
	    !(d = NEST(m, NFTA_EXPR_DATA)) || put_be32(m, NFTA_META_SREG, NFT_REG_1) ||
	    put_be32(m, NFTA_META_KEY, NFT_META_MARK))
		return -1;
	nla_nest_end(m, d);
	nla_nest_end(m, e);
	return 0;
}

/* pgate_in / pgate_out: ip6 daddr . ip6 daddr map @hnp_pcoa @pcoa_on meta mark set mark | M */
static int pgate_rule_msg(struct dp_filter *f, struct dp_batch *b, const char *chain, int is64)
{
	struct nl_msg *m = nft_msg(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, 2048);
	struct nlattr *l;
	int err = -ENOMEM;

	if (!m || nla_put_string(m, NFTA_RULE_TABLE, f->table) ||
	    nla_put_string(m, NFTA_RULE_CHAIN, chain) || !(l = NEST(m, NFTA_RULE_EXPRESSIONS)))
		goto out;
	/* destination (24..39) into registers 1 and 2: the map's key; its
	 * data (the PCoA) into register 3, looked up in pcoa_on */
	if (is64 ? expr_payload(m, NFT_REG_1, 24, 8) ||
	                    expr_lookup(m, NFT_REG_1, PMAP64_NAME, SETID_PMAP64, NFT_REG_3)
	         : expr_payload(m, NFT_REG_1, 24, 16) || expr_payload(m, NFT_REG_2, 24, 16) ||
	                    expr_lookup(m, NFT_REG_1, PMAP_NAME, SETID_PMAP, NFT_REG_3))
		goto out;
	if (expr_lookup(m, NFT_REG_3, PON_NAME, SETID_PON, 0))
		goto out;
	if (expr_mark_or(m, f->gate_mark))
		goto out;
	nla_nest_end(m, l);
	err = dpb_add(&f->nl, b, m, 1);
out:
	nlmsg_free(m);
	return err;
}

static int add_chain_msg(struct dp_filter *f, struct dp_batch *b, const char *name, int hook,
                         const char *type)
{
	struct nl_msg *m = nft_msg(NFT_MSG_NEWCHAIN, NLM_F_CREATE, 512);
	struct nlattr *h;
	int err = -ENOMEM;

	if (!m || nla_put_string(m, NFTA_CHAIN_TABLE, f->table) ||
	    nla_put_string(m, NFTA_CHAIN_NAME, name))
		goto out;
	h = NEST(m, NFTA_CHAIN_HOOK);
	if (!h || put_be32(m, NFTA_HOOK_HOOKNUM, (uint32_t)hook) ||
	    put_be32(m, NFTA_HOOK_PRIORITY, (uint32_t)PRIO_RAW))
		goto out;
	nla_nest_end(m, h);
	if (put_be32(m, NFTA_CHAIN_POLICY, NF_ACCEPT) || nla_put_string(m, NFTA_CHAIN_TYPE, type))
		goto out;
	err = dpb_add(&f->nl, b, m, 1);
out:
	nlmsg_free(m);
	return err;
}

/* Delete the table in a transaction of its own (ENOENT: nothing to delete). */
static int delete_table(struct dp_filter *f)
{
	struct dp_batch b = {0};
	int err = batch_mark(f, &b, NFNL_MSG_BATCH_BEGIN);

	if (!err)
		err = add_table_msg(f, &b, NFT_MSG_DELTABLE, 0);
	if (!err)
		err = tx_send(f, &b);
	dpb_free(&b);
	if (err == -ENOENT) {
		f->failures--; /* not a failure */
		err = 0;
	}
	return err;
}

static void elem_msgs_free(struct dp_filter *f)
{
	int i, d;

	for (i = 0; i < DPF_NSETS; i++)
		for (d = 0; d < 2; d++) {
			nlmsg_free(f->el[i][d].m);
			memset(&f->el[i][d], 0, sizeof(f->el[i][d]));
		}
}

/* "meta mark set meta mark | M" in chain, or (rule == 0) delete all its rules. */
static int gate_rule_msg(struct dp_filter *f, struct dp_batch *b, const char *chain, int rule)
{
	struct nl_msg *m = nft_msg(rule ? NFT_MSG_NEWRULE : NFT_MSG_DELRULE,
	                           rule ? NLM_F_CREATE | NLM_F_APPEND : 0, 1024);
	struct nlattr *l;
	int err = -ENOMEM;

	if (!m || nla_put_string(m, NFTA_RULE_TABLE, f->table) ||
	    nla_put_string(m, NFTA_RULE_CHAIN, chain))
		goto out;
	if (rule) {
		if (!(l = NEST(m, NFTA_RULE_EXPRESSIONS)))
			goto out;
		if (expr_mark_or(m, f->gate_mark))
			goto out;
		nla_nest_end(m, l);
	}
	err = dpb_add(&f->nl, b, m, 1);
out:
	nlmsg_free(m);
	return err;
}

int dpf_gate(struct dp_filter *f, int on)
{
	struct dp_batch b = {0};
	int err;

	if (!f->gate_mark)
		return -EINVAL;
	err = batch_mark(f, &b, NFNL_MSG_BATCH_BEGIN);
	if (!err)
		err = gate_rule_msg(f, &b, GATE_IN, 0);
	if (!err)
		err = gate_rule_msg(f, &b, GATE_OUT, 0);
	if (!err && on)
		err = gate_rule_msg(f, &b, GATE_IN, 1);
	if (!err && on)
		err = gate_rule_msg(f, &b, GATE_OUT, 1);
	if (!err)
		err = tx_send(f, &b);
	dpb_free(&b);
	return err;
}

int dpf_open(struct dp_filter *f, uint32_t id, const struct in6_addr *vha, uint32_t gate_mark,
             int rewrite_src)
{
	struct dp_batch b = {0};
	int err, k;

	memset(f, 0, sizeof(*f));
	snprintf(f->table, sizeof(f->table), "vrrp_ha_%u", id);
	f->vha = *vha;
	f->gate_mark = gate_mark;
	f->rewrite_src = rewrite_src;
	err = dpnl_open(&f->nl, NETLINK_NETFILTER, 8 << 20);
	if (err)
		return err;
	err = delete_table(f); /* a previous run's */
	if (err)
		goto fail;
	err = batch_mark(f, &b, NFNL_MSG_BATCH_BEGIN);
	if (!err)
		err = add_table_msg(f, &b, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	if (!err)
		err = add_set_msg(f, &b, SET_NAME, SETID_PAIRS, 2, 0, 0);
	if (!err)
		err = add_set_msg(f, &b, PSET_NAME, SETID_PPAIRS, 2, 1, 0);
	if (!err)
		err = add_set_msg(f, &b, PMAP_NAME, SETID_PMAP, 2, 1, 1);
	if (!err)
		err = add_set_msg(f, &b, PON_NAME, SETID_PON, 1, 0, 0);
	if (!err)
		err = add_set64_msg(f, &b, PSET64_NAME, SETID_PPAIRS64, 24, 0);
	if (!err)
		err = add_set64_msg(f, &b, PMAP64_NAME, SETID_PMAP64, 8, 1);
	if (!err)
		err = add_chain_msg(f, &b, CHAIN_NAME, NF_INET_PRE_ROUTING, "filter");
	if (!err && gate_mark)
		err = add_chain_msg(f, &b, GATE_IN, NF_INET_PRE_ROUTING, "filter");
	if (!err && gate_mark)
		err = add_chain_msg(f, &b, GATE_OUT, NF_INET_LOCAL_OUT, "route");
	if (!err && gate_mark)
		err = add_chain_msg(f, &b, PGATE_IN, NF_INET_PRE_ROUTING, "filter");
	if (!err && gate_mark)
		err = add_chain_msg(f, &b, PGATE_OUT, NF_INET_LOCAL_OUT, "route");
	if (!err && rewrite_src)
		err = add_chain_msg(f, &b, SRC_OUT, NF_INET_POST_ROUTING, "filter");
	for (k = 0; !err && k < RULE_COUNT; k++)
		err = add_rule_msg(f, &b, k);
	for (k = 0; !err && gate_mark && k < 2; k++)
		err = pgate_rule_msg(f, &b, PGATE_IN, k);
	for (k = 0; !err && gate_mark && k < 2; k++)
		err = pgate_rule_msg(f, &b, PGATE_OUT, k);
	if (!err && rewrite_src)
		err = add_rewrite_rule_msg(f, &b, SET_NAME, SETID_PAIRS, 16);
	if (!err && rewrite_src)
		err = add_rewrite_rule_msg(f, &b, PSET64_NAME, SETID_PPAIRS64, 8);
	if (!err && rewrite_src)
		err = add_rewrite_rule_msg(f, &b, PSET_NAME, SETID_PPAIRS, 16);
	if (!err)
		err = tx_send(f, &b);
	dpb_free(&b);
	if (err)
		goto fail;
	err = batch_mark(f, &f->tx, NFNL_MSG_BATCH_BEGIN);
	if (err)
		goto fail;
	return 0;
fail:
	dpb_free(&f->tx);
	dpnl_close(&f->nl);
	return err;
}

void dpf_close(struct dp_filter *f)
{
	if (!f->nl.sk)
		return;
	delete_table(f);
	elem_msgs_free(f);
	dpb_free(&f->tx);
	dpnl_close(&f->nl);
}

static const char *const set_names[DPF_NSETS] = {SET_NAME, PSET_NAME, PMAP_NAME, PSET64_NAME,
                                                 PMAP64_NAME};

/* Move the element list being filled (set, add or del) into the transaction. */
static int elem_msg_close(struct dp_filter *f, int set, int del)
{
	struct dpf_elist *l = &f->el[set][del];
	int err;

	if (!l->m)
		return 0;
	nla_nest_end(l->m, l->nest);
	err = dpb_add(&f->nl, &f->tx, l->m, 1);
	nlmsg_free(l->m);
	memset(l, 0, sizeof(*l));
	return err;
}

/* One element: key (klen bytes), key_end (if given, same length), data (16 bytes, if given). */
static int elem_queue(struct dp_filter *f, int set, int del, const void *key, int klen,
                      const void *key_end, const struct in6_addr *data)
{
	struct dpf_elist *l = &f->el[set][del];
	unsigned max = set == DPF_PPAIRS || set == DPF_HNP_PCOA ? PELEM_MSG_MAX : ELEM_MSG_MAX;
	struct nlattr *e, *k;

	if (!l->m) {
		l->m = nft_msg(del ? NFT_MSG_DELSETELEM : NFT_MSG_NEWSETELEM, 0, max * 128 + 512);
		if (!l->m || nla_put_string(l->m, NFTA_SET_ELEM_LIST_TABLE, f->table) ||
		    nla_put_string(l->m, NFTA_SET_ELEM_LIST_SET, set_names[set]) ||
		    !(l->nest = NEST(l->m, NFTA_SET_ELEM_LIST_ELEMENTS))) {
			nlmsg_free(l->m);
			l->m = NULL;
			return -ENOMEM;
		}
	}
	e = NEST(l->m, NFTA_LIST_ELEM);
	k = e ? NEST(l->m, NFTA_SET_ELEM_KEY) : NULL;
	if (!k || nla_put(l->m, NFTA_DATA_VALUE, klen, key))
		return -ENOMEM;
	nla_nest_end(l->m, k);
	if (key_end) {
		if (!(k = NEST(l->m, NFTA_SET_ELEM_KEY_END)) ||
		    nla_put(l->m, NFTA_DATA_VALUE, klen, key_end))
			return -ENOMEM;
		nla_nest_end(l->m, k);
	}
	if (data && !del) {
		if (!(k = NEST(l->m, NFTA_SET_ELEM_DATA)) ||
		    nla_put(l->m, NFTA_DATA_VALUE, 16, data))
			return -ENOMEM;
		nla_nest_end(l->m, k);
	}
	nla_nest_end(l->m, e);
	f->pending++;
	if (++l->n >= max)
		return elem_msg_close(f, set, del);
	return 0;
}

static int pair_op(struct dp_filter *f, int del, const struct in6_addr *coa,
                   const struct in6_addr *hoa)
{
	unsigned char key[32];
	int err;

	memcpy(key, coa, 16);
	memcpy(key + 16, hoa, 16);
	err = elem_queue(f, DPF_PAIRS, del, key, sizeof(key), NULL, NULL);
	if (!err)
		(*(del ? &f->elems_deleted : &f->elems_added))++;
	if (!err && f->pending >= TX_ELEM_MAX)
		err = dpf_commit(f);
	return err;
}

int dpf_add(struct dp_filter *f, const struct in6_addr *coa, const struct in6_addr *hoa)
{
	return pair_op(f, 0, coa, hoa);
}

int dpf_del(struct dp_filter *f, const struct in6_addr *coa, const struct in6_addr *hoa)
{
	return pair_op(f, 1, coa, hoa);
}

/* Both elements of a proxy binding prefix: ppairs and hnp_pcoa. */
static int prefix_op(struct dp_filter *f, int del, const struct in6_addr *pcoa,
                     const struct in6_addr *prefix, unsigned plen)
{
	unsigned char k[32], ke[32], last[16];
	unsigned i;
	int err;

	if (plen == 64) {
		memcpy(k, pcoa, 16);
		memcpy(k + 16, prefix, 8);
		err = elem_queue(f, DPF_PPAIRS64, del, k, 24, NULL, NULL);
		if (!err)
			err = elem_queue(f, DPF_HNP64, del, prefix, 8, NULL, pcoa);
		goto done;
	}
	memcpy(last, prefix, 16);
	for (i = 0; i < 128; i++)
		if (i >= plen)
			last[i / 8] |= (unsigned char)(0x80u >> (i % 8));
	memcpy(k, pcoa, 16);
	memcpy(k + 16, prefix, 16);
	memcpy(ke, pcoa, 16);
	memcpy(ke + 16, last, 16);
	err = elem_queue(f, DPF_PPAIRS, del, k, 32, ke, NULL);
	memcpy(k, prefix, 16);
	memcpy(k + 16, prefix, 16);
	memcpy(ke, last, 16);
	memcpy(ke + 16, last, 16);
	if (!err)
		err = elem_queue(f, DPF_HNP_PCOA, del, k, 32, ke, pcoa);
done:
	if (!err)
		(*(del ? &f->elems_deleted : &f->elems_added))++;
	if (!err && f->pending >= TX_ELEM_MAX)
		err = dpf_commit(f);
	return err;
}

int dpf_padd(struct dp_filter *f, const struct in6_addr *pcoa, const struct in6_addr *prefix,
             unsigned plen)
{
	return prefix_op(f, 0, pcoa, prefix, plen);
}

int dpf_pdel(struct dp_filter *f, const struct in6_addr *pcoa, const struct in6_addr *prefix,
             unsigned plen)
{
	return prefix_op(f, 1, pcoa, prefix, plen);
}

int dpf_pcoa(struct dp_filter *f, const struct in6_addr *pcoa, int on)
{
	struct dp_batch b = {0};
	struct nl_msg *m = NULL;
	struct nlattr *l, *e, *k;
	int err;

	if (!f->gate_mark)
		return -EINVAL;
	err = batch_mark(f, &b, NFNL_MSG_BATCH_BEGIN);
	if (!err) {
		err = -ENOMEM;
		m = nft_msg(on ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM, on ? NLM_F_CREATE : 0,
		            512);
		if (m && !nla_put_string(m, NFTA_SET_ELEM_LIST_TABLE, f->table) &&
		    !nla_put_string(m, NFTA_SET_ELEM_LIST_SET, PON_NAME) &&
		    (l = NEST(m, NFTA_SET_ELEM_LIST_ELEMENTS)) && (e = NEST(m, NFTA_LIST_ELEM)) &&
		    (k = NEST(m, NFTA_SET_ELEM_KEY)) && !nla_put(m, NFTA_DATA_VALUE, 16, pcoa)) {
			nla_nest_end(m, k);
			nla_nest_end(m, e);
			nla_nest_end(m, l);
			err = dpb_add(&f->nl, &b, m, 1);
		}
	}
	nlmsg_free(m);
	if (!err)
		err = tx_send(f, &b);
	dpb_free(&b);
	if (!on && err == -ENOENT) {
		f->failures--; /* was not on: nothing to do */
		err = 0;
	}
	return err;
}

int dpf_commit(struct dp_filter *f)
{
	int err;

	int set;

	/* Deletions first: a pair deleted and re-added in one transaction
	 * (a CoA that went away and came back) must end up present. */
	err = 0;
	for (set = 0; !err && set < DPF_NSETS; set++)
		err = elem_msg_close(f, set, 1);
	for (set = 0; !err && set < DPF_NSETS; set++)
		err = elem_msg_close(f, set, 0);
	if (!err && f->tx.n)
		err = tx_send(f, &f->tx);
	elem_msgs_free(f);
	dpb_reset(&f->tx);
	f->pending = 0;
	if (batch_mark(f, &f->tx, NFNL_MSG_BATCH_BEGIN) && !err)
		err = -ENOMEM;
	return err;
}

int dpf_flush_set(struct dp_filter *f)
{
	struct dp_batch b = {0};
	struct nl_msg *m;
	int err, set;

	elem_msgs_free(f);
	dpb_reset(&f->tx);
	f->pending = 0;
	batch_mark(f, &f->tx, NFNL_MSG_BATCH_BEGIN);
	err = batch_mark(f, &b, NFNL_MSG_BATCH_BEGIN);
	for (set = 0; !err && set < DPF_NSETS; set++) {
		m = nft_msg(NFT_MSG_DELSETELEM, 0, 256);
		if (!m || nla_put_string(m, NFTA_SET_ELEM_LIST_TABLE, f->table) ||
		    nla_put_string(m, NFTA_SET_ELEM_LIST_SET, set_names[set]))
			err = -ENOMEM;
		if (!err)
			err = dpb_add(&f->nl, &b, m, 1); /* no element list: all of them */
		nlmsg_free(m);
	}
	if (!err)
		err = tx_send(f, &b);
	dpb_free(&b);
	return err;
}

struct count_ctx {
	long n;
};

static int count_cb(void *arg, const struct nlmsghdr *h)
{
	struct count_ctx *c = arg;
	struct nlattr *tb[NFTA_SET_ELEM_LIST_MAX + 1], *a;
	int rem;

	if (nlmsg_parse((struct nlmsghdr *)h, sizeof(struct nfgenmsg), tb, NFTA_SET_ELEM_LIST_MAX,
	                NULL) < 0 ||
	    !tb[NFTA_SET_ELEM_LIST_ELEMENTS])
		return 0;
	nla_for_each_nested(a, tb[NFTA_SET_ELEM_LIST_ELEMENTS], rem)
	{
		if (nla_type(a) == NFTA_LIST_ELEM)
			c->n++;
	}
	return 0;
}

long dpf_count(struct dp_filter *f)
{
	return dpf_count_set(f, SET_NAME);
}

long dpf_count_set(struct dp_filter *f, const char *name)
{
	struct nl_msg *m = nft_msg(NFT_MSG_GETSETELEM, 0, 256);
	struct count_ctx c = {0};
	int err;

	if (!m || nla_put_string(m, NFTA_SET_ELEM_LIST_TABLE, f->table) ||
	    nla_put_string(m, NFTA_SET_ELEM_LIST_SET, name)) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	err = dpnl_dump(&f->nl, m, count_cb, &c);
	nlmsg_free(m);
	return err ? err : c.n;
}
