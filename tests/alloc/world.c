/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* The emulated machine every alloc flow starts from; see alloc.h. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "alloc.h"
#include "emu.h"

static void world_of(enum emu_profile profile, bool smmu)
{
	const struct emu_dev_cfg devs[] = {
		{ .bdf = BDF_A, .iommu = EMU_IOMMU_INTEL, .pasid_log2 = 20,
		  .group = 1, .dirty = true, .pri = true },
		{ .bdf = BDF_B, .iommu = EMU_IOMMU_INTEL, .pasid_log2 = 20,
		  .group = 1, .dirty = true, .pri = true },
		{ .bdf = BDF_V, .iommu = EMU_IOMMU_VIRTIO, .group = 3 },
		{ .bdf = BDF_S, .iommu = EMU_IOMMU_SMMUV3, .pasid_log2 = 8,
		  .group = 4 },
	};
	size_t i, n = sizeof(devs) / sizeof(devs[0]) - !smmu;

	if (emu_init() || emu_set_profile(profile))
		alloc_bad("emu_init failed");
	for (i = 0; i < n; i++)
		if (emu_add_device(&devs[i]) != (int)i)
			alloc_bad("emu_add_device(%s) failed", devs[i].bdf);
	alloc_seam_install();
}

static void world(enum emu_profile profile)
{
	world_of(profile, false);
}

void alloc_world_smmu(void)
{
	world_of(EMU_PROFILE_CURRENT, true);
}

void alloc_world(void)
{
	world(EMU_PROFILE_CURRENT);
}

void alloc_world_on(enum emu_profile profile)
{
	world(profile);
}
