/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * /dev/iommu: the ioctl entry (size rules of doc/kernel-rules.md §2.1), the
 * object table (kernel-rules §1), IOMMU_DESTROY, IOMMU_IOAS_ALLOC and
 * IOMMU_HWPT_ALLOC with the per-vendor flag rules of kernel-rules §7.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "emu-internal.h"

#define offsetofend(type, member) \
	(offsetof(type, member) + sizeof(((type *)0)->member))

/* ---- objects ----------------------------------------------------------- */

/* Ids are per context, the lowest free one from 1 up (xa_alloc). */
struct emu_obj *emu_obj_alloc(struct emu_ctx *ctx, enum emu_obj_type type)
{
	struct emu_obj *obj;
	size_t id;

	for (id = 1; id < ctx->objs_cap && ctx->objs[id]; id++)
		;
	if (EMU_GROW(ctx->objs, ctx->objs_cap, id))
		return NULL;
	obj = calloc(1, sizeof(*obj));
	if (!obj)
		return NULL;
	obj->ctx = ctx;
	obj->id = (uint32_t)id;
	obj->type = type;
	ctx->objs[id] = obj;
	return obj;
}

void emu_obj_free(struct emu_obj *obj)
{
	/* iommufd_object_remove: the compat IOAS pointer goes too */
	if (obj->ctx->vfio_ioas == obj)
		obj->ctx->vfio_ioas = NULL;
	obj->ctx->objs[obj->id] = NULL;
	free(obj->areas);
	free(obj->resv);
	free(obj->allowed);
	free(obj->dirty);
	free(obj);
}

struct emu_obj *emu_obj_find(struct emu_ctx *ctx, uint32_t id, int type)
{
	struct emu_obj *obj;

	if (!ctx || !id || id >= ctx->objs_cap)
		return NULL;
	obj = ctx->objs[id];
	if (!obj || (type != EMU_OBJ_ANY && (int)obj->type != type))
		return NULL;
	return obj;
}

/* For the introspection calls: see emu_select_ctx(). */
struct emu_obj *emu_obj_lookup(uint32_t id, int type)
{
	struct emu_ctx *ctx;
	struct emu_obj *obj;

	if (emu.selected_fd >= 0)
		return emu_obj_find(emu_ctx_of_fd(emu.selected_fd), id, type);
	for (ctx = emu.ctxs; ctx; ctx = ctx->next) {
		obj = emu_obj_find(ctx, id, type);
		if (obj)
			return obj;
	}
	return NULL;
}

unsigned int emu_count_objects(void)
{
	unsigned int n = 0;
	struct emu_ctx *ctx;
	size_t i;

	for (ctx = emu.ctxs; ctx; ctx = ctx->next)
		for (i = 1; i < ctx->objs_cap; i++)
			n += ctx->objs[i] != NULL;
	return n;
}

static void ioas_destroy(struct emu_obj *ioas)
{
	emu_ioas_unmap_all(ioas);
	emu_obj_free(ioas);
}

/* Undo a HWPT (iommufd_hw_pagetable_destroy / abort_and_destroy). */
void emu_hwpt_abort(struct emu_obj *hwpt)
{
	if (hwpt->domain)
		emu_ioas_remove_domain(hwpt->ioas, hwpt);
	if (hwpt->fault)
		hwpt->fault->users--;
	hwpt->ioas->users--;
	emu_obj_free(hwpt);
}

/* Drop one attachment reference; an auto domain dies with its last user
 * (iommufd_hw_pagetable_put). */
void emu_hwpt_put(struct emu_obj *hwpt)
{
	hwpt->users--;
	if (hwpt->auto_domain && !hwpt->users)
		emu_hwpt_abort(hwpt);
}

/* iommufd_fops_release: no device can be bound any more (they hold the
 * context), so only page tables and address spaces are left. */
