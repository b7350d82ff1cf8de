/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * doctor: what the kernel was booted and configured with. The kernel shows
 * none of these as one flag, so each check weighs what there is: the probe
 * through the library first, then the files.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor.h"
#include "hostfs.h"
#include "pasidctl.h"

static const char sm_fix[] =
	"boot with intel_iommu=on,sm_on (add it to GRUB_CMDLINE_LINUX, update-grub, reboot)";

/* The first Intel IOMMU unit in sysfs and its ecap: 1, 0 if none, or
 * -errno. */
static int intel_unit(char *name, size_t len, uint64_t *ecap)
{
	char path[PATH_MAX], buf[64];
	struct dirent *e;
	int found = 0;
	DIR *d;

	if (host_path(path, sizeof(path), cli_env.sysfs, "class/iommu"))
		return -ENAMETOOLONG;
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] == '.' ||
		    host_path(path, sizeof(path), cli_env.sysfs,
			      "class/iommu/%s/intel-iommu/ecap", e->d_name) ||
		    host_read(path, buf, sizeof(buf)))
			continue;
		*ecap = strtoull(buf, NULL, 16);
		found = (size_t)snprintf(name, len, "%s", e->d_name) < len;
	}
	closedir(d);
	return found;
}

/* The last intel_iommu= option naming sm_on or sm_off on the kernel
 * command line (the kernel parses them in turn), in opt; "" if none. */
static void sm_option(char *opt, size_t len)
{
	char path[PATH_MAX], line[4096], *tok, *save;

	opt[0] = '\0';
	if (host_path(path, sizeof(path), cli_env.proc, "cmdline") ||
	    host_read(path, line, sizeof(line)))
		return;
	for (tok = strtok_r(line, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save))
		if (!strncmp(tok, "intel_iommu=", 12) &&
		    (strstr(tok, "sm_on") || strstr(tok, "sm_off")))
			snprintf(opt, len, "%s", tok);
}

void doctor_intel_sm(struct doctor *dr)
{
	char unit[64], opt[256];
	uint64_t ecap = 0;
	bool from_dev = dr->probed && !dr->dev_err &&
			dr->caps.vendor == PASID_IOMMU_INTEL_VTD;
	const char *bdf = dr->info.bdf;
	int ret = 1;

	/* the device's IOMMU as the kernel reports it, else sysfs' first */
	if (from_dev) {
		ecap = dr->caps.raw.vtd.ecap;
		snprintf(unit, sizeof(unit), "%s", dr->info.iommu);
	} else {
		ret = intel_unit(unit, sizeof(unit), &ecap);
	}
	if (ret < 0) {
		doctor_add(dr, "intel_scalable_mode", ST_FAIL, NULL,
			   "cannot read %s/class/iommu: %s", cli_env.sysfs,
			   strerror(-ret));
		return;
	}
	if (!ret) {
		doctor_add(dr, "intel_scalable_mode", ST_SKIP, NULL,
			   "no Intel IOMMU");
		return;
	}
	sm_option(opt, sizeof(opt));
	if (!(ecap & VTD_ECAP_SMTS))
		doctor_add(dr, "intel_scalable_mode", ST_UNSUPPORTED, NULL,
			   "%s has no scalable mode (ecap SMTS clear): no PASIDs through it",
			   unit);
	else if (from_dev && dr->caps.pasid_width)
		doctor_add(dr, "intel_scalable_mode", ST_OK, NULL,
			   "on: the kernel reports PASIDs for %s", bdf);
	else if (from_dev && (ecap & VTD_ECAP_PASID) &&
		 dr->info.pci_pasid_width > 0)
		doctor_add(dr, "intel_scalable_mode", ST_FAIL, sm_fix,
			   "off: the kernel reports no PASIDs for %s although %s and the device have them%s%s",
			   bdf, unit, opt[0] ? "; booted with " : "", opt);
	else if (strstr(opt, "sm_off"))
		doctor_add(dr, "intel_scalable_mode", ST_FAIL, sm_fix,
			   "off: booted with %s", opt);
	else if (opt[0])
		doctor_add(dr, "intel_scalable_mode", ST_OK, NULL,
			   "on: booted with %s", opt);
	else
		doctor_add(dr, "intel_scalable_mode", ST_WARN, sm_fix,
			   "the kernel command line does not say: on only in a kernel built with CONFIG_INTEL_IOMMU_SCALABLE_MODE_DEFAULT_ON (give a DEV on vfio-pci to probe it)");
}

/* Whether a line of /proc/interrupts names an interrupt chip that isolates
 * MSIs: x86 interrupt remapping ("IR-PCI-MSIX-...") or an ARM GICv3 ITS. */
static bool msi_isolation_seen(void)
{
	char path[PATH_MAX], line[1024];
	bool seen = false;
	FILE *f;

	if (host_path(path, sizeof(path), cli_env.proc, "interrupts"))
		return false;
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!seen && fgets(line, sizeof(line), f))
		seen = strstr(line, " IR-") || strstr(line, "ITS");
	fclose(f);
	return seen;
}

/* allow_unsafe_interrupts of a module: 'Y', 'N', or 0 when absent */
static char unsafe_param(const char *module)
{
	char path[PATH_MAX], v[8];

	if (host_path(path, sizeof(path), cli_env.sysfs,
		      "module/%s/parameters/allow_unsafe_interrupts", module) ||
	    host_read(path, v, sizeof(v)))
		return 0;
	return v[0] == 'Y' || v[0] == '1' ? 'Y' : 'N';
}

