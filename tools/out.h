/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * pasidctl output: every command emits records of key/value fields once, and
 * this layer renders them as an aligned table (default) or as JSON (--json).
 */
#ifndef PASIDCTL_OUT_H
#define PASIDCTL_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void out_init(bool json);
void out_list_begin(const char *name);	/* a JSON array / a table */
void out_list_end(void);
void out_obj_begin(void);		/* a JSON object / a table row */
void out_obj_end(void);
void out_str(const char *key, const char *val);
void out_int(const char *key, long long val);
void out_hex(const char *key, uint64_t val);
void out_bool(const char *key, bool val);
/* A number with decimals digits after the point; NAN (not measured) is
 * null in JSON and "-" in a table. */
void out_num(const char *key, double val, int decimals);
/* A JSON array of strings; in a table, the strings joined by ", ". */
void out_str_array(const char *key, const char *const *vals, size_t n);
bool out_is_json(void);
/* In JSON mode, the whole output of a command that failed before printing
 * anything: {"error": {"what", "errno", "message"}} on stdout (the caller
 * prints the message to stderr as well). Nothing in table mode. */
void out_error(const char *what, const char *err_name, const char *msg);
/* Print a finished table (columns sized to their widest cell). */
void out_flush(void);
/* True when output was lost (no memory for a table): exit non-zero. */
bool out_broken(void);

#endif
