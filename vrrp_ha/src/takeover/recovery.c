/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * recovery.c - full recovery trigger detector and scheduler (draft-deng
 * 5.2.2; see recovery.h and docs/recovery.md).
 *
 * Receive path: a raw socket(AF_INET6, SOCK_RAW, IPPROTO_DSTOPTS). Why not
 * AF_PACKET + BPF on the home interface: measured on Linux 6.18 (no MIP6),
 * the kernel hands a raw DSTOPTS socket a clone of every locally addressed
 * packet whose next header is Destination Options, from that header onward,
 * before ipv6_destopt_rcv() rejects the unknown option 201 (Parameter
 * Problem); the source comes in msg_name, the destination and the incoming
 * interface in IPV6_PKTINFO. So the kernel has already validated the IPv6
 * header, checked that the destination is local, and we see the packet on
 * whatever interface the mobile node's traffic comes in (the upstream side,
 * not necessarily the home link) without parsing link layers or waking up
 * for any other traffic. A socket filter further keeps only "next header =
 * ESP" (the common case). The price: an ip6tables/nft INPUT drop hides the
 * trigger (AF_PACKET would still see it): documented.
 *
 * State: one record per HoA that is tracked for lifetime (in a min-heap by
 * expiry) and/or queued for release (FIFO); a HoA has at most one record, so
 * it is queued at most once. Records live in a chunked slab (never moved),
 * found through a hash index of 256 shards (open addressing, linear probing, backward-shift
 * deletion), each growing on its own so no call rehashes the whole table.
 */
#define _GNU_SOURCE /* struct in6_pktinfo */
#include "vrrp_ha/recovery.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "vrrp_ha/codec.h"

#define FR_NONE        UINT32_MAX
#define FR_READ_BURST  64   /* packets per socket callback */
#define FR_POLL_WORK   4096 /* lifetime checks per poll */
#define FR_BUF         2048 /* enough for any sane Destination Options + ESP */
#define FR_MILLI       1000 /* tokens are counted in thousandths */
#define FR_CHUNK_SHIFT 12   /* 4096 records (256 KiB) per slab chunk */
#define FR_CHUNK       (1u << FR_CHUNK_SHIFT)
#define FR_SHARD_BITS  8 /* 256 index shards */
#define FR_SHARD_MIN   16

struct fr_rec {
	struct in6_addr hoa;
	struct in6_addr coa; /* while queued */
	uint64_t expires_ms; /* tracked expiry (heap key) */
	uint64_t queued_ms;  /* while queued */
	uint32_t heap_pos;   /* FR_NONE: not in the heap */
	uint32_t qnext;      /* FIFO link while queued; free-list link while unused */
	uint8_t queued;      /* 0, or an enum vrrp_ha_fr_cause */
	uint8_t used;
};

/* One of the hash index's shards: open addressing, linear probing; a slot
 * holds record index + 1, 0 = empty. */
struct fr_shard {
	uint32_t *slot;
	uint32_t mask, n;
};

struct vrrp_ha_fr {
	struct vrrp_ha_fr_config cfg;
	const struct vrrp_ha_ops *ops;
	void *ops_ctx;
	struct vrrp_ha_fr_hooks hooks;
	uint64_t margin_ms;
	bool active;
	int fd;
	unsigned ifindex; /* of cfg.ifname, resolved at open; 0 = any */

	struct fr_rec **chunks; /* slab: nchunks chunks of FR_CHUNK records */
	uint32_t nchunks, nrecs, free_head, nused;
	struct fr_shard shards[1u << FR_SHARD_BITS];

	uint32_t *heap;
	uint32_t heap_n, heap_cap;

	uint32_t qhead, qtail, qlen;

	uint64_t tokens; /* thousandths of a token */
	uint64_t bucket_ms;
	bool bucket_started;
	bool in_poll; /* poll() returns next_ms itself: no wake from inside */

	uint64_t log_ms[VRRP_HA_FR_R__COUNT];
	uint64_t log_quiet[VRRP_HA_FR_R__COUNT];
	bool log_once[VRRP_HA_FR_R__COUNT];

	struct vrrp_ha_fr_counters c;
	uint8_t buf[FR_BUF];
};

static const char *const reason_names[VRRP_HA_FR_R__COUNT] = {
        [VRRP_HA_FR_R_TRIGGERED] = "triggered",
        [VRRP_HA_FR_R_INACTIVE] = "inactive",
        [VRRP_HA_FR_R_TOO_SHORT] = "too_short",
        [VRRP_HA_FR_R_NOT_IPV6] = "not_ipv6",
        [VRRP_HA_FR_R_WRONG_IF] = "wrong_if",
        [VRRP_HA_FR_R_NOT_VHA] = "not_vha",
        [VRRP_HA_FR_R_TRUNCATED] = "truncated",
        [VRRP_HA_FR_R_BAD_OPTION] = "bad_option",
        [VRRP_HA_FR_R_NO_HAO] = "no_hao",
        [VRRP_HA_FR_R_NOT_ESP] = "not_esp",
        [VRRP_HA_FR_R_BAD_ADDRESS] = "bad_address",
        [VRRP_HA_FR_R_DUPLICATE] = "duplicate",
        [VRRP_HA_FR_R_UNKNOWN_HOA] = "unknown_hoa",
        [VRRP_HA_FR_R_QUEUE_FULL] = "queue_full",
        [VRRP_HA_FR_R_NOMEM] = "nomem",
};

