/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ext.h - the extension message: everything beyond draft-deng travels in a
 * third VRRP message type, VRRP_HA_TYPE_EXT, made of typed sections in the
 * manner of OpenBSD's pfsync. The draft's BC_REQUEST / BC_UPDATE (codec.h)
 * stay byte-exact. Every byte is documented in docs/protocol.md "Extensions".
 *
 *   header (8)   0x3C | VRID | ext version 1 | # sections | rsvd (2) | checksum (2)
 *   section      kind u8 | count u8 (>= 1) | len u16 (bytes per record) | count x len
 *
 * Receive is two passes over the packet. Pass 1 checks the structure (every
 * section fits, they fill the packet exactly, their number is byte 3): any
 * failure rejects the packet whole and nothing is delivered. Pass 2 decodes
 * the records of the kinds in the dispatch table and hands them to the
 * caller's callbacks; a bad record is counted by reason and skipped, the
 * rest of the packet is kept. Sections of a kind not in the table, or of a
 * known kind with a record length outside the kind's bounds, are skipped by
 * their len x count and counted: old peers tolerate new kinds.
 *
 * I/O free, no global mutable state; decoded records point into the packet
 * (no copies) and are valid during the callback only.
 */
#ifndef VRRP_HA_EXT_H
#define VRRP_HA_EXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vrrp_ha/codec.h"

/* VRRP type of the extension message. RFC 5798 assigns only 1; 14 and 15
 * are draft-deng's (codec.h); 12 stays clear of both and of IANA's next
 * assignments, which would start at 2 (docs/protocol.md "Extensions"). */
#define VRRP_HA_TYPE_EXT 12
/* Header byte 2: the version of the section format below. */
#define VRRP_HA_EXT_VERSION 1
/* VRRPv3-shaped header (RFC 5798 5.1): checksum at offset 6, so the
 * kernel's IPV6_CHECKSUM works as for adverts. */
#define VRRP_HA_EXT_HDR_LEN 8
/* Section header: kind, count, len (u16 BE). */
#define VRRP_HA_EXT_SEC_HDR_LEN 4
/* Byte 3 and a section's count are one octet. */
#define VRRP_HA_EXT_MAX_SECTIONS 255
#define VRRP_HA_EXT_MAX_COUNT    255
/* NEW HoAs remembered per packet; more are counted (new_overflow), ignored. */
#define VRRP_HA_EXT_MAX_NEW 64
/* HNP options kept per PMIPv6 record (RFC 5213 allows several); more: the
 * record is refused (pmip_bad_hnp). */
#define VRRP_HA_EXT_MAX_HNP 8

/* Section kinds. Kind k is bit k of the CAPS bitmap, so kinds are < 32. */
#define VRRP_HA_EXT_K_CAPS    1  /* capabilities of the sender */
#define VRRP_HA_EXT_K_MIPV6   2  /* draft-deng 4.3.3 record + mobility options */
#define VRRP_HA_EXT_K_NEW     3  /* a HoA whose MIPV6 record here is "new" */
#define VRRP_HA_EXT_K_PMIPV6  4  /* a PMIPv6 binding (RFC 5213 5.1) */
#define VRRP_HA_EXT_K_ATTACH  5  /* state attached to a binding (AAA, vendor) */
#define VRRP_HA_EXT_K_AUTH    6  /* authentication (auth.h); first section only */
#define VRRP_HA_EXT_K_REQUEST 7  /* ask for records or digests (framed sync) */
#define VRRP_HA_EXT_K_SYNC    8  /* START / END of a framed sync */
#define VRRP_HA_EXT_K_DIGEST  9  /* count + digest of a range of buckets */
#define VRRP_HA_EXT_K_RANGE   10 /* a range of buckets a REQUEST asks for */
#define VRRP_HA_EXT_K_TABLE   11 /* the sender's table: size, digest, state */
#define VRRP_HA_EXT_K_SWITCH  12 /* HARP Hello / SwitchOver / SwitchBack (harp.md) */
/* 13: a key of a State Synchronization Request (HARP 6.1.3), or a key
 * answered "no such binding" */
#define VRRP_HA_EXT_K_KEYS  13
#define VRRP_HA_EXT_K_MAGSW 14 /* LMA Inter Switch for one MAG (pmipv6.md) */
/* 15: reserved for the LMA handover messages (LMA_HO_Init / LMA_HAck,
 * pmipv6.md "LMA handover"); not yet known to this parser */
