/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* Limits of the PCIe specification that bound what the kernel reports. */
#ifndef LIBPASID_PCIE_H
#define LIBPASID_PCIE_H

/* A PASID has 20 bits (PCIe "PASID Extended Capability": Max PASID Width
 * is 0 to 20). A wider report, from the IOMMU's hw_info or a device's
 * config space, is a bug there; the library caps it rather than shift by
 * it. */
#define PCIE_PASID_MAX_WIDTH 20u

#endif
