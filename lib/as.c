/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Address spaces: a kernel-owned IOAS plus the library's record of what is
 * mapped in it (maprec.h), so that bad unmaps get a precise message before
 * the kernel is asked and mappings can be found by IOVA and by address.
 *
 * Map, unmap and copy take no context-wide lock and hold no lock across the
 * kernel call, which pins or unpins memory and can take milliseconds: the
 * kernel maps concurrently, and the record is brought up to date under the
 * address space's own lock afterwards. An unmap takes its mappings out of
 * the record before asking the kernel, so no other thread can be given
 * their IOVAs while the record still shows them, and puts them back if the
 * kernel refuses. (A backend that picks IOVAs itself, type1, asks for its
 * maps and unmaps of one address space to run one at a time instead:
 * backend.h, ops->serial.)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "internal.h"
#include "kabi.h"
#include "kernel.h"
#include "sys.h"

struct pasid_as *as_alloc(struct pasid_ctx *ctx)
{
	struct pasid_as *as = calloc(1, sizeof(*as));

	if (!as) {
		pasid_err(ctx, ENOMEM, "out of memory for an address space");
		return NULL;
	}
	as->ctx = ctx;
	as->other = ctx_as_other(ctx);
	as->gate = as->other ? AS_GATE_OTHER : ctx->forks;
	as->container = -1;
	as->win_last = UINT64_MAX;
	list_init(&as->hwpts);
	maprec_init(&as->rec);
	return as;
}

void as_release(struct pasid_as *as)
{
	maprec_fini(&as->rec);
	lock_destroy(&as->lock);
	free(as);
}

PASID_API int pasid_as_new(struct pasid_ctx *ctx, struct pasid_as **asp)
{
	struct pasid_as *as;
	int ret;

	pasid_err_clear();
	if (!ctx || !asp)
		return pasid_err(ctx, EINVAL,
				 "pasid_as_new: ctx and asp must not be NULL");
	*asp = NULL;
	if (inherited(ctx))
		return fork_refuse(ctx, "pasid_as_new");
	if (ctx->secondary)
		return share_refuse(ctx, "pasid_as_new",
				    "creating address spaces");
	as = as_alloc(ctx);
	if (!as)
		return -ENOMEM;
	if (as->other) {
		ret = as->other->as_new(as);
		if (ret) {
			free(as);
			return ret;
		}
	} else if ((ret = k_ioas_alloc(ctx->iommufd, &as->ioas_id))) {
		free(as);
		return pasid_kerr(ctx, -ret, "IOMMU_IOAS_ALLOC",
				  "could not create an I/O address space");
	}
	lock_init(&as->lock);
	ctx_lock(ctx);
	list_add_tail(&as->ctx_node, &ctx->ases);
	ctx_unlock(ctx);
	*asp = as;
	return 0;
}

PASID_API void pasid_as_free(struct pasid_as *as)
{
	struct list_head tables = LIST_HEAD_INIT(tables);
	struct pasid_ctx *ctx;
	struct list_head *pos, *tmp;
	int ret;

	if (!as)
		return;
	ctx = as->ctx;
	if (inherited(ctx)) {
		fork_forget_as(as);
		return;
	}
	if (as->imported) {
		/* no kernel call: the message says whose job it is */
		share_refuse(ctx, "pasid_as_free", "freeing an address space");
		return;
	}
	if (as->other) {
		as->other->as_free(as);
		return;
	}
	ctx_lock(ctx);
	list_for_each_safe(pos, tmp, &ctx->devs)
		bind_release(container_of(pos, struct pasid_dev, ctx_node), as);
	bind_take_tables(as, false, &tables);
	list_del(&as->ctx_node);
	ctx_unlock(ctx);
	/* unreachable now: destroy the tables, then the IOAS they reference
	 * (which unmaps and unpins everything), without holding the lock */
	bind_free_tables(ctx, &tables);
	if (as->exported) {
		share_retire(as);
	} else if ((ret = k_destroy(ctx->iommufd, as->ioas_id))) {
		pasid_log(ctx, PASID_LOG_WARN,
			  "IOMMU_DESTROY of IOAS %u failed (%d): it stays until the context is closed",
			  as->ioas_id, ret);
	}
	as_release(as);
}

PASID_API uint32_t pasid_as_ioas_id(const struct pasid_as *as)
{
	return as && !inherited(as->ctx) ? as->ioas_id : 0;
}

