/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The library's dirty-tracking, fault-queue and vEVENTQ calls against the
 * real kernel, through the iommufd mock IOMMU (CONFIG_IOMMUFD_TEST): a mock
 * device is no VFIO device, so no pasid_dev or pasid_nest can be opened on
 * it. What this reaches: the library's context, address space (pasid_map
 * and its record), fault queue and the public pasid_faultq_* calls, and
 * pasid_nest_dirty_set / _read and pasid_veventq_new / _read on a nest
 * built around the mock's objects (its stage-2 HWPT and vIOMMU: the
 * internal entry), so their checks, kernel calls and record parsing run
 * against the 7.3 kernel's code. What it does not: pasid_nest_new and
 * pasid_s1_attach (their VFIO attach), the vendor rules of a real IOMMU.
 *
 * Built against the kernel's own iommufd_test.h (tests/vm/run-mock-events).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include "iommufd_test.h"

#include "internal.h"
#include "iommu/vendor.h"
#include "kabi.h"
#include "kernel.h"
#include "libpasid/nested.h"
#include "nested.h"
#include "tap.h"

#define PAGE 4096u
#define NPAGES 8u
#define IOVA 0x2000000ULL	/* inside the mock's aperture (16 MiB .. 2 GiB) */

static int test_cmd(int fd, struct iommu_test_cmd *c)
{
	c->size = sizeof(*c);
	return ioctl(fd, IOMMU_TEST_CMD, c) ? -errno : 0;
}

/* A mock device on ioas: its ids. */
struct mock {
	uint32_t stdev, hwpt, idev;
};

static int mock_new(int fd, uint32_t ioas, struct mock *m)
{
	struct iommu_test_cmd c = {
		.op = IOMMU_TEST_OP_MOCK_DOMAIN, .id = ioas,
	};
	int ret = test_cmd(fd, &c);

	m->stdev = c.mock_domain.out_stdev_id;
	m->hwpt = c.mock_domain.out_hwpt_id;
	m->idev = c.mock_domain.out_idev_id;
	return ret;
}

static int mock_replace(int fd, const struct mock *m, uint32_t pt)
{
	struct iommu_test_cmd c = {
		.op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, .id = m->stdev,
		.mock_domain_replace.pt_id = pt,
	};

	return test_cmd(fd, &c);
}

/* The mock's IOPTE dirty bits for the pages set in bits. */
static int mock_dirty(int fd, uint32_t hwpt, uint64_t bits)
{
	struct iommu_test_cmd c = {
		.op = IOMMU_TEST_OP_DIRTY, .id = hwpt,
		.dirty = { .iova = IOVA, .length = NPAGES * PAGE,
			   .page_size = PAGE, .uptr = (uintptr_t)&bits },
	};

	return test_cmd(fd, &c);
}

static const struct pasid_vendor_ops mock_vendor = {
	.vendor = PASID_IOMMU_OTHER,
	.nest_dirty = true,
	.veventq_type = IOMMU_VEVENTQ_TYPE_SELFTEST,
	.vevent_len = sizeof(struct iommu_viommu_event_selftest),
};

static uint64_t bits_of(struct pasid_nest *n, unsigned int flags, int *ret)
{
	uint64_t bm = ~0ULL;

	*ret = pasid_nest_dirty_read(n, IOVA, NPAGES * PAGE, PAGE, &bm,
				     sizeof(bm), flags);
	return bm;
}

static void dirty(struct pasid_ctx *ctx, struct pasid_as *as,
		  struct pasid_dev *dev, struct pasid_nest *n)
{
	int fd = ctx->iommufd, ret;
	struct kabi_iommu_hwpt_get_dirty_bitmap g;
	struct mock m;
	uint32_t plain, hw;
	uint64_t bm;

