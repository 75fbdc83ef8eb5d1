/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_mopt.c - fuzz target for the mobility option TLVs (mopt.h): the
 * iterator stays in bounds and agrees with validate/find; a valid buffer
 * rebuilt with the builder (padding dropped, then re-aligned) yields the
 * same options.
 */
#include <string.h>

#include "fuzz_target.h"
#include "vrrp_ha/mopt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vrrp_ha_mopt_it it;
	struct vrrp_ha_mopt o, f;
	struct vrrp_ha_wr w;
	size_t bad = 0, cap = size + 8 * (size / 2 + 1);
	uint8_t *out;
	int rc, n = 0, v;

	vrrp_ha_mopt_begin(&it, data, size);
	while ((rc = vrrp_ha_mopt_next(&it, &o, &bad)) == 1) {
		FUZZ_ASSERT(o.off + 2 + o.len <= size && o.data == data + o.off + 2);
		FUZZ_ASSERT(o.type != VRRP_HA_MOPT_PAD1 && o.type != VRRP_HA_MOPT_PADN);
		FUZZ_ASSERT(vrrp_ha_mopt_len_ok(o.type, o.len));
		if (o.type == VRRP_HA_MOPT_TIMESTAMP)
			(void)vrrp_ha_mopt_timestamp(&o);
		if (o.type == VRRP_HA_MOPT_VENDOR) {
			const uint8_t *d;
			size_t l;

			(void)vrrp_ha_mopt_vendor(&o, NULL, &d, &l);
			FUZZ_ASSERT(d + l == o.data + o.len);
		}
		n++;
	}
	FUZZ_ASSERT(rc == 0 || rc == -1);
	if (rc < 0)
		FUZZ_ASSERT(bad < size);
	FUZZ_ASSERT(vrrp_ha_mopt_next(&it, &o, NULL) == rc); /* sticky */
	v = vrrp_ha_mopt_validate(data, size, NULL);
	FUZZ_ASSERT(rc < 0 ? v == -1 : v == n);
	if (size && vrrp_ha_mopt_find(data, size, data[0], &f) == 1)
		FUZZ_ASSERT(f.type == data[0]);
	if (rc < 0)
		return 0;

	/* rebuild: each option, then re-align to 8n+2 between them */
	out = malloc(cap);
	FUZZ_ASSERT(out);
	vrrp_ha_wr_init(&w, out, cap);
	vrrp_ha_mopt_begin(&it, data, size);
	while (vrrp_ha_mopt_next(&it, &o, NULL) == 1) {
		FUZZ_ASSERT(vrrp_ha_mopt_put(&w, o.type, o.data, o.len) == 0);
		FUZZ_ASSERT(vrrp_ha_mopt_align(&w, 0, 8, 2) == 0);
	}
	FUZZ_ASSERT(vrrp_ha_mopt_validate(out, w.off, NULL) == n);
	{
		struct vrrp_ha_mopt_it a, b;
		struct vrrp_ha_mopt x, y;

		vrrp_ha_mopt_begin(&a, data, size);
		vrrp_ha_mopt_begin(&b, out, w.off);
		while (vrrp_ha_mopt_next(&a, &x, NULL) == 1) {
			FUZZ_ASSERT(vrrp_ha_mopt_next(&b, &y, NULL) == 1);
			FUZZ_ASSERT(x.type == y.type && x.len == y.len &&
			            !memcmp(x.data, y.data, x.len));
		}
		FUZZ_ASSERT(vrrp_ha_mopt_next(&b, &y, NULL) == 0);
	}
	free(out);
	return 0;
}

void fuzz_target_init(void)
{
}

void fuzz_target_fini(void)
{
}

FUZZ_LIBFUZZER_INIT
