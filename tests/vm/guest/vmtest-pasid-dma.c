/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * PASID-tagged DMA end to end: the project's PASID-capable edu (patched QEMU,
 * tests/vm/qemu) behind the Intel vIOMMU or the arm64 SMMUv3 (the same
 * program, no vendor code), driven through libpasid's public API. A DMA tagged with PASID P must land in the address space bound to P,
 * an untagged one in the RID's, and an unbound PASID's nowhere.
 * Run by run-vm in the guest as "vmtest-pasid-dma MACHINE".
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

#define WIDTH 20		/* what run-vm configures (pasid-bits=20) */
#define XFER 256u
#define MANY 1024		/* PASIDs bound at once */
#define STRIDE 1021		/* spreads MANY PASIDs over the 20-bit space */
#define IOVA 0x100000ull	/* the same IOVA in every address space */

static size_t page;

struct space {
	struct pasid_as *as;
	uint8_t *buf;		/* one page, mapped at IOVA */
};

static bool space_new(struct pasid_ctx *ctx, struct space *s)
{
	uint64_t iova = IOVA;

	s->buf = mmap(NULL, page, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s->buf == MAP_FAILED)
		return false;
	return pasid_as_new(ctx, &s->as) == 0 &&
	       pasid_map(s->as, s->buf, page, PASID_MAP_RW | PASID_MAP_FIXED_IOVA,
			 &iova) == 0;
}

static bool holds(const struct space *s, uint8_t seed)
{
	for (unsigned int i = 0; i < XFER; i++)
		if (s->buf[i] != (uint8_t)(seed + i))
			return false;
	return true;
}

static bool untouched(const struct space *s)
{
	for (unsigned int i = 0; i < XFER; i++)
		if (s->buf[i])
			return false;
	return true;
}

static void clear(struct space *s, int n)
{
	for (int i = 0; i < n; i++)
		memset(s[i].buf, 0, XFER);
}

/* Put a pattern into the device buffer through the RID's space (A). */
static bool load_pattern(struct edu *e, struct space *a, uint8_t seed)
{
	for (unsigned int i = 0; i < XFER; i++)
		a->buf[i] = (uint8_t)(seed + i);
	return edu_dma_to_dev(e, 0, IOVA, 0, XFER) == 0;
}

/* DMA the device buffer to IOVA, tagged with pasid (0: untagged). */
static void write_out(struct edu *e, uint32_t pasid)
{
	edu_dma_from_dev(e, pasid, 0, IOVA, XFER);
}

static void many_pasids(struct pasid_ctx *ctx, struct pasid_dev *dev,
			struct edu *e, struct space *a)
{
	struct space *sp = calloc(MANY, sizeof(*sp));
	int bound = 0, checked = 0, good = 0;

	for (int i = 0; i < MANY; i++) {
		if (!space_new(ctx, &sp[i]))
			break;
		if (pasid_bind(dev, sp[i].as, 1 + i * STRIDE) != 1 + i * STRIDE)
			break;
		bound++;
	}
	tap_ok(bound == MANY, "%d PASIDs bound at once, 1..0x%x, each to its own address space (%s)",
	       bound, 1 + (MANY - 1) * STRIDE, bound == MANY ? "ok" : pasid_errmsg());
	load_pattern(e, a, 0x40);
	for (int i = 0; i < bound; i += 61) {
		int next = i + 1 < bound ? i + 1 : 0;

		write_out(e, 1 + (uint32_t)i * STRIDE);
		checked++;
		if (holds(&sp[i], 0x40) && untouched(&sp[next]))
			good++;
	}
	tap_ok(checked > 10 && good == checked,
	       "sampled %d of them: %d DMAs landed in their own PASID's buffer only",
	       checked, good);
	for (int i = 0; i < bound; i++)
		pasid_unbind(dev, 1 + (uint32_t)i * STRIDE);
	for (int i = 0; i < MANY && sp[i].buf; i++) {
		pasid_as_free(sp[i].as);
		munmap(sp[i].buf, page);
	}
	free(sp);
}

