/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * pasid-bench: what libpasid costs on top of the raw iommufd / VFIO cdev
 * ioctls it wraps. A guest program for tests/vm/run-vm (argv[1] is the
 * machine name); it also runs on a host as "pasid-bench LABEL [BDF]".
 *
 * Every library operation is timed next to the same kernel work done with
 * raw ioctls on the same iommufd (pasid_ctx_fd), the same IOAS
 * (pasid_as_ioas_id) and the same VFIO device fd (pasid_dev_fd), using the
 * library's own uAPI definitions (lib/kabi.h). The raw path is the baseline;
 * the ratio library / raw is the library's overhead (argument checks, the
 * library's locks, its mapping and PASID records, page-table reuse).
 *
 * Method: ROUNDS rounds of each measurement, library and raw rounds
 * interleaved (the order alternating), CLOCK_MONOTONIC around a whole round,
 * the median of the rounds reported. One untimed warm-up round each first.
 * The "noise" column is the larger interquartile range of the two paths'
 * rounds, as a percentage of its median.
 *
 * Section (5) repeats some rows with the kernel taken out: both paths' ioctls
 * go to a stub that answers in userspace (installed through the library's
 * syscall seam, lib/sys.h, which the unit tests use too). What is left is the
 * library's own CPU time per call, free of the kernel's run-to-run noise.
 *
 * Sections (6)-(10) measure the library at scale: a full 20-bit PASID
 * space, 100,000 mappings, three devices on one address space, four threads.
 *
 * Built with -DPASID_BENCH_EMU (pasid-bench-emu, bench/meson.build) it runs
 * natively on the build host instead: the device and /dev/iommu come from
 * the unit tests' in-process emulation (tests/emu), and the sections that
 * stub the kernel out run, i.e. the library's own CPU time without TCG,
 * plus (9) with the emulation as the kernel. Both builds read the library's
 * internal records (lib/internal.h) for the allocator's bytes and the
 * number of page tables; they link the library's objects, not its ABI.
 *
 * This is a benchmark: it reports numbers and never passes or fails on them.
 * It exits 0 when every measurement ran, 1 when one could not be made.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "edu.h"
#include "benchtime.h"
#include "internal.h"
#include "kabi.h"
#include "libpasid/libpasid.h"
#include "sys.h"
#ifdef PASID_BENCH_EMU
#include "emu.h"
#define EMU 1
#else
#define EMU 0
#endif

#define ROUNDS 11
#define KIB 1024ul
#define MIB (1024ul * 1024)

#define ITERS_MAP_4K 1000	/* map+unmap round trips per round */
#define ITERS_MAP_2M 40
#define BATCH_MAPS 1024		/* live mappings in the batch test */
#define ITERS_BIND 400		/* bind+unbind round trips per round */
/* Round trips per round when each one makes and fills a page table of
 * BIG_LEN mapped (milliseconds each); rows that keep their tables use
 * ITERS_BIND with BIG_LEN mapped too: 16 of those make a round of half a
 * millisecond, short enough for one timer tick under TCG to move it by a
 * quarter. */
#define ITERS_BIND_REFILL 16
#define BIG_LEN (64 * MIB)
#define ITERS_REBIND 400	/* rebinds per round */
#define ITERS_PSPACE 256	/* (6): binds+unbinds per round in a guest */
#define ITERS_PSPACE_EMU 1024	/*      and natively */
#define ITERS_IDLE 100		/* (2): map+unmap with an idle table, per round */
#define SCALE_OPS 1024		/* binds per round in the N-scaling test */

#define FIXED_PASID 7u		/* the PASID of the round-trip tests */
#define OTHER_PASID 9u		/* keeps B's page table alive (rebind) */
#define RAW_CURSOR0 0x80000u	/* raw PASIDs of the N test start here */
/* Raw PASIDs that keep the raw path's page tables attached, as the RID (and
 * PASID OTHER_PASID) keep the library's: the tables of both paths are then
 * in the same state and the kernel has the same work to do. */
#define KEEP_A 0xfff00u
#define KEEP_B 0xfff01u

static size_t page;
static int iommufd;
static int errors;

/* ---- time and statistics ---- */

/* The median of the ROUNDS values, and the interquartile range in *iqr. */
static double median(const uint64_t *v, double *iqr)
{
	uint64_t s[ROUNDS];

	memcpy(s, v, sizeof(s));
	qsort(s, ROUNDS, sizeof(*s), cmp_u64);
	*iqr = (double)s[(3 * ROUNDS) / 4] - (double)s[ROUNDS / 4];
	return ROUNDS % 2 ? (double)s[ROUNDS / 2] :
	       ((double)s[ROUNDS / 2 - 1] + s[ROUNDS / 2]) / 2;
}

/* ---- the ioctl both paths use: the kernel, or the stub of section (5) ---- */

/* The seam's ioctl before ours: the kernel's, or tests/emu's on the host. */
static int (*next_ioctl)(int fd, unsigned long req, void *arg);
static bool stubbed;
/* Section (10): the stub's MAP and UNMAP sleep this long, standing in for
 * the kernel pinning and unpinning pages while other threads go on. */
static unsigned int stub_sleep_us;
static uint64_t stub_iova = 1ull << 32;
static uint32_t stub_id = 1u << 24;

