/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The public discovery API: list every PCI device behind an IOMMU, describe
 * one device. The per-device facts come from discover.c; this file only
 * enumerates (libudev on the real /sys; a plain read of bus/pci/devices for a
 * fake sysfs root in tests, or when built without libudev), filters and sorts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_UDEV
#include <libudev.h>
#endif

#include "discover.h"
#include "internal.h"
#include "sys.h"

struct pasid_devlist {
	size_t n, cap;
	struct pasid_devinfo *v;
};

/* Both enumerations end here: read the device, keep it if an IOMMU is
 * behind it. Returns 0 or -errno. */
static int add_device(const char *name, void *arg)
{
	struct pasid_devlist *l = arg;
	struct pasid_devinfo info, *v;
	char bdf[16];
	int ret;

	if (discover_parse_bdf(name, bdf))
		return 0;	/* not a PCI function: nothing to list */
	ret = discover_devinfo(bdf, &info);
	if (ret == -ENODEV)
		return 0;	/* unplugged since it was enumerated */
	if (ret)
		return ret;
	/* an IOMMU instance link, or at least a group (drivers that do not
	 * register a sysfs instance still create groups) */
	if (!info.iommu[0] && info.iommu_group < 0)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 32;

		v = reallocarray(l->v, cap, sizeof(*v));
		if (!v)
			return pasid_err(NULL, ENOMEM,
					 "out of memory listing PCI devices");
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = info;
	return 0;
}

#ifdef HAVE_UDEV
/* The real /sys: ask libudev, as every other tool on the system does. */
static int scan_udev(struct pasid_devlist *l)
{
	struct udev_list_entry *e;
	struct udev_enumerate *en;
	struct udev *udev;
	const char *path, *base;
	int ret;

	udev = udev_new();
	if (!udev)
		return pasid_err(NULL, ENOMEM, "udev_new failed");
	en = udev_enumerate_new(udev);
	if (!en) {
		udev_unref(udev);
		return pasid_err(NULL, ENOMEM, "udev_enumerate_new failed");
	}
	ret = udev_enumerate_add_match_subsystem(en, "pci");
	if (!ret)
		ret = udev_enumerate_scan_devices(en);
	if (ret < 0) {
		ret = pasid_err(NULL, -ret, "libudev could not list PCI devices: %s",
				strerror(-ret));
		goto out;
	}
	udev_list_entry_foreach(e, udev_enumerate_get_list_entry(en)) {
		path = udev_list_entry_get_name(e);
		base = strrchr(path, '/');
		ret = add_device(base ? base + 1 : path, l);
		if (ret)
			break;
	}
out:
	udev_enumerate_unref(en);
	udev_unref(udev);
	return ret;
}
#endif

/* By PCI address: a longer domain is a larger one (canonical names have no
 * extra leading zeros), and within one width the fixed-width lower-case hex
 * compares as strings. */
static int cmp_bdf(const void *a, const void *b)
{
	const char *x = ((const struct pasid_devinfo *)a)->bdf;
	const char *y = ((const struct pasid_devinfo *)b)->bdf;
	size_t dx = strcspn(x, ":"), dy = strcspn(y, ":");

	if (dx != dy)
		return dx < dy ? -1 : 1;
	return strcmp(x, y);
}

PASID_API int pasid_devlist_new(struct pasid_devlist **listp)
{
	struct pasid_devlist *l;
	int ret;

	pasid_err_clear();
	if (!listp)
		return pasid_err(NULL, EINVAL,
				 "pasid_devlist_new: listp must not be NULL");
	*listp = NULL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return pasid_err(NULL, ENOMEM, "out of memory for a device list");

#ifdef HAVE_UDEV
	if (!strcmp(pasid_sys->sysfs_root, "/sys"))
		ret = scan_udev(l);
	else
#endif
		ret = discover_scan_pci(add_device, l);
	if (ret < 0) {
		pasid_devlist_free(l);
		return ret;
	}
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), cmp_bdf);
	/* skipped entries may have left a message; this call succeeded */
	pasid_err_clear();
	*listp = l;
	return 0;
}

PASID_API size_t pasid_devlist_count(const struct pasid_devlist *list)
{
	return list ? list->n : 0;
}

static int check_info(const char *fn, const struct pasid_devinfo *info)
{
	if (!info)
		return pasid_err(NULL, EINVAL, "%s: info must not be NULL", fn);
	if (info->size < sizeof(size_t))
		return pasid_err(NULL, EINVAL,
				 "%s: set info->size = sizeof(struct pasid_devinfo)",
				 fn);
	return 0;
}

PASID_API int pasid_devlist_get(const struct pasid_devlist *list, size_t i,
				struct pasid_devinfo *info)
{
	int ret;

	pasid_err_clear();
	ret = check_info("pasid_devlist_get", info);
	if (ret)
		return ret;
	if (!list)
		return pasid_err(NULL, EINVAL,
				 "pasid_devlist_get: list must not be NULL");
	if (i >= list->n)
		return pasid_err(NULL, EINVAL,
				 "pasid_devlist_get: index %zu is out of range (the list has %zu devices)",
				 i, list->n);
	copy_sized_out(info, &list->v[i], sizeof(list->v[i]));
	return 0;
}

PASID_API void pasid_devlist_free(struct pasid_devlist *list)
{
	if (!list)
		return;
	free(list->v);
	free(list);
}

PASID_API int pasid_devinfo_get(const char *name, struct pasid_devinfo *info)
{
	struct pasid_devinfo tmp;
	char bdf[16];
	int ret;

	pasid_err_clear();
	ret = check_info("pasid_devinfo_get", info);
	if (ret)
		return ret;
	ret = discover_find(name, bdf);
	if (ret)
		return ret;
	ret = discover_devinfo(bdf, &tmp);
	if (ret)
		return ret;
	copy_sized_out(info, &tmp, sizeof(tmp));
	return 0;
}
