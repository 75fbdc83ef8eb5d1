/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_hao.c - fuzz target for the full recovery trigger detector
 * (recovery.h): vrrp_ha_fr_input (an IPv6 packet) and
 * vrrp_ha_fr_input_dstopts (the raw socket's view). Input byte 0 bit 0
 * selects: 0 = the rest is an IPv6 packet; 1 = src (16), dst (16), ifindex
 * (1), then the Destination Options header onward. The RBC is simulated:
 * 2001:db8::/64 HoAs whose last byte is below 0x80 are known. Active, no
 * socket; queued recoveries are drained after every input.
 */
#include <string.h>

#include "fuzz_target.h"
#include "vrrp_ha/recovery.h"

static struct vrrp_ha_fr *fr;
static uint64_t now_ms = 1000;
static unsigned triggered;

static bool known(const struct in6_addr *a)
{
	static const uint8_t pfx[8] = {0x20, 0x01, 0x0d, 0xb8};

	return !memcmp(a->s6_addr, pfx, 8) && a->s6_addr[15] < 0x80;
}

static bool hk_lookup(void *arg, const struct in6_addr *hoa, struct in6_addr *coa,
                      uint64_t *expires_ms)
{
	if (!known(hoa))
		return false;
	memset(coa, 0, sizeof(*coa));
	coa->s6_addr[0] = 0x20;
	coa->s6_addr[15] = 9;
	*expires_ms = now_ms + 3600000;
	return true;
}

static void hk_triggered(void *arg, const struct in6_addr *hoa, const struct in6_addr *coa)
{
	FUZZ_ASSERT(known(hoa));
	triggered++;
}

void fuzz_target_init(void)
{
	struct vrrp_ha_fr_config cfg;
	struct vrrp_ha_fr_hooks hk = {.lookup = hk_lookup, .triggered = hk_triggered};

	vrrp_ha_fr_config_defaults(&cfg);
	/* the virtual HA address of the corpus: 2001:db8:ffff::1 */
	memset(&cfg.vha, 0, sizeof(cfg.vha));
	memcpy(cfg.vha.s6_addr, "\x20\x01\x0d\xb8\xff\xff", 6);
	cfg.vha.s6_addr[15] = 1;
	cfg.rate_per_s = 1000000;
	cfg.burst = 1000000;
	fr = vrrp_ha_fr_new(&cfg, NULL, NULL, &hk);
	FUZZ_ASSERT(fr);
	vrrp_ha_fr_set_active(fr, true);
}

void fuzz_target_fini(void)
{
	vrrp_ha_fr_free(fr);
	fr = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vrrp_ha_fr_event ev[16];
	enum vrrp_ha_fr_reason r;
	unsigned before = triggered;
	uint64_t next;
	uint8_t *p;
	size_t n, len;

	if (size < 1)
		return 0;
	len = size - 1;
	p = malloc(len ? len : 1);
	FUZZ_ASSERT(p);
	memcpy(p, data + 1, len);
	if (!(data[0] & 1)) {
		r = vrrp_ha_fr_input(fr, p, len, now_ms);
	} else if (len >= 33) {
		struct in6_addr src, dst;

		memcpy(src.s6_addr, p, 16);
		memcpy(dst.s6_addr, p + 16, 16);
		/* the options after the addresses, again in an exact-size copy */
		{
			uint8_t *o = malloc(len - 33 ? len - 33 : 1);

			FUZZ_ASSERT(o);
			memcpy(o, p + 33, len - 33);
			r = vrrp_ha_fr_input_dstopts(fr, &src, &dst, p[32], o, len - 33, now_ms);
			free(o);
		}
	} else {
		free(p);
		return 0;
	}
	FUZZ_ASSERT((unsigned)r < VRRP_HA_FR_R__COUNT);
	FUZZ_ASSERT((r == VRRP_HA_FR_R_TRIGGERED) == (triggered == before + 1));
	FUZZ_ASSERT(triggered <= before + 1);
	now_ms += 7;
	while ((n = vrrp_ha_fr_poll(fr, now_ms, ev, 16, &next)) > 0)
		for (size_t i = 0; i < n; i++)
			FUZZ_ASSERT(ev[i].cause == VRRP_HA_FR_TRIGGER && known(&ev[i].hoa));
	FUZZ_ASSERT(vrrp_ha_fr_queued(fr) == 0);
	free(p);
	return 0;
}

FUZZ_LIBFUZZER_INIT
