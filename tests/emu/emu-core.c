/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The seam (struct pasid_sys) over the emulated kernel: the fd table, file
 * lifetimes, fault injection and the counters. Paths that are not /dev/iommu
 * or /dev/vfio/... and fds that are not emulated go to the real kernel (the
 * fake sysfs tree is real files).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "emu-internal.h"

struct emu_state emu = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.selected_fd = -1,
};

int emu_grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	while (ncap <= n)
		ncap *= 2;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	memset((char *)p + *cap * elem, 0, (ncap - *cap) * elem);
	*arr = p;
	*cap = ncap;
	return 0;
}

static void lock(void)
{
	pthread_mutex_lock(&emu.lock);
}

static void unlock(void)
{
	pthread_mutex_unlock(&emu.lock);
}

struct emu_dev *emu_dev_by_index(int index)
{
	if (index < 0 || (size_t)index >= emu.ndevs)
		return NULL;
	return emu.devs[index];
}

/* ---- contexts ---------------------------------------------------------- */

void emu_ctx_get(struct emu_ctx *ctx)
{
	ctx->refs++;
}

/* The last reference gone = iommufd_fops_release(): every object dies. */
void emu_ctx_put(struct emu_ctx *ctx)
{
	struct emu_ctx **pp;

	if (--ctx->refs)
		return;
	emu_ctx_destroy_objects(ctx);
	for (pp = &emu.ctxs; *pp; pp = &(*pp)->next) {
		if (*pp == ctx) {
			*pp = ctx->next;
			break;
		}
	}
	free(ctx->objs);
	free(ctx);
}

/* ---- the fd table ------------------------------------------------------ */

static struct emu_fd *fd_lookup(int fd)
{
	size_t i;

	for (i = 0; i < emu.nfds; i++)
		if (emu.fds[i].fd == fd)
			return &emu.fds[i];
	return NULL;
}

struct emu_file *emu_file_of(int fd)
{
	struct emu_fd *e = fd_lookup(fd);

	return e ? e->file : NULL;
}

struct emu_ctx *emu_ctx_of_fd(int fd)
{
	struct emu_file *f = emu_file_of(fd);

	return f && f->kind == EMU_FILE_IOMMUFD ? f->ctx : NULL;
}

/* Record fd (a real one) as one more fd of file; 0 or -ENOMEM. */
static int fd_adopt(struct emu_file *file, int fd)
{
	if (EMU_GROW(emu.fds, emu.fds_cap, emu.nfds))
		return -ENOMEM;
	emu.fds[emu.nfds].fd = fd;
	emu.fds[emu.nfds].file = file;
	emu.nfds++;
	file->refs++;
	return 0;
}

/* An fd of file already in the table, or -1. */
static int fd_of_file(const struct emu_file *file)
{
	size_t i;

	for (i = 0; i < emu.nfds; i++)
		if (emu.fds[i].file == file)
			return emu.fds[i].fd;
	return -1;
}

/*
 * A real fd number, so numbers are unique and the library can close it.
 * Every fd of one file is a dup of one real open file (a memfd made for the
 * file's first fd), as every fd of a kernel file is: passed through a Unix
 * socket it arrives as that open file, and seam_recvmsg knows it by inode.
 */
