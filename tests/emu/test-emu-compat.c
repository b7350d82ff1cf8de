/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The emulation's older kernel generations through the raw seam: NO_CDEV
 * (iommufd without the VFIO cdev: a VFIO group with the iommufd as its
 * container, doc/kernel-rules.md §10.7) and NO_PASID (the cdev of 6.6:
 * older struct sizes, no PASID flags, §10.8). Run under valgrind with
 * CK_FORK=no.
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
#include <sys/stat.h>
#include <unistd.h>

#include "emu.h"
#include "kabi.h"
#include "sys.h"

#define PG 4096UL

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

static int add(const char *bdf, int group, const char *driver,
	       unsigned int pasid_log2)
{
	struct emu_dev_cfg c = { .bdf = bdf, .iommu = EMU_IOMMU_INTEL,
				 .group = group, .driver = driver,
				 .pasid_log2 = pasid_log2 };

	return emu_add_device(&c);
}

static bool sysfs_has(const char *rel)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", emu_sysfs_root(), rel);
	return stat(path, &st) == 0;
}

static int vfio_ioas(int ifd, uint16_t op, uint32_t *id)
{
	struct kabi_iommu_vfio_ioas v = { .size = sizeof(v), .op = op,
					  .ioas_id = *id };
	int ret = xioctl(ifd, KABI_IOMMU_VFIO_IOAS, &v);

	*id = v.ioas_id;
	return ret;
}

static uint32_t ioas_alloc(int ifd)
{
	struct kabi_iommu_ioas_alloc a = { .size = sizeof(a) };

	ck_assert_int_eq(xioctl(ifd, KABI_IOMMU_IOAS_ALLOC, &a), 0);
	return a.out_ioas_id;
}

static void setup(void)
{
	ck_assert_int_eq(emu_init(), 0);
}

static void teardown(void)
{
	ck_assert_uint_eq(emu_open_fds(), 0);
	emu_fini();
}

/* §10.7: the nodes and sysfs of a kernel with iommufd and no cdev */
START_TEST(t_no_cdev_nodes)
{
	int ifd, gfd, cfd;

	ck_assert_int_eq(emu_set_profile(EMU_PROFILE_NO_CDEV), 0);
	ck_assert_int_eq(add("0000:00:04.0", 5, NULL, 0), 0);
	ck_assert(sysfs_has("bus/pci/devices/0000:00:04.0/vfio-dev/vfio0"));
	ck_assert(!sysfs_has("bus/pci/devices/0000:00:04.0/vfio-dev/vfio0/dev"));
	ck_assert(sysfs_has("class/vfio-dev/vfio0"));
	ck_assert_int_eq(xopen("/dev/vfio/devices/vfio0"), -ENOENT);
	ifd = xopen("/dev/iommu");
	ck_assert_int_ge(ifd, 0);
	gfd = xopen("/dev/vfio/5");
	ck_assert_int_ge(gfd, 0);
	cfd = xopen("/dev/vfio/vfio");
	ck_assert_int_ge(cfd, 0);
	/* what came after 6.5 */
	{
		struct kabi_iommu_hw_info h = { .size = sizeof(h) };
		struct kabi_iommu_hwpt_alloc a = { .size = sizeof(a) };

		ck_assert_int_eq(xioctl(ifd, KABI_IOMMU_GET_HW_INFO, &h), -ENOTTY);
		ck_assert_int_eq(xioctl(ifd, KABI_IOMMU_HWPT_ALLOC, &a), -ENOTTY);
	}
	pasid_sys->close(cfd);
	pasid_sys->close(gfd);
	pasid_sys->close(ifd);
}
END_TEST

/* §10.7: SET_CONTAINER takes an iommufd and makes a compat IOAS unless one
 * is set; the device's first open binds and attaches it there. */
