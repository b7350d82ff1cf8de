/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * kabi.h - libpasid's own definitions of the Linux iommufd and VFIO uAPI.
 *
 * Internal header. Written for libpasid from the published ABI facts (names,
 * numbers, sizes, offsets); it does not include <linux/iommufd.h> or
 * <linux/vfio.h>, so the library builds on systems whose linux-libc-dev is
 * older than the kernel it runs on (Debian 12 ships no iommufd.h at all).
 *
 * Coverage: everything the library uses up to and including Linux 7.3.
 * tests/abi/ compiles this header next to the real kernel headers and checks
 * every size, field offset, constant and ioctl number against them.
 *
 * Naming: the kernel name with a "kabi_" prefix for struct and enum types and
 * a "KABI_" prefix for constants and ioctl request numbers. Field names are
 * the kernel's, including the explicit "__reserved" padding fields, which
 * must be zeroed before every call.
 *
 * Layout rules:
 *  - kabi_aligned_u64 is the kernel's __aligned_u64 (a u64 that is 8-byte
 *    aligned on every ABI, also i386); plain uint64_t is used only where the
 *    kernel uses plain __u64.
 *  - Trailing flexible array members of the kernel structs (vfio_irq_set
 *    data[], vfio_device_feature data[], ...) are not declared here so that
 *    the header is also valid ISO C++; the variable part starts at
 *    sizeof(struct kabi_...) and that is asserted by tests/abi/.
 *  - Every struct carries static assertions on its size and the offsets of
 *    its fields (x86_64 values; they hold on all Linux ABIs the kernel
 *    supports for these structs).
 *
 * Versioning convention: iommufd structs carry their own size in "size" and
 * VFIO structs in "argsz". A kernel accepts any size >= its per-ioctl minimum
 * and requires bytes it does not know to be zero, so the library always passes
 * sizeof() of the structs below with all unused fields zeroed; the *_SZ_*
 * constants describe older layouts where the library needs them.
 */
#ifndef LIBPASID_KABI_H
#define LIBPASID_KABI_H

#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

#ifdef __cplusplus
#define KABI_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#define KABI_ALIGNOF(type) alignof(type)
#else
#define KABI_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#define KABI_ALIGNOF(type) _Alignof(type)
#endif

/* The kernel's __aligned_u64. */
typedef uint64_t kabi_aligned_u64 __attribute__((aligned(8)));

