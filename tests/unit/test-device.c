/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Devices: pasid_dev_open by every kind of name and every reason it can
 * fail, pasid_dev_open_fd, the accessors, pasid_dev_caps and its size
 * versioning, and the helpers over the VFIO fd (config space, bus master,
 * BAR mmap).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fixture.h"
#include "sys.h"

#define BDF "0000:00:04.0"

/* ---- opening by name ---- */

START_TEST(open_by_bdf)
{
	struct pasid_dev *dev;
	int index = fx_add(BDF, EMU_IOMMU_INTEL, 8);

	dev = fx_open(BDF);
	ck_assert_noerrmsg();
	ck_assert_str_eq(pasid_dev_name(dev), BDF);
	ck_assert_int_ge(pasid_dev_fd(dev), 0);
	ck_assert_uint_ne(pasid_dev_iommufd_id(dev), 0);
	/* bound: the emulated kernel knows the device, nothing attached */
	ck_assert_uint_eq(fx_rid_pt(index), 0);
	ck_assert_uint_eq(emu_open_fds(), 2);
	pasid_dev_close(dev);
	ck_assert_uint_eq(emu_open_fds(), 1);
	ck_assert_uint_eq(emu_live_objects(), 0);
	/* closed means unbound: it can be opened again */
	pasid_dev_close(fx_open(BDF));
}
END_TEST

/* Every accepted spelling names the same device. */
START_TEST(open_by_other_names)
{
	char path[PATH_MAX];
	struct pasid_dev *dev;
	int index;

	index = fx_add("0000:00:04.0", EMU_IOMMU_INTEL, 8);

	dev = fx_open("00:04.0");
	ck_assert_str_eq(pasid_dev_name(dev), BDF);
	pasid_dev_close(dev);

	dev = fx_open("0000:00:04.0");
	pasid_dev_close(dev);

	snprintf(path, sizeof(path), "/dev/vfio/devices/vfio%d", index);
	dev = fx_open(path);
	ck_assert_str_eq(pasid_dev_name(dev), BDF);
	pasid_dev_close(dev);

	snprintf(path, sizeof(path), "%s/bus/pci/devices/" BDF,
		 emu_sysfs_root());
	dev = fx_open(path);
	ck_assert_str_eq(pasid_dev_name(dev), BDF);
	pasid_dev_close(dev);

	/* "/sys/..." is looked up under the (fake) sysfs root */
	dev = fx_open("/sys/bus/pci/devices/" BDF);
	ck_assert_str_eq(pasid_dev_name(dev), BDF);
	pasid_dev_close(dev);
}
END_TEST

START_TEST(open_null_args)
{
	struct pasid_dev *dev = (void *)1;

	fx_add(BDF, EMU_IOMMU_INTEL, 8);
	ck_assert_int_eq(pasid_dev_open(NULL, BDF, &dev), -EINVAL);
	ck_assert_errmsg("must not be NULL");
	ck_assert_int_eq(pasid_dev_open(fx.ctx, NULL, &dev), -EINVAL);
	ck_assert_errmsg("must not be NULL");
	ck_assert_int_eq(pasid_dev_open(fx.ctx, BDF, NULL), -EINVAL);
	ck_assert_errmsg("must not be NULL");
	ck_assert_uint_eq(emu_open_fds(), 1);
}
END_TEST

/* Names that are not PCI addresses: EINVAL naming the bad input. */
static const char *const bad_names[] = {
	"0000:00:4.0x",
	"zz",
	"",
	"0000:00:04",
	"0000:00:04.8",		/* function 0..7 */
	"0000:00:20.0",		/* slot 0..0x1f */
	"0000:000:04.0",
	"0:00:04.0",		/* the domain has 4+ digits */
	" 0000:00:04.0",
	"0000:00:04.0 ",
	"/dev/vfio/1",		/* a legacy group node names no device */
	"/dev/vfio/devices/",
};

START_TEST(open_malformed)
{
	struct pasid_dev *dev = (void *)1;
	struct fx_state before;

	fx_add(BDF, EMU_IOMMU_INTEL, 8);
	before = fx_state();
	ck_assert_int_eq(pasid_dev_open(fx.ctx, bad_names[_i], &dev), -EINVAL);
	ck_assert_ptr_null(dev);
	if (bad_names[_i][0])
		ck_assert_errmsg(bad_names[_i]);
	else
		ck_assert_errmsg("is not a PCI address");
	ck_assert_state_eq(fx_state(), before);
}
END_TEST