START_TEST(t_group_in_iommufd)
{
	struct kabi_vfio_device_bind_iommufd b = { .argsz = 16 };
	struct kabi_vfio_device_attach_iommufd_pt at = { .argsz = 12 };
	struct kabi_iommu_ioas_map m = { .size = sizeof(m) };
	struct kabi_vfio_group_status st = { .argsz = sizeof(st) };
	uint32_t id = 0, pt;
	int ifd, gfd, dfd, memfd;
	uint8_t *va = mmap(NULL, PG, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), byte = 0;

	ck_assert_int_eq(emu_set_profile(EMU_PROFILE_NO_CDEV), 0);
	ck_assert_int_eq(add("0000:00:04.0", 5, NULL, 0), 0);
	ifd = xopen("/dev/iommu");
	gfd = xopen("/dev/vfio/5");
	ck_assert_int_eq(vfio_ioas(ifd, KABI_IOMMU_VFIO_IOAS_GET, &id), -ENODEV);
	/* no container yet: no device fd */
	ck_assert_int_eq(xioctl(gfd, KABI_VFIO_GROUP_GET_DEVICE_FD,
				"0000:00:04.0"), -EINVAL);
	/* an fd that is neither container nor iommufd */
	memfd = memfd_create("x", MFD_CLOEXEC);
	ck_assert_int_eq(xioctl(gfd, KABI_VFIO_GROUP_SET_CONTAINER, &memfd),
			 -EBADFD);
	close(memfd);
	/* the compat IOAS made by the kernel, a user object */
	ck_assert_int_eq(xioctl(gfd, KABI_VFIO_GROUP_SET_CONTAINER, &ifd), 0);
	ck_assert_uint_eq(emu_live_objects(), 1);
	ck_assert_int_eq(vfio_ioas(ifd, KABI_IOMMU_VFIO_IOAS_GET, &id), 0);
	ck_assert_uint_ne(id, 0);
	ck_assert_int_eq(xioctl(gfd, KABI_VFIO_GROUP_SET_CONTAINER, &ifd),
			 -EINVAL);	/* already has one */
	ck_assert_int_eq(xioctl(gfd, KABI_VFIO_GROUP_GET_STATUS, &st), 0);
	ck_assert_uint_eq(st.flags, KABI_VFIO_GROUP_FLAGS_VIABLE |
				    KABI_VFIO_GROUP_FLAGS_CONTAINER_SET);
	/* a map there, then the device opens into it */
	m.flags = KABI_IOMMU_IOAS_MAP_FIXED_IOVA | KABI_IOMMU_IOAS_MAP_READABLE |
		  KABI_IOMMU_IOAS_MAP_WRITEABLE;
	m.ioas_id = id;
	m.user_va = (uintptr_t)va;
	m.length = PG;
	m.iova = 0x10000;
	va[0] = 0x5a;
	ck_assert_int_eq(xioctl(ifd, KABI_IOMMU_IOAS_MAP, &m), 0);
	dfd = xioctl(gfd, KABI_VFIO_GROUP_GET_DEVICE_FD, "0000:00:04.0");
	ck_assert_int_ge(dfd, 0);
	ck_assert_int_eq(emu_rid_pt(0, &pt), 0);
	ck_assert_uint_ne(pt, 0);
	ck_assert_int_eq(emu_dma_read(0, 0, 0x10000, &byte, 1), 0);
	ck_assert_uint_eq(byte, 0x5a);
	/* no bind or attach of a group's device fd (cdev only) */
	b.iommufd = ifd;
	ck_assert_int_eq(xioctl(dfd, KABI_VFIO_DEVICE_BIND_IOMMUFD, &b), -EINVAL);
	at.pt_id = id;
	ck_assert_int_eq(xioctl(dfd, KABI_VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at),
			 -ENOTTY);
	/* the IOAS is busy while the device is in it */
	{
		struct kabi_iommu_destroy d = { .size = sizeof(d), .id = id };

		ck_assert_int_eq(xioctl(ifd, KABI_IOMMU_DESTROY, &d), -EBUSY);
		/* the last close unbinds and detaches */
		pasid_sys->close(dfd);
		ck_assert_int_eq(emu_rid_pt(0, &pt), -ENOENT);
		ck_assert_int_eq(xioctl(ifd, KABI_IOMMU_DESTROY, &d), 0);
	}
	/* destroying the compat IOAS clears it: the next open has none */
	ck_assert_int_eq(vfio_ioas(ifd, KABI_IOMMU_VFIO_IOAS_GET, &id), -ENODEV);
	ck_assert_int_eq(xioctl(gfd, KABI_VFIO_GROUP_GET_DEVICE_FD,
				"0000:00:04.0"), -ENODEV);
	ck_assert_uint_eq(emu_live_objects(), 0);
	pasid_sys->close(gfd);
	pasid_sys->close(ifd);
	munmap(va, PG);
}
END_TEST

