/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The PASID space (idspace.h) and the binding map (idmap.h), against a plain
 * array that is obviously right: random takes, gives and searches over the
 * whole 20-bit space, dense runs at the chunk and word edges, the memory
 * bounds the scale promise rests on (at most 160 KiB for a full space, 4 KiB
 * for ten PASIDs), and nothing left allocated once everything is given back.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "idmap.h"
#include "idspace.h"

#define MAXID IDSPACE_MAX
/* what one ID costs in either record once its table or top level has
 * grown to reach the whole space (plus one chunk, or one mid and leaf
 * node) */
#define ONE_PATH 2576
/* the same while the table or top level is one pointer (IDs below 4096 in
 * the space, 8192 in the map) */
#define LOW_CHUNK 536
#define LOW_PATH 1560

static unsigned char *model;

/* the first free ID in [from, max] by brute force */
static uint32_t model_find(uint32_t from, uint32_t max)
{
	uint32_t i;

	for (i = from; i <= max; i++)
		if (!model[i])
			return i;
	return 0;
}

static uint32_t rnd(uint32_t n)
{
	return (uint32_t)(random() % n);
}

static void setup(void)
{
	model = calloc(MAXID + 1, 1);
	ck_assert_ptr_nonnull(model);
	srandom(7);
}

static void teardown(void)
{
	free(model);
}

START_TEST(space_matches_model)
{
	struct idspace s = { 0 };
	int op;

	for (op = 0; op < 100000; op++) {
		/* IDs near the edges of words and chunks come up often */
		uint32_t id = rnd(4) ? 1 + rnd(MAXID) :
			      ((rnd(256) << 12) | (rnd(2) ? rnd(64) : 4095 - rnd(64)));
		uint32_t from, max;

		if (id == 0 || id > MAXID)
			id = 1;
		switch (rnd(3)) {
		case 0:
			if (!model[id]) {
				ck_assert_int_eq(idspace_take(&s, id), 0);
				model[id] = 1;
			}
			break;
		case 1:
			if (model[id]) {
				idspace_give(&s, id);
				model[id] = 0;
			}
			break;
		default:
			from = id;
			max = from + rnd(MAXID - from + 1);
			ck_assert_uint_eq(idspace_find_free(&s, from, max),
					  model_find(from, max));
		}
		ck_assert(idspace_test(&s, id) == !!model[id]);
	}
	idspace_fini(&s);
}
END_TEST

/* A dense block: every search skips it whole, and the space is bounded. */
START_TEST(space_full)
{
	struct idspace s = { 0 };
	uint32_t id;

	for (id = 1; id <= MAXID; id++)
		ck_assert_int_eq(idspace_take(&s, id), 0);
	ck_assert_uint_eq(s.taken, MAXID);
	ck_assert_uint_le(idspace_bytes(&s), 160 * 1024);
	ck_assert_uint_eq(idspace_find_free(&s, 1, MAXID), 0);
	idspace_give(&s, 0x80000);
	idspace_give(&s, MAXID);
	ck_assert_uint_eq(idspace_find_free(&s, 1, MAXID), 0x80000);
	ck_assert_uint_eq(idspace_find_free(&s, 0x80001, MAXID), MAXID);
	ck_assert_uint_eq(idspace_find_free(&s, 0x80001, MAXID - 1), 0);
	/* a narrower device's max is respected */
	ck_assert_uint_eq(idspace_find_free(&s, 1, 0x7ffff), 0);
	for (id = 1; id <= MAXID; id++)
		if (id != 0x80000 && id != MAXID)
			idspace_give(&s, id);
	/* everything given back: one empty chunk and the table stay for the
	 * next take, and no more however the space is used after */
	ck_assert_uint_eq(idspace_bytes(&s), ONE_PATH);
	ck_assert_int_eq(idspace_take(&s, 5), 0);
	idspace_give(&s, 5);
	ck_assert_int_eq(idspace_take(&s, 0x90000), 0);
	idspace_give(&s, 0x90000);
	ck_assert_uint_eq(idspace_bytes(&s), ONE_PATH);
	idspace_fini(&s);
	ck_assert_uint_eq(idspace_bytes(&s), 0);
}
END_TEST

/* The space once its table is whole (PASID_ANY's cursor has gone far up,
 * or a high PASID was bound): after the top PASID came and went, its
 * emptied chunk kept for the next, ten PASIDs near each other still cost
 * at most 4 KiB there. */
START_TEST(space_small_when_grown)
{
	struct idspace s = { 0 };
	uint32_t id;

	ck_assert_int_eq(idspace_take(&s, MAXID), 0);
	idspace_give(&s, MAXID);
	for (id = 0x80000; id < 0x80000 + 10; id++)
		ck_assert_int_eq(idspace_take(&s, id), 0);
	ck_assert_uint_eq(s.nchunks, IDSPACE_NCHUNKS);
	ck_assert_uint_le(idspace_bytes(&s), 4096);
	ck_assert_uint_eq(idspace_find_free(&s, 0x80000, MAXID), 0x80000 + 10);
	idspace_fini(&s);
}
END_TEST

/* Ten PASIDs as PASID_ANY hands them out to a new device: the space and
 * the binding map together within 4 KiB, their tables one pointer long;
 * an ID far up grows them, and what is below stays found. */
