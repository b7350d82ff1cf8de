/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * I/O page fault queues (nested.h): a queue, a VT-d nest whose stage-1s
 * report to it, the emulated device's DMA through a stage-1 becoming a
 * page request, read and answered; the rules (PRI devices only, VT-d
 * only: SMMUv3 and AMD refused naming why), stale cookies, the kernel's
 * automatic answer when a stage-1 goes, the queue outliving its handle
 * while a nest holds it, queues the context's close frees, and each
 * kernel call failing.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "kabi.h"
#include "libpasid/nested.h"

#define BDF "0000:00:04.0"
#define ROOT 0x100000ULL
#define VA 0x7000ULL

static const struct emu_dev_cfg pri_vtd = {
	.bdf = BDF, .iommu = EMU_IOMMU_INTEL, .pasid_log2 = 8, .pri = true,
};

static struct pasid_nest *fault_nest(struct pasid_dev *dev,
				     struct pasid_as *as,
				     struct pasid_faultq *q)
{
	struct pasid_nest_opts o = {
		.size = sizeof(o), .flags = PASID_NEST_FAULTS, .faultq = q,
	};
	struct pasid_nest *n;

	ck_assert_int_eq(pasid_nest_new(dev, as, &o, &n), 0);
	return n;
}

static struct pasid_s1 *s1_at(struct pasid_nest *n, uint32_t pasid)
{
	struct pasid_s1_opts o = {
		.size = sizeof(o), .root = ROOT, .va_bits = 48,
	};
	struct pasid_s1 *s1;

	ck_assert_int_eq(pasid_s1_attach(n, pasid, &o, &s1), 0);
	return s1;
}

START_TEST(fault_vtd)
{
	int index = fx_add_cfg(&pri_vtd);
	struct pasid_dev *dev = fx_open(BDF);
	struct pasid_as *as = fx_as();
	struct fx_state before = fx_state();
	struct pasid_faultq *q;
	struct pasid_nest *n;
	struct pasid_fault f[4];
	struct emu_fault_stats st;
	unsigned int k;
	uint32_t v = 1, fid;

	ck_assert_int_eq(pasid_faultq_new(fx.ctx, &q), 0);
	ck_assert_int_ge(pasid_faultq_fd(q), 0);
	n = fault_nest(dev, as, q);
	s1_at(n, 3);
	/* nothing waits: 0 records, no error */
	ck_assert_int_eq(pasid_faultq_read(q, f, 4, &k), 0);
	ck_assert_uint_eq(k, 0);
	/* the stage-1 is the user's: the device's access is a page request */
	ck_assert_int_eq(emu_dma_write(index, 3, VA + 0x10, &v, sizeof(v)),
			 -EAGAIN);
	ck_assert_int_eq(emu_dma_read(index, 3, VA + 0x2000, &v, sizeof(v)),
			 -EAGAIN);
	ck_assert_int_eq(pasid_faultq_read(q, f, 1, &k), 0);
	ck_assert_uint_eq(k, 1);
	ck_assert_ptr_eq(f[0].dev, dev);
	ck_assert_uint_eq(f[0].flags,
			  PASID_FAULT_PASID_VALID | PASID_FAULT_LAST_PAGE);
	ck_assert_uint_eq(f[0].pasid, 3);
	ck_assert_uint_eq(f[0].perm, PASID_FAULT_WRITE);
	ck_assert_uint_eq(f[0].addr, VA);
	ck_assert_int_eq(pasid_faultq_read(q, f + 1, 3, &k), 0);
	ck_assert_uint_eq(k, 1);
	ck_assert_uint_eq(f[1].perm, PASID_FAULT_READ);
	ck_assert_uint_eq(f[1].addr, VA + 0x2000);
	ck_assert_uint_ne(f[0].cookie, f[1].cookie);
	/* answered, each once */
	ck_assert_int_eq(pasid_faultq_respond(q, f[0].cookie,
					      PASID_FAULT_SUCCESS), 0);
	ck_assert_int_eq(pasid_faultq_respond(q, f[1].cookie,
					      PASID_FAULT_INVALID), 0);
	ck_assert_int_eq(pasid_faultq_respond(q, f[0].cookie,
					      PASID_FAULT_SUCCESS), -EINVAL);
	ck_assert_errmsg("cookie");
	for (fid = 1; emu_fault_stats(fid, &st); fid++)
		ck_assert_uint_lt(fid, 64);
	ck_assert_uint_eq(st.answered, 2);
	ck_assert_uint_eq(st.last_code, KABI_IOMMUFD_PAGE_RESP_INVALID);
	ck_assert_uint_eq(st.waiting, 0);
	/* the handle goes first: the nest keeps the queue */
	pasid_faultq_free(q);
	ck_assert_int_eq(emu_fault_stats(fid, &st), 0);
	pasid_nest_free(n);
	ck_assert_int_eq(emu_fault_stats(fid, &st), -ENOENT);
	ck_assert_state_eq(fx_state_settled(), before);
}
END_TEST

