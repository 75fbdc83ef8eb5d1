/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * repl.c - the replication engine's module: the per-state rules of
 * draft-deng 4.2, receive validation (docs/protocol.md order) with the
 * sender checks of docs/sync.md "Who is heard", authentication of every
 * message when configured (auth.h), the paced and coalesced sender of
 * incremental changes, and the dispatch of requests (answer.c) and of
 * framed syncs and digests (fetch.c).
 *
 * It is the source of every peer-made change to a table (one event each)
 * and a subscriber of the local daemon's changes and of full recovery's
 * deletions, which it sends on.
 */
#include "repl/repl_int.h"
#include "vrrp_ha/auth.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

/* A packet the kernel refused (ENOBUFS, EAGAIN) is retried this many ticks. */
#define PENDING_RETRIES 200
/* A CAPS answer is sent at most this often. */
#define CAPS_ANSWER_MS 1000
/* Bytes of one NEW binding in an extension message: a NEW record and a
 * MIPV6 record (no options). */
#define EXT_NEW_BYTES (VRRP_HA_EXT_NEW_LEN + VRRP_HA_EXT_MIPV6_MIN_LEN)
/* Control records one received message may carry that are kept for
 * dispatch after the parse. */
#define RX_MAX_DIGESTS 255

const char *const repl_full_names[] = {
        [FULL_ANSWER] = "answer",
        [FULL_TAKEOVER] = "takeover",
        [FULL_REFRESH] = "refresh",
        [FULL_MERGE] = "merge",
};

/* ---- small helpers shared by the three files --------------------------- */

bool bmap_empty(const uint64_t *m)
{
	for (unsigned i = 0; i < BMAP_WORDS; i++)
		if (m[i])
			return false;
	return true;
}

void bmap_fill_range(uint64_t *m, unsigned first, unsigned n)
{
	for (unsigned b = first; b < first + n && b < NBUCKETS; b++)
		bmap_set(m, b);
}

static void put_run(struct vrrp_ha_ext_range *out, unsigned max, unsigned n, unsigned first,
                    unsigned last)
{
	if (out && n < max) {
		out[n].first = (uint16_t)first;
		out[n].n = (uint16_t)(last - first + 1);
	}
}

/* The runs of set buckets, joining runs separated by at most join clear
 * buckets; the first max of them go to out (if not NULL). Returns: how many
 * there are. */
static unsigned bmap_runs(const uint64_t *m, unsigned join, struct vrrp_ha_ext_range *out,
                          unsigned max)
{
	unsigned n = 0, first = 0, last = 0;
	bool open = false;

	for (unsigned b = 0; b < NBUCKETS; b++) {
		if (!bmap_test(m, b))
			continue;
		if (open && b - last - 1 <= join) {
			last = b;
			continue;
		}
		if (open)
			put_run(out, max, n++, first, last);
		open = true;
		first = last = b;
	}
	if (open)
		put_run(out, max, n++, first, last);
	return n;
}

/* Ranges covering every set bucket of m, at most max of them: when the runs
 * are more, the closest ones are joined (the buckets between are asked for
 * too, which costs their records but keeps every proof exact), so a repair
 * never silently leaves out what did not fit. Returns: ranges written. */
unsigned bmap_ranges(const uint64_t *m, struct vrrp_ha_ext_range *out, unsigned max)
{
	unsigned lo = 0, hi = NBUCKETS, n;

	if (!max)
		return 0;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (bmap_runs(m, mid, NULL, 0) <= max)
			hi = mid;
		else
			lo = mid + 1;
	}
	n = bmap_runs(m, lo, out, max);
	return n < max ? n : max;
}

/* Count and digest of buckets [first, first + n) of t: all live entries,
 * or (marked) those marked in their bucket's current generation. */
void repl_range_digest(struct vrrp_ha_rbc *t, unsigned first, unsigned n, bool marked,
                       uint32_t *count, uint64_t *sum)
{
	*count = 0;
	*sum = 0;
	for (unsigned b = first; b < first + n; b++) {
		uint32_t c;
		uint64_t s;

		repl_digest_bucket(t, b, marked, &c, &s);
		*count += c;
		*sum += s;
	}
}

bool addr_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return !memcmp(a, b, sizeof(*a));
}

bool addr_is_ll(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80;
}

static void drop(struct repl *r, enum vrrp_ha_reason why, const struct in6_addr *src,
                 const char *detail)
{
	char a[INET6_ADDRSTRLEN] = "?";
	uint64_t sup;

	repl_cnt(r)->rx_reason[why]++;
	if (!vrrp_ha_ratelog_ok(r->h, &r->rl[why], &sup))
		return;
	if (src)
		inet_ntop(AF_INET6, src, a, sizeof(a));
	vrrp_ha_logf(r->h, LOG_WARNING,
	             "dropped BC packet from %s: %s%s%s (%" PRIu64 " more suppressed)", a,
	             vrrp_ha_reason_name(why), detail ? ": " : "", detail ? detail : "", sup);
}

bool repl_can_serve(const struct repl *r, uint64_t now)
{
	if (vrrp_ha_get_state(r->h) == VRRP_HA_ST_MASTER)
		return true;
	/* a master that just lost the election still finishes answering a
	 * request: the new owner may have asked before we saw its advert */
	return r->left_master_ms && now - r->left_master_ms < repl_cfg(r)->answer_grace_ms;
}

/* Does this node send extension messages now? Auth needs them. */
bool repl_ext_active(const struct repl *r)
{
	if (r->auth_on)
		return true;
	switch (repl_cfg(r)->extensions) {
	case VRRP_HA_EXT_ON:
		return true;
	case VRRP_HA_EXT_OFF:
		return false;
	case VRRP_HA_EXT_AUTO:
		break;
	}
	return r->peer_ext;
}

static size_t ext_cap(const struct repl *r)
{
	unsigned mtu = repl_cfg(r)->mtu ? repl_cfg(r)->mtu : 1500;
	size_t xcap = mtu > VRRP_HA_IPV6_HDR_LEN ? mtu - VRRP_HA_IPV6_HDR_LEN : 0;
	size_t xmin = VRRP_HA_EXT_HDR_LEN + 2 * VRRP_HA_EXT_SEC_HDR_LEN + EXT_NEW_BYTES +
	              VRRP_HA_AUTH_OVERHEAD;

	return xcap < xmin ? xmin : xcap;
}

static int alloc_buffers(struct repl *r)
{
	unsigned mtu = repl_cfg(r)->mtu ? repl_cfg(r)->mtu : 1500;
	unsigned n = vrrp_ha_records_per_mtu(mtu);
	size_t cap, xcap = ext_cap(r), room;
	struct outpkt o[NOUT] = {{0}};
	struct vrrp_ha_binding *recs;
	uint8_t *scratch, *sealbuf;
	bool fail = false;

	if (!n)
		n = 1;
	/* with auth every record travels in a protected extension message:
	 * as many as fit without options (a NEW one takes 16 bytes more: a
	 * packet's worth may then need two messages) */
	room = xcap - VRRP_HA_AUTH_OVERHEAD - VRRP_HA_EXT_HDR_LEN - 2 * VRRP_HA_EXT_SEC_HDR_LEN;
	if (r->auth_on && room / VRRP_HA_EXT_MIPV6_MIN_LEN < n)
		n = (unsigned)(room / VRRP_HA_EXT_MIPV6_MIN_LEN);
	cap = VRRP_HA_HDR_LEN + (size_t)n * VRRP_HA_REC_LEN;
	if (cap < xcap)
		cap = xcap;
	if (n == r->recs_per_pkt && r->out[0].buf && r->out[1].cap == xcap)
		return 0;
	recs = calloc(n, sizeof(*recs));
	scratch = malloc(xcap);
	sealbuf = malloc(xcap);
	for (int i = 0; i < NOUT; i++) {
		o[i].cap = i ? xcap : cap;
		o[i].buf = malloc(o[i].cap);
		fail |= !o[i].buf;
	}
	if (fail || !recs || !scratch || !sealbuf) {
		for (int i = 0; i < NOUT; i++)
			free(o[i].buf);
		free(recs);
		free(scratch);
		free(sealbuf);
		return -1;
	}
	for (int i = 0; i < NOUT; i++) {
		free(r->out[i].buf);
		r->out[i] = o[i];
	}
	free(r->recs);
	free(r->scratch);
	free(r->sealbuf);
	r->recs = recs;
	r->scratch = scratch;
	r->sealbuf = sealbuf;
	r->scratch_cap = xcap;
	r->recs_per_pkt = n;
	r->new_per_pkt = (unsigned)(room / EXT_NEW_BYTES);
	return 0;
}

