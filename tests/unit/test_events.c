/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_events.c - the event stream (events.h): the bus on its own
 * (subscriptions, masks, nested publishing, counts), the vocabulary and its
 * text/JSON lines, and on live instances carrying packets to each other
 * that every consumer sees every event it asked for, in one order.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_client.h"
#include "nodes.h"
#include "vrrp_ha/codec.h"
#include "vrrp_ha/events.h"
#include "vrrp_ha/ha.h"

#include "check.h"

/* ---- a recorder: what one subscriber saw ------------------------------- */

#define REC_MAX 1024

struct seen {
	enum vrrp_ha_event_type type;
	enum vrrp_ha_table table;
	enum vrrp_ha_origin origin;
	bool has_b;
	struct vrrp_ha_ev_binding b;
	enum vrrp_ha_state prev, state;
	uint64_t count;
	char detail[24];
};

struct recorder {
	uint32_t mask;
	unsigned id;
	size_t n;
	struct seen ev[REC_MAX];
};

static void record(void *arg, const struct vrrp_ha_event *ev)
{
	struct recorder *r = arg;
	struct seen *s;

	if (r->n >= REC_MAX) {
		r->n++;
		return;
	}
	s = &r->ev[r->n++];
	memset(s, 0, sizeof(*s));
	s->type = ev->type;
	s->table = ev->table;
	s->origin = ev->origin;
	s->has_b = ev->b != NULL;
	if (ev->b)
		s->b = *ev->b;
	s->prev = ev->prev;
	s->state = ev->state;
	s->count = ev->count;
	if (ev->detail)
		snprintf(s->detail, sizeof(s->detail), "%s", ev->detail);
}

static bool seen_equal(const struct seen *a, const struct seen *b)
{
	return a->type == b->type && a->table == b->table && a->origin == b->origin &&
	       a->has_b == b->has_b && !memcmp(&a->b, &b->b, sizeof(a->b)) && a->prev == b->prev &&
	       a->state == b->state && a->count == b->count && !strcmp(a->detail, b->detail);
}

static void print_seen(const char *who, size_t i, const struct seen *s)
{
	char hoa[INET6_ADDRSTRLEN] = "-";

	if (s->has_b)
		inet_ntop(AF_INET6, &s->b.hoa, hoa, sizeof(hoa));
	fprintf(stderr, "  %s[%zu] %s %s %s %s %s->%s %s\n", who, i, vrrp_ha_event_word(s->type),
	        vrrp_ha_table_name(s->table), vrrp_ha_origin_name(s->origin), hoa,
	        vrrp_ha_state_name(s->prev), vrrp_ha_state_name(s->state), s->detail);
}

/* r saw exactly the events of full whose type is in r's mask, in order. */
static void check_subset(const char *who, const struct recorder *r, const struct recorder *full)
{
	size_t j = 0;
	bool ok = r->n <= REC_MAX && full->n <= REC_MAX;

	for (size_t i = 0; ok && i < full->n; i++) {
		if (!(r->mask & VRRP_HA_EMASK(full->ev[i].type)))
			continue;
		if (j >= r->n || !seen_equal(&r->ev[j], &full->ev[i])) {
			fprintf(stderr, "%s: event %zu differs from the full stream's %zu\n", who,
			        j, i);
			print_seen("full", i, &full->ev[i]);
			if (j < r->n)
				print_seen(who, j, &r->ev[j]);
			ok = false;
		}
		j++;
	}
	if (ok && j != r->n) {
		fprintf(stderr, "%s: %zu events, the full stream has %zu of its types\n", who, r->n,
		        j);
		ok = false;
	}
	CHECK(ok);
}

/* ---- the bus on its own ------------------------------------------------ */

static struct vrrp_ha_ev_binding bind_of(unsigned i)
{
	struct vrrp_ha_ev_binding b;

	memset(&b, 0, sizeof(b));
	nodes_addr(&b.hoa, "2001:db8:aa::", i);
	nodes_addr(&b.coa, "2001:db8:cc::", i);
	b.lifetime_s = 100 + i;
	b.seq = (uint16_t)i;
	b.flags = 0x4000;
	return b;
}

static void publish(struct vrrp_ha_bus *bus, enum vrrp_ha_event_type t, unsigned i)
{
	struct vrrp_ha_ev_binding b = bind_of(i);
	struct vrrp_ha_event ev = {.type = t, .table = VRRP_HA_T_RBC, .origin = VRRP_HA_O_PEER};

	if (vrrp_ha_event_is_binding(t))
		ev.b = &b;
	vrrp_ha_bus_publish(bus, &ev);
}

/* A subscriber that does something to the bus from inside its callback. */
struct actor {
	struct vrrp_ha_bus *bus;
	struct recorder rec;
	enum vrrp_ha_event_type on; /* acts on this type, once */
	bool done;
	unsigned unsub;        /* unsubscribe this id */
	bool nest;             /* publish DELETE(7) and EXPIRE(8) */
	struct recorder *late; /* subscribe these (ALL) */
	size_t nlate;
};

