/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * auth.h - authenticated (and optionally encrypted) sync messages: an AEAD
 * (AES-256-GCM or ChaCha20-Poly1305, OpenSSL 3 EVP) over an extension
 * message (ext.h) whose first section is AUTH. Every byte is documented in
 * docs/auth.md.
 *
 *   off 0   ext header (8)  0x3C | VRID | 1 | nsections (inner + 1) | rsvd (2) | checksum (2)
 *   off 8   section header  kind 6 | count 1 | len 32
 *   off 12  AUTH record     key_id | mode | alg | 0 | 0 (4) | seq (8, BE) | tag (16)
 *   off 44  payload         the inner sections (plaintext bytes 8..end);
 *                           encrypt mode: their ciphertext, same length
 *
 * Per sender key: HKDF-SHA256(key of key_id, "vrrp-ha sync v1", src || VRID).
 * Nonce: 0 (4) || seq (8, BE). AAD: src || header bytes 0..5 || AUTH record
 * bytes 0..15 || (integrity mode) the payload.
 *
 * seq = epoch << 32 | counter, strictly increasing per sender across
 * restarts (the epoch is kept on disk and never below the wall clock).
 * Receive keeps, per (source, VRID), the highest verified seq and a 64-seq
 * sliding window (RFC 4303 3.4.3); a sender's state exists only once a
 * packet of it verified.
 *
 * The handle owns its OpenSSL contexts; no global mutable state. Not
 * thread-safe: one handle per instance, used from one thread.
 */
#ifndef VRRP_HA_AUTH_H
#define VRRP_HA_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <netinet/in.h>

#include "vrrp_ha/counters.h"
#include "vrrp_ha/ext.h"

/* Section kind of the AUTH section. */
#define VRRP_HA_AUTH_KIND VRRP_HA_EXT_K_AUTH
/* AUTH record length, and what protection adds to a message: 4 + 32. */
#define VRRP_HA_AUTH_REC_LEN  32
#define VRRP_HA_AUTH_OVERHEAD 36
/* Offset of the payload (the inner sections) in a protected message. */
#define VRRP_HA_AUTH_PAYLOAD_OFF 44
#define VRRP_HA_AUTH_TAG_LEN     16
#define VRRP_HA_AUTH_KEY_LEN     32
/* Two key slots: the one in use and the next one (rollover, docs/auth.md). */
#define VRRP_HA_AUTH_MAX_KEYS 2
/* Receive state is kept for this many senders (source, VRID) per handle. */
#define VRRP_HA_AUTH_MAX_SENDERS 32
/* Derived per-sender keys cached per handle. */
#define VRRP_HA_AUTH_KEY_CACHE 64
/* Width of the anti-replay window, in sequence numbers. */
#define VRRP_HA_AUTH_WINDOW 64
/* Default directory of the epoch file: <dir>/<iname>.epoch. */
#define VRRP_HA_AUTH_EPOCH_DIR "/var/lib/vrrp-ha"

/* AUTH record byte 1 (and the auth keyword). */
enum vrrp_ha_auth_mode {
	VRRP_HA_AUTH_OFF = 0,
	VRRP_HA_AUTH_ENCRYPT = 1,   /* payload encrypted and authenticated */
	VRRP_HA_AUTH_INTEGRITY = 2, /* payload in clear, authenticated */
};

/* AUTH record byte 2 (and the auth_cipher keyword). */
enum vrrp_ha_auth_alg {
	VRRP_HA_AUTH_ALG_ANY = 0, /* vrrp_ha_auth_check_key_file only: any, the same for all */
	VRRP_HA_AUTH_AES256GCM = 1,
	VRRP_HA_AUTH_CHACHA20POLY1305 = 2,
};

/* What unprotect (or vrrp_ha_auth_rx_plain) made of a packet; every value
 * has a stable short name and a counter "auth_<name>". */
