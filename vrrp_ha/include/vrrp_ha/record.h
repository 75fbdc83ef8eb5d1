/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * record.h - the kinds of record the binding store (store.h) holds, their
 * keys, and the mobility-option TLVs a record may carry.
 *
 * A record is a kind, a key, a fixed part (host order, one struct per
 * kind) and an optional list of mobility options in the format of RFC 6275
 * section 6.2 (Type u8, Length u8, Length bytes of data; Pad1 is a lone
 * zero byte, PadN type 1), which the store keeps as an opaque byte string,
 * out of line, costing nothing when absent.
 *
 * Keys are byte strings, tagged with their kind:
 *   MIPv6   the Home Address (RFC 6275 9.1), 16 bytes.
 *   PMIPv6  the Mobile Node Identifier (RFC 5213 5.1: the MN-Identifier
 *           option body of RFC 4283 section 3, subtype + identifier,
 *           1..255 bytes) and one Home Network Prefix (RFC 5213 8.3:
 *           prefix length + 128 bits): [mnid_len][mnid][plen][prefix16].
 *           A proxy binding cache entry is looked up by MN-ID and HNP
 *           (RFC 5213 5.4.1.1).
 *   ATTACH  state attached to a mobile node (AAA session, vendor state):
 *           [owner kind][owner key][attachment type u8].
 * Keys order by kind, then length, then bytes (memcmp): the order of an
 * SNMP table indexed by (kind, OCTET STRING key), RFC 2578 7.7.
 */
#ifndef VRRP_HA_RECORD_H
#define VRRP_HA_RECORD_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vrrp_ha_rec_kind {
	VRRP_HA_KIND_MIPV6 = 1,  /* RFC 6275 binding cache entry */
	VRRP_HA_KIND_PMIPV6 = 2, /* RFC 5213 proxy binding cache entry */
	VRRP_HA_KIND_ATTACH = 3, /* per-mobile-node attachment */
};
#define VRRP_HA_KIND_MAX 3

/* RFC 4283 3: the MN-Identifier option carries at most 255 bytes after
 * its length byte (subtype + identifier). */
#define VRRP_HA_MNID_MAX 255
/* Longest key: an ATTACH of a PMIPv6 owner: 1 + (1 + 255 + 1 + 16) + 1. */
#define VRRP_HA_PMIPV6_KEY_MAX (1 + VRRP_HA_MNID_MAX + 1 + 16)
#define VRRP_HA_KEY_MAX        (1 + VRRP_HA_PMIPV6_KEY_MAX + 1)
/* Options: at most what one u16 length says (a Mobility Header holds far
 * less, RFC 6275 6.1.1: (255 + 1) * 8 bytes). */
#define VRRP_HA_OPTS_MAX UINT16_MAX

/* A key: bytes (len of them) in the layout above. Not owned. */
struct vrrp_ha_key {
	uint8_t kind; /* enum vrrp_ha_rec_kind */
	uint16_t len;
	const uint8_t *bytes;
};

/* Mobility options (RFC 6275 6.2.1 ff., RFC 5213 8) a record may carry. */
#define VRRP_HA_OPT_PAD1      0  /* RFC 6275 6.2.2: no length byte */
#define VRRP_HA_OPT_PADN      1  /* RFC 6275 6.2.3 */
#define VRRP_HA_OPT_MNID      8  /* RFC 4283 3 */
#define VRRP_HA_OPT_HNP       22 /* RFC 5213 8.3: further HNPs */
#define VRRP_HA_OPT_HI        23 /* RFC 5213 8.4: Handoff Indicator */
#define VRRP_HA_OPT_ATT       24 /* RFC 5213 8.5 */
#define VRRP_HA_OPT_MN_LLID   25 /* RFC 5213 8.6: MN Link-layer Identifier */
#define VRRP_HA_OPT_LLA       26 /* RFC 5213 8.7: Link-local Address */
#define VRRP_HA_OPT_TIMESTAMP 27 /* RFC 5213 8.8 */
#define VRRP_HA_OPT_VENDOR    19 /* RFC 5094 3: vendor-specific, e.g. ATTACH values */

/* MIPv6 fixed part: what a Binding Update set (RFC 6275 9.1). */
struct vrrp_ha_mipv6 {
	struct in6_addr coa; /* Care-of Address (RFC 6275 9.1) */
	uint16_t seq;        /* BU Sequence Number (6.1.7), RFC 1982 serial */
	uint16_t flags;      /* BU flags A H L K ... (6.1.7), host order */
};

/* PMIPv6 fixed part: a proxy binding cache entry (RFC 5213 5.1). Further
 * HNPs, the MN-LL-Identifier and the link-local address go in options. */
