/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* The VFIO group interface of the group backends (vfio-group.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discover.h"
#include "kabi.h"
#include "sys.h"
#include "vfio-group.h"

struct offender {
	int group;
	char bdf[16], driver[32];
};

static int find_offender(const char *bdf, void *arg)
{
	struct pasid_devinfo info = { .size = sizeof(info) };
	struct offender *o = arg;

	if (discover_devinfo(bdf, &info) || info.iommu_group != o->group ||
	    !info.driver[0] || strstr(info.driver, "vfio"))
		return 0;
	snprintf(o->bdf, sizeof(o->bdf), "%s", info.bdf);
	snprintf(o->driver, sizeof(o->driver), "%s", info.driver);
	return 1;
}

int vgroup_not_viable(struct pasid_ctx *ctx, int err, const char *call,
		      const char *name, int group)
{
	struct offender o = { .group = group };

	if (discover_scan_pci(find_offender, &o) == 1)
		return pasid_kerr(ctx, err, call,
				  "%s: its IOMMU group %d is not viable: %s, a device of the same group, is bound to the kernel driver %s; bind it to vfio-pci too, or unbind it",
				  name, group, o.bdf, o.driver);
	pasid_err_clear();
	return pasid_kerr(ctx, err, call,
			  "%s: its IOMMU group %d is not viable: another device of the group is bound to a kernel driver; bind it to vfio-pci too, or unbind it",
			  name, group);
}

/* The context's open group id, opening it if needed; ctx->lock held. */
static int group_get(struct pasid_ctx *ctx, int id, const char *name,
		     struct vgroup **gp)
{
	struct kabi_vfio_group_status st = { .argsz = sizeof(st) };
	struct list_head *pos;
	struct vgroup *g;
	char path[32];
	int fd, ret;

	for (pos = ctx->vgroups.next; pos != &ctx->vgroups; pos = pos->next) {
		g = container_of(pos, struct vgroup, ctx_node);
		if (g->id == id) {
			g->devs++;
			*gp = g;
			return 0;
		}
	}
	snprintf(path, sizeof(path), "/dev/vfio/%d", id);
	fd = sys_open(path, O_RDWR);
	if (fd < 0)
		return pasid_kerr(ctx, -fd, "open", "%s (group of %s): %s", path,
				  name, fd == -EBUSY ?
				  "the group is open elsewhere: in another process or context" :
				  "could not open the VFIO group node");
	ret = sys_ioctl(fd, KABI_VFIO_GROUP_GET_STATUS, &st);
	if (ret) {
		sys_close(fd);
		return pasid_kerr(ctx, -ret, "VFIO_GROUP_GET_STATUS", "%s", path);
	}
	if (!(st.flags & KABI_VFIO_GROUP_FLAGS_VIABLE)) {
		sys_close(fd);
		return vgroup_not_viable(ctx, EPERM, "VFIO_GROUP_GET_STATUS",
					 name, id);
	}
	g = calloc(1, sizeof(*g));
	if (!g) {
		sys_close(fd);
		return pasid_err(ctx, ENOMEM, "out of memory for a group");
	}
	g->id = id;
	g->fd = fd;
	g->devs = 1;
	list_add_tail(&g->ctx_node, &ctx->vgroups);
	*gp = g;
	return 0;
}

void vgroup_put(struct vgroup *g)
{
	if (--g->devs)
		return;
	list_del(&g->ctx_node);
	sys_close(g->fd);
	free(g);
}

int vgroup_dev_open(struct pasid_ctx *ctx, const char *name,
		    enum pasid_backend id, struct pasid_dev **devp)
{
	struct pasid_devinfo info = { .size = sizeof(info) };
	struct pasid_dev *dev;
	char bdf[16];
	int ret;

	ret = discover_find(name, bdf);
	if (!ret)
		ret = discover_devinfo(bdf, &info);
	if (ret) {
		pasid_log(ctx, PASID_LOG_ERROR, "%s", pasid_errmsg());
		return ret;
	}
	if (strcmp(info.driver, "vfio-pci"))
		return pasid_err(ctx, EBUSY,
				 "%s is bound to %s, not vfio-pci: bind it to vfio-pci (driverctl set-override %s vfio-pci)",
				 bdf, info.driver[0] ? info.driver : "no driver", bdf);
	if (info.iommu_group < 0)
		return pasid_err(ctx, ENODEV,
				 "%s has no IOMMU group: enable the IOMMU", bdf);
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return pasid_err(ctx, ENOMEM, "out of memory for a device");
	dev->ctx = ctx;
	dev->fd = -1;
	dev->group = info.iommu_group;
	snprintf(dev->name, sizeof(dev->name), "%s", bdf);
	dev->caps.size = sizeof(dev->caps);
	dev->caps.vendor = info.iommu_vendor != PASID_IOMMU_UNKNOWN ?
			   info.iommu_vendor : PASID_IOMMU_OTHER;
	dev->caps.backend = id;
	ctx_lock(ctx);
	ret = group_get(ctx, dev->group, bdf, &dev->vgroup);
	if (!ret)
		list_add_tail(&dev->ctx_node, &ctx->devs);
	ctx_unlock(ctx);
	if (ret) {
		free(dev);
		return ret;
	}
	*devp = dev;
	return 0;
}

void vgroup_dev_free(struct pasid_dev *dev)
{
	list_del(&dev->ctx_node);
	vgroup_put(dev->vgroup);
	free(dev);
}

int vgroup_device_fd(struct pasid_dev *dev)
{
	/* GET_DEVICE_FD answers with the fd as the ioctl's return value */
	int fd = pasid_sys->ioctl(dev->vgroup->fd, KABI_VFIO_GROUP_GET_DEVICE_FD,
				  dev->name);

	if (fd >= 0)
		return fd;
	fd = -errno;
	return pasid_kerr(dev->ctx, -fd, "VFIO_GROUP_GET_DEVICE_FD", "%s%s",
			  dev->name, fd == -EBUSY ?
			  ": the device is open elsewhere, or a device of its group is bound to a kernel driver" : "");
}

int vgroup_bars_mapped(const struct pasid_dev *dev)
{
	if (!dev->bar_maps)
		return 0;
	return pasid_err(dev->ctx, EBUSY,
			 "%s: %u BAR mapping(s) of it are live: through a VFIO group the detach closes the device fd, and a mapping keeps the device open and attached; pasid_dev_bar_unmap them first",
			 dev->name, dev->bar_maps);
}
