/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The context: pasid_ctx_open/close/fd, the size-versioned options, the
 * per-thread error message and the log callback, and closing a context with
 * everything still alive in it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "fixture.h"

/* ---- open / close ---- */

START_TEST(open_close)
{
	struct pasid_ctx *ctx = (void *)1;

	ck_assert_int_eq(pasid_ctx_open(&ctx, NULL), 0);
	ck_assert_ptr_nonnull(ctx);
	ck_assert_noerrmsg();
	ck_assert_int_ge(pasid_ctx_fd(ctx), 0);
	ck_assert_uint_eq(emu_open_fds(), 1);
	pasid_ctx_close(ctx);
	ck_assert_uint_eq(emu_open_fds(), 0);
}
END_TEST

START_TEST(two_contexts)
{
	struct pasid_ctx *a, *b;

	ck_assert_int_eq(pasid_ctx_open(&a, NULL), 0);
	ck_assert_int_eq(pasid_ctx_open(&b, NULL), 0);
	ck_assert_ptr_ne(a, b);
	ck_assert_int_ne(pasid_ctx_fd(a), pasid_ctx_fd(b));
	ck_assert_uint_eq(emu_open_fds(), 2);
	pasid_ctx_close(a);
	ck_assert_uint_eq(emu_open_fds(), 1);
	pasid_ctx_close(b);
	ck_assert_uint_eq(emu_open_fds(), 0);
}
END_TEST

START_TEST(open_null)
{
	ck_assert_int_eq(pasid_ctx_open(NULL, NULL), -EINVAL);
	ck_assert_errmsg("ctxp");
	ck_assert_uint_eq(emu_open_fds(), 0);
}
END_TEST

START_TEST(null_handles)
{
	ck_assert_int_eq(pasid_ctx_fd(NULL), -EINVAL);
	pasid_ctx_close(NULL);		/* a no-op, like free(NULL) */
}
END_TEST

/* The kernel refuses /dev/iommu: the errno comes back with a hint, and the
 * out-pointer is cleared. */
static const struct {
	int err;
	const char *hint;
} open_errors[] = {
	{ ENOENT, "CONFIG_IOMMUFD" },
	{ EACCES, "permission" },
	{ EPERM, "permission" },
	{ EMFILE, "/dev/iommu" },
};

START_TEST(open_kernel_error)
{
	struct pasid_ctx *ctx = (void *)1;

	emu_fail_call(1, open_errors[_i].err);
	ck_assert_int_eq(pasid_ctx_open(&ctx, NULL), -open_errors[_i].err);
	ck_assert_ptr_null(ctx);
	ck_assert_errmsg(open_errors[_i].hint);
	ck_assert_errmsg(strerrorname_np(open_errors[_i].err));
	ck_assert_uint_eq(emu_open_fds(), 0);
	/* the next open works: nothing was left half done */
	ck_assert_int_eq(pasid_ctx_open(&ctx, NULL), 0);
	ck_assert_noerrmsg();
	pasid_ctx_close(ctx);
}
END_TEST

/* ---- options ---- */

START_TEST(opts_sizes)
{
	struct pasid_ctx_opts o = { .size = sizeof(o) };
	struct pasid_ctx *ctx;

	ck_assert_int_eq(pasid_ctx_open(&ctx, &o), 0);
	pasid_ctx_close(ctx);

	/* an older binary knowing only .size and .log */
	o.size = offsetof(struct pasid_ctx_opts, log_arg);
	ck_assert_int_eq(pasid_ctx_open(&ctx, &o), 0);
	pasid_ctx_close(ctx);

	/* .size not set: refused, with the fix in the message */
	o.size = 0;
	ctx = (void *)1;
	ck_assert_int_eq(pasid_ctx_open(&ctx, &o), -EINVAL);
	ck_assert_ptr_null(ctx);
	ck_assert_errmsg("sizeof(struct pasid_ctx_opts)");
	ck_assert_uint_eq(emu_open_fds(), 0);
}
END_TEST

