/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Nests (include/libpasid/nested.h): a device's stage-2 page table made from
 * an address space, its RID attached to it, and the vIOMMU and vDEVICE its
 * IOMMU nests through where it has them (doc/kernel-rules.md §12; the
 * vendor table says which: vendor.h, "nested").
 *
 * A nest owns the device's attachments: a device has either a nest or the
 * generic RID and PASID attachments of bind.c, never both, so neither side
 * can move the other's RID under it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "backend.h"
#include "internal.h"
#include "iommu/vendor.h"
#include "kabi.h"
#include "kernel.h"
#include "nested.h"

#define NEST_FLAGS (PASID_NEST_DIRTY_TRACKING | PASID_NEST_VIRT_ID | \
		    PASID_NEST_FAULTS)

static const char *vendor_of(const struct pasid_dev *dev)
{
	return pasid_iommu_vendor_name(dev->caps.vendor);
}

/* The kernel objects of a nest, newest first; logs what it cannot undo. */
static void nest_destroy(struct pasid_nest *n)
{
	struct pasid_ctx *ctx = n->dev->ctx;
	const uint32_t ids[] = { n->vdevice_id, n->viommu_id, n->parent_id };
	size_t i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (ids[i] && k_destroy(ctx->iommufd, ids[i]))
			pasid_log(ctx, PASID_LOG_WARN,
				  "%s: IOMMU_DESTROY of nest object %u failed: it stays until the context is closed",
				  n->dev->name, ids[i]);
}

/* The HWPT_ALLOC flags of dev's nest parent, with dirty tracking or not. */
static uint32_t parent_flags(const struct pasid_dev *dev, bool dirty)
{
	return KABI_IOMMU_HWPT_ALLOC_NEST_PARENT | dev->vendor->nest_parent_flags |
	       (dirty ? KABI_IOMMU_HWPT_ALLOC_DIRTY_TRACKING : 0);
}

/* The vendor's rules for a nest parent of those flags, before the kernel
 * is asked. */
static int parent_check(struct pasid_dev *dev, uint32_t flags)
{
	const char *why = NULL;

	if (dev->vendor->check_hwpt_flags &&
	    dev->vendor->check_hwpt_flags(&dev->caps, flags, &why))
		return pasid_err(dev->ctx, EOPNOTSUPP,
				 "pasid_nest_new: %s: the IOMMU (%s) cannot make this nesting parent (refused before asking the kernel): %s",
				 dev->name, vendor_of(dev), why);
	return 0;
}

static int parent_alloc(struct pasid_nest *n)
{
	struct pasid_dev *dev = n->dev;
	uint32_t flags = parent_flags(dev, n->flags & PASID_NEST_DIRTY_TRACKING);
	int ret;

	ret = parent_check(dev, flags);
	if (ret)
		return ret;
	ret = k_hwpt_alloc(dev->ctx->iommufd, dev->dev_id, n->as->ioas_id,
			   flags, &n->parent_id);
	if (ret == -EOPNOTSUPP)
		return pasid_kerr(dev->ctx, EOPNOTSUPP,
				  "IOMMU_HWPT_ALLOC(NEST_PARENT)",
				  "%s: the IOMMU (%s) or its driver cannot be a nesting parent%s; nesting needs Linux 6.7+ and an IOMMU with two translation stages",
				  dev->name, vendor_of(dev),
				  (n->flags & PASID_NEST_DIRTY_TRACKING) ?
				  " with dirty tracking (try without PASID_NEST_DIRTY_TRACKING)" : "");
	if (ret)
		return pasid_kerr(dev->ctx, -ret, "IOMMU_HWPT_ALLOC(NEST_PARENT)",
				  "%s: could not make a nesting parent of IOAS %u%s%s",
				  dev->name, n->as->ioas_id,
				  pin_hint(-ret) ? ": " : "",
				  pin_hint(-ret) ? pin_hint(-ret) : "");
	return 0;
}

