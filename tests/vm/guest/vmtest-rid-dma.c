/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Real kernel, real DMA: libpasid's public API driving QEMU edu devices
 * behind an emulated IOMMU. Run by run-vm inside the guest as
 * "vmtest-rid-dma MACHINE" (intel, amd, virtio, smmuv3).
 *
 * With "libpasid.break_mapping" on the kernel command line the buffer is
 * deliberately mapped one page off, and the DMA checks must fail: that
 * proves they can. With "libpasid.backend=type1" the context is opened on
 * the legacy VFIO type1 container instead of iommufd (opts->backend), and
 * the same DMA checks run there; what type1 cannot do must be refused with
 * -EOPNOTSUPP. "libpasid.expect_backend=type1" runs the same checks with
 * the backend left to the library's probe, on a kernel without iommufd
 * (a stock Debian kernel, get-debian-kernel).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "edu.h"
#include "libpasid/libpasid.h"
#include "roundtrip.h"
#include "tap.h"

struct expect {
	const char *machine;
	enum pasid_iommu_vendor vendor;
	uint32_t hw_info_type;
	bool pasid_table;	/* can the IOMMU build a PASID-capable table? */
};

static const struct expect machines[] = {
	{ "intel", PASID_IOMMU_INTEL_VTD, 1, true },
	{ "smmuv3", PASID_IOMMU_ARM_SMMUV3, 2, true },
	{ "amd", PASID_IOMMU_AMD_VI, 4, false },
	{ "virtio", PASID_IOMMU_VIRTIO, 0, false },
};

/* the backend this run forces (PASID_BACKEND_AUTO: the library probes) */
static enum pasid_backend backend;

static bool cmdline_has(const char *word)
{
	char buf[2048] = "";
	FILE *f = fopen("/proc/cmdline", "r");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	return strstr(buf, word) != NULL;
}

static bool is_type1(void)
{
	return backend == PASID_BACKEND_TYPE1;
}

/* the VFIO group with the iommufd as its container: iommufd's address
 * spaces, but devices reached as type1 reaches them */
static bool is_group(void)
{
	return backend == PASID_BACKEND_IOMMUFD_GROUP;
}

/* a backend that opens devices through their VFIO group */
static bool through_group(void)
{
	return is_type1() || is_group();
}

static int find_edus(char bdfs[2][16], char cdevs[2][64], const struct expect *x)
{
	struct pasid_devinfo d = { .size = sizeof(d) };
	struct pasid_devlist *list;
	int n = 0;

	if (!tap_ok(pasid_devlist_new(&list) == 0, "device list: %s", pasid_errmsg()))
		return 0;
	for (size_t i = 0; i < pasid_devlist_count(list) && n < 2; i++) {
		if (pasid_devlist_get(list, i, &d) || d.vendor_id != EDU_VENDOR_ID ||
		    d.device_id != EDU_DEVICE_ID)
			continue;
		/* type1 needs no cdev, and kernels without iommufd have none */
		tap_ok(d.iommu_vendor == x->vendor && (d.vfio_cdev[0] || is_type1()) &&
		       !strcmp(d.driver, "vfio-pci"),
		       "discovery: edu %s behind %s (%s), driver %s, cdev %s",
		       d.bdf, d.iommu, pasid_iommu_vendor_name(d.iommu_vendor),
		       d.driver, d.vfio_cdev);
		memcpy(cdevs[n], d.vfio_cdev, sizeof(d.vfio_cdev));
		memcpy(bdfs[n++], d.bdf, sizeof(d.bdf));
	}
	pasid_devlist_free(list);
	return n;
}

