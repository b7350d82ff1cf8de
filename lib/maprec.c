/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The mapping record: two AVL trees over the same entries. by_iova is a
 * plain search tree (IOVA ranges never overlap, so ordering by start orders
 * the whole ranges). by_va is an interval tree: ordered by (va, iova), each
 * node also knows the largest last byte below it, which is what lets a point
 * lookup skip every subtree that ends before the point although process
 * ranges overlap.
 */
#include <errno.h>
#include <stdlib.h>

#include "list.h"
#include "maprec.h"

static inline struct maprec_entry *iova_entry(const struct avl_node *n)
{
	return container_of(n, struct maprec_entry, by_iova);
}

static inline struct maprec_entry *va_entry(const struct avl_node *n)
{
	return container_of(n, struct maprec_entry, by_va);
}

static inline uint64_t iova_last(const struct maprec_entry *e)
{
	return e->iova + (e->len - 1);
}

static inline uint64_t va_last(const struct maprec_entry *e)
{
	return (uint64_t)e->va + (e->len - 1);
}

/* A range of len bytes at start that stays below 2^64. */
static inline bool range_ok(uint64_t start, uint64_t len)
{
	return len && start + (len - 1) >= start;
}

void maprec_init(struct maprec *r)
{
	r->iova_root = r->va_root = NULL;
	r->lowest = r->highest = NULL;
	r->gap_valid = false;
	r->count = 0;
	r->va_indexed = false;
	r->spare = NULL;
	r->nspare = 0;
}

/* Post-order through the parent pointers: each entry is freed after both
 * its subtrees, without a stack and without rebalancing a dying tree. */
void maprec_fini(struct maprec *r)
{
	struct avl_node *n = r->iova_root;

	while (n) {
		struct avl_node *parent;

		if (n->child[0] || n->child[1]) {
			n = n->child[n->child[0] == NULL];
			continue;
		}
		parent = n->parent;
		if (parent)
			parent->child[parent->child[1] == n] = NULL;
		free(iova_entry(n));
		n = parent;
	}
	while (r->spare) {
		struct maprec_entry *next = r->spare->next_taken;

		free(r->spare);
		r->spare = next;
	}
	maprec_init(r);
}

/* ---- by IOVA ---- */

struct iova_slot {
	struct avl_node *parent;
	int side;
};

/* Where a mapping starting at iova belongs; false if [iova, last] overlaps
 * a recorded one. Its neighbours in IOVA order are the last nodes the walk
 * turned right at (before) and left at (after). */
static inline bool iova_slot_find(const struct maprec *r, uint64_t iova,
				  uint64_t last, struct iova_slot *slot)
{
	struct avl_node *n = r->iova_root, *parent = NULL;
	const struct avl_node *before = NULL, *after = NULL;

	/* the side is found again below, not carried: a loop this hot pays
	 * for every instruction it keeps */
	while (n) {
		parent = n;
		if (iova < iova_entry(n)->iova) {
			after = n;
			n = n->child[0];
		} else {
			before = n;
			n = n->child[1];
		}
	}
	slot->parent = parent;
	slot->side = parent == before;
	return !(before && iova_last(iova_entry(before)) >= iova) &&
	       !(after && iova_entry(after)->iova <= last);
}

/*
 * The slot of a mapping beyond either end of the record, which can overlap
 * nothing: right of the last entry (which has no right child, being the
 * largest) or left of the first. False if [iova, last] is not beyond an end.
 */
static inline bool iova_slot_at_end(const struct maprec *r, uint64_t iova,
				    uint64_t last, struct iova_slot *slot)
{
	if (!r->highest) {
		slot->parent = NULL;
		slot->side = 0;
		return true;
	}
	if (iova > iova_last(r->highest)) {
		slot->parent = &r->highest->by_iova;
		slot->side = 1;
		return true;
	}
	if (last < r->lowest->iova) {
		slot->parent = &r->lowest->by_iova;
		slot->side = 0;
		return true;
	}
	return false;
}

/*
 * The slot of a mapping inside the gap the last take left, which can
 * overlap nothing while the gap's neighbours are adjacent: right of the
 * lower one if it has no right child, else left of the upper one (which is
 * then the leftmost of that right subtree). False if not in the gap.
 */
static inline bool iova_slot_in_gap(const struct maprec *r, uint64_t iova,
				    uint64_t last, struct iova_slot *slot)
{
	if (!r->gap_valid ||
	    (r->gap_lo && iova <= iova_last(r->gap_lo)) ||
	    (r->gap_hi && last >= r->gap_hi->iova))
		return false;
	if (r->gap_lo && !r->gap_lo->by_iova.child[1]) {
		slot->parent = &r->gap_lo->by_iova;
		slot->side = 1;
	} else {
		slot->parent = &r->gap_hi->by_iova;
		slot->side = 0;
	}
	return true;
}

