/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* Table / JSON rendering for pasidctl; see out.h. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"
#include "utf8.h"

#define MAX_COLS 24
#define MAX_ROWS 4096
#define CELL 320

static bool json;
/* the output could not be made (no memory for a table): the command fails */
static bool broken;
static int depth;		/* JSON nesting */
static bool first[8];		/* no comma before the first member */

/* table state: the header comes from the keys of the first row */
static char head[MAX_COLS][32];
static char (*cells)[MAX_COLS][CELL];
static int ncols, nrows, col;
static bool in_list;

void out_init(bool as_json)
{
	json = as_json;
	first[0] = true;
}

static void json_sep(void)
{
	if (!first[depth])
		putchar(',');
	first[depth] = false;
}

/* A JSON string of the bytes s: names from sysfs and what users type need
 * not be UTF-8, and JSON must be, so a byte that starts no well-formed
 * sequence becomes U+FFFD (the replacement character). */
static void json_string(const char *s)
{
	size_t n;

	putchar('"');
	while (*s) {
		unsigned char c = (unsigned char)*s;

		n = utf8_seq_len(s);
		if (!n) {
			fputs("\\ufffd", stdout);
			n = 1;
		} else if (c == '"' || c == '\\') {
			printf("\\%c", c);
		} else if (c < 0x20 || c == 0x7f) {
			printf("\\u%04x", c);
		} else {
			fwrite(s, 1, n, stdout);
		}
		s += n;
	}
	putchar('"');
}

void out_error(const char *what, const char *err_name, const char *msg)
{
	if (!json)
		return;
	/* only ever the whole output: commands report before printing */
	fputs("{\"error\":{", stdout);
	json_string("what");
	putchar(':');
	json_string(what);
	putchar(',');
	json_string("errno");
	putchar(':');
	json_string(err_name);
	putchar(',');
	json_string("message");
	putchar(':');
	json_string(msg);
	fputs("}}\n", stdout);
}

void out_list_begin(const char *name)
{
	if (json) {
		json_sep();
		if (depth > 0 && name) {
			json_string(name);
			putchar(':');
		}
		putchar('[');
		first[++depth] = true;
		return;
	}
	in_list = true;
	ncols = nrows = 0;
	if (!cells)
		cells = calloc(MAX_ROWS, sizeof(*cells));
	if (!cells && !broken) {
		fprintf(stderr, "pasidctl: out of memory for the table\n");
		broken = true;
	}
}

bool out_broken(void)
{
	return broken;
}

void out_list_end(void)
{
	if (json) {
		depth--;
		putchar(']');
		if (!depth)
			putchar('\n');
		return;
	}
	out_flush();
	in_list = false;
}

void out_obj_begin(void)
{
	if (json) {
		json_sep();
		putchar('{');
		first[++depth] = true;
		return;
	}
	col = 0;
}

void out_obj_end(void)
{
	if (json) {
		depth--;
		putchar('}');
		if (!depth)
			putchar('\n');
		return;
	}
	if (in_list && nrows < MAX_ROWS)
		nrows++;
}

static void field(const char *key, const char *text, bool quoted)
{
	if (json) {
		json_sep();
		json_string(key);
		putchar(':');
		if (quoted)
			json_string(text);
		else
			fputs(text, stdout);
		return;
	}
	if (!in_list) {
		/* a single object: one "key: value" line each */
		printf("%-22s %s\n", key, text);
		return;
	}
	if (col >= MAX_COLS || !cells || nrows >= MAX_ROWS)
		return;
	if (nrows == 0) {
		snprintf(head[col], sizeof(head[col]), "%s", key);
		utf8_trim_tail(head[col]);
		ncols = col + 1;
	}
	snprintf(cells[nrows][col], CELL, "%s", text[0] ? text : "-");
	/* a cut cell ends on a character, not inside one */
	utf8_trim_tail(cells[nrows][col]);
	col++;
}

void out_str(const char *key, const char *val)
{
	field(key, val ? val : "", true);
}

void out_int(const char *key, long long val)
{
	char b[32];

	snprintf(b, sizeof(b), "%lld", val);
	field(key, b, false);
}

void out_hex(const char *key, uint64_t val)
{
	char b[32];

	snprintf(b, sizeof(b), "0x%" PRIx64, val);
	field(key, b, true);	/* JSON has no hex numbers: a string */
}

void out_bool(const char *key, bool val)
{
	field(key, val ? (json ? "true" : "yes") : (json ? "false" : "no"),
	      false);
}

void out_num(const char *key, double val, int decimals)
{
	char b[64];

	if (isnan(val) || isinf(val)) {
		field(key, json ? "null" : "-", false);
		return;
	}
	snprintf(b, sizeof(b), "%.*f", decimals, val);
	field(key, b, false);
}

void out_str_array(const char *key, const char *const *vals, size_t n)
{
	char text[CELL];
	size_t i, len = 0;

	if (json) {
		json_sep();
		json_string(key);
		fputs(":[", stdout);
		for (i = 0; i < n; i++) {
			if (i)
				putchar(',');
			json_string(vals[i]);
		}
		putchar(']');
		return;
	}
	text[0] = '\0';
	for (i = 0; i < n && len < sizeof(text); i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s",
					i ? ", " : "", vals[i]);
	/* a cut list ends on a character, not inside one */
	utf8_trim_tail(text);
	field(key, text, true);
}

bool out_is_json(void)
{
	return json;
}

void out_flush(void)
{
	int w[MAX_COLS], r, c;

	if (json || !cells)
		return;
	for (c = 0; c < ncols; c++) {
		w[c] = (int)strlen(head[c]);
		for (r = 0; r < nrows; r++)
			if ((int)strlen(cells[r][c]) > w[c])
				w[c] = (int)strlen(cells[r][c]);
	}
	/* the last column is not padded: no trailing blanks */
	for (c = 0; c < ncols; c++)
		printf("%-*s%s", c + 1 < ncols ? w[c] : 0, head[c],
		       c + 1 < ncols ? "  " : "\n");
	for (r = 0; r < nrows; r++)
		for (c = 0; c < ncols; c++)
			printf("%-*s%s", c + 1 < ncols ? w[c] : 0, cells[r][c],
			       c + 1 < ncols ? "  " : "\n");
	nrows = 0;
}
