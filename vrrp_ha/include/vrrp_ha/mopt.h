/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mopt.h - Mobility Header options (RFC 6275 section 6.2) as carried in the
 * records of the extension message (ext.h, docs/protocol.md "Extensions").
 *
 * Format of one option (RFC 6275 6.2.1):
 *
 *   type u8 | length u8 (of the data, type and length excluded) | data
 *
 * except Pad1 (type 0), a single byte without length or data (6.2.2).
 * PadN (type 1, 6.2.3) is an ordinary option whose data is ignored.
 *
 * I/O free; reads through a bounds-checked iterator, writes through the
 * codec's struct vrrp_ha_wr. Options are never cast over the buffer: the
 * decoded struct vrrp_ha_mopt points into it.
 *
 * Each type below has a length rule (a const table in mopt.c); a known type
 * whose length breaks its rule makes the buffer malformed. Unknown types are
 * accepted by their length, so records may carry options this code does not
 * know yet.
 */
#ifndef VRRP_HA_MOPT_H
#define VRRP_HA_MOPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vrrp_ha/codec.h"

/* Option types (IANA "Mobility Options" registry). */
#define VRRP_HA_MOPT_PAD1      0  /* RFC 6275 6.2.2: one byte, no length */
#define VRRP_HA_MOPT_PADN      1  /* RFC 6275 6.2.3: data ignored */
#define VRRP_HA_MOPT_MN_ID     8  /* RFC 4283 3: Mobile Node Identifier (subtype + id) */
#define VRRP_HA_MOPT_VENDOR    19 /* RFC 5094 3: vendor id u32, subtype u8, data */
#define VRRP_HA_MOPT_HNP       22 /* RFC 5213 8.3: Home Network Prefix */
#define VRRP_HA_MOPT_HI        23 /* RFC 5213 8.4: Handoff Indicator */
#define VRRP_HA_MOPT_ATT       24 /* RFC 5213 8.5: Access Technology Type */
#define VRRP_HA_MOPT_MN_LLID   25 /* RFC 5213 8.6: Mobile Node Link-layer Identifier */
#define VRRP_HA_MOPT_LLA       26 /* RFC 5213 8.7: Link-local Address */
#define VRRP_HA_MOPT_TIMESTAMP 27 /* RFC 5213 8.8: 48.16 fixed point seconds since 1970 */

/* Data lengths (the Length octet) of the options above. */
#define VRRP_HA_MOPT_MN_ID_MIN     2  /* RFC 4283 3: subtype + at least one octet of id */
#define VRRP_HA_MOPT_VENDOR_MIN    5  /* RFC 5094 3: vendor id (4) + subtype (1) */
#define VRRP_HA_MOPT_HNP_LEN       18 /* RFC 5213 8.3: reserved, prefix length, prefix (16) */
#define VRRP_HA_MOPT_HI_LEN        2  /* RFC 5213 8.4: reserved, handoff indicator */
#define VRRP_HA_MOPT_ATT_LEN       2  /* RFC 5213 8.5: reserved, access technology type */
#define VRRP_HA_MOPT_MN_LLID_MIN   2  /* RFC 5213 8.6: reserved + at least one octet */
#define VRRP_HA_MOPT_LLA_LEN       16 /* RFC 5213 8.7: an IPv6 link-local address */
#define VRRP_HA_MOPT_TIMESTAMP_LEN 8  /* RFC 5213 8.8: 64-bit timestamp */
/* RFC 4283 3: MN-ID subtype 1 = Network Access Identifier (RFC 4282) */
#define VRRP_HA_MOPT_MN_ID_NAI 1
/* RFC 5213 8.3: prefix length 0..128 */
#define VRRP_HA_MOPT_HNP_MAX_PLEN 128
/* The largest data an option can have: the Length octet. */
#define VRRP_HA_MOPT_MAX_DATA 255

/* One decoded option; data points into the buffer given to the iterator. */
struct vrrp_ha_mopt {
	uint8_t type;
	uint8_t len;         /* of data */
	const uint8_t *data; /* len bytes */
	size_t off;          /* offset of the type octet in the buffer */
};

/* Bounds-checked iterator over an option buffer. */
struct vrrp_ha_mopt_it {
	const uint8_t *p;
	size_t len;
	size_t off;
};

