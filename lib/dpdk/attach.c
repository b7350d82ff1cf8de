/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Attach an address space to DPDK's memory: map every memseg, and follow
 * the heap through DPDK's memory events.
 *
 * Locking order (what keeps the walk and the callback from missing or
 * doubling a page): the list of attachments (all_lock, held across attach
 * and detach), then DPDK's memory hotplug lock (rte_mcfg_mem_read_lock),
 * then DPDK's callback and validator lists (their register calls), then
 * an attachment's own lock and libpasid's inside each pasid_map. The
 * callback, run under the hotplug lock, never takes all_lock. The allocator runs the
 * callback with the hotplug lock held for writing, so while attach holds it
 * for reading no page comes or goes: registering first and walking second
 * under that one hold sees every page exactly once. Detach unregisters
 * under the same lock, so no callback is still running when it unmaps.
 * Inside the callback only the _thread_unsafe walks and lookups may be
 * used (the lock is already held).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_eal_memconfig.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_memory.h>

#include "dpdk-internal.h"

#define CB_NAME "libpasid-dpdk"

/* every attachment, to refuse a second one of the same address space */
static pthread_mutex_t all_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pasid_dpdk *all;

/* Memory DPDK leaves to the program: external memory registered without a
 * heap (rte_extmem_register) is mapped by whoever registered it, as with
 * DPDK's own VFIO (rte_dev_dma_map). */
static bool skipped(const struct rte_memseg_list *msl)
{
	return msl->external && msl->heap == 0;
}

/* The IOVA DPDK gives a page, which its drivers put into descriptors
 * (rte_malloc_virt2iova, mbuf buf_iova): the address itself in IOVA-as-VA
 * mode, else the memseg's (a physical address); the address where DPDK has
 * none (RTE_BAD_IOVA). */
static uint64_t dpdk_iova(const struct rte_memseg *ms)
{
	if (rte_eal_iova_mode() == RTE_IOVA_VA || ms->iova == RTE_BAD_IOVA)
		return (uintptr_t)ms->addr;
	return ms->iova;
}

/* One mapping: at DPDK's IOVA if libpasid allows it, else at an IOVA
 * chosen inside the address space's window. */
static int map_one(struct pasid_dpdk *d, void *va, size_t len, uint64_t wish)
{
	uint64_t iova = wish;

	return pasid_map(d->as, va, len, PASID_MAP_RW | PASID_MAP_TRY_IOVA, &iova);
}

/* A walk maps (or unmaps) one item per pasid_map: a page with dynamic
 * memory, a run of VA- and IOVA-contiguous pages with legacy memory. */
struct walk {
	struct pasid_dpdk *d;
	bool unmap;
	unsigned int done;	/* items done */
	unsigned int limit;	/* unmap: stop after this many (rollback) */
	int err;		/* the failed item's -errno, va and len */
	void *va;
	size_t len;
};

/* 1: stop the walk (the limit is reached), -1: failed, 0: go on. */
static int item(struct walk *w, void *va, size_t len, uint64_t wish)
{
	int ret;

	if (w->unmap && w->done == w->limit)
		return 1;
	ret = w->unmap ? pasid_unmap_va(w->d->as, va, len) :
			 map_one(w->d, va, len, wish);
	/* a detach finds pages whose mapping failed earlier (the callback's
	 * error says so already) */
	if (ret && !(w->unmap && ret == -ENOENT)) {
		w->err = ret;
		w->va = va;
		w->len = len;
		return -1;
	}
	w->done++;
	return 0;
}

static int page_walk(const struct rte_memseg_list *msl,
		     const struct rte_memseg *ms, void *arg)
{
	if (skipped(msl))
		return 0;
	return item(arg, ms->addr, ms->len, dpdk_iova(ms));
}

/* A VA-contiguous chunk is not always IOVA-contiguous (physical
 * addresses): cut it where DPDK's IOVA jumps. The memsegs of a chunk are
 * consecutive in the list's array. */
static int contig_walk(const struct rte_memseg_list *msl,
		       const struct rte_memseg *ms, size_t len, void *arg)
{
	size_t n = len / msl->page_sz, start = 0, i;
	int ret;

	if (skipped(msl))
		return 0;
	for (i = 1; i <= n; i++) {
		if (i < n && dpdk_iova(&ms[i]) ==
			     dpdk_iova(&ms[start]) + (i - start) * msl->page_sz)
			continue;
		ret = item(arg, ms[start].addr, (i - start) * msl->page_sz,
			   dpdk_iova(&ms[start]));
		if (ret)
			return ret;
		start = i;
	}
	return 0;
}

/* Walk DPDK's memory, the hotplug lock held by the caller. */
static int walk_all(struct walk *w)
{
	int ret = w->d->events ?
		  rte_memseg_walk_thread_unsafe(page_walk, w) :
		  rte_memseg_contig_walk_thread_unsafe(contig_walk, w);

	return ret < 0 ? -1 : 0;
}

