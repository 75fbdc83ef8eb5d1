/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_switch.c - the SWITCH section (docs/protocol.md "SWITCH", harp.md)
 * and the MAGSW section (LMA Inter Switch, pmipv6.md): known-answer bytes
 * both ways, every prefix of a valid message refused as a whole, each value
 * rule, the status names.
 */
#include "check.h"
#include "vrrp_ha/ext.h"
#include "vrrp_ha/switch.h"
#include "vrrp_ha/magsw.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

struct seen {
	unsigned n;
	struct vrrp_ha_ext_switch last;
	unsigned nskip;
	enum vrrp_ha_ext_reason why;
};

static void on_sw(void *arg, const struct vrrp_ha_ext_switch *r)
{
	struct seen *s = arg;

	s->n++;
	s->last = *r;
}

static void on_skip(void *arg, uint8_t kind, unsigned idx, enum vrrp_ha_ext_reason r)
{
	struct seen *s = arg;

	(void)kind;
	(void)idx;
	s->nskip++;
	s->why = r;
}

static enum vrrp_ha_ext_reason parse(const uint8_t *p, size_t n, struct seen *s)
{
	struct vrrp_ha_ext_cb cb = {.arg = s, .sw = on_sw, .skipped = on_skip};

	memset(s, 0, sizeof(*s));
	return vrrp_ha_ext_parse(p, n, NULL, &cb, NULL);
}

/* A SwitchBack Reply, status 130, id 0x01020304, from a MASTER (2) at
 * priority 200/150, in sync (0), flags IN_SYNC, 400 bindings, digest
 * 0x1122334455667788, for fe80::2. */
static const uint8_t KAT[] = {
        0x3c, 0x07, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, /* VRRP 3 / type 12, VRID 7, ext 1, 1 sec */
        0x0c, 0x01, 0x00, 0x28,                         /* kind 12, 1 record, 40 bytes */
        0x06, 0x02, 0x00, 0x82,                         /* op 6, state 2, status 130 */
        0x01, 0x02, 0x03, 0x04,                         /* id */
        0xc8, 0x96, 0x00, 0x01,                         /* priority, effective, sync, flags */
        0x00, 0x00, 0x01, 0x90,                         /* count 400 */
        0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, /* sum */
        0xfe, 0x80, 0,    0,    0,    0,    0,    0,    0, 0, 0, 0, 0, 0, 0, 0x02,
};

static struct vrrp_ha_ext_switch kat_rec(void)
{
	struct vrrp_ha_ext_switch m;

	memset(&m, 0, sizeof(m));
	m.op = VRRP_HA_SW_SWITCHBACK_REPLY;
	m.vrrp_state = 2;
	m.status = VRRP_HA_SW_NOT_IN_SYNC;
	m.id = 0x01020304;
	m.priority = 200;
	m.eff_priority = 150;
	m.sync_state = 0;
	m.flags = VRRP_HA_SW_F_IN_SYNC;
	m.count = 400;
	m.sum = 0x1122334455667788ull;
	inet_pton(AF_INET6, "fe80::2", &m.target);
	return m;
}

static void test_kat(void)
{
	struct vrrp_ha_ext_switch m = kat_rec();
	uint8_t out[128];
	struct vrrp_ha_ext_wr x;
	struct seen s;

	CHECK_EQ(vrrp_ha_ext_begin(&x, out, sizeof(out), 7), 0);
	CHECK_EQ(vrrp_ha_ext_put_switch(&x, &m), 0);
	CHECK_EQ(vrrp_ha_ext_finish(&x), sizeof(KAT));
	CHECK(!memcmp(out + 8, KAT + 8, sizeof(KAT) - 8)); /* bytes 4-5: the checksum field */
	CHECK_EQ(parse(KAT, sizeof(KAT), &s), VRRP_HA_EXT_OK);
	CHECK_EQ(s.n, 1);
	CHECK_EQ(s.nskip, 0);
	CHECK_EQ(s.last.op, m.op);
	CHECK_EQ(s.last.status, 130);
	CHECK_EQ(s.last.id, 0x01020304u);
	CHECK_EQ(s.last.priority, 200);
	CHECK_EQ(s.last.eff_priority, 150);
	CHECK_EQ(s.last.flags, VRRP_HA_SW_F_IN_SYNC);
	CHECK_EQ(s.last.count, 400);
	CHECK(s.last.sum == m.sum);
	CHECK(!memcmp(&s.last.target, &m.target, 16));
	CHECK(vrrp_ha_ext_known_kinds() & (1u << VRRP_HA_EXT_K_SWITCH));
	CHECK(!strcmp(vrrp_ha_ext_kind_name(VRRP_HA_EXT_K_SWITCH), "switch"));
}