const char *vrrp_ha_fr_reason_name(enum vrrp_ha_fr_reason r)
{
	if ((unsigned)r >= VRRP_HA_FR_R__COUNT)
		return "?";
	return reason_names[r];
}

const char *vrrp_ha_fr_cause_name(enum vrrp_ha_fr_cause c)
{
	switch (c) {
	case VRRP_HA_FR_TRIGGER:
		return "trigger";
	case VRRP_HA_FR_LIFETIME:
		return "lifetime";
	}
	return "?";
}

void vrrp_ha_fr_config_defaults(struct vrrp_ha_fr_config *c)
{
	memset(c, 0, sizeof(*c));
	c->rate_per_s = VRRP_HA_FR_DEF_RATE;
	c->burst = VRRP_HA_FR_DEF_BURST;
	c->lifetime_margin_s = VRRP_HA_FR_DEF_MARGIN_S;
	c->max_queue = VRRP_HA_FR_DEF_MAX_QUEUE;
	c->max_tracked = VRRP_HA_FR_DEF_MAX_TRACKED;
	c->log_interval_s = VRRP_HA_FR_DEF_LOG_S;
}

/* ---- logging ----------------------------------------------------------- */

__attribute__((format(printf, 3, 4))) static void fr_log(struct vrrp_ha_fr *fr, int prio,
                                                         const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!fr->ops || !fr->ops->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fr->ops->log(fr->ops_ctx, prio, msg);
}

/* Returns: true if a message for reason r may be logged now (at most one per
 * log_interval_s per reason); *quiet gets how many were held back since. */
static bool fr_log_ok(struct vrrp_ha_fr *fr, enum vrrp_ha_fr_reason r, uint64_t now,
                      uint64_t *quiet)
{
	uint64_t iv = (uint64_t)fr->cfg.log_interval_s * 1000;

	if (fr->log_once[r] && now - fr->log_ms[r] < iv) {
		fr->log_quiet[r]++;
		return false;
	}
	*quiet = fr->log_quiet[r];
	fr->log_quiet[r] = 0;
	fr->log_ms[r] = now;
	fr->log_once[r] = true;
	return true;
}

static const char *a6(const struct in6_addr *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN) ? buf : "?";
}

/* ---- records: slab + hash index --------------------------------------- */

/* Record i (valid index): the slab is chunked, so growing it never copies
 * or moves a record. */
#define REC(fr, i) (&(fr)->chunks[(i) >> FR_CHUNK_SHIFT][(i) & (FR_CHUNK - 1)])

static uint32_t fr_hash(const struct in6_addr *a)
{
	uint64_t h[2];

	memcpy(h, a, sizeof(h));
	uint64_t x = h[0] * 0x9e3779b97f4a7c15ULL ^ (h[1] + 0x632be59bd9b4e019ULL);
	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 29;
	return (uint32_t)x;
}

static struct fr_shard *shard_of(struct vrrp_ha_fr *fr, uint32_t h)
{
	return &fr->shards[h >> (32 - FR_SHARD_BITS)];
}

/* Returns: the slot of sh holding hoa, or the empty slot where it would go. */
static uint32_t shard_slot(const struct vrrp_ha_fr *fr, const struct fr_shard *sh, uint32_t h,
                           const struct in6_addr *hoa)
{
	uint32_t s = h & sh->mask;

	while (sh->slot[s] && memcmp(&REC(fr, sh->slot[s] - 1)->hoa, hoa, sizeof(*hoa)) != 0)
		s = (s + 1) & sh->mask;
	return s;
}

static uint32_t rec_find(struct vrrp_ha_fr *fr, const struct in6_addr *hoa)
{
	uint32_t h = fr_hash(hoa);
	struct fr_shard *sh = shard_of(fr, h);

	if (!sh->slot)
		return FR_NONE;
	uint32_t s = shard_slot(fr, sh, h, hoa);
	return sh->slot[s] ? sh->slot[s] - 1 : FR_NONE;
}

/* Keep a shard at most half full. Growing rehashes that shard only (1/256 of
 * the HoAs), so no single call stalls on the whole table.
 * Returns: 0, or -1 (nomem). */
static int shard_reserve(struct vrrp_ha_fr *fr, struct fr_shard *sh)
{
	uint32_t cap = sh->slot ? sh->mask + 1 : 0;

	if (sh->slot && (uint64_t)(sh->n + 1) * 2 <= cap)
		return 0;
	uint32_t ncap = cap ? cap * 2 : FR_SHARD_MIN;
	if (ncap < cap || ncap > (1u << (32 - FR_SHARD_BITS)))
		return -1;
	uint32_t *n = calloc(ncap, sizeof(*n));
	if (!n)
		return -1;
	uint32_t *old = sh->slot;
	sh->slot = n;
	sh->mask = ncap - 1;
	for (uint32_t i = 0; i < cap; i++) {
		if (old[i]) {
			const struct in6_addr *a = &REC(fr, old[i] - 1)->hoa;
			sh->slot[shard_slot(fr, sh, fr_hash(a), a)] = old[i];
		}
	}
	free(old);
	return 0;
}