static void free_buffers(struct repl *r)
{
	for (int i = 0; i < NOUT; i++)
		free(r->out[i].buf);
	free(r->recs);
	free(r->scratch);
	free(r->sealbuf);
}

/* ---- sync events ------------------------------------------------------ */

void repl_sync_event(struct repl *r, enum vrrp_ha_event_type type, const char *detail,
                     uint64_t count, uint64_t duration_ms)
{
	struct vrrp_ha_event ev = {
	        .type = type, .count = count, .duration_ms = duration_ms, .detail = detail};

	if (type == VRRP_HA_E_SYNC_COMPLETE)
		repl_cnt(r)->sync_complete++;
	else if (type == VRRP_HA_E_SYNC_DIVERGED)
		repl_cnt(r)->sync_diverged++;
	vrrp_ha_emit(r->h, &ev);
}

/* ---- sending ---------------------------------------------------------- */

/* Our own link-local source (the AUTH key derivation covers it). */
static const struct in6_addr *own_addr(const struct repl *r)
{
	return &repl_cfg(r)->own_ll;
}

static int host_send(struct repl *r, const uint8_t *pkt, size_t len, const struct in6_addr *dst)
{
	const struct vrrp_ha_ops *ops = vrrp_ha_host_ops(r->h);

	if (r->auth_broken) {
		errno = ENOKEY;
		return -1;
	}
	if (dst && ops->send_to)
		return ops->send_to(vrrp_ha_host_ctx(r->h), pkt, len, dst);
	if (!ops->send) {
		errno = ENOTSUP;
		return -1;
	}
	return ops->send(vrrp_ha_host_ctx(r->h), pkt, len);
}

/* Protect an extension message in place into out (auth), or copy it. */
static ssize_t seal(struct repl *r, const uint8_t *pkt, size_t len, uint8_t *out, size_t cap)
{
	if (!r->auth_on) {
		if (len > cap)
			return -1;
		if (out != pkt)
			memcpy(out, pkt, len);
		return (ssize_t)len;
	}
	return vrrp_ha_auth_protect(r->auth, own_addr(r), pkt, len, out, cap);
}

int repl_send_now(struct repl *r, const uint8_t *pkt, size_t len, const struct in6_addr *dst)
{
	ssize_t n = (ssize_t)len;

	if ((pkt[0] & 0x0f) == VRRP_HA_TYPE_EXT) {
		n = seal(r, pkt, len, r->sealbuf, r->scratch_cap);
		if (n < 0) {
			repl_cnt(r)->tx_errors++;
			return -1;
		}
		pkt = r->sealbuf;
	}
	if (host_send(r, pkt, (size_t)n, dst) < 0) {
		repl_cnt(r)->tx_errors++;
		return -1;
	}
	if ((pkt[0] & 0x0f) == VRRP_HA_TYPE_EXT)
		repl_cnt(r)->ext_tx++;
	return 0;
}

int repl_ext_begin(struct repl *r, struct vrrp_ha_ext_wr *x)
{
	size_t cap = r->scratch_cap - (r->auth_on ? VRRP_HA_AUTH_OVERHEAD : 0);

	return vrrp_ha_ext_begin(x, r->scratch, cap, vrrp_ha_vrid(r->h));
}

static void send_request(struct repl *r)
{
	uint8_t buf[VRRP_HA_HDR_LEN];
	size_t n = vrrp_ha_encode_request(buf, sizeof(buf), vrrp_ha_vrid(r->h));

	if (repl_send_now(r, buf, n, NULL) < 0)
		vrrp_ha_logf(r->h, LOG_WARNING, "sending BC_REQUEST failed: %s", strerror(errno));
	else
		repl_cnt(r)->tx_request++;
}

/* Tell the peers we speak extensions (and, answering, what table we hold);
 * solicit asks them to answer. */
void repl_send_caps(struct repl *r, bool solicit)
{
	uint8_t rec[VRRP_HA_EXT_CAPS_LEN];
	uint32_t kinds = vrrp_ha_ext_known_kinds();
	struct vrrp_ha_ext_wr x;
	size_t n;

	if (repl_cfg(r)->extensions == VRRP_HA_EXT_OFF && !r->auth_on)
		return;
	rec[0] = VRRP_HA_EXT_VERSION;
	rec[1] = solicit ? VRRP_HA_EXT_CAPS_SOLICIT : 0;
	rec[2] = rec[3] = 0;
	rec[4] = (uint8_t)(kinds >> 24);
	rec[5] = (uint8_t)(kinds >> 16);
	rec[6] = (uint8_t)(kinds >> 8);
	rec[7] = (uint8_t)kinds;
	if (repl_ext_begin(r, &x) ||
	    vrrp_ha_ext_put_raw(&x, VRRP_HA_EXT_K_CAPS, rec, sizeof(rec)) ||
	    (!solicit && answer_put_table(r, &x)) || !(n = vrrp_ha_ext_finish(&x)))
		return;
	if (repl_send_now(r, r->scratch, n, NULL) == 0 && !solicit)
		r->caps_answered_ms = vrrp_ha_now(r->h);
}

/* Ask the master for our table (draft-deng 4.2.1): in the draft's words
 * when nobody has shown it speaks extensions, else framed (fetch.c). */
void repl_send_draft_request(struct repl *r)
{
	send_request(r);
}

bool repl_pending(const struct repl *r)
{
	for (int i = 0; i < NOUT; i++)
		if (r->out[i].len)
			return true;
	return false;
}

static void drop_pending(struct repl *r)
{
	for (int i = 0; i < NOUT; i++)
		r->out[i].len = 0;
}

/* Try to send what waits in r->out[], in slot order. Returns: true if all
 * left (or was dropped for good), false if the kernel wants us to wait. */
static bool flush_pending(struct repl *r)
{
	for (int i = 0; i < NOUT; i++) {
		struct outpkt *o = &r->out[i];

		if (!o->len)
			continue;
		if (host_send(r, o->buf, o->len, o->unicast ? &o->dst : NULL) == 0) {
			if (o->ext) {
				repl_cnt(r)->ext_tx++;
			} else {
				repl_cnt(r)->tx_update++;
			}
			repl_cnt(r)->tx_records += o->recs;
			o->len = 0;
			r->pending_tries = 0;
			continue;
		}
		if ((errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS ||
		     errno == EINTR) &&
		    ++r->pending_tries < PENDING_RETRIES) {
			repl_cnt(r)->tx_retries++;
			return false;
		}
		/* a hard error (or the kernel refused for too long): count, log,
		 * drop; the anti-entropy digest or the peers' request repairs it */
		repl_cnt(r)->tx_errors++;
		{
			uint64_t sup;
			int e = errno;

			if (vrrp_ha_ratelog_ok(r->h, &r->rl_misc, &sup))
				vrrp_ha_logf(r->h, LOG_ERR,
				             "%s with %u bindings not sent: %s (%" PRIu64
				             " more suppressed)",
				             o->ext ? "extension message" : "BC_UPDATE", o->recs,
				             strerror(e), sup);
		}
		o->len = 0;
		r->pending_tries = 0;
	}
	return true;
}

