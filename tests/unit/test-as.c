/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Address spaces and mappings: pasid_as_new/free, IOVA ranges, pasid_map,
 * pasid_map_file, pasid_unmap and pasid_copy, their argument checks and the
 * kernel's refusals, checked through DMA of an emulated device.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fixture.h"
#include "internal.h"
#include "kabi.h"
#include "sys.h"

#define BDF "0000:00:04.0"
#define IOVA 0x100000ULL
#define FIXED_RW (PASID_MAP_RW | PASID_MAP_FIXED_IOVA)

/* ---- life cycle ---- */

START_TEST(as_new_free)
{
	struct pasid_as *a, *b;

	a = fx_as();
	ck_assert_noerrmsg();
	b = fx_as();
	ck_assert_uint_ne(pasid_as_ioas_id(a), 0);
	ck_assert_uint_ne(pasid_as_ioas_id(a), pasid_as_ioas_id(b));
	ck_assert_uint_eq(emu_live_objects(), 2);
	pasid_as_free(a);
	ck_assert_uint_eq(emu_live_objects(), 1);
	pasid_as_free(b);
	ck_assert_uint_eq(emu_live_objects(), 0);
}
END_TEST

START_TEST(as_bad_args)
{
	struct pasid_as *as = (void *)1;

	ck_assert_int_eq(pasid_as_new(NULL, &as), -EINVAL);
	ck_assert_errmsg("must not be NULL");
	ck_assert_int_eq(pasid_as_new(fx.ctx, NULL), -EINVAL);
	ck_assert_uint_eq(pasid_as_ioas_id(NULL), 0);
	pasid_as_free(NULL);
	emu_fail_call(1, ENOMEM);
	ck_assert_int_eq(pasid_as_new(fx.ctx, &as), -ENOMEM);
	ck_assert_ptr_null(as);
	ck_assert_errmsg("IOMMU_IOAS_ALLOC");
	ck_assert_uint_eq(emu_live_objects(), 0);
}
END_TEST

/* Freeing an address space unmaps and unpins everything in it. */
START_TEST(as_free_with_mappings)
{
	struct pasid_as *as = fx_as();

	fx_map(as, 4, PASID_MAP_RW, NULL);
	fx_map(as, 1, PASID_MAP_READ, NULL);
	ck_assert_uint_eq(emu_mapped_bytes(), 5 * FX_PAGE);
	pasid_as_free(as);
	ck_assert_uint_eq(emu_mapped_bytes(), 0);
	ck_assert_uint_eq(emu_live_objects(), 0);
}
END_TEST

/* ---- IOVA ranges ---- */

START_TEST(iova_ranges_empty_as)
{
	struct pasid_iova_range r[4];
	struct pasid_as *as = fx_as();
	uint64_t align = 0;

	memset(r, 0, sizeof(r));
	ck_assert_int_eq(pasid_as_iova_ranges(as, r, 4, &align), 1);
	ck_assert_noerrmsg();
	ck_assert_uint_eq(r[0].start, 0);
	ck_assert_uint_eq(r[0].last, UINT64_MAX);
	ck_assert_uint_eq(align, 1);
}
END_TEST

/* An attached device cuts out its MSI window and limits the aperture, and
 * the page size becomes the alignment. */
START_TEST(iova_ranges_with_device)
{
	struct pasid_iova_range r[4];
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, NULL);
	struct pasid_as *as = fx_as();
	uint64_t align = 0;
	unsigned int i;

	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	memset(r, 0xa5, sizeof(r));
	ck_assert_int_eq(pasid_as_iova_ranges(as, r, 4, &align), 2);
	ck_assert_uint_eq(align, FX_PAGE);
	ck_assert_uint_eq(r[0].start, 0);
	ck_assert_uint_eq(r[0].last, 0xfedfffffULL);
	ck_assert_uint_eq(r[1].start, 0xfef00000ULL);
	ck_assert_uint_eq(r[1].last, (1ULL << 48) - 1);
	for (i = 2; i < 4; i++)
		ck_assert_uint_eq(r[i].start, 0xa5a5a5a5a5a5a5a5ULL);

	/* a smaller array: the count of all, only n written */
	memset(r, 0xa5, sizeof(r));
	ck_assert_int_eq(pasid_as_iova_ranges(as, r, 1, NULL), 2);
	ck_assert_uint_eq(r[0].last, 0xfedfffffULL);
	ck_assert_uint_eq(r[1].start, 0xa5a5a5a5a5a5a5a5ULL);
	/* just the count */
	ck_assert_int_eq(pasid_as_iova_ranges(as, NULL, 0, NULL), 2);

	/* detached: the MSI window is free again; the idle page table (kept
	 * for the next attach) still limits the space to its aperture */
	ck_assert_int_eq(pasid_detach_rid(dev), 0);
	ck_assert_int_eq(pasid_as_iova_ranges(as, r, 4, &align), 1);
	ck_assert_uint_eq(r[0].last, (1ULL << 48) - 1);
	ck_assert_uint_eq(align, 4096);
}
END_TEST

