/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * repl_int.h - the replication engine's shared state. Three files share it:
 *   repl.c    the module: per-state rules, receive checks and dispatch,
 *             the paced sender, incremental changes;
 *   answer.c  the serving side: requests queued per sender and rate
 *             limited, framed answers (START, records, END with digests),
 *             digest answers, the periodic anti-entropy digest;
 *   fetch.c   the asking side: our requests with back-off, who to ask when
 *             the master does not answer, marks, proofs, sweeps and the
 *             repair rounds that make a table provably complete.
 * Wire: docs/protocol.md "Framed sync"; behaviour: docs/sync.md.
 */
#ifndef VRRP_HA_REPL_INT_H
#define VRRP_HA_REPL_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/internal.h"
#include "vrrp_ha/ext.h"
#include "vrrp_ha/switch.h"
#include "vrrp_ha/magsw.h"
#include "vrrp_ha/resync.h"

#define NBUCKETS   VRRP_HA_EXT_BUCKETS
#define BMAP_WORDS (NBUCKETS / 64)
typedef uint64_t bucket_map[BMAP_WORDS];

/* Ranges one REQUEST (and one END's proofs) carries. */
#define MAX_RANGES 32
/* Requests waiting to be served. */
#define ANSWER_QUEUE 4
/* Senders whose request rate is tracked. */
#define RATE_SLOTS 16
/* Peers a requester remembers from TABLE answers. */
#define MAX_CANDS 8
/* Packets staged per burst step: a draft BC_UPDATE and up to seven
 * extension messages (NEW copies, bindings with options, the framing). */
#define NOUT 8
/* Records a step takes while the table holds options (each may need an
 * extension message of its own; one slot stays for the framing). */
#define OPT_STEP_RECS (NOUT - 2)

/* Why a whole-table walk runs (the SYNC_* events' detail). */
enum full_kind { FULL_ANSWER, FULL_TAKEOVER, FULL_REFRESH, FULL_MERGE };
extern const char *const repl_full_names[];

/* One packet waiting to leave (the kernel may refuse it for now). */
struct outpkt {
	uint8_t *buf;
	size_t cap, len;
	unsigned recs;
	bool ext;
	bool unicast; /* to dst (ops->send_to), else the group */
	struct in6_addr dst;
};

/* One request being served (answer.c). */
struct answer {
	bool framed; /* START / END (extensions), else a draft-deng walk */
	uint32_t req_id;
	uint8_t what;   /* VRRP_HA_EXT_REQ_* */
	uint16_t flags; /* VRRP_HA_EXT_SYNC_FULL */
	bool unicast;
	struct in6_addr to;
	bucket_map want;
	struct vrrp_ha_ext_range ranges[MAX_RANGES];
	unsigned nranges;
	enum full_kind kind;
	int phase; /* ANS_* */
	uint64_t cursor;
	uint64_t start_ms, records;
	/* framed: the MIPv6 records first, then the PMIPv6 ones (pmip.c) */
	bool pmip_phase;
	uint64_t pcursor;
	/* a draft walk joined by a later request goes round once more */
	bool wrap, wrapped;
	uint64_t stop_at;
};
enum { ANS_START, ANS_WALK, ANS_END, ANS_DONE };

/* Request rate per sender: a token bucket. */
struct rate_slot {
	struct in6_addr src;
	bool used;
	uint64_t last_ms;
	uint32_t tokens_x1000;
};

/* A peer that answered our CAPS solicit with its TABLE. */
struct cand {
	struct in6_addr addr;
	struct vrrp_ha_ext_table t;
};

