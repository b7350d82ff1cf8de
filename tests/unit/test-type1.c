/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The public calls on a kernel without iommufd: the emulation's type1
 * profile (doc/kernel-rules.md §10), where pasid_ctx_open falls back to the
 * VFIO type1 backend. Map, unmap, fixed IOVAs, ranges, attach and detach
 * with what users meet there (the DMA entry limit, no partial unmap, group
 * viability), and the clear EOPNOTSUPP for what type1 cannot do.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "internal.h"
#include "kabi.h"
#include "sys.h"

#define BDF "0000:00:04.0"

static void setup(void)
{
	fx_setup_noctx();
	ck_assert_int_eq(emu_set_profile(EMU_PROFILE_TYPE1), 0);
	ck_assert_int_eq(fx_add(BDF, EMU_IOMMU_INTEL, 8), 0);
	unsetenv("LIBPASID_BACKEND");
	ck_assert_int_eq(pasid_ctx_open(&fx.ctx, NULL), 0);
}

/* an opened device attached to a fresh address space */
static struct pasid_as *attached(struct pasid_dev **devp)
{
	struct pasid_as *as = fx_as();

	*devp = fx_open(BDF);
	ck_assert_int_eq(pasid_attach_rid(*devp, as, 0), 0);
	return as;
}

START_TEST(t_probe_and_caps)
{
	struct pasid_caps caps = { .size = sizeof(caps) };
	struct pasid_dev *dev = fx_open(BDF);

	ck_assert_int_eq(pasid_dev_caps(dev, &caps), 0);
	ck_assert_int_eq(caps.backend, PASID_BACKEND_TYPE1);
	ck_assert_uint_eq(caps.pasid_width, 0);
	ck_assert_int_eq(caps.vendor, PASID_IOMMU_INTEL_VTD);
	ck_assert_int_eq(pasid_ctx_fd(fx.ctx), -EOPNOTSUPP);
	ck_assert_errmsg("CONFIG_IOMMUFD is not set");
	/* asking for iommufd on this kernel: its own error, no fallback */
	{
		struct pasid_ctx_opts o = { .size = sizeof(o),
					    .backend = PASID_BACKEND_IOMMUFD };
		struct pasid_ctx *c;

		ck_assert_int_eq(pasid_ctx_open(&c, &o), -ENOENT);
		ck_assert_errmsg("CONFIG_IOMMUFD");
		setenv("LIBPASID_BACKEND", "iommufd", 1);
		ck_assert_int_eq(pasid_ctx_open(&c, NULL), -ENOENT);
		setenv("LIBPASID_BACKEND", "bogus", 1);
		ck_assert_int_eq(pasid_ctx_open(&c, NULL), -EINVAL);
		ck_assert_errmsg("LIBPASID_BACKEND=bogus");
		unsetenv("LIBPASID_BACKEND");
		o.backend = 7;
		ck_assert_int_eq(pasid_ctx_open(&c, &o), -EINVAL);
		/* the probe's fallback is a success: no message left */
		ck_assert_int_eq(pasid_ctx_open(&c, NULL), 0);
		ck_assert_str_eq(pasid_errmsg(), "");
		pasid_ctx_close(c);
	}
}
END_TEST

