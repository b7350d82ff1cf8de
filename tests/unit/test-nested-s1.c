/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * User-owned stage-1s (nested.h): pasid_s1_attach and pasid_s1_free on each
 * IOMMU family. VT-d: one nested page table per PASID with the user's root
 * and width. SMMUv3: the library's CD table in the nest's address space,
 * the vSTE on the RID pointing at it, the PASID's CD as the SMMU reads it,
 * CFGI_CD through the vIOMMU (twice with the erratum). AMD: refused,
 * naming what Linux 7.3 lacks. Failures leave nothing behind.
 */
#include <errno.h>

#include "fixture.h"
#include "kabi.h"
#include "libpasid/nested.h"

#define BDF "0000:00:04.0"
#define ROOT 0x100000ULL
#define IOVA 0x200000ULL

static struct pasid_nest *nest_of(struct pasid_dev *dev, struct pasid_as *as)
{
	struct pasid_nest_opts o = {
		.size = sizeof(o), .flags = PASID_NEST_VIRT_ID, .virt_id = 0x42,
	};
	struct pasid_nest *n;

	ck_assert_int_eq(pasid_nest_new(dev, as, &o, &n), 0);
	return n;
}

static struct pasid_nest_info info_of(const struct pasid_nest *n)
{
	struct pasid_nest_info i = { .size = sizeof(i) };

	ck_assert_int_eq(pasid_nest_info(n, &i), 0);
	return i;
}

static struct pasid_s1_opts s1_opts(uint64_t root, uint32_t va_bits,
				    uint32_t asid)
{
	struct pasid_s1_opts o = {
		.size = sizeof(o), .root = root, .va_bits = va_bits,
		.asid = asid,
	};

	return o;
}

/* ---- VT-d ---- */

START_TEST(s1_vtd)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, &index);
	struct pasid_as *as = fx_as();
	struct pasid_nest *n = nest_of(dev, as);
	struct pasid_s1_opts o = s1_opts(ROOT, 48, 0);
	struct fx_state before = fx_state();
	struct pasid_s1 *a, *b, *c;
	struct emu_nested en;
	uint32_t pa, pb, f;

	ck_assert_uint_eq(info_of(n).s1_format, PASID_S1_X86);
	ck_assert_uint_eq(info_of(n).s1_pasid_bits, 8);
	ck_assert_int_eq(pasid_s1_attach(n, 5, &o, &a), 0);
	ck_assert_noerrmsg();
	pa = fx_pasid_pt(index, 5);
	ck_assert_int_eq(emu_nested_get(pa, &en), 0);
	ck_assert_uint_eq(en.parent, info_of(n).parent_id);
	ck_assert_uint_eq(en.viommu, 0);
	ck_assert_uint_eq(en.data_type, KABI_IOMMU_HWPT_DATA_VTD_S1);
	ck_assert_uint_eq(en.data[1], ROOT);
	ck_assert_uint_eq(en.data[2], 48);
	ck_assert_int_eq(emu_hwpt_flags(pa, &f), 0);
	ck_assert_uint_eq(f, KABI_IOMMU_HWPT_ALLOC_PASID);
	/* one nested table per PASID; the RID stays on the stage-2 */
	o.root = 2 * ROOT;
	ck_assert_int_eq(pasid_s1_attach(n, 6, &o, &b), 0);
	pb = fx_pasid_pt(index, 6);
	ck_assert_uint_ne(pb, pa);
	ck_assert_uint_eq(fx_rid_pt(index), info_of(n).parent_id);
	ck_assert_uint_eq(fx_state().objs, before.objs + 2);
	ck_assert_int_eq(pasid_s1_attach(n, 5, &o, &c), -EBUSY);
	ck_assert_errmsg("pasid_s1_free");
	pasid_s1_free(a);
	ck_assert_uint_eq(fx_pasid_pt(index, 5), 0);
	ck_assert_uint_eq(fx_pasid_pt(index, 6), pb);
	pasid_s1_free(b);
	ck_assert_state_eq(fx_state(), before);
}
END_TEST

