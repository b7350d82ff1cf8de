/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Device discovery from sysfs (uapi-reference §5): turn what a user typed into
 * a PCI address and a VFIO cdev path, and read one device's facts (IOMMU
 * instance, group, driver, cdev, PCIe PASID/ATS/PRI capabilities).
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
 *   -ENOMEM        out of memory (realpath)
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "discover.h"
#include "internal.h"
#include "sys.h"
#include "vendor/vendor.h"

#define PCI_DEVICES	"bus/pci/devices"
#define VFIO_CDEV_DIR	"/dev/vfio/devices/"

/* PCIe extended capabilities (uapi-reference §5.2, pci_regs.h) */
#define PCI_CFG_SPACE_SIZE	256
#define PCI_CFG_SPACE_EXP_SIZE	4096
#define PCI_EXT_CAP_ID_ATS	0x0f
#define PCI_EXT_CAP_ID_PRI	0x13
#define PCI_EXT_CAP_ID_PASID	0x1b
#define PCI_PASID_CAP		0x04	/* 16-bit register after the header */
#define PCI_PASID_CAP_EXEC	0x0002
#define PCI_PASID_CAP_PRIV	0x0004

#define BAD_NAME_MSG \
	"'%s' is not a PCI address (expected DDDD:BB:DD.F, e.g. 0000:00:04.0), a sysfs path or /dev/vfio/devices/vfioN"

/* ------------------------------------------------------------------ */
/* Small sysfs helpers. They return -errno; only -ENAMETOOLONG comes with a
 * message, because for every other error the caller knows better what a
 * missing file means (often: "absent", which is not a failure). */

static int too_long(const char *what)
{
	return pasid_err(NULL, ENAMETOOLONG,
			 "path too long: %.200s... (is the sysfs root too deep?)",
			 what);
}

/* buf = "<sysfs root>/<fmt...>" */
static int __attribute__((format(printf, 3, 4)))
sysfs_path(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n, m;

	n = snprintf(buf, len, "%s/", pasid_sys->sysfs_root);
	if (n < 0 || (size_t)n >= len)
		return too_long(pasid_sys->sysfs_root);
	va_start(ap, fmt);
	m = vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)m >= len - n)
		return too_long(buf);
	return 0;
}

/* Copy src into dst[len]; -ENAMETOOLONG (with message) if it does not fit. */
static int copy_name(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= len)
		return too_long(src);
	memcpy(dst, src, n + 1);
	return 0;
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* Read a small text attribute, trailing newline stripped. */
static int read_attr(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd, err;

	fd = sys_open(path, O_RDONLY);
	if (fd < 0)
		return fd;
	n = pasid_sys->pread(fd, buf, len - 1, 0);
	err = errno;
	sys_close(fd);
	if (n < 0)
		return -err;
	buf[n] = '\0';
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	return 0;
}

/* The last component of a symlink's target ("dmar0" for .../iommu/dmar0). */
static int link_base(const char *path, char *out, size_t len)
{
	char target[PATH_MAX];
	const char *base;
	ssize_t n;

	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	return copy_name(out, len, base ? base + 1 : target);
}

/* -ENAMETOOLONG is the one helper error that must not read as "absent". */
static bool fatal(int ret)
{
	return ret == -ENAMETOOLONG;
}

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
	return exists(path) ? 0 : -ENOENT;
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
		return pasid_err(NULL, errno, "cannot list %s: %s", path,
				 strerror(errno));
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
		return too_long(name);

	real = realpath(path, NULL);
	if (!real) {
		if (errno == ENOENT || errno == ENOTDIR)
			return pasid_err(NULL, ENODEV, "%s does not exist", name);
		if (errno == ENAMETOOLONG)
			return too_long(name);
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
	if (!exists(path))
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
		return too_long(name);

	ret = sysfs_path(path, sizeof(path), "class/vfio-dev/%s/device", entry);
	if (ret)
		return ret;
	ret = link_base(path, parent, sizeof(parent));
	if (ret == 0) {
		if (!parse_bdf(parent, bdf) || strcmp(parent, bdf))
			return not_pci(name, "the cdev of a device");
		ret = check_pci(bdf);
		if (ret == -ENOENT)
			return not_pci(name, "the cdev of a device");
		return ret;
	}
	if (fatal(ret))
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
 * Returns 0, -ENOENT if there is no entry, or -ENAMETOOLONG.
 */
static int vfio_entry(const char *bdf, char *entry, size_t len, bool *has_cdev)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dir;
	int ret;

	ret = sysfs_path(path, sizeof(path), PCI_DEVICES "/%s/vfio-dev", bdf);
	if (ret)
		return ret;
	dir = opendir(path);
	if (!dir)
		return -ENOENT;
	ret = -ENOENT;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		ret = copy_name(entry, len, de->d_name);
		break;
	}
	closedir(dir);
	if (ret)
		return ret;
	ret = sysfs_path(path, sizeof(path), PCI_DEVICES "/%s/vfio-dev/%s/dev",
			 bdf, entry);
	if (ret)
		return ret;
	*has_cdev = exists(path);
	return 0;
}