/* Returns: a fresh record index (from the free list or a new chunk), or
 * FR_NONE (nomem). */
static uint32_t rec_alloc(struct vrrp_ha_fr *fr)
{
	uint32_t i;

	if (fr->free_head != FR_NONE) {
		i = fr->free_head;
		fr->free_head = REC(fr, i)->qnext;
		return i;
	}
	if (fr->nrecs == (uint64_t)fr->nchunks * FR_CHUNK) {
		if (fr->nchunks >= FR_NONE / FR_CHUNK)
			return FR_NONE;
		struct fr_rec **cp = realloc(fr->chunks, (fr->nchunks + 1) * sizeof(*cp));
		if (!cp)
			return FR_NONE;
		fr->chunks = cp;
		cp[fr->nchunks] = malloc(FR_CHUNK * sizeof(struct fr_rec));
		if (!cp[fr->nchunks])
			return FR_NONE;
		fr->nchunks++;
	}
	return fr->nrecs++;
}

/* Returns: hoa's record, created if needed, or FR_NONE (nomem). */
static uint32_t rec_get(struct vrrp_ha_fr *fr, const struct in6_addr *hoa)
{
	uint32_t h = fr_hash(hoa);
	struct fr_shard *sh = shard_of(fr, h);
	uint32_t i = rec_find(fr, hoa);

	if (i != FR_NONE)
		return i;
	if (shard_reserve(fr, sh) < 0)
		return FR_NONE;
	i = rec_alloc(fr);
	if (i == FR_NONE)
		return FR_NONE;
	struct fr_rec *r = REC(fr, i);
	memset(r, 0, sizeof(*r));
	r->hoa = *hoa;
	r->heap_pos = FR_NONE;
	r->qnext = FR_NONE;
	r->used = 1;
	sh->slot[shard_slot(fr, sh, h, hoa)] = i + 1;
	sh->n++;
	fr->nused++;
	return i;
}

/* Free record i if it is neither tracked nor queued. */
static void rec_release(struct vrrp_ha_fr *fr, uint32_t i)
{
	struct fr_rec *r = REC(fr, i);

	if (r->queued || r->heap_pos != FR_NONE)
		return;
	uint32_t h = fr_hash(&r->hoa);
	struct fr_shard *sh = shard_of(fr, h);
	/* backward-shift deletion (linear probing) */
	uint32_t pos = shard_slot(fr, sh, h, &r->hoa), j = pos;
	for (;;) {
		j = (j + 1) & sh->mask;
		if (!sh->slot[j])
			break;
		uint32_t home = fr_hash(&REC(fr, sh->slot[j] - 1)->hoa) & sh->mask;
		/* the entry at j may move to pos only if its home is not in (pos, j] */
		bool stays = pos <= j ? (pos < home && home <= j) : (pos < home || home <= j);
		if (!stays) {
			sh->slot[pos] = sh->slot[j];
			pos = j;
		}
	}
	sh->slot[pos] = 0;
	sh->n--;
	r->used = 0;
	r->qnext = fr->free_head;
	fr->free_head = i;
	fr->nused--;
}

/* ---- lifetime heap ----------------------------------------------------- */

static uint64_t rec_due(const struct vrrp_ha_fr *fr, uint32_t i)
{
	uint64_t e = REC(fr, i)->expires_ms;
	return e > fr->margin_ms ? e - fr->margin_ms : 0;
}

static void heap_set(struct vrrp_ha_fr *fr, uint32_t pos, uint32_t i)
{
	fr->heap[pos] = i;
	REC(fr, i)->heap_pos = pos;
}

static void heap_up(struct vrrp_ha_fr *fr, uint32_t pos)
{
	uint32_t i = fr->heap[pos];

	while (pos > 0) {
		uint32_t parent = (pos - 1) / 2;
		if (REC(fr, fr->heap[parent])->expires_ms <= REC(fr, i)->expires_ms)
			break;
		heap_set(fr, pos, fr->heap[parent]);
		pos = parent;
	}
	heap_set(fr, pos, i);
}

static void heap_down(struct vrrp_ha_fr *fr, uint32_t pos)
{
	uint32_t i = fr->heap[pos];

	for (;;) {
		uint32_t c = 2 * pos + 1;
		if (c >= fr->heap_n)
			break;
		if (c + 1 < fr->heap_n &&
		    REC(fr, fr->heap[c + 1])->expires_ms < REC(fr, fr->heap[c])->expires_ms)
			c++;
		if (REC(fr, fr->heap[c])->expires_ms >= REC(fr, i)->expires_ms)
			break;
		heap_set(fr, pos, fr->heap[c]);
		pos = c;
	}
	heap_set(fr, pos, i);
}

