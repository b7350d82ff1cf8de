/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Nests (include/libpasid/nested.h): pasid_nest_new per vendor (the stage-2,
 * the vIOMMU and vDEVICE where the IOMMU has them, the RID on the stage-2
 * with DMA through the address space), what it refuses and that a refusal
 * leaves nothing behind, the generic calls refused on a nested device, and
 * every way a nest goes away.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "kabi.h"
#include "libpasid/nested.h"

#define BDF "0000:00:04.0"
#define IOVA 0x200000ULL
#define FIXED (PASID_MAP_RW | PASID_MAP_FIXED_IOVA)

static void *map_at(struct pasid_as *as, uint64_t iova)
{
	void *buf = fx_buf(1);

	ck_assert_int_eq(pasid_map(as, buf, FX_PAGE, FIXED, &iova), 0);
	return buf;
}

static struct pasid_nest_info info_of(const struct pasid_nest *n)
{
	struct pasid_nest_info i = { .size = sizeof(i) };

	ck_assert_int_eq(pasid_nest_info(n, &i), 0);
	return i;
}

static uint32_t hwpt_flags(uint32_t id)
{
	uint32_t f = 0;

	ck_assert_int_eq(emu_hwpt_flags(id, &f), 0);
	return f;
}

/* ---- per vendor ---- */

START_TEST(nest_intel)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, &index);
	struct pasid_as *as = fx_as();
	void *buf = map_at(as, IOVA);
	struct fx_state before = fx_state();
	struct pasid_nest_info i;
	struct pasid_nest *n;

	ck_assert_int_eq(pasid_nest_new(dev, as, NULL, &n), 0);
	ck_assert_noerrmsg();
	i = info_of(n);
	/* the RID is on the stage-2, which VT-d allocates PASID-capable so
	 * that stage-1s can nest at PASIDs; no vIOMMU on VT-d */
	ck_assert_uint_eq(fx_rid_pt(index), i.parent_id);
	ck_assert_uint_eq(hwpt_flags(i.parent_id),
			  KABI_IOMMU_HWPT_ALLOC_NEST_PARENT |
			  KABI_IOMMU_HWPT_ALLOC_PASID);
	ck_assert_uint_eq(i.viommu_id, 0);
	ck_assert_uint_eq(i.vdevice_id, 0);
	ck_assert_uint_eq(fx_state().objs, before.objs + 1);
	fx_dma_check(index, 0, IOVA, buf);
	pasid_nest_free(n);
	ck_assert_uint_eq(fx_rid_pt(index), 0);
	ck_assert_state_eq(fx_state(), before);
}
END_TEST

START_TEST(nest_smmuv3)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_SMMUV3, 8, &index);
	struct pasid_as *as = fx_as();
	void *buf = map_at(as, IOVA);
	struct fx_state before = fx_state();
	struct pasid_nest_opts o = {
		.size = sizeof(o), .flags = PASID_NEST_VIRT_ID, .virt_id = 0x42,
	};
	struct pasid_nest_info i;
	struct pasid_nest *n;

	ck_assert_int_eq(pasid_nest_new(dev, as, &o, &n), 0);
	i = info_of(n);
	ck_assert_uint_eq(fx_rid_pt(index), i.parent_id);
	ck_assert_uint_eq(hwpt_flags(i.parent_id),
			  KABI_IOMMU_HWPT_ALLOC_NEST_PARENT);
	ck_assert_uint_ne(i.viommu_id, 0);
	ck_assert_uint_ne(i.vdevice_id, 0);
	ck_assert_uint_eq(i.virt_id, 0x42);
	ck_assert_uint_eq(i.flags, PASID_NEST_VIRT_ID);
	ck_assert_uint_eq(fx_state().objs, before.objs + 3);
	fx_dma_check(index, 0, IOVA, buf);
	pasid_nest_free(n);
	ck_assert_state_eq(fx_state(), before);

	/* without a virt_id the device's iommufd id names it */
	ck_assert_int_eq(pasid_nest_new(dev, as, NULL, &n), 0);
	i = info_of(n);
	ck_assert_uint_eq(i.virt_id, pasid_dev_iommufd_id(dev));
	ck_assert_uint_eq(i.flags, 0);
	pasid_nest_free(n);
}
END_TEST