static void check_caps(struct pasid_dev *dev, const struct expect *x)
{
	struct pasid_caps c = { .size = sizeof(c) };
	bool regs;

	pasid_dev_caps(dev, &c);
	if (through_group()) {
		/* no IOMMU_GET_HW_INFO without an iommufd device id: the
		 * vendor comes from sysfs, and there are no registers and no
		 * PASIDs */
		tap_ok(c.backend == backend && c.vendor == x->vendor &&
		       c.hw_info_type == 0 && c.pasid_width == 0,
		       "capabilities through the group: backend %d, vendor %s, hw_info type %u, PASID width %u",
		       c.backend, pasid_iommu_vendor_name(c.vendor), c.hw_info_type,
		       c.pasid_width);
		return;
	}
	tap_ok(c.backend == PASID_BACKEND_IOMMUFD, "capabilities: backend iommufd (%d)",
	       c.backend);
	tap_ok(c.vendor == x->vendor && c.hw_info_type == x->hw_info_type,
	       "capabilities: vendor %s, hw_info type %u (want %s, %u)",
	       pasid_iommu_vendor_name(c.vendor), c.hw_info_type,
	       pasid_iommu_vendor_name(x->vendor), x->hw_info_type);
	switch (c.vendor) {
	case PASID_IOMMU_INTEL_VTD:
		/* QEMU's scalable-mode VT-d: ecap.SMTS (bit 43) and PASID (40) */
		regs = c.raw.vtd.cap && (c.raw.vtd.ecap >> 43 & 1) &&
		       (c.raw.vtd.ecap >> 40 & 1) &&
		       c.table_owner == PASID_TABLE_KERNEL;
		tap_diag("vtd cap 0x%" PRIx64 " ecap 0x%" PRIx64, c.raw.vtd.cap, c.raw.vtd.ecap);
		break;
	case PASID_IOMMU_ARM_SMMUV3:
		/* IDR0 has stage 1 or 2; QEMU offers no substreams (SSIDSIZE 0) */
		regs = (c.raw.smmuv3.idr[0] & 3) != 0;
		tap_diag("smmuv3 idr0 0x%x idr1 0x%x", c.raw.smmuv3.idr[0], c.raw.smmuv3.idr[1]);
		break;
	case PASID_IOMMU_AMD_VI:
		regs = c.raw.amd.efr != 0;
		tap_diag("amd efr 0x%" PRIx64, c.raw.amd.efr);
		break;
	default:
		regs = c.table_owner == PASID_TABLE_NONE;
		break;
	}
	tap_ok(regs, "capabilities: vendor registers decoded");
	tap_ok(c.pasid_width == 0, "capabilities: edu has PASID width %u (0: no PASID capability)",
	       c.pasid_width);
}

static void check_pasid_refusals(struct pasid_dev *dev, struct pasid_as *as,
				 const struct expect *x)
{
	int ret = pasid_bind(dev, as, PASID_ANY);

	if (through_group()) {
		tap_ok(ret == -EOPNOTSUPP && strstr(pasid_errmsg(), "VFIO cdev"),
		       "PASID bind through the group refused: %d \"%s\"", ret,
		       pasid_errmsg());
		ret = pasid_attach_rid(dev, as, PASID_RID_PASID_TABLE);
		tap_ok(ret == -EOPNOTSUPP,
		       "PASID-capable page table through the group refused: %d \"%s\"",
		       ret, pasid_errmsg());
		return;
	}
	tap_ok(ret == -EOPNOTSUPP && strstr(pasid_errmsg(), "no PASID capability"),
	       "PASID bind on a width-0 device refused: %d \"%s\"", ret, pasid_errmsg());
	ret = pasid_bind(dev, as, 5);
	tap_ok(ret == -EOPNOTSUPP, "PASID 5 on a width-0 device refused before the kernel: %d", ret);

	ret = pasid_attach_rid(dev, as, PASID_RID_PASID_TABLE);
	if (x->pasid_table)
		tap_ok(ret == 0, "PASID-capable page table for the RID: %s",
		       ret ? pasid_errmsg() : "ok");
	else
		tap_ok(ret == -EOPNOTSUPP && strstr(pasid_errmsg(), "cannot build a PASID-capable page table"),
		       "PASID-capable page table refused as no PASID support: %d \"%s\"",
		       ret, pasid_errmsg());
	if (!ret)
		pasid_detach_rid(dev);
}

