/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The library's public flows, each from a fresh machine (world.c) to a
 * closed context. Every call is a step (alloc.h): the allocation that fails
 * may be in any of them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "alloc.h"
#include "emu.h"
#include "libpasid/libpasid.h"
#include "libpasid/nested.h"
#include "sys.h"

#define PAGE 4096u

static void *pages(size_t n)
{
	void *p = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		alloc_bad("mmap of test buffers failed");
	return p;
}

static void ctx_only(void)
{
	struct pasid_ctx *ctx;

	alloc_world();
	CALL(pasid_ctx_open(&ctx, NULL));
	CALLV(pasid_ctx_close(ctx));
}

/* A name with "%s" in it is under the fake sysfs root (which is a fresh
 * temporary directory in every world). */
static const char *name_in(const char *fmt, char *buf, size_t len)
{
	snprintf(buf, len, fmt, emu_sysfs_root());
	return buf;
}

/* Open a by one name form, close it, close the context. */
static void open_by(const char *fmt)
{
	struct pasid_ctx *ctx;
	struct pasid_dev *dev;
	char buf[256];
	const char *name;

	alloc_world();
	name = name_in(fmt, buf, sizeof(buf));
	CALL(pasid_ctx_open(&ctx, NULL));
	CALL(pasid_dev_open(ctx, name, &dev));
	CALLV(pasid_dev_close(dev));
	CALLV(pasid_ctx_close(ctx));
}

static void open_bdf(void) { open_by(BDF_A); }
static void open_short(void) { open_by(BDF_A + 5); }
static void open_cdev(void) { open_by(CDEV_A); }
static void open_sysfs_bus(void) { open_by("/sys/bus/pci/devices/" BDF_A); }

static void open_sysfs_real(void) { open_by("%s/devices/pci0000:00/" BDF_A); }

static void open_fd(void)
{
	struct pasid_ctx *ctx;
	struct pasid_dev *dev;
	int fd;

	alloc_world();
	CALL(pasid_ctx_open(&ctx, NULL));
	fd = pasid_sys->open(CDEV_A, O_RDWR, 0);
	if (fd < 0)
		alloc_bad("open " CDEV_A " failed");
	/* a failed open_fd leaves the fd to the caller: close it then */
	alloc_step_begin();
	long ret = pasid_dev_open_fd(ctx, fd, &dev);
	alloc_step_end("pasid_dev_open_fd(ctx, fd, &dev)", ret);
	if (ret < 0) {
		pasid_sys->close(fd);
		fd = pasid_sys->open(CDEV_A, O_RDWR, 0);
		CALL(pasid_dev_open_fd(ctx, fd, &dev));
	}
	CALLV(pasid_ctx_close(ctx));
}

/* Address spaces and every way into them. */
/* The application-memory calls on an address space with a device; buf has
 * two pages that are not mapped. */
static void appmem_steps(struct pasid_dev *dev, struct pasid_as *as,
			 void *buf)
{
	uint64_t iova = 0x200000, pg, got;
	void *va;

	CALL(pasid_as_iova_check(as, 0x300000, PAGE, dev));
	CALL(pasid_as_set_iova_window(as, 0x200000, 0xfffffff));
	CALL(pasid_map(as, buf, 2 * PAGE, PASID_MAP_RW | PASID_MAP_TRY_IOVA,
		       &iova));
	CALL(pasid_as_page_sizes(as, &pg));
	CALL(pasid_as_va_to_iova(as, (char *)buf + PAGE, &got));
	CALL(pasid_as_iova_to_va(as, iova, &va));
	CALL(pasid_unmap_va(as, buf, 2 * PAGE));
	CALL(pasid_as_set_iova_window(as, 0, UINT64_MAX));
}

