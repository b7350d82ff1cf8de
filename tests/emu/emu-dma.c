/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * What the hardware would do and what the kernel would tell a debugger:
 * DMA through a device's RID or PASID translation, and the introspection
 * calls for test assertions.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <string.h>

#include "emu-internal.h"

static void lock(void)
{
	pthread_mutex_lock(&emu.lock);
}

static void unlock(void)
{
	pthread_mutex_unlock(&emu.lock);
}

/* The iommufd view: the HWPT this device attached itself to that PASID. */
static int attached_pt(int index, uint32_t pasid, uint32_t *pt_id)
{
	struct emu_dev *dev = emu_dev_by_index(index);
	struct emu_attach *a;

	if (!dev)
		return -ENODEV;
	if (!dev->idev)
		return -ENOENT;
	a = emu_group_attach(dev->group, pasid);
	*pt_id = a && emu_attach_has(a, dev) ? a->hwpt->id : 0;
	return 0;
}

int emu_rid_pt(int vfio_index, uint32_t *pt_id)
{
	int ret;

	lock();
	ret = attached_pt(vfio_index, EMU_NO_PASID, pt_id);
	unlock();
	return ret;
}

int emu_pasid_pt(int vfio_index, uint32_t pasid, uint32_t *pt_id)
{
	int ret;

	lock();
	ret = pasid == EMU_NO_PASID ? -EINVAL :
				      attached_pt(vfio_index, pasid, pt_id);
	unlock();
	return ret;
}

bool emu_hwpt_pasid_capable(uint32_t hwpt_id)
{
	struct emu_obj *h;
	bool ret;

	lock();
	h = emu_obj_lookup(hwpt_id, EMU_OBJ_HWPT_PAGING);
	ret = h && (h->flags & KABI_IOMMU_HWPT_ALLOC_PASID);
	unlock();
	return ret;
}

bool emu_hwpt_is_auto(uint32_t hwpt_id)
{
	struct emu_obj *h;
	bool ret;

	lock();
	h = emu_obj_lookup(hwpt_id, EMU_OBJ_HWPT_PAGING);
	ret = h && h->auto_domain;
	unlock();
	return ret;
}

static void *host_addr(struct emu_area *a, uint64_t iova)
{
	return a->pages->base + a->off + (iova - a->iova);
}

int emu_ioas_translate(uint32_t ioas_id, uint64_t iova, void **va)
{
	struct emu_obj *ioas;
	struct emu_area *a;
	int ret = -ENOENT;

	lock();
	ioas = emu_obj_lookup(ioas_id, EMU_OBJ_IOAS);
	a = ioas ? emu_ioas_find_area(ioas, iova) : NULL;
	if (a && a->pages->base) {	/* no base: an unpinnable file range */
		*va = host_addr(a, iova);
		ret = 0;
	}
	unlock();
	return ret;
}

/* SMMUv3 without 2-level CD tables: the driver's linear CD table holds
 * 2^10 SubstreamIDs (CTXDESC_LINEAR_CDMAX, arm_smmu_probe_device) */
#define SMMU_LINEAR_CD_BITS 10u

/* The PASIDs the hardware translates: the device's width, and on SMMUv3
 * without CD2L what STE.S1CDMax lets through (a larger SubstreamID is
 * C_BAD_SUBSTREAMID), though the kernel reports the device's width. */
static bool pasid_translated(const struct emu_dev *dev, uint32_t pasid)
{
	unsigned int bits = dev->cfg.pasid_log2;

	if (dev->cfg.iommu == EMU_IOMMU_SMMUV3 && dev->cfg.smmu_no_cd2l &&
	    bits > SMMU_LINEAR_CD_BITS)
		bits = SMMU_LINEAR_CD_BITS;
	return bits && pasid < (1u << bits);
}

/*
 * The hardware view: the group's domain for the RID (a bound sibling that
 * attached it counts, as on real hardware), the group's PASID entry for a
 * PASID. A device without PASIDs cannot emit PASID-tagged requests, and the
 * kernel programmed nothing for it, so such a DMA faults.
 */
static struct emu_obj *attached_of(struct emu_dev *dev, uint32_t pasid)
{
	struct emu_attach *a;

