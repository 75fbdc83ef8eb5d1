/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check.h - the counting assertions of the unit tests: a failed CHECK prints
 * file:line and the expression, counts, and the test goes on; main() returns
 * non-zero when `failures` is not 0. Include once per test program.
 */
#ifndef VRRP_HA_TEST_CHECK_H
#define VRRP_HA_TEST_CHECK_H

#include <stdio.h>

static int failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b);     \
		if (a_ != b_) {                                                                    \
			fprintf(stderr, "%s:%d: %s == %llu, expected %s == %llu\n", __FILE__,      \
			        __LINE__, #a, a_, #b, b_);                                         \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

#endif
