/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* One function per ioctl; see kernel.h (which has the two of the fast
 * path, IOAS map and unmap, inline). */
#include <errno.h>
#include <string.h>

#include "kabi.h"
#include "kernel.h"
#include "sys.h"

int k_destroy(int iommufd, uint32_t id)
{
	struct kabi_iommu_destroy d = { .size = sizeof(d), .id = id };

	return sys_ioctl(iommufd, KABI_IOMMU_DESTROY, &d);
}

int k_ioas_alloc(int iommufd, uint32_t *ioas_id)
{
	struct kabi_iommu_ioas_alloc a = { .size = sizeof(a) };
	int ret = sys_ioctl(iommufd, KABI_IOMMU_IOAS_ALLOC, &a);

	if (!ret)
		*ioas_id = a.out_ioas_id;
	return ret;
}

int k_ioas_map_file(int iommufd, uint32_t ioas_id, int fd, uint64_t start,
		    uint64_t len, uint32_t flags, uint64_t *iova)
{
	struct kabi_iommu_ioas_map_file m = {
		.size = sizeof(m),
		.flags = flags,
		.ioas_id = ioas_id,
		.fd = fd,
		.start = start,
		.length = len,
		.iova = *iova,
	};
	int ret = sys_ioctl(iommufd, KABI_IOMMU_IOAS_MAP_FILE, &m);

	if (!ret)
		*iova = m.iova;
	return ret;
}

int k_ioas_copy(int iommufd, uint32_t dst_ioas, uint32_t src_ioas,
		uint64_t src_iova, uint64_t len, uint32_t flags,
		uint64_t *dst_iova)
{
	struct kabi_iommu_ioas_copy c = {
		.size = sizeof(c),
		.flags = flags,
		.dst_ioas_id = dst_ioas,
		.src_ioas_id = src_ioas,
		.length = len,
		.dst_iova = *dst_iova,
		.src_iova = src_iova,
	};
	int ret = sys_ioctl(iommufd, KABI_IOMMU_IOAS_COPY, &c);

	if (!ret)
		*dst_iova = c.dst_iova;
	return ret;
}

int k_ioas_iova_ranges(int iommufd, uint32_t ioas_id, void *ranges,
		       uint32_t *num, uint64_t *alignment)
{
	struct kabi_iommu_ioas_iova_ranges r = {
		.size = sizeof(r),
		.ioas_id = ioas_id,
		.num_iovas = *num,
		.allowed_iovas = (uintptr_t)ranges,
	};
	int ret = sys_ioctl(iommufd, KABI_IOMMU_IOAS_IOVA_RANGES, &r);

	/* EMSGSIZE still reports how many ranges there are */
	if (!ret || ret == -EMSGSIZE)
		*num = r.num_iovas;
	if (!ret && alignment)
		*alignment = r.out_iova_alignment;
	return ret;
}

int k_ioas_allow_iovas(int iommufd, uint32_t ioas_id, const void *ranges,
		       uint32_t num)
{
	struct kabi_iommu_ioas_allow_iovas a = {
		.size = sizeof(a),
		.ioas_id = ioas_id,
		.num_iovas = num,
		.allowed_iovas = (uintptr_t)ranges,
	};

	return sys_ioctl(iommufd, KABI_IOMMU_IOAS_ALLOW_IOVAS, &a);
}

int k_hwpt_alloc(int iommufd, uint32_t dev_id, uint32_t pt_id, uint32_t flags,
		 uint32_t *hwpt_id)
{
	struct kabi_iommu_hwpt_alloc h = {
		.size = sizeof(h),
		.flags = flags,
		.dev_id = dev_id,
		.pt_id = pt_id,
		.data_type = KABI_IOMMU_HWPT_DATA_NONE,
	};
	int ret = sys_ioctl(iommufd, KABI_IOMMU_HWPT_ALLOC, &h);

	if (!ret)
		*hwpt_id = h.out_hwpt_id;
	return ret;
}