PASID_API int pasid_as_iova_ranges(struct pasid_as *as,
				   struct pasid_iova_range *ranges,
				   unsigned int n, uint64_t *alignment)
{
	/* The usable ranges are what the reserved regions leave of the
	 * aperture: no IOMMU has thousands. A larger count is not a size to
	 * allocate by, and the limit keeps the count an int that cannot
	 * read as -errno. */
	const uint32_t max_ranges = 4096;
	/* the count can change between two calls (a device attached through
	 * the iommufd fd behind our back): ask again, but not for ever */
	const unsigned int max_tries = 4;
	struct kabi_iommu_iova_range *kr = NULL, *grown;
	uint32_t num, cap = 0;
	uint64_t align = 0;
	unsigned int i, tries;
	int ret;

	pasid_err_clear();
	if (!as || (n && !ranges))
		return pasid_err(as ? as->ctx : NULL, EINVAL,
				 "pasid_as_iova_ranges: as must not be NULL, ranges not NULL when n > 0");
	if (inherited(as->ctx))
		return fork_refuse(as->ctx, "pasid_as_iova_ranges");
	if (as->other)
		return as->other->iova_ranges(as, ranges, n, alignment);
	/* No lock: no record of the library's is read, and the loop copes
	 * with a count that changes while devices attach. Ask with the
	 * buffer we have (none at first) until the kernel reports success
	 * with a count that fits it. */
	for (tries = 1; ; tries++) {
		num = cap;
		ret = k_ioas_iova_ranges(as->ctx->iommufd, as->ioas_id, kr,
					 &num, &align);
		if (ret && ret != -EMSGSIZE) {
			ret = pasid_kerr(as->ctx, -ret, "IOMMU_IOAS_IOVA_RANGES",
					 "IOAS %u", as->ioas_id);
			goto out;
		}
		if (num > max_ranges) {
			ret = pasid_err(as->ctx, EPROTO,
					"IOMMU_IOAS_IOVA_RANGES: the kernel reports %u ranges for IOAS %u, more than the %u any IOMMU has: not trusted (a kernel bug?)",
					num, as->ioas_id, max_ranges);
			goto out;
		}
		if (!ret && num <= cap)
			break;
		/* "too small" for a count that fits is no answer */
		if (ret && num <= cap) {
			ret = pasid_err(as->ctx, EPROTO,
					"IOMMU_IOAS_IOVA_RANGES: the kernel says room for %u ranges is too small for %u (a kernel bug?)",
					cap, num);
			goto out;
		}
		if (tries == max_tries) {
			ret = pasid_err(as->ctx, EAGAIN,
					"IOMMU_IOAS_IOVA_RANGES: the number of ranges of IOAS %u kept changing (devices attached meanwhile?): try again",
					as->ioas_id);
			goto out;
		}
		/* EMSGSIZE, or success with more ranges than room for them */
		grown = realloc(kr, (size_t)num * sizeof(*kr));
		if (!grown) {
			ret = pasid_err(as->ctx, ENOMEM, "out of memory");
			goto out;
		}
		kr = grown;
		memset(kr, 0, (size_t)num * sizeof(*kr));
		cap = num;
	}
	for (i = 0; i < num; i++) {
		if (kr[i].start > kr[i].last) {
			ret = pasid_err(as->ctx, EPROTO,
					"IOMMU_IOAS_IOVA_RANGES: range %u of IOAS %u starts after it ends ([0x%" PRIx64 ", 0x%" PRIx64 "]): not trusted (a kernel bug?)",
					i, as->ioas_id, (uint64_t)kr[i].start,
					(uint64_t)kr[i].last);
			goto out;
		}
	}
	/* a power of two (1 while the IOAS has no page table yet) */
	if (!align || (align & (align - 1))) {
		ret = pasid_err(as->ctx, EPROTO,
				"IOMMU_IOAS_IOVA_RANGES: the kernel reports IOVA alignment 0x%" PRIx64 " for IOAS %u, not a power of two (a kernel bug?)",
				align, as->ioas_id);
		goto out;
	}
	for (i = 0; i < n && i < num; i++) {
		ranges[i].start = kr[i].start;
		ranges[i].last = kr[i].last;
	}
	if (alignment)
		*alignment = align;
	ret = (int)num;
out:
	free(kr);
	return ret;
}

/* ---- the page size, asked once ---- */

static size_t cached_page_size;

static uint64_t page_size(void)
{
	size_t p = __atomic_load_n(&cached_page_size, __ATOMIC_RELAXED);

	if (!p) {
		p = (size_t)sysconf(_SC_PAGESIZE);
		__atomic_store_n(&cached_page_size, p, __ATOMIC_RELAXED);
	}
	return p;
}

/* ---- idle page tables ---- */

/*
 * An idle table (bind.c keeps one for the next bind when its last user
 * leaves) is written by every map and unmap of its address space. Rebuilding
 * it costs an allocation and a fill with everything mapped, so it is kept
 * until the bytes mapped and unmapped while it idles reach that: the bytes
 * mapped now plus IDLE_SLACK_PAGES for the allocation (the rent-or-buy rule:
 * an idle table never costs more than twice what dropping it at once would
 * have). Called with as->lock held; true: drop the idle tables now.
 */
#define IDLE_SLACK_PAGES 64

