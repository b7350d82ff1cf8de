/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The mapping record: a B+tree by IOVA over individually allocated entries,
 * and a lazily built B+tree by process address over the same entries.
 *
 * by IOVA: IOVA ranges never overlap, so ordering by start orders the whole
 * ranges. Leaves hold up to MAPREC_LEAF_SLOTS (key, entry) pairs and are
 * linked in order; inner nodes hold up to MAPREC_FANOUT children. Every leaf
 * in the tree holds at least one slot, and a node that drops below a quarter
 * full takes slots from a sibling or merges with it. A split in the middle
 * leaves two half-full nodes; at the right end of the tree (an append) and
 * at the left end of the leaves (a prepend) the new node starts with the new
 * slot alone, so that IOVAs handed out in order fill the nodes.
 *
 * Taking a mapping out (maprec_take) only marks its slot: the entry stays in
 * its leaf until it is released, so that putting it back (the kernel refused
 * the unmap) changes no node and cannot fail. Every lookup skips taken slots.
 * Once the kernel has unmapped it, another thread's map may land on its IOVA
 * before the release: that add drops the taken slot (evict_taken).
 *
 * by process address: ordered by (va, iova), each node also knows the
 * largest last byte below it, which is what lets a point lookup skip every
 * subtree that ends before the point although process ranges overlap. Its
 * leaves have the same slot[lo, lo + n) and its end leaves run thin the
 * same way, so that mappings of process memory in address order, and
 * unmaps of the oldest, move nothing. An entry is in it while it has a slot
 * in the tree by IOVA: taken ones (and the hole) stay, skipped by lookups,
 * so that putting them back needs no memory. So does the entry released
 * from the lowest IOVA slot (r->vstale), until the next add: mapping the
 * same buffer again then takes its slot over.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "list.h"
#include "maprec.h"

#define LEAF_SLOTS MAPREC_LEAF_SLOTS
#define FANOUT MAPREC_FANOUT
/* Below this a node takes from a sibling or merges; two merge if together
 * they fill at most MERGE_MAX, which leaves room for a quarter of inserts
 * before the merged node splits again. */
#define NODE_MIN (FANOUT / 4)
#define MERGE_MAX (FANOUT * 3 / 4)

/* Splits, merges and growing the spare nodes happen once in many calls: out
 * of line, they cost the common path no saved registers. */
#define RARE __attribute__((noinline, cold))

_Static_assert(LEAF_SLOTS == FANOUT, "one minimum and merge bound for both");
_Static_assert(LEAF_SLOTS <= UINT16_MAX, "uint16_t slot counts");

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

static void va_remove(struct maprec *r, struct maprec_entry *e);

/* ---- nodes ---- */

static inline uint64_t leaf_key(const struct maprec_leaf *l, unsigned int i)
{
	return l->slot[l->lo + i].key;
}

static inline struct maprec_entry *leaf_ent(const struct maprec_leaf *l,
					    unsigned int i)
{
	return l->slot[l->lo + i].ent;
}

/*
 * How many of the n sorted keys at base (stride apart, in uint64_t) are at
 * or below k: a binary search without a branch on the keys, since they
 * decide at random (the answer lies in [b, b + n] throughout).
 */
static inline __attribute__((always_inline)) unsigned int
keys_upto(const uint64_t *base, size_t stride, unsigned int n, uint64_t k)
{
	const uint64_t *b = base;

	if (!n)
		return 0;
	while (n > 1) {
		unsigned int half = n / 2;

		b = b[half * stride] <= k ? b + half * stride : b;
		n -= half;
	}
	return (unsigned int)((size_t)(b - base) / stride) + (*b <= k);
}

static inline unsigned int leaf_upto(const struct maprec_leaf *l, uint64_t k)
{
	return keys_upto(&l->slot[l->lo].key, 2, l->n, k);
}

_Static_assert(sizeof(struct maprec_slot) == 2 * sizeof(uint64_t),
	       "leaf_upto steps over a slot in two uint64_t");

/* The slot of e in its leaf: mostly the first (unmaps in map order), else
 * where maprec_take saw it if nothing moved since. */
static inline unsigned int leaf_pos(const struct maprec_entry *e)
{
	const struct maprec_leaf *l = e->leaf;

	if (leaf_ent(l, 0) == e)
		return 0;
	if (e->slot >= l->lo && e->slot < l->lo + l->n &&
	    l->slot[e->slot].ent == e)
		return e->slot - l->lo;
	return leaf_upto(l, e->iova) - 1;
}

static void move_slots(struct maprec_leaf *to, unsigned int at,
		       const struct maprec_leaf *from, unsigned int start,
		       unsigned int n)
{
	unsigned int i;

	if (!n)
		return;
	memmove(&to->slot[at], &from->slot[start], n * sizeof(to->slot[0]));
	if (to != from)
		for (i = 0; i < n; i++)
			to->slot[at + i].ent->leaf = to;
}

/* Slots from 0 (a leaf that is to grow at its end). */
static void leaf_compact(struct maprec_leaf *l)
{
	if (l->lo) {
		move_slots(l, 0, l, l->lo, l->n);
		l->lo = 0;
	}
}

/* Put (k, e) in slot i of l, which has room: the shorter side moves, if
 * there is room on that side. */
static inline void leaf_put(struct maprec_leaf *l, unsigned int i, uint64_t k,
			    struct maprec_entry *e)
{
	unsigned int lo = l->lo;

	if (lo + l->n < LEAF_SLOTS && (!lo || i >= l->n / 2u)) {
		move_slots(l, lo + i + 1, l, lo + i, l->n - i);
	} else {
		move_slots(l, lo - 1, l, lo, i);
		l->lo = (uint16_t)--lo;
	}
	l->slot[lo + i].key = k;
	l->slot[lo + i].ent = e;
	l->n++;
	e->leaf = l;
	e->slot = (uint16_t)(lo + i);
}

static inline void leaf_cut(struct maprec_leaf *l, unsigned int i)
{
	if (i < l->n / 2u) {
		move_slots(l, l->lo + 1u, l, l->lo, i);
		l->lo++;
	} else {
		move_slots(l, l->lo + i, l, l->lo + i + 1u, l->n - i - 1u);
	}
	if (!--l->n)
		l->lo = 0;
}

/* A node from the spare list, which maprec_add filled first. */
static union maprec_node *pool_take(struct maprec *r)
{
	union maprec_node *n = r->spare_nodes;

	r->spare_nodes = n->next_spare;
	r->nspare_nodes--;
	return n;
}

/* kept until maprec_fini: see union maprec_node */
static void pool_give(struct maprec *r, void *node)
{
	union maprec_node *n = node;

	n->next_spare = r->spare_nodes;
	r->spare_nodes = n;
	r->nspare_nodes++;
}

static union maprec_node *node_take(struct maprec *r)
{
	r->nodes++;
	return pool_take(r);
}

static void node_give(struct maprec *r, void *node)
{
	if (r->finger == node)
		r->finger = NULL;
	if (r->gap_leaf == node)
		r->gap_leaf = NULL;
	r->nodes--;
	pool_give(r, node);
}

/* Make sure need nodes are spare; on failure the record is unchanged. */
static RARE int nodes_grow(struct maprec *r, unsigned int need)
{
	while (r->nspare_nodes < need) {
		union maprec_node *n = malloc(sizeof(*n));

		if (!n)
			return -ENOMEM;
		n->next_spare = r->spare_nodes;
		r->spare_nodes = n;
		r->nspare_nodes++;
	}
	return 0;
}

static inline int nodes_reserve(struct maprec *r, unsigned int need)
{
	return r->nspare_nodes < need ? nodes_grow(r, need) : 0;
}

/* The nodes an insert into l needs: one per full node from l up, and a new
 * root if they are all full. */
static unsigned int split_need(const struct maprec_leaf *l)
{
	const struct maprec_inner *p;
	unsigned int need;

	if (l->n < LEAF_SLOTS)
		return 0;
	need = 1;
	for (p = l->parent; p && p->n == FANOUT; p = p->parent)
		need++;
	return need + !p;
}

static inline void set_parent(void *node, unsigned int level,
			      struct maprec_inner *p)
{
	if (level == 1)
		((struct maprec_leaf *)node)->parent = p;
	else
		((struct maprec_inner *)node)->parent = p;
}

static unsigned int child_index(const struct maprec_inner *p,
				const void *child)
{
	unsigned int i = 0;

	while (p->child[i] != child)
		i++;
	return i;
}

/* No node right of p on its level: the tree's right edge. */
static bool rightmost(const struct maprec_inner *p)
{
	for (; p->parent; p = p->parent)
		if (p->parent->child[p->parent->n - 1] != p)
			return false;
	return true;
}

/* Key i (and child i + 1) of p, which has room, become sep and child. */
static void inner_put(struct maprec_inner *p, unsigned int i, uint64_t sep,
		      void *child, unsigned int level)
{
	memmove(&p->key[i + 1], &p->key[i], (p->n - 1u - i) * sizeof(p->key[0]));
	memmove(&p->child[i + 2], &p->child[i + 1],
		(p->n - 1u - i) * sizeof(p->child[0]));
	p->key[i] = sep;
	p->child[i + 1] = child;
	p->n++;
	set_parent(child, level, p);
}

/*
 * old (of this level) has been split: new holds the keys right of sep (or,
 * if new_left, left of it). Hang new next to old in old's parent p,
 * splitting p (and so on up) if it is full.
 */
