/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Thin helpers for driving a device through its VFIO fd: config space, bus
 * mastering and BAR mmaps. Callers may just as well use the fd directly.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <stdint.h>
#include <sys/mman.h>

#include "internal.h"
#include "kabi.h"
#include "sys.h"

static int region_info(struct pasid_dev *dev, uint32_t index,
		       struct kabi_vfio_region_info *ri)
{
	*ri = (struct kabi_vfio_region_info){ .argsz = sizeof(*ri),
					      .index = index };
	return sys_ioctl(dev->fd, KABI_VFIO_DEVICE_GET_REGION_INFO, ri);
}

/* Caller holds the context lock (under which a group backend's attach or
 * detach gives or closes dev->fd) and has checked dev and buf. */
static int config_io_locked(struct pasid_dev *dev, const char *fn,
			    uint32_t offset, void *buf, size_t len, bool write)
{
	struct kabi_vfio_region_info ri;
	ssize_t n;
	int ret;

	ret = dev_fd_missing(dev, fn);
	if (ret)
		return ret;
	if ((len != 1 && len != 2 && len != 4) || offset % len)
		return pasid_err(dev->ctx, EINVAL,
				 "%s: config access of %zu bytes at 0x%x: use 1, 2 or 4 naturally aligned bytes",
				 dev->name, len, offset);
	ret = region_info(dev, KABI_VFIO_PCI_CONFIG_REGION_INDEX, &ri);
	if (ret)
		return pasid_kerr(dev->ctx, -ret, "VFIO_DEVICE_GET_REGION_INFO",
				  "%s: the device has no PCI config region", dev->name);
	if (offset + len > ri.size)
		return pasid_err(dev->ctx, EINVAL,
				 "%s: config offset 0x%x is beyond the 0x%llx bytes VFIO exposes",
				 dev->name, offset, (unsigned long long)ri.size);
	if (write)
		n = pasid_sys->pwrite(dev->fd, buf, len, (off_t)(ri.offset + offset));
	else
		n = pasid_sys->pread(dev->fd, buf, len, (off_t)(ri.offset + offset));
	if (n != (ssize_t)len)
		return pasid_kerr(dev->ctx, n < 0 ? errno : EIO,
				  write ? "pwrite" : "pread",
				  "%s: config space at 0x%x", dev->name, offset);
	return 0;
}

static int config_io(struct pasid_dev *dev, uint32_t offset, void *buf,
		     size_t len, bool write)
{
	const char *fn = write ? "pasid_dev_config_write" :
				 "pasid_dev_config_read";
	int ret;

	pasid_err_clear();
	if (!dev || !buf)
		return pasid_err(dev ? dev->ctx : NULL, EINVAL,
				 "config access: dev and buf must not be NULL");
	if (inherited(dev->ctx))
		return fork_refuse(dev->ctx, fn);
	ctx_lock(dev->ctx);
	ret = config_io_locked(dev, fn, offset, buf, len, write);
	ctx_unlock(dev->ctx);
	return ret;
}

PASID_API int pasid_dev_config_read(struct pasid_dev *dev, uint32_t offset,
				    void *buf, size_t len)
{
	return config_io(dev, offset, buf, len, false);
}

PASID_API int pasid_dev_config_write(struct pasid_dev *dev, uint32_t offset,
				     const void *buf, size_t len)
{
	return config_io(dev, offset, (void *)buf, len, true);
}

PASID_API int pasid_dev_set_bus_master(struct pasid_dev *dev, bool on)
{
	uint16_t le, cmd;
	int ret;

	pasid_err_clear();
	if (!dev)
		return pasid_err(NULL, EINVAL, "pasid_dev_set_bus_master: dev is NULL");
	if (inherited(dev->ctx))
		return fork_refuse(dev->ctx, "pasid_dev_set_bus_master");
	/* read-modify-write under the lock, so concurrent callers lose nothing */
	ctx_lock(dev->ctx);
	ret = config_io_locked(dev, "pasid_dev_set_bus_master", KABI_PCI_COMMAND,
			       &le, sizeof(le), false);
	if (ret)
		goto out;
	/* config space is little-endian whatever the CPU is */
	cmd = le16toh(le);
	if (on)
		cmd |= KABI_PCI_COMMAND_MASTER;
	else
		cmd &= (uint16_t)~KABI_PCI_COMMAND_MASTER;
	le = htole16(cmd);
	ret = config_io_locked(dev, "pasid_dev_set_bus_master", KABI_PCI_COMMAND,
			       &le, sizeof(le), true);
out:
	ctx_unlock(dev->ctx);
	return ret;
}

/* Context lock held: an attach or detach of a group backend gives or closes
 * dev->fd meanwhile otherwise, and the mmap could reach another file. */
