/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * ARM SMMUv3: IOMMU_HW_INFO_TYPE_ARM_SMMUV3 carries the raw SMMU_IDR0..5,
 * SMMU_IIDR and SMMU_AIDR registers (the kernel copies them unmasked; its uAPI
 * header lists the fields a VMM may rely on).
 *
 * Register names and bit positions: Arm System Memory Management Unit
 * Architecture Specification, SMMU architecture version 3 (IHI 0070),
 * section 6.3 "Register formats": SMMU_IDR0, SMMU_IDR1, SMMU_IDR3, SMMU_IDR5.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kabi.h"
#include "nested.h"
#include "vendor.h"

/* SMMU_IDR0.S2P, bit 0: stage-2 translation supported. */
#define SMMU_IDR0_S2P		(1u << 0)
/* SMMU_IDR0.S1P, bit 1: stage-1 translation supported (context
 * descriptors, hence substreams / PASIDs). */
#define SMMU_IDR0_S1P		(1u << 1)
/* SMMU_IDR0.PRI, bit 16: Page Request Interface supported. */
#define SMMU_IDR0_PRI		(1u << 16)
/* SMMU_IDR0.CD2L, bit 19: 2-level context descriptor tables supported. */
#define SMMU_IDR0_CD2L		(1u << 19)

/* SMMU_IDR3.FWB, bit 8: stage-2 control of memory types and attributes
 * (S2FWB), which the kernel's vIOMMU takes instead of a coherent device. */
#define SMMU_IDR3_FWB		(1u << 8)

/* SMMU_IDR1.SSIDSIZE, bits 10:6: max SubstreamID width in bits (0: none). */
#define SMMU_IDR1_SSIDSIZE_SHIFT 6
#define SMMU_IDR1_SSIDSIZE_MASK	0x1fu

/* Without CD2L the Linux driver's CD table is linear, 64 KiB of 64-byte
 * descriptors: 2^10 SubstreamIDs (CTXDESC_LINEAR_CDMAX). */
#define SMMU_LINEAR_CD_BITS	10u

/* SMMU_IDR5.OAS, bits 2:0: Output Address Size. */
#define SMMU_IDR5_OAS_SHIFT	0
#define SMMU_IDR5_OAS_MASK	0x7u
/* SMMU_IDR5.VAX, bits 11:10: Virtual Address eXtend; 0b01 = 52-bit VA. */
#define SMMU_IDR5_VAX_SHIFT	10
#define SMMU_IDR5_VAX_MASK	0x3u
#define SMMU_IDR5_VAX_52_BIT	1u

/* Stage-1 input size: 48-bit VA, or 52-bit with SMMU_IDR5.VAX == 0b01. */
#define SMMU_S1_VA_BITS		48u
#define SMMU_S1_VA_BITS_VAX	52u

/* SMMU_IDR5.OAS encodings 0b000..0b110 -> 32..52 bits; 0b111 is reserved. */
static const uint8_t smmu_oas_bits[] = { 32, 36, 40, 42, 44, 48, 52 };

#define SMMU_NR_OAS (sizeof(smmu_oas_bits) / sizeof(smmu_oas_bits[0]))

#define SMMU_NR_IDR							\
	(sizeof(((struct kabi_iommu_hw_info_arm_smmuv3 *)0)->idr) /	\
	 sizeof(((struct kabi_iommu_hw_info_arm_smmuv3 *)0)->idr[0]))

_Static_assert(SMMU_NR_IDR ==
	       sizeof(((struct pasid_caps *)0)->raw.smmuv3.idr) / sizeof(uint32_t),
	       "pasid_caps.raw.smmuv3.idr must hold every SMMU_IDR<n>");

static const char *const smmuv3_prefixes[] = { "smmu3.", NULL };

static unsigned int smmu_ssidsize(uint32_t idr1)
{
	return (idr1 >> SMMU_IDR1_SSIDSIZE_SHIFT) & SMMU_IDR1_SSIDSIZE_MASK;
}

static int smmu_nesting(uint32_t idr0)
{
	return (idr0 & SMMU_IDR0_S1P) && (idr0 & SMMU_IDR0_S2P);
}

/*
 * Input address width of the page table the kernel builds. Paging domains
 * (and every PASID-capable one) are stage 1 when S1P is set: 48-bit VA, or
 * 52 with VAX. The kernel further clamps that to its own VA_BITS, which
 * userspace cannot see, so 52 may be optimistic on a 48-bit VA kernel;
 * IOMMU_IOAS_IOVA_RANGES stays the authority. Stage-2-only SMMUs translate
 * IPAs as wide as the output size (SMMU_IDR5.OAS).
 */
