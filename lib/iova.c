/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * What an application needs to place its own memory in an address space
 * (IOVA = VA, DPDK-style): whether an IOVA is usable now and after a RID
 * attaches, a window that keeps chosen IOVAs below a device's DMA limit,
 * the IOMMU page sizes, and the record looked up by process address and by
 * IOVA (maprec.h, O(log n) each).
 *
 * The window: iommufd has it in the kernel (IOMMU_IOAS_ALLOW_IOVAS restricts
 * only the kernel's IOVA allocator; doc/kernel-rules.md §8.5); the type1
 * backend, where the library picks IOVAs, keeps to it in its own allocator.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "internal.h"
#include "kabi.h"
#include "kernel.h"
#include "sysfs.h"

static uint64_t cpu_page(void)
{
	return (uint64_t)sysconf(_SC_PAGESIZE);
}

/* The usable ranges now, in a malloc'd array (*np of them), and the IOVA
 * alignment; the count may change between two asks (a device attached). */
static int ranges_get(struct pasid_as *as, struct pasid_iova_range **out,
		      unsigned int *np, uint64_t *align)
{
	struct pasid_iova_range *r, *grown;
	/* room for what IOMMUs have (a handful): one ask, mostly */
	unsigned int cap = 16, tries;
	int n;

	r = malloc(cap * sizeof(*r));
	if (!r)
		return pasid_err(as->ctx, ENOMEM, "out of memory");
	for (tries = 0; tries < 4; tries++) {
		n = pasid_as_iova_ranges(as, r, cap, align);
		if (n < 0) {
			free(r);
			return n;
		}
		if ((unsigned int)n <= cap) {
			*out = r;
			*np = (unsigned int)n;
			return 0;
		}
		grown = realloc(r, (size_t)n * sizeof(*r));
		if (!grown) {
			free(r);
			return pasid_err(as->ctx, ENOMEM, "out of memory");
		}
		r = grown;
		cap = (unsigned int)n;
	}
	free(r);
	return pasid_err(as->ctx, EAGAIN,
			 "the IOVA ranges of the address space kept changing (devices attached meanwhile?): try again");
}

/* ---- the reserved regions a RID attach cuts out ---- */

struct resv_hit {
	uint64_t start, last;
	char type[24];
};

/*
 * Does [iova, last] meet one of dev's reserved regions, as its IOMMU group's
 * reserved_regions in sysfs lists them? 1 (and *hit), 0, or -errno. The
 * kernel skips "direct-relaxable" regions at an iommufd attach
 * (iopt_table_enforce_group_resv_regions() in 7.3), and so does this.
 */
static int resv_meets(const struct pasid_dev *dev, uint64_t iova,
		      uint64_t last, struct resv_hit *hit)
{
	char path[256], buf[4096], *line, *save = NULL;
	int ret;

	if (dev->group < 0)
		return pasid_err(dev->ctx, ENODEV,
				 "%s: its IOMMU group is unknown, so are its reserved regions",
				 dev->name);
	ret = sysfs_path(path, sizeof(path),
			 "kernel/iommu_groups/%d/reserved_regions", dev->group);
	if (!ret)
		ret = sysfs_read_attr(path, buf, sizeof(buf));
	if (ret == -ENOENT)
		return 0;	/* no IOMMU reserves anything for it */
	if (ret)
		return pasid_err(dev->ctx, -ret,
				 "%s: could not read %s (%s)", dev->name, path,
				 strerror(-ret));
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long long s, l;
		char type[24];

		if (sscanf(line, "%llx %llx %23s", &s, &l, type) != 3 || s > l)
			continue;	/* not a region line: not trusted */
		if (!strcmp(type, "direct-relaxable"))
			continue;
		if (s <= last && l >= iova) {
			hit->start = s;
			hit->last = l;
			snprintf(hit->type, sizeof(hit->type), "%s", type);
			return 1;
		}
	}
	return 0;
}

/* What dev's RID attach would refuse: a mapping in a reserved region, or
 * beyond the input address width its IOMMU reports. */
