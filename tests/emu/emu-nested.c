/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Nested translation (doc/kernel-rules.md §12), as 7.3 implements it:
 *  - IOMMU_VIOMMU_ALLOC (iommufd_viommu_alloc_ioctl): only the SMMUv3
 *    driver has a vIOMMU type (arm_smmu_get_viommu_size), and only where
 *    the SMMU nests and is coherent (CANWBS or S2FWB); VT-d has no
 *    get_viommu_size, and the 7.3 uAPI has no AMD type;
 *  - IOMMU_VDEVICE_ALLOC (iommufd_vdevice_alloc_ioctl);
 *  - IOMMU_HWPT_ALLOC with a nest parent (iommufd_hwpt_nested_alloc: VT-d's
 *    intel_iommu_domain_alloc_nested) or a vIOMMU
 *    (iommufd_viommu_alloc_hwpt_nested: arm_vsmmu_alloc_domain_nested and
 *    arm_smmu_validate_vste) as pt_id;
 *  - IOMMU_HWPT_INVALIDATE (iommufd_hwpt_invalidate) with
 *    intel_nested_cache_invalidate_user and arm_vsmmu_cache_invalidate;
 *  - the drivers' attach of a nested domain (arm_smmu_attach_dev_nested,
 *    intel_nested_set_dev_pasid / intel_pasid_setup_nested).
 * Stage-1 walks are not modelled: DMA through a nested HWPT faults
 * (emu-dma.c), except untagged DMA that an SMMUv3 vSTE sends through the
 * stage-2 only (bypass, or S1DSS bypass), which uses the parent.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>

#include "emu-internal.h"

#define FAULT_ID KABI_IOMMU_HWPT_FAULT_ID_VALID
#define ALLOC_PASID KABI_IOMMU_HWPT_ALLOC_PASID

/* ---- SMMUv3 STE and command fields (arm-smmu-v3.h) ---- */
#define STE0_V			(1ULL << 0)
#define STE0_CFG_SHIFT		1
#define STE0_CFG_MASK		0x7ULL
#define STE0_CFG_ABORT		0
#define STE0_CFG_BYPASS		4
#define STE0_CFG_S1_TRANS	5
/* STRTAB_STE_0_NESTING_ALLOWED: V, Cfg, S1Fmt, S1ContextPtr, S1CDMax */
#define STE0_ALLOWED	(STE0_V | (STE0_CFG_MASK << 1) | (0x3ULL << 4) | \
			 (((1ULL << 46) - 1) << 6) | (0x1fULL << 59))
/* STRTAB_STE_1_NESTING_ALLOWED: S1DSS, S1CIR, S1COR, S1CSH, S1STALLD,
 * EATS */
#define STE1_ALLOWED	(0xffULL | (1ULL << 27) | (0x3ULL << 28))
#define STE1_EATS_SHIFT	28
#define STE1_EATS_ABT	0
#define STE1_EATS_TRANS	1
#define STE1_S1DSS_BYPASS 1	/* untagged DMA skips stage 1 */

#define CMD_OP_MASK		0xffULL
#define CMD_CFGI_CD		0x05
#define CMD_CFGI_CD_ALL		0x06
#define CMD_TLBI_NH_ALL		0x10
#define CMD_TLBI_NH_ASID	0x11
#define CMD_TLBI_NH_VA		0x12
#define CMD_TLBI_NH_VAA		0x13
#define CMD_TLBI_NSNH_ALL	0x30
#define CMD_ATC_INV		0x40
#define CMD_SID_SHIFT		32	/* CMDQ_CFGI_0_SID, CMDQ_ATC_0_SID */

/* VT-d: cap_fl5lp_support, CAP_REG bit 60 */
#define VTD_CAP_FL5LP		(1ULL << 60)

/* 7.3 bounds of an invalidation array (iommufd_hwpt_invalidate) */
#define INV_MAX_ENTRY_LEN	EMU_PAGE_SIZE
#define INV_MAX_ENTRY_NUM	(1u << 19)

bool emu_obj_is_nested(const struct emu_obj *obj)
{
	return obj->type == EMU_OBJ_HWPT_NESTED ||
	       obj->type == EMU_OBJ_VIOMMU || obj->type == EMU_OBJ_VDEVICE;
}

