/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dp_internal.h - private to the data plane (dataplane.c, dp_nl.c,
 * dp_filter.c): batched netlink transactions and the nftables filter.
 */
#ifndef VRRP_HA_DP_INTERNAL_H
#define VRRP_HA_DP_INTERNAL_H

#include <linux/netlink.h>
#include <netlink/msg.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

/* One netlink socket with its own sequence counter and receive buffer. */
struct dp_nl {
	struct nl_sock *sk;
	int fd;
	uint32_t seq;
	unsigned char *rx; /* receive buffer, rxcap bytes */
	size_t rxcap;
};

/* Messages packed back to back for one sendmsg. */
struct dp_batch {
	unsigned char *buf;
	size_t len, cap;
	unsigned n;         /* messages in buf that expect an answer */
	uint32_t first_seq; /* their sequence numbers: first_seq .. first_seq + n - 1 */
};

/*
 * Open a socket of netlink protocol proto (NETLINK_ROUTE, NETLINK_NETFILTER,
 * NETLINK_GENERIC) with bufsize-byte kernel buffers (forced past rmem_max
 * when permitted), NETLINK_CAP_ACK, NETLINK_EXT_ACK and strict dump checks.
 * Returns: 0 or a negative errno.
 */
int dpnl_open(struct dp_nl *nl, int proto, int bufsize);
/* Close and release; a zeroed struct is fine. */
void dpnl_close(struct dp_nl *nl);

/* Empty the batch (keeps its buffer). */
void dpb_reset(struct dp_batch *b);
/* Release the buffer. */
void dpb_free(struct dp_batch *b);
/*
 * Append a copy of msg, giving it the next sequence number of nl; with
 * want_answer the message gets NLM_F_ACK and counts in b->n (messages of a
 * batch that expect an answer must be consecutive: the first one fixes
 * b->first_seq). Returns: 0, or -ENOMEM.
 */
int dpb_add(struct dp_nl *nl, struct dp_batch *b, struct nl_msg *msg, int want_answer);

/*
 * Result callback of dpnl_send_batch: message index i (0 .. b->n - 1) got
 * err (0 or a negative errno).
 */
typedef void (*dpnl_result_fn)(void *arg, unsigned i, int err);

/*
 * Send the batch with one sendmsg and read one answer per message that
 * asked for one (5 s receive timeout). Messages whose answer never came
 * (receive overrun, timeout) are reported with -ETIMEDOUT so the caller can
 * retry them. Returns: 0, or a negative errno if the send itself failed
 * (every message is then reported with that error).
 */
int dpnl_send_batch(struct dp_nl *nl, struct dp_batch *b, dpnl_result_fn fn, void *arg);

/*
 * Send one request and wait for its answer. Returns: 0 or a negative errno
 * (the kernel's answer, or an I/O error).
 */
int dpnl_request(struct dp_nl *nl, struct nl_msg *msg);

/* Called for each message of a dump; return non-zero to stop reading (the rest is drained). */
typedef int (*dpnl_dump_fn)(void *arg, const struct nlmsghdr *h);

/*
 * Send a dump request (NLM_F_DUMP is added) and call fn for every message
 * up to NLMSG_DONE. Returns: 0 or a negative errno.
 */
int dpnl_dump(struct dp_nl *nl, struct nl_msg *req, dpnl_dump_fn fn, void *arg);

/*
 * The nftables (outer source . inner source) filter: one table
 * "vrrp_ha_<id>" (family ip6) holding a set of (CoA . HoA) pairs and a
 * prerouting chain that only lets IPv6-in-IPv6 to the VHA through when its
 * pair is in the set. See dataplane.c for the rules.
 */
/* The element sets dpf_add/dpf_del and dpf_padd/dpf_pdel fill. */
enum {
	DPF_PAIRS,    /* "pairs": CoA . HoA (hash) */
	DPF_PPAIRS,   /* "ppairs": PCoA . HNP range (pipapo, interval + concat) */
	DPF_HNP_PCOA, /* "hnp_pcoa": HNP range . HNP range : PCoA (pipapo map) */
	DPF_PPAIRS64, /* "ppairs64": PCoA . first 64 bits of a /64 HNP (hash) */
	DPF_HNP64,    /* "hnp64_pcoa": first 64 bits of a /64 HNP : PCoA (hash map) */
	DPF_NSETS
};

