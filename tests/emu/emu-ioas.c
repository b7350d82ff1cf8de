/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The IOAS (io_pagetable): areas, reserved ranges, IOVA allocation and the
 * ioctls of doc/kernel-rules.md §8: IOAS_IOVA_RANGES, IOAS_MAP,
 * IOAS_MAP_FILE, IOAS_COPY and IOAS_UNMAP, with the errno of each rule as 7.3
 * io_pagetable.c/ioas.c have it. Like the kernel, user memory is pinned
 * (here: checked to be mapped with the right access) only once a domain
 * (HWPT) is filled from the IOAS.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu-internal.h"

#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))

/* One contiguous piece of pages to map (iopt_pages_list). */
struct piece {
	struct emu_pages *pages;
	uint64_t off, len;
};

static struct emu_obj *get_ioas(struct emu_ctx *ctx, uint32_t id)
{
	return emu_obj_find(ctx, id, EMU_OBJ_IOAS);
}

static uint64_t area_last(const struct emu_area *a)
{
	return a->iova + a->len - 1;
}

unsigned long emu_ioas_bytes(struct emu_obj *ioas)
{
	unsigned long n = 0;
	size_t i;

	for (i = 0; i < ioas->nareas; i++)
		n += ioas->areas[i].len;
	return n;
}

struct emu_area *emu_ioas_find_area(struct emu_obj *ioas, uint64_t iova)
{
	size_t i;

	for (i = 0; i < ioas->nareas; i++)
		if (ioas->areas[i].iova <= iova &&
		    iova <= area_last(&ioas->areas[i]))
			return &ioas->areas[i];
	return NULL;
}

/* The lowest area intersecting [start, last], or NULL. */
static struct emu_area *first_area(struct emu_obj *ioas, uint64_t start,
				   uint64_t last)
{
	size_t i;

	for (i = 0; i < ioas->nareas; i++)
		if (ioas->areas[i].iova <= last &&
		    area_last(&ioas->areas[i]) >= start)
			return &ioas->areas[i];
	return NULL;
}

static bool resv_hit(struct emu_obj *ioas, uint64_t start, uint64_t last)
{
	size_t i;

	for (i = 0; i < ioas->nresv; i++)
		if (ioas->resv[i].start <= last && ioas->resv[i].last >= start)
			return true;
	return false;
}

/* ---- pages ------------------------------------------------------------- */

static void pages_put(struct emu_pages *p)
{
	if (--p->refs)
		return;
	if (p->map)
		munmap(p->map, p->map_len);
	free(p);
}

/*
 * Is [va, va + len) mapped readable (and writable) in this process? What
 * pin_user_pages() would find; EFAULT otherwise.
 */
int emu_va_pinnable(uint64_t va, uint64_t len, bool write)
{
	uint64_t cur = va, end = va + len;
	char line[512];
	FILE *f;

	f = fopen("/proc/self/maps", "re");
	if (!f)
		return 0;
	while (cur < end && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char perms[5];
		int c;

		if (!strchr(line, '\n'))	/* skip the rest of a long one */
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) != 3 ||
		    hi <= cur)
			continue;
		if (lo > cur || perms[0] != 'r' || (write && perms[1] != 'w'))
			break;
		cur = hi;
	}
	fclose(f);
	return cur >= end ? 0 : -EFAULT;
}

static int pin(const struct piece *p)
{
	/* our own mapping of the file; none for a file that is not a memfd
	 * or ends before the range: memfd_pin_folios() fails (the real 7.3
	 * kernel: EINVAL at HWPT_ALLOC / attach, or at MAP_FILE with a
	 * domain) */
	if (p->pages->file)
		return p->pages->map ? 0 : -EINVAL;
	return emu_va_pinnable(p->pages->uptr + p->off, p->len, p->pages->writable);
}

/* iopt_alloc_user_pages */
static int pages_user(uint64_t uptr, uint64_t len, bool writable,
		      struct piece *p)
{
	uint64_t down = ALIGN_DOWN(uptr, EMU_PAGE_SIZE);

	if (!len)
		return -EINVAL;
	if (uptr + len < uptr)
		return -EOVERFLOW;	/* the VA range wraps */
	p->pages = calloc(1, sizeof(*p->pages));
	if (!p->pages)
		return -ENOMEM;
	p->pages->refs = 1;
	p->pages->base = (uint8_t *)(uintptr_t)down;
	p->pages->uptr = down;
	p->pages->writable = writable;
	p->off = uptr - down;
	p->len = len;
	return 0;
}