static void inner_insert(struct maprec *r, struct maprec_inner *p, void *old,
			 uint64_t sep, void *new, bool new_left,
			 unsigned int level)
{
	struct maprec_inner *q, *at;
	unsigned int i, m, j;
	uint64_t up;

	if (!p) {
		q = &node_take(r)->inner;
		q->parent = NULL;
		q->n = 2;
		q->key[0] = sep;
		q->child[0] = new_left ? new : old;
		q->child[1] = new_left ? old : new;
		set_parent(old, level, q);
		set_parent(new, level, q);
		r->root = q;
		r->height++;
		return;
	}
	i = child_index(p, old);
	if (p->n < FANOUT) {
		at = p;
		j = i;
		inner_put(p, i, sep, new, level);
	} else {
		q = &node_take(r)->inner;
		q->parent = NULL;
		if (!new_left && i == FANOUT - 1 && rightmost(p)) {
			/* an append: p keeps all but its last child, which q
			 * starts with, and new. Two children, not one: the
			 * rebalance of q's children needs a sibling in q. */
			q->n = 2;
			q->child[0] = p->child[FANOUT - 1];
			q->key[0] = sep;
			q->child[1] = new;
			set_parent(q->child[0], level, q);
			set_parent(new, level, q);
			up = p->key[FANOUT - 2];
			p->n = FANOUT - 1;
			inner_insert(r, p->parent, p, up, q, false, level + 1);
			return;
		}
		m = FANOUT / 2;
		q->n = (uint16_t)(FANOUT - m);
		memcpy(q->key, &p->key[m], (FANOUT - m - 1) * sizeof(q->key[0]));
		memcpy(q->child, &p->child[m], (FANOUT - m) * sizeof(q->child[0]));
		for (j = 0; j < q->n; j++)
			set_parent(q->child[j], level, q);
		up = p->key[m - 1];
		p->n = (uint16_t)m;
		if (i < m) {
			at = p;
			j = i;
		} else {
			at = q;
			j = i - m;
		}
		inner_put(at, j, sep, new, level);
		inner_insert(r, p->parent, p, up, q, false, level + 1);
	}
	if (new_left) {
		/* new went right of old: the two trade places */
		at->child[j + 1] = old;
		at->child[j] = new;
	}
}

static void leaf_link(struct maprec *r, struct maprec_leaf *l,
		      struct maprec_leaf *nl, bool before)
{
	if (before) {
		nl->next = l;
		nl->prev = l->prev;
		if (l->prev)
			l->prev->next = nl;
		else
			r->first = nl;
		l->prev = nl;
	} else {
		nl->prev = l;
		nl->next = l->next;
		if (l->next)
			l->next->prev = nl;
		else
			r->last = nl;
		l->next = nl;
	}
}

static void leaf_unlink(struct maprec *r, struct maprec_leaf *l)
{
	if (l->prev)
		l->prev->next = l->next;
	else
		r->first = l->next;
	if (l->next)
		l->next->prev = l->prev;
	else
		r->last = l->prev;
}

/* Put (k, e) in slot i of the full leaf l, splitting it (the nodes are
 * reserved). */
static RARE void leaf_split_put(struct maprec *r, struct maprec_leaf *l,
			   unsigned int i, uint64_t k, struct maprec_entry *e)
{
	struct maprec_leaf *nl = &node_take(r)->leaf;
	unsigned int h = LEAF_SLOTS / 2;

	nl->lo = nl->n = 0;
	nl->parent = NULL;
	if (i == LEAF_SLOTS && !l->next) {
		leaf_link(r, l, nl, false);
		leaf_put(nl, 0, k, e);
		inner_insert(r, l->parent, l, k, nl, false, 1);
	} else if (i == 0 && !l->prev) {
		leaf_link(r, l, nl, true);
		leaf_put(nl, 0, k, e);
		inner_insert(r, l->parent, l, leaf_key(l, 0), nl, true, 1);
	} else {
		/* full, so l->lo is 0 */
		move_slots(nl, 0, l, h, LEAF_SLOTS - h);
		nl->n = (uint16_t)(LEAF_SLOTS - h);
		l->n = (uint16_t)h;
		leaf_link(r, l, nl, false);
		if (i <= h)
			leaf_put(l, i, k, e);
		else
			leaf_put(nl, i - h, k, e);
		inner_insert(r, l->parent, l, leaf_key(nl, 0), nl, false, 1);
	}
}

/* ---- the index by start ---- */

/* Fibonacci hashing: the top bits of the product mix every bit of the key,
 * the page offset's zeros included. */
#define HASH_MUL 0x9e3779b97f4a7c15ull
/* Below this many slots a search is a few steps: no table. */
#define HASH_MIN (2 * LEAF_SLOTS)
#define HASH_MIN_SLOTS 256u
#define HASH_AFTER 64u

static inline size_t hash_home(const struct maprec *r, uint64_t key)
{
	return (size_t)((key * HASH_MUL) >> r->hash_shift);
}

static inline struct maprec_entry *hash_find(const struct maprec *r,
					     uint64_t key)
{
	size_t i = hash_home(r, key);

	for (;; i = (i + 1) & r->hash_mask) {
		const struct maprec_hslot *s = &r->hash[i];

		if (!s->ent || s->key == key)
			return s->ent;
	}
}

/* The table has room (at most half full after this). */
static inline void hash_put(struct maprec *r, uint64_t key,
			    struct maprec_entry *e)
{
	size_t i = hash_home(r, key);

	while (r->hash[i].ent)
		i = (i + 1) & r->hash_mask;
	r->hash[i].key = key;
	r->hash[i].ent = e;
}

/* Remove key (it is there), moving back the slots after it that may move:
 * those whose home is not in (i, j], so that no probe meets a gap. */
static void hash_del(struct maprec *r, uint64_t key)
{
	size_t mask = r->hash_mask, i = hash_home(r, key), j;

	while (r->hash[i].key != key || !r->hash[i].ent)
		i = (i + 1) & mask;
	for (j = (i + 1) & mask; r->hash[j].ent; j = (j + 1) & mask) {
		size_t home = hash_home(r, r->hash[j].key);

		if (((j - home) & mask) >= ((j - i) & mask)) {
			r->hash[i] = r->hash[j];
			i = j;
		}
	}
	r->hash[i].ent = NULL;
}

static void hash_drop(struct maprec *r)
{
	free(r->hash);
	r->hash = NULL;
	r->hash_mask = 0;
	r->hash_shift = 0;
}

/* A table for every slot, at most a third full: false if there is no
 * memory (then the takes search, as they would without it). */
static RARE bool hash_build(struct maprec *r)
{
	struct maprec_leaf *l;
	unsigned int bits = 8, i;
	size_t slots;

	while (((size_t)1 << bits) < 3 * r->held)
		bits++;
	slots = (size_t)1 << bits;
	r->hash = calloc(slots, sizeof(*r->hash));
	if (!r->hash)
		return false;
	r->hash_mask = slots - 1;
	r->hash_shift = 64 - bits;
	for (l = r->first; l; l = l->next)
		for (i = 0; i < l->n; i++)
			hash_put(r, leaf_key(l, i), leaf_ent(l, i));
	return true;
}

/* Room for one more slot; if the table cannot grow it goes (and is built
 * again by a later take), so that an add never fails for it. */
static RARE void hash_resize(struct maprec *r)
{
	hash_drop(r);
	if (r->held >= HASH_MIN)
		hash_build(r);
}

static inline void hash_reserve(struct maprec *r)
{
	if (r->hash && 2 * (r->held + 1) > r->hash_mask + 1)
		hash_resize(r);
}

/* ---- removal ---- */

/* The root has one child left: that child is the root. */
static RARE void root_collapse(struct maprec *r)
{
	struct maprec_inner *root = r->root;

	r->root = root->child[0];
	set_parent(r->root, r->height - 1, NULL);
	r->height--;
	node_give(r, root);
}

/* Key ki and child ki + 1 of p are gone (merged into child ki). */
static void inner_drop(struct maprec *r, struct maprec_inner *p,
		       unsigned int ki, unsigned int level);

static RARE void leaf_rebalance(struct maprec *r, struct maprec_leaf *l)
{
	struct maprec_inner *p = l->parent;
	unsigned int j = child_index(p, l), ki = j ? j - 1 : 0;
	struct maprec_leaf *a = p->child[ki], *b = p->child[ki + 1];
	unsigned int total = a->n + b->n, cnt;

	if (total <= MERGE_MAX) {
		leaf_compact(a);
		move_slots(a, a->n, b, b->lo, b->n);
		a->n = (uint16_t)total;
		leaf_unlink(r, b);
		node_give(r, b);
		inner_drop(r, p, ki, 2);
		return;
	}
	if (a->n < b->n) {
		/* b's first slots move to a's end */
		cnt = b->n - total / 2;
		leaf_compact(a);
		move_slots(a, a->n, b, b->lo, cnt);
		a->n = (uint16_t)(a->n + cnt);
		b->lo = (uint16_t)(b->lo + cnt);
		b->n = (uint16_t)(b->n - cnt);
	} else {
		/* a's last slots move to b's front */
		cnt = a->n - total / 2;
		if (b->lo < cnt) {
			move_slots(b, LEAF_SLOTS - b->n, b, b->lo, b->n);
			b->lo = (uint16_t)(LEAF_SLOTS - b->n);
		}
		move_slots(b, b->lo - cnt, a, a->lo + a->n - cnt, cnt);
		b->lo = (uint16_t)(b->lo - cnt);
		b->n = (uint16_t)(b->n + cnt);
		a->n = (uint16_t)(a->n - cnt);
	}
	p->key[ki] = leaf_key(b, 0);
}

static void move_children(struct maprec_inner *to, unsigned int at,
			  const struct maprec_inner *from, unsigned int start,
			  unsigned int n, unsigned int level)
{
	unsigned int i;

	memmove(&to->child[at], &from->child[start], n * sizeof(to->child[0]));
	if (to != from)
		for (i = 0; i < n; i++)
			set_parent(to->child[at + i], level, to);
}

/* p (at level) has fewer than NODE_MIN children and is not the root. */
static void inner_rebalance(struct maprec *r, struct maprec_inner *p,
			    unsigned int level)
{
	struct maprec_inner *q = p->parent;
	unsigned int j = child_index(q, p), ki = j ? j - 1 : 0, cnt;
	struct maprec_inner *a = q->child[ki], *b = q->child[ki + 1];
	unsigned int total = a->n + b->n;
	uint64_t sep = q->key[ki];

	if (total <= MERGE_MAX) {
		a->key[a->n - 1] = sep;
		memcpy(&a->key[a->n], b->key, (b->n - 1u) * sizeof(a->key[0]));
		move_children(a, a->n, b, 0, b->n, level - 1);
		a->n = (uint16_t)total;
		node_give(r, b);
		inner_drop(r, q, ki, level + 1);
		return;
	}
	if (a->n < b->n) {
		cnt = b->n - total / 2;
		a->key[a->n - 1] = sep;
		memcpy(&a->key[a->n], b->key, (cnt - 1) * sizeof(a->key[0]));
		move_children(a, a->n, b, 0, cnt, level - 1);
		q->key[ki] = b->key[cnt - 1];
		memmove(b->key, &b->key[cnt], (b->n - 1u - cnt) * sizeof(b->key[0]));
		move_children(b, 0, b, cnt, b->n - cnt, level - 1);
		a->n = (uint16_t)(a->n + cnt);
		b->n = (uint16_t)(b->n - cnt);
	} else {
		cnt = a->n - total / 2;
		memmove(&b->key[cnt], b->key, (b->n - 1u) * sizeof(b->key[0]));
		move_children(b, cnt, b, 0, b->n, level - 1);
		b->key[cnt - 1] = sep;
		memcpy(b->key, &a->key[a->n - cnt], (cnt - 1) * sizeof(b->key[0]));
		move_children(b, 0, a, a->n - cnt, cnt, level - 1);
		q->key[ki] = a->key[a->n - cnt - 1];
		a->n = (uint16_t)(a->n - cnt);
		b->n = (uint16_t)(b->n + cnt);
	}
}

