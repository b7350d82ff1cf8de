/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Tests of the emulation itself, through the raw seam (pasid_sys->...), one
 * test per rule (the rules: doc/kernel-rules.md, cited as "kernel-rules §N"),
 * so the library's unit tests can trust it. Run under valgrind with CK_FORK=no.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "emu.h"
#include "kabi.h"
#include "sys.h"

#define RID UINT32_MAX
#define PG 4096UL
#define RW (KABI_IOMMU_IOAS_MAP_READABLE | KABI_IOMMU_IOAS_MAP_WRITEABLE)
#define RD KABI_IOMMU_IOAS_MAP_READABLE
#define FIXED KABI_IOMMU_IOAS_MAP_FIXED_IOVA
#define F_PASID KABI_IOMMU_HWPT_ALLOC_PASID
#define F_DIRTY KABI_IOMMU_HWPT_ALLOC_DIRTY_TRACKING
#define F_NP KABI_IOMMU_HWPT_ALLOC_NEST_PARENT
#define F_FAULT KABI_IOMMU_HWPT_FAULT_ID_VALID

/* ---- raw seam helpers: 0 or -errno ------------------------------------- */

static int xioctl(int fd, unsigned long req, void *arg)
{
	return pasid_sys->ioctl(fd, req, arg) < 0 ? -errno : 0;
}

static int xopen(const char *path)
{
	int fd = pasid_sys->open(path, O_RDWR | O_CLOEXEC, 0);

	return fd < 0 ? -errno : fd;
}

static int open_dev(int n)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/vfio/devices/vfio%d", n);
	return xopen(path);
}

static int bind_dev(int dfd, int ictx, uint32_t *dev_id)
{
	struct kabi_vfio_device_bind_iommufd b = {
		.argsz = sizeof(b), .iommufd = ictx,
	};
	int ret = xioctl(dfd, KABI_VFIO_DEVICE_BIND_IOMMUFD, &b);

	if (!ret && dev_id)
		*dev_id = b.out_devid;
	return ret;
}

static uint32_t ioas_new(int ictx)
{
	struct kabi_iommu_ioas_alloc a = { .size = sizeof(a) };

	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_IOAS_ALLOC, &a), 0);
	return a.out_ioas_id;
}

static int map(int ictx, uint32_t ioas, void *va, uint64_t len,
	       uint32_t flags, uint64_t *iova)
{
	struct kabi_iommu_ioas_map m = {
		.size = sizeof(m), .flags = flags, .ioas_id = ioas,
		.user_va = (uintptr_t)va, .length = len,
		.iova = iova ? *iova : 0,
	};
	int ret = xioctl(ictx, KABI_IOMMU_IOAS_MAP, &m);

	if (!ret && iova)
		*iova = m.iova;
	return ret;
}

static int unmap(int ictx, uint32_t ioas, uint64_t iova, uint64_t len,
		 uint64_t *out)
{
	struct kabi_iommu_ioas_unmap u = {
		.size = sizeof(u), .ioas_id = ioas, .iova = iova, .length = len,
	};
	int ret = xioctl(ictx, KABI_IOMMU_IOAS_UNMAP, &u);

	if (!ret && out)
		*out = u.length;
	return ret;
}

static int copy(int ictx, uint32_t dst, uint32_t src, uint64_t src_iova,
		uint64_t len, uint32_t flags, uint64_t *dst_iova)
{
	struct kabi_iommu_ioas_copy c = {
		.size = sizeof(c), .flags = flags, .dst_ioas_id = dst,
		.src_ioas_id = src, .length = len, .src_iova = src_iova,
		.dst_iova = *dst_iova,
	};
	int ret = xioctl(ictx, KABI_IOMMU_IOAS_COPY, &c);

	if (!ret)
		*dst_iova = c.dst_iova;
	return ret;
}

static int hwpt_alloc(int ictx, uint32_t dev_id, uint32_t pt, uint32_t flags,
		      uint32_t *id)
{
	struct kabi_iommu_hwpt_alloc h = {
		.size = sizeof(h), .flags = flags, .dev_id = dev_id,
		.pt_id = pt,
	};
	int ret = xioctl(ictx, KABI_IOMMU_HWPT_ALLOC, &h);

	if (!ret && id)
		*id = h.out_hwpt_id;
	return ret;
}

static int attach(int dfd, uint32_t pt, uint32_t pasid, uint32_t *out)
{
	struct kabi_vfio_device_attach_iommufd_pt at = {
		.argsz = sizeof(at), .pt_id = pt,
	};
	int ret;

	if (pasid != RID) {
		at.flags = KABI_VFIO_DEVICE_ATTACH_PASID;
		at.pasid = pasid;
	}
	ret = xioctl(dfd, KABI_VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at);
	if (!ret && out)
		*out = at.pt_id;
	return ret;
}

static int detach(int dfd, uint32_t pasid)
{
	struct kabi_vfio_device_detach_iommufd_pt d = { .argsz = sizeof(d) };

	if (pasid != RID) {
		d.flags = KABI_VFIO_DEVICE_DETACH_PASID;
		d.pasid = pasid;
	}
	return xioctl(dfd, KABI_VFIO_DEVICE_DETACH_IOMMUFD_PT, &d);
}

static int destroy(int ictx, uint32_t id)
{
	struct kabi_iommu_destroy d = { .size = sizeof(d), .id = id };

	return xioctl(ictx, KABI_IOMMU_DESTROY, &d);
}

static int ranges(int ictx, uint32_t ioas, struct kabi_iommu_iova_range *r,
		  uint32_t *n, uint64_t *align)
{
	struct kabi_iommu_ioas_iova_ranges q = {
		.size = sizeof(q), .ioas_id = ioas, .num_iovas = *n,
		.allowed_iovas = (uintptr_t)r,
	};
	int ret = xioctl(ictx, KABI_IOMMU_IOAS_IOVA_RANGES, &q);

	*n = q.num_iovas;
	if (align)
		*align = q.out_iova_alignment;
	return ret;
}

static int add(const char *bdf, enum emu_iommu iommu, unsigned int log2,
	       int group)
{
	struct emu_dev_cfg c = {
		.bdf = bdf, .iommu = iommu, .pasid_log2 = log2, .group = group,
	};
	int n = emu_add_device(&c);

	ck_assert_int_ge(n, 0);
	return n;
}

static void *pages(size_t n)
{
	void *p = mmap(NULL, n * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert_ptr_ne(p, MAP_FAILED);
	memset(p, 0, n * PG);
	return p;
}

/* A bound device: dfd, its dev_id, and the context it is bound to. */
struct bdev {
	int idx, dfd;
	uint32_t id;
};

static struct bdev bound(int ictx, int idx)
{
	struct bdev d = { .idx = idx };

	d.dfd = open_dev(idx);
	ck_assert_int_ge(d.dfd, 0);
	ck_assert_int_eq(bind_dev(d.dfd, ictx, &d.id), 0);
	return d;
}

static int ictx;	/* most tests need one context */

static void setup(void)
{
	ck_assert_int_eq(emu_init(), 0);
	ictx = xopen("/dev/iommu");
	ck_assert_int_ge(ictx, 0);
}

static void teardown(void)
{
	emu_fini();
	ck_assert_uint_eq(emu_live_objects(), 0);
	ck_assert_uint_eq(emu_open_fds(), 0);
}

/* ======================================================================
 * Seam, files and lifetimes (kernel-rules §1, §3.1)
 * ==================================================================== */

START_TEST(t_open_paths)
{
	struct emu_dev_cfg c = { .bdf = "0000:00:05.0", .group = 2,
				 .no_cdev = true };
	char path[PATH_MAX];
	int fd, fd2;

	add("0000:00:04.0", EMU_IOMMU_INTEL, 0, 1);
	ck_assert_int_eq(emu_add_device(&c), 1);
	c.bdf = "0000:00:06.0";
	c.no_cdev = false;
	c.driver = "nvme";
	ck_assert_int_eq(emu_add_device(&c), 2);
	c.driver = NULL;
	ck_assert_int_eq(emu_add_device(&c), -EEXIST);
	c.bdf = "00:07.0";
	ck_assert_int_eq(emu_add_device(&c), -EINVAL);

	fd = open_dev(0);
	ck_assert_int_ge(fd, 0);
	ck_assert_uint_eq(emu_open_fds(), 2);
	ck_assert_int_eq(open_dev(1), -ENOENT);		/* no cdev */
	ck_assert_int_eq(open_dev(2), -ENOENT);		/* nvme */
	ck_assert_int_eq(open_dev(9), -ENOENT);
	ck_assert_int_eq(xopen("/dev/vfio/devices/vfio0x"), -ENOENT);
	ck_assert_int_eq(xopen("/dev/vfio/vfio"), -ENOENT);	/* legacy */
	ck_assert_int_eq(xopen("/dev/vfio/1"), -ENOENT);
	/* other paths reach the real kernel: the sysfs tree is real */
	snprintf(path, sizeof(path), "%s/bus/pci/devices/0000:00:04.0/vendor",
		 emu_sysfs_root());
	ck_assert_str_eq(pasid_sys->sysfs_root, emu_sysfs_root());
	fd2 = pasid_sys->open(path, O_RDONLY, 0);
	ck_assert_int_ge(fd2, 0);
	ck_assert_uint_eq(emu_open_fds(), 2);	/* a real fd is not ours */
	ck_assert_int_eq(pasid_sys->close(fd2), 0);
	ck_assert_int_eq(pasid_sys->close(fd), 0);
	ck_assert_uint_eq(emu_open_fds(), 1);
}
END_TEST

START_TEST(t_fstat)
{
	struct stat st;
	int fd;

	add("0000:00:04.0", EMU_IOMMU_INTEL, 0, 1);
	add("0000:00:05.0", EMU_IOMMU_INTEL, 0, 2);
	fd = open_dev(1);
	ck_assert_int_eq(pasid_sys->fstat(fd, &st), 0);
	ck_assert(S_ISCHR(st.st_mode));
	ck_assert_uint_eq(major(st.st_rdev), 511);
	ck_assert_uint_eq(minor(st.st_rdev), 1);
	ck_assert_int_eq(pasid_sys->fstat(ictx, &st), 0);
	ck_assert(S_ISCHR(st.st_mode));
}
END_TEST

/* dup shares the open file: the binding lives until the last fd closes */
START_TEST(t_dup_close)
{
	struct bdev d;
	uint32_t pt;
	int fd2;

	add("0000:00:04.0", EMU_IOMMU_INTEL, 0, 1);
	d = bound(ictx, 0);
	fd2 = pasid_sys->dup(d.dfd);
	ck_assert_int_ge(fd2, 0);
	ck_assert_int_ne(fd2, d.dfd);
	ck_assert_uint_eq(emu_open_fds(), 3);
	ck_assert_int_eq(pasid_sys->close(d.dfd), 0);
	ck_assert_int_eq(emu_rid_pt(0, &pt), 0);	/* still bound */
	ck_assert_int_eq(attach(fd2, ioas_new(ictx), RID, &pt), 0);
	ck_assert_int_eq(pasid_sys->close(fd2), 0);
	ck_assert_int_eq(emu_rid_pt(0, &pt), -ENOENT);
	ck_assert_uint_eq(emu_live_objects(), 1);	/* the IOAS */
}
END_TEST

/* A bound device holds its context (the kernel's file reference): closing
 * /dev/iommu first keeps every object until the device is closed. */
START_TEST(t_ctx_lifetime)
{
	struct bdev d;
	uint32_t ioas, pt;
	uint8_t *buf = pages(1);
	uint64_t iova = 0;

	add("0000:00:04.0", EMU_IOMMU_INTEL, 0, 1);
	d = bound(ictx, 0);
	ioas = ioas_new(ictx);
	ck_assert_int_eq(attach(d.dfd, ioas, RID, &pt), 0);
	ck_assert_int_eq(map(ictx, ioas, buf, PG, RW, &iova), 0);
	ck_assert_uint_eq(emu_live_objects(), 3);	/* DEVICE IOAS HWPT */
	ck_assert_int_eq(pasid_sys->close(ictx), 0);
	ck_assert_uint_eq(emu_open_fds(), 1);
	ck_assert_uint_eq(emu_live_objects(), 3);
	ck_assert_uint_eq(emu_mapped_bytes(), PG);
	/* and the device keeps translating */
	ck_assert_int_eq(emu_dma_write(0, 0, iova, "x", 2), 0);
	ck_assert_str_eq((char *)buf, "x");
	ck_assert_int_eq(pasid_sys->close(d.dfd), 0);
	ck_assert_uint_eq(emu_live_objects(), 0);
	ck_assert_uint_eq(emu_mapped_bytes(), 0);
	munmap(buf, PG);
}
END_TEST

START_TEST(t_close_ctx_destroys)
{
	void *buf = pages(2);
	uint32_t ioas = ioas_new(ictx);

	ck_assert_int_eq(map(ictx, ioas, buf, 2 * PG, RW, NULL), 0);
	ck_assert_int_eq(map(ictx, ioas_new(ictx), buf, PG, RD, NULL), 0);
	ck_assert_uint_eq(emu_live_objects(), 2);
	ck_assert_uint_eq(emu_mapped_bytes(), 3 * PG);
	ck_assert_int_eq(pasid_sys->close(ictx), 0);
	ck_assert_uint_eq(emu_live_objects(), 0);
	ck_assert_uint_eq(emu_mapped_bytes(), 0);
	ck_assert_uint_eq(emu_open_fds(), 0);
	munmap(buf, 2 * PG);
}
END_TEST

/* ======================================================================
 * iommufd calling conventions (kernel-rules §2.1)
 * ==================================================================== */

START_TEST(t_enotty)
{
	struct kabi_iommu_option o = { .size = sizeof(o) };
	uint32_t buf[16] = { 64 };

	ck_assert_int_eq(xioctl(ictx, _IO(';', 0x7f), buf), -ENOTTY);
	ck_assert_int_eq(xioctl(ictx, _IO(';', 0x96), buf), -ENOTTY);
	/* below iommufd's range: the VFIO compat ioctls, which know
	 * GET_API_VERSION (test-emu-compat.c) but not this one */
	ck_assert_int_eq(xioctl(ictx, _IO(';', 100 + 60), NULL), -ENOTTY);
	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_OPTION, &o), -ENOTTY);
	/* the size is not encoded in the request: _IOW(';', 0x81) differs */
	ck_assert_int_eq(xioctl(ictx, _IOW(';', 0x81, uint32_t), buf),
			 -ENOTTY);
	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_IOAS_ALLOC, NULL), -EFAULT);
}
END_TEST

