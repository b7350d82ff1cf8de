/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * An intrusive AVL tree with parent pointers, so that walking and erasing
 * need neither recursion nor a stack. The caller searches and links (its
 * comparison stays inline in its own loop); this file keeps the tree
 * balanced and, for a caller whose nodes carry a value computed from their
 * subtree (an interval tree's largest end), keeps that value current.
 *
 * Everything is inline and always_inline: each caller passes its augment
 * callback as a constant (or NULL), so the compiler builds a copy with the
 * callback folded in, and a tree without one pays nothing for the feature.
 */
#ifndef LIBPASID_AVL_H
#define LIBPASID_AVL_H

#include <stdbool.h>
#include <stddef.h>

/* child[0] is the left (smaller) side, child[1] the right: one piece of code
 * serves a case and its mirror image. */
struct avl_node {
	struct avl_node *child[2], *parent;
	int height;		/* of the subtree: 1 for a leaf, NULL counts 0 */
};

/*
 * Recompute n's augmented value from n itself and its children (whose values
 * are current); true if the value changed, so that the ancestors need it too.
 */
typedef bool avl_augment_fn(struct avl_node *n);

#define AVL_INLINE static inline __attribute__((always_inline))

AVL_INLINE int avl_height(const struct avl_node *n)
{
	return n ? n->height : 0;
}

/* Hang the new leaf n on parent's side (or at the root if parent is NULL). */
AVL_INLINE void avl_link(struct avl_node **root, struct avl_node *n,
			 struct avl_node *parent, int side)
{
	n->child[0] = n->child[1] = NULL;
	n->parent = parent;
	n->height = 1;
	if (parent)
		parent->child[side] = n;
	else
		*root = n;
}

AVL_INLINE struct avl_node *avl_first(struct avl_node *root)
{
	if (root)
		while (root->child[0])
			root = root->child[0];
	return root;
}

/* In-order neighbour on side (1: successor, 0: predecessor): amortized
 * O(1) over a whole walk. */
AVL_INLINE struct avl_node *avl_step(const struct avl_node *n, int side)
{
	struct avl_node *p;

	if (n->child[side]) {
		n = n->child[side];
		while (n->child[!side])
			n = n->child[!side];
		return (struct avl_node *)n;
	}
	while ((p = n->parent) && n == p->child[side])
		n = p;
	return p;
}

AVL_INLINE struct avl_node *avl_next(const struct avl_node *n)
{
	return avl_step(n, 1);
}

/* Point whatever pointed at old (its parent's child pointer, or the root)
 * at new. */
AVL_INLINE void avl_replace_child(struct avl_node **root,
				  struct avl_node *parent,
				  const struct avl_node *old,
				  struct avl_node *new)
{
	if (!parent)
		*root = new;
	else
		parent->child[parent->child[1] == old] = new;
}

AVL_INLINE void avl_update_height(struct avl_node *n)
{
	int hl = avl_height(n->child[0]), hr = avl_height(n->child[1]);

	n->height = (hl > hr ? hl : hr) + 1;
}

/* x's child on side up takes x's place; x becomes its child on the other
 * side, and the child's inner subtree moves over to x. Only the links: the
 * heights are the caller's. */
AVL_INLINE struct avl_node *avl_rotate_links(struct avl_node **root,
					     struct avl_node *x, int up)
{
	struct avl_node *y = x->child[up], *parent = x->parent;
	struct avl_node *inner = y->child[!up];

	x->child[up] = inner;
	if (inner)
		inner->parent = x;
	y->child[!up] = x;
	x->parent = y;
	y->parent = parent;
	avl_replace_child(root, parent, x, y);
	return y;
}

/* The same, with the heights and augmented values of both nodes. */
AVL_INLINE struct avl_node *avl_rotate(struct avl_node **root,
				       struct avl_node *x, int up,
				       avl_augment_fn *augment)
{
	struct avl_node *y = avl_rotate_links(root, x, up);

	avl_update_height(x);
	avl_update_height(y);
	if (augment) {
		augment(x);
		augment(y);
	}
	return y;
}

/*
 * Restore the AVL property at n, whose children are balanced and differ in
 * height by at most two, and set its height. Returns the subtree's new top
 * (n unless it rotated). Rotations recompute the augmented values of the
 * nodes they move; n's own is the caller's business when nothing rotated.
 */
AVL_INLINE struct avl_node *avl_rebalance(struct avl_node **root,
					  struct avl_node *n,
					  avl_augment_fn *augment)
{
	int hl = avl_height(n->child[0]), hr = avl_height(n->child[1]);

	if (hl > hr + 1 || hr > hl + 1) {
		int heavy = hr > hl;
		struct avl_node *c = n->child[heavy];

		/* a child heavy on the inner side first turns outward */
		if (avl_height(c->child[heavy]) < avl_height(c->child[!heavy]))
			avl_rotate(root, c, !heavy, augment);
		return avl_rotate(root, n, heavy, augment);
	}
	n->height = (hl > hr ? hl : hr) + 1;
	return n;
}

/*
 * After avl_link: walk up from the new leaf while subtrees grow. Only the
 * sibling's height is needed on the way, since the side that grew is the one
 * the walk came from; the walk stops at a parent that was already taller, or
 * after the one rotation (which gives the subtree back its old height). The
 * caller has already raised the augmented values on the path, on its way
 * down: an insert can only raise them.
 *
 * The heights after the rotation are known without reading a child: n has
 * grown to h, its sibling is h - 2, and of n's children the taller is h - 1
 * and the other h - 2. Turned outward, the node that comes up is h and both
 * below it h - 1 (in a single rotation n stays h and p becomes h - 1).
 */
AVL_INLINE void avl_insert_rebalance(struct avl_node **root,
				     struct avl_node *n,
				     avl_augment_fn *augment)
{
	struct avl_node *p;
	int h = 1;

	for (p = n->parent; p && p->height == h; n = p, p = p->parent) {
		int side = p->child[1] == n;

		if (avl_height(p->child[!side]) + 1 < h) {
			struct avl_node *c = n->child[!side];

			p->height = h - 1;
			if (avl_height(c) > avl_height(n->child[side])) {
				/* n is heavy on its inner side: c comes up */
				avl_rotate_links(root, n, !side);
				avl_rotate_links(root, p, side);
				n->height = h - 1;
				c->height = h;
				if (augment) {
					augment(n);
					augment(p);
					augment(c);
				}
			} else {
				avl_rotate_links(root, p, side);
				if (augment) {
					augment(p);
					augment(n);
				}
			}
			break;
		}
		p->height = ++h;
	}
}

/*
 * Unlink n and rebalance. A node with two children is replaced by its
 * successor, which moves into n's place; the walk up starts where the tree
 * actually lost a node and stops once neither a height nor an augmented
 * value changes, but not before it has passed the moved successor: that
 * one's augmented value described its old, smaller subtree, so whether it
 * changed says nothing about the ancestors, which were made of n's.
 */
AVL_INLINE void avl_erase(struct avl_node **root, struct avl_node *n,
			  avl_augment_fn *augment)
{
	struct avl_node *parent = n->parent, *start, *moved = NULL;

	if (n->child[0] && n->child[1]) {
		struct avl_node *s = n->child[1];

		while (s->child[0])
			s = s->child[0];
		if (s == n->child[1]) {
			start = s;
		} else {
			start = s->parent;
			start->child[0] = s->child[1];
			if (s->child[1])
				s->child[1]->parent = start;
			s->child[1] = n->child[1];
			n->child[1]->parent = s;
		}
		s->child[0] = n->child[0];
		n->child[0]->parent = s;
		s->parent = parent;
		s->height = n->height;
		avl_replace_child(root, parent, n, s);
		if (augment)
			moved = s;
	} else {
		struct avl_node *child = n->child[0] ? n->child[0] : n->child[1];

		if (child)
			child->parent = parent;
		avl_replace_child(root, parent, n, child);
		start = parent;
	}

	while (start) {
		int before = start->height;
		struct avl_node *top = avl_rebalance(root, start, augment);
		bool value_changed = false;

		if (augment)
			value_changed = top != start || augment(start);
		if (moved) {
			value_changed = true;
			if (start == moved)
				moved = NULL;
		}
		if (top->height == before && !value_changed)
			break;
		start = top->parent;
	}
}

#endif
