/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The library's own version, as compiled into it: a program compares it
 * with the LIBPASID_VERSION it was built against.
 */
#include "libpasid/libpasid.h"

PASID_API unsigned int pasid_version(void)
{
	return LIBPASID_VERSION;
}
