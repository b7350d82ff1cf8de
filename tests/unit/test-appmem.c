/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The calls for application memory (IOVA = VA, DPDK-style), on both
 * backends: pasid_as_iova_check and its rules, the IOVA window, maps with
 * PASID_MAP_TRY_IOVA, the page sizes, lookups by process address and by
 * IOVA, and pasid_unmap_va. Each test asserts what a program relies on:
 * that an IOVA the check passes maps, one it refuses for a later RID makes
 * that attach fail, that chosen IOVAs stay in the window, that a lookup
 * gives the IOVA DMA lands at.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fixture.h"

#define BDF_A "0000:00:04.0"
#define BDF_B "0000:00:05.0"
#define MSI 0xfee00000ULL		/* the emulated x86 MSI window */
#define LOW 0x100000ULL
#define WIN_START 0x40000000ULL		/* a window above where first fit
					   would put chosen IOVAs */
#define WIN_LAST 0x4fffffffULL

/* ---- the check ---- */

START_TEST(t_check_rules)
{
	struct pasid_dev *a = fx_dev(BDF_A, EMU_IOMMU_INTEL, 0, NULL);
	struct pasid_as *as = fx_as();
	uint64_t iova = 0x200000;
	void *buf = fx_buf(2);

	ck_assert_int_eq(pasid_attach_rid(a, as, 0), 0);
	ck_assert_int_eq(pasid_as_iova_check(as, LOW, FX_PAGE, NULL), 0);
	ck_assert_noerrmsg();
	/* usable now, and with a device already attached nothing changes */
	ck_assert_int_eq(pasid_as_iova_check(as, LOW, FX_PAGE, a), 0);

	ck_assert_int_eq(pasid_as_iova_check(as, LOW + 0x800, FX_PAGE, NULL),
			 -EINVAL);
	ck_assert_errmsg("IOVA alignment 0x1000");
	ck_assert_int_eq(pasid_as_iova_check(as, LOW, 0x800, NULL), -EINVAL);
	ck_assert_int_eq(pasid_as_iova_check(as, LOW, 0, NULL), -EINVAL);
	ck_assert_int_eq(pasid_as_iova_check(as, UINT64_MAX - 0xfff, 0x2000,
					     NULL), -EOVERFLOW);
	ck_assert_errmsg("wraps");
	/* the MSI window the RID attach cut out, and beyond the aperture */
	ck_assert_int_eq(pasid_as_iova_check(as, MSI, FX_PAGE, NULL), -ERANGE);
	ck_assert_errmsg("not inside one usable IOVA range");
	ck_assert_int_eq(pasid_as_iova_check(as, MSI - FX_PAGE, 2 * FX_PAGE,
					     NULL), -ERANGE);
	ck_assert_int_eq(pasid_as_iova_check(as, 1ULL << 48, FX_PAGE, NULL),
			 -ERANGE);
	/* a mapping */
	ck_assert_int_eq(pasid_map(as, buf, 2 * FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &iova), 0);
	ck_assert_int_eq(pasid_as_iova_check(as, 0x201000, FX_PAGE, NULL),
			 -EEXIST);
	ck_assert_errmsg("overlaps the mapping [0x200000, 0x201fff]");
	ck_assert_int_eq(pasid_as_iova_check(as, 0x1ff000, 2 * FX_PAGE, NULL),
			 -EEXIST);
	ck_assert_int_eq(pasid_as_iova_check(as, 0x1ff000, FX_PAGE, NULL), 0);
	ck_assert_int_eq(pasid_as_iova_check(as, 0x202000, FX_PAGE, NULL), 0);
	/* the window */
	ck_assert_int_eq(pasid_as_set_iova_window(as, 0, (1ULL << 28) - 1), 0);
	ck_assert_int_eq(pasid_as_iova_check(as, 1ULL << 28, FX_PAGE, NULL),
			 -EDOM);
	ck_assert_errmsg("outside the address space's IOVA window");
	ck_assert_int_eq(pasid_as_iova_check(as, (1ULL << 28) - FX_PAGE,
					     FX_PAGE, NULL), 0);
	/* bad input */
	ck_assert_int_eq(pasid_as_iova_check(NULL, LOW, FX_PAGE, NULL), -EINVAL);
	ck_assert_errmsg("as is NULL");
}
END_TEST