static void on_event(enum rte_mem_event type, const void *addr, size_t len,
		     void *arg)
{
	struct pasid_dpdk *d = arg;
	const struct rte_memseg_list *msl = rte_mem_virt2memseg_list(addr);
	const struct rte_memseg *ms = NULL;
	size_t off;
	int ret;

	if (!msl || skipped(msl))
		return;
	for (off = 0; off < len; off += msl->page_sz) {
		char *va = (char *)addr + off;

		if (type == RTE_MEM_EVENT_ALLOC) {
			ms = rte_mem_virt2memseg(va, msl);
			ret = ms ? map_one(d, va, msl->page_sz, dpdk_iova(ms)) :
				   -EFAULT;
		} else {
			ret = pasid_unmap_va(d->as, va, msl->page_sz);
		}
		/* libpasid has logged the failure through the context's log
		 * callback; keep it for pasid_dpdk_error */
		if (ret)
			dp_sticky(d, ret, "DPDK memory event: %s [%p, +0x%zx) failed: %s",
				  type == RTE_MEM_EVENT_ALLOC ? "mapping new memory" :
				  "unmapping freed memory",
				  (void *)va, msl->page_sz, ms || type != RTE_MEM_EVENT_ALLOC ?
				  pasid_errmsg() : "DPDK has no memseg for it");
	}
}

static bool attached(const struct pasid_as *as)
{
	for (struct pasid_dpdk *d = all; d; d = d->next)
		if (d->as == as)
			return true;
	return false;
}

static void unlink_att(struct pasid_dpdk *d)
{
	struct pasid_dpdk **pp;

	for (pp = &all; *pp; pp = &(*pp)->next)
		if (*pp == d) {
			*pp = d->next;
			break;
		}
}

/* Register and map, the hotplug lock held; 0 or -errno with the message. */
static int attach_locked(struct pasid_dpdk *d)
{
	struct walk w = { .d = d }, back = { .d = d, .unmap = true };
	int ret;

	if (rte_mem_event_callback_register(CB_NAME, on_event, d) == 0)
		d->events = true;
	else if (rte_errno != ENOTSUP)	/* ENOTSUP: legacy memory */
		return dp_err(rte_errno, "pasid_dpdk_attach: rte_mem_event_callback_register failed: %s",
			      rte_strerror(rte_errno));
	if (d->events) {
		ret = dp_growth_watch();
		if (ret) {
			rte_mem_event_callback_unregister(CB_NAME, d);
			return ret;
		}
	}
	if (walk_all(&w) == 0)
		return 0;
	ret = dp_err(-w.err, "pasid_dpdk_attach: mapping DPDK memory [%p, +0x%zx) failed: %s",
		     w.va, w.len, pasid_errmsg());
	/* put back what was mapped before the failure */
	back.limit = w.done;
	walk_all(&back);
	if (d->events) {
		rte_mem_event_callback_unregister(CB_NAME, d);
		dp_growth_unwatch();
	}
	return ret;
}

PASID_API int pasid_dpdk_attach(struct pasid_as *as, struct pasid_dpdk **attp)
{
	struct pasid_dpdk *d;
	int ret;

	dp_err_clear();
	if (!as || !attp)
		return dp_err(EINVAL, "pasid_dpdk_attach: %s is NULL", as ? "attp" : "as");
	*attp = NULL;
	/* rte_eal_init counts the lcores; before it there is no memory */
	if (rte_lcore_count() == 0)
		return dp_err(ENODEV, "pasid_dpdk_attach: the DPDK EAL is not initialised: call rte_eal_init first");
	/* a secondary's DPDK memory is the primary's, at the same addresses:
	 * attached again it would be pinned twice at other IOVAs (the
	 * primary's IOVAs are taken, so every map would choose another) */
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return dp_err(EPERM, "pasid_dpdk_attach: this is a DPDK secondary process: attach in the primary, whose mappings serve the secondaries' DPDK memory too");
	d = calloc(1, sizeof(*d));
	if (!d)
		return dp_err(ENOMEM, "pasid_dpdk_attach: out of memory");
	d->as = as;
	pthread_mutex_init(&d->lock, NULL);
	pthread_mutex_lock(&all_lock);
	if (attached(as)) {
		pthread_mutex_unlock(&all_lock);
		free(d);
		return dp_err(EBUSY, "pasid_dpdk_attach: this address space is attached to DPDK memory already");
	}
	rte_mcfg_mem_read_lock();
	ret = attach_locked(d);
	rte_mcfg_mem_read_unlock();
	if (ret) {
		pthread_mutex_unlock(&all_lock);
		pthread_mutex_destroy(&d->lock);
		free(d);
		return ret;
	}
	d->next = all;
	all = d;
	pthread_mutex_unlock(&all_lock);
	*attp = d;
	return 0;
}

PASID_API void pasid_dpdk_detach(struct pasid_dpdk *att)
{
	struct walk w = { .d = att, .unmap = true, .limit = UINT32_MAX };

	if (!att)
		return;
	pthread_mutex_lock(&all_lock);
	unlink_att(att);
	rte_mcfg_mem_read_lock();
	if (att->events) {
		rte_mem_event_callback_unregister(CB_NAME, att);
		dp_growth_unwatch();
	}
	/* no callback runs now: its failure stops counting */
	if (att->err)
		dp_growth_broken(-1);
	walk_all(&w);
	rte_mcfg_mem_read_unlock();
	pthread_mutex_unlock(&all_lock);
	pthread_mutex_destroy(&att->lock);
	free(att);
}