/* The vIOMMU and the device's vDEVICE, where the IOMMU nests through them. */
static int viommu_alloc(struct pasid_nest *n)
{
	struct pasid_dev *dev = n->dev;
	const char *why;
	int ret;

	if (!dev->vendor->viommu_type)
		return 0;
	ret = k_viommu_alloc(dev->ctx->iommufd, dev->dev_id, n->parent_id,
			     dev->vendor->viommu_type, &n->viommu_id);
	if (ret == -EOPNOTSUPP && dev->vendor->no_viommu_hint &&
	    (why = dev->vendor->no_viommu_hint(&dev->caps)))
		return pasid_kerr(dev->ctx, EOPNOTSUPP, "IOMMU_VIOMMU_ALLOC",
				  "%s: the %s driver offers no vIOMMU for this IOMMU: %s",
				  dev->name, vendor_of(dev), why);
	if (ret == -EOPNOTSUPP)
		return pasid_kerr(dev->ctx, EOPNOTSUPP, "IOMMU_VIOMMU_ALLOC",
				  "%s: the %s driver offers no vIOMMU for this IOMMU: it needs nesting in the hardware and DMA that cannot bypass the CPU caches (SMMUv3: coherent device (CANWBS) or stage-2 forced write-back (S2FWB)), and Linux 6.13+",
				  dev->name, vendor_of(dev));
	if (ret)
		return pasid_kerr(dev->ctx, -ret, "IOMMU_VIOMMU_ALLOC",
				  "%s: could not make the vIOMMU on nesting parent %u",
				  dev->name, n->parent_id);
	ret = k_vdevice_alloc(dev->ctx->iommufd, n->viommu_id, dev->dev_id,
			      n->virt_id, &n->vdevice_id);
	if (ret == -EEXIST)
		return pasid_kerr(dev->ctx, EEXIST, "IOMMU_VDEVICE_ALLOC",
				  "%s: virtual ID 0x%llx is taken on this vIOMMU, or the device has a vDEVICE already: pick another virt_id",
				  dev->name, (unsigned long long)n->virt_id);
	if (ret)
		return pasid_kerr(dev->ctx, -ret, "IOMMU_VDEVICE_ALLOC",
				  "%s: could not give the device virtual ID 0x%llx on vIOMMU %u",
				  dev->name, (unsigned long long)n->virt_id,
				  n->viommu_id);
	return 0;
}

static int rid_attach(struct pasid_nest *n)
{
	struct pasid_dev *dev = n->dev;
	int ret = k_attach_pt(dev->fd, n->parent_id, K_NO_PASID, NULL);

	if (ret == -EINVAL)
		return pasid_kerr(dev->ctx, EINVAL,
				  "VFIO_DEVICE_ATTACH_IOMMUFD_PT",
				  "%s: the kernel refused the nesting parent for the RID: another device of its IOMMU group uses another page table (give the group one nest's address space), or the table is of another IOMMU instance",
				  dev->name);
	if (ret)
		return pasid_kerr(dev->ctx, -ret, "VFIO_DEVICE_ATTACH_IOMMUFD_PT",
				  "%s: attaching the RID to nesting parent %u%s%s",
				  dev->name, n->parent_id,
				  pin_hint(-ret) ? ": " : "",
				  pin_hint(-ret) ? pin_hint(-ret) : "");
	return 0;
}

/* Under ctx->lock: why dev cannot get a nest now, or 0. */
static int dev_free_for_nest(struct pasid_dev *dev)
{
	if (dev->nest)
		return pasid_err(dev->ctx, EBUSY,
				 "pasid_nest_new: %s has a nest already: free it first (pasid_nest_free)",
				 dev->name);
	if (dev->rid_as || dev->pasids.count)
		return pasid_err(dev->ctx, EBUSY,
				 "pasid_nest_new: %s has its RID or PASIDs attached through pasid_attach_rid or pasid_bind (the kernel refuses nesting while host PASIDs are in use): detach and unbind them first",
				 dev->name);
	return 0;
}

static int opts_in(const struct pasid_nest_opts *opts,
		   struct pasid_nest_opts *o, struct pasid_ctx *ctx)
{
	memset(o, 0, sizeof(*o));
	o->size = sizeof(*o);
	if (opts && (copy_sized_in(o, sizeof(*o), opts) || o->reserved))
		return pasid_err(ctx, EINVAL,
				 "pasid_nest_new: opts->size is %zu, or reserved or fields this library does not know are set: set size = sizeof(struct pasid_nest_opts) and zero the rest",
				 opts->size);
	if (o->flags & ~NEST_FLAGS)
		return pasid_err(ctx, EINVAL,
				 "pasid_nest_new: unknown flags 0x%x",
				 o->flags & ~NEST_FLAGS);
	if (!(o->flags & PASID_NEST_FAULTS) && o->faultq)
		return pasid_err(ctx, EINVAL,
				 "pasid_nest_new: opts->faultq is set without PASID_NEST_FAULTS");
	return 0;
}

PASID_API int pasid_nest_new(struct pasid_dev *dev, struct pasid_as *as,
			     const struct pasid_nest_opts *opts,
			     struct pasid_nest **nestp)
{
	struct pasid_nest_opts o;
	struct pasid_nest *n;
	int ret;

