/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* PCI vendor and device names, as lspci shows them. */
#ifndef PASIDCTL_PCINAME_H
#define PASIDCTL_PCINAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The names the PCI ID database gives vendor:device, through libudev's
 * hwdb (ID_VENDOR_FROM_DATABASE, ID_MODEL_FROM_DATABASE). False, with
 * both names "", when pasidctl was built without libudev, the database is
 * not installed or has no entry: then pasidctl shows the IDs only. A
 * device name without the vendor's is not returned alone.
 */
bool pci_name_hwdb(uint16_t vendor, uint16_t device, char *vendor_name,
		   size_t vlen, char *device_name, size_t dlen);

#endif