START_TEST(t_map_unmap)
{
	struct pasid_dev *dev;
	struct pasid_as *as = attached(&dev);
	uint64_t a, b, fixed = 0x40000000;
	void *buf;

	a = fx_map(as, 2, PASID_MAP_RW, &buf);
	b = fx_map(as, 1, PASID_MAP_RW, NULL);
	ck_assert_uint_ne(a, 0);
	ck_assert(b >= a + 2 * FX_PAGE || b + FX_PAGE <= a);
	ck_assert_int_eq(emu_t1_dma_entries(0), 2);
	fx_dma_check(0, 0, a, buf);
	ck_assert_int_eq(pasid_map(as, fx_buf(1), FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &fixed), 0);
	ck_assert_uint_eq(fixed, 0x40000000);
	/* a fixed map over a mapping: EEXIST before the kernel is asked */
	ck_assert_int_eq(pasid_map(as, fx_buf(1), FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &a), -EEXIST);
	ck_assert_errmsg("overlaps");
	/* no partial unmap */
	ck_assert_int_eq(pasid_unmap(as, a + FX_PAGE, FX_PAGE), -ENOENT);
	ck_assert_errmsg("in two");
	ck_assert_int_eq(emu_t1_dma_entries(0), 3);
	ck_assert_int_eq(pasid_unmap(as, a, 2 * FX_PAGE), 0);
	ck_assert_int_eq(pasid_unmap(as, fixed, FX_PAGE), 0);
	ck_assert_int_eq(pasid_unmap(as, b, FX_PAGE), 0);
	ck_assert_int_eq(emu_t1_dma_entries(0), 0);
	ck_assert_int_eq(pasid_unmap(as, b, FX_PAGE), -ENOENT);
	/* a freed IOVA is given out again */
	ck_assert_uint_eq(fx_map(as, 1, PASID_MAP_RW, NULL), a);
}
END_TEST

/* a range covering whole mappings and the gaps between them */
START_TEST(t_unmap_range)
{
	struct pasid_dev *dev;
	struct pasid_as *as = attached(&dev);
	uint64_t at[3];
	int i;

	for (i = 0; i < 3; i++) {
		at[i] = 0x100000 + (uint64_t)i * 4 * FX_PAGE;
		ck_assert_int_eq(pasid_map(as, fx_buf(1), FX_PAGE,
					   PASID_MAP_RW | PASID_MAP_FIXED_IOVA,
					   &at[i]), 0);
	}
	ck_assert_int_eq(pasid_unmap(as, 0x100000, 12 * FX_PAGE), 0);
	ck_assert_int_eq(emu_t1_dma_entries(0), 0);
}
END_TEST

START_TEST(t_ranges)
{
	struct pasid_iova_range r[4];
	struct pasid_dev *dev = fx_open(BDF);
	struct pasid_as *as = fx_as();
	uint64_t align;
	uint64_t iova = 0xfee00000;

	/* before any attach: the whole space, as an IOAS without a domain */
	ck_assert_int_eq(pasid_as_iova_ranges(as, r, 4, &align), 1);
	ck_assert_uint_eq(r[0].last, UINT64_MAX);
	ck_assert_uint_eq(align, 1);
	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	ck_assert_int_eq(pasid_as_iova_ranges(as, r, 4, &align), 2);
	ck_assert_uint_eq(r[0].last, 0xfedfffffULL);
	ck_assert_uint_eq(r[1].start, 0xfef00000ULL);
	ck_assert_uint_eq(r[1].last, (1ULL << 48) - 1);
	ck_assert_uint_eq(align, FX_PAGE);
	ck_assert_int_eq(pasid_as_iova_ranges(as, NULL, 0, NULL), 2);
	/* a fixed map into the MSI window: the kernel refuses it */
	ck_assert_int_eq(pasid_map(as, fx_buf(1), FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &iova),
			 -EINVAL);
	ck_assert_errmsg("IOVA ranges");
	ck_assert_int_eq(emu_t1_dma_entries(0), 0);
}
END_TEST

