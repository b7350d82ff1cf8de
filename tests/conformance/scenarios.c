/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The conformance scenarios (see scenarios.h): raw iommufd / VFIO cdev
 * ioctls through the syscall seam, one printed line per step. Each scenario
 * gets a fresh /dev/iommu context and a fresh open of the device cdev (bound
 * unless the scenario tests binding), so object ids start at 1 and nothing
 * leaks from one scenario into the next; closing the cdev unbinds.
 *
 * What is recorded: the errno (or "ok") and the outputs the library relies
 * on. Values that depend on the run (user addresses, fd numbers) are never
 * printed; kernel-chosen IOVAs are, for mappings whose user address has a
 * fixed alignment (the buffer below is 2 MiB aligned).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kabi.h"
#include "scenarios.h"
#include "sys.h"

#define PAGE 0x1000ULL
#define RID (-1)		/* attach/detach without the PASID flag */
#define NP KABI_IOMMU_HWPT_ALLOC_NEST_PARENT
#define DIRTY KABI_IOMMU_HWPT_ALLOC_DIRTY_TRACKING
#define FAULT KABI_IOMMU_HWPT_FAULT_ID_VALID
#define HWPT_PASID KABI_IOMMU_HWPT_ALLOC_PASID
#define MAP_R KABI_IOMMU_IOAS_MAP_READABLE
#define MAP_W KABI_IOMMU_IOAS_MAP_WRITEABLE
#define MAP_RW (MAP_R | MAP_W)
#define MAP_FIXED_IOVA KABI_IOMMU_IOAS_MAP_FIXED_IOVA
#define ATTACH_SZ sizeof(struct kabi_vfio_device_attach_iommufd_pt)
#define DETACH_SZ sizeof(struct kabi_vfio_device_detach_iommufd_pt)
#define NO_ID 999		/* an object id no scenario reaches */

/* ---- state ------------------------------------------------------------- */

struct sc {
	const char *name;
	const char *path;	/* the device cdev */
	int iommufd, vfio;
	uint32_t dev_id;
	unsigned int log2;	/* out_max_pasid_log2 (setup, not printed) */
	uint32_t hw_type;	/* out_data_type (setup, not printed) */
};

static unsigned int nsteps;
static char dev_bdf[256];	/* the first device conf_find_vfio() found */
static const char *second_path;	/* the second device's cdev, or NULL */
static uint8_t *mem;		/* 4 MiB read/write, 2 MiB aligned */
static uint8_t *mem_none;	/* one PROT_NONE page */
static uint8_t *mem_ro;		/* one populated read-only page */

static const char *errname(int e)
{
	static char buf[16];

	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EIO: return "EIO";
	case ENXIO: return "ENXIO";
	case E2BIG: return "E2BIG";
	case EBADF: return "EBADF";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOTTY: return "ENOTTY";
	case ENOSPC: return "ENOSPC";
	case ERANGE: return "ERANGE";
	case EOVERFLOW: return "EOVERFLOW";
	case EBADFD: return "EBADFD";
	case EMSGSIZE: return "EMSGSIZE";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EADDRINUSE: return "EADDRINUSE";
	case ENOSYS: return "ENOSYS";
	}
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

/*
 * One result line. The key=value outputs (fmt) are printed on success only,
 * or always when fmt starts with '!' (e.g. the count that comes with
 * EMSGSIZE).
 */
static void step(struct sc *s, const char *name, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

void conf_vstep(const char *scenario, const char *name, int ret,
		const char *fmt, va_list ap)
{
	bool always = fmt && fmt[0] == '!';

	printf("%s/%s: %s", scenario, name, ret ? errname(-ret) : "ok");
	if (fmt && (always || !ret)) {
		putchar(' ');
		vprintf(fmt + always, ap);
	}
	putchar('\n');
	fflush(stdout);
	nsteps++;
}

static void step(struct sc *s, const char *name, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_vstep(s->name, name, ret, fmt, ap);
	va_end(ap);
}

/* ---- raw ioctls (0 or -errno) ------------------------------------------ */

static int ioas_alloc(struct sc *s, uint32_t *id)
{
	struct kabi_iommu_ioas_alloc a = { .size = sizeof(a) };
	int ret = sys_ioctl(s->iommufd, KABI_IOMMU_IOAS_ALLOC, &a);

	*id = ret ? 0 : a.out_ioas_id;
	return ret;
}

static int destroy(struct sc *s, uint32_t id)
{
	struct kabi_iommu_destroy d = { .size = sizeof(d), .id = id };

	return sys_ioctl(s->iommufd, KABI_IOMMU_DESTROY, &d);
}

static int map(struct sc *s, uint32_t ioas, const void *va, uint64_t len,
	       uint32_t flags, uint64_t *iova)
{
	struct kabi_iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = flags,
		.ioas_id = ioas,
		.user_va = (uintptr_t)va,
		.length = len,
		.iova = *iova,
	};
	int ret = sys_ioctl(s->iommufd, KABI_IOMMU_IOAS_MAP, &m);

	if (!ret)
		*iova = m.iova;
	return ret;
}

static int unmap(struct sc *s, uint32_t ioas, uint64_t iova, uint64_t len,
		 uint64_t *done)
{
	struct kabi_iommu_ioas_unmap u = {
		.size = sizeof(u),
		.ioas_id = ioas,
		.iova = iova,
		.length = len,
	};
	int ret = sys_ioctl(s->iommufd, KABI_IOMMU_IOAS_UNMAP, &u);

	*done = ret ? 0 : u.length;
	return ret;
}

static int copy(struct sc *s, uint32_t dst, uint32_t src, uint64_t src_iova,
		uint64_t len, uint32_t flags, uint64_t *dst_iova)
{
	struct kabi_iommu_ioas_copy c = {
		.size = sizeof(c),
		.flags = flags,
		.dst_ioas_id = dst,
		.src_ioas_id = src,
		.length = len,
		.dst_iova = *dst_iova,
		.src_iova = src_iova,
	};
	int ret = sys_ioctl(s->iommufd, KABI_IOMMU_IOAS_COPY, &c);

	if (!ret)
		*dst_iova = c.dst_iova;
	return ret;
}

static int hwpt_alloc(struct sc *s, uint32_t pt, uint32_t flags, uint32_t *id)
{
	struct kabi_iommu_hwpt_alloc h = {
		.size = sizeof(h),
		.flags = flags,
		.dev_id = s->dev_id,
		.pt_id = pt,
		.data_type = KABI_IOMMU_HWPT_DATA_NONE,
	};
	int ret = sys_ioctl(s->iommufd, KABI_IOMMU_HWPT_ALLOC, &h);

	*id = ret ? 0 : h.out_hwpt_id;
	return ret;
}

static int attach_raw(struct sc *s, uint32_t argsz, uint32_t flags,
		      uint32_t pt, uint32_t pasid, uint32_t *out)
{
	struct kabi_vfio_device_attach_iommufd_pt a = {
		.argsz = argsz,
		.flags = flags,
		.pt_id = pt,
		.pasid = pasid,
	};
	int ret = sys_ioctl(s->vfio, KABI_VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a);

	*out = ret ? 0 : a.pt_id;
	return ret;
}

static int detach_raw(struct sc *s, uint32_t argsz, uint32_t flags,
		      uint32_t pasid)
{
	struct kabi_vfio_device_detach_iommufd_pt d = {
		.argsz = argsz,
		.flags = flags,
		.pasid = pasid,
	};

	return sys_ioctl(s->vfio, KABI_VFIO_DEVICE_DETACH_IOMMUFD_PT, &d);
}

static int bind(int vfio, uint32_t argsz, uint32_t flags, int iommufd,
		uint32_t *dev_id)
{
	struct kabi_vfio_device_bind_iommufd b = {
		.argsz = argsz,
		.flags = flags,
		.iommufd = iommufd,
	};
	int ret = sys_ioctl(vfio, KABI_VFIO_DEVICE_BIND_IOMMUFD, &b);

	*dev_id = ret ? 0 : b.out_devid;
	return ret;
}

static int hw_info(struct sc *s, uint32_t dev_id, struct kabi_iommu_hw_info *h,
		   void *data, uint32_t len)
{
	memset(h, 0, sizeof(*h));
	h->size = sizeof(*h);
	h->dev_id = dev_id;
	h->data_len = len;
	h->data_uptr = (uintptr_t)data;
	return sys_ioctl(s->iommufd, KABI_IOMMU_GET_HW_INFO, h);
}

/* ---- steps ------------------------------------------------------------- */

static uint32_t s_ioas(struct sc *s, const char *name)
{
	uint32_t id;
	int ret = ioas_alloc(s, &id);

	step(s, name, ret, "id=%u", id);
	return id;
}

static void s_destroy(struct sc *s, const char *name, uint32_t id)
{
	step(s, name, destroy(s, id), NULL);
}

static uint32_t s_hwpt(struct sc *s, const char *name, uint32_t pt,
		       uint32_t flags)
{
	uint32_t id;
	int ret = hwpt_alloc(s, pt, flags, &id);

	step(s, name, ret, "id=%u", id);
	return id;
}

static void s_map(struct sc *s, const char *name, uint32_t ioas,
		  const void *va, uint64_t len, uint32_t flags, uint64_t iova)
{
	int ret = map(s, ioas, va, len, flags, &iova);

	step(s, name, ret, "iova=0x%" PRIx64, iova);
}

static void s_unmap(struct sc *s, const char *name, uint32_t ioas,
		    uint64_t iova, uint64_t len)
{
	uint64_t done;
	int ret = unmap(s, ioas, iova, len, &done);

	step(s, name, ret, "length=0x%" PRIx64, done);
}

