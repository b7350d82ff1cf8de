/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The VFIO group interface, shared by the backends that reach a device
 * through its IOMMU group node /dev/vfio/<group> (doc/kernel-rules.md §10):
 * type1 (the group in a type1 container) and iommufd-group (the group with
 * the context's iommufd as its container, §10.7). A group node opens once,
 * so the context keeps one struct vgroup per group for all its devices of
 * it; the kernel gives a device fd (VFIO_GROUP_GET_DEVICE_FD) only once the
 * group has a container, so the backends open it at the attach and close it
 * at the detach.
 */
#ifndef LIBPASID_VFIO_GROUP_H
#define LIBPASID_VFIO_GROUP_H

#include <stdbool.h>

#include "internal.h"

struct vgroup {
	struct list_head ctx_node;	/* in ctx->vgroups */
	int id, fd;
	unsigned int devs;		/* open devices of it */
	unsigned int attached;		/* of those, attached */
	/* type1: the container it is in, or NULL; iommufd-group: the
	 * address space its devices are attached to (one for the whole
	 * group, as iommufd attaches a group to one page table), or NULL */
	struct pasid_as *as;
	bool in_iommufd;		/* iommufd-group: container set */
};

/* pasid_dev_open through the group: the device bound to vfio-pci, its
 * group node open and viable; no device fd yet (-1). caps.backend = id,
 * the vendor from sysfs. ctx->lock not held. */
int vgroup_dev_open(struct pasid_ctx *ctx, const char *name,
		    enum pasid_backend id, struct pasid_dev **devp);
/* The end of pasid_dev_close once detached: out of the context's list,
 * the group's reference dropped, freed; ctx->lock held. */
void vgroup_dev_free(struct pasid_dev *dev);
/* VFIO_GROUP_GET_DEVICE_FD for dev: the fd, or -errno with the message
 * set. ctx->lock held. */
int vgroup_device_fd(struct pasid_dev *dev);
/* EPERM or EBUSY from the kernel for a group that is not viable (§10.2):
 * the message names the device of the group that makes it so. */
int vgroup_not_viable(struct pasid_ctx *ctx, int err, const char *call,
		      const char *name, int group);
/* -EBUSY if a BAR of dev is mapped (a detach through the group must not
 * close the device fd then: the mapping keeps the file, and the kernel
 * would leave the device attached), else 0. ctx->lock held. */
int vgroup_bars_mapped(const struct pasid_dev *dev);
/* Drop a device's reference; the last one closes the group node. */
void vgroup_put(struct vgroup *g);

#endif
