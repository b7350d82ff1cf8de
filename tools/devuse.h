/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Whether someone uses a device right now, so that bind and unbind can
 * refuse rather than pull it away: read from sysfs and /proc (below
 * cli_env's roots). Both return 0 or -errno and print nothing; what they
 * find goes into why as one phrase, "" when nothing is seen.
 */
#ifndef PASIDCTL_DEVUSE_H
#define PASIDCTL_DEVUSE_H

#include <stddef.h>

#include "libpasid/libpasid.h"

/* The host's use through the device's kernel driver: a network interface
 * that is up, a block device that is mounted or held (LVM, RAID, dm). */
int devuse_host(const char *bdf, char *why, size_t len);
/* The processes that have the device's VFIO cdev or its group's
 * /dev/vfio/N open: "process 4242 (dpdk-app)". Without root only the
 * caller's own processes can be seen. */
int devuse_vfio(const struct pasid_devinfo *d, char *why, size_t len);

#endif