static void s_copy(struct sc *s, const char *name, uint32_t dst, uint32_t src,
		   uint64_t src_iova, uint64_t len, uint32_t flags,
		   uint64_t dst_iova)
{
	int ret = copy(s, dst, src, src_iova, len, flags, &dst_iova);

	step(s, name, ret, "iova=0x%" PRIx64, dst_iova);
}

/* attach with the current struct size; "pt=same" when the kernel returns
 * the id that was passed (a HWPT), else the id it picked (IOAS: auto) */
static uint32_t s_attach_sz(struct sc *s, const char *name, uint32_t argsz,
			    uint32_t pt, int64_t pasid)
{
	uint32_t flags = pasid == RID ? 0 : KABI_VFIO_DEVICE_ATTACH_PASID;
	uint32_t out;
	int ret = attach_raw(s, argsz, flags, pt,
			     pasid == RID ? 0 : (uint32_t)pasid, &out);

	if (!ret && out == pt)
		step(s, name, ret, "pt=same");
	else
		step(s, name, ret, "pt=%u", out);
	return out;
}

static uint32_t s_attach(struct sc *s, const char *name, uint32_t pt,
			 int64_t pasid)
{
	return s_attach_sz(s, name, ATTACH_SZ, pt, pasid);
}

static void s_detach(struct sc *s, const char *name, int64_t pasid)
{
	uint32_t flags = pasid == RID ? 0 : KABI_VFIO_DEVICE_DETACH_PASID;

	step(s, name,
	     detach_raw(s, DETACH_SZ, flags, pasid == RID ? 0 : (uint32_t)pasid),
	     NULL);
}

/* IOMMU_IOAS_IOVA_RANGES with room for cap ranges, all printed */
static void s_ranges(struct sc *s, const char *name, uint32_t ioas,
		     uint32_t cap)
{
	struct kabi_iommu_iova_range r[8];
	struct kabi_iommu_ioas_iova_ranges c = {
		.size = sizeof(c),
		.ioas_id = ioas,
		.num_iovas = cap,
		.allowed_iovas = (uintptr_t)r,
	};
	char buf[512];
	size_t n = 0;
	int ret;

	memset(r, 0, sizeof(r));
	ret = sys_ioctl(s->iommufd, KABI_IOMMU_IOAS_IOVA_RANGES, &c);
	if (ret == -EMSGSIZE) {
		step(s, name, ret, "!num=%u", c.num_iovas);
		return;
	}
	buf[0] = '\0';
	for (uint32_t i = 0; !ret && i < c.num_iovas && i < cap; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
				      "%s0x%" PRIx64 "-0x%" PRIx64,
				      i ? "," : "", (uint64_t)r[i].start,
				      (uint64_t)r[i].last);
	step(s, name, ret, "num=%u align=0x%" PRIx64 " ranges=[%s]",
	     c.num_iovas, (uint64_t)c.out_iova_alignment, buf);
}

/* An iommufd ioctl with a hand-made struct: size and bytes as given. */
static void s_raw(struct sc *s, const char *name, unsigned long req,
		  void *arg)
{
	step(s, name, sys_ioctl(s->iommufd, req, arg), NULL);
}

/* ---- scenarios --------------------------------------------------------- */

/* Binding (kernel-rules §3.2) and VFIO ioctls before it (§3.1). */
static void sc_bind(struct sc *s)
{
	struct kabi_vfio_device_info info = { .argsz = sizeof(info) };
	struct kabi_vfio_device_bind_iommufd b;
	uint8_t uuid[16] = { 0x12, 0x34 }, big[32];
	uint32_t id, pt;
	int fd, ret;

	step(s, "get-info-unbound",
	     sys_ioctl(s->vfio, KABI_VFIO_DEVICE_GET_INFO, &info), NULL);
	step(s, "attach-unbound",
	     attach_raw(s, ATTACH_SZ, 0, 1, 0, &pt), NULL);
	step(s, "detach-unbound", detach_raw(s, DETACH_SZ, 0, 0), NULL);
	step(s, "argsz-12",
	     bind(s->vfio, 12, 0, s->iommufd, &id), NULL);
	step(s, "unknown-flag",
	     bind(s->vfio, 16, 1u << 1, s->iommufd, &id), NULL);
	step(s, "token-flag-null-uuid",
	     bind(s->vfio, sizeof(struct kabi_vfio_device_bind_iommufd),
		  KABI_VFIO_DEVICE_BIND_FLAG_TOKEN, s->iommufd, &id), NULL);
	step(s, "token-flag-argsz-16",
	     bind(s->vfio, 16, KABI_VFIO_DEVICE_BIND_FLAG_TOKEN, s->iommufd,
		  &id), NULL);
	memset(&b, 0, sizeof(b));
	b.argsz = sizeof(b);
	b.flags = KABI_VFIO_DEVICE_BIND_FLAG_TOKEN;
	b.iommufd = s->iommufd;
	b.token_uuid_ptr = (uintptr_t)uuid;	/* not a VF: no token wanted */
	step(s, "token-flag-not-vf",
	     sys_ioctl(s->vfio, KABI_VFIO_DEVICE_BIND_IOMMUFD, &b), NULL);
	memset(big, 0, sizeof(big));
	b.argsz = sizeof(big);
	b.flags = 0;
	b.token_uuid_ptr = 0;
	memcpy(big, &b, sizeof(b));
	big[sizeof(big) - 1] = 1;
	step(s, "argsz-32-nonzero-tail",
	     sys_ioctl(s->vfio, KABI_VFIO_DEVICE_BIND_IOMMUFD, big), NULL);
	step(s, "negative-fd", bind(s->vfio, 16, 0, -1, &id), NULL);
	step(s, "closed-fd", bind(s->vfio, 16, 0, 1000, &id), NULL);
	fd = sys_open("/dev/null", O_RDWR);
	step(s, "not-iommufd", bind(s->vfio, 16, 0, fd, &id), NULL);
	if (fd >= 0)
		sys_close(fd);
	ret = bind(s->vfio, 16, 0, s->iommufd, &id);
	step(s, "bind", ret, "dev_id=%u", id);
	s->dev_id = id;
	step(s, "bind-again", bind(s->vfio, 16, 0, s->iommufd, &id), NULL);
	fd = sys_open(s->path, O_RDWR);
	step(s, "open-second-file", fd < 0 ? fd : 0, NULL);
	if (fd >= 0) {
		step(s, "bind-second-file", bind(fd, 16, 0, s->iommufd, &id),
		     NULL);
		sys_close(fd);
	}
	ret = sys_ioctl(s->vfio, KABI_VFIO_DEVICE_GET_INFO, &info);
	step(s, "get-info", ret, "pci=%u regions=%u irqs=%u",
	     !!(info.flags & KABI_VFIO_DEVICE_FLAGS_PCI), info.num_regions,
	     info.num_irqs);
	step(s, "unknown-vfio-ioctl",
	     sys_ioctl(s->vfio, _IO(KABI_VFIO_TYPE, KABI_VFIO_BASE + 60),
		       &info), NULL);
	s_destroy(s, "destroy-device", s->dev_id);
}

