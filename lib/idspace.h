/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * A set of IDs in [1, IDSPACE_MAX] with a bounded-cost "first free ID at or
 * after n": the PASID space of one device or IOMMU group.
 *
 * Memory is lazy and bounded: a bitmap in chunks of 4096 IDs (528 bytes
 * with their counts) allocated when the first ID in them is taken and
 * freed with the last, a chunk table that reaches the highest chunk ever
 * taken (doubling from one pointer, up to 2 KiB; it never shrinks), and a
 * summary bit per 64 IDs and per chunk that say "all taken", so a search
 * skips full runs a word at a time. A full 20-bit space costs 137,216
 * bytes (134 KiB); ten IDs in one chunk 536 bytes while the table is one
 * pointer (IDs below 4096), 2,576 once it is whole. When the last ID is
 * given back its chunk stays for the next; fini frees all.
 * Set, clear and find are O(1) apart from a scan of at most 4 summary words.
 * Not thread safe: the owner's lock guards it.
 */
#ifndef LIBPASID_IDSPACE_H
#define LIBPASID_IDSPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IDSPACE_MAX ((1u << 20) - 1)	/* PCIe PASIDs are 20 bits */
#define IDSPACE_CHUNK_SHIFT 12
#define IDSPACE_NCHUNKS ((IDSPACE_MAX >> IDSPACE_CHUNK_SHIFT) + 1)

struct idspace_chunk;

struct idspace {
	struct idspace_chunk **chunks;	/* NULL until an ID is taken */
	uint64_t full_chunks[(IDSPACE_NCHUNKS + 63) / 64];
	uint32_t taken;
	uint32_t kept;			/* the empty chunk kept (idspace_give) */
	unsigned int nchunks;		/* chunks[] reaches [0, nchunks) */
	bool kept_valid;
};

/* zero-initialised is empty */
void idspace_fini(struct idspace *s);

bool idspace_test(const struct idspace *s, uint32_t id);
/* Take id (1..IDSPACE_MAX, not taken): 0 or -ENOMEM. */
int idspace_take(struct idspace *s, uint32_t id);
/* Give id back (it must be taken). */
void idspace_give(struct idspace *s, uint32_t id);
/* The first free ID in [from, max] (from >= 1, max <= IDSPACE_MAX); 0 if
 * every one is taken. */
uint32_t idspace_find_free(const struct idspace *s, uint32_t from,
			   uint32_t max);
/* Heap bytes held. */
size_t idspace_bytes(const struct idspace *s);

#endif