/* The bound driver's name, "" if none. */
static int driver_name(const char *bdf, char *out, size_t len)
{
	char path[PATH_MAX];
	int ret;

	ret = sysfs_path(path, sizeof(path), PCI_DEVICES "/%s/driver", bdf);
	if (ret)
		return ret;
	ret = link_base(path, out, len);
	if (ret && !fatal(ret)) {
		out[0] = '\0';
		ret = 0;
	}
	return ret;
}

/* The cdev path of a device bound to a VFIO driver, or why there is none. */
static int vfio_cdev_of(const char *bdf, char cdev[64])
{
	char entry[NAME_MAX + 1], driver[NAME_MAX + 1], path[PATH_MAX];
	bool has_cdev = false;
	int ret, n;

	ret = sysfs_path(path, sizeof(path), PCI_DEVICES "/%s/iommu_group", bdf);
	if (ret)
		return ret;
	if (!exists(path))
		return pasid_err(NULL, ENODEV,
				 "%s is not behind an IOMMU (it has no IOMMU group): enable VT-d/AMD-Vi/SMMU in the firmware and the IOMMU in the kernel (e.g. intel_iommu=on)",
				 bdf);

	ret = vfio_entry(bdf, entry, sizeof(entry), &has_cdev);
	if (fatal(ret))
		return ret;
	if (ret) {
		ret = driver_name(bdf, driver, sizeof(driver));
		if (ret)
			return ret;
		/* vfio-pci or a variant driver, from a kernel without the
		 * vfio-dev class (before 6.1): no cdev either */
		if (strstr(driver, "vfio"))
			goto no_cdev;
		return pasid_err(NULL, EBUSY,
				 "%s is %s%s, not vfio-pci: run `pasidctl bind %s` or echo vfio-pci > %s/" PCI_DEVICES "/%s/driver_override and reprobe",
				 bdf, driver[0] ? "bound to " : "not bound to any driver",
				 driver, bdf, pasid_sys->sysfs_root, bdf);
	}
	if (!has_cdev)
		goto no_cdev;
	n = snprintf(cdev, 64, VFIO_CDEV_DIR "%s", entry);
	if (n < 0 || n >= 64)
		return too_long(entry);
	return 0;
no_cdev:
	return pasid_err(NULL, EOPNOTSUPP,
			 "%s is bound to a VFIO driver but has no VFIO device cdev: the kernel needs CONFIG_VFIO_DEVICE_CDEV=y (Linux 6.6+)",
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
	if (fatal(ret))
		return ret;
	if (ret)
		return pasid_err(NULL, ENODEV,
				 "character device %s is the VFIO cdev of %s, which is not a PCI device: libpasid discovers PCI devices only",
				 num, parent);
	n = snprintf(r.cdev, sizeof(r.cdev), VFIO_CDEV_DIR "%s", entry);
	if (n < 0 || (size_t)n >= sizeof(r.cdev))
		return too_long(entry);
	*ref = r;
	return 0;
not_vfio:
	return pasid_err(NULL, ENODEV,
			 "character device %s is not a VFIO device cdev (/dev/vfio/devices/vfioN)",
			 num);
}

/* ------------------------------------------------------------------ */
/* PCIe capabilities from config space */

static unsigned int le16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}

static uint32_t le32(const uint8_t *p)
{
	return le16(p) | (uint32_t)le16(p + 2) << 16;
}

/*
 * Read as much of a config file as we are allowed to: all 4096 bytes as root,
 * the first 64 otherwise (pci-sysfs). *len = bytes read, 0 if unreadable.
 */
