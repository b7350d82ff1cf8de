/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* Reading a fuzzer's input as a stream of values; past its end every read
 * gives zeros, so a target never runs out of input in the middle. */
#ifndef LIBPASID_TESTS_FUZZ_INPUT_H
#define LIBPASID_TESTS_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct in {
	const uint8_t *p;
	size_t n;
};

static inline int in_empty(const struct in *in)
{
	return in->n == 0;
}

/* Up to len bytes into buf; returns how many there were. */
static inline size_t in_bytes(struct in *in, void *buf, size_t len)
{
	size_t k = len < in->n ? len : in->n;

	memcpy(buf, in->p, k);
	memset((uint8_t *)buf + k, 0, len - k);
	in->p += k;
	in->n -= k;
	return k;
}

static inline uint8_t in_u8(struct in *in)
{
	uint8_t v;

	in_bytes(in, &v, 1);
	return v;
}

static inline uint32_t in_u32(struct in *in)
{
	uint32_t v;

	in_bytes(in, &v, sizeof(v));
	return v;
}

static inline uint64_t in_u64(struct in *in)
{
	uint64_t v;

	in_bytes(in, &v, sizeof(v));
	return v;
}

/* A string of at most max - 1 bytes, its length given by the next byte;
 * it stops early at a NUL of the input. */
static inline void in_str(struct in *in, char *buf, size_t max)
{
	size_t len = in_u8(in) % max;

	in_bytes(in, buf, len);
	buf[len] = '\0';
}

#endif
