/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The mapping record (lib/maprec.c) on its own: edge cases at the top of the
 * IOVA and process spaces, the take semantics, and a randomized differential
 * test against a plain array that is obviously right, with both indexes'
 * invariants checked as it goes (the B+tree by IOVA: parents, separators,
 * order, the leaf list, fill and depth; the B+tree by process address:
 * the same, its (va, iova) order and max_last), and the B+trees' splits,
 * merges and allocation failures at every position.
 */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "maprec.h"

#define PAGE 4096ull

/* Every malloc and calloc of the record (and of this file) goes through
 * here: after malloc_budget more successes one fails; negative: none
 * fails. */
static long malloc_budget = -1;
/* And every malloc of at least this many bytes fails (the index by start's
 * table; nodes and entries are smaller). */
static size_t malloc_fail_size = SIZE_MAX;

void *__real_malloc(size_t n);
void *__wrap_malloc(size_t n);

void *__wrap_malloc(size_t n)
{
	if (malloc_budget == 0 || n >= malloc_fail_size)
		return NULL;
	if (malloc_budget > 0)
		malloc_budget--;
	return __real_malloc(n);
}

void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);

/* The same for calloc (the compiler may make a malloc and memset one). */
void *__wrap_calloc(size_t n, size_t size)
{
	if (malloc_budget == 0 || (size && n >= malloc_fail_size / size))
		return NULL;
	if (malloc_budget > 0)
		malloc_budget--;
	return __real_calloc(n, size);
}

/*
 * check's ck_assert records its place through a syscall even when the
 * assertion holds, which is most of the time of a test that asserts millions
 * of times; these check first and only call check to fail.
 */
#define expect_msg(cond, ...) do {					\
	if (!(cond))							\
		ck_abort_msg(__VA_ARGS__);				\
} while (0)
#define expect(cond) \
	expect_msg(cond, "expected %s", #cond)
#define expect_cmp(a, op, b) do {					\
	intmax_t a_ = (intmax_t)(a), b_ = (intmax_t)(b);		\
	expect_msg((uintmax_t)a_ op (uintmax_t)b_,			\
		   "expected %s %s %s: %jd, %jd (%#jx, %#jx)",		\
		   #a, #op, #b, a_, b_,					\
		   (uintmax_t)a_, (uintmax_t)b_);			\
} while (0)
#define expect_eq(a, b) expect_cmp(a, ==, b)
#define expect_ne(a, b) expect_cmp(a, !=, b)
#define expect_lt(a, b) expect_cmp(a, <, b)
#define expect_le(a, b) expect_cmp(a, <=, b)
#define expect_ge(a, b) expect_cmp(a, >=, b)
#define expect_gt(a, b) expect_cmp(a, >, b)
#define expect_null(p) expect((p) == NULL)
#define expect_nonnull(p) expect((p) != NULL)
#define expect_ptr_eq(p, q) expect((p) == (q))

#define ENTRY(node, member) ((const struct maprec_entry *)		\
	((const char *)(node) - offsetof(struct maprec_entry, member)))

/* ---- the invariants of both trees ---- */

static uint64_t last_iova(const struct maprec_entry *e)
{
	return e->iova + (e->len - 1);
}

static uint64_t last_va(const struct maprec_entry *e)
{
	return (uint64_t)e->va + (e->len - 1);
}

/* What a walk of the B+tree collects. */
struct btree_walk {
	const struct maprec_entry *prev;	/* the previous slot's entry */
	const struct maprec_leaf *prev_leaf;	/* the previous leaf */
	size_t slots, live, nodes;
	/* per level (1: leaves), the nodes seen, and where the underfull
	 * ones were among them */
	size_t at_level[16], thin[16], thin_index[16][2];
};

/*
 * The subtree at node (of level, under parent) holds keys in [lo, hi)
 * (lo_set, hi_set: bounded on that side), every slot in order and disjoint
 * from the previous one, taken slots too, each entry pointing at its leaf,
 * the leaves a list in the same order. A node under a quarter full may only
 * be at either end of its level, which keeps the height logarithmic.
 */
static void check_node(const struct maprec *r, const void *node,
		       unsigned int level, const struct maprec_inner *parent,
		       bool lo_set, uint64_t lo, bool hi_set, uint64_t hi,
		       struct btree_walk *w)
{
	unsigned int i, n;

	expect_lt(level, 16);
	w->nodes++;
	if (level == 1) {
		const struct maprec_leaf *l = node;

		expect_ptr_eq(l->parent, parent);
		expect_ptr_eq(l->prev, w->prev_leaf);
		if (w->prev_leaf)
			expect_ptr_eq(w->prev_leaf->next, l);
		else
			expect_ptr_eq(r->first, l);
		expect_ge(l->n, 1);
		expect_le(l->lo + l->n, MAPREC_LEAF_SLOTS);
		for (i = 0; i < l->n; i++) {
			const struct maprec_entry *e = l->slot[l->lo + i].ent;

			expect_eq(l->slot[l->lo + i].key, e->iova);
			expect_ptr_eq(e->leaf, l);
			if (lo_set)
				expect_ge(e->iova, lo);
			if (hi_set)
				expect_lt(e->iova, hi);
			if (w->prev)
				expect_lt(last_iova(w->prev), e->iova);
			expect_ne(e->len, 0);
			expect_ge(last_iova(e), e->iova);
			w->prev = e;
			w->slots++;
			w->live += !e->taken;
		}
		w->prev_leaf = l;
		n = l->n;
	} else {
		const struct maprec_inner *p = node;

		expect_ptr_eq(p->parent, parent);
		expect_ge(p->n, 1);
		expect_le(p->n, MAPREC_FANOUT);
		for (i = 0; i + 1 < p->n; i++) {
			if (i)
				expect_lt(p->key[i - 1], p->key[i]);
			if (lo_set)
				expect_ge(p->key[i], lo);
			if (hi_set)
				expect_lt(p->key[i], hi);
		}
		for (i = 0; i < p->n; i++)
			check_node(r, p->child[i], level - 1, p,
				   i ? true : lo_set, i ? p->key[i - 1] : lo,
				   i + 1 < p->n ? true : hi_set,
				   i + 1 < p->n ? p->key[i] : hi, w);
		n = p->n;
	}
	if (parent && n < MAPREC_FANOUT / 4) {
		expect_msg(w->thin[level] < 2, "three thin nodes on level %u",
			   level);
		w->thin_index[level][w->thin[level]++] = w->at_level[level];
	}
	w->at_level[level]++;
}

static void check_btree(const struct maprec *r)
{
	struct btree_walk w = { 0 };
	unsigned int level, i;

	if (!r->root) {
		expect_eq(r->height, 0);
		expect_null(r->first);
		expect_null(r->last);
		expect_eq(r->held, 0);
		expect_eq(r->count, 0);
		expect_eq(r->nodes, 0);
		return;
	}
	check_node(r, r->root, r->height, NULL, false, 0, false, 0, &w);
	expect_ptr_eq(r->last, w.prev_leaf);
	expect_null(w.prev_leaf->next);
	expect_eq(w.slots, r->held);
	expect_eq(w.live, r->count);
	expect_eq(w.nodes, r->nodes);
	/* a thin node is the first or the last of its level */
	for (level = 1; level <= r->height; level++)
		for (i = 0; i < w.thin[level]; i++)
			expect(w.thin_index[level][i] == 0 ||
			       w.thin_index[level][i] == w.at_level[level] - 1);
}

/* The height a B+tree of n slots may have: every node but the two at the
 * ends of a level at least a quarter full. */
static unsigned int btree_height_max(size_t n)
{
	unsigned int h = 1;
	size_t width = MAPREC_FANOUT / 4;

	while (n > 2 + width) {
		h++;
		n = n / (MAPREC_FANOUT / 4) + 2;
	}
	return h + 1;
}

/* (va, iova) order, the order of the index by process address */
static bool va_key_less(uint64_t va, uint64_t iova, uint64_t va2,
			uint64_t iova2)
{
	return va < va2 || (va == va2 && iova < iova2);
}

/* What a walk of the index by process address collects. */
struct vtree_walk {
	const struct maprec_entry *prev;	/* the previous slot's entry */
	const struct maprec_vleaf *prev_leaf;
	size_t slots, nodes;
	size_t at_level[16], thin[16], thin_index[16][2];
};

/*
 * The subtree at node (of level, under parent) holds keys in [lo, hi) by
 * (va, iova), every slot in order after the previous one (so each entry
 * once), each slot's va and last its entry's, each entry pointing at its
 * leaf and having a slot by IOVA too; every node's max_last the largest
 * last byte under it, and each inner node's child_max its children's. As in
 * check_node, only the ends of a level may be under a quarter full.
 * Returns the subtree's largest last byte.
 */
static uint64_t check_vnode(const struct maprec *r, const void *node,
			    unsigned int level, const struct maprec_vinner *parent,
			    bool lo_set, uint64_t lo_va, uint64_t lo_iova,
			    bool hi_set, uint64_t hi_va, uint64_t hi_iova,
			    struct vtree_walk *w)
{
	unsigned int i, n, fanout;
	uint64_t max = 0;

	expect_lt(level, 16);
	w->nodes++;
	if (level == 1) {
		const struct maprec_vleaf *l = node;

		expect_ptr_eq(l->parent, parent);
		expect_ptr_eq(l->prev, w->prev_leaf);
		if (w->prev_leaf)
			expect_ptr_eq(w->prev_leaf->next, l);
		else
			expect_ptr_eq(r->vfirst, l);
		expect_ge(l->n, 1);
		expect_le(l->lo + l->n, MAPREC_VA_SLOTS);
		for (i = 0; i < l->n; i++) {
			const struct maprec_vslot *sl = &l->slot[l->lo + i];
			const struct maprec_entry *e = sl->ent;

			expect_nonnull(e);
			expect_ptr_eq(e->vleaf, l);
			/* the stale one has no slot by IOVA */
			expect(e->leaf ? true : e == r->vstale);
			expect_ne(e->va, 0);
			expect_eq(sl->va, e->va);
			expect_eq(sl->last, last_va(e));
			if (lo_set)
				expect(!va_key_less(e->va, e->iova, lo_va, lo_iova));
			if (hi_set)
				expect(va_key_less(e->va, e->iova, hi_va, hi_iova));
			if (w->prev)
				expect_msg(va_key_less(w->prev->va, w->prev->iova,
						       e->va, e->iova),
					   "index by process address out of order at va %#jx",
					   (uintmax_t)e->va);
			if (sl->last > max)
				max = sl->last;
			w->prev = e;
			w->slots++;
		}
		w->prev_leaf = l;
		expect_eq(l->max_last, max);
		n = l->n;
		fanout = MAPREC_VA_SLOTS;
	} else {
		const struct maprec_vinner *p = node;

		expect_ptr_eq(p->parent, parent);
		expect_ge(p->n, parent ? 1 : 2);
		expect_le(p->n, MAPREC_VA_FANOUT);
		for (i = 0; i + 1 < p->n; i++) {
			if (i)
				expect(va_key_less(p->key_va[i - 1], p->key_iova[i - 1],
						   p->key_va[i], p->key_iova[i]));
			if (lo_set)
				expect(!va_key_less(p->key_va[i], p->key_iova[i],
						    lo_va, lo_iova));
			if (hi_set)
				expect(va_key_less(p->key_va[i], p->key_iova[i],
						   hi_va, hi_iova));
		}
		for (i = 0; i < p->n; i++) {
			bool has_lo = i ? true : lo_set, has_hi = i + 1 < p->n ? true : hi_set;
			uint64_t c = check_vnode(r, p->child[i], level - 1, p,
					has_lo, i ? p->key_va[i - 1] : lo_va,
					i ? p->key_iova[i - 1] : lo_iova,
					has_hi, i + 1 < p->n ? p->key_va[i] : hi_va,
					i + 1 < p->n ? p->key_iova[i] : hi_iova, w);

			expect_eq(p->child_max[i], c);
			if (c > max)
				max = c;
		}
		expect_eq(p->max_last, max);
		n = p->n;
		fanout = MAPREC_VA_FANOUT;
	}
	if (parent && n < fanout / 4) {
		expect_msg(w->thin[level] < 2,
			   "three thin nodes on level %u by process address",
			   level);
		w->thin_index[level][w->thin[level]++] = w->at_level[level];
	}
	w->at_level[level]++;
	return max;
}

/* The height a tree of n slots may have whose nodes, but the two at the
 * ends of each level, hold at least a quarter of the slots (or
 * children) of the largest kind. */
static unsigned int vtree_height_max(size_t n)
{
	unsigned int h = 1;

	n = n / (MAPREC_VA_SLOTS / 4) + 2;
	while (n > 2) {
		h++;
		n = n / (MAPREC_VA_FANOUT / 4) + 2;
	}
	return h + 1;
}

