/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The conformance scenarios (scenarios.c) on the in-process emulation
 * (tests/emu), with the device model of one VM machine:
 *
 *     conformance-on-emu MACHINE
 *
 * MACHINE is intel-pasid or smmuv3-pasid (the patched QEMU: Intel, or SMMUv3
 * with 20 SubstreamID bits; edu with 20 PASID bits), intel, amd, virtio or
 * smmuv3 (stock QEMU edu: no PASID capability). The
 * output is the same as conformance-on-kernel's in that VM (two edus): the
 * cdev scenarios on the current kernel, then the legacy ones (legacy.c).
 */
#include <stdio.h>
#include <string.h>

#include "emu.h"
#include "scenarios.h"

static const struct {
	const char *machine;
	enum emu_iommu iommu;
	unsigned int pasid_log2;
} machines[] = {
	{ "intel-pasid", EMU_IOMMU_INTEL, 20 },
	{ "intel", EMU_IOMMU_INTEL, 0 },
	{ "amd", EMU_IOMMU_AMD, 0 },
	{ "virtio", EMU_IOMMU_VIRTIO, 0 },
	{ "smmuv3", EMU_IOMMU_SMMUV3, 0 },
	{ "smmuv3-pasid", EMU_IOMMU_SMMUV3, 20 },
};

/* Two edus in groups 3 and 4, as in main(), on the NO_CDEV kernel. */
static int legacy(struct emu_dev_cfg *cfg)
{
	struct conf_group g, g2;
	int ret;

	ret = emu_init();
	if (!ret)
		ret = emu_set_profile(EMU_PROFILE_NO_CDEV);
	cfg->bdf = "0000:00:03.0";
	cfg->group = 3;
	if (!ret)
		ret = emu_add_device(cfg) < 0 ? -1 : 0;
	cfg->bdf = "0000:00:04.0";
	cfg->group = 4;
	if (!ret)
		ret = emu_add_device(cfg) < 0 ? -1 : 0;
	if (!ret)
		ret = conf_find_group(0, &g);
	if (!ret)
		ret = conf_find_group(1, &g2);
	if (ret)
		return ret;
	conf_run_legacy(&g, &g2);
	emu_fini();
	return 0;
}

int main(int argc, char **argv)
{
	struct emu_dev_cfg cfg = { .bdf = "0000:00:03.0", .group = 3 };
	char path[256], second[256];
	size_t i;
	int ret;

	for (i = 0; argc == 2 && i < sizeof(machines) / sizeof(machines[0]); i++)
		if (!strcmp(argv[1], machines[i].machine))
			break;
	if (argc != 2 || i == sizeof(machines) / sizeof(machines[0])) {
		fprintf(stderr, "usage: %s intel-pasid|intel|amd|virtio|smmuv3|smmuv3-pasid\n",
			argv[0]);
		return 2;
	}
	cfg.iommu = machines[i].iommu;
	cfg.pasid_log2 = machines[i].pasid_log2;
	/* two edus, each in its own group, as run-vm --edu 2 gives */
	ret = emu_init();
	if (!ret)
		ret = emu_add_device(&cfg) < 0 ? -1 : 0;
	cfg.bdf = "0000:00:04.0";
	cfg.group = 4;
	if (!ret)
		ret = emu_add_device(&cfg) < 0 ? -1 : 0;
	if (!ret)
		ret = conf_find_vfio(0, path, sizeof(path));
	if (!ret)
		ret = conf_find_vfio(1, second, sizeof(second));
	if (ret) {
		fprintf(stderr, "%s: emulation setup failed (%d)\n", argv[0], ret);
		emu_fini();
		return 1;
	}
	printf("# conformance on the emulation: machine %s\n", argv[1]);
	conf_run(path, second);
	emu_fini();
	/* The legacy scenarios on a kernel with the group nodes and the
	 * type1 container besides iommufd, as the test kernel has them (the
	 * CURRENT profile has no legacy nodes; the NO_CDEV one is the same
	 * kernel without the cdevs, which these scenarios do not open). */
	ret = legacy(&cfg);
	if (ret) {
		fprintf(stderr, "%s: emulation setup failed (%d)\n", argv[0], ret);
		emu_fini();
		return 1;
	}
	conf_done();
	return 0;
}