static void map_flow(void)
{
	struct pasid_iova_range r[4];
	struct pasid_ctx *ctx;
	struct pasid_dev *dev;
	struct pasid_as *as, *as2;
	uint64_t iova = 0x100000, iova2 = 0, iova3 = 0x400000, align;
	void *buf = pages(4);
	int memfd = memfd_create("alloc", MFD_CLOEXEC);

	if (memfd < 0 || ftruncate(memfd, 2 * PAGE))
		alloc_bad("memfd failed");
	alloc_world();
	CALL(pasid_ctx_open(&ctx, NULL));
	CALL(pasid_dev_open(ctx, BDF_A, &dev));
	CALL(pasid_as_new(ctx, &as));
	CALL(pasid_as_new(ctx, &as2));
	CALL(pasid_attach_rid(dev, as, PASID_RID_KERNEL_TABLE));
	CALL(pasid_map(as, buf, 2 * PAGE, PASID_MAP_RW | PASID_MAP_FIXED_IOVA,
		       &iova));
	CALL(pasid_map(as, (char *)buf + 2 * PAGE, PAGE, PASID_MAP_READ,
		       &iova2));
	/* the first lookup by address: it builds the index (allocates) */
	CALL(pasid_unmap_va(as, (char *)buf + 2 * PAGE, PAGE));
	CALL(pasid_map_file(as, memfd, 0, 2 * PAGE, PASID_MAP_RW, &iova3));
	CALL(pasid_copy(as2, as, iova, 2 * PAGE, PASID_MAP_RW, &iova2));
	CALL(pasid_as_iova_ranges(as, r, 4, &align));
	CALL(pasid_unmap(as, iova, 2 * PAGE));
	CALLV(pasid_as_free(as2));
	appmem_steps(dev, as, buf);
	CALLV(pasid_ctx_close(ctx));
	close(memfd);
	munmap(buf, 4 * PAGE);
}

/* Export and import again: a failed import has consumed the message. */
static int export_import(struct pasid_ctx *ctx, const int *sv,
			 struct pasid_as *as, struct pasid_ctx **sec)
{
	int ret = pasid_ctx_export(ctx, sv[0], &as, 1, 0);

	return ret ? ret : pasid_ctx_import(sv[1], sec, NULL);
}

/* A secondary maps into the primary's address space; the primary frees
 * it first, the secondary's close unmaps its own. */
static void share_flow(void)
{
	struct pasid_ctx *ctx, *sec;
	struct pasid_dev *dev;
	struct pasid_as *as, *sas;
	uint64_t iova, iova2;
	void *buf = pages(2);
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		alloc_bad("socketpair failed");
	alloc_world();
	CALL(pasid_ctx_open(&ctx, NULL));
	CALL(pasid_dev_open(ctx, BDF_A, &dev));
	CALL(pasid_as_new(ctx, &as));
	CALL(pasid_attach_rid(dev, as, 0));
	CALL(export_import(ctx, sv, as, &sec));
	CALL(pasid_ctx_import_as(sec, 0, &sas));
	CALL(pasid_map(sas, buf, PAGE, PASID_MAP_RW, &iova));
	CALL(pasid_as_va_to_iova(sas, buf, &iova2));
	CALL(pasid_unmap(sas, iova, PAGE));
	CALL(pasid_map(sas, (char *)buf + PAGE, PAGE, PASID_MAP_RW, &iova2));
	CALLV(pasid_as_free(as));
	CALLV(pasid_ctx_close(sec));
	CALLV(pasid_ctx_close(ctx));
	close(sv[0]);
	close(sv[1]);
	munmap(buf, 2 * PAGE);
}

/* The VFIO type1 backend: two devices of one group in one container. */
static void type1_flow(void)
{
	struct pasid_iova_range r[4];
	struct pasid_ctx *ctx;
	struct pasid_dev *a, *b;
	struct pasid_as *as;
	uint64_t iova = 0x100000, iova2 = 0, align;
	void *buf = pages(3);

	alloc_world_on(EMU_PROFILE_TYPE1);
	CALL(pasid_ctx_open(&ctx, NULL));
	CALL(pasid_dev_open(ctx, BDF_A, &a));
	CALL(pasid_dev_open(ctx, BDF_B, &b));
	CALL(pasid_as_new(ctx, &as));
	CALL(pasid_attach_rid(a, as, 0));
	CALL(pasid_attach_rid(b, as, 0));
	CALL(pasid_map(as, buf, 2 * PAGE, PASID_MAP_RW | PASID_MAP_FIXED_IOVA,
		       &iova));
	CALL(pasid_map(as, (char *)buf + 2 * PAGE, PAGE, PASID_MAP_READ,
		       &iova2));
	CALL(pasid_as_iova_ranges(as, r, 4, &align));
	CALL(pasid_unmap(as, iova, 2 * PAGE));
	appmem_steps(b, as, buf);
	CALL(pasid_detach_rid(b));
	CALLV(pasid_dev_close(b));
	CALLV(pasid_ctx_close(ctx));
	munmap(buf, 3 * PAGE);
}