/* An address space bound only to PASIDs has the MSI window usable; a map
 * there blocks the RID attach later, and the check with the device says
 * so beforehand. */
START_TEST(t_check_rid_later)
{
	int ia;
	struct pasid_dev *a = fx_dev(BDF_A, EMU_IOMMU_INTEL, 8, &ia);
	struct pasid_as *as = fx_as(), *rid_as = fx_as();
	uint64_t iova = MSI;
	void *buf = fx_buf(1);
	int pasid;

	ck_assert_int_eq(pasid_attach_rid(a, rid_as, 0), 0);
	pasid = pasid_bind(a, as, PASID_ANY);
	ck_assert_int_gt(pasid, 0);
	ck_assert_int_eq(pasid_as_iova_check(as, MSI, FX_PAGE, NULL), 0);
	ck_assert_int_eq(pasid_as_iova_check(as, MSI, FX_PAGE, a), -EADDRINUSE);
	ck_assert_errmsg("reserved region [0xfee00000, 0xfeefffff] (msi)");
	ck_assert_int_eq(pasid_as_iova_check(as, MSI - FX_PAGE, FX_PAGE, a), 0);
	ck_assert_int_eq(pasid_as_iova_check(as, 1ULL << 48, FX_PAGE, NULL),
			 -ERANGE);
	/* what the check foretold: the map works, the RID attach then not */
	ck_assert_int_eq(pasid_map(as, buf, FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &iova), 0);
	fx_dma_check(ia, (uint32_t)pasid, MSI, buf);
	ck_assert_int_eq(pasid_attach_rid(a, as, 0), -EADDRINUSE);
}
END_TEST

/* Without a page table yet, everything is usable now; a device's input
 * address width is what its RID attach will bring. */
START_TEST(t_check_fresh)
{
	struct pasid_dev *a = fx_dev(BDF_A, EMU_IOMMU_INTEL, 0, NULL);
	struct pasid_as *as = fx_as();
	uint64_t iova = 1ULL << 50;
	void *buf = fx_buf(1);

	ck_assert_int_eq(pasid_as_iova_check(as, 1ULL << 50, FX_PAGE, NULL), 0);
	ck_assert_int_eq(pasid_as_iova_check(as, 1ULL << 50, FX_PAGE, a),
			 -EADDRINUSE);
	ck_assert_errmsg("48-bit input addresses");
	ck_assert_int_eq(pasid_map(as, buf, FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &iova), 0);
	ck_assert_int_eq(pasid_attach_rid(a, as, 0), -EADDRINUSE);
}
END_TEST

/* What sysfs says of the reserved regions is read, not trusted: lines that
 * are no region are skipped, direct-relaxable regions do not count (the
 * kernel does not reserve them at an iommufd attach). */
static void write_resv(int group, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/kernel/iommu_groups/%d/reserved_regions",
		 emu_sysfs_root(), group);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(t_check_resv_untrusted)
{
	struct pasid_devinfo info = { .size = sizeof(info) };
	struct pasid_dev *a = fx_dev(BDF_A, EMU_IOMMU_INTEL, 0, NULL);
	struct pasid_as *as = fx_as();

	ck_assert_int_eq(pasid_devinfo_get(BDF_A, &info), 0);
	write_resv(info.iommu_group,
		   "garbage\n0x2000 0x1000 msi\n\n0xzz 0x1 msi\n"
		   "0x0000000000300000 0x00000000003fffff direct-relaxable\n"
		   "0x0000000000500000 0x00000000005fffff direct\n");
	ck_assert_int_eq(pasid_as_iova_check(as, 0x1000, FX_PAGE, a), 0);
	ck_assert_int_eq(pasid_as_iova_check(as, 0x300000, FX_PAGE, a), 0);
	ck_assert_int_eq(pasid_as_iova_check(as, MSI, FX_PAGE, a), 0);
	ck_assert_int_eq(pasid_as_iova_check(as, 0x5ff000, 0x2000, a),
			 -EADDRINUSE);
	ck_assert_errmsg("(direct)");
	write_resv(info.iommu_group, "");
	ck_assert_int_eq(pasid_as_iova_check(as, 0x5ff000, 0x2000, a), 0);
}
END_TEST