/* IOMMU_VFIO_IOAS SET before SET_CONTAINER: the kernel makes none; a
 * non-viable group's device fd is EBUSY though the status says viable. */
START_TEST(t_set_before_join)
{
	uint32_t id, got = 0;
	int ifd, gfd;

	ck_assert_int_eq(emu_set_profile(EMU_PROFILE_NO_CDEV), 0);
	ck_assert_int_eq(add("0000:00:04.0", 5, NULL, 0), 0);
	ck_assert_int_eq(add("0000:00:05.0", 5, "", 0), 1);	/* unbound */
	ifd = xopen("/dev/iommu");
	gfd = xopen("/dev/vfio/5");
	id = ioas_alloc(ifd);
	got = 999;
	ck_assert_int_eq(vfio_ioas(ifd, KABI_IOMMU_VFIO_IOAS_SET, &got),
			 -ENOENT);
	got = id;
	ck_assert_int_eq(vfio_ioas(ifd, KABI_IOMMU_VFIO_IOAS_SET, &got), 0);
	ck_assert_int_eq(xioctl(gfd, KABI_VFIO_GROUP_SET_CONTAINER, &ifd), 0);
	ck_assert_uint_eq(emu_live_objects(), 1);
	ck_assert_int_eq(emu_compat_ioas(ifd, &got), 0);
	ck_assert_uint_eq(got, id);
	ck_assert_int_eq(vfio_ioas(ifd, KABI_IOMMU_VFIO_IOAS_CLEAR, &got), 0);
	ck_assert_int_eq(emu_compat_ioas(ifd, &got), 0);
	ck_assert_uint_eq(got, 0);
	ck_assert_int_eq(vfio_ioas(ifd, 7, &got), -EOPNOTSUPP);
	/* an unset iommufd container just goes */
	ck_assert_int_eq(xioctl(gfd, KABI_VFIO_GROUP_UNSET_CONTAINER, NULL), 0);
	ck_assert_int_eq(xioctl(gfd, KABI_VFIO_GROUP_UNSET_CONTAINER, NULL),
			 -EINVAL);
	pasid_sys->close(gfd);
	pasid_sys->close(ifd);
}
END_TEST

/* §10.7: a second device fd of a group in an iommufd is a second file of
 * the already bound device; after UNSET_CONTAINER with a device fd still
 * open the iommufd owns the group's DMA: not viable, no type1 container;
 * the VFIO container ioctls that /dev/iommu answers itself (measured). */