START_TEST(t_attach_detach)
{
	struct pasid_dev *dev = fx_open(BDF), *d2;
	struct pasid_as *as = fx_as(), *as2 = fx_as();
	uint8_t cfg[2];
	uint64_t iova;

	ck_assert_int_eq(pasid_detach_rid(dev), -ENOENT);
	/* no device fd before the first attach: the kernel gives it then */
	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);	/* again: no-op */
	ck_assert_int_eq(pasid_dev_config_read(dev, 0, cfg, 2), 0);
	ck_assert_uint_eq(cfg[0] | cfg[1] << 8, 0x1234);
	ck_assert_int_eq(pasid_attach_rid(dev, as2, 0), -EBUSY);
	ck_assert_errmsg("pasid_detach_rid first");
	ck_assert_int_eq(pasid_attach_rid(dev, as, PASID_RID_PASID_TABLE),
			 -EOPNOTSUPP);
	/* a second device (its own group) joins the same container */
	ck_assert_int_eq(fx_add("0000:00:05.0", EMU_IOMMU_INTEL, 0), 1);
	d2 = fx_open("0000:00:05.0");
	ck_assert_int_eq(pasid_attach_rid(d2, as, 0), 0);
	iova = fx_map(as, 1, PASID_MAP_RW, NULL);
	ck_assert_int_eq(emu_t1_dma_entries(1), 1);
	/* the last device out: the kernel drops the container's mappings,
	 * the address space keeps them as records */
	ck_assert_int_eq(pasid_detach_rid(d2), 0);
	ck_assert_int_eq(pasid_detach_rid(dev), 0);
	ck_assert_int_eq(emu_t1_dma_entries(0), -ENOENT);
	ck_assert_ptr_nonnull(maprec_find_iova(&as->rec, iova));
	ck_assert_int_eq(pasid_unmap(as, iova, FX_PAGE), 0);
	ck_assert_ptr_null(maprec_find_iova(&as->rec, iova));
	/* detached: free to go into another address space */
	ck_assert_int_eq(pasid_attach_rid(dev, as2, 0), 0);
	ck_assert_int_eq(pasid_attach_rid(d2, as, 0), 0);
	pasid_as_free(as2);	/* detaches dev */
	ck_assert_int_eq(pasid_detach_rid(dev), -ENOENT);
	pasid_dev_close(d2);
}
END_TEST

/* Mappings made with no device attached are recorded, pin nothing, and
 * reach the kernel when the first device attaches, with their own
 * permissions; they stay across the last detach and come back at the next
 * attach: the address space keeps its mappings, as an IOAS does. */
START_TEST(t_map_before_attach)
{
	struct pasid_dev *dev = fx_open(BDF);
	struct pasid_as *as = fx_as();
	uint8_t *rw = fx_buf(1), *ro = fx_buf(1), got[8];
	uint64_t iova_rw, iova_ro, fixed = 0x40000000;

	memset(ro, 0x5a, FX_PAGE);
	ck_assert_int_eq(pasid_map(as, rw, FX_PAGE, PASID_MAP_RW, &iova_rw), 0);
	ck_assert_int_eq(pasid_map(as, ro, FX_PAGE, PASID_MAP_READ, &iova_ro), 0);
	ck_assert_uint_ne(iova_rw, iova_ro);
	ck_assert_uint_ne(iova_rw, 0);	/* never IOVA 0 */
	ck_assert_int_eq(pasid_map(as, rw, FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &fixed), 0);
	/* the same rules as later: an overlap is refused at once */
	ck_assert_int_eq(pasid_map(as, rw, FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &fixed),
			 -EEXIST);
	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	ck_assert_int_eq(emu_t1_dma_entries(0), 3);
	ck_assert_int_eq(emu_dma_write(0, 0, iova_rw + 8, "written", 8), 0);
	ck_assert_str_eq((char *)rw + 8, "written");
	ck_assert_int_eq(emu_dma_read(0, 0, iova_ro, got, sizeof(got)), 0);
	ck_assert_uint_eq(got[0], 0x5a);
	/* read-only stays read-only in the kernel */
	ck_assert_int_eq(emu_dma_write(0, 0, iova_ro, "x", 1), -EPERM);
	ck_assert_int_eq(emu_dma_write(0, 0, fixed, "fixed", 6), 0);
	ck_assert_str_eq((char *)rw, "fixed");

	/* out and in again: the same mappings, mapped again */
	ck_assert_int_eq(pasid_detach_rid(dev), 0);
	ck_assert_int_eq(emu_t1_dma_entries(0), -ENOENT);
	ck_assert_int_eq(pasid_unmap(as, fixed, FX_PAGE), 0);	/* record only */
	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	ck_assert_int_eq(emu_t1_dma_entries(0), 2);
	ck_assert_int_eq(emu_dma_write(0, 0, fixed, "x", 1), -EFAULT);
	ck_assert_int_eq(emu_dma_write(0, 0, iova_rw, "again", 6), 0);
	ck_assert_str_eq((char *)rw, "again");
}
END_TEST