/*
 * iopt_map_file_pages + iopt_alloc_file_pages: a file range. The kernel
 * keeps the file and pins its pages with memfd_pin_folios() once a domain
 * needs them; we keep a shared mapping of a memfd (shmem or hugetlbfs)
 * range, which also serves the DMA emulation. A file that is not a memfd,
 * or a range past its end, gets no mapping and fails when pinned (the real
 * 7.3 kernel accepted both with no domain and failed the HWPT_ALLOC).
 */
static int pages_file(int fd, uint64_t start, uint64_t len, bool writable,
		      struct piece *p)
{
	uint64_t down = ALIGN_DOWN(start, EMU_PAGE_SIZE);
	void *map = NULL;
	struct stat st;
	size_t map_len = 0;

	if (!len)
		return -EINVAL;
	if (start + len < start)
		return -EOVERFLOW;
	if (fcntl(fd, F_GETFD) < 0)
		return -EBADF;
	if (fcntl(fd, F_GET_SEALS) >= 0 && !fstat(fd, &st) &&
	    start + len <= (uint64_t)st.st_size) {
		map_len = (size_t)(start + len - down);
		map = mmap(NULL, map_len,
			   PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED,
			   fd, (off_t)down);
		if (map == MAP_FAILED)
			return errno == EACCES ?
				       (writable ? -EPERM : -EACCES) : -EINVAL;
	}
	p->pages = calloc(1, sizeof(*p->pages));
	if (!p->pages) {
		munmap(map, map_len);
		return -ENOMEM;
	}
	p->pages->refs = 1;
	p->pages->base = map;
	p->pages->map = map;
	p->pages->map_len = map_len;
	p->pages->writable = writable;
	p->pages->file = true;
	p->off = start - down;
	p->len = len;
	return 0;
}

/* ---- IOVA allocation --------------------------------------------------- */

static uint64_t roundup_pow2(uint64_t x)
{
	uint64_t r = 1;

	while (r < x)
		r <<= 1;
	return r;
}

