/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The fake sysfs tree, laid out like the real one (doc/kernel-rules.md §5):
 *
 *   devices/pci0000:00/<bdf>/{vendor,device,class,config}
 *   devices/pci0000:00/<bdf>/iommu       -> ../../virtual/iommu/<name>
 *   devices/pci0000:00/<bdf>/iommu_group -> ../../../kernel/iommu_groups/<n>
 *   devices/pci0000:00/<bdf>/driver      -> ../../../bus/pci/drivers/<drv>
 *   devices/pci0000:00/<bdf>/vfio-dev/vfioN/dev   "511:N"
 *   devices/virtual/iommu/<name>/devices/<bdf>, intel-iommu/, amd-iommu/
 *   class/iommu/<name>, class/vfio-dev/vfioN, dev/char/511:N
 *   kernel/iommu_groups/<n>/{devices/<bdf>,type,reserved_regions}
 *   bus/pci/devices/<bdf>, bus/pci/drivers/<drv>/{<bdf>,bind,unbind}
 *   devices/pci0000:00/<bdf>/driver_override, bus/pci/drivers_probe
 *   (what writes to them do: emu-driver.c)
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu-internal.h"

const char *emu_iommu_name(enum emu_iommu iommu)
{
	switch (iommu) {
	case EMU_IOMMU_INTEL:
		return "dmar0";
	case EMU_IOMMU_SMMUV3:
		return "smmu3.0x0000000009050000";
	case EMU_IOMMU_AMD:
		return "ivhd0";
	case EMU_IOMMU_VIRTIO:
		break;
	}
	return "virtio0";
}

static int vpath(char *buf, size_t n, const char *fmt, va_list ap)
{
	int len = snprintf(buf, n, "%s/", emu.root);

	if (len < 0 || (size_t)len >= n)
		return -ENAMETOOLONG;
	len = vsnprintf(buf + len, n - (size_t)len, fmt, ap);
	return len < 0 || (size_t)len >= n ? -ENAMETOOLONG : 0;
}

