/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The library's own instructions per pasid_map and per pasid_unmap+pasid_map,
 * for callgrind: an address space held at N live 4 KiB mappings while OPS
 * steps each unmap one mapping and map one. The context and the IOAS come
 * from the unit tests' emulation (tests/emu); IOMMU_IOAS_MAP and
 * IOMMU_IOAS_UNMAP are then answered by stub_ioctl here, so what callgrind
 * sees besides the stub is the library (and the libc it calls). Only the
 * measured calls are collected (run it with --collect-atstart=no;
 * bench/fastpath-cost runs it and subtracts the stub).
 *
 * usage: fastpath-cost N ORDER va|nova map|pair [OPS]
 *   ORDER  fifo-up    unmap the oldest mapping; the stub hands out IOVAs
 *                     above all others (as pasid-bench's stub does)
 *          fifo-fit   unmap the oldest; the stub gives back the IOVA freed
 *                     last, which is what the kernel's first fit does here
 *                     (one hole, at the bottom)
 *          random     unmap a random mapping; first fit maps the next one
 *                     into its hole again
 *   va     the process-address index is built (maprec_va_index) before
 *          the measured steps; nova: it is not
 *   map    collect only inside pasid_map; pair: inside both calls
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <valgrind/callgrind.h>

#include "bench-rnd.h"
#include "emu.h"
#include "internal.h"
#include "kabi.h"
#include "libpasid/libpasid.h"
#include "sys.h"

#define PAGE 4096ull
#define WARMUP 128

static int (*next_ioctl)(int fd, unsigned long req, void *arg);
static uint64_t stub_top = 1ull << 32, stub_freed;
static bool stub_fit;

/* The kernel's answer, without the kernel. Not inlined, so that callgrind
 * names its cost and the script can take it off. */
static __attribute__((noinline)) int stub_ioctl(int fd, unsigned long req,
						void *arg)
{
	if (req == KABI_IOMMU_IOAS_MAP) {
		struct kabi_iommu_ioas_map *m = arg;

		if (stub_fit && stub_freed) {
			m->iova = stub_freed;
			stub_freed = 0;
		} else {
			m->iova = stub_top;
			stub_top += m->length;
		}
		return 0;
	}
	if (req == KABI_IOMMU_IOAS_UNMAP) {
		stub_freed = ((struct kabi_iommu_ioas_unmap *)arg)->iova;
		return 0;
	}
	return next_ioctl(fd, req, arg);
}

static void must(int ret, const char *what)
{
	if (ret) {
		fprintf(stderr, "fastpath-cost: %s: %s (%s)\n", what,
			strerror(-ret), pasid_errmsg());
		exit(1);
	}
}

int main(int argc, char **argv)
{
	enum { FIFO_UP, FIFO_FIT, RANDOM } order;
	struct pasid_sys seam;
	struct pasid_ctx *ctx;
	struct pasid_as *as;
	size_t n, ops, i, oldest = 0;
	bool with_va, pair;
	uint64_t *iova;		/* slot -> IOVA of the mapping in it */
	uint8_t *buf;

	if (argc < 5 || argc > 6) {
		fprintf(stderr, "usage: fastpath-cost N fifo-up|fifo-fit|random va|nova map|pair [OPS]\n");
		return 2;
	}
	n = strtoull(argv[1], NULL, 0);
	order = !strcmp(argv[2], "fifo-up") ? FIFO_UP :
		!strcmp(argv[2], "fifo-fit") ? FIFO_FIT : RANDOM;
	with_va = !strcmp(argv[3], "va");
	pair = !strcmp(argv[4], "pair");
	ops = argc == 6 ? strtoull(argv[5], NULL, 0) : 1000;
	if (!n || (order == RANDOM && strcmp(argv[2], "random")) ||
	    (!with_va && strcmp(argv[3], "nova")) ||
	    (!pair && strcmp(argv[4], "map"))) {
		fprintf(stderr, "fastpath-cost: bad arguments\n");
		return 2;
	}
	stub_fit = order != FIFO_UP;

	must(emu_init(), "emu_init");
	seam = *pasid_sys;
	next_ioctl = seam.ioctl;
	seam.ioctl = stub_ioctl;
	pasid_sys_set(&seam);
	must(pasid_ctx_open(&ctx, NULL), "pasid_ctx_open");
	must(pasid_as_new(ctx, &as), "pasid_as_new");

	/* Never touched: the stub pins nothing. Each slot maps its own page,
	 * so the process ranges differ as real buffers would. */
	buf = mmap(NULL, (n + 1) * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	iova = calloc(n, sizeof(*iova));
	if (buf == MAP_FAILED || !iova)
		return 1;
	for (i = 0; i < n; i++)
		must(pasid_map(as, buf + i * PAGE, PAGE, PASID_MAP_RW, &iova[i]),
		     "pasid_map");
	if (with_va)
		must(maprec_va_index(&as->rec), "maprec_va_index");

	/* the first WARMUP steps are not collected: the steady state is
	 * measured, not what the record builds once (the index by start,
	 * O(n), after 64 takes at random) */
	for (i = 0; i < WARMUP + ops; i++) {
		size_t slot = order == RANDOM ? rnd(n) : oldest;
		uint64_t gone = iova[slot];
		bool collect = i >= WARMUP;

		if (pair && collect)
			CALLGRIND_TOGGLE_COLLECT;
		must(pasid_unmap(as, gone, PAGE), "pasid_unmap");
		if (!pair && collect)
			CALLGRIND_TOGGLE_COLLECT;
		must(pasid_map(as, buf + slot * PAGE, PAGE, PASID_MAP_RW,
			       &iova[slot]), "pasid_map");
		if (collect)
			CALLGRIND_TOGGLE_COLLECT;
		oldest = (oldest + 1) % n;
	}
	if (pasid_errmsg()[0]) {
		fprintf(stderr, "fastpath-cost: a message after success: %s\n",
			pasid_errmsg());
		return 1;
	}

	pasid_as_free(as);
	pasid_ctx_close(ctx);
	emu_fini();
	munmap(buf, (n + 1) * PAGE);
	free(iova);
	return 0;
}
