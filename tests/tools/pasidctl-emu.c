/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * pasidctl on the emulated kernel (tests/emu): sets up the devices below,
 * then runs pasidctl's own main (built with main renamed) on the command
 * line, with sysfs at the emulation's tree and the PCI names of
 * fake-names.c. For tests of what pasidctl prints about what sysfs says:
 *
 *   0000:00:00.0  a host bridge (8086:29c0), behind no IOMMU
 *   0000:00:04.0  Intel, PASID width 8, vfio-pci, group 1
 *   0000:00:05.0  Intel, group 2, bound to a driver whose name is not UTF-8
 *   0000:00:06.0  Intel, group 3, nvme
 *   0000:00:07.0  Intel, group 4, vfio-pci, but its sibling
 *   0000:00:08.0  is on e1000e
 *   0000:00:09.0  Intel, group 5, no driver
 *
 * PASIDCTL_EMU_PROFILE=no-pasid|no-cdev|type1 picks an older kernel
 * generation (emu.h) for the tests of what pasidctl says about backends.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu.h"
#include "fake-names.h"
#include "pasidctl.h"

int pasidctl_main(int argc, char **argv);

static int put(const char *root, const char *rel, const void *data,
	       size_t len)
{
	char path[PATH_MAX];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	ok = write(fd, data, len) == (ssize_t)len;
	close(fd);
	return ok ? 0 : -1;
}

/* A device the emulation does not model: no IOMMU, no driver. */
static int add_host_bridge(const char *root)
{
	static const char dir[] = "devices/pci0000:00/0000:00:00.0";
	unsigned char config[64] = { 0x86, 0x80, 0xc0, 0x29 };
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, dir);
	if (mkdir(path, 0755))
		return -1;
	snprintf(path, sizeof(path), "%s/bus/pci/devices/0000:00:00.0", root);
	if (symlink("../../../devices/pci0000:00/0000:00:00.0", path))
		return -1;
	return put(root, "devices/pci0000:00/0000:00:00.0/vendor", "0x8086\n", 7) ||
	       put(root, "devices/pci0000:00/0000:00:00.0/device", "0x29c0\n", 7) ||
	       put(root, "devices/pci0000:00/0000:00:00.0/class", "0x060000\n", 9) ||
	       put(root, "devices/pci0000:00/0000:00:00.0/config", config,
		   sizeof(config));
}

int main(int argc, char **argv)
{
	static const struct emu_dev_cfg devs[] = {
		{ .bdf = "0000:00:04.0", .iommu = EMU_IOMMU_INTEL,
		  .pasid_log2 = 8, .group = 1 },
		/* Latin-1 bytes, as an out-of-tree driver might be named */
		{ .bdf = "0000:00:05.0", .iommu = EMU_IOMMU_INTEL,
		  .group = 2, .driver = "pilote-\xe9t\xe9\xff" },
		{ .bdf = "0000:00:06.0", .iommu = EMU_IOMMU_INTEL,
		  .group = 3, .driver = "nvme" },
		{ .bdf = "0000:00:07.0", .iommu = EMU_IOMMU_INTEL,
		  .group = 4 },
		{ .bdf = "0000:00:08.0", .iommu = EMU_IOMMU_INTEL,
		  .group = 4, .driver = "e1000e" },
		{ .bdf = "0000:00:09.0", .iommu = EMU_IOMMU_INTEL,
		  .group = 5, .driver = "" },
	};
	static const char *const profiles[] = {
		[EMU_PROFILE_CURRENT] = "current",
		[EMU_PROFILE_TYPE1] = "type1",
		[EMU_PROFILE_NO_CDEV] = "no-cdev",
		[EMU_PROFILE_NO_PASID] = "no-pasid",
	};
	const char *want = getenv("PASIDCTL_EMU_PROFILE");
	size_t i, p = EMU_PROFILE_CURRENT;
	int ret;

	for (i = 0; want && i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (!strcmp(want, profiles[i]))
			p = i;
	if (emu_init() || emu_set_profile((enum emu_profile)p)) {
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
	if (add_host_bridge(emu_sysfs_root())) {
		fprintf(stderr, "pasidctl-emu: cannot add the host bridge\n");
		emu_fini();
		return 99;
	}
	cli_env.sysfs = emu_sysfs_root();
	cli_env.pci_name = fake_pci_name;
	ret = pasidctl_main(argc, argv);
	fflush(stdout);
	emu_fini();
	return ret;
}