/* Sorted busy list (reserved + areas) for the hole walk. */
static int cmp_range(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

static int busy_list(struct emu_obj *ioas, uint64_t (**out)[2], size_t *n)
{
	uint64_t (*b)[2];
	size_t i, k = 0;

	b = malloc((ioas->nresv + ioas->nareas + 1) * sizeof(*b));
	if (!b)
		return -ENOMEM;
	for (i = 0; i < ioas->nresv; i++, k++) {
		b[k][0] = ioas->resv[i].start;
		b[k][1] = ioas->resv[i].last;
	}
	for (i = 0; i < ioas->nareas; i++, k++) {
		b[k][0] = ioas->areas[i].iova;
		b[k][1] = area_last(&ioas->areas[i]);
	}
	qsort(b, k, sizeof(*b), cmp_range);
	*out = b;
	*n = k;
	return 0;
}

/* Does [s, hole_last] hold len bytes at an aligned start (+ page offset)? */
static bool fit(uint64_t s, uint64_t hole_last, uint64_t len, uint64_t align,
		uint64_t page_off, uint64_t *iova)
{
	uint64_t a = (s + align - 1) & ~(align - 1);

	if (a < s)
		return false;
	a |= page_off;
	if (a < s || a > hole_last || hole_last - a < len - 1)
		return false;
	*iova = a;
	return true;
}

/* First fit of the holes between the busy ranges b[n] inside [s, hi]. */
static int alloc_in(uint64_t (*b)[2], size_t n, uint64_t s, uint64_t hi,
		    uint64_t len, uint64_t align, uint64_t page_off,
		    uint64_t *iova)
{
	uint64_t hole_last;
	size_t i;
	int ret = -ENOSPC;

	for (i = 0; i <= n && s <= hi; i++) {
		hole_last = i < n ? (b[i][0] ? b[i][0] - 1 : 0) : hi;
		if (hole_last > hi)
			hole_last = hi;
		if ((i == n || b[i][0] > s) &&
		    fit(s, hole_last, len, align, page_off, iova)) {
			ret = 0;
			break;
		}
		if (i < n && b[i][1] >= s) {
			if (b[i][1] == UINT64_MAX)
				break;
			s = b[i][1] + 1;
		}
	}
	return ret;
}

/*
 * iopt_alloc_iova: first fit in [PAGE_SIZE, ULONG_MAX - PAGE_SIZE], keeping
 * the alignment present in the user address (never IOVA 0); with allowed
 * ranges (IOMMU_IOAS_ALLOW_IOVAS), only inside them, lowest first.
 */
static int alloc_iova(struct emu_obj *ioas, uint64_t uptr, uint64_t len,
		      uint64_t *iova)
{
	uint64_t page_off = uptr % EMU_PAGE_SIZE, align;
	const uint64_t hi = UINT64_MAX - EMU_PAGE_SIZE;
	uint64_t (*b)[2];
	size_t i, n;
	int ret;

	if (!len || len >= UINT64_MAX / 2)
		return -EOVERFLOW;
	align = roundup_pow2(len);
	if (uptr && (1ULL << __builtin_ctzll(uptr)) < align)
		align = 1ULL << __builtin_ctzll(uptr);
	if (align < ioas->align)
		return -EINVAL;
	ret = busy_list(ioas, &b, &n);
	if (ret)
		return ret;
	if (!ioas->nallowed)
		ret = alloc_in(b, n, EMU_PAGE_SIZE, hi, len, align, page_off,
			       iova);
	else
		ret = -ENOSPC;
	for (i = 0; i < ioas->nallowed && ret == -ENOSPC; i++) {
		uint64_t lo = ioas->allowed[i].start, top = ioas->allowed[i].last;

		if (lo < EMU_PAGE_SIZE)
			lo = EMU_PAGE_SIZE;
		if (top > hi)
			top = hi;
		if (lo <= top)
			ret = alloc_in(b, n, lo, top, len, align, page_off,
				       iova);
	}
	free(b);
	return ret;
}

/* iopt_check_iova: a fixed IOVA (the allowed ranges do not apply). */
static int check_iova(struct emu_obj *ioas, uint64_t iova, uint64_t len)
{
	uint64_t last;

	if (iova & (ioas->align - 1))
		return -EINVAL;
	if (__builtin_add_overflow(iova, len - 1, &last))
		return -EOVERFLOW;
	if (resv_hit(ioas, iova, last))
		return -EINVAL;
	if (first_area(ioas, iova, last))
		return -EEXIST;
	return 0;
}

/* ---- map / unmap ------------------------------------------------------- */

static int insert_area(struct emu_obj *ioas, const struct emu_area *a)
{
	size_t i;

	if (EMU_GROW(ioas->areas, ioas->areas_cap, ioas->nareas))
		return -ENOMEM;
	for (i = 0; i < ioas->nareas && ioas->areas[i].iova < a->iova; i++)
		;
	memmove(&ioas->areas[i + 1], &ioas->areas[i],
		(ioas->nareas - i) * sizeof(*a));
	ioas->areas[i] = *a;
	ioas->nareas++;
	return 0;
}

static void remove_area(struct emu_obj *ioas, struct emu_area *a)
{
	size_t i = (size_t)(a - ioas->areas);

	pages_put(a->pages);
	memmove(&ioas->areas[i], &ioas->areas[i + 1],
		(ioas->nareas - i - 1) * sizeof(*a));
	ioas->nareas--;
}

/*
 * iopt_map_pages: IOVA (allocated or checked), one area per piece, pinned
 * into the domains. On success the areas own the pieces' references; on
 * failure the caller still owns them and nothing changed.
 */
static int map_pieces(struct emu_obj *ioas, struct piece *p, size_t np,
		      uint64_t len, uint64_t *iova, int prot, bool alloc)
{
	uint64_t cur, last;
	size_t i;
	int ret;

	if ((len & (ioas->align - 1)) || !len)
		return -EINVAL;
	if (alloc)
		ret = alloc_iova(ioas, p[0].pages->uptr + p[0].off, len, iova);
	else
		ret = check_iova(ioas, *iova, len);
	if (ret)
		return ret;
	for (i = 0; i < np; i++) {	/* iopt_insert_area checks */
		if ((prot & EMU_PROT_WRITE) && !p[i].pages->writable)
			return -EPERM;
		if ((p[i].off % EMU_PAGE_SIZE) & (ioas->align - 1))
			return -EINVAL;
	}
	if (__builtin_add_overflow(*iova, len - 1, &last))
		return -EOVERFLOW;
	if (ioas->ndomains)		/* iopt_fill_domains_pages */
		for (i = 0; i < np; i++)
			if ((ret = pin(&p[i])))
				return ret;
	if (EMU_GROW(ioas->areas, ioas->areas_cap, ioas->nareas + np))
		return -ENOMEM;
	for (i = 0, cur = *iova; i < np; cur += p[i].len, i++) {
		struct emu_area a = {
			.iova = cur, .len = p[i].len, .off = p[i].off,
			.prot = prot, .pages = p[i].pages,
		};

		insert_area(ioas, &a);	/* cannot fail: space is there */
	}
	return 0;
}

static int conv_prot(uint32_t flags)
{
	return (flags & KABI_IOMMU_IOAS_MAP_READABLE ? EMU_PROT_READ : 0) |
	       (flags & KABI_IOMMU_IOAS_MAP_WRITEABLE ? EMU_PROT_WRITE : 0);
}

#define MAP_FLAGS                                                       \
	(KABI_IOMMU_IOAS_MAP_FIXED_IOVA | KABI_IOMMU_IOAS_MAP_WRITEABLE | \
	 KABI_IOMMU_IOAS_MAP_READABLE)
#define RW_FLAGS (KABI_IOMMU_IOAS_MAP_WRITEABLE | KABI_IOMMU_IOAS_MAP_READABLE)

/* The checks MAP and MAP_FILE share, in iommufd_ioas_map's order; *ioas
 * gets the IOAS. */
static int map_check(struct emu_ctx *ctx, uint32_t flags, uint64_t iova,
		     uint64_t length, uint32_t ioas_id, struct emu_obj **ioas)
{
	if (flags & ~MAP_FLAGS)
		return -EOPNOTSUPP;
	if (iova >= UINT64_MAX || length >= UINT64_MAX)
		return -EOVERFLOW;
	if (!(flags & RW_FLAGS))
		return -EINVAL;
	*ioas = get_ioas(ctx, ioas_id);
	return *ioas ? 0 : -ENOENT;
}

/* Map the pages in p; on success *iova is where they went. */
static int map_commit(struct emu_obj *ioas, struct piece *p, uint64_t length,
		      uint32_t flags, uint64_t *iova)
{
	int ret = map_pieces(ioas, p, 1, length, iova, conv_prot(flags),
			     !(flags & KABI_IOMMU_IOAS_MAP_FIXED_IOVA));

	if (ret)
		pages_put(p->pages);
	return ret;
}

/* IOMMU_IOAS_MAP (kernel-rules §8.2, iommufd_ioas_map order of checks). */
int emu_ioas_map(struct emu_ctx *ctx, struct emu_ucmd *u)
{
	struct kabi_iommu_ioas_map *cmd = u->cmd;
	struct emu_obj *ioas;
	struct piece p;
	uint64_t iova = cmd->iova;
	int ret;

	if (cmd->__reserved)
		return -EOPNOTSUPP;	/* as an unknown flag: the first check */
	ret = map_check(ctx, cmd->flags, cmd->iova, cmd->length, cmd->ioas_id,
			&ioas);
	if (!ret)
		ret = pages_user(cmd->user_va, cmd->length,
				 cmd->flags & KABI_IOMMU_IOAS_MAP_WRITEABLE, &p);
	if (!ret)
		ret = map_commit(ioas, &p, cmd->length, cmd->flags, &iova);
	if (ret)
		return ret;
	cmd->iova = iova;
	return emu_respond(u);
}

/* IOMMU_IOAS_MAP_FILE: as MAP, plus EBADF for a bad fd. */
int emu_ioas_map_file(struct emu_ctx *ctx, struct emu_ucmd *u)
{
	struct kabi_iommu_ioas_map_file *cmd = u->cmd;
	struct emu_obj *ioas;
	struct piece p;
	uint64_t iova = cmd->iova;
	int ret;

	ret = map_check(ctx, cmd->flags, cmd->iova, cmd->length, cmd->ioas_id,
			&ioas);
	if (!ret)
		ret = pages_file(cmd->fd, cmd->start, cmd->length,
				 cmd->flags & KABI_IOMMU_IOAS_MAP_WRITEABLE, &p);
	if (!ret)
		ret = map_commit(ioas, &p, cmd->length, cmd->flags, &iova);
	if (ret)
		return ret;
	cmd->iova = iova;
	return emu_respond(u);
}

/*
 * iopt_get_pages: the pieces behind [iova, iova + len), which contiguous
 * areas must cover completely (kernel-rules §8.3: 7.3 accepts any fully
 * covered range, not only a whole earlier MAP); ENOENT otherwise.
 */
static int get_pieces(struct emu_obj *ioas, uint64_t iova, uint64_t len,
		      struct piece **out, size_t *np)
{
	struct piece *p = NULL;
	size_t n = 0, cap = 0;
	uint64_t last, cur = iova;
	struct emu_area *a;

	if (!len)
		return -EINVAL;
	if (__builtin_add_overflow(iova, len - 1, &last))
		return -EOVERFLOW;
	while ((a = emu_ioas_find_area(ioas, cur))) {
		uint64_t end = area_last(a) < last ? area_last(a) : last;

		if (EMU_GROW(p, cap, n)) {
			while (n)
				pages_put(p[--n].pages);
			free(p);
			return -ENOMEM;
		}
		p[n].pages = a->pages;
		p[n].off = a->off + (cur - a->iova);
		p[n].len = end - cur + 1;
		a->pages->refs++;
		n++;
		if (end == last) {
			*out = p;
			*np = n;
			return 0;
		}
		cur = end + 1;
	}
	while (n)
		pages_put(p[--n].pages);
	free(p);
	return -ENOENT;
}

/* IOMMU_IOAS_COPY: the pages are shared ("pinned once"). */
int emu_ioas_copy(struct emu_ctx *ctx, struct emu_ucmd *u)
{
	struct kabi_iommu_ioas_copy *cmd = u->cmd;
	struct emu_obj *src, *dst;
	struct piece *p;
	uint64_t iova = cmd->dst_iova;
	size_t np, i;
	int ret;

	if (cmd->flags & ~MAP_FLAGS)
		return -EOPNOTSUPP;
	if (cmd->length >= UINT64_MAX || cmd->src_iova >= UINT64_MAX ||
	    cmd->dst_iova >= UINT64_MAX)
		return -EOVERFLOW;
	if (!(cmd->flags & RW_FLAGS))
		return -EINVAL;
	src = get_ioas(ctx, cmd->src_ioas_id);
	if (!src)
		return -ENOENT;
	ret = get_pieces(src, cmd->src_iova, cmd->length, &p, &np);
	if (ret)
		return ret;
	dst = get_ioas(ctx, cmd->dst_ioas_id);
	if (!dst)
		ret = -ENOENT;
	else
		ret = map_pieces(dst, p, np, cmd->length, &iova,
				 conv_prot(cmd->flags),
				 !(cmd->flags & KABI_IOMMU_IOAS_MAP_FIXED_IOVA));
	if (ret)
		for (i = 0; i < np; i++)
			pages_put(p[i].pages);
	free(p);
	if (ret)
		return ret;
	cmd->dst_iova = iova;
	return emu_respond(u);
}

/*
 * iopt_unmap_iova_range: whole areas only. An area that sticks out of the
 * range is ENOENT, and (as in the kernel) the areas already removed by this
 * call stay removed. Nothing in range is ENOENT.
 */
static int unmap_range(struct emu_obj *ioas, uint64_t start, uint64_t last,
		       uint64_t *unmapped)
{
	struct emu_area *a;

	*unmapped = 0;
	while ((a = first_area(ioas, start, last))) {
		if (a->iova < start || area_last(a) > last)
			return -ENOENT;
		*unmapped += a->len;
		remove_area(ioas, a);
	}
	return *unmapped ? 0 : -ENOENT;
}

void emu_ioas_unmap_all(struct emu_obj *ioas)
{
	uint64_t n;

	unmap_range(ioas, 0, UINT64_MAX, &n);
}

/* IOMMU_IOAS_UNMAP: iova 0 + length U64_MAX = everything (never ENOENT). */
int emu_ioas_unmap(struct emu_ctx *ctx, struct emu_ucmd *u)
{
	struct kabi_iommu_ioas_unmap *cmd = u->cmd;
	struct emu_obj *ioas = get_ioas(ctx, cmd->ioas_id);
	uint64_t unmapped, last;
	int ret;

	if (!ioas)
		return -ENOENT;
	if (cmd->iova == 0 && cmd->length == UINT64_MAX) {
		ret = unmap_range(ioas, 0, UINT64_MAX, &unmapped);
		if (ret == -ENOENT)
			ret = 0;
	} else {
		if (cmd->iova >= UINT64_MAX || cmd->length >= UINT64_MAX)
			return -EOVERFLOW;
		if (!cmd->length)
			return -EINVAL;
		if (__builtin_add_overflow(cmd->iova, cmd->length - 1, &last))
			return -EOVERFLOW;
		ret = unmap_range(ioas, cmd->iova, last, &unmapped);
	}
	if (ret)
		return ret;
	cmd->length = unmapped;
	return emu_respond(u);
}

/* ---- reserved ranges, domains and IOVA_RANGES -------------------------- */

static bool allowed_hit(const struct emu_obj *ioas, uint64_t start,
			uint64_t last)
{
	size_t i;

	for (i = 0; i < ioas->nallowed; i++)
		if (ioas->allowed[i].start <= last &&
		    ioas->allowed[i].last >= start)
			return true;
	return false;
}

/* iopt_reserve_iova: EADDRINUSE when a mapping or an allowed range is
 * already there (a device whose reserved regions meet the allowed ranges
 * cannot attach, nor a domain whose aperture excludes part of them). */
int emu_ioas_reserve(struct emu_obj *ioas, uint64_t start, uint64_t last,
		     const void *owner)
{
	if (first_area(ioas, start, last) || allowed_hit(ioas, start, last))
		return -EADDRINUSE;
	if (EMU_GROW(ioas->resv, ioas->resv_cap, ioas->nresv))
		return -ENOMEM;
	ioas->resv[ioas->nresv].start = start;
	ioas->resv[ioas->nresv].last = last;
	ioas->resv[ioas->nresv].owner = owner;
	ioas->nresv++;
	return 0;
}

void emu_ioas_unreserve(struct emu_obj *ioas, const void *owner)
{
	size_t i = 0;

	while (i < ioas->nresv) {
		if (ioas->resv[i].owner == owner)
			ioas->resv[i] = ioas->resv[--ioas->nresv];
		else
			i++;
	}
}

/*
 * The last IOVA of a domain's aperture, per IOMMU, as the real 7.3 kernel
 * reported it on the VM machines (IOMMU_IOAS_IOVA_RANGES with a HWPT):
 * Intel (QEMU intel-iommu, 48-bit MGAW) and SMMUv3 48 bits; virtio-iommu
 * 39 bits (QEMU's default input range); AMD no limit at all (the v1 table
 * grows its top level up to a 64-bit VA space, so its aperture ends at
 * U64_MAX and iopt_table_add_domain() reserves nothing).
 */
uint64_t emu_aperture_last(enum emu_iommu iommu)
{
	switch (iommu) {
	case EMU_IOMMU_AMD:
		return UINT64_MAX;
	case EMU_IOMMU_VIRTIO:
		return (1ULL << 39) - 1;
	case EMU_IOMMU_INTEL:
	case EMU_IOMMU_SMMUV3:
		break;
	}
	return EMU_APERTURE_LAST;
}

/*
 * iopt_table_add_domain: the IOVA alignment becomes PAGE_SIZE (EADDRINUSE
 * if existing maps do not conform), everything outside the aperture is
 * reserved (EADDRINUSE if mapped), and every area gets pinned (EFAULT).
 */
int emu_ioas_add_domain(struct emu_obj *ioas, struct emu_obj *hwpt)
{
	uint64_t last = emu_aperture_last(hwpt->iommu);
	size_t i;
	int ret;

	if (ioas->align != EMU_PAGE_SIZE)
		for (i = 0; i < ioas->nareas; i++) {
			struct emu_area *a = &ioas->areas[i];

			if ((a->iova | a->len | (a->off % EMU_PAGE_SIZE)) &
			    (EMU_PAGE_SIZE - 1))
				return -EADDRINUSE;
		}
	ret = last == UINT64_MAX ? 0 :
				   emu_ioas_reserve(ioas, last + 1, UINT64_MAX, hwpt);
	if (ret)
		return ret;
	for (i = 0; i < ioas->nareas; i++) {
		struct emu_area *a = &ioas->areas[i];
		struct piece p = { a->pages, a->off, a->len };

		ret = pin(&p);
		if (ret) {
			emu_ioas_unreserve(ioas, hwpt);
			return ret;
		}
	}
	ioas->ndomains++;
	ioas->align = EMU_PAGE_SIZE;
	hwpt->domain = true;
	return 0;
}

void emu_ioas_remove_domain(struct emu_obj *ioas, struct emu_obj *hwpt)
{
	emu_ioas_unreserve(ioas, hwpt);
	hwpt->domain = false;
	if (!--ioas->ndomains)
		ioas->align = 1;
}

/*
 * IOMMU_IOAS_IOVA_RANGES: the holes between reserved ranges over the whole
 * 64-bit space (the domains' apertures and the attached devices' reserved
 * regions are reserved ranges). EMSGSIZE with the needed num_iovas when the
 * array is too small (the first num_iovas entries are still written).
 */
int emu_ioas_iova_ranges(struct emu_ctx *ctx, struct emu_ucmd *u)
{
	struct kabi_iommu_ioas_iova_ranges *cmd = u->cmd;
	struct kabi_iommu_iova_range *out =
		(void *)(uintptr_t)cmd->allowed_iovas;
	struct emu_obj *ioas;
	uint32_t max = cmd->num_iovas;
	uint64_t s = 0, (*b)[2];
	size_t i, n;
	bool done = false;
	int ret;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = get_ioas(ctx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;
	/* only reserved ranges count: hide the areas from busy_list */
	n = ioas->nareas;
	ioas->nareas = 0;
	ret = busy_list(ioas, &b, &i);
	ioas->nareas = n;
	if (ret)
		return ret;
	n = i;
	cmd->num_iovas = 0;
	cmd->out_iova_alignment = ioas->align;
	for (i = 0; i <= n && !done; i++) {
		uint64_t hole_last = i < n ? b[i][0] - 1 : UINT64_MAX;

		if (i == n || b[i][0] > s) {
			if (cmd->num_iovas < max) {
				if (!out) {
					free(b);
					return -EFAULT;
				}
				out[cmd->num_iovas].start = s;
				out[cmd->num_iovas].last = hole_last;
			}
			cmd->num_iovas++;
		}
		if (i < n && b[i][1] >= s) {
			if (b[i][1] == UINT64_MAX)
				done = true;
			s = b[i][1] + 1;
		}
	}
	free(b);
	ret = emu_respond(u);
	if (!ret && cmd->num_iovas > max)
		ret = -EMSGSIZE;
	return ret;
}

static int cmp_emu_range(const void *a, const void *b)
{
	const struct emu_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * IOMMU_IOAS_ALLOW_IOVAS (7.3 iommufd_ioas_allow_iovas(),
 * iommufd_ioas_load_iovas(), iopt_set_allow_iova()): replaces the whole
 * allowed list, atomically. A range with start >= last, or overlapping
 * another of the list, is EINVAL; an allowed range that meets a reserved
 * one EADDRINUSE. Mappings are not looked at: those outside stay. The list
 * restricts only the IOVA allocator (not fixed IOVAs, not IOVA_RANGES);
 * num_iovas 0 lifts the limit.
 */
int emu_ioas_allow_iovas(struct emu_ctx *ctx, struct emu_ucmd *u)
{
	struct kabi_iommu_ioas_allow_iovas *cmd = u->cmd;
	const struct kabi_iommu_iova_range *in =
		(const void *)(uintptr_t)cmd->allowed_iovas;
	struct emu_obj *ioas;
	struct emu_range *list = NULL;
	size_t i, j, n = cmd->num_iovas;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = get_ioas(ctx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;
	if (n && !in)
		return -EFAULT;
	if (n) {
		list = calloc(n, sizeof(*list));
		if (!list)
			return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		if (in[i].start >= in[i].last)
			goto inval;
		for (j = 0; j < i; j++)
			if (list[j].start <= in[i].last &&
			    list[j].last >= in[i].start)
				goto inval;
		list[i].start = in[i].start;
		list[i].last = in[i].last;
	}
	for (i = 0; i < n; i++)
		if (resv_hit(ioas, list[i].start, list[i].last)) {
			free(list);
			return -EADDRINUSE;
		}
	if (n)		/* an empty list may be NULL, which qsort must not get */
		qsort(list, n, sizeof(*list), cmp_emu_range);
	free(ioas->allowed);
	ioas->allowed = list;
	ioas->nallowed = n;
	return 0;
inval:
	free(list);
	return -EINVAL;
}
