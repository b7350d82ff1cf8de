/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
#ifndef PASIDCTL_H
#define PASIDCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libpasid/libpasid.h"

struct pasid_ctx;
struct raw_sys;
struct pasid_ctx_opts;

/* Exit statuses, as pasidctl --help and pasidctl(1) document them. */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,	/* something failed; stderr says what to do */
	EXIT_USAGE = 2,		/* the command line was wrong */
	EXIT_UNSUPPORTED = 3,	/* this kernel, platform or device cannot */
};

/* What the command line asked for, beyond the command and its operand. */
struct cli_opts {
	bool json;
	bool all;		/* list --all */
	bool dry_run;		/* bind/unbind --dry-run */
	uint64_t memlock;	/* doctor --memlock SIZE in bytes, 0: not given */
	long iters;		/* bench --iters N: round trips per round */
	int verbose;		/* -v: library warnings, -vv: debug too */
};

/*
 * What pasidctl takes from the machine besides the library: where sysfs,
 * /dev and /proc are (for what the public API does not enumerate: every
 * PCI device, a device's class, its group's members, and what doctor and
 * bind look at), how a sysfs attribute is written, and the PCI ID
 * database. The tests point them at the emulation, fake trees and a fixed
 * name table.
 */
typedef bool (*cli_pci_name_fn)(uint16_t vendor, uint16_t device,
				char *vendor_name, size_t vlen,
				char *device_name, size_t dlen);
struct cli_env {
	const char *sysfs;		/* "/sys" */
	const char *dev;		/* "/dev" */
	const char *proc;		/* "/proc" */
	cli_pci_name_fn pci_name;	/* NULL: IDs only */
	/* write value to the attribute at path: 0 or -errno (host_write) */
	int (*sysfs_write)(const char *path, const char *value);
	/* bench's raw path: the kernel (raw_kernel, rawio.h) */
	const struct raw_sys *raw;
};
extern struct cli_env cli_env;

int cmd_list(const struct cli_opts *o);
int cmd_info(const struct cli_opts *o, const char *name);
int cmd_selftest(const struct cli_opts *o, const char *name);
int cmd_doctor(const struct cli_opts *o, const char *name);
int cmd_bind(const struct cli_opts *o, char *const *names, int n);
int cmd_unbind(const struct cli_opts *o, char *const *names, int n);
int cmd_bench(const struct cli_opts *o, const char *name);

/* Context options whose log goes to stderr at the -v level asked for. */
void cli_ctx_opts(const struct cli_opts *o, struct pasid_ctx_opts *co);
/* "iommufd", "vfio-type1", "iommufd-vfio-group" (pasid_caps.backend) */
const char *cli_backend_name(enum pasid_backend b);
/* Open a context whose log goes to stderr at the -v level asked for;
 * prints the failure and returns its exit status, or 0. */
int cli_ctx_open(const struct cli_opts *o, struct pasid_ctx **ctx);
/* The exit status for a library failure: EXIT_UNSUPPORTED when the
 * kernel or device lacks the feature, else EXIT_FAILED. */
int cli_exit_for(int err);
/* print "pasidctl: what: <library message>" to stderr (and the JSON error
 * in --json mode); returns cli_exit_for(err) */
int cli_fail(const char *what, int err);

#endif
