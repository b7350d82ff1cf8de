/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The names of the PASID_CAP_* bits. Every bit libpasid.h defines must be
 * here: tests/tools/check-caps reads the header and fails on a bit that
 * info does not print.
 */
#include "capnames.h"
#include "libpasid/libpasid.h"
#include "out.h"

const struct cap_name cap_names[] = {
	{ PASID_CAP_PASID_EXEC, "pasid_exec", false },
	{ PASID_CAP_PASID_PRIV, "pasid_priv", false },
	{ PASID_CAP_DIRTY_TRACKING, "dirty_tracking", false },
	{ PASID_CAP_NESTING, "nesting", false },
	{ PASID_CAP_PRI, "pri", false },
	/* said the way round a user asks it: can ATS be used? */
	{ PASID_CAP_NO_ATS, "ats_usable", true },
	{ PASID_CAP_NEST_NO_READONLY, "nest_no_readonly", false },
	{ PASID_CAP_NEST_REPEAT_INVALIDATE, "nest_repeat_invalidate", false },
	{ PASID_CAP_PASID_WIDTH_ROUNDED, "pasid_width_rounded", false },
};
const size_t ncap_names = sizeof(cap_names) / sizeof(cap_names[0]);

void cap_fields(uint32_t flags)
{
	for (size_t i = 0; i < ncap_names; i++)
		out_bool(cap_names[i].name,
			 !(flags & cap_names[i].bit) == cap_names[i].inverted);
	out_hex("cap_flags", flags);
}
