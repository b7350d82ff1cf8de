/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The alloc test: every public flow is run once to count the allocations
 * the library makes, then once more per allocation with that one failing,
 * each run in a child process of its own (a crash is a failed point, and
 * every run starts from nothing). In each run:
 *  - the public call that met the failure must return -ENOMEM (or be a
 *    known library bug, see known.c) with a message, and leave the emulated
 *    kernel's objects, fds and mappings as they were before the call;
 *  - the same call, made again, must then succeed (nothing half-built is
 *    left in the library);
 *  - when the flow has closed everything, no block the library allocated
 *    is still live and the emulated kernel holds nothing.
 */
#ifndef LIBPASID_TESTS_ALLOC_H
#define LIBPASID_TESTS_ALLOC_H

#include <stdbool.h>

struct alloc_flow {
	const char *name;
	void (*run)(void);	/* set up, the calls, close everything */
};

extern const struct alloc_flow alloc_lib_flows[], alloc_cli_flows[];
extern const unsigned int alloc_nlib_flows, alloc_ncli_flows;

/* A fresh emulated kernel with the devices the flows use (see world.c),
 * behind alloc_seam_install's seam. */
void alloc_world(void);
/* The same machine on another kernel generation (emu.h, emu_profile). */
enum emu_profile;
void alloc_world_on(enum emu_profile profile);
#define BDF_A	"0000:00:04.0"	/* Intel, 20-bit PASIDs, group 1 */
#define BDF_B	"0000:00:05.0"	/* Intel, 20-bit PASIDs, group 1 (a's sibling) */
#define BDF_V	"0000:00:06.0"	/* virtio-iommu, no PASIDs, group 3 */
/* alloc_world with a fourth device: SMMUv3, 8-bit PASIDs, group 4 */
void alloc_world_smmu(void);
#define BDF_S	"0000:00:07.0"
/* A and B also have dirty tracking and PCIe PRI (the nested flows) */
#define CDEV_A	"/dev/vfio/devices/vfio0"
void alloc_seam_install(void);

/* One public call as a step of a flow; see the top of this file. ret is
 * what it returned (negative: failed); retry makes it again. */
void alloc_step_begin(void);
void alloc_step_end(const char *call, long ret);
bool alloc_step_failed(void);	/* the failure made this step fail */
/* A step that returns nothing (close, free): only the final checks. */
#define CALL(expr)                                                            \
	do {                                                                  \
		alloc_step_begin();                                           \
		long r_ = (long)(expr);                                       \
		alloc_step_end(#expr, r_);                                    \
		if (alloc_step_failed()) {                                    \
			alloc_step_begin();                                   \
			r_ = (long)(expr);                                    \
			alloc_step_end(#expr " (again)", r_);                 \
		}                                                             \
	} while (0)
#define CALLV(expr)                                                           \
	do {                                                                  \
		alloc_step_begin();                                           \
		expr;                                                         \
		alloc_step_end(#expr, 0);                                     \
	} while (0)

/* The failure hit call and it returned ret, which is not the right answer:
 * true if that is a known library bug (it is then counted as such). */
bool alloc_excused(const char *call, long ret);

/* Fail the child's run with a message (exits). */
void alloc_bad(const char *fmt, ...) __attribute__((format(printf, 1, 2),
						    noreturn));

/* known.c: a failure the library is known to get wrong (not -ENOMEM);
 * the index of the entry, or -1. */
int alloc_known(const char *call, const char *failed_fn, long ret);
const char *alloc_known_why(int i);
unsigned int alloc_nknown(void);

#endif
