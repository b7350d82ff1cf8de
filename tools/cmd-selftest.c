/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * pasidctl selftest: walk the whole libpasid flow on one device and report
 * each step. On QEMU's edu device it also proves DMA through the mapping:
 * bytes go RAM -> device -> RAM through the IOMMU and are compared.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "edu.h"
#include "libpasid/libpasid.h"
#include "out.h"
#include "pasidctl.h"
#include "utf8.h"

#define XFER 2048u

struct run {
	int failed;
	struct pasid_ctx *ctx;
	struct pasid_dev *dev;
	struct pasid_as *as_rid, *as_pasid;
	struct edu edu;
	bool is_edu;
	uint8_t *buf_rid, *buf_pasid;	/* 2 pages each */
	uint64_t iova;			/* same IOVA in both address spaces */
	bool rid_attached;
	size_t page;
	int pasid;
};

static void step(struct run *r, const char *name, const char *result,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void step(struct run *r, const char *name, const char *result,
		 const char *fmt, ...)
{
	char detail[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	/* the cut at 255 bytes must not split a character */
	utf8_trim_tail(detail);
	if (!strcmp(result, "FAIL"))
		r->failed++;
	out_obj_begin();
	out_str("step", name);
	out_str("result", result);
	out_str("detail", detail);
	out_obj_end();
}

/* ok/FAIL from a library return value; true if it succeeded */
static bool check(struct run *r, const char *name, int ret, const char *ok)
{
	if (ret < 0)
		step(r, name, "FAIL", "%s", pasid_errmsg());
	else
		step(r, name, "ok", "%s", ok);
	return ret >= 0;
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

/* RAM page 0 -> device -> RAM page 1 of the buffer behind r->iova, both
 * DMAs tagged with pasid (0: untagged) */
static int round_trip(struct run *r, uint32_t pasid, uint8_t *buf, uint8_t seed)
{
	int ret;

	fill(buf, XFER, seed);
	memset(buf + r->page, 0, XFER);
	ret = edu_dma_to_dev(&r->edu, pasid, r->iova, 0, XFER);
	if (!ret)
		ret = edu_dma_from_dev(&r->edu, pasid, 0, r->iova + r->page, XFER);
	if (ret)
		return ret;
	return memcmp(buf, buf + r->page, XFER) ? -EIO : 0;
}

/* What an edu DMA helper's -errno means here. */
static const char *dma_error(int ret)
{
	switch (ret) {
	case -ETIMEDOUT:
		return "the DMA engine did not finish";
	case -EINVAL:
		return "the IOVA is beyond the edu's 28-bit DMA reach";
	default:
		return strerror(-ret);
	}
}

static void dma_rid(struct run *r)
{
	int ret;

	if (!r->is_edu) {
		step(r, "dma-rid", "skip", "no DMA engine known for this device (QEMU edu only)");
		return;
	}
	ret = round_trip(r, 0, r->buf_rid, 0x5a);
	if (ret)
		step(r, "dma-rid", "FAIL", "%s", ret == -EIO ?
		     "the bytes did not come back through the mapping" :
		     dma_error(ret));
	else
		step(r, "dma-rid", "ok", "%u bytes RAM -> device -> RAM at IOVA 0x%" PRIx64 " match",
		     XFER, r->iova);
}

static void dma_pasid(struct run *r)
{
	int ret;

	if (!r->is_edu || !edu_has_pasid_tag(&r->edu)) {
		step(r, "dma-pasid", "skip", "the device cannot tag DMA with a PASID (needs the project's PASID-capable edu)");
		return;
	}
	memset(r->buf_rid, 0, 2 * r->page);
	ret = round_trip(r, (uint32_t)r->pasid, r->buf_pasid, 0xa5);
	/* both DMAs of the round trip were tagged: the RID's buffer, mapped
	 * at the same IOVA, must stay untouched */
	if (ret)
		step(r, "dma-pasid", "FAIL", "%s", ret == -EIO ?
		     "PASID-tagged DMA did not land in the PASID's address space" :
		     dma_error(ret));
	else if (r->buf_rid[r->page] || r->buf_rid[r->page + 1])
		step(r, "dma-pasid", "FAIL", "PASID-tagged DMA landed in the RID's address space");
	else
		step(r, "dma-pasid", "ok", "%u bytes RAM -> device -> RAM tagged with PASID %d landed in its own address space, not the RID's",
		     XFER, r->pasid);
}

static bool setup(struct run *r, const struct cli_opts *o, const char *name)
{
	struct pasid_ctx_opts co;
	struct pasid_caps caps = { .size = sizeof(caps) };
	struct pasid_iova_range rg[4];
	uint64_t align = 0;
	int n;

	cli_ctx_opts(o, &co);
	if (!check(r, "open-context", pasid_ctx_open(&r->ctx, &co),
		   "the kernel's IOMMU interface"))
		return false;
	if (!check(r, "open-device", pasid_dev_open(r->ctx, name, &r->dev),
		   name))
		return false;
	pasid_dev_caps(r->dev, &caps);
	step(r, "capabilities", "ok", "%s IOMMU, PASID width %u, backend %s",
	     pasid_iommu_vendor_name(caps.vendor), caps.pasid_width,
	     cli_backend_name(caps.backend));
	if (!check(r, "new-address-spaces", pasid_as_new(r->ctx, &r->as_rid), "RID") ||
	    !check(r, "new-address-spaces", pasid_as_new(r->ctx, &r->as_pasid), "PASID"))
		return false;
	r->buf_rid = mmap(NULL, 4 * r->page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->buf_rid == MAP_FAILED) {
		r->buf_rid = NULL;
		step(r, "map", "FAIL", "out of memory for test buffers");
		return false;
	}
	r->buf_pasid = r->buf_rid + 2 * r->page;
	if (!check(r, "map", pasid_map(r->as_rid, r->buf_rid, 2 * r->page,
				       PASID_MAP_RW, &r->iova), "2 pages, kernel-chosen IOVA"))
		return false;
	if (!check(r, "map-fixed", pasid_map(r->as_pasid, r->buf_pasid, 2 * r->page,
					     PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &r->iova),
		   "2 other pages at the same IOVA in the PASID's address space"))
		return false;
	if (!check(r, "attach-rid", pasid_attach_rid(r->dev, r->as_rid, 0),
		   "untagged DMA goes through the RID's address space"))
		return false;
	r->rid_attached = true;
	n = pasid_as_iova_ranges(r->as_rid, rg, 4, &align);
	if (n >= 0)
		step(r, "iova-ranges", "ok", "%d range(s), first [0x%" PRIx64 ", 0x%" PRIx64 "], alignment 0x%" PRIx64,
		     n, n ? rg[0].start : 0, n ? rg[0].last : 0, align);
	else
		check(r, "iova-ranges", n, "");
	return true;
}

static void teardown(struct run *r)
{
	if (r->as_rid && r->iova)
		check(r, "unmap", pasid_unmap(r->as_rid, r->iova, 2 * r->page),
		      "RID's buffer");
	/* the BAR first: through a VFIO group (type1) a detach closes the
	 * device fd, which the BAR mapping would keep open */
	if (r->is_edu)
		edu_close(&r->edu);
	if (r->rid_attached)
		check(r, "detach-rid", pasid_detach_rid(r->dev), "untagged DMA blocked");
	pasid_ctx_close(r->ctx);	/* frees the rest */
	if (r->buf_rid)
		munmap(r->buf_rid, 4 * r->page);
}

int cmd_selftest(const struct cli_opts *o, const char *name)
{
	struct run r = { .page = (size_t)sysconf(_SC_PAGESIZE) };

	out_list_begin("steps");
	if (setup(&r, o, name)) {
		if (edu_is_edu(r.dev)) {
			/* an edu whose BAR cannot be mapped is a failure;
			 * one whose registers do not answer as an edu's
			 * (ENODEV) has no DMA engine the test knows */
			int ret = edu_open(&r.edu, r.dev);

			r.is_edu = ret != -ENODEV &&
				   check(&r, "open-edu", ret,
					 "BAR0 mapped, bus mastering on");
		}
		dma_rid(&r);
		r.pasid = pasid_bind(r.dev, r.as_pasid, PASID_ANY);
		if (r.pasid == -EOPNOTSUPP) {
			step(&r, "bind-pasid", "skip", "%s", pasid_errmsg());
		} else if (check(&r, "bind-pasid", r.pasid, "PASID bound to its own address space")) {
			dma_pasid(&r);
			check(&r, "unbind-pasid", pasid_unbind(r.dev, (uint32_t)r.pasid),
			      "PASID-tagged DMA blocked");
		}
	}
	teardown(&r);
	out_list_end();
	if (r.failed)
		fprintf(stderr, "pasidctl: selftest of %s: %d step(s) failed\n", name, r.failed);
	return r.failed ? 1 : 0;
}
