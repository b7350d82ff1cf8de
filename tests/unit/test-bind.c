/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * RID and PASID attachment: pasid_bind (explicit PASIDs, PASID_ANY and its
 * exhaustion, the range checks), pasid_unbind, pasid_rebind, the page table
 * the RID gets (pasid_attach_rid flags, the per-vendor fallbacks, the move
 * onto a PASID-capable table at the first bind), devices sharing address
 * spaces and IOMMU groups, and tearing all of it down in every order. DMA
 * of the emulated device checks that each translation is the one promised.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "fixture.h"

#define BDF "0000:00:04.0"
#define BDF2 "0000:00:05.0"
#define IOVA 0x200000ULL
#define FIXED (PASID_MAP_RW | PASID_MAP_FIXED_IOVA)

/* A buffer mapped at IOVA in as. */
static void *map_at(struct pasid_as *as, uint64_t iova, size_t npages)
{
	void *buf = fx_buf(npages);

	ck_assert_int_eq(pasid_map(as, buf, npages * FX_PAGE, FIXED, &iova), 0);
	return buf;
}

/*
 * Two Intel devices in IOMMU group 7, both opened: a (BDF, 8 PASID bits) and
 * b (BDF2, b_log2 PASID bits). Their emulation indices go to *ia, *ib.
 */
static void open_group_pair(unsigned int b_log2, struct pasid_dev **a,
			    struct pasid_dev **b, int *ia, int *ib)
{
	struct emu_dev_cfg ca = {
		.bdf = BDF, .iommu = EMU_IOMMU_INTEL, .pasid_log2 = 8,
		.group = 7,
	};
	struct emu_dev_cfg cb = ca;

	cb.bdf = BDF2;
	cb.pasid_log2 = b_log2;
	*ia = fx_add_cfg(&ca);
	*ib = fx_add_cfg(&cb);
	*a = fx_open(BDF);
	*b = fx_open(BDF2);
}

/* ---- bind ---- */

START_TEST(bind_explicit)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, &index);
	struct pasid_as *as = fx_as();
	void *buf = map_at(as, IOVA, 1);
	uint32_t pt;

	ck_assert_int_eq(emu_dma_write(index, 5, IOVA, "x", 1), -EFAULT);
	ck_assert_int_eq(pasid_bind(dev, as, 5), 5);
	ck_assert_noerrmsg();
	pt = fx_pasid_pt(index, 5);
	ck_assert_int_eq(fx_pt_kind(pt), FX_PT_PASID);
	fx_dma_check(index, 5, IOVA, buf);
	/* other PASIDs stay blocked */
	ck_assert_uint_eq(fx_pasid_pt(index, 6), 0);
	ck_assert_int_eq(emu_dma_write(index, 6, IOVA, "x", 1), -EFAULT);
	/* the RID was detached and stays so */
	ck_assert_uint_eq(fx_rid_pt(index), 0);
	ck_assert_int_eq(emu_dma_write(index, 0, IOVA, "x", 1), -EFAULT);
}
END_TEST

/* Every vendor that offers PASIDs binds them. (AMD-Vi in 7.3 attaches no
 * PASID: its tests are in the "vendor rules" case below.) */
static const enum emu_iommu pasid_iommus[] = {
	EMU_IOMMU_INTEL, EMU_IOMMU_SMMUV3,
};

START_TEST(bind_each_vendor)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, pasid_iommus[_i], 10, &index);
	struct pasid_as *as = fx_as();
	void *buf = map_at(as, IOVA, 1);

	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	ck_assert_int_eq(fx_pt_kind(fx_rid_pt(index)), FX_PT_PASID);
	ck_assert_int_eq(pasid_bind(dev, as, PASID_ANY), 1);
	ck_assert_int_eq(pasid_bind(dev, as, 1023), 1023);
	fx_dma_check(index, 0, IOVA, buf);
	fx_dma_check(index, 1, IOVA, buf);
	fx_dma_check(index, 1023, IOVA, buf);
}
END_TEST

/* PASIDs of one device on one address space share one page table; after
 * the last of them it stays idle and the next bind takes it again. */
START_TEST(bind_shares_page_table)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, &index);
	struct pasid_as *as = fx_as();
	unsigned int objs = emu_live_objects();
	uint32_t pt;

	ck_assert_int_eq(pasid_bind(dev, as, 1), 1);
	ck_assert_uint_eq(emu_live_objects(), objs + 1);
	ck_assert_int_eq(pasid_bind(dev, as, 2), 2);
	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	ck_assert_uint_eq(emu_live_objects(), objs + 1);
	pt = fx_pasid_pt(index, 1);
	ck_assert_uint_eq(fx_pasid_pt(index, 2), pt);
	ck_assert_uint_eq(fx_rid_pt(index), pt);
	ck_assert_int_eq(pasid_unbind(dev, 1), 0);
	ck_assert_int_eq(pasid_detach_rid(dev), 0);
	ck_assert_uint_eq(fx_idle_tables(), 0);
	ck_assert_int_eq(pasid_unbind(dev, 2), 0);
	ck_assert_uint_eq(emu_live_objects(), objs + 1);
	ck_assert_uint_eq(fx_idle_tables(), 1);
	ck_assert_int_eq(pasid_bind(dev, as, 3), 3);
	ck_assert_uint_eq(fx_pasid_pt(index, 3), pt);
	ck_assert_uint_eq(fx_idle_tables(), 0);
	ck_assert_int_eq(pasid_unbind(dev, 3), 0);
	/* freeing the address space destroys its idle table */
	pasid_as_free(as);
	ck_assert_uint_eq(emu_live_objects(), objs - 1);
}
END_TEST

START_TEST(bind_any)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, &index);
	struct pasid_as *as = fx_as();

	ck_assert_int_eq(pasid_bind(dev, as, PASID_ANY), 1);
	ck_assert_int_eq(pasid_bind(dev, as, PASID_ANY), 2);
	ck_assert_int_eq(pasid_bind(dev, as, 3), 3);
	ck_assert_int_eq(pasid_bind(dev, as, PASID_ANY), 4);
	/* a just-freed PASID is not handed out again at once */
	ck_assert_int_eq(pasid_unbind(dev, 1), 0);
	ck_assert_int_eq(pasid_bind(dev, as, PASID_ANY), 5);
	ck_assert_uint_ne(fx_pasid_pt(index, 5), 0);
	ck_assert_uint_eq(fx_pasid_pt(index, 1), 0);
	/* a PASID freed ahead of the cursor is not handed out again at once */
	ck_assert_int_eq(pasid_bind(dev, as, 150), 150);
	ck_assert_int_eq(pasid_unbind(dev, 150), 0);
	ck_assert_int_eq(pasid_bind(dev, as, 151), 151);
	ck_assert_int_eq(pasid_unbind(dev, 151), 0);
	ck_assert_int_eq(pasid_bind(dev, as, PASID_ANY), 152);
	ck_assert_int_eq(pasid_unbind(dev, 152), 0);
	/* an explicit PASID does not move where PASID_ANY looks next */
	ck_assert_int_eq(pasid_bind(dev, as, 200), 200);
	ck_assert_int_eq(pasid_bind(dev, as, PASID_ANY), 153);
	/* a run of bound PASIDs is skipped, wherever the cursor is */
	for (int p = 154; p < 200; p++)
		ck_assert_int_eq(pasid_bind(dev, as, p), p);
	ck_assert_int_eq(pasid_bind(dev, as, PASID_ANY), 201);
}
END_TEST

