/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The mapping record of one address space: what the library mapped, keyed by
 * IOVA (the kernel's mappings never overlap in IOVA) and by process address
 * (several mappings may cover the same process memory). Insert, remove and
 * both lookups are O(log n) in any order.
 *
 * The index by process address is a second B+tree, built on the first
 * maprec_va_index (maprec_take_va calls it) and kept from then on: most
 * users never look a mapping up by address, and keeping that index costs
 * each map and unmap a little more. Building it allocates its nodes, so it
 * can fail (-ENOMEM, and the record is as it was); the build is
 * O(n log n), once per record. maprec_find_va sees only a built index;
 * maprec_add then reserves the index's nodes before it changes anything,
 * and fails if it cannot.
 *
 * Not thread safe: the address space's lock guards its record, and every
 * call here, maprec_release included, runs under it. Entries are owned by
 * the record; the only calls that allocate are maprec_add (an entry, and the
 * nodes splits in either tree need, all reserved before anything changes)
 * and maprec_va_index, so an entry taken out can always be put back: it
 * keeps its slots in both trees until it is released. Released entries (up to
 * MAPREC_SPARE_MAX) and freed nodes (all of them, see union maprec_node)
 * are kept for the next maprec_add, so that a steady state of maps and
 * unmaps calls neither malloc nor free.
 */
#ifndef LIBPASID_MAPREC_H
#define LIBPASID_MAPREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Ends are kept inclusive (the last byte) wherever a range may reach the top
 * of its space: iova + len is 0 for a mapping that ends at UINT64_MAX.
 */
struct maprec_leaf;
struct maprec_vleaf;

struct maprec_entry {
	uint64_t iova, len;
	uintptr_t va;			/* 0: not process memory (file, copy) */
	struct maprec_leaf *leaf;	/* the B+tree leaf that holds it; NULL:
					   taken, and its slot gone (a map
					   landed over it) */
	/* the leaf of the index by process address that holds it: NULL
	 * unless the index is built and va is not 0 (taken entries and the
	 * hole keep theirs, as they keep leaf) */
	struct maprec_vleaf *vleaf;
	struct maprec_entry *next_taken;/* a list made by maprec_take, or the
					   spare list */
	uint16_t slot;			/* where in leaf->slot maprec_take saw
					   it (a hint: slots move) */
	uint16_t vslot;			/* where in vleaf->slot it was put
					   (a hint too) */
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

/*
 * The index by process address is a B+tree of the same kind, keyed by
 * (va, iova): process ranges may overlap (the same memory mapped twice),
 * and the IOVA, unique, breaks ties. A leaf slot holds the key's va, the
 * range's last byte and the entry, so that a lookup reads the entry of the
 * one slot it returns only. For lookups by a point inside a range, every
 * node knows the largest last byte under it (max_last), and an inner node
 * keeps its children's too (child_max), side by side: a lookup skips the
 * children that end before the point without reading them. Separators are
 * lower bounds: every key of child[i + 1] and after is at or above
 * (key_va[i], key_iova[i]), every key of child[i] and before below it.
 */
#define MAPREC_VA_SLOTS 40
#define MAPREC_VA_FANOUT 32

struct maprec_vinner;

struct maprec_vslot {
	uint64_t va;			/* ent->va */
	uint64_t last;			/* ent->va + ent->len - 1 */
	struct maprec_entry *ent;
};

struct maprec_vleaf {
	struct maprec_vinner *parent;	/* NULL: the root */
	uint64_t max_last;		/* over slot[lo, lo + n); 0: empty */
	struct maprec_vleaf *prev, *next;
	uint16_t lo, n;
	struct maprec_vslot slot[MAPREC_VA_SLOTS];
};

struct maprec_vinner {
	struct maprec_vinner *parent;	/* NULL: the root */
	uint64_t max_last;		/* the largest of child_max */
	uint16_t n;			/* children */
	uint64_t key_va[MAPREC_VA_FANOUT - 1];
	uint64_t key_iova[MAPREC_VA_FANOUT - 1];
	uint64_t child_max[MAPREC_VA_FANOUT];	/* child[i]->max_last */
	void *child[MAPREC_VA_FANOUT];
};

/* One allocation size for all four kinds, so that one spare list serves
 * both trees (the IOVA leaf is the largest: maprec.c checks). */
union maprec_node {
	struct maprec_leaf leaf;
	struct maprec_inner inner;
	struct maprec_vleaf vleaf;
	struct maprec_vinner vinner;
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
	size_t nodes;			/* nodes in the tree by IOVA */
	/* the index by process address: every entry with a va that has a
	 * slot in the tree by IOVA (taken ones and the hole too), once
	 * va_indexed */
	void *vroot;			/* a vleaf if vheight is 1 */
	unsigned int vheight;		/* levels; 0: empty */
	struct maprec_vleaf *vfirst, *vlast;	/* the ends of its leaf list */
	size_t va_nodes;		/* nodes in it */
	/* released, its IOVA's slot gone, its slot here kept (taken, so
	 * lookups skip it) for the next maprec_add with process memory that
	 * inserts here: it reuses the entry and the slot if it maps the same
	 * memory and its key may take the slot, else removes it first (an
	 * add without process memory, or one that keeps the hole's slot
	 * here, leaves it). The lowest mapping unmapped and its buffer
	 * mapped again at once. NULL: none. */
	struct maprec_entry *vstale;
	uint64_t vs_min, vs_max;	/* the IOVAs its slot may take at
					   once (vstale_bounds) */
	bool va_indexed;
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

/* Build the index by process address if it is not built yet: 0, or -ENOMEM
 * (then the record is unchanged, and not indexed; the nodes the build got
 * stay spare). From then on maprec_add keeps it (and may fail for it). */
int maprec_va_index(struct maprec *r);

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
 * first if it is not built yet (maprec_va_index): -ENOMEM if that fails.
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
 * order if several do, or NULL. Only what the index by process address
 * holds is found: build it first (maprec_va_index); NULL if it is not
 * built. */
const struct maprec_entry *maprec_find_va(const struct maprec *r,
					  uintptr_t va);
/* The first mapping in IOVA order, and the one after e; NULL at the end. */
const struct maprec_entry *maprec_first(const struct maprec *r);
/* The last mapping in IOVA order (NULL: none), mostly at once. */
const struct maprec_entry *maprec_last(const struct maprec *r);
const struct maprec_entry *maprec_next(const struct maprec_entry *e);

/* Heap bytes the record holds (entries, nodes and the hash table, the spare
 * and the taken ones too). */
size_t maprec_bytes(const struct maprec *r);

#endif
