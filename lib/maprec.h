/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The mapping record of one address space: what the library mapped, keyed by
 * IOVA (the kernel's mappings never overlap in IOVA) and by process address
 * (several mappings may cover the same process memory). Insert, remove and
 * both lookups are O(log n) in any order.
 *
 * The index by process address is built on the first maprec_find_va only,
 * and kept from then on: most users never look a mapping up by address, and
 * keeping that index costs each map and unmap about as much as the one by
 * IOVA. The build is O(n log n), once per record.
 *
 * Not thread safe: the address space's lock guards its record, and every
 * call here, maprec_release included, runs under it. Entries are owned by
 * the record; the only call that allocates is maprec_add (an entry, and the
 * nodes a split needs), so an entry taken out can always be put back: it
 * keeps its slot in the tree until it is released. Released entries (up to
 * MAPREC_SPARE_MAX) and freed nodes (all of them, see union maprec_node)
 * are kept for the next maprec_add, so that a steady state of maps and
 * unmaps calls neither malloc nor free.
 */
#ifndef LIBPASID_MAPREC_H
#define LIBPASID_MAPREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "avl.h"

/*
 * Ends are kept inclusive (the last byte) wherever a range may reach the top
 * of its space: iova + len is 0 for a mapping that ends at UINT64_MAX.
 */
struct maprec_leaf;

struct maprec_entry {
	uint64_t iova, len;
	uintptr_t va;			/* 0: not process memory (file, copy) */
	struct maprec_leaf *leaf;	/* the B+tree leaf that holds it; NULL:
					   taken, and its slot gone (a map
					   landed over it) */
	uint16_t slot;			/* where in leaf->slot maprec_take saw
					   it (a hint: slots move) */
	struct avl_node by_va;		/* by (va, iova); only when va != 0,
					   the index is built and not taken */
	uint64_t va_max_last;		/* largest va + len - 1 in this by_va subtree */
	struct maprec_entry *next_taken;/* a list made by maprec_take, or the
					   spare list */
	/* PASID_MAP_READ / _WRITE, for a backend that maps the record again
	 * later (type1, when a device attaches): it sets it after each
	 * maprec_add (maprec_set_prot); unset otherwise, and never read */
	uint8_t prot;
	bool taken;			/* taken out: still in its leaf, so
					   that putting it back cannot need a
					   node, until put back, released or
					   mapped over */
};

/*
 * The index by IOVA is a B+tree of fat nodes: the keys (each entry's iova)
 * sit inline in the nodes, so that a search reads a few cache lines per
 * level, about three levels at 100,000 mappings. The leaves are a list in
 * IOVA order. A leaf's slots are slot[lo, lo + n): a removal at either end
 * moves nothing. Key and entry side by side: one move shifts both.
 */
#define MAPREC_LEAF_SLOTS 64
#define MAPREC_FANOUT 64

struct maprec_inner;

struct maprec_slot {
	uint64_t key;			/* ent->iova */
	struct maprec_entry *ent;
};

struct maprec_leaf {
	struct maprec_inner *parent;	/* NULL: the root */
	struct maprec_leaf *prev, *next;
	uint16_t lo, n;
	struct maprec_slot slot[MAPREC_LEAF_SLOTS];
};

/* key[i] separates the subtrees child[i] (keys below it) and child[i + 1]
 * (keys at or above it). */
struct maprec_inner {
	struct maprec_inner *parent;	/* NULL: the root */
	uint16_t n;			/* children */
	uint64_t key[MAPREC_FANOUT - 1];
	void *child[MAPREC_FANOUT];
};

/* One allocation size for both kinds, so that one spare list serves them. */
union maprec_node {
	struct maprec_leaf leaf;
	struct maprec_inner inner;
	union maprec_node *next_spare;
};

/* Enough for the unmaps a few threads have in flight at once; a large unmap
 * that frees more returns the rest to malloc. */
#define MAPREC_SPARE_MAX 64
/*
 * Nodes a merge frees are all kept for the next split, until maprec_fini:
 * at most the nodes of the largest tree the record had (about 20 bytes per
 * mapping at its peak, against about 110 for the entry). Giving them back to
 * malloc cost each later map more than the node itself: freeing 1 KiB
 * chunks among the entries' small ones makes glibc consolidate its fast
 * bins, and the next maps' entries come out of the slow path (mapping
 * 10,000 from empty: 45 against 95 ns per map, natively).
 */

/*
 * The index by start: an open-addressing hash table (linear probing, at
 * most half full) of every slot's (key, entry), built once takes have
 * needed a search 64 times while maps kept the record's size, made smaller when the record falls to a
 * sixteenth of it (and dropped below 128 slots), so that unmaps at random IOVAs find their mapping without
 * descending the tree. Unmaps at the ends of the record or next to the last
 * one never build it.
 */
struct maprec_hslot {
	uint64_t key;
	struct maprec_entry *ent;	/* NULL: empty */
};

struct maprec {
	void *root;			/* a leaf if height is 1 */
	unsigned int height;		/* levels; 0: empty */
	/* the ends of the leaf list (NULL when empty): the kernel hands out
	 * IOVAs at one end of what is mapped more often than not, and a
	 * mapping at either end is added and found without a search */
	struct maprec_leaf *first, *last;
	/* the leaf the last maprec_take found its first mapping in (NULL if
	 * it is gone): the kernel's first fit gives the unmapped IOVA to the
	 * next map */
	struct maprec_leaf *finger;
	unsigned int finger_slot;	/* the slot (index into finger->slot)
					   of that mapping: unmaps in IOVA
					   order take the next one */
	/* the leaf and slot of the last release (NULL if the leaf is gone),
	 * where an unmapped IOVA goes back: the kernel's first fit hands it
	 * to the next map */
	struct maprec_leaf *gap_leaf;
	unsigned int gap_pos;
	/* the entry released last, kept in its slot (taken, so that every
	 * lookup skips it) for the next maprec_add: the kernel's first fit
	 * maps the IOVA just unmapped again, and that add then moves no slot
	 * and needs no search. Any other add removes it first. NULL: none. */
	struct maprec_entry *hole;
	size_t count;			/* mappings recorded (not taken) */
	size_t held;			/* entries in the leaves, taken ones
					   and the hole too */
	size_t nodes;			/* nodes in the tree */
	struct avl_node *va_root;
	bool va_indexed;		/* va_root holds every recorded entry
					   with a va */
	struct maprec_hslot *hash;	/* NULL: not built */
	size_t hash_mask;		/* slots - 1 */
	unsigned int searches;		/* takes that searched, toward
					   building it */
	size_t search_held;		/* held at the first of them */
	unsigned int hash_shift;	/* 64 - log2(slots) */
	struct maprec_entry *spare;	/* released, for maprec_add */
	unsigned int nspare;
	union maprec_node *spare_nodes;
	unsigned int nspare_nodes;
};

void maprec_init(struct maprec *r);
/* Frees every entry and node, the spare ones and those of a taken list not
 * given back yet that still have their slot (the list must not be used
 * after). */
void maprec_fini(struct maprec *r);

/* Record [iova, iova + len) backed by va (0: none). 0, -ENOMEM, -EEXIST if
 * it overlaps a recorded mapping in IOVA, or -EINVAL if len is 0 or either
 * range runs past the top of its space (the record is then unchanged). A
 * taken mapping it overlaps is one the kernel unmapped already: its slot
 * goes, and it must be released, not put back. */
int maprec_add(struct maprec *r, uint64_t iova, uint64_t len, uintptr_t va);

/*
 * Take the mappings inside [iova, iova + len) out of the record, to unmap
 * them: 0 and *taken (a list through next_taken, in IOVA order); -ENOENT if
 * no mapping overlaps the range; -EXDEV if the range would cut a mapping in
 * two, because it starts or ends inside one (*cut is that mapping, the one
 * at the start if both, unless cut is NULL); -EINVAL if len is 0 or the range
 * runs past UINT64_MAX. On error nothing is taken and *taken is NULL.
 */
int maprec_take(struct maprec *r, uint64_t iova, uint64_t len,
		struct maprec_entry **taken, const struct maprec_entry **cut);
/*
 * The same by process address: take every mapping whose process memory lies
 * inside [va, va + len) (a list in (va, iova) order); -ENOENT if none does;
 * -EXDEV if one overlaps the range but sticks out of it (*cut). Mappings
 * without process memory are not seen. Builds the index by process address
 * if it is not built yet, as maprec_find_va.
 */
int maprec_take_va(struct maprec *r, uintptr_t va, uint64_t len,
		   struct maprec_entry **taken, const struct maprec_entry **cut);
/* Put a taken list back (the kernel refused the unmap). Cannot fail: nothing
 * can have been added over the taken range while the kernel still maps it. */
void maprec_put_back(struct maprec *r, struct maprec_entry *taken);
/* Give a taken list back to r for reuse (the kernel unmapped it). */
void maprec_release(struct maprec *r, struct maprec_entry *taken);

/* The mapping that contains iova, or NULL. */
const struct maprec_entry *maprec_find_iova(const struct maprec *r,
					    uint64_t iova);
/* Set the prot of the mapping that contains iova (one just added). */
void maprec_set_prot(struct maprec *r, uint64_t iova, uint8_t prot);
/* The lowest mapping in IOVA that overlaps [iova, iova + len), or NULL
 * (len 0 or a range past UINT64_MAX: NULL). */
const struct maprec_entry *maprec_find_overlap(const struct maprec *r,
					       uint64_t iova, uint64_t len);
/* The mapping whose process memory contains va, the lowest in (va, iova)
 * order if several do, or NULL. The first call builds the index by process address, so it
 * writes the record: call it under the same lock as maprec_add. */
const struct maprec_entry *maprec_find_va(struct maprec *r, uintptr_t va);
/* The first mapping in IOVA order, and the one after e; NULL at the end. */
const struct maprec_entry *maprec_first(const struct maprec *r);
/* The last mapping in IOVA order (NULL: none), mostly at once. */
const struct maprec_entry *maprec_last(const struct maprec *r);
const struct maprec_entry *maprec_next(const struct maprec_entry *e);

/* Heap bytes the record holds (entries, nodes and the hash table, the spare
 * and the taken ones too). */
size_t maprec_bytes(const struct maprec *r);

#endif