static int heap_push(struct vrrp_ha_fr *fr, uint32_t i)
{
	if (fr->heap_n == fr->heap_cap) {
		uint32_t ncap = fr->heap_cap ? fr->heap_cap * 2 : 64;
		uint32_t *n = ncap > fr->heap_cap ? realloc(fr->heap, ncap * sizeof(*n)) : NULL;
		if (!n)
			return -1;
		fr->heap = n;
		fr->heap_cap = ncap;
	}
	fr->heap[fr->heap_n] = i;
	REC(fr, i)->heap_pos = fr->heap_n;
	fr->heap_n++;
	heap_up(fr, fr->heap_n - 1);
	return 0;
}

/* Remove and return the earliest record (heap not empty). */
static uint32_t heap_pop(struct vrrp_ha_fr *fr)
{
	uint32_t top = fr->heap[0];

	REC(fr, top)->heap_pos = FR_NONE;
	fr->heap_n--;
	if (fr->heap_n) {
		fr->heap[0] = fr->heap[fr->heap_n];
		heap_down(fr, 0);
	}
	return top;
}

/* ---- queue and token bucket -------------------------------------------- */

static void fr_wake(struct vrrp_ha_fr *fr)
{
	if (fr->hooks.wake && !fr->in_poll)
		fr->hooks.wake(fr->hooks.arg);
}

static void q_push(struct vrrp_ha_fr *fr, uint32_t i, enum vrrp_ha_fr_cause cause,
                   const struct in6_addr *coa, uint64_t now)
{
	struct fr_rec *r = REC(fr, i);
	bool was_empty = fr->qlen == 0;

	r->queued = (uint8_t)cause;
	r->coa = *coa;
	r->queued_ms = now;
	r->qnext = FR_NONE;
	if (fr->qtail != FR_NONE)
		REC(fr, fr->qtail)->qnext = i;
	else
		fr->qhead = i;
	fr->qtail = i;
	fr->qlen++;
	if (fr->qlen > fr->c.queue_max)
		fr->c.queue_max = fr->qlen;
	if (was_empty)
		fr_wake(fr);
}

static uint32_t q_pop(struct vrrp_ha_fr *fr)
{
	uint32_t i = fr->qhead;

	fr->qhead = REC(fr, i)->qnext;
	if (fr->qhead == FR_NONE)
		fr->qtail = FR_NONE;
	fr->qlen--;
	REC(fr, i)->qnext = FR_NONE;
	return i;
}

static void bucket_refill(struct vrrp_ha_fr *fr, uint64_t now)
{
	uint64_t cap = (uint64_t)fr->cfg.burst * FR_MILLI;

	if (!fr->bucket_started) {
		fr->bucket_started = true;
		fr->bucket_ms = now;
		return;
	}
	if (now <= fr->bucket_ms)
		return;
	uint64_t dt = now - fr->bucket_ms;
	/* dt * rate in thousandths of a token per ms = rate per second */
	if (dt >= cap)
		fr->tokens = cap;
	else
		fr->tokens += dt * fr->cfg.rate_per_s;
	if (fr->tokens > cap)
		fr->tokens = cap;
	fr->bucket_ms = now;
}

/* ---- public: lifecycle ------------------------------------------------- */

struct vrrp_ha_fr *vrrp_ha_fr_new(const struct vrrp_ha_fr_config *cfg,
                                  const struct vrrp_ha_ops *ops, void *ops_ctx,
                                  const struct vrrp_ha_fr_hooks *hooks)
{
	struct vrrp_ha_fr_config def;

	if (!cfg || !hooks || !hooks->lookup)
		return NULL;
	struct vrrp_ha_fr *fr = calloc(1, sizeof(*fr));
	if (!fr)
		return NULL;
	vrrp_ha_fr_config_defaults(&def);
	fr->cfg = *cfg;
	fr->cfg.ifname[IF_NAMESIZE - 1] = '\0';
	if (!fr->cfg.rate_per_s)
		fr->cfg.rate_per_s = def.rate_per_s;
	if (!fr->cfg.burst)
		fr->cfg.burst = def.burst;
	if (!fr->cfg.lifetime_margin_s)
		fr->cfg.lifetime_margin_s = def.lifetime_margin_s;
	if (!fr->cfg.max_queue)
		fr->cfg.max_queue = def.max_queue;
	if (!fr->cfg.max_tracked)
		fr->cfg.max_tracked = def.max_tracked;
	if (!fr->cfg.log_interval_s)
		fr->cfg.log_interval_s = def.log_interval_s;
	fr->ops = ops;
	fr->ops_ctx = ops_ctx;
	fr->hooks = *hooks;
	fr->margin_ms = (uint64_t)fr->cfg.lifetime_margin_s * 1000;
	fr->fd = -1;
	fr->free_head = FR_NONE;
	fr->qhead = fr->qtail = FR_NONE;
	fr->tokens = (uint64_t)fr->cfg.burst * FR_MILLI;
	return fr;
}

