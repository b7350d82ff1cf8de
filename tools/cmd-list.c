/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* pasidctl list / info: discovery and the capability report. */
#include <stdio.h>

#include "libpasid/libpasid.h"
#include "out.h"
#include "pasidctl.h"

static void devinfo_fields(const struct pasid_devinfo *d)
{
	char id[16];

	snprintf(id, sizeof(id), "%04x:%04x", d->vendor_id, d->device_id);
	out_str("device", d->bdf);
	out_str("id", id);
	out_str("iommu", d->iommu);
	out_str("vendor", pasid_iommu_vendor_name(d->iommu_vendor));
	out_int("group", d->iommu_group);
	out_str("driver", d->driver);
	out_str("cdev", d->vfio_cdev);
	out_int("pci_pasid_width", d->pci_pasid_width);
}

int cmd_list(void)
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
		devinfo_fields(&d);
		out_obj_end();
	}
	out_list_end();
	pasid_devlist_free(list);
	if (!n)
		fprintf(stderr, "pasidctl: no PCI device is behind an IOMMU here (is the IOMMU enabled? intel_iommu=on / amd_iommu=on)\n");
	return 0;
}

static void caps_fields(const struct pasid_caps *c)
{
	static const char *const owners[] = {
		[PASID_TABLE_NONE] = "none",
		[PASID_TABLE_KERNEL] = "kernel",
		[PASID_TABLE_USER_DELEGATABLE] = "user-delegatable",
	};

	out_str("iommu_vendor", pasid_iommu_vendor_name(c->vendor));
	out_int("hw_info_type", c->hw_info_type);
	out_int("pasid_width", c->pasid_width);
	out_int("max_pasid", c->pasid_width ? (1ll << c->pasid_width) - 1 : 0);
	out_bool("pasid_exec", c->flags & PASID_CAP_PASID_EXEC);
	out_bool("pasid_priv", c->flags & PASID_CAP_PASID_PRIV);
	out_bool("dirty_tracking", c->flags & PASID_CAP_DIRTY_TRACKING);
	out_bool("nesting", c->flags & PASID_CAP_NESTING);
	out_bool("pri", c->flags & PASID_CAP_PRI);
	out_bool("ats_usable", !(c->flags & PASID_CAP_NO_ATS));
	out_str("pasid_table", c->table_owner <= PASID_TABLE_USER_DELEGATABLE ?
		owners[c->table_owner] : "?");
	out_int("iova_bits", c->iova_bits);
	switch (c->vendor) {
	case PASID_IOMMU_INTEL_VTD:
		out_hex("vtd_cap", c->raw.vtd.cap);
		out_hex("vtd_ecap", c->raw.vtd.ecap);
		break;
	case PASID_IOMMU_ARM_SMMUV3:
		for (int i = 0; i < 6; i++) {
			char k[16];

			snprintf(k, sizeof(k), "smmu_idr%d", i);
			out_hex(k, c->raw.smmuv3.idr[i]);
		}
		break;
	case PASID_IOMMU_AMD_VI:
		out_hex("amd_efr", c->raw.amd.efr);
		out_hex("amd_efr2", c->raw.amd.efr2);
		break;
	default:
		break;
	}
}

int cmd_info(const char *name)
{
	struct pasid_devinfo d = { .size = sizeof(d) };
	struct pasid_caps caps = { .size = sizeof(caps) };
	struct pasid_ctx *ctx;
	struct pasid_dev *dev;
	int ret;

	ret = pasid_devinfo_get(name, &d);
	if (ret)
		return cli_fail(name, ret);
	ret = pasid_ctx_open(&ctx, NULL);
	if (ret)
		return cli_fail("open /dev/iommu", ret);
	ret = pasid_dev_open(ctx, name, &dev);
	if (ret) {
		cli_fail(name, ret);
		pasid_ctx_close(ctx);
		return 1;
	}
	pasid_dev_caps(dev, &caps);
	out_obj_begin();
	devinfo_fields(&d);
	caps_fields(&caps);
	out_obj_end();
	pasid_ctx_close(ctx);
	return 0;
}