void emu_ctx_destroy_objects(struct emu_ctx *ctx)
{
	size_t i;

	for (i = 1; i < ctx->objs_cap; i++) {
		struct emu_obj *obj = ctx->objs[i];

		if (obj && obj->type == EMU_OBJ_DEVICE)
			emu_obj_free(obj);	/* only after a leak */
	}
	/* what holds a vIOMMU, the vIOMMUs, then what they hold */
	for (i = 1; i < ctx->objs_cap; i++)
		if (ctx->objs[i] && ctx->objs[i]->type == EMU_OBJ_VDEVICE)
			emu_nested_free(ctx->objs[i]);
	for (i = 1; i < ctx->objs_cap; i++)
		if (ctx->objs[i] && ctx->objs[i]->type == EMU_OBJ_VEVENTQ)
			emu_eventq_free(ctx->objs[i]);
	for (i = 1; i < ctx->objs_cap; i++)
		if (ctx->objs[i] && ctx->objs[i]->type == EMU_OBJ_HWPT_NESTED)
			emu_nested_free(ctx->objs[i]);
	for (i = 1; i < ctx->objs_cap; i++)
		if (ctx->objs[i] && ctx->objs[i]->type == EMU_OBJ_VIOMMU)
			emu_nested_free(ctx->objs[i]);
	for (i = 1; i < ctx->objs_cap; i++)
		if (ctx->objs[i] && ctx->objs[i]->type == EMU_OBJ_HWPT_PAGING)
			emu_hwpt_abort(ctx->objs[i]);
	for (i = 1; i < ctx->objs_cap; i++)	/* what the HWPTs held */
		if (ctx->objs[i] && ctx->objs[i]->type == EMU_OBJ_FAULT)
			emu_eventq_free(ctx->objs[i]);
	for (i = 1; i < ctx->objs_cap; i++)
		if (ctx->objs[i])
			ioas_destroy(ctx->objs[i]);
}

/* ---- IOMMU_DESTROY ----------------------------------------------------- */

/* kernel-rules §1: EBUSY while referenced, ENOENT for an unknown id. A
 * DEVICE is always referenced by the VFIO file that bound it. */
static int do_destroy(struct emu_ctx *ctx, struct emu_ucmd *u)
{
	struct kabi_iommu_destroy *cmd = u->cmd;
	struct emu_obj *obj = emu_obj_find(ctx, cmd->id, EMU_OBJ_ANY);

	if (!obj)
		return -ENOENT;
	if (obj->type == EMU_OBJ_DEVICE || obj->users)
		return -EBUSY;
	if (obj->type == EMU_OBJ_HWPT_PAGING)
		emu_hwpt_abort(obj);
	else if (obj->type == EMU_OBJ_FAULT || obj->type == EMU_OBJ_VEVENTQ)
		emu_eventq_free(obj);
	else if (emu_obj_is_nested(obj))
		emu_nested_free(obj);
	else
		ioas_destroy(obj);
	return 0;
}

/* ---- IOMMU_IOAS_ALLOC -------------------------------------------------- */

static int ioas_alloc(struct emu_ctx *ctx, struct emu_ucmd *u)
{
	struct kabi_iommu_ioas_alloc *cmd = u->cmd;
	struct emu_obj *ioas;
	int ret;

	if (cmd->flags)
		return -EOPNOTSUPP;
	ioas = emu_obj_alloc(ctx, EMU_OBJ_IOAS);
	if (!ioas)
		return -ENOMEM;
	ioas->align = 1;	/* a SW table without domains: no alignment */
	cmd->out_ioas_id = ioas->id;
	ret = emu_respond(u);
	if (ret)
		emu_obj_free(ioas);
	return ret;
}

/* ---- IOMMU_HWPT_ALLOC -------------------------------------------------- */

#define NP KABI_IOMMU_HWPT_ALLOC_NEST_PARENT
#define DIRTY KABI_IOMMU_HWPT_ALLOC_DIRTY_TRACKING
#define FAULT KABI_IOMMU_HWPT_FAULT_ID_VALID
#define PASID KABI_IOMMU_HWPT_ALLOC_PASID

/* AMD: GTSup (EFR bit 4), GIoSup (EFR bit 48), GCR3TRPMode (EFR2 bit 3);
 * the emulation has them with cfg.amd_nesting only. */
static bool amd_nest_parent_ok(const struct emu_dev *dev)
{
	const uint64_t efr = emu_amd_efr(dev), efr2 = emu_amd_efr2(dev);

	return (efr & (1ULL << 4)) && (efr & (1ULL << 48)) &&
	       (efr2 & (1ULL << 3));
}

/* VT-d ECAP_REG bits (VT-d spec 11.4.3) */
#define VTD_NEST (1ULL << 26)
#define VTD_SMTS (1ULL << 43)
#define VTD_SLADS (1ULL << 45)
#define VTD_SLTS (1ULL << 46)
#define VTD_FLTS (1ULL << 47)

/*
 * intel_iommu_domain_alloc_paging_flags in 7.3: a first-stage table when
 * only PASID is asked and scalable mode has FLTS, else a second-stage one
 * (NEST_PARENT needs nested_supported(), DIRTY ssads_supported(), and
 * scalable mode SLTS). A VT-d without PASID fails later, at PASID attach.
 */
