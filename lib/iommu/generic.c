/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Every IOMMU without a vendor payload (IOMMU_HW_INFO_TYPE_NONE): virtio-iommu,
 * SMMUv1/v2, RISC-V, the SoC IOMMUs. There is nothing to decode; the core
 * names the family from sysfs (pasid_vendor_by_instance) afterwards.
 */
#include <stdint.h>

#include "kabi.h"
#include "vendor.h"

static const char *generic_no_pasid_hint(const struct pasid_caps *caps)
{
	if (caps->vendor == PASID_IOMMU_VIRTIO)
		return "virtio-iommu has no PASID support in Linux";
	return "this IOMMU's Linux driver offers no PASIDs through iommufd";
}

/* No decode and no flag rules: the kernel is asked and answers for itself. */
const struct pasid_vendor_ops pasid_vendor_generic = {
	.vendor = PASID_IOMMU_OTHER,
	.hw_info_type = KABI_IOMMU_HW_INFO_TYPE_NONE,
	.instance_prefixes = NULL,
	.no_pasid_hint = generic_no_pasid_hint,
	.s1_missing = "this IOMMU's Linux driver offers no nested translation",
	.nest_dirty_missing = "this IOMMU's Linux driver offers no nested translation",
	.s1_faults_missing = "this IOMMU's Linux driver offers no nested translation",
	.veventq_missing = "this IOMMU's Linux driver offers no vIOMMU",
};