int k_viommu_alloc(int iommufd, uint32_t dev_id, uint32_t parent_id,
		   uint32_t type, uint32_t *viommu_id)
{
	struct kabi_iommu_viommu_alloc v = {
		.size = sizeof(v),
		.type = type,
		.dev_id = dev_id,
		.hwpt_id = parent_id,
	};
	int ret = sys_ioctl(iommufd, KABI_IOMMU_VIOMMU_ALLOC, &v);

	if (!ret)
		*viommu_id = v.out_viommu_id;
	return ret;
}

int k_vdevice_alloc(int iommufd, uint32_t viommu_id, uint32_t dev_id,
		    uint64_t virt_id, uint32_t *vdevice_id)
{
	struct kabi_iommu_vdevice_alloc v = {
		.size = sizeof(v),
		.viommu_id = viommu_id,
		.dev_id = dev_id,
		.virt_id = virt_id,
	};
	int ret = sys_ioctl(iommufd, KABI_IOMMU_VDEVICE_ALLOC, &v);

	if (!ret)
		*vdevice_id = v.out_vdevice_id;
	return ret;
}

int k_hwpt_alloc_data(int iommufd, uint32_t dev_id, uint32_t pt_id,
		      uint32_t flags, uint32_t type, const void *data,
		      uint32_t len, uint32_t fault_id, uint32_t *hwpt_id)
{
	struct kabi_iommu_hwpt_alloc h = {
		.size = sizeof(h),
		.flags = flags | (fault_id ? KABI_IOMMU_HWPT_FAULT_ID_VALID : 0),
		.dev_id = dev_id,
		.pt_id = pt_id,
		.data_type = type,
		.data_len = len,
		.data_uptr = (uintptr_t)data,
		.fault_id = fault_id,
	};
	int ret = sys_ioctl(iommufd, KABI_IOMMU_HWPT_ALLOC, &h);

	if (!ret)
		*hwpt_id = h.out_hwpt_id;
	return ret;
}

int k_hwpt_set_dirty(int iommufd, uint32_t hwpt_id, bool on)
{
	struct kabi_iommu_hwpt_set_dirty_tracking d = {
		.size = sizeof(d),
		.flags = on ? KABI_IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0,
		.hwpt_id = hwpt_id,
	};

	return sys_ioctl(iommufd, KABI_IOMMU_HWPT_SET_DIRTY_TRACKING, &d);
}

int k_hwpt_get_dirty(int iommufd, uint32_t hwpt_id, uint64_t iova,
		     uint64_t len, uint64_t page_size, uint64_t *bitmap,
		     uint32_t flags)
{
	struct kabi_iommu_hwpt_get_dirty_bitmap g = {
		.size = sizeof(g),
		.hwpt_id = hwpt_id,
		.flags = flags,
		.iova = iova,
		.length = len,
		.page_size = page_size,
		.data = (uintptr_t)bitmap,
	};

	return sys_ioctl(iommufd, KABI_IOMMU_HWPT_GET_DIRTY_BITMAP, &g);
}

int k_fault_alloc(int iommufd, uint32_t *fault_id, int *fd)
{
	struct kabi_iommu_fault_alloc f = { .size = sizeof(f) };
	int ret = sys_ioctl(iommufd, KABI_IOMMU_FAULT_QUEUE_ALLOC, &f);

	if (!ret) {
		*fault_id = f.out_fault_id;
		*fd = (int)f.out_fault_fd;
	}
	return ret;
}

int k_veventq_alloc(int iommufd, uint32_t viommu_id, uint32_t type,
		    uint32_t depth, uint32_t *veventq_id, int *fd)
{
	struct kabi_iommu_veventq_alloc v = {
		.size = sizeof(v),
		.viommu_id = viommu_id,
		.type = type,
		.veventq_depth = depth,
	};
	int ret = sys_ioctl(iommufd, KABI_IOMMU_VEVENTQ_ALLOC, &v);

	if (!ret) {
		*veventq_id = v.out_veventq_id;
		*fd = (int)v.out_veventq_fd;
	}
	return ret;
}

