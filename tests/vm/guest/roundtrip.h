/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The RID DMA check of the guest programs: bytes RAM -> edu -> RAM through
 * an IOVA, and whether a blocked DMA left memory alone. One program per
 * translation unit: page is the program's page size, set by its main.
 */
#ifndef VMTEST_ROUNDTRIP_H
#define VMTEST_ROUNDTRIP_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "edu.h"

#define XFER 2048u

static size_t page;

static inline void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed ^ (i * 13));
}

/* buf[0..XFER) -> device -> buf[page..page+XFER) through iova; true if the
 * bytes came back unchanged */
static inline bool round_trip(struct edu *e, uint8_t *buf, uint64_t iova,
			      uint8_t seed)
{
	fill(buf, XFER, seed);
	memset(buf + page, 0, XFER);
	if (edu_dma_to_dev(e, 0, iova, 0, XFER) ||
	    edu_dma_from_dev(e, 0, 0, iova + page, XFER))
		return false;
	return memcmp(buf, buf + page, XFER) == 0;
}

static inline bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

#endif
