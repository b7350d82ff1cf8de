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
	ck_assert_int_eq(xioctl(cfd, KABI_VFIO_SET_IOMMU,
				(void *)(uintptr_t)KABI_VFIO_TYPE1v2_IOMMU), 0);
	ck_assert_int_eq(xioctl(cfd, KABI_VFIO_SET_IOMMU,
				(void *)(uintptr_t)KABI_VFIO_TYPE1v2_IOMMU),
			 -EINVAL);	/* set once */
	ck_assert_int_eq(xioctl(cfd, KABI_IOMMU_IOAS_ALLOC, &info), -ENOTTY);
}
END_TEST

/* §10.2: viability, GET_STATUS, SET_CONTAINER's EPERM, a second group */
START_TEST(t_group)
{
	struct kabi_vfio_group_status st = { .argsz = sizeof(st) };
	int cfd, gfd, g2, g3, dfd;

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
	ck_assert_int_eq(xioctl(g3, KABI_VFIO_GROUP_GET_DEVICE_FD,
				"0000:00:07.0"), -EBUSY);
	ck_assert_int_eq(xioctl(g3, KABI_VFIO_GROUP_UNSET_CONTAINER, NULL),
			 -EBUSY);	/* its device fd is open */
	pasid_sys->close(dfd);
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
	uint32_t off;
	bool seen_iova = false, seen_avail = false;

	ck_assert_int_eq(xioctl(cfd, KABI_VFIO_IOMMU_GET_INFO, &small), 0);
	ck_assert(small.flags & KABI_VFIO_IOMMU_INFO_PGSIZES);
	ck_assert(small.iova_pgsizes & PG);
	ck_assert_uint_eq(small.cap_offset, 0);
	ck_assert_uint_gt(small.argsz, sizeof(small));	/* what it needs */
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
		if (h.id == KABI_VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
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
	ck_assert_int_eq(map(cfd, buf, UINT64_MAX - PG + 1, 2 * PG, RW), -EINVAL);
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
	tcase_set_timeout(t, 120);
	suite_add_tcase(s, t);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
