/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* Shared setup of the core unit tests; see fixture.h. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "fixture.h"
#include "internal.h"

struct fx fx;

static struct {
	void *p;
	size_t len;
} *bufs;
static size_t nbufs, bufs_cap;
static pthread_mutex_t bufs_lock = PTHREAD_MUTEX_INITIALIZER;
static int next_group = 100;
static unsigned int pattern_seq;

/* A failed check ends the test's process without the teardown: remove the
 * emulation's sysfs tree anyway. */
static void fx_atexit(void)
{
	emu_fini();
}

void fx_setup_noctx(void)
{
	static bool registered;

	if (!registered) {
		atexit(fx_atexit);
		registered = true;
	}
	memset(&fx, 0, sizeof(fx));
	next_group = 100;
	ck_assert_int_eq(emu_init(), 0);
	ck_assert_uint_eq(emu_open_fds(), 0);
	ck_assert_uint_eq(emu_live_objects(), 0);
}

void fx_setup(void)
{
	fx_setup_noctx();
	ck_assert_int_eq(pasid_ctx_open(&fx.ctx, NULL), 0);
	ck_assert_ptr_nonnull(fx.ctx);
}

void fx_teardown(void)
{
	unsigned int objs, fds;
	unsigned long bytes;
	size_t i;

	pasid_ctx_close(fx.ctx);
	fx.ctx = NULL;
	/* what the context left behind, before emu_fini cleans up */
	objs = emu_live_objects();
	fds = emu_open_fds();
	bytes = emu_mapped_bytes();
	emu_fini();
	for (i = 0; i < nbufs; i++)
		munmap(bufs[i].p, bufs[i].len);
	free(bufs);
	bufs = NULL;
	nbufs = bufs_cap = 0;
	ck_assert_msg(objs == 0, "%u iommufd objects left after the test", objs);
	ck_assert_msg(fds == 0, "%u emulated fds left open after the test", fds);
	ck_assert_msg(bytes == 0, "%lu bytes left mapped after the test", bytes);
}

int fx_add_cfg(const struct emu_dev_cfg *cfg)
{
	int index = emu_add_device(cfg);

	ck_assert_msg(index >= 0, "emu_add_device(%s): %d", cfg->bdf, index);
	return index;
}

int fx_add(const char *bdf, enum emu_iommu iommu, unsigned int pasid_log2)
{
	struct emu_dev_cfg cfg = {
		.bdf = bdf,
		.iommu = iommu,
		.pasid_log2 = pasid_log2,
		.group = next_group++,
	};

	return fx_add_cfg(&cfg);
}

struct pasid_dev *fx_open(const char *bdf)
{
	struct pasid_dev *dev = NULL;
	int ret = pasid_dev_open(fx.ctx, bdf, &dev);

	ck_assert_msg(ret == 0, "pasid_dev_open(%s) = %d: %s", bdf, ret,
		      pasid_errmsg());
	ck_assert_ptr_nonnull(dev);
	return dev;
}

struct pasid_dev *fx_dev(const char *bdf, enum emu_iommu iommu,
			 unsigned int pasid_log2, int *index)
{
	int i = fx_add(bdf, iommu, pasid_log2);

	if (index)
		*index = i;
	return fx_open(bdf);
}

struct pasid_as *fx_as(void)
{
	struct pasid_as *as = NULL;

	ck_assert_int_eq(pasid_as_new(fx.ctx, &as), 0);
	ck_assert_ptr_nonnull(as);
	return as;
}

