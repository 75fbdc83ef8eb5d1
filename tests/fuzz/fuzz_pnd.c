/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_pnd.c - fuzz target for the proxy ND responder's frame check
 * (vrrp_ha_pnd_input), on a handle whose interface does not exist (nothing
 * is sent, nothing touches the kernel). Input byte 0: bit 0 = outgoing,
 * bit 1 = fix the ICMPv6 checksum first (so mutations get past it); the
 * rest is the Ethernet frame.
 */
#include <string.h>
#include <arpa/inet.h>

#include "fuzz_target.h"
#include "vrrp_ha/proxynd.h"

#define ETH_LEN 14
#define IP6_LEN 40
#define NHOA    16

static struct vrrp_ha_pnd *pnd;

void fuzz_target_init(void)
{
	struct vrrp_ha_pnd_config cfg;
	struct in6_addr a;
	unsigned i;

	vrrp_ha_pnd_config_defaults(&cfg);
	strcpy(cfg.ifname, "xfuzz0"); /* need not exist */
	cfg.protocol = 0;             /* no stale-entry clean-up */
	pnd = vrrp_ha_pnd_new(&cfg, NULL, NULL);
	FUZZ_ASSERT(pnd);
	/* the HoAs 2001:db8::1 .. ::10 the corpus solicits */
	inet_pton(AF_INET6, "2001:db8::", &a);
	for (i = 1; i <= NHOA; i++) {
		a.s6_addr[15] = (uint8_t)i;
		FUZZ_ASSERT(vrrp_ha_pnd_add(pnd, &a) == 1);
	}
}

void fuzz_target_fini(void)
{
	vrrp_ha_pnd_free(pnd);
	pnd = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct vrrp_ha_pnd_counters *c;
	enum vrrp_ha_pnd_reason r;
	uint64_t before, after;
	uint8_t *f;
	size_t len;
	unsigned i;

	if (size < 1)
		return 0;
	len = size - 1;
	f = malloc(len ? len : 1);
	FUZZ_ASSERT(f);
	memcpy(f, data + 1, len);
	if ((data[0] & 2) && len >= ETH_LEN + IP6_LEN + 4) {
		struct in6_addr src, dst;
		size_t icmp_len = len - ETH_LEN - IP6_LEN;
		uint16_t sum;

		memcpy(src.s6_addr, f + ETH_LEN + 8, 16);
		memcpy(dst.s6_addr, f + ETH_LEN + 24, 16);
		f[ETH_LEN + IP6_LEN + 2] = f[ETH_LEN + IP6_LEN + 3] = 0;
		sum = vrrp_ha_pnd_icmp6_csum(&src, &dst, f + ETH_LEN + IP6_LEN, icmp_len);
		f[ETH_LEN + IP6_LEN + 2] = (uint8_t)(sum >> 8);
		f[ETH_LEN + IP6_LEN + 3] = (uint8_t)sum;
	}
	c = vrrp_ha_pnd_counters(pnd);
	for (before = 0, i = 0; i < VRRP_HA_PND_R__COUNT; i++)
		before += c->ns_rx[i];
	r = vrrp_ha_pnd_input(pnd, f, len, data[0] & 1);
	FUZZ_ASSERT((unsigned)r < VRRP_HA_PND_R__COUNT);
	/* inactive: never answers, never sends */
	FUZZ_ASSERT(r != VRRP_HA_PND_R_ANSWERED && r != VRRP_HA_PND_R_TX_ERROR);
	c = vrrp_ha_pnd_counters(pnd);
	for (after = 0, i = 0; i < VRRP_HA_PND_R__COUNT; i++)
		after += c->ns_rx[i];
	FUZZ_ASSERT(after == before + 1);
	FUZZ_ASSERT(c->unas_sent == 0 && c->user_answers == 0);
	FUZZ_ASSERT(vrrp_ha_pnd_count(pnd) == NHOA);
	FUZZ_ASSERT(vrrp_ha_pnd_mode(pnd) == VRRP_HA_PND_OFF);
	free(f);
	return 0;
}

FUZZ_LIBFUZZER_INIT