/* The iommufd entry's size rules (kernel-rules §2.1). */
static void sc_size(struct sc *s)
{
	union {
		uint8_t b[128];
		uint32_t size;
		struct kabi_iommu_ioas_alloc a;
		struct kabi_iommu_destroy d;
		struct kabi_iommu_hw_info h;
		struct kabi_iommu_hwpt_alloc p;
		struct kabi_iommu_ioas_map m;
		struct kabi_iommu_ioas_unmap u;
		struct kabi_iommu_ioas_copy c;
		struct kabi_iommu_ioas_iova_ranges r;
	} x;
	uint32_t ioas;
	int ret;

#define RESET(sz) (memset(&x, 0, sizeof(x)), x.size = (sz))
	RESET(8);
	s_raw(s, "ioas-alloc-size-8", KABI_IOMMU_IOAS_ALLOC, &x);
	RESET(16);
	s_raw(s, "ioas-alloc-size-16-zero-tail", KABI_IOMMU_IOAS_ALLOC, &x);
	RESET(16);
	x.b[13] = 1;
	s_raw(s, "ioas-alloc-size-16-nonzero-tail", KABI_IOMMU_IOAS_ALLOC, &x);
	RESET(128);
	x.b[127] = 1;
	s_raw(s, "ioas-alloc-size-128-nonzero-end", KABI_IOMMU_IOAS_ALLOC, &x);
	RESET(12);
	x.a.flags = 1;
	s_raw(s, "ioas-alloc-flag", KABI_IOMMU_IOAS_ALLOC, &x);
	step(s, "ioas-alloc-null-arg",
	     sys_ioctl(s->iommufd, KABI_IOMMU_IOAS_ALLOC, NULL), NULL);
	RESET(4);
	x.d.id = NO_ID;
	s_raw(s, "destroy-size-4", KABI_IOMMU_DESTROY, &x);
	RESET(12);
	s_raw(s, "unknown-nr-0xf0", _IO(KABI_IOMMUFD_TYPE, 0xf0), &x);
	RESET(12);
	s_raw(s, "unknown-nr-0x7f", _IO(KABI_IOMMUFD_TYPE, 0x7f), &x);

	RESET(KABI_IOMMU_HW_INFO_SZ_V6_6 - 8);
	x.h.dev_id = s->dev_id;
	s_raw(s, "hw-info-size-24", KABI_IOMMU_GET_HW_INFO, &x);
	RESET(KABI_IOMMU_HW_INFO_SZ_V6_6);
	x.h.dev_id = s->dev_id;
	s_raw(s, "hw-info-size-32", KABI_IOMMU_GET_HW_INFO, &x);
	RESET(48);
	x.h.dev_id = s->dev_id;
	x.b[44] = 1;
	s_raw(s, "hw-info-nonzero-tail", KABI_IOMMU_GET_HW_INFO, &x);
	RESET(sizeof(x.h));
	x.h.dev_id = s->dev_id;
	x.h.flags = 1u << 1;
	s_raw(s, "hw-info-unknown-flag", KABI_IOMMU_GET_HW_INFO, &x);
	RESET(sizeof(x.h));
	x.h.dev_id = s->dev_id;
	x.h.__reserved[1] = 1;
	s_raw(s, "hw-info-reserved", KABI_IOMMU_GET_HW_INFO, &x);

	ioas = s_ioas(s, "ioas");
	RESET(KABI_IOMMU_HWPT_ALLOC_SZ_V6_6 - 8);
	x.p.dev_id = s->dev_id;
	x.p.pt_id = ioas;
	s_raw(s, "hwpt-alloc-size-16", KABI_IOMMU_HWPT_ALLOC, &x);
	RESET(KABI_IOMMU_HWPT_ALLOC_SZ_V6_6);
	x.p.dev_id = s->dev_id;
	x.p.pt_id = ioas;
	ret = sys_ioctl(s->iommufd, KABI_IOMMU_HWPT_ALLOC, &x);
	step(s, "hwpt-alloc-size-24", ret, "id=%u", x.p.out_hwpt_id);
	if (x.p.out_hwpt_id)
		s_destroy(s, "hwpt-size-24-destroy", x.p.out_hwpt_id);
	RESET(sizeof(x.p));
	x.p.dev_id = s->dev_id;
	x.p.pt_id = ioas;
	x.p.__reserved = 1;
	s_raw(s, "hwpt-alloc-reserved", KABI_IOMMU_HWPT_ALLOC, &x);
	RESET(sizeof(x.p));
	x.p.dev_id = s->dev_id;
	x.p.pt_id = ioas;
	x.p.data_len = 8;
	s_raw(s, "hwpt-alloc-len-without-type", KABI_IOMMU_HWPT_ALLOC, &x);
	RESET(sizeof(x.p));
	x.p.dev_id = s->dev_id;
	x.p.pt_id = ioas;
	x.p.data_type = KABI_IOMMU_HWPT_DATA_VTD_S1;
	s_raw(s, "hwpt-alloc-type-without-len", KABI_IOMMU_HWPT_ALLOC, &x);

	RESET(32);
	x.m.ioas_id = ioas;
	x.m.flags = MAP_RW;
	x.m.user_va = (uintptr_t)mem;
	x.m.length = PAGE;
	s_raw(s, "map-size-32", KABI_IOMMU_IOAS_MAP, &x);
	RESET(sizeof(x.m));
	x.m.ioas_id = ioas;
	x.m.flags = MAP_RW;
	x.m.user_va = (uintptr_t)mem;
	x.m.length = PAGE;
	x.m.__reserved = 1;
	s_raw(s, "map-reserved", KABI_IOMMU_IOAS_MAP, &x);
	RESET(16);
	x.u.ioas_id = ioas;
	s_raw(s, "unmap-size-16", KABI_IOMMU_IOAS_UNMAP, &x);
	RESET(32);
	x.c.dst_ioas_id = ioas;
	x.c.src_ioas_id = ioas;
	s_raw(s, "copy-size-32", KABI_IOMMU_IOAS_COPY, &x);
	RESET(24);
	x.r.ioas_id = ioas;
	s_raw(s, "iova-ranges-size-24", KABI_IOMMU_IOAS_IOVA_RANGES, &x);
	RESET(sizeof(x.r));
	x.r.ioas_id = ioas;
	x.r.__reserved = 1;
	s_raw(s, "iova-ranges-reserved", KABI_IOMMU_IOAS_IOVA_RANGES, &x);
	s_destroy(s, "ioas-destroy", ioas);
#undef RESET
}

/* IOAS lifetime and IOMMU_DESTROY (kernel-rules §1). */
static void sc_ioas(struct sc *s)
{
	uint32_t ioas, hwpt, pt;
	uint64_t iova = 0;

	ioas = s_ioas(s, "alloc");
	s_destroy(s, "destroy-unknown", NO_ID);
	s_destroy(s, "destroy-id-0", 0);
	hwpt = s_hwpt(s, "hwpt-alloc", ioas, 0);
	s_destroy(s, "destroy-ioas-with-hwpt", ioas);
	s_destroy(s, "destroy-hwpt", hwpt);
	s_destroy(s, "destroy-hwpt-again", hwpt);
	s_destroy(s, "destroy-ioas", ioas);
	s_destroy(s, "destroy-ioas-again", ioas);
	ioas = s_ioas(s, "alloc-reuses-id");
	pt = s_attach(s, "rid-attach-auto", ioas, RID);
	s_destroy(s, "destroy-ioas-attached", ioas);
	s_destroy(s, "destroy-auto-hwpt-attached", pt);
	s_destroy(s, "destroy-device", s->dev_id);
	s_detach(s, "rid-detach", RID);
	s_destroy(s, "destroy-auto-hwpt-after-detach", pt);
	s_destroy(s, "destroy-ioas-after-detach", ioas);
	s_map(s, "map-unknown-ioas", ioas, mem, PAGE, MAP_RW, iova);
	s_ranges(s, "iova-ranges-unknown-ioas", ioas, 8);
	s_unmap(s, "unmap-unknown-ioas", ioas, 0, UINT64_MAX);
	ioas = s_ioas(s, "alloc-3");
	s_map(s, "map-before-close", ioas, mem, PAGE, MAP_RW | MAP_FIXED_IOVA,
	      0x100000);
	/* closing the context with a map and no device attached */
}

/* IOAS_MAP / UNMAP without a domain (kernel-rules §8). */
static void sc_map(struct sc *s)
{
	uint32_t ioas, other, hwpt;

	ioas = s_ioas(s, "alloc");
	other = s_ioas(s, "alloc-other");
	s_map(s, "length-0", ioas, mem, 0, MAP_RW, 0);
	s_map(s, "no-rw-flag", ioas, mem, PAGE, 0, 0);
	s_map(s, "fixed-no-rw-flag", ioas, mem, PAGE, MAP_FIXED_IOVA, 0x100000);
	s_map(s, "unknown-flag", ioas, mem, PAGE, MAP_RW | (1u << 3), 0);
	s_map(s, "length-u64-max", ioas, mem, UINT64_MAX, MAP_RW, 0);
	s_map(s, "iova-u64-max", ioas, mem, PAGE, MAP_RW | MAP_FIXED_IOVA,
	      UINT64_MAX);
	s_map(s, "iova-wraps", ioas, mem, 2 * PAGE, MAP_RW | MAP_FIXED_IOVA,
	      UINT64_MAX - PAGE + 1);
	s_map(s, "fixed", ioas, mem, 4 * PAGE, MAP_RW | MAP_FIXED_IOVA,
	      0x100000);
	s_map(s, "fixed-overlap-inside", ioas, mem + 0x10000, 2 * PAGE,
	      MAP_RW | MAP_FIXED_IOVA, 0x102000);
	s_map(s, "fixed-overlap-start", ioas, mem + 0x10000, 2 * PAGE,
	      MAP_RW | MAP_FIXED_IOVA, 0xff000);
	s_map(s, "fixed-overlap-exact", ioas, mem + 0x10000, 4 * PAGE,
	      MAP_RW | MAP_FIXED_IOVA, 0x100000);
	s_map(s, "fixed-adjacent", ioas, mem + 0x10000, PAGE,
	      MAP_RW | MAP_FIXED_IOVA, 0x104000);
	s_map(s, "fixed-other-ioas", other, mem, 4 * PAGE,
	      MAP_RW | MAP_FIXED_IOVA, 0x100000);
	s_map(s, "auto-4k", ioas, mem + 0x20000, PAGE, MAP_RW, 0);
	s_map(s, "auto-64k", ioas, mem + 0x40000, 0x10000, MAP_RW, 0);
	s_map(s, "auto-read-only", ioas, mem + 0x60000, PAGE, MAP_R, 0);
	s_map(s, "auto-write-only", ioas, mem + 0x60000, PAGE, MAP_W, 0);
	s_map(s, "same-memory-twice", ioas, mem, PAGE, MAP_RW | MAP_FIXED_IOVA,
	      0x200000);
	s_unmap(s, "unmap-nothing", ioas, 0x40000000, PAGE);
	s_unmap(s, "unmap-length-0", ioas, 0x100000, 0);
	s_unmap(s, "unmap-splits-head", ioas, 0x100000, PAGE);
	s_unmap(s, "unmap-splits-tail", ioas, 0x103000, PAGE);
	s_unmap(s, "unmap-splits-middle", ioas, 0x101000, PAGE);
	s_unmap(s, "unmap-sticks-out", ioas, 0x102000, 0x10000);
	s_unmap(s, "unmap-exact", ioas, 0x100000, 4 * PAGE);
	s_unmap(s, "unmap-exact-again", ioas, 0x100000, 4 * PAGE);
	s_unmap(s, "unmap-covering", ioas, 0xf0000, 0x20000);
	s_unmap(s, "unmap-two-areas", ioas, 0x1f0000, 0x20000);
	s_unmap(s, "unmap-iova-u64-max", ioas, UINT64_MAX, PAGE);
	s_unmap(s, "unmap-wraps", ioas, UINT64_MAX - PAGE + 1, 2 * PAGE);
	s_unmap(s, "unmap-all", ioas, 0, UINT64_MAX);
	s_unmap(s, "unmap-all-empty", ioas, 0, UINT64_MAX);
	/* no domain: no IOVA alignment yet (a SW table) */
	s_map(s, "unaligned-iova-no-domain", ioas, mem + 0x800, 0x800,
	      MAP_RW | MAP_FIXED_IOVA, 0x100800);
	hwpt = s_hwpt(s, "hwpt-with-unaligned-map", ioas, 0);
	if (hwpt)
		s_destroy(s, "hwpt-with-unaligned-map-destroy", hwpt);
	s_unmap(s, "unmap-all-2", ioas, 0, UINT64_MAX);
	/* pinning waits for the first domain */
	s_map(s, "prot-none-no-domain", ioas, mem_none, PAGE,
	      MAP_RW | MAP_FIXED_IOVA, 0x300000);
	hwpt = s_hwpt(s, "hwpt-with-prot-none-map", ioas, 0);
	if (hwpt)
		s_destroy(s, "hwpt-with-prot-none-map-destroy", hwpt);
	s_unmap(s, "unmap-all-3", ioas, 0, UINT64_MAX);
	s_map(s, "ro-memory-writeable-no-domain", ioas, mem_ro, PAGE,
	      MAP_RW | MAP_FIXED_IOVA, 0x300000);
	hwpt = s_hwpt(s, "hwpt-with-ro-writeable-map", ioas, 0);
	if (hwpt)
		s_destroy(s, "hwpt-with-ro-writeable-map-destroy", hwpt);
	s_unmap(s, "unmap-all-4", ioas, 0, UINT64_MAX);
	s_map(s, "ro-memory-readable", ioas, mem_ro, PAGE,
	      MAP_R | MAP_FIXED_IOVA, 0x300000);
	hwpt = s_hwpt(s, "hwpt-with-ro-readable-map", ioas, 0);
	if (hwpt)
		s_destroy(s, "hwpt-with-ro-readable-map-destroy", hwpt);
	s_destroy(s, "destroy-with-maps", ioas);
	s_destroy(s, "destroy-other", other);
}

