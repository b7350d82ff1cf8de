/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * A kernel that answers anything. Behind the syscall seam sits a fake
 * /dev/iommu and fake VFIO cdevs: every ioctl, config read or write and
 * mmap fails with an errno or succeeds with output fields the input picks
 * (where the uAPI has the kernel fill a user buffer, it fills at most the
 * capacity the caller gave, with bytes from the input). Meanwhile the input
 * also picks a sequence of public calls on one context. Sysfs is the
 * emulation's tree, so devices are found as on a real machine.
 *
 * What must hold whatever the kernel says: no crash, no invalid access, no
 * leak (LeakSanitizer), every call answers 0 / a documented non-negative
 * value or -errno with a message, a PASID handed out fits the width the
 * library reports (at most 20 bits, PCIe's), and after pasid_ctx_close
 * every fd of the fake kernel is closed exactly once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "emu.h"
#include "fzcheck.h"
#include "input.h"
#include "kabi.h"
#include "sys.h"

#define FAKE_BASE 1000		/* fake fd numbers start here */
#define NFAKE 64
#define PAGE 4096
#define MAX_PASID_WIDTH 20	/* PCIe PASIDs are 20 bits */

static struct in in;
static bool fake_open[NFAKE];
static const struct pasid_sys *emu_seam;
static struct pasid_sys seam;
static uint8_t bar[PAGE] __attribute__((aligned(PAGE)));
static uint8_t bufs[4 * PAGE] __attribute__((aligned(PAGE)));
static int memfd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- the fake kernel ---- */

static const int errnos[] = {
	EINVAL, ENOMEM, EOPNOTSUPP, EMSGSIZE, ENOENT, EBUSY, EFAULT, EIO,
	ENOSPC, EEXIST, EPERM, EADDRINUSE, ENOTTY, EACCES, ENODEV, EOVERFLOW,
};

/* One answer: 0 to succeed, else the errno to fail with. Past the end of
 * the input the kernel fails everything with EIO, so every flow ends. */
static int answer(void)
{
	uint8_t b;

	if (in_empty(&in))
		return EIO;
	b = in_u8(&in);
	return b < 0x40 ? errnos[b % (sizeof(errnos) / sizeof(errnos[0]))] : 0;
}

static bool is_fake(int fd)
{
	return fd >= FAKE_BASE && fd < FAKE_BASE + NFAKE && fake_open[fd - FAKE_BASE];
}

static int new_fake(void)
{
	int i;

	for (i = 0; i < NFAKE; i++) {
		if (!fake_open[i]) {
			fake_open[i] = true;
			return FAKE_BASE + i;
		}
	}
	errno = EMFILE;
	return -1;
}

static int f_open(const char *path, int flags, mode_t mode)
{
	int err;

	if (strcmp(path, "/dev/iommu") && strncmp(path, "/dev/vfio/", 10))
		return emu_seam->open(path, flags, mode);	/* sysfs */
	err = answer();
	if (err) {
		errno = err;
		return -1;
	}
	return new_fake();
}

static int f_close(int fd)
{
	if (fd >= FAKE_BASE && fd < FAKE_BASE + NFAKE) {
		FZ_CHECK(fake_open[fd - FAKE_BASE], "fd %d closed twice", fd);
		fake_open[fd - FAKE_BASE] = false;
		return 0;
	}
	return emu_seam->close(fd);
}

static int f_dup(int fd)
{
	if (!is_fake(fd))
		return emu_seam->dup(fd);
	return new_fake();
}

/* Where the kernel writes into a buffer the caller named: at most cap
 * bytes of it, the rest of the answer is the count it reports. */
static void fill_user(uint64_t uptr, size_t cap)
{
	if (uptr && cap)
		in_bytes(&in, (void *)(uintptr_t)uptr, cap);
}

static int f_ioctl(int fd, unsigned long request, void *arg)
{
	uint32_t size;
	uint64_t uptr = 0;
	size_t cap = 0;
	int err;

	if (!is_fake(fd))
		return emu_seam->ioctl(fd, request, arg);
	switch (request) {
	case KABI_VFIO_GET_API_VERSION:
	case KABI_VFIO_CHECK_EXTENSION:
	case KABI_VFIO_SET_IOMMU:
		/* the legacy container's calls take a value, not a struct,
		 * and answer in the return value: any small one */
		err = answer();
		if (err) {
			errno = err;
			return -1;
		}
		return in_u8(&in) % 3;
	case KABI_VFIO_GROUP_UNSET_CONTAINER:
		/* no argument; 0 or an errno */
		err = answer();
		if (err) {
			errno = err;
			return -1;
		}
		return 0;
	case KABI_VFIO_GROUP_GET_DEVICE_FD:
		/* answers a new file */
		err = answer();
		if (err) {
			errno = err;
			return -1;
		}
		return new_fake();
	default:
		break;
	}
	FZ_CHECK(arg != NULL, "ioctl 0x%lx without an argument", request);
	err = answer();
	if (err == EMSGSIZE && request == KABI_IOMMU_IOAS_IOVA_RANGES) {
		/* "there are more": the count is part of the answer */
		struct kabi_iommu_ioas_iova_ranges *r = arg;

		r->num_iovas = in_u32(&in);
	}
	if (err) {
		errno = err;
		return -1;
	}
	/* what the caller asked, before the answer overwrites it */
	if (request == KABI_IOMMU_IOAS_IOVA_RANGES) {
		struct kabi_iommu_ioas_iova_ranges *r = arg;

		uptr = r->allowed_iovas;
		cap = (size_t)r->num_iovas * sizeof(struct kabi_iommu_iova_range);
	} else if (request == KABI_IOMMU_GET_HW_INFO) {
		struct kabi_iommu_hw_info *h = arg;

		uptr = h->data_uptr;
		cap = h->data_len;
	}
	/* iommufd and VFIO structs start with their size (size / argsz);
	 * every byte after it is the kernel's to rewrite */
	memcpy(&size, arg, sizeof(size));
	if (size > 4 && size <= 512)
		in_bytes(&in, (uint8_t *)arg + 4, size - 4);
	fill_user(uptr, cap);
	return 0;
}

static ssize_t f_pread(int fd, void *buf, size_t len, off_t off)
{
	int err;

	if (!is_fake(fd))
		return emu_seam->pread(fd, buf, len, off);
	err = answer();
	if (err) {
		errno = err;
		return -1;
	}
	in_bytes(&in, buf, len);
	return (ssize_t)(in_u8(&in) % (len + 1));
}

static ssize_t f_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	int err;

	if (!is_fake(fd))
		return emu_seam->pwrite(fd, buf, len, off);
	err = answer();
	if (err) {
		errno = err;
		return -1;
	}
	return (ssize_t)(in_u8(&in) % (len + 1));
}