/*
 * Start iterating over buf[0..len) (buf may be NULL when len is 0).
 */
void vrrp_ha_mopt_begin(struct vrrp_ha_mopt_it *it, const uint8_t *buf, size_t len);

/*
 * Next option that is not padding: Pad1 and PadN are stepped over (they are
 * still checked: a PadN must fit).
 * o: filled on 1. bad_off (may be NULL): on -1, the offset of the first byte
 * of the malformed option.
 * Returns: 1 an option in *o, 0 the end of the buffer (exactly reached), -1
 * malformed: the length octet is missing, the data runs past the end, or a
 * known type breaks its length rule. After -1 or 0 every further call
 * returns the same.
 */
int vrrp_ha_mopt_next(struct vrrp_ha_mopt_it *it, struct vrrp_ha_mopt *o, size_t *bad_off);

/*
 * Whether len is a valid data length for type (the const table; unknown
 * types: any length). Returns: 1 valid, 0 not.
 */
int vrrp_ha_mopt_len_ok(uint8_t type, size_t len);

/* Returns: a short name of a known option type ("mn_id", ...), NULL if unknown. */
const char *vrrp_ha_mopt_type_name(uint8_t type);

/*
 * Check a whole option buffer.
 * Returns: the number of options that are not padding, or -1 (malformed; the
 * offset of the bad option in *bad_off if bad_off is not NULL).
 */
int vrrp_ha_mopt_validate(const uint8_t *buf, size_t len, size_t *bad_off);

/*
 * Find the first option of type in buf (which must be valid up to it).
 * Returns: 1 found (*o filled), 0 not there, -1 malformed before it.
 */
int vrrp_ha_mopt_find(const uint8_t *buf, size_t len, uint8_t type, struct vrrp_ha_mopt *o);

/* ---- builder: append to a struct vrrp_ha_wr (codec.h) ------------------ */

/*
 * Append one option of type with len bytes of data (data may be NULL when
 * len is 0). type must not be Pad1 (use vrrp_ha_mopt_align).
 * Returns: 0; -EINVAL (len > 255, type Pad1, or the length rule of a known
 * type broken) or -ENOSPC (does not fit); on error nothing is written.
 */
int vrrp_ha_mopt_put(struct vrrp_ha_wr *w, uint8_t type, const void *data, size_t len);

/*
 * Append padding so that (w->off - base) % n == y (RFC 6275 6.2: alignment
 * "xn+y"; base is where the option area starts). One byte is a Pad1, more a
 * PadN with zero data. n must be 1, 2, 4 or 8 and y < n.
 * Returns: 0 (also when no padding was needed), -EINVAL, -ENOSPC (nothing
 * written).
 */
int vrrp_ha_mopt_align(struct vrrp_ha_wr *w, size_t base, unsigned n, unsigned y);

/* MN-ID (RFC 4283 3): subtype then id (1..254 bytes). Returns: as vrrp_ha_mopt_put. */
int vrrp_ha_mopt_put_mnid(struct vrrp_ha_wr *w, uint8_t subtype, const void *id, size_t idlen);

/* Home Network Prefix (RFC 5213 8.3): plen 0..128, prefix 16 bytes.
 * Returns: as vrrp_ha_mopt_put (-EINVAL for plen > 128). */
int vrrp_ha_mopt_put_hnp(struct vrrp_ha_wr *w, uint8_t plen, const struct in6_addr *prefix);

/* Timestamp (RFC 5213 8.8), ts in 48.16 fixed point. Returns: as vrrp_ha_mopt_put. */
int vrrp_ha_mopt_put_timestamp(struct vrrp_ha_wr *w, uint64_t ts);

/* Vendor-Specific Mobility Option (RFC 5094 3): vendor id (IANA enterprise
 * number), subtype, data (0..250 bytes). Returns: as vrrp_ha_mopt_put. */
int vrrp_ha_mopt_put_vendor(struct vrrp_ha_wr *w, uint32_t vendor, uint8_t subtype,
                            const void *data, size_t len);

/* ---- readers of option data (o must have passed the length rule) ------- */

/* Returns: the big-endian 64-bit Timestamp of a TIMESTAMP option. */
uint64_t vrrp_ha_mopt_timestamp(const struct vrrp_ha_mopt *o);

