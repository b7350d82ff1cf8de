/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * pasidctl bench DEV: what the library costs on top of the kernel calls it
 * makes. Each operation is timed through the public API and as the same
 * kernel work done with raw ioctls (rawio.h) on the library's own iommufd
 * (pasid_ctx_fd), IOAS (pasid_as_ioas_id) and VFIO device fd
 * (pasid_dev_fd), so both paths meet the same page tables.
 *
 * Method: BENCH_ROUNDS rounds of --iters round trips per path, the paths
 * interleaved and their order alternating, one untimed warm-up round each;
 * the median round gives ns per round trip. On the type1 backend the
 * container is not reachable through the public API and a group opens
 * only once, so the raw rounds run after the library's, in a container of
 * their own, at the IOVA the library used.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "benchtime.h"
#include "libpasid/libpasid.h"
#include "out.h"
#include "pasidctl.h"
#include "rawio.h"

#define BENCH_ROUNDS 11
#define SZ_4K 4096ull
#define SZ_2M (2ull << 20)

/* PASIDs of the bind row: the library's, the raw path's, and one that
 * keeps the raw page table attached to the device as the RID keeps the
 * library's */
#define PASID_LIB 1u
#define PASID_RAW 2u
#define PASID_KEEP 3u

struct bench {
	const struct cli_opts *o;
	struct pasid_dev *dev;
	struct pasid_as *as;
	const struct raw_sys *sys;
	int iommufd, vfio_fd, t1_container;
	uint32_t ioas, raw_hwpt;
	void *buf;
	uint64_t len, iova;	/* the library's last IOVA (type1's raw) */
	int err;		/* the first failure, -errno */
	char what[96];		/* and which path and call */
};

/* one round trip of one path; 0 or -errno */
typedef int (*trip_fn)(struct bench *b, bool lib);

static double median_per_op(uint64_t *v, long iters)
{
	qsort(v, BENCH_ROUNDS, sizeof(*v), cmp_u64);
	return (double)v[BENCH_ROUNDS / 2] / (double)iters;
}

static int failed(struct bench *b, bool lib, const char *call, int err)
{
	if (!b->err) {
		b->err = err;
		snprintf(b->what, sizeof(b->what), "%s (%s path)", call,
			 lib ? "library" : "raw");
	}
	return err;
}

static int map_trip(struct bench *b, bool lib)
{
	uint64_t iova;
	int ret;

	if (lib) {
		ret = pasid_map(b->as, b->buf, b->len, PASID_MAP_RW, &iova);
		if (ret)
			return failed(b, lib, "pasid_map", ret);
		b->iova = iova;
		ret = pasid_unmap(b->as, iova, b->len);
		return ret ? failed(b, lib, "pasid_unmap", ret) : 0;
	}
	if (b->t1_container >= 0) {
		ret = raw_t1_map(b->sys, b->t1_container, b->buf, b->len,
				 b->iova);
		if (ret)
			return failed(b, lib, "VFIO_IOMMU_MAP_DMA", ret);
		ret = raw_t1_unmap(b->sys, b->t1_container, b->iova, b->len);
		return ret ? failed(b, lib, "VFIO_IOMMU_UNMAP_DMA", ret) : 0;
	}
	ret = raw_ioas_map(b->sys, b->iommufd, b->ioas, b->buf, b->len, &iova);
	if (ret)
		return failed(b, lib, "IOMMU_IOAS_MAP", ret);
	ret = raw_ioas_unmap(b->sys, b->iommufd, b->ioas, iova, b->len);
	return ret ? failed(b, lib, "IOMMU_IOAS_UNMAP", ret) : 0;
}

static int bind_trip(struct bench *b, bool lib)
{
	int ret;

	if (lib) {
		ret = pasid_bind(b->dev, b->as, PASID_LIB);
		if (ret < 0)
			return failed(b, lib, "pasid_bind", ret);
		ret = pasid_unbind(b->dev, PASID_LIB);
		return ret ? failed(b, lib, "pasid_unbind", ret) : 0;
	}
	ret = raw_pasid_attach(b->sys, b->vfio_fd, b->raw_hwpt, PASID_RAW);
	if (ret)
		return failed(b, lib, "VFIO_DEVICE_ATTACH_IOMMUFD_PT", ret);
	ret = raw_pasid_detach(b->sys, b->vfio_fd, PASID_RAW);
	return ret ? failed(b, lib, "VFIO_DEVICE_DETACH_IOMMUFD_PT", ret) : 0;
}