	pasid_err_clear();
	if (!dev || !as || !nestp)
		return pasid_err(dev ? dev->ctx : NULL, EINVAL,
				 "pasid_nest_new: dev, as and nestp must not be NULL");
	if (dev->ctx != as->ctx)
		return pasid_err(dev->ctx, EINVAL,
				 "pasid_nest_new: the device and the address space belong to different contexts");
	if (inherited(dev->ctx))
		return fork_refuse(dev->ctx, "pasid_nest_new");
	if (ctx_other(dev->ctx))
		return backend_missing(dev->ctx, "pasid_nest_new: nesting needs",
				       "iommufd and the VFIO cdev (Linux 6.7+)");
	ret = opts_in(opts, &o, dev->ctx);
	if (ret)
		return ret;
	n = calloc(1, sizeof(*n));
	if (!n)
		return pasid_err(dev->ctx, ENOMEM, "out of memory for a nest");
	n->dev = dev;
	n->as = as;
	list_init(&n->s1s);
	n->flags = o.flags;
	n->virt_id = (o.flags & PASID_NEST_VIRT_ID) ? o.virt_id : dev->dev_id;
	ctx_lock(dev->ctx);
	ret = dev_free_for_nest(dev);
	/* an IOMMU that cannot nest at all says so, rather than that it
	 * lacks what a flag asks for too */
	if (!ret)
		ret = parent_check(dev, parent_flags(dev, false));
	if (!ret && (o.flags & PASID_NEST_DIRTY_TRACKING))
		ret = nest_dirty_check(dev);
	if (!ret && (o.flags & PASID_NEST_FAULTS)) {
		ret = nest_faults_check(dev, o.faultq);
		if (!ret) {
			n->faultq = o.faultq;
			faultq_get(n->faultq);
		}
	}
	if (!ret)
		ret = parent_alloc(n);
	if (!ret)
		ret = viommu_alloc(n);
	if (!ret)
		ret = rid_attach(n);
	if (ret) {
		nest_destroy(n);
		if (n->faultq)
			faultq_put(n->faultq);
		ctx_unlock(dev->ctx);
		free(n);
		return ret;
	}
	if (!n->vdevice_id)
		n->flags &= ~PASID_NEST_VIRT_ID;
	dev->nest = n;
	ctx_unlock(dev->ctx);
	*nestp = n;
	return 0;
}

/* ctx->lock held: take the nest down in the kernel and free it: its
 * stage-1s, what they shared, the RID, the objects. */
static void nest_release(struct pasid_nest *n)
{
	struct pasid_dev *dev = n->dev;

	while (n->s1s.next != &n->s1s)
		nest_s1_release(container_of(n->s1s.next, struct pasid_s1,
					     node));
	if (dev->vendor->nest_fini)
		dev->vendor->nest_fini(n);
	if (k_detach_pt(dev->fd, K_NO_PASID))
		pasid_log(dev->ctx, PASID_LOG_WARN,
			  "%s: detaching the RID from its nesting parent failed",
			  dev->name);
	/* the vEVENTQ holds the vIOMMU; the fault queue is held by the
	 * stage-1 HWPTs, gone by now */
	nest_veventq_release(n);
	nest_destroy(n);
	if (n->faultq)
		faultq_put(n->faultq);
	dev->nest = NULL;
	free(n);
}

void nested_release(struct pasid_dev *dev, struct pasid_as *as)
{
	if (dev->nest && (!as || dev->nest->as == as))
		nest_release(dev->nest);
}

void nested_forget(struct pasid_dev *dev)
{
	struct pasid_nest *n = dev->nest;

	if (!n)
		return;
	while (n->s1s.next != &n->s1s) {
		struct list_head *s1 = n->s1s.next;

		list_del(s1);
		free(container_of(s1, struct pasid_s1, node));
	}
	if (n->table.base)
		munmap(n->table.base, n->table.len);
	/* the child's copies only: the release checks inherited() */
	nest_veventq_release(n);
	if (n->faultq)
		faultq_put(n->faultq);
	free(n);
	dev->nest = NULL;
}

PASID_API void pasid_nest_free(struct pasid_nest *nest)
{
	struct pasid_ctx *ctx;

	if (!nest)
		return;
	ctx = nest->dev->ctx;
	if (inherited(ctx)) {
		/* the child's copy of memory only (fork.c's rule) */
		fork_forget_nest(nest->dev);
		return;
	}
	ctx_lock(ctx);
	nest_release(nest);
	ctx_unlock(ctx);
}

PASID_API int pasid_nest_info(const struct pasid_nest *nest,
			      struct pasid_nest_info *info)
{
	struct pasid_nest_info i = { .size = sizeof(i) };

	pasid_err_clear();
	if (!nest || !info || info->size < sizeof(info->size))
		return pasid_err(NULL, EINVAL,
				 "pasid_nest_info: nest and info must not be NULL and info->size must be set (sizeof(struct pasid_nest_info))");
	i.parent_id = nest->parent_id;
	i.viommu_id = nest->viommu_id;
	i.vdevice_id = nest->vdevice_id;
	i.flags = nest->flags;
	i.virt_id = nest->vdevice_id ? nest->virt_id : 0;
	i.s1_format = nest->dev->vendor->s1_attach ?
		      nest->dev->vendor->s1_format : PASID_S1_NONE;
	i.s1_pasid_bits = nest_s1_pasid_bits(nest);
	i.cd_table_iova = nest->table.iova;
	copy_sized_out(info, &i, sizeof(i));
	return 0;
}

/* A device with a nest refuses the generic attachment calls. */
int nested_refuse(const struct pasid_dev *dev, const char *fn)
{
	if (!dev->nest)
		return 0;
	return pasid_err(dev->ctx, EBUSY,
			 "%s: %s is nested (pasid_nest_new): its RID and PASIDs belong to the nest until pasid_nest_free",
			 fn, dev->name);
}