/* Width 2: PASIDs 1..3, then ENOSPC; a freed one is found again. */
START_TEST(bind_any_exhausted)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 2, &index);
	struct pasid_as *as = fx_as();
	struct fx_state before;

	ck_assert_int_eq(pasid_bind(dev, as, PASID_ANY), 1);
	ck_assert_int_eq(pasid_bind(dev, as, PASID_ANY), 2);
	ck_assert_int_eq(pasid_bind(dev, as, PASID_ANY), 3);
	before = fx_state();
	ck_assert_int_eq(pasid_bind(dev, as, PASID_ANY), -ENOSPC);
	ck_assert_errmsg("all 3 PASIDs");
	ck_assert_state_eq(fx_state(), before);
	ck_assert_int_eq(pasid_unbind(dev, 2), 0);
	ck_assert_int_eq(pasid_bind(dev, as, PASID_ANY), 2);
	ck_assert_int_eq(pasid_bind(dev, as, PASID_ANY), -ENOSPC);
	/* the last PASID, then wrapping around */
	ck_assert_int_eq(pasid_unbind(dev, 3), 0);
	ck_assert_int_eq(pasid_unbind(dev, 1), 0);
	ck_assert_int_eq(pasid_bind(dev, as, PASID_ANY), 3);
	ck_assert_int_eq(pasid_bind(dev, as, PASID_ANY), 1);
}
END_TEST

START_TEST(bind_out_of_range)
{
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 4, NULL);
	struct pasid_as *as = fx_as();
	struct fx_state before = fx_state();

	ck_assert_int_eq(pasid_bind(dev, as, 0), -EINVAL);
	ck_assert_errmsg("PASID 0");
	ck_assert_errmsg("pasid_attach_rid");
	ck_assert_int_eq(pasid_bind(dev, as, 16), -EINVAL);
	ck_assert_errmsg("1..15");
	ck_assert_int_eq(pasid_bind(dev, as, 1 << 20), -EINVAL);
	ck_assert_int_eq(pasid_bind(dev, as, -2), -EINVAL);
	ck_assert_int_eq(pasid_bind(dev, as, INT32_MIN), -EINVAL);
	/* PASIDs are uint32_t: only UINT32_MAX itself means "any" */
	ck_assert_int_eq(pasid_bind(dev, as, PASID_ANY - 1), -EINVAL);
	ck_assert_errmsg("PASID 4294967294 is outside 1..15");
	ck_assert_state_eq(fx_state(), before);
	ck_assert_int_eq(pasid_bind(dev, as, 15), 15);
}
END_TEST

START_TEST(bind_twice)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 4, &index);
	struct pasid_as *a = fx_as(), *b = fx_as();
	uint32_t pt;

	ck_assert_int_eq(pasid_bind(dev, a, 3), 3);
	pt = fx_pasid_pt(index, 3);
	ck_assert_int_eq(pasid_bind(dev, b, 3), -EBUSY);
	ck_assert_errmsg("already bound");
	ck_assert_errmsg("pasid_rebind");
	ck_assert_int_eq(pasid_bind(dev, a, 3), -EBUSY);
	ck_assert_uint_eq(fx_pasid_pt(index, 3), pt);
}
END_TEST

START_TEST(bind_bad_args)
{
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 4, NULL);
	struct pasid_as *as = fx_as();

	ck_assert_int_eq(pasid_bind(NULL, as, 1), -EINVAL);
	ck_assert_errmsg("must not be NULL");
	ck_assert_int_eq(pasid_bind(dev, NULL, 1), -EINVAL);
	ck_assert_errmsg("must not be NULL");
	ck_assert_int_eq(pasid_unbind(NULL, 1), -EINVAL);
	ck_assert_int_eq(pasid_rebind(NULL, 1, as), -EINVAL);
	ck_assert_int_eq(pasid_rebind(dev, 1, NULL), -EINVAL);
	ck_assert_int_eq(pasid_attach_rid(NULL, as, 0), -EINVAL);
	ck_assert_int_eq(pasid_attach_rid(dev, NULL, 0), -EINVAL);
	ck_assert_int_eq(pasid_detach_rid(NULL), -EINVAL);
}
END_TEST

/* A device without PASIDs: EOPNOTSUPP that says so, nothing changed. */
START_TEST(bind_no_pasid_device)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 0, &index);
	struct pasid_as *as = fx_as();
	struct fx_state before;
	uint32_t rid;

	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	rid = fx_rid_pt(index);
	before = fx_state();
	ck_assert_int_eq(pasid_bind(dev, as, 1), -EOPNOTSUPP);
	ck_assert_errmsg("no PASID capability");
	ck_assert_int_eq(pasid_bind(dev, as, PASID_ANY), -EOPNOTSUPP);
	ck_assert_errmsg("no PASID capability");
	ck_assert_state_eq(fx_state(), before);
	ck_assert_uint_eq(fx_rid_pt(index), rid);
}
END_TEST

/* The IOMMU cannot build a PASID-capable table although the device reports
 * PASIDs: binds fail with the reason, the RID falls back to the kernel's
 * table. */
START_TEST(bind_no_pasid_table)
{
	struct emu_dev_cfg cfg = {
		.bdf = BDF, .iommu = EMU_IOMMU_INTEL, .pasid_log2 = 8,
		.group = 1, .no_pasid_hwpt = true,
	};
	int index = fx_add_cfg(&cfg);
	struct pasid_dev *dev = fx_open(BDF);
	struct pasid_as *as = fx_as();
	void *buf = map_at(as, IOVA, 1);
	struct fx_state before = fx_state();

	ck_assert_int_eq(pasid_bind(dev, as, 1), -EOPNOTSUPP);
	ck_assert_errmsg("PASID-capable page table");
	ck_assert_state_eq(fx_state(), before);
	ck_assert_int_eq(pasid_attach_rid(dev, as, PASID_RID_PASID_TABLE),
			 -EOPNOTSUPP);
	ck_assert_state_eq(fx_state(), before);
	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	ck_assert_noerrmsg();
	ck_assert_int_eq(fx_pt_kind(fx_rid_pt(index)), FX_PT_AUTO);
	fx_dma_check(index, 0, IOVA, buf);
	ck_assert_int_eq(pasid_bind(dev, as, PASID_ANY), -EOPNOTSUPP);
	ck_assert_int_eq(fx_pt_kind(fx_rid_pt(index)), FX_PT_AUTO);
}
END_TEST

