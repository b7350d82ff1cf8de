/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The whole libpasid flow in one page: open a device, make an address space,
 * map a buffer, bind a PASID to it, and tear down.
 *
 *   cc pasid-flow.c $(pkg-config --cflags --libs libpasid) -o pasid-flow
 *   ./pasid-flow 0000:00:04.0
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include <libpasid/libpasid.h>

int main(int argc, char **argv)
{
	struct pasid_ctx *ctx;
	struct pasid_dev *dev;
	struct pasid_as *as;
	size_t len = 1 << 21;
	uint64_t iova;
	void *buf;
	int pasid, ret;

	if (argc != 2) {
		fprintf(stderr, "usage: %s PCI-ADDRESS\n", argv[0]);
		return 2;
	}
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return 1;

	if ((ret = pasid_ctx_open(&ctx, NULL)) < 0)
		goto fail;
	if ((ret = pasid_dev_open(ctx, argv[1], &dev)) < 0 ||
	    (ret = pasid_as_new(ctx, &as)) < 0 ||
	    (ret = pasid_map(as, buf, len, PASID_MAP_RW, &iova)) < 0)
		goto fail_ctx;

	pasid = pasid_bind(dev, as, PASID_ANY);
	if (pasid < 0) {
		ret = pasid;
		goto fail_ctx;
	}
	printf("%s: PASID %d -> %zu bytes at IOVA 0x%" PRIx64 "\n",
	       pasid_dev_name(dev), pasid, len, iova);
	/* ... program the device to DMA with (pasid, iova) ... */

	pasid_unbind(dev, (uint32_t)pasid);
	pasid_unmap(as, iova, len);
	pasid_ctx_close(ctx);	/* frees the device and the address space */
	munmap(buf, len);
	return 0;

fail_ctx:
	pasid_ctx_close(ctx);
fail:
	fprintf(stderr, "%s\n", pasid_errmsg());
	munmap(buf, len);
	return 1;
}