void vrrp_ha_fr_free(struct vrrp_ha_fr *fr)
{
	if (!fr)
		return;
	vrrp_ha_fr_close(fr);
	for (uint32_t k = 0; k < fr->nchunks; k++)
		free(fr->chunks[k]);
	free(fr->chunks);
	for (size_t k = 0; k < sizeof(fr->shards) / sizeof(fr->shards[0]); k++)
		free(fr->shards[k].slot);
	free(fr->heap);
	free(fr);
}

static void drop_queue(struct vrrp_ha_fr *fr)
{
	while (fr->qlen) {
		uint32_t i = q_pop(fr);
		REC(fr, i)->queued = 0;
		fr->c.dropped_inactive++;
		rec_release(fr, i);
	}
}

void vrrp_ha_fr_set_active(struct vrrp_ha_fr *fr, bool active)
{
	if (!active)
		drop_queue(fr);
	else if (!fr->active && fr->heap_n)
		fr_wake(fr); /* due lifetime checks waited while inactive */
	fr->active = active;
}

bool vrrp_ha_fr_active(const struct vrrp_ha_fr *fr)
{
	return fr->active;
}

int vrrp_ha_fr_fd(const struct vrrp_ha_fr *fr)
{
	return fr->fd;
}

size_t vrrp_ha_fr_queued(const struct vrrp_ha_fr *fr)
{
	return fr->qlen;
}

size_t vrrp_ha_fr_ntracked(const struct vrrp_ha_fr *fr)
{
	return fr->heap_n;
}

const struct vrrp_ha_fr_counters *vrrp_ha_fr_counters(const struct vrrp_ha_fr *fr)
{
	return &fr->c;
}

/* ---- parsing ------------------------------------------------------------ */

static bool bad_addr(const struct in6_addr *a)
{
	return IN6_IS_ADDR_MULTICAST(a) || IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_LOOPBACK(a);
}

/*
 * Walk the extension headers from nh (first header type) over r: hop-by-hop,
 * routing and destination options (RFC 8200 4.1 order; at most
 * VRRP_HA_FR_MAX_EXTHDRS) until a Destination Options header with a Home
 * Address option; that header's next header must be ESP (RFC 6275 6.3: the
 * HAO goes after routing and before fragment, AH and ESP).
 * Returns: TRIGGERED (meaning "parsed", *hao filled) or the failing reason.
 */
static enum vrrp_ha_fr_reason parse_chain(uint8_t nh, struct vrrp_ha_rd *r, struct in6_addr *hao)
{
	for (unsigned n = 0; n < VRRP_HA_FR_MAX_EXTHDRS; n++) {
		uint8_t next, hlen;
		bool found = false;

		if (nh != VRRP_HA_FR_NH_HOPOPTS && nh != VRRP_HA_FR_NH_ROUTING &&
		    nh != VRRP_HA_FR_NH_DSTOPTS)
			return VRRP_HA_FR_R_NO_HAO;
		if (vrrp_ha_rd_u8(r, &next) < 0 || vrrp_ha_rd_u8(r, &hlen) < 0)
			return VRRP_HA_FR_R_TRUNCATED;
		/* Hdr Ext Len: 8-octet units, not counting the first 8 */
		size_t body = ((size_t)hlen + 1) * 8 - 2;
		if (vrrp_ha_rd_left(r) < body)
			return VRRP_HA_FR_R_TRUNCATED;
		if (nh == VRRP_HA_FR_NH_DSTOPTS) {
			struct vrrp_ha_rd o;
			vrrp_ha_rd_init(&o, r->p + r->off, body);
			while (vrrp_ha_rd_left(&o)) {
				uint8_t type, olen;
				if (vrrp_ha_rd_u8(&o, &type) < 0)
					return VRRP_HA_FR_R_BAD_OPTION;
				if (type == VRRP_HA_FR_OPT_PAD1)
					continue;
				if (vrrp_ha_rd_u8(&o, &olen) < 0 || vrrp_ha_rd_left(&o) < olen)
					return VRRP_HA_FR_R_BAD_OPTION;
				if (type == VRRP_HA_FR_OPT_HAO && !found) {
					if (olen != VRRP_HA_FR_HAO_LEN)
						return VRRP_HA_FR_R_BAD_OPTION;
					(void)vrrp_ha_rd_bytes(&o, hao, sizeof(*hao));
					found = true;
				} else {
					o.off += olen; /* checked above */
				}
			}
		}
		r->off += body; /* checked above */
		if (found)
			return next == VRRP_HA_FR_NH_ESP ? VRRP_HA_FR_R_TRIGGERED
			                                 : VRRP_HA_FR_R_NOT_ESP;
		nh = next;
	}
	return VRRP_HA_FR_R_NO_HAO;
}

static enum vrrp_ha_fr_reason count(struct vrrp_ha_fr *fr, enum vrrp_ha_fr_reason why,
                                    const struct in6_addr *src, uint64_t now)
{
	uint64_t quiet;
	char s[INET6_ADDRSTRLEN];

	fr->c.rx_reason[why]++;
	if (why != VRRP_HA_FR_R_TRIGGERED && why != VRRP_HA_FR_R_INACTIVE &&
	    fr_log_ok(fr, why, now, &quiet))
		fr_log(fr, LOG_INFO,
		       "full recovery: packet from %s ignored: %s (%" PRIu64 " so far, %" PRIu64
		       " not logged)",
		       src ? a6(src, s) : "?", vrrp_ha_fr_reason_name(why), fr->c.rx_reason[why],
		       quiet);
	return why;
}

