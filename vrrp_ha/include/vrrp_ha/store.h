/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * store.h - the binding store: one table for every kind of record of
 * record.h (MIPv6 bindings, PMIPv6 proxy bindings, attachments), the
 * Redundancy Binding Cache of draft-deng section 5 generalised. rbc.h is
 * its MIPv6 view.
 *
 * Lookup by kind + key in O(1) (SipHash-1-3 keyed open addressing, grown
 * in bounded steps), ordered iteration in O(log n) (store_lookup_next(),
 * for an SNMP walk), a cursor walk stable under change, expiry against a
 * caller-supplied monotonic clock in milliseconds, and a coalescing FIFO
 * dirty queue per kind for what peers should hear, and deterministic
 * digests per bucket of the key space with marks for a mark-and-sweep full
 * sync (end of this file). No call does more than a bounded amount of work
 * (store_flush() and store_sweep() excepted: they visit every entry).
 *
 * Staleness, per kind (a record is compared with the entry for its key):
 *   MIPv6   seq, RFC 1982 16-bit serial (RFC 6275 9.5.1);
 *   PMIPv6  timestamp, plain u64: newer wins, equal refreshes (RFC 5213 5.5);
 *   ATTACH  version, RFC 1982 32-bit serial.
 * An older record is stale and changes nothing; an equal one refreshes
 * (lifetime, fixed part, options); lifetime 0 deletes. A deleted entry is
 * a tombstone for tombstone_ms that remembers the deleting version: only a
 * strictly newer record brings the key back. A record with created set
 * (VRRP_HA_REC_NEW) and lifetime > 0 skips these checks (the owner of the
 * truth made the binding anew). An entry store_set_local() creates is
 * marked so: its next record from store_take_dirty() has created set.
 *
 * No global state: everything hangs off the struct vrrp_ha_store handle.
 */
#ifndef VRRP_HA_STORE_H
#define VRRP_HA_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vrrp_ha/record.h"

struct vrrp_ha_store;

/* Same values as enum rbc_result, plus STORE_INVALID. */
enum store_result {
	STORE_ADDED,     /* new entry */
	STORE_UPDATED,   /* newer version, or same version, changed content */
	STORE_REFRESHED, /* same version and content: lifetime renewed only */
	STORE_DELETED,   /* lifetime 0 removed a live entry (tombstone left) */
	STORE_STALE,     /* older than the entry (or not newer than a tombstone) */
	STORE_NOT_FOUND, /* delete of an unknown key */
	STORE_NOMEM,     /* allocation failed; nothing changed */
	STORE_INVALID,   /* malformed key or option list; nothing changed */
};

/* Called for a record the store gives out (expired, or taken dirty); the
 * record is valid during the call only, which must not change the store. */
typedef void (*store_rec_cb)(void *arg, const struct vrrp_ha_record *r);

/*
 * Create an empty store.
 * size_hint: expected entries (0 is fine). tombstone_ms: how long a delete
 * is remembered (0 = forget at once; the delete is still queued).
 * Returns: the store, or NULL on allocation failure.
 */
struct vrrp_ha_store *store_new(size_t size_hint, uint32_t tombstone_ms);

/* Free s and everything in it (NULL is fine). Returns: nothing. */
void store_free(struct vrrp_ha_store *s);

/*
 * Apply a record from a peer with the staleness rules above. r->lifetime_s
 * 0 deletes. Changes are queued dirty. An entry whose lifetime ran out
 * counts as absent. Against a tombstone a delete that is newer just moves
 * the tombstone's version on (STORE_NOT_FOUND, not queued).
 * Returns: what happened.
 */
enum store_result store_apply(struct vrrp_ha_store *s, const struct vrrp_ha_record *r,
                              uint64_t now_ms);

/*
 * Set an entry from the local daemon: authoritative, no staleness check.
 * r->lifetime_s 0 is store_delete_local(). Every call queues the entry.
 * Creating it marks it created (see above).
 * Returns: STORE_ADDED / UPDATED / REFRESHED / NOMEM / INVALID.
 */
enum store_result store_set_local(struct vrrp_ha_store *s, const struct vrrp_ha_record *r,
                                  uint64_t now_ms);

/* Delete from the local daemon (no staleness check; the tombstone keeps the
 * entry's own version). Returns: STORE_DELETED or STORE_NOT_FOUND. */
enum store_result store_delete_local(struct vrrp_ha_store *s, const struct vrrp_ha_key *k,
                                     uint64_t now_ms);

/* Delete every live entry of kind (0: of every kind), each delete queued;
 * visits the whole slab. Returns: entries deleted. */
size_t store_flush(struct vrrp_ha_store *s, unsigned kind, uint64_t now_ms);

/* Returns: true and fills *out (may be NULL) if k has a live entry. */
bool store_lookup(const struct vrrp_ha_store *s, const struct vrrp_ha_key *k, uint64_t now_ms,
                  struct vrrp_ha_record *out);