/* QEMU's SMMUv3 shows neither CANWBS nor S2FWB: the kernel gives no
 * vIOMMU, and the half-made nest is undone. */
START_TEST(nest_smmuv3_no_viommu)
{
	struct emu_dev_cfg cfg = {
		.bdf = BDF, .iommu = EMU_IOMMU_SMMUV3, .no_viommu = true,
	};
	struct pasid_dev *dev;
	struct pasid_as *as = fx_as();
	struct fx_state before;
	struct pasid_nest *n = NULL;
	int index = fx_add_cfg(&cfg);

	dev = fx_open(BDF);
	before = fx_state();
	ck_assert_int_eq(pasid_nest_new(dev, as, NULL, &n), -EOPNOTSUPP);
	ck_assert_errmsg("IOMMU_VIOMMU_ALLOC");
	/* which of the two the registers show missing (SMMU_IDR3.FWB: the
	 * emulated SMMUv3 has none) */
	ck_assert_errmsg("S2FWB: SMMU_IDR3.FWB is clear");
	ck_assert_errmsg("CANWBS");
	ck_assert_ptr_null(n);
	ck_assert_state_eq(fx_state(), before);
	ck_assert_uint_eq(fx_rid_pt(index), 0);
}
END_TEST

START_TEST(nest_refused_per_vendor)
{
	struct pasid_dev *amd = fx_dev(BDF, EMU_IOMMU_AMD, 0, NULL);
	struct pasid_dev *virtio = fx_dev("0000:00:05.0", EMU_IOMMU_VIRTIO, 0,
					  NULL);
	struct pasid_dev *smmu = fx_dev("0000:00:06.0", EMU_IOMMU_SMMUV3, 8,
					NULL);
	struct pasid_nest_opts dirty = {
		.size = sizeof(dirty), .flags = PASID_NEST_DIRTY_TRACKING,
	};
	struct pasid_as *as = fx_as();
	struct fx_state before = fx_state();
	struct pasid_nest *n;

	/* the emulated AMD-Vi lacks GIoSup and GCR3TRPMode */
	ck_assert_int_eq(pasid_nest_new(amd, as, NULL, &n), -EOPNOTSUPP);
	ck_assert_errmsg("amd-vi");
	ck_assert_int_eq(pasid_nest_new(virtio, as, NULL, &n), -EOPNOTSUPP);
	ck_assert_errmsg("IOMMU_HWPT_ALLOC(NEST_PARENT)");
	/* an SMMUv3 stage-2 tracks no dirty bits */
	ck_assert_int_eq(pasid_nest_new(smmu, as, &dirty, &n), -EOPNOTSUPP);
	ck_assert_errmsg("dirty");
	ck_assert_state_eq(fx_state(), before);
}
END_TEST

/* A unit that cannot nest at all (QEMU 10.0.2's VT-d: no ECAP.NEST, no
 * SSADS; its AMD-Vi: no GTSup and no HDSup) says so when dirty tracking is
 * asked for too, rather than sending the caller to try without it. */
START_TEST(nest_dirty_cannot_nest)
{
	struct emu_dev_cfg cfg = {
		.bdf = BDF, .iommu = EMU_IOMMU_INTEL,
		.vtd_ecap_clear = 1ull << 26,	/* NEST */
	};
	struct pasid_nest_opts o = {
		.size = sizeof(o), .flags = PASID_NEST_DIRTY_TRACKING,
	};
	struct pasid_dev *amd = fx_dev("0000:00:05.0", EMU_IOMMU_AMD, 0, NULL);
	struct pasid_dev *dev;
	struct pasid_as *as = fx_as();
	struct fx_state before;
	struct pasid_nest *n = NULL;

	fx_add_cfg(&cfg);
	dev = fx_open(BDF);
	before = fx_state();
	ck_assert_int_eq(pasid_nest_new(dev, as, &o, &n), -EOPNOTSUPP);
	ck_assert_errmsg("ECAP.NEST is clear");
	ck_assert_ptr_null(strstr(pasid_errmsg(), "without PASID_NEST_DIRTY_TRACKING"));
	ck_assert_int_eq(pasid_nest_new(amd, as, &o, &n), -EOPNOTSUPP);
	ck_assert_errmsg("GCR3TRPMode");
	ck_assert_ptr_null(strstr(pasid_errmsg(), "without PASID_NEST_DIRTY_TRACKING"));
	ck_assert_ptr_null(n);
	ck_assert_state_eq(fx_state(), before);
}
END_TEST