/* The addresses are known: decide and schedule (draft-deng 5.2.2). */
static enum vrrp_ha_fr_reason decide(struct vrrp_ha_fr *fr, const struct in6_addr *src,
                                     const struct in6_addr *hao, uint64_t now)
{
	struct in6_addr rcoa;
	const struct in6_addr *hoa, *coa;
	uint64_t exp;
	uint32_t i;
	bool upgrade = false, rfc;

	if (bad_addr(src) || bad_addr(hao))
		return count(fr, VRRP_HA_FR_R_BAD_ADDRESS, src, now);
	/* a HoA is queued at most once; a trigger for one queued on lifetime
	 * grounds still deletes it from the RBC and keeps its place */
	for (int k = 0; k < 2; k++) {
		i = rec_find(fr, k ? src : hao);
		if (i != FR_NONE && REC(fr, i)->queued == VRRP_HA_FR_TRIGGER)
			return count(fr, VRRP_HA_FR_R_DUPLICATE, src, now);
	}
	if (fr->hooks.lookup(fr->hooks.arg, hao, &rcoa, &exp)) {
		hoa = hao, coa = src, rfc = true; /* RFC 6275 on the wire */
	} else if (fr->hooks.lookup(fr->hooks.arg, src, &rcoa, &exp)) {
		hoa = src, coa = hao, rfc = false; /* draft-deng's wording */
	} else {
		return count(fr, VRRP_HA_FR_R_UNKNOWN_HOA, src, now);
	}
	i = rec_find(fr, hoa);
	if (i != FR_NONE && REC(fr, i)->queued == VRRP_HA_FR_LIFETIME) {
		upgrade = true;
	} else {
		if (fr->qlen >= fr->cfg.max_queue)
			return count(fr, VRRP_HA_FR_R_QUEUE_FULL, src, now);
		i = rec_get(fr, hoa);
		if (i == FR_NONE)
			return count(fr, VRRP_HA_FR_R_NOMEM, src, now);
	}
	if (upgrade) {
		REC(fr, i)->queued = VRRP_HA_FR_TRIGGER;
		REC(fr, i)->coa = *coa;
	} else {
		q_push(fr, i, VRRP_HA_FR_TRIGGER, coa, now);
	}
	if (rfc)
		fr->c.order_rfc6275++;
	else
		fr->c.order_draft++;
	if (memcmp(&rcoa, coa, sizeof(rcoa)) != 0)
		fr->c.coa_changed++;

	uint64_t quiet;
	char h[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN];
	if (fr_log_ok(fr, VRRP_HA_FR_R_TRIGGERED, now, &quiet))
		fr_log(fr, LOG_NOTICE,
		       "full recovery: trigger for HoA %s (CoA %s, %s order), %u queued"
		       " (%" PRIu64 " triggers not logged)",
		       a6(hoa, h), a6(coa, c), rfc ? "RFC 6275" : "draft", fr->qlen, quiet);
	/* copies: the hook may change the RBC under any pointer we pass */
	struct in6_addr hoa_c = *hoa, coa_c = *coa;
	if (fr->hooks.triggered)
		fr->hooks.triggered(fr->hooks.arg, &hoa_c, &coa_c);
	return count(fr, VRRP_HA_FR_R_TRIGGERED, src, now);
}

enum vrrp_ha_fr_reason vrrp_ha_fr_input_dstopts(struct vrrp_ha_fr *fr, const struct in6_addr *src,
                                                const struct in6_addr *dst, unsigned ifindex,
                                                const uint8_t *dstopts, size_t len, uint64_t now_ms)
{
	struct vrrp_ha_rd r;
	struct in6_addr hao;

	if (!fr->active)
		return count(fr, VRRP_HA_FR_R_INACTIVE, src, now_ms);
	if (fr->ifindex && ifindex && ifindex != fr->ifindex)
		return count(fr, VRRP_HA_FR_R_WRONG_IF, src, now_ms);
	if (memcmp(dst, &fr->cfg.vha, sizeof(*dst)) != 0)
		return count(fr, VRRP_HA_FR_R_NOT_VHA, src, now_ms);
	vrrp_ha_rd_init(&r, dstopts, len);
	enum vrrp_ha_fr_reason why = parse_chain(VRRP_HA_FR_NH_DSTOPTS, &r, &hao);
	if (why != VRRP_HA_FR_R_TRIGGERED)
		return count(fr, why, src, now_ms);
	return decide(fr, src, &hao, now_ms);
}