void doctor_irq_remapping(struct doctor *dr)
{
	static const char fix[] =
		"enable interrupt remapping: VT-d/AMD-Vi in the firmware, and no intremap=off on the kernel command line";
	char fd = unsafe_param("iommufd"), t1 = unsafe_param("vfio_iommu_type1");
	char params[160];
	size_t n;
	bool unsafe = fd == 'Y' || t1 == 'Y';

	/* the modules that are there (a built-in one has its parameters too) */
	snprintf(params, sizeof(params), "%s%c",
			     fd ? "iommufd.allow_unsafe_interrupts=" : "",
			     fd ? fd : '\0');
	n = strlen(params);
	if (t1)
		snprintf(params + n, sizeof(params) - n,
			 "%svfio_iommu_type1.allow_unsafe_interrupts=%c",
			 n ? ", " : "", t1);
	if (!params[0])
		snprintf(params, sizeof(params),
			 "no allow_unsafe_interrupts parameter (iommufd not loaded)");
	if (dr->probed && dr->dev_err == -EPERM)
		doctor_add(dr, "irq_remapping", ST_FAIL, fix,
			   "the kernel refused to bind %s to iommufd (EPERM): the platform cannot isolate its MSIs (%s)",
			   dr->info.bdf, params);
	else if (msi_isolation_seen())
		doctor_add(dr, "irq_remapping", ST_OK, NULL,
			   "on: MSIs go through remapping (IR-/ITS interrupt chips in %s/interrupts); %s",
			   cli_env.proc, params);
	else if (unsafe)
		doctor_add(dr, "irq_remapping", ST_WARN,
			   "enable interrupt remapping (VT-d/AMD-Vi in the firmware, no intremap=off), then set allow_unsafe_interrupts back to N",
			   "not seen, and %s: devices bind anyway, and one can raise other devices' interrupts with a DMA to the MSI window",
			   params);
	else if (dr->probed && !dr->dev_err)
		doctor_add(dr, "irq_remapping", ST_OK, NULL,
			   "%s bound to iommufd, so the platform isolates its MSIs; %s",
			   dr->info.bdf, params);
	else
		doctor_add(dr, "irq_remapping", ST_FAIL, fix,
			   "not seen in %s/interrupts, and %s: iommufd refuses a device with EPERM where MSIs are not isolated (accepting the risk instead: echo Y > /sys/module/iommufd/parameters/allow_unsafe_interrupts)",
			   cli_env.proc, params);
}

/* "8 MiB", "64 KiB", "12345 bytes": the largest unit that divides it */
static void size_text(char *buf, size_t len, uint64_t v)
{
	static const char *const units[] = { "bytes", "KiB", "MiB", "GiB",
					     "TiB" };
	int u = 0;

	while (u < 4 && v && !(v & 1023)) {
		v >>= 10;
		u++;
	}
	snprintf(buf, len, "%" PRIu64 " %s", v, units[u]);
}

/* CAP_IPC_LOCK (bit 14) in the effective set: pinning is not limited */
static bool has_ipc_lock(void)
{
	char path[PATH_MAX], status[8192], *cap;

	if (host_path(path, sizeof(path), cli_env.proc, "self/status") ||
	    host_read(path, status, sizeof(status)))
		return false;
	cap = strstr(status, "\nCapEff:");
	return cap && (strtoull(cap + 8, NULL, 16) >> 14) & 1;
}

/* The soft RLIMIT_MEMLOCK from /proc/self/limits: 0 or -errno; *limit
 * UINT64_MAX for unlimited. */
static int memlock_limit(uint64_t *limit)
{
	char path[PATH_MAX], text[4096], soft[32];
	const char *row;
	int ret;

	ret = host_path(path, sizeof(path), cli_env.proc, "self/limits");
	ret = ret ?: host_read(path, text, sizeof(text));
	if (ret)
		return ret;
	row = strstr(text, "Max locked memory");
	if (!row || sscanf(row + 17, "%31s", soft) != 1)
		return -EINVAL;
	*limit = !strcmp(soft, "unlimited") ? UINT64_MAX :
		 strtoull(soft, NULL, 10);
	return 0;
}

void doctor_memlock(struct doctor *dr, uint64_t want)
{
	static const char fix[] =
		"raise it: ulimit -l <KiB> in the shell, memlock in /etc/security/limits.conf, LimitMEMLOCK= for a systemd service";
	char have[32], need[32];
	uint64_t limit;

	if (has_ipc_lock()) {
		doctor_add(dr, "memlock", ST_OK, NULL,
			   "not limited: pasidctl runs with CAP_IPC_LOCK");
		return;
	}
	if (memlock_limit(&limit)) {
		doctor_add(dr, "memlock", ST_WARN, NULL,
			   "cannot read RLIMIT_MEMLOCK from %s/self/limits",
			   cli_env.proc);
		return;
	}
	if (limit == UINT64_MAX) {
		doctor_add(dr, "memlock", ST_OK, NULL,
			   "RLIMIT_MEMLOCK is unlimited");
		return;
	}
	size_text(have, sizeof(have), limit);
	size_text(need, sizeof(need), want);
	/* iommufd counts pinned pages per user, across that user's
	 * processes (kernel-rules §8.2) */
	if (!want)
		doctor_add(dr, "memlock", ST_OK, NULL,
			   "RLIMIT_MEMLOCK is %s, for all of the user's pinned memory (--memlock SIZE checks it against what you will map)",
			   have);
	else if (want > limit)
		doctor_add(dr, "memlock", ST_FAIL, fix,
			   "RLIMIT_MEMLOCK is %s, less than the %s to map: mapping fails with ENOMEM",
			   have, need);
	else
		doctor_add(dr, "memlock", ST_OK, NULL,
			   "RLIMIT_MEMLOCK is %s, enough for %s (for all of the user's pinned memory)",
			   have, need);
}
