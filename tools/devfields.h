/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* The fields of one PCI device, the same in list, list --all and info. */
#ifndef PASIDCTL_DEVFIELDS_H
#define PASIDCTL_DEVFIELDS_H

#include <stdint.h>

#include "libpasid/libpasid.h"

/* device, id, iommu, iommu_vendor, group, driver, cdev, pci_pasid_width */
void dev_fields(const struct pasid_devinfo *d);
/* The PCI ID database's names (cli_env.pci_name): vendor_name and
 * device_name in JSON, one "name" column in a table; "" when unknown. */
void dev_names(uint16_t vendor, uint16_t device);

#endif