/* ---- the window ---- */

static void maps_stay_in(struct pasid_as *as, uint64_t start, uint64_t last)
{
	unsigned int i;

	for (i = 1; i <= 8; i++) {
		uint64_t iova = fx_map(as, i, PASID_MAP_RW, NULL);

		ck_assert_uint_ge(iova, start);
		ck_assert_uint_le(iova + i * FX_PAGE - 1, last);
	}
}

START_TEST(t_window)
{
	int ia;
	struct pasid_dev *a = fx_dev(BDF_A, EMU_IOMMU_INTEL, 0, &ia);
	struct pasid_as *as = fx_as();
	uint64_t low, iova;
	void *buf;

	ck_assert_int_eq(pasid_attach_rid(a, as, 0), 0);
	low = fx_map(as, 1, PASID_MAP_RW, NULL);
	ck_assert_uint_lt(low, WIN_START);
	ck_assert_int_eq(pasid_as_set_iova_window(as, WIN_START, WIN_LAST), 0);
	maps_stay_in(as, WIN_START, WIN_LAST);
	/* DMA through a chosen IOVA in the window lands */
	iova = fx_map(as, 1, PASID_MAP_RW, &buf);
	fx_dma_check(ia, 0, iova, buf);
	/* the mapping made before stays where it was */
	ck_assert_int_eq(emu_ioas_translate(pasid_as_ioas_id(as), low, &buf), 0);
	/* a fixed IOVA may still lie outside */
	iova = 0x10000000;
	ck_assert_int_eq(pasid_map(as, fx_buf(1), FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &iova), 0);
	/* removing it: chosen IOVAs go low again */
	ck_assert_int_eq(pasid_as_set_iova_window(as, 0, UINT64_MAX), 0);
	ck_assert_uint_lt(fx_map(as, 1, PASID_MAP_RW, NULL), WIN_START);
	/* a window of nothing usable, and bad windows */
	ck_assert_int_eq(pasid_as_set_iova_window(as, MSI, MSI + 0xfffff),
			 -ERANGE);
	ck_assert_errmsg("no usable IOVA is inside");
	ck_assert_int_eq(pasid_as_set_iova_window(as, 0x2000, 0x1fff), -EINVAL);
	ck_assert_int_eq(pasid_as_set_iova_window(as, 0x800, 0x1fff), -EINVAL);
	ck_assert_int_eq(pasid_as_set_iova_window(as, 0, 0x1ffe), -EINVAL);
	ck_assert_errmsg("no window of whole pages");
	ck_assert_int_eq(pasid_as_set_iova_window(NULL, 0, 0xfff), -EINVAL);
	/* a window that spans the MSI window: set after the attach, its
	 * usable part is allowed, and the maps avoid the hole */
	ck_assert_int_eq(pasid_as_set_iova_window(as, MSI - FX_PAGE,
						  MSI + 0x100000 + FX_PAGE - 1),
			 0);
	iova = fx_map(as, 1, PASID_MAP_RW, NULL);
	ck_assert_uint_eq(iova, MSI - FX_PAGE);
	iova = fx_map(as, 1, PASID_MAP_RW, NULL);
	ck_assert_uint_eq(iova, MSI + 0x100000);
	ck_assert_int_eq(pasid_map(as, fx_buf(1), FX_PAGE, PASID_MAP_RW, &iova),
			 -ENOSPC);
}
END_TEST