START_TEST(open_nonexistent)
{
	struct pasid_dev *dev = (void *)1;
	struct fx_state before;

	fx_add(BDF, EMU_IOMMU_INTEL, 8);
	before = fx_state();
	ck_assert_int_eq(pasid_dev_open(fx.ctx, "0000:00:1f.0", &dev), -ENODEV);
	ck_assert_ptr_null(dev);
	ck_assert_errmsg("0000:00:1f.0");
	ck_assert_int_eq(pasid_dev_open(fx.ctx, "0001:00:04.0", &dev), -ENODEV);
	ck_assert_int_eq(pasid_dev_open(fx.ctx, "/dev/vfio/devices/vfio42",
					&dev), -ENODEV);
	ck_assert_errmsg("vfio42");
	ck_assert_int_eq(pasid_dev_open(fx.ctx, "/sys/bus/pci/devices/0000:00:1f.0",
					&dev), -ENODEV);
	ck_assert_state_eq(fx_state(), before);
}
END_TEST

/* Bound to another driver, or to none: EBUSY saying how to fix it. */
START_TEST(open_wrong_driver)
{
	struct emu_dev_cfg nvme = {
		.bdf = "0000:00:05.0", .iommu = EMU_IOMMU_INTEL, .group = 5,
		.driver = "nvme",
	};
	struct emu_dev_cfg none = {
		.bdf = "0000:00:06.0", .iommu = EMU_IOMMU_INTEL, .group = 6,
		.driver = "",
	};
	struct pasid_dev *dev = (void *)1;
	struct fx_state before;

	fx_add_cfg(&nvme);
	fx_add_cfg(&none);
	before = fx_state();
	ck_assert_int_eq(pasid_dev_open(fx.ctx, "0000:00:05.0", &dev), -EBUSY);
	ck_assert_ptr_null(dev);
	ck_assert_errmsg("nvme");
	ck_assert_errmsg("vfio-pci");
	ck_assert_int_eq(pasid_dev_open(fx.ctx, "0000:00:06.0", &dev), -EBUSY);
	ck_assert_errmsg("not bound to any driver");
	ck_assert_state_eq(fx_state(), before);
}
END_TEST

START_TEST(open_no_cdev)
{
	struct emu_dev_cfg cfg = {
		.bdf = BDF, .iommu = EMU_IOMMU_INTEL, .group = 5,
		.no_cdev = true,
	};
	struct pasid_dev *dev = (void *)1;
	struct fx_state before;

	fx_add_cfg(&cfg);
	before = fx_state();
	ck_assert_int_eq(pasid_dev_open(fx.ctx, BDF, &dev), -EOPNOTSUPP);
	ck_assert_ptr_null(dev);
	ck_assert_errmsg("CONFIG_VFIO_DEVICE_CDEV");
	ck_assert_state_eq(fx_state(), before);
}
END_TEST

/* A device has one owner: a second open fails and leaves the first alone. */
START_TEST(open_twice)
{
	struct pasid_dev *a, *b = (void *)1;
	struct pasid_as *as;
	struct fx_state before;
	int index;
	void *buf;
	uint64_t iova;

	a = fx_dev(BDF, EMU_IOMMU_INTEL, 8, &index);
	before = fx_state();
	ck_assert_int_lt(pasid_dev_open(fx.ctx, BDF, &b), 0);
	ck_assert_ptr_null(b);
	ck_assert_errmsg("VFIO_DEVICE_BIND_IOMMUFD");
	ck_assert_state_eq(fx_state(), before);
	as = fx_as();
	iova = fx_map(as, 1, PASID_MAP_RW, &buf);
	ck_assert_int_eq(pasid_bind(a, as, 3), 3);
	fx_dma_check(index, 3, iova, buf);
}
END_TEST

/* The group's DMA belongs to one owner: a sibling driven by a kernel
 * driver, or a sibling opened by another context, makes the bind EBUSY with
 * the reason. */
