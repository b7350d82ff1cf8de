/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The legacy VFIO backend: a type1 container (/dev/vfio/vfio) per address
 * space and the IOMMU groups (/dev/vfio/<group>) of the devices, for kernels
 * without iommufd (doc/kernel-rules.md §10). RID DMA mapping only.
 *
 * - A group joins its address space's container at the first attach of one
 *   of its devices; the first group sets the container's IOMMU (type1v2).
 *   Only then does the kernel give out the device fd (§10.2), so a device
 *   opened here has no fd before its first attach, and a detach closes it:
 *   a group leaves a container only when no device fd of it is open.
 * - Type1 has no IOVA allocator (§10.4): the library picks the IOVA from the
 *   container's IOVA ranges and the mapping record, and reserves it in the
 *   record before the kernel maps it. Maps and unmaps of one address space
 *   run one at a time (as->serial, held across MAP_DMA and UNMAP_DMA;
 *   as.c's pasid_unmap takes it through ops->serial): the record then
 *   shows exactly what the kernel has, so no pick meets an IOVA still being
 *   unmapped and no unmap takes a reservation. Type1 is the legacy path;
 *   the per-address-space concurrency of iommufd is not kept here.
 * - A container without a group has no IOMMU and maps nothing (§10.1),
 *   but an address space keeps its mappings whether or not a device is
 *   attached, as an IOAS does. So while no group is in the container a map
 *   is only recorded (the IOVA picked from the whole space, as iommufd's
 *   allocator does without a device) and pins nothing; the first group to
 *   join maps the record into the kernel (replay), and the last to leave
 *   turns the mappings back into records (the kernel drops them then).
 *   A mapping the kernel refuses at the join (an IOVA in the group's
 *   reserved regions, the memlock limit) fails the attach, named.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "internal.h"
#include "kabi.h"
#include "sys.h"
#include "vfio-group.h"

#define CONTAINER_PATH "/dev/vfio/vfio"

static uint64_t page(void)
{
	return (uint64_t)sysconf(_SC_PAGESIZE);
}

/* raw: the ioctl's return value (GET_API_VERSION and CHECK_EXTENSION
 * answer in it), or -errno */
static int raw_ioctl(int fd, unsigned long req, void *arg)
{
	int r = pasid_sys->ioctl(fd, req, arg);

	return r < 0 ? -errno : r;
}

/* Opens a container and checks it speaks type1v2: the fd or -errno. */
static int container_open(struct pasid_ctx *ctx)
{
	int fd = sys_open(CONTAINER_PATH, O_RDWR), r;

	if (fd < 0)
		return pasid_kerr(ctx, -fd, "open(" CONTAINER_PATH ")", "%s",
				  fd == -ENOENT ?
				  "no VFIO container either: load vfio-pci (modprobe vfio-pci) and enable the IOMMU (intel_iommu=on, amd_iommu=on)" :
				  "no permission: run as root or give your user /dev/vfio/vfio and the group nodes /dev/vfio/<group>");
	r = raw_ioctl(fd, KABI_VFIO_GET_API_VERSION, NULL);
	if (r < 0) {
		r = pasid_kerr(ctx, -r, "VFIO_GET_API_VERSION",
			       "the VFIO container did not answer");
	} else if (r != KABI_VFIO_API_VERSION) {
		r = pasid_err(ctx, EOPNOTSUPP,
			      "VFIO_GET_API_VERSION answered %d, not %d: an unknown VFIO",
			      r, KABI_VFIO_API_VERSION);
	} else {
		r = raw_ioctl(fd, KABI_VFIO_CHECK_EXTENSION,
			      (void *)(uintptr_t)KABI_VFIO_TYPE1v2_IOMMU);
		if (r < 0)
			r = pasid_kerr(ctx, -r, "VFIO_CHECK_EXTENSION",
				       "asking the VFIO container for type1v2");
		else if (r != 1)
			r = pasid_err(ctx, EOPNOTSUPP,
				      "the VFIO container has no type1v2 IOMMU driver: load vfio_iommu_type1");
		else
			return fd;
	}
	sys_close(fd);
	return r;
}

static int t1_ctx_open(struct pasid_ctx *ctx)
{
	int fd = container_open(ctx);

	if (fd < 0)
		return fd;
	sys_close(fd);	/* a probe: each address space opens its own */
	return 0;
}

static void t1_ctx_close(struct pasid_ctx *ctx)
{
	(void)ctx;	/* the groups went with the devices */
}

/* ---- address spaces ---- */

static int t1_as_new(struct pasid_as *as)
{
	int fd = container_open(as->ctx);

	if (fd < 0)
		return fd;
	as->container = fd;
	pthread_mutex_init(&as->serial, NULL);
	return 0;
}

/* Read the container's IOVA ranges (§10.3) into as, under as->lock. */
static int refresh_ranges(struct pasid_as *as)
{
	const unsigned int max_tries = 4;
	struct kabi_vfio_iommu_type1_info *info;
	struct pasid_iova_range *r = NULL;
	/* sz: what the kernel asks for; have: what buf holds, which bounds
	 * the walk (they differ if the kernel never stops asking for more) */
	uint32_t sz = sizeof(*info), have = 0, off, nr = 0, i;
	unsigned int tries;
	uint8_t *buf = NULL, *grown;
	uint64_t pgsizes;
	int ret;

	for (tries = 0; tries < max_tries; tries++) {
		grown = realloc(buf, sz);
		if (!grown) {
			free(buf);
			return pasid_err(as->ctx, ENOMEM, "out of memory");
		}
		buf = grown;
		have = sz;
		memset(buf, 0, sz);
		info = (void *)buf;
		info->argsz = sz;
		ret = sys_ioctl(as->container, KABI_VFIO_IOMMU_GET_INFO, info);
		if (ret) {
			free(buf);
			return pasid_kerr(as->ctx, -ret, "VFIO_IOMMU_GET_INFO",
					  "reading the container's IOVA ranges");
		}
		if (info->argsz <= sz)
			break;
		sz = info->argsz;	/* the chain needs more room */
	}
	if (tries == max_tries) {
		free(buf);
		return pasid_err(as->ctx, EPROTO,
				 "VFIO_IOMMU_GET_INFO: the kernel asked for a larger argsz on each of %u tries (%u bytes at the last): not trusted, and the RID is not attached; a kernel bug to report",
				 max_tries, sz);
	}
	sz = have;
	info = (void *)buf;
	pgsizes = info->flags & KABI_VFIO_IOMMU_INFO_PGSIZES ?
		  info->iova_pgsizes : 0;
	off = (info->flags & KABI_VFIO_IOMMU_INFO_CAPS) ? info->cap_offset : 0;
	/* walk by id; each entry must lie in the buffer and the chain only
	 * go forward, so a bad answer cannot loop or read outside */
	while (off && off >= sizeof(*info) &&
	       off + sizeof(struct kabi_vfio_info_cap_header) <= sz) {
		struct kabi_vfio_info_cap_header h;
		struct kabi_vfio_iommu_type1_info_cap_iova_range c;

		memcpy(&h, buf + off, sizeof(h));
		if (h.id == KABI_VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE &&
		    off + sizeof(c) <= sz) {
			memcpy(&c, buf + off, sizeof(c));
			if (c.nr_iovas > (sz - off - sizeof(c)) /
					 sizeof(struct kabi_vfio_iova_range))
				break;
			nr = c.nr_iovas;
			r = calloc(nr ? nr : 1, sizeof(*r));
			if (!r) {
				free(buf);
				return pasid_err(as->ctx, ENOMEM, "out of memory");
			}
			for (i = 0; i < nr; i++) {
				struct kabi_vfio_iova_range v;

				memcpy(&v, buf + off + sizeof(c) + i * sizeof(v),
				       sizeof(v));
				r[i].start = v.start;
				r[i].last = v.end;
			}
			break;
		}
		if (h.next <= off)
			break;
		off = h.next;
	}
	free(buf);
	if (!r) {
		/* a kernel before the capability (5.4): the whole space */
		r = calloc(1, sizeof(*r));
		if (!r)
			return pasid_err(as->ctx, ENOMEM, "out of memory");
		r[0].last = UINT64_MAX;
		nr = 1;
	}
	lock_take(&as->lock);
	free(as->ranges);
	as->ranges = r;
	as->nranges = nr;
	as->pgsizes = pgsizes;
	lock_give(&as->lock);
	return 0;
}

static int t1_iova_ranges(struct pasid_as *as, struct pasid_iova_range *out,
			  unsigned int n, uint64_t *alignment)
{
	unsigned int i, num;

	lock_take(&as->lock);
	if (!as->ranges) {
		/* no IOMMU yet: like an IOAS without a domain */
		num = 1;
		if (n) {
			out[0].start = 0;
			out[0].last = UINT64_MAX;
		}
		if (alignment)
			*alignment = 1;
	} else {
		num = as->nranges;
		for (i = 0; i < n && i < num; i++)
			out[i] = as->ranges[i];
		if (alignment)
			*alignment = page();
	}
	lock_give(&as->lock);
	return (int)num;
}

/* ---- map and unmap ---- */

/* no IOMMU yet (no group in the container): the whole space, as an IOAS
 * without a device has it */
static const struct pasid_iova_range whole_space = { 0, UINT64_MAX };

static const struct pasid_iova_range *ranges_of(const struct pasid_as *as,
						unsigned int *n)
{
	*n = as->ranges ? as->nranges : 1;
	return as->ranges ? as->ranges : &whole_space;
}

/* [at, +len) inside one of the IOVA ranges */
static bool in_ranges(const struct pasid_as *as, uint64_t at, uint64_t len)
{
	const struct pasid_iova_range *r;
	unsigned int i, n;

	if (at + len - 1 < at)
		return false;
	r = ranges_of(as, &n);
	for (i = 0; i < n; i++)
		if (at >= r[i].start && at + len - 1 <= r[i].last)
			return true;
	return false;
}

/* [at, +len) inside one range and the window: where a picked IOVA may go */
static bool fits(const struct pasid_as *as, uint64_t at, uint64_t len)
{
	return at >= as->win_start && at + len - 1 <= as->win_last &&
	       in_ranges(as, at, len);
}

/* The first IOVA >= lo where len fits before the next mapping and inside
 * a range; as->lock held. Above the highest mapping first (O(1), where a
 * steady stream of maps lands), else a first-fit walk of the record in
 * IOVA order: linear in the mappings (maprec has no gap index). */
static bool pick_iova(struct pasid_as *as, uint64_t len, uint64_t *iova)
{
	const struct maprec_entry *e, *hi = maprec_last(&as->rec);
	/* never 0, as iommufd's allocator; inside the window */
	uint64_t lo = as->win_start > page() ? as->win_start : page();
	const struct pasid_iova_range *r;
	unsigned int i, n;

	if (hi && hi->iova + hi->len > hi->iova &&
	    fits(as, hi->iova + hi->len, len)) {
		*iova = hi->iova + hi->len;
		return true;
	}
	r = ranges_of(as, &n);
	for (i = 0; i < n; i++) {
		uint64_t at = r[i].start > lo ? r[i].start : lo;

		at = (at + page() - 1) & ~(page() - 1);
		for (e = maprec_first(&as->rec); e; e = maprec_next(e)) {
			if (e->iova + e->len <= at)
				continue;
			if (e->iova >= at && e->iova - at >= len)
				break;		/* the gap before e */
			at = e->iova + e->len;
			if (!at)
				break;		/* ends at the top */
		}
		if (at && fits(as, at, len)) {
			*iova = at;
			return true;
		}
	}
	return false;
}

static int map_failed(struct pasid_as *as, int err, uint64_t iova,
		      uint64_t len)
{
	const char *call = "VFIO_IOMMU_MAP_DMA";

	switch (err) {
	case ENOSPC:
		return pasid_kerr(as->ctx, err, call,
				  "the container's DMA entry limit is reached: VFIO type1 allows 65535 mappings per container by default; map fewer, larger buffers, or raise it (modprobe vfio_iommu_type1 dma_entry_limit=N)");
	case EEXIST:
		return pasid_kerr(as->ctx, err, call,
				  "[0x%" PRIx64 ", +0x%" PRIx64 ") overlaps an existing mapping (one made with a raw ioctl?)",
				  iova, len);
	case EINVAL:
		return pasid_kerr(as->ctx, err, call,
				  "[0x%" PRIx64 ", +0x%" PRIx64 ") is outside the IOVA ranges (see pasid_as_iova_ranges) or no device is attached to the address space yet",
				  iova, len);
	case ENOMEM:
		return pasid_kerr(as->ctx, err, call,
				  "pinning failed: raise RLIMIT_MEMLOCK (ulimit -l) or map less");
	case EFAULT:
		return pasid_kerr(as->ctx, err, call,
				  "the kernel could not pin the buffer: it is not mapped in this process, or read-only memory mapped with PASID_MAP_WRITE");
	default:
		return pasid_kerr(as->ctx, err, call, "mapping 0x%" PRIx64 " bytes",
				  len);
	}
}

/* as->serial held */
static int map_serial(struct pasid_as *as, void *buf, uint64_t len,
		      unsigned int flags, uint64_t *iova)
{
	struct kabi_vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = (flags & PASID_MAP_READ ? KABI_VFIO_DMA_MAP_FLAG_READ : 0) |
			 (flags & PASID_MAP_WRITE ? KABI_VFIO_DMA_MAP_FLAG_WRITE : 0),
		.vaddr = (uintptr_t)buf,
		.size = len,
	};
	struct maprec_entry *taken = NULL;
	int ret;

	lock_take(&as->lock);
	if (flags & PASID_MAP_FIXED_IOVA) {
		m.iova = *iova;
	} else if (!pick_iova(as, len, &m.iova)) {
		lock_give(&as->lock);
		return pasid_err(as->ctx, ENOSPC,
				 "pasid_map: no free IOVA range of 0x%" PRIx64 " bytes is left in the address space",
				 len);
	}
	/* reserved in the record before the kernel is asked, so a record
	 * that cannot take it fails before anything is mapped */
	ret = maprec_add(&as->rec, m.iova, len, (uintptr_t)buf);
	if (!ret) {
		maprec_set_prot(&as->rec, m.iova,
				(uint8_t)(flags & PASID_MAP_RW));
		as->mapped_bytes += len;
	}
	lock_give(&as->lock);
	if (ret == -EEXIST)
		return pasid_err(as->ctx, EEXIST,
				 "pasid_map: [0x%" PRIx64 ", +0x%" PRIx64 ") overlaps an existing mapping: unmap it first or map elsewhere",
				 m.iova, len);
	if (ret)
		return pasid_err(as->ctx, -ret, ret == -ENOMEM ?
				 "out of memory for the mapping record" :
				 "pasid_map: IOVA 0x%" PRIx64 " + 0x%" PRIx64 " runs past the top of the address space",
				 m.iova, len);
	/* no group in the container: recorded, mapped at the first join */
	if (!as->iommu_set) {
		*iova = m.iova;
		return 0;
	}
	ret = sys_ioctl(as->container, KABI_VFIO_IOMMU_MAP_DMA, &m);
	if (!ret) {
		*iova = m.iova;
		return 0;
	}
	/* our reservation still: no unmap ran meanwhile (as->serial) */
	lock_take(&as->lock);
	if (!maprec_take(&as->rec, m.iova, len, &taken, NULL))
		maprec_release(&as->rec, taken);
	as->mapped_bytes -= len;
	lock_give(&as->lock);
	return map_failed(as, -ret, m.iova, len);
}