static inline __attribute__((always_inline)) bool
idle_churn(struct pasid_as *as, uint64_t len)
{
	if (!atomic_load_explicit(&as->nidle, memory_order_relaxed))
		return false;
	as->idle_churn += len;
	return as->idle_churn >= as->mapped_bytes + IDLE_SLACK_PAGES * page_size();
}

/* Only if the context's lock is free at once: a map must not wait for
 * another address space's attach. If it is busy the churn stays above the
 * mark and a later map or unmap tries again. */
static void drop_idle_tables(struct pasid_as *as)
{
	struct list_head idle = LIST_HEAD_INIT(idle);

	if (!lock_try(&as->ctx->lock))
		return;
	bind_take_tables(as, true, &idle);
	ctx_unlock(as->ctx);
	bind_free_tables(as->ctx, &idle);
}

/* Without a branch per flag: the bits only move. */
static inline uint32_t kernel_map_flags(unsigned int flags)
{
	return (flags & PASID_MAP_READ ? KABI_IOMMU_IOAS_MAP_READABLE : 0) |
	       (flags & PASID_MAP_WRITE ? KABI_IOMMU_IOAS_MAP_WRITEABLE : 0) |
	       (flags & PASID_MAP_FIXED_IOVA ? KABI_IOMMU_IOAS_MAP_FIXED_IOVA : 0);
}

/* Lengths are uint64_t in every call; one of process memory must fit a
 * pointer (a test the compiler drops where pointers are 64 bits wide)... */
static inline bool fits_pointer(uint64_t len)
{
	return (uint64_t)(uintptr_t)len == len;
}

/* ...and stay inside the process's address space. len is not 0. */
static bool fits_process(const void *va, uint64_t len)
{
	return fits_pointer(len) &&
	       (uintptr_t)va + (uintptr_t)(len - 1) >= (uintptr_t)va;
}

/* What check_map_args finds wrong; 0 if nothing is. */
static __attribute__((noinline, cold)) int
diagnose_map_args(struct pasid_ctx *ctx, const char *fn, unsigned int flags,
		  uint64_t len, const uint64_t *iova)
{
	uint64_t page = page_size();

	if (!iova)
		return pasid_err(ctx, EINVAL, "%s: iova must not be NULL", fn);
	if (flags & ~(PASID_MAP_RW | PASID_MAP_FIXED_IOVA | PASID_MAP_TRY_IOVA))
		return pasid_err(ctx, EINVAL, "%s: unknown flags 0x%x", fn,
				 flags & ~(PASID_MAP_RW | PASID_MAP_FIXED_IOVA |
					   PASID_MAP_TRY_IOVA));
	if ((flags & PASID_MAP_FIXED_IOVA) && (flags & PASID_MAP_TRY_IOVA))
		return pasid_err(ctx, EINVAL,
				 "%s: PASID_MAP_FIXED_IOVA (this IOVA or fail) and PASID_MAP_TRY_IOVA (this IOVA or another) exclude each other",
				 fn);
	if (!(flags & PASID_MAP_RW))
		return pasid_err(ctx, EINVAL,
				 "%s: give PASID_MAP_READ and/or PASID_MAP_WRITE",
				 fn);
	if (!len)
		return pasid_err(ctx, EINVAL, "%s: length is 0", fn);
	if (len % page)
		return pasid_err(ctx, EINVAL,
				 "%s: length 0x%" PRIx64 " is not a multiple of the page size (0x%" PRIx64 ")",
				 fn, len, page);
	if (flags & PASID_MAP_FIXED_IOVA) {
		if (*iova % page)
			return pasid_err(ctx, EINVAL,
					 "%s: IOVA 0x%" PRIx64 " is not page aligned",
					 fn, *iova);
		/* the last byte may be the top of the space */
		if (*iova + (len - 1) < *iova)
			return pasid_err(ctx, EOVERFLOW,
					 "%s: IOVA 0x%" PRIx64 " + length 0x%" PRIx64 " wraps around",
					 fn, *iova, len);
	}
	return 0;
}

/*
 * The checks every map-like call shares; 0 or a diagnosed -errno. The usual
 * call (a kernel-chosen IOVA, whole pages) passes in one test, and only the
 * others are looked at one by one. The page size is a power of two.
 */
static inline int check_map_args(struct pasid_ctx *ctx, const char *fn,
				 unsigned int flags, uint64_t len,
				 const uint64_t *iova)
{
	if (__builtin_expect(iova && (flags & PASID_MAP_RW) &&
			     !(flags & ~PASID_MAP_RW) && len &&
			     !(len & (page_size() - 1)), 1))
		return 0;
	return diagnose_map_args(ctx, fn, flags, len, iova);
}

/* One request for the three ways into an IOAS: memory, a file, a copy. */
struct map_req {
	enum { MAP_MEMORY, MAP_FILE, MAP_COPY } kind;
	const char *call;		/* the ioctl, for messages */
	void *va;			/* MAP_MEMORY */
	int fd;				/* MAP_FILE */
	uint64_t start;			/* MAP_FILE offset, MAP_COPY source IOVA */
	struct pasid_as *src;		/* MAP_COPY */
	uint64_t len;
	unsigned int flags;		/* PASID_MAP_* */
};