/* A mapping made before the attach that the device's reserved region
 * (the MSI window) covers: the attach fails, names it and leaves the group
 * out with the record as it was; unmapped, the attach works. */
START_TEST(t_map_before_attach_refused)
{
	struct pasid_dev *dev = fx_open(BDF);
	struct pasid_as *as = fx_as();
	uint64_t good, msi = 0xfee00000;

	good = fx_map(as, 1, PASID_MAP_RW, NULL);
	ck_assert_int_eq(pasid_map(as, fx_buf(1), FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &msi), 0);
	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), -EINVAL);
	ck_assert_errmsg("[0xfee00000, +0x1000), made while no device was attached");
	ck_assert_errmsg("pasid_as_iova_ranges");
	ck_assert_int_eq(emu_t1_dma_entries(0), -ENOENT);
	ck_assert_int_eq(pasid_dev_fd(dev), -ENODEV);
	ck_assert_uint_eq(as->rec.count, 2);
	ck_assert_int_eq(pasid_unmap(as, msi, FX_PAGE), 0);
	/* the kernel refusing the replay (memlock): named, the reason kept */
	emu_fail_call(5, ENOMEM);	/* SET_CONTAINER, SET_IOMMU, GET_INFO
					   twice, then the replay's MAP_DMA */
	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), -ENOMEM);
	ck_assert_errmsg("made while no device was attached, could not be mapped at the attach: VFIO_IOMMU_MAP_DMA");
	ck_assert_errmsg("RLIMIT_MEMLOCK");
	ck_assert_int_eq(emu_t1_dma_entries(0), -ENOENT);
	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	ck_assert_int_eq(emu_t1_dma_entries(0), 1);
	ck_assert_int_eq(emu_dma_write(0, 0, good, "ok", 3), 0);
}
END_TEST

/* A BAR mapping keeps the device open, so that its group could not leave
 * the container: the detach is refused before anything changes. */
START_TEST(t_detach_with_bar_mapped)
{
	struct pasid_dev *dev;
	struct pasid_as *as = attached(&dev);
	volatile void *bar;
	size_t len;

	ck_assert_int_eq(pasid_dev_bar_map(dev, 0, &bar, &len), 0);
	ck_assert_int_eq(pasid_detach_rid(dev), -EBUSY);
	ck_assert_errmsg("pasid_dev_bar_unmap them first");
	ck_assert_int_ge(pasid_dev_fd(dev), 0);
	ck_assert_int_eq(emu_t1_dma_entries(0), 0);
	ck_assert_int_eq(pasid_dev_bar_unmap(dev, bar, len), 0);
	ck_assert_int_eq(pasid_detach_rid(dev), 0);
	ck_assert_int_eq(emu_t1_dma_entries(0), -ENOENT);
	(void)as;
}
END_TEST

/* no device fd while not attached: each call that needs it says so */
START_TEST(t_no_fd_unattached)
{
	struct pasid_dev *dev = fx_open(BDF);
	struct pasid_as *as = fx_as();
	volatile void *bar;
	uint8_t cfg[2];
	size_t len;

	ck_assert_int_eq(pasid_dev_fd(dev), -ENODEV);
	ck_assert_errmsg("pasid_dev_fd: " BDF ": through a VFIO group (the type1 and iommufd-group backends) the kernel hands out the device fd only at the attach: attach the RID first");
	ck_assert_int_eq(pasid_dev_config_read(dev, 0, cfg, 2), -ENODEV);
	ck_assert_errmsg("pasid_dev_config_read: " BDF);
	ck_assert_errmsg("attach the RID first");
	ck_assert_int_eq(pasid_dev_config_write(dev, 0, cfg, 2), -ENODEV);
	ck_assert_errmsg("attach the RID first");
	ck_assert_int_eq(pasid_dev_set_bus_master(dev, true), -ENODEV);
	ck_assert_errmsg("attach the RID first");
	ck_assert_int_eq(pasid_dev_bar_map(dev, 0, &bar, &len), -ENODEV);
	ck_assert_errmsg("attach the RID first");
	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	ck_assert_int_ge(pasid_dev_fd(dev), 0);
	ck_assert_int_eq(pasid_dev_config_read(dev, 0, cfg, 2), 0);
	/* a detach closes it again */
	ck_assert_int_eq(pasid_detach_rid(dev), 0);
	ck_assert_int_eq(pasid_dev_fd(dev), -ENODEV);
	ck_assert_int_eq(pasid_dev_config_read(dev, 0, cfg, 2), -ENODEV);
	ck_assert_errmsg("attach the RID first");
}
END_TEST