/* A VFIO variant driver has no PASID ops: the bind fails EOPNOTSUPP and
 * the RID, moved for it, is back on the kernel's table. */
START_TEST(bind_variant_driver)
{
	struct emu_dev_cfg cfg = {
		.bdf = BDF, .iommu = EMU_IOMMU_INTEL, .pasid_log2 = 8,
		.group = 1, .driver = "mlx5-vfio-pci",
	};
	int index = fx_add_cfg(&cfg);
	struct pasid_dev *dev = fx_open(BDF);
	struct pasid_as *as = fx_as();
	void *buf = map_at(as, IOVA, 1);
	struct fx_state before;

	ck_assert_int_eq(pasid_attach_rid(dev, as, PASID_RID_KERNEL_TABLE), 0);
	before = fx_state();
	ck_assert_int_eq(pasid_bind(dev, as, 1), -EOPNOTSUPP);
	ck_assert_errmsg("variant driver");
	ck_assert_state_eq(fx_state(), before);
	ck_assert_int_eq(fx_pt_kind(fx_rid_pt(index)), FX_PT_AUTO);
	fx_dma_check(index, 0, IOVA, buf);
}
END_TEST

/* ---- vendor rules (doc/kernel-rules.md §4.3 row 8, §6.2) ---- */

/* An AMD-Vi with v2 tables, as Linux 7.3 drives it: PASID-capable tables,
 * the RID on them, but no PASID attach (amd_set_dev_pasid: a later kernel
 * that attaches them). */
static struct pasid_dev *amd_v2_dev(bool set_dev_pasid, int *index)
{
	struct emu_dev_cfg cfg = {
		.bdf = BDF, .iommu = EMU_IOMMU_AMD, .pasid_log2 = 16,
		.group = 1, .amd_set_dev_pasid = set_dev_pasid,
	};

	*index = fx_add_cfg(&cfg);
	return fx_open(BDF);
}

/* With the RID on the kernel's table the bind is refused before any kernel
 * call: the RID is not moved (and moved back), its DMA never disturbed. */
START_TEST(amd_bind_refused_before_rid)
{
	int index;
	struct pasid_dev *dev = amd_v2_dev(false, &index);
	struct pasid_as *as = fx_as();
	void *buf = map_at(as, IOVA, 1);
	struct fx_state before;
	unsigned int calls;
	uint32_t rid;

	ck_assert_int_eq(pasid_attach_rid(dev, as, PASID_RID_KERNEL_TABLE), 0);
	rid = fx_rid_pt(index);
	before = fx_state();
	calls = emu_calls();
	ck_assert_int_eq(pasid_bind(dev, as, 1), -EOPNOTSUPP);
	ck_assert_errmsg("set_dev_pasid");
	ck_assert_errmsg("PASID_RID_PASID_TABLE");
	ck_assert_uint_eq(emu_calls(), calls);
	ck_assert_state_eq(fx_state(), before);
	ck_assert_uint_eq(fx_rid_pt(index), rid);
	fx_dma_check(index, 0, IOVA, buf);
}
END_TEST

/* The RID on a PASID-capable table (the default on AMD with v2 tables):
 * the kernel is asked, as a probe that moves no RID, and 7.3's EOPNOTSUPP
 * is explained. */
START_TEST(amd_bind_probe_refused)
{
	int index;
	struct pasid_dev *dev = amd_v2_dev(false, &index);
	struct pasid_as *as = fx_as();
	void *buf = map_at(as, IOVA, 1);
	struct fx_state before;
	uint32_t rid;

	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	rid = fx_rid_pt(index);
	ck_assert_int_eq(fx_pt_kind(rid), FX_PT_PASID);
	before = fx_state();
	ck_assert_int_eq(pasid_bind(dev, as, PASID_ANY), -EOPNOTSUPP);
	ck_assert_errmsg("AMD-Vi attaches no page table to a PASID");
	ck_assert_errmsg("RID was not touched");
	ck_assert_state_eq(fx_state(), before);
	ck_assert_uint_eq(fx_rid_pt(index), rid);
	ck_assert_uint_eq(fx_pasid_pt(index, 1), 0);
	fx_dma_check(index, 0, IOVA, buf);
	/* so is a bind with the RID detached, and it leaves nothing behind */
	ck_assert_int_eq(pasid_detach_rid(dev), 0);
	before = fx_state();
	ck_assert_int_eq(pasid_bind(dev, as, 7), -EOPNOTSUPP);
	ck_assert_errmsg("set_dev_pasid");
	ck_assert_state_eq(fx_state(), before);
}
END_TEST

/* A kernel whose AMD driver attaches PASIDs: the probe binds, and once one
 * PASID attached the device's binds may move its RID like anywhere else. */
START_TEST(amd_bind_later_kernel)
{
	int index;
	struct pasid_dev *dev = amd_v2_dev(true, &index);
	struct pasid_as *as = fx_as();
	void *buf = map_at(as, IOVA, 1);

	ck_assert_int_eq(pasid_attach_rid(dev, as, PASID_RID_KERNEL_TABLE), 0);
	ck_assert_int_eq(pasid_bind(dev, as, 1), -EOPNOTSUPP);
	ck_assert_int_eq(fx_pt_kind(fx_rid_pt(index)), FX_PT_AUTO);
	ck_assert_int_eq(pasid_detach_rid(dev), 0);
	ck_assert_int_eq(pasid_bind(dev, as, 1), 1);
	fx_dma_check(index, 1, IOVA, buf);
	ck_assert_int_eq(pasid_unbind(dev, 1), 0);
	ck_assert_int_eq(pasid_attach_rid(dev, as, PASID_RID_KERNEL_TABLE), 0);
	ck_assert_int_eq(pasid_bind(dev, as, 2), 2);
	ck_assert_int_eq(fx_pt_kind(fx_rid_pt(index)), FX_PT_PASID);
	fx_dma_check(index, 0, IOVA, buf);
	fx_dma_check(index, 2, IOVA, buf);
}
END_TEST

/* An SMMUv3 without 2-level CD tables: the kernel reports the device's 20
 * PASID bits, but its linear CD table holds 1024 SubstreamIDs; the library
 * gives out only those, and they translate. */
START_TEST(smmu_linear_cd_width)
{
	struct emu_dev_cfg cfg = {
		.bdf = BDF, .iommu = EMU_IOMMU_SMMUV3, .pasid_log2 = 20,
		.group = 1, .smmu_no_cd2l = true,
	};
	struct pasid_caps caps = { .size = sizeof(caps) };
	int index = fx_add_cfg(&cfg);
	struct pasid_dev *dev = fx_open(BDF);
	struct pasid_as *as = fx_as();
	void *buf = map_at(as, IOVA, 1);
	struct fx_state before;

	ck_assert_int_eq(pasid_dev_caps(dev, &caps), 0);
	ck_assert_uint_eq(caps.pasid_width, 10);
	ck_assert_int_eq(pasid_bind(dev, as, 1023), 1023);
	fx_dma_check(index, 1023, IOVA, buf);
	before = fx_state();
	ck_assert_int_eq(pasid_bind(dev, as, 1024), -EINVAL);
	ck_assert_errmsg("1..1023");
	ck_assert_state_eq(fx_state(), before);
}
END_TEST

