/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * UTF-8 checks for pasidctl's output: what sysfs and users hand us are
 * bytes, and JSON must be valid UTF-8 (RFC 8259).
 */
#ifndef PASIDCTL_UTF8_H
#define PASIDCTL_UTF8_H

#include <stddef.h>

/* Length (1-4) of the well-formed UTF-8 sequence at s, 0 if the bytes
 * there are not one (stray continuation byte, overlong form, surrogate,
 * above U+10FFFF, cut short by the terminating NUL). */
size_t utf8_seq_len(const char *s);
/* Drop a sequence cut short at the end of s (after snprintf truncated
 * it), so that a truncated string ends on a character boundary. */
void utf8_trim_tail(char *s);

#endif