void *fx_buf(size_t npages)
{
	size_t len = npages * FX_PAGE;
	void *p, *n = NULL;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	/* threads of test-threads.c call this too */
	pthread_mutex_lock(&bufs_lock);
	if (p != MAP_FAILED && nbufs == bufs_cap) {
		size_t cap = bufs_cap ? 2 * bufs_cap : 16;

		n = realloc(bufs, cap * sizeof(*bufs));
		if (n) {
			bufs = n;
			bufs_cap = cap;
		}
	}
	if (p != MAP_FAILED && nbufs < bufs_cap) {
		bufs[nbufs].p = p;
		bufs[nbufs].len = len;
		nbufs++;
	} else if (p != MAP_FAILED) {
		munmap(p, len);
		p = MAP_FAILED;
	}
	pthread_mutex_unlock(&bufs_lock);
	ck_assert(p != MAP_FAILED);
	return p;
}

uint64_t fx_map(struct pasid_as *as, size_t npages, unsigned int flags,
		void **bufp)
{
	void *buf = fx_buf(npages);
	uint64_t iova = 0;
	int ret = pasid_map(as, buf, npages * FX_PAGE, flags, &iova);

	ck_assert_msg(ret == 0, "pasid_map = %d: %s", ret, pasid_errmsg());
	if (bufp)
		*bufp = buf;
	return iova;
}

struct fx_state fx_state(void)
{
	return (struct fx_state){
		.objs = emu_live_objects(),
		.fds = emu_open_fds(),
		.bytes = emu_mapped_bytes(),
	};
}

unsigned int fx_idle_tables(void)
{
	struct list_head *pos;
	unsigned int n = 0;

	for (pos = fx.ctx->ases.next; pos != &fx.ctx->ases; pos = pos->next)
		n += bind_idle_tables(container_of(pos, struct pasid_as,
						   ctx_node));
	return n;
}

struct fx_state fx_state_settled(void)
{
	struct fx_state s = fx_state();

	s.objs -= fx_idle_tables();
	return s;
}

enum fx_pt fx_pt_kind(uint32_t hwpt_id)
{
	if (!hwpt_id)
		return FX_PT_NONE;
	if (emu_hwpt_is_auto(hwpt_id))
		return FX_PT_AUTO;
	return emu_hwpt_pasid_capable(hwpt_id) ? FX_PT_PASID : FX_PT_OTHER;
}

uint32_t fx_rid_pt(int index)
{
	uint32_t pt = 0xdeadbeef;

	ck_assert_int_eq(emu_rid_pt(index, &pt), 0);
	return pt;
}

uint32_t fx_pasid_pt(int index, uint32_t pasid)
{
	uint32_t pt = 0xdeadbeef;

	ck_assert_int_eq(emu_pasid_pt(index, pasid, &pt), 0);
	return pt;
}

void fx_dma_check(int index, uint32_t pasid, uint64_t iova, void *buf)
{
	uint8_t pattern[64], back[64];
	size_t i;
	int ret;

	pattern_seq++;
	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(pattern_seq * 31 + i * 7 + index);
	ret = emu_dma_write(index, pasid, iova, pattern, sizeof(pattern));
	ck_assert_msg(ret == 0, "DMA write dev %d PASID %u IOVA 0x%llx: %d",
		      index, pasid, (unsigned long long)iova, ret);
	ck_assert_mem_eq(buf, pattern, sizeof(pattern));
	ret = emu_dma_read(index, pasid, iova, back, sizeof(back));
	ck_assert_int_eq(ret, 0);
	ck_assert_mem_eq(back, pattern, sizeof(pattern));
}

int fx_child_closes(struct pasid_dev *dev, struct pasid_as *as,
		    unsigned int nfds)
{
	unsigned int fds = emu_open_fds(), calls = emu_calls();

	pasid_as_free(as);
	pasid_dev_close(dev);
	pasid_ctx_close(fx.ctx);
	if (emu_calls() != calls) {
		fprintf(stderr, "child: closing made %u kernel calls\n",
			emu_calls() - calls);
		return 1;
	}
	if (emu_open_fds() != fds - nfds) {
		fprintf(stderr, "child: %u of the %u inherited fds closed\n",
			fds - emu_open_fds(), nfds);
		return 1;
	}
	return 0;
}

int fx_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