/* A BAR mapping is never touched here: one page stands for any size. */
static void *f_mmap(void *addr, size_t len, int prot, int flags, int fd,
		    off_t off)
{
	int err;

	if (!is_fake(fd))
		return emu_seam->mmap(addr, len, prot, flags, fd, off);
	err = answer();
	if (err) {
		errno = err;
		return MAP_FAILED;
	}
	return bar;
}

static int f_munmap(void *addr, size_t len)
{
	if (addr == bar)
		return 0;
	return emu_seam->munmap(addr, len);
}

static int f_fstat(int fd, struct stat *st)
{
	if (!is_fake(fd))
		return emu_seam->fstat(fd, st);
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFCHR | 0600;
	/* the emulation's sysfs knows 511:0 as device a's cdev */
	st->st_rdev = makedev(511, in_u8(&in) % 3);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct emu_dev_cfg a = { .bdf = "0000:00:04.0", .iommu = EMU_IOMMU_INTEL,
				 .pasid_log2 = 8, .group = 1 };
	struct emu_dev_cfg b = { .bdf = "0000:00:05.0", .iommu = EMU_IOMMU_INTEL,
				 .pasid_log2 = 8, .group = 1 };

	(void)argc;
	(void)argv;
	if (emu_init() || emu_add_device(&a) < 0 || emu_add_device(&b) < 0)
		abort();
	emu_seam = pasid_sys;
	seam = (struct pasid_sys){
		.open = f_open, .close = f_close, .dup = f_dup,
		.ioctl = f_ioctl, .pread = f_pread, .pwrite = f_pwrite,
		.read = emu_seam->read, .write = emu_seam->write,
		.mmap = f_mmap, .munmap = f_munmap, .fstat = f_fstat,
		.sysfs_root = emu_seam->sysfs_root,
	};
	pasid_sys_set(&seam);
	memfd = memfd_create("fuzz", MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, 4 * PAGE))
		abort();
	return 0;
}

