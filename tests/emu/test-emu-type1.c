/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Tests of the emulation's "type1 only" kernel generation through the raw
 * seam, one test per rule of doc/kernel-rules.md §10 (cited as
 * "kernel-rules §10.N"). Run under valgrind with CK_FORK=no.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "emu.h"
#include "kabi.h"
#include "sys.h"

#define PG 4096UL
#define RW (KABI_VFIO_DMA_MAP_FLAG_READ | KABI_VFIO_DMA_MAP_FLAG_WRITE)

static int xioctl(int fd, unsigned long req, void *arg)
{
	int r = pasid_sys->ioctl(fd, req, arg);

	return r < 0 ? -errno : r;
}

static int xopen(const char *path)
{
	int fd = pasid_sys->open(path, O_RDWR | O_CLOEXEC, 0);

	return fd < 0 ? -errno : fd;
}

static int add(const char *bdf, int group, const char *driver)
{
	struct emu_dev_cfg c = { .bdf = bdf, .iommu = EMU_IOMMU_INTEL,
				 .group = group, .driver = driver };

	return emu_add_device(&c);
}

static void *pages(size_t n)
{
	void *p = mmap(NULL, n * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert_ptr_ne(p, MAP_FAILED);
	memset(p, 0, n * PG);
	return p;
}

static int set_container(int gfd, int cfd)
{
	return xioctl(gfd, KABI_VFIO_GROUP_SET_CONTAINER, &cfd);
}

static int map(int cfd, void *va, uint64_t iova, uint64_t size, uint32_t fl)
{
	struct kabi_vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m), .flags = fl, .vaddr = (uintptr_t)va,
		.iova = iova, .size = size,
	};

	return xioctl(cfd, KABI_VFIO_IOMMU_MAP_DMA, &m);
}

static int unmap(int cfd, uint64_t iova, uint64_t size, uint32_t fl,
		 uint64_t *done)
{
	struct kabi_vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .flags = fl, .iova = iova, .size = size,
	};
	int ret = xioctl(cfd, KABI_VFIO_IOMMU_UNMAP_DMA, &u);

	if (!ret && done)
		*done = u.size;
	return ret;
}

/* A container with group 1 set and type1v2 on it; *gfd the group. */
static int ready(int *gfd)
{
	int cfd = xopen("/dev/vfio/vfio");

	ck_assert_int_ge(cfd, 0);
	*gfd = xopen("/dev/vfio/1");
	ck_assert_int_ge(*gfd, 0);
	ck_assert_int_eq(set_container(*gfd, cfd), 0);
	ck_assert_int_eq(xioctl(cfd, KABI_VFIO_SET_IOMMU,
				(void *)(uintptr_t)KABI_VFIO_TYPE1v2_IOMMU), 0);
	return cfd;
}

static void setup(void)
{
	ck_assert_int_eq(emu_init(), 0);
	ck_assert_int_eq(emu_set_profile(EMU_PROFILE_TYPE1), 0);
	ck_assert_int_eq(add("0000:00:04.0", 1, NULL), 0);
}

static void teardown(void)
{
	emu_fini();
	ck_assert_uint_eq(emu_open_fds(), 0);
}

/* §10.1: no iommufd, no cdevs; the container and the group nodes */
START_TEST(t_nodes)
{
	char path[512];
	int fd;

	ck_assert_int_eq(xopen("/dev/iommu"), -ENOENT);
	ck_assert_int_eq(xopen("/dev/vfio/devices/vfio0"), -ENOENT);
	snprintf(path, sizeof(path), "%s/bus/pci/devices/0000:00:04.0/vfio-dev",
		 emu_sysfs_root());
	ck_assert_int_ne(access(path, F_OK), 0);
	ck_assert_int_eq(xopen("/dev/vfio/2"), -ENOENT);	/* no group 2 */
	fd = xopen("/dev/vfio/1");
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(xopen("/dev/vfio/1"), -EBUSY);	/* one open */
	pasid_sys->close(fd);
	fd = xopen("/dev/vfio/1");
	ck_assert_int_ge(fd, 0);
	pasid_sys->close(fd);
	/* a group whose only device is on a kernel driver has no node */
	ck_assert_int_eq(add("0000:00:05.0", 2, "nvme"), 1);
	ck_assert_int_eq(xopen("/dev/vfio/2"), -ENOENT);
	ck_assert_int_eq(emu_set_profile(EMU_PROFILE_CURRENT), -EBUSY);
}
END_TEST