static struct outpkt *free_slot(struct repl *r, int from)
{
	for (int i = from; i < NOUT; i++)
		if (!r->out[i].len)
			return &r->out[i];
	return NULL;
}

int repl_stage_ext(struct repl *r, size_t len, unsigned recs, bool unicast,
                   const struct in6_addr *dst)
{
	struct outpkt *o = free_slot(r, 1);
	ssize_t n;

	if (!o)
		return -1;
	n = seal(r, r->scratch, len, o->buf, o->cap);
	if (n <= 0) {
		repl_cnt(r)->tx_errors++;
		return 0; /* dropped for good: nothing to wait for */
	}
	o->len = (size_t)n;
	o->ext = true;
	o->recs = recs;
	o->unicast = unicast;
	if (unicast)
		o->dst = *dst;
	r->pending_tries = 0;
	return 0;
}

/* The options (attachments) of b's binding in the sending table, looked up
 * only when some binding there has options; *o stays valid while staging
 * (nothing changes the table meanwhile). */
static void rec_opts(struct repl *r, const struct vrrp_ha_binding *b, const uint8_t **o, size_t *n)
{
	struct vrrp_ha_rbc *t = vrrp_ha_send_table(r->h);

	*o = NULL;
	*n = 0;
	if (b->lifetime && rbc_opts_count(t))
		rbc_lookup_opts(t, &b->hoa, vrrp_ha_now(r->h), o, n);
}

size_t repl_step_recs(struct repl *r)
{
	/* records with options may need a message each: a step takes no
	 * more than the free extension slots hold */
	if (rbc_opts_count(vrrp_ha_send_table(r->h)) && r->recs_per_pkt > OPT_STEP_RECS)
		return OPT_STEP_RECS;
	return r->recs_per_pkt;
}

/* r->recs[idx[0..n)] as extension messages: a NEW section naming the ones
 * marked new, their MIPV6 records with their options; as many per message
 * as fit. count: the records count as sent by these messages (with auth;
 * without, the draft BC_UPDATE carried them). Returns: records staged. */
static size_t stage_ext_list(struct repl *r, const size_t *idx, size_t n, bool count, bool unicast,
                             const struct in6_addr *dst)
{
	size_t room = r->scratch_cap - VRRP_HA_AUTH_OVERHEAD - VRRP_HA_EXT_HDR_LEN -
	              2 * VRRP_HA_EXT_SEC_HDR_LEN;
	size_t done = 0;

	while (done < n) {
		struct vrrp_ha_ext_wr x;
		size_t k = 0, used = 0, i, len, prev = 0, ol;
		const uint8_t *o;
		bool ok, bare = false;

		/* how many fit: 40 bytes each, their options, 16 more for a NEW
		 * one, a section header where the record length changes */
		while (done + k < n) {
			const struct vrrp_ha_binding *b = &r->recs[idx[done + k]];
			size_t need;

			rec_opts(r, b, &o, &ol);
			need = VRRP_HA_EXT_MIPV6_MIN_LEN + ol +
			       (b->reserved & VRRP_HA_REC_NEW ? VRRP_HA_EXT_NEW_LEN : 0) +
			       (k && ol != prev ? VRRP_HA_EXT_SEC_HDR_LEN : 0);
			if (used + need > room)
				break;
			used += need;
			prev = ol;
			k++;
		}
		if (!k) {
			/* options too long for one message here (a peer's MTU was
			 * larger): the binding goes without them */
			k = 1;
			bare = true;
			repl_cnt(r)->tx_errors++;
		}
		ok = repl_ext_begin(r, &x) == 0;
		for (i = 0; ok && i < k; i++)
			if (r->recs[idx[done + i]].reserved & VRRP_HA_REC_NEW)
				ok = vrrp_ha_ext_put_new(&x, &r->recs[idx[done + i]].hoa) == 0;
		for (i = 0; ok && i < k; i++) {
			struct vrrp_ha_binding b = r->recs[idx[done + i]];

			b.reserved = 0;
			o = NULL;
			ol = 0;
			if (!bare)
				rec_opts(r, &b, &o, &ol);
			ok = vrrp_ha_ext_put_mipv6(&x, &b, o, ol) == 0;
		}
		len = ok ? vrrp_ha_ext_finish(&x) : 0;
		if (!len || repl_stage_ext(r, len, count ? (unsigned)k : 0, unicast, dst)) {
			repl_cnt(r)->tx_errors++;
			break;
		}
		done += k;
	}
	return done;
}

/* Stage r->recs[0..nrec): byte-exact draft-deng 4.3 BC_UPDATE, Reserved 0.
 * Bindings the sending table just (re)created (VRRP_HA_REC_NEW from
 * rbc_take_dirty), and bindings with options (attachments), also go in an
 * extension message as (NEW +) MIPV6 records when extensions are on, so
 * peers that understand it take them over a stale tombstone and get their
 * options; the draft copy keeps every other peer served. With auth, only
 * the protected extension messages go. */
size_t repl_stage_records(struct repl *r, size_t nrec, bool unicast, const struct in6_addr *dst)
{
	size_t idx[VRRP_HA_MAX_RECS], nx = 0, i;
	bool ext = repl_ext_active(r);

	if (r->auth_on) {
		for (i = 0; i < nrec; i++)
			idx[i] = i;
		return stage_ext_list(r, idx, nrec, true, unicast, dst);
	}
	for (i = 0; i < nrec; i++) {
		const struct vrrp_ha_binding *b = &r->recs[i];
		const uint8_t *o = NULL;
		size_t ol = 0;

		if (ext && b->lifetime && !(b->reserved & VRRP_HA_REC_NEW))
			rec_opts(r, b, &o, &ol);
		if (ext && b->lifetime && ((b->reserved & VRRP_HA_REC_NEW) || ol))
			idx[nx++] = i;
	}
	/* the draft copy: Reserved 0 (its NEW bit is not draft-deng's) */
	{
		uint16_t keep[VRRP_HA_MAX_RECS];

		for (i = 0; i < nrec; i++) {
			keep[i] = r->recs[i].reserved;
			r->recs[i].reserved = 0;
		}
		r->out[0].len = vrrp_ha_encode_update(r->out[0].buf, r->out[0].cap,
		                                      vrrp_ha_vrid(r->h), r->recs, (unsigned)nrec);
		for (i = 0; i < nrec; i++)
			r->recs[i].reserved = keep[i];
	}
	r->out[0].recs = (unsigned)nrec;
	r->out[0].ext = false;
	r->out[0].unicast = unicast;
	if (unicast)
		r->out[0].dst = *dst;
	r->pending_tries = 0;
	if (nx)
		stage_ext_list(r, idx, nx, false, unicast, dst);
	return nrec;
}

/* Send up to burst_packets steps: incremental changes first (to the
 * group), then the serving side. Returns: true if more is waiting. */
static bool send_burst(struct repl *r, uint64_t now)
{
	struct vrrp_ha_rbc *t = vrrp_ha_send_table(r->h);
	unsigned sent = 0;

	while (sent < repl_cfg(r)->burst_packets) {
		if (!flush_pending(r))
			return true;
		if ((rbc_dirty_count(t) || repl_pmip_dirty(r) || r->pmip_held_ok) &&
		    (now - r->dirty_since >= repl_cfg(r)->coalesce_ms || answer_busy(r))) {
			if (rbc_dirty_count(t)) {
				size_t n = rbc_take_dirty(t, r->recs, repl_step_recs(r), now);

				if (n)
					repl_stage_records(r, n, false, NULL);
			} else {
				repl_pmip_stage(r, now);
			}
			if (!rbc_dirty_count(t) && !repl_pmip_dirty(r) && !r->pmip_held_ok)
				r->dirty_since = 0;
		} else if (answer_busy(r)) {
			uint64_t w = answer_wait_ms(r, now);

			if (w) {
				/* waits for its token: not stepped at every pacing tick */
				vrrp_ha_arm_at(r->h, now + w);
				break;
			}
			answer_step(r, now);
		}
		if (!repl_pending(r))
			break;
		sent++;
	}
	if (!flush_pending(r))
		return true;
	return (answer_busy(r) && !answer_wait_ms(r, now)) || rbc_dirty_count(t) ||
	       repl_pmip_dirty(r) || r->pmip_held_ok || repl_pending(r);
}

