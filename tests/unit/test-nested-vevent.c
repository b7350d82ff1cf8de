/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * vIOMMU event queues (nested.h, SMMUv3): pasid_veventq_new on a nest's
 * vIOMMU, the emulated device's stage-1 fault arriving as an F_TRANSLATION
 * record with the nest's vSID, injected records, the lost-events header
 * and sequence gaps, the vendors without one (VT-d, AMD) refused naming
 * why, bad input, and the queue going with its nest.
 */
#include <errno.h>

#include "fixture.h"
#include "kabi.h"
#include "libpasid/nested.h"

#define BDF "0000:00:04.0"
#define VSID 0x42u
#define ROOT 0x100000ULL

static struct pasid_nest *smmu_nest(struct pasid_dev *dev,
				    struct pasid_as *as)
{
	struct pasid_nest_opts o = {
		.size = sizeof(o), .flags = PASID_NEST_VIRT_ID,
		.virt_id = VSID,
	};
	struct pasid_nest *n;

	ck_assert_int_eq(pasid_nest_new(dev, as, &o, &n), 0);
	return n;
}

static uint32_t viommu_of(const struct pasid_nest *n)
{
	struct pasid_nest_info i = { .size = sizeof(i) };

	ck_assert_int_eq(pasid_nest_info(n, &i), 0);
	return i.viommu_id;
}

static void inject(uint32_t viommu, uint64_t tag)
{
	const uint64_t evt[4] = { 0x0a, tag, 0, 0 };	/* C_BAD_CD */

	ck_assert_int_eq(emu_vevent_inject(viommu, evt), 0);
}

START_TEST(vevent_smmuv3)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_SMMUV3, 8, &index);
	struct pasid_as *as = fx_as();
	struct fx_state before = fx_state();
	struct pasid_nest *n = smmu_nest(dev, as);
	struct pasid_s1_opts so = {
		.size = sizeof(so), .root = ROOT, .va_bits = 48,
	};
	struct pasid_veventq *q;
	struct pasid_vevent ev[4];
	struct pasid_s1 *s1;
	unsigned int k;
	uint32_t v = 0;

	ck_assert_int_eq(pasid_veventq_new(n, 8, &q), 0);
	ck_assert_int_ge(pasid_veventq_fd(q), 0);
	ck_assert_int_eq(pasid_veventq_read(q, ev, 4, &k), 0);
	ck_assert_uint_eq(k, 0);
	/* the user's stage-1 (not walked by the emulation) faults */
	ck_assert_int_eq(pasid_s1_attach(n, 5, &so, &s1), 0);
	ck_assert_int_eq(emu_dma_write(index, 5, 0x40003008ULL, &v, sizeof(v)),
			 -EFAULT);
	ck_assert_int_eq(pasid_veventq_read(q, ev, 4, &k), 0);
	ck_assert_uint_eq(k, 1);
	ck_assert_uint_eq(ev[0].flags, 0);
	ck_assert_uint_eq(ev[0].sequence, 0);
	ck_assert_uint_eq(ev[0].lost, 0);
	ck_assert_uint_eq(ev[0].evt[0] & 0xff, 0x10);		/* F_TRANSLATION */
	ck_assert_uint_eq(ev[0].evt[0] >> 32, VSID);		/* the vSID */
	ck_assert_uint_eq((ev[0].evt[0] >> 11) & 1, 1);		/* SSV */
	ck_assert_uint_eq((ev[0].evt[0] >> 12) & 0xfffff, 5);	/* SSID */
	ck_assert_uint_eq(ev[0].evt[2], 0x40003008ULL);
	ck_assert_uint_eq((ev[0].evt[1] >> 35) & 1, 0);		/* a write */
	/* untagged DMA goes through the stage-2 only: no event */
	ck_assert_int_eq(emu_dma_write(index, 0, 0x40003008ULL, &v, sizeof(v)),
			 -EFAULT);
	ck_assert_int_eq(pasid_veventq_read(q, ev, 4, &k), 0);
	ck_assert_uint_eq(k, 0);
	pasid_veventq_free(q);
	ck_assert_int_eq(emu_vevent_inject(viommu_of(n),
					   (const uint64_t[4]){ 0 }),
			 -EOPNOTSUPP);
	pasid_s1_free(s1);
	pasid_nest_free(n);
	ck_assert_state_eq(fx_state_settled(), before);
}
END_TEST

