/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Devices: find the VFIO cdev, bind it to the context's iommufd, read what
 * the IOMMU says about it and pick the vendor quirks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backend.h"
#include "discover.h"
#include "internal.h"
#include "kabi.h"
#include "kernel.h"
#include "pcie.h"
#include "sys.h"
#include "iommu/vendor.h"

static const char *bind_hint(int err)
{
	switch (err) {
	case EINVAL:
		/* a BAR mmap holds the VFIO file, and with it the bind, after
		 * the fd and the context are closed: the usual cause of a
		 * reopen in the same process failing here */
		return "the device is already bound to an iommufd: it is open "
		       "in another context or process, or a BAR of it is "
		       "still mmapped from a closed context (the mapping "
		       "keeps the old binding alive: pasid_dev_bar_unmap it "
		       "before closing); or its fd came from a VFIO group: "
		       "pass a fresh /dev/vfio/devices/vfioN fd";
	case EBUSY:
		return "the device's IOMMU group is in use elsewhere: another "
		       "device of the group is bound to a kernel driver (bind "
		       "it to vfio-pci too, or unbind it), or another iommufd "
		       "context or the legacy /dev/vfio/<group> interface owns "
		       "the group";
	case EPERM:
		return "the platform cannot isolate the device's MSIs; if you "
		       "trust the device, load iommufd with "
		       "allow_unsafe_interrupts=1";
	case EACCES:
		return "this VF needs the VF token of its PF's vfio-pci owner";
	case ENODEV:
		return "the device has no IOMMU group: enable the IOMMU";
	default:
		return "the kernel refused to bind the device to the iommufd";
	}
}

/* info: the device's sysfs facts, NULL when its PCI address is unknown */
static void fill_caps(struct pasid_dev *dev, const struct k_hw_info *hw,
		      const struct pasid_devinfo *info)
{
	struct pasid_caps *c = &dev->caps;

	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	c->hw_info_type = hw->type;
	c->backend = PASID_BACKEND_IOMMUFD;
	c->pasid_width = hw->max_pasid_log2;
	if (c->pasid_width > PCIE_PASID_MAX_WIDTH) {
		pasid_log(dev->ctx, PASID_LOG_WARN,
			  "%s: the kernel reports a PASID width of %u bits, but PASIDs have at most %u: using %u",
			  dev->name, c->pasid_width, PCIE_PASID_MAX_WIDTH,
			  PCIE_PASID_MAX_WIDTH);
		c->pasid_width = PCIE_PASID_MAX_WIDTH;
	}
	if (hw->capabilities & KABI_IOMMU_HW_CAP_DIRTY_TRACKING)
		c->flags |= PASID_CAP_DIRTY_TRACKING;
	if (hw->capabilities & KABI_IOMMU_HW_CAP_PCI_PASID_EXEC)
		c->flags |= PASID_CAP_PASID_EXEC;
	if (hw->capabilities & KABI_IOMMU_HW_CAP_PCI_PASID_PRIV)
		c->flags |= PASID_CAP_PASID_PRIV;
	if (hw->capabilities & KABI_IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED)
		c->flags |= PASID_CAP_NO_ATS;

	dev->vendor = pasid_vendor_by_hw_info(hw->type);
	c->vendor = dev->vendor->vendor;
	if (dev->vendor->decode)
		dev->vendor->decode(hw->data, hw->data_len, c);
	if (dev->vendor->pasid_width)
		c->pasid_width = dev->vendor->pasid_width(c, info ?
					info->pci_pasid_width : -1);
	/* hw_info type NONE covers several IOMMUs: sysfs names the family */
	if (c->vendor == PASID_IOMMU_UNKNOWN || c->vendor == PASID_IOMMU_OTHER) {
		if (info && info->iommu_vendor != PASID_IOMMU_UNKNOWN)
			c->vendor = info->iommu_vendor;
		else
			c->vendor = PASID_IOMMU_OTHER;
	}
}

/* Bind fd and read its IOMMU facts; on success the device owns fd, on
 * failure it is closed only if close_on_fail (the caller's fd otherwise). */
static int dev_setup(struct pasid_ctx *ctx, int fd, const char *bdf,
		     const char *name, bool close_on_fail,
		     struct pasid_dev **devp)
{
	struct pasid_devinfo info = { .size = sizeof(info) };
	bool have_info;
	struct k_hw_info hw;
	struct pasid_dev *dev;
	int ret;

