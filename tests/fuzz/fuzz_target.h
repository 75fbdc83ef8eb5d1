/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_target.h - what every fuzz target in tests/fuzz/ provides, and the
 * invariant check they share. A target is one LLVMFuzzerTestOneInput();
 * fuzz_target_init/fini set up and tear down what it needs across inputs
 * (a server, a handle). Under libFuzzer init runs from
 * LLVMFuzzerInitialize and fini never runs.
 */
#ifndef VRRP_HA_FUZZ_TARGET_H
#define VRRP_HA_FUZZ_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
void fuzz_target_init(void);
void fuzz_target_fini(void);

#define FUZZ_ASSERT(c)                                                                             \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__,  \
			        #c);                                                               \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* Under libFuzzer: run fuzz_target_init() once before the first input. */
#ifdef VRRP_HA_LIBFUZZER
#define FUZZ_LIBFUZZER_INIT                                                                        \
	int LLVMFuzzerInitialize(int *argc, char ***argv);                                         \
	int LLVMFuzzerInitialize(int *argc, char ***argv)                                          \
	{                                                                                          \
		fuzz_target_init();                                                                \
		return 0;                                                                          \
	}
#else
#define FUZZ_LIBFUZZER_INIT
#endif

#endif
