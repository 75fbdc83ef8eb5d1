/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_mh.c - fuzz target for the Home Agent Switch parser (vrrp_ha/mh.h).
 * Input byte 0 bit 0: 1 = the next 32 bytes are src and dst for the
 * checksum; the rest is the Mobility Header. A message that parses is built
 * again from what was parsed and must come out the same (reserved octets
 * and the checksum aside), and its checksum must verify when checked.
 */
#include <string.h>

#include "fuzz_target.h"
#include "vrrp_ha/mh.h"

void fuzz_target_init(void)
{
}

void fuzz_target_fini(void)
{
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct in6_addr addrs[VRRP_HA_MH_HAS_MAX_ADDRS];
	static uint8_t again[VRRP_HA_MH_MAX_LEN];
	struct in6_addr src, dst, *ps = NULL, *pd = NULL;
	struct vrrp_ha_mh_has has;
	enum vrrp_ha_mh_reason r;
	size_t len, n;
	uint8_t *p;

	if (size < 1)
		return 0;
	data++;
	size--;
	if (data[-1] & 1) {
		if (size < 32)
			return 0;
		memcpy(src.s6_addr, data, 16);
		memcpy(dst.s6_addr, data + 16, 16);
		ps = &src;
		pd = &dst;
		data += 32;
		size -= 32;
	}
	len = size;
	p = malloc(len ? len : 1); /* exact size: ASan sees a read past the end */
	FUZZ_ASSERT(p);
	memcpy(p, data, len);
	r = vrrp_ha_mh_parse_has(p, len, ps, pd, &has);
	FUZZ_ASSERT((unsigned)r < VRRP_HA_MH_R__COUNT);
	if (r == VRRP_HA_MH_OK) {
		FUZZ_ASSERT(len % 8 == 0 && len >= 8 && len <= VRRP_HA_MH_MAX_LEN);
		FUZZ_ASSERT(8 + (size_t)has.naddr * 16 + has.opts_len == len);
		FUZZ_ASSERT(has.naddr <= VRRP_HA_MH_HAS_MAX_ADDRS);
		for (unsigned i = 0; i < has.naddr; i++)
			vrrp_ha_mh_has_addr(&has, i, &addrs[i]);
		/* the options as received already end on an 8-octet boundary */
		n = vrrp_ha_mh_build_has(again, sizeof(again), addrs, has.naddr, has.opts,
		                         has.opts_len, ps, pd);
		FUZZ_ASSERT(n == len);
		FUZZ_ASSERT(again[0] == p[0] && again[1] == p[1] && again[2] == p[2] &&
		            again[6] == p[6]);
		FUZZ_ASSERT(!memcmp(again + 8, p + 8, len - 8));
		if (ps)
			FUZZ_ASSERT(vrrp_ha_mh_checksum(ps, pd, again, n) == 0);
	}
	free(p);
	return 0;
}

FUZZ_LIBFUZZER_INIT