	dev = calloc(1, sizeof(*dev));
	if (!dev) {
		if (close_on_fail)
			sys_close(fd);
		return pasid_err(ctx, ENOMEM, "out of memory for a device");
	}
	dev->ctx = ctx;
	dev->fd = fd;
	dev->group = -1;
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	/* sysfs first, before the kernel is asked for anything: the IOMMU
	 * group (its devices share page tables and one PASID space, so a
	 * device must not silently lose it) and the IOMMU family when
	 * hw_info does not name it */
	have_info = bdf[0] != '\0';
	if (have_info) {
		ret = pasid_devinfo_get(bdf, &info);
		if (ret) {
			pasid_log(ctx, PASID_LOG_ERROR, "%s", pasid_errmsg());
			goto fail;
		}
	}

	ret = k_bind_iommufd(fd, ctx->iommufd, &dev->dev_id);
	if (ret) {
		ret = pasid_kerr(ctx, -ret, "VFIO_DEVICE_BIND_IOMMUFD",
				 "%s: %s", name, bind_hint(-ret));
		goto fail;
	}
	ret = k_get_hw_info(ctx->iommufd, dev->dev_id, &hw);
	if (ret) {
		ret = pasid_kerr(ctx, -ret, "IOMMU_GET_HW_INFO",
				 "%s: the kernel gives no IOMMU information for the device (no-IOMMU mode, or an IOMMU driver without iommufd support)",
				 name);
		goto fail;
	}
	dev->group = have_info ? info.iommu_group : -1;
	fill_caps(dev, &hw, have_info ? &info : NULL);

	ctx_lock(ctx);
	list_add_tail(&dev->ctx_node, &ctx->devs);
	ctx_unlock(ctx);
	pasid_log(ctx, PASID_LOG_DEBUG, "%s: dev_id %u, %s, PASID width %u",
		  name, dev->dev_id,
		  pasid_iommu_vendor_name(dev->caps.vendor),
		  dev->caps.pasid_width);
	*devp = dev;
	return 0;
fail:
	/* closing the cdev also undoes the bind in the kernel */
	if (close_on_fail)
		sys_close(fd);
	free(dev);
	return ret;
}

static const char *open_hint(int err)
{
	switch (err) {
	case ENOENT:
		return "the cdev node is missing: is devtmpfs mounted?";
	case EACCES:
	case EPERM:
		return "no permission: run as root or give your user the device node";
	case EBUSY:
		return "the device is already open elsewhere";
	default:
		return "could not open the VFIO device";
	}
}

PASID_API int pasid_dev_open(struct pasid_ctx *ctx, const char *name,
			     struct pasid_dev **devp)
{
	struct pasid_devref ref;
	struct stat st;
	int fd, ret;

	pasid_err_clear();
	if (!ctx || !name || !devp)
		return pasid_err(ctx, EINVAL,
				 "pasid_dev_open: ctx, name and devp must not be NULL");
	*devp = NULL;
	if (inherited(ctx))
		return fork_refuse(ctx, "pasid_dev_open");
	if (ctx->secondary)
		return share_refuse(ctx, "pasid_dev_open", "opening devices");
	if (ctx_other(ctx))
		return ctx->ops->dev_open(ctx, name, devp);
	ret = discover_resolve(name, &ref);
	if (ret) {
		/* discovery knows no context: pass its message to the log */
		pasid_log(ctx, PASID_LOG_ERROR, "%s", pasid_errmsg());
		return ret;
	}
	fd = sys_open(ref.cdev, O_RDWR);
	if (fd < 0)
		return pasid_kerr(ctx, -fd, "open", "%s (%s): %s", ref.cdev,
				  ref.bdf, open_hint(-fd));
	/* The number in the path was read from sysfs before the open: check
	 * that the node opened is still the device asked for. */
	if (pasid_sys->fstat(fd, &st) < 0) {
		ret = pasid_kerr(ctx, errno, "fstat", "%s (%s)", ref.cdev,
				 ref.bdf);
		sys_close(fd);
		return ret;
	}
	ret = discover_check_cdev(&ref, st.st_rdev);
	if (ret) {
		pasid_log(ctx, PASID_LOG_ERROR, "%s", pasid_errmsg());
		sys_close(fd);
		return ret;
	}
	return dev_setup(ctx, fd, ref.bdf, ref.bdf, true, devp);
}

