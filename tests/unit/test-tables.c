/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The page-table policy (libpasid(7), "Page tables"): devices of one IOMMU on
 * one address space share one PASID-capable page table, so every map is
 * written once; a device the kernel refuses that table to (another IOMMU
 * instance) gets its own, and is not asked again; a table whose last user
 * left stays idle for the next bind, and is destroyed once the maps and
 * unmaps made meanwhile add up to what rebuilding it would cost, or with its
 * address space. DMA checks that every translation is the one promised.
 */
#include <errno.h>
#include <stdio.h>

#include "fixture.h"
#include "internal.h"

#define IOVA 0x200000ULL

static char bdf[4][16];

/* Device i of unit `unit` of the Intel IOMMU, in a group of its own. */
static struct pasid_dev *unit_dev(int i, unsigned int unit, int *index)
{
	struct emu_dev_cfg cfg = {
		.iommu = EMU_IOMMU_INTEL, .pasid_log2 = 8, .group = 20 + i,
		.iommu_unit = unit,
	};

	snprintf(bdf[i], sizeof(bdf[i]), "0000:00:%02x.0", 4 + i);
	cfg.bdf = bdf[i];
	*index = fx_add_cfg(&cfg);
	return fx_open(bdf[i]);
}

static void *map_at(struct pasid_as *as, uint64_t iova, size_t npages)
{
	void *buf = fx_buf(npages);

	ck_assert_int_eq(pasid_map(as, buf, npages * FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &iova), 0);
	return buf;
}

/* Three devices of one IOMMU: one table for all RIDs and PASIDs, so the
 * kernel writes every later map once. */
START_TEST(three_devices_share_one_table)
{
	struct pasid_as *as = fx_as();
	struct pasid_dev *d[3];
	int idx[3], i;
	uint32_t pt;
	void *buf;

	for (i = 0; i < 3; i++)
		d[i] = unit_dev(i, 0, &idx[i]);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(pasid_attach_rid(d[i], as, 0), 0);
		ck_assert_int_eq(pasid_bind(d[i], as, 5), 5);
	}
	pt = fx_rid_pt(idx[0]);
	for (i = 0; i < 3; i++) {
		ck_assert_uint_eq(fx_rid_pt(idx[i]), pt);
		ck_assert_uint_eq(fx_pasid_pt(idx[i], 5), pt);
	}
	ck_assert_int_eq(emu_ioas_domains(pasid_as_ioas_id(as)), 1);
	/* a map after the attaches reaches every device */
	buf = map_at(as, IOVA, 1);
	for (i = 0; i < 3; i++) {
		fx_dma_check(idx[i], 0, IOVA, buf);
		fx_dma_check(idx[i], 5, IOVA, buf);
	}
	/* closing one device leaves the table to the others */
	pasid_dev_close(d[1]);
	fx_dma_check(idx[0], 5, IOVA, buf);
	fx_dma_check(idx[2], 0, IOVA, buf);
	ck_assert_int_eq(emu_ioas_domains(pasid_as_ioas_id(as)), 1);
}
END_TEST

/* A device behind another IOMMU instance: the kernel refuses the first
 * table (EINVAL), the device gets its own, and the refusal is remembered. */
START_TEST(other_iommu_gets_own_table)
{
	struct pasid_as *as = fx_as();
	struct pasid_dev *a, *b, *c;
	int ia, ib, ic;
	unsigned int calls;
	void *buf = map_at(as, IOVA, 1);

	a = unit_dev(0, 0, &ia);
	b = unit_dev(1, 1, &ib);
	c = unit_dev(2, 0, &ic);
	ck_assert_int_eq(pasid_attach_rid(a, as, 0), 0);
	ck_assert_int_eq(pasid_attach_rid(b, as, 0), 0);
	ck_assert_uint_ne(fx_rid_pt(ia), fx_rid_pt(ib));
	ck_assert_int_eq(emu_ioas_domains(pasid_as_ioas_id(as)), 2);
	/* c is a's kind: it takes a's table at the first try */
	calls = emu_calls();
	ck_assert_int_eq(pasid_attach_rid(c, as, 0), 0);
	ck_assert_uint_eq(emu_calls() - calls, 1);
	ck_assert_uint_eq(fx_rid_pt(ic), fx_rid_pt(ia));
	/* b's PASIDs go to b's table without asking about a's again */
	calls = emu_calls();
	ck_assert_int_eq(pasid_bind(b, as, 3), 3);
	ck_assert_uint_eq(emu_calls() - calls, 1);
	ck_assert_uint_eq(fx_pasid_pt(ib, 3), fx_rid_pt(ib));
	fx_dma_check(ia, 0, IOVA, buf);
	fx_dma_check(ib, 3, IOVA, buf);
	fx_dma_check(ic, 0, IOVA, buf);
	ck_assert_int_eq(emu_ioas_domains(pasid_as_ioas_id(as)), 2);
}
END_TEST