/* p (at level) lost a child. */
static void inner_shrunk(struct maprec *r, struct maprec_inner *p,
			 unsigned int level)
{
	if (!p->parent) {
		if (p->n == 1)
			root_collapse(r);
	} else if (p->n < NODE_MIN) {
		inner_rebalance(r, p, level);
	}
}

static void inner_drop(struct maprec *r, struct maprec_inner *p,
		       unsigned int ki, unsigned int level)
{
	memmove(&p->key[ki], &p->key[ki + 1], (p->n - 2u - ki) * sizeof(p->key[0]));
	memmove(&p->child[ki + 1], &p->child[ki + 2],
		(p->n - 2u - ki) * sizeof(p->child[0]));
	p->n--;
	inner_shrunk(r, p, level);
}

/* The leaf l at an end of the leaf list is empty: it goes. Child 0 of its
 * parent goes with the key after it, any other with the key before it. */
static RARE void leaf_drop(struct maprec *r, struct maprec_leaf *l)
{
	struct maprec_inner *p = l->parent;
	unsigned int j = child_index(p, l);

	leaf_unlink(r, l);
	node_give(r, l);
	if (j) {
		inner_drop(r, p, j - 1, 2);
		return;
	}
	memmove(&p->key[0], &p->key[1], (p->n - 2u) * sizeof(p->key[0]));
	memmove(&p->child[0], &p->child[1], (p->n - 1u) * sizeof(p->child[0]));
	p->n--;
	inner_shrunk(r, p, 2);
}

static void vstale_flush(struct maprec *r);

/* The last slot of the root leaf is gone. */
static RARE void tree_empty(struct maprec *r)
{
	if (r->vstale)
		vstale_flush(r);	/* an empty record holds no node */
	node_give(r, r->root);
	r->root = NULL;
	r->first = r->last = NULL;
	r->height = 0;
}

/* Remove e's slot from the tree by IOVA (e was taken). Inline: it is most
 * of a release. */
static inline __attribute__((always_inline)) void
iova_remove(struct maprec *r, struct maprec_entry *e)
{
	struct maprec_leaf *l = e->leaf;
	unsigned int pos = leaf_pos(e);

	if (r->hash)
		hash_del(r, e->iova);
	leaf_cut(l, pos);
	r->gap_leaf = l;
	r->gap_pos = pos;
	r->held--;
	/* The leaves at either end may run thin, down to empty, without
	 * taking slots from their neighbour: unmaps of the oldest or the
	 * newest mapping then move nothing. */
	if (l->n < NODE_MIN) {
		if (!l->parent) {
			if (!l->n)
				tree_empty(r);
		} else if (l != r->first && l != r->last) {
			leaf_rebalance(r, l);
		} else if (!l->n) {
			leaf_drop(r, l);
		}
	}
	/* a sixteenth full: a table a quarter the size, or none for a
	 * record that small */
	if (r->hash && 16 * r->held < r->hash_mask + 1 &&
	    r->hash_mask + 1 > HASH_MIN_SLOTS)
		hash_resize(r);
}

/* Remove e's slots from both trees. */
static inline __attribute__((always_inline)) void
slot_remove(struct maprec *r, struct maprec_entry *e)
{
	if (e->vleaf)
		va_remove(r, e);
	iova_remove(r, e);
}


/* ---- search ---- */

static inline struct maprec_leaf *descend(const struct maprec *r, uint64_t k)
{
	void *n = r->root;
	unsigned int level;

	for (level = r->height; level > 1; level--) {
		const struct maprec_inner *p = n;

		n = p->child[keys_upto(p->key, 1, p->n - 1u, k)];
	}
	return n;
}

/* The slot with the largest key at or below k: false if there is none. */
static inline bool slot_floor(const struct maprec *r, uint64_t k,
			      struct maprec_leaf **lp, unsigned int *ip)
{
	struct maprec_leaf *l;
	unsigned int i;

	if (!r->root)
		return false;
	l = descend(r, k);
	i = leaf_upto(l, k);
	if (!i) {
		/* below the leaf's first key, but at or above its separator */
		l = l->prev;
		if (!l)
			return false;
		i = l->n;
	}
	*lp = l;
	*ip = i - 1;
	return true;
}

/* The slot after (*lp, *ip): false at the end. */
static inline bool slot_next(struct maprec_leaf **lp, unsigned int *ip)
{
	if (++*ip < (*lp)->n)
		return true;
	*lp = (*lp)->next;
	*ip = 0;
	return *lp != NULL;
}

/* From (*lp, *ip) on, the first slot not taken: NULL at the end. */
static inline struct maprec_entry *live_from(struct maprec_leaf **lp,
					     unsigned int *ip)
{
	do {
		struct maprec_entry *e = leaf_ent(*lp, *ip);

		if (!e->taken)
			return e;
	} while (slot_next(lp, ip));
	return NULL;
}

/* ---- by process address ---- */

#define VA_SLOTS MAPREC_VA_SLOTS
#define VA_FANOUT MAPREC_VA_FANOUT
/* As NODE_MIN and MERGE_MAX, for each kind of node of this tree. */
#define VLEAF_MIN (VA_SLOTS / 4)
#define VLEAF_MERGE_MAX (VA_SLOTS * 3 / 4)
#define VINNER_MIN (VA_FANOUT / 4)
#define VINNER_MERGE_MAX (VA_FANOUT * 3 / 4)

_Static_assert(sizeof(struct maprec_vslot) == 3 * sizeof(uint64_t),
	       "vleaf_below steps over a slot in three uint64_t");
_Static_assert(sizeof(union maprec_node) == sizeof(struct maprec_leaf),
	       "the nodes by process address fit in those by IOVA");
_Static_assert(offsetof(struct maprec_vleaf, parent) ==
	       offsetof(struct maprec_vinner, parent) &&
	       offsetof(struct maprec_vleaf, max_last) ==
	       offsetof(struct maprec_vinner, max_last),
	       "struct vhead reads either kind");

/* What both kinds of node of this tree start with. */
struct vhead {
	struct maprec_vinner *parent;
	uint64_t max_last;
};

static inline struct vhead *vhead(void *node)
{
	return node;
}

static inline struct maprec_vslot *vslot(struct maprec_vleaf *l,
					 unsigned int i)
{
	return &l->slot[l->lo + i];
}

/* Slot s's key is below (va, iova); the entry is read on a tie only. */
static inline bool vslot_below(const struct maprec_vslot *s, uint64_t va,
			       uint64_t iova)
{
	return s->va < va || (s->va == va && s->ent->iova < iova);
}

/* How many of l's slots are below (va, iova) (va is not 0: no slot has
 * it). */
static inline unsigned int vleaf_below(const struct maprec_vleaf *l,
				       uint64_t va, uint64_t iova)
{
	unsigned int i = keys_upto(&l->slot[l->lo].va, 3, l->n, va - 1);

	while (i < l->n && vslot_below(&l->slot[l->lo + i], va, iova))
		i++;
	return i;
}

/* The child of p whose keys' range holds (va, iova). */
static inline unsigned int vinner_child(const struct maprec_vinner *p,
					uint64_t va, uint64_t iova)
{
	unsigned int i = keys_upto(p->key_va, 1, p->n - 1u, va - 1);

	while (i + 1u < p->n && p->key_va[i] == va && p->key_iova[i] <= iova)
		i++;
	return i;
}

/* From the end: appends at the tree's right edge raise max_last there. */
static unsigned int vchild_index(const struct maprec_vinner *p,
				 const void *child)
{
	unsigned int i = p->n - 1u;

	while (p->child[i] != child)
		i--;
	return i;
}

/* Where e is in l: among the slots of its va, by pointer (no entry read). */
static unsigned int vleaf_find(const struct maprec_vleaf *l,
			       const struct maprec_entry *e)
{
	unsigned int i = keys_upto(&l->slot[l->lo].va, 3, l->n, e->va - 1);

	while (l->slot[l->lo + i].ent != e)
		i++;
	return i;
}

static inline unsigned int vleaf_pos(const struct maprec_entry *e)
{
	const struct maprec_vleaf *l = e->vleaf;
	unsigned int i = e->vslot - l->lo;	/* wraps if below lo */

	/* slots move only when others come or go beside them, and not at
	 * all where a leaf grows at its end or shrinks at its start */
	if (i < l->n && l->slot[e->vslot].ent == e)
		return i;
	if (l->slot[l->lo].ent == e)
		return 0;	/* the lowest, moved down with its leaf */
	return vleaf_find(l, e);
}

static uint64_t vleaf_max(const struct maprec_vleaf *l)
{
	uint64_t max = 0;
	unsigned int i;

	for (i = 0; i < l->n; i++)
		if (l->slot[l->lo + i].last > max)
			max = l->slot[l->lo + i].last;
	return max;
}

static uint64_t vinner_max(const struct maprec_vinner *p)
{
	uint64_t max = 0;
	unsigned int i;

	for (i = 0; i < p->n; i++)
		if (p->child_max[i] > max)
			max = p->child_max[i];
	return max;
}

static inline uint64_t vnode_max(const void *node, unsigned int level)
{
	return level == 1 ? vleaf_max(node) : vinner_max(node);
}

static union maprec_node *vnode_take(struct maprec *r)
{
	union maprec_node *n = pool_take(r);

	r->va_nodes++;
	return n;
}

