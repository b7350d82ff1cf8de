/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* See fake-names.h. */
#include <stdio.h>

#include "fake-names.h"

bool fake_pci_name(uint16_t vendor, uint16_t device, char *vendor_name,
		   size_t vlen, char *device_name, size_t dlen)
{
	vendor_name[0] = device_name[0] = '\0';
	if (vendor == 0x1234 && device == 0x11e8) {
		snprintf(vendor_name, vlen, "Test Vendor");
		snprintf(device_name, dlen, "Test DMA Device");
		return true;
	}
	if (vendor == 0x8086) {
		snprintf(vendor_name, vlen, "Test Bridge Maker");
		return true;
	}
	return false;
}
