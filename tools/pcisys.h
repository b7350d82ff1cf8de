/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * What pasidctl reads from sysfs itself, below cli_env.sysfs, because the
 * public API does not enumerate it: every PCI device (the library lists
 * only those behind an IOMMU), a device's class, the members of its IOMMU
 * group. All return 0 or -errno and print nothing.
 */
#ifndef PASIDCTL_PCISYS_H
#define PASIDCTL_PCISYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef char pcisys_bdf[16];

/* The PCI addresses under bus/pci/devices, sorted; free(*bdfs). */
int pcisys_devices(pcisys_bdf **bdfs, size_t *n);
/* The members of IOMMU group n, sorted; free(*bdfs). */
int pcisys_group_members(int group, pcisys_bdf **bdfs, size_t *n);
/* The 24-bit class code ("0x060000" is a host bridge); -errno. */
int pcisys_class(const char *bdf, uint32_t *class_code);
/* The bound driver's name, "" when none. */
int pcisys_driver(const char *bdf, char *driver, size_t len);
/* A PCI bridge or host bridge: class 0x06xxxx. */
bool pcisys_is_bridge(uint32_t class_code);
/* Whether a device bound to this driver ("" none) lets the rest of its
 * IOMMU group go to VFIO (doc/kernel-rules.md §4.2). */
bool pcisys_driver_shares_group(const char *driver);

#endif
