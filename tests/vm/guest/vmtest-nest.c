/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Nests (libpasid-nested(7)) on a real kernel: run by run-vm as
 * "vmtest-nest MACHINE" (intel, amd, virtio, smmuv3, smmuv3-fwb).
 *
 * On each machine the edu's pasid_nest_new, plain and with
 * PASID_NEST_DIRTY_TRACKING, is either made or refused, and which one is
 * this machine's expectation (the table below, from what the 7.3 guests
 * and QEMU 10.0.2 did): a change of behaviour fails the test.
 *
 * Made: untagged DMA through the nest's stage-2 lands byte for byte, DMA
 * to an IOVA unmapped since does not, pasid_nest_info says what was built,
 * the generic attach calls answer -EBUSY while it lives, and after
 * pasid_nest_free a plain RID attach carries DMA again. Where the machine
 * nests a stage-1 (smmuv3-fwb), a table this program builds goes on PASID
 * 1 (pasid_s1_attach): tagged DMA through its VAs lands in the pages it
 * names, an entry removed and invalidated blocks the DMA and reports an
 * F_TRANSLATION vEVENT, an entry moved and invalidated moves the DMA, and
 * after pasid_s1_free tagged DMA lands nowhere.
 * Refused: the errno the man page gives, a message naming what is
 * missing, nothing left behind in the kernel (the scratch address space
 * the refused nest was asked for is destroyed without a warning), the same
 * answer when asked again, and the device still attaches and DMAs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "edu.h"
#include "libpasid/libpasid.h"
#include "libpasid/nested.h"
#include "roundtrip.h"
#include "tap.h"

/* One pasid_nest_new's expected answer: 0 (made) or the errno, and a
 * piece of the message that names what the machine lacks. */
struct outcome {
	int err;
	const char *why;
};

struct expect {
	const char *machine;
	enum pasid_iommu_vendor vendor;
	struct outcome plain, dirty;
	/* when made: a vIOMMU and vDEVICE, and the stage-1 format */
	bool viommu;
	enum pasid_s1_format s1_format;
	/* a user stage-1 at PASID 1 carries the PASID-capable edu's DMA */
	bool s1;
};

static const struct expect machines[] = {
	/* QEMU 10.0.2's VT-d (ECAP 0x490080f00f4a; the patched one with 20
	 * PASID bits the same but PSS) has no ECAP.NEST, nor SLADS: refused
	 * by the library before the kernel, with dirty tracking too for the
	 * nesting */
	{ "intel", PASID_IOMMU_INTEL_VTD,
	  { EOPNOTSUPP, "no nested translation (ECAP.NEST is clear)" },
	  { EOPNOTSUPP, "no nested translation (ECAP.NEST is clear)" },
	  false, PASID_S1_X86 },
	/* its AMD-Vi (EFR 0x29d3, EFR2 0): no GTSup, GIoSup, GCR3TRPMode */
	{ "amd", PASID_IOMMU_AMD_VI,
	  { EOPNOTSUPP, "EFR.GTSup, EFR.GIoSup and EFR2.GCR3TRPMode" },
	  { EOPNOTSUPP, "EFR.GTSup, EFR.GIoSup and EFR2.GCR3TRPMode" },
	  false, PASID_S1_NONE },
	/* the kernel refuses NEST_PARENT (no domain_alloc_paging_flags);
	 * dirty tracking refused by the library's vendor table first */
	{ "virtio", PASID_IOMMU_VIRTIO,
	  { EOPNOTSUPP, "IOMMU_HWPT_ALLOC(NEST_PARENT) failed (EOPNOTSUPP): " },
	  { EOPNOTSUPP, "offers no nested translation" },
	  false, PASID_S1_NONE },
	/* the stage-2 is made, the vIOMMU refused (IDR3 0x1414: no FWB;
	 * device tree: no CANWBS) and the stage-2 taken down; a stage-2
	 * tracks no dirty bits */
	{ "smmuv3", PASID_IOMMU_ARM_SMMUV3,
	  { EOPNOTSUPP, "S2FWB: SMMU_IDR3.FWB is clear" },
	  { EOPNOTSUPP, "tracks dirty bits (HTTU/DBM) in stage-1 tables only" },
	  true, PASID_S1_ARM64 },
	/* the patched QEMU with S2FWB (SMMU_IDR3.FWB) and SubstreamIDs: the
	 * vIOMMU is made, and a stage-1 of this program's own nests */
	{ "smmuv3-fwb", PASID_IOMMU_ARM_SMMUV3,
	  { 0, NULL },
	  { EOPNOTSUPP, "tracks dirty bits (HTTU/DBM) in stage-1 tables only" },
	  true, PASID_S1_ARM64, true },
};

