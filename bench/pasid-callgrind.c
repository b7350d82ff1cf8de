/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * pasid-callgrind: the driver that bench/callgrind runs under
 * valgrind --tool=callgrind to count the instructions libpasid executes per
 * pasid_map and per pasid_map+pasid_unmap pair, with LIVE mappings in the
 * address space.
 *
 *   pasid-callgrind [LIVE [ITERS]]      defaults 1000 and 10000
 *   pasid-callgrind LIVE 0 random       unmap the LIVE mappings in a random
 *                                       order instead (unmap_loop)
 *   pasid-callgrind 0 ITERS bind        ITERS pasid_bind+pasid_unbind of one
 *                                       PASID, nothing else bound (bind_loop)
 *
 * The context and the IOAS come from the unit tests' emulation (tests/emu);
 * MAP and UNMAP are answered by stub_ioctl, installed through the syscall
 * seam (lib/sys.h), so that what callgrind sees inside pasid_map and
 * pasid_unmap is the library, the libc it calls and the stub, nothing of a
 * kernel. bench/callgrind zeroes the counters when measured_loop starts,
 * dumps them when it ends, and subtracts stub_ioctl.
 *
 * Never a test: it prints nothing on success and exits 1 if a call fails.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "emu.h"
#include "kabi.h"
#include "libpasid/libpasid.h"
#include "sys.h"

static int (*next_ioctl)(int fd, unsigned long req, void *arg);
static uint64_t next_iova = 1ull << 32;
static bool stub_attach;	/* bind mode: PASID attach/detach too */

/* noinline: bench/callgrind finds it by name to take its cost out */
__attribute__((noinline)) static int stub_ioctl(int fd, unsigned long req,
						void *arg)
{
	if (req == KABI_IOMMU_IOAS_MAP) {
		struct kabi_iommu_ioas_map *m = arg;

		m->iova = next_iova;
		next_iova += m->length;
		return 0;
	}
	if (req == KABI_IOMMU_IOAS_UNMAP ||
	    (stub_attach && (req == KABI_VFIO_DEVICE_ATTACH_IOMMUFD_PT ||
			     req == KABI_VFIO_DEVICE_DETACH_IOMMUFD_PT)))
		return 0;	/* length stays: all of it unmapped */
	return next_ioctl(fd, req, arg);
}

/* noinline: the counters are zeroed on its entry and dumped on its exit */
__attribute__((noinline)) static int measured_loop(struct pasid_as *as,
						   void *buf, long iters)
{
	for (long i = 0; i < iters; i++) {
		uint64_t iova;

		if (pasid_map(as, buf, 4096, PASID_MAP_RW, &iova) ||
		    pasid_unmap(as, iova, 4096))
			return -1;
	}
	return 0;
}

/* noinline, like measured_loop: the unmaps of the LIVE mappings, in the
 * order of perm */
__attribute__((noinline)) static int unmap_loop(struct pasid_as *as,
						const uint64_t *iovas,
						const uint32_t *perm, long n)
{
	for (long i = 0; i < n; i++)
		if (pasid_unmap(as, iovas[perm[i]], 4096))
			return -1;
	return 0;
}

/* noinline: bind mode's loop; the RID's table exists, so a bind finds it */
__attribute__((noinline)) static int bind_loop(struct pasid_dev *dev,
					       struct pasid_as *as, long iters)
{
	for (long i = 0; i < iters; i++)
		if (pasid_bind(dev, as, 7) != 7 || pasid_unbind(dev, 7))
			return -1;
	return 0;
}

static int bind_mode(struct pasid_ctx *ctx, struct pasid_as *as, long iters)
{
	static const struct emu_dev_cfg cfg = {
		.bdf = "0000:00:04.0", .iommu = EMU_IOMMU_INTEL,
		.pasid_log2 = 20, .group = 7,
	};
	struct pasid_dev *dev;

	if (emu_add_device(&cfg) < 0 || pasid_dev_open(ctx, cfg.bdf, &dev) ||
	    pasid_attach_rid(dev, as, 0))
		return -1;
	stub_attach = true;
	return bind_loop(dev, as, iters);
}

/* Fisher-Yates, fixed xorshift seed: the same order every run */
static void shuffle(uint32_t *perm, long n)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (long i = 0; i < n; i++)
		perm[i] = (uint32_t)i;
	for (long i = n - 1; i > 0; i--) {
		long j;
		uint32_t t;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		j = (long)(x % (uint64_t)(i + 1));
		t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
}

int main(int argc, char **argv)
{
	long live = argc > 1 ? atol(argv[1]) : 1000;
	long iters = argc > 2 ? atol(argv[2]) : 10000;
	bool random = argc > 3 && !strcmp(argv[3], "random");
	bool bind = argc > 3 && !strcmp(argv[3], "bind");
	uint64_t *iovas;
	uint32_t *perm;
	struct pasid_sys seam;
	struct pasid_ctx *ctx;
	struct pasid_as *as;
	uint8_t *buf;

	if (sysconf(_SC_PAGESIZE) != 4096 || live < 0 || (live < 1 && random) ||
	    (iters < 1 && !random) || emu_init())
		return 1;
	seam = *pasid_sys;
	next_ioctl = seam.ioctl;
	seam.ioctl = stub_ioctl;
	pasid_sys_set(&seam);
	/* untouched: nothing reads the pages, the record keeps addresses */
	buf = mmap(NULL, (size_t)(live + 1) * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	iovas = calloc((size_t)live + 1, sizeof(*iovas));
	perm = calloc((size_t)live + 1, sizeof(*perm));
	if (buf == MAP_FAILED || !iovas || !perm || pasid_ctx_open(&ctx, NULL) ||
	    pasid_as_new(ctx, &as)) {
		fprintf(stderr, "pasid-callgrind: setup: %s\n", pasid_errmsg());
		return 1;
	}
	for (long i = 0; i < live; i++) {
		if (pasid_map(as, buf + i * 4096, 4096, PASID_MAP_RW, &iovas[i])) {
			fprintf(stderr, "pasid-callgrind: %s\n", pasid_errmsg());
			return 1;
		}
	}
	shuffle(perm, live);
	if (bind ? bind_mode(ctx, as, iters) :
	    random ? unmap_loop(as, iovas, perm, live) :
		     measured_loop(as, buf + live * 4096, iters)) {
		fprintf(stderr, "pasid-callgrind: %s\n", pasid_errmsg());
		return 1;
	}
	pasid_ctx_close(ctx);
	emu_fini();
	free(iovas);
	free(perm);
	return 0;
}
