/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * PCIe PASID, ATS and PRI capabilities from a device's sysfs config file
 * (doc/kernel-rules.md §5.3). Only root reads past the first 64 bytes; then the
 * answer is "unknown" (-1), never a guess.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>

#include "kabi.h"
#include "pcie.h"
#include "sys.h"
#include "sysfs.h"

static unsigned int le16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}

static uint32_t le32(const uint8_t *p)
{
	return le16(p) | (uint32_t)le16(p + 2) << 16;
}

/*
 * Read as much of a config file as we are allowed to: all 4096 bytes as root,
 * the first 64 otherwise (pci-sysfs). *len = bytes read, 0 if unreadable.
 */
static int read_config(const char *bdf, const char *file, uint8_t *buf,
		       size_t *len)
{
	char path[PATH_MAX];
	size_t got = 0;
	ssize_t n;
	int fd, ret;

	*len = 0;
	ret = sysfs_path(path, sizeof(path), PCI_DEVICES "/%s/%s", bdf, file);
	if (ret)
		return ret;
	fd = sys_open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	while (got < KABI_PCI_CFG_SPACE_EXP_SIZE) {
		n = pasid_sys->pread(fd, buf + got,
				     KABI_PCI_CFG_SPACE_EXP_SIZE - got, got);
		/* a read cannot return more than was asked for; a seam that
		 * does must not move us past the buffer */
		if (n <= 0 || (size_t)n > KABI_PCI_CFG_SPACE_EXP_SIZE - got)
			break;
		got += n;
	}
	sys_close(fd);
	*len = got;
	return 0;
}

/*
 * Offset of extended capability id, 0 if absent, -1 if the config we could
 * read is too short to tell (non-root: 64 bytes). Exactly 256 bytes is a
 * device without extended config space, so "absent" is the truth there.
 */
static int ext_cap(const uint8_t *cfg, size_t len, unsigned int id)
{
	unsigned int pos = KABI_PCI_CFG_SPACE_SIZE;
	/* as the kernel: a bound on the walk in case the list loops */
	int ttl = (KABI_PCI_CFG_SPACE_EXP_SIZE - KABI_PCI_CFG_SPACE_SIZE) / 8;
	uint32_t hdr;

	if (len < KABI_PCI_CFG_SPACE_SIZE)
		return -1;
	if (len == KABI_PCI_CFG_SPACE_SIZE)
		return 0;
	while (ttl-- > 0) {
		if (pos + 4 > len)
			return -1;
		hdr = le32(cfg + pos);
		if (hdr == 0 || hdr == 0xffffffff)
			return 0;
		if (KABI_PCI_EXT_CAP_ID(hdr) == id)
			return pos;
		pos = KABI_PCI_EXT_CAP_NEXT(hdr);
		if (pos < KABI_PCI_CFG_SPACE_SIZE)
			return 0;
	}
	return 0;
}

static int cap_present(int pos)
{
	return pos > 0 ? 1 : pos;
}

/*
 * PASID and PRI of an SR-IOV VF live in its PF (the kernel reads them through
 * pci_physfn(), kernel-rules §5.3); ATS is implemented by each VF itself.
 */
int pci_caps_read(const char *bdf, struct pasid_devinfo *info)
{
	uint8_t own[KABI_PCI_CFG_SPACE_EXP_SIZE], pf_buf[KABI_PCI_CFG_SPACE_EXP_SIZE];
	const uint8_t *pf = own;
	size_t own_len, pf_len;
	unsigned int reg;
	int pos, ret;

	ret = read_config(bdf, "config", own, &own_len);
	if (ret)
		return ret;
	pf_len = own_len;
	if (info->is_vf) {
		ret = read_config(bdf, "physfn/config", pf_buf, &pf_len);
		if (ret)
			return ret;
		pf = pf_buf;
	}

	info->pci_ats = cap_present(ext_cap(own, own_len, KABI_PCI_EXT_CAP_ID_ATS));
	info->pci_pri = cap_present(ext_cap(pf, pf_len, KABI_PCI_EXT_CAP_ID_PRI));

	pos = ext_cap(pf, pf_len, KABI_PCI_EXT_CAP_ID_PASID);
	if (pos <= 0 || pos + KABI_PCI_PASID_CAP + 2 > (int)pf_len) {
		info->pci_pasid_width = pos == 0 ? 0 : -1;
		return 0;
	}
	reg = le16(pf + pos + KABI_PCI_PASID_CAP);
	info->pci_pasid_width = (reg & KABI_PCI_PASID_CAP_WIDTH) >>
				KABI_PCI_PASID_CAP_WIDTH_SHIFT;
	/* the field has 5 bits; values above 20 are a device bug */
	if (info->pci_pasid_width > (int)PCIE_PASID_MAX_WIDTH)
		info->pci_pasid_width = PCIE_PASID_MAX_WIDTH;
	if (reg & KABI_PCI_PASID_CAP_EXEC)
		info->pci_pasid_flags |= PASID_CAP_PASID_EXEC;
	if (reg & KABI_PCI_PASID_CAP_PRIV)
		info->pci_pasid_flags |= PASID_CAP_PASID_PRIV;
	return 0;
}