static void vnode_give(struct maprec *r, void *node)
{
	r->va_nodes--;
	pool_give(r, node);
}

/* node's max_last rose to last (it holds a new range): so do its
 * ancestors' and their child_max for it, as far as they were below. */
static void va_raise(void *node, uint64_t last)
{
	struct maprec_vinner *p;

	for (; (p = vhead(node)->parent); node = p) {
		unsigned int i = vchild_index(p, node);

		if (p->child_max[i] >= last)
			return;
		p->child_max[i] = last;
		if (p->max_last >= last)
			return;
		p->max_last = last;
	}
}

/* A range that may have been node's largest went: its max_last again from
 * what it holds, and its ancestors' as far as that changes them. */
static void va_lower(void *node, unsigned int level)
{
	struct maprec_vinner *p;
	uint64_t max = vnode_max(node, level);

	for (;;) {
		if (max == vhead(node)->max_last)
			return;
		vhead(node)->max_last = max;
		p = vhead(node)->parent;
		if (!p)
			return;
		p->child_max[vchild_index(p, node)] = max;
		node = p;
		max = vinner_max(p);
	}
}

static void move_vslots(struct maprec_vleaf *to, unsigned int at,
			const struct maprec_vleaf *from, unsigned int start,
			unsigned int n)
{
	unsigned int i;

	if (!n)
		return;
	memmove(&to->slot[at], &from->slot[start], n * sizeof(to->slot[0]));
	if (to != from)
		for (i = 0; i < n; i++)
			to->slot[at + i].ent->vleaf = to;
}

static void vleaf_compact(struct maprec_vleaf *l)
{
	if (l->lo) {
		move_vslots(l, 0, l, l->lo, l->n);
		l->lo = 0;
	}
}

/* Put e in slot i of l, which has room, as leaf_put does; max_last is the
 * caller's. */
static inline void vleaf_put(struct maprec_vleaf *l, unsigned int i,
			     struct maprec_entry *e)
{
	unsigned int lo = l->lo;
	struct maprec_vslot *s;

	if (lo + l->n < VA_SLOTS && (!lo || i >= l->n / 2u)) {
		move_vslots(l, lo + i + 1, l, lo + i, l->n - i);
	} else {
		move_vslots(l, lo - 1, l, lo, i);
		l->lo = (uint16_t)--lo;
	}
	s = &l->slot[lo + i];
	s->va = e->va;
	s->last = va_last(e);
	s->ent = e;
	l->n++;
	e->vleaf = l;
	e->vslot = (uint16_t)(lo + i);
}

static inline void vleaf_cut(struct maprec_vleaf *l, unsigned int i)
{
	if (i < l->n / 2u) {
		move_vslots(l, l->lo + 1u, l, l->lo, i);
		l->lo++;
	} else {
		move_vslots(l, l->lo + i, l, l->lo + i + 1u, l->n - i - 1u);
	}
	if (!--l->n)
		l->lo = 0;
}

static inline void set_vparent(void *node, struct maprec_vinner *p)
{
	vhead(node)->parent = p;
}

/* No node right of p on its level. */
static bool vrightmost(const struct maprec_vinner *p)
{
	for (; p->parent; p = p->parent)
		if (p->parent->child[p->parent->n - 1] != p)
			return false;
	return true;
}

/* Key i and child i + 1 of p, which has room, become (va, iova) and child,
 * whose max_last is max. */
static void vinner_put(struct maprec_vinner *p, unsigned int i, uint64_t va,
		       uint64_t iova, void *child, uint64_t max)
{
	unsigned int after = p->n - 1u - i;

	memmove(&p->key_va[i + 1], &p->key_va[i], after * sizeof(p->key_va[0]));
	memmove(&p->key_iova[i + 1], &p->key_iova[i],
		after * sizeof(p->key_iova[0]));
	memmove(&p->child[i + 2], &p->child[i + 1],
		after * sizeof(p->child[0]));
	memmove(&p->child_max[i + 2], &p->child_max[i + 1],
		after * sizeof(p->child_max[0]));
	p->key_va[i] = va;
	p->key_iova[i] = iova;
	p->child[i + 1] = child;
	p->child_max[i + 1] = max;
	p->n++;
	set_vparent(child, p);
}

/* Children (and their child_max) [start, start + n) of from to at of to. */
static void vmove_children(struct maprec_vinner *to, unsigned int at,
			   const struct maprec_vinner *from, unsigned int start,
			   unsigned int n)
{
	unsigned int i;

	memmove(&to->child[at], &from->child[start], n * sizeof(to->child[0]));
	memmove(&to->child_max[at], &from->child_max[start],
		n * sizeof(to->child_max[0]));
	if (to != from)
		for (i = 0; i < n; i++)
			set_vparent(to->child[at + i], to);
}

/* Keys [start, start + n) of from to at of to. */
static void vmove_keys(struct maprec_vinner *to, unsigned int at,
		       const struct maprec_vinner *from, unsigned int start,
		       unsigned int n)
{
	memmove(&to->key_va[at], &from->key_va[start], n * sizeof(to->key_va[0]));
	memmove(&to->key_iova[at], &from->key_iova[start],
		n * sizeof(to->key_iova[0]));
}

/* Children j and j + 1 of p trade places (a new node went right of the one
 * it belongs left of). */
static void vinner_swap(struct maprec_vinner *p, unsigned int j)
{
	void *c = p->child[j];
	uint64_t m = p->child_max[j];

	p->child[j] = p->child[j + 1];
	p->child_max[j] = p->child_max[j + 1];
	p->child[j + 1] = c;
	p->child_max[j + 1] = m;
}

/*
 * old (of level) has been split, as in inner_insert: new holds the keys at
 * or above (va, iova) (or, if new_left, below it). Both nodes' max_last are
 * right; p's child_max for them and everything above are made so.
 */
static void vinner_insert(struct maprec *r, struct maprec_vinner *p,
			  void *old, uint64_t va, uint64_t iova, void *new,
			  bool new_left, unsigned int level)
{
	uint64_t old_max = vhead(old)->max_last, new_max = vhead(new)->max_last;
	struct maprec_vinner *q, *at;
	unsigned int i, m, j;
	uint64_t up_va, up_iova;

	if (!p) {
		q = &vnode_take(r)->vinner;
		q->parent = NULL;
		q->n = 2;
		q->key_va[0] = va;
		q->key_iova[0] = iova;
		q->child[0] = new_left ? new : old;
		q->child[1] = new_left ? old : new;
		q->child_max[0] = new_left ? new_max : old_max;
		q->child_max[1] = new_left ? old_max : new_max;
		q->max_last = old_max > new_max ? old_max : new_max;
		set_vparent(old, q);
		set_vparent(new, q);
		r->vroot = q;
		r->vheight++;
		return;
	}
	i = vchild_index(p, old);
	p->child_max[i] = old_max;
	if (p->n < VA_FANOUT) {
		at = p;
		j = i;
		vinner_put(p, i, va, iova, new, new_max);
	} else {
		q = &vnode_take(r)->vinner;
		q->parent = NULL;
		if (!new_left && i == VA_FANOUT - 1 && vrightmost(p)) {
			/* an append, as in inner_insert */
			q->n = 2;
			q->child[0] = p->child[VA_FANOUT - 1];
			q->child_max[0] = p->child_max[VA_FANOUT - 1];
			q->key_va[0] = va;
			q->key_iova[0] = iova;
			q->child[1] = new;
			q->child_max[1] = new_max;
			set_vparent(q->child[0], q);
			set_vparent(new, q);
			q->max_last = vinner_max(q);
			up_va = p->key_va[VA_FANOUT - 2];
			up_iova = p->key_iova[VA_FANOUT - 2];
			p->n = VA_FANOUT - 1;
			p->max_last = vinner_max(p);
			vinner_insert(r, p->parent, p, up_va, up_iova, q, false,
				      level + 1);
			return;
		}
		m = VA_FANOUT / 2;
		q->n = (uint16_t)(VA_FANOUT - m);
		vmove_keys(q, 0, p, m, VA_FANOUT - m - 1);
		vmove_children(q, 0, p, m, VA_FANOUT - m);
		up_va = p->key_va[m - 1];
		up_iova = p->key_iova[m - 1];
		p->n = (uint16_t)m;
		if (i < m) {
			at = p;
			j = i;
		} else {
			at = q;
			j = i - m;
		}
		vinner_put(at, j, va, iova, new, new_max);
		if (new_left) {
			vinner_swap(at, j);
			new_left = false;
		}
		p->max_last = vinner_max(p);
		q->max_last = vinner_max(q);
		vinner_insert(r, p->parent, p, up_va, up_iova, q, false,
			      level + 1);
		return;
	}
	if (new_left)
		vinner_swap(at, j);
	/* p holds what it held and the new range: only a raise */
	if (new_max > p->max_last) {
		p->max_last = new_max;
		va_raise(p, new_max);
	}
}

static void vleaf_link(struct maprec *r, struct maprec_vleaf *l,
		       struct maprec_vleaf *nl, bool before)
{
	if (before) {
		nl->next = l;
		nl->prev = l->prev;
		if (l->prev)
			l->prev->next = nl;
		else
			r->vfirst = nl;
		l->prev = nl;
	} else {
		nl->prev = l;
		nl->next = l->next;
		if (l->next)
			l->next->prev = nl;
		else
			r->vlast = nl;
		l->next = nl;
	}
}

static void vleaf_unlink(struct maprec *r, struct maprec_vleaf *l)
{
	if (l->prev)
		l->prev->next = l->next;
	else
		r->vfirst = l->next;
	if (l->next)
		l->next->prev = l->prev;
	else
		r->vlast = l->prev;
}

/* Put e in slot i of the full leaf l, splitting it (the nodes are
 * reserved): as leaf_split_put. */
