/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The machine's floor for a lookup at random among N records: the time of
 * one dependent read of a random 64-byte line in an array of N lines (a
 * pointer chase through a random cycle, so that neither the prefetcher nor
 * out-of-order execution hides the latency), for N from 1,000 to 400,000,
 * with 4 KiB pages (MADV_NOHUGEPAGE) and with transparent huge pages asked
 * for (MADV_HUGEPAGE; where THP is "never" this column equals the first).
 *
 * Any mapping record must read at least one line that belongs to the
 * mapping an unmap at random names (its length, to check the range): at
 * 100,000 mappings that line is not in the caches, so this row bounds how
 * flat the library's random unmap can be from 1,000 to 100,000 mappings
 * (bench/README.md, "The floor under random unmap").
 *
 * usage: mem-latency [STEPS [LINES...]]   (default 4,000,000 reads per row,
 *        and the sizes 1,000 to 400,000 lines)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "bench-rnd.h"

#define LINE 64
#define HUGE (2u << 20)

/* the chase's end, so that the compiler keeps the loop */
static volatile size_t sink;

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

/* ns per read; the array is n lines, each holding the index of the next */
static double chase(size_t n, size_t steps, int thp)
{
	size_t bytes = (n * LINE + HUGE - 1) / HUGE * HUGE, *order, i, p = 0;
	uint64_t *a;
	void *base;
	double t0, t1;

	/* one huge page more, to start the array on a huge page boundary */
	base = mmap(NULL, bytes + HUGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	order = malloc(n * sizeof(*order));
	if (base == MAP_FAILED || !order) {
		fprintf(stderr, "mem-latency: out of memory at %zu lines\n", n);
		exit(1);
	}
	a = (uint64_t *)(((uintptr_t)base + HUGE - 1) & ~(uintptr_t)(HUGE - 1));
	/* the first column must have 4 KiB pages where THP is "always" too */
	madvise(a, bytes, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	/* a random cycle through all n lines (Fisher-Yates) */
	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = n - 1; i > 0; i--) {
		size_t j = (size_t)rnd(i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < n; i++)
		a[order[i] * (LINE / 8)] = order[(i + 1) % n] * (LINE / 8);
	for (i = 0; i < n; i++)		/* once round, untimed: warm */
		p = a[p];
	t0 = now_ns();
	for (i = 0; i < steps; i++)
		p = a[p];
	t1 = now_ns();
	sink = p;
	munmap(base, bytes + HUGE);
	free(order);
	return (t1 - t0) / (double)steps;
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 1000, 10000, 20000, 50000, 100000,
					200000, 400000 };
	size_t steps = argc > 1 ? strtoull(argv[1], NULL, 0) : 4000000;
	int k, nsizes = argc > 2 ? argc - 2 : (int)(sizeof(sizes) / sizeof(sizes[0]));

	if (!steps) {
		fprintf(stderr, "usage: mem-latency [STEPS [LINES...]]\n");
		return 2;
	}
	printf("%10s %10s %14s %14s\n", "lines", "KiB", "ns/read 4K", "ns/read THP");
	for (k = 0; k < nsizes; k++) {
		size_t n = argc > 2 ? strtoull(argv[k + 2], NULL, 0) : sizes[k];

		if (n < 2) {
			fprintf(stderr, "mem-latency: LINES must be at least 2, not '%s'\n",
				argv[k + 2]);
			return 2;
		}
		printf("%10zu %10zu %14.1f %14.1f\n", n, n * LINE / 1024,
		       chase(n, steps, 0), chase(n, steps, 1));
	}
	return 0;
}
