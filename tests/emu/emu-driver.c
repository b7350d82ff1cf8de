/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Driver binding through the fake sysfs, as the driver core does it on
 * writes to three attributes (Linux 7.3):
 *
 *   <dev>/driver_override        driver_override_store() (pci-sysfs.c,
 *                                driver_set_override()): the name, or an
 *                                empty/newline write clears it
 *   bus/pci/drivers/<drv>/unbind unbind_store() (base/bus.c): the named
 *                                device, if <drv> is its driver, is
 *                                released; -ENODEV otherwise
 *   bus/pci/drivers_probe        drivers_probe_store() (base/bus.c): a
 *                                device without a driver is offered to the
 *                                drivers; pci_match_device() lets only the
 *                                driver_override one match when it is set,
 *                                else the driver whose ID table matches
 *                                (cfg.id_driver); a driver that is not
 *                                loaded (no bus/pci/drivers/<drv>) takes
 *                                nothing, and that is no error
 *
 * Unbinding a VFIO driver while a file of the device is open is -EBUSY
 * here; the kernel blocks the write until the last close instead.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu-internal.h"

static void lock(void)
{
	pthread_mutex_lock(&emu.lock);
}

static void unlock(void)
{
	pthread_mutex_unlock(&emu.lock);
}

/* value without the trailing newline echo adds, as sysfs_streq() reads it */
static void chomp(char *dst, size_t len, const char *value)
{
	size_t n;

	snprintf(dst, len, "%s", value);
	n = strlen(dst);
	if (n && dst[n - 1] == '\n')
		dst[n - 1] = '\0';
}

/* The device index of the PCI address written (with or without the
 * newline); -ENODEV (bus_find_device_by_name). */
static int index_of(const char *value)
{
	char bdf[32];
	int ret = -ENODEV;

	chomp(bdf, sizeof(bdf), value);

	lock();
	for (size_t i = 0; i < emu.ndevs; i++)
		if (!strcmp(emu.devs[i]->bdf, bdf))
			ret = (int)i;
	unlock();
	return ret;
}

static bool driver_loaded(const char *driver)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/bus/pci/drivers/%s", emu.root, driver);
	return !access(path, F_OK);
}

static int plain_write(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, value, strlen(value));
	close(fd);
	return n == (ssize_t)strlen(value) ? 0 : -EIO;
}

static int store_override(const char *bdf, const char *path, const char *value)
{
	char name[64], shown[72];
	int i = index_of(bdf);

	if (i < 0)
		return i;
	chomp(name, sizeof(name), value);
	lock();
	snprintf(emu.devs[i]->override, sizeof(emu.devs[i]->override), "%s",
		 name);
	unlock();
	/* reading it back shows the name, or "(null)" when cleared */
	snprintf(shown, sizeof(shown), "%s\n", name[0] ? name : "(null)");
	return plain_write(path, shown);
}

static int store_unbind(const char *driver, const char *value)
{
	struct emu_dev *dev;
	bool vfio;
	int i = index_of(value), ret = 0;

	if (i < 0)
		return i;
	lock();
	dev = emu.devs[i];
	if (strcmp(dev->driver, driver))
		ret = -ENODEV;
	vfio = dev->vfio;
	if (!ret && !vfio) {
		emu_sysfs_remove_driver(dev);
		dev->driver[0] = '\0';
	}
	unlock();
	return ret || !vfio ? ret : emu_vfio_unbind(i);
}

static int store_probe(const char *value)
{
	char want[64];
	struct emu_dev *dev;
	int i = index_of(value), ret = 0;

	if (i < 0)
		return i;
	lock();
	dev = emu.devs[i];
	snprintf(want, sizeof(want), "%s",
		 dev->override[0] ? dev->override : dev->id_driver);
	if (dev->driver[0] || !want[0] || !driver_loaded(want)) {
		unlock();
		return 0;	/* bound already, or no driver matches */
	}
	if (!strcmp(want, "vfio-pci")) {
		unlock();
		ret = emu_vfio_bind(i);
		return ret < 0 ? ret : 0;
	}
	snprintf(dev->driver, sizeof(dev->driver), "%s", want);
	ret = emu_sysfs_add_driver(dev);
	unlock();
	return ret;
}

/* In "<prefix><name>/<attr>": name, if it is one component; else NULL. */
static const char *component(const char *rel, const char *prefix,
			     const char *attr, char *name, size_t len)
{
	size_t plen = strlen(prefix);
	const char *slash;

	if (strncmp(rel, prefix, plen))
		return NULL;
	slash = strchr(rel + plen, '/');
	if (!slash || strcmp(slash + 1, attr) ||
	    (size_t)(slash - rel - plen) >= len)
		return NULL;
	snprintf(name, len, "%.*s", (int)(slash - rel - plen), rel + plen);
	return name;
}

int emu_sysfs_write(const char *path, const char *value)
{
	char copy[PATH_MAX], dir[PATH_MAX], rel[PATH_MAX], drv[64], bdf[16];
	size_t rootlen = strlen(emu.root);
	const char *base;

	/* the attribute's real place, through the tree's symlinks */
	snprintf(copy, sizeof(copy), "%s", path);
	if (!realpath(dirname(copy), dir))
		return -errno;
	snprintf(copy, sizeof(copy), "%s", path);
	base = basename(copy);
	if (strncmp(dir, emu.root, rootlen) || dir[rootlen] != '/')
		return -EINVAL;
	snprintf(rel, sizeof(rel), "%s/%s", dir + rootlen + 1, base);
	if (component(rel, "devices/pci0000:00/", "driver_override", bdf,
		      sizeof(bdf)))
		return store_override(bdf, path, value);
	if (component(rel, "bus/pci/drivers/", "unbind", drv, sizeof(drv)))
		return store_unbind(drv, value);
	if (!strcmp(rel, "bus/pci/drivers_probe"))
		return store_probe(value);
	return plain_write(path, value);
}
