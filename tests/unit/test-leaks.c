/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * "A failed call leaves no kernel object, file descriptor or memory behind
 * and changes no state the caller can see" (libpasid.h), proven by fault
 * injection: every call that takes several kernel steps is run once to count
 * its steps, then again from the same starting point with step n failing,
 * for every n. Each time the call must fail with a negative errno and a
 * message, the emulated kernel must hold exactly the objects, fds and
 * mappings it held before, every RID and PASID must be on the page table it
 * was on (as DMA through each of them shows), and the same call must then
 * succeed.
 *
 * Also: teardown (pasid_ctx_close) with any of its steps failing still
 * releases everything, and pasid_dev_open_fd's documented exception (a
 * failure after the bind leaves the caller a bound fd) holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fixture.h"
#include "libpasid/nested.h"
#include "sys.h"

#define BDF_A "0000:00:04.0"
#define BDF_B "0000:00:05.0"
#define BDF_V "0000:00:06.0"
#define BDF_S "0000:00:07.0"
#define PROBE 0x400000ULL	/* mapped in as1 and as2 */
#define SPARE 0x800000ULL	/* free in both */
#define NDEV 3
#define NPASID 4

/* The world every path starts from. */
static struct env {
	struct pasid_dev *a, *b, *v;	/* b: a's group sibling; v: virtio */
	struct pasid_as *as1, *as2;
	struct pasid_ctx *ctx2;
	struct pasid_as *newas;
	void *buf1;			/* mapped at PROBE in as1 */
	struct pasid_nest *nest;
	struct pasid_ctx *sec;		/* imported from fx.ctx */
	int sv[2];			/* the socketpair of the export */
	struct pasid_faultq *faultq;	/* freed by env_down */
	struct pasid_veventq *veventq;
	struct pasid_dev *s;		/* SMMUv3, outside the view */
	uint32_t cookie;
	int memfd;
	int ia, ib, iv, is;
} E;

/* The kernel generations every path runs on where it applies. */
#define GEN_CURRENT (1u << EMU_PROFILE_CURRENT)
#define GEN_TYPE1 (1u << EMU_PROFILE_TYPE1)
#define GEN_NO_CDEV (1u << EMU_PROFILE_NO_CDEV)
#define GEN_NO_PASID (1u << EMU_PROFILE_NO_PASID)
#define GEN_IOMMUFD (GEN_CURRENT | GEN_NO_PASID | GEN_NO_CDEV)
#define GEN_ALL (GEN_IOMMUFD | GEN_TYPE1)

static enum emu_profile profile;

static void env_up(bool group)
{
	struct emu_dev_cfg a = {
		.bdf = BDF_A, .iommu = EMU_IOMMU_INTEL, .pasid_log2 = 8,
		.group = 1, .dirty = true, .pri = true,
	};
	struct emu_dev_cfg b = a, v = {
		.bdf = BDF_V, .iommu = EMU_IOMMU_VIRTIO, .group = 3,
	}, sm = {
		.bdf = BDF_S, .iommu = EMU_IOMMU_SMMUV3, .pasid_log2 = 8,
		.group = 4,
	};
	uint64_t iova = PROBE;
	uint8_t page[FX_PAGE];
	void *buf;

	memset(&E, 0, sizeof(E));
	E.memfd = -1;
	E.sv[0] = E.sv[1] = -1;
	b.bdf = BDF_B;
	b.group = group ? 1 : 2;
	ck_assert_int_eq(emu_init(), 0);
	ck_assert_int_eq(emu_set_profile(profile), 0);
	E.ia = fx_add_cfg(&a);
	E.ib = fx_add_cfg(&b);
	E.iv = fx_add_cfg(&v);
	if (profile == EMU_PROFILE_CURRENT)
		E.is = fx_add_cfg(&sm);
	ck_assert_int_eq(pasid_ctx_open(&fx.ctx, NULL), 0);
	E.as1 = fx_as();
	E.as2 = fx_as();
	E.memfd = memfd_create("leaks", MFD_CLOEXEC);
	ck_assert_int_ge(E.memfd, 0);
	memset(page, 0x33, sizeof(page));
	ck_assert_int_eq(write(E.memfd, page, sizeof(page)), sizeof(page));
	if (profile == EMU_PROFILE_TYPE1)
		return;	/* a type1 container maps once a device is in it */
	buf = fx_buf(1);
	E.buf1 = buf;
	memset(buf, 0x11, FX_PAGE);
	ck_assert_int_eq(pasid_map(E.as1, buf, FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &iova), 0);
	buf = fx_buf(1);
	memset(buf, 0x22, FX_PAGE);
	ck_assert_int_eq(pasid_map(E.as2, buf, FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &iova), 0);
}

