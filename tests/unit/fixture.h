/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Shared setup of the core unit tests: a fresh emulated kernel (tests/emu)
 * per test, helpers to add and open devices, page-aligned buffers that are
 * released after the library, and snapshots of the emulated kernel's state
 * to prove that a failed call left nothing behind.
 *
 * Use as a checked fixture (it runs in the forked child, and once per test
 * with CK_FORK=no under valgrind):
 *	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
 * fx_teardown closes fx.ctx (if the test left it open), then checks that the
 * emulated kernel holds no object, fd or mapping any more.
 */
#ifndef LIBPASID_TESTS_FIXTURE_H
#define LIBPASID_TESTS_FIXTURE_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "emu.h"
#include "libpasid/libpasid.h"

#define FX_PAGE 4096u

struct fx {
	struct pasid_ctx *ctx;		/* opened by fx_setup */
};
extern struct fx fx;

/* emu_init + a context in fx.ctx. */
void fx_setup(void);
/* emu_init only (tests of pasid_ctx_open). */
void fx_setup_noctx(void);
/* pasid_ctx_close(fx.ctx), leak checks, free buffers, emu_fini. */
void fx_teardown(void);

/* Add an emulated device in a group of its own; returns its vfio index. */
int fx_add(const char *bdf, enum emu_iommu iommu, unsigned int pasid_log2);
/* Add with a full config (group and all); returns the vfio index. */
int fx_add_cfg(const struct emu_dev_cfg *cfg);
/* pasid_dev_open on fx.ctx; fails the test if it does not succeed. */
struct pasid_dev *fx_open(const char *bdf);
/* fx_add + fx_open. */
struct pasid_dev *fx_dev(const char *bdf, enum emu_iommu iommu,
			 unsigned int pasid_log2, int *index);
/* pasid_as_new on fx.ctx, must succeed. */
struct pasid_as *fx_as(void);

/* npages zeroed, page-aligned pages; unmapped in fx_teardown. */
void *fx_buf(size_t npages);
/* pasid_map of a fresh buffer, must succeed; returns the IOVA. */
uint64_t fx_map(struct pasid_as *as, size_t npages, unsigned int flags,
		void **buf);

/* What the emulated kernel holds. */
struct fx_state {
	unsigned int objs, fds;
	unsigned long bytes;
};
struct fx_state fx_state(void);
/* Page tables the library keeps idle for the next bind (libpasid(7)), in
 * every address space of the fixture's context. */
unsigned int fx_idle_tables(void);
/* fx_state without those: what a test of a successful teardown compares
 * (a failed call must leave even them as they were: compare fx_state). */
struct fx_state fx_state_settled(void);
#define ck_assert_state_eq(a, b)                                              \
	do {                                                                  \
		struct fx_state a_ = (a), b_ = (b);                           \
		ck_assert_uint_eq(a_.objs, b_.objs);                          \
		ck_assert_uint_eq(a_.fds, b_.fds);                            \
		ck_assert_uint_eq(a_.bytes, b_.bytes);                        \
	} while (0)

/* The kind of page table a RID or PASID is on, from the emulated kernel. */
enum fx_pt {
	FX_PT_NONE,		/* detached / blocked */
	FX_PT_AUTO,		/* the kernel's automatic table */
	FX_PT_PASID,		/* an explicit PASID-capable table */
	FX_PT_OTHER,		/* an explicit table without PASID */
};
enum fx_pt fx_pt_kind(uint32_t hwpt_id);
uint32_t fx_rid_pt(int index);
uint32_t fx_pasid_pt(int index, uint32_t pasid);

/* DMA of a fresh pattern through (index, pasid) at iova, then check it
 * landed in buf. */
void fx_dma_check(int index, uint32_t pasid, uint64_t iova, void *buf);

/* The thread's last message: non-empty and containing what. */
#define ck_assert_errmsg(what)                                                \
	do {                                                                  \
		const char *m_ = pasid_errmsg();                              \
		ck_assert_msg(m_ && m_[0], "pasid_errmsg() is empty");        \
		ck_assert_msg(strstr(m_, (what)) != NULL,                     \
			      "pasid_errmsg() '%s' does not mention '%s'", m_, \
			      (what));                                        \
	} while (0)
#define ck_assert_noerrmsg() ck_assert_str_eq(pasid_errmsg(), "")

/* In a forked child: free as, close dev and fx.ctx, inherited from the
 * parent; 0 if that made no kernel call and closed exactly the nfds
 * inherited fds (the child's copies), else 1 with a line on stderr. */
int fx_child_closes(struct pasid_dev *dev, struct pasid_as *as,
		    unsigned int nfds);

/* Run suite s, return the exit status for main. */
int fx_run(Suite *s);

#endif
