/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * abi-check.c - compare lib/kabi.h with the kernel's uAPI headers.
 *
 * Built by tests/abi/run against the newest linux-libc-dev (include dir
 * first on the include path, then lib/). For every struct in kabi.h it
 * compares size and alignment, and for every kernel field the offset, size
 * and signedness; it then checks that the listed fields cover every byte of
 * the kernel struct (so a field missing from this list, or from kabi.h, is
 * reported), and that each trailing flexible array of the kernel struct
 * starts at sizeof() of the kabi struct. Every KABI_ constant and ioctl
 * number is compared with the kernel's value. All mismatches are printed;
 * exit status 1 if there is any, 0 otherwise.
 *
 * With -DABI_CHECK_STATIC the same lists become _Static_asserts; tests/abi/run
 * uses that to check other ABIs (i386, arm64, ...) with clang in
 * -fsyntax-only mode, where nothing can be run.
 *
 * tests/abi/run also verifies that every struct and constant of kabi.h is
 * named in this file, so additions to kabi.h must be added here.
 */
#include <stddef.h>
#ifndef ABI_CHECK_STATIC
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#endif

#include <linux/iommufd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "kabi.h"

#define MEMBER(type, f) (((type *)0)->f)
#define OFFSETOFEND(type, f) (offsetof(type, f) + sizeof(MEMBER(type, f)))

/* 's' signed integer, 'u' unsigned integer, '?' array/struct/other. */
#define KIND(x)                                                                \
	_Generic((x),                                                          \
		signed char: 's', unsigned char: 'u', short: 's',              \
		unsigned short: 'u', int: 's', unsigned int: 'u', long: 's',   \
		unsigned long: 'u', long long: 's', unsigned long long: 'u',   \
		default: '?')

#ifdef ABI_CHECK_STATIC
/*
 * Compile-time variant, used by tests/abi/run to check other ABIs (i386,
 * arm64, ...) with a cross compiler in -fsyntax-only mode: the same lists,
 * each check a _Static_assert (first mismatch stops the compile).
 */
