/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The page-table policy on a real kernel (libpasid(7), "Page tables"): three
 * PASID-capable edu devices behind one Intel vIOMMU share one address space
 * through one page table, for their RIDs and their PASIDs, so a map made
 * after they attached reaches all of them and an unmap blocks all of them;
 * and a table whose last PASID was unbound is reused by the next bind, with
 * DMA through it landing byte for byte. How many tables the library made
 * comes from its debug log ("page table HWPT N made for IOAS M").
 * Run by run-vm in the guest as "vmtest-shared-tables MACHINE" with three
 * edu devices (tests/vm/run-pasid-vm second --edu 3).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "edu.h"
#include "libpasid/libpasid.h"
#include "tap.h"

#define NDEV 3
#define XFER 256u
#define IOVA_EARLY 0x100000ull	/* mapped before the devices attach */
#define IOVA_LATE 0x200000ull	/* mapped after */

static size_t page;
static int tables_made;

static void count_tables(void *arg, enum pasid_log_level level,
			 const char *msg)
{
	(void)arg;
	(void)level;
	if (strstr(msg, "page table HWPT") && strstr(msg, "made for IOAS"))
		tables_made++;
}

static uint8_t *map_page(struct pasid_as *as, uint64_t iova)
{
	uint8_t *buf = mmap(NULL, page, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (buf == MAP_FAILED)
		return NULL;
	if (pasid_map(as, buf, page, PASID_MAP_RW | PASID_MAP_FIXED_IOVA,
		      &iova)) {
		munmap(buf, page);
		return NULL;
	}
	return buf;
}

/* Device e writes pattern seed to iova, tagged with pasid (0: untagged):
 * load its buffer from the early page through the RID first. */
static bool dma_lands(struct edu *e, uint8_t *early, uint8_t *dst,
		      uint64_t iova, uint32_t pasid, uint8_t seed)
{
	unsigned int i;

	for (i = 0; i < XFER; i++)
		early[i] = (uint8_t)(seed + i);
	if (edu_dma_to_dev(e, 0, IOVA_EARLY, 0, XFER))
		return false;
	memset(dst, 0, XFER);
	if (edu_dma_from_dev(e, pasid, 0, iova, XFER))
		return false;
	for (i = 0; i < XFER; i++)
		if (dst[i] != (uint8_t)(seed + i))
			return false;
	return true;
}

static int find_edus(char bdf[NDEV][16])
{
	struct pasid_devinfo d = { .size = sizeof(d) };
	struct pasid_devlist *list;
	int n = 0;

	if (pasid_devlist_new(&list))
		return 0;
	for (size_t i = 0; i < pasid_devlist_count(list) && n < NDEV; i++)
		if (!pasid_devlist_get(list, i, &d) && d.vendor_id == EDU_VENDOR_ID &&
		    d.device_id == EDU_DEVICE_ID)
			memcpy(bdf[n++], d.bdf, 16);
	pasid_devlist_free(list);
	return n;
}

int main(void)
{
	struct pasid_ctx_opts o = {
		.size = sizeof(o), .log = count_tables,
		.log_level = PASID_LOG_DEBUG,
	};
	char bdf[NDEV][16];
	struct pasid_dev *dev[NDEV];
	struct edu e[NDEV] = { 0 };
	int pasid[NDEV], i, ok, before, q;
	struct pasid_ctx *ctx;
	struct pasid_as *shared, *own;
	uint8_t *early, *late, *mine;

	page = (size_t)sysconf(_SC_PAGESIZE);
	if (!tap_ok(find_edus(bdf) == NDEV, "found %d edu devices", NDEV) ||
	    !tap_ok(pasid_ctx_open(&ctx, &o) == 0, "open /dev/iommu"))
		return tap_exit();
	for (i = 0; i < NDEV; i++)
		if (!tap_ok(pasid_dev_open(ctx, bdf[i], &dev[i]) == 0 &&
			    edu_open(&e[i], dev[i]) == 0 && edu_has_pasid_tag(&e[i]),
			    "open %s, a PASID-capable edu: %s", bdf[i], pasid_errmsg()))
			return tap_exit();
	if (!tap_ok(pasid_as_new(ctx, &shared) == 0 &&
		    (early = map_page(shared, IOVA_EARLY)) != NULL,
		    "address space S with a page at 0x%llx", IOVA_EARLY))
		return tap_exit();

	ok = 1;
	for (i = 0; i < NDEV; i++) {
		ok &= pasid_attach_rid(dev[i], shared, 0) == 0;
		pasid[i] = pasid_bind(dev[i], shared, PASID_ANY);
		ok &= pasid[i] > 0;
	}
	tap_ok(ok, "RIDs and one PASID each of %d devices on S: %s", NDEV,
	       pasid_errmsg());
	tap_ok(tables_made == 1, "one page table serves them all (%d made)",
	       tables_made);

	late = map_page(shared, IOVA_LATE);
	tap_ok(late != NULL, "a page mapped at 0x%llx after they attached",
	       IOVA_LATE);
	for (i = 0; late && i < NDEV; i++) {
		tap_ok(dma_lands(&e[i], early, late, IOVA_LATE, 0, (uint8_t)(0x10 * i + 1)),
		       "%s: untagged DMA lands in the late page", bdf[i]);
		tap_ok(dma_lands(&e[i], early, late, IOVA_LATE, (uint32_t)pasid[i],
				 (uint8_t)(0x10 * i + 2)),
		       "%s: DMA tagged with PASID %d lands there too", bdf[i], pasid[i]);
	}
	tap_ok(pasid_unmap(shared, IOVA_LATE, page) == 0, "unmap the late page");
	for (i = 0; late && i < NDEV; i++)
		tap_ok(!dma_lands(&e[i], early, late, IOVA_LATE, (uint32_t)pasid[i],
				  (uint8_t)(0x10 * i + 3)) &&
		       !dma_lands(&e[i], early, late, IOVA_LATE, 0, (uint8_t)(0x10 * i + 4)),
		       "%s: after the unmap neither DMA lands", bdf[i]);

	/* reuse: a table idles with its last PASID and serves the next bind */
	if (!tap_ok(pasid_as_new(ctx, &own) == 0 &&
		    (mine = map_page(own, IOVA_LATE)) != NULL,
		    "address space T with a page at 0x%llx", IOVA_LATE))
		return tap_exit();
	before = tables_made;
	q = pasid_bind(dev[0], own, PASID_ANY);
	tap_ok(q > 0 && tables_made == before + 1, "PASID %d -> T makes T's table", q);
	tap_ok(dma_lands(&e[0], early, mine, IOVA_LATE, (uint32_t)q, 0x61),
	       "DMA tagged with PASID %d lands in T", q);
	tap_ok(pasid_unbind(dev[0], (uint32_t)q) == 0, "unbind PASID %d", q);
	tap_ok(!dma_lands(&e[0], early, mine, IOVA_LATE, (uint32_t)q, 0x62),
	       "unbound, its DMA is blocked although T's table is kept");
	tap_ok(pasid_bind(dev[0], own, q) == q && tables_made == before + 1,
	       "bound again: T's table reused (%d made in all)", tables_made);
	tap_ok(dma_lands(&e[0], early, mine, IOVA_LATE, (uint32_t)q, 0x63),
	       "DMA through the reused table lands in T byte for byte");

	for (i = 0; i < NDEV; i++)
		edu_close(&e[i]);
	pasid_ctx_close(ctx);
	return tap_exit();
}