static int t1_map(struct pasid_as *as, void *buf, uint64_t len,
		  unsigned int flags, uint64_t *iova)
{
	int ret;

	pthread_mutex_lock(&as->serial);
	ret = map_serial(as, buf, len, flags, iova);
	pthread_mutex_unlock(&as->serial);
	return ret;
}

static int t1_unmap_one(struct pasid_as *as, uint64_t iova, uint64_t len,
			uint64_t *unmapped)
{
	struct kabi_vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .iova = iova, .size = len,
	};
	int ret;

	if (!as->iommu_set) {	/* only recorded (as->serial held) */
		if (unmapped)
			*unmapped = len;
		return 0;
	}
	ret = sys_ioctl(as->container, KABI_VFIO_IOMMU_UNMAP_DMA, &u);

	if (!ret && unmapped)
		*unmapped = u.size;
	return ret;
}

/* The library's allocator (pick_iova) keeps to the window; a window with
 * nothing usable in the known ranges is refused, as iommufd refuses it. */
static int t1_set_window(struct pasid_as *as, uint64_t start, uint64_t last)
{
	unsigned int i;
	bool usable = false;

	lock_take(&as->lock);
	for (i = 0; i < as->nranges; i++)
		usable |= as->ranges[i].start <= last &&
			  as->ranges[i].last >= start;
	if (usable || !as->ranges) {
		as->win_start = start;
		as->win_last = last;
	}
	lock_give(&as->lock);
	if (!usable && as->ranges)
		return pasid_err(as->ctx, ERANGE,
				 "pasid_as_set_iova_window: no usable IOVA is inside [0x%" PRIx64 ", 0x%" PRIx64 "] (see pasid_as_iova_ranges)",
				 start, last);
	return 0;
}

