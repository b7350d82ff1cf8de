/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * A table indexed by ID that grows with the highest index used, so that a
 * few low IDs cost a few elements: the PASID space's chunk table and the
 * binding map's top level.
 */
#ifndef LIBPASID_GROW_H
#define LIBPASID_GROW_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*
 * Grow the array *tab of *n elements of elem bytes, doubling from one
 * element, until index i is in it; the new tail is zero. i is below 2^31
 * (the callers' tables have at most 256 elements). On -ENOMEM *tab and *n
 * are as they were.
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