static int map_error(struct pasid_ctx *ctx, int err, const struct map_req *r,
		     uint64_t iova)
{
	const char *call = r->call;

	if (r->kind == MAP_FILE && err == ENOTTY)
		return pasid_kerr(ctx, EOPNOTSUPP, call,
				  "the kernel cannot map files (needs Linux 6.13+): mmap the file and use pasid_map");
	if (r->kind == MAP_FILE && (err == EBADF || err == EINVAL))
		return pasid_kerr(ctx, err, call,
				  "fd %d at offset 0x%" PRIx64 " length 0x%" PRIx64 ": the kernel maps only memfd/hugetlbfs files (and VFIO dma-bufs), page aligned and within the file",
				  r->fd, r->start, r->len);
	if (r->kind == MAP_COPY && err == ENOENT)
		return pasid_kerr(ctx, err, call,
				  "the source range [0x%" PRIx64 ", +0x%" PRIx64 ") is not fully mapped",
				  r->start, r->len);
	switch (err) {
	case EEXIST:
		return pasid_kerr(ctx, err, call,
				  "[0x%" PRIx64 ", +0x%" PRIx64 ") overlaps an existing mapping: unmap it first or map elsewhere",
				  iova, r->len);
	case ENOSPC:
		return pasid_kerr(ctx, err, call,
				  "no free IOVA range of 0x%" PRIx64 " bytes is left in the address space",
				  r->len);
	case EINVAL:
		return pasid_kerr(ctx, err, call,
				  "%s: the range is misaligned for the IOMMU or hits a reserved region (see pasid_as_iova_ranges)",
				  r->flags & PASID_MAP_FIXED_IOVA ? "fixed IOVA" : "mapping");
	case EPERM:
		return pasid_kerr(ctx, err, call,
				  "the memory is read-only but PASID_MAP_WRITE asks for device writes: map it PASID_MAP_READ only, or make it writable");
	case ENOMEM:
		return pasid_kerr(ctx, err, call,
				  "pinning failed: raise RLIMIT_MEMLOCK (ulimit -l) or map less");
	case EFAULT:
		return pasid_kerr(ctx, err, call,
				  "the kernel could not pin the buffer: either it is read-only memory (PROT_READ, a read-only file mapping) mapped with PASID_MAP_WRITE (map it PASID_MAP_READ only), or it is not mapped in this process");
	default:
		return pasid_kerr(ctx, err, call, "mapping 0x%" PRIx64 " bytes",
				  r->len);
	}
}

/* Take back what the kernel just mapped at [iova, +len): true when it is
 * gone. An answer the library did not trust may name a range the kernel
 * cannot unmap; the mapping then lives until the address space is freed. */
static __attribute__((cold)) bool
undo_kernel_map(struct pasid_as *as, uint64_t iova, uint64_t len)
{
	uint64_t unmapped = 0;

	return !k_ioas_unmap(as->ctx->iommufd, as->ioas_id, iova, len,
			     &unmapped) && unmapped == len;
}

static const char *undo_words(bool undone)
{
	return undone ? "undone" :
	       "it could not be undone and may stay mapped until the address space is freed";
}

/* The record could not take what the kernel mapped (map_record): undo it
 * and say why. */
static __attribute__((noinline, cold)) int
map_undo(struct pasid_as *as, const char *call, uint64_t iova, uint64_t len,
	 int err)
{
	bool undone = undo_kernel_map(as, iova, len);

	if (err == EINVAL)	/* maprec_add: the range runs past the top */
		return pasid_err(as->ctx, EPROTO,
				 "%s: the kernel answered IOVA 0x%" PRIx64 " for 0x%" PRIx64 " bytes, which runs past the top of the address space: not trusted (a kernel bug?); %s",
				 call, iova, len, undo_words(undone));
	if (err == EEXIST)
		return pasid_err(as->ctx, EEXIST,
				 "%s: the kernel mapped [0x%" PRIx64 ", +0x%" PRIx64 ") where the library's record still has a mapping (was it unmapped with a raw ioctl?); %s",
				 call, iova, len, undo_words(undone));
	return pasid_err(as->ctx, ENOMEM,
			 "out of memory for the mapping record; %s",
			 undo_words(undone));
}

/* The kernel mapped [iova, +len) (from process memory at va, or 0): put it
 * in the record, or undo it if the record cannot take it. Inline: it is
 * half of pasid_map. */
