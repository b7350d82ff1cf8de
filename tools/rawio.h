/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The kernel calls libpasid makes for a map, an unmap, a bind and an
 * unbind, made directly, as pasidctl bench's baseline. The iommufd and
 * VFIO cdev structs are declared here because the tools may not use the
 * library's internal ones and the system's <linux/iommufd.h> may be too
 * old to have them (or missing: Debian 12 ships 6.1 headers); the type1
 * ones come from <linux/vfio.h>, which every supported system has.
 * Layouts are the kernel's uAPI (include/uapi/linux/iommufd.h, vfio.h);
 * the asserts pin them.
 */
#ifndef PASIDCTL_RAWIO_H
#define PASIDCTL_RAWIO_H

#include <stdint.h>

/* The seam the raw calls go through: the kernel, or (tests) the emulation
 * the library uses too. Each returns what the syscall does (-1 + errno). */
struct raw_sys {
	int (*open)(const char *path, int flags, unsigned int mode);
	int (*close)(int fd);
	int (*ioctl)(int fd, unsigned long req, void *arg);
};
extern const struct raw_sys raw_kernel;

/* Each returns 0 or -errno. */
int raw_ioas_map(const struct raw_sys *s, int iommufd, uint32_t ioas,
		 void *va, uint64_t len, uint64_t *iova);
int raw_ioas_unmap(const struct raw_sys *s, int iommufd, uint32_t ioas,
		   uint64_t iova, uint64_t len);
/* A PASID-capable page table of dev_id on ioas. */
int raw_hwpt_alloc_pasid(const struct raw_sys *s, int iommufd, uint32_t dev_id,
			 uint32_t ioas, uint32_t *hwpt);
int raw_destroy(const struct raw_sys *s, int iommufd, uint32_t id);
int raw_pasid_attach(const struct raw_sys *s, int vfio_fd, uint32_t pt,
		     uint32_t pasid);
int raw_pasid_detach(const struct raw_sys *s, int vfio_fd, uint32_t pasid);

/* A type1 container of its own holding group (a kernel without iommufd):
 * 0 and the two fds, or -errno with nothing left open. */
int raw_t1_open(const struct raw_sys *s, int group, int *container,
		int *group_fd);
void raw_t1_close(const struct raw_sys *s, int container, int group_fd);
int raw_t1_map(const struct raw_sys *s, int container, void *va, uint64_t len,
	       uint64_t iova);
int raw_t1_unmap(const struct raw_sys *s, int container, uint64_t iova,
		 uint64_t len);

#endif