/* The IOVAs the stale slot may take at once (vs_min to vs_max, when the
 * range is set): its neighbours in the leaf as they are now still allow
 * them, and the slot hint is exact. A move of slots that did not reset the
 * range (an insert while the slot is stale) fails here. */
static void check_vstale_bounds(const struct maprec *r)
{
	const struct maprec_entry *e = r->vstale;
	const struct maprec_vleaf *v = e->vleaf;
	unsigned int i;

	if (r->vs_min > r->vs_max)
		return;
	for (i = 0; i < v->n && v->slot[v->lo + i].ent != e; i++)
		;
	expect_lt(i, v->n);
	expect_eq(e->vslot, v->lo + i);
	if (i) {
		const struct maprec_vslot *p = &v->slot[v->lo + i - 1];

		expect(va_key_less(p->va, p->ent->iova, e->va, r->vs_min));
	} else {
		expect_eq(r->vs_min, e->iova);
	}
	if (i + 1u < v->n) {
		const struct maprec_vslot *n = &v->slot[v->lo + i + 1];

		expect(va_key_less(e->va, r->vs_max, n->va, n->ent->iova));
	} else {
		expect_eq(r->vs_max, e->iova);
	}
}

/*
 * The index by process address: none unless built; once built, exactly the
 * entries with process memory that have a slot by IOVA (taken ones and the
 * hole too) and the stale entry, each in the leaf it points at.
 */
static void check_va_index(const struct maprec *r)
{
	struct vtree_walk w = { 0 };
	const struct maprec_leaf *l;
	size_t with_va = 0;
	unsigned int level, i, j;

	for (l = r->first; l; l = l->next)
		for (i = 0; i < l->n; i++) {
			const struct maprec_entry *e = l->slot[l->lo + i].ent;
			const struct maprec_vleaf *v = e->vleaf;

			if (!r->va_indexed || !e->va) {
				expect_null(v);
				continue;
			}
			with_va++;
			expect_nonnull(v);
			for (j = 0; j < v->n && v->slot[v->lo + j].ent != e; j++)
				;
			expect_lt(j, v->n);
		}
	if (r->vstale) {
		expect(r->va_indexed);
		expect(r->vstale->taken);
		expect_null(r->vstale->leaf);
		expect_nonnull(r->vstale->vleaf);
		with_va++;
		check_vstale_bounds(r);
	}
	if (!r->vroot) {
		expect_eq(r->vheight, 0);
		expect_null(r->vfirst);
		expect_null(r->vlast);
		expect_eq(r->va_nodes, 0);
		expect_eq(with_va, 0);
		return;
	}
	expect(r->va_indexed);
	check_vnode(r, r->vroot, r->vheight, NULL, false, 0, 0, false, 0, 0, &w);
	expect_ptr_eq(r->vlast, w.prev_leaf);
	expect_null(w.prev_leaf->next);
	expect_eq(w.slots, with_va);
	expect_eq(w.nodes, r->va_nodes);
	expect_le(r->vheight, vtree_height_max(w.slots));
	for (level = 1; level <= r->vheight; level++)
		for (i = 0; i < w.thin[level]; i++)
			expect(w.thin_index[level][i] == 0 ||
			       w.thin_index[level][i] == w.at_level[level] - 1);
}

/* A lookup by process address, the index built first (as the library's
 * callers do). */
static const struct maprec_entry *find_va(struct maprec *r, uintptr_t va)
{
	expect_eq(maprec_va_index(r), 0);
	return maprec_find_va(r, va);
}

/*
 * The index by start, if built: every slot of the tree in it once under its
 * key, nothing else, at most half full, and each reachable from its home
 * slot without crossing an empty one (what linear probing finds).
 */
static void check_hash(const struct maprec *r)
{
	size_t slots = r->hash_mask + 1, i, j, used = 0;
	const struct maprec_leaf *l;

	if (!r->hash) {
		expect_eq(r->hash_mask, 0);
		return;
	}
	expect_eq(slots & r->hash_mask, 0);
	expect_eq((size_t)1 << (64 - r->hash_shift), slots);
	for (i = 0; i < slots; i++) {
		const struct maprec_hslot *s = &r->hash[i];
		size_t home;

		if (!s->ent)
			continue;
		used++;
		expect_eq(s->key, s->ent->iova);
		expect_nonnull(s->ent->leaf);
		home = (size_t)((s->key * 0x9e3779b97f4a7c15ull) >> r->hash_shift);
		for (j = home; j != i; j = (j + 1) & r->hash_mask)
			expect_nonnull(r->hash[j].ent);
	}
	expect_eq(used, r->held);
	expect_le(2 * used, slots);
	for (l = r->first; l; l = l->next)
		for (i = 0; i < l->n; i++) {
			const struct maprec_entry *e = l->slot[l->lo + i].ent;

			for (j = (size_t)((e->iova * 0x9e3779b97f4a7c15ull) >>
					  r->hash_shift);
			     r->hash[j].ent != e; j = (j + 1) & r->hash_mask)
				expect_nonnull(r->hash[j].ent);
		}
}

static void check_record(const struct maprec *r)
{
	const struct maprec_entry *prev = NULL;
	size_t n_spare = 0, n_spare_nodes = 0;
	const union maprec_node *node;
	const struct maprec_entry *e;

	check_btree(r);
	check_hash(r);
	expect_le(r->height, btree_height_max(r->held));
	check_va_index(r);
	for (e = maprec_first(r); e; e = maprec_next(e))
		prev = e;
	/* the last one the walk saw, taken ones skipped */
	expect_ptr_eq(maprec_last(r), prev);
	for (e = r->spare; e; e = e->next_taken)
		n_spare++;
	expect_eq(n_spare, r->nspare);
	expect_le(r->nspare, MAPREC_SPARE_MAX);
	for (node = r->spare_nodes; node; node = node->next_spare)
		n_spare_nodes++;
	expect_eq(n_spare_nodes, r->nspare_nodes);
	expect_eq(maprec_bytes(r),
		  (r->held + r->nspare + !!r->vstale) * sizeof(struct maprec_entry) +
		  (r->nodes + r->va_nodes + r->nspare_nodes) *
		  sizeof(union maprec_node) +
		  (r->hash ? (r->hash_mask + 1) * sizeof(*r->hash) : 0));
}

static size_t list_length(const struct maprec_entry *e)
{
	size_t n = 0;

	for (; e; e = e->next_taken)
		n++;
	return n;
}

/* ---- edge cases ---- */

START_TEST(empty)
{
	struct maprec r;
	struct maprec_entry *taken = (void *)1;
	const struct maprec_entry *cut = NULL;

	maprec_init(&r);
	ck_assert_ptr_null(maprec_first(&r));
	ck_assert_ptr_null(maprec_find_iova(&r, 0));
	ck_assert_ptr_null(find_va(&r, 0x1000));
	ck_assert_int_eq(maprec_take(&r, 0, PAGE, &taken, &cut), -ENOENT);
	ck_assert_ptr_null(taken);
	ck_assert_uint_eq(maprec_bytes(&r), 0);
	maprec_put_back(&r, NULL);
	maprec_release(&r, NULL);
	maprec_fini(&r);
}
END_TEST

START_TEST(invalid_ranges)
{
	struct maprec r;
	struct maprec_entry *taken;
	const struct maprec_entry *cut;

	maprec_init(&r);
	ck_assert_int_eq(maprec_add(&r, 0, 0, 0), -EINVAL);
	ck_assert_int_eq(maprec_add(&r, UINT64_MAX - PAGE + 2, PAGE, 0), -EINVAL);
	ck_assert_int_eq(maprec_add(&r, 0, PAGE, UINTPTR_MAX - PAGE + 2), -EINVAL);
	ck_assert_int_eq(maprec_take(&r, 0, 0, &taken, &cut), -EINVAL);
	ck_assert_int_eq(maprec_take(&r, UINT64_MAX, 2, &taken, &cut), -EINVAL);
	ck_assert_uint_eq(r.count, 0);
	maprec_fini(&r);
}
END_TEST

START_TEST(top_of_iova_space)
{
	struct maprec r;
	struct maprec_entry *taken;
	const struct maprec_entry *cut;
	const uint64_t top = UINT64_MAX - PAGE + 1;

	maprec_init(&r);
	ck_assert_int_eq(maprec_add(&r, top, PAGE, 0x10000), 0);
	ck_assert_int_eq(maprec_add(&r, top - PAGE, PAGE, 0), 0);
	ck_assert_int_eq(maprec_add(&r, UINT64_MAX, 1, 0), -EEXIST);
	ck_assert_ptr_eq(maprec_find_iova(&r, UINT64_MAX), maprec_next(maprec_first(&r)));
	ck_assert_uint_eq(maprec_find_iova(&r, top - 1)->iova, top - PAGE);
	ck_assert_ptr_null(maprec_find_iova(&r, top - PAGE - 1));
	check_record(&r);

	/* a range ending at UINT64_MAX takes the mapping that does */
	ck_assert_int_eq(maprec_take(&r, UINT64_MAX, 1, &taken, &cut), -EXDEV);
	ck_assert_uint_eq(cut->iova, top);
	ck_assert_int_eq(maprec_take(&r, top - PAGE, 2 * PAGE, &taken, &cut), 0);
	ck_assert_uint_eq(list_length(taken), 2);
	ck_assert_uint_eq(taken->iova, top - PAGE);
	ck_assert_uint_eq(taken->next_taken->iova, top);
	ck_assert_uint_eq(r.count, 0);
	maprec_put_back(&r, taken);
	check_record(&r);
	ck_assert_uint_eq(r.count, 2);
	ck_assert_int_eq(maprec_take(&r, top, PAGE, &taken, &cut), 0);
	maprec_release(&r, taken);
	check_record(&r);
	maprec_fini(&r);
}
END_TEST

/* [0, UINT64_MAX - 1] is as long as a mapping can be; the last byte is
 * left for another. */
START_TEST(longest_mapping)
{
	struct maprec r;
	struct maprec_entry *taken;
	const struct maprec_entry *cut;

	maprec_init(&r);
	ck_assert_int_eq(maprec_add(&r, 0, UINT64_MAX, 0), 0);
	ck_assert_int_eq(maprec_add(&r, UINT64_MAX - 1, 1, 0), -EEXIST);
	ck_assert_int_eq(maprec_add(&r, UINT64_MAX, 1, 0), 0);
	ck_assert_uint_eq(maprec_find_iova(&r, UINT64_MAX - 1)->iova, 0);
	ck_assert_uint_eq(maprec_find_iova(&r, UINT64_MAX)->iova, UINT64_MAX);
	ck_assert_int_eq(maprec_take(&r, 1, UINT64_MAX - 1, &taken, &cut), -EXDEV);
	ck_assert_uint_eq(cut->iova, 0);
	ck_assert_int_eq(maprec_take(&r, 0, UINT64_MAX, &taken, &cut), 0);
	ck_assert_uint_eq(list_length(taken), 1);
	maprec_release(&r, taken);
	check_record(&r);
	maprec_fini(&r);
}
END_TEST

START_TEST(top_of_process_space)
{
	struct maprec r;
	const uintptr_t top = UINTPTR_MAX - PAGE + 1;

	maprec_init(&r);
	ck_assert_int_eq(maprec_add(&r, 0, PAGE, top), 0);
	ck_assert_int_eq(maprec_add(&r, PAGE, PAGE, 0x1000), 0);
	ck_assert_uint_eq(find_va(&r, UINTPTR_MAX)->iova, 0);
	ck_assert_uint_eq(find_va(&r, top)->iova, 0);
	ck_assert_ptr_null(find_va(&r, top - 1));
	ck_assert_uint_eq(find_va(&r, 0x1fff)->iova, PAGE);
	ck_assert_ptr_null(find_va(&r, 0x2000));
	check_record(&r);
	maprec_fini(&r);
}
END_TEST

/* File and copy mappings have no process memory: found by IOVA only. */
START_TEST(no_process_memory)
{
	struct maprec r;
	struct maprec_entry *taken;
	const struct maprec_entry *cut;

	maprec_init(&r);
	ck_assert_int_eq(maprec_add(&r, 0, PAGE, 0), 0);
	ck_assert_int_eq(maprec_add(&r, PAGE, PAGE, 0), 0);
	ck_assert_ptr_null(r.vroot);
	ck_assert_ptr_null(find_va(&r, 0));
	ck_assert_ptr_null(find_va(&r, 1));
	ck_assert_int_eq(maprec_add(&r, 2 * PAGE, PAGE, 0x5000), 0);
	ck_assert_ptr_null(find_va(&r, 0));
	ck_assert_uint_eq(find_va(&r, 0x5000)->iova, 2 * PAGE);
	check_record(&r);
	ck_assert_int_eq(maprec_take(&r, 0, 3 * PAGE, &taken, &cut), 0);
	ck_assert_uint_eq(list_length(taken), 3);
	/* taken: still in the index (putting back needs no memory), skipped */
	ck_assert_ptr_nonnull(r.vroot);
	ck_assert_ptr_null(maprec_find_va(&r, 0x5000));
	check_record(&r);
	maprec_put_back(&r, taken);
	check_record(&r);
	ck_assert_uint_eq(find_va(&r, 0x5fff)->iova, 2 * PAGE);
	maprec_fini(&r);
}
END_TEST

