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
};

#endif
