/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rbc.h - binding table: the Redundancy Binding Cache of draft-deng
 * section 5 (and, with the same structure, the master's copy of the
 * mobility daemon's binding cache).
 *
 * Keyed by Home Address, O(1) lookup (open addressing over a slab of
 * fixed-size entries addressed by index, so growth never invalidates a
 * cursor; the index grows in small steps, see rbc_maintain(), and the slab
 * and the expiry heap a fixed-size chunk at a time, never copied, so no
 * call stalls on a big reallocation). Lifetimes count down against a
 * caller-supplied monotonic clock in milliseconds; an entry expires when its
 * lifetime runs out.
 *
 * Sequence numbers compare as RFC 1982 serial numbers (SERIAL_BITS = 16):
 * a record whose seq is older than the entry's is stale and changes nothing;
 * an equal seq refreshes lifetime/CoA/flags; lifetime 0 deletes. A deleted
 * entry stays as a tombstone (remembering its seq) for tombstone_ms, so a
 * replayed older add cannot bring it back, and so the delete itself can be
 * sent to peers.
 *
 * The one exception: a record flagged VRRP_HA_REC_NEW (codec.h) comes from
 * the table that is the truth for the HoA (the owner's copy of its mobility
 * daemon's cache) and says the binding was created anew there, so it is
 * taken over a tombstone or a live entry whatever their seq (after a
 * delete, RFC 6275 lets the mobile node register again with any seq). An
 * entry rbc_set_local() creates is marked so, and its first record from
 * rbc_take_dirty() carries the flag.
 *
 * Every change that peers should hear about puts the entry on a FIFO "dirty"
 * queue once (coalescing repeated changes); rbc_take_dirty() pops from it.
 * No global state: everything hangs off the struct vrrp_ha_rbc handle.
 */
#ifndef VRRP_HA_RBC_H
#define VRRP_HA_RBC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vrrp_ha/codec.h"

struct vrrp_ha_rbc;
struct vrrp_ha_store;

enum rbc_result {
	RBC_ADDED,     /* new entry */
	RBC_UPDATED,   /* newer seq, or same seq with changed CoA/flags */
	RBC_REFRESHED, /* same seq and content: lifetime renewed only */
	RBC_DELETED,   /* lifetime 0 removed a live entry (tombstone left) */
	RBC_STALE,     /* seq older than the entry's (or equal to a tombstone's) */
	RBC_NOT_FOUND, /* delete of an unknown HoA */
	RBC_NOMEM      /* allocation failed; nothing changed */
};

/* One live entry as seen by callers (a copy, host order). */
struct rbc_view {
	struct in6_addr hoa;
	struct in6_addr coa;
	uint16_t seq;
	uint16_t flags;
	uint32_t lifetime_s; /* remaining, whole seconds, rounded up */
	uint64_t expires_ms; /* absolute, same clock as "now" */
};

/*
 * Create an empty table.
 * size_hint: expected bindings (0 is fine). tombstone_ms: how long a delete
 * is remembered (0 = forget at once, deletes are then still queued to send).
 * Returns: the table, or NULL on allocation failure.
 */
struct vrrp_ha_rbc *rbc_new(size_t size_hint, uint32_t tombstone_ms);
void rbc_free(struct vrrp_ha_rbc *t);

/*
 * The binding store (store.h) under t, of which this API is the MIPv6 view:
 * other kinds of record (PMIPv6, ATTACH) may be kept in the same table.
 * rbc_count(), rbc_walk(), the dirty calls and rbc_flush() see MIPv6
 * entries only; rbc_expire() expires every kind (calling cb and counting
 * for MIPv6 ones only), rbc_next_expiry(), rbc_maintain() and rbc_memory()
 * are about the whole table.
 * Returns: the store, owned by t (freed by rbc_free()).
 */
struct vrrp_ha_store *rbc_store(struct vrrp_ha_rbc *t);

/*
 * RFC 1982 comparison of 16-bit serial numbers.
 * Returns: 0 if equal, >0 if a is newer than b, <0 otherwise. The undefined
 * case (distance exactly 2^15) is never "newer": it returns <0 both ways.
 */
int rbc_serial_cmp(uint16_t a, uint16_t b);

/*
 * Apply a record received from a peer (draft-deng 4.2.2), with the seq rules
 * above. b->lifetime is in 4-second units; 0 deletes. Adds, updates,
 * refreshes and deletes are queued dirty. An entry whose lifetime ran out
 * (expire not yet run) counts as absent. Against a tombstone only a strictly
 * newer seq is taken: an add revives it (RBC_ADDED), a delete just moves the
 * tombstone's seq on (RBC_NOT_FOUND, not queued).
 * A record with VRRP_HA_REC_NEW in b->reserved and lifetime > 0 skips the
 * seq checks: over a tombstone (or nothing) it is RBC_ADDED, over a live
 * entry RBC_UPDATED (RBC_REFRESHED if seq, CoA and flags are all the
 * same). The bit means nothing on a delete. An entry this creates is not
 * marked new (only rbc_set_local() marks entries).
 * Returns: what happened.
 */
enum rbc_result rbc_apply(struct vrrp_ha_rbc *t, const struct vrrp_ha_binding *b, uint64_t now_ms);

/*
 * rbc_apply() for a record that came with RFC 6275 6.2 mobility options
 * (an extension MIPV6 record): the options are kept with the entry.
 * Returns: as rbc_apply(); RBC_NOMEM also for options the store refuses.
 */
enum rbc_result rbc_apply_opts(struct vrrp_ha_rbc *t, const struct vrrp_ha_binding *b,
                               const uint8_t *opts, size_t optlen, uint64_t now_ms);

/*
 * Set an entry from the local mobility daemon: authoritative, so no seq check
 * (the daemon's own binding cache is the truth on the master). The options
 * of a live entry (its attachments) are kept; a created entry has none.
 * lifetime_s in seconds (> 0; 0 is taken as rbc_delete_local()). Every call
 * queues the entry, a refresh included (the lifetime changed). Creating the
 * entry (RBC_ADDED: the HoA was absent, a tombstone or expired) marks it
 * new, so rbc_take_dirty() flags its next record VRRP_HA_REC_NEW; changes
 * before that record is taken keep the mark, a delete drops it.
 * Returns: RBC_ADDED / RBC_UPDATED / RBC_REFRESHED / RBC_NOMEM.
 */
enum rbc_result rbc_set_local(struct vrrp_ha_rbc *t, const struct in6_addr *hoa,
                              const struct in6_addr *coa, uint32_t lifetime_s, uint16_t seq,
                              uint16_t flags, uint64_t now_ms);

/* Delete from the local daemon (no seq check). Returns: RBC_DELETED or RBC_NOT_FOUND. */
enum rbc_result rbc_delete_local(struct vrrp_ha_rbc *t, const struct in6_addr *hoa,
                                 uint64_t now_ms);

/* Delete every live entry (each delete is queued). Returns: entries deleted. */
size_t rbc_flush(struct vrrp_ha_rbc *t, uint64_t now_ms);

/* Returns: true and fills *v (may be NULL) if hoa has a live (not expired) entry. */
bool rbc_lookup(const struct vrrp_ha_rbc *t, const struct in6_addr *hoa, uint64_t now_ms,
                struct rbc_view *v);

/* Returns: number of live entries (tombstones excluded; an entry whose
 * lifetime ran out counts until rbc_expire() removes it). */
size_t rbc_count(const struct vrrp_ha_rbc *t);

/* Returns: bytes of heap the table holds (entries, expiry heap, index and
 * their chunk directories; while the index grows, both its old and its new
 * copy). */
size_t rbc_memory(const struct vrrp_ha_rbc *t);

/*
 * The index grows incrementally: when it fills up, a twice as big one is
 * built and the keys moved over in bounded steps, one done by every call
 * that changes the table and by rbc_expire(), rbc_take_dirty() and
 * rbc_clear_dirty(), so no single call stalls the event loop (a step is
 * about a thousand index slots). Calling this is optional: it does up to budget
 * more units of that work (a unit is one index slot; 0 does nothing), e.g.
 * from an idle timer, to release the old copy's memory sooner on a quiet
 * table.
 * Returns: true if a resize is still under way.
 */
bool rbc_maintain(struct vrrp_ha_rbc *t, size_t budget);

/*
 * Expire entries whose lifetime ran out and tombstones past tombstone_ms.
 * cb (may be NULL) is called for each expired live entry before it goes;
 * it must not change the table.
 * Expiries are not queued to send: every peer counts the same lifetime down.
 * Work is bounded by max (0 = no bound) entries examined per call.
 * Returns: live entries expired.
 */
size_t rbc_expire(struct vrrp_ha_rbc *t, uint64_t now_ms, size_t max,
                  void (*cb)(void *arg, const struct rbc_view *v), void *arg);

struct vrrp_ha_record;
/* rbc_expire() that also hands every expired live entry of another kind
 * (a PMIPv6 proxy binding) to other (may be NULL), with the same arg.
 * Returns: MIPv6 entries expired. */
size_t rbc_expire_kinds(struct vrrp_ha_rbc *t, uint64_t now_ms, size_t max,
                        void (*cb)(void *arg, const struct rbc_view *v),
                        void (*other)(void *arg, const struct vrrp_ha_record *r), void *arg);

/* Returns: ms until the earliest expiry/tombstone release, UINT64_MAX if none. */
uint64_t rbc_next_expiry(const struct vrrp_ha_rbc *t, uint64_t now_ms);

/* Returns: entries waiting on the dirty queue. */
size_t rbc_dirty_count(const struct vrrp_ha_rbc *t);

/*
 * Pop up to max changed entries, oldest change first, as wire records:
 * lifetime = remaining lifetime in 4 s units rounded up (at least 1 for a live
 * entry; 0 for a delete), seq/flags/CoA as stored; reserved =
 * VRRP_HA_REC_NEW for a live entry marked new by rbc_set_local() (the mark
 * is then cleared, also by rbc_clear_dirty(): only this one record says
 * so), 0 otherwise.
 * Returns: records written to out.
 */
size_t rbc_take_dirty(struct vrrp_ha_rbc *t, struct vrrp_ha_binding *out, size_t max,
                      uint64_t now_ms);

/* Drop the dirty queue without sending (e.g. nobody to send to). */
void rbc_clear_dirty(struct vrrp_ha_rbc *t);

/*
 * Cursor over live entries, stable while the table changes: entries added
 * after the cursor was started may or may not be visited, none is visited
 * twice, none present for the whole walk is missed. (A HoA whose entry goes
 * away - expired, or a tombstone released - and comes back during the walk
 * is a new entry, so it may show up again.) Start with *cursor = 0.
 * Returns: records written (wire form, as rbc_take_dirty, but reserved is
 * always 0); 0 when done.
 */
size_t rbc_walk(const struct vrrp_ha_rbc *t, uint64_t *cursor, struct vrrp_ha_binding *out,
                size_t max, uint64_t now_ms);

/* Same walk, but as views (for show / JSON). */
size_t rbc_walk_view(const struct vrrp_ha_rbc *t, uint64_t *cursor, struct rbc_view *out,
                     size_t max, uint64_t now_ms);

/* ---- full sync, anti-entropy, repair (store.h "digests and marks") ------
 * The MIPv6 view of the store's digests and marks: buckets, groups,
 * bitmaps and generations as there (STORE_DIGEST_BUCKETS = 4096 buckets,
 * 64 groups of 64; a bitmap is 64 uint64_t words, bit b % 64 of word b / 64,
 * NULL = all). A binding counts in the digests until rbc_expire() removes
 * it, as in rbc_count().
 */

/* Returns: hoa's bucket, 0..4095, the same on every node (store_bucket_of). */
uint32_t rbc_bucket_of(const struct in6_addr *hoa);

/* Count and sum (mod 2^64) of the version hashes of the bindings in bucket
 * b, in group g, in all (count, sum may be NULL). Returns: nothing. */
void rbc_digest_bucket(const struct vrrp_ha_rbc *t, uint32_t b, uint32_t *count, uint64_t *sum);
void rbc_digest_group(const struct vrrp_ha_rbc *t, uint32_t g, uint32_t *count, uint64_t *sum);
void rbc_digest_total(const struct vrrp_ha_rbc *t, uint32_t *count, uint64_t *sum);

/* A new mark generation for the buckets of bitmap (store_mark_begin()).
 * Returns: the generation, 0 on allocation failure. */
uint32_t rbc_mark_begin(struct vrrp_ha_rbc *t, const uint64_t *bitmap);

/* Mark hoa's live binding in its bucket's generation (store_mark()).
 * Returns: true if marked, false if none or its bucket has no generation. */
bool rbc_mark(struct vrrp_ha_rbc *t, const struct in6_addr *hoa, uint64_t now_ms);

/* Marked count and sum of bucket b. Returns: nothing. */
void rbc_marked_bucket(const struct vrrp_ha_rbc *t, uint32_t b, uint32_t *count, uint64_t *sum);

/*
 * Delete every binding of the buckets of bitmap not marked in its bucket's
 * generation, as a peer delete (tombstone of its own seq), not queued;
 * budget slab entries at most (0: no bound), *cursor 0 to start and 0 again
 * when done (store_sweep_step()). cb (may be NULL) sees each binding before
 * it goes, as rbc_expire()'s does, and must not change the table.
 * Returns: bindings deleted by this call.
 */
size_t rbc_sweep_step(struct vrrp_ha_rbc *t, const uint64_t *bitmap, uint64_t *cursor,
                      size_t budget, uint64_t now_ms,
                      void (*cb)(void *arg, const struct rbc_view *v), void *arg);

/* rbc_sweep_step() at once over the whole table. Returns: bindings deleted. */
size_t rbc_sweep(struct vrrp_ha_rbc *t, const uint64_t *bitmap, uint64_t now_ms,
                 void (*cb)(void *arg, const struct rbc_view *v), void *arg);

/*
 * rbc_walk() that also yields the tombstones still remembered, as deletes:
 * lifetime 0, the deleting seq (and the CoA/flags the binding had). For a
 * split-brain merge push. Returns: records written; 0 when done.
 */
size_t rbc_walk_all(const struct vrrp_ha_rbc *t, uint64_t *cursor, struct vrrp_ha_binding *out,
                    size_t max, uint64_t now_ms);

/*
 * rbc_apply() / rbc_apply_opts() for a record of a framed full sync, whose
 * sender is the reference (store_apply_sync()): taken even if its seq is
 * older than the entry's or not newer than a tombstone's. overrode (may be
 * NULL): set to whether rbc_apply() would have found it RBC_STALE.
 * Returns: as rbc_apply(), never RBC_STALE.
 */
enum rbc_result rbc_apply_sync(struct vrrp_ha_rbc *t, const struct vrrp_ha_binding *b,
                               uint64_t now_ms, bool *overrode);
enum rbc_result rbc_apply_sync_opts(struct vrrp_ha_rbc *t, const struct vrrp_ha_binding *b,
                                    const uint8_t *opts, size_t optlen, uint64_t now_ms,
                                    bool *overrode);

/* ---- mobility options of a binding (attachments, docs/attachments.md) ----
 * A binding may carry RFC 6275 6.2 options (the store keeps them out of
 * line); vrrp-ha uses them for the AAA and vendor state attached to a
 * binding (mopt.h "attachments"). They travel in extension MIPV6 records
 * only: a draft-deng record has no room for them.
 */

/* Default bound of one binding's option list, bytes: fits one extension
 * message at IPv6's minimum MTU (1280) with its AUTH, NEW and record. */
#define RBC_OPTS_MAX 1024

/*
 * The options of hoa's live binding: *opts points into the table (valid
 * until the next call that changes it; NULL with *len 0 when it has none).
 * Returns: true if hoa has a live binding.
 */
bool rbc_lookup_opts(const struct vrrp_ha_rbc *t, const struct in6_addr *hoa, uint64_t now_ms,
                     const uint8_t **opts, size_t *len);

/*
 * Replace the options of hoa's live binding, as a change of the local
 * mobility daemon (authoritative, queued dirty like rbc_set_local(); the
 * lifetime keeps running as it was).
 * Returns: RBC_UPDATED, RBC_REFRESHED (the same options), RBC_NOT_FOUND
 * (no live binding), RBC_NOMEM (or a malformed option list).
 */
enum rbc_result rbc_set_opts_local(struct vrrp_ha_rbc *t, const struct in6_addr *hoa,
                                   const uint8_t *opts, size_t len, uint64_t now_ms);

/* Returns: entries of the table holding options, of any kind or state (a
 * hint: 0 means no binding has options, so the sender looks none up). */
size_t rbc_opts_count(const struct vrrp_ha_rbc *t);

#endif