/* The index by process address is built by the first maprec_va_index, over
 * whatever is recorded then, and kept from then on; entries taken out before
 * it was built are in it too (skipped until put back). */
START_TEST(va_index_lazy)
{
	struct maprec r;
	struct maprec_entry *taken, *early;
	const struct maprec_entry *cut;
	uint64_t i;

	maprec_init(&r);
	for (i = 0; i < 64; i++)
		ck_assert_int_eq(maprec_add(&r, i * PAGE, PAGE,
					    i % 4 ? 0x100000 + i * PAGE : 0), 0);
	ck_assert_int_eq(maprec_take(&r, 8 * PAGE, 2 * PAGE, &early, &cut), 0);
	ck_assert_int_eq(maprec_take(&r, 21 * PAGE, PAGE, &taken, &cut), 0);
	maprec_release(&r, taken);
	ck_assert(!r.va_indexed);
	ck_assert_ptr_null(r.vroot);
	check_record(&r);

	ck_assert_uint_eq(find_va(&r, 0x100000 + 5 * PAGE + 1)->iova,
			  5 * PAGE);
	ck_assert(r.va_indexed);
	check_record(&r);
	ck_assert_ptr_null(find_va(&r, 0x100000 + 4 * PAGE));	/* no va */
	ck_assert_ptr_null(find_va(&r, 0x100000 + 9 * PAGE));	/* taken */
	ck_assert_ptr_null(find_va(&r, 0x100000 + 21 * PAGE));	/* gone */

	maprec_put_back(&r, early);
	check_record(&r);
	ck_assert_uint_eq(find_va(&r, 0x100000 + 9 * PAGE)->iova, 9 * PAGE);
	ck_assert_int_eq(maprec_add(&r, 21 * PAGE, PAGE, 0x300000), 0);
	ck_assert_uint_eq(find_va(&r, 0x300fff)->iova, 21 * PAGE);
	ck_assert_int_eq(maprec_take(&r, 0, 16 * PAGE, &taken, &cut), 0);
	maprec_release(&r, taken);
	check_record(&r);
	ck_assert_ptr_null(find_va(&r, 0x100000 + 9 * PAGE));
	ck_assert_uint_eq(find_va(&r, 0x100000 + 17 * PAGE)->iova,
			  17 * PAGE);
	maprec_fini(&r);
}
END_TEST

/* Released entries are kept, up to MAPREC_SPARE_MAX, and maprec_add reuses
 * them before it allocates; maprec_fini frees them (valgrind would tell). */
START_TEST(spare_entries)
{
	enum { N = MAPREC_SPARE_MAX + 16 };
	struct maprec r;
	struct maprec_entry *taken;
	const struct maprec_entry *cut, *last;
	uint64_t i;

	maprec_init(&r);
	for (i = 0; i < N; i++)
		ck_assert_int_eq(maprec_add(&r, i * PAGE, PAGE, 0), 0);
	ck_assert_int_eq(maprec_take(&r, 0, N * PAGE, &taken, &cut), 0);
	maprec_release(&r, taken);
	ck_assert_uint_eq(r.nspare, MAPREC_SPARE_MAX);
	ck_assert_uint_eq(r.count, 0);
	check_record(&r);

	/* the entry released last is the first one reused */
	ck_assert_int_eq(maprec_add(&r, 0, PAGE, 0x1000), 0);
	ck_assert_int_eq(maprec_take(&r, 0, PAGE, &taken, &cut), 0);
	last = taken;
	maprec_release(&r, taken);
	ck_assert_int_eq(maprec_add(&r, 8 * PAGE, PAGE, 0x2000), 0);
	ck_assert_ptr_eq(maprec_find_iova(&r, 8 * PAGE), last);
	ck_assert_uint_eq(r.nspare, MAPREC_SPARE_MAX - 1);
	for (i = 1; i < N; i++)
		ck_assert_int_eq(maprec_add(&r, (8 + i) * PAGE, PAGE, 0), 0);
	ck_assert_uint_eq(r.nspare, 0);
	check_record(&r);
	maprec_fini(&r);
	ck_assert_uint_eq(maprec_bytes(&r), 0);
}
END_TEST

START_TEST(overlap_leaves_record_unchanged)
{
	struct maprec r;

	maprec_init(&r);
	ck_assert_int_eq(maprec_add(&r, 4 * PAGE, 4 * PAGE, 0x10000), 0);
	ck_assert_int_eq(maprec_add(&r, 4 * PAGE, PAGE, 0x20000), -EEXIST);
	ck_assert_int_eq(maprec_add(&r, 7 * PAGE, 2 * PAGE, 0x20000), -EEXIST);
	ck_assert_int_eq(maprec_add(&r, 3 * PAGE, 2 * PAGE, 0x20000), -EEXIST);
	ck_assert_int_eq(maprec_add(&r, 0, 16 * PAGE, 0x20000), -EEXIST);
	ck_assert_int_eq(maprec_add(&r, 5 * PAGE, PAGE, 0x20000), -EEXIST);
	ck_assert_uint_eq(r.count, 1);
	ck_assert_ptr_null(find_va(&r, 0x20000));
	ck_assert_int_eq(maprec_add(&r, 3 * PAGE, PAGE, 0x20000), 0);
	ck_assert_int_eq(maprec_add(&r, 8 * PAGE, PAGE, 0x20000), 0);
	check_record(&r);
	maprec_fini(&r);
}
END_TEST

/* Mappings at [2,4) [4,6) [8,10) pages; the range in pages, what take says,
 * and the mapping it cuts or the first and number it takes. */
static const struct take_case {
	uint64_t start, end;
	int ret;
	uint64_t first;
	size_t taken;
} take_cases[] = {
	{ 0, 2, -ENOENT, 0, 0 },	/* before everything */
	{ 6, 8, -ENOENT, 0, 0 },	/* in the gap */
	{ 10, 20, -ENOENT, 0, 0 },	/* after everything */
	{ 2, 4, 0, 2, 1 },		/* exactly one */
	{ 0, 5, -EXDEV, 4, 0 },		/* ends inside the second */
	{ 3, 4, -EXDEV, 2, 0 },		/* starts inside the first */
	{ 2, 3, -EXDEV, 2, 0 },		/* ends inside the first */
	{ 3, 9, -EXDEV, 2, 0 },		/* both: the start is reported */
	{ 8, 9, -EXDEV, 8, 0 },		/* inside one, no start in it */
	{ 1, 7, 0, 2, 2 },		/* two, with the gaps around them */
	{ 2, 10, 0, 2, 3 },		/* all, exactly */
	{ 0, 64, 0, 2, 3 },		/* all, with room */
	{ 5, 10, -EXDEV, 4, 0 },	/* starts inside the second */
	{ 6, 10, 0, 8, 1 },		/* the gap and the last */
};

START_TEST(take_semantics)
{
	const struct take_case *c = &take_cases[_i];
	struct maprec r;
	struct maprec_entry *taken = (void *)1, *e;
	const struct maprec_entry *cut = NULL;

	maprec_init(&r);
	ck_assert_int_eq(maprec_add(&r, 8 * PAGE, 2 * PAGE, 0x8000), 0);
	ck_assert_int_eq(maprec_add(&r, 2 * PAGE, 2 * PAGE, 0x8000), 0);
	ck_assert_int_eq(maprec_add(&r, 4 * PAGE, 2 * PAGE, 0), 0);

	ck_assert_int_eq(maprec_take(&r, c->start * PAGE,
				     (c->end - c->start) * PAGE, &taken, &cut),
			 c->ret);
	if (c->ret == -EXDEV)
		ck_assert_uint_eq(cut->iova, c->first * PAGE);
	if (c->ret) {
		ck_assert_ptr_null(taken);
		ck_assert_uint_eq(r.count, 3);
	} else {
		ck_assert_uint_eq(list_length(taken), c->taken);
		ck_assert_uint_eq(taken->iova, c->first * PAGE);
		for (e = taken; e->next_taken; e = e->next_taken)
			ck_assert_uint_lt(e->iova, e->next_taken->iova);
		ck_assert_uint_eq(r.count, 3 - c->taken);
		for (e = taken; e; e = e->next_taken)
			ck_assert_ptr_null(maprec_find_iova(&r, e->iova));
		maprec_release(&r, taken);
	}
	check_record(&r);
	maprec_fini(&r);
}
END_TEST

/* A stack of mappings past one full inner node (64 * 64 + a few, in IOVA
 * order: the appends make a new inner node), then unmapped newest first,
 * as a driver that frees its last buffer first does: every rebalance at
 * the right edge, where the node just made has the fewest children. */
START_TEST(appends_past_a_full_inner_node_then_lifo)
{
	enum { N = 64 * 64 + 3 };
	struct maprec r;
	struct maprec_entry *taken;
	const struct maprec_entry *cut;
	uint64_t i;

	maprec_init(&r);
	for (i = 0; i < N; i++)
		expect_eq(maprec_add(&r, i * PAGE, PAGE, 0), 0);
	check_record(&r);
	for (i = N; i-- > 0;) {
		expect_eq(maprec_take(&r, i * PAGE, PAGE, &taken, &cut), 0);
		maprec_release(&r, taken);
		if (i % 61 == 0 || i > N - 8)
			check_record(&r);
	}
	expect_eq(r.count, 0);
	/* and once more, taking and putting back the newest each time */
	for (i = 0; i < N; i++) {
		expect_eq(maprec_add(&r, i * PAGE, PAGE, 0), 0);
		expect_eq(maprec_take(&r, i * PAGE, PAGE, &taken, &cut), 0);
		maprec_put_back(&r, taken);
	}
	check_record(&r);
	expect_eq(r.count, N);
	maprec_fini(&r);
}
END_TEST

/* Ascending, then descending: every insert and erase on one edge of the
 * trees (appends fill the nodes of both B+trees). */
START_TEST(sequential)
{
	enum { N = 4096 };
	struct maprec r;
	struct maprec_entry *taken;
	const struct maprec_entry *cut, *e;
	uint64_t i;

	maprec_init(&r);
	for (i = 0; i < N; i++)
		expect_eq(maprec_add(&r, i * PAGE, PAGE, 0x100000 + i * PAGE), 0);
	check_record(&r);
	expect_null(r.vroot);
	/* the first lookup by address indexes the N entries there are */
	expect_eq(find_va(&r, 0x100000 + (N - 1) * PAGE)->iova,
		  (N - 1) * PAGE);
	check_record(&r);
	expect_le(r.height, 2);		/* appended: full leaves */
	expect_le(r.vheight, 3);	/* appended: full leaves */
	for (i = 0; i < N; i += 2) {
		expect_eq(maprec_take(&r, i * PAGE, PAGE, &taken, &cut), 0);
		maprec_release(&r, taken);
	}
	check_record(&r);
	for (i = N; i-- > 0;) {
		if (i % 2 == 0)
			continue;
		e = find_va(&r, 0x100000 + i * PAGE + 7);
		expect_eq(e->iova, i * PAGE);
		expect_eq(maprec_take(&r, i * PAGE, PAGE, &taken, &cut), 0);
		maprec_release(&r, taken);
	}
	check_record(&r);
	expect_eq(r.count, 0);
	for (i = N; i-- > 0;)
		expect_eq(maprec_add(&r, i * PAGE, PAGE, 0x100000), 0);
	check_record(&r);
	/* one take of everything: a long list, nodes erased in order */
	expect_eq(maprec_take(&r, 0, N * PAGE, &taken, &cut), 0);
	expect_eq(list_length(taken), N);
	check_record(&r);
	maprec_put_back(&r, taken);
	check_record(&r);
	expect_eq(r.count, N);
	maprec_fini(&r);
}
END_TEST

/* ---- the randomized differential test ---- */

/* xorshift64*: the same sequence everywhere, so a failure reproduces. */
static uint64_t rng_state;

static uint64_t rnd(uint64_t n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (rng_state * 0x2545f4914f6cdd1dull >> 11) % n;
}

/* The model: the live mappings in a plain array, sorted by IOVA. */
struct model_map {
	uint64_t iova, len;
	uintptr_t va;
};