#define SA(cond, what) _Static_assert(cond, what)
#define STRUCT(s)                                                              \
	SA(sizeof(struct kabi_##s) == sizeof(struct s), "sizeof " #s);         \
	SA(_Alignof(struct kabi_##s) == _Alignof(struct s), "alignof " #s)
#define FIELD(s, f)                                                            \
	SA(offsetof(struct kabi_##s, f) == offsetof(struct s, f),              \
	   "offsetof " #s "." #f);                                             \
	SA(sizeof(MEMBER(struct kabi_##s, f)) == sizeof(MEMBER(struct s, f)),  \
	   "sizeof " #s "." #f);                                               \
	SA(KIND(MEMBER(struct kabi_##s, f)) == KIND(MEMBER(struct s, f)),      \
	   "signedness " #s "." #f)
#define FLEX(s, f)                                                             \
	SA(sizeof(struct kabi_##s) == offsetof(struct s, f), "flex " #s "." #f)
#define END_STRUCT() SA(1, "")
#define GAP(s, f, g)                                                           \
	SA(offsetof(struct kabi_##s, g) - OFFSETOFEND(struct kabi_##s, f) ==   \
	   offsetof(struct s, g) - OFFSETOFEND(struct s, f), "gap " #s "." #f)
#define CONST(name) SA((long long)(KABI_##name) == (long long)(name), #name)
#define FN(name, arg)                                                          \
	SA((long long)KABI_##name(arg) == (long long)name(arg), #name)
#define LOCAL(kname, expr) SA((long long)(kname) == (long long)(expr), #kname)
#else /* !ABI_CHECK_STATIC */

static unsigned int n_structs, n_fields, n_flex, n_consts, n_fn, n_local;
static unsigned int n_fail;
static int verbose;

#define FAIL(...)                                                              \
	do {                                                                   \
		n_fail++;                                                      \
		printf("MISMATCH: " __VA_ARGS__);                              \
		putchar('\n');                                                 \
	} while (0)

/* ---- structs ---------------------------------------------------------- */

/* Byte coverage of the kernel struct being checked (kernel offsets). */
static struct {
	const char *name;
	size_t ksize;
	unsigned char covered[512];
} cur;

static void begin_struct(const char *name, size_t asz, size_t ksz,
			 size_t aal, size_t kal)
{
	n_structs++;
	memset(&cur, 0, sizeof(cur));
	cur.name = name;
	cur.ksize = ksz;
	if (ksz > sizeof(cur.covered)) {
		FAIL("struct %s: kernel size %zu exceeds the checker's limit",
		     name, ksz);
		cur.ksize = sizeof(cur.covered);
	}
	if (asz != ksz)
		FAIL("sizeof(struct %s): kabi %zu, kernel %zu", name, asz, ksz);
	if (aal != kal)
		FAIL("alignof(struct %s): kabi %zu, kernel %zu", name, aal, kal);
	if (verbose)
		printf("struct %-40s size %3zu align %zu\n", name, ksz, kal);
}

static void check_field(const char *s, const char *f, size_t aoff,
			size_t koff, size_t asz, size_t ksz, char akind,
			char kkind)
{
	n_fields++;
	if (aoff != koff)
		FAIL("offsetof(struct %s, %s): kabi %zu, kernel %zu", s, f,
		     aoff, koff);
	if (asz != ksz)
		FAIL("sizeof(struct %s.%s): kabi %zu, kernel %zu", s, f, asz,
		     ksz);
	if (akind != kkind)
		FAIL("signedness of struct %s.%s: kabi '%c', kernel '%c'", s,
		     f, akind, kkind);
	for (size_t i = koff; i < koff + ksz && i < cur.ksize; i++)
		cur.covered[i] = 1;
}

static void check_flex(const char *s, const char *f, size_t asz, size_t koff)
{
	n_flex++;
	if (asz != koff)
		FAIL("struct %s: trailing %s[] starts at kernel offset %zu, "
		     "sizeof(struct kabi_%s) is %zu", s, f, koff, s, asz);
}

static void mark_gap(size_t from, size_t to)
{
	for (size_t i = from; i < to && i < cur.ksize; i++)
		cur.covered[i] = 1;
}

static void end_struct(void)
{
	for (size_t i = 0; i < cur.ksize; i++) {
		size_t j;

		if (cur.covered[i])
			continue;
		for (j = i; j < cur.ksize && !cur.covered[j]; j++)
			;
		FAIL("struct %s: kernel bytes %zu..%zu not covered by any "
		     "checked field (field missing from kabi.h/abi-check.c, "
		     "or implicit padding)", cur.name, i, j - 1);
		i = j;
	}
}

#define STRUCT(s)                                                              \
	begin_struct(#s, sizeof(struct kabi_##s), sizeof(struct s),            \
		     _Alignof(struct kabi_##s), _Alignof(struct s))
#define FIELD(s, f)                                                            \
	check_field(#s, #f, offsetof(struct kabi_##s, f),                      \
		    offsetof(struct s, f), sizeof(MEMBER(struct kabi_##s, f)), \
		    sizeof(MEMBER(struct s, f)),                               \
		    KIND(MEMBER(struct kabi_##s, f)), KIND(MEMBER(struct s, f)))
#define FLEX(s, f)                                                             \
	check_flex(#s, #f, sizeof(struct kabi_##s), offsetof(struct s, f))
#define END_STRUCT() end_struct()
/* The kernel's own implicit padding between fields f and g (a plain u64
 * after a u32: none on i386): the bytes count as covered, the offsets of f
 * and g are checked by their FIELD lines. */
#define GAP(s, f, g)                                                           \
	mark_gap(OFFSETOFEND(struct s, f), offsetof(struct s, g))

/* ---- constants -------------------------------------------------------- */

static void check_const(unsigned int *counter, const char *name, long long a,
			long long k)
{
	(*counter)++;
	if (a != k)
		FAIL("%s: kabi %lld (0x%llx), kernel %lld (0x%llx)", name, a,
		     (unsigned long long)a, k, (unsigned long long)k);
	else if (verbose)
		printf("const %-50s = 0x%llx\n", name, (unsigned long long)k);
}

/* KABI_name == name */
#define CONST(name)                                                            \
	check_const(&n_consts, #name, (long long)(KABI_##name), (long long)(name))
/* Function-like macro, evaluated on a sample argument. */
#define FN(name, arg)                                                          \
	check_const(&n_fn, #name "(" #arg ")", (long long)KABI_##name(arg),    \
		    (long long)name(arg))

/* libpasid-only constant, compared with what the kernel layout implies. */
static void check_local(const char *name, const char *expr, long long a,
			long long k)
{
	n_local++;
	if (a != k)
		FAIL("%s: kabi %lld, kernel (%s) %lld", name, a, expr, k);
}
#define LOCAL(kname, expr)                                                     \
	check_local(#kname, #expr, (long long)(kname), (long long)(expr))
#endif /* !ABI_CHECK_STATIC */

static void check_structs(void)
{
	STRUCT(iommu_destroy);
	FIELD(iommu_destroy, size);
	FIELD(iommu_destroy, id);
	END_STRUCT();

	STRUCT(iommu_ioas_alloc);
	FIELD(iommu_ioas_alloc, size);
	FIELD(iommu_ioas_alloc, flags);
	FIELD(iommu_ioas_alloc, out_ioas_id);
	END_STRUCT();

	STRUCT(iommu_iova_range);
	FIELD(iommu_iova_range, start);
	FIELD(iommu_iova_range, last);
	END_STRUCT();

	STRUCT(iommu_ioas_iova_ranges);
	FIELD(iommu_ioas_iova_ranges, size);
	FIELD(iommu_ioas_iova_ranges, ioas_id);
	FIELD(iommu_ioas_iova_ranges, num_iovas);
	FIELD(iommu_ioas_iova_ranges, __reserved);
	FIELD(iommu_ioas_iova_ranges, allowed_iovas);
	FIELD(iommu_ioas_iova_ranges, out_iova_alignment);
	END_STRUCT();

	STRUCT(iommu_ioas_allow_iovas);
	FIELD(iommu_ioas_allow_iovas, size);
	FIELD(iommu_ioas_allow_iovas, ioas_id);
	FIELD(iommu_ioas_allow_iovas, num_iovas);
	FIELD(iommu_ioas_allow_iovas, __reserved);
	FIELD(iommu_ioas_allow_iovas, allowed_iovas);
	END_STRUCT();

	STRUCT(iommu_ioas_map);
	FIELD(iommu_ioas_map, size);
	FIELD(iommu_ioas_map, flags);
	FIELD(iommu_ioas_map, ioas_id);
	FIELD(iommu_ioas_map, __reserved);
	FIELD(iommu_ioas_map, user_va);
	FIELD(iommu_ioas_map, length);
	FIELD(iommu_ioas_map, iova);
	END_STRUCT();

	STRUCT(iommu_ioas_copy);
	FIELD(iommu_ioas_copy, size);
	FIELD(iommu_ioas_copy, flags);
	FIELD(iommu_ioas_copy, dst_ioas_id);
	FIELD(iommu_ioas_copy, src_ioas_id);
	FIELD(iommu_ioas_copy, length);
	FIELD(iommu_ioas_copy, dst_iova);
	FIELD(iommu_ioas_copy, src_iova);
	END_STRUCT();

	STRUCT(iommu_ioas_unmap);
	FIELD(iommu_ioas_unmap, size);
	FIELD(iommu_ioas_unmap, ioas_id);
	FIELD(iommu_ioas_unmap, iova);
	FIELD(iommu_ioas_unmap, length);
	END_STRUCT();

	STRUCT(iommu_option);
	FIELD(iommu_option, size);
	FIELD(iommu_option, option_id);
	FIELD(iommu_option, op);
	FIELD(iommu_option, __reserved);
	FIELD(iommu_option, object_id);
	FIELD(iommu_option, val64);
	END_STRUCT();

	STRUCT(iommu_vfio_ioas);
	FIELD(iommu_vfio_ioas, size);
	FIELD(iommu_vfio_ioas, ioas_id);
	FIELD(iommu_vfio_ioas, op);
	FIELD(iommu_vfio_ioas, __reserved);
	END_STRUCT();

	STRUCT(iommu_hwpt_alloc);
	FIELD(iommu_hwpt_alloc, size);
	FIELD(iommu_hwpt_alloc, flags);
	FIELD(iommu_hwpt_alloc, dev_id);
	FIELD(iommu_hwpt_alloc, pt_id);
	FIELD(iommu_hwpt_alloc, out_hwpt_id);
	FIELD(iommu_hwpt_alloc, __reserved);
	FIELD(iommu_hwpt_alloc, data_type);
	FIELD(iommu_hwpt_alloc, data_len);
	FIELD(iommu_hwpt_alloc, data_uptr);
	FIELD(iommu_hwpt_alloc, fault_id);
	FIELD(iommu_hwpt_alloc, __reserved2);
	END_STRUCT();

	STRUCT(iommu_hwpt_vtd_s1);
	FIELD(iommu_hwpt_vtd_s1, flags);
	FIELD(iommu_hwpt_vtd_s1, pgtbl_addr);
	FIELD(iommu_hwpt_vtd_s1, addr_width);
	FIELD(iommu_hwpt_vtd_s1, __reserved);
	END_STRUCT();

	STRUCT(iommu_hwpt_arm_smmuv3);
	FIELD(iommu_hwpt_arm_smmuv3, ste);
	END_STRUCT();

	STRUCT(iommu_hwpt_amd_guest);
	FIELD(iommu_hwpt_amd_guest, dte);
	END_STRUCT();

	STRUCT(iommu_hw_info);
	FIELD(iommu_hw_info, size);
	FIELD(iommu_hw_info, flags);
	FIELD(iommu_hw_info, dev_id);
	FIELD(iommu_hw_info, data_len);
	FIELD(iommu_hw_info, data_uptr);
	FIELD(iommu_hw_info, in_data_type);
	FIELD(iommu_hw_info, out_data_type);
	FIELD(iommu_hw_info, out_max_pasid_log2);
	FIELD(iommu_hw_info, __reserved);
	FIELD(iommu_hw_info, out_capabilities);
	END_STRUCT();

	STRUCT(iommu_hw_info_vtd);
	FIELD(iommu_hw_info_vtd, flags);
	FIELD(iommu_hw_info_vtd, __reserved);
	FIELD(iommu_hw_info_vtd, cap_reg);
	FIELD(iommu_hw_info_vtd, ecap_reg);
	END_STRUCT();

	STRUCT(iommu_hw_info_arm_smmuv3);
	FIELD(iommu_hw_info_arm_smmuv3, flags);
	FIELD(iommu_hw_info_arm_smmuv3, __reserved);
	FIELD(iommu_hw_info_arm_smmuv3, idr);
	FIELD(iommu_hw_info_arm_smmuv3, iidr);
	FIELD(iommu_hw_info_arm_smmuv3, aidr);
	END_STRUCT();

	STRUCT(iommu_hw_info_tegra241_cmdqv);
	FIELD(iommu_hw_info_tegra241_cmdqv, flags);
	FIELD(iommu_hw_info_tegra241_cmdqv, version);
	FIELD(iommu_hw_info_tegra241_cmdqv, log2vcmdqs);
	FIELD(iommu_hw_info_tegra241_cmdqv, log2vsids);
	FIELD(iommu_hw_info_tegra241_cmdqv, __reserved);
	END_STRUCT();

	STRUCT(iommu_hw_info_amd);
	FIELD(iommu_hw_info_amd, efr);
	FIELD(iommu_hw_info_amd, efr2);
	END_STRUCT();

	STRUCT(iommu_hwpt_set_dirty_tracking);
	FIELD(iommu_hwpt_set_dirty_tracking, size);
	FIELD(iommu_hwpt_set_dirty_tracking, flags);
	FIELD(iommu_hwpt_set_dirty_tracking, hwpt_id);
	FIELD(iommu_hwpt_set_dirty_tracking, __reserved);
	END_STRUCT();

	STRUCT(iommu_hwpt_get_dirty_bitmap);
	FIELD(iommu_hwpt_get_dirty_bitmap, size);
	FIELD(iommu_hwpt_get_dirty_bitmap, hwpt_id);
	FIELD(iommu_hwpt_get_dirty_bitmap, flags);
	FIELD(iommu_hwpt_get_dirty_bitmap, __reserved);
	FIELD(iommu_hwpt_get_dirty_bitmap, iova);
	FIELD(iommu_hwpt_get_dirty_bitmap, length);
	FIELD(iommu_hwpt_get_dirty_bitmap, page_size);
	FIELD(iommu_hwpt_get_dirty_bitmap, data);
	END_STRUCT();

	STRUCT(iommu_hwpt_vtd_s1_invalidate);
	FIELD(iommu_hwpt_vtd_s1_invalidate, addr);
	FIELD(iommu_hwpt_vtd_s1_invalidate, npages);
	FIELD(iommu_hwpt_vtd_s1_invalidate, flags);
	FIELD(iommu_hwpt_vtd_s1_invalidate, __reserved);
	END_STRUCT();

	STRUCT(iommu_viommu_arm_smmuv3_invalidate);
	FIELD(iommu_viommu_arm_smmuv3_invalidate, cmd);
	END_STRUCT();

	STRUCT(iommu_hwpt_invalidate);
	FIELD(iommu_hwpt_invalidate, size);
	FIELD(iommu_hwpt_invalidate, hwpt_id);
	FIELD(iommu_hwpt_invalidate, data_uptr);
	FIELD(iommu_hwpt_invalidate, data_type);
	FIELD(iommu_hwpt_invalidate, entry_len);
	FIELD(iommu_hwpt_invalidate, entry_num);
	FIELD(iommu_hwpt_invalidate, __reserved);
	END_STRUCT();

	STRUCT(iommu_hwpt_pgfault);
	FIELD(iommu_hwpt_pgfault, flags);
	FIELD(iommu_hwpt_pgfault, dev_id);
	FIELD(iommu_hwpt_pgfault, pasid);
	FIELD(iommu_hwpt_pgfault, grpid);
	FIELD(iommu_hwpt_pgfault, perm);
	FIELD(iommu_hwpt_pgfault, __reserved);
	FIELD(iommu_hwpt_pgfault, addr);
	FIELD(iommu_hwpt_pgfault, length);
	FIELD(iommu_hwpt_pgfault, cookie);
	END_STRUCT();

	STRUCT(iommu_hwpt_page_response);
	FIELD(iommu_hwpt_page_response, cookie);
	FIELD(iommu_hwpt_page_response, code);
	END_STRUCT();

	STRUCT(iommu_fault_alloc);
	FIELD(iommu_fault_alloc, size);
	FIELD(iommu_fault_alloc, flags);
	FIELD(iommu_fault_alloc, out_fault_id);
	FIELD(iommu_fault_alloc, out_fault_fd);
	END_STRUCT();

	STRUCT(iommu_ioas_map_file);
	FIELD(iommu_ioas_map_file, size);
	FIELD(iommu_ioas_map_file, flags);
	FIELD(iommu_ioas_map_file, ioas_id);
	FIELD(iommu_ioas_map_file, fd);
	FIELD(iommu_ioas_map_file, start);
	FIELD(iommu_ioas_map_file, length);
	FIELD(iommu_ioas_map_file, iova);
	END_STRUCT();

	STRUCT(iommu_ioas_change_process);
	FIELD(iommu_ioas_change_process, size);
	FIELD(iommu_ioas_change_process, __reserved);
	END_STRUCT();

	STRUCT(iommu_viommu_tegra241_cmdqv);
	FIELD(iommu_viommu_tegra241_cmdqv, out_vintf_mmap_offset);
	FIELD(iommu_viommu_tegra241_cmdqv, out_vintf_mmap_length);
	END_STRUCT();

	STRUCT(iommu_viommu_alloc);
	FIELD(iommu_viommu_alloc, size);
	FIELD(iommu_viommu_alloc, flags);
	FIELD(iommu_viommu_alloc, type);
	FIELD(iommu_viommu_alloc, dev_id);
	FIELD(iommu_viommu_alloc, hwpt_id);
	FIELD(iommu_viommu_alloc, out_viommu_id);
	FIELD(iommu_viommu_alloc, data_len);
	FIELD(iommu_viommu_alloc, __reserved);
	FIELD(iommu_viommu_alloc, data_uptr);
	END_STRUCT();

	STRUCT(iommu_vdevice_alloc);
	FIELD(iommu_vdevice_alloc, size);
	FIELD(iommu_vdevice_alloc, viommu_id);
	FIELD(iommu_vdevice_alloc, dev_id);
	FIELD(iommu_vdevice_alloc, out_vdevice_id);
	FIELD(iommu_vdevice_alloc, virt_id);
	END_STRUCT();

	STRUCT(iommufd_vevent_header);
	FIELD(iommufd_vevent_header, flags);
	FIELD(iommufd_vevent_header, sequence);
	END_STRUCT();

	STRUCT(iommu_vevent_arm_smmuv3);
	FIELD(iommu_vevent_arm_smmuv3, evt);
	END_STRUCT();

	STRUCT(iommu_vevent_tegra241_cmdqv);
	FIELD(iommu_vevent_tegra241_cmdqv, lvcmdq_err_map);
	END_STRUCT();

	STRUCT(iommu_veventq_alloc);
	FIELD(iommu_veventq_alloc, size);
	FIELD(iommu_veventq_alloc, flags);
	FIELD(iommu_veventq_alloc, viommu_id);
	FIELD(iommu_veventq_alloc, type);
	FIELD(iommu_veventq_alloc, veventq_depth);
	FIELD(iommu_veventq_alloc, out_veventq_id);
	FIELD(iommu_veventq_alloc, out_veventq_fd);
	FIELD(iommu_veventq_alloc, __reserved);
	END_STRUCT();

	STRUCT(iommu_hw_queue_alloc);
	FIELD(iommu_hw_queue_alloc, size);
	FIELD(iommu_hw_queue_alloc, flags);
	FIELD(iommu_hw_queue_alloc, viommu_id);
	FIELD(iommu_hw_queue_alloc, type);
	FIELD(iommu_hw_queue_alloc, index);
	FIELD(iommu_hw_queue_alloc, out_hw_queue_id);
	FIELD(iommu_hw_queue_alloc, nesting_parent_iova);
	FIELD(iommu_hw_queue_alloc, length);
	END_STRUCT();

	STRUCT(iommu_ioas_noiommu_get_pa);
	FIELD(iommu_ioas_noiommu_get_pa, size);
	FIELD(iommu_ioas_noiommu_get_pa, flags);
	FIELD(iommu_ioas_noiommu_get_pa, ioas_id);
	FIELD(iommu_ioas_noiommu_get_pa, __reserved);
	FIELD(iommu_ioas_noiommu_get_pa, iova);
	FIELD(iommu_ioas_noiommu_get_pa, length);
	FIELD(iommu_ioas_noiommu_get_pa, out_phys);
	END_STRUCT();

	STRUCT(vfio_info_cap_header);
	FIELD(vfio_info_cap_header, id);
	FIELD(vfio_info_cap_header, version);
	FIELD(vfio_info_cap_header, next);
	END_STRUCT();

	STRUCT(vfio_group_status);
	FIELD(vfio_group_status, argsz);
	FIELD(vfio_group_status, flags);
	END_STRUCT();

	STRUCT(vfio_device_info);
	FIELD(vfio_device_info, argsz);
	FIELD(vfio_device_info, flags);
	FIELD(vfio_device_info, num_regions);
	FIELD(vfio_device_info, num_irqs);
	FIELD(vfio_device_info, cap_offset);
	FIELD(vfio_device_info, pad);
	END_STRUCT();

	STRUCT(vfio_region_info);
	FIELD(vfio_region_info, argsz);
	FIELD(vfio_region_info, flags);
	FIELD(vfio_region_info, index);
	FIELD(vfio_region_info, cap_offset);
	FIELD(vfio_region_info, size);
	FIELD(vfio_region_info, offset);
	END_STRUCT();

	STRUCT(vfio_region_sparse_mmap_area);
	FIELD(vfio_region_sparse_mmap_area, offset);
	FIELD(vfio_region_sparse_mmap_area, size);
	END_STRUCT();

	STRUCT(vfio_region_info_cap_sparse_mmap);
	FIELD(vfio_region_info_cap_sparse_mmap, header);
	FIELD(vfio_region_info_cap_sparse_mmap, nr_areas);
	FIELD(vfio_region_info_cap_sparse_mmap, reserved);
	FLEX(vfio_region_info_cap_sparse_mmap, areas);
	END_STRUCT();

	STRUCT(vfio_region_info_cap_type);
	FIELD(vfio_region_info_cap_type, header);
	FIELD(vfio_region_info_cap_type, type);
	FIELD(vfio_region_info_cap_type, subtype);
	END_STRUCT();

	STRUCT(vfio_irq_info);
	FIELD(vfio_irq_info, argsz);
	FIELD(vfio_irq_info, flags);
	FIELD(vfio_irq_info, index);
	FIELD(vfio_irq_info, count);
	END_STRUCT();

	STRUCT(vfio_irq_set);
	FIELD(vfio_irq_set, argsz);
	FIELD(vfio_irq_set, flags);
	FIELD(vfio_irq_set, index);
	FIELD(vfio_irq_set, start);
	FIELD(vfio_irq_set, count);
	FLEX(vfio_irq_set, data);
	END_STRUCT();

	STRUCT(vfio_pci_dependent_device);
	FIELD(vfio_pci_dependent_device, group_id);
	FIELD(vfio_pci_dependent_device, devid);
	FIELD(vfio_pci_dependent_device, segment);
	FIELD(vfio_pci_dependent_device, bus);
	FIELD(vfio_pci_dependent_device, devfn);
	END_STRUCT();

	STRUCT(vfio_pci_hot_reset_info);
	FIELD(vfio_pci_hot_reset_info, argsz);
	FIELD(vfio_pci_hot_reset_info, flags);
	FIELD(vfio_pci_hot_reset_info, count);
	FLEX(vfio_pci_hot_reset_info, devices);
	END_STRUCT();

	STRUCT(vfio_pci_hot_reset);
	FIELD(vfio_pci_hot_reset, argsz);
	FIELD(vfio_pci_hot_reset, flags);
	FIELD(vfio_pci_hot_reset, count);
	FLEX(vfio_pci_hot_reset, group_fds);
	END_STRUCT();

	STRUCT(vfio_device_feature);
	FIELD(vfio_device_feature, argsz);
	FIELD(vfio_device_feature, flags);
	FLEX(vfio_device_feature, data);
	END_STRUCT();

	STRUCT(vfio_device_feature_bus_master);
	FIELD(vfio_device_feature_bus_master, op);
	END_STRUCT();

	STRUCT(vfio_device_bind_iommufd);
	FIELD(vfio_device_bind_iommufd, argsz);
	FIELD(vfio_device_bind_iommufd, flags);
	FIELD(vfio_device_bind_iommufd, iommufd);
	FIELD(vfio_device_bind_iommufd, out_devid);
	FIELD(vfio_device_bind_iommufd, token_uuid_ptr);
	END_STRUCT();

	STRUCT(vfio_device_attach_iommufd_pt);
	FIELD(vfio_device_attach_iommufd_pt, argsz);
	FIELD(vfio_device_attach_iommufd_pt, flags);
	FIELD(vfio_device_attach_iommufd_pt, pt_id);
	FIELD(vfio_device_attach_iommufd_pt, pasid);
	END_STRUCT();

	STRUCT(vfio_device_detach_iommufd_pt);
	FIELD(vfio_device_detach_iommufd_pt, argsz);
	FIELD(vfio_device_detach_iommufd_pt, flags);
	FIELD(vfio_device_detach_iommufd_pt, pasid);
	END_STRUCT();

	STRUCT(vfio_iommu_type1_info);
	FIELD(vfio_iommu_type1_info, argsz);
	FIELD(vfio_iommu_type1_info, flags);
	FIELD(vfio_iommu_type1_info, iova_pgsizes);
	FIELD(vfio_iommu_type1_info, cap_offset);
	FIELD(vfio_iommu_type1_info, pad);
	END_STRUCT();

	STRUCT(vfio_iova_range);
	FIELD(vfio_iova_range, start);
	FIELD(vfio_iova_range, end);
	END_STRUCT();

	STRUCT(vfio_iommu_type1_info_cap_iova_range);
	FIELD(vfio_iommu_type1_info_cap_iova_range, header);
	FIELD(vfio_iommu_type1_info_cap_iova_range, nr_iovas);
	FIELD(vfio_iommu_type1_info_cap_iova_range, reserved);
	FLEX(vfio_iommu_type1_info_cap_iova_range, iova_ranges);
	END_STRUCT();

	STRUCT(vfio_iommu_type1_info_dma_avail);
	FIELD(vfio_iommu_type1_info_dma_avail, header);
	FIELD(vfio_iommu_type1_info_dma_avail, avail);
	END_STRUCT();

	STRUCT(vfio_iommu_type1_info_cap_migration);
	FIELD(vfio_iommu_type1_info_cap_migration, header);
	FIELD(vfio_iommu_type1_info_cap_migration, flags);
	GAP(vfio_iommu_type1_info_cap_migration, flags, pgsize_bitmap);
	FIELD(vfio_iommu_type1_info_cap_migration, pgsize_bitmap);
	FIELD(vfio_iommu_type1_info_cap_migration, max_dirty_bitmap_size);
	END_STRUCT();

	STRUCT(vfio_iommu_type1_dma_map);
	FIELD(vfio_iommu_type1_dma_map, argsz);
	FIELD(vfio_iommu_type1_dma_map, flags);
	FIELD(vfio_iommu_type1_dma_map, vaddr);
	FIELD(vfio_iommu_type1_dma_map, iova);
	FIELD(vfio_iommu_type1_dma_map, size);
	END_STRUCT();

	STRUCT(vfio_iommu_type1_dma_unmap);
	FIELD(vfio_iommu_type1_dma_unmap, argsz);
	FIELD(vfio_iommu_type1_dma_unmap, flags);
	FIELD(vfio_iommu_type1_dma_unmap, iova);
	FIELD(vfio_iommu_type1_dma_unmap, size);
	FLEX(vfio_iommu_type1_dma_unmap, data);
	END_STRUCT();
}

static void check_consts(void)
{
	/* Every constant of kabi.h, in the order of kabi.h. */
	CONST(IOMMUFD_TYPE);
	CONST(IOMMUFD_CMD_BASE);
	CONST(IOMMUFD_CMD_DESTROY);
	CONST(IOMMUFD_CMD_IOAS_ALLOC);
	CONST(IOMMUFD_CMD_IOAS_ALLOW_IOVAS);
	CONST(IOMMUFD_CMD_IOAS_COPY);
	CONST(IOMMUFD_CMD_IOAS_IOVA_RANGES);
	CONST(IOMMUFD_CMD_IOAS_MAP);
	CONST(IOMMUFD_CMD_IOAS_UNMAP);
	CONST(IOMMUFD_CMD_OPTION);
	CONST(IOMMUFD_CMD_VFIO_IOAS);
	CONST(IOMMUFD_CMD_HWPT_ALLOC);
	CONST(IOMMUFD_CMD_GET_HW_INFO);
	CONST(IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING);
	CONST(IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP);
	CONST(IOMMUFD_CMD_HWPT_INVALIDATE);
	CONST(IOMMUFD_CMD_FAULT_QUEUE_ALLOC);
	CONST(IOMMUFD_CMD_IOAS_MAP_FILE);
	CONST(IOMMUFD_CMD_VIOMMU_ALLOC);
	CONST(IOMMUFD_CMD_VDEVICE_ALLOC);
	CONST(IOMMUFD_CMD_IOAS_CHANGE_PROCESS);
	CONST(IOMMUFD_CMD_VEVENTQ_ALLOC);
	CONST(IOMMUFD_CMD_HW_QUEUE_ALLOC);
	CONST(IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA);
	CONST(IOMMU_DESTROY);
	CONST(IOMMU_IOAS_ALLOC);
	CONST(IOMMU_IOAS_ALLOW_IOVAS);
	CONST(IOMMU_IOAS_COPY);
	CONST(IOMMU_IOAS_IOVA_RANGES);
	CONST(IOMMU_IOAS_MAP);
	CONST(IOMMU_IOAS_UNMAP);
	CONST(IOMMU_OPTION);
	CONST(IOMMU_VFIO_IOAS);
	CONST(IOMMU_HWPT_ALLOC);
	CONST(IOMMU_GET_HW_INFO);
	CONST(IOMMU_HWPT_SET_DIRTY_TRACKING);
	CONST(IOMMU_HWPT_GET_DIRTY_BITMAP);
	CONST(IOMMU_HWPT_INVALIDATE);
	CONST(IOMMU_FAULT_QUEUE_ALLOC);
	CONST(IOMMU_IOAS_MAP_FILE);
	CONST(IOMMU_VIOMMU_ALLOC);
	CONST(IOMMU_VDEVICE_ALLOC);
	CONST(IOMMU_IOAS_CHANGE_PROCESS);
	CONST(IOMMU_VEVENTQ_ALLOC);
	CONST(IOMMU_HW_QUEUE_ALLOC);
	CONST(IOMMU_IOAS_NOIOMMU_GET_PA);
	CONST(IOMMU_IOAS_MAP_FIXED_IOVA);
	CONST(IOMMU_IOAS_MAP_WRITEABLE);
	CONST(IOMMU_IOAS_MAP_READABLE);
	CONST(IOMMU_OPTION_RLIMIT_MODE);
	CONST(IOMMU_OPTION_HUGE_PAGES);
	CONST(IOMMU_OPTION_OP_SET);
	CONST(IOMMU_OPTION_OP_GET);
	CONST(IOMMU_VFIO_IOAS_GET);
	CONST(IOMMU_VFIO_IOAS_SET);
	CONST(IOMMU_VFIO_IOAS_CLEAR);
	CONST(IOMMU_HWPT_ALLOC_NEST_PARENT);
	CONST(IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
	CONST(IOMMU_HWPT_FAULT_ID_VALID);
	CONST(IOMMU_HWPT_ALLOC_PASID);
	CONST(IOMMU_HWPT_DATA_NONE);
	CONST(IOMMU_HWPT_DATA_VTD_S1);
	CONST(IOMMU_HWPT_DATA_ARM_SMMUV3);
	CONST(IOMMU_HWPT_DATA_AMD_GUEST);
	CONST(IOMMU_VTD_S1_SRE);
	CONST(IOMMU_VTD_S1_EAFE);
	CONST(IOMMU_VTD_S1_WPE);
	CONST(IOMMU_HW_INFO_TYPE_NONE);
	CONST(IOMMU_HW_INFO_TYPE_DEFAULT);
	CONST(IOMMU_HW_INFO_TYPE_INTEL_VTD);
	CONST(IOMMU_HW_INFO_TYPE_ARM_SMMUV3);
	CONST(IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV);
	CONST(IOMMU_HW_INFO_TYPE_AMD);
	CONST(IOMMU_HW_CAP_DIRTY_TRACKING);
	CONST(IOMMU_HW_CAP_PCI_PASID_EXEC);
	CONST(IOMMU_HW_CAP_PCI_PASID_PRIV);
	CONST(IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED);
	CONST(IOMMU_HW_INFO_FLAG_INPUT_TYPE);
	CONST(IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17);
	CONST(IOMMU_HW_INFO_ARM_SMMUV3_ERRATA_REPEAT_TLBI_CFGI);
	CONST(IOMMU_HWPT_DIRTY_TRACKING_ENABLE);
	CONST(IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR);
	CONST(IOMMU_HWPT_INVALIDATE_DATA_VTD_S1);
	CONST(IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3);
	CONST(IOMMU_VTD_INV_FLAGS_LEAF);
	CONST(IOMMU_PGFAULT_FLAGS_PASID_VALID);
	CONST(IOMMU_PGFAULT_FLAGS_LAST_PAGE);
	CONST(IOMMU_PGFAULT_PERM_READ);
	CONST(IOMMU_PGFAULT_PERM_WRITE);
	CONST(IOMMU_PGFAULT_PERM_EXEC);
	CONST(IOMMU_PGFAULT_PERM_PRIV);
	CONST(IOMMUFD_PAGE_RESP_SUCCESS);
	CONST(IOMMUFD_PAGE_RESP_INVALID);
	CONST(IOMMU_VIOMMU_TYPE_DEFAULT);
	CONST(IOMMU_VIOMMU_TYPE_ARM_SMMUV3);
	CONST(IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV);
	CONST(IOMMU_VEVENTQ_FLAG_LOST_EVENTS);
	CONST(IOMMU_VEVENTQ_TYPE_DEFAULT);
	CONST(IOMMU_VEVENTQ_TYPE_ARM_SMMUV3);
	CONST(IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV);
	CONST(IOMMU_HW_QUEUE_TYPE_DEFAULT);
	CONST(IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV);
	CONST(VFIO_API_VERSION);
	CONST(VFIO_TYPE);
	CONST(VFIO_BASE);
	CONST(VFIO_TYPE1_IOMMU);
	CONST(VFIO_SPAPR_TCE_IOMMU);
	CONST(VFIO_TYPE1v2_IOMMU);
	CONST(VFIO_DMA_CC_IOMMU);
	CONST(VFIO_EEH);
	CONST(VFIO_SPAPR_TCE_v2_IOMMU);
	CONST(VFIO_NOIOMMU_IOMMU);
	CONST(VFIO_UNMAP_ALL);
	CONST(VFIO_UPDATE_VADDR);
	CONST(VFIO_GET_API_VERSION);
	CONST(VFIO_CHECK_EXTENSION);
	CONST(VFIO_SET_IOMMU);
	CONST(VFIO_GROUP_FLAGS_VIABLE);
	CONST(VFIO_GROUP_FLAGS_CONTAINER_SET);
	CONST(VFIO_GROUP_GET_STATUS);
	CONST(VFIO_GROUP_SET_CONTAINER);
	CONST(VFIO_GROUP_UNSET_CONTAINER);
	CONST(VFIO_GROUP_GET_DEVICE_FD);
	CONST(VFIO_DEVICE_FLAGS_RESET);
	CONST(VFIO_DEVICE_FLAGS_PCI);
	CONST(VFIO_DEVICE_FLAGS_PLATFORM);
	CONST(VFIO_DEVICE_FLAGS_AMBA);
	CONST(VFIO_DEVICE_FLAGS_CCW);
	CONST(VFIO_DEVICE_FLAGS_AP);
	CONST(VFIO_DEVICE_FLAGS_FSL_MC);
	CONST(VFIO_DEVICE_FLAGS_CAPS);
	CONST(VFIO_DEVICE_FLAGS_CDX);
	CONST(VFIO_DEVICE_GET_INFO);
	CONST(VFIO_REGION_INFO_FLAG_READ);
	CONST(VFIO_REGION_INFO_FLAG_WRITE);
	CONST(VFIO_REGION_INFO_FLAG_MMAP);
	CONST(VFIO_REGION_INFO_FLAG_CAPS);
	CONST(VFIO_DEVICE_GET_REGION_INFO);
	CONST(VFIO_REGION_INFO_CAP_SPARSE_MMAP);
	CONST(VFIO_REGION_INFO_CAP_TYPE);
	CONST(VFIO_REGION_INFO_CAP_MSIX_MAPPABLE);
	CONST(VFIO_IRQ_INFO_EVENTFD);
	CONST(VFIO_IRQ_INFO_MASKABLE);
	CONST(VFIO_IRQ_INFO_AUTOMASKED);
	CONST(VFIO_IRQ_INFO_NORESIZE);
	CONST(VFIO_DEVICE_GET_IRQ_INFO);
	CONST(VFIO_IRQ_SET_DATA_NONE);
	CONST(VFIO_IRQ_SET_DATA_BOOL);
	CONST(VFIO_IRQ_SET_DATA_EVENTFD);
	CONST(VFIO_IRQ_SET_ACTION_MASK);
	CONST(VFIO_IRQ_SET_ACTION_UNMASK);
	CONST(VFIO_IRQ_SET_ACTION_TRIGGER);
	CONST(VFIO_IRQ_SET_DATA_TYPE_MASK);
	CONST(VFIO_IRQ_SET_ACTION_TYPE_MASK);
	CONST(VFIO_DEVICE_SET_IRQS);
	CONST(VFIO_DEVICE_RESET);
	CONST(VFIO_PCI_BAR0_REGION_INDEX);
	CONST(VFIO_PCI_BAR1_REGION_INDEX);
	CONST(VFIO_PCI_BAR2_REGION_INDEX);
	CONST(VFIO_PCI_BAR3_REGION_INDEX);
	CONST(VFIO_PCI_BAR4_REGION_INDEX);
	CONST(VFIO_PCI_BAR5_REGION_INDEX);
	CONST(VFIO_PCI_ROM_REGION_INDEX);
	CONST(VFIO_PCI_CONFIG_REGION_INDEX);
	CONST(VFIO_PCI_VGA_REGION_INDEX);
	CONST(VFIO_PCI_NUM_REGIONS);
	CONST(VFIO_PCI_INTX_IRQ_INDEX);
	CONST(VFIO_PCI_MSI_IRQ_INDEX);
	CONST(VFIO_PCI_MSIX_IRQ_INDEX);
	CONST(VFIO_PCI_ERR_IRQ_INDEX);
	CONST(VFIO_PCI_REQ_IRQ_INDEX);
	CONST(VFIO_PCI_NUM_IRQS);
	CONST(VFIO_PCI_DEVID_OWNED);
	CONST(VFIO_PCI_DEVID_NOT_OWNED);
	CONST(VFIO_PCI_HOT_RESET_FLAG_DEV_ID);
	CONST(VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED);
	CONST(VFIO_DEVICE_GET_PCI_HOT_RESET_INFO);
	CONST(VFIO_DEVICE_PCI_HOT_RESET);
	CONST(VFIO_DEVICE_FEATURE_MASK);
	CONST(VFIO_DEVICE_FEATURE_GET);
	CONST(VFIO_DEVICE_FEATURE_SET);
	CONST(VFIO_DEVICE_FEATURE_PROBE);
	CONST(VFIO_DEVICE_FEATURE);
	CONST(VFIO_DEVICE_FEATURE_PCI_VF_TOKEN);
	CONST(VFIO_DEVICE_FEATURE_MIGRATION);
	CONST(VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE);
	CONST(VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY);
	CONST(VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP);
	CONST(VFIO_DEVICE_FEATURE_LOW_POWER_EXIT);
	CONST(VFIO_DEVICE_FEATURE_DMA_LOGGING_START);
	CONST(VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP);
	CONST(VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT);
	CONST(VFIO_DEVICE_FEATURE_MIG_DATA_SIZE);
	CONST(VFIO_DEVICE_FEATURE_BUS_MASTER);
	CONST(VFIO_DEVICE_FEATURE_DMA_BUF);
	CONST(VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2);
	CONST(VFIO_DEVICE_FEATURE_ZPCI_ERROR);
	CONST(VFIO_DEVICE_FEATURE_CLEAR_MASTER);
	CONST(VFIO_DEVICE_FEATURE_SET_MASTER);
	CONST(VFIO_DEVICE_BIND_FLAG_TOKEN);
	CONST(VFIO_DEVICE_BIND_IOMMUFD);
	CONST(VFIO_DEVICE_ATTACH_PASID);
	CONST(VFIO_DEVICE_ATTACH_IOMMUFD_PT);
	CONST(VFIO_DEVICE_DETACH_PASID);
	CONST(VFIO_DEVICE_DETACH_IOMMUFD_PT);
	CONST(VFIO_IOMMU_INFO_PGSIZES);
	CONST(VFIO_IOMMU_INFO_CAPS);
	CONST(VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
	CONST(VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION);
	CONST(VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
	CONST(VFIO_IOMMU_GET_INFO);
	CONST(VFIO_DMA_MAP_FLAG_READ);
	CONST(VFIO_DMA_MAP_FLAG_WRITE);
	CONST(VFIO_DMA_MAP_FLAG_VADDR);
	CONST(VFIO_IOMMU_MAP_DMA);
	CONST(VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP);
	CONST(VFIO_DMA_UNMAP_FLAG_ALL);
	CONST(VFIO_DMA_UNMAP_FLAG_VADDR);
	CONST(VFIO_IOMMU_UNMAP_DMA);
	CONST(PCI_CFG_SPACE_SIZE);
	CONST(PCI_CFG_SPACE_EXP_SIZE);
	CONST(PCI_VENDOR_ID);
	CONST(PCI_DEVICE_ID);
	CONST(PCI_COMMAND);
	CONST(PCI_COMMAND_IO);
	CONST(PCI_COMMAND_MEMORY);
	CONST(PCI_COMMAND_MASTER);
	CONST(PCI_COMMAND_INTX_DISABLE);
	CONST(PCI_STATUS);
	CONST(PCI_STATUS_CAP_LIST);
	CONST(PCI_HEADER_TYPE);
	CONST(PCI_HEADER_TYPE_MASK);
	CONST(PCI_HEADER_TYPE_NORMAL);
	CONST(PCI_CAPABILITY_LIST);
	CONST(PCI_EXT_CAP_ID_ATS);
	CONST(PCI_EXT_CAP_ID_SRIOV);
	CONST(PCI_EXT_CAP_ID_PRI);
	CONST(PCI_EXT_CAP_ID_PASID);
	CONST(PCI_ATS_CAP);
	CONST(PCI_ATS_CAP_PAGE_ALIGNED);
	CONST(PCI_ATS_CTRL);
	CONST(PCI_ATS_CTRL_ENABLE);
	CONST(PCI_EXT_CAP_ATS_SIZEOF);
	CONST(PCI_PRI_CTRL);
	CONST(PCI_PRI_CTRL_ENABLE);
	CONST(PCI_PRI_CTRL_RESET);
	CONST(PCI_PRI_STATUS);
	CONST(PCI_PRI_STATUS_RF);
	CONST(PCI_PRI_STATUS_UPRGI);
	CONST(PCI_PRI_STATUS_STOPPED);
	CONST(PCI_PRI_STATUS_PASID);
	CONST(PCI_PRI_MAX_REQ);
	CONST(PCI_PRI_ALLOC_REQ);
	CONST(PCI_EXT_CAP_PRI_SIZEOF);
	CONST(PCI_PASID_CAP);
	CONST(PCI_PASID_CAP_EXEC);
	CONST(PCI_PASID_CAP_PRIV);
	CONST(PCI_PASID_CAP_WIDTH);
	CONST(PCI_PASID_CTRL);
	CONST(PCI_PASID_CTRL_ENABLE);
	CONST(PCI_PASID_CTRL_EXEC);
	CONST(PCI_PASID_CTRL_PRIV);
	CONST(PCI_EXT_CAP_PASID_SIZEOF);
	CONST(PCI_SRIOV_TOTAL_VF);
	CONST(PCI_SRIOV_NUM_VF);
	CONST(PCI_SRIOV_VF_OFFSET);
	CONST(PCI_SRIOV_VF_STRIDE);

	/* Function-like PCI macros on sample values. */
	FN(PCI_EXT_CAP_ID, 0x14b1001b);
	FN(PCI_EXT_CAP_ID, 0xfffffffe);
	FN(PCI_EXT_CAP_VER, 0x14b1001b);
	FN(PCI_EXT_CAP_VER, 0xfffffffe);
	FN(PCI_EXT_CAP_NEXT, 0x14b1001b);
	FN(PCI_EXT_CAP_NEXT, 0xfffffffe);
	FN(PCI_ATS_CAP_QDEP, 0x0000);
	FN(PCI_ATS_CAP_QDEP, 0x00ff);
	FN(PCI_ATS_CTRL_STU, 0x8000);
	FN(PCI_ATS_CTRL_STU, 0x801f);
}

static void check_local_consts(void)
{
	/* Older layouts: the end of the last field each old kernel knew. */
	LOCAL(KABI_IOMMU_HWPT_ALLOC_SZ_V6_6,
	      OFFSETOFEND(struct iommu_hwpt_alloc, __reserved));
	LOCAL(KABI_IOMMU_HWPT_ALLOC_SZ_V6_7,
	      OFFSETOFEND(struct iommu_hwpt_alloc, data_uptr));
	LOCAL(KABI_IOMMU_HW_INFO_SZ_V6_6,
	      OFFSETOFEND(struct iommu_hw_info, __reserved));
	LOCAL(KABI_IOMMU_VIOMMU_ALLOC_SZ_V6_13,
	      OFFSETOFEND(struct iommu_viommu_alloc, out_viommu_id));
	LOCAL(KABI_VFIO_DEVICE_BIND_IOMMUFD_SZ_NOTOKEN,
	      OFFSETOFEND(struct vfio_device_bind_iommufd, out_devid));
	LOCAL(KABI_VFIO_DEVICE_ATTACH_IOMMUFD_PT_SZ_NOPASID,
	      OFFSETOFEND(struct vfio_device_attach_iommufd_pt, pt_id));
	LOCAL(KABI_VFIO_DEVICE_DETACH_IOMMUFD_PT_SZ_NOPASID,
	      OFFSETOFEND(struct vfio_device_detach_iommufd_pt, flags));
	/* The mask shifted down by the shift must be the 5-bit width field. */
	LOCAL(KABI_PCI_PASID_CAP_WIDTH_SHIFT,
	      __builtin_ctz(PCI_PASID_CAP_WIDTH));
	LOCAL(KABI_PCI_PASID_CAP_WIDTH >> KABI_PCI_PASID_CAP_WIDTH_SHIFT, 0x1f);
}

#ifdef ABI_CHECK_STATIC
void abi_check_static(void);
void abi_check_static(void)
{
	check_structs();
	check_consts();
	check_local_consts();
}
#else
int main(int argc, char **argv)
{
	verbose = argc > 1 && strcmp(argv[1], "-v") == 0;

	check_structs();
	check_consts();
	check_local_consts();

	printf("abi-check: checked %u structs, %u fields, %u flexible arrays, "
	       "%u constants/ioctl numbers, %u function-like macro samples, "
	       "%u derived sizes: %u mismatch%s\n",
	       n_structs, n_fields, n_flex, n_consts, n_fn, n_local, n_fail,
	       n_fail == 1 ? "" : "es");
	return n_fail ? EXIT_FAILURE : EXIT_SUCCESS;
}
#endif /* !ABI_CHECK_STATIC */
