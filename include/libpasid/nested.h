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
struct pasid_faultq;	/* an I/O page fault queue (IOMMU_FAULT_QUEUE_ALLOC) */
struct pasid_veventq;	/* a nest's vIOMMU event queue (IOMMU_VEVENTQ_ALLOC) */

/* pasid_nest_opts.flags */
/* Track dirty pages in the stage-2 (where the IOMMU can: Intel VT-d with
 * SSADS, AMD-Vi v1 tables with HDSup; not SMMUv3, whose stage-2 tables
 * carry no dirty bits in Linux): pasid_nest_dirty_set and _read. */
#define PASID_NEST_DIRTY_TRACKING (1u << 0)
/* virt_id is the device's ID as its stage-1 owner names it (the vSID of a
 * guest's SMMUv3); without it the library uses the device's iommufd id. */
#define PASID_NEST_VIRT_ID	  (1u << 1)
/* The page requests of the nest's stage-1 tables go to opts->faultq (a
 * device with PCIe PRI behind an IOMMU that forwards them: Intel VT-d) */
#define PASID_NEST_FAULTS	  (1u << 2)

struct pasid_nest_opts {
	size_t size;		/* sizeof(struct pasid_nest_opts) */
	uint32_t flags;		/* PASID_NEST_* */
	uint32_t reserved;	/* must be 0 */
	uint64_t virt_id;	/* with PASID_NEST_VIRT_ID */
	/* with PASID_NEST_FAULTS: the queue (of the device's context), which
	 * the nest holds until pasid_nest_free */
	struct pasid_faultq *faultq;
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

/* ------------------------------------------------------------------ */
/* Dirty tracking of a nest's stage-2                                  */

/*
 * Start (on != 0) or stop the IOMMU's dirty-bit updates in the stage-2 of
 * a nest made with PASID_NEST_DIRTY_TRACKING. Starting forgets what was
 * recorded before. -EINVAL for a nest made without the flag.
 */
PASID_API int pasid_nest_dirty_set(struct pasid_nest *nest, int on);

/* pasid_nest_dirty_read flags: leave the dirty bits set (for a read just
 * before unmapping the range) */
#define PASID_DIRTY_NO_CLEAR (1u << 0)

/* Bytes of bitmap pasid_nest_dirty_read needs for len bytes in page_size
 * units: one bit per unit, in whole 64-bit words. */
#define PASID_DIRTY_BITMAP_BYTES(len, page_size)			\
	((size_t)((((len) / (page_size)) + 63) / 64) * 8)

/*
 * Which page_size units of [iova, iova + len) in the nest's address space
 * devices wrote since the last read (or since dirty tracking started):
 * bit i of the caller's bitmap (bitmap[i / 64] >> (i % 64) & 1) is unit
 * iova + i * page_size. The bitmap is zeroed first, then filled; the dirty
 * bits are cleared unless PASID_DIRTY_NO_CLEAR. page_size: a power of two,
 * at least 4 KiB; iova and len multiples of it, len > 0, all of the range
 * mapped; bitmap_bytes at least PASID_DIRTY_BITMAP_BYTES(len, page_size).
 */
PASID_API int pasid_nest_dirty_read(struct pasid_nest *nest, uint64_t iova,
				    uint64_t len, uint64_t page_size,
				    uint64_t *bitmap, size_t bitmap_bytes,
				    unsigned int flags);

/* ------------------------------------------------------------------ */
/* I/O page fault queues                                               */

/* A queue for page requests (PCIe PRI) of the stage-1 tables of the nests
 * made with it (PASID_NEST_FAULTS). */
PASID_API int pasid_faultq_new(struct pasid_ctx *ctx,
			       struct pasid_faultq **qp);
/* The queue goes once the nests made with it went too; requests still
 * waiting are answered "invalid" by the kernel. */
PASID_API void pasid_faultq_free(struct pasid_faultq *q);
/* The queue's file descriptor, to poll() for POLLIN (do not read or close
 * it yourself). */
PASID_API int pasid_faultq_fd(const struct pasid_faultq *q);

/* pasid_fault.flags */
#define PASID_FAULT_PASID_VALID (1u << 0)	/* pasid is meaningful */
#define PASID_FAULT_LAST_PAGE	(1u << 1)	/* last of its group */
/* pasid_fault.perm */
#define PASID_FAULT_READ	(1u << 0)
#define PASID_FAULT_WRITE	(1u << 1)
#define PASID_FAULT_EXEC	(1u << 2)
#define PASID_FAULT_PRIV	(1u << 3)

struct pasid_fault {
	struct pasid_dev *dev;	/* the device that asked (NULL: not one of
				   this context's) */
	uint32_t flags;		/* PASID_FAULT_PASID_VALID, _LAST_PAGE */
	uint32_t pasid;
	uint32_t grpid;		/* the device's page request group */
	uint32_t perm;		/* PASID_FAULT_READ ... */
	uint64_t addr;		/* the faulting input address (stage-1 VA) */
	uint32_t length;	/* the device's hint of the bytes it needs */
	uint32_t cookie;	/* what pasid_faultq_respond answers */
};

/*
 * Take up to max waiting page requests into faults (whole groups only);
 * *n: how many. 0 with *n = 0 when none waits (the call never blocks).
 * Each group must be answered once, with its cookie.
 */
PASID_API int pasid_faultq_read(struct pasid_faultq *q,
				struct pasid_fault *faults, unsigned int max,
				unsigned int *n);

enum pasid_fault_code {
	PASID_FAULT_SUCCESS = 0,	/* the table was fixed: retry */
	PASID_FAULT_INVALID = 1,	/* it cannot be: do not retry */
};

/* Answer the page request group that carried cookie. */
PASID_API int pasid_faultq_respond(struct pasid_faultq *q, uint32_t cookie,
				   enum pasid_fault_code code);

/* ------------------------------------------------------------------ */
/* vIOMMU event queues (SMMUv3)                                        */

/*
 * An event queue on the nest's vIOMMU, holding up to depth events; later
 * ones are lost (and counted) until it is read. One per nest. SMMUv3 only
 * (its faults of the user's stage-1 and CD table: C_BAD_STE, C_BAD_CD,
 * F_TRANSLATION, F_PERMISSION, ...). Freed with the nest at the latest.
 */
PASID_API int pasid_veventq_new(struct pasid_nest *nest, uint32_t depth,
				struct pasid_veventq **qp);
PASID_API void pasid_veventq_free(struct pasid_veventq *q);
/* For poll() (POLLIN), as pasid_faultq_fd. */
PASID_API int pasid_veventq_fd(const struct pasid_veventq *q);

/* pasid_vevent.flags: events were lost at the queue's tail; this entry
 * carries no record (evt is zero) */
#define PASID_VEVENT_LOST (1u << 0)

struct pasid_vevent {
	uint32_t flags;		/* PASID_VEVENT_LOST */
	uint32_t sequence;	/* the kernel's, 0 .. INT_MAX, wrapping */
	/* events lost just before this one (from the gap in sequence; for
	 * a PASID_VEVENT_LOST entry, those it stands for) */
	uint32_t lost;
	uint32_t reserved;
	/* SMMUv3: the 256-bit event record in CPU byte order, StreamID
	 * (63:32 of evt[0]) the nest's virt_id */
	uint64_t evt[4];
};

/* Take up to max events into ev; *n: how many (0 when none: never
 * blocks). */
PASID_API int pasid_veventq_read(struct pasid_veventq *q,
				 struct pasid_vevent *ev, unsigned int max,
				 unsigned int *n);

#ifdef __cplusplus
}
#endif

#endif /* LIBPASID_NESTED_H */
