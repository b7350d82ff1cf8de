/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* Why a device is usable or not, and the fix; see usable.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pasidctl.h"
#include "pcisys.h"
#include "usable.h"

/* The driver_override hand-over of one device to vfio-pci, appended. */
static void add_bind_commands(struct usability *u, const char *bdf,
			      const char *driver)
{
	size_t len = strlen(u->fix);
	const char *sys = cli_env.sysfs;

	if (!len)
		len = (size_t)snprintf(u->fix, sizeof(u->fix), "as root: ");
	if (driver[0])
		len += (size_t)snprintf(u->fix + len, sizeof(u->fix) - len,
					"echo %s > %s/bus/pci/devices/%s/driver/unbind; ",
					bdf, sys, bdf);
	if (len < sizeof(u->fix))
		snprintf(u->fix + len, sizeof(u->fix) - len,
			 "echo vfio-pci > %s/bus/pci/devices/%s/driver_override; echo %s > %s/bus/pci/drivers_probe",
			 sys, bdf, bdf, sys);
}

/* The other members of the group, and which of them hold it back. */
static int read_siblings(const struct pasid_devinfo *d, struct usability *u,
			 char blocker[48])
{
	char drv[32];
	pcisys_bdf *m;
	size_t n, i;
	int ret;

	ret = pcisys_group_members(d->iommu_group, &m, &n);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	for (i = 0; i < n && !ret; i++) {
		if (!strcmp(m[i], d->bdf))
			continue;
		ret = pcisys_driver(m[i], drv, sizeof(drv));
		if (ret)
			break;
		if (u->nsiblings < USABLE_MAX_SIBLINGS)
			snprintf(u->siblings[u->nsiblings++], 48, "%s (%s)",
				 m[i], drv[0] ? drv : "no driver");
		if (pcisys_driver_shares_group(drv))
			continue;
		/* the first one is named in the fix, the count in the reason */
		if (!u->blockers++)
			snprintf(blocker, 48, "%s %s", m[i], drv);
	}
	free(m);
	return ret;
}

int usability_of(const struct pasid_devinfo *d, struct usability *u)
{
	char blocker[48] = "", bdf[16] = "", drv[32] = "";
	uint32_t cls = 0;
	bool vfio = strstr(d->driver, "vfio") != NULL;
	int ret;

	memset(u, 0, sizeof(*u));
	u->exit = EXIT_FAILED;
	if (d->iommu_group < 0) {
		u->exit = EXIT_UNSUPPORTED;
		snprintf(u->reason, sizeof(u->reason), "not behind an IOMMU");
		snprintf(u->fix, sizeof(u->fix),
			 "enable VT-d/AMD-Vi/SMMU in the firmware and the IOMMU in the kernel (intel_iommu=on or amd_iommu=on)");
		return 0;
	}
	ret = read_siblings(d, u, blocker);
	if (ret)
		return ret;
	ret = pcisys_class(d->bdf, &cls);
	if (ret && ret != -ENOENT)
		return ret;
	if (!vfio && pcisys_is_bridge(cls)) {
		u->exit = EXIT_UNSUPPORTED;
		snprintf(u->reason, sizeof(u->reason),
			 "a bridge: it is not handed to VFIO, the devices behind it are");
		return 0;
	}
	if (!vfio) {
		if (d->driver[0])
			snprintf(u->reason, sizeof(u->reason),
				 "bound to %s, not vfio-pci", d->driver);
		else
			snprintf(u->reason, sizeof(u->reason),
				 "bound to no driver, not vfio-pci");
		add_bind_commands(u, d->bdf, d->driver);
	}
	/* without a VFIO cdev the library reaches it through its VFIO group
	 * (the iommufd-group and type1 backends): usable for plain DMA */
	if (u->blockers) {
		size_t len = strlen(u->reason);

		snprintf(u->reason + len, sizeof(u->reason) - len,
			 "%sIOMMU group %d has %zu device(s) on a kernel driver",
			 len ? "; " : "", d->iommu_group, u->blockers);
		len = strlen(u->fix);
		sscanf(blocker, "%15s %31s", bdf, drv);
		/* the group goes to VFIO as a whole: its other device too */
		if (len && len < sizeof(u->fix))
			snprintf(u->fix + len, sizeof(u->fix) - len, "; then ");
		add_bind_commands(u, bdf, drv);
		len = strlen(u->fix);
		if (u->blockers > 1 && len < sizeof(u->fix))
			snprintf(u->fix + len, sizeof(u->fix) - len,
				 "; the same for the other group members on a kernel driver (see group_siblings)");
	}
	u->usable = !u->reason[0];
	return 0;
}
