/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * pasidctl bind DEV... / unbind DEV...: hand devices to vfio-pci and back.
 *
 * bind:   <dev>/driver_override = vfio-pci, <dev>/driver/unbind = DEV (when
 *         a driver has it), bus/pci/drivers_probe = DEV
 * unbind: <dev>/driver_override cleared, <dev>/driver/unbind = DEV,
 *         bus/pci/drivers_probe = DEV
 *
 * Nothing is remembered between the two: with the override cleared,
 * drivers_probe gives the device to the driver whose ID table matches it,
 * which is the driver it had unless that one was chosen by hand (an
 * override or new_id of its own): pasidctl(1) says so. Every refusal is
 * decided for all devices before the first write, and a move that fails
 * half-way is undone.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devuse.h"
#include "hostfs.h"
#include "libpasid/libpasid.h"
#include "out.h"
#include "pasidctl.h"
#include "pcisys.h"

#define MAX_WRITES 3

struct attr_write {
	char path[PATH_MAX];
	char value[32];		/* "\n" clears driver_override */
};

struct move {
	struct pasid_devinfo d;
	struct attr_write w[MAX_WRITES];
	size_t nw;
	char note[160];		/* why nothing is written, or what came of it */
	/* what driver_override held before ("\n" when empty), to put back */
	char override[32];
	char after[32];		/* the driver once moved */
	char error[512];	/* what failed, "" if nothing */
};

/* A refusal: said on stderr (and as the JSON error), its exit status. */
__attribute__((format(printf, 5, 6)))
static int refuse(const char *cmd, const char *bdf, const char *err_name,
		  int exit_status, const char *fmt, ...)
{
	char msg[1024], what[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(what, sizeof(what), "%s %s", cmd, bdf);
	fprintf(stderr, "pasidctl: %s: refused: %s\n", what, msg);
	out_error(what, err_name, msg);
	return exit_status;
}

/* <dev>/<attr> = value, planned */
static void plan_attr(struct move *m, const char *attr, const char *value)
{
	struct attr_write *w = &m->w[m->nw++];

	host_path(w->path, sizeof(w->path), cli_env.sysfs,
		  "bus/pci/devices/%s/%s", m->d.bdf, attr);
	snprintf(w->value, sizeof(w->value), "%s", value);
}

/* bus/pci/drivers_probe = DEV, planned */
static void plan_probe(struct move *m)
{
	struct attr_write *w = &m->w[m->nw++];

	host_path(w->path, sizeof(w->path), cli_env.sysfs,
		  "bus/pci/drivers_probe");
	snprintf(w->value, sizeof(w->value), "%s", m->d.bdf);
}

/* The device's driver_override as it is now, for an undo ("\n": none). */
static void keep_override(struct move *m)
{
	char path[PATH_MAX];

	host_path(path, sizeof(path), cli_env.sysfs,
		  "bus/pci/devices/%s/driver_override", m->d.bdf);
	if (host_read(path, m->override, sizeof(m->override)) ||
	    !m->override[0] || !strcmp(m->override, "(null)"))
		snprintf(m->override, sizeof(m->override), "\n");
}

static void plan_bind(struct move *m)
{
	keep_override(m);
	plan_attr(m, "driver_override", "vfio-pci");
	if (m->d.driver[0])
		plan_attr(m, "driver/unbind", m->d.bdf);
	plan_probe(m);
}

static void plan_unbind(struct move *m)
{
	keep_override(m);
	plan_attr(m, "driver_override", "\n");
	plan_attr(m, "driver/unbind", m->d.bdf);
	plan_probe(m);
}

/* Whether bdf is one of the devices being moved. */
static bool moving(const struct move *ms, int n, const char *bdf)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(ms[i].d.bdf, bdf))
			return true;
	return false;
}

/* The group members on a kernel driver that are not being moved too,
 * "0000:00:08.0 (e1000e)", and the bind line that takes them along. */
static int group_holders(const struct move *ms, int n, const struct move *m,
			 char *held, size_t hlen, char *line, size_t llen)
{
	char drv[32];
	pcisys_bdf *members;
	size_t count, hl = 0;
	int ret;

	held[0] = '\0';
	ret = pcisys_group_members(m->d.iommu_group, &members, &count);
	if (ret)
		return ret == -ENOENT ? 0 : ret;
	snprintf(line, llen, "pasidctl bind");
	for (int i = 0; i < n; i++)
		snprintf(line + strlen(line), llen - strlen(line), " %s",
			 ms[i].d.bdf);
	for (size_t i = 0; i < count && !ret; i++) {
		if (moving(ms, n, members[i]))
			continue;
		ret = pcisys_driver(members[i], drv, sizeof(drv));
		if (ret || pcisys_driver_shares_group(drv))
			continue;
		if (hl < hlen)
			hl += (size_t)snprintf(held + hl, hlen - hl, "%s%s (%s)",
					       hl ? ", " : "", members[i], drv);
		snprintf(line + strlen(line), llen - strlen(line), " %s",
			 members[i]);
	}
	free(members);
	return ret;
}

