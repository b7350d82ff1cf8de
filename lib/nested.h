/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* Nested translation: the objects behind include/libpasid/nested.h. */
#ifndef LIBPASID_NESTED_INTERNAL_H
#define LIBPASID_NESTED_INTERNAL_H

#include <stdint.h>

#include "libpasid/nested.h"
#include "internal.h"

/*
 * One device's nest (dev->nest, ctx->lock): the kernel objects are made in
 * this order and destroyed in the reverse one. The RID is attached to the
 * parent while the nest lives; dev->rid_as stays NULL (the generic
 * attachment calls refuse a nested device).
 */
struct pasid_nest {
	struct pasid_dev *dev;
	struct pasid_as *as;
	uint32_t flags;			/* PASID_NEST_* */
	uint32_t parent_id;		/* HWPT_PAGING, NEST_PARENT */
	uint32_t viommu_id;		/* 0: none */
	uint32_t vdevice_id;		/* 0: none */
	uint64_t virt_id;
	struct list_head s1s;		/* struct pasid_s1 */
	/* PASID_NEST_FAULTS: the queue its stage-1 HWPTs report to (a
	 * reference, nested-fault.c); the vIOMMU's event queue or NULL */
	struct pasid_faultq *faultq;
	struct pasid_veventq *veventq;
	/* a PASID table in user memory (SMMUv3 CD table), mapped in as at
	 * iova, behind the nested HWPT hwpt_id on the RID; base NULL until
	 * the first stage-1 */
	struct {
		uint64_t *base;
		size_t len;
		uint64_t iova;
		uint32_t hwpt_id;
	} table;
};

/* One stage-1 (ctx->lock): hwpt_id is its nested HWPT where the IOMMU has
 * one per PASID (VT-d), else 0. */
struct pasid_s1 {
	struct list_head node;		/* in nest->s1s */
	struct pasid_nest *nest;
	uint32_t pasid;
	uint32_t hwpt_id;
	uint32_t asid;
};

/*
 * The vendor halves (lib/nested-<vendor>.c), in the vendor ops tables:
 * make and take down one stage-1 (the generic checks done, ctx->lock held;
 * 0 or -errno with the message set); take down what the nest's stage-1s
 * shared (the PASID table) once the last one went or the nest goes.
 */
int vtd_s1_attach(struct pasid_s1 *s1, const struct pasid_s1_opts *o);
void vtd_s1_detach(struct pasid_s1 *s1);
int smmu_s1_attach(struct pasid_s1 *s1, const struct pasid_s1_opts *o);
void smmu_s1_detach(struct pasid_s1 *s1);
void smmu_nest_fini(struct pasid_nest *n);
/* the PASID bits smmu_s1_attach takes for dev */
uint32_t smmu_s1_pasid_bits(const struct pasid_dev *dev);
int vtd_s1_invalidate(struct pasid_s1 *s1, const struct pasid_s1_range *r,
		      unsigned int n, unsigned int flags, unsigned int *done);
int smmu_s1_invalidate(struct pasid_s1 *s1, const struct pasid_s1_range *r,
		       unsigned int n, unsigned int flags,
		       unsigned int *done);

/* nested-s1.c: the PASIDs a stage-1 can take on n's device; take one
 * stage-1 down and free it (ctx->lock held) */
uint32_t nest_s1_pasid_bits(const struct pasid_nest *n);
void nest_s1_release(struct pasid_s1 *s1);

/* A fault queue (nested-fault.c): the kernel object and its fd; refs: the
 * caller's handle (until pasid_faultq_free) and each nest made with it,
 * under ctx->lock. On ctx->faultqs while it lives, so that the context's
 * close frees the queues the caller left. */
struct pasid_faultq {
	struct pasid_ctx *ctx;
	struct list_head ctx_node;
	uint32_t id;
	int fd;
	unsigned int refs;
	bool freed;			/* pasid_faultq_free was called */
};

/* ctx->lock held: may n's device report page requests to q (0, or -errno
 * with the message)? Take a nest's reference; drop one. */
int nest_faults_check(struct pasid_dev *dev, struct pasid_faultq *q);
/* nested-dirty.c: may dev's nest parent track dirty pages (0 or -errno) */
int nest_dirty_check(const struct pasid_dev *dev);
void faultq_get(struct pasid_faultq *q);
void faultq_put(struct pasid_faultq *q);
/* pasid_ctx_close, after the devices (and so the nests) went: drop the
 * handles the caller did not free. faultq_forget_all: the same in a forked
 * child, without kernel calls (fork.c). */
void faultq_free_all(struct pasid_ctx *ctx);
void faultq_forget_all(struct pasid_ctx *ctx);
/* The fault id the nest's stage-1 HWPTs are made with, 0: none. */
static inline uint32_t nest_fault_id(const struct pasid_nest *n)
{
	return n->faultq ? n->faultq->id : 0;
}

/* nested-vevent.c, ctx->lock held: take the nest's vEVENTQ down. */
void nest_veventq_release(struct pasid_nest *n);

/* The message for an IOMMU whose vendor table lacks what fn needs: "fn:
 * dev: the <vendor> IOMMU has no <what>: <why>" (-EOPNOTSUPP). */
int nest_vendor_lacks(const struct pasid_dev *dev, const char *fn,
		      const char *what, const char *why);

#endif
