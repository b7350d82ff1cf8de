/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* Minimal TAP output for the guest tests; run-vm parses "ok N - ..." lines. */
#ifndef VMTEST_TAP_H
#define VMTEST_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static int tap_n, tap_failed;

static inline bool tap_ok(bool cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline bool tap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

/* a diagnostic line, ignored by TAP consumers */
#define tap_diag(...) do { printf("# " __VA_ARGS__); putchar('\n'); } while (0)

static inline int tap_exit(void)
{
	printf("# %d test(s), %d failed\n", tap_n, tap_failed);
	return tap_failed ? 1 : 0;
}

#endif