START_TEST(t_size_rules)
{
	uint8_t big[64] = { 0 };
	struct kabi_iommu_ioas_alloc *a = (void *)big;
	struct kabi_iommu_hwpt_alloc h = { 0 };
	struct kabi_iommu_hw_info i = { 0 };
	struct bdev d;
	uint32_t ioas;

	a->size = 8;	/* below the minimum (out_ioas_id) */
	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_IOAS_ALLOC, a), -EINVAL);
	a->size = 32;	/* larger with zeroed tail: fine */
	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_IOAS_ALLOC, a), 0);
	ck_assert_uint_eq(a->out_ioas_id, 1);
	big[20] = 1;	/* a non-zero byte the kernel does not know */
	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_IOAS_ALLOC, a), -E2BIG);
	ck_assert_uint_eq(emu_live_objects(), 1);

	/* 6.6 layouts: HWPT_ALLOC 24 bytes, GET_HW_INFO 32 bytes */
	add("0000:00:04.0", EMU_IOMMU_INTEL, 0, 1);
	d = bound(ictx, 0);
	ioas = ioas_new(ictx);
	h.size = KABI_IOMMU_HWPT_ALLOC_SZ_V6_6;
	h.dev_id = d.id;
	h.pt_id = ioas;
	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_HWPT_ALLOC, &h), 0);
	ck_assert_uint_ne(h.out_hwpt_id, 0);
	h.size = KABI_IOMMU_HWPT_ALLOC_SZ_V6_6 - 1;
	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_HWPT_ALLOC, &h), -EINVAL);
	i.size = KABI_IOMMU_HW_INFO_SZ_V6_6;
	i.dev_id = d.id;
	i.out_capabilities = 0xdead;	/* beyond 32 bytes: left alone */
	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_GET_HW_INFO, &i), 0);
	ck_assert_uint_eq(i.out_data_type, KABI_IOMMU_HW_INFO_TYPE_INTEL_VTD);
	ck_assert_uint_eq(i.out_capabilities, 0xdead);
	i.size = 31;
	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_GET_HW_INFO, &i), -EINVAL);
}
END_TEST

START_TEST(t_eopnotsupp_flags)
{
	struct kabi_iommu_ioas_alloc a = { .size = sizeof(a), .flags = 1 };
	struct kabi_iommu_ioas_map m = { .size = sizeof(m) };
	struct kabi_iommu_ioas_iova_ranges r = { .size = sizeof(r) };
	struct kabi_iommu_hw_info i = { .size = sizeof(i) };
	struct kabi_iommu_hwpt_alloc h = { .size = sizeof(h) };
	void *buf = pages(1);

	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_IOAS_ALLOC, &a), -EOPNOTSUPP);
	m.ioas_id = ioas_new(ictx);
	m.user_va = (uintptr_t)buf;
	m.length = PG;
	m.flags = RW | (1u << 3);
	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_IOAS_MAP, &m), -EOPNOTSUPP);
	m.flags = RW;
	m.__reserved = 1;
	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_IOAS_MAP, &m), -EOPNOTSUPP);
	r.ioas_id = m.ioas_id;
	r.__reserved = 1;
	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_IOAS_IOVA_RANGES, &r),
			 -EOPNOTSUPP);
	i.flags = 2;
	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_GET_HW_INFO, &i), -EOPNOTSUPP);
	i.flags = 0;
	i.__reserved[1] = 1;
	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_GET_HW_INFO, &i), -EOPNOTSUPP);
	h.__reserved = 1;
	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_HWPT_ALLOC, &h), -EOPNOTSUPP);
	ck_assert_uint_eq(emu_live_objects(), 1);
	munmap(buf, PG);
}
END_TEST

/* ids from 1 up per context; the lowest free one is reused */
START_TEST(t_ids)
{
	int ictx2 = xopen("/dev/iommu");

	ck_assert_uint_eq(ioas_new(ictx), 1);
	ck_assert_uint_eq(ioas_new(ictx), 2);
	ck_assert_uint_eq(ioas_new(ictx), 3);
	ck_assert_uint_eq(ioas_new(ictx2), 1);
	ck_assert_int_eq(destroy(ictx, 2), 0);
	ck_assert_uint_eq(ioas_new(ictx), 2);
	ck_assert_uint_eq(emu_live_objects(), 4);
}
END_TEST

/* kernel-rules §1: IOMMU_DESTROY is EBUSY while referenced, ENOENT when
 * unknown */
START_TEST(t_destroy)
{
	uint32_t ioas, hwpt, autopt;
	struct bdev d, d2;

	add("0000:00:04.0", EMU_IOMMU_INTEL, 8, 1);
	add("0000:00:05.0", EMU_IOMMU_INTEL, 8, 2);
	d = bound(ictx, 0);
	d2 = bound(ictx, 1);
	ioas = ioas_new(ictx);
	ck_assert_int_eq(destroy(ictx, 99), -ENOENT);
	ck_assert_int_eq(destroy(ictx, d.id), -EBUSY);		/* DEVICE */
	ck_assert_int_eq(hwpt_alloc(ictx, d.id, ioas, F_PASID, &hwpt), 0);
	ck_assert_int_eq(destroy(ictx, ioas), -EBUSY);		/* has a HWPT */
	ck_assert_int_eq(attach(d.dfd, hwpt, RID, NULL), 0);
	ck_assert_int_eq(destroy(ictx, hwpt), -EBUSY);		/* attached */
	ck_assert_int_eq(attach(d2.dfd, ioas, RID, &autopt), 0);
	ck_assert_int_eq(destroy(ictx, autopt), -EBUSY);	/* auto, attached */
	ck_assert_int_eq(detach(d2.dfd, RID), 0);
	/* an auto HWPT dies with its last attachment */
	ck_assert_int_eq(destroy(ictx, autopt), -ENOENT);
	ck_assert_int_eq(attach(d.dfd, hwpt, 3, NULL), 0);
	ck_assert_int_eq(detach(d.dfd, RID), 0);
	ck_assert_int_eq(destroy(ictx, hwpt), -EBUSY);		/* PASID 3 */
	ck_assert_int_eq(detach(d.dfd, 3), 0);
	ck_assert_int_eq(destroy(ictx, hwpt), 0);
	ck_assert_int_eq(destroy(ictx, ioas), 0);
	ck_assert_int_eq(destroy(ictx, ioas), -ENOENT);
	ck_assert_uint_eq(emu_live_objects(), 2);		/* devices */
}
END_TEST

/* ======================================================================
 * IOAS (kernel-rules §8)
 * ==================================================================== */

/* full 64-bit range without a domain (alignment 1); a device narrows it by
 * its aperture (48 bits) and reserved region, and sets alignment 4096 */
START_TEST(t_iova_ranges)
{
	struct kabi_iommu_iova_range r[4];
	uint32_t ioas = ioas_new(ictx), n = 4;
	uint64_t align;
	struct bdev d;

	ck_assert_int_eq(ranges(ictx, ioas, r, &n, &align), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(r[0].start, 0);
	ck_assert_uint_eq(r[0].last, UINT64_MAX);
	ck_assert_uint_eq(align, 1);
	n = 0;
	ck_assert_int_eq(ranges(ictx, 77, r, &n, &align), -ENOENT);

	add("0000:00:04.0", EMU_IOMMU_INTEL, 0, 1);
	d = bound(ictx, 0);
	ck_assert_int_eq(attach(d.dfd, ioas, RID, NULL), 0);
	n = 4;
	ck_assert_int_eq(ranges(ictx, ioas, r, &n, &align), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(align, PG);
	ck_assert_uint_eq(r[0].start, 0);
	ck_assert_uint_eq(r[0].last, 0xfedfffff);
	ck_assert_uint_eq(r[1].start, 0xfef00000);
	ck_assert_uint_eq(r[1].last, (1ULL << 48) - 1);
	/* too small: EMSGSIZE, the count, and what fitted */
	memset(r, 0, sizeof(r));
	n = 1;
	ck_assert_int_eq(ranges(ictx, ioas, r, &n, &align), -EMSGSIZE);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(r[0].last, 0xfedfffff);
	ck_assert_uint_eq(r[1].last, 0);
	n = 0;
	ck_assert_int_eq(ranges(ictx, ioas, NULL, &n, &align), -EMSGSIZE);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(detach(d.dfd, RID), 0);
	n = 4;
	ck_assert_int_eq(ranges(ictx, ioas, r, &n, &align), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(align, 1);
}
END_TEST

START_TEST(t_map_errors)
{
	uint32_t ioas = ioas_new(ictx);
	uint8_t *buf = pages(4);
	uint64_t iova;
	struct bdev d;

	iova = 0x10000;
	ck_assert_int_eq(map(ictx, ioas, buf, 0, RW | FIXED, &iova), -EINVAL);
	ck_assert_int_eq(map(ictx, ioas, buf, PG, FIXED, &iova), -EINVAL);
	ck_assert_int_eq(map(ictx, 99, buf, PG, RW, &iova), -ENOENT);
	iova = UINT64_MAX;
	ck_assert_int_eq(map(ictx, ioas, buf, PG, RW | FIXED, &iova),
			 -EOVERFLOW);
	ck_assert_int_eq(map(ictx, ioas, buf, UINT64_MAX, RW, NULL),
			 -EOVERFLOW);
	ck_assert_int_eq(map(ictx, ioas, (void *)(UINTPTR_MAX - PG + 1),
			     2 * PG, RW, NULL), -EOVERFLOW);	/* VA wraps */
	iova = UINT64_MAX - PG + 1;
	ck_assert_int_eq(map(ictx, ioas, buf, 2 * PG, RW | FIXED, &iova),
			 -EOVERFLOW);				/* IOVA wraps */
	iova = 0x10000;
	ck_assert_int_eq(map(ictx, ioas, buf, 2 * PG, RW | FIXED, &iova), 0);
	iova = 0x11000;
	ck_assert_int_eq(map(ictx, ioas, buf, PG, RW | FIXED, &iova), -EEXIST);
	/* with a domain: alignment 4096 and the reserved window */
	add("0000:00:04.0", EMU_IOMMU_INTEL, 0, 1);
	d = bound(ictx, 0);
	ck_assert_int_eq(attach(d.dfd, ioas, RID, NULL), 0);
	iova = 0x20800;
	ck_assert_int_eq(map(ictx, ioas, buf, PG, RW | FIXED, &iova), -EINVAL);
	iova = 0x20000;
	ck_assert_int_eq(map(ictx, ioas, buf, PG + 1, RW | FIXED, &iova),
			 -EINVAL);
	ck_assert_int_eq(map(ictx, ioas, buf + 8, PG, RW | FIXED, &iova),
			 -EINVAL);	/* page offset not aligned */
	ck_assert_int_eq(map(ictx, ioas, buf + 8, PG, RW, &iova), -EINVAL);
	iova = 0xfee00000;
	ck_assert_int_eq(map(ictx, ioas, buf, PG, RW | FIXED, &iova), -EINVAL);
	iova = 1ULL << 48;
	ck_assert_int_eq(map(ictx, ioas, buf, PG, RW | FIXED, &iova), -EINVAL);
	ck_assert_uint_eq(emu_mapped_bytes(), 2 * PG);
	munmap(buf, 4 * PG);
}
END_TEST

/* the kernel picks an IOVA: never 0, aligned like the user VA, first fit,
 * outside reserved ranges; ENOSPC when nothing fits */
START_TEST(t_map_auto_iova)
{
	uint32_t ioas = ioas_new(ictx);
	uint8_t *buf = pages(16);
	uint64_t a = 0, b = 0, c = 0, align;
	struct bdev d;
	void *va;

	ck_assert_int_eq(map(ictx, ioas, buf, 4 * PG, RW, &a), 0);
	/* aligned to min(roundup_pow_of_two(len), lowest bit of the VA) */
	align = 1ULL << __builtin_ctzll((uintptr_t)buf);
	align = align < 4 * PG ? align : 4 * PG;
	ck_assert_uint_ge(a, PG);
	ck_assert_uint_eq(a % align, 0);
	ck_assert_int_eq(map(ictx, ioas, buf, 4 * PG, RW, &b), 0);
	ck_assert(b >= a + 4 * PG || b + 4 * PG <= a);
	ck_assert_int_eq(emu_ioas_translate(ioas, b + 5, &va), 0);
	ck_assert_ptr_eq(va, buf + 5);
	ck_assert_int_eq(emu_ioas_translate(ioas, 0, &va), -ENOENT);
	/* the page offset of the user address is kept (no domain yet) */
	ck_assert_int_eq(map(ictx, ioas, buf + 0x10, 0x20, RW, &c), 0);
	ck_assert_uint_eq(c % PG, 0x10);
	add("0000:00:04.0", EMU_IOMMU_INTEL, 0, 1);
	d = bound(ictx, 0);
	ck_assert_int_eq(unmap(ictx, ioas, c, 0x20, NULL), 0);
	ck_assert_int_eq(attach(d.dfd, ioas, RID, NULL), 0);
	/* larger than any hole of the 48-bit aperture */
	ck_assert_int_eq(map(ictx, ioas, buf, (1ULL << 48) - 2 * PG, RW, NULL),
			 -ENOSPC);
	munmap(buf, 16 * PG);
}
END_TEST

START_TEST(t_unmap)
{
	uint32_t ioas = ioas_new(ictx);
	uint8_t *buf = pages(8);
	uint64_t iova, out;

	ck_assert_int_eq(unmap(ictx, ioas, 0x10000, PG, &out), -ENOENT);
	ck_assert_int_eq(unmap(ictx, 99, 0x10000, PG, &out), -ENOENT);
	ck_assert_int_eq(unmap(ictx, ioas, 0, UINT64_MAX, &out), 0);
	ck_assert_uint_eq(out, 0);	/* all of nothing is fine */
	iova = 0x10000;
	ck_assert_int_eq(map(ictx, ioas, buf, 2 * PG, RW | FIXED, &iova), 0);
	iova = 0x12000;
	ck_assert_int_eq(map(ictx, ioas, buf, 2 * PG, RW | FIXED, &iova), 0);
	iova = 0x20000;
	ck_assert_int_eq(map(ictx, ioas, buf, PG, RW | FIXED, &iova), 0);
	ck_assert_int_eq(unmap(ictx, ioas, 0x10000, 0, &out), -EINVAL);
	ck_assert_int_eq(unmap(ictx, ioas, 0x10000, PG, &out), -ENOENT);
	ck_assert_int_eq(unmap(ictx, ioas, 0x11000, 2 * PG, &out), -ENOENT);
	ck_assert_uint_eq(emu_mapped_bytes(), 5 * PG);
	/* a range covering two whole maps (and a hole) */
	ck_assert_int_eq(unmap(ictx, ioas, 0xf000, 0x6000, &out), 0);
	ck_assert_uint_eq(out, 4 * PG);
	/* as in the kernel: areas removed before the one that sticks out
	 * stay removed, and the call is ENOENT */
	iova = 0x10000;
	ck_assert_int_eq(map(ictx, ioas, buf, PG, RW | FIXED, &iova), 0);
	iova = 0x11000;
	ck_assert_int_eq(map(ictx, ioas, buf, 2 * PG, RW | FIXED, &iova), 0);
	ck_assert_int_eq(unmap(ictx, ioas, 0x10000, 2 * PG, &out), -ENOENT);
	ck_assert_uint_eq(emu_mapped_bytes(), 3 * PG);
	ck_assert_int_eq(unmap(ictx, ioas, 0, UINT64_MAX, &out), 0);
	ck_assert_uint_eq(out, 3 * PG);
	ck_assert_uint_eq(emu_mapped_bytes(), 0);
	ck_assert_int_eq(unmap(ictx, ioas, UINT64_MAX, 1, &out), -EOVERFLOW);
	munmap(buf, 8 * PG);
}
END_TEST

START_TEST(t_copy)
{
	uint32_t src = ioas_new(ictx), dst = ioas_new(ictx);
	uint8_t *buf = pages(8);
	uint64_t iova, d;
	void *va;

	iova = 0x10000;
	ck_assert_int_eq(map(ictx, src, buf, 2 * PG, RW | FIXED, &iova), 0);
	iova = 0x12000;
	ck_assert_int_eq(map(ictx, src, buf + 2 * PG, 2 * PG, RD | FIXED,
			     &iova), 0);
	d = 0;
	ck_assert_int_eq(copy(ictx, dst, src, 0x10000, 2 * PG, RW, &d), 0);
	ck_assert_int_eq(emu_ioas_translate(dst, d + 7, &va), 0);
	ck_assert_ptr_eq(va, buf + 7);
	/* a sub-range across two contiguous maps */
	d = 0x40000;
	ck_assert_int_eq(copy(ictx, dst, src, 0x11000, 2 * PG, RD | FIXED, &d),
			 0);
	ck_assert_int_eq(emu_ioas_translate(dst, 0x41000, &va), 0);
	ck_assert_ptr_eq(va, buf + 2 * PG);
	/* the copy is two areas: unmapping one half is a split */
	ck_assert_int_eq(unmap(ictx, dst, 0x40000, PG, NULL), 0);
	/* not fully covered */
	d = 0;
	ck_assert_int_eq(copy(ictx, dst, src, 0x13000, 2 * PG, RW, &d),
			 -ENOENT);
	ck_assert_int_eq(copy(ictx, dst, src, 0x50000, PG, RW, &d), -ENOENT);
	ck_assert_int_eq(copy(ictx, dst, src, 0x10000, 0, RW, &d), -EINVAL);
	ck_assert_int_eq(copy(ictx, dst, 99, 0x10000, PG, RW, &d), -ENOENT);
	ck_assert_int_eq(copy(ictx, 99, src, 0x10000, PG, RW, &d), -ENOENT);
	ck_assert_int_eq(copy(ictx, dst, src, 0x10000, PG, 0, &d), -EINVAL);
	ck_assert_int_eq(copy(ictx, dst, src, 0x10000, PG, RW | 8, &d),
			 -EOPNOTSUPP);
	/* writeable copy of read-only pages */
	ck_assert_int_eq(copy(ictx, dst, src, 0x12000, PG, RW, &d), -EPERM);
	d = 0x40000;	/* still taken by the other half? no: it was unmapped */
	d = 0x41000;
	ck_assert_int_eq(copy(ictx, dst, src, 0x10000, PG, RW | FIXED, &d),
			 -EEXIST);
	ck_assert_uint_eq(emu_mapped_bytes(), 4 * PG + 2 * PG + PG);
	munmap(buf, 8 * PG);
}
END_TEST

START_TEST(t_map_file)
{
	struct kabi_iommu_ioas_map_file m = { .size = sizeof(m) };
	int mfd = memfd_create("t", MFD_CLOEXEC), ffd;
	char tmpl[] = "/tmp/emu-test-XXXXXX", got[8] = { 0 };
	struct bdev d;

	ck_assert_int_ge(mfd, 0);
	ck_assert_int_eq(ftruncate(mfd, 4 * PG), 0);
	add("0000:00:04.0", EMU_IOMMU_INTEL, 0, 1);
	d = bound(ictx, 0);
	m.ioas_id = ioas_new(ictx);
	ck_assert_int_eq(attach(d.dfd, m.ioas_id, RID, NULL), 0);
	m.flags = RW;
	m.fd = mfd;
	m.start = PG;
	m.length = 2 * PG;
	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_IOAS_MAP_FILE, &m), 0);
	ck_assert_uint_eq(emu_mapped_bytes(), 2 * PG);
	/* a device write lands in the file */
	ck_assert_int_eq(emu_dma_write(0, 0, m.iova + 3, "file", 5), 0);
	ck_assert_int_eq(pread(mfd, got, 5, PG + 3), 5);
	ck_assert_str_eq(got, "file");
	m.fd = -1;
	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_IOAS_MAP_FILE, &m), -EBADF);
	m.fd = 1000;
	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_IOAS_MAP_FILE, &m), -EBADF);
	ffd = mkstemp(tmpl);
	ck_assert_int_ge(ffd, 0);
	unlink(tmpl);
	ck_assert_int_eq(ftruncate(ffd, 4 * PG), 0);
	m.fd = ffd;	/* not a memfd */
	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_IOAS_MAP_FILE, &m), -EINVAL);
	m.fd = mfd;
	m.start = 3 * PG;	/* beyond the end of the file */
	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_IOAS_MAP_FILE, &m), -EINVAL);
	m.start = 0;
	m.length = 0;
	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_IOAS_MAP_FILE, &m), -EINVAL);
	m.length = PG;
	m.flags = 0;
	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_IOAS_MAP_FILE, &m), -EINVAL);
	/* the mapping outlives the caller's fd */
	close(mfd);
	memset(got, 0, sizeof(got));
	ck_assert_int_eq(emu_dma_read(0, 0, m.iova + 3, got, 5), 0);
	ck_assert_str_eq(got, "file");
	ck_assert_int_eq(unmap(ictx, m.ioas_id, 0, UINT64_MAX, NULL), 0);
	ck_assert_uint_eq(emu_mapped_bytes(), 0);
	close(ffd);
}
END_TEST

