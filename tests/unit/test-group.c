/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The iommufd-group backend (doc/kernel-rules.md §10.7) on the emulation's
 * NO_CDEV generation (iommufd without the VFIO cdev, as 6.2-6.5): what is
 * particular to reaching devices through their VFIO groups with the
 * context's iommufd as container. unit/generations runs every public call
 * here too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"

#define BDF_A "0000:00:04.0"
#define BDF_B "0000:00:05.0"	/* a's group sibling */

static int ia, ib;

static void setup(void)
{
	struct emu_dev_cfg a = { .bdf = BDF_A, .iommu = EMU_IOMMU_INTEL,
				 .group = 7 };
	struct emu_dev_cfg b = a;

	b.bdf = BDF_B;
	fx_setup_noctx();
	unsetenv("LIBPASID_BACKEND");
	ck_assert_int_eq(emu_set_profile(EMU_PROFILE_NO_CDEV), 0);
	ia = fx_add_cfg(&a);
	ib = fx_add_cfg(&b);
	ck_assert_int_eq(pasid_ctx_open(&fx.ctx, NULL), 0);
}

static uint32_t compat_ioas(void)
{
	uint32_t id = 0;

	ck_assert_int_eq(emu_compat_ioas(pasid_ctx_fd(fx.ctx), &id), 0);
	return id;
}

/* The attach points the compat IOAS at the address space before the group
 * joins: the kernel makes no IOAS of its own, and the device lands in ours. */
START_TEST(t_attach_uses_our_ioas)
{
	struct pasid_dev *a = fx_open(BDF_A);
	struct pasid_as *as = fx_as();
	struct fx_state before = fx_state();
	uint64_t iova = fx_map(as, 1, PASID_MAP_RW, NULL);

	ck_assert_uint_eq(compat_ioas(), 0);
	ck_assert_int_eq(pasid_attach_rid(a, as, 0), 0);
	ck_assert_uint_eq(compat_ioas(), pasid_as_ioas_id(as));
	/* the device and its automatic page table, no second IOAS */
	ck_assert_uint_eq(fx_state().objs, before.objs + 2);
	ck_assert_int_eq(fx_pt_kind(fx_rid_pt(ia)), FX_PT_AUTO);
	ck_assert_uint_eq(pasid_dev_iommufd_id(a), 0);
	(void)iova;
}
END_TEST

/* Moving a device: detach (its fd closes), then attach elsewhere; the
 * address space left keeps its mappings. */
START_TEST(t_move_between_address_spaces)
{
	struct pasid_dev *a = fx_open(BDF_A);
	struct pasid_as *as1 = fx_as(), *as2 = fx_as();
	void *b1, *b2;
	uint64_t i1 = fx_map(as1, 1, PASID_MAP_RW, &b1);
	uint64_t i2 = fx_map(as2, 1, PASID_MAP_RW, &b2);

	ck_assert_int_eq(pasid_attach_rid(a, as1, 0), 0);
	fx_dma_check(ia, 0, i1, b1);
	ck_assert_int_eq(pasid_attach_rid(a, as2, 0), -EBUSY);
	ck_assert_errmsg("pasid_detach_rid first");
	ck_assert_int_eq(pasid_detach_rid(a), 0);
	ck_assert_int_eq(pasid_dev_fd(a), -ENODEV);
	ck_assert_int_eq(emu_rid_pt(ia, &(uint32_t){ 0 }), -ENOENT);
	ck_assert_int_eq(pasid_attach_rid(a, as2, 0), 0);
	fx_dma_check(ia, 0, i2, b2);
	ck_assert_int_eq(pasid_detach_rid(a), 0);
	ck_assert_int_eq(pasid_attach_rid(a, as1, 0), 0);
	fx_dma_check(ia, 0, i1, b1);
}
END_TEST

/* iommufd attaches a group to one page table: the devices of a group
 * share an address space, and the library says so before the kernel. */