START_TEST(open_group_busy)
{
	struct emu_dev_cfg a = {
		.bdf = BDF, .iommu = EMU_IOMMU_INTEL, .group = 9,
	};
	struct emu_dev_cfg nvme = a, b = a;
	struct pasid_dev *dev = (void *)1, *other;
	struct pasid_ctx *ctx2;
	struct fx_state before;

	nvme.bdf = "0000:00:05.0";
	nvme.driver = "nvme";
	b.bdf = "0000:00:06.0";
	b.group = 10;
	fx_add_cfg(&a);
	fx_add_cfg(&nvme);
	fx_add_cfg(&b);
	before = fx_state();
	ck_assert_int_eq(pasid_dev_open(fx.ctx, BDF, &dev), -EBUSY);
	ck_assert_ptr_null(dev);
	ck_assert_errmsg("kernel driver");
	ck_assert_state_eq(fx_state(), before);

	/* b's group, owned by another context */
	b.bdf = "0000:00:07.0";
	fx_add_cfg(&b);
	ck_assert_int_eq(pasid_ctx_open(&ctx2, NULL), 0);
	ck_assert_int_eq(pasid_dev_open(ctx2, "0000:00:06.0", &other), 0);
	before = fx_state();
	ck_assert_int_eq(pasid_dev_open(fx.ctx, "0000:00:07.0", &dev), -EBUSY);
	ck_assert_errmsg("another iommufd context");
	ck_assert_state_eq(fx_state(), before);
	/* the same context may open it */
	ck_assert_int_eq(pasid_dev_open(ctx2, "0000:00:07.0", &dev), 0);
	pasid_ctx_close(ctx2);
	/* once the other context is gone, the group is free */
	pasid_dev_close(fx_open("0000:00:07.0"));
}
END_TEST

/* The kernel's errors at each step, with the hint that goes with each. */
static const struct {
	unsigned int nth;	/* 1 open, 2 bind, 3 hw_info */
	int err;
	const char *what;
} open_steps[] = {
	{ 1, EACCES, "permission" },
	{ 1, ENOENT, "devtmpfs" },
	{ 2, EBUSY, "IOMMU group is in use" },
	{ 2, EPERM, "allow_unsafe_interrupts" },
	{ 2, EINVAL, "already bound" },
	{ 2, ENODEV, "IOMMU group" },
	{ 3, EOPNOTSUPP, "IOMMU_GET_HW_INFO" },
};

START_TEST(open_kernel_errors)
{
	struct pasid_dev *dev = (void *)1;
	struct fx_state before;

	fx_add(BDF, EMU_IOMMU_INTEL, 8);
	before = fx_state();
	emu_fail_call(open_steps[_i].nth, open_steps[_i].err);
	ck_assert_int_eq(pasid_dev_open(fx.ctx, BDF, &dev),
			 -open_steps[_i].err);
	ck_assert_ptr_null(dev);
	ck_assert_errmsg(open_steps[_i].what);
	ck_assert_errmsg(strerrorname_np(open_steps[_i].err));
	ck_assert_state_eq(fx_state(), before);
	/* and nothing is stuck: the next open works */
	pasid_dev_close(fx_open(BDF));
}
END_TEST

/*
 * vfioN numbers are reused: between the library reading "vfio0" from
 * sysfs and opening /dev/vfio/devices/vfio0, the device is unbound and
 * another one bound to vfio-pci gets vfio0. The seam below does exactly
 * that at the open; the node opened is then the other device's.
 */
static struct pasid_sys reuse_base, reuse_sys;
static int reuse_a, reuse_b;
static bool reuse_rebind_a;

static int reuse_open(const char *path, int flags, mode_t mode)
{
	if (!strcmp(path, "/dev/vfio/devices/vfio0")) {
		ck_assert_int_eq(emu_vfio_unbind(reuse_a), 0);
		ck_assert_int_eq(emu_vfio_bind(reuse_b), 0);	/* vfio0 */
		if (reuse_rebind_a)
			ck_assert_int_eq(emu_vfio_bind(reuse_a), 1);
	}
	return reuse_base.open(path, flags, mode);
}

START_TEST(open_cdev_reused)
{
	struct emu_dev_cfg other = {
		.bdf = "0000:00:05.0", .iommu = EMU_IOMMU_INTEL,
		.pasid_log2 = 8, .group = 42, .driver = "",
	};
	struct pasid_dev *dev = (void *)1;
	struct fx_state before;

	reuse_rebind_a = _i;
	reuse_a = fx_add(BDF, EMU_IOMMU_INTEL, 8);
	reuse_b = fx_add_cfg(&other);
	reuse_base = *pasid_sys;
	reuse_sys = reuse_base;
	reuse_sys.open = reuse_open;
	pasid_sys_set(&reuse_sys);
	before = fx_state();

	ck_assert_int_eq(pasid_dev_open(fx.ctx, BDF, &dev), -ESTALE);
	ck_assert_ptr_null(dev);
	ck_assert_errmsg("/dev/vfio/devices/vfio0 is not the cdev of " BDF);
	ck_assert_errmsg(reuse_rebind_a ? "now has vfio1" : "now has no VFIO cdev");
	ck_assert_state_eq(fx_state(), before);	/* the fd is closed */

	/* the other device is what vfio0 is now, and opens as itself */
	pasid_sys_set(&reuse_base);
	dev = fx_open("/dev/vfio/devices/vfio0");
	ck_assert_str_eq(pasid_dev_name(dev), other.bdf);
	pasid_dev_close(dev);
	if (reuse_rebind_a)
		pasid_dev_close(fx_open(BDF));	/* now vfio1 */
}
END_TEST