#define KABI_ASSERT_SIZE(type, n)                                              \
	KABI_STATIC_ASSERT(sizeof(struct kabi_##type) == (n),                  \
			   "sizeof(struct kabi_" #type ") != " #n)
#define KABI_ASSERT_OFF(type, field, n)                                        \
	KABI_STATIC_ASSERT(offsetof(struct kabi_##type, field) == (n),         \
			   "offsetof(struct kabi_" #type ", " #field ") != " #n)
#define KABI_ASSERT_ALIGN(type, n)                                             \
	KABI_STATIC_ASSERT(KABI_ALIGNOF(struct kabi_##type) == (n),            \
			   "alignof(struct kabi_" #type ") != " #n)

/* ========================================================================
 * iommufd (/dev/iommu)
 * ====================================================================== */

/* ------------------------------------------------------------------------
 * Ioctl numbering. Linux 6.2 (0x80..0x88); later commands are listed with
 * the release that added them. Requests are _IO(';', nr): the struct size is
 * not encoded in the request number.
 * ---------------------------------------------------------------------- */
#define KABI_IOMMUFD_TYPE (';')

enum {
	KABI_IOMMUFD_CMD_BASE = 0x80,
	KABI_IOMMUFD_CMD_DESTROY = 0x80,                 /* 6.2 */
	KABI_IOMMUFD_CMD_IOAS_ALLOC = 0x81,              /* 6.2 */
	KABI_IOMMUFD_CMD_IOAS_ALLOW_IOVAS = 0x82,        /* 6.2 */
	KABI_IOMMUFD_CMD_IOAS_COPY = 0x83,               /* 6.2 */
	KABI_IOMMUFD_CMD_IOAS_IOVA_RANGES = 0x84,        /* 6.2 */
	KABI_IOMMUFD_CMD_IOAS_MAP = 0x85,                /* 6.2 */
	KABI_IOMMUFD_CMD_IOAS_UNMAP = 0x86,              /* 6.2 */
	KABI_IOMMUFD_CMD_OPTION = 0x87,                  /* 6.2 */
	KABI_IOMMUFD_CMD_VFIO_IOAS = 0x88,               /* 6.2 */
	KABI_IOMMUFD_CMD_HWPT_ALLOC = 0x89,              /* 6.6 */
	KABI_IOMMUFD_CMD_GET_HW_INFO = 0x8a,             /* 6.6 */
	KABI_IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING = 0x8b, /* 6.7 */
	KABI_IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP = 0x8c,   /* 6.7 */
	KABI_IOMMUFD_CMD_HWPT_INVALIDATE = 0x8d,         /* 6.8 */
	KABI_IOMMUFD_CMD_FAULT_QUEUE_ALLOC = 0x8e,       /* 6.11 */
	KABI_IOMMUFD_CMD_IOAS_MAP_FILE = 0x8f,           /* 6.13 */
	KABI_IOMMUFD_CMD_VIOMMU_ALLOC = 0x90,            /* 6.13 */
	KABI_IOMMUFD_CMD_VDEVICE_ALLOC = 0x91,           /* 6.13 */
	KABI_IOMMUFD_CMD_IOAS_CHANGE_PROCESS = 0x92,     /* 6.13 */
	KABI_IOMMUFD_CMD_VEVENTQ_ALLOC = 0x93,           /* 6.15 */
	KABI_IOMMUFD_CMD_HW_QUEUE_ALLOC = 0x94,          /* 6.17 */
	KABI_IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA = 0x95,     /* 7.3 */
};

#define KABI_IOMMU_DESTROY _IO(KABI_IOMMUFD_TYPE, KABI_IOMMUFD_CMD_DESTROY)
#define KABI_IOMMU_IOAS_ALLOC _IO(KABI_IOMMUFD_TYPE, KABI_IOMMUFD_CMD_IOAS_ALLOC)
#define KABI_IOMMU_IOAS_ALLOW_IOVAS                                            \
	_IO(KABI_IOMMUFD_TYPE, KABI_IOMMUFD_CMD_IOAS_ALLOW_IOVAS)
#define KABI_IOMMU_IOAS_COPY _IO(KABI_IOMMUFD_TYPE, KABI_IOMMUFD_CMD_IOAS_COPY)
#define KABI_IOMMU_IOAS_IOVA_RANGES                                            \
	_IO(KABI_IOMMUFD_TYPE, KABI_IOMMUFD_CMD_IOAS_IOVA_RANGES)
#define KABI_IOMMU_IOAS_MAP _IO(KABI_IOMMUFD_TYPE, KABI_IOMMUFD_CMD_IOAS_MAP)
#define KABI_IOMMU_IOAS_UNMAP _IO(KABI_IOMMUFD_TYPE, KABI_IOMMUFD_CMD_IOAS_UNMAP)
#define KABI_IOMMU_OPTION _IO(KABI_IOMMUFD_TYPE, KABI_IOMMUFD_CMD_OPTION)
#define KABI_IOMMU_VFIO_IOAS _IO(KABI_IOMMUFD_TYPE, KABI_IOMMUFD_CMD_VFIO_IOAS)
#define KABI_IOMMU_HWPT_ALLOC _IO(KABI_IOMMUFD_TYPE, KABI_IOMMUFD_CMD_HWPT_ALLOC)
#define KABI_IOMMU_GET_HW_INFO                                                 \
	_IO(KABI_IOMMUFD_TYPE, KABI_IOMMUFD_CMD_GET_HW_INFO)
#define KABI_IOMMU_HWPT_SET_DIRTY_TRACKING                                     \
	_IO(KABI_IOMMUFD_TYPE, KABI_IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING)
#define KABI_IOMMU_HWPT_GET_DIRTY_BITMAP                                       \
	_IO(KABI_IOMMUFD_TYPE, KABI_IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP)
#define KABI_IOMMU_HWPT_INVALIDATE                                             \
	_IO(KABI_IOMMUFD_TYPE, KABI_IOMMUFD_CMD_HWPT_INVALIDATE)
#define KABI_IOMMU_FAULT_QUEUE_ALLOC                                           \
	_IO(KABI_IOMMUFD_TYPE, KABI_IOMMUFD_CMD_FAULT_QUEUE_ALLOC)
#define KABI_IOMMU_IOAS_MAP_FILE                                               \
	_IO(KABI_IOMMUFD_TYPE, KABI_IOMMUFD_CMD_IOAS_MAP_FILE)
#define KABI_IOMMU_VIOMMU_ALLOC                                                \
	_IO(KABI_IOMMUFD_TYPE, KABI_IOMMUFD_CMD_VIOMMU_ALLOC)
#define KABI_IOMMU_VDEVICE_ALLOC                                               \
	_IO(KABI_IOMMUFD_TYPE, KABI_IOMMUFD_CMD_VDEVICE_ALLOC)
#define KABI_IOMMU_IOAS_CHANGE_PROCESS                                         \
	_IO(KABI_IOMMUFD_TYPE, KABI_IOMMUFD_CMD_IOAS_CHANGE_PROCESS)
#define KABI_IOMMU_VEVENTQ_ALLOC                                               \
	_IO(KABI_IOMMUFD_TYPE, KABI_IOMMUFD_CMD_VEVENTQ_ALLOC)
#define KABI_IOMMU_HW_QUEUE_ALLOC                                              \
	_IO(KABI_IOMMUFD_TYPE, KABI_IOMMUFD_CMD_HW_QUEUE_ALLOC)
#define KABI_IOMMU_IOAS_NOIOMMU_GET_PA                                         \
	_IO(KABI_IOMMUFD_TYPE, KABI_IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA)

/* ------------------------------------------------------------------------
 * Core objects, IOAS and mapping. Linux 6.2.
 * ---------------------------------------------------------------------- */

/* IOMMU_DESTROY: destroy any object by id. */
struct kabi_iommu_destroy {
	uint32_t size;
	uint32_t id;
};
KABI_ASSERT_SIZE(iommu_destroy, 8);
KABI_ASSERT_OFF(iommu_destroy, size, 0);
KABI_ASSERT_OFF(iommu_destroy, id, 4);

/* IOMMU_IOAS_ALLOC */
struct kabi_iommu_ioas_alloc {
	uint32_t size;
	uint32_t flags;
	uint32_t out_ioas_id;
};
KABI_ASSERT_SIZE(iommu_ioas_alloc, 12);
KABI_ASSERT_OFF(iommu_ioas_alloc, size, 0);
KABI_ASSERT_OFF(iommu_ioas_alloc, flags, 4);
KABI_ASSERT_OFF(iommu_ioas_alloc, out_ioas_id, 8);

/* One inclusive IOVA range [start, last]; array element of the two below. */
struct kabi_iommu_iova_range {
	kabi_aligned_u64 start;
	kabi_aligned_u64 last;
};
KABI_ASSERT_SIZE(iommu_iova_range, 16);
KABI_ASSERT_ALIGN(iommu_iova_range, 8);
KABI_ASSERT_OFF(iommu_iova_range, start, 0);
KABI_ASSERT_OFF(iommu_iova_range, last, 8);

/*
 * IOMMU_IOAS_IOVA_RANGES: allowed_iovas is a user pointer to num_iovas
 * struct kabi_iommu_iova_range; EMSGSIZE + updated num_iovas if too small.
 */
struct kabi_iommu_ioas_iova_ranges {
	uint32_t size;
	uint32_t ioas_id;
	uint32_t num_iovas;
	uint32_t __reserved;
	kabi_aligned_u64 allowed_iovas;
	kabi_aligned_u64 out_iova_alignment;
};
KABI_ASSERT_SIZE(iommu_ioas_iova_ranges, 32);
KABI_ASSERT_ALIGN(iommu_ioas_iova_ranges, 8);
KABI_ASSERT_OFF(iommu_ioas_iova_ranges, size, 0);
KABI_ASSERT_OFF(iommu_ioas_iova_ranges, ioas_id, 4);
KABI_ASSERT_OFF(iommu_ioas_iova_ranges, num_iovas, 8);
KABI_ASSERT_OFF(iommu_ioas_iova_ranges, __reserved, 12);
KABI_ASSERT_OFF(iommu_ioas_iova_ranges, allowed_iovas, 16);
KABI_ASSERT_OFF(iommu_ioas_iova_ranges, out_iova_alignment, 24);

/* IOMMU_IOAS_ALLOW_IOVAS: replaces the whole allowed list. */
struct kabi_iommu_ioas_allow_iovas {
	uint32_t size;
	uint32_t ioas_id;
	uint32_t num_iovas;
	uint32_t __reserved;
	kabi_aligned_u64 allowed_iovas;
};
KABI_ASSERT_SIZE(iommu_ioas_allow_iovas, 24);
KABI_ASSERT_OFF(iommu_ioas_allow_iovas, size, 0);
KABI_ASSERT_OFF(iommu_ioas_allow_iovas, ioas_id, 4);
KABI_ASSERT_OFF(iommu_ioas_allow_iovas, num_iovas, 8);
KABI_ASSERT_OFF(iommu_ioas_allow_iovas, __reserved, 12);
KABI_ASSERT_OFF(iommu_ioas_allow_iovas, allowed_iovas, 16);

/* Flags of IOMMU_IOAS_MAP / MAP_FILE / COPY. At least one of R/W needed. */
enum kabi_iommufd_ioas_map_flags {
	KABI_IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0,
	KABI_IOMMU_IOAS_MAP_WRITEABLE = 1 << 1,
	KABI_IOMMU_IOAS_MAP_READABLE = 1 << 2,
};

/* IOMMU_IOAS_MAP: without FIXED_IOVA the kernel picks iova and returns it. */
struct kabi_iommu_ioas_map {
	uint32_t size;
	uint32_t flags;
	uint32_t ioas_id;
	uint32_t __reserved;
	kabi_aligned_u64 user_va;
	kabi_aligned_u64 length;
	kabi_aligned_u64 iova;
};
KABI_ASSERT_SIZE(iommu_ioas_map, 40);
KABI_ASSERT_ALIGN(iommu_ioas_map, 8);
KABI_ASSERT_OFF(iommu_ioas_map, size, 0);
KABI_ASSERT_OFF(iommu_ioas_map, flags, 4);
KABI_ASSERT_OFF(iommu_ioas_map, ioas_id, 8);
KABI_ASSERT_OFF(iommu_ioas_map, __reserved, 12);
KABI_ASSERT_OFF(iommu_ioas_map, user_va, 16);
KABI_ASSERT_OFF(iommu_ioas_map, length, 24);
KABI_ASSERT_OFF(iommu_ioas_map, iova, 32);

/* IOMMU_IOAS_COPY: map an existing range of src_ioas_id into dst_ioas_id. */
struct kabi_iommu_ioas_copy {
	uint32_t size;
	uint32_t flags;
	uint32_t dst_ioas_id;
	uint32_t src_ioas_id;
	kabi_aligned_u64 length;
	kabi_aligned_u64 dst_iova;
	kabi_aligned_u64 src_iova;
};
KABI_ASSERT_SIZE(iommu_ioas_copy, 40);
KABI_ASSERT_OFF(iommu_ioas_copy, size, 0);
KABI_ASSERT_OFF(iommu_ioas_copy, flags, 4);
KABI_ASSERT_OFF(iommu_ioas_copy, dst_ioas_id, 8);
KABI_ASSERT_OFF(iommu_ioas_copy, src_ioas_id, 12);
KABI_ASSERT_OFF(iommu_ioas_copy, length, 16);
KABI_ASSERT_OFF(iommu_ioas_copy, dst_iova, 24);
KABI_ASSERT_OFF(iommu_ioas_copy, src_iova, 32);

/* IOMMU_IOAS_UNMAP: iova 0 + length UINT64_MAX = everything; length out. */
struct kabi_iommu_ioas_unmap {
	uint32_t size;
	uint32_t ioas_id;
	kabi_aligned_u64 iova;
	kabi_aligned_u64 length;
};
KABI_ASSERT_SIZE(iommu_ioas_unmap, 24);
KABI_ASSERT_OFF(iommu_ioas_unmap, size, 0);
KABI_ASSERT_OFF(iommu_ioas_unmap, ioas_id, 4);
KABI_ASSERT_OFF(iommu_ioas_unmap, iova, 8);
KABI_ASSERT_OFF(iommu_ioas_unmap, length, 16);

/* IOMMU_OPTION */
enum kabi_iommufd_option {
	KABI_IOMMU_OPTION_RLIMIT_MODE = 0, /* global; object_id must be 0 */
	KABI_IOMMU_OPTION_HUGE_PAGES = 1,  /* per IOAS */
};

enum kabi_iommufd_option_ops {
	KABI_IOMMU_OPTION_OP_SET = 0,
	KABI_IOMMU_OPTION_OP_GET = 1,
};

struct kabi_iommu_option {
	uint32_t size;
	uint32_t option_id;
	uint16_t op;
	uint16_t __reserved;
	uint32_t object_id;
	kabi_aligned_u64 val64;
};
KABI_ASSERT_SIZE(iommu_option, 24);
KABI_ASSERT_OFF(iommu_option, size, 0);
KABI_ASSERT_OFF(iommu_option, option_id, 4);
KABI_ASSERT_OFF(iommu_option, op, 8);
KABI_ASSERT_OFF(iommu_option, __reserved, 10);
KABI_ASSERT_OFF(iommu_option, object_id, 12);
KABI_ASSERT_OFF(iommu_option, val64, 16);

/* IOMMU_VFIO_IOAS: IOAS used by the /dev/vfio/vfio compatibility layer. */
enum kabi_iommufd_vfio_ioas_op {
	KABI_IOMMU_VFIO_IOAS_GET = 0,
	KABI_IOMMU_VFIO_IOAS_SET = 1,
	KABI_IOMMU_VFIO_IOAS_CLEAR = 2,
};

struct kabi_iommu_vfio_ioas {
	uint32_t size;
	uint32_t ioas_id;
	uint16_t op;
	uint16_t __reserved;
};
KABI_ASSERT_SIZE(iommu_vfio_ioas, 12);
KABI_ASSERT_OFF(iommu_vfio_ioas, size, 0);
KABI_ASSERT_OFF(iommu_vfio_ioas, ioas_id, 4);
KABI_ASSERT_OFF(iommu_vfio_ioas, op, 8);
KABI_ASSERT_OFF(iommu_vfio_ioas, __reserved, 10);

/* ------------------------------------------------------------------------
 * HW page tables (HWPT). IOMMU_HWPT_ALLOC: Linux 6.6 (paging only).
 * Flags NEST_PARENT/DIRTY_TRACKING and data_type/data_len/data_uptr: 6.7.
 * FAULT_ID_VALID, fault_id and __reserved2: 6.11. ALLOC_PASID: 6.13.
 * ---------------------------------------------------------------------- */
enum kabi_iommufd_hwpt_alloc_flags {
	KABI_IOMMU_HWPT_ALLOC_NEST_PARENT = 1 << 0,    /* 6.7 */
	KABI_IOMMU_HWPT_ALLOC_DIRTY_TRACKING = 1 << 1, /* 6.7 */
	KABI_IOMMU_HWPT_FAULT_ID_VALID = 1 << 2,       /* 6.11 */
	KABI_IOMMU_HWPT_ALLOC_PASID = 1 << 3,          /* 6.13 */
};

/* Type of the data_uptr payload of IOMMU_HWPT_ALLOC. */
enum kabi_iommu_hwpt_data_type {
	KABI_IOMMU_HWPT_DATA_NONE = 0,       /* 6.7 */
	KABI_IOMMU_HWPT_DATA_VTD_S1 = 1,     /* 6.7 */
	KABI_IOMMU_HWPT_DATA_ARM_SMMUV3 = 2, /* 6.13 */
	KABI_IOMMU_HWPT_DATA_AMD_GUEST = 3,  /* 6.18..7.2 */
};

struct kabi_iommu_hwpt_alloc {
	uint32_t size;
	uint32_t flags;
	uint32_t dev_id;
	uint32_t pt_id;
	uint32_t out_hwpt_id;
	uint32_t __reserved;
	uint32_t data_type;          /* 6.7 */
	uint32_t data_len;           /* 6.7 */
	kabi_aligned_u64 data_uptr;  /* 6.7 */
	uint32_t fault_id;           /* 6.11 */
	uint32_t __reserved2;        /* 6.11 */
};
KABI_ASSERT_SIZE(iommu_hwpt_alloc, 48);
KABI_ASSERT_ALIGN(iommu_hwpt_alloc, 8);
KABI_ASSERT_OFF(iommu_hwpt_alloc, size, 0);
KABI_ASSERT_OFF(iommu_hwpt_alloc, flags, 4);
KABI_ASSERT_OFF(iommu_hwpt_alloc, dev_id, 8);
KABI_ASSERT_OFF(iommu_hwpt_alloc, pt_id, 12);
KABI_ASSERT_OFF(iommu_hwpt_alloc, out_hwpt_id, 16);
KABI_ASSERT_OFF(iommu_hwpt_alloc, __reserved, 20);
KABI_ASSERT_OFF(iommu_hwpt_alloc, data_type, 24);
KABI_ASSERT_OFF(iommu_hwpt_alloc, data_len, 28);
KABI_ASSERT_OFF(iommu_hwpt_alloc, data_uptr, 32);
KABI_ASSERT_OFF(iommu_hwpt_alloc, fault_id, 40);
KABI_ASSERT_OFF(iommu_hwpt_alloc, __reserved2, 44);

/*
 * Older layouts of struct iommu_hwpt_alloc. The kernel's minimum size is the
 * 6.6 layout (through __reserved); passing sizeof() is fine on every kernel
 * as long as fields the kernel does not know are zero.
 */
#define KABI_IOMMU_HWPT_ALLOC_SZ_V6_6 24 /* kernel minimum; paging only */
#define KABI_IOMMU_HWPT_ALLOC_SZ_V6_7 40 /* + data_type, data_len, data_uptr */
KABI_STATIC_ASSERT(KABI_IOMMU_HWPT_ALLOC_SZ_V6_6 ==
			   offsetof(struct kabi_iommu_hwpt_alloc, data_type),
		   "hwpt_alloc 6.6 size");
KABI_STATIC_ASSERT(KABI_IOMMU_HWPT_ALLOC_SZ_V6_7 ==
			   offsetof(struct kabi_iommu_hwpt_alloc, fault_id),
		   "hwpt_alloc 6.7 size");

/* Intel VT-d stage-1 (IOMMU_HWPT_DATA_VTD_S1), 6.7. */
enum kabi_iommu_hwpt_vtd_s1_flags {
	KABI_IOMMU_VTD_S1_SRE = 1 << 0,
	KABI_IOMMU_VTD_S1_EAFE = 1 << 1,
	KABI_IOMMU_VTD_S1_WPE = 1 << 2,
};

struct kabi_iommu_hwpt_vtd_s1 {
	kabi_aligned_u64 flags;
	kabi_aligned_u64 pgtbl_addr;
	uint32_t addr_width;
	uint32_t __reserved;
};
KABI_ASSERT_SIZE(iommu_hwpt_vtd_s1, 24);
KABI_ASSERT_OFF(iommu_hwpt_vtd_s1, flags, 0);
KABI_ASSERT_OFF(iommu_hwpt_vtd_s1, pgtbl_addr, 8);
KABI_ASSERT_OFF(iommu_hwpt_vtd_s1, addr_width, 16);
KABI_ASSERT_OFF(iommu_hwpt_vtd_s1, __reserved, 20);

/* ARM SMMUv3 vSTE (IOMMU_HWPT_DATA_ARM_SMMUV3), 6.13: little-endian words. */
struct kabi_iommu_hwpt_arm_smmuv3 {
	kabi_aligned_u64 ste[2];
};
KABI_ASSERT_SIZE(iommu_hwpt_arm_smmuv3, 16);
KABI_ASSERT_OFF(iommu_hwpt_arm_smmuv3, ste, 0);

/* AMD guest DTE (IOMMU_HWPT_DATA_AMD_GUEST), 6.18..7.2. */
struct kabi_iommu_hwpt_amd_guest {
	kabi_aligned_u64 dte[4];
};
KABI_ASSERT_SIZE(iommu_hwpt_amd_guest, 32);
KABI_ASSERT_OFF(iommu_hwpt_amd_guest, dte, 0);

/* ------------------------------------------------------------------------
 * IOMMU_GET_HW_INFO. Linux 6.6 (+ struct iommu_hw_info_vtd).
 * out_capabilities: 6.7. out_max_pasid_log2: 6.15 (Debian 6.12.32+ too).
 * flags INPUT_TYPE, in_data_type union, TYPE_DEFAULT: 6.17.
 * ---------------------------------------------------------------------- */
enum kabi_iommu_hw_info_type {
	KABI_IOMMU_HW_INFO_TYPE_NONE = 0,
	KABI_IOMMU_HW_INFO_TYPE_DEFAULT = 0,           /* 6.17: input value */
	KABI_IOMMU_HW_INFO_TYPE_INTEL_VTD = 1,         /* 6.6 */
	KABI_IOMMU_HW_INFO_TYPE_ARM_SMMUV3 = 2,        /* 6.13 */
	KABI_IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV = 3,    /* 6.17 */
	KABI_IOMMU_HW_INFO_TYPE_AMD = 4,               /* 6.18..7.2 */
};

/* Bits of out_capabilities. */
enum kabi_iommufd_hw_capabilities {
	KABI_IOMMU_HW_CAP_DIRTY_TRACKING = 1 << 0,        /* 6.7 */
	KABI_IOMMU_HW_CAP_PCI_PASID_EXEC = 1 << 1,        /* 6.15 */
	KABI_IOMMU_HW_CAP_PCI_PASID_PRIV = 1 << 2,        /* 6.15 */
	KABI_IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED = 1 << 3, /* 6.18..7.2; negative */
};

enum kabi_iommufd_hw_info_flags {
	KABI_IOMMU_HW_INFO_FLAG_INPUT_TYPE = 1 << 0, /* 6.17 */
};

struct kabi_iommu_hw_info {
	uint32_t size;
	uint32_t flags;
	uint32_t dev_id;
	uint32_t data_len;
	kabi_aligned_u64 data_uptr;
	union {
		uint32_t in_data_type; /* 6.17, with FLAG_INPUT_TYPE */
		uint32_t out_data_type;
	};
	uint8_t out_max_pasid_log2; /* 6.15; 0 = no PASID support */
	uint8_t __reserved[3];
	kabi_aligned_u64 out_capabilities; /* 6.7 */
};
KABI_ASSERT_SIZE(iommu_hw_info, 40);
KABI_ASSERT_ALIGN(iommu_hw_info, 8);
KABI_ASSERT_OFF(iommu_hw_info, size, 0);
KABI_ASSERT_OFF(iommu_hw_info, flags, 4);
KABI_ASSERT_OFF(iommu_hw_info, dev_id, 8);
KABI_ASSERT_OFF(iommu_hw_info, data_len, 12);
KABI_ASSERT_OFF(iommu_hw_info, data_uptr, 16);
KABI_ASSERT_OFF(iommu_hw_info, in_data_type, 24);
KABI_ASSERT_OFF(iommu_hw_info, out_data_type, 24);
KABI_ASSERT_OFF(iommu_hw_info, out_max_pasid_log2, 28);
KABI_ASSERT_OFF(iommu_hw_info, __reserved, 29);
KABI_ASSERT_OFF(iommu_hw_info, out_capabilities, 32);

/*
 * Kernel minimum size of struct iommu_hw_info: the 6.6 layout, which ended
 * with a u32 __reserved at offset 28 (now out_max_pasid_log2 + __reserved[3]).
 * out_capabilities and out_max_pasid_log2 keep the caller's value on kernels
 * that do not know them: zero them before the call.
 */
#define KABI_IOMMU_HW_INFO_SZ_V6_6 32
KABI_STATIC_ASSERT(KABI_IOMMU_HW_INFO_SZ_V6_6 ==
			   offsetof(struct kabi_iommu_hw_info, out_capabilities),
		   "hw_info 6.6 size");

/* Intel VT-d payload (IOMMU_HW_INFO_TYPE_INTEL_VTD), 6.6; errata flag 6.7. */
enum kabi_iommu_hw_info_vtd_flags {
	KABI_IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17 = 1 << 0,
};

struct kabi_iommu_hw_info_vtd {
	uint32_t flags;
	uint32_t __reserved;
	kabi_aligned_u64 cap_reg;
	kabi_aligned_u64 ecap_reg;
};
KABI_ASSERT_SIZE(iommu_hw_info_vtd, 24);
KABI_ASSERT_OFF(iommu_hw_info_vtd, flags, 0);
KABI_ASSERT_OFF(iommu_hw_info_vtd, __reserved, 4);
KABI_ASSERT_OFF(iommu_hw_info_vtd, cap_reg, 8);
KABI_ASSERT_OFF(iommu_hw_info_vtd, ecap_reg, 16);

/* ARM SMMUv3 payload (IOMMU_HW_INFO_TYPE_ARM_SMMUV3), 6.13; flag 7.3. */
enum kabi_iommu_hw_info_arm_smmuv3_flags {
	KABI_IOMMU_HW_INFO_ARM_SMMUV3_ERRATA_REPEAT_TLBI_CFGI = 1 << 0, /* 7.3 */
};

struct kabi_iommu_hw_info_arm_smmuv3 {
	uint32_t flags;
	uint32_t __reserved;
	uint32_t idr[6];
	uint32_t iidr;
	uint32_t aidr;
};
KABI_ASSERT_SIZE(iommu_hw_info_arm_smmuv3, 40);
KABI_ASSERT_OFF(iommu_hw_info_arm_smmuv3, flags, 0);
KABI_ASSERT_OFF(iommu_hw_info_arm_smmuv3, __reserved, 4);
KABI_ASSERT_OFF(iommu_hw_info_arm_smmuv3, idr, 8);
KABI_ASSERT_OFF(iommu_hw_info_arm_smmuv3, iidr, 32);
KABI_ASSERT_OFF(iommu_hw_info_arm_smmuv3, aidr, 36);

/* NVIDIA Tegra241 CMDQV payload (IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV), 6.17. */
struct kabi_iommu_hw_info_tegra241_cmdqv {
	uint32_t flags;
	uint8_t version;
	uint8_t log2vcmdqs;
	uint8_t log2vsids;
	uint8_t __reserved;
};
KABI_ASSERT_SIZE(iommu_hw_info_tegra241_cmdqv, 8);
KABI_ASSERT_OFF(iommu_hw_info_tegra241_cmdqv, flags, 0);
KABI_ASSERT_OFF(iommu_hw_info_tegra241_cmdqv, version, 4);
KABI_ASSERT_OFF(iommu_hw_info_tegra241_cmdqv, log2vcmdqs, 5);
KABI_ASSERT_OFF(iommu_hw_info_tegra241_cmdqv, log2vsids, 6);
KABI_ASSERT_OFF(iommu_hw_info_tegra241_cmdqv, __reserved, 7);

/* AMD payload (IOMMU_HW_INFO_TYPE_AMD), 6.18..7.2: EFR and EFR2 registers. */
struct kabi_iommu_hw_info_amd {
	kabi_aligned_u64 efr;
	kabi_aligned_u64 efr2;
};
KABI_ASSERT_SIZE(iommu_hw_info_amd, 16);
KABI_ASSERT_OFF(iommu_hw_info_amd, efr, 0);
KABI_ASSERT_OFF(iommu_hw_info_amd, efr2, 8);

/* ------------------------------------------------------------------------
 * Dirty tracking. Linux 6.7.
 * ---------------------------------------------------------------------- */
enum kabi_iommufd_hwpt_set_dirty_tracking_flags {
	KABI_IOMMU_HWPT_DIRTY_TRACKING_ENABLE = 1,
};

struct kabi_iommu_hwpt_set_dirty_tracking {
	uint32_t size;
	uint32_t flags;
	uint32_t hwpt_id;
	uint32_t __reserved;
};
KABI_ASSERT_SIZE(iommu_hwpt_set_dirty_tracking, 16);
KABI_ASSERT_OFF(iommu_hwpt_set_dirty_tracking, size, 0);
KABI_ASSERT_OFF(iommu_hwpt_set_dirty_tracking, flags, 4);
KABI_ASSERT_OFF(iommu_hwpt_set_dirty_tracking, hwpt_id, 8);
KABI_ASSERT_OFF(iommu_hwpt_set_dirty_tracking, __reserved, 12);

enum kabi_iommufd_hwpt_get_dirty_bitmap_flags {
	KABI_IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR = 1,
};

struct kabi_iommu_hwpt_get_dirty_bitmap {
	uint32_t size;
	uint32_t hwpt_id;
	uint32_t flags;
	uint32_t __reserved;
	kabi_aligned_u64 iova;
	kabi_aligned_u64 length;
	kabi_aligned_u64 page_size;
	kabi_aligned_u64 data;
};
KABI_ASSERT_SIZE(iommu_hwpt_get_dirty_bitmap, 48);
KABI_ASSERT_OFF(iommu_hwpt_get_dirty_bitmap, size, 0);
KABI_ASSERT_OFF(iommu_hwpt_get_dirty_bitmap, hwpt_id, 4);
KABI_ASSERT_OFF(iommu_hwpt_get_dirty_bitmap, flags, 8);
KABI_ASSERT_OFF(iommu_hwpt_get_dirty_bitmap, __reserved, 12);
KABI_ASSERT_OFF(iommu_hwpt_get_dirty_bitmap, iova, 16);
KABI_ASSERT_OFF(iommu_hwpt_get_dirty_bitmap, length, 24);
KABI_ASSERT_OFF(iommu_hwpt_get_dirty_bitmap, page_size, 32);
KABI_ASSERT_OFF(iommu_hwpt_get_dirty_bitmap, data, 40);

/* ------------------------------------------------------------------------
 * Cache invalidation. IOMMU_HWPT_INVALIDATE + VT-d entries: Linux 6.8.
 * vIOMMU as target + SMMUv3 entries: 6.13.
 * ---------------------------------------------------------------------- */
enum kabi_iommu_hwpt_invalidate_data_type {
	KABI_IOMMU_HWPT_INVALIDATE_DATA_VTD_S1 = 0,      /* 6.8 */
	KABI_IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 = 1, /* 6.13 */
};

enum kabi_iommu_hwpt_vtd_s1_invalidate_flags {
	KABI_IOMMU_VTD_INV_FLAGS_LEAF = 1 << 0,
};

struct kabi_iommu_hwpt_vtd_s1_invalidate {
	kabi_aligned_u64 addr;
	kabi_aligned_u64 npages;
	uint32_t flags;
	uint32_t __reserved;
};
KABI_ASSERT_SIZE(iommu_hwpt_vtd_s1_invalidate, 24);
KABI_ASSERT_OFF(iommu_hwpt_vtd_s1_invalidate, addr, 0);
KABI_ASSERT_OFF(iommu_hwpt_vtd_s1_invalidate, npages, 8);
KABI_ASSERT_OFF(iommu_hwpt_vtd_s1_invalidate, flags, 16);
KABI_ASSERT_OFF(iommu_hwpt_vtd_s1_invalidate, __reserved, 20);

/* Raw little-endian SMMUv3 CMDQ command (two words). */
struct kabi_iommu_viommu_arm_smmuv3_invalidate {
	kabi_aligned_u64 cmd[2];
};
KABI_ASSERT_SIZE(iommu_viommu_arm_smmuv3_invalidate, 16);
KABI_ASSERT_OFF(iommu_viommu_arm_smmuv3_invalidate, cmd, 0);

/* hwpt_id: nested HWPT or vIOMMU id; entry_num in: count, out: done. */
struct kabi_iommu_hwpt_invalidate {
	uint32_t size;
	uint32_t hwpt_id;
	kabi_aligned_u64 data_uptr;
	uint32_t data_type;
	uint32_t entry_len;
	uint32_t entry_num;
	uint32_t __reserved;
};
KABI_ASSERT_SIZE(iommu_hwpt_invalidate, 32);
KABI_ASSERT_OFF(iommu_hwpt_invalidate, size, 0);
KABI_ASSERT_OFF(iommu_hwpt_invalidate, hwpt_id, 4);
KABI_ASSERT_OFF(iommu_hwpt_invalidate, data_uptr, 8);
KABI_ASSERT_OFF(iommu_hwpt_invalidate, data_type, 16);
KABI_ASSERT_OFF(iommu_hwpt_invalidate, entry_len, 20);
KABI_ASSERT_OFF(iommu_hwpt_invalidate, entry_num, 24);
KABI_ASSERT_OFF(iommu_hwpt_invalidate, __reserved, 28);

/* ------------------------------------------------------------------------
 * I/O page faults (PRI/IOPF). Linux 6.11. The explicit __reserved before
 * addr in struct iommu_hwpt_pgfault appeared in 6.14 (same 64-bit layout;
 * the 6.11 struct had implicit padding there).
 * ---------------------------------------------------------------------- */
enum kabi_iommu_hwpt_pgfault_flags {
	KABI_IOMMU_PGFAULT_FLAGS_PASID_VALID = 1 << 0,
	KABI_IOMMU_PGFAULT_FLAGS_LAST_PAGE = 1 << 1,
};

enum kabi_iommu_hwpt_pgfault_perm {
	KABI_IOMMU_PGFAULT_PERM_READ = 1 << 0,
	KABI_IOMMU_PGFAULT_PERM_WRITE = 1 << 1,
	KABI_IOMMU_PGFAULT_PERM_EXEC = 1 << 2,
	KABI_IOMMU_PGFAULT_PERM_PRIV = 1 << 3,
};

/* One record read() from the fault queue fd. */
struct kabi_iommu_hwpt_pgfault {
	uint32_t flags;
	uint32_t dev_id;
	uint32_t pasid;
	uint32_t grpid;
	uint32_t perm;
	uint32_t __reserved;
	kabi_aligned_u64 addr;
	uint32_t length;
	uint32_t cookie;
};
KABI_ASSERT_SIZE(iommu_hwpt_pgfault, 40);
KABI_ASSERT_OFF(iommu_hwpt_pgfault, flags, 0);
KABI_ASSERT_OFF(iommu_hwpt_pgfault, dev_id, 4);
KABI_ASSERT_OFF(iommu_hwpt_pgfault, pasid, 8);
KABI_ASSERT_OFF(iommu_hwpt_pgfault, grpid, 12);
KABI_ASSERT_OFF(iommu_hwpt_pgfault, perm, 16);
KABI_ASSERT_OFF(iommu_hwpt_pgfault, __reserved, 20);
KABI_ASSERT_OFF(iommu_hwpt_pgfault, addr, 24);
KABI_ASSERT_OFF(iommu_hwpt_pgfault, length, 32);
KABI_ASSERT_OFF(iommu_hwpt_pgfault, cookie, 36);

enum kabi_iommufd_page_response_code {
	KABI_IOMMUFD_PAGE_RESP_SUCCESS = 0,
	KABI_IOMMUFD_PAGE_RESP_INVALID = 1,
};

/* One record write() to the fault queue fd. */
struct kabi_iommu_hwpt_page_response {
	uint32_t cookie;
	uint32_t code;
};
KABI_ASSERT_SIZE(iommu_hwpt_page_response, 8);
KABI_ASSERT_OFF(iommu_hwpt_page_response, cookie, 0);
KABI_ASSERT_OFF(iommu_hwpt_page_response, code, 4);

/* IOMMU_FAULT_QUEUE_ALLOC */
struct kabi_iommu_fault_alloc {
	uint32_t size;
	uint32_t flags;
	uint32_t out_fault_id;
	uint32_t out_fault_fd;
};
KABI_ASSERT_SIZE(iommu_fault_alloc, 16);
KABI_ASSERT_OFF(iommu_fault_alloc, size, 0);
KABI_ASSERT_OFF(iommu_fault_alloc, flags, 4);
KABI_ASSERT_OFF(iommu_fault_alloc, out_fault_id, 8);
KABI_ASSERT_OFF(iommu_fault_alloc, out_fault_fd, 12);

/* ------------------------------------------------------------------------
 * File-backed mapping and pin accounting. Linux 6.13.
 * ---------------------------------------------------------------------- */

/* IOMMU_IOAS_MAP_FILE: memfd or VFIO PCI dma-buf fd; flags as IOAS_MAP. */
struct kabi_iommu_ioas_map_file {
	uint32_t size;
	uint32_t flags;
	uint32_t ioas_id;
	int32_t fd;
	kabi_aligned_u64 start;
	kabi_aligned_u64 length;
	kabi_aligned_u64 iova;
};
KABI_ASSERT_SIZE(iommu_ioas_map_file, 40);
KABI_ASSERT_OFF(iommu_ioas_map_file, size, 0);
KABI_ASSERT_OFF(iommu_ioas_map_file, flags, 4);
KABI_ASSERT_OFF(iommu_ioas_map_file, ioas_id, 8);
KABI_ASSERT_OFF(iommu_ioas_map_file, fd, 12);
KABI_ASSERT_OFF(iommu_ioas_map_file, start, 16);
KABI_ASSERT_OFF(iommu_ioas_map_file, length, 24);
KABI_ASSERT_OFF(iommu_ioas_map_file, iova, 32);

/* IOMMU_IOAS_CHANGE_PROCESS */
struct kabi_iommu_ioas_change_process {
	uint32_t size;
	uint32_t __reserved;
};
KABI_ASSERT_SIZE(iommu_ioas_change_process, 8);
KABI_ASSERT_OFF(iommu_ioas_change_process, size, 0);
KABI_ASSERT_OFF(iommu_ioas_change_process, __reserved, 4);

/* ------------------------------------------------------------------------
 * vIOMMU and vDEVICE. Linux 6.13 (ARM SMMUv3); Tegra241 CMDQV type and
 * viommu_alloc data_len/data_uptr: 6.17.
 * ---------------------------------------------------------------------- */
enum kabi_iommu_viommu_type {
	KABI_IOMMU_VIOMMU_TYPE_DEFAULT = 0,
	KABI_IOMMU_VIOMMU_TYPE_ARM_SMMUV3 = 1,     /* 6.13 */
	KABI_IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV = 2, /* 6.17 */
};

/* Output payload of IOMMU_VIOMMU_ALLOC for TEGRA241_CMDQV, 6.17. */
struct kabi_iommu_viommu_tegra241_cmdqv {
	kabi_aligned_u64 out_vintf_mmap_offset;
	kabi_aligned_u64 out_vintf_mmap_length;
};
KABI_ASSERT_SIZE(iommu_viommu_tegra241_cmdqv, 16);
KABI_ASSERT_OFF(iommu_viommu_tegra241_cmdqv, out_vintf_mmap_offset, 0);
KABI_ASSERT_OFF(iommu_viommu_tegra241_cmdqv, out_vintf_mmap_length, 8);

struct kabi_iommu_viommu_alloc {
	uint32_t size;
	uint32_t flags;
	uint32_t type;
	uint32_t dev_id;
	uint32_t hwpt_id;
	uint32_t out_viommu_id;
	uint32_t data_len;          /* 6.17 */
	uint32_t __reserved;        /* 6.17 */
	kabi_aligned_u64 data_uptr; /* 6.17 */
};
KABI_ASSERT_SIZE(iommu_viommu_alloc, 40);
KABI_ASSERT_OFF(iommu_viommu_alloc, size, 0);
KABI_ASSERT_OFF(iommu_viommu_alloc, flags, 4);
KABI_ASSERT_OFF(iommu_viommu_alloc, type, 8);
KABI_ASSERT_OFF(iommu_viommu_alloc, dev_id, 12);
KABI_ASSERT_OFF(iommu_viommu_alloc, hwpt_id, 16);
KABI_ASSERT_OFF(iommu_viommu_alloc, out_viommu_id, 20);
KABI_ASSERT_OFF(iommu_viommu_alloc, data_len, 24);
KABI_ASSERT_OFF(iommu_viommu_alloc, __reserved, 28);
KABI_ASSERT_OFF(iommu_viommu_alloc, data_uptr, 32);

/* Kernel minimum size of struct iommu_viommu_alloc: the 6.13 layout. */
#define KABI_IOMMU_VIOMMU_ALLOC_SZ_V6_13 24
KABI_STATIC_ASSERT(KABI_IOMMU_VIOMMU_ALLOC_SZ_V6_13 ==
			   offsetof(struct kabi_iommu_viommu_alloc, data_len),
		   "viommu_alloc 6.13 size");

/* IOMMU_VDEVICE_ALLOC: virt_id = vSID (SMMUv3), vRID (VT-d), vDeviceID (AMD). */
struct kabi_iommu_vdevice_alloc {
	uint32_t size;
	uint32_t viommu_id;
	uint32_t dev_id;
	uint32_t out_vdevice_id;
	kabi_aligned_u64 virt_id;
};
KABI_ASSERT_SIZE(iommu_vdevice_alloc, 24);
KABI_ASSERT_OFF(iommu_vdevice_alloc, size, 0);
KABI_ASSERT_OFF(iommu_vdevice_alloc, viommu_id, 4);
KABI_ASSERT_OFF(iommu_vdevice_alloc, dev_id, 8);
KABI_ASSERT_OFF(iommu_vdevice_alloc, out_vdevice_id, 12);
KABI_ASSERT_OFF(iommu_vdevice_alloc, virt_id, 16);

/* ------------------------------------------------------------------------
 * vIOMMU event queues. Linux 6.15 (ARM SMMUv3); Tegra241 CMDQV type 6.17.
 * ---------------------------------------------------------------------- */
enum kabi_iommu_veventq_flag {
	KABI_IOMMU_VEVENTQ_FLAG_LOST_EVENTS = 1U << 0,
};

/* Header of every record read() from a vEVENTQ fd. */
struct kabi_iommufd_vevent_header {
	uint32_t flags;
	uint32_t sequence;
};
KABI_ASSERT_SIZE(iommufd_vevent_header, 8);
KABI_ASSERT_OFF(iommufd_vevent_header, flags, 0);
KABI_ASSERT_OFF(iommufd_vevent_header, sequence, 4);

enum kabi_iommu_veventq_type {
	KABI_IOMMU_VEVENTQ_TYPE_DEFAULT = 0,
	KABI_IOMMU_VEVENTQ_TYPE_ARM_SMMUV3 = 1,     /* 6.15 */
	KABI_IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV = 2, /* 6.17 */
};

/* Raw little-endian SMMUv3 event record, vSID in StreamID. */
struct kabi_iommu_vevent_arm_smmuv3 {
	kabi_aligned_u64 evt[4];
};
KABI_ASSERT_SIZE(iommu_vevent_arm_smmuv3, 32);
KABI_ASSERT_OFF(iommu_vevent_arm_smmuv3, evt, 0);

struct kabi_iommu_vevent_tegra241_cmdqv {
	kabi_aligned_u64 lvcmdq_err_map[2];
};
KABI_ASSERT_SIZE(iommu_vevent_tegra241_cmdqv, 16);
KABI_ASSERT_OFF(iommu_vevent_tegra241_cmdqv, lvcmdq_err_map, 0);

struct kabi_iommu_veventq_alloc {
	uint32_t size;
	uint32_t flags;
	uint32_t viommu_id;
	uint32_t type;
	uint32_t veventq_depth;
	uint32_t out_veventq_id;
	uint32_t out_veventq_fd;
	uint32_t __reserved;
};
KABI_ASSERT_SIZE(iommu_veventq_alloc, 32);
KABI_ASSERT_OFF(iommu_veventq_alloc, size, 0);
KABI_ASSERT_OFF(iommu_veventq_alloc, flags, 4);
KABI_ASSERT_OFF(iommu_veventq_alloc, viommu_id, 8);
KABI_ASSERT_OFF(iommu_veventq_alloc, type, 12);
KABI_ASSERT_OFF(iommu_veventq_alloc, veventq_depth, 16);
KABI_ASSERT_OFF(iommu_veventq_alloc, out_veventq_id, 20);
KABI_ASSERT_OFF(iommu_veventq_alloc, out_veventq_fd, 24);
KABI_ASSERT_OFF(iommu_veventq_alloc, __reserved, 28);

/* ------------------------------------------------------------------------
 * HW-accelerated queues. Linux 6.17 (Tegra241 CMDQV).
 * ---------------------------------------------------------------------- */
enum kabi_iommu_hw_queue_type {
	KABI_IOMMU_HW_QUEUE_TYPE_DEFAULT = 0,
	KABI_IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV = 1,
};

struct kabi_iommu_hw_queue_alloc {
	uint32_t size;
	uint32_t flags;
	uint32_t viommu_id;
	uint32_t type;
	uint32_t index;
	uint32_t out_hw_queue_id;
	kabi_aligned_u64 nesting_parent_iova;
	kabi_aligned_u64 length;
};
KABI_ASSERT_SIZE(iommu_hw_queue_alloc, 40);
KABI_ASSERT_OFF(iommu_hw_queue_alloc, size, 0);
KABI_ASSERT_OFF(iommu_hw_queue_alloc, flags, 4);
KABI_ASSERT_OFF(iommu_hw_queue_alloc, viommu_id, 8);
KABI_ASSERT_OFF(iommu_hw_queue_alloc, type, 12);
KABI_ASSERT_OFF(iommu_hw_queue_alloc, index, 16);
KABI_ASSERT_OFF(iommu_hw_queue_alloc, out_hw_queue_id, 20);
KABI_ASSERT_OFF(iommu_hw_queue_alloc, nesting_parent_iova, 24);
KABI_ASSERT_OFF(iommu_hw_queue_alloc, length, 32);

/* ------------------------------------------------------------------------
 * No-IOMMU physical address lookup. Linux 7.3 (needs CAP_SYS_RAWIO).
 * ---------------------------------------------------------------------- */
struct kabi_iommu_ioas_noiommu_get_pa {
	uint32_t size;
	uint32_t flags;
	uint32_t ioas_id;
	uint32_t __reserved;
	kabi_aligned_u64 iova;
	kabi_aligned_u64 length;
	kabi_aligned_u64 out_phys;
};
KABI_ASSERT_SIZE(iommu_ioas_noiommu_get_pa, 40);
KABI_ASSERT_OFF(iommu_ioas_noiommu_get_pa, size, 0);
KABI_ASSERT_OFF(iommu_ioas_noiommu_get_pa, flags, 4);
KABI_ASSERT_OFF(iommu_ioas_noiommu_get_pa, ioas_id, 8);
KABI_ASSERT_OFF(iommu_ioas_noiommu_get_pa, __reserved, 12);
KABI_ASSERT_OFF(iommu_ioas_noiommu_get_pa, iova, 16);
KABI_ASSERT_OFF(iommu_ioas_noiommu_get_pa, length, 24);
KABI_ASSERT_OFF(iommu_ioas_noiommu_get_pa, out_phys, 32);

/* ========================================================================
 * VFIO (/dev/vfio/vfio, /dev/vfio/<group>, /dev/vfio/devices/vfioN)
 * ====================================================================== */

/* ------------------------------------------------------------------------
 * Numbering, API version, extensions, capability chains. Linux 6.1 or earlier
 * (legacy type1 API); the notes give later changes. Requests are
 * _IO(';', 100 + n); the same number means different things on container,
 * group and device fds.
 * ---------------------------------------------------------------------- */
#define KABI_VFIO_API_VERSION 0
#define KABI_VFIO_TYPE (';')
#define KABI_VFIO_BASE 100

/* VFIO_CHECK_EXTENSION / VFIO_SET_IOMMU arguments. */
#define KABI_VFIO_TYPE1_IOMMU 1
#define KABI_VFIO_SPAPR_TCE_IOMMU 2
#define KABI_VFIO_TYPE1v2_IOMMU 3
#define KABI_VFIO_DMA_CC_IOMMU 4
#define KABI_VFIO_EEH 5
/* 6 was VFIO_TYPE1_NESTING_IOMMU: reserved since 6.13, never functional. */
#define KABI_VFIO_SPAPR_TCE_v2_IOMMU 7
#define KABI_VFIO_NOIOMMU_IOMMU 8
#define KABI_VFIO_UNMAP_ALL 9
#define KABI_VFIO_UPDATE_VADDR 10

/* Header of each entry of an INFO capability chain (next = offset or 0). */
struct kabi_vfio_info_cap_header {
	uint16_t id;
	uint16_t version;
	uint32_t next;
};
KABI_ASSERT_SIZE(vfio_info_cap_header, 8);
KABI_ASSERT_OFF(vfio_info_cap_header, id, 0);
KABI_ASSERT_OFF(vfio_info_cap_header, version, 2);
KABI_ASSERT_OFF(vfio_info_cap_header, next, 4);

/* Container (/dev/vfio/vfio) ioctls. */
#define KABI_VFIO_GET_API_VERSION _IO(KABI_VFIO_TYPE, KABI_VFIO_BASE + 0)
#define KABI_VFIO_CHECK_EXTENSION _IO(KABI_VFIO_TYPE, KABI_VFIO_BASE + 1)
#define KABI_VFIO_SET_IOMMU _IO(KABI_VFIO_TYPE, KABI_VFIO_BASE + 2)

/* ------------------------------------------------------------------------
 * Legacy group fd (/dev/vfio/<group>). Linux 6.1 or earlier.
 * ---------------------------------------------------------------------- */
struct kabi_vfio_group_status {
	uint32_t argsz;
	uint32_t flags;
};
KABI_ASSERT_SIZE(vfio_group_status, 8);
KABI_ASSERT_OFF(vfio_group_status, argsz, 0);
KABI_ASSERT_OFF(vfio_group_status, flags, 4);

#define KABI_VFIO_GROUP_FLAGS_VIABLE (1 << 0)
#define KABI_VFIO_GROUP_FLAGS_CONTAINER_SET (1 << 1)

#define KABI_VFIO_GROUP_GET_STATUS _IO(KABI_VFIO_TYPE, KABI_VFIO_BASE + 3)
#define KABI_VFIO_GROUP_SET_CONTAINER _IO(KABI_VFIO_TYPE, KABI_VFIO_BASE + 4)
#define KABI_VFIO_GROUP_UNSET_CONTAINER _IO(KABI_VFIO_TYPE, KABI_VFIO_BASE + 5)
#define KABI_VFIO_GROUP_GET_DEVICE_FD _IO(KABI_VFIO_TYPE, KABI_VFIO_BASE + 6)

/* ------------------------------------------------------------------------
 * Device fd: info, regions, IRQs, reset. Linux 6.1 or earlier (except where
 * annotated).
 * ---------------------------------------------------------------------- */
struct kabi_vfio_device_info {
	uint32_t argsz;
	uint32_t flags;
	uint32_t num_regions;
	uint32_t num_irqs;
	uint32_t cap_offset;
	uint32_t pad;
};
KABI_ASSERT_SIZE(vfio_device_info, 24);
KABI_ASSERT_OFF(vfio_device_info, argsz, 0);
KABI_ASSERT_OFF(vfio_device_info, flags, 4);
KABI_ASSERT_OFF(vfio_device_info, num_regions, 8);
KABI_ASSERT_OFF(vfio_device_info, num_irqs, 12);
KABI_ASSERT_OFF(vfio_device_info, cap_offset, 16);
KABI_ASSERT_OFF(vfio_device_info, pad, 20);

#define KABI_VFIO_DEVICE_FLAGS_RESET (1 << 0)
#define KABI_VFIO_DEVICE_FLAGS_PCI (1 << 1)
#define KABI_VFIO_DEVICE_FLAGS_PLATFORM (1 << 2)
#define KABI_VFIO_DEVICE_FLAGS_AMBA (1 << 3)
#define KABI_VFIO_DEVICE_FLAGS_CCW (1 << 4)
#define KABI_VFIO_DEVICE_FLAGS_AP (1 << 5)
#define KABI_VFIO_DEVICE_FLAGS_FSL_MC (1 << 6)
#define KABI_VFIO_DEVICE_FLAGS_CAPS (1 << 7)
#define KABI_VFIO_DEVICE_FLAGS_CDX (1 << 8) /* after 6.1 */

#define KABI_VFIO_DEVICE_GET_INFO _IO(KABI_VFIO_TYPE, KABI_VFIO_BASE + 7)

struct kabi_vfio_region_info {
	uint32_t argsz;
	uint32_t flags;
	uint32_t index;
	uint32_t cap_offset;
	kabi_aligned_u64 size;
	kabi_aligned_u64 offset;
};
KABI_ASSERT_SIZE(vfio_region_info, 32);
KABI_ASSERT_ALIGN(vfio_region_info, 8);
KABI_ASSERT_OFF(vfio_region_info, argsz, 0);
KABI_ASSERT_OFF(vfio_region_info, flags, 4);
KABI_ASSERT_OFF(vfio_region_info, index, 8);
KABI_ASSERT_OFF(vfio_region_info, cap_offset, 12);
KABI_ASSERT_OFF(vfio_region_info, size, 16);
KABI_ASSERT_OFF(vfio_region_info, offset, 24);

#define KABI_VFIO_REGION_INFO_FLAG_READ (1 << 0)
#define KABI_VFIO_REGION_INFO_FLAG_WRITE (1 << 1)
#define KABI_VFIO_REGION_INFO_FLAG_MMAP (1 << 2)
#define KABI_VFIO_REGION_INFO_FLAG_CAPS (1 << 3)

#define KABI_VFIO_DEVICE_GET_REGION_INFO _IO(KABI_VFIO_TYPE, KABI_VFIO_BASE + 8)

/* Region info capabilities (vfio_info_cap_header.id). */
#define KABI_VFIO_REGION_INFO_CAP_SPARSE_MMAP 1
#define KABI_VFIO_REGION_INFO_CAP_TYPE 2
#define KABI_VFIO_REGION_INFO_CAP_MSIX_MAPPABLE 3

struct kabi_vfio_region_sparse_mmap_area {
	kabi_aligned_u64 offset;
	kabi_aligned_u64 size;
};
KABI_ASSERT_SIZE(vfio_region_sparse_mmap_area, 16);
KABI_ASSERT_OFF(vfio_region_sparse_mmap_area, offset, 0);
KABI_ASSERT_OFF(vfio_region_sparse_mmap_area, size, 8);

/*
 * Followed by nr_areas struct kabi_vfio_region_sparse_mmap_area (areas[]);
 * the kernel's flexible array gives the struct the alignment of its element.
 */
struct kabi_vfio_region_info_cap_sparse_mmap {
	struct kabi_vfio_info_cap_header header;
	uint32_t nr_areas;
	uint32_t reserved;
} __attribute__((aligned(
	__alignof__(struct kabi_vfio_region_sparse_mmap_area))));
KABI_ASSERT_SIZE(vfio_region_info_cap_sparse_mmap, 16);
KABI_ASSERT_ALIGN(vfio_region_info_cap_sparse_mmap, 8);
KABI_ASSERT_OFF(vfio_region_info_cap_sparse_mmap, header, 0);
KABI_ASSERT_OFF(vfio_region_info_cap_sparse_mmap, nr_areas, 8);
KABI_ASSERT_OFF(vfio_region_info_cap_sparse_mmap, reserved, 12);

struct kabi_vfio_region_info_cap_type {
	struct kabi_vfio_info_cap_header header;
	uint32_t type;
	uint32_t subtype;
};
KABI_ASSERT_SIZE(vfio_region_info_cap_type, 16);
KABI_ASSERT_OFF(vfio_region_info_cap_type, header, 0);
KABI_ASSERT_OFF(vfio_region_info_cap_type, type, 8);
KABI_ASSERT_OFF(vfio_region_info_cap_type, subtype, 12);

struct kabi_vfio_irq_info {
	uint32_t argsz;
	uint32_t flags;
	uint32_t index;
	uint32_t count;
};
KABI_ASSERT_SIZE(vfio_irq_info, 16);
KABI_ASSERT_OFF(vfio_irq_info, argsz, 0);
KABI_ASSERT_OFF(vfio_irq_info, flags, 4);
KABI_ASSERT_OFF(vfio_irq_info, index, 8);
KABI_ASSERT_OFF(vfio_irq_info, count, 12);

#define KABI_VFIO_IRQ_INFO_EVENTFD (1 << 0)
#define KABI_VFIO_IRQ_INFO_MASKABLE (1 << 1)
#define KABI_VFIO_IRQ_INFO_AUTOMASKED (1 << 2)
#define KABI_VFIO_IRQ_INFO_NORESIZE (1 << 3)

#define KABI_VFIO_DEVICE_GET_IRQ_INFO _IO(KABI_VFIO_TYPE, KABI_VFIO_BASE + 9)

/* Followed by the data[] payload (none, u8 bools or s32 eventfds). */
struct kabi_vfio_irq_set {
	uint32_t argsz;
	uint32_t flags;
	uint32_t index;
	uint32_t start;
	uint32_t count;
};
KABI_ASSERT_SIZE(vfio_irq_set, 20);
KABI_ASSERT_OFF(vfio_irq_set, argsz, 0);
KABI_ASSERT_OFF(vfio_irq_set, flags, 4);
KABI_ASSERT_OFF(vfio_irq_set, index, 8);
KABI_ASSERT_OFF(vfio_irq_set, start, 12);
KABI_ASSERT_OFF(vfio_irq_set, count, 16);

#define KABI_VFIO_IRQ_SET_DATA_NONE (1 << 0)
#define KABI_VFIO_IRQ_SET_DATA_BOOL (1 << 1)
#define KABI_VFIO_IRQ_SET_DATA_EVENTFD (1 << 2)
#define KABI_VFIO_IRQ_SET_ACTION_MASK (1 << 3)
#define KABI_VFIO_IRQ_SET_ACTION_UNMASK (1 << 4)
#define KABI_VFIO_IRQ_SET_ACTION_TRIGGER (1 << 5)
#define KABI_VFIO_IRQ_SET_DATA_TYPE_MASK                                       \
	(KABI_VFIO_IRQ_SET_DATA_NONE | KABI_VFIO_IRQ_SET_DATA_BOOL |           \
	 KABI_VFIO_IRQ_SET_DATA_EVENTFD)
#define KABI_VFIO_IRQ_SET_ACTION_TYPE_MASK                                     \
	(KABI_VFIO_IRQ_SET_ACTION_MASK | KABI_VFIO_IRQ_SET_ACTION_UNMASK |     \
	 KABI_VFIO_IRQ_SET_ACTION_TRIGGER)

#define KABI_VFIO_DEVICE_SET_IRQS _IO(KABI_VFIO_TYPE, KABI_VFIO_BASE + 10)
#define KABI_VFIO_DEVICE_RESET _IO(KABI_VFIO_TYPE, KABI_VFIO_BASE + 11)

/* vfio-pci fixed region and IRQ indexes. */
enum {
	KABI_VFIO_PCI_BAR0_REGION_INDEX = 0,
	KABI_VFIO_PCI_BAR1_REGION_INDEX = 1,
	KABI_VFIO_PCI_BAR2_REGION_INDEX = 2,
	KABI_VFIO_PCI_BAR3_REGION_INDEX = 3,
	KABI_VFIO_PCI_BAR4_REGION_INDEX = 4,
	KABI_VFIO_PCI_BAR5_REGION_INDEX = 5,
	KABI_VFIO_PCI_ROM_REGION_INDEX = 6,
	KABI_VFIO_PCI_CONFIG_REGION_INDEX = 7,
	KABI_VFIO_PCI_VGA_REGION_INDEX = 8,
	KABI_VFIO_PCI_NUM_REGIONS = 9,
};

enum {
	KABI_VFIO_PCI_INTX_IRQ_INDEX = 0,
	KABI_VFIO_PCI_MSI_IRQ_INDEX = 1,
	KABI_VFIO_PCI_MSIX_IRQ_INDEX = 2,
	KABI_VFIO_PCI_ERR_IRQ_INDEX = 3,
	KABI_VFIO_PCI_REQ_IRQ_INDEX = 4,
	KABI_VFIO_PCI_NUM_IRQS = 5,
};

/* ------------------------------------------------------------------------
 * PCI hot reset. Linux 6.1 or earlier; DEV_ID flags and the devid member: 6.6
 * (cdev users pass count = 0, i.e. an empty group_fds[]).
 * ---------------------------------------------------------------------- */
struct kabi_vfio_pci_dependent_device {
	union {
		uint32_t group_id;
		uint32_t devid; /* 6.6 */
	};
	uint16_t segment;
	uint8_t bus;
	uint8_t devfn;
};
KABI_ASSERT_SIZE(vfio_pci_dependent_device, 8);
KABI_ASSERT_OFF(vfio_pci_dependent_device, group_id, 0);
KABI_ASSERT_OFF(vfio_pci_dependent_device, devid, 0);
KABI_ASSERT_OFF(vfio_pci_dependent_device, segment, 4);
KABI_ASSERT_OFF(vfio_pci_dependent_device, bus, 6);
KABI_ASSERT_OFF(vfio_pci_dependent_device, devfn, 7);

#define KABI_VFIO_PCI_DEVID_OWNED 0
#define KABI_VFIO_PCI_DEVID_NOT_OWNED (-1)

/* Followed by count struct kabi_vfio_pci_dependent_device (devices[]). */
struct kabi_vfio_pci_hot_reset_info {
	uint32_t argsz;
	uint32_t flags;
	uint32_t count;
};
KABI_ASSERT_SIZE(vfio_pci_hot_reset_info, 12);
KABI_ASSERT_OFF(vfio_pci_hot_reset_info, argsz, 0);
KABI_ASSERT_OFF(vfio_pci_hot_reset_info, flags, 4);
KABI_ASSERT_OFF(vfio_pci_hot_reset_info, count, 8);

#define KABI_VFIO_PCI_HOT_RESET_FLAG_DEV_ID (1 << 0)       /* 6.6 */
#define KABI_VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED (1 << 1) /* 6.6 */

#define KABI_VFIO_DEVICE_GET_PCI_HOT_RESET_INFO                                \
	_IO(KABI_VFIO_TYPE, KABI_VFIO_BASE + 12)

/* Followed by count int32_t group fds (group_fds[]). */
struct kabi_vfio_pci_hot_reset {
	uint32_t argsz;
	uint32_t flags;
	uint32_t count;
};
KABI_ASSERT_SIZE(vfio_pci_hot_reset, 12);
KABI_ASSERT_OFF(vfio_pci_hot_reset, argsz, 0);
KABI_ASSERT_OFF(vfio_pci_hot_reset, flags, 4);
KABI_ASSERT_OFF(vfio_pci_hot_reset, count, 8);

#define KABI_VFIO_DEVICE_PCI_HOT_RESET _IO(KABI_VFIO_TYPE, KABI_VFIO_BASE + 13)

/* ------------------------------------------------------------------------
 * Device features. VFIO_DEVICE_FEATURE and feature indexes 0..8: Linux 6.1
 * or earlier; later indexes are annotated with the release that added them.
 * ---------------------------------------------------------------------- */

/* Followed by the feature's data[] payload. */
struct kabi_vfio_device_feature {
	uint32_t argsz;
	uint32_t flags;
};
KABI_ASSERT_SIZE(vfio_device_feature, 8);
KABI_ASSERT_OFF(vfio_device_feature, argsz, 0);
KABI_ASSERT_OFF(vfio_device_feature, flags, 4);

#define KABI_VFIO_DEVICE_FEATURE_MASK (0xffff)
#define KABI_VFIO_DEVICE_FEATURE_GET (1 << 16)
#define KABI_VFIO_DEVICE_FEATURE_SET (1 << 17)
#define KABI_VFIO_DEVICE_FEATURE_PROBE (1 << 18)

#define KABI_VFIO_DEVICE_FEATURE _IO(KABI_VFIO_TYPE, KABI_VFIO_BASE + 17)

#define KABI_VFIO_DEVICE_FEATURE_PCI_VF_TOKEN 0
#define KABI_VFIO_DEVICE_FEATURE_MIGRATION 1
#define KABI_VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE 2
#define KABI_VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY 3
#define KABI_VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP 4
#define KABI_VFIO_DEVICE_FEATURE_LOW_POWER_EXIT 5
#define KABI_VFIO_DEVICE_FEATURE_DMA_LOGGING_START 6
#define KABI_VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP 7
#define KABI_VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT 8
#define KABI_VFIO_DEVICE_FEATURE_MIG_DATA_SIZE 9        /* after 6.1 */
#define KABI_VFIO_DEVICE_FEATURE_BUS_MASTER 10          /* 6.7 */
#define KABI_VFIO_DEVICE_FEATURE_DMA_BUF 11             /* 6.18..7.2 */
#define KABI_VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2 12  /* 6.18..7.2 */
#define KABI_VFIO_DEVICE_FEATURE_ZPCI_ERROR 13          /* 7.3 */

/* Payload of VFIO_DEVICE_FEATURE_BUS_MASTER (SET only), 6.7. */
struct kabi_vfio_device_feature_bus_master {
	uint32_t op;
};
KABI_ASSERT_SIZE(vfio_device_feature_bus_master, 4);
KABI_ASSERT_OFF(vfio_device_feature_bus_master, op, 0);

#define KABI_VFIO_DEVICE_FEATURE_CLEAR_MASTER 0
#define KABI_VFIO_DEVICE_FEATURE_SET_MASTER 1

/* ------------------------------------------------------------------------
 * VFIO device cdev + iommufd. Linux 6.6. PASID attach/detach (flags and
 * pasid fields): 6.15. Bind token (flag and token_uuid_ptr): 6.17.
 * ---------------------------------------------------------------------- */
struct kabi_vfio_device_bind_iommufd {
	uint32_t argsz;
	uint32_t flags;
	int32_t iommufd;
	uint32_t out_devid;
	kabi_aligned_u64 token_uuid_ptr; /* 6.17, with FLAG_TOKEN */
};
KABI_ASSERT_SIZE(vfio_device_bind_iommufd, 24);
KABI_ASSERT_ALIGN(vfio_device_bind_iommufd, 8);
KABI_ASSERT_OFF(vfio_device_bind_iommufd, argsz, 0);
KABI_ASSERT_OFF(vfio_device_bind_iommufd, flags, 4);
KABI_ASSERT_OFF(vfio_device_bind_iommufd, iommufd, 8);
KABI_ASSERT_OFF(vfio_device_bind_iommufd, out_devid, 12);
KABI_ASSERT_OFF(vfio_device_bind_iommufd, token_uuid_ptr, 16);

#define KABI_VFIO_DEVICE_BIND_FLAG_TOKEN (1 << 0) /* 6.17 */

#define KABI_VFIO_DEVICE_BIND_IOMMUFD _IO(KABI_VFIO_TYPE, KABI_VFIO_BASE + 18)

struct kabi_vfio_device_attach_iommufd_pt {
	uint32_t argsz;
	uint32_t flags;
	uint32_t pt_id;
	uint32_t pasid; /* 6.15, with VFIO_DEVICE_ATTACH_PASID */
};
KABI_ASSERT_SIZE(vfio_device_attach_iommufd_pt, 16);
KABI_ASSERT_OFF(vfio_device_attach_iommufd_pt, argsz, 0);
KABI_ASSERT_OFF(vfio_device_attach_iommufd_pt, flags, 4);
KABI_ASSERT_OFF(vfio_device_attach_iommufd_pt, pt_id, 8);
KABI_ASSERT_OFF(vfio_device_attach_iommufd_pt, pasid, 12);

#define KABI_VFIO_DEVICE_ATTACH_PASID (1 << 0) /* 6.15 */

#define KABI_VFIO_DEVICE_ATTACH_IOMMUFD_PT                                     \
	_IO(KABI_VFIO_TYPE, KABI_VFIO_BASE + 19)

struct kabi_vfio_device_detach_iommufd_pt {
	uint32_t argsz;
	uint32_t flags;
	uint32_t pasid; /* 6.15, with VFIO_DEVICE_DETACH_PASID */
};
KABI_ASSERT_SIZE(vfio_device_detach_iommufd_pt, 12);
KABI_ASSERT_OFF(vfio_device_detach_iommufd_pt, argsz, 0);
KABI_ASSERT_OFF(vfio_device_detach_iommufd_pt, flags, 4);
KABI_ASSERT_OFF(vfio_device_detach_iommufd_pt, pasid, 8);

#define KABI_VFIO_DEVICE_DETACH_PASID (1 << 0) /* 6.15 */

#define KABI_VFIO_DEVICE_DETACH_IOMMUFD_PT                                     \
	_IO(KABI_VFIO_TYPE, KABI_VFIO_BASE + 20)

/*
 * Layouts before the PASID / token additions. They are the minimum argsz the
 * kernels accept (6.6 and later). The PASID flags need argsz to cover pasid
 * (the 6.15 sizes = sizeof); the token flag needs the 6.17 size = sizeof.
 */
#define KABI_VFIO_DEVICE_BIND_IOMMUFD_SZ_NOTOKEN 16       /* 6.6 .. 6.16 */
#define KABI_VFIO_DEVICE_ATTACH_IOMMUFD_PT_SZ_NOPASID 12  /* 6.6 .. 6.14 */
#define KABI_VFIO_DEVICE_DETACH_IOMMUFD_PT_SZ_NOPASID 8   /* 6.6 .. 6.14 */
KABI_STATIC_ASSERT(KABI_VFIO_DEVICE_BIND_IOMMUFD_SZ_NOTOKEN ==
			   offsetof(struct kabi_vfio_device_bind_iommufd,
				    token_uuid_ptr),
		   "bind_iommufd pre-6.17 size");
KABI_STATIC_ASSERT(KABI_VFIO_DEVICE_ATTACH_IOMMUFD_PT_SZ_NOPASID ==
			   offsetof(struct kabi_vfio_device_attach_iommufd_pt,
				    pasid),
		   "attach_iommufd_pt pre-6.15 size");
KABI_STATIC_ASSERT(KABI_VFIO_DEVICE_DETACH_IOMMUFD_PT_SZ_NOPASID ==
			   offsetof(struct kabi_vfio_device_detach_iommufd_pt,
				    pasid),
		   "detach_iommufd_pt pre-6.15 size");

/* ------------------------------------------------------------------------
 * Legacy type1 container IOMMU. Linux 6.1 or earlier.
 * ---------------------------------------------------------------------- */
struct kabi_vfio_iommu_type1_info {
	uint32_t argsz;
	uint32_t flags;
	kabi_aligned_u64 iova_pgsizes;
	uint32_t cap_offset;
	uint32_t pad;
};
KABI_ASSERT_SIZE(vfio_iommu_type1_info, 24);
KABI_ASSERT_ALIGN(vfio_iommu_type1_info, 8);
KABI_ASSERT_OFF(vfio_iommu_type1_info, argsz, 0);
KABI_ASSERT_OFF(vfio_iommu_type1_info, flags, 4);
KABI_ASSERT_OFF(vfio_iommu_type1_info, iova_pgsizes, 8);
KABI_ASSERT_OFF(vfio_iommu_type1_info, cap_offset, 16);
KABI_ASSERT_OFF(vfio_iommu_type1_info, pad, 20);

#define KABI_VFIO_IOMMU_INFO_PGSIZES (1 << 0)
#define KABI_VFIO_IOMMU_INFO_CAPS (1 << 1)

/* Capability ids in the VFIO_IOMMU_GET_INFO chain. */
#define KABI_VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE 1
#define KABI_VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION 2
#define KABI_VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL 3

/* Inclusive IOVA range [start, end] (plain u64 in the kernel, too). */
struct kabi_vfio_iova_range {
	uint64_t start;
	uint64_t end;
};
KABI_ASSERT_SIZE(vfio_iova_range, 16);
KABI_ASSERT_OFF(vfio_iova_range, start, 0);
KABI_ASSERT_OFF(vfio_iova_range, end, 8);

/*
 * Followed by nr_iovas struct kabi_vfio_iova_range (iova_ranges[]); the
 * kernel's flexible array gives the struct the alignment of its element
 * (that of a plain u64: 8 on 64-bit ABIs, 4 on i386).
 */
struct kabi_vfio_iommu_type1_info_cap_iova_range {
	struct kabi_vfio_info_cap_header header;
	uint32_t nr_iovas;
	uint32_t reserved;
} __attribute__((aligned(__alignof__(struct kabi_vfio_iova_range))));
KABI_ASSERT_SIZE(vfio_iommu_type1_info_cap_iova_range, 16);
KABI_ASSERT_OFF(vfio_iommu_type1_info_cap_iova_range, header, 0);
KABI_ASSERT_OFF(vfio_iommu_type1_info_cap_iova_range, nr_iovas, 8);
KABI_ASSERT_OFF(vfio_iommu_type1_info_cap_iova_range, reserved, 12);

struct kabi_vfio_iommu_type1_info_dma_avail {
	struct kabi_vfio_info_cap_header header;
	uint32_t avail;
};
KABI_ASSERT_SIZE(vfio_iommu_type1_info_dma_avail, 12);
KABI_ASSERT_OFF(vfio_iommu_type1_info_dma_avail, header, 0);
KABI_ASSERT_OFF(vfio_iommu_type1_info_dma_avail, avail, 8);

/*
 * The first capability of type1's chain (dirty page tracking); the
 * library only steps over it. Plain u64 fields, as in the kernel: on i386
 * pgsize_bitmap is at 12 and the struct 28 bytes.
 */
struct kabi_vfio_iommu_type1_info_cap_migration {
	struct kabi_vfio_info_cap_header header;
	uint32_t flags;
	uint64_t pgsize_bitmap;
	uint64_t max_dirty_bitmap_size;
};
/* 16 where a struct member u64 is 8-aligned, 12 on i386 (_Alignof is the
 * member alignment; gcc's __alignof__ would say 8 there too) */
KABI_ASSERT_OFF(vfio_iommu_type1_info_cap_migration, header, 0);
KABI_ASSERT_OFF(vfio_iommu_type1_info_cap_migration, flags, 8);
KABI_ASSERT_OFF(vfio_iommu_type1_info_cap_migration, pgsize_bitmap,
		8 + 4 + KABI_ALIGNOF(uint64_t) - 4);
KABI_ASSERT_OFF(vfio_iommu_type1_info_cap_migration, max_dirty_bitmap_size,
		8 + 4 + KABI_ALIGNOF(uint64_t) - 4 + 8);
KABI_ASSERT_SIZE(vfio_iommu_type1_info_cap_migration,
		 8 + 4 + KABI_ALIGNOF(uint64_t) - 4 + 16);

#define KABI_VFIO_IOMMU_GET_INFO _IO(KABI_VFIO_TYPE, KABI_VFIO_BASE + 12)

/* Plain (not __aligned_) u64 fields, as in the kernel. */
struct kabi_vfio_iommu_type1_dma_map {
	uint32_t argsz;
	uint32_t flags;
	uint64_t vaddr;
	uint64_t iova;
	uint64_t size;
};
KABI_ASSERT_SIZE(vfio_iommu_type1_dma_map, 32);
KABI_ASSERT_OFF(vfio_iommu_type1_dma_map, argsz, 0);
KABI_ASSERT_OFF(vfio_iommu_type1_dma_map, flags, 4);
KABI_ASSERT_OFF(vfio_iommu_type1_dma_map, vaddr, 8);
KABI_ASSERT_OFF(vfio_iommu_type1_dma_map, iova, 16);
KABI_ASSERT_OFF(vfio_iommu_type1_dma_map, size, 24);

#define KABI_VFIO_DMA_MAP_FLAG_READ (1 << 0)
#define KABI_VFIO_DMA_MAP_FLAG_WRITE (1 << 1)
#define KABI_VFIO_DMA_MAP_FLAG_VADDR (1 << 2)

#define KABI_VFIO_IOMMU_MAP_DMA _IO(KABI_VFIO_TYPE, KABI_VFIO_BASE + 13)

/* Followed by data[] (a struct vfio_bitmap with GET_DIRTY_BITMAP). */
struct kabi_vfio_iommu_type1_dma_unmap {
	uint32_t argsz;
	uint32_t flags;
	uint64_t iova;
	uint64_t size;
};
KABI_ASSERT_SIZE(vfio_iommu_type1_dma_unmap, 24);
KABI_ASSERT_OFF(vfio_iommu_type1_dma_unmap, argsz, 0);
KABI_ASSERT_OFF(vfio_iommu_type1_dma_unmap, flags, 4);
KABI_ASSERT_OFF(vfio_iommu_type1_dma_unmap, iova, 8);
KABI_ASSERT_OFF(vfio_iommu_type1_dma_unmap, size, 16);

#define KABI_VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP (1 << 0)
#define KABI_VFIO_DMA_UNMAP_FLAG_ALL (1 << 1)
#define KABI_VFIO_DMA_UNMAP_FLAG_VADDR (1 << 2)

#define KABI_VFIO_IOMMU_UNMAP_DMA _IO(KABI_VFIO_TYPE, KABI_VFIO_BASE + 14)

/* ========================================================================
 * PCI configuration space (linux/pci_regs.h). PASID_CAP_WIDTH: added to the
 * uAPI header after 6.1; the register layout itself is PCIe-defined.
 * ====================================================================== */
#define KABI_PCI_CFG_SPACE_SIZE 256
#define KABI_PCI_CFG_SPACE_EXP_SIZE 4096

#define KABI_PCI_VENDOR_ID 0x00 /* 16 bits */
#define KABI_PCI_DEVICE_ID 0x02 /* 16 bits */
#define KABI_PCI_COMMAND 0x04   /* 16 bits */
#define KABI_PCI_COMMAND_IO 0x1
#define KABI_PCI_COMMAND_MEMORY 0x2
#define KABI_PCI_COMMAND_MASTER 0x4
#define KABI_PCI_COMMAND_INTX_DISABLE 0x400
#define KABI_PCI_STATUS 0x06 /* 16 bits */
#define KABI_PCI_STATUS_CAP_LIST 0x10
#define KABI_PCI_HEADER_TYPE 0x0e /* 8 bits */
#define KABI_PCI_HEADER_TYPE_MASK 0x7f
#define KABI_PCI_HEADER_TYPE_NORMAL 0
#define KABI_PCI_CAPABILITY_LIST 0x34

/* Extended capability header (32 bits, first one at 0x100). */
#define KABI_PCI_EXT_CAP_ID(header) ((header) & 0x0000ffff)
#define KABI_PCI_EXT_CAP_VER(header) (((header) >> 16) & 0xf)
#define KABI_PCI_EXT_CAP_NEXT(header) (((header) >> 20) & 0xffc)

#define KABI_PCI_EXT_CAP_ID_ATS 0x0F
#define KABI_PCI_EXT_CAP_ID_SRIOV 0x10
#define KABI_PCI_EXT_CAP_ID_PRI 0x13
#define KABI_PCI_EXT_CAP_ID_PASID 0x1B

/* ATS capability (offsets from the capability). */
#define KABI_PCI_ATS_CAP 0x04
#define KABI_PCI_ATS_CAP_QDEP(x) ((x) & 0x1f)
#define KABI_PCI_ATS_CAP_PAGE_ALIGNED 0x0020
#define KABI_PCI_ATS_CTRL 0x06
#define KABI_PCI_ATS_CTRL_ENABLE 0x8000
#define KABI_PCI_ATS_CTRL_STU(x) ((x) & 0x1f)
#define KABI_PCI_EXT_CAP_ATS_SIZEOF 8

/* PRI capability. */
#define KABI_PCI_PRI_CTRL 0x04
#define KABI_PCI_PRI_CTRL_ENABLE 0x0001
#define KABI_PCI_PRI_CTRL_RESET 0x0002
#define KABI_PCI_PRI_STATUS 0x06
#define KABI_PCI_PRI_STATUS_RF 0x0001
#define KABI_PCI_PRI_STATUS_UPRGI 0x0002
#define KABI_PCI_PRI_STATUS_STOPPED 0x0100
#define KABI_PCI_PRI_STATUS_PASID 0x8000
#define KABI_PCI_PRI_MAX_REQ 0x08
#define KABI_PCI_PRI_ALLOC_REQ 0x0c
#define KABI_PCI_EXT_CAP_PRI_SIZEOF 16

/* PASID capability: 16-bit capability and control registers. */
#define KABI_PCI_PASID_CAP 0x04
#define KABI_PCI_PASID_CAP_EXEC 0x0002
#define KABI_PCI_PASID_CAP_PRIV 0x0004
#define KABI_PCI_PASID_CAP_WIDTH 0x1f00 /* Max PASID Width, bits 12:8 */
#define KABI_PCI_PASID_CAP_WIDTH_SHIFT 8 /* libpasid's; not in pci_regs.h */
#define KABI_PCI_PASID_CTRL 0x06
#define KABI_PCI_PASID_CTRL_ENABLE 0x0001
#define KABI_PCI_PASID_CTRL_EXEC 0x0002
#define KABI_PCI_PASID_CTRL_PRIV 0x0004
#define KABI_PCI_EXT_CAP_PASID_SIZEOF 8

/* SR-IOV capability fields used to relate VFs to their PF. */
#define KABI_PCI_SRIOV_TOTAL_VF 0x0e
#define KABI_PCI_SRIOV_NUM_VF 0x10
#define KABI_PCI_SRIOV_VF_OFFSET 0x14
#define KABI_PCI_SRIOV_VF_STRIDE 0x16

#endif /* LIBPASID_KABI_H */
