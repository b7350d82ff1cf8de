/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * pasid_s1_invalidate (nested.h): one kernel call for any number of ranges,
 * VT-d entries on the PASID's nested page table, SMMUv3 TLBI commands
 * through the vIOMMU (by VA or the whole ASID, twice with the erratum), and
 * a partial completion reported as the kernel reported it.
 */
#include <errno.h>

#include "fixture.h"
#include "kabi.h"
#include "libpasid/nested.h"

#define BDF "0000:00:04.0"
#define ROOT 0x100000ULL
#define LEAF PASID_S1_INVAL_LEAF
#define ERRATUM KABI_IOMMU_HW_INFO_ARM_SMMUV3_ERRATA_REPEAT_TLBI_CFGI

struct world {
	int index;
	struct pasid_nest *n;
	struct pasid_s1 *s1;
	uint32_t log_id;	/* where the emulation logs what it took */
};

/* A device of that IOMMU, its nest, and a stage-1 at PASID 1, ASID 7. */
static struct world up(enum emu_iommu iommu, uint32_t vendor_flags)
{
	struct emu_dev_cfg cfg = {
		.bdf = BDF, .iommu = iommu, .pasid_log2 = 8,
		.vendor_flags = vendor_flags,
	};
	struct pasid_s1_opts o = {
		.size = sizeof(o), .root = ROOT, .va_bits = 48, .asid = 7,
	};
	struct pasid_nest_info i = { .size = sizeof(i) };
	struct world w;

	w.index = fx_add_cfg(&cfg);
	ck_assert_int_eq(pasid_nest_new(fx_open(BDF), fx_as(), NULL, &w.n), 0);
	ck_assert_int_eq(pasid_s1_attach(w.n, 1, &o, &w.s1), 0);
	ck_assert_int_eq(pasid_nest_info(w.n, &i), 0);
	w.log_id = iommu == EMU_IOMMU_SMMUV3 ? i.viommu_id :
					       fx_pasid_pt(w.index, 1);
	return w;
}

static unsigned int logged(const struct world *w, uint64_t last[2])
{
	unsigned int n;

	ck_assert_int_eq(emu_inval_log(w->log_id, &n, last), 0);
	return n;
}

START_TEST(inval_vtd)
{
	struct world w = up(EMU_IOMMU_INTEL, 0);
	const struct pasid_s1_range r[] = {
		{ 0x1000, 0x2000 }, { 0x40000, 0x3000 }, { 0, PASID_S1_ALL },
	};
	unsigned int done = 99, before;
	uint64_t last[2];

	before = logged(&w, last);
	ck_assert_int_eq(pasid_s1_invalidate(w.s1, r, 2, LEAF, &done), 0);
	ck_assert_noerrmsg();
	ck_assert_uint_eq(done, 2);
	ck_assert_uint_eq(logged(&w, last), before + 2);
	ck_assert_uint_eq(last[0], 0x40000);
	ck_assert_uint_eq(last[1], 3);			/* npages */
	ck_assert_int_eq(pasid_s1_invalidate(w.s1, r + 2, 1, 0, NULL), 0);
	ck_assert_uint_eq(logged(&w, last), before + 3);
	ck_assert_uint_eq(last[0], 0);
	ck_assert_uint_eq(last[1], UINT64_MAX);		/* everything */
}
END_TEST

/* The kernel did the first range, then failed: the caller hears 1 of 3. */
START_TEST(inval_vtd_partial)
{
	struct world w = up(EMU_IOMMU_INTEL, 0);
	const struct pasid_s1_range r[] = {
		{ 0x1000, 0x1000 }, { 0x2000, 0x1000 }, { 0x3000, 0x1000 },
	};
	unsigned int done = 99;

	emu_fail_inval_entry(1, EFAULT);
	ck_assert_int_eq(pasid_s1_invalidate(w.s1, r, 3, 0, &done), -EFAULT);
	ck_assert_uint_eq(done, 1);
	ck_assert_errmsg("completed 1 of 3 ranges and refused range 1");
	/* a failure before the kernel got to any entry: none done */
	emu_fail_call(1, ENOMEM);
	ck_assert_int_eq(pasid_s1_invalidate(w.s1, r, 3, 0, &done), -ENOMEM);
	ck_assert_uint_eq(done, 0);
	ck_assert_errmsg("IOMMU_HWPT_INVALIDATE");
}
END_TEST