int emu_fd_install(struct emu_file *file)
{
	int old = fd_of_file(file), fd, ret;
	struct stat st;

	if (old >= 0) {
		fd = fcntl(old, F_DUPFD_CLOEXEC, 0);
	} else {
		fd = memfd_create("emu-file", MFD_CLOEXEC);
		if (fd >= 0 && fstat(fd, &st)) {
			close(fd);
			fd = -1;
		} else if (fd >= 0) {
			file->st_dev = st.st_dev;
			file->st_ino = st.st_ino;
		}
	}
	if (fd < 0)
		return -errno;
	ret = fd_adopt(file, fd);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

/* The file whose real open file has this inode, or NULL. */
static struct emu_file *file_by_inode(dev_t dev, ino_t ino)
{
	size_t i;

	for (i = 0; i < emu.nfds; i++)
		if (emu.fds[i].file->st_ino == ino &&
		    emu.fds[i].file->st_dev == dev)
			return emu.fds[i].file;
	return NULL;
}

static void file_put(struct emu_file *file)
{
	if (--file->refs)
		return;
	if (file->kind == EMU_FILE_IOMMUFD)
		emu_ctx_put(file->ctx);
	else if (file->kind == EMU_FILE_CONTAINER)
		emu_t1_container_release(file);
	else if (file->kind == EMU_FILE_GROUP)
		emu_t1_group_release(file);
	else if (file->kind == EMU_FILE_EVENTQ)
		emu_eventq_release(file);
	else
		emu_vfio_release(file);
	free(file);
}

/* Counts a kernel call; true when fault injection says it fails. */
static bool kernel_call(int *err)
{
	emu.calls++;
	if (emu.fail_at && emu.calls == emu.fail_at) {
		emu.fail_at = 0;
		*err = emu.fail_err;
		return true;
	}
	return false;
}

/* ---- seam ops ---------------------------------------------------------- */

static int open_iommufd(void)
{
	struct emu_file *file;
	struct emu_ctx *ctx, **pp;
	int fd;

	file = calloc(1, sizeof(*file));
	ctx = calloc(1, sizeof(*ctx));
	if (!file || !ctx) {
		free(file);
		free(ctx);
		return -ENOMEM;
	}
	file->kind = EMU_FILE_IOMMUFD;
	file->ctx = ctx;
	ctx->refs = 1;
	fd = emu_fd_install(file);
	if (fd < 0) {
		free(file);
		free(ctx);
		return fd;
	}
	for (pp = &emu.ctxs; *pp; pp = &(*pp)->next)
		;
	*pp = ctx;
	return fd;
}

unsigned int emu_kernel(void)
{
	static const unsigned int version[] = {
		[EMU_PROFILE_CURRENT] = 703,
		[EMU_PROFILE_TYPE1] = 0,	/* no iommufd */
		[EMU_PROFILE_NO_CDEV] = 602,
		[EMU_PROFILE_NO_PASID] = 606,
	};

	return version[emu.profile];
}

/* vfio_device_add: cdev_device_add only with CONFIG_VFIO_DEVICE_CDEV */
bool emu_has_cdev(void)
{
	return emu.profile == EMU_PROFILE_CURRENT ||
	       emu.profile == EMU_PROFILE_NO_PASID;
}

/* /dev/vfio/vfio and /dev/vfio/<group>: modelled where they are all a
 * kernel has to reach a device (CURRENT and NO_PASID, which could have
 * them too, answer ENOENT: emu/README.md) */
bool emu_has_legacy_nodes(void)
{
	return !emu_has_cdev();
}

/* A VFIO device has a vfio-dev entry without a cdev (no dev file in it). */
static bool vfio_dev_entry_only(void)
{
	return emu.profile == EMU_PROFILE_NO_CDEV;
}

/* The device whose cdev is /dev/vfio/devices/vfio<minor>. */
static struct emu_dev *dev_by_minor(int minor)
{
	size_t i;

	for (i = 0; i < emu.ndevs; i++)
		if (emu.devs[i]->cdev && emu.devs[i]->minor == minor)
			return emu.devs[i];
	return NULL;
}

/* Each open of the cdev is its own vfio_device_file (kernel-rules §3.1). */
static int open_vfio(const char *name)
{
	struct emu_file *file;
	struct emu_dev *dev;
	char *end;
	long n;
	int fd;

	if (strncmp(name, "vfio", 4) || !name[4])
		return -ENOENT;
	errno = 0;
	n = strtol(name + 4, &end, 10);
	if (*end || errno || n < 0 || n > INT_MAX)
		return -ENOENT;
	dev = dev_by_minor((int)n);
	if (!dev)
		return -ENOENT;
	file = calloc(1, sizeof(*file));
	if (!file)
		return -ENOMEM;
	file->kind = EMU_FILE_VFIO;
	file->dev = dev;
	fd = emu_fd_install(file);
	if (fd < 0)
		free(file);
	return fd;
}

static int seam_open(const char *path, int flags, mode_t mode)
{
	int ret, err;

	if (strcmp(path, "/dev/iommu") && strncmp(path, "/dev/vfio/", 10))
		return open(path, flags, mode);

	lock();
	if (kernel_call(&err)) {
		unlock();
		errno = err;
		return -1;
	}
	if (!strcmp(path, "/dev/iommu"))
		ret = emu_kernel() ? open_iommufd() : -ENOENT;
	else if (!strncmp(path, "/dev/vfio/devices/", 18))
		ret = emu_has_cdev() ? open_vfio(path + 18) : -ENOENT;
	else if (!emu_has_legacy_nodes())
		ret = -ENOENT;	/* legacy /dev/vfio/vfio and groups: absent */
	else if (!strcmp(path, "/dev/vfio/vfio"))
		ret = emu_t1_open_container();
	else if (!strchr(path + 10, '/'))
		ret = emu_t1_open_group(path + 10);
	else
		ret = -ENOENT;
	unlock();
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}

static int seam_close(int fd)
{
	struct emu_file *file = NULL;
	struct emu_fd *e;

	lock();
	e = fd_lookup(fd);
	if (e) {
		file = e->file;
		*e = emu.fds[--emu.nfds];
		if (emu.selected_fd == fd)
			emu.selected_fd = -1;
		file_put(file);
	}
	unlock();
	/* the number stays ours until here, so no one can reuse it early */
	return close(fd);
}

static int seam_dup(int fd)
{
	struct emu_file *file;
	struct emu_fd *e;
	int nfd;

	lock();
	e = fd_lookup(fd);
	if (!e) {
		unlock();
		return fcntl(fd, F_DUPFD_CLOEXEC, 0);
	}
	file = e->file;
	nfd = emu_fd_install(file);
	unlock();
	if (nfd < 0) {
		errno = -nfd;
		return -1;
	}
	return nfd;
}

/*
 * A Unix socket carries real fds: an emulated file's fds arrive as new
 * numbers of its real open file, which become fds of the emulated file
 * too (as the kernel's SCM_RIGHTS installs a reference to the same file).
 * Not modelled: a file whose last fd closes while one is in flight dies
 * (the kernel keeps it for the receiver); the in-flight fd then arrives as
 * a plain memfd.
 */
static ssize_t seam_recvmsg(int fd, struct msghdr *msg, int flags)
{
	ssize_t n = recvmsg(fd, msg, flags);
	struct cmsghdr *c;
	int err = errno;

	if (n < 0)
		return n;
	lock();
	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		size_t i, nfd;
		int *fds = (int *)CMSG_DATA(c);

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfd; i++) {
			struct emu_file *file;
			struct stat st;

			if (fstat(fds[i], &st))
				continue;
			file = file_by_inode(st.st_dev, st.st_ino);
			/* no room in the table: the fd stays a plain one */
			if (file)
				(void)fd_adopt(file, fds[i]);
		}
	}
	unlock();
	errno = err;
	return n;
}

