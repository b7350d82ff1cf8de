/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * What libpasid-dpdk tells the program: the thread's last failure, the
 * memory-event callback's first failure, and where a buffer is mapped.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_memory.h>

#include "dpdk-internal.h"

static __thread char last_msg[DP_MSG_MAX];

PASID_API const char *pasid_dpdk_errmsg(void)
{
	return last_msg;
}

void dp_err_clear(void)
{
	last_msg[0] = '\0';
}

int dp_err(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	va_end(ap);
	return -err;
}

void dp_sticky(struct pasid_dpdk *d, int err, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&d->lock);
	if (!d->err) {
		d->err = err;
		dp_growth_broken(1);
		va_start(ap, fmt);
		vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&d->lock);
}

PASID_API int pasid_dpdk_error(const struct pasid_dpdk *att, char *msg,
			       size_t len)
{
	struct pasid_dpdk *d = (struct pasid_dpdk *)att;
	int err;

	dp_err_clear();
	if (!d)
		return dp_err(EINVAL, "pasid_dpdk_error: att is NULL");
	if (!msg && len)
		return dp_err(EINVAL, "pasid_dpdk_error: msg is NULL but len is %zu", len);
	pthread_mutex_lock(&d->lock);
	err = d->err;
	if (len)
		snprintf(msg, len, "%s", d->msg);
	pthread_mutex_unlock(&d->lock);
	return err;
}

PASID_API int pasid_dpdk_iova(const struct pasid_dpdk *att, const void *va,
			      size_t len, uint64_t *iova)
{
	const struct rte_memseg_list *msl;
	uintptr_t p, end, step;
	uint64_t first, at;
	int ret;

	dp_err_clear();
	if (!att || !iova)
		return dp_err(EINVAL, "pasid_dpdk_iova: %s is NULL", att ? "iova" : "att");
	if (!len)
		len = 1;
	if ((uintptr_t)va > UINTPTR_MAX - (len - 1))
		return dp_err(EOVERFLOW, "pasid_dpdk_iova: %p + %zu wraps around", va, len);
	ret = pasid_as_va_to_iova(att->as, va, &first);
	/* the first lookup builds the index by process address */
	if (ret == -ENOMEM)
		return dp_err(ENOMEM, "pasid_dpdk_iova: %s", pasid_errmsg());
	if (ret)
		return dp_err(-ret, "pasid_dpdk_iova: %p is not mapped (%s): not DPDK memory, or its mapping failed (pasid_dpdk_error)",
			      va, pasid_errmsg());
	/* each page is a mapping of its own (dynamic memory): every page
	 * boundary inside must continue the IOVA */
	msl = rte_mem_virt2memseg_list(va);
	step = msl ? msl->page_sz : 4096;
	end = (uintptr_t)va + (len - 1);
	for (p = ((uintptr_t)va | (step - 1)) + 1; p && p <= end; p += step) {
		ret = pasid_as_va_to_iova(att->as, (const void *)p, &at);
		if (ret)
			return dp_err(-ret, "pasid_dpdk_iova: %p, inside [%p, +%zu), is not mapped (%s)",
				      (void *)p, va, len, pasid_errmsg());
		if (at != first + (p - (uintptr_t)va))
			return dp_err(EXDEV, "pasid_dpdk_iova: [%p, +%zu) starts at IOVA 0x%" PRIx64 " but its page %p is at 0x%" PRIx64 ": the pages got IOVAs that are not adjacent; DMA it page by page",
				      va, len, first, (void *)p, at);
	}
	*iova = first;
	return 0;
}