/* IOMMU_IOAS_MAP_FILE: DMA into a memfd the process maps too. */
static void check_map_file(struct pasid_as *as, struct edu *e)
{
	uint64_t iova = 0;
	uint8_t *view;
	int fd = memfd_create("libpasid-vmtest", MFD_CLOEXEC);
	int ret;

	if (!tap_ok(fd >= 0 && ftruncate(fd, (off_t)(2 * page)) == 0, "memfd of 2 pages"))
		return;
	view = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ret = pasid_map_file(as, fd, 0, 2 * page, PASID_MAP_RW, &iova);
	if (is_type1()) {
		tap_ok(ret == -EOPNOTSUPP, "map_file on type1 refused: %d \"%s\"", ret,
		       pasid_errmsg());
	} else if (ret == -EOPNOTSUPP) {
		tap_ok(true, "# SKIP map_file: %s", pasid_errmsg());
	} else if (tap_ok(ret == 0, "map the memfd at IOVA 0x%" PRIx64 ": %s", iova, pasid_errmsg())) {
		tap_ok(view != MAP_FAILED && round_trip(e, view, iova, 0x99),
		       "DMA through the file mapping lands in the memfd's pages");
		tap_ok(pasid_unmap(as, iova, 2 * page) == 0, "unmap the memfd");
	}
	if (view != MAP_FAILED)
		munmap(view, 2 * page);
	close(fd);
}

/* The RID onto as2 (the same buffer mapped there at the same IOVA) and
 * back, atomically. */
static void move_rid(struct pasid_dev *dev, struct edu *e, struct pasid_as *as,
		     struct pasid_as *as2, uint8_t *buf, uint64_t iova)
{
	int ret = pasid_attach_rid(dev, as2, 0);

	tap_ok(ret == 0 && round_trip(e, buf, iova, 0x33),
	       "RID replaced onto the second address space: DMA reaches the same buffer (%s)",
	       ret ? pasid_errmsg() : "ok");
	ret = pasid_attach_rid(dev, as, 0);
	tap_ok(ret == 0 && round_trip(e, buf, iova, 0x38),
	       "RID back on the first address space: DMA lands (%s)",
	       ret ? pasid_errmsg() : "ok");
}

/* Through a VFIO group (type1, iommufd-group) a device cannot move
 * between address spaces while its fd is open: refused; then detach (BAR unmapped first: a detach closes the device)
 * and attach elsewhere, where the mappings made before the attach reach
 * the kernel, and back, where they come again after the last detach. */
static void move_rid_by_detach(struct pasid_dev *dev, struct edu *e,
			   struct pasid_as *as, struct pasid_as *as2,
			   uint8_t *buf, uint64_t iova)
{
	int ret = pasid_attach_rid(dev, as2, 0);

	tap_ok(ret == -EBUSY && strstr(pasid_errmsg(), "pasid_detach_rid first"),
	       "through the group: moving the RID while attached refused: %d \"%s\"", ret,
	       pasid_errmsg());
	ret = pasid_detach_rid(dev);
	tap_ok(ret == -EBUSY && strstr(pasid_errmsg(), "pasid_dev_bar_unmap"),
	       "through the group: detach with BAR0 mapped refused: %d \"%s\"", ret, pasid_errmsg());
	tap_ok(round_trip(e, buf, iova, 0x34), "through the group: the device still works after the refusals");
	edu_close(e);
	ret = pasid_detach_rid(dev);
	tap_ok(ret == 0, "through the group: detach (BAR unmapped): %s", ret ? pasid_errmsg() : "ok");
	ret = pasid_attach_rid(dev, as2, 0);
	tap_ok(ret == 0 && edu_open(e, dev) == 0 && round_trip(e, buf, iova, 0x35),
	       "through the group: attached to the second address space, mapped before the attach: DMA lands (%s)",
	       ret ? pasid_errmsg() : "ok");
	edu_close(e);
	ret = pasid_detach_rid(dev);
	if (!ret)
		ret = pasid_attach_rid(dev, as, 0);
	tap_ok(ret == 0 && edu_open(e, dev) == 0 && round_trip(e, buf, iova, 0x38),
	       "through the group: back on the first address space, its mappings kept across the detach: DMA lands (%s)",
	       ret ? pasid_errmsg() : "ok");
}