/* VT-d: the table a PASID bind needs is first-stage where scalable mode has
 * one (ECAP.FLTS), else second-stage (ECAP.SLTS); with neither the bind is
 * refused before the kernel is asked. */
static const struct {
	uint64_t ecap_clear;
	int bind;
} vtd_stages[] = {
	{ 1ULL << 46, 1 },			/* no SLTS: first stage */
	{ 1ULL << 47, 1 },			/* no FLTS: second stage */
	{ (1ULL << 46) | (1ULL << 47), -EOPNOTSUPP },
};

START_TEST(intel_pasid_table_stage)
{
	struct emu_dev_cfg cfg = {
		.bdf = BDF, .iommu = EMU_IOMMU_INTEL, .pasid_log2 = 8,
		.group = 1, .vtd_ecap_clear = vtd_stages[_i].ecap_clear,
	};
	int index = fx_add_cfg(&cfg);
	struct pasid_dev *dev = fx_open(BDF);
	struct pasid_as *as = fx_as();
	void *buf = map_at(as, IOVA, 1);
	unsigned int calls = emu_calls();

	ck_assert_int_eq(pasid_bind(dev, as, 1), vtd_stages[_i].bind);
	if (vtd_stages[_i].bind > 0) {
		fx_dma_check(index, 1, IOVA, buf);
		return;
	}
	ck_assert_errmsg("ECAP.FLTS and ECAP.SLTS");
	ck_assert_errmsg("before asking the kernel");
	ck_assert_uint_eq(emu_calls(), calls);
}
END_TEST

/* ---- unbind ---- */

START_TEST(unbind)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, &index);
	struct pasid_as *as = fx_as();
	void *buf = map_at(as, IOVA, 1);
	struct fx_state before = fx_state();

	ck_assert_int_eq(pasid_bind(dev, as, 9), 9);
	ck_assert_int_eq(pasid_bind(dev, as, 10), 10);
	ck_assert_int_eq(pasid_unbind(dev, 9), 0);
	ck_assert_noerrmsg();
	ck_assert_uint_eq(fx_pasid_pt(index, 9), 0);
	ck_assert_int_eq(emu_dma_write(index, 9, IOVA, "x", 1), -EFAULT);
	fx_dma_check(index, 10, IOVA, buf);
	ck_assert_int_eq(pasid_unbind(dev, 9), -ENOENT);
	ck_assert_errmsg("PASID 9 is not bound");
	ck_assert_int_eq(pasid_unbind(dev, 11), -ENOENT);
	ck_assert_int_eq(pasid_unbind(dev, 0), -ENOENT);
	ck_assert_int_eq(pasid_unbind(dev, 10), 0);
	ck_assert_state_eq(fx_state_settled(), before);
	/* and bound again */
	ck_assert_int_eq(pasid_bind(dev, as, 9), 9);
	fx_dma_check(index, 9, IOVA, buf);
}
END_TEST

/* A refused unbind leaves the PASID bound and working. */
START_TEST(unbind_kernel_error)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, &index);
	struct pasid_as *as = fx_as();
	void *buf = map_at(as, IOVA, 1);

	ck_assert_int_eq(pasid_bind(dev, as, 4), 4);
	emu_fail_call(1, EIO);
	ck_assert_int_eq(pasid_unbind(dev, 4), -EIO);
	ck_assert_errmsg("VFIO_DEVICE_DETACH_IOMMUFD_PT");
	fx_dma_check(index, 4, IOVA, buf);
	ck_assert_int_eq(pasid_bind(dev, as, 4), -EBUSY);
	ck_assert_int_eq(pasid_unbind(dev, 4), 0);
}
END_TEST

/* ---- rebind ---- */

/* The PASID moves to the new address space at once: the same IOVA now
 * reaches the new buffer. */
START_TEST(rebind)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, &index);
	struct pasid_as *a = fx_as(), *b = fx_as();
	void *abuf = map_at(a, IOVA, 1), *bbuf = map_at(b, IOVA, 1);
	unsigned int objs;
	uint32_t pta, ptb;

	ck_assert_int_eq(pasid_bind(dev, a, 7), 7);
	pta = fx_pasid_pt(index, 7);
	fx_dma_check(index, 7, IOVA, abuf);
	objs = emu_live_objects();
	ck_assert_int_eq(pasid_rebind(dev, 7, b), 0);
	ck_assert_noerrmsg();
	ptb = fx_pasid_pt(index, 7);
	ck_assert_uint_ne(ptb, pta);
	ck_assert_int_eq(fx_pt_kind(ptb), FX_PT_PASID);
	fx_dma_check(index, 7, IOVA, bbuf);
	ck_assert_uint_eq(((uint8_t *)abuf)[0] == ((uint8_t *)bbuf)[0], 0);
	/* a's page table idles with its last user gone */
	ck_assert_uint_eq(emu_live_objects(), objs + 1);
	ck_assert_uint_eq(fx_idle_tables(), 1);
	/* back, and to the same one again (nothing to do) */
	ck_assert_int_eq(pasid_rebind(dev, 7, a), 0);
	fx_dma_check(index, 7, IOVA, abuf);
	objs = emu_live_objects();
	ck_assert_int_eq(pasid_rebind(dev, 7, a), 0);
	ck_assert_uint_eq(emu_live_objects(), objs);
	ck_assert_int_eq(pasid_unbind(dev, 7), 0);
	ck_assert_int_eq(pasid_rebind(dev, 7, b), -ENOENT);
	ck_assert_errmsg("PASID 7 is not bound");
}
END_TEST

/* A refused rebind leaves the PASID where it was. */
START_TEST(rebind_kernel_error)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, &index);
	struct pasid_as *a = fx_as(), *b = fx_as();
	void *abuf = map_at(a, IOVA, 1);
	struct fx_state before;
	uint32_t pt;

	map_at(b, IOVA, 1);
	ck_assert_int_eq(pasid_bind(dev, a, 7), 7);
	pt = fx_pasid_pt(index, 7);
	before = fx_state();
	emu_fail_call(2, EBUSY);	/* HWPT_ALLOC, then the attach */
	ck_assert_int_eq(pasid_rebind(dev, 7, b), -EBUSY);
	ck_assert_errmsg("PASID 7");
	ck_assert_state_eq(fx_state(), before);
	ck_assert_uint_eq(fx_pasid_pt(index, 7), pt);
	fx_dma_check(index, 7, IOVA, abuf);
}
END_TEST