/* user memory is pinned only once a domain exists (EFAULT then) */
START_TEST(t_pin)
{
	uint32_t ioas = ioas_new(ictx), hwpt;
	uint8_t *buf = pages(4);
	struct bdev d;
	uint64_t iova = 0x10000;

	add("0000:00:04.0", EMU_IOMMU_INTEL, 0, 1);
	d = bound(ictx, 0);
	ck_assert_int_eq(munmap(buf + 2 * PG, 2 * PG), 0);
	ck_assert_int_eq(map(ictx, ioas, buf + 2 * PG, PG, RW | FIXED, &iova),
			 0);	/* lazy: nothing pinned yet */
	ck_assert_int_eq(hwpt_alloc(ictx, d.id, ioas, 0, &hwpt), -EFAULT);
	ck_assert_int_eq(attach(d.dfd, ioas, RID, NULL), -EFAULT);
	ck_assert_uint_eq(emu_live_objects(), 2);
	ck_assert_int_eq(unmap(ictx, ioas, 0x10000, PG, NULL), 0);
	ck_assert_int_eq(hwpt_alloc(ictx, d.id, ioas, 0, &hwpt), 0);
	ck_assert_int_eq(map(ictx, ioas, buf + 2 * PG, PG, RW, NULL), -EFAULT);
	ck_assert_int_eq(mprotect(buf, PG, PROT_READ), 0);
	ck_assert_int_eq(map(ictx, ioas, buf, PG, RW, NULL), -EFAULT);
	ck_assert_int_eq(map(ictx, ioas, buf, PG, RD, NULL), 0);
	munmap(buf, 2 * PG);
}
END_TEST

/* kernel-rules §4.5: existing maps over the device's reserved region:
 * EADDRINUSE at attach, and nothing changes */
START_TEST(t_reserved_attach)
{
	uint32_t ioas = ioas_new(ictx), pt;
	uint8_t *buf = pages(1);
	uint64_t iova = 0xfee00000;
	struct bdev d;

	add("0000:00:04.0", EMU_IOMMU_INTEL, 0, 1);
	d = bound(ictx, 0);
	ck_assert_int_eq(map(ictx, ioas, buf, PG, RW | FIXED, &iova), 0);
	ck_assert_int_eq(attach(d.dfd, ioas, RID, NULL), -EADDRINUSE);
	ck_assert_int_eq(emu_rid_pt(0, &pt), 0);
	ck_assert_uint_eq(pt, 0);
	ck_assert_uint_eq(emu_live_objects(), 2);	/* no auto HWPT left */
	emu_set_reserved(0, 1, 0);			/* none */
	ck_assert_int_eq(attach(d.dfd, ioas, RID, NULL), 0);
	ck_assert_int_eq(detach(d.dfd, RID), 0);
	emu_set_reserved(0, 0x100000, 0x1fffff);
	iova = 0x100000;
	ck_assert_int_eq(unmap(ictx, ioas, 0, UINT64_MAX, NULL), 0);
	ck_assert_int_eq(map(ictx, ioas, buf, PG, RW | FIXED, &iova), 0);
	ck_assert_int_eq(attach(d.dfd, ioas, RID, NULL), -EADDRINUSE);
	munmap(buf, PG);
}
END_TEST

static int allow(int fd, uint32_t ioas, const struct kabi_iommu_iova_range *r,
		 uint32_t n)
{
	struct kabi_iommu_ioas_allow_iovas a = {
		.size = sizeof(a), .ioas_id = ioas, .num_iovas = n,
		.allowed_iovas = (uintptr_t)r,
	};

	return xioctl(fd, KABI_IOMMU_IOAS_ALLOW_IOVAS, &a);
}

/* kernel-rules §8.5: allowed ranges restrict only the IOVA allocator; they
 * may not meet a reserved range, and no reserved range may be added over
 * them (a RID attach, a domain's aperture) */
START_TEST(t_allow_iovas)
{
	uint32_t ioas = ioas_new(ictx), n = 4;
	uint8_t *buf = pages(1);
	struct kabi_iommu_iova_range r[2] = {
		{ 0x40000000, 0x40000fff }, { 0x80000000, 0x80001fff },
	}, got[4];
	uint64_t iova = 0x1000;
	struct bdev d;

	add("0000:00:04.0", EMU_IOMMU_INTEL, 0, 1);
	d = bound(ictx, 0);
	/* a mapping outside stays */
	ck_assert_int_eq(map(ictx, ioas, buf, PG, RW | FIXED, &iova), 0);
	ck_assert_int_eq(allow(ictx, ioas, r, 2), 0);
	ck_assert_int_eq(map(ictx, ioas, buf, PG, RW, &iova), 0);
	ck_assert_uint_eq(iova, 0x40000000);
	ck_assert_int_eq(map(ictx, ioas, buf, PG, RW, &iova), 0);
	ck_assert_uint_eq(iova, 0x80000000);
	ck_assert_int_eq(map(ictx, ioas, buf, 2 * PG, RW, &iova), -ENOSPC);
	/* fixed IOVAs and the reported ranges do not care */
	iova = 0x10000;
	ck_assert_int_eq(map(ictx, ioas, buf, PG, RW | FIXED, &iova), 0);
	ck_assert_int_eq(ranges(ictx, ioas, got, &n, NULL), 0);
	ck_assert_uint_eq(n, 1);
	/* the list's own rules */
	r[1].last = r[1].start;
	ck_assert_int_eq(allow(ictx, ioas, r, 2), -EINVAL);
	r[1] = r[0];
	ck_assert_int_eq(allow(ictx, ioas, r, 2), -EINVAL);
	ck_assert_int_eq(allow(ictx, ioas, NULL, 1), -EFAULT);
	ck_assert_int_eq(allow(ictx, 99, r, 1), -ENOENT);
	/* the MSI window inside: the RID attach cannot reserve it */
	r[0].start = 0xfe000000;
	r[0].last = 0xfeffffff;
	ck_assert_int_eq(allow(ictx, ioas, r, 1), 0);
	ck_assert_int_eq(attach(d.dfd, ioas, RID, NULL), -EADDRINUSE);
	/* none: no limit, and the attach goes through */
	ck_assert_int_eq(allow(ictx, ioas, NULL, 0), 0);
	ck_assert_int_eq(attach(d.dfd, ioas, RID, NULL), 0);
	/* now reserved: a list that meets it is refused */
	ck_assert_int_eq(allow(ictx, ioas, r, 1), -EADDRINUSE);
	ck_assert_int_eq(detach(d.dfd, RID), 0);
	munmap(buf, PG);
}
END_TEST

/* kernel-rules §8.1: a domain raises the alignment (EADDRINUSE for maps
 * that do not conform) and reserves what is outside its aperture */
START_TEST(t_domain_add)
{
	uint32_t ioas = ioas_new(ictx), hwpt;
	uint8_t *buf = pages(2);
	uint64_t iova = 0x10800;
	struct bdev d;

	add("0000:00:04.0", EMU_IOMMU_INTEL, 0, 1);
	d = bound(ictx, 0);
	ck_assert_int_eq(map(ictx, ioas, buf + 0x800, 0x800, RW | FIXED,
			     &iova), 0);
	ck_assert_int_eq(hwpt_alloc(ictx, d.id, ioas, 0, &hwpt), -EADDRINUSE);
	ck_assert_int_eq(unmap(ictx, ioas, 0, UINT64_MAX, NULL), 0);
	iova = 1ULL << 50;
	ck_assert_int_eq(map(ictx, ioas, buf, PG, RW | FIXED, &iova), 0);
	ck_assert_int_eq(hwpt_alloc(ictx, d.id, ioas, 0, &hwpt), -EADDRINUSE);
	ck_assert_int_eq(attach(d.dfd, ioas, RID, NULL), -EADDRINUSE);
	ck_assert_uint_eq(emu_live_objects(), 2);
	munmap(buf, 2 * PG);
}
END_TEST

/* ======================================================================
 * GET_HW_INFO (kernel-rules §6)
 * ==================================================================== */

static int hw_info(struct bdev *d, struct kabi_iommu_hw_info *i, void *data,
		   uint32_t len)
{
	memset(i, 0, sizeof(*i));
	i->size = sizeof(*i);
	i->dev_id = d->id;
	i->data_len = len;
	i->data_uptr = (uintptr_t)data;
	return xioctl(ictx, KABI_IOMMU_GET_HW_INFO, i);
}

