/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Several threads on one context (libpasid.h: "all calls on one context ...
 * may be made from several threads"): binding and unbinding PASIDs, mapping
 * and unmapping, rebinding, opening and closing devices and address spaces,
 * all at once. Every call must succeed, no PASID may be handed out twice,
 * each thread's error message stays its own, and at the end the kernel's
 * counts are back where they started. Sized to run under valgrind too.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "fixture.h"
#include "internal.h"

#define NTHREADS 4
#define ITERS 30
#define WIDTH 8
#define MAXP (1u << WIDTH)
#define NDEVS 2

static struct pasid_dev *devs[NDEVS];
static int index_of[NDEVS];
static struct pasid_as *shared[2];
/* which thread holds PASID p of device d (0: none) */
static atomic_int owner[NDEVS][MAXP];
static pthread_barrier_t start;

struct worker {
	int t;
	char fail[256];		/* the first failure, "" if none */
};

/* ck_assert must not run in these threads (no longjmp across threads with
 * CK_FORK=no): note the first failure and end the thread. */
#define WCHECK(w, cond, ...)                                                 \
	do {                                                                  \
		if (!(cond)) {                                                \
			snprintf((w)->fail, sizeof((w)->fail), __VA_ARGS__);  \
			return NULL;                                          \
		}                                                             \
	} while (0)

static void setup_world(void)
{
	char bdf[16];
	int d;

	for (d = 0; d < NDEVS; d++) {
		snprintf(bdf, sizeof(bdf), "0000:00:%02x.0", 4 + d);
		devs[d] = fx_dev(bdf, EMU_IOMMU_INTEL, WIDTH, &index_of[d]);
		ck_assert_int_eq(pasid_attach_rid(devs[d], fx_as(), 0), 0);
	}
	shared[0] = fx_as();
	shared[1] = fx_as();
	memset(owner, 0, sizeof(owner));
}

/* Claim PASID p of device d for thread t; false if someone has it. */
static bool claim(int d, int p, int t)
{
	int none = 0;

	return atomic_compare_exchange_strong(&owner[d][p], &none, t + 1);
}

static void *churn(void *arg)
{
	struct worker *w = arg;
	struct pasid_as *own = NULL;
	void *buf = fx_buf(1);
	uint8_t pattern[32];
	int i, ret;

	pthread_barrier_wait(&start);
	WCHECK(w, pasid_as_new(fx.ctx, &own) == 0, "as_new: %s", pasid_errmsg());
	for (i = 0; i < ITERS; i++) {
		int d = (w->t + i) % NDEVS;
		struct pasid_as *as = i % 3 == 2 ? own : shared[i % 2];
		uint64_t iova = 0;
		int p;

		p = pasid_bind(devs[d], as, PASID_ANY);
		WCHECK(w, p > 0, "bind: %d %s", p, pasid_errmsg());
		WCHECK(w, pasid_errmsg()[0] == '\0', "message after success");
		WCHECK(w, claim(d, p, w->t), "PASID %d of device %d handed out twice",
		       p, d);
		ret = pasid_map(as, buf, FX_PAGE, PASID_MAP_RW, &iova);
		WCHECK(w, ret == 0, "map: %d %s", ret, pasid_errmsg());
		memset(pattern, (int)(w->t * 64 + i), sizeof(pattern));
		ret = emu_dma_write(index_of[d], (uint32_t)p, iova, pattern,
				    sizeof(pattern));
		WCHECK(w, ret == 0, "DMA: %d", ret);
		WCHECK(w, !memcmp(buf, pattern, sizeof(pattern)),
		       "DMA of PASID %d landed elsewhere", p);

		/* a failure in between: this thread's message, exactly */
		ret = pasid_bind(devs[d], as, 100000 + w->t);
		WCHECK(w, ret == -EINVAL, "bad bind: %d", ret);
		{
			char want[32];

			snprintf(want, sizeof(want), "PASID %d ", 100000 + w->t);
			WCHECK(w, strstr(pasid_errmsg(), want) != NULL,
			       "message '%s' is not this thread's",
			       pasid_errmsg());
		}

		if (i % 4 == 1) {
			ret = pasid_rebind(devs[d], (uint32_t)p,
					   shared[(i + 1) % 2]);
			WCHECK(w, ret == 0, "rebind: %d %s", ret, pasid_errmsg());
		}
		ret = pasid_unmap(as, iova, FX_PAGE);
		WCHECK(w, ret == 0, "unmap: %d %s", ret, pasid_errmsg());
		atomic_store(&owner[d][p], 0);
		ret = pasid_unbind(devs[d], (uint32_t)p);
		WCHECK(w, ret == 0, "unbind %d: %d %s", p, ret, pasid_errmsg());
	}
	pasid_as_free(own);
	return NULL;
}

static void run_workers(void *(*fn)(void *))
{
	struct worker w[NTHREADS];
	pthread_t th[NTHREADS];
	int t;

	ck_assert_int_eq(pthread_barrier_init(&start, NULL, NTHREADS), 0);
	for (t = 0; t < NTHREADS; t++) {
		memset(&w[t], 0, sizeof(w[t]));
		w[t].t = t;
		ck_assert_int_eq(pthread_create(&th[t], NULL, fn, &w[t]), 0);
	}
	for (t = 0; t < NTHREADS; t++)
		ck_assert_int_eq(pthread_join(th[t], NULL), 0);
	pthread_barrier_destroy(&start);
	for (t = 0; t < NTHREADS; t++)
		ck_assert_msg(!w[t].fail[0], "thread %d: %s", t, w[t].fail);
}

static void ck_no_pasids(void)
{
	int d;
	uint32_t p;

	for (d = 0; d < NDEVS; d++)
		for (p = 1; p < MAXP; p++)
			ck_assert_uint_eq(fx_pasid_pt(index_of[d], p), 0);
}

/* IOVA = VA maps, lookups and unmaps by address of several threads in one
 * address space, while one of them moves the IOVA window: each thread
 * finds its own mappings at the IOVAs it was given, and nothing else. */
static void *appmem(void *arg)
{
	struct worker *w = arg;
	struct pasid_as *as = shared[0];
	uint8_t *buf = fx_buf(2);
	int i, ret;

	pthread_barrier_wait(&start);
	for (i = 0; i < ITERS; i++) {
		uint64_t iova = (uintptr_t)buf, got = 0;
		void *va = NULL;

		if (w->t == 0 && i % 5 == 0) {
			ret = pasid_as_set_iova_window(as, i % 10 ? 0x40000000 : 0,
						       i % 10 ? 0x7fffffff :
						       UINT64_MAX);
			WCHECK(w, ret == 0, "window: %d %s", ret,
			       pasid_errmsg());
		}
		ret = pasid_map(as, buf, 2 * FX_PAGE,
				PASID_MAP_RW | PASID_MAP_TRY_IOVA, &iova);
		WCHECK(w, ret == 0, "map: %d %s", ret, pasid_errmsg());
		ret = pasid_as_va_to_iova(as, buf + FX_PAGE + 1, &got);
		WCHECK(w, ret == 0 && got == iova + FX_PAGE + 1,
		       "va_to_iova: %d 0x%llx, mapped at 0x%llx", ret,
		       (unsigned long long)got, (unsigned long long)iova);
		ret = pasid_as_iova_to_va(as, iova + 3, &va);
		WCHECK(w, ret == 0 && va == buf + 3, "iova_to_va: %d", ret);
		ret = pasid_unmap_va(as, buf, 2 * FX_PAGE);
		WCHECK(w, ret == 0, "unmap_va: %d %s", ret, pasid_errmsg());
		ret = pasid_as_va_to_iova(as, buf, &got);
		WCHECK(w, ret == -ENOENT, "found after unmap: %d", ret);
	}
	return NULL;
}

START_TEST(appmem_churn)
{
	struct fx_state before;

	setup_world();
	before = fx_state();
	run_workers(appmem);
	ck_assert_state_eq(fx_state(), before);
	ck_assert_uint_eq(emu_mapped_bytes(), 0);
}
END_TEST

START_TEST(bind_map_churn)
{
	struct fx_state before;

	setup_world();
	before = fx_state();
	run_workers(churn);
	ck_no_pasids();
	ck_assert_state_eq(fx_state_settled(), before);
	/* the library's records agree: everything can be bound again */
	ck_assert_int_eq(pasid_bind(devs[0], shared[0], 1), 1);
	ck_assert_int_eq(pasid_bind(devs[1], shared[1], MAXP - 1), MAXP - 1);
}
END_TEST

#define HOLD 12

/* Like WCHECK, but go on to the next barrier: the others wait there. */
#define HCHECK(w, cond, next, ...)                                           \
	do {                                                                  \
		if (!(cond)) {                                                \
			snprintf((w)->fail, sizeof((w)->fail), __VA_ARGS__);  \
			goto next;                                            \
		}                                                             \
	} while (0)

static void *hold(void *arg)
{
	struct worker *w = arg;
	int got[HOLD], n = 0, i, p;
	uint32_t pt;

	pthread_barrier_wait(&start);
	for (i = 0; i < HOLD; i++) {
		p = pasid_bind(devs[0], shared[i % 2], PASID_ANY);
		HCHECK(w, p > 0, held, "bind: %d %s", p, pasid_errmsg());
		got[n++] = p;
		HCHECK(w, claim(0, p, w->t), held, "PASID %d handed out twice",
		       p);
	}
held:
	/* wait until every thread holds all of its PASIDs */
	pthread_barrier_wait(&start);
	for (i = 0; i < n && !w->fail[0]; i++) {
		HCHECK(w, atomic_load(&owner[0][got[i]]) == w->t + 1, checked,
		       "PASID %d changed hands", got[i]);
		HCHECK(w, emu_pasid_pt(index_of[0], (uint32_t)got[i], &pt) == 0 &&
			  pt != 0, checked, "PASID %d not attached", got[i]);
	}
checked:
	pthread_barrier_wait(&start);
	for (i = 0; i < n; i++) {
		if (atomic_load(&owner[0][got[i]]) == w->t + 1)
			atomic_store(&owner[0][got[i]], 0);
		WCHECK(w, pasid_unbind(devs[0], (uint32_t)got[i]) == 0,
		       "unbind %d: %s", got[i], pasid_errmsg());
	}
	return NULL;
}

/* All threads hold their PASIDs at once: NTHREADS * HOLD distinct ones. */
START_TEST(bind_and_hold)
{
	struct fx_state before;
	int p, n = 0;

	setup_world();
	before = fx_state();
	run_workers(hold);
	for (p = 1; p < (int)MAXP; p++)
		n += atomic_load(&owner[0][p]) != 0;
	ck_assert_int_eq(n, 0);
	ck_no_pasids();
	ck_assert_state_eq(fx_state_settled(), before);
	/* PASID_ANY went on from where the threads stopped */
	p = pasid_bind(devs[0], shared[0], PASID_ANY);
	ck_assert_int_eq(p, NTHREADS * HOLD + 1);
}
END_TEST

/* Devices and address spaces come and go while others work. */
static void *open_close(void *arg)
{
	struct worker *w = arg;
	char bdf[16];
	int i;

	snprintf(bdf, sizeof(bdf), "0000:01:%02x.0", w->t);
	pthread_barrier_wait(&start);
	for (i = 0; i < ITERS / 3; i++) {
		struct pasid_dev *dev;
		struct pasid_as *as;
		uint64_t iova;
		int p;

		WCHECK(w, pasid_dev_open(fx.ctx, bdf, &dev) == 0, "open: %s",
		       pasid_errmsg());
		WCHECK(w, pasid_as_new(fx.ctx, &as) == 0, "as_new: %s",
		       pasid_errmsg());
		p = pasid_bind(dev, i % 2 ? as : shared[0], PASID_ANY);
		WCHECK(w, p > 0, "bind: %d %s", p, pasid_errmsg());
		WCHECK(w, pasid_attach_rid(dev, as, 0) == 0, "rid: %s",
		       pasid_errmsg());
		WCHECK(w, pasid_map(as, fx_buf(1), FX_PAGE, PASID_MAP_RW,
				    &iova) == 0, "map: %s", pasid_errmsg());
		/* tear down in an order that depends on the thread */
		if (w->t % 2) {
			pasid_dev_close(dev);
			pasid_as_free(as);
		} else {
			pasid_as_free(as);
			pasid_dev_close(dev);
		}
	}
	return NULL;
}

START_TEST(open_close_churn)
{
	struct fx_state before;
	char bdf[16];
	int t;

	setup_world();
	for (t = 0; t < NTHREADS; t++) {
		snprintf(bdf, sizeof(bdf), "0000:01:%02x.0", t);
		fx_add(bdf, EMU_IOMMU_INTEL, WIDTH);
	}
	before = fx_state();
	run_workers(open_close);
	ck_assert_state_eq(fx_state_settled(), before);
	ck_no_pasids();
}
END_TEST


/* ---- records against the kernel after a random race ---- */

#define RACE_ITERS 120
#define SLOTS 8
#define SLOT_IOVA(k) (0x10000000ULL + (uint64_t)(k) * 0x100000)
#define MAXOWN 16

/*
 * Every thread does random maps, unmaps, binds, unbinds and rebinds, many of
 * them on the same fixed IOVA slots and PASIDs as the others, so calls race
 * for the same ranges and the same PASID spaces. Each call must answer as
 * some serial order would (success, or EEXIST / ENOENT / EBUSY when another
 * thread got there first); afterwards the library's records must equal the
 * emulated kernel's state exactly.
 */
static void *racer(void *arg)
{
	struct worker *w = arg;
	unsigned int seed = 1234 + (unsigned int)w->t;
	uint64_t own_iova[MAXOWN];
	struct pasid_as *own_as[MAXOWN];
	int own_pasid[MAXOWN][2], nown = 0, nbound = 0, i, ret;
	void *buf = fx_buf(2);

	pthread_barrier_wait(&start);
	for (i = 0; i < RACE_ITERS; i++) {
		struct pasid_as *as = shared[rand_r(&seed) % 2];
		int d = rand_r(&seed) % NDEVS, k = rand_r(&seed) % SLOTS, j;
		uint32_t want;
		uint64_t iova = SLOT_IOVA(k);
		size_t len = FX_PAGE * (1 + rand_r(&seed) % 2);

		switch (rand_r(&seed) % 8) {
		case 0:		/* a shared slot: someone may hold it */
			ret = pasid_map(as, buf, len,
					PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &iova);
			WCHECK(w, ret == 0 || ret == -EEXIST, "map slot: %d %s",
			       ret, pasid_errmsg());
			break;
		case 1:		/* whatever is in a slot, if anything */
			ret = pasid_unmap(as, SLOT_IOVA(k), 0x100000);
			WCHECK(w, ret == 0 || ret == -ENOENT, "unmap slot: %d %s",
			       ret, pasid_errmsg());
			break;
		case 2:
			if (nown == MAXOWN)
				break;
			ret = pasid_map(as, buf, len, PASID_MAP_RW, &iova);
			WCHECK(w, ret == 0, "map: %d %s", ret, pasid_errmsg());
			own_iova[nown] = iova;
			own_as[nown++] = as;
			break;
		case 3:		/* this thread's own: must go */
			if (!nown)
				break;
			j = rand_r(&seed) % nown;
			ret = pasid_unmap(own_as[j], own_iova[j], FX_PAGE);
			/* a 2-page mapping: the first page alone would cut it */
			if (ret == -ENOENT)
				ret = pasid_unmap(own_as[j], own_iova[j], 2 * FX_PAGE);
			WCHECK(w, ret == 0, "unmap own: %d %s", ret, pasid_errmsg());
			own_iova[j] = own_iova[--nown];
			own_as[j] = own_as[nown];
			break;
		case 4:		/* PASID_ANY, or a PASID others may want */
			if (nbound == MAXOWN)
				break;
			want = rand_r(&seed) % 2 ? PASID_ANY :
				1 + (uint32_t)rand_r(&seed) % 16;
			ret = pasid_bind(devs[d], as, want);
			WCHECK(w, ret > 0 || (want != PASID_ANY && ret == -EBUSY),
			       "bind %u: %d %s", want, ret, pasid_errmsg());
			if (ret > 0) {
				own_pasid[nbound][0] = d;
				own_pasid[nbound++][1] = ret;
			}
			break;
		case 5:
			if (!nbound)
				break;
			j = rand_r(&seed) % nbound;
			ret = pasid_unbind(devs[own_pasid[j][0]],
					   (uint32_t)own_pasid[j][1]);
			WCHECK(w, ret == 0, "unbind: %d %s", ret, pasid_errmsg());
			own_pasid[j][0] = own_pasid[--nbound][0];
			own_pasid[j][1] = own_pasid[nbound][1];
			break;
		case 6:
			if (!nbound)
				break;
			j = rand_r(&seed) % nbound;
			ret = pasid_rebind(devs[own_pasid[j][0]],
					   (uint32_t)own_pasid[j][1], as);
			WCHECK(w, ret == 0, "rebind: %d %s", ret, pasid_errmsg());
			break;
		default:
			ret = pasid_as_iova_ranges(as, NULL, 0, NULL);
			WCHECK(w, ret > 0, "iova ranges: %d %s", ret, pasid_errmsg());
		}
	}
	return NULL;
}

/* The library's records of as equal the kernel's: every recorded mapping
 * translates to its buffer; returns the bytes recorded. */
static uint64_t ck_record(struct pasid_as *as)
{
	const struct maprec_entry *e;
	uint64_t bytes = 0, off;
	void *va;

	for (e = maprec_first(&as->rec); e; e = maprec_next(e)) {
		for (off = 0; off < e->len; off += FX_PAGE) {
			ck_assert_int_eq(emu_ioas_translate(as->ioas_id,
							    e->iova + off, &va), 0);
			ck_assert_ptr_eq(va, (void *)(e->va + off));
		}
		bytes += e->len;
	}
	ck_assert_uint_eq(bytes, as->mapped_bytes);
	return bytes;
}

/* Every PASID's record names the table the kernel has it on, and every
 * table's reference count is what the records say. */
static void ck_bindings(void)
{
	struct pasid_as *ases[4] = { shared[0], shared[1], devs[0]->rid_as,
				     devs[1]->rid_as };
	unsigned int a, n;
	uint32_t p, pt;
	int d;

	for (d = 0; d < NDEVS; d++) {
		for (p = 1; p < MAXP; p++) {
			struct pasid_hwpt *h = idmap_get(&devs[d]->pasids, p);

			ck_assert_int_eq(emu_pasid_pt(index_of[d], p, &pt), 0);
			ck_assert_uint_eq(h ? h->id : 0, pt);
			ck_assert(idspace_test(&devs[d]->space->ids, p) == (h != NULL));
		}
	}
	/* refs: count the attachments that point at each table */
	for (a = 0; a < 4; a++) {
		struct list_head *pos;
		unsigned int idle = 0, i = 0;

		for (pos = ases[a]->hwpts.next; pos != &ases[a]->hwpts;
		     pos = pos->next, i++) {
			struct pasid_hwpt *h = container_of(pos, struct pasid_hwpt,
							    as_node);

			ck_assert_uint_lt(i, 4);	/* one IOMMU: few tables */
			n = 0;
			for (d = 0; d < NDEVS; d++) {
				n += devs[d]->rid_hwpt == h;
				for (p = 1; p < MAXP; p++)
					n += idmap_get(&devs[d]->pasids, p) == h;
			}
			ck_assert_uint_eq(h->refs, n);
			idle += !n;
		}
		ck_assert_uint_eq(bind_idle_tables(ases[a]), idle);
	}
}

START_TEST(records_match_kernel)
{
	uint64_t bytes;
	uint32_t p;
	int d;

	setup_world();
	run_workers(racer);
	bytes = ck_record(shared[0]) + ck_record(shared[1]);
	ck_assert_uint_eq(bytes, emu_mapped_bytes());
	ck_bindings();
	/* and the records are usable: everything goes away cleanly */
	for (d = 0; d < NDEVS; d++)
		for (p = 1; p < MAXP; p++)
			if (idmap_get(&devs[d]->pasids, p))
				ck_assert_int_eq(pasid_unbind(devs[d], p), 0);
	ck_no_pasids();
	ck_assert_int_eq(pasid_unmap(shared[0], 0, UINT64_MAX), 0);
	ck_assert_int_eq(pasid_unmap(shared[1], 0, UINT64_MAX), 0);
	ck_assert_uint_eq(emu_mapped_bytes(), 0);
}
END_TEST

/* Through a VFIO group an attach gives the device fd and a detach closes
 * it: pasid_dev_fd and pasid_dev_bar_map read it under the context lock,
 * so they see a valid fd or ENODEV, never a closed one (under TSan and
 * helgrind: no race on it). */
static struct fd_reader {
	struct pasid_dev *dev;
	pthread_mutex_t lock;	/* stop; a mutex, which helgrind follows */
	bool stop;
	int bad;
} reader = { .lock = PTHREAD_MUTEX_INITIALIZER };

static bool reader_stopped(void)
{
	bool stop;

	pthread_mutex_lock(&reader.lock);
	stop = reader.stop;
	pthread_mutex_unlock(&reader.lock);
	return stop;
}

static void *read_fds(void *arg)
{
	volatile void *bar;
	size_t len;
	int ret;

	(void)arg;
	while (!reader_stopped()) {
		ret = pasid_dev_fd(reader.dev);
		if (ret < 0 && ret != -ENODEV)
			reader.bad++;
		ret = pasid_dev_bar_map(reader.dev, 0, &bar, &len);
		if (!ret)
			pasid_dev_bar_unmap(reader.dev, bar, len);
		else if (ret != -ENODEV)
			reader.bad++;
	}
	return NULL;
}

START_TEST(group_fd_vs_detach)
{
	struct pasid_as *as;
	pthread_t t;
	int i, failed = 0;

	pasid_ctx_close(fx.ctx);
	fx.ctx = NULL;
	emu_fini();
	ck_assert_int_eq(emu_init(), 0);
	ck_assert_int_eq(emu_set_profile(EMU_PROFILE_NO_CDEV), 0);
	fx_add("0000:00:04.0", EMU_IOMMU_INTEL, 0);
	ck_assert_int_eq(pasid_ctx_open(&fx.ctx, NULL), 0);
	reader.dev = fx_open("0000:00:04.0");
	reader.stop = false;
	reader.bad = 0;
	as = fx_as();
	ck_assert_int_eq(pthread_create(&t, NULL, read_fds, NULL), 0);
	/* no ck_assert while the reader runs (CK_FORK=no: no longjmp) */
	for (i = 0; i < ITERS; i++) {
		int ret;

		failed += pasid_attach_rid(reader.dev, as, 0) != 0;
		/* EBUSY while the reader has the BAR mapped: the device
		 * stays attached (a close would not detach it) */
		while ((ret = pasid_detach_rid(reader.dev)) == -EBUSY)
			;
		failed += ret != 0;
	}
	pthread_mutex_lock(&reader.lock);
	reader.stop = true;
	pthread_mutex_unlock(&reader.lock);
	pthread_join(t, NULL);
	ck_assert_int_eq(failed, 0);
	ck_assert_int_eq(reader.bad, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("threads");
	TCase *tc = tcase_create("threads");

	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, bind_map_churn);
	tcase_add_test(tc, bind_and_hold);
	tcase_add_test(tc, open_close_churn);
	tcase_add_test(tc, records_match_kernel);
	tcase_add_test(tc, appmem_churn);
	tcase_add_test(tc, group_fd_vs_detach);
	suite_add_tcase(s, tc);
	return fx_run(s);
}