START_TEST(accessors_null)
{
	ck_assert_int_eq(pasid_dev_fd(NULL), -EINVAL);
	ck_assert_str_eq(pasid_dev_name(NULL), "");
	ck_assert_uint_eq(pasid_dev_iommufd_id(NULL), 0);
	pasid_dev_close(NULL);
}
END_TEST

/* Two devices get distinct iommufd ids and fds. */
START_TEST(two_devices)
{
	struct pasid_dev *a, *b;

	a = fx_dev("0000:00:04.0", EMU_IOMMU_INTEL, 8, NULL);
	b = fx_dev("0000:00:05.0", EMU_IOMMU_INTEL, 8, NULL);
	ck_assert_uint_ne(pasid_dev_iommufd_id(a), pasid_dev_iommufd_id(b));
	ck_assert_int_ne(pasid_dev_fd(a), pasid_dev_fd(b));
	ck_assert_str_eq(pasid_dev_name(b), "0000:00:05.0");
	pasid_dev_close(a);
	/* b still works after a is gone */
	ck_assert_int_eq(pasid_bind(b, fx_as(), 1), 1);
}
END_TEST

/* ---- opening an fd ---- */

static int open_cdev(int index)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/dev/vfio/devices/vfio%d", index);
	fd = pasid_sys->open(path, O_RDWR | O_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	return fd;
}

START_TEST(open_fd)
{
	struct pasid_dev *dev = (void *)1;
	int index = fx_add(BDF, EMU_IOMMU_INTEL, 8);
	int fd = open_cdev(index);
	struct pasid_caps caps = { .size = sizeof(caps) };
	void *buf;
	uint64_t iova;
	struct pasid_as *as;

	ck_assert_int_eq(pasid_dev_open_fd(fx.ctx, fd, &dev), 0);
	ck_assert_noerrmsg();
	ck_assert_int_eq(pasid_dev_fd(dev), fd);
	/* the name comes from the fd's device number */
	ck_assert_str_eq(pasid_dev_name(dev), BDF);
	ck_assert_int_eq(pasid_dev_caps(dev, &caps), 0);
	ck_assert_uint_eq(caps.pasid_width, 8);
	as = fx_as();
	iova = fx_map(as, 1, PASID_MAP_RW, &buf);
	ck_assert_int_eq(pasid_bind(dev, as, PASID_ANY), 1);
	fx_dma_check(index, 1, iova, buf);
	/* the device owns the fd now */
	pasid_dev_close(dev);
	ck_assert_uint_eq(emu_open_fds(), 1);
}
END_TEST

START_TEST(open_fd_bad)
{
	struct pasid_dev *dev = (void *)1;
	struct fx_state before;
	char tmpl[] = "/tmp/libpasid-test-XXXXXX";
	int fd;

	fx_add(BDF, EMU_IOMMU_INTEL, 8);
	before = fx_state();
	ck_assert_int_eq(pasid_dev_open_fd(fx.ctx, -1, &dev), -EBADF);
	ck_assert_ptr_null(dev);
	ck_assert_errmsg("-1");
	ck_assert_int_eq(pasid_dev_open_fd(fx.ctx, 999, &dev), -EBADF);
	ck_assert_errmsg("not an open file descriptor");

	/* a regular file is not a VFIO cdev */
	fd = mkstemp(tmpl);
	ck_assert_int_ge(fd, 0);
	unlink(tmpl);
	ck_assert_int_eq(pasid_dev_open_fd(fx.ctx, fd, &dev), -EINVAL);
	ck_assert_errmsg("not a character device");
	/* the caller keeps its fd on failure */
	ck_assert_int_ge(fcntl(fd, F_GETFD), 0);
	close(fd);

	ck_assert_int_eq(pasid_dev_open_fd(NULL, 0, &dev), -EINVAL);
	ck_assert_int_eq(pasid_dev_open_fd(fx.ctx, 0, NULL), -EINVAL);
	ck_assert_state_eq(fx_state(), before);
}
END_TEST

/* A failure after the bind leaves the fd with the caller (bound, so it can
 * only be closed); a failure before it leaves a reusable fd. */
