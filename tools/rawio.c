/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* Raw iommufd, VFIO cdev and type1 calls; see rawio.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "rawio.h"

/* ---- the iommufd uAPI (include/uapi/linux/iommufd.h) ---- */

#define IOMMUFD_IOCTL(nr) _IO(';', 0x80 + (nr))
#define RAW_IOMMU_DESTROY IOMMUFD_IOCTL(0x0)
#define RAW_IOMMU_IOAS_MAP IOMMUFD_IOCTL(0x5)
#define RAW_IOMMU_IOAS_UNMAP IOMMUFD_IOCTL(0x6)
#define RAW_IOMMU_HWPT_ALLOC IOMMUFD_IOCTL(0x9)
/* VFIO_DEVICE_{ATTACH,DETACH}_IOMMUFD_PT: VFIO_BASE (100) + 19 and + 20 */
#define RAW_VFIO_ATTACH_PT _IO(';', 100 + 19)
#define RAW_VFIO_DETACH_PT _IO(';', 100 + 20)

#define RAW_MAP_WRITEABLE (1u << 1)
#define RAW_MAP_READABLE (1u << 2)
#define RAW_HWPT_ALLOC_PASID (1u << 3)
#define RAW_VFIO_PT_PASID (1u << 0)	/* VFIO_DEVICE_{ATTACH,DETACH}_PASID */

struct raw_destroy_arg {
	uint32_t size, id;
};

struct raw_ioas_map_arg {
	uint32_t size, flags, ioas_id, reserved;
	uint64_t user_va __attribute__((aligned(8)));
	uint64_t length __attribute__((aligned(8)));
	uint64_t iova __attribute__((aligned(8)));
};

struct raw_ioas_unmap_arg {
	uint32_t size, ioas_id;
	uint64_t iova __attribute__((aligned(8)));
	uint64_t length __attribute__((aligned(8)));
};

/* the 6.11 layout; the kernel takes any size from the 6.6 one up */
struct raw_hwpt_alloc_arg {
	uint32_t size, flags, dev_id, pt_id, out_hwpt_id, reserved;
	uint32_t data_type, data_len;
	uint64_t data_uptr __attribute__((aligned(8)));
	uint32_t fault_id, reserved2;
};

struct raw_attach_arg {
	uint32_t argsz, flags, pt_id, pasid;
};

struct raw_detach_arg {
	uint32_t argsz, flags, pasid;
};

_Static_assert(sizeof(struct raw_destroy_arg) == 8, "iommu_destroy");
_Static_assert(sizeof(struct raw_ioas_map_arg) == 40, "iommu_ioas_map");
_Static_assert(sizeof(struct raw_ioas_unmap_arg) == 24, "iommu_ioas_unmap");
_Static_assert(sizeof(struct raw_hwpt_alloc_arg) == 48, "iommu_hwpt_alloc");
_Static_assert(sizeof(struct raw_attach_arg) == 16, "vfio attach pt");
_Static_assert(sizeof(struct raw_detach_arg) == 12, "vfio detach pt");

static int k_open(const char *path, int flags, unsigned int mode)
{
	return open(path, flags, mode);
}

static int k_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg);
}

const struct raw_sys raw_kernel = { k_open, close, k_ioctl };

static int call(const struct raw_sys *s, int fd, unsigned long req, void *arg)
{
	return s->ioctl(fd, req, arg) < 0 ? -errno : 0;
}

int raw_ioas_map(const struct raw_sys *s, int iommufd, uint32_t ioas,
		 void *va, uint64_t len, uint64_t *iova)
{
	struct raw_ioas_map_arg m = {
		.size = sizeof(m),
		.flags = RAW_MAP_READABLE | RAW_MAP_WRITEABLE,
		.ioas_id = ioas,
		.user_va = (uintptr_t)va,
		.length = len,
	};
	int ret = call(s, iommufd, RAW_IOMMU_IOAS_MAP, &m);

	*iova = m.iova;
	return ret;
}

int raw_ioas_unmap(const struct raw_sys *s, int iommufd, uint32_t ioas,
		   uint64_t iova, uint64_t len)
{
	struct raw_ioas_unmap_arg u = {
		.size = sizeof(u), .ioas_id = ioas, .iova = iova, .length = len,
	};

	return call(s, iommufd, RAW_IOMMU_IOAS_UNMAP, &u);
}

int raw_hwpt_alloc_pasid(const struct raw_sys *s, int iommufd, uint32_t dev_id,
			 uint32_t ioas, uint32_t *hwpt)
{
	struct raw_hwpt_alloc_arg h = {
		.size = sizeof(h), .flags = RAW_HWPT_ALLOC_PASID,
		.dev_id = dev_id, .pt_id = ioas,
	};
	int ret = call(s, iommufd, RAW_IOMMU_HWPT_ALLOC, &h);

	*hwpt = h.out_hwpt_id;
	return ret;
}

int raw_destroy(const struct raw_sys *s, int iommufd, uint32_t id)
{
	struct raw_destroy_arg d = { .size = sizeof(d), .id = id };

	return call(s, iommufd, RAW_IOMMU_DESTROY, &d);
}

int raw_pasid_attach(const struct raw_sys *s, int vfio_fd, uint32_t pt,
		     uint32_t pasid)
{
	struct raw_attach_arg a = {
		.argsz = sizeof(a), .flags = RAW_VFIO_PT_PASID, .pt_id = pt,
		.pasid = pasid,
	};

	return call(s, vfio_fd, RAW_VFIO_ATTACH_PT, &a);
}

int raw_pasid_detach(const struct raw_sys *s, int vfio_fd, uint32_t pasid)
{
	struct raw_detach_arg d = {
		.argsz = sizeof(d), .flags = RAW_VFIO_PT_PASID, .pasid = pasid,
	};

	return call(s, vfio_fd, RAW_VFIO_DETACH_PT, &d);
}

int raw_t1_open(const struct raw_sys *s, int group, int *container,
		int *group_fd)
{
	char path[32];
	int c, g, ret;

	c = s->open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC, 0);
	if (c < 0)
		return -errno;
	snprintf(path, sizeof(path), "/dev/vfio/%d", group);
	g = s->open(path, O_RDWR | O_CLOEXEC, 0);
	if (g < 0) {
		ret = -errno;
		s->close(c);
		return ret;
	}
	/* the group joins first: a container has no IOMMU to set before */
	ret = call(s, g, VFIO_GROUP_SET_CONTAINER, &c);
	if (!ret)
		ret = s->ioctl(c, VFIO_SET_IOMMU, (void *)(uintptr_t)VFIO_TYPE1v2_IOMMU) < 0 ?
		      -errno : 0;
	if (ret) {
		s->close(g);
		s->close(c);
		return ret;
	}
	*container = c;
	*group_fd = g;
	return 0;
}

void raw_t1_close(const struct raw_sys *s, int container, int group_fd)
{
	/* the group leaves the container as its fd closes */
	s->close(group_fd);
	s->close(container);
}

int raw_t1_map(const struct raw_sys *s, int container, void *va, uint64_t len,
	       uint64_t iova)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)va, .iova = iova, .size = len,
	};

	return call(s, container, VFIO_IOMMU_MAP_DMA, &m);
}

int raw_t1_unmap(const struct raw_sys *s, int container, uint64_t iova,
		 uint64_t len)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .iova = iova, .size = len,
	};

	return call(s, container, VFIO_IOMMU_UNMAP_DMA, &u);
}
