/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * sysfs helpers. They return -errno; only -ENAMETOOLONG comes with a
 * message, because for every other error the caller knows better what a
 * missing file means (often: "absent", which is not a failure).
 */
#ifndef LIBPASID_SYSFS_H
#define LIBPASID_SYSFS_H

#include <stdbool.h>
#include <stddef.h>

#include "libpasid/libpasid.h"

#define PCI_DEVICES "bus/pci/devices"

/* -ENAMETOOLONG with a message naming the path */
int sysfs_too_long(const char *what);
/* buf = "<sysfs root>/<fmt...>" */
int sysfs_path(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Copy src into dst[len]; -ENAMETOOLONG (with message) if it does not fit. */
int sysfs_copy_name(char *dst, size_t len, const char *src);
bool sysfs_exists(const char *path);
/* Read a small text attribute, trailing newline stripped. */
int sysfs_read_attr(const char *path, char *buf, size_t len);
/* The last component of a symlink's target ("dmar0" for .../iommu/dmar0). */
int sysfs_link_base(const char *path, char *out, size_t len);
/* -err with a message for a sysfs directory that exists but could not be
 * read (opendir failed for another reason than ENOENT/ENOTDIR). */
int sysfs_dir_error(const char *path, int err);
/* -ENAMETOOLONG is the one helper error that must not read as "absent". */
bool sysfs_fatal(int ret);

/* pci-caps.c: PASID/ATS/PRI of PCI device bdf from its config space (the
 * PF's for a VF's PASID and PRI); -1 in info where it could not be read. */
int pci_caps_read(const char *bdf, struct pasid_devinfo *info);

#endif
