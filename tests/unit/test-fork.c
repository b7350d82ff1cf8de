/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Handles do not cross fork() (libpasid(7), "Fork"): in a child every call on
 * an inherited context, device or address space fails with EBADF and a
 * message that says to open a context of its own, none reaches the kernel
 * (an unmap would stop the parent's DMA, a close destroy its page tables),
 * and closing them frees only the child's memory and file descriptors. A
 * fresh context in the child works. The parent's state is untouched.
 *
 * The emulated kernel lives in the process, so the child has its own copy:
 * "reaches the kernel" is measured by the child copy's call counter.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "internal.h"

#define BDF "0000:00:04.0"
#define IOVA 0x400000ULL

/* In the child: ck_assert must not run there; count failures instead. */
static int failures;

#define CHILD_CHECK(cond, ...)                                               \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "child: " __VA_ARGS__);               \
			fputc('\n', stderr);                                  \
			failures++;                                           \
		}                                                             \
	} while (0)

static void refused(int ret, const char *what)
{
	CHILD_CHECK(ret == -EBADF, "%s returned %d, not -EBADF", what, ret);
	CHILD_CHECK(strstr(pasid_errmsg(), "fork") &&
		    strstr(pasid_errmsg(), "pasid_ctx_open"),
		    "%s: message '%s' does not say what to do", what,
		    pasid_errmsg());
}

static int child(struct pasid_dev *dev, struct pasid_as *as, void *buf)
{
	struct pasid_caps caps = { .size = sizeof(caps) };
	struct pasid_iova_range r;
	struct pasid_ctx *mine;
	struct pasid_as *as2;
	struct pasid_dev *dev2;
	unsigned int calls = emu_calls(), calls2, fds;
	uint64_t iova = IOVA + 0x100000, pg;
	void *va;
	volatile void *bar;
	size_t len;
	uint8_t b;

	refused(pasid_unmap(as, IOVA, FX_PAGE), "pasid_unmap");
	refused(pasid_map(as, buf, FX_PAGE, PASID_MAP_RW, &iova), "pasid_map");
	refused(pasid_copy(as, as, IOVA, FX_PAGE, PASID_MAP_RW, &iova), "pasid_copy");
	refused(pasid_as_iova_ranges(as, &r, 1, NULL), "pasid_as_iova_ranges");
	refused(pasid_map(as, buf, FX_PAGE, PASID_MAP_RW | PASID_MAP_TRY_IOVA,
			  &iova), "pasid_map(TRY_IOVA)");
	refused(pasid_as_iova_check(as, IOVA, FX_PAGE, dev),
		"pasid_as_iova_check");
	refused(pasid_as_set_iova_window(as, 0, 0xfffffff),
		"pasid_as_set_iova_window");
	refused(pasid_as_page_sizes(as, &pg), "pasid_as_page_sizes");
	refused(pasid_as_va_to_iova(as, buf, &pg), "pasid_as_va_to_iova");
	refused(pasid_as_iova_to_va(as, IOVA, &va), "pasid_as_iova_to_va");
	refused(pasid_unmap_va(as, buf, FX_PAGE), "pasid_unmap_va");
	refused(pasid_as_new(fx.ctx, &as2), "pasid_as_new");
	refused(pasid_unbind(dev, 5), "pasid_unbind");
	refused(pasid_bind(dev, as, PASID_ANY), "pasid_bind");
	refused(pasid_rebind(dev, 5, as), "pasid_rebind");
	refused(pasid_attach_rid(dev, as, 0), "pasid_attach_rid");
	refused(pasid_detach_rid(dev), "pasid_detach_rid");
	refused(pasid_dev_open(fx.ctx, BDF, &dev2), "pasid_dev_open");
	refused(pasid_dev_caps(dev, &caps), "pasid_dev_caps");
	refused(pasid_dev_config_read(dev, 0, &b, 1), "pasid_dev_config_read");
	refused(pasid_dev_set_bus_master(dev, true), "pasid_dev_set_bus_master");
	refused(pasid_dev_bar_map(dev, 0, &bar, &len), "pasid_dev_bar_map");
	refused(pasid_dev_fd(dev), "pasid_dev_fd");
	refused(pasid_ctx_fd(fx.ctx), "pasid_ctx_fd");
	CHILD_CHECK(pasid_as_ioas_id(as) == 0, "an IOAS id was handed out");
	CHILD_CHECK(emu_calls() == calls, "%u kernel calls were made",
		    emu_calls() - calls);

	/* a context of the child's own works; the device is the parent's
	 * (the kernel binds a VFIO device to one iommufd at a time, and the
	 * parent's is open) */
	CHILD_CHECK(pasid_ctx_open(&mine, NULL) == 0, "own context: %s",
		    pasid_errmsg());
	CHILD_CHECK(pasid_as_new(mine, &as2) == 0, "own address space: %s",
		    pasid_errmsg());
	CHILD_CHECK(pasid_dev_open(mine, BDF, &dev2) == -EINVAL &&
		    strstr(pasid_errmsg(), "already bound"),
		    "opening the parent's device: %s", pasid_errmsg());
	pasid_ctx_close(mine);

	/* closing frees the child's copies only: no kernel call, fds closed */
	calls2 = emu_calls();
	fds = emu_open_fds();
	pasid_as_free(as);
	pasid_dev_close(dev);
	pasid_ctx_close(fx.ctx);
	CHILD_CHECK(emu_calls() == calls2, "closing made %u kernel calls",
		    emu_calls() - calls2);
	CHILD_CHECK(emu_open_fds() == fds - 2, "%u of the 2 inherited fds closed",
		    fds - emu_open_fds());

	return failures;
}

