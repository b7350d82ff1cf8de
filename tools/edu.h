/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * A tiny driver for QEMU's "edu" PCI device (1234:11e8): enough of its DMA
 * engine to move bytes between RAM (through the IOMMU) and its 4 KiB buffer.
 * Used by pasidctl selftest and by the VM tests to prove real DMA.
 */
#ifndef LIBPASID_EDU_H
#define LIBPASID_EDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libpasid/libpasid.h"

#define EDU_VENDOR_ID 0x1234
#define EDU_DEVICE_ID 0x11e8
#define EDU_BUFFER_ADDR 0x40000u	/* the device's internal buffer */
#define EDU_BUFFER_SIZE 4096u
/* QEMU 7.2's edu aborts on 4096-byte transfers: stay at 2048 */
#define EDU_MAX_XFER 2048u

struct edu {
	struct pasid_dev *dev;
	volatile uint8_t *bar;
	size_t bar_len;
};

bool edu_is_edu(struct pasid_dev *dev);
/* The PCI address of the first edu bound to vfio-pci into bdf; -ENODEV if
 * there is none. */
int edu_find(char bdf[16]);
/* Map BAR0, check the device answers, turn bus mastering on. */
int edu_open(struct edu *edu, struct pasid_dev *dev);
void edu_close(struct edu *edu);
/* The edu's DMA engine only drives 28 address bits: keep IOVAs below. */
#define EDU_DMA_LIMIT (1ull << 28)

/*
 * Whether the device can tag DMA with a PASID: only the PASID-capable edu of
 * the project's patched QEMU (tests/vm/qemu, register 0xa0) can.
 */
bool edu_has_pasid_tag(struct edu *edu);
/*
 * Copy len bytes RAM (at iova) -> device buffer + off, or back. pasid 0 is
 * untagged DMA (the RID); any other value tags the DMA with that PASID
 * (-EOPNOTSUPP on a stock edu). 0, or -ETIMEDOUT if the engine never
 * finished. Whether the bytes arrived is the caller's to check: a DMA the
 * IOMMU blocks completes without effect.
 */
int edu_dma_to_dev(struct edu *edu, uint32_t pasid, uint64_t iova,
		   uint32_t off, uint32_t len);
int edu_dma_from_dev(struct edu *edu, uint32_t pasid, uint32_t off,
		     uint64_t iova, uint32_t len);

#endif
