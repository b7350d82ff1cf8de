/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Discovery against a fake sysfs tree built in a temp dir: name resolution,
 * PCI address parsing, per-device facts (IOMMU vendor, group, driver, cdev,
 * PASID/ATS/PRI from config space, VF -> PF), the device list and its errors.
 * One test compares the libudev and the directory enumeration on the real
 * /sys of the machine.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "discover.h"
#include "libpasid/libpasid.h"
#include "sys.h"

/* snprintf that fails the test instead of truncating */
#define FMT(buf, ...) \
	ck_assert_int_lt(snprintf((buf), sizeof(buf), __VA_ARGS__), \
			 (int)sizeof(buf))

static char root[PATH_MAX];
static struct pasid_sys fake;

/* ------------------------------------------------------------------ */
/* Building the tree */

static void mkdirs(const char *rel)
{
	char path[PATH_MAX], *p;

	FMT(path, "%s/%s", root, rel);
	for (p = path + strlen(root) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		ck_assert(mkdir(path, 0755) == 0 || errno == EEXIST);
		*p = '/';
	}
	ck_assert(mkdir(path, 0755) == 0 || errno == EEXIST);
}

static void parent_dirs(const char *rel)
{
	char dir[PATH_MAX], *slash;

	FMT(dir, "%s", rel);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		mkdirs(dir);
	}
}