/* Every prefix of the message is refused as a whole (nothing delivered). */
static void test_prefixes(void)
{
	struct seen s;

	for (size_t n = 0; n < sizeof(KAT); n++) {
		enum vrrp_ha_ext_reason why = parse(KAT, n, &s);

		CHECK(why != VRRP_HA_EXT_OK);
		CHECK_EQ(s.n, 0);
	}
}

/* Records breaking one rule each: skipped (bad_switch), never built. */
static void spoil_op0(struct vrrp_ha_ext_switch *m)
{
	m->op = 0;
}
static void spoil_op7(struct vrrp_ha_ext_switch *m)
{
	m->op = 7;
}
static void spoil_id0(struct vrrp_ha_ext_switch *m)
{
	m->id = 0;
}
static void spoil_flag(struct vrrp_ha_ext_switch *m)
{
	m->flags |= 0x80;
}
static void spoil_req_status(struct vrrp_ha_ext_switch *m)
{
	m->op = VRRP_HA_SW_SWITCHBACK_REQUEST; /* a request with a status */
}
static void spoil_global_target(struct vrrp_ha_ext_switch *m)
{
	inet_pton(AF_INET6, "2001:db8::2", &m->target);
}
static void spoil_any_target(struct vrrp_ha_ext_switch *m)
{
	memset(&m->target, 0, 16); /* only a Hello Request is for anyone */
}

static void test_value_rules(void)
{
	void (*spoil[])(struct vrrp_ha_ext_switch *) = {
	        spoil_op0,        spoil_op7,           spoil_id0,       spoil_flag,
	        spoil_req_status, spoil_global_target, spoil_any_target};

	for (size_t i = 0; i < sizeof(spoil) / sizeof(spoil[0]); i++) {
		struct vrrp_ha_ext_switch m = kat_rec();
		uint8_t out[128], raw[sizeof(KAT)];
		struct vrrp_ha_ext_wr x;
		struct seen s;

		spoil[i](&m);
		CHECK_EQ(vrrp_ha_ext_begin(&x, out, sizeof(out), 7), 0);
		CHECK_EQ(vrrp_ha_ext_put_switch(&x, &m), -EINVAL);
		/* the same values on the wire */
		memcpy(raw, KAT, sizeof(KAT));
		raw[12] = m.op;
		raw[14] = (uint8_t)(m.status >> 8);
		raw[15] = (uint8_t)m.status;
		raw[16] = (uint8_t)(m.id >> 24);
		raw[17] = (uint8_t)(m.id >> 16);
		raw[18] = (uint8_t)(m.id >> 8);
		raw[19] = (uint8_t)m.id;
		raw[23] = m.flags;
		memcpy(raw + 36, &m.target, 16);
		CHECK_EQ(parse(raw, sizeof(raw), &s), VRRP_HA_EXT_OK); /* the packet is fine */
		CHECK_EQ(s.n, 0);
		CHECK_EQ(s.nskip, 1);
		CHECK_EQ(s.why, VRRP_HA_EXT_R_BAD_SWITCH);
	}
	/* a Hello Request may be for anyone, and only it */
	{
		struct vrrp_ha_ext_switch m = kat_rec();
		uint8_t out[128];
		struct vrrp_ha_ext_wr x;

		m.op = VRRP_HA_SW_HELLO_REQUEST;
		m.status = 0;
		memset(&m.target, 0, 16);
		CHECK_EQ(vrrp_ha_ext_begin(&x, out, sizeof(out), 7), 0);
		CHECK_EQ(vrrp_ha_ext_put_switch(&x, &m), 0);
	}
	/* a wrong record length is the section's problem */
	{
		uint8_t raw[sizeof(KAT) + 1];
		struct seen s;

		memcpy(raw, KAT, sizeof(KAT));
		raw[sizeof(KAT)] = 0;
		raw[11] = 41;
		CHECK_EQ(parse(raw, sizeof(raw), &s), VRRP_HA_EXT_OK);
		CHECK_EQ(s.n, 0);
		CHECK_EQ(s.why, VRRP_HA_EXT_R_BAD_SECTION_LEN);
	}
}