/* ---- the calls ---- */

#define NDEV 3
#define NAS 3

static struct pasid_dev *devs[NDEV];
static struct pasid_as *ases[NAS];
static struct {
	volatile void *addr;
	size_t len;
} bars[NDEV];

static struct pasid_dev *pick_dev(void)
{
	return devs[in_u8(&in) % NDEV];
}

static struct pasid_as *pick_as(void)
{
	return ases[in_u8(&in) % NAS];
}

static void check_caps(struct pasid_dev *dev)
{
	struct pasid_caps caps = { .size = sizeof(caps) };

	FZ_RET(pasid_dev_caps(dev, &caps), "pasid_dev_caps");
	FZ_CHECK(caps.pasid_width <= MAX_PASID_WIDTH,
		 "PASID width %u from the kernel taken as it is",
		 caps.pasid_width);
	FZ_CHECK(caps.table_owner <= PASID_TABLE_USER_DELEGATABLE,
		 "table owner %d", caps.table_owner);
}

/* The context every call goes to; NULL while closed. */
static struct pasid_ctx *ctx;

static void op_dev_open(void)
{
	static const char *const names[] = {
		"0000:00:04.0", "0000:00:05.0", "/dev/vfio/devices/vfio1",
	};
	int i = in_u8(&in) % NDEV, ret;

	if (devs[i])
		return;
	ret = pasid_dev_open(ctx, names[i], &devs[i]);
	FZ_RET(ret, "pasid_dev_open");
	if (!ret)
		check_caps(devs[i]);
}

static void op_dev_open_fd(void)
{
	int i = in_u8(&in) % NDEV, fd, ret;

	if (devs[i])
		return;
	fd = f_open("/dev/vfio/devices/vfio0", O_RDWR, 0);
	if (fd < 0)
		return;
	ret = pasid_dev_open_fd(ctx, fd, &devs[i]);
	FZ_RET(ret, "pasid_dev_open_fd");
	if (ret)
		f_close(fd);	/* the caller's on failure */
	else
		check_caps(devs[i]);
}

static void op_dev_close(void)
{
	int i = in_u8(&in) % NDEV;

	if (bars[i].addr)
		pasid_dev_bar_unmap(devs[i], bars[i].addr, bars[i].len);
	bars[i].addr = NULL;
	pasid_dev_close(devs[i]);
	devs[i] = NULL;
}

static void op_as_new(void)
{
	int i = in_u8(&in) % NAS;

	if (!ases[i])
		FZ_RET(pasid_as_new(ctx, &ases[i]), "pasid_as_new");
}

static void op_as_free(void)
{
	int i = in_u8(&in) % NAS;

	pasid_as_free(ases[i]);
	ases[i] = NULL;
}

static void op_map(void)
{
	struct pasid_as *as = pick_as();
	unsigned int flags = in_u8(&in) & 7, page = in_u8(&in) % 4;
	uint64_t iova = in_u64(&in);

	if (as)
		FZ_RET(pasid_map(as, bufs + page * PAGE, PAGE, flags, &iova),
		       "pasid_map");
}

static void op_map_file(void)
{
	struct pasid_as *as = pick_as();
	unsigned int flags = in_u8(&in) & 7;
	uint64_t iova = in_u64(&in), off = (in_u8(&in) % 5) * PAGE;

	if (as)
		FZ_RET(pasid_map_file(as, memfd, off, PAGE, flags, &iova),
		       "pasid_map_file");
}

static void op_copy(void)
{
	struct pasid_as *dst = pick_as(), *src = pick_as();
	unsigned int flags = in_u8(&in) & 7;
	uint64_t iova = in_u64(&in), src_iova = in_u64(&in);

	if (dst && src)
		FZ_RET(pasid_copy(dst, src, src_iova, PAGE, flags, &iova),
		       "pasid_copy");
}

static void op_unmap(void)
{
	struct pasid_as *as = pick_as();
	uint64_t iova = in_u64(&in), len = in_u64(&in);

	if (as)
		FZ_RET(pasid_unmap(as, iova, len), "pasid_unmap");
}