PASID_API int pasid_dev_open_fd(struct pasid_ctx *ctx, int vfio_fd,
				struct pasid_dev **devp)
{
	struct pasid_devref ref = { .bdf = "" };
	struct stat st;
	char name[64];

	pasid_err_clear();
	if (!ctx || !devp)
		return pasid_err(ctx, EINVAL,
				 "pasid_dev_open_fd: ctx and devp must not be NULL");
	*devp = NULL;
	if (inherited(ctx))
		return fork_refuse(ctx, "pasid_dev_open_fd");
	if (ctx->secondary)
		return share_refuse(ctx, "pasid_dev_open_fd", "opening devices");
	if (ctx_other(ctx))
		return backend_missing(ctx, "pasid_dev_open_fd: a VFIO cdev fd needs",
				       "iommufd and the VFIO cdev (Linux 6.6+); open the device by its PCI address with pasid_dev_open");
	if (vfio_fd < 0 || pasid_sys->fstat(vfio_fd, &st) < 0)
		return pasid_err(ctx, EBADF,
				 "pasid_dev_open_fd: %d is not an open file descriptor",
				 vfio_fd);
	if (!S_ISCHR(st.st_mode))
		return pasid_err(ctx, EINVAL,
				 "pasid_dev_open_fd: fd %d is not a character device: pass a /dev/vfio/devices/vfioN fd",
				 vfio_fd);
	/* The PCI address is only for names and vendor lookup: optional. */
	if (discover_resolve_rdev(st.st_rdev, &ref) == 0)
		snprintf(name, sizeof(name), "%s", ref.bdf);
	else
		snprintf(name, sizeof(name), "fd %d", vfio_fd);
	pasid_err_clear();

	return dev_setup(ctx, vfio_fd, ref.bdf, name, false, devp);
}

PASID_API void pasid_dev_close(struct pasid_dev *dev)
{
	struct pasid_ctx *ctx;

	if (!dev)
		return;
	ctx = dev->ctx;
	if (inherited(ctx)) {
		fork_forget_dev(dev);
		return;
	}
	if (ctx_other(ctx)) {
		ctx_lock(ctx);
		dev_bars_drop(dev, "the device was closed");
		ctx_unlock(ctx);
		ctx->ops->dev_close(dev);
		return;
	}
	ctx_lock(ctx);
	dev_bars_drop(dev, "the device was closed");
	bind_release(dev, NULL);
	bind_dev_fini(dev);
	list_del(&dev->ctx_node);
	ctx_unlock(ctx);
	sys_close(dev->fd);
	free(dev);
}

int dev_fd_missing(const struct pasid_dev *dev, const char *fn)
{
	if (dev->fd >= 0)
		return 0;
	return pasid_err(dev->ctx, ENODEV,
			 "%s: %s: through a VFIO group (the type1 and iommufd-group backends) the kernel hands out the device fd only at the attach: attach the RID first",
			 fn, dev->name);
}

PASID_API int pasid_dev_fd(const struct pasid_dev *dev)
{
	int ret;

	pasid_err_clear();
	if (!dev)
		return -EINVAL;
	if (inherited(dev->ctx))
		return fork_refuse(dev->ctx, "pasid_dev_fd");
	/* a group backend's attach and detach change it, under the lock */
	ctx_lock(dev->ctx);
	ret = dev_fd_missing(dev, "pasid_dev_fd");
	if (!ret)
		ret = dev->fd;
	ctx_unlock(dev->ctx);
	return ret;
}

PASID_API const char *pasid_dev_name(const struct pasid_dev *dev)
{
	return dev ? dev->name : "";
}

PASID_API uint32_t pasid_dev_iommufd_id(const struct pasid_dev *dev)
{
	return dev && !inherited(dev->ctx) ? dev->dev_id : 0;
}

PASID_API int pasid_dev_caps(const struct pasid_dev *dev,
			     struct pasid_caps *caps)
{
	pasid_err_clear();
	if (!dev || !caps)
		return pasid_err(NULL, EINVAL,
				 "pasid_dev_caps: dev and caps must not be NULL");
	if (caps->size < sizeof(size_t))
		return pasid_err(dev->ctx, EINVAL,
				 "pasid_dev_caps: set caps->size = sizeof(struct pasid_caps)");
	if (inherited(dev->ctx))
		return fork_refuse(dev->ctx, "pasid_dev_caps");
	copy_sized_out(caps, &dev->caps, sizeof(dev->caps));
	return 0;
}