static void act(void *arg, const struct vrrp_ha_event *ev)
{
	struct actor *a = arg;

	record(&a->rec, ev);
	if (ev->type != a->on || a->done)
		return;
	a->done = true;
	if (a->unsub)
		vrrp_ha_bus_unsubscribe(a->bus, a->unsub);
	if (a->nest) {
		/* the bindings live on this stack frame only */
		publish(a->bus, VRRP_HA_E_DELETED, 7);
		publish(a->bus, VRRP_HA_E_EXPIRED, 8);
	}
	for (size_t i = 0; i < a->nlate; i++) {
		a->late[i].mask = VRRP_HA_EMASK_ALL;
		a->late[i].id =
		        vrrp_ha_bus_subscribe(a->bus, VRRP_HA_EMASK_ALL, record, &a->late[i]);
	}
}

static void test_bus_masks_and_counts(void)
{
	struct vrrp_ha_bus *bus = vrrp_ha_bus_new();
	static struct recorder all, add, inst;
	unsigned ids[3];

	memset(&all, 0, sizeof(all));
	memset(&add, 0, sizeof(add));
	memset(&inst, 0, sizeof(inst));
	all.mask = VRRP_HA_EMASK_ALL;
	add.mask = VRRP_HA_EMASK(VRRP_HA_E_ADDED);
	inst.mask = VRRP_HA_EMASK(VRRP_HA_E_STATE) | VRRP_HA_EMASK(VRRP_HA_E_SYNC_COMPLETE);
	CHECK(vrrp_ha_bus_subscribe(bus, VRRP_HA_EMASK_ALL, NULL, NULL) == 0);
	ids[0] = vrrp_ha_bus_subscribe(bus, all.mask, record, &all);
	ids[1] = vrrp_ha_bus_subscribe(bus, add.mask, record, &add);
	ids[2] = vrrp_ha_bus_subscribe(bus, inst.mask, record, &inst);
	CHECK(ids[0] > 0 && ids[1] > 0 && ids[2] > 0);
	CHECK(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2]);

	for (int t = 0; t < VRRP_HA_E__COUNT; t++)
		publish(bus, (enum vrrp_ha_event_type)t, (unsigned)t + 1);
	publish(bus, VRRP_HA_E_ADDED, 50);
	/* out of range: neither delivered nor counted */
	publish(bus, VRRP_HA_E__COUNT, 1);
	CHECK_EQ(all.n, VRRP_HA_E__COUNT + 1);
	CHECK_EQ(add.n, 2);
	CHECK_EQ(inst.n, 2);
	check_subset("add", &add, &all);
	check_subset("inst", &inst, &all);
	CHECK(add.ev[1].has_b && add.ev[1].b.seq == 50);
	CHECK(!all.ev[VRRP_HA_E_STATE].has_b);
	for (int t = 0; t < VRRP_HA_E__COUNT; t++)
		CHECK_EQ(vrrp_ha_bus_published(bus, (enum vrrp_ha_event_type)t),
		         t == VRRP_HA_E_ADDED ? 2 : 1);
	CHECK_EQ(vrrp_ha_bus_published(bus, VRRP_HA_E__COUNT), 0);

	/* unsubscribing: 0 and unknown ids are ignored, a removed one hears
	 * nothing more, published counts go on */
	vrrp_ha_bus_unsubscribe(bus, 0);
	vrrp_ha_bus_unsubscribe(bus, 12345);
	vrrp_ha_bus_unsubscribe(bus, ids[1]);
	vrrp_ha_bus_unsubscribe(bus, ids[1]);
	publish(bus, VRRP_HA_E_ADDED, 51);
	CHECK_EQ(add.n, 2);
	CHECK_EQ(all.n, VRRP_HA_E__COUNT + 2);
	CHECK_EQ(vrrp_ha_bus_published(bus, VRRP_HA_E_ADDED), 3);
	/* ids are not reused */
	CHECK(vrrp_ha_bus_subscribe(bus, add.mask, record, &add) > ids[2]);
	vrrp_ha_bus_free(bus);
	vrrp_ha_bus_free(NULL);
	vrrp_ha_bus_unsubscribe(NULL, 1);
}

/* Unsubscribing during delivery: the removed one (before or after the
 * caller) gets nothing more, not even the current event if it had not had
 * it yet; the caller may remove itself. */
