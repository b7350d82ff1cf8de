/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * AMD-Vi: IOMMU_HW_INFO_TYPE_AMD carries the raw Extended Feature Register and
 * Extended Feature 2 Register (the kernel copies amd_iommu_efr/efr2 unmasked).
 *
 * Register names and bit positions: AMD I/O Virtualization Technology (IOMMU)
 * Specification (pub. 48882), "MMIO Offset 0030h IOMMU Extended Feature
 * Register" (EFR) and "MMIO Offset 01A0h IOMMU Extended Feature 2 Register"
 * (EFR2).
 *
 * AMD builds two page-table formats: v1 (host format; dirty tracking and
 * nesting parents) and v2 (x86 format, one per PASID under a GCR3 table;
 * every PASID-capable page table). That split is where the flag rules come
 * from.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kabi.h"
#include "vendor.h"

/* EFR.PPRSup, bit 1: Peripheral Page Request support. */
#define AMD_EFR_PPRSUP		(1ull << 1)
/* EFR.GTSup, bit 4: Guest Translation support (v2 tables, GCR3). */
#define AMD_EFR_GTSUP		(1ull << 4)
/* EFR.PASmax, bits 36:32: maximum PASID width - 1. */
#define AMD_EFR_PASMAX_SHIFT	32
#define AMD_EFR_PASMAX_MASK	0x1full
/* EFR.GIoSup, bit 48: Guest I/O Protection support. */
#define AMD_EFR_GIOSUP		(1ull << 48)
/* EFR.EPHSup, bit 50: Enhanced PPR Handling support. */
#define AMD_EFR_EPHSUP		(1ull << 50)
/* EFR.HDSup, bit 52: Host Dirty support (v1 table dirty bits). */
#define AMD_EFR_HDSUP		(1ull << 52)

/* EFR2.GCR3TRPMode, bit 3: the DTE's GCR3 Table Root Pointer may be a GPA
 * (what a guest-owned GCR3 table behind a nesting parent needs). */
#define AMD_EFR2_GCR3TRPMODE	(1ull << 3)

/* v2 (x86-format) tables: the kernel uses 4 levels (48-bit input) unless both
 * EFR.GATS and the CPU do 5-level paging, which userspace cannot see; so 48
 * is reported (an under-estimate at worst). */
#define AMD_V2_IOVA_BITS	48u

/* Everything the kernel needs for a PASID-capable (v2) page table, without
 * its runtime conditions (SEV-SNP host, CPU paging level):
 * amd_iommu_pasid_supported() / amd_iommu_gt_ppr_supported(). */
#define AMD_EFR_PASID_NEEDS						\
	(AMD_EFR_GTSUP | AMD_EFR_GIOSUP | AMD_EFR_PPRSUP | AMD_EFR_EPHSUP)

static const char *const amd_prefixes[] = { "ivhd", NULL };

static unsigned int amd_pasmax(uint64_t efr)
{
	return (efr >> AMD_EFR_PASMAX_SHIFT) & AMD_EFR_PASMAX_MASK;
}

static int amd_v2_capable(uint64_t efr)
{
	return (efr & AMD_EFR_PASID_NEEDS) == AMD_EFR_PASID_NEEDS;
}

/* PASmax 0 means one PASID value, which the kernel reports as width 0. */
static int amd_pasid_capable(uint64_t efr)
{
	return amd_v2_capable(efr) && amd_pasmax(efr) > 0;
}

/* The kernel's is_nest_parent_supported(). */
static int amd_nest_capable(uint64_t efr, uint64_t efr2)
{
	return (efr & AMD_EFR_GTSUP) && (efr & AMD_EFR_GIOSUP) &&
	       (efr2 & AMD_EFR2_GCR3TRPMODE);
}

static void amd_decode_efr(uint64_t efr, struct pasid_caps *caps)
{
	caps->raw.amd.efr = efr;
	if (efr & AMD_EFR_PPRSUP)
		caps->flags |= PASID_CAP_PRI;
	/* The GCR3 (PASID) table is the kernel's for its own v2 tables, or a
	 * guest's behind a nested vDTE. */
	if (amd_pasid_capable(efr)) {
		caps->table_owner = PASID_TABLE_USER_DELEGATABLE;
		caps->iova_bits = AMD_V2_IOVA_BITS;
	}
}

static void amd_decode(const void *data, size_t len, struct pasid_caps *caps)
{
	struct kabi_iommu_hw_info_amd amd;

	len = vendor_payload(&amd, sizeof(amd), data, len);

	caps->table_owner = PASID_TABLE_NONE;
	if (VENDOR_HAS(amd, efr, len))
		amd_decode_efr(amd.efr, caps);
	if (VENDOR_HAS(amd, efr2, len))
		caps->raw.amd.efr2 = amd.efr2;
	/*
	 * Nesting: the parent (v1) can be allocated, but Linux 7.3 does not
	 * wire amd_iommu_alloc_domain_nested() into any ops table, so the
	 * nested HWPT itself is still refused there (EOPNOTSUPP). The flag says
	 * what the hardware can do; the nested API probes the kernel.
	 */
	if (VENDOR_HAS(amd, efr2, len) &&
	    amd_nest_capable(amd.efr, amd.efr2))
		caps->flags |= PASID_CAP_NESTING;
}

/*
 * amd_iommu_domain_alloc_paging_flags(): PASID alone gives a v2 table;
 * DIRTY_TRACKING and/or NEST_PARENT give a v1 table; the two never mix.
 */