/* A window set before a RID attach whose reserved region lies inside it:
 * the kernel refuses the attach, as the man page says. */
START_TEST(t_window_then_attach)
{
	struct pasid_dev *a = fx_dev(BDF_A, EMU_IOMMU_INTEL, 0, NULL);
	struct pasid_as *as = fx_as();

	ck_assert_int_eq(pasid_as_set_iova_window(as, 0, 0xffffffff), 0);
	ck_assert_int_eq(pasid_attach_rid(a, as, 0), -EADDRINUSE);
	/* narrowing it below the MSI window lets the device in */
	ck_assert_int_eq(pasid_as_set_iova_window(as, 0, (1ULL << 28) - 1), 0);
	ck_assert_int_eq(pasid_attach_rid(a, as, 0), 0);
	maps_stay_in(as, 0, (1ULL << 28) - 1);
}
END_TEST

/* ---- PASID_MAP_TRY_IOVA ---- */

START_TEST(t_try_iova)
{
	int ia;
	struct pasid_dev *a = fx_dev(BDF_A, EMU_IOMMU_INTEL, 0, &ia);
	struct pasid_as *as = fx_as();
	void *buf = fx_buf(2), *other = fx_buf(1), *va;
	uint64_t iova = 0x300000, busy;

	ck_assert_int_eq(pasid_attach_rid(a, as, 0), 0);
	/* usable: that IOVA */
	ck_assert_int_eq(pasid_map(as, buf, 2 * FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_TRY_IOVA, &iova), 0);
	ck_assert_uint_eq(iova, 0x300000);
	ck_assert_noerrmsg();
	/* taken: another, and DMA there lands in the buffer */
	busy = 0x301000;
	ck_assert_int_eq(pasid_map(as, other, FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_TRY_IOVA, &busy), 0);
	ck_assert_uint_ne(busy, 0x301000);
	ck_assert_noerrmsg();
	fx_dma_check(ia, 0, busy, other);
	ck_assert_int_eq(pasid_as_iova_to_va(as, busy, &va), 0);
	ck_assert_ptr_eq(va, other);
	/* reserved, misaligned: another */
	iova = MSI;
	ck_assert_int_eq(pasid_map(as, fx_buf(1), FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_TRY_IOVA, &iova), 0);
	ck_assert_uint_ne(iova, MSI);
	iova = 0x500123;
	ck_assert_int_eq(pasid_map(as, fx_buf(1), FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_TRY_IOVA, &iova), 0);
	ck_assert_uint_eq(iova % FX_PAGE, 0);
	/* outside the window: one inside */
	ck_assert_int_eq(pasid_as_set_iova_window(as, WIN_START, WIN_LAST), 0);
	iova = 0x600000;
	ck_assert_int_eq(pasid_map(as, fx_buf(1), FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_TRY_IOVA, &iova), 0);
	ck_assert_uint_ge(iova, WIN_START);
	iova = WIN_START + 0x100000;
	ck_assert_int_eq(pasid_map(as, fx_buf(1), FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_TRY_IOVA, &iova), 0);
	ck_assert_uint_eq(iova, WIN_START + 0x100000);
	/* with FIXED: refused, nothing mapped */
	ck_assert_int_eq(pasid_map(as, fx_buf(1), FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_TRY_IOVA |
				   PASID_MAP_FIXED_IOVA, &iova), -EINVAL);
	ck_assert_errmsg("exclude each other");
	/* a failure that is not about the IOVA is the call's */
	iova = 0x700000;
	emu_fail_call(1, ENOMEM);
	ck_assert_int_eq(pasid_map(as, fx_buf(1), FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_TRY_IOVA, &iova),
			 -ENOMEM);
}
END_TEST

/* The top page of the IOVA space (an address space without a device has
 * all of it): checked, mapped at it, found and unmapped there; a wish that
 * would wrap gets a chosen IOVA instead. */