/* mkdir -p of the path made from fmt */
static int mkdirs(const char *fmt, ...)
{
	char path[PATH_MAX], *p;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vpath(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (ret)
		return ret;
	for (p = path + strlen(emu.root) + 1; ; p++) {
		if (*p == '/' || !*p) {
			char c = *p;

			*p = '\0';
			if (mkdir(path, 0755) && errno != EEXIST)
				return -errno;
			*p = c;
			if (!c)
				break;
		}
	}
	return 0;
}

static int wfile(const void *data, size_t len, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	int fd, ret;

	va_start(ap, fmt);
	ret = vpath(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (ret)
		return ret;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	ret = write(fd, data, len) == (ssize_t)len ? 0 : -EIO;
	close(fd);
	return ret;
}

static int wstr(const char *s, const char *fmt, const char *arg)
{
	return wfile(s, strlen(s), fmt, arg);
}

static int slink(const char *target, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vpath(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (ret)
		return ret;
	if (symlink(target, path) && errno != EEXIST)
		return -errno;
	return 0;
}

int emu_sysfs_create(void)
{
	snprintf(emu.root, sizeof(emu.root), "/tmp/libpasid-emu-XXXXXX");
	if (!mkdtemp(emu.root)) {
		emu.root[0] = '\0';
		return -errno;
	}
	if (mkdirs("devices/pci0000:00") || mkdirs("devices/virtual/iommu") ||
	    mkdirs("class/iommu") || mkdirs("class/vfio-dev") ||
	    mkdirs("kernel/iommu_groups") || mkdirs("bus/pci/devices") ||
	    mkdirs("bus/pci/drivers") || mkdirs("dev/char") ||
	    wfile("", 0, "bus/pci/drivers_probe")) {
		emu_sysfs_remove();
		return -EIO;
	}
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void emu_sysfs_remove(void)
{
	if (emu.root[0])
		nftw(emu.root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	emu.root[0] = '\0';
}

/* The IOMMU instance directory, once per instance. */
static int add_iommu(const struct emu_dev *dev)
{
	const char *name = emu_iommu_name(dev->cfg.iommu);
	char buf[64], target[128];
	int ret;

	ret = mkdirs("devices/virtual/iommu/%s/devices", name);
	if (ret)
		return ret;
	snprintf(target, sizeof(target), "../../devices/virtual/iommu/%s",
		 name);
	ret = slink(target, "class/iommu/%s", name);
	if (!ret && dev->cfg.iommu == EMU_IOMMU_INTEL) {
		ret = mkdirs("devices/virtual/iommu/%s/intel-iommu", name);
		snprintf(buf, sizeof(buf), "%llx\n",
			 (unsigned long long)emu_vtd_cap(dev));
		ret = ret ?: wfile(buf, strlen(buf),
				   "devices/virtual/iommu/%s/intel-iommu/cap",
				   name);
		snprintf(buf, sizeof(buf), "%llx\n",
			 (unsigned long long)emu_vtd_ecap(dev));
		ret = ret ?: wfile(buf, strlen(buf),
				   "devices/virtual/iommu/%s/intel-iommu/ecap",
				   name);
	} else if (!ret && dev->cfg.iommu == EMU_IOMMU_AMD) {
		ret = mkdirs("devices/virtual/iommu/%s/amd-iommu", name);
		ret = ret ?: wstr("40000000\n",
				  "devices/virtual/iommu/%s/amd-iommu/cap",
				  name);
		snprintf(buf, sizeof(buf), "%llx:0\n",
			 (unsigned long long)emu_amd_efr(dev));
		ret = ret ?: wfile(buf, strlen(buf),
				   "devices/virtual/iommu/%s/amd-iommu/features",
				   name);
	}
	return ret;
}

/* kernel/iommu_groups/<n>/reserved_regions: every device's region once */
void emu_sysfs_update_resv(struct emu_dev *dev)
{
	char buf[1024];
	size_t len = 0, i, j;

	buf[0] = '\0';
	for (i = 0; i < emu.ndevs + 1; i++) {
		struct emu_dev *d = i < emu.ndevs ? emu.devs[i] : dev;
		bool dup = false;

		if (d->group != dev->group || !d->has_resv ||
		    (i == emu.ndevs && emu_dev_by_index(dev->index) == dev))
			continue;
		for (j = 0; j < i && j < emu.ndevs; j++) {
			struct emu_dev *e = emu.devs[j];

			dup |= e->group == d->group && e->has_resv &&
			       e->resv_start == d->resv_start &&
			       e->resv_last == d->resv_last;
		}
		if (!dup && len < sizeof(buf))
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
						"0x%016llx 0x%016llx msi\n",
						(unsigned long long)d->resv_start,
						(unsigned long long)d->resv_last);
	}
	if (len > sizeof(buf) - 1)
		len = sizeof(buf) - 1;
	wfile(buf, len, "kernel/iommu_groups/%d/reserved_regions",
	      dev->group->id);
}

static int add_group(struct emu_dev *dev, const char *devdir)
{
	char target[PATH_MAX];
	int g = dev->group->id, ret;

	ret = mkdirs("kernel/iommu_groups/%d/devices", g);
	ret = ret ?: wfile("DMA\n", 4, "kernel/iommu_groups/%d/type", g);
	snprintf(target, sizeof(target), "../../../../%s", devdir);
	ret = ret ?: slink(target, "kernel/iommu_groups/%d/devices/%s", g,
			   dev->bdf);
	if (!ret)
		emu_sysfs_update_resv(dev);
	return ret;
}

/* The device's directory, relative to the root. */
static void devdir_of(const struct emu_dev *dev, char *buf, size_t len)
{
	snprintf(buf, len, "devices/pci0000:00/%s", dev->bdf);
}

int emu_sysfs_add_device(struct emu_dev *dev)
{
	char devdir[64], target[PATH_MAX];
	uint8_t cfg[EMU_CFG_SIZE];
	const char *b = dev->bdf;
	int ret;

	devdir_of(dev, devdir, sizeof(devdir));
	ret = mkdirs("%s", devdir);
	ret = ret ?: wstr("0x1234\n", "%s/vendor", devdir);
	ret = ret ?: wstr("0x11e8\n", "%s/device", devdir);
	ret = ret ?: wstr("0x00ff00\n", "%s/class", devdir);
	/* as the kernel shows an unset one */
	ret = ret ?: wstr("(null)\n", "%s/driver_override", devdir);
	emu_dev_init_config(dev, cfg, true);
	ret = ret ?: wfile(cfg, sizeof(cfg), "%s/config", devdir);
	ret = ret ?: add_iommu(dev);
	snprintf(target, sizeof(target), "../../virtual/iommu/%s",
		 emu_iommu_name(dev->cfg.iommu));
	ret = ret ?: slink(target, "%s/iommu", devdir);
	snprintf(target, sizeof(target), "../../../../pci0000:00/%s", b);
	ret = ret ?: slink(target, "devices/virtual/iommu/%s/devices/%s",
			   emu_iommu_name(dev->cfg.iommu), b);
	snprintf(target, sizeof(target), "../../../kernel/iommu_groups/%d",
		 dev->group->id);
	ret = ret ?: slink(target, "%s/iommu_group", devdir);
	ret = ret ?: add_group(dev, devdir);
	snprintf(target, sizeof(target), "../../../%s", devdir);
	ret = ret ?: slink(target, "bus/pci/devices/%s", b);
	return ret ?: emu_sysfs_add_driver(dev);
}

int emu_sysfs_add_driver_dir(const char *driver)
{
	int ret = mkdirs("bus/pci/drivers/%s", driver);

	ret = ret ?: wstr("", "bus/pci/drivers/%s/bind", driver);
	return ret ?: wstr("", "bus/pci/drivers/%s/unbind", driver);
}

int emu_sysfs_add_driver(struct emu_dev *dev)
{
	char devdir[64], target[PATH_MAX], buf[64];
	const char *b = dev->bdf;
	int ret = 0, n = dev->minor;

	devdir_of(dev, devdir, sizeof(devdir));
	if (dev->driver[0]) {
		ret = emu_sysfs_add_driver_dir(dev->driver);
		snprintf(target, sizeof(target), "../../../../%s", devdir);
		ret = ret ?: slink(target, "bus/pci/drivers/%s/%s",
				   dev->driver, b);
		snprintf(target, sizeof(target), "../../../bus/pci/drivers/%s",
			 dev->driver);
		ret = ret ?: slink(target, "%s/driver", devdir);
	}
	/* the vfio-dev entry (6.1+); its dev file only with the cdev */
	if (!ret && n >= 0) {
		ret = mkdirs("%s/vfio-dev/vfio%d", devdir, n);
		snprintf(target, sizeof(target), "../../%s/vfio-dev/vfio%d",
			 devdir, n);
		ret = ret ?: slink(target, "class/vfio-dev/vfio%d", n);
	}
	if (!ret && dev->cdev) {
		snprintf(buf, sizeof(buf), "%d:%d\n", EMU_VFIO_MAJOR, n);
		ret = wfile(buf, strlen(buf), "%s/vfio-dev/vfio%d/dev", devdir,
			    n);
		ret = ret ?: slink(target, "dev/char/%d:%d", EMU_VFIO_MAJOR, n);
	}
	return ret;
}

/* remove() of <root>/<rel>; a missing one is no error */
static void rm(const char *rel)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/%s", emu.root, rel);

	if (n > 0 && (size_t)n < sizeof(path))
		remove(path);
}

void emu_sysfs_remove_driver(struct emu_dev *dev)
{
	char devdir[64], rel[PATH_MAX];
	int n = dev->minor;

	devdir_of(dev, devdir, sizeof(devdir));
	if (n >= 0) {
		snprintf(rel, sizeof(rel), "class/vfio-dev/vfio%d", n);
		rm(rel);
		snprintf(rel, sizeof(rel), "dev/char/%d:%d", EMU_VFIO_MAJOR, n);
		rm(rel);
		snprintf(rel, sizeof(rel), "%s/vfio-dev/vfio%d/dev", devdir, n);
		rm(rel);
		/* then the directories it was in, innermost first */
		*strrchr(rel, '/') = '\0';
		rm(rel);
		*strrchr(rel, '/') = '\0';
		rm(rel);
	}
	if (dev->driver[0]) {
		snprintf(rel, sizeof(rel), "%s/driver", devdir);
		rm(rel);
		snprintf(rel, sizeof(rel), "bus/pci/drivers/%s/%s", dev->driver,
			 dev->bdf);
		rm(rel);
	}
}