START_TEST(iova_ranges_bad)
{
	struct pasid_as *as = fx_as();
	struct pasid_iova_range r;

	ck_assert_int_eq(pasid_as_iova_ranges(NULL, &r, 1, NULL), -EINVAL);
	ck_assert_int_eq(pasid_as_iova_ranges(as, NULL, 1, NULL), -EINVAL);
	ck_assert_errmsg("ranges");
	emu_fail_call(1, EFAULT);
	ck_assert_int_eq(pasid_as_iova_ranges(as, &r, 1, NULL), -EFAULT);
	ck_assert_errmsg("IOMMU_IOAS_IOVA_RANGES");
	emu_fail_call(2, ENOMEM);
	ck_assert_int_eq(pasid_as_iova_ranges(as, &r, 1, NULL), -ENOMEM);
}
END_TEST

/* ---- map ---- */

START_TEST(map_auto_iova)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, &index);
	struct pasid_as *as = fx_as();
	uint64_t iova1, iova2;
	void *buf1, *buf2, *va;

	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	iova1 = fx_map(as, 2, PASID_MAP_RW, &buf1);
	ck_assert_noerrmsg();
	iova2 = fx_map(as, 1, PASID_MAP_RW, &buf2);
	ck_assert_uint_eq(iova1 % FX_PAGE, 0);
	ck_assert_uint_eq(iova2 % FX_PAGE, 0);
	ck_assert(iova2 >= iova1 + 2 * FX_PAGE || iova2 + FX_PAGE <= iova1);
	ck_assert_uint_eq(emu_mapped_bytes(), 3 * FX_PAGE);
	ck_assert_int_eq(emu_ioas_translate(pasid_as_ioas_id(as),
					    iova1 + FX_PAGE, &va), 0);
	ck_assert_ptr_eq(va, (char *)buf1 + FX_PAGE);
	fx_dma_check(index, 0, iova1, buf1);
	fx_dma_check(index, 0, iova1 + FX_PAGE, (char *)buf1 + FX_PAGE);
	fx_dma_check(index, 0, iova2, buf2);
}
END_TEST

START_TEST(map_fixed)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, &index);
	struct pasid_as *as = fx_as();
	void *buf = fx_buf(2);
	uint64_t iova = IOVA;

	ck_assert_int_eq(pasid_map(as, buf, 2 * FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &iova), 0);
	ck_assert_uint_eq(iova, IOVA);
	ck_assert_int_eq(pasid_bind(dev, as, 5), 5);
	fx_dma_check(index, 5, IOVA + FX_PAGE, (char *)buf + FX_PAGE);
}
END_TEST

/* A mapping made after the device attached is visible to it at once. */
START_TEST(map_after_attach)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 0, &index);
	struct pasid_as *as = fx_as();
	uint64_t iova;
	void *buf;

	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	ck_assert_int_eq(emu_dma_write(index, 0, IOVA, "x", 1), -EFAULT);
	iova = fx_map(as, 1, PASID_MAP_RW, &buf);
	fx_dma_check(index, 0, iova, buf);
	ck_assert_int_eq(pasid_unmap(as, iova, FX_PAGE), 0);
	ck_assert_int_eq(emu_dma_write(index, 0, iova, "x", 1), -EFAULT);
}
END_TEST

/* The device's permissions are what the flags say. */
START_TEST(map_permissions)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, &index);
	struct pasid_as *as = fx_as();
	uint64_t ro, wo;
	char c = 'x';

	ck_assert_int_eq(pasid_bind(dev, as, 1), 1);
	ro = fx_map(as, 1, PASID_MAP_READ, NULL);
	wo = fx_map(as, 1, PASID_MAP_WRITE, NULL);
	ck_assert_int_eq(emu_dma_read(index, 1, ro, &c, 1), 0);
	ck_assert_int_eq(emu_dma_write(index, 1, ro, &c, 1), -EPERM);
	ck_assert_int_eq(emu_dma_write(index, 1, wo, &c, 1), 0);
	ck_assert_int_eq(emu_dma_read(index, 1, wo, &c, 1), -EPERM);
}
END_TEST