enum vrrp_ha_auth_result {
	VRRP_HA_AUTH_R_OK = 0,
	VRRP_HA_AUTH_R_UNAUTHENTICATED, /* auth on, the packet carries no AUTH first section */
	VRRP_HA_AUTH_R_MALFORMED,       /* AUTH section or lengths wrong, reserved bits set */
	VRRP_HA_AUTH_R_MODE_MISMATCH,   /* mode or alg not the configured ones */
	VRRP_HA_AUTH_R_UNKNOWN_KEY,     /* key_id not loaded */
	VRRP_HA_AUTH_R_BAD_TAG,         /* the AEAD tag does not verify */
	VRRP_HA_AUTH_R_REPLAY,          /* seq inside the window, already seen */
	VRRP_HA_AUTH_R_TOO_OLD,         /* seq below the window */
	VRRP_HA_AUTH_R_NOT_CONFIGURED,  /* a protected message while auth is off */
	VRRP_HA_AUTH_R__COUNT
};

/* Counters of a handle (group "auth" of the registry: auth_<field>,
 * auth_<result name>). */
struct vrrp_ha_auth_stats {
	uint64_t sealed;      /* messages protected */
	uint64_t seal_errors; /* protect refused: bad input, no room, crypto failure */
	uint64_t opened;      /* protected messages verified (and decrypted) */
	uint64_t result[VRRP_HA_AUTH_R__COUNT];
	uint64_t senders_evicted; /* sender states dropped to make room */
	uint64_t senders;         /* gauge: sender states kept */
	uint64_t epoch;           /* gauge: current send epoch (0 before the first seal) */
	uint64_t epoch_write_errors;
};

/* Configuration of a handle; strings are copied. */
struct vrrp_ha_auth_cfg {
	enum vrrp_ha_auth_mode mode;
	enum vrrp_ha_auth_alg alg;
	const char *key_file;   /* required unless mode is off */
	const char *epoch_file; /* NULL: VRRP_HA_AUTH_EPOCH_DIR/<iname>.epoch */
	const char *iname;      /* instance name, for the default epoch file and logs */
	/* warnings (epoch file not writable); prio is syslog's; may be NULL */
	void (*log)(void *arg, int prio, const char *msg);
	void *log_arg;
};

struct vrrp_ha_auth;

/* Returns: the short stable name of r ("ok", "bad_tag", ...), "unknown" if out of range. */
const char *vrrp_ha_auth_result_name(enum vrrp_ha_auth_result r);

/* Returns: "off", "encrypt", "integrity" / "aes-256-gcm", "chacha20-poly1305"
 * (the keywords), NULL if out of range. */
const char *vrrp_ha_auth_mode_name(enum vrrp_ha_auth_mode m);
const char *vrrp_ha_auth_alg_name(enum vrrp_ha_auth_alg a);

/* Parse a keyword. Returns: 0 and *m / *a, or -1 for an unknown word. */
int vrrp_ha_auth_mode_parse(const char *s, enum vrrp_ha_auth_mode *m);
int vrrp_ha_auth_alg_parse(const char *s, enum vrrp_ha_auth_alg *a);

/*
 * Check a key file as vrrp_ha_auth_new() would load it: a regular file (not
 * a symlink), owned by root or the effective uid, no access for group or
 * others; lines "key ID ALG HEX [send]", '#' comments, blank lines; 1 or 2
 * keys, IDs 1..255 distinct, ALG equal to alg (VRRP_HA_AUTH_ALG_ANY: the
 * same for every key), HEX 64 hex digits, at most one send mark. The key material read is wiped
 * before returning. Returns: 0, or -1 with a message in err ("line N: ...") and *line the line of
 * the file at fault (0 for the whole file); line may be NULL.
 */
int vrrp_ha_auth_check_key_file(const char *path, enum vrrp_ha_auth_alg alg, char *err,
                                size_t errlen, unsigned *line);

/*
 * Create a handle. With mode off it only answers the receive checks
 * (vrrp_ha_auth_rx_plain, NOT_CONFIGURED) and refuses to protect. Otherwise
 * it loads the key file. The epoch file is read and written at the first
 * protect, not here (a node that never sends never writes it).
 * Returns: the handle, or NULL with a message in err.
 */
struct vrrp_ha_auth *vrrp_ha_auth_new(const struct vrrp_ha_auth_cfg *cfg, char *err, size_t errlen);

