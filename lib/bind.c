/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * RID and PASID attachment. The kernel's rules this file encodes (see
 * doc/kernel-rules.md §4): an IOAS can never be attached to a PASID, and a
 * PASID can only be attached while every page table on the device, the
 * RID's too, was allocated with IOMMU_HWPT_ALLOC_PASID. So the library gives each
 * address space PASID-capable page tables (HWPTs), shares one between every
 * RID and PASID whose IOMMU accepts it, and moves the RID onto such a table
 * before the first PASID bind.
 *
 * Sharing works as the kernel's own automatic domains do: a device that
 * needs a table of an address space tries the tables it already has (the
 * kernel answers EINVAL for a table of another IOMMU instance or an
 * incompatible domain) and allocates one only when none is accepted.
 *
 * The kernel keeps RID and PASID attachments per IOMMU group: the devices of
 * a group must use the same page table for their RIDs and for each PASID,
 * share one PASID space, and a replace moves the whole group. So a group has
 * one PASID space, a device joins the table its group already uses, and a
 * replace updates the siblings' records too.
 *
 * Everything here runs under ctx->lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "internal.h"
#include "kabi.h"
#include "kernel.h"
#include "iommu/vendor.h"

/* ---- IOMMU groups ---- */

/* Another device of a's IOMMU group (in the same context: the kernel gives
 * a group's DMA to one iommufd only). */
static bool group_sibling(const struct pasid_dev *a, const struct pasid_dev *b)
{
	return a != b && a->group >= 0 && a->group == b->group;
}

#define for_each_sibling(s, dev, pos)                                        \
	for ((pos) = (dev)->ctx->devs.next; (pos) != &(dev)->ctx->devs;      \
	     (pos) = (pos)->next)                                            \
		if (((s) = container_of(pos, struct pasid_dev, ctx_node)),   \
		    group_sibling(s, dev))

/* The device whose RID attachment stands for dev's group: dev itself, or
 * an attached sibling (the kernel attached all of them to one table). */
static struct pasid_dev *rid_holder(struct pasid_dev *dev)
{
	struct list_head *pos;
	struct pasid_dev *s;

	if (dev->rid_as)
		return dev;
	for_each_sibling(s, dev, pos)
		if (s->rid_as)
			return s;
	return NULL;
}

/* PASIDs bound on dev and on the other devices of its group. */
static size_t group_npasids(struct pasid_dev *dev)
{
	struct list_head *pos;
	struct pasid_dev *s;
	size_t n = dev->pasids.count;

	for_each_sibling(s, dev, pos)
		n += s->pasids.count;
	return n;
}

/* The table a sibling bound pasid to, if any. */
static struct pasid_hwpt *sibling_binding(struct pasid_dev *dev,
					  uint32_t pasid,
					  struct pasid_dev **owner)
{
	struct list_head *pos;
	struct pasid_dev *s;

	for_each_sibling(s, dev, pos) {
		struct pasid_hwpt *h = idmap_get(&s->pasids, pasid);

		if (h) {
			if (owner)
				*owner = s;
			return h;
		}
	}
	return NULL;
}

/* ---- PASID spaces ---- */

static int space_get(struct pasid_dev *dev)
{
	struct pasid_ctx *ctx = dev->ctx;
	struct list_head *pos;
	struct pasid_space *sp;

	if (dev->space)
		return 0;
	for (pos = ctx->spaces.next; dev->group >= 0 && pos != &ctx->spaces;
	     pos = pos->next) {
		sp = container_of(pos, struct pasid_space, ctx_node);
		if (sp->group == dev->group) {
			sp->users++;
			dev->space = sp;
			return 0;
		}
	}
	sp = calloc(1, sizeof(*sp));
	if (!sp)
		return pasid_err(ctx, ENOMEM, "out of memory for a PASID space");
	sp->group = dev->group;
	sp->users = 1;
	sp->cursor = 1;
	list_add_tail(&sp->ctx_node, &ctx->spaces);
	dev->space = sp;
	return 0;
}

static void space_put(struct pasid_dev *dev)
{
	struct pasid_space *sp = dev->space;

	dev->space = NULL;
	if (!sp || --sp->users)
		return;
	idspace_fini(&sp->ids);
	list_del(&sp->ctx_node);
	free(sp);
}

static uint32_t width_max(unsigned int w)
{
	return w >= 20 ? IDSPACE_MAX : (1u << w) - 1;
}