static void env_down(void)
{
	pasid_ctx_close(E.sec);
	if (E.sv[0] >= 0) {
		close(E.sv[0]);
		close(E.sv[1]);
	}
	/* the nests hold it: it goes with them */
	pasid_faultq_free(E.faultq);
	pasid_ctx_close(E.ctx2);
	pasid_ctx_close(fx.ctx);
	fx.ctx = NULL;
	if (E.memfd >= 0)
		close(E.memfd);
	ck_assert_uint_eq(emu_live_objects(), 0);
	ck_assert_uint_eq(emu_open_fds(), 0);
	ck_assert_uint_eq(emu_mapped_bytes(), 0);
}

/* ---- what the caller can see ---- */

struct view {
	struct fx_state k;
	int rid_ret[NDEV];
	uint32_t rid[NDEV];
	uint32_t pasid[NDEV][NPASID + 1];
	/* DMA read at PROBE through the RID (0) and PASIDs 1..NPASID */
	int dma_ret[NDEV][NPASID + 1];
	uint8_t dma[NDEV][NPASID + 1];
	int a_fd;			/* pasid_dev_fd(a) >= 0 */
	uint16_t a_command;		/* device a's PCI command register */
};

static void view(struct view *w)
{
	int d, p;

	memset(w, 0, sizeof(*w));
	w->k = fx_state();
	/* through a VFIO group the device has an fd only while attached */
	w->a_fd = E.a && pasid_dev_fd(E.a) >= 0;
	if (w->a_fd)
		ck_assert_int_eq(pasid_dev_config_read(E.a, 4, &w->a_command,
						       2), 0);
	for (d = 0; d < NDEV; d++) {
		w->rid_ret[d] = emu_rid_pt(d, &w->rid[d]);
		for (p = 0; p <= NPASID; p++) {
			if (p && !w->rid_ret[d])
				ck_assert_int_eq(emu_pasid_pt(d, (uint32_t)p,
							      &w->pasid[d][p]), 0);
			w->dma_ret[d][p] = emu_dma_read(d, (uint32_t)p, PROBE,
							&w->dma[d][p], 1);
		}
	}
}

/* Same page tables; an automatic table may have been re-made (new id) when
 * a RID moved off and back onto the kernel's table. */
static void same_pt(uint32_t x, uint32_t y, const char *what, int d, int p)
{
	if (fx_pt_kind(x) == FX_PT_AUTO && fx_pt_kind(y) == FX_PT_AUTO)
		return;
	ck_assert_msg(x == y, "%s of device %d PASID %d: page table %u, was %u",
		      what, d, p, y, x);
}

static void ck_view_eq(const struct view *was, const struct view *now)
{
	int d, p;

	ck_assert_state_eq(now->k, was->k);
	ck_assert_int_eq(now->a_fd, was->a_fd);
	ck_assert_uint_eq(now->a_command, was->a_command);
	for (d = 0; d < NDEV; d++) {
		ck_assert_int_eq(now->rid_ret[d], was->rid_ret[d]);
		same_pt(was->rid[d], now->rid[d], "RID", d, 0);
		ck_assert_int_eq(fx_pt_kind(now->rid[d]), fx_pt_kind(was->rid[d]));
		for (p = 0; p <= NPASID; p++) {
			same_pt(was->pasid[d][p], now->pasid[d][p], "PASID", d,
				p);
			ck_assert_msg(now->dma_ret[d][p] == was->dma_ret[d][p] &&
				      now->dma[d][p] == was->dma[d][p],
				      "DMA of device %d PASID %d: %d/0x%x, was %d/0x%x",
				      d, p, now->dma_ret[d][p], now->dma[d][p],
				      was->dma_ret[d][p], was->dma[d][p]);
		}
	}
}

/* ---- the paths ---- */

