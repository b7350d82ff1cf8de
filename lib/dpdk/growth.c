/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Refuse DPDK heap growth once a memory event could not be followed.
 *
 * DPDK runs memory-event callbacks after it allocated the pages and lets
 * them return nothing, so the allocation whose map failed still succeeds.
 * Its allocation validators run before pages are allocated and may refuse
 * (rte_malloc then returns NULL): one registered here refuses every later
 * growth while an attachment holds an unhandled failure, so memory no
 * device can reach is handed out once, not again and again. Validators are
 * per socket and take no argument, hence the process-wide count.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_memory.h>

#include "dpdk-internal.h"

#define VAL_NAME "libpasid-dpdk"

static atomic_uint broken;	/* attachments with a failed event */
static unsigned int watchers;	/* dynamic attachments (under all_lock) */

void dp_growth_broken(int delta)
{
	atomic_fetch_add(&broken, (unsigned int)delta);
}

/* Called with DPDK's hotplug lock held for writing: no DPDK lock here. */
static int refuse_growth(int socket_id, size_t cur_limit, size_t new_len)
{
	(void)socket_id;
	(void)cur_limit;
	(void)new_len;
	return atomic_load(&broken) ? -1 : 0;
}

static void unregister_first(unsigned int n)
{
	while (n--)
		rte_mem_alloc_validator_unregister(VAL_NAME,
						   rte_socket_id_by_idx(n));
}

int dp_growth_watch(void)
{
	unsigned int i, n = rte_socket_count();

	if (watchers++)
		return 0;
	for (i = 0; i < n; i++) {
		/* limit 0: asked before every growth */
		if (rte_mem_alloc_validator_register(VAL_NAME, refuse_growth,
						     rte_socket_id_by_idx(i), 0) == 0)
			continue;
		unregister_first(i);
		watchers--;
		return dp_err(rte_errno, "pasid_dpdk_attach: rte_mem_alloc_validator_register on socket %d failed: %s",
			      rte_socket_id_by_idx(i), rte_strerror(rte_errno));
	}
	return 0;
}

void dp_growth_unwatch(void)
{
	if (--watchers == 0)
		unregister_first(rte_socket_count());
}