/* The largest PASID dev may bind. The kernel refuses a PASID at or above
 * the width of any PASID-capable device of the group, so a narrower open
 * sibling narrows it (siblings the context has not opened are not known;
 * their limit is the kernel's EINVAL). */
static uint32_t pasid_max(const struct pasid_dev *dev)
{
	uint32_t max = width_max(dev->caps.pasid_width);
	struct list_head *pos;
	struct pasid_dev *s;

	for_each_sibling(s, dev, pos)
		if (s->caps.pasid_width && width_max(s->caps.pasid_width) < max)
			max = width_max(s->caps.pasid_width);
	return max;
}

/*
 * The first free PASID of dev's group at or after the cursor, wrapping to 1
 * after max; 0 when all are taken. Starting after the last pick spreads
 * PASIDs over time, so a just-freed PASID is not handed out again at once
 * (stale DMA in flight would otherwise land in the new owner's address
 * space).
 */
static uint32_t pasid_pick(const struct pasid_space *sp, uint32_t max)
{
	uint32_t first = sp->cursor > max || sp->cursor == 0 ? 1 : sp->cursor;
	uint32_t c = idspace_find_free(&sp->ids, first, max);

	if (!c && first > 1)
		c = idspace_find_free(&sp->ids, 1, first - 1);
	return c;
}

/* A PASID was freed: keep it behind the cursor, so it is handed out again
 * only after the cursor has gone round. */
static void cursor_past_freed(struct pasid_space *sp, uint32_t pasid,
			      uint32_t max)
{
	if (pasid >= sp->cursor)
		sp->cursor = pasid >= max ? 1 : pasid + 1;
}

/* ---- page tables ---- */

static bool table_refuses(const struct pasid_hwpt *h,
			  const struct pasid_dev *dev)
{
	unsigned int i;

	for (i = 0; i < h->nrefused; i++)
		if (h->refused[i] == dev)
			return true;
	return false;
}

/* Best effort: without the memory the kernel is just asked again. */
static void table_note_refusal(struct pasid_hwpt *h,
			       const struct pasid_dev *dev)
{
	const struct pasid_dev **n;

	n = realloc(h->refused, (h->nrefused + 1) * sizeof(*n));
	if (!n)
		return;
	n[h->nrefused++] = dev;
	h->refused = n;
}

static void table_ref(struct pasid_hwpt *h)
{
	if (h->refs++ == 0)
		atomic_fetch_sub_explicit(&h->as->nidle, 1, memory_order_relaxed);
}

static void table_put(struct pasid_hwpt *h)
{
	struct pasid_as *as = h->as;

	if (--h->refs)
		return;
	/* idle: kept for the next bind; the churn it may cost the address
	 * space's maps starts counting now (as.c drops it when too high) */
	lock_take(&as->lock);
	if (atomic_fetch_add_explicit(&as->nidle, 1, memory_order_relaxed) == 0)
		as->idle_churn = 0;
	lock_give(&as->lock);
}

/* Out of as's list, still a kernel object. */
static void table_unlink(struct pasid_hwpt *h)
{
	if (!h->refs)
		atomic_fetch_sub_explicit(&h->as->nidle, 1, memory_order_relaxed);
	list_del(&h->as_node);
}

/* Needs no lock once unlinked: nobody else can reach the table. */
static void table_free(struct pasid_ctx *ctx, struct pasid_hwpt *h)
{
	int ret = k_destroy(ctx->iommufd, h->id);

	if (ret)
		pasid_log(ctx, PASID_LOG_WARN,
			  "IOMMU_DESTROY of HWPT %u failed (%d); it is released with the context",
			  h->id, ret);
	free(h->refused);
	free(h);
}

static void table_destroy(struct pasid_ctx *ctx, struct pasid_hwpt *h)
{
	table_unlink(h);
	table_free(ctx, h);
}

void bind_take_tables(struct pasid_as *as, bool idle_only,
		      struct list_head *out)
{
	struct list_head *pos, *tmp;

	list_for_each_safe(pos, tmp, &as->hwpts) {
		struct pasid_hwpt *h = container_of(pos, struct pasid_hwpt,
						    as_node);

		if (!idle_only || !h->refs) {
			table_unlink(h);
			list_add_tail(&h->as_node, out);
		}
	}
}

void bind_free_tables(struct pasid_ctx *ctx, struct list_head *tables)
{
	struct list_head *pos, *tmp;

	list_for_each_safe(pos, tmp, tables)
		table_free(ctx, container_of(pos, struct pasid_hwpt, as_node));
	list_init(tables);
}

/* A failed call leaves no kernel object behind: destroy the tables of as
 * that it made and that are idle again (other calls' stay). */
