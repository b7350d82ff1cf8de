/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* One PCI device's fields; see devfields.h. */
#include <stdio.h>

#include "devfields.h"
#include "out.h"
#include "pasidctl.h"

void dev_fields(const struct pasid_devinfo *d)
{
	char id[16];

	snprintf(id, sizeof(id), "%04x:%04x", d->vendor_id, d->device_id);
	out_str("device", d->bdf);
	out_str("id", id);
	out_str("iommu", d->iommu);
	out_str("iommu_vendor", d->iommu[0] ?
		pasid_iommu_vendor_name(d->iommu_vendor) : "");
	out_int("group", d->iommu_group);
	out_str("driver", d->driver);
	out_str("cdev", d->vfio_cdev);
	out_int("pci_pasid_width", d->pci_pasid_width);
}

void dev_names(uint16_t vendor, uint16_t device)
{
	char vname[128] = "", dname[192] = "", both[328];

	if (cli_env.pci_name &&
	    !cli_env.pci_name(vendor, device, vname, sizeof(vname), dname,
			      sizeof(dname)))
		vname[0] = dname[0] = '\0';
	if (out_is_json()) {
		out_str("vendor_name", vname);
		out_str("device_name", dname);
		return;
	}
	/* as lspci prints it: "Vendor Device" */
	snprintf(both, sizeof(both), "%s%s%s", vname, dname[0] ? " " : "",
		 dname);
	out_str("name", both);
}
