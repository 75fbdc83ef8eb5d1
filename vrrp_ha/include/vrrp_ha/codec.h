/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * codec.h - wire format of VRRP_BC_REQUEST / VRRP_BC_UPDATE
 * (draft-deng-mip6-vrrp-homeagent-reliability-00 section 4.3).
 *
 * I/O free: the codec only reads and writes byte buffers through a
 * bounds-checked cursor. Nothing here casts a struct over a wire buffer.
 * The buffers start at the VRRP header: on an IPv6 raw socket the kernel
 * strips the IPv6 header and verifies the checksum (IPV6_CHECKSUM).
 *
 * On the wire Reserved is always 0 (draft-deng 4.3.3). Inside the library
 * struct vrrp_ha_binding's reserved carries one in-memory mark,
 * VRRP_HA_REC_NEW: a binding the sender's authoritative table has just
 * (re)created, which supersedes what a receiver remembers whatever the
 * sequence number. The replication engine clears it before encoding and
 * sends the mark in an extension NEW section instead (ext.h,
 * docs/protocol.md "Extensions").
 */
#ifndef VRRP_HA_CODEC_H
#define VRRP_HA_CODEC_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 5798 section 5.2.1: VRRPv3 */
#define VRRP_HA_VERSION 3
/* RFC 5798 section 5.1.2.4: VRRP packets are sent with hop limit 255 */
#define VRRP_HA_HOP_LIMIT 255
/* draft-deng section 7 leaves both types to IANA; RFC 5798 only assigns
 * 1 (ADVERTISEMENT). We take the top of the 4-bit space, far from where a
 * future assignment would start: see docs/protocol.md. */
#define VRRP_HA_TYPE_BC_REQUEST 14
#define VRRP_HA_TYPE_BC_UPDATE  15
/* draft-deng 4.3.1 / 4.3.2: an 8-byte VRRPv3-shaped header */
#define VRRP_HA_HDR_LEN 8
/* draft-deng 4.3.3: Lifetime, Seq, Flags, Reserved, HoA, CoA = 40 bytes */
#define VRRP_HA_REC_LEN 40
/* draft-deng 4.3.2: "# of Bindings" is one octet, minimum 1 */
#define VRRP_HA_MAX_RECS 255
/* IPv6 header that precedes the VRRP header on the wire */
#define VRRP_HA_IPV6_HDR_LEN 40
/* Lifetime is copied from the Binding Update (RFC 6275 6.1.7): 4 s units */
#define VRRP_HA_LIFETIME_UNIT_S 4
/* In-memory mark (never sent in a draft record): the sender's authoritative table (re)created
 * this binding; it supersedes whatever the receiver remembers for the HoA regardless of
 * sequence number */
#define VRRP_HA_REC_NEW 0x8000

/* One binding record (draft-deng 4.3.3), host byte order. */
struct vrrp_ha_binding {
	struct in6_addr hoa; /* Home Address: the RBC key */
	struct in6_addr coa; /* Care-of Address */
	uint16_t lifetime;   /* remaining lifetime, units of 4 s; 0 = delete */
	uint16_t seq;        /* BU Sequence Number (RFC 1982 serial, 16 bit) */
	uint16_t flags;      /* BU flags (A H L K M R P ...) */
	uint16_t reserved;   /* in memory only VRRP_HA_REC_NEW; the repl engine sends 0 */
};

/* Decoded header, host order. */
struct vrrp_ha_hdr {
	uint8_t version;
	uint8_t type;
	uint8_t vrid;
	uint8_t count;     /* "# of Bindings" (BC_UPDATE); UNUSED 2 otherwise */
	uint16_t checksum; /* as received; the kernel already verified it */
};

/* Why a packet or record was refused. Every value has a counter and a name;
 * the packet checks run in the order listed (docs/protocol.md). */
