/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * sysfs as the kernel (or a broken or hostile tree) may lay it out: the
 * input rewrites one emulated device's attributes (vendor, device), the
 * targets of its driver, iommu and iommu_group links, and the name and dev
 * file of its vfio-dev entry. Then the device is described, listed and
 * opened by address and by cdev. Every answer must be 0 or -errno with a
 * message, and the strings the library fills must be terminated.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu.h"
#include "fzcheck.h"
#include "input.h"

#define BDF "0000:00:04.0"

static struct pasid_ctx *ctx;
static char devdir[PATH_MAX];
static char entry[256] = "vfio0";	/* the vfio-dev entry now */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct emu_dev_cfg a = { .bdf = BDF, .iommu = EMU_IOMMU_INTEL,
				 .pasid_log2 = 8, .group = 1 };

	(void)argc;
	(void)argv;
	if (emu_init() || emu_add_device(&a) < 0 || pasid_ctx_open(&ctx, NULL))
		abort();
	snprintf(devdir, sizeof(devdir), "%s/devices/pci0000:00/%s",
		 emu_sysfs_root(), BDF);
	return 0;
}

static void put_file(const char *name, const char *text, size_t len)
{
	char path[PATH_MAX * 2];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", devdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		abort();
	close(fd);
}

static void put_link(const char *name, const char *target)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", devdir, name);
	unlink(path);
	if (target[0] && symlink(target, path))
		abort();
}

/* vfio-dev/<name>/ with a dev file holding text (none if text is NULL) */
static void put_entry(const char *name, const char *text)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/vfio-dev/%s/dev", devdir, entry);
	unlink(path);
	snprintf(path, sizeof(path), "%s/vfio-dev/%s", devdir, entry);
	rmdir(path);
	snprintf(entry, sizeof(entry), "%s", name);
	snprintf(path, sizeof(path), "%s/vfio-dev/%s", devdir, entry);
	if (mkdir(path, 0755) && errno != EEXIST)
		abort();
	if (text) {
		snprintf(path, sizeof(path), "vfio-dev/%s/dev", entry);
		put_file(path, text, strlen(text));
	}
}

static void check_info(int ret, const struct pasid_devinfo *info,
		       const char *what)
{
	FZ_RET(ret, what);
	if (ret)
		return;
	FZ_STRFIELD(info->bdf);
	FZ_STRFIELD(info->driver);
	FZ_STRFIELD(info->iommu);
	FZ_STRFIELD(info->vfio_cdev);
	FZ_CHECK(info->iommu_group >= -1, "group %d", info->iommu_group);
	FZ_CHECK(!info->vfio_cdev[0] ||
		 !strncmp(info->vfio_cdev, "/dev/vfio/devices/", 18),
		 "cdev '%s'", info->vfio_cdev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pasid_devinfo info = { .size = sizeof(info) };
	struct in in = { data, size };
	struct pasid_devlist *list = NULL;
	struct pasid_dev *dev = NULL;
	char s[200], cdev[300];
	uint8_t flags = in_u8(&in);
	size_t i;
	int ret;

	in_str(&in, s, sizeof(s));
	put_file("vendor", s, strlen(s));
	in_str(&in, s, sizeof(s));
	put_file("device", s, strlen(s));
	in_str(&in, s, sizeof(s));
	put_link("driver", s);
	in_str(&in, s, sizeof(s));
	put_link("iommu", s);
	in_str(&in, s, sizeof(s));
	put_link("iommu_group", s);
	/* a directory name: no '/', not empty, not "." or ".." */
	in_str(&in, s, sizeof(s));
	for (i = 0; s[i]; i++)
		if (s[i] == '/')
			s[i] = '_';
	if (!s[0] || !strcmp(s, ".") || !strcmp(s, ".."))
		strcpy(s, "vfio0");
	{
		char dev_text[64];

		in_str(&in, dev_text, sizeof(dev_text));
		put_entry(s, flags & 1 ? dev_text : NULL);
	}

	ret = pasid_devinfo_get(BDF, &info);
	check_info(ret, &info, "pasid_devinfo_get");

	ret = pasid_devlist_new(&list);
	FZ_RET(ret, "pasid_devlist_new");
	for (i = 0; !ret && i < pasid_devlist_count(list); i++) {
		ret = pasid_devlist_get(list, i, &info);
		check_info(ret, &info, "pasid_devlist_get");
	}
	pasid_devlist_free(list);

	snprintf(cdev, sizeof(cdev), "/dev/vfio/devices/%s", entry);
	ret = pasid_devinfo_get(cdev, &info);
	check_info(ret, &info, "pasid_devinfo_get(cdev)");
	ret = pasid_dev_open(ctx, flags & 2 ? cdev : BDF, &dev);
	FZ_RET(ret, "pasid_dev_open");
	pasid_dev_close(dev);
	FZ_CHECK(emu_open_fds() == 1 && emu_live_objects() == 0,
		 "%u fds, %u objects after close", emu_open_fds(),
		 emu_live_objects());
	return 0;
}