static int bar_map_locked(struct pasid_dev *dev, unsigned int bar,
			  volatile void **addr, size_t *len)
{
	struct kabi_vfio_region_info ri;
	void *p;
	int ret = dev_fd_missing(dev, "pasid_dev_bar_map");

	if (ret)
		return ret;
	ret = region_info(dev, KABI_VFIO_PCI_BAR0_REGION_INDEX + bar, &ri);
	if (ret)
		return pasid_kerr(dev->ctx, -ret, "VFIO_DEVICE_GET_REGION_INFO",
				  "%s: BAR %u", dev->name, bar);
	if (!ri.size)
		return pasid_err(dev->ctx, ENOENT, "%s: BAR %u is not implemented",
				 dev->name, bar);
	/* what mmap can take: a size_t length and a non-negative off_t */
	if (ri.size > SIZE_MAX || ri.offset > (uint64_t)INT64_MAX)
		return pasid_err(dev->ctx, EPROTO,
				 "%s: BAR %u: the kernel reports a region of 0x%llx bytes at offset 0x%llx, which cannot be mapped (a kernel bug?)",
				 dev->name, bar, (unsigned long long)ri.size,
				 (unsigned long long)ri.offset);
	if (!(ri.flags & KABI_VFIO_REGION_INFO_FLAG_MMAP))
		return pasid_err(dev->ctx, EOPNOTSUPP,
				 "%s: BAR %u cannot be mmapped (I/O port BAR?): use pread/pwrite on the device fd",
				 dev->name, bar);
	p = pasid_sys->mmap(NULL, ri.size, PROT_READ | PROT_WRITE, MAP_SHARED,
			    dev->fd, (off_t)ri.offset);
	if (p == MAP_FAILED)
		return pasid_kerr(dev->ctx, errno, "mmap", "%s: BAR %u",
				  dev->name, bar);
	if (dev->bar_maps == dev->bars_cap) {
		unsigned int cap = dev->bars_cap ? 2 * dev->bars_cap : 4;
		struct dev_bar *b = realloc(dev->bars, cap * sizeof(*b));

		if (!b) {
			pasid_sys->munmap(p, ri.size);
			return pasid_err(dev->ctx, ENOMEM,
					 "out of memory for the BAR mapping record");
		}
		dev->bars = b;
		dev->bars_cap = cap;
	}
	dev->bars[dev->bar_maps].addr = p;
	dev->bars[dev->bar_maps++].len = ri.size;
	*addr = p;
	*len = ri.size;
	return 0;
}

void dev_bars_drop(struct pasid_dev *dev, const char *why)
{
	unsigned int i;

	for (i = 0; i < dev->bar_maps; i++) {
		pasid_sys->munmap((void *)dev->bars[i].addr, dev->bars[i].len);
		pasid_log(dev->ctx, PASID_LOG_WARN,
			  "%s: BAR mapping at %p (0x%zx bytes) was still there: unmapped, as %s",
			  dev->name, (void *)dev->bars[i].addr, dev->bars[i].len,
			  why);
	}
	free(dev->bars);
	dev->bars = NULL;
	dev->bar_maps = dev->bars_cap = 0;
}

PASID_API int pasid_dev_bar_map(struct pasid_dev *dev, unsigned int bar,
				volatile void **addr, size_t *len)
{
	int ret;

	pasid_err_clear();
	if (!dev || !addr || !len)
		return pasid_err(dev ? dev->ctx : NULL, EINVAL,
				 "pasid_dev_bar_map: dev, addr and len must not be NULL");
	if (inherited(dev->ctx))
		return fork_refuse(dev->ctx, "pasid_dev_bar_map");
	if (bar > KABI_VFIO_PCI_BAR5_REGION_INDEX)
		return pasid_err(dev->ctx, EINVAL,
				 "%s: BAR %u does not exist (0..5)", dev->name, bar);
	ctx_lock(dev->ctx);
	ret = bar_map_locked(dev, bar, addr, len);
	ctx_unlock(dev->ctx);
	return ret;
}

PASID_API int pasid_dev_bar_unmap(struct pasid_dev *dev, volatile void *addr,
				  size_t len)
{
	unsigned int i;
	int ret;

	pasid_err_clear();
	if (!dev || !addr)
		return pasid_err(dev ? dev->ctx : NULL, EINVAL,
				 "pasid_dev_bar_unmap: dev and addr must not be NULL");
	/* a forked child owns no record (and must not take the lock a
	 * parent thread may have held at the fork): its own mapping only */
	if (inherited(dev->ctx)) {
		if (pasid_sys->munmap((void *)addr, len) < 0)
			return pasid_kerr(dev->ctx, errno, "munmap", "%s", dev->name);
		return 0;
	}
	ctx_lock(dev->ctx);
	for (i = 0; i < dev->bar_maps; i++)
		if (dev->bars[i].addr == addr && dev->bars[i].len == len)
			break;
	if (i == dev->bar_maps) {
		ctx_unlock(dev->ctx);
		return pasid_err(dev->ctx, EINVAL,
				 "pasid_dev_bar_unmap: %s has no BAR mapping at %p of 0x%zx bytes: give the address and length pasid_dev_bar_map returned, once",
				 dev->name, (void *)addr, len);
	}
	if (pasid_sys->munmap((void *)addr, len) < 0) {
		ret = pasid_kerr(dev->ctx, errno, "munmap", "%s", dev->name);
		ctx_unlock(dev->ctx);
		return ret;
	}
	dev->bars[i] = dev->bars[--dev->bar_maps];
	ctx_unlock(dev->ctx);
	return 0;
}
