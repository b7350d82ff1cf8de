/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * IOMMU_GET_HW_INFO (doc/kernel-rules.md §6) with vendor payloads shaped like
 * what the real drivers report (bit positions from kernel-rules §6.3 and the
 * drivers).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "emu-internal.h"

/* Intel VT-d capability register (cap_reg). */
uint64_t emu_vtd_cap(const struct emu_dev *dev)
{
	(void)dev;
	return 6ULL			/* ND: 64K domains */
	       | (1ULL << 10)		/* SAGAW: 4-level (48-bit) tables */
	       | (47ULL << 16)		/* MGAW: 48 bits (field = width - 1) */
	       | (3ULL << 34)		/* SLLPS: 2M and 1G pages */
	       | (1ULL << 39)		/* PSI */
	       | (0x3fULL << 48)	/* MAMV */
	       | (1ULL << 56);		/* FL1GP */
}

/* Intel VT-d extended capability register (ecap_reg): scalable mode with
 * PASID, nesting, first- and second-stage tables; SLADS with dirty, PRS
 * with a PRI device (the unit it sits behind takes page requests). PSS is
 * the IOMMU's PASID width - 1 (kernel-rules §6.2: max_pasids = 2 << PSS). */
uint64_t emu_vtd_ecap(const struct emu_dev *dev)
{
	unsigned int pss = dev->cfg.pasid_log2 > 20 ? dev->cfg.pasid_log2 - 1 : 19;
	uint64_t e;

	e = (1ULL << 0)			/* C: coherent */
	    | (1ULL << 1)		/* QI */
	    | (1ULL << 2)		/* DT */
	    | (1ULL << 3)		/* IR */
	    | (1ULL << 4)		/* EIM */
	    | (1ULL << 6)		/* PT */
	    | (1ULL << 7)		/* SC */
	    | (1ULL << 26)		/* NEST */
	    | ((uint64_t)pss << 35)	/* PSS */
	    | (1ULL << 40)		/* PASID */
	    | (1ULL << 43)		/* SMTS */
	    | (1ULL << 46)		/* SLTS */
	    | (1ULL << 47);		/* FLTS */
	if (dev->cfg.dirty)
		e |= 1ULL << 45;	/* SLADS */
	if (dev->cfg.pri)
		e |= 1ULL << 29;	/* PRS: page requests */
	return e & ~dev->cfg.vtd_ecap_clear;
}

/* AMD extended feature register: with PASIDs, what v2 (PASID-capable)
 * tables need (amd_iommu_pasid_supported(): GTSup, GIoSup, PPRSup, EPHSup)
 * and PASmax (max_pasids = 2^(PASmax+1) - 1, so ilog2 = PASmax); HDSup with
 * dirty. */
uint64_t emu_amd_efr(const struct emu_dev *dev)
{
	uint64_t e = (1ULL << 0)	/* PreFSup */
		     | (1ULL << 2)	/* XTSup */
		     | (1ULL << 5)	/* IASup */
		     | (1ULL << 9);	/* HESup */

	if (dev->cfg.pasid_log2)
		e |= (1ULL << 1)	/* PPRSup */
		     | (1ULL << 4)	/* GTSup */
		     | ((uint64_t)dev->cfg.pasid_log2 << 32) /* PASmax */
		     | (1ULL << 48)	/* GIoSup */
		     | (1ULL << 50);	/* EPHSup */
	if (dev->cfg.dirty)
		e |= 1ULL << 52;	/* HDSup */
	if (dev->cfg.amd_nesting)
		e |= (1ULL << 4) | (1ULL << 48);	/* GTSup, GIoSup */
	return e;
}

/* AMD extended feature register 2: GCR3TRPMode with nesting. */
uint64_t emu_amd_efr2(const struct emu_dev *dev)
{
	return dev->cfg.amd_nesting ? 1ULL << 3 : 0;
}

