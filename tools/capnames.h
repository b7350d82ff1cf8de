/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* The names pasidctl prints for the bits of pasid_caps.flags. */
#ifndef PASIDCTL_CAPNAMES_H
#define PASIDCTL_CAPNAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cap_name {
	uint32_t bit;		/* one PASID_CAP_* */
	const char *name;	/* its field in info's output */
	bool inverted;		/* the field says yes when the bit is clear */
};

extern const struct cap_name cap_names[];
extern const size_t ncap_names;

/* One bool field per named bit, then "cap_flags" (the raw word, so that a
 * bit newer than this table still shows). */
void cap_fields(uint32_t flags);

#endif