START_TEST(t_group_device_twice)
{
	struct kabi_vfio_group_status st = { .argsz = sizeof(st) };
	struct kabi_vfio_device_info di = { .argsz = sizeof(di) };
	int ifd, gfd, cfd, dfd, dfd2;
	uint32_t pt;

	ck_assert_int_eq(emu_set_profile(EMU_PROFILE_NO_CDEV), 0);
	ck_assert_int_eq(add("0000:00:04.0", 5, NULL, 0), 0);
	ifd = xopen("/dev/iommu");
	gfd = xopen("/dev/vfio/5");
	ck_assert_int_eq(xioctl(ifd, KABI_VFIO_GET_API_VERSION, NULL),
			 KABI_VFIO_API_VERSION);
	ck_assert_int_eq(xioctl(ifd, KABI_VFIO_CHECK_EXTENSION,
				(void *)(uintptr_t)KABI_VFIO_TYPE1v2_IOMMU), 1);
	ck_assert_int_eq(xioctl(ifd, KABI_VFIO_CHECK_EXTENSION,
				(void *)(uintptr_t)KABI_VFIO_UPDATE_VADDR), 0);
	ck_assert_int_eq(xioctl(ifd, KABI_VFIO_CHECK_EXTENSION,
				(void *)(uintptr_t)KABI_VFIO_DMA_CC_IOMMU),
			 -ENODEV);	/* no compat IOAS */
	ck_assert_int_eq(xioctl(gfd, KABI_VFIO_GROUP_SET_CONTAINER, &ifd), 0);
	ck_assert_int_eq(xioctl(ifd, KABI_VFIO_CHECK_EXTENSION,
				(void *)(uintptr_t)KABI_VFIO_DMA_CC_IOMMU), 1);
	dfd = xioctl(gfd, KABI_VFIO_GROUP_GET_DEVICE_FD, "0000:00:04.0");
	ck_assert_int_ge(dfd, 0);
	ck_assert_int_eq(emu_rid_pt(0, &pt), 0);
	/* QEMU's VT-d page table does not enforce cache coherency */
	ck_assert_int_eq(xioctl(ifd, KABI_VFIO_CHECK_EXTENSION,
				(void *)(uintptr_t)KABI_VFIO_DMA_CC_IOMMU), 0);
	dfd2 = xioctl(gfd, KABI_VFIO_GROUP_GET_DEVICE_FD, "0000:00:04.0");
	ck_assert_int_ge(dfd2, 0);
	ck_assert_int_eq(emu_live_objects(), 3);	/* IOAS, DEVICE, HWPT */
	pasid_sys->close(dfd);
	ck_assert_int_eq(xioctl(dfd2, KABI_VFIO_DEVICE_GET_INFO, &di), 0);
	ck_assert_int_eq(emu_rid_pt(0, &pt), 0);	/* still bound */
	ck_assert_int_eq(xioctl(gfd, KABI_VFIO_GROUP_UNSET_CONTAINER, NULL), 0);
	ck_assert_int_eq(xioctl(gfd, KABI_VFIO_GROUP_GET_STATUS, &st), 0);
	ck_assert_uint_eq(st.flags, 0);
	cfd = xopen("/dev/vfio/vfio");
	ck_assert_int_eq(xioctl(gfd, KABI_VFIO_GROUP_SET_CONTAINER, &cfd),
			 -EPERM);
	pasid_sys->close(dfd2);
	ck_assert_int_eq(emu_rid_pt(0, &pt), -ENOENT);
	ck_assert_int_eq(xioctl(gfd, KABI_VFIO_GROUP_GET_STATUS, &st), 0);
	ck_assert_uint_eq(st.flags, KABI_VFIO_GROUP_FLAGS_VIABLE);
	ck_assert_int_eq(xioctl(gfd, KABI_VFIO_GROUP_SET_CONTAINER, &cfd), 0);
	pasid_sys->close(cfd);
	pasid_sys->close(gfd);
	pasid_sys->close(ifd);
}
END_TEST

/* §10.8: 6.6's GET_HW_INFO is 32 bytes: what lies past it stays as sent,
 * and its reserved word (6.15's out_max_pasid_log2) must be zero. */
START_TEST(t_hw_info_6_6)
{
	struct kabi_vfio_device_bind_iommufd b = { .argsz = 16 };
	struct kabi_iommu_hw_info h = { .size = sizeof(h) };
	uint8_t data[64];
	int ifd, dfd;

	ck_assert_int_eq(emu_set_profile(EMU_PROFILE_NO_PASID), 0);
	ck_assert_int_eq(add("0000:00:04.0", 5, NULL, 8), 0);
	ck_assert_int_eq(xopen("/dev/vfio/5"), -ENOENT);
	ifd = xopen("/dev/iommu");
	dfd = xopen("/dev/vfio/devices/vfio0");
	b.iommufd = ifd;
	ck_assert_int_eq(xioctl(dfd, KABI_VFIO_DEVICE_BIND_IOMMUFD, &b), 0);
	h.dev_id = b.out_devid;
	h.data_len = sizeof(data);
	h.data_uptr = (uintptr_t)data;
	ck_assert_int_eq(xioctl(ifd, KABI_IOMMU_GET_HW_INFO, &h), 0);
	ck_assert_uint_eq(h.out_data_type, KABI_IOMMU_HW_INFO_TYPE_INTEL_VTD);
	ck_assert_uint_eq(h.out_max_pasid_log2, 0);
	ck_assert_uint_eq(h.out_capabilities, 0);
	/* non-zero bytes past 6.6's struct: E2BIG (copy_struct_from_user) */
	h.out_capabilities = 1;
	ck_assert_int_eq(xioctl(ifd, KABI_IOMMU_GET_HW_INFO, &h), -E2BIG);
	h.out_capabilities = 0;
	h.out_max_pasid_log2 = 1;
	ck_assert_int_eq(xioctl(ifd, KABI_IOMMU_GET_HW_INFO, &h), -EOPNOTSUPP);
	h.out_max_pasid_log2 = 0;
	h.flags = KABI_IOMMU_HW_INFO_FLAG_INPUT_TYPE;
	ck_assert_int_eq(xioctl(ifd, KABI_IOMMU_GET_HW_INFO, &h), -EOPNOTSUPP);
	pasid_sys->close(dfd);
	pasid_sys->close(ifd);
}
END_TEST

