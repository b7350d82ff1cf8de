/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * I/O page fault queues (nested.h): an iommufd FAULT object and its fd,
 * which the stage-1 HWPTs of nests made with PASID_NEST_FAULTS report to
 * (IOMMU_HWPT_ALLOC with FAULT_ID_VALID), read as struct iommu_hwpt_pgfault
 * records and answered with struct iommu_hwpt_page_response writes
 * (doc/kernel-rules.md §13).
 *
 * The fd holds the FAULT object (IOMMU_DESTROY is EBUSY until it is
 * closed), and every fault-capable HWPT holds it too: so the queue goes
 * only when the caller freed it and no nest uses it any more.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "discover.h"
#include "internal.h"
#include "iommu/vendor.h"
#include "kabi.h"
#include "kernel.h"
#include "nested.h"
#include "sys.h"

#define REC_SIZE sizeof(struct kabi_iommu_hwpt_pgfault)
/* records read per kernel call (a group never spans two reads) */
#define READ_BATCH 32u

int nest_vendor_lacks(const struct pasid_dev *dev, const char *fn,
		      const char *what, const char *why)
{
	return pasid_err(dev->ctx, EOPNOTSUPP, "%s: %s: the %s IOMMU has no %s: %s",
			 fn, dev->name,
			 pasid_iommu_vendor_name(dev->caps.vendor), what,
			 why ? why : "its Linux driver does not offer it");
}

/* Whether the device has a PCIe Page Request Interface (sysfs): 0 and
 * *pri 1 or 0, or -1 when it is not known by a PCI address; -errno when
 * sysfs could not be read (the message says why). */
static int dev_pri(const struct pasid_dev *dev, int *pri)
{
	struct pasid_devinfo info = { .size = sizeof(info) };
	char why[PASID_MSG_MAX];
	int ret;

	*pri = -1;
	if (!discover_is_pci_name(dev->name))
		return 0;
	ret = pasid_devinfo_get(dev->name, &info);
	if (ret) {
		snprintf(why, sizeof(why), "%s", pasid_errmsg());
		return pasid_err(dev->ctx, -ret,
				 "pasid_nest_new: %s: reading whether it has a PCIe Page Request Interface: %s",
				 dev->name, why);
	}
	*pri = info.pci_pri;
	return 0;
}

int nest_faults_check(struct pasid_dev *dev, struct pasid_faultq *q)
{
	const char *fn = "pasid_nest_new";
	int pri, ret;

	if (!q || q->freed || q->ctx != dev->ctx)
		return pasid_err(dev->ctx, EINVAL,
				 "%s: PASID_NEST_FAULTS needs opts->faultq, a live queue of the device's context (pasid_faultq_new)",
				 fn);
	if (!dev->vendor->s1_faults)
		return nest_vendor_lacks(dev, fn,
					 "page requests from a nest's stage-1",
					 dev->vendor->s1_faults_missing);
	if (!(dev->caps.flags & PASID_CAP_PRI))
		return pasid_err(dev->ctx, EOPNOTSUPP,
				 "%s: %s: its IOMMU (%s) takes no page requests (pasid_dev_caps: no PASID_CAP_PRI): make the nest without PASID_NEST_FAULTS",
				 fn, dev->name,
				 pasid_iommu_vendor_name(dev->caps.vendor));
	ret = dev_pri(dev, &pri);
	if (ret)
		return ret;
	if (pri <= 0)
		return pasid_err(dev->ctx, EOPNOTSUPP,
				 "%s: %s %s a PCIe Page Request Interface (pasid_devinfo_get: pci_pri), which page faults need: make the nest without PASID_NEST_FAULTS",
				 fn, dev->name, pri < 0 ?
				 "is not known by a PCI address, so the library cannot tell whether it has" :
				 "has no");
	return 0;
}

void faultq_get(struct pasid_faultq *q)
{
	q->refs++;
}

/* The fd first: it holds the object, whose IOMMU_DESTROY is EBUSY while
 * it is open. */