/* Arguments the library refuses before the kernel is asked. */
START_TEST(map_bad_args)
{
	struct pasid_as *as = fx_as();
	void *buf = fx_buf(2);
	uint64_t iova = IOVA;
	const unsigned int fixed = PASID_MAP_RW | PASID_MAP_FIXED_IOVA;
	unsigned int calls = emu_calls();

	ck_assert_int_eq(pasid_map(NULL, buf, FX_PAGE, PASID_MAP_RW, &iova),
			 -EINVAL);
	ck_assert_int_eq(pasid_map(as, buf, FX_PAGE, PASID_MAP_RW, NULL),
			 -EINVAL);
	ck_assert_errmsg("iova");
	ck_assert_int_eq(pasid_map(as, NULL, FX_PAGE, PASID_MAP_RW, &iova),
			 -EINVAL);
	ck_assert_errmsg("page aligned");
	ck_assert_int_eq(pasid_map(as, buf, FX_PAGE, 0, &iova), -EINVAL);
	ck_assert_errmsg("PASID_MAP_READ");
	ck_assert_int_eq(pasid_map(as, buf, FX_PAGE, PASID_MAP_FIXED_IOVA,
				   &iova), -EINVAL);
	ck_assert_int_eq(pasid_map(as, buf, FX_PAGE, PASID_MAP_RW | 0x100,
				   &iova), -EINVAL);
	ck_assert_errmsg("unknown flags 0x100");
	ck_assert_int_eq(pasid_map(as, buf, 0, PASID_MAP_RW, &iova), -EINVAL);
	ck_assert_errmsg("length is 0");
	ck_assert_int_eq(pasid_map(as, buf, 100, PASID_MAP_RW, &iova), -EINVAL);
	ck_assert_errmsg("page size");
	ck_assert_int_eq(pasid_map(as, buf, FX_PAGE + 1, PASID_MAP_RW, &iova),
			 -EINVAL);
	ck_assert_int_eq(pasid_map(as, (char *)buf + 16, FX_PAGE, PASID_MAP_RW,
				   &iova), -EINVAL);
	ck_assert_errmsg("not page aligned");
	iova = IOVA + 512;
	ck_assert_int_eq(pasid_map(as, buf, FX_PAGE, fixed, &iova), -EINVAL);
	ck_assert_errmsg("IOVA 0x100200");
	ck_assert_uint_eq(iova, IOVA + 512);
	iova = UINT64_MAX - FX_PAGE + 1;	/* the last page */
	ck_assert_int_eq(pasid_map(as, buf, 2 * FX_PAGE, fixed, &iova),
			 -EOVERFLOW);
	ck_assert_errmsg("wraps");
	/* none of these reached the kernel, none mapped anything */
	ck_assert_uint_eq(emu_calls(), calls);
	ck_assert_uint_eq(emu_mapped_bytes(), 0);
	/* a process range that wraps (lengths are uint64_t): the kernel's
	 * EOVERFLOW, said as a bad range of memory */
	ck_assert_int_eq(pasid_map(as, (void *)(UINTPTR_MAX - FX_PAGE + 1),
				   2 * FX_PAGE, PASID_MAP_RW, &iova), -EINVAL);
	ck_assert_errmsg("no range of process memory");
	ck_assert_uint_eq(emu_mapped_bytes(), 0);
}
END_TEST

/* A fixed IOVA on top of a mapping: EEXIST, the old mapping unharmed. */
START_TEST(map_fixed_overlap)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, &index);
	struct pasid_as *as = fx_as();
	const unsigned int fixed = PASID_MAP_RW | PASID_MAP_FIXED_IOVA;
	void *a = fx_buf(2), *b = fx_buf(2);
	uint64_t iova = IOVA;

	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	ck_assert_int_eq(pasid_map(as, a, 2 * FX_PAGE, fixed, &iova), 0);
	iova = IOVA + FX_PAGE;
	ck_assert_int_eq(pasid_map(as, b, 2 * FX_PAGE, fixed, &iova), -EEXIST);
	ck_assert_errmsg("overlaps");
	ck_assert_errmsg("EEXIST");
	iova = IOVA - FX_PAGE;
	ck_assert_int_eq(pasid_map(as, b, 2 * FX_PAGE, fixed, &iova), -EEXIST);
	ck_assert_uint_eq(emu_mapped_bytes(), 2 * FX_PAGE);
	fx_dma_check(index, 0, IOVA + FX_PAGE, (char *)a + FX_PAGE);
	/* right next to it is fine */
	iova = IOVA + 2 * FX_PAGE;
	ck_assert_int_eq(pasid_map(as, b, 2 * FX_PAGE, fixed, &iova), 0);
	fx_dma_check(index, 0, IOVA + 2 * FX_PAGE, b);
}
END_TEST