void emu_nested_free(struct emu_obj *obj)
{
	if (obj->type == EMU_OBJ_VDEVICE)
		obj->viommu->users--;
	else if (obj->viommu)		/* a vSTE HWPT holds its vIOMMU */
		obj->viommu->users--;
	else
		obj->parent->users--;	/* VT-d nested HWPT, or a vIOMMU */
	if (obj->type == EMU_OBJ_HWPT_NESTED && obj->fault)
		obj->fault->users--;
	emu_obj_free(obj);
}

/* Copy the ioctl's user data as iommu_copy_struct_from_user() does: the
 * type must be the driver's (EINVAL), at least min bytes (EINVAL), bytes
 * beyond what the kernel knows zero (E2BIG). */
static int copy_user_data(void *dst, size_t size, size_t min, uint32_t type,
			  uint32_t want, uint64_t uptr, uint32_t len)
{
	const uint8_t *src = (const uint8_t *)(uintptr_t)uptr;
	size_t i;

	if (type != want || len < min)
		return -EINVAL;
	if (!src)
		return -EFAULT;
	for (i = size; i < len; i++)
		if (src[i])
			return -E2BIG;
	memset(dst, 0, size);
	memcpy(dst, src, len < size ? len : size);
	return 0;
}

/* ---- IOMMU_VIOMMU_ALLOC ---- */

/* arm_smmu_get_viommu_size: FEAT_NESTING and CANWBS or S2FWB */
static bool viommu_type_ok(const struct emu_dev *dev, uint32_t type)
{
	return dev->cfg.iommu == EMU_IOMMU_SMMUV3 && !dev->cfg.no_viommu &&
	       type == KABI_IOMMU_VIOMMU_TYPE_ARM_SMMUV3;
}

int emu_viommu_alloc(struct emu_ctx *ctx, struct emu_ucmd *u)
{
	struct kabi_iommu_viommu_alloc *cmd = u->cmd;
	struct emu_obj *idev, *parent, *v;
	int ret;

	if (cmd->flags || cmd->type == KABI_IOMMU_VIOMMU_TYPE_DEFAULT)
		return -EOPNOTSUPP;
	idev = emu_obj_find(ctx, cmd->dev_id, EMU_OBJ_DEVICE);
	if (!idev)
		return -ENOENT;
	if (!viommu_type_ok(idev->dev, cmd->type))
		return -EOPNOTSUPP;
	parent = emu_obj_find(ctx, cmd->hwpt_id, EMU_OBJ_HWPT_PAGING);
	if (!parent)
		return -ENOENT;
	if (!(parent->flags & KABI_IOMMU_HWPT_ALLOC_NEST_PARENT))
		return -EINVAL;
	/* arm_vsmmu_init: the stage-2 must be of the same SMMU */
	if (parent->iommu != idev->dev->cfg.iommu ||
	    parent->iommu_unit != idev->dev->cfg.iommu_unit)
		return -EINVAL;
	v = emu_obj_alloc(ctx, EMU_OBJ_VIOMMU);
	if (!v)
		return -ENOMEM;
	v->parent = parent;
	v->iommu = parent->iommu;
	v->iommu_unit = parent->iommu_unit;
	v->ioas = parent->ioas;
	parent->users++;
	cmd->out_viommu_id = v->id;
	ret = emu_respond(u);
	if (ret)
		emu_nested_free(v);
	return ret;
}

/* ---- IOMMU_VDEVICE_ALLOC ---- */

static struct emu_obj *vdevice_of(struct emu_ctx *ctx, const struct emu_obj *v,
				  const struct emu_dev *dev, uint64_t virt_id,
				  bool by_id)
{
	size_t i;

	for (i = 1; i < ctx->objs_cap; i++) {
		struct emu_obj *o = ctx->objs[i];

		if (!o || o->type != EMU_OBJ_VDEVICE)
			continue;
		if (by_id ? (o->viommu == v && o->virt_id == virt_id) :
			    o->dev == dev)
			return o;
	}
	return NULL;
}