/* A kernel without PASID attach: two devices of one group in one address
 * space, iommufd's maps, copy and ranges, the RID moved and detached. */
static void rid_flow(enum emu_profile profile)
{
	struct pasid_iova_range r[4];
	struct pasid_ctx *ctx;
	struct pasid_dev *a, *b;
	struct pasid_as *as, *as2;
	uint64_t iova = 0x100000, iova2 = 0, copied = 0, align;
	void *buf = pages(3);

	alloc_world_on(profile);
	CALL(pasid_ctx_open(&ctx, NULL));
	CALL(pasid_dev_open(ctx, BDF_A, &a));
	CALL(pasid_dev_open(ctx, BDF_B, &b));
	CALL(pasid_as_new(ctx, &as));
	CALL(pasid_as_new(ctx, &as2));
	CALL(pasid_map(as, buf, 2 * PAGE, PASID_MAP_RW | PASID_MAP_FIXED_IOVA,
		       &iova));
	CALL(pasid_attach_rid(a, as, 0));
	CALL(pasid_attach_rid(b, as, 0));
	CALL(pasid_map(as, (char *)buf + 2 * PAGE, PAGE, PASID_MAP_READ,
		       &iova2));
	CALL(pasid_copy(as2, as, iova, 2 * PAGE, PASID_MAP_RW, &copied));
	CALL(pasid_as_iova_ranges(as, r, 4, &align));
	CALL(pasid_unmap(as, iova, 2 * PAGE));
	CALL(pasid_detach_rid(b));
	CALL(pasid_detach_rid(a));
	CALL(pasid_attach_rid(a, as2, 0));
	CALLV(pasid_dev_close(b));
	CALLV(pasid_as_free(as));
	CALLV(pasid_ctx_close(ctx));
	munmap(buf, 3 * PAGE);
}

/* iommufd without the VFIO cdev: through the groups (iommufd-group) */
static void group_flow(void)
{
	rid_flow(EMU_PROFILE_NO_CDEV);
}

/* the cdev without PASIDs (6.6): iommufd with the kernel's tables */
static void no_pasid_flow(void)
{
	rid_flow(EMU_PROFILE_NO_PASID);
}

/* RID and PASIDs, on one device and across a group. */
static void bind_flow(void)
{
	struct pasid_ctx *ctx;
	struct pasid_dev *a, *b, *v;
	struct pasid_as *as1, *as2;
	int pasid = 0;

	alloc_world();
	CALL(pasid_ctx_open(&ctx, NULL));
	CALL(pasid_dev_open(ctx, BDF_A, &a));
	CALL(pasid_dev_open(ctx, BDF_B, &b));
	CALL(pasid_dev_open(ctx, BDF_V, &v));
	CALL(pasid_as_new(ctx, &as1));
	CALL(pasid_as_new(ctx, &as2));
	CALL(pasid_attach_rid(b, as1, PASID_RID_KERNEL_TABLE));
	/* moves the group's RID onto a PASID table */
	CALL(pasid = pasid_bind(a, as2, PASID_ANY));
	CALL(pasid_bind(a, as2, 7));
	CALL(pasid_bind(b, as1, 9));
	CALL(pasid_rebind(a, 7, as1));
	CALL(pasid_attach_rid(v, as1, 0));	/* virtio: falls back */
	CALL(pasid_unbind(a, (uint32_t)pasid));
	CALL(pasid_detach_rid(v));
	CALLV(pasid_as_free(as2));
	CALLV(pasid_dev_close(b));
	CALLV(pasid_ctx_close(ctx));
}

/* A PASID in another part of the space after the space emptied: the
 * records keep the emptied part for the next bind, and a failure while
 * growing them must not lose it. */