struct model {
	struct model_map *m;
	size_t n, cap;
};

static bool model_overlaps(const struct model *md, uint64_t iova, uint64_t len)
{
	size_t i;

	for (i = 0; i < md->n; i++)
		if (md->m[i].iova < iova + len && iova < md->m[i].iova + md->m[i].len)
			return true;
	return false;
}

static void model_add(struct model *md, uint64_t iova, uint64_t len, uintptr_t va)
{
	size_t i;

	if (md->n == md->cap) {
		md->cap = md->cap ? 2 * md->cap : 64;
		md->m = realloc(md->m, md->cap * sizeof(*md->m));
		expect_nonnull(md->m);
	}
	for (i = md->n; i > 0 && md->m[i - 1].iova > iova; i--)
		md->m[i] = md->m[i - 1];
	md->m[i] = (struct model_map){ iova, len, va };
	md->n++;
}

/* What take must answer for [iova, iova + len): the return value, and the
 * index of the cut mapping or of the first taken and how many. */
static int model_take(const struct model *md, uint64_t iova, uint64_t len,
		      size_t *first, size_t *count)
{
	uint64_t end = iova + len;
	size_t i, n = 0;

	for (i = 0; i < md->n; i++) {
		const struct model_map *m = &md->m[i];

		if (m->iova >= end || m->iova + m->len <= iova)
			continue;
		if (!n)
			*first = i;
		n++;
	}
	if (!n)
		return -ENOENT;
	if (md->m[*first].iova < iova)
		return -EXDEV;
	if (md->m[*first + n - 1].iova + md->m[*first + n - 1].len > end) {
		*first += n - 1;
		return -EXDEV;
	}
	*count = n;
	return 0;
}

static void model_remove(struct model *md, size_t first, size_t count)
{
	size_t i;

	for (i = first; i + count < md->n; i++)
		md->m[i] = md->m[i + count];
	md->n -= count;
}

static bool same(const struct maprec_entry *e, const struct model_map *m)
{
	return e->iova == m->iova && e->len == m->len && e->va == m->va;
}

/* IOVAs in pages of a small space so that adds collide and takes cut;
 * process addresses in a smaller one so that they overlap a lot. */
enum { SPACE_PAGES = 4096, VA_PAGES = 512, MAX_LEN = 8 };

static void random_add(struct maprec *r, struct model *md)
{
	uint64_t iova = rnd(SPACE_PAGES) * PAGE, len = (1 + rnd(MAX_LEN)) * PAGE;
	uintptr_t va = rnd(8) ? (uintptr_t)(1 + rnd(VA_PAGES)) * PAGE : 0;
	bool overlaps = model_overlaps(md, iova, len);
	size_t before = r->count;

	expect_eq(maprec_add(r, iova, len, va), overlaps ? -EEXIST : 0);
	if (overlaps)
		expect_eq(r->count, before);
	else
		model_add(md, iova, len, va);
}

/* Mostly ranges from the start of a mapping to the end of the k-th after
 * it (what users unmap), sometimes widened into the gaps or not aligned to
 * mappings at all (so that they cut one or find none). */
static void random_range(const struct model *md, uint64_t *iova, uint64_t *len)
{
	uint64_t start, end;

	if (md->n && rnd(4)) {
		size_t i = rnd(md->n), k = rnd(4);

		if (i + k >= md->n)
			k = md->n - 1 - i;
		start = md->m[i].iova;
		end = md->m[i + k].iova + md->m[i + k].len;
		if (!rnd(4) && start >= 2 * PAGE)
			start -= PAGE * (1 + rnd(2));
		if (!rnd(4))
			end += PAGE * (1 + rnd(2));
	} else {
		start = rnd(SPACE_PAGES) * PAGE;
		end = start + (1 + rnd(3 * MAX_LEN)) * PAGE;
	}
	*iova = start;
	*len = end - start;
}

static void random_take(struct maprec *r, struct model *md)
{
	struct maprec_entry *taken, *e;
	const struct maprec_entry *cut = NULL;
	uint64_t iova, len;
	size_t first = 0, count = 0, i;
	int want;

	random_range(md, &iova, &len);
	want = model_take(md, iova, len, &first, &count);
	expect_eq(maprec_take(r, iova, len, &taken, &cut), want);
	if (want == -EXDEV)
		expect(same(cut, &md->m[first]));
	if (want) {
		expect_null(taken);
		expect_eq(r->count, md->n);
		return;
	}
	for (e = taken, i = 0; e; e = e->next_taken, i++) {
		expect_lt(i, count);
		expect(same(e, &md->m[first + i]));
	}
	expect_eq(i, count);
	expect_eq(r->count, md->n - count);
	/* the kernel refuses one unmap in four */
	if (!rnd(4)) {
		maprec_put_back(r, taken);
	} else {
		maprec_release(r, taken);
		model_remove(md, first, count);
	}
}

/* Random pages, and in them mostly the first or last byte: where a range
 * comparison is off by one. */
static uint64_t random_point(uint64_t pages)
{
	static const uint64_t offsets[] = { 0, PAGE - 1, 1, PAGE - 2 };
	uint64_t page = rnd(pages) * PAGE, i = rnd(6);

	return page + (i < 4 ? offsets[i] : rnd(PAGE));
}

static void random_find_iova(const struct maprec *r, const struct model *md)
{
	uint64_t iova = random_point(SPACE_PAGES + MAX_LEN);
	const struct maprec_entry *e = maprec_find_iova(r, iova);
	size_t i;

	for (i = 0; i < md->n; i++)
		if (md->m[i].iova <= iova && iova < md->m[i].iova + md->m[i].len)
			break;
	if (i == md->n)
		expect_null(e);
	else
		expect(e && same(e, &md->m[i]));
}

/* (va, iova) order, the order of the index by process address */
static bool va_before(const struct model_map *a, const struct model_map *b)
{
	return a->va < b->va || (a->va == b->va && a->iova < b->iova);
}

/* the lowest in (va, iova) order of those covering va, as documented */
static void random_find_va(struct maprec *r, const struct model *md)
{
	uintptr_t va = (uintptr_t)random_point(VA_PAGES + MAX_LEN + 2);
	const struct maprec_entry *e = find_va(r, va);
	const struct model_map *low = NULL;
	size_t i;

	for (i = 0; i < md->n; i++) {
		const struct model_map *m = &md->m[i];

		if (m->va && m->va <= va && va - m->va < m->len &&
		    (!low || va_before(m, low)))
			low = m;
	}
	if (!low)
		expect_null(e);
	else
		expect_msg(e && same(e, low),
			   "find_va(%#jx) did not give the lowest covering mapping",
			   (uintmax_t)va);
}

static void random_find_overlap(const struct maprec *r, const struct model *md)
{
	uint64_t iova, len;
	const struct maprec_entry *e;
	size_t i;

	random_range(md, &iova, &len);
	e = maprec_find_overlap(r, iova, len);
	for (i = 0; i < md->n; i++)
		if (md->m[i].iova < iova + len &&
		    iova < md->m[i].iova + md->m[i].len)
			break;
	if (i == md->n)
		expect_null(e);
	else
		expect(e && same(e, &md->m[i]));
}

/* maprec_take_va against the model: what intersects [va, va + len) in
 * process memory; a cut is the lowest mapping starting before va, else the
 * lowest in (va, iova) order that ends after the range. */
static void random_take_va(struct maprec *r, struct model *md)
{
	uintptr_t va = (uintptr_t)(1 + rnd(VA_PAGES)) * PAGE;
	uint64_t len = (1 + rnd(3 * MAX_LEN)) * PAGE, end = va + len;
	const struct model_map *before = NULL, *after = NULL, *cut;
	struct maprec_entry *taken, *e;
	const struct maprec_entry *got_cut = NULL;
	size_t i, n = 0, seen;
	int want;

	for (i = 0; i < md->n; i++) {
		const struct model_map *m = &md->m[i];

		if (!m->va || m->va >= end || m->va + m->len <= va)
			continue;
		n++;
		if (m->va < va && (!before || va_before(m, before)))
			before = m;
		if (m->va >= va && m->va + m->len > end &&
		    (!after || va_before(m, after)))
			after = m;
	}
	cut = before ? before : after;
	want = cut ? -EXDEV : n ? 0 : -ENOENT;
	expect_eq(maprec_take_va(r, va, len, &taken, &got_cut), want);
	if (want == -EXDEV)
		expect(got_cut && same(got_cut, cut));
	if (want) {
		expect_null(taken);
		return;
	}
	for (e = taken, seen = 0; e; e = e->next_taken, seen++) {
		expect(e->va >= va && e->va + e->len <= end);
		if (e->next_taken)
			expect(e->va < e->next_taken->va ||
			       (e->va == e->next_taken->va &&
				e->iova < e->next_taken->iova));
	}
	expect_eq(seen, n);
	expect_eq(r->count, md->n - n);
	if (!rnd(4)) {
		maprec_put_back(r, taken);
		return;
	}
	for (e = taken; e; e = e->next_taken)
		for (i = 0; i < md->n; i++)
			if (md->m[i].iova == e->iova) {
				model_remove(md, i, 1);
				break;
			}
	maprec_release(r, taken);
}

static void compare_walk(const struct maprec *r, const struct model *md)
{
	const struct maprec_entry *e = maprec_first(r);
	size_t i;

	for (i = 0; i < md->n; i++, e = maprec_next(e))
		expect(e && same(e, &md->m[i]));
	expect_null(e);
}

/* Each loop iteration its own seed and its own balance of adds to takes,
 * from a record of a few dozen mappings to one of several hundred. */
START_TEST(differential)
{
	enum { OPS = 40000 };
	struct maprec r;
	struct model md = { 0 };
	unsigned int add_weight = 3 + 4 * _i;
	int op;

	rng_state = 0x9e3779b97f4a7c15ull * (_i + 1);
	maprec_init(&r);
	for (op = 0; op < OPS; op++) {
		switch (rnd(add_weight + 6)) {
		case 0:
		case 1:
			random_take(&r, &md);
			break;
		case 2:
			random_find_iova(&r, &md);
			break;
		case 3:
			random_find_va(&r, &md);
			break;
		case 4:
			random_find_overlap(&r, &md);
			break;
		case 5:
			random_take_va(&r, &md);
			break;
		default:
			random_add(&r, &md);
			break;
		}
		expect_eq(r.count, md.n);
		if (op % 4 == 0)
			check_record(&r);
		if (op % 1024 == 0)
			compare_walk(&r, &md);
	}
	check_record(&r);
	compare_walk(&r, &md);
	maprec_fini(&r);
	free(md.m);
}
END_TEST

/*
 * An unmap of one whole mapping, then a map in the hole it leaves (what the
 * kernel's first fit does): at its IOVA, or elsewhere in the free range
 * around it, with a random length that may overlap a neighbour.
 */
static void random_refill(struct maprec *r, struct model *md)
{
	struct maprec_entry *taken;
	const struct maprec_entry *cut;
	uint64_t iova, len, lo, hi;
	uintptr_t va;
	size_t i;
	int want;

	if (!md->n)
		return;
	i = rnd(md->n);
	iova = md->m[i].iova;
	len = md->m[i].len;
	va = md->m[i].va;
	lo = i ? md->m[i - 1].iova + md->m[i - 1].len : 0;
	hi = i + 1 < md->n ? md->m[i + 1].iova : iova + len + 64 * PAGE;
	expect_eq(maprec_take(r, iova, len, &taken, &cut), 0);
	expect_eq(list_length(taken), 1);
	maprec_release(r, taken);
	model_remove(md, i, 1);
	switch (rnd(4)) {
	case 0:		/* anywhere from the free range's start */
		iova = lo + rnd((hi - lo) / PAGE) * PAGE;
		/* fall through */
	case 1:		/* another length: it may reach the next one */
		len = (1 + rnd(MAX_LEN)) * PAGE;
		break;
	default:	/* the same mapping again */
		break;
	}
	want = model_overlaps(md, iova, len) ? -EEXIST : 0;
	expect_eq(maprec_add(r, iova, len, va), want);
	if (!want)
		model_add(md, iova, len, va);
}

/* The mapping next to the last one taken (unmaps in either IOVA order). */
static void random_neighbour_take(struct maprec *r, struct model *md,
				  size_t *at)
{
	struct maprec_entry *taken;
	const struct maprec_entry *cut;
	size_t i = *at;

	if (!md->n)
		return;
	if (rnd(2))
		i = i + 1 < md->n ? i + 1 : 0;
	else
		i = i ? i - 1 : md->n - 1;
	if (i >= md->n)
		i = md->n - 1;
	expect_eq(maprec_take(r, md->m[i].iova, md->m[i].len, &taken, &cut), 0);
	expect(same(taken, &md->m[i]));
	if (rnd(8)) {
		maprec_release(r, taken);
		model_remove(md, i, 1);
	} else {
		maprec_put_back(r, taken);
	}
	*at = i;
}