START_TEST(nest_dirty_intel)
{
	struct emu_dev_cfg cfg = {
		.bdf = BDF, .iommu = EMU_IOMMU_INTEL, .pasid_log2 = 8,
		.dirty = true,
	};
	struct pasid_nest_opts o = {
		.size = sizeof(o), .flags = PASID_NEST_DIRTY_TRACKING,
	};
	struct pasid_dev *plain = fx_dev("0000:00:05.0", EMU_IOMMU_INTEL, 8,
					 NULL);
	struct pasid_dev *dev;
	struct pasid_as *as = fx_as();
	struct pasid_nest *n;

	fx_add_cfg(&cfg);
	dev = fx_open(BDF);
	ck_assert_int_eq(pasid_nest_new(dev, as, &o, &n), 0);
	ck_assert(hwpt_flags(info_of(n).parent_id) &
		  KABI_IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
	ck_assert_uint_eq(info_of(n).flags, PASID_NEST_DIRTY_TRACKING);
	/* a unit without SSADS refuses before the kernel is asked */
	ck_assert_int_eq(pasid_nest_new(plain, as, &o, &n), -EOPNOTSUPP);
	ck_assert_errmsg("dirty tracking");
}
END_TEST

/* ---- what a nest excludes ---- */

START_TEST(nest_busy)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, &index);
	struct pasid_as *as = fx_as();
	struct pasid_nest *n, *n2;
	struct fx_state before;

	/* generic attachments first: refused, nothing made */
	ck_assert_int_eq(pasid_bind(dev, as, 3), 3);
	before = fx_state();
	ck_assert_int_eq(pasid_nest_new(dev, as, NULL, &n), -EBUSY);
	ck_assert_errmsg("pasid_bind");
	ck_assert_state_eq(fx_state(), before);
	ck_assert_int_eq(pasid_unbind(dev, 3), 0);
	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	ck_assert_int_eq(pasid_nest_new(dev, as, NULL, &n), -EBUSY);
	ck_assert_int_eq(pasid_detach_rid(dev), 0);

	/* then the nest: the generic calls leave its RID alone */
	ck_assert_int_eq(pasid_nest_new(dev, as, NULL, &n), 0);
	ck_assert_int_eq(pasid_nest_new(dev, as, NULL, &n2), -EBUSY);
	ck_assert_errmsg("pasid_nest_free");
	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), -EBUSY);
	ck_assert_errmsg("nested");
	ck_assert_int_eq(pasid_bind(dev, as, PASID_ANY), -EBUSY);
	ck_assert_errmsg("nested");
	ck_assert_int_eq(pasid_detach_rid(dev), -EBUSY);
	ck_assert_uint_eq(fx_rid_pt(index), info_of(n).parent_id);
	pasid_nest_free(n);
	ck_assert_int_eq(pasid_bind(dev, as, 3), 3);
}
END_TEST

