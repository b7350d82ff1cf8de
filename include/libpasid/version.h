/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * libpasid/version.h - the version of the libpasid headers a program is
 * compiled against (included by <libpasid/libpasid.h>). pasid_version()
 * gives the version of the library the program runs with, which may be
 * newer. meson.build refuses to configure when these differ from the
 * version in project().
 */
#ifndef LIBPASID_VERSION_H
#define LIBPASID_VERSION_H

#define LIBPASID_VERSION_MAJOR 0
#define LIBPASID_VERSION_MINOR 2
#define LIBPASID_VERSION_MICRO 0

/* One number that compares as the versions do (each part below 256). */
#define LIBPASID_VERSION_ENCODE(major, minor, micro) \
	(((major) << 16) | ((minor) << 8) | (micro))
#define LIBPASID_VERSION \
	LIBPASID_VERSION_ENCODE(LIBPASID_VERSION_MAJOR, \
				LIBPASID_VERSION_MINOR, LIBPASID_VERSION_MICRO)

#endif