START_TEST(open_fd_kernel_errors)
{
	struct pasid_dev *dev = (void *)1;
	struct fx_state before;
	int index = fx_add(BDF, EMU_IOMMU_INTEL, 8);
	int fd = open_cdev(index);

	before = fx_state();
	emu_fail_call(1, EBUSY);	/* the bind */
	ck_assert_int_eq(pasid_dev_open_fd(fx.ctx, fd, &dev), -EBUSY);
	ck_assert_ptr_null(dev);
	ck_assert_errmsg("VFIO_DEVICE_BIND_IOMMUFD");
	ck_assert_state_eq(fx_state(), before);
	/* the same fd can be tried again */
	ck_assert_int_eq(pasid_dev_open_fd(fx.ctx, fd, &dev), 0);
	pasid_dev_close(dev);
	ck_assert_uint_eq(emu_open_fds(), 1);

	fd = open_cdev(index);
	emu_fail_call(2, EOPNOTSUPP);	/* GET_HW_INFO */
	ck_assert_int_eq(pasid_dev_open_fd(fx.ctx, fd, &dev), -EOPNOTSUPP);
	ck_assert_ptr_null(dev);
	ck_assert_uint_eq(emu_open_fds(), 2);	/* still the caller's */
	ck_assert_int_eq(pasid_sys->close(fd), 0);
	ck_assert_uint_eq(emu_open_fds(), 1);
	ck_assert_uint_eq(emu_live_objects(), 0);
}
END_TEST

/* An fd that is already bound (a dup of an open device's fd) is refused. */
START_TEST(open_fd_already_bound)
{
	struct pasid_dev *dev, *dev2 = (void *)1;
	struct fx_state before;
	int fd;

	dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, NULL);
	fd = pasid_sys->dup(pasid_dev_fd(dev));
	ck_assert_int_ge(fd, 0);
	before = fx_state();
	ck_assert_int_eq(pasid_dev_open_fd(fx.ctx, fd, &dev2), -EINVAL);
	ck_assert_ptr_null(dev2);
	ck_assert_errmsg("already bound");
	ck_assert_state_eq(fx_state(), before);
	pasid_sys->close(fd);
}
END_TEST

/* ---- capabilities ---- */

static const struct {
	enum emu_iommu iommu;
	unsigned int log2;
	enum pasid_iommu_vendor vendor;
	uint32_t hw_info_type;
} cap_cases[] = {
	{ EMU_IOMMU_INTEL, 20, PASID_IOMMU_INTEL_VTD, 1 },
	{ EMU_IOMMU_INTEL, 0, PASID_IOMMU_INTEL_VTD, 1 },
	{ EMU_IOMMU_SMMUV3, 16, PASID_IOMMU_ARM_SMMUV3, 2 },
	{ EMU_IOMMU_AMD, 15, PASID_IOMMU_AMD_VI, 4 },
	{ EMU_IOMMU_VIRTIO, 0, PASID_IOMMU_VIRTIO, 0 },
};

START_TEST(caps_per_vendor)
{
	struct pasid_caps caps;
	struct pasid_dev *dev;

	dev = fx_dev(BDF, cap_cases[_i].iommu, cap_cases[_i].log2, NULL);
	memset(&caps, 0xa5, sizeof(caps));
	caps.size = sizeof(caps);
	ck_assert_int_eq(pasid_dev_caps(dev, &caps), 0);
	ck_assert_noerrmsg();
	ck_assert_uint_eq(caps.size, sizeof(caps));
	ck_assert_int_eq(caps.vendor, cap_cases[_i].vendor);
	ck_assert_uint_eq(caps.hw_info_type, cap_cases[_i].hw_info_type);
	ck_assert_uint_eq(caps.pasid_width, cap_cases[_i].log2);
	ck_assert_uint_eq(caps.flags & PASID_CAP_DIRTY_TRACKING, 0);
}
END_TEST

START_TEST(caps_dirty)
{
	struct emu_dev_cfg cfg = {
		.bdf = BDF, .iommu = EMU_IOMMU_INTEL, .pasid_log2 = 8,
		.group = 3, .dirty = true,
	};
	struct pasid_caps caps = { .size = sizeof(caps) };
	struct pasid_dev *dev;

	fx_add_cfg(&cfg);
	dev = fx_open(BDF);
	ck_assert_int_eq(pasid_dev_caps(dev, &caps), 0);
	ck_assert_uint_ne(caps.flags & PASID_CAP_DIRTY_TRACKING, 0);
}
END_TEST

START_TEST(caps_bad_args)
{
	struct pasid_caps caps = { .size = sizeof(caps) };
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, NULL);

	ck_assert_int_eq(pasid_dev_caps(NULL, &caps), -EINVAL);
	ck_assert_errmsg("must not be NULL");
	ck_assert_int_eq(pasid_dev_caps(dev, NULL), -EINVAL);
	caps.size = 0;
	ck_assert_int_eq(pasid_dev_caps(dev, &caps), -EINVAL);
	ck_assert_errmsg("sizeof(struct pasid_caps)");
	ck_assert_uint_eq(caps.size, 0);
}
END_TEST