static int vtd_paging_flags(const struct emu_dev *dev, uint32_t f)
{
	uint64_t ecap = emu_vtd_ecap(dev);
	bool sm = ecap & VTD_SMTS;

	if ((f & PASID) && dev->cfg.no_pasid_hwpt)
		return -EOPNOTSUPP;
	if (!(f & ~PASID) && sm && (ecap & VTD_FLTS))
		return 0;
	if (((f & NP) && !(sm && (ecap & VTD_NEST))) ||
	    ((f & DIRTY) && !(sm && (ecap & VTD_SLADS))))
		return -EOPNOTSUPP;
	return sm && !(ecap & VTD_SLTS) ? -EOPNOTSUPP : 0;
}

/*
 * The driver's domain_alloc_paging_flags (kernel-rules §7.2, the flag
 * combinations per IOMMU). f has FAULT_ID_VALID stripped, as the core does.
 */
static int vendor_paging_flags(const struct emu_dev *dev, uint32_t f)
{
	bool pasid_ok = !dev->cfg.no_pasid_hwpt;

	switch (dev->cfg.iommu) {
	case EMU_IOMMU_INTEL:
		return vtd_paging_flags(dev, f);
	case EMU_IOMMU_SMMUV3:
		switch (f) {
		case 0:
		case NP:
		case DIRTY:
			return 0;
		case PASID:
		case DIRTY | PASID:
			return pasid_ok ? 0 : -EOPNOTSUPP;
		}
		return -EOPNOTSUPP;	/* NEST_PARENT|PASID etc. */
	case EMU_IOMMU_AMD:
		switch (f) {
		case 0:
		case DIRTY:		/* v1 table */
			return 0;
		case NP:
		case DIRTY | NP:
			/*
			 * is_nest_parent_supported(): EFR GTSup and GIoSup
			 * and EFR2 GCR3TRPMode. The emulated AMD reports no
			 * GIoSup and no EFR2 (emu_amd_efr), so EOPNOTSUPP, as
			 * the real 7.3 kernel returned on QEMU's amd-iommu.
			 */
			return amd_nest_parent_ok(dev) ? 0 : -EOPNOTSUPP;
		case PASID:		/* v2 table, needs IOMMU PASID support
					   (kernel-rules §7.2: QEMU's AMD
					   refuses) */
			return pasid_ok && dev->cfg.pasid_log2 ? 0 :
								 -EOPNOTSUPP;
		}
		return -EOPNOTSUPP;	/* PASID mixed with anything */
	case EMU_IOMMU_VIRTIO:
		break;
	}
	return f ? -EOPNOTSUPP : 0;
}

/*
 * iommufd_hwpt_paging_alloc up to the driver's domain allocation: the core
 * flag checks and the vendor's. The new HWPT references its IOAS but is not
 * yet filled from it (emu_ioas_add_domain).
 */
struct emu_obj *emu_hwpt_paging_new(struct emu_ctx *ctx, struct emu_obj *ioas,
				    struct emu_dev *dev, uint32_t flags,
				    int *err)
{
	const uint32_t valid = NP | DIRTY | PASID | FAULT;
	struct emu_obj *hwpt;

	/* virtio-iommu has no domain_alloc_paging_flags: any flag fails */
	if (flags && dev->cfg.iommu == EMU_IOMMU_VIRTIO)
		*err = -EOPNOTSUPP;
	else if (flags & ~valid)
		*err = -EOPNOTSUPP;
	else if ((flags & DIRTY) && !dev->cfg.dirty)
		*err = -EOPNOTSUPP;
	else if ((flags & FAULT) && (flags & NP))
		*err = -EOPNOTSUPP;
	else
		*err = vendor_paging_flags(dev, flags & ~FAULT);
	if (*err)
		return NULL;
	hwpt = emu_obj_alloc(ctx, EMU_OBJ_HWPT_PAGING);
	if (!hwpt) {
		*err = -ENOMEM;
		return NULL;
	}
	hwpt->ioas = ioas;
	hwpt->iommu = dev->cfg.iommu;
	hwpt->iommu_unit = dev->cfg.iommu_unit;
	/* amdv2_ops, the ops of every PASID-capable AMD table, has no
	 * set_dev_pasid in 7.3 (amd/iommu.c) */
	hwpt->no_set_dev_pasid = dev->cfg.iommu == EMU_IOMMU_AMD &&
				 !dev->cfg.amd_set_dev_pasid;
	hwpt->flags = flags;
	ioas->users++;
	return hwpt;
}

