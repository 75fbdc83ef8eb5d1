/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mh.h - the Mobility Header (RFC 6275 6.1.1) and its Home Agent Switch
 * message (RFC 5142 4), as the hard switch (docs/hard-switch.md) sends it.
 *
 * I/O free. Built through the codec's bounds-checked writer, parsed through
 * its reader; nothing is cast over a wire buffer. Layout (octets):
 *
 *   0 Payload Proto (59, IPPROTO_NONE)   1 Header Len (8-octet units, first 8 excluded)
 *   2 MH Type (12)                       3 Reserved (0)
 *   4 Checksum (2)                       6 # of Addresses (n)
 *   7 Reserved (0)                       8 n x Home Agent Address (16 each)
 *   8 + 16n  Mobility options (RFC 6275 6.2), padded to a multiple of 8
 */
#ifndef VRRP_HA_MH_H
#define VRRP_HA_MH_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define VRRP_HA_MH_PROTO          135 /* RFC 6275 6.1.1: Next Header of the Mobility Header */
#define VRRP_HA_MH_NO_NEXT        59  /* RFC 6275 6.1.1: Payload Proto "SHOULD be IPPROTO_NONE" */
#define VRRP_HA_MH_TYPE_HA_SWITCH 12  /* RFC 5142 4 (IANA MH Type 12) */
#define VRRP_HA_MH_CSUM_OFF       4   /* RFC 6275 6.1.1: Checksum at octet 4 */
#define VRRP_HA_MH_UNIT           8   /* RFC 6275 6.1.1: length in units of 8 octets */
#define VRRP_HA_MH_MAX_LEN        (8 + 255 * 8) /* Header Len is one octet */
#define VRRP_HA_MH_HAS_FIXED      8  /* RFC 5142 4: MH header (6) + # of Addresses + Reserved */
#define VRRP_HA_MH_HAS_ADDR_LEN   16 /* RFC 5142 4: each Home Agent Address */
/* The addresses that fit a message with no options: (2048 - 8) / 16. */
#define VRRP_HA_MH_HAS_MAX_ADDRS 127

/* Why a message was refused (checked in this order). */
enum vrrp_ha_mh_reason {
	VRRP_HA_MH_OK = 0,
	VRRP_HA_MH_R_TOO_SHORT,   /* fewer than 8 octets */
	VRRP_HA_MH_R_BAD_LENGTH,  /* (Header Len + 1) * 8 is not the length given */
	VRRP_HA_MH_R_BAD_PROTO,   /* Payload Proto is not 59 */
	VRRP_HA_MH_R_BAD_TYPE,    /* MH Type is not 12 */
	VRRP_HA_MH_R_BAD_CSUM,    /* the pseudo-header checksum does not verify */
	VRRP_HA_MH_R_BAD_COUNT,   /* # of Addresses does not fit the message */
	VRRP_HA_MH_R_BAD_ADDRESS, /* a listed address is not global unicast */
	VRRP_HA_MH_R_BAD_OPTIONS, /* the option area is malformed (mopt.h) */
	VRRP_HA_MH_R__COUNT
};

/* Returns: a short stable name ("too_short", ...), "unknown" if out of range. */
const char *vrrp_ha_mh_reason_name(enum vrrp_ha_mh_reason r);

/* A parsed Home Agent Switch; pointers into the parsed buffer. */
struct vrrp_ha_mh_has {
	unsigned naddr;       /* # of Addresses */
	const uint8_t *addrs; /* naddr x 16 octets */
	const uint8_t *opts;  /* mobility options (padding included) */
	size_t opts_len;
	uint16_t csum; /* as received */
};

/* Copy address i (< has->naddr) of a parsed message into *a. */
void vrrp_ha_mh_has_addr(const struct vrrp_ha_mh_has *has, unsigned i, struct in6_addr *a);

/*
 * The RFC 6275 6.1.1 checksum over the IPv6 pseudo-header (RFC 8200 8.1:
 * src, dst, upper-layer length, next header 135) and mh[0..len), taken as
 * if the checksum field held what it holds now: on a message whose
 * checksum field is 0 this is the value to put there; on a received
 * message it is 0 when the checksum is right.
 * Returns: the checksum, in host order.
 */
uint16_t vrrp_ha_mh_checksum(const struct in6_addr *src, const struct in6_addr *dst,
                             const uint8_t *mh, size_t len);

/*
 * Build a Home Agent Switch listing addrs[0..n) into buf.
 * opts/opts_len: mobility options already encoded (mopt.h), or NULL/0;
 * PadN (or Pad1) is appended so the message is a multiple of 8 octets.
 * src/dst: if both are given the checksum is filled in; otherwise it is 0
 * (a raw socket with IPV6_CHECKSUM at offset 4 makes the kernel fill it).
 * Returns: the message length (8 + 16n + options + padding), or 0: n too
 * large for the Header Len octet together with the options, an address
 * NULL with n > 0, or cap too small.
 */
size_t vrrp_ha_mh_build_has(uint8_t *buf, size_t cap, const struct in6_addr *addrs, unsigned n,
                            const uint8_t *opts, size_t opts_len, const struct in6_addr *src,
                            const struct in6_addr *dst);

/*
 * Parse and check a Home Agent Switch of len octets (the Mobility Header
 * onward). src/dst: if both are given the checksum is verified.
 * Checks in the order of enum vrrp_ha_mh_reason. Reserved octets are ignored
 * (RFC 5142 4: "ignored by the receiver").
 * Returns: VRRP_HA_MH_OK and *has filled, or the first failing reason.
 */
enum vrrp_ha_mh_reason vrrp_ha_mh_parse_has(const uint8_t *buf, size_t len,
                                            const struct in6_addr *src, const struct in6_addr *dst,
                                            struct vrrp_ha_mh_has *has);

#endif