/* §10.1: the container before and after VFIO_SET_IOMMU */
START_TEST(t_container)
{
	int cfd = xopen("/dev/vfio/vfio"), gfd;
	struct kabi_vfio_iommu_type1_info info = { .argsz = sizeof(info) };

	ck_assert_int_ge(cfd, 0);
	ck_assert_int_eq(xioctl(cfd, KABI_VFIO_GET_API_VERSION, NULL),
			 KABI_VFIO_API_VERSION);
	ck_assert_int_eq(xioctl(cfd, KABI_VFIO_CHECK_EXTENSION,
				(void *)(uintptr_t)KABI_VFIO_TYPE1v2_IOMMU), 1);
	ck_assert_int_eq(xioctl(cfd, KABI_VFIO_CHECK_EXTENSION,
				(void *)(uintptr_t)KABI_VFIO_SPAPR_TCE_IOMMU), 0);
	/* no group yet: SET_IOMMU and the driver's ioctls are EINVAL */
	ck_assert_int_eq(xioctl(cfd, KABI_VFIO_SET_IOMMU,
				(void *)(uintptr_t)KABI_VFIO_TYPE1v2_IOMMU),
			 -EINVAL);
	ck_assert_int_eq(xioctl(cfd, KABI_VFIO_IOMMU_GET_INFO, &info), -EINVAL);
	gfd = xopen("/dev/vfio/1");
	ck_assert_int_eq(set_container(gfd, cfd), 0);
	ck_assert_int_eq(set_container(gfd, cfd), -EINVAL);	/* already */
	ck_assert_int_eq(xioctl(cfd, KABI_VFIO_SET_IOMMU,
				(void *)(uintptr_t)KABI_VFIO_SPAPR_TCE_IOMMU),
			 -ENODEV);
	ck_assert_int_eq(xioctl(cfd, KABI_VFIO_CHECK_EXTENSION,
				(void *)(uintptr_t)KABI_VFIO_UPDATE_VADDR), 0);
	ck_assert_int_eq(xioctl(cfd, KABI_VFIO_SET_IOMMU,
				(void *)(uintptr_t)KABI_VFIO_TYPE1v2_IOMMU), 0);
	ck_assert_int_eq(xioctl(cfd, KABI_VFIO_SET_IOMMU,
				(void *)(uintptr_t)KABI_VFIO_TYPE1v2_IOMMU),
			 -EINVAL);	/* set once */
	/* with the driver set: VADDR updates, and no cache coherency
	 * enforced on QEMU's VT-d (no ecap.SC) */
	ck_assert_int_eq(xioctl(cfd, KABI_VFIO_CHECK_EXTENSION,
				(void *)(uintptr_t)KABI_VFIO_UPDATE_VADDR), 1);
	ck_assert_int_eq(xioctl(cfd, KABI_VFIO_CHECK_EXTENSION,
				(void *)(uintptr_t)KABI_VFIO_DMA_CC_IOMMU), 0);
	ck_assert_int_eq(xioctl(cfd, KABI_IOMMU_IOAS_ALLOC, &info), -ENOTTY);
}
END_TEST