struct path {
	const char *name;
	unsigned int gens;	/* GEN_*: where the call succeeds */
	bool group;
	void (*setup)(void);
	int (*run)(void);
	/* kernel calls at the end of a successful run that only clean up
	 * (best effort, logged): their failure cannot fail the call */
	unsigned int cleanup_calls;
};

static void open_a(void)
{
	E.a = fx_open(BDF_A);
}

static void open_ab(void)
{
	E.a = fx_open(BDF_A);
	E.b = fx_open(BDF_B);
}

static void a_rid_kernel_as1(void)
{
	open_a();
	ck_assert_int_eq(pasid_attach_rid(E.a, E.as1, PASID_RID_KERNEL_TABLE),
			 0);
}

static void a_rid_as1_pasid1_as2(void)
{
	open_a();
	ck_assert_int_eq(pasid_attach_rid(E.a, E.as1, 0), 0);
	ck_assert_int_eq(pasid_bind(E.a, E.as2, 1), 1);
}

static void a_rid_as1_pasid1_as1(void)
{
	open_a();
	ck_assert_int_eq(pasid_attach_rid(E.a, E.as1, 0), 0);
	ck_assert_int_eq(pasid_bind(E.a, E.as1, 1), 1);
}

static void b_rid_kernel_as1(void)
{
	open_ab();
	ck_assert_int_eq(pasid_attach_rid(E.b, E.as1, PASID_RID_KERNEL_TABLE),
			 0);
}

static void open_v(void)
{
	E.v = fx_open(BDF_V);
}

static int run_ctx_open(void)
{
	return pasid_ctx_open(&E.ctx2, NULL);
}

static int run_dev_open(void)
{
	return pasid_dev_open(fx.ctx, BDF_A, &E.a);
}

static int run_as_new_map(void)
{
	uint64_t iova = PROBE;
	int ret;

	ret = pasid_as_new(fx.ctx, &E.newas);
	if (ret)
		return ret;
	ret = pasid_map(E.newas, fx_buf(2), 2 * FX_PAGE,
			PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &iova);
	if (ret) {
		/* what a caller does: give up the new address space */
		pasid_as_free(E.newas);
		E.newas = NULL;
	}
	return ret;
}

static int run_map(void)
{
	uint64_t iova = SPARE;

	return pasid_map(E.as1, fx_buf(1), FX_PAGE,
			 PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &iova);
}

static int run_map_file(void)
{
	uint64_t iova = SPARE;

	return pasid_map_file(E.as1, E.memfd, 0, FX_PAGE,
			      PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &iova);
}

static int run_copy(void)
{
	uint64_t iova = SPARE;

	return pasid_copy(E.as2, E.as1, PROBE, FX_PAGE,
			  PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &iova);
}

static int run_bind_as1(void)
{
	return pasid_bind(E.a, E.as1, 1);
}

static int run_bind_any_as2(void)
{
	return pasid_bind(E.a, E.as2, PASID_ANY);
}

static int run_bind2_as2(void)
{
	return pasid_bind(E.a, E.as2, 2);
}

static int run_rebind(void)
{
	return pasid_rebind(E.a, 1, E.as2);
}

static int run_rid_default_as1(void)
{
	return pasid_attach_rid(E.a, E.as1, 0);
}

static int run_rid_default_as2(void)
{
	return pasid_attach_rid(E.a, E.as2, 0);
}

static int run_rid_virtio(void)
{
	return pasid_attach_rid(E.v, E.as1, 0);
}

static int run_iova_ranges(void)
{
	struct pasid_iova_range r[4];

	return pasid_as_iova_ranges(E.as1, r, 4, NULL);
}

static int run_set_window(void)
{
	return pasid_as_set_iova_window(E.as1, 0x40000000, 0x4fffffff);
}

/* PROBE is taken: the check says so, and the IOVA is chosen */
static int run_map_try(void)
{
	uint64_t iova = PROBE;

	return pasid_map(E.as1, fx_buf(1), FX_PAGE,
			 PASID_MAP_RW | PASID_MAP_TRY_IOVA, &iova);
}

static int run_unmap_va(void)
{
	return pasid_unmap_va(E.as1, E.buf1, FX_PAGE);
}

static int run_iova_check(void)
{
	return pasid_as_iova_check(E.as1, SPARE, FX_PAGE, E.a);
}