#define VRRP_HA_EXT_K__MAX 14 /* highest kind this code knows */

/* Record lengths (section byte 2-3) per kind. */
#define VRRP_HA_EXT_CAPS_LEN       8
#define VRRP_HA_EXT_MIPV6_MIN_LEN  VRRP_HA_REC_LEN /* 40, then options */
#define VRRP_HA_EXT_NEW_LEN        16
#define VRRP_HA_EXT_PMIPV6_MIN_LEN 28 /* fixed part, then options */
#define VRRP_HA_EXT_ATTACH_MIN_LEN 12 /* fixed part, then key, then options */
#define VRRP_HA_EXT_REQUEST_LEN    24
#define VRRP_HA_EXT_SYNC_LEN       16
#define VRRP_HA_EXT_DIGEST_LEN     16
#define VRRP_HA_EXT_RANGE_LEN      4
#define VRRP_HA_EXT_TABLE_LEN      24
#define VRRP_HA_EXT_SWITCH_LEN     40
#define VRRP_HA_EXT_KEYS_LEN       20
#define VRRP_HA_EXT_MAGSW_LEN      40
#define VRRP_HA_EXT_MAX_REC_LEN    0xffff

/* The key space of a table is cut into this many buckets (store.h
 * store_bucket_of(): the same function on every node); DIGEST and RANGE
 * records name runs of them. */
#define VRRP_HA_EXT_BUCKETS 4096

/* REQUEST what */
#define VRRP_HA_EXT_REQ_RECORDS 1 /* send the records (a framed sync) */
#define VRRP_HA_EXT_REQ_DIGESTS 2 /* send per-bucket DIGEST records */
#define VRRP_HA_EXT_REQ_KEYS    3 /* send the records of the KEYS of this message */
/* KEYS records one request carries */
#define VRRP_HA_EXT_MAX_KEYS 32
/* KEYS flags */
#define VRRP_HA_EXT_KEYS_NONE 0x01 /* answer: the sender holds no live binding for it */
/* REQUEST / SYNC flags */
#define VRRP_HA_EXT_SYNC_FULL  0x0001 /* the whole table (no RANGE records) */
#define VRRP_HA_EXT_SYNC_MERGE 0x0002 /* a departing master's table (split brain) */
/* SYNC phase */
#define VRRP_HA_EXT_SYNC_START 1
#define VRRP_HA_EXT_SYNC_END   2
#define VRRP_HA_EXT_SYNC_KEYS  3 /* the records of an answer to a KEYS request */

/* ATTACH attachment types. */
#define VRRP_HA_EXT_ATT_AAA    1 /* AAA state (e.g. RFC 5778 session) */
#define VRRP_HA_EXT_ATT_VENDOR 2 /* vendor-specific (RFC 5094 options) */

/* CAPS flags: SOLICIT asks the receivers to answer with their CAPS; the
 * other bits are sent 0 and ignored. vrrp_ha_ext_put_caps() sends none. */
#define VRRP_HA_EXT_CAPS_FLAGS   0
#define VRRP_HA_EXT_CAPS_SOLICIT 0x01

/* Why a packet, section or record was refused; every value has a stable
 * short name and a slot in struct vrrp_ha_ext_stats. */