static int dev_rule(const struct pasid_dev *dev, uint64_t iova, uint64_t last,
		    const char *fn)
{
	uint32_t bits = dev->caps.iova_bits;
	struct resv_hit hit;
	int ret;

	if (bits && bits < 64 && last >> bits)
		return pasid_err(dev->ctx, EADDRINUSE,
				 "%s: [0x%" PRIx64 ", 0x%" PRIx64 "] reaches beyond the %u-bit input addresses of %s's IOMMU: its page table cannot translate it, and a mapping there makes the RID attach fail",
				 fn, iova, last, bits, dev->name);
	ret = resv_meets(dev, iova, last, &hit);
	if (ret < 0)
		return ret;
	if (ret)
		return pasid_err(dev->ctx, EADDRINUSE,
				 "%s: [0x%" PRIx64 ", 0x%" PRIx64 "] meets %s's reserved region [0x%" PRIx64 ", 0x%" PRIx64 "] (%s): the kernel cuts it out when the RID attaches, and a mapping there makes that attach fail; map elsewhere",
				 fn, iova, last, dev->name, hit.start, hit.last,
				 hit.type);
	return 0;
}

/* ---- the check ---- */

int iova_usable(struct pasid_as *as, uint64_t iova, uint64_t len,
		const struct pasid_dev *dev, const char *fn)
{
	struct pasid_iova_range *r;
	const struct maprec_entry *e;
	uint64_t align, last, ws, wl, mi = 0, ml = 0;
	unsigned int n, i;
	int ret;

	if (!len)
		return pasid_err(as->ctx, EINVAL, "%s: length is 0", fn);
	if (__builtin_add_overflow(iova, len - 1, &last))
		return pasid_err(as->ctx, EOVERFLOW,
				 "%s: IOVA 0x%" PRIx64 " + length 0x%" PRIx64 " wraps around",
				 fn, iova, len);
	ret = ranges_get(as, &r, &n, &align);
	if (ret)
		return ret;
	for (i = 0; i < n; i++)
		if (r[i].start <= iova && last <= r[i].last)
			break;
	free(r);
	/* the library maps whole pages, whatever the kernel would take */
	if (align < cpu_page())
		align = cpu_page();
	if ((iova | len) & (align - 1))
		return pasid_err(as->ctx, EINVAL,
				 "%s: IOVA 0x%" PRIx64 " or length 0x%" PRIx64 " is not a multiple of the IOVA alignment 0x%" PRIx64,
				 fn, iova, len, align);
	if (i == n)
		return pasid_err(as->ctx, ERANGE,
				 "%s: [0x%" PRIx64 ", 0x%" PRIx64 "] is not inside one usable IOVA range: it meets a reserved region or lies beyond the IOMMU's aperture (see pasid_as_iova_ranges)",
				 fn, iova, last);
	lock_take(&as->lock);
	ws = as->win_start;
	wl = as->win_last;
	e = maprec_find_overlap(&as->rec, iova, len);
	if (e) {
		mi = e->iova;
		ml = e->iova + (e->len - 1);
	}
	lock_give(&as->lock);
	if (iova < ws || last > wl)
		return pasid_err(as->ctx, EDOM,
				 "%s: [0x%" PRIx64 ", 0x%" PRIx64 "] is outside the address space's IOVA window [0x%" PRIx64 ", 0x%" PRIx64 "] (pasid_as_set_iova_window)",
				 fn, iova, last, ws, wl);
	if (e)
		return pasid_err(as->ctx, EEXIST,
				 "%s: [0x%" PRIx64 ", 0x%" PRIx64 "] overlaps the mapping [0x%" PRIx64 ", 0x%" PRIx64 "]",
				 fn, iova, last, mi, ml);
	if (dev && dev->rid_as != as)
		return dev_rule(dev, iova, last, fn);
	return 0;
}

PASID_API int pasid_as_iova_check(struct pasid_as *as, uint64_t iova,
				  uint64_t len, const struct pasid_dev *dev)
{
	pasid_err_clear();
	if (!as)
		return pasid_err(NULL, EINVAL, "pasid_as_iova_check: as is NULL");
	if (inherited(as->ctx))
		return fork_refuse(as->ctx, "pasid_as_iova_check");
	if (dev && dev->ctx != as->ctx)
		return pasid_err(as->ctx, EINVAL,
				 "pasid_as_iova_check: the device and the address space belong to different contexts");
	return iova_usable(as, iova, len, dev, "pasid_as_iova_check");
}