static int run_page_sizes(void)
{
	uint64_t pg;

	return pasid_as_page_sizes(E.as1, &pg);
}

/* share.c: the export makes no kernel call, the import one per IOAS */
static int run_import(void)
{
	struct pasid_as *both[2] = { E.as1, E.as2 };
	int ret;

	if (E.sv[0] < 0)
		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC,
					    0, E.sv), 0);
	ret = pasid_ctx_export(fx.ctx, E.sv[0], both, 2, 0);
	if (!ret)
		ret = pasid_ctx_import(E.sv[1], &E.sec, NULL);
	return ret < 0 ? ret : 0;
}

static int run_nest_new(void)
{
	struct pasid_nest *n;

	return pasid_nest_new(E.a, E.as1, NULL, &n);
}

static void a_nest_as1(void)
{
	struct pasid_nest *n;

	open_a();
	ck_assert_int_eq(pasid_nest_new(E.a, E.as1, NULL, &n), 0);
	E.nest = n;
}

static int run_s1_attach(void)
{
	struct pasid_s1_opts o = {
		.size = sizeof(o), .root = PROBE, .va_bits = 48,
	};
	struct pasid_s1 *s1;

	return pasid_s1_attach(E.nest, 1, &o, &s1);
}

/* ---- dirty tracking, fault queues, vEVENTQs ---- */

static void a_dirty_nest(void)
{
	struct pasid_nest_opts o = {
		.size = sizeof(o), .flags = PASID_NEST_DIRTY_TRACKING,
	};

	open_a();
	ck_assert_int_eq(pasid_nest_new(E.a, E.as1, &o, &E.nest), 0);
}

static void a_dirty_nest_on(void)
{
	a_dirty_nest();
	ck_assert_int_eq(pasid_nest_dirty_set(E.nest, 1), 0);
}

static int run_dirty_set(void)
{
	return pasid_nest_dirty_set(E.nest, 1);
}

static int run_dirty_read(void)
{
	uint64_t bm;

	return pasid_nest_dirty_read(E.nest, PROBE, FX_PAGE, FX_PAGE, &bm,
				     sizeof(bm), 0);
}

static int run_faultq_new(void)
{
	struct pasid_faultq *q;
	int ret = pasid_faultq_new(fx.ctx, &q);

	pasid_faultq_free(ret ? NULL : q);	/* its DESTROY: cleanup */
	return ret;
}

static void a_faultq(void)
{
	open_a();
	ck_assert_int_eq(pasid_faultq_new(fx.ctx, &E.faultq), 0);
}

static int run_nest_faults(void)
{
	struct pasid_nest_opts o = {
		.size = sizeof(o), .flags = PASID_NEST_FAULTS,
		.faultq = E.faultq,
	};
	struct pasid_nest *n;

	return pasid_nest_new(E.a, E.as1, &o, &n);
}

static void a_fault_nest(void)
{
	struct pasid_nest_opts o = {
		.size = sizeof(o), .flags = PASID_NEST_FAULTS,
	};

	a_faultq();
	o.faultq = E.faultq;
	ck_assert_int_eq(pasid_nest_new(E.a, E.as1, &o, &E.nest), 0);
}

static void a_fault_waiting(void)
{
	uint32_t v = 0;

	a_fault_nest();
	ck_assert_int_eq(run_s1_attach(), 0);
	ck_assert_int_eq(emu_dma_write(E.ia, 1, 0x1000, &v, sizeof(v)),
			 -EAGAIN);
}

static int run_faultq_read(void)
{
	struct pasid_fault f;
	unsigned int n;
	int ret = pasid_faultq_read(E.faultq, &f, 1, &n);

	return ret ? ret : n == 1 ? 0 : -EPROTO;
}

static void a_fault_read(void)
{
	struct pasid_fault f;
	unsigned int n;

	a_fault_waiting();
	ck_assert_int_eq(pasid_faultq_read(E.faultq, &f, 1, &n), 0);
	ck_assert_uint_eq(n, 1);
	E.cookie = f.cookie;
}

static int run_faultq_respond(void)
{
	return pasid_faultq_respond(E.faultq, E.cookie, PASID_FAULT_SUCCESS);
}