START_TEST(t_hw_info_intel)
{
	struct emu_dev_cfg c = { .bdf = "0000:00:05.0", .group = 2,
				 .dirty = true, .caps = 1u << 3 };
	struct kabi_iommu_hw_info_vtd v;
	struct kabi_iommu_hw_info i;
	struct bdev d, d2;

	add("0000:00:04.0", EMU_IOMMU_INTEL, 20, 1);
	ck_assert_int_eq(emu_add_device(&c), 1);
	d = bound(ictx, 0);
	d2 = bound(ictx, 1);
	ck_assert_int_eq(hw_info(&d, &i, &v, sizeof(v)), 0);
	ck_assert_uint_eq(i.out_data_type, KABI_IOMMU_HW_INFO_TYPE_INTEL_VTD);
	ck_assert_uint_eq(i.data_len, sizeof(v));
	ck_assert_uint_eq(i.out_max_pasid_log2, 20);
	/* no emulated device has ATS: ATS_NOT_SUPPORTED as on the real 7.3
	 * kernel with QEMU's edu */
	ck_assert_uint_eq(i.out_capabilities,
			  KABI_IOMMU_HW_CAP_PCI_PASID_EXEC |
				  KABI_IOMMU_HW_CAP_PCI_PASID_PRIV |
				  KABI_IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED);
	ck_assert_uint_eq((v.cap_reg >> 16) & 0x3f, 47);	/* MGAW 48 */
	ck_assert(v.ecap_reg & (1ULL << 40));			/* PASID */
	ck_assert(v.ecap_reg & (1ULL << 43));			/* SMTS */
	ck_assert(v.ecap_reg & (1ULL << 26));			/* NEST */
	ck_assert(v.ecap_reg & (1ULL << 47));			/* FLTS */
	ck_assert(v.ecap_reg & (1ULL << 46));			/* SLTS */
	ck_assert_uint_eq((v.ecap_reg >> 35) & 0x1f, 19);	/* PSS */
	ck_assert(!(v.ecap_reg & (1ULL << 45)));		/* no SLADS */
	ck_assert_uint_eq(v.flags, KABI_IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17);
	ck_assert_int_eq(hw_info(&d2, &i, &v, sizeof(v)), 0);
	ck_assert_uint_eq(i.out_max_pasid_log2, 0);
	ck_assert_uint_eq(i.out_capabilities,
			  KABI_IOMMU_HW_CAP_DIRTY_TRACKING | (1u << 3));
	ck_assert(v.ecap_reg & (1ULL << 45));			/* SLADS */
}
END_TEST

START_TEST(t_hw_info_smmuv3)
{
	struct kabi_iommu_hw_info_arm_smmuv3 s;
	struct kabi_iommu_hw_info i;
	struct bdev d, d2;

	add("0000:00:04.0", EMU_IOMMU_SMMUV3, 20, 1);
	add("0000:00:05.0", EMU_IOMMU_SMMUV3, 0, 2);
	d = bound(ictx, 0);
	d2 = bound(ictx, 1);
	ck_assert_int_eq(hw_info(&d, &i, &s, sizeof(s)), 0);
	ck_assert_uint_eq(i.out_data_type, KABI_IOMMU_HW_INFO_TYPE_ARM_SMMUV3);
	ck_assert_uint_eq(i.data_len, 40);
	ck_assert_uint_eq(s.idr[0] & 3, 3);			/* S1P S2P */
	ck_assert_uint_eq((s.idr[1] >> 6) & 0x1f, 20);		/* SSIDSIZE */
	ck_assert_int_eq(hw_info(&d2, &i, &s, sizeof(s)), 0);
	ck_assert_uint_eq((s.idr[1] >> 6) & 0x1f, 0);
	ck_assert_uint_eq(i.out_max_pasid_log2, 0);
}
END_TEST

START_TEST(t_hw_info_amd)
{
	struct kabi_iommu_hw_info_amd a;
	struct kabi_iommu_hw_info i;
	struct bdev d;

	add("0000:00:04.0", EMU_IOMMU_AMD, 16, 1);
	d = bound(ictx, 0);
	ck_assert_int_eq(hw_info(&d, &i, &a, sizeof(a)), 0);
	ck_assert_uint_eq(i.out_data_type, KABI_IOMMU_HW_INFO_TYPE_AMD);
	ck_assert_uint_eq(i.data_len, 16);
	ck_assert(a.efr & (1ULL << 4));				/* GTSup */
	ck_assert_uint_eq((a.efr >> 32) & 0x1f, 16);		/* PASmax */
	ck_assert_uint_eq(i.out_max_pasid_log2, 16);
}
END_TEST

START_TEST(t_hw_info_virtio)
{
	struct kabi_iommu_hw_info i;
	uint8_t data[16];
	struct bdev d;

	add("0000:00:04.0", EMU_IOMMU_VIRTIO, 0, 1);
	d = bound(ictx, 0);
	memset(data, 0xaa, sizeof(data));
	ck_assert_int_eq(hw_info(&d, &i, data, sizeof(data)), 0);
	ck_assert_uint_eq(i.out_data_type, KABI_IOMMU_HW_INFO_TYPE_NONE);
	ck_assert_uint_eq(i.data_len, 0);
	ck_assert_uint_eq(data[0] | data[15], 0);	/* zeroed */
}
END_TEST

/* data_len: in = buffer, out = kernel size; the rest of a larger buffer is
 * zeroed; 0 probes. ENOENT for a bad dev_id; the input type. */
START_TEST(t_hw_info_data_len)
{
	struct kabi_iommu_hw_info i;
	uint8_t data[64];
	struct bdev d;

	add("0000:00:04.0", EMU_IOMMU_INTEL, 0, 1);
	d = bound(ictx, 0);
	memset(data, 0xaa, sizeof(data));
	ck_assert_int_eq(hw_info(&d, &i, data, 0), 0);
	ck_assert_uint_eq(i.data_len, 24);
	ck_assert_uint_eq(data[0], 0xaa);
	ck_assert_int_eq(hw_info(&d, &i, data, 8), 0);
	ck_assert_uint_eq(i.data_len, 24);
	ck_assert_uint_eq(data[0], 1);		/* flags: the erratum */
	ck_assert_uint_eq(data[8], 0xaa);	/* not past the buffer */
	ck_assert_int_eq(hw_info(&d, &i, data, sizeof(data)), 0);
	ck_assert_uint_eq(data[24] | data[63], 0);
	d.id = 99;
	ck_assert_int_eq(hw_info(&d, &i, data, 8), -ENOENT);
	d.id = 1;
	memset(&i, 0, sizeof(i));
	i.size = sizeof(i);
	i.dev_id = d.id;
	i.flags = KABI_IOMMU_HW_INFO_FLAG_INPUT_TYPE;
	i.in_data_type = KABI_IOMMU_HW_INFO_TYPE_ARM_SMMUV3;
	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_GET_HW_INFO, &i), -EOPNOTSUPP);
	i.in_data_type = KABI_IOMMU_HW_INFO_TYPE_INTEL_VTD;
	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_GET_HW_INFO, &i), 0);
}
END_TEST

/* ======================================================================
 * HWPT_ALLOC (kernel-rules §7)
 * ==================================================================== */

START_TEST(t_hwpt_alloc_errors)
{
	struct kabi_iommu_hwpt_alloc h = { .size = sizeof(h) };
	uint32_t ioas = ioas_new(ictx), hwpt;
	struct bdev d;

	add("0000:00:04.0", EMU_IOMMU_INTEL, 0, 1);
	d = bound(ictx, 0);
	ck_assert_int_eq(hwpt_alloc(ictx, 99, ioas, 0, &hwpt), -ENOENT);
	ck_assert_int_eq(hwpt_alloc(ictx, ioas, ioas, 0, &hwpt), -ENOENT);
	ck_assert_int_eq(hwpt_alloc(ictx, d.id, 99, 0, &hwpt), -EINVAL);
	ck_assert_int_eq(hwpt_alloc(ictx, d.id, d.id, 0, &hwpt), -EINVAL);
	ck_assert_int_eq(hwpt_alloc(ictx, d.id, ioas, 1u << 4, &hwpt),
			 -EOPNOTSUPP);
	ck_assert_int_eq(hwpt_alloc(ictx, d.id, ioas, F_DIRTY, &hwpt),
			 -EOPNOTSUPP);	/* no dirty tracking */
	ck_assert_int_eq(hwpt_alloc(ictx, d.id, ioas, F_FAULT, &hwpt),
			 -ENOENT);	/* no such fault queue */
	ck_assert_int_eq(hwpt_alloc(ictx, d.id, ioas, F_FAULT | F_NP, &hwpt),
			 -EOPNOTSUPP);
	ck_assert_int_eq(hwpt_alloc(ictx, d.id, ioas, F_NP, &hwpt), 0);
	/* a paging HWPT as pt_id asks for a nested one: needs data */
	ck_assert_int_eq(hwpt_alloc(ictx, d.id, hwpt, 0, NULL), -EOPNOTSUPP);
	h.dev_id = d.id;
	h.pt_id = ioas;
	h.data_type = KABI_IOMMU_HWPT_DATA_VTD_S1;
	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_HWPT_ALLOC, &h), -EINVAL);
	h.data_type = KABI_IOMMU_HWPT_DATA_NONE;
	h.data_len = 8;
	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_HWPT_ALLOC, &h), -EINVAL);
	h.data_type = KABI_IOMMU_HWPT_DATA_VTD_S1;
	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_HWPT_ALLOC, &h), -EOPNOTSUPP);
	ck_assert_uint_eq(emu_live_objects(), 3);
}
END_TEST

/* kernel-rules §7.2: the flag combinations per IOMMU, as measured */
START_TEST(t_hwpt_vendor_flags)
{
	static const struct {
		enum emu_iommu iommu;
		unsigned int log2;
		bool no_pasid_hwpt;
		uint32_t flags;
		int ret;
		uint64_t vtd_ecap_clear;
	} rows[] = {
		{ EMU_IOMMU_INTEL, 0, 0, F_PASID, 0 },	/* even without PASID */
		{ EMU_IOMMU_INTEL, 20, 0, F_NP | F_DIRTY | F_PASID, 0 },
		{ EMU_IOMMU_INTEL, 20, 1, F_PASID, -EOPNOTSUPP },
		/* PASID alone: first stage with FLTS, else second with SLTS */
		{ EMU_IOMMU_INTEL, 20, 0, F_PASID, 0, 1ULL << 47 },
		{ EMU_IOMMU_INTEL, 20, 0, F_PASID, 0, 1ULL << 46 },
		{ EMU_IOMMU_INTEL, 20, 0, F_PASID, -EOPNOTSUPP,
		  (1ULL << 46) | (1ULL << 47) },
		{ EMU_IOMMU_INTEL, 20, 0, F_NP, -EOPNOTSUPP, 1ULL << 46 },
		{ EMU_IOMMU_INTEL, 20, 0, F_PASID, 0, 1ULL << 43 }, /* legacy */
		{ EMU_IOMMU_SMMUV3, 0, 0, F_PASID, 0 },
		{ EMU_IOMMU_SMMUV3, 20, 0, F_DIRTY | F_PASID, 0 },
		{ EMU_IOMMU_SMMUV3, 20, 0, F_NP, 0 },
		{ EMU_IOMMU_SMMUV3, 20, 0, F_NP | F_PASID, -EOPNOTSUPP },
		{ EMU_IOMMU_SMMUV3, 20, 1, F_PASID, -EOPNOTSUPP },
		{ EMU_IOMMU_AMD, 16, 0, F_PASID, 0 },
		{ EMU_IOMMU_AMD, 0, 0, F_PASID, -EOPNOTSUPP },	/* QEMU AMD */
		{ EMU_IOMMU_AMD, 16, 0, F_PASID | F_DIRTY, -EOPNOTSUPP },
		{ EMU_IOMMU_AMD, 16, 0, F_PASID | F_NP, -EOPNOTSUPP },
		{ EMU_IOMMU_AMD, 16, 0, F_DIRTY, 0 },
		/* nest parent needs EFR2 GCR3TRPMode: not emulated (real 7.3
		 * kernel on QEMU's amd-iommu: EOPNOTSUPP) */
		{ EMU_IOMMU_AMD, 16, 0, F_NP, -EOPNOTSUPP },
		{ EMU_IOMMU_VIRTIO, 0, 0, F_PASID, -EOPNOTSUPP },
		{ EMU_IOMMU_VIRTIO, 0, 0, F_NP, -EOPNOTSUPP },
		{ EMU_IOMMU_VIRTIO, 0, 0, 0, 0 },
	};
	uint32_t ioas = ioas_new(ictx);
	size_t k;

	for (k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
		struct emu_dev_cfg c = {
			.iommu = rows[k].iommu, .pasid_log2 = rows[k].log2,
			.group = (int)k, .no_pasid_hwpt = rows[k].no_pasid_hwpt,
			.dirty = true, .vtd_ecap_clear = rows[k].vtd_ecap_clear,
		};
		char bdf[16];
		struct bdev d;
		uint32_t hwpt;
		int idx;

		snprintf(bdf, sizeof(bdf), "0000:01:%02zx.0", k);
		c.bdf = bdf;
		idx = emu_add_device(&c);
		ck_assert_int_ge(idx, 0);
		d = bound(ictx, idx);
		ck_assert_msg(hwpt_alloc(ictx, d.id, ioas, rows[k].flags,
					 &hwpt) == rows[k].ret, "row %zu", k);
		if (!rows[k].ret)
			ck_assert(emu_hwpt_pasid_capable(hwpt) ==
				  !!(rows[k].flags & F_PASID));
	}
}
END_TEST

/* explicit HWPTs are PASID-capable iff allocated so; auto ones never */
START_TEST(t_hwpt_kinds)
{
	uint32_t ioas = ioas_new(ictx), a, b, pt;
	struct bdev d;

	add("0000:00:04.0", EMU_IOMMU_INTEL, 20, 1);
	d = bound(ictx, 0);
	ck_assert_int_eq(hwpt_alloc(ictx, d.id, ioas, F_PASID, &a), 0);
	ck_assert_int_eq(hwpt_alloc(ictx, d.id, ioas, 0, &b), 0);
	ck_assert(emu_hwpt_pasid_capable(a));
	ck_assert(!emu_hwpt_pasid_capable(b));
	ck_assert(!emu_hwpt_is_auto(a));
	ck_assert_int_eq(attach(d.dfd, ioas, RID, &pt), 0);
	ck_assert_uint_ne(pt, a);	/* never picks an explicit one */
	ck_assert_uint_ne(pt, b);
	ck_assert(emu_hwpt_is_auto(pt));
	ck_assert(!emu_hwpt_pasid_capable(pt));
}
END_TEST