/* Past the depth events are lost: a LOST entry at the tail, or a gap. */
START_TEST(vevent_lost)
{
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_SMMUV3, 8, NULL);
	struct pasid_nest *n = smmu_nest(dev, fx_as());
	uint32_t vi = viommu_of(n);
	struct pasid_veventq *q;
	struct pasid_vevent ev[8];
	unsigned int k, i;

	ck_assert_int_eq(pasid_veventq_new(n, 2, &q), 0);
	for (i = 0; i < 5; i++)
		inject(vi, i);
	ck_assert_int_eq(pasid_veventq_read(q, ev, 8, &k), 0);
	ck_assert_uint_eq(k, 3);
	ck_assert_uint_eq(ev[0].evt[1], 0);
	ck_assert_uint_eq(ev[1].evt[1], 1);
	ck_assert_uint_eq(ev[1].lost, 0);
	ck_assert_uint_eq(ev[2].flags, PASID_VEVENT_LOST);
	ck_assert_uint_eq(ev[2].sequence, 4);
	ck_assert_uint_eq(ev[2].lost, 3);
	ck_assert_uint_eq(ev[2].evt[0], 0);
	/* the next is numbered on */
	inject(vi, 5);
	ck_assert_int_eq(pasid_veventq_read(q, ev, 8, &k), 0);
	ck_assert_uint_eq(k, 1);
	ck_assert_uint_eq(ev[0].sequence, 5);
	ck_assert_uint_eq(ev[0].lost, 0);
	/* a loss followed by an event: the LOST entry goes, a gap stays */
	inject(vi, 6);
	inject(vi, 7);
	inject(vi, 8);		/* lost */
	ck_assert_int_eq(pasid_veventq_read(q, ev, 1, &k), 0);
	ck_assert_uint_eq(k, 1);
	ck_assert_uint_eq(ev[0].evt[1], 6);
	inject(vi, 9);
	ck_assert_int_eq(pasid_veventq_read(q, ev, 8, &k), 0);
	ck_assert_uint_eq(k, 2);
	ck_assert_uint_eq(ev[0].evt[1], 7);
	ck_assert_uint_eq(ev[0].lost, 0);
	ck_assert_uint_eq(ev[1].evt[1], 9);
	ck_assert_uint_eq(ev[1].sequence, 9);
	ck_assert_uint_eq(ev[1].lost, 1);
	/* freed with its nest */
	pasid_nest_free(n);
}
END_TEST

START_TEST(vevent_refused)
{
	struct emu_dev_cfg amd = {
		.bdf = "0000:00:06.0", .iommu = EMU_IOMMU_AMD,
		.amd_nesting = true,
	};
	struct pasid_dev *intel = fx_dev(BDF, EMU_IOMMU_INTEL, 8, NULL);
	struct pasid_dev *smmu = fx_dev("0000:00:05.0", EMU_IOMMU_SMMUV3, 8,
					NULL);
	struct pasid_dev *a;
	struct pasid_as *as = fx_as();
	struct pasid_nest *ni, *ns, *na;
	struct pasid_veventq *q, *q2;
	struct fx_state before;
	struct pasid_vevent ev;
	unsigned int k = 3;

	fx_add_cfg(&amd);
	a = fx_open(amd.bdf);
	ck_assert_int_eq(pasid_nest_new(intel, as, NULL, &ni), 0);
	ck_assert_int_eq(pasid_nest_new(a, as, NULL, &na), 0);
	ns = smmu_nest(smmu, as);
	before = fx_state();
	ck_assert_int_eq(pasid_veventq_new(ni, 4, &q), -EOPNOTSUPP);
	ck_assert_errmsg("intel-vtd");
	ck_assert_errmsg("vIOMMU event queue");
	ck_assert_int_eq(pasid_veventq_new(na, 4, &q), -EOPNOTSUPP);
	ck_assert_errmsg("amd-vi");
	ck_assert_int_eq(pasid_veventq_new(NULL, 4, &q), -EINVAL);
	ck_assert_int_eq(pasid_veventq_new(ns, 4, NULL), -EINVAL);
	ck_assert_int_eq(pasid_veventq_new(ns, 0, &q), -EINVAL);
	ck_assert_errmsg("depth");
	ck_assert_int_eq(pasid_veventq_new(ns, 0x80000000u, &q), -EINVAL);
	ck_assert_state_eq(fx_state(), before);
	ck_assert_int_eq(pasid_veventq_new(ns, 4, &q), 0);
	ck_assert_int_eq(pasid_veventq_new(ns, 4, &q2), -EBUSY);
	ck_assert_errmsg("already");
	ck_assert_int_eq(pasid_veventq_fd(NULL), -EINVAL);
	ck_assert_int_eq(pasid_veventq_read(NULL, &ev, 1, &k), -EINVAL);
	ck_assert_uint_eq(k, 0);
	ck_assert_int_eq(pasid_veventq_read(q, NULL, 1, &k), -EINVAL);
	ck_assert_int_eq(pasid_veventq_read(q, &ev, 1, NULL), -EINVAL);
	pasid_veventq_free(q);
	pasid_veventq_free(NULL);
	ck_assert_state_eq(fx_state(), before);
}
END_TEST

START_TEST(vevent_each_call_fails)
{
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_SMMUV3, 8, NULL);
	struct pasid_nest *n = smmu_nest(dev, fx_as());
	struct fx_state before = fx_state();
	struct pasid_veventq *q;
	struct pasid_vevent ev;
	unsigned int k;

	emu_fail_call(1, EIO);
	ck_assert_int_eq(pasid_veventq_new(n, 4, &q), -EIO);
	ck_assert_errmsg("IOMMU_VEVENTQ_ALLOC");
	ck_assert_state_eq(fx_state(), before);
	ck_assert_int_eq(pasid_veventq_new(n, 4, &q), 0);
	inject(viommu_of(n), 1);
	emu_fail_call(1, EIO);
	ck_assert_int_eq(pasid_veventq_read(q, &ev, 1, &k), -EIO);
	ck_assert_errmsg("read(vEVENTQ)");
	ck_assert_int_eq(pasid_veventq_read(q, &ev, 1, &k), 0);
	ck_assert_uint_eq(k, 1);
	ck_assert_uint_eq(ev.evt[1], 1);
}
END_TEST

static Suite *vevent_suite(void)
{
	Suite *s = suite_create("nested-vevent");
	TCase *tc = tcase_create("vevent");

	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, vevent_smmuv3);
	tcase_add_test(tc, vevent_lost);
	tcase_add_test(tc, vevent_refused);
	tcase_add_test(tc, vevent_each_call_fails);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return fx_run(vevent_suite());
}
