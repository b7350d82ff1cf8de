/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Every public call on every kernel generation the emulation models
 * (emu.h, enum emu_profile): the current kernel, one with the VFIO cdev
 * but no PASID attach (as 6.6), one with iommufd but no cdev (as 6.2-6.5),
 * and one with the type1 container only. The same scenario runs on each;
 * a table says what each generation gives and, for what it refuses, the
 * errno and the words of the message that say what is missing. The
 * backend is picked by probing (pasid_ctx_open with no options).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fixture.h"
#include "sys.h"

#define BDF "0000:00:04.0"

struct gen {
	const char *name;
	enum emu_profile profile;
	enum pasid_backend backend;	/* what the probe picks */
	bool iommufd;			/* pasid_ctx_fd, pasid_as_ioas_id */
	bool cdev;			/* pasid_dev_open_fd, iommufd dev id */
	bool hw_info;			/* the IOMMU's report (caps) */
	bool pasid;			/* pasid_bind */
	bool map_file, copy;
	const char *no_pasid;		/* why pasid_bind is refused */
	const char *no_map_file;	/* why pasid_map_file is */
};

static const struct gen gens[] = {
	{ "current", EMU_PROFILE_CURRENT, PASID_BACKEND_IOMMUFD,
	  true, true, true, true, true, true, NULL, NULL },
	{ "6.6: cdev, no PASID attach", EMU_PROFILE_NO_PASID,
	  PASID_BACKEND_IOMMUFD, true, true, true, false, false, true,
	  "older than 6.15", "6.13" },
	{ "6.2: iommufd, no cdev", EMU_PROFILE_NO_CDEV,
	  PASID_BACKEND_IOMMUFD_GROUP, true, false, false, false, false, true,
	  "no VFIO device cdev", "6.13" },
	{ "type1 only", EMU_PROFILE_TYPE1, PASID_BACKEND_TYPE1, false, false,
	  false, false, false, false, "CONFIG_IOMMUFD is not set",
	  "CONFIG_IOMMUFD is not set" },
};

static const struct gen *G;

static void setup(void)
{
	G = &gens[0];
	fx_setup_noctx();
	unsetenv("LIBPASID_BACKEND");
}

static void up(int i)
{
	G = &gens[i];
	ck_assert_int_eq(emu_set_profile(G->profile), 0);
	ck_assert_int_eq(fx_add(BDF, EMU_IOMMU_INTEL, 8), 0);
	ck_assert_int_eq(pasid_ctx_open(&fx.ctx, NULL), 0);
}

/* discovery and the context */
START_TEST(t_discovery_and_ctx)
{
	struct pasid_devinfo info = { .size = sizeof(info) };
	struct pasid_devlist *list;

	up(_i);
	ck_assert_int_eq(pasid_devlist_new(&list), 0);
	ck_assert_uint_eq(pasid_devlist_count(list), 1);
	ck_assert_int_eq(pasid_devlist_get(list, 0, &info), 0);
	ck_assert_str_eq(info.bdf, BDF);
	pasid_devlist_free(list);
	ck_assert_int_eq(pasid_devinfo_get(BDF, &info), 0);
	ck_assert_str_eq(info.driver, "vfio-pci");
	/* the cdev path only where the kernel made one */
	ck_assert_int_eq(info.vfio_cdev[0] != '\0', G->cdev);
	if (G->iommufd) {
		ck_assert_int_ge(pasid_ctx_fd(fx.ctx), 0);
	} else {
		ck_assert_int_eq(pasid_ctx_fd(fx.ctx), -EOPNOTSUPP);
		ck_assert_errmsg("CONFIG_IOMMUFD is not set");
	}
	ck_assert_uint_gt(pasid_version(), 0);
	ck_assert_str_eq(pasid_iommu_vendor_name(PASID_IOMMU_INTEL_VTD),
			 "intel-vtd");
}
END_TEST

