/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * A VFIO device cdev fd (doc/kernel-rules.md §3, §4): BIND_IOMMUFD,
 * ATTACH/DETACH_IOMMUFD_PT with the VFIO side of PASID tracking (a second
 * attach is a replace), and a small vfio-pci: GET_INFO, GET_REGION_INFO,
 * RESET, the config region (pread/pwrite) and an mmap-able BAR0.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "emu-internal.h"

#define REGION_MASK ((1ULL << EMU_REGION_SHIFT) - 1)

static void put16(uint8_t *p, unsigned int off, uint16_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

static void put32(uint8_t *p, unsigned int off, uint32_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

/*
 * A QEMU "edu"-like PCIe endpoint (1234:11e8). The sysfs view has the PASID
 * extended capability at 0x100 when the device has PASIDs; the VFIO view
 * never does (vfio-pci hides it, kernel-rules §5.3).
 */
void emu_dev_init_config(struct emu_dev *dev, uint8_t *cfg, bool sysfs_view)
{
	unsigned int w = dev->cfg.pci_pasid_log2 ? dev->cfg.pci_pasid_log2 :
						   dev->cfg.pasid_log2;

	memset(cfg, 0, EMU_CFG_SIZE);
	put16(cfg, KABI_PCI_VENDOR_ID, 0x1234);
	put16(cfg, KABI_PCI_DEVICE_ID, 0x11e8);
	put16(cfg, KABI_PCI_STATUS, KABI_PCI_STATUS_CAP_LIST);
	cfg[0x08] = 0x10;			/* revision */
	cfg[0x0a] = 0xff;			/* class 00ff: unclassified */
	put32(cfg, 0x10, 0xfe000000);		/* BAR0, 32-bit memory */
	cfg[KABI_PCI_CAPABILITY_LIST] = 0x40;
	cfg[0x40] = 0x10;			/* PCI Express, last in list */
	put16(cfg, 0x42, 0x0002);		/* v2, endpoint */
	if (sysfs_view && w) {
		put32(cfg, 0x100, KABI_PCI_EXT_CAP_ID_PASID | (1u << 16));
		put16(cfg, 0x100 + KABI_PCI_PASID_CAP,
		      KABI_PCI_PASID_CAP_EXEC | KABI_PCI_PASID_CAP_PRIV |
			      (uint16_t)(w << KABI_PCI_PASID_CAP_WIDTH_SHIFT));
		put16(cfg, 0x100 + KABI_PCI_PASID_CTRL,
		      KABI_PCI_PASID_CTRL_ENABLE | KABI_PCI_PASID_CTRL_EXEC |
			      KABI_PCI_PASID_CTRL_PRIV);
	}
	/* the Page Request capability, after the PASID one if there is one */
	if (sysfs_view && dev->cfg.pri) {
		unsigned int at = w ? 0x110 : 0x100;

		if (w)
			put32(cfg, 0x100, KABI_PCI_EXT_CAP_ID_PASID |
				  (1u << 16) | (at << 20));
		put32(cfg, at, KABI_PCI_EXT_CAP_ID_PRI | (1u << 16));
	}
}

static bool tracked(struct emu_dev *dev, uint32_t pasid, size_t *at)
{
	size_t i;

	for (i = 0; i < dev->npasids; i++) {
		if (dev->pasids[i] == pasid) {
			if (at)
				*at = i;
			return true;
		}
	}
	return false;
}

/* vfio_df_ioctl_bind_iommufd (kernel-rules §3.2) */
static int bind(struct emu_file *file, void *arg)
{
	struct kabi_vfio_device_bind_iommufd b = { 0 };
	const size_t minsz = KABI_VFIO_DEVICE_BIND_IOMMUFD_SZ_NOTOKEN;
	struct emu_dev *dev = file->dev;
	struct emu_ctx *ctx;
	uint32_t id;
	int ret;

	if (!arg)
		return -EFAULT;
	memcpy(&b, arg, minsz);
	if (b.argsz < minsz)
		return -EINVAL;
	/* copy_struct_from_user: E2BIG for non-zero bytes past the struct
	 * (7.3 on a real kernel: argsz 32 with a non-zero tail) */
	for (size_t i = sizeof(b); i < b.argsz; i++)
		if (((const uint8_t *)arg)[i])
			return -E2BIG;
	memcpy(&b, arg, b.argsz < sizeof(b) ? b.argsz : sizeof(b));
	if (b.iommufd < 0 || (b.flags & ~KABI_VFIO_DEVICE_BIND_FLAG_TOKEN))
		return -EINVAL;
	if (dev->bound == file)
		return -EINVAL;		/* second bind */
	/*
	 * vfio_df_check_token: the UUID is read first (a NULL token_uuid_ptr,
	 * also when argsz does not cover it, is EFAULT: seen on the real 7.3
	 * kernel), then vfio-pci refuses a token for a device that is
	 * neither a VF nor a PF with a VF token (EINVAL); no VFs here.
	 */
	if (b.flags & KABI_VFIO_DEVICE_BIND_FLAG_TOKEN)
		return b.token_uuid_ptr ? -EINVAL : -EFAULT;
	ctx = emu_ctx_of_fd(b.iommufd);
	if (!ctx)
		return fcntl(b.iommufd, F_GETFD) < 0 ? -EBADF : -EBADFD;
	if (dev->bound)
		return -EINVAL;		/* the cdev is opened only once */
	ret = emu_device_bind(dev, ctx, &id);
	if (ret)
		return ret;
	dev->bound = file;
	memcpy((uint8_t *)arg + offsetof(struct kabi_vfio_device_bind_iommufd,
					 out_devid),
	       &id, sizeof(id));
	return 0;
}

/* vfio_df_ioctl_attach_pt: argsz >= 12, >= 16 with the PASID flag. */
static int attach_pt(struct emu_file *file, void *arg)
{
	struct kabi_vfio_device_attach_iommufd_pt at = { 0 };
	const size_t minsz = KABI_VFIO_DEVICE_ATTACH_IOMMUFD_PT_SZ_NOPASID;
	struct emu_dev *dev = file->dev;
	bool replace;
	int ret;

	if (!arg)
		return -EFAULT;
	memcpy(&at, arg, minsz);
	if (at.argsz < minsz)
		return -EINVAL;
	/* before 6.15 (vfio_df_ioctl_attach_pt): "attach.flags" is EINVAL */
	if (at.flags & ~KABI_VFIO_DEVICE_ATTACH_PASID ||
	    (at.flags && emu_kernel() < 615))
		return -EINVAL;
	if (at.flags & KABI_VFIO_DEVICE_ATTACH_PASID) {
		/* only vfio-pci itself has pasid_attach_ioas (kernel-rules
		 * §4.3) */
		if (dev->variant)
			return -EOPNOTSUPP;
		if (at.argsz < sizeof(at))
			return -EINVAL;
		memcpy(&at.pasid, (uint8_t *)arg + minsz, sizeof(at.pasid));
		/*
		 * vfio_iommufd_physical_pasid_attach_ioas. PASID 0 is not
		 * refused: VFIO tracks it like any PASID and iommufd takes it
		 * as IOMMU_NO_PASID, i.e. the RID (the real 7.3 kernel: EBUSY
		 * with the RID attached, since the device is already in the
		 * RID's attachment; success without, attaching the RID, and
		 * a plain RID attach is EBUSY after that). A PASID that is
		 * not tracked yet gets an ida entry: ida_alloc_range() is
		 * ENOSPC for ids above INT_MAX (real kernel: PASIDs
		 * 0x80000000 and 0xffffffff ENOSPC on every machine).
		 */
		replace = tracked(dev, at.pasid, NULL);
		if (!replace && at.pasid > INT_MAX)
			return -ENOSPC;
		if (!replace && EMU_GROW(dev->pasids, dev->pasids_cap,
					 dev->npasids))
			return -ENOMEM;
		ret = emu_device_attach(dev, at.pasid, &at.pt_id, replace);
		if (ret)
			return ret;
		if (!replace)
			dev->pasids[dev->npasids++] = at.pasid;
	} else {
		/* a second attach is a replace (vfio tracks it) */
		ret = emu_device_attach(dev, EMU_NO_PASID, &at.pt_id,
					dev->rid_attached);
		if (ret)
			return ret;
		dev->rid_attached = true;
	}
	memcpy((uint8_t *)arg +
		       offsetof(struct kabi_vfio_device_attach_iommufd_pt, pt_id),
	       &at.pt_id, sizeof(at.pt_id));
	return 0;
}

/* vfio_df_ioctl_detach_pt: argsz >= 8, >= 12 with the PASID flag; detaching
 * what is not attached succeeds. */
static int detach_pt(struct emu_file *file, void *arg)
{
	struct kabi_vfio_device_detach_iommufd_pt de = { 0 };
	const size_t minsz = KABI_VFIO_DEVICE_DETACH_IOMMUFD_PT_SZ_NOPASID;
	struct emu_dev *dev = file->dev;
	size_t at;

	if (!arg)
		return -EFAULT;
	memcpy(&de, arg, minsz);
	if (de.argsz < minsz)
		return -EINVAL;
	if (de.flags & ~KABI_VFIO_DEVICE_DETACH_PASID ||
	    (de.flags && emu_kernel() < 615))
		return -EINVAL;
	if (de.flags & KABI_VFIO_DEVICE_DETACH_PASID) {
		if (dev->variant)
			return -EOPNOTSUPP;
		if (de.argsz < sizeof(de))
			return -EINVAL;
		memcpy(&de.pasid, (uint8_t *)arg + minsz, sizeof(de.pasid));
		if (tracked(dev, de.pasid, &at)) {
			emu_device_detach(dev, de.pasid);
			dev->pasids[at] = dev->pasids[--dev->npasids];
		}
	} else if (dev->rid_attached) {
		emu_device_detach(dev, EMU_NO_PASID);
		dev->rid_attached = false;
	}
	return 0;
}

static int get_info(void *arg)
{
	struct kabi_vfio_device_info info = { 0 };
	const size_t minsz = offsetof(struct kabi_vfio_device_info, cap_offset);

	if (!arg)
		return -EFAULT;
	memcpy(&info, arg, minsz);
	if (info.argsz < minsz)
		return -EINVAL;
	info.flags = KABI_VFIO_DEVICE_FLAGS_PCI | KABI_VFIO_DEVICE_FLAGS_RESET;
	info.num_regions = KABI_VFIO_PCI_NUM_REGIONS;
	info.num_irqs = KABI_VFIO_PCI_NUM_IRQS;
	memcpy(arg, &info, minsz);
	return 0;
}

/* BAR0 (4 KiB, mmap-able) and the config region (4 KiB); the rest empty. */
static int get_region_info(void *arg)
{
	struct kabi_vfio_region_info ri = { 0 };
	const size_t minsz = sizeof(ri);

	if (!arg)
		return -EFAULT;
	memcpy(&ri, arg, minsz);
	if (ri.argsz < minsz || ri.index >= KABI_VFIO_PCI_NUM_REGIONS)
		return -EINVAL;
	ri.offset = (uint64_t)ri.index << EMU_REGION_SHIFT;
	ri.cap_offset = 0;
	ri.size = 0;
	ri.flags = 0;
	if (ri.index == KABI_VFIO_PCI_BAR0_REGION_INDEX) {
		ri.size = EMU_BAR0_SIZE;
		ri.flags = KABI_VFIO_REGION_INFO_FLAG_READ |
			   KABI_VFIO_REGION_INFO_FLAG_WRITE |
			   KABI_VFIO_REGION_INFO_FLAG_MMAP;
	} else if (ri.index == KABI_VFIO_PCI_CONFIG_REGION_INDEX) {
		ri.size = EMU_CFG_SIZE;
		ri.flags = KABI_VFIO_REGION_INFO_FLAG_READ |
			   KABI_VFIO_REGION_INFO_FLAG_WRITE;
	}
	memcpy(arg, &ri, minsz);
	return 0;
}

/* df->access_granted: a cdev file once it is bound; a group's device file
 * from its open on (there may be several, kernel-rules §10.2). */
static bool has_access(const struct emu_file *file)
{
	return file->from_group || file->dev->bound == file;
}

/* vfio_device_fops_unl_ioctl: BIND first; anything else before it EINVAL;
 * unknown requests ENOTTY. */
int emu_vfio_ioctl(struct emu_file *file, unsigned long req, void *arg)
{
	/* BIND is for cdev fds only: a group's device fd gets EINVAL */
	if (req == KABI_VFIO_DEVICE_BIND_IOMMUFD)
		return file->from_group ? -EINVAL : bind(file, arg);
	if (!has_access(file))
		return -EINVAL;
	/* the cdev-only ioctls: a group's device fd passes them to vfio-pci,
	 * which knows neither (vfio_device_fops_unl_ioctl) */
	if (file->from_group && (req == KABI_VFIO_DEVICE_ATTACH_IOMMUFD_PT ||
				 req == KABI_VFIO_DEVICE_DETACH_IOMMUFD_PT))
		return -ENOTTY;
	switch (req) {
	case KABI_VFIO_DEVICE_ATTACH_IOMMUFD_PT:
		return attach_pt(file, arg);
	case KABI_VFIO_DEVICE_DETACH_IOMMUFD_PT:
		return detach_pt(file, arg);
	case KABI_VFIO_DEVICE_GET_INFO:
		return get_info(arg);
	case KABI_VFIO_DEVICE_GET_REGION_INFO:
		return get_region_info(arg);
	case KABI_VFIO_DEVICE_RESET:
		return 0;
	}
	return -ENOTTY;
}

/* Region reads and writes; config writes reach only the command register
 * (vfio-pci virtualizes the rest). */
ssize_t emu_vfio_rw(struct emu_file *file, void *buf, size_t len, off_t off,
		    bool write)
{
	struct emu_dev *dev = file->dev;
	uint64_t index = (uint64_t)off >> EMU_REGION_SHIFT;
	uint64_t pos = (uint64_t)off & REGION_MASK;
	size_t i;
	ssize_t n;

	if (!has_access(file))
		return -EINVAL;
	if (off < 0 || (index != KABI_VFIO_PCI_CONFIG_REGION_INDEX &&
			index != KABI_VFIO_PCI_BAR0_REGION_INDEX))
		return -EINVAL;
	if (pos >= EMU_CFG_SIZE)	/* both regions are 4 KiB */
		return -EINVAL;
	if (len > EMU_CFG_SIZE - pos)
		len = EMU_CFG_SIZE - pos;
	if (index == KABI_VFIO_PCI_BAR0_REGION_INDEX) {
		n = write ? pwrite(dev->bar_fd, buf, len, (off_t)pos) :
			    pread(dev->bar_fd, buf, len, (off_t)pos);
		return n < 0 ? -errno : n;
	}
	if (!write) {
		memcpy(buf, dev->config + pos, len);
		return (ssize_t)len;
	}
	for (i = 0; i < len; i++)
		if (pos + i == KABI_PCI_COMMAND || pos + i == KABI_PCI_COMMAND + 1)
			dev->config[pos + i] = ((uint8_t *)buf)[i];
	return (ssize_t)len;
}

/* vfio_pci_core_mmap: shared mappings of an mmap-able BAR only. */
void *emu_vfio_mmap(struct emu_file *file, void *addr, size_t len, int prot,
		    int flags, off_t off, int *err)
{
	struct emu_dev *dev = file->dev;
	uint64_t index = (uint64_t)off >> EMU_REGION_SHIFT;
	uint64_t pos = (uint64_t)off & REGION_MASK;
	void *p;

	*err = EINVAL;
	if (!has_access(file) || off < 0 || !(flags & MAP_SHARED) ||
	    index != KABI_VFIO_PCI_BAR0_REGION_INDEX || !len ||
	    pos + len > EMU_BAR0_SIZE)
		return MAP_FAILED;
	p = mmap(addr, len, prot, flags, dev->bar_fd, (off_t)pos);
	if (p == MAP_FAILED)
		*err = errno;
	return p;
}

/* The last fd of the file closed: unbind (detach PASIDs and RID, destroy
 * the DEVICE object, drop the context). */
void emu_vfio_release(struct emu_file *file)
{
	struct emu_dev *dev = file->dev;

	if (file->from_group) {
		emu_t1_device_release(file);
		return;
	}
	if (dev->bound == file) {
		emu_device_unbind(dev);
		dev->bound = NULL;
	}
}