static int hwpt_alloc(struct emu_ctx *ctx, struct emu_ucmd *u)
{
	struct kabi_iommu_hwpt_alloc *cmd = u->cmd;
	struct emu_obj *idev, *pt, *hwpt;
	int ret;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	/* 6.6's iommufd_hwpt_alloc: no flag at all (NEST_PARENT and
	 * DIRTY_TRACKING came in 6.7, PASID in 6.13) */
	if (emu_kernel() < 607 && cmd->flags)
		return -EOPNOTSUPP;
	if ((cmd->data_type == KABI_IOMMU_HWPT_DATA_NONE && cmd->data_len) ||
	    (cmd->data_type != KABI_IOMMU_HWPT_DATA_NONE && !cmd->data_len))
		return -EINVAL;
	idev = emu_obj_find(ctx, cmd->dev_id, EMU_OBJ_DEVICE);
	if (!idev)
		return -ENOENT;
	/* kernel-rules §7.1: an unknown pt_id is EINVAL here, not ENOENT */
	pt = emu_obj_find(ctx, cmd->pt_id, EMU_OBJ_ANY);
	if (!pt)
		return -EINVAL;
	switch (pt->type) {
	case EMU_OBJ_IOAS:
		/* a paging driver takes no user data: EOPNOTSUPP */
		if (cmd->data_len)
			return -EOPNOTSUPP;
		hwpt = emu_hwpt_paging_new(ctx, pt, idev->dev, cmd->flags,
					   &ret);
		if (!hwpt)
			return ret;
		ret = emu_ioas_add_domain(pt, hwpt);
		if (ret) {
			emu_hwpt_abort(hwpt);
			return ret;
		}
		break;
	case EMU_OBJ_HWPT_PAGING:
	case EMU_OBJ_VIOMMU:
		/* a nested HWPT (emu-nested.c) */
		hwpt = emu_hwpt_nested_new(ctx, pt, idev->dev, cmd, &ret);
		if (!hwpt)
			return ret;
		break;
	default:
		return -EINVAL;
	}
	ret = 0;
	if (cmd->flags & FAULT) {
		/* iommufd_get_fault: ENOENT for an id that is no FAULT */
		hwpt->fault = emu_obj_find(ctx, cmd->fault_id, EMU_OBJ_FAULT);
		if (hwpt->fault)
			hwpt->fault->users++;
		else
			ret = -ENOENT;
	}
	if (!ret) {
		cmd->out_hwpt_id = hwpt->id;
		ret = emu_respond(u);
	}
	if (ret && hwpt->type == EMU_OBJ_HWPT_NESTED)
		emu_nested_free(hwpt);
	else if (ret)
		emu_hwpt_abort(hwpt);
	return ret;
}

/* ---- the ioctl entry --------------------------------------------------- */

int emu_respond(struct emu_ucmd *u)
{
	size_t n = u->user_size < u->size ? u->user_size : u->size;

	memcpy(u->ubuf, u->cmd, n);
	return 0;
}

struct emu_op {
	unsigned int nr;
	size_t size, min_size;
	int (*fn)(struct emu_ctx *ctx, struct emu_ucmd *u);
	unsigned int since;	/* the kernel (emu_kernel()) that has it */
};

