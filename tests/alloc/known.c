/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Allocation failures the library is known to answer wrongly today, each
 * with the issue that tracks its fix. A point that matches one is counted
 * apart instead of failing the test; an entry that no run matches any more
 * fails it, so a fix cannot go unnoticed (remove the entry then).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "alloc.h"

static const struct known {
	const char *call;	/* how the step starts, as written in the flow */
	const char *failed;	/* the libc function that failed */
	long ret;		/* what the call returned instead of -ENOMEM */
	const char *why;
} known[] = {
	/* none known: the last ones (issue 8) were fixed; add new ones
	 * here, with the issue that tracks each */
	{ NULL, NULL, 0, NULL }	/* the end */
};

int alloc_known(const char *call, const char *failed_fn, long ret)
{
	size_t i;

	for (i = 0; known[i].call; i++)
		if (!strncmp(known[i].call, call, strlen(known[i].call)) &&
		    !strcmp(known[i].failed, failed_fn) && known[i].ret == ret)
			return (int)i;
	return -1;
}

const char *alloc_known_why(int i)
{
	return known[i].why;
}

unsigned int alloc_nknown(void)
{
	unsigned int n = 0;

	while (known[n].call)
		n++;
	return n;
}
