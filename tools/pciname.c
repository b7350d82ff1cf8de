/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* PCI names from the hwdb; see pciname.h. */
#include <stdio.h>
#include <string.h>

#include "pciname.h"

#ifdef HAVE_UDEV
#include <libudev.h>

bool pci_name_hwdb(uint16_t vendor, uint16_t device, char *vendor_name,
		   size_t vlen, char *device_name, size_t dlen)
{
	struct udev_list_entry *e;
	struct udev_hwdb *hwdb;
	struct udev *udev;
	char modalias[64];

	vendor_name[0] = device_name[0] = '\0';
	udev = udev_new();
	if (!udev)
		return false;
	/* a lookup per device: list is not hot, and nothing outlives it */
	hwdb = udev_hwdb_new(udev);
	if (!hwdb) {
		udev_unref(udev);
		return false;
	}
	/* the key udev's own pci rules look up (hwdb.d/20-pci-vendor-model) */
	snprintf(modalias, sizeof(modalias), "pci:v%08Xd%08X*", vendor, device);
	udev_list_entry_foreach(e, udev_hwdb_get_properties_list_entry(hwdb,
								 modalias, 0)) {
		const char *k = udev_list_entry_get_name(e);
		const char *v = udev_list_entry_get_value(e);

		if (!v)
			continue;
		if (!strcmp(k, "ID_VENDOR_FROM_DATABASE"))
			snprintf(vendor_name, vlen, "%s", v);
		else if (!strcmp(k, "ID_MODEL_FROM_DATABASE"))
			snprintf(device_name, dlen, "%s", v);
	}
	udev_hwdb_unref(hwdb);
	udev_unref(udev);
	if (!vendor_name[0])
		device_name[0] = '\0';
	return vendor_name[0] != '\0';
}
#else
bool pci_name_hwdb(uint16_t vendor, uint16_t device, char *vendor_name,
		   size_t vlen, char *device_name, size_t dlen)
{
	/* built without libudev: IDs only (lspci -n style) */
	(void)vendor;
	(void)device;
	(void)vlen;
	(void)dlen;
	vendor_name[0] = device_name[0] = '\0';
	return false;
}
#endif