/* The asking side (fetch.c). */
struct fetch {
	bool active;
	bool passive; /* an unsolicited framed sync (takeover, refresh) */
	bool legacy;  /* a draft BC_REQUEST: the answer may come unframed */
	uint32_t req_id, next_id;
	uint8_t what; /* VRRP_HA_EXT_REQ_* of the current request */
	bool full;
	bucket_map want;
	struct vrrp_ha_ext_range ranges[MAX_RANGES];
	unsigned nranges;
	bool named; /* asked responder, not the master */
	struct in6_addr responder;
	bool have_source; /* who answers */
	struct in6_addr source;
	bool started; /* START seen */
	unsigned tries, rounds;
	uint64_t deadline, last_rx, begin_ms, round_ms;
	uint64_t records;
	bucket_map pending;  /* this round's buckets past the MAX_RANGES ranges of
	                      * the request: asked next, in the same round */
	bucket_map redo;     /* records round: failed proofs, checked once the
	                      * pending buckets were asked too */
	bucket_map dirty;    /* buckets to fetch next */
	bucket_map answered; /* DIGESTS round: buckets a digest came for */
	bucket_map changed;  /* buckets a record of this fetch changed */
	bucket_map refetched;
	bool soliciting;
	struct cand cands[MAX_CANDS];
	unsigned ncands;
	bool sweeping;
	bucket_map sweep;
	uint64_t sweep_cursor;
	bool sweep_pmip; /* the MIPv6 kind is swept, the PMIPv6 one under way */
	uint64_t sweep_cursor_pmip;
	uint64_t swept;
	bool diverged; /* the last fetch ended without a proof */
	const char *why;
};

/* Standbys that answered a Hello Request (switch.c). */
#define SW_MAX_CANDS 8

struct sw_counters {
	uint64_t tx[VRRP_HA_SW_OP_MAX + 1]; /* per op */
	uint64_t rx[VRRP_HA_SW_OP_MAX + 1];
	uint64_t rx_unauthenticated; /* auth off: switch messages are never taken */
	uint64_t rx_not_for_us;      /* target is another HA */
	uint64_t rx_not_master;      /* a SwitchBack / Hello Request not from our master */
	uint64_t rx_unexpected;      /* a reply / Hello nobody here waits for */
	uint64_t rx_rate_limited;
	uint64_t accepted;  /* requests answered 0 */
	uint64_t refused;   /* requests answered >= 128 */
	uint64_t took_over; /* ops->become_master after a consent */
	uint64_t gave_way;  /* left MASTER while handing over */
	uint64_t done;      /* switches started here that succeeded */
	uint64_t failed;    /* ... that did not */
	uint64_t timeouts;
	uint64_t track_triggers; /* switchbacks started by a priority drop */
};

/* The switch engine (switch.c, docs/harp.md). */
struct repl_switch {
	/* a switch started here */
	int phase;  /* SWP_* */
	uint8_t op; /* the request we send */
	uint32_t id, next_id;
	bool peer_given;
	struct in6_addr peer;
	uint64_t deadline, next_tx;
	unsigned tries;
	vrrp_ha_switch_done_fn fn;
	void *arg;
	const char *why;
	struct vrrp_ha_ext_switch cands[SW_MAX_CANDS];
	struct in6_addr cand_addr[SW_MAX_CANDS];
	unsigned ncands;
	unsigned last_refusal; /* status of the last refusing reply */
	/* taking over: a peer consented; we wait for its lowered advert */
	bool take;
	struct in6_addr take_from;
	uint64_t take_since, take_until;
	/* giving way: we hold below the peer until we leave MASTER */
	bool give;
	struct in6_addr give_to;
	uint64_t give_until;
	/* the last request we answered: a retransmit gets the same answer */
	struct in6_addr ans_from;
	uint32_t ans_id;
	uint8_t ans_op;
	uint16_t ans_status;
	bool answered;
	/* the host's priority (track weights) and the trigger's edge */
	unsigned tracked;
	bool track_low;
	unsigned last_status;
	bool have_last;
	struct sw_counters cnt;
};