static void s_nest(void)
{
	struct pasid_nest_opts o = {
		.size = sizeof(o), .flags = PASID_NEST_VIRT_ID, .virt_id = 9,
	};

	open_a();
	ck_assert_int_eq(pasid_dev_open(fx.ctx, BDF_S, &E.s), 0);
	ck_assert_int_eq(pasid_nest_new(E.s, E.as2, &o, &E.nest), 0);
}

static int run_veventq_new(void)
{
	struct pasid_veventq *q;

	return pasid_veventq_new(E.nest, 4, &q);
}

static void s_veventq_event(void)
{
	struct pasid_nest_info i = { .size = sizeof(i) };
	const uint64_t evt[4] = { 0x0a };

	s_nest();
	ck_assert_int_eq(pasid_veventq_new(E.nest, 4, &E.veventq), 0);
	ck_assert_int_eq(pasid_nest_info(E.nest, &i), 0);
	ck_assert_int_eq(emu_vevent_inject(i.viommu_id, evt), 0);
}

static int run_veventq_read(void)
{
	struct pasid_vevent ev;
	unsigned int n;
	int ret = pasid_veventq_read(E.veventq, &ev, 1, &n);

	return ret ? ret : n == 1 ? 0 : -EPROTO;
}

static int run_bus_master(void)
{
	return pasid_dev_set_bus_master(E.a, true);
}

static int run_detach(void)
{
	return pasid_detach_rid(E.a);
}

static const struct path paths[] = {
	{ "ctx_open", GEN_ALL, false, NULL, run_ctx_open, 0 },
	{ "dev_open", GEN_ALL, false, NULL, run_dev_open, 0 },
	{ "as_new+map", GEN_IOMMUFD, false, a_rid_kernel_as1, run_as_new_map,
	  0 },
	{ "map", GEN_ALL, false, a_rid_kernel_as1, run_map, 0 },
	{ "map_file", GEN_CURRENT, false, a_rid_kernel_as1, run_map_file, 0 },
	{ "copy", GEN_IOMMUFD, false, a_rid_kernel_as1, run_copy, 0 },
	/* RID detached: page table + PASID attach */
	{ "bind", GEN_CURRENT, false, open_a, run_bind_as1, 0 },
	/* RID on the kernel's table of the same address space: it moves */
	{ "bind+move", GEN_CURRENT, false, a_rid_kernel_as1, run_bind_as1, 0 },
	/* ... of another address space: two page tables, move, attach */
	{ "bind_any+move", GEN_CURRENT, false, a_rid_kernel_as1,
	  run_bind_any_as2, 0 },
	/* the page table exists: just the attach */
	{ "bind_shared", GEN_CURRENT, false, a_rid_as1_pasid1_as2,
	  run_bind2_as2, 0 },
	/* the sibling's RID holds the group on the kernel's table */
	{ "bind+group_move", GEN_CURRENT, true, b_rid_kernel_as1,
	  run_bind_any_as2, 0 },
	/* the old page table stays (the RID uses it) */
	{ "rebind", GEN_CURRENT, false, a_rid_as1_pasid1_as1, run_rebind, 0 },
	{ "attach_rid", GEN_ALL, false, open_a, run_rid_default_as1, 0 },
	/* from the kernel's table to a PASID-capable one elsewhere (6.6:
	 * to the kernel's table there) */
	{ "attach_rid_replace", GEN_CURRENT | GEN_NO_PASID, false,
	  a_rid_kernel_as1, run_rid_default_as2, 0 },
	/* the PASID table is refused, the kernel's is used */
	{ "attach_rid_fallback", GEN_CURRENT | GEN_NO_PASID, false, open_v,
	  run_rid_virtio, 0 },
	{ "iova_ranges", GEN_IOMMUFD, false, a_rid_kernel_as1,
	  run_iova_ranges, 0 },
	{ "bus_master", GEN_CURRENT | GEN_NO_PASID, false, open_a,
	  run_bus_master, 0 },
	/* through a VFIO group the device fd comes with the attach */
	{ "bus_master_attached", GEN_NO_CDEV | GEN_TYPE1, false,
	  a_rid_kernel_as1, run_bus_master, 0 },
	/* iommufd-group: the detach is a close, no kernel call to fail;
	 * type1: a refused VFIO_GROUP_UNSET_CONTAINER leaves the device
	 * detached and its group in the container, EBUSY (unit/type1) */
	{ "detach_rid", GEN_CURRENT | GEN_NO_PASID, false,
	  a_rid_kernel_as1, run_detach, 0 },
	{ "set_iova_window", GEN_IOMMUFD, false, a_rid_kernel_as1,
	  run_set_window, 0 },
	{ "map_try_iova", GEN_IOMMUFD, false, a_rid_kernel_as1, run_map_try, 0 },
	{ "unmap_va", GEN_IOMMUFD, false, a_rid_kernel_as1, run_unmap_va, 0 },
	{ "iova_check", GEN_IOMMUFD, false, open_a, run_iova_check, 0 },
	{ "page_sizes", GEN_IOMMUFD, false, a_rid_kernel_as1, run_page_sizes, 0 },
	{ "import", GEN_IOMMUFD, false, a_rid_kernel_as1, run_import, 0 },
	/* nested.h: the stage-2 and the RID on it */
	{ "nest_new", GEN_CURRENT, false, open_a, run_nest_new, 0 },
	/* VT-d: a nested page table, attached at the PASID */
	{ "s1_attach", GEN_CURRENT, false, a_nest_as1, run_s1_attach, 0 },
	{ "dirty_set", GEN_CURRENT, false, a_dirty_nest, run_dirty_set, 0 },
	{ "dirty_read", GEN_CURRENT, false, a_dirty_nest_on, run_dirty_read,
	  0 },
	{ "faultq_new", GEN_CURRENT, false, NULL, run_faultq_new, 1 },
	{ "nest_new_faults", GEN_CURRENT, false, a_faultq, run_nest_faults,
	  0 },
	/* VT-d: the PASID's nested page table with the fault queue */
	{ "s1_attach_faults", GEN_CURRENT, false, a_fault_nest, run_s1_attach,
	  0 },
	{ "faultq_read", GEN_CURRENT, false, a_fault_waiting, run_faultq_read,
	  0 },
	{ "faultq_respond", GEN_CURRENT, false, a_fault_read,
	  run_faultq_respond, 0 },
	{ "veventq_new", GEN_CURRENT, false, s_nest, run_veventq_new, 0 },
	{ "veventq_read", GEN_CURRENT, false, s_veventq_event,
	  run_veventq_read, 0 },
};