/* The kernel's refusals come back with what to do about them, and record
 * nothing: the same IOVA can be mapped afterwards. */
START_TEST(map_kernel_errors)
{
	const unsigned int fixed = PASID_MAP_RW | PASID_MAP_FIXED_IOVA;
	struct pasid_as *as = fx_as();
	void *buf = fx_buf(1);
	uint64_t iova = IOVA;

	emu_fail_call(1, ENOMEM);
	ck_assert_int_eq(pasid_map(as, buf, FX_PAGE, fixed, &iova), -ENOMEM);
	ck_assert_errmsg("RLIMIT_MEMLOCK");
	emu_fail_call(1, ENOSPC);
	ck_assert_int_eq(pasid_map(as, buf, FX_PAGE, PASID_MAP_RW, &iova),
			 -ENOSPC);
	ck_assert_errmsg("no free IOVA");
	ck_assert_uint_eq(iova, IOVA);	/* untouched on failure */
	ck_assert_int_eq(pasid_unmap(as, IOVA, FX_PAGE), -ENOENT);
	ck_assert_int_eq(pasid_map(as, buf, FX_PAGE, fixed, &iova), 0);
	ck_assert_uint_eq(emu_mapped_bytes(), FX_PAGE);
}
END_TEST

/* Mapping read-only memory for device writes with a device attached: the
 * kernel (7.3.4, measured) answers EFAULT, and the message names the
 * likely cause and the fix. */
START_TEST(map_readonly_memory)
{
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, NULL);
	struct pasid_as *as = fx_as();
	void *ro = fx_buf(1);
	uint64_t iova;

	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	ck_assert_int_eq(mprotect(ro, FX_PAGE, PROT_READ), 0);
	ck_assert_int_eq(pasid_map(as, ro, FX_PAGE, PASID_MAP_RW, &iova),
			 -EFAULT);
	ck_assert_errmsg("read-only memory");
	ck_assert_errmsg("map it PASID_MAP_READ only");
	ck_assert_uint_eq(emu_mapped_bytes(), 0);
	ck_assert_int_eq(pasid_map(as, ro, FX_PAGE, PASID_MAP_READ, &iova), 0);
}
END_TEST

/* A fixed mapping over the device's MSI window is refused. */
START_TEST(map_reserved)
{
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, NULL);
	struct pasid_as *as = fx_as();
	uint64_t iova = 0xfee00000ULL;

	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	ck_assert_int_eq(pasid_map(as, fx_buf(1), FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &iova),
			 -EINVAL);
	ck_assert_errmsg("reserved region");
}
END_TEST

/* ---- unmap ---- */

START_TEST(unmap)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 0, &index);
	struct pasid_as *as = fx_as();
	uint64_t a, b;

	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	a = fx_map(as, 2, PASID_MAP_RW, NULL);
	b = fx_map(as, 1, PASID_MAP_RW, NULL);
	ck_assert_int_eq(pasid_unmap(as, a, 2 * FX_PAGE), 0);
	ck_assert_noerrmsg();
	ck_assert_uint_eq(emu_mapped_bytes(), FX_PAGE);
	ck_assert_int_eq(emu_dma_write(index, 0, a, "x", 1), -EFAULT);
	/* double unmap */
	ck_assert_int_eq(pasid_unmap(as, a, 2 * FX_PAGE), -ENOENT);
	ck_assert_errmsg("nothing is mapped");
	ck_assert_int_eq(pasid_unmap(as, b, FX_PAGE), 0);
	ck_assert_int_eq(pasid_unmap(as, b, FX_PAGE), -ENOENT);
	ck_assert_uint_eq(emu_mapped_bytes(), 0);
}
END_TEST

