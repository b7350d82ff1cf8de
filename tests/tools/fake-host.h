/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The machine around the emulated devices that pasidctl doctor, bind and
 * unbind look at: a fake /dev and /proc inside the emulation's tree (which
 * emu_fini removes), and what sysfs has beyond the devices. Healthy by
 * default: /dev/iommu and the cdevs vfio0..vfio3, the kernel booted with
 * intel_iommu=on,sm_on, MSIs remapped, iommufd.allow_unsafe_interrupts=N,
 * an 8 MiB RLIMIT_MEMLOCK without CAP_IPC_LOCK, / mounted from sda1, a
 * process 4242 "dpdk-app" holding vfio3, eth0 of 0000:00:08.0 up, an NVMe
 * namespace of 0000:00:06.0 not mounted, the nvme and vfio-pci drivers
 * loaded. fake_host_create points cli_env's roots at it.
 */
#ifndef PASIDCTL_TESTS_FAKE_HOST_H
#define PASIDCTL_TESTS_FAKE_HOST_H

#include <stdbool.h>
#include <stddef.h>

struct fake_host {
	bool sm_off;		/* booted with intel_iommu=on,sm_off */
	bool no_iommufd;	/* no /dev/iommu, no cdevs, no iommufd module */
	bool no_irq_remap;	/* MSIs not remapped */
	bool no_vfio_pci;	/* the vfio-pci driver not loaded */
	const char *ro_override; /* this device's driver_override read-only */
	bool nvme_mounted;	/* a partition of 0000:00:06.0's nvme0n1 mounted */
};

/* 0, or -1 when a file could not be made. After emu_add_device. */
int fake_host_create(const struct fake_host *h);
/* <root>/<rel> with len bytes of data, its directories made first. */
int fake_put(const char *root, const char *rel, const void *data, size_t len);

#endif