static void test_bus_unsubscribe_in_callback(void)
{
	struct vrrp_ha_bus *bus = vrrp_ha_bus_new();
	static struct actor a, self;
	static struct recorder before, after;

	memset(&a, 0, sizeof(a));
	memset(&self, 0, sizeof(self));
	memset(&before, 0, sizeof(before));
	memset(&after, 0, sizeof(after));
	before.mask = after.mask = VRRP_HA_EMASK_ALL;
	before.id = vrrp_ha_bus_subscribe(bus, VRRP_HA_EMASK_ALL, record, &before);
	a.bus = self.bus = bus;
	a.on = VRRP_HA_E_UPDATED;
	a.rec.mask = VRRP_HA_EMASK_ALL;
	a.rec.id = vrrp_ha_bus_subscribe(bus, VRRP_HA_EMASK_ALL, act, &a);
	after.id = vrrp_ha_bus_subscribe(bus, VRRP_HA_EMASK_ALL, record, &after);
	self.on = VRRP_HA_E_DELETED;
	self.rec.mask = VRRP_HA_EMASK_ALL;
	self.rec.id = vrrp_ha_bus_subscribe(bus, VRRP_HA_EMASK_ALL, act, &self);
	self.unsub = self.rec.id;

	publish(bus, VRRP_HA_E_ADDED, 1);
	a.unsub = after.id;
	publish(bus, VRRP_HA_E_UPDATED, 1); /* a removes "after" before it hears it */
	publish(bus, VRRP_HA_E_DELETED, 1); /* self hears it, then leaves */
	publish(bus, VRRP_HA_E_EXPIRED, 2);
	CHECK_EQ(before.n, 4);
	CHECK_EQ(a.rec.n, 4);
	CHECK_EQ(after.n, 1);
	CHECK_EQ(self.rec.n, 3);
	CHECK(self.rec.ev[2].type == VRRP_HA_E_DELETED);

	/* removing one before the caller during delivery */
	a.done = false;
	a.on = VRRP_HA_E_STATE;
	a.unsub = before.id;
	publish(bus, VRRP_HA_E_STATE, 0);
	publish(bus, VRRP_HA_E_STATE, 0);
	CHECK_EQ(before.n, 5); /* had the first STATE: it ran before a */
	CHECK_EQ(a.rec.n, 6);
	vrrp_ha_bus_free(bus);
}

/* Publishing from a callback: queued, then delivered to everyone, so every
 * subscriber sees ADD, DELETE, EXPIRE in that order, each with its own
 * copy of the binding. Subscribing from a callback (growing the table)
 * is safe. */
static void test_bus_nested(void)
{
	struct vrrp_ha_bus *bus = vrrp_ha_bus_new();
	static struct actor a;
	static struct recorder first, last, late[12];

	memset(&a, 0, sizeof(a));
	memset(&first, 0, sizeof(first));
	memset(&last, 0, sizeof(last));
	memset(late, 0, sizeof(late));
	first.mask = last.mask = VRRP_HA_EMASK_ALL;
	vrrp_ha_bus_subscribe(bus, VRRP_HA_EMASK_ALL, record, &first);
	a.bus = bus;
	a.on = VRRP_HA_E_ADDED;
	a.nest = true;
	a.late = late;
	a.nlate = sizeof(late) / sizeof(late[0]);
	a.rec.mask = VRRP_HA_EMASK_ALL;
	vrrp_ha_bus_subscribe(bus, VRRP_HA_EMASK_ALL, act, &a);
	vrrp_ha_bus_subscribe(bus, VRRP_HA_EMASK_ALL, record, &last);

	publish(bus, VRRP_HA_E_ADDED, 1);
	CHECK_EQ(first.n, 3);
	CHECK_EQ(a.rec.n, 3);
	CHECK_EQ(last.n, 3);
	check_subset("first", &first, &last);
	check_subset("actor", &a.rec, &last);
	CHECK(last.ev[0].type == VRRP_HA_E_ADDED && last.ev[0].b.seq == 1);
	CHECK(last.ev[1].type == VRRP_HA_E_DELETED && last.ev[1].b.seq == 7 &&
	      last.ev[1].b.lifetime_s == 107);
	CHECK(last.ev[2].type == VRRP_HA_E_EXPIRED && last.ev[2].b.seq == 8);
	{
		struct vrrp_ha_ev_binding b = bind_of(8);

		CHECK(!memcmp(&last.ev[2].b, &b, sizeof(b)));
	}
	/* subscribed during delivery: they hear the current event and the
	 * queued ones too (they asked before those reached them) */
	for (size_t i = 0; i < a.nlate; i++) {
		CHECK_EQ(late[i].n, 3);
		check_subset("late", &late[i], &last);
	}
	CHECK_EQ(vrrp_ha_bus_published(bus, VRRP_HA_E_DELETED), 1);
	CHECK_EQ(vrrp_ha_bus_published(bus, VRRP_HA_E_EXPIRED), 1);
	/* nothing stays queued */
	publish(bus, VRRP_HA_E_STATE, 0);
	CHECK_EQ(last.n, 4);
	CHECK_EQ(late[0].n, 4);
	vrrp_ha_bus_free(bus);
}

/* ---- the vocabulary ---------------------------------------------------- */

static const char *const expect_words[VRRP_HA_E__COUNT] = {
        "ADD",     "UPDATE",   "REFRESH",    "DELETE",     "EXPIRE",        "RESTORE",
        "RECOVER", "ACTIVATE", "DEACTIVATE", "SYNC_START", "SYNC_COMPLETE", "SYNC_DIVERGED",
        "STATE",   "SWITCH",   "HA_SWITCH",  "MAG_SWITCH", "LMA_HANDOVER",
};