/* ---- the window ---- */

/* The window's usable part, in page-aligned pieces (the kernel refuses a
 * piece with start >= last): *np of them in a malloc'd array. */
static int window_pieces(struct pasid_as *as, uint64_t start, uint64_t last,
			 struct kabi_iommu_iova_range **out, unsigned int *np)
{
	struct pasid_iova_range *r;
	struct kabi_iommu_iova_range *p;
	uint64_t align, page = cpu_page();
	unsigned int n, i, k = 0;
	int ret = ranges_get(as, &r, &n, &align);

	if (ret)
		return ret;
	p = calloc(n ? n : 1, sizeof(*p));
	if (!p) {
		free(r);
		return pasid_err(as->ctx, ENOMEM, "out of memory");
	}
	for (i = 0; i < n; i++) {
		uint64_t s = r[i].start > start ? r[i].start : start;
		uint64_t l = r[i].last < last ? r[i].last : last;

		if (s > l)
			continue;
		/* whole pages inside [s, l] */
		if (s & (page - 1)) {
			if (s > UINT64_MAX - page)
				continue;
			s = (s | (page - 1)) + 1;
		}
		if (l != UINT64_MAX && ((l + 1) & (page - 1))) {
			if (l < page)
				continue;
			l = (l & ~(page - 1)) - 1;
		}
		if (s >= l)
			continue;
		p[k].start = s;
		p[k].last = l;
		k++;
	}
	free(r);
	*out = p;
	*np = k;
	return 0;
}

static int iommufd_set_window(struct pasid_as *as, uint64_t start,
			      uint64_t last)
{
	struct kabi_iommu_iova_range *p = NULL;
	unsigned int n = 0, tries;
	bool all = !start && last == UINT64_MAX;
	int ret = 0;

	/* a device attaching between the ranges and the call makes the
	 * kernel refuse (EADDRINUSE): ask for the ranges again */
	for (tries = 0; tries < 3; tries++) {
		if (!all) {
			ret = window_pieces(as, start, last, &p, &n);
			if (ret)
				return ret;
			if (!n) {
				free(p);
				return pasid_err(as->ctx, ERANGE,
						 "pasid_as_set_iova_window: no usable IOVA is inside [0x%" PRIx64 ", 0x%" PRIx64 "] (see pasid_as_iova_ranges)",
						 start, last);
			}
		}
		ret = k_ioas_allow_iovas(as->ctx->iommufd, as->ioas_id, p, n);
		free(p);
		p = NULL;
		if (ret != -EADDRINUSE)
			break;
	}
	if (ret == -ENOTTY)
		return pasid_kerr(as->ctx, EOPNOTSUPP, "IOMMU_IOAS_ALLOW_IOVAS",
				  "the kernel cannot restrict its IOVA allocator");
	if (ret)
		return pasid_kerr(as->ctx, -ret, "IOMMU_IOAS_ALLOW_IOVAS",
				  "IOAS %u, window [0x%" PRIx64 ", 0x%" PRIx64 "]%s",
				  as->ioas_id, start, last,
				  ret == -EADDRINUSE ? ": reserved regions kept changing (devices attaching meanwhile?)" : "");
	lock_take(&as->lock);
	as->win_start = start;
	as->win_last = last;
	lock_give(&as->lock);
	return 0;
}

PASID_API int pasid_as_set_iova_window(struct pasid_as *as, uint64_t start,
				       uint64_t last)
{
	uint64_t page;
	int ret;

	pasid_err_clear();
	if (!as)
		return pasid_err(NULL, EINVAL,
				 "pasid_as_set_iova_window: as is NULL");
	if (inherited(as->ctx))
		return fork_refuse(as->ctx, "pasid_as_set_iova_window");
	/* IOMMU_IOAS_ALLOW_IOVAS would change the primary's allocator */
	if (as->imported)
		return share_refuse(as->ctx, "pasid_as_set_iova_window",
				    "setting an address space's IOVA window");
	page = cpu_page();
	if (start > last || (start & (page - 1)) ||
	    (last != UINT64_MAX && ((last + 1) & (page - 1))))
		return pasid_err(as->ctx, EINVAL,
				 "pasid_as_set_iova_window: [0x%" PRIx64 ", 0x%" PRIx64 "] is no window of whole pages (start a multiple of 0x%" PRIx64 ", last one below one)",
				 start, last, page);
	/* one window change at a time, and none while a RID attaches
	 * through the library */
	ctx_lock(as->ctx);
	if (as->other)
		ret = as->other->set_window(as, start, last);
	else
		ret = iommufd_set_window(as, start, last);
	ctx_unlock(as->ctx);
	return ret;
}

