/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * auth.c - the handle of auth.h: configuration and reload, protect,
 * unprotect with its checks in the order of docs/auth.md, counters.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <openssl/crypto.h>

#include "auth/auth_int.h"
#include "vrrp_ha/ext.h"

/* Byte 0 of an extension message: VRRP version 3, type 12. */
#define EXT_VT (3 << 4 | VRRP_HA_TYPE_EXT)
/* Offsets in a protected message. */
#define OFF_SEC VRRP_HA_EXT_HDR_LEN
#define OFF_REC (OFF_SEC + VRRP_HA_EXT_SEC_HDR_LEN)
#define OFF_SEQ (OFF_REC + 8)
#define OFF_TAG (OFF_REC + 16)
#define MAX_MSG 65535

struct vrrp_ha_auth {
	enum vrrp_ha_auth_mode mode;
	enum vrrp_ha_auth_alg alg;
	char *key_file, *iname;
	void (*log)(void *arg, int prio, const char *msg);
	void *log_arg;
	struct auth_keyset keys;
	struct auth_aead aead;
	struct auth_dkey_cache dkeys;
	struct auth_senders senders;
	struct auth_seq seq;
	struct vrrp_ha_auth_stats st;
};

static const char *const result_names[VRRP_HA_AUTH_R__COUNT] = {
        [VRRP_HA_AUTH_R_OK] = "ok",
        [VRRP_HA_AUTH_R_UNAUTHENTICATED] = "unauthenticated",
        [VRRP_HA_AUTH_R_MALFORMED] = "malformed",
        [VRRP_HA_AUTH_R_MODE_MISMATCH] = "mode_mismatch",
        [VRRP_HA_AUTH_R_UNKNOWN_KEY] = "unknown_key",
        [VRRP_HA_AUTH_R_BAD_TAG] = "bad_tag",
        [VRRP_HA_AUTH_R_REPLAY] = "replay",
        [VRRP_HA_AUTH_R_TOO_OLD] = "too_old",
        [VRRP_HA_AUTH_R_NOT_CONFIGURED] = "not_configured",
};

const char *vrrp_ha_auth_result_name(enum vrrp_ha_auth_result r)
{
	return (unsigned)r < VRRP_HA_AUTH_R__COUNT ? result_names[r] : "unknown";
}

/* The keywords, in enum order. */
static const char *const mode_names[] = {"off", "encrypt", "integrity"};
static const char *const alg_names[] = {NULL, "aes-256-gcm", "chacha20-poly1305"};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *vrrp_ha_auth_mode_name(enum vrrp_ha_auth_mode m)
{
	return (unsigned)m < NELEM(mode_names) ? mode_names[m] : NULL;
}

const char *vrrp_ha_auth_alg_name(enum vrrp_ha_auth_alg a)
{
	return (unsigned)a < NELEM(alg_names) ? alg_names[a] : NULL;
}

static int find_word(const char *const *tab, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (tab[i] && s && !strcmp(tab[i], s))
			return (int)i;
	return -1;
}

int vrrp_ha_auth_mode_parse(const char *s, enum vrrp_ha_auth_mode *m)
{
	int i = find_word(mode_names, NELEM(mode_names), s);

	if (i < 0)
		return -1;
	*m = (enum vrrp_ha_auth_mode)i;
	return 0;
}

int vrrp_ha_auth_alg_parse(const char *s, enum vrrp_ha_auth_alg *a)
{
	int i = find_word(alg_names, NELEM(alg_names), s);

	if (i < 0)
		return -1;
	*a = (enum vrrp_ha_auth_alg)i;
	return 0;
}

static void auth_warn(void *arg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void auth_warn(void *arg, const char *fmt, ...)
{
	struct vrrp_ha_auth *a = arg;
	char msg[512];
	va_list ap;
	int n;

	if (!a->log)
		return;
	n = snprintf(msg, sizeof(msg), "(%s) mipv6_ha: auth: ", a->iname ? a->iname : "-");
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	a->log(a->log_arg, LOG_WARNING, msg);
}

/* ---- configuration ------------------------------------------------------ */

static char *dup_or_null(const char *s, bool *oom)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*oom = true;
	return d;
}

