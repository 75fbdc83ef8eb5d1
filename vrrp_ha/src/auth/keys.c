/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * keys.c - the key file (docs/auth.md "Key file"): who may own it, its
 * syntax, and the wiping of every copy of the key material we make.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "auth/auth_int.h"

/* A key file is a few lines; anything larger is not one. */
#define KEYS_FILE_MAX   65536
#define KEYS_MAX_FIELDS 6

static int fail(char *err, size_t errlen, unsigned *line, unsigned at, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));

static int fail(char *err, size_t errlen, unsigned *line, unsigned at, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (line)
		*line = at;
	if (!err || !errlen)
		return -1;
	if (at)
		n = snprintf(err, errlen, "line %u: ", at);
	if (n < 0 || (size_t)n >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Returns: 0 and the 32 bytes of s (exactly 64 hex digits), or -1. */
static int parse_hex_key(const char *s, uint8_t out[VRRP_HA_AUTH_KEY_LEN])
{
	size_t i;

	if (strlen(s) != 2 * VRRP_HA_AUTH_KEY_LEN)
		return -1;
	for (i = 0; i < VRRP_HA_AUTH_KEY_LEN; i++) {
		int hi = OPENSSL_hexchar2int((unsigned char)s[2 * i]),
		    lo = OPENSSL_hexchar2int((unsigned char)s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* Returns: 0 and the ID (1..255, decimal), or -1. */
static int parse_id(const char *s, uint8_t *id)
{
	unsigned v = 0;

	if (!*s || strlen(s) > 3)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v < 1 || v > 255)
		return -1;
	*id = (uint8_t)v;
	return 0;
}

/* Split line (modified in place) into at most max fields.
 * Returns: the number of fields, max + 1 if there are more. */
static unsigned split(char *line, char **f, unsigned max)
{
	unsigned n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (!*p)
			return n;
		if (n == max)
			return max + 1;
		f[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r')
			p++;
		if (*p)
			*p++ = 0;
	}
}

/* One line, '#' comment already cut. Returns: 0, or -1 with err. */
static int parse_line(struct auth_keyset *ks, char *s, unsigned ln, enum vrrp_ha_auth_alg *alg,
                      bool *send_seen, char *err, size_t errlen, unsigned *line)
{
	char *f[KEYS_MAX_FIELDS];
	unsigned n = split(s, f, KEYS_MAX_FIELDS - 1);
	enum vrrp_ha_auth_alg a;
	struct auth_key k;
	int rc = 0;

	if (n == 0)
		return 0;
	if (strcmp(f[0], "key"))
		return fail(err, errlen, line, ln, "unknown keyword '%s' (expected 'key')", f[0]);
	if (n < 4 || n > 5)
		return fail(err, errlen, line, ln, "expected 'key ID ALG HEX [send]'");
	if (parse_id(f[1], &k.id))
		return fail(err, errlen, line, ln, "key ID '%s' invalid, must be 1..255", f[1]);
	if (auth_keys_find(ks, k.id) >= 0)
		return fail(err, errlen, line, ln, "key ID %u given twice", k.id);
	if (vrrp_ha_auth_alg_parse(f[2], &a))
		return fail(err, errlen, line, ln,
		            "cipher '%s' invalid, must be aes-256-gcm or chacha20-poly1305", f[2]);
	if (*alg == VRRP_HA_AUTH_ALG_ANY && ks->n == 0)
		*alg = a; /* any cipher: the first key's, then the same for all */
	if (a != *alg)
		return fail(err, errlen, line, ln, "key %u is for %s but %s is %s", k.id, f[2],
		            ks->n && ks->alg_any ? "the first key's cipher" : "auth_cipher",
		            vrrp_ha_auth_alg_name(*alg));
	if (parse_hex_key(f[3], k.k))
		rc = fail(err, errlen, line, ln, "key %u: the key must be exactly 64 hex digits",
		          k.id);
	else if (n == 5 && strcmp(f[4], "send"))
		rc = fail(err, errlen, line, ln, "'%s' unexpected after the key (only 'send')",
		          f[4]);
	else if (n == 5 && *send_seen)
		rc = fail(err, errlen, line, ln, "a second key marked 'send'");
	else if (ks->n == VRRP_HA_AUTH_MAX_KEYS)
		rc = fail(err, errlen, line, ln, "more than %d keys (one in use, one next)",
		          VRRP_HA_AUTH_MAX_KEYS);
	if (!rc) {
		if (n == 5) {
			*send_seen = true;
			ks->send = ks->n;
		}
		ks->key[ks->n++] = k;
	}
	OPENSSL_cleanse(&k, sizeof(k));
	return rc;
}

/* Open path for reading, refusing symlinks and files others could read or
 * write. Returns: the fd, or -1 with err. */
static int open_checked(const char *path, char *err, size_t errlen, unsigned *line)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0) {
		if (errno == ELOOP)
			return fail(err, errlen, line, 0, "%s is a symbolic link", path);
		return fail(err, errlen, line, 0, "cannot open %s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st)) {
		fail(err, errlen, line, 0, "cannot stat %s: %s", path, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		fail(err, errlen, line, 0, "%s is not a regular file", path);
	} else if (st.st_uid != 0 && st.st_uid != geteuid()) {
		fail(err, errlen, line, 0, "%s is owned by uid %u, must be root's", path,
		     (unsigned)st.st_uid);
	} else if (st.st_mode & 077) {
		fail(err, errlen, line, 0,
		     "%s has mode %04o, must give no access to group or others", path,
		     (unsigned)(st.st_mode & 07777));
	} else if (st.st_size > KEYS_FILE_MAX) {
		fail(err, errlen, line, 0, "%s is larger than %d bytes", path, KEYS_FILE_MAX);
	} else {
		return fd;
	}
	close(fd);
	return -1;
}

/* Read the whole fd into a NUL-terminated buffer. Returns: it, or NULL. */
static char *read_all(int fd, size_t *len)
{
	char *buf = malloc(KEYS_FILE_MAX + 2);
	size_t n = 0;
	ssize_t r;

	if (!buf)
		return NULL;
	while (n <= KEYS_FILE_MAX && (r = read(fd, buf + n, KEYS_FILE_MAX + 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			OPENSSL_cleanse(buf, n);
			free(buf);
			return NULL;
		}
		n += (size_t)r;
	}
	buf[n] = 0;
	*len = n;
	return buf;
}

static int parse_buf(struct auth_keyset *ks, char *buf, size_t len, enum vrrp_ha_auth_alg alg,
                     char *err, size_t errlen, unsigned *line)
{
	bool send_seen = false;
	unsigned ln = 0;
	char *p = buf, *end = buf + len;

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *hash;

		ln++;
		if (nl)
			*nl = 0;
		if (memchr(p, 0, (size_t)((nl ? nl : end) - p)))
			return fail(err, errlen, line, ln, "NUL byte in the line");
		hash = strchr(p, '#');
		if (hash)
			*hash = 0;
		if (parse_line(ks, p, ln, &alg, &send_seen, err, errlen, line))
			return -1;
		p = nl ? nl + 1 : end;
	}
	if (ks->n == 0)
		return fail(err, errlen, line, 0, "no key in the file");
	return 0;
}

int auth_keys_parse(struct auth_keyset *ks, char *buf, size_t len, enum vrrp_ha_auth_alg alg,
                    char *err, size_t errlen, unsigned *line)
{
	int rc;

	memset(ks, 0, sizeof(*ks));
	ks->alg_any = alg == VRRP_HA_AUTH_ALG_ANY;
	if (line)
		*line = 0;
	rc = parse_buf(ks, buf, len, alg, err, errlen, line);
	if (rc)
		auth_keys_wipe(ks);
	return rc;
}

int auth_keys_load(struct auth_keyset *ks, const char *path, enum vrrp_ha_auth_alg alg, char *err,
                   size_t errlen, unsigned *line)
{
	size_t len = 0;
	char *buf;
	int fd, rc;

	memset(ks, 0, sizeof(*ks));
	if (line)
		*line = 0;
	if (!path || !*path)
		return fail(err, errlen, line, 0, "no key file given");
	if (alg != VRRP_HA_AUTH_ALG_ANY && !vrrp_ha_auth_alg_name(alg))
		return fail(err, errlen, line, 0, "unknown cipher %d", (int)alg);
	fd = open_checked(path, err, errlen, line);
	if (fd < 0)
		return -1;
	buf = read_all(fd, &len);
	close(fd);
	if (!buf)
		return fail(err, errlen, line, 0, "cannot read %s", path);
	if (len > KEYS_FILE_MAX)
		rc = fail(err, errlen, line, 0, "%s is larger than %d bytes", path, KEYS_FILE_MAX);
	else
		rc = auth_keys_parse(ks, buf, len, alg, err, errlen, line);
	OPENSSL_cleanse(buf, KEYS_FILE_MAX + 2);
	free(buf);
	return rc;
}

int auth_keys_find(const struct auth_keyset *ks, uint8_t id)
{
	for (unsigned i = 0; i < ks->n; i++)
		if (ks->key[i].id == id)
			return (int)i;
	return -1;
}

void auth_keys_wipe(struct auth_keyset *ks)
{
	OPENSSL_cleanse(ks, sizeof(*ks));
}

int vrrp_ha_auth_check_key_file(const char *path, enum vrrp_ha_auth_alg alg, char *err,
                                size_t errlen, unsigned *line)
{
	struct auth_keyset ks;
	int rc = auth_keys_load(&ks, path, alg, err, errlen, line);

	auth_keys_wipe(&ks);
	return rc;
}