START_TEST(t_top_page)
{
	struct pasid_as *as = fx_as();
	const uint64_t top = UINT64_MAX - FX_PAGE + 1;
	uint64_t iova = top, wrap = top;
	void *buf = fx_buf(1), *va;

	ck_assert_int_eq(pasid_as_iova_check(as, top, FX_PAGE, NULL), 0);
	ck_assert_int_eq(pasid_map(as, buf, FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &iova), 0);
	ck_assert_int_eq(pasid_as_iova_to_va(as, UINT64_MAX, &va), 0);
	ck_assert_ptr_eq(va, (char *)buf + FX_PAGE - 1);
	ck_assert_int_eq(pasid_unmap(as, top, FX_PAGE), 0);
	ck_assert_int_eq(pasid_map(as, fx_buf(2), 2 * FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &wrap),
			 -EOVERFLOW);
	ck_assert_int_eq(pasid_map(as, fx_buf(2), 2 * FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_TRY_IOVA, &wrap), 0);
	ck_assert_uint_ne(wrap, top);
	ck_assert_int_eq(pasid_unmap(as, top, 2 * FX_PAGE), -EOVERFLOW);
}
END_TEST

START_TEST(t_try_iova_file_copy)
{
	struct pasid_as *as = fx_as(), *as2 = fx_as();
	int memfd = memfd_create("appmem", MFD_CLOEXEC);
	uint64_t iova = 0x300000, dst = 0x300000;

	ck_assert_int_ge(memfd, 0);
	ck_assert_int_eq(ftruncate(memfd, FX_PAGE), 0);
	ck_assert_int_eq(pasid_map_file(as, memfd, 0, FX_PAGE,
					PASID_MAP_RW | PASID_MAP_TRY_IOVA,
					&iova), 0);
	ck_assert_uint_eq(iova, 0x300000);
	ck_assert_int_eq(pasid_map(as2, fx_buf(1), FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &dst), 0);
	/* taken in as2 by that map: another */
	ck_assert_int_eq(pasid_copy(as2, as, iova, FX_PAGE,
				    PASID_MAP_RW | PASID_MAP_TRY_IOVA, &dst), 0);
	ck_assert_uint_ne(dst, 0x300000);
	/* free: that one */
	dst = 0x900000;
	ck_assert_int_eq(pasid_copy(as2, as, iova, FX_PAGE,
				    PASID_MAP_RW | PASID_MAP_TRY_IOVA, &dst), 0);
	ck_assert_uint_eq(dst, 0x900000);
	close(memfd);
}
END_TEST

/* ---- page sizes ---- */

START_TEST(t_page_sizes)
{
	struct pasid_dev *a = fx_dev(BDF_A, EMU_IOMMU_INTEL, 0, NULL);
	struct pasid_as *as = fx_as();
	uint64_t pg = 0;

	ck_assert_int_eq(pasid_as_page_sizes(as, &pg), 0);
	ck_assert_uint_eq(pg, ~(uint64_t)(FX_PAGE - 1));
	ck_assert_int_eq(pasid_attach_rid(a, as, 0), 0);
	ck_assert_int_eq(pasid_as_page_sizes(as, &pg), 0);
	ck_assert_uint_eq(pg, ~(uint64_t)(FX_PAGE - 1));
	ck_assert_int_eq(pasid_as_page_sizes(as, NULL), -EINVAL);
	ck_assert_int_eq(pasid_as_page_sizes(NULL, &pg), -EINVAL);
	emu_fail_call(1, EIO);
	ck_assert_int_eq(pasid_as_page_sizes(as, &pg), -EIO);
	ck_assert_errmsg("IOMMU_IOAS_IOVA_RANGES");
}
END_TEST

/* ---- lookups ---- */