static inline __attribute__((always_inline)) int
map_record(struct pasid_as *as, const char *call, uint64_t iova, uint64_t len,
	   uintptr_t va)
{
	bool drop = false;
	int ret;

	lock_take(&as->lock);
	ret = maprec_add(&as->rec, iova, len, va);
	if (!ret) {
		as->mapped_bytes += len;
		drop = idle_churn(as, len);
	}
	lock_give(&as->lock);
	if (__builtin_expect(ret, 0))
		return map_undo(as, call, iova, len, -ret);
	if (drop)
		drop_idle_tables(as);
	return 0;
}

/* A fixed map answered with another IOVA. It maps what was asked, whatever
 * the answer says, so that is what is undone: the answered IOVA may be
 * another recorded mapping's. */
static __attribute__((noinline, cold)) int
fixed_iova_not_kept(struct pasid_as *as, const struct map_req *r,
		    uint64_t asked, uint64_t answered)
{
	bool undone = undo_kernel_map(as, asked, r->len);

	return pasid_err(as->ctx, EPROTO,
			 "%s: asked for fixed IOVA 0x%" PRIx64 ", the kernel answered 0x%" PRIx64 ": not trusted (a kernel bug?); %s",
			 r->call, asked, answered, undo_words(undone));
}

/* Ask the kernel, then record the mapping; the arguments are checked. */
static int map_commit(struct pasid_as *as, const struct map_req *r,
		      uint64_t *iova)
{
	int fd = as->ctx->iommufd;
	uint32_t kflags = kernel_map_flags(r->flags);
	uint64_t where = r->flags & PASID_MAP_FIXED_IOVA ? *iova : 0;
	int ret;

	switch (r->kind) {
	case MAP_MEMORY:
		ret = k_ioas_map(fd, as->ioas_id, r->va, r->len, kflags, &where);
		break;
	case MAP_FILE:
		ret = k_ioas_map_file(fd, as->ioas_id, r->fd, r->start, r->len,
				      kflags, &where);
		break;
	default:
		ret = k_ioas_copy(fd, as->ioas_id, r->src->ioas_id, r->start,
				  r->len, kflags, &where);
		break;
	}
	if (ret)
		return map_error(as->ctx, -ret, r, where);
	if ((r->flags & PASID_MAP_FIXED_IOVA) && where != *iova)
		return fixed_iova_not_kept(as, r, *iova, where);
	ret = map_record(as, r->call, where, r->len,
			 r->kind == MAP_MEMORY ? (uintptr_t)r->va : 0);
	if (!ret)
		*iova = where;
	return ret;
}

/* A request with its arguments checked, to the backend that makes it. */
static int map_dispatch(struct pasid_as *as, const struct map_req *r,
			uint64_t *iova)
{
	if (as->other)	/* only process memory gets this far (file, copy:
			   backend_missing) */
		return as->other->map(as, r->va, r->len, r->flags, iova);
	return map_commit(as, r, iova);
}

/*
 * PASID_MAP_TRY_IOVA: a fixed map at the wished *iova if pasid_as_iova_check
 * allows it, else one at a chosen IOVA. The fixed map may still meet a map
 * of another thread or a region the check could not see (EEXIST, EINVAL):
 * then too the IOVA is chosen. Any other failure is the call's.
 */
static __attribute__((noinline)) int map_try(struct pasid_as *as,
					     const struct map_req *r,
					     uint64_t *iova)
{
	struct map_req fixed = *r, chosen = *r;
	uint64_t at = *iova;
	int ret;

	fixed.flags = (r->flags & ~PASID_MAP_TRY_IOVA) | PASID_MAP_FIXED_IOVA;
	chosen.flags = r->flags & ~PASID_MAP_TRY_IOVA;
	pasid_log_hold(true);
	ret = iova_usable(as, at, r->len, NULL, "pasid_map");
	if (!ret)
		ret = map_dispatch(as, &fixed, &at);
	pasid_log_hold(false);
	if (!ret) {
		*iova = at;
		return 0;
	}
	if (ret != -EEXIST && ret != -EINVAL && ret != -ERANGE &&
	    ret != -EDOM && ret != -EOVERFLOW) {
		pasid_log(as->ctx, PASID_LOG_ERROR, "%s", pasid_errmsg());
		return ret;
	}
	pasid_log(as->ctx, PASID_LOG_DEBUG,
		  "PASID_MAP_TRY_IOVA: 0x%" PRIx64 " not used (%s); choosing one",
		  at, pasid_errmsg());
	pasid_err_clear();
	return map_dispatch(as, &chosen, iova);
}

/* Map a checked request, at the wished IOVA if asked. */
static int map_checked(struct pasid_as *as, const struct map_req *r,
		       uint64_t *iova)
{
	if (r->flags & PASID_MAP_TRY_IOVA)
		return map_try(as, r, iova);
	return map_dispatch(as, r, iova);
}

/* pasid_map when it is not the usual call: every check and message, in
 * their order, and a fixed IOVA. */