/* Time to the next pacing tick: pace_us after the previous burst started,
 * so the time spent sending is not added to every period. */
static uint64_t pace_delay_us(const struct repl *r, uint64_t burst_start_us)
{
	const struct vrrp_ha_ops *ops = vrrp_ha_host_ops(r->h);
	uint64_t spent, pace = repl_cfg(r)->pace_us;

	if (!ops->now_us || !burst_start_us)
		return pace;
	spent = ops->now_us(vrrp_ha_host_ctx(r->h)) - burst_start_us;
	return spent >= pace ? 0 : pace - spent;
}

/* ---- receiving -------------------------------------------------------- */

/* The counter of each table outcome of a peer's record. */
static const size_t result_counter[] = {
        [RBC_ADDED] = offsetof(struct vrrp_ha_counters, rx_rec_added),
        [RBC_UPDATED] = offsetof(struct vrrp_ha_counters, rx_rec_updated),
        [RBC_REFRESHED] = offsetof(struct vrrp_ha_counters, rx_rec_refreshed),
        [RBC_DELETED] = offsetof(struct vrrp_ha_counters, rx_rec_deleted),
        [RBC_STALE] = offsetof(struct vrrp_ha_counters, rx_rec_stale),
        [RBC_NOT_FOUND] = offsetof(struct vrrp_ha_counters, rx_rec_unknown_delete),
        [RBC_NOMEM] = offsetof(struct vrrp_ha_counters, rx_rec_nomem),
};

static void count_result(struct repl *r, enum rbc_result res)
{
	uint64_t *c;

	if ((unsigned)res >= sizeof(result_counter) / sizeof(result_counter[0]))
		return;
	c = (uint64_t *)(void *)((char *)repl_cnt(r) + result_counter[res]);
	(*c)++;
}

/* One event for what applying a peer's record did to table t. */
static void peer_event(struct repl *r, struct vrrp_ha_rbc *t, enum vrrp_ha_table tid,
                       const struct vrrp_ha_binding *b, enum rbc_result res, bool restore,
                       uint64_t now)
{
	struct rbc_view v;
	int type = vrrp_ha_result_event(res);

	if (type < 0)
		return;
	if (type == VRRP_HA_E_DELETED) {
		memset(&v, 0, sizeof(v));
		v.hoa = b->hoa;
		v.coa = b->coa;
		v.seq = b->seq;
		v.flags = b->flags;
		vrrp_ha_emit_binding(r->h, VRRP_HA_E_DELETED, tid, VRRP_HA_O_PEER, &v);
		return;
	}
	if (!rbc_lookup(t, &b->hoa, now, &v))
		return;
	vrrp_ha_emit_binding(r->h, (enum vrrp_ha_event_type)type, tid, VRRP_HA_O_PEER, &v);
	if (restore && (res == RBC_ADDED || res == RBC_UPDATED)) {
		/* the owner takes a binding back (draft-deng 4.2.2) */
		repl_cnt(r)->restored++;
		vrrp_ha_emit_binding(r->h, VRRP_HA_E_RESTORED, tid, VRRP_HA_O_PEER, &v);
	}
}

/* Where a peer's bindings go in this state (draft-deng 4.2.2 / 4.2.3):
 * NULL if they are ignored here. A master takes records only as the owner
 * restoring from the answer to its own request. */
struct vrrp_ha_rbc *repl_rx_table(struct repl *r, bool *restore, enum vrrp_ha_table *tid)
{
	struct vrrp_ha *h = r->h;
	bool owner = vrrp_ha_is_owner(h);

	if (vrrp_ha_get_state(h) == VRRP_HA_ST_MASTER) {
		if (!owner)
			return NULL;
		*restore = true;
	} else {
		/* BACKUP: owner -> daemon's binding cache, else -> RBC (4.2.2) */
		*restore = owner;
	}
	*tid = *restore ? VRRP_HA_T_BC : VRRP_HA_T_RBC;
	return *restore ? vrrp_ha_get_bc(h) : vrrp_ha_get_rbc(h);
}

/* Who is heard (docs/sync.md): records are taken from the master this
 * node follows (learnt from adverts), or from the node answering our own
 * request; a master takes them only in that second case. Returns: the
 * table, or NULL (counted). */
static struct vrrp_ha_rbc *rx_gate(struct repl *r, const struct in6_addr *src, bool *restore,
                                   enum vrrp_ha_table *tid, bool *from_source)
{
	struct vrrp_ha_rbc *t;

	*from_source = false;
	if (vrrp_ha_get_state(r->h) == VRRP_HA_ST_MASTER &&
	    repl_merging(r, src, vrrp_ha_now(r->h))) {
		/* split brain ends: the yielded master's table merges into
		 * ours with the sequence rules (higher wins, deletes count) */
		*restore = vrrp_ha_is_owner(r->h);
		*tid = vrrp_ha_send_table_id(r->h);
		return vrrp_ha_send_table(r->h);
	}
	if (!fetch_hears(r, src, from_source)) {
		if (vrrp_ha_get_state(r->h) == VRRP_HA_ST_MASTER)
			repl_cnt(r)->rx_update_ignored++;
		else
			drop(r, VRRP_HA_R_NOT_MASTER, src,
			     "records from a node that is not the master");
		return NULL;
	}
	t = repl_rx_table(r, restore, tid);
	if (!t || (vrrp_ha_get_state(r->h) == VRRP_HA_ST_MASTER && !*from_source)) {
		repl_cnt(r)->rx_update_ignored++;
		return NULL;
	}
	return t;
}

/* One peer record into table t (bounded by max_bindings), with its event.
 * dedup: the record may be the second copy of one just applied (a NEW
 * binding comes in the draft BC_UPDATE and in an extension message); a
 * refresh that moves the expiry by less than one lifetime unit is then no
 * change and publishes no event (it is still counted). */
static void rx_record(struct repl *r, struct vrrp_ha_rbc *t, enum vrrp_ha_table tid, bool restore,
                      const struct vrrp_ha_binding *b, const uint8_t *opts, size_t optlen,
                      bool dedup, bool from_source, uint64_t now)
{
	enum rbc_result res;
	struct rbc_view before, after;
	bool full = b->lifetime && rbc_count(t) >= repl_cfg(r)->max_bindings;
	bool had = (dedup || full) && rbc_lookup(t, &b->hoa, now, &before);

	if (full && !had) {
		repl_cnt(r)->rx_rec_over_limit++;
		return;
	}
	res = fetch_apply(r, t, b, opts, optlen, from_source, now);
	count_result(r, res);
	/* the master we follow sent an older version than ours: ask it for
	 * the binding, whose answer is the reference (resync.c). Only for an
	 * extension record: a draft copy may be stale where the NEW copy
	 * right behind it is not */
	if (res == RBC_STALE && r->rx_in_ext && !from_source && !restore && !r->rx_reference &&
	    vrrp_ha_get_state(r->h) == VRRP_HA_ST_BACKUP)
		resync_on_stale(r, &b->hoa, now);
	if (dedup && had && res == RBC_REFRESHED && rbc_lookup(t, &b->hoa, now, &after) &&
	    after.expires_ms - before.expires_ms < VRRP_HA_LIFETIME_UNIT_S * 1000u)
		return;
	peer_event(r, t, tid, b, res, restore, now);
}

/* After the records of one packet: a backup never sends, so it forgets
 * what the apply queued; the owner restoring as master passes the bindings
 * on to the other backups. */