enum vrrp_ha_fr_reason vrrp_ha_fr_input(struct vrrp_ha_fr *fr, const uint8_t *pkt, size_t len,
                                        uint64_t now_ms)
{
	struct vrrp_ha_rd r;
	struct in6_addr src, dst, hao;
	uint8_t vtc, nh, skip[3];
	uint16_t plen;

	if (!fr->active)
		return count(fr, VRRP_HA_FR_R_INACTIVE, NULL, now_ms);
	/* IPv6 header, RFC 8200 3 */
	vrrp_ha_rd_init(&r, pkt, len);
	if (vrrp_ha_rd_u8(&r, &vtc) < 0 || vrrp_ha_rd_bytes(&r, skip, 3) < 0 ||
	    vrrp_ha_rd_be16(&r, &plen) < 0 || vrrp_ha_rd_u8(&r, &nh) < 0 ||
	    vrrp_ha_rd_u8(&r, skip) < 0 || vrrp_ha_rd_bytes(&r, &src, 16) < 0 ||
	    vrrp_ha_rd_bytes(&r, &dst, 16) < 0)
		return count(fr, VRRP_HA_FR_R_TOO_SHORT, NULL, now_ms);
	if (vtc >> 4 != 6)
		return count(fr, VRRP_HA_FR_R_NOT_IPV6, NULL, now_ms);
	if (memcmp(&dst, &fr->cfg.vha, sizeof(dst)) != 0)
		return count(fr, VRRP_HA_FR_R_NOT_VHA, &src, now_ms);
	/* parse no further than the payload length says (0 = jumbogram: all) */
	if (plen && plen < vrrp_ha_rd_left(&r))
		r.len = r.off + plen;
	enum vrrp_ha_fr_reason why = parse_chain(nh, &r, &hao);
	if (why != VRRP_HA_FR_R_TRIGGERED)
		return count(fr, why, &src, now_ms);
	return decide(fr, &src, &hao, now_ms);
}

/* ---- lifetime tracking and release -------------------------------------- */

void vrrp_ha_fr_track(struct vrrp_ha_fr *fr, const struct in6_addr *hoa, uint64_t expires_ms)
{
	uint32_t i = rec_find(fr, hoa);

	if (i == FR_NONE) {
		if (fr->heap_n >= fr->cfg.max_tracked) {
			fr->c.track_over_limit++;
			return;
		}
		i = rec_get(fr, hoa);
		if (i == FR_NONE) {
			fr->c.track_over_limit++;
			return;
		}
	}
	struct fr_rec *r = REC(fr, i);
	uint64_t old_top = fr->heap_n ? rec_due(fr, fr->heap[0]) : UINT64_MAX;

	fr->c.tracked++;
	if (r->heap_pos == FR_NONE) {
		r->expires_ms = expires_ms;
		if (heap_push(fr, i) < 0) {
			fr->c.track_over_limit++;
			rec_release(fr, i);
			return;
		}
	} else {
		uint64_t old = r->expires_ms;
		r->expires_ms = expires_ms;
		if (expires_ms < old)
			heap_up(fr, r->heap_pos);
		else if (expires_ms > old)
			heap_down(fr, r->heap_pos);
	}
	/* the earliest check moved earlier: the host's next_ms may be late */
	if (fr->active && fr->heap[0] == i && rec_due(fr, i) < old_top)
		fr_wake(fr);
}

/* Move due lifetime checks to the queue. Returns: true if the work bound
 * stopped it with more due. */
static bool lifetime_due(struct vrrp_ha_fr *fr, uint64_t now)
{
	for (unsigned work = 0; fr->heap_n && rec_due(fr, fr->heap[0]) <= now; work++) {
		if (work >= FR_POLL_WORK)
			return true;
		uint32_t i = heap_pop(fr);
		struct fr_rec *r = REC(fr, i);
		struct in6_addr coa;
		uint64_t exp;

		fr->c.lifetime_due++;
		if (!fr->hooks.lookup(fr->hooks.arg, &r->hoa, &coa, &exp)) {
			fr->c.lifetime_gone++;
			rec_release(fr, i);
			continue;
		}
		r = REC(fr, i); /* the hook cannot reallocate, but stay safe */
		if (exp != r->expires_ms) {
			fr->c.lifetime_renewed++;
			r->expires_ms = exp;
			if (heap_push(fr, i) < 0)
				rec_release(fr, i);
			continue;
		}
		if (r->queued) {
			fr->c.lifetime_dup++;
			continue;
		}
		if (fr->qlen >= fr->cfg.max_queue) {
			fr->c.lifetime_overflow++;
			rec_release(fr, i);
			continue;
		}
		q_push(fr, i, VRRP_HA_FR_LIFETIME, &coa, now);
		fr->c.lifetime_scheduled++;
	}
	return false;
}

