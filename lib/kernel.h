/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Typed wrappers, one per iommufd/VFIO ioctl the core uses. Each fills the
 * kernel struct (zeroed first: fields an older kernel does not know must stay
 * zero, see doc/kernel-rules.md §2.1), calls it through the syscall seam and
 * returns 0 or -errno. No diagnostics here: the caller knows what it was
 * trying to do.
 */
#ifndef LIBPASID_KERNEL_H
#define LIBPASID_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kabi.h"
#include "sys.h"

/* ATTACH/DETACH without the PASID flag */
#define K_NO_PASID UINT32_MAX

int k_destroy(int iommufd, uint32_t id);
int k_ioas_alloc(int iommufd, uint32_t *ioas_id);

/* Inline, with sys_ioctl: pasid_map and pasid_unmap are the calls users
 * make millions of times, and each call level is a few percent of the
 * library's whole budget for them. */
static inline int k_ioas_map(int iommufd, uint32_t ioas_id, void *va,
			     uint64_t len, uint32_t flags, uint64_t *iova)
{
	struct kabi_iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = flags,
		.ioas_id = ioas_id,
		.user_va = (uintptr_t)va,
		.length = len,
		.iova = *iova,
	};
	int ret = sys_ioctl(iommufd, KABI_IOMMU_IOAS_MAP, &m);

	if (!ret)
		*iova = m.iova;
	return ret;
}

static inline int k_ioas_unmap(int iommufd, uint32_t ioas_id, uint64_t iova,
			       uint64_t len, uint64_t *unmapped)
{
	struct kabi_iommu_ioas_unmap u = {
		.size = sizeof(u),
		.ioas_id = ioas_id,
		.iova = iova,
		.length = len,
	};
	int ret = sys_ioctl(iommufd, KABI_IOMMU_IOAS_UNMAP, &u);

	if (!ret && unmapped)
		*unmapped = u.length;
	return ret;
}

int k_ioas_map_file(int iommufd, uint32_t ioas_id, int fd, uint64_t start,
		    uint64_t len, uint32_t flags, uint64_t *iova);
int k_ioas_copy(int iommufd, uint32_t dst_ioas, uint32_t src_ioas,
		uint64_t src_iova, uint64_t len, uint32_t flags,
		uint64_t *dst_iova);
/* ranges: array of {start, last} pairs; *num in: capacity, out: count */
int k_ioas_iova_ranges(int iommufd, uint32_t ioas_id, void *ranges,
		       uint32_t *num, uint64_t *alignment);
/* ranges: num {start, last} pairs, each start < last; num 0: no limit */
int k_ioas_allow_iovas(int iommufd, uint32_t ioas_id, const void *ranges,
		       uint32_t num);
int k_hwpt_alloc(int iommufd, uint32_t dev_id, uint32_t pt_id, uint32_t flags,
		 uint32_t *hwpt_id);

struct k_hw_info {
	uint32_t type;
	uint32_t data_len;		/* bytes of data the kernel filled */
	uint8_t max_pasid_log2;
	uint64_t capabilities;
	uint8_t data[64];
};
int k_get_hw_info(int iommufd, uint32_t dev_id, struct k_hw_info *info);

/* nested translation (lib/nested*.c) */
int k_viommu_alloc(int iommufd, uint32_t dev_id, uint32_t parent_id,
		   uint32_t type, uint32_t *viommu_id);
int k_vdevice_alloc(int iommufd, uint32_t viommu_id, uint32_t dev_id,
		    uint64_t virt_id, uint32_t *vdevice_id);
/* IOMMU_HWPT_ALLOC with user data (a nested HWPT); fault_id != 0: with
 * FAULT_ID_VALID and that fault queue */
int k_hwpt_alloc_data(int iommufd, uint32_t dev_id, uint32_t pt_id,
		      uint32_t flags, uint32_t type, const void *data,
		      uint32_t len, uint32_t fault_id, uint32_t *hwpt_id);
/* dirty tracking (lib/nested-dirty.c) */
int k_hwpt_set_dirty(int iommufd, uint32_t hwpt_id, bool on);
int k_hwpt_get_dirty(int iommufd, uint32_t hwpt_id, uint64_t iova,
		     uint64_t len, uint64_t page_size, uint64_t *bitmap,
		     uint32_t flags);
/* event queues (lib/nested-fault.c, nested-vevent.c): *fd the new fd */
int k_fault_alloc(int iommufd, uint32_t *fault_id, int *fd);
int k_veventq_alloc(int iommufd, uint32_t viommu_id, uint32_t type,
		    uint32_t depth, uint32_t *veventq_id, int *fd);
/* *num in: entries, out: entries the kernel handled (also on failure) */
int k_hwpt_invalidate(int iommufd, uint32_t id, uint32_t type,
		      const void *entries, uint32_t entry_len, uint32_t *num);

int k_bind_iommufd(int vfio_fd, int iommufd, uint32_t *dev_id);
/* pasid == K_NO_PASID: the RID. *out_pt (optional) gets the HWPT used. */
int k_attach_pt(int vfio_fd, uint32_t pt_id, uint32_t pasid,
		uint32_t *out_pt);
int k_detach_pt(int vfio_fd, uint32_t pasid);

#endif