static void drop_tables_made_by(struct pasid_as *as, uint64_t call)
{
	struct list_head *pos, *tmp;

	list_for_each_safe(pos, tmp, &as->hwpts) {
		struct pasid_hwpt *h = container_of(pos, struct pasid_hwpt,
						    as_node);

		if (!h->refs && h->maker == call)
			table_destroy(as->ctx, h);
	}
}

/* Each attach or bind call gets a number when it first takes the lock and
 * names itself again each time it takes the lock back: the tables made
 * while it holds the lock are its own. */
static uint64_t call_begin(struct pasid_ctx *ctx)
{
	ctx_lock(ctx);
	ctx->call = ++ctx->calls;
	return ctx->call;
}

static void call_resume(struct pasid_ctx *ctx, uint64_t call)
{
	ctx_lock(ctx);
	ctx->call = call;
}

unsigned int bind_idle_tables(struct pasid_as *as)
{
	return atomic_load(&as->nidle);
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

static const char *no_pasid_hint(const struct pasid_dev *dev)
{
	return dev->vendor->no_pasid_hint ?
	       dev->vendor->no_pasid_hint(&dev->caps) : NULL;
}

/*
 * The kernel pins an address space's memory when its first page table is
 * filled (at the first attach or table allocation), not at map time while
 * no device uses it: a map that could not be pinned fails only then.
 */
const char *pin_hint(int err)
{
	switch (err) {
	case EFAULT:
		return "the kernel pins the address space's mappings when its first page table is filled and could not: one of them is read-only memory mapped with PASID_MAP_WRITE (map it PASID_MAP_READ only) or memory no longer mapped in this process (pasid_unmap before munmap)";
	case ENOMEM:
		return "the kernel pins the address space's mappings when its first page table is filled, and they exceed RLIMIT_MEMLOCK (or memory ran out): raise the limit (ulimit -l; LimitMEMLOCK= for a systemd service) or map less before attaching";
	default:
		return NULL;
	}
}

/*
 * A new PASID-capable table of as, allocated through dev; needs no lock
 * (dev's caps and vendor and as's IOAS never change). -EOPNOTSUPP: the IOMMU
 * cannot build one; the caller records that in dev under the lock.
 */
static int table_alloc(struct pasid_dev *dev, struct pasid_as *as,
		       struct pasid_hwpt **out)
{
	const char *why = NULL;
	struct pasid_hwpt *h;
	int ret;

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
		if (ret == -EOPNOTSUPP)
			return no_pasid_table(dev, true, no_pasid_hint(dev));
		return pasid_kerr(dev->ctx, -ret, "IOMMU_HWPT_ALLOC",
				  "%s: could not allocate a page table for IOAS %u%s%s",
				  dev->name, as->ioas_id, pin_hint(-ret) ? ": " : "",
				  pin_hint(-ret) ? pin_hint(-ret) : "");
	}
	h->as = as;
	*out = h;
	return 0;
}

/* Under the lock: h, made by call, joins as, idle until someone attaches
 * it; its churn count starts with it if it is the only idle one. */
static void table_add(struct pasid_ctx *ctx, struct pasid_hwpt *h,
		      uint64_t call)
{
	struct pasid_as *as = h->as;

	h->maker = call;
	lock_take(&as->lock);
	if (atomic_fetch_add_explicit(&as->nidle, 1, memory_order_relaxed) == 0)
		as->idle_churn = 0;
	lock_give(&as->lock);
	list_add_tail(&h->as_node, &as->hwpts);
	pasid_log(ctx, PASID_LOG_DEBUG, "page table HWPT %u made for IOAS %u",
		  h->id, as->ioas_id);
}

static int table_new(struct pasid_dev *dev, struct pasid_as *as,
		     struct pasid_hwpt **out)
{
	int ret = table_alloc(dev, as, out);

	if (ret == -EOPNOTSUPP)
		dev->no_pasid_hwpt = true;	/* the RID keeps the kernel's */
	else if (!ret)
		table_add(dev->ctx, *out, dev->ctx->call);
	return ret;
}

/* A table of as that dev has not been refused. */
static bool table_for(const struct pasid_dev *dev, const struct pasid_as *as)
{
	const struct list_head *pos;

	for (pos = as->hwpts.next; pos != &as->hwpts; pos = pos->next)
		if (!table_refuses(container_of(pos, struct pasid_hwpt,
						as_node), dev))
			return true;
	return false;
}

