/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The vendor payload of IOMMU_GET_HW_INFO, decoded by each vendor table
 * (Intel VT-d, ARM SMMUv3, AMD-Vi, the generic one) whatever type the
 * kernel claimed and however long it said the payload was; then the
 * table's page-table flag rules and its no-PASID hint on what it decoded.
 * Also the sysfs IOMMU instance names. Decoding must read only len bytes
 * and produce values the caps fields can hold.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fzcheck.h"
#include "input.h"
#include "kabi.h"
#include "iommu/vendor.h"

/* every PASID_CAP_* bit a decoder or the pasid_width op may set */
#define KNOWN_CAPS (0x3fu | PASID_CAP_NEST_NO_READONLY |			\
		    PASID_CAP_NEST_REPEAT_INVALIDATE |			\
		    PASID_CAP_PASID_WIDTH_ROUNDED)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct pasid_vendor_ops *const tables[] = {
	&pasid_vendor_intel, &pasid_vendor_smmuv3, &pasid_vendor_amd,
	&pasid_vendor_generic,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	uint32_t type = in_u32(&in), hwpt_flags = in_u32(&in);
	uint32_t cap_flags = in_u32(&in);
	const struct pasid_vendor_ops *by_type = pasid_vendor_by_hw_info(type);
	char name[64];
	size_t t;

	FZ_CHECK(by_type != NULL, "no table for type %u", type);
	in_str(&in, name, sizeof(name));
	FZ_CHECK(pasid_vendor_by_instance(name) <= PASID_IOMMU_OTHER,
		 "instance '%s'", name);

	for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		const struct pasid_vendor_ops *v = tables[t];
		struct pasid_caps caps = { .size = sizeof(caps) };
		const char *why = NULL;
		/* a copy of exactly the payload: ASan sees a read past it */
		uint8_t *payload = malloc(in.n ? in.n : 1);
		int ret;

		memcpy(payload, in.p, in.n);
		caps.flags = cap_flags & 0x3f;
		caps.vendor = v->vendor;
		caps.hw_info_type = v->hw_info_type;
		if (v->decode)
			v->decode(in.n ? payload : NULL, in.n, &caps);
		free(payload);
		FZ_CHECK(caps.table_owner <= PASID_TABLE_USER_DELEGATABLE,
			 "table owner %d", caps.table_owner);
		FZ_CHECK(caps.iova_bits <= 64, "iova_bits %u", caps.iova_bits);
		FZ_CHECK(!(caps.flags & ~KNOWN_CAPS), "flags 0x%x", caps.flags);
		if (v->pasid_width) {
			uint32_t reported = hwpt_flags & 0x1f;

			caps.pasid_width = reported;
			FZ_CHECK(v->pasid_width(&caps, (int)(cap_flags >> 8) - 1) <=
					 reported, "pasid_width above the kernel's");
			FZ_CHECK(!(caps.flags & ~KNOWN_CAPS), "flags 0x%x",
				 caps.flags);
		}
		if (v->pasid_attach_limit) {
			why = v->pasid_attach_limit(&caps);
			FZ_CHECK(!why || why[0], "empty attach limit");
		}
		if (v->check_hwpt_flags) {
			ret = v->check_hwpt_flags(&caps, hwpt_flags, &why);
			FZ_CHECK(ret == 0 || (ret == -EOPNOTSUPP && why && why[0]),
				 "check_hwpt_flags = %d", ret);
		}
		if (v->no_pasid_hint) {
			why = v->no_pasid_hint(&caps);
			FZ_CHECK(why && why[0], "no hint");
		}
	}
	return 0;
}
