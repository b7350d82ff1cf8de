/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The mapping record's cost per map+unmap, for callgrind: a record held at N
 * mappings while OPS times one mapping is taken and released and one added.
 * Only the measured loop is collected (run it with --collect-atstart=no;
 * bench/maprec-cost runs it and divides), so building the record does not
 * count.
 *
 * usage: maprec-cost N fifo|random va|nova [OPS]
 *   fifo    the record is built in IOVA order, and each step unmaps the
 *           oldest mapping and maps one above the newest: unmap in map order
 *   random  built in random order; each step unmaps a random mapping and
 *           maps it again at the same IOVA
 *   va      process memory, indexed by process address too (one
 *           maprec_va_index builds that index before the measured loop;
 *           random process addresses overlap in the random case)
 *   nova    no process memory (file or copy mappings: by IOVA only)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <valgrind/callgrind.h>

#include "bench-rnd.h"
#include "maprec.h"

#define PAGE 4096ull
#define WARMUP 128

/* IOVAs two pages apart, process memory where the IOVA says (fifo) or
 * anywhere in a space as large as the record (random). */
static uintptr_t va_for(uint64_t slot, size_t n, bool random, bool with_va)
{
	if (!with_va)
		return 0;
	return (uintptr_t)(0x100000 + (random ? rnd(n) : slot) * PAGE);
}

static void must(int ret, const char *what)
{
	if (ret) {
		fprintf(stderr, "maprec-cost: %s: %s\n", what, strerror(-ret));
		exit(1);
	}
}

/* One unmap: the kernel said yes, so the entry goes back to the record. */
static void unmap_one(struct maprec *r, uint64_t slot)
{
	struct maprec_entry *taken;
	const struct maprec_entry *cut;

	must(maprec_take(r, slot * 2 * PAGE, PAGE, &taken, &cut), "take");
	maprec_release(r, taken);
}

int main(int argc, char **argv)
{
	size_t n, ops, i;
	bool random, with_va;
	uint64_t *order;
	struct maprec r;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: maprec-cost N fifo|random va|nova [OPS]\n");
		return 2;
	}
	n = strtoull(argv[1], NULL, 0);
	random = !strcmp(argv[2], "random");
	with_va = !strcmp(argv[3], "va");
	ops = argc == 5 ? strtoull(argv[4], NULL, 0) : 1000;
	if (!n || (!random && strcmp(argv[2], "fifo")) ||
	    (!with_va && strcmp(argv[3], "nova"))) {
		fprintf(stderr, "maprec-cost: bad arguments\n");
		return 2;
	}

	order = malloc(n * sizeof(*order));
	if (!order)
		return 1;
	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = n - 1; random && i > 0; i--) {
		uint64_t j = rnd(i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	maprec_init(&r);
	for (i = 0; i < n; i++)
		must(maprec_add(&r, order[i] * 2 * PAGE, PAGE,
				va_for(order[i], n, random, with_va)), "add");
	if (with_va)
		must(maprec_va_index(&r), "maprec_va_index");

	/* the first WARMUP steps are not collected: the steady state is
	 * measured, not the index by start that 64 takes at random build
	 * (O(n), once) */
	for (i = 0; i < WARMUP + ops; i++) {
		uint64_t out = random ? rnd(n) : i, in = random ? out : n + i;

		if (i == WARMUP)
			CALLGRIND_TOGGLE_COLLECT;
		unmap_one(&r, out);
		must(maprec_add(&r, in * 2 * PAGE, PAGE,
				va_for(in, n, random, with_va)), "add");
	}
	CALLGRIND_TOGGLE_COLLECT;

	maprec_fini(&r);
	free(order);
	return 0;
}