START_TEST(t_lookups)
{
	int ia;
	struct pasid_dev *a = fx_dev(BDF_A, EMU_IOMMU_INTEL, 0, &ia);
	struct pasid_as *as = fx_as(), *as2 = fx_as();
	int memfd = memfd_create("appmem", MFD_CLOEXEC);
	uint8_t *buf;
	uint64_t iova, again = 0x800000, file = 0, copy = 0, got;
	void *va;
	uint8_t byte;

	ck_assert_int_eq(pasid_attach_rid(a, as, 0), 0);
	iova = fx_map(as, 3, PASID_MAP_RW, (void **)&buf);
	/* inside a mapping: the offset kept, and DMA there hits that byte */
	ck_assert_int_eq(pasid_as_va_to_iova(as, buf + FX_PAGE + 5, &got), 0);
	ck_assert_uint_eq(got, iova + FX_PAGE + 5);
	byte = 0x5a;
	ck_assert_int_eq(emu_dma_write(ia, 0, got, &byte, 1), 0);
	ck_assert_uint_eq(buf[FX_PAGE + 5], 0x5a);
	ck_assert_int_eq(pasid_as_iova_to_va(as, iova + 2 * FX_PAGE + 7, &va),
			 0);
	ck_assert_ptr_eq(va, buf + 2 * FX_PAGE + 7);
	/* the edges */
	ck_assert_int_eq(pasid_as_va_to_iova(as, buf + 3 * FX_PAGE, &got),
			 -ENOENT);
	ck_assert_errmsg("in no pasid_map mapping");
	ck_assert_int_eq(pasid_as_va_to_iova(as, buf - 1, &got), -ENOENT);
	ck_assert_int_eq(pasid_as_iova_to_va(as, iova + 3 * FX_PAGE, &va),
			 -ENOENT);
	ck_assert_errmsg("nothing is mapped at IOVA");
	/* the same memory twice: the lowest IOVA */
	ck_assert_int_eq(pasid_map(as, buf, FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &again),
			 0);
	ck_assert_int_eq(pasid_as_va_to_iova(as, buf + 1, &got), 0);
	ck_assert_uint_eq(got, (iova < again ? iova : again) + 1);
	ck_assert_int_eq(pasid_as_iova_to_va(as, again + 9, &va), 0);
	ck_assert_ptr_eq(va, buf + 9);
	/* files and copies have no process address */
	ck_assert_int_ge(memfd, 0);
	ck_assert_int_eq(ftruncate(memfd, FX_PAGE), 0);
	ck_assert_int_eq(pasid_map_file(as, memfd, 0, FX_PAGE, PASID_MAP_RW,
					&file), 0);
	ck_assert_int_eq(pasid_as_iova_to_va(as, file, &va), -ENXIO);
	ck_assert_errmsg("no process address");
	ck_assert_int_eq(pasid_copy(as2, as, iova, FX_PAGE, PASID_MAP_RW,
				    &copy), 0);
	ck_assert_int_eq(pasid_as_iova_to_va(as2, copy, &va), -ENXIO);
	ck_assert_int_eq(pasid_as_va_to_iova(as2, buf, &got), -ENOENT);
	/* after an unmap, gone */
	ck_assert_int_eq(pasid_unmap(as, iova, 3 * FX_PAGE), 0);
	ck_assert_int_eq(pasid_as_va_to_iova(as, buf + FX_PAGE, &got), -ENOENT);
	ck_assert_int_eq(pasid_as_va_to_iova(as, buf, &got), 0);
	ck_assert_uint_eq(got, again);
	/* bad input */
	ck_assert_int_eq(pasid_as_va_to_iova(NULL, buf, &got), -EINVAL);
	ck_assert_int_eq(pasid_as_va_to_iova(as, buf, NULL), -EINVAL);
	ck_assert_int_eq(pasid_as_va_to_iova(as, NULL, &got), -ENOENT);
	ck_assert_int_eq(pasid_as_iova_to_va(as, 0, NULL), -EINVAL);
	ck_assert_int_eq(pasid_as_iova_to_va(NULL, 0, &va), -EINVAL);
	close(memfd);
}
END_TEST