enum vrrp_ha_ext_reason {
	VRRP_HA_EXT_OK = 0,
	/* packet level, checked in this order; the whole packet is dropped */
	VRRP_HA_EXT_R_TOO_SHORT,       /* fewer than 8 bytes */
	VRRP_HA_EXT_R_BAD_VERSION,     /* VRRP version != 3 */
	VRRP_HA_EXT_R_BAD_TYPE,        /* VRRP type != 12 */
	VRRP_HA_EXT_R_BAD_EXT_VERSION, /* byte 2 != 1 */
	VRRP_HA_EXT_R_ZERO_SECTIONS,   /* byte 3 == 0 */
	VRRP_HA_EXT_R_BAD_LENGTH,      /* a section header or its records run past the end */
	VRRP_HA_EXT_R_ZERO_COUNT,      /* a section with count 0 */
	VRRP_HA_EXT_R_SECTION_COUNT,   /* sections fill the packet but are not byte 3 many */
	/* section level: the section is skipped, the others are used */
	VRRP_HA_EXT_R_UNKNOWN_KIND,    /* kind not in the dispatch table */
	VRRP_HA_EXT_R_BAD_SECTION_LEN, /* known kind, len outside [min_len, max_len] */
	/* record level: the record is skipped, the others are used */
	VRRP_HA_EXT_R_BAD_HOA,            /* unspecified/loopback/multicast/link-local/v4-mapped */
	VRRP_HA_EXT_R_BAD_COA,            /* same classes */
	VRRP_HA_EXT_R_HOA_IS_COA,         /* HoA == CoA with a non-zero lifetime */
	VRRP_HA_EXT_R_BAD_OPTIONS,        /* options do not parse exactly (mopt.h) */
	VRRP_HA_EXT_R_PMIP_NO_MNID,       /* no MN-ID option */
	VRRP_HA_EXT_R_PMIP_DUP_MNID,      /* more than one MN-ID option */
	VRRP_HA_EXT_R_PMIP_NO_HNP,        /* no HNP option */
	VRRP_HA_EXT_R_PMIP_BAD_HNP,       /* prefix length > 128, or more than MAX_HNP */
	VRRP_HA_EXT_R_PMIP_NO_TIMESTAMP,  /* no Timestamp option */
	VRRP_HA_EXT_R_PMIP_DUP_TIMESTAMP, /* more than one Timestamp option */
	VRRP_HA_EXT_R_PMIP_BAD_PCOA,      /* proxy-CoA unusable (same classes as a CoA) */
	VRRP_HA_EXT_R_ATTACH_BAD_OWNER,   /* owner kind not MIPV6 / PMIPV6 */
	VRRP_HA_EXT_R_ATTACH_BAD_TYPE,    /* attachment type not AAA / vendor */
	VRRP_HA_EXT_R_ATTACH_BAD_KEY,     /* owner key missing or bad */
	VRRP_HA_EXT_R_NEW_NO_RECORD,      /* a NEW HoA without a delivered MIPV6 record */
	VRRP_HA_EXT_R_NEW_OVERFLOW,       /* more than VRRP_HA_EXT_MAX_NEW NEW HoAs */
	VRRP_HA_EXT_R_BAD_REQUEST,        /* REQUEST: unknown what, responder not :: / link-local */
	VRRP_HA_EXT_R_BAD_SYNC,           /* SYNC: unknown phase */
	VRRP_HA_EXT_R_BAD_RANGE,          /* DIGEST / RANGE: empty or past the last bucket */
	VRRP_HA_EXT_R_BAD_SWITCH,         /* SWITCH: unknown op, id 0, reserved bits set */
	VRRP_HA_EXT_R_BAD_MAGSW,          /* MAGSW: unknown op, id 0, MAG address unusable */
	VRRP_HA_EXT_R__COUNT
};

/* Returns: the short stable name of r ("too_short", ...), "unknown" if out of range. */
const char *vrrp_ha_ext_reason_name(enum vrrp_ha_ext_reason r);

/* Returns: whether r rejects the whole packet (packet-level reason). */
bool vrrp_ha_ext_reason_is_packet(enum vrrp_ha_ext_reason r);

/* Returns: the name of a section kind ("caps", "mipv6", ...), NULL if unknown. */
const char *vrrp_ha_ext_kind_name(uint8_t kind);

/* Returns: the bitmap of kinds this code decodes (bit k = kind k), as sent in CAPS. */
uint32_t vrrp_ha_ext_known_kinds(void);

/* Counts a parse adds to (never resets): the caller keeps one per peer or
 * per instance and adds them to its counters. */
struct vrrp_ha_ext_stats {
	uint64_t packets;                           /* parsed, accepted or not */
	uint64_t accepted;                          /* passed pass 1 */
	uint64_t sections;                          /* sections of accepted packets */
	uint64_t reason[VRRP_HA_EXT_R__COUNT];      /* [OK] unused; packets, sections, records */
	uint64_t delivered[VRRP_HA_EXT_K__MAX + 1]; /* records delivered, per kind (NEW:
	                                               HoAs that marked a record) */
	uint64_t skipped_records;                   /* records in skipped sections */
};

/* Decoded header, host order. */
struct vrrp_ha_ext_hdr {
	uint8_t version; /* VRRP version (3) */
	uint8_t type;    /* 12 */
	uint8_t vrid;
	uint8_t ext_version; /* 1 */
	uint8_t nsections;
	uint16_t checksum; /* as received */
};