static void bind_after_empty_flow(void)
{
	struct pasid_ctx *ctx;
	struct pasid_dev *a;
	struct pasid_as *as;

	alloc_world();
	CALL(pasid_ctx_open(&ctx, NULL));
	CALL(pasid_dev_open(ctx, BDF_A, &a));
	CALL(pasid_as_new(ctx, &as));
	CALL(pasid_bind(a, as, 5));
	CALL(pasid_unbind(a, 5));
	CALL(pasid_bind(a, as, 0x9000));
	CALL(pasid_unbind(a, 0x9000));
	CALLV(pasid_ctx_close(ctx));
}

/* A nest (nested.h) with VT-d stage-1s: made, asked about, freed, made
 * again and left for the context's close. */
static void nest_flow(void)
{
	struct pasid_nest_info info = { .size = sizeof(info) };
	struct pasid_s1_opts s1o = {
		.size = sizeof(s1o), .root = 0x100000, .va_bits = 48,
	};
	const struct pasid_s1_range ranges[] = {
		{ 0x1000, 0x1000 }, { 0, PASID_S1_ALL },
	};
	struct pasid_s1 *s1;
	struct pasid_ctx *ctx;
	struct pasid_dev *a;
	struct pasid_as *as;
	struct pasid_nest *n;

	alloc_world();
	CALL(pasid_ctx_open(&ctx, NULL));
	CALL(pasid_dev_open(ctx, BDF_A, &a));
	CALL(pasid_as_new(ctx, &as));
	CALL(pasid_nest_new(a, as, NULL, &n));
	CALL(pasid_nest_info(n, &info));
	CALL(pasid_s1_attach(n, 1, &s1o, &s1));
	CALL(pasid_s1_invalidate(s1, ranges, 2, PASID_S1_INVAL_LEAF, NULL));
	CALLV(pasid_s1_free(s1));
	CALL(pasid_s1_attach(n, 2, &s1o, &s1));
	CALLV(pasid_nest_free(n));
	CALL(pasid_nest_new(a, as, NULL, &n));
	CALL(pasid_s1_attach(n, 1, &s1o, &s1));
	CALLV(pasid_ctx_close(ctx));
}

/* Dirty tracking, a fault queue with a page request read and answered
 * (VT-d), an SMMUv3 vEVENTQ with an event read; the queues left to the
 * nests and the context's close. */
static void nest_events_flow(void)
{
	struct pasid_nest_opts dirty = {
		.size = sizeof(dirty), .flags = PASID_NEST_DIRTY_TRACKING,
	}, faults = {
		.size = sizeof(faults), .flags = PASID_NEST_FAULTS,
	};
	struct pasid_s1_opts s1o = {
		.size = sizeof(s1o), .root = 0x100000, .va_bits = 48,
	};
	struct pasid_nest_info info = { .size = sizeof(info) };
	const uint64_t evt[4] = { 0x0a };
	uint64_t iova = 0x200000, bm;
	struct pasid_veventq *vq;
	struct pasid_faultq *fq;
	struct pasid_vevent ev;
	struct pasid_fault f;
	struct pasid_dev *a, *b, *s;
	struct pasid_nest *na, *nb, *ns;
	struct pasid_ctx *ctx;
	struct pasid_as *as;
	struct pasid_s1 *s1;
	unsigned int n;
	uint32_t v = 0;
	void *buf;

	alloc_world_smmu();
	buf = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		alloc_bad("mmap failed");
	CALL(pasid_ctx_open(&ctx, NULL));
	CALL(pasid_dev_open(ctx, BDF_A, &a));
	CALL(pasid_dev_open(ctx, BDF_S, &s));
	CALL(pasid_as_new(ctx, &as));
	CALL(pasid_map(as, buf, PAGE, PASID_MAP_RW | PASID_MAP_FIXED_IOVA,
		       &iova));
	CALL(pasid_nest_new(a, as, &dirty, &na));
	CALL(pasid_nest_dirty_set(na, 1));
	if (emu_dma_write(0, 0, iova, &v, sizeof(v)))
		alloc_bad("DMA through the dirty nest failed");
	CALL(pasid_nest_dirty_read(na, iova, PAGE, PAGE, &bm, sizeof(bm),
				   PASID_DIRTY_NO_CLEAR));
	CALL(pasid_nest_dirty_read(na, iova, PAGE, PAGE, &bm, sizeof(bm), 0));
	CALL(pasid_nest_dirty_set(na, 0));
	CALLV(pasid_nest_free(na));
	CALL(pasid_faultq_new(ctx, &fq));
	faults.faultq = fq;
	CALL(pasid_dev_open(ctx, BDF_B, &b));
	CALLV(pasid_dev_close(a));
	CALL(pasid_nest_new(b, as, &faults, &nb));
	CALL(pasid_s1_attach(nb, 1, &s1o, &s1));
	if (emu_dma_write(1, 1, 0x1000, &v, sizeof(v)) != -EAGAIN)
		alloc_bad("no page request");
	CALL(pasid_faultq_read(fq, &f, 1, &n));
	CALL(pasid_faultq_respond(fq, f.cookie, PASID_FAULT_SUCCESS));
	CALLV(pasid_faultq_free(fq));
	CALL(pasid_nest_new(s, as, NULL, &ns));
	CALL(pasid_nest_info(ns, &info));
	CALL(pasid_veventq_new(ns, 4, &vq));
	if (emu_vevent_inject(info.viommu_id, evt))
		alloc_bad("no vEVENTQ");
	CALL(pasid_veventq_read(vq, &ev, 1, &n));
	CALLV(pasid_ctx_close(ctx));
	munmap(buf, PAGE);
}