/* §10.8: 6.6 takes no HWPT_ALLOC flag (PASID: EOPNOTSUPP) and no flag on
 * ATTACH/DETACH_IOMMUFD_PT (PASID: EINVAL); no IOAS_MAP_FILE. */
START_TEST(t_no_pasid_6_6)
{
	struct kabi_vfio_device_bind_iommufd b = { .argsz = 16 };
	struct kabi_iommu_hwpt_alloc a = { .size = sizeof(a) };
	struct kabi_vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
	struct kabi_vfio_device_detach_iommufd_pt de = { .argsz = sizeof(de) };
	struct kabi_iommu_ioas_map_file mf = { .size = sizeof(mf) };
	struct kabi_iommu_destroy d = { .size = sizeof(d) };
	int ifd, dfd;

	ck_assert_int_eq(emu_set_profile(EMU_PROFILE_NO_PASID), 0);
	ck_assert_int_eq(add("0000:00:04.0", 5, NULL, 8), 0);
	ifd = xopen("/dev/iommu");
	dfd = xopen("/dev/vfio/devices/vfio0");
	b.iommufd = ifd;
	ck_assert_int_eq(xioctl(dfd, KABI_VFIO_DEVICE_BIND_IOMMUFD, &b), 0);
	a.dev_id = b.out_devid;
	a.pt_id = ioas_alloc(ifd);
	a.flags = KABI_IOMMU_HWPT_ALLOC_PASID;
	ck_assert_int_eq(xioctl(ifd, KABI_IOMMU_HWPT_ALLOC, &a), -EOPNOTSUPP);
	a.flags = 0;
	ck_assert_int_eq(xioctl(ifd, KABI_IOMMU_HWPT_ALLOC, &a), 0);
	at.pt_id = a.out_hwpt_id;
	at.flags = KABI_VFIO_DEVICE_ATTACH_PASID;
	at.pasid = 1;
	ck_assert_int_eq(xioctl(dfd, KABI_VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at),
			 -EINVAL);
	at.flags = 0;
	at.pasid = 0;
	ck_assert_int_eq(xioctl(dfd, KABI_VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), 0);
	de.flags = KABI_VFIO_DEVICE_DETACH_PASID;
	de.pasid = 1;
	ck_assert_int_eq(xioctl(dfd, KABI_VFIO_DEVICE_DETACH_IOMMUFD_PT, &de),
			 -EINVAL);
	de.flags = 0;
	de.pasid = 0;
	ck_assert_int_eq(xioctl(dfd, KABI_VFIO_DEVICE_DETACH_IOMMUFD_PT, &de), 0);
	ck_assert_int_eq(xioctl(ifd, KABI_IOMMU_IOAS_MAP_FILE, &mf), -ENOTTY);
	d.id = a.out_hwpt_id;
	ck_assert_int_eq(xioctl(ifd, KABI_IOMMU_DESTROY, &d), 0);
	pasid_sys->close(dfd);
	pasid_sys->close(ifd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("emu-compat");
	TCase *tc = tcase_create("older generations");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, t_no_cdev_nodes);
	tcase_add_test(tc, t_group_in_iommufd);
	tcase_add_test(tc, t_set_before_join);
	tcase_add_test(tc, t_group_device_twice);
	tcase_add_test(tc, t_hw_info_6_6);
	tcase_add_test(tc, t_no_pasid_6_6);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