START_TEST(nest_bad_args)
{
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, NULL);
	struct pasid_as *as = fx_as();
	struct pasid_nest_opts o = { .size = sizeof(o) };
	struct pasid_nest_info i = { .size = sizeof(i) };
	struct pasid_ctx *other;
	struct pasid_as *other_as;
	struct pasid_nest *n;

	ck_assert_int_eq(pasid_nest_new(NULL, as, NULL, &n), -EINVAL);
	ck_assert_int_eq(pasid_nest_new(dev, NULL, NULL, &n), -EINVAL);
	ck_assert_int_eq(pasid_nest_new(dev, as, NULL, NULL), -EINVAL);
	o.flags = 1u << 7;
	ck_assert_int_eq(pasid_nest_new(dev, as, &o, &n), -EINVAL);
	ck_assert_errmsg("unknown flags");
	o.flags = 0;
	o.reserved = 1;
	ck_assert_int_eq(pasid_nest_new(dev, as, &o, &n), -EINVAL);
	o.reserved = 0;
	o.size = 4;
	ck_assert_int_eq(pasid_nest_new(dev, as, &o, &n), -EINVAL);
	ck_assert_int_eq(pasid_ctx_open(&other, NULL), 0);
	ck_assert_int_eq(pasid_as_new(other, &other_as), 0);
	ck_assert_int_eq(pasid_nest_new(dev, other_as, NULL, &n), -EINVAL);
	ck_assert_errmsg("different contexts");
	pasid_ctx_close(other);
	ck_assert_int_eq(pasid_nest_info(NULL, &i), -EINVAL);
	pasid_nest_free(NULL);
}
END_TEST

/* A smaller (older) info struct gets what fits, a larger one zeroes. */
START_TEST(nest_info_sizes)
{
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_SMMUV3, 8, NULL);
	struct pasid_as *as = fx_as();
	struct pasid_nest *n;
	struct {
		struct pasid_nest_info i;
		uint64_t later;
	} big;
	struct pasid_nest_info small;

	ck_assert_int_eq(pasid_nest_new(dev, as, NULL, &n), 0);
	memset(&small, 0xff, sizeof(small));
	small.size = offsetof(struct pasid_nest_info, viommu_id);
	ck_assert_int_eq(pasid_nest_info(n, &small), 0);
	ck_assert_uint_ne(small.parent_id, 0);
	ck_assert_uint_eq(small.viommu_id, 0xffffffffu);
	memset(&big, 0xff, sizeof(big));
	big.i.size = sizeof(big);
	ck_assert_int_eq(pasid_nest_info(n, &big.i), 0);
	ck_assert_uint_eq(big.i.size, sizeof(big));
	ck_assert_uint_ne(big.i.viommu_id, 0);
}
END_TEST

/* ---- every way a nest goes ---- */

START_TEST(nest_gone_with_as)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_SMMUV3, 8, &index);
	struct pasid_as *as = fx_as(), *keep = fx_as();
	struct pasid_nest *n;
	struct fx_state before = fx_state();

	ck_assert_int_eq(pasid_nest_new(dev, as, NULL, &n), 0);
	pasid_as_free(keep);		/* not the nest's: it stays */
	ck_assert_uint_eq(fx_rid_pt(index), info_of(n).parent_id);
	pasid_as_free(as);
	ck_assert_uint_eq(fx_rid_pt(index), 0);
	ck_assert_uint_eq(fx_state().objs, before.objs - 2);
	/* the device is free for the generic calls again */
	as = fx_as();
	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
}
END_TEST

START_TEST(nest_gone_with_dev)
{
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_SMMUV3, 8, NULL);
	struct pasid_as *as = fx_as();
	struct fx_state before = fx_state();
	struct pasid_nest *n;

	ck_assert_int_eq(pasid_nest_new(dev, as, NULL, &n), 0);
	pasid_dev_close(dev);
	/* the device's own object and fd went too */
	ck_assert_uint_eq(fx_state().objs, before.objs - 1);
	ck_assert_uint_eq(fx_state().fds, before.fds - 1);
}
END_TEST

/* Left for pasid_ctx_close: the fixture checks that nothing stays. */
START_TEST(nest_gone_with_ctx)
{
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_SMMUV3, 8, NULL);
	struct pasid_nest *n;

	ck_assert_int_eq(pasid_nest_new(dev, fx_as(), NULL, &n), 0);
}
END_TEST

/* Every kernel call of pasid_nest_new can fail: -errno, a message, and
 * nothing made. */
START_TEST(nest_each_call_fails)
{
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_SMMUV3, 8, NULL);
	struct pasid_as *as = fx_as();
	struct fx_state before = fx_state();
	struct pasid_nest *n;
	unsigned int k, calls;

	calls = emu_calls();
	ck_assert_int_eq(pasid_nest_new(dev, as, NULL, &n), 0);
	calls = emu_calls() - calls;
	pasid_nest_free(n);
	ck_assert_uint_eq(calls, 4);	/* parent, vIOMMU, vDEVICE, attach */
	for (k = 1; k <= calls; k++) {
		emu_fail_call(k, EIO);
		ck_assert_int_eq(pasid_nest_new(dev, as, NULL, &n), -EIO);
		ck_assert_errmsg("EIO");
		ck_assert_state_eq(fx_state(), before);
	}
}
END_TEST

