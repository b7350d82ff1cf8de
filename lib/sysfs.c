/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Small sysfs helpers for discovery. Paths are built from
 * pasid_sys->sysfs_root (a fake tree in the unit tests) and files are read
 * through the syscall seam; links use readlink() on those paths.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "sys.h"
#include "sysfs.h"

/* Small sysfs helpers. They return -errno; only -ENAMETOOLONG comes with a
 * message, because for every other error the caller knows better what a
 * missing file means (often: "absent", which is not a failure). */

int sysfs_too_long(const char *what)
{
	return pasid_err(NULL, ENAMETOOLONG,
			 "path too long: %.200s... (is the sysfs root too deep?)",
			 what);
}

/* buf = "<sysfs root>/<fmt...>" */
int sysfs_path(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n, m;

	n = snprintf(buf, len, "%s/", pasid_sys->sysfs_root);
	if (n < 0 || (size_t)n >= len)
		return sysfs_too_long(pasid_sys->sysfs_root);
	va_start(ap, fmt);
	m = vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)m >= len - n)
		return sysfs_too_long(buf);
	return 0;
}

/* Copy src into dst[len]; -ENAMETOOLONG (with message) if it does not fit. */
int sysfs_copy_name(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= len)
		return sysfs_too_long(src);
	memcpy(dst, src, n + 1);
	return 0;
}

bool sysfs_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* Read a small text attribute, trailing newline stripped. */
int sysfs_read_attr(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd, err;

	fd = sys_open(path, O_RDONLY);
	if (fd < 0)
		return fd;
	n = pasid_sys->pread(fd, buf, len - 1, 0);
	err = errno;
	sys_close(fd);
	if (n < 0)
		return -err;
	/* more than was asked for is no answer (and would write past buf) */
	if ((size_t)n > len - 1)
		return -EIO;
	buf[n] = '\0';
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	return 0;
}

/* The last component of a symlink's target ("dmar0" for .../iommu/dmar0). */
int sysfs_link_base(const char *path, char *out, size_t len)
{
	char target[PATH_MAX];
	const char *base;
	ssize_t n;

	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	return sysfs_copy_name(out, len, base ? base + 1 : target);
}

/* -err with a message for a sysfs directory that exists but could not be
 * read: the cause is this process's, not the kernel's configuration. */
int sysfs_dir_error(const char *path, int err)
{
	const char *hint;

	switch (err) {
	case EMFILE:
	case ENFILE:
		hint = "too many open files: close some, or raise the limit (ulimit -n)";
		break;
	case ENOMEM:
		hint = "out of memory";
		break;
	case EACCES:
	case EPERM:
		hint = "no permission to read it (is sysfs mounted with restricted access?)";
		break;
	default:
		hint = strerror(err);
		break;
	}
	return pasid_err(NULL, err, "cannot read the sysfs directory %s: %s",
			 path, hint);
}

/* -ENAMETOOLONG is the one helper error that must not read as "absent". */
bool sysfs_fatal(int ret)
{
	return ret == -ENAMETOOLONG;
}
