/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * pasidctl on the emulated kernel (tests/emu): sets up the devices below,
 * then runs pasidctl's own main (built with main renamed) on the command
 * line. For tests of what pasidctl prints about what sysfs says:
 *
 *   0000:00:04.0  Intel, PASID width 8, vfio-pci
 *   0000:00:05.0  Intel, bound to a driver whose name is not UTF-8
 */
#include <stdio.h>

#include "emu.h"

int pasidctl_main(int argc, char **argv);

int main(int argc, char **argv)
{
	static const struct emu_dev_cfg devs[] = {
		{ .bdf = "0000:00:04.0", .iommu = EMU_IOMMU_INTEL,
		  .pasid_log2 = 8, .group = 1 },
		/* Latin-1 bytes, as an out-of-tree driver might be named */
		{ .bdf = "0000:00:05.0", .iommu = EMU_IOMMU_INTEL,
		  .group = 2, .driver = "pilote-\xe9t\xe9\xff" },
	};
	size_t i;
	int ret;

	if (emu_init()) {
		fprintf(stderr, "pasidctl-emu: cannot set up the emulation\n");
		return 99;
	}
	for (i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		if (emu_add_device(&devs[i]) < 0) {
			fprintf(stderr, "pasidctl-emu: cannot add %s\n",
				devs[i].bdf);
			emu_fini();
			return 99;
		}
	}
	ret = pasidctl_main(argc, argv);
	fflush(stdout);
	emu_fini();
	return ret;
}