#define NPATHS (sizeof(paths) / sizeof(paths[0]))
#define NGENS 4
static const int errs[] = { EIO, ENOMEM };

/* every (generation, path) where the path applies */
static struct run {
	enum emu_profile gen;
	const struct path *path;
} runs[NGENS * NPATHS];
static int nruns;

START_TEST(failed_call_leaves_nothing)
{
	const struct path *p = runs[_i / 2].path;
	int err = errs[_i % 2];
	struct view was, now;
	unsigned int n, steps, c0;
	char msg[512];
	int ret;

	profile = runs[_i / 2].gen;
	/* count the steps of a successful run */
	env_up(p->group);
	if (p->setup)
		p->setup();
	c0 = emu_calls();
	ret = p->run();
	ck_assert_msg(ret >= 0, "%s (profile %d): %d (%s)", p->name, profile,
		      ret, pasid_errmsg());
	steps = emu_calls() - c0 - p->cleanup_calls;
	ck_assert_uint_ge(steps, 1);
	env_down();

	for (n = 1; n <= steps; n++) {
		env_up(p->group);
		if (p->setup)
			p->setup();
		view(&was);
		emu_fail_call(n, err);
		ret = p->run();
		snprintf(msg, sizeof(msg), "%s", pasid_errmsg());
		emu_fail_call(0, 0);
		ck_assert_msg(ret == -err,
			      "%s (profile %d) with step %u of %u failing %s: returned %d",
			      p->name, profile, n, steps, strerrorname_np(err),
			      ret);
		ck_assert_msg(msg[0], "%s step %u: no message", p->name, n);
		view(&now);
		ck_view_eq(&was, &now);
		/* nothing stale in the library either: the call works now */
		ret = p->run();
		ck_assert_msg(ret >= 0, "%s after step %u failed: %d (%s)",
			      p->name, n, ret, pasid_errmsg());
		env_down();
	}
	/* back to what the fixture expects */
	profile = EMU_PROFILE_CURRENT;
	ck_assert_int_eq(emu_init(), 0);
}
END_TEST

