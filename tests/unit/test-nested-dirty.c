/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Dirty tracking of a nest's stage-2 (nested.h): pasid_nest_dirty_set and
 * pasid_nest_dirty_read against the emulated device's DMA writes, with the
 * vendor rules (VT-d and AMD v1 tables track, SMMUv3 nesting parents do
 * not, no IOMMU_HW_CAP_DIRTY_TRACKING no tracking), the read-and-clear
 * and NO_CLEAR semantics, the granularity and the bad input.
 */
#include <errno.h>

#include "fixture.h"
#include "kabi.h"
#include "libpasid/nested.h"

#define BDF "0000:00:04.0"
#define IOVA 0x200000ULL
#define NPAGES 8

static const struct emu_dev_cfg vtd_dirty = {
	.bdf = BDF, .iommu = EMU_IOMMU_INTEL, .pasid_log2 = 8, .dirty = true,
};

static struct pasid_nest *dirty_nest(struct pasid_dev *dev,
				     struct pasid_as *as, void **buf)
{
	struct pasid_nest_opts o = {
		.size = sizeof(o), .flags = PASID_NEST_DIRTY_TRACKING,
	};
	uint64_t iova = IOVA;
	struct pasid_nest *n;

	*buf = fx_buf(NPAGES);
	ck_assert_int_eq(pasid_map(as, *buf, NPAGES * FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &iova),
			 0);
	ck_assert_int_eq(pasid_nest_new(dev, as, &o, &n), 0);
	return n;
}

static void write_page(int index, unsigned int page)
{
	uint32_t v = 0x5a5a0000 | page;

	ck_assert_int_eq(emu_dma_write(index, 0, IOVA + page * FX_PAGE + 8,
				       &v, sizeof(v)), 0);
}

static uint64_t read_bits(struct pasid_nest *n, uint64_t page_size,
			  unsigned int flags)
{
	uint64_t bm[2] = { ~0ULL, ~0ULL };

	ck_assert_int_eq(pasid_nest_dirty_read(n, IOVA, NPAGES * FX_PAGE,
					       page_size, bm, sizeof(bm),
					       flags), 0);
	return bm[0];
}

static void dirty_on(int index, struct pasid_dev **dev, struct pasid_as **as,
		     struct pasid_nest **n, struct emu_dev_cfg *cfg)
{
	void *buf;

	(void)index;
	fx_add_cfg(cfg);
	*dev = fx_open(cfg->bdf);
	*as = fx_as();
	*n = dirty_nest(*dev, *as, &buf);
}

/* What the device wrote, read and cleared; NO_CLEAR leaves it. */
START_TEST(dirty_vtd)
{
	struct emu_dev_cfg cfg = vtd_dirty;
	struct pasid_dev *dev;
	struct pasid_as *as;
	struct pasid_nest *n;
	struct pasid_nest_info info = { .size = sizeof(info) };
	unsigned int nd;
	bool on;

	dirty_on(0, &dev, &as, &n, &cfg);
	ck_assert_int_eq(pasid_nest_info(n, &info), 0);
	/* off: writes leave no mark */
	write_page(0, 1);
	ck_assert_uint_eq(read_bits(n, FX_PAGE, 0), 0);
	ck_assert_int_eq(pasid_nest_dirty_set(n, 1), 0);
	ck_assert_int_eq(emu_dirty_pages(info.parent_id, &nd, &on), 0);
	ck_assert(on);
	write_page(0, 1);
	write_page(0, 3);
	write_page(0, 3);
	ck_assert_uint_eq(read_bits(n, FX_PAGE, PASID_DIRTY_NO_CLEAR),
			  (1u << 1) | (1u << 3));
	ck_assert_uint_eq(read_bits(n, FX_PAGE, 0), (1u << 1) | (1u << 3));
	ck_assert_uint_eq(read_bits(n, FX_PAGE, 0), 0);
	/* 16 KiB units: pages 0-3 are unit 0, 4-7 unit 1 */
	write_page(0, 5);
	ck_assert_uint_eq(read_bits(n, 4 * FX_PAGE, 0), 1u << 1);
	/* turning it on again forgets what was recorded */
	write_page(0, 2);
	ck_assert_int_eq(pasid_nest_dirty_set(n, 1), 0);
	ck_assert_uint_eq(read_bits(n, FX_PAGE, 0), 0);
	/* a read of DMA is no write */
	{
		uint32_t v;

		ck_assert_int_eq(emu_dma_read(0, 0, IOVA, &v, sizeof(v)), 0);
	}
	ck_assert_uint_eq(read_bits(n, FX_PAGE, 0), 0);
	ck_assert_int_eq(pasid_nest_dirty_set(n, 0), 0);
	write_page(0, 6);
	ck_assert_uint_eq(read_bits(n, FX_PAGE, 0), 0);
	ck_assert_int_eq(emu_dirty_pages(info.parent_id, &nd, &on), 0);
	ck_assert(!on);
	pasid_nest_free(n);
}
END_TEST