/* A newer binary's struct: unknown trailing bytes are fine as zero and
 * refused when set. */
START_TEST(opts_trailing)
{
	struct {
		struct pasid_ctx_opts o;
		uint64_t newer[2];
	} big;
	struct pasid_ctx *ctx;

	memset(&big, 0, sizeof(big));
	big.o.size = sizeof(big);
	ck_assert_int_eq(pasid_ctx_open(&ctx, &big.o), 0);
	pasid_ctx_close(ctx);

	big.newer[1] = 1;
	ctx = (void *)1;
	ck_assert_int_eq(pasid_ctx_open(&ctx, &big.o), -EINVAL);
	ck_assert_ptr_null(ctx);
	ck_assert_errmsg("opts->size");
	ck_assert_uint_eq(emu_open_fds(), 0);

	/* the reserved field (no tail padding to hide a newer field in) */
	big.newer[1] = 0;
	big.o.reserved = 1;
	ck_assert_int_eq(pasid_ctx_open(&ctx, &big.o), -EINVAL);
	ck_assert_errmsg("reserved");
	big.o.reserved = 0;
	big.o.reserved2 = 1;
	ck_assert_int_eq(pasid_ctx_open(&ctx, &big.o), -EINVAL);
	ck_assert_errmsg("reserved");
	/* backend (an enum) is followed by reserved2, the last field */
	ck_assert_uint_eq(offsetof(struct pasid_ctx_opts, reserved) + 4,
			  offsetof(struct pasid_ctx_opts, backend));
	ck_assert_uint_eq(offsetof(struct pasid_ctx_opts, reserved2) + 4,
			  sizeof(struct pasid_ctx_opts));
}
END_TEST

/* ---- messages and logging ---- */

struct logged {
	int n;
	enum pasid_log_level level[16];
	char msg[16][512];
};

static void log_cb(void *arg, enum pasid_log_level level, const char *msg)
{
	struct logged *l = arg;

	if (l->n < 16) {
		l->level[l->n] = level;
		snprintf(l->msg[l->n], sizeof(l->msg[0]), "%s", msg);
	}
	l->n++;
}

START_TEST(errmsg_cleared_by_success)
{
	struct pasid_as *as;
	uint64_t iova;

	as = fx_as();
	ck_assert_int_eq(pasid_map(as, fx_buf(1), FX_PAGE, 0, &iova), -EINVAL);
	ck_assert_errmsg("PASID_MAP_READ");
	/* any later successful call clears it */
	ck_assert_int_gt(pasid_as_iova_ranges(as, NULL, 0, NULL), 0);
	ck_assert_noerrmsg();
	pasid_as_free(as);
}
END_TEST

struct thread_msg {
	struct pasid_ctx *ctx;
	char seen[512];
	int ret;
};

static void *fail_in_thread(void *arg)
{
	struct thread_msg *t = arg;

	/* a fresh thread has no message */
	snprintf(t->seen, sizeof(t->seen), "%s", pasid_errmsg());
	t->ret = pasid_ctx_open(NULL, NULL);
	return NULL;
}

/* The message is the calling thread's: another thread's failure neither
 * shows nor overwrites it. */
START_TEST(errmsg_per_thread)
{
	struct thread_msg t = { .ctx = fx.ctx };
	struct pasid_as *as = fx_as();
	char mine[512];
	pthread_t th;
	uint64_t iova;

	ck_assert_int_eq(pasid_map(as, fx_buf(1), 0, PASID_MAP_RW, &iova),
			 -EINVAL);
	snprintf(mine, sizeof(mine), "%s", pasid_errmsg());
	ck_assert_ptr_nonnull(strstr(mine, "length is 0"));
	ck_assert_int_eq(pthread_create(&th, NULL, fail_in_thread, &t), 0);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_str_eq(t.seen, "");
	ck_assert_int_eq(t.ret, -EINVAL);
	ck_assert_str_eq(pasid_errmsg(), mine);
	pasid_as_free(as);
}
END_TEST