/* VFIO_IOMMU_GET_INFO's iova_pgsizes once a group set the IOMMU; before,
 * every size from the CPU page up, as iommufd answers. */
static int t1_page_sizes(struct pasid_as *as, uint64_t *pgsizes)
{
	uint64_t known;

	lock_take(&as->lock);
	known = as->ranges ? as->pgsizes : 0;
	lock_give(&as->lock);
	*pgsizes = known ? known : ~(page() - 1);
	return known ? 1 : 0;
}

/* ---- groups and devices ---- */

static int t1_dev_open(struct pasid_ctx *ctx, const char *name,
		       struct pasid_dev **devp)
{
	return vgroup_dev_open(ctx, name, PASID_BACKEND_TYPE1, devp);
}

/* The group leaves its container; ctx->lock and the container's
 * as->serial held (the last group leaving turns the mappings into records
 * only, which no map or unmap may see half done). If the kernel keeps it
 * there: -EBUSY and the group stays in as, as the kernel has it, unless
 * force (as or the group is going away: closing the group's fd takes it
 * out then). */
static int group_leave(struct vgroup *g, bool force)
{
	struct pasid_as *as = g->as;
	int ret = sys_ioctl(g->fd, KABI_VFIO_GROUP_UNSET_CONTAINER, NULL);

	if (ret && !force)
		return pasid_err(as->ctx, EBUSY,
				 "VFIO_GROUP_UNSET_CONTAINER of group %d failed (%s): the device is detached but its group stays in the address space's container, with its mappings; attach and detach again, or free the address space",
				 g->id, strerror(-ret));
	if (ret)
		pasid_log(as->ctx, PASID_LOG_WARN,
			  "VFIO_GROUP_UNSET_CONTAINER of group %d failed (%d)",
			  g->id, ret);
	g->as = NULL;
	if (--as->ngroups) {
		pasid_log_hold(true);
		if (refresh_ranges(as))	/* keep the narrower ones */
			pasid_err_clear();
		pasid_log_hold(false);
		return 0;
	}
	/* the kernel released the IOMMU driver (§10.1) */
	as->iommu_set = false;
	lock_take(&as->lock);
	free(as->ranges);
	as->ranges = NULL;
	as->nranges = 0;
	as->pgsizes = 0;
	lock_give(&as->lock);
	return 0;
}

