/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
#ifndef PASIDCTL_H
#define PASIDCTL_H

int cmd_list(void);
int cmd_info(const char *name);
int cmd_selftest(const char *name);
/* print "pasidctl: what: <library message>" to stderr; returns 1 */
int cli_fail(const char *what, int err);

#endif