static __attribute__((noinline)) int map_memory(struct pasid_as *as,
						void *buf, uint64_t len,
						unsigned int flags,
						uint64_t *iova)
{
	const struct map_req r = { .kind = MAP_MEMORY, .call = "IOMMU_IOAS_MAP",
				   .va = buf, .len = len, .flags = flags };
	int ret;

	if (!as)
		return pasid_err(NULL, EINVAL, "pasid_map: as is NULL");
	if (inherited(as->ctx))
		return fork_refuse(as->ctx, "pasid_map");
	if (as->imported && (ret = share_gone(as, "pasid_map")))
		return ret;
	ret = check_map_args(as->ctx, "pasid_map", flags, len, iova);
	if (ret)
		return ret;
	if (!buf || (uintptr_t)buf % page_size())
		return pasid_err(as->ctx, EINVAL,
				 "pasid_map: buffer %p is not page aligned (use mmap or aligned_alloc)",
				 buf);
	if (!fits_process(buf, len))
		return pasid_err(as->ctx, EINVAL,
				 "pasid_map: [%p, +0x%" PRIx64 ") is no range of process memory",
				 buf, len);
	return map_checked(as, &r, iova);
}

/* The kernel refused the usual call: what map_commit would say. */
static __attribute__((noinline, cold)) int
map_memory_failed(struct pasid_as *as, void *buf, uint64_t len,
		  unsigned int flags, int err, uint64_t where)
{
	const struct map_req r = { .kind = MAP_MEMORY, .call = "IOMMU_IOAS_MAP",
				   .va = buf, .len = len, .flags = flags };

	/* the kernel's EOVERFLOW for a range that wraps, said as
	 * map_memory says it */
	if (!fits_process(buf, len))
		return pasid_err(as->ctx, EINVAL,
				 "pasid_map: [%p, +0x%" PRIx64 ") is no range of process memory",
				 buf, len);
	return map_error(as->ctx, err, &r, where);
}

/*
 * The usual call, a kernel-chosen IOVA for whole pages of process memory,
 * is checked in one test and goes straight to the kernel and the record,
 * without building a request; anything else takes map_memory's way.
 */
PASID_API int pasid_map(struct pasid_as *as, void *buf, uint64_t len,
			unsigned int flags, uint64_t *iova)
{
	uint64_t where = 0;
	int ret;

	pasid_err_clear();
	if (__builtin_expect(!as || !iova || !buf || !len ||
			     !(flags & PASID_MAP_RW) || (flags & ~PASID_MAP_RW) ||
			     (((uintptr_t)buf | len) & (page_size() - 1)) ||
			     !fits_pointer(len) || as_gate_shut(as), 0))
		return map_memory(as, buf, len, flags, iova);
	ret = k_ioas_map(as->ctx->iommufd, as->ioas_id, buf, len,
			 kernel_map_flags(flags), &where);
	if (__builtin_expect(ret, 0))
		return map_memory_failed(as, buf, len, flags, -ret, where);
	ret = map_record(as, "IOMMU_IOAS_MAP", where, len, (uintptr_t)buf);
	if (!ret)
		*iova = where;
	return ret;
}

PASID_API int pasid_map_file(struct pasid_as *as, int fd, uint64_t offset,
			     uint64_t len, unsigned int flags, uint64_t *iova)
{
	const struct map_req r = { .kind = MAP_FILE, .call = "IOMMU_IOAS_MAP_FILE",
				   .fd = fd, .start = offset, .len = len,
				   .flags = flags };
	struct stat st;
	int ret;

	pasid_err_clear();
	if (!as)
		return pasid_err(NULL, EINVAL, "pasid_map_file: as is NULL");
	if (inherited(as->ctx))
		return fork_refuse(as->ctx, "pasid_map_file");
	if (as->imported &&
	    (ret = share_gone(as, "pasid_map_file")))
		return ret;
	if (as->other && !as->other->map_file)
		return backend_missing(as->ctx, "pasid_map_file: mapping files needs",
				       "iommufd (IOMMU_IOAS_MAP_FILE, Linux 6.13+); mmap the file and use pasid_map");
	ret = check_map_args(as->ctx, "pasid_map_file", flags, len, iova);
	if (ret)
		return ret;
	if (fd < 0 || pasid_sys->fstat(fd, &st) < 0)
		return pasid_err(as->ctx, EBADF,
				 "pasid_map_file: fd %d is not an open file descriptor",
				 fd);
	/* The kernel checks the range only when it pins the pages, which is
	 * at map time only if a device is attached: check it here so the
	 * answer does not depend on that. */
	if (S_ISREG(st.st_mode) &&
	    (offset > (uint64_t)st.st_size || len > (uint64_t)st.st_size - offset))
		return pasid_err(as->ctx, EINVAL,
				 "pasid_map_file: [0x%" PRIx64 ", +0x%" PRIx64 ") is beyond the end of the file (0x%llx bytes): grow it (ftruncate) first",
				 offset, len, (unsigned long long)st.st_size);
	return map_checked(as, &r, iova);
}

