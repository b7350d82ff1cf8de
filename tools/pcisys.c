/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* pasidctl's own sysfs reads; see pcisys.h. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pasidctl.h"
#include "pcisys.h"

static int cmp_bdf(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The names in <sysfs>/<rel> that look like PCI addresses, sorted. */
static int scan(const char *rel, pcisys_bdf **bdfs, size_t *n)
{
	char path[PATH_MAX];
	pcisys_bdf *v = NULL, *nv;
	size_t cap = 0, cnt = 0;
	struct dirent *e;
	DIR *d;

	*bdfs = NULL;
	*n = 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", cli_env.sysfs, rel) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		/* "0000:00:04.0": the only names there, but "." and ".." */
		if (strlen(e->d_name) != 12 || e->d_name[4] != ':')
			continue;
		if (cnt == cap) {
			cap = cap ? 2 * cap : 32;
			nv = reallocarray(v, cap, sizeof(*v));
			if (!nv) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
		}
		memcpy(v[cnt++], e->d_name, 13);
	}
	closedir(d);
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_bdf);
	*bdfs = v;
	*n = cnt;
	return 0;
}

int pcisys_devices(pcisys_bdf **bdfs, size_t *n)
{
	return scan("bus/pci/devices", bdfs, n);
}

int pcisys_group_members(int group, pcisys_bdf **bdfs, size_t *n)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "kernel/iommu_groups/%d/devices", group);
	return scan(rel, bdfs, n);
}

int pcisys_class(const char *bdf, uint32_t *class_code)
{
	char path[PATH_MAX], buf[32];
	unsigned long v;
	char *end;
	FILE *f;

	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/class",
		 cli_env.sysfs, bdf);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	errno = 0;
	v = strtoul(buf, &end, 16);
	if (errno || end == buf || v > 0xffffff)
		return -EINVAL;
	*class_code = (uint32_t)v;
	return 0;
}

int pcisys_driver(const char *bdf, char *driver, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	driver[0] = '\0';
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/driver",
		 cli_env.sysfs, bdf);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return errno == ENOENT ? 0 : -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	snprintf(driver, len, "%s", base ? base + 1 : target);
	return 0;
}

bool pcisys_is_bridge(uint32_t class_code)
{
	return (class_code >> 16) == 0x06;
}

bool pcisys_driver_shares_group(const char *driver)
{
	/* drivers that declare they do no DMA of their own through the
	 * group (driver_managed_dma), VFIO's, and none at all */
	return !driver[0] || strstr(driver, "vfio") ||
	       !strcmp(driver, "pci-stub") || !strcmp(driver, "pcieport");
}