	ret = mock_new(fd, as->ioas_id, &m);
	tap_ok(!ret, "mock device on the library's IOAS %u: %d", as->ioas_id,
	       ret);
	ret = k_hwpt_alloc(fd, m.idev, as->ioas_id,
			   KABI_IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &hw);
	tap_ok(!ret, "HWPT_ALLOC(DIRTY_TRACKING) on the mock: %d", ret);
	tap_ok(!mock_replace(fd, &m, hw), "mock device moved onto it");
	n->dev = dev;
	n->as = as;
	n->flags = PASID_NEST_DIRTY_TRACKING;
	n->parent_id = hw;
	ret = pasid_nest_dirty_set(n, 1);
	tap_ok(!ret, "pasid_nest_dirty_set(on): %d %s", ret, pasid_errmsg());
	tap_ok(!mock_dirty(fd, hw, 1u << 3), "mock: page 3 dirty");
	bm = bits_of(n, PASID_DIRTY_NO_CLEAR, &ret);
	tap_diag("page 3 alone reads 0x%llx (%d)", (unsigned long long)bm, ret);
	tap_ok(!mock_dirty(fd, hw, (1u << 1) | (1u << 3)), "mock: pages 1, 3 dirty");
	bm = bits_of(n, PASID_DIRTY_NO_CLEAR, &ret);
	tap_ok(!ret && bm == 0xa, "NO_CLEAR read: 0x%llx (%d)",
	       (unsigned long long)bm, ret);
	bm = bits_of(n, 0, &ret);
	tap_ok(!ret && bm == 0xa, "read-and-clear: 0x%llx", (unsigned long long)bm);
	bm = bits_of(n, 0, &ret);
	tap_ok(!ret && bm == 0, "then clean: 0x%llx", (unsigned long long)bm);
	mock_dirty(fd, hw, 1u << 7);
	{
		uint64_t b2 = 0;

		ret = pasid_nest_dirty_read(n, IOVA, NPAGES * PAGE, 4 * PAGE,
					    &b2, sizeof(b2), 0);
		tap_ok(!ret && b2 == 0x2, "16 KiB units: 0x%llx",
		       (unsigned long long)b2);
	}
	/* enabling again clears */
	mock_dirty(fd, hw, 1u << 2);
	pasid_nest_dirty_set(n, 1);
	bm = bits_of(n, 0, &ret);
	tap_ok(!ret && bm == 0, "enabling forgot the dirty bits: 0x%llx",
	       (unsigned long long)bm);
	/* the kernel's own rules, raw */
	memset(&g, 0, sizeof(g));
	g.size = sizeof(g);
	g.hwpt_id = hw;
	g.iova = IOVA;
	g.page_size = PAGE;
	g.data = (uintptr_t)&bm;
	ret = ioctl(fd, KABI_IOMMU_HWPT_GET_DIRTY_BITMAP, &g) ? -errno : 0;
	tap_ok(ret == -EINVAL, "length 0: %d (EINVAL)", ret);
	g.length = NPAGES * PAGE;
	g.iova = IOVA + 512;
	ret = ioctl(fd, KABI_IOMMU_HWPT_GET_DIRTY_BITMAP, &g) ? -errno : 0;
	tap_ok(ret == -EINVAL, "misaligned iova: %d (EINVAL)", ret);
	g.iova = IOVA;
	g.page_size = 0;
	ret = ioctl(fd, KABI_IOMMU_HWPT_GET_DIRTY_BITMAP, &g) ? -errno : 0;
	tap_ok(ret == -EINVAL, "page_size 0: %d (EINVAL)", ret);
	g.page_size = PAGE;
	g.flags = 2;
	ret = ioctl(fd, KABI_IOMMU_HWPT_GET_DIRTY_BITMAP, &g) ? -errno : 0;
	tap_ok(ret == -EOPNOTSUPP, "unknown flag: %d (EOPNOTSUPP)", ret);
	g.flags = 0;
	/* a range with an unmapped page after it (the source: success) */
	g.length = (NPAGES + 1) * PAGE;
	bm = 0;
	mock_dirty(fd, hw, 1u << 4);
	ret = ioctl(fd, KABI_IOMMU_HWPT_GET_DIRTY_BITMAP, &g) ? -errno : 0;
	tap_ok(ret == 0 && bm == 0x10,
	       "a range not wholly mapped: %d, bits 0x%llx (7.3 reports the mapped part with success)",
	       ret, (unsigned long long)bm);
	ret = pasid_nest_dirty_read(n, IOVA, (NPAGES + 1) * PAGE, PAGE, &bm,
				    sizeof(bm), 0);
	tap_ok(ret == -EINVAL, "the library refuses it itself: %d", ret);
	/* a table without dirty ops */
	ret = k_hwpt_alloc(fd, m.idev, as->ioas_id, 0, &plain);
	ret = ret ? ret : k_hwpt_set_dirty(fd, plain, true);
	tap_ok(ret == -EOPNOTSUPP, "SET_DIRTY_TRACKING without dirty ops: %d",
	       ret);
	g.hwpt_id = plain;
	g.length = NPAGES * PAGE;
	ret = ioctl(fd, KABI_IOMMU_HWPT_GET_DIRTY_BITMAP, &g) ? -errno : 0;
	tap_ok(ret == -EOPNOTSUPP, "GET_DIRTY_BITMAP without dirty ops: %d", ret);
	ret = pasid_nest_dirty_set(n, 0);
	tap_ok(!ret, "pasid_nest_dirty_set(off)");
	/* the mock attached elsewhere, the tables go */
	mock_replace(fd, &m, as->ioas_id);
	tap_ok(!k_destroy(fd, hw) && !k_destroy(fd, plain), "dirty HWPTs destroyed");
	k_destroy(fd, m.stdev);
}