static int seam_ioctl(int fd, unsigned long req, void *arg)
{
	struct emu_file *file;
	int ret, err;

	lock();
	file = emu_file_of(fd);
	if (!file) {
		unlock();
		return ioctl(fd, req, arg);
	}
	if (kernel_call(&err))
		ret = -err;
	else if (file->kind == EMU_FILE_IOMMUFD)
		ret = emu_iommufd_ioctl(file->ctx, req, arg);
	else if (file->kind == EMU_FILE_CONTAINER)
		ret = emu_t1_container_ioctl(file, req, arg);
	else if (file->kind == EMU_FILE_GROUP)
		ret = emu_t1_group_ioctl(file, req, arg);
	else
		ret = emu_vfio_ioctl(file, req, arg);
	unlock();
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}

/* pread/pwrite (off) and, stream, read/write: the VFIO device file takes
 * the first, an event queue's anonymous inode the second only (no
 * FMODE_PREAD: ESPIPE); iommufd and VFIO containers/groups neither */
static ssize_t rw(int fd, void *buf, size_t len, off_t off, bool out,
		  bool stream)
{
	struct emu_file *file;
	ssize_t ret;
	int err;

	lock();
	file = emu_file_of(fd);
	if (!file) {
		unlock();
		if (stream)
			return out ? write(fd, buf, len) : read(fd, buf, len);
		return out ? pwrite(fd, buf, len, off) : pread(fd, buf, len, off);
	}
	if (kernel_call(&err))
		ret = -err;
	else if (file->kind == EMU_FILE_EVENTQ)
		ret = stream ? emu_eventq_rw(file, buf, len, out) : -ESPIPE;
	else if (file->kind != EMU_FILE_VFIO || stream)
		ret = -EINVAL;
	else
		ret = emu_vfio_rw(file, buf, len, off, out);
	unlock();
	if (ret < 0) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

static ssize_t seam_read(int fd, void *buf, size_t len)
{
	return rw(fd, buf, len, 0, false, true);
}

static ssize_t seam_write(int fd, const void *buf, size_t len)
{
	return rw(fd, (void *)buf, len, 0, true, true);
}

static ssize_t seam_pread(int fd, void *buf, size_t len, off_t off)
{
	return rw(fd, buf, len, off, false, false);
}

static ssize_t seam_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	return rw(fd, (void *)buf, len, off, true, false);
}