/* CAPS record (len 8). */
struct vrrp_ha_ext_caps {
	uint8_t ext_version; /* highest extension version the sender speaks */
	uint8_t flags;       /* 0 */
	uint32_t kinds;      /* bit k: the sender decodes kind k */
};

/* MIPV6 record: draft-deng 4.3.3 then mobility options. */
struct vrrp_ha_ext_mipv6 {
	struct vrrp_ha_binding b; /* reserved: as received (sent 0) */
	const uint8_t *opts;      /* RFC 6275 6.2 options, into the packet */
	size_t optlen;
	bool is_new; /* a NEW section of the message named b.hoa */
};

/* One Home Network Prefix option (RFC 5213 8.3), into the packet. */
struct vrrp_ha_ext_hnp {
	uint8_t plen;
	const uint8_t *prefix; /* 16 bytes */
};

/* PMIPV6 record: a Local Mobility Anchor's binding (RFC 5213 5.1). */
struct vrrp_ha_ext_pmipv6 {
	uint16_t lifetime;    /* units of 4 s; 0 = delete */
	uint16_t flags;       /* PBU flags */
	uint8_t att;          /* RFC 5213 8.5 access technology type */
	uint32_t tunnel_id;   /* the sender's tunnel handle; opaque */
	const uint8_t *pcoa;  /* 16 bytes: Proxy-CoA (the MAG) */
	uint8_t mnid_subtype; /* RFC 4283 3 */
	const uint8_t *mnid;  /* identifier after the subtype */
	size_t mnid_len;
	struct vrrp_ha_ext_hnp hnp[VRRP_HA_EXT_MAX_HNP];
	unsigned nhnp;       /* >= 1 */
	uint64_t timestamp;  /* RFC 5213 8.8, 48.16 fixed point */
	const uint8_t *hi;   /* Handoff Indicator value octet, or NULL */
	const uint8_t *llid; /* MN link-layer id after its reserved octet, or NULL */
	size_t llid_len;     /* of llid */
	const uint8_t *lla;  /* 16 bytes: MAG link-local address, or NULL */
	const uint8_t *opts; /* all the options */
	size_t optlen;
};

/* ATTACH record: a value keyed by a MIPv6 or PMIPv6 binding. */
struct vrrp_ha_ext_attach {
	uint8_t owner;        /* VRRP_HA_EXT_K_MIPV6 or VRRP_HA_EXT_K_PMIPV6 */
	uint8_t type;         /* VRRP_HA_EXT_ATT_* */
	uint32_t version;     /* serial of the value (RFC 1982 on 32 bits) */
	uint16_t lifetime;    /* units of 4 s; 0 = delete */
	const uint8_t *hoa;   /* MIPV6 owner: 16 bytes; else NULL */
	uint8_t mnid_subtype; /* PMIPV6 owner: the MN-ID and one HNP */
	const uint8_t *mnid;
	size_t mnid_len;
	struct vrrp_ha_ext_hnp hnp;
	const uint8_t *value; /* options after the key (e.g. RFC 5094 vendor options) */
	size_t value_len;
};

/* REQUEST record (len 24). */
struct vrrp_ha_ext_request {
	uint32_t req_id;           /* chosen by the requester; echoed in SYNC */
	uint8_t what;              /* VRRP_HA_EXT_REQ_* */
	uint8_t table_kind;        /* record kind asked for (VRRP_HA_EXT_K_MIPV6) */
	uint16_t flags;            /* VRRP_HA_EXT_SYNC_FULL: every bucket */
	struct in6_addr responder; /* :: = the master; else the node asked */
};

/* SYNC record (len 16): frames the records of one answer. */
struct vrrp_ha_ext_sync {
	uint32_t req_id; /* the REQUEST's, or 0 (unsolicited: takeover, refresh) */
	uint8_t phase;   /* VRRP_HA_EXT_SYNC_START / _END */
	uint8_t table_kind;
	uint16_t flags;   /* VRRP_HA_EXT_SYNC_FULL / _MERGE */
	uint32_t records; /* START: records in the table; END: records sent */
};

/* DIGEST record (len 16): buckets [first, first + n). */
struct vrrp_ha_ext_digest {
	uint16_t first, n;
	uint32_t count; /* live entries in them */
	uint64_t sum;   /* sum mod 2^64 of their version hashes (store.h) */
};