/* ---- MAGSW (LMA Inter Switch for one MAG) ------------------------------ */

struct mseen {
	unsigned n, nskip;
	struct vrrp_ha_ext_magsw last;
	enum vrrp_ha_ext_reason why;
};

static void on_magsw(void *arg, const struct vrrp_ha_ext_magsw *r)
{
	struct mseen *s = arg;

	s->n++;
	s->last = *r;
}

static void on_mskip(void *arg, uint8_t kind, unsigned idx, enum vrrp_ha_ext_reason r)
{
	struct mseen *s = arg;

	(void)kind;
	(void)idx;
	s->nskip++;
	s->why = r;
}

static enum vrrp_ha_ext_reason mparse(const uint8_t *p, size_t n, struct mseen *s)
{
	struct vrrp_ha_ext_cb cb = {.arg = s, .magsw = on_magsw, .skipped = on_mskip};

	memset(s, 0, sizeof(*s));
	return vrrp_ha_ext_parse(p, n, NULL, &cb, NULL);
}

/* A Reply, status 128, id 0x0a0b0c0d, MAG 2001:db8:3a::1 and 192.0.2.1,
 * 12 bindings, digest 0x0102030405060708. */
static const uint8_t MKAT[] = {
        0x3c, 0x07, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, /* VRRP 3 / type 12, VRID 7, ext 1, 1 sec */
        0x0e, 0x01, 0x00, 0x28,                         /* kind 14, 1 record, 40 bytes */
        0x01, 0x80, 0x00, 0x00,                         /* op 1, status 128, flags */
        0x0a, 0x0b, 0x0c, 0x0d,                         /* id */
        0x20, 0x01, 0x0d, 0xb8, 0x00, 0x3a, 0,    0,    0,    0,
        0,    0,    0,    0,    0,    0x01, 0xc0, 0x00, 0x02, 0x01, /* IPv4 */
        0x00, 0x00, 0x00, 0x0c,                                     /* count */
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,             /* sum */
};

static struct vrrp_ha_ext_magsw mkat_rec(void)
{
	struct vrrp_ha_ext_magsw m;

	memset(&m, 0, sizeof(m));
	m.op = VRRP_HA_MAGSW_REPLY;
	m.status = VRRP_HA_SW_NOT_ACTIVE;
	m.id = 0x0a0b0c0d;
	inet_pton(AF_INET6, "2001:db8:3a::1", &m.mag);
	inet_pton(AF_INET, "192.0.2.1", &m.mag4);
	m.count = 12;
	m.sum = 0x0102030405060708ull;
	return m;
}