/* AMD-Vi v1 nest parents track too (EFR.HDSup). */
START_TEST(dirty_amd)
{
	struct emu_dev_cfg cfg = {
		.bdf = BDF, .iommu = EMU_IOMMU_AMD, .dirty = true,
		.amd_nesting = true,
	};
	struct pasid_dev *dev;
	struct pasid_as *as;
	struct pasid_nest *n;

	dirty_on(0, &dev, &as, &n, &cfg);
	ck_assert_int_eq(pasid_nest_dirty_set(n, 1), 0);
	write_page(0, 7);
	ck_assert_uint_eq(read_bits(n, FX_PAGE, 0), 1u << 7);
}
END_TEST

/* SMMUv3, and an IOMMU whose kernel reports no dirty tracking: refused
 * with the vendor named, nothing made. */
START_TEST(dirty_refused)
{
	struct pasid_nest_opts o = {
		.size = sizeof(o), .flags = PASID_NEST_DIRTY_TRACKING,
	};
	struct emu_dev_cfg smmu = {
		.bdf = BDF, .iommu = EMU_IOMMU_SMMUV3, .pasid_log2 = 8,
		.dirty = true,
	};
	struct pasid_dev *a, *b;
	struct pasid_as *as;
	struct fx_state before;
	struct pasid_nest *n;

	fx_add_cfg(&smmu);
	a = fx_open(BDF);
	b = fx_dev("0000:00:05.0", EMU_IOMMU_INTEL, 8, NULL);
	as = fx_as();
	before = fx_state();
	ck_assert_int_eq(pasid_nest_new(a, as, &o, &n), -EOPNOTSUPP);
	ck_assert_errmsg("arm-smmuv3");
	ck_assert_errmsg("stage-1 tables only");
	ck_assert_state_eq(fx_state(), before);
	ck_assert_int_eq(pasid_nest_new(b, as, &o, &n), -EOPNOTSUPP);
	ck_assert_errmsg("IOMMU_HW_CAP_DIRTY_TRACKING");
	ck_assert_state_eq(fx_state(), before);
	/* without the flag: no dirty calls on the nest */
	ck_assert_int_eq(pasid_nest_new(b, as, NULL, &n), 0);
	ck_assert_int_eq(pasid_nest_dirty_set(n, 1), -EINVAL);
	ck_assert_errmsg("PASID_NEST_DIRTY_TRACKING");
	{
		uint64_t bm = 0;

		ck_assert_int_eq(pasid_nest_dirty_read(n, IOVA, FX_PAGE,
						       FX_PAGE, &bm, sizeof(bm),
						       0), -EINVAL);
		ck_assert_errmsg("PASID_NEST_DIRTY_TRACKING");
	}
}
END_TEST