/* Per-MAG takeover (magsw.c, magsw.h) */
enum { MSP_NONE, MSP_ASKING, MSP_TAKEN, MSP_GIVEN, MSP_RETURNING };
struct magsw_ent {
	int phase; /* MSP_*; NONE: free */
	bool taker;
	int back_from; /* RETURNING: the phase to go back to on a refusal */
	struct in6_addr mag, peer;
	uint32_t id; /* of the request in flight (0: none) */
	uint64_t next_tx, deadline, since_ms, last_seen;
	unsigned tries, last_refusal;
	vrrp_ha_magsw_done_fn fn;
	void *arg;
};
#define MAGSW_ANS_CACHE 16
struct magsw_ans {
	bool used;
	struct in6_addr src, mag;
	uint32_t id;
	uint8_t op, status;
};
struct magsw_counters {
	uint64_t tx[VRRP_HA_MAGSW_OP_MAX + 1], rx[VRRP_HA_MAGSW_OP_MAX + 1];
	uint64_t rx_unauthenticated, rx_unexpected, rx_rate_limited;
	uint64_t accepted, refused; /* requests answered 0 / >= 128 */
	uint64_t given, taken, returned, expired;
	uint64_t refreshes, refreshed, refresh_refused;
	uint64_t done, failed, timeouts; /* what was started here */
};
struct repl_magsw {
	struct magsw_ent e[VRRP_HA_MAGSW_MAX];
	struct magsw_ans ans[MAGSW_ANS_CACHE];
	unsigned ans_next;
	uint32_t next_id;
	struct magsw_counters cnt;
};

/* State Synchronization Requests (resync.c) */
#define RESYNC_SLOTS 4
struct resync_req {
	bool used;
	bool autoreq; /* asked on our own (a stale record from the master) */
	uint32_t id;
	struct in6_addr to; /* the master asked */
	uint64_t deadline;
	unsigned tries;
	unsigned n, left;
	struct in6_addr keys[VRRP_HA_EXT_MAX_KEYS];
	uint8_t st[VRRP_HA_EXT_MAX_KEYS]; /* enum vrrp_ha_resync_status */
	vrrp_ha_resync_cb cb;
	void *arg;
};
struct resync_counters {
	uint64_t sent;     /* requests sent (retries included) */
	uint64_t answered; /* requests every key of which was answered */
	uint64_t timeouts; /* requests given up */
	uint64_t keys_present;
	uint64_t keys_none;   /* "no such binding" answers */
	uint64_t dropped;     /* our bindings dropped on a "no such binding" */
	uint64_t auto_asked;  /* keys asked on our own (stale records) */
	uint64_t auto_over;   /* keys not asked: over the automatic rate */
	uint64_t served;      /* requests answered */
	uint64_t served_keys; /* keys in them */
	uint64_t unmatched;   /* answers to no request of ours */
};
struct resync {
	struct resync_req q[RESYNC_SLOTS];
	struct in6_addr pend[VRRP_HA_EXT_MAX_KEYS]; /* automatic keys to ask */
	unsigned npend;
	uint64_t auto_next_ms; /* at most one automatic request a second */
	struct resync_counters cnt;
};

/* PMIPv6 records in the replication (pmip.c), sync group "pmip_*". */
struct pmip_counters {
	uint64_t tx;         /* records sent */
	uint64_t tx_no_ext;  /* changes not sent: extensions off (no draft format) */
	uint64_t tx_errors;  /* records that could not be encoded or staged */
	uint64_t rx;         /* records taken to the table */
	uint64_t rx_stale;   /* older timestamp than the entry or its tombstone */
	uint64_t rx_invalid; /* out of this node's range (MN-ID, HNPs, options) */
};
struct vrrp_ha_pmip;

struct repl {
	struct vrrp_ha *h;
	struct vrrp_ha_auth *auth; /* the handle (also when auth is off) */
	bool auth_on;              /* messages are protected */
	bool auth_broken;          /* auth configured, keys not loaded: no sync at all */
	uint64_t left_master_ms;   /* when we last left MASTER (0 = never master) */

	/* serving */
	struct answer ans[ANSWER_QUEUE];
	unsigned nans;
	struct rate_slot rate[RATE_SLOTS];
	uint64_t full_tokens_ms, full_budget_ms; /* whole-table answers' bucket */
	uint64_t next_refresh_ms, next_digest_ms;
	bool push_pending; /* a new master's push waits for its own fetch */
	/* split brain (docs/sync.md): a master that yielded sends its table
	 * once to the winner, which merges it (higher sequence wins) */
	bool merge_sent;
	struct in6_addr merge_src; /* master: the yielded master merging into us */
	uint64_t merge_until;