/* 0, or the refusal's exit status (already reported). */
static int check_bind(struct move *ms, int n, struct move *m)
{
	char why[512], held[400], line[400];
	const char *bdf = m->d.bdf;
	uint32_t cls = 0;
	int ret;

	if (m->d.iommu_group < 0)
		return refuse("bind", bdf, "ENODEV", EXIT_UNSUPPORTED,
			      "%s is not behind an IOMMU, and vfio-pci takes only devices that are: enable the IOMMU (intel_iommu=on / amd_iommu=on)",
			      bdf);
	if (strstr(m->d.driver, "vfio")) {
		snprintf(m->note, sizeof(m->note), "already on %s",
			 m->d.driver);
		return 0;
	}
	if (!pcisys_class(bdf, &cls) && pcisys_is_bridge(cls))
		return refuse("bind", bdf, "EINVAL", EXIT_UNSUPPORTED,
			      "%s is a bridge: hand the devices behind it to VFIO, not the bridge",
			      bdf);
	ret = devuse_host(bdf, why, sizeof(why));
	if (!ret && why[0])
		return refuse("bind", bdf, "EBUSY", EXIT_FAILED,
			      "%s is in use through %s: %s; stop using it first",
			      bdf, m->d.driver, why);
	ret = ret ?: group_holders(ms, n, m, held, sizeof(held), line,
				   sizeof(line));
	if (ret)
		return refuse("bind", bdf, strerrorname_np(-ret), EXIT_FAILED,
			      "cannot read sysfs: %s", strerror(-ret));
	if (held[0])
		return refuse("bind", bdf, "EBUSY", EXIT_FAILED,
			      "IOMMU group %d also has %s on a kernel driver, and VFIO takes a group whole: bind them together (%s)",
			      m->d.iommu_group, held, line);
	plan_bind(m);
	return 0;
}

static int check_unbind(struct move *m)
{
	char why[512];
	const char *bdf = m->d.bdf;
	int ret;

	if (!strstr(m->d.driver, "vfio")) {
		snprintf(m->note, sizeof(m->note), "not on a VFIO driver (on %s)",
			 m->d.driver[0] ? m->d.driver : "no driver");
		return 0;
	}
	ret = devuse_vfio(&m->d, why, sizeof(why));
	if (ret)
		return refuse("unbind", bdf, strerrorname_np(-ret), EXIT_FAILED,
			      "cannot read %s: %s", cli_env.proc, strerror(-ret));
	if (why[0])
		return refuse("unbind", bdf, "EBUSY", EXIT_FAILED,
			      "%s is in use: %s, and the kernel would wait for it to close the device; stop it first",
			      bdf, why);
	plan_unbind(m);
	return 0;
}

/* Whether every planned write can be made; else the refusal. */
static int check_writable(const char *cmd, const struct move *ms, int n)
{
	for (int i = 0; i < n; i++) {
		for (size_t j = 0; j < ms[i].nw; j++) {
			const char *path = ms[i].w[j].path;

			if (!faccessat(AT_FDCWD, path, W_OK, AT_EACCESS))
				continue;
			if (geteuid())
				return refuse(cmd, ms[i].d.bdf, "EACCES",
					      EXIT_FAILED,
					      "not root: writing %s needs root (sudo pasidctl %s ...; --dry-run shows the writes)",
					      path, cmd);
			return refuse(cmd, ms[i].d.bdf,
				      strerrorname_np(errno), EXIT_FAILED,
				      "cannot write %s: %s (is sysfs read-only here, in a container?)",
				      path, strerror(errno));
		}
	}
	return 0;
}

static int write_attr(const struct attr_write *w, char *err, size_t len)
{
	int ret = cli_env.sysfs_write(w->path, w->value);

	if (ret)
		snprintf(err, len, "writing '%s' to %s: %s",
			 w->value[0] == '\n' ? "" : w->value, w->path,
			 strerror(-ret));
	return ret;
}

/* Put a device back where it was before its move: the override it had,
 * off the driver the move gave it, and a probe only if it had a driver
 * (a device that had none stays on none). */
static void put_back(struct move *m)
{
	struct move undo = { .d = m->d };
	char now[32];

	plan_attr(&undo, "driver_override", m->override);
	if (!pcisys_driver(m->d.bdf, now, sizeof(now)) && now[0] &&
	    strcmp(now, m->d.driver))
		plan_attr(&undo, "driver/unbind", m->d.bdf);
	if (m->d.driver[0])
		plan_probe(&undo);
	for (size_t i = 0; i < undo.nw; i++)
		cli_env.sysfs_write(undo.w[i].path, undo.w[i].value);
	pcisys_driver(m->d.bdf, m->after, sizeof(m->after));
}