static unsigned int warnings;

static const struct expect *find_machine(const char *name)
{
	for (size_t i = 0; i < sizeof(machines) / sizeof(*machines); i++)
		if (!strcmp(name, machines[i].machine))
			return &machines[i];
	return NULL;
}

static void on_log(void *arg, enum pasid_log_level level, const char *msg)
{
	(void)arg;
	/* errors are the messages of failed calls, which pasid_errmsg()
	 * reports too; a warning is something the library could not undo */
	if (level == PASID_LOG_WARN) {
		warnings++;
		tap_diag("library warning: %s", msg);
	}
}

/* The device is back to normal use: a plain RID attach carries DMA, and
 * is taken down again so that the next nest can be asked for. */
static void check_plain_rid(struct pasid_dev *dev, struct edu *e,
			    struct pasid_as *as, uint8_t *buf, uint64_t iova,
			    const char *after)
{
	int ret = pasid_attach_rid(dev, as, 0);

	tap_ok(ret == 0 && round_trip(e, buf, iova, 0x5a),
	       "%s: plain RID attach, DMA lands (%s)", after,
	       ret ? pasid_errmsg() : "ok");
	ret = pasid_detach_rid(dev);
	tap_ok(ret == 0, "%s: detach the RID: %s", after,
	       ret ? pasid_errmsg() : "ok");
}

/* ---- a stage-1 of the program's own (AArch64, 4 KiB granule, 48 bits) ---- */

#define S1_PASID 1u
#define S1_VA 0x200000ull	/* below the edu's 28 DMA address bits */
/* the pages of the stage-1 area: four table levels, three data pages */
enum { T_L0, T_L1, T_L2, T_L3, D_A, D_B, D_C, S1_PAGES };
/* valid, table or page */
#define DESC_TABLE 3ull
/* page: AttrIndx 1 (write-back in the CD's MAIR), AP[1] (unprivileged
 * access: a device's), inner shareable, access flag, not global */
#define DESC_PAGE (3ull | (1ull << 2) | (1ull << 6) | (3ull << 8) | \
		   (1ull << 10) | (1ull << 11))

struct s1_area {
	uint8_t *mem;		/* S1_PAGES pages */
	uint64_t ipa;		/* their IOVA in the nest's address space */
};

static uint64_t *table(struct s1_area *a, int level)
{
	return (uint64_t *)(void *)(a->mem + (size_t)level * 4096);
}

static uint64_t ipa_of(const struct s1_area *a, int pg)
{
	return a->ipa + (uint64_t)pg * 4096;
}

/* VA S1_VA + 4096 * i -> page pg (0: no translation) */
static void s1_set(struct s1_area *a, unsigned int i, int pg)
{
	uint64_t va = S1_VA + 4096ull * i;

	__atomic_store_n(&table(a, T_L3)[(va >> 12) & 511],
			 pg ? ipa_of(a, pg) | DESC_PAGE : 0, __ATOMIC_RELEASE);
}

