/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * User-owned stage-1 page tables on a nest's PASIDs (nested.h): the checks
 * every IOMMU shares; the vendor's s1_attach does the rest (VT-d: one
 * nested page table per PASID, nested-vtd.c; SMMUv3: a context descriptor
 * in the library's CD table, nested-smmuv3.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "iommu/vendor.h"
#include "nested.h"

#define S1_ALIGN 4096u
/* the kernel's bound of entries in one IOMMU_HWPT_INVALIDATE */
#define S1_MAX_RANGES (1u << 19)

uint32_t nest_s1_pasid_bits(const struct pasid_nest *n)
{
	const struct pasid_vendor_ops *v = n->dev->vendor;

	if (!v->s1_attach)
		return 0;
	return v->s1_pasid_bits ? v->s1_pasid_bits(n->dev) :
				  n->dev->caps.pasid_width;
}

static struct pasid_s1 *s1_at(struct pasid_nest *n, uint32_t pasid)
{
	struct list_head *pos;

	for (pos = n->s1s.next; pos != &n->s1s; pos = pos->next) {
		struct pasid_s1 *s1 = container_of(pos, struct pasid_s1, node);

		if (s1->pasid == pasid)
			return s1;
	}
	return NULL;
}

static int s1_opts_in(struct pasid_ctx *ctx, const struct pasid_s1_opts *opts,
		      struct pasid_s1_opts *o)
{
	if (!opts || copy_sized_in(o, sizeof(*o), opts) || o->flags ||
	    o->reserved)
		return pasid_err(ctx, EINVAL,
				 "pasid_s1_attach: opts is NULL, its size is not set, or flags, reserved or fields this library does not know are set: set size = sizeof(struct pasid_s1_opts) and zero the rest");
	if (!o->root || (o->root & (S1_ALIGN - 1)))
		return pasid_err(ctx, EINVAL,
				 "pasid_s1_attach: the stage-1 root 0x%llx must be a non-zero, 4 KiB aligned address of the nest's address space",
				 (unsigned long long)o->root);
	return 0;
}

/* Under ctx->lock: may nest n take a stage-1 at pasid? */
static int s1_slot_free(struct pasid_nest *n, uint32_t pasid)
{
	struct pasid_dev *dev = n->dev;
	uint32_t bits = nest_s1_pasid_bits(n);

	if (!dev->vendor->s1_attach)
		return pasid_err(dev->ctx, EOPNOTSUPP, "pasid_s1_attach: %s: %s",
				 dev->name, dev->vendor->s1_missing ?
				 dev->vendor->s1_missing :
				 "this IOMMU nests no stage-1 page table");
	if (!pasid || bits == 0 || pasid >= (1u << bits))
		return pasid_err(dev->ctx, ERANGE,
				 "pasid_s1_attach: %s: PASID %u is outside 1..%u, the PASIDs a stage-1 can use on it (pasid_nest_info: s1_pasid_bits)",
				 dev->name, pasid, bits ? (1u << bits) - 1 : 0);
	if (s1_at(n, pasid))
		return pasid_err(dev->ctx, EBUSY,
				 "pasid_s1_attach: %s: PASID %u has a stage-1 already: free it first (pasid_s1_free)",
				 dev->name, pasid);
	return 0;
}

PASID_API int pasid_s1_attach(struct pasid_nest *nest, uint32_t pasid,
			      const struct pasid_s1_opts *opts,
			      struct pasid_s1 **s1p)
{
	struct pasid_s1_opts o;
	struct pasid_s1 *s1;
	struct pasid_ctx *ctx;
	int ret;