START_TEST(nest_type1)
{
	struct pasid_ctx_opts o = {
		.size = sizeof(o), .backend = PASID_BACKEND_TYPE1,
	};
	struct pasid_ctx *ctx;
	struct pasid_dev *dev;
	struct pasid_as *as;
	struct pasid_nest *n;

	pasid_ctx_close(fx.ctx);
	fx.ctx = NULL;
	ck_assert_int_eq(emu_set_profile(EMU_PROFILE_TYPE1), 0);
	fx_add(BDF, EMU_IOMMU_INTEL, 0);
	ck_assert_int_eq(pasid_ctx_open(&ctx, &o), 0);
	fx.ctx = ctx;
	ck_assert_int_eq(pasid_dev_open(ctx, BDF, &dev), 0);
	ck_assert_int_eq(pasid_as_new(ctx, &as), 0);
	ck_assert_int_eq(pasid_nest_new(dev, as, NULL, &n), -EOPNOTSUPP);
	ck_assert_errmsg("iommufd");
}
END_TEST

/* Nests do not cross fork(): in a child every nested call on inherited
 * handles is EBADF and reaches no kernel object; freeing them frees the
 * child's memory only (libpasid(7), "Fork"). */
START_TEST(nest_fork)
{
	int index;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_SMMUV3, 8, &index);
	struct pasid_as *as = fx_as();
	struct pasid_nest *n, *n2;
	struct pasid_s1_opts o = {
		.size = sizeof(o), .root = 0x100000, .va_bits = 48,
	};
	struct pasid_s1_range r = { 0x1000, 0x1000 };
	struct pasid_s1 *s1, *s2;
	struct fx_state before;
	int status;
	pid_t pid;

	ck_assert_int_eq(pasid_nest_new(dev, as, NULL, &n), 0);
	ck_assert_int_eq(pasid_s1_attach(n, 1, &o, &s1), 0);
	before = fx_state();
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		unsigned int calls = emu_calls();
		int bad = 0;

		bad += pasid_nest_new(dev, as, NULL, &n2) != -EBADF;
		bad += pasid_s1_attach(n, 2, &o, &s2) != -EBADF;
		bad += pasid_s1_invalidate(s1, &r, 1, 0, NULL) != -EBADF;
		pasid_s1_free(s1);
		pasid_nest_free(n);
		pasid_ctx_close(fx.ctx);
		bad += emu_calls() != calls;
		if (bad)
			fprintf(stderr, "child: %d checks failed\n", bad);
		_exit(bad ? 1 : 0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* the parent's nest is as it was */
	ck_assert_state_eq(fx_state(), before);
	ck_assert_int_eq(pasid_s1_invalidate(s1, &r, 1, 0, NULL), 0);
}
END_TEST

static Suite *nested_suite(void)
{
	Suite *s = suite_create("nested");
	TCase *tc = tcase_create("nest");

	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, nest_intel);
	tcase_add_test(tc, nest_smmuv3);
	tcase_add_test(tc, nest_smmuv3_no_viommu);
	tcase_add_test(tc, nest_refused_per_vendor);
	tcase_add_test(tc, nest_dirty_intel);
	tcase_add_test(tc, nest_dirty_cannot_nest);
	tcase_add_test(tc, nest_busy);
	tcase_add_test(tc, nest_bad_args);
	tcase_add_test(tc, nest_info_sizes);
	tcase_add_test(tc, nest_gone_with_as);
	tcase_add_test(tc, nest_gone_with_dev);
	tcase_add_test(tc, nest_gone_with_ctx);
	tcase_add_test(tc, nest_each_call_fails);
	tcase_add_test(tc, nest_type1);
	tcase_add_test(tc, nest_fork);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return fx_run(nested_suite());
}
