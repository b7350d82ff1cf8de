/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * libpasid nested translation: for VMMs and programs that own stage-1 page
 * tables. Nothing in libpasid.h needs this header; see libpasid-nested(7).
 *
 * A nest is one device's two-stage setup: a stage-2 page table made from an
 * address space (its mappings are the "guest physical" addresses), the
 * device's untagged DMA attached to it, and the vIOMMU and vDEVICE objects
 * the device's IOMMU needs for nesting where it has them (ARM SMMUv3).
 *
 * The conventions are libpasid.h's: 0 or -errno, pasid_errmsg() says why,
 * opaque handles, size-versioned structs (set .size = sizeof).
 */
#ifndef LIBPASID_NESTED_H
#define LIBPASID_NESTED_H

#include <stddef.h>
#include <stdint.h>

#include <libpasid/libpasid.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pasid_nest;	/* one device's nesting parent (stage 2) */
struct pasid_s1;	/* a user-owned stage-1 on one PASID of a nest */

/* pasid_nest_opts.flags */
/* Track dirty pages in the stage-2 (where the IOMMU can: Intel VT-d with
 * SSADS; not SMMUv3, whose stage-2 tables carry no dirty bits). */
#define PASID_NEST_DIRTY_TRACKING (1u << 0)
/* virt_id is the device's ID as its stage-1 owner names it (the vSID of a
 * guest's SMMUv3); without it the library uses the device's iommufd id. */
#define PASID_NEST_VIRT_ID	  (1u << 1)

struct pasid_nest_opts {
	size_t size;		/* sizeof(struct pasid_nest_opts) */
	uint32_t flags;		/* PASID_NEST_* */
	uint32_t reserved;	/* must be 0 */
	uint64_t virt_id;	/* with PASID_NEST_VIRT_ID */
};

/*
 * Make dev's nest on as: a stage-2 page table of as, the device's RID
 * attached to it (untagged DMA is translated by as, as with
 * pasid_attach_rid), and, where the IOMMU nests through a vIOMMU, the
 * vIOMMU and the device's vDEVICE. The device must have nothing attached
 * through libpasid.h (no RID, no PASIDs): -EBUSY otherwise. While the nest
 * lives, pasid_attach_rid, pasid_bind and pasid_rebind on dev answer
 * -EBUSY. opts may be NULL. -EOPNOTSUPP where the IOMMU cannot nest.
 */
PASID_API int pasid_nest_new(struct pasid_dev *dev, struct pasid_as *as,
			     const struct pasid_nest_opts *opts,
			     struct pasid_nest **nestp);
/* Detach the device's RID (and everything nested on it) and destroy the
 * nest's kernel objects. Also done by pasid_dev_close and by pasid_as_free
 * of its address space. */
PASID_API void pasid_nest_free(struct pasid_nest *nest);

/* The stage-1 page-table format of a nest's IOMMU. */
enum pasid_s1_format {
	PASID_S1_NONE = 0,	/* the IOMMU nests no stage-1 */
	PASID_S1_X86 = 1,	/* x86-64 paging (VT-d first stage) */
	PASID_S1_ARM64 = 2,	/* AArch64 VMSA, 4 KiB granule (SMMUv3) */
};

struct pasid_nest_info {
	size_t size;		/* in: sizeof(struct pasid_nest_info) */
	uint32_t parent_id;	/* iommufd id of the stage-2 page table */
	uint32_t viommu_id;	/* of the vIOMMU; 0: the IOMMU has none */
	uint32_t vdevice_id;	/* of the vDEVICE; 0: none */
	uint32_t flags;		/* PASID_NEST_* in effect */
	uint64_t virt_id;	/* the vDEVICE's ID (when vdevice_id != 0) */
	/* the stage-1 page-table format pasid_s1_attach takes */
	enum pasid_s1_format s1_format;
	/* PASIDs pasid_s1_attach takes: 1 .. (1 << s1_pasid_bits) - 1 */
	uint32_t s1_pasid_bits;
	/* PASID_S1_ARM64: the user-memory context descriptor table, mapped
	 * in the nest's address space at this IOVA once the first stage-1 is
	 * attached (0 before): do not unmap it */
	uint64_t cd_table_iova;
};

/* Fill info (up to info->size bytes). */
PASID_API int pasid_nest_info(const struct pasid_nest *nest,
			      struct pasid_nest_info *info);

/* ------------------------------------------------------------------ */
/* User-owned stage-1 page tables                                      */

struct pasid_s1_opts {
	size_t size;		/* sizeof(struct pasid_s1_opts) */
	/* the root of the stage-1 page table: its address in the nest's
	 * address space (an IOVA of it, 4 KiB aligned) */
	uint64_t root;
	/* input address width: 48 (4 levels) or 57 (x86 5 levels); ARM64
	 * takes 32 .. 48 */
	uint32_t va_bits;
	/* PASID_S1_ARM64: the ASID that tags the table's TLB entries (0 ..
	 * 65535; pasid_s1_invalidate names it); ignored elsewhere */
	uint32_t asid;
	uint32_t flags;		/* must be 0 */
	uint32_t reserved;	/* must be 0 */
};

/*
 * Translate DMA the device tags with pasid through the user's stage-1 page
 * table at opts->root, and its output through the nest's stage-2. One call
 * whatever the IOMMU: on VT-d a nested page table for that PASID; on SMMUv3
 * the PASID's context descriptor in the library's CD table (the vSTE that
 * points at it is installed on the RID at the first call; untagged DMA
 * keeps going through the stage-2 only) and a CFGI_CD command. The caller
 * invalidates after changing the table (pasid_s1_invalidate).
 */
PASID_API int pasid_s1_attach(struct pasid_nest *nest, uint32_t pasid,
			      const struct pasid_s1_opts *opts,
			      struct pasid_s1 **s1p);
/* DMA tagged with the PASID is blocked again; the stage-1 is gone. */
PASID_API void pasid_s1_free(struct pasid_s1 *s1);

/* A range of a stage-1's input addresses whose translations changed. */
struct pasid_s1_range {
	uint64_t iova;		/* 4 KiB aligned */
	uint64_t len;		/* a multiple of 4 KiB, or PASID_S1_ALL */
};
/* len of a range that is the whole table (iova must be 0) */
#define PASID_S1_ALL UINT64_MAX

/* pasid_s1_invalidate flags */
/* only leaf entries changed: cached upper levels of the walk may stay */
#define PASID_S1_INVAL_LEAF (1u << 0)

/*
 * Make the IOMMU forget what it cached of s1's table for n ranges, in one
 * kernel call: VT-d entries on the PASID's nested page table, SMMUv3
 * TLBI commands (by VA, or the whole ASID) through the vIOMMU, sent twice
 * where the SMMU has the erratum that needs it. Returns 0 when every range
 * is done; else -errno, and *done (optional) says how many ranges, from the
 * first, the kernel completed before it failed.
 */
PASID_API int pasid_s1_invalidate(struct pasid_s1 *s1,
				  const struct pasid_s1_range *ranges,
				  unsigned int n, unsigned int flags,
				  unsigned int *done);

#ifdef __cplusplus
}
#endif

#endif /* LIBPASID_NESTED_H */