static void test_words(void)
{
	for (int t = 0; t < VRRP_HA_E__COUNT; t++) {
		const char *w = vrrp_ha_event_word((enum vrrp_ha_event_type)t);

		CHECK(!strcmp(w, expect_words[t]));
		CHECK_EQ(vrrp_ha_event_from_word(w), t);
		CHECK_EQ(vrrp_ha_event_is_binding((enum vrrp_ha_event_type)t),
		         t <= VRRP_HA_E_RECOVERED);
	}
	CHECK(!strcmp(vrrp_ha_event_word(VRRP_HA_E__COUNT), "UNKNOWN"));
	CHECK(!strcmp(vrrp_ha_event_word((enum vrrp_ha_event_type) - 1), "UNKNOWN"));
	CHECK_EQ(vrrp_ha_event_from_word("UNKNOWN"), -1);
	CHECK_EQ(vrrp_ha_event_from_word("add"), -1); /* case-sensitive */
	CHECK_EQ(vrrp_ha_event_from_word(""), -1);
	CHECK_EQ(vrrp_ha_event_from_word("ADD "), -1);
	CHECK_EQ(vrrp_ha_event_from_word("TAKEOVER"), -1);
	CHECK_EQ(vrrp_ha_event_from_word("DROPPED"), -1);
	CHECK(!strcmp(vrrp_ha_table_name(VRRP_HA_T_RBC), "rbc"));
	CHECK(!strcmp(vrrp_ha_table_name(VRRP_HA_T_BC), "bc"));
	CHECK(!strcmp(vrrp_ha_table_name(VRRP_HA_T_NONE), "-"));
	CHECK(!strcmp(vrrp_ha_origin_name(VRRP_HA_O_LOCAL), "local"));
	CHECK(!strcmp(vrrp_ha_origin_name(VRRP_HA_O_PEER), "peer"));
	CHECK(!strcmp(vrrp_ha_origin_name(VRRP_HA_O_TIMER), "timer"));
	CHECK(!strcmp(vrrp_ha_origin_name(VRRP_HA_O_TRIGGER), "trigger"));
	CHECK(!strcmp(vrrp_ha_origin_name(VRRP_HA_O_NONE), "-"));
	CHECK(!strcmp(vrrp_ha_origin_name((enum vrrp_ha_origin)99), "-"));
}

static void check_format(const struct vrrp_ha_event *ev, bool json, const char *want)
{
	char buf[512], small[8];
	int n = vrrp_ha_event_format(ev, json, buf, sizeof(buf));

	if (strcmp(buf, want)) {
		fprintf(stderr, "format: got\n  %s\nwanted\n  %s\n", buf, want);
		failures++;
	}
	CHECK_EQ(n, strlen(want));
	if (json)
		CHECK(json_doc_ok(buf));
	/* truncated: NUL-terminated, same length returned */
	CHECK_EQ(vrrp_ha_event_format(ev, json, small, sizeof(small)), strlen(want));
	CHECK(strlen(small) == sizeof(small) - 1 && !strncmp(small, want, sizeof(small) - 1));
	CHECK_EQ(vrrp_ha_event_format(ev, json, NULL, 0), strlen(want));
}