static int read_config(const char *bdf, const char *file, uint8_t *buf,
		       size_t *len)
{
	char path[PATH_MAX];
	size_t got = 0;
	ssize_t n;
	int fd, ret;

	*len = 0;
	ret = sysfs_path(path, sizeof(path), PCI_DEVICES "/%s/%s", bdf, file);
	if (ret)
		return ret;
	fd = sys_open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	while (got < PCI_CFG_SPACE_EXP_SIZE) {
		n = pasid_sys->pread(fd, buf + got,
				     PCI_CFG_SPACE_EXP_SIZE - got, got);
		if (n <= 0)
			break;
		got += n;
	}
	sys_close(fd);
	*len = got;
	return 0;
}

/*
 * Offset of extended capability id, 0 if absent, -1 if the config we could
 * read is too short to tell (non-root: 64 bytes). Exactly 256 bytes is a
 * device without extended config space, so "absent" is the truth there.
 */
static int ext_cap(const uint8_t *cfg, size_t len, unsigned int id)
{
	unsigned int pos = PCI_CFG_SPACE_SIZE;
	/* as the kernel: a bound on the walk in case the list loops */
	int ttl = (PCI_CFG_SPACE_EXP_SIZE - PCI_CFG_SPACE_SIZE) / 8;
	uint32_t hdr;

	if (len < PCI_CFG_SPACE_SIZE)
		return -1;
	if (len == PCI_CFG_SPACE_SIZE)
		return 0;
	while (ttl-- > 0) {
		if (pos + 4 > len)
			return -1;
		hdr = le32(cfg + pos);
		if (hdr == 0 || hdr == 0xffffffff)
			return 0;
		if ((hdr & 0xffff) == id)
			return pos;
		pos = (hdr >> 20) & 0xffc;
		if (pos < PCI_CFG_SPACE_SIZE)
			return 0;
	}
	return 0;
}

static int cap_present(int pos)
{
	return pos > 0 ? 1 : pos;
}

/*
 * PASID and PRI of an SR-IOV VF live in its PF (the kernel reads them through
 * pci_physfn(), uapi-reference §5.2); ATS is implemented by each VF itself.
 */
static int read_pci_caps(const char *bdf, struct pasid_devinfo *info)
{
	uint8_t own[PCI_CFG_SPACE_EXP_SIZE], pf_buf[PCI_CFG_SPACE_EXP_SIZE];
	const uint8_t *pf = own;
	size_t own_len, pf_len;
	unsigned int reg;
	int pos, ret;

	ret = read_config(bdf, "config", own, &own_len);
	if (ret)
		return ret;
	pf_len = own_len;
	if (info->is_vf) {
		ret = read_config(bdf, "physfn/config", pf_buf, &pf_len);
		if (ret)
			return ret;
		pf = pf_buf;
	}

	info->pci_ats = cap_present(ext_cap(own, own_len, PCI_EXT_CAP_ID_ATS));
	info->pci_pri = cap_present(ext_cap(pf, pf_len, PCI_EXT_CAP_ID_PRI));

	pos = ext_cap(pf, pf_len, PCI_EXT_CAP_ID_PASID);
	if (pos <= 0 || pos + PCI_PASID_CAP + 2 > (int)pf_len) {
		info->pci_pasid_width = pos == 0 ? 0 : -1;
		return 0;
	}
	reg = le16(pf + pos + PCI_PASID_CAP);
	info->pci_pasid_width = (reg >> 8) & 0x1f;
	if (reg & PCI_PASID_CAP_EXEC)
		info->pci_pasid_flags |= PASID_CAP_PASID_EXEC;
	if (reg & PCI_PASID_CAP_PRIV)
		info->pci_pasid_flags |= PASID_CAP_PASID_PRIV;
	return 0;
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
	if (read_attr(path, buf, sizeof(buf)))
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
	ret = link_base(path, out, len);
	if (ret && !fatal(ret)) {
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
	ret = copy_name(info->bdf, sizeof(info->bdf), bdf);
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
	if (fatal(ret))
		return ret;
	if (!ret && has_cdev) {
		n = snprintf(info->vfio_cdev, sizeof(info->vfio_cdev),
			     VFIO_CDEV_DIR "%s", entry);
		if (n < 0 || (size_t)n >= sizeof(info->vfio_cdev))
			return too_long(entry);
	}

	ret = sysfs_path(path, sizeof(path), PCI_DEVICES "/%s/physfn", bdf);
	if (ret)
		return ret;
	info->is_vf = exists(path);
	return read_pci_caps(bdf, info);
}
