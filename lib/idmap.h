/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * A map from IDs in [0, IDMAP_MAX] to pointers: a device's PASID bindings.
 * A three-level radix (7, 7 and 6 bits of the ID) whose nodes are allocated
 * on demand and freed when empty, its top level as long as the highest ID
 * ever reserved needs (doubling from one pointer, up to 128; it never
 * shrinks): lookup, insert and remove are O(1), a walk is linear in what
 * is stored, one PASID costs 1,560 bytes while the top level is one
 * pointer (IDs below 8192), 2,576 once it is whole, and a full 20-bit
 * space 8.25 bytes per ID. When the last entry goes its path is kept for
 * the next one; fini frees all.
 *
 * Insertion is split in two so that recording a binding never fails after
 * the kernel made it: idmap_reserve allocates the path first, idmap_set
 * cannot fail. Not thread safe: the owner's lock guards it.
 */
#ifndef LIBPASID_IDMAP_H
#define LIBPASID_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IDMAP_MAX ((1u << 20) - 1)

struct idmap_mid;

struct idmap {
	struct idmap_mid **top;		/* NULL until the first reserve */
	unsigned int ntop;		/* top[] reaches [0, ntop) */
	size_t count;
	uint32_t kept;			/* the empty path kept (idmap_remove) */
	bool kept_valid;
};

/* zero-initialised is empty; fini frees the nodes, not what they point to */
void idmap_fini(struct idmap *m);

void *idmap_get(const struct idmap *m, uint32_t id);
/* Make room for id: 0 or -ENOMEM (then id is not reserved; the top level
 * may have grown, as it would have for id). */
int idmap_reserve(struct idmap *m, uint32_t id);
/* Store p (not NULL) at a reserved id. */
void idmap_set(struct idmap *m, uint32_t id, void *p);
/* Remove id's pointer (if any) and free the nodes that became empty; also
 * undoes an unused idmap_reserve. */
void idmap_remove(struct idmap *m, uint32_t id);
/* The first stored id >= from, with its pointer; NULL when there is none. */
void *idmap_next(const struct idmap *m, uint32_t from, uint32_t *id);
/* Heap bytes held. */
size_t idmap_bytes(const struct idmap *m);

#endif