static void rx_done(struct repl *r, struct vrrp_ha_rbc *t, uint64_t now)
{
	if (vrrp_ha_get_state(r->h) != VRRP_HA_ST_MASTER) {
		rbc_clear_dirty(t);
		repl_pmip_clear(r, t);
	} else if (rbc_dirty_count(t) || repl_pmip_dirty(r)) {
		if (!r->dirty_since)
			r->dirty_since = now;
		vrrp_ha_arm_at(r->h, now + repl_cfg(r)->coalesce_ms);
	}
}

static void rx_update(struct repl *r, const uint8_t *pkt, size_t len, const struct vrrp_ha_hdr *hd,
                      const struct in6_addr *src)
{
	struct vrrp_ha_counters *c = repl_cnt(r);
	uint64_t now = vrrp_ha_now(r->h);
	struct vrrp_ha_binding good[255];
	bool restore, from_source;
	struct vrrp_ha_rbc *t;
	enum vrrp_ha_table tid;
	unsigned i, n = 0;

	/* every record is checked and a bad one counted whoever sent it
	 * (malformed input is counted by reason); then who is heard */
	for (i = 0; i < hd->count; i++) {
		struct vrrp_ha_binding b;
		enum vrrp_ha_reason why = vrrp_ha_decode_record(pkt, len, i, &b);

		if (why != VRRP_HA_OK) {
			char a[INET6_ADDRSTRLEN], detail[96];

			inet_ntop(AF_INET6, &b.hoa, a, sizeof(a));
			snprintf(detail, sizeof(detail), "record %u (HoA %s) skipped", i, a);
			drop(r, why, src, detail);
			continue;
		}
		/* draft-deng 4.3.3: Reserved is ignored on receipt (NEW travels
		 * in an extension message) */
		b.reserved = 0;
		good[n++] = b;
	}
	t = rx_gate(r, src, &restore, &tid, &from_source);
	if (!t)
		return;
	c->rx_update++;
	c->rx_reason[VRRP_HA_OK]++;
	for (i = 0; i < n; i++) {
		c->rx_records++;
		rx_record(r, t, tid, restore, &good[i], NULL, 0, false, from_source, now);
	}
	rx_done(r, t, now);
}

/* ---- extension messages (type 12, docs/protocol.md "Extensions") ------ */

struct ext_rx {
	struct repl *r;
	const struct in6_addr *src;
	uint64_t now;
	/* records */
	bool target_known, from_source;
	struct vrrp_ha_rbc *t;
	bool restore;
	enum vrrp_ha_table tid;
	unsigned records;
	/* control records, dispatched after the parse */
	bool has_request, has_sync, has_table, has_switch, has_magsw;
	struct vrrp_ha_ext_switch sw;
	struct vrrp_ha_ext_magsw magsw;
	struct vrrp_ha_ext_request req;
	struct vrrp_ha_ext_sync sync;
	struct vrrp_ha_ext_table table;
	struct vrrp_ha_ext_range ranges[MAX_RANGES];
	unsigned nranges, ranges_over;
	/* State Synchronization Request (resync.c): keys asked, or in an
	 * answer to ours, the keys present (records) and NONE */
	struct in6_addr keys[VRRP_HA_EXT_MAX_KEYS], none[VRRP_HA_EXT_MAX_KEYS];
	struct in6_addr present[VRRP_HA_EXT_MAX_KEYS];
	unsigned nkeys, nnone, npresent;
	bool keys_over, keys_answer;
	uint32_t keys_id;
	struct vrrp_ha_ext_digest digests[RX_MAX_DIGESTS];
	unsigned ndigests;
};

static void ext_caps(void *arg, const struct vrrp_ha_ext_caps *cp)
{
	struct ext_rx *x = arg;
	struct repl *r = x->r;

	if (!r->peer_ext)
		vrrp_ha_logf(
		        r->h, LOG_INFO, "a peer speaks extensions (version %u, kinds 0x%08x)%s",
		        cp->ext_version, (unsigned)cp->kinds,
		        repl_cfg(r)->extensions == VRRP_HA_EXT_AUTO ? ": sending them too" : "");
	r->peer_ext = true;
	if (cp->flags & VRRP_HA_EXT_CAPS_SOLICIT)
		r->caps_answer_due = true;
}

static void ext_mipv6(void *arg, const struct vrrp_ha_ext_mipv6 *m)
{
	struct ext_rx *x = arg;
	struct repl *r = x->r;
	struct vrrp_ha_binding b = m->b;

	if (!x->target_known) {
		x->target_known = true;
		x->t = rx_gate(r, x->src, &x->restore, &x->tid, &x->from_source);
	}
	if (!x->t)
		return;
	b.reserved = m->is_new ? VRRP_HA_REC_NEW : 0;
	repl_cnt(r)->rx_records++;
	x->records++;
	rx_record(r, x->t, x->tid, x->restore, &b, m->opts, m->optlen, m->is_new, x->from_source,
	          x->now);
	if (x->keys_answer && x->npresent < VRRP_HA_EXT_MAX_KEYS)
		x->present[x->npresent++] = b.hoa;
}

static void ext_pmipv6(void *arg, const struct vrrp_ha_ext_pmipv6 *m)
{
	struct ext_rx *x = arg;
	struct repl *r = x->r;

	if (!x->target_known) {
		x->target_known = true;
		x->t = rx_gate(r, x->src, &x->restore, &x->tid, &x->from_source);
	}
	if (!x->t)
		return;
	repl_cnt(r)->rx_records++;
	x->records++;
	repl_pmip_rx(r, x->t, x->tid, x->restore, m, x->from_source, x->now);
}

static void ext_keys(void *arg, const struct vrrp_ha_ext_keys *k)
{
	struct ext_rx *x = arg;

	if (k->flags & VRRP_HA_EXT_KEYS_NONE) {
		if (x->nnone < VRRP_HA_EXT_MAX_KEYS)
			x->none[x->nnone++] = k->hoa;
	} else if (x->nkeys < VRRP_HA_EXT_MAX_KEYS) {
		x->keys[x->nkeys++] = k->hoa;
	} else {
		x->keys_over = true;
	}
}

static void ext_request(void *arg, const struct vrrp_ha_ext_request *q)
{
	struct ext_rx *x = arg;

	x->has_request = true;
	x->req = *q;
}

static void ext_sync(void *arg, const struct vrrp_ha_ext_sync *s)
{
	struct ext_rx *x = arg;

	if (s->phase == VRRP_HA_EXT_SYNC_KEYS) {
		/* an answer to our State Synchronization Request: its records
		 * (after it in the message) are the reference */
		if (!x->keys_answer && resync_is_answer(x->r, x->src, s)) {
			x->keys_answer = true;
			x->keys_id = s->req_id;
			x->r->rx_reference = true;
		} else if (!x->keys_answer) {
			x->r->rs.cnt.unmatched++;
		}
		return;
	}
	x->has_sync = true;
	x->sync = *s;
}

static void ext_digest(void *arg, const struct vrrp_ha_ext_digest *d)
{
	struct ext_rx *x = arg;

	if (x->ndigests < RX_MAX_DIGESTS)
		x->digests[x->ndigests++] = *d;
}

static void ext_range(void *arg, const struct vrrp_ha_ext_range *g)
{
	struct ext_rx *x = arg;

	if (x->nranges < MAX_RANGES)
		x->ranges[x->nranges++] = *g;
	else
		x->ranges_over++;
}

static void ext_table(void *arg, const struct vrrp_ha_ext_table *t)
{
	struct ext_rx *x = arg;

	x->has_table = true;
	x->table = *t;
}

static void ext_switch(void *arg, const struct vrrp_ha_ext_switch *m)
{
	struct ext_rx *x = arg;

	x->has_switch = true; /* one a message: the last counts */
	x->sw = *m;
}

