/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The iommufd-group backend: the context's iommufd as the container of the
 * devices' VFIO groups, for kernels with iommufd but without the VFIO cdev
 * (Linux 6.2 to 6.5, or CONFIG_VFIO_DEVICE_CDEV unset; doc/kernel-rules.md
 * §10.7). Address spaces are the context's IOASes, mapped, copied and
 * unmapped by the iommufd backend's own code (backend.h: as_new is NULL).
 *
 * The kernel attaches a group's device when the group hands out its fd:
 * the first open of the device (VFIO_GROUP_GET_DEVICE_FD) binds it to the
 * group's iommufd and attaches it to the iommufd's compat IOAS, which
 * IOMMU_VFIO_IOAS sets. So an attach points the compat IOAS at the address
 * space and opens the device fd, and a detach closes it (the kernel unbinds
 * and detaches at its last close). The address space keeps its mappings:
 * unlike type1 nothing is lost when the last device leaves.
 *
 * The kernel never tells a group's device its iommufd device id, and
 * VFIO_DEVICE_ATTACH_IOMMUFD_PT is for cdev fds only: no page table of
 * our choosing and no PASID, which need the cdev.
 */
#include <errno.h>

#include "backend.h"
#include "internal.h"
#include "kabi.h"
#include "sys.h"
#include "vfio-group.h"

static int group_ctx_open(struct pasid_ctx *ctx)
{
	return backend_iommufd.ctx_open(ctx);
}

static void group_ctx_close(struct pasid_ctx *ctx)
{
	backend_iommufd.ctx_close(ctx);
}

static int group_dev_open(struct pasid_ctx *ctx, const char *name,
			  struct pasid_dev **devp)
{
	return vgroup_dev_open(ctx, name, PASID_BACKEND_IOMMUFD_GROUP, devp);
}

/* The IOAS the group's next device open attaches to (IOMMU_VFIO_IOAS). */
static int set_compat_ioas(struct pasid_dev *dev, struct pasid_as *as)
{
	struct kabi_iommu_vfio_ioas v = {
		.size = sizeof(v),
		.ioas_id = as->ioas_id,
		.op = KABI_IOMMU_VFIO_IOAS_SET,
	};
	int ret = sys_ioctl(dev->ctx->iommufd, KABI_IOMMU_VFIO_IOAS, &v);

	if (ret)
		return pasid_kerr(dev->ctx, -ret, "IOMMU_VFIO_IOAS",
				  "%s: choosing the address space its group attaches to",
				  dev->name);
	return 0;
}

/* The group into the context's iommufd (VFIO_GROUP_SET_CONTAINER with an
 * iommufd, 6.2+): after set_compat_ioas, so that the kernel uses that IOAS
 * rather than creating one of its own. */
static int join_iommufd(struct pasid_dev *dev)
{
	struct vgroup *g = dev->vgroup;
	int ret = sys_ioctl(g->fd, KABI_VFIO_GROUP_SET_CONTAINER,
			    &dev->ctx->iommufd);

	if (ret == -EBADFD)
		return pasid_kerr(dev->ctx, EOPNOTSUPP, "VFIO_GROUP_SET_CONTAINER",
				  "%s: this kernel's VFIO takes no iommufd as the container of a group (that needs Linux 6.2+ with VFIO built with CONFIG_IOMMUFD); use LIBPASID_BACKEND=type1",
				  dev->name);
	if (ret)
		return pasid_kerr(dev->ctx, -ret, "VFIO_GROUP_SET_CONTAINER",
				  "%s: group %d into the iommufd", dev->name,
				  g->id);
	g->in_iommufd = true;
	return 0;
}

static int group_attach_rid(struct pasid_dev *dev, struct pasid_as *as)
{
	struct vgroup *g = dev->vgroup;
	bool joined = false;
	int ret, fd;

	if (dev->rid_as == as)
		return 0;
	if (dev->rid_as)
		return pasid_err(dev->ctx, EBUSY,
				 "%s: attached to another address space; through a VFIO group the kernel attaches a device only when its fd opens: pasid_detach_rid first",
				 dev->name);
	if (g->as && g->as != as)
		return pasid_err(dev->ctx, EBUSY,
				 "%s: a device of its IOMMU group %d is attached to another address space: the devices of a group share one",
				 dev->name, g->id);
	ret = set_compat_ioas(dev, as);
	if (!ret && !g->in_iommufd) {
		ret = join_iommufd(dev);
		joined = !ret;
	}
	if (ret)
		return ret;
	fd = vgroup_device_fd(dev);
	if (fd < 0) {
		if (fd == -EBUSY) {
			pasid_err_clear();
			fd = vgroup_not_viable(dev->ctx, EBUSY,
					       "VFIO_GROUP_GET_DEVICE_FD",
					       dev->name, g->id);
		}
		/* the group leaves the iommufd it joined for this call */
		if (joined &&
		    !sys_ioctl(g->fd, KABI_VFIO_GROUP_UNSET_CONTAINER, NULL))
			g->in_iommufd = false;
		return fd;
	}
	dev->fd = fd;
	dev->rid_as = as;
	g->as = as;
	g->attached++;
	return 0;
}

/* ctx->lock held. Closing the fd is the detach: the kernel unbinds the
 * device from the iommufd at its last close (with a BAR still mapped, only
 * at the munmap). */
static void detach_locked(struct pasid_dev *dev)
{
	struct vgroup *g = dev->vgroup;

	/* none on a pasid_detach_rid (refused before), maybe some when the
	 * address space is freed: the kernel detaches only once no file
	 * of the device is left */
	dev_bars_drop(dev, "the device left its address space through its VFIO group, which closes the device fd");
	sys_close(dev->fd);
	dev->fd = -1;
	dev->rid_as = NULL;
	if (!--g->attached)
		g->as = NULL;
}

static int group_detach_rid(struct pasid_dev *dev)
{
	int ret;

	if (!dev->rid_as)
		return pasid_err(dev->ctx, ENOENT, "%s: the RID is not attached",
				 dev->name);
	ret = vgroup_bars_mapped(dev);
	if (!ret)
		detach_locked(dev);
	return ret;
}

static void group_dev_close(struct pasid_dev *dev)
{
	struct pasid_ctx *ctx = dev->ctx;

	ctx_lock(ctx);
	if (dev->rid_as)
		detach_locked(dev);	/* a live BAR mapping keeps it open */
	/* the group's last device: closing the group node takes the group
	 * out of the iommufd */
	vgroup_dev_free(dev);
	ctx_unlock(ctx);
}

static void group_fork_forget_dev(struct pasid_dev *dev)
{
	vgroup_put(dev->vgroup);
}

const struct backend_ops backend_group = {
	.id = PASID_BACKEND_IOMMUFD_GROUP,
	.name = "iommufd-group",
	.ctx_open = group_ctx_open,
	.ctx_close = group_ctx_close,
	/* as_new, map, unmap_one, map_file, copy NULL: iommufd's own */
	.dev_open = group_dev_open,
	.dev_close = group_dev_close,
	.attach_rid = group_attach_rid,
	.detach_rid = group_detach_rid,
	.release_rid = detach_locked,
	.fork_forget_dev = group_fork_forget_dev,
};