static void test_magsw(void)
{
	struct vrrp_ha_ext_magsw m = mkat_rec();
	uint8_t out[128], raw[sizeof(MKAT)];
	struct vrrp_ha_ext_wr x;
	struct mseen s;

	CHECK_EQ(vrrp_ha_ext_begin(&x, out, sizeof(out), 7), 0);
	CHECK_EQ(vrrp_ha_ext_put_magsw(&x, &m), 0);
	CHECK_EQ(vrrp_ha_ext_finish(&x), sizeof(MKAT));
	CHECK(!memcmp(out + 8, MKAT + 8, sizeof(MKAT) - 8));
	CHECK_EQ(mparse(MKAT, sizeof(MKAT), &s), VRRP_HA_EXT_OK);
	CHECK_EQ(s.n, 1);
	CHECK_EQ(s.last.op, VRRP_HA_MAGSW_REPLY);
	CHECK_EQ(s.last.status, 128);
	CHECK_EQ(s.last.id, 0x0a0b0c0du);
	CHECK(!memcmp(&s.last.mag, &m.mag, 16));
	CHECK(s.last.mag4 == m.mag4);
	CHECK_EQ(s.last.count, 12);
	CHECK(s.last.sum == m.sum);
	CHECK(!strcmp(vrrp_ha_ext_kind_name(VRRP_HA_EXT_K_MAGSW), "magsw"));
	CHECK(vrrp_ha_ext_known_kinds() & (1u << VRRP_HA_EXT_K_MAGSW));
	for (size_t n = 0; n < sizeof(MKAT); n++) {
		CHECK(mparse(MKAT, n, &s) != VRRP_HA_EXT_OK);
		CHECK_EQ(s.n, 0);
	}
	/* each rule: the builder refuses, the parser skips the record */
	for (int i = 0; i < 5; i++) {
		m = mkat_rec();
		switch (i) {
		case 0:
			m.op = 6;
			break;
		case 1:
			m.id = 0;
			break;
		case 2:
			m.flags = 1;
			break;
		case 3:
			m.op = VRRP_HA_MAGSW_REQUEST; /* a request with a status */
			break;
		default:
			inet_pton(AF_INET6, "fe80::1", &m.mag);
			break;
		}
		CHECK_EQ(vrrp_ha_ext_begin(&x, out, sizeof(out), 7), 0);
		CHECK_EQ(vrrp_ha_ext_put_magsw(&x, &m), -EINVAL);
		memcpy(raw, MKAT, sizeof(MKAT));
		raw[12] = m.op;
		raw[13] = m.status;
		raw[14] = (uint8_t)(m.flags >> 8);
		raw[15] = (uint8_t)m.flags;
		raw[16] = (uint8_t)(m.id >> 24);
		raw[17] = (uint8_t)(m.id >> 16);
		raw[18] = (uint8_t)(m.id >> 8);
		raw[19] = (uint8_t)m.id;
		memcpy(raw + 20, &m.mag, 16);
		CHECK_EQ(mparse(raw, sizeof(raw), &s), VRRP_HA_EXT_OK);
		CHECK_EQ(s.n, 0);
		CHECK_EQ(s.nskip, 1);
		CHECK_EQ(s.why, VRRP_HA_EXT_R_BAD_MAGSW);
	}
	CHECK(!strcmp(vrrp_ha_ext_reason_name(VRRP_HA_EXT_R_BAD_MAGSW), "bad_magsw"));
}

static void test_names(void)
{
	CHECK(!strcmp(vrrp_ha_switch_status_name(0), "success"));
	CHECK(!strcmp(vrrp_ha_switch_status_name(128), "not_active"));
	CHECK(!strcmp(vrrp_ha_switch_status_name(129), "prohibited"));
	CHECK(!strcmp(vrrp_ha_switch_status_name(130), "not_in_sync"));
	CHECK(!strcmp(vrrp_ha_switch_status_name(131), "busy"));
	CHECK(!strcmp(vrrp_ha_switch_status_name(VRRP_HA_SW_R_TIMEOUT), "timeout"));
	CHECK(!strcmp(vrrp_ha_switch_status_name(VRRP_HA_SW_R_NO_STANDBY), "no_standby"));
	CHECK(!strcmp(vrrp_ha_switch_status_name(7), "unknown"));
	CHECK(!strcmp(vrrp_ha_ext_reason_name(VRRP_HA_EXT_R_BAD_SWITCH), "bad_switch"));
	/* MAGSW shares the codes; 128 is about one MAG there */
	CHECK(!strcmp(vrrp_ha_magsw_status_name(0), "success"));
	CHECK(!strcmp(vrrp_ha_magsw_status_name(128), "not_serving"));
	CHECK(!strcmp(vrrp_ha_magsw_status_name(130), "not_in_sync"));
	CHECK(!strcmp(vrrp_ha_magsw_status_name(VRRP_HA_MAGSW_R_TIMEOUT), "timeout"));
	CHECK(!strcmp(vrrp_ha_magsw_status_name(1), "unknown"));
}

int main(void)
{
	test_kat();
	test_prefixes();
	test_value_rules();
	test_names();
	test_magsw();
	if (failures)
		fprintf(stderr, "test_switch: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