/* One unmap may take several whole mappings, with gaps between them. */
START_TEST(unmap_several)
{
	const unsigned int fixed = PASID_MAP_RW | PASID_MAP_FIXED_IOVA;
	struct pasid_as *as = fx_as();
	uint64_t iova;
	int i;

	for (i = 0; i < 3; i++) {
		iova = IOVA + (uint64_t)i * 2 * FX_PAGE;
		ck_assert_int_eq(pasid_map(as, fx_buf(1), FX_PAGE, fixed,
					   &iova), 0);
	}
	ck_assert_int_eq(pasid_unmap(as, IOVA, 6 * FX_PAGE), 0);
	ck_assert_uint_eq(emu_mapped_bytes(), 0);
	for (i = 0; i < 3; i++) {
		iova = IOVA + (uint64_t)i * 2 * FX_PAGE;
		ck_assert_int_eq(pasid_map(as, fx_buf(1), FX_PAGE, fixed,
					   &iova), 0);
	}
	/* only the middle one */
	ck_assert_int_eq(pasid_unmap(as, IOVA + FX_PAGE, 3 * FX_PAGE), 0);
	ck_assert_uint_eq(emu_mapped_bytes(), 2 * FX_PAGE);
}
END_TEST

/* An unmap that would cut a mapping in two is refused and unmaps nothing,
 * not even the whole mappings it also covers. */
START_TEST(unmap_split)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 0, &index);
	const unsigned int fixed = PASID_MAP_RW | PASID_MAP_FIXED_IOVA;
	struct pasid_as *as = fx_as();
	void *a = fx_buf(1), *b = fx_buf(2);
	uint64_t iova;

	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	iova = IOVA;
	ck_assert_int_eq(pasid_map(as, a, FX_PAGE, fixed, &iova), 0);
	iova = IOVA + FX_PAGE;
	ck_assert_int_eq(pasid_map(as, b, 2 * FX_PAGE, fixed, &iova), 0);

	/* the second half of b */
	ck_assert_int_eq(pasid_unmap(as, IOVA + 2 * FX_PAGE, FX_PAGE), -ENOENT);
	ck_assert_errmsg("in two");
	/* a whole and the first half of b */
	ck_assert_int_eq(pasid_unmap(as, IOVA, 2 * FX_PAGE), -ENOENT);
	ck_assert_errmsg("in two");
	/* from the middle of b on */
	ck_assert_int_eq(pasid_unmap(as, IOVA + 2 * FX_PAGE, 10 * FX_PAGE),
			 -ENOENT);
	ck_assert_uint_eq(emu_mapped_bytes(), 3 * FX_PAGE);
	fx_dma_check(index, 0, IOVA, a);
	fx_dma_check(index, 0, IOVA + FX_PAGE, b);
	fx_dma_check(index, 0, IOVA + 2 * FX_PAGE, (char *)b + FX_PAGE);
	ck_assert_int_eq(pasid_unmap(as, IOVA, 3 * FX_PAGE), 0);
	ck_assert_uint_eq(emu_mapped_bytes(), 0);
}
END_TEST

START_TEST(unmap_bad_args)
{
	struct pasid_as *as = fx_as();
	uint64_t iova = fx_map(as, 1, PASID_MAP_RW, NULL);

	ck_assert_int_eq(pasid_unmap(NULL, iova, FX_PAGE), -EINVAL);
	ck_assert_int_eq(pasid_unmap(as, iova, 0), -EINVAL);
	ck_assert_errmsg("length is 0");
	ck_assert_int_eq(pasid_unmap(as, UINT64_MAX - FX_PAGE + 1,
				     2 * FX_PAGE), -EOVERFLOW);
	ck_assert_errmsg("wraps");
	/* the kernel's failure keeps the mapping recorded */
	emu_fail_call(1, EBUSY);
	ck_assert_int_eq(pasid_unmap(as, iova, FX_PAGE), -EBUSY);
	ck_assert_errmsg("pinned");
	ck_assert_uint_eq(emu_mapped_bytes(), FX_PAGE);
	ck_assert_int_eq(pasid_unmap(as, iova, FX_PAGE), 0);
}
END_TEST

/* ---- map_file ---- */

static int memfd(size_t npages)
{
	int fd = memfd_create("libpasid-test", MFD_CLOEXEC);
	uint8_t page[FX_PAGE];
	size_t i;

	ck_assert_int_ge(fd, 0);
	for (i = 0; i < npages; i++) {
		memset(page, (int)(0x10 + i), sizeof(page));
		ck_assert_int_eq(write(fd, page, sizeof(page)), sizeof(page));
	}
	return fd;
}

