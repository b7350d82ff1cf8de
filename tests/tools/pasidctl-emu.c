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
 * and a healthy platform around them for doctor, bind and unbind: /dev/iommu
 * and the cdevs in a fake /dev, a fake /proc (the kernel booted with
 * intel_iommu=on,sm_on, MSIs remapped, an 8 MiB RLIMIT_MEMLOCK, a process
 * 4242 "dpdk-app" holding 0000:00:07.0's cdev), eth0 of 0000:00:08.0 up,
 * 0000:00:06.0's namespace nvme0n1 not mounted, the nvme and vfio-pci
 * drivers loaded. Writes to sysfs attributes go to the emulation's driver
 * core (emu_sysfs_write) and each is logged on stderr as
 * "emu: write 'VALUE' > PATH".
 *
 * PASIDCTL_EMU_PLATFORM breaks it, a comma-separated list of:
 *   sm-off       booted with intel_iommu=on,sm_off: the kernel reports no
 *                PASIDs for 0000:00:04.0
 *   no-iommufd   a kernel without iommufd (the emulation's type1 profile):
 *                no /dev/iommu, no cdevs
 *   no-irq-remap no remapped MSIs, iommufd.allow_unsafe_interrupts=N
 *   no-vfio-pci  the vfio-pci driver is not loaded: only 0000:00:06.0 (nvme)
 *   vfio-nvme    0000:00:06.0 is on vfio-pci (override set), nvme matches it
 *   shared-group 0000:00:0a.0, on nvme too, shares group 3 with 0000:00:06.0
 *   ro-sysfs     0000:00:06.0's driver_override is read-only (root's, as on
 *                a real machine to anyone else)
 *   nvme-mounted a partition of 0000:00:06.0's nvme0n1 is mounted on /data
 *
 * PASIDCTL_EMU_FAIL_WRITE=N makes the Nth sysfs write fail with EIO and
 * have no effect (logged as "emu: write ... failed").
 *
 * PASIDCTL_EMU_PROFILE=no-pasid|no-cdev|type1 picks an older kernel
 * generation (emu.h) for the tests of what pasidctl says about backends.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu.h"
#include "fake-host.h"
#include "fake-names.h"
#include "pasidctl.h"
#include "rawio.h"
#include "sys.h"

int pasidctl_main(int argc, char **argv);

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
	return fake_put(root, "devices/pci0000:00/0000:00:00.0/vendor", "0x8086\n", 7) ||
	       fake_put(root, "devices/pci0000:00/0000:00:00.0/device", "0x29c0\n", 7) ||
	       fake_put(root, "devices/pci0000:00/0000:00:00.0/class", "0x060000\n", 9) ||
	       fake_put(root, "devices/pci0000:00/0000:00:00.0/config", config,
			sizeof(config));
}

/* bench's raw path into the emulation, through the seam the library uses */
static int seam_open(const char *path, int flags, unsigned int mode)
{
	return pasid_sys->open(path, flags, (mode_t)mode);
}

static int seam_close(int fd)
{
	return pasid_sys->close(fd);
}

static int seam_ioctl(int fd, unsigned long req, void *arg)
{
	return pasid_sys->ioctl(fd, req, arg);
}

static const struct raw_sys raw_emu = { seam_open, seam_close, seam_ioctl };

static bool broken(const char *what)
{
	const char *p = getenv("PASIDCTL_EMU_PLATFORM");
	size_t n = strlen(what);

	for (; p && *p; p += strcspn(p, ","), p += *p == ',') {
		if (!strncmp(p, what, n) && (p[n] == ',' || !p[n]))
			return true;
	}
	return false;
}

static int logged_write(const char *path, const char *value)
{
	static int writes;
	const char *root = emu_sysfs_root(), *fail = getenv("PASIDCTL_EMU_FAIL_WRITE");
	size_t n = strlen(root);
	bool failing = fail && atoi(fail) == ++writes;

	fprintf(stderr, "emu: write '%s' > %s%s\n",
		strcmp(value, "\n") ? value : "", strncmp(path, root, n) ? path :
		path + n + 1, failing ? " failed" : "");
	return failing ? -EIO : emu_sysfs_write(path, value);
}

int main(int argc, char **argv)
{
	struct emu_dev_cfg devs[] = {
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
		{ .bdf = "0000:00:0a.0", .iommu = EMU_IOMMU_INTEL,
		  .group = 3, .driver = "nvme" },	/* shared-group only */
	};
	static const char *const profiles[] = {
		[EMU_PROFILE_CURRENT] = "current",
		[EMU_PROFILE_TYPE1] = "type1",
		[EMU_PROFILE_NO_CDEV] = "no-cdev",
		[EMU_PROFILE_NO_PASID] = "no-pasid",
	};
	const char *want = getenv("PASIDCTL_EMU_PROFILE");
	size_t i, p = EMU_PROFILE_CURRENT, ndevs = sizeof(devs) / sizeof(devs[0]) - 1;
	struct fake_host host = {
		.sm_off = broken("sm-off"),
		.no_iommufd = broken("no-iommufd"),
		.no_irq_remap = broken("no-irq-remap"),
		.no_vfio_pci = broken("no-vfio-pci"),
		.ro_override = broken("ro-sysfs") ? "0000:00:06.0" : NULL,
		.nvme_mounted = broken("nvme-mounted"),
	};
	char override[PATH_MAX];
	int ret;

	if (broken("sm-off")) {
		/* what the kernel then reports, for a device with PASIDs */
		devs[0].pci_pasid_log2 = devs[0].pasid_log2;
		devs[0].pasid_log2 = 0;
	}
	if (broken("vfio-nvme")) {
		devs[2].driver = NULL;
		devs[2].id_driver = "nvme";
	}
	if (broken("shared-group"))
		ndevs++;
	if (broken("no-vfio-pci")) {
		devs[0] = devs[2];
		ndevs = 1;
	}
	for (i = 0; want && i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (!strcmp(want, profiles[i]))
			p = i;
	if (emu_init() || emu_set_profile((enum emu_profile)p)) {
		fprintf(stderr, "pasidctl-emu: cannot set up the emulation\n");
		return 99;
	}
	if (broken("no-iommufd"))
		emu_set_profile(EMU_PROFILE_TYPE1);
	for (i = 0; i < ndevs; i++) {
		if (emu_add_device(&devs[i]) < 0) {
			fprintf(stderr, "pasidctl-emu: cannot add %s\n",
				devs[i].bdf);
			emu_fini();
			return 99;
		}
	}
	snprintf(override, sizeof(override),
		 "%s/bus/pci/devices/0000:00:06.0/driver_override",
		 emu_sysfs_root());
	if (add_host_bridge(emu_sysfs_root()) || fake_host_create(&host) ||
	    (broken("vfio-nvme") && emu_sysfs_write(override, "vfio-pci"))) {
		fprintf(stderr, "pasidctl-emu: cannot add the platform\n");
		emu_fini();
		return 99;
	}
	cli_env.pci_name = fake_pci_name;
	cli_env.sysfs_write = logged_write;
	cli_env.raw = &raw_emu;
	ret = pasidctl_main(argc, argv);
	fflush(stdout);
	emu_fini();
	return ret;
}