/* ======================================================================
 * VFIO cdev (kernel-rules §3, §4)
 * ==================================================================== */

START_TEST(t_vfio_before_bind)
{
	struct kabi_vfio_device_info info = { .argsz = sizeof(info) };
	uint8_t b;
	int fd;

	add("0000:00:04.0", EMU_IOMMU_INTEL, 0, 1);
	fd = open_dev(0);
	ck_assert_int_eq(attach(fd, 1, RID, NULL), -EINVAL);
	ck_assert_int_eq(detach(fd, RID), -EINVAL);
	ck_assert_int_eq(xioctl(fd, KABI_VFIO_DEVICE_GET_INFO, &info), -EINVAL);
	ck_assert_int_eq(xioctl(fd, 0x1234, &info), -EINVAL);
	ck_assert_int_eq(pasid_sys->pread(fd, &b, 1, 7ULL << 40), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_eq(pasid_sys->mmap(NULL, PG, PROT_READ, MAP_SHARED, fd,
					 0), MAP_FAILED);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(bind_dev(fd, ictx, NULL), 0);
	ck_assert_int_eq(xioctl(fd, 0x1234, &info), -ENOTTY);
}
END_TEST

START_TEST(t_bind_rules)
{
	struct kabi_vfio_device_bind_iommufd b = { .argsz = 15,
						   .iommufd = ictx };
	int fd, fd2, nfd = open("/dev/null", O_RDONLY);
	uint32_t id;

	add("0000:00:04.0", EMU_IOMMU_INTEL, 0, 1);
	fd = open_dev(0);
	fd2 = open_dev(0);
	ck_assert_int_eq(xioctl(fd, KABI_VFIO_DEVICE_BIND_IOMMUFD, &b),
			 -EINVAL);
	b.argsz = sizeof(b);
	b.flags = 2;
	ck_assert_int_eq(xioctl(fd, KABI_VFIO_DEVICE_BIND_IOMMUFD, &b),
			 -EINVAL);
	b.flags = KABI_VFIO_DEVICE_BIND_FLAG_TOKEN;
	/* the UUID is read first: NULL token_uuid_ptr (real 7.3: EFAULT) */
	ck_assert_int_eq(xioctl(fd, KABI_VFIO_DEVICE_BIND_IOMMUFD, &b),
			 -EFAULT);
	b.token_uuid_ptr = (uintptr_t)&id;	/* a UUID, but no VF here */
	ck_assert_int_eq(xioctl(fd, KABI_VFIO_DEVICE_BIND_IOMMUFD, &b),
			 -EINVAL);
	b.token_uuid_ptr = 0;
	ck_assert_int_eq(xioctl(fd, KABI_VFIO_DEVICE_BIND_IOMMUFD, NULL),
			 -EFAULT);
	ck_assert_int_eq(bind_dev(fd, -1, &id), -EINVAL);
	ck_assert_int_eq(bind_dev(fd, 1000, &id), -EBADF);
	ck_assert_int_eq(bind_dev(fd, nfd, &id), -EBADFD);
	ck_assert_int_eq(bind_dev(fd, fd2, &id), -EBADFD);	/* a vfio fd */
	ck_assert_uint_eq(emu_live_objects(), 0);
	/* the pre-6.17 size works */
	b.argsz = KABI_VFIO_DEVICE_BIND_IOMMUFD_SZ_NOTOKEN;
	b.flags = 0;
	ck_assert_int_eq(xioctl(fd, KABI_VFIO_DEVICE_BIND_IOMMUFD, &b), 0);
	ck_assert_uint_eq(b.out_devid, 1);
	ck_assert_int_eq(bind_dev(fd, ictx, &id), -EINVAL);	/* twice */
	ck_assert_int_eq(bind_dev(fd2, ictx, &id), -EINVAL);	/* other file */
	ck_assert_uint_eq(emu_live_objects(), 1);
	close(nfd);
}
END_TEST

/* a group has one DMA owner: siblings bind to the same context, and a
 * sibling driven by a kernel driver blocks the group */
START_TEST(t_bind_group_owner)
{
	struct emu_dev_cfg c = { .bdf = "0000:00:06.0", .group = 3,
				 .driver = "nvme" };
	int ictx2 = xopen("/dev/iommu"), fd;
	struct bdev a;

	add("0000:00:04.0", EMU_IOMMU_INTEL, 0, 1);
	add("0000:00:05.0", EMU_IOMMU_INTEL, 0, 1);
	add("0000:00:07.0", EMU_IOMMU_INTEL, 0, 3);
	ck_assert_int_eq(emu_add_device(&c), 3);
	a = bound(ictx, 0);
	fd = open_dev(1);
	ck_assert_int_eq(bind_dev(fd, ictx2, NULL), -EBUSY);
	ck_assert_int_eq(bind_dev(fd, ictx, NULL), 0);
	fd = open_dev(2);
	ck_assert_int_eq(bind_dev(fd, ictx, NULL), -EBUSY);
	(void)a;
}
END_TEST

START_TEST(t_attach_rid)
{
	struct kabi_vfio_device_attach_iommufd_pt at = { .argsz = 11 };
	uint32_t ioas = ioas_new(ictx), hwpt, pt;
	struct bdev d;

	add("0000:00:04.0", EMU_IOMMU_INTEL, 0, 1);
	d = bound(ictx, 0);
	at.pt_id = ioas;
	ck_assert_int_eq(xioctl(d.dfd, KABI_VFIO_DEVICE_ATTACH_IOMMUFD_PT,
				&at), -EINVAL);
	at.argsz = KABI_VFIO_DEVICE_ATTACH_IOMMUFD_PT_SZ_NOPASID;
	at.flags = 2;
	ck_assert_int_eq(xioctl(d.dfd, KABI_VFIO_DEVICE_ATTACH_IOMMUFD_PT,
				&at), -EINVAL);
	ck_assert_int_eq(attach(d.dfd, 99, RID, &pt), -ENOENT);
	ck_assert_int_eq(attach(d.dfd, d.id, RID, &pt), -EINVAL);
	/* the pre-6.15 size works for the RID */
	at.flags = 0;
	ck_assert_int_eq(xioctl(d.dfd, KABI_VFIO_DEVICE_ATTACH_IOMMUFD_PT,
				&at), 0);
	ck_assert_uint_ne(at.pt_id, ioas);	/* the auto HWPT */
	ck_assert(emu_hwpt_is_auto(at.pt_id));
	ck_assert_int_eq(emu_rid_pt(0, &pt), 0);
	ck_assert_uint_eq(pt, at.pt_id);
	ck_assert_int_eq(hwpt_alloc(ictx, d.id, ioas, 0, &hwpt), 0);
	ck_assert_int_eq(attach(d.dfd, hwpt, RID, &pt), 0);
	ck_assert_uint_eq(pt, hwpt);
	ck_assert_uint_eq(emu_live_objects(), 3);	/* auto one gone */
}
END_TEST

/* auto HWPTs are shared per (IOAS, IOMMU instance) */
START_TEST(t_auto_shared)
{
	uint32_t ioas = ioas_new(ictx), p0, p1, p2;
	struct bdev a, b, c;

	add("0000:00:04.0", EMU_IOMMU_INTEL, 0, 1);
	add("0000:00:05.0", EMU_IOMMU_INTEL, 0, 2);
	add("0000:00:06.0", EMU_IOMMU_SMMUV3, 0, 3);
	a = bound(ictx, 0);
	b = bound(ictx, 1);
	c = bound(ictx, 2);
	ck_assert_int_eq(attach(a.dfd, ioas, RID, &p0), 0);
	ck_assert_int_eq(attach(b.dfd, ioas, RID, &p1), 0);
	ck_assert_int_eq(attach(c.dfd, ioas, RID, &p2), 0);
	ck_assert_uint_eq(p0, p1);
	ck_assert_uint_ne(p0, p2);
	/* an Intel HWPT on an SMMUv3 device: another IOMMU, EINVAL */
	ck_assert_int_eq(attach(c.dfd, p0, RID, NULL), -EINVAL);
	ck_assert_int_eq(detach(a.dfd, RID), 0);
	ck_assert(emu_hwpt_is_auto(p0));		/* b still uses it */
	ck_assert_int_eq(detach(b.dfd, RID), 0);
	ck_assert(!emu_hwpt_is_auto(p0));		/* gone */
}
END_TEST

/* kernel-rules §4.1: a second attach replaces, atomically */
START_TEST(t_replace)
{
	uint32_t ioas = ioas_new(ictx), ioas2 = ioas_new(ictx), h1, h2, pt;
	uint8_t *buf = pages(1);
	uint64_t iova = 0xfee00000;
	struct bdev d;

	add("0000:00:04.0", EMU_IOMMU_INTEL, 0, 1);
	d = bound(ictx, 0);
	ck_assert_int_eq(hwpt_alloc(ictx, d.id, ioas, 0, &h1), 0);
	ck_assert_int_eq(hwpt_alloc(ictx, d.id, ioas2, 0, &h2), 0);
	ck_assert_int_eq(attach(d.dfd, h1, RID, NULL), 0);
	ck_assert_int_eq(attach(d.dfd, h1, RID, NULL), 0);	/* same: ok */
	ck_assert_int_eq(attach(d.dfd, h2, RID, NULL), 0);
	ck_assert_int_eq(emu_rid_pt(0, &pt), 0);
	ck_assert_uint_eq(pt, h2);
	ck_assert_int_eq(destroy(ictx, h1), 0);
	/* the reserved region moved with the RID to ioas2 */
	ck_assert_int_eq(map(ictx, ioas, buf, PG, RW | FIXED, &iova), 0);
	ck_assert_int_eq(map(ictx, ioas2, buf, PG, RW | FIXED, &iova),
			 -EINVAL);
	/* replacing onto an IOAS whose maps hit the window fails, and the
	 * old attachment stays */
	ck_assert_int_eq(attach(d.dfd, ioas, RID, NULL), -EADDRINUSE);
	ck_assert_int_eq(emu_rid_pt(0, &pt), 0);
	ck_assert_uint_eq(pt, h2);
	ck_assert_uint_eq(emu_live_objects(), 4);
	ck_assert_int_eq(unmap(ictx, ioas, 0, UINT64_MAX, NULL), 0);
	ck_assert_int_eq(attach(d.dfd, ioas, RID, &pt), 0);
	ck_assert(emu_hwpt_is_auto(pt));
	ck_assert_int_eq(map(ictx, ioas2, buf, PG, RW | FIXED, &iova), 0);
	munmap(buf, PG);
}
END_TEST

START_TEST(t_detach)
{
	struct kabi_vfio_device_detach_iommufd_pt de = { .argsz = 7 };
	uint32_t ioas = ioas_new(ictx), pt;
	struct bdev d;

	add("0000:00:04.0", EMU_IOMMU_INTEL, 8, 1);
	d = bound(ictx, 0);
	ck_assert_int_eq(detach(d.dfd, RID), 0);	/* nothing attached */
	ck_assert_int_eq(detach(d.dfd, 5), 0);
	ck_assert_int_eq(xioctl(d.dfd, KABI_VFIO_DEVICE_DETACH_IOMMUFD_PT,
				&de), -EINVAL);
	de.argsz = KABI_VFIO_DEVICE_DETACH_IOMMUFD_PT_SZ_NOPASID;
	de.flags = KABI_VFIO_DEVICE_DETACH_PASID;
	ck_assert_int_eq(xioctl(d.dfd, KABI_VFIO_DEVICE_DETACH_IOMMUFD_PT,
				&de), -EINVAL);
	de.flags = 2;
	ck_assert_int_eq(xioctl(d.dfd, KABI_VFIO_DEVICE_DETACH_IOMMUFD_PT,
				&de), -EINVAL);
	de.flags = 0;
	ck_assert_int_eq(attach(d.dfd, ioas, RID, NULL), 0);
	ck_assert_int_eq(xioctl(d.dfd, KABI_VFIO_DEVICE_DETACH_IOMMUFD_PT,
				&de), 0);
	ck_assert_int_eq(emu_rid_pt(0, &pt), 0);
	ck_assert_uint_eq(pt, 0);
	ck_assert_uint_eq(emu_live_objects(), 2);
}
END_TEST

/* kernel-rules §4.2: every device of a group on the same HWPT; the first attach
 * programs the group, so a sibling's DMA already translates */
START_TEST(t_group_same_hwpt)
{
	uint32_t ioas = ioas_new(ictx), h1, h2, pt;
	uint8_t *buf = pages(1);
	uint64_t iova = 0x10000;
	struct bdev a, b;

	add("0000:00:04.0", EMU_IOMMU_INTEL, 0, 1);
	add("0000:00:05.0", EMU_IOMMU_INTEL, 0, 1);
	a = bound(ictx, 0);
	b = bound(ictx, 1);
	ck_assert_int_eq(map(ictx, ioas, buf, PG, RW | FIXED, &iova), 0);
	ck_assert_int_eq(hwpt_alloc(ictx, a.id, ioas, 0, &h1), 0);
	ck_assert_int_eq(hwpt_alloc(ictx, a.id, ioas, 0, &h2), 0);
	ck_assert_int_eq(attach(a.dfd, h1, RID, NULL), 0);
	ck_assert_int_eq(emu_dma_write(1, 0, 0x10000, "g", 2), 0);
	ck_assert_str_eq((char *)buf, "g");
	ck_assert_int_eq(emu_rid_pt(1, &pt), 0);
	ck_assert_uint_eq(pt, 0);	/* b did not attach itself */
	ck_assert_int_eq(attach(b.dfd, h2, RID, NULL), -EINVAL);
	ck_assert_int_eq(attach(b.dfd, ioas, RID, NULL), -EINVAL);
	ck_assert_uint_eq(emu_live_objects(), 5);	/* no auto HWPT */
	ck_assert_int_eq(attach(b.dfd, h1, RID, NULL), 0);
	/* a replace moves the whole group */
	ck_assert_int_eq(attach(b.dfd, h2, RID, NULL), 0);
	ck_assert_int_eq(emu_rid_pt(0, &pt), 0);
	ck_assert_uint_eq(pt, h2);
	ck_assert_int_eq(destroy(ictx, h1), 0);
	ck_assert_int_eq(detach(a.dfd, RID), 0);
	ck_assert_int_eq(emu_dma_write(0, 0, 0x10000, "h", 2), 0);
	ck_assert_int_eq(detach(b.dfd, RID), 0);
	ck_assert_int_eq(emu_dma_write(0, 0, 0x10000, "h", 2), -EFAULT);
	munmap(buf, PG);
}
END_TEST

/* ======================================================================
 * The PASID rules of kernel-rules §4.3 and the PASID values of §4.4
 * ==================================================================== */

/* a device with PASIDs, the RID on a PASID-capable HWPT of ioas */
struct pasid_env {
	struct bdev d;
	uint32_t ioas, rid_hwpt, hwpt;
};

static struct pasid_env pasid_env(unsigned int log2)
{
	struct pasid_env e;

	add("0000:00:04.0", EMU_IOMMU_INTEL, log2, 1);
	e.d = bound(ictx, 0);
	e.ioas = ioas_new(ictx);
	ck_assert_int_eq(hwpt_alloc(ictx, e.d.id, e.ioas, F_PASID,
				    &e.rid_hwpt), 0);
	ck_assert_int_eq(hwpt_alloc(ictx, e.d.id, e.ioas, F_PASID, &e.hwpt),
			 0);
	ck_assert_int_eq(attach(e.d.dfd, e.rid_hwpt, RID, NULL), 0);
	return e;
}

START_TEST(t_pasid_ioas)		/* row: IOAS pt_id -> EINVAL */
{
	struct pasid_env e = pasid_env(20);
	unsigned int objs = emu_live_objects();
	uint32_t pt;

	ck_assert_int_eq(attach(e.d.dfd, e.ioas, 1, NULL), -EINVAL);
	ck_assert_uint_eq(emu_live_objects(), objs);
	ck_assert_int_eq(emu_pasid_pt(0, 1, &pt), 0);
	ck_assert_uint_eq(pt, 0);
}
END_TEST

START_TEST(t_pasid_hwpt_not_capable)	/* row: HWPT without ALLOC_PASID */
{
	struct pasid_env e = pasid_env(20);
	uint32_t h;

	ck_assert_int_eq(hwpt_alloc(ictx, e.d.id, e.ioas, 0, &h), 0);
	ck_assert_int_eq(attach(e.d.dfd, h, 1, NULL), -EINVAL);
}
END_TEST

/* row: the RID on a non-PASID-compatible HWPT (auto included) -> EINVAL;
 * measured on the Intel, AMD and virtio vIOMMUs and the mock IOMMU
 * (doc/vm-testing.md) */
START_TEST(t_pasid_rid_auto)
{
	struct pasid_env e = pasid_env(20);
	uint32_t pt;

	ck_assert_int_eq(attach(e.d.dfd, e.ioas, RID, &pt), 0);
	ck_assert(emu_hwpt_is_auto(pt));
	ck_assert_int_eq(attach(e.d.dfd, e.hwpt, 1, NULL), -EINVAL);
	/* RID replaced onto a PASID-flagged HWPT: then it works */
	ck_assert_int_eq(attach(e.d.dfd, e.rid_hwpt, RID, NULL), 0);
	ck_assert_int_eq(attach(e.d.dfd, e.hwpt, 1, NULL), 0);
	ck_assert_int_eq(emu_pasid_pt(0, 1, &pt), 0);
	ck_assert_uint_eq(pt, e.hwpt);
	/* detached RID: PASID attach is fine too */
	ck_assert_int_eq(detach(e.d.dfd, RID), 0);
	ck_assert_int_eq(attach(e.d.dfd, e.hwpt, 2, NULL), 0);
}
END_TEST

/* row: RID attach/replace to a non-PASID-compatible HWPT while PASIDs are
 * attached -> EINVAL, and the RID stays where it was */
START_TEST(t_rid_replace_with_pasids)
{
	struct pasid_env e = pasid_env(20);
	uint32_t h, pt;

	ck_assert_int_eq(attach(e.d.dfd, e.hwpt, 5, NULL), 0);
	ck_assert_int_eq(hwpt_alloc(ictx, e.d.id, e.ioas, 0, &h), 0);
	ck_assert_int_eq(attach(e.d.dfd, h, RID, NULL), -EINVAL);
	ck_assert_int_eq(attach(e.d.dfd, e.ioas, RID, NULL), -EINVAL);
	ck_assert_int_eq(emu_rid_pt(0, &pt), 0);
	ck_assert_uint_eq(pt, e.rid_hwpt);
	ck_assert_int_eq(detach(e.d.dfd, RID), 0);
	ck_assert_int_eq(attach(e.d.dfd, h, RID, NULL), -EINVAL);
	ck_assert_int_eq(detach(e.d.dfd, 5), 0);
	ck_assert_int_eq(attach(e.d.dfd, h, RID, NULL), 0);
}
END_TEST

/*
 * PASID 0 with the PASID flag is IOMMU_NO_PASID inside iommufd (real 7.3
 * kernel, tests/conformance): EBUSY while the RID is attached; without it,
 * the RID gets attached through the PASID path (and a plain RID attach is
 * then EBUSY); detaching PASID 0 detaches the RID.
 */
START_TEST(t_pasid_zero)
{
	struct pasid_env e = pasid_env(20);
	uint32_t pt;

	ck_assert_int_eq(attach(e.d.dfd, e.hwpt, 0, NULL), -EBUSY);
	ck_assert_int_eq(detach(e.d.dfd, RID), 0);
	ck_assert_int_eq(attach(e.d.dfd, e.hwpt, 0, NULL), 0);
	ck_assert_int_eq(emu_rid_pt(0, &pt), 0);
	ck_assert_uint_eq(pt, e.hwpt);
	ck_assert_int_eq(attach(e.d.dfd, e.rid_hwpt, RID, NULL), -EBUSY);
	ck_assert_int_eq(detach(e.d.dfd, 0), 0);
	ck_assert_int_eq(emu_rid_pt(0, &pt), 0);
	ck_assert_uint_eq(pt, 0);
}
END_TEST

/* kernel-rules §4.4: 1 <= pasid < 2^max_pasid_log2 */
START_TEST(t_pasid_range)
{
	struct pasid_env e = pasid_env(8);

	ck_assert_int_eq(attach(e.d.dfd, e.hwpt, 256, NULL), -EINVAL);
	ck_assert_int_eq(attach(e.d.dfd, e.hwpt, 255, NULL), 0);
	ck_assert_int_eq(attach(e.d.dfd, e.hwpt, 0x100000, NULL), -EINVAL);
}
END_TEST

/* kernel-rules §4.4 (measured): with max_pasid_log2 = 0 the kernel skips
 * the device: the attach succeeds and nothing is programmed */
START_TEST(t_pasid_no_width)
{
	struct pasid_env e = pasid_env(0);
	uint8_t *buf = pages(1);
	uint64_t iova = 0x10000;
	uint32_t pt;

	ck_assert_int_eq(map(ictx, e.ioas, buf, PG, RW | FIXED, &iova), 0);
	ck_assert_int_eq(attach(e.d.dfd, e.hwpt, 0x100000, NULL), 0);
	ck_assert_int_eq(emu_pasid_pt(0, 0x100000, &pt), 0);
	ck_assert_uint_eq(pt, e.hwpt);
	ck_assert_int_eq(destroy(ictx, e.hwpt), -EBUSY);
	ck_assert_int_eq(emu_dma_write(0, 0x100000, 0x10000, "x", 1), -EFAULT);
	ck_assert_int_eq(emu_dma_write(0, 0, 0x10000, "x", 1), 0);
	munmap(buf, PG);
}
END_TEST

/* a PASID attached again is a replace (VFIO tracks it) */
START_TEST(t_pasid_replace)
{
	struct pasid_env e = pasid_env(20);
	uint32_t h3, pt;

	ck_assert_int_eq(hwpt_alloc(ictx, e.d.id, e.ioas, F_PASID, &h3), 0);
	ck_assert_int_eq(attach(e.d.dfd, e.hwpt, 9, &pt), 0);
	ck_assert_uint_eq(pt, e.hwpt);
	ck_assert_int_eq(attach(e.d.dfd, h3, 9, &pt), 0);
	ck_assert_int_eq(emu_pasid_pt(0, 9, &pt), 0);
	ck_assert_uint_eq(pt, h3);
	ck_assert_int_eq(destroy(ictx, e.hwpt), 0);
	/* a failing replace keeps the old one */
	ck_assert_int_eq(attach(e.d.dfd, e.ioas, 9, NULL), -EINVAL);
	ck_assert_int_eq(emu_pasid_pt(0, 9, &pt), 0);
	ck_assert_uint_eq(pt, h3);
}
END_TEST

/* one PASID of a group: the same HWPT for every device of the group. The
 * 7.3 iommufd code answers EINVAL (its per-group "different HWPT" check),
 * not the EBUSY of the core's pasid_array, which it never reaches. */
START_TEST(t_pasid_group)
{
	uint32_t ioas = ioas_new(ictx), h1, h2, pt;
	struct bdev a, b;

	add("0000:00:04.0", EMU_IOMMU_INTEL, 20, 1);
	add("0000:00:05.0", EMU_IOMMU_INTEL, 20, 1);
	a = bound(ictx, 0);
	b = bound(ictx, 1);
	ck_assert_int_eq(hwpt_alloc(ictx, a.id, ioas, F_PASID, &h1), 0);
	ck_assert_int_eq(hwpt_alloc(ictx, a.id, ioas, F_PASID, &h2), 0);
	ck_assert_int_eq(attach(a.dfd, h1, 7, NULL), 0);
	ck_assert_int_eq(attach(b.dfd, h2, 7, NULL), -EINVAL);
	ck_assert_int_eq(emu_pasid_pt(1, 7, &pt), 0);
	ck_assert_uint_eq(pt, 0);
	ck_assert_int_eq(attach(b.dfd, h1, 7, NULL), 0);
	ck_assert_int_eq(attach(b.dfd, h2, 8, NULL), 0);
	ck_assert_int_eq(detach(a.dfd, 7), 0);
	ck_assert_int_eq(emu_pasid_pt(1, 7, &pt), 0);
	ck_assert_uint_eq(pt, h1);
}
END_TEST

START_TEST(t_pasid_argsz)
{
	struct pasid_env e = pasid_env(20);
	struct kabi_vfio_device_attach_iommufd_pt at = {
		.argsz = KABI_VFIO_DEVICE_ATTACH_IOMMUFD_PT_SZ_NOPASID,
		.flags = KABI_VFIO_DEVICE_ATTACH_PASID,
	};

	at.pt_id = e.hwpt;
	at.pasid = 3;
	ck_assert_int_eq(xioctl(e.d.dfd, KABI_VFIO_DEVICE_ATTACH_IOMMUFD_PT,
				&at), -EINVAL);
}
END_TEST

/* only vfio-pci itself has the PASID ops in 7.3 */
START_TEST(t_pasid_variant_driver)
{
	struct emu_dev_cfg c = { .bdf = "0000:00:04.0", .pasid_log2 = 20,
				 .group = 1, .driver = "mlx5_vfio_pci" };
	uint32_t ioas = ioas_new(ictx), h;
	struct bdev d;

	ck_assert_int_eq(emu_add_device(&c), 0);
	d = bound(ictx, 0);
	ck_assert_int_eq(hwpt_alloc(ictx, d.id, ioas, F_PASID, &h), 0);
	ck_assert_int_eq(attach(d.dfd, h, RID, NULL), 0);
	ck_assert_int_eq(attach(d.dfd, h, 1, NULL), -EOPNOTSUPP);
	ck_assert_int_eq(detach(d.dfd, 1), -EOPNOTSUPP);
}
END_TEST

/* PASID attach does not enforce the device's reserved regions (only the
 * RID does, 7.3 device.c attach_resv) */
START_TEST(t_pasid_no_resv)
{
	uint32_t ioas = ioas_new(ictx), ioas2 = ioas_new(ictx), h, hr;
	uint8_t *buf = pages(1);
	uint64_t iova = 0xfee00000;
	struct bdev d;

	add("0000:00:04.0", EMU_IOMMU_INTEL, 20, 1);
	d = bound(ictx, 0);
	ck_assert_int_eq(map(ictx, ioas, buf, PG, RW | FIXED, &iova), 0);
	ck_assert_int_eq(hwpt_alloc(ictx, d.id, ioas, F_PASID, &h), 0);
	ck_assert_int_eq(hwpt_alloc(ictx, d.id, ioas2, F_PASID, &hr), 0);
	ck_assert_int_eq(attach(d.dfd, h, RID, NULL), -EADDRINUSE);
	ck_assert_int_eq(attach(d.dfd, hr, RID, NULL), 0);
	ck_assert_int_eq(attach(d.dfd, h, 4, NULL), 0);
	ck_assert_int_eq(emu_dma_write(0, 4, 0xfee00000, "m", 2), 0);
	ck_assert_str_eq((char *)buf, "m");
	munmap(buf, PG);
}
END_TEST

/* IOMMUs that cannot do PASID (kernel-rules §4.3, §7.2: virtio, AMD v1) */
START_TEST(t_pasid_no_iommu_support)
{
	uint32_t ioas = ioas_new(ictx), h;
	struct bdev v, a;

	add("0000:00:04.0", EMU_IOMMU_VIRTIO, 0, 1);
	add("0000:00:05.0", EMU_IOMMU_AMD, 0, 2);
	v = bound(ictx, 0);
	a = bound(ictx, 1);
	ck_assert_int_eq(hwpt_alloc(ictx, v.id, ioas, F_PASID, &h),
			 -EOPNOTSUPP);
	ck_assert_int_eq(hwpt_alloc(ictx, a.id, ioas, F_PASID, &h),
			 -EOPNOTSUPP);
	/* and a PASID-capable HWPT of another IOMMU does not help */
	add("0000:00:06.0", EMU_IOMMU_INTEL, 20, 3);
	ck_assert_int_eq(hwpt_alloc(ictx, bound(ictx, 2).id, ioas, F_PASID, &h),
			 0);
	ck_assert_int_eq(attach(v.dfd, h, 1, NULL), -EOPNOTSUPP);
	ck_assert_int_eq(attach(a.dfd, h, 1, NULL), -EINVAL);
}
END_TEST

/*
 * AMD-Vi with v2 tables in 7.3 (kernel-rules §4.3 row 8): a PASID-capable
 * table is allocated and the RID attaches to it, but no PASID does, with
 * the RID on it or detached (amdv2_ops has no set_dev_pasid). The
 * amd_set_dev_pasid profile answers as a kernel that attaches them.
 */
START_TEST(t_pasid_amd_v2)
{
	struct emu_dev_cfg later = {
		.bdf = "0000:00:05.0", .iommu = EMU_IOMMU_AMD, .pasid_log2 = 16,
		.group = 2, .amd_set_dev_pasid = true,
	};
	uint32_t ioas = ioas_new(ictx), h, h2;
	struct bdev a, b;

	add("0000:00:04.0", EMU_IOMMU_AMD, 16, 1);
	ck_assert_int_ge(emu_add_device(&later), 0);
	a = bound(ictx, 0);
	b = bound(ictx, 1);
	ck_assert_int_eq(hwpt_alloc(ictx, a.id, ioas, F_PASID, &h), 0);
	ck_assert_int_eq(attach(a.dfd, h, 1, NULL), -EOPNOTSUPP);
	ck_assert_int_eq(attach(a.dfd, h, RID, NULL), 0);
	ck_assert_int_eq(attach(a.dfd, h, 1, NULL), -EOPNOTSUPP);
	ck_assert_int_eq(hwpt_alloc(ictx, b.id, ioas, F_PASID, &h2), 0);
	ck_assert_int_eq(attach(b.dfd, h2, 1, NULL), 0);
	ck_assert_int_eq(attach(b.dfd, h2, RID, NULL), 0);
}
END_TEST

/* closing the device detaches every PASID and the RID */
START_TEST(t_unbind_detaches)
{
	struct pasid_env e = pasid_env(20);

	ck_assert_int_eq(attach(e.d.dfd, e.hwpt, 1, NULL), 0);
	ck_assert_int_eq(attach(e.d.dfd, e.hwpt, 2, NULL), 0);
	ck_assert_int_eq(destroy(ictx, e.hwpt), -EBUSY);
	ck_assert_int_eq(pasid_sys->close(e.d.dfd), 0);
	ck_assert_int_eq(destroy(ictx, e.hwpt), 0);
	ck_assert_int_eq(destroy(ictx, e.rid_hwpt), 0);
	ck_assert_int_eq(destroy(ictx, e.ioas), 0);
	ck_assert_uint_eq(emu_live_objects(), 0);
}
END_TEST

/* ======================================================================
 * DMA
 * ==================================================================== */

/* doc/vm-testing.md: an untagged DMA lands in the RID's address space, one
 * tagged with P in P's (same IOVA, different buffers); unattached and
 * detached PASIDs are blocked */
START_TEST(t_dma_pasid)
{
	uint32_t ioas_rid = ioas_new(ictx), ioas_p = ioas_new(ictx), hr, hp;
	uint8_t *rbuf = pages(1), *pbuf = pages(1), got[8];
	uint64_t iova = 0x10000;
	struct bdev d;

	add("0000:00:04.0", EMU_IOMMU_INTEL, 20, 1);
	d = bound(ictx, 0);
	ck_assert_int_eq(map(ictx, ioas_rid, rbuf, PG, RW | FIXED, &iova), 0);
	ck_assert_int_eq(map(ictx, ioas_p, pbuf, PG, RW | FIXED, &iova), 0);
	ck_assert_int_eq(hwpt_alloc(ictx, d.id, ioas_rid, F_PASID, &hr), 0);
	ck_assert_int_eq(hwpt_alloc(ictx, d.id, ioas_p, F_PASID, &hp), 0);
	ck_assert_int_eq(emu_dma_write(0, 0, 0x10000, "r", 2), -EFAULT);
	ck_assert_int_eq(attach(d.dfd, hr, RID, NULL), 0);
	ck_assert_int_eq(attach(d.dfd, hp, 0x1234, NULL), 0);
	ck_assert_int_eq(emu_dma_write(0, 0, 0x10000, "rid", 4), 0);
	ck_assert_int_eq(emu_dma_write(0, 0x1234, 0x10000, "pas", 4), 0);
	ck_assert_str_eq((char *)rbuf, "rid");
	ck_assert_str_eq((char *)pbuf, "pas");
	ck_assert_int_eq(emu_dma_read(0, 0x1234, 0x10000, got, 4), 0);
	ck_assert_str_eq((char *)got, "pas");
	ck_assert_int_eq(emu_dma_write(0, 0x1235, 0x10000, "x", 1), -EFAULT);
	ck_assert_int_eq(emu_dma_write(0, 0x100000, 0x10000, "x", 1),
			 -EFAULT);
	ck_assert_int_eq(detach(d.dfd, 0x1234), 0);
	ck_assert_int_eq(emu_dma_write(0, 0x1234, 0x10000, "x", 1), -EFAULT);
	ck_assert_int_eq(emu_dma_write(7, 0, 0x10000, "x", 1), -ENODEV);
	munmap(rbuf, PG);
	munmap(pbuf, PG);
}
END_TEST

START_TEST(t_dma_faults)
{
	uint32_t ioas = ioas_new(ictx);
	uint8_t *buf = pages(3), got[3 * PG];
	uint64_t iova = 0x10000;
	struct bdev d;

	add("0000:00:04.0", EMU_IOMMU_INTEL, 0, 1);
	d = bound(ictx, 0);
	ck_assert_int_eq(attach(d.dfd, ioas, RID, NULL), 0);
	ck_assert_int_eq(map(ictx, ioas, buf, PG, RW | FIXED, &iova), 0);
	iova = 0x11000;
	ck_assert_int_eq(map(ictx, ioas, buf + PG, PG, RD | FIXED, &iova), 0);
	ck_assert_int_eq(emu_dma_write(0, 0, 0x10ffe, "abcd", 4), -EPERM);
	ck_assert_uint_eq(buf[PG - 2], 0);	/* a faulting DMA moves nothing */
	ck_assert_int_eq(emu_dma_read(0, 0, 0x10000, got, 2 * PG), 0);
	ck_assert_int_eq(emu_dma_read(0, 0, 0x10000, got, 2 * PG + 1),
			 -EFAULT);
	ck_assert_int_eq(emu_dma_write(0, 0, 0x20000, "x", 1), -EFAULT);
	ck_assert_int_eq(unmap(ictx, ioas, 0x10000, PG, NULL), 0);
	ck_assert_int_eq(emu_dma_write(0, 0, 0x10000, "x", 1), -EFAULT);
	ck_assert_int_eq(detach(d.dfd, RID), 0);
	ck_assert_int_eq(emu_dma_read(0, 0, 0x11000, got, 1), -EFAULT);
	munmap(buf, 3 * PG);
}
END_TEST

/* ======================================================================
 * The vfio-pci device
 * ==================================================================== */

START_TEST(t_device_info)
{
	struct kabi_vfio_device_info info = { .argsz = 15 };
	struct kabi_vfio_region_info ri = { .argsz = sizeof(ri) };
	struct bdev d;

	add("0000:00:04.0", EMU_IOMMU_INTEL, 0, 1);
	d = bound(ictx, 0);
	ck_assert_int_eq(xioctl(d.dfd, KABI_VFIO_DEVICE_GET_INFO, &info),
			 -EINVAL);
	info.argsz = sizeof(info);
	ck_assert_int_eq(xioctl(d.dfd, KABI_VFIO_DEVICE_GET_INFO, &info), 0);
	ck_assert_uint_eq(info.flags, KABI_VFIO_DEVICE_FLAGS_PCI |
					      KABI_VFIO_DEVICE_FLAGS_RESET);
	ck_assert_uint_eq(info.num_regions, 9);
	ck_assert_uint_eq(info.num_irqs, 5);
	ri.index = KABI_VFIO_PCI_BAR0_REGION_INDEX;
	ck_assert_int_eq(xioctl(d.dfd, KABI_VFIO_DEVICE_GET_REGION_INFO, &ri),
			 0);
	ck_assert_uint_eq(ri.size, 4096);
	ck_assert(ri.flags & KABI_VFIO_REGION_INFO_FLAG_MMAP);
	ck_assert_uint_eq(ri.offset, 0);
	ri.index = KABI_VFIO_PCI_CONFIG_REGION_INDEX;
	ck_assert_int_eq(xioctl(d.dfd, KABI_VFIO_DEVICE_GET_REGION_INFO, &ri),
			 0);
	ck_assert_uint_eq(ri.size, 4096);
	ck_assert_uint_eq(ri.offset, 7ULL << 40);
	ck_assert(!(ri.flags & KABI_VFIO_REGION_INFO_FLAG_MMAP));
	ri.index = 2;
	ck_assert_int_eq(xioctl(d.dfd, KABI_VFIO_DEVICE_GET_REGION_INFO, &ri),
			 0);
	ck_assert_uint_eq(ri.size, 0);
	ri.index = 9;
	ck_assert_int_eq(xioctl(d.dfd, KABI_VFIO_DEVICE_GET_REGION_INFO, &ri),
			 -EINVAL);
	ri.index = 0;
	ri.argsz = 31;
	ck_assert_int_eq(xioctl(d.dfd, KABI_VFIO_DEVICE_GET_REGION_INFO, &ri),
			 -EINVAL);
	ck_assert_int_eq(xioctl(d.dfd, KABI_VFIO_DEVICE_RESET, NULL), 0);
}
END_TEST

START_TEST(t_config_bar)
{
	const off_t cfg = 7LL << 40;
	uint16_t v, cmd = KABI_PCI_COMMAND_MASTER;
	uint32_t hdr;
	volatile uint32_t *bar;
	struct bdev d;

	add("0000:00:04.0", EMU_IOMMU_INTEL, 20, 1);
	d = bound(ictx, 0);
	ck_assert_int_eq(pasid_sys->pread(d.dfd, &v, 2, cfg), 2);
	ck_assert_uint_eq(v, 0x1234);
	ck_assert_int_eq(pasid_sys->pread(d.dfd, &v, 2, cfg + 2), 2);
	ck_assert_uint_eq(v, 0x11e8);
	ck_assert_int_eq(pasid_sys->pwrite(d.dfd, &cmd, 2, cfg + 4), 2);
	ck_assert_int_eq(pasid_sys->pread(d.dfd, &v, 2, cfg + 4), 2);
	ck_assert_uint_eq(v, KABI_PCI_COMMAND_MASTER);
	ck_assert_int_eq(pasid_sys->pwrite(d.dfd, &cmd, 2, cfg), 2);
	ck_assert_int_eq(pasid_sys->pread(d.dfd, &v, 2, cfg), 2);
	ck_assert_uint_eq(v, 0x1234);		/* read-only */
	/* vfio-pci hides the PASID capability (kernel-rules §5.3) */
	ck_assert_int_eq(pasid_sys->pread(d.dfd, &hdr, 4, cfg + 0x100), 4);
	ck_assert_uint_eq(hdr, 0);
	ck_assert_int_eq(pasid_sys->pread(d.dfd, &hdr, 4, cfg + 4096), -1);
	ck_assert_int_eq(pasid_sys->pread(d.dfd, &hdr, 4, 3LL << 40), -1);
	/* BAR0: shared mmap and pread see the same memory */
	bar = pasid_sys->mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED,
			      d.dfd, 0);
	ck_assert_ptr_ne((void *)bar, MAP_FAILED);
	bar[2] = 0xcafe;
	ck_assert_int_eq(pasid_sys->pread(d.dfd, &hdr, 4, 8), 4);
	ck_assert_uint_eq(hdr, 0xcafe);
	ck_assert_int_eq(pasid_sys->munmap((void *)bar, PG), 0);
	ck_assert_ptr_eq(pasid_sys->mmap(NULL, PG, PROT_READ, MAP_PRIVATE,
					 d.dfd, 0), MAP_FAILED);
	ck_assert_ptr_eq(pasid_sys->mmap(NULL, PG, PROT_READ, MAP_SHARED,
					 d.dfd, cfg), MAP_FAILED);
	ck_assert_ptr_eq(pasid_sys->mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED,
					 d.dfd, 0), MAP_FAILED);
	ck_assert_ptr_eq(pasid_sys->mmap(NULL, PG, PROT_READ, MAP_SHARED,
					 ictx, 0), MAP_FAILED);
}
END_TEST

