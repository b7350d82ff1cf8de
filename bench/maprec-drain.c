/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The mapping record alone, timed natively: N 4 KiB mappings added in
 * ascending IOVA order, then each taken and released in random order (the
 * record's part of pasid-bench section (8)'s random unmap, without the
 * library's lock, its checks or any ioctl). Before the drain, N lookups at
 * random by IOVA (maprec_find_iova); then the same record again, with its
 * index by process address built (untimed), for N lookups at random by
 * process address (maprec_find_va). Best of ROUNDS rounds,
 * ns per add, per lookup and per take+release, and the record's bytes at
 * N (maprec_bytes: its entries and nodes by sizeof, without malloc's chunk
 * headers, about 16 bytes more per mapping, and without the index by
 * process address), for N from 1,000 to
 * 200,000: how the record's time follows its size, which bench/mem-latency
 * relates to the machine's caches.
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
#define VA_BASE 0x7f0000000000ull

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static double per(double t0, double t1, size_t n)
{
	return (t1 - t0) / (double)n;
}

/* n 4 KiB mappings in ascending IOVA order, process memory alike */
static int fill(struct maprec *rec, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int ret = maprec_add(rec, BASE + i * PAGE, PAGE, VA_BASE + i * PAGE);

		if (ret)
			return ret;
	}
	return 0;
}

static void drain(size_t n, int rounds)
{
	double add = 1e30, by_iova = 1e30, by_va = 1e30, take = 1e30, t[6];
	size_t bytes = 0, found, i;
	uint32_t *order = malloc(n * sizeof(*order));

	if (!order) {
		fprintf(stderr, "maprec-drain: out of memory\n");
		exit(1);
	}
	for (i = 0; i < n; i++)
		order[i] = (uint32_t)i;
	for (i = n - 1; i > 0; i--) {
		size_t j = (size_t)rnd(i + 1);
		uint32_t tmp = order[i];

		order[i] = order[j];
		order[j] = tmp;
	}
	for (int r = 0; r < rounds; r++) {
		struct maprec rec;
		struct maprec_entry *taken;

		maprec_init(&rec);
		found = 0;
		t[0] = now_ns();
		if (fill(&rec, n))
			goto fail;
		t[1] = now_ns();
		bytes = maprec_bytes(&rec);
		/* lookups inside a mapping, not at its start */
		for (i = 0; i < n; i++)
			found += !!maprec_find_iova(&rec, BASE + order[i] * PAGE + 64);
		t[2] = now_ns();
		for (i = 0; i < n; i++) {
			if (maprec_take(&rec, BASE + order[i] * PAGE, PAGE,
					&taken, NULL))
				goto fail;
			maprec_release(&rec, taken);
		}
		t[3] = now_ns();
		maprec_fini(&rec);
		/* the same record again, with its index by process address
		 * (built by maprec_va_index, untimed) */
		maprec_init(&rec);
		if (fill(&rec, n) || maprec_va_index(&rec))
			goto fail;
		t[4] = now_ns();
		for (i = 0; i < n; i++)
			found += !!maprec_find_va(&rec, VA_BASE + order[i] * PAGE + 64);
		t[5] = now_ns();
		maprec_fini(&rec);
		if (found != 2 * n)
			goto fail;
		if (per(t[0], t[1], n) < add)
			add = per(t[0], t[1], n);
		if (per(t[1], t[2], n) < by_iova)
			by_iova = per(t[1], t[2], n);
		if (per(t[2], t[3], n) < take)
			take = per(t[2], t[3], n);
		if (per(t[4], t[5], n) < by_va)
			by_va = per(t[4], t[5], n);
	}
	free(order);
	printf("%9zu %12zu %10.1f %8.1f %10.1f %8.1f %16.1f\n", n, bytes,
	       bytes / (double)n, add, by_iova, by_va, take);
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
	printf("%9s %12s %10s %8s %10s %8s %16s\n", "mappings", "bytes",
	       "bytes/map", "add ns", "find_iova", "find_va", "take+release ns");
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
		drain(sizes[k], rounds);
	return 0;
}