static void faults(struct pasid_ctx *ctx, struct pasid_as *as)
{
	int fd = ctx->iommufd, ret;
	struct pasid_faultq *q;
	struct pasid_fault f[2];
	struct mock m;
	uint32_t hw, id, np;
	unsigned int k;
	struct iommu_test_cmd c = { .op = IOMMU_TEST_OP_TRIGGER_IOPF };

	ret = pasid_faultq_new(ctx, &q);
	if (!tap_ok(!ret, "pasid_faultq_new: %d %s", ret, pasid_errmsg()))
		return;
	id = q->id;
	mock_new(fd, as->ioas_id, &m);
	ret = k_hwpt_alloc_data(fd, m.idev, as->ioas_id, 0,
				KABI_IOMMU_HWPT_DATA_NONE, NULL, 0, id, &hw);
	tap_ok(!ret, "HWPT_ALLOC(FAULT_ID_VALID) with the library's queue: %d",
	       ret);
	ret = k_hwpt_alloc_data(fd, m.idev, as->ioas_id,
				KABI_IOMMU_HWPT_ALLOC_NEST_PARENT,
				KABI_IOMMU_HWPT_DATA_NONE, NULL, 0, id, &np);
	tap_ok(ret == -EOPNOTSUPP, "FAULT_ID_VALID with NEST_PARENT: %d", ret);
	tap_ok(!mock_replace(fd, &m, hw), "mock device on the fault-capable HWPT");
	ret = pasid_faultq_read(q, f, 2, &k);
	tap_ok(!ret && k == 0, "nothing waits: %d, %u", ret, k);
	c.trigger_iopf.dev_id = m.idev;
	c.trigger_iopf.pasid = 0;	/* the RID: its domain has the queue */
	c.trigger_iopf.grpid = 7;
	c.trigger_iopf.perm = IOMMU_PGFAULT_PERM_READ | IOMMU_PGFAULT_PERM_WRITE;
	c.trigger_iopf.addr = 0xdeadb000;
	tap_ok(!test_cmd(fd, &c), "mock: a page request");
	ret = pasid_faultq_read(q, f, 2, &k);
	tap_ok(!ret && k == 1, "pasid_faultq_read: %d, %u %s", ret, k,
	       pasid_errmsg());
	if (k == 1) {
		tap_ok(f[0].flags == PASID_FAULT_LAST_PAGE &&
		       f[0].pasid == 0 && f[0].grpid == 7 &&
		       f[0].perm == (PASID_FAULT_READ | PASID_FAULT_WRITE) &&
		       f[0].addr == 0xdeadb000 && !f[0].dev,
		       "the record: flags 0x%x pasid %u grpid %u perm 0x%x addr 0x%llx cookie %u",
		       f[0].flags, f[0].pasid, f[0].grpid, f[0].perm,
		       (unsigned long long)f[0].addr, f[0].cookie);
		ret = pasid_faultq_respond(q, f[0].cookie, PASID_FAULT_SUCCESS);
		tap_ok(!ret, "pasid_faultq_respond(SUCCESS): %d %s", ret,
		       pasid_errmsg());
		ret = pasid_faultq_respond(q, f[0].cookie, PASID_FAULT_SUCCESS);
		tap_ok(ret == -EINVAL, "the same cookie again: %d", ret);
	}
	{
		struct kabi_iommu_hwpt_pgfault rec[1];
		char small[8];

		test_cmd(fd, &c);
		ret = read(q->fd, small, sizeof(small)) < 0 ? -errno : 0;
		tap_ok(ret == -ESPIPE, "read of 8 bytes: %d (ESPIPE)", ret);
		ret = pread(q->fd, rec, sizeof(rec), 0) < 0 ? -errno : 0;
		tap_ok(ret == -ESPIPE, "pread: %d (ESPIPE: no FMODE_PREAD)", ret);
	}
	ret = k_destroy(fd, q->id);
	tap_ok(ret == -EBUSY, "DESTROY of the queue while its fd and a HWPT hold it: %d",
	       ret);
	/* a request waiting when the HWPT goes is answered by the kernel */
	mock_replace(fd, &m, as->ioas_id);
	ret = pasid_faultq_read(q, f, 2, &k);
	tap_ok(!ret && k == 0, "detaching answered the waiting request: %d, %u",
	       ret, k);
	tap_ok(!k_destroy(fd, hw), "fault-capable HWPT destroyed");
	pasid_faultq_free(q);
	ret = k_destroy(fd, id);
	tap_ok(ret == -ENOENT, "the queue is gone with its handle: %d", ret);
	k_destroy(fd, m.stdev);
}