/* always inline: a call here is a tenth of an append at the end */
static inline __attribute__((always_inline)) void
iova_link(struct maprec *r, struct maprec_entry *e,
	  const struct iova_slot *slot)
{
	avl_link(&r->iova_root, &e->by_iova, slot->parent, slot->side);
	avl_insert_rebalance(&r->iova_root, &e->by_iova, NULL);
	if (!r->lowest || e->iova < r->lowest->iova)
		r->lowest = e;
	if (!r->highest || e->iova > r->highest->iova)
		r->highest = e;
}

/* The mapping with the largest start at or below iova, or NULL. */
static inline struct maprec_entry *iova_floor(const struct maprec *r,
					      uint64_t iova)
{
	const struct avl_node *n = r->iova_root;
	struct maprec_entry *best = NULL;

	while (n) {
		if (iova_entry(n)->iova <= iova) {
			best = iova_entry(n);
			n = n->child[1];
		} else {
			n = n->child[0];
		}
	}
	return best;
}

static inline struct maprec_entry *iova_first(const struct maprec *r)
{
	const struct avl_node *n = avl_first(r->iova_root);

	return n ? iova_entry(n) : NULL;
}

/* The entry after e (side 1) or before it (side 0), or NULL. */
static inline struct maprec_entry *iova_step(const struct maprec_entry *e,
					     int side)
{
	const struct avl_node *n = avl_step(&e->by_iova, side);

	return n ? iova_entry(n) : NULL;
}

static inline struct maprec_entry *iova_next(const struct maprec_entry *e)
{
	return iova_step(e, 1);
}

/* ---- by process address ---- */

static bool va_recompute(struct avl_node *n)
{
	struct maprec_entry *e = va_entry(n);
	uint64_t max = va_last(e);

	if (n->child[0] && va_entry(n->child[0])->va_max_last > max)
		max = va_entry(n->child[0])->va_max_last;
	if (n->child[1] && va_entry(n->child[1])->va_max_last > max)
		max = va_entry(n->child[1])->va_max_last;
	if (max == e->va_max_last)
		return false;
	e->va_max_last = max;
	return true;
}

/* The walk down raises va_max_last on the path: the new entry will be in
 * all those subtrees, and an insert can only raise them. */
static inline void va_insert(struct maprec *r, struct maprec_entry *e)
{
	struct avl_node *n = r->va_root, *parent = NULL;
	uint64_t last = va_last(e);
	int side = 0;

	e->va_max_last = last;
	while (n) {
		struct maprec_entry *x = va_entry(n);

		parent = n;
		if (x->va_max_last < last)
			x->va_max_last = last;
		side = e->va > x->va || (e->va == x->va && e->iova > x->iova);
		n = n->child[side];
	}
	avl_link(&r->va_root, &e->by_va, parent, side);
	avl_insert_rebalance(&r->va_root, &e->by_va, va_recompute);
}

/* ---- the interface ---- */

int maprec_add(struct maprec *r, uint64_t iova, uint64_t len, uintptr_t va)
{
	struct maprec_entry *e;
	struct iova_slot slot;
	bool in_gap = false;

	if (!range_ok(iova, len) || (va && !range_ok(va, len)))
		return -EINVAL;
	if (!iova_slot_at_end(r, iova, iova + (len - 1), &slot) &&
	    !(in_gap = iova_slot_in_gap(r, iova, iova + (len - 1), &slot)) &&
	    !iova_slot_find(r, iova, iova + (len - 1), &slot))
		return -EEXIST;
	e = r->spare;
	if (e) {
		r->spare = e->next_taken;
		r->nspare--;
	} else {
		e = malloc(sizeof(*e));
		if (!e)
			return -ENOMEM;
	}
	e->iova = iova;
	e->len = len;
	e->va = va;
	e->next_taken = NULL;
	iova_link(r, e, &slot);
	/* e and the gap's upper neighbour are adjacent now; an entry added
	 * elsewhere may have landed between the two */
	if (in_gap)
		r->gap_lo = e;
	else
		r->gap_valid = false;
	if (va && r->va_indexed)
		va_insert(r, e);
	r->count++;
	return 0;
}

static inline void unlink_entry(struct maprec *r, struct maprec_entry *e)
{
	/* an end's neighbour is one step away: it has no child outwards */
	if (e == r->lowest)
		r->lowest = iova_step(e, 1);
	if (e == r->highest)
		r->highest = iova_step(e, 0);
	avl_erase(&r->iova_root, &e->by_iova, NULL);
	if (e->va && r->va_indexed)
		avl_erase(&r->va_root, &e->by_va, va_recompute);
	r->count--;
}