static int amd_check_hwpt_flags(const struct pasid_caps *caps, uint32_t flags,
				const char **why)
{
	uint64_t efr = caps->raw.amd.efr, efr2 = caps->raw.amd.efr2;
	const uint32_t v1_flags = KABI_IOMMU_HWPT_ALLOC_DIRTY_TRACKING |
				  KABI_IOMMU_HWPT_ALLOC_NEST_PARENT;
	const char *msg = NULL;

	if ((flags & KABI_IOMMU_HWPT_ALLOC_PASID) && (flags & v1_flags))
		msg = (flags & KABI_IOMMU_HWPT_ALLOC_DIRTY_TRACKING) ?
		      "AMD-Vi cannot track dirty pages in a PASID-capable page table: PASIDs need the v2 table format, dirty tracking the v1 format" :
		      "an AMD-Vi nesting parent cannot carry PASIDs: it is a v1 table, PASIDs need the v2 format (a nested guest owns its GCR3 table instead)";
	else if ((flags & KABI_IOMMU_HWPT_ALLOC_PASID) && !amd_v2_capable(efr))
		msg = "this AMD-Vi has no PASID-capable (v2) page tables: the kernel needs EFR.GTSup, GIoSup, PPRSup and EPHSup";
	else if ((flags & KABI_IOMMU_HWPT_ALLOC_DIRTY_TRACKING) &&
		 !(efr & AMD_EFR_HDSUP))
		msg = "this AMD-Vi has no dirty tracking (EFR.HDSup is clear)";
	else if ((flags & KABI_IOMMU_HWPT_ALLOC_NEST_PARENT) &&
		 !amd_nest_capable(efr, efr2))
		msg = "this AMD-Vi cannot be a nesting parent: it needs EFR.GTSup, EFR.GIoSup and EFR2.GCR3TRPMode";

	if (!msg)
		return 0;
	if (why)
		*why = msg;
	return -EOPNOTSUPP;
}

static const char *amd_no_pasid_hint(const struct pasid_caps *caps)
{
	uint64_t efr = caps->raw.amd.efr;

	if (!(efr & AMD_EFR_GTSUP))
		return "this AMD-Vi has no guest translation (EFR.GTSup is clear), which PASID-capable (v2) page tables need";
	if (!amd_v2_capable(efr))
		return "the kernel gives AMD-Vi PASIDs only with EFR.GIoSup, PPRSup and EPHSup, and this IOMMU lacks one of them";
	if (!amd_pasmax(efr))
		return "this AMD-Vi supports a single PASID value only (EFR.PASmax is 0)";
	return "the kernel turned AMD-Vi PASIDs off: SEV-SNP is enabled on the host, or the CPU uses 5-level paging and the IOMMU only 4-level guest tables (EFR.GATS); or the device has no enabled PCIe PASID capability";
}

/*
 * The kernel's AMD-Vi limit is max_pasids = 2^(PASmax + 1) - 1, and
 * out_max_pasid_log2 its ilog2 after the min with the device's 2^width
 * (dev_iommu_get_max_pasids): PASmax, one bit less than the IOMMU serves
 * when the device is wider. The kernel then takes PASIDs up to
 * 2^(PASmax + 1) - 2, but the library keeps to the reported range (a power
 * of two) and says so. Linux 7.3; doc/kernel-rules.md §6.2.
 */
static uint32_t amd_pasid_width(struct pasid_caps *caps, int device_width)
{
	unsigned int pasmax = amd_pasmax(caps->raw.amd.efr);

	if (pasmax && caps->pasid_width == pasmax &&
	    device_width > (int)pasmax)
		caps->flags |= PASID_CAP_PASID_WIDTH_ROUNDED;
	return caps->pasid_width;
}

/*
 * Linux 7.3 (amd/iommu.c; doc/kernel-rules.md §4.3 row 8, §11): PASID-capable
 * tables are v2 domains with amdv2_ops, which has no set_dev_pasid (only the
 * SVA and the blocked domain have one). IOMMU_HWPT_ALLOC_PASID succeeds and
 * the RID attaches to such a table, but iommu_attach_device_pasid() answers
 * every PASID attach EOPNOTSUPP.
 */
static const char *amd_pasid_attach_limit(const struct pasid_caps *caps)
{
	(void)caps;
	return "AMD-Vi attaches no page table to a PASID in Linux 7.3 (its PASID-capable v2 tables have no set_dev_pasid; only SVA and blocked domains do)";
}

const struct pasid_vendor_ops pasid_vendor_amd = {
	.vendor = PASID_IOMMU_AMD_VI,
	.hw_info_type = KABI_IOMMU_HW_INFO_TYPE_AMD,
	.instance_prefixes = amd_prefixes,
	.decode = amd_decode,
	.check_hwpt_flags = amd_check_hwpt_flags,
	.pasid_width = amd_pasid_width,
	.pasid_attach_limit = amd_pasid_attach_limit,
	.no_pasid_hint = amd_no_pasid_hint,
	/* checked in the 7.3 source: amd_iommu_alloc_domain_nested() exists
	 * but no ops table refers to it, and the uAPI has no AMD vIOMMU type */
	/* v1 tables with EFR.HDSup (check_hwpt_flags) */
	.nest_dirty = true,
	.s1_faults_missing = "Linux 7.3's AMD-Vi driver nests no stage-1 (see pasid_s1_attach), so no stage-1 page requests can reach a queue",
	.veventq_missing = "the Linux 7.3 uAPI has no AMD vIOMMU type, so there is no vEVENTQ",
	.s1_missing = "Linux 7.3's AMD-Vi driver nests no stage-1: its nested allocator for IOMMU_HWPT_DATA_AMD_GUEST (amd_iommu_alloc_domain_nested) is wired into no ops table and the iommufd uAPI has no AMD vIOMMU type, so the guest GCR3 table cannot be installed; the nest's stage-2 carries untagged DMA only",
};
