/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Handles do not cross fork(). A child shares the parent's iommufd and VFIO
 * open files, so an ioctl made through an inherited handle changes the
 * parent's kernel objects: an unmap stops the parent's DMA, a close
 * destroys its address spaces and page tables. So the library counts the
 * forks it has seen in the child (pthread_atfork), every context remembers
 * the count it was opened under, and a call on a context from before the
 * last fork is refused; closing one frees only this process's memory and
 * file descriptors.
 *
 * One load and compare per call: getpid() would be a system call. A child
 * made by a raw clone() or vfork() runs no atfork handler and is not seen.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "backend.h"
#include "internal.h"
#include "nested.h"
#include "sys.h"

atomic_uint pasid_forks;

/* makes the closes of inherited handles one at a time (see below) */
static pthread_mutex_t forget_lock = PTHREAD_MUTEX_INITIALIZER;
/* address spaces closed in a child whose record could not be walked */
static struct list_head abandoned = { &abandoned, &abandoned };

static void count_fork(void)
{
	atomic_fetch_add_explicit(&pasid_forks, 1, memory_order_relaxed);
	/* a thread of the parent may have held it at the fork */
	pthread_mutex_init(&forget_lock, NULL);
}

static void watch(void)
{
	pthread_atfork(NULL, NULL, count_fork);
}

unsigned int fork_watch(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, watch);
	return atomic_load_explicit(&pasid_forks, memory_order_relaxed);
}

int fork_refuse(struct pasid_ctx *ctx, const char *fn)
{
	return pasid_err(ctx, EBADF,
			 "%s: this handle belongs to process %d, which forked this one: libpasid handles do not cross fork() (through them the child would change the parent's mappings and page tables); open a context of the child's own with pasid_ctx_open",
			 fn, (int)ctx->pid);
}

/* ---- closing in a child: this process's memory and fds, no kernel call,
 * no lock waited for ----
 *
 * A lock another thread of the parent held at the fork stays held in the
 * child, and what it guards may be half changed: then the structures are
 * not walked, only the file descriptor at hand is closed (the context's,
 * or the device's being closed), and the memory is left to the exit.
 *
 * Closing a file descriptor the child inherited drops the child's reference
 * to the open file only: the kernel releases the file (an iommufd, a type1
 * container, a VFIO group, a device) when its last reference goes, and the
 * parent holds its own (doc/kernel-rules.md §10.6). So closing the child's
 * copies changes nothing of the parent's, and keeping them open would keep
 * the files alive after the parent closes them: a VFIO group stays busy,
 * its container keeps its mappings, until the child exits.
 *
 * Whether a context is settled is decided once, by its first close in the
 * child, and the closes of the child's threads are made one at a time: a
 * decision made per call could let one thread walk the devices closing
 * their fds while another, finding the lock taken, closed one of them
 * again (by then, perhaps, another file's number). */

static bool ctx_settled(struct pasid_ctx *ctx)
{
	if (ctx->fork_close == FORK_CLOSE_UNDECIDED)
		/* taken for good: the child is closing the context anyway */
		ctx->fork_close = lock_try(&ctx->lock) ?
				  FORK_CLOSE_SETTLED : FORK_CLOSE_UNSETTLED;
	return ctx->fork_close == FORK_CLOSE_SETTLED;
}

static bool as_settled(struct pasid_as *as)
{
	return atomic_load_explicit(&as->lock.state, memory_order_relaxed) == 0;
}

static void forget_dev(struct pasid_dev *dev)
{
	const struct backend_ops *o = ctx_other(dev->ctx);

	list_del(&dev->ctx_node);
	bind_dev_fini(dev);
	sys_close(dev->fd);	/* the child's copy only */
	if (o && o->fork_forget_dev)
		o->fork_forget_dev(dev);	/* a type1 group's fd */
	free(dev->bars);	/* the child's copy of the record */
	free(dev);
}

static void forget_as(struct pasid_as *as)
{
	struct list_head *pos, *tmp;

	list_for_each_safe(pos, tmp, &as->hwpts) {
		struct pasid_hwpt *h = container_of(pos, struct pasid_hwpt,
						    as_node);

		free(h->refused);
		free(h);
	}
	list_del(&as->ctx_node);
	share_forget(as);
	/* a type1 container (set once at as_new, under no lock) */
	if (as->container >= 0)
		sys_close(as->container);
	if (!as_settled(as)) {
		/* its record may be half changed: not walked, and kept where
		 * it stays reachable until the exit (no leak to report) */
		list_add_tail(&as->ctx_node, &abandoned);
		return;
	}
	maprec_fini(&as->rec);
	free(as->ranges);
	free(as);
}

void fork_forget_dev(struct pasid_dev *dev)
{
	pthread_mutex_lock(&forget_lock);
	if (ctx_settled(dev->ctx))
		forget_dev(dev);
	else
		sys_close(dev->fd);	/* the record stays: not walked */
	pthread_mutex_unlock(&forget_lock);
}

/* Unsettled: the nest and the queue stay as they are (their fds and
 * memory to the exit, reachable from the context): a queue is shared by
 * nests and on the context's list, either of which may be half changed. */
void fork_forget_nest(struct pasid_dev *dev)
{
	pthread_mutex_lock(&forget_lock);
	if (ctx_settled(dev->ctx))
		nested_forget(dev);
	pthread_mutex_unlock(&forget_lock);
}

void fork_forget_faultq(struct pasid_faultq *q)
{
	pthread_mutex_lock(&forget_lock);
	if (ctx_settled(q->ctx)) {
		q->freed = true;
		faultq_put(q);
	}
	pthread_mutex_unlock(&forget_lock);
}

void fork_forget_as(struct pasid_as *as)
{
	pthread_mutex_lock(&forget_lock);
	if (ctx_settled(as->ctx)) {
		forget_as(as);
	} else {
		/* set once at as_new, export or import: the fds at hand,
		 * read without a walk */
		share_forget(as);
		if (as->container >= 0)
			sys_close(as->container);
		as->container = -1;
	}
	pthread_mutex_unlock(&forget_lock);
}

void fork_forget_ctx(struct pasid_ctx *ctx)
{
	struct list_head *pos, *tmp;

	pthread_mutex_lock(&forget_lock);
	if (ctx_settled(ctx)) {
		list_for_each_safe(pos, tmp, &ctx->devs)
			forget_dev(container_of(pos, struct pasid_dev, ctx_node));
		list_for_each_safe(pos, tmp, &ctx->ases)
			forget_as(container_of(pos, struct pasid_as, ctx_node));
		faultq_forget_all(ctx);
		sys_close(ctx->iommufd);
		free(ctx->imports);
		free(ctx);
	} else {
		/* devices not closed one by one keep their fds to the exit */
		sys_close(ctx->iommufd);
	}
	pthread_mutex_unlock(&forget_lock);
}
