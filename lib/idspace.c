/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* The PASID space bitmap (see idspace.h for the layout and its costs). */
#include <errno.h>
#include <stdlib.h>

#include "grow.h"
#include "idspace.h"

#define WORDS_PER_CHUNK 64	/* 64 words of 64 IDs: 4096 IDs */

struct idspace_chunk {
	uint64_t full_words;		/* bit w: words[w] is all ones */
	uint32_t taken;
	uint64_t words[WORDS_PER_CHUNK];
};

_Static_assert((IDSPACE_NCHUNKS & (IDSPACE_NCHUNKS - 1)) == 0,
	       "doubling the table reaches the last chunk exactly");

static inline uint32_t chunk_of(uint32_t id)
{
	return id >> IDSPACE_CHUNK_SHIFT;
}

static inline unsigned int word_of(uint32_t id)
{
	return (id >> 6) & (WORDS_PER_CHUNK - 1);
}

void idspace_fini(struct idspace *s)
{
	uint32_t c;

	for (c = 0; c < s->nchunks; c++)
		free(s->chunks[c]);
	free(s->chunks);
	*s = (struct idspace){ 0 };
}

bool idspace_test(const struct idspace *s, uint32_t id)
{
	const struct idspace_chunk *k;

	if (id > IDSPACE_MAX || chunk_of(id) >= s->nchunks)
		return false;
	k = s->chunks[chunk_of(id)];
	return k && (k->words[word_of(id)] >> (id % 64) & 1);
}

/*
 * Make the chunk table reach chunk c. It doubles as higher chunks are
 * taken, up to all of them (2 KiB), and does not shrink: a device whose
 * PASIDs are still low (PASID_ANY starts at 1 and moves up) holds a table
 * of a pointer or a few; one whose PASID_ANY cursor has gone far up holds
 * the whole table.
 */
static int table_reach(struct idspace *s, uint32_t c)
{
	void *t = s->chunks;
	int r = grow_zeroed(&t, sizeof(*s->chunks), &s->nchunks, c);

	s->chunks = t;
	return r;
}

int idspace_take(struct idspace *s, uint32_t id)
{
	uint32_t c = chunk_of(id);
	unsigned int w = word_of(id);
	struct idspace_chunk *k;

	if (c >= s->nchunks && table_reach(s, c))
		return -ENOMEM;
	k = s->chunks[c];
	if (!k) {
		k = calloc(1, sizeof(*k));
		if (!k) {
			/* Leave nothing behind in an empty space: its table,
			 * made by this call, holds no chunk. A space in use
			 * keeps its table, larger or not. */
			if (!s->taken && !s->kept_valid) {
				free(s->chunks);
				s->chunks = NULL;
				s->nchunks = 0;
			}
			return -ENOMEM;
		}
		s->chunks[c] = k;
	}
	k->words[w] |= 1ull << (id % 64);
	k->taken++;
	s->taken++;
	if (k->words[w] == UINT64_MAX) {
		k->full_words |= 1ull << w;
		if (k->full_words == UINT64_MAX)
			s->full_chunks[c / 64] |= 1ull << (c % 64);
	}
	return 0;
}

void idspace_give(struct idspace *s, uint32_t id)
{
	uint32_t c = chunk_of(id);
	unsigned int w = word_of(id);
	struct idspace_chunk *k = s->chunks[c];

	k->words[w] &= ~(1ull << (id % 64));
	k->full_words &= ~(1ull << w);
	s->full_chunks[c / 64] &= ~(1ull << (c % 64));
	s->taken--;
	if (--k->taken)
		return;
	/* The chunk that empties the space stays, with the chunk table:
	 * binding and unbinding a lone PASID would otherwise allocate and
	 * zero a chunk every time. Only one empty chunk is kept. */
	if (!s->taken) {
		if (s->kept_valid && s->kept != c && s->chunks[s->kept] &&
		    !s->chunks[s->kept]->taken) {
			free(s->chunks[s->kept]);
			s->chunks[s->kept] = NULL;
		}
		s->kept = c;
		s->kept_valid = true;
		return;
	}
	free(k);
	s->chunks[c] = NULL;
}

/* The first chunk >= c that is not full (IDSPACE_NCHUNKS if none). */
static uint32_t next_open_chunk(const struct idspace *s, uint32_t c)
{
	while (c < IDSPACE_NCHUNKS) {
		uint64_t open = ~s->full_chunks[c / 64] & (UINT64_MAX << (c % 64));

		if (open)
			return (c & ~63u) + (uint32_t)__builtin_ctzll(open);
		c = (c & ~63u) + 64;
	}
	return IDSPACE_NCHUNKS;
}

uint32_t idspace_find_free(const struct idspace *s, uint32_t from,
			   uint32_t max)
{
	uint32_t c, id;

	while (from <= max) {
		const struct idspace_chunk *k;
		unsigned int w;
		uint64_t free_bits, open_words;

		c = next_open_chunk(s, chunk_of(from));
		if (c >= IDSPACE_NCHUNKS)
			return 0;
		if (c != chunk_of(from))
			from = c << IDSPACE_CHUNK_SHIFT;
		k = c < s->nchunks ? s->chunks[c] : NULL;
		if (!k) {
			id = from;
			goto found;
		}
		w = word_of(from);
		free_bits = ~k->words[w] & (UINT64_MAX << (from % 64));
		if (free_bits) {
			id = (from & ~63u) + (uint32_t)__builtin_ctzll(free_bits);
			goto found;
		}
		open_words = w == WORDS_PER_CHUNK - 1 ? 0 :
			     ~k->full_words & (UINT64_MAX << (w + 1));
		if (open_words) {
			w = (unsigned int)__builtin_ctzll(open_words);
			id = (c << IDSPACE_CHUNK_SHIFT) + w * 64 +
			     (uint32_t)__builtin_ctzll(~k->words[w]);
			goto found;
		}
		from = (c + 1) << IDSPACE_CHUNK_SHIFT;
	}
	return 0;
found:
	return id <= max ? id : 0;
}

size_t idspace_bytes(const struct idspace *s)
{
	size_t n = s->nchunks * sizeof(*s->chunks);
	uint32_t c;

	for (c = 0; c < s->nchunks; c++)
		if (s->chunks[c])
			n += sizeof(struct idspace_chunk);
	return n;
}
