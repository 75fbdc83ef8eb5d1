/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fetch.c - the asking side of replication: getting our table and proving
 * it complete (docs/sync.md).
 *
 * A fetch asks the master (or, when it does not answer, the peer whose
 * TABLE looks best) for the whole table. The answer is framed: START, the
 * records, END with the count and digest of the buckets asked. Every record
 * from the answering node is applied as authoritative and marked in the
 * store; at END the marked count and digest of each range are compared with
 * the sender's: where they match, the marked set is the sender's set, and
 * entries not marked are swept (a lost delete is repaired). Where they do
 * not (loss), per-bucket digests are asked for, the differing buckets are
 * asked for again, and so on in bounded rounds until every bucket agrees.
 * The periodic anti-entropy digest of the master starts the same rounds
 * when a backup drifts. An owner restores by merging (higher sequence
 * wins) and never sweeps its daemon's cache.
 */
#include "repl/repl_int.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

/* Repair rounds per fetch before it is given up (diverged). */
#define MAX_ROUNDS 24
/* Back-off of a request that got no START: the timeout, then twice it. */
#define BACKOFF_FACTOR 2
/* A master takes a yielded master's merge for at most this long. */
#define MERGE_MS 30000
/* A node that left MASTER this recently and whose table differs from the
 * winner's sends its table to merge (split brain). */
#define MERGE_WINDOW_MS 15000
/* Store slots one sweep step examines (bounded work per timer run). */
#define SWEEP_BUDGET 65536

static const struct in6_addr any_addr;

static void done_ok(struct repl *r, bool proven, uint64_t now);
static void give_up(struct repl *r, const char *why, uint64_t now);
static bool cands_all_empty(const struct fetch *f);
static bool cands_have_table(const struct fetch *f);

static struct vrrp_ha_rbc *target(struct repl *r)
{
	return vrrp_ha_is_owner(r->h) ? vrrp_ha_get_bc(r->h) : vrrp_ha_get_rbc(r->h);
}

enum vrrp_ha_sync_state fetch_state(const struct repl *r)
{
	if (r->f.active && !r->f.passive)
		return VRRP_HA_SYNC_SYNCING;
	return r->f.diverged ? VRRP_HA_SYNC_DIVERGED : VRRP_HA_SYNC_IN_SYNC;
}