static void stub_sleep(void)
{
	struct timespec ts = { 0, (long)stub_sleep_us * 1000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int bench_ioctl(int fd, unsigned long req, void *arg)
{
	if (stubbed) {
		switch (req) {
		case KABI_IOMMU_IOAS_MAP: {
			struct kabi_iommu_ioas_map *m = arg;

			if (stub_sleep_us)
				stub_sleep();
			/* atomic: section (10) maps from several threads */
			if (!(m->flags & KABI_IOMMU_IOAS_MAP_FIXED_IOVA))
				m->iova = __atomic_fetch_add(&stub_iova,
							     (m->length + 0xfff) & ~0xfffull,
							     __ATOMIC_RELAXED);
			return 0;
		}
		case KABI_IOMMU_HWPT_ALLOC:
			((struct kabi_iommu_hwpt_alloc *)arg)->out_hwpt_id =
				__atomic_fetch_add(&stub_id, 1, __ATOMIC_RELAXED);
			return 0;
		case KABI_IOMMU_IOAS_UNMAP:
			if (stub_sleep_us)
				stub_sleep();
			return 0;	/* length stays: all of it unmapped */
		case KABI_IOMMU_DESTROY:
		case KABI_VFIO_DEVICE_ATTACH_IOMMUFD_PT:
		case KABI_VFIO_DEVICE_DETACH_IOMMUFD_PT:
			return 0;
		}
	}
	return next_ioctl(fd, req, arg);
}

/* ---- the raw path: the kernel calls the library makes, nothing else ---- */

static int raw_map(uint32_t ioas, void *va, uint64_t len, uint64_t *iova)
{
	struct kabi_iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = KABI_IOMMU_IOAS_MAP_READABLE |
			 KABI_IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas,
		.user_va = (uintptr_t)va,
		.length = len,
	};

	if (bench_ioctl(iommufd, KABI_IOMMU_IOAS_MAP, &m))
		return -errno;
	*iova = m.iova;
	return 0;
}

static int raw_unmap(uint32_t ioas, uint64_t iova, uint64_t len)
{
	struct kabi_iommu_ioas_unmap u = {
		.size = sizeof(u), .ioas_id = ioas, .iova = iova, .length = len,
	};

	return bench_ioctl(iommufd, KABI_IOMMU_IOAS_UNMAP, &u) ? -errno : 0;
}

static int raw_hwpt_alloc(uint32_t dev_id, uint32_t ioas, uint32_t *hwpt)
{
	struct kabi_iommu_hwpt_alloc h = {
		.size = sizeof(h),
		.flags = KABI_IOMMU_HWPT_ALLOC_PASID,
		.dev_id = dev_id,
		.pt_id = ioas,
		.data_type = KABI_IOMMU_HWPT_DATA_NONE,
	};

	if (bench_ioctl(iommufd, KABI_IOMMU_HWPT_ALLOC, &h))
		return -errno;
	*hwpt = h.out_hwpt_id;
	return 0;
}

static int raw_destroy(uint32_t id)
{
	struct kabi_iommu_destroy d = { .size = sizeof(d), .id = id };

	return bench_ioctl(iommufd, KABI_IOMMU_DESTROY, &d) ? -errno : 0;
}

static int raw_attach(int vfio_fd, uint32_t pt, uint32_t pasid)
{
	struct kabi_vfio_device_attach_iommufd_pt a = {
		.argsz = sizeof(a),
		.flags = KABI_VFIO_DEVICE_ATTACH_PASID,
		.pt_id = pt,
		.pasid = pasid,
	};

	return bench_ioctl(vfio_fd, KABI_VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a) ? -errno : 0;
}

static int raw_detach(int vfio_fd, uint32_t pasid)
{
	struct kabi_vfio_device_detach_iommufd_pt d = {
		.argsz = sizeof(d),
		.flags = KABI_VFIO_DEVICE_DETACH_PASID,
		.pasid = pasid,
	};

	return bench_ioctl(vfio_fd, KABI_VFIO_DEVICE_DETACH_IOMMUFD_PT, &d) ? -errno : 0;
}

static int raw_ioas_alloc(uint32_t *ioas)
{
	struct kabi_iommu_ioas_alloc a = { .size = sizeof(a) };

	if (bench_ioctl(iommufd, KABI_IOMMU_IOAS_ALLOC, &a))
		return -errno;
	*ioas = a.out_ioas_id;
	return 0;
}

/* The RID (no PASID flag) onto pt; an IOAS id makes the kernel pick or make
 * its automatic domain, shared with the IOAS's other compatible devices. */
static int raw_rid_attach(int vfio_fd, uint32_t pt)
{
	struct kabi_vfio_device_attach_iommufd_pt a = {
		.argsz = sizeof(a), .pt_id = pt,
	};

	return bench_ioctl(vfio_fd, KABI_VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a) ? -errno : 0;
}

static int raw_rid_detach(int vfio_fd)
{
	struct kabi_vfio_device_detach_iommufd_pt d = { .argsz = sizeof(d) };

	return bench_ioctl(vfio_fd, KABI_VFIO_DEVICE_DETACH_IOMMUFD_PT, &d) ? -errno : 0;
}

/* ---- the runner and the table ---- */

/*
 * One round of a measurement: the library (lib) or the raw path, ops
 * operations in each of up to two phases; ns[] gets the time of each phase.
 * 0, or a negative errno (the library's message is in pasid_errmsg()).
 */
typedef int (*round_fn)(void *arg, bool lib, int ops, uint64_t ns[2]);

static bool no_ratio;	/* section (5): the ratio to a stub means nothing */
/* The last measure()'s medians in ns per op, [lib?][phase], for the rows
 * that compare one row with another (sections (8) and (10)). */
static double last_med[2][2];

/* ratio: library / raw, the median of the rounds' own ratios */
static void row(const char *op, long ops, double lib, double raw,
		double ratio, double noise)
{
	if (raw > 0 && no_ratio)
		printf("%-58s %6ld %10.0f %10.0f %6s %9.0f %5.0f%%\n", op, ops,
		       lib, raw, "-", lib - raw, noise);
	else if (raw > 0)
		printf("%-58s %6ld %10.0f %10.0f %6.2f %9.0f %5.0f%%\n", op, ops,
		       lib, raw, ratio, lib - raw, noise);
	else
		printf("%-58s %6ld %10.0f %10s %6s %9s %5.0f%%\n", op, ops, lib,
		       "-", "-", "-", noise);
	fflush(stdout);
}

static void row_error(const char *op, bool lib, int err)
{
	printf("%-58s error in the %s path: %s (%s)\n", op, lib ? "library" : "raw",
	       strerror(-err), lib ? pasid_errmsg() : "raw ioctl");
	fflush(stdout);
	errors++;
}

/*
 * Library / raw as the median of each round's own ratio: a round times the
 * two paths back to back, so load that comes and goes between rounds (a
 * TCG guest on a shared host) moves both and cancels, where it would move
 * the two medians apart.
 */
static double paired_ratio(const uint64_t *lib, const uint64_t *raw,
			   double *noise)
{
	uint64_t q[ROUNDS];
	double iqr, ratio;

	for (int r = 0; r < ROUNDS; r++)
		q[r] = lib[r] * 1000000 / (raw[r] ? raw[r] : 1);
	ratio = median(q, &iqr) / 1e6;
	if (noise)	/* the ratios' interquartile range, in % of it */
		*noise = ratio > 0 ? 100 * iqr / 1e6 / ratio : 0;
	return ratio;
}

/*
 * Run fn for ROUNDS rounds of each path and print one row per phase (names[1]
 * NULL: one phase). raw false: the library path only (a reference row).
 */
static void measure(const char *const names[2], round_fn fn, void *arg,
		    int ops, bool raw)
{
	uint64_t t[2][2][ROUNDS], warm[2];	/* [lib?][phase][round] */
	int nphases = names[1] ? 2 : 1;
	int ret;

	memset(last_med, 0, sizeof(last_med));
	for (int p = 0; p < 2; p++) {
		bool lib = p == 0;

		if (!lib && !raw)
			continue;
		ret = fn(arg, lib, ops, warm);
		if (ret) {
			row_error(names[0], lib, ret);
			return;
		}
	}
	for (int r = 0; r < ROUNDS; r++) {
		for (int k = 0; k < 2; k++) {
			bool lib = (k == 0) == (r % 2 == 0);
			uint64_t ns[2] = { 0, 0 };

			if (!lib && !raw)
				continue;
			ret = fn(arg, lib, ops, ns);
			if (ret) {
				row_error(names[0], lib, ret);
				return;
			}
			t[lib][0][r] = ns[0];
			t[lib][1][r] = ns[1];
		}
	}
	for (int ph = 0; ph < nphases; ph++) {
		double iqr_lib, iqr_raw = 0, lib, rawm = 0, ratio = 0, noise;

		lib = median(t[1][ph], &iqr_lib);
		noise = 100 * iqr_lib / lib;
		if (raw) {
			rawm = median(t[0][ph], &iqr_raw);
			if (100 * iqr_raw / rawm > noise)
				noise = 100 * iqr_raw / rawm;
			ratio = paired_ratio(t[1][ph], t[0][ph], NULL);
		}
		row(names[ph], ops, lib / ops, rawm / ops, ratio, noise);
		last_med[1][ph] = lib / ops;
		last_med[0][ph] = rawm / ops;
	}
}

static void measure1(const char *name, round_fn fn, void *arg, int ops,
		     bool raw)
{
	const char *const names[2] = { name, NULL };

	measure(names, fn, arg, ops, raw);
}

static void section(const char *title)
{
	printf("\n-- %s\n", title);
	printf("%-58s %6s %10s %10s %6s %9s %6s\n", "operation", "iters",
	       "lib ns/op", "raw ns/op", "ratio", "lib-raw", "noise");
}

/* ---- reference rows: what a lock and a failing syscall cost here ---- */

static int ref_mutex(void *arg, bool lib, int ops, uint64_t ns[2])
{
	pthread_mutex_t *m = arg;
	uint64_t t0 = now_ns();

	(void)lib;
	for (int i = 0; i < ops; i++) {
		pthread_mutex_lock(m);
		pthread_mutex_unlock(m);
	}
	ns[0] = now_ns() - t0;
	return 0;
}

static int ref_ioctl(void *arg, bool lib, int ops, uint64_t ns[2])
{
	struct kabi_iommu_destroy d = { .size = sizeof(d), .id = UINT32_MAX };
	uint64_t t0 = now_ns();

	(void)arg;
	(void)lib;
	for (int i = 0; i < ops; i++)
		ioctl(iommufd, KABI_IOMMU_DESTROY, &d);	/* ENOENT */
	ns[0] = now_ns() - t0;
	return 0;
}

/* ---- (1) map and unmap ---- */

struct map_bench {
	struct pasid_as *as;
	uint8_t *buf;
	size_t len;		/* round trip: the buffer's length */
	uint64_t *iovas;	/* batch: BATCH_MAPS of them */
	bool ascending;		/* batch: the kernel handed out rising IOVAs */
};

static int map_rt(void *arg, bool lib, int ops, uint64_t ns[2])
{
	struct map_bench *m = arg;
	uint32_t ioas = pasid_as_ioas_id(m->as);
	uint64_t iova, t0 = now_ns();
	int ret = 0;

	for (int i = 0; i < ops && !ret; i++) {
		if (lib) {
			ret = pasid_map(m->as, m->buf, m->len, PASID_MAP_RW, &iova);
			if (!ret)
				ret = pasid_unmap(m->as, iova, m->len);
		} else {
			ret = raw_map(ioas, m->buf, m->len, &iova);
			if (!ret)
				ret = raw_unmap(ioas, iova, m->len);
		}
	}
	ns[0] = now_ns() - t0;
	return ret;
}

enum map_order { IN_MAP_ORDER, IN_REVERSE, IN_RANDOM, FIXED_DESCENDING };

struct order_bench {
	struct pasid_as *as;
	uint8_t *buf;		/* n pages, one per mapping */
	uint64_t *iovas;
	uint32_t *perm;		/* a random permutation of 0..n-1 */
	enum map_order order;
	bool kernel_iova;	/* (1): the kernel picks; (8): fixed IOVAs */
};

#define ORDER_BASE (1ull << 33)	/* (8)'s IOVAs: clear of the MSI window */

static int raw_map_fixed(uint32_t ioas, void *va, uint64_t len, uint64_t iova)
{
	struct kabi_iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = KABI_IOMMU_IOAS_MAP_READABLE |
			 KABI_IOMMU_IOAS_MAP_WRITEABLE |
			 KABI_IOMMU_IOAS_MAP_FIXED_IOVA,
		.ioas_id = ioas,
		.user_va = (uintptr_t)va,
		.length = len,
		.iova = iova,
	};

	return bench_ioctl(iommufd, KABI_IOMMU_IOAS_MAP, &m) ? -errno : 0;
}

