/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The iommufd device layer (iommufd/device.c): bind, and attach / replace /
 * detach of a RID or PASID with the group semantics and the PASID
 * compatibility rules of doc/kernel-rules.md §4, as 7.3 implements them:
 *  - attachment state is per group and per PASID; the first device of a
 *    group attaches the hardware, the others must name the same HWPT
 *    (EINVAL otherwise), a replace moves the whole group;
 *  - the device's reserved regions are enforced only for the RID;
 *  - the IOMMU core skips devices without PASIDs when it checks the PASID
 *    range, so a PASID attach on a device with max_pasid_log2 = 0 succeeds
 *    and programs nothing (measured, kernel-rules §4.4);
 *  - an IOAS pt_id picks (or makes) an auto HWPT shared by the devices of
 *    the same IOMMU; an EINVAL from one candidate tries the next.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <string.h>

#include "emu-internal.h"

#define HWPT_PASID KABI_IOMMU_HWPT_ALLOC_PASID

/* ---- group attachment state -------------------------------------------- */

struct emu_attach *emu_group_attach(struct emu_group *g, uint32_t pasid)
{
	size_t i;

	for (i = 0; i < g->natt; i++)
		if (g->att[i].pasid == pasid)
			return &g->att[i];
	return NULL;
}

bool emu_attach_has(const struct emu_attach *a, const struct emu_dev *dev)
{
	size_t i;

	for (i = 0; a && i < a->ndevs; i++)
		if (a->devs[i] == dev)
			return true;
	return false;
}

static bool group_has_pasids(struct emu_group *g)
{
	size_t i;

	for (i = 0; i < g->natt; i++)
		if (g->att[i].pasid != EMU_NO_PASID)
			return true;
	return false;
}

static void attach_del_dev(struct emu_group *g, struct emu_attach *a,
			   struct emu_dev *dev)
{
	size_t i;

	for (i = 0; i < a->ndevs; i++)
		if (a->devs[i] == dev)
			a->devs[i] = a->devs[--a->ndevs];
	if (!a->ndevs) {
		free(a->devs);
		*a = g->att[--g->natt];
	}
}

/* ---- reserved regions (RID only) --------------------------------------- */

/*
 * AMD also reserves the HyperTransport range unless EFR2 has HtRangeIgnore
 * (amd_iommu_get_resv_regions; the emulated EFR2 is 0): the real 7.3
 * kernel's IOVA ranges on QEMU's amd-iommu had this hole next to the MSI
 * window.
 */
#define AMD_HT_START 0xfd00000000ULL
#define AMD_HT_LAST 0xffffffffffULL

static int dev_reserve(struct emu_obj *ioas, struct emu_dev *dev)
{
	int ret;

	if (dev->cfg.iommu == EMU_IOMMU_AMD) {
		ret = emu_ioas_reserve(ioas, AMD_HT_START, AMD_HT_LAST, dev);
		if (ret)
			return ret;
	}
	if (!dev->has_resv)
		return 0;
	ret = emu_ioas_reserve(ioas, dev->resv_start, dev->resv_last, dev);
	if (ret)
		emu_ioas_unreserve(ioas, dev);
	return ret;
}

static void attach_unreserve(struct emu_attach *a, struct emu_obj *ioas)
{
	size_t i;

	for (i = 0; i < a->ndevs; i++)
		emu_ioas_unreserve(ioas, a->devs[i]);
}

/* ---- compatibility: iommufd, the IOMMU core and the driver -------------- */