/* One element list message being filled (one set, add or delete). */
struct dpf_elist {
	struct nl_msg *m;
	struct nlattr *nest;
	unsigned n;
};

struct dp_filter {
	struct dp_nl nl;
	char table[32];
	struct in6_addr vha;
	uint32_t gate_mark;                /* activation mark bit(s), 0: no gate chains */
	int rewrite_src;                   /* chain src_out: outer source := VHA (seg6 REWRITE) */
	struct dp_batch tx;                /* pending element changes, one transaction */
	struct dpf_elist el[DPF_NSETS][2]; /* [set][0 add, 1 delete] */
	unsigned pending;                  /* elements in tx + el */
	uint64_t elems_added, elems_deleted, transactions, failures;
};

/*
 * Create (after deleting a stale one) table, set, chain and rules; with
 * gate_mark != 0 also the (empty) gate chains; with rewrite_src the
 * postrouting chain that writes the VHA into the outer source of our
 * tunnel packets (outer destination . inner destination in the set).
 * Returns: 0, or a negative errno (nothing left behind).
 */
int dpf_open(struct dp_filter *f, uint32_t id, const struct in6_addr *vha, uint32_t gate_mark,
             int rewrite_src);
/*
 * Open (on) or close the gate: one transaction that empties the gate
 * chains and, for on, adds "meta mark set mark | gate_mark" to each.
 * Returns: 0 or a negative errno.
 */
int dpf_gate(struct dp_filter *f, int on);
/* Delete the table (and with it set, chain and rules) and close. */
void dpf_close(struct dp_filter *f);
/* Queue adding / deleting the pair (coa . hoa). Returns: 0 or -ENOMEM. */
int dpf_add(struct dp_filter *f, const struct in6_addr *coa, const struct in6_addr *hoa);
int dpf_del(struct dp_filter *f, const struct in6_addr *coa, const struct in6_addr *hoa);
/*
 * Send what dpf_add/dpf_del queued as one nf_tables transaction.
 * Returns: 0, or a negative errno (the whole transaction was refused: the
 * caller must dpf_flush_set and re-add every pair).
 */
int dpf_commit(struct dp_filter *f);
/*
 * Queue adding / deleting the proxy binding prefix (PMIPv6, RFC 5213 5.6):
 * "pcoa . [prefix .. last address of prefix/plen]" in ppairs (reverse filter,
 * source rewrite) and "prefix range . prefix range : pcoa" in hnp_pcoa (the
 * per-PCoA gate's map); a /64 (the usual HNP) instead goes into the hash
 * sets ppairs64 ("pcoa . first 64 bits") and hnp64_pcoa ("first 64 bits :
 * pcoa"): O(1) per change, where pipapo's removal costs O(elements).
 * prefix has its host bits zero. Returns: 0 or -ENOMEM.
 */
int dpf_padd(struct dp_filter *f, const struct in6_addr *pcoa, const struct in6_addr *prefix,
             unsigned plen);
int dpf_pdel(struct dp_filter *f, const struct in6_addr *pcoa, const struct in6_addr *prefix,
             unsigned plen);
/*
 * Add (on) or delete pcoa in the set pcoa_on, its own transaction: the
 * per-PCoA gate (needs gate_mark). Deleting an absent one is success.
 * Returns: 0 or a negative errno.
 */
int dpf_pcoa(struct dp_filter *f, const struct in6_addr *pcoa, int on);
/* Drop queued changes and empty the element sets pairs, ppairs, hnp_pcoa (one
 * transaction; pcoa_on is activation state and stays). Returns: 0 or a negative errno. */
int dpf_flush_set(struct dp_filter *f);
/* Elements currently in the set, by dump (tests and diagnostics). Returns: count or a negative
 * errno. */
long dpf_count(struct dp_filter *f);
/* The same for the set named name ("ppairs", "hnp_pcoa", "ppairs64", "hnp64_pcoa", "pcoa_on"). */
long dpf_count_set(struct dp_filter *f, const char *name);

#endif
