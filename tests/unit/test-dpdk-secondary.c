/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * pasid_dpdk_attach in a DPDK secondary process: it must refuse (-EPERM,
 * with a message that says to attach in the primary) and map nothing. A
 * secondary's DPDK memory is the primary's, at the same addresses; mapped a
 * second time it would be pinned twice, at other IOVAs.
 *
 * A secondary needs a live primary with shared hugepage files, so this
 * program forks one. Both run in a private mount namespace with a tmpfs on
 * /run (a root EAL keeps its runtime files in /var/run/dpdk, whatever
 * XDG_RUNTIME_DIR says) and a hugetlbfs of their own in it, so that nothing
 * is mounted on the machine, no file outlives the test, and two runs at
 * once do not meet. Exit 77 where that cannot be had: not root (the
 * mounts), fewer than 4 free 2 MiB hugepages, or under valgrind (the EAL's
 * address space reservations). A primary that fails anyway is a failure.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "fixture.h"
#include "libpasid/dpdk.h"

#define BDF "0000:00:04.0"
#define PREFIX "--file-prefix=libpasid-secondary"
#define HUGE_DIR "/run/libpasid-huge"
#define PAGES_NEEDED 4		/* -m 8 */

START_TEST(t_secondary_refused)
{
	int idx;
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 20, &idx);
	struct pasid_as *as = fx_as();
	struct pasid_dpdk *att = (struct pasid_dpdk *)&att;
	struct fx_state before;

	ck_assert_int_eq(rte_eal_process_type(), RTE_PROC_SECONDARY);
	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	before = fx_state();
	ck_assert_int_eq(pasid_dpdk_attach(as, &att), -EPERM);
	ck_assert_ptr_nonnull(strstr(pasid_dpdk_errmsg(), "secondary"));
	ck_assert_ptr_nonnull(strstr(pasid_dpdk_errmsg(), "attach in the primary"));
	ck_assert_ptr_null(att);
	/* nothing mapped, no kernel object made */
	ck_assert_uint_eq(emu_mapped_bytes(), 0);
	ck_assert_state_eq(fx_state(), before);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("dpdk-secondary");
	TCase *tc = tcase_create("eal");

	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, t_secondary_refused);
	suite_add_tcase(s, tc);
	return s;
}

static int skip(const char *why, const char *detail)
{
	printf("SKIP: %s%s%s\n", why, detail ? ": " : "", detail ? detail : "");
	return 77;
}

static unsigned long free_hugepages(void)
{
	FILE *f = fopen("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "r");
	unsigned long n = 0;

	if (f) {
		if (fscanf(f, "%lu", &n) != 1)
			n = 0;
		fclose(f);
	}
	return n;
}

/* A private mount namespace with a tmpfs on /run and a 2 MiB hugetlbfs at
 * HUGE_DIR in it: gone with the process, whatever path it ends by. */
static int private_mounts(void)
{
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("libpasid-test", "/run", "tmpfs", 0, "mode=0755") ||
	    mkdir(HUGE_DIR, 0700) ||
	    mount("libpasid-test", HUGE_DIR, "hugetlbfs", 0, "pagesize=2M"))
		return -errno;
	return 0;
}

/* The primary: initialise, send rte_errno on ready (0: up), then hold the
 * shared memory until the parent closes hold. */
static void primary(int ready, int hold)
{
	char *argv[] = {
		"test-dpdk-primary", "-l", "0", "--no-pci", "--no-telemetry",
		"--legacy-mem", "-m", "8", "--huge-dir=" HUGE_DIR, PREFIX,
		"--log-level=lib.eal:error", NULL
	};
	int err = 0;
	char c;

	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0)
		err = rte_errno ? rte_errno : EINVAL;
	if (write(ready, &err, sizeof(err)) != sizeof(err) || err)
		_exit(1);
	while (read(hold, &c, 1) < 0 && errno == EINTR)
		;
	rte_eal_cleanup();
	_exit(0);
}

int main(void)
{
	char *argv[] = {
		"test-dpdk-secondary", "-l", "0", "--no-pci", "--no-telemetry",
		"--proc-type=secondary", "--huge-dir=" HUGE_DIR, PREFIX,
		"--log-level=lib.eal:error", NULL
	};
	int ready[2], hold[2], status = 0, ret, err;
	unsigned long pages;
	pid_t pid;

	if (getenv("LD_PRELOAD") && strstr(getenv("LD_PRELOAD"), "valgrind"))
		return skip("under valgrind: the EAL's address space reservations do not fit", NULL);
	if (geteuid() != 0)
		return skip("not root: the test mounts a tmpfs and a hugetlbfs of its own for the primary's shared memory", NULL);
	pages = free_hugepages();
	if (pages < PAGES_NEEDED) {
		printf("SKIP: %lu free 2 MiB hugepages, the DPDK primary needs %d (vm.nr_hugepages)\n",
		       pages, PAGES_NEEDED);
		return 77;
	}
	err = private_mounts();
	if (err)
		return skip("no private mount namespace with a tmpfs and a hugetlbfs", strerror(-err));
	if (pipe(ready) || pipe(hold)) {
		perror("pipe");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		close(ready[0]);
		close(hold[1]);
		primary(ready[1], hold[0]);
	}
	close(ready[1]);
	close(hold[0]);
	if (read(ready[0], &err, sizeof(err)) != sizeof(err) || err) {
		waitpid(pid, NULL, 0);
		/* the pages were free a moment ago: a DPDK test running
		 * alongside may have taken them; otherwise the EAL broke */
		if (free_hugepages() < PAGES_NEEDED)
			return skip("the free hugepages were taken meanwhile (another DPDK test?)", NULL);
		fprintf(stderr, "FAIL: the DPDK primary did not initialise: %s\n",
			err ? rte_strerror(err) : "it died");
		return 1;
	}

	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0) {
		fprintf(stderr, "FAIL: the secondary EAL did not attach to the primary: %s\n",
			rte_strerror(rte_errno));
		ret = 1;
	} else {
		ret = fx_run(suite());
		rte_eal_cleanup();
	}
	close(hold[1]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fprintf(stderr, "FAIL: the DPDK primary did not exit cleanly (status 0x%x)\n", status);
		ret = 1;
	}
	return ret;
}
