/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The mapping record alone, timed natively: N 4 KiB mappings added in
 * ascending IOVA order, then each taken and released in random order (the
 * record's part of pasid-bench section (8)'s random unmap, without the
 * library's lock, its checks or any ioctl). Best of ROUNDS rounds, ns per
 * add and per take+release, and the record's heap bytes at N, for N from
 * 1,000 to 200,000: how the record's time follows its size, which
 * bench/mem-latency relates to the machine's caches.
 *
 * usage: maprec-drain [ROUNDS]   (default 5)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench-rnd.h"
#include "maprec.h"

#define PAGE 4096ull
#define BASE 0x200000000ull

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static void drain(size_t n, int rounds)
{
	double add = 1e30, take = 1e30;
	size_t bytes = 0, i;
	uint32_t *order = malloc(n * sizeof(*order));

	if (!order) {
		fprintf(stderr, "maprec-drain: out of memory\n");
		exit(1);
	}
	for (i = 0; i < n; i++)
		order[i] = (uint32_t)i;
	for (i = n - 1; i > 0; i--) {
		size_t j = (size_t)rnd(i + 1);
		uint32_t t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (int r = 0; r < rounds; r++) {
		struct maprec rec;
		struct maprec_entry *taken;
		double t0, t1, t2;

		maprec_init(&rec);
		t0 = now_ns();
		for (i = 0; i < n; i++)
			if (maprec_add(&rec, BASE + i * PAGE, PAGE,
				       0x7f0000000000ull + i * PAGE))
				goto fail;
		t1 = now_ns();
		bytes = maprec_bytes(&rec);
		for (i = 0; i < n; i++) {
			if (maprec_take(&rec, BASE + order[i] * PAGE, PAGE,
					&taken, NULL))
				goto fail;
			maprec_release(&rec, taken);
		}
		t2 = now_ns();
		maprec_fini(&rec);
		if ((t1 - t0) / (double)n < add)
			add = (t1 - t0) / (double)n;
		if ((t2 - t1) / (double)n < take)
			take = (t2 - t1) / (double)n;
	}
	free(order);
	printf("%9zu %12zu %10.1f %10.1f %16.1f\n", n, bytes,
	       bytes / (double)n, add, take);
	return;
fail:
	fprintf(stderr, "maprec-drain: the record refused a step at %zu mappings\n", n);
	exit(1);
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 1000, 10000, 20000, 30000, 40000,
					60000, 100000, 200000 };
	int rounds = argc > 1 ? atoi(argv[1]) : 5;

	if (rounds < 1) {
		fprintf(stderr, "usage: maprec-drain [ROUNDS]\n");
		return 2;
	}
	printf("%9s %12s %10s %10s %16s\n", "mappings", "bytes", "bytes/map",
	       "add ns", "take+release ns");
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
		drain(sizes[k], rounds);
	return 0;
}