/* One round of iters round trips: its time in *ns; 0 or -errno. */
static int round_of(struct bench *b, trip_fn fn, bool lib, uint64_t *ns)
{
	uint64_t t0 = now_ns();
	int ret;

	for (long i = 0; i < b->o->iters; i++) {
		ret = fn(b, lib);
		if (ret)
			return ret;
	}
	*ns = now_ns() - t0;
	return 0;
}

/*
 * Time fn on the paths asked for (lib, raw); the medians in ns per round
 * trip, NAN for a path not run. 0 or -errno.
 */
static int measure(struct bench *b, trip_fn fn, bool lib, bool raw,
		   double *lib_ns, double *raw_ns)
{
	uint64_t t[2][BENCH_ROUNDS], warm;
	int ret = 0;

	*lib_ns = *raw_ns = NAN;
	for (int p = 0; p < 2 && !ret; p++)
		if (p ? raw : lib)
			ret = round_of(b, fn, !p, &warm);
	for (int r = 0; r < BENCH_ROUNDS && !ret; r++) {
		for (int k = 0; k < 2 && !ret; k++) {
			bool is_lib = (k == 0) == (r % 2 == 0);

			if (is_lib ? lib : raw)
				ret = round_of(b, fn, is_lib, &t[is_lib][r]);
		}
	}
	if (ret)
		return ret;
	if (lib)
		*lib_ns = median_per_op(t[1], b->o->iters);
	if (raw)
		*raw_ns = median_per_op(t[0], b->o->iters);
	return 0;
}

