/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The lock of an address space and of a context: a mutex of one int over futex(2), the protocol
 * glibc's own mutex uses (0 free, 1 held, 2 held and someone may sleep),
 * without its owner and type bookkeeping. Uncontended, lock and unlock are
 * one atomic instruction each, about 10 instructions in all against 55 for
 * pthread_mutex_lock+unlock: a third of what a whole pasid_map may cost.
 * A waiter sleeps in the kernel, never spins, so a preempted holder costs
 * nobody CPU time.
 *
 * ThreadSanitizer understands the C11 atomics. Helgrind does not, so the
 * helgrind test builds the library with LIBPASID_HELGRIND, which tells it
 * about each acquire and release through its client requests.
 */
#ifndef LIBPASID_LOCK_H
#define LIBPASID_LOCK_H

#include <linux/futex.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifdef LIBPASID_HELGRIND
#include <valgrind/helgrind.h>
#else
#define VALGRIND_HG_MUTEX_INIT_POST(l, rec) ((void)(l))
#define VALGRIND_HG_MUTEX_LOCK_PRE(l, try) ((void)(l))
#define VALGRIND_HG_MUTEX_LOCK_POST(l) ((void)(l))
#define VALGRIND_HG_MUTEX_UNLOCK_PRE(l) ((void)(l))
#define VALGRIND_HG_MUTEX_UNLOCK_POST(l) ((void)(l))
#define VALGRIND_HG_MUTEX_DESTROY_PRE(l) ((void)(l))
#endif

struct lock {
	atomic_int state;
};

static inline void lock_init(struct lock *l)
{
	atomic_init(&l->state, 0);
	VALGRIND_HG_MUTEX_INIT_POST(l, 0);
}

static inline void lock_destroy(struct lock *l)
{
	VALGRIND_HG_MUTEX_DESTROY_PRE(l);
}

/* lock.c: the contended path, out of line */
void lock_wait(struct lock *l, int c);

/* The uncontended path: free (0) to held (1). False: *c is the state seen. */
static inline bool lock_grab(struct lock *l, int *c)
{
	*c = 0;
	return atomic_compare_exchange_strong_explicit(&l->state, c, 1,
						       memory_order_acquire,
						       memory_order_relaxed);
}

static inline void lock_take(struct lock *l)
{
	int c;

	VALGRIND_HG_MUTEX_LOCK_PRE(l, 0);
	if (!lock_grab(l, &c))
		lock_wait(l, c);
	VALGRIND_HG_MUTEX_LOCK_POST(l);
}

/* Take the lock if it is free: true if taken. Never sleeps. */
static inline bool lock_try(struct lock *l)
{
	int c;

	VALGRIND_HG_MUTEX_LOCK_PRE(l, 1);
	if (!lock_grab(l, &c))
		return false;
	VALGRIND_HG_MUTEX_LOCK_POST(l);
	return true;
}

static inline void lock_give(struct lock *l)
{
	VALGRIND_HG_MUTEX_UNLOCK_PRE(l);
	if (atomic_exchange_explicit(&l->state, 0, memory_order_release) == 2)
		syscall(SYS_futex, &l->state, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	VALGRIND_HG_MUTEX_UNLOCK_POST(l);
}

#endif
