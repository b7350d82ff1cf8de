/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Dirty tracking of a nest's stage-2 (nested.h): the nest parent made with
 * IOMMU_HWPT_ALLOC_DIRTY_TRACKING where the vendor table allows it,
 * IOMMU_HWPT_SET_DIRTY_TRACKING and IOMMU_HWPT_GET_DIRTY_BITMAP
 * (doc/kernel-rules.md §13). The arguments are checked here, where the
 * message can say what to fix; the kernel's EINVAL is the same rule.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "iommu/vendor.h"
#include "kabi.h"
#include "kernel.h"
#include "nested.h"

/* Is [iova, iova + len) wholly mapped in as? 7.3 reports the mapped part
 * of a range with holes and succeeds (doc/kernel-rules.md §13.1), so a
 * hole would read as clean pages: checked here. */
static bool covered(struct pasid_as *as, uint64_t iova, uint64_t len)
{
	const uint64_t last = iova + len - 1;
	const struct maprec_entry *e, *next;
	bool ok = false;

	lock_take(&as->lock);
	for (e = maprec_find_iova(&as->rec, iova); e; e = next) {
		uint64_t end = e->iova + e->len - 1;

		if (end >= last) {
			ok = true;
			break;
		}
		next = maprec_next(e);
		if (next && next->iova != end + 1)
			next = NULL;
	}
	lock_give(&as->lock);
	return ok;
}

/* the IOVA alignment of every IOMMU the library nests on */
#define DIRTY_MIN_PAGE 4096u

/* For pasid_nest_new with PASID_NEST_DIRTY_TRACKING. */
int nest_dirty_check(const struct pasid_dev *dev)
{
	if (!dev->vendor->nest_dirty)
		return nest_vendor_lacks(dev, "pasid_nest_new",
					 "dirty tracking in a nesting parent",
					 dev->vendor->nest_dirty_missing);
	if (!(dev->caps.flags & PASID_CAP_DIRTY_TRACKING))
		return pasid_err(dev->ctx, EOPNOTSUPP,
				 "pasid_nest_new: %s: the kernel reports no dirty tracking for its IOMMU (%s; IOMMU_GET_HW_INFO without IOMMU_HW_CAP_DIRTY_TRACKING): make the nest without PASID_NEST_DIRTY_TRACKING",
				 dev->name,
				 pasid_iommu_vendor_name(dev->caps.vendor));
	return 0;
}

static int tracked(const struct pasid_nest *n, const char *fn)
{
	if (n->flags & PASID_NEST_DIRTY_TRACKING)
		return 0;
	return pasid_err(n->dev->ctx, EINVAL,
			 "%s: %s: the nest was made without PASID_NEST_DIRTY_TRACKING, so its stage-2 has no dirty bits",
			 fn, n->dev->name);
}

PASID_API int pasid_nest_dirty_set(struct pasid_nest *nest, int on)
{
	struct pasid_ctx *ctx;
	int ret;

	pasid_err_clear();
	if (!nest)
		return pasid_err(NULL, EINVAL,
				 "pasid_nest_dirty_set: nest must not be NULL");
	ctx = nest->dev->ctx;
	if (inherited(ctx))
		return fork_refuse(ctx, "pasid_nest_dirty_set");
	ret = tracked(nest, "pasid_nest_dirty_set");
	if (ret)
		return ret;
	ret = k_hwpt_set_dirty(ctx->iommufd, nest->parent_id, on);
	if (ret)
		return pasid_kerr(ctx, -ret, "IOMMU_HWPT_SET_DIRTY_TRACKING",
				  "%s: turning dirty tracking %s on nesting parent %u",
				  nest->dev->name, on ? "on" : "off",
				  nest->parent_id);
	return 0;
}

static bool pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

static int range_ok(struct pasid_ctx *ctx, uint64_t iova, uint64_t len,
		    uint64_t page_size, size_t bitmap_bytes)
{
	uint64_t align = page_size > DIRTY_MIN_PAGE ? page_size : DIRTY_MIN_PAGE;

	if (!pow2(page_size) || page_size < DIRTY_MIN_PAGE)
		return pasid_err(ctx, EINVAL,
				 "pasid_nest_dirty_read: page_size 0x%llx must be a power of two, at least 4 KiB",
				 (unsigned long long)page_size);
	if (!len || (iova & (align - 1)) || (len & (align - 1)) ||
	    iova + len - 1 < iova)
		return pasid_err(ctx, EINVAL,
				 "pasid_nest_dirty_read: the range (iova 0x%llx, len 0x%llx) must be non-empty, not wrap, and start and end on a 0x%llx boundary (page_size and the IOMMU's 4 KiB pages)",
				 (unsigned long long)iova,
				 (unsigned long long)len,
				 (unsigned long long)align);
	if (bitmap_bytes < PASID_DIRTY_BITMAP_BYTES(len, page_size))
		return pasid_err(ctx, EINVAL,
				 "pasid_nest_dirty_read: the bitmap has %zu bytes; 0x%llx bytes in 0x%llx units need %zu (PASID_DIRTY_BITMAP_BYTES)",
				 bitmap_bytes, (unsigned long long)len,
				 (unsigned long long)page_size,
				 PASID_DIRTY_BITMAP_BYTES(len, page_size));
	return 0;
}

PASID_API int pasid_nest_dirty_read(struct pasid_nest *nest, uint64_t iova,
				    uint64_t len, uint64_t page_size,
				    uint64_t *bitmap, size_t bitmap_bytes,
				    unsigned int flags)
{
	struct pasid_ctx *ctx;
	int ret;

	pasid_err_clear();
	if (!nest || !bitmap)
		return pasid_err(NULL, EINVAL,
				 "pasid_nest_dirty_read: nest and bitmap must not be NULL");
	ctx = nest->dev->ctx;
	if (inherited(ctx))
		return fork_refuse(ctx, "pasid_nest_dirty_read");
	if (flags & ~PASID_DIRTY_NO_CLEAR)
		return pasid_err(ctx, EINVAL,
				 "pasid_nest_dirty_read: unknown flags 0x%x",
				 flags & ~PASID_DIRTY_NO_CLEAR);
	ret = tracked(nest, "pasid_nest_dirty_read");
	if (!ret)
		ret = range_ok(ctx, iova, len, page_size, bitmap_bytes);
	if (ret)
		return ret;
	if (!covered(nest->as, iova, len))
		return pasid_err(ctx, EINVAL,
				 "pasid_nest_dirty_read: %s: the range (iova 0x%llx, len 0x%llx) is not wholly mapped in the nest's address space (the kernel would report its holes as clean)",
				 nest->dev->name, (unsigned long long)iova,
				 (unsigned long long)len);
	/* the kernel only sets bits */
	memset(bitmap, 0, PASID_DIRTY_BITMAP_BYTES(len, page_size));
	ret = k_hwpt_get_dirty(ctx->iommufd, nest->parent_id, iova, len,
			       page_size, bitmap,
			       (flags & PASID_DIRTY_NO_CLEAR) ?
			       KABI_IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR : 0);
	if (ret)
		return pasid_kerr(ctx, -ret, "IOMMU_HWPT_GET_DIRTY_BITMAP",
				  "%s: reading the dirty bits of nesting parent %u",
				  nest->dev->name, nest->parent_id);
	return 0;
}
