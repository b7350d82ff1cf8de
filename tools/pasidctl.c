/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* pasidctl: look at and exercise PASID-capable devices through libpasid. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostfs.h"
#include "libpasid/libpasid.h"
#include "out.h"
#include "pasidctl.h"
#include "pciname.h"
#include "rawio.h"

struct cli_env cli_env = {
	.sysfs = "/sys",
	.dev = "/dev",
	.proc = "/proc",
	.pci_name = pci_name_hwdb,
	.sysfs_write = host_write,
	.raw = &raw_kernel,
};

/* options a command takes beyond the common ones */
#define OPT_ALL (1u << 0)
#define OPT_MEMLOCK (1u << 1)
#define OPT_DRY_RUN (1u << 2)
#define OPT_ITERS (1u << 3)

#define ITERS_DEFAULT 100
#define ITERS_MAX 1000000

/* what a command takes after its name */
enum operands {
	NO_DEV,		/* nothing */
	ONE_DEV,	/* DEV */
	OPTIONAL_DEV,	/* [DEV] */
	DEVS,		/* DEV... */
};

struct command {
	const char *name;
	enum operands operands;
	unsigned int opts;	/* OPT_* */
	int (*run)(const struct cli_opts *o, char *const *operands, int n);
	const char *help;	/* indented description lines */
};

static int run_list(const struct cli_opts *o, char *const *names, int n)
{
	(void)names;
	(void)n;
	return cmd_list(o);
}

static int run_info(const struct cli_opts *o, char *const *names, int n)
{
	(void)n;
	return cmd_info(o, names[0]);
}

static int run_selftest(const struct cli_opts *o, char *const *names, int n)
{
	(void)n;
	return cmd_selftest(o, names[0]);
}

static int run_bench(const struct cli_opts *o, char *const *names, int n)
{
	(void)n;
	return cmd_bench(o, names[0]);
}

static int run_doctor(const struct cli_opts *o, char *const *names, int n)
{
	return cmd_doctor(o, n ? names[0] : NULL);
}