/* The kernel keeps the group in the container (UNSET_CONTAINER refused):
 * the detach says so, the library keeps the group there as the kernel has
 * it, and attaching and detaching again works. */
START_TEST(t_group_stays)
{
	struct pasid_dev *dev;
	struct pasid_as *as = attached(&dev);

	emu_fail_call(1, EBUSY);	/* UNSET_CONTAINER */
	ck_assert_int_eq(pasid_detach_rid(dev), -EBUSY);
	ck_assert_errmsg("its group stays in the address space's container");
	ck_assert_int_eq(emu_t1_dma_entries(0), 0);	/* still in it */
	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	ck_assert_int_eq(pasid_detach_rid(dev), 0);
	ck_assert_int_eq(emu_t1_dma_entries(0), -ENOENT);
	/* and left there by a detach, then taken out by the close */
	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	emu_fail_call(1, EBUSY);
	ck_assert_int_eq(pasid_detach_rid(dev), -EBUSY);
	pasid_as_free(as);
	ck_assert_int_eq(emu_t1_dma_entries(0), -ENOENT);
	/* or by closing the device: the address space knows it left */
	as = fx_as();
	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	emu_fail_call(1, EBUSY);
	ck_assert_int_eq(pasid_detach_rid(dev), -EBUSY);
	pasid_dev_close(dev);
	dev = fx_open(BDF);
	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	ck_assert_int_eq(emu_t1_dma_entries(0), 0);
}
END_TEST

/* a group with a device on a kernel driver: the open names it */
START_TEST(t_group_not_viable)
{
	struct emu_dev_cfg c = { .bdf = "0000:00:06.0", .group = 5,
				 .iommu = EMU_IOMMU_INTEL };
	struct pasid_dev *dev;

	ck_assert_int_ge(emu_add_device(&c), 0);
	c.bdf = "0000:00:07.0";
	c.driver = "nvme";
	ck_assert_int_ge(emu_add_device(&c), 0);
	ck_assert_int_eq(pasid_dev_open(fx.ctx, "0000:00:06.0", &dev), -EPERM);
	ck_assert_errmsg("0000:00:07.0");
	ck_assert_errmsg("nvme");
	/* a device not on vfio-pci */
	ck_assert_int_eq(pasid_dev_open(fx.ctx, "0000:00:07.0", &dev), -EBUSY);
	ck_assert_errmsg("vfio-pci");
}
END_TEST

START_TEST(t_unsupported)
{
	struct pasid_dev *dev;
	struct pasid_as *as = attached(&dev), *as2 = fx_as();
	uint64_t iova = 0;

	ck_assert_int_eq(pasid_bind(dev, as, PASID_ANY), -EOPNOTSUPP);
	ck_assert_errmsg("PASID binds need iommufd and the VFIO cdev (Linux 6.15+); this kernel has VFIO type1 only: CONFIG_IOMMUFD is not set");
	ck_assert_int_eq(pasid_rebind(dev, 1, as), -EOPNOTSUPP);
	ck_assert_int_eq(pasid_map_file(as, 0, 0, FX_PAGE, PASID_MAP_RW, &iova),
			 -EOPNOTSUPP);
	ck_assert_errmsg("IOMMU_IOAS_MAP_FILE");
	ck_assert_int_eq(pasid_copy(as2, as, 0, FX_PAGE, PASID_MAP_RW, &iova),
			 -EOPNOTSUPP);
	ck_assert_int_eq(pasid_dev_open_fd(fx.ctx, 0, &dev), -EOPNOTSUPP);
	ck_assert_uint_eq(pasid_as_ioas_id(as), 0);
}
END_TEST