START_TEST(map_file)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, &index);
	struct pasid_as *as = fx_as();
	uint64_t iova = 0, iova2 = IOVA;
	uint8_t got[8], page[FX_PAGE];
	int fd = memfd(3);

	ck_assert_int_eq(pasid_bind(dev, as, 2), 2);
	ck_assert_int_eq(pasid_map_file(as, fd, 0, 2 * FX_PAGE, PASID_MAP_RW,
					&iova), 0);
	ck_assert_noerrmsg();
	ck_assert_uint_eq(emu_mapped_bytes(), 2 * FX_PAGE);
	ck_assert_int_eq(emu_dma_read(index, 2, iova + FX_PAGE, got, 8), 0);
	ck_assert_uint_eq(got[0], 0x11);
	/* a device write lands in the file */
	ck_assert_int_eq(emu_dma_write(index, 2, iova + 8, "dma", 3), 0);
	ck_assert_int_eq(pread(fd, page, 3, 8), 3);
	ck_assert_mem_eq(page, "dma", 3);

	/* at an offset and a fixed IOVA */
	ck_assert_int_eq(pasid_map_file(as, fd, 2 * FX_PAGE, FX_PAGE,
					PASID_MAP_READ | PASID_MAP_FIXED_IOVA,
					&iova2), 0);
	ck_assert_uint_eq(iova2, IOVA);
	ck_assert_int_eq(emu_dma_read(index, 2, IOVA, got, 8), 0);
	ck_assert_uint_eq(got[7], 0x12);

	/* the mapping keeps the memory after the fd is closed */
	close(fd);
	ck_assert_int_eq(emu_dma_read(index, 2, iova, got, 8), 0);
	ck_assert_int_eq(pasid_unmap(as, iova, 2 * FX_PAGE), 0);
	ck_assert_int_eq(pasid_unmap(as, IOVA, FX_PAGE), 0);
	ck_assert_uint_eq(emu_mapped_bytes(), 0);
}
END_TEST

START_TEST(map_file_bad)
{
	struct pasid_as *as = fx_as();
	struct pasid_dev *dev;
	char tmpl[] = "/tmp/libpasid-test-XXXXXX";
	uint64_t iova = 0;
	int fd = memfd(2), file;

	ck_assert_int_eq(pasid_map_file(as, -1, 0, FX_PAGE, PASID_MAP_RW,
					&iova), -EBADF);
	ck_assert_errmsg("fd -1");
	ck_assert_int_eq(pasid_map_file(as, 999, 0, FX_PAGE, PASID_MAP_RW,
					&iova), -EBADF);
	ck_assert_errmsg("fd 999 is not an open file descriptor");
	ck_assert_int_eq(pasid_map_file(NULL, fd, 0, FX_PAGE, PASID_MAP_RW,
					&iova), -EINVAL);
	ck_assert_int_eq(pasid_map_file(as, fd, 0, 0, PASID_MAP_RW, &iova),
			 -EINVAL);
	ck_assert_int_eq(pasid_map_file(as, fd, 0, FX_PAGE, 0, &iova), -EINVAL);
	ck_assert_int_eq(pasid_map_file(as, fd, 0, 100, PASID_MAP_RW, &iova),
			 -EINVAL);
	ck_assert_int_eq(pasid_map_file(as, fd, 0, FX_PAGE, PASID_MAP_RW,
					NULL), -EINVAL);
	/* beyond the end of the file: the library checks, with or without a
	 * device attached (the kernel only when it pins the pages) */
	ck_assert_int_eq(pasid_map_file(as, fd, FX_PAGE, 2 * FX_PAGE,
					PASID_MAP_RW, &iova), -EINVAL);
	ck_assert_errmsg("beyond the end of the file");
	/* not a memfd: the kernel refuses when it pins the pages, at map time
	 * once a device is attached */
	dev = fx_dev(BDF, EMU_IOMMU_INTEL, 0, NULL);
	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	file = mkstemp(tmpl);
	ck_assert_int_ge(file, 0);
	unlink(tmpl);
	ck_assert_int_eq(ftruncate(file, FX_PAGE), 0);
	ck_assert_int_eq(pasid_map_file(as, file, 0, FX_PAGE, PASID_MAP_RW,
					&iova), -EINVAL);
	ck_assert_errmsg("memfd");
	close(file);
	/* a kernel before 6.13 */
	emu_fail_call(1, ENOTTY);
	ck_assert_int_eq(pasid_map_file(as, fd, 0, FX_PAGE, PASID_MAP_RW,
					&iova), -EOPNOTSUPP);
	ck_assert_errmsg("6.13");
	ck_assert_uint_eq(emu_mapped_bytes(), 0);
	close(fd);
}
END_TEST

/* ---- copy ---- */