START_TEST(t_group_shares_address_space)
{
	struct pasid_dev *a = fx_open(BDF_A), *b = fx_open(BDF_B);
	struct pasid_as *as1 = fx_as(), *as2 = fx_as();
	void *buf;
	uint64_t iova = fx_map(as1, 1, PASID_MAP_RW, &buf);

	ck_assert_int_eq(pasid_attach_rid(a, as1, 0), 0);
	ck_assert_int_eq(pasid_attach_rid(b, as2, 0), -EBUSY);
	ck_assert_errmsg("the devices of a group share one");
	ck_assert_int_eq(pasid_attach_rid(b, as1, 0), 0);
	fx_dma_check(ib, 0, iova, buf);
	/* once a leaves, b still holds the group there */
	ck_assert_int_eq(pasid_detach_rid(a), 0);
	ck_assert_int_eq(pasid_attach_rid(a, as2, 0), -EBUSY);
	ck_assert_int_eq(pasid_detach_rid(b), 0);
	ck_assert_int_eq(pasid_attach_rid(a, as2, 0), 0);
}
END_TEST

/* Freeing an address space detaches its devices (their fds close) before
 * its IOAS goes; the devices stay open and attach again. */
START_TEST(t_as_free_detaches)
{
	struct pasid_dev *a = fx_open(BDF_A);
	struct pasid_as *as = fx_as();
	struct fx_state before;

	fx_map(as, 2, PASID_MAP_RW, NULL);
	ck_assert_int_eq(pasid_attach_rid(a, as, 0), 0);
	pasid_as_free(as);
	before = fx_state();
	ck_assert_uint_eq(before.objs, 0);
	ck_assert_uint_eq(before.bytes, 0);
	ck_assert_int_eq(pasid_dev_fd(a), -ENODEV);
	ck_assert_uint_eq(compat_ioas(), 0);	/* went with the IOAS */
	as = fx_as();
	ck_assert_int_eq(pasid_attach_rid(a, as, 0), 0);
	ck_assert_int_ge(pasid_dev_fd(a), 0);
}
END_TEST

/* A failed device open at the attach leaves the group out of the iommufd
 * again, and the next attach works. */
START_TEST(t_attach_failure_undone)
{
	struct pasid_dev *a = fx_open(BDF_A);
	struct pasid_as *as = fx_as();
	struct fx_state before = fx_state();

	/* IOMMU_VFIO_IOAS, SET_CONTAINER, then GET_DEVICE_FD fails */
	emu_fail_call(3, ENOMEM);
	ck_assert_int_eq(pasid_attach_rid(a, as, 0), -ENOMEM);
	ck_assert_errmsg("VFIO_GROUP_GET_DEVICE_FD");
	ck_assert_state_eq(fx_state(), before);
	ck_assert_int_eq(pasid_dev_fd(a), -ENODEV);
	ck_assert_int_eq(pasid_attach_rid(a, as, 0), 0);
}
END_TEST

/* A forked child closing the inherited handles closes its copies of the
 * device's, the group's and the iommufd's fds only: no kernel call, and
 * the parent's device stays attached with its mapping. */
START_TEST(t_fork_closes_copies)
{
	struct pasid_dev *a = fx_open(BDF_A);
	struct pasid_as *as = fx_as();
	void *buf;
	uint64_t iova = fx_map(as, 1, PASID_MAP_RW, &buf);
	int status;
	pid_t pid;

	ck_assert_int_eq(pasid_attach_rid(a, as, 0), 0);
	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(fx_child_closes(a, as, 3));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "the child saw failures (see its stderr)");
	fx_dma_check(ia, 0, iova, buf);
	ck_assert_int_eq(pasid_detach_rid(a), 0);
}
END_TEST