START_TEST(s1_vtd_refused)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, &index);
	struct pasid_as *as = fx_as();
	struct pasid_nest *n = nest_of(dev, as);
	struct pasid_s1_opts o = s1_opts(ROOT, 39, 0);
	struct fx_state before = fx_state();
	struct pasid_s1 *s1 = NULL;

	/* a 3-level first stage: the kernel's attach refuses it */
	ck_assert_int_eq(pasid_s1_attach(n, 5, &o, &s1), -EINVAL);
	ck_assert_errmsg("va_bits must be 48");
	ck_assert_ptr_null(s1);
	ck_assert_state_eq(fx_state(), before);
	ck_assert_uint_eq(fx_pasid_pt(index, 5), 0);
	o.va_bits = 48;
	ck_assert_int_eq(pasid_s1_attach(n, 0, &o, &s1), -ERANGE);
	ck_assert_int_eq(pasid_s1_attach(n, 256, &o, &s1), -ERANGE);
	ck_assert_errmsg("1..255");
	o.root = ROOT + 8;
	ck_assert_int_eq(pasid_s1_attach(n, 5, &o, &s1), -EINVAL);
	ck_assert_errmsg("4 KiB aligned");
	o.root = ROOT;
	o.flags = 1;
	ck_assert_int_eq(pasid_s1_attach(n, 5, &o, &s1), -EINVAL);
	ck_assert_int_eq(pasid_s1_attach(n, 5, NULL, &s1), -EINVAL);
	ck_assert_int_eq(pasid_s1_attach(NULL, 5, &o, &s1), -EINVAL);
	ck_assert_state_eq(fx_state(), before);
	pasid_s1_free(NULL);
}
END_TEST

/* A dirty-tracking stage-2 carries no stage-1 at a PASID on VT-d. */
START_TEST(s1_vtd_dirty_parent)
{
	struct emu_dev_cfg cfg = {
		.bdf = BDF, .iommu = EMU_IOMMU_INTEL, .pasid_log2 = 8,
		.dirty = true,
	};
	struct pasid_nest_opts no = {
		.size = sizeof(no), .flags = PASID_NEST_DIRTY_TRACKING,
	};
	struct pasid_s1_opts o = s1_opts(ROOT, 48, 0);
	struct pasid_dev *dev;
	struct pasid_nest *n;
	struct pasid_s1 *s1;

	fx_add_cfg(&cfg);
	dev = fx_open(BDF);
	ck_assert_int_eq(pasid_nest_new(dev, fx_as(), &no, &n), 0);
	ck_assert_int_eq(pasid_s1_attach(n, 1, &o, &s1), -EINVAL);
	ck_assert_errmsg("PASID_NEST_DIRTY_TRACKING");
}
END_TEST

/* ---- SMMUv3 ---- */

static uint64_t le(const void *p, unsigned int word)
{
	uint64_t v;

	memcpy(&v, (const uint8_t *)p + 8 * word, 8);
	return v;
}