/* A stage-1 that goes with requests waiting: the kernel answers them. */
START_TEST(fault_auto_answer)
{
	int index = fx_add_cfg(&pri_vtd);
	struct pasid_dev *dev = fx_open(BDF);
	struct pasid_faultq *q;
	struct pasid_nest *n;
	struct pasid_s1 *s1;
	struct pasid_fault f[2];
	struct emu_fault_stats st;
	unsigned int k;
	uint32_t v = 0, fid;

	ck_assert_int_eq(pasid_faultq_new(fx.ctx, &q), 0);
	n = fault_nest(dev, fx_as(), q);
	s1 = s1_at(n, 1);
	ck_assert_int_eq(emu_dma_write(index, 1, VA, &v, sizeof(v)), -EAGAIN);
	ck_assert_int_eq(emu_dma_write(index, 1, VA, &v, sizeof(v)), -EAGAIN);
	ck_assert_int_eq(pasid_faultq_read(q, f, 1, &k), 0);
	ck_assert_uint_eq(k, 1);
	for (fid = 1; emu_fault_stats(fid, &st); fid++)
		ck_assert_uint_lt(fid, 64);
	ck_assert_uint_eq(st.waiting, 1);
	ck_assert_uint_eq(st.queued, 1);
	pasid_s1_free(s1);
	ck_assert_int_eq(emu_fault_stats(fid, &st), 0);
	ck_assert_uint_eq(st.waiting + st.queued, 0);
	ck_assert_uint_eq(st.answered, 2);
	ck_assert_int_eq(pasid_faultq_respond(q, f[0].cookie,
					      PASID_FAULT_SUCCESS), -EINVAL);
	pasid_nest_free(n);
	pasid_faultq_free(q);
}
END_TEST

/* Queues left to pasid_ctx_close go with it (fx_teardown counts the fds
 * and kernel objects left): one still held by a nest, one by nothing. */
START_TEST(fault_ctx_close_frees)
{
	struct pasid_dev *dev;
	struct pasid_faultq *held, *idle;

	fx_add_cfg(&pri_vtd);
	dev = fx_open(BDF);
	ck_assert_int_eq(pasid_faultq_new(fx.ctx, &held), 0);
	ck_assert_int_eq(pasid_faultq_new(fx.ctx, &idle), 0);
	s1_at(fault_nest(dev, fx_as(), held), 2);
}
END_TEST

/* In a forked child the queues are the parent's: freeing one and closing
 * the context close the child's fds (a queue a nest holds, one freed, one
 * left to the close) and reach no kernel object. */