/* ======================================================================
 * Fault injection and counters
 * ==================================================================== */

START_TEST(t_fail_call)
{
	struct kabi_iommu_ioas_alloc a = { .size = sizeof(a) };
	unsigned int calls = emu_calls();

	emu_fail_call(1, ENOMEM);
	ck_assert_int_eq(xopen("/dev/iommu"), -ENOMEM);
	ck_assert_uint_eq(emu_open_fds(), 1);
	ck_assert_uint_eq(emu_calls(), calls + 1);
	ck_assert_int_ge(xopen("/dev/iommu"), 0);	/* one-shot */
	emu_fail_call(2, EIO);
	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_IOAS_ALLOC, &a), 0);
	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_IOAS_ALLOC, &a), -EIO);
	ck_assert_uint_eq(emu_live_objects(), 1);
	emu_fail_call(1, EIO);
	emu_fail_call(0, 0);				/* disabled */
	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_IOAS_ALLOC, &a), 0);
	/* non-kernel ops are not counted */
	calls = emu_calls();
	pasid_sys->close(pasid_sys->dup(ictx));
	ck_assert_uint_eq(emu_calls(), calls);
}
END_TEST

/*
 * The success path a library's "bind a PASID" would take. On any failure it
 * undoes what it did, like a correct library must; the loop below fails
 * each kernel call in turn and proves nothing is left behind.
 */
