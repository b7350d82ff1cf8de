/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* doctor: the device's IOMMU group and its PASIDs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "doctor.h"
#include "pasidctl.h"
#include "pcisys.h"

void doctor_group(struct doctor *dr)
{
	const struct usability *u = &dr->use;
	char held[400] = "", others[400] = "", fix[512];
	size_t hl = 0, ol = 0;

	if (dr->info.iommu_group < 0)
		return;
	/* the siblings are "0000:00:08.0 (e1000e)", "... (no driver)" */
	snprintf(fix, sizeof(fix), "as root: pasidctl bind %s", dr->info.bdf);
	for (size_t i = 0; i < u->nsiblings; i++) {
		char bdf[16] = "", drv[40] = "";

		sscanf(u->siblings[i], "%15s (%39[^)])", bdf, drv);
		if (!strcmp(drv, "no driver") || pcisys_driver_shares_group(drv)) {
			ol += (size_t)snprintf(others + ol, sizeof(others) - ol,
					       "%s%s", ol ? ", " : "",
					       u->siblings[i]);
		} else {
			hl += (size_t)snprintf(held + hl, sizeof(held) - hl,
					       "%s%s", hl ? ", " : "",
					       u->siblings[i]);
			snprintf(fix + strlen(fix), sizeof(fix) - strlen(fix),
				 " %s", bdf);
		}
		if (hl >= sizeof(held) || ol >= sizeof(others))
			break;
	}
	if (u->blockers)
		doctor_add(dr, "group_viable", ST_FAIL, fix,
			   "IOMMU group %d also has %s on a kernel driver: the group goes to VFIO whole",
			   dr->info.iommu_group, held);
	else if (u->nsiblings)
		doctor_add(dr, "group_viable", ST_OK, NULL,
			   "IOMMU group %d: also %s, none on a kernel driver",
			   dr->info.iommu_group, others);
	else
		doctor_add(dr, "group_viable", ST_OK, NULL,
			   "IOMMU group %d: this device alone",
			   dr->info.iommu_group);
}

void doctor_pasid(struct doctor *dr)
{
	const char *bdf = dr->info.bdf;
	int err = dr->dev_err ? dr->dev_err : dr->bind_err;

	if (!dr->have_dev) {
		doctor_add(dr, "pasid", ST_SKIP, NULL,
			   "give a DEV on vfio-pci to probe a PASID bind");
	} else if (dr->info.pci_pasid_width == 0) {
		doctor_add(dr, "pasid", ST_UNSUPPORTED, NULL,
			   "%s has no PCIe PASID capability", bdf);
	} else if (!dr->probed) {
		doctor_add(dr, "pasid", ST_SKIP, NULL,
			   "%s cannot be opened yet (see the checks above)",
			   bdf);
	} else if (!err && dr->caps.pasid_width) {
		doctor_add(dr, "pasid", ST_OK, NULL,
			   "PASID width %u; PASID %d bound and unbound",
			   dr->caps.pasid_width, dr->bound_pasid);
	} else if (!err && dr->caps.vendor == PASID_IOMMU_INTEL_VTD &&
		   (dr->caps.raw.vtd.ecap & VTD_ECAP_PASID) &&
		   (dr->caps.raw.vtd.ecap & VTD_ECAP_SMTS)) {
		/* the hardware has PASIDs, the kernel offers none */
		doctor_add(dr, "pasid", ST_FAIL,
			   "see intel_scalable_mode",
			   "the kernel reports no PASIDs for %s: VT-d scalable mode is off",
			   bdf);
	} else if (!err) {
		doctor_add(dr, "pasid", ST_UNSUPPORTED, NULL,
			   "the kernel reports no PASIDs for %s (IOMMU %s, %s)",
			   bdf, dr->info.iommu,
			   pasid_iommu_vendor_name(dr->caps.vendor));
	} else {
		doctor_add(dr, "pasid",
			   cli_exit_for(err) == EXIT_UNSUPPORTED ?
				   ST_UNSUPPORTED : ST_FAIL,
			   NULL, "%s %s: %s",
			   dr->dev_err ? "cannot open" : "a PASID bind failed on",
			   bdf, dr->dev_msg);
	}
}