/* Steady state: unbind leaves the table idle and the next bind takes it
 * with one kernel call, the attach; the DMA goes through it. */
START_TEST(idle_table_reused)
{
	struct pasid_as *as = fx_as();
	void *buf = map_at(as, IOVA, 16);
	int idx, i;
	struct pasid_dev *d = unit_dev(0, 0, &idx);
	unsigned int calls;
	uint32_t pt;

	ck_assert_int_eq(pasid_bind(d, as, 1), 1);
	pt = fx_pasid_pt(idx, 1);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(pasid_unbind(d, 1), 0);
		ck_assert_uint_eq(fx_idle_tables(), 1);
		calls = emu_calls();
		ck_assert_int_eq(pasid_bind(d, as, 1), 1);
		ck_assert_uint_eq(emu_calls() - calls, 1);
		ck_assert_uint_eq(fx_pasid_pt(idx, 1), pt);
		fx_dma_check(idx, 1, IOVA, buf);
	}
}
END_TEST

/* An idle table is written by every map and unmap of its address space:
 * it goes once they add up to the bytes mapped plus the slack for its
 * allocation (64 pages), and not before. */
START_TEST(idle_table_dropped_by_churn)
{
	struct pasid_as *as = fx_as();
	void *big = map_at(as, IOVA, 32);
	int idx, i;
	struct pasid_dev *d = unit_dev(0, 0, &idx);
	uint32_t ioas = pasid_as_ioas_id(as);
	unsigned int objs;
	/* mapped: 32 pages; the table goes at 32 + 64 = 96 pages of churn */
	const int rounds = 48;	/* one map and one unmap of a page each */
	void *page = fx_buf(1);
	uint64_t iova;

	ck_assert_int_eq(pasid_bind(d, as, 1), 1);
	ck_assert_int_eq(pasid_unbind(d, 1), 0);
	objs = emu_live_objects();
	for (i = 0; i < rounds - 1; i++) {
		ck_assert_int_eq(pasid_map(as, page, FX_PAGE, PASID_MAP_RW, &iova), 0);
		ck_assert_int_eq(pasid_unmap(as, iova, FX_PAGE), 0);
	}
	/* 94 pages of churn against 32 + 64 mapped + slack: still idle */
	ck_assert_uint_eq(fx_idle_tables(), 1);
	ck_assert_int_eq(emu_ioas_domains(ioas), 1);
	ck_assert_int_eq(pasid_map(as, page, FX_PAGE, PASID_MAP_RW, &iova), 0);
	ck_assert_int_eq(pasid_unmap(as, iova, FX_PAGE), 0);
	ck_assert_uint_eq(fx_idle_tables(), 0);
	ck_assert_int_eq(emu_ioas_domains(ioas), 0);
	ck_assert_uint_eq(emu_live_objects(), objs - 1);
	/* the next bind builds a table again, and DMA goes through it */
	ck_assert_int_eq(pasid_bind(d, as, 1), 1);
	fx_dma_check(idx, 1, IOVA, big);
}
END_TEST

/* Idle tables go with their address space and with the context. */
START_TEST(idle_tables_released)
{
	struct pasid_as *a = fx_as(), *b = fx_as();
	int idx;
	struct pasid_dev *d = unit_dev(0, 0, &idx);
	unsigned int objs = emu_live_objects();

	ck_assert_int_eq(pasid_bind(d, a, 1), 1);
	ck_assert_int_eq(pasid_rebind(d, 1, b), 0);
	ck_assert_uint_eq(fx_idle_tables(), 1);
	pasid_as_free(a);
	/* a's IOAS and its idle table are gone: what is left is b's table */
	ck_assert_uint_eq(emu_live_objects(), objs);
	ck_assert_int_eq(pasid_unbind(d, 1), 0);
	ck_assert_uint_eq(fx_idle_tables(), 1);
	/* fx_teardown closes the context: its leak check sees no object */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tables");
	TCase *tc = tcase_create("tables");

	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, three_devices_share_one_table);
	tcase_add_test(tc, other_iommu_gets_own_table);
	tcase_add_test(tc, idle_table_reused);
	tcase_add_test(tc, idle_table_dropped_by_churn);
	tcase_add_test(tc, idle_tables_released);
	suite_add_tcase(s, tc);
	return fx_run(s);
}
