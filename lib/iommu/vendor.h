/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The vendor-quirk layer: one ops table per IOMMU family. The core never looks
 * at vendor register formats; it asks the table of the device's IOMMU. An op
 * left NULL means "this IOMMU does not do that" and the core falls back to the
 * generic behaviour.
 */
#ifndef LIBPASID_VENDOR_H
#define LIBPASID_VENDOR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "libpasid/libpasid.h"
#include "libpasid/nested.h"

struct pasid_s1;
struct pasid_nest;
struct pasid_dev;

struct pasid_vendor_ops {
	enum pasid_iommu_vendor vendor;
	uint32_t hw_info_type;		/* KABI_IOMMU_HW_INFO_TYPE_* it decodes */
	/* sysfs IOMMU instance names of this family ("dmar" for "dmar0"). */
	const char *const *instance_prefixes;

	/*
	 * Fill the vendor part of caps from the hw_info payload: flags
	 * (nesting, dirty tracking, PRI), table_owner, iova_bits, raw. The core
	 * has already set vendor, hw_info_type, pasid_width and the generic
	 * out_capabilities bits; len is what the kernel returned.
	 */
	void (*decode)(const void *data, size_t len, struct pasid_caps *caps);

	/*
	 * Check a combination of KABI_IOMMU_HWPT_ALLOC_* flags against this
	 * IOMMU's rules before the kernel is asked. Returns 0 or -EOPNOTSUPP
	 * with *why set to a sentence for the diagnostic.
	 */
	int (*check_hwpt_flags)(const struct pasid_caps *caps, uint32_t flags,
				const char **why);

	/*
	 * The PASID width to use, from the one the kernel reported
	 * (caps->pasid_width, after decode) and the device's own PCIe PASID
	 * width (-1 if unknown); NULL: the reported one. For what the kernel's
	 * out_max_pasid_log2 gets wrong (doc/kernel-rules.md §6.2): a limit it
	 * applies in the driver only (narrower), or a rounding that hides
	 * PASIDs it serves (noted as PASID_CAP_PASID_WIDTH_ROUNDED).
	 */
	uint32_t (*pasid_width)(struct pasid_caps *caps, int device_width);

	/*
	 * Why this IOMMU's driver attaches no page table to a PASID, though
	 * it builds PASID-capable tables and puts the RID on them, or NULL.
	 * The core then refuses a bind that would first move a RID off the
	 * kernel's table, and tries the others (the RID detached or already
	 * on a PASID-capable table): a kernel that attaches one has lifted
	 * the limit, and the device's later binds are no longer refused.
	 */
	const char *(*pasid_attach_limit)(const struct pasid_caps *caps);

	/* Why this IOMMU cannot give a PASID-capable page table (a hint for the
	 * diagnostic when the kernel refuses one), or NULL. */
	const char *(*no_pasid_hint)(const struct pasid_caps *caps);

	/* ---- nested (lib/nested*.c) ---- */
	/* KABI_IOMMU_HWPT_ALLOC_* flags a nest parent takes beside
	 * NEST_PARENT (VT-d: PASID, so that PASIDs can nest on it) */
	uint32_t nest_parent_flags;
	/* KABI_IOMMU_VIOMMU_TYPE_* of the vIOMMU a nest needs (and a vDEVICE
	 * for the device), 0: the IOMMU nests without one */
	uint32_t viommu_type;
	/* Why the kernel gives this IOMMU no vIOMMU, as far as its
	 * registers tell (the diagnostic when IOMMU_VIOMMU_ALLOC is
	 * EOPNOTSUPP), or NULL: they do not say */
	const char *(*no_viommu_hint)(const struct pasid_caps *caps);
	/* a user stage-1 at a PASID of a nest, its removal, and the end of
	 * what the nest's stage-1s shared (nested.h); NULL s1_attach: the
	 * IOMMU nests no stage-1, s1_missing says why */
	int (*s1_attach)(struct pasid_s1 *s1, const struct pasid_s1_opts *o);
	void (*s1_detach)(struct pasid_s1 *s1);
	void (*nest_fini)(struct pasid_nest *n);
	uint32_t (*s1_pasid_bits)(const struct pasid_dev *dev);
	/* invalidate n checked ranges of a stage-1 in one kernel call;
	 * *done: ranges the kernel completed */
	int (*s1_invalidate)(struct pasid_s1 *s1,
			     const struct pasid_s1_range *r, unsigned int n,
			     unsigned int flags, unsigned int *done);
	enum pasid_s1_format s1_format;
	const char *s1_missing;

	/* ---- dirty tracking, page faults, events (lib/nested-*.c) ---- */
	/* a nest parent can be made with DIRTY_TRACKING and read and cleared
	 * (IOMMU_HWPT_SET_DIRTY_TRACKING, IOMMU_HWPT_GET_DIRTY_BITMAP);
	 * false: nest_dirty_missing says why not */
	bool nest_dirty;
	const char *nest_dirty_missing;
	/* the stage-1 HWPTs of a nest take a fault queue (FAULT_ID_VALID)
	 * and the driver forwards the device's page requests to it; false:
	 * s1_faults_missing says why not */
	bool s1_faults;
	const char *s1_faults_missing;
	/* KABI_IOMMU_VEVENTQ_TYPE_* of the vIOMMU's event queue and the
	 * bytes of one record after its header; 0: none, veventq_missing
	 * says why */
	uint32_t veventq_type;
	uint32_t vevent_len;
	const char *veventq_missing;
};

/*
 * For the decoders. The kernel's payload (len bytes at data, NULL: none)
 * copied into dst, a payload struct of size bytes, zero past what the kernel
 * returned (an older kernel's shorter struct, or none). Returns the number of
 * bytes that are the kernel's, to ask VENDOR_HAS with: a field the kernel did
 * not return is left out of the report, not read as 0.
 */
static inline size_t vendor_payload(void *dst, size_t size, const void *data,
				    size_t len)
{
	memset(dst, 0, size);
	if (!data)
		return 0;
	memcpy(dst, data, len < size ? len : size);
	return len;
}

/* Whether the kernel's len bytes hold member m (idr[2] works too) of
 * payload struct p. */
#define VENDOR_HAS(p, m, len)						\
	((size_t)((const char *)&(p).m - (const char *)&(p)) +		\
	 sizeof((p).m) <= (len))

/* The table for a hw_info type; never NULL (the generic table at worst). */
const struct pasid_vendor_ops *pasid_vendor_by_hw_info(uint32_t hw_info_type);
/* The vendor of a sysfs IOMMU instance name ("dmar0", "ivhd0", ...). */
enum pasid_iommu_vendor pasid_vendor_by_instance(const char *name);

extern const struct pasid_vendor_ops pasid_vendor_intel;
extern const struct pasid_vendor_ops pasid_vendor_smmuv3;
extern const struct pasid_vendor_ops pasid_vendor_amd;
extern const struct pasid_vendor_ops pasid_vendor_generic;

#endif