void faultq_put(struct pasid_faultq *q)
{
	if (--q->refs)
		return;
	list_del(&q->ctx_node);
	sys_close(q->fd);
	if (!inherited(q->ctx) && k_destroy(q->ctx->iommufd, q->id))
		pasid_log(q->ctx, PASID_LOG_WARN,
			  "IOMMU_DESTROY of fault queue %u failed: it stays until the context is closed",
			  q->id);
	free(q);
}

PASID_API int pasid_faultq_new(struct pasid_ctx *ctx, struct pasid_faultq **qp)
{
	struct pasid_faultq *q;
	int ret;

	pasid_err_clear();
	if (!ctx || !qp)
		return pasid_err(ctx, EINVAL,
				 "pasid_faultq_new: ctx and qp must not be NULL");
	if (inherited(ctx))
		return fork_refuse(ctx, "pasid_faultq_new");
	if (ctx_other(ctx))
		return backend_missing(ctx, "pasid_faultq_new: fault queues need",
				       "iommufd (Linux 6.11+)");
	q = calloc(1, sizeof(*q));
	if (!q)
		return pasid_err(ctx, ENOMEM, "out of memory for a fault queue");
	ret = k_fault_alloc(ctx->iommufd, &q->id, &q->fd);
	if (ret) {
		free(q);
		return pasid_kerr(ctx, -ret, "IOMMU_FAULT_QUEUE_ALLOC",
				  "could not make a fault queue%s", ret == -ENOTTY ?
				  ": the kernel has none (Linux 6.11+)" : "");
	}
	q->ctx = ctx;
	q->refs = 1;
	ctx_lock(ctx);
	list_add_tail(&q->ctx_node, &ctx->faultqs);
	ctx_unlock(ctx);
	*qp = q;
	return 0;
}

PASID_API void pasid_faultq_free(struct pasid_faultq *q)
{
	struct pasid_ctx *ctx;

	if (!q)
		return;
	ctx = q->ctx;
	if (inherited(ctx)) {
		/* the child's copy: no kernel call (fork.c) */
		fork_forget_faultq(q);
		return;
	}
	ctx_lock(ctx);
	q->freed = true;
	faultq_put(q);
	ctx_unlock(ctx);
}

void faultq_free_all(struct pasid_ctx *ctx)
{
	while (!list_empty(&ctx->faultqs))
		pasid_faultq_free(container_of(ctx->faultqs.next,
					       struct pasid_faultq, ctx_node));
}

void faultq_forget_all(struct pasid_ctx *ctx)
{
	struct list_head *pos, *tmp;

	list_for_each_safe(pos, tmp, &ctx->faultqs) {
		struct pasid_faultq *q = container_of(pos, struct pasid_faultq,
						      ctx_node);

		sys_close(q->fd);
		free(q);
	}
}

PASID_API int pasid_faultq_fd(const struct pasid_faultq *q)
{
	pasid_err_clear();
	if (!q)
		return pasid_err(NULL, EINVAL,
				 "pasid_faultq_fd: q must not be NULL");
	return q->fd;
}

static struct pasid_dev *dev_by_id(struct pasid_ctx *ctx, uint32_t dev_id)
{
	struct list_head *pos;

	for (pos = ctx->devs.next; pos != &ctx->devs; pos = pos->next) {
		struct pasid_dev *d = container_of(pos, struct pasid_dev,
						   ctx_node);

		if (d->dev_id == dev_id)
			return d;
	}
	return NULL;
}

/* The kernel's flags and permission bits are the header's (nested.h). */
_Static_assert(PASID_FAULT_PASID_VALID == KABI_IOMMU_PGFAULT_FLAGS_PASID_VALID &&
	       PASID_FAULT_LAST_PAGE == KABI_IOMMU_PGFAULT_FLAGS_LAST_PAGE &&
	       PASID_FAULT_READ == KABI_IOMMU_PGFAULT_PERM_READ &&
	       PASID_FAULT_WRITE == KABI_IOMMU_PGFAULT_PERM_WRITE &&
	       PASID_FAULT_EXEC == KABI_IOMMU_PGFAULT_PERM_EXEC &&
	       PASID_FAULT_PRIV == KABI_IOMMU_PGFAULT_PERM_PRIV,
	       "pasid_fault bits must be the kernel's");