int emu_vdevice_alloc(struct emu_ctx *ctx, struct emu_ucmd *u)
{
	struct kabi_iommu_vdevice_alloc *cmd = u->cmd;
	struct emu_obj *v, *idev, *vd;
	int ret;

	if (cmd->virt_id > ULONG_MAX)
		return -EINVAL;		/* virt_id indexes an xarray */
	v = emu_obj_find(ctx, cmd->viommu_id, EMU_OBJ_VIOMMU);
	if (!v)
		return -ENOENT;
	idev = emu_obj_find(ctx, cmd->dev_id, EMU_OBJ_DEVICE);
	if (!idev)
		return -ENOENT;
	if (v->iommu != idev->dev->cfg.iommu ||
	    v->iommu_unit != idev->dev->cfg.iommu_unit)
		return -EINVAL;
	/* one vDEVICE per device; one device per virt_id of a vIOMMU */
	if (vdevice_of(ctx, v, idev->dev, 0, false) ||
	    vdevice_of(ctx, v, NULL, cmd->virt_id, true))
		return -EEXIST;
	vd = emu_obj_alloc(ctx, EMU_OBJ_VDEVICE);
	if (!vd)
		return -ENOMEM;
	vd->viommu = v;
	vd->dev = idev->dev;
	vd->virt_id = cmd->virt_id;
	v->users++;
	cmd->out_vdevice_id = vd->id;
	ret = emu_respond(u);
	if (ret)
		emu_nested_free(vd);
	return ret;
}

void emu_nested_unbind(struct emu_dev *dev)
{
	struct emu_obj *vd;

	if (!dev->idev)
		return;
	vd = vdevice_of(dev->idev->ctx, NULL, dev, 0, false);
	if (vd)
		emu_nested_free(vd);
}

/* ---- IOMMU_HWPT_ALLOC of a nested HWPT ---- */

/* arm_smmu_validate_vste: EIO is the driver's answer to STE data it does
 * not allow; a vSTE without V is taken as all zero (abort). */
static int validate_vste(uint64_t ste[2])
{
	unsigned int cfg, eats;

	if (!(ste[0] & STE0_V)) {
		ste[0] = ste[1] = 0;
		return 0;
	}
	if ((ste[0] & ~STE0_ALLOWED) || (ste[1] & ~STE1_ALLOWED))
		return -EIO;
	cfg = (unsigned int)((ste[0] >> STE0_CFG_SHIFT) & STE0_CFG_MASK);
	if (cfg != STE0_CFG_ABORT && cfg != STE0_CFG_BYPASS &&
	    cfg != STE0_CFG_S1_TRANS)
		return -EIO;
	eats = (unsigned int)((ste[1] >> STE1_EATS_SHIFT) & 0x3);
	if (eats != STE1_EATS_ABT && eats != STE1_EATS_TRANS)
		return -EIO;
	return 0;
}

/* iommufd_viommu_alloc_hwpt_nested + arm_vsmmu_alloc_domain_nested */
static int viommu_nested(struct emu_obj *v, const struct emu_dev *dev,
			 const struct kabi_iommu_hwpt_alloc *cmd,
			 uint64_t data[4])
{
	struct kabi_iommu_hwpt_arm_smmuv3 ste;
	int ret;

	if (v->iommu != dev->cfg.iommu || v->iommu_unit != dev->cfg.iommu_unit)
		return -EINVAL;
	if ((cmd->flags & ~FAULT_ID) || !cmd->data_len)
		return -EOPNOTSUPP;
	ret = copy_user_data(&ste, sizeof(ste), sizeof(ste), cmd->data_type,
			     KABI_IOMMU_HWPT_DATA_ARM_SMMUV3, cmd->data_uptr,
			     cmd->data_len);
	if (ret)
		return ret;
	data[0] = ste.ste[0];
	data[1] = ste.ste[1];
	return validate_vste(data);
}

/* iommufd_hwpt_nested_alloc + intel_iommu_domain_alloc_nested: only VT-d
 * has a domain_alloc_nested in 7.3 (SMMUv3 nests through its vIOMMU; AMD's
 * allocator is in no ops table) */
