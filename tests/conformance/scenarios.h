/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Conformance scenarios: the same raw iommufd / VFIO cdev ioctl sequences,
 * run against the in-process emulation (on-emu.c) and against a real kernel
 * in a VM (on-kernel.c). Every step prints one line
 *
 *     scenario/step: RESULT
 *
 * where RESULT is "ok" or the errno name, optionally followed by key=value
 * outputs. Lines starting with '#' are comments (not compared). Both drivers
 * print exactly the same format, so `diff` shows where the emulation's
 * kernel model and the real kernel disagree (tests/conformance/run).
 *
 * Everything goes through the syscall seam (lib/sys.h) with the structs of
 * lib/kabi.h, never through the library's API.
 */
#ifndef LIBPASID_TESTS_CONFORMANCE_SCENARIOS_H
#define LIBPASID_TESTS_CONFORMANCE_SCENARIOS_H

#include <stddef.h>

/*
 * The index-th (from 0) QEMU edu device (1234:11e8) with a VFIO cdev found
 * under pasid_sys->sysfs_root/bus/pci/devices (sorted by address): writes
 * "/dev/vfio/devices/vfioN" into path. 0 or -errno (-ENODEV: none).
 */
int conf_find_vfio(unsigned int index, char *path, size_t n);

/* Runs every scenario on the first device's cdev and /dev/iommu, printing
 * the lines; second (NULL if there is none) is the second device's cdev,
 * for the scenario with two devices. Returns the number of steps printed. */
unsigned int conf_run(const char *vfio_path, const char *second);

/* Number of scenarios conf_run() runs. */
unsigned int conf_scenarios(void);

#endif
