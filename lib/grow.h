/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
#ifndef LIBPASID_GROW_H
#define LIBPASID_GROW_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*
 * Grow the zero-filled array *tab of *n elements of elem bytes, doubling
 * from one element, until index i is in it; the new tail is zero. Tables
 * indexed by ID use it so that a few low IDs cost a few elements. On
 * -ENOMEM *tab and *n are as they were.
 */
static inline int grow_zeroed(void **tab, size_t elem, unsigned int *n,
			      unsigned int i)
{
	unsigned int want = *n ? *n : 1;
	char *t;

	while (want <= i)
		want *= 2;
	t = realloc(*tab, (size_t)want * elem);
	if (!t)
		return -ENOMEM;
	memset(t + (size_t)*n * elem, 0, (size_t)(want - *n) * elem);
	*tab = t;
	*n = want;
	return 0;
}

#endif