static bool s1_area_new(struct pasid_as *as, struct s1_area *a)
{
	a->mem = mmap(NULL, S1_PAGES * 4096, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (a->mem == MAP_FAILED ||
	    pasid_map(as, a->mem, S1_PAGES * 4096, PASID_MAP_RW, &a->ipa))
		return false;
	table(a, T_L0)[(S1_VA >> 39) & 511] = ipa_of(a, T_L1) | DESC_TABLE;
	table(a, T_L1)[(S1_VA >> 30) & 511] = ipa_of(a, T_L2) | DESC_TABLE;
	table(a, T_L2)[(S1_VA >> 21) & 511] = ipa_of(a, T_L3) | DESC_TABLE;
	s1_set(a, 0, D_A);
	s1_set(a, 1, D_B);
	return true;
}

/* data page pg of a */
static uint8_t *data(struct s1_area *a, int pg)
{
	return a->mem + (size_t)pg * 4096;
}

/* PASID-tagged: page A (VA + 0) -> edu -> VA + 4096; true if dst (the
 * page that VA + 4096 should reach) holds A's bytes and nothing else of
 * the data pages changed */
static bool s1_trip(struct edu *e, struct s1_area *a, int dst, uint8_t seed)
{
	fill(data(a, D_A), XFER, seed);
	memset(data(a, D_B), 0, 4096);
	memset(data(a, D_C), 0, 4096);
	if (edu_dma_to_dev(e, S1_PASID, S1_VA, 0, XFER) ||
	    edu_dma_from_dev(e, S1_PASID, 0, S1_VA + 4096, XFER))
		return false;
	if (!dst)
		return all_zero(data(a, D_B), 4096) && all_zero(data(a, D_C), 4096);
	return !memcmp(data(a, D_A), data(a, dst), XFER) &&
	       all_zero(data(a, dst == D_B ? D_C : D_B), 4096);
}

static void check_s1(struct pasid_nest *nest, struct edu *e,
		     struct pasid_as *as, uint8_t *buf, uint64_t iova)
{
	struct pasid_nest_info i = { .size = sizeof(i) };
	struct pasid_s1_opts o = {
		.size = sizeof(o), .va_bits = 48, .asid = 1,
	};
	struct pasid_s1_range r = { S1_VA + 4096, 4096 };
	struct pasid_veventq *q = NULL;
	struct pasid_vevent ev[4];
	struct pasid_s1 *s1 = NULL;
	struct s1_area a = { 0 };
	unsigned int n = 0, done = 0;
	int ret;

	if (!tap_ok(edu_has_pasid_tag(e) && s1_area_new(as, &a),
		    "stage-1: a PASID-capable edu, four table pages and three data pages mapped at IPA 0x%" PRIx64,
		    a.ipa))
		return;
	o.root = ipa_of(&a, T_L0);
	ret = pasid_s1_attach(nest, S1_PASID, &o, &s1);
	pasid_nest_info(nest, &i);
	tap_ok(ret == 0 && i.cd_table_iova,
	       "stage-1: attached at PASID %u (root IPA 0x%" PRIx64 "), CD table at IPA 0x%" PRIx64 ": %s",
	       S1_PASID, o.root, i.cd_table_iova, ret ? pasid_errmsg() : "ok");
	if (ret)
		return;
	tap_ok(s1_trip(e, &a, D_B, 0x31),
	       "stage-1: tagged DMA through VA 0x%llx and 0x%llx lands in the pages the table names",
	       S1_VA, S1_VA + 4096);
	tap_ok(round_trip(e, buf, iova, 0x32),
	       "stage-1: untagged DMA still goes through the stage-2 only");
	ret = pasid_veventq_new(nest, 8, &q);
	tap_ok(ret == 0, "stage-1: a vEVENTQ on the vIOMMU: %s",
	       ret ? pasid_errmsg() : "ok");
	s1_set(&a, 1, 0);
	ret = pasid_s1_invalidate(s1, &r, 1, PASID_S1_INVAL_LEAF, &done);
	tap_ok(ret == 0 && done == 1 && s1_trip(e, &a, 0, 0x33),
	       "stage-1: VA 0x%llx unmapped in the table and invalidated: the DMA lands nowhere (%s)",
	       S1_VA + 4096, ret ? pasid_errmsg() : "ok");
	if (q) {
		ret = pasid_veventq_read(q, ev, 4, &n);
		tap_ok(ret == 0 && n >= 1 && (ev[0].evt[0] & 0xff) == 0x10 &&
		       ev[0].evt[0] >> 32 == i.virt_id,
		       "stage-1: the fault is an F_TRANSLATION vEVENT of the device's virtual StreamID (%u event(s), evt[0] 0x%" PRIx64 ")",
		       n, n ? ev[0].evt[0] : 0);
		pasid_veventq_free(q);
	}
	s1_set(&a, 1, D_C);
	ret = pasid_s1_invalidate(s1, &r, 1, PASID_S1_INVAL_LEAF, &done);
	tap_ok(ret == 0 && s1_trip(e, &a, D_C, 0x34),
	       "stage-1: VA 0x%llx moved to another page and invalidated: the DMA lands there (%s)",
	       S1_VA + 4096, ret ? pasid_errmsg() : "ok");
	pasid_s1_free(s1);
	tap_ok(s1_trip(e, &a, 0, 0x35) && round_trip(e, buf, iova, 0x36),
	       "stage-1 freed: tagged DMA lands nowhere, untagged still through the stage-2");
	tap_ok(pasid_unmap(as, a.ipa, S1_PAGES * 4096) == 0,
	       "stage-1: the table pages unmapped");
	munmap(a.mem, S1_PAGES * 4096);
}

static void check_made(struct pasid_dev *dev, struct edu *e,
		       struct pasid_as *as, struct pasid_nest *nest,
		       uint32_t flags, const struct expect *x, uint8_t *buf,
		       uint64_t iova, const char *what)
{
	struct pasid_nest_info i = { .size = sizeof(i) };
	uint8_t *gone = buf + 2 * page;
	uint64_t iova_gone = 0;
	int ret;

	ret = pasid_nest_info(nest, &i);
	tap_ok(ret == 0 && i.parent_id && (i.viommu_id != 0) == x->viommu &&
	       (i.vdevice_id != 0) == x->viommu && i.flags == flags &&
	       i.s1_format == x->s1_format && !i.cd_table_iova,
	       "%s: info: parent %u, vIOMMU %u, vDEVICE %u (virt_id 0x%" PRIx64 "), flags 0x%x, stage-1 format %d, %u PASID bits",
	       what, i.parent_id, i.viommu_id, i.vdevice_id, i.virt_id,
	       i.flags, (int)i.s1_format, i.s1_pasid_bits);
	tap_ok(round_trip(e, buf, iova, 0x21),
	       "%s: DMA RAM -> edu -> RAM through the stage-2 at IOVA 0x%" PRIx64 ": %u bytes match",
	       what, iova, XFER);

	ret = pasid_map(as, gone, 2 * page, PASID_MAP_RW, &iova_gone);
	tap_ok(ret == 0 && round_trip(e, gone, iova_gone, 0x42),
	       "%s: a mapping made while nested carries DMA (IOVA 0x%" PRIx64 ")",
	       what, iova_gone);
	ret = pasid_unmap(as, iova_gone, 2 * page);
	memset(gone, 0, 2 * page);
	edu_dma_from_dev(e, 0, 0, iova_gone, XFER);
	tap_ok(ret == 0 && all_zero(gone, 2 * page),
	       "%s: DMA to the IOVA after its unmap does not land", what);
	tap_ok(round_trip(e, buf, iova, 0x63),
	       "%s: the device still works after the blocked DMA", what);

	if (x->s1 && !(flags & PASID_NEST_DIRTY_TRACKING))
		check_s1(nest, e, as, buf, iova);
	ret = pasid_attach_rid(dev, as, 0);
	tap_ok(ret == -EBUSY && strstr(pasid_errmsg(), "nested"),
	       "%s: pasid_attach_rid while nested refused: %d \"%s\"", what,
	       ret, pasid_errmsg());
	if (flags & PASID_NEST_DIRTY_TRACKING) {
		uint64_t bitmap[1] = { 0 };

		ret = pasid_nest_dirty_set(nest, 1);
		if (!ret)
			ret = round_trip(e, buf, iova, 0x17) ? 0 : -EIO;
		if (!ret)
			ret = pasid_nest_dirty_read(nest, iova, 2 * page, page,
						    bitmap, sizeof(bitmap), 0);
		/* the edu wrote the second page only */
		tap_ok(ret == 0 && bitmap[0] == 2,
		       "%s: dirty tracking: the page the edu wrote is dirty (bitmap 0x%" PRIx64 ", %s)",
		       what, bitmap[0], ret ? pasid_errmsg() : "ok");
		pasid_nest_dirty_set(nest, 0);
	}
	pasid_nest_free(nest);
	memset(buf + page, 0, XFER);
	edu_dma_from_dev(e, 0, 0, iova + page, XFER);
	tap_ok(all_zero(buf + page, XFER),
	       "%s: after pasid_nest_free, DMA does not land (the RID is detached)",
	       what);
	check_plain_rid(dev, e, as, buf, iova, "after pasid_nest_free");
}

/* The refusal leaves nothing: asked on a scratch address space holding
 * the same buffer, which then goes without the kernel refusing its
 * destruction (a stage-2 left behind would hold it). */
static void check_refused(struct pasid_ctx *ctx, struct pasid_dev *dev,
			  struct edu *e, struct pasid_as *as, uint32_t flags,
			  const struct outcome *o, uint8_t *buf, uint64_t iova,
			  const char *what)
{
	struct pasid_nest_opts opts = { .size = sizeof(opts), .flags = flags };
	struct pasid_nest *nest = NULL;
	struct pasid_as *scratch;
	uint64_t siova = 0;
	unsigned int before = warnings;
	int ret, again;

	ret = pasid_as_new(ctx, &scratch);
	if (!ret)
		ret = pasid_map(scratch, buf, 2 * page, PASID_MAP_RW, &siova);
	if (!tap_ok(ret == 0, "%s: a scratch address space: %s", what,
		    ret ? pasid_errmsg() : "ok"))
		return;
	ret = pasid_nest_new(dev, scratch, &opts, &nest);
	tap_ok(ret == -o->err && strstr(pasid_errmsg(), o->why) && !nest,
	       "%s: refused with %s naming \"%s\": %d \"%s\"", what,
	       strerror(o->err), o->why, ret, pasid_errmsg());
	again = pasid_nest_new(dev, scratch, &opts, &nest);
	tap_ok(again == ret, "%s: asked again, the same answer (%d)", what,
	       again);
	if (!again)
		pasid_nest_free(nest);
	pasid_as_free(scratch);
	tap_ok(warnings == before,
	       "%s: nothing left in the kernel: the scratch address space is destroyed without a warning",
	       what);
	check_plain_rid(dev, e, as, buf, iova, "after the refusal");
}

static void one_nest(struct pasid_ctx *ctx, struct pasid_dev *dev,
		     struct edu *e, struct pasid_as *as, uint32_t flags,
		     const struct outcome *o, const struct expect *x,
		     uint8_t *buf, uint64_t iova)
{
	struct pasid_nest_opts opts = { .size = sizeof(opts), .flags = flags };
	const char *what = flags ? "nest with dirty tracking" : "plain nest";
	struct pasid_nest *nest = NULL;
	int ret;

	if (o->err) {
		check_refused(ctx, dev, e, as, flags, o, buf, iova, what);
		return;
	}
	ret = pasid_nest_new(dev, as, &opts, &nest);
	if (!tap_ok(ret == 0, "%s: made: %s", what, ret ? pasid_errmsg() : "ok"))
		return;
	check_made(dev, e, as, nest, flags, x, buf, iova, what);
}

int main(int argc, char **argv)
{
	const struct expect *x = NULL;
	struct pasid_ctx_opts opts = {
		.size = sizeof(opts), .log = on_log, .log_level = PASID_LOG_WARN,
	};
	struct pasid_caps c = { .size = sizeof(c) };
	struct pasid_ctx *ctx;
	struct pasid_dev *dev;
	struct pasid_as *as;
	struct edu e = { 0 };
	char bdf[16];
	uint8_t *buf;
	uint64_t iova = 0;
	int ret;

	page = (size_t)sysconf(_SC_PAGESIZE);
	if (argc < 2) {
		printf("usage: %s intel|amd|virtio|smmuv3|smmuv3-fwb\n", argv[0]);
		return 2;
	}
	if (!tap_ok(edu_find(bdf) == 0, "an edu bound to vfio-pci"))
		return tap_exit();
	ret = pasid_ctx_open(&ctx, &opts);
	if (!tap_ok(ret == 0, "open the context: %s", pasid_errmsg()))
		return tap_exit();
	ret = pasid_dev_open(ctx, bdf, &dev);
	if (!tap_ok(ret == 0, "open and bind %s: %s", bdf, pasid_errmsg()))
		return tap_exit();
	pasid_dev_caps(dev, &c);
	x = find_machine(argv[1]);
	if (!tap_ok(x != NULL, "machine %s known", argv[1]))
		return tap_exit();
	tap_ok(c.vendor == x->vendor && c.backend == PASID_BACKEND_IOMMUFD,
	       "behind %s on iommufd (caps flags 0x%x, PASID width %u)",
	       pasid_iommu_vendor_name(c.vendor), c.flags, c.pasid_width);
	if (c.vendor == PASID_IOMMU_INTEL_VTD)
		tap_diag("vtd cap 0x%" PRIx64 " ecap 0x%" PRIx64, c.raw.vtd.cap,
			 c.raw.vtd.ecap);
	else if (c.vendor == PASID_IOMMU_AMD_VI)
		tap_diag("amd efr 0x%" PRIx64 " efr2 0x%" PRIx64, c.raw.amd.efr,
			 c.raw.amd.efr2);
	else if (c.vendor == PASID_IOMMU_ARM_SMMUV3)
		tap_diag("smmuv3 idr0 0x%x idr3 0x%x", c.raw.smmuv3.idr[0],
			 c.raw.smmuv3.idr[3]);

	ret = pasid_as_new(ctx, &as);
	buf = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!ret && buf != MAP_FAILED)
		ret = pasid_map(as, buf, 2 * page, PASID_MAP_RW, &iova);
	if (!tap_ok(ret == 0 && buf != MAP_FAILED,
		    "an address space with 2 pages at IOVA 0x%" PRIx64 ": %s",
		    iova, ret ? pasid_errmsg() : "ok"))
		return tap_exit();
	/* BAR0 and bus mastering stay across attachments */
	if (!tap_ok(edu_open(&e, dev) == 0, "edu BAR0 mapped, bus mastering on: %s",
		    pasid_errmsg()))
		return tap_exit();
	check_plain_rid(dev, &e, as, buf, iova, "before any nest");

	one_nest(ctx, dev, &e, as, 0, &x->plain, x, buf, iova);
	one_nest(ctx, dev, &e, as, PASID_NEST_DIRTY_TRACKING, &x->dirty, x,
		 buf, iova);

	edu_close(&e);
	pasid_ctx_close(ctx);
	tap_ok(warnings == 0, "no library warnings in the whole run (%u)", warnings);
	munmap(buf, 4 * page);
	return tap_exit();
}