int k_hwpt_invalidate(int iommufd, uint32_t id, uint32_t type,
		      const void *entries, uint32_t entry_len, uint32_t *num)
{
	struct kabi_iommu_hwpt_invalidate c = {
		.size = sizeof(c),
		.hwpt_id = id,
		.data_uptr = (uintptr_t)entries,
		.data_type = type,
		.entry_len = entry_len,
		.entry_num = *num,
	};
	int ret = sys_ioctl(iommufd, KABI_IOMMU_HWPT_INVALIDATE, &c);

	/* the kernel writes entry_num back on failure too; a failure
	 * before it got there (the seam's) leaves the caller's count,
	 * which must not be taken for done */
	*num = ret ? (c.entry_num < *num ? c.entry_num : 0) : c.entry_num;
	return ret;
}

int k_get_hw_info(int iommufd, uint32_t dev_id, struct k_hw_info *info)
{
	struct kabi_iommu_hw_info h = {
		.size = sizeof(h),
		.dev_id = dev_id,
		.data_len = sizeof(info->data),
		.data_uptr = (uintptr_t)info->data,
	};
	int ret;

	memset(info->data, 0, sizeof(info->data));
	ret = sys_ioctl(iommufd, KABI_IOMMU_GET_HW_INFO, &h);
	if (ret)
		return ret;
	info->type = h.out_data_type;
	info->data_len = h.data_len < sizeof(info->data) ?
			 h.data_len : sizeof(info->data);
	/* stays 0 on kernels before 6.15: "no PASID" (kernel-rules §2.1) */
	info->max_pasid_log2 = h.out_max_pasid_log2;
	info->capabilities = h.out_capabilities;
	return 0;
}

int k_bind_iommufd(int vfio_fd, int iommufd, uint32_t *dev_id)
{
	struct kabi_vfio_device_bind_iommufd b = {
		/* the 6.6 size: no token, accepted by every cdev kernel */
		.argsz = KABI_VFIO_DEVICE_BIND_IOMMUFD_SZ_NOTOKEN,
		.iommufd = iommufd,
	};
	int ret = sys_ioctl(vfio_fd, KABI_VFIO_DEVICE_BIND_IOMMUFD, &b);

	if (!ret)
		*dev_id = b.out_devid;
	return ret;
}

int k_attach_pt(int vfio_fd, uint32_t pt_id, uint32_t pasid, uint32_t *out_pt)
{
	struct kabi_vfio_device_attach_iommufd_pt a = {
		.argsz = sizeof(a),
		.pt_id = pt_id,
	};
	int ret;

	if (pasid != K_NO_PASID) {
		a.flags = KABI_VFIO_DEVICE_ATTACH_PASID;
		a.pasid = pasid;
	} else {
		/* kernels before 6.15 want the old size without pasid */
		a.argsz = KABI_VFIO_DEVICE_ATTACH_IOMMUFD_PT_SZ_NOPASID;
	}
	ret = sys_ioctl(vfio_fd, KABI_VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a);
	if (!ret && out_pt)
		*out_pt = a.pt_id;
	return ret;
}

int k_detach_pt(int vfio_fd, uint32_t pasid)
{
	struct kabi_vfio_device_detach_iommufd_pt d = { .argsz = sizeof(d) };

	if (pasid != K_NO_PASID) {
		d.flags = KABI_VFIO_DEVICE_DETACH_PASID;
		d.pasid = pasid;
	} else {
		d.argsz = KABI_VFIO_DEVICE_DETACH_IOMMUFD_PT_SZ_NOPASID;
	}
	return sys_ioctl(vfio_fd, KABI_VFIO_DEVICE_DETACH_IOMMUFD_PT, &d);
}