static const struct command commands[] = {
	{ "list", NO_DEV, OPT_ALL, run_list,
	  "    devices behind an IOMMU: PCI address, id, IOMMU, group, driver,\n"
	  "    VFIO cdev, PASID width, name\n"
	  "    -a, --all   every PCI device, and why it is not usable\n" },
	{ "info", ONE_DEV, 0, run_info,
	  "    the capability report of a device bound to vfio-pci; for any\n"
	  "    other device what sysfs and config space say, and how to bind it\n" },
	{ "selftest", ONE_DEV, 0, run_selftest,
	  "    open, map, attach, bind a PASID, DMA (QEMU edu), unbind, unmap;\n"
	  "    every step reported\n" },
	{ "doctor", OPTIONAL_DEV, OPT_MEMLOCK, run_doctor,
	  "    check the platform (and DEV) for libpasid, one line per check\n"
	  "    with its status (ok, warn, fail, unsupported, skip) and the fix;\n"
	  "    exit 0 healthy, 1 a check failed, 3 only unsupported ones\n"
	  "    --memlock SIZE   check RLIMIT_MEMLOCK against SIZE (K, M, G, T)\n" },
	{ "bench", ONE_DEV, OPT_ITERS, run_bench,
	  "    median ns per map+unmap (4 KiB, 2 MiB) and bind+unbind through\n"
	  "    the library and through the same raw ioctls on its iommufd, IOAS\n"
	  "    and device fd (type1: VFIO_IOMMU_MAP_DMA), and the ratio; what a\n"
	  "    backend cannot compare is said in the row's note\n"
	  "    --iters N   round trips per round (default 100; 11 rounds)\n" },
	{ "bind", DEVS, OPT_DRY_RUN, cmd_bind,
	  "    hand the devices to vfio-pci (driver_override, unbind, drivers_probe);\n"
	  "    refused, with the reason, for a device in use, a group with other\n"
	  "    devices on a kernel driver, without vfio-pci loaded or root\n"
	  "    --dry-run   print the writes, make none\n" },
	{ "unbind", DEVS, OPT_DRY_RUN, cmd_unbind,
	  "    give the devices back from vfio-pci to the driver the kernel\n"
	  "    matches to them (driver_override cleared, unbind, drivers_probe);\n"
	  "    refused while a process has the device open\n"
	  "    --dry-run   print the writes, make none\n" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char common_help[] =
	"\n"
	"DEV is a PCI address (0000:00:04.0), a sysfs path or /dev/vfio/devices/vfioN.\n"
	"Options may come anywhere on the line:\n"
	"  -j, --json      machine-readable output\n"
	"  -v, --verbose   show the library's warnings (-vv: its debug messages too)\n"
	"  -h, --help      this help (pasidctl COMMAND --help: that command's)\n"
	"  -V, --version   print the version\n"
	"\n"
	"Exit status: 0 done, 1 failed (stderr says what to do), 2 usage error,\n"
	"3 unsupported (the kernel, platform or device cannot do it).\n";

static void synopsis(FILE *f, const struct command *c)
{
	static const char *const shown[] = {
		[NO_DEV] = "", [ONE_DEV] = " DEV", [OPTIONAL_DEV] = " [DEV]",
		[DEVS] = " DEV...",
	};

	fprintf(f, "  pasidctl %s%s%s%s%s%s\n", c->name,
		c->opts & OPT_ALL ? " [--all]" : "",
		c->opts & OPT_ITERS ? " [--iters N]" : "",
		c->opts & OPT_MEMLOCK ? " [--memlock SIZE]" : "",
		c->opts & OPT_DRY_RUN ? " [--dry-run]" : "",
		shown[c->operands]);
}

static void usage(FILE *f, const struct command *only)
{
	size_t i;

	fprintf(f, "usage: pasidctl [OPTIONS] COMMAND [ARGS]\n\n");
	for (i = 0; i < NCOMMANDS; i++) {
		if (only && only != &commands[i])
			continue;
		synopsis(f, &commands[i]);
		fputs(commands[i].help, f);
	}
	fputs(common_help, f);
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int cli_exit_for(int err)
{
	/* the kernel or the device lacks the feature: nothing the user got
	 * wrong on this machine, and a script must tell it from a failure */
	return err == -EOPNOTSUPP || err == -ENOTTY ? EXIT_UNSUPPORTED
						    : EXIT_FAILED;
}

int cli_fail(const char *what, int err)
{
	const char *msg = pasid_errmsg();
	const char *name = strerrorname_np(-err);

	if (!msg[0])
		msg = strerror(-err);
	fprintf(stderr, "pasidctl: %s: %s\n", what, msg);
	out_error(what, name ? name : "?", msg);
	return cli_exit_for(err);
}

static void log_to_stderr(void *arg, enum pasid_log_level level,
			  const char *msg)
{
	(void)arg;
	/* every library error also comes back as a return value, which the
	 * command reports itself: printed here it would be said twice */
	if (level == PASID_LOG_ERROR)
		return;
	fprintf(stderr, "pasidctl: libpasid %s: %s\n",
		level == PASID_LOG_WARN ? "warning" : "debug", msg);
}

void cli_ctx_opts(const struct cli_opts *o, struct pasid_ctx_opts *co)
{
	memset(co, 0, sizeof(*co));
	co->size = sizeof(*co);
	co->log = o->verbose ? log_to_stderr : NULL;
	co->log_level = o->verbose > 1 ? PASID_LOG_DEBUG : PASID_LOG_WARN;
}

int cli_ctx_open(const struct cli_opts *o, struct pasid_ctx **ctx)
{
	struct pasid_ctx_opts co;
	int ret, ret2;

	cli_ctx_opts(o, &co);
	ret = pasid_ctx_open(ctx, &co);

	if (!ret)
		return 0;
	/* no /dev/iommu: this kernel has no iommufd at all */
	ret2 = cli_fail("open /dev/iommu", ret);
	return ret == -ENOENT ? EXIT_UNSUPPORTED : ret2;
}

/* A wrong command line: one line saying why, the usage to stderr, and in
 * --json mode the error as JSON too. */
static int bad_usage(const struct command *c, const char *msg)
{
	fprintf(stderr, "pasidctl: %s\n", msg);
	usage(stderr, c);
	out_error("command line", "EINVAL", msg);
	return EXIT_USAGE;
}

/* "64M" -> 67108864: a number with an optional K, M, G or T (powers of
 * 1024, as ulimit -l counts); false for anything else or an overflow. */
static bool parse_size(const char *s, uint64_t *bytes)
{
	static const char units[] = "KMGT";
	unsigned long long v;
	const char *u;
	char *end;
	int shift = 0;

	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return false;
	if (*end) {
		u = strchr(units, toupper((unsigned char)*end));
		if (!u || end[1])
			return false;
		shift = 10 * (int)(u - units + 1);
	}
	if (v > UINT64_MAX >> shift)
		return false;
	*bytes = (uint64_t)v << shift;
	return true;
}

/* "100" -> 100: digits only, 1 to max. */
static bool parse_count(const char *s, long max, long *n)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > max)
		return false;
	*n = v;
	return true;
}

/* Whether the operand count n fits what the command takes. */
static bool operands_fit(enum operands want, int n)
{
	switch (want) {
	case NO_DEV:
		return n == 0;
	case ONE_DEV:
		return n == 1;
	case OPTIONAL_DEV:
		return n <= 1;
	case DEVS:
		break;
	}
	return n >= 1;
}

/* A command that printed nothing because the output failed has failed. */
static int finish(int ret)
{
	return ret ? ret : out_broken() ? EXIT_FAILED : EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "all", no_argument, NULL, 'a' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "memlock", required_argument, NULL, 'M' },
		{ "dry-run", no_argument, NULL, 'D' },
		{ "iters", required_argument, NULL, 'I' },
		{ 0 }
	};
	static const char *const wants[] = {
		[NO_DEV] = "no argument", [ONE_DEV] = "one DEV",
		[OPTIONAL_DEV] = "at most one DEV", [DEVS] = "one DEV or more",
	};
	struct cli_opts o = { .iters = ITERS_DEFAULT };
	const struct command *cmd = NULL;
	bool help = false, version = false;
	char msg[512] = "";
	unsigned int used = 0;
	int c, nargs;

	opterr = 0;	/* the message below names the option, once */
	/* the leading ':' tells a missing argument (':') from an unknown
	 * option ('?') */
	while ((c = getopt_long(argc, argv, ":jahvV", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o.json = true;
			break;
		case 'a':
			o.all = true;
			used |= OPT_ALL;
			break;
		case 'v':
			o.verbose++;
			break;
		case 'h':
			help = true;
			break;
		case 'V':
			version = true;
			break;
		case 'M':
			used |= OPT_MEMLOCK;
			if (!parse_size(optarg, &o.memlock) && !msg[0])
				snprintf(msg, sizeof(msg),
					 "--memlock takes a size such as 64M, not '%s'",
					 optarg);
			break;
		case 'D':
			o.dry_run = true;
			used |= OPT_DRY_RUN;
			break;
		case 'I':
			used |= OPT_ITERS;
			if (!parse_count(optarg, ITERS_MAX, &o.iters) && !msg[0])
				snprintf(msg, sizeof(msg),
					 "--iters takes a count from 1 to %d, not '%s'",
					 ITERS_MAX, optarg);
			break;
		case ':':
			if (!msg[0])
				snprintf(msg, sizeof(msg),
					 "option '%s' needs a value",
					 argv[optind - 1]);
			break;
		default:
			/* the first wrong option is the one reported */
			if (msg[0])
				break;
			if (optopt)
				snprintf(msg, sizeof(msg), "unknown option '-%c'",
					 optopt);
			else
				snprintf(msg, sizeof(msg), "unknown option '%s'",
					 argv[optind - 1]);
		}
	}
	/* a wrong option may have swallowed --json as its value
	 * (--memlock --json): the error is still asked for as JSON */
	for (int i = 1; msg[0] && !o.json && i < argc; i++)
		o.json = !strcmp(argv[i], "--json") || !strcmp(argv[i], "-j");
	out_init(o.json);
	if (optind < argc) {
		cmd = find_command(argv[optind]);
		/* "pasidctl help [COMMAND]" reads as --help */
		if (!cmd && !strcmp(argv[optind], "help")) {
			help = true;
			if (optind + 1 < argc)
				cmd = find_command(argv[optind + 1]);
		}
	}
	if (msg[0])
		return bad_usage(cmd, msg);
	if (help) {
		usage(stdout, cmd);
		return EXIT_OK;
	}
	if (version) {
		printf("pasidctl %s\n", PASIDCTL_VERSION);
		return EXIT_OK;
	}
	if (optind >= argc)
		return bad_usage(NULL, "no command given: see pasidctl --help");
	if (!cmd) {
		snprintf(msg, sizeof(msg),
			 "'%s' is not a command: see pasidctl --help",
			 argv[optind]);
		return bad_usage(NULL, msg);
	}
	if (used & ~cmd->opts) {
		unsigned int extra = used & ~cmd->opts;

		snprintf(msg, sizeof(msg), "%s takes no %s", cmd->name,
			 extra & OPT_ALL ? "--all" :
			 extra & OPT_MEMLOCK ? "--memlock" :
			 extra & OPT_ITERS ? "--iters" : "--dry-run");
		return bad_usage(cmd, msg);
	}
	nargs = argc - optind - 1;
	if (!operands_fit(cmd->operands, nargs)) {
		snprintf(msg, sizeof(msg), "%s takes %s, not %d argument(s)",
			 cmd->name, wants[cmd->operands], nargs);
		return bad_usage(cmd, msg);
	}
	return finish(cmd->run(&o, argv + optind + 1, nargs));
}
