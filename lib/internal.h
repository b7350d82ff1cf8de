/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* The library's internal objects and helpers. */
#ifndef LIBPASID_INTERNAL_H
#define LIBPASID_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "libpasid/libpasid.h"
#include "list.h"

struct pasid_vendor_ops;

struct pasid_ctx {
	int iommufd;
	pthread_mutex_t lock;		/* guards everything below and in
					   every dev/as of this context */
	struct list_head devs;
	struct list_head ases;
	struct list_head hwpts;		/* struct pasid_hwpt */
	pasid_log_fn log;
	void *log_arg;
	enum pasid_log_level log_level;
};

/* A kernel page table (HWPT) we allocated for one address space and one
 * device, or for all devices of one IOMMU group (the kernel attaches a group
 * to one page table per RID and per PASID); shared by the RID and every
 * PASID of those devices bound there. */
struct pasid_hwpt {
	struct list_head ctx_node;	/* in ctx->hwpts */
	struct pasid_as *as;
	int group;			/* IOMMU group of its users, or -1 */
	const struct pasid_dev *owner;	/* its only user when group is -1 */
	uint32_t id;
	unsigned int refs;		/* RIDs + PASIDs attached to it */
};

/* A PASID bound by the library. Kept in dev->pasids, sorted by PASID. */
struct pasid_binding {
	uint32_t pasid;
	struct pasid_hwpt *hwpt;
};

struct pasid_dev {
	struct list_head ctx_node;
	struct pasid_ctx *ctx;
	int fd;				/* VFIO cdev */
	uint32_t dev_id;		/* iommufd device id */
	char name[64];
	struct pasid_caps caps;
	const struct pasid_vendor_ops *vendor;
	int group;			/* IOMMU group number, -1 if unknown */

	/* RID: rid_as NULL = detached; rid_hwpt NULL = kernel's auto table. */
	struct pasid_as *rid_as;
	struct pasid_hwpt *rid_hwpt;
	/* set after the kernel refused a PASID-capable page table */
	bool no_pasid_hwpt;

	struct pasid_binding *pasids;
	uint32_t npasids, pasids_cap;
	uint32_t next_pasid;		/* where PASID_ANY starts looking */
};

struct pasid_mapping {
	uint64_t iova, len;
};

struct pasid_as {
	struct list_head ctx_node;
	struct pasid_ctx *ctx;
	uint32_t ioas_id;
	/* what is mapped, sorted by iova, to give clear errors before the
	 * kernel is asked (unmap of nothing, unmap that would split) */
	struct pasid_mapping *maps;
	size_t nmaps, maps_cap;
};

/* error.c: set the calling thread's message (and log it); returns -err. */
int pasid_err(struct pasid_ctx *ctx, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same, naming the failed kernel call and its errno. */
int pasid_kerr(struct pasid_ctx *ctx, int err, const char *call,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void pasid_log(struct pasid_ctx *ctx, enum pasid_log_level level,
	       const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Forget the calling thread's message at the start of a public call. */
void pasid_err_clear(void);
/* Put back a message saved earlier (no logging: it was logged then). */
void pasid_err_restore(const char *msg);
/* Around an attempt the caller may recover from: its failure message is
 * kept for pasid_errmsg() but not logged as an error (the caller logs it if
 * the call fails after all). Nests. */
void pasid_log_hold(bool on);

static inline void ctx_lock(struct pasid_ctx *ctx)
{
	pthread_mutex_lock(&ctx->lock);
}

static inline void ctx_unlock(struct pasid_ctx *ctx)
{
	pthread_mutex_unlock(&ctx->lock);
}

/* as.c */
int as_map_insert(struct pasid_as *as, uint64_t iova, uint64_t len);

/* bind.c: drop every attachment of dev that uses as (as == NULL: all). */
void bind_release(struct pasid_dev *dev, struct pasid_as *as);

/* copy a size-versioned struct out: min of both sizes, size field kept */
void copy_sized_out(void *dst, const void *src, size_t src_size);
/* read a caller's size-versioned struct into ours (0, -EINVAL, -E2BIG) */
int copy_sized_in(void *dst, size_t dst_size, const void *src);

#endif
