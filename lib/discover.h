/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Device discovery: from the names users type (PCI address, sysfs path, VFIO
 * cdev path) or an fd to the sysfs facts the library needs. All sysfs reads go
 * through pasid_sys->sysfs_root so tests can use a fake tree.
 */
#ifndef LIBPASID_DISCOVER_H
#define LIBPASID_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "libpasid/libpasid.h"

struct pasid_devref {
	char bdf[16];		/* "0000:00:04.0" */
	char cdev[64];		/* "/dev/vfio/devices/vfio0" */
};

/*
 * Resolve name to a device bound to a VFIO driver with a cdev. On failure
 * returns -errno with the thread's message set to what to fix (malformed
 * address: -EINVAL; no such device: -ENODEV; not bound to vfio-pci: -EBUSY...
 * as documented in discover.c).
 */
int discover_resolve(const char *name, struct pasid_devref *ref);
/*
 * Whether rdev (of the node just opened at ref->cdev) is still the cdev
 * sysfs gives ref->bdf: vfioN numbers are reused after an unbind, so the
 * node may have become another device's between discover_resolve() and the
 * open. 0, or -ESTALE with the thread's message set.
 */
int discover_check_cdev(const struct pasid_devref *ref, dev_t rdev);
/* Same for the char device number of an open VFIO cdev. */
int discover_resolve_rdev(dev_t rdev, struct pasid_devref *ref);
/*
 * Whether the kernel has VFIO devices without a cdev: a VFIO device's
 * class/vfio-dev entry (Linux 6.1+) has a dev file only with
 * CONFIG_VFIO_DEVICE_CDEV (6.6+). 1: missing; 0: present, or no VFIO
 * device to tell; -errno with the message set if sysfs cannot be read.
 */
int discover_vfio_cdev_missing(void);
/* Parse "0000:00:04.0" or "00:04.0" into canonical form; -EINVAL if bad. */
int discover_parse_bdf(const char *s, char out[16]);
/* Whether s is a PCI address exactly as the kernel prints one (pci_name(),
 * "%04x:%02x:%02x.%d"): a sysfs directory or an IOMMU instance name. No
 * message is set. */
bool discover_is_pci_name(const char *s);

/* Canonical PCI address of the device name refers to, whatever its driver. */
int discover_find(const char *name, char bdf[16]);
/* The sysfs facts of PCI device bdf; info is filled at full size. */
int discover_devinfo(const char *bdf, struct pasid_devinfo *info);
/* Call fn for each device in <root>/bus/pci/devices until it returns
 * non-zero, and return that (0 when all were seen, or -errno). */
int discover_scan_pci(int (*fn)(const char *bdf, void *arg), void *arg);

#endif
