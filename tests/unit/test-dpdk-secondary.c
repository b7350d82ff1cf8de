/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * pasid_dpdk_attach in a DPDK secondary process: it must refuse (-EPERM,
 * with a message that says to attach in the primary) and map nothing. A
 * secondary's DPDK memory is the primary's, at the same addresses; mapped a
 * second time it would be pinned twice, at other IOVAs.
 *
 * A secondary needs a live primary with shared hugepage files, so this
 * program forks one. Both run in a private mount namespace on a hugetlbfs
 * of their own, so that nothing is mounted on the machine and no hugepage
 * file outlives the test. Exit 77 where that cannot be had: not root (the
 * mount), no free 2 MiB hugepages, or under valgrind (the EAL's address
 * space reservations).
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
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

static char huge_dir[256];

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

static int skip(const char *why)
{
	printf("SKIP: %s\n", why);
	return 77;
}

/* A private mount namespace with a 2 MiB hugetlbfs at huge_dir, under the
 * runtime directory the test is given. */
static int private_hugetlbfs(void)
{
	const char *run = getenv("XDG_RUNTIME_DIR");

	snprintf(huge_dir, sizeof(huge_dir), "%s/huge-secondary.%d",
		 run ? run : "/tmp", (int)getpid());
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -errno;
	if (mkdir(huge_dir, 0700) && errno != EEXIST)
		return -errno;
	if (mount("libpasid-test", huge_dir, "hugetlbfs", 0, "pagesize=2M")) {
		int err = -errno;

		rmdir(huge_dir);
		return err;
	}
	return 0;
}

/* The primary: initialise, say so on ready (1: up, 0: failed), then hold
 * the shared memory until the parent closes hold. */
static void primary(int ready, int hold)
{
	char dir[sizeof(huge_dir) + 16];
	char *argv[] = {
		"test-dpdk-primary", "-l", "0", "--no-pci", "--no-telemetry",
		"--legacy-mem", "-m", "8", dir, PREFIX,
		"--log-level=lib.eal:error", NULL
	};
	char c;

	snprintf(dir, sizeof(dir), "--huge-dir=%s", huge_dir);
	c = rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) >= 0;
	if (write(ready, &c, 1) != 1 || !c)
		_exit(1);
	while (read(hold, &c, 1) < 0 && errno == EINTR)
		;
	rte_eal_cleanup();
	_exit(0);
}

int main(void)
{
	char dir[sizeof(huge_dir) + 16];
	char *argv[] = {
		"test-dpdk-secondary", "-l", "0", "--no-pci", "--no-telemetry",
		"--proc-type=secondary", dir, PREFIX,
		"--log-level=lib.eal:error", NULL
	};
	int ready[2], hold[2], status, ret, err;
	pid_t pid;
	char up = 0;

	if (getenv("LD_PRELOAD") && strstr(getenv("LD_PRELOAD"), "valgrind"))
		return skip("under valgrind: the EAL's address space reservations do not fit");
	if (geteuid() != 0)
		return skip("not root: the test mounts a hugetlbfs of its own for the primary's shared memory");
	err = private_hugetlbfs();
	if (err)
		return printf("SKIP: no private hugetlbfs (%s)\n", strerror(-err)), 77;
	if (pipe(ready) || pipe(hold))
		return perror("pipe"), 1;
	pid = fork();
	if (pid < 0)
		return perror("fork"), 1;
	if (pid == 0) {
		close(ready[0]);
		close(hold[1]);
		primary(ready[1], hold[0]);
	}
	close(ready[1]);
	close(hold[0]);
	if (read(ready[0], &up, 1) != 1 || !up) {
		waitpid(pid, NULL, 0);
		umount(huge_dir);
		rmdir(huge_dir);
		return skip("the DPDK primary cannot initialise: it needs 4 free 2 MiB hugepages (vm.nr_hugepages)");
	}

	snprintf(dir, sizeof(dir), "--huge-dir=%s", huge_dir);
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
	umount(huge_dir);
	rmdir(huge_dir);
	return ret;
}
