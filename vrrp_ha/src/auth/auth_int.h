/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * auth_int.h - the pieces of the sync authentication layer (auth.h), one
 * file each: keys.c (key file), aead.c (HKDF and the AEAD through EVP),
 * replay.c (sender states and their windows), epoch.c (the send sequence
 * and its epoch file); auth.c puts them together.
 */
#ifndef VRRP_HA_AUTH_INT_H
#define VRRP_HA_AUTH_INT_H

#include <openssl/evp.h>

#include "vrrp_ha/auth.h"

/* ---- keys.c ---------------------------------------------------------------- */

struct auth_key {
	uint8_t id;
	uint8_t k[VRRP_HA_AUTH_KEY_LEN];
};

struct auth_keyset {
	struct auth_key key[VRRP_HA_AUTH_MAX_KEYS];
	unsigned n;    /* keys loaded */
	unsigned send; /* index of the key that signs */
	bool alg_any;  /* loaded with VRRP_HA_AUTH_ALG_ANY (for the messages) */
};

/* Load path into *ks (see vrrp_ha_auth_check_key_file for the rules).
 * Returns: 0, or -1 with err / *line; *ks is then wiped. */
int auth_keys_load(struct auth_keyset *ks, const char *path, enum vrrp_ha_auth_alg alg, char *err,
                   size_t errlen, unsigned *line);
/* Parse a key file's text (buf[len] must be 0; modified in place). The
 * fuzz target's entry. Returns: as auth_keys_load. */
int auth_keys_parse(struct auth_keyset *ks, char *buf, size_t len, enum vrrp_ha_auth_alg alg,
                    char *err, size_t errlen, unsigned *line);
/* Returns: the slot of key id, or -1. */
int auth_keys_find(const struct auth_keyset *ks, uint8_t id);
void auth_keys_wipe(struct auth_keyset *ks);

/* ---- aead.c ---------------------------------------------------------------- */

/* AAD before the payload: src (16) || header 0..5 (6) || AUTH record 0..15. */
#define AUTH_AAD_FIXED 38
#define AUTH_NONCE_LEN 12

struct auth_aead {
	EVP_CIPHER *cipher;
	EVP_KDF *kdf;
	EVP_KDF_CTX *kdf_ctx;
};

/* One cached per-sender key (slot + src + vrid -> K_s), kept only as a
 * cipher context keyed with it: a packet then sets just the nonce (no key
 * schedule per packet), and K_s itself is wiped once the context holds it. */
struct auth_dkey {
	struct in6_addr src;
	uint8_t vrid, slot;
	uint64_t tick;       /* last use, for replacement within the set */
	EVP_CIPHER_CTX *ctx; /* NULL: a free entry */
};

/* The cache: AUTH_DKEY_SETS sets of AUTH_DKEY_WAYS, replaced least recently used. */
#define AUTH_DKEY_WAYS 4
#define AUTH_DKEY_SETS (VRRP_HA_AUTH_KEY_CACHE / AUTH_DKEY_WAYS)
struct auth_dkey_cache {
	struct auth_dkey e[AUTH_DKEY_SETS][AUTH_DKEY_WAYS];
	uint64_t tick;
};

/* Returns: 0, or -1 with err (cipher or KDF not available). */
int auth_aead_init(struct auth_aead *x, enum vrrp_ha_auth_alg alg, char *err, size_t errlen);
void auth_aead_fini(struct auth_aead *x);

/* K_s = HKDF-SHA256(ikm, salt "vrrp-ha sync v1", info src || vrid). Returns: 0, or -1. */
int auth_derive(struct auth_aead *x, const uint8_t ikm[VRRP_HA_AUTH_KEY_LEN],
                const struct in6_addr *src, uint8_t vrid, uint8_t out[VRRP_HA_AUTH_KEY_LEN]);

/* Returns: a context of x's cipher keyed with key (12-byte nonces), or NULL.
 * Free it with EVP_CIPHER_CTX_free (which wipes it). */
EVP_CIPHER_CTX *auth_aead_keyed(struct auth_aead *x, const uint8_t key[VRRP_HA_AUTH_KEY_LEN]);

/* Returns: the keyed context of (slot, src, vrid), deriving K_s from ikm on
 * a miss; NULL if that failed. */
EVP_CIPHER_CTX *auth_dkey_get(struct auth_dkey_cache *c, struct auth_aead *x, const uint8_t *ikm,
                              unsigned slot, const struct in6_addr *src, uint8_t vrid);
/* Free every cached context. */
void auth_dkey_wipe(struct auth_dkey_cache *c);

/*
 * One AEAD operation on a keyed context: seal (encrypt, write tag) or open
 * (decrypt, check tag with EVP_DecryptFinal_ex). aad (AUTH_AAD_FIXED bytes)
 * then, when in_aad, the data as more AAD (integrity: nothing encrypted,
 * dst unused); otherwise data is encrypted into / decrypted from dst.
 * Returns: 0, or -1 (tag mismatch or EVP failure).
 */
int auth_aead(EVP_CIPHER_CTX *ctx, bool seal, const uint8_t nonce[AUTH_NONCE_LEN],
              const uint8_t *aad, const uint8_t *data, size_t len, bool in_aad, uint8_t *dst,
              uint8_t tag[VRRP_HA_AUTH_TAG_LEN]);

/* ---- replay.c -------------------------------------------------------------- */

struct auth_sender {
	struct in6_addr src;
	uint8_t vrid;
	bool used;
	uint64_t top;    /* highest verified seq */
	uint64_t bitmap; /* bit i: top - i was seen (bit 0 = top) */
	uint64_t tick;   /* last verified packet, for eviction */
};

struct auth_senders {
	struct auth_sender s[VRRP_HA_AUTH_MAX_SENDERS];
	unsigned n;
	uint64_t tick;
};

/* Returns: the state of (src, vrid), or NULL. */
struct auth_sender *auth_sender_find(struct auth_senders *t, const struct in6_addr *src,
                                     uint8_t vrid);
/* Returns: OK, REPLAY or TOO_OLD for seq against s (NULL: a new sender, OK). */
enum vrrp_ha_auth_result auth_window_check(const struct auth_sender *s, uint64_t seq);
/* seq verified: record it, creating the sender (evicting the least
 * recently verified when full; *evicted is then set). */
void auth_window_accept(struct auth_senders *t, struct auth_sender *s, const struct in6_addr *src,
                        uint8_t vrid, uint64_t seq, bool *evicted);

/* ---- epoch.c --------------------------------------------------------------- */

struct auth_seq {
	bool started;
	uint32_t epoch;
	uint64_t counter; /* next counter value, 0 .. 2^32 */
	char *path;
};

typedef void (*auth_warn_fn)(void *arg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The next sequence number: the first call sets the epoch to
 * max(stored + 1, time(NULL)) and writes it; a counter wrap moves to the
 * next epoch and writes it. A file that cannot be written is reported
 * through warn (and *write_failed set), not an error.
 * Returns: 0 and *seq, or -1 (epoch space exhausted).
 */
int auth_seq_next(struct auth_seq *q, uint64_t *seq, auth_warn_fn warn, void *arg,
                  bool *write_failed);
/* Write epoch to path: tmp file 0600, fsync, rename; the parent directory
 * is created 0700 if missing. Returns: 0, or -1 with errno. */
int auth_epoch_write(const char *path, uint32_t epoch);
/* Returns: the epoch stored in path, 0 if none or unreadable (*why set). */
uint32_t auth_epoch_read(const char *path, const char **why);

#endif