int main(int argc, char **argv)
{
	const struct expect *x = NULL;
	char bdfs[2][16], cdevs[2][64];
	struct pasid_ctx_opts opts = { .size = sizeof(opts) };
	struct pasid_ctx *ctx;
	struct pasid_dev *dev, *dev2 = NULL;
	struct pasid_as *as, *as2;
	struct edu e = { 0 }, e2 = { 0 };
	uint8_t *buf, *gone;
	uint64_t iova = 0, iova_gone = 0, iova2 = 0;
	bool broken = cmdline_has("libpasid.break_mapping");
	int n, ret;

	page = (size_t)sysconf(_SC_PAGESIZE);
	if (cmdline_has("libpasid.backend=type1"))
		opts.backend = backend = PASID_BACKEND_TYPE1;
	else if (cmdline_has("libpasid.backend=iommufd"))
		opts.backend = backend = PASID_BACKEND_IOMMUFD;
	else if (cmdline_has("libpasid.backend=group"))
		opts.backend = backend = PASID_BACKEND_IOMMUFD_GROUP;
	else if (cmdline_has("libpasid.expect_backend=type1"))
		backend = PASID_BACKEND_TYPE1;	/* a kernel without iommufd:
						   the probe must find type1 */
	for (size_t i = 0; argc > 1 && i < sizeof(machines) / sizeof(*machines); i++)
		if (!strcmp(argv[1], machines[i].machine))
			x = &machines[i];
	if (!x) {
		printf("usage: %s intel|amd|virtio|smmuv3\n", argv[0]);
		return 2;
	}
	n = find_edus(bdfs, cdevs, x);
	if (!tap_ok(n >= 1, "found %d edu device(s)", n))
		return tap_exit();
	if (!tap_ok(pasid_ctx_open(&ctx, &opts) == 0, "open the context (%s): %s",
		    is_type1() ? "type1, /dev/vfio/vfio" : "/dev/iommu",
		    pasid_errmsg()))
		return tap_exit();
	ret = pasid_dev_open(ctx, bdfs[0], &dev);
	if (!tap_ok(ret == 0, "open and bind %s: %s", bdfs[0], pasid_errmsg()))
		return tap_exit();
	check_caps(dev, x);
	tap_ok(pasid_as_new(ctx, &as) == 0 && pasid_as_new(ctx, &as2) == 0,
	       "two address spaces");
	check_pasid_refusals(dev, as, x);

	buf = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	gone = buf + 2 * page;
	ret = pasid_map(as, buf, 2 * page, PASID_MAP_RW, &iova);
	tap_ok(ret == 0, "map 2 pages at kernel-chosen IOVA 0x%" PRIx64 ": %s", iova, pasid_errmsg());
	if (broken) {
		/* the deliberate bug: the device is told an IOVA one page off */
		tap_diag("libpasid.break_mapping: DMA uses the wrong IOVA");
		iova += page;
	}
	ret = pasid_map(as, gone, 2 * page, PASID_MAP_RW, &iova_gone);
	tap_ok(ret == 0, "map 2 more pages at 0x%" PRIx64, iova_gone);
	ret = pasid_attach_rid(dev, as, 0);
	tap_ok(ret == 0, "attach the RID: %s", pasid_errmsg());
	if (!tap_ok(edu_open(&e, dev) == 0, "edu BAR0 mapped, bus mastering on: %s", pasid_errmsg()))
		return tap_exit();

	tap_ok(round_trip(&e, buf, iova, 0x11),
	       "DMA RAM -> edu -> RAM through IOVA 0x%" PRIx64 ": %u bytes match", iova, XFER);

	/* after unmap, the pages must not receive DMA */
	tap_ok(pasid_unmap(as, iova_gone, 2 * page) == 0, "unmap the second buffer");
	memset(gone, 0, 2 * page);
	edu_dma_from_dev(&e, 0, 0, iova_gone, XFER);
	tap_ok(all_zero(gone, 2 * page), "DMA to an unmapped IOVA does not land");
	edu_dma_from_dev(&e, 0, 0, EDU_DMA_LIMIT - 2 * page, XFER);
	tap_ok(round_trip(&e, buf, iova, 0x22), "the device still works after a blocked DMA");

	/* the kernel's map rules, as the library reports them */
	ret = pasid_map(as, gone, page, PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &iova);
	tap_ok(ret == -EEXIST, "fixed map over a mapping: %d (want -EEXIST)", ret);
	ret = pasid_unmap(as, iova, page);
	tap_ok(ret == -ENOENT, "unmap that would split a mapping: %d (want -ENOENT)", ret);
	ret = pasid_as_iova_ranges(as, NULL, 0, NULL);
	tap_ok(ret >= 1, "%d usable IOVA range(s) with a device attached", ret);

	check_map_file(as, &e);

	/* the same pages through another address space (IOMMU_IOAS_COPY; on
	 * type1, which has no copy, mapped a second time) */
	iova2 = iova;
	ret = pasid_copy(as2, as, iova, 2 * page, PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &iova2);
	if (is_type1()) {
		tap_ok(ret == -EOPNOTSUPP, "copy on type1 refused: %d \"%s\"", ret,
		       pasid_errmsg());
		ret = pasid_map(as2, buf, 2 * page, PASID_MAP_RW | PASID_MAP_FIXED_IOVA,
				&iova2);
		tap_ok(ret == 0, "map the same buffer into a second address space: %s",
		       pasid_errmsg());
	} else {
		tap_ok(ret == 0, "copy the mapping into a second address space: %s",
		       pasid_errmsg());
	}
	if (through_group())
		move_rid_by_detach(dev, &e, as, as2, buf, iova);
	else
		move_rid(dev, &e, as, as2, buf, iova);

	if (x->pasid_table && !through_group()) {
		ret = pasid_attach_rid(dev, as, PASID_RID_KERNEL_TABLE);
		tap_ok(ret == 0 && round_trip(&e, buf, iova, 0x44),
		       "RID on the kernel's page table: DMA lands (%s)",
		       ret ? pasid_errmsg() : "attached");
		ret = pasid_attach_rid(dev, as, PASID_RID_PASID_TABLE);
		tap_ok(ret == 0 && round_trip(&e, buf, iova, 0x55),
		       "RID moved onto a PASID-capable page table: mappings kept, DMA lands (%s)",
		       ret ? pasid_errmsg() : "ok");
	}

	if (n >= 2) {
		/* as a process handed a cdev fd would: open it by fd */
		const char *cdev = cdevs[1][0] ? cdevs[1] : "/dev/vfio/devices/none";
		int fd = open(cdev, O_RDWR | O_CLOEXEC);

		ret = fd < 0 ? -errno : pasid_dev_open_fd(ctx, fd, &dev2);
		if (through_group()) {
			/* a cdev fd is the cdev backend's handle: refused,
			 * and the device is opened through its group instead */
			if (fd >= 0)
				tap_ok(ret == -EOPNOTSUPP, "cdev fd on type1 refused: %d \"%s\"",
				       ret, pasid_errmsg());
			if (fd >= 0)
				close(fd);
			ret = pasid_dev_open(ctx, bdfs[1], &dev2);
			tap_ok(ret == 0, "open the second edu %s through its group: %s",
			       bdfs[1], pasid_errmsg());
		} else {
			tap_ok(ret == 0 && !strcmp(pasid_dev_name(dev2), bdfs[1]),
			       "open the second edu from an fd of %s: named %s (%s)", cdev,
			       ret ? "-" : pasid_dev_name(dev2), pasid_errmsg());
			if (ret && fd >= 0)
				close(fd);
		}
		if (!ret) {
			ret = pasid_attach_rid(dev2, as, 0);
			tap_ok(ret == 0, "second device on the same address space: %s", pasid_errmsg());
			if (!ret && !edu_open(&e2, dev2))
				tap_ok(round_trip(&e2, buf, iova, 0x66) &&
				       round_trip(&e, buf, iova, 0x77),
				       "both devices DMA through the shared address space");
		}
	}

	if (through_group()) {
		/* a detach through the group closes the device: nothing left
		 * to drive it with, the BAR unmapped first */
		edu_close(&e);
		ret = pasid_detach_rid(dev);
		tap_ok(ret == 0 && pasid_dev_fd(dev) == -ENODEV,
		       "type1: detach the RID: the device fd is gone (%s)",
		       ret ? pasid_errmsg() : "ok");
	} else {
		ret = pasid_detach_rid(dev);
		tap_ok(ret == 0, "detach the RID: %s", ret ? pasid_errmsg() : "ok");
		memset(buf + page, 0, XFER);
		edu_dma_from_dev(&e, 0, 0, iova + page, XFER);
		tap_ok(all_zero(buf + page, XFER), "DMA after detach does not land");
		edu_close(&e);
	}
	tap_ok(pasid_detach_rid(dev) == -ENOENT, "second detach: -ENOENT");
	edu_close(&e2);
	pasid_ctx_close(ctx);
	munmap(buf, 4 * page);
	return tap_exit();
}