static int parent_nested(struct emu_obj *parent, const struct emu_dev *dev,
			 const struct kabi_iommu_hwpt_alloc *cmd,
			 uint64_t data[4])
{
	struct kabi_iommu_hwpt_vtd_s1 s1;
	int ret;

	if ((cmd->flags & ~(FAULT_ID | ALLOC_PASID)) || !cmd->data_len ||
	    dev->cfg.iommu != EMU_IOMMU_INTEL)
		return -EOPNOTSUPP;
	if (parent->auto_domain ||
	    !(parent->flags & KABI_IOMMU_HWPT_ALLOC_NEST_PARENT) ||
	    parent->iommu != dev->cfg.iommu)
		return -EINVAL;
	if (cmd->data_type != KABI_IOMMU_HWPT_DATA_VTD_S1)
		return -EOPNOTSUPP;
	ret = copy_user_data(&s1, sizeof(s1), sizeof(s1), cmd->data_type,
			     KABI_IOMMU_HWPT_DATA_VTD_S1, cmd->data_uptr,
			     cmd->data_len);
	if (ret)
		return ret;
	data[0] = s1.flags;
	data[1] = s1.pgtbl_addr;
	data[2] = s1.addr_width;
	return 0;
}

struct emu_obj *emu_hwpt_nested_new(struct emu_ctx *ctx, struct emu_obj *pt,
				    struct emu_dev *dev,
				    const struct kabi_iommu_hwpt_alloc *cmd,
				    int *err)
{
	uint64_t data[4] = { 0 };
	struct emu_obj *h, *parent;

	if (pt->type == EMU_OBJ_VIOMMU) {
		*err = viommu_nested(pt, dev, cmd, data);
		parent = pt->parent;
	} else {
		*err = parent_nested(pt, dev, cmd, data);
		parent = pt;
	}
	if (*err)
		return NULL;
	h = emu_obj_alloc(ctx, EMU_OBJ_HWPT_NESTED);
	if (!h) {
		*err = -ENOMEM;
		return NULL;
	}
	h->parent = parent;
	h->viommu = pt->type == EMU_OBJ_VIOMMU ? pt : NULL;
	h->ioas = parent->ioas;
	h->iommu = parent->iommu;
	h->iommu_unit = parent->iommu_unit;
	h->flags = cmd->flags & ALLOC_PASID;	/* its pasid_compat */
	h->data_type = cmd->data_type;
	memcpy(h->data, data, sizeof(h->data));
	pt->users++;
	return h;
}

/* ---- attach (the driver's part, after the core's checks) ---- */

static bool dev_has_pasids(const struct emu_dev *dev)
{
	return dev->npasids != 0;
}

int emu_nested_attach_check(struct emu_obj *hwpt, struct emu_dev *dev,
			    uint32_t pasid)
{
	unsigned int cfg;

	if (hwpt->viommu) {
		/* arm_smmu_nested_ops has no set_dev_pasid */
		if (pasid != EMU_NO_PASID)
			return -EOPNOTSUPP;
		/* arm_smmu_attach_dev_nested: host SSIDs in use. Through
		 * iommufd the core's PASID check (EINVAL) comes first, so
		 * only a PASID whose attach iommufd has not recorded gets
		 * here. */
		if (dev_has_pasids(dev))
			return -EBUSY;
		/* arm_smmu_attach_prepare_vmaster: a translating vSTE needs
		 * the device's vDEVICE */
		cfg = (unsigned int)((hwpt->data[0] >> STE0_CFG_SHIFT) &
				     STE0_CFG_MASK);
		if ((hwpt->data[0] & STE0_V) && cfg == STE0_CFG_S1_TRANS &&
		    !vdevice_of(hwpt->ctx, hwpt->viommu, dev, 0, false))
			return -ENOENT;
		return 0;
	}
	/* intel_nested_set_dev_pasid: a dirty-tracking stage-2 cannot be
	 * nested at a PASID */
	if (pasid != EMU_NO_PASID &&
	    (hwpt->parent->flags & KABI_IOMMU_HWPT_ALLOC_DIRTY_TRACKING))
		return -EINVAL;
	/* intel_pasid_setup_nested: 4- or 5-level first stage */
	if (hwpt->data[2] != 48 &&
	    !(hwpt->data[2] == 57 && (emu_vtd_cap(dev) & VTD_CAP_FL5LP)))
		return -EINVAL;
	return 0;
}