START_TEST(s1_smmuv3)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_SMMUV3, 8, &index);
	struct pasid_as *as = fx_as();
	struct pasid_nest *n = nest_of(dev, as);
	struct pasid_s1_opts o = s1_opts(ROOT, 48, 7);
	struct pasid_nest_info i;
	struct emu_nested en;
	struct pasid_s1 *s1;
	uint64_t last[2];
	unsigned int ncmds;
	void *buf = fx_buf(1), *cd;
	uint64_t iova = IOVA;

	ck_assert_int_eq(pasid_map(as, buf, FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &iova), 0);
	i = info_of(n);
	ck_assert_uint_eq(i.s1_format, PASID_S1_ARM64);
	ck_assert_uint_eq(i.s1_pasid_bits, 8);
	ck_assert_uint_eq(i.cd_table_iova, 0);
	ck_assert_int_eq(pasid_s1_attach(n, 3, &o, &s1), 0);
	i = info_of(n);
	ck_assert_uint_ne(i.cd_table_iova, 0);
	/* the RID is on a vSTE through the vIOMMU: stage 1 from the CD table
	 * (256 CDs), untagged DMA through the stage-2 only */
	ck_assert_int_eq(emu_nested_get(fx_rid_pt(index), &en), 0);
	ck_assert_uint_eq(en.viommu, i.viommu_id);
	ck_assert_uint_eq(en.parent, i.parent_id);
	ck_assert_uint_eq(en.data_type, KABI_IOMMU_HWPT_DATA_ARM_SMMUV3);
	ck_assert_uint_eq(en.data[0], 1 | (5 << 1) | i.cd_table_iova |
				      (8ULL << 59));
	ck_assert_uint_eq(en.data[1] & 3, 1);
	fx_dma_check(index, 0, IOVA, buf);
	/* the CD of PASID 3, as the SMMU reads it through the stage-2 */
	ck_assert_int_eq(emu_ioas_translate(pasid_as_ioas_id(as),
					    i.cd_table_iova + 3 * 64, &cd), 0);
	ck_assert_uint_eq(le(cd, 0) & 0x3f, 64 - 48);		/* T0SZ */
	ck_assert(le(cd, 0) & (1ULL << 31));			/* V */
	ck_assert(le(cd, 0) & (1ULL << 41));			/* AA64 */
	ck_assert_uint_eq(le(cd, 0) >> 48, 7);			/* ASID */
	ck_assert_uint_eq((le(cd, 0) >> 32) & 7, 5);		/* IPS 48 */
	ck_assert_uint_eq(le(cd, 1), ROOT);			/* TTB0 */
	ck_assert_uint_eq(le(cd, 3), 0xf404ff44ULL);		/* MAIR */
	/* and the SMMU was told: CFGI_CD, SSID 3, the vSID, leaf */
	ck_assert_int_eq(emu_inval_log(i.viommu_id, &ncmds, last), 0);
	ck_assert_uint_eq(ncmds, 1);
	ck_assert_uint_eq(last[0], 0x05 | (3ULL << 12) | (0x42ULL << 32));
	ck_assert_uint_eq(last[1], 1);
	pasid_s1_free(s1);
	ck_assert_uint_eq(le(cd, 0) & (1ULL << 31), 0);
	ck_assert_int_eq(emu_inval_log(i.viommu_id, &ncmds, last), 0);
	ck_assert_uint_eq(ncmds, 2);
	pasid_nest_free(n);
	/* the CD table went with the nest: only the caller's mapping */
	ck_assert_uint_eq(fx_state().bytes, FX_PAGE);
}
END_TEST

START_TEST(s1_smmuv3_erratum)
{
	struct emu_dev_cfg cfg = {
		.bdf = BDF, .iommu = EMU_IOMMU_SMMUV3, .pasid_log2 = 8,
		.vendor_flags =
			KABI_IOMMU_HW_INFO_ARM_SMMUV3_ERRATA_REPEAT_TLBI_CFGI,
	};
	struct pasid_s1_opts o = s1_opts(ROOT, 48, 1);
	struct pasid_dev *dev;
	struct pasid_nest *n;
	struct pasid_s1 *s1;
	uint64_t last[2];
	unsigned int ncmds;

	fx_add_cfg(&cfg);
	dev = fx_open(BDF);
	n = nest_of(dev, fx_as());
	ck_assert_int_eq(pasid_s1_attach(n, 1, &o, &s1), 0);
	ck_assert_int_eq(emu_inval_log(info_of(n).viommu_id, &ncmds, last),
			 0);
	ck_assert_uint_eq(ncmds, 2);		/* CFGI_CD sent twice */
}
END_TEST