/* ---- the RID ---- */

START_TEST(rid_default_pasid_device)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, &index);
	struct pasid_as *as = fx_as();
	void *buf = map_at(as, IOVA, 1);

	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	ck_assert_noerrmsg();
	ck_assert_int_eq(fx_pt_kind(fx_rid_pt(index)), FX_PT_PASID);
	fx_dma_check(index, 0, IOVA, buf);
}
END_TEST

START_TEST(rid_default_no_pasid_device)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 0, &index);
	struct pasid_as *as = fx_as();
	void *buf = map_at(as, IOVA, 1);

	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	ck_assert_int_eq(fx_pt_kind(fx_rid_pt(index)), FX_PT_AUTO);
	fx_dma_check(index, 0, IOVA, buf);
	/* insisting gets a PASID-capable table anyway */
	ck_assert_int_eq(pasid_attach_rid(dev, as, PASID_RID_PASID_TABLE), 0);
	ck_assert_int_eq(fx_pt_kind(fx_rid_pt(index)), FX_PT_PASID);
	fx_dma_check(index, 0, IOVA, buf);
}
END_TEST

START_TEST(rid_kernel_table)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, &index);
	struct pasid_as *as = fx_as();
	void *buf = map_at(as, IOVA, 1);
	struct fx_state before;
	uint32_t pt;

	ck_assert_int_eq(pasid_attach_rid(dev, as, PASID_RID_KERNEL_TABLE), 0);
	ck_assert_int_eq(fx_pt_kind(fx_rid_pt(index)), FX_PT_AUTO);
	fx_dma_check(index, 0, IOVA, buf);

	/* with a PASID bound the kernel's table is refused */
	ck_assert_int_eq(pasid_bind(dev, as, 1), 1);
	pt = fx_rid_pt(index);
	before = fx_state();
	ck_assert_int_eq(pasid_attach_rid(dev, as, PASID_RID_KERNEL_TABLE),
			 -EINVAL);
	ck_assert_errmsg("unbind them first");
	ck_assert_state_eq(fx_state(), before);
	ck_assert_uint_eq(fx_rid_pt(index), pt);
	ck_assert_int_eq(pasid_unbind(dev, 1), 0);
	ck_assert_int_eq(pasid_attach_rid(dev, as, PASID_RID_KERNEL_TABLE), 0);
	ck_assert_int_eq(fx_pt_kind(fx_rid_pt(index)), FX_PT_AUTO);
	fx_dma_check(index, 0, IOVA, buf);
}
END_TEST

START_TEST(rid_bad_flags)
{
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, NULL);
	struct pasid_as *as = fx_as();
	struct fx_state before = fx_state();

	ck_assert_int_eq(pasid_attach_rid(dev, as, PASID_RID_KERNEL_TABLE |
						   PASID_RID_PASID_TABLE),
			 -EINVAL);
	ck_assert_errmsg("exclude each other");
	ck_assert_int_eq(pasid_attach_rid(dev, as, 0x80), -EINVAL);
	ck_assert_errmsg("unknown flags 0x80");
	ck_assert_state_eq(fx_state(), before);
}
END_TEST

/* virtio-iommu cannot build PASID-capable tables: insisting fails, the
 * default falls back to the kernel's table. */
START_TEST(rid_virtio)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_VIRTIO, 0, &index);
	struct pasid_as *as = fx_as();
	void *buf = map_at(as, IOVA, 1);
	struct fx_state before = fx_state();

	ck_assert_int_eq(pasid_attach_rid(dev, as, PASID_RID_PASID_TABLE),
			 -EOPNOTSUPP);
	ck_assert_errmsg("virtio");
	ck_assert_state_eq(fx_state(), before);
	ck_assert_uint_eq(fx_rid_pt(index), 0);
	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	ck_assert_noerrmsg();
	ck_assert_int_eq(fx_pt_kind(fx_rid_pt(index)), FX_PT_AUTO);
	fx_dma_check(index, 0, IOVA, buf);
	ck_assert_int_eq(pasid_bind(dev, as, 1), -EOPNOTSUPP);
}
END_TEST

/* The first bind moves a RID on the kernel's table onto a PASID-capable
 * table of the same address space; its DMA keeps working throughout. */
START_TEST(rid_moved_by_bind)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, &index);
	struct pasid_as *rid_as = fx_as(), *pasid_as = fx_as();
	void *rbuf = map_at(rid_as, IOVA, 2), *pbuf = map_at(pasid_as, IOVA, 1);

	ck_assert_int_eq(pasid_attach_rid(dev, rid_as, PASID_RID_KERNEL_TABLE),
			 0);
	ck_assert_int_eq(fx_pt_kind(fx_rid_pt(index)), FX_PT_AUTO);
	fx_dma_check(index, 0, IOVA, rbuf);
	ck_assert_int_eq(pasid_bind(dev, pasid_as, 3), 3);
	ck_assert_int_eq(fx_pt_kind(fx_rid_pt(index)), FX_PT_PASID);
	fx_dma_check(index, 0, IOVA, rbuf);
	fx_dma_check(index, 0, IOVA + FX_PAGE, (char *)rbuf + FX_PAGE);
	fx_dma_check(index, 3, IOVA, pbuf);
	/* and mappings made afterwards reach the RID too */
	uint64_t iova = fx_map(rid_as, 1, PASID_MAP_RW, &rbuf);
	fx_dma_check(index, 0, iova, rbuf);
}
END_TEST

/* Re-attaching the RID to another address space is atomic. */
START_TEST(rid_reattach)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, &index);
	struct pasid_as *a = fx_as(), *b = fx_as();
	void *abuf = map_at(a, IOVA, 1), *bbuf = map_at(b, IOVA, 1);
	struct fx_state before;
	uint32_t pt;

	ck_assert_int_eq(pasid_attach_rid(dev, a, 0), 0);
	fx_dma_check(index, 0, IOVA, abuf);
	before = fx_state();
	ck_assert_int_eq(pasid_attach_rid(dev, b, 0), 0);
	fx_dma_check(index, 0, IOVA, bbuf);
	/* a's table idles */
	ck_assert_state_eq(fx_state_settled(), before);
	ck_assert_uint_eq(fx_idle_tables(), 1);
	/* a refused re-attach leaves the RID where it was */
	pt = fx_rid_pt(index);
	before = fx_state();
	emu_fail_call(1, EIO);		/* the attach of a's idle table */
	ck_assert_int_eq(pasid_attach_rid(dev, a, 0), -EIO);
	ck_assert_errmsg("VFIO_DEVICE_ATTACH_IOMMUFD_PT");
	ck_assert_state_eq(fx_state(), before);
	ck_assert_uint_eq(fx_rid_pt(index), pt);
	fx_dma_check(index, 0, IOVA, bbuf);
}
END_TEST

/* A mapping where the device's MSI window will be: the attach is refused
 * with the reason, and works once the mapping is gone. */
