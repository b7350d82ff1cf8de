/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* See devuse.h. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devuse.h"
#include "hostfs.h"
#include "pasidctl.h"

/* how deep below the device directory interfaces and disks are looked for
 * (an AHCI disk: ata1/host0/target0:0:0/0:0:0:0/block/sda) */
#define MAX_DEPTH 6

/* why += "; " (after the first) + the phrase */
__attribute__((format(printf, 3, 4)))
static void append(char *why, size_t len, const char *fmt, ...)
{
	size_t n = strlen(why);
	va_list ap;

	if (n && n + 2 < len) {
		memcpy(why + n, "; ", 3);
		n += 2;
	}
	va_start(ap, fmt);
	if (n < len)
		vsnprintf(why + n, len - n, fmt, ap);
	va_end(ap);
}

/* A mount of /dev/<disk> or of one of its partitions ("sda1", "nvme0n1p2"). */
static bool mounted(const char *disk, char *where, size_t len)
{
	char path[PATH_MAX], line[1024], src[256], dir[256];
	size_t n = strlen(disk);
	bool found = false;
	FILE *f;

	if (host_path(path, sizeof(path), cli_env.proc, "mounts"))
		return false;
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		const char *rest;

		if (sscanf(line, "%255s %255s", src, dir) != 2 ||
		    strncmp(src, "/dev/", 5) || strncmp(src + 5, disk, n))
			continue;
		rest = src + 5 + n;
		if (*rest == 'p')
			rest++;
		found = !*rest || isdigit((unsigned char)*rest);
		if (found)
			snprintf(where, len, "%s", dir);
	}
	fclose(f);
	return found;
}

/* Something in <disk dir>/holders: LVM, RAID, dm-crypt on top of it. */
static bool held(const char *diskdir)
{
	char path[PATH_MAX];
	struct dirent *e;
	bool any = false;
	DIR *d;

	if ((size_t)snprintf(path, sizeof(path), "%s/holders", diskdir) >=
	    sizeof(path))
		return false;
	d = opendir(path);
	if (!d)
		return false;
	while (!any && (e = readdir(d)))
		any = e->d_name[0] != '.';
	closedir(d);
	return any;
}

static void look_at_disk(const char *dir, const char *name, char *why,
			 size_t len)
{
	char where[256];

	if (mounted(name, where, sizeof(where)))
		append(why, len, "%s is mounted on %s", name, where);
	else if (held(dir))
		append(why, len, "%s is held by another block device (LVM, RAID, dm)",
		       name);
}

static void look_at_netdev(const char *dir, const char *name, char *why,
			   size_t len)
{
	char path[PATH_MAX], state[32];

	if ((size_t)snprintf(path, sizeof(path), "%s/operstate", dir) <
	    sizeof(path) && !host_read(path, state, sizeof(state)) &&
	    !strcmp(state, "up"))
		append(why, len, "network interface %s is up", name);
}

/* Walk the device's own directories (never a symlink: they lead to other
 * devices and back) for net/<if>, block/<disk> and NVMe namespaces; 0 or
 * -errno (a directory that went away meanwhile is no error). */
static int walk(const char *dir, const char *name, int depth, char *why,
		size_t len)
{
	char child[PATH_MAX];
	struct dirent *e;
	struct stat st;
	DIR *d = opendir(dir);
	int ret = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (!ret && (e = readdir(d))) {
		if (e->d_name[0] == '.' ||
		    (size_t)snprintf(child, sizeof(child), "%s/%s", dir,
				     e->d_name) >= sizeof(child) ||
		    lstat(child, &st) || !S_ISDIR(st.st_mode))
			continue;
		if (!strcmp(name, "net"))
			look_at_netdev(child, e->d_name, why, len);
		else if (!strcmp(name, "block") ||
			 /* nvme/nvme0/nvme0n1: a namespace is a disk */
			 (!strncmp(name, "nvme", 4) &&
			  !strncmp(e->d_name, name, strlen(name)) &&
			  e->d_name[strlen(name)] == 'n'))
			look_at_disk(child, e->d_name, why, len);
		if (depth < MAX_DEPTH)
			ret = walk(child, e->d_name, depth + 1, why, len);
	}
	closedir(d);
	return ret;
}

int devuse_host(const char *bdf, char *why, size_t len)
{
	char path[PATH_MAX], real[PATH_MAX];
	int ret;

	why[0] = '\0';
	ret = host_path(path, sizeof(path), cli_env.sysfs, "bus/pci/devices/%s",
			bdf);
	if (ret)
		return ret;
	if (!realpath(path, real))
		return -errno;
	return walk(real, "", 0, why, len);
}

/* Whether fd link target names one of the device's VFIO nodes. */
static bool is_vfio_node(const char *target, const struct pasid_devinfo *d)
{
	char group[32];

	snprintf(group, sizeof(group), "/dev/vfio/%d", d->iommu_group);
	return (d->vfio_cdev[0] && !strcmp(target, d->vfio_cdev)) ||
	       (d->iommu_group >= 0 && !strcmp(target, group));
}

/* 1 when process pid has one of the device's VFIO nodes open, 0 when not
 * (or it is gone, or another user's), -errno. */
static int process_holds(const char *pid, const struct pasid_devinfo *d)
{
	char path[PATH_MAX], link[PATH_MAX], target[PATH_MAX];
	struct dirent *e;
	int found = 0;
	DIR *fds;

	if (host_path(path, sizeof(path), cli_env.proc, "%s/fd", pid))
		return -ENAMETOOLONG;
	fds = opendir(path);
	if (!fds)
		return errno == ENOENT || errno == EACCES ? 0 : -errno;
	while (!found && (e = readdir(fds))) {
		ssize_t n;

		if (e->d_name[0] == '.' ||
		    (size_t)snprintf(link, sizeof(link), "%s/%s", path,
				     e->d_name) >= sizeof(link))
			continue;
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		found = is_vfio_node(target, d);
	}
	closedir(fds);
	return found;
}

int devuse_vfio(const struct pasid_devinfo *d, char *why, size_t len)
{
	char path[PATH_MAX], comm[64];
	struct dirent *e;
	DIR *procs;
	int ret;

	why[0] = '\0';
	ret = host_path(path, sizeof(path), cli_env.proc, ".");
	if (ret)
		return ret;
	procs = opendir(path);
	if (!procs)
		return -errno;
	while (!ret && (e = readdir(procs))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		ret = process_holds(e->d_name, d);
		if (ret <= 0)
			continue;
		ret = 0;
		if (host_path(path, sizeof(path), cli_env.proc, "%s/comm",
			      e->d_name) ||
		    host_read(path, comm, sizeof(comm)))
			snprintf(comm, sizeof(comm), "?");
		append(why, len, "process %s (%s) has it open", e->d_name,
		       comm);
	}
	closedir(procs);
	return ret;
}
