/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* QEMU edu DMA engine, see edu.h and QEMU's docs/specs/edu.rst. */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "edu.h"

#define EDU_REG_ID	 0x00	/* 0xRRrr00edu: major/minor version */
#define EDU_REG_LIVENESS 0x04	/* reads back the inverse of what was written */
#define EDU_REG_DMA_SRC	 0x80
#define EDU_REG_DMA_DST	 0x88
#define EDU_REG_DMA_CNT	 0x90
#define EDU_REG_DMA_CMD	 0x98
#define EDU_DMA_START	 (1u << 0)
#define EDU_DMA_TO_RAM	 (1u << 1)	/* direction: device buffer -> RAM */
/* The patched edu's PASID tag register (tests/vm/qemu/README.md). */
#define EDU_REG_DMA_PASID 0xa0
#define EDU_DMA_PASID_VALID (1u << 31)

static uint32_t rd32(struct edu *e, uint32_t off)
{
	return *(volatile uint32_t *)(e->bar + off);
}

static void wr32(struct edu *e, uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(e->bar + off) = v;
}

static void wr64(struct edu *e, uint32_t off, uint64_t v)
{
	*(volatile uint64_t *)(e->bar + off) = v;
}

bool edu_is_edu(struct pasid_dev *dev)
{
	uint16_t id[2];

	/* config space is little-endian */
	return !pasid_dev_config_read(dev, 0, &id[0], 2) &&
	       !pasid_dev_config_read(dev, 2, &id[1], 2) &&
	       le16toh(id[0]) == EDU_VENDOR_ID && le16toh(id[1]) == EDU_DEVICE_ID;
}

int edu_find(char bdf[16])
{
	struct pasid_devinfo d = { .size = sizeof(d) };
	struct pasid_devlist *list;
	int found = -ENODEV;

	if (pasid_devlist_new(&list))
		return -ENODEV;
	for (size_t i = 0; i < pasid_devlist_count(list) && found; i++)
		if (!pasid_devlist_get(list, i, &d) && d.vendor_id == EDU_VENDOR_ID &&
		    d.device_id == EDU_DEVICE_ID && !strcmp(d.driver, "vfio-pci")) {
			memcpy(bdf, d.bdf, sizeof(d.bdf));
			found = 0;
		}
	pasid_devlist_free(list);
	return found;
}

int edu_open(struct edu *e, struct pasid_dev *dev)
{
	int ret;

	e->dev = dev;
	ret = pasid_dev_bar_map(dev, 0, (volatile void **)&e->bar, &e->bar_len);
	if (ret)
		return ret;
	wr32(e, EDU_REG_LIVENESS, 0x12345678);
	if ((rd32(e, EDU_REG_ID) & 0xff) != 0xed ||
	    rd32(e, EDU_REG_LIVENESS) != ~0x12345678u) {
		edu_close(e);
		return -ENODEV;
	}
	ret = pasid_dev_set_bus_master(dev, true);
	if (ret)
		edu_close(e);
	return ret;
}

void edu_close(struct edu *e)
{
	if (e->bar)
		pasid_dev_bar_unmap(e->dev, e->bar, e->bar_len);
	e->bar = NULL;
}

bool edu_has_pasid_tag(struct edu *e)
{
	/* a stock edu reads unknown registers as all ones; the patched one
	 * reads its idle tag register as 0 */
	return rd32(e, EDU_REG_DMA_PASID) == 0;
}

static int dma(struct edu *e, uint32_t pasid, uint64_t src, uint64_t dst,
	       uint32_t len, uint32_t dir)
{
	struct timespec pause = { 0, 100000 };
	int i;

	if (!len || len > EDU_MAX_XFER)
		return -EINVAL;
	if (pasid) {
		if (!edu_has_pasid_tag(e))
			return -EOPNOTSUPP;
		/* tags the next DMA only; the device clears it afterwards */
		wr32(e, EDU_REG_DMA_PASID, pasid | EDU_DMA_PASID_VALID);
	}
	wr64(e, EDU_REG_DMA_SRC, src);
	wr64(e, EDU_REG_DMA_DST, dst);
	wr64(e, EDU_REG_DMA_CNT, len);
	wr32(e, EDU_REG_DMA_CMD, EDU_DMA_START | dir);
	/* the engine runs from a QEMU timer: poll for up to ~2 s */
	for (i = 0; i < 20000; i++) {
		if (!(rd32(e, EDU_REG_DMA_CMD) & EDU_DMA_START))
			return 0;
		nanosleep(&pause, NULL);
	}
	return -ETIMEDOUT;
}

int edu_dma_to_dev(struct edu *e, uint32_t pasid, uint64_t iova,
		   uint32_t off, uint32_t len)
{
	if (off + len > EDU_BUFFER_SIZE || iova + len > EDU_DMA_LIMIT)
		return -EINVAL;
	return dma(e, pasid, iova, EDU_BUFFER_ADDR + off, len, 0);
}

int edu_dma_from_dev(struct edu *e, uint32_t pasid, uint32_t off,
		     uint64_t iova, uint32_t len)
{
	if (off + len > EDU_BUFFER_SIZE || iova + len > EDU_DMA_LIMIT)
		return -EINVAL;
	return dma(e, pasid, EDU_BUFFER_ADDR + off, iova, len, EDU_DMA_TO_RAM);
}