/* Discovery: no context. */
static void devlist_flow(void)
{
	struct pasid_devinfo info = { .size = sizeof(info) };
	struct pasid_devlist *list;

	alloc_world();
	CALL(pasid_devlist_new(&list));
	if (pasid_devlist_count(list) != 3)
		alloc_bad("the list has %zu devices, not 3",
			  pasid_devlist_count(list));
	CALL(pasid_devlist_get(list, 2, &info));
	CALLV(pasid_devlist_free(list));
}

static void devinfo_by(const char *fmt)
{
	struct pasid_devinfo info = { .size = sizeof(info) };
	char buf[256];
	const char *name;

	alloc_world();
	name = name_in(fmt, buf, sizeof(buf));
	CALL(pasid_devinfo_get(name, &info));
}

static void devinfo_bdf(void) { devinfo_by(BDF_A); }
static void devinfo_cdev(void) { devinfo_by(CDEV_A); }
static void devinfo_sysfs(void) { devinfo_by("/sys/bus/pci/devices/" BDF_V); }
static void devinfo_real(void) { devinfo_by("%s/devices/pci0000:00/" BDF_B); }

const struct alloc_flow alloc_lib_flows[] = {
	{ "ctx_open", ctx_only },
	{ "dev_open(bdf)", open_bdf },
	{ "dev_open(short bdf)", open_short },
	{ "dev_open(cdev)", open_cdev },
	{ "dev_open(/sys/bus/...)", open_sysfs_bus },
	{ "dev_open(sysfs dir)", open_sysfs_real },
	{ "dev_open_fd", open_fd },
	{ "as+map+copy+ranges", map_flow },
	{ "export+import+map+close", share_flow },
	{ "bind+group+rebind", bind_flow },
	{ "type1: open+attach+map+unmap+detach", type1_flow },
	{ "iommufd-group: attach+map+copy+move", group_flow },
	{ "6.6 cdev: attach+map+copy+move", no_pasid_flow },
	{ "bind after the space emptied", bind_after_empty_flow },
	{ "nest", nest_flow },
	{ "nest: dirty, faults, events", nest_events_flow },
	{ "devlist", devlist_flow },
	{ "devinfo_get(bdf)", devinfo_bdf },
	{ "devinfo_get(cdev)", devinfo_cdev },
	{ "devinfo_get(/sys/bus/...)", devinfo_sysfs },
	{ "devinfo_get(sysfs dir)", devinfo_real },
};
const unsigned int alloc_nlib_flows =
	sizeof(alloc_lib_flows) / sizeof(alloc_lib_flows[0]);