START_TEST(space_small)
{
	struct idspace s = { 0 };
	struct idmap m = { 0 };
	uint32_t id;

	for (id = 1; id <= 10; id++) {
		ck_assert_int_eq(idspace_take(&s, id), 0);
		ck_assert_int_eq(idmap_reserve(&m, id), 0);
		idmap_set(&m, id, &m);
	}
	ck_assert_uint_le(idspace_bytes(&s) + idmap_bytes(&m), 4096);
	ck_assert_uint_eq(idspace_bytes(&s), LOW_CHUNK);
	ck_assert_uint_eq(idmap_bytes(&m), LOW_PATH);
	ck_assert_uint_eq(s.nchunks, 1);
	ck_assert_uint_eq(m.ntop, 1);
	ck_assert_uint_eq(idspace_find_free(&s, 1, 255), 11);
	ck_assert_uint_eq(idspace_find_free(&s, 4096, MAXID), 4096);

	ck_assert_int_eq(idspace_take(&s, MAXID), 0);
	ck_assert_int_eq(idmap_reserve(&m, MAXID), 0);
	idmap_set(&m, MAXID, &s);
	ck_assert_uint_eq(s.nchunks, IDSPACE_NCHUNKS);
	ck_assert_uint_eq(m.ntop, 128);
	for (id = 1; id <= 10; id++) {
		ck_assert(idspace_test(&s, id));
		ck_assert_ptr_eq(idmap_get(&m, id), &m);
	}
	ck_assert_uint_eq(idspace_find_free(&s, 1, MAXID), 11);
	ck_assert_uint_eq(idspace_find_free(&s, MAXID, MAXID), 0);
	ck_assert_ptr_eq(idmap_get(&m, MAXID), &s);
	ck_assert_ptr_eq(idmap_next(&m, 11, &id), &s);
	ck_assert_uint_eq(id, MAXID);
	idspace_fini(&s);
	idmap_fini(&m);
	ck_assert_uint_eq(idspace_bytes(&s), 0);
	ck_assert_uint_eq(idmap_bytes(&m), 0);
}
END_TEST

START_TEST(map_matches_model)
{
	struct idmap m = { 0 };
	size_t count = 0;
	uint32_t id, next, from, i;
	int op;
	void *p;

	for (op = 0; op < 100000; op++) {
		id = rnd(3) ? rnd(MAXID + 1) : rnd(300);
		switch (rnd(3)) {
		case 0:
			ck_assert_int_eq(idmap_reserve(&m, id), 0);
			if (!model[id])
				count++;
			model[id] = 1 + rnd(200);
			idmap_set(&m, id, &model[id]);
			break;
		case 1:
			if (model[id])
				count--;
			model[id] = 0;
			idmap_remove(&m, id);
			break;
		default:
			p = idmap_next(&m, id, &next);
			for (i = id; i <= MAXID && !model[i]; i++)
				;
			if (i > MAXID) {
				ck_assert_ptr_null(p);
			} else {
				ck_assert_uint_eq(next, i);
				ck_assert_ptr_eq(p, &model[i]);
			}
		}
		ck_assert_uint_eq(m.count, count);
		ck_assert_ptr_eq(idmap_get(&m, id), model[id] ? &model[id] : NULL);
	}
	/* a walk visits each entry once, in order; removing all frees all
	 * but the last one's path, kept for the next */
	from = 0;
	while ((p = idmap_next(&m, from, &next))) {
		ck_assert_ptr_eq(p, &model[next]);
		idmap_remove(&m, next);
		model[next] = 0;
		from = next + 1;
	}
	ck_assert_uint_eq(m.count, 0);
	ck_assert_uint_eq(idmap_bytes(&m), ONE_PATH);
	idmap_fini(&m);
	ck_assert_uint_eq(idmap_bytes(&m), 0);
}
END_TEST

/* A reservation that is never used leaves one path at most, and the paths
 * kept do not pile up. */
START_TEST(map_unused_reserve)
{
	struct idmap m = { 0 };
	size_t one;

	ck_assert_int_eq(idmap_reserve(&m, 77777), 0);
	one = idmap_bytes(&m);
	/* top entry 9: a top level of 16 pointers, one mid, one leaf */
	ck_assert_uint_eq(one, LOW_PATH + 15 * sizeof(void *));
	idmap_remove(&m, 77777);
	ck_assert_uint_eq(idmap_bytes(&m), one);
	ck_assert_int_eq(idmap_reserve(&m, 5), 0);
	idmap_set(&m, 5, &m);
	idmap_remove(&m, 5);
	ck_assert_uint_eq(idmap_bytes(&m), one);
	ck_assert_int_eq(idmap_reserve(&m, MAXID + 1), -EINVAL);
	idmap_fini(&m);
}
END_TEST

/* One PASID bound and unbound after another on the same leaf (1, 2, 3: a
 * PASID_ANY user) keeps the one path, never freeing and refilling it. */
START_TEST(map_kept_path_shared_by_neighbours)
{
	struct idmap m = { 0 };
	uint32_t id;

	for (id = 1; id <= 3; id++) {
		ck_assert_int_eq(idmap_reserve(&m, id), 0);
		idmap_set(&m, id, &m);
		idmap_remove(&m, id);
		ck_assert_uint_eq(idmap_bytes(&m), LOW_PATH);
		ck_assert_ptr_null(idmap_get(&m, id));
	}
	idmap_fini(&m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("idspace");
	TCase *tc = tcase_create("idspace");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, space_matches_model);
	tcase_add_test(tc, space_full);
	tcase_add_test(tc, space_small);
	tcase_add_test(tc, space_small_when_grown);
	tcase_add_test(tc, map_matches_model);
	tcase_add_test(tc, map_unused_reserve);
	tcase_add_test(tc, map_kept_path_shared_by_neighbours);
	suite_add_tcase(s, tc);
	return fx_run(s);
}
