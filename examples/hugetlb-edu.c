/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The same DMA as dpdk-edu without DPDK: a hugepage from memfd_create
 * (MFD_HUGETLB), mapped with pasid_map at IOVA = VA where that is usable,
 * else at an IOVA chosen inside the edu's 28-bit window, then edu DMA
 * (PASID-tagged where the device can tag, else untagged) from one half of
 * the page to the other, checked byte for byte.
 *
 *   echo 8 > /proc/sys/vm/nr_hugepages     (as root, once)
 *   hugetlb-edu [PCI-ADDRESS]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* memfd_create */
#endif
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libpasid/libpasid.h>

#include "edu.h"

#define HUGE (2u << 20)
#define XFER 2048u

int main(int argc, char **argv)
{
	struct pasid_ctx *ctx = NULL;
	struct pasid_dev *dev;
	struct pasid_as *as, *rid_as;
	struct edu e = { 0 };
	uint8_t *page = MAP_FAILED;
	uint32_t pasid = 0;
	uint64_t iova;
	char bdf[16];
	int fd, ret;

	if (argc > 1)
		snprintf(bdf, sizeof(bdf), "%s", argv[1]);
	else if (edu_find(bdf)) {
		fprintf(stderr, "hugetlb-edu: no edu device bound to vfio-pci\n");
		return 1;
	}
	fd = memfd_create("hugetlb-edu", MFD_HUGETLB);
	if (fd < 0 || ftruncate(fd, HUGE) ||
	    (page = mmap(NULL, HUGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED ||
	    mlock(page, HUGE)) {
		fprintf(stderr, "hugetlb-edu: no hugepage (%s): reserve some with echo 8 > /proc/sys/vm/nr_hugepages\n",
			strerror(errno));
		return 1;
	}
	ret = pasid_ctx_open(&ctx, NULL);
	if (!ret)
		ret = pasid_dev_open(ctx, bdf, &dev);
	if (!ret)
		ret = pasid_as_new(ctx, &as);
	if (!ret)
		ret = edu_open(&e, dev);
	/* a PASID where the device can tag DMA, the RID on an empty address
	 * space (see dpdk-edu.c); else the RID */
	if (!ret && edu_has_pasid_tag(&e)) {
		ret = pasid_as_new(ctx, &rid_as);
		if (!ret)
			ret = pasid_attach_rid(dev, rid_as, 0);
		if (!ret)
			ret = pasid = pasid_bind(dev, as, PASID_ANY);
	} else if (!ret) {
		ret = pasid_attach_rid(dev, as, 0);
	}
	if (ret >= 0)
		ret = pasid_as_set_iova_window(as, 0, EDU_DMA_LIMIT - 1);
	/* the wish: IOVA = VA; the answer: what was used */
	iova = (uintptr_t)page;
	if (!ret)
		ret = pasid_map(as, page, HUGE, PASID_MAP_RW | PASID_MAP_TRY_IOVA, &iova);
	if (ret) {
		fprintf(stderr, "hugetlb-edu: %s\n", pasid_errmsg());
		goto out;
	}
	printf("hugetlb-edu: %s, %s DMA, hugepage %p at IOVA 0x%" PRIx64 "%s\n", bdf,
	       pasid ? "PASID-tagged" : "RID", (void *)page, iova,
	       iova == (uintptr_t)page ? " (= VA)" : " (chosen: VA is above the edu's 28 bits)");
	for (unsigned int i = 0; i < XFER; i++)
		page[i] = (uint8_t)(0x3c + i * 7);
	memset(page + HUGE - XFER, 0, XFER);
	ret = edu_dma_to_dev(&e, pasid, iova, 0, XFER);
	if (!ret)
		ret = edu_dma_from_dev(&e, pasid, 0, iova + HUGE - XFER, XFER);
	if (!ret && memcmp(page, page + HUGE - XFER, XFER))
		ret = -EIO;
	printf("hugetlb-edu: DMA %u bytes across the hugepage: %s\n", XFER,
	       ret ? "FAILED" : "every byte arrived");
	if (!ret)
		ret = pasid_unmap_va(as, page, HUGE);
out:
	edu_close(&e);
	pasid_ctx_close(ctx);
	munmap(page, HUGE);
	close(fd);
	return ret ? 1 : 0;
}