static uint32_t smmu_iova_bits(uint32_t idr0, uint32_t idr5)
{
	uint32_t vax = (idr5 >> SMMU_IDR5_VAX_SHIFT) & SMMU_IDR5_VAX_MASK;
	uint32_t oas = (idr5 >> SMMU_IDR5_OAS_SHIFT) & SMMU_IDR5_OAS_MASK;

	if (idr0 & SMMU_IDR0_S1P)
		return vax == SMMU_IDR5_VAX_52_BIT ? SMMU_S1_VA_BITS_VAX :
						     SMMU_S1_VA_BITS;
	if ((idr0 & SMMU_IDR0_S2P) && oas < SMMU_NR_OAS)
		return smmu_oas_bits[oas];
	return 0;
}

static void smmuv3_decode_idrs(const struct kabi_iommu_hw_info_arm_smmuv3 *s,
			       size_t len, struct pasid_caps *caps)
{
	uint32_t idr0 = s->idr[0];
	unsigned int i;

	for (i = 0; i < SMMU_NR_IDR; i++)
		if (VENDOR_HAS(*s, idr[i], len))
			caps->raw.smmuv3.idr[i] = s->idr[i];
	if (!VENDOR_HAS(*s, idr[0], len))
		return;

	if (smmu_nesting(idr0))
		caps->flags |= PASID_CAP_NESTING;
	if (idr0 & SMMU_IDR0_PRI)
		caps->flags |= PASID_CAP_PRI;
	/* The CD table can be the kernel's or, through a nested vSTE, the
	 * user's: substreams need stage 1 and a non-zero SSIDSIZE. */
	if (VENDOR_HAS(*s, idr[1], len) && (idr0 & SMMU_IDR0_S1P) &&
	    smmu_ssidsize(s->idr[1]))
		caps->table_owner = PASID_TABLE_USER_DELEGATABLE;
	if (VENDOR_HAS(*s, idr[5], len))
		caps->iova_bits = smmu_iova_bits(idr0, s->idr[5]);
}

static void smmuv3_decode(const void *data, size_t len,
			  struct pasid_caps *caps)
{
	struct kabi_iommu_hw_info_arm_smmuv3 s;

	len = vendor_payload(&s, sizeof(s), data, len);

	caps->table_owner = PASID_TABLE_NONE;
	if (VENDOR_HAS(s, flags, len))
		caps->raw.smmuv3.flags = s.flags;
	if (caps->raw.smmuv3.flags &
	    KABI_IOMMU_HW_INFO_ARM_SMMUV3_ERRATA_REPEAT_TLBI_CFGI)
		caps->flags |= PASID_CAP_NEST_REPEAT_INVALIDATE;
	if (VENDOR_HAS(s, iidr, len))
		caps->raw.smmuv3.iidr = s.iidr;
	if (VENDOR_HAS(s, aidr, len))
		caps->raw.smmuv3.aidr = s.aidr;
	smmuv3_decode_idrs(&s, len, caps);
}

/*
 * arm_smmu_domain_alloc_paging_flags() takes exactly one of: 0,
 * NEST_PARENT (stage 2, needs S1P and S2P), DIRTY_TRACKING, PASID or
 * DIRTY_TRACKING|PASID (all stage 1, need S1P). A nesting parent is a stage-2
 * table and carries neither PASIDs nor dirty tracking.
 *
 * Dirty tracking needs SMMU_IDR0.HTTU = access+dirty and a coherent table
 * walk, but firmware (IORT / DT) may override both, so the registers are not
 * the authority here: the kernel's IOMMU_HW_CAP_DIRTY_TRACKING is, which the
 * core has turned into PASID_CAP_DIRTY_TRACKING.
 */
static int smmuv3_check_hwpt_flags(const struct pasid_caps *caps,
				   uint32_t flags, const char **why)
{
	uint32_t idr0 = caps->raw.smmuv3.idr[0];
	const uint32_t s1_flags = KABI_IOMMU_HWPT_ALLOC_PASID |
				  KABI_IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	const char *msg = NULL;

	if ((flags & KABI_IOMMU_HWPT_ALLOC_NEST_PARENT) && (flags & s1_flags))
		msg = (flags & KABI_IOMMU_HWPT_ALLOC_PASID) ?
		      "an SMMUv3 nesting parent is a stage-2 table and cannot carry PASIDs: PASIDs of a nested device live in the user's context descriptor table" :
		      "an SMMUv3 nesting parent cannot track dirty pages: the kernel only tracks dirty bits in stage-1 tables";
	else if ((flags & KABI_IOMMU_HWPT_ALLOC_NEST_PARENT) &&
		 !smmu_nesting(idr0))
		msg = "this SMMUv3 cannot be a nesting parent: it needs both stage-1 and stage-2 translation (SMMU_IDR0.S1P and S2P)";
	else if ((flags & s1_flags) && !(idr0 & SMMU_IDR0_S1P))
		msg = "PASIDs and dirty tracking need SMMUv3 stage-1 translation, which this SMMU does not offer (SMMU_IDR0.S1P is clear)";
	else if ((flags & KABI_IOMMU_HWPT_ALLOC_DIRTY_TRACKING) &&
		 !(caps->flags & PASID_CAP_DIRTY_TRACKING))
		msg = "this SMMUv3 has no dirty tracking: the kernel needs hardware dirty-bit updates (SMMU_IDR0.HTTU) and coherent table walks";

	if (!msg)
		return 0;
	if (why)
		*why = msg;
	return -EOPNOTSUPP;
}

