/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Device discovery from sysfs (doc/kernel-rules.md §5): turn what a user
 * typed into a PCI address and a VFIO cdev path, and read one device's facts
 * (IOMMU instance, group, driver, cdev, PCIe PASID/ATS/PRI capabilities).
 *
 * Every sysfs path is built from pasid_sys->sysfs_root so the unit tests can
 * point it at a fake tree; files are read through the pasid_sys seam. Links
 * and directories are read with readlink()/opendir()/realpath() on those
 * root-relative paths (the seam has no such calls).
 *
 * Nothing here keeps state: every buffer is on the caller's stack, so all of
 * it is thread-safe.
 *
 * Errors of discover_resolve() / discover_find():
 *   -EINVAL        the name is not a PCI address, sysfs path or cdev path
 *   -ENODEV        no such device; not a PCI device; no IOMMU group (not
 *                  behind an IOMMU)
 *   -EBUSY         the device is bound to another driver, or to none
 *   -EOPNOTSUPP    bound to a VFIO driver but the kernel has no VFIO device
 *                  cdev (CONFIG_VFIO_DEVICE_CDEV)
 *   -ENAMETOOLONG  a path or name does not fit its buffer
 *   -ENOMEM        out of memory (realpath, opendir)
 *   -EMFILE, ...   a sysfs directory could not be read (sysfs_dir_error)
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "discover.h"
#include "internal.h"
#include "sys.h"
#include "sysfs.h"
#include "iommu/vendor.h"

#define VFIO_CDEV_DIR	"/dev/vfio/devices/"

#define BAD_NAME_MSG \
	"'%s' is not a PCI address (expected DDDD:BB:DD.F, e.g. 0000:00:04.0), a sysfs path or /dev/vfio/devices/vfioN"


/* ------------------------------------------------------------------ */
/* PCI addresses */

/* Parse up to max hex digits; NULL unless at least min were there. */
static const char *hex_field(const char *s, int min, int max,
			     unsigned long *val)
{
	int i;

	*val = 0;
	for (i = 0; isxdigit((unsigned char)s[i]); i++) {
		if (i == max)
			return NULL;
		*val = *val * 16 + (isdigit((unsigned char)s[i]) ?
				    s[i] - '0' : (tolower((unsigned char)s[i]) - 'a' + 10));
	}
	return i < min ? NULL : s + i;
}

/*
 * "DDDD:BB:DD.F" or "BB:DD.F" into the kernel's form ("%04x:%02x:%02x.%d",
 * lower case). Domains above 0xffff exist (VMD uses 0x10000+) so up to 8
 * digits are read, but the value must fit out[16].
 */
static bool parse_bdf(const char *s, char out[16])
{
	unsigned long a, b, dom = 0, bus, slot, fn;
	const char *p;

	p = hex_field(s, 2, 8, &a);
	if (!p || *p != ':')
		return false;
	p = hex_field(p + 1, 2, 2, &b);
	if (!p)
		return false;
	if (*p == ':') {
		/* a was the domain: the kernel prints at least 4 digits */
		if (p - s < 7)
			return false;
		dom = a;
		bus = b;
		p = hex_field(p + 1, 2, 2, &slot);
		if (!p)
			return false;
	} else {
		if (a > 0xff || s[2] != ':')
			return false;
		bus = a;
		slot = b;
	}
	if (*p != '.' || p[1] < '0' || p[1] > '7' || p[2] != '\0')
		return false;
	fn = p[1] - '0';
	if (slot > 0x1f || dom > 0xffffff)
		return false;
	snprintf(out, 16, "%04lx:%02lx:%02lx.%lu", dom, bus, slot, fn);
	return true;
}

bool discover_is_pci_name(const char *s)
{
	char bdf[16];

	return s && parse_bdf(s, bdf) && !strcmp(s, bdf);
}

int discover_parse_bdf(const char *s, char out[16])
{
	if (!s || !parse_bdf(s, out))
		return pasid_err(NULL, EINVAL, BAD_NAME_MSG, s ? s : "(null)");
	return 0;
}

