/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* The clock and the sort both benchmarks (pasidctl bench, bench/pasid-bench)
 * time and rank their rounds with. */
#ifndef PASIDCTL_BENCHTIME_H
#define PASIDCTL_BENCHTIME_H

#include <stdint.h>
#include <time.h>

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* for qsort of uint64_t */
static inline int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

#endif
