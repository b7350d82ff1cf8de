/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* Picking the ops table of an IOMMU family, by hw_info type or sysfs name. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "libpasid/libpasid.h"
#include "../discover.h"
#include "vendor.h"

/* The tables with a payload and instance names of their own. */
static const struct pasid_vendor_ops *const vendor_tables[] = {
	&pasid_vendor_intel,
	&pasid_vendor_smmuv3,
	&pasid_vendor_amd,
};

#define NR_VENDOR_TABLES (sizeof(vendor_tables) / sizeof(vendor_tables[0]))

const struct pasid_vendor_ops *pasid_vendor_by_hw_info(uint32_t hw_info_type)
{
	size_t i;

	for (i = 0; i < NR_VENDOR_TABLES; i++)
		if (vendor_tables[i]->hw_info_type == hw_info_type)
			return vendor_tables[i];
	return &pasid_vendor_generic;
}

static bool has_prefix(const char *name, const char *const *prefixes)
{
	for (; prefixes && *prefixes; prefixes++)
		if (!strncmp(name, *prefixes, strlen(*prefixes)))
			return true;
	return false;
}

/*
 * virtio-iommu names its instance virtio_bus_name(vdev)
 * (drivers/iommu/virtio-iommu.c), i.e. the transport's device name, never
 * "virtioN":
 *  - virtio-pci (QEMU's virtio-iommu-pci, the common case): the PCI address
 *    of the virtio-iommu function, "0000:00:03.0" (vp_bus_name -> pci_name);
 *  - virtio-mmio: the platform device name (vm_bus_name -> pdev->name),
 *    "a003e00.virtio_mmio" from a device tree, "virtio-mmio" from the kernel
 *    command line, but an ACPI HID such as "LNRO0005:00" under ACPI.
 * No other Linux IOMMU driver names an instance with a bare PCI address
 * (RISC-V uses "riscv-iommu@<dev>"), so that pattern is taken as virtio too.
 * A virtio-mmio instance under ACPI stays OTHER; /sys/class/iommu/<name>/
 * device/driver ("virtio_iommu") would tell, but is not a name.
 */
static bool is_virtio_instance(const char *name)
{
	return strstr(name, "virtio") || discover_is_pci_name(name);
}

enum pasid_iommu_vendor pasid_vendor_by_instance(const char *name)
{
	size_t i;

	if (!name || !name[0])
		return PASID_IOMMU_UNKNOWN;
	for (i = 0; i < NR_VENDOR_TABLES; i++)
		if (has_prefix(name, vendor_tables[i]->instance_prefixes))
			return vendor_tables[i]->vendor;
	if (is_virtio_instance(name))
		return PASID_IOMMU_VIRTIO;
	return PASID_IOMMU_OTHER;
}

PASID_API const char *pasid_iommu_vendor_name(enum pasid_iommu_vendor v)
{
	switch (v) {
	case PASID_IOMMU_INTEL_VTD:
		return "intel-vtd";
	case PASID_IOMMU_ARM_SMMUV3:
		return "arm-smmuv3";
	case PASID_IOMMU_AMD_VI:
		return "amd-vi";
	case PASID_IOMMU_VIRTIO:
		return "virtio-iommu";
	case PASID_IOMMU_OTHER:
		return "other";
	case PASID_IOMMU_UNKNOWN:
	default:
		return "unknown";
	}
}
