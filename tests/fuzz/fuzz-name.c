/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Device names as a user types them: a PCI address, a sysfs path, a VFIO
 * cdev path, or anything else. The input is the name; a leading '@' stands
 * for the emulation's sysfs root (a temporary directory), so real-path forms
 * are reachable too. Parsing, discovery and a full open run against the
 * emulated machine; every call must answer 0 or -errno with a message, a
 * parsed address must be canonical, and an open device must close leaving
 * nothing behind.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "discover.h"
#include "emu.h"
#include "fzcheck.h"

static struct pasid_ctx *ctx;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct emu_dev_cfg a = { .bdf = "0000:00:04.0", .iommu = EMU_IOMMU_INTEL,
				 .pasid_log2 = 8, .group = 1 };
	struct emu_dev_cfg n = { .bdf = "0000:00:07.0", .iommu = EMU_IOMMU_AMD,
				 .group = 2, .driver = "nvme" };

	(void)argc;
	(void)argv;
	if (emu_init() || emu_add_device(&a) < 0 || emu_add_device(&n) < 0 ||
	    pasid_ctx_open(&ctx, NULL))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pasid_devinfo info = { .size = sizeof(info) };
	char name[600], bdf[16], again[16];
	struct pasid_dev *dev = NULL;
	size_t len = size < 300 ? size : 300;
	int ret;

	if (len && data[0] == '@') {
		int n = snprintf(name, sizeof(name), "%s", emu_sysfs_root());

		memcpy(name + n, data + 1, len - 1);
		name[n + len - 1] = '\0';
	} else {
		memcpy(name, data, len);
		name[len] = '\0';
	}

	if (discover_parse_bdf(name, bdf) == 0) {
		FZ_CHECK(strlen(bdf) >= 12, "'%s' parsed as '%s'", name, bdf);
		FZ_CHECK(discover_parse_bdf(bdf, again) == 0 &&
			 !strcmp(bdf, again), "'%s' is not canonical", bdf);
	}

	ret = pasid_devinfo_get(name, &info);
	FZ_RET(ret, "pasid_devinfo_get");
	if (!ret) {
		FZ_STRFIELD(info.bdf);
		FZ_STRFIELD(info.driver);
		FZ_STRFIELD(info.iommu);
		FZ_STRFIELD(info.vfio_cdev);
	}

	ret = pasid_dev_open(ctx, name, &dev);
	FZ_RET(ret, "pasid_dev_open");
	FZ_CHECK(!ret == !!dev, "pasid_dev_open = %d, dev %p", ret, (void *)dev);
	pasid_dev_close(dev);
	/* only the context's iommufd is left */
	FZ_CHECK(emu_open_fds() == 1 && emu_live_objects() == 0,
		 "'%s': %u fds, %u objects after close", name, emu_open_fds(),
		 emu_live_objects());
	return 0;
}