static char *epoch_path(const struct vrrp_ha_auth_cfg *cfg, bool *oom)
{
	const char *iname = cfg->iname ? cfg->iname : "vrrp-ha";
	size_t n = sizeof(VRRP_HA_AUTH_EPOCH_DIR "/.epoch") + strlen(iname);
	char *p;

	if (cfg->epoch_file)
		return dup_or_null(cfg->epoch_file, oom);
	p = malloc(n);
	if (!p) {
		*oom = true;
		return NULL;
	}
	snprintf(p, n, "%s/%s.epoch", VRRP_HA_AUTH_EPOCH_DIR, iname);
	return p;
}

/* What a (re)configuration builds before it is swapped in. */
struct auth_conf {
	enum vrrp_ha_auth_mode mode;
	enum vrrp_ha_auth_alg alg;
	char *key_file, *iname, *epoch_file;
	struct auth_keyset keys;
	struct auth_aead aead;
};

static void conf_clear(struct auth_conf *c)
{
	auth_keys_wipe(&c->keys);
	auth_aead_fini(&c->aead);
	free(c->key_file);
	free(c->iname);
	free(c->epoch_file);
	memset(c, 0, sizeof(*c));
}

static int conf_build(struct auth_conf *c, const struct vrrp_ha_auth_cfg *cfg, char *err,
                      size_t errlen)
{
	bool oom = false;

	memset(c, 0, sizeof(*c));
	c->mode = cfg->mode;
	c->alg = cfg->alg;
	if (!vrrp_ha_auth_mode_name(cfg->mode) ||
	    (cfg->mode != VRRP_HA_AUTH_OFF && !vrrp_ha_auth_alg_name(cfg->alg))) {
		snprintf(err, errlen, "unknown auth mode or cipher");
		return -1;
	}
	c->iname = dup_or_null(cfg->iname, &oom);
	c->key_file = dup_or_null(cfg->key_file, &oom);
	c->epoch_file = epoch_path(cfg, &oom);
	if (oom) {
		snprintf(err, errlen, "out of memory");
		conf_clear(c);
		return -1;
	}
	if (cfg->mode == VRRP_HA_AUTH_OFF)
		return 0;
	if (!cfg->key_file) {
		snprintf(err, errlen, "auth %s needs auth_key_file",
		         vrrp_ha_auth_mode_name(c->mode));
		conf_clear(c);
		return -1;
	}
	if (auth_keys_load(&c->keys, cfg->key_file, cfg->alg, err, errlen, NULL) ||
	    auth_aead_init(&c->aead, cfg->alg, err, errlen)) {
		conf_clear(c);
		return -1;
	}
	return 0;
}

/* Swap c into a; c gets a's old configuration (to be cleared). */
static void conf_swap(struct vrrp_ha_auth *a, struct auth_conf *c)
{
	struct auth_conf old = {.mode = a->mode,
	                        .alg = a->alg,
	                        .key_file = a->key_file,
	                        .iname = a->iname,
	                        .epoch_file = a->seq.path,
	                        .keys = a->keys,
	                        .aead = a->aead};

	a->mode = c->mode;
	a->alg = c->alg;
	a->key_file = c->key_file;
	a->iname = c->iname;
	a->seq.path = c->epoch_file;
	a->keys = c->keys;
	a->aead = c->aead;
	*c = old;
	OPENSSL_cleanse(&old, sizeof(old));
	auth_dkey_wipe(&a->dkeys);
}

struct vrrp_ha_auth *vrrp_ha_auth_new(const struct vrrp_ha_auth_cfg *cfg, char *err, size_t errlen)
{
	struct vrrp_ha_auth *a = calloc(1, sizeof(*a));
	struct auth_conf c;

	if (!a) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (conf_build(&c, cfg, err, errlen)) {
		free(a);
		return NULL;
	}
	conf_swap(a, &c);
	conf_clear(&c);
	a->log = cfg->log;
	a->log_arg = cfg->log_arg;
	return a;
}