static int hw_compat(struct emu_obj *hwpt, struct emu_dev *dev,
		     uint32_t pasid)
{
	struct emu_group *g = dev->group;
	bool compat = hwpt->flags & HWPT_PASID;
	struct emu_attach *rid;
	size_t i;

	/* iommufd_hwpt_pasid_compat (kernel-rules §4.3, rows 2-4) */
	if (pasid == EMU_NO_PASID) {
		if (!compat && group_has_pasids(g))
			return -EINVAL;
	} else {
		if (!compat)
			return -EINVAL;
		rid = emu_group_attach(g, EMU_NO_PASID);
		if (rid && !(rid->hwpt->flags & HWPT_PASID))
			return -EINVAL;
		/* iommu_attach_device_pasid, before it checks the domain's
		 * owner: EOPNOTSUPP when the domain has no set_dev_pasid (AMD's
		 * paging domains in 7.3: amdv2_ops lacks it, amd/iommu.c; only
		 * SVA and blocked domains have one) or the device's driver
		 * cannot remove a PASID (virtio-iommu) */
		if (hwpt->no_set_dev_pasid ||
		    dev->cfg.iommu == EMU_IOMMU_VIRTIO)
			return -EOPNOTSUPP;
	}
	/* a domain of another IOMMU instance / incompatible domain */
	if (hwpt->iommu != dev->cfg.iommu ||
	    hwpt->iommu_unit != dev->cfg.iommu_unit)
		return -EINVAL;
	if ((hwpt->flags & KABI_IOMMU_HWPT_ALLOC_DIRTY_TRACKING) &&
	    !dev->cfg.dirty)
		return -EINVAL;
	/* a fault-capable table needs I/O page faults on the device: VT-d's
	 * intel_iommu_enable_iopf is ENODEV without PRI; SMMUv3 attaches
	 * and, without stall, reports nothing to the queue
	 * (arm_smmu_enable_iopf); AMD attaches whatever happens (IOPF only
	 * for SVA-capable tables, its failure ignored: attach_device) */
	if (hwpt->fault && !dev->cfg.pri && dev->cfg.iommu == EMU_IOMMU_INTEL)
		return -ENODEV;
	if (hwpt->type == EMU_OBJ_HWPT_NESTED) {
		int ret = emu_nested_attach_check(hwpt, dev, pasid);

		if (ret)
			return ret;
	}
	if (pasid == EMU_NO_PASID)
		return 0;
	/* kernel-rules §4.4: pasid >= max_pasids of a PASID-capable device of
	 * the group; devices without PASIDs are skipped */
	for (i = 0; i < emu.ndevs; i++) {
		struct emu_dev *d = emu.devs[i];

		if (d->group == g && d->cfg.pasid_log2 &&
		    pasid >= (1u << d->cfg.pasid_log2))
			return -EINVAL;
	}
	return 0;
}

/* ---- attach / replace / detach ----------------------------------------- */

/* iommufd_hw_pagetable_attach */
static int hwpt_attach(struct emu_obj *hwpt, struct emu_dev *dev,
		       uint32_t pasid)
{
	struct emu_group *g = dev->group;
	struct emu_attach *a = emu_group_attach(g, pasid);
	bool resv = pasid == EMU_NO_PASID;
	int ret;

	if (a && emu_attach_has(a, dev))
		return -EBUSY;
	if (a && a->hwpt != hwpt)
		return -EINVAL;	/* "different HWPT in same group" */
	if (resv) {
		ret = dev_reserve(hwpt->ioas, dev);
		if (ret)
			return ret;
	}
	if (!a) {
		ret = hw_compat(hwpt, dev, pasid);
		if (!ret && EMU_GROW(g->att, g->att_cap, g->natt))
			ret = -ENOMEM;
		if (ret)
			goto err;
		a = &g->att[g->natt++];
		memset(a, 0, sizeof(*a));
		a->pasid = pasid;
		a->hwpt = hwpt;
	}
	if (EMU_GROW(a->devs, a->devs_cap, a->ndevs)) {
		if (!a->ndevs)
			attach_del_dev(g, a, dev);
		ret = -ENOMEM;
		goto err;
	}
	a->devs[a->ndevs++] = dev;
	hwpt->users++;
	return 0;
err:
	if (resv)
		emu_ioas_unreserve(hwpt->ioas, dev);
	return ret;
}

/* iommufd_hw_pagetable_detach + put; the HWPT or NULL if not attached */
static struct emu_obj *hwpt_detach(struct emu_dev *dev, uint32_t pasid)
{
	struct emu_group *g = dev->group;
	struct emu_attach *a = emu_group_attach(g, pasid);
	struct emu_obj *hwpt;

	if (!a)
		return NULL;
	hwpt = a->hwpt;
	emu_fault_detach(hwpt, dev);
	attach_del_dev(g, a, dev);
	if (pasid == EMU_NO_PASID)
		emu_ioas_unreserve(hwpt->ioas, dev);
	emu_hwpt_put(hwpt);
	return hwpt;
}

/*
 * iommufd_device_do_replace: atomic, the whole group moves; on failure
 * nothing changed. *old gets the previous HWPT with one reference left for
 * the caller to put (NULL if it was the same one).
 */
static int hwpt_replace(struct emu_obj *hwpt, struct emu_dev *dev,
			uint32_t pasid, struct emu_obj **old)
{
	struct emu_attach *a = emu_group_attach(dev->group, pasid);
	bool resv = pasid == EMU_NO_PASID, move;
	struct emu_obj *prev;
	size_t i;
	int ret;

	*old = NULL;
	if (!a || !emu_attach_has(a, dev))
		return -EINVAL;
	prev = a->hwpt;
	if (hwpt == prev)
		return 0;
	move = resv && hwpt->ioas != prev->ioas;
	if (move) {
		for (i = 0; i < a->ndevs; i++) {
			ret = dev_reserve(hwpt->ioas, a->devs[i]);
			if (ret) {
				attach_unreserve(a, hwpt->ioas);
				return ret;
			}
		}
	}
	ret = hw_compat(hwpt, dev, pasid);
	if (ret) {
		if (move)
			attach_unreserve(a, hwpt->ioas);
		return ret;
	}
	if (move)
		attach_unreserve(a, prev->ioas);
	emu_fault_detach(prev, dev);
	a->hwpt = hwpt;
	hwpt->users += (unsigned int)a->ndevs;
	prev->users -= (unsigned int)a->ndevs - 1;
	*old = prev;
	return 0;
}