struct emu_obj *emu_nested_stage2_only(struct emu_obj *hwpt)
{
	unsigned int cfg = (unsigned int)((hwpt->data[0] >> STE0_CFG_SHIFT) &
					  STE0_CFG_MASK);

	if (!hwpt->viommu || !(hwpt->data[0] & STE0_V))
		return NULL;		/* VT-d stage-1, or an abort vSTE */
	if (cfg == STE0_CFG_BYPASS ||
	    (cfg == STE0_CFG_S1_TRANS && (hwpt->data[1] & 0x3) == STE1_S1DSS_BYPASS))
		return hwpt->parent;
	return NULL;
}

/* ---- IOMMU_HWPT_INVALIDATE ---- */

/* One entry of the user's array, as iommu_copy_struct_from_user_array(). */
static int entry_at(void *dst, size_t size,
		    const struct kabi_iommu_hwpt_invalidate *cmd, uint32_t i)
{
	const uint8_t *src = (const uint8_t *)(uintptr_t)cmd->data_uptr +
			     (size_t)i * cmd->entry_len;
	size_t k;

	if (cmd->entry_len < size) {
		memset(dst, 0, size);
		memcpy(dst, src, cmd->entry_len);
		return 0;
	}
	for (k = size; k < cmd->entry_len; k++)
		if (src[k])
			return -E2BIG;
	memcpy(dst, src, size);
	return 0;
}

/* intel_nested_cache_invalidate_user: *done = entries handled */
/* emu_fail_inval_entry: fail at this entry? */
static int injected_failure(uint32_t index)
{
	int err = emu.fail_entry_err;

	if (!emu.fail_entry || index != emu.fail_entry - 1)
		return 0;
	emu.fail_entry = 0;
	return err ? -err : -EIO;
}

static int vtd_invalidate(struct emu_obj *h,
			  const struct kabi_iommu_hwpt_invalidate *cmd,
			  uint32_t *done)
{
	struct kabi_iommu_hwpt_vtd_s1_invalidate e;
	int ret = 0;

	if (cmd->data_type != KABI_IOMMU_HWPT_INVALIDATE_DATA_VTD_S1)
		return -EINVAL;
	for (*done = 0; *done < cmd->entry_num; ++*done) {
		ret = entry_at(&e, sizeof(e), cmd, *done);
		if (ret)
			break;
		if ((e.flags & ~KABI_IOMMU_VTD_INV_FLAGS_LEAF) || e.__reserved) {
			ret = -EOPNOTSUPP;
			break;
		}
		if ((e.addr & (EMU_PAGE_SIZE - 1)) ||
		    (e.npages == UINT64_MAX && e.addr)) {
			ret = -EINVAL;
			break;
		}
		ret = injected_failure(*done);
		if (ret)
			break;
		h->ncmds++;
		h->last_cmd[0] = e.addr;
		h->last_cmd[1] = e.npages;
	}
	return ret;
}

/* arm_vsmmu_convert_user_cmd: the opcodes a guest may send; CFGI and ATC
 * name a vSID, which must be a vDEVICE of this vIOMMU */
static int smmu_command_ok(struct emu_obj *v, const uint64_t cmd[2])
{
	uint64_t vsid = cmd[0] >> CMD_SID_SHIFT;

	switch (cmd[0] & CMD_OP_MASK) {
	case CMD_TLBI_NSNH_ALL:
	case CMD_TLBI_NH_VA:
	case CMD_TLBI_NH_VAA:
	case CMD_TLBI_NH_ALL:
	case CMD_TLBI_NH_ASID:
		return 0;
	case CMD_ATC_INV:
	case CMD_CFGI_CD:
	case CMD_CFGI_CD_ALL:
		return vdevice_of(v->ctx, v, NULL, vsid, true) ? 0 : -EIO;
	}
	return -EIO;
}

/* arm_vsmmu_cache_invalidate: the whole array is copied first (its type
 * checked: EINVAL), then converted command by command */