static void *seam_mmap(void *addr, size_t len, int prot, int flags, int fd,
		       off_t off)
{
	struct emu_file *file;
	void *ret = MAP_FAILED;
	int err = 0;

	lock();
	file = fd < 0 ? NULL : emu_file_of(fd);
	if (!file) {
		unlock();
		return mmap(addr, len, prot, flags, fd, off);
	}
	if (kernel_call(&err))
		;
	else if (file->kind != EMU_FILE_VFIO)
		err = ENODEV;	/* nothing to mmap without a vIOMMU queue */
	else
		ret = emu_vfio_mmap(file, addr, len, prot, flags, off, &err);
	if (ret != MAP_FAILED && EMU_GROW(emu.maps, emu.maps_cap, emu.nmaps)) {
		munmap(ret, len);
		ret = MAP_FAILED;
		err = ENOMEM;
	}
	if (ret != MAP_FAILED) {
		emu.maps[emu.nmaps++] = (struct emu_map){ ret, len, file };
		file->refs++;
	}
	unlock();
	if (ret == MAP_FAILED)
		errno = err;
	return ret;
}

/* Unmapping a whole BAR mapping drops its hold on the file (the last hold
 * gone: the device is unbound, as at the last close). Partial unmaps are
 * not modelled: the mapping holds the file until it is unmapped whole. */
static int seam_munmap(void *addr, size_t len)
{
	struct emu_file *file = NULL;
	int ret = munmap(addr, len);
	size_t i;

	if (ret)
		return ret;
	lock();
	for (i = 0; i < emu.nmaps; i++) {
		if (emu.maps[i].addr == addr && emu.maps[i].len <= len) {
			file = emu.maps[i].file;
			emu.maps[i] = emu.maps[--emu.nmaps];
			break;
		}
	}
	if (file)
		file_put(file);
	unlock();
	return 0;
}

