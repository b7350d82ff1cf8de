/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * IOMMU dirty tracking (hw_pagetable.c and io_pagetable.c of 7.3): a HWPT
 * allocated with DIRTY_TRACKING has dirty ops; SET_DIRTY_TRACKING turns
 * the hardware's dirty-bit updates on (clearing what the table recorded
 * before) or off; DMA writes through the table while it is on mark their
 * pages (emu_dirty_mark, the IOPTE dirty bit); GET_DIRTY_BITMAP sets a bit
 * of the caller's bitmap for each page_size unit of [iova, +length) that
 * holds a dirty page, relative to iova, and clears the marks unless
 * NO_CLEAR.
 *
 * The checks, in the kernel's order: flags or __reserved EOPNOTSUPP, no
 * such paging HWPT ENOENT; GET: length 0 EINVAL, iova + length - 1 wraps
 * EOVERFLOW, iova or iova + length not aligned to the IOAS's IOVA
 * alignment (the IOMMU page), page_size 0, or iova or iova + length not
 * aligned to page_size EINVAL (iommufd_check_iova_range); a table without
 * dirty ops EOPNOTSUPP. A range not wholly mapped is NOT refused: 7.3's
 * iommu_read_and_clear_dirty drops what iova_bitmap_for_each returns, so
 * __iommu_read_and_clear_dirty's EINVAL (iopt_area_contig_done) is lost
 * and the mapped part is reported with success (as is a bitmap it cannot
 * write).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <string.h>

#include "emu-internal.h"

static bool marked(const struct emu_obj *h, uint64_t page)
{
	size_t i;

	for (i = 0; i < h->ndirty; i++)
		if (h->dirty[i] == page)
			return true;
	return false;
}

int emu_dirty_mark(struct emu_obj *hwpt, uint64_t iova, uint64_t len)
{
	uint64_t page, last;

	if (!hwpt || hwpt->type != EMU_OBJ_HWPT_PAGING || !hwpt->dirty_on ||
	    !len)
		return 0;
	last = iova + len - 1;
	for (page = iova & ~(EMU_PAGE_SIZE - 1); page <= last;
	     page += EMU_PAGE_SIZE) {
		if (marked(hwpt, page))
			continue;
		if (EMU_GROW(hwpt->dirty, hwpt->dirty_cap, hwpt->ndirty))
			return -ENOMEM;
		hwpt->dirty[hwpt->ndirty++] = page;
		if (page + EMU_PAGE_SIZE < page)
			break;
	}
	return 0;
}

static bool has_dirty_ops(const struct emu_obj *h)
{
	return h->flags & KABI_IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
}

int emu_set_dirty_tracking(struct emu_ctx *ctx, struct emu_ucmd *u)
{
	struct kabi_iommu_hwpt_set_dirty_tracking *cmd = u->cmd;
	struct emu_obj *h;

	if ((cmd->flags & ~KABI_IOMMU_HWPT_DIRTY_TRACKING_ENABLE) ||
	    cmd->__reserved)
		return -EOPNOTSUPP;
	h = emu_obj_find(ctx, cmd->hwpt_id, EMU_OBJ_HWPT_PAGING);
	if (!h)
		return -ENOENT;
	if (!has_dirty_ops(h))
		return -EOPNOTSUPP;
	h->dirty_on = cmd->flags & KABI_IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
	if (h->dirty_on)	/* iopt_clear_dirty_data */
		h->ndirty = 0;
	return 0;
}

static int check_range(const struct emu_obj *ioas,
		       const struct kabi_iommu_hwpt_get_dirty_bitmap *b)
{
	uint64_t align = ioas->align, last;

	if (!b->length)
		return -EINVAL;
	if (__builtin_add_overflow(b->iova, b->length - 1, &last))
		return -EOVERFLOW;
	if ((b->iova & (align - 1)) || ((last + 1) & (align - 1)))
		return -EINVAL;
	if (!b->page_size)
		return -EINVAL;
	if ((b->iova & (b->page_size - 1)) ||
	    ((last + 1) & (b->page_size - 1)))
		return -EINVAL;
	return 0;
}

int emu_get_dirty_bitmap(struct emu_ctx *ctx, struct emu_ucmd *u)
{
	struct kabi_iommu_hwpt_get_dirty_bitmap *cmd = u->cmd;
	uint64_t *bits = (uint64_t *)(uintptr_t)cmd->data;
	uint64_t last;
	struct emu_obj *h;
	size_t i;
	int ret;

	if ((cmd->flags & ~KABI_IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR) ||
	    cmd->__reserved)
		return -EOPNOTSUPP;
	h = emu_obj_find(ctx, cmd->hwpt_id, EMU_OBJ_HWPT_PAGING);
	if (!h)
		return -ENOENT;
	ret = check_range(h->ioas, cmd);
	if (ret)
		return ret;
	if (!has_dirty_ops(h))
		return -EOPNOTSUPP;
	last = cmd->iova + cmd->length - 1;
	if (!bits)
		return 0;	/* the pinning error is lost too */
	for (i = 0; i < h->ndirty;) {
		uint64_t p = h->dirty[i], idx;

		if (p < cmd->iova || p > last) {
			i++;
			continue;
		}
		idx = (p - cmd->iova) / cmd->page_size;
		bits[idx / 64] |= 1ULL << (idx % 64);
		if (cmd->flags & KABI_IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR)
			i++;
		else
			h->dirty[i] = h->dirty[--h->ndirty];
	}
	return 0;
}

int emu_dirty_pages(uint32_t hwpt_id, unsigned int *n, bool *on)
{
	struct emu_obj *h;
	int ret = -ENOENT;

	pthread_mutex_lock(&emu.lock);
	h = emu_obj_lookup(hwpt_id, EMU_OBJ_HWPT_PAGING);
	if (h) {
		*n = (unsigned int)h->ndirty;
		*on = h->dirty_on;
		ret = 0;
	}
	pthread_mutex_unlock(&emu.lock);
	return ret;
}