/* ctx->lock held; force: the address space or device is going away */
static int detach_locked(struct pasid_dev *dev, bool force)
{
	struct pasid_as *as = dev->rid_as;
	struct vgroup *g = dev->vgroup;
	int ret = 0;

	if (!as)
		return pasid_err(dev->ctx, ENOENT, "%s: the RID is not attached",
				 dev->name);
	/* no map or unmap runs while the group leaves: the last one to leave
	 * turns the mappings into records only, the kernel dropping them
	 * (order: ctx->lock, as->serial, as->lock) */
	pthread_mutex_lock(&as->serial);
	/* the group can leave only once no file of the device is open
	 * (§10.2): BARs still mapped (only when forced: pasid_detach_rid
	 * refuses before) go first */
	dev_bars_drop(dev, "the device left its address space through its VFIO group, which closes the device fd");
	sys_close(dev->fd);
	dev->fd = -1;
	dev->rid_as = NULL;
	if (!--g->attached)
		ret = group_leave(g, force);
	pthread_mutex_unlock(&as->serial);
	return ret;
}

/* Map the record into the container whose IOMMU was just set: the
 * mappings made while no group was in it. ctx->lock and as->serial held.
 * On failure the caller takes the group out, which drops what was mapped. */
static int replay(struct pasid_dev *dev, struct pasid_as *as)
{
	const struct maprec_entry *e;
	int ret;

	for (e = maprec_first(&as->rec); e; e = maprec_next(e)) {
		struct kabi_vfio_iommu_type1_dma_map m = {
			.argsz = sizeof(m),
			.flags = (e->prot & PASID_MAP_READ ? KABI_VFIO_DMA_MAP_FLAG_READ : 0) |
				 (e->prot & PASID_MAP_WRITE ? KABI_VFIO_DMA_MAP_FLAG_WRITE : 0),
			.vaddr = e->va, .iova = e->iova, .size = e->len,
		};

		if (!in_ranges(as, e->iova, e->len))
			return pasid_err(as->ctx, EINVAL,
					 "%s: the mapping at [0x%" PRIx64 ", +0x%" PRIx64 "), made while no device was attached, lies outside the IOVA ranges the kernel gives the address space with this device (a reserved region such as the MSI window): unmap it, or map at an IOVA inside pasid_as_iova_ranges",
					 dev->name, e->iova, e->len);
		ret = sys_ioctl(as->container, KABI_VFIO_IOMMU_MAP_DMA, &m);
		if (ret) {
			char why[PASID_MSG_MAX];	/* not formatted from
							   itself */

			map_failed(as, -ret, e->iova, e->len);
			snprintf(why, sizeof(why), "%s", pasid_errmsg());
			return pasid_err(as->ctx, -ret,
					 "%s: the mapping at [0x%" PRIx64 ", +0x%" PRIx64 "), made while no device was attached, could not be mapped at the attach: %s",
					 dev->name, e->iova, e->len, why);
		}
	}
	return 0;
}