/* 0 if <root>/bus/pci/devices/<bdf> exists, -ENOENT (no message) if not. */
static int check_pci(const char *bdf)
{
	char path[PATH_MAX];
	int ret;

	ret = sysfs_path(path, sizeof(path), PCI_DEVICES "/%s", bdf);
	if (ret)
		return ret;
	return sysfs_exists(path) ? 0 : -ENOENT;
}

/* -ENAMETOOLONG for a name the user typed: the name is at fault, not the
 * sysfs root (sysfs_too_long is for paths the library builds). */
static int name_too_long(const char *name, const char *what, size_t max)
{
	return pasid_err(NULL, ENAMETOOLONG,
			 "the name '%.64s...' (%zu bytes) is too long for %s (at most %zu bytes): give the device's PCI address, e.g. 0000:00:04.0",
			 name, strlen(name), what, max);
}

static int no_device(const char *name)
{
	return pasid_err(NULL, ENODEV,
			 "no PCI device %s: see `lspci -D` or `pasidctl list` for the addresses there are",
			 name);
}

static int not_pci(const char *name, const char *what)
{
	return pasid_err(NULL, ENODEV,
			 "%s is %s, not a PCI device: libpasid discovers PCI devices only",
			 name, what);
}

int discover_scan_pci(int (*fn)(const char *bdf, void *arg), void *arg)
{
	char path[PATH_MAX], bdf[16];
	struct dirent *de;
	DIR *dir;
	int ret;

	ret = sysfs_path(path, sizeof(path), PCI_DEVICES);
	if (ret)
		return ret;
	dir = opendir(path);
	if (!dir) {
		/* a machine without PCI has no bus/pci at all */
		if (errno == ENOENT)
			return 0;
		return sysfs_dir_error(path, errno);
	}
	ret = 0;
	while (!ret && (de = readdir(dir)))
		if (parse_bdf(de->d_name, bdf) && !strcmp(bdf, de->d_name))
			ret = fn(bdf, arg);
	closedir(dir);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Names to PCI addresses */

/*
 * A sysfs path: "/sys/..." (mapped under the sysfs root, for tests) or a path
 * already under the root. Symlinks are resolved, so /sys/bus/pci/devices/X,
 * /sys/devices/pci0000:00/X and links such as /sys/class/net/eth0/device all
 * work; the device is the last component of the real path.
 */
static int find_by_sysfs_path(const char *name, char bdf[16])
{
	const char *root = pasid_sys->sysfs_root;
	size_t rlen = strlen(root);
	char path[PATH_MAX], *real;
	const char *base;
	int n, ret;

	if (!strncmp(name, root, rlen) && name[rlen] == '/')
		n = snprintf(path, sizeof(path), "%s", name);
	else if (!strncmp(name, "/sys/", 5))
		n = snprintf(path, sizeof(path), "%s%s", root, name + 4);
	else
		return pasid_err(NULL, EINVAL, BAD_NAME_MSG, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return name_too_long(name, "a sysfs path", sizeof(path) - 1);

	real = realpath(path, NULL);
	if (!real) {
		if (errno == ENOENT || errno == ENOTDIR)
			return pasid_err(NULL, ENODEV, "%s does not exist", name);
		/* a component or the resolved path of the name is too long */
		if (errno == ENAMETOOLONG)
			return name_too_long(name, "a sysfs path (or one of its components)",
					     (size_t)PATH_MAX - 1);
		return pasid_err(NULL, errno, "cannot resolve %s: %s", name,
				 strerror(errno));
	}
	base = strrchr(real, '/');
	base = base ? base + 1 : real;
	if (!parse_bdf(base, bdf) || strcmp(base, bdf)) {
		ret = pasid_err(NULL, EINVAL,
				"%s is not a PCI device directory (its name should be a PCI address such as 0000:00:04.0)",
				name);
	} else {
		ret = check_pci(bdf);
		if (ret == -ENOENT)
			ret = not_pci(name, "a sysfs directory named like a PCI address");
	}
	free(real);
	return ret;
}

struct cdev_scan {
	const char *entry;	/* "vfio0" */
	char bdf[16];		/* out: the device that has it */
};

static int match_cdev(const char *bdf, void *arg)
{
	struct cdev_scan *s = arg;
	char path[PATH_MAX];
	int ret;

	ret = sysfs_path(path, sizeof(path), PCI_DEVICES "/%s/vfio-dev/%s",
			 bdf, s->entry);
	if (ret)
		return ret;
	if (!sysfs_exists(path))
		return 0;
	memcpy(s->bdf, bdf, sizeof(s->bdf));
	return 1;
}

/*
 * "/dev/vfio/devices/vfioN": the class/vfio-dev/vfioN/device link names the
 * parent device; without the class directory (odd kernels, trimmed fake
 * trees) look for the PCI device that has vfio-dev/vfioN.
 */
static int find_by_cdev(const char *name, char bdf[16])
{
	const char *entry = name + strlen(VFIO_CDEV_DIR);
	struct cdev_scan s = { .entry = entry };
	char path[PATH_MAX], parent[NAME_MAX + 1];
	int ret;

	if (!*entry || strchr(entry, '/') || entry[0] == '.')
		return pasid_err(NULL, EINVAL, BAD_NAME_MSG, name);
	/* the cdev path must fit struct pasid_devref.cdev in the end */
	if (strlen(name) >= sizeof(((struct pasid_devref *)0)->cdev))
		return name_too_long(name, "a VFIO cdev path",
				     sizeof(((struct pasid_devref *)0)->cdev) - 1);

	ret = sysfs_path(path, sizeof(path), "class/vfio-dev/%s/device", entry);
	if (ret)
		return ret;
	ret = sysfs_link_base(path, parent, sizeof(parent));
	if (ret == 0) {
		if (!parse_bdf(parent, bdf) || strcmp(parent, bdf))
			return not_pci(name, "the cdev of a device");
		ret = check_pci(bdf);
		if (ret == -ENOENT)
			return not_pci(name, "the cdev of a device");
		return ret;
	}
	if (sysfs_fatal(ret))
		return ret;

	ret = discover_scan_pci(match_cdev, &s);
	if (ret < 0)
		return ret;
	if (ret == 0)
		return pasid_err(NULL, ENODEV,
				 "no device has the VFIO cdev %s: `pasidctl list` shows the cdev of each device bound to vfio-pci",
				 name);
	memcpy(bdf, s.bdf, sizeof(s.bdf));
	return 0;
}

int discover_find(const char *name, char bdf[16])
{
	char tmp[16];
	int ret;

	if (!name || !*name)
		return pasid_err(NULL, EINVAL, BAD_NAME_MSG, name ? name : "(null)");
	if (name[0] != '/') {
		ret = discover_parse_bdf(name, tmp);
		if (ret)
			return ret;
		ret = check_pci(tmp);
		if (ret == -ENOENT)
			return no_device(tmp);
	} else if (!strncmp(name, VFIO_CDEV_DIR, strlen(VFIO_CDEV_DIR))) {
		ret = find_by_cdev(name, tmp);
	} else if (!strncmp(name, "/dev/", 5)) {
		/* e.g. a legacy group node /dev/vfio/N: it names no device */
		return pasid_err(NULL, EINVAL, BAD_NAME_MSG, name);
	} else {
		ret = find_by_sysfs_path(name, tmp);
	}
	if (ret)
		return ret;
	memcpy(bdf, tmp, sizeof(tmp));
	return 0;
}

/* ------------------------------------------------------------------ */
/* VFIO binding */

/*
 * The device's vfio-dev/<entry> (present while a VFIO driver is bound, named
 * like the cdev: "vfio0", or "noiommu-vfio0" on 7.3+). *has_cdev tells whether
 * it has a dev file, i.e. whether the kernel made a cdev for it: without
 * CONFIG_VFIO_DEVICE_CDEV the directory exists but has no devt.
 * Returns 0, -ENOENT (no message) if there is no entry, or another -errno
 * with a message: the directory could not be read (EMFILE, ENOMEM, ...),
 * which must not read as "no VFIO cdev", or a name too long.
 */
/* The first entry of the directory path: 0, -ENOENT (no message) if it
 * has none or does not exist, another -errno with a message. */
static int first_entry(const char *path, char *entry, size_t len)
{
	struct dirent *de;
	DIR *dir;
	int ret = -ENOENT;

	dir = opendir(path);
	if (!dir) {
		if (errno == ENOENT || errno == ENOTDIR)
			return -ENOENT;
		return sysfs_dir_error(path, errno);
	}
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		ret = sysfs_copy_name(entry, len, de->d_name);
		break;
	}
	closedir(dir);
	return ret;
}

static int vfio_entry(const char *bdf, char *entry, size_t len, bool *has_cdev)
{
	char path[PATH_MAX];
	int ret;

	ret = sysfs_path(path, sizeof(path), PCI_DEVICES "/%s/vfio-dev", bdf);
	if (!ret)
		ret = first_entry(path, entry, len);
	if (ret)
		return ret;
	ret = sysfs_path(path, sizeof(path), PCI_DEVICES "/%s/vfio-dev/%s/dev",
			 bdf, entry);
	if (ret)
		return ret;
	*has_cdev = sysfs_exists(path);
	return 0;
}

int discover_vfio_cdev_missing(void)
{
	char path[PATH_MAX], entry[NAME_MAX + 1];
	int ret;

	ret = sysfs_path(path, sizeof(path), "class/vfio-dev");
	if (!ret)
		ret = first_entry(path, entry, sizeof(entry));
	if (ret == -ENOENT)
		return 0;	/* no VFIO device: nothing says so */
	if (!ret)
		ret = sysfs_path(path, sizeof(path), "class/vfio-dev/%s/dev",
				 entry);
	if (ret)
		return ret;
	return !sysfs_exists(path);
}

/* The bound driver's name, "" if none. */
static int driver_name(const char *bdf, char *out, size_t len)
{
	char path[PATH_MAX];
	int ret;

	ret = sysfs_path(path, sizeof(path), PCI_DEVICES "/%s/driver", bdf);
	if (ret)
		return ret;
	ret = sysfs_link_base(path, out, len);
	if (ret && !sysfs_fatal(ret)) {
		out[0] = '\0';
		ret = 0;
	}
	return ret;
}

/* The cdev path of a device bound to a VFIO driver, or why there is none. */
/* -EBUSY: the device is not bound to vfio-pci; say how to hand it over. */
static int not_vfio(const char *bdf, const char *driver)
{
	const char *root = pasid_sys->sysfs_root;

	if (!driver[0])
		return pasid_err(NULL, EBUSY,
				 "%s is not bound to any driver, not vfio-pci: as root, echo vfio-pci > %s/" PCI_DEVICES "/%s/driver_override; echo %s > %s/bus/pci/drivers_probe",
				 bdf, root, bdf, bdf, root);
	return pasid_err(NULL, EBUSY,
			 "%s is bound to %s, not vfio-pci: as root, echo %s > %s/" PCI_DEVICES "/%s/driver/unbind; echo vfio-pci > %s/" PCI_DEVICES "/%s/driver_override; echo %s > %s/bus/pci/drivers_probe",
			 bdf, driver, bdf, root, bdf, root, bdf, bdf, root);
}

static int vfio_cdev_of(const char *bdf, char cdev[64])
{
	char entry[NAME_MAX + 1], driver[NAME_MAX + 1], path[PATH_MAX];
	bool has_cdev = false;
	int ret, n;

	ret = sysfs_path(path, sizeof(path), PCI_DEVICES "/%s/iommu_group", bdf);
	if (ret)
		return ret;
	if (!sysfs_exists(path))
		return pasid_err(NULL, ENODEV,
				 "%s is not behind an IOMMU (it has no IOMMU group): enable VT-d/AMD-Vi/SMMU in the firmware and the IOMMU in the kernel (e.g. intel_iommu=on)",
				 bdf);

	ret = vfio_entry(bdf, entry, sizeof(entry), &has_cdev);
	if (ret && ret != -ENOENT)
		return ret;
	if (ret) {
		ret = driver_name(bdf, driver, sizeof(driver));
		if (ret)
			return ret;
		/* vfio-pci or a variant driver, from a kernel without the
		 * vfio-dev class (before 6.1): no cdev either */
		if (strstr(driver, "vfio"))
			goto no_cdev;
		return not_vfio(bdf, driver);
	}
	if (!has_cdev)
		goto no_cdev;
	n = snprintf(cdev, 64, VFIO_CDEV_DIR "%s", entry);
	if (n < 0 || n >= 64)
		return sysfs_too_long(entry);
	return 0;
no_cdev:
	return pasid_err(NULL, EOPNOTSUPP,
			 "%s is bound to a VFIO driver but has no VFIO device cdev: the kernel needs CONFIG_VFIO_DEVICE_CDEV=y (Linux 6.6+); without it the device is reached through its VFIO group (LIBPASID_BACKEND=group, or a context opened once the device is bound to vfio-pci)",
			 bdf);
}

int discover_resolve(const char *name, struct pasid_devref *ref)
{
	struct pasid_devref r;
	int ret;

	memset(&r, 0, sizeof(r));
	ret = discover_find(name, r.bdf);
	if (ret)
		return ret;
	ret = vfio_cdev_of(r.bdf, r.cdev);
	if (ret)
		return ret;
	*ref = r;
	return 0;
}

int discover_check_cdev(const struct pasid_devref *ref, dev_t rdev)
{
	const char *entry = strrchr(ref->cdev, '/');
	char path[PATH_MAX], num[32] = "", now[NAME_MAX + 1];
	unsigned int maj, min;
	bool has_cdev = false;
	char end;
	int ret;

	entry = entry ? entry + 1 : ref->cdev;
	ret = sysfs_path(path, sizeof(path), PCI_DEVICES "/%s/vfio-dev/%s/dev",
			 ref->bdf, entry);
	if (ret)
		return ret;
	/* unreadable: the device lost that cdev (unbound) since we looked */
	if (!sysfs_read_attr(path, num, sizeof(num)) &&
	    sscanf(num, "%u:%u%c", &maj, &min, &end) == 2 &&
	    makedev(maj, min) == rdev)
		return 0;
	/* say where the device is now, if anywhere */
	ret = vfio_entry(ref->bdf, now, sizeof(now), &has_cdev);
	if (ret || !has_cdev)
		snprintf(now, sizeof(now), "no VFIO cdev");
	return pasid_err(NULL, ESTALE,
			 "%s is not the cdev of %s any more (the node opened is char device %u:%u; %s now has %s): the device was unbound from vfio-pci meanwhile and its number reused; look it up again (pasidctl list) and retry",
			 ref->cdev, ref->bdf, major(rdev), minor(rdev), ref->bdf,
			 now);
}

/*
 * <root>/dev/char/MAJ:MIN links to the class device, which for a VFIO cdev is
 * <parent device>/vfio-dev/vfioN.
 */
int discover_resolve_rdev(dev_t rdev, struct pasid_devref *ref)
{
	char path[PATH_MAX], target[PATH_MAX], num[32];
	struct pasid_devref r;
	char *entry, *parent;
	ssize_t n;
	int ret;

	memset(&r, 0, sizeof(r));
	snprintf(num, sizeof(num), "%u:%u", major(rdev), minor(rdev));
	ret = sysfs_path(path, sizeof(path), "dev/char/%s", num);
	if (ret)
		return ret;
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return pasid_err(NULL, ENODEV,
				 "no character device %s in %s/dev/char: is sysfs mounted?",
				 num, pasid_sys->sysfs_root);
	target[n] = '\0';

	entry = strrchr(target, '/');
	if (!entry)
		goto not_vfio;
	*entry++ = '\0';
	parent = strrchr(target, '/');
	if (!parent || strcmp(parent + 1, "vfio-dev"))
		goto not_vfio;
	*parent = '\0';
	parent = strrchr(target, '/');
	parent = parent ? parent + 1 : target;

	ret = -ENOENT;
	if (parse_bdf(parent, r.bdf) && !strcmp(parent, r.bdf))
		ret = check_pci(r.bdf);
	if (sysfs_fatal(ret))
		return ret;
	if (ret)
		return pasid_err(NULL, ENODEV,
				 "character device %s is the VFIO cdev of %s, which is not a PCI device: libpasid discovers PCI devices only",
				 num, parent);
	n = snprintf(r.cdev, sizeof(r.cdev), VFIO_CDEV_DIR "%s", entry);
	if (n < 0 || (size_t)n >= sizeof(r.cdev))
		return sysfs_too_long(entry);
	*ref = r;
	return 0;
not_vfio:
	return pasid_err(NULL, ENODEV,
			 "character device %s is not a VFIO device cdev (/dev/vfio/devices/vfioN)",
			 num);
}

/* ------------------------------------------------------------------ */
/* One device's facts */

/* A "0x8086" attribute; 0 when missing or malformed. */
static int read_id(const char *bdf, const char *attr, uint16_t *id)
{
	char path[PATH_MAX], buf[16], *end;
	unsigned long v;
	int ret;

	*id = 0;
	ret = sysfs_path(path, sizeof(path), PCI_DEVICES "/%s/%s", bdf, attr);
	if (ret)
		return ret;
	if (sysfs_read_attr(path, buf, sizeof(buf)))
		return 0;
	errno = 0;
	v = strtoul(buf, &end, 16);
	if (!errno && !*end && end != buf && v <= 0xffff)
		*id = (uint16_t)v;
	return 0;
}

/* Basename of an optional link of the device into out; "" when missing. */
static int read_link_attr(const char *bdf, const char *attr, char *out,
			  size_t len)
{
	char path[PATH_MAX];
	int ret;

	out[0] = '\0';
	ret = sysfs_path(path, sizeof(path), PCI_DEVICES "/%s/%s", bdf, attr);
	if (ret)
		return ret;
	ret = sysfs_link_base(path, out, len);
	if (ret && !sysfs_fatal(ret)) {
		out[0] = '\0';
		ret = 0;
	}
	return ret;
}

/* The group number, -1 without a group (or a name that is no number). */
static int read_group(const char *bdf, int *group)
{
	char name[NAME_MAX + 1], *end;
	long v;
	int ret;

	*group = -1;
	ret = read_link_attr(bdf, "iommu_group", name, sizeof(name));
	if (ret || !name[0])
		return ret;
	errno = 0;
	v = strtol(name, &end, 10);
	if (!errno && !*end && end != name && v >= 0 && v <= INT_MAX)
		*group = (int)v;
	return 0;
}

int discover_devinfo(const char *bdf, struct pasid_devinfo *info)
{
	char entry[NAME_MAX + 1], path[PATH_MAX];
	bool has_cdev = false;
	int ret, n;

	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	ret = sysfs_copy_name(info->bdf, sizeof(info->bdf), bdf);
	if (ret)
		return ret;
	ret = check_pci(bdf);
	if (ret == -ENOENT)
		return no_device(bdf);
	if (ret)
		return ret;

	ret = read_id(bdf, "vendor", &info->vendor_id);
	if (!ret)
		ret = read_id(bdf, "device", &info->device_id);
	if (ret)
		return ret;
	ret = read_link_attr(bdf, "driver", info->driver, sizeof(info->driver));
	if (ret)
		return ret;
	ret = read_link_attr(bdf, "iommu", info->iommu, sizeof(info->iommu));
	if (ret)
		return ret;
	info->iommu_vendor = info->iommu[0] ?
			     pasid_vendor_by_instance(info->iommu) :
			     PASID_IOMMU_UNKNOWN;
	ret = read_group(bdf, &info->iommu_group);
	if (ret)
		return ret;

	ret = vfio_entry(bdf, entry, sizeof(entry), &has_cdev);
	if (ret && ret != -ENOENT)
		return ret;
	if (!ret && has_cdev) {
		n = snprintf(info->vfio_cdev, sizeof(info->vfio_cdev),
			     VFIO_CDEV_DIR "%s", entry);
		if (n < 0 || (size_t)n >= sizeof(info->vfio_cdev))
			return sysfs_too_long(entry);
	}

	ret = sysfs_path(path, sizeof(path), PCI_DEVICES "/%s/physfn", bdf);
	if (ret)
		return ret;
	info->is_vf = sysfs_exists(path);
	return pci_caps_read(bdf, info);
}
