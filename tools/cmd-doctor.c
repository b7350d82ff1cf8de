/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * pasidctl doctor [DEV]: the platform checked as a support engineer would,
 * one line per check with its status and the fix. The facts are gathered
 * first (sysfs, /dev, /proc below cli_env's roots, and a probe through the
 * library), then the checks are judged and printed. Where the probe and a
 * file disagree the probe wins: it is what the kernel did.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "doctor.h"
#include "hostfs.h"
#include "libpasid/libpasid.h"
#include "out.h"
#include "pasidctl.h"
#include "usable.h"

static const char *const status_names[] = {
	[ST_OK] = "ok", [ST_WARN] = "warn", [ST_FAIL] = "fail",
	[ST_UNSUPPORTED] = "unsupported", [ST_SKIP] = "skip",
};

void doctor_add(struct doctor *dr, const char *name, enum check_status st,
		const char *fix, const char *fmt, ...)
{
	struct check *c;
	va_list ap;

	if (dr->n == DOCTOR_MAX_CHECKS)
		return;
	c = &dr->checks[dr->n++];
	c->name = name;
	c->status = st;
	snprintf(c->fix, sizeof(c->fix), "%s", fix ? fix : "");
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
}

/* The IOMMU instances sysfs lists, "dmar0, dmar1": how many, or -errno
 * (-ENOENT: no IOMMU driver registered the class). */
static int iommu_names(char *names, size_t len)
{
	char path[PATH_MAX];
	struct dirent *e;
	size_t used = 0;
	int n = 0;
	DIR *d;

	names[0] = '\0';
	if (host_path(path, sizeof(path), cli_env.sysfs, "class/iommu"))
		return -ENAMETOOLONG;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (used < len)
			used += (size_t)snprintf(names + used, len - used,
						 "%s%s", n ? ", " : "",
						 e->d_name);
		n++;
	}
	closedir(d);
	return n;
}

static void check_iommu(struct doctor *dr)
{
	char names[256];
	int n = iommu_names(names, sizeof(names));

	if (n > 0)
		doctor_add(dr, "iommu", ST_OK, NULL, "on: %s", names);
	else if (n == 0 || n == -ENOENT)
		doctor_add(dr, "iommu", ST_FAIL,
			   "enable VT-d/AMD-Vi/SMMU in the firmware and boot with intel_iommu=on (Intel) or amd_iommu=on (AMD)",
			   "no IOMMU is on (%s/class/iommu is empty)",
			   cli_env.sysfs);
	else
		doctor_add(dr, "iommu", ST_FAIL, NULL,
			   "cannot read %s/class/iommu: %s", cli_env.sysfs,
			   strerror(-n));
}

/* A node the library names ("/dev/vfio/devices/vfio0") below the /dev
 * root. */
static void dev_node(char *buf, size_t len, const char *node)
{
	if (!strncmp(node, "/dev/", 5))
		node += 5;
	host_path(buf, len, cli_env.dev, "%s", node);
}

static void check_dev_iommu(struct doctor *dr)
{
	char node[PATH_MAX], mod[PATH_MAX];

	host_path(node, sizeof(node), cli_env.dev, "iommu");
	host_path(mod, sizeof(mod), cli_env.sysfs, "module/iommufd");
	if (host_exists(node))
		doctor_add(dr, "dev_iommu", ST_OK, NULL, "%s is there", node);
	else if (host_exists(mod))
		doctor_add(dr, "dev_iommu", ST_FAIL,
			   "check that devtmpfs is mounted on /dev and udev runs",
			   "%s is missing although the iommufd module is loaded",
			   node);
	else
		doctor_add(dr, "dev_iommu", ST_FAIL,
			   "modprobe iommufd; without the module the kernel needs CONFIG_IOMMUFD (Linux 6.6+)",
			   "%s is missing: no iommufd (libpasid falls back to the VFIO type1 container, which has no PASIDs)",
			   node);
}

static void check_iommufd(struct doctor *dr)
{
	if (!dr->ctx_err)
		doctor_add(dr, "iommufd", ST_OK, NULL,
			   "the library opened an iommufd context");
	else
		doctor_add(dr, "iommufd", ST_FAIL, NULL,
			   "the library cannot open iommufd: %s", dr->ctx_msg);
}