struct vrrp_ha_pmipv6 {
	struct in6_addr pcoa; /* Proxy-CoA: the MAG's address (5.1) */
	uint64_t timestamp;   /* Timestamp option (8.8): 48.16 fixed point
	                       * seconds since 1970; newer wins (5.5) */
	uint32_t tunnel_id;   /* bi-directional tunnel interface (5.1) */
	uint16_t flags;       /* PBU flags A H L K M R P (8.1) */
	uint8_t att;          /* Access Technology Type (8.5) */
};

/* ATTACH fixed part: the value is in the options (e.g. a vendor option). */
struct vrrp_ha_attach {
	uint32_t version; /* bumped on each change, RFC 1982 32-bit serial */
};

union vrrp_ha_fixed {
	struct vrrp_ha_mipv6 mipv6;
	struct vrrp_ha_pmipv6 pmipv6;
	struct vrrp_ha_attach attach;
};

/*
 * One record, in or out of the store. On the way in key.bytes and opts
 * are the caller's (copied); on the way out they point into the store and
 * stay valid until the next call that changes it.
 */
struct vrrp_ha_record {
	struct vrrp_ha_key key;
	uint32_t lifetime_s;   /* remaining, seconds; 0: a delete */
	uint64_t expires_ms;   /* out only: end of lifetime, the store's clock */
	uint32_t granted_s;    /* out only: the lifetime it was last set with, so
	                        * it was set at expires_ms - granted_s * 1000 */
	bool created;          /* created anew by the table that is the truth
	                        * (VRRP_HA_REC_NEW, codec.h): in, it overrides
	                        * staleness; out, the first record after a
	                        * store_set_local() creation */
	union vrrp_ha_fixed u; /* the member of key.kind */
	const uint8_t *opts;   /* RFC 6275 6.2 TLVs, NULL when opts_len is 0 */
	uint16_t opts_len;
};

/* One option seen by vrrp_ha_opt_next(): data points into the list. */
struct vrrp_ha_opt {
	uint8_t type;
	uint8_t len;
	const uint8_t *data;
};

/*
 * Key of a MIPv6 binding: points at hoa (no copy), which must outlive it.
 * Returns: nothing.
 */
void vrrp_ha_key_mipv6(struct vrrp_ha_key *k, const struct in6_addr *hoa);

/*
 * Key of a PMIPv6 binding, written to buf (cap bytes, at least
 * VRRP_HA_PMIPV6_KEY_MAX suffices). mnid: the MN-Identifier option body
 * (subtype + identifier), 1..255 bytes. plen: HNP prefix length (<= 128).
 * Returns: 0, or -1 if an argument is out of range or buf too small.
 */
int vrrp_ha_key_pmipv6(struct vrrp_ha_key *k, uint8_t *buf, size_t cap, const uint8_t *mnid,
                       size_t mnid_len, uint8_t plen, const struct in6_addr *hnp);

/*
 * Key of an attachment of type to owner (a MIPv6 or PMIPv6 key), written to
 * buf (cap bytes; VRRP_HA_KEY_MAX suffices).
 * Returns: 0, or -1 if owner is not a valid MIPv6/PMIPv6 key or buf too small.
 */
int vrrp_ha_key_attach(struct vrrp_ha_key *k, uint8_t *buf, size_t cap,
                       const struct vrrp_ha_key *owner, uint8_t type);

/* Returns: true if k is a well-formed key of its kind (layout above). */
bool vrrp_ha_key_valid(const struct vrrp_ha_key *k);

/* Returns: <0, 0, >0 as a orders before, equal to, after b (kind, len, bytes). */
int vrrp_ha_key_cmp(const struct vrrp_ha_key *a, const struct vrrp_ha_key *b);

/*
 * Next option of the list p (len bytes) from *pos, skipping Pad1 and PadN.
 * Returns: 1 and fills *o (advancing *pos), 0 at the end, -1 if an option
 * runs past the end (RFC 6275 6.2: a malformed list).
 */
int vrrp_ha_opt_next(const uint8_t *p, size_t len, size_t *pos, struct vrrp_ha_opt *o);

/* Returns: true if p (len bytes; NULL with len 0) is a whole option list. */
bool vrrp_ha_opts_valid(const uint8_t *p, size_t len);

/* RFC 1982 comparison of 32-bit serial numbers (ATTACH versions).
 * Returns: 0 if equal, >0 if a is newer than b, <0 otherwise (distance
 * exactly 2^31 is never newer). */
int vrrp_ha_serial32_cmp(uint32_t a, uint32_t b);

#endif