/* The driver's hw_info op; NULL data (length 0) for virtio (no op). */
static uint32_t payload(const struct emu_dev *dev, uint8_t *data, size_t *len)
{
	switch (dev->cfg.iommu) {
	case EMU_IOMMU_INTEL: {
		struct kabi_iommu_hw_info_vtd v = {
			/* the 7.3 driver always sets the erratum flag */
			.flags = KABI_IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17,
			.cap_reg = emu_vtd_cap(dev),
			.ecap_reg = emu_vtd_ecap(dev),
		};

		memcpy(data, &v, sizeof(v));
		*len = sizeof(v);
		return KABI_IOMMU_HW_INFO_TYPE_INTEL_VTD;
	}
	case EMU_IOMMU_SMMUV3: {
		struct kabi_iommu_hw_info_arm_smmuv3 s = {
			.flags = dev->cfg.vendor_flags,
			.idr = {
				/* S2P, S1P, TTF AArch64, COHACC, ASID16,
				 * VMID16, CD2L, ST_LEVEL 2-level */
				((1u << 0) | (1u << 1) | (2u << 2) | (1u << 4) |
				 (1u << 12) | (1u << 18) | (1u << 19) |
				 (1u << 27)) &
					~(dev->cfg.smmu_no_cd2l ? 1u << 19 : 0),
				/* SIDSIZE 16, SSIDSIZE 20 with PASIDs */
				16u | (dev->cfg.pasid_log2 ? 20u << 6 : 0),
				0,
				1u << 10,		/* RIL */
				0,
				5u | (1u << 4) | (1u << 6), /* OAS 48, 4K, 64K */
			},
			.aidr = 1,			/* SMMUv3.1 */
		};

		memcpy(data, &s, sizeof(s));
		*len = sizeof(s);
		return KABI_IOMMU_HW_INFO_TYPE_ARM_SMMUV3;
	}
	case EMU_IOMMU_AMD: {
		struct kabi_iommu_hw_info_amd a = {
			.efr = emu_amd_efr(dev), .efr2 = emu_amd_efr2(dev),
		};

		memcpy(data, &a, sizeof(a));
		*len = sizeof(a);
		return KABI_IOMMU_HW_INFO_TYPE_AMD;
	}
	case EMU_IOMMU_VIRTIO:
		break;
	}
	*len = 0;
	return KABI_IOMMU_HW_INFO_TYPE_NONE;
}

/*
 * data_len: in = the caller's buffer, out = the kernel's size; the caller's
 * bytes past the kernel's data are zeroed. out_max_pasid_log2 and the PCI
 * PASID EXEC/PRIV bits only when the device has PASIDs (kernel-rules §6.1); the
 * EXEC/PRIV bits are those enabled in its PASID control register (the sysfs
 * config view of emu_dev_init_config enables both).
 */
int emu_get_hw_info(struct emu_ctx *ctx, struct emu_ucmd *u)
{
	struct kabi_iommu_hw_info *cmd = u->cmd;
	uint8_t data[64], *out = (void *)(uintptr_t)cmd->data_uptr;
	struct emu_obj *idev;
	uint32_t type;
	size_t len, n;

	/* 6.6 (iommufd_get_hw_info): no flag, and a reserved u32 where 6.15
	 * put out_max_pasid_log2 */
	bool old = emu_kernel() < 615;

	if (cmd->flags & ~KABI_IOMMU_HW_INFO_FLAG_INPUT_TYPE ||
	    (old && cmd->flags))
		return -EOPNOTSUPP;
	if (cmd->__reserved[0] || cmd->__reserved[1] || cmd->__reserved[2] ||
	    (old && cmd->out_max_pasid_log2))
		return -EOPNOTSUPP;
	if (!(cmd->flags & KABI_IOMMU_HW_INFO_FLAG_INPUT_TYPE))
		cmd->in_data_type = KABI_IOMMU_HW_INFO_TYPE_DEFAULT;
	idev = emu_obj_find(ctx, cmd->dev_id, EMU_OBJ_DEVICE);
	if (!idev)
		return -ENOENT;
	type = payload(idev->dev, data, &len);
	/* a driver returns EOPNOTSUPP for a type it does not produce */
	if (type != KABI_IOMMU_HW_INFO_TYPE_NONE &&
	    cmd->in_data_type != KABI_IOMMU_HW_INFO_TYPE_DEFAULT &&
	    cmd->in_data_type != type)
		return -EOPNOTSUPP;
	if (cmd->data_len && !out)
		return -EFAULT;
	n = cmd->data_len < len ? cmd->data_len : len;
	if (n)
		memcpy(out, data, n);
	if (n < cmd->data_len)
		memset(out + n, 0, cmd->data_len - n);
	cmd->data_len = (uint32_t)len;
	cmd->out_data_type = type;
	cmd->out_capabilities = idev->dev->cfg.caps;
	/*
	 * The driver's IOMMU_CAP_PCI_ATS_SUPPORTED needs an ATS capability,
	 * which no emulated device has: ATS_NOT_SUPPORTED always (the real
	 * 7.3 kernel set it for the edu on all four vIOMMUs).
	 */
	cmd->out_capabilities |= KABI_IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED;
	if (idev->dev->cfg.dirty)
		cmd->out_capabilities |= KABI_IOMMU_HW_CAP_DIRTY_TRACKING;
	/* before 6.15 no PASID is reported; before 6.7 out_capabilities is
	 * past the kernel's struct, and emu_respond does not copy it */
	if (!old)
		cmd->out_max_pasid_log2 = (uint8_t)idev->dev->cfg.pasid_log2;
	if (idev->dev->cfg.pasid_log2 && !old)
		cmd->out_capabilities |= KABI_IOMMU_HW_CAP_PCI_PASID_EXEC |
					 KABI_IOMMU_HW_CAP_PCI_PASID_PRIV;
	return emu_respond(u);
}