/*
 * 100,000 operations against the model, the record held at several hundred
 * mappings: unmaps refilled in place and elsewhere, unmaps next to the last
 * one, at random, by process address; the hole, the index by start (built,
 * grown, made smaller) and the B+tree checked as they go. Loop 1 drains the
 * record in the middle and fills it again.
 */
START_TEST(differential_100k)
{
	enum { OPS = 100000 };
	struct maprec r;
	struct model md = { 0 };
	bool hashed = false, holed = false;
	size_t at = 0;
	int op;

	rng_state = 0x2545f4914f6cdd1dull * (_i + 7);
	maprec_init(&r);
	for (op = 0; op < OPS; op++) {
		bool drain = _i == 1 && op >= OPS / 3 && op < OPS / 2;

		switch (drain ? 0 : rnd(16)) {
		case 0:
		case 1:
			random_take(&r, &md);
			break;
		case 2:
		case 3:
		case 4:
			random_refill(&r, &md);
			break;
		case 5:
		case 6:
			random_neighbour_take(&r, &md, &at);
			break;
		case 7:
			random_find_iova(&r, &md);
			break;
		case 8:
			random_find_overlap(&r, &md);
			break;
		case 9:
			if (!rnd(8))
				random_take_va(&r, &md);
			else
				random_find_va(&r, &md);
			break;
		default:
			random_add(&r, &md);
			break;
		}
		expect_eq(r.count, md.n);
		hashed |= r.hash != NULL;
		holed |= r.hole != NULL;
		if (op % 64 == 0)
			check_record(&r);
		if (op % 4096 == 0)
			compare_walk(&r, &md);
	}
	check_record(&r);
	compare_walk(&r, &md);
	expect(hashed);
	expect(holed);
	maprec_fini(&r);
	free(md.m);
}
END_TEST

/* A random permutation, Fisher-Yates. */
static void shuffle(uint64_t *order, size_t n)
{
	size_t i, j;

	for (i = n - 1; i > 0; i--) {
		uint64_t t = order[i];

		j = rnd(i + 1);
		order[i] = order[j];
		order[j] = t;
	}
}

/* 0..n-1 in a random order. */
static void shuffle_identity(uint64_t *order, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		order[i] = i;
	shuffle(order, n);
}

/* Deep trees: 20,000 mappings in random order with random, heavily
 * overlapping process ranges, found and then taken in another random
 * order. */
START_TEST(large_random)
{
	enum { N = 20000 };
	uint64_t *order = malloc(N * sizeof(*order));
	struct maprec r;
	struct maprec_entry *taken;
	const struct maprec_entry *cut, *e;
	size_t i;

	expect_nonnull(order);
	rng_state = 12345;
	shuffle_identity(order, N);
	maprec_init(&r);
	for (i = 0; i < N; i++) {
		uint64_t va = 1 + rnd(N);

		expect_eq(maprec_add(&r, order[i] * 2 * PAGE, PAGE * (1 + rnd(3)) / 2,
					    (uintptr_t)(va * PAGE)), 0);
	}
	check_record(&r);
	expect_eq(r.height, 3);
	for (i = 0; i < N; i++) {
		const struct maprec_entry *f;

		e = maprec_find_iova(&r, i * 2 * PAGE + 1);
		expect_eq(e->iova, i * 2 * PAGE);
		f = find_va(&r, e->va + e->len - 1);
		expect(f && f->va <= e->va + e->len - 1 &&
			  e->va + e->len - 1 - f->va < f->len);
	}
	check_record(&r);
	expect_le(r.vheight, 4);
	shuffle(order, N);
	for (i = 0; i < N; i++) {
		expect_eq(maprec_take(&r, order[i] * 2 * PAGE, 2 * PAGE,
					     &taken, &cut), 0);
		expect_eq(list_length(taken), 1);
		maprec_release(&r, taken);
		if (i % 2048 == 0)
			check_record(&r);
	}
	check_record(&r);
	expect_null(r.root);
	expect_null(r.vroot);
	maprec_fini(&r);
	free(order);
}
END_TEST

/* Mappings of one page two pages apart, slot k at IOVA (2k + 2) pages:
 * appended, so every leaf is full. */
static void fill_appended(struct maprec *r, struct model *md, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++) {
		expect_eq(maprec_add(r, (2 * k + 2) * PAGE, PAGE, 0), 0);
		model_add(md, (2 * k + 2) * PAGE, PAGE, 0);
	}
}

static void take_release(struct maprec *r, struct model *md, size_t index)
{
	struct maprec_entry *taken;
	const struct maprec_entry *cut;

	expect_eq(maprec_take(r, md->m[index].iova, md->m[index].len, &taken,
			      &cut), 0);
	expect_eq(list_length(taken), 1);
	maprec_release(r, taken);
	model_remove(md, index, 1);
}

/*
 * A split at every position of a full leaf (the first, a middle one, the
 * last), then removals at that position of the leaf until it has taken
 * from its neighbours and merged with them: the tree, its leaf list and the
 * walk stay right throughout.
 */
START_TEST(split_merge_every_position)
{
	enum { LEAVES = 3, N = LEAVES * MAPREC_LEAF_SLOTS };
	unsigned int pos = (unsigned int)_i % (MAPREC_LEAF_SLOTS + 1);
	unsigned int leaf = (unsigned int)_i / (MAPREC_LEAF_SLOTS + 1);
	struct maprec r;
	struct model md = { 0 };
	size_t k = (size_t)leaf * MAPREC_LEAF_SLOTS + pos, round;

	maprec_init(&r);
	fill_appended(&r, &md, N);
	expect_eq(r.height, 2);
	check_record(&r);
	/* just below slot k: the new mapping's position in its leaf is pos */
	expect_eq(maprec_add(&r, (2 * k + 1) * PAGE, PAGE, 0), 0);
	model_add(&md, (2 * k + 1) * PAGE, PAGE, 0);
	check_record(&r);
	compare_walk(&r, &md);
	for (round = 0; round < 3 * MAPREC_LEAF_SLOTS / 2 && md.n; round++) {
		size_t at = k < md.n ? k : md.n - 1;

		take_release(&r, &md, at);
		check_record(&r);
		compare_walk(&r, &md);
	}
	maprec_fini(&r);
	free(md.m);
}
END_TEST

/* A random order at a size that makes the tree four levels deep, then
 * taken in another random order down to empty. */
START_TEST(deep_random)
{
	enum { N = 400000 };
	uint64_t *order = malloc(N * sizeof(*order));
	struct maprec r;
	struct maprec_entry *taken;
	const struct maprec_entry *cut;
	size_t i;
	unsigned int deepest;

	expect_nonnull(order);
	rng_state = 777;
	shuffle_identity(order, N);
	maprec_init(&r);
	for (i = 0; i < N; i++)
		expect_eq(maprec_add(&r, order[i] * 2 * PAGE, PAGE, 0), 0);
	check_record(&r);
	deepest = r.height;
	expect_ge(deepest, 4);
	for (i = 0; i < N; i++)
		expect_eq(maprec_find_iova(&r, i * 2 * PAGE + PAGE - 1)->iova,
			  i * 2 * PAGE);
	shuffle(order, N);
	for (i = 0; i < N; i++) {
		expect_eq(maprec_take(&r, order[i] * 2 * PAGE, PAGE, &taken,
				      &cut), 0);
		maprec_release(&r, taken);
		if (i % 16384 == 0)
			check_record(&r);
	}
	check_record(&r);
	expect_null(r.root);
	maprec_fini(&r);
	free(order);
}
END_TEST

/*
 * A range that spans several leaves is taken; while it is out, maps land in
 * the gaps between its mappings (another thread's, while the kernel unmaps)
 * and over the first one (which the kernel has unmapped: it is released,
 * the others put back); everything is there, and the same range then taken
 * and released leaves the others.
 */
START_TEST(take_across_leaves_put_back)
{
	enum { N = 1000, FIRST = 40, COUNT = 150 };
	struct maprec r;
	struct model md = { 0 };
	struct maprec_entry *taken, *e, *gone;
	const struct maprec_entry *cut;
	uint64_t from = (2 * FIRST + 2) * PAGE, to = (2 * (FIRST + COUNT) + 2) * PAGE;
	size_t i;

	maprec_init(&r);
	fill_appended(&r, &md, N);
	expect_eq(maprec_take(&r, from, to - from, &taken, &cut), 0);
	expect_eq(list_length(taken), COUNT);
	expect_eq(r.count, N - COUNT);
	check_record(&r);
	for (i = 0, e = taken; e; e = e->next_taken, i++) {
		expect_eq(e->iova, md.m[FIRST + i].iova);
		expect_null(maprec_find_iova(&r, e->iova));
	}
	/* nothing to take there now */
	expect_eq(maprec_take(&r, from, to - from, &e, &cut), -ENOENT);
	/* in the gaps between the taken ones */
	for (i = 0; i < COUNT; i++)
		expect_eq(maprec_add(&r, md.m[FIRST + i].iova + PAGE, PAGE, 0), 0);
	check_record(&r);
	/* a range over both finds only what is recorded */
	expect_eq(maprec_take(&r, from, 2 * PAGE, &e, &cut), 0);
	expect_eq(list_length(e), 1);
	expect_eq(e->iova, from + PAGE);
	maprec_put_back(&r, e);
	/* the kernel unmapped the first, and a map landed there at once */
	expect_eq(maprec_add(&r, from, PAGE, 0), 0);
	expect_eq(r.count, N + 1);
	check_record(&r);
	gone = taken;
	taken = gone->next_taken;
	gone->next_taken = NULL;
	maprec_release(&r, gone);
	maprec_put_back(&r, taken);
	expect_eq(r.count, N + COUNT);
	check_record(&r);
	for (i = 0; i < COUNT; i++)
		model_add(&md, md.m[FIRST + 2 * i].iova + PAGE, PAGE, 0);
	compare_walk(&r, &md);
	expect_eq(maprec_take(&r, from, to - from, &taken, &cut), 0);
	expect_eq(list_length(taken), 2 * COUNT);
	maprec_release(&r, taken);
	model_remove(&md, FIRST, 2 * COUNT);
	check_record(&r);
	compare_walk(&r, &md);
	maprec_fini(&r);
	free(md.m);
}
END_TEST

/* A map over a taken mapping and a recorded one: -EEXIST, and the taken
 * one keeps its slot, so that putting it back restores the record. */
START_TEST(add_over_taken_and_recorded_changes_nothing)
{
	struct maprec r;
	struct maprec_entry *taken;
	const struct maprec_entry *cut;

	maprec_init(&r);
	expect_eq(maprec_add(&r, 0x10000, PAGE, 0x100000), 0);
	expect_eq(maprec_add(&r, 0x10000 + PAGE, PAGE, 0x200000), 0);
	expect_eq(maprec_take(&r, 0x10000, PAGE, &taken, &cut), 0);
	expect_eq(maprec_add(&r, 0x10000, 2 * PAGE, 0), -EEXIST);
	check_record(&r);
	maprec_put_back(&r, taken);
	expect_eq(r.count, 2);
	check_record(&r);
	expect_eq(maprec_find_iova(&r, 0x10000)->va, 0x100000);
	expect_eq(find_va(&r, 0x100000)->iova, 0x10000);
	maprec_fini(&r);
}
END_TEST

/*
 * Each malloc an add needs (its entry, the leaf, the parent and the new root
 * of a split at every level) fails in turn: the add says -ENOMEM and the
 * record holds what it held; the next attempt gets further, and the last
 * succeeds. At the right end (a split up to a new root) and in the middle.
 */
START_TEST(node_alloc_failure)
{
	enum { N = MAPREC_LEAF_SLOTS * MAPREC_FANOUT };
	static const uint64_t at[] = {
		(2 * N + 2) * PAGE,		/* the next append */
		(2 * 1000 + 1) * PAGE,		/* into a full leaf */
		(2 * 3000 + 1) * PAGE,
	};
	struct maprec r;
	struct model md = { 0 };
	unsigned int c, failures;
	long budget;

	maprec_init(&r);
	fill_appended(&r, &md, N);
	expect_eq(r.height, 2);
	for (c = 0; c < sizeof(at) / sizeof(at[0]); c++) {
		int ret = -ENOMEM;

		failures = 0;
		for (budget = 0; ret == -ENOMEM; budget++) {
			size_t held = r.held, count = r.count;

			malloc_budget = budget;
			ret = maprec_add(&r, at[c], PAGE, 0x1000);
			malloc_budget = -1;
			if (ret == -ENOMEM) {
				failures++;
				expect_eq(r.held, held);
				expect_eq(r.count, count);
				check_record(&r);
				compare_walk(&r, &md);
				expect_null(maprec_find_iova(&r, at[c]));
			}
			expect_lt(budget, 8);
		}
		expect_eq(ret, 0);
		/* the first add at least needs its entry and two nodes */
		if (c == 0) {
			expect_ge(failures, 3);
			expect_eq(r.height, 3);
		} else {
			expect_ge(failures, 1);
		}
		model_add(&md, at[c], PAGE, 0x1000);
		check_record(&r);
		compare_walk(&r, &md);
	}
	maprec_fini(&r);
	free(md.m);
}
END_TEST