static int smmu_invalidate(struct emu_obj *v,
			   const struct kabi_iommu_hwpt_invalidate *cmd,
			   uint32_t *done)
{
	struct kabi_iommu_viommu_arm_smmuv3_invalidate e;
	uint32_t i;
	int ret;

	*done = 0;
	if (cmd->data_type != KABI_IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3)
		return -EINVAL;
	for (i = 0; i < cmd->entry_num; i++) {
		ret = entry_at(&e, sizeof(e), cmd, i);
		if (ret)
			return ret;
	}
	for (; *done < cmd->entry_num; ++*done) {
		ret = entry_at(&e, sizeof(e), cmd, *done);
		if (!ret)
			ret = smmu_command_ok(v, e.cmd);
		if (!ret)
			ret = injected_failure(*done);
		if (ret)
			return ret;
		v->ncmds++;
		memcpy(v->last_cmd, e.cmd, sizeof(v->last_cmd));
	}
	return 0;
}

/* iommufd_hwpt_invalidate: entry_num always comes back, 0 on an early
 * error */
int emu_hwpt_invalidate(struct emu_ctx *ctx, struct emu_ucmd *u)
{
	struct kabi_iommu_hwpt_invalidate *cmd = u->cmd;
	uint32_t done = 0;
	struct emu_obj *pt;
	int ret;

	if (cmd->__reserved)
		ret = -EOPNOTSUPP;
	else if (cmd->entry_num && (!cmd->data_uptr || !cmd->entry_len))
		ret = -EINVAL;
	else if (cmd->entry_len > INV_MAX_ENTRY_LEN ||
		 cmd->entry_num > INV_MAX_ENTRY_NUM)
		ret = -EINVAL;
	else if (!(pt = emu_obj_find(ctx, cmd->hwpt_id, EMU_OBJ_ANY)))
		ret = -ENOENT;
	else if (pt->type == EMU_OBJ_HWPT_NESTED && !pt->viommu)
		ret = vtd_invalidate(pt, cmd, &done);
	else if (pt->type == EMU_OBJ_HWPT_NESTED)
		ret = -EOPNOTSUPP;	/* SMMUv3 invalidates via the vIOMMU */
	else if (pt->type == EMU_OBJ_VIOMMU)
		ret = smmu_invalidate(pt, cmd, &done);
	else
		ret = -EINVAL;
	cmd->entry_num = done;
	emu_respond(u);
	return ret;
}

/* ---- introspection (emu.h) ---- */

int emu_hwpt_flags(uint32_t hwpt_id, uint32_t *flags)
{
	struct emu_obj *h;
	int ret = -ENOENT;

	pthread_mutex_lock(&emu.lock);
	h = emu_obj_lookup(hwpt_id, EMU_OBJ_ANY);
	if (h && (h->type == EMU_OBJ_HWPT_PAGING ||
		  h->type == EMU_OBJ_HWPT_NESTED)) {
		*flags = h->flags;
		ret = 0;
	}
	pthread_mutex_unlock(&emu.lock);
	return ret;
}

int emu_nested_get(uint32_t hwpt_id, struct emu_nested *n)
{
	struct emu_obj *h;
	int ret = -ENOENT;

	pthread_mutex_lock(&emu.lock);
	h = emu_obj_lookup(hwpt_id, EMU_OBJ_HWPT_NESTED);
	if (h) {
		n->parent = h->parent->id;
		n->viommu = h->viommu ? h->viommu->id : 0;
		n->data_type = h->data_type;
		memcpy(n->data, h->data, sizeof(n->data));
		ret = 0;
	}
	pthread_mutex_unlock(&emu.lock);
	return ret;
}

int emu_inval_log(uint32_t id, unsigned int *n, uint64_t last[2])
{
	struct emu_obj *v;
	int ret = -ENOENT;

	pthread_mutex_lock(&emu.lock);
	v = emu_obj_lookup(id, EMU_OBJ_ANY);
	if (v && (v->type == EMU_OBJ_VIOMMU ||
		  v->type == EMU_OBJ_HWPT_NESTED)) {
		*n = v->ncmds;
		memcpy(last, v->last_cmd, sizeof(v->last_cmd));
		ret = 0;
	}
	pthread_mutex_unlock(&emu.lock);
	return ret;
}

void emu_fail_inval_entry(unsigned int index, int err)
{
	pthread_mutex_lock(&emu.lock);
	emu.fail_entry = index + 1;
	emu.fail_entry_err = err;
	pthread_mutex_unlock(&emu.lock);
}
