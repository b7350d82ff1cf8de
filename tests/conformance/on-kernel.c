/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The conformance scenarios (scenarios.c) on the real kernel: a guest
 * program for tests/vm/run-vm. It takes the first edu device with a VFIO
 * cdev found in sysfs (and the second, for the scenario with two devices:
 * run it with --edu 2) and /dev/iommu, and prints the same lines as
 * conformance-on-emu does for that machine. Exit 0 when it ran (the
 * comparison is tests/conformance/run's job), 1 without a device.
 */
#include <stdio.h>
#include <string.h>

#include "scenarios.h"

int main(int argc, char **argv)
{
	char path[256], second[256];
	struct conf_group g, g2;
	int ret;

	ret = conf_find_vfio(0, path, sizeof(path));
	if (ret) {
		printf("# conformance: no edu with a VFIO cdev (%s)\n",
		       strerror(-ret));
		return 1;
	}
	printf("# conformance on the kernel: machine %s, %s\n",
	       argc > 1 ? argv[1] : "?", path);
	conf_run(path, conf_find_vfio(1, second, sizeof(second)) ? NULL : second);
	/* the same kernel's legacy nodes: the type1 container and groups */
	if (!conf_find_group(0, &g))
		conf_run_legacy(&g, conf_find_group(1, &g2) ? NULL : &g2);
	else
		printf("# conformance: no edu with an IOMMU group\n");
	conf_done();
	return 0;
}