/*
 * The slot by process address of the mapping released from the lowest
 * IOVA stays, stale, for the next map: one of the same memory takes it
 * where its key still sorts between its neighbours (same va, another
 * IOVA: the buffer mapped twice), else the stale slot goes and the new
 * mapping is inserted.
 */
START_TEST(stale_slot_reuse)
{
	const uintptr_t X = 0x100000, Y = 0x200000;
	struct maprec r;
	struct maprec_entry *taken;
	const struct maprec_entry *cut, *e;
	struct maprec_vleaf *vl;
	size_t va_nodes;
	uint16_t vslot;

	maprec_init(&r);
	expect_eq(maprec_add(&r, 2 * PAGE, PAGE, X), 0);
	expect_eq(maprec_add(&r, 4 * PAGE, PAGE, X), 0);
	expect_eq(maprec_add(&r, 6 * PAGE, PAGE, X), 0);
	expect_eq(maprec_add(&r, 8 * PAGE, PAGE, Y), 0);
	expect_eq(maprec_va_index(&r), 0);

	/* (X, 10) would sort after (X, 4): not in the stale (X, 2) slot */
	expect_eq(maprec_take(&r, 2 * PAGE, PAGE, &taken, &cut), 0);
	maprec_release(&r, taken);
	expect_ptr_eq(r.vstale, taken);
	check_record(&r);
	expect_eq(maprec_find_va(&r, X)->iova, 4 * PAGE);
	expect_eq(maprec_add(&r, 10 * PAGE, PAGE, X), 0);
	expect_null(r.vstale);
	check_record(&r);

	/* (X, 2) sorts where the stale (X, 4) was, first in its leaf and
	 * below its old key: the slot is taken over, nothing moves */
	expect_eq(maprec_take(&r, 4 * PAGE, PAGE, &taken, &cut), 0);
	maprec_release(&r, taken);
	expect_ptr_eq(r.vstale, taken);
	vl = taken->vleaf;
	vslot = taken->vslot;
	va_nodes = r.va_nodes;
	expect_eq(maprec_add(&r, 2 * PAGE, 2 * PAGE, X), 0);
	expect_null(r.vstale);
	e = maprec_find_iova(&r, 2 * PAGE);
	expect_ptr_eq(e->vleaf, vl);
	expect_eq(e->vslot, vslot);
	expect_eq(r.va_nodes, va_nodes);
	check_record(&r);
	/* longer now: found at its new last byte */
	expect_ptr_eq(maprec_find_va(&r, X + 2 * PAGE - 1), e);
	expect_eq(maprec_find_va(&r, X)->iova, 2 * PAGE);

	/* other memory at the freed IOVA: the stale slot goes */
	expect_eq(maprec_take(&r, 2 * PAGE, 2 * PAGE, &taken, &cut), 0);
	maprec_release(&r, taken);
	expect_eq(maprec_add(&r, 2 * PAGE, PAGE, Y + PAGE), 0);
	expect_null(r.vstale);
	check_record(&r);
	expect_eq(maprec_find_va(&r, X)->iova, 6 * PAGE);
	expect_eq(maprec_find_va(&r, Y + PAGE)->iova, 2 * PAGE);
	maprec_fini(&r);

	/* The stale slot last in its leaf: the separator to the next leaf
	 * bounds the key. (X, 2) first, mappings below X prepended till the
	 * leaf is full, then (X, 50) and on appended: the next leaf. */
	maprec_init(&r);
	expect_eq(maprec_va_index(&r), 0);
	expect_eq(maprec_add(&r, 2 * PAGE, PAGE, X), 0);
	for (vslot = 0; vslot < MAPREC_VA_SLOTS - 1; vslot++)
		expect_eq(maprec_add(&r, (100 + 2 * vslot) * PAGE, PAGE,
				     X - (1 + vslot) * PAGE), 0);
	for (vslot = 0; vslot < 4; vslot++)
		expect_eq(maprec_add(&r, (50 + 2 * vslot) * PAGE, PAGE, X), 0);
	check_record(&r);
	expect_eq(maprec_take(&r, 2 * PAGE, PAGE, &taken, &cut), 0);
	maprec_release(&r, taken);
	expect_ptr_eq(r.vstale, taken);
	vl = taken->vleaf;
	expect_nonnull(vl->next);
	expect_ptr_eq(vl->slot[vl->lo + vl->n - 1].ent, taken);
	/* (X, 60) sorts after (X, 50), beyond the separator */
	expect_eq(maprec_add(&r, 60 * PAGE, PAGE, X), 0);
	check_record(&r);
	expect_ptr_eq(maprec_find_iova(&r, 60 * PAGE)->vleaf, vl->next);
	/* (X, 40) does not: the slot, last in its leaf, is taken over */
	expect_eq(maprec_add(&r, 2 * PAGE, PAGE, X), 0);
	expect_eq(maprec_take(&r, 2 * PAGE, PAGE, &taken, &cut), 0);
	maprec_release(&r, taken);
	vl = taken->vleaf;
	vslot = taken->vslot;
	expect_eq(maprec_add(&r, 40 * PAGE, PAGE, X), 0);
	e = maprec_find_iova(&r, 40 * PAGE);
	expect_ptr_eq(e->vleaf, vl);
	expect_eq(e->vslot, vslot);
	check_record(&r);
	expect_eq(maprec_find_va(&r, X)->iova, 40 * PAGE);
	maprec_fini(&r);

	/* The stale slot first in a leaf with a left neighbour: the
	 * separator, its old key, bounds the new key from below. Process
	 * memory in rising order, so that mapping MAPREC_VA_SLOTS + 1 starts
	 * the second leaf; it alone has a low IOVA (it is unmapped first).
	 * Its memory mapped again below its old IOVA sorts below the
	 * separator: into the first leaf, not the stale slot. */
	maprec_init(&r);
	expect_eq(maprec_va_index(&r), 0);
	for (vslot = 0; vslot < MAPREC_VA_SLOTS + 20; vslot++)
		expect_eq(maprec_add(&r, vslot == MAPREC_VA_SLOTS ? 100 * PAGE :
				     (200 + 2 * vslot) * PAGE, PAGE,
				     X + vslot * PAGE), 0);
	check_record(&r);
	expect_eq(maprec_take(&r, 100 * PAGE, PAGE, &taken, &cut), 0);
	maprec_release(&r, taken);
	expect_ptr_eq(r.vstale, taken);
	vl = taken->vleaf;
	expect_nonnull(vl->prev);
	expect_ptr_eq(vl->slot[vl->lo].ent, taken);
	expect_eq(maprec_add(&r, 50 * PAGE, PAGE, X + MAPREC_VA_SLOTS * PAGE), 0);
	check_record(&r);
	expect_ptr_eq(maprec_find_iova(&r, 50 * PAGE)->vleaf, vl->prev);
	expect_eq(maprec_find_va(&r, X + MAPREC_VA_SLOTS * PAGE)->iova, 50 * PAGE);
	maprec_fini(&r);

	/* A stale slot and a hole without process memory at once (the
	 * mapping at 3 keeps the hole from being the lowest): the hole
	 * refilled with the stale slot's own memory inserts next to it, so
	 * the slot goes first; kept, it would take (X, 8) before (X, 4). */
	maprec_init(&r);
	expect_eq(maprec_add(&r, 2 * PAGE, PAGE, X), 0);
	expect_eq(maprec_add(&r, 3 * PAGE, PAGE, Y + 20 * PAGE), 0);
	expect_eq(maprec_add(&r, 4 * PAGE, PAGE, 0), 0);
	expect_eq(maprec_add(&r, 6 * PAGE, PAGE, Y), 0);
	expect_eq(maprec_va_index(&r), 0);
	expect_eq(maprec_take(&r, 2 * PAGE, PAGE, &taken, &cut), 0);
	maprec_release(&r, taken);
	expect_ptr_eq(r.vstale, taken);
	expect_eq(maprec_take(&r, 4 * PAGE, PAGE, &taken, &cut), 0);
	maprec_release(&r, taken);
	expect_ptr_eq(r.hole, taken);
	expect_eq(maprec_add(&r, 4 * PAGE, PAGE, X), 0);
	check_record(&r);
	expect_eq(maprec_add(&r, 8 * PAGE, PAGE, X), 0);
	check_record(&r);
	expect_eq(maprec_find_va(&r, X)->iova, 4 * PAGE);
	maprec_fini(&r);
}
END_TEST

/* ---- the index by process address, large and out of memory ---- */

/* One mapping place of va_large's model: IOVA k * 4 pages, up to 4 long. */
struct vplace {
	enum { VP_FREE, VP_LIVE, VP_TAKEN } state;
	uint64_t len;
	uintptr_t va;
	int list;		/* VP_TAKEN: which pending take */
};

#define VL_PLACES 40000u
/* Pages between two places' IOVAs, and the longest mapping; the process
 * memory mappings start in. 4 and 20000, or 256 and 1000: then mappings
 * overlap in process memory by the dozen and one far left in a node may
 * end past all the others (a largest end left stale by a move of children
 * between nodes shows then, not only one at a node's right). */
static unsigned int vl_span = 4, vl_va_pages = 20000;
#define VL_PENDING 8

struct vlarge {
	struct maprec r;
	struct vplace *p;
	/* takes the kernel has not answered yet; a map over one of them
	 * means it was unmapped: it must be released, not put back */
	struct maprec_entry *pending[VL_PENDING];
	bool must_release[VL_PENDING];
	size_t live;
};

static uint64_t vl_iova(size_t k)
{
	return (uint64_t)k * vl_span * PAGE;
}

/* The lowest (va, iova) live mapping whose process memory holds va, as
 * maprec_find_va must give it. */
static void vl_check_find(struct vlarge *v, uintptr_t va)
{
	const struct maprec_entry *e = maprec_find_va(&v->r, va);
	size_t k, best = VL_PLACES;

	for (k = 0; k < VL_PLACES; k++) {
		const struct vplace *p = &v->p[k];

		if (p->state != VP_LIVE || !p->va || p->va > va ||
		    va - p->va >= p->len)
			continue;
		if (best == VL_PLACES || p->va < v->p[best].va)
			best = k;	/* k ascending: the IOVA breaks ties */
	}
	if (best == VL_PLACES) {
		expect_msg(!e, "find_va(%#jx) found a mapping the model has not",
			   (uintmax_t)va);
		return;
	}
	expect_msg(e && e->iova == vl_iova(best) && e->va == v->p[best].va,
		   "find_va(%#jx) did not give the lowest live mapping", (uintmax_t)va);
}

static void vl_add(struct vlarge *v, size_t k)
{
	struct vplace *p = &v->p[k];
	uint64_t len = (1 + rnd(vl_span)) * PAGE;
	uintptr_t va = rnd(8) ? (uintptr_t)(1 + rnd(vl_va_pages)) * PAGE : 0;

	/* mostly the memory this place mapped last (the buffer mapped
	 * again: the stale slot and the hole keep theirs) */
	if (p->va && rnd(2)) {
		va = p->va;
		len = p->len;
	}
	expect_eq(maprec_add(&v->r, vl_iova(k), len, va), 0);
	if (p->state == VP_TAKEN)
		v->must_release[p->list] = true;	/* mapped over */
	p->state = VP_LIVE;
	p->len = len;
	p->va = va;
	v->live++;
}

/* Give the kernel's answer to pending take i. */
static void vl_resolve(struct vlarge *v, int i)
{
	struct maprec_entry *e, *taken = v->pending[i];
	bool back = !v->must_release[i] && !rnd(3);
	size_t k;

	for (e = taken; e; e = e->next_taken) {
		k = (size_t)(e->iova / (vl_span * PAGE));
		/* the places a map landed on since are live again */
		if (v->p[k].state == VP_TAKEN && v->p[k].list == i) {
			v->p[k].state = back ? VP_LIVE : VP_FREE;
			v->live += back;
		}
	}
	if (back)
		maprec_put_back(&v->r, taken);
	else
		maprec_release(&v->r, taken);
	v->pending[i] = NULL;
	v->must_release[i] = false;
}