static void rec_out(struct pasid_ctx *ctx, const struct kabi_iommu_hwpt_pgfault *r,
		    struct pasid_fault *f)
{
	memset(f, 0, sizeof(*f));
	f->dev = dev_by_id(ctx, r->dev_id);
	f->flags = r->flags;
	f->pasid = r->pasid;
	f->grpid = r->grpid;
	f->perm = r->perm;
	f->addr = r->addr;
	f->length = r->length;
	f->cookie = r->cookie;
}

PASID_API int pasid_faultq_read(struct pasid_faultq *q,
				struct pasid_fault *faults, unsigned int max,
				unsigned int *n)
{
	struct kabi_iommu_hwpt_pgfault recs[READ_BATCH];
	unsigned int got = 0;

	pasid_err_clear();
	if (n)
		*n = 0;
	if (!q || !n || (max && !faults))
		return pasid_err(NULL, EINVAL,
				 "pasid_faultq_read: q and n must not be NULL, nor faults when max > 0");
	if (inherited(q->ctx))
		return fork_refuse(q->ctx, "pasid_faultq_read");
	while (got < max) {
		unsigned int want = max - got < READ_BATCH ? max - got :
							       READ_BATCH;
		ssize_t len = pasid_sys->read(q->fd, recs, want * REC_SIZE);
		unsigned int i, k;

		if (len < 0) {
			int err = errno;

			if (err == EAGAIN || got)
				break;	/* what was read is the answer */
			/* 7.3: the next group has more requests than fit */
			if (err == EINVAL)
				return pasid_kerr(q->ctx, EINVAL,
						  "read(fault queue)",
						  "fault queue %u: the next page request group has more than %u requests: pass a larger array",
						  q->id, want);
			return pasid_kerr(q->ctx, err, "read(fault queue)",
					  "reading fault queue %u", q->id);
		}
		k = (unsigned int)((size_t)len / REC_SIZE);
		ctx_lock(q->ctx);
		for (i = 0; i < k; i++)
			rec_out(q->ctx, &recs[i], &faults[got + i]);
		ctx_unlock(q->ctx);
		got += k;
		/* short: nothing more waits, or the next group does not fit */
		if (k < want)
			break;
	}
	*n = got;
	return 0;
}

PASID_API int pasid_faultq_respond(struct pasid_faultq *q, uint32_t cookie,
				   enum pasid_fault_code code)
{
	struct kabi_iommu_hwpt_page_response r = {
		.cookie = cookie,
		.code = (uint32_t)code,
	};
	ssize_t len;

	pasid_err_clear();
	if (!q)
		return pasid_err(NULL, EINVAL,
				 "pasid_faultq_respond: q must not be NULL");
	if (inherited(q->ctx))
		return fork_refuse(q->ctx, "pasid_faultq_respond");
	if (code != PASID_FAULT_SUCCESS && code != PASID_FAULT_INVALID)
		return pasid_err(q->ctx, EINVAL,
				 "pasid_faultq_respond: code %d is neither PASID_FAULT_SUCCESS nor PASID_FAULT_INVALID",
				 (int)code);
	len = pasid_sys->write(q->fd, &r, sizeof(r));
	if (len == (ssize_t)sizeof(r))
		return 0;
	if (len >= 0)
		return pasid_err(q->ctx, EIO,
				 "pasid_faultq_respond: the kernel took %zd of %zu bytes of the response",
				 len, sizeof(r));
	if (errno == EINVAL)
		return pasid_kerr(q->ctx, EINVAL, "write(fault queue)",
				  "no page request group with cookie %u waits on fault queue %u (answered already, or never read: pasid_faultq_read gives the cookies)",
				  cookie, q->id);
	return pasid_kerr(q->ctx, errno, "write(fault queue)",
			  "answering cookie %u on fault queue %u", cookie,
			  q->id);
}