/* the mapping past the entry limit: the kernel's ENOSPC, said as the entry
 * limit (the module parameter set to 300: 65535 maps would take minutes
 * under valgrind) */
START_TEST(t_entry_limit)
{
	struct pasid_dev *dev;
	struct pasid_as *as;
	void *buf = fx_buf(1);
	uint64_t iova;
	unsigned int i;

	emu_set_t1_dma_entry_limit(300);
	as = attached(&dev);
	for (i = 0; i < 300; i++)
		ck_assert_int_eq(pasid_map(as, buf, FX_PAGE, PASID_MAP_RW, &iova), 0);
	ck_assert_int_eq(pasid_map(as, buf, FX_PAGE, PASID_MAP_RW, &iova),
			 -ENOSPC);
	ck_assert_errmsg("dma_entry_limit");
	ck_assert_errmsg("65535");
	/* the refused IOVA went back: one unmap makes room for one map */
	ck_assert_int_eq(pasid_unmap(as, iova, FX_PAGE), 0);
	ck_assert_int_eq(pasid_map(as, buf, FX_PAGE, PASID_MAP_RW, &iova), 0);
}
END_TEST

/* ---- maps and range unmaps of one address space from several threads ---- */

#define MAPPERS 3
#define MAPS_EACH 300
#define ALL_IOVAS (1ULL << 48)

struct race {
	struct pasid_as *as;
	void *buf;
	atomic_int mappers_left;
	atomic_int map_failed, unmap_failed;
};

static void *mapper(void *arg)
{
	struct race *r = arg;
	uint64_t iova;
	int i;

	for (i = 0; i < MAPS_EACH; i++)
		if (pasid_map(r->as, r->buf, FX_PAGE, PASID_MAP_RW, &iova))
			atomic_fetch_add(&r->map_failed, 1);
	atomic_fetch_sub(&r->mappers_left, 1);
	return NULL;
}

/* unmaps all it finds, in one range over the whole space, again and again */
static void *range_unmapper(void *arg)
{
	struct race *r = arg;
	int ret;

	while (atomic_load(&r->mappers_left)) {
		ret = pasid_unmap(r->as, 0, ALL_IOVAS);
		if (ret && ret != -ENOENT)
			atomic_fetch_add(&r->unmap_failed, 1);
	}
	return NULL;
}

/* Whatever the interleaving, every map and unmap succeeds and the record
 * shows what the kernel has mapped: no mapping the kernel keeps that the
 * record lost (an unmap that took a map's reservation), none refused
 * because its IOVA was picked while still being unmapped. */
START_TEST(t_threads_map_range_unmap)
{
	struct pasid_dev *dev;
	struct race r = { .as = attached(&dev), .buf = fx_buf(1),
			  .mappers_left = MAPPERS };
	pthread_t th[MAPPERS + 1];
	int i, map_failed, unmap_failed;

	for (i = 0; i < MAPPERS; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, mapper, &r), 0);
	ck_assert_int_eq(pthread_create(&th[MAPPERS], NULL, range_unmapper, &r),
			 0);
	for (i = 0; i <= MAPPERS; i++)
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
	map_failed = atomic_load(&r.map_failed);
	unmap_failed = atomic_load(&r.unmap_failed);
	ck_assert_int_eq(map_failed, 0);
	ck_assert_int_eq(unmap_failed, 0);
	ck_assert_int_eq(emu_t1_dma_entries(0), (int)r.as->rec.count);
	ck_assert_uint_eq(r.as->mapped_bytes, r.as->rec.count * FX_PAGE);
	if (r.as->rec.count)
		ck_assert_int_eq(pasid_unmap(r.as, 0, ALL_IOVAS), 0);
	ck_assert_int_eq(emu_t1_dma_entries(0), 0);
	ck_assert_uint_eq(r.as->mapped_bytes, 0);
}
END_TEST

/* A forked child closing the inherited handles closes its copies of every
 * fd they hold: the device's, the group's, the container's. No kernel call,
 * and the parent's mapping stays. */