/* The device's group joins as's container, the first one setting its
 * IOMMU and mapping the record; ctx->lock and as->serial held. */
static int group_join(struct pasid_dev *dev, struct pasid_as *as)
{
	struct pasid_ctx *ctx = dev->ctx;
	struct vgroup *g = dev->vgroup;
	int ret;

	ret = sys_ioctl(g->fd, KABI_VFIO_GROUP_SET_CONTAINER, &as->container);
	if (ret == -EPERM)
		return vgroup_not_viable(ctx, EPERM, "VFIO_GROUP_SET_CONTAINER",
					 dev->name, g->id);
	if (ret)
		return pasid_kerr(ctx, -ret, "VFIO_GROUP_SET_CONTAINER",
				  "%s: group %d%s", dev->name, g->id,
				  ret == -EINVAL ? ": its reserved regions or aperture overlap a mapping of the address space" : "");
	if (!as->iommu_set) {
		ret = sys_ioctl(as->container, KABI_VFIO_SET_IOMMU,
				(void *)(uintptr_t)KABI_VFIO_TYPE1v2_IOMMU);
		if (ret) {
			sys_ioctl(g->fd, KABI_VFIO_GROUP_UNSET_CONTAINER, NULL);
			return pasid_kerr(ctx, -ret, "VFIO_SET_IOMMU", "%s: type1v2%s",
					  dev->name, ret == -EPERM ?
					  ": the platform has no interrupt remapping; if you accept that, load vfio_iommu_type1 with allow_unsafe_interrupts=1" : "");
		}
		as->iommu_set = true;
	}
	g->as = as;
	as->ngroups++;
	ret = refresh_ranges(as);
	if (!ret && as->ngroups == 1)
		ret = replay(dev, as);
	if (ret) {
		pasid_log_hold(true);
		group_leave(g, true);
		pasid_log_hold(false);
	}
	return ret;
}