enum vrrp_ha_reason {
	VRRP_HA_OK = 0,
	/* whole-packet reasons, in validation order */
	VRRP_HA_R_TOO_SHORT,     /* fewer than 8 bytes */
	VRRP_HA_R_BAD_VERSION,   /* version != 3 */
	VRRP_HA_R_BAD_HOPLIMIT,  /* hop limit != 255 */
	VRRP_HA_R_BAD_TYPE,      /* not BC_REQUEST / BC_UPDATE */
	VRRP_HA_R_VRID_MISMATCH, /* VRID not this instance's */
	VRRP_HA_R_NOT_ENABLED,   /* instance has no mipv6_ha */
	VRRP_HA_R_BAD_LENGTH,    /* BC_REQUEST != 8 bytes, or 8+40N != len */
	VRRP_HA_R_ZERO_COUNT,    /* BC_UPDATE with # of Bindings == 0 */
	VRRP_HA_R_TOO_LONG,      /* larger than the host's receive buffer (oversized, or
	                          * reassembled from fragments): never read whole */
	/* sender checks (docs/protocol.md "Who is heard"), after the above */
	VRRP_HA_R_BAD_SOURCE,      /* source not a link-local unicast address */
	VRRP_HA_R_UNAUTHENTICATED, /* auth on: a draft BC packet or an unprotected message */
	VRRP_HA_R_AUTH_FAILED,     /* protected message refused (auth counters say why) */
	VRRP_HA_R_NOT_MASTER,   /* records from neither the master followed nor the sync source */
	VRRP_HA_R_RATE_LIMITED, /* a request over its sender's rate */
	/* per-record reasons: the record is skipped, the rest is used */
	VRRP_HA_R_REC_BAD_HOA,    /* HoA unspecified/loopback/multicast/link-local/v4-mapped */
	VRRP_HA_R_REC_BAD_COA,    /* CoA unspecified/loopback/multicast/link-local/v4-mapped */
	VRRP_HA_R_REC_HOA_IS_COA, /* HoA == CoA with a non-zero lifetime */
	VRRP_HA_R__COUNT
};

/* Returns: true if a cannot be a mobile node's Home or Care-of Address (nor
 * a PMIPv6 proxy-CoA): unspecified, loopback, multicast, link-local or
 * v4-mapped (RFC 6275 2, RFC 4291). */
bool vrrp_ha_addr_unusable(const struct in6_addr *a);

/* Returns: a short stable name for a reason ("too_short", ...). */
const char *vrrp_ha_reason_name(enum vrrp_ha_reason r);

/* Bounds-checked big-endian reader. All getters return 0 on success and -1
 * (leaving the cursor where it was) when fewer bytes remain than asked. */
struct vrrp_ha_rd {
	const uint8_t *p;
	size_t len;
	size_t off;
};
void vrrp_ha_rd_init(struct vrrp_ha_rd *r, const void *buf, size_t len);
int vrrp_ha_rd_u8(struct vrrp_ha_rd *r, uint8_t *v);
int vrrp_ha_rd_be16(struct vrrp_ha_rd *r, uint16_t *v);
int vrrp_ha_rd_bytes(struct vrrp_ha_rd *r, void *dst, size_t n);
size_t vrrp_ha_rd_left(const struct vrrp_ha_rd *r);

/* Bounds-checked big-endian writer; same conventions. */
struct vrrp_ha_wr {
	uint8_t *p;
	size_t cap;
	size_t off;
};
void vrrp_ha_wr_init(struct vrrp_ha_wr *w, void *buf, size_t cap);
int vrrp_ha_wr_u8(struct vrrp_ha_wr *w, uint8_t v);
int vrrp_ha_wr_be16(struct vrrp_ha_wr *w, uint16_t v);
int vrrp_ha_wr_bytes(struct vrrp_ha_wr *w, const void *src, size_t n);

/*
 * Decode and check the 8-byte header of a BC packet of total length len.
 * Checks, in this order: too_short, bad_version, bad_type, bad_length,
 * zero_count (hop limit and VRID are the caller's: they need context).
 * UNUSED fields and (rsvd) are ignored; for a BC_REQUEST h->count is the raw
 * UNUSED 2 octet, which callers must ignore.
 * Returns: VRRP_HA_OK and fills *h, or the first failing reason (*h then
 * holds what was read: all zero for too_short).
 */
enum vrrp_ha_reason vrrp_ha_decode_hdr(const uint8_t *pkt, size_t len, struct vrrp_ha_hdr *h);

/*
 * Decode record idx (0-based) of a BC_UPDATE whose header already passed
 * vrrp_ha_decode_hdr, and check it (bad_hoa, bad_coa, hoa_is_coa).
 * Returns: VRRP_HA_OK and fills *b; a record reason (the record is still
 * decoded into *b for logging); VRRP_HA_R_BAD_LENGTH if idx is out of range.
 */
enum vrrp_ha_reason vrrp_ha_decode_record(const uint8_t *pkt, size_t len, unsigned idx,
                                          struct vrrp_ha_binding *b);

/* Returns: bytes written (8), or 0 if cap is too small. */
size_t vrrp_ha_encode_request(uint8_t *buf, size_t cap, uint8_t vrid);

/*
 * Encode a BC_UPDATE with n (1..255) records.
 * Returns: bytes written (8 + 40n), or 0 if n is out of range or cap too small.
 */
size_t vrrp_ha_encode_update(uint8_t *buf, size_t cap, uint8_t vrid,
                             const struct vrrp_ha_binding *b, unsigned n);

/*
 * Records that fit one packet on a link of this MTU:
 * (mtu - 40 (IPv6) - 8) / 40, capped at 255. 36 at 1500.
 * Returns: 0 if the MTU cannot carry even one record.
 */
unsigned vrrp_ha_records_per_mtu(unsigned mtu);

#endif