START_TEST(t_fork_closes_copies)
{
	struct pasid_dev *dev;
	struct pasid_as *as = attached(&dev);
	void *buf;
	uint64_t iova = fx_map(as, 1, PASID_MAP_RW, &buf);
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(fx_child_closes(dev, as, 3));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "the child saw failures (see its stderr)");
	ck_assert_int_eq(emu_t1_dma_entries(0), 1);
	fx_dma_check(0, 0, iova, buf);
	ck_assert_int_eq(pasid_unmap(as, iova, FX_PAGE), 0);
}
END_TEST

/* The emulation's ops, and a seam over them for answers a kernel should
 * not give. */
static struct pasid_sys base, odd;

/* VFIO_IOMMU_GET_INFO that always asks for more room than it was given,
 * with the capability chain starting just past the caller's buffer. */
static int growing_info_ioctl(int fd, unsigned long req, void *arg)
{
	struct kabi_vfio_iommu_type1_info *info = arg;
	uint32_t given;
	int r;

	if (req != KABI_VFIO_IOMMU_GET_INFO)
		return base.ioctl(fd, req, arg);
	given = info->argsz;
	r = base.ioctl(fd, req, arg);
	if (r)
		return r;
	info->flags |= KABI_VFIO_IOMMU_INFO_CAPS;
	info->cap_offset = given;
	info->argsz = given + 4096;
	return 0;
}

/* an argsz that never settles: refused, not read past the buffer */
START_TEST(t_info_keeps_growing)
{
	struct pasid_dev *dev = fx_open(BDF);
	struct pasid_as *as = fx_as();

	base = *pasid_sys;
	odd = base;
	odd.ioctl = growing_info_ioctl;
	pasid_sys_set(&odd);
	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), -EPROTO);
	ck_assert_errmsg("asked for a larger argsz on each of");
	pasid_sys_set(&base);
	/* the group left the container again: a second try works */
	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
}
END_TEST

/* forced: LIBPASID_BACKEND=type1 on a kernel with iommufd */
START_TEST(t_forced)
{
	struct pasid_caps caps = { .size = sizeof(caps) };
	struct pasid_ctx *c;
	struct pasid_dev *dev;

	pasid_ctx_close(fx.ctx);	/* setup's, on the type1 profile */
	fx.ctx = NULL;
	emu_fini();
	fx_setup_noctx();
	ck_assert_int_eq(fx_add(BDF, EMU_IOMMU_INTEL, 8), 0);
	setenv("LIBPASID_BACKEND", "type1", 1);
	/* the current profile has no legacy container */
	ck_assert_int_eq(pasid_ctx_open(&c, NULL), -ENOENT);
	ck_assert_errmsg("/dev/vfio/vfio");
	unsetenv("LIBPASID_BACKEND");
	ck_assert_int_eq(pasid_ctx_open(&fx.ctx, NULL), 0);
	dev = fx_open(BDF);
	ck_assert_int_eq(pasid_dev_caps(dev, &caps), 0);
	ck_assert_int_eq(caps.backend, PASID_BACKEND_IOMMUFD);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("type1");
	TCase *tc = tcase_create("type1");

	tcase_add_checked_fixture(tc, setup, fx_teardown);
	tcase_add_test(tc, t_probe_and_caps);
	tcase_add_test(tc, t_map_unmap);
	tcase_add_test(tc, t_unmap_range);
	tcase_add_test(tc, t_ranges);
	tcase_add_test(tc, t_attach_detach);
	tcase_add_test(tc, t_map_before_attach);
	tcase_add_test(tc, t_map_before_attach_refused);
	tcase_add_test(tc, t_detach_with_bar_mapped);
	tcase_add_test(tc, t_no_fd_unattached);
	tcase_add_test(tc, t_group_stays);
	tcase_add_test(tc, t_group_not_viable);
	tcase_add_test(tc, t_unsupported);
	tcase_add_test(tc, t_entry_limit);
	tcase_add_test(tc, t_forced);
	tcase_add_test(tc, t_info_keeps_growing);
	tcase_add_test(tc, t_threads_map_range_unmap);
	tcase_add_test(tc, t_fork_closes_copies);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return fx_run(s);
}