static int bind_flow(void *buf)
{
	uint32_t dev_id, ioas, h;
	uint64_t iova = 0;
	int c, d, ret;

	c = xopen("/dev/iommu");
	if (c < 0)
		return c;
	d = open_dev(0);
	if (d < 0) {
		ret = d;
		goto out_c;
	}
	ret = bind_dev(d, c, &dev_id);
	if (ret)
		goto out_d;
	{
		struct kabi_iommu_ioas_alloc a = { .size = sizeof(a) };

		ret = xioctl(c, KABI_IOMMU_IOAS_ALLOC, &a);
		ioas = a.out_ioas_id;
	}
	if (ret)
		goto out_d;
	ret = hwpt_alloc(c, dev_id, ioas, F_PASID, &h);
	if (ret)
		goto out_ioas;
	ret = attach(d, h, RID, NULL);
	if (ret)
		goto out_h;
	ret = attach(d, h, 1, NULL);
	if (ret)
		goto out_rid;
	ret = map(c, ioas, buf, PG, RW, &iova);
	if (ret)
		goto out_pasid;
	ret = emu_dma_write(0, 1, iova, "ok", 3);
	unmap(c, ioas, iova, PG, NULL);
out_pasid:
	detach(d, 1);
out_rid:
	detach(d, RID);
out_h:
	destroy(c, h);
out_ioas:
	destroy(c, ioas);
out_d:
	pasid_sys->close(d);
out_c:
	pasid_sys->close(c);
	return ret;
}

