/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* The real kernel behind the syscall seam. */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sys.h"

static int real_open(const char *path, int flags, mode_t mode)
{
	return open(path, flags | O_CLOEXEC, mode);
}

static int real_dup(int fd)
{
	return fcntl(fd, F_DUPFD_CLOEXEC, 0);
}

static int real_ioctl(int fd, unsigned long request, void *arg)
{
	return ioctl(fd, request, arg);
}

static const struct pasid_sys real_sys = {
	.open = real_open,
	.close = close,
	.dup = real_dup,
	.ioctl = real_ioctl,
	.pread = pread,
	.pwrite = pwrite,
	.read = read,
	.write = write,
	.mmap = mmap,
	.munmap = munmap,
	.fstat = fstat,
	.sysfs_root = "/sys",
};

const struct pasid_sys *pasid_sys = &real_sys;

void pasid_sys_set(const struct pasid_sys *ops)
{
	pasid_sys = ops ? ops : &real_sys;
}

int sys_open(const char *path, int flags)
{
	int fd = pasid_sys->open(path, flags | O_CLOEXEC, 0);

	return fd < 0 ? -errno : fd;
}

int sys_close(int fd)
{
	return pasid_sys->close(fd) < 0 ? -errno : 0;
}

ssize_t sys_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	ssize_t n = pasid_sys->sendmsg ? pasid_sys->sendmsg(fd, msg, flags) :
					 sendmsg(fd, msg, flags);

	return n < 0 ? -errno : n;
}

ssize_t sys_recvmsg(int fd, struct msghdr *msg, int flags)
{
	ssize_t n = pasid_sys->recvmsg ? pasid_sys->recvmsg(fd, msg, flags) :
					 recvmsg(fd, msg, flags);

	return n < 0 ? -errno : n;
}
