/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */

/*
 * pasidctl info DEV: the capability report of a device libpasid can open;
 * for any other PCI device what sysfs and config space say, why it cannot
 * be opened and what to type about it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "capnames.h"
#include "devfields.h"
#include "libpasid/libpasid.h"
#include "out.h"
#include "pasidctl.h"
#include "usable.h"

const char *cli_backend_name(enum pasid_backend b)
{
	static const char *const names[] = {
		[PASID_BACKEND_IOMMUFD] = "iommufd",
		[PASID_BACKEND_TYPE1] = "vfio-type1",
		[PASID_BACKEND_IOMMUFD_GROUP] = "iommufd-vfio-group",
	};

	return b < sizeof(names) / sizeof(names[0]) && names[b] ? names[b] : "?";
}

static void caps_fields(const struct pasid_caps *c)
{
	static const char *const owners[] = {
		[PASID_TABLE_NONE] = "none",
		[PASID_TABLE_KERNEL] = "kernel",
		[PASID_TABLE_USER_DELEGATABLE] = "user-delegatable",
	};

	/* which kernel interface the library speaks to this device (PASIDs
	 * need iommufd) */
	out_str("backend", cli_backend_name(c->backend));
	/* the IOMMU vendor is the device fields' iommu_vendor: once */
	out_int("hw_info_type", c->hw_info_type);
	out_int("pasid_width", c->pasid_width);
	out_int("max_pasid", c->pasid_width ? (1ll << c->pasid_width) - 1 : 0);
	cap_fields(c->flags);
	out_str("pasid_table", c->table_owner <= PASID_TABLE_USER_DELEGATABLE ?
		owners[c->table_owner] : "?");
	out_int("iova_bits", c->iova_bits);
	switch (c->vendor) {
	case PASID_IOMMU_INTEL_VTD:
		out_hex("vtd_cap", c->raw.vtd.cap);
		out_hex("vtd_ecap", c->raw.vtd.ecap);
		/* IOMMU_HW_INFO_VTD_* (the erratum flag) */
		out_hex("vtd_flags", c->raw.vtd.flags);
		break;
	case PASID_IOMMU_ARM_SMMUV3:
		for (int i = 0; i < 6; i++) {
			char k[16];

			snprintf(k, sizeof(k), "smmu_idr%d", i);
			out_hex(k, c->raw.smmuv3.idr[i]);
		}
		out_hex("smmu_iidr", c->raw.smmuv3.iidr);
		out_hex("smmu_aidr", c->raw.smmuv3.aidr);
		out_hex("smmu_flags", c->raw.smmuv3.flags);
		break;
	case PASID_IOMMU_AMD_VI:
		out_hex("amd_efr", c->raw.amd.efr);
		out_hex("amd_efr2", c->raw.amd.efr2);
		break;
	default:
		break;
	}
}

/* The capability report of a device bound to VFIO; 0 or the exit status,
 * the reason in u->reason (the library's message). */
static int read_caps(const struct cli_opts *o, const char *name,
		     struct pasid_caps *caps, struct usability *u)
{
	struct pasid_ctx_opts co;
	struct pasid_ctx *ctx;
	struct pasid_dev *dev;
	int ret;

	cli_ctx_opts(o, &co);
	ret = pasid_ctx_open(&ctx, &co);
	if (ret) {
		snprintf(u->reason, sizeof(u->reason), "%s", pasid_errmsg());
		/* no /dev/iommu: this kernel has no iommufd */
		return ret == -ENOENT ? EXIT_UNSUPPORTED : cli_exit_for(ret);
	}
	ret = pasid_dev_open(ctx, name, &dev);
	if (!ret)
		ret = pasid_dev_caps(dev, caps);
	if (ret)
		snprintf(u->reason, sizeof(u->reason), "%s", pasid_errmsg());
	pasid_ctx_close(ctx);
	return ret ? cli_exit_for(ret) : 0;
}

static void pci_fields(const struct pasid_devinfo *d, const struct usability *u)
{
	const char *sib[USABLE_MAX_SIBLINGS];

	for (size_t i = 0; i < u->nsiblings; i++)
		sib[i] = u->siblings[i];
	out_bool("is_vf", d->is_vf);
	out_int("pci_ats", d->pci_ats);
	out_int("pci_pri", d->pci_pri);
	out_str_array("group_siblings", sib, u->nsiblings);
	dev_names(d->vendor_id, d->device_id);
}

int cmd_info(const struct cli_opts *o, const char *name)
{
	struct pasid_devinfo d = { .size = sizeof(d) };
	struct pasid_caps caps = { .size = sizeof(caps) };
	struct usability u;
	int ret;

	ret = pasid_devinfo_get(name, &d);
	if (ret)
		return cli_fail(name, ret);
	ret = usability_of(&d, &u);
	if (ret) {
		fprintf(stderr, "pasidctl: %s: reading sysfs: %s\n", name,
			strerror(-ret));
		out_error(name, strerrorname_np(-ret), strerror(-ret));
		return EXIT_FAILED;
	}
	/* a device on VFIO whose group is held back is still opened: the
	 * library's refusal is the reason, the fix names the sibling */
	if (u.usable || (u.blockers && strstr(d.driver, "vfio"))) {
		ret = read_caps(o, name, &caps, &u);
	} else {
		ret = u.exit;
	}
	out_obj_begin();
	dev_fields(&d);
	pci_fields(&d, &u);
	if (!ret) {
		caps_fields(&caps);
	} else {
		out_str("caps_unavailable", u.reason);
		out_str("fix", u.fix);
	}
	out_obj_end();
	if (ret) {
		fprintf(stderr, "pasidctl: %s: no capability report: %s\n",
			d.bdf, u.reason);
		if (u.fix[0])
			fprintf(stderr, "pasidctl: to use %s: %s\n",
				d.bdf, u.fix);
	}
	return ret;
}