size_t vrrp_ha_fr_poll(struct vrrp_ha_fr *fr, uint64_t now_ms, struct vrrp_ha_fr_event *out,
                       size_t max, uint64_t *next_ms)
{
	size_t n = 0;
	uint64_t next = UINT64_MAX;

	if (!fr->active) {
		if (next_ms)
			*next_ms = UINT64_MAX;
		return 0;
	}
	fr->in_poll = true;
	bool more = lifetime_due(fr, now_ms);
	fr->in_poll = false;
	bucket_refill(fr, now_ms);
	while (n < max && fr->qlen && fr->tokens >= FR_MILLI) {
		uint32_t i = q_pop(fr);
		struct fr_rec *r = REC(fr, i);

		out[n].hoa = r->hoa;
		out[n].coa = r->coa;
		out[n].cause = (enum vrrp_ha_fr_cause)r->queued;
		out[n].queued_ms = r->queued_ms;
		if (r->queued == VRRP_HA_FR_TRIGGER)
			fr->c.released_trigger++;
		else
			fr->c.released_lifetime++;
		fr->c.released++;
		r->queued = 0;
		rec_release(fr, i);
		fr->tokens -= FR_MILLI;
		n++;
	}
	if (fr->qlen) {
		if (fr->tokens >= FR_MILLI)
			next = now_ms; /* stopped by max */
		else
			next = now_ms + (FR_MILLI - fr->tokens + fr->cfg.rate_per_s - 1) /
			                        fr->cfg.rate_per_s;
	}
	if (more) {
		next = now_ms;
	} else if (fr->heap_n) {
		uint64_t d = rec_due(fr, fr->heap[0]);
		if (d < next)
			next = d;
	}
	if (next_ms)
		*next_ms = next;
	return n;
}

/* ---- the socket --------------------------------------------------------- */

static void fr_on_read(void *data, int fd, int events)
{
	struct vrrp_ha_fr *fr = data;
	(void)events;

	for (int k = 0; k < FR_READ_BURST; k++) {
		struct sockaddr_in6 from;
		union {
			struct cmsghdr h;
			uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo)) + 64];
		} cbuf;
		struct iovec iov = {.iov_base = fr->buf, .iov_len = sizeof(fr->buf)};
		struct msghdr m = {.msg_name = &from,
		                   .msg_namelen = sizeof(from),
		                   .msg_iov = &iov,
		                   .msg_iovlen = 1,
		                   .msg_control = cbuf.b,
		                   .msg_controllen = sizeof(cbuf.b)};
		ssize_t got = recvmsg(fd, &m, MSG_DONTWAIT);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				fr->c.rx_errors++;
			return;
		}
		fr->c.rx_packets++;
		const struct in6_pktinfo *pi = NULL;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
			    c->cmsg_len >= CMSG_LEN(sizeof(*pi)))
				pi = (const struct in6_pktinfo *)(const void *)CMSG_DATA(c);
		if (!pi || m.msg_namelen < sizeof(from)) {
			fr->c.rx_no_pktinfo++;
			continue;
		}
		struct in6_pktinfo info;
		memcpy(&info, pi, sizeof(info));
		size_t len = (size_t)got < sizeof(fr->buf) ? (size_t)got : sizeof(fr->buf);
		uint64_t now = fr->ops && fr->ops->now_ms ? fr->ops->now_ms(fr->ops_ctx) : 0;
		vrrp_ha_fr_input_dstopts(fr, &from.sin6_addr, &info.ipi6_addr,
		                         (unsigned)info.ipi6_ifindex, fr->buf, len, now);
	}
}

int vrrp_ha_fr_open(struct vrrp_ha_fr *fr)
{
	/* The raw socket's data starts at the Destination Options header: keep
	 * only "next header = ESP" so nothing else wakes us up. */
	static const struct sock_filter code[] = {
	        BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
	        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, VRRP_HA_FR_NH_ESP, 0, 1),
	        BPF_STMT(BPF_RET | BPF_K, 0xffff),
	        BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]),
	                          .filter = (struct sock_filter *)(uintptr_t)code};
	int one = 1, err;

	if (fr->fd >= 0)
		return 0;
	if (fr->cfg.ifname[0]) {
		fr->ifindex = if_nametoindex(fr->cfg.ifname);
		if (!fr->ifindex) {
			err = errno;
			fr_log(fr, LOG_ERR, "full recovery: interface %s: %s", fr->cfg.ifname,
			       strerror(err));
			errno = err;
			return -1;
		}
	}
	int fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_DSTOPTS);
	if (fd < 0)
		goto fail;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		goto fail;
	if (!fr->ops || !fr->ops->watch_fd ||
	    fr->ops->watch_fd(fr->ops_ctx, fd, VRRP_HA_EV_READ, fr_on_read, fr) < 0) {
		errno = EINVAL;
		goto fail;
	}
	fr->fd = fd;
	vrrp_ha_fr_set_active(fr, true);
	return 0;
fail:
	err = errno;
	if (fd >= 0)
		close(fd);
	fr_log(fr, LOG_ERR, "full recovery: raw IPPROTO_DSTOPTS socket: %s", strerror(err));
	errno = err;
	return -1;
}

void vrrp_ha_fr_close(struct vrrp_ha_fr *fr)
{
	if (fr->fd >= 0) {
		if (fr->ops && fr->ops->unwatch_fd)
			fr->ops->unwatch_fd(fr->ops_ctx, fr->fd);
		close(fr->fd);
		fr->fd = -1;
	}
	vrrp_ha_fr_set_active(fr, false);
}
