/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * vIOMMU event queues (nested.h): IOMMU_VEVENTQ_ALLOC on a nest's vIOMMU,
 * and the records read from its fd, each a struct iommufd_vevent_header
 * and the vendor's record (SMMUv3: struct iommu_vevent_arm_smmuv3), or a
 * header alone with LOST_EVENTS at the tail of a queue that overflowed.
 * The kernel numbers events 0 .. INT_MAX and wraps; a gap says how many
 * were lost (doc/kernel-rules.md §13).
 */
#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "iommu/vendor.h"
#include "kabi.h"
#include "kernel.h"
#include "nested.h"
#include "sys.h"

#define HDR_SIZE sizeof(struct kabi_iommufd_vevent_header)
#define READ_BATCH 32u

struct pasid_veventq {
	struct pasid_nest *nest;
	uint32_t id;
	int fd;
	uint32_t rec_len;		/* bytes after each header */
	bool seen;			/* next is meaningful */
	uint32_t next;			/* the sequence number expected */
};

/* The fd first: it holds the object (IOMMU_DESTROY EBUSY while open). */
void nest_veventq_release(struct pasid_nest *n)
{
	struct pasid_veventq *q = n->veventq;
	struct pasid_ctx *ctx = n->dev->ctx;

	if (!q)
		return;
	sys_close(q->fd);
	if (!inherited(ctx) && k_destroy(ctx->iommufd, q->id))
		pasid_log(ctx, PASID_LOG_WARN,
			  "%s: IOMMU_DESTROY of vEVENTQ %u failed: it stays until the context is closed",
			  n->dev->name, q->id);
	n->veventq = NULL;
	free(q);
}

static int veventq_error(struct pasid_nest *n, int err)
{
	struct pasid_dev *dev = n->dev;

	if (err == EEXIST)
		return pasid_kerr(dev->ctx, EEXIST, "IOMMU_VEVENTQ_ALLOC",
				  "%s: the nest's vIOMMU %u has an event queue of this type already",
				  dev->name, n->viommu_id);
	return pasid_kerr(dev->ctx, err, "IOMMU_VEVENTQ_ALLOC",
			  "%s: could not make an event queue on vIOMMU %u%s",
			  dev->name, n->viommu_id, err == ENOTTY ?
			  ": the kernel has none (Linux 6.15+)" : "");
}

PASID_API int pasid_veventq_new(struct pasid_nest *nest, uint32_t depth,
				struct pasid_veventq **qp)
{
	struct pasid_veventq *q;
	struct pasid_dev *dev;
	int ret;

	pasid_err_clear();
	if (!nest || !qp)
		return pasid_err(NULL, EINVAL,
				 "pasid_veventq_new: nest and qp must not be NULL");
	dev = nest->dev;
	if (inherited(dev->ctx))
		return fork_refuse(dev->ctx, "pasid_veventq_new");
	if (!dev->vendor->veventq_type)
		return nest_vendor_lacks(dev, "pasid_veventq_new",
					 "vIOMMU event queue",
					 dev->vendor->veventq_missing);
	if (!depth || depth > INT_MAX)
		return pasid_err(dev->ctx, EINVAL,
				 "pasid_veventq_new: depth %u must be 1 .. INT_MAX",
				 depth);
	q = calloc(1, sizeof(*q));
	if (!q)
		return pasid_err(dev->ctx, ENOMEM,
				 "out of memory for an event queue");
	q->nest = nest;
	q->rec_len = dev->vendor->vevent_len;
	ctx_lock(dev->ctx);
	if (nest->veventq) {
		ctx_unlock(dev->ctx);
		free(q);
		return pasid_err(dev->ctx, EBUSY,
				 "pasid_veventq_new: %s: the nest has an event queue already (pasid_veventq_free it first)",
				 dev->name);
	}
	/* a nest without a vIOMMU has a vendor without veventq_type */
	ret = k_veventq_alloc(dev->ctx->iommufd, nest->viommu_id,
			      dev->vendor->veventq_type, depth, &q->id, &q->fd);
	if (ret) {
		ctx_unlock(dev->ctx);
		free(q);
		return veventq_error(nest, -ret);
	}
	nest->veventq = q;
	ctx_unlock(dev->ctx);
	*qp = q;
	return 0;
}

