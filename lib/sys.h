/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The syscall seam: every kernel access of the library (iommufd, VFIO, sysfs)
 * goes through these functions, so the unit tests can replace the kernel with
 * an in-process emulation (tests/emu/) and inject failures.
 */
#ifndef LIBPASID_SYS_H
#define LIBPASID_SYS_H

#include <errno.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

struct msghdr;

struct pasid_sys {
	int (*open)(const char *path, int flags, mode_t mode);
	int (*close)(int fd);
	int (*dup)(int fd);		/* a close-on-exec duplicate */
	int (*ioctl)(int fd, unsigned long request, void *arg);
	ssize_t (*pread)(int fd, void *buf, size_t len, off_t off);
	ssize_t (*pwrite)(int fd, const void *buf, size_t len, off_t off);
	/* the event queue fds (fault queues, vEVENTQs): anonymous inodes,
	 * which take no pread/pwrite (ESPIPE) */
	ssize_t (*read)(int fd, void *buf, size_t len);
	ssize_t (*write)(int fd, const void *buf, size_t len);
	void *(*mmap)(void *addr, size_t len, int prot, int flags, int fd,
		      off_t off);
	int (*munmap)(void *addr, size_t len);
	int (*fstat)(int fd, struct stat *st);
	/* Unix socket messages with SCM_RIGHTS (share.c): a seam that leaves
	 * them NULL gets the real ones (the emulation adopts the emulated
	 * files whose fds it receives) */
	ssize_t (*sendmsg)(int fd, const struct msghdr *msg, int flags);
	ssize_t (*recvmsg)(int fd, struct msghdr *msg, int flags);
	/* Where sysfs is mounted ("/sys"); tests point it at a fake tree. */
	const char *sysfs_root;
};

/* The seam in use; the real kernel unless a test replaced it. */
extern const struct pasid_sys *pasid_sys;

/* Tests only (hidden): install ops, or NULL to restore the real kernel. */
void pasid_sys_set(const struct pasid_sys *ops);

/* Convenience wrappers that return -errno instead of -1/errno. */
int sys_open(const char *path, int flags);
int sys_close(int fd);
/* The seam's sendmsg and recvmsg, or the real ones; the count or -errno. */
ssize_t sys_sendmsg(int fd, const struct msghdr *msg, int flags);
ssize_t sys_recvmsg(int fd, struct msghdr *msg, int flags);

/* Inline: pasid_map and pasid_unmap call it every time, and a call more
 * is a tenth of what they may spend outside the kernel. */
static inline int sys_ioctl(int fd, unsigned long request, void *arg)
{
	return pasid_sys->ioctl(fd, request, arg) < 0 ? -errno : 0;
}

#endif