static uint64_t taken_bytes(const struct maprec_entry *e)
{
	uint64_t n = 0;

	for (; e; e = e->next_taken)
		n += e->len;
	return n;
}

/* pasid_unmap_va's take, as->lock held: 0 and *taken, or -errno with the
 * message. */
static __attribute__((noinline)) int
unmap_va_take(struct pasid_as *as, uint64_t va, uint64_t len,
	      struct maprec_entry **taken)
{
	const struct maprec_entry *cut = NULL;
	int ret = maprec_take_va(&as->rec, (uintptr_t)va, len, taken, &cut);

	if (ret == -ENOMEM)
		return pasid_err(as->ctx, ENOMEM,
				 "pasid_unmap_va: out of memory building the address space's index by process address (built once, on the first lookup by address); nothing was unmapped");
	if (ret == -EXDEV)
		return pasid_err(as->ctx, ENOENT,
				 "pasid_unmap_va: [%p, +0x%" PRIx64 ") would cut the mapping of [%p, +0x%" PRIx64 ") (IOVA 0x%" PRIx64 ") in two: unmap whole mappings",
				 (void *)(uintptr_t)va, len, (void *)cut->va,
				 cut->len, cut->iova);
	if (ret)
		return pasid_err(as->ctx, ENOENT,
				 "pasid_unmap_va: no memory in [%p, +0x%" PRIx64 ") is mapped with pasid_map in this address space",
				 (void *)(uintptr_t)va, len);
	return 0;
}

/*
 * pasid_unmap (by_va false: [start, +len) are IOVAs) and pasid_unmap_va
 * (true: process addresses) once as is known and not inherited; inline in
 * every way in, by_va a constant. By process address the mappings are
 * looked up and taken under one hold of the lock: no other thread can
 * unmap them, and map another buffer at their IOVAs, in between.
 */
static inline __attribute__((always_inline)) int
unmap_common(struct pasid_as *as, bool by_va, uint64_t iova, uint64_t len)
{
	uint64_t last, unmapped = 0, bytes;
	const struct maprec_entry *cut = NULL;
	struct maprec_entry *taken = NULL, *e;
	bool drop;
	int ret;

	if (!len)
		return pasid_err(as->ctx, EINVAL, "pasid_unmap: length is 0");
	if (__builtin_add_overflow(iova, len - 1, &last))
		return pasid_err(as->ctx, EOVERFLOW,
				 "pasid_unmap: IOVA 0x%" PRIx64 " + length 0x%" PRIx64 " wraps around",
				 iova, len);
	lock_take(&as->lock);
	if (by_va) {
		ret = unmap_va_take(as, iova, len, &taken);
		lock_give(&as->lock);
		if (ret)
			return ret;
		goto unmap;
	}
	ret = maprec_take(&as->rec, iova, len, &taken, &cut);
	if (ret == -EXDEV)
		ret = pasid_err(as->ctx, ENOENT,
				"pasid_unmap: [0x%" PRIx64 ", 0x%" PRIx64 "] would cut the mapping [0x%" PRIx64 ", 0x%" PRIx64 "] in two: unmap whole mappings",
				iova, last, cut->iova, cut->iova + (cut->len - 1));
	else if (ret)
		ret = pasid_err(as->ctx, ENOENT,
				"pasid_unmap: nothing is mapped in [0x%" PRIx64 ", 0x%" PRIx64 "]",
				iova, last);
	lock_give(&as->lock);
	if (ret)
		return ret;
unmap:
	/*
	 * One kernel unmap per recorded mapping, with its exact bounds, not
	 * one for the caller's range: a range also covers the gaps between
	 * recorded mappings, where another thread's map may be in flight
	 * (made in the kernel, not recorded yet); and the kernel does not
	 * say how far an unmap of several areas got before it failed.
	 */
	for (e = taken; e; e = e->next_taken) {
		ret = __builtin_expect(!as->other, 1) ?
		      k_ioas_unmap(as->ctx->iommufd, as->ioas_id, e->iova,
				   e->len, &unmapped) :
		      as->other->unmap_one(as, e->iova, e->len, &unmapped);
		if (ret)
			break;
		if (unmapped != e->len)
			pasid_log(as->ctx, PASID_LOG_WARN,
				  "IOMMU_IOAS_UNMAP of [0x%" PRIx64 ", +0x%" PRIx64 ") unmapped 0x%" PRIx64 " bytes",
				  e->iova, e->len, unmapped);
	}
	lock_take(&as->lock);
	if (ret) {
		/* e and the rest are still mapped: back into the record; what
		 * came before is gone */
		struct maprec_entry *gone = e == taken ? NULL : taken, *p;
		/* e is the record's again once it is unlocked */
		uint64_t at = e->iova, to = e->iova + e->len;

		for (p = taken; gone && p->next_taken != e; p = p->next_taken)
			;
		if (gone)
			p->next_taken = NULL;
		maprec_put_back(&as->rec, e);
		bytes = taken_bytes(gone);
		maprec_release(&as->rec, gone);
		as->mapped_bytes -= bytes;
		drop = idle_churn(as, bytes);
		lock_give(&as->lock);
		if (drop)
			drop_idle_tables(as);
		return pasid_kerr(as->ctx, -ret, "IOMMU_IOAS_UNMAP",
				  "[0x%" PRIx64 ", 0x%" PRIx64 ")%s%s", at, to,
				  ret == -EBUSY ? ": the pages are pinned by an in-kernel user" : "",
				  gone ? " (the mappings before it in the range are unmapped)" : "");
	}
	/* the entries go back to the record for the next map, which needs
	 * the lock; what is mapped is counted once the kernel agrees */
	bytes = taken_bytes(taken);
	maprec_release(&as->rec, taken);
	as->mapped_bytes -= bytes;
	drop = idle_churn(as, bytes);
	lock_give(&as->lock);
	if (drop)
		drop_idle_tables(as);
	return 0;
}

