/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The emulated kernel allocates too (its objects, its fd table), but those
 * are the kernel's memory, not the library's: this seam goes around the one
 * emu_init installed and runs every kernel call outside the window.
 */
#include <errno.h>
#include <sys/socket.h>

#include "alloc.h"
#include "failalloc.h"
#include "sys.h"

static const struct pasid_sys *kernel;

#define OUTSIDE(type, call)                                                  \
	do {                                                                  \
		int d_ = fa_pause();                                          \
		type r_ = (call);                                             \
		int e_ = errno;                                               \
		fa_resume(d_);                                                \
		errno = e_;                                                   \
		return r_;                                                    \
	} while (0)

static int s_open(const char *path, int flags, mode_t mode)
{
	OUTSIDE(int, kernel->open(path, flags, mode));
}

static int s_close(int fd)
{
	OUTSIDE(int, kernel->close(fd));
}

static int s_dup(int fd)
{
	OUTSIDE(int, kernel->dup(fd));
}

static int s_ioctl(int fd, unsigned long request, void *arg)
{
	OUTSIDE(int, kernel->ioctl(fd, request, arg));
}

static ssize_t s_pread(int fd, void *buf, size_t len, off_t off)
{
	OUTSIDE(ssize_t, kernel->pread(fd, buf, len, off));
}

static ssize_t s_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	OUTSIDE(ssize_t, kernel->pwrite(fd, buf, len, off));
}

static ssize_t s_read(int fd, void *buf, size_t len)
{
	OUTSIDE(ssize_t, kernel->read(fd, buf, len));
}

static ssize_t s_write(int fd, const void *buf, size_t len)
{
	OUTSIDE(ssize_t, kernel->write(fd, buf, len));
}

static void *s_mmap(void *addr, size_t len, int prot, int flags, int fd,
		    off_t off)
{
	OUTSIDE(void *, kernel->mmap(addr, len, prot, flags, fd, off));
}

static int s_munmap(void *addr, size_t len)
{
	OUTSIDE(int, kernel->munmap(addr, len));
}

static int s_fstat(int fd, struct stat *st)
{
	OUTSIDE(int, kernel->fstat(fd, st));
}

static ssize_t s_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	OUTSIDE(ssize_t, kernel->sendmsg ? kernel->sendmsg(fd, msg, flags) :
		sendmsg(fd, msg, flags));
}

static ssize_t s_recvmsg(int fd, struct msghdr *msg, int flags)
{
	OUTSIDE(ssize_t, kernel->recvmsg ? kernel->recvmsg(fd, msg, flags) :
		recvmsg(fd, msg, flags));
}

void alloc_seam_install(void)
{
	static struct pasid_sys ops = {
		.open = s_open, .close = s_close, .dup = s_dup,
		.ioctl = s_ioctl, .pread = s_pread, .pwrite = s_pwrite,
		.read = s_read, .write = s_write,
		.mmap = s_mmap, .munmap = s_munmap, .fstat = s_fstat,
		.sendmsg = s_sendmsg, .recvmsg = s_recvmsg,
	};

	kernel = pasid_sys;
	ops.sysfs_root = kernel->sysfs_root;
	pasid_sys_set(&ops);
}