static void check_vfio_cdev(struct doctor *dr)
{
	char dir[PATH_MAX], node[PATH_MAX];

	host_path(dir, sizeof(dir), cli_env.dev, "vfio/devices");
	if (dr->have_dev && strstr(dr->info.driver, "vfio")) {
		/* the device's own node, where it has one */
		if (!dr->info.vfio_cdev[0]) {
			doctor_add(dr, "vfio_cdev", ST_FAIL,
				   "a kernel with CONFIG_VFIO_DEVICE_CDEV (Linux 6.6+)",
				   "%s is on %s but has no VFIO cdev",
				   dr->info.bdf, dr->info.driver);
			return;
		}
		dev_node(node, sizeof(node), dr->info.vfio_cdev);
		if (host_exists(node))
			doctor_add(dr, "vfio_cdev", ST_OK, NULL, "%s", node);
		else
			doctor_add(dr, "vfio_cdev", ST_FAIL,
				   "check that devtmpfs is mounted on /dev and udev runs",
				   "sysfs names %s, but %s is missing",
				   dr->info.vfio_cdev, node);
		return;
	}
	if (host_exists(dir))
		doctor_add(dr, "vfio_cdev", ST_OK, NULL, "%s is there", dir);
	else
		doctor_add(dr, "vfio_cdev", ST_FAIL,
			   "bind a device to vfio-pci (pasidctl bind DEV); with one bound and still no cdev the kernel needs CONFIG_VFIO_DEVICE_CDEV (Linux 6.6+)",
			   "%s is missing: no device has a VFIO cdev", dir);
}

static void check_vfio_pci(struct doctor *dr)
{
	char path[PATH_MAX];

	host_path(path, sizeof(path), cli_env.sysfs, "bus/pci/drivers/vfio-pci");
	if (host_exists(path))
		doctor_add(dr, "vfio_pci", ST_OK, NULL, "the vfio-pci driver is loaded");
	else
		doctor_add(dr, "vfio_pci", ST_FAIL, "modprobe vfio-pci",
			   "the vfio-pci driver is not loaded (no %s)", path);
}

/* Read access and write access to the node, for who runs pasidctl. */
static bool node_rw(const char *path)
{
	return !faccessat(AT_FDCWD, path, R_OK | W_OK, AT_EACCESS);
}

static void check_permissions(struct doctor *dr)
{
	char nodes[2][PATH_MAX], ok[600] = "", bad[600] = "";
	size_t n = 0, i;

	host_path(nodes[n++], sizeof(nodes[0]), cli_env.dev, "iommu");
	if (dr->have_dev && dr->info.vfio_cdev[0])
		dev_node(nodes[n++], sizeof(nodes[0]), dr->info.vfio_cdev);
	for (i = 0; i < n; i++) {
		char *list = !host_exists(nodes[i]) ? NULL :
			     node_rw(nodes[i]) ? ok : bad;

		size_t used = list ? strlen(list) : 0;

		/* a cut list still names the first nodes */
		if (list && (size_t)snprintf(list + used, sizeof(ok) - used,
					     "%s%s", used ? ", " : "",
					     nodes[i]) >= sizeof(ok) - used)
			break;
	}
	if (bad[0])
		doctor_add(dr, "permissions", ST_FAIL,
			   "run as root, or give your group the nodes with a udev rule (KERNEL==\"iommu\" and SUBSYSTEM==\"vfio-dev\", GROUP=\"...\", MODE=\"0660\")",
			   "no read/write access for uid %u to %s", geteuid(),
			   bad);
	else if (ok[0])
		doctor_add(dr, "permissions", ST_OK, NULL, "read/write: %s", ok);
	else
		doctor_add(dr, "permissions", ST_SKIP, NULL,
			   "no device node to check");
}

/* The library's view: a context, and with DEV the device, its caps and a
 * PASID bind on an empty address space (the probe that says for sure). */
static void probe(struct doctor *dr, const struct cli_opts *o)
{
	struct pasid_ctx_opts co;
	struct pasid_ctx *ctx;
	struct pasid_dev *dev;
	struct pasid_as *as;
	int pasid;

	cli_ctx_opts(o, &co);
	co.backend = PASID_BACKEND_IOMMUFD;	/* PASIDs need it */
	dr->ctx_err = pasid_ctx_open(&ctx, &co);
	if (dr->ctx_err) {
		snprintf(dr->ctx_msg, sizeof(dr->ctx_msg), "%s", pasid_errmsg());
		return;
	}
	if (!dr->have_dev || !dr->use.usable) {
		pasid_ctx_close(ctx);
		return;
	}
	dr->probed = true;
	dr->dev_err = pasid_dev_open(ctx, dr->info.bdf, &dev);
	if (!dr->dev_err)
		dr->dev_err = pasid_dev_caps(dev, &dr->caps);
	if (dr->dev_err) {
		snprintf(dr->dev_msg, sizeof(dr->dev_msg), "%s", pasid_errmsg());
		pasid_ctx_close(ctx);
		return;
	}
	if (dr->caps.pasid_width) {
		dr->bind_err = pasid_as_new(ctx, &as);
		pasid = dr->bind_err ? dr->bind_err :
			pasid_bind(dev, as, PASID_ANY);
		if (pasid < 0) {
			dr->bind_err = pasid;
			snprintf(dr->dev_msg, sizeof(dr->dev_msg), "%s",
				 pasid_errmsg());
		} else {
			dr->bind_err = 0;
			dr->bound_pasid = pasid;
		}
	}
	pasid_ctx_close(ctx);	/* unbinds, frees the address space */
}