/* RANGE record (len 4): buckets [first, first + n). */
struct vrrp_ha_ext_range {
	uint16_t first, n;
};

/* TABLE record (len 24): what the sender holds (an answer to a CAPS
 * solicit), so a requester with no master to ask picks the best peer. */
struct vrrp_ha_ext_table {
	uint8_t table_kind;
	uint8_t vrrp_state; /* host.h enum vrrp_ha_state */
	uint8_t sync_state; /* ha.h enum vrrp_ha_sync_state */
	uint8_t priority;   /* configured base priority */
	uint32_t count;
	uint64_t sum;
	uint32_t flags; /* 0 */
};

/* SWITCH ops (docs/harp.md): the HARP draft's Hello Request / Hello (6.1.1,
 * 6.1.2), SwitchOver Request / Reply (6.1.5, 6.1.6), SwitchBack Request /
 * Reply (6.1.7, 6.1.8). */
enum vrrp_ha_switch_op {
	VRRP_HA_SW_HELLO_REQUEST = 1,
	VRRP_HA_SW_HELLO = 2,
	VRRP_HA_SW_SWITCHOVER_REQUEST = 3,
	VRRP_HA_SW_SWITCHOVER_REPLY = 4,
	VRRP_HA_SW_SWITCHBACK_REQUEST = 5,
	VRRP_HA_SW_SWITCHBACK_REPLY = 6,
};
#define VRRP_HA_SW_OP_MAX 6

/* Status of a reply: the HARP draft's 0, 128, 129, then ours. */
#define VRRP_HA_SW_SUCCESS     0
#define VRRP_HA_SW_NOT_ACTIVE  128 /* SwitchOver: not the active HA; SwitchBack: already active */
#define VRRP_HA_SW_PROHIBITED  129 /* administratively prohibited */
#define VRRP_HA_SW_NOT_IN_SYNC 130 /* the HA that would become active lacks the table */
#define VRRP_HA_SW_BUSY        131 /* another switch is in progress */

/* SWITCH flags */
#define VRRP_HA_SW_F_IN_SYNC 0x01 /* HELLO: the sender's table equals the asker's */
#define VRRP_HA_SW_F_HELD    0x02 /* the sender's priority is held (hold.h) */
#define VRRP_HA_SW_F_KNOWN   0x03

/* A SWITCH record (40 bytes, docs/protocol.md "SWITCH"). */
struct vrrp_ha_ext_switch {
	uint8_t op;             /* enum vrrp_ha_switch_op */
	uint8_t vrrp_state;     /* the sender's (host.h enum vrrp_ha_state) */
	uint16_t status;        /* replies; 0 in the others */
	uint32_t id;            /* a request's; echoed by its reply / Hello; never 0 */
	uint8_t priority;       /* the sender's configured priority */
	uint8_t eff_priority;   /* what it advertises (held, tracked) */
	uint8_t sync_state;     /* ha.h enum vrrp_ha_sync_state */
	uint8_t flags;          /* VRRP_HA_SW_F_* */
	uint32_t count;         /* the sender's table: served (MASTER) or RBC */
	uint64_t sum;           /* its digest (docs/sync.md) */
	struct in6_addr target; /* the HA it is meant for; :: = any (HELLO_REQUEST) */
};

/* KEYS record (len 20): a key of a State Synchronization Request (HARP
 * 6.1.3 / 7.5), or in its answer a key the sender holds nothing for. */
struct vrrp_ha_ext_keys {
	uint8_t table_kind;  /* VRRP_HA_EXT_K_MIPV6 */
	uint8_t flags;       /* VRRP_HA_EXT_KEYS_NONE (answers only) */
	struct in6_addr hoa; /* the key: a Home Address */
};

/* MAGSW ops: the LMA reliability draft's LMA Inter Switch Request (type 0)
 * and Reply (1) of 6.3, the optional Complete of its Figure 2, and the
 * same three to give the MAG back (vrrp-ha-ctl switch-back-mag). */
enum vrrp_ha_magsw_op {
	VRRP_HA_MAGSW_REQUEST = 0,
	VRRP_HA_MAGSW_REPLY = 1,
	VRRP_HA_MAGSW_COMPLETE = 2,
	VRRP_HA_MAGSW_BACK_REQUEST = 3,
	VRRP_HA_MAGSW_BACK_REPLY = 4,
	VRRP_HA_MAGSW_BACK_COMPLETE = 5,
};
#define VRRP_HA_MAGSW_OP_MAX 5