/* iommufd_device_auto_get_domain */
static int auto_domain(struct emu_dev *dev, uint32_t pasid,
		       struct emu_obj *ioas, uint32_t *pt_id, bool replace,
		       struct emu_obj **old)
{
	struct emu_ctx *ctx = ioas->ctx;
	struct emu_obj *h;
	size_t i;
	int ret;

	for (i = 1; i < ctx->objs_cap; i++) {
		h = ctx->objs[i];
		if (!h || h->type != EMU_OBJ_HWPT_PAGING || !h->auto_domain ||
		    h->ioas != ioas)
			continue;
		ret = replace ? hwpt_replace(h, dev, pasid, old) :
				hwpt_attach(h, dev, pasid);
		if (ret == -EINVAL)	/* incompatible: try the next one */
			continue;
		if (!ret)
			*pt_id = h->id;
		return ret;
	}
	h = emu_hwpt_paging_new(ctx, ioas, dev, 0, &ret);
	if (!h)
		return ret;
	if (!replace) {
		/* immediate_attach: attach, then fill from the IOAS */
		ret = hwpt_attach(h, dev, pasid);
		if (ret)
			goto abort;
		ret = emu_ioas_add_domain(ioas, h);
		if (ret) {
			hwpt_detach(dev, pasid);
			goto abort;
		}
	} else {
		ret = emu_ioas_add_domain(ioas, h);
		if (!ret)
			ret = hwpt_replace(h, dev, pasid, old);
		if (ret)
			goto abort;
	}
	h->auto_domain = true;
	*pt_id = h->id;
	return 0;
abort:
	emu_hwpt_abort(h);
	return ret;
}

/* iommufd_device_attach / _replace (iommufd_device_change_pt) */
int emu_device_attach(struct emu_dev *dev, uint32_t pasid, uint32_t *pt_id,
		      bool replace)
{
	struct emu_ctx *ctx = dev->idev->ctx;
	struct emu_obj *pt, *old = NULL;
	int ret;

	pt = emu_obj_find(ctx, *pt_id, EMU_OBJ_ANY);
	if (!pt)
		return -ENOENT;
	switch (pt->type) {
	case EMU_OBJ_HWPT_PAGING:
	case EMU_OBJ_HWPT_NESTED:
		ret = replace ? hwpt_replace(pt, dev, pasid, &old) :
				hwpt_attach(pt, dev, pasid);
		break;
	case EMU_OBJ_IOAS:
		ret = auto_domain(dev, pasid, pt, pt_id, replace, &old);
		break;
	default:
		return -EINVAL;
	}
	if (!ret && old)
		emu_hwpt_put(old);
	return ret;
}

void emu_device_detach(struct emu_dev *dev, uint32_t pasid)
{
	hwpt_detach(dev, pasid);
}

/* ---- bind / unbind ----------------------------------------------------- */

/*
 * iommufd_device_bind: the group's DMA ownership goes to this context;
 * EBUSY while another context owns it or a sibling is driven by a kernel
 * driver (iommu_device_claim_dma_owner).
 */
int emu_device_bind(struct emu_dev *dev, struct emu_ctx *ctx,
		    uint32_t *dev_id)
{
	struct emu_group *g = dev->group;
	struct emu_obj *idev;
	size_t i;

	if (g->owner && g->owner != ctx)
		return -EBUSY;
	for (i = 0; i < emu.ndevs; i++) {
		struct emu_dev *d = emu.devs[i];

		if (d != dev && d->group == g && !d->vfio && d->driver[0])
			return -EBUSY;
	}
	idev = emu_obj_alloc(ctx, EMU_OBJ_DEVICE);
	if (!idev)
		return -ENOMEM;
	idev->dev = dev;
	dev->idev = idev;
	g->owner = ctx;
	g->nbound++;
	emu_ctx_get(ctx);	/* a bound device holds its context */
	*dev_id = idev->id;
	return 0;
}

/* vfio_iommufd_physical_unbind: PASIDs, then the RID, then the object. */
void emu_device_unbind(struct emu_dev *dev)
{
	struct emu_ctx *ctx = dev->idev->ctx;
	struct emu_group *g = dev->group;

	while (dev->npasids)
		emu_device_detach(dev, dev->pasids[--dev->npasids]);
	if (dev->rid_attached) {
		emu_device_detach(dev, EMU_NO_PASID);
		dev->rid_attached = false;
	}
	emu_nested_unbind(dev);
	emu_obj_free(dev->idev);
	dev->idev = NULL;
	if (!--g->nbound)
		g->owner = NULL;
	emu_ctx_put(ctx);
}
