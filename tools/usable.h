/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Whether a PCI device can be opened through libpasid as it is, and if not
 * why and what to type: list --all, info and doctor say it the same way.
 */
#ifndef PASIDCTL_USABLE_H
#define PASIDCTL_USABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "libpasid/libpasid.h"

#define USABLE_MAX_SIBLINGS 16

struct usability {
	bool usable;		/* bound to VFIO with a cdev, group viable */
	int exit;		/* when not: EXIT_FAILED or EXIT_UNSUPPORTED */
	char reason[512];	/* "bound to nvme, not vfio-pci"; "" if usable */
	char fix[1024];		/* what to do ("as root: echo ..."); "" if none */
	/* the other devices of its IOMMU group, "0000:00:05.0 (nvme)" */
	char siblings[USABLE_MAX_SIBLINGS][48];
	size_t nsiblings;	/* more than USABLE_MAX_SIBLINGS: the first */
	/* how many of them keep the group from VFIO (a kernel driver) */
	size_t blockers;
};

/* 0 or -errno (a sysfs read that failed for another reason than absence). */
int usability_of(const struct pasid_devinfo *d, struct usability *u);

#endif