/* An old binary's smaller struct: only its fields are written, not a byte
 * beyond its size. */
START_TEST(caps_smaller)
{
	const size_t old = offsetof(struct pasid_caps, flags);
	union {
		struct pasid_caps caps;
		uint8_t b[sizeof(struct pasid_caps) + 64];
	} u;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 12, NULL);
	size_t i;

	memset(&u, 0x5a, sizeof(u));
	u.caps.size = old;
	ck_assert_int_eq(pasid_dev_caps(dev, &u.caps), 0);
	ck_assert_uint_eq(u.caps.size, old);
	ck_assert_int_eq(u.caps.vendor, PASID_IOMMU_INTEL_VTD);
	ck_assert_uint_eq(u.caps.hw_info_type, 1);
	ck_assert_uint_eq(u.caps.pasid_width, 12);
	for (i = old; i < sizeof(u); i++)
		ck_assert_msg(u.b[i] == 0x5a, "byte %zu beyond size written", i);

	/* the smallest legal struct: just the size */
	memset(&u, 0x5a, sizeof(u));
	u.caps.size = sizeof(size_t);
	ck_assert_int_eq(pasid_dev_caps(dev, &u.caps), 0);
	for (i = sizeof(size_t); i < sizeof(u); i++)
		ck_assert_msg(u.b[i] == 0x5a, "byte %zu beyond size written", i);
}
END_TEST

/* A newer binary's larger struct: the fields this library does not know
 * read as zero. */
START_TEST(caps_larger)
{
	union {
		struct pasid_caps caps;
		uint8_t b[sizeof(struct pasid_caps) + 64];
	} u;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 12, NULL);
	size_t i;

	memset(&u, 0x5a, sizeof(u));
	u.caps.size = sizeof(struct pasid_caps) + 32;
	ck_assert_int_eq(pasid_dev_caps(dev, &u.caps), 0);
	ck_assert_uint_eq(u.caps.size, sizeof(struct pasid_caps) + 32);
	ck_assert_uint_eq(u.caps.pasid_width, 12);
	for (i = sizeof(struct pasid_caps); i < sizeof(struct pasid_caps) + 32; i++)
		ck_assert_msg(u.b[i] == 0, "byte %zu of the tail not zeroed", i);
	for (; i < sizeof(u); i++)
		ck_assert_msg(u.b[i] == 0x5a, "byte %zu beyond size written", i);
}
END_TEST

/* ---- config space, bus master, BARs ---- */

START_TEST(config_read_write)
{
	struct pasid_devinfo info = { .size = sizeof(info) };
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, NULL);
	uint32_t id;
	uint16_t vendor, cmd, back;
	uint8_t b;

	ck_assert_int_eq(pasid_devinfo_get(BDF, &info), 0);
	ck_assert_int_eq(pasid_dev_config_read(dev, 0, &id, 4), 0);
	ck_assert_noerrmsg();
	ck_assert_uint_eq(id & 0xffff, info.vendor_id);
	ck_assert_uint_eq(id >> 16, info.device_id);
	ck_assert_int_eq(pasid_dev_config_read(dev, 0, &vendor, 2), 0);
	ck_assert_uint_eq(vendor, info.vendor_id);
	ck_assert_int_eq(pasid_dev_config_read(dev, 1, &b, 1), 0);
	ck_assert_uint_eq(b, info.vendor_id >> 8);

	/* write the command register (memory space on), read it back */
	ck_assert_int_eq(pasid_dev_config_read(dev, 4, &cmd, 2), 0);
	cmd |= 0x2;
	ck_assert_int_eq(pasid_dev_config_write(dev, 4, &cmd, 2), 0);
	ck_assert_int_eq(pasid_dev_config_read(dev, 4, &back, 2), 0);
	ck_assert_uint_eq(back & 0x2, 0x2);
}
END_TEST