int main(void)
{
	struct pasid_caps caps = { .size = sizeof(caps) };
	struct pasid_devinfo d = { .size = sizeof(d) };
	struct pasid_devlist *list;
	struct pasid_ctx *ctx;
	struct pasid_dev *dev;
	struct space s[3];		/* A: the RID's, B and C: PASIDs' */
	struct edu e = { 0 };
	char bdf[16] = "";
	int p, q, ret;

	page = (size_t)sysconf(_SC_PAGESIZE);
	if (pasid_devlist_new(&list) == 0) {
		for (size_t i = 0; i < pasid_devlist_count(list); i++)
			if (!pasid_devlist_get(list, i, &d) && d.vendor_id == EDU_VENDOR_ID &&
			    d.device_id == EDU_DEVICE_ID && !bdf[0])
				memcpy(bdf, d.bdf, sizeof(bdf));
		pasid_devlist_free(list);
	}
	if (!tap_ok(bdf[0], "found an edu device") ||
	    !tap_ok(pasid_ctx_open(&ctx, NULL) == 0, "open /dev/iommu") ||
	    !tap_ok(pasid_dev_open(ctx, bdf, &dev) == 0, "open %s: %s", bdf, pasid_errmsg()))
		return tap_exit();
	pasid_dev_caps(dev, &caps);
	if (!tap_ok(caps.pasid_width == WIDTH, "PASID width %u reported (configured %d)",
		    caps.pasid_width, WIDTH) ||
	    !tap_ok(edu_open(&e, dev) == 0 && edu_has_pasid_tag(&e),
		    "edu can tag DMA with a PASID"))
		return tap_exit();
	for (int i = 0; i < 3; i++)
		if (!tap_ok(space_new(ctx, &s[i]), "address space %c: IOVA 0x%llx -> its own page",
			    'A' + i, IOVA))
			return tap_exit();

	ret = pasid_attach_rid(dev, s[0].as, 0);
	tap_ok(ret == 0, "RID -> A: %s", pasid_errmsg());
	p = pasid_bind(dev, s[1].as, PASID_ANY);
	tap_ok(p > 0, "PASID %d -> B (picked by the library): %s", p, pasid_errmsg());
	q = p + 1;	/* never bound */

	clear(s, 3);
	tap_ok(load_pattern(&e, &s[0], 0x10), "pattern into the device through the RID");
	clear(s, 3);
	write_out(&e, 0);
	tap_ok(holds(&s[0], 0x10) && untouched(&s[1]) && untouched(&s[2]),
	       "untagged DMA lands in A only");
	clear(s, 3);
	write_out(&e, (uint32_t)p);
	tap_ok(holds(&s[1], 0x10) && untouched(&s[0]) && untouched(&s[2]),
	       "DMA tagged with PASID %d lands in B only", p);
	clear(s, 3);
	write_out(&e, (uint32_t)q);
	tap_ok(untouched(&s[0]) && untouched(&s[1]) && untouched(&s[2]),
	       "DMA tagged with unbound PASID %d is blocked", q);

	ret = pasid_rebind(dev, (uint32_t)p, s[2].as);
	tap_ok(ret == 0, "rebind PASID %d -> C: %s", p, pasid_errmsg());
	clear(s, 3);
	write_out(&e, (uint32_t)p);
	tap_ok(holds(&s[2], 0x10) && untouched(&s[0]) && untouched(&s[1]),
	       "after rebind, PASID %d's DMA lands in C only", p);

	ret = pasid_unbind(dev, (uint32_t)p);
	tap_ok(ret == 0, "unbind PASID %d", p);
	clear(s, 3);
	write_out(&e, (uint32_t)p);
	tap_ok(untouched(&s[0]) && untouched(&s[1]) && untouched(&s[2]),
	       "DMA tagged with the unbound PASID %d is blocked", p);
	write_out(&e, 0);
	tap_ok(holds(&s[0], 0x10), "untagged DMA still lands in A");

	ret = pasid_bind(dev, s[1].as, 1 << WIDTH);
	tap_ok(ret == -EINVAL && strstr(pasid_errmsg(), "outside"),
	       "PASID 0x%x beyond the width refused by the library: %s",
	       1 << WIDTH, pasid_errmsg());
	ret = pasid_bind(dev, s[1].as, (1 << WIDTH) - 1);
	tap_ok(ret == (1 << WIDTH) - 1, "the last PASID 0x%x binds", (1 << WIDTH) - 1);
	clear(s, 3);
	load_pattern(&e, &s[0], 0x20);
	clear(s, 3);
	write_out(&e, (1u << WIDTH) - 1);
	tap_ok(holds(&s[1], 0x20) && untouched(&s[0]), "and its DMA lands in B");
	pasid_unbind(dev, (1u << WIDTH) - 1);

	many_pasids(ctx, dev, &e, &s[0]);

	edu_close(&e);
	pasid_ctx_close(ctx);
	return tap_exit();
}
