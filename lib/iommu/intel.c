/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Intel VT-d: IOMMU_HW_INFO_TYPE_INTEL_VTD carries the raw Capability and
 * Extended Capability registers of the DMA remapping unit.
 *
 * Register names and bit positions: Intel Virtualization Technology for
 * Directed I/O Architecture Specification (rev 4.x), section 11.4.2
 * "Capability Register" (CAP_REG) and 11.4.3 "Extended Capability Register"
 * (ECAP_REG). Rev 4 renamed first/second-level to first/second-stage
 * (FLTS -> FSTS, SLTS -> SSTS, SLADS -> SSADS); the older names are kept here
 * because the Linux driver still uses them.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kabi.h"
#include "nested.h"
#include "vendor.h"

/* CAP_REG.MGAW, bits 21:16: Maximum Guest Address Width, encoded as N - 1. */
#define VTD_CAP_MGAW_SHIFT	16
#define VTD_CAP_MGAW_MASK	0x3full

/* ECAP_REG.NEST, bit 26: Nested Translation Support. */
#define VTD_ECAP_NEST		(1ull << 26)
/* ECAP_REG.PRS, bit 29: Page Request Support. */
#define VTD_ECAP_PRS		(1ull << 29)
/* ECAP_REG.PASID, bit 40: Process Address Space ID Support. */
#define VTD_ECAP_PASID		(1ull << 40)
/* ECAP_REG.SMTS, bit 43: Scalable Mode Translation Support. */
#define VTD_ECAP_SMTS		(1ull << 43)
/* ECAP_REG.SLADS (rev 4: SSADS), bit 45: Second-Stage Accessed/Dirty
 * Support -- what IOMMU dirty tracking uses. */
#define VTD_ECAP_SLADS		(1ull << 45)
/* ECAP_REG.SLTS (rev 4: SSTS), bit 46: Second-Stage Translation Support. */
#define VTD_ECAP_SLTS		(1ull << 46)
/* ECAP_REG.FLTS (rev 4: FSTS), bit 47: First-Stage Translation Support. */
#define VTD_ECAP_FLTS		(1ull << 47)

static const char *const intel_prefixes[] = { "dmar", NULL };

static int vtd_scalable(uint64_t ecap)
{
	return !!(ecap & VTD_ECAP_SMTS);
}

/* Nesting needs scalable mode; the spec reports NEST clear without SMTS,
 * but a broken or emulated unit might not, so both are checked. */
static int vtd_nesting(uint64_t ecap)
{
	return vtd_scalable(ecap) && (ecap & VTD_ECAP_NEST);
}

/* Dirty tracking is done by second-stage tables in scalable mode
 * (the kernel's ssads_supported()). */
static int vtd_dirty(uint64_t ecap)
{
	return vtd_scalable(ecap) && (ecap & VTD_ECAP_SLADS);
}

static void intel_decode_cap(uint64_t cap, struct pasid_caps *caps)
{
	caps->raw.vtd.cap = cap;
	caps->iova_bits = ((cap >> VTD_CAP_MGAW_SHIFT) & VTD_CAP_MGAW_MASK) + 1;
}

static void intel_decode_ecap(uint64_t ecap, struct pasid_caps *caps)
{
	caps->raw.vtd.ecap = ecap;
	if (vtd_nesting(ecap))
		caps->flags |= PASID_CAP_NESTING;
	if (ecap & VTD_ECAP_PRS)
		caps->flags |= PASID_CAP_PRI;
	/* PASIDs exist only in scalable mode, and the PASID table is then
	 * always the host kernel's (guests get one nested HWPT per PASID). */
	if ((ecap & VTD_ECAP_PASID) && vtd_scalable(ecap))
		caps->table_owner = PASID_TABLE_KERNEL;
	else
		caps->table_owner = PASID_TABLE_NONE;
}

static void intel_decode(const void *data, size_t len, struct pasid_caps *caps)
{
	struct kabi_iommu_hw_info_vtd vtd;

	len = vendor_payload(&vtd, sizeof(vtd), data, len);

	caps->table_owner = PASID_TABLE_NONE;
	if (VENDOR_HAS(vtd, flags, len))
		caps->raw.vtd.flags = vtd.flags;
	if (caps->raw.vtd.flags & KABI_IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17)
		caps->flags |= PASID_CAP_NEST_NO_READONLY;
	if (VENDOR_HAS(vtd, cap_reg, len))
		intel_decode_cap(vtd.cap_reg, caps);
	if (VENDOR_HAS(vtd, ecap_reg, len))
		intel_decode_ecap(vtd.ecap_reg, caps);
}