static void op_ranges(void)
{
	struct pasid_iova_range r[8];
	struct pasid_as *as = pick_as();
	unsigned int n = in_u8(&in) % 9;
	uint64_t align;
	int ret;

	if (!as)
		return;
	ret = pasid_as_iova_ranges(as, r, n, &align);
	FZ_RET(ret, "pasid_as_iova_ranges");
}

static void op_bind(void)
{
	struct pasid_dev *dev = pick_dev();
	struct pasid_as *as = pick_as();
	int pasid = in_u8(&in) & 1 ? PASID_ANY : (int)(in_u32(&in) % 300);
	int ret;

	if (!dev || !as)
		return;
	ret = pasid_bind(dev, as, pasid);
	FZ_RET(ret, "pasid_bind");
	FZ_CHECK(ret < (1 << MAX_PASID_WIDTH), "PASID %d handed out", ret);
	FZ_CHECK(ret != 0, "PASID 0 handed out");
}

static void op_unbind(void)
{
	struct pasid_dev *dev = pick_dev();
	uint32_t pasid = in_u32(&in) % 300;

	if (dev)
		FZ_RET(pasid_unbind(dev, pasid), "pasid_unbind");
}

static void op_rebind(void)
{
	struct pasid_dev *dev = pick_dev();
	struct pasid_as *as = pick_as();
	uint32_t pasid = in_u32(&in) % 300;

	if (dev && as)
		FZ_RET(pasid_rebind(dev, pasid, as), "pasid_rebind");
}

static void op_rid(void)
{
	struct pasid_dev *dev = pick_dev();
	struct pasid_as *as = pick_as();
	unsigned int flags = in_u8(&in) & 3;

	if (dev && as)
		FZ_RET(pasid_attach_rid(dev, as, flags), "pasid_attach_rid");
	else if (dev)
		FZ_RET(pasid_detach_rid(dev), "pasid_detach_rid");
}

static void op_devio(void)
{
	struct pasid_dev *dev = pick_dev();
	uint32_t off = in_u32(&in) % 0x1000;
	unsigned int len = 1u << (in_u8(&in) % 3);
	uint32_t val = 0;

	if (!dev)
		return;
	switch (in_u8(&in) % 3) {
	case 0:
		FZ_RET(pasid_dev_config_read(dev, off & ~(len - 1), &val, len),
		       "pasid_dev_config_read");
		break;
	case 1:
		FZ_RET(pasid_dev_config_write(dev, off & ~(len - 1), &val, len),
		       "pasid_dev_config_write");
		break;
	default:
		FZ_RET(pasid_dev_set_bus_master(dev, off & 1),
		       "pasid_dev_set_bus_master");
		break;
	}
}

static void op_bar(void)
{
	int i = in_u8(&in) % NDEV;
	unsigned int n = in_u8(&in) % 7;

	if (!devs[i])
		return;
	if (bars[i].addr) {
		FZ_RET(pasid_dev_bar_unmap(devs[i], bars[i].addr, bars[i].len),
		       "pasid_dev_bar_unmap");
		bars[i].addr = NULL;
		return;
	}
	FZ_RET(pasid_dev_bar_map(devs[i], n, &bars[i].addr, &bars[i].len),
	       "pasid_dev_bar_map");
}

static void (*const ops[])(void) = {
	op_dev_open, op_dev_open_fd, op_dev_close, op_as_new, op_as_free,
	op_map, op_map_file, op_copy, op_unmap, op_ranges, op_bind,
	op_unbind, op_rebind, op_rid, op_devio, op_bar,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int i, steps;

	in = (struct in){ data, size };
	memset(devs, 0, sizeof(devs));
	memset(ases, 0, sizeof(ases));
	memset(bars, 0, sizeof(bars));
	FZ_RET(pasid_ctx_open(&ctx, NULL), "pasid_ctx_open");
	for (steps = 0; ctx && !in_empty(&in) && steps < 64; steps++)
		ops[in_u8(&in) % (sizeof(ops) / sizeof(ops[0]))]();
	/* BARs first (pasid_ctx_close(3)), then everything else goes */
	for (i = 0; i < NDEV; i++)
		if (bars[i].addr)
			pasid_dev_bar_unmap(devs[i], bars[i].addr, bars[i].len);
	pasid_ctx_close(ctx);
	ctx = NULL;
	for (i = 0; i < NFAKE; i++)
		FZ_CHECK(!fake_open[i], "fd %d of the kernel left open",
			 FAKE_BASE + i);
	return 0;
}