START_TEST(fault_fork)
{
	struct pasid_dev *dev;
	struct pasid_faultq *held, *idle, *left;
	struct fx_state before;
	int status;
	pid_t pid;

	fx_add_cfg(&pri_vtd);
	dev = fx_open(BDF);
	ck_assert_int_eq(pasid_faultq_new(fx.ctx, &held), 0);
	ck_assert_int_eq(pasid_faultq_new(fx.ctx, &idle), 0);
	ck_assert_int_eq(pasid_faultq_new(fx.ctx, &left), 0);
	s1_at(fault_nest(dev, fx_as(), held), 2);
	pasid_faultq_free(held);	/* the nest keeps it */
	before = fx_state();
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		unsigned int calls = emu_calls(), fds = emu_open_fds();
		int bad = 0;

		pasid_faultq_free(idle);
		bad += emu_open_fds() != fds - 1;
		pasid_ctx_close(fx.ctx);
		bad += emu_open_fds() != 0;
		bad += emu_calls() != calls;
		if (bad)
			fprintf(stderr, "child: %d checks failed (%u fds left)\n",
				bad, emu_open_fds());
		_exit(bad ? 1 : 0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_state_eq(fx_state(), before);
	ck_assert_int_ge(pasid_faultq_fd(left), 0);
}
END_TEST

/* Who cannot have page requests, and why. */
START_TEST(fault_refused)
{
	struct emu_dev_cfg smmu = {
		.bdf = "0000:00:05.0", .iommu = EMU_IOMMU_SMMUV3,
		.pasid_log2 = 8, .pri = true,
	};
	struct emu_dev_cfg amd = {
		.bdf = "0000:00:06.0", .iommu = EMU_IOMMU_AMD, .pri = true,
		.amd_nesting = true,
	};
	struct pasid_dev *nopri, *s, *a;
	struct pasid_as *as;
	struct pasid_faultq *q;
	struct pasid_nest_opts o = {
		.size = sizeof(o), .flags = PASID_NEST_FAULTS,
	};
	struct pasid_nest *n;
	struct fx_state before;

	nopri = fx_dev(BDF, EMU_IOMMU_INTEL, 8, NULL);
	fx_add_cfg(&smmu);
	fx_add_cfg(&amd);
	s = fx_open(smmu.bdf);
	a = fx_open(amd.bdf);
	ck_assert_int_eq(pasid_faultq_new(fx.ctx, &q), 0);
	as = fx_as();
	before = fx_state();
	/* the flag without a queue, a queue without the flag */
	ck_assert_int_eq(pasid_nest_new(nopri, as, &o, &n), -EINVAL);
	ck_assert_errmsg("opts->faultq");
	o.flags = 0;
	o.faultq = q;
	ck_assert_int_eq(pasid_nest_new(nopri, as, &o, &n), -EINVAL);
	ck_assert_errmsg("without PASID_NEST_FAULTS");
	o.flags = PASID_NEST_FAULTS;
	before = fx_state();
	/* no PCIe PRI on the device (its IOMMU has no PRS either) */
	ck_assert_int_eq(pasid_nest_new(nopri, as, &o, &n), -EOPNOTSUPP);
	ck_assert_errmsg("PASID_CAP_PRI");
	ck_assert_int_eq(pasid_nest_new(s, as, &o, &n), -EOPNOTSUPP);
	ck_assert_errmsg("arm-smmuv3");
	ck_assert_errmsg("PRI");
	ck_assert_errmsg("vEVENT");
	ck_assert_int_eq(pasid_nest_new(a, as, &o, &n), -EOPNOTSUPP);
	ck_assert_errmsg("amd-vi");
	/* bad input of the queue calls */
	ck_assert_int_eq(pasid_faultq_new(NULL, &q), -EINVAL);
	ck_assert_int_eq(pasid_faultq_new(fx.ctx, NULL), -EINVAL);
	ck_assert_int_eq(pasid_faultq_fd(NULL), -EINVAL);
	{
		struct pasid_fault f;
		unsigned int k = 7;

		ck_assert_int_eq(pasid_faultq_read(NULL, &f, 1, &k), -EINVAL);
		ck_assert_uint_eq(k, 0);
		ck_assert_int_eq(pasid_faultq_read(q, NULL, 1, &k), -EINVAL);
		ck_assert_int_eq(pasid_faultq_read(q, &f, 1, NULL), -EINVAL);
		ck_assert_int_eq(pasid_faultq_read(q, NULL, 0, &k), 0);
		ck_assert_uint_eq(k, 0);
	}
	ck_assert_int_eq(pasid_faultq_respond(NULL, 1, PASID_FAULT_SUCCESS),
			 -EINVAL);
	ck_assert_int_eq(pasid_faultq_respond(q, 1, (enum pasid_fault_code)2),
			 -EINVAL);
	ck_assert_errmsg("neither");
	ck_assert_int_eq(pasid_faultq_respond(q, 1, PASID_FAULT_SUCCESS),
			 -EINVAL);
	ck_assert_errmsg("cookie 1");
	ck_assert_state_eq(fx_state(), before);
	pasid_faultq_free(q);
	pasid_faultq_free(NULL);
}
END_TEST

/* Without a queue the same access is a plain fault: nothing waits. */
START_TEST(fault_none_without_queue)
{
	int index = fx_add_cfg(&pri_vtd);
	struct pasid_dev *dev = fx_open(BDF);
	struct pasid_nest *n;
	uint32_t v = 0;

	ck_assert_int_eq(pasid_nest_new(dev, fx_as(), NULL, &n), 0);
	s1_at(n, 3);
	ck_assert_int_eq(emu_dma_write(index, 3, VA, &v, sizeof(v)), -EFAULT);
}
END_TEST

/* A PRI device on a unit without PRS: the IOMMU says no. */
START_TEST(fault_unit_without_prs)
{
	struct emu_dev_cfg cfg = pri_vtd;
	struct pasid_nest_opts o = { .size = sizeof(o), .flags = PASID_NEST_FAULTS };
	struct pasid_dev *dev;
	struct pasid_nest *n;

	cfg.vtd_ecap_clear = 1ULL << 29;
	fx_add_cfg(&cfg);
	dev = fx_open(BDF);
	ck_assert_int_eq(pasid_faultq_new(fx.ctx, &o.faultq), 0);
	ck_assert_int_eq(pasid_nest_new(dev, fx_as(), &o, &n), -EOPNOTSUPP);
	ck_assert_errmsg("PASID_CAP_PRI");
	pasid_faultq_free(o.faultq);
}
END_TEST

START_TEST(fault_each_call_fails)
{
	int index = fx_add_cfg(&pri_vtd);
	struct pasid_dev *dev = fx_open(BDF);
	struct fx_state before = fx_state();
	struct pasid_faultq *q;
	struct pasid_nest *n;
	struct pasid_fault f;
	unsigned int k;
	uint32_t v = 0;

	emu_fail_call(1, EIO);
	ck_assert_int_eq(pasid_faultq_new(fx.ctx, &q), -EIO);
	ck_assert_errmsg("IOMMU_FAULT_QUEUE_ALLOC");
	ck_assert_state_eq(fx_state(), before);
	ck_assert_int_eq(pasid_faultq_new(fx.ctx, &q), 0);
	n = fault_nest(dev, fx_as(), q);
	s1_at(n, 2);
	ck_assert_int_eq(emu_dma_write(index, 2, VA, &v, sizeof(v)), -EAGAIN);
	emu_fail_call(1, EIO);
	ck_assert_int_eq(pasid_faultq_read(q, &f, 1, &k), -EIO);
	ck_assert_errmsg("read(fault queue)");
	ck_assert_int_eq(pasid_faultq_read(q, &f, 1, &k), 0);
	ck_assert_uint_eq(k, 1);
	emu_fail_call(1, EIO);
	ck_assert_int_eq(pasid_faultq_respond(q, f.cookie,
					      PASID_FAULT_SUCCESS), -EIO);
	ck_assert_errmsg("write(fault queue)");
	ck_assert_int_eq(pasid_faultq_respond(q, f.cookie,
					      PASID_FAULT_SUCCESS), 0);
	pasid_faultq_free(q);
}
END_TEST

static Suite *fault_suite(void)
{
	Suite *s = suite_create("nested-fault");
	TCase *tc = tcase_create("fault");

	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, fault_vtd);
	tcase_add_test(tc, fault_auto_answer);
	tcase_add_test(tc, fault_ctx_close_frees);
	tcase_add_test(tc, fault_fork);
	tcase_add_test(tc, fault_refused);
	tcase_add_test(tc, fault_none_without_queue);
	tcase_add_test(tc, fault_unit_without_prs);
	tcase_add_test(tc, fault_each_call_fails);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return fx_run(fault_suite());
}