START_TEST(handles_do_not_cross_fork)
{
	int index, status;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, &index);
	struct pasid_as *as = fx_as();
	void *buf = fx_buf(1);
	uint64_t iova = IOVA;
	pid_t pid;

	ck_assert_int_eq(pasid_map(as, buf, FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &iova), 0);
	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	ck_assert_int_eq(pasid_bind(dev, as, 5), 5);
	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(child(dev, as, buf) ? 1 : 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "the child saw failures (see its stderr)");
	/* the parent's handles still work */
	fx_dma_check(index, 0, IOVA, buf);
	fx_dma_check(index, 5, IOVA, buf);
	ck_assert_int_eq(pasid_unmap(as, IOVA, FX_PAGE), 0);
}
END_TEST


/* Another thread of the parent holds a lock at the fork (the context's in
 * the middle of a bind, an address space's in the middle of a map):
 * closing in the child must neither wait for it forever nor walk what it
 * guards, and still closes every inherited fd it is handed. */
static pthread_mutex_t hold_mx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hold_cv = PTHREAD_COND_INITIALIZER;
static int hold_state;	/* 1: the lock is held, 2: let it go */
static struct pasid_as *hold_as;	/* NULL: hold the context's lock */

static void *hold_lock(void *arg)
{
	(void)arg;
	lock_take(hold_as ? &hold_as->lock : &fx.ctx->lock);
	pthread_mutex_lock(&hold_mx);
	hold_state = 1;
	pthread_cond_signal(&hold_cv);
	while (hold_state != 2)
		pthread_cond_wait(&hold_cv, &hold_mx);
	pthread_mutex_unlock(&hold_mx);
	lock_give(hold_as ? &hold_as->lock : &fx.ctx->lock);
	return NULL;
}

static void close_in_child_while_held(bool hold_as_lock)
{
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, NULL);
	struct pasid_as *as = fx_as();
	void *buf = fx_buf(1);
	uint64_t iova = IOVA;
	pthread_t t;
	int status;
	pid_t pid;

	ck_assert_int_eq(pasid_map(as, buf, FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &iova), 0);
	hold_as = hold_as_lock ? as : NULL;
	hold_state = 0;
	ck_assert_int_eq(pthread_create(&t, NULL, hold_lock, NULL), 0);
	pthread_mutex_lock(&hold_mx);
	while (hold_state != 1)
		pthread_cond_wait(&hold_cv, &hold_mx);
	pthread_mutex_unlock(&hold_mx);
	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		unsigned int fds = emu_open_fds(), calls = emu_calls();
		bool settled;

		alarm(10);	/* a hang is a failure, not a stuck test */
		pasid_as_free(as);
		pasid_dev_close(dev);
		/* the context's lock, held by a thread the child does not
		 * have, must be seen as held (lock_try refuses it); a free
		 * one is taken for good */
		settled = fx.ctx->fork_close == FORK_CLOSE_SETTLED;
		if (settled != hold_as_lock)
			_exit(2);
		pasid_ctx_close(fx.ctx);
		/* the device's fd and the iommufd, each closed once */
		_exit(emu_open_fds() == fds - 2 && emu_calls() == calls ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	pthread_mutex_lock(&hold_mx);
	hold_state = 2;
	pthread_cond_signal(&hold_cv);
	pthread_mutex_unlock(&hold_mx);
	pthread_join(t, NULL);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "the child's close hung, crashed, called the kernel, left an fd open (exit 1) or misjudged the context's lock (exit 2) (status 0x%x)",
		      status);
	/* the parent's mapping is untouched */
	ck_assert_int_eq(pasid_unmap(as, IOVA, FX_PAGE), 0);
}

/* lock_try, what the child above and the drop of idle tables rely on:
 * it refuses a held lock and takes a free one. */
START_TEST(lock_try_refuses_a_held_lock)
{
	struct lock l;

	lock_init(&l);
	ck_assert(lock_try(&l));
	ck_assert(!lock_try(&l));
	lock_give(&l);
	ck_assert(lock_try(&l));
	lock_give(&l);
	lock_destroy(&l);
}
END_TEST

START_TEST(close_in_child_while_parent_held_the_lock)
{
	close_in_child_while_held(false);
}
END_TEST

START_TEST(close_in_child_while_parent_held_an_as_lock)
{
	close_in_child_while_held(true);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fork");
	TCase *tc = tcase_create("fork");

	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, handles_do_not_cross_fork);
	tcase_add_test(tc, lock_try_refuses_a_held_lock);
	tcase_add_test(tc, close_in_child_while_parent_held_the_lock);
	tcase_add_test(tc, close_in_child_while_parent_held_an_as_lock);
	suite_add_tcase(s, tc);
	return fx_run(s);
}