START_TEST(s1_smmuv3_refused)
{
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_SMMUV3, 12, NULL);
	struct pasid_as *as = fx_as();
	struct pasid_nest *n = nest_of(dev, as);
	struct pasid_s1_opts o = s1_opts(ROOT, 52, 0);
	struct fx_state before = fx_state();
	struct pasid_s1 *s1;

	/* the library's linear CD table: 1024 CDs */
	ck_assert_uint_eq(info_of(n).s1_pasid_bits, 10);
	ck_assert_int_eq(pasid_s1_attach(n, 1, &o, &s1), -EINVAL);
	ck_assert_errmsg("va_bits 32..48");
	o.va_bits = 48;
	o.asid = 70000;
	ck_assert_int_eq(pasid_s1_attach(n, 1, &o, &s1), -EINVAL);
	ck_assert_errmsg("ASID");
	o.asid = 0;
	ck_assert_int_eq(pasid_s1_attach(n, 1024, &o, &s1), -ERANGE);
	ck_assert_state_eq(fx_state(), before);
	ck_assert_uint_eq(info_of(n).cd_table_iova, 0);
}
END_TEST

/* Every kernel call of a first SMMUv3 stage-1 (CD table mapping, vSTE,
 * RID replace, CFGI_CD) can fail: nothing stays, the RID is back on the
 * stage-2. */
START_TEST(s1_smmuv3_each_call_fails)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_SMMUV3, 8, &index);
	struct pasid_as *as = fx_as();
	struct pasid_nest *n = nest_of(dev, as);
	struct pasid_s1_opts o = s1_opts(ROOT, 48, 0);
	struct fx_state before = fx_state();
	uint32_t parent = info_of(n).parent_id;
	unsigned int k, calls;
	struct pasid_s1 *s1;

	calls = emu_calls();
	ck_assert_int_eq(pasid_s1_attach(n, 1, &o, &s1), 0);
	calls = emu_calls() - calls;
	pasid_s1_free(s1);
	pasid_nest_free(n);
	n = nest_of(dev, as);
	before = fx_state();
	parent = info_of(n).parent_id;
	ck_assert_uint_ge(calls, 4);
	for (k = 1; k <= calls; k++) {
		emu_fail_call(k, EIO);
		ck_assert_int_eq(pasid_s1_attach(n, 1, &o, &s1), -EIO);
		ck_assert_errmsg("EIO");
		ck_assert_state_eq(fx_state(), before);
		ck_assert_uint_eq(fx_rid_pt(index), parent);
		ck_assert_uint_eq(info_of(n).cd_table_iova, 0);
	}
	ck_assert_int_eq(pasid_s1_attach(n, 1, &o, &s1), 0);
}
END_TEST

/* A nest's stage-1s and CD table go with it, however it goes. */
START_TEST(s1_gone_with_nest)
{
	struct pasid_dev *intel = fx_dev(BDF, EMU_IOMMU_INTEL, 8, NULL);
	struct pasid_dev *smmu = fx_dev("0000:00:05.0", EMU_IOMMU_SMMUV3, 8,
					NULL);
	struct pasid_as *as = fx_as();
	struct fx_state before = fx_state();
	struct pasid_s1_opts o = s1_opts(ROOT, 48, 0);
	struct pasid_nest *ni = nest_of(intel, as), *ns = nest_of(smmu, as);
	struct pasid_s1 *s1;

	ck_assert_int_eq(pasid_s1_attach(ni, 1, &o, &s1), 0);
	ck_assert_int_eq(pasid_s1_attach(ni, 2, &o, &s1), 0);
	ck_assert_int_eq(pasid_s1_attach(ns, 1, &o, &s1), 0);
	/* the SMMU tags its TLB by ASID: a second table needs its own */
	ck_assert_int_eq(pasid_s1_attach(ns, 2, &o, &s1), -EBUSY);
	ck_assert_errmsg("ASID 0 is PASID 1's already");
	o.asid = 1;
	ck_assert_int_eq(pasid_s1_attach(ns, 2, &o, &s1), 0);
	o.asid = 0;
	pasid_nest_free(ni);
	pasid_nest_free(ns);
	ck_assert_state_eq(fx_state(), before);
	/* and left for pasid_ctx_close, which the fixture checks */
	ni = nest_of(intel, as);
	ck_assert_int_eq(pasid_s1_attach(ni, 1, &o, &s1), 0);
	ns = nest_of(smmu, as);
	ck_assert_int_eq(pasid_s1_attach(ns, 1, &o, &s1), 0);
}
END_TEST

