/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* pasidctl list [--all]: the devices libpasid can see, or every PCI one. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devfields.h"
#include "libpasid/libpasid.h"
#include "out.h"
#include "pasidctl.h"
#include "pcisys.h"
#include "usable.h"

static int list_iommu(void)
{
	struct pasid_devinfo d = { .size = sizeof(d) };
	struct pasid_devlist *list;
	size_t i, n;
	int ret;

	ret = pasid_devlist_new(&list);
	if (ret)
		return cli_fail("list", ret);
	n = pasid_devlist_count(list);
	out_list_begin("devices");
	for (i = 0; i < n; i++) {
		if (pasid_devlist_get(list, i, &d))
			continue;
		out_obj_begin();
		dev_fields(&d);
		dev_names(d.vendor_id, d.device_id);
		out_obj_end();
	}
	out_list_end();
	pasid_devlist_free(list);
	if (!n)
		fprintf(stderr, "pasidctl: no PCI device is behind an IOMMU here (is the IOMMU enabled? intel_iommu=on / amd_iommu=on; pasidctl list --all shows every device)\n");
	return 0;
}

/* Every device of bus/pci/devices, each with the reason it cannot be
 * opened; all facts are gathered first, since a failure must come before
 * the output (one JSON document, errors included). */
static int list_all(void)
{
	struct pasid_devinfo *info;
	struct usability *u;
	pcisys_bdf *bdfs;
	size_t i, n;
	int ret;

	ret = pcisys_devices(&bdfs, &n);
	if (ret) {
		fprintf(stderr, "pasidctl: list --all: cannot read %s/bus/pci/devices: %s\n",
			cli_env.sysfs, strerror(-ret));
		out_error("list --all", strerrorname_np(-ret), strerror(-ret));
		return EXIT_FAILED;
	}
	info = calloc(n ? n : 1, sizeof(*info));
	u = calloc(n ? n : 1, sizeof(*u));
	ret = info && u ? 0 : -ENOMEM;
	for (i = 0; i < n && !ret; i++) {
		info[i].size = sizeof(info[i]);
		ret = pasid_devinfo_get(bdfs[i], &info[i]);
		if (ret) {
			ret = cli_fail(bdfs[i], ret);
			goto out;
		}
		ret = usability_of(&info[i], &u[i]);
	}
	if (ret) {
		fprintf(stderr, "pasidctl: list --all: %s\n", strerror(-ret));
		out_error("list --all", strerrorname_np(-ret), strerror(-ret));
		ret = EXIT_FAILED;
		goto out;
	}
	out_list_begin("devices");
	for (i = 0; i < n; i++) {
		out_obj_begin();
		dev_fields(&info[i]);
		out_bool("usable", u[i].usable);
		out_str("why_not", u[i].reason);
		dev_names(info[i].vendor_id, info[i].device_id);
		out_obj_end();
	}
	out_list_end();
out:
	free(u);
	free(info);
	free(bdfs);
	return ret;
}

int cmd_list(const struct cli_opts *o)
{
	return o->all ? list_all() : list_iommu();
}
