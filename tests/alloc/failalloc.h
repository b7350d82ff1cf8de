/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Allocation-failure injection for the alloc test. The test is linked with
 * -Wl,--wrap for every libc function that allocates on the caller's behalf
 * (malloc and friends, strdup, realpath, opendir, ...), so each call from
 * the library's objects comes here first. Only calls made inside a window
 * (fa_enter .. fa_leave, set around a public call) are counted, can be made
 * to fail, and are tracked until freed: allocations of the test and of the
 * emulated kernel are not the library's.
 *
 * Single-threaded: the alloc flows run one public call at a time.
 */
#ifndef LIBPASID_TESTS_FAILALLOC_H
#define LIBPASID_TESTS_FAILALLOC_H

#include <stdbool.h>
#include <stddef.h>

/* Open / close a window (they nest). */
void fa_enter(void);
void fa_leave(void);
/* Run kernel calls outside the window: saves the depth, then restores it. */
int fa_pause(void);
void fa_resume(int depth);

/* The nth allocation in a window from now on fails (ENOMEM); 0: none. */
void fa_arm(unsigned int nth);
/* Allocations counted in windows since the start. */
unsigned int fa_count(void);
/* The name of the function whose call was failed, NULL if none was yet. */
const char *fa_failed(void);
/* Blocks (and DIR handles) allocated in a window and not yet released. */
size_t fa_live(void);
/* The first of them, for the message of a leak. */
const char *fa_live_what(void);

#endif