	if (!dev->idev)
		return NULL;	/* not ours: the kernel's own domain */
	if (pasid != EMU_NO_PASID && !pasid_translated(dev, pasid))
		return NULL;
	a = emu_group_attach(dev->group, pasid);
	if (!a && pasid != EMU_NO_PASID) {
		/* SMMUv3: a nested vSTE on the RID takes the PASIDs too,
		 * through the user's CD table */
		a = emu_group_attach(dev->group, EMU_NO_PASID);
		if (!a || a->hwpt->type != EMU_OBJ_HWPT_NESTED ||
		    !a->hwpt->viommu)
			return NULL;
	}
	return a ? a->hwpt : NULL;
}

static struct emu_obj *domain_of(struct emu_dev *dev, uint32_t pasid)
{
	struct emu_obj *hwpt = attached_of(dev, pasid);

	if (hwpt && hwpt->type == EMU_OBJ_HWPT_NESTED)
		/* a stage-1 is not walked; S1DSS applies to untagged DMA */
		return pasid == EMU_NO_PASID ? emu_nested_stage2_only(hwpt) :
					       NULL;
	return hwpt;
}

/* 0, or where and how the transfer faults (*at) */
static int check_dma(struct emu_obj *hwpt, uint64_t iova, size_t len,
		     bool write, uint64_t *at)
{
	uint64_t cur = iova, left = len;

	*at = iova;
	if (!hwpt)
		return -EFAULT;
	while (left) {
		struct emu_area *a = emu_ioas_find_area(hwpt->ioas, cur);
		uint64_t n;

		*at = cur;
		/* no area lies outside the aperture of a domain filled from
		 * its IOAS: the rest is reserved (emu_ioas_add_domain) */
		if (!a)
			return -EFAULT;
		if (!(a->prot & (write ? EMU_PROT_WRITE : EMU_PROT_READ)))
			return -EPERM;
		n = a->iova + a->len - cur;
		n = n < left ? n : left;
		cur += n;
		left -= n;
	}
	return 0;
}

static int dma(int index, uint32_t pasid, uint64_t iova, void *buf,
	       size_t len, bool write)
{
	struct emu_dev *dev;
	struct emu_obj *hwpt;
	uint8_t *p = buf;
	uint64_t at;
	int ret;

	lock();
	dev = emu_dev_by_index(index);
	if (!dev) {
		unlock();
		return -ENODEV;
	}
	if (dev->group->container) {	/* the type1 profile */
		ret = pasid ? -EFAULT : emu_t1_dma(dev, iova, p, len, write);
		unlock();
		return ret;
	}
	hwpt = domain_of(dev, pasid);
	/* check the whole transfer first: a faulting DMA moves nothing */
	ret = check_dma(hwpt, iova, len, write, &at);
	if (ret) {
		ret = emu_dma_fault(dev, attached_of(dev, pasid), pasid, at,
				    write, ret);
		unlock();
		return ret;
	}
	if (write)
		ret = emu_dirty_mark(hwpt, iova, len);
	while (!ret && len) {
		struct emu_area *a = emu_ioas_find_area(hwpt->ioas, iova);
		uint64_t n = a->iova + a->len - iova;

		n = n < len ? n : len;
		if (write)
			memcpy(host_addr(a, iova), p, n);
		else
			memcpy(p, host_addr(a, iova), n);
		p += n;
		iova += n;
		len -= n;
	}
	unlock();
	return ret;
}

int emu_dma_write(int vfio_index, uint32_t pasid, uint64_t iova,
		  const void *buf, size_t len)
{
	return dma(vfio_index, pasid, iova, (void *)buf, len, true);
}

int emu_dma_read(int vfio_index, uint32_t pasid, uint64_t iova, void *buf,
		 size_t len)
{
	return dma(vfio_index, pasid, iova, buf, len, false);
}

int emu_ioas_domains(uint32_t ioas_id)
{
	struct emu_obj *ioas;
	int ret = -ENOENT;

	lock();
	ioas = emu_obj_lookup(ioas_id, EMU_OBJ_IOAS);
	if (ioas)
		ret = (int)ioas->ndomains;
	unlock();
	return ret;
}