START_TEST(copy)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, &index);
	struct pasid_as *src = fx_as(), *dst = fx_as();
	uint64_t s, d = 0, fixed = IOVA;
	void *buf, *va;

	s = fx_map(src, 2, PASID_MAP_RW, &buf);
	ck_assert_int_eq(pasid_copy(dst, src, s, 2 * FX_PAGE, PASID_MAP_RW, &d),
			 0);
	ck_assert_noerrmsg();
	ck_assert_int_eq(emu_ioas_translate(pasid_as_ioas_id(dst), d + FX_PAGE,
					    &va), 0);
	ck_assert_ptr_eq(va, (char *)buf + FX_PAGE);
	/* part of it, at a fixed IOVA */
	ck_assert_int_eq(pasid_copy(dst, src, s + FX_PAGE, FX_PAGE,
				    PASID_MAP_READ | PASID_MAP_FIXED_IOVA,
				    &fixed), 0);
	ck_assert_uint_eq(fixed, IOVA);
	ck_assert_int_eq(pasid_bind(dev, dst, 1), 1);
	fx_dma_check(index, 1, d, buf);
	/* the copy outlives the source mapping */
	ck_assert_int_eq(pasid_unmap(src, s, 2 * FX_PAGE), 0);
	fx_dma_check(index, 1, d + FX_PAGE, (char *)buf + FX_PAGE);
	ck_assert_int_eq(pasid_unmap(dst, d, 2 * FX_PAGE), 0);
	ck_assert_int_eq(pasid_unmap(dst, IOVA, FX_PAGE), 0);
	ck_assert_uint_eq(emu_mapped_bytes(), 0);
}
END_TEST

START_TEST(copy_bad)
{
	struct pasid_as *src = fx_as(), *dst = fx_as(), *other;
	struct pasid_ctx *ctx2;
	uint64_t s, d = IOVA;

	s = fx_map(src, 1, PASID_MAP_RW, NULL);
	/* nothing there */
	ck_assert_int_eq(pasid_copy(dst, src, s + FX_PAGE, FX_PAGE,
				    PASID_MAP_RW, &d), -ENOENT);
	ck_assert_errmsg("not fully mapped");
	/* partly there */
	ck_assert_int_eq(pasid_copy(dst, src, s, 2 * FX_PAGE, PASID_MAP_RW, &d),
			 -ENOENT);
	ck_assert_uint_eq(d, IOVA);
	ck_assert_int_eq(pasid_copy(NULL, src, s, FX_PAGE, PASID_MAP_RW, &d),
			 -EINVAL);
	ck_assert_int_eq(pasid_copy(dst, NULL, s, FX_PAGE, PASID_MAP_RW, &d),
			 -EINVAL);
	ck_assert_int_eq(pasid_copy(dst, src, s, FX_PAGE, 0, &d), -EINVAL);
	ck_assert_int_eq(pasid_copy(dst, src, s, 0, PASID_MAP_RW, &d), -EINVAL);
	ck_assert_int_eq(pasid_copy(dst, src, s, FX_PAGE, PASID_MAP_RW, NULL),
			 -EINVAL);
	ck_assert_int_eq(pasid_copy(dst, src, UINT64_MAX - FX_PAGE + 1,
				    2 * FX_PAGE, PASID_MAP_RW, &d), -EOVERFLOW);
	/* a fixed destination that is taken */
	ck_assert_int_eq(pasid_copy(dst, src, s, FX_PAGE,
				    PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &d), 0);
	ck_assert_int_eq(pasid_copy(dst, src, s, FX_PAGE,
				    PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &d),
			 -EEXIST);
	/* another context's address space */
	ck_assert_int_eq(pasid_ctx_open(&ctx2, NULL), 0);
	ck_assert_int_eq(pasid_as_new(ctx2, &other), 0);
	ck_assert_int_eq(pasid_copy(other, src, s, FX_PAGE, PASID_MAP_RW, &d),
			 -EINVAL);
	ck_assert_errmsg("different contexts");
	pasid_ctx_close(ctx2);
	ck_assert_uint_eq(emu_mapped_bytes(), 2 * FX_PAGE);
}
END_TEST


/* ---- unmap against maps in flight ---- */

/* A seam whose IOMMU_IOAS_MAP, once armed, lets "another thread" unmap a
 * range right after the kernel mapped and before the library recorded:
 * the interleaving a real second thread can produce. */
static const struct pasid_sys *real_seam;
static struct pasid_sys racing_seam;
static struct pasid_as *race_as;
static bool race_armed;
static int race_ret;

static int racing_ioctl(int fd, unsigned long req, void *arg)
{
	int ret = real_seam->ioctl(fd, req, arg);

	if (!ret && req == KABI_IOMMU_IOAS_MAP && race_armed) {
		race_armed = false;
		race_ret = pasid_unmap(race_as, 0, 0x1000000);
	}
	return ret;
}