START_TEST(config_bad_args)
{
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, NULL);
	uint32_t v = 0;

	ck_assert_int_eq(pasid_dev_config_read(NULL, 0, &v, 4), -EINVAL);
	ck_assert_int_eq(pasid_dev_config_read(dev, 0, NULL, 4), -EINVAL);
	ck_assert_errmsg("must not be NULL");
	ck_assert_int_eq(pasid_dev_config_read(dev, 0, &v, 3), -EINVAL);
	ck_assert_errmsg("1, 2 or 4");
	ck_assert_int_eq(pasid_dev_config_read(dev, 0, &v, 0), -EINVAL);
	ck_assert_int_eq(pasid_dev_config_read(dev, 0, &v, 8), -EINVAL);
	ck_assert_int_eq(pasid_dev_config_read(dev, 2, &v, 4), -EINVAL);
	ck_assert_int_eq(pasid_dev_config_write(dev, 1, &v, 2), -EINVAL);
	ck_assert_int_eq(pasid_dev_config_read(dev, 1u << 20, &v, 4), -EINVAL);
	ck_assert_errmsg("beyond");
	ck_assert_int_eq(pasid_dev_config_write(NULL, 0, &v, 4), -EINVAL);
}
END_TEST

START_TEST(config_kernel_errors)
{
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, NULL);
	uint32_t v;

	emu_fail_call(1, ENOTTY);	/* GET_REGION_INFO */
	ck_assert_int_eq(pasid_dev_config_read(dev, 0, &v, 4), -ENOTTY);
	ck_assert_errmsg("VFIO_DEVICE_GET_REGION_INFO");
	emu_fail_call(2, EIO);		/* the pread */
	ck_assert_int_eq(pasid_dev_config_read(dev, 0, &v, 4), -EIO);
	ck_assert_errmsg("pread");
	emu_fail_call(2, EIO);		/* the pwrite */
	ck_assert_int_eq(pasid_dev_config_write(dev, 4, &v, 2), -EIO);
	ck_assert_errmsg("pwrite");
	ck_assert_int_eq(pasid_dev_config_read(dev, 0, &v, 4), 0);
}
END_TEST

START_TEST(bus_master)
{
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, NULL);
	uint16_t cmd;

	ck_assert_int_eq(pasid_dev_set_bus_master(dev, true), 0);
	ck_assert_noerrmsg();
	ck_assert_int_eq(pasid_dev_config_read(dev, 4, &cmd, 2), 0);
	ck_assert_uint_eq(cmd & 0x4, 0x4);
	ck_assert_int_eq(pasid_dev_set_bus_master(dev, false), 0);
	ck_assert_int_eq(pasid_dev_config_read(dev, 4, &cmd, 2), 0);
	ck_assert_uint_eq(cmd & 0x4, 0);
	ck_assert_int_eq(pasid_dev_set_bus_master(NULL, true), -EINVAL);
	/* a failed write leaves the bit as it was */
	emu_fail_call(4, EIO);		/* info, pread, info, pwrite */
	ck_assert_int_eq(pasid_dev_set_bus_master(dev, true), -EIO);
	ck_assert_int_eq(pasid_dev_config_read(dev, 4, &cmd, 2), 0);
	ck_assert_uint_eq(cmd & 0x4, 0);
}
END_TEST

START_TEST(bar_map)
{
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, NULL);
	volatile void *addr = NULL;
	volatile uint32_t *regs;
	volatile void *again;
	size_t len = 0, len2;

	ck_assert_int_eq(pasid_dev_bar_map(dev, 0, &addr, &len), 0);
	ck_assert_noerrmsg();
	ck_assert_ptr_nonnull((void *)addr);
	ck_assert_uint_eq(len, 4096);
	regs = addr;
	regs[3] = 0x12345678;
	/* a second mapping shows the same registers */
	ck_assert_int_eq(pasid_dev_bar_map(dev, 0, &again, &len2), 0);
	ck_assert_uint_eq(((volatile uint32_t *)again)[3], 0x12345678);
	ck_assert_int_eq(pasid_dev_bar_unmap(dev, again, len2), 0);
	ck_assert_int_eq(pasid_dev_bar_unmap(dev, addr, len), 0);
	ck_assert_noerrmsg();
}
END_TEST

/* A BAR left mapped would keep the VFIO file, and so its bind, alive after
 * the device is closed (as the kernel's vma does): closing the device (here
 * through the context) unmaps what pasid_dev_bar_map mapped, and the device
 * opens again at once. A mapping made behind the library's back still
 * keeps the file: the reopen says so. */