START_TEST(dirty_bad_input)
{
	struct emu_dev_cfg cfg = vtd_dirty;
	struct pasid_dev *dev;
	struct pasid_as *as;
	struct pasid_nest *n;
	uint64_t bm[2];
	const uint64_t len = NPAGES * FX_PAGE;

	dirty_on(0, &dev, &as, &n, &cfg);
	ck_assert_int_eq(pasid_nest_dirty_set(NULL, 1), -EINVAL);
	ck_assert_errmsg("NULL");
	ck_assert_int_eq(pasid_nest_dirty_read(NULL, IOVA, len, FX_PAGE, bm,
					       sizeof(bm), 0), -EINVAL);
	ck_assert_int_eq(pasid_nest_dirty_read(n, IOVA, len, FX_PAGE, NULL,
					       sizeof(bm), 0), -EINVAL);
	ck_assert_errmsg("NULL");
	ck_assert_int_eq(pasid_nest_dirty_read(n, IOVA, len, FX_PAGE, bm,
					       sizeof(bm), 2), -EINVAL);
	ck_assert_errmsg("unknown flags");
	/* granularity: a power of two of at least 4 KiB */
	ck_assert_int_eq(pasid_nest_dirty_read(n, IOVA, len, 3 * FX_PAGE, bm,
					       sizeof(bm), 0), -EINVAL);
	ck_assert_errmsg("power of two");
	ck_assert_int_eq(pasid_nest_dirty_read(n, IOVA, len, 512, bm,
					       sizeof(bm), 0), -EINVAL);
	ck_assert_errmsg("at least 4 KiB");
	/* a misaligned range, an empty one, one that wraps */
	ck_assert_int_eq(pasid_nest_dirty_read(n, IOVA + 512, len, FX_PAGE, bm,
					       sizeof(bm), 0), -EINVAL);
	ck_assert_errmsg("boundary");
	ck_assert_int_eq(pasid_nest_dirty_read(n, IOVA + FX_PAGE, len,
					       2 * FX_PAGE, bm, sizeof(bm), 0),
			 -EINVAL);
	ck_assert_errmsg("boundary");
	ck_assert_int_eq(pasid_nest_dirty_read(n, IOVA, 0, FX_PAGE, bm,
					       sizeof(bm), 0), -EINVAL);
	ck_assert_int_eq(pasid_nest_dirty_read(n, UINT64_MAX - FX_PAGE + 1,
					       2 * FX_PAGE, FX_PAGE, bm,
					       sizeof(bm), 0), -EINVAL);
	/* a bitmap too small: 65 pages need two words */
	ck_assert_int_eq(pasid_nest_dirty_read(n, 0, 65 * FX_PAGE, FX_PAGE, bm,
					       8, 0), -EINVAL);
	ck_assert_errmsg("PASID_DIRTY_BITMAP_BYTES");
	ck_assert_uint_eq(PASID_DIRTY_BITMAP_BYTES(65 * FX_PAGE, FX_PAGE), 16);
	ck_assert_uint_eq(PASID_DIRTY_BITMAP_BYTES(64 * FX_PAGE, FX_PAGE), 8);
	/* a range the address space does not map wholly: the kernel's EINVAL */
	ck_assert_int_eq(pasid_nest_dirty_read(n, IOVA, len + FX_PAGE, FX_PAGE,
					       bm, sizeof(bm), 0), -EINVAL);
	ck_assert_errmsg("not wholly mapped");
	ck_assert_int_eq(pasid_nest_dirty_read(n, IOVA, len, FX_PAGE, bm,
					       sizeof(bm), 0), 0);
	ck_assert_noerrmsg();
}
END_TEST

/* Each kernel call failing: the message names it, nothing changes. */
START_TEST(dirty_each_call_fails)
{
	struct emu_dev_cfg cfg = vtd_dirty;
	struct pasid_dev *dev;
	struct pasid_as *as;
	struct pasid_nest *n;
	struct fx_state before;
	uint64_t bm[2];

	dirty_on(0, &dev, &as, &n, &cfg);
	before = fx_state();
	emu_fail_call(1, EIO);
	ck_assert_int_eq(pasid_nest_dirty_set(n, 1), -EIO);
	ck_assert_errmsg("IOMMU_HWPT_SET_DIRTY_TRACKING");
	ck_assert_state_eq(fx_state(), before);
	ck_assert_int_eq(pasid_nest_dirty_set(n, 1), 0);
	write_page(0, 2);
	emu_fail_call(1, EIO);
	ck_assert_int_eq(pasid_nest_dirty_read(n, IOVA, NPAGES * FX_PAGE,
					       FX_PAGE, bm, sizeof(bm), 0),
			 -EIO);
	ck_assert_errmsg("IOMMU_HWPT_GET_DIRTY_BITMAP");
	/* the failed read cleared nothing */
	ck_assert_uint_eq(read_bits(n, FX_PAGE, 0), 1u << 2);
}
END_TEST

static Suite *dirty_suite(void)
{
	Suite *s = suite_create("nested-dirty");
	TCase *tc = tcase_create("dirty");

	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, dirty_vtd);
	tcase_add_test(tc, dirty_amd);
	tcase_add_test(tc, dirty_refused);
	tcase_add_test(tc, dirty_bad_input);
	tcase_add_test(tc, dirty_each_call_fails);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return fx_run(dirty_suite());
}
