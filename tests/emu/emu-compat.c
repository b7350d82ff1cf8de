/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The VFIO compatibility of iommufd that a VFIO group with an iommufd as
 * its container uses (doc/kernel-rules.md §10.7), as iommufd/vfio_compat.c
 * and vfio/group.c implement it: the context's compat IOAS (IOMMU_VFIO_IOAS
 * sets it; SET_CONTAINER makes one if there is none; destroying it clears
 * it), and the first open of a group's device binding the device to the
 * iommufd and attaching it to that IOAS. The compat container ioctls on
 * /dev/iommu itself (VFIO_IOMMU_MAP_DMA...) are not modelled.
 */
#include <errno.h>

#include "emu-internal.h"

/* iommufd_vfio_ioas */
int emu_vfio_ioas(struct emu_ctx *ctx, struct emu_ucmd *u)
{
	struct kabi_iommu_vfio_ioas *cmd = u->cmd;
	struct emu_obj *ioas;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	switch (cmd->op) {
	case KABI_IOMMU_VFIO_IOAS_GET:
		if (!ctx->vfio_ioas)
			return -ENODEV;	/* get_compat_ioas */
		cmd->ioas_id = ctx->vfio_ioas->id;
		return emu_respond(u);
	case KABI_IOMMU_VFIO_IOAS_SET:
		ioas = emu_obj_find(ctx, cmd->ioas_id, EMU_OBJ_IOAS);
		if (!ioas)
			return -ENOENT;
		ctx->vfio_ioas = ioas;
		return 0;
	case KABI_IOMMU_VFIO_IOAS_CLEAR:
		ctx->vfio_ioas = NULL;
		return 0;
	}
	return -EOPNOTSUPP;
}

/* iommufd_vfio_compat_ioas_create: the existing one, else a new IOAS that
 * counts as the user's (destroyed with the iommufd if not before). */
int emu_compat_ioas_create(struct emu_ctx *ctx)
{
	struct emu_obj *ioas;

	if (ctx->vfio_ioas)
		return 0;
	ioas = emu_obj_alloc(ctx, EMU_OBJ_IOAS);
	if (!ioas)
		return -ENOMEM;
	ioas->align = 1;
	ctx->vfio_ioas = ioas;
	return 0;
}

/* vfio_df_group_open with an iommufd: vfio_df_open binds
 * (vfio_df_iommufd_bind), then vfio_iommufd_compat_attach_ioas attaches to
 * the compat IOAS (ENODEV if it was destroyed); a failed attach unbinds. */
int emu_compat_open_device(struct emu_dev *dev, struct emu_ctx *ctx)
{
	uint32_t id, pt;
	int ret;

	ret = emu_device_bind(dev, ctx, &id);
	if (ret)
		return ret;
	if (!ctx->vfio_ioas) {
		emu_device_unbind(dev);
		return -ENODEV;
	}
	pt = ctx->vfio_ioas->id;
	ret = emu_device_attach(dev, EMU_NO_PASID, &pt, false);
	if (ret) {
		emu_device_unbind(dev);
		return ret;
	}
	dev->rid_attached = true;
	return 0;
}

/* iommufd_vfio_cc_iommu: ENODEV without a compat IOAS; 1 unless a page
 * table on it does not enforce cache coherency (only AMD's do on the VMs,
 * as for type1: emu-type1.c). */
static int compat_cc(const struct emu_ctx *ctx)
{
	size_t i;

	if (!ctx->vfio_ioas)
		return -ENODEV;
	for (i = 1; i < ctx->objs_cap; i++) {
		const struct emu_obj *o = ctx->objs[i];

		if (o && o->type == EMU_OBJ_HWPT_PAGING &&
		    o->ioas == ctx->vfio_ioas && o->iommu != EMU_IOMMU_AMD)
			return 0;
	}
	return 1;
}

/*
 * iommufd_vfio_ioctl: the VFIO container ioctls on /dev/iommu itself (any
 * number outside iommufd's own range), there whether or not
 * CONFIG_IOMMUFD_VFIO_CONTAINER also makes /dev/vfio/vfio an iommufd
 * (measured on 7.3: the test kernel has the type1 container and still
 * answers these). Only the two that answer in the return value are
 * modelled; SET_IOMMU, GET_INFO, MAP_DMA and UNMAP_DMA are ENOTTY here
 * (tests/emu/README.md).
 */
int emu_compat_vfio_ioctl(struct emu_ctx *ctx, unsigned long req,
			  unsigned long arg)
{
	switch (req) {
	case KABI_VFIO_GET_API_VERSION:
		return KABI_VFIO_API_VERSION;
	case KABI_VFIO_CHECK_EXTENSION:
		switch (arg) {
		case KABI_VFIO_TYPE1_IOMMU:
		case KABI_VFIO_TYPE1v2_IOMMU:
		case KABI_VFIO_UNMAP_ALL:
			return 1;
		case KABI_VFIO_DMA_CC_IOMMU:
			return compat_cc(ctx);
		}
		return 0;
	}
	return -ENOTTY;
}

int emu_compat_ioas(int iommufd, uint32_t *ioas_id)
{
	struct emu_ctx *ctx;
	int ret = -ENOENT;

	pthread_mutex_lock(&emu.lock);
	ctx = emu_ctx_of_fd(iommufd);
	if (ctx) {
		*ioas_id = ctx->vfio_ioas ? ctx->vfio_ioas->id : 0;
		ret = 0;
	}
	pthread_mutex_unlock(&emu.lock);
	return ret;
}
