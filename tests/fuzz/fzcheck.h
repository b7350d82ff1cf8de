/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* What every fuzz target asserts: a broken promise aborts, and libFuzzer
 * keeps the input that did it. */
#ifndef LIBPASID_TESTS_FUZZ_FZCHECK_H
#define LIBPASID_TESTS_FUZZ_FZCHECK_H

#include <stdio.h>
#include <stdlib.h>

#include "libpasid/libpasid.h"

#define FZ_CHECK(cond, ...)                                                   \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "fuzz check failed: %s: ", #cond);    \
			fprintf(stderr, __VA_ARGS__);                         \
			fputc('\n', stderr);                                  \
			abort();                                              \
		}                                                             \
	} while (0)

/* A public call's return: >= 0, or a negative errno with a message. */
#define FZ_RET(ret, what)                                                     \
	do {                                                                  \
		long r_ = (ret);                                              \
		FZ_CHECK(r_ >= 0 || (r_ >= -4095 && pasid_errmsg()[0]),       \
			 "%s = %ld, message '%s'", (what), r_, pasid_errmsg()); \
	} while (0)

/* A fixed-size string field of a struct the library filled. */
#define FZ_STRFIELD(f) \
	FZ_CHECK(memchr((f), '\0', sizeof(f)) != NULL, "%s not terminated", #f)

#endif