/* IOAS_MAP with a domain and the RID attached: alignment, aperture,
 * reserved regions, pinning at map time (kernel-rules §8). */
static void sc_map_domain(struct sc *s)
{
	uint32_t ioas;

	ioas = s_ioas(s, "alloc");
	s_map(s, "premap", ioas, mem, 4 * PAGE, MAP_RW | MAP_FIXED_IOVA,
	      0x100000);
	s_attach(s, "rid-attach", ioas, RID);
	s_map(s, "unaligned-iova", ioas, mem + 0x800, 0x800,
	      MAP_RW | MAP_FIXED_IOVA, 0x200800);
	s_map(s, "unaligned-length", ioas, mem, 0x800,
	      MAP_RW | MAP_FIXED_IOVA, 0x200000);
	s_map(s, "unaligned-va", ioas, mem + 0x800, PAGE,
	      MAP_RW | MAP_FIXED_IOVA, 0x200000);
	s_map(s, "msi-window", ioas, mem, PAGE, MAP_RW | MAP_FIXED_IOVA,
	      0xfee00000);
	s_map(s, "smmu-sw-msi-window", ioas, mem, PAGE,
	      MAP_RW | MAP_FIXED_IOVA, 0x8000000);
	s_map(s, "beyond-48-bits", ioas, mem, PAGE, MAP_RW | MAP_FIXED_IOVA,
	      1ULL << 48);
	s_map(s, "at-39-bits", ioas, mem, PAGE, MAP_RW | MAP_FIXED_IOVA,
	      1ULL << 39);
	s_map(s, "below-39-bits", ioas, mem, PAGE, MAP_RW | MAP_FIXED_IOVA,
	      (1ULL << 39) - PAGE);
	s_map(s, "prot-none", ioas, mem_none, PAGE, MAP_RW | MAP_FIXED_IOVA,
	      0x300000);
	s_map(s, "ro-memory-writeable", ioas, mem_ro, PAGE,
	      MAP_RW | MAP_FIXED_IOVA, 0x300000);
	s_map(s, "ro-memory-readable", ioas, mem_ro, PAGE,
	      MAP_R | MAP_FIXED_IOVA, 0x300000);
	s_map(s, "auto-4k", ioas, mem + 0x20000, PAGE, MAP_RW, 0);
	s_map(s, "auto-64k", ioas, mem + 0x40000, 0x10000, MAP_RW, 0);
	s_map(s, "auto-2m", ioas, mem + 0x200000, 0x200000, MAP_RW, 0);
	s_unmap(s, "unmap-all", ioas, 0, UINT64_MAX);
	s_detach(s, "rid-detach", RID);
	s_map(s, "unaligned-iova-after-detach", ioas, mem + 0x800, 0x800,
	      MAP_RW | MAP_FIXED_IOVA, 0x200800);
	/* alignment 4096 needed again: EADDRINUSE for the unaligned map */
	s_attach(s, "rid-attach-with-unaligned-map", ioas, RID);
	s_unmap(s, "unmap-all-2", ioas, 0, UINT64_MAX);
	s_map(s, "map-in-msi-window-detached", ioas, mem, PAGE,
	      MAP_RW | MAP_FIXED_IOVA, 0xfee00000);
	s_attach(s, "rid-attach-over-msi-map", ioas, RID);
	s_unmap(s, "unmap-all-3", ioas, 0, UINT64_MAX);
	s_detach(s, "rid-detach-2", RID);
	s_destroy(s, "destroy", ioas);
}

/* IOMMU_IOAS_COPY (kernel-rules §8.3: any fully covered range in 7.3). */
static void sc_copy(struct sc *s)
{
	uint32_t a, b;

	a = s_ioas(s, "alloc-src");
	b = s_ioas(s, "alloc-dst");
	s_map(s, "map-src", a, mem, 4 * PAGE, MAP_RW | MAP_FIXED_IOVA,
	      0x100000);
	s_map(s, "map-src-adjacent", a, mem + 0x10000, 2 * PAGE,
	      MAP_RW | MAP_FIXED_IOVA, 0x104000);
	s_map(s, "map-src-read-only", a, mem + 0x20000, PAGE,
	      MAP_R | MAP_FIXED_IOVA, 0x200000);
	s_copy(s, "whole", b, a, 0x100000, 4 * PAGE, MAP_RW | MAP_FIXED_IOVA,
	       0x300000);
	s_copy(s, "sub-range", b, a, 0x101000, PAGE, MAP_RW | MAP_FIXED_IOVA,
	       0x400000);
	s_copy(s, "two-areas", b, a, 0x103000, 2 * PAGE,
	       MAP_RW | MAP_FIXED_IOVA, 0x500000);
	s_copy(s, "same-ioas", a, a, 0x100000, PAGE, MAP_RW | MAP_FIXED_IOVA,
	       0x600000);
	s_copy(s, "unmapped-source", b, a, 0x700000, PAGE,
	       MAP_RW | MAP_FIXED_IOVA, 0x800000);
	s_copy(s, "partly-mapped-source", b, a, 0x105000, 2 * PAGE,
	       MAP_RW | MAP_FIXED_IOVA, 0x800000);
	s_copy(s, "length-0", b, a, 0x100000, 0, MAP_RW | MAP_FIXED_IOVA,
	       0x800000);
	s_copy(s, "no-rw-flag", b, a, 0x100000, PAGE, MAP_FIXED_IOVA,
	       0x800000);
	s_copy(s, "unknown-flag", b, a, 0x100000, PAGE,
	       MAP_RW | MAP_FIXED_IOVA | (1u << 3), 0x800000);
	s_copy(s, "unknown-dst", NO_ID, a, 0x100000, PAGE,
	       MAP_RW | MAP_FIXED_IOVA, 0x800000);
	s_copy(s, "unknown-src", b, NO_ID, 0x100000, PAGE,
	       MAP_RW | MAP_FIXED_IOVA, 0x800000);
	s_copy(s, "dst-overlap", b, a, 0x100000, PAGE,
	       MAP_RW | MAP_FIXED_IOVA, 0x300000);
	s_copy(s, "writeable-from-read-only", b, a, 0x200000, PAGE,
	       MAP_RW | MAP_FIXED_IOVA, 0x800000);
	s_copy(s, "read-only-from-read-only", b, a, 0x200000, PAGE,
	       MAP_R | MAP_FIXED_IOVA, 0x800000);
	s_copy(s, "auto-iova", b, a, 0x100000, PAGE, MAP_RW, 0);
	s_unmap(s, "unmap-src-all", a, 0, UINT64_MAX);
	s_unmap(s, "unmap-dst-sub-range", b, 0x400000, PAGE);
	s_unmap(s, "unmap-dst-all", b, 0, UINT64_MAX);
	s_destroy(s, "destroy-src", a);
	s_destroy(s, "destroy-dst", b);
}