static RARE void vleaf_split_put(struct maprec *r, struct maprec_vleaf *l,
				 unsigned int i, struct maprec_entry *e)
{
	struct maprec_vleaf *nl = &vnode_take(r)->vleaf;
	unsigned int h = VA_SLOTS / 2;
	struct maprec_vslot *first;

	nl->lo = nl->n = 0;
	nl->parent = NULL;
	if (i == VA_SLOTS && !l->next) {
		vleaf_link(r, l, nl, false);
		vleaf_put(nl, 0, e);
		nl->max_last = va_last(e);
		vinner_insert(r, l->parent, l, e->va, e->iova, nl, false, 1);
	} else if (i == 0 && !l->prev) {
		first = vslot(l, 0);
		vleaf_link(r, l, nl, true);
		vleaf_put(nl, 0, e);
		nl->max_last = va_last(e);
		vinner_insert(r, l->parent, l, first->va, first->ent->iova, nl,
			      true, 1);
	} else {
		/* full, so l->lo is 0 */
		move_vslots(nl, 0, l, h, VA_SLOTS - h);
		nl->n = (uint16_t)(VA_SLOTS - h);
		l->n = (uint16_t)h;
		vleaf_link(r, l, nl, false);
		if (i <= h)
			vleaf_put(l, i, e);
		else
			vleaf_put(nl, i - h, e);
		l->max_last = vleaf_max(l);
		nl->max_last = vleaf_max(nl);
		first = vslot(nl, 0);
		vinner_insert(r, l->parent, l, first->va, first->ent->iova, nl,
			      false, 1);
	}
}

/*
 * Index e (its va is not 0; the nodes a split may need, va_need(), are
 * reserved). Above the last key or below the first one (process memory
 * mapped in address order, or the lowest slot removed and mapped again) it
 * goes without a search.
 */
static void va_insert(struct maprec *r, struct maprec_entry *e)
{
	struct maprec_vleaf *l = r->vlast;
	uint64_t va = e->va, iova = e->iova, last = va_last(e);
	unsigned int i, level;
	void *n;

	if (!l) {
		l = &vnode_take(r)->vleaf;
		l->parent = NULL;
		l->prev = l->next = NULL;
		l->lo = l->n = 0;
		r->vroot = r->vfirst = r->vlast = l;
		r->vheight = 1;
		vleaf_put(l, 0, e);
		l->max_last = last;
		return;
	}
	if (vslot_below(vslot(l, l->n - 1u), va, iova)) {
		i = l->n;
	} else if (!vslot_below(vslot(r->vfirst, 0), va, iova)) {
		l = r->vfirst;
		i = 0;
	} else {
		n = r->vroot;
		for (level = r->vheight; level > 1; level--) {
			const struct maprec_vinner *p = n;

			n = p->child[vinner_child(p, va, iova)];
		}
		l = n;
		i = vleaf_below(l, va, iova);
	}
	if (l->n == VA_SLOTS) {
		vleaf_split_put(r, l, i, e);
		return;
	}
	vleaf_put(l, i, e);
	if (last > l->max_last) {
		l->max_last = last;
		va_raise(l, last);
	}
}

/* The leaf at an end of the list is empty: it goes, as in leaf_drop. */
static RARE void vleaf_drop(struct maprec *r, struct maprec_vleaf *l);
static RARE void vleaf_rebalance(struct maprec *r, struct maprec_vleaf *l);

/* Take e (indexed) out of the index. */
static void va_remove(struct maprec *r, struct maprec_entry *e)
{
	struct maprec_vleaf *l = e->vleaf;
	unsigned int pos = vleaf_pos(e);
	uint64_t last = vslot(l, pos)->last;

	vleaf_cut(l, pos);
	e->vleaf = NULL;
	r->vs_min = UINT64_MAX;	/* slots moved: see vstale_bounds */
	r->vs_max = 0;
	if (last >= l->max_last)
		va_lower(l, 1);
	/* the end leaves may run thin, as in iova_remove */
	if (l->n < VLEAF_MIN) {
		if (!l->parent) {
			if (!l->n) {
				vnode_give(r, l);
				r->vroot = r->vfirst = r->vlast = NULL;
				r->vheight = 0;
			}
		} else if (l != r->vfirst && l != r->vlast) {
			vleaf_rebalance(r, l);
		} else if (!l->n) {
			vleaf_drop(r, l);
		}
	}
}

/* e (indexed) now ends elsewhere: its slot's last and the max_last above. */
static void va_relast(struct maprec_entry *e)
{
	struct maprec_vleaf *l = e->vleaf;
	struct maprec_vslot *s = vslot(l, vleaf_pos(e));
	uint64_t old = s->last, last = va_last(e);

	s->last = last;
	if (last > l->max_last) {
		l->max_last = last;
		va_raise(l, last);
	} else if (old == l->max_last && last < old) {
		va_lower(l, 1);
	}
}

static void entry_give(struct maprec *r, struct maprec_entry *e);

/* The stale slot goes: the next add is not for its process memory. */
static void vstale_flush(struct maprec *r)
{
	struct maprec_entry *e = r->vstale;

	r->vstale = NULL;
	va_remove(r, e);
	entry_give(r, e);
}

/*
 * (va, iova) is within the separators of leaf l on one side (upper: below
 * the one after it; else at or above the one before it): the nearest
 * ancestor in which l's subtree is not the last (the first) child holds
 * it. None: l is at that end of the tree.
 */
static bool vleaf_sep_ok(const struct maprec_vleaf *l, uint64_t va,
			 uint64_t iova, bool upper)
{
	const struct maprec_vinner *p;
	const void *node = l;
	unsigned int j;

	for (p = l->parent; p; node = p, p = p->parent) {
		j = vchild_index(p, node);
		if (upper && j + 1u < p->n)
			return va < p->key_va[j] ||
			       (va == p->key_va[j] && iova < p->key_iova[j]);
		if (!upper && j)
			return va > p->key_va[j - 1] ||
			       (va == p->key_va[j - 1] && iova >= p->key_iova[j - 1]);
	}
	return true;
}

/*
 * The slot (index into vleaf->slot) of the stale entry, if the key (its
 * va, iova) may take it: the slots on either side stay below and above
 * it, and at an end of the leaf so does the separator there. -1: it may
 * not.
 */
static __attribute__((noinline)) int vstale_at(const struct maprec *r,
					       uint64_t iova)
{
	const struct maprec_entry *e = r->vstale;
	const struct maprec_vleaf *l = e->vleaf;
	unsigned int i = vleaf_pos(e);
	uint64_t va = e->va;

	/* towards an end of the leaf past the old key: the separator */
	if (i ? !vslot_below(&l->slot[l->lo + i - 1u], va, iova) :
	    iova < e->iova && !vleaf_sep_ok(l, va, iova, false))
		return -1;
	if (i + 1u < l->n ? vslot_below(&l->slot[l->lo + i + 1u], va, iova) :
	    iova > e->iova && !vleaf_sep_ok(l, va, iova, true))
		return -1;
	return (int)(l->lo + i);
}

/*
 * The IOVAs the stale entry's slot may take at once (vs_min to vs_max),
 * and its exact slot in vslot, worked out as it goes stale, so that the
 * map that follows checks two numbers: a slot beside it of the same va
 * bounds them, and an end of the leaf keeps its IOVA from moving that way
 * (vstale_at looks at the separator then). Any removal from the index
 * moves slots: it empties the range (va_remove), and vstale_at decides.
 */
static void vstale_bounds(struct maprec *r)
{
	struct maprec_entry *e = r->vstale;
	const struct maprec_vleaf *l = e->vleaf;
	unsigned int i = vleaf_pos(e);
	const struct maprec_vslot *s = &l->slot[l->lo + i];

	e->vslot = (uint16_t)(l->lo + i);
	if (!i)
		r->vs_min = e->iova;
	else if (s[-1].va < e->va)
		r->vs_min = 0;
	else
		r->vs_min = s[-1].ent->iova + 1;
	if (i + 1u == l->n)
		r->vs_max = e->iova;
	else if (s[1].va > e->va)
		r->vs_max = UINT64_MAX;
	else
		r->vs_max = s[1].ent->iova - 1;
}

/* The stale entry's slot may take iova (its vslot is then exact). */
static inline bool vstale_fits(struct maprec *r, uint64_t iova)
{
	int at;

	if (iova >= r->vs_min && iova <= r->vs_max)
		return true;
	at = vstale_at(r, iova);
	if (at < 0)
		return false;
	r->vstale->vslot = (uint16_t)at;
	return true;
}

/* Index e, just added with process memory (its nodes reserved); the stale
 * slot, if any, goes first (this add did not take it). */
static __attribute__((noinline)) void va_add(struct maprec *r,
					    struct maprec_entry *e)
{
	if (r->vstale)
		vstale_flush(r);
	va_insert(r, e);
}

static void vinner_drop(struct maprec *r, struct maprec_vinner *p,
			unsigned int ki, unsigned int level);

/* The root has one child left: that child is the root. */
static RARE void vroot_collapse(struct maprec *r)
{
	struct maprec_vinner *root = r->vroot;

	r->vroot = root->child[0];
	set_vparent(r->vroot, NULL);
	r->vheight--;
	vnode_give(r, root);
}

/* p (at level) has fewer than VINNER_MIN children and is not the root: as
 * inner_rebalance. The subtree's ranges stay the same: only the two nodes'
 * max_last and their child_max in q change. */
static RARE void vinner_rebalance(struct maprec *r, struct maprec_vinner *p,
				  unsigned int level)
{
	struct maprec_vinner *q = p->parent;
	unsigned int j = vchild_index(q, p), ki = j ? j - 1 : 0, cnt;
	struct maprec_vinner *a = q->child[ki], *b = q->child[ki + 1];
	unsigned int total = a->n + b->n;
	uint64_t sep_va = q->key_va[ki], sep_iova = q->key_iova[ki];

	if (total <= VINNER_MERGE_MAX) {
		a->key_va[a->n - 1] = sep_va;
		a->key_iova[a->n - 1] = sep_iova;
		vmove_keys(a, a->n, b, 0, b->n - 1u);
		vmove_children(a, a->n, b, 0, b->n);
		a->n = (uint16_t)total;
		if (b->max_last > a->max_last)
			a->max_last = b->max_last;
		q->child_max[ki] = a->max_last;
		vnode_give(r, b);
		vinner_drop(r, q, ki, level + 1);
		return;
	}
	if (a->n < b->n) {
		cnt = b->n - total / 2;
		a->key_va[a->n - 1] = sep_va;
		a->key_iova[a->n - 1] = sep_iova;
		vmove_keys(a, a->n, b, 0, cnt - 1);
		vmove_children(a, a->n, b, 0, cnt);
		q->key_va[ki] = b->key_va[cnt - 1];
		q->key_iova[ki] = b->key_iova[cnt - 1];
		vmove_keys(b, 0, b, cnt, b->n - 1u - cnt);
		vmove_children(b, 0, b, cnt, b->n - cnt);
		a->n = (uint16_t)(a->n + cnt);
		b->n = (uint16_t)(b->n - cnt);
	} else {
		cnt = a->n - total / 2;
		vmove_keys(b, cnt, b, 0, b->n - 1u);
		vmove_children(b, cnt, b, 0, b->n);
		b->key_va[cnt - 1] = sep_va;
		b->key_iova[cnt - 1] = sep_iova;
		vmove_keys(b, 0, a, a->n - cnt, cnt - 1);
		vmove_children(b, 0, a, a->n - cnt, cnt);
		q->key_va[ki] = a->key_va[a->n - cnt - 1];
		q->key_iova[ki] = a->key_iova[a->n - cnt - 1];
		a->n = (uint16_t)(a->n - cnt);
		b->n = (uint16_t)(b->n + cnt);
	}
	a->max_last = vinner_max(a);
	b->max_last = vinner_max(b);
	q->child_max[ki] = a->max_last;
	q->child_max[ki + 1] = b->max_last;
}