/* The RID refusing to go back onto the stage-2 at pasid_nest_free: the
 * vSTE's table, the vIOMMU and the parent go anyway. */
START_TEST(s1_smmuv3_fini_reattach_fails)
{
	struct pasid_dev *dev = fx_dev("0000:00:05.0", EMU_IOMMU_SMMUV3, 8,
				       NULL);
	struct pasid_as *as = fx_as();
	struct fx_state before = fx_state();
	struct pasid_s1_opts o = s1_opts(ROOT, 48, 1);
	struct pasid_nest *n = nest_of(dev, as);
	struct pasid_s1 *s1;

	ck_assert_int_eq(pasid_s1_attach(n, 1, &o, &s1), 0);
	emu_fail_call(2, EIO);	/* 1: the detach's CFGI_CD, 2: RID back */
	pasid_nest_free(n);
	ck_assert_state_eq(fx_state(), before);
}
END_TEST

/* ---- AMD ---- */

START_TEST(s1_amd_missing)
{
	struct emu_dev_cfg cfg = {
		.bdf = BDF, .iommu = EMU_IOMMU_AMD, .amd_nesting = true,
	};
	struct pasid_s1_opts o = s1_opts(ROOT, 48, 0);
	struct pasid_dev *dev;
	struct pasid_nest *n;
	struct pasid_s1 *s1;
	int index = fx_add_cfg(&cfg);
	void *buf = fx_buf(1);
	uint64_t iova = IOVA;
	struct pasid_as *as = fx_as();

	dev = fx_open(BDF);
	ck_assert_int_eq(pasid_map(as, buf, FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &iova), 0);
	/* the stage-2 is there and carries untagged DMA */
	ck_assert_int_eq(pasid_nest_new(dev, as, NULL, &n), 0);
	ck_assert_uint_eq(info_of(n).viommu_id, 0);
	ck_assert_uint_eq(info_of(n).s1_format, PASID_S1_NONE);
	fx_dma_check(index, 0, IOVA, buf);
	/* a stage-1 is not: the message names what 7.3 lacks */
	ck_assert_int_eq(pasid_s1_attach(n, 1, &o, &s1), -EOPNOTSUPP);
	ck_assert_errmsg("amd_iommu_alloc_domain_nested");
	ck_assert_errmsg("IOMMU_HWPT_DATA_AMD_GUEST");
}
END_TEST

static Suite *s1_suite(void)
{
	Suite *s = suite_create("nested-s1");
	TCase *tc = tcase_create("s1");

	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, s1_vtd);
	tcase_add_test(tc, s1_vtd_refused);
	tcase_add_test(tc, s1_vtd_dirty_parent);
	tcase_add_test(tc, s1_smmuv3);
	tcase_add_test(tc, s1_smmuv3_erratum);
	tcase_add_test(tc, s1_smmuv3_refused);
	tcase_add_test(tc, s1_smmuv3_each_call_fails);
	tcase_add_test(tc, s1_gone_with_nest);
	tcase_add_test(tc, s1_smmuv3_fini_reattach_fails);
	tcase_add_test(tc, s1_amd_missing);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return fx_run(s1_suite());
}