static void vl_take(struct vlarge *v, size_t k, int i)
{
	struct maprec_entry *taken;
	const struct maprec_entry *cut;

	expect_eq(maprec_take(&v->r, vl_iova(k), v->p[k].len, &taken, &cut), 0);
	expect_eq(list_length(taken), 1);
	v->p[k].state = VP_TAKEN;
	v->p[k].list = i;
	v->live--;
	v->pending[i] = taken;
}

/* take_va of one live mapping's whole process range: every live mapping
 * inside it is taken, in (va, iova) order, unless one sticks out. */
static void vl_take_va(struct vlarge *v, size_t k, int i)
{
	uintptr_t va = v->p[k].va;
	uint64_t len = v->p[k].len, n = 0;
	struct maprec_entry *taken, *e;
	const struct maprec_entry *cut;
	bool sticks = false;
	size_t j;
	int ret;

	for (j = 0; j < VL_PLACES; j++) {
		const struct vplace *p = &v->p[j];

		if (p->state != VP_LIVE || !p->va || p->va >= va + len ||
		    p->va + p->len <= va)
			continue;
		if (p->va < va || p->va + p->len > va + len)
			sticks = true;
		n++;
	}
	ret = maprec_take_va(&v->r, va, len, &taken, &cut);
	if (sticks) {
		expect_eq(ret, -EXDEV);
		expect_null(taken);
		return;
	}
	expect_eq(ret, 0);
	expect_eq(list_length(taken), n);
	for (e = taken; e; e = e->next_taken) {
		j = (size_t)(e->iova / (vl_span * PAGE));
		expect(v->p[j].state == VP_LIVE && v->p[j].va == e->va);
		if (e->next_taken)
			expect(va_key_less(e->va, e->iova, e->next_taken->va,
					   e->next_taken->iova));
		v->p[j].state = VP_TAKEN;
		v->p[j].list = i;
		v->live--;
	}
	v->pending[i] = taken;
}

/*
 * 30,000 mappings or so, enough for an index by process address of four
 * levels, against a model of places: maps (often of the memory a place
 * had: the hole and the stale slot), unmaps by IOVA and by process
 * address left pending, put back or released, maps over pending ones,
 * and lookups by process address checked against the model; both trees'
 * invariants checked as it goes, then emptied.
 */
START_TEST(va_large)
{
	vl_span = _i ? 256 : 4;
	vl_va_pages = _i ? 1000 : 20000;
	enum { OPS = 120000 };
	struct vlarge *v = calloc(1, sizeof(*v));
	unsigned int max_height = 0;
	size_t k;
	int op, i;

	expect_nonnull(v);
	v->p = calloc(VL_PLACES, sizeof(*v->p));
	expect_nonnull(v->p);
	rng_state = 0xdeadbeefcafef00dull;
	maprec_init(&v->r);
	/* half of it first, then the index, then the rest at random */
	for (k = 0; k < VL_PLACES / 2; k++)
		vl_add(v, k * 2);
	expect_eq(maprec_va_index(&v->r), 0);
	check_record(&v->r);
	for (op = 0; op < OPS; op++) {
		unsigned int what = (unsigned int)rnd(16);

		k = (size_t)rnd(VL_PLACES);
		i = (int)rnd(VL_PENDING);
		if (what < 6 + 4 * (v->live < 30000)) {
			if (v->p[k].state != VP_LIVE)
				vl_add(v, k);	/* free, or mapped over */
		} else if (what < 13) {
			if (v->pending[i])
				vl_resolve(v, i);
			else if (v->p[k].state == VP_LIVE)
				vl_take(v, k, i);
		} else if (what == 13) {
			if (!v->pending[i] && v->p[k].state == VP_LIVE &&
			    v->p[k].va && !rnd(16))
				vl_take_va(v, k, i);
		} else if (!rnd(8)) {	/* the model's lookup is O(n) */
			vl_check_find(v, (uintptr_t)random_point(vl_va_pages + vl_span));
			if (v->p[k].state == VP_LIVE && v->p[k].va)
				vl_check_find(v, v->p[k].va + (uintptr_t)rnd(v->p[k].len));
			/* a pending take's memory: skipped while taken */
			if (v->pending[i] && v->pending[i]->va)
				vl_check_find(v, v->pending[i]->va);
		}
		expect_eq(v->r.count, v->live);
		if (v->r.vheight > max_height)
			max_height = v->r.vheight;
		/* often enough that a wrong max or separator is seen before
		 * later moves overwrite it */
		if (op % 1024 == 0)
			check_record(&v->r);
	}
	check_record(&v->r);
	expect_ge(max_height, 3);
	/* empty it: every pending answered, every mapping released */
	for (i = 0; i < VL_PENDING; i++)
		if (v->pending[i])
			vl_resolve(v, i);
	for (k = 0; k < VL_PLACES; k++) {
		if (v->p[k].state == VP_LIVE) {
			vl_take(v, k, 0);
			v->must_release[0] = true;
			vl_resolve(v, 0);
		}
		/* the merges and borrows of a shrinking tree */
		if (k % 512 == 0)
			check_record(&v->r);
	}
	check_record(&v->r);
	expect_null(v->r.root);
	expect_null(v->r.vroot);
	expect_eq(v->r.va_nodes, 0);
	maprec_fini(&v->r);
	free(v->p);
	free(v);
}
END_TEST

/* The spare nodes go back to malloc, so that the next ones the record
 * needs are allocated (and can be made to fail). */
static void drain_spare_nodes(struct maprec *r)
{
	while (r->spare_nodes) {
		union maprec_node *n = r->spare_nodes;

		r->spare_nodes = n->next_spare;
		r->nspare_nodes--;
		free(n);
	}
}

/* What an -ENOMEM must have left as it was. */
static void expect_unchanged(struct maprec *r, const struct model *md,
			     size_t held, size_t count, size_t va_nodes)
{
	expect_eq(r->held, held);
	expect_eq(r->count, count);
	expect_eq(r->va_nodes, va_nodes);
	check_record(r);
	compare_walk(r, md);
}

/*
 * Out of memory for the index by process address: building it
 * (maprec_va_index, maprec_take_va) fails with -ENOMEM and leaves the
 * record unindexed and as it was, at every allocation it makes; an add
 * that needs nodes of the index (a new mapping, or the hole refilled with
 * other memory) fails before it changes anything, the hole included.
 */
START_TEST(va_index_alloc_failure)
{
	enum { N = 4000 };
	/* process memory no mapping of the record has */
	const uintptr_t VA_FREE = (2 * N) * PAGE, VA_FREE2 = (2 * N + 8) * PAGE;
	struct maprec r;
	struct model md = { 0 };
	struct maprec_entry *taken = (void *)1, *hole;
	const struct maprec_entry *cut;
	unsigned int failures = 0;
	long budget;
	size_t k;
	int ret;

	rng_state = 4242;
	maprec_init(&r);
	for (k = 0; k < N; k++) {
		uintptr_t va = (uintptr_t)(1 + rnd(N)) * PAGE;

		expect_eq(maprec_add(&r, (2 * k + 2) * PAGE, PAGE, va), 0);
		model_add(&md, (2 * k + 2) * PAGE, PAGE, va);
	}
	drain_spare_nodes(&r);

	/* a take by address builds it first: nothing taken */
	malloc_budget = 0;
	ret = maprec_take_va(&r, PAGE, 2 * PAGE, &taken, &cut);
	malloc_budget = -1;
	expect_eq(ret, -ENOMEM);
	expect_null(taken);
	expect(!r.va_indexed);
	expect_unchanged(&r, &md, N, N, 0);

	/* each failing build leaves what it got spare: a larger budget
	 * each time gets it through */
	for (budget = 0, ret = -ENOMEM; ret == -ENOMEM; budget++) {
		drain_spare_nodes(&r);
		malloc_budget = budget;
		ret = maprec_va_index(&r);
		malloc_budget = -1;
		if (ret == -ENOMEM) {
			failures++;
			expect(!r.va_indexed);
			expect_null(r.vroot);
			expect_null(maprec_find_va(&r, md.m[0].va));
			expect_unchanged(&r, &md, N, N, 0);
		}
		expect_lt(budget, 1000);
	}
	expect_eq(ret, 0);
	expect_ge(failures, 100);	/* about one node for 30 mappings */
	check_record(&r);

	/* a new mapping with process memory needs the index's nodes */
	drain_spare_nodes(&r);
	for (budget = 0, ret = -ENOMEM; ret == -ENOMEM; budget++) {
		size_t va_nodes = r.va_nodes;

		malloc_budget = budget;
		ret = maprec_add(&r, (2 * N + 2) * PAGE, PAGE, VA_FREE);
		malloc_budget = -1;
		if (ret == -ENOMEM) {
			expect_unchanged(&r, &md, N, N, va_nodes);
			expect_null(maprec_find_va(&r, VA_FREE));
		}
		expect_lt(budget, 8);
	}
	expect_eq(ret, 0);
	expect_ge(budget, 2);	/* it failed at least once */
	model_add(&md, (2 * N + 2) * PAGE, PAGE, VA_FREE);
	expect_eq(maprec_find_va(&r, VA_FREE)->iova, (2 * N + 2) * PAGE);

	/* the hole (a mapping in the middle unmapped), mapped again at its
	 * IOVA with other memory: it stays the hole on failure */
	expect_eq(maprec_take(&r, md.m[N / 2].iova, PAGE, &taken, &cut), 0);
	hole = taken;
	maprec_release(&r, taken);
	expect_ptr_eq(r.hole, hole);
	model_remove(&md, N / 2, 1);
	drain_spare_nodes(&r);
	malloc_budget = 0;
	ret = maprec_add(&r, hole->iova, PAGE, VA_FREE2);
	malloc_budget = -1;
	expect_eq(ret, -ENOMEM);
	expect_ptr_eq(r.hole, hole);
	expect_null(maprec_find_va(&r, VA_FREE2));
	expect_unchanged(&r, &md, N + 1, N, r.va_nodes);
	/* with memory it refills the hole and indexes the new memory */
	expect_eq(maprec_add(&r, hole->iova, PAGE, VA_FREE2), 0);
	expect_null(r.hole);
	model_add(&md, hole->iova, PAGE, VA_FREE2);
	expect_eq(maprec_find_va(&r, VA_FREE2 + PAGE - 1)->iova, hole->iova);
	check_record(&r);
	compare_walk(&r, &md);

	/* An add that needs no node must not fail for want of one: the hole
	 * mapped again with its own memory at its own IOVA keeps both its
	 * slots; the lowest mapping unmapped and mapped again keeps its
	 * stale slot by process address (and the IOVA leaf has room). */
	expect_eq(maprec_take(&r, md.m[N / 3].iova, PAGE, &taken, &cut), 0);
	hole = taken;
	maprec_release(&r, taken);
	expect_ptr_eq(r.hole, hole);
	drain_spare_nodes(&r);
	malloc_budget = 0;
	ret = maprec_add(&r, md.m[N / 3].iova, PAGE, md.m[N / 3].va);
	malloc_budget = -1;
	expect_eq(ret, 0);
	expect_null(r.hole);
	expect_ptr_eq(maprec_find_iova(&r, md.m[N / 3].iova), hole);
	check_record(&r);
	{
		const struct maprec_entry *low = maprec_first(&r);
		uint64_t iova = low->iova;
		uintptr_t va = low->va;

		expect_eq(maprec_take(&r, iova, PAGE, &taken, &cut), 0);
		maprec_release(&r, taken);
		expect_ptr_eq(r.vstale, taken);
		drain_spare_nodes(&r);
		malloc_budget = 0;
		ret = maprec_add(&r, iova, PAGE, va);
		malloc_budget = -1;
		expect_eq(ret, 0);
		expect_null(r.vstale);
		expect_eq(maprec_find_iova(&r, iova)->va, va);
		check_record(&r);
	}
	compare_walk(&r, &md);
	maprec_fini(&r);
	free(md.m);
}
END_TEST

/*
 * The hole a release leaves: a map at its IOVA takes the same entry and
 * slot (nothing moves, nothing is allocated); one just below the first
 * slot of a leaf that has a left neighbour, or just above the last slot of
 * one with a right neighbour, may lie beyond the leaf's separator and goes
 * the usual way; so does one that overlaps a neighbour (-EEXIST).
 */