/* p (at level) lost a child. */
static void vinner_shrunk(struct maprec *r, struct maprec_vinner *p,
			  unsigned int level)
{
	if (!p->parent) {
		if (p->n == 1)
			vroot_collapse(r);
	} else if (p->n < VINNER_MIN) {
		vinner_rebalance(r, p, level);
	}
}

/* Key ki and child ki + 1 of p are gone (merged into child ki, whose
 * child_max is set): what p holds is the same. */
static void vinner_drop(struct maprec *r, struct maprec_vinner *p,
			unsigned int ki, unsigned int level)
{
	unsigned int after = p->n - 2u - ki;

	vmove_keys(p, ki, p, ki + 1, after);
	vmove_children(p, ki + 1, p, ki + 2, after);
	p->n--;
	vinner_shrunk(r, p, level);
}

static RARE void vleaf_rebalance(struct maprec *r, struct maprec_vleaf *l)
{
	struct maprec_vinner *p = l->parent;
	unsigned int j = vchild_index(p, l), ki = j ? j - 1 : 0;
	struct maprec_vleaf *a = p->child[ki], *b = p->child[ki + 1];
	unsigned int total = a->n + b->n, cnt;
	struct maprec_vslot *first;

	if (total <= VLEAF_MERGE_MAX) {
		vleaf_compact(a);
		move_vslots(a, a->n, b, b->lo, b->n);
		a->n = (uint16_t)total;
		if (b->max_last > a->max_last)
			a->max_last = b->max_last;
		p->child_max[ki] = a->max_last;
		vleaf_unlink(r, b);
		vnode_give(r, b);
		vinner_drop(r, p, ki, 2);
		return;
	}
	if (a->n < b->n) {
		cnt = b->n - total / 2;
		vleaf_compact(a);
		move_vslots(a, a->n, b, b->lo, cnt);
		a->n = (uint16_t)(a->n + cnt);
		b->lo = (uint16_t)(b->lo + cnt);
		b->n = (uint16_t)(b->n - cnt);
	} else {
		cnt = a->n - total / 2;
		if (b->lo < cnt) {
			move_vslots(b, VA_SLOTS - b->n, b, b->lo, b->n);
			b->lo = (uint16_t)(VA_SLOTS - b->n);
		}
		move_vslots(b, b->lo - cnt, a, a->lo + a->n - cnt, cnt);
		b->lo = (uint16_t)(b->lo - cnt);
		b->n = (uint16_t)(b->n + cnt);
		a->n = (uint16_t)(a->n - cnt);
	}
	a->max_last = vleaf_max(a);
	b->max_last = vleaf_max(b);
	p->child_max[ki] = a->max_last;
	p->child_max[ki + 1] = b->max_last;
	first = vslot(b, 0);
	p->key_va[ki] = first->va;
	p->key_iova[ki] = first->ent->iova;
}

static RARE void vleaf_drop(struct maprec *r, struct maprec_vleaf *l)
{
	struct maprec_vinner *p = l->parent;
	unsigned int j = vchild_index(p, l);

	vleaf_unlink(r, l);
	vnode_give(r, l);
	if (j) {
		vinner_drop(r, p, j - 1, 2);
		return;
	}
	/* l held nothing: p's max_last stays */
	vmove_keys(p, 0, p, 1, p->n - 2u);
	vmove_children(p, 0, p, 1, p->n - 1u);
	p->n--;
	vinner_shrunk(r, p, 2);
}

/* The nodes of the subtree at node (of level) back to the spare list. */
static void va_give_subtree(struct maprec *r, void *node, unsigned int level)
{
	unsigned int i;

	if (level > 1) {
		struct maprec_vinner *p = node;

		for (i = 0; i < p->n; i++)
			va_give_subtree(r, p->child[i], level - 1);
	} else {
		struct maprec_vleaf *l = node;

		for (i = 0; i < l->n; i++)
			vslot(l, i)->ent->vleaf = NULL;
	}
	vnode_give(r, node);
}

static void va_drop(struct maprec *r)
{
	if (r->vroot)
		va_give_subtree(r, r->vroot, r->vheight);
	r->vroot = r->vfirst = r->vlast = NULL;
	r->vheight = 0;
	r->va_indexed = false;
}

/* The spare nodes an insert into the index needs at most: one per level
 * and a new root. */
static inline unsigned int va_need(const struct maprec *r)
{
	return r->vheight + 1u;
}

/*
 * The first untaken slot in (va, iova) order whose range holds x, from the
 * root down: each node's children are read in order, skipping those whose
 * ranges all end before x, until one's keys start above x (then so do
 * all after it). A taken range that holds x sends the walk on to the next
 * slot, up and down again if the leaf ends: taken mappings are few (being
 * unmapped now, and the hole).
 */
static const struct maprec_entry *va_stab(const struct maprec *r, uint64_t x)
{
	const void *n = r->vroot;
	unsigned int level = r->vheight, i = 0;
	const struct maprec_vinner *up;

	if (!n)
		return NULL;
	for (;;) {
		if (level > 1) {
			const struct maprec_vinner *p = n;

			while (i < p->n && p->child_max[i] < x)
				i++;
			if (i < p->n) {
				if (i && p->key_va[i - 1] > x)
					return NULL;
				n = p->child[i];
				level--;
				i = 0;
				continue;
			}
			up = p->parent;
		} else {
			const struct maprec_vleaf *l = n;

			for (; i < l->n; i++) {
				const struct maprec_vslot *s = &l->slot[l->lo + i];

				if (s->va > x)
					return NULL;
				if (s->last >= x && !s->ent->taken)
					return s->ent;
			}
			up = l->parent;
		}
		if (!up)
			return NULL;
		i = vchild_index(up, n) + 1;
		n = up;
		level++;
	}
}

/* The first slot whose va is at or above va (not 0): false if none. */
static bool va_lower_bound(const struct maprec *r, uint64_t va,
			   struct maprec_vleaf **lp, unsigned int *ip)
{
	void *n = r->vroot;
	struct maprec_vleaf *l;
	unsigned int level, i;

	if (!n)
		return false;
	for (level = r->vheight; level > 1; level--) {
		const struct maprec_vinner *p = n;

		n = p->child[keys_upto(p->key_va, 1, p->n - 1u, va - 1)];
	}
	l = n;
	i = keys_upto(&l->slot[l->lo].va, 3, l->n, va - 1);
	if (i == l->n) {
		l = l->next;
		i = 0;
	}
	*lp = l;
	*ip = i;
	return l != NULL;
}

static inline bool vslot_next(struct maprec_vleaf **lp, unsigned int *ip)
{
	if (++*ip < (*lp)->n)
		return true;
	*lp = (*lp)->next;
	*ip = 0;
	return *lp != NULL;
}

/* ---- the interface ---- */

void maprec_init(struct maprec *r)
{
	r->root = NULL;
	r->height = 0;
	r->first = r->last = r->finger = r->gap_leaf = NULL;
	r->gap_pos = 0;
	r->hole = NULL;
	r->finger_slot = 0;
	r->searches = 0;
	r->search_held = 0;
	r->hash = NULL;
	r->hash_mask = 0;
	r->hash_shift = 0;
	r->count = r->held = r->nodes = 0;
	r->vroot = r->vfirst = r->vlast = NULL;
	r->vheight = 0;
	r->va_nodes = 0;
	r->vstale = NULL;
	r->vs_min = UINT64_MAX;
	r->vs_max = 0;
	r->va_indexed = false;
	r->spare = NULL;
	r->nspare = 0;
	r->spare_nodes = NULL;
	r->nspare_nodes = 0;
}

static void free_subtree(void *node, unsigned int level)
{
	unsigned int i;

	if (level > 1) {
		struct maprec_inner *p = node;

		for (i = 0; i < p->n; i++)
			free_subtree(p->child[i], level - 1);
	} else {
		struct maprec_leaf *l = node;

		for (i = 0; i < l->n; i++)
			free(leaf_ent(l, i));
	}
	free(node);
}

static void free_vsubtree(void *node, unsigned int level)
{
	unsigned int i;

	if (level > 1) {
		struct maprec_vinner *p = node;

		for (i = 0; i < p->n; i++)
			free_vsubtree(p->child[i], level - 1);
	}
	free(node);
}

void maprec_fini(struct maprec *r)
{
	/* the index first: its leaves' entries are the tree's */
	if (r->vroot)
		free_vsubtree(r->vroot, r->vheight);
	if (r->root)
		free_subtree(r->root, r->height);
	free(r->vstale);
	while (r->spare) {
		struct maprec_entry *next = r->spare->next_taken;

		free(r->spare);
		r->spare = next;
	}
	while (r->spare_nodes) {
		union maprec_node *next = r->spare_nodes->next_spare;

		free(r->spare_nodes);
		r->spare_nodes = next;
	}
	free(r->hash);
	maprec_init(r);
}

static void entry_give(struct maprec *r, struct maprec_entry *e)
{
	if (r->nspare < MAPREC_SPARE_MAX) {
		e->next_taken = r->spare;
		r->spare = e;
		r->nspare++;
	} else {
		free(e);
	}
}

/* ---- the hole ---- */