/*
 * Keep the ordered index (a B+tree of key prefixes, src/store/btree.c)
 * that makes store_lookup_next() O(log n). It costs about 1.35x per
 * insert and delete at 1M entries (bench/rbc-bench -o) and ~22-30 bytes
 * per entry, so it is off by default and turned on for a table that is
 * walked in key order (VRRP-HA-MIB's binding tables). Turning it on over
 * a full table builds it at once (77 ms at 1M); if memory runs out
 * meanwhile the store stays unordered. Returns: nothing.
 */
void store_set_ordered(struct vrrp_ha_store *s, bool on);

/* Returns: whether the ordered index is kept. */
bool store_is_ordered(const struct vrrp_ha_store *s);

/*
 * The live entry with the smallest (kind, len, bytes) strictly greater
 * than after (NULL: the smallest of all); after need not be in the store.
 * With the ordered index (store_set_ordered): O(log n), plus O(log n) for
 * each entry passed over whose lifetime ran out and that store_expire()
 * has not removed yet; without it, one O(n) pass over the table.
 * Returns: true and fills *out (may be NULL), false past the last.
 */
bool store_lookup_next(const struct vrrp_ha_store *s, const struct vrrp_ha_key *after,
                       uint64_t now_ms, struct vrrp_ha_record *out);

/* Returns: live entries of kind (0: of every kind); an entry whose lifetime
 * ran out counts until store_expire() removes it. */
size_t store_count(const struct vrrp_ha_store *s, unsigned kind);

/* Returns: entries holding mobility options, of every kind and state (a
 * hint: 0 means no record of s has options). */
size_t store_opts_entries(const struct vrrp_ha_store *s);

/* Returns: bytes of heap s holds (slab, heap, indexes, out-of-line keys
 * and options with an estimate of the allocator's overhead). */
size_t store_memory(const struct vrrp_ha_store *s);

/* Do up to budget units (index slots) of an ongoing index resize (every
 * changing call does some anyway). Returns: true if one is still under way. */
bool store_maintain(struct vrrp_ha_store *s, size_t budget);

/*
 * Expire entries whose lifetime ran out and tombstones past tombstone_ms,
 * examining at most max (0 = no bound). cb (may be NULL) sees each expired
 * live entry before it goes. Expiries are not queued.
 * Returns: live entries expired.
 */
size_t store_expire(struct vrrp_ha_store *s, uint64_t now_ms, size_t max, store_rec_cb cb,
                    void *arg);

/* Returns: ms until the earliest expiry or tombstone release, UINT64_MAX if none. */
uint64_t store_next_expiry(const struct vrrp_ha_store *s, uint64_t now_ms);

/* Returns: entries of kind (0: every kind) waiting on the dirty queues. */
size_t store_dirty_count(const struct vrrp_ha_store *s, unsigned kind);

/*
 * Pop up to max changed entries of kind (1..VRRP_HA_KIND_MAX), oldest
 * change first, handing each to cb: lifetime_s rounded up (0 for a
 * delete), created set for the first record after a local creation.
 * Returns: records given to cb.
 */
size_t store_take_dirty(struct vrrp_ha_store *s, unsigned kind, size_t max, uint64_t now_ms,
                        store_rec_cb cb, void *arg);

/* Drop the dirty queue of kind (0: all of them) unsent. Returns: nothing. */
void store_clear_dirty(struct vrrp_ha_store *s, unsigned kind);

/*
 * Cursor walk over live entries of kind (0: every kind) in slab order,
 * stable while the store changes (as rbc_walk()). Start with *cursor = 0.
 * Records point into the store until it next changes.
 * Returns: records written to out (at most max); 0 when done.
 */
size_t store_walk(const struct vrrp_ha_store *s, unsigned kind, uint64_t *cursor,
                  struct vrrp_ha_record *out, size_t max, uint64_t now_ms);

/*
 * Cursor walk as store_walk(), yielding also the tombstones still
 * remembered (a delete within tombstone_ms): lifetime_s 0, the fixed part
 * with the deleting version, no options. For a split-brain merge push.
 * Returns: records written to out (at most max); 0 when done.
 */
size_t store_walk_all(const struct vrrp_ha_store *s, unsigned kind, uint64_t *cursor,
                      struct vrrp_ha_record *out, size_t max, uint64_t now_ms);

/*
 * store_apply() for a record of a framed full sync, whose sender is the
 * reference: it is taken even if older than the live entry, and over a
 * tombstone whatever its version. A delete (lifetime 0) removes the live
 * entry whatever its version (the tombstone takes the record's); against a
 * tombstone it only moves its version on if newer. STORE_NOMEM and
 * STORE_INVALID are refused as by store_apply(); changes are queued dirty.
 * overrode (may be NULL): set to true when the record was taken where
 * store_apply() would have returned STORE_STALE (it replaced a newer
 * version, or a tombstone not older than it), else false.
 * Returns: as store_apply(), never STORE_STALE.
 */
enum store_result store_apply_sync(struct vrrp_ha_store *s, const struct vrrp_ha_record *r,
                                   uint64_t now_ms, bool *overrode);