/* Make the writes; on a failure put the device back where it was. */
static int execute(struct move *m, bool to_vfio)
{
	size_t done;
	int ret = 0;

	for (done = 0; done < m->nw && !ret; done++)
		ret = write_attr(&m->w[done], m->error, sizeof(m->error));
	if (!ret) {
		ret = pcisys_driver(m->d.bdf, m->after, sizeof(m->after));
		if (!ret && to_vfio && strcmp(m->after, "vfio-pci")) {
			snprintf(m->error, sizeof(m->error),
				 "vfio-pci did not take %s (the kernel log says why: dmesg | tail)",
				 m->d.bdf);
			ret = -EIO;
		}
		if (!ret && !to_vfio && !m->after[0])
			snprintf(m->note, sizeof(m->note),
				 "no driver took it: none of the loaded drivers matches its IDs (its driver was chosen by hand, or its module is not loaded)");
		if (!ret)
			return 0;
	}
	put_back(m);
	done = strlen(m->error);
	snprintf(m->error + done, sizeof(m->error) - done,
		 "; undone: on %s", m->after[0] ? m->after : "no driver");
	return ret;
}

static void print(const struct move *ms, int n, bool dry_run)
{
	out_list_begin("devices");
	for (int i = 0; i < n; i++) {
		const struct move *m = &ms[i];
		char shown[MAX_WRITES][PATH_MAX + 48];
		const char *writes[MAX_WRITES];

		/* as one would type them */
		for (size_t j = 0; j < m->nw; j++) {
			if (m->w[j].value[0] == '\n')
				snprintf(shown[j], sizeof(shown[j]), "echo > %s",
					 m->w[j].path);
			else
				snprintf(shown[j], sizeof(shown[j]),
					 "echo %s > %s", m->w[j].value,
					 m->w[j].path);
			writes[j] = shown[j];
		}
		out_obj_begin();
		out_str("device", m->d.bdf);
		out_str("driver_before", m->d.driver);
		out_str("driver_after", dry_run ? "" : m->nw ? m->after :
							       m->d.driver);
		out_bool("dry_run", dry_run);
		out_str_array("writes", writes, m->nw);
		out_str("note", m->error[0] ? m->error : m->note);
		out_obj_end();
	}
	out_list_end();
}

static int move(const struct cli_opts *o, char *const *names, int n,
		bool to_vfio)
{
	const char *cmd = to_vfio ? "bind" : "unbind";
	char path[PATH_MAX];
	struct move *ms = calloc((size_t)n, sizeof(*ms));
	int ret = 0, i, k;

	if (!ms) {
		fprintf(stderr, "pasidctl: %s: out of memory\n", cmd);
		out_error(cmd, "ENOMEM", strerror(ENOMEM));
		return EXIT_FAILED;
	}
	for (i = 0, k = 0; i < n && !ret; i++) {
		ms[k].d.size = sizeof(ms[k].d);
		ret = pasid_devinfo_get(names[i], &ms[k].d);
		if (ret)
			ret = cli_fail(names[i], ret);
		/* a device named twice (00:04.0 and 0000:00:04.0) moves once */
		else if (!moving(ms, k, ms[k].d.bdf))
			k++;
	}
	n = k;
	host_path(path, sizeof(path), cli_env.sysfs, "bus/pci/drivers/vfio-pci");
	if (!ret && to_vfio && !host_exists(path))
		ret = refuse(cmd, ms[0].d.bdf, "ENOENT", EXIT_FAILED,
			     "the vfio-pci driver is not loaded: modprobe vfio-pci");
	for (i = 0; i < n && !ret; i++)
		ret = to_vfio ? check_bind(ms, n, &ms[i]) : check_unbind(&ms[i]);
	if (!ret && !o->dry_run)
		ret = check_writable(cmd, ms, n);
	for (i = 0; i < n && !ret && !o->dry_run; i++) {
		if (ms[i].nw && execute(&ms[i], to_vfio)) {
			fprintf(stderr, "pasidctl: %s %s: %s\n", cmd,
				ms[i].d.bdf, ms[i].error);
			/* the devices moved before it go back too, last
			 * first (a group half on vfio-pci is not viable);
			 * the ones after it were not touched */
			for (size_t j = i; j-- > 0;) {
				if (!ms[j].nw)
					continue;
				put_back(&ms[j]);
				snprintf(ms[j].note, sizeof(ms[j].note),
					 "undone: %s %s failed; back on %s", cmd,
					 ms[i].d.bdf,
					 ms[j].after[0] ? ms[j].after : "no driver");
			}
			n = i + 1;
			print(ms, n, false);
			free(ms);
			return EXIT_FAILED;
		}
	}
	if (!ret)
		print(ms, n, o->dry_run);
	free(ms);
	return ret;
}

int cmd_bind(const struct cli_opts *o, char *const *names, int n)
{
	return move(o, names, n, true);
}

int cmd_unbind(const struct cli_opts *o, char *const *names, int n)
{
	return move(o, names, n, false);
}