static void test_format(void)
{
	struct vrrp_ha_ev_binding b = bind_of(1);
	struct vrrp_ha_event ev = {
	        .table = VRRP_HA_T_RBC, .origin = VRRP_HA_O_PEER, .b = &b, .time_ms = 1234};
	char want[512], hoa[64];

	b.flags = 0xc000;
	/* every binding word in the same shape */
	for (int t = 0; t <= VRRP_HA_E_RECOVERED; t++) {
		ev.type = (enum vrrp_ha_event_type)t;
		ev.table = t % 2 ? VRRP_HA_T_BC : VRRP_HA_T_RBC;
		ev.origin = (enum vrrp_ha_origin)(1 + t % 4);
		snprintf(want, sizeof(want), "%s %s 2001:db8:aa::1 2001:db8:cc::1 101 1 0xc000 %s",
		         expect_words[t], vrrp_ha_table_name(ev.table),
		         vrrp_ha_origin_name(ev.origin));
		check_format(&ev, false, want);
		snprintf(want, sizeof(want),
		         "{\"event\":\"%s\",\"table\":\"%s\",\"hoa\":\"2001:db8:aa::1\","
		         "\"coa\":\"2001:db8:cc::1\",\"lifetime\":101,\"seq\":1,\"flags\":49152,"
		         "\"origin\":\"%s\",\"time_ms\":1234}",
		         expect_words[t], vrrp_ha_table_name(ev.table),
		         vrrp_ha_origin_name(ev.origin));
		check_format(&ev, true, want);
	}
	/* the longest addresses fit */
	memset(&b.hoa, 0xfe, sizeof(b.hoa));
	memset(&b.coa, 0xfd, sizeof(b.coa));
	b.hoa.s6_addr[0] = 0x20;
	inet_ntop(AF_INET6, &b.hoa, hoa, sizeof(hoa));
	b.lifetime_s = 4294967295u;
	b.seq = 65535;
	b.flags = 0xffff;
	ev.type = VRRP_HA_E_DELETED;
	ev.table = VRRP_HA_T_BC;
	ev.origin = VRRP_HA_O_TRIGGER;
	ev.time_ms = UINT64_MAX;
	snprintf(want, sizeof(want),
	         "DELETE bc %s fdfd:fdfd:fdfd:fdfd:fdfd:fdfd:fdfd:fdfd 4294967295 65535 0xffff "
	         "trigger",
	         hoa);
	check_format(&ev, false, want);

	/* instance events */
	ev = (struct vrrp_ha_event){.type = VRRP_HA_E_STATE,
	                            .prev = VRRP_HA_ST_BACKUP,
	                            .state = VRRP_HA_ST_MASTER,
	                            .time_ms = 5};
	check_format(&ev, false, "STATE from=BACKUP to=MASTER");
	check_format(&ev, true,
	             "{\"event\":\"STATE\",\"from\":\"BACKUP\",\"to\":\"MASTER\","
	             "\"time_ms\":5}");
	ev = (struct vrrp_ha_event){
	        .type = VRRP_HA_E_ACTIVATED, .count = 3, .detail = "dataplane", .time_ms = 6};
	check_format(&ev, false, "ACTIVATE count=3 duration_ms=0 detail=dataplane");
	check_format(&ev, true,
	             "{\"event\":\"ACTIVATE\",\"count\":3,\"duration_ms\":0,"
	             "\"detail\":\"dataplane\",\"time_ms\":6}");
	ev.type = VRRP_HA_E_DEACTIVATED;
	check_format(&ev, false, "DEACTIVATE count=3 duration_ms=0 detail=dataplane");
	ev = (struct vrrp_ha_event){
	        .type = VRRP_HA_E_SYNC_STARTED, .count = 10, .detail = "answer"};
	check_format(&ev, false, "SYNC_START count=10 duration_ms=0 detail=answer");
	ev = (struct vrrp_ha_event){.type = VRRP_HA_E_SYNC_COMPLETE,
	                            .count = 10,
	                            .duration_ms = 42,
	                            .detail = "request",
	                            .time_ms = 7};
	check_format(&ev, false, "SYNC_COMPLETE count=10 duration_ms=42 detail=request");
	check_format(&ev, true,
	             "{\"event\":\"SYNC_COMPLETE\",\"count\":10,\"duration_ms\":42,"
	             "\"detail\":\"request\",\"time_ms\":7}");
	ev = (struct vrrp_ha_event){.type = VRRP_HA_E_SYNC_DIVERGED, .detail = "no answer"};
	check_format(&ev, false, "SYNC_DIVERGED count=0 duration_ms=0 detail=no answer");
	check_format(&ev, true,
	             "{\"event\":\"SYNC_DIVERGED\",\"count\":0,\"duration_ms\":0,"
	             "\"detail\":\"no answer\",\"time_ms\":0}");
	ev = (struct vrrp_ha_event){.type = VRRP_HA_E_SYNC_DIVERGED};
	check_format(&ev, false, "SYNC_DIVERGED count=0 duration_ms=0");
}

/* ---- live instances ---------------------------------------------------- */

/* The consumers of one node: the full stream, and others with narrower
 * masks that must see the same events in the same relative order. */
enum { R_FULL, R_CHANGE, R_NOTIFY, R_INSTANCE, R_EXPIRE, R_STATE_ADD, R__COUNT };
static const uint32_t rec_masks[R__COUNT] = {
        [R_FULL] = VRRP_HA_EMASK_ALL,
        [R_CHANGE] = VRRP_HA_EMASK_CHANGE,
        [R_NOTIFY] = VRRP_HA_EMASK(VRRP_HA_E_RESTORED) | VRRP_HA_EMASK(VRRP_HA_E_RECOVERED) |
                     VRRP_HA_EMASK(VRRP_HA_E_DELETED),
        [R_INSTANCE] = VRRP_HA_EMASK(VRRP_HA_E_ACTIVATED) | VRRP_HA_EMASK(VRRP_HA_E_DEACTIVATED) |
                       VRRP_HA_EMASK(VRRP_HA_E_SYNC_STARTED) |
                       VRRP_HA_EMASK(VRRP_HA_E_SYNC_COMPLETE) |
                       VRRP_HA_EMASK(VRRP_HA_E_SYNC_DIVERGED) | VRRP_HA_EMASK(VRRP_HA_E_STATE),
        [R_EXPIRE] = VRRP_HA_EMASK(VRRP_HA_E_EXPIRED),
        [R_STATE_ADD] = VRRP_HA_EMASK(VRRP_HA_E_STATE) | VRRP_HA_EMASK(VRRP_HA_E_ADDED),
};
static const char *const rec_names[R__COUNT] = {"full",     "change", "notify",
                                                "instance", "expire", "state+add"};

static void subscribe_all(struct vrrp_ha *h, struct recorder *r)
{
	for (int i = 0; i < R__COUNT; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].mask = rec_masks[i];
		r[i].id = vrrp_ha_subscribe(h, rec_masks[i], record, &r[i]);
		CHECK(r[i].id > 0);
	}
}