/* ops pages mapped one by one (phase 0), then all unmapped (phase 1). */
static int order_round(void *arg, bool lib, int ops, uint64_t ns[2])
{
	struct order_bench *o = arg;
	uint32_t ioas = pasid_as_ioas_id(o->as);
	bool fixed = !o->kernel_iova;
	bool desc = o->order == FIXED_DESCENDING;
	uint64_t t0, t1;
	int n, ret = 0;

	t0 = now_ns();
	for (n = 0; n < ops && !ret; n++) {
		uint8_t *va = o->buf + (size_t)n * page;

		if (fixed)
			o->iovas[n] = ORDER_BASE +
				      (uint64_t)(desc ? ops - 1 - n : n) * page;
		if (lib)
			ret = pasid_map(o->as, va, page, PASID_MAP_RW |
					(fixed ? PASID_MAP_FIXED_IOVA : 0),
					&o->iovas[n]);
		else
			ret = fixed ? raw_map_fixed(ioas, va, page, o->iovas[n]) :
				      raw_map(ioas, va, page, &o->iovas[n]);
	}
	if (ret)
		n--;
	t1 = now_ns();
	for (int k = 0; k < n; k++) {
		int i = o->order == IN_REVERSE ? n - 1 - k :
			o->order == IN_RANDOM && n == ops ? (int)o->perm[k] : k;
		int r = lib ? pasid_unmap(o->as, o->iovas[i], page) :
			      raw_unmap(ioas, o->iovas[i], page);

		if (r && !ret)
			ret = r;
	}
	ns[0] = t1 - t0;
	ns[1] = now_ns() - t1;
	return ret;
}

/* (1): ops 4 KiB pages mapped one by one (all live at the end), then
 * unmapped in the order they were mapped. */
static int map_batch(void *arg, bool lib, int ops, uint64_t ns[2])
{
	struct map_bench *m = arg;
	struct order_bench o = { .as = m->as, .buf = m->buf, .iovas = m->iovas,
				 .order = IN_MAP_ORDER, .kernel_iova = true };
	int ret = order_round(&o, lib, ops, ns);

	if (ops > 1)
		m->ascending = m->iovas[1] > m->iovas[0];
	return ret;
}