	/* asking */
	struct fetch f;
	bool last_source_ok; /* the node our last fetch completed from */
	struct in6_addr last_source;

	/* incremental changes are held coalesce_ms before sending */
	uint64_t dirty_since;

	/* what a burst sends */
	struct outpkt out[NOUT];
	unsigned pending_tries;
	struct vrrp_ha_binding *recs;
	unsigned recs_per_pkt;
	unsigned new_per_pkt; /* NEW bindings one extension message holds */
	uint8_t *scratch;     /* plaintext of a message before protection */
	uint8_t *sealbuf;     /* a message sent at once, protected */
	size_t scratch_cap;   /* of both */

	/* extensions: a peer sent us CAPS (auto mode turns them on) */
	bool peer_ext;
	uint64_t caps_answered_ms;
	bool caps_answer_due;
	struct vrrp_ha_ext_stats xst;

	struct resync rs;
	bool rx_reference; /* records being applied answer our resync: reference */
	bool rx_in_ext;    /* records being applied come from an extension message */

	struct vrrp_ha_ratelog rl[VRRP_HA_R__COUNT];
	struct vrrp_ha_ratelog rl_misc, rl_sync;

	struct repl_switch sw;
	struct repl_magsw ms;

	/* PMIPv6 (pmip.c): a record taken dirty that did not fit the last
	 * message goes first in the next */
	struct vrrp_ha_pmip *pmip_held;
	bool pmip_held_ok;
	struct pmip_counters pcnt;
};

/* ---- pmip.c ---- */
/* PMIPv6 changes waiting in the sending table. */
size_t repl_pmip_dirty(struct repl *r);
/* Drop t's queued PMIPv6 changes. */
void repl_pmip_clear(struct repl *r, struct vrrp_ha_rbc *t);
/* One extension message of PMIPv6 changes staged (extensions off: dropped,
 * counted). Returns: records staged. */
size_t repl_pmip_stage(struct repl *r, uint64_t now);
/* A peer's PMIPV6 record into t (the gate chose t), with its event. */
void repl_pmip_rx(struct repl *r, struct vrrp_ha_rbc *t, enum vrrp_ha_table tid, bool restore,
                  const struct vrrp_ha_ext_pmipv6 *e, bool from_source, uint64_t now);
int repl_pmip_register(struct repl *r, struct vrrp_ha_counters_reg *reg);
/* One step of a framed answer's PMIPv6 walk over the buckets a asks for
 * (one extension message). Returns: records staged; *done at the end. */
size_t repl_pmip_answer_step(struct repl *r, struct answer *a, uint64_t now, bool *done);
/* A PMIPv6 sweep step over the buckets of bitmap, as store_sweep_step(),
 * with a DELETE event per record. Returns: entries deleted. */
size_t repl_pmip_sweep_step(struct repl *r, struct vrrp_ha_rbc *t, const uint64_t *bitmap,
                            uint64_t *cursor, size_t budget, uint64_t now);

/* The replicated table's digests, counts and marks cover every kind it
 * replicates (MIPv6 and PMIPv6 records, docs/pmipv6.md): the version
 * hashes of both kinds summed per bucket (they hash the kind in). */
void repl_digest_bucket(struct vrrp_ha_rbc *t, unsigned b, bool marked, uint32_t *count,
                        uint64_t *sum);
void repl_digest_group(struct vrrp_ha_rbc *t, unsigned g, uint32_t *count, uint64_t *sum);
void repl_digest_total(struct vrrp_ha_rbc *t, uint32_t *count, uint64_t *sum);
size_t repl_table_count(struct vrrp_ha_rbc *t);
void repl_mark_begin(struct vrrp_ha_rbc *t, const uint64_t *bitmap);
void repl_pmip_free(struct repl *r);

static inline const struct vrrp_ha_config *repl_cfg(const struct repl *r)
{
	return vrrp_ha_config(r->h);
}

static inline struct vrrp_ha_counters *repl_cnt(struct repl *r)
{
	return vrrp_ha_cnt(r->h);
}