START_TEST(rid_reserved_conflict)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, &index);
	struct pasid_as *as = fx_as();
	void *buf = map_at(as, 0xfee00000ULL, 1);
	struct fx_state before = fx_state();

	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), -EADDRINUSE);
	ck_assert_errmsg("reserved regions");
	ck_assert_state_eq(fx_state(), before);
	ck_assert_uint_eq(fx_rid_pt(index), 0);
	ck_assert_int_eq(pasid_attach_rid(dev, as, PASID_RID_KERNEL_TABLE),
			 -EADDRINUSE);
	ck_assert_state_eq(fx_state(), before);
	/* PASIDs do not get the reserved regions */
	ck_assert_int_eq(pasid_bind(dev, as, 1), 1);
	fx_dma_check(index, 1, 0xfee00000ULL, buf);
	ck_assert_int_eq(pasid_unmap(as, 0xfee00000ULL, FX_PAGE), 0);
	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
}
END_TEST

START_TEST(rid_detach)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, &index);
	struct pasid_as *as = fx_as();
	void *buf = map_at(as, IOVA, 1);
	struct fx_state before = fx_state();

	ck_assert_int_eq(pasid_detach_rid(dev), -ENOENT);
	ck_assert_errmsg("not attached");
	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	ck_assert_int_eq(pasid_bind(dev, as, 2), 2);
	ck_assert_int_eq(pasid_detach_rid(dev), 0);
	ck_assert_noerrmsg();
	ck_assert_uint_eq(fx_rid_pt(index), 0);
	ck_assert_int_eq(emu_dma_write(index, 0, IOVA, "x", 1), -EFAULT);
	/* the PASID is unaffected */
	fx_dma_check(index, 2, IOVA, buf);
	ck_assert_int_eq(pasid_detach_rid(dev), -ENOENT);
	/* a refused detach keeps it attached */
	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	emu_fail_call(1, EIO);
	ck_assert_int_eq(pasid_detach_rid(dev), -EIO);
	fx_dma_check(index, 0, IOVA, buf);
	ck_assert_int_eq(pasid_detach_rid(dev), 0);
	ck_assert_int_eq(pasid_unbind(dev, 2), 0);
	ck_assert_state_eq(fx_state_settled(), before);
}
END_TEST


/* Memory the kernel cannot pin fails only when the first page table is
 * filled: the attach then says why and what to do, not a bare errno. */
START_TEST(rid_attach_pin_failures)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, &index);
	struct pasid_as *as = fx_as();
	struct fx_state before;
	void *ro = mmap(NULL, FX_PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	uint64_t iova = IOVA;
	int ret;

	ck_assert(ro != MAP_FAILED);
	/* no device yet: nothing is pinned, the map succeeds */
	ck_assert_int_eq(pasid_map(as, ro, FX_PAGE, FIXED, &iova), 0);
	before = fx_state();
	ret = pasid_attach_rid(dev, as, 0);
	ck_assert_int_eq(ret, -EFAULT);
	ck_assert_errmsg("PASID_MAP_READ only");
	ck_assert_state_eq(fx_state(), before);
	ck_assert_int_eq(pasid_unmap(as, IOVA, FX_PAGE), 0);
	munmap(ro, FX_PAGE);
	map_at(as, IOVA, 1);
	/* over RLIMIT_MEMLOCK: the kernel's ENOMEM at the table's fill */
	before = fx_state();
	emu_fail_call(1, ENOMEM);
	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), -ENOMEM);
	ck_assert_errmsg("RLIMIT_MEMLOCK");
	ck_assert_state_eq(fx_state(), before);
	ck_assert_int_eq(pasid_bind(dev, as, 3), 3);
	ck_assert_int_eq(pasid_unbind(dev, 3), 0);
	/* and at a PASID attach */
	emu_fail_call(1, ENOMEM);
	ck_assert_int_eq(pasid_bind(dev, as, 3), -ENOMEM);
	ck_assert_errmsg("RLIMIT_MEMLOCK");
}
END_TEST

/* ---- several devices ---- */

/* Two devices (own groups) on one address space: one mapping serves both. */
START_TEST(two_devices_one_as)
{
	int ia, ib;
	struct pasid_dev *a = fx_dev(BDF, EMU_IOMMU_INTEL, 8, &ia);
	struct pasid_dev *b = fx_dev(BDF2, EMU_IOMMU_INTEL, 8, &ib);
	struct pasid_as *as = fx_as();
	void *buf = map_at(as, IOVA, 1);
	void *late;
	uint64_t iova;

	ck_assert_int_eq(pasid_bind(a, as, PASID_ANY), 1);
	ck_assert_int_eq(pasid_bind(b, as, PASID_ANY), 1);
	ck_assert_int_eq(pasid_attach_rid(b, as, 0), 0);
	fx_dma_check(ia, 1, IOVA, buf);
	fx_dma_check(ib, 1, IOVA, buf);
	fx_dma_check(ib, 0, IOVA, buf);
	iova = fx_map(as, 1, PASID_MAP_RW, &late);
	fx_dma_check(ia, 1, iova, late);
	fx_dma_check(ib, 1, iova, late);
	pasid_dev_close(a);
	fx_dma_check(ib, 1, IOVA, buf);
	ck_assert_int_eq(pasid_unmap(as, iova, FX_PAGE), 0);
	ck_assert_int_eq(emu_dma_write(ib, 1, iova, "x", 1), -EFAULT);
}
END_TEST

/* Two devices of one IOMMU group: the kernel wants one page table per group
 * for the RID and for each PASID, and one PASID space. */
/* One PASID space per group: a PASID one device freed is not handed to
 * its sibling at once either. */
START_TEST(group_freed_pasid_not_reused)
{
	struct pasid_dev *a, *b;
	struct pasid_as *as = fx_as();
	int ia, ib;

	open_group_pair(8, &a, &b, &ia, &ib);
	ck_assert_int_eq(pasid_attach_rid(a, as, 0), 0);
	ck_assert_int_eq(pasid_attach_rid(b, as, 0), 0);
	ck_assert_int_eq(pasid_bind(a, as, PASID_ANY), 1);
	ck_assert_int_eq(pasid_unbind(a, 1), 0);
	ck_assert_int_eq(pasid_bind(b, as, PASID_ANY), 2);
}
END_TEST

/* The kernel refuses a PASID at or above the width of any PASID-capable
 * device of the group: the library's range for the wider device is the
 * narrower sibling's, for explicit PASIDs and PASID_ANY alike. */