static void ext_magsw(void *arg, const struct vrrp_ha_ext_magsw *m)
{
	struct ext_rx *x = arg;

	x->has_magsw = true; /* one a message: the last counts */
	x->magsw = *m;
}

static void ext_skipped(void *arg, uint8_t kind, unsigned idx, enum vrrp_ha_ext_reason why)
{
	struct ext_rx *x = arg;
	struct repl *r = x->r;
	char a[INET6_ADDRSTRLEN] = "?";
	uint64_t sup;

	if (!vrrp_ha_ratelog_ok(r->h, &r->rl_misc, &sup))
		return;
	if (x->src)
		inet_ntop(AF_INET6, x->src, a, sizeof(a));
	vrrp_ha_logf(r->h, LOG_WARNING,
	             "extension message from %s: %s section, record %u skipped: %s (%" PRIu64
	             " more suppressed)",
	             a, vrrp_ha_ext_kind_name(kind), idx, vrrp_ha_ext_reason_name(why), sup);
}

static void rx_ext(struct repl *r, const uint8_t *pkt, size_t len, const struct in6_addr *src)
{
	struct ext_rx *x;
	struct vrrp_ha_ext_cb cb = {.caps = ext_caps,
	                            .mipv6 = ext_mipv6,
	                            .pmipv6 = ext_pmipv6,
	                            .skipped = ext_skipped,
	                            .request = ext_request,
	                            .sync = ext_sync,
	                            .digest = ext_digest,
	                            .range = ext_range,
	                            .table = ext_table,
	                            .sw = ext_switch,
	                            .keys = ext_keys,
	                            .magsw = ext_magsw};
	struct vrrp_ha_ext_hdr hd;
	enum vrrp_ha_ext_reason why;
	static struct ext_rx xbuf; /* large (digests); the loop is single-threaded */

	x = &xbuf;
	memset(x, 0, offsetof(struct ext_rx, keys));
	x->nkeys = x->nnone = x->npresent = 0;
	x->keys_over = x->keys_answer = false;
	x->ndigests = 0;
	x->r = r;
	x->src = src;
	x->now = vrrp_ha_now(r->h);
	cb.arg = x;
	r->rx_in_ext = true;
	why = vrrp_ha_ext_parse(pkt, len, &hd, &cb, &r->xst);
	r->rx_in_ext = false;
	r->rx_reference = false;
	if (why != VRRP_HA_EXT_OK) {
		char a[INET6_ADDRSTRLEN] = "?";
		uint64_t sup;

		if (vrrp_ha_ratelog_ok(r->h, &r->rl_misc, &sup)) {
			if (src)
				inet_ntop(AF_INET6, src, a, sizeof(a));
			vrrp_ha_logf(r->h, LOG_WARNING,
			             "dropped extension message from %s: %s (%" PRIu64
			             " more suppressed)",
			             a, vrrp_ha_ext_reason_name(why), sup);
		}
		return;
	}
	repl_cnt(r)->ext_rx++;
	repl_cnt(r)->rx_reason[VRRP_HA_OK]++;
	if (x->keys_answer) {
		if (!x->target_known) {
			x->target_known = true;
			x->t = rx_gate(r, src, &x->restore, &x->tid, &x->from_source);
		}
		if (x->t)
			resync_on_answer(r, src, x->keys_id, x->present, x->npresent, x->none,
			                 x->nnone, x->t, x->tid, x->now);
	}
	if (x->t)
		rx_done(r, x->t, x->now);
	if (x->has_request && x->req.what == VRRP_HA_EXT_REQ_KEYS) {
		resync_on_request(r, src, &x->req, x->keys, x->nkeys, x->keys_over, x->now);
	} else if (x->has_request) {
		if (x->ranges_over)
			repl_cnt(r)->rx_request_ignored++;
		else
			answer_request(r, src, &x->req, x->ranges, x->nranges, x->now);
	}
	if (x->has_table)
		fetch_on_table(r, src, &x->table);
	if (x->has_switch)
		switch_rx(r, src, &x->sw, x->now);
	if (x->has_magsw)
		magsw_rx(r, src, &x->magsw, x->now);
	if (x->has_sync)
		fetch_on_sync(r, src, &x->sync, x->digests, x->ndigests, x->now);
	else if (x->ndigests)
		fetch_on_digest(r, src, x->digests, x->ndigests, false, x->now);
	if (r->caps_answer_due || answer_busy(r))
		vrrp_ha_arm_us(r->h, 0);
}

/* Authentication (auth.h): a protected message is opened into the
 * scratch-sized buffer below and parsed from there. Returns: the plaintext
 * length, or 0 (dropped and counted). */
static size_t rx_open(struct repl *r, const uint8_t *pkt, size_t len, const struct in6_addr *src,
                      uint8_t *out, size_t cap)
{
	enum vrrp_ha_auth_result res;
	size_t n = 0;
	char d[160];

	res = r->auth ? vrrp_ha_auth_unprotect(r->auth, src, pkt, len, out, cap, &n)
	              : VRRP_HA_AUTH_R_NOT_CONFIGURED;
	if (res == VRRP_HA_AUTH_R_OK)
		return n;
	vrrp_ha_auth_format_failure(res, src, pkt, len, d, sizeof(d));
	drop(r, VRRP_HA_R_AUTH_FAILED, src, d);
	return 0;
}

enum vrrp_ha_reason vrrp_ha_repl_rx(void *m, const uint8_t *pkt, size_t len, int hop_limit,
                                    const struct in6_addr *src)
{
	struct repl *r = m;
	struct vrrp_ha *h = r->h;
	struct vrrp_ha_counters *c = repl_cnt(r);
	struct vrrp_ha_hdr hd;
	enum vrrp_ha_reason why = vrrp_ha_decode_hdr(pkt, len, &hd);
	enum vrrp_ha_state st = vrrp_ha_get_state(h);
	bool ext;

	/* Validation order (docs/protocol.md): length of the fixed header,
	 * version, hop limit, type, VRID, enabled, count vs length, source,
	 * authentication, state; then per record. */
	if (why == VRRP_HA_R_TOO_SHORT || why == VRRP_HA_R_BAD_VERSION) {
		drop(r, why, src, NULL);
		return why;
	}
	if (hop_limit != VRRP_HA_HOP_LIMIT) {
		char d[32];

		snprintf(d, sizeof(d), "hop limit %d", hop_limit);
		drop(r, VRRP_HA_R_BAD_HOPLIMIT, src, d);
		return VRRP_HA_R_BAD_HOPLIMIT;
	}
	ext = why == VRRP_HA_R_BAD_TYPE && (pkt[0] & 0x0f) == VRRP_HA_TYPE_EXT;
	if (why == VRRP_HA_R_BAD_TYPE && !ext) {
		drop(r, why, src, NULL);
		return why;
	}
	/* pkt[1] is inside the 8 bytes checked above */
	if (pkt[1] != vrrp_ha_vrid(h)) {
		drop(r, VRRP_HA_R_VRID_MISMATCH, src, NULL);
		return VRRP_HA_R_VRID_MISMATCH;
	}
	if (!repl_cfg(r)->enabled) {
		drop(r, VRRP_HA_R_NOT_ENABLED, src, NULL);
		return VRRP_HA_R_NOT_ENABLED;
	}
	if (!ext && why != VRRP_HA_OK) {
		drop(r, why, src, NULL);
		return why;
	}
	if (!src || !addr_is_ll(src)) {
		drop(r, VRRP_HA_R_BAD_SOURCE, src, "not a link-local source");
		return VRRP_HA_R_BAD_SOURCE;
	}
	if (addr_eq(src, &repl_cfg(r)->own_ll)) {
		drop(r, VRRP_HA_R_BAD_SOURCE, src, "our own address");
		return VRRP_HA_R_BAD_SOURCE;
	}
	if (r->auth_broken) {
		drop(r, VRRP_HA_R_AUTH_FAILED, src, "no keys loaded");
		return VRRP_HA_R_AUTH_FAILED;
	}
	if (r->auth_on && (!ext || !vrrp_ha_auth_is_protected(pkt, len))) {
		drop(r, VRRP_HA_R_UNAUTHENTICATED, src,
		     ext ? "unprotected extension message" : "draft-deng BC packet");
		return VRRP_HA_R_UNAUTHENTICATED;
	}
	if (ext && !r->auth_on && repl_cfg(r)->extensions == VRRP_HA_EXT_OFF) {
		c->rx_reason[VRRP_HA_OK]++;
		c->ext_ignored++;
		return VRRP_HA_OK;
	}
	/* keepalived drops packets for INIT/FAULT instances itself; a host
	 * that does not is covered here */
	if (!vrrp_ha_state_settled(st)) {
		c->rx_reason[VRRP_HA_OK]++;
		if (ext)
			c->ext_ignored++;
		else if (hd.type == VRRP_HA_TYPE_BC_REQUEST)
			c->rx_request_ignored++;
		else
			c->rx_update_ignored++;
		return VRRP_HA_OK;
	}
	if (ext) {
		if (r->auth_on) {
			static uint8_t plain[65536];
			size_t n = rx_open(r, pkt, len, src, plain, sizeof(plain));

			if (!n)
				return VRRP_HA_R_AUTH_FAILED;
			rx_ext(r, plain, n, src);
		} else if (vrrp_ha_auth_is_protected(pkt, len)) {
			/* the handle counts it (auth_not_configured) */
			rx_open(r, pkt, len, src, NULL, 0);
			return VRRP_HA_R_AUTH_FAILED;
		} else {
			rx_ext(r, pkt, len, src);
		}
		return VRRP_HA_OK;
	}
	if (hd.type == VRRP_HA_TYPE_BC_REQUEST) {
		c->rx_reason[VRRP_HA_OK]++;
		answer_draft_request(r, src, vrrp_ha_now(h));
		return VRRP_HA_OK;
	}
	rx_update(r, pkt, len, &hd, src);
	return VRRP_HA_OK;
}