static inline void bmap_set(uint64_t *m, unsigned b)
{
	m[b / 64] |= UINT64_C(1) << (b % 64);
}

static inline bool bmap_test(const uint64_t *m, unsigned b)
{
	return m[b / 64] >> (b % 64) & 1;
}

bool bmap_empty(const uint64_t *m);
void bmap_fill_range(uint64_t *m, unsigned first, unsigned n);
/* The runs of set bits of m as at most max ranges (the first max runs).
 * Returns: ranges written. */
unsigned bmap_ranges(const uint64_t *m, struct vrrp_ha_ext_range *out, unsigned max);
bool addr_eq(const struct in6_addr *a, const struct in6_addr *b);
void repl_range_digest(struct vrrp_ha_rbc *t, unsigned first, unsigned n, bool marked,
                       uint32_t *count, uint64_t *sum);
bool addr_is_ll(const struct in6_addr *a);

/* repl.c */
bool repl_ext_active(const struct repl *r);
/* Send one message now (auth applied) to the group or, unicast, to dst. */
int repl_send_now(struct repl *r, const uint8_t *pkt, size_t len, const struct in6_addr *dst);
/* Start an extension message in the scratch buffer: room for the AUTH
 * overhead is kept. */
int repl_ext_begin(struct repl *r, struct vrrp_ha_ext_wr *x);
/* Stage r->recs[0..n) (draft BC_UPDATE, or extension records with auth)
 * into the out slots, to dst if unicast. Returns: records staged. */
size_t repl_stage_records(struct repl *r, size_t n, bool unicast, const struct in6_addr *dst);
/* Records one burst step may take from the table: recs_per_pkt, fewer
 * while bindings carry options. */
size_t repl_step_recs(struct repl *r);
/* Stage one finished extension message (in scratch) into the next free out
 * slot. Returns: 0, or -1 when no slot is free. */
int repl_stage_ext(struct repl *r, size_t len, unsigned recs, bool unicast,
                   const struct in6_addr *dst);
bool repl_pending(const struct repl *r);
void repl_sync_event(struct repl *r, enum vrrp_ha_event_type type, const char *detail,
                     uint64_t count, uint64_t duration_ms);
void repl_send_caps(struct repl *r, bool solicit);
void repl_send_draft_request(struct repl *r);
bool repl_can_serve(const struct repl *r, uint64_t now);
/* The table peers' records go to in this state, and whether they are a
 * restore (owner). */
struct vrrp_ha_rbc *repl_rx_table(struct repl *r, bool *restore, enum vrrp_ha_table *tid);

/* answer.c */
void answer_request(struct repl *r, const struct in6_addr *src, const struct vrrp_ha_ext_request *q,
                    const struct vrrp_ha_ext_range *ranges, unsigned nranges, uint64_t now);
void answer_draft_request(struct repl *r, const struct in6_addr *src, uint64_t now);
void answer_push(struct repl *r, enum full_kind kind);
/* Our whole table, tombstones included, to the master that won (MERGE). */
void answer_merge(struct repl *r, const struct in6_addr *to);
/* One step of the serving side into the out slots. Returns: true if it
 * staged something. */
bool answer_step(struct repl *r, uint64_t now);
bool answer_busy(const struct repl *r);
/* ms until the head answer, a whole-table answer to a request, has its
 * token (0: it may go now): it waits without being stepped */
uint64_t answer_wait_ms(const struct repl *r, uint64_t now);
void answer_reset(struct repl *r);
size_t answer_backlog(const struct repl *r);
/* The periodic anti-entropy digest, when due. */
void answer_digest_tick(struct repl *r, uint64_t now, uint64_t *next);
/* Append our TABLE record (CAPS answers). */
int answer_put_table(struct repl *r, struct vrrp_ha_ext_wr *x);
/* Is a request from src within its rate? (consumes a token) */
bool answer_rate_ok(struct repl *r, const struct in6_addr *src, uint64_t now);
/* Count (rate_limited) and log a request over its sender's rate. */
void answer_rate_drop(struct repl *r, const struct in6_addr *src);