/* A MAGSW record (40 bytes, docs/protocol.md "MAGSW"): one MAG's proxy
 * bindings move between two LMAs of the group. Status (replies): the
 * SWITCH codes (0, 128 not serving that MAG, 129, 130, 131). */
struct vrrp_ha_ext_magsw {
	uint8_t op;          /* enum vrrp_ha_magsw_op */
	uint8_t status;      /* replies only, else 0 */
	uint16_t flags;      /* 0 */
	uint32_t id;         /* never 0; a reply / complete carries its request's */
	struct in6_addr mag; /* the MAG's proxy-CoA (IPv6) */
	uint32_t mag4;       /* its IPv4 address (network order), 0 = none */
	uint32_t count;      /* that MAG's proxy bindings at the sender */
	uint64_t sum;        /* their digest (docs/sync.md) */
};

/* What the caller wants to receive. Any callback may be NULL (the record is
 * still decoded, checked and counted). */
struct vrrp_ha_ext_cb {
	void *arg;
	void (*caps)(void *arg, const struct vrrp_ha_ext_caps *c);
	void (*mipv6)(void *arg, const struct vrrp_ha_ext_mipv6 *r);
	void (*pmipv6)(void *arg, const struct vrrp_ha_ext_pmipv6 *r);
	void (*attach)(void *arg, const struct vrrp_ha_ext_attach *r);
	/* A section or record was skipped (for rate-limited logging): kind of the
	 * section, idx of the record in it (0 for a whole section), reason. */
	void (*skipped)(void *arg, uint8_t kind, unsigned idx, enum vrrp_ha_ext_reason r);
	/* the sync control records (docs/protocol.md "Framed sync") */
	void (*request)(void *arg, const struct vrrp_ha_ext_request *r);
	void (*sync)(void *arg, const struct vrrp_ha_ext_sync *r);
	void (*digest)(void *arg, const struct vrrp_ha_ext_digest *r);
	void (*range)(void *arg, const struct vrrp_ha_ext_range *r);
	void (*table)(void *arg, const struct vrrp_ha_ext_table *r);
	void (*sw)(void *arg, const struct vrrp_ha_ext_switch *r);
	void (*keys)(void *arg, const struct vrrp_ha_ext_keys *r);
	void (*magsw)(void *arg, const struct vrrp_ha_ext_magsw *r);
};

/*
 * Parse one extension message (VRRP header onward; hop limit and VRID are
 * the caller's to check, as for BC packets).
 * h (may be NULL): the header, filled as far as it was read. cb (may be
 * NULL): the deliveries. st (may be NULL): counts are added to it.
 * Returns: VRRP_HA_EXT_OK when the structure was valid (records may still
 * have been skipped: see st), or the packet-level reason it was rejected
 * for (nothing delivered).
 */
enum vrrp_ha_ext_reason vrrp_ha_ext_parse(const uint8_t *pkt, size_t len, struct vrrp_ha_ext_hdr *h,
                                          const struct vrrp_ha_ext_cb *cb,
                                          struct vrrp_ha_ext_stats *st);

/* ---- encoder ----------------------------------------------------------- */

/* Builder over a caller buffer. Fields are private. */
struct vrrp_ha_ext_wr {
	struct vrrp_ha_wr w;
	size_t sec_off;    /* offset of the open section's header (valid if sec_kind) */
	uint8_t sec_kind;  /* 0: no open section */
	uint16_t sec_len;  /* record length of the open section */
	uint8_t sec_count; /* records written in it (0: header not written yet) */
	unsigned nsections;
};

/*
 * Start a message for vrid in buf[0..cap): writes the 8-byte header.
 * Returns: 0, or -ENOSPC (cap < 8 + 4: not even a section fits).
 */
int vrrp_ha_ext_begin(struct vrrp_ha_ext_wr *x, void *buf, size_t cap, uint8_t vrid);

/*
 * Open a new section of kind with records of len bytes; its header is written
 * with the first record (an empty section is never emitted). Not needed for
 * the put functions, which continue the open section when kind and length
 * match and open one otherwise; use it to force a section boundary.
 * Returns: 0, or -EINVAL (kind 0 or len 0).
 */
