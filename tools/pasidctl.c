/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* pasidctl: look at and exercise PASID-capable devices through libpasid. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "libpasid/libpasid.h"
#include "out.h"
#include "pasidctl.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pasidctl [--json] COMMAND [ARGS]\n"
		"\n"
		"  list            devices behind an IOMMU: vendor, group, driver,\n"
		"                  VFIO cdev, PASID width\n"
		"  info DEV        the capability report of a device bound to vfio-pci\n"
		"  selftest DEV    open, map, attach, bind a PASID, DMA (QEMU edu),\n"
		"                  unbind, unmap; every step reported\n"
		"\n"
		"DEV is a PCI address (0000:00:04.0), a sysfs path or /dev/vfio/devices/vfioN.\n"
		"  --json          machine-readable output\n"
		"  --version       print the version\n");
}

int cli_fail(const char *what, int err)
{
	const char *msg = pasid_errmsg();
	const char *name = strerrorname_np(-err);

	if (!msg[0])
		msg = strerror(-err);
	fprintf(stderr, "pasidctl: %s: %s\n", what, msg);
	out_error(what, name ? name : "?", msg);
	return 1;
}

/* A command line that names no command: usage to stderr, and in --json
 * mode the error as JSON too. */
static int bad_command(const char *msg)
{
	fprintf(stderr, "pasidctl: %s\n", msg);
	out_error("command line", "EINVAL", msg);
	return 2;
}

/* A command that printed nothing because the output failed has failed. */
static int finish(int ret)
{
	return ret ? ret : out_broken() ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	bool json = false;
	const char *cmd;
	char msg[512];
	int c;

	while ((c = getopt_long(argc, argv, "+jhV", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("pasidctl %s\n", PASIDCTL_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	out_init(json);
	if (optind >= argc) {
		usage(stderr);
		return bad_command("no command given: see pasidctl --help");
	}
	cmd = argv[optind++];
	if (!strcmp(cmd, "list") && optind == argc)
		return finish(cmd_list());
	if (!strcmp(cmd, "info") && optind + 1 == argc)
		return finish(cmd_info(argv[optind]));
	if (!strcmp(cmd, "selftest") && optind + 1 == argc)
		return finish(cmd_selftest(argv[optind]));
	if (!strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	snprintf(msg, sizeof(msg),
		 "'%s' with %d argument(s) is not a command: see pasidctl --help",
		 cmd, argc - optind);
	return bad_command(msg);
}