/* resync.c: State Synchronization Requests (resync.h) */
int resync_register_counters(struct repl *r, struct vrrp_ha_counters_reg *reg);
/* A REQUEST for KEYS from src: answered (rate limited) with their records
 * or "no such binding". */
void resync_on_request(struct repl *r, const struct in6_addr *src,
                       const struct vrrp_ha_ext_request *q, const struct in6_addr *keys,
                       unsigned nkeys, bool over, uint64_t now);
/* Is SYNC s (phase KEYS) from src the answer to a request of ours? */
bool resync_is_answer(const struct repl *r, const struct in6_addr *src,
                      const struct vrrp_ha_ext_sync *s);
/* The keys an answer message carried: present (records applied to t) and
 * none (the sender holds nothing: ours are dropped from t). */
void resync_on_answer(struct repl *r, const struct in6_addr *src, uint32_t id,
                      const struct in6_addr *present, unsigned np, const struct in6_addr *none,
                      unsigned nn, struct vrrp_ha_rbc *t, enum vrrp_ha_table tid, uint64_t now);
/* A record from the master we follow was refused as stale: ask for it. */
void resync_on_stale(struct repl *r, const struct in6_addr *hoa, uint64_t now);
/* Retries, timeouts, automatic requests. */
void resync_timer(struct repl *r, uint64_t now, uint64_t *next);
/* Give up every request (state change, reset): callbacks get -ETIMEDOUT. */
void resync_reset(struct repl *r);

/* While our own framed fetch runs, our table is not offered as the
 * reference (no push, refresh or digest): its END would let backups sweep
 * what it still lacks. */
bool repl_fetch_blocks_push(const struct repl *r);
/* A fetch ended (complete or given up): a master's deferred push goes. */
void repl_fetch_ended(struct repl *r);

/* fetch.c */
void fetch_begin(struct repl *r, const char *why);
void fetch_stop(struct repl *r);
/* Compare every bucket with master's (a digest repair round), unless a
 * fetch runs: a switch found our table differs. */
void fetch_check(struct repl *r, const struct in6_addr *master, const char *why);
void fetch_on_master(struct repl *r);
void fetch_timer(struct repl *r, uint64_t now, uint64_t *next);
/* May records from src be taken now? sets *source if src answers our fetch. */
bool fetch_hears(struct repl *r, const struct in6_addr *src, bool *source);
/* A master merging the table of src (split brain)? */
bool repl_merging(const struct repl *r, const struct in6_addr *src, uint64_t now);
void fetch_on_sync(struct repl *r, const struct in6_addr *src, const struct vrrp_ha_ext_sync *s,
                   const struct vrrp_ha_ext_digest *proofs, unsigned nproofs, uint64_t now);
void fetch_on_digest(struct repl *r, const struct in6_addr *src, const struct vrrp_ha_ext_digest *d,
                     unsigned n, bool in_answer, uint64_t now);
void fetch_on_table(struct repl *r, const struct in6_addr *src, const struct vrrp_ha_ext_table *t);
/* Apply a peer's record the way the fetch wants it (counted and marked
 * when from_source). */
enum rbc_result fetch_apply(struct repl *r, struct vrrp_ha_rbc *t, const struct vrrp_ha_binding *b,
                            const uint8_t *opts, size_t optlen, bool from_source, uint64_t now);
enum vrrp_ha_sync_state fetch_state(const struct repl *r);

/* switch.c */
int switch_init(struct repl *r, struct vrrp_ha_counters_reg *reg);
void switch_rx(struct repl *r, const struct in6_addr *src, const struct vrrp_ha_ext_switch *m,
               uint64_t now);
void switch_on_state(struct repl *r, enum vrrp_ha_state prev, enum vrrp_ha_state s);
void switch_timer(struct repl *r, uint64_t now, uint64_t *next);

/* magsw.c */
int magsw_init(struct repl *r, struct vrrp_ha_counters_reg *reg);
void magsw_rx(struct repl *r, const struct in6_addr *src, const struct vrrp_ha_ext_magsw *q,
              uint64_t now);
void magsw_timer(struct repl *r, uint64_t now, uint64_t *next);
void magsw_stop(struct repl *r);

#endif