/*
 * SIGHUP: take cfg (mode, alg, files, log) and re-read the key file. The
 * sender states, the epoch and the counter are kept; cached derived keys
 * are wiped. Returns: 0, or -1 with a message in err; the handle then goes
 * on with its old keys and configuration.
 */
int vrrp_ha_auth_reload(struct vrrp_ha_auth *a, const struct vrrp_ha_auth_cfg *cfg, char *err,
                        size_t errlen);

/* Wipe the key material and free the handle (NULL is fine). */
void vrrp_ha_auth_free(struct vrrp_ha_auth *a);

/* Returns: the configured mode (VRRP_HA_AUTH_OFF for a NULL handle). */
enum vrrp_ha_auth_mode vrrp_ha_auth_get_mode(const struct vrrp_ha_auth *a);

/* Returns: whether pkt is an extension message (VRRPv3 type 12) whose
 * first section is of kind AUTH. Looks at bytes 0 and 8 only. */
bool vrrp_ha_auth_is_protected(const uint8_t *pkt, size_t len);

/*
 * Protect a complete plaintext extension message in (header + sections,
 * byte 3 counting them, len bytes) sent from own_src (the link-local
 * address the packet leaves from) into out (cap >= len + 36; must not
 * overlap in). Takes the next sequence number; the first call reads and
 * writes the epoch file. The checksum bytes 6-7 are written 0 (the kernel
 * computes them).
 * Returns: len + 36, or -EINVAL (auth off; in not a type-12 message of
 * extension version 1 with 1..254 sections), -ENOSPC (cap too small, or the result over 65535
 * bytes), -EIO (the AEAD failed), -EOVERFLOW (sequence space exhausted).
 */
ssize_t vrrp_ha_auth_protect(struct vrrp_ha_auth *a, const struct in6_addr *own_src,
                             const uint8_t *in, size_t len, uint8_t *out, size_t cap);

/*
 * Verify (and decrypt) a received protected message in (len bytes, from
 * src) into out (cap >= len - 36; must not overlap in): the inner message,
 * header bytes 0..7 as received but byte 3 = nsections - 1, then the inner
 * sections; *outlen = len - 36. Checks in the order of docs/auth.md; the
 * sender's window moves only once the tag verified. Counts the result.
 * On any failure nothing is left in out that did not verify.
 * Returns: VRRP_HA_AUTH_R_OK, or why the packet must be dropped.
 */
enum vrrp_ha_auth_result vrrp_ha_auth_unprotect(struct vrrp_ha_auth *a, const struct in6_addr *src,
                                                const uint8_t *in, size_t len, uint8_t *out,
                                                size_t cap, size_t *outlen);

/*
 * A sync packet the caller would use as it is: a draft-deng BC_REQUEST /
 * BC_UPDATE (type 14, 15) or an extension message whose first section is
 * not AUTH. Counts the result.
 * Returns: VRRP_HA_AUTH_R_OK when auth is off (use it as today), else
 * VRRP_HA_AUTH_R_UNAUTHENTICATED (drop it).
 */
enum vrrp_ha_auth_result vrrp_ha_auth_rx_plain(struct vrrp_ha_auth *a);

/*
 * Describe a refused packet for the caller's (rate-limited) log:
 * "bad_tag from fe80::1 (vrid 51, key 1, mode encrypt, seq 1764547200:17)",
 * the fields that could be read from pkt. Returns: as snprintf.
 */
int vrrp_ha_auth_format_failure(enum vrrp_ha_auth_result r, const struct in6_addr *src,
                                const uint8_t *pkt, size_t len, char *buf, size_t cap);

/* Returns: the handle's counters. */
const struct vrrp_ha_auth_stats *vrrp_ha_auth_stats(const struct vrrp_ha_auth *a);

/*
 * Register the counters in group "auth": auth_sealed, auth_seal_errors,
 * auth_opened, auth_<result> for every result, auth_senders_evicted,
 * auth_senders (gauge), auth_epoch (gauge), auth_epoch_write_errors. They
 * read the handle's block, so a reload (same handle) keeps them; the
 * handle must outlive the registry's use of them.
 * Returns: 0, or -1 (registration failed; those before stay).
 */
int vrrp_ha_auth_register_counters(struct vrrp_ha_auth *a, struct vrrp_ha_counters_reg *reg);

#endif
