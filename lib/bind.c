/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * RID and PASID attachment. The kernel's rules this file encodes
 * (uapi-reference §8.2): an IOAS can never be attached to a PASID, and a PASID
 * can only be attached while every page table on the device, the RID's too,
 * was allocated with IOMMU_HWPT_ALLOC_PASID. So the library allocates one
 * PASID-capable page table (HWPT) per (device or IOMMU group, address space),
 * shares it between the RID and all PASIDs bound to the same address space,
 * and moves the RID onto such a table before the first PASID bind.
 *
 * The kernel keeps RID and PASID attachments per IOMMU group (§8.2 "group
 * semantics"): the devices of a group must use the same page table for their
 * RIDs and for each PASID, share one PASID space, and a replace moves the
 * whole group. So a page table belongs to the group when the device's group
 * is known (to the device alone otherwise), PASID_ANY skips the PASIDs of
 * group siblings, and a replace updates the siblings' records too.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "kabi.h"
#include "kernel.h"
#include "vendor/vendor.h"

/* ---- IOMMU groups ---- */

/* Another device of a's IOMMU group (in the same context: the kernel gives
 * a group's DMA to one iommufd only). */
static bool group_sibling(const struct pasid_dev *a, const struct pasid_dev *b)
{
	return a != b && a->group >= 0 && a->group == b->group;
}

/* The device whose RID attachment stands for dev's group: dev itself, or
 * an attached sibling (the kernel attached all of them to one table). */
static struct pasid_dev *rid_holder(struct pasid_dev *dev)
{
	struct list_head *pos, *tmp;

	if (dev->rid_as)
		return dev;
	list_for_each_safe(pos, tmp, &dev->ctx->devs) {
		struct pasid_dev *s = container_of(pos, struct pasid_dev,
						   ctx_node);

		if (group_sibling(s, dev) && s->rid_as)
			return s;
	}
	return NULL;
}

/* PASIDs bound on dev and on the other devices of its group. */
static uint32_t group_npasids(const struct pasid_dev *dev)
{
	struct list_head *pos, *tmp;
	uint32_t n = dev->npasids;

	list_for_each_safe(pos, tmp, &dev->ctx->devs) {
		struct pasid_dev *s = container_of(pos, struct pasid_dev,
						   ctx_node);

		if (group_sibling(s, dev))
			n += s->npasids;
	}
	return n;
}

/* ---- page tables ---- */

static bool hwpt_usable(const struct pasid_hwpt *h, const struct pasid_dev *dev)
{
	return h->group >= 0 ? h->group == dev->group : h->owner == dev;
}

static struct pasid_hwpt *hwpt_find(struct pasid_dev *dev,
				    struct pasid_as *as)
{
	struct list_head *pos, *tmp;

	list_for_each_safe(pos, tmp, &dev->ctx->hwpts) {
		struct pasid_hwpt *h = container_of(pos, struct pasid_hwpt,
						    ctx_node);
		if (h->as == as && hwpt_usable(h, dev))
			return h;
	}
	return NULL;
}

/* -EOPNOTSUPP: no PASID-capable page table for dev. by_kernel: the kernel
 * refused one (else the vendor rules did, before the kernel was asked). */
static int no_pasid_table(struct pasid_dev *dev, bool by_kernel,
			  const char *why)
{
	const char *vendor = pasid_iommu_vendor_name(dev->caps.vendor);

	if (!by_kernel)
		return pasid_err(dev->ctx, EOPNOTSUPP,
				 "%s: the IOMMU (%s) cannot build a PASID-capable page table (refused before asking the kernel): %s",
				 dev->name, vendor, why);
	return pasid_kerr(dev->ctx, EOPNOTSUPP, "IOMMU_HWPT_ALLOC(PASID)",
			  "%s: the IOMMU (%s) cannot build a PASID-capable page table%s%s; or the kernel predates IOMMU_HWPT_ALLOC_PASID (Linux 6.13)",
			  dev->name, vendor, why ? ": " : "", why ? why : "");
}

/* A PASID-capable page table of dev for as, with one more reference. */
static int hwpt_get(struct pasid_dev *dev, struct pasid_as *as,
		    struct pasid_hwpt **out)
{
	const char *why = NULL;
	struct pasid_hwpt *h = hwpt_find(dev, as);
	int ret;

	if (h) {
		h->refs++;
		*out = h;
		return 0;
	}
	if (dev->vendor->check_hwpt_flags &&
	    dev->vendor->check_hwpt_flags(&dev->caps,
					  KABI_IOMMU_HWPT_ALLOC_PASID, &why))
		return no_pasid_table(dev, false, why);
	h = calloc(1, sizeof(*h));
	if (!h)
		return pasid_err(dev->ctx, ENOMEM, "out of memory");
	ret = k_hwpt_alloc(dev->ctx->iommufd, dev->dev_id, as->ioas_id,
			   KABI_IOMMU_HWPT_ALLOC_PASID, &h->id);
	if (ret) {
		free(h);
		if (ret == -EOPNOTSUPP) {
			/* remember: the RID then uses the kernel's table */
			dev->no_pasid_hwpt = true;
			return no_pasid_table(dev, true,
				dev->vendor->no_pasid_hint ?
				dev->vendor->no_pasid_hint(&dev->caps) : NULL);
		}
		return pasid_kerr(dev->ctx, -ret, "IOMMU_HWPT_ALLOC",
				  "%s: could not allocate a page table for IOAS %u",
				  dev->name, as->ioas_id);
	}
	h->as = as;
	h->group = dev->group;
	h->owner = dev->group >= 0 ? NULL : dev;
	h->refs = 1;
	list_add_tail(&h->ctx_node, &dev->ctx->hwpts);
	*out = h;
	return 0;
}

static void hwpt_put(struct pasid_dev *dev, struct pasid_hwpt *h)
{
	int ret;

	if (--h->refs)
		return;
	ret = k_destroy(dev->ctx->iommufd, h->id);
	if (ret)
		pasid_log(dev->ctx, PASID_LOG_WARN,
			  "%s: IOMMU_DESTROY of HWPT %u failed (%d); it is released with the context",
			  dev->name, h->id, ret);
	list_del(&h->ctx_node);
	free(h);
}

/* ---- the RID ---- */

static bool rid_wants_pasid_table(struct pasid_dev *dev, struct pasid_as *as,
				  unsigned int flags)
{
	struct pasid_dev *holder = rid_holder(dev);

	if (flags & PASID_RID_KERNEL_TABLE)
		return false;
	if (flags & PASID_RID_PASID_TABLE)
		return true;
	if (group_npasids(dev))
		return true;
	/* join the table the rest of the group is on */
	if (holder && holder != dev && holder->rid_as == as)
		return holder->rid_hwpt != NULL;
	return dev->caps.pasid_width > 0 && !dev->no_pasid_hwpt;
}

static int rid_error(struct pasid_dev *dev, int err, const char *what)
{
	switch (err) {
	case EADDRINUSE:
		return pasid_kerr(dev->ctx, err, "VFIO_DEVICE_ATTACH_IOMMUFD_PT",
				  "%s: mappings of the address space overlap the device's reserved regions (MSI window): unmap them first",
				  dev->name);
	case EINVAL:
		return pasid_kerr(dev->ctx, err, "VFIO_DEVICE_ATTACH_IOMMUFD_PT",
				  "%s: %s refused (devices of one IOMMU group must share the RID's address space, and a RID with PASIDs bound needs a PASID-capable table)",
				  dev->name, what);
	default:
		return pasid_kerr(dev->ctx, err, "VFIO_DEVICE_ATTACH_IOMMUFD_PT",
				  "%s: %s", dev->name, what);
	}
}

/* Put the RID on as: a PASID-capable table if pasid_table, else the
 * kernel's automatic one. Atomic: on failure nothing changed. */
static int rid_set(struct pasid_dev *dev, struct pasid_as *as,
		   bool pasid_table)
{
	struct pasid_hwpt *h = NULL;
	struct list_head *pos, *tmp;
	bool replace = dev->rid_as != NULL;
	int ret;

	if (dev->rid_as == as && (dev->rid_hwpt != NULL) == pasid_table)
		return 0;
	if (pasid_table) {
		ret = hwpt_get(dev, as, &h);
		if (ret)
			return ret;
		ret = k_attach_pt(dev->fd, h->id, K_NO_PASID, NULL);
	} else {
		ret = k_attach_pt(dev->fd, as->ioas_id, K_NO_PASID, NULL);
	}
	if (ret) {
		if (h)
			hwpt_put(dev, h);
		return rid_error(dev, -ret, "attaching the RID");
	}
	if (dev->rid_hwpt)
		hwpt_put(dev, dev->rid_hwpt);
	dev->rid_as = as;
	dev->rid_hwpt = h;
	if (!replace)
		return 0;
	/* a replace moved the RIDs of the whole group */
	list_for_each_safe(pos, tmp, &dev->ctx->devs) {
		struct pasid_dev *s = container_of(pos, struct pasid_dev,
						   ctx_node);

		if (!group_sibling(s, dev) || !s->rid_as)
			continue;
		if (h)
			h->refs++;
		if (s->rid_hwpt)
			hwpt_put(s, s->rid_hwpt);
		s->rid_as = as;
		s->rid_hwpt = h;
	}
	return 0;
}

static int check_pair(struct pasid_dev *dev, struct pasid_as *as,
		      const char *fn)
{
	if (!dev || !as)
		return pasid_err(dev ? dev->ctx : NULL, EINVAL,
				 "%s: dev and as must not be NULL", fn);
	if (dev->ctx != as->ctx)
		return pasid_err(dev->ctx, EINVAL,
				 "%s: the device and the address space belong to different contexts",
				 fn);
	return 0;
}

PASID_API int pasid_attach_rid(struct pasid_dev *dev, struct pasid_as *as,
			       unsigned int flags)
{
	const unsigned int known = PASID_RID_KERNEL_TABLE | PASID_RID_PASID_TABLE;
	uint32_t npasids;
	bool pasid_table;
	int ret;

	pasid_err_clear();
	ret = check_pair(dev, as, "pasid_attach_rid");
	if (ret)
		return ret;
	if (flags & ~known)
		return pasid_err(dev->ctx, EINVAL,
				 "pasid_attach_rid: unknown flags 0x%x", flags & ~known);
	if ((flags & known) == known)
		return pasid_err(dev->ctx, EINVAL,
				 "pasid_attach_rid: PASID_RID_KERNEL_TABLE and PASID_RID_PASID_TABLE exclude each other");
	ctx_lock(dev->ctx);
	pasid_table = rid_wants_pasid_table(dev, as, flags);
	npasids = group_npasids(dev);
	if (!pasid_table && npasids) {
		ret = pasid_err(dev->ctx, EINVAL,
				"%s: %u PASID(s) are bound%s, so the RID must stay on a PASID-capable page table: unbind them first",
				dev->name, npasids, npasids > dev->npasids ?
				" (also by devices of its IOMMU group)" : "");
		goto out;
	}
	pasid_log_hold(true);
	ret = rid_set(dev, as, pasid_table);
	pasid_log_hold(false);
	/* the default falls back to the kernel's table where the IOMMU cannot
	 * build a PASID-capable one (virtio-iommu, AMD v1 tables): that is
	 * not an error */
	if (ret == -EOPNOTSUPP && !(flags & PASID_RID_PASID_TABLE)) {
		pasid_log(dev->ctx, PASID_LOG_DEBUG, "%s: %s; using the kernel's page table",
			  dev->name, pasid_errmsg());
		pasid_err_clear();
		ret = rid_set(dev, as, false);
	} else if (ret) {
		pasid_log(dev->ctx, PASID_LOG_ERROR, "%s", pasid_errmsg());
	}
out:
	ctx_unlock(dev->ctx);
	return ret;
}

PASID_API int pasid_detach_rid(struct pasid_dev *dev)
{
	int ret;

	pasid_err_clear();
	if (!dev)
		return pasid_err(NULL, EINVAL, "pasid_detach_rid: dev is NULL");
	ctx_lock(dev->ctx);
	if (!dev->rid_as) {
		ret = pasid_err(dev->ctx, ENOENT,
				"%s: the RID is not attached", dev->name);
		goto out;
	}
	ret = k_detach_pt(dev->fd, K_NO_PASID);
	if (ret) {
		ret = pasid_kerr(dev->ctx, -ret, "VFIO_DEVICE_DETACH_IOMMUFD_PT",
				 "%s: detaching the RID", dev->name);
		goto out;
	}
	if (dev->rid_hwpt)
		hwpt_put(dev, dev->rid_hwpt);
	dev->rid_as = NULL;
	dev->rid_hwpt = NULL;
out:
	ctx_unlock(dev->ctx);
	return ret;
}

/* ---- the PASID record (sorted array) ---- */

/* index of the first binding with PASID >= pasid */
static uint32_t binding_index(const struct pasid_dev *dev, uint32_t pasid)
{
	uint32_t lo = 0, hi = dev->npasids;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (dev->pasids[mid].pasid < pasid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct pasid_binding *binding_find(struct pasid_dev *dev,
					  uint32_t pasid)
{
	uint32_t i = binding_index(dev, pasid);

	return i < dev->npasids && dev->pasids[i].pasid == pasid ?
	       &dev->pasids[i] : NULL;
}

static int binding_reserve(struct pasid_dev *dev)
{
	struct pasid_binding *n;
	uint32_t cap;

	if (dev->npasids < dev->pasids_cap)
		return 0;
	cap = dev->pasids_cap ? dev->pasids_cap * 2 : 16;
	n = realloc(dev->pasids, cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	dev->pasids = n;
	dev->pasids_cap = cap;
	return 0;
}

static void binding_insert(struct pasid_dev *dev, uint32_t pasid,
			   struct pasid_hwpt *h)
{
	uint32_t i = binding_index(dev, pasid);

	memmove(&dev->pasids[i + 1], &dev->pasids[i],
		(dev->npasids - i) * sizeof(*dev->pasids));
	dev->pasids[i].pasid = pasid;
	dev->pasids[i].hwpt = h;
	dev->npasids++;
}

static void binding_remove(struct pasid_dev *dev, struct pasid_binding *b)
{
	uint32_t i = (uint32_t)(b - dev->pasids);

	memmove(&dev->pasids[i], &dev->pasids[i + 1],
		(dev->npasids - i - 1) * sizeof(*dev->pasids));
	dev->npasids--;
}

/* The binding of pasid by another device of dev's group, if any. */
static struct pasid_binding *sibling_binding(struct pasid_dev *dev,
					     uint32_t pasid,
					     struct pasid_dev **owner)
{
	struct list_head *pos, *tmp;

	list_for_each_safe(pos, tmp, &dev->ctx->devs) {
		struct pasid_dev *s = container_of(pos, struct pasid_dev,
						   ctx_node);
		struct pasid_binding *b;

		if (group_sibling(s, dev) && (b = binding_find(s, pasid))) {
			if (owner)
				*owner = s;
			return b;
		}
	}
	return NULL;
}

/* The first PASID >= candidate that d has not bound: one binary search,
 * then a walk over d's run of consecutive bound PASIDs. */
static uint32_t skip_bound(const struct pasid_dev *d, uint32_t candidate)
{
	uint32_t i = binding_index(d, candidate);

	while (i < d->npasids && d->pasids[i].pasid == candidate) {
		i++;
		candidate++;
	}
	return candidate;
}

/* The first PASID >= candidate bound neither by dev nor by its group. */
static uint32_t skip_group_bound(struct pasid_dev *dev, uint32_t candidate)
{
	struct list_head *pos, *tmp;
	uint32_t prev;

	/* each device skips its own runs; repeat until none moves it */
	do {
		prev = candidate;
		candidate = skip_bound(dev, candidate);
		list_for_each_safe(pos, tmp, &dev->ctx->devs) {
			struct pasid_dev *s = container_of(pos, struct pasid_dev,
							   ctx_node);

			if (group_sibling(s, dev))
				candidate = skip_bound(s, candidate);
		}
	} while (candidate != prev);
	return candidate;
}

/*
 * The first PASID at or after start, wrapping to 1 after max, that neither
 * dev nor a device of its group (one PASID space per group) has bound; 0
 * when all are taken. Starting after the last pick spreads PASIDs over time,
 * so a just-freed PASID is not handed out again at once (stale DMA in flight
 * would otherwise land in the new owner's address space).
 */
static uint32_t pasid_pick(struct pasid_dev *dev, uint32_t start, uint32_t max)
{
	uint32_t first = start > max || start == 0 ? 1 : start;
	uint32_t c = skip_group_bound(dev, first);

	if (c <= max)
		return c;
	/* wrap: [first, max] is all bound, so look in [1, first) */
	c = skip_group_bound(dev, 1);
	return c < first ? c : 0;
}

/* ---- PASIDs ---- */

static int pasid_attach_error(struct pasid_dev *dev, int err, uint32_t pasid)
{
	switch (err) {
	case EBUSY:
		return pasid_kerr(dev->ctx, err, "VFIO_DEVICE_ATTACH_IOMMUFD_PT(PASID)",
				  "%s: PASID %u is in use by another device of the same IOMMU group, or the device is being reset",
				  dev->name, pasid);
	case EOPNOTSUPP:
		return pasid_kerr(dev->ctx, err, "VFIO_DEVICE_ATTACH_IOMMUFD_PT(PASID)",
				  "%s: the kernel cannot attach PASIDs here (needs Linux 6.15+, the vfio-pci driver itself rather than a variant driver, and an IOMMU driver with PASID support)",
				  dev->name);
	case EINVAL:
		return pasid_kerr(dev->ctx, err, "VFIO_DEVICE_ATTACH_IOMMUFD_PT(PASID)",
				  "%s: PASID %u refused (kernels before 6.15 know no PASID attach; otherwise a page table on the device is not PASID-capable)",
				  dev->name, pasid);
	default:
		return pasid_kerr(dev->ctx, err, "VFIO_DEVICE_ATTACH_IOMMUFD_PT(PASID)",
				  "%s: PASID %u", dev->name, pasid);
	}
}

static int check_pasid_capable(struct pasid_dev *dev)
{
	if (dev->caps.pasid_width == 0)
		return pasid_err(dev->ctx, EOPNOTSUPP,
				 "%s has no PASID capability: the kernel reports PASID width 0 for it (the device or its IOMMU lacks PASID support, PASID is not enabled, or the kernel is older than 6.15); use pasid_attach_rid for untagged DMA",
				 dev->name);
	if (dev->no_pasid_hwpt)
		return no_pasid_table(dev, true,
			dev->vendor->no_pasid_hint ?
			dev->vendor->no_pasid_hint(&dev->caps) : NULL);
	return 0;
}

static uint32_t pasid_max(const struct pasid_dev *dev)
{
	uint32_t w = dev->caps.pasid_width;

	return w >= 32 ? UINT32_MAX : (1u << w) - 1;
}

/* With the RID (of dev or of its group) on the kernel's automatic table no
 * PASID can attach: move it onto a PASID-capable table of the same address
 * space (same mappings). *moved: the device whose RID moved, or NULL. */
static int rid_make_pasid_ready(struct pasid_dev *dev,
				struct pasid_dev **moved)
{
	struct pasid_dev *holder = rid_holder(dev);
	int ret;

	*moved = NULL;
	if (!holder || holder->rid_hwpt)
		return 0;
	ret = rid_set(holder, holder->rid_as, true);
	if (!ret) {
		*moved = holder;
		pasid_log(dev->ctx, PASID_LOG_DEBUG,
			  "%s: RID moved onto a PASID-capable page table",
			  holder->name);
	}
	return ret;
}

static void rid_undo_move(struct pasid_dev *dev)
{
	char saved[512];

	/* keep the message of the failure that made us undo */
	strncpy(saved, pasid_errmsg(), sizeof(saved) - 1);
	saved[sizeof(saved) - 1] = '\0';
	if (rid_set(dev, dev->rid_as, false))
		pasid_log(dev->ctx, PASID_LOG_WARN,
			  "%s: could not move the RID back to the kernel's page table: %s",
			  dev->name, pasid_errmsg());
	pasid_err_restore(saved);
}

PASID_API int pasid_bind(struct pasid_dev *dev, struct pasid_as *as, int pasid)
{
	struct pasid_dev *moved, *sibling;
	struct pasid_binding *sb;
	struct pasid_hwpt *h;
	uint32_t max, pick;
	int ret;

	pasid_err_clear();
	ret = check_pair(dev, as, "pasid_bind");
	if (ret)
		return ret;
	ctx_lock(dev->ctx);
	ret = check_pasid_capable(dev);
	if (ret)
		goto out;
	max = pasid_max(dev);
	if (pasid == PASID_ANY) {
		pick = pasid_pick(dev, dev->next_pasid, max);
		if (!pick) {
			ret = pasid_err(dev->ctx, ENOSPC,
					"%s: all %u PASIDs are bound", dev->name, max);
			goto out;
		}
	} else if (pasid < 1 || (uint32_t)pasid > max) {
		ret = pasid_err(dev->ctx, EINVAL,
				"%s: PASID %d is outside 1..%u, the range the device supports (PASID 0 is the RID: use pasid_attach_rid)",
				dev->name, pasid, max);
		goto out;
	} else {
		pick = (uint32_t)pasid;
		if (binding_find(dev, pick)) {
			ret = pasid_err(dev->ctx, EBUSY,
					"%s: PASID %u is already bound: unbind it or use pasid_rebind",
					dev->name, pick);
			goto out;
		}
		/* the group has one PASID space: a sibling's PASID can only
		 * be shared, on the same address space */
		sb = sibling_binding(dev, pick, &sibling);
		if (sb && sb->hwpt->as != as) {
			ret = pasid_err(dev->ctx, EBUSY,
					"%s: PASID %u is bound to another address space by %s, a device of the same IOMMU group (the group has one PASID space): pick another PASID",
					dev->name, pick, sibling->name);
			goto out;
		}
	}
	if (binding_reserve(dev)) {
		ret = pasid_err(dev->ctx, ENOMEM, "out of memory");
		goto out;
	}
	ret = hwpt_get(dev, as, &h);
	if (ret)
		goto out;
	ret = rid_make_pasid_ready(dev, &moved);
	if (ret) {
		hwpt_put(dev, h);
		goto out;
	}
	ret = k_attach_pt(dev->fd, h->id, pick, NULL);
	if (ret) {
		ret = pasid_attach_error(dev, -ret, pick);
		if (moved)
			rid_undo_move(moved);
		hwpt_put(dev, h);
		goto out;
	}
	binding_insert(dev, pick, h);
	/* only the library's own picks move the cursor: an explicit PASID
	 * (often a low, well-known one) must not send it back into a dense
	 * block of bound PASIDs */
	if (pasid == PASID_ANY)
		dev->next_pasid = pick == max ? 1 : pick + 1;
	ret = (int)pick;
out:
	ctx_unlock(dev->ctx);
	return ret;
}

/*
 * A PASID was freed: keep it behind the PASID_ANY cursor of dev and of its
 * group (one PASID space), so it is handed out again only after the
 * cursor has gone round: DMA still in flight with it must not land in a new
 * owner's address space.
 */
static void cursor_past_freed(struct pasid_dev *dev, uint32_t pasid)
{
	struct list_head *pos, *tmp;

	list_for_each_safe(pos, tmp, &dev->ctx->devs) {
		struct pasid_dev *d = container_of(pos, struct pasid_dev,
						   ctx_node);

		if ((d == dev || group_sibling(d, dev)) && pasid >= d->next_pasid)
			d->next_pasid = pasid >= pasid_max(d) ? 1 : pasid + 1;
	}
}

static struct pasid_binding *bound_or_err(struct pasid_dev *dev,
					  uint32_t pasid, int *ret)
{
	struct pasid_binding *b = binding_find(dev, pasid);

	*ret = b ? 0 : pasid_err(dev->ctx, ENOENT,
				 "%s: PASID %u is not bound", dev->name, pasid);
	return b;
}

PASID_API int pasid_unbind(struct pasid_dev *dev, uint32_t pasid)
{
	struct pasid_binding *b;
	struct pasid_hwpt *h;
	int ret;

	pasid_err_clear();
	if (!dev)
		return pasid_err(NULL, EINVAL, "pasid_unbind: dev is NULL");
	ctx_lock(dev->ctx);
	b = bound_or_err(dev, pasid, &ret);
	if (!b)
		goto out;
	ret = k_detach_pt(dev->fd, pasid);
	if (ret) {
		ret = pasid_kerr(dev->ctx, -ret, "VFIO_DEVICE_DETACH_IOMMUFD_PT(PASID)",
				 "%s: PASID %u", dev->name, pasid);
		goto out;
	}
	h = b->hwpt;
	binding_remove(dev, b);
	cursor_past_freed(dev, pasid);
	hwpt_put(dev, h);
out:
	ctx_unlock(dev->ctx);
	return ret;
}

PASID_API int pasid_rebind(struct pasid_dev *dev, uint32_t pasid,
			   struct pasid_as *as)
{
	struct list_head *pos, *tmp;
	struct pasid_binding *b;
	struct pasid_hwpt *h, *old;
	int ret;

	pasid_err_clear();
	ret = check_pair(dev, as, "pasid_rebind");
	if (ret)
		return ret;
	ctx_lock(dev->ctx);
	b = bound_or_err(dev, pasid, &ret);
	if (!b || b->hwpt->as == as)
		goto out;
	ret = hwpt_get(dev, as, &h);
	if (ret)
		goto out;
	/* a second attach of a PASID is the kernel's atomic replace */
	ret = k_attach_pt(dev->fd, h->id, pasid, NULL);
	if (ret) {
		ret = pasid_attach_error(dev, -ret, pasid);
		hwpt_put(dev, h);
		goto out;
	}
	old = b->hwpt;
	b->hwpt = h;
	/* a replace moved that PASID of the whole group */
	list_for_each_safe(pos, tmp, &dev->ctx->devs) {
		struct pasid_dev *s = container_of(pos, struct pasid_dev,
						   ctx_node);
		struct pasid_binding *sb;

		if (group_sibling(s, dev) && (sb = binding_find(s, pasid))) {
			h->refs++;
			hwpt_put(s, sb->hwpt);
			sb->hwpt = h;
		}
	}
	hwpt_put(dev, old);
out:
	ctx_unlock(dev->ctx);
	return ret;
}

/* Caller holds the lock. Best effort: the objects are going away. */
void bind_release(struct pasid_dev *dev, struct pasid_as *as)
{
	uint32_t i = 0;

	while (i < dev->npasids) {
		struct pasid_binding *b = &dev->pasids[i];
		struct pasid_hwpt *h = b->hwpt;
		uint32_t pasid = b->pasid;

		if (as && h->as != as) {
			i++;
			continue;
		}
		if (k_detach_pt(dev->fd, pasid))
			pasid_log(dev->ctx, PASID_LOG_WARN, "%s: detaching PASID %u failed",
				  dev->name, pasid);
		binding_remove(dev, b);
		cursor_past_freed(dev, pasid);
		hwpt_put(dev, h);
	}
	if (dev->rid_as && (!as || dev->rid_as == as)) {
		if (k_detach_pt(dev->fd, K_NO_PASID))
			pasid_log(dev->ctx, PASID_LOG_WARN, "%s: detaching the RID failed",
				  dev->name);
		if (dev->rid_hwpt)
			hwpt_put(dev, dev->rid_hwpt);
		dev->rid_as = NULL;
		dev->rid_hwpt = NULL;
	}
}