/*
 * The table intel_iommu_domain_alloc_paging_flags() builds (Linux 6.15 to
 * 7.3, doc/kernel-rules.md §11): first stage when nothing but PASID is
 * asked and scalable mode offers one (ECAP.FLTS), else second stage, which
 * takes NEST_PARENT, DIRTY_TRACKING and PASID in any mix and in scalable
 * mode needs ECAP.SLTS (legacy mode always has it). FAULT_ID_VALID never reaches
 * the driver. A PASID attaches to either stage in scalable mode; without
 * scalable mode the allocation succeeds and the PASID attach fails, which
 * no_pasid_hint explains.
 */
static int vtd_first_stage(uint64_t ecap, uint32_t flags)
{
	flags &= ~KABI_IOMMU_HWPT_FAULT_ID_VALID;
	return !(flags & ~KABI_IOMMU_HWPT_ALLOC_PASID) && vtd_scalable(ecap) &&
	       (ecap & VTD_ECAP_FLTS);
}

static const char *vtd_refusal(uint64_t ecap, uint32_t flags)
{
	const uint32_t second = KABI_IOMMU_HWPT_ALLOC_NEST_PARENT |
				KABI_IOMMU_HWPT_ALLOC_DIRTY_TRACKING;

	if ((flags & KABI_IOMMU_HWPT_ALLOC_NEST_PARENT) && !vtd_nesting(ecap))
		return vtd_scalable(ecap) ?
		       "this VT-d unit cannot be a nesting parent: it has no nested translation (ECAP.NEST is clear)" :
		       "this VT-d unit cannot be a nesting parent: nested translation needs scalable mode (ECAP.SMTS is clear)";
	if ((flags & KABI_IOMMU_HWPT_ALLOC_DIRTY_TRACKING) && !vtd_dirty(ecap))
		return vtd_scalable(ecap) ?
		       "this VT-d unit has no dirty tracking: it has no second-stage accessed/dirty bits (ECAP.SLADS is clear)" :
		       "this VT-d unit has no dirty tracking: second-stage accessed/dirty bits need scalable mode (ECAP.SMTS is clear)";
	if (vtd_first_stage(ecap, flags) || !vtd_scalable(ecap) ||
	    (ecap & VTD_ECAP_SLTS))
		return NULL;
	if (flags & second)
		return "nesting parents and dirty tracking need VT-d second-stage page tables, which this unit does not offer (ECAP.SLTS is clear)";
	return "this VT-d unit offers neither first- nor second-stage page tables in scalable mode (ECAP.FLTS and ECAP.SLTS are clear)";
}

static int intel_check_hwpt_flags(const struct pasid_caps *caps,
				  uint32_t flags, const char **why)
{
	const char *msg = vtd_refusal(caps->raw.vtd.ecap, flags);

	if (!msg)
		return 0;
	if (why)
		*why = msg;
	return -EOPNOTSUPP;
}

static const char *intel_no_pasid_hint(const struct pasid_caps *caps)
{
	uint64_t ecap = caps->raw.vtd.ecap;

	if (!(ecap & VTD_ECAP_PASID))
		return "this VT-d unit has no PASID support (ECAP.PASID is clear)";
	if (!vtd_scalable(ecap))
		return "VT-d PASIDs need scalable mode, which this unit does not offer (ECAP.SMTS is clear)";
	return "VT-d PASIDs need scalable mode on: boot with intel_iommu=on,sm_on (or a kernel built with CONFIG_INTEL_IOMMU_SCALABLE_MODE_DEFAULT_ON) if it is off";
}

const struct pasid_vendor_ops pasid_vendor_intel = {
	.vendor = PASID_IOMMU_INTEL_VTD,
	.hw_info_type = KABI_IOMMU_HW_INFO_TYPE_INTEL_VTD,
	.instance_prefixes = intel_prefixes,
	.decode = intel_decode,
	.check_hwpt_flags = intel_check_hwpt_flags,
	.no_pasid_hint = intel_no_pasid_hint,
	.nest_parent_flags = KABI_IOMMU_HWPT_ALLOC_PASID,
	.s1_attach = vtd_s1_attach,
	.s1_detach = vtd_s1_detach,
	.s1_format = PASID_S1_X86,
	.s1_invalidate = vtd_s1_invalidate,
	/* second-stage A/D bits (ECAP.SLADS, check_hwpt_flags); a nest's
	 * stage-1 page requests reach the queue of its per-PASID HWPT */
	.nest_dirty = true,
	.s1_faults = true,
	.veventq_missing = "VT-d nests without a vIOMMU in Linux 7.3 (no VT-d vIOMMU type), so there is no vEVENTQ: stage-1 faults come as page requests (PASID_NEST_FAULTS)",
};