static void mkfile(const char *rel, const void *data, size_t len)
{
	char path[PATH_MAX];
	int fd;

	parent_dirs(rel);
	FMT(path, "%s/%s", root, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void mktext(const char *rel, const char *text)
{
	mkfile(rel, text, strlen(text));
}

/* A relative symlink, as sysfs makes them: rel -> target (both under root). */
static void mklink(const char *rel, const char *target)
{
	char path[PATH_MAX], to[PATH_MAX] = "";
	const char *p;

	parent_dirs(rel);
	for (p = strchr(rel, '/'); p; p = strchr(p + 1, '/'))
		strcat(to, "../");
	strcat(to, target);
	FMT(path, "%s/%s", root, rel);
	ck_assert_msg(symlink(to, path) == 0, "symlink %s: %m", path);
}

static void devdir(const char *bdf, char *out, size_t len)
{
	snprintf(out, len, "devices/pci%.*s:00/%s", (int)strcspn(bdf, ":"),
		 bdf, bdf);
}

static void dev_file(const char *bdf, const char *attr, const void *data,
		     size_t len)
{
	char rel[PATH_MAX], dir[PATH_MAX];

	devdir(bdf, dir, sizeof(dir));
	FMT(rel, "%s/%s", dir, attr);
	mkfile(rel, data, len);
}

static void dev_link(const char *bdf, const char *attr, const char *target)
{
	char rel[PATH_MAX], dir[PATH_MAX];

	devdir(bdf, dir, sizeof(dir));
	FMT(rel, "%s/%s", dir, attr);
	mklink(rel, target);
}

static void add_pci(const char *bdf, uint16_t vendor, uint16_t device)
{
	char dir[PATH_MAX], rel[PATH_MAX], buf[16];

	devdir(bdf, dir, sizeof(dir));
	mkdirs(dir);
	FMT(buf, "0x%04x\n", vendor);
	dev_file(bdf, "vendor", buf, strlen(buf));
	FMT(buf, "0x%04x\n", device);
	dev_file(bdf, "device", buf, strlen(buf));
	FMT(rel, "bus/pci/devices/%s", bdf);
	mklink(rel, dir);
}

static void set_iommu(const char *bdf, const char *name)
{
	char rel[PATH_MAX];

	FMT(rel, "class/iommu/%s", name);
	mkdirs(rel);
	dev_link(bdf, "iommu", rel);
}

static void set_group(const char *bdf, int group)
{
	char rel[PATH_MAX];

	FMT(rel, "kernel/iommu_groups/%d", group);
	mkdirs(rel);
	dev_link(bdf, "iommu_group", rel);
}

static void set_driver(const char *bdf, const char *driver)
{
	char rel[PATH_MAX];

	FMT(rel, "bus/pci/drivers/%s", driver);
	mkdirs(rel);
	dev_link(bdf, "driver", rel);
}

/* vfio-dev/<entry>, with a dev file (cdev) when minor >= 0; the class and
 * dev/char links only when class_links is set. */
static void set_vfio(const char *bdf, const char *entry, int minor,
		     bool class_links)
{
	char dir[PATH_MAX], rel[PATH_MAX], target[PATH_MAX], num[32];

	devdir(bdf, dir, sizeof(dir));
	FMT(target, "%s/vfio-dev/%s", dir, entry);
	mkdirs(target);
	FMT(rel, "%s/device", target);
	mklink(rel, dir);
	if (minor >= 0) {
		FMT(num, "511:%d\n", minor);
		FMT(rel, "%s/dev", target);
		mktext(rel, num);
		FMT(rel, "dev/char/511:%d", minor);
		mklink(rel, target);
	}
	if (class_links) {
		FMT(rel, "class/vfio-dev/%s", entry);
		mklink(rel, target);
	}
}

/* Extended capability header: id, version 1, next. */
static void put_cap(uint8_t *cfg, unsigned int pos, unsigned int id,
		    unsigned int next)
{
	uint32_t hdr = id | 1u << 16 | next << 20;

	memcpy(cfg + pos, &hdr, 4);	/* the tests run little-endian */
}

static void put16(uint8_t *cfg, unsigned int pos, uint16_t v)
{
	cfg[pos] = v & 0xff;
	cfg[pos + 1] = v >> 8;
}

static void set_config(const char *bdf, const uint8_t *cfg, size_t len)
{
	dev_file(bdf, "config", cfg, len);
}

/*
 * 0000:00:04.0  dmar0, group 7, vfio-pci, vfio0 (cdev, class links),
 *               PASID(width 20, exec, priv) at 0x100, ATS, PRI
 * 0000:00:05.0  ivhd0, group 8, e1000e, config truncated to 64 bytes
 * 0000:00:06.0  smmu3.0x..., group 9, no driver, 256-byte config
 * 0000:00:07.0  virtio-iommu (named after its PCI function), group 13,
 *               vfio-pci without cdev; ATS only
 * 0000:00:08.0  no IOMMU, no group, driver ahci
 * 0000:00:09.0  PF: dmar0, group 10, ice; PASID width 16 + PRI, no ATS
 * 0000:00:09.1  VF of 09.0: dmar0, group 11, vfio-pci, vfio2 (no class
 *               link: found by scanning); own config has ATS only
 * 0000:0a:00.0  dmar0, group 12 (sort order)
 * 10000:00:00.0 dmar0, group 14 (a VMD domain, sorts last)
 * dev/char/511:5 is a vfio cdev of a platform device; dev/char/1:3 mem/null
 */
static void build_tree(void)
{
	uint8_t cfg[4096];

	/* created out of order on purpose: the list must sort */
	add_pci("10000:00:00.0", 0x8086, 0x0b60);
	set_iommu("10000:00:00.0", "dmar0");
	set_group("10000:00:00.0", 14);

	add_pci("0000:0a:00.0", 0x144d, 0xa808);
	set_iommu("0000:0a:00.0", "dmar0");
	set_group("0000:0a:00.0", 12);

	add_pci("0000:00:04.0", 0x8086, 0x1234);
	set_iommu("0000:00:04.0", "dmar0");
	set_group("0000:00:04.0", 7);
	set_driver("0000:00:04.0", "vfio-pci");
	set_vfio("0000:00:04.0", "vfio0", 0, true);
	memset(cfg, 0, sizeof(cfg));
	put16(cfg, 0, 0x8086);
	put_cap(cfg, 0x100, 0x1b, 0x120);
	put16(cfg, 0x104, 20 << 8 | 0x6);	/* width 20, exec, priv */
	put_cap(cfg, 0x120, 0x0f, 0x140);
	put_cap(cfg, 0x140, 0x13, 0);
	set_config("0000:00:04.0", cfg, sizeof(cfg));

	add_pci("0000:00:05.0", 0x8086, 0x10d3);
	set_iommu("0000:00:05.0", "ivhd0");
	set_group("0000:00:05.0", 8);
	set_driver("0000:00:05.0", "e1000e");
	set_config("0000:00:05.0", cfg, 64);	/* what non-root reads */

	add_pci("0000:00:06.0", 0x1af4, 0x1000);
	set_iommu("0000:00:06.0", "smmu3.0x0000000009000000");
	set_group("0000:00:06.0", 9);
	set_config("0000:00:06.0", cfg, 256);

	add_pci("0000:00:07.0", 0x1af4, 0x1041);
	/* virtio-iommu-pci names its instance after its own PCI function */
	set_iommu("0000:00:07.0", "0000:00:03.0");
	set_group("0000:00:07.0", 13);
	set_driver("0000:00:07.0", "vfio-pci");
	set_vfio("0000:00:07.0", "vfio1", -1, true);
	memset(cfg, 0, sizeof(cfg));
	put_cap(cfg, 0x100, 0x01, 0x180);	/* AER first */
	put_cap(cfg, 0x180, 0x0f, 0);
	set_config("0000:00:07.0", cfg, sizeof(cfg));

	add_pci("0000:00:08.0", 0x8086, 0x2922);
	set_driver("0000:00:08.0", "ahci");

	add_pci("0000:00:09.0", 0x8086, 0x1592);
	set_iommu("0000:00:09.0", "dmar0");
	set_group("0000:00:09.0", 10);
	set_driver("0000:00:09.0", "ice");
	memset(cfg, 0, sizeof(cfg));
	put_cap(cfg, 0x100, 0x13, 0x200);
	put_cap(cfg, 0x200, 0x1b, 0);
	put16(cfg, 0x204, 16 << 8);
	set_config("0000:00:09.0", cfg, sizeof(cfg));

	add_pci("0000:00:09.1", 0x8086, 0x1889);
	set_iommu("0000:00:09.1", "dmar0");
	set_group("0000:00:09.1", 11);
	set_driver("0000:00:09.1", "vfio-pci");
	set_vfio("0000:00:09.1", "vfio2", 2, false);
	dev_link("0000:00:09.1", "physfn", "devices/pci0000:00/0000:00:09.0");
	memset(cfg, 0, sizeof(cfg));
	put_cap(cfg, 0x100, 0x0f, 0);
	set_config("0000:00:09.1", cfg, sizeof(cfg));

	mkdirs("devices/platform/foo.0/vfio-dev/vfio5");
	mklink("dev/char/511:5", "devices/platform/foo.0/vfio-dev/vfio5");
	mkdirs("devices/virtual/mem/null");
	mklink("dev/char/1:3", "devices/virtual/mem/null");
}

static void setup(void)
{
	FMT(root, "%s/pasid-sysfs-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(root));
	build_tree();
	fake = *pasid_sys;
	fake.sysfs_root = root;
	pasid_sys_set(&fake);
}

static int rm_one(const char *path, const struct stat *st, int type,
		  struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

static void teardown(void)
{
	pasid_sys_set(NULL);
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *rootpath(const char *rel)
{
	static char buf[PATH_MAX];

	FMT(buf, "%s/%s", root, rel);
	return buf;
}

#define ck_errmsg_has(s) \
	ck_assert_msg(strstr(pasid_errmsg(), (s)), "message '%s' lacks '%s'", \
		      pasid_errmsg(), (s))

/* ------------------------------------------------------------------ */
/* discover_parse_bdf */

START_TEST(parse_good)
{
	static const char *const in[][2] = {
		{ "0000:00:04.0", "0000:00:04.0" },
		{ "00:04.0", "0000:00:04.0" },
		{ "0000:0A:1F.7", "0000:0a:1f.7" },
		{ "10000:00:00.0", "10000:00:00.0" },
		{ "00000001:02:03.4", "0001:02:03.4" },
		{ "ffffff:ff:1f.7", "ffffff:ff:1f.7" },
	};
	char out[16];
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		ck_assert_int_eq(discover_parse_bdf(in[i][0], out), 0);
		ck_assert_str_eq(out, in[i][1]);
	}
}
END_TEST

START_TEST(parse_bad)
{
	static const char *const in[] = {
		"", "0000:00:04", "0000:00:20.0", "0000:00:04.8",
		"00:4.0", "0:04.0", "000:00:04.0", "0000:00:04.0x",
		"zz:04.0", "0000:000:04.0", "1000000:00:00.0",
		"123456789:00:00.0", "0000-00-04.0", " 00:04.0", "00:04.0 ",
		"0000:00:04.", ":00:04.0",
	};
	char out[16];
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		ck_assert_msg(discover_parse_bdf(in[i], out) == -EINVAL,
			      "'%s' parsed", in[i]);
		ck_errmsg_has("is not a PCI address (expected DDDD:BB:DD.F");
	}
	ck_assert_int_eq(discover_parse_bdf(NULL, out), -EINVAL);
}
END_TEST

/* ------------------------------------------------------------------ */
/* discover_resolve */

static void resolve_ok(const char *name, const char *bdf, const char *cdev)
{
	struct pasid_devref ref;
	int ret;

	memset(&ref, 0x5a, sizeof(ref));
	ret = discover_resolve(name, &ref);
	ck_assert_msg(ret == 0, "resolve %s: %d %s", name, ret, pasid_errmsg());
	ck_assert_str_eq(ref.bdf, bdf);
	ck_assert_str_eq(ref.cdev, cdev);
}

static void resolve_err(const char *name, int err, const char *msg)
{
	struct pasid_devref ref, before;
	int ret;

	memset(&ref, 0x5a, sizeof(ref));
	before = ref;
	ret = discover_resolve(name, &ref);
	ck_assert_msg(ret == -err, "resolve %s: %d, expected %d (%s)", name,
		      ret, -err, pasid_errmsg());
	ck_errmsg_has(msg);
	/* a failed call leaves the out-parameter alone */
	ck_assert(memcmp(&ref, &before, sizeof(ref)) == 0);
}

START_TEST(resolve_bdf)
{
	resolve_ok("0000:00:04.0", "0000:00:04.0", "/dev/vfio/devices/vfio0");
	resolve_ok("00:04.0", "0000:00:04.0", "/dev/vfio/devices/vfio0");
	resolve_ok("0000:00:09.1", "0000:00:09.1", "/dev/vfio/devices/vfio2");
}
END_TEST

START_TEST(resolve_sysfs_path)
{
	char name[PATH_MAX];

	resolve_ok("/sys/bus/pci/devices/0000:00:04.0", "0000:00:04.0",
		   "/dev/vfio/devices/vfio0");
	resolve_ok("/sys/devices/pci0000:00/0000:00:04.0", "0000:00:04.0",
		   "/dev/vfio/devices/vfio0");
	resolve_ok("/sys/devices/pci0000:00/0000:00:04.0/", "0000:00:04.0",
		   "/dev/vfio/devices/vfio0");
	/* a link that ends at the device */
	resolve_ok("/sys/class/vfio-dev/vfio0/device", "0000:00:04.0",
		   "/dev/vfio/devices/vfio0");
	/* a path already under the (fake) root */
	FMT(name, "%s/bus/pci/devices/0000:00:09.1", root);
	resolve_ok(name, "0000:00:09.1", "/dev/vfio/devices/vfio2");

	resolve_err("/sys/bus/pci/devices/0000:00:1f.0", ENODEV,
		    "does not exist");
	resolve_err("/sys/class/iommu/dmar0", EINVAL,
		    "is not a PCI device directory");
	resolve_err("/home/user/0000:00:04.0", EINVAL, "is not a PCI address");
}
END_TEST

START_TEST(resolve_cdev_path)
{
	/* through class/vfio-dev */
	resolve_ok("/dev/vfio/devices/vfio0", "0000:00:04.0",
		   "/dev/vfio/devices/vfio0");
	/* no class link: found by scanning the PCI devices */
	resolve_ok("/dev/vfio/devices/vfio2", "0000:00:09.1",
		   "/dev/vfio/devices/vfio2");
	resolve_err("/dev/vfio/devices/vfio9", ENODEV,
		    "no device has the VFIO cdev /dev/vfio/devices/vfio9");
	resolve_err("/dev/vfio/devices/", EINVAL, "is not a PCI address");
	resolve_err("/dev/vfio/devices/../vfio", EINVAL, "is not a PCI address");
	resolve_err("/dev/vfio/7", EINVAL, "is not a PCI address");
}
END_TEST

START_TEST(resolve_errors)
{
	resolve_err("bogus", EINVAL,
		    "'bogus' is not a PCI address (expected DDDD:BB:DD.F, e.g. 0000:00:04.0), a sysfs path or /dev/vfio/devices/vfioN");
	resolve_err("", EINVAL, "is not a PCI address");
	resolve_err(NULL, EINVAL, "is not a PCI address");
	resolve_err("0000:00:1f.0", ENODEV, "no PCI device 0000:00:1f.0");
	resolve_err("00:08.0", ENODEV, "0000:00:08.0 is not behind an IOMMU");
	resolve_err("00:05.0", EBUSY,
		    "0000:00:05.0 is bound to e1000e, not vfio-pci: as root, echo 0000:00:05.0 > ");
	resolve_err("00:05.0", EBUSY, "driver_override");
	resolve_err("00:06.0", EBUSY,
		    "0000:00:06.0 is not bound to any driver, not vfio-pci");
	resolve_err("00:07.0", EOPNOTSUPP, "CONFIG_VFIO_DEVICE_CDEV");
}
END_TEST

START_TEST(resolve_vfio_without_vfio_dev)
{
	/* a VFIO driver on a kernel without the vfio-dev class at all */
	add_pci("0000:00:0b.0", 0x8086, 0x1);
	set_group("0000:00:0b.0", 20);
	set_driver("0000:00:0b.0", "mlx5_vfio_pci");
	resolve_err("00:0b.0", EOPNOTSUPP, "CONFIG_VFIO_DEVICE_CDEV");
}
END_TEST

START_TEST(resolve_too_long)
{
	static char deep[PATH_MAX];
	struct pasid_devref ref;

	/* a root that leaves no room for the rest of any path */
	memset(deep, 'a', sizeof(deep) - 8);
	deep[0] = '/';
	deep[sizeof(deep) - 8] = '\0';
	fake.sysfs_root = deep;
	ck_assert_int_eq(discover_resolve("0000:00:04.0", &ref), -ENAMETOOLONG);
	ck_errmsg_has("too long");
	fake.sysfs_root = root;

	/* a name the user typed that is too long is blamed on the name */
	ck_assert_int_eq(discover_resolve("/dev/vfio/devices/vfio0123456789012345678901234567890123456789012345", &ref),
			 -ENAMETOOLONG);
	ck_errmsg_has("too long for a VFIO cdev path");
	ck_assert_ptr_null(strstr(pasid_errmsg(), "sysfs root"));
	memset(deep, 'a', sizeof(deep) - 1);
	memcpy(deep, "/sys/", 5);
	deep[sizeof(deep) - 1] = '\0';
	ck_assert_int_eq(discover_resolve(deep, &ref), -ENAMETOOLONG);
	ck_errmsg_has("too long for a sysfs path");
	ck_assert_ptr_null(strstr(pasid_errmsg(), "sysfs root"));
	/* one component longer than a file name can be */
	memset(deep + 5, 'a', NAME_MAX + 10);
	deep[5 + NAME_MAX + 10] = '\0';
	ck_assert_int_eq(discover_resolve(deep, &ref), -ENAMETOOLONG);
	ck_errmsg_has("too long for a sysfs path");
}
END_TEST

/* A vfio-dev directory that cannot be read for lack of file descriptors is
 * that, not "the kernel has no VFIO cdevs". */
START_TEST(resolve_out_of_fds)
{
	struct rlimit old, low;
	int fds[64], n = 0, fd;

	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = 64;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	while (n < 64 && (fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
		fds[n++] = fd;
	ck_assert_int_eq(errno, EMFILE);
	resolve_err("0000:00:04.0", EMFILE, "too many open files");
	ck_errmsg_has("vfio-dev");
	while (n > 0)
		close(fds[--n]);
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
	resolve_ok("0000:00:04.0", "0000:00:04.0", "/dev/vfio/devices/vfio0");
}
END_TEST

/* Several threads resolving at once get their own results and messages. */
static void *resolver(void *arg)
{
	struct pasid_devref ref;
	long bad = 0;
	int i;

	(void)arg;
	for (i = 0; i < 200; i++) {
		if (discover_resolve("00:04.0", &ref) ||
		    strcmp(ref.cdev, "/dev/vfio/devices/vfio0"))
			bad++;
		if (discover_resolve("/dev/vfio/devices/vfio2", &ref) ||
		    strcmp(ref.bdf, "0000:00:09.1"))
			bad++;
		if (discover_resolve("00:05.0", &ref) != -EBUSY ||
		    !strstr(pasid_errmsg(), "e1000e"))
			bad++;
	}
	return (void *)bad;
}

START_TEST(resolve_threads)
{
	pthread_t t[4];
	void *bad;
	int i;

	for (i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, resolver, NULL), 0);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(pthread_join(t[i], &bad), 0);
		ck_assert_ptr_null(bad);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* discover_resolve_rdev */

START_TEST(rdev)
{
	struct pasid_devref ref, before;

	ck_assert_int_eq(discover_resolve_rdev(makedev(511, 0), &ref), 0);
	ck_assert_str_eq(ref.bdf, "0000:00:04.0");
	ck_assert_str_eq(ref.cdev, "/dev/vfio/devices/vfio0");
	ck_assert_int_eq(discover_resolve_rdev(makedev(511, 2), &ref), 0);
	ck_assert_str_eq(ref.bdf, "0000:00:09.1");
	ck_assert_str_eq(ref.cdev, "/dev/vfio/devices/vfio2");

	before = ref;
	ck_assert_int_eq(discover_resolve_rdev(makedev(511, 9), &ref), -ENODEV);
	ck_errmsg_has("no character device 511:9");
	ck_assert_int_eq(discover_resolve_rdev(makedev(1, 3), &ref), -ENODEV);
	ck_errmsg_has("is not a VFIO device cdev");
	ck_assert_int_eq(discover_resolve_rdev(makedev(511, 5), &ref), -ENODEV);
	ck_errmsg_has("not a PCI device");
	ck_assert(memcmp(&ref, &before, sizeof(ref)) == 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* pasid_devinfo_get */

static struct pasid_devinfo info_of(const char *name)
{
	struct pasid_devinfo info = { .size = sizeof(info) };
	int ret;

	ret = pasid_devinfo_get(name, &info);
	ck_assert_msg(ret == 0, "devinfo %s: %d %s", name, ret, pasid_errmsg());
	ck_assert_uint_eq(info.size, sizeof(info));
	return info;
}

START_TEST(devinfo_full)
{
	struct pasid_devinfo i = info_of("0000:00:04.0");

	ck_assert_str_eq(i.bdf, "0000:00:04.0");
	ck_assert_uint_eq(i.vendor_id, 0x8086);
	ck_assert_uint_eq(i.device_id, 0x1234);
	ck_assert_str_eq(i.driver, "vfio-pci");
	ck_assert_str_eq(i.iommu, "dmar0");
	ck_assert_int_eq(i.iommu_vendor, PASID_IOMMU_INTEL_VTD);
	ck_assert_int_eq(i.iommu_group, 7);
	ck_assert_str_eq(i.vfio_cdev, "/dev/vfio/devices/vfio0");
	ck_assert(!i.is_vf);
	ck_assert_int_eq(i.pci_pasid_width, 20);
	ck_assert_int_eq(i.pci_ats, 1);
	ck_assert_int_eq(i.pci_pri, 1);
	ck_assert_uint_eq(i.pci_pasid_flags,
			  PASID_CAP_PASID_EXEC | PASID_CAP_PASID_PRIV);
}
END_TEST

START_TEST(devinfo_vendors_and_config)
{
	struct pasid_devinfo i;

	/* 64 bytes of config (non-root): capabilities unknown */
	i = info_of("00:05.0");
	ck_assert_str_eq(i.iommu, "ivhd0");
	ck_assert_int_eq(i.iommu_vendor, PASID_IOMMU_AMD_VI);
	ck_assert_str_eq(i.driver, "e1000e");
	ck_assert_str_eq(i.vfio_cdev, "");
	ck_assert_int_eq(i.pci_pasid_width, -1);
	ck_assert_int_eq(i.pci_ats, -1);
	ck_assert_int_eq(i.pci_pri, -1);
	ck_assert_uint_eq(i.pci_pasid_flags, 0);

	/* 256 bytes: no extended config space, so no capabilities */
	i = info_of("00:06.0");
	ck_assert_str_eq(i.iommu, "smmu3.0x0000000009000000");
	ck_assert_int_eq(i.iommu_vendor, PASID_IOMMU_ARM_SMMUV3);
	ck_assert_str_eq(i.driver, "");
	ck_assert_int_eq(i.iommu_group, 9);
	ck_assert_int_eq(i.pci_pasid_width, 0);
	ck_assert_int_eq(i.pci_ats, 0);
	ck_assert_int_eq(i.pci_pri, 0);

	/* walk past another capability; vfio-dev without a cdev */
	i = info_of("00:07.0");
	ck_assert_str_eq(i.iommu, "0000:00:03.0");
	ck_assert_int_eq(i.iommu_vendor, PASID_IOMMU_VIRTIO);
	ck_assert_str_eq(i.vfio_cdev, "");
	ck_assert_int_eq(i.pci_pasid_width, 0);
	ck_assert_int_eq(i.pci_ats, 1);
	ck_assert_int_eq(i.pci_pri, 0);

	/* not behind an IOMMU, no config file at all */
	i = info_of("00:08.0");
	ck_assert_str_eq(i.iommu, "");
	ck_assert_int_eq(i.iommu_vendor, PASID_IOMMU_UNKNOWN);
	ck_assert_int_eq(i.iommu_group, -1);
	ck_assert_str_eq(i.driver, "ahci");
	ck_assert_int_eq(i.pci_pasid_width, -1);
	ck_assert_int_eq(i.pci_ats, -1);
}
END_TEST

START_TEST(devinfo_vf)
{
	struct pasid_devinfo i;

	/* PASID and PRI are the PF's; ATS is the VF's own */
	i = info_of("00:09.1");
	ck_assert(i.is_vf);
	ck_assert_int_eq(i.iommu_group, 11);
	ck_assert_str_eq(i.vfio_cdev, "/dev/vfio/devices/vfio2");
	ck_assert_int_eq(i.pci_pasid_width, 16);
	ck_assert_uint_eq(i.pci_pasid_flags, 0);
	ck_assert_int_eq(i.pci_pri, 1);
	ck_assert_int_eq(i.pci_ats, 1);

	i = info_of("00:09.0");
	ck_assert(!i.is_vf);
	ck_assert_int_eq(i.pci_pasid_width, 16);
	ck_assert_int_eq(i.pci_ats, 0);

	/* the PF's config unreadable beyond 64 bytes: PASID unknown */
	dev_file("0000:00:09.0", "config", "\x86\x80", 2);
	i = info_of("00:09.1");
	ck_assert_int_eq(i.pci_pasid_width, -1);
	ck_assert_int_eq(i.pci_pri, -1);
	ck_assert_int_eq(i.pci_ats, 1);
}
END_TEST

START_TEST(devinfo_names)
{
	ck_assert_str_eq(info_of("/dev/vfio/devices/vfio2").bdf, "0000:00:09.1");
	ck_assert_str_eq(info_of("/sys/bus/pci/devices/0000:00:05.0").bdf,
			 "0000:00:05.0");
	/* a device that resolve refuses is still described */
	ck_assert_str_eq(info_of("00:06.0").bdf, "0000:00:06.0");
	ck_assert_str_eq(info_of("10000:00:00.0").bdf, "10000:00:00.0");
}
END_TEST

START_TEST(devinfo_sizes)
{
	struct {
		struct pasid_devinfo info;
		uint8_t newer[16];
	} big;
	struct pasid_devinfo small;
	size_t cut = offsetof(struct pasid_devinfo, driver);

	/* an older caller: only the fields it knows are written */
	memset(&small, 0x5a, sizeof(small));
	small.size = cut;
	ck_assert_int_eq(pasid_devinfo_get("00:04.0", &small), 0);
	ck_assert_uint_eq(small.size, cut);
	ck_assert_str_eq(small.bdf, "0000:00:04.0");
	ck_assert_uint_eq(small.device_id, 0x1234);
	ck_assert_uint_eq((uint8_t)small.driver[0], 0x5a);

	/* a newer caller: fields the library does not know read as zero */
	memset(&big, 0x5a, sizeof(big));
	big.info.size = sizeof(big);
	ck_assert_int_eq(pasid_devinfo_get("00:04.0", &big.info), 0);
	ck_assert_uint_eq(big.info.size, sizeof(big));
	ck_assert_int_eq(big.info.iommu_group, 7);
	ck_assert_uint_eq(big.newer[0], 0);
	ck_assert_uint_eq(big.newer[15], 0);

	small.size = 0;
	ck_assert_int_eq(pasid_devinfo_get("00:04.0", &small), -EINVAL);
	ck_errmsg_has("info->size");
	ck_assert_int_eq(pasid_devinfo_get("00:04.0", NULL), -EINVAL);
	small.size = sizeof(small);
	ck_assert_int_eq(pasid_devinfo_get(NULL, &small), -EINVAL);
	ck_assert_int_eq(pasid_devinfo_get("0000:00:1f.0", &small), -ENODEV);
	ck_assert_int_eq(pasid_devinfo_get("nope", &small), -EINVAL);
}
END_TEST

/* ------------------------------------------------------------------ */
/* pasid_devlist_* */

START_TEST(devlist_sorted)
{
	static const char *const want[] = {
		"0000:00:04.0", "0000:00:05.0", "0000:00:06.0", "0000:00:07.0",
		"0000:00:09.0", "0000:00:09.1", "0000:0a:00.0", "10000:00:00.0",
	};
	struct pasid_devinfo info = { .size = sizeof(info) };
	struct pasid_devlist *list = NULL;
	size_t i, n = sizeof(want) / sizeof(want[0]);

	ck_assert_int_eq(pasid_devlist_new(&list), 0);
	ck_assert_str_eq(pasid_errmsg(), "");
	ck_assert_uint_eq(pasid_devlist_count(list), n);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(pasid_devlist_get(list, i, &info), 0);
		ck_assert_str_eq(info.bdf, want[i]);
	}
	ck_assert_int_eq(pasid_devlist_get(list, 0, &info), 0);
	ck_assert_str_eq(info.vfio_cdev, "/dev/vfio/devices/vfio0");
	ck_assert_int_eq(info.pci_pasid_width, 20);
	ck_assert_int_eq(pasid_devlist_get(list, 5, &info), 0);
	ck_assert(info.is_vf);

	ck_assert_int_eq(pasid_devlist_get(list, n, &info), -EINVAL);
	ck_errmsg_has("out of range");
	ck_assert_int_eq(pasid_devlist_get(list, 0, NULL), -EINVAL);
	ck_assert_int_eq(pasid_devlist_get(NULL, 0, &info), -EINVAL);
	info.size = 0;
	ck_assert_int_eq(pasid_devlist_get(list, 0, &info), -EINVAL);
	pasid_devlist_free(list);
}
END_TEST

START_TEST(devlist_edges)
{
	struct pasid_devlist *list = (void *)1;

	ck_assert_int_eq(pasid_devlist_new(NULL), -EINVAL);
	ck_assert_uint_eq(pasid_devlist_count(NULL), 0);
	pasid_devlist_free(NULL);

	/* no bus/pci at all (a machine without PCI): an empty list */
	ck_assert_int_eq(mkdir(rootpath("empty"), 0755), 0);
	fake.sysfs_root = rootpath("empty");
	ck_assert_int_eq(pasid_devlist_new(&list), 0);
	ck_assert_uint_eq(pasid_devlist_count(list), 0);
	pasid_devlist_free(list);
	fake.sysfs_root = root;
}
END_TEST

/* ------------------------------------------------------------------ */
/* The real /sys: libudev and the directory scan must agree. */

static struct pasid_devlist *real_list(const char *sysroot)
{
	struct pasid_sys s = *pasid_sys;
	struct pasid_devlist *list = NULL;
	int ret;

	s.sysfs_root = sysroot;
	pasid_sys_set(&s);
	ret = pasid_devlist_new(&list);
	pasid_sys_set(NULL);
	ck_assert_msg(ret == 0, "devlist on %s: %d %s", sysroot, ret,
		      pasid_errmsg());
	return list;
}

START_TEST(real_sysfs_udev_matches_scan)
{
	struct pasid_devinfo a = { .size = sizeof(a) }, b = { .size = sizeof(b) };
	struct pasid_devlist *udev, *scan;
	size_t i;

	if (access("/sys/bus/pci/devices", F_OK))
		return;		/* no PCI here: nothing to compare */
	udev = real_list("/sys");		/* libudev */
	scan = real_list("/sys/.");		/* the directory fallback */
	ck_assert_uint_eq(pasid_devlist_count(udev), pasid_devlist_count(scan));
	for (i = 0; i < pasid_devlist_count(udev); i++) {
		ck_assert_int_eq(pasid_devlist_get(udev, i, &a), 0);
		ck_assert_int_eq(pasid_devlist_get(scan, i, &b), 0);
		ck_assert_str_eq(a.bdf, b.bdf);
		ck_assert_str_eq(a.iommu, b.iommu);
		ck_assert_int_eq(a.iommu_group, b.iommu_group);
		ck_assert_str_eq(a.vfio_cdev, b.vfio_cdev);
		ck_assert_int_eq(a.pci_pasid_width, b.pci_pasid_width);
	}
	pasid_devlist_free(udev);
	pasid_devlist_free(scan);
}
END_TEST

static Suite *discover_suite(void)
{
	Suite *s = suite_create("discover");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, parse_good);
	tcase_add_test(tc, parse_bad);
	suite_add_tcase(s, tc);

	tc = tcase_create("resolve");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, resolve_bdf);
	tcase_add_test(tc, resolve_sysfs_path);
	tcase_add_test(tc, resolve_cdev_path);
	tcase_add_test(tc, resolve_errors);
	tcase_add_test(tc, resolve_vfio_without_vfio_dev);
	tcase_add_test(tc, resolve_too_long);
	tcase_add_test(tc, resolve_out_of_fds);
	tcase_add_test(tc, resolve_threads);
	tcase_add_test(tc, rdev);
	suite_add_tcase(s, tc);

	tc = tcase_create("devinfo");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, devinfo_full);
	tcase_add_test(tc, devinfo_vendors_and_config);
	tcase_add_test(tc, devinfo_vf);
	tcase_add_test(tc, devinfo_names);
	tcase_add_test(tc, devinfo_sizes);
	suite_add_tcase(s, tc);

	tc = tcase_create("devlist");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, devlist_sorted);
	tcase_add_test(tc, devlist_edges);
	suite_add_tcase(s, tc);

	tc = tcase_create("real");
	tcase_add_test(tc, real_sysfs_udev_matches_scan);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(discover_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