/* §10.2: viability, GET_STATUS, SET_CONTAINER's EPERM, a second group */
START_TEST(t_group)
{
	struct kabi_vfio_group_status st = { .argsz = sizeof(st) };
	struct kabi_vfio_device_info di = { .argsz = sizeof(di) };
	int cfd, gfd, g2, g3, dfd, dfd2;

	ck_assert_int_eq(add("0000:00:05.0", 2, NULL), 1);
	ck_assert_int_eq(add("0000:00:06.0", 2, "nvme"), 2);
	ck_assert_int_eq(add("0000:00:07.0", 3, NULL), 3);
	ck_assert_int_eq(add("0000:00:08.0", 3, ""), 4);	/* no driver */
	cfd = ready(&gfd);
	ck_assert_int_eq(xioctl(gfd, KABI_VFIO_GROUP_GET_STATUS, &st), 0);
	ck_assert_uint_eq(st.flags, KABI_VFIO_GROUP_FLAGS_VIABLE |
				    KABI_VFIO_GROUP_FLAGS_CONTAINER_SET);
	g2 = xopen("/dev/vfio/2");
	ck_assert_int_ge(g2, 0);
	ck_assert_int_eq(xioctl(g2, KABI_VFIO_GROUP_GET_STATUS, &st), 0);
	ck_assert_uint_eq(st.flags, 0);			/* nvme in it */
	ck_assert_int_eq(set_container(g2, cfd), -EPERM);
	g3 = xopen("/dev/vfio/3");
	ck_assert_int_eq(xioctl(g3, KABI_VFIO_GROUP_GET_STATUS, &st), 0);
	ck_assert_uint_eq(st.flags, KABI_VFIO_GROUP_FLAGS_VIABLE);
	/* joins the container whose IOMMU is already set */
	ck_assert_int_eq(set_container(g3, cfd), 0);
	ck_assert_int_eq(set_container(g3, 9999), -EBADF);
	/* device fds: by name, from a group in a container with an IOMMU */
	ck_assert_int_eq(xioctl(g2, KABI_VFIO_GROUP_GET_DEVICE_FD,
				"0000:00:05.0"), -EINVAL);
	ck_assert_int_eq(xioctl(g3, KABI_VFIO_GROUP_GET_DEVICE_FD,
				"0000:00:04.0"), -ENODEV);	/* not its */
	dfd = xioctl(g3, KABI_VFIO_GROUP_GET_DEVICE_FD, "0000:00:07.0");
	ck_assert_int_ge(dfd, 0);
	/* a second open is a second file of the device (measured) */
	dfd2 = xioctl(g3, KABI_VFIO_GROUP_GET_DEVICE_FD, "0000:00:07.0");
	ck_assert_int_ge(dfd2, 0);
	ck_assert_int_eq(xioctl(dfd2, KABI_VFIO_DEVICE_GET_INFO, &di), 0);
	ck_assert_int_eq(xioctl(g3, KABI_VFIO_GROUP_UNSET_CONTAINER, NULL),
			 -EBUSY);	/* its device fds are open */
	pasid_sys->close(dfd);
	ck_assert_int_eq(xioctl(dfd2, KABI_VFIO_DEVICE_GET_INFO, &di), 0);
	ck_assert_int_eq(xioctl(g3, KABI_VFIO_GROUP_UNSET_CONTAINER, NULL),
			 -EBUSY);	/* one is still open */
	pasid_sys->close(dfd2);
	ck_assert_int_eq(xioctl(g3, KABI_VFIO_GROUP_UNSET_CONTAINER, NULL), 0);
	ck_assert_int_eq(xioctl(g3, KABI_VFIO_GROUP_UNSET_CONTAINER, NULL),
			 -EINVAL);
}
END_TEST

/* §10.2: a group device fd is a vfio-pci device, but not a cdev */
START_TEST(t_device_fd)
{
	struct kabi_vfio_device_bind_iommufd b = { .argsz = sizeof(b) };
	struct kabi_vfio_region_info ri = {
		.argsz = sizeof(ri), .index = KABI_VFIO_PCI_CONFIG_REGION_INDEX,
	};
	uint16_t vendor = 0;
	int gfd, cfd = ready(&gfd);
	int dfd = xioctl(gfd, KABI_VFIO_GROUP_GET_DEVICE_FD, "0000:00:04.0");

	ck_assert_int_ge(dfd, 0);
	ck_assert_int_eq(xioctl(dfd, KABI_VFIO_DEVICE_BIND_IOMMUFD, &b), -EINVAL);
	ck_assert_int_eq(xioctl(dfd, KABI_VFIO_DEVICE_GET_REGION_INFO, &ri), 0);
	ck_assert_int_eq(pasid_sys->pread(dfd, &vendor, 2, (off_t)ri.offset), 2);
	ck_assert_uint_eq(vendor, 0x1234);
	pasid_sys->close(dfd);
	pasid_sys->close(cfd);
	pasid_sys->close(gfd);
}
END_TEST