static const char *fmt_addr(const struct in6_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(AF_INET6, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

/* ---- requests --------------------------------------------------------- */

static uint64_t backoff_ms(const struct repl *r, unsigned tries)
{
	uint64_t t = repl_cfg(r)->request_timeout_ms;

	return tries > 1 ? t * BACKOFF_FACTOR : t;
}

/* count: whether this is the request's one tx_request (not the framed copy
 * that goes before a draft BC_REQUEST) */
static void send_ext_request(struct repl *r, bool count)
{
	struct fetch *f = &r->f;
	struct vrrp_ha_ext_request q = {.req_id = f->req_id,
	                                .what = f->what,
	                                .table_kind = VRRP_HA_EXT_K_MIPV6,
	                                .flags = f->full ? VRRP_HA_EXT_SYNC_FULL : 0,
	                                .responder = f->named ? f->responder : any_addr};
	struct vrrp_ha_ext_wr x;
	bool ok = repl_ext_begin(r, &x) == 0 && vrrp_ha_ext_put_request(&x, &q) == 0;
	size_t len;

	for (unsigned i = 0; ok && !f->full && i < f->nranges; i++)
		ok = vrrp_ha_ext_put_range(&x, &f->ranges[i]) == 0;
	len = ok ? vrrp_ha_ext_finish(&x) : 0;
	if (!len || repl_send_now(r, r->scratch, len, f->named ? &f->responder : NULL) < 0)
		return;
	if (count)
		repl_cnt(r)->tx_request++;
}

static void send_current(struct repl *r, uint64_t now)
{
	struct fetch *f = &r->f;

	f->tries++;
	if (f->tries > 1)
		repl_cnt(r)->tx_retries++;
	/* a draft BC_REQUEST keeps the draft's fixed retry interval */
	f->deadline = now + (f->legacy ? repl_cfg(r)->request_timeout_ms : backoff_ms(r, f->tries));
	if (f->legacy) {
		/* nobody has shown it speaks extensions yet: CAPS and the
		 * framed REQUEST first (an extension-speaking master answers
		 * that one, by its id, and skips the draft request that
		 * follows), then the draft's BC_REQUEST for a draft-deng master */
		repl_send_caps(r, true);
		if (repl_cfg(r)->extensions != VRRP_HA_EXT_OFF)
			send_ext_request(r, false);
		repl_send_draft_request(r);
	} else {
		send_ext_request(r, true);
	}
	vrrp_ha_arm_at(r->h, f->deadline);
}

/* A new request of this fetch: what, for the buckets of map (NULL: all). */
static void ask(struct repl *r, uint8_t what, const uint64_t *map, uint64_t now)
{
	struct fetch *f = &r->f;

	f->req_id = f->next_id++;
	if (!f->next_id)
		f->next_id = 1;
	f->what = what;
	f->full = !map;
	f->started = false;
	f->tries = 0;
	f->round_ms = now;
	memset(f->answered, 0, sizeof(f->answered));
	if (map) {
		bucket_map m;

		memcpy(m, map, sizeof(m)); /* map may be f->pending */
		f->nranges = bmap_ranges(m, f->ranges, MAX_RANGES);
		memset(f->want, 0, sizeof(f->want));
		for (unsigned i = 0; i < f->nranges; i++)
			bmap_fill_range(f->want, f->ranges[i].first, f->ranges[i].n);
		/* one request carries MAX_RANGES ranges: what is left of map
		 * is asked next (more_of_round), before the round is judged */
		for (unsigned i = 0; i < BMAP_WORDS; i++)
			f->pending[i] = m[i] & ~f->want[i];
	} else {
		f->nranges = 0;
		memset(f->want, 0xff, sizeof(f->want));
		memset(f->pending, 0, sizeof(f->pending));
	}
	send_current(r, now);
}

/* A request of a repair round for map: the buckets it asks for records of
 * are the ones asked again (check_digest's "changed nothing"). */
static void ask_round(struct repl *r, uint8_t what, const uint64_t *map, uint64_t now)
{
	struct fetch *f = &r->f;

	ask(r, what, map, now);
	if (what == VRRP_HA_EXT_REQ_RECORDS) {
		for (unsigned i = 0; i < BMAP_WORDS; i++) {
			f->refetched[i] |= f->want[i];
			f->changed[i] &= ~f->want[i];
		}
	}
}

/* The rest of the round's buckets, if a request could not carry them all.
 * Returns: whether a request went out. */
static bool more_of_round(struct repl *r, uint64_t now)
{
	struct fetch *f = &r->f;

	if (bmap_empty(f->pending))
		return false;
	ask_round(r, f->what, f->pending, now);
	return true;
}

static void reset(struct fetch *f)
{
	uint32_t next = f->next_id;
	bool diverged = f->diverged;

	memset(f, 0, sizeof(*f));
	f->next_id = next ? next : 1;
	f->diverged = diverged;
}

void fetch_begin(struct repl *r, const char *why)
{
	struct fetch *f = &r->f;
	uint64_t now = vrrp_ha_now(r->h);

	reset(f);
	f->active = true;
	f->begin_ms = now;
	f->why = why;
	f->legacy = !repl_ext_active(r);
	repl_sync_event(r, VRRP_HA_E_SYNC_STARTED, "request", 0, 0);
	if (!f->legacy)
		repl_send_caps(r, true); /* TABLE answers, in case the master is mute */
	ask(r, VRRP_HA_EXT_REQ_RECORDS, NULL, now);
}

/* The master's digest said buckets differ: repair them (no event: the
 * table is usable meanwhile). */
static void begin_repair(struct repl *r, const uint64_t *map, const struct in6_addr *master,
                         uint64_t now)
{
	struct fetch *f = &r->f;

	reset(f);
	f->active = true;
	f->begin_ms = now;
	f->why = "repair";
	f->named = true;
	f->responder = *master;
	repl_cnt(r)->sync_repairs++;
	ask(r, VRRP_HA_EXT_REQ_DIGESTS, map, now);
}

void fetch_check(struct repl *r, const struct in6_addr *master, const char *why)
{
	bucket_map all;

	if (r->f.active || !repl_ext_active(r))
		return;
	memset(all, 0xff, sizeof(all));
	begin_repair(r, all, master, vrrp_ha_now(r->h));
	r->f.why = why;
}

void fetch_stop(struct repl *r)
{
	reset(&r->f);
}

void fetch_on_master(struct repl *r)
{
	struct fetch *f = &r->f;

	/* a non-owner that becomes MASTER is the reference now: what it was
	 * fetching from the master it followed (gone) can no longer come, and
	 * waiting would hold back its push. An owner restoring from a backup
	 * goes on (that backup is alive) and pushes when restored. */
	if (!f->active)
		return;
	if (vrrp_ha_is_owner(r->h)) {
		/* an owner restoring from a backup goes on; one that heard from
		 * nobody holding anything has nobody to restore from */
		if (!f->started && !cands_have_table(f))
			give_up(r, "no answer", vrrp_ha_now(r->h));
		return;
	}
	if (f->passive) {
		reset(f);
		return;
	}
	if (!f->started && cands_all_empty(f)) {
		done_ok(r, true, vrrp_ha_now(r->h)); /* nobody had anything */
		return;
	}
	give_up(r, "MASTER now, nobody left to ask", vrrp_ha_now(r->h));
}

/* Did a peer that answered our CAPS solicit say it holds bindings? */
static bool cands_have_table(const struct fetch *f)
{
	for (unsigned i = 0; i < f->ncands; i++)
		if (f->cands[i].t.count)
			return true;
	return false;
}

/* Did peers answer our CAPS solicit, every one with an empty table? */
static bool cands_all_empty(const struct fetch *f)
{
	return f->ncands > 0 && !cands_have_table(f);
}

/* ---- outcome ---------------------------------------------------------- */

static void done_ok(struct repl *r, bool proven, uint64_t now)
{
	struct fetch *f = &r->f;
	struct vrrp_ha_rbc *t = target(r);
	char a[INET6_ADDRSTRLEN];
	bool passive = f->passive;

	if (!passive) {
		vrrp_ha_logf(r->h, LOG_INFO,
		             "table %s from %s: %zu bindings, %s in %" PRIu64
		             " ms (%u rounds, %" PRIu64 " records, %" PRIu64 " swept)",
		             f->why && !strcmp(f->why, "repair") ? "repaired" : "complete",
		             f->have_source ? fmt_addr(&f->source, a, sizeof(a)) : "?",
		             rbc_count(t),
		             proven ? "proven by digest"
		                    : "not proven (the peer speaks draft-deng only)",
		             now - f->begin_ms, f->rounds + 1, f->records, f->swept);
		if (!f->why || strcmp(f->why, "repair"))
			repl_sync_event(r, VRRP_HA_E_SYNC_COMPLETE, "request", rbc_count(t),
			                now - f->begin_ms);
	}
	if (proven)
		repl_cnt(r)->sync_proven++;
	if (f->have_source && !passive) {
		r->last_source = f->source;
		r->last_source_ok = true;
	}
	f->diverged = false;
	f->active = false;
	vrrp_ha_sync_hold_done(r->h, "table complete");
	repl_fetch_ended(r);
}

static void give_up(struct repl *r, const char *why, uint64_t now)
{
	struct fetch *f = &r->f;
	bool owner = vrrp_ha_is_owner(r->h);

	f->active = false;
	if (f->passive)
		return;
	vrrp_ha_logf(r->h, owner ? LOG_INFO : LOG_WARNING,
	             "sync request ended: %s after %" PRIu64 " ms (%u tries, %u rounds, %" PRIu64
	             " records)%s",
	             why, now - f->begin_ms, f->tries, f->rounds, f->records,
	             owner ? ": the owner keeps its daemon's cache"
	                   : ": this table may be incomplete (sync diverged)");
	if (owner) {
		repl_sync_event(r, VRRP_HA_E_SYNC_COMPLETE, why, f->records, now - f->begin_ms);
	} else {
		f->diverged = true;
		repl_sync_event(r, VRRP_HA_E_SYNC_DIVERGED, why, f->records, now - f->begin_ms);
	}
	vrrp_ha_sync_hold_done(r->h, why);
	repl_fetch_ended(r);
}

/* Start sweeping the buckets in f->sweep; done_ok when it ends. */
static void finish(struct repl *r, uint64_t now)
{
	struct fetch *f = &r->f;

	if (!vrrp_ha_is_owner(r->h) && !bmap_empty(f->sweep)) {
		f->sweeping = true;
		f->sweep_cursor = 0;
		f->sweep_pmip = false;
		vrrp_ha_arm_us(r->h, 0);
		return;
	}
	done_ok(r, true, now);
}

static void next_round(struct repl *r, uint8_t what, const uint64_t *map, uint64_t now)
{
	struct fetch *f = &r->f;

	if (++f->rounds > MAX_ROUNDS) {
		give_up(r, "too many repair rounds", now);
		return;
	}
	repl_cnt(r)->sync_rounds++;
	/* later rounds go to the node that answered, by name */
	if (f->have_source) {
		f->named = true;
		f->responder = f->source;
	}
	f->passive = false;
	f->legacy = false;
	ask_round(r, what, map, now);
}

/* ---- the answer ------------------------------------------------------- */

static bool same(uint32_t c, uint64_t s, const struct vrrp_ha_ext_digest *d)
{
	return c == d->count && s == d->sum;
}

/* END of a records answer: check each proof. */
static void check_proofs(struct repl *r, const struct vrrp_ha_ext_digest *p, unsigned np,
                         uint64_t now)
{
	struct fetch *f = &r->f;
	struct vrrp_ha_rbc *t = target(r);
	bucket_map off = {0};
	uint32_t c;
	uint64_t s;

	if (!np) {
		memcpy(off, f->want, sizeof(off));
	}
	for (unsigned i = 0; i < np; i++) {
		const struct vrrp_ha_ext_digest *d = &p[i];

		if (d->n == NBUCKETS)
			repl_digest_total(t, &c, &s);
		else
			repl_range_digest(t, d->first, d->n, false, &c, &s);
		if (same(c, s, d))
			continue; /* the table already is the sender's */
		repl_range_digest(t, d->first, d->n, true, &c, &s);
		if (same(c, s, d)) {
			/* everything the sender has arrived: the rest goes */
			bmap_fill_range(f->sweep, d->first, d->n);
			continue;
		}
		bmap_fill_range(off, d->first, d->n);
	}
	if (!bmap_empty(f->pending)) {
		/* records of the round's other buckets first; the failed
		 * proofs are judged with theirs */
		for (unsigned i = 0; i < BMAP_WORDS; i++)
			f->redo[i] |= off[i];
		more_of_round(r, now);
		return;
	}
	for (unsigned i = 0; i < BMAP_WORDS; i++)
		off[i] |= f->redo[i];
	memset(f->redo, 0, sizeof(f->redo));
	if (bmap_empty(off)) {
		finish(r, now);
		return;
	}
	/* which buckets: ask for their digests */
	next_round(r, VRRP_HA_EXT_REQ_DIGESTS, off, now);
}

/* One digest of a DIGESTS answer. */
static void check_digest(struct repl *r, const struct vrrp_ha_ext_digest *d)
{
	struct fetch *f = &r->f;
	struct vrrp_ha_rbc *t = target(r);

	for (unsigned b = d->first; b < (unsigned)d->first + d->n; b++)
		if (bmap_test(f->want, b))
			bmap_set(f->answered, b);
	/* the digest covers d's buckets together */
	uint32_t c;
	uint64_t s;

	repl_range_digest(t, d->first, d->n, false, &c, &s);
	if (same(c, s, d))
		return;
	repl_range_digest(t, d->first, d->n, true, &c, &s);
	if (same(c, s, d)) {
		bmap_fill_range(f->sweep, d->first, d->n);
		return;
	}
	for (unsigned b = d->first; b < (unsigned)d->first + d->n; b++) {
		/* asked again already, every record of the sender arrived
		 * (as many marked as it has) and that changed nothing: what
		 * we hold wins (an owner's newer binding); asking once more
		 * would not help. Fewer marked than the sender has: records
		 * were lost, ask again. */
		if (bmap_test(f->refetched, b) && !bmap_test(f->changed, b) && c >= d->count) {
			repl_cnt(r)->sync_unresolved++;
			continue;
		}
		bmap_set(f->dirty, b);
	}
}

static void digests_done(struct repl *r, uint64_t now)
{
	struct fetch *f = &r->f;

	/* a bucket whose digest was lost is asked for as records */
	for (unsigned i = 0; i < BMAP_WORDS; i++)
		f->dirty[i] |= f->want[i] & ~f->answered[i];
	if (more_of_round(r, now))
		return; /* the digests of the round's other buckets first */
	if (bmap_empty(f->dirty)) {
		finish(r, now);
		return;
	}
	{
		bucket_map map;

		memcpy(map, f->dirty, sizeof(map));
		memset(f->dirty, 0, sizeof(f->dirty));
		next_round(r, VRRP_HA_EXT_REQ_RECORDS, map, now);
	}
}

/* Records of the buckets asked are marked from the START on. */
static void begin_marks(struct repl *r)
{
	struct fetch *f = &r->f;

	if (f->what != VRRP_HA_EXT_REQ_RECORDS)
		return;
	if (f->full || bmap_empty(f->sweep)) {
		repl_mark_begin(target(r), f->full ? NULL : f->want);
	} else {
		/* a bucket proven and waiting for the sweep keeps the marks of
		 * its proof (a later round's joined range may cover it) */
		bucket_map m;

		for (unsigned i = 0; i < BMAP_WORDS; i++)
			m[i] = f->want[i] & ~f->sweep[i];
		repl_mark_begin(target(r), m);
	}
}

static bool from_master(struct repl *r, const struct in6_addr *src)
{
	struct in6_addr m;

	return vrrp_ha_master_addr(r->h, &m) && addr_eq(&m, src);
}

/* May src be the answerer of our draft request (which has no request id,
 * so its answer cannot be told from a forgery)? The master we follow; when
 * we follow none (we are the master, or its first advert is still to
 * come), only a router heard advertising: a host that never advertised
 * is no master that could answer. */
static bool legacy_answerer(struct repl *r, const struct in6_addr *src)
{
	struct vrrp_ha_peer_info p[VRRP_HA_PEERS_MAX];
	struct in6_addr m;
	size_t n;

	if (vrrp_ha_master_addr(r->h, &m))
		return addr_eq(&m, src);
	n = vrrp_ha_peers(r->h, p, VRRP_HA_PEERS_MAX);
	for (size_t i = 0; i < n; i++)
		if (p[i].adverts && addr_eq(&p[i].addr, src))
			return true;
	return false;
}

void fetch_on_sync(struct repl *r, const struct in6_addr *src, const struct vrrp_ha_ext_sync *s,
                   const struct vrrp_ha_ext_digest *proofs, unsigned nproofs, uint64_t now)
{
	struct fetch *f = &r->f;

	if (s->table_kind != VRRP_HA_EXT_K_MIPV6)
		return;
	if (s->phase == VRRP_HA_EXT_SYNC_START) {
		bool ours = f->active && !f->passive && s->req_id && s->req_id == f->req_id &&
		            (!f->named || addr_eq(src, &f->responder));
		/* a draft BC_REQUEST has no id: the framed answer to it has 0 */
		bool legacy = f->active && f->legacy && !s->req_id && legacy_answerer(r, src);

		if (ours || legacy) {
			if (legacy)
				f->req_id = 0; /* its END carries 0 too */
			f->source = *src;
			f->have_source = true;
			f->started = true;
			f->legacy = false;
			f->last_rx = now;
			begin_marks(r);
			return;
		}
		/* a master that yielded merges its table into ours (split
		 * brain); taken while it lasts, at most MERGE_MS */
		if ((s->flags & VRRP_HA_EXT_SYNC_MERGE) &&
		    vrrp_ha_get_state(r->h) == VRRP_HA_ST_MASTER) {
			char a[INET6_ADDRSTRLEN];

			r->merge_src = *src;
			r->merge_until = now + MERGE_MS;
			repl_cnt(r)->sync_merges++;
			vrrp_ha_logf(r->h, LOG_INFO,
			             "split brain over: merging the table of %s (%" PRIu32
			             " bindings; the higher sequence wins)",
			             fmt_addr(src, a, sizeof(a)), s->records);
			return;
		}
		/* unsolicited (takeover push, refresh) from the master we follow:
		 * a passive fetch, so its END can sweep what it lacks */
		if (s->req_id || !(s->flags & VRRP_HA_EXT_SYNC_FULL) || !from_master(r, src) ||
		    (f->active && !f->passive) || vrrp_ha_get_state(r->h) != VRRP_HA_ST_BACKUP)
			return;
		reset(f);
		f->active = f->passive = true;
		f->what = VRRP_HA_EXT_REQ_RECORDS;
		f->full = true;
		memset(f->want, 0xff, sizeof(f->want));
		f->source = *src;
		f->have_source = f->started = true;
		f->begin_ms = f->last_rx = now;
		f->deadline = now + backoff_ms(r, 1);
		f->why = "push";
		begin_marks(r);
		return;
	}
	/* END */
	if (repl_merging(r, src, now)) {
		r->merge_until = 0;
		return;
	}
	if (!f->active || !f->started || !addr_eq(src, &f->source) ||
	    s->req_id != (f->passive ? 0 : f->req_id))
		return;
	f->last_rx = now;
	if (f->what == VRRP_HA_EXT_REQ_RECORDS)
		check_proofs(r, proofs, nproofs, now);
	else
		digests_done(r, now);
}

void fetch_on_digest(struct repl *r, const struct in6_addr *src, const struct vrrp_ha_ext_digest *d,
                     unsigned n, bool in_answer, uint64_t now)
{
	struct fetch *f = &r->f;
	struct vrrp_ha_rbc *t = target(r);
	const struct vrrp_ha_ext_digest *total = NULL;
	bucket_map off = {0};
	uint32_t c;
	uint64_t s;

	(void)in_answer;
	if (f->active && f->started && f->what == VRRP_HA_EXT_REQ_DIGESTS &&
	    addr_eq(src, &f->source)) {
		f->last_rx = now;
		for (unsigned i = 0; i < n; i++)
			check_digest(r, &d[i]);
		return;
	}
	/* the periodic anti-entropy digest of the master we follow */
	if (f->active || vrrp_ha_get_state(r->h) != VRRP_HA_ST_BACKUP || !from_master(r, src))
		return;
	for (unsigned i = 0; i < n; i++)
		if (d[i].first == 0 && d[i].n == NBUCKETS)
			total = &d[i];
	if (!total)
		return;
	repl_cnt(r)->digests_checked++;
	repl_digest_total(t, &c, &s);
	if (same(c, s, total)) {
		if (f->diverged) {
			f->diverged = false;
			vrrp_ha_logf(r->h, LOG_INFO, "table matches the master's digest again");
		}
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		if (d[i].n == NBUCKETS)
			continue;
		repl_range_digest(t, d[i].first, d[i].n, false, &c, &s);
		if (!same(c, s, &d[i]))
			bmap_fill_range(off, d[i].first, d[i].n);
	}
	if (bmap_empty(off))
		memset(off, 0xff, sizeof(off)); /* only the total differs: ask for all */
	repl_cnt(r)->digest_mismatches++;
	if (r->left_master_ms && now - r->left_master_ms < MERGE_WINDOW_MS && !r->merge_sent) {
		/* we were master until just now and our table differs from the
		 * winner's: two masters (split brain). First our table goes to
		 * the winner, which merges it; the repair comes after (the next
		 * digest), so it cannot overwrite what we still have to send. */
		char a[INET6_ADDRSTRLEN];

		r->merge_sent = true;
		vrrp_ha_logf(r->h, LOG_WARNING,
		             "table differs from the new master %s's just after we left MASTER "
		             "(split brain?): sending it our %zu bindings to merge",
		             fmt_addr(src, a, sizeof(a)), rbc_count(t));
		answer_merge(r, src);
		return;
	}
	if (answer_busy(r))
		return; /* our merge is still going out */
	{
		char a[INET6_ADDRSTRLEN];
		uint64_t sup;

		if (vrrp_ha_ratelog_ok(r->h, &r->rl_sync, &sup))
			vrrp_ha_logf(r->h, LOG_INFO,
			             "table differs from the master's digest (%zu here, %" PRIu32
			             " there): repairing from %s (%" PRIu64 " more suppressed)",
			             rbc_count(t), total->count, fmt_addr(src, a, sizeof(a)), sup);
	}
	begin_repair(r, off, src, now);
}

void fetch_on_table(struct repl *r, const struct in6_addr *src, const struct vrrp_ha_ext_table *t)
{
	struct fetch *f = &r->f;
	unsigned i;

	if (!f->active || t->table_kind != VRRP_HA_EXT_K_MIPV6 ||
	    addr_eq(src, &repl_cfg(r)->own_ll))
		return;
	for (i = 0; i < f->ncands; i++)
		if (addr_eq(&f->cands[i].addr, src))
			break;
	if (i == f->ncands) {
		if (f->ncands >= MAX_CANDS)
			return;
		f->ncands++;
	}
	f->cands[i].addr = *src;
	f->cands[i].t = *t;
}

/* Deterministic choice among the peers that answered: a table in sync
 * first, then the larger, then a master, then the higher priority, then
 * the higher address. */
static bool better(const struct cand *a, const struct cand *b)
{
	bool ai = a->t.sync_state == VRRP_HA_SYNC_IN_SYNC,
	     bi = b->t.sync_state == VRRP_HA_SYNC_IN_SYNC;

	if (ai != bi)
		return ai;
	if (a->t.count != b->t.count)
		return a->t.count > b->t.count;
	if ((a->t.vrrp_state == VRRP_HA_ST_MASTER) != (b->t.vrrp_state == VRRP_HA_ST_MASTER))
		return a->t.vrrp_state == VRRP_HA_ST_MASTER;
	if (a->t.priority != b->t.priority)
		return a->t.priority > b->t.priority;
	return memcmp(&a->addr, &b->addr, sizeof(a->addr)) > 0;
}

static bool ask_best(struct repl *r, uint64_t now)
{
	struct fetch *f = &r->f;
	const struct cand *best = NULL;
	char a[INET6_ADDRSTRLEN];

	if (cands_all_empty(f)) {
		/* nobody holds anything: there is nothing to fetch */
		vrrp_ha_logf(r->h, LOG_INFO,
		             "no answer from the master, and the %u peers that "
		             "told their tables hold none: nothing to fetch",
		             f->ncands);
		done_ok(r, true, now);
		return true;
	}

	for (unsigned i = 0; i < f->ncands; i++)
		if (!best || better(&f->cands[i], best))
			best = &f->cands[i];
	if (!best || (f->named && addr_eq(&f->responder, &best->addr)))
		return false;
	vrrp_ha_logf(r->h, LOG_INFO,
	             "no answer from the master: asking %s (%" PRIu32 " bindings, %s, priority %u)",
	             fmt_addr(&best->addr, a, sizeof(a)), best->t.count,
	             vrrp_ha_sync_state_name((enum vrrp_ha_sync_state)best->t.sync_state),
	             best->t.priority);
	repl_cnt(r)->sync_asked_peer++;
	f->named = true;
	f->responder = best->addr;
	f->legacy = false;
	ask(r, VRRP_HA_EXT_REQ_RECORDS, NULL, now);
	return true;
}

/* ---- records ------------------------------------------------------------ */

bool fetch_hears(struct repl *r, const struct in6_addr *src, bool *source)
{
	struct fetch *f = &r->f;
	struct in6_addr m;
	bool master_known;

	*source = false;
	if (f->active && f->have_source && addr_eq(src, &f->source)) {
		*source = f->started;
		return true;
	}
	master_known = vrrp_ha_master_addr(r->h, &m);
	if (master_known && !addr_eq(src, &m))
		return false;
	/* just synced from a node whose advert we have not heard yet (a new
	 * backup hears the master's first advert up to advert_int after it
	 * started): its changes are taken until a master is followed */
	if (!master_known && r->last_source_ok && addr_eq(src, &r->last_source) &&
	    vrrp_ha_get_state(r->h) == VRRP_HA_ST_BACKUP)
		return true;
	/* the answer to our draft request (from the master, or from the
	 * first router heard advertising to answer when none is followed yet) */
	if (f->active && f->legacy && !f->have_source && legacy_answerer(r, src)) {
		f->source = *src;
		f->have_source = f->started = true;
		f->last_rx = vrrp_ha_now(r->h);
		begin_marks(r);
		*source = true;
		return true;
	}
	return master_known;
}

/* A record from the node answering our fetch, applied with res: counted
 * and marked (buckets asked in this round only). */
static void source_record(struct repl *r, struct vrrp_ha_rbc *t, const struct vrrp_ha_binding *b,
                          unsigned bucket, enum rbc_result res, uint64_t now)
{
	struct fetch *f = &r->f;

	if (!f->active || !f->started || !bmap_test(f->want, bucket))
		return;
	f->records++;
	f->last_rx = now;
	if (res == RBC_ADDED || res == RBC_UPDATED || res == RBC_DELETED)
		bmap_set(f->changed, bucket);
	if (b->lifetime && f->what == VRRP_HA_EXT_REQ_RECORDS)
		rbc_mark(t, &b->hoa, now);
}

enum rbc_result fetch_apply(struct repl *r, struct vrrp_ha_rbc *t, const struct vrrp_ha_binding *b,
                            const uint8_t *opts, size_t optlen, bool from_source, uint64_t now)
{
	struct fetch *f = &r->f;
	unsigned bucket = rbc_bucket_of(&b->hoa);
	enum rbc_result res;

	/* the node answering our fetch is the reference: its record replaces
	 * ours even when ours looks newer (docs/sync.md); an owner merges, and
	 * a draft-deng answer (no framing, no proof) keeps the draft's rules */
	if (((from_source && f->active && f->started && !f->legacy && bmap_test(f->want, bucket)) ||
	     r->rx_reference) &&
	    !vrrp_ha_is_owner(r->h)) {
		bool overrode = false;

		res = optlen ? rbc_apply_sync_opts(t, b, opts, optlen, now, &overrode)
		             : rbc_apply_sync(t, b, now, &overrode);
		if (overrode)
			repl_cnt(r)->sync_overrides++;
	} else {
		res = optlen ? rbc_apply_opts(t, b, opts, optlen, now) : rbc_apply(t, b, now);
	}
	if (from_source)
		source_record(r, t, b, bucket, res, now);
	/* a binding that arrives (from anyone) in a bucket already proven and
	 * waiting for the sweep at the end of the fetch is a change made since
	 * the proof: it is marked, so the sweep keeps it */
	if (f->active && b->lifetime && bmap_test(f->sweep, bucket))
		rbc_mark(t, &b->hoa, now);
	return res;
}

/* ---- timer -------------------------------------------------------------- */

static void on_swept(void *arg, const struct rbc_view *v)
{
	struct repl *r = arg;

	r->f.swept++;
	repl_cnt(r)->sync_swept++;
	vrrp_ha_emit_binding(r->h, VRRP_HA_E_DELETED, VRRP_HA_T_RBC, VRRP_HA_O_PEER, v);
}

void fetch_timer(struct repl *r, uint64_t now, uint64_t *next)
{
	struct fetch *f = &r->f;

	if (f->sweeping) {
		if (!f->sweep_pmip) {
			rbc_sweep_step(target(r), f->sweep, &f->sweep_cursor, SWEEP_BUDGET, now,
			               on_swept, r);
			f->sweep_pmip = !f->sweep_cursor;
			f->sweep_cursor_pmip = 0;
			vrrp_ha_arm_us(r->h, 0);
			return;
		}
		/* then the PMIPv6 records of the same buckets (repl/pmip.c) */
		f->swept += repl_pmip_sweep_step(r, target(r), f->sweep, &f->sweep_cursor_pmip,
		                                 SWEEP_BUDGET, now);
		if (f->sweep_cursor_pmip) {
			vrrp_ha_arm_us(r->h, 0);
			return;
		}
		f->sweep_pmip = false;
		f->sweeping = false;
		memset(f->sweep, 0, sizeof(f->sweep));
		done_ok(r, true, now);
		return;
	}
	if (!f->active)
		return;
	if (now >= f->deadline) {
		uint64_t quiet = repl_cfg(r)->request_timeout_ms;

		if (f->started && now - f->last_rx < 2 * quiet) {
			/* the answer is flowing: wait for its END */
			f->deadline = f->last_rx + 2 * quiet;
		} else if (f->passive) {
			f->active = false; /* its END was lost: the digest repairs */
			return;
		} else if (f->legacy && f->started) {
			/* a draft-deng master: no END ever comes; quiet means done */
			done_ok(r, false, now);
			return;
		} else if (!f->started && f->ncands && !f->named && ask_best(r, now)) {
			/* the master did not answer but peers told us their tables */
		} else if (f->tries <= repl_cfg(r)->request_retries) {
			if (f->started) {
				/* the answer stopped before its END: ask again */
				f->started = false;
			}
			send_current(r, now);
		} else if (!f->named && f->ncands && ask_best(r, now)) {
		} else {
			give_up(r, f->started ? "answer incomplete" : "no answer", now);
			return;
		}
	}
	if (f->active && f->deadline < *next)
		*next = f->deadline;
}
