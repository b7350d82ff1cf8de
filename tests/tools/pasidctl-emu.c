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
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
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

/* mkdir -p <root>/<rel> */
static int mkdirs(const char *root, const char *rel)
{
	char path[PATH_MAX], *p;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (p = path + strlen(root) + 1; ; p++) {
		if (*p == '/' || !*p) {
			char c = *p;

			*p = '\0';
			if (mkdir(path, 0755) && access(path, F_OK))
				return -1;
			*p = c;
			if (!c)
				return 0;
		}
	}
}

/* <root>/<rel> with text, its directory made first */
static int put_text(const char *root, const char *rel, const char *text)
{
	char dir[PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", rel);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		if (mkdirs(root, dir))
			return -1;
	}
	return put(root, rel, text, strlen(text));
}

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

/* The fake /dev and /proc below host, and what sysfs has beyond the
 * emulation's devices. */
static int add_platform(const char *host, const char *sys)
{
	char limits[512], cmdline[128], fd[PATH_MAX];
	int ret = 0;

	snprintf(cmdline, sizeof(cmdline),
		 "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro intel_iommu=on,%s\n",
		 broken("sm-off") ? "sm_off" : "sm_on");
	snprintf(limits, sizeof(limits),
		 "Limit                     Soft Limit           Hard Limit           Units     \n"
		 "Max open files            1024                 4096                 files     \n"
		 "Max locked memory         8388608              8388608              bytes     \n");
	if (!broken("no-iommufd")) {
		ret |= put_text(host, "dev/iommu", "");
		ret |= put_text(host, "dev/vfio/devices/vfio0", "");
		ret |= put_text(host, "dev/vfio/devices/vfio3", "");
	}
	ret |= put_text(host, "proc/cmdline", cmdline);
	ret |= put_text(host, "proc/self/limits", limits);
	ret |= put_text(host, "proc/self/status",
			"Name:\tpasidctl\nCapInh:\t0000000000000000\n"
			"CapEff:\t0000000000000000\n");
	ret |= put_text(host, "proc/interrupts", broken("no-irq-remap") ?
			"  24:  0  PCI-MSIX-0000:00:04.0  0-edge  vfio\n" :
			"  24:  0  IR-PCI-MSIX-0000:00:04.0  0-edge  vfio\n");
	ret |= put_text(host, "proc/mounts",
			"/dev/sda1 / ext4 rw 0 0\nproc /proc proc rw 0 0\n");
	ret |= put_text(host, "proc/4242/comm", "dpdk-app\n");
	ret |= mkdirs(host, "proc/4242/fd");
	if (!broken("no-iommufd"))
		ret |= put_text(sys, "module/iommufd/parameters/allow_unsafe_interrupts",
				"N\n");
	if (!broken("no-vfio-pci")) {
		ret |= put_text(sys, "devices/pci0000:00/0000:00:08.0/net/eth0/operstate",
				"up\n");
		ret |= mkdirs(sys, "bus/pci/drivers/vfio-pci");
	}
	ret |= mkdirs(sys, "devices/pci0000:00/0000:00:06.0/nvme/nvme0/nvme0n1");
	ret |= mkdirs(sys, "bus/pci/drivers/nvme");
	ret |= put_text(sys, "bus/pci/drivers/nvme/unbind", "");
	if (ret)
		return -1;
	/* process 4242 has 0000:00:07.0 (vfio3) open */
	snprintf(fd, sizeof(fd), "%s/proc/4242/fd/7", host);
	return symlink("/dev/vfio/devices/vfio3", fd);
}

static int logged_write(const char *path, const char *value)
{
	const char *root = emu_sysfs_root();
	size_t n = strlen(root);

	fprintf(stderr, "emu: write '%s' > %s\n",
		strcmp(value, "\n") ? value : "", strncmp(path, root, n) ? path :
		path + n + 1);
	return emu_sysfs_write(path, value);
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
	size_t i, ndevs = sizeof(devs) / sizeof(devs[0]) - 1;
	char host[PATH_MAX / 2], dev[PATH_MAX], proc[PATH_MAX];
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
	if (emu_init()) {
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
	/* inside the emulation's tree, which goes with it */
	snprintf(host, sizeof(host), "%s/host", emu_sysfs_root());
	snprintf(override, sizeof(override),
		 "%s/bus/pci/devices/0000:00:06.0/driver_override",
		 emu_sysfs_root());
	if (add_host_bridge(emu_sysfs_root()) || mkdir(host, 0755) ||
	    add_platform(host, emu_sysfs_root()) ||
	    (broken("vfio-nvme") && emu_sysfs_write(override, "vfio-pci"))) {
		fprintf(stderr, "pasidctl-emu: cannot add the platform\n");
		emu_fini();
		return 99;
	}
	snprintf(dev, sizeof(dev), "%s/dev", host);
	snprintf(proc, sizeof(proc), "%s/proc", host);
	cli_env.sysfs = emu_sysfs_root();
	cli_env.dev = dev;
	cli_env.proc = proc;
	cli_env.pci_name = fake_pci_name;
	cli_env.sysfs_write = logged_write;
	ret = pasidctl_main(argc, argv);
	fflush(stdout);
	emu_fini();
	return ret;
}
