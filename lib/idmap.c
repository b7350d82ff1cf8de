/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* The binding map (see idmap.h for the layout and its costs). */
#include <errno.h>
#include <stdlib.h>

#include "grow.h"
#include "idmap.h"

#define TOP_BITS 7
#define MID_BITS 7
#define LEAF_BITS 6
#define TOP_N (1u << TOP_BITS)
#define MID_N (1u << MID_BITS)
#define LEAF_N (1u << LEAF_BITS)

_Static_assert(TOP_BITS + MID_BITS + LEAF_BITS == 20, "covers 20-bit IDs");
_Static_assert(IDMAP_MAX >> (MID_BITS + LEAF_BITS) == TOP_N - 1,
	       "doubling the top level reaches its last entry exactly");

struct idmap_leaf {
	void *slot[LEAF_N];
	unsigned int used;		/* non-NULL slots */
};

struct idmap_mid {
	struct idmap_leaf *leaf[MID_N];
	unsigned int used;		/* non-NULL leaves */
};

static inline unsigned int top_i(uint32_t id)
{
	return id >> (MID_BITS + LEAF_BITS);
}

static inline unsigned int mid_i(uint32_t id)
{
	return (id >> LEAF_BITS) & (MID_N - 1);
}

static inline unsigned int leaf_i(uint32_t id)
{
	return id & (LEAF_N - 1);
}

void idmap_fini(struct idmap *m)
{
	unsigned int t, i;

	for (t = 0; t < m->ntop; t++) {
		struct idmap_mid *mid = m->top[t];

		if (!mid)
			continue;
		for (i = 0; i < MID_N; i++)
			free(mid->leaf[i]);
		free(mid);
	}
	free(m->top);
	*m = (struct idmap){ 0 };
}

static struct idmap_leaf *leaf_of(const struct idmap *m, uint32_t id)
{
	struct idmap_mid *mid;

	if (id > IDMAP_MAX || top_i(id) >= m->ntop)
		return NULL;
	mid = m->top[top_i(id)];
	return mid ? mid->leaf[mid_i(id)] : NULL;
}

void *idmap_get(const struct idmap *m, uint32_t id)
{
	struct idmap_leaf *leaf = leaf_of(m, id);

	return leaf ? leaf->slot[leaf_i(id)] : NULL;
}

/* Free the nodes on id's path that hold nothing. */
static void prune(struct idmap *m, uint32_t id)
{
	struct idmap_mid *mid = top_i(id) < m->ntop ? m->top[top_i(id)] : NULL;
	struct idmap_leaf *leaf = mid ? mid->leaf[mid_i(id)] : NULL;

	if (leaf && !leaf->used) {
		free(leaf);
		mid->leaf[mid_i(id)] = NULL;
		mid->used--;
	}
	if (mid && !mid->used) {
		free(mid);
		m->top[top_i(id)] = NULL;
	}
}

/*
 * Make the top level reach top entry t. It doubles as higher IDs are
 * reserved, up to all of it (1 KiB), and does not shrink (fini frees it):
 * as the chunk table of idspace.c, it stays small while a device's PASIDs
 * are low.
 */
static int top_reach(struct idmap *m, unsigned int t)
{
	void *top = m->top;
	int r = grow_zeroed(&top, sizeof(*m->top), &m->ntop, t);

	m->top = top;
	return r;
}

int idmap_reserve(struct idmap *m, uint32_t id)
{
	struct idmap_mid *mid;

	if (id > IDMAP_MAX)
		return -EINVAL;
	if (top_i(id) >= m->ntop && top_reach(m, top_i(id)))
		return -ENOMEM;
	mid = m->top[top_i(id)];
	if (!mid) {
		mid = calloc(1, sizeof(*mid));
		if (!mid)
			goto fail;
		m->top[top_i(id)] = mid;
	}
	if (!mid->leaf[mid_i(id)]) {
		struct idmap_leaf *leaf = calloc(1, sizeof(*leaf));

		if (!leaf)
			goto fail;
		mid->leaf[mid_i(id)] = leaf;
		mid->used++;
	}
	return 0;
fail:
	prune(m, id);
	return -ENOMEM;
}

void idmap_set(struct idmap *m, uint32_t id, void *p)
{
	struct idmap_leaf *leaf = leaf_of(m, id);

	if (!leaf->slot[leaf_i(id)]) {
		leaf->used++;
		m->count++;
	}
	leaf->slot[leaf_i(id)] = p;
}

void idmap_remove(struct idmap *m, uint32_t id)
{
	struct idmap_leaf *leaf = leaf_of(m, id);

	if (leaf && leaf->slot[leaf_i(id)]) {
		leaf->slot[leaf_i(id)] = NULL;
		leaf->used--;
		m->count--;
	}
	/* The path of the last entry stays: binding and unbinding a lone
	 * PASID would otherwise allocate and free (and zero) three nodes
	 * every time. Only one such path is kept. */
	if (!m->count && leaf) {
		/* IDs that share a leaf share the path: the kept one is
		 * this one's, and pruning it would free what is kept. */
		if (m->kept_valid &&
		    (m->kept >> LEAF_BITS) != (id >> LEAF_BITS))
			prune(m, m->kept);
		m->kept = id;
		m->kept_valid = true;
		return;
	}
	prune(m, id);
}

void *idmap_next(const struct idmap *m, uint32_t from, uint32_t *id)
{
	unsigned int t, i, s;

	if (!m->count)
		return NULL;
	for (t = top_i(from); t < m->ntop; t++) {
		struct idmap_mid *mid = m->top[t];

		if (!mid)
			goto next_top;
		for (i = mid_i(from); i < MID_N; i++) {
			struct idmap_leaf *leaf = mid->leaf[i];

			if (!leaf)
				goto next_mid;
			for (s = leaf_i(from); s < LEAF_N; s++)
				if (leaf->slot[s]) {
					*id = (t << (MID_BITS + LEAF_BITS)) |
					      (i << LEAF_BITS) | s;
					return leaf->slot[s];
				}
next_mid:
			from = (t << (MID_BITS + LEAF_BITS)) | ((i + 1) << LEAF_BITS);
		}
next_top:
		from = (t + 1) << (MID_BITS + LEAF_BITS);
	}
	return NULL;
}

size_t idmap_bytes(const struct idmap *m)
{
	size_t n = m->ntop * sizeof(*m->top);
	unsigned int t, i;

	for (t = 0; t < m->ntop; t++) {
		struct idmap_mid *mid = m->top[t];

		if (!mid)
			continue;
		n += sizeof(*mid);
		for (i = 0; i < MID_N; i++)
			if (mid->leaf[i])
				n += sizeof(struct idmap_leaf);
	}
	return n;
}