/* One expected binding event: type, table, origin, HoA number. */
struct want {
	enum vrrp_ha_event_type type;
	enum vrrp_ha_table table;
	enum vrrp_ha_origin origin;
	unsigned hoa;
};

/* The binding events of the full stream (REFRESH left out when skip_refresh)
 * are exactly want[0..n). */
static void check_bindings(const char *who, const struct recorder *full, const struct want *want,
                           size_t n, bool skip_refresh)
{
	size_t j = 0;
	bool ok = true;

	for (size_t i = 0; i < full->n && i < REC_MAX; i++) {
		const struct seen *s = &full->ev[i];
		struct in6_addr hoa;

		if (!vrrp_ha_event_is_binding(s->type))
			continue;
		if (skip_refresh && s->type == VRRP_HA_E_REFRESHED)
			continue;
		if (j < n)
			nodes_addr(&hoa, "2001:db8:aa::", want[j].hoa);
		if (j >= n || s->type != want[j].type || s->table != want[j].table ||
		    s->origin != want[j].origin || !s->has_b || memcmp(&s->b.hoa, &hoa, 16)) {
			if (ok) {
				fprintf(stderr, "%s: binding event %zu unexpected:\n", who, j);
				print_seen(who, i, s);
				if (j < n)
					fprintf(stderr, "  wanted %s %s %s ::%u\n",
					        vrrp_ha_event_word(want[j].type),
					        vrrp_ha_table_name(want[j].table),
					        vrrp_ha_origin_name(want[j].origin), want[j].hoa);
			}
			ok = false;
		}
		j++;
	}
	if (j != n) {
		fprintf(stderr, "%s: %zu binding events, wanted %zu\n", who, j, n);
		ok = false;
	}
	CHECK(ok);
}

/* The STATE events of the full stream, as "PREV>STATE ..." */
static void check_states(const char *who, const struct recorder *full, const char *want)
{
	char got[256] = "";
	size_t off = 0;

	for (size_t i = 0; i < full->n && i < REC_MAX; i++)
		if (full->ev[i].type == VRRP_HA_E_STATE)
			off += (size_t)snprintf(got + off, sizeof(got) - off, "%s%s>%s",
			                        off ? " " : "",
			                        vrrp_ha_state_name(full->ev[i].prev),
			                        vrrp_ha_state_name(full->ev[i].state));
	if (strcmp(got, want)) {
		fprintf(stderr, "%s: states '%s', wanted '%s'\n", who, got, want);
		failures++;
	}
}

/* Returns: the index in full of the first event of type t with HoA number
 * hoa (0 = any), at or after from; SIZE_MAX if none. */
static size_t find(const struct recorder *full, size_t from, enum vrrp_ha_event_type t,
                   unsigned hoa)
{
	struct in6_addr a;

	nodes_addr(&a, "2001:db8:aa::", hoa);
	for (size_t i = from; i < full->n && i < REC_MAX; i++)
		if (full->ev[i].type == t &&
		    (!hoa || (full->ev[i].has_b && !memcmp(&full->ev[i].b.hoa, &a, 16))))
			return i;
	return SIZE_MAX;
}

/* A peer's BC_UPDATE with one record, as if from fe80::2. */
static void inject_update(struct vrrp_ha *h, unsigned hoa, uint16_t life4, uint16_t seq)
{
	struct vrrp_ha_binding b;
	struct in6_addr src;
	uint8_t pkt[128];
	size_t len;

	memset(&b, 0, sizeof(b));
	nodes_addr(&b.hoa, "2001:db8:aa::", hoa);
	nodes_addr(&b.coa, "2001:db8:cc::", hoa);
	b.lifetime = life4;
	b.seq = seq;
	b.flags = 0xc000;
	inet_pton(AF_INET6, "fe80::2", &src);
	len = vrrp_ha_encode_update(pkt, sizeof(pkt), 51, &b, 1);
	CHECK_EQ(vrrp_ha_rx(h, pkt, len, 255, &src), VRRP_HA_OK);
}

static void bc_add(struct vrrp_ha *h, unsigned i, uint32_t lifetime, uint16_t seq)
{
	struct in6_addr hoa, coa;

	nodes_addr(&hoa, "2001:db8:aa::", i);
	nodes_addr(&coa, "2001:db8:cc::", i);
	CHECK(vrrp_ha_bc_add(h, &hoa, &coa, lifetime, seq, 0xc000) == RBC_ADDED);
}

/*
 * Owner A and backup B, every consumer recording:
 *   import of ::1-::3 on A -> ADD bc local on A, ADD rbc peer on B;
 *   delete of ::2          -> DELETE bc local, DELETE rbc peer;
 *   failover: A FAULT, B MASTER (B's daemon registers ::4 locally);
 *   A's daemon restarts empty (flush) and re-learns ::2; A returns as
 *   MASTER and B, now BACKUP, answers its request: ADD + RESTORE bc peer for
 *   ::1 and ::3; a delete of ::2 from a peer once the restore is complete
 *   is not taken (a master hears only the answer to its own request);
 *   ::5 with a 20 s lifetime expires on both.
 */