/* §10.3: GET_INFO: argsz too small for the chain, then the chain */
START_TEST(t_info)
{
	int gfd, cfd = ready(&gfd);
	struct kabi_vfio_iommu_type1_info small = { .argsz = sizeof(small) };
	uint8_t *buf;
	struct kabi_vfio_iommu_type1_info *info;
	uint32_t off, n = 0, ids[3] = { 0 };
	bool seen_iova = false, seen_avail = false;

	ck_assert_int_eq(xioctl(cfd, KABI_VFIO_IOMMU_GET_INFO, &small), 0);
	ck_assert(small.flags & KABI_VFIO_IOMMU_INFO_PGSIZES);
	ck_assert(small.iova_pgsizes & PG);
	ck_assert_uint_eq(small.cap_offset, 0);
	/* what it needs: info, migration (32), DMA_AVAIL (12, aligned to
	 * 16), IOVA_RANGE (16) with two ranges (32) */
	ck_assert_uint_eq(small.argsz, sizeof(small) + 32 + 16 + 16 + 32);
	small.argsz = 8;
	ck_assert_int_eq(xioctl(cfd, KABI_VFIO_IOMMU_GET_INFO, &small), -EINVAL);
	buf = calloc(1, 4096);
	info = (void *)buf;
	info->argsz = 4096;
	ck_assert_int_eq(xioctl(cfd, KABI_VFIO_IOMMU_GET_INFO, info), 0);
	ck_assert(info->flags & KABI_VFIO_IOMMU_INFO_CAPS);
	for (off = info->cap_offset; off;) {
		struct kabi_vfio_info_cap_header h;

		memcpy(&h, buf + off, sizeof(h));
		ck_assert_uint_lt(n, 3);
		ids[n++] = h.id;
		if (h.id == KABI_VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION) {
			struct kabi_vfio_iommu_type1_info_cap_migration m;

			memcpy(&m, buf + off, sizeof(m));
			ck_assert_uint_eq(m.pgsize_bitmap, PG);
			ck_assert_uint_eq(m.max_dirty_bitmap_size, 0x10000000);
		} else if (h.id == KABI_VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
			struct kabi_vfio_iommu_type1_info_cap_iova_range c;
			struct kabi_vfio_iova_range r[2];

			memcpy(&c, buf + off, sizeof(c));
			ck_assert_uint_eq(c.nr_iovas, 2);
			memcpy(r, buf + off + sizeof(c), sizeof(r));
			/* the 48-bit aperture minus the MSI window */
			ck_assert_uint_eq(r[0].start, 0);
			ck_assert_uint_eq(r[0].end, 0xfedfffffULL);
			ck_assert_uint_eq(r[1].start, 0xfef00000ULL);
			ck_assert_uint_eq(r[1].end, (1ULL << 48) - 1);
			seen_iova = true;
		} else if (h.id == KABI_VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL) {
			struct kabi_vfio_iommu_type1_info_dma_avail a;

			memcpy(&a, buf + off, sizeof(a));
			ck_assert_uint_eq(a.avail, 65535);
			seen_avail = true;
		}
		ck_assert_uint_eq(off % 8, 0);
		off = h.next;
	}
	ck_assert(seen_iova && seen_avail);
	/* the kernel's order: migration, DMA_AVAIL, IOVA_RANGE */
	ck_assert_uint_eq(ids[0], KABI_VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION);
	ck_assert_uint_eq(ids[1], KABI_VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
	ck_assert_uint_eq(ids[2], KABI_VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
	ck_assert_uint_eq(info->iova_pgsizes, 0x40201000);
	free(buf);
}
END_TEST

/* §10.4: MAP_DMA's errors in the kernel's order */
START_TEST(t_map_errors)
{
	int gfd, cfd = ready(&gfd);
	uint8_t *buf = pages(4);
	struct kabi_vfio_iommu_type1_dma_map m = { .argsz = 16 };

	ck_assert_int_eq(xioctl(cfd, KABI_VFIO_IOMMU_MAP_DMA, &m), -EINVAL);
	ck_assert_int_eq(map(cfd, buf, 0x100000, PG, 1u << 5), -EINVAL);
	ck_assert_int_eq(map(cfd, buf, 0x100000, PG, 0), -EINVAL);	/* no R/W */
	ck_assert_int_eq(map(cfd, buf, 0x100000, 0, RW), -EINVAL);
	ck_assert_int_eq(map(cfd, buf, 0x100800, PG, RW), -EINVAL);
	ck_assert_int_eq(map(cfd, buf + 8, 0x100000, PG, RW), -EINVAL);
	ck_assert_int_eq(map(cfd, buf, 0x100000, 3 * PG - 1, RW), -EINVAL);
	/* a wrapping IOVA or VA range: EOVERFLOW (measured on 7.3) */
	ck_assert_int_eq(map(cfd, buf, UINT64_MAX - PG + 1, 2 * PG, RW),
			 -EOVERFLOW);
	ck_assert_int_eq(map(cfd, (void *)(uintptr_t)(UINT64_MAX - PG + 1),
			     0x100000, 2 * PG, RW), -EOVERFLOW);
	ck_assert_int_eq(map(cfd, buf, 0xfee00000, PG, RW), -EINVAL); /* MSI */
	ck_assert_int_eq(map(cfd, buf, 1ULL << 48, PG, RW), -EINVAL); /* aperture */
	ck_assert_int_eq(map(cfd, buf, 0x100000, 2 * PG, RW), 0);
	ck_assert_int_eq(map(cfd, buf, 0x101000, 2 * PG, RW), -EEXIST);
	ck_assert_int_eq(map(cfd, buf, 0x0ff000, 2 * PG, RW), -EEXIST);
	ck_assert_int_eq(emu_t1_dma_entries(0), 1);
	munmap(buf + 2 * PG, 2 * PG);
	ck_assert_int_eq(map(cfd, buf + 2 * PG, 0x200000, PG, RW), -EFAULT);
	munmap(buf, 2 * PG);
}
END_TEST

/* §10.4: the DMA entry limit: ENOSPC at the mapping past it (the module
 * parameter set to 300 here: the default, 65535, is what GET_INFO's
 * DMA_AVAIL reports in t_info) */
START_TEST(t_entry_limit)
{
	int gfd, cfd;
	uint8_t *buf = pages(1);
	uint64_t i;

	emu_set_t1_dma_entry_limit(300);
	cfd = ready(&gfd);
	for (i = 0; i < 300; i++)
		ck_assert_int_eq(map(cfd, buf, (1ULL << 32) + i * PG, PG, RW), 0);
	ck_assert_int_eq(map(cfd, buf, 1ULL << 40, PG, RW), -ENOSPC);
	/* an overlap is still EEXIST: that check comes first */
	ck_assert_int_eq(map(cfd, buf, 1ULL << 32, PG, RW), -EEXIST);
	ck_assert_int_eq(unmap(cfd, 1ULL << 32, PG, 0, NULL), 0);
	ck_assert_int_eq(map(cfd, buf, 1ULL << 40, PG, RW), 0);
	munmap(buf, PG);
}
END_TEST

/* §10.5: v2 unmaps whole mappings only; nothing there is success, size 0 */
START_TEST(t_unmap)
{
	int gfd, cfd = ready(&gfd);
	uint8_t *buf = pages(4);
	uint64_t done = 1;

	ck_assert_int_eq(map(cfd, buf, 0x100000, 2 * PG, RW), 0);
	ck_assert_int_eq(map(cfd, buf + 2 * PG, 0x102000, 2 * PG, RW), 0);
	ck_assert_int_eq(unmap(cfd, 0x101000, PG, 0, NULL), -EINVAL);
	ck_assert_int_eq(unmap(cfd, 0x100000, PG, 0, NULL), -EINVAL);
	ck_assert_int_eq(unmap(cfd, 0x100000, 3 * PG, 0, NULL), -EINVAL);
	ck_assert_int_eq(unmap(cfd, 0x100000, 0, 0, NULL), -EINVAL);
	ck_assert_int_eq(unmap(cfd, 0x100800, PG, 0, NULL), -EINVAL);
	ck_assert_int_eq(unmap(cfd, 0x900000, PG, 0, &done), 0);
	ck_assert_uint_eq(done, 0);
	ck_assert_int_eq(unmap(cfd, 0x100000, 2 * PG, KABI_VFIO_DMA_UNMAP_FLAG_ALL,
			       NULL), -EINVAL);
	/* a range over both, and the gap around them */
	ck_assert_int_eq(unmap(cfd, 0xff000, 6 * PG, 0, &done), 0);
	ck_assert_uint_eq(done, 4 * PG);
	ck_assert_int_eq(emu_t1_dma_entries(0), 0);
	ck_assert_int_eq(map(cfd, buf, 0x100000, PG, RW), 0);
	ck_assert_int_eq(unmap(cfd, 0, 0, KABI_VFIO_DMA_UNMAP_FLAG_ALL, &done), 0);
	ck_assert_uint_eq(done, PG);
	munmap(buf, 4 * PG);
}
END_TEST

/* §10.2: a joining group's reserved region over a mapping: EINVAL; the
 * last group leaving drops every mapping */
START_TEST(t_join_conflict)
{
	struct emu_dev_cfg c = { .bdf = "0000:00:05.0", .group = 2,
				 .iommu = EMU_IOMMU_INTEL };
	int gfd, cfd = ready(&gfd), g2;
	uint8_t *buf = pages(1);

	ck_assert_int_eq(emu_add_device(&c), 1);
	emu_set_reserved(1, 0x100000, 0x1fffff);
	ck_assert_int_eq(map(cfd, buf, 0x100000, PG, RW), 0);
	g2 = xopen("/dev/vfio/2");
	ck_assert_int_eq(set_container(g2, cfd), -EINVAL);
	ck_assert_int_eq(unmap(cfd, 0x100000, PG, 0, NULL), 0);
	ck_assert_int_eq(set_container(g2, cfd), 0);
	ck_assert_int_eq(map(cfd, buf, 0x100000, PG, RW), -EINVAL);
	ck_assert_int_eq(map(cfd, buf, 0x200000, PG, RW), 0);
	pasid_sys->close(gfd);
	ck_assert_int_eq(emu_t1_dma_entries(1), 1);
	pasid_sys->close(g2);	/* the last group out */
	ck_assert_int_eq(emu_t1_dma_entries(1), -ENOENT);
	ck_assert_int_eq(xioctl(cfd, KABI_VFIO_IOMMU_MAP_DMA, &c), -EINVAL);
	munmap(buf, PG);
}
END_TEST

/* DMA goes through the container's mappings, with their permissions */
START_TEST(t_dma)
{
	int gfd, cfd = ready(&gfd);
	uint8_t *buf = pages(2), out[8] = { 0 };

	memcpy(buf, "type1 ok", 8);
	ck_assert_int_eq(map(cfd, buf, 0x100000, PG, RW), 0);
	ck_assert_int_eq(map(cfd, buf + PG, 0x101000, PG,
			     KABI_VFIO_DMA_MAP_FLAG_READ), 0);
	ck_assert_int_eq(emu_dma_read(0, 0, 0x100000, out, 8), 0);
	ck_assert_mem_eq(out, "type1 ok", 8);
	ck_assert_int_eq(emu_dma_write(0, 0, 0x100ffc, out, 8), -EPERM);
	ck_assert_int_eq(emu_dma_write(0, 0, 0x102000, out, 8), -EFAULT);
	ck_assert_int_eq(emu_dma_write(0, 0, 0x100004, out, 4), 0);
	ck_assert_mem_eq(buf + 4, "type", 4);
	ck_assert_int_eq(emu_dma_read(0, 1, 0x100000, out, 8), -EFAULT);
	munmap(buf, 2 * PG);
}
END_TEST

/* The IOVA ranges (up to 4) and page sizes of GET_INFO. */
static uint64_t info_ranges(int cfd, struct kabi_vfio_iova_range *r,
			    uint32_t *nr)
{
	uint8_t buf[1024] = { 0 };
	struct kabi_vfio_iommu_type1_info *info = (void *)buf;
	uint32_t off;

	info->argsz = sizeof(buf);
	ck_assert_int_eq(xioctl(cfd, KABI_VFIO_IOMMU_GET_INFO, info), 0);
	*nr = 0;
	for (off = info->cap_offset; off;) {
		struct kabi_vfio_info_cap_header h;
		struct kabi_vfio_iommu_type1_info_cap_iova_range c;

		memcpy(&h, buf + off, sizeof(h));
		if (h.id == KABI_VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
			memcpy(&c, buf + off, sizeof(c));
			ck_assert_uint_le(c.nr_iovas, 4);
			*nr = c.nr_iovas;
			memcpy(r, buf + off + sizeof(c), c.nr_iovas * sizeof(*r));
		}
		off = h.next;
	}
	return info->iova_pgsizes;
}

/* §10.3: per IOMMU, as 7.3 answered on the VMs: page sizes, AMD's
 * HyperTransport hole, cache coherency only on AMD */
START_TEST(t_vendor_info)
{
	static const struct {
		enum emu_iommu iommu;
		uint64_t pgsizes, last;
		uint32_t nr;
		int cc;
	} v[] = {
		{ EMU_IOMMU_AMD, 0xfff7ffffff000ULL, UINT64_MAX, 3, 1 },
		{ EMU_IOMMU_VIRTIO, 0xfffffffffffff000ULL, (1ULL << 39) - 1, 2, 0 },
		{ EMU_IOMMU_SMMUV3, 0x40201000ULL, (1ULL << 48) - 1, 2, 0 },
	};
	struct kabi_vfio_iova_range r[4];
	uint32_t nr;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct emu_dev_cfg c = { .bdf = "0000:00:05.0", .group = 2,
					 .iommu = v[i].iommu };
		int cfd, gfd;

		emu_fini();
		ck_assert_int_eq(emu_init(), 0);
		ck_assert_int_eq(emu_set_profile(EMU_PROFILE_TYPE1), 0);
		ck_assert_int_eq(emu_add_device(&c), 0);
		cfd = xopen("/dev/vfio/vfio");
		gfd = xopen("/dev/vfio/2");
		ck_assert_int_eq(set_container(gfd, cfd), 0);
		ck_assert_int_eq(xioctl(cfd, KABI_VFIO_SET_IOMMU,
					(void *)(uintptr_t)KABI_VFIO_TYPE1v2_IOMMU), 0);
		ck_assert_uint_eq(info_ranges(cfd, r, &nr), v[i].pgsizes);
		ck_assert_uint_eq(nr, v[i].nr);
		ck_assert_uint_eq(r[nr - 1].end, v[i].last);
		if (v[i].iommu == EMU_IOMMU_AMD) {
			ck_assert_uint_eq(r[1].end, 0xfcffffffffULL);
			ck_assert_uint_eq(r[2].start, 0x10000000000ULL);
		}
		ck_assert_int_eq(xioctl(cfd, KABI_VFIO_CHECK_EXTENSION,
					(void *)(uintptr_t)KABI_VFIO_DMA_CC_IOMMU),
				 v[i].cc);
		pasid_sys->close(gfd);
		pasid_sys->close(cfd);
	}
}
END_TEST

/* §10.2: a device fd holds its group's file: the node stays busy */
START_TEST(t_group_held)
{
	int gfd, cfd = ready(&gfd);
	int dfd = xioctl(gfd, KABI_VFIO_GROUP_GET_DEVICE_FD, "0000:00:04.0");

	ck_assert_int_ge(dfd, 0);
	pasid_sys->close(gfd);
	ck_assert_int_eq(xopen("/dev/vfio/1"), -EBUSY);
	pasid_sys->close(dfd);
	gfd = xopen("/dev/vfio/1");
	ck_assert_int_ge(gfd, 0);
	pasid_sys->close(gfd);
	pasid_sys->close(cfd);
}
END_TEST

/* §10.5: type1 (v1) stops at a mapping that starts before the range */
START_TEST(t_unmap_v1)
{
	int cfd = xopen("/dev/vfio/vfio"), gfd = xopen("/dev/vfio/1");
	uint8_t *buf = pages(3);
	uint64_t done = 1;

	ck_assert_int_eq(set_container(gfd, cfd), 0);
	ck_assert_int_eq(xioctl(cfd, KABI_VFIO_SET_IOMMU,
				(void *)(uintptr_t)KABI_VFIO_TYPE1_IOMMU), 0);
	ck_assert_int_eq(map(cfd, buf, 0x100000, 2 * PG, RW), 0);
	ck_assert_int_eq(map(cfd, buf + 2 * PG, 0x110000, PG, RW), 0);
	/* from inside the first over the second: nothing at all */
	ck_assert_int_eq(unmap(cfd, 0x101000, 0x10000, 0, &done), 0);
	ck_assert_uint_eq(done, 0);
	ck_assert_int_eq(emu_t1_dma_entries(0), 2);
	/* from the first's start: it goes whole, though the range is short */
	ck_assert_int_eq(unmap(cfd, 0x100000, PG, 0, &done), 0);
	ck_assert_uint_eq(done, 2 * PG);
	ck_assert_int_eq(unmap(cfd, 0xff000, 0x20000, 0, &done), 0);
	ck_assert_uint_eq(done, PG);
	munmap(buf, 3 * PG);
}
END_TEST

/* §10.4, §10.5: VFIO_UPDATE_VADDR: UNMAP_DMA with the VADDR flag drops
 * the user address of whole mappings, MAP_DMA with it alone gives one */
START_TEST(t_vaddr)
{
	int gfd, cfd = ready(&gfd);
	uint8_t *buf = pages(4);
	uint64_t done = 0;
	const uint32_t V = KABI_VFIO_DMA_MAP_FLAG_VADDR;

	ck_assert_int_eq(map(cfd, buf, 0x100000, PG, V), -ENOENT);
	ck_assert_int_eq(map(cfd, buf, 0x100000, PG, RW), 0);
	ck_assert_int_eq(map(cfd, buf + PG, 0x101000, PG, RW), 0);
	ck_assert_int_eq(map(cfd, buf, 0x100000, PG, V), -EINVAL); /* valid */
	ck_assert_int_eq(unmap(cfd, 0x101000, PG,
			       KABI_VFIO_DMA_UNMAP_FLAG_VADDR, &done), 0);
	ck_assert_uint_eq(done, PG);
	ck_assert_int_eq(emu_t1_dma_entries(0), 2);	/* still mapped */
	/* the second of the range lost it already: EINVAL, and the first
	 * keeps its address (the call is undone) */
	ck_assert_int_eq(unmap(cfd, 0x100000, 2 * PG,
			       KABI_VFIO_DMA_UNMAP_FLAG_VADDR, &done), -EINVAL);
	ck_assert_int_eq(map(cfd, buf, 0x100000, PG, V), -EINVAL);
	ck_assert_int_eq(map(cfd, buf + 2 * PG, 0x101000, PG, V | RW), -EINVAL);
	ck_assert_int_eq(map(cfd, buf + 2 * PG, 0x100000, 2 * PG, V), -EINVAL);
	ck_assert_int_eq(map(cfd, buf + 2 * PG, 0x101000, PG, RW), -EEXIST);
	ck_assert_int_eq(map(cfd, buf + 2 * PG, 0x101000, PG, V), 0);
	ck_assert_int_eq(map(cfd, buf + 2 * PG, 0x101000, PG, V), -EINVAL);
	ck_assert_int_eq(unmap(cfd, UINT64_MAX - PG + 1, 2 * PG, 0, NULL),
			 -EOVERFLOW);
	munmap(buf, 4 * PG);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("emu-type1");
	TCase *t = tcase_create("type1");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, t_nodes);
	tcase_add_test(t, t_container);
	tcase_add_test(t, t_group);
	tcase_add_test(t, t_device_fd);
	tcase_add_test(t, t_info);
	tcase_add_test(t, t_map_errors);
	tcase_add_test(t, t_entry_limit);
	tcase_add_test(t, t_unmap);
	tcase_add_test(t, t_join_conflict);
	tcase_add_test(t, t_dma);
	tcase_add_test(t, t_vendor_info);
	tcase_add_test(t, t_group_held);
	tcase_add_test(t, t_unmap_v1);
	tcase_add_test(t, t_vaddr);
	tcase_set_timeout(t, 120);
	suite_add_tcase(s, t);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
