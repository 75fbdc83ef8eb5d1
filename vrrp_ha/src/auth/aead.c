/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * aead.c - the cryptography, all of it through OpenSSL 3's EVP: the
 * per-sender key (HKDF-SHA256, EVP_KDF "HKDF"), its cache of keyed cipher
 * contexts, and one AEAD seal / open (AES-256-GCM or ChaCha20-Poly1305).
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "auth/auth_int.h"

/* HKDF salt: names the protocol and its version, so a key file shared with
 * anything else never yields the same keys. No NUL. */
static const char auth_salt[] = "vrrp-ha sync v1";

static int seterr(char *err, size_t errlen, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, "OpenSSL: %s not available", what);
	return -1;
}

int auth_aead_init(struct auth_aead *x, enum vrrp_ha_auth_alg alg, char *err, size_t errlen)
{
	const char *name = alg == VRRP_HA_AUTH_AES256GCM          ? "AES-256-GCM"
	                   : alg == VRRP_HA_AUTH_CHACHA20POLY1305 ? "ChaCha20-Poly1305"
	                                                          : NULL;

	memset(x, 0, sizeof(*x));
	if (!name)
		return seterr(err, errlen, "cipher");
	x->cipher = EVP_CIPHER_fetch(NULL, name, NULL);
	if (!x->cipher) {
		auth_aead_fini(x);
		return seterr(err, errlen, name);
	}
	x->kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	x->kdf_ctx = x->kdf ? EVP_KDF_CTX_new(x->kdf) : NULL;
	if (!x->kdf_ctx) {
		auth_aead_fini(x);
		return seterr(err, errlen, "HKDF");
	}
	return 0;
}

void auth_aead_fini(struct auth_aead *x)
{
	EVP_CIPHER_free(x->cipher);
	EVP_KDF_CTX_free(x->kdf_ctx);
	EVP_KDF_free(x->kdf);
	memset(x, 0, sizeof(*x));
}

int auth_derive(struct auth_aead *x, const uint8_t ikm[VRRP_HA_AUTH_KEY_LEN],
                const struct in6_addr *src, uint8_t vrid, uint8_t out[VRRP_HA_AUTH_KEY_LEN])
{
	uint8_t info[17];
	OSSL_PARAM p[5];
	int rc;

	memcpy(info, src, 16);
	info[16] = vrid;
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm,
	                                         VRRP_HA_AUTH_KEY_LEN);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)auth_salt,
	                                         sizeof(auth_salt) - 1);
	p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, sizeof(info));
	p[4] = OSSL_PARAM_construct_end();
	EVP_KDF_CTX_reset(x->kdf_ctx);
	rc = EVP_KDF_derive(x->kdf_ctx, out, VRRP_HA_AUTH_KEY_LEN, p) == 1 ? 0 : -1;
	EVP_KDF_CTX_reset(x->kdf_ctx); /* drops its copy of the key */
	return rc;
}

EVP_CIPHER_CTX *auth_aead_keyed(struct auth_aead *x, const uint8_t key[VRRP_HA_AUTH_KEY_LEN])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

	/* the nonce length first, then the key: every packet sets only the nonce */
	if (!ctx || EVP_EncryptInit_ex2(ctx, x->cipher, NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, AUTH_NONCE_LEN, NULL) != 1 ||
	    EVP_EncryptInit_ex2(ctx, NULL, key, NULL, NULL) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static unsigned dkey_set(const struct in6_addr *src, uint8_t vrid, unsigned slot)
{
	const uint8_t *b = src->s6_addr;
	uint32_t h = 2166136261u; /* FNV-1a */

	for (unsigned i = 0; i < 16; i++)
		h = (h ^ b[i]) * 16777619u;
	h = (h ^ vrid) * 16777619u;
	h = (h ^ slot) * 16777619u;
	return (h ^ h >> 16) % AUTH_DKEY_SETS;
}

EVP_CIPHER_CTX *auth_dkey_get(struct auth_dkey_cache *c, struct auth_aead *x, const uint8_t *ikm,
                              unsigned slot, const struct in6_addr *src, uint8_t vrid)
{
	struct auth_dkey *set = c->e[dkey_set(src, vrid, slot)], *victim = &set[0];
	uint8_t k[VRRP_HA_AUTH_KEY_LEN];

	c->tick++;
	for (unsigned w = 0; w < AUTH_DKEY_WAYS; w++) {
		struct auth_dkey *e = &set[w];

		if (e->ctx && e->slot == slot && e->vrid == vrid &&
		    !memcmp(&e->src, src, sizeof(*src))) {
			e->tick = c->tick;
			return e->ctx;
		}
		if (!e->ctx || (victim->ctx && e->tick < victim->tick))
			victim = e;
	}
	EVP_CIPHER_CTX_free(victim->ctx);
	victim->ctx = NULL;
	if (auth_derive(x, ikm, src, vrid, k) == 0)
		victim->ctx = auth_aead_keyed(x, k);
	OPENSSL_cleanse(k, sizeof(k));
	if (!victim->ctx)
		return NULL;
	victim->src = *src;
	victim->vrid = vrid;
	victim->slot = (uint8_t)slot;
	victim->tick = c->tick;
	return victim->ctx;
}

void auth_dkey_wipe(struct auth_dkey_cache *c)
{
	for (unsigned i = 0; i < AUTH_DKEY_SETS; i++)
		for (unsigned w = 0; w < AUTH_DKEY_WAYS; w++)
			EVP_CIPHER_CTX_free(c->e[i][w].ctx); /* wipes the key schedule */
	memset(c, 0, sizeof(*c));
}

int auth_aead(EVP_CIPHER_CTX *ctx, bool seal, const uint8_t nonce[AUTH_NONCE_LEN],
              const uint8_t *aad, const uint8_t *data, size_t len, bool in_aad, uint8_t *dst,
              uint8_t tag[VRRP_HA_AUTH_TAG_LEN])
{
	uint8_t none[VRRP_HA_AUTH_TAG_LEN];
	int n = 0, m = 0;

	if (len > 65535 || EVP_CipherInit_ex2(ctx, NULL, NULL, nonce, seal, NULL) != 1 ||
	    EVP_CipherUpdate(ctx, NULL, &n, aad, AUTH_AAD_FIXED) != 1)
		return -1;
	if (in_aad && len && EVP_CipherUpdate(ctx, NULL, &n, data, (int)len) != 1)
		return -1;
	n = 0;
	if (!in_aad && len && EVP_CipherUpdate(ctx, dst, &n, data, (int)len) != 1)
		return -1;
	if (!seal &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, VRRP_HA_AUTH_TAG_LEN, tag) != 1)
		return -1;
	/* open: the tag is compared here, by the provider, in constant time */
	if ((seal ? EVP_EncryptFinal_ex(ctx, in_aad ? none : dst + n, &m)
	          : EVP_DecryptFinal_ex(ctx, in_aad ? none : dst + n, &m)) != 1 ||
	    (size_t)(n + m) != (in_aad ? 0 : len))
		return -1;
	if (seal && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, VRRP_HA_AUTH_TAG_LEN, tag) != 1)
		return -1;
	return 0;
}