enum vrrp_ha_reason vrrp_ha_repl_rx_truncated(void *m, size_t len, const struct in6_addr *src)
{
	struct repl *r = m;
	char d[64];

	if (!repl_cfg(r)->enabled) {
		drop(r, VRRP_HA_R_NOT_ENABLED, src, NULL);
		return VRRP_HA_R_NOT_ENABLED;
	}
	snprintf(d, sizeof(d), "at least %zu bytes", len);
	drop(r, VRRP_HA_R_TOO_LONG, src, d);
	return VRRP_HA_R_TOO_LONG;
}

bool repl_merging(const struct repl *r, const struct in6_addr *src, uint64_t now)
{
	return r->merge_until && now < r->merge_until && addr_eq(src, &r->merge_src);
}

bool repl_fetch_blocks_push(const struct repl *r)
{
	return r->f.active && !r->f.passive && repl_ext_active(r);
}

void repl_fetch_ended(struct repl *r)
{
	if (!r->push_pending)
		return;
	r->push_pending = false;
	if (vrrp_ha_get_state(r->h) == VRRP_HA_ST_MASTER &&
	    repl_table_count(vrrp_ha_send_table(r->h)))
		answer_push(r, FULL_TAKEOVER);
}

/* ---- what others changed ---------------------------------------------- */

/* The local daemon changed its binding cache (draft-deng 4.2.3: only the
 * owner master sends local BC changes), or full recovery deleted an RBC
 * entry on a non-owner master: both are changes of the table we send. */
static void on_change(void *arg, const struct vrrp_ha_event *ev)
{
	struct repl *r = arg;
	struct vrrp_ha *h = r->h;
	uint64_t now;

	if (ev->origin == VRRP_HA_O_LOCAL && ev->table == VRRP_HA_T_BC) {
		if (!vrrp_ha_is_owner(h) || vrrp_ha_get_state(h) != VRRP_HA_ST_MASTER) {
			rbc_clear_dirty(vrrp_ha_get_bc(h));
			repl_pmip_clear(r, vrrp_ha_get_bc(h));
			return;
		}
		now = vrrp_ha_now(h);
		if (!r->dirty_since)
			r->dirty_since = now;
		vrrp_ha_arm_at(h, r->dirty_since + repl_cfg(r)->coalesce_ms);
	} else if (ev->origin == VRRP_HA_O_TRIGGER && ev->table == VRRP_HA_T_RBC) {
		if (!r->dirty_since)
			r->dirty_since = vrrp_ha_now(h);
		vrrp_ha_arm_us(h, 0);
	}
}

/* ---- module ----------------------------------------------------------- */

static const void *xst_block(const void *arg)
{
	return &((const struct repl *)arg)->xst;
}

#define XST(f)                                                                                     \
	{                                                                                          \
#f, offsetof(struct vrrp_ha_ext_stats, f), false                                   \
	}
static const struct vrrp_ha_counter_def xst_defs[] = {
        XST(packets),
        XST(accepted),
        XST(sections),
        XST(skipped_records),
};
#undef XST

/* The extension parser's counters: ext_packets ..., ext_<reason>,
 * ext_rx_<kind> (records delivered). The rest of ours are the instance's
 * "sync" block. */
static int register_counters(struct repl *r, struct vrrp_ha_counters_reg *reg)
{
	char name[VRRP_HA_COUNTER_NAME_MAX];

	if (vrrp_ha_counters_add_table(reg, "sync", "ext_", xst_defs,
	                               sizeof(xst_defs) / sizeof(xst_defs[0]), xst_block, r) ||
	    resync_register_counters(r, reg))
		return -1;
	for (int i = 1; i < VRRP_HA_EXT_R__COUNT; i++) {
		snprintf(name, sizeof(name), "ext_%s",
		         vrrp_ha_ext_reason_name((enum vrrp_ha_ext_reason)i));
		if (vrrp_ha_counters_add(reg, "sync", name, xst_block, r,
		                         offsetof(struct vrrp_ha_ext_stats, reason) +
		                                 (size_t)i * sizeof(uint64_t),
		                         false))
			return -1;
	}
	for (int k = 1; k <= VRRP_HA_EXT_K__MAX; k++) {
		if (!vrrp_ha_ext_kind_name((uint8_t)k))
			continue; /* a kind the parser never delivers (auth) */
		snprintf(name, sizeof(name), "ext_rx_%s", vrrp_ha_ext_kind_name((uint8_t)k));
		for (char *p = name; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p | 0x20);
		if (vrrp_ha_counters_add(reg, "sync", name, xst_block, r,
		                         offsetof(struct vrrp_ha_ext_stats, delivered) +
		                                 (size_t)k * sizeof(uint64_t),
		                         false))
			return -1;
	}
	return 0;
}

static void auth_log(void *arg, int prio, const char *msg)
{
	struct repl *r = arg;

	vrrp_ha_logf(r->h, prio, "auth: %s", msg);
}

/* The handle exists whatever the mode (its counters are registered once
 * and read it for ever); a reload changes its mode and keys. */
static int auth_setup(struct repl *r)
{
	const struct vrrp_ha_config *cfg = repl_cfg(r);
	struct vrrp_ha_auth_cfg ac;
	char err[256];

	memset(&ac, 0, sizeof(ac));
	ac.mode = cfg->auth;
	ac.alg = cfg->auth_cipher;
	ac.key_file = cfg->auth_key_file;
	ac.epoch_file = cfg->auth_epoch_file;
	ac.iname = vrrp_ha_iname(r->h);
	ac.log = auth_log;
	ac.log_arg = r;
	if (r->auth ? vrrp_ha_auth_reload(r->auth, &ac, err, sizeof(err))
	            : !(r->auth = vrrp_ha_auth_new(&ac, err, sizeof(err)))) {
		/* never fall back to unauthenticated sync: a node asked to
		 * authenticate that cannot sends and takes nothing; one that
		 * did keeps its old keys */
		if (cfg->auth != VRRP_HA_AUTH_OFF && !r->auth_on) {
			r->auth_broken = true;
			vrrp_ha_logf(r->h, LOG_ERR, "auth: %s: sync is stopped until the keys load",
			             err);
		} else {
			vrrp_ha_logf(r->h, LOG_ERR, "auth keys not reloaded (old keys kept): %s",
			             err);
		}
		return -1;
	}
	r->auth_broken = false;
	r->auth_on = cfg->auth != VRRP_HA_AUTH_OFF;
	return 0;
}