/* IOMMU_IOAS_IOVA_RANGES without/with a domain and an attached device. */
static void sc_iova_ranges(struct sc *s)
{
	struct kabi_iommu_ioas_iova_ranges c = { .size = sizeof(c) };
	uint32_t ioas, hwpt;

	ioas = s_ioas(s, "alloc");
	s_ranges(s, "empty-num-0", ioas, 0);
	s_ranges(s, "empty", ioas, 8);
	c.ioas_id = ioas;
	c.num_iovas = 4;
	step(s, "null-array", sys_ioctl(s->iommufd,
					KABI_IOMMU_IOAS_IOVA_RANGES, &c),
	     NULL);
	s_ranges(s, "unknown-ioas", NO_ID, 8);
	hwpt = s_hwpt(s, "hwpt-alloc", ioas, 0);
	s_ranges(s, "with-hwpt", ioas, 8);
	s_ranges(s, "with-hwpt-num-0", ioas, 0);
	s_attach(s, "rid-attach-auto", ioas, RID);
	s_ranges(s, "rid-attached", ioas, 8);
	s_ranges(s, "rid-attached-num-1", ioas, 1);
	s_detach(s, "rid-detach", RID);
	s_ranges(s, "after-detach", ioas, 8);
	s_attach(s, "rid-attach-hwpt", hwpt, RID);
	s_ranges(s, "rid-attached-hwpt", ioas, 8);
	s_detach(s, "rid-detach-2", RID);
	s_destroy(s, "hwpt-destroy", hwpt);
	s_ranges(s, "after-hwpt-destroy", ioas, 8);
	s_destroy(s, "destroy", ioas);
}

static void s_allow(struct sc *s, const char *name, uint32_t ioas,
		    const struct kabi_iommu_iova_range *r, uint32_t n)
{
	struct kabi_iommu_ioas_allow_iovas c = {
		.size = sizeof(c), .ioas_id = ioas, .num_iovas = n,
		.allowed_iovas = (uintptr_t)r,
	};

	step(s, name, sys_ioctl(s->iommufd, KABI_IOMMU_IOAS_ALLOW_IOVAS, &c),
	     NULL);
}

/* IOMMU_IOAS_ALLOW_IOVAS (kernel-rules §8.5): the allocator keeps to the
 * list, fixed IOVAs and the reported ranges do not; the list and reserved
 * ranges exclude each other both ways. The x86 MSI window at 0xfee00000
 * is inside "msi-window"; the SMMUv3 software one at 0x8000000 is not. */
static void sc_allow_iovas(struct sc *s)
{
	const struct kabi_iommu_iova_range win[] = {
		{ 0x40000000, 0x4fffffff },
	}, bad_one_byte[] = {
		{ 0x40000000, 0x40000000 },
	}, bad_overlap[] = {
		{ 0x40000000, 0x4fffffff }, { 0x4ffff000, 0x5fffffff },
	}, msi[] = {
		{ 0xfe000000, 0xfeffffff },
	};
	uint32_t ioas;

	ioas = s_ioas(s, "alloc");
	s_map(s, "fixed-before", ioas, mem, PAGE, MAP_RW | MAP_FIXED_IOVA,
	      0x100000);
	s_allow(s, "window", ioas, win, 1);
	s_map(s, "auto-in-window", ioas, mem + 0x200000, 0x10000, MAP_RW, 0);
	s_map(s, "fixed-outside", ioas, mem, PAGE, MAP_RW | MAP_FIXED_IOVA,
	      0x200000);
	s_ranges(s, "ranges-ignore-window", ioas, 8);
	s_allow(s, "one-byte", ioas, bad_one_byte, 1);
	s_allow(s, "overlap", ioas, bad_overlap, 2);
	s_allow(s, "unknown-ioas", NO_ID, win, 1);
	s_allow(s, "msi-window", ioas, msi, 1);
	s_attach(s, "rid-attach-msi-allowed", ioas, RID);
	s_detach(s, "rid-detach-1", RID);
	s_allow(s, "none", ioas, NULL, 0);
	s_attach(s, "rid-attach", ioas, RID);
	s_allow(s, "msi-window-reserved", ioas, msi, 1);
	s_map(s, "auto-no-window", ioas, mem + 0x200000, 0x10000, MAP_RW, 0);
	s_detach(s, "rid-detach-2", RID);
	s_unmap(s, "unmap-all", ioas, 0, UINT64_MAX);
	s_destroy(s, "destroy", ioas);
}

/*
 * The device's PASID control register from its sysfs config (-1 without a
 * PASID capability or config): what the kernel's PCI_PASID_EXEC/PRIV
 * capabilities mirror (pci_pasid_status).
 */
static int pasid_ctrl(void)
{
	char path[512];
	uint8_t cfg[4096];
	unsigned int off = 0x100, hops = 0;
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/config",
		 pasid_sys->sysfs_root, dev_bdf);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = pread(fd, cfg, sizeof(cfg), 0);
		close(fd);
	}
	while (n >= (ssize_t)sizeof(cfg) && off && off + 8 <= sizeof(cfg) &&
	       hops++ < 64) {
		uint32_t h;
		uint16_t ctrl;

		memcpy(&h, cfg + off, sizeof(h));
		if (KABI_PCI_EXT_CAP_ID(h) == KABI_PCI_EXT_CAP_ID_PASID) {
			memcpy(&ctrl, cfg + off + KABI_PCI_PASID_CTRL,
			       sizeof(ctrl));
			return ctrl;
		}
		off = KABI_PCI_EXT_CAP_NEXT(h);
	}
	return -1;
}

/*
 * out_capabilities: the PCI PASID EXEC/PRIV bits are compared with what
 * the device enabled ("as-config"), since the emulated device and QEMU's
 * edu differ there; the other bits are printed as they are.
 */
static const char *caps_str(const struct kabi_iommu_hw_info *h)
{
	const uint64_t ep = KABI_IOMMU_HW_CAP_PCI_PASID_EXEC |
			    KABI_IOMMU_HW_CAP_PCI_PASID_PRIV;
	static char buf[96];
	int ctrl = pasid_ctrl();
	uint64_t want = 0;

	if (h->out_max_pasid_log2 && ctrl >= 0) {
		if (ctrl & KABI_PCI_PASID_CTRL_EXEC)
			want |= KABI_IOMMU_HW_CAP_PCI_PASID_EXEC;
		if (ctrl & KABI_PCI_PASID_CTRL_PRIV)
			want |= KABI_IOMMU_HW_CAP_PCI_PASID_PRIV;
	}
	if ((h->out_capabilities & ep) == want)
		snprintf(buf, sizeof(buf), "caps=0x%" PRIx64
			 " pasid_exec_priv=as-config",
			 (uint64_t)h->out_capabilities & ~ep);
	else
		snprintf(buf, sizeof(buf), "caps=0x%" PRIx64
			 " pasid_exec_priv=0x%" PRIx64 "(config 0x%" PRIx64 ")",
			 (uint64_t)h->out_capabilities & ~ep,
			 (uint64_t)h->out_capabilities & ep, want);
	return buf;
}

/* IOMMU_GET_HW_INFO (kernel-rules §6). */
static void sc_hw_info(struct sc *s)
{
	struct kabi_iommu_hw_info h;
	uint8_t data[128];
	uint32_t ioas, other;
	bool zero = true;
	size_t i;
	int ret;

	ret = hw_info(s, s->dev_id, &h, NULL, 0);
	step(s, "probe", ret, "type=%u data_len=%u max_pasid_log2=%u %s",
	     h.out_data_type, h.data_len, h.out_max_pasid_log2, caps_str(&h));
	memset(data, 0xff, sizeof(data));
	ret = hw_info(s, s->dev_id, &h, data, sizeof(data));
	for (i = h.data_len; !ret && i < sizeof(data); i++)
		zero &= !data[i];
	step(s, "full", ret, "type=%u data_len=%u max_pasid_log2=%u %s tail=%s",
	     h.out_data_type, h.data_len, h.out_max_pasid_log2, caps_str(&h),
	     zero ? "zero" : "dirty");
	memset(data, 0xff, sizeof(data));
	ret = hw_info(s, s->dev_id, &h, data, 8);
	step(s, "short-buffer", ret, "data_len=%u untouched=%s", h.data_len,
	     data[8] == 0xff ? "yes" : "no");
	ret = hw_info(s, s->dev_id, &h, NULL, 8);
	step(s, "null-buffer", ret, "data_len=%u", h.data_len);
	ret = hw_info(s, NO_ID, &h, NULL, 0);
	step(s, "unknown-dev", ret, NULL);
	ioas = s_ioas(s, "alloc");
	ret = hw_info(s, ioas, &h, NULL, 0);
	step(s, "dev-id-is-ioas", ret, NULL);
	s_destroy(s, "destroy", ioas);
	memset(&h, 0, sizeof(h));
	h.size = sizeof(h);
	h.dev_id = s->dev_id;
	h.flags = KABI_IOMMU_HW_INFO_FLAG_INPUT_TYPE;
	h.in_data_type = KABI_IOMMU_HW_INFO_TYPE_DEFAULT;
	ret = sys_ioctl(s->iommufd, KABI_IOMMU_GET_HW_INFO, &h);
	step(s, "input-type-default", ret, "type=%u", h.out_data_type);
	memset(&h, 0, sizeof(h));
	h.size = sizeof(h);
	h.dev_id = s->dev_id;
	h.flags = KABI_IOMMU_HW_INFO_FLAG_INPUT_TYPE;
	h.in_data_type = s->hw_type;
	ret = sys_ioctl(s->iommufd, KABI_IOMMU_GET_HW_INFO, &h);
	step(s, "input-type-own", ret, "type=%u", h.out_data_type);
	other = s->hw_type == KABI_IOMMU_HW_INFO_TYPE_INTEL_VTD ?
			KABI_IOMMU_HW_INFO_TYPE_ARM_SMMUV3 :
			KABI_IOMMU_HW_INFO_TYPE_INTEL_VTD;
	memset(&h, 0, sizeof(h));
	h.size = sizeof(h);
	h.dev_id = s->dev_id;
	h.flags = KABI_IOMMU_HW_INFO_FLAG_INPUT_TYPE;
	h.in_data_type = other;
	ret = sys_ioctl(s->iommufd, KABI_IOMMU_GET_HW_INFO, &h);
	step(s, "input-type-other-vendor", ret, "type=%u", h.out_data_type);
	memset(&h, 0, sizeof(h));
	h.size = sizeof(h);
	h.dev_id = s->dev_id;
	h.in_data_type = other;	/* ignored without the flag */
	ret = sys_ioctl(s->iommufd, KABI_IOMMU_GET_HW_INFO, &h);
	step(s, "type-without-flag", ret, "type=%u", h.out_data_type);
}