/* Remove the hole's slot: an add that does not refill it, or another
 * release, is coming. */
static void hole_flush(struct maprec *r)
{
	struct maprec_entry *h = r->hole;

	r->hole = NULL;
	slot_remove(r, h);
	entry_give(r, h);
}

/* The same process memory at the same IOVA (unmapped and mapped again)
 * keeps the hole's slot by process address too: nothing there moves, and
 * no node is needed. */
static inline bool hole_keeps_vslot(const struct maprec_entry *h,
				    uint64_t iova, uintptr_t va)
{
	return h->vleaf && h->va == va && h->iova == iova;
}

/*
 * An add of [iova, last] into the hole's slot, in place: 0 if it went there,
 * 1 if it does not belong there (the hole is gone then, and the add takes
 * the usual way). It belongs there if it lies between the neighbouring
 * slots' mappings, taken ones too (a taken neighbour it overlaps is for
 * evict_taken), and, at either end of the leaf, on the hole's side of the
 * separator to the next leaf: a key below the leaf's first one may be below
 * its separator too, one above its last may be at or above the next leaf's.
 */
static inline __attribute__((always_inline)) int
hole_refill(struct maprec *r, uint64_t iova, uint64_t len, uint64_t last,
	    uintptr_t va, bool indexed)
{
	struct maprec_entry *h = r->hole;
	struct maprec_leaf *l = h->leaf;
	unsigned int pos = leaf_pos(h);
	uint64_t old_len;
	bool keep;

	if (pos ? iova_last(leaf_ent(l, pos - 1)) >= iova :
		  l->prev && iova < h->iova)
		goto elsewhere;
	if (pos + 1u < l->n ? leaf_key(l, pos + 1) <= last :
	    l->next && (iova > h->iova || leaf_key(l->next, 0) <= last))
		goto elsewhere;
	r->hole = NULL;
	if (r->hash && iova != h->iova) {
		hash_del(r, h->iova);
		hash_put(r, iova, h);
	}
	keep = indexed && hole_keeps_vslot(h, iova, va);
	if (indexed && h->vleaf && !keep)
		va_remove(r, h);
	l->slot[l->lo + pos].key = iova;
	old_len = h->len;
	h->iova = iova;
	h->len = len;
	h->va = va;
	h->taken = false;
	if (keep) {
		if (len != old_len)
			va_relast(h);
	} else if (indexed && va) {
		if (r->vstale)
			vstale_flush(r);
		va_insert(r, h);	/* maprec_add reserved its nodes */
	}
	r->count++;
	return 0;

elsewhere:
	hole_flush(r);
	return 1;
}

/*
 * [iova, last] overlaps a slot: -EEXIST if any slot there is a recorded
 * mapping's (then nothing changes, as maprec_add promises), else drop the
 * first taken mapping's slot there (0: look again). The kernel mapped over
 * it, so it has unmapped it: it will be released, never put back (release
 * skips a mapping without a slot).
 */
static RARE int evict_taken(struct maprec *r, uint64_t iova, uint64_t last)
{
	struct maprec_entry *e, *victim = NULL;
	struct maprec_leaf *l;
	unsigned int i;

	if (!slot_floor(r, iova, &l, &i)) {
		l = r->first;
		i = 0;
	}
	do {
		e = leaf_ent(l, i);
		if (iova_last(e) < iova)
			continue;
		if (e->iova > last)
			break;
		if (!e->taken)
			return -EEXIST;
		if (!victim)
			victim = e;
	} while (slot_next(&l, &i));
	if (!victim)
		return -EEXIST;
	slot_remove(r, victim);
	victim->leaf = NULL;
	return 0;
}

/* maprec_add of a valid range; indexed: r->va_indexed (a constant in each
 * copy, so that a record without the index costs what it did before it). */
static inline __attribute__((always_inline)) int
add(struct maprec *r, uint64_t iova, uint64_t len, uintptr_t va, bool indexed)
{
	struct maprec_leaf *l, *f;
	const struct maprec_entry *before = NULL;
	uint64_t last = iova + (len - 1);
	bool after = false;
	uint64_t after_key = 0;
	struct maprec_entry *e = NULL;
	unsigned int i, vneed = 0;
	bool stale;

	if (indexed && va)
		vneed = va_need(r);
	if (r->hole) {
		/* a refill that moves the hole's slot by process address may
		 * need the index's nodes: reserved first, and only then (an
		 * add that needs no memory must not fail for want of it) */
		if (vneed && !hole_keeps_vslot(r->hole, iova, va) &&
		    nodes_reserve(r, vneed))
			return -ENOMEM;
		if (!hole_refill(r, iova, len, last, va, indexed))
			return 0;
	}
	l = r->last;	/* after hole_refill, which may have merged leaves */
	/* Where it goes, and its neighbours. Beyond either end, at the slot
	 * of the last release, or strictly inside the leaf of the last take,
	 * the slot is found without a search: a key between two of a leaf's
	 * keys is within the leaf's separators. */
	if (!l) {
		i = 0;
	} else if (iova > leaf_key(l, l->n - 1u)) {
		i = l->n;
		before = leaf_ent(l, i - 1);
	} else if (iova < leaf_key(f = r->first, 0)) {
		l = f;
		i = 0;
		after = true;
		after_key = leaf_key(l, 0);
	} else {
		f = r->gap_leaf;
		i = r->gap_pos;
		if (f && i && i < f->n && leaf_key(f, i - 1) < iova &&
		    iova < leaf_key(f, i)) {
			/* back where the last release left a slot */
			l = f;
			goto found;
		}
		f = r->finger;
		if (f && f->n > 1 && iova > leaf_key(f, 0) &&
		    iova < leaf_key(f, f->n - 1u))
			l = f;
		else
			l = descend(r, iova);
		i = leaf_upto(l, iova);
found:
		if (i)
			before = leaf_ent(l, i - 1);
		else if (l->prev)
			before = leaf_ent(l->prev, l->prev->n - 1u);
		if (i < l->n) {
			after = true;
			after_key = leaf_key(l, i);
		} else if (l->next) {
			after = true;
			after_key = leaf_key(l->next, 0);
		}
	}
	if ((before && iova_last(before) >= iova) || (after && after_key <= last)) {
		if (evict_taken(r, iova, last))
			return -EEXIST;
		return maprec_add(r, iova, len, va);	/* look again */
	}

	/* The stale entry (maprec_release) with its slot by process address,
	 * if this maps its memory again and the slot may take the new key:
	 * then nothing in the index moves, and it needs no node there (known
	 * before the reservation, so that such an add cannot fail for want
	 * of one). Spare entries have no slot there. */
	stale = indexed && va && (e = r->vstale) && e->va == va &&
		vstale_fits(r, iova);
	if (stale)
		vneed = 0;
	if (nodes_reserve(r, (l ? split_need(l) : 1) + vneed))
		return -ENOMEM;
	if (stale) {
		r->vstale = NULL;
		if (e->len != len) {
			e->len = len;
			va_relast(e);
		}
	} else if ((e = r->spare)) {
		r->spare = e->next_taken;
		r->nspare--;
	} else {
		e = malloc(sizeof(*e));
		if (!e)
			return -ENOMEM;
		e->vleaf = NULL;
	}
	hash_reserve(r);
	e->iova = iova;
	e->len = len;
	e->va = va;
	e->next_taken = NULL;
	e->taken = false;
	if (!l) {
		l = &node_take(r)->leaf;
		l->parent = NULL;
		l->prev = l->next = NULL;
		l->lo = l->n = 0;
		r->root = r->first = r->last = l;
		r->height = 1;
		leaf_put(l, 0, iova, e);
	} else if (l->n == LEAF_SLOTS) {
		leaf_split_put(r, l, i, iova, e);
	} else {
		leaf_put(l, i, iova, e);
	}
	if (r->hash)
		hash_put(r, iova, e);
	if (vneed)
		va_add(r, e);
	r->count++;
	r->held++;
	return 0;
}

int maprec_add(struct maprec *r, uint64_t iova, uint64_t len, uintptr_t va)
{
	if (!range_ok(iova, len) || (va && !range_ok(va, len)))
		return -EINVAL;
	return r->va_indexed ? add(r, iova, len, va, true) :
			       add(r, iova, len, va, false);
}

static inline __attribute__((always_inline)) void
mark_taken(struct maprec *r, struct maprec_entry *e)
{
	e->taken = true;	/* its slots stay: lookups skip it */
	r->count--;
}

/* The slot after the last take's first one holds iova: its place. */
static inline bool after_finger(const struct maprec *r, uint64_t iova,
				struct maprec_leaf **lp, unsigned int *ip)
{
	struct maprec_leaf *l = r->finger;
	unsigned int s = r->finger_slot + 1u;

	if (!l)
		return false;
	if (s >= l->lo + l->n) {
		l = l->next;
		if (!l)
			return false;
		s = l->lo;
	}
	/* below lo, a slot holds what was cut: not a key */
	if (s < l->lo || l->slot[s].key != iova)
		return false;
	*lp = l;
	*ip = s - l->lo;
	return true;
}

/* The same before it: unmaps in descending IOVA order, and the newest
 * mapping while the hole is the last slot. */
static inline bool before_finger(const struct maprec *r, uint64_t iova,
				 struct maprec_leaf **lp, unsigned int *ip)
{
	struct maprec_leaf *l = r->finger;
	unsigned int s = r->finger_slot;

	if (!l || s >= l->lo + l->n)
		return false;
	if (s <= l->lo) {
		l = l->prev;
		if (!l)
			return false;
		s = l->lo + l->n;
	}
	s--;
	if (l->slot[s].key != iova)
		return false;
	*lp = l;
	*ip = s - l->lo;
	return true;
}

/*
 * A take had to search: after HASH_AFTER of them in a record of at least
 * HASH_MIN slots the index by start is built, unless the record shrank by
 * half as many meanwhile. A record whose unmaps follow its ends or each
 * other never needs it, and one being emptied in random order would build
 * it only to free it (each search then removes a slot anyway, which touches
 * the leaf the search reads).
 */
static inline bool hash_wanted(struct maprec *r)
{
	if (r->hash || r->held < HASH_MIN)
		return false;
	if (!r->searches++)
		r->search_held = r->held;
	if (r->searches < HASH_AFTER)
		return false;
	r->searches = 0;
	return r->held + HASH_AFTER / 2 >= r->search_held && hash_build(r);
}