START_TEST(group_narrower_sibling_limits_pasids)
{
	struct pasid_dev *a, *b;
	struct pasid_as *as = fx_as();
	int ia, ib, i;

	open_group_pair(4, &a, &b, &ia, &ib);	/* a: 1..255, b: 1..15 */
	ck_assert_int_eq(pasid_bind(a, as, 20), -EINVAL);
	ck_assert_errmsg("outside 1..15");
	ck_assert_errmsg("narrower device of its IOMMU group");
	for (i = 1; i <= 15; i++)
		ck_assert_int_eq(pasid_bind(a, as, PASID_ANY), i);
	ck_assert_int_eq(pasid_bind(a, as, PASID_ANY), -ENOSPC);
	/* closed, the sibling is still in the group: the kernel's EINVAL
	 * then names the cause the library can no longer check */
	ck_assert_int_eq(pasid_unbind(a, 15), 0);
	pasid_dev_close(b);
	ck_assert_int_eq(pasid_bind(a, as, 20), -EINVAL);
	ck_assert_errmsg("beyond the PASID width of a device of its IOMMU group");
	ck_assert_uint_eq(fx_pasid_pt(ia, 20), 0);
	ck_assert_int_eq(pasid_bind(a, as, 15), 15);
	(void)ib;
}
END_TEST

START_TEST(two_devices_one_group)
{
	struct pasid_dev *a, *b;
	struct pasid_as *as = fx_as(), *as2 = fx_as();
	void *buf = map_at(as, IOVA, 1), *buf2 = map_at(as2, IOVA, 1);
	int ia, ib, pa, pb, pc;

	open_group_pair(8, &a, &b, &ia, &ib);

	ck_assert_int_eq(pasid_attach_rid(a, as, 0), 0);
	ck_assert_int_eq(pasid_attach_rid(b, as, 0), 0);
	fx_dma_check(ia, 0, IOVA, buf);
	fx_dma_check(ib, 0, IOVA, buf);

	/* PASIDs the library picks do not collide across the group */
	pa = pasid_bind(a, as, PASID_ANY);
	ck_assert_int_gt(pa, 0);
	pb = pasid_bind(b, as2, PASID_ANY);
	ck_assert_int_gt(pb, 0);
	ck_assert_int_ne(pa, pb);
	fx_dma_check(ia, (uint32_t)pa, IOVA, buf);
	fx_dma_check(ib, (uint32_t)pb, IOVA, buf2);
	/* the same PASID on the same address space is shared */
	ck_assert_int_eq(pasid_bind(b, as, pa), pa);
	fx_dma_check(ib, (uint32_t)pa, IOVA, buf);
	/* but not on another one */
	pc = pasid_bind(a, as, pb);
	ck_assert_int_eq(pc, -EBUSY);
	ck_assert_errmsg("group");

	/* tear down in a mixed order */
	pasid_dev_close(a);
	fx_dma_check(ib, 0, IOVA, buf);
	fx_dma_check(ib, (uint32_t)pa, IOVA, buf);
	fx_dma_check(ib, (uint32_t)pb, IOVA, buf2);
	pasid_as_free(as);
	ck_assert_uint_eq(fx_rid_pt(ib), 0);
	ck_assert_uint_eq(fx_pasid_pt(ib, (uint32_t)pa), 0);
	fx_dma_check(ib, (uint32_t)pb, IOVA, buf2);
	a = fx_open(BDF);
	ck_assert_int_eq(pasid_bind(a, as2, pb), pb);
	fx_dma_check(ia, (uint32_t)pb, IOVA, buf2);
}
END_TEST

/* In a group the kernel moves the RID of every device at once: the first
 * bind on one device moves its sibling's RID too, and the library's record
 * of the sibling follows (checked by the leak checks of the teardown). */
START_TEST(group_rid_moved_by_bind)
{
	struct pasid_dev *a, *b;
	struct pasid_as *as = fx_as(), *pas = fx_as();
	void *buf = map_at(as, IOVA, 1), *pbuf = map_at(pas, IOVA, 1);
	int ia, ib;

	open_group_pair(0, &a, &b, &ia, &ib);	/* b: a sibling without PASIDs */

	ck_assert_int_eq(pasid_attach_rid(a, as, PASID_RID_KERNEL_TABLE), 0);
	/* b joins the table the group is on */
	ck_assert_int_eq(pasid_attach_rid(b, as, 0), 0);
	ck_assert_int_eq(fx_pt_kind(fx_rid_pt(ib)), FX_PT_AUTO);
	ck_assert_uint_eq(fx_rid_pt(ia), fx_rid_pt(ib));

	ck_assert_int_eq(pasid_bind(a, pas, 1), 1);
	ck_assert_int_eq(fx_pt_kind(fx_rid_pt(ia)), FX_PT_PASID);
	ck_assert_uint_eq(fx_rid_pt(ia), fx_rid_pt(ib));
	fx_dma_check(ia, 1, IOVA, pbuf);
	fx_dma_check(ia, 0, IOVA, buf);
	fx_dma_check(ib, 0, IOVA, buf);
	/* the group has PASIDs: b's RID cannot go to the kernel's table */
	ck_assert_int_eq(pasid_attach_rid(b, as, PASID_RID_KERNEL_TABLE),
			 -EINVAL);
	ck_assert_errmsg("IOMMU group");

	/* b leaves, a re-attaches elsewhere, b comes back */
	ck_assert_int_eq(pasid_detach_rid(b), 0);
	ck_assert_int_eq(pasid_attach_rid(a, pas, 0), 0);
	fx_dma_check(ia, 0, IOVA, pbuf);
	ck_assert_int_eq(pasid_attach_rid(b, pas, 0), 0);
	fx_dma_check(ib, 0, IOVA, pbuf);
	pasid_as_free(as);
	pasid_dev_close(a);
	fx_dma_check(ib, 0, IOVA, pbuf);
}
END_TEST

/* Rebinding a PASID that two devices of a group share moves it for both
 * (the kernel's replace is per group). */
START_TEST(group_rebind_shared_pasid)
{
	struct pasid_dev *a, *b;
	struct pasid_as *as = fx_as(), *as2 = fx_as();
	void *buf = map_at(as, IOVA, 1), *buf2 = map_at(as2, IOVA, 1);
	int ia, ib;

	open_group_pair(8, &a, &b, &ia, &ib);
	ck_assert_int_eq(pasid_bind(a, as, 5), 5);
	ck_assert_int_eq(pasid_bind(b, as, 5), 5);
	fx_dma_check(ib, 5, IOVA, buf);
	ck_assert_int_eq(pasid_rebind(a, 5, as2), 0);
	fx_dma_check(ia, 5, IOVA, buf2);
	fx_dma_check(ib, 5, IOVA, buf2);
	ck_assert_uint_eq(fx_pasid_pt(ia, 5), fx_pasid_pt(ib, 5));
	/* as's page table went away with its last user */
	pasid_as_free(as);
	fx_dma_check(ib, 5, IOVA, buf2);
	ck_assert_int_eq(pasid_unbind(a, 5), 0);
	fx_dma_check(ib, 5, IOVA, buf2);
	ck_assert_int_eq(pasid_unbind(b, 5), 0);
	ck_assert_uint_eq(fx_pasid_pt(ib, 5), 0);
	pasid_as_free(as2);
	pasid_dev_close(b);
	pasid_dev_close(a);
	ck_assert_uint_eq(emu_live_objects(), 0);
}
END_TEST