int maprec_take(struct maprec *r, uint64_t iova, uint64_t len,
		struct maprec_entry **taken, const struct maprec_entry **cut)
{
	struct maprec_entry *first, *last_taken, *e, **tail;
	uint64_t last;

	*taken = NULL;
	if (!range_ok(iova, len))
		return -EINVAL;
	last = iova + (len - 1);

	/* An unmap at either end of the record, from a mapping's start (the
	 * usual unmap of the oldest or the newest mapping), needs no search */
	if (r->lowest && r->lowest->iova == iova)
		first = r->lowest;
	else if (r->highest && r->highest->iova == iova)
		first = r->highest;
	else
		first = iova_floor(r, iova);
	if (first && iova_last(first) >= iova) {
		if (first->iova < iova)
			goto cut_it;
	} else {
		first = first ? iova_next(first) : iova_first(r);
		if (!first || first->iova > last)
			return -ENOENT;
	}

	/* Find the last mapping that starts in the range: the successor is
	 * needed only while the range reaches past the current one. */
	last_taken = first;
	while (iova_last(last_taken) < last) {
		e = iova_next(last_taken);
		if (!e || e->iova > last)
			break;
		last_taken = e;
	}
	if (iova_last(last_taken) > last) {
		first = last_taken;
		goto cut_it;
	}

	/* the neighbours of what is taken: where the next map may go */
	r->gap_lo = first == r->lowest ? NULL : iova_step(first, 0);
	r->gap_hi = last_taken == r->highest ? NULL : iova_step(last_taken, 1);
	r->gap_valid = true;

	/* Each successor is found before its predecessor leaves the tree;
	 * erasing relinks nodes but never moves an entry. */
	tail = taken;
	for (e = first;; ) {
		struct maprec_entry *next = e == last_taken ? NULL : iova_next(e);

		unlink_entry(r, e);
		e->next_taken = NULL;
		*tail = e;
		tail = &e->next_taken;
		if (!next)
			break;
		e = next;
	}
	return 0;

cut_it:
	if (cut)
		*cut = first;
	return -EXDEV;
}

void maprec_put_back(struct maprec *r, struct maprec_entry *taken)
{
	r->gap_valid = false;
	while (taken) {
		struct maprec_entry *next = taken->next_taken;
		struct iova_slot slot;

		/* The range is still mapped in the kernel, so still free
		 * here: the slot is right whatever the overlap test says. */
		iova_slot_find(r, taken->iova, iova_last(taken), &slot);
		iova_link(r, taken, &slot);
		if (taken->va && r->va_indexed)
			va_insert(r, taken);
		taken->next_taken = NULL;
		r->count++;
		taken = next;
	}
}

void maprec_release(struct maprec *r, struct maprec_entry *taken)
{
	while (taken) {
		struct maprec_entry *next = taken->next_taken;

		if (r->nspare < MAPREC_SPARE_MAX) {
			taken->next_taken = r->spare;
			r->spare = taken;
			r->nspare++;
		} else {
			free(taken);
		}
		taken = next;
	}
}

const struct maprec_entry *maprec_find_iova(const struct maprec *r,
					    uint64_t iova)
{
	const struct maprec_entry *e = iova_floor(r, iova);

	return e && iova_last(e) >= iova ? e : NULL;
}

/* Index every entry with process memory; from now on add, take and put
 * back keep the index current. */
static void va_index_build(struct maprec *r)
{
	struct maprec_entry *e;

	for (e = iova_first(r); e; e = iova_next(e))
		if (e->va)
			va_insert(r, e);
	r->va_indexed = true;
}

/*
 * If the left subtree has a range ending at or after va, go left: should
 * none of them contain va, they all start after it, and so does everything
 * from here rightwards. Otherwise only this entry or the right subtree can.
 */
const struct maprec_entry *maprec_find_va(struct maprec *r, uintptr_t va)
{
	const struct avl_node *n;

	if (!r->va_indexed)
		va_index_build(r);
	n = r->va_root;

	while (n) {
		const struct maprec_entry *e = va_entry(n);

		if (n->child[0] && va_entry(n->child[0])->va_max_last >= va) {
			n = n->child[0];
			continue;
		}
		if (e->va > va)
			return NULL;
		if (va_last(e) >= va)
			return e;
		n = n->child[1];
	}
	return NULL;
}

const struct maprec_entry *maprec_first(const struct maprec *r)
{
	return iova_first(r);
}

const struct maprec_entry *maprec_next(const struct maprec_entry *e)
{
	return iova_next(e);
}

size_t maprec_bytes(const struct maprec *r)
{
	return (r->count + r->nspare) * sizeof(struct maprec_entry);
}
