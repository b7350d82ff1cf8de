/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* A fixed PCI ID database for pasidctl's tests: what they print must not
 * depend on this machine's hwdb. */
#ifndef PASIDCTL_FAKE_NAMES_H
#define PASIDCTL_FAKE_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 1234:11e8 is "Test Vendor" "Test DMA Device"; 8086:29c0 "Test Bridge
 * Maker" without a device name; anything else is unknown. */
bool fake_pci_name(uint16_t vendor, uint16_t device, char *vendor_name,
		   size_t vlen, char *device_name, size_t dlen);

#endif