START_TEST(hole_refill_in_place_and_at_leaf_edges)
{
	enum { N = 3 * MAPREC_LEAF_SLOTS };
	struct maprec r;
	struct model md = { 0 };
	struct maprec_entry *taken;
	const struct maprec_entry *cut, *e;
	const struct maprec_leaf *l;
	size_t held, nodes, k;
	unsigned int c;

	maprec_init(&r);
	fill_appended(&r, &md, N);
	/* slot k at IOVA (2k + 2) pages, one page each */
	for (c = 0; c < 3; c++) {
		/* the first slot of the second leaf, its last, one in its
		 * middle: it has neighbours on both sides */
		const struct maprec_leaf *second = r.first->next;
		unsigned int pos = c == 0 ? 0 : c == 1 ? second->n - 1u : 9;
		uint64_t iova = second->slot[second->lo + pos].key;

		expect_nonnull(second->next);
		for (k = 0; md.m[k].iova != iova; k++)
			;
		expect_eq(maprec_take(&r, iova, PAGE, &taken, &cut), 0);
		l = taken->leaf;
		maprec_release(&r, taken);
		expect_ptr_eq(r.hole, taken);
		check_record(&r);
		held = r.held;
		nodes = r.nodes;
		/* the same IOVA, another length and process address */
		expect_eq(maprec_add(&r, iova, PAGE / 2, 0x5000), 0);
		expect_null(r.hole);
		e = maprec_find_iova(&r, iova);
		expect_ptr_eq(e, taken);
		expect_ptr_eq(e->leaf, l);
		expect_eq(e->len, PAGE / 2);
		expect_eq(r.held, held);
		expect_eq(r.nodes, nodes);
		md.m[k].len = PAGE / 2;
		md.m[k].va = 0x5000;
		check_record(&r);
		compare_walk(&r, &md);

		/* again, and now a page lower (first slot: beyond the
		 * separator, maybe) or higher (last slot) */
		expect_eq(maprec_take(&r, iova, PAGE / 2, &taken, &cut), 0);
		maprec_release(&r, taken);
		model_remove(&md, k, 1);
		iova += c == 1 ? PAGE : c == 0 ? -PAGE : PAGE / 2;
		expect_eq(maprec_add(&r, iova, PAGE / 2, 0), 0);
		model_add(&md, iova, PAGE / 2, 0);
		check_record(&r);
		compare_walk(&r, &md);
		expect_eq(maprec_find_iova(&r, iova)->iova, iova);

		/* a hole whose map would overlap the next mapping */
		for (k = 0; md.m[k].iova != iova; k++)
			;
		expect_eq(maprec_take(&r, iova, PAGE / 2, &taken, &cut), 0);
		maprec_release(&r, taken);
		model_remove(&md, k, 1);
		expect_eq(maprec_add(&r, iova, md.m[k].iova - iova + 1, 0),
			  -EEXIST);
		expect_null(r.hole);
		check_record(&r);
		compare_walk(&r, &md);
	}
	maprec_fini(&r);
	free(md.m);
}
END_TEST

/*
 * Unmaps from the lowest mapping up and from the highest down: the leaf at
 * that end runs thin and goes when empty, without taking slots from its
 * neighbour (which keeps all of its own), at every level as the tree
 * shrinks, down to empty.
 */
START_TEST(end_leaves_run_thin)
{
	enum { N = 3 * MAPREC_LEAF_SLOTS * MAPREC_FANOUT / 2 };
	struct maprec r;
	struct model md = { 0 };
	unsigned int side;

	for (side = 0; side < 2; side++) {
		size_t step = 0;

		maprec_init(&r);
		fill_appended(&r, &md, N);
		expect_eq(r.height, 3);
		while (md.n) {
			size_t at = side ? md.n - 1 : 0;
			const struct maprec_leaf *next =
				side ? r.last->prev : r.first->next;
			size_t before = next ? next->n : 0;

			take_release(&r, &md, at);
			/* the neighbour of the end leaf gave nothing (unless
			 * the end leaf went and it is the end now) */
			if (next && (side ? r.last : r.first) != next)
				expect_eq(next->n, before);
			if (step++ % 97 == 0 || md.n < 2 * MAPREC_LEAF_SLOTS)
				check_record(&r);
		}
		check_record(&r);
		expect_null(r.root);
		expect_eq(r.nodes, 0);
		maprec_fini(&r);
	}
	free(md.m);
}
END_TEST

/* The child of the root of the index by process address that holds e. */
static const void *va_root_child(const struct maprec_entry *e)
{
	const void *node = e->vleaf;
	const struct maprec_vinner *p = e->vleaf->parent;

	for (; p->parent; p = p->parent)
		node = p;
	return node;
}

/* Mapping k of va_inner_borrow_moves_the_largest_end: IOVAs far apart, so
 * that one may reach far in process memory, one page each in it. */
#define FAR_IOVA(k) ((uint64_t)(k) << 33)

static void take_release_at(struct maprec *r, uint64_t k)
{
	struct maprec_entry *taken;
	const struct maprec_entry *cut;

	expect_eq(maprec_take(r, FAR_IOVA(k), PAGE, &taken, &cut), 0);
	maprec_release(r, taken);
}

/*
 * An inner node of the index by process address that runs thin takes
 * children from its sibling, and the mapping with the largest last byte
 * goes with them: both nodes' max_last and their child_max in the root
 * follow it. Side 0: the left node, emptied from the lowest address,
 * takes its right sibling's first children, the far-reaching mapping in
 * the first of them; side 1: the right node, emptied from the highest,
 * takes its left sibling's last, the mapping in the last.
 */
START_TEST(va_inner_borrow_moves_the_largest_end)
{
	enum { PER_LEAF = MAPREC_VA_SLOTS, LEFT = MAPREC_VA_FANOUT - 1,
	       N = (LEFT + MAPREC_VA_FANOUT) * PER_LEAF, LONG = 1 << 20 };
	_Static_assert((uint64_t)LONG * PAGE < FAR_IOVA(1), "IOVAs apart");
	const uintptr_t va0 = 1ull << 40;
	const struct maprec_vinner *root;
	const struct maprec_entry *far;
	struct maprec_entry *taken;
	const struct maprec_entry *cut;
	const void *from;
	uint64_t far_k, lo = 1, hi = N, k;
	struct maprec r;

	maprec_init(&r);
	expect_eq(maprec_va_index(&r), 0);
	/* appended in address order: full leaves, and a root over a left
	 * node of LEFT leaves and a right one of a full fanout */
	for (k = 1; k <= N; k++)
		expect_eq(maprec_add(&r, FAR_IOVA(k), PAGE, va0 + k * PAGE), 0);
	expect_eq(r.vheight, 3);
	root = r.vroot;
	expect_eq(root->n, 2);
	expect_eq(((const struct maprec_vinner *)root->child[0])->n, LEFT);
	expect_eq(((const struct maprec_vinner *)root->child[1])->n,
		  MAPREC_VA_FANOUT);
	/* the far-reaching mapping: the right node's first, or the left
	 * node's last, mapped again where it was with a long range */
	far_k = _i ? LEFT * PER_LEAF : LEFT * PER_LEAF + 1;
	expect_eq(maprec_take(&r, FAR_IOVA(far_k), PAGE, &taken, &cut), 0);
	maprec_release(&r, taken);
	expect_eq(maprec_add(&r, FAR_IOVA(far_k), LONG * PAGE,
			     va0 + far_k * PAGE), 0);
	far = maprec_find_iova(&r, FAR_IOVA(far_k));
	from = va_root_child(far);
	expect_ptr_eq(from, root->child[!_i]);
	expect_eq(root->child_max[!_i], last_va(far));
	check_record(&r);

	/* empty the other node from the far end until it borrows */
	while (va_root_child(far) == from) {
		take_release_at(&r, _i ? hi-- : lo++);
		expect_ptr_eq(r.vroot, root);
		expect_eq(root->n, 2);
	}
	check_record(&r);
	expect_ptr_eq(va_root_child(far), root->child[_i]);
	expect_eq(root->child_max[_i], last_va(far));
	expect_lt(root->child_max[!_i], last_va(far));
	expect_eq(root->max_last, last_va(far));
	expect_eq(maprec_find_va(&r, va0 + (far_k + LONG - 1) * PAGE), far);
	maprec_fini(&r);
}
END_TEST

/*
 * The index by start: not built by unmaps at the ends or next to each
 * other, nor by a random drain; built by unmaps at random that maps refill,
 * grown by adds, made smaller as the record empties, dropped when small;
 * and when there is no memory for it, takes still find everything.
 */
START_TEST(start_index_lifetime)
{
	enum { N = 4000 };
	struct maprec r;
	struct model md = { 0 };
	size_t i, slots;

	maprec_init(&r);
	fill_appended(&r, &md, N);
	for (i = 0; i < 200; i++)
		take_release(&r, &md, i % 2 ? 0 : md.n - 1);
	for (i = 0; i < 200; i++)
		take_release(&r, &md, 1000);	/* the next one each time */
	expect_null(r.hash);
	/* a random drain of 1000 */
	rng_state = 99;
	for (i = 0; i < 1000; i++)
		take_release(&r, &md, rnd(md.n));
	expect_null(r.hash);
	check_record(&r);

	/* at random, refilled: built, with no memory first */
	malloc_fail_size = 4096;
	for (i = 0; i < 300; i++)
		random_refill(&r, &md);
	malloc_fail_size = SIZE_MAX;
	expect_null(r.hash);
	check_record(&r);
	compare_walk(&r, &md);
	for (i = 0; i < 300; i++)
		random_refill(&r, &md);
	expect_nonnull(r.hash);
	check_record(&r);
	slots = r.hash_mask + 1;
	expect_ge(slots, 3 * r.held);
	expect_le(slots, 6 * r.held);

	/* grown */
	for (i = 0; i < 2 * N; i++) {
		uint64_t iova = (2 * N + 4 + i) * PAGE * 2;

		expect_eq(maprec_add(&r, iova, PAGE, 0), 0);
		model_add(&md, iova, PAGE, 0);
	}
	check_record(&r);
	expect_gt(r.hash_mask + 1, slots);
	slots = r.hash_mask + 1;
	/* a grow that finds no memory drops it; takes still work */
	malloc_fail_size = 4096;
	for (i = 0; r.hash && i < 4 * N; i++) {
		uint64_t iova = (8 * N + i) * PAGE * 2;

		expect_eq(maprec_add(&r, iova, PAGE, 0), 0);
		model_add(&md, iova, PAGE, 0);
	}
	malloc_fail_size = SIZE_MAX;
	expect_null(r.hash);
	check_record(&r);
	compare_walk(&r, &md);
	for (i = 0; i < 300; i++)
		random_refill(&r, &md);
	expect_nonnull(r.hash);

	/* emptied at random: smaller, then gone */
	slots = r.hash_mask + 1;
	while (md.n > 100) {
		take_release(&r, &md, rnd(md.n));
		if (md.n % 512 == 0)
			check_record(&r);
	}
	check_record(&r);
	expect(!r.hash || r.hash_mask + 1 < slots);
	while (md.n)
		take_release(&r, &md, rnd(md.n));
	expect_null(r.hash);
	check_record(&r);
	maprec_fini(&r);
	free(md.m);
}
END_TEST

static Suite *maprec_suite(void)
{
	Suite *s = suite_create("maprec");
	TCase *tc;

	tc = tcase_create("edges");
	tcase_add_test(tc, empty);
	tcase_add_test(tc, invalid_ranges);
	tcase_add_test(tc, top_of_iova_space);
	tcase_add_test(tc, longest_mapping);
	tcase_add_test(tc, top_of_process_space);
	tcase_add_test(tc, no_process_memory);
	tcase_add_test(tc, va_index_lazy);
	tcase_add_test(tc, spare_entries);
	tcase_add_test(tc, overlap_leaves_record_unchanged);
	tcase_add_loop_test(tc, take_semantics, 0,
			    sizeof(take_cases) / sizeof(take_cases[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("random");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, sequential);
	tcase_add_test(tc, appends_past_a_full_inner_node_then_lifo);
	tcase_add_test(tc, add_over_taken_and_recorded_changes_nothing);
	tcase_add_loop_test(tc, differential, 0, 4);
	tcase_add_test(tc, large_random);
	tcase_add_test(tc, deep_random);
	suite_add_tcase(s, tc);

	tc = tcase_create("btree");
	tcase_set_timeout(tc, 600);
	tcase_add_loop_test(tc, split_merge_every_position, 0,
			    3 * (MAPREC_LEAF_SLOTS + 1));
	tcase_add_test(tc, take_across_leaves_put_back);
	tcase_add_test(tc, node_alloc_failure);
	tcase_add_test(tc, hole_refill_in_place_and_at_leaf_edges);
	tcase_add_test(tc, end_leaves_run_thin);
	tcase_add_test(tc, start_index_lifetime);
	tcase_add_loop_test(tc, differential_100k, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("va");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, stale_slot_reuse);
	tcase_add_loop_test(tc, va_large, 0, 2);
	tcase_add_test(tc, va_index_alloc_failure);
	tcase_add_loop_test(tc, va_inner_borrow_moves_the_largest_end, 0, 2);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(maprec_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
