/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Conformance scenarios: the same raw iommufd / VFIO cdev ioctl sequences
 * (scenarios.c), and the legacy VFIO group with the type1 container or an
 * iommufd (legacy.c), run against the in-process emulation (on-emu.c) and
 * against a real kernel in a VM (on-kernel.c). Every step prints one line
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

#include <stdarg.h>
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

/*
 * The legacy VFIO scenarios (legacy.c): the type1 container and a group
 * with an iommufd as its container. An edu's IOMMU group and PCI address.
 */
struct conf_group {
	int group;		/* /dev/vfio/<group> */
	char bdf[256];		/* the device name for GET_DEVICE_FD */
};

/* The index-th (from 0) edu with an IOMMU group, sorted by address, as
 * conf_find_vfio() counts them. 0 or -errno (-ENODEV: none). */
int conf_find_group(unsigned int index, struct conf_group *g);

/* Runs the legacy scenarios on g (and g2, a second group, or NULL). */
void conf_run_legacy(const struct conf_group *g, const struct conf_group *g2);
unsigned int conf_legacy_scenarios(void);

/* Prints the closing comment line that says the run completed (the
 * scenarios and steps of both conf_run and conf_run_legacy). */
void conf_done(void);

/* One result line "scenario/name: RESULT[ fmt...]" (scenarios.c's format;
 * fmt is printed on success only, or always when it starts with '!'). */
void conf_vstep(const char *scenario, const char *name, int ret,
		const char *fmt, va_list ap);

#endif
