/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * auth-bench - what sync authentication (auth.h) costs per message: ns per
 * vrrp_ha_auth_protect and vrrp_ha_auth_unprotect of a 1400-byte extension
 * message, for each cipher x mode, beside a memcpy of the same 1400 bytes
 * measured in the same run (the floor of any copy into a send buffer) and
 * the ratio to it. Goal: well under 1 us per message with AES-256-GCM.
 *
 * usage: auth-bench [N]     (messages per pass, default 200000)
 * Each figure is the best of REPEAT passes on CLOCK_MONOTONIC. Messages are
 * protected BATCH at a time, then received in order by a receiver that
 * started with an empty window (a fresh seq each time: the real receive
 * path, window and all), so they are in cache as a just-received one is. Key files and epoch files
 * go to a mkdtemp dir.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "vrrp_ha/auth.h"

#define REPEAT  5
#define MSG_LEN 1400
#define GOAL_NS 1000.0
#define BATCH   64 /* messages protected, then received, at a time */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A plaintext extension message of MSG_LEN bytes: one section of kind 9
 * (unknown to receivers, skipped by length) filling it. */
static void mk_msg(uint8_t *m)
{
	size_t rec = MSG_LEN - 12;

	memset(m, 0, 8);
	m[0] = 0x3C;
	m[1] = 51;
	m[2] = 1;
	m[3] = 1;
	m[8] = 9;
	m[9] = 1;
	m[10] = (uint8_t)(rec >> 8);
	m[11] = (uint8_t)rec;
	for (size_t i = 0; i < rec; i++)
		m[12 + i] = (uint8_t)(i * 131 + 7);
}

static struct vrrp_ha_auth *mk(const char *dir, enum vrrp_ha_auth_mode mode,
                               enum vrrp_ha_auth_alg alg, const char *who)
{
	char kf[128], ef[128], err[256];
	struct vrrp_ha_auth_cfg cfg = {mode, alg, kf, ef, "BENCH", NULL, NULL};
	struct vrrp_ha_auth *a;
	FILE *f;

	snprintf(kf, sizeof(kf), "%s/%s.keys", dir, vrrp_ha_auth_alg_name(alg));
	snprintf(ef, sizeof(ef), "%s/%s.epoch", dir, who);
	f = fopen(kf, "w");
	if (!f)
		return NULL;
	fprintf(f, "key 1 %s 3d1f0a5c7e9b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f1a2c4e6b8d0f\n",
	        vrrp_ha_auth_alg_name(alg));
	fclose(f);
	chmod(kf, 0600);
	a = vrrp_ha_auth_new(&cfg, err, sizeof(err));
	if (!a)
		fprintf(stderr, "auth-bench: %s\n", err);
	return a;
}

static double best(const double *v)
{
	double b = v[0];

	for (int i = 1; i < REPEAT; i++)
		if (v[i] < b)
			b = v[i];
	return b;
}

int main(int argc, char **argv)
{
	static const enum vrrp_ha_auth_alg algs[] = {VRRP_HA_AUTH_AES256GCM,
	                                             VRRP_HA_AUTH_CHACHA20POLY1305};
	static const enum vrrp_ha_auth_mode modes[] = {VRRP_HA_AUTH_ENCRYPT,
	                                               VRRP_HA_AUTH_INTEGRITY};
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 200000;
	struct in6_addr src = {{{0xfe, 0x80, [15] = 1}}};
	uint8_t *msg, *pkts, *out;
	char dir[] = "/tmp/auth-bench.XXXXXX";
	double t[REPEAT], copy_ns;
	volatile uint8_t sink = 0;
	bool miss = false;

	n = n < BATCH ? BATCH : n - n % BATCH;
	if (!mkdtemp(dir))
		return 1;
	msg = malloc(MSG_LEN);
	out = malloc(MSG_LEN + VRRP_HA_AUTH_OVERHEAD);
	pkts = malloc(BATCH * (MSG_LEN + VRRP_HA_AUTH_OVERHEAD));
	if (!msg || !out || !pkts)
		return 1;
	mk_msg(msg);

	for (int r = 0; r < REPEAT; r++) {
		uint64_t t0 = now_ns();

		for (unsigned long i = 0; i < n; i++) {
			msg[100] = (uint8_t)i;
			memcpy(out, msg, MSG_LEN);
			sink ^= out[i % MSG_LEN];
		}
		t[r] = (double)(now_ns() - t0) / (double)n;
	}
	copy_ns = best(t);
	printf("auth-bench: %d-byte message, %lu per pass, best of %d\n", MSG_LEN, n, REPEAT);
	printf("%-20s %-10s %12s %8s %12s %8s\n", "cipher", "mode", "protect ns", "ratio",
	       "unprotect ns", "ratio");
	printf("%-20s %-10s %12.1f %8s %12s %8s\n", "memcpy (baseline)", "-", copy_ns, "1.0", "-",
	       "-");

	for (unsigned ai = 0; ai < 2; ai++)
		for (unsigned mi = 0; mi < 2; mi++) {
			struct vrrp_ha_auth *s = mk(dir, modes[mi], algs[ai], "tx");
			double tp[REPEAT], tu[REPEAT], p_ns, u_ns;
			size_t plen = MSG_LEN + VRRP_HA_AUTH_OVERHEAD, outlen;
			unsigned long bad = 0;

			if (!s)
				return 1;
			for (int r = 0; r < REPEAT; r++) {
				/* a receiver per pass: its window starts empty */
				struct vrrp_ha_auth *rx = mk(dir, modes[mi], algs[ai], "rx");
				uint64_t sum_p = 0, sum_u = 0;

				if (!rx)
					return 1;
				/* batches of BATCH: protect them, then receive them in order,
				 * so the packets stay in cache as a received one would be */
				for (unsigned long i = 0; i < n; i += BATCH) {
					uint64_t t0 = now_ns(), t1;

					for (unsigned b = 0; b < BATCH; b++)
						if (vrrp_ha_auth_protect(s, &src, msg, MSG_LEN,
						                         pkts + b * plen,
						                         plen) != (ssize_t)plen)
							bad++;
					t1 = now_ns();
					for (unsigned b = 0; b < BATCH; b++)
						if (vrrp_ha_auth_unprotect(
						            rx, &src, pkts + b * plen, plen, out,
						            plen, &outlen) != VRRP_HA_AUTH_R_OK)
							bad++;
					sum_p += t1 - t0;
					sum_u += now_ns() - t1;
				}
				tp[r] = (double)sum_p / (double)(n / BATCH * BATCH);
				tu[r] = (double)sum_u / (double)(n / BATCH * BATCH);
				vrrp_ha_auth_free(rx);
			}
			p_ns = best(tp);
			u_ns = best(tu);
			printf("%-20s %-10s %12.1f %8.1f %12.1f %8.1f%s\n",
			       vrrp_ha_auth_alg_name(algs[ai]), vrrp_ha_auth_mode_name(modes[mi]),
			       p_ns, p_ns / copy_ns, u_ns, u_ns / copy_ns, bad ? "  (ERRORS)" : "");
			if (algs[ai] == VRRP_HA_AUTH_AES256GCM &&
			    (p_ns > GOAL_NS || u_ns > GOAL_NS))
				miss = true;
			vrrp_ha_auth_free(s);
		}
	printf("goal (AES-256-GCM, < %.0f ns per message): %s\n", GOAL_NS, miss ? "MISSED" : "met");
	{
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "auth-bench: could not remove %s\n", dir);
	}
	free(msg);
	free(out);
	free(pkts);
	return sink == 0xff && miss ? 2 : 0;
}