START_TEST(t_fail_loop)
{
	uint8_t *buf = pages(1);
	unsigned int n, total, objs, fds;
	unsigned long bytes;

	add("0000:00:04.0", EMU_IOMMU_INTEL, 20, 1);
	objs = emu_live_objects();
	fds = emu_open_fds();
	bytes = emu_mapped_bytes();
	total = emu_calls();
	ck_assert_int_eq(bind_flow(buf), 0);
	ck_assert_str_eq((char *)buf, "ok");
	total = emu_calls() - total;
	ck_assert_uint_eq(total, 8 + 5);	/* 8 to the DMA, 5 to undo */
	for (n = 1; n <= total; n++) {
		emu_fail_call(n, ENOMEM);
		/* a failed undo call does not fail the flow; closing the
		 * context cleans up after it */
		ck_assert_int_eq(bind_flow(buf) != 0, n <= 8);
		ck_assert_uint_eq(emu_live_objects(), objs);
		ck_assert_uint_eq(emu_open_fds(), fds);
		ck_assert_uint_eq(emu_mapped_bytes(), bytes);
	}
	emu_fail_call(0, 0);
	munmap(buf, PG);
}
END_TEST

START_TEST(t_counters)
{
	uint32_t a = ioas_new(ictx), b = ioas_new(ictx);
	uint8_t *buf = pages(4);
	uint64_t iova = 0;

	ck_assert_uint_eq(emu_live_objects(), 2);
	ck_assert_uint_eq(emu_open_fds(), 1);
	ck_assert_int_eq(map(ictx, a, buf, 4 * PG, RW, &iova), 0);
	ck_assert_uint_eq(emu_mapped_bytes(), 4 * PG);
	ck_assert_int_eq(copy(ictx, b, a, iova, 2 * PG, RW, &iova), 0);
	ck_assert_uint_eq(emu_mapped_bytes(), 6 * PG);
	ck_assert_int_eq(destroy(ictx, a), 0);	/* unmaps; b keeps its copy */
	ck_assert_uint_eq(emu_mapped_bytes(), 2 * PG);
	ck_assert_uint_eq(emu_live_objects(), 1);
	munmap(buf, 4 * PG);
}
END_TEST

/* ======================================================================
 * The fake sysfs tree (kernel-rules §5)
 * ==================================================================== */

static void check_link(const char *rel, const char *target)
{
	char path[PATH_MAX], buf[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", emu_sysfs_root(), rel);
	n = readlink(path, buf, sizeof(buf) - 1);
	ck_assert_msg(n > 0, "%s is not a link", rel);
	buf[n] = '\0';
	ck_assert_str_eq(buf, target);
	ck_assert_msg(access(path, F_OK) == 0, "%s dangles", rel);
}

static void check_file(const char *rel, const char *content)
{
	char path[PATH_MAX], buf[256] = { 0 };
	int fd;

	snprintf(path, sizeof(path), "%s/%s", emu_sysfs_root(), rel);
	fd = open(path, O_RDONLY);
	ck_assert_msg(fd >= 0, "%s missing", rel);
	ck_assert_int_ge(read(fd, buf, sizeof(buf) - 1), 0);
	close(fd);
	ck_assert_str_eq(buf, content);
}

static bool exists(const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", emu_sysfs_root(), rel);
	return access(path, F_OK) == 0;
}

START_TEST(t_sysfs_layout)
{
	struct emu_dev_cfg c = { .bdf = "0000:00:05.0", .group = 2,
				 .iommu = EMU_IOMMU_SMMUV3, .no_cdev = true };
	const char *dev = "devices/pci0000:00/0000:00:04.0";
	char path[PATH_MAX], rp[PATH_MAX], rp2[PATH_MAX];
	uint8_t cfg[4096];
	uint32_t hdr;
	uint16_t cap;
	int fd;

	add("0000:00:04.0", EMU_IOMMU_INTEL, 20, 7);
	ck_assert_int_eq(emu_add_device(&c), 1);
	c.bdf = "0000:00:06.0";
	c.no_cdev = false;
	c.driver = "";
	c.group = 3;
	ck_assert_int_eq(emu_add_device(&c), 2);

	check_link("devices/pci0000:00/0000:00:04.0/iommu",
		   "../../virtual/iommu/dmar0");
	check_link("devices/pci0000:00/0000:00:04.0/iommu_group",
		   "../../../kernel/iommu_groups/7");
	check_link("devices/pci0000:00/0000:00:04.0/driver",
		   "../../../bus/pci/drivers/vfio-pci");
	check_link("bus/pci/devices/0000:00:04.0",
		   "../../../devices/pci0000:00/0000:00:04.0");
	check_link("class/iommu/dmar0", "../../devices/virtual/iommu/dmar0");
	check_link("dev/char/511:0",
		   "../../devices/pci0000:00/0000:00:04.0/vfio-dev/vfio0");
	check_link("class/vfio-dev/vfio0",
		   "../../devices/pci0000:00/0000:00:04.0/vfio-dev/vfio0");
	check_link("kernel/iommu_groups/7/devices/0000:00:04.0",
		   "../../../../devices/pci0000:00/0000:00:04.0");
	check_link("devices/virtual/iommu/dmar0/devices/0000:00:04.0",
		   "../../../../pci0000:00/0000:00:04.0");
	check_link("bus/pci/drivers/vfio-pci/0000:00:04.0",
		   "../../../../devices/pci0000:00/0000:00:04.0");
	check_file("devices/pci0000:00/0000:00:04.0/vfio-dev/vfio0/dev",
		   "511:0\n");
	check_file("devices/pci0000:00/0000:00:04.0/vendor", "0x1234\n");
	check_file("devices/pci0000:00/0000:00:04.0/device", "0x11e8\n");
	check_file("kernel/iommu_groups/7/reserved_regions",
		   "0x00000000fee00000 0x00000000feefffff msi\n");
	check_file("kernel/iommu_groups/7/type", "DMA\n");
	ck_assert(exists("devices/virtual/iommu/dmar0/intel-iommu/ecap"));
	/* the sysfs config has the PASID capability with the width */
	snprintf(path, sizeof(path), "%s/%s/config", emu_sysfs_root(), dev);
	fd = open(path, O_RDONLY);
	ck_assert_int_eq(read(fd, cfg, sizeof(cfg)), 4096);
	close(fd);
	memcpy(&hdr, cfg + 0x100, 4);
	memcpy(&cap, cfg + 0x104, 2);
	ck_assert_uint_eq(KABI_PCI_EXT_CAP_ID(hdr), KABI_PCI_EXT_CAP_ID_PASID);
	ck_assert_uint_eq((cap & KABI_PCI_PASID_CAP_WIDTH) >> 8, 20);
	/* the bus/pci/devices link resolves to the device directory */
	snprintf(path, sizeof(path), "%s/bus/pci/devices/0000:00:04.0",
		 emu_sysfs_root());
	ck_assert_ptr_nonnull(realpath(path, rp));
	snprintf(path, sizeof(path), "%s/%s", emu_sysfs_root(), dev);
	ck_assert_ptr_nonnull(realpath(path, rp2));
	ck_assert_str_eq(rp, rp2);
	/* SMMUv3 naming; no vfio-dev without a cdev; no driver when unbound */
	check_link("devices/pci0000:00/0000:00:05.0/iommu",
		   "../../virtual/iommu/smmu3.0x0000000009050000");
	check_file("kernel/iommu_groups/2/reserved_regions",
		   "0x0000000008000000 0x00000000080fffff msi\n");
	ck_assert(exists("devices/pci0000:00/0000:00:05.0/driver"));
	ck_assert(!exists("devices/pci0000:00/0000:00:05.0/vfio-dev"));
	ck_assert(!exists("devices/pci0000:00/0000:00:06.0/driver"));
	ck_assert(!exists("devices/pci0000:00/0000:00:06.0/vfio-dev"));
	ck_assert(!exists("dev/char/511:1"));
	emu_set_reserved(0, 0x1000, 0x1fff);
	check_file("kernel/iommu_groups/7/reserved_regions",
		   "0x0000000000001000 0x0000000000001fff msi\n");
}
END_TEST

/* Unbinding frees the cdev number; the next device bound to vfio-pci gets
 * the lowest free one: in sysfs, at open and in fstat. */
START_TEST(t_cdev_reuse)
{
	struct emu_dev_cfg c = { .bdf = "0000:00:05.0", .group = 2,
				 .iommu = EMU_IOMMU_INTEL, .driver = "" };
	const char *a = "devices/pci0000:00/0000:00:04.0";
	const char *b = "devices/pci0000:00/0000:00:05.0";
	char rel[128];
	struct stat st;
	int fd;

	add("0000:00:04.0", EMU_IOMMU_INTEL, 8, 1);
	ck_assert_int_eq(emu_add_device(&c), 1);
	ck_assert_int_eq(emu_vfio_bind(0), -EBUSY);	/* bound already */
	ck_assert_int_eq(emu_vfio_unbind(1), -EINVAL);	/* nothing bound */
	ck_assert_int_eq(emu_vfio_unbind(7), -ENODEV);
	/* the kernel waits for the last close: refused while open */
	fd = open_dev(0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(emu_vfio_unbind(0), -EBUSY);
	ck_assert_int_eq(pasid_sys->close(fd), 0);

	ck_assert_int_eq(emu_vfio_unbind(0), 0);
	snprintf(rel, sizeof(rel), "%s/vfio-dev", a);
	ck_assert(!exists(rel));
	snprintf(rel, sizeof(rel), "%s/driver", a);
	ck_assert(!exists(rel));
	ck_assert(!exists("dev/char/511:0"));
	ck_assert(!exists("class/vfio-dev/vfio0"));
	ck_assert(!exists("bus/pci/drivers/vfio-pci/0000:00:04.0"));
	ck_assert_int_eq(open_dev(0), -ENOENT);

	/* the other device gets vfio0, the first one then vfio1 */
	ck_assert_int_eq(emu_vfio_bind(1), 0);
	snprintf(rel, sizeof(rel), "%s/vfio-dev/vfio0/dev", b);
	check_file(rel, "511:0\n");
	check_link("dev/char/511:0",
		   "../../devices/pci0000:00/0000:00:05.0/vfio-dev/vfio0");
	ck_assert_int_eq(emu_vfio_bind(0), 1);
	snprintf(rel, sizeof(rel), "%s/vfio-dev/vfio1/dev", a);
	check_file(rel, "511:1\n");
	snprintf(rel, sizeof(rel), "%s/driver", a);
	check_link(rel, "../../../bus/pci/drivers/vfio-pci");
	fd = open_dev(1);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pasid_sys->fstat(fd, &st), 0);
	ck_assert_uint_eq(minor(st.st_rdev), 1);
	ck_assert_int_eq(pasid_sys->close(fd), 0);
}
END_TEST

START_TEST(t_sysfs_removed)
{
	char root[PATH_MAX];

	snprintf(root, sizeof(root), "%s", emu_sysfs_root());
	add("0000:00:04.0", EMU_IOMMU_AMD, 16, 1);
	emu_fini();
	ck_assert_int_ne(access(root, F_OK), 0);
	ck_assert_str_eq(pasid_sys->sysfs_root, "/sys");
	ck_assert_int_eq(emu_init(), 0);	/* teardown expects it up */
}
END_TEST

/* ======================================================================
 * Threads: one mutex, contexts used concurrently
 * ==================================================================== */

static void *worker(void *arg)
{
	uint8_t *buf = arg;
	int c = xopen("/dev/iommu"), i, bad = 0;
	struct kabi_iommu_ioas_alloc a = { .size = sizeof(a) };

	bad |= c < 0;
	bad |= xioctl(c, KABI_IOMMU_IOAS_ALLOC, &a);
	for (i = 0; i < 200 && !bad; i++) {
		uint64_t iova = 0;

		bad |= map(c, a.out_ioas_id, buf, PG, RW, &iova);
		bad |= unmap(c, a.out_ioas_id, iova, PG, NULL);
	}
	bad |= pasid_sys->close(c);
	return (void *)(intptr_t)bad;
}

START_TEST(t_threads)
{
	pthread_t th[8];
	uint8_t *buf = pages(1);
	void *ret;
	int i;

	for (i = 0; i < 8; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, worker, buf), 0);
	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(pthread_join(th[i], &ret), 0);
		ck_assert_ptr_null(ret);
	}
	ck_assert_uint_eq(emu_live_objects(), 0);
	ck_assert_uint_eq(emu_open_fds(), 1);
	munmap(buf, PG);
}
END_TEST

static Suite *emu_suite(void)
{
	Suite *s = suite_create("emu");
	TCase *tc;

#define ADD(name, ...)                                                  \
	do {                                                            \
		TCase *t = tcase_create(name);                          \
		TTest const *const tests[] = { __VA_ARGS__ };           \
		size_t k;                                               \
		tcase_add_checked_fixture(t, setup, teardown);          \
		for (k = 0; k < sizeof(tests) / sizeof(tests[0]); k++)  \
			tcase_add_test(t, tests[k]);                    \
		suite_add_tcase(s, t);                                  \
	} while (0)

	ADD("seam", t_open_paths, t_fstat, t_dup_close, t_ctx_lifetime,
	    t_close_ctx_destroys);
	ADD("iommufd", t_enotty, t_size_rules, t_eopnotsupp_flags, t_ids,
	    t_destroy);
	ADD("ioas", t_iova_ranges, t_map_errors, t_map_auto_iova, t_unmap,
	    t_copy, t_map_file, t_pin, t_reserved_attach, t_domain_add,
	    t_allow_iovas);
	ADD("hw_info", t_hw_info_intel, t_hw_info_smmuv3, t_hw_info_amd,
	    t_hw_info_virtio, t_hw_info_data_len);
	ADD("hwpt", t_hwpt_alloc_errors, t_hwpt_vendor_flags, t_hwpt_kinds);
	ADD("vfio", t_vfio_before_bind, t_bind_rules, t_bind_group_owner,
	    t_attach_rid, t_auto_shared, t_replace, t_detach,
	    t_group_same_hwpt, t_device_info, t_config_bar);
	ADD("pasid", t_pasid_ioas, t_pasid_hwpt_not_capable, t_pasid_rid_auto,
	    t_rid_replace_with_pasids, t_pasid_zero, t_pasid_range,
	    t_pasid_no_width, t_pasid_replace, t_pasid_group, t_pasid_argsz,
	    t_pasid_variant_driver, t_pasid_no_resv,
	    t_pasid_no_iommu_support, t_pasid_amd_v2,
	    t_unbind_detaches);
	ADD("dma", t_dma_pasid, t_dma_faults);
	ADD("faults", t_fail_call, t_fail_loop, t_counters);
	ADD("sysfs", t_sysfs_layout, t_sysfs_removed, t_cdev_reuse);
	tc = tcase_create("threads");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, t_threads);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(emu_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