static const char *smmuv3_no_pasid_hint(const struct pasid_caps *caps)
{
	const uint32_t *idr = caps->raw.smmuv3.idr;

	if (!(idr[0] & SMMU_IDR0_S1P))
		return "this SMMUv3 has no stage-1 translation (SMMU_IDR0.S1P is clear), and PASIDs (substreams) need stage-1 context descriptors";
	if (!smmu_ssidsize(idr[1]))
		return "this SMMUv3 supports no substreams (SMMU_IDR1.SSIDSIZE is 0)";
	return "the SMMUv3 supports substreams but the device does not offer PASIDs: check its PCIe PASID capability (or the firmware's pasid-num-bits for a platform device) and that the kernel is 6.15 or newer";
}

/*
 * arm_smmu_get_viommu_size() (7.3): a vIOMMU needs FEAT_NESTING (S1P and
 * S2P, which the nesting parent already needed) and either a master the
 * firmware marks coherent (IORT memory access flag CANWBS, which userspace
 * cannot see and device tree never sets) or S2FWB, so that a stage-1 the
 * user owns cannot make DMA bypass the CPU caches VFIO does not maintain.
 */
static const char *smmuv3_no_viommu_hint(const struct pasid_caps *caps)
{
	if (caps->raw.smmuv3.idr[3] & SMMU_IDR3_FWB)
		return NULL;
	return "DMA through a user stage-1 could bypass the CPU caches: this SMMUv3 has no stage-2 forced write-back (S2FWB: SMMU_IDR3.FWB is clear), and the firmware does not mark the device coherent (IORT CANWBS; device tree never does)";
}

/*
 * Linux 7.3 (doc/kernel-rules.md §6.2; §11 says which copies of the source
 * were read): arm_smmu_probe_device() narrows a master's SubstreamIDs to 10
 * bits when the SMMU has no 2-level CD tables, and sizes its CD table
 * (STE.S1CDMax) by that; but out_max_pasid_log2 is the core's min(device,
 * 1 << IDR1.SSIDSIZE) (dev_iommu_get_max_pasids), set after the driver's
 * probe, and arm_smmu_set_pasid() leaves the check to the core. So the
 * kernel accepts PASIDs its CD table has no descriptor for: they are left
 * out here.
 */
static uint32_t smmuv3_pasid_width(struct pasid_caps *caps, int device_width)
{
	(void)device_width;	/* already in the reported width */
	if (caps->raw.smmuv3.idr[0] & SMMU_IDR0_CD2L ||
	    caps->pasid_width <= SMMU_LINEAR_CD_BITS)
		return caps->pasid_width;
	return SMMU_LINEAR_CD_BITS;
}

const struct pasid_vendor_ops pasid_vendor_smmuv3 = {
	.vendor = PASID_IOMMU_ARM_SMMUV3,
	.hw_info_type = KABI_IOMMU_HW_INFO_TYPE_ARM_SMMUV3,
	.instance_prefixes = smmuv3_prefixes,
	.decode = smmuv3_decode,
	.check_hwpt_flags = smmuv3_check_hwpt_flags,
	.pasid_width = smmuv3_pasid_width,
	.no_pasid_hint = smmuv3_no_pasid_hint,
	.viommu_type = KABI_IOMMU_VIOMMU_TYPE_ARM_SMMUV3,
	.no_viommu_hint = smmuv3_no_viommu_hint,
	.s1_attach = smmu_s1_attach,
	.s1_detach = smmu_s1_detach,
	.nest_fini = smmu_nest_fini,
	.s1_pasid_bits = smmu_s1_pasid_bits,
	.s1_format = PASID_S1_ARM64,
	.s1_invalidate = smmu_s1_invalidate,
	.nest_dirty_missing = "an SMMUv3 nesting parent is a stage-2 table, and the Linux driver tracks dirty bits (HTTU/DBM) in stage-1 tables only",
	.s1_faults_missing = "the Linux SMMUv3 driver forwards no PCIe page requests (PRI); only stall-capable platform devices fault into a queue, and a nested PCI device's stage-1 faults arrive as vEVENTs instead (pasid_veventq_new)",
	.veventq_type = KABI_IOMMU_VEVENTQ_TYPE_ARM_SMMUV3,
	.vevent_len = sizeof(struct kabi_iommu_vevent_arm_smmuv3),
};
