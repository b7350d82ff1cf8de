/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * A DPDK program doing DMA into rte_malloc memory through libpasid: QEMU's
 * edu device copies a buffer to its own memory and back into another, with
 * PASID-tagged DMA where the device can tag (the project's patched QEMU),
 * else with untagged (RID) DMA. The heap is then grown by a large buffer,
 * DMA goes into its end, and it is freed again.
 *
 *   dpdk-edu EAL-OPTIONS [-- PCI-ADDRESS]
 *   dpdk-edu -l 0 --no-pci --no-huge -m 64 --no-shconf     (legacy, 4 KiB pages)
 *   dpdk-edu -l 0 --no-pci --in-memory                     (dynamic hugepages)
 *   dpdk-edu -l 0 --no-pci --legacy-mem -m 64 --no-shconf  (legacy hugepages)
 *   dpdk-edu -l 0 --no-pci --no-huge -m 64 --no-shconf --base-virtaddr=0x1000000
 *                                    (all memory below 2^28: IOVA = VA works)
 *
 * --no-pci (or -b PCI-ADDRESS) keeps DPDK's own VFIO away from the device
 * libpasid owns. The edu drives 28 DMA address bits, so the address space
 * gets a 28-bit IOVA window and DPDK's addresses, far above, are mapped at
 * IOVAs chosen inside it: pasid_dpdk_iova says where a buffer is.
 * The libpasid calls are the lines marked "libpasid:".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include <libpasid/dpdk.h>

#include "edu.h"

#define XFER 2048u
#define BIG (8u << 20)	/* more than a fresh heap has free: it must grow */

/* src -> device -> dst through the attachment, then compare. */
static int dma_round(struct edu *e, struct pasid_dpdk *att, uint32_t pasid,
		     uint8_t *src, uint8_t *dst, uint8_t seed)
{
	uint64_t s, d;
	int ret;

	for (unsigned int i = 0; i < XFER; i++)
		src[i] = (uint8_t)(seed + i * 13);
	memset(dst, 0, XFER);
	ret = pasid_dpdk_iova(att, src, XFER, &s);		/* libpasid: */
	if (!ret)
		ret = pasid_dpdk_iova(att, dst, XFER, &d);	/* libpasid: */
	if (ret) {
		fprintf(stderr, "dpdk-edu: %s\n", pasid_dpdk_errmsg());
		return ret;
	}
	ret = edu_dma_to_dev(e, pasid, s, 0, XFER);
	if (!ret)
		ret = edu_dma_from_dev(e, pasid, 0, d, XFER);
	if (ret)
		return ret;
	/* DPDK's own idea of the IOVA is right where it could be used */
	printf("dpdk-edu: DMA %u bytes %p (IOVA 0x%" PRIx64 ", %s DPDK's) -> %p (IOVA 0x%" PRIx64 ")%s: %s\n",
	       XFER, (void *)src, s, s == rte_mem_virt2iova(src) ? "=" : "not",
	       (void *)dst, d, pasid ? " tagged with the PASID" : "",
	       memcmp(src, dst, XFER) ? "MISMATCH" : "every byte arrived");
	return memcmp(src, dst, XFER) ? -EIO : 0;
}

int main(int argc, char **argv)
{
	struct pasid_dpdk *att = NULL;
	struct pasid_ctx *ctx = NULL;
	struct pasid_dev *dev;
	struct pasid_as *as, *rid_as;
	struct edu e = { 0 };
	uint8_t *src, *dst, *big;
	char bdf[16] = "", msg[256];
	uint32_t pasid = 0;
	uint64_t iova;
	int n, ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "dpdk-edu: rte_eal_init failed\n");
		return 1;
	}
	argc -= n;
	argv += n;
	/* the EAL took the options and "--": argv[0] is the program again */
	if (argc > 1)
		snprintf(bdf, sizeof(bdf), "%s", argv[1]);
	else if (edu_find(bdf)) {
		fprintf(stderr, "dpdk-edu: no edu device bound to vfio-pci\n");
		return 1;
	}

	ret = pasid_ctx_open(&ctx, NULL);			/* libpasid: */
	if (!ret)
		ret = pasid_dev_open(ctx, bdf, &dev);		/* libpasid: */
	if (!ret)
		ret = pasid_as_new(ctx, &as);			/* libpasid: */
	if (!ret)
		ret = edu_open(&e, dev);
	/*
	 * A PASID where the device can tag DMA, else the RID. With a PASID the
	 * RID goes to an empty address space: untagged DMA then lands nowhere
	 * (and tagged DMA needed the RID attached on the Intel test machine).
	 */
	if (!ret && edu_has_pasid_tag(&e)) {
		ret = pasid_as_new(ctx, &rid_as);		/* libpasid: */
		if (!ret)
			ret = pasid_attach_rid(dev, rid_as, 0);	/* libpasid: */
		if (!ret)
			ret = pasid = pasid_bind(dev, as, PASID_ANY); /* libpasid: */
	} else if (!ret) {
		ret = pasid_attach_rid(dev, as, 0);		/* libpasid: */
	}
	if (ret >= 0)	/* the edu's 28 bits, set after the attach */
		ret = pasid_as_set_iova_window(as, 0, EDU_DMA_LIMIT - 1); /* libpasid: */
	if (!ret)
		ret = pasid_dpdk_attach(as, &att);		/* libpasid: */
	if (ret) {
		fprintf(stderr, "dpdk-edu: %s\n", pasid_dpdk_errmsg()[0] ?
			pasid_dpdk_errmsg() : pasid_errmsg());
		goto out;
	}
	printf("dpdk-edu: %s, %s DMA, DPDK memory attached (IOVA mode %s)\n", bdf,
	       pasid ? "PASID-tagged" : "RID", rte_eal_iova_mode() == RTE_IOVA_VA ? "VA" : "PA");

	src = rte_zmalloc(NULL, XFER, 64);
	dst = rte_zmalloc(NULL, XFER, 64);
	ret = src && dst ? dma_round(&e, att, pasid, src, dst, 0x11) : -ENOMEM;
	/* heap growth: the memory-event callback maps the new pages */
	big = ret ? NULL : rte_malloc(NULL, BIG, 0);
	if (!ret && !big)
		ret = -ENOMEM;
	if (!ret)
		ret = dma_round(&e, att, pasid, big + BIG - 2 * XFER, big + BIG - XFER, 0x5a);
	rte_free(big);
	/* freed pages are unmapped (legacy memory is never freed) */
	if (!ret && big)
		printf("dpdk-edu: after rte_free the big buffer is %s\n",
		       pasid_dpdk_iova(att, big + BIG - XFER, 1, &iova) == -ENOENT ?	/* libpasid: */
		       "unmapped" : "still mapped");
	if (!ret && pasid_dpdk_error(att, msg, sizeof(msg))) {	/* libpasid: */
		fprintf(stderr, "dpdk-edu: a memory event failed: %s\n", msg);
		ret = -EIO;
	}
	rte_free(src);
	rte_free(dst);
out:
	pasid_dpdk_detach(att);					/* libpasid: */
	edu_close(&e);
	pasid_ctx_close(ctx);					/* libpasid: */
	rte_eal_cleanup();
	printf("dpdk-edu: %s\n", ret ? "FAILED" : "ok");
	return ret ? 1 : 0;
}