/* pasid_dev_open_fd: before the bind the fd is the caller's, untouched;
 * after it, the caller has a bound fd that it can only close. Either way
 * closing it leaves nothing. */
START_TEST(open_fd_steps)
{
	struct fx_state before;
	struct pasid_dev *dev;
	unsigned int n;
	int fd, ret;

	for (n = 1; n <= 2; n++) {
		env_up(false);
		before = fx_state();
		fd = pasid_sys->open("/dev/vfio/devices/vfio0", O_RDWR, 0);
		ck_assert_int_ge(fd, 0);
		emu_fail_call(n, errs[_i]);
		ret = pasid_dev_open_fd(fx.ctx, fd, &dev);
		emu_fail_call(0, 0);
		ck_assert_int_eq(ret, -errs[_i]);
		ck_assert_ptr_null(dev);
		ck_assert_uint_eq(emu_open_fds(), before.fds + 1);
		ck_assert_int_eq(pasid_sys->close(fd), 0);
		ck_assert_state_eq(fx_state(), before);
		env_down();
	}
	ck_assert_int_eq(emu_init(), 0);
}
END_TEST

/* Closing a context whose steps fail still releases everything: what the
 * library could not undo goes with the iommufd and the device fds. */
START_TEST(close_with_failures)
{
	unsigned int n, steps = 0, c0;
	int err = errs[_i];

	for (n = 0; n == 0 || n <= steps; n++) {
		env_up(true);
		open_ab();
		ck_assert_int_eq(pasid_attach_rid(E.a, E.as1, 0), 0);
		ck_assert_int_eq(pasid_attach_rid(E.b, E.as1, 0), 0);
		ck_assert_int_eq(pasid_bind(E.a, E.as2, 1), 1);
		ck_assert_int_eq(pasid_bind(E.b, E.as2, 1), 1);
		ck_assert_int_eq(pasid_bind(E.b, E.as1, 2), 2);
		c0 = emu_calls();
		if (n)
			emu_fail_call(n, err);
		pasid_ctx_close(fx.ctx);
		fx.ctx = NULL;
		emu_fail_call(0, 0);
		if (!n)
			steps = emu_calls() - c0;
		env_down();
	}
	ck_assert_uint_ge(steps, 5);
	ck_assert_int_eq(emu_init(), 0);
}
END_TEST

/* Freeing an address space or closing a device with failing steps: the
 * library forgets the objects, the context releases them at close. */
START_TEST(free_with_failures)
{
	unsigned int n;
	int err = errs[_i];

	for (n = 1; n <= 4; n++) {
		env_up(false);
		open_a();
		ck_assert_int_eq(pasid_attach_rid(E.a, E.as1, 0), 0);
		ck_assert_int_eq(pasid_bind(E.a, E.as1, 1), 1);
		ck_assert_int_eq(pasid_bind(E.a, E.as2, 2), 2);
		emu_fail_call(n, err);
		pasid_as_free(E.as1);
		emu_fail_call(0, 0);
		/* the device goes on with the other address space */
		ck_assert_int_eq(pasid_unbind(E.a, 1), -ENOENT);
		ck_assert_int_eq(pasid_bind(E.a, E.as2, 3), 3);
		emu_fail_call(n, err);
		pasid_dev_close(E.a);
		emu_fail_call(0, 0);
		env_down();
	}
	ck_assert_int_eq(emu_init(), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("leaks");
	TCase *tc;

	for (int g = 0; g < NGENS; g++)
		for (size_t i = 0; i < NPATHS; i++)
			if (paths[i].gens & (1u << g))
				runs[nruns++] = (struct run){ g, &paths[i] };
	tc = tcase_create("paths");
	tcase_add_checked_fixture(tc, fx_setup_noctx, fx_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, failed_call_leaves_nothing, 0, 2 * nruns);
	tcase_add_loop_test(tc, open_fd_steps, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("teardown");
	tcase_add_checked_fixture(tc, fx_setup_noctx, fx_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, close_with_failures, 0, 2);
	tcase_add_loop_test(tc, free_with_failures, 0, 2);
	suite_add_tcase(s, tc);

	return fx_run(s);
}