static void *repl_create(struct vrrp_ha *h, struct vrrp_ha_counters_reg *reg,
                         struct vrrp_ha_bus *bus)
{
	struct repl *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->h = h;
	/* request ids start where a restarted node's earlier ones are unlikely
	 * (a late answer to those must not pass for the answer to a new one) */
	r->f.next_id = (uint32_t)(vrrp_ha_now(h) * 2654435761u) | 1;
	auth_setup(r);
	if (alloc_buffers(r) || register_counters(r, reg) || repl_pmip_register(r, reg) ||
	    switch_init(r, reg) || magsw_init(r, reg) ||
	    (r->auth && vrrp_ha_auth_register_counters(r->auth, reg)) ||
	    !vrrp_ha_bus_subscribe(bus,
	                           VRRP_HA_EMASK(VRRP_HA_E_ADDED) |
	                                   VRRP_HA_EMASK(VRRP_HA_E_UPDATED) |
	                                   VRRP_HA_EMASK(VRRP_HA_E_REFRESHED) |
	                                   VRRP_HA_EMASK(VRRP_HA_E_DELETED) | VRRP_HA_EMASK_PMIP,
	                           on_change, r)) {
		free_buffers(r);
		vrrp_ha_auth_free(r->auth);
		free(r);
		return NULL;
	}
	return r;
}

static void repl_destroy(void *m)
{
	struct repl *r = m;

	magsw_stop(r);
	free_buffers(r);
	repl_pmip_free(r);
	vrrp_ha_auth_free(r->auth);
	free(r);
}

static void repl_reconfigure(void *m, const struct vrrp_ha_config *old)
{
	struct repl *r = m;

	(void)old;
	auth_setup(r);
	if (alloc_buffers(r))
		vrrp_ha_logf(r->h, LOG_ERR, "out of memory for the send buffer (kept the old one)");
}

static void repl_on_state(void *m, enum vrrp_ha_state prev, enum vrrp_ha_state s)
{
	struct repl *r = m;
	struct vrrp_ha *h = r->h;
	uint64_t now = vrrp_ha_now(h);

	if (prev == VRRP_HA_ST_MASTER) {
		r->push_pending = false;
		r->merge_sent = false;
		r->merge_until = 0;
		r->left_master_ms = now ? now : 1;
		rbc_clear_dirty(vrrp_ha_send_table(h));
		r->dirty_since = 0;
	}
	switch_on_state(r, prev, s);
	if (!vrrp_ha_state_settled(s)) {
		answer_reset(r);
		fetch_stop(r);
		return;
	}
	/* draft-deng 4.2.1: ask for the table when the instance first settles
	 * (keepalived's INIT is momentary) or comes back from FAULT */
	if (!vrrp_ha_state_settled(prev))
		fetch_begin(r, "start");
	if (s == VRRP_HA_ST_MASTER && vrrp_ha_state_settled(prev))
		fetch_on_master(r);
	if (s == VRRP_HA_ST_MASTER) {
		/* a node that leads must not advertise the priority it was held
		 * at while its table was incomplete */
		vrrp_ha_sync_hold_done(h, "became MASTER");
		/* a new master pushes its whole table once, so backups that
		 * missed an update converge without asking */
		r->left_master_ms = 0;
		r->next_refresh_ms = 0;
		repl_send_caps(r, true);
		/* a table still being fetched is not pushed as the reference
		 * (its END would let backups sweep what it lacks): after */
		if (repl_fetch_blocks_push(r))
			r->push_pending = true;
		else if (repl_table_count(vrrp_ha_send_table(h)))
			answer_push(r, FULL_TAKEOVER);
		vrrp_ha_arm_us(h, 0);
	}
}

static uint64_t repl_timer(void *m, uint64_t now)
{
	struct repl *r = m;
	struct vrrp_ha *h = r->h;
	const struct vrrp_ha_config *cfg = repl_cfg(r);
	enum vrrp_ha_state st = vrrp_ha_get_state(h);
	struct vrrp_ha_rbc *stab = vrrp_ha_send_table(h);
	uint64_t next = UINT64_MAX, burst_start_us = 0;
	bool more = false;

	fetch_timer(r, now, &next);
	switch_timer(r, now, &next);
	magsw_timer(r, now, &next);
	resync_timer(r, now, &next);

	if (r->caps_answer_due) {
		/* a peer asked who speaks extensions: answer, at most once a
		 * CAPS_ANSWER_MS (a solicit is never answered with a solicit) */
		uint64_t at = r->caps_answered_ms ? r->caps_answered_ms + CAPS_ANSWER_MS : 0;

		if (now >= at) {
			r->caps_answer_due = false;
			repl_send_caps(r, false);
		} else if (at < next) {
			next = at;
		}
	}

	if (st == VRRP_HA_ST_MASTER && cfg->refresh_s) {
		/* Multicast BC_UPDATEs are not acknowledged; a slow periodic
		 * re-send of the whole table bounds how long a backup that lost
		 * one stays wrong (sequence rules make it a no-op otherwise). */
		if (!r->next_refresh_ms)
			r->next_refresh_ms = now + (uint64_t)cfg->refresh_s * 1000;
		if (now >= r->next_refresh_ms) {
			r->next_refresh_ms = now + (uint64_t)cfg->refresh_s * 1000;
			if (!answer_busy(r) && !repl_fetch_blocks_push(r) &&
			    repl_table_count(stab)) {
				repl_cnt(r)->refreshes++;
				answer_push(r, FULL_REFRESH);
			}
		}
		if (r->next_refresh_ms < next)
			next = r->next_refresh_ms;
	}
	if (st == VRRP_HA_ST_MASTER && !repl_fetch_blocks_push(r))
		answer_digest_tick(r, now, &next);
	if (repl_can_serve(r, now) || answer_busy(r)) {
		const struct vrrp_ha_ops *ops = vrrp_ha_host_ops(h);

		burst_start_us = ops->now_us ? ops->now_us(vrrp_ha_host_ctx(h)) : 0;
		more = send_burst(r, now);
	} else {
		drop_pending(r);
		rbc_clear_dirty(stab);
		repl_pmip_clear(r, stab);
		r->dirty_since = 0;
	}
	if (more) {
		if (!repl_pending(r) && !answer_busy(r) &&
		    (rbc_dirty_count(stab) || repl_pmip_dirty(r)) &&
		    now - r->dirty_since < cfg->coalesce_ms)
			vrrp_ha_arm_at(h, r->dirty_since + cfg->coalesce_ms);
		else
			vrrp_ha_arm_us(h, pace_delay_us(r, burst_start_us));
	}
	return next;
}

enum vrrp_ha_sync_state vrrp_ha_repl_sync_state(const void *m)
{
	return fetch_state(m);
}

size_t vrrp_ha_repl_backlog(const void *m)
{
	const struct repl *r = m;

	return rbc_dirty_count(vrrp_ha_send_table(r->h)) + answer_backlog(r);
}

const struct vrrp_ha_module vrrp_ha_mod_repl = {
        .name = "repl",
        .create = repl_create,
        .destroy = repl_destroy,
        .reconfigure = repl_reconfigure,
        .on_state = repl_on_state,
        .timer = repl_timer,
};