static void *map_buffer(uint64_t len)
{
	/* twice the length, cut to an aligned piece: a 2 MiB buffer on a
	 * 2 MiB boundary may be one huge page */
	uint8_t *p = mmap(NULL, 2 * len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *a;

	if (p == MAP_FAILED)
		return NULL;
	a = (uint8_t *)(((uintptr_t)p + len - 1) & ~(uintptr_t)(len - 1));
	if (a > p)
		munmap(p, (size_t)(a - p));
	munmap(a + len, (size_t)(p + len - a));
	/* faulted in now: the first round pays no page faults */
	memset(a, 0x5a, len);
	return a;
}

struct result {
	const char *op;
	uint64_t len;		/* map rows: the size; 0 for bind */
	double lib_ns, raw_ns;
	uint64_t iova;		/* type1: where the raw path maps */
	char note[160];
};

/* The map rows of the library, and of the raw path where it can share
 * the library's IOAS (not on type1: raw_type1 below). */
static void bench_maps(struct bench *b, struct result *res, size_t n,
		       bool raw)
{
	for (size_t i = 0; i < n && !b->err; i++) {
		b->len = res[i].len;
		b->buf = map_buffer(b->len);
		if (!b->buf) {
			failed(b, true, "mmap", -ENOMEM);
			return;
		}
		measure(b, map_trip, true, raw, &res[i].lib_ns, &res[i].raw_ns);
		res[i].iova = b->iova;
		munmap(b->buf, b->len);
	}
}

/* Type1: the raw rounds in a container of their own, once the library
 * has given the group back (pasid_ctx_close). */
static void raw_type1(struct bench *b, int group, struct result *res,
		      size_t n)
{
	double unused;
	int g, ret;

	ret = raw_t1_open(b->sys, group, &b->t1_container, &g);
	if (ret) {
		failed(b, false, "a type1 container of the group", ret);
		return;
	}
	for (size_t i = 0; i < n && !b->err; i++) {
		b->len = res[i].len;
		b->iova = res[i].iova;
		b->buf = map_buffer(b->len);
		if (!b->buf) {
			failed(b, false, "mmap", -ENOMEM);
			break;
		}
		measure(b, map_trip, false, true, &unused, &res[i].raw_ns);
		munmap(b->buf, b->len);
		snprintf(res[i].note, sizeof(res[i].note),
			 "raw: VFIO_IOMMU_MAP_DMA in a container of its own, after the library's rounds");
	}
	raw_t1_close(b->sys, b->t1_container, g);
	b->t1_container = -1;
}

/* The bind row, on a device with at least PASID_KEEP as a PASID. */
static void bench_bind(struct bench *b, struct result *r)
{
	int ret;

	ret = raw_hwpt_alloc_pasid(b->sys, b->iommufd,
				   pasid_dev_iommufd_id(b->dev), b->ioas,
				   &b->raw_hwpt);
	if (ret) {
		failed(b, false, "IOMMU_HWPT_ALLOC", ret);
		return;
	}
	ret = raw_pasid_attach(b->sys, b->vfio_fd, b->raw_hwpt, PASID_KEEP);
	if (ret) {
		failed(b, false, "VFIO_DEVICE_ATTACH_IOMMUFD_PT", ret);
	} else {
		measure(b, bind_trip, true, true, &r->lib_ns, &r->raw_ns);
		raw_pasid_detach(b->sys, b->vfio_fd, PASID_KEEP);
	}
	raw_destroy(b->sys, b->iommufd, b->raw_hwpt);
}

/* Why the bind row cannot be measured, or NULL. */
static const char *no_bind(const struct pasid_caps *c, char *buf, size_t len)
{
	if (c->backend != PASID_BACKEND_IOMMUFD) {
		snprintf(buf, len,
			 "not compared: the %s backend has no PASIDs (they need iommufd and the VFIO cdev)",
			 cli_backend_name(c->backend));
		return buf;
	}
	if (c->pasid_width < 2) {
		snprintf(buf, len,
			 "not compared: the kernel reports %s PASIDs for the device (pasid_width %u; the bench needs PASIDs 1 to 3)",
			 c->pasid_width ? "too few" : "no", c->pasid_width);
		return buf;
	}
	return NULL;
}

/* Open the device on an address space with its RID attached, as a user's
 * would be; 0 or the exit status (printed). */
static int setup(struct bench *b, struct pasid_ctx **ctx, const char *name,
		 struct pasid_caps *caps)
{
	int ret;

	ret = cli_ctx_open(b->o, ctx);
	if (ret)
		return ret;
	ret = pasid_dev_open(*ctx, name, &b->dev);
	if (ret)
		return cli_fail(name, ret);
	ret = pasid_dev_caps(b->dev, caps);
	if (!ret)
		ret = pasid_as_new(*ctx, &b->as);
	if (!ret)
		ret = pasid_attach_rid(b->dev, b->as, 0);
	if (ret)
		return cli_fail(name, ret);
	b->iommufd = caps->backend == PASID_BACKEND_TYPE1 ? -1 : pasid_ctx_fd(*ctx);
	b->ioas = pasid_as_ioas_id(b->as);
	b->vfio_fd = pasid_dev_fd(b->dev);
	return 0;
}

int cmd_bench(const struct cli_opts *o, const char *name)
{
	struct result res[] = {
		{ .op = "map+unmap 4KiB", .len = SZ_4K },
		{ .op = "map+unmap 2MiB", .len = SZ_2M },
		{ .op = "bind+unbind" },
	};
	const size_t nmaps = 2, nres = sizeof(res) / sizeof(res[0]);
	struct pasid_devinfo d = { .size = sizeof(d) };
	struct pasid_caps caps = { .size = sizeof(caps) };
	struct bench b = { .o = o, .sys = cli_env.raw, .t1_container = -1 };
	struct pasid_ctx *ctx = NULL;
	bool type1;
	int ret;

	ret = pasid_devinfo_get(name, &d);
	if (ret)
		return cli_fail(name, ret);
	ret = setup(&b, &ctx, name, &caps);
	if (ret) {
		pasid_ctx_close(ctx);
		return ret;
	}
	type1 = caps.backend == PASID_BACKEND_TYPE1;
	for (size_t i = 0; i < nres; i++)
		res[i].lib_ns = res[i].raw_ns = NAN;
	bench_maps(&b, res, nmaps, !type1);
	if (!b.err && !no_bind(&caps, res[2].note, sizeof(res[2].note)))
		bench_bind(&b, &res[2]);
	pasid_ctx_close(ctx);
	if (!b.err && type1)
		raw_type1(&b, d.iommu_group, res, nmaps);
	if (b.err) {
		fprintf(stderr, "pasidctl: bench %s: %s failed: %s\n", d.bdf,
			b.what, b.what[0] && strstr(b.what, "library") ?
			pasid_errmsg() : strerror(-b.err));
		out_error(b.what, strerrorname_np(-b.err), strerror(-b.err));
		return cli_exit_for(b.err);
	}
	out_list_begin("bench");
	for (size_t i = 0; i < nres; i++) {
		out_obj_begin();
		out_str("device", d.bdf);
		out_str("backend", cli_backend_name(caps.backend));
		out_str("op", res[i].op);
		out_int("iters", o->iters);
		out_num("lib_ns", res[i].lib_ns, 0);
		out_num("raw_ns", res[i].raw_ns, 0);
		/* NAN (null, "-") unless both paths ran */
		out_num("ratio", res[i].lib_ns / res[i].raw_ns, 2);
		out_str("note", res[i].note);
		out_obj_end();
	}
	out_list_end();
	return EXIT_OK;
}