/* ---- digests and marks (digest.c; docs/store.md "Digests and marks") ----
 *
 * Every key falls in one of STORE_DIGEST_BUCKETS buckets (store_bucket_of);
 * every entry has a version hash over its kind, key, version and content
 * (store_version_hash: not the lifetime, not created). Both are the same on
 * every node and every run. Per kind the store keeps, for each bucket, for
 * each group of STORE_DIGEST_GROUP buckets (group g: buckets 64g..64g+63)
 * and in total, the count of its counted entries and the sum mod 2^64 of
 * their version hashes, in O(1) per change. Counted are the entries
 * store_count() counts: live ones, including one whose lifetime ran out,
 * until store_expire() removes it. Two stores with the same counted
 * entries have the same digests whatever their histories.
 *
 * A bucket bitmap is STORE_DIGEST_BUCKETS / 64 uint64_t words: bucket b is
 * bit b % 64 of word b / 64, so word g is group g. NULL: every bucket.
 */
#define STORE_DIGEST_BUCKETS 4096
#define STORE_DIGEST_GROUP   64
#define STORE_DIGEST_WORDS   (STORE_DIGEST_BUCKETS / 64)

/* Returns: k's bucket, 0..STORE_DIGEST_BUCKETS-1 (0 for an invalid key). */
uint32_t store_bucket_of(const struct vrrp_ha_key *k);

/* Returns: r's version hash (0 for an invalid key or option pointer). */
uint64_t store_version_hash(const struct vrrp_ha_record *r);

/* Count and sum of kind's counted entries in bucket b (count, sum may be
 * NULL; 0 and 0 for an empty bucket or an argument out of range).
 * Returns: nothing. */
void store_digest_bucket(const struct vrrp_ha_store *s, unsigned kind, uint32_t b, uint32_t *count,
                         uint64_t *sum);

/* The same for group g (0..STORE_DIGEST_BUCKETS / STORE_DIGEST_GROUP - 1):
 * the sums of its 64 buckets. Returns: nothing. */
void store_digest_group(const struct vrrp_ha_store *s, unsigned kind, uint32_t g, uint32_t *count,
                        uint64_t *sum);

/* The same for all of kind (count == store_count(s, kind)). Returns: nothing. */
void store_digest_total(const struct vrrp_ha_store *s, unsigned kind, uint32_t *count,
                        uint64_t *sum);

/*
 * Mark and sweep: begin a new generation for the buckets of bitmap (NULL:
 * all) of kind; their marked count and sum restart at 0, other buckets
 * keep their generation and marks. Generations count per kind (1, 2, ...,
 * 0 skipped on wrap), so the value says which begin a bucket's marks
 * belong to. The first call allocates the marks (4 bytes per slab entry).
 * Returns: the new generation, 0 if kind is invalid or memory is short
 * (nothing changed).
 */
uint32_t store_mark_begin(struct vrrp_ha_store *s, unsigned kind, const uint64_t *bitmap);

/*
 * Mark k's live entry (as store_lookup() sees it at now_ms) in its bucket's
 * current generation, adding it to the bucket's marked count and sum; a
 * second mark in the same generation does nothing. From then on the marked
 * sum follows the entry: a change of content moves it (-old +new), a delete,
 * expiry or sweep takes it out (count - 1). An entry that stops being
 * counted loses its mark: brought back (a tombstone revived, a key added
 * again) it is not marked.
 * Returns: true if the entry is marked, false if k has no live entry or its
 * bucket no generation.
 */
bool store_mark(struct vrrp_ha_store *s, const struct vrrp_ha_key *k, uint64_t now_ms);

/* Marked count and sum of bucket b of kind in its current generation
 * (0 and 0 before any). Returns: nothing. */
void store_marked_bucket(const struct vrrp_ha_store *s, unsigned kind, uint32_t b, uint32_t *count,
                         uint64_t *sum);

/*
 * Sweep in steps: every counted entry of kind in the buckets of bitmap
 * (NULL: all) that is not marked in its bucket's current generation is
 * deleted as a peer delete with its own version (a tombstone), not queued
 * dirty (an entry already queued stays so, and then goes out as the
 * delete); cb (may be NULL) sees each record first and must not change the
 * store. Examines at most budget slab entries (0: no bound) from *cursor.
 * Start with *cursor = 0; it is 0 again when the sweep is done (and never
 * 0 in between). Entries added or revived during the sweep are unmarked:
 * mark them or they go. Pass the same kind and bitmap on every step.
 * Returns: entries deleted by this call.
 */
size_t store_sweep_step(struct vrrp_ha_store *s, unsigned kind, const uint64_t *bitmap,
                        uint64_t *cursor, size_t budget, uint64_t now_ms, store_rec_cb cb,
                        void *arg);

/* store_sweep_step() over the whole slab at once (O(slab)).
 * Returns: entries deleted. */
size_t store_sweep(struct vrrp_ha_store *s, unsigned kind, const uint64_t *bitmap, uint64_t now_ms,
                   store_rec_cb cb, void *arg);

#endif