/* The range unmap takes the two recorded mappings around the gap and
 * leaves the one in flight in the gap alone, in the kernel and in the
 * record: the kernel is asked to unmap each recorded mapping, not the
 * range. */
START_TEST(range_unmap_spares_map_in_flight)
{
	struct pasid_as *as = fx_as();
	uint64_t lo = 0x100000, mid = 0x200000, hi = 0x300000;
	void *buf = fx_buf(1), *va;

	ck_assert_int_eq(pasid_map(as, fx_buf(1), FX_PAGE, FIXED_RW, &lo), 0);
	ck_assert_int_eq(pasid_map(as, fx_buf(1), FX_PAGE, FIXED_RW, &hi), 0);
	real_seam = pasid_sys;
	racing_seam = *real_seam;
	racing_seam.ioctl = racing_ioctl;
	race_as = as;
	race_armed = true;
	pasid_sys_set(&racing_seam);
	ck_assert_int_eq(pasid_map(as, buf, FX_PAGE, FIXED_RW, &mid), 0);
	pasid_sys_set(real_seam);
	ck_assert_int_eq(race_ret, 0);
	ck_assert_int_eq(emu_ioas_translate(pasid_as_ioas_id(as), lo, &va), -ENOENT);
	ck_assert_int_eq(emu_ioas_translate(pasid_as_ioas_id(as), mid, &va), 0);
	ck_assert_ptr_eq(va, buf);
	ck_assert_int_eq(pasid_unmap(as, mid, FX_PAGE), 0);
	ck_assert_uint_eq(emu_mapped_bytes(), 0);
}
END_TEST

/* The kernel refuses the second of two mappings of a range: the first is
 * gone from the kernel and from the record, the second stays in both. */
START_TEST(range_unmap_fails_halfway)
{
	struct pasid_as *as = fx_as();
	uint64_t a = 0x100000, b = 0x101000;
	void *va;

	ck_assert_int_eq(pasid_map(as, fx_buf(1), FX_PAGE, FIXED_RW, &a), 0);
	ck_assert_int_eq(pasid_map(as, fx_buf(1), FX_PAGE, FIXED_RW, &b), 0);
	emu_fail_call(2, EBUSY);
	ck_assert_int_eq(pasid_unmap(as, a, 2 * FX_PAGE), -EBUSY);
	ck_assert_errmsg("before it in the range are unmapped");
	ck_assert_int_eq(emu_ioas_translate(pasid_as_ioas_id(as), a, &va), -ENOENT);
	ck_assert_int_eq(emu_ioas_translate(pasid_as_ioas_id(as), b, &va), 0);
	ck_assert_uint_eq(as->mapped_bytes, FX_PAGE);	/* b only */
	ck_assert_int_eq(pasid_unmap(as, a, FX_PAGE), -ENOENT);
	ck_assert_int_eq(pasid_unmap(as, b, FX_PAGE), 0);
	ck_assert_uint_eq(emu_mapped_bytes(), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("as");
	TCase *tc;

	tc = tcase_create("as");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, as_new_free);
	tcase_add_test(tc, as_bad_args);
	tcase_add_test(tc, as_free_with_mappings);
	tcase_add_test(tc, iova_ranges_empty_as);
	tcase_add_test(tc, iova_ranges_with_device);
	tcase_add_test(tc, iova_ranges_bad);
	suite_add_tcase(s, tc);

	tc = tcase_create("map");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, map_auto_iova);
	tcase_add_test(tc, map_fixed);
	tcase_add_test(tc, map_after_attach);
	tcase_add_test(tc, map_permissions);
	tcase_add_test(tc, map_bad_args);
	tcase_add_test(tc, map_fixed_overlap);
	tcase_add_test(tc, map_kernel_errors);
	tcase_add_test(tc, map_readonly_memory);
	tcase_add_test(tc, map_reserved);
	suite_add_tcase(s, tc);

	tc = tcase_create("unmap");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, unmap);
	tcase_add_test(tc, unmap_several);
	tcase_add_test(tc, unmap_split);
	tcase_add_test(tc, unmap_bad_args);
	suite_add_tcase(s, tc);

	tc = tcase_create("map_file");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, map_file);
	tcase_add_test(tc, map_file_bad);
	suite_add_tcase(s, tc);

	tc = tcase_create("copy");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, copy);
	tcase_add_test(tc, copy_bad);
	tcase_add_test(tc, range_unmap_spares_map_in_flight);
	tcase_add_test(tc, range_unmap_fails_halfway);
	suite_add_tcase(s, tc);

	return fx_run(s);
}