/* Asked for by name; the other backends on this kernel. */
START_TEST(t_forced)
{
	struct pasid_caps caps = { .size = sizeof(caps) };
	struct pasid_ctx_opts o = { .size = sizeof(o),
				    .backend = PASID_BACKEND_IOMMUFD };
	struct pasid_ctx *c;
	struct pasid_dev *d;

	pasid_ctx_close(fx.ctx);
	/* iommufd with the cdev: the context opens, the device cannot */
	ck_assert_int_eq(pasid_ctx_open(&fx.ctx, &o), 0);
	ck_assert_int_eq(pasid_dev_open(fx.ctx, BDF_A, &d), -EOPNOTSUPP);
	ck_assert_errmsg("no VFIO device cdev");
	pasid_ctx_close(fx.ctx);
	setenv("LIBPASID_BACKEND", "group", 1);
	ck_assert_int_eq(pasid_ctx_open(&fx.ctx, NULL), 0);
	unsetenv("LIBPASID_BACKEND");
	d = fx_open(BDF_A);
	ck_assert_int_eq(pasid_dev_caps(d, &caps), 0);
	ck_assert_int_eq(caps.backend, PASID_BACKEND_IOMMUFD_GROUP);
	ck_assert_int_eq(pasid_bind(d, fx_as(), 1), -EOPNOTSUPP);
	ck_assert_errmsg("asked for by opts->backend or LIBPASID_BACKEND");
	/* type1 through the same kernel's legacy container: the group node
	 * opens once, so not while this context has it */
	o.backend = PASID_BACKEND_TYPE1;
	ck_assert_int_eq(pasid_ctx_open(&c, &o), 0);
	ck_assert_int_eq(pasid_dev_open(c, BDF_B, &d), -EBUSY);
	ck_assert_errmsg("open elsewhere");
	pasid_ctx_close(c);
	o.backend = 4;
	ck_assert_int_eq(pasid_ctx_open(&c, &o), -EINVAL);
}
END_TEST

/* The current kernel has no legacy group nodes in the emulation: a forced
 * group backend says what is missing at the device. */
START_TEST(t_forced_without_groups)
{
	struct pasid_ctx_opts o = { .size = sizeof(o),
				    .backend = PASID_BACKEND_IOMMUFD_GROUP };
	struct pasid_dev *d;

	pasid_ctx_close(fx.ctx);
	fx.ctx = NULL;
	emu_fini();
	ck_assert_int_eq(emu_init(), 0);
	fx_add("0000:00:04.0", EMU_IOMMU_INTEL, 8);
	ck_assert_int_eq(pasid_ctx_open(&fx.ctx, NULL), 0);
	ck_assert_int_eq(pasid_ctx_fd(fx.ctx) >= 0, 1);
	{
		struct pasid_caps caps = { .size = sizeof(caps) };

		d = fx_open(BDF_A);	/* the probe: the cdev */
		ck_assert_int_eq(pasid_dev_caps(d, &caps), 0);
		ck_assert_int_eq(caps.backend, PASID_BACKEND_IOMMUFD);
		pasid_dev_close(d);
	}
	pasid_ctx_close(fx.ctx);
	ck_assert_int_eq(pasid_ctx_open(&fx.ctx, &o), 0);
	ck_assert_int_eq(pasid_dev_open(fx.ctx, BDF_A, &d), -ENOENT);
	ck_assert_errmsg("/dev/vfio/");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("group");
	TCase *tc = tcase_create("iommufd-group");

	tcase_add_checked_fixture(tc, setup, fx_teardown);
	tcase_add_test(tc, t_attach_uses_our_ioas);
	tcase_add_test(tc, t_move_between_address_spaces);
	tcase_add_test(tc, t_group_shares_address_space);
	tcase_add_test(tc, t_as_free_detaches);
	tcase_add_test(tc, t_attach_failure_undone);
	tcase_add_test(tc, t_fork_closes_copies);
	tcase_add_test(tc, t_forced);
	tcase_add_test(tc, t_forced_without_groups);
	suite_add_tcase(s, tc);
	return fx_run(s);
}
