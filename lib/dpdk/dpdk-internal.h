/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* libpasid-dpdk's shared state: one attachment (see libpasid/dpdk.h). */
#ifndef LIBPASID_DPDK_INTERNAL_H
#define LIBPASID_DPDK_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>

#include "libpasid/dpdk.h"

#define DP_MSG_MAX 512

struct pasid_dpdk {
	struct pasid_as *as;
	bool events;		/* dynamic memory: the callback is registered */
	/* the callback's first failure; guards err and msg, which the
	 * callback writes under DPDK's memory lock and the program reads
	 * without it */
	pthread_mutex_t lock;
	int err;
	char msg[DP_MSG_MAX];
	struct pasid_dpdk *next;	/* in the list of attachments */
};

/* Set the calling thread's pasid_dpdk_errmsg(); returns -err. */
int dp_err(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void dp_err_clear(void);
/* Record the callback's failure, err a -errno (the first one stays). */
void dp_sticky(struct pasid_dpdk *d, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* growth.c. watch/unwatch, under all_lock: while a dynamic attachment is
 * there, refuse DPDK heap growth if any attachment's event failed (0 or
 * -errno with the message). broken, atomic (the callback calls it): count
 * an attachment's failure in (+1) or out (-1). */
int dp_growth_watch(void);
void dp_growth_unwatch(void);
void dp_growth_broken(int delta);

#endif
