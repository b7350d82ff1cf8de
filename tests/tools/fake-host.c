/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* See fake-host.h. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu.h"
#include "fake-host.h"
#include "pasidctl.h"

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

int fake_put(const char *root, const char *rel, const void *data, size_t len)
{
	char path[PATH_MAX], *slash;
	int fd, ok;

	snprintf(path, sizeof(path), "%s", rel);
	slash = strrchr(path, '/');
	if (slash) {
		*slash = '\0';
		if (mkdirs(root, path))
			return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	ok = write(fd, data, len) == (ssize_t)len;
	close(fd);
	return ok ? 0 : -1;
}

static int text(const char *root, const char *rel, const char *s)
{
	return fake_put(root, rel, s, strlen(s));
}

static char dev_root[PATH_MAX / 2], proc_root[PATH_MAX / 2];

int fake_host_create(const struct fake_host *h)
{
	const char *sys = emu_sysfs_root();
	char host[PATH_MAX / 4], path[PATH_MAX];
	int ret = 0;

	/* inside the emulation's tree, which goes with it */
	snprintf(host, sizeof(host), "%s/host", sys);
	if (mkdir(host, 0755))
		return -1;
	if (!h->no_iommufd) {
		ret |= text(host, "dev/iommu", "");
		for (int n = 0; n < 4; n++) {
			snprintf(path, sizeof(path), "dev/vfio/devices/vfio%d", n);
			ret |= text(host, path, "");
		}
		ret |= text(sys, "module/iommufd/parameters/allow_unsafe_interrupts",
			    "N\n");
	}
	ret |= text(host, "proc/cmdline", h->sm_off ?
		    "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro intel_iommu=on,sm_off\n" :
		    "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro intel_iommu=on,sm_on\n");
	ret |= text(host, "proc/self/limits",
		    "Limit                     Soft Limit           Hard Limit           Units     \n"
		    "Max open files            1024                 4096                 files     \n"
		    "Max locked memory         8388608              8388608              bytes     \n");
	ret |= text(host, "proc/self/status",
		    "Name:\tpasidctl\nCapInh:\t0000000000000000\n"
		    "CapEff:\t0000000000000000\n");
	ret |= text(host, "proc/interrupts", h->no_irq_remap ?
		    "  24:  0  PCI-MSIX-0000:00:04.0  0-edge  vfio\n" :
		    "  24:  0  IR-PCI-MSIX-0000:00:04.0  0-edge  vfio\n");
	ret |= text(host, "proc/mounts", h->nvme_mounted ?
		    "/dev/sda1 / ext4 rw 0 0\n/dev/nvme0n1p2 /data xfs rw 0 0\n" :
		    "/dev/sda1 / ext4 rw 0 0\nproc /proc proc rw 0 0\n");
	ret |= text(host, "proc/4242/comm", "dpdk-app\n");
	ret |= mkdirs(host, "proc/4242/fd");
	ret |= text(sys, "devices/pci0000:00/0000:00:08.0/net/eth0/operstate",
		    "up\n");
	ret |= mkdirs(sys, "devices/pci0000:00/0000:00:06.0/nvme/nvme0/nvme0n1");
	ret |= text(sys, "bus/pci/drivers/nvme/unbind", "");
	if (!h->no_vfio_pci)
		ret |= mkdirs(sys, "bus/pci/drivers/vfio-pci");
	if (h->ro_override) {
		snprintf(path, sizeof(path),
			 "%s/devices/pci0000:00/%s/driver_override", sys,
			 h->ro_override);
		ret |= chmod(path, 0444);
	}
	/* process 4242 has vfio3 open */
	snprintf(path, sizeof(path), "%s/proc/4242/fd/7", host);
	ret |= symlink("/dev/vfio/devices/vfio3", path);
	snprintf(dev_root, sizeof(dev_root), "%s/dev", host);
	snprintf(proc_root, sizeof(proc_root), "%s/proc", host);
	cli_env.sysfs = sys;
	cli_env.dev = dev_root;
	cli_env.proc = proc_root;
	return ret ? -1 : 0;
}
