/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The benchmarks' random numbers: a fixed-seed xorshift64*, so that every
 * run of a cost program walks the same sequence and two runs' instruction
 * counts can be compared.
 */
#ifndef PASID_BENCH_RND_H
#define PASID_BENCH_RND_H

#include <stdint.h>

static uint64_t rng_state = 0x853c49e6748fea9bull;

/* A number in [0, n). */
static inline uint64_t rnd(uint64_t n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (rng_state * 0x2545f4914f6cdd1dull >> 11) % n;
}

#endif