	pasid_err_clear();
	if (!nest || !s1p)
		return pasid_err(NULL, EINVAL,
				 "pasid_s1_attach: nest and s1p must not be NULL");
	ctx = nest->dev->ctx;
	if (inherited(ctx))
		return fork_refuse(ctx, "pasid_s1_attach");
	ret = s1_opts_in(ctx, opts, &o);
	if (ret)
		return ret;
	s1 = calloc(1, sizeof(*s1));
	if (!s1)
		return pasid_err(ctx, ENOMEM, "out of memory for a stage-1");
	s1->nest = nest;
	s1->pasid = pasid;
	s1->asid = o.asid;
	ctx_lock(ctx);
	ret = s1_slot_free(nest, pasid);
	if (!ret)
		ret = nest->dev->vendor->s1_attach(s1, &o);
	if (ret) {
		ctx_unlock(ctx);
		free(s1);
		return ret;
	}
	list_add_tail(&s1->node, &nest->s1s);
	ctx_unlock(ctx);
	*s1p = s1;
	return 0;
}

/* ctx->lock held */
void nest_s1_release(struct pasid_s1 *s1)
{
	struct pasid_nest *n = s1->nest;

	n->dev->vendor->s1_detach(s1);
	list_del(&s1->node);
	free(s1);
}

PASID_API void pasid_s1_free(struct pasid_s1 *s1)
{
	struct pasid_ctx *ctx;

	if (!s1)
		return;
	ctx = s1->nest->dev->ctx;
	if (inherited(ctx)) {
		list_del(&s1->node);	/* the child's memory only */
		free(s1);
		return;
	}
	ctx_lock(ctx);
	nest_s1_release(s1);
	ctx_unlock(ctx);
}

static int ranges_ok(struct pasid_ctx *ctx, const struct pasid_s1_range *r,
		     unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		bool all = r[i].len == PASID_S1_ALL;

		if ((all && r[i].iova) ||
		    (!all && (!r[i].len || (r[i].len & (S1_ALIGN - 1)) ||
			      (r[i].iova & (S1_ALIGN - 1)) ||
			      r[i].iova + r[i].len < r[i].iova)))
			return pasid_err(ctx, EINVAL,
					 "pasid_s1_invalidate: range %u (iova 0x%llx, len 0x%llx) must be 4 KiB aligned, non-empty and not wrap, or iova 0 with len PASID_S1_ALL",
					 i, (unsigned long long)r[i].iova,
					 (unsigned long long)r[i].len);
	}
	return 0;
}

PASID_API int pasid_s1_invalidate(struct pasid_s1 *s1,
				  const struct pasid_s1_range *ranges,
				  unsigned int n, unsigned int flags,
				  unsigned int *done)
{
	unsigned int did = 0;
	struct pasid_ctx *ctx;
	struct pasid_dev *dev;
	int ret;

	pasid_err_clear();
	if (done)
		*done = 0;
	if (!s1 || (n && !ranges))
		return pasid_err(NULL, EINVAL,
				 "pasid_s1_invalidate: s1 must not be NULL, nor ranges when n > 0");
	dev = s1->nest->dev;
	ctx = dev->ctx;
	if (inherited(ctx))
		return fork_refuse(ctx, "pasid_s1_invalidate");
	if (flags & ~PASID_S1_INVAL_LEAF)
		return pasid_err(ctx, EINVAL,
				 "pasid_s1_invalidate: unknown flags 0x%x",
				 flags & ~PASID_S1_INVAL_LEAF);
	if (n > S1_MAX_RANGES)
		return pasid_err(ctx, EINVAL,
				 "pasid_s1_invalidate: %u ranges; the kernel takes at most %u in one call",
				 n, S1_MAX_RANGES);
	ret = ranges_ok(ctx, ranges, n);
	if (ret || !n)
		return ret;
	ctx_lock(ctx);
	ret = dev->vendor->s1_invalidate(s1, ranges, n, flags, &did);
	ctx_unlock(ctx);
	if (done)
		*done = did;
	/* a library-side failure (out of memory) has its message */
	if (ret && !pasid_errmsg()[0])
		return pasid_kerr(ctx, -ret, "IOMMU_HWPT_INVALIDATE",
				  "%s: PASID %u: the kernel completed %u of %u ranges and refused range %u",
				  dev->name, s1->pasid, did, n, did);
	return ret;
}