START_TEST(inval_smmuv3)
{
	struct world w = up(EMU_IOMMU_SMMUV3, 0);
	const struct pasid_s1_range two = { 0x10000, 0x2000 };
	const struct pasid_s1_range all = { 0, PASID_S1_ALL };
	const struct pasid_s1_range big = { 0, 300 * 4096ULL };
	unsigned int done, before;
	uint64_t last[2];

	before = logged(&w, last);
	/* by VA: one TLBI_NH_VA per page, the ASID, leaf */
	ck_assert_int_eq(pasid_s1_invalidate(w.s1, &two, 1, LEAF, &done), 0);
	ck_assert_uint_eq(done, 1);
	ck_assert_uint_eq(logged(&w, last), before + 2);
	ck_assert_uint_eq(last[0], 0x12 | (7ULL << 48));
	ck_assert_uint_eq(last[1], 0x11000 | 1);
	/* everything, or more pages than is worth: the whole ASID */
	ck_assert_int_eq(pasid_s1_invalidate(w.s1, &all, 1, 0, &done), 0);
	ck_assert_uint_eq(logged(&w, last), before + 3);
	ck_assert_uint_eq(last[0], 0x11 | (7ULL << 48));
	ck_assert_int_eq(pasid_s1_invalidate(w.s1, &big, 1, 0, &done), 0);
	ck_assert_uint_eq(logged(&w, last), before + 4);
	ck_assert_uint_eq(last[0], 0x11 | (7ULL << 48));
}
END_TEST

START_TEST(inval_smmuv3_erratum)
{
	struct world w = up(EMU_IOMMU_SMMUV3, ERRATUM);
	const struct pasid_s1_range two = { 0x10000, 0x2000 };
	unsigned int done, before;
	uint64_t last[2];

	before = logged(&w, last);
	ck_assert_int_eq(pasid_s1_invalidate(w.s1, &two, 1, 0, &done), 0);
	ck_assert_uint_eq(done, 1);
	ck_assert_uint_eq(logged(&w, last), before + 4);  /* each twice */
}
END_TEST

/* A range is done once all its commands are: the first range is one
 * command, the second three; failing at command 2 leaves the second
 * range half done, so 1 range is. */
START_TEST(inval_smmuv3_partial)
{
	struct world w = up(EMU_IOMMU_SMMUV3, 0);
	const struct pasid_s1_range r[] = {
		{ 0x1000, 0x1000 }, { 0x4000, 0x3000 }, { 0x9000, 0x1000 },
	};
	unsigned int done = 99;

	emu_fail_inval_entry(2, EIO);
	ck_assert_int_eq(pasid_s1_invalidate(w.s1, r, 3, 0, &done), -EIO);
	ck_assert_uint_eq(done, 1);
	ck_assert_errmsg("completed 1 of 3");
	emu_fail_inval_entry(4, EIO);
	ck_assert_int_eq(pasid_s1_invalidate(w.s1, r, 3, 0, &done), -EIO);
	ck_assert_uint_eq(done, 2);
}
END_TEST

START_TEST(inval_bad_args)
{
	struct world w = up(EMU_IOMMU_INTEL, 0);
	struct pasid_s1_range r = { 0x1000, 0x800 };
	unsigned int done = 99, calls = emu_calls();

	ck_assert_int_eq(pasid_s1_invalidate(w.s1, &r, 1, 0, &done), -EINVAL);
	ck_assert_errmsg("range 0");
	ck_assert_uint_eq(done, 0);
	r.len = PASID_S1_ALL;
	ck_assert_int_eq(pasid_s1_invalidate(w.s1, &r, 1, 0, &done), -EINVAL);
	r.iova = 0x1800;
	r.len = 0x1000;
	ck_assert_int_eq(pasid_s1_invalidate(w.s1, &r, 1, 0, &done), -EINVAL);
	r.iova = 0xfffffffffffff000ULL;
	r.len = 0x2000;
	ck_assert_int_eq(pasid_s1_invalidate(w.s1, &r, 1, 0, &done), -EINVAL);
	r.iova = 0x1000;
	ck_assert_int_eq(pasid_s1_invalidate(w.s1, &r, 1, 4, &done), -EINVAL);
	ck_assert_errmsg("unknown flags");
	ck_assert_int_eq(pasid_s1_invalidate(NULL, &r, 1, 0, &done), -EINVAL);
	ck_assert_int_eq(pasid_s1_invalidate(w.s1, NULL, 1, 0, &done), -EINVAL);
	/* nothing to do: no kernel call */
	ck_assert_int_eq(pasid_s1_invalidate(w.s1, NULL, 0, 0, &done), 0);
	ck_assert_uint_eq(emu_calls(), calls);
}
END_TEST

static Suite *inval_suite(void)
{
	Suite *s = suite_create("nested-inval");
	TCase *tc = tcase_create("inval");

	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, inval_vtd);
	tcase_add_test(tc, inval_vtd_partial);
	tcase_add_test(tc, inval_smmuv3);
	tcase_add_test(tc, inval_smmuv3_erratum);
	tcase_add_test(tc, inval_smmuv3_partial);
	tcase_add_test(tc, inval_bad_args);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return fx_run(inval_suite());
}