static void test_live_order(void)
{
	struct node n[2];
	static struct recorder ra[R__COUNT], rb[R__COUNT];
	struct in6_addr hoa;
	size_t i0, i1;

	node_init(&n[0], "A", 255, NULL);
	node_init(&n[1], "B", 100, NULL);
	subscribe_all(n[0].h, ra);
	subscribe_all(n[1].h, rb);
	vrrp_ha_set_state(n[0].h, VRRP_HA_ST_MASTER);
	vrrp_ha_set_state(n[1].h, VRRP_HA_ST_BACKUP);
	nodes_settle(n, 2, 200);

	/* import on the owner */
	for (unsigned i = 1; i <= 3; i++)
		bc_add(n[0].h, i, 3600, 3);
	nodes_settle(n, 2, 100);
	CHECK_EQ(rbc_count(vrrp_ha_get_rbc(n[1].h)), 3);
	/* delete */
	nodes_addr(&hoa, "2001:db8:aa::", 2);
	CHECK_EQ(vrrp_ha_bc_del(n[0].h, &hoa), RBC_DELETED);
	nodes_settle(n, 2, 100);
	CHECK_EQ(rbc_count(vrrp_ha_get_rbc(n[1].h)), 2);

	/* failover */
	vrrp_ha_set_state(n[0].h, VRRP_HA_ST_FAULT);
	vrrp_ha_set_state(n[1].h, VRRP_HA_ST_MASTER);
	nodes_settle(n + 1, 1, 100);
	bc_add(n[1].h, 4, 3600, 1);
	nodes_settle(n + 1, 1, 100);

	/* the owner's daemon restarted empty, re-learned ::2, and the owner returns */
	CHECK_EQ(vrrp_ha_bc_flush(n[0].h), 2);
	/* ... long enough ago that the flush's tombstones are forgotten (a
	 * tombstone rejects the restore of the same seq: stale) */
	for (int s = 0; s < 35; s++)
		nodes_advance(n, 2, 1000);
	nodes_carry(n + 1, 1);
	bc_add(n[0].h, 2, 3600, 3);
	test_loop_clear_packets(n[0].loop);
	n[0].fed = 0;
	vrrp_ha_set_state(n[0].h, VRRP_HA_ST_MASTER);
	vrrp_ha_set_state(n[1].h, VRRP_HA_ST_BACKUP);
	nodes_settle(n, 2, 300);
	CHECK_EQ(vrrp_ha_counters(n[0].h)->restored, 2);
	{
		uint64_t ign = vrrp_ha_counters(n[0].h)->rx_update_ignored;

		inject_update(n[0].h, 2, 0, 4); /* a peer's delete of ::2, seq 4 */
		CHECK_EQ(vrrp_ha_counters(n[0].h)->rx_update_ignored, ign + 1);
	}
	nodes_settle(n, 2, 100);
	CHECK_EQ(rbc_count(vrrp_ha_get_bc(n[0].h)), 3);

	/* expiry */
	bc_add(n[0].h, 5, 20, 1);
	nodes_settle(n, 2, 100);
	CHECK_EQ(rbc_count(vrrp_ha_get_rbc(n[1].h)), 4);
	for (int s = 0; s < 25; s++)
		nodes_advance(n, 2, 1000);
	CHECK_EQ(rbc_count(vrrp_ha_get_rbc(n[1].h)), 3);
	CHECK_EQ(rbc_count(vrrp_ha_get_bc(n[0].h)), 3);

	{
		static const struct want wa[] = {
		        {VRRP_HA_E_ADDED, VRRP_HA_T_BC, VRRP_HA_O_LOCAL, 1},
		        {VRRP_HA_E_ADDED, VRRP_HA_T_BC, VRRP_HA_O_LOCAL, 2},
		        {VRRP_HA_E_ADDED, VRRP_HA_T_BC, VRRP_HA_O_LOCAL, 3},
		        {VRRP_HA_E_DELETED, VRRP_HA_T_BC, VRRP_HA_O_LOCAL, 2},
		        /* the flush walks the table in its order: ::1 then ::3 */
		        {VRRP_HA_E_DELETED, VRRP_HA_T_BC, VRRP_HA_O_LOCAL, 1},
		        {VRRP_HA_E_DELETED, VRRP_HA_T_BC, VRRP_HA_O_LOCAL, 3},
		        {VRRP_HA_E_ADDED, VRRP_HA_T_BC, VRRP_HA_O_LOCAL, 2},
		        {VRRP_HA_E_ADDED, VRRP_HA_T_BC, VRRP_HA_O_PEER, 1},
		        {VRRP_HA_E_RESTORED, VRRP_HA_T_BC, VRRP_HA_O_PEER, 1},
		        {VRRP_HA_E_ADDED, VRRP_HA_T_BC, VRRP_HA_O_PEER, 3},
		        {VRRP_HA_E_RESTORED, VRRP_HA_T_BC, VRRP_HA_O_PEER, 3},
		        {VRRP_HA_E_ADDED, VRRP_HA_T_BC, VRRP_HA_O_LOCAL, 5},
		        {VRRP_HA_E_EXPIRED, VRRP_HA_T_BC, VRRP_HA_O_TIMER, 5},
		};
		static const struct want wb[] = {
		        {VRRP_HA_E_ADDED, VRRP_HA_T_RBC, VRRP_HA_O_PEER, 1},
		        {VRRP_HA_E_ADDED, VRRP_HA_T_RBC, VRRP_HA_O_PEER, 2},
		        {VRRP_HA_E_ADDED, VRRP_HA_T_RBC, VRRP_HA_O_PEER, 3},
		        {VRRP_HA_E_DELETED, VRRP_HA_T_RBC, VRRP_HA_O_PEER, 2},
		        {VRRP_HA_E_ADDED, VRRP_HA_T_BC, VRRP_HA_O_LOCAL, 4},
		        /* the returning owner pushes its table once restored
		         * (::2 re-learned, ::1 and ::3 back from B) */
		        {VRRP_HA_E_ADDED, VRRP_HA_T_RBC, VRRP_HA_O_PEER, 2},
		        {VRRP_HA_E_ADDED, VRRP_HA_T_RBC, VRRP_HA_O_PEER, 5},
		        {VRRP_HA_E_EXPIRED, VRRP_HA_T_RBC, VRRP_HA_O_TIMER, 5},
		};

		/* the restored bindings the owner passes on only refresh B's
		 * copy (REFRESH, checked below) */
		check_bindings("A", &ra[R_FULL], wa, sizeof(wa) / sizeof(wa[0]), true);
		check_bindings("B", &rb[R_FULL], wb, sizeof(wb) / sizeof(wb[0]), true);
	}
	/* REFRESH on B: ::1 and ::3 (restored, passed on), and only after
	 * the owner returned */
	CHECK(find(&rb[R_FULL], 0, VRRP_HA_E_REFRESHED, 1) != SIZE_MAX);
	CHECK(find(&rb[R_FULL], 0, VRRP_HA_E_REFRESHED, 3) != SIZE_MAX);
	i0 = find(&rb[R_FULL], 0, VRRP_HA_E_STATE, 0);
	i0 = find(&rb[R_FULL], i0 + 1, VRRP_HA_E_STATE, 0);
	i0 = find(&rb[R_FULL], i0 + 1, VRRP_HA_E_STATE, 0); /* MASTER -> BACKUP */
	CHECK(i0 != SIZE_MAX && find(&rb[R_FULL], 0, VRRP_HA_E_REFRESHED, 0) > i0);
	check_states("A", &ra[R_FULL], "INIT>MASTER MASTER>FAULT FAULT>MASTER");
	check_states("B", &rb[R_FULL], "INIT>BACKUP BACKUP>MASTER MASTER>BACKUP");
	for (int i = 1; i < R__COUNT; i++) {
		char who[32];

		snprintf(who, sizeof(who), "A %s", rec_names[i]);
		check_subset(who, &ra[i], &ra[R_FULL]);
		snprintf(who, sizeof(who), "B %s", rec_names[i]);
		check_subset(who, &rb[i], &rb[R_FULL]);
	}
	/* the notify consumer on A: the local deletes and the restores */
	CHECK_EQ(ra[R_NOTIFY].n, 5);

	/* causality inside one stream: B's takeover push follows its state
	 * change's SYNC_START; the owner's restore is answered after it asked */
	i0 = find(&rb[R_FULL], 0, VRRP_HA_E_SYNC_STARTED, 0);
	CHECK(i0 != SIZE_MAX);
	i0 = find(&ra[R_FULL], find(&ra[R_FULL], 0, VRRP_HA_E_DELETED, 3), VRRP_HA_E_SYNC_STARTED,
	          0);
	i1 = find(&ra[R_FULL], 0, VRRP_HA_E_RESTORED, 1);
	CHECK(i0 != SIZE_MAX && i1 != SIZE_MAX && i0 < i1);
	/* and every binding event carries its binding */
	for (size_t i = 0; i < ra[R_FULL].n && i < REC_MAX; i++)
		CHECK(ra[R_FULL].ev[i].has_b == vrrp_ha_event_is_binding(ra[R_FULL].ev[i].type));

	/* an unsubscribed consumer hears nothing more; the others go on */
	vrrp_ha_unsubscribe(n[0].h, ra[R_CHANGE].id);
	i0 = ra[R_CHANGE].n;
	i1 = ra[R_FULL].n;
	bc_add(n[0].h, 6, 3600, 1);
	CHECK_EQ(ra[R_CHANGE].n, i0);
	CHECK_EQ(ra[R_FULL].n, i1 + 1);
	node_free(&n[0]);
	node_free(&n[1]);
}

int main(void)
{
	test_bus_masks_and_counts();
	test_bus_unsubscribe_in_callback();
	test_bus_nested();
	test_words();
	test_format();
	test_live_order();
	if (failures) {
		fprintf(stderr, "test_events: %d check(s) failed\n", failures);
		return 1;
	}
	printf("test_events: all checks passed\n");
	return 0;
}