/* the device: open, facts, fds, config space and BARs, close */
START_TEST(t_device)
{
	struct pasid_caps caps = { .size = sizeof(caps) };
	struct pasid_dev *dev, *dev2;
	struct pasid_as *as;
	volatile void *bar;
	uint16_t vendor = 0;
	size_t len;
	int fd;

	up(_i);
	dev = fx_open(BDF);
	ck_assert_str_eq(pasid_dev_name(dev), BDF);
	ck_assert_int_eq(pasid_dev_iommufd_id(dev) != 0, G->cdev);
	ck_assert_int_eq(pasid_dev_caps(dev, &caps), 0);
	ck_assert_int_eq(caps.backend, G->backend);
	ck_assert_int_eq(caps.vendor, PASID_IOMMU_INTEL_VTD);
	ck_assert_int_eq(caps.hw_info_type != 0, G->hw_info);
	/* a PASID width only from a kernel that reports one (6.15+) */
	ck_assert_uint_eq(caps.pasid_width, G->pasid ? 8 : 0);
	/* a no-ATS report only from a kernel with out_capabilities (6.7+):
	 * 6.6 fills no more of IOMMU_GET_HW_INFO than it has */
	ck_assert_int_eq((caps.flags & PASID_CAP_NO_ATS) != 0,
			 G->hw_info && G->profile == EMU_PROFILE_CURRENT);
	/* through a VFIO group the device fd comes with the attach */
	as = fx_as();
	if (G->backend == PASID_BACKEND_IOMMUFD) {
		ck_assert_int_ge(pasid_dev_fd(dev), 0);
	} else {
		ck_assert_int_eq(pasid_dev_fd(dev), -ENODEV);
		ck_assert_errmsg("attach the RID first");
		ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
		ck_assert_int_ge(pasid_dev_fd(dev), 0);
	}
	ck_assert_int_eq(pasid_dev_config_read(dev, 0, &vendor, 2), 0);
	ck_assert_uint_eq(vendor, 0x1234);
	ck_assert_int_eq(pasid_dev_config_write(dev, 4, &vendor, 2), 0);
	ck_assert_int_eq(pasid_dev_set_bus_master(dev, true), 0);
	ck_assert_int_eq(pasid_dev_bar_map(dev, 0, &bar, &len), 0);
	ck_assert_uint_eq(len, 4096);
	if (G->backend != PASID_BACKEND_IOMMUFD) {
		/* the detach would close the fd, which the mapping keeps
		 * open and attached: refused until it is unmapped */
		ck_assert_int_eq(pasid_detach_rid(dev), -EBUSY);
		ck_assert_errmsg("pasid_dev_bar_unmap them first");
		ck_assert_int_ge(pasid_dev_fd(dev), 0);
	}
	ck_assert_int_eq(pasid_dev_bar_unmap(dev, bar, len), 0);
	if (G->backend != PASID_BACKEND_IOMMUFD) {
		ck_assert_int_eq(pasid_detach_rid(dev), 0);
		ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	}
	/* an fd the caller opened: the VFIO cdev only */
	fd = pasid_sys->open("/dev/vfio/devices/vfio0", O_RDWR, 0);
	if (G->cdev) {
		pasid_dev_close(dev);	/* the cdev binds once */
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(pasid_dev_open_fd(fx.ctx, fd, &dev2), 0);
		pasid_dev_close(dev2);
	} else {
		ck_assert_int_lt(fd, 0);
		ck_assert_int_eq(pasid_dev_open_fd(fx.ctx, 0, &dev2),
				 -EOPNOTSUPP);
		ck_assert_errmsg("VFIO cdev");
		pasid_dev_close(dev);
	}
	pasid_as_free(as);
}
END_TEST

/* address spaces: map before and after the attach, DMA, ranges, unmap,
 * map_file, copy, detach */