/* IOMMU_HWPT_ALLOC: the flag combinations per vendor (kernel-rules §7.2)
 * and the pt_id kinds (§7.1). */
static void sc_hwpt_alloc(struct sc *s)
{
	static const struct {
		const char *name;
		uint32_t flags;
	} combos[] = {
		{ "flags-none", 0 },
		{ "flags-pasid", HWPT_PASID },
		{ "flags-nest-parent", NP },
		{ "flags-dirty", DIRTY },
		{ "flags-nest-parent-pasid", NP | HWPT_PASID },
		{ "flags-dirty-pasid", DIRTY | HWPT_PASID },
		{ "flags-nest-parent-dirty", NP | DIRTY },
		{ "flags-nest-parent-dirty-pasid", NP | DIRTY | HWPT_PASID },
		{ "flags-unknown", 1u << 4 },
		{ "flags-fault-id-0", FAULT },
		{ "flags-fault-nest-parent", FAULT | NP },
		{ "flags-fault-pasid", FAULT | HWPT_PASID },
	};
	struct kabi_iommu_hwpt_alloc h;
	uint32_t ioas, id, plain, parent;
	int ret;

	ioas = s_ioas(s, "alloc");
	/* a HWPT that was made is destroyed again (not a step: the ids of
	 * the next ones stay the same whichever combinations failed) */
	for (size_t i = 0; i < sizeof(combos) / sizeof(combos[0]); i++) {
		id = s_hwpt(s, combos[i].name, ioas, combos[i].flags);
		if (id)
			destroy(s, id);
	}
	memset(&h, 0, sizeof(h));
	h.size = sizeof(h);
	h.dev_id = NO_ID;
	h.pt_id = ioas;
	s_raw(s, "unknown-dev", KABI_IOMMU_HWPT_ALLOC, &h);
	h.dev_id = ioas;
	s_raw(s, "dev-is-ioas", KABI_IOMMU_HWPT_ALLOC, &h);
	s_hwpt(s, "unknown-pt", NO_ID, 0);
	s_hwpt(s, "pt-is-device", s->dev_id, 0);
	plain = s_hwpt(s, "plain", ioas, 0);
	s_hwpt(s, "pt-is-paging-hwpt", plain, 0);
	parent = s_hwpt(s, "nest-parent", ioas, NP);
	s_hwpt(s, "pt-is-nest-parent-no-data", parent, 0);
	memset(&h, 0, sizeof(h));
	h.size = sizeof(h);
	h.dev_id = s->dev_id;
	h.pt_id = ioas;
	h.data_type = KABI_IOMMU_HWPT_DATA_VTD_S1;
	h.data_len = 32;
	h.data_uptr = (uintptr_t)mem;
	ret = sys_ioctl(s->iommufd, KABI_IOMMU_HWPT_ALLOC, &h);
	step(s, "ioas-with-user-data", ret, NULL);
	s_destroy(s, "destroy-ioas-with-hwpts", ioas);
	s_destroy(s, "destroy-plain", plain);
	if (parent)
		destroy(s, parent);	/* not a step: not every IOMMU has one */
	s_destroy(s, "destroy-ioas", ioas);
}

/* The PASID compatibility table of kernel-rules §4.3. */
static void sc_pasid_rules(struct sc *s)
{
	uint32_t ioas, hp, hp2, hn;

	ioas = s_ioas(s, "alloc");
	hp = s_hwpt(s, "hwpt-pasid", ioas, HWPT_PASID);
	hp2 = s_hwpt(s, "hwpt-pasid-2", ioas, HWPT_PASID);
	hn = s_hwpt(s, "hwpt-plain", ioas, 0);
	s_attach(s, "pasid-ioas-pt", ioas, 1);
	s_attach(s, "pasid-plain-hwpt", hn, 1);
	s_attach(s, "pasid-without-rid", hp, 1);
	s_detach(s, "pasid-without-rid-detach", 1);
	s_attach(s, "rid-auto", ioas, RID);
	s_attach(s, "pasid-rid-on-auto", hp, 1);
	s_attach(s, "rid-replace-pasid-hwpt", hp, RID);
	s_attach(s, "pasid", hp2, 1);
	s_attach(s, "rid-replace-plain-pasid-attached", hn, RID);
	s_attach(s, "rid-replace-auto-pasid-attached", ioas, RID);
	s_destroy(s, "destroy-pasid-hwpt-attached", hp2);
	s_attach(s, "pasid-reattach-same", hp2, 1);
	s_attach(s, "pasid-replace", hp, 1);
	s_attach(s, "pasid-replace-plain", hn, 1);
	s_attach(s, "pasid-replace-ioas", ioas, 1);
	s_destroy(s, "destroy-replaced-hwpt", hp2);
	s_attach(s, "pasid-2", hp, 2);
	s_detach(s, "rid-detach-pasids-attached", RID);
	s_attach(s, "rid-plain-pasids-attached", hn, RID);
	s_attach(s, "rid-auto-pasids-attached", ioas, RID);
	s_attach(s, "rid-reattach-pasid-hwpt", hp, RID);
	s_detach(s, "pasid-detach", 1);
	s_detach(s, "pasid-detach-again", 1);
	s_detach(s, "pasid-detach-never-attached", 7);
	s_detach(s, "pasid-2-detach", 2);
	s_attach(s, "rid-replace-plain-no-pasids", hn, RID);
	s_attach(s, "pasid-rid-on-plain", hp, 1);
	s_destroy(s, "destroy-rid-hwpt-attached", hn);
	s_attach(s, "rid-replace-auto-no-pasids", ioas, RID);
	s_detach(s, "rid-detach", RID);
	s_detach(s, "rid-detach-again", RID);
	s_destroy(s, "destroy-plain", hn);
	s_destroy(s, "destroy-pasid-hwpt", hp);
	s_destroy(s, "destroy-ioas", ioas);
}

/* PASID values: 0, the width, the VFIO id range (kernel-rules §4.4). */
static void sc_pasid_values(struct sc *s)
{
	uint32_t width = s->log2 ? 1u << s->log2 : 1u << 20;
	uint32_t ioas, hp;

	ioas = s_ioas(s, "alloc");
	hp = s_hwpt(s, "hwpt-pasid", ioas, HWPT_PASID);
	s_attach(s, "rid", hp, RID);
	s_attach(s, "pasid-1", hp, 1);
	s_attach(s, "pasid-width-minus-1", hp, width - 1);
	s_detach(s, "pasid-width-minus-1-detach", width - 1);
	s_attach(s, "pasid-width", hp, width);
	s_detach(s, "pasid-width-detach", width);
	s_attach(s, "pasid-0x7fffffff", hp, 0x7fffffff);
	s_detach(s, "pasid-0x7fffffff-detach", 0x7fffffff);
	s_attach(s, "pasid-0x80000000", hp, 0x80000000u);
	s_detach(s, "pasid-0x80000000-detach", 0x80000000u);
	s_attach(s, "pasid-0xffffffff", hp, 0xffffffffu);
	s_detach(s, "pasid-0xffffffff-detach", 0xffffffffu);
	s_attach(s, "pasid-0-rid-attached", hp, 0);
	s_detach(s, "pasid-0-detach-rid-attached", 0);
	s_destroy(s, "destroy-hwpt-rid-still-attached", hp);
	s_detach(s, "pasid-1-detach", 1);
	s_detach(s, "rid-detach", RID);
	/* with the PASID flag, PASID 0 is IOMMU_NO_PASID inside iommufd */
	s_attach(s, "pasid-0-no-rid", hp, 0);
	s_attach(s, "pasid-0-again", hp, 0);
	s_attach(s, "rid-after-pasid-0", hp, RID);
	s_destroy(s, "destroy-hwpt-after-pasid-0", hp);
	s_detach(s, "pasid-0-detach", 0);
	s_detach(s, "rid-detach-2", RID);
	s_destroy(s, "destroy-hwpt", hp);
	s_attach(s, "pasid-0-ioas-no-rid", ioas, 0);
	s_detach(s, "pasid-0-ioas-detach", 0);
	s_detach(s, "rid-detach-3", RID);
	s_destroy(s, "destroy-ioas", ioas);
}