/* ---- teardown orders ---- */

/* Closing a device first releases its page tables; the address space
 * lives on and serves others. */
START_TEST(close_device_before_as)
{
	int ia, ib;
	struct pasid_dev *a = fx_dev(BDF, EMU_IOMMU_INTEL, 8, &ia);
	struct pasid_dev *b = fx_dev(BDF2, EMU_IOMMU_INTEL, 0, &ib);
	struct pasid_as *as = fx_as();
	void *buf = map_at(as, IOVA, 1);
	unsigned int objs = emu_live_objects();

	ck_assert_int_eq(pasid_attach_rid(a, as, 0), 0);
	ck_assert_int_eq(pasid_bind(a, as, 1), 1);
	ck_assert_int_eq(pasid_attach_rid(b, as, 0), 0);
	pasid_dev_close(a);
	/* a's DEVICE object is gone and its PASID table idles; b's auto
	 * table stays */
	ck_assert_uint_eq(emu_live_objects(), objs + fx_idle_tables());
	ck_assert_uint_eq(fx_idle_tables(), 1);
	fx_dma_check(ib, 0, IOVA, buf);
	pasid_as_free(as);
	ck_assert_uint_eq(fx_rid_pt(ib), 0);
	ck_assert_uint_eq(emu_mapped_bytes(), 0);
	pasid_dev_close(b);
	ck_assert_uint_eq(emu_live_objects(), 0);
}
END_TEST

/* Freeing an address space detaches every RID and PASID using it; the
 * device is fine and binds elsewhere. */
START_TEST(free_as_while_bound)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, &index);
	struct pasid_as *a = fx_as(), *b = fx_as();
	void *bbuf = map_at(b, IOVA, 1);
	unsigned int objs;

	map_at(a, IOVA, 1);
	ck_assert_int_eq(pasid_attach_rid(dev, a, 0), 0);
	ck_assert_int_eq(pasid_bind(dev, a, 1), 1);
	ck_assert_int_eq(pasid_bind(dev, a, 2), 2);
	ck_assert_int_eq(pasid_bind(dev, b, 3), 3);
	objs = emu_live_objects();
	pasid_as_free(a);
	/* the IOAS and its page table */
	ck_assert_uint_eq(emu_live_objects(), objs - 2);
	ck_assert_uint_eq(emu_mapped_bytes(), FX_PAGE);
	ck_assert_uint_eq(fx_rid_pt(index), 0);
	ck_assert_uint_eq(fx_pasid_pt(index, 1), 0);
	ck_assert_uint_eq(fx_pasid_pt(index, 2), 0);
	fx_dma_check(index, 3, IOVA, bbuf);
	/* the library forgot them too */
	ck_assert_int_eq(pasid_unbind(dev, 1), -ENOENT);
	ck_assert_int_eq(pasid_detach_rid(dev), -ENOENT);
	ck_assert_int_eq(pasid_bind(dev, b, 1), 1);
	ck_assert_int_eq(pasid_attach_rid(dev, b, 0), 0);
	fx_dma_check(index, 1, IOVA, bbuf);
	fx_dma_check(index, 0, IOVA, bbuf);
	pasid_as_free(b);
	pasid_dev_close(dev);
	ck_assert_uint_eq(emu_live_objects(), 0);
}
END_TEST

/* Unbinding everything, then freeing, then closing: the plain order. */
START_TEST(teardown_in_order)
{
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, NULL);
	struct pasid_as *as = fx_as();
	uint64_t iova = fx_map(as, 2, PASID_MAP_RW, NULL);

	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	ck_assert_int_eq(pasid_bind(dev, as, 1), 1);
	ck_assert_int_eq(pasid_unbind(dev, 1), 0);
	ck_assert_int_eq(pasid_detach_rid(dev), 0);
	ck_assert_int_eq(pasid_unmap(as, iova, 2 * FX_PAGE), 0);
	pasid_as_free(as);
	pasid_dev_close(dev);
	ck_assert_uint_eq(emu_live_objects(), 0);
	ck_assert_uint_eq(emu_open_fds(), 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bind");
	TCase *tc;

	tc = tcase_create("bind");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, bind_explicit);
	tcase_add_loop_test(tc, bind_each_vendor, 0,
			    sizeof(pasid_iommus) / sizeof(pasid_iommus[0]));
	tcase_add_test(tc, bind_shares_page_table);
	tcase_add_test(tc, bind_any);
	tcase_add_test(tc, bind_any_exhausted);
	tcase_add_test(tc, bind_out_of_range);
	tcase_add_test(tc, bind_twice);
	tcase_add_test(tc, bind_bad_args);
	tcase_add_test(tc, bind_no_pasid_device);
	tcase_add_test(tc, bind_no_pasid_table);
	tcase_add_test(tc, bind_variant_driver);
	suite_add_tcase(s, tc);

	tc = tcase_create("vendor rules");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, amd_bind_refused_before_rid);
	tcase_add_test(tc, amd_bind_probe_refused);
	tcase_add_test(tc, amd_bind_later_kernel);
	tcase_add_test(tc, smmu_linear_cd_width);
	tcase_add_loop_test(tc, intel_pasid_table_stage, 0,
			    sizeof(vtd_stages) / sizeof(vtd_stages[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("unbind");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, unbind);
	tcase_add_test(tc, unbind_kernel_error);
	tcase_add_test(tc, rebind);
	tcase_add_test(tc, rebind_kernel_error);
	suite_add_tcase(s, tc);

	tc = tcase_create("rid");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, rid_default_pasid_device);
	tcase_add_test(tc, rid_default_no_pasid_device);
	tcase_add_test(tc, rid_kernel_table);
	tcase_add_test(tc, rid_bad_flags);
	tcase_add_test(tc, rid_virtio);
	tcase_add_test(tc, rid_moved_by_bind);
	tcase_add_test(tc, rid_reattach);
	tcase_add_test(tc, rid_reserved_conflict);
	tcase_add_test(tc, rid_detach);
	tcase_add_test(tc, rid_attach_pin_failures);
	suite_add_tcase(s, tc);

	tc = tcase_create("devices");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, two_devices_one_as);
	tcase_add_test(tc, two_devices_one_group);
	tcase_add_test(tc, group_narrower_sibling_limits_pasids);
	tcase_add_test(tc, group_freed_pasid_not_reused);
	tcase_add_test(tc, group_rid_moved_by_bind);
	tcase_add_test(tc, group_rebind_shared_pasid);
	tcase_add_test(tc, close_device_before_as);
	tcase_add_test(tc, free_as_while_bound);
	tcase_add_test(tc, teardown_in_order);
	suite_add_tcase(s, tc);

	return fx_run(s);
}
