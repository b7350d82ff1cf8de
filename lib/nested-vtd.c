/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * VT-d stage-1s: the PASID table is the kernel's, so each PASID gets its own
 * nested page table on the nest's stage-2 (IOMMU_HWPT_DATA_VTD_S1, allocated
 * PASID-compatible) attached at that PASID (doc/kernel-rules.md §12).
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"
#include "kabi.h"
#include "kernel.h"
#include "nested.h"

#define VTD_PAGE 4096u

static int vtd_attach_error(struct pasid_s1 *s1, int err)
{
	struct pasid_dev *dev = s1->nest->dev;

	if (err == EINVAL)
		return pasid_kerr(dev->ctx, EINVAL,
				  "VFIO_DEVICE_ATTACH_IOMMUFD_PT(PASID)",
				  "%s: the kernel refused the stage-1 at PASID %u: its va_bits must be 48 (or 57 where the unit has 5-level first-stage paging), and a stage-2 with dirty tracking cannot carry stage-1s at PASIDs (make the nest without PASID_NEST_DIRTY_TRACKING)",
				  dev->name, s1->pasid);
	return pasid_kerr(dev->ctx, err, "VFIO_DEVICE_ATTACH_IOMMUFD_PT(PASID)",
			  "%s: attaching the stage-1 at PASID %u", dev->name,
			  s1->pasid);
}

int vtd_s1_attach(struct pasid_s1 *s1, const struct pasid_s1_opts *o)
{
	struct pasid_nest *n = s1->nest;
	struct pasid_dev *dev = n->dev;
	struct kabi_iommu_hwpt_vtd_s1 data = {
		.pgtbl_addr = o->root,
		.addr_width = o->va_bits,
	};
	int ret;

	/* intel_pasid_setup_nested refuses it (EINVAL, kernel-rules §12.3):
	 * the same errno, before a HWPT is made for nothing */
	if (n->flags & PASID_NEST_DIRTY_TRACKING)
		return pasid_err(dev->ctx, EINVAL,
				 "pasid_s1_attach: %s: Intel VT-d nests no stage-1 at a PASID on a stage-2 with dirty tracking (refused before asking the kernel): make the nest without PASID_NEST_DIRTY_TRACKING",
				 dev->name);
	ret = k_hwpt_alloc_data(dev->ctx->iommufd, dev->dev_id, n->parent_id,
				KABI_IOMMU_HWPT_ALLOC_PASID,
				KABI_IOMMU_HWPT_DATA_VTD_S1, &data,
				sizeof(data), nest_fault_id(n), &s1->hwpt_id);
	if (ret)
		return pasid_kerr(dev->ctx, -ret,
				  "IOMMU_HWPT_ALLOC(IOMMU_HWPT_DATA_VTD_S1)",
				  "%s: the kernel refused a stage-1 page table for PASID %u on nesting parent %u%s",
				  dev->name, s1->pasid, n->parent_id,
				  ret == -EOPNOTSUPP ?
				  ": the unit or its driver cannot nest (ECAP.NEST, Linux 6.7+; PASIDs 6.13+)" : "");
	ret = k_attach_pt(dev->fd, s1->hwpt_id, s1->pasid, NULL);
	if (ret) {
		ret = vtd_attach_error(s1, -ret);
		k_destroy(dev->ctx->iommufd, s1->hwpt_id);
		s1->hwpt_id = 0;
	}
	return ret;
}

void vtd_s1_detach(struct pasid_s1 *s1)
{
	struct pasid_dev *dev = s1->nest->dev;

	if (k_detach_pt(dev->fd, s1->pasid) ||
	    k_destroy(dev->ctx->iommufd, s1->hwpt_id))
		pasid_log(dev->ctx, PASID_LOG_WARN,
			  "%s: taking down the stage-1 of PASID %u (HWPT %u) failed: it stays until the device is closed",
			  dev->name, s1->pasid, s1->hwpt_id);
}

/* One IOMMU_HWPT_INVALIDATE on the PASID's nested page table, one VT-d
 * entry per range (npages all-ones: everything). */
int vtd_s1_invalidate(struct pasid_s1 *s1, const struct pasid_s1_range *r,
		      unsigned int n, unsigned int flags, unsigned int *done)
{
	struct pasid_dev *dev = s1->nest->dev;
	struct kabi_iommu_hwpt_vtd_s1_invalidate *e;
	uint32_t num = n;
	unsigned int i;
	int ret;

	e = calloc(n, sizeof(*e));
	if (!e)
		return pasid_err(dev->ctx, ENOMEM,
				 "out of memory for %u invalidation entries", n);
	for (i = 0; i < n; i++) {
		e[i].addr = r[i].iova;
		e[i].npages = r[i].len == PASID_S1_ALL ? UINT64_MAX :
			      r[i].len / VTD_PAGE;
		if (flags & PASID_S1_INVAL_LEAF)
			e[i].flags = KABI_IOMMU_VTD_INV_FLAGS_LEAF;
	}
	ret = k_hwpt_invalidate(dev->ctx->iommufd, s1->hwpt_id,
				KABI_IOMMU_HWPT_INVALIDATE_DATA_VTD_S1, e,
				sizeof(*e), &num);
	free(e);
	*done = num;
	return ret;
}