/* ---- page sizes ---- */

PASID_API int pasid_as_page_sizes(struct pasid_as *as, uint64_t *pgsizes)
{
	uint64_t align;
	int ret;

	pasid_err_clear();
	if (!as || !pgsizes)
		return pasid_err(as ? as->ctx : NULL, EINVAL,
				 "pasid_as_page_sizes: as and pgsizes must not be NULL");
	if (inherited(as->ctx))
		return fork_refuse(as->ctx, "pasid_as_page_sizes");
	if (as->other)
		return as->other->page_sizes(as, pgsizes);
	/* iommufd reports the IOVA alignment only: the largest smallest page
	 * size of the IOAS's page tables, never above the CPU page (7.3
	 * iopt_table_add_domain()); the kernel uses larger IOMMU pages where
	 * the memory allows, without saying which exist */
	ret = pasid_as_iova_ranges(as, NULL, 0, &align);
	if (ret < 0)
		return ret;
	if (align < cpu_page())
		align = cpu_page();
	*pgsizes = ~(align - 1);
	return 0;
}

/* ---- lookups ---- */

PASID_API int pasid_as_va_to_iova(struct pasid_as *as, const void *va,
				  uint64_t *iova)
{
	const struct maprec_entry *e;
	uint64_t at = 0;
	int ret;

	pasid_err_clear();
	if (!as || !iova)
		return pasid_err(as ? as->ctx : NULL, EINVAL,
				 "pasid_as_va_to_iova: as and iova must not be NULL");
	if (inherited(as->ctx))
		return fork_refuse(as->ctx, "pasid_as_va_to_iova");
	lock_take(&as->lock);
	/* the index by process address is built on the first lookup */
	ret = va ? maprec_va_index(&as->rec) : 0;
	e = va && !ret ? maprec_find_va(&as->rec, (uintptr_t)va) : NULL;
	if (e)
		at = e->iova + ((uintptr_t)va - e->va);
	lock_give(&as->lock);
	if (ret)
		return pasid_err(as->ctx, ENOMEM,
				 "pasid_as_va_to_iova: out of memory building the address space's index by process address (built once, on the first lookup by address)");
	if (!e)
		return pasid_err(as->ctx, ENOENT,
				 "pasid_as_va_to_iova: %p is in no pasid_map mapping of the address space (pasid_map_file and pasid_copy mappings have no process address)",
				 va);
	*iova = at;
	return 0;
}

PASID_API int pasid_as_iova_to_va(struct pasid_as *as, uint64_t iova,
				  void **va)
{
	const struct maprec_entry *e;
	uintptr_t at = 0;
	bool memory = false;

	pasid_err_clear();
	if (!as || !va)
		return pasid_err(as ? as->ctx : NULL, EINVAL,
				 "pasid_as_iova_to_va: as and va must not be NULL");
	if (inherited(as->ctx))
		return fork_refuse(as->ctx, "pasid_as_iova_to_va");
	lock_take(&as->lock);
	e = maprec_find_iova(&as->rec, iova);
	if (e && e->va) {
		memory = true;
		at = e->va + (uintptr_t)(iova - e->iova);
	}
	lock_give(&as->lock);
	if (!e)
		return pasid_err(as->ctx, ENOENT,
				 "pasid_as_iova_to_va: nothing is mapped at IOVA 0x%" PRIx64,
				 iova);
	if (!memory)
		return pasid_err(as->ctx, ENXIO,
				 "pasid_as_iova_to_va: the mapping at IOVA 0x%" PRIx64 " has no process address (made by pasid_map_file or pasid_copy)",
				 iova);
	*va = (void *)at;
	return 0;
}