int vrrp_ha_auth_reload(struct vrrp_ha_auth *a, const struct vrrp_ha_auth_cfg *cfg, char *err,
                        size_t errlen)
{
	struct auth_conf c;

	if (conf_build(&c, cfg, err, errlen))
		return -1;
	conf_swap(a, &c);
	conf_clear(&c);
	a->log = cfg->log;
	a->log_arg = cfg->log_arg;
	return 0;
}

void vrrp_ha_auth_free(struct vrrp_ha_auth *a)
{
	struct auth_conf c;

	if (!a)
		return;
	memset(&c, 0, sizeof(c));
	conf_swap(a, &c);
	conf_clear(&c);
	OPENSSL_cleanse(a, sizeof(*a));
	free(a);
}

enum vrrp_ha_auth_mode vrrp_ha_auth_get_mode(const struct vrrp_ha_auth *a)
{
	return a ? a->mode : VRRP_HA_AUTH_OFF;
}

/* ---- the wire ------------------------------------------------------------- */

bool vrrp_ha_auth_is_protected(const uint8_t *pkt, size_t len)
{
	return len > OFF_SEC && pkt[0] == EXT_VT && pkt[OFF_SEC] == VRRP_HA_AUTH_KIND;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* AAD = src || header 0..5 || AUTH record 0..15; nonce = 0 (4) || seq. */
static void build_aad(uint8_t aad[AUTH_AAD_FIXED], uint8_t nonce[AUTH_NONCE_LEN],
                      const struct in6_addr *src, const uint8_t *msg)
{
	memcpy(aad, src, 16);
	memcpy(aad + 16, msg, 6);
	memcpy(aad + 22, msg + OFF_REC, 16);
	memset(nonce, 0, 4);
	memcpy(nonce + 4, msg + OFF_SEQ, 8);
}

static ssize_t seal_fail(struct vrrp_ha_auth *a, int e)
{
	a->st.seal_errors++;
	return -e;
}

ssize_t vrrp_ha_auth_protect(struct vrrp_ha_auth *a, const struct in6_addr *own_src,
                             const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
	uint8_t aad[AUTH_AAD_FIXED], nonce[AUTH_NONCE_LEN];
	const struct auth_key *k;
	EVP_CIPHER_CTX *dk;
	size_t plen;
	uint64_t seq;
	bool wfail;

	if (!a || a->mode == VRRP_HA_AUTH_OFF || !own_src || !in || len < OFF_SEC + 4 ||
	    in[0] != EXT_VT || in[2] != VRRP_HA_EXT_VERSION || in[3] == 0 ||
	    in[3] == VRRP_HA_EXT_MAX_SECTIONS)
		return a ? seal_fail(a, EINVAL) : -EINVAL;
	if (len + VRRP_HA_AUTH_OVERHEAD > MAX_MSG || cap < len + VRRP_HA_AUTH_OVERHEAD)
		return seal_fail(a, ENOSPC);
	plen = len - OFF_SEC;
	k = &a->keys.key[a->keys.send];
	dk = auth_dkey_get(&a->dkeys, &a->aead, k->k, a->keys.send, own_src, in[1]);
	if (!dk)
		return seal_fail(a, EIO);
	if (auth_seq_next(&a->seq, &seq, auth_warn, a, &wfail))
		return seal_fail(a, EOVERFLOW);
	if (wfail)
		a->st.epoch_write_errors++;
	a->st.epoch = a->seq.epoch;

	memcpy(out, in, 6);
	out[3] = (uint8_t)(in[3] + 1);
	out[6] = out[7] = 0;
	out[OFF_SEC] = VRRP_HA_AUTH_KIND;
	out[OFF_SEC + 1] = 1;
	out[OFF_SEC + 2] = 0;
	out[OFF_SEC + 3] = VRRP_HA_AUTH_REC_LEN;
	out[OFF_REC] = k->id;
	out[OFF_REC + 1] = (uint8_t)a->mode;
	out[OFF_REC + 2] = (uint8_t)a->alg;
	memset(out + OFF_REC + 3, 0, 5);
	put_be64(out + OFF_SEQ, seq);
	build_aad(aad, nonce, own_src, out);
	if (a->mode == VRRP_HA_AUTH_INTEGRITY) {
		memcpy(out + VRRP_HA_AUTH_PAYLOAD_OFF, in + OFF_SEC, plen);
		if (auth_aead(dk, true, nonce, aad, out + VRRP_HA_AUTH_PAYLOAD_OFF, plen, true,
		              NULL, out + OFF_TAG))
			return seal_fail(a, EIO);
	} else if (auth_aead(dk, true, nonce, aad, in + OFF_SEC, plen, false,
	                     out + VRRP_HA_AUTH_PAYLOAD_OFF, out + OFF_TAG)) {
		OPENSSL_cleanse(out, len + VRRP_HA_AUTH_OVERHEAD);
		return seal_fail(a, EIO);
	}
	a->st.sealed++;
	return (ssize_t)(len + VRRP_HA_AUTH_OVERHEAD);
}

static enum vrrp_ha_auth_result count(struct vrrp_ha_auth *a, enum vrrp_ha_auth_result r)
{
	a->st.result[r]++;
	return r;
}

/* The structure of the AUTH section (checks 3-5 of docs/auth.md). */
static enum vrrp_ha_auth_result check_header(const struct vrrp_ha_auth *a, const uint8_t *in,
                                             size_t len, size_t cap)
{
	const uint8_t *rec = in + OFF_REC;

	if (len <= VRRP_HA_AUTH_PAYLOAD_OFF || len > MAX_MSG || cap < len - VRRP_HA_AUTH_OVERHEAD ||
	    in[2] != VRRP_HA_EXT_VERSION || in[3] < 2 || in[OFF_SEC + 1] != 1 ||
	    in[OFF_SEC + 2] != 0 || in[OFF_SEC + 3] != VRRP_HA_AUTH_REC_LEN || rec[3] || rec[4] ||
	    rec[5] || rec[6] || rec[7])
		return VRRP_HA_AUTH_R_MALFORMED;
	if (rec[1] != (uint8_t)a->mode || rec[2] != (uint8_t)a->alg)
		return VRRP_HA_AUTH_R_MODE_MISMATCH;
	return VRRP_HA_AUTH_R_OK;
}

enum vrrp_ha_auth_result vrrp_ha_auth_unprotect(struct vrrp_ha_auth *a, const struct in6_addr *src,
                                                const uint8_t *in, size_t len, uint8_t *out,
                                                size_t cap, size_t *outlen)
{
	uint8_t aad[AUTH_AAD_FIXED], nonce[AUTH_NONCE_LEN], tag[VRRP_HA_AUTH_TAG_LEN];
	const uint8_t *payload = in + VRRP_HA_AUTH_PAYLOAD_OFF;
	EVP_CIPHER_CTX *dk;
	enum vrrp_ha_auth_result r;
	struct auth_sender *s;
	size_t plen;
	uint64_t seq;
	bool integrity, evicted;
	int slot, rc;

	*outlen = 0;
	if (a->mode == VRRP_HA_AUTH_OFF)
		return count(a, VRRP_HA_AUTH_R_NOT_CONFIGURED);
	if (!vrrp_ha_auth_is_protected(in, len))
		return count(a, VRRP_HA_AUTH_R_UNAUTHENTICATED);
	r = check_header(a, in, len, cap);
	if (r != VRRP_HA_AUTH_R_OK)
		return count(a, r);
	slot = auth_keys_find(&a->keys, in[OFF_REC]);
	if (slot < 0)
		return count(a, VRRP_HA_AUTH_R_UNKNOWN_KEY);
	seq = get_be64(in + OFF_SEQ);
	s = auth_sender_find(&a->senders, src, in[1]);
	r = auth_window_check(s, seq);
	if (r != VRRP_HA_AUTH_R_OK)
		return count(a, r);

	dk = auth_dkey_get(&a->dkeys, &a->aead, a->keys.key[slot].k, (unsigned)slot, src, in[1]);
	plen = len - VRRP_HA_AUTH_PAYLOAD_OFF;
	integrity = a->mode == VRRP_HA_AUTH_INTEGRITY;
	build_aad(aad, nonce, src, in);
	memcpy(tag, in + OFF_TAG, sizeof(tag));
	rc = dk ? auth_aead(dk, false, nonce, aad, payload, plen, integrity,
	                    integrity ? NULL : out + OFF_SEC, tag)
	        : -1;
	if (rc) {
		if (!integrity)
			OPENSSL_cleanse(out + OFF_SEC, plen); /* never leave unverified plaintext */
		return count(a, VRRP_HA_AUTH_R_BAD_TAG);
	}
	if (integrity)
		memcpy(out + OFF_SEC, payload, plen);
	memcpy(out, in, OFF_SEC);
	out[3] = (uint8_t)(in[3] - 1);

	auth_window_accept(&a->senders, s, src, in[1], seq, &evicted);
	if (evicted)
		a->st.senders_evicted++;
	a->st.senders = a->senders.n;
	a->st.opened++;
	*outlen = OFF_SEC + plen;
	return count(a, VRRP_HA_AUTH_R_OK);
}

enum vrrp_ha_auth_result vrrp_ha_auth_rx_plain(struct vrrp_ha_auth *a)
{
	return count(a, a->mode == VRRP_HA_AUTH_OFF ? VRRP_HA_AUTH_R_OK
	                                            : VRRP_HA_AUTH_R_UNAUTHENTICATED);
}

int vrrp_ha_auth_format_failure(enum vrrp_ha_auth_result r, const struct in6_addr *src,
                                const uint8_t *pkt, size_t len, char *buf, size_t cap)
{
	char addr[INET6_ADDRSTRLEN] = "?";
	const uint8_t *rec = pkt + OFF_REC;
	const char *mode;
	uint64_t seq;

	if (src)
		inet_ntop(AF_INET6, src, addr, sizeof(addr));
	if (!pkt || len < 2)
		return snprintf(buf, cap, "%s from %s", vrrp_ha_auth_result_name(r), addr);
	if (!vrrp_ha_auth_is_protected(pkt, len) || len < OFF_TAG)
		return snprintf(buf, cap, "%s from %s (vrid %u, type %u, %zu bytes)",
		                vrrp_ha_auth_result_name(r), addr, pkt[1], pkt[0] & 0x0f, len);
	seq = get_be64(pkt + OFF_SEQ);
	mode = rec[1] && rec[1] < NELEM(mode_names) ? mode_names[rec[1]] : "unknown";
	return snprintf(buf, cap,
	                "%s from %s (vrid %u, key %u, mode %s, seq %" PRIu64 ":%" PRIu64
	                ", %zu bytes)",
	                vrrp_ha_auth_result_name(r), addr, pkt[1], rec[0], mode, seq >> 32,
	                seq & 0xffffffffu, len);
}

/* ---- counters ------------------------------------------------------------ */

const struct vrrp_ha_auth_stats *vrrp_ha_auth_stats(const struct vrrp_ha_auth *a)
{
	return &a->st;
}

static const void *stats_block(const void *arg)
{
	return &((const struct vrrp_ha_auth *)arg)->st;
}

#define ST(f, g)                                                                                   \
	{                                                                                          \
#f, offsetof(struct vrrp_ha_auth_stats, f), g                                      \
	}
static const struct vrrp_ha_counter_def stats_defs[] = {
        ST(sealed, false),
        ST(seal_errors, false),
        ST(opened, false),
        ST(senders_evicted, false),
        ST(senders, true),
        ST(epoch, true),
        ST(epoch_write_errors, false),
};
#undef ST

int vrrp_ha_auth_register_counters(struct vrrp_ha_auth *a, struct vrrp_ha_counters_reg *reg)
{
	char name[VRRP_HA_COUNTER_NAME_MAX];

	if (vrrp_ha_counters_add_table(reg, "auth", "auth_", stats_defs, NELEM(stats_defs),
	                               stats_block, a))
		return -1;
	for (int i = 0; i < VRRP_HA_AUTH_R__COUNT; i++) {
		snprintf(name, sizeof(name), "auth_%s",
		         vrrp_ha_auth_result_name((enum vrrp_ha_auth_result)i));
		if (vrrp_ha_counters_add(reg, "auth", name, stats_block, a,
		                         offsetof(struct vrrp_ha_auth_stats, result) +
		                                 (size_t)i * sizeof(uint64_t),
		                         false))
			return -1;
	}
	return 0;
}
