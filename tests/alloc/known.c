/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Allocation failures the library is known to answer wrongly today, each
 * with the issue that tracks its fix. A point that matches one is counted
 * apart instead of failing the test; an entry that no run matches any more
 * fails it, so a fix cannot go unnoticed (remove the entry then).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "alloc.h"

static const struct known {
	const char *call;	/* how the step starts, as written in the flow */
	const char *failed;	/* the libc function that failed */
	long ret;		/* what the call returned instead of -ENOMEM */
	const char *why;
} known[] = {
	/* issue 8, "discovery turns any opendir failure into no VFIO cdev":
	 * lib/discover.c vfio_entry() answers -ENOENT ("no vfio-dev entry")
	 * whenever opendir() of <device>/vfio-dev fails, ENOMEM included */
	{ "pasid_dev_open(", "opendir", -EOPNOTSUPP,
	  "pasid_dev_open: opendir of vfio-dev failing with ENOMEM gives -EOPNOTSUPP \"no VFIO device cdev\" (lib/discover.c vfio_entry via vfio_cdev_of)" },
	{ "pasid_devinfo_get(", "opendir", 0,
	  "pasid_devinfo_get: opendir of vfio-dev failing with ENOMEM succeeds with vfio_cdev \"\" (lib/discover.c vfio_entry via discover_devinfo)" },
	{ "pasid_devlist_new(", "opendir", 0,
	  "pasid_devlist_new: the same, the device is listed without its cdev" },
	/* ... which pasid_dev_open's own pasid_devinfo_get (for the group)
	 * swallows; that call's failure would be ignored anyway
	 * (lib/device.c dev_setup: the device would get group -1) */
	{ "pasid_dev_open", "opendir", 0,
	  "pasid_dev_open(_fd): the same failure inside dev_setup's pasid_devinfo_get is swallowed (lib/device.c dev_setup ignores that call's errors)" },
	{ "pasidctl ", "opendir", 0,
	  "pasidctl list/info/selftest: the same, seen as exit 0 with no cdev in the output" },
	/* pasidctl's own */
	{ "pasidctl ", "calloc", 0,
	  "pasidctl list/selftest: tools/out.c out_list_begin ignores a failed calloc of the table: nothing is printed, exit 0" },
	{ NULL, NULL, 0, NULL }	/* the end */
};

int alloc_known(const char *call, const char *failed_fn, long ret)
{
	size_t i;

	for (i = 0; known[i].call; i++)
		if (!strncmp(known[i].call, call, strlen(known[i].call)) &&
		    !strcmp(known[i].failed, failed_fn) && known[i].ret == ret)
			return (int)i;
	return -1;
}

const char *alloc_known_why(int i)
{
	return known[i].why;
}

unsigned int alloc_nknown(void)
{
	unsigned int n = 0;

	while (known[n].call)
		n++;
	return n;
}
