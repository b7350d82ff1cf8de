/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * PCI config space as a device (or a VF's PF) may present it: the input is
 * the bytes of <device>/config and, for a VF, of physfn/config, served by a
 * seam of this target's own in pieces of a size the input picks (reads of
 * sysfs may be short). The capability walk must stay inside what was read,
 * end on loops, and report only values the fields can hold.
 */
#include <errno.h>
#include <string.h>

#include "fzcheck.h"
#include "input.h"
#include "sys.h"
#include "sysfs.h"

#define CFG_MAX 4096

static struct {
	uint8_t bytes[CFG_MAX];
	size_t len;
} files[2];			/* config, physfn/config */
static size_t piece;		/* bytes per pread, 0: all */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int f_open(const char *path, int flags, mode_t mode)
{
	size_t n = strlen(path);

	(void)flags;
	(void)mode;
	if (n >= 14 && !strcmp(path + n - 14, "/physfn/config"))
		return 101;
	if (n >= 7 && !strcmp(path + n - 7, "/config"))
		return 100;
	errno = ENOENT;
	return -1;
}

static int f_close(int fd)
{
	FZ_CHECK(fd == 100 || fd == 101, "close(%d) of an fd never opened", fd);
	return 0;
}

static ssize_t f_pread(int fd, void *buf, size_t len, off_t off)
{
	size_t have, k;

	FZ_CHECK(fd == 100 || fd == 101, "pread(%d)", fd);
	have = files[fd - 100].len;
	if ((size_t)off >= have)
		return 0;
	k = have - (size_t)off;
	if (k > len)
		k = len;
	if (piece && k > piece)
		k = piece;
	memcpy(buf, files[fd - 100].bytes + off, k);
	return (ssize_t)k;
}

static const struct pasid_sys fake = {
	.open = f_open,
	.close = f_close,
	.pread = f_pread,
	.sysfs_root = "/fuzz-sysfs",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pasid_devinfo info;
	struct in in = { data, size };
	uint8_t flags = in_u8(&in);
	int i;

	pasid_sys_set(&fake);
	piece = in_u8(&in);
	for (i = 0; i < 2; i++) {
		size_t want = in_u32(&in) % (CFG_MAX + 1);

		files[i].len = in_bytes(&in, files[i].bytes, want);
	}
	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	info.is_vf = flags & 1;
	FZ_RET(pci_caps_read("0000:00:04.0", &info), "pci_caps_read");
	FZ_CHECK(info.pci_ats >= -1 && info.pci_ats <= 1, "ats %d", info.pci_ats);
	FZ_CHECK(info.pci_pri >= -1 && info.pci_pri <= 1, "pri %d", info.pci_pri);
	FZ_CHECK(info.pci_pasid_width >= -1 && info.pci_pasid_width <= 31,
		 "PASID width %d", info.pci_pasid_width);
	FZ_CHECK(!(info.pci_pasid_flags &
		   ~(uint32_t)(PASID_CAP_PASID_EXEC | PASID_CAP_PASID_PRIV)),
		 "flags 0x%x", info.pci_pasid_flags);
	pasid_sys_set(NULL);
	return 0;
}