/* Returns: the vendor id of a VENDOR option; *subtype, *data, *len (any may
 * be NULL) the subtype and the data after it. */
uint32_t vrrp_ha_mopt_vendor(const struct vrrp_ha_mopt *o, uint8_t *subtype, const uint8_t **data,
                             size_t *len);

/* ---- attachments: AAA and vendor state of a binding (docs/attachments.md)
 *
 * An attachment is one Vendor-Specific Mobility Option (RFC 5094 3) in the
 * option list of a MIPv6 binding:
 *   vendor  vendor id = the vendor's IANA enterprise number, its sub-type,
 *           data: what the operator gave.
 *   AAA     vendor id VRRP_HA_ATT_PEN, sub-type VRRP_HA_ATT_AAA_SUBTYPE,
 *           data: AVP code u32 (big-endian, RFC 6733 4.1) then the AVP's
 *           value. (HARP's AAA Information Option has no assigned type.)
 * An attachment is identified by (vendor id, sub-type) for vendor ones and
 * by the AVP code for AAA ones: setting one replaces the one with the same
 * identity. Other options of the list are kept as they are.
 */
#define VRRP_HA_ATT_PEN         32473u /* enterprise number the AAA option goes under */
#define VRRP_HA_ATT_AAA_SUBTYPE 1
#define VRRP_HA_ATT_AAA_HDR     4 /* AVP code */
/* Largest data of one attachment (the Length octet minus the vendor header). */
#define VRRP_HA_ATT_VENDOR_MAX (VRRP_HA_MOPT_MAX_DATA - VRRP_HA_MOPT_VENDOR_MIN)
#define VRRP_HA_ATT_AAA_MAX    (VRRP_HA_ATT_VENDOR_MAX - VRRP_HA_ATT_AAA_HDR)
/* Default bound of a binding's whole option list (RBC_OPTS_MAX in rbc.h). */

enum vrrp_ha_att_type {
	VRRP_HA_ATT_AAA = 1,
	VRRP_HA_ATT_VENDOR = 2,
};

/* One attachment; data points into the list it was read from (or the
 * caller's buffer on the way in). */
struct vrrp_ha_att {
	uint8_t type;    /* enum vrrp_ha_att_type */
	uint32_t vendor; /* vendor id (VENDOR) */
	uint8_t subtype; /* sub-type (VENDOR) */
	uint32_t code;   /* AVP code (AAA) */
	const uint8_t *data;
	size_t len;
};

/*
 * Next attachment of an option list (options that are not Vendor-Specific
 * are stepped over).
 * Returns: 1 and fills *a, 0 at the end, -1 malformed list.
 */
int vrrp_ha_att_next(struct vrrp_ha_mopt_it *it, struct vrrp_ha_att *a);

/*
 * Write to out (cap bytes) the option list in[0..inlen) with attachment a
 * set (replacing the one of the same identity, appended otherwise) or, with
 * remove, taken out (a->data ignored). max: bound of the resulting list.
 * Returns: 0 and *outlen; -EINVAL (a malformed list in, a type not AAA or
 * VENDOR, data too long for one option, a vendor attachment that uses the
 * AAA identity); -ENOENT (remove: no such attachment); -E2BIG (the list
 * would exceed max or cap). out is then unspecified.
 */
int vrrp_ha_att_edit(const uint8_t *in, size_t inlen, const struct vrrp_ha_att *a, bool remove,
                     size_t max, uint8_t *out, size_t cap, size_t *outlen);

/*
 * The attachments of an option list as text, for show and the notify lines:
 * text " aaa:CODE=HEX vendor:VENDOR:SUBTYPE=HEX" (a blank before each), or
 * JSON ',"attachments":[{"type":"aaa","code":N,"data":"HEX"},
 * {"type":"vendor","vendor":N,"subtype":N,"data":"HEX"}]'. cap:
 * VRRP_HA_ATT_FORMAT_MAX(len) always suffices (less truncates).
 * Returns: bytes written, NUL excluded (0 when there is none: text, or
 * JSON of an empty list).
 */
size_t vrrp_ha_att_format(char *buf, size_t cap, const uint8_t *opts, size_t len, bool json);
#define VRRP_HA_ATT_FORMAT_MAX(len) ((len)*2 + 80 * ((len) / 7 + 1) + 32)

#endif
