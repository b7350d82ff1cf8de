/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * libpasid-dpdk on the emulated kernel with a real DPDK EAL in the process.
 * Built twice: test-dpdk with legacy memory (--no-huge: one mapping per
 * contiguous run, no memory events; DPDK 22.11 refuses event callbacks
 * there), and test-dpdk-events (DPDK_EVENTS) with dynamic hugepage memory
 * (--in-memory: one mapping per page, heap growth and shrink through the
 * callback). Exit 77 only when the EAL cannot initialise here (for the
 * second: no free hugepages, or under valgrind, whose address space is too
 * small for the EAL's memseg-list reservations).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "fixture.h"
#include "libpasid/dpdk.h"

#define BDF "0000:00:04.0"
#define LIMIT28 ((1ull << 28) - 1)

static int idx;

static struct pasid_as *as_with_rid(void)
{
	struct pasid_dev *dev = fx_dev(BDF, EMU_IOMMU_INTEL, 20, &idx);
	struct pasid_as *as = fx_as();

	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	return as;
}

/* The IOVA DPDK gives the page (what the helper wishes for). */
static uint64_t dpdk_iova(const struct rte_memseg *ms)
{
	if (rte_eal_iova_mode() == RTE_IOVA_VA || ms->iova == RTE_BAD_IOVA)
		return (uintptr_t)ms->addr;
	return ms->iova;
}

struct seen {
	struct pasid_dpdk *att;
	uint64_t limit;		/* IOVAs must lie at or below */
	bool want_dpdk;		/* and be DPDK's own */
	unsigned int pages, bad;
	size_t bytes;
};

static int check_page(const struct rte_memseg_list *msl,
		      const struct rte_memseg *ms, void *arg)
{
	struct seen *s = arg;
	uint64_t iova;

	if (msl->external)
		return 0;
	s->pages++;
	s->bytes += ms->len;
	if (pasid_dpdk_iova(s->att, ms->addr, ms->len, &iova) ||
	    iova + (ms->len - 1) > s->limit ||
	    (s->want_dpdk && iova != dpdk_iova(ms)))
		s->bad++;
	return 0;
}

/* Every page of DPDK memory mapped, where expected. */
static void check_all(struct pasid_dpdk *att, uint64_t limit, bool want_dpdk)
{
	struct seen s = { .att = att, .limit = limit, .want_dpdk = want_dpdk };

	rte_memseg_walk(check_page, &s);
	ck_assert_uint_gt(s.pages, 0);
	ck_assert_msg(s.bad == 0, "%u of %u pages not mapped as expected", s.bad, s.pages);
	ck_assert_uint_eq(emu_mapped_bytes(), s.bytes);
}

/* A DMA of a pattern into buf through the device lands byte for byte. */
static void dma_into(struct pasid_dpdk *att, uint8_t *buf, size_t len)
{
	uint8_t *pat = malloc(len);
	uint64_t iova;

	for (size_t i = 0; i < len; i++)
		pat[i] = (uint8_t)(i * 7 + 3);
	memset(buf, 0, len);
	ck_assert_int_eq(pasid_dpdk_iova(att, buf, len, &iova), 0);
	ck_assert_int_eq(emu_dma_write(idx, 0, iova, pat, len), 0);
	ck_assert_mem_eq(buf, pat, len);
	free(pat);
}

START_TEST(t_attach_maps_every_memseg)
{
	struct pasid_as *as = as_with_rid();
	struct pasid_dpdk *att;
	uint8_t *buf;
	uint64_t iova;

	ck_assert_int_eq(pasid_dpdk_attach(as, &att), 0);
	ck_assert_str_eq(pasid_dpdk_errmsg(), "");
	/* the aperture has room for DPDK's IOVAs: each page at its own */
	check_all(att, UINT64_MAX, true);
	buf = rte_malloc(NULL, 3000, 64);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(pasid_dpdk_iova(att, buf, 3000, &iova), 0);
	ck_assert_uint_eq(iova, rte_malloc_virt2iova(buf));
	dma_into(att, buf, 2048);
	rte_free(buf);
	ck_assert_int_eq(pasid_dpdk_error(att, NULL, 0), 0);
	pasid_dpdk_detach(att);
	ck_assert_uint_eq(emu_mapped_bytes(), 0);
}
END_TEST

START_TEST(t_window_chosen_iovas)
{
	struct pasid_as *as = as_with_rid();
	struct pasid_dpdk *att;
	uint8_t *buf;
	uint64_t iova;

	/* a 28-bit device (edu): DPDK's IOVAs lie far above */
	ck_assert_int_eq(pasid_as_set_iova_window(as, 0, LIMIT28), 0);
	ck_assert_int_eq(pasid_dpdk_attach(as, &att), 0);
	check_all(att, LIMIT28, false);
	buf = rte_zmalloc(NULL, 2048, 0);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(pasid_dpdk_iova(att, buf, 2048, &iova), 0);
	ck_assert_uint_le(iova, LIMIT28);
	dma_into(att, buf, 2048);
	rte_free(buf);
	pasid_dpdk_detach(att);
	ck_assert_uint_eq(emu_mapped_bytes(), 0);
}
END_TEST

START_TEST(t_bad_input)
{
	struct pasid_as *as = as_with_rid();
	struct pasid_dpdk *att, *again;
	struct fx_state before;
	static char plain[64];
	char msg[8];
	uint64_t iova;

	ck_assert_int_eq(pasid_dpdk_attach(NULL, &att), -EINVAL);
	ck_assert_ptr_nonnull(strstr(pasid_dpdk_errmsg(), "as is NULL"));
	ck_assert_int_eq(pasid_dpdk_attach(as, NULL), -EINVAL);
	ck_assert_int_eq(pasid_dpdk_error(NULL, msg, sizeof(msg)), -EINVAL);
	ck_assert_int_eq(pasid_dpdk_iova(NULL, plain, 1, &iova), -EINVAL);
	pasid_dpdk_detach(NULL);
	ck_assert_int_eq(pasid_dpdk_attach(as, &att), 0);
	before = fx_state();
	ck_assert_int_eq(pasid_dpdk_attach(as, &again), -EBUSY);
	ck_assert_ptr_nonnull(strstr(pasid_dpdk_errmsg(), "already"));
	ck_assert_state_eq(fx_state(), before);
	ck_assert_int_eq(pasid_dpdk_error(att, NULL, 1), -EINVAL);
	ck_assert_int_eq(pasid_dpdk_error(att, msg, sizeof(msg)), 0);
	ck_assert_str_eq(msg, "");
	/* not DPDK memory */
	ck_assert_int_eq(pasid_dpdk_iova(att, plain, 1, &iova), -ENOENT);
	ck_assert_ptr_nonnull(strstr(pasid_dpdk_errmsg(), "not DPDK memory"));
	ck_assert_int_eq(pasid_dpdk_iova(att, (void *)(UINTPTR_MAX - 2), 8, &iova),
			 -EOVERFLOW);
	ck_assert_int_eq(pasid_dpdk_iova(att, plain, 1, NULL), -EINVAL);
	pasid_dpdk_detach(att);
	/* once detached, the address space may attach again */
	ck_assert_int_eq(pasid_dpdk_attach(as, &att), 0);
	pasid_dpdk_detach(att);
	ck_assert_uint_eq(emu_mapped_bytes(), 0);
}
END_TEST

/* The leak sweep: attach with each of its kernel calls failing in turn
 * fails, says why, leaves the kernel as it was, and then succeeds. */
START_TEST(t_attach_fails_cleanly)
{
	struct pasid_as *as = as_with_rid();
	struct pasid_dpdk *att = NULL;
	struct fx_state before = fx_state();
	/* with dynamic memory: more pages, so that a failure comes after
	 * some pages were mapped, which must be put back */
	void *grow = rte_malloc(NULL, 6u << 20, 0);
	unsigned int n;
	int ret = -1;

	for (n = 1; n < 10000 && ret; n++) {
		emu_fail_call(n, EIO);
		ret = pasid_dpdk_attach(as, &att);
		emu_fail_call(0, 0);
		if (ret) {
			ck_assert_int_eq(ret, -EIO);
			ck_assert_ptr_nonnull(strstr(pasid_dpdk_errmsg(), "mapping DPDK memory"));
			ck_assert_state_eq(fx_state(), before);
		}
	}
	ck_assert_int_eq(ret, 0);
	ck_assert_uint_gt(n, 2);	/* at least one step failed */
	check_all(att, UINT64_MAX, true);
	pasid_dpdk_detach(att);
	ck_assert_state_eq(fx_state_settled(), before);
	rte_free(grow);
}
END_TEST

#ifdef DPDK_EVENTS
static char logged[1024];

static void log_fn(void *arg, enum pasid_log_level level, const char *msg)
{
	(void)arg;
	if (level == PASID_LOG_ERROR && !logged[0])
		snprintf(logged, sizeof(logged), "%s", msg);
}

START_TEST(t_growth_and_shrink)
{
	struct pasid_as *as = as_with_rid();
	struct pasid_dpdk *att;
	unsigned long base;
	size_t len = 8u << 20;
	uint8_t *buf;

	ck_assert_int_eq(pasid_dpdk_attach(as, &att), 0);
	check_all(att, UINT64_MAX, true);
	base = emu_mapped_bytes();
	/* more than the heap has: DPDK allocates pages, the callback maps */
	buf = rte_malloc(NULL, len, 0);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_ge(emu_mapped_bytes(), base + len);
	check_all(att, UINT64_MAX, true);
	dma_into(att, buf + len - 2048, 2048);
	/* freeing gives the pages back: the callback unmaps them */
	rte_free(buf);
	ck_assert_uint_le(emu_mapped_bytes(), base);
	check_all(att, UINT64_MAX, true);
	ck_assert_int_eq(pasid_dpdk_error(att, NULL, 0), 0);
	pasid_dpdk_detach(att);
	ck_assert_uint_eq(emu_mapped_bytes(), 0);
}
END_TEST

START_TEST(t_growth_chosen_iovas)
{
	struct pasid_as *as = as_with_rid();
	struct pasid_dpdk *att;
	uint8_t *buf;

	ck_assert_int_eq(pasid_as_set_iova_window(as, 0, LIMIT28), 0);
	ck_assert_int_eq(pasid_dpdk_attach(as, &att), 0);
	buf = rte_malloc(NULL, 4u << 20, 0);
	ck_assert_ptr_nonnull(buf);
	check_all(att, LIMIT28, false);
	dma_into(att, buf, 2048);
	rte_free(buf);
	check_all(att, LIMIT28, false);
	pasid_dpdk_detach(att);
	ck_assert_uint_eq(emu_mapped_bytes(), 0);
}
END_TEST

START_TEST(t_event_failure_reported)
{
	struct pasid_ctx_opts o = { .size = sizeof(o), .log = log_fn,
				    .log_level = PASID_LOG_ERROR };
	struct pasid_dev *dev;
	struct pasid_ctx *ctx;
	struct pasid_as *as;
	struct pasid_dpdk *att;
	char msg[512];
	uint8_t *buf, *more;
	int i;

	i = fx_add(BDF, EMU_IOMMU_INTEL, 20);
	ck_assert_int_ge(i, 0);
	ck_assert_int_eq(pasid_ctx_open(&ctx, &o), 0);
	ck_assert_int_eq(pasid_dev_open(ctx, BDF, &dev), 0);
	ck_assert_int_eq(pasid_as_new(ctx, &as), 0);
	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	ck_assert_int_eq(pasid_dpdk_attach(as, &att), 0);
	/* the next kernel call, the first map of the new pages, fails */
	emu_fail_call(1, ENOSPC);
	buf = rte_malloc(NULL, 4u << 20, 0);
	emu_fail_call(0, 0);
	ck_assert_ptr_nonnull(buf);	/* the callback cannot refuse it */
	ck_assert_int_eq(pasid_dpdk_error(att, msg, sizeof(msg)), -ENOSPC);
	ck_assert_ptr_nonnull(strstr(msg, "DPDK memory event: mapping new memory"));
	ck_assert_msg(logged[0], "nothing went to the log callback");
	/* the next growth is refused before DPDK allocates (the validator):
	 * no more memory that the device cannot reach */
	more = rte_malloc(NULL, 8u << 20, 0);
	ck_assert_ptr_null(more);
	/* it stays, through the free of the memory too */
	rte_free(buf);
	ck_assert_int_eq(pasid_dpdk_error(att, msg, sizeof(msg)), -ENOSPC);
	pasid_dpdk_detach(att);
	ck_assert_uint_eq(emu_mapped_bytes(), 0);
	/* with the attachment gone the heap grows again */
	more = rte_malloc(NULL, 8u << 20, 0);
	ck_assert_ptr_nonnull(more);
	rte_free(more);
	pasid_ctx_close(ctx);
}
END_TEST
#endif

static Suite *suite(void)
{
	Suite *s = suite_create("dpdk");
	TCase *tc = tcase_create("eal");

	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, t_attach_maps_every_memseg);
	tcase_add_test(tc, t_window_chosen_iovas);
	tcase_add_test(tc, t_bad_input);
	tcase_add_test(tc, t_attach_fails_cleanly);
#ifdef DPDK_EVENTS
	tcase_add_test(tc, t_growth_and_shrink);
	tcase_add_test(tc, t_growth_chosen_iovas);
	tcase_add_test(tc, t_event_failure_reported);
#endif
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	char *argv[] = {
		"test-dpdk", "-l", "0", "--no-pci", "--no-telemetry",
#ifdef DPDK_EVENTS
		"--in-memory",
#else
		"--no-huge", "--no-shconf", "-m", "16",
#endif
		"--file-prefix=libpasid-test", "--log-level=lib.eal:error", NULL
	};
	struct pasid_dpdk *att;
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;

	/* before rte_eal_init there is no DPDK memory to attach to */
	if (pasid_dpdk_attach((struct pasid_as *)argv, &att) != -ENODEV ||
	    !strstr(pasid_dpdk_errmsg(), "rte_eal_init")) {
		fprintf(stderr, "FAIL: attach before rte_eal_init: %s\n", pasid_dpdk_errmsg());
		return 1;
	}
	if (rte_eal_init(argc, argv) < 0) {
		printf("SKIP: the DPDK EAL cannot initialise here (%s)%s\n",
		       rte_strerror(rte_errno),
#ifdef DPDK_EVENTS
		       ": dynamic memory needs free hugepages (vm.nr_hugepages) and room for the EAL's reservation of address space, which valgrind does not give"
#else
		       ""
#endif
		       );
		return 77;
	}
	return fx_run(suite());
}