#define OP(nr, type, last, fn, since)                                   \
	{ KABI_IOMMUFD_CMD_##nr, sizeof(struct kabi_##type),            \
	  offsetofend(struct kabi_##type, last), fn, since }

/* min_size: the end of the oldest layout (kernel-rules §2.1). */
static const struct emu_op ops[] = {
	OP(DESTROY, iommu_destroy, id, do_destroy, 602),
	OP(IOAS_ALLOC, iommu_ioas_alloc, out_ioas_id, ioas_alloc, 602),
	OP(IOAS_ALLOW_IOVAS, iommu_ioas_allow_iovas, allowed_iovas,
	   emu_ioas_allow_iovas, 602),
	OP(IOAS_COPY, iommu_ioas_copy, src_iova, emu_ioas_copy, 602),
	OP(IOAS_IOVA_RANGES, iommu_ioas_iova_ranges, out_iova_alignment,
	   emu_ioas_iova_ranges, 602),
	OP(IOAS_MAP, iommu_ioas_map, iova, emu_ioas_map, 602),
	OP(IOAS_UNMAP, iommu_ioas_unmap, length, emu_ioas_unmap, 602),
	OP(VFIO_IOAS, iommu_vfio_ioas, __reserved, emu_vfio_ioas, 602),
	OP(HWPT_ALLOC, iommu_hwpt_alloc, __reserved, hwpt_alloc, 606),
	OP(GET_HW_INFO, iommu_hw_info, __reserved, emu_get_hw_info, 606),
	OP(IOAS_MAP_FILE, iommu_ioas_map_file, iova, emu_ioas_map_file, 613),
	OP(VIOMMU_ALLOC, iommu_viommu_alloc, out_viommu_id, emu_viommu_alloc,
	   613),
	OP(VDEVICE_ALLOC, iommu_vdevice_alloc, virt_id, emu_vdevice_alloc, 613),
	OP(HWPT_INVALIDATE, iommu_hwpt_invalidate, __reserved,
	   emu_hwpt_invalidate, 608),
	OP(HWPT_SET_DIRTY_TRACKING, iommu_hwpt_set_dirty_tracking, __reserved,
	   emu_set_dirty_tracking, 607),
	OP(HWPT_GET_DIRTY_BITMAP, iommu_hwpt_get_dirty_bitmap, data,
	   emu_get_dirty_bitmap, 607),
	OP(FAULT_QUEUE_ALLOC, iommu_fault_alloc, out_fault_fd, emu_fault_alloc,
	   611),
	OP(VEVENTQ_ALLOC, iommu_veventq_alloc, out_veventq_fd,
	   emu_veventq_alloc, 615),
};

/* The struct size of the running kernel: 6.6's HWPT_ALLOC ended at
 * __reserved (data_type..data_uptr came in 6.7) and its GET_HW_INFO at
 * the u32 __reserved after out_data_type (out_capabilities came in 6.7). */
static size_t kernel_size(const struct emu_op *op)
{
	if (emu_kernel() >= 607)
		return op->size;
	if (op->nr == KABI_IOMMUFD_CMD_HWPT_ALLOC)
		return offsetofend(struct kabi_iommu_hwpt_alloc, __reserved);
	if (op->nr == KABI_IOMMUFD_CMD_GET_HW_INFO)
		return offsetof(struct kabi_iommu_hw_info, out_capabilities);
	return op->size;
}

/*
 * iommufd_fops_ioctl. ENOTTY for a number the kernel does not know and for
 * the ones this emulation does not model (as on a kernel without them);
 * EINVAL below the minimum size; E2BIG for non-zero bytes past the kernel's
 * struct (copy_struct_from_user).
 */
int emu_iommufd_ioctl(struct emu_ctx *ctx, unsigned long req, void *arg)
{
	union {
		struct kabi_iommu_destroy d;
		struct kabi_iommu_ioas_alloc a;
		struct kabi_iommu_ioas_allow_iovas al;
		struct kabi_iommu_ioas_copy c;
		struct kabi_iommu_ioas_iova_ranges r;
		struct kabi_iommu_ioas_map m;
		struct kabi_iommu_ioas_unmap um;
		struct kabi_iommu_hwpt_alloc h;
		struct kabi_iommu_hw_info i;
		struct kabi_iommu_ioas_map_file f;
		struct kabi_iommu_vfio_ioas v;
		struct kabi_iommu_viommu_alloc vi;
		struct kabi_iommu_vdevice_alloc vd;
		struct kabi_iommu_hwpt_invalidate inv;
		struct kabi_iommu_hwpt_set_dirty_tracking sd;
		struct kabi_iommu_hwpt_get_dirty_bitmap gd;
		struct kabi_iommu_fault_alloc fa;
		struct kabi_iommu_veventq_alloc ve;
	} buf;
	const struct emu_op *op = NULL;
	struct emu_ucmd u;
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (req == _IO(KABI_IOMMUFD_TYPE, ops[i].nr))
			op = &ops[i];
	/* VFIO numbers (below iommufd's range): the compat container ioctls,
	 * from 6.2 (iommufd_fops_ioctl -> iommufd_vfio_ioctl) */
	if (!op && _IOC_TYPE(req) == KABI_IOMMUFD_TYPE &&
	    _IOC_NR(req) < KABI_IOMMUFD_CMD_BASE && emu_kernel() >= 602)
		return emu_compat_vfio_ioctl(ctx, req, (unsigned long)arg);
	if (!op || emu_kernel() < op->since)
		return -ENOTTY;
	if (!arg)
		return -EFAULT;
	memcpy(&u.user_size, arg, sizeof(u.user_size));
	if (u.user_size < op->min_size)
		return -EINVAL;
	u.size = kernel_size(op);
	for (i = u.size; i < u.user_size; i++)
		if (((const uint8_t *)arg)[i])
			return -E2BIG;
	memset(&buf, 0, sizeof(buf));
	memcpy(&buf, arg, u.user_size < u.size ? u.user_size : u.size);
	u.ubuf = arg;
	u.cmd = &buf;
	return op->fn(ctx, &u);
}
