/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* The contended half of lock.h's mutex. */
#include "lock.h"

void lock_wait(struct lock *l, int c)
{
	/* announce a sleeper (2), then sleep until the holder's unlock
	 * wakes us; whoever finds it 0 on the exchange owns it */
	if (c != 2)
		c = atomic_exchange_explicit(&l->state, 2, memory_order_acquire);
	while (c != 0) {
		syscall(SYS_futex, &l->state, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0);
		c = atomic_exchange_explicit(&l->state, 2, memory_order_acquire);
	}
}