int vrrp_ha_ext_section(struct vrrp_ha_ext_wr *x, uint8_t kind, uint16_t len);

/*
 * Append a raw record of kind (any kind, also unknown ones: tests, and
 * kinds encoded elsewhere). Every put below goes through it.
 * Returns: 0; -ENOSPC (it does not fit, with a new section header if one is
 * needed, or 255 sections were written); -EINVAL (len 0). Nothing is
 * written on error.
 */
int vrrp_ha_ext_put_raw(struct vrrp_ha_ext_wr *x, uint8_t kind, const void *rec, size_t len);

/* CAPS with this code's version and kinds (vrrp_ha_ext_known_kinds).
 * Returns: as vrrp_ha_ext_put_raw. */
int vrrp_ha_ext_put_caps(struct vrrp_ha_ext_wr *x);

/*
 * MIPV6 record: b (draft-deng 4.3.3; Reserved is sent 0) and optlen bytes
 * of options (must validate with vrrp_ha_mopt_validate).
 * Returns: as vrrp_ha_ext_put_raw; -EINVAL also for malformed options.
 */
int vrrp_ha_ext_put_mipv6(struct vrrp_ha_ext_wr *x, const struct vrrp_ha_binding *b,
                          const uint8_t *opts, size_t optlen);

/* NEW record for hoa. Returns: as vrrp_ha_ext_put_raw. */
int vrrp_ha_ext_put_new(struct vrrp_ha_ext_wr *x, const struct in6_addr *hoa);

/*
 * PMIPV6 record: the fixed fields of r (lifetime, flags, att, tunnel_id,
 * pcoa) and r->opts/optlen, which must pass the receiver's option rules
 * (one MN-ID, 1..VRRP_HA_EXT_MAX_HNP valid HNPs, one Timestamp); the other
 * pointer fields of r are ignored.
 * Returns: as vrrp_ha_ext_put_raw; -EINVAL for options the receiver would refuse.
 */
int vrrp_ha_ext_put_pmipv6(struct vrrp_ha_ext_wr *x, const struct vrrp_ha_ext_pmipv6 *r);

/*
 * ATTACH record from r: owner, type, version, lifetime; the key (owner
 * MIPV6: r->hoa; PMIPV6: r->mnid_subtype/mnid/mnid_len and r->hnp, written
 * as an MN-ID then an HNP option); then r->value/value_len options.
 * Returns: as vrrp_ha_ext_put_raw; -EINVAL for a bad owner, type, key or
 * malformed value options.
 */
int vrrp_ha_ext_put_attach(struct vrrp_ha_ext_wr *x, const struct vrrp_ha_ext_attach *r);

/* The control records above. Returns: as vrrp_ha_ext_put_raw; -EINVAL for
 * values the receiver would refuse. */
int vrrp_ha_ext_put_request(struct vrrp_ha_ext_wr *x, const struct vrrp_ha_ext_request *r);
int vrrp_ha_ext_put_sync(struct vrrp_ha_ext_wr *x, const struct vrrp_ha_ext_sync *r);
int vrrp_ha_ext_put_digest(struct vrrp_ha_ext_wr *x, const struct vrrp_ha_ext_digest *r);
int vrrp_ha_ext_put_range(struct vrrp_ha_ext_wr *x, const struct vrrp_ha_ext_range *r);
int vrrp_ha_ext_put_table(struct vrrp_ha_ext_wr *x, const struct vrrp_ha_ext_table *r);
int vrrp_ha_ext_put_switch(struct vrrp_ha_ext_wr *x, const struct vrrp_ha_ext_switch *r);
int vrrp_ha_ext_put_magsw(struct vrrp_ha_ext_wr *x, const struct vrrp_ha_ext_magsw *r);
int vrrp_ha_ext_put_keys(struct vrrp_ha_ext_wr *x, const struct vrrp_ha_ext_keys *r);

/*
 * Finish: writes the number of sections into byte 3.
 * Returns: the message length, or 0 when no record was put (a message
 * needs a section).
 */
size_t vrrp_ha_ext_finish(struct vrrp_ha_ext_wr *x);

/* Returns: bytes still free in the buffer (for a caller filling up to the MTU). */
size_t vrrp_ha_ext_room(const struct vrrp_ha_ext_wr *x);

#endif