static int t1_attach_rid(struct pasid_dev *dev, struct pasid_as *as)
{
	struct pasid_ctx *ctx = dev->ctx;
	struct vgroup *g = dev->vgroup;
	bool joined = false;
	int ret, fd;

	if (dev->rid_as == as)
		return 0;
	if (dev->rid_as)
		return pasid_err(ctx, EBUSY,
				 "%s: attached to another address space; VFIO type1 cannot move a device between containers: pasid_detach_rid first",
				 dev->name);
	if (g->as && g->as != as)
		return pasid_err(ctx, EBUSY, g->attached ?
				 "%s: its IOMMU group %d is in another address space's container (a device of the group is attached there): with VFIO type1 the devices of a group share one address space" :
				 "%s: its IOMMU group %d stayed in another address space's container after the kernel refused to take it out (VFIO_GROUP_UNSET_CONTAINER): detach again there or free that address space",
				 dev->name, g->id);
	if (!g->as) {
		/* no map or unmap while the group joins and the record is
		 * mapped into the kernel */
		pthread_mutex_lock(&as->serial);
		ret = group_join(dev, as);
		pthread_mutex_unlock(&as->serial);
		if (ret)
			return ret;
		joined = true;
	}
	fd = vgroup_device_fd(dev);
	if (fd < 0) {
		ret = fd;
		goto undo;
	}
	dev->fd = fd;
	dev->rid_as = as;
	g->attached++;
	return 0;
undo:
	if (joined && !g->attached) {
		pthread_mutex_lock(&as->serial);
		pasid_log_hold(true);
		group_leave(g, true);
		pasid_log_hold(false);
		pthread_mutex_unlock(&as->serial);
	}
	return ret;
}