/* Every failure reaches the log callback with the message pasid_errmsg()
 * returns; debug lines only at PASID_LOG_DEBUG. */
START_TEST(log_callback)
{
	struct logged l = { 0 };
	struct pasid_ctx_opts o = {
		.size = sizeof(o),
		.log = log_cb,
		.log_arg = &l,
		.log_level = PASID_LOG_ERROR,
	};
	struct pasid_dev *dev, *nodev;
	struct pasid_ctx *ctx;
	struct pasid_as *as;

	fx_add("0000:00:04.0", EMU_IOMMU_INTEL, 4);
	ck_assert_int_eq(pasid_ctx_open(&ctx, &o), 0);
	ck_assert_int_eq(pasid_dev_open(ctx, "0000:00:04.0", &dev), 0);
	ck_assert_int_eq(l.n, 0);	/* the debug line is filtered */
	ck_assert_int_eq(pasid_as_new(ctx, &as), 0);

	ck_assert_int_eq(pasid_bind(dev, as, 0), -EINVAL);
	ck_assert_int_eq(l.n, 1);
	ck_assert_int_eq(l.level[0], PASID_LOG_ERROR);
	ck_assert_str_eq(l.msg[0], pasid_errmsg());
	ck_assert_ptr_nonnull(strstr(l.msg[0], "PASID 0"));

	/* a failure found before any kernel call (no such device) too */
	ck_assert_int_eq(pasid_dev_open(ctx, "0000:00:1f.0", &nodev), -ENODEV);
	ck_assert_int_eq(l.n, 2);
	ck_assert_str_eq(l.msg[1], pasid_errmsg());

	/* success: nothing logged at this level */
	ck_assert_int_eq(pasid_bind(dev, as, 1), 1);
	ck_assert_int_eq(pasid_unbind(dev, 1), 0);
	pasid_ctx_close(ctx);
	ck_assert_int_eq(l.n, 2);
	l.n = 0;

	/* a RID attach that falls back to the kernel's page table (the IOMMU
	 * refuses a PASID-capable one) succeeds and logs no error */
	{
		struct emu_dev_cfg c = {
			.bdf = "0000:00:05.0", .iommu = EMU_IOMMU_INTEL,
			.pasid_log2 = 4, .group = 5, .no_pasid_hwpt = true,
		};
		struct pasid_dev *fallback;

		fx_add_cfg(&c);
		ck_assert_int_eq(pasid_ctx_open(&ctx, &o), 0);
		ck_assert_int_eq(pasid_dev_open(ctx, c.bdf, &fallback), 0);
		ck_assert_int_eq(pasid_as_new(ctx, &as), 0);
		ck_assert_int_eq(pasid_attach_rid(fallback, as, 0), 0);
		ck_assert_int_eq(l.n, 0);
		/* insisting on a PASID-capable table fails, and says so */
		ck_assert_int_eq(pasid_attach_rid(fallback, as, PASID_RID_PASID_TABLE),
				 -EOPNOTSUPP);
		ck_assert_int_eq(l.n, 1);
		ck_assert_str_eq(l.msg[0], pasid_errmsg());
		pasid_ctx_close(ctx);
		l.n = 0;
	}

	/* a context that failed to open still reports to its log */
	emu_fail_call(1, EACCES);
	ck_assert_int_eq(pasid_ctx_open(&ctx, &o), -EACCES);
	ck_assert_int_eq(l.n, 1);
	ck_assert_str_eq(l.msg[0], pasid_errmsg());
	ck_assert_ptr_nonnull(strstr(l.msg[0], "/dev/iommu"));
	l.n = 0;

	/* PASID_LOG_DEBUG lets the debug lines through */
	o.log_level = PASID_LOG_DEBUG;
	ck_assert_int_eq(pasid_ctx_open(&ctx, &o), 0);
	ck_assert_int_eq(pasid_dev_open(ctx, "0000:00:04.0", &dev), 0);
	ck_assert_int_ge(l.n, 1);
	ck_assert_int_eq(l.level[0], PASID_LOG_DEBUG);
	ck_assert_ptr_nonnull(strstr(l.msg[0], "0000:00:04.0"));
	pasid_ctx_close(ctx);
}
END_TEST