/*
 * Allocating a table fills it with everything mapped in its address space
 * (and pins the memory if no other table did): the one step of a bind that
 * can take long. So when a call needs a new table, the lock is dropped for
 * the allocation and taken again, and the table joins as idle, to be found
 * by the rest of the call like any other; if the call fails after all,
 * drop_tables_made_by destroys it again. Called with the lock held and
 * returns with it held: a caller that needed the table must check again
 * what it decided before. Returns 0 or the allocation's diagnosed error.
 * A call that needs no table keeps the lock throughout (the steady state of
 * bind and rebind: one lock round trip per call).
 */
static int table_prepare(struct pasid_dev *dev, struct pasid_as *as,
			 bool need, uint64_t call)
{
	struct pasid_hwpt *h;
	int ret;

	if (!need)
		return 0;
	ctx_unlock(dev->ctx);
	ret = table_alloc(dev, as, &h);
	call_resume(dev->ctx, call);
	if (ret == -EOPNOTSUPP)
		dev->no_pasid_hwpt = true;
	else if (!ret)
		table_add(dev->ctx, h, call);
	return ret;
}

/* Turns a kernel attach errno into a diagnosed -errno. */
typedef int attach_error_fn(struct pasid_dev *dev, int err, uint32_t pasid);

#define MAX_TRIED 8

/*
 * Attach dev's RID (pasid K_NO_PASID) or PASID to a PASID-capable table of
 * as: the one its group requires if any, else the first of as's tables the
 * kernel accepts, else a new one. On success *out holds one more reference;
 * on failure nothing changed (a second attach is the kernel's atomic
 * replace, so a refused candidate leaves the old attachment in place).
 */