static int t1_detach_rid(struct pasid_dev *dev)
{
	int ret = dev->rid_as ? vgroup_bars_mapped(dev) : 0;

	return ret ? ret : detach_locked(dev, false);
}

static void t1_dev_close(struct pasid_dev *dev)
{
	struct pasid_ctx *ctx = dev->ctx;

	ctx_lock(ctx);
	if (dev->rid_as)
		detach_locked(dev, true);
	/* the group's last device, detached, the kernel kept it in a
	 * container: closing its fd below takes it out */
	if (dev->vgroup->devs == 1 && dev->vgroup->as) {
		struct pasid_as *as = dev->vgroup->as;

		pthread_mutex_lock(&as->serial);
		group_leave(dev->vgroup, true);
		pthread_mutex_unlock(&as->serial);
	}
	vgroup_dev_free(dev);
	ctx_unlock(ctx);
}

/* The group's fd and struct go with its last device: the child's copy of
 * the fd only, so the parent's group stays in its container. */
static void t1_fork_forget_dev(struct pasid_dev *dev)
{
	vgroup_put(dev->vgroup);
}

static void t1_as_free(struct pasid_as *as)
{
	struct pasid_ctx *ctx = as->ctx;
	struct list_head *pos, *tmp;

	ctx_lock(ctx);
	list_for_each_safe(pos, tmp, &ctx->devs) {
		struct pasid_dev *d = container_of(pos, struct pasid_dev,
						   ctx_node);

		if (d->rid_as == as)
			detach_locked(d, true);
	}
	/* a group whose devices are detached but which the kernel kept in
	 * the container (group_leave) */
	list_for_each_safe(pos, tmp, &ctx->vgroups) {
		struct vgroup *g = container_of(pos, struct vgroup,
						  ctx_node);

		if (g->as == as) {
			pthread_mutex_lock(&as->serial);
			group_leave(g, true);
			pthread_mutex_unlock(&as->serial);
		}
	}
	list_del(&as->ctx_node);
	ctx_unlock(ctx);
	/* no group is in it now: closing it unmaps nothing more */
	sys_close(as->container);
	maprec_fini(&as->rec);
	free(as->ranges);
	pthread_mutex_destroy(&as->serial);
	lock_destroy(&as->lock);
	free(as);
}

const struct backend_ops backend_type1 = {
	.id = PASID_BACKEND_TYPE1,
	.name = "type1",
	.ctx_open = t1_ctx_open,
	.ctx_close = t1_ctx_close,
	.as_new = t1_as_new,
	.as_free = t1_as_free,
	.iova_ranges = t1_iova_ranges,
	.map = t1_map,
	.unmap_one = t1_unmap_one,
	.serial = true,
	.set_window = t1_set_window,
	.page_sizes = t1_page_sizes,
	.dev_open = t1_dev_open,
	.dev_close = t1_dev_close,
	.attach_rid = t1_attach_rid,
	.detach_rid = t1_detach_rid,
	.fork_forget_dev = t1_fork_forget_dev,
};