static void check_device(struct doctor *dr)
{
	char type[32] = "", path[PATH_MAX];
	const struct pasid_devinfo *d = &dr->info;
	const char *fix;

	doctor_add(dr, "device", ST_OK, NULL, "%s (%04x:%04x)", d->bdf,
		   d->vendor_id, d->device_id);
	if (d->iommu_group < 0) {
		doctor_add(dr, "iommu_group", ST_UNSUPPORTED, dr->use.fix,
			   "%s is not behind an IOMMU", d->bdf);
		return;
	}
	host_path(path, sizeof(path), cli_env.sysfs,
		  "kernel/iommu_groups/%d/type", d->iommu_group);
	host_read(path, type, sizeof(type));
	if (!strcmp(type, "DMA") || !strcmp(type, "DMA-FQ"))
		doctor_add(dr, "iommu_group", ST_OK, NULL,
			   "group %d, default domain %s (translated)",
			   d->iommu_group, type);
	else if (!strcmp(type, "identity"))
		doctor_add(dr, "iommu_group", ST_OK, NULL,
			   "group %d, default domain identity (passthrough, iommu=pt): VFIO puts its own in place while the device is open",
			   d->iommu_group);
	else
		doctor_add(dr, "iommu_group", ST_WARN,
			   "see the kernel log (dmesg | grep -i iommu)",
			   "group %d, default domain type '%s'", d->iommu_group,
			   type);

	if (strstr(d->driver, "vfio")) {
		doctor_add(dr, "driver", ST_OK, NULL, "%s", d->driver);
	} else {
		char bind[96];

		snprintf(bind, sizeof(bind), "as root: pasidctl bind %s",
			 d->bdf);
		fix = dr->use.exit == EXIT_UNSUPPORTED ? "" : bind;
		doctor_add(dr, "driver",
			   dr->use.exit == EXIT_UNSUPPORTED ? ST_UNSUPPORTED :
							      ST_FAIL,
			   fix, "%s", dr->use.reason);
	}
	doctor_group(dr);
}

void doctor_judge_exit(struct doctor *dr)
{
	bool fail = false, unsupported = false;

	for (size_t i = 0; i < dr->n; i++) {
		fail |= dr->checks[i].status == ST_FAIL;
		unsupported |= dr->checks[i].status == ST_UNSUPPORTED;
	}
	dr->exit = fail ? EXIT_FAILED : unsupported ? EXIT_UNSUPPORTED : EXIT_OK;
}

static void print(const struct doctor *dr)
{
	size_t problems = 0;

	out_list_begin("checks");
	for (size_t i = 0; i < dr->n; i++) {
		const struct check *c = &dr->checks[i];

		out_obj_begin();
		out_str("check", c->name);
		out_str("status", status_names[c->status]);
		out_str("detail", c->detail);
		out_str("fix", c->fix);
		out_obj_end();
		problems += c->status == ST_FAIL || c->status == ST_UNSUPPORTED;
	}
	out_list_end();
	if (problems)
		fprintf(stderr, "pasidctl: doctor: %zu problem(s) found%s\n",
			problems, out_is_json() ? "" : ": see the fix column");
}

int cmd_doctor(const struct cli_opts *o, const char *name)
{
	struct doctor *dr = calloc(1, sizeof(*dr));
	int ret;

	if (!dr) {
		fprintf(stderr, "pasidctl: doctor: out of memory\n");
		out_error("doctor", "ENOMEM", strerror(ENOMEM));
		return EXIT_FAILED;
	}
	dr->caps.size = sizeof(dr->caps);
	dr->info.size = sizeof(dr->info);
	if (name) {
		ret = pasid_devinfo_get(name, &dr->info);
		if (ret) {
			free(dr);
			return cli_fail(name, ret);
		}
		ret = usability_of(&dr->info, &dr->use);
		if (ret) {
			fprintf(stderr, "pasidctl: %s: reading sysfs: %s\n",
				name, strerror(-ret));
			out_error(name, strerrorname_np(-ret), strerror(-ret));
			free(dr);
			return EXIT_FAILED;
		}
		dr->have_dev = true;
	}
	probe(dr, o);

	check_iommu(dr);
	doctor_intel_sm(dr);
	check_dev_iommu(dr);
	check_iommufd(dr);
	check_vfio_pci(dr);
	check_vfio_cdev(dr);
	check_permissions(dr);
	doctor_irq_remapping(dr);
	doctor_memlock(dr, o->memlock);
	if (dr->have_dev)
		check_device(dr);
	doctor_pasid(dr);

	doctor_judge_exit(dr);
	print(dr);
	ret = dr->exit;
	free(dr);
	return ret;
}