static void vevents(struct pasid_ctx *ctx, struct pasid_as *as,
		    struct pasid_dev *dev, struct pasid_nest *n)
{
	const struct iommu_hwpt_selftest data = {
		.iotlb = IOMMU_TEST_IOTLB_DEFAULT,
	};
	struct iommu_test_cmd c = { .op = IOMMU_TEST_OP_TRIGGER_VEVENT };
	int fd = ctx->iommufd, ret, i;
	uint32_t parent, viommu, vdev, nested;
	struct pasid_veventq *q;
	struct pasid_vevent ev[8];
	unsigned int k;
	struct mock m;

	mock_new(fd, as->ioas_id, &m);
	ret = k_hwpt_alloc(fd, m.idev, as->ioas_id,
			   KABI_IOMMU_HWPT_ALLOC_NEST_PARENT, &parent);
	ret = ret ? ret : k_viommu_alloc(fd, m.idev, parent,
					 IOMMU_VIOMMU_TYPE_SELFTEST, &viommu);
	ret = ret ? ret : k_vdevice_alloc(fd, viommu, m.idev, 0x99, &vdev);
	ret = ret ? ret : k_hwpt_alloc_data(fd, m.idev, viommu, 0,
					    IOMMU_HWPT_DATA_SELFTEST, &data,
					    sizeof(data), 0, &nested);
	ret = ret ? ret : mock_replace(fd, &m, nested);
	if (!tap_ok(!ret, "mock vIOMMU, vDEVICE and nested HWPT: %d", ret))
		return;
	n->dev = dev;
	n->viommu_id = viommu;
	ret = pasid_veventq_new(n, 2, &q);
	if (!tap_ok(!ret, "pasid_veventq_new(depth 2): %d %s", ret,
		    pasid_errmsg()))
		return;
	ret = k_veventq_alloc(fd, viommu, IOMMU_VEVENTQ_TYPE_SELFTEST, 2,
			      &vdev, &i);
	tap_ok(ret == -EEXIST, "a second of the type: %d (EEXIST)", ret);
	ret = k_veventq_alloc(fd, viommu, 7, 1u << 20, &vdev, &i);
	tap_ok(ret == -EINVAL, "depth 2^20: %d (EINVAL)", ret);
	c.trigger_vevent.dev_id = m.idev;
	for (i = 0; i < 5; i++)
		test_cmd(fd, &c);
	ret = pasid_veventq_read(q, ev, 8, &k);
	tap_ok(!ret && k == 3, "5 events into depth 2: %d, %u entries", ret, k);
	if (k == 3)
		tap_ok(ev[0].sequence == 0 && ev[1].sequence == 1 &&
		       ev[2].flags == PASID_VEVENT_LOST && ev[2].sequence == 4 &&
		       ev[2].lost == 3,
		       "sequences %u %u, then LOST flags 0x%x sequence %u lost %u",
		       ev[0].sequence, ev[1].sequence, ev[2].flags,
		       ev[2].sequence, ev[2].lost);
	test_cmd(fd, &c);
	test_cmd(fd, &c);
	test_cmd(fd, &c);	/* lost */
	ret = pasid_veventq_read(q, ev, 1, &k);
	test_cmd(fd, &c);
	ret = pasid_veventq_read(q, ev + 1, 8, &k);
	tap_ok(!ret && k == 2 && ev[2].sequence == 8 && ev[2].lost == 1 &&
	       !ev[2].flags,
	       "a loss before an event: a gap (sequence %u, lost %u, %u entries)",
	       ev[2].sequence, ev[2].lost, k);
	{
		char small[4];

		ret = read(pasid_veventq_fd(q), small, sizeof(small)) < 0 ?
		      -errno : 0;
		tap_ok(ret == -EINVAL, "read shorter than a header: %d", ret);
	}
	ret = k_destroy(fd, viommu);
	tap_ok(ret == -EBUSY, "the vIOMMU is held: %d", ret);
	pasid_veventq_free(q);
	mock_replace(fd, &m, as->ioas_id);
	ret = k_destroy(fd, nested);
	ret = ret ? ret : k_destroy(fd, vdev);
	ret = ret ? ret : k_destroy(fd, viommu);
	tap_ok(!ret, "vEVENTQ, nested HWPT, vDEVICE and vIOMMU gone: %d", ret);
	k_destroy(fd, parent);
	k_destroy(fd, m.stdev);
}