PASID_API void pasid_veventq_free(struct pasid_veventq *q)
{
	struct pasid_ctx *ctx;

	if (!q)
		return;
	ctx = q->nest->dev->ctx;
	if (inherited(ctx)) {
		/* the child's copy: no lock (fork.c), no kernel call */
		nest_veventq_release(q->nest);
		return;
	}
	ctx_lock(ctx);
	nest_veventq_release(q->nest);
	ctx_unlock(ctx);
}

PASID_API int pasid_veventq_fd(const struct pasid_veventq *q)
{
	pasid_err_clear();
	if (!q)
		return pasid_err(NULL, EINVAL,
				 "pasid_veventq_fd: q must not be NULL");
	return q->fd;
}

/* Events lost between the one expected and seq (wrapping at INT_MAX). */
static uint32_t gap(const struct pasid_veventq *q, uint32_t seq)
{
	if (!q->seen)
		return 0;
	return (seq - q->next) & INT_MAX;
}

/* One record at p (len bytes left): 0 and its size in *used, or -EIO. */
static int rec_out(struct pasid_veventq *q, const uint8_t *p, size_t len,
		   struct pasid_vevent *ev, size_t *used)
{
	struct kabi_iommufd_vevent_header h;
	unsigned int i;

	memcpy(&h, p, HDR_SIZE);
	memset(ev, 0, sizeof(*ev));
	ev->sequence = h.sequence;
	if (h.flags & KABI_IOMMU_VEVENTQ_FLAG_LOST_EVENTS) {
		/* it carries the last lost one's number */
		ev->flags = PASID_VEVENT_LOST;
		ev->lost = gap(q, h.sequence) + 1;
		*used = HDR_SIZE;
	} else {
		if (len < HDR_SIZE + q->rec_len)
			return -EIO;
		ev->lost = gap(q, h.sequence);
		for (i = 0; i < q->rec_len / 8 && i < 4; i++) {
			uint64_t w;

			memcpy(&w, p + HDR_SIZE + 8 * i, sizeof(w));
			ev->evt[i] = le64toh(w);
		}
		*used = HDR_SIZE + q->rec_len;
	}
	q->seen = true;
	q->next = (h.sequence + 1) & INT_MAX;
	return 0;
}

PASID_API int pasid_veventq_read(struct pasid_veventq *q,
				 struct pasid_vevent *ev, unsigned int max,
				 unsigned int *n)
{
	uint8_t buf[READ_BATCH * (HDR_SIZE + 32)];
	unsigned int got = 0;
	struct pasid_ctx *ctx;

	pasid_err_clear();
	if (n)
		*n = 0;
	if (!q || !n || (max && !ev))
		return pasid_err(NULL, EINVAL,
				 "pasid_veventq_read: q and n must not be NULL, nor ev when max > 0");
	ctx = q->nest->dev->ctx;
	if (inherited(ctx))
		return fork_refuse(ctx, "pasid_veventq_read");
	while (got < max) {
		unsigned int want = max - got < READ_BATCH ? max - got :
							       READ_BATCH;
		/* room for want whole records: a read never splits one */
		ssize_t len = pasid_sys->read(q->fd, buf,
					      want * (HDR_SIZE + q->rec_len));
		size_t at = 0, used;
		unsigned int k = 0;

		if (len < 0) {
			int err = errno;

			if (err == EAGAIN || got)
				break;
			return pasid_kerr(ctx, err, "read(vEVENTQ)",
					  "reading vEVENTQ %u", q->id);
		}
		while (at + HDR_SIZE <= (size_t)len && k < want) {
			if (rec_out(q, buf + at, (size_t)len - at, &ev[got + k],
				    &used))
				return pasid_err(ctx, EIO,
						 "pasid_veventq_read: the kernel returned a partial record (%zd bytes)",
						 len);
			at += used;
			k++;
		}
		got += k;
		if (!len || k < want)
			break;
	}
	*n = got;
	return 0;
}