/* ---- unmap by process address ---- */

START_TEST(t_unmap_va)
{
	struct pasid_as *as = fx_as();
	uint8_t *buf = fx_buf(4);
	uint64_t at[3] = { 0x100000, 0x300000, 0x200000 }, iova, got;
	unsigned int i;
	struct fx_state before;
	void *va;

	/* three pages mapped one by one, IOVAs out of order, and a fourth
	 * page outside the range */
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(pasid_map(as, buf + i * FX_PAGE, FX_PAGE,
					   PASID_MAP_RW | PASID_MAP_FIXED_IOVA,
					   &at[i]), 0);
	iova = 0x400000;
	ck_assert_int_eq(pasid_map(as, buf + 3 * FX_PAGE, FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &iova),
			 0);
	ck_assert_uint_eq(emu_mapped_bytes(), 4 * FX_PAGE);
	/* the kernel refuses: everything stays, in the record too */
	before = fx_state();
	emu_fail_call(1, EIO);
	ck_assert_int_eq(pasid_unmap_va(as, buf, 3 * FX_PAGE), -EIO);
	ck_assert_state_eq(fx_state(), before);
	ck_assert_int_eq(pasid_as_va_to_iova(as, buf, &got), 0);
	ck_assert_uint_eq(got, at[0]);
	ck_assert_int_eq(pasid_unmap_va(as, buf, 3 * FX_PAGE), 0);
	ck_assert_uint_eq(emu_mapped_bytes(), FX_PAGE);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(pasid_as_iova_to_va(as, at[i], &va), -ENOENT);
	ck_assert_int_eq(pasid_unmap_va(as, buf, 3 * FX_PAGE), -ENOENT);
	ck_assert_errmsg("no memory in");
	/* a mapping of two pages cannot be cut */
	iova = 0x500000;
	ck_assert_int_eq(pasid_map(as, buf, 2 * FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &iova),
			 0);
	ck_assert_int_eq(pasid_unmap_va(as, buf, FX_PAGE), -ENOENT);
	ck_assert_errmsg("would cut");
	ck_assert_int_eq(pasid_unmap_va(as, buf + FX_PAGE, 3 * FX_PAGE),
			 -ENOENT);
	ck_assert_errmsg("would cut");
	ck_assert_uint_eq(emu_mapped_bytes(), 3 * FX_PAGE);
	ck_assert_int_eq(pasid_unmap_va(as, buf, 4 * FX_PAGE), 0);
	ck_assert_uint_eq(emu_mapped_bytes(), 0);
	/* bad input */
	ck_assert_int_eq(pasid_unmap_va(as, buf, 0), -EINVAL);
	ck_assert_int_eq(pasid_unmap_va(as, NULL, FX_PAGE), -EINVAL);
	ck_assert_int_eq(pasid_unmap_va(as, (void *)(uintptr_t)-4096, 8192),
			 -EINVAL);
	ck_assert_int_eq(pasid_unmap_va(NULL, buf, FX_PAGE), -EINVAL);
}
END_TEST

/* ---- the same on VFIO type1, where the library picks the IOVAs ---- */

static void setup_type1(void)
{
	fx_setup_noctx();
	ck_assert_int_eq(emu_set_profile(EMU_PROFILE_TYPE1), 0);
	ck_assert_int_eq(fx_add(BDF_A, EMU_IOMMU_INTEL, 0), 0);
	ck_assert_int_eq(fx_add(BDF_B, EMU_IOMMU_INTEL, 0), 1);
	unsetenv("LIBPASID_BACKEND");
	ck_assert_int_eq(pasid_ctx_open(&fx.ctx, NULL), 0);
}