/* ATTACH/DETACH argsz 12/16 and 8/12 with and without the flag. */
static void sc_argsz(struct sc *s)
{
	uint32_t ioas, hp, out;
	uint8_t big[32];
	int ret;

	ioas = s_ioas(s, "alloc");
	hp = s_hwpt(s, "hwpt-pasid", ioas, HWPT_PASID);
	step(s, "attach-argsz-8", attach_raw(s, 8, 0, hp, 0, &out), NULL);
	s_attach_sz(s, "attach-argsz-12-rid", 12, hp, RID);
	s_attach_sz(s, "attach-argsz-12-pasid", 12, hp, 1);
	s_attach_sz(s, "attach-argsz-16-pasid", 16, hp, 1);
	s_attach_sz(s, "attach-argsz-16-rid", 16, hp, RID);
	step(s, "attach-unknown-flag",
	     attach_raw(s, ATTACH_SZ, 1u << 1, hp, 1, &out), NULL);
	memset(big, 0xee, sizeof(big));
	memcpy(big, &(struct kabi_vfio_device_attach_iommufd_pt){
			    .argsz = sizeof(big), .pt_id = hp },
	       ATTACH_SZ);
	ret = sys_ioctl(s->vfio, KABI_VFIO_DEVICE_ATTACH_IOMMUFD_PT, big);
	step(s, "attach-argsz-32-nonzero-tail", ret, NULL);
	step(s, "detach-argsz-4", detach_raw(s, 4, 0, 0), NULL);
	step(s, "detach-argsz-8-pasid",
	     detach_raw(s, 8, KABI_VFIO_DEVICE_DETACH_PASID, 1), NULL);
	step(s, "detach-unknown-flag", detach_raw(s, DETACH_SZ, 1u << 1, 1),
	     NULL);
	step(s, "detach-argsz-12-pasid",
	     detach_raw(s, 12, KABI_VFIO_DEVICE_DETACH_PASID, 1), NULL);
	step(s, "detach-argsz-8-rid", detach_raw(s, 8, 0, 0), NULL);
	s_attach_sz(s, "attach-argsz-12-rid-again", 12, hp, RID);
	step(s, "detach-argsz-12-rid", detach_raw(s, 12, 0, 0), NULL);
	step(s, "detach-argsz-12-rid-again", detach_raw(s, 12, 0, 0), NULL);
	s_destroy(s, "destroy-hwpt", hp);
	s_destroy(s, "destroy-ioas", ioas);
}

/* RID attach, replace and automatic domains (kernel-rules §4.1). */
static void sc_replace(struct sc *s)
{
	uint32_t a, b, h, auto1;

	a = s_ioas(s, "alloc-a");
	b = s_ioas(s, "alloc-b");
	h = s_hwpt(s, "hwpt-a", a, 0);
	auto1 = s_attach(s, "rid-ioas-a", a, RID);
	s_attach(s, "rid-ioas-a-again", a, RID);
	s_attach(s, "rid-auto-hwpt-by-id", auto1, RID);
	s_attach(s, "rid-explicit-hwpt", h, RID);
	s_destroy(s, "destroy-old-auto-hwpt", auto1);
	s_attach(s, "rid-ioas-b", b, RID);
	s_destroy(s, "destroy-ioas-b-attached", b);
	s_attach(s, "rid-back-to-ioas-a", a, RID);
	s_attach(s, "rid-unknown-pt", NO_ID, RID);
	s_attach(s, "rid-pt-is-device", s->dev_id, RID);
	s_attach(s, "pasid-unknown-pt", NO_ID, 1);
	s_attach(s, "pasid-pt-is-device", s->dev_id, 1);
	s_detach(s, "rid-detach", RID);
	s_detach(s, "rid-detach-again", RID);
	s_attach(s, "rid-ioas-b-fresh", b, RID);
	s_detach(s, "rid-detach-2", RID);
	s_destroy(s, "destroy-hwpt", h);
	s_destroy(s, "destroy-a", a);
	s_destroy(s, "destroy-b", b);
}

static int map_file(struct sc *s, uint32_t ioas, int fd, uint64_t start,
		    uint64_t len, uint32_t flags, uint64_t *iova)
{
	struct kabi_iommu_ioas_map_file m = {
		.size = sizeof(m),
		.flags = flags,
		.ioas_id = ioas,
		.fd = fd,
		.start = start,
		.length = len,
		.iova = *iova,
	};
	int ret = sys_ioctl(s->iommufd, KABI_IOMMU_IOAS_MAP_FILE, &m);

	if (!ret)
		*iova = m.iova;
	return ret;
}

static void s_map_file(struct sc *s, const char *name, uint32_t ioas, int fd,
		       uint64_t start, uint64_t len, uint32_t flags,
		       uint64_t iova)
{
	int ret = map_file(s, ioas, fd, start, len, flags, &iova);

	step(s, name, ret, "iova=0x%" PRIx64, iova);
}

/* IOMMU_IOAS_MAP_FILE from a memfd (kernel-rules §8.2), without and with a
 * domain. */
static void sc_map_file(struct sc *s)
{
	int mfd = memfd_create("conformance", MFD_CLOEXEC);
	int nfd = sys_open("/dev/null", O_RDWR);
	uint32_t ioas, hwpt;

	step(s, "memfd", mfd < 0 || ftruncate(mfd, 0x10000) ? -errno : 0, NULL);
	ioas = s_ioas(s, "alloc");
	s_map_file(s, "fixed", ioas, mfd, 0, 4 * PAGE,
		   MAP_RW | MAP_FIXED_IOVA, 0x100000);
	s_map_file(s, "auto", ioas, mfd, 0x4000, PAGE, MAP_RW, 0);
	s_map_file(s, "length-0", ioas, mfd, 0, 0, MAP_RW, 0);
	s_map_file(s, "no-rw-flag", ioas, mfd, 0, PAGE, 0, 0);
	s_map_file(s, "unknown-flag", ioas, mfd, 0, PAGE, MAP_RW | (1u << 3),
		   0);
	s_map_file(s, "unknown-ioas", NO_ID, mfd, 0, PAGE, MAP_RW, 0);
	s_map_file(s, "closed-fd", ioas, 1000, 0, PAGE, MAP_RW, 0);
	s_map_file(s, "fixed-overlap", ioas, mfd, 0, PAGE,
		   MAP_RW | MAP_FIXED_IOVA, 0x101000);
	s_map_file(s, "start-wraps", ioas, mfd, UINT64_MAX - PAGE + 1,
		   2 * PAGE, MAP_RW, 0);
	s_unmap(s, "unmap-all", ioas, 0, UINT64_MAX);
	/* what the file is and where it ends matters when pages get pinned */
	s_map_file(s, "not-memfd", ioas, nfd, 0, PAGE,
		   MAP_RW | MAP_FIXED_IOVA, 0x300000);
	s_map_file(s, "beyond-eof", ioas, mfd, 0xf000, 2 * PAGE,
		   MAP_RW | MAP_FIXED_IOVA, 0x400000);
	hwpt = s_hwpt(s, "hwpt-after-unpinned-file-maps", ioas, 0);
	if (hwpt)
		destroy(s, hwpt);
	s_unmap(s, "unmap-all-2", ioas, 0, UINT64_MAX);
	s_attach(s, "rid-attach", ioas, RID);
	s_map_file(s, "fixed-domain", ioas, mfd, 0, 4 * PAGE,
		   MAP_RW | MAP_FIXED_IOVA, 0x100000);
	s_map_file(s, "unaligned-start-domain", ioas, mfd, 0x800, PAGE,
		   MAP_RW | MAP_FIXED_IOVA, 0x200000);
	s_map_file(s, "not-memfd-domain", ioas, nfd, 0, PAGE,
		   MAP_RW | MAP_FIXED_IOVA, 0x300000);
	s_map_file(s, "beyond-eof-domain", ioas, mfd, 0xf000, 2 * PAGE,
		   MAP_RW | MAP_FIXED_IOVA, 0x400000);
	s_unmap(s, "unmap-all-domain", ioas, 0, UINT64_MAX);
	s_detach(s, "rid-detach", RID);
	s_destroy(s, "destroy", ioas);
	if (nfd >= 0)
		sys_close(nfd);
	if (mfd >= 0)
		close(mfd);
}

/* Object ids are per context; a bound device keeps its context alive
 * after /dev/iommu is closed (kernel-rules §1, emu README departure 3). */
static void sc_contexts(struct sc *s)
{
	struct kabi_iommu_hw_info h;
	uint32_t ioas, other_ioas, pt;
	int other;

	ioas = s_ioas(s, "alloc");
	s_map(s, "map", ioas, mem, 4 * PAGE, MAP_RW | MAP_FIXED_IOVA,
	      0x100000);
	pt = s_attach(s, "rid-attach", ioas, RID);
	other = sys_open("/dev/iommu", O_RDWR);
	step(s, "open-second-context", other < 0 ? other : 0, NULL);
	{
		struct sc o = *s;

		o.iommufd = other;
		other_ioas = s_ioas(&o, "second-context-alloc");
		step(&o, "second-context-hw-info",
		     hw_info(&o, s->dev_id, &h, NULL, 0), NULL);
		s_hwpt(&o, "second-context-hwpt", other_ioas, 0);
		s_destroy(&o, "second-context-destroy-first-ioas", ioas);
		s_destroy(&o, "second-context-destroy-own-ioas", other_ioas);
	}
	s_attach(s, "attach-id-of-other-context", other_ioas, RID);
	sys_close(s->iommufd);
	s->iommufd = -1;
	step(s, "close-first-context", 0, NULL);
	s_attach(s, "rid-reattach-after-close", ioas, RID);
	s_attach(s, "rid-auto-hwpt-after-close", pt, RID);
	s_detach(s, "rid-detach-after-close", RID);
	s_attach(s, "rid-attach-after-close", ioas, RID);
	s_detach(s, "rid-detach-after-close-2", RID);
	if (other >= 0)
		sys_close(other);
}

/*
 * Two devices (each in its own group on every VM machine) in one context:
 * automatic domains and explicit HWPTs are shared across devices of one
 * IOMMU, PASIDs are per device (kernel-rules §4.1, §4.4).
 */