static int table_attach(struct pasid_dev *dev, struct pasid_as *as,
			uint32_t pasid, struct pasid_hwpt *required,
			attach_error_fn *attach_error, struct pasid_hwpt **out)
{
	struct pasid_hwpt *tried[MAX_TRIED], *h = required;
	unsigned int ntried = 0, i;
	struct list_head *pos;
	int ret;

	if (required) {
		ret = k_attach_pt(dev->fd, h->id, pasid, NULL);
		if (ret)
			return attach_error(dev, -ret, pasid);
		goto attached;
	}
	for (pos = as->hwpts.next; pos != &as->hwpts; pos = pos->next) {
		h = container_of(pos, struct pasid_hwpt, as_node);
		if (table_refuses(h, dev))
			continue;
		ret = k_attach_pt(dev->fd, h->id, pasid, NULL);
		if (!ret)
			goto attached;
		if (ret != -EINVAL)
			return attach_error(dev, -ret, pasid);
		if (ntried < MAX_TRIED)
			tried[ntried++] = h;
	}
	ret = table_new(dev, as, &h);
	if (ret)
		return ret;
	ret = k_attach_pt(dev->fd, h->id, pasid, NULL);
	if (ret) {
		/* the new table fails too: the refusals were not the other
		 * tables' fault, so none is remembered */
		table_destroy(dev->ctx, h);
		return attach_error(dev, -ret, pasid);
	}
	/* the kernel took a table of dev's own: the ones it refused belong
	 * to other IOMMUs (or are incompatible), do not ask again */
	for (i = 0; i < ntried; i++)
		table_note_refusal(tried[i], dev);
attached:
	table_ref(h);
	*out = h;
	return 0;
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

/* dev's RID would join a table of as that its group already has. */
static bool rid_holder_on(struct pasid_dev *dev, struct pasid_as *as)
{
	struct pasid_dev *holder = rid_holder(dev);

	return holder && holder->rid_as == as && holder->rid_hwpt;
}

static int rid_error(struct pasid_dev *dev, int err, uint32_t pasid)
{
	(void)pasid;
	switch (err) {
	case EADDRINUSE:
		return pasid_kerr(dev->ctx, err, "VFIO_DEVICE_ATTACH_IOMMUFD_PT",
				  "%s: mappings of the address space overlap the device's reserved regions (MSI window): unmap them first",
				  dev->name);
	case EINVAL:
		return pasid_kerr(dev->ctx, err, "VFIO_DEVICE_ATTACH_IOMMUFD_PT",
				  "%s: attaching the RID refused (devices of one IOMMU group must share the RID's address space, and a RID with PASIDs bound needs a PASID-capable table)",
				  dev->name);
	default:
		return pasid_kerr(dev->ctx, err, "VFIO_DEVICE_ATTACH_IOMMUFD_PT",
				  "%s: attaching the RID%s%s", dev->name,
				  pin_hint(err) ? ": " : "",
				  pin_hint(err) ? pin_hint(err) : "");
	}
}

/* Put the RID on as: a PASID-capable table if pasid_table, else the
 * kernel's automatic one. Atomic: on failure nothing changed. */
static int rid_set(struct pasid_dev *dev, struct pasid_as *as,
		   bool pasid_table)
{
	struct pasid_hwpt *h = NULL;
	struct list_head *pos;
	struct pasid_dev *s;
	bool replace = dev->rid_as != NULL;
	int ret;

	if (dev->rid_as == as && (dev->rid_hwpt != NULL) == pasid_table)
		return 0;
	if (pasid_table) {
		struct pasid_dev *holder = rid_holder(dev);
		struct pasid_hwpt *required = holder && holder != dev &&
			holder->rid_as == as ? holder->rid_hwpt : NULL;

		ret = table_attach(dev, as, K_NO_PASID, required, rid_error, &h);
		if (ret)
			return ret;
	} else {
		ret = k_attach_pt(dev->fd, as->ioas_id, K_NO_PASID, NULL);
		if (ret)
			return rid_error(dev, -ret, K_NO_PASID);
	}
	if (dev->rid_hwpt)
		table_put(dev->rid_hwpt);
	dev->rid_as = as;
	dev->rid_hwpt = h;
	if (!replace)
		return 0;
	/* a replace moved the RIDs of the whole group */
	for_each_sibling(s, dev, pos) {
		if (!s->rid_as)
			continue;
		if (h)
			table_ref(h);
		if (s->rid_hwpt)
			table_put(s->rid_hwpt);
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
	if (inherited(dev->ctx))
		return fork_refuse(dev->ctx, fn);
	return 0;
}

/* A backend other than iommufd: its own attach, no page-table choice. */
static int other_attach_rid(struct pasid_dev *dev, struct pasid_as *as,
			    unsigned int flags)
{
	int ret;

	if (flags & PASID_RID_PASID_TABLE)
		return backend_missing(dev->ctx,
				       "pasid_attach_rid: PASID_RID_PASID_TABLE needs",
				       "iommufd and the VFIO cdev (Linux 6.15+)");
	ctx_lock(dev->ctx);
	ret = dev->ctx->ops->attach_rid(dev, as);
	ctx_unlock(dev->ctx);
	return ret;
}

static int no_pasids(struct pasid_dev *dev)
{
	return backend_missing(dev->ctx, "PASID binds need",
			       "iommufd and the VFIO cdev (Linux 6.15+)");
}

PASID_API int pasid_attach_rid(struct pasid_dev *dev, struct pasid_as *as,
			       unsigned int flags)
{
	const unsigned int known = PASID_RID_KERNEL_TABLE | PASID_RID_PASID_TABLE;
	bool pasid_table, need;
	size_t npasids;
	uint64_t call;
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
	if (ctx_other(dev->ctx))
		return other_attach_rid(dev, as, flags);
	call = call_begin(dev->ctx);
	need = rid_wants_pasid_table(dev, as, flags) && !rid_holder_on(dev, as) &&
	       !table_for(dev, as);
	pasid_log_hold(true);
	ret = table_prepare(dev, as, need, call);
	pasid_log_hold(false);
	if (ret && (ret != -EOPNOTSUPP || (flags & PASID_RID_PASID_TABLE))) {
		pasid_log(dev->ctx, PASID_LOG_ERROR, "%s", pasid_errmsg());
		ctx_unlock(dev->ctx);
		return ret;
	}
	/* EOPNOTSUPP: dev now knows it gets no PASID-capable table, and the
	 * default takes the kernel's (below) */
	pasid_err_clear();
	ret = nested_refuse(dev, "pasid_attach_rid");
	if (ret)
		goto out;
	pasid_table = rid_wants_pasid_table(dev, as, flags);
	npasids = group_npasids(dev);
	if (!pasid_table && npasids) {
		ret = pasid_err(dev->ctx, EINVAL,
				"%s: %zu PASID(s) are bound%s, so the RID must stay on a PASID-capable page table: unbind them first",
				dev->name, npasids, npasids > dev->pasids.count ?
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
	if (ret)
		drop_tables_made_by(as, call);
	ctx_unlock(dev->ctx);
	return ret;
}

PASID_API int pasid_detach_rid(struct pasid_dev *dev)
{
	int ret;

	pasid_err_clear();
	if (!dev)
		return pasid_err(NULL, EINVAL, "pasid_detach_rid: dev is NULL");
	if (inherited(dev->ctx))
		return fork_refuse(dev->ctx, "pasid_detach_rid");
	ctx_lock(dev->ctx);
	if (ctx_other(dev->ctx)) {
		ret = dev->ctx->ops->detach_rid(dev);
		goto out;
	}
	ret = nested_refuse(dev, "pasid_detach_rid");
	if (ret)
		goto out;
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
		table_put(dev->rid_hwpt);
	dev->rid_as = NULL;
	dev->rid_hwpt = NULL;
out:
	ctx_unlock(dev->ctx);
	return ret;
}

/* ---- PASIDs ---- */

/* Why dev's IOMMU driver may attach no PASID (vendor rule), or NULL: none,
 * or this kernel attached one of dev's already. */
static const char *pasid_attach_limit(const struct pasid_dev *dev)
{
	if (dev->pasid_attach_works || !dev->vendor->pasid_attach_limit)
		return NULL;
	return dev->vendor->pasid_attach_limit(&dev->caps);
}

static int pasid_attach_error(struct pasid_dev *dev, int err, uint32_t pasid)
{
	const char *limit = pasid_attach_limit(dev);

	if (err == EOPNOTSUPP && limit)
		return pasid_kerr(dev->ctx, err, "VFIO_DEVICE_ATTACH_IOMMUFD_PT(PASID)",
				  "%s: %s; the kernel refused PASID %u and the RID was not touched",
				  dev->name, limit, pasid);
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
				  "%s: PASID %u refused (kernels before 6.15 know no PASID attach; otherwise it is beyond the PASID width of a device of its IOMMU group that this context has not opened, or a page table on the device is not PASID-capable)",
				  dev->name, pasid);
	default:
		return pasid_kerr(dev->ctx, err, "VFIO_DEVICE_ATTACH_IOMMUFD_PT(PASID)",
				  "%s: PASID %u%s%s", dev->name, pasid,
				  pin_hint(err) ? ": " : "",
				  pin_hint(err) ? pin_hint(err) : "");
	}
}

/*
 * Where the vendor says the kernel may attach no PASID, a bind that would
 * first move a RID off the kernel's table is refused before anything is
 * touched (with the RID detached or on a PASID-capable table the attach is
 * tried: it touches no RID, and a kernel that takes it proves the limit
 * gone). doc/kernel-rules.md §4.3 row 8.
 */
static int check_pasid_attach(struct pasid_dev *dev)
{
	const char *limit = pasid_attach_limit(dev);
	struct pasid_dev *holder = rid_holder(dev);

	if (!limit || !holder || holder->rid_hwpt)
		return 0;
	return pasid_err(dev->ctx, EOPNOTSUPP,
			 "%s: %s; refused before moving the RID of %s off the kernel's page table. If your kernel can, attach the RID with PASID_RID_PASID_TABLE (or bind before attaching it): the bind then asks the kernel",
			 dev->name, limit, holder->name);
}

static int check_pasid_capable(struct pasid_dev *dev)
{
	if (dev->nest)
		return nested_refuse(dev, "pasid_bind");
	if (dev->caps.pasid_width == 0)
		return pasid_err(dev->ctx, EOPNOTSUPP,
				 "%s has no PASID capability: the kernel reports PASID width 0 for it (the device or its IOMMU lacks PASID support, PASID is not enabled, or the kernel is older than 6.15); use pasid_attach_rid for untagged DMA",
				 dev->name);
	if (dev->no_pasid_hwpt)
		return no_pasid_table(dev, true, no_pasid_hint(dev));
	return check_pasid_attach(dev);
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

/* Which PASID to bind: the caller's, checked, or a free one of the group,
 * up to max (pasid_max). *required: the table a sibling already bound it to
 * (the kernel makes the group share it). */
static int pasid_choose(struct pasid_dev *dev, struct pasid_as *as, uint32_t pasid,
			uint32_t max, uint32_t *pick,
			struct pasid_hwpt **required)
{
	uint32_t p;
	struct pasid_dev *sibling;
	struct pasid_hwpt *sh;

	*required = NULL;
	if (pasid == PASID_ANY) {
		*pick = pasid_pick(dev->space, max);
		if (!*pick)
			return pasid_err(dev->ctx, ENOSPC,
					 "%s: all %u PASIDs are bound%s", dev->name, max,
					 dev->space->users > 1 ? " (by it and devices of its IOMMU group)" : "");
		return 0;
	}
	if (pasid < 1 || pasid > max)
		return pasid_err(dev->ctx, EINVAL,
				 "%s: PASID %u is outside 1..%u, the range %s (PASID 0 is the RID: use pasid_attach_rid)",
				 dev->name, pasid, max,
				 max < width_max(dev->caps.pasid_width) ?
				 "a narrower device of its IOMMU group allows (the group has one PASID space)" :
				 "the device supports");
	p = *pick = pasid;
	if (!idspace_test(&dev->space->ids, p))
		return 0;
	if (idmap_get(&dev->pasids, p))
		return pasid_err(dev->ctx, EBUSY,
				 "%s: PASID %u is already bound: unbind it or use pasid_rebind",
				 dev->name, p);
	/* the group has one PASID space: a sibling's PASID can only be
	 * shared, on the same address space */
	sh = sibling_binding(dev, p, &sibling);
	if (sh && sh->as != as)
		return pasid_err(dev->ctx, EBUSY,
				 "%s: PASID %u is bound to another address space by %s, a device of the same IOMMU group (the group has one PASID space): pick another PASID",
				 dev->name, p, sibling->name);
	*required = sh;
	return 0;
}

PASID_API int pasid_bind(struct pasid_dev *dev, struct pasid_as *as,
			 uint32_t pasid)
{
	struct pasid_hwpt *h, *required;
	struct pasid_dev *moved;
	bool took = false, need;
	uint32_t pick = 0, max = 0;
	uint64_t call;
	int ret;

	pasid_err_clear();
	ret = check_pair(dev, as, "pasid_bind");
	if (ret)
		return ret;
	if (ctx_other(dev->ctx))
		return no_pasids(dev);
	call = call_begin(dev->ctx);
	ret = check_pasid_capable(dev);
	need = !ret && !table_for(dev, as);
	if (need) {
		ret = table_prepare(dev, as, need, call);
		if (!ret)
			ret = check_pasid_capable(dev);
	}
	if (!ret)
		ret = space_get(dev);
	if (!ret) {
		max = pasid_max(dev);	/* walks the group: once per bind */
		ret = pasid_choose(dev, as, pasid, max, &pick, &required);
	}
	if (ret)
		goto out;
	/* room in both records first: recording cannot fail after the
	 * kernel attached */
	if (idmap_reserve(&dev->pasids, pick))
		goto nomem;
	if (!idspace_test(&dev->space->ids, pick)) {
		if (idspace_take(&dev->space->ids, pick))
			goto nomem;
		took = true;
	}
	ret = rid_make_pasid_ready(dev, &moved);
	if (ret)
		goto undo;
	ret = table_attach(dev, as, pick, required, pasid_attach_error, &h);
	if (ret) {
		if (moved) {
			rid_undo_move(moved);
			drop_tables_made_by(moved->rid_as, call);
		}
		goto undo;
	}
	idmap_set(&dev->pasids, pick, h);
	as->npasids++;
	dev->pasid_attach_works = true;
	/* only the library's own picks move the cursor: an explicit PASID
	 * (often a low, well-known one) must not send it back into a dense
	 * block of bound PASIDs */
	if (pasid == PASID_ANY)
		dev->space->cursor = pick == max ? 1 : pick + 1;
	ret = (int)pick;
	goto out;
nomem:
	ret = pasid_err(dev->ctx, ENOMEM, "out of memory for the PASID record");
undo:
	if (took)
		idspace_give(&dev->space->ids, pick);
	idmap_remove(&dev->pasids, pick);
out:
	if (ret < 0)
		drop_tables_made_by(as, call);
	ctx_unlock(dev->ctx);
	return ret;
}

/* The kernel detached pasid from h: forget it. */
static void unbind_record(struct pasid_dev *dev, uint32_t pasid,
			  struct pasid_hwpt *h)
{
	idmap_remove(&dev->pasids, pasid);
	h->as->npasids--;
	if (!sibling_binding(dev, pasid, NULL)) {
		idspace_give(&dev->space->ids, pasid);
		cursor_past_freed(dev->space, pasid, pasid_max(dev));
	}
	table_put(h);
}

static struct pasid_hwpt *bound_or_err(struct pasid_dev *dev,
				       uint32_t pasid, int *ret)
{
	struct pasid_hwpt *h = idmap_get(&dev->pasids, pasid);

	*ret = h ? 0 : pasid_err(dev->ctx, ENOENT,
				 "%s: PASID %u is not bound", dev->name, pasid);
	return h;
}

PASID_API int pasid_unbind(struct pasid_dev *dev, uint32_t pasid)
{
	struct pasid_hwpt *h;
	int ret;

	pasid_err_clear();
	if (!dev)
		return pasid_err(NULL, EINVAL, "pasid_unbind: dev is NULL");
	if (inherited(dev->ctx))
		return fork_refuse(dev->ctx, "pasid_unbind");
	ctx_lock(dev->ctx);
	h = bound_or_err(dev, pasid, &ret);
	if (!h)
		goto out;
	ret = k_detach_pt(dev->fd, pasid);
	if (ret) {
		ret = pasid_kerr(dev->ctx, -ret, "VFIO_DEVICE_DETACH_IOMMUFD_PT(PASID)",
				 "%s: PASID %u", dev->name, pasid);
		goto out;
	}
	unbind_record(dev, pasid, h);
out:
	ctx_unlock(dev->ctx);
	return ret;
}

PASID_API int pasid_rebind(struct pasid_dev *dev, uint32_t pasid,
			   struct pasid_as *as)
{
	struct pasid_hwpt *h, *old;
	struct list_head *pos;
	struct pasid_dev *s;
	uint64_t call;
	bool need;
	int ret;

	pasid_err_clear();
	ret = check_pair(dev, as, "pasid_rebind");
	if (ret)
		return ret;
	if (ctx_other(dev->ctx))
		return no_pasids(dev);
	call = call_begin(dev->ctx);
	old = bound_or_err(dev, pasid, &ret);
	need = old && old->as != as && !table_for(dev, as);
	if (need) {
		ret = table_prepare(dev, as, need, call);
		if (!ret)
			old = bound_or_err(dev, pasid, &ret);
	}
	if (ret || old->as == as)
		goto out;
	/* a second attach of a PASID is the kernel's atomic replace */
	ret = table_attach(dev, as, pasid, NULL, pasid_attach_error, &h);
	if (ret)
		goto out;
	idmap_set(&dev->pasids, pasid, h);
	old->as->npasids--;
	as->npasids++;
	table_put(old);
	/* a replace moved that PASID of the whole group */
	for_each_sibling(s, dev, pos) {
		struct pasid_hwpt *sh = idmap_get(&s->pasids, pasid);

		if (!sh)
			continue;
		table_ref(h);
		idmap_set(&s->pasids, pasid, h);
		sh->as->npasids--;
		as->npasids++;
		table_put(sh);
	}
out:
	if (ret)
		drop_tables_made_by(as, call);
	ctx_unlock(dev->ctx);
	return ret;
}

/* Best effort: the objects are going away. Linear in dev's bindings. */
void bind_release(struct pasid_dev *dev, struct pasid_as *as)
{
	uint32_t pasid = 0;
	struct pasid_hwpt *h;

	if (ctx_other(dev->ctx)) {	/* iommufd-group: no PASIDs, its detach */
		if (dev->rid_as && (!as || dev->rid_as == as))
			dev->ctx->ops->release_rid(dev);
		return;
	}

	nested_release(dev, as);
	while ((!as || as->npasids) &&
	       (h = idmap_next(&dev->pasids, pasid, &pasid))) {
		if (!as || h->as == as) {
			if (k_detach_pt(dev->fd, pasid))
				pasid_log(dev->ctx, PASID_LOG_WARN,
					  "%s: detaching PASID %u failed",
					  dev->name, pasid);
			unbind_record(dev, pasid, h);
		}
		pasid++;
	}
	if (dev->rid_as && (!as || dev->rid_as == as)) {
		if (k_detach_pt(dev->fd, K_NO_PASID))
			pasid_log(dev->ctx, PASID_LOG_WARN, "%s: detaching the RID failed",
				  dev->name);
		if (dev->rid_hwpt)
			table_put(dev->rid_hwpt);
		dev->rid_as = NULL;
		dev->rid_hwpt = NULL;
	}
}

void bind_dev_fini(struct pasid_dev *dev)
{
	struct list_head *a, *t;

	nested_forget(dev);
	idmap_fini(&dev->pasids);
	space_put(dev);
	/* its address may come back as another device's */
	for (a = dev->ctx->ases.next; a != &dev->ctx->ases; a = a->next) {
		struct pasid_as *as = container_of(a, struct pasid_as, ctx_node);

		for (t = as->hwpts.next; t != &as->hwpts; t = t->next) {
			struct pasid_hwpt *h = container_of(t, struct pasid_hwpt,
							    as_node);
			unsigned int i;

			for (i = 0; i < h->nrefused; i++)
				if (h->refused[i] == dev)
					h->refused[i--] = h->refused[--h->nrefused];
		}
	}
}
