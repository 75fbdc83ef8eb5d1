/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * replay.c - anti-replay: per sender (source address, VRID) the highest
 * verified sequence number and a 64-bit window below it, in the manner of
 * RFC 4303 3.4.3. The window is checked before the tag (cheap, and a replay
 * is refused whatever its tag) and moved only after the tag verified, so a
 * forgery can neither create a sender state nor move one.
 */
#include <string.h>

#include "auth/auth_int.h"

struct auth_sender *auth_sender_find(struct auth_senders *t, const struct in6_addr *src,
                                     uint8_t vrid)
{
	for (unsigned i = 0; i < VRRP_HA_AUTH_MAX_SENDERS; i++) {
		struct auth_sender *s = &t->s[i];

		if (s->used && s->vrid == vrid && !memcmp(&s->src, src, sizeof(*src)))
			return s;
	}
	return NULL;
}

enum vrrp_ha_auth_result auth_window_check(const struct auth_sender *s, uint64_t seq)
{
	uint64_t back;

	if (!s || seq > s->top)
		return VRRP_HA_AUTH_R_OK;
	back = s->top - seq;
	if (back >= VRRP_HA_AUTH_WINDOW)
		return VRRP_HA_AUTH_R_TOO_OLD;
	return s->bitmap >> back & 1 ? VRRP_HA_AUTH_R_REPLAY : VRRP_HA_AUTH_R_OK;
}

/* A free slot, or the least recently verified sender's (*evicted set). */
static struct auth_sender *sender_slot(struct auth_senders *t, bool *evicted)
{
	struct auth_sender *lru = NULL;

	for (unsigned i = 0; i < VRRP_HA_AUTH_MAX_SENDERS; i++) {
		struct auth_sender *s = &t->s[i];

		if (!s->used)
			return s;
		if (!lru || s->tick < lru->tick)
			lru = s;
	}
	*evicted = true;
	t->n--;
	return lru;
}

void auth_window_accept(struct auth_senders *t, struct auth_sender *s, const struct in6_addr *src,
                        uint8_t vrid, uint64_t seq, bool *evicted)
{
	*evicted = false;
	t->tick++;
	if (!s) {
		s = sender_slot(t, evicted);
		memset(s, 0, sizeof(*s));
		s->used = true;
		s->src = *src;
		s->vrid = vrid;
		s->top = seq;
		s->bitmap = 1;
		s->tick = t->tick;
		t->n++;
		return;
	}
	s->tick = t->tick;
	if (seq > s->top) {
		uint64_t shift = seq - s->top;

		s->bitmap = shift >= VRRP_HA_AUTH_WINDOW ? 0 : s->bitmap << shift;
		s->bitmap |= 1;
		s->top = seq;
	} else {
		s->bitmap |= UINT64_C(1) << (s->top - seq);
	}
}