static int seam_fstat(int fd, struct stat *st)
{
	struct emu_file *file;
	dev_t rdev = 0;
	int ret;

	lock();
	file = emu_file_of(fd);
	if (file && file->kind == EMU_FILE_IOMMUFD)
		rdev = makedev(EMU_IOMMU_MAJOR, EMU_IOMMU_MINOR);
	else if (file && file->kind == EMU_FILE_CONTAINER)
		rdev = makedev(EMU_IOMMU_MAJOR, EMU_VFIO_CONTAINER_MINOR);
	else if (file && file->kind == EMU_FILE_GROUP)
		rdev = makedev(EMU_GROUP_MAJOR, (unsigned int)file->group->id);
	else if (file)	/* a group's device fd is an anon inode: no rdev */
		rdev = file->from_group ? 0 :
		       makedev(EMU_VFIO_MAJOR, file->dev->minor);
	unlock();
	ret = fstat(fd, st);
	if (!ret && file) {
		st->st_mode = S_IFCHR | 0600;
		st->st_rdev = rdev;
	}
	return ret;
}

/* ---- init / fini ------------------------------------------------------- */

static void free_dev(struct emu_dev *dev)
{
	if (dev->bar_fd >= 0)
		close(dev->bar_fd);
	free(dev->pasids);
	free(dev);
}

static void teardown(void)
{
	struct emu_group *g;
	size_t i;

	/* Close every emulated fd the test left open: files drop their
	 * bindings and contexts exactly as a process exit would. */
	while (emu.nfds) {
		struct emu_fd e = emu.fds[--emu.nfds];

		file_put(e.file);
		close(e.fd);
	}
	free(emu.fds);
	emu.fds = NULL;
	emu.fds_cap = 0;
	/* and the BAR mappings it left, as the exit would */
	while (emu.nmaps) {
		struct emu_map m = emu.maps[--emu.nmaps];

		munmap(m.addr, m.len);
		file_put(m.file);
	}
	free(emu.maps);
	emu.maps = NULL;
	emu.maps_cap = 0;
	while (emu.ctxs) {	/* only if something leaked a reference */
		struct emu_ctx *ctx = emu.ctxs;

		ctx->refs = 1;
		emu_ctx_put(ctx);
	}
	for (i = 0; i < emu.ndevs; i++)
		free_dev(emu.devs[i]);
	free(emu.devs);
	emu.devs = NULL;
	emu.ndevs = emu.devs_cap = 0;
	while ((g = emu.groups)) {
		emu.groups = g->next;
		free(g->att);
		free(g);
	}
	emu_sysfs_remove();
	emu.calls = emu.fail_at = 0;
	emu.fail_entry = 0;
	emu.selected_fd = -1;
	emu.profile = EMU_PROFILE_CURRENT;
	emu.t1_dma_entry_limit = 0;
	emu.up = false;
}

/* A test process that dies with the emulation up (a failed check in a
 * forked test) still removes its tree; not a fork that inherited it. */
static pid_t owner_pid;

static void at_exit(void)
{
	if (emu.up && getpid() == owner_pid)
		emu_sysfs_remove();
}

int emu_init(void)
{
	static bool registered;
	int ret;

	lock();
	if (emu.up)
		teardown();
	if (!registered)
		registered = !atexit(at_exit);
	owner_pid = getpid();
	emu.sys = (struct pasid_sys){
		.open = seam_open,
		.close = seam_close,
		.dup = seam_dup,
		.ioctl = seam_ioctl,
		.pread = seam_pread,
		.pwrite = seam_pwrite,
		.read = seam_read,
		.write = seam_write,
		.mmap = seam_mmap,
		.munmap = seam_munmap,
		.fstat = seam_fstat,
		.recvmsg = seam_recvmsg,
	};
	ret = emu_sysfs_create();
	if (!ret) {
		emu.sys.sysfs_root = emu.root;
		emu.up = true;
		pasid_sys_set(&emu.sys);
	}
	unlock();
	return ret;
}

void emu_fini(void)
{
	lock();
	pasid_sys_set(NULL);
	if (emu.up)
		teardown();
	unlock();
}

const char *emu_sysfs_root(void)
{
	return emu.root;
}

int emu_set_profile(enum emu_profile profile)
{
	int ret = 0;

	lock();
	if (!emu.up || profile > EMU_PROFILE_NO_PASID)
		ret = -EINVAL;
	else if (emu.ndevs)
		ret = -EBUSY;	/* devices were made for the other one */
	else
		emu.profile = profile;
	unlock();
	return ret;
}