int main(void)
{
	struct pasid_nest n = { 0 };
	struct pasid_dev dev = { .name = "mock" };
	struct pasid_ctx *ctx;
	struct pasid_as *as;
	uint64_t iova = IOVA;
	void *buf;
	int ret;

	ret = pasid_ctx_open(&ctx, NULL);
	if (ret || ctx->iommufd < 0) {
		printf("# no iommufd context: %d %s\n", ret, pasid_errmsg());
		return 77;
	}
	dev.ctx = ctx;
	dev.vendor = &mock_vendor;
	list_init(&n.s1s);
	tap_ok(!pasid_as_new(ctx, &as), "an address space");
	buf = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ret = pasid_map(as, buf, NPAGES * PAGE,
			PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &iova);
	tap_ok(!ret, "pasid_map of 8 pages at 0x%llx: %d",
	       (unsigned long long)IOVA, ret);
	{
		/* is the mock there? a harmless reserved range far away */
		struct iommu_test_cmd c = { .op = IOMMU_TEST_OP_ADD_RESERVED };

		c.id = as->ioas_id;
		c.add_reserved.start = 0xfff00000;
		c.add_reserved.length = PAGE;
		ret = test_cmd(ctx->iommufd, &c);
		tap_diag("ADD_RESERVED on IOAS %u: %d", as->ioas_id, ret);
		if (ret == -ENOTTY) {
			printf("# the kernel has no IOMMUFD_TEST mock\n");
			return 77;
		}
	}
	dirty(ctx, as, &dev, &n);
	faults(ctx, as);
	vevents(ctx, as, &dev, &n);
	pasid_unmap(as, IOVA, NPAGES * PAGE);
	pasid_as_free(as);
	pasid_ctx_close(ctx);
	return tap_exit();
}