START_TEST(bar_mapped_after_close)
{
	struct pasid_dev *dev;
	volatile void *addr;
	void *raw;
	size_t len;

	fx_add(BDF, EMU_IOMMU_INTEL, 8);
	dev = fx_open(BDF);
	ck_assert_int_eq(pasid_dev_bar_map(dev, 0, &addr, &len), 0);
	pasid_ctx_close(fx.ctx);
	ck_assert_int_eq(pasid_ctx_open(&fx.ctx, NULL), 0);
	dev = fx_open(BDF);
	/* only the exact mapping, once */
	ck_assert_int_eq(pasid_dev_bar_map(dev, 0, &addr, &len), 0);
	ck_assert_int_eq(pasid_dev_bar_unmap(dev, addr, len / 2), -EINVAL);
	ck_assert_errmsg("give the address and length pasid_dev_bar_map returned");
	ck_assert_int_eq(pasid_dev_bar_unmap(dev, addr, len), 0);
	ck_assert_int_eq(pasid_dev_bar_unmap(dev, addr, len), -EINVAL);
	/* a raw mmap of the device fd is the caller's own */
	raw = pasid_sys->mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
			      pasid_dev_fd(dev), 0);
	pasid_ctx_close(fx.ctx);
	ck_assert_int_eq(pasid_ctx_open(&fx.ctx, NULL), 0);
	if (raw != MAP_FAILED) {
		ck_assert_int_eq(pasid_dev_open(fx.ctx, BDF, &dev), -EINVAL);
		ck_assert_errmsg("a BAR of it is still mmapped from a closed context");
		ck_assert_int_eq(pasid_sys->munmap(raw, len), 0);
	}
	pasid_dev_close(fx_open(BDF));
}
END_TEST

START_TEST(bar_map_bad)
{
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, NULL);
	volatile void *addr = NULL;
	size_t len = 0;

	ck_assert_int_eq(pasid_dev_bar_map(dev, 6, &addr, &len), -EINVAL);
	ck_assert_errmsg("BAR 6");
	ck_assert_int_eq(pasid_dev_bar_map(dev, 1, &addr, &len), -ENOENT);
	ck_assert_errmsg("not implemented");
	ck_assert_int_eq(pasid_dev_bar_map(NULL, 0, &addr, &len), -EINVAL);
	ck_assert_int_eq(pasid_dev_bar_map(dev, 0, NULL, &len), -EINVAL);
	ck_assert_int_eq(pasid_dev_bar_map(dev, 0, &addr, NULL), -EINVAL);
	ck_assert_ptr_null((void *)addr);
	emu_fail_call(2, ENOMEM);	/* the mmap */
	ck_assert_int_eq(pasid_dev_bar_map(dev, 0, &addr, &len), -ENOMEM);
	ck_assert_errmsg("mmap");
	ck_assert_ptr_null((void *)addr);
	ck_assert_int_eq(pasid_dev_bar_unmap(dev, NULL, 4096), -EINVAL);
	ck_assert_int_eq(pasid_dev_bar_unmap(NULL, (void *)4096, 4096), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("device");
	TCase *tc;

	tc = tcase_create("open");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, open_by_bdf);
	tcase_add_test(tc, open_by_other_names);
	tcase_add_test(tc, open_null_args);
	tcase_add_loop_test(tc, open_malformed, 0,
			    sizeof(bad_names) / sizeof(bad_names[0]));
	tcase_add_test(tc, open_nonexistent);
	tcase_add_test(tc, open_wrong_driver);
	tcase_add_test(tc, open_no_cdev);
	tcase_add_test(tc, open_twice);
	tcase_add_test(tc, open_group_busy);
	tcase_add_loop_test(tc, open_kernel_errors, 0,
			    sizeof(open_steps) / sizeof(open_steps[0]));
	tcase_add_loop_test(tc, open_cdev_reused, 0, 2);
	tcase_add_test(tc, accessors_null);
	tcase_add_test(tc, two_devices);
	suite_add_tcase(s, tc);

	tc = tcase_create("open_fd");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, open_fd);
	tcase_add_test(tc, open_fd_bad);
	tcase_add_test(tc, open_fd_kernel_errors);
	tcase_add_test(tc, open_fd_already_bound);
	suite_add_tcase(s, tc);

	tc = tcase_create("caps");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_loop_test(tc, caps_per_vendor, 0,
			    sizeof(cap_cases) / sizeof(cap_cases[0]));
	tcase_add_test(tc, caps_dirty);
	tcase_add_test(tc, caps_bad_args);
	tcase_add_test(tc, caps_smaller);
	tcase_add_test(tc, caps_larger);
	suite_add_tcase(s, tc);

	tc = tcase_create("devio");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, config_read_write);
	tcase_add_test(tc, config_bad_args);
	tcase_add_test(tc, config_kernel_errors);
	tcase_add_test(tc, bus_master);
	tcase_add_test(tc, bar_map);
	tcase_add_test(tc, bar_map_bad);
	tcase_add_test(tc, bar_mapped_after_close);
	suite_add_tcase(s, tc);

	return fx_run(s);
}