static inline __attribute__((always_inline)) int
unmap_range(struct pasid_as *as, uint64_t iova, uint64_t len)
{
	return unmap_common(as, false, iova, len);
}

/* An unmap (by_va as unmap_common) of a backend whose maps and unmaps run
 * one at a time if it asks so (ops->serial); iommufd's too, by address. */
static __attribute__((noinline)) int
unmap_serialised(struct pasid_as *as, bool by_va, uint64_t start,
		 uint64_t len)
{
	bool serial = as->other && as->other->serial;
	int ret;

	if (serial)
		pthread_mutex_lock(&as->serial);
	ret = unmap_common(as, by_va, start, len);
	if (serial)
		pthread_mutex_unlock(&as->serial);
	return ret;
}

/* pasid_unmap past a shut gate: an inherited handle, or another backend. */
static __attribute__((noinline, cold)) int
unmap_gate_shut(struct pasid_as *as, uint64_t iova, uint64_t len)
{
	if (inherited(as->ctx))
		return fork_refuse(as->ctx, "pasid_unmap");
	return unmap_serialised(as, false, iova, len);
}

PASID_API int pasid_unmap_va(struct pasid_as *as, void *va, uint64_t len)
{
	pasid_err_clear();
	if (!as)
		return pasid_err(NULL, EINVAL, "pasid_unmap_va: as is NULL");
	if (inherited(as->ctx))
		return fork_refuse(as->ctx, "pasid_unmap_va");
	if (!va || !len || !fits_process(va, len))
		return pasid_err(as->ctx, EINVAL,
				 "pasid_unmap_va: [%p, +0x%" PRIx64 ") is no range of process memory",
				 va, len);
	return unmap_serialised(as, true, (uintptr_t)va, len);
}

PASID_API int pasid_unmap(struct pasid_as *as, uint64_t iova, uint64_t len)
{
	pasid_err_clear();
	if (!as)
		return pasid_err(NULL, EINVAL, "pasid_unmap: as is NULL");
	/* one compare for the usual case (as pasid_map): "inherited" and
	 * "not iommufd" both shut the gate */
	if (__builtin_expect(as_gate_shut(as), 0))
		return unmap_gate_shut(as, iova, len);
	return unmap_range(as, iova, len);
}

PASID_API int pasid_copy(struct pasid_as *dst, struct pasid_as *src,
			 uint64_t src_iova, uint64_t len, unsigned int flags,
			 uint64_t *dst_iova)
{
	const struct map_req r = { .kind = MAP_COPY, .call = "IOMMU_IOAS_COPY",
				   .src = src, .start = src_iova, .len = len,
				   .flags = flags };
	int ret;

	pasid_err_clear();
	if (!dst || !src)
		return pasid_err(NULL, EINVAL, "pasid_copy: dst and src must not be NULL");
	if (dst->ctx != src->ctx)
		return pasid_err(dst->ctx, EINVAL,
				 "pasid_copy: the address spaces belong to different contexts");
	if (inherited(dst->ctx))
		return fork_refuse(dst->ctx, "pasid_copy");
	if (dst->imported && (ret = share_gone(dst, "pasid_copy")))
		return ret;
	if (dst->other && !dst->other->copy)
		return backend_missing(dst->ctx, "pasid_copy: sharing a mapping between address spaces needs",
				       "iommufd (IOMMU_IOAS_COPY); map the buffer into each address space with pasid_map");
	ret = check_map_args(dst->ctx, "pasid_copy", flags, len, dst_iova);
	if (ret)
		return ret;
	if (src_iova + (len - 1) < src_iova)
		return pasid_err(dst->ctx, EOVERFLOW,
				 "pasid_copy: source IOVA 0x%" PRIx64 " + length wraps around",
				 src_iova);
	return map_checked(dst, &r, dst_iova);
}
