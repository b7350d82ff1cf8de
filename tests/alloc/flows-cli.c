/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * pasidctl's commands, through its own main() (compiled in as
 * pasidctl_main), as a user runs them, in table and JSON form. A command
 * that met the failure must exit 1 with a "pasidctl: ..." line on stderr;
 * the others exit 0. Every allocation counts here, pasidctl's own too.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "emu.h"
#include "failalloc.h"
#include "fake-names.h"
#include "fake-host.h"
#include "pasidctl.h"

int pasidctl_main(int argc, char **argv);

/* Run pasidctl with args; stdout goes nowhere, stderr is kept. */
static void pasidctl(const char *a1, const char *a2, const char *a3)
{
	char *argv[] = { "pasidctl", (char *)a1, (char *)a2, (char *)a3, NULL };
	int argc = a3 ? 4 : a2 ? 3 : 2, ret, out, err;
	const char *before = fa_failed();
	char msg[512] = "", what[128];
	FILE *errf = tmpfile(), *null = fopen("/dev/null", "w");
	ssize_t n;

	if (!errf || !null)
		alloc_bad("tmpfile failed");
	fflush(NULL);
	out = dup(1);
	err = dup(2);
	dup2(fileno(null), 1);
	dup2(fileno(errf), 2);
	optind = 0;		/* getopt starts afresh */
	cli_env.sysfs = emu_sysfs_root();
	cli_env.pci_name = fake_pci_name;
	fa_enter();
	ret = pasidctl_main(argc, argv);
	fa_leave();
	fflush(NULL);
	dup2(out, 1);
	dup2(err, 2);
	close(out);
	close(err);
	n = pread(fileno(errf), msg, sizeof(msg) - 1, 0);
	msg[n > 0 ? n : 0] = '\0';
	fclose(errf);
	fclose(null);
	snprintf(what, sizeof(what), "pasidctl %s%s%s%s%s", a1, a2 ? " " : "",
		 a2 ? a2 : "", a3 ? " " : "", a3 ? a3 : "");
	if (fa_failed() == before) {
		if (ret != 0)
			alloc_bad("%s: exit %d with no allocation failing: %s",
				  what, ret, msg);
		return;
	}
	if ((ret != 1 || strncmp(msg, "pasidctl: ", 10)) &&
	    !alloc_excused(what, ret))
		alloc_bad("%s: exit %d, stderr '%s' (want exit 1 and a message)",
			  what, ret, msg);
}

static void list_table(void) { alloc_world(); pasidctl("list", NULL, NULL); }
static void list_json(void) { alloc_world(); pasidctl("list", "--json", NULL); }
static void list_all(void) { alloc_world(); pasidctl("list", "--all", NULL); }
static void list_all_json(void) { alloc_world(); pasidctl("-j", "list", "-a"); }
static void info_table(void) { alloc_world(); pasidctl("info", BDF_A, NULL); }
static void info_json(void) { alloc_world(); pasidctl("--json", "info", CDEV_A); }
static void info_verbose(void) { alloc_world(); pasidctl("info", BDF_V, "-vv"); }
static void selftest_table(void) { alloc_world(); pasidctl("selftest", BDF_A, NULL); }
static void selftest_json(void) { alloc_world(); pasidctl("--json", "selftest", BDF_A); }

/* doctor, bind and unbind look at the machine around the devices too: a
 * healthy one (tests/tools/fake-host.h), whose sysfs writes reach the
 * emulation's driver core */
static void host_world(void)
{
	const struct fake_host healthy = { 0 };

	alloc_world();
	if (fake_host_create(&healthy))
		alloc_bad("fake_host_create failed");
	cli_env.sysfs_write = emu_sysfs_write;
}

static void doctor_table(void) { host_world(); pasidctl("doctor", BDF_A, NULL); }
static void doctor_json(void) { host_world(); pasidctl("doctor", "--json", BDF_A); }
static void doctor_memlock(void) { host_world(); pasidctl("doctor", "--memlock", "1M"); }
static void unbind_table(void) { host_world(); pasidctl("unbind", BDF_V, NULL); }
static void unbind_dry_json(void) { host_world(); pasidctl("unbind", "--dry-run", BDF_A); }

const struct alloc_flow alloc_cli_flows[] = {
	{ "pasidctl list", list_table },
	{ "pasidctl list --json", list_json },
	{ "pasidctl list --all", list_all },
	{ "pasidctl -j list -a", list_all_json },
	{ "pasidctl info", info_table },
	{ "pasidctl --json info", info_json },
	{ "pasidctl info -vv", info_verbose },
	{ "pasidctl selftest", selftest_table },
	{ "pasidctl --json selftest", selftest_json },
	{ "pasidctl doctor", doctor_table },
	{ "pasidctl doctor --json", doctor_json },
	{ "pasidctl doctor --memlock", doctor_memlock },
	{ "pasidctl unbind", unbind_table },
	{ "pasidctl unbind --dry-run", unbind_dry_json },
};
const unsigned int alloc_ncli_flows =
	sizeof(alloc_cli_flows) / sizeof(alloc_cli_flows[0]);