/* A callback that calls context-free library functions itself: one that
 * succeeds (which clears the thread's message) and one that fails (which
 * sets another). */
struct reentrant {
	char seen[512];		/* what the callback was handed */
	char errmsg_in_cb[512];	/* pasid_errmsg() inside the callback */
	int inner_ret, inner_fail, calls;
};

static void reentrant_cb(void *arg, enum pasid_log_level level,
			 const char *msg)
{
	struct pasid_devinfo info = { .size = sizeof(info) };
	struct reentrant *r = arg;

	(void)level;
	r->calls++;
	snprintf(r->errmsg_in_cb, sizeof(r->errmsg_in_cb), "%s", pasid_errmsg());
	r->inner_ret = pasid_devinfo_get("0000:00:04.0", &info);
	r->inner_fail = pasid_devinfo_get("not-a-device", &info);
	/* the argument is the callback's own: still intact */
	snprintf(r->seen, sizeof(r->seen), "%s", msg);
}

/* The message of the failed call survives a callback that calls the
 * library, and the callback is handed the whole message. */
START_TEST(log_callback_reentrant)
{
	struct reentrant r = { 0 };
	struct pasid_ctx_opts o = {
		.size = sizeof(o),
		.log = reentrant_cb,
		.log_arg = &r,
		.log_level = PASID_LOG_ERROR,
	};
	struct pasid_ctx *ctx;
	struct pasid_dev *dev;
	struct pasid_as *as;

	fx_add("0000:00:04.0", EMU_IOMMU_INTEL, 4);
	ck_assert_int_eq(pasid_ctx_open(&ctx, &o), 0);
	ck_assert_int_eq(pasid_dev_open(ctx, "0000:00:04.0", &dev), 0);
	ck_assert_int_eq(pasid_as_new(ctx, &as), 0);

	ck_assert_int_eq(pasid_bind(dev, as, 0), -EINVAL);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(r.inner_ret, 0);
	ck_assert_int_eq(r.inner_fail, -EINVAL);
	ck_assert_errmsg("PASID 0");
	ck_assert_str_eq(r.seen, pasid_errmsg());
	ck_assert_str_eq(r.errmsg_in_cb, pasid_errmsg());

	/* a failure found by discovery (context-free) is passed on too */
	ck_assert_int_eq(pasid_dev_open(ctx, "0000:00:1f.0", &dev), -ENODEV);
	ck_assert_int_eq(r.calls, 2);
	ck_assert_errmsg("0000:00:1f.0");
	ck_assert_str_eq(r.seen, pasid_errmsg());
	pasid_ctx_close(ctx);
}
END_TEST

/* ---- closing with everything alive ---- */