void emu_set_t1_dma_entry_limit(unsigned int limit)
{
	lock();
	emu.t1_dma_entry_limit = limit;
	unlock();
}

static bool valid_bdf(const char *s)
{
	unsigned int d, b, s2, f;
	char c;

	return s && strlen(s) == 12 &&
	       sscanf(s, "%4x:%2x:%2x.%1u%c", &d, &b, &s2, &f, &c) == 4 &&
	       s2 < 32 && f < 8;
}

static struct emu_group *get_group(int id)
{
	struct emu_group *g;

	for (g = emu.groups; g; g = g->next)
		if (g->id == id)
			return g;
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->id = id;
	g->next = emu.groups;
	emu.groups = g;
	return g;
}

int emu_add_device(const struct emu_dev_cfg *cfg)
{
	struct emu_dev *dev;
	size_t i;
	int ret;

	if (!cfg || !valid_bdf(cfg->bdf) || cfg->group < 0 ||
	    cfg->iommu > EMU_IOMMU_VIRTIO || cfg->pasid_log2 > 20 ||
	    cfg->pci_pasid_log2 > 20)
		return -EINVAL;
	lock();
	if (!emu.up) {
		ret = -ENODEV;
		goto out;
	}
	for (i = 0; i < emu.ndevs; i++) {
		if (!strcmp(emu.devs[i]->bdf, cfg->bdf)) {
			ret = -EEXIST;
			goto out;
		}
	}
	ret = -ENOMEM;
	if (EMU_GROW(emu.devs, emu.devs_cap, emu.ndevs))
		goto out;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		goto out;
	dev->bar_fd = -1;
	dev->index = (int)emu.ndevs;
	snprintf(dev->bdf, sizeof(dev->bdf), "%s", cfg->bdf);
	snprintf(dev->driver, sizeof(dev->driver), "%s",
		 cfg->driver ? cfg->driver : "vfio-pci");
	snprintf(dev->id_driver, sizeof(dev->id_driver), "%s",
		 cfg->id_driver ? cfg->id_driver :
		 strstr(dev->driver, "vfio") ? "" : dev->driver);
	dev->cfg = *cfg;
	dev->cfg.bdf = dev->bdf;
	dev->cfg.driver = dev->driver;
	dev->cfg.id_driver = dev->id_driver;
	dev->vfio = strstr(dev->driver, "vfio") != NULL;
	dev->variant = dev->vfio && strcmp(dev->driver, "vfio-pci");
	dev->cdev = dev->vfio && !cfg->no_cdev && emu_has_cdev();
	/* the vfio-dev entry's number, the cdev's minor; a device made
	 * without a cdev (cfg->no_cdev) has no entry either */
	dev->minor = dev->cdev || (dev->vfio && vfio_dev_entry_only()) ?
		     dev->index : -1;
	dev->has_resv = true;
	if (cfg->iommu == EMU_IOMMU_SMMUV3) {
		dev->resv_start = 0x8000000;	/* MSI_IOVA_BASE, SW MSI */
		dev->resv_last = 0x80fffff;
	} else {
		dev->resv_start = 0xfee00000;	/* x86 interrupt window */
		dev->resv_last = 0xfeefffff;
	}
	emu_dev_init_config(dev, dev->config, false);
	dev->bar_fd = memfd_create("emu-bar0", MFD_CLOEXEC);
	dev->group = get_group(cfg->group);
	if (dev->bar_fd < 0 || ftruncate(dev->bar_fd, EMU_BAR0_SIZE) ||
	    !dev->group) {
		free_dev(dev);
		goto out;
	}
	ret = emu_sysfs_add_device(dev);
	if (ret) {
		free_dev(dev);
		goto out;
	}
	emu.devs[emu.ndevs++] = dev;
	ret = dev->index;
out:
	unlock();
	return ret;
}