static void sc_two_devices(struct sc *s)
{
	struct kabi_iommu_hw_info h;
	uint32_t ioas, pt, hp, hp2;
	struct sc b = *s;
	int ret;

	b.vfio = second_path ? sys_open(second_path, O_RDWR) : -ENODEV;
	step(s, "open-second-device", b.vfio < 0 ? b.vfio : 0, NULL);
	if (b.vfio < 0)
		return;
	ret = bind(b.vfio, 16, 0, s->iommufd, &b.dev_id);
	step(s, "bind-second-device", ret, "dev_id=%u", b.dev_id);
	ioas = s_ioas(s, "alloc");
	s_map(s, "map", ioas, mem, 4 * PAGE, MAP_RW | MAP_FIXED_IOVA,
	      0x100000);
	pt = s_attach(s, "a-rid-ioas", ioas, RID);
	s_attach(&b, "b-rid-ioas", ioas, RID);
	s_ranges(s, "ranges-both-attached", ioas, 8);
	hp = s_hwpt(s, "hwpt-pasid-for-a", ioas, HWPT_PASID);
	hp2 = s_hwpt(&b, "hwpt-pasid-for-b", ioas, HWPT_PASID);
	s_attach(&b, "b-rid-hwpt-of-a", hp, RID);
	s_destroy(s, "destroy-auto-still-used-by-a", pt);
	s_attach(s, "a-rid-hwpt-of-b", hp2, RID);
	s_destroy(s, "destroy-auto-unused", pt);
	s_attach(s, "a-pasid-1", hp, 1);
	s_attach(&b, "b-pasid-1-same-hwpt", hp, 1);
	s_attach(s, "a-pasid-2", hp2, 2);
	s_attach(&b, "b-pasid-2-other-hwpt", hp, 2);
	s_destroy(s, "destroy-hwpt-used-by-both", hp);
	s_detach(s, "a-pasid-1-detach", 1);
	s_destroy(s, "destroy-hwpt-still-used-by-b", hp);
	sys_close(b.vfio);
	step(s, "close-second-device", 0, NULL);
	ret = hw_info(s, b.dev_id, &h, NULL, 0);
	step(s, "hw-info-unbound-device", ret, NULL);
	s_destroy(s, "destroy-hwpt-after-unbind", hp);
	s_detach(s, "a-pasid-2-detach", 2);
	s_detach(s, "a-rid-detach", RID);
	s_destroy(s, "destroy-hwpt-of-b", hp2);
	s_destroy(s, "destroy-ioas", ioas);
}

/* ---- driver ------------------------------------------------------------ */

static const struct {
	const char *name;
	void (*fn)(struct sc *s);
	bool bind;
} scenarios[] = {
	{ "bind", sc_bind, false },
	{ "size", sc_size, true },
	{ "ioas", sc_ioas, true },
	{ "map", sc_map, true },
	{ "map-domain", sc_map_domain, true },
	{ "copy", sc_copy, true },
	{ "iova-ranges", sc_iova_ranges, true },
	{ "hw-info", sc_hw_info, true },
	{ "hwpt-alloc", sc_hwpt_alloc, true },
	{ "pasid-rules", sc_pasid_rules, true },
	{ "pasid-values", sc_pasid_values, true },
	{ "argsz", sc_argsz, true },
	{ "replace", sc_replace, true },
	{ "map-file", sc_map_file, true },
	{ "contexts", sc_contexts, true },
	{ "two-devices", sc_two_devices, true },
	{ "allow-iovas", sc_allow_iovas, true },
};

unsigned int conf_scenarios(void)
{
	return sizeof(scenarios) / sizeof(scenarios[0]);
}

static int setup_memory(void)
{
	size_t len = 6u << 20;
	uint8_t *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	mem = (uint8_t *)(((uintptr_t)p + (2u << 20) - 1) & ~(uintptr_t)((2u << 20) - 1));
	memset(mem, 0x5a, 4u << 20);
	mem_none = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			0);
	mem_ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem_none == MAP_FAILED || mem_ro == MAP_FAILED)
		return -errno;
	memset(mem_ro, 0xa5, PAGE);
	if (mprotect(mem_ro, PAGE, PROT_READ))
		return -errno;
	return 0;
}

static int setup(struct sc *s, bool do_bind)
{
	struct kabi_iommu_hw_info h;
	int ret;

	s->iommufd = sys_open("/dev/iommu", O_RDWR);
	if (s->iommufd < 0)
		return s->iommufd;
	s->vfio = sys_open(s->path, O_RDWR);
	if (s->vfio < 0)
		return s->vfio;
	if (!do_bind)
		return 0;
	ret = bind(s->vfio, KABI_VFIO_DEVICE_BIND_IOMMUFD_SZ_NOTOKEN, 0,
		   s->iommufd, &s->dev_id);
	if (ret)
		return ret;
	ret = hw_info(s, s->dev_id, &h, NULL, 0);
	if (ret)
		return ret;
	s->log2 = h.out_max_pasid_log2;
	s->hw_type = h.out_data_type;
	return 0;
}

unsigned int conf_run(const char *vfio_path, const char *second)
{
	int ret;

	second_path = second;
	if (!mem && (ret = setup_memory())) {
		printf("# conformance: no memory: %s\n", errname(-ret));
		return 0;
	}
	for (size_t i = 0; i < conf_scenarios(); i++) {
		struct sc s = {
			.name = scenarios[i].name,
			.path = vfio_path,
			.iommufd = -1,
			.vfio = -1,
		};

		ret = setup(&s, scenarios[i].bind);
		step(&s, "setup", ret, "%s", scenarios[i].bind ? "bound" : "open");
		if (!ret)
			scenarios[i].fn(&s);
		/* unbind (closing the cdev), then the context */
		if (s.vfio >= 0)
			sys_close(s.vfio);
		if (s.iommufd >= 0)
			sys_close(s.iommufd);
	}
	return nsteps;
}

void conf_done(void)
{
	printf("# conformance: %u scenarios, %u steps\n",
	       conf_scenarios() + conf_legacy_scenarios(), nsteps);
	fflush(stdout);
}

/* ---- device discovery (sysfs under the seam's root) -------------------- */

static bool read_line(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "re");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, (int)n, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

static int cmp_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/*
 * Calls fn(devices directory, bdf, arg) for each QEMU edu (1234:11e8) in
 * address order until it returns non-zero; that value, or -ENODEV when
 * every call returned 0.
 */
static int for_each_edu(int (*fn)(const char *dir, const char *bdf, void *arg),
			void *arg)
{
	char dir[512], file[1024], v[32], d[32];
	struct dirent **ents;
	int count, ret = 0;

	snprintf(dir, sizeof(dir), "%s/bus/pci/devices", pasid_sys->sysfs_root);
	count = scandir(dir, &ents, NULL, cmp_name);
	if (count < 0)
		return -errno;
	for (int i = 0; i < count; i++) {
		const char *bdf = ents[i]->d_name;

		if (ret || bdf[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s/vendor", dir, bdf);
		if (!read_line(file, v, sizeof(v)) || strcmp(v, "0x1234"))
			continue;
		snprintf(file, sizeof(file), "%s/%s/device", dir, bdf);
		if (!read_line(file, d, sizeof(d)) || strcmp(d, "0x11e8"))
			continue;
		ret = fn(dir, bdf, arg);
	}
	for (int i = 0; i < count; i++)
		free(ents[i]);
	free(ents);
	return ret ? ret : -ENODEV;
}

struct find_vfio {
	unsigned int index, seen;
	char *path;
	size_t n;
};

/* 1 when the index-th cdev is found (path written) */
static int pick_vfio(const char *dir, const char *bdf, void *arg)
{
	struct find_vfio *f = arg;
	char file[1024];
	struct dirent **cd;
	int nc, ret = 0;

	snprintf(file, sizeof(file), "%s/%s/vfio-dev", dir, bdf);
	nc = scandir(file, &cd, NULL, cmp_name);
	for (int j = 0; j < nc; j++) {
		if (!ret && !strncmp(cd[j]->d_name, "vfio", 4) &&
		    f->seen++ == f->index) {
			snprintf(f->path, f->n, "/dev/vfio/devices/%s",
				 cd[j]->d_name);
			if (!f->index)
				snprintf(dev_bdf, sizeof(dev_bdf), "%s", bdf);
			ret = 1;
		}
		free(cd[j]);
	}
	if (nc >= 0)
		free(cd);
	return ret;
}

int conf_find_vfio(unsigned int index, char *path, size_t n)
{
	struct find_vfio f = { .index = index, .path = path, .n = n };
	int ret = for_each_edu(pick_vfio, &f);

	return ret < 0 ? ret : 0;
}

struct find_group {
	unsigned int index, seen;
	struct conf_group *g;
};

/* 1 when the index-th edu with an IOMMU group is found */
static int pick_group(const char *dir, const char *bdf, void *arg)
{
	struct find_group *f = arg;
	char file[1024], link[512];
	const char *slash;
	ssize_t len;

	snprintf(file, sizeof(file), "%s/%s/iommu_group", dir, bdf);
	len = readlink(file, link, sizeof(link) - 1);
	if (len <= 0 || f->seen++ != f->index)
		return 0;
	link[len] = '\0';
	slash = strrchr(link, '/');
	f->g->group = atoi(slash ? slash + 1 : link);
	snprintf(f->g->bdf, sizeof(f->g->bdf), "%s", bdf);
	return 1;
}

int conf_find_group(unsigned int index, struct conf_group *g)
{
	struct find_group f = { .index = index, .g = g };
	int ret = for_each_edu(pick_group, &f);

	return ret < 0 ? ret : 0;
}