START_TEST(close_with_everything_live)
{
	struct pasid_dev *a, *b;
	struct pasid_as *as1, *as2;
	uint64_t iova, dst;
	uint32_t pt;
	int ia, ib;

	a = fx_dev("0000:00:04.0", EMU_IOMMU_INTEL, 8, &ia);
	b = fx_dev("0000:00:05.0", EMU_IOMMU_INTEL, 0, &ib);
	as1 = fx_as();
	as2 = fx_as();
	iova = fx_map(as1, 4, PASID_MAP_RW, NULL);
	fx_map(as2, 2, PASID_MAP_READ, NULL);
	ck_assert_int_eq(pasid_copy(as2, as1, iova, 4 * FX_PAGE, PASID_MAP_RW,
				    &dst), 0);
	ck_assert_int_eq(pasid_attach_rid(a, as1, 0), 0);
	ck_assert_int_eq(pasid_bind(a, as1, PASID_ANY), 1);
	ck_assert_int_eq(pasid_bind(a, as2, PASID_ANY), 2);
	ck_assert_int_eq(pasid_attach_rid(b, as2, 0), 0);
	ck_assert_uint_gt(emu_live_objects(), 0);
	ck_assert_uint_gt(emu_mapped_bytes(), 0);

	pasid_ctx_close(fx.ctx);
	fx.ctx = NULL;
	ck_assert_uint_eq(emu_live_objects(), 0);
	ck_assert_uint_eq(emu_open_fds(), 0);
	ck_assert_uint_eq(emu_mapped_bytes(), 0);
	/* the devices are unbound: they can be opened again */
	ck_assert_int_eq(emu_rid_pt(ia, &pt), -ENOENT);
	ck_assert_int_eq(emu_rid_pt(ib, &pt), -ENOENT);
	ck_assert_int_eq(pasid_ctx_open(&fx.ctx, NULL), 0);
	a = fx_open("0000:00:04.0");
	ck_assert_uint_eq(fx_rid_pt(ia), 0);
}
END_TEST

/* A context can be closed from another thread than the one that opened it,
 * and the devices of two contexts are independent. */
START_TEST(devices_in_two_contexts)
{
	struct pasid_ctx *other;
	struct pasid_dev *a, *b;
	struct pasid_as *as;

	fx_add("0000:00:04.0", EMU_IOMMU_INTEL, 8);
	fx_add("0000:00:05.0", EMU_IOMMU_INTEL, 8);
	a = fx_open("0000:00:04.0");
	ck_assert_int_eq(pasid_ctx_open(&other, NULL), 0);
	ck_assert_int_eq(pasid_dev_open(other, "0000:00:05.0", &b), 0);
	ck_assert_int_eq(pasid_as_new(other, &as), 0);
	/* an address space of one context cannot serve another's device */
	ck_assert_int_eq(pasid_bind(a, as, PASID_ANY), -EINVAL);
	ck_assert_errmsg("different contexts");
	ck_assert_int_eq(pasid_attach_rid(a, as, 0), -EINVAL);
	ck_assert_int_eq(pasid_bind(b, as, PASID_ANY), 1);
	pasid_ctx_close(other);
	/* the first context is untouched */
	ck_assert_uint_eq(emu_open_fds(), 2);
	as = fx_as();
	ck_assert_int_eq(pasid_bind(a, as, 7), 7);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ctx");
	TCase *tc;

	tc = tcase_create("open");
	tcase_add_checked_fixture(tc, fx_setup_noctx, fx_teardown);
	tcase_add_test(tc, open_close);
	tcase_add_test(tc, two_contexts);
	tcase_add_test(tc, open_null);
	tcase_add_test(tc, null_handles);
	tcase_add_loop_test(tc, open_kernel_error, 0,
			    sizeof(open_errors) / sizeof(open_errors[0]));
	tcase_add_test(tc, opts_sizes);
	tcase_add_test(tc, opts_trailing);
	suite_add_tcase(s, tc);

	tc = tcase_create("messages");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, errmsg_cleared_by_success);
	tcase_add_test(tc, errmsg_per_thread);
	suite_add_tcase(s, tc);

	tc = tcase_create("log");
	tcase_add_checked_fixture(tc, fx_setup_noctx, fx_teardown);
	tcase_add_test(tc, log_callback);
	tcase_add_test(tc, log_callback_reentrant);
	suite_add_tcase(s, tc);

	tc = tcase_create("close");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, close_with_everything_live);
	tcase_add_test(tc, devices_in_two_contexts);
	suite_add_tcase(s, tc);

	return fx_run(s);
}