void emu_set_reserved(int vfio_index, uint64_t start, uint64_t last)
{
	struct emu_dev *dev;

	lock();
	dev = emu_dev_by_index(vfio_index);
	if (dev) {
		dev->has_resv = start <= last;
		dev->resv_start = start;
		dev->resv_last = last;
		emu_sysfs_update_resv(dev);
	}
	unlock();
}

/* Whether a file of dev is open (an fd, or a mapping of its BAR). */
static bool dev_in_use(const struct emu_dev *dev)
{
	size_t i;

	for (i = 0; i < emu.nfds; i++)
		if (emu.fds[i].file->kind == EMU_FILE_VFIO &&
		    emu.fds[i].file->dev == dev)
			return true;
	for (i = 0; i < emu.nmaps; i++)
		if (emu.maps[i].file->dev == dev)
			return true;
	return false;
}

/* The lowest cdev number no device has (the kernel's ida_alloc). */
static int free_minor(void)
{
	size_t i;
	int m;

	for (m = 0;; m++) {
		for (i = 0; i < emu.ndevs && emu.devs[i]->minor != m; i++)
			;
		if (i == emu.ndevs)
			return m;
	}
}

int emu_vfio_unbind(int vfio_index)
{
	struct emu_dev *dev;
	int ret = 0;

	lock();
	dev = emu_dev_by_index(vfio_index);
	if (!dev || !dev->vfio)
		ret = dev ? -EINVAL : -ENODEV;
	else if (dev_in_use(dev))
		ret = -EBUSY;	/* the kernel waits for the last close */
	if (!ret) {
		emu_sysfs_remove_driver(dev);
		dev->driver[0] = '\0';
		dev->vfio = dev->variant = dev->cdev = false;
		dev->minor = -1;
	}
	unlock();
	return ret;
}

int emu_vfio_bind(int vfio_index)
{
	struct emu_dev *dev;
	int ret;

	lock();
	dev = emu_dev_by_index(vfio_index);
	if (!dev || dev->driver[0]) {
		ret = dev ? -EBUSY : -ENODEV;
		goto out;
	}
	snprintf(dev->driver, sizeof(dev->driver), "vfio-pci");
	dev->vfio = true;
	dev->cdev = emu_has_cdev();
	dev->minor = dev->cdev || vfio_dev_entry_only() ? free_minor() : -1;
	ret = emu_sysfs_add_driver(dev);
	if (ret) {
		dev->driver[0] = '\0';
		dev->vfio = dev->cdev = false;
		dev->minor = -1;
		goto out;
	}
	ret = dev->cdev ? dev->minor : 0;
out:
	unlock();
	return ret;
}

/* ---- fault injection and counters -------------------------------------- */

void emu_fail_call(unsigned int nth, int err)
{
	lock();
	emu.fail_at = nth ? emu.calls + nth : 0;
	emu.fail_err = err;
	unlock();
}

unsigned int emu_calls(void)
{
	unsigned int n;

	lock();
	n = emu.calls;
	unlock();
	return n;
}

unsigned int emu_live_objects(void)
{
	unsigned int n;

	lock();
	n = emu_count_objects();
	unlock();
	return n;
}

unsigned int emu_open_fds(void)
{
	unsigned int n;

	lock();
	n = (unsigned int)emu.nfds;
	unlock();
	return n;
}

unsigned long emu_mapped_bytes(void)
{
	unsigned long n = 0;
	struct emu_ctx *ctx;
	size_t i;

	lock();
	for (ctx = emu.ctxs; ctx; ctx = ctx->next)
		for (i = 1; i < ctx->objs_cap; i++)
			if (ctx->objs[i] && ctx->objs[i]->type == EMU_OBJ_IOAS)
				n += emu_ioas_bytes(ctx->objs[i]);
	unlock();
	return n;
}

void emu_select_ctx(int iommufd)
{
	lock();
	emu.selected_fd = iommufd;
	unlock();
}
