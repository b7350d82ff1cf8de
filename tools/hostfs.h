/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Small reads of the machine's pseudo files below a root that the tests
 * move (cli_env.sysfs, .dev, .proc): doctor and bind look at more of the
 * platform than the library does. All return 0 or -errno and print nothing.
 */
#ifndef PASIDCTL_HOSTFS_H
#define PASIDCTL_HOSTFS_H

#include <stdbool.h>
#include <stddef.h>

/* buf = "<root>/<rel...>" (printf format); -ENAMETOOLONG when cut */
int host_path(char *buf, size_t len, const char *root, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The file's first len - 1 bytes, NUL-terminated; the newline a sysfs
 * attribute ends with is cut. */
int host_read(const char *path, char *buf, size_t len);
bool host_exists(const char *path);
/* cli_env.sysfs_write of the real machine: one write(2) of value. */
int host_write(const char *path, const char *value);

#endif