START_TEST(t1_all)
{
	struct pasid_dev *a = fx_open(BDF_A), *b = fx_open(BDF_B);
	struct pasid_as *as = fx_as();
	uint64_t pg, iova, got;
	uint8_t *buf;
	void *va;

	/* no IOMMU yet: sizes from the page up, everything usable */
	ck_assert_int_eq(pasid_as_page_sizes(as, &pg), 0);
	ck_assert_uint_eq(pg, ~(uint64_t)(FX_PAGE - 1));
	ck_assert_int_eq(pasid_as_iova_check(as, MSI, FX_PAGE, NULL), 0);
	ck_assert_int_eq(pasid_as_iova_check(as, MSI, FX_PAGE, a), -EADDRINUSE);
	ck_assert_int_eq(pasid_attach_rid(a, as, 0), 0);
	/* the IOMMU's own sizes, as VFIO_IOMMU_GET_INFO gives them */
	ck_assert_int_eq(pasid_as_page_sizes(as, &pg), 1);
	ck_assert_uint_eq(pg, 0x40201000ULL);
	ck_assert_int_eq(pasid_as_iova_check(as, MSI, FX_PAGE, NULL), -ERANGE);
	ck_assert_int_eq(pasid_as_iova_check(as, LOW, FX_PAGE, b), 0);
	/* the library's allocator keeps to the window */
	ck_assert_int_eq(pasid_as_set_iova_window(as, WIN_START, WIN_LAST), 0);
	maps_stay_in(as, WIN_START, WIN_LAST);
	ck_assert_int_eq(pasid_as_set_iova_window(as, MSI, MSI + 0xfffff),
			 -ERANGE);
	iova = fx_map(as, 2, PASID_MAP_RW, (void **)&buf);
	ck_assert_int_eq(pasid_as_iova_check(as, iova, FX_PAGE, NULL), -EEXIST);
	/* TRY: taken, so another inside the window; free, so that one */
	got = iova;
	ck_assert_int_eq(pasid_map(as, fx_buf(1), FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_TRY_IOVA, &got), 0);
	ck_assert_uint_ne(got, iova);
	ck_assert_uint_ge(got, WIN_START);
	got = WIN_LAST + 1 - FX_PAGE;
	ck_assert_int_eq(pasid_map(as, fx_buf(1), FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_TRY_IOVA, &got), 0);
	ck_assert_uint_eq(got, WIN_LAST + 1 - FX_PAGE);
	/* lookups and unmap by address */
	ck_assert_int_eq(pasid_as_va_to_iova(as, buf + FX_PAGE + 3, &got), 0);
	ck_assert_uint_eq(got, iova + FX_PAGE + 3);
	ck_assert_int_eq(pasid_as_iova_to_va(as, iova + 1, &va), 0);
	ck_assert_ptr_eq(va, buf + 1);
	ck_assert_int_eq(pasid_unmap_va(as, buf, FX_PAGE), -ENOENT);
	ck_assert_int_eq(pasid_unmap_va(as, buf, 2 * FX_PAGE), 0);
	ck_assert_int_eq(pasid_as_iova_to_va(as, iova, &va), -ENOENT);
	ck_assert_int_eq(emu_t1_dma_entries(0), 10);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("appmem");
	TCase *tc = tcase_create("iommufd");
	TCase *t1 = tcase_create("type1");

	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, t_check_rules);
	tcase_add_test(tc, t_top_page);
	tcase_add_test(tc, t_check_rid_later);
	tcase_add_test(tc, t_check_fresh);
	tcase_add_test(tc, t_check_resv_untrusted);
	tcase_add_test(tc, t_window);
	tcase_add_test(tc, t_window_then_attach);
	tcase_add_test(tc, t_try_iova);
	tcase_add_test(tc, t_try_iova_file_copy);
	tcase_add_test(tc, t_page_sizes);
	tcase_add_test(tc, t_lookups);
	tcase_add_test(tc, t_unmap_va);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(t1, setup_type1, fx_teardown);
	tcase_add_test(t1, t1_all);
	suite_add_tcase(s, t1);
	return s;
}

int main(void)
{
	return fx_run(suite());
}
