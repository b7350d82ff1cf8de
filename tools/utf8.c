/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* UTF-8 checks for pasidctl's output; see utf8.h. */
#include <string.h>

#include "utf8.h"

/* How many bytes a sequence with this lead byte has, 0 if none can. */
static size_t lead_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;	/* continuation byte, overlong lead C0/C1, F5..FF */
}

static int is_cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

size_t utf8_seq_len(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = lead_len(p[0]), i;

	if (n <= 1)
		return n;
	for (i = 1; i < n; i++)
		if (!is_cont(p[i]))
			return 0;	/* also the NUL of a cut sequence */
	/* the second byte's range rules out overlongs, surrogates and
	 * code points above U+10FFFF (RFC 3629, section 4) */
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f))
		return 0;
	return n;
}

void utf8_trim_tail(char *s)
{
	size_t len = strlen(s), start = len, back = 0;

	/* find the lead byte of the last sequence: at most 3 back */
	while (start > 0 && back < 4 &&
	       is_cont((unsigned char)s[start - 1])) {
		start--;
		back++;
	}
	if (start == 0)
		return;
	start--;	/* the byte before the continuation bytes */
	if (lead_len((unsigned char)s[start]) > len - start)
		s[start] = '\0';
}