int maprec_take(struct maprec *r, uint64_t iova, uint64_t len,
		struct maprec_entry **taken, const struct maprec_entry **cut)
{
	struct maprec_entry *first, *last_taken, *e, **tail;
	struct maprec_leaf *l, *fl;
	unsigned int i, fi;
	uint64_t last;

	*taken = NULL;
	if (!range_ok(iova, len))
		return -EINVAL;
	last = iova + (len - 1);
	l = r->first;
	if (!l)
		return -ENOENT;

	/* Once takes at random have built the index by start, it finds any
	 * mapping's start. Before: an unmap at either end of the record, from
	 * a mapping's start (the usual unmap of the oldest or the newest
	 * mapping), or of the mapping after the last one taken, needs no
	 * search */
	if (r->hash && (e = hash_find(r, iova))) {
		l = e->leaf;
		i = leaf_pos(e);
	} else if (leaf_key(l, 0) == iova) {
		i = 0;
	} else if (leaf_key(r->last, r->last->n - 1u) == iova) {
		l = r->last;
		i = l->n - 1u;
	} else if (after_finger(r, iova, &l, &i) ||
		   before_finger(r, iova, &l, &i)) {
		/* next to the last take's slot: unmaps in IOVA order */
	} else if (hash_wanted(r) && (e = hash_find(r, iova))) {
		/* a mapping's start, at random: from now on the table */
		l = e->leaf;
		i = leaf_pos(e);
	} else if ((l = r->finger) && iova >= leaf_key(l, 0) &&
		   iova <= leaf_key(l, l->n - 1u)) {
		/* near the last take: unmaps in order walk a leaf */
		i = leaf_upto(l, iova) - 1;
	} else if (!slot_floor(r, iova, &l, &i)) {
		l = r->first;
		i = 0;
		goto after_floor;
	}
	first = leaf_ent(l, i);
	if (first->iova == iova && iova_last(first) == last && !first->taken) {
		/* exactly one whole mapping: the usual unmap */
		mark_taken(r, first);
		first->slot = (uint16_t)(l->lo + i);
		first->next_taken = NULL;
		*taken = first;
		r->finger = l;
		r->finger_slot = l->lo + i;
		return 0;
	}
	if (!first->taken && iova_last(first) >= iova) {
		if (first->iova < iova)
			goto cut_it;
	} else {
		/* the floor ends before iova, or is another unmap's */
		if (!slot_next(&l, &i))
			return -ENOENT;
after_floor:
		first = live_from(&l, &i);
		if (!first || first->iova > last)
			return -ENOENT;
	}
	fl = l;
	fi = i;

	/* Find the last mapping that starts in the range: the slots after it
	 * are needed only while the range reaches past the current one. */
	last_taken = first;
	while (iova_last(last_taken) < last && slot_next(&l, &i)) {
		e = leaf_ent(l, i);
		if (e->iova > last)
			break;
		if (!e->taken)
			last_taken = e;
	}
	if (iova_last(last_taken) > last) {
		first = last_taken;
		goto cut_it;
	}

	r->finger = fl;
	r->finger_slot = fl->lo + fi;
	tail = taken;
	for (l = fl, i = fi;; slot_next(&l, &i)) {
		e = leaf_ent(l, i);
		if (e->taken)
			continue;
		mark_taken(r, e);
		e->slot = (uint16_t)(l->lo + i);
		e->next_taken = NULL;
		*tail = e;
		tail = &e->next_taken;
		if (e == last_taken)
			break;
	}
	return 0;

cut_it:
	if (cut)
		*cut = first;
	return -EXDEV;
}

void maprec_put_back(struct maprec *r, struct maprec_entry *taken)
{
	while (taken) {
		struct maprec_entry *next = taken->next_taken;

		/* its slots are still in both trees: nothing to allocate */
		taken->taken = false;
		taken->next_taken = NULL;
		r->count++;
		taken = next;
	}
}

/* e, taken, goes from the tree by IOVA, and stays in the index by process
 * address, stale (its IOVA is gone, it stays taken), until the next add:
 * the same buffer is often mapped again at once, and reusing the slot
 * moves nothing in the index. */
static void release_vstale(struct maprec *r, struct maprec_entry *e)
{
	if (r->vstale)
		vstale_flush(r);
	iova_remove(r, e);
	e->leaf = NULL;
	r->vstale = e;
	if (!r->root)
		vstale_flush(r);	/* as tree_empty */
	else
		vstale_bounds(r);
}

void maprec_release(struct maprec *r, struct maprec_entry *taken)
{
	while (taken) {
		struct maprec_entry *next = taken->next_taken;

		if (!taken->leaf) {
			entry_give(r, taken);	/* mapped over: no slot */
		} else {
			if (r->hole)
				hole_flush(r);
			/* The lowest slot goes at once: the kernel hands out
			 * IOVAs upwards, so unmaps of the oldest mapping are
			 * seldom followed by a map there, and that removal
			 * moves nothing. So does the last slot: an empty
			 * record holds no node. */
			if (taken->leaf == r->first &&
			    leaf_ent(taken->leaf, 0) == taken) {
				if (taken->vleaf) {
					release_vstale(r, taken);
				} else {
					iova_remove(r, taken);
					entry_give(r, taken);
				}
			} else {
				taken->next_taken = NULL;
				r->hole = taken;
			}
		}
		taken = next;
	}
}

const struct maprec_entry *maprec_find_iova(const struct maprec *r,
					    uint64_t iova)
{
	struct maprec_leaf *l;
	unsigned int i;
	const struct maprec_entry *e;

	if (!slot_floor(r, iova, &l, &i))
		return NULL;
	e = leaf_ent(l, i);
	return !e->taken && iova_last(e) >= iova ? e : NULL;
}

void maprec_set_prot(struct maprec *r, uint64_t iova, uint8_t prot)
{
	struct maprec_leaf *l;
	unsigned int i;

	if (slot_floor(r, iova, &l, &i))
		leaf_ent(l, i)->prot = prot;
}

const struct maprec_entry *maprec_find_overlap(const struct maprec *r,
					       uint64_t iova, uint64_t len)
{
	struct maprec_leaf *l;
	unsigned int i;
	const struct maprec_entry *e;

	if (!range_ok(iova, len) || !r->root)
		return NULL;
	if (!slot_floor(r, iova, &l, &i)) {
		l = r->first;
		i = 0;
	}
	/* the floor, or the first live mapping after it */
	e = live_from(&l, &i);
	if (e && iova_last(e) < iova)
		e = slot_next(&l, &i) ? live_from(&l, &i) : NULL;
	return e && e->iova <= iova + (len - 1) ? e : NULL;
}

/* Index every entry with process memory that has a slot (taken ones too);
 * from now on maprec_add and slot_remove keep the index current. */
int maprec_va_index(struct maprec *r)
{
	struct maprec_leaf *l;
	unsigned int i;

	if (r->va_indexed)
		return 0;
	r->va_indexed = true;
	for (l = r->first; l; l = l->next)
		for (i = 0; i < l->n; i++) {
			struct maprec_entry *e = leaf_ent(l, i);

			if (!e->va)
				continue;
			if (nodes_reserve(r, va_need(r))) {
				va_drop(r);
				return -ENOMEM;
			}
			va_insert(r, e);
		}
	return 0;
}

const struct maprec_entry *maprec_find_va(const struct maprec *r,
					  uintptr_t va)
{
	/* no mapping has process memory at 0 */
	return r->va_indexed && va ? va_stab(r, va) : NULL;
}

int maprec_take_va(struct maprec *r, uintptr_t va, uint64_t len,
		   struct maprec_entry **taken, const struct maprec_entry **cut)
{
	const struct maprec_entry *c;
	struct maprec_entry *e, *head = NULL, **tail = &head;
	struct maprec_vleaf *l;
	unsigned int i;
	uint64_t last;
	int ret;

	*taken = NULL;
	if (!range_ok(va, len))
		return -EINVAL;
	ret = maprec_va_index(r);
	if (ret)
		return ret;
	last = (uint64_t)va + (len - 1);
	/* the lowest mapping that contains va: one that starts before va
	 * sticks out */
	c = maprec_find_va(r, va);
	if (c && c->va < va)
		goto cut_it;
	/* collect first: a cut found later takes nothing */
	if (va_lower_bound(r, va ? va : 1, &l, &i))
		do {
			const struct maprec_vslot *s = vslot(l, i);

			if (s->va > last)
				break;
			e = s->ent;
			if (e->taken)
				continue;
			if (s->last > last) {
				c = e;
				goto cut_it;
			}
			e->next_taken = NULL;
			*tail = e;
			tail = &e->next_taken;
		} while (vslot_next(&l, &i));
	if (!head)
		return -ENOENT;
	for (e = head; e; e = e->next_taken) {
		mark_taken(r, e);
		e->slot = (uint16_t)(e->leaf->lo + leaf_pos(e));
	}
	*taken = head;
	return 0;

cut_it:
	if (cut)
		*cut = c;
	return -EXDEV;
}

const struct maprec_entry *maprec_first(const struct maprec *r)
{
	struct maprec_leaf *l = r->first;
	unsigned int i = 0;

	return l ? live_from(&l, &i) : NULL;
}

/* Backwards from the last slot over taken ones: as many as are in flight. */
const struct maprec_entry *maprec_last(const struct maprec *r)
{
	const struct maprec_leaf *l;
	unsigned int i;

	for (l = r->last; l; l = l->prev)
		for (i = l->n; i-- > 0;)
			if (!leaf_ent(l, i)->taken)
				return leaf_ent(l, i);
	return NULL;
}

const struct maprec_entry *maprec_next(const struct maprec_entry *e)
{
	struct maprec_leaf *l = e->leaf;
	unsigned int i = leaf_pos(e);

	return slot_next(&l, &i) ? live_from(&l, &i) : NULL;
}

size_t maprec_bytes(const struct maprec *r)
{
	return (r->held + r->nspare + !!r->vstale) * sizeof(struct maprec_entry) +
	       (r->nodes + r->va_nodes + r->nspare_nodes) *
	       sizeof(union maprec_node) +
	       (r->hash ? (r->hash_mask + 1) * sizeof(*r->hash) : 0);
}