START_TEST(t_address_spaces)
{
	struct pasid_dev *dev;
	struct pasid_as *as, *as2;
	struct pasid_iova_range r[8];
	uint64_t iova = 0x100000, at, copied = 0x200000;
	void *buf = fx_buf(1);
	int memfd, n;

	up(_i);
	dev = fx_open(BDF);
	as = fx_as();
	ck_assert_int_eq(pasid_as_ioas_id(as) != 0, G->iommufd);
	/* mapped before any device is attached, on every generation (type1:
	 * recorded, mapped into the container at the attach) */
	ck_assert_int_eq(pasid_map(as, buf, FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &iova), 0);
	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	fx_dma_check(0, 0, iova, buf);
	n = pasid_as_iova_ranges(as, r, 8, NULL);
	ck_assert_int_ge(n, 1);
	at = fx_map(as, 2, PASID_MAP_RW, NULL);
	ck_assert_int_eq(pasid_unmap(as, at, 2 * FX_PAGE), 0);

	memfd = memfd_create("gen", MFD_CLOEXEC);
	ck_assert_int_eq(ftruncate(memfd, FX_PAGE), 0);
	at = 0;
	n = pasid_map_file(as, memfd, 0, FX_PAGE, PASID_MAP_RW, &at);
	if (G->map_file) {
		ck_assert_int_eq(n, 0);
		ck_assert_int_eq(pasid_unmap(as, at, FX_PAGE), 0);
	} else {
		ck_assert_int_eq(n, -EOPNOTSUPP);
		ck_assert_errmsg(G->no_map_file);
	}
	close(memfd);

	as2 = fx_as();
	n = pasid_copy(as2, as, iova, FX_PAGE,
		       PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &copied);
	if (G->copy) {
		ck_assert_int_eq(n, 0);
		ck_assert_int_eq(pasid_unmap(as2, copied, FX_PAGE), 0);
	} else {
		ck_assert_int_eq(n, -EOPNOTSUPP);
	}
	pasid_as_free(as2);
	/* the detach blocks the device; iommufd keeps the mapping */
	if (G->iommufd) {
		ck_assert_int_eq(pasid_detach_rid(dev), 0);
		ck_assert_int_eq(emu_dma_read(0, 0, iova, buf, 1), -EFAULT);
		ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
		fx_dma_check(0, 0, iova, buf);
	}
	ck_assert_int_eq(pasid_unmap(as, iova, FX_PAGE), 0);
	ck_assert_int_eq(pasid_detach_rid(dev), 0);
	ck_assert_int_eq(pasid_detach_rid(dev), -ENOENT);
	pasid_as_free(as);
	pasid_dev_close(dev);
	pasid_ctx_close(fx.ctx);
	fx.ctx = NULL;
}
END_TEST

/* PASIDs: bound where the kernel has them, else refused saying why */
START_TEST(t_pasids)
{
	struct pasid_dev *dev;
	struct pasid_as *as, *as2;
	int p;

	up(_i);
	dev = fx_open(BDF);
	as = fx_as();
	as2 = fx_as();
	ck_assert_int_eq(pasid_attach_rid(dev, as, 0), 0);
	p = pasid_bind(dev, as, PASID_ANY);
	if (G->pasid) {
		ck_assert_int_gt(p, 0);
		ck_assert_int_eq(pasid_rebind(dev, (uint32_t)p, as2), 0);
		ck_assert_int_eq(pasid_unbind(dev, (uint32_t)p), 0);
	} else {
		ck_assert_int_eq(p, -EOPNOTSUPP);
		ck_assert_errmsg(G->no_pasid);
		ck_assert_int_eq(pasid_rebind(dev, 1, as2), G->backend ==
				 PASID_BACKEND_IOMMUFD ? -ENOENT : -EOPNOTSUPP);
		ck_assert_int_lt(pasid_unbind(dev, 1), 0);
		/* a PASID-capable RID table neither */
		ck_assert_int_eq(pasid_attach_rid(dev, as2,
						  PASID_RID_PASID_TABLE),
				 -EOPNOTSUPP);
	}
	/* closing in any order leaves nothing (the fixture checks) */
	pasid_as_free(as);
	pasid_ctx_close(fx.ctx);
	fx.ctx = NULL;
}
END_TEST

int main(void)
{
	Suite *s = suite_create("generations");
	TCase *tc = tcase_create("every call");
	int n = (int)(sizeof(gens) / sizeof(gens[0]));

	tcase_add_checked_fixture(tc, setup, fx_teardown);
	tcase_add_loop_test(tc, t_discovery_and_ctx, 0, n);
	tcase_add_loop_test(tc, t_device, 0, n);
	tcase_add_loop_test(tc, t_address_spaces, 0, n);
	tcase_add_loop_test(tc, t_pasids, 0, n);
	suite_add_tcase(s, tc);
	return fx_run(s);
}