static void *map_buffer(size_t len, size_t align)
{
	uint8_t *p = mmap(NULL, len + align, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *a;

	if (p == MAP_FAILED)
		return NULL;
	a = (uint8_t *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
	memset(a, 0x5a, len);	/* fault it in: pinning then costs the same */
	return a;
}

static void bench_map(struct pasid_as *as, const char *where, uint8_t *buf4k,
		      uint8_t *buf2m, uint8_t *batch, uint64_t *iovas)
{
	struct map_bench m = { .as = as, .iovas = iovas };
	char name[2][96];
	const char *names[2] = { name[0], name[1] };

	m.buf = buf4k;
	m.len = 4 * KIB;
	snprintf(name[0], sizeof(name[0]), "map+unmap 4 KiB, %s", where);
	measure1(name[0], map_rt, &m, ITERS_MAP_4K, true);
	m.buf = buf2m;
	m.len = 2 * MIB;
	snprintf(name[0], sizeof(name[0]), "map+unmap 2 MiB, %s", where);
	measure1(name[0], map_rt, &m, ITERS_MAP_2M, true);
	if (!batch)
		return;
	m.buf = batch;
	snprintf(name[0], sizeof(name[0]), "map 4 KiB x%d, all kept, %s",
		 BATCH_MAPS, where);
	snprintf(name[1], sizeof(name[1]), "  then unmap them in map order");
	measure(names, map_batch, &m, BATCH_MAPS, true);
	printf("   (the kernel handed out %s IOVAs; section (8) has other orders and sizes)\n",
	       m.ascending ? "rising" : "falling");
}

/* ---- (2) bind and unbind, (3) rebind ---- */

struct bind_bench {
	struct pasid_dev *dev;
	int vfio_fd;
	uint32_t dev_id;
	struct pasid_as *as, *as_b;	/* as: the RID's; as_b: another */
	uint32_t hwpt, hwpt_b;		/* raw PASID-capable tables on them */
	bool raw_alloc;			/* raw path allocates and destroys */
};

static int bind_rt(void *arg, bool lib, int ops, uint64_t ns[2])
{
	struct bind_bench *b = arg;
	uint64_t t0 = now_ns();
	int ret = 0;

	for (int i = 0; i < ops && !ret; i++) {
		if (lib) {
			ret = pasid_bind(b->dev, b->as, FIXED_PASID);
			if (ret == (int)FIXED_PASID)
				ret = pasid_unbind(b->dev, FIXED_PASID);
			else if (ret >= 0)
				ret = -EPROTO;
		} else if (b->raw_alloc) {
			uint32_t h;

			ret = raw_hwpt_alloc(b->dev_id, pasid_as_ioas_id(b->as), &h);
			if (ret)
				break;
			ret = raw_attach(b->vfio_fd, h, FIXED_PASID);
			if (!ret)
				ret = raw_detach(b->vfio_fd, FIXED_PASID);
			if (!ret)
				ret = raw_destroy(h);
		} else {
			/* the raw path's own table of the same address space,
			 * in the same state as the library's: A's is held by
			 * KEEP_A as the RID holds the library's, B's idles */
			uint32_t h = b->as == b->as_b ? b->hwpt_b : b->hwpt;

			ret = raw_attach(b->vfio_fd, h, FIXED_PASID);
			if (!ret)
				ret = raw_detach(b->vfio_fd, FIXED_PASID);
		}
	}
	ns[0] = now_ns() - t0;
	return ret;
}

/* PASID FIXED_PASID moves as -> as_b -> as ...; ops moves. */
static int rebind_rt(void *arg, bool lib, int ops, uint64_t ns[2])
{
	struct bind_bench *b = arg;
	uint64_t t0;
	int ret;

	ret = lib ? pasid_bind(b->dev, b->as, FIXED_PASID) :
		    raw_attach(b->vfio_fd, b->hwpt, FIXED_PASID);
	if (ret < 0)
		return ret;
	t0 = now_ns();
	ret = 0;
	for (int i = 0; i < ops && !ret; i++) {
		bool to_b = i % 2 == 0;

		ret = lib ? pasid_rebind(b->dev, FIXED_PASID, to_b ? b->as_b : b->as) :
			    raw_attach(b->vfio_fd, to_b ? b->hwpt_b : b->hwpt,
				       FIXED_PASID);
	}
	ns[0] = now_ns() - t0;
	if (lib)
		pasid_unbind(b->dev, FIXED_PASID);
	else
		raw_detach(b->vfio_fd, FIXED_PASID);
	return ret;
}

/* ---- (4) many PASIDs ---- */

struct scale_bench {
	struct pasid_dev *dev;
	int vfio_fd;
	uint32_t dev_id;
	struct pasid_as *as;		/* shared: every PASID goes here */
	uint32_t hwpt;			/* the raw path's table on it */
	struct pasid_as **own;		/* or: one address space per PASID */
	int n;				/* PASIDs bound at once */
	uint32_t *pasids, *hwpts;	/* n of each */
	uint32_t raw_cursor;		/* the raw path's "PASID_ANY" */
};

static int scale_bind(struct scale_bench *s, bool lib, int i)
{
	struct pasid_as *as = s->own ? s->own[i] : s->as;
	int ret;

	if (lib) {
		ret = pasid_bind(s->dev, as, PASID_ANY);
		if (ret > 0)
			s->pasids[i] = (uint32_t)ret;
		return ret < 0 ? ret : 0;
	}
	/* like the library's cursor: the next PASID, never a just-freed one */
	s->pasids[i] = s->raw_cursor++;
	if (s->raw_cursor >= 1u << 20)
		s->raw_cursor = RAW_CURSOR0;
	if (!s->own)
		return raw_attach(s->vfio_fd, s->hwpt, s->pasids[i]);
	/* one table per address space, made once and kept, as the library
	 * keeps its idle one for the next bind */
	if (!s->hwpts[i]) {
		ret = raw_hwpt_alloc(s->dev_id, pasid_as_ioas_id(as), &s->hwpts[i]);
		if (ret)
			return ret;
	}
	return raw_attach(s->vfio_fd, s->hwpts[i], s->pasids[i]);
}

static int scale_unbind(struct scale_bench *s, bool lib, int i)
{
	if (lib)
		return pasid_unbind(s->dev, s->pasids[i]);
	return raw_detach(s->vfio_fd, s->pasids[i]);
}

/* ops / n times: bind n PASIDs with PASID_ANY (phase 0), then unbind them
 * in the order they were bound (phase 1). */
static int scale_round(void *arg, bool lib, int ops, uint64_t ns[2])
{
	struct scale_bench *s = arg;
	int ret = 0;

	ns[0] = ns[1] = 0;
	for (int r = 0; r < ops / s->n && !ret; r++) {
		uint64_t t0 = now_ns(), t1;
		int n;

		for (n = 0; n < s->n; n++) {
			ret = scale_bind(s, lib, n);
			if (ret)
				break;
		}
		t1 = now_ns();
		for (int i = 0; i < n; i++) {
			int r2 = scale_unbind(s, lib, i);

			if (r2 && !ret)
				ret = r2;
		}
		ns[0] += t1 - t0;
		ns[1] += now_ns() - t1;
	}
	return ret;
}

static void bench_scale(struct scale_bench *s, struct pasid_as **own)
{
	static const int ns_[] = { 1, 64, 1024 };
	char name[2][96];
	const char *names[2] = { name[0], name[1] };

	for (int k = 0; k < 2; k++) {
		s->own = k ? own : NULL;
		if (k && !own)
			break;
		for (unsigned int j = 0; j < sizeof(ns_) / sizeof(ns_[0]); j++) {
			s->n = ns_[j];
			snprintf(name[0], sizeof(name[0]),
				 "bind PASID_ANY, N=%d at once, %s", s->n,
				 k ? "each to its own AS" : "all to one AS");
			snprintf(name[1], sizeof(name[1]),
				 "  then unbind the N in bind order");
			measure(names, scale_round, s, SCALE_OPS, true);
		}
	}
	if (own)
		printf("   (own AS: the library's first round makes each address space's table, which then idles\n"
		       "    between rounds and is reused; the raw path makes one per address space once and keeps it)\n");
	s->own = NULL;
}

/* ---- setup ---- */

static bool find_edu(struct pasid_ctx *ctx, const char *arg,
		     struct pasid_dev **devp, char *bdf, size_t bdf_len)
{
	const char *env = getenv("LIBPASID_EDU");
	struct pasid_devinfo d = { .size = sizeof(d) };
	struct pasid_devlist *list;

	bdf[0] = '\0';
	if (arg) {
		snprintf(bdf, bdf_len, "%s", arg);
	} else if (env && *env) {
		snprintf(bdf, bdf_len, "%.*s", (int)strcspn(env, " "), env);
	} else if (pasid_devlist_new(&list) == 0) {
		for (size_t i = 0; i < pasid_devlist_count(list) && !bdf[0]; i++)
			if (!pasid_devlist_get(list, i, &d) &&
			    d.vendor_id == EDU_VENDOR_ID && d.device_id == EDU_DEVICE_ID)
				snprintf(bdf, bdf_len, "%s", d.bdf);
		pasid_devlist_free(list);
	}
	if (!bdf[0]) {
		printf("no edu device found: the device rows are skipped\n");
		return false;
	}
	if (pasid_dev_open(ctx, bdf, devp)) {
		printf("could not open %s: %s: the device rows are skipped\n", bdf,
		       pasid_errmsg());
		errors++;
		return false;
	}
	return true;
}

/* One RID DMA through the mapping, so that the device rows are known to run
 * on a device whose DMA really is translated by the address space. */
static const char *rid_dma_check(struct pasid_dev *dev, struct pasid_as *as,
				 uint8_t *buf)
{
	uint64_t iova = 0x100000;
	struct edu e = { 0 };
	const char *res = "edu DMA through the RID's mapping landed";

	if (!edu_is_edu(dev) || edu_open(&e, dev))
		return "not checked (not an edu or BAR0 not mappable)";
	if (pasid_map(as, buf, page, PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &iova)) {
		edu_close(&e);
		return "not checked (map failed)";
	}
	for (unsigned int i = 0; i < 256; i++)
		buf[i] = (uint8_t)(i ^ 0xa5);
	if (edu_dma_to_dev(&e, 0, iova, 0, 256) == 0) {
		memset(buf, 0, 256);
		edu_dma_from_dev(&e, 0, 0, iova, 256);
	}
	for (unsigned int i = 0; i < 256; i++)
		if (buf[i] != (uint8_t)(i ^ 0xa5))
			res = "edu DMA through the RID's mapping did NOT land";
	pasid_unmap(as, iova, page);
	edu_close(&e);
	return res;
}

#ifdef PASID_BENCH_EMU
/* Intel devices with 20 PASID bits in the in-process emulation, each in its
 * own IOMMU group behind one IOMMU: the first for most sections, the next
 * two for (9), the last for (7), which opens it in contexts of its own. */
static const char *const emu_bdfs[] = {
	"0000:00:04.0", "0000:00:05.0", "0000:00:06.0", "0000:00:07.0",
};
#define EMU_CLOSE_BDF (emu_bdfs[3])

static const char *emu_device(void)
{
	if (emu_init())
		return NULL;
	for (int i = 0; i < 4; i++) {
		const struct emu_dev_cfg cfg = {
			.bdf = emu_bdfs[i], .iommu = EMU_IOMMU_INTEL,
			.pasid_log2 = 20, .group = 7 + i,
		};

		if (emu_add_device(&cfg) < 0)
			return NULL;
	}
	return emu_bdfs[0];
}
#else
static const char *emu_device(void)
{
	return NULL;
}
#endif

/* What the PASID sections share: the device, A (the RID's address space),
 * B, the raw path's page tables on A and B, 1024 more address spaces. */
struct pasid_fix {
	struct bind_bench b;
	struct scale_bench s;
	struct pasid_as **own;
	uint8_t *big;			/* BIG_LEN to map into B */
	uint64_t big_iova;		/* where, while mapped (0: not) */
};

static int pasid_fix_init(struct pasid_fix *f, struct pasid_ctx *ctx,
			  struct pasid_dev *dev, struct pasid_as *as_a)
{
	struct pasid_as *as_b;
	int ret, made;

	memset(f, 0, sizeof(*f));
	f->b.dev = dev;
	f->b.vfio_fd = pasid_dev_fd(dev);
	f->b.dev_id = pasid_dev_iommufd_id(dev);
	f->b.as = as_a;
	ret = pasid_as_new(ctx, &as_b);
	if (ret) {
		printf("pasid_as_new: %s\n", pasid_errmsg());
		return ret;
	}
	f->b.as_b = as_b;
	ret = raw_hwpt_alloc(f->b.dev_id, pasid_as_ioas_id(as_a), &f->b.hwpt);
	if (!ret)
		ret = raw_hwpt_alloc(f->b.dev_id, pasid_as_ioas_id(as_b), &f->b.hwpt_b);
	if (!ret)
		ret = raw_attach(f->b.vfio_fd, f->b.hwpt, KEEP_A);
	if (ret) {
		printf("the raw path's PASID-capable page tables: %s\n", strerror(-ret));
		return ret;
	}
	f->s = (struct scale_bench){
		.dev = dev, .vfio_fd = f->b.vfio_fd, .dev_id = f->b.dev_id,
		.as = as_a, .hwpt = f->b.hwpt, .raw_cursor = RAW_CURSOR0,
		.pasids = calloc(1024, sizeof(uint32_t)),
		.hwpts = calloc(1024, sizeof(uint32_t)),
	};
	f->own = calloc(1024, sizeof(*f->own));
	f->big = map_buffer(BIG_LEN, 2 * MIB);
	if (!f->s.pasids || !f->s.hwpts || !f->own || !f->big)
		return -ENOMEM;
	for (made = 0; made < 1024; made++)
		if (pasid_as_new(ctx, &f->own[made]))
			break;
	if (made < 1024) {
		printf("only %d address spaces: the own-AS rows are skipped (%s)\n",
		       made, pasid_errmsg());
		errors++;
		free(f->own);	/* the context frees the address spaces */
		f->own = NULL;
	}
	return 0;
}

static void pasid_fix_fini(struct pasid_fix *f)
{
	raw_detach(f->b.vfio_fd, KEEP_A);
	raw_destroy(f->b.hwpt);
	raw_destroy(f->b.hwpt_b);
	for (int i = 0; i < 1024; i++)
		if (f->s.hwpts[i])
			raw_destroy(f->s.hwpts[i]);
	free(f->s.pasids);
	free(f->s.hwpts);
	free(f->own);
}

/* rebind with B's table held: by PASID OTHER_PASID (library) and by KEEP_B
 * (raw), so that neither path allocates or first-attaches a table */
static void rebind_held(struct pasid_fix *f, const char *name)
{
	int ret = pasid_bind(f->b.dev, f->b.as_b, OTHER_PASID);

	if (ret != (int)OTHER_PASID) {
		row_error(name, true, ret < 0 ? ret : -EPROTO);
		return;
	}
	ret = raw_attach(f->b.vfio_fd, f->b.hwpt_b, KEEP_B);
	if (ret)
		row_error(name, false, ret);
	else
		measure1(name, rebind_rt, &f->b, ITERS_REBIND, true);
	raw_detach(f->b.vfio_fd, KEEP_B);
	pasid_unbind(f->b.dev, OTHER_PASID);
}

/*
 * The other side of keeping an idle table: the kernel writes every map and
 * unmap of the address space into it (and pins the pages for it). C has
 * 64 MiB mapped and an idle table left by a bind+unbind; the library drops
 * the table once the map churn reaches the mapped bytes + 64 pages.
 */
static void bench_idle(struct pasid_fix *f)
{
	struct pasid_as *c;
	struct map_bench m = { .len = 4 * KIB };
	uint64_t iova;
	unsigned long trips = 0;
	int ret;

	if (pasid_as_new(f->s.as->ctx, &c)) {
		row_error("idle table rows", true, -ENOMEM);
		return;
	}
	m.as = c;
	m.buf = f->big;
	ret = pasid_map(c, f->big, BIG_LEN, PASID_MAP_RW, &iova);
	if (!ret) {
		ret = pasid_bind(f->b.dev, c, FIXED_PASID);
		if (ret == (int)FIXED_PASID)
			ret = pasid_unbind(f->b.dev, FIXED_PASID);
	}
	if (ret || bind_idle_tables(c) != 1) {
		row_error("idle table rows", true, ret ? ret : -EPROTO);
		pasid_as_free(c);
		return;
	}
	measure1("map+unmap 4 KiB, AS C: 64 MiB mapped, an idle table", map_rt,
		 &m, ITERS_IDLE, true);
	if (bind_idle_tables(c) != 1)
		printf("   (the idle table went during the row: its numbers mix both cases)\n");
	while (bind_idle_tables(c) && trips < 1000000 && !ret) {
		ret = pasid_map(c, f->big, page, PASID_MAP_RW, &iova);
		if (!ret)
			ret = pasid_unmap(c, iova, page);
		trips++;
	}
	printf("   (the library dropped the idle table after %lu more map+unmap round trips, %lu rounds\n"
	       "    of %d before: %lu KiB of churn against 64 MiB mapped + 64 pages = %lu KiB)\n",
	       trips, (unsigned long)ROUNDS + 1, ITERS_IDLE,
	       ((unsigned long)(ROUNDS + 1) * ITERS_IDLE + trips) * 2 * page / KIB,
	       (BIG_LEN + 64 * page) / KIB);
	measure1("  same, after the library dropped the idle table", map_rt, &m,
		 ITERS_IDLE, true);
	pasid_as_free(c);
}

static void bench_pasid(struct pasid_fix *f)
{
	uint64_t iova;
	int ret;

	section("(2) pasid_bind+pasid_unbind vs VFIO_DEVICE_ATTACH+DETACH_IOMMUFD_PT with the PASID flag");
	f->b.as = f->s.as;
	measure1("bind+unbind, to the RID's AS (library reuses its table)",
		 bind_rt, &f->b, ITERS_BIND, true);
	f->b.as = f->b.as_b;
	measure1("bind+unbind, to an AS nothing else uses", bind_rt, &f->b,
		 ITERS_BIND, true);
	f->b.raw_alloc = true;
	measure1("  same, raw also does HWPT_ALLOC + IOMMU_DESTROY", bind_rt,
		 &f->b, ITERS_BIND, true);
	f->b.raw_alloc = false;
	ret = pasid_map(f->b.as_b, f->big, BIG_LEN, PASID_MAP_RW, &iova);
	if (ret) {
		row_error("bind+unbind, to an AS nothing else uses, 64 MiB mapped",
			  true, ret);
	} else {
		measure1("bind+unbind, to an AS nothing else uses, 64 MiB mapped",
			 bind_rt, &f->b, ITERS_BIND, true);
		f->b.raw_alloc = true;
		measure1("  same, raw also does HWPT_ALLOC + IOMMU_DESTROY", bind_rt,
			 &f->b, ITERS_BIND_REFILL, true);
		f->b.raw_alloc = false;
		/* A PASID bound alone makes and frees the device's PASID
		 * records in every round trip; another bound PASID keeps
		 * them, which separates that cost from the table policy. */
		if (pasid_bind(f->b.dev, f->s.as, OTHER_PASID) == (int)OTHER_PASID) {
			measure1("  same, another PASID of the device bound meanwhile",
				 bind_rt, &f->b, ITERS_BIND, true);
			pasid_unbind(f->b.dev, OTHER_PASID);
		}
		f->big_iova = iova;
	}
	f->b.as = f->s.as;
	printf("   (PASID %u each time; the raw path uses its own PASID-capable HWPT of the same IOAS:\n"
	       "    A's kept attached by PASID 0x%x as the RID keeps the library's, B's idle between\n"
	       "    detach and attach as the library's is; the warm-up round makes the library's\n"
	       "    table of B)\n",
	       FIXED_PASID, KEEP_A);
	bench_idle(f);

	section("(3) pasid_rebind vs a second VFIO_DEVICE_ATTACH_IOMMUFD_PT (atomic replace)");
	measure1("rebind A<->B, B used by nothing else", rebind_rt, &f->b,
		 ITERS_REBIND, true);
	rebind_held(f, "rebind A<->B, B's table held by another PASID");
	if (f->big_iova) {
		measure1("rebind A<->B, B used by nothing else, 64 MiB mapped in B",
			 rebind_rt, &f->b, ITERS_REBIND, true);
		pasid_unmap(f->b.as_b, f->big_iova, BIG_LEN);
		f->big_iova = 0;
	}

	section("(4) many PASIDs: time per bind/unbind as N grows");
	bench_scale(&f->s, f->own);
}

/* (5): the same calls with the kernel stubbed out on both paths. */
static void bench_stubbed(struct pasid_as *as, uint8_t *buf4k, uint8_t *batch,
			  uint64_t *iovas, struct pasid_fix *f)
{
	struct map_bench m = { .as = as, .iovas = iovas, .buf = buf4k,
			       .len = 4 * KIB };
	const char *names[2] = { "map 4 KiB x1024, all kept",
				 "  then unmap them in map order" };

	section("(5) the library's own CPU time: ioctls answered by a stub in userspace (both paths)");
	stubbed = true;
	no_ratio = true;
	measure1("map+unmap 4 KiB", map_rt, &m, ITERS_MAP_4K, true);
	m.buf = batch;
	measure(names, map_batch, &m, BATCH_MAPS, true);
	if (f) {
		const char *snames[2] = { "bind PASID_ANY, N=1024 at once, all to one AS",
					  "  then unbind the N in bind order" };

		f->b.as = f->s.as;
		measure1("bind+unbind, to the RID's AS", bind_rt, &f->b,
			 ITERS_BIND, true);
		f->b.as = f->b.as_b;
		measure1("bind+unbind, to an AS nothing else uses (HWPT alloc)",
			 bind_rt, &f->b, ITERS_BIND, true);
		f->b.as = f->s.as;
		rebind_held(f, "rebind A<->B, B's table held by another PASID");
		f->s.own = NULL;
		f->s.n = 1024;
		measure(snames, scale_round, &f->s, SCALE_OPS, true);
		if (f->own) {
			snames[0] = "bind PASID_ANY, N=1024 at once, each to its own AS";
			f->s.own = f->own;
			measure(snames, scale_round, &f->s, SCALE_OPS, true);
			f->s.own = NULL;
		}
	}
	stubbed = false;
	no_ratio = false;
	printf("   (raw here is the stub called directly: lib-raw is the library's own time per call)\n");
}

/* ---- (6) the PASID space at scale ---- */

/* How many PASIDs the fill of section (6) reaches and how many mappings
 * section (8) makes at most: the whole space and 100,000 natively, less in
 * a guest where every call is a real, TCG-slow kernel call. A guest run can
 * ask for more through the kernel command line (bench/run passes these
 * variables on; the kernel hands unknown NAME=value words to init). */
static unsigned long env_limit(const char *name, unsigned long dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : dflt;
}

struct pspace_bench {
	struct pasid_dev *dev;
	struct pasid_as *as;
	int vfio_fd;
	uint32_t hwpt;		/* the raw path's table on as */
	uint32_t fill;		/* PASIDs 1..fill are bound (library) */
	uint32_t free_pasid;	/* the one the explicit binds use */
	bool any;		/* the library binds PASID_ANY */
};

/* PASIDs bound and unbound at once in section (6): enough that the two
 * clock reads per batch cost little per call (a clock read is 60+ ns on some
 * virtual machines, as much as a bind), few next to the fills. */
#define PSPACE_BATCH 64

/* ops / PSPACE_BATCH times: bind PSPACE_BATCH PASIDs more than the fill
 * (phase 0), then unbind them in the same order (phase 1). */
static int pspace_round(void *arg, bool lib, int ops, uint64_t ns[2])
{
	struct pspace_bench *p = arg;
	uint32_t got[PSPACE_BATCH];
	int ret = 0;

	ns[0] = ns[1] = 0;
	for (int r = 0; r < ops / PSPACE_BATCH && !ret; r++) {
		uint64_t t0 = now_ns(), t1;
		int n;

		for (n = 0; n < PSPACE_BATCH; n++) {
			uint32_t pasid = p->free_pasid + (uint32_t)n;

			if (lib)
				ret = pasid_bind(p->dev, p->as,
						 p->any ? PASID_ANY : pasid);
			else
				ret = raw_attach(p->vfio_fd, p->hwpt, pasid);
			if (ret < 0)
				break;
			got[n] = lib ? (uint32_t)ret : pasid;
			ret = 0;
		}
		t1 = now_ns();
		for (int i = 0; i < n; i++) {
			int r2 = lib ? pasid_unbind(p->dev, got[i]) :
				       raw_detach(p->vfio_fd, got[i]);

			if (r2 && !ret)
				ret = r2;
		}
		ns[0] += t1 - t0;
		ns[1] += now_ns() - t1;
	}
	return ret;
}

/* Bind explicit PASIDs until 1..n are bound (the explicit binds leave the
 * PASID_ANY cursor where it is, so it may sit inside the block: the picks
 * then skip it, which is the case to measure). */
static int pspace_fill(struct pspace_bench *p, uint32_t n)
{
	while (p->fill < n) {
		int ret = pasid_bind(p->dev, p->as, (int)(p->fill + 1));

		if (ret < 0)
			return ret;
		p->fill++;
	}
	return 0;
}

static void pspace_bytes(struct pspace_bench *p, uint32_t extra)
{
	const struct pasid_dev *d = p->dev;

	printf("   %7u bound: PASID space (idspace_bytes) %7zu bytes, binding map (idmap_bytes) %8zu bytes\n",
	       p->fill + extra, d->space ? idspace_bytes(&d->space->ids) : 0,
	       idmap_bytes(&d->pasids));
}

static void bench_pspace(struct pasid_fix *f, uint32_t max_fill, int ops)
{
	static const uint32_t fills[] = {
		1, 1024, 65536, IDSPACE_MAX - PSPACE_BATCH,
	};
	/* The raw path attaches to the library's own table of the RID's
	 * address space, which carries the fill: the kernel's attach and
	 * detach are linear in the PASIDs a table has on Intel (3 ms each at
	 * 65536 under TCG), so a table of its own would compare unlike work. */
	struct pspace_bench p = {
		.dev = f->b.dev, .as = f->s.as, .vfio_fd = f->b.vfio_fd,
		.hwpt = f->b.dev->rid_hwpt ? f->b.dev->rid_hwpt->id : f->b.hwpt,
	};
	char name[2][96];
	const char *names[2] = { name[0], name[1] };
	int ret = 0;

	section(stubbed ? "(6) the PASID space at scale: bind/unbind at N bound (stub seam)" :
		"(6) the PASID space at scale: bind/unbind at N bound");
	/* frees the PASID KEEP_A would collide with in a full space */
	raw_detach(f->b.vfio_fd, KEEP_A);
	for (unsigned int j = 0; j < sizeof(fills) / sizeof(fills[0]) && !ret; j++) {
		uint32_t n = fills[j] < max_fill ? fills[j] : max_fill;

		if (j && n <= p.fill)
			break;
		if (n >= 10 && p.fill < 10) {
			ret = pspace_fill(&p, 10);
			if (!ret)
				pspace_bytes(&p, 0);
		}
		if (!ret)
			ret = pspace_fill(&p, n);
		if (ret) {
			row_error("filling the PASID space", true, ret);
			break;
		}
		pspace_bytes(&p, 0);
		p.free_pasid = n + 1;
		p.any = true;
		snprintf(name[0], sizeof(name[0]), "bind PASID_ANY x%d, %u bound",
			 PSPACE_BATCH, n);
		snprintf(name[1], sizeof(name[1]), "  then unbind them");
		measure(names, pspace_round, &p, ops, true);
		p.any = false;
		snprintf(name[0], sizeof(name[0]), "bind %u..%u (explicit), %u bound",
			 n + 1, n + PSPACE_BATCH, n);
		measure(names, pspace_round, &p, ops, true);
		if (n + PSPACE_BATCH == IDSPACE_MAX) {
			/* the whole space, for the allocator's bytes */
			uint32_t keep = p.fill;

			if (!pspace_fill(&p, IDSPACE_MAX))
				pspace_bytes(&p, 0);
			while (p.fill > keep)
				pasid_unbind(p.dev, p.fill--);
		}
	}
	printf("   (N: PASIDs 1..N bound explicitly to the RID's address space, then %d more bound at once and\n"
	       "    unbound; at the top the %d fill the space. The raw path attaches and detaches N+1..N+%d\n"
	       "    to the library's table of that address space, which holds the N. Bytes: idspace_bytes and\n"
	       "    idmap_bytes, the library's own accounting of the device's PASID space and binding map.)\n",
	       PSPACE_BATCH, PSPACE_BATCH, PSPACE_BATCH);
	for (uint32_t pasid = 1; pasid <= p.fill; pasid++)
		pasid_unbind(p.dev, pasid);
}

/* ---- (7) closing a context with N PASIDs bound ---- */

/* Natively only: it needs a device no other context has open, which the
 * emulation can add and a one-edu guest does not have. */
#ifdef PASID_BENCH_EMU
struct close_bench {
	const char *bdf;	/* a device no other context has open */
	uint32_t n;
};

/* One close per round (ops 1): a fresh context with n PASIDs bound with
 * PASID_ANY to one address space, untimed, then pasid_ctx_close, timed. The
 * raw path is the stub answering the n detaches that close makes. */
static int close_round(void *arg, bool lib, int ops, uint64_t ns[2])
{
	struct close_bench *c = arg;
	struct pasid_ctx *ctx;
	struct pasid_dev *dev;
	struct pasid_as *as;
	uint64_t t0;
	int ret;

	(void)ops;
	if (!lib) {
		t0 = now_ns();
		for (uint32_t i = 1; i <= c->n; i++)
			raw_detach(-1, i);
		ns[0] = now_ns() - t0;
		return 0;
	}
	ret = pasid_ctx_open(&ctx, NULL);
	if (ret)
		return ret;
	ret = pasid_as_new(ctx, &as);
	if (!ret)
		ret = pasid_dev_open(ctx, c->bdf, &dev);
	for (uint32_t i = 0; i < c->n && !ret; i++) {
		ret = pasid_bind(dev, as, PASID_ANY);
		ret = ret < 0 ? ret : 0;
	}
	t0 = now_ns();
	pasid_ctx_close(ctx);
	ns[0] = now_ns() - t0;
	return ret;
}

static void bench_close(const char *bdf)
{
	static const uint32_t ns_[] = { 1024, 65536, IDSPACE_MAX };
	struct close_bench c = { .bdf = bdf };
	char name[96];

	section("(7) pasid_ctx_close with N PASIDs bound (stub seam; one close per round)");
	for (unsigned int j = 0; j < sizeof(ns_) / sizeof(ns_[0]); j++) {
		c.n = ns_[j];
		snprintf(name, sizeof(name), "pasid_ctx_close, %u PASIDs bound", c.n);
		measure1(name, close_round, &c, 1, true);
	}
	printf("   (raw: the stub answering the N detaches the close makes)\n");
}
#endif

/* ---- (8) many mappings, unmapped in different orders ---- */

/* Fisher-Yates with a fixed xorshift seed: both paths, every run, the same
 * order. */
static void shuffle(uint32_t *perm, uint32_t n)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (uint32_t i = 0; i < n; i++)
		perm[i] = i;
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j, t;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		j = (uint32_t)(x % (i + 1));
		t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
}

static void bench_order(struct pasid_as *as, const char *where,
			unsigned long max_maps)
{
	static const uint32_t ns_[] = { 1000, 10000, 100000 };
	static const char *const what[] = {
		"  then unmap them in map order", "  then unmap them in reverse order",
		"  then unmap them in random order", "  then unmap them in map order",
	};
	double first[4][2] = { { 0 } }, last[4][2] = { { 0 } };
	struct order_bench o = { .as = as };
	uint32_t top = 0;
	char name[2][96];
	const char *names[2] = { name[0], name[1] };

	for (unsigned int j = 0; j < 3; j++)
		if (ns_[j] <= max_maps)
			top = ns_[j];
	printf("\n-- (8) N mappings of 4 KiB at fixed IOVAs, unmapped in map, reverse and random order (%s)\n",
	       where);
	printf("%-58s %6s %10s %10s %6s %9s %6s\n", "operation", "iters",
	       "lib ns/op", "raw ns/op", "ratio", "lib-raw", "noise");
	/* untouched: the stub and an IOAS without a device pin nothing */
	o.buf = mmap(NULL, (size_t)top * page, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	o.iovas = calloc(top, sizeof(*o.iovas));
	o.perm = calloc(top, sizeof(*o.perm));
	if (o.buf == MAP_FAILED || !o.iovas || !o.perm) {
		row_error("section (8)", true, -ENOMEM);
		return;
	}
	for (unsigned int j = 0; j < 3 && ns_[j] <= top; j++) {
		uint32_t n = ns_[j];

		shuffle(o.perm, n);
		for (int k = 0; k < 4; k++) {
			o.order = (enum map_order)k;
			snprintf(name[0], sizeof(name[0]), "map 4 KiB x%u, %s fixed IOVAs",
				 n, k == FIXED_DESCENDING ? "descending" : "ascending");
			snprintf(name[1], sizeof(name[1]), "%s", what[k]);
			measure(names, order_round, &o, (int)n, true);
			for (int ph = 0; ph < 2; ph++) {
				/* natively the stub's own time is noise:
				 * compare the library's extra time */
				double v = stubbed ? last_med[1][ph] - last_med[0][ph] :
					   last_med[1][ph];

				if (j == 0)
					first[k][ph] = v;
				last[k][ph] = v;
			}
		}
	}
	printf("   (fixed IOVAs: the kernel's own IOVA allocator walks its mappings, ~0.8 ms per map at\n"
	       "    10000 under TCG, which would hide the library; page-sized steps from 0x%llx)\n",
	       ORDER_BASE);
	if (top > 1000) {
		printf("   (per-op growth from 1000 to %u mappings, %s: ", top,
		       stubbed ? "lib-raw" : "lib ns/op");
		for (int k = 0; k < 4; k++)
			printf("%s map %.2fx unmap %.2fx%s",
			       k == FIXED_DESCENDING ? "fixed descending:" :
			       k == IN_MAP_ORDER ? "map order:" :
			       k == IN_REVERSE ? "reverse:" : "random:",
			       first[k][0] > 0 ? last[k][0] / first[k][0] : 0,
			       first[k][1] > 0 ? last[k][1] / first[k][1] : 0,
			       k == 3 ? ")\n" : "; ");
	}
	munmap(o.buf, (size_t)top * page);
	free(o.iovas);
	free(o.perm);
}

/* ---- (9) several devices on one address space ---- */

#define MAX_DEVS 3

struct mdev_bench {
	struct pasid_dev *devs[MAX_DEVS];
	int ndevs, k;		/* devices found; devices attached this row */
	struct pasid_as *as;	/* the library's */
	uint32_t raw_ioas;	/* the raw path's: the kernel's automatic domain */
	uint8_t *buf;
};

static int mdev_attach(struct mdev_bench *m, bool lib)
{
	for (int d = 0; d < m->k; d++) {
		int ret = lib ? pasid_attach_rid(m->devs[d], m->as, 0) :
				raw_rid_attach(pasid_dev_fd(m->devs[d]), m->raw_ioas);

		if (ret)
			return ret;
	}
	return 0;
}

static void mdev_detach(struct mdev_bench *m, bool lib)
{
	for (int d = 0; d < m->k; d++) {
		if (lib)
			pasid_detach_rid(m->devs[d]);
		else
			raw_rid_detach(pasid_dev_fd(m->devs[d]));
	}
}

/* k RIDs attached (untimed), ops map+unmap of 4 KiB, the RIDs detached:
 * the library's default PASID-capable table, which the devices share when
 * the kernel accepts it, against the kernel's shared automatic domain. */
static int mdev_round(void *arg, bool lib, int ops, uint64_t ns[2])
{
	struct mdev_bench *m = arg;
	uint64_t iova, t0;
	int ret = mdev_attach(m, lib);

	t0 = now_ns();
	for (int i = 0; i < ops && !ret; i++) {
		if (lib) {
			ret = pasid_map(m->as, m->buf, page, PASID_MAP_RW, &iova);
			if (!ret)
				ret = pasid_unmap(m->as, iova, page);
		} else {
			ret = raw_map(m->raw_ioas, m->buf, page, &iova);
			if (!ret)
				ret = raw_unmap(m->raw_ioas, iova, page);
		}
	}
	ns[0] = now_ns() - t0;
	mdev_detach(m, lib);
	return ret;
}

static unsigned int as_tables(const struct pasid_as *as)
{
	unsigned int n = 0;

	for (const struct list_head *p = as->hwpts.next; p != &as->hwpts; p = p->next)
		n++;
	return n;
}

/*
 * The target compares all devices with one in the same run, but load that
 * comes and goes between the rows moves their medians apart (3 devices / 1
 * device 1.23 and 1.25 in two runs whose rows had 24-37% noise, 0.99-1.04
 * in quiet ones). Paired rounds cancel it: each round times one device and
 * all of them back to back, in alternating order, and the ratio is the
 * median of the rounds' own ratios. 0, or the failed round's -errno.
 */
static int mdev_paired(struct mdev_bench *m, bool lib, double *ratio,
		       double *noise)
{
	uint64_t t[2][ROUNDS], ns[2];	/* [all devices?][round] */

	for (int r = 0; r < ROUNDS; r++) {
		for (int j = 0; j < 2; j++) {
			bool all = (j == 0) == (r % 2 == 0);
			int ret;

			m->k = all ? m->ndevs : 1;
			ret = mdev_round(m, lib, ITERS_MAP_4K, ns);
			if (ret)
				return ret;
			t[all][r] = ns[0];
		}
	}
	*ratio = paired_ratio(t[1], t[0], noise);
	return 0;
}

static void paired_row(struct mdev_bench *m)
{
	double lib, lib_noise, raw, raw_noise;
	int ret = mdev_paired(m, true, &lib, &lib_noise);

	if (ret) {
		row_error("section (9), paired rounds", true, ret);
		return;
	}
	ret = mdev_paired(m, false, &raw, &raw_noise);
	if (ret) {
		row_error("section (9), paired rounds", false, ret);
		return;
	}
	printf("   (paired rounds, %d devices / 1 device: library %.2f (IQR %.0f%%), raw %.2f (IQR %.0f%%))\n",
	       m->ndevs, lib, lib_noise, raw, raw_noise);
}

static void bench_mdev(struct pasid_ctx *ctx, struct mdev_bench *m)
{
	double one = 0;
	char name[96];
	int ret;

	section(EMU ? "(9) map+unmap 4 KiB with 1-3 devices on one address space (the emulation as the kernel)" :
		"(9) map+unmap 4 KiB with 1-3 devices on one address space vs their RIDs on a raw IOAS");
	ret = pasid_as_new(ctx, &m->as);
	if (!ret)
		ret = raw_ioas_alloc(&m->raw_ioas);
	if (ret) {
		row_error("section (9)", !m->as, ret);
		return;
	}
	for (m->k = 1; m->k <= m->ndevs; m->k++) {
		snprintf(name, sizeof(name), "map+unmap 4 KiB, %d device%s on the AS",
			 m->k, m->k > 1 ? "s" : "");
		measure1(name, mdev_round, m, ITERS_MAP_4K, true);
		if (m->k == 1)
			one = last_med[1][0];
	}
	m->k = m->ndevs;
	if (m->ndevs > 1 && !mdev_attach(m, true)) {
		printf("   (%d devices attached: the library's address space has %u page table(s)",
		       m->ndevs, as_tables(m->as));
#ifdef PASID_BENCH_EMU
		printf(", the emulation writes each map to %d domain(s)",
		       emu_ioas_domains(pasid_as_ioas_id(m->as)));
#else
		for (int d = 0; d < m->ndevs; d++)
			printf("; %s: %s", pasid_dev_name(m->devs[d]),
			       rid_dma_check(m->devs[d], m->as, m->buf));
#endif
		printf(")\n");
		mdev_detach(m, true);
#ifdef PASID_BENCH_EMU
		if (!mdev_attach(m, false)) {
			printf("   (raw: the emulation writes each map of its IOAS to %d domain(s))\n",
			       emu_ioas_domains(m->raw_ioas));
			mdev_detach(m, false);
		}
#endif
		printf("   (library, %d devices / 1 device: %.2f)\n", m->ndevs,
		       one > 0 ? last_med[1][0] / one : 0);
		paired_row(m);
	}
	pasid_as_free(m->as);
	raw_destroy(m->raw_ioas);
}

/* ---- (10) threads, on a stub whose map and unmap sleep ---- */

#define THREAD_SLEEP_US 50
#define THREAD_OPS 100		/* map+unmap pairs per thread per round */
#define MAX_THREADS 4

struct thr_bench {
	struct pasid_as *as[MAX_THREADS];	/* all the same, or one each */
	uint8_t *buf;
	int nthreads;
	bool lib;
	pthread_barrier_t start;
};

struct thr_arg {
	struct thr_bench *t;
	int idx, ret;
};

static void *thr_main(void *arg)
{
	struct thr_arg *a = arg;
	struct thr_bench *t = a->t;
	struct pasid_as *as = t->as[a->idx];
	uint32_t ioas = pasid_as_ioas_id(as);
	uint64_t iova;

	/* the default 50 us slack would double the stub's sleep */
	prctl(PR_SET_TIMERSLACK, 1ul);
	pthread_barrier_wait(&t->start);
	for (int i = 0; i < THREAD_OPS && !a->ret; i++) {
		if (t->lib) {
			a->ret = pasid_map(as, t->buf, page, PASID_MAP_RW, &iova);
			if (!a->ret)
				a->ret = pasid_unmap(as, iova, page);
		} else {
			a->ret = raw_map(ioas, t->buf, page, &iova);
			if (!a->ret)
				a->ret = raw_unmap(ioas, iova, page);
		}
	}
	return NULL;
}

/* nthreads threads, THREAD_OPS map+unmap pairs each; the wall time from
 * their common start to the last one's end. */
static int thr_round(void *arg, bool lib, int ops, uint64_t ns[2])
{
	struct thr_bench *t = arg;
	struct thr_arg a[MAX_THREADS];
	pthread_t th[MAX_THREADS];
	uint64_t t0;
	int ret = 0, made;

	(void)ops;
	t->lib = lib;
	pthread_barrier_init(&t->start, NULL, (unsigned int)t->nthreads + 1);
	for (made = 0; made < t->nthreads; made++) {
		a[made] = (struct thr_arg){ .t = t, .idx = made };
		if (pthread_create(&th[made], NULL, thr_main, &a[made]))
			break;
	}
	if (made < t->nthreads) {
		/* cannot happen with 4 threads; do not leave any waiting */
		fprintf(stderr, "pasid-bench: pthread_create failed\n");
		exit(1);
	}
	pthread_barrier_wait(&t->start);
	t0 = now_ns();
	for (int i = 0; i < made; i++) {
		pthread_join(th[i], NULL);
		if (a[i].ret && !ret)
			ret = a[i].ret;
	}
	ns[0] = now_ns() - t0;
	pthread_barrier_destroy(&t->start);
	return ret;
}

static void bench_threads(struct pasid_ctx *ctx, uint8_t *buf)
{
	static const int nts[] = { 1, 2, 4 };
	struct pasid_as *own[MAX_THREADS] = { NULL };
	struct thr_bench t = { .buf = buf };
	double one[2][2] = { { 0 } };	/* [separate][lib] ns per pair, 1 thread */
	char name[96];

	section("(10) map+unmap 4 KiB from 1, 2, 4 threads; the stub's MAP and UNMAP sleep 50 us (ns/op: wall / all pairs)");
	for (int i = 0; i < MAX_THREADS; i++)
		if (pasid_as_new(ctx, &own[i])) {
			row_error("section (10)", true, -ENOMEM);
			goto out;
		}
	prctl(PR_SET_TIMERSLACK, 1ul);
	stubbed = true;
	stub_sleep_us = THREAD_SLEEP_US;
	for (int sep = 0; sep < 2; sep++) {
		for (unsigned int j = 0; j < sizeof(nts) / sizeof(nts[0]); j++) {
			t.nthreads = nts[j];
			for (int i = 0; i < MAX_THREADS; i++)
				t.as[i] = own[sep ? i : 0];
			snprintf(name, sizeof(name), "%d thread%s, %s", t.nthreads,
				 t.nthreads > 1 ? "s" : "",
				 sep ? "an address space each" : "one address space");
			measure1(name, thr_round, &t, t.nthreads * THREAD_OPS, true);
			if (t.nthreads == 1) {
				one[sep][1] = last_med[1][0];
				one[sep][0] = last_med[0][0];
			}
		}
		printf("   (throughput, 4 threads / 1 thread: library %.2fx, raw %.2fx)\n",
		       last_med[1][0] > 0 ? one[sep][1] / last_med[1][0] : 0,
		       last_med[0][0] > 0 ? one[sep][0] / last_med[0][0] : 0);
	}
	stub_sleep_us = 0;
	stubbed = false;
out:
	for (int i = 0; i < MAX_THREADS; i++)
		pasid_as_free(own[i]);
}

/* The other devices for (9): the rest of LIBPASID_EDU in a guest (run-vm
 * lists the edus there), the emulation's next two natively. */
static void more_devices(struct pasid_ctx *ctx, struct mdev_bench *m,
			 const char *first)
{
#ifdef PASID_BENCH_EMU
	(void)first;
	for (int i = 1; i < MAX_DEVS; i++)
		if (!pasid_dev_open(ctx, emu_bdfs[i], &m->devs[m->ndevs]))
			m->ndevs++;
#else
	const char *env = getenv("LIBPASID_EDU");
	char bdf[64];

	while (env && *env && m->ndevs < MAX_DEVS) {
		size_t n = strcspn(env, " ");

		snprintf(bdf, sizeof(bdf), "%.*s", (int)n, env);
		env += n + strspn(env + n, " ");
		if (strcmp(bdf, first) &&
		    !pasid_dev_open(ctx, bdf, &m->devs[m->ndevs]))
			m->ndevs++;
	}
#endif
}

static void skip_pasid(const char *why)
{
	printf("\n-- (2) bind/unbind, (3) rebind, (4) many PASIDs: skipped\n   %s\n", why);
}

int main(int argc, char **argv)
{
	const char *machine = argc > 1 ? argv[1] : "host";
	struct pasid_caps caps = { .size = sizeof(caps) };
	struct pasid_as *as0 = NULL, *as_a = NULL;
	struct pasid_dev *dev = NULL;
	struct pasid_fix fix, *f = NULL;
	struct pasid_ctx *ctx;
	struct pasid_sys seam;
	pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
	uint8_t *buf4k, *buf2m, *batch;
	uint64_t *iovas;
	struct utsname u;
	const char *emu_bdf = NULL;
	char bdf[64];
	int ret;

	page = (size_t)sysconf(_SC_PAGESIZE);
	if (EMU && !(emu_bdf = emu_device())) {
		printf("cannot set up the emulation (tests/emu)\n");
		return 1;
	}
	/* the library's ioctls go through bench_ioctl, like the raw path's */
	seam = *pasid_sys;
	next_ioctl = seam.ioctl;
	seam.ioctl = bench_ioctl;
	pasid_sys_set(&seam);
	uname(&u);
	printf("pasid-bench on %s: Linux %s %s, %ld CPUs, %d rounds per row (median), CLOCK_MONOTONIC\n",
	       machine, u.release, u.machine, sysconf(_SC_NPROCESSORS_ONLN), ROUNDS);
	if (EMU)
		printf("Native, on the build host: device and /dev/iommu emulated in-process (tests/emu);\n"
		       "the reference rows and the sections that stub the kernel out: (5)-(8) and (10);\n"
		       "(9) with the emulation as the kernel.\n");
	else
		printf("Note: under TCG (emulated CPU and IOMMU) absolute numbers mean little;\n"
		       "only the ratios (library / raw ioctl) within one run count.\n");
	if (pasid_ctx_open(&ctx, NULL)) {
		printf("cannot open /dev/iommu: %s\n", pasid_errmsg());
		return 1;
	}
	iommufd = pasid_ctx_fd(ctx);
	buf4k = map_buffer(4 * KIB, page);
	buf2m = map_buffer(2 * MIB, 2 * MIB);
	batch = map_buffer(BATCH_MAPS * page, page);
	iovas = calloc(BATCH_MAPS, sizeof(*iovas));
	if (!buf4k || !buf2m || !batch || !iovas || page != 4 * KIB) {
		printf("out of memory (or the page size is not 4 KiB)\n");
		return 1;
	}
	if (find_edu(ctx, EMU ? emu_bdf : argc > 2 ? argv[2] : NULL, &dev, bdf,
		     sizeof(bdf))) {
		pasid_dev_caps(dev, &caps);
		printf("device %s: IOMMU %s, PASID width %u\n", bdf,
		       pasid_iommu_vendor_name(caps.vendor), caps.pasid_width);
	}

	section("reference: costs the library adds at most once per call");
	measure1("pthread mutex lock+unlock, uncontended", ref_mutex, &mutex,
		 100000, false);
	if (!EMU)	/* the emulation's fds are no kernel objects */
		measure1("ioctl(iommufd, IOMMU_DESTROY, no such id) = ENOENT",
			 ref_ioctl, NULL, 10000, false);

	if (pasid_as_new(ctx, &as0) || pasid_as_new(ctx, &as_a)) {
		printf("pasid_as_new: %s\n", pasid_errmsg());
		return 1;
	}
	if (EMU) {
		if (pasid_attach_rid(dev, as_a, 0) || pasid_fix_init(&fix, ctx, dev, as_a)) {
			printf("emulated device: %s\n", pasid_errmsg());
			return 1;
		}
		f = &fix;
		goto own_time;
	}

	section("(1) pasid_map+pasid_unmap vs IOMMU_IOAS_MAP+IOMMU_IOAS_UNMAP (kernel picks the IOVA)");
	bench_map(as0, "no device", buf4k, buf2m, batch, iovas);
	if (dev) {
		ret = pasid_attach_rid(dev, as_a, 0);
		if (ret) {
			printf("pasid_attach_rid: %s: the device rows are skipped\n",
			       pasid_errmsg());
			errors++;
			pasid_dev_close(dev);
			dev = NULL;
		} else {
			printf("   (%s: RID attached with the library's default: %s; %s)\n",
			       bdf, caps.pasid_width ? "a PASID-capable page table (HWPT)" :
			       "the kernel's automatic page table",
			       rid_dma_check(dev, as_a, buf4k));
			bench_map(as_a, "RID attached", buf4k, buf2m, batch, iovas);
		}
	}

	if (!dev) {
		skip_pasid("no device");
	} else if (caps.pasid_width == 0) {
		char why[700];

		ret = pasid_bind(dev, as_a, PASID_ANY);
		snprintf(why, sizeof(why),
			 "%s reports PASID width 0 (only the patched QEMU's edu behind the Intel vIOMMU has PASIDs:\n"
			 "   tests/vm/run-pasid-vm); pasid_bind says: %s",
			 bdf, ret < 0 ? pasid_errmsg() : "(it bound?)");
		skip_pasid(why);
	} else if (pasid_fix_init(&fix, ctx, dev, as_a) == 0) {
		f = &fix;
		bench_pasid(f);
	} else {
		errors++;
	}

own_time:
	bench_stubbed(dev ? as_a : as0, buf4k, batch, iovas, f);
	if (f) {
		/* natively the stub answers; in a guest the kernel does, so
		 * the fill is smaller (PASID_BENCH_PASIDS) */
		stubbed = EMU;
		no_ratio = EMU;
		bench_pspace(f, EMU ? IDSPACE_MAX - 1 :
			     (uint32_t)env_limit("PASID_BENCH_PASIDS", 65536),
			     EMU ? ITERS_PSPACE_EMU : ITERS_PSPACE);
		stubbed = false;
		no_ratio = false;
		pasid_fix_fini(f);
	}
#ifdef PASID_BENCH_EMU
	stubbed = true;
	no_ratio = true;
	bench_close(EMU_CLOSE_BDF);
	bench_order(as0, "stub seam", 100000);
	stubbed = false;
	no_ratio = false;
#else
	bench_order(as0, "no device attached",
		    env_limit("PASID_BENCH_MAPS", 10000));
#endif
	if (dev) {
		struct mdev_bench m = { .devs = { dev }, .ndevs = 1, .buf = buf4k };

		/* (9) moves the RIDs between its own address spaces */
		pasid_detach_rid(dev);
		more_devices(ctx, &m, bdf);
		bench_mdev(ctx, &m);
	}
	bench_threads(ctx, buf4k);
	printf("\nlib-raw: the library's extra ns per op; noise: the interquartile range of the rounds\n"
	       "in %% of the median (the larger of the two paths). bench/README.md explains each row.\n");
	pasid_ctx_close(ctx);	/* frees every address space */
#ifdef PASID_BENCH_EMU
	emu_fini();
#endif
	free(iovas);
	return errors ? 1 : 0;
}
