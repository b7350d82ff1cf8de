/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Tests of the emulation's nested translation (emu-nested.c) through the raw
 * seam, one test per rule of 7.3 (doc/kernel-rules.md §12), so that the
 * library's nested unit tests can trust it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu.h"
#include "kabi.h"
#include "sys.h"

#define RID UINT32_MAX
#define F_NP KABI_IOMMU_HWPT_ALLOC_NEST_PARENT
#define F_PASID KABI_IOMMU_HWPT_ALLOC_PASID
#define F_DIRTY KABI_IOMMU_HWPT_ALLOC_DIRTY_TRACKING

/* vSTE word 0: V, Cfg (bits 3:1) */
#define STE_V 1ULL
#define STE_CFG(c) ((uint64_t)(c) << 1)
#define CFG_BYPASS 4
#define CFG_S1 5
#define CFG_S2 6
#define STE_CTXPTR(a) ((a) & (((1ULL << 46) - 1) << 6))
#define STE1_EATS(e) ((uint64_t)(e) << 28)

static int ictx, dfd;
static uint32_t dev_id, ioas;

static int xioctl(int fd, unsigned long req, void *arg)
{
	return pasid_sys->ioctl(fd, req, arg) < 0 ? -errno : 0;
}

/* One device of that IOMMU, bound to a fresh context with one IOAS. */
static void up(enum emu_iommu iommu, const struct emu_dev_cfg *extra)
{
	struct emu_dev_cfg cfg = {
		.bdf = "0000:00:04.0", .iommu = iommu, .pasid_log2 = 8,
	};
	struct kabi_vfio_device_bind_iommufd b = { .argsz = sizeof(b) };
	struct kabi_iommu_ioas_alloc a = { .size = sizeof(a) };
	char path[64];
	int n;

	if (extra)
		cfg = *extra;
	n = emu_add_device(&cfg);
	ck_assert_int_ge(n, 0);
	snprintf(path, sizeof(path), "/dev/vfio/devices/vfio%d", n);
	dfd = pasid_sys->open(path, O_RDWR, 0);
	ck_assert_int_ge(dfd, 0);
	b.iommufd = ictx;
	ck_assert_int_eq(xioctl(dfd, KABI_VFIO_DEVICE_BIND_IOMMUFD, &b), 0);
	dev_id = b.out_devid;
	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_IOAS_ALLOC, &a), 0);
	ioas = a.out_ioas_id;
}

static int hwpt(uint32_t pt, uint32_t flags, uint32_t type, const void *data,
		uint32_t len, uint32_t *id)
{
	struct kabi_iommu_hwpt_alloc h = {
		.size = sizeof(h), .flags = flags, .dev_id = dev_id,
		.pt_id = pt, .data_type = type, .data_len = len,
		.data_uptr = (uintptr_t)data,
	};
	int ret = xioctl(ictx, KABI_IOMMU_HWPT_ALLOC, &h);

	if (!ret && id)
		*id = h.out_hwpt_id;
	return ret;
}

static uint32_t parent(uint32_t flags)
{
	uint32_t id = 0;

	ck_assert_int_eq(hwpt(ioas, F_NP | flags, 0, NULL, 0, &id), 0);
	return id;
}

static int viommu(uint32_t pt, uint32_t type, uint32_t *id)
{
	struct kabi_iommu_viommu_alloc v = {
		.size = sizeof(v), .type = type, .dev_id = dev_id, .hwpt_id = pt,
	};
	int ret = xioctl(ictx, KABI_IOMMU_VIOMMU_ALLOC, &v);

	if (!ret && id)
		*id = v.out_viommu_id;
	return ret;
}

static int vdevice(uint32_t v, uint64_t virt_id, uint32_t *id)
{
	struct kabi_iommu_vdevice_alloc a = {
		.size = sizeof(a), .viommu_id = v, .dev_id = dev_id,
		.virt_id = virt_id,
	};
	int ret = xioctl(ictx, KABI_IOMMU_VDEVICE_ALLOC, &a);

	if (!ret && id)
		*id = a.out_vdevice_id;
	return ret;
}

static int destroy(uint32_t id)
{
	struct kabi_iommu_destroy d = { .size = sizeof(d), .id = id };

	return xioctl(ictx, KABI_IOMMU_DESTROY, &d);
}

static int attach(uint32_t pt, uint32_t pasid)
{
	struct kabi_vfio_device_attach_iommufd_pt a = {
		.argsz = sizeof(a), .pt_id = pt,
	};

	if (pasid != RID) {
		a.flags = KABI_VFIO_DEVICE_ATTACH_PASID;
		a.pasid = pasid;
	}
	return xioctl(dfd, KABI_VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a);
}

static int vste(uint32_t v, uint64_t w0, uint64_t w1, uint32_t *id)
{
	struct kabi_iommu_hwpt_arm_smmuv3 s = { .ste = { w0, w1 } };

	return hwpt(v, 0, KABI_IOMMU_HWPT_DATA_ARM_SMMUV3, &s, sizeof(s), id);
}

static int vtd(uint32_t pt, uint32_t flags, uint32_t width, uint32_t *id)
{
	struct kabi_iommu_hwpt_vtd_s1 s = {
		.pgtbl_addr = 0x100000, .addr_width = width,
	};

	return hwpt(pt, flags, KABI_IOMMU_HWPT_DATA_VTD_S1, &s, sizeof(s), id);
}

/* IOMMU_HWPT_INVALIDATE; *num in: entries, out: what the kernel said. */
static int inval(uint32_t id, uint32_t type, const void *e, uint32_t len,
		 uint32_t *num)
{
	struct kabi_iommu_hwpt_invalidate c = {
		.size = sizeof(c), .hwpt_id = id, .data_uptr = (uintptr_t)e,
		.data_type = type, .entry_len = len, .entry_num = *num,
	};
	int ret = xioctl(ictx, KABI_IOMMU_HWPT_INVALIDATE, &c);

	*num = c.entry_num;
	return ret;
}

static void setup(void)
{
	ck_assert_int_eq(emu_init(), 0);
	ictx = pasid_sys->open("/dev/iommu", O_RDWR, 0);
	ck_assert_int_ge(ictx, 0);
}

static void teardown(void)
{
	emu_fini();
	ck_assert_uint_eq(emu_live_objects(), 0);
	ck_assert_uint_eq(emu_open_fds(), 0);
}

/* ---- vIOMMU and vDEVICE ---- */

START_TEST(t_viommu_smmuv3)
{
	uint32_t np, plain, v, vd, id;

	up(EMU_IOMMU_SMMUV3, NULL);
	np = parent(0);
	ck_assert_int_eq(hwpt(ioas, 0, 0, NULL, 0, &plain), 0);
	ck_assert_int_eq(viommu(np, KABI_IOMMU_VIOMMU_TYPE_DEFAULT, NULL),
			 -EOPNOTSUPP);
	ck_assert_int_eq(viommu(np, KABI_IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV,
				NULL), -EOPNOTSUPP);
	ck_assert_int_eq(viommu(plain, KABI_IOMMU_VIOMMU_TYPE_ARM_SMMUV3,
				NULL), -EINVAL);
	ck_assert_int_eq(viommu(ioas, KABI_IOMMU_VIOMMU_TYPE_ARM_SMMUV3, NULL),
			 -ENOENT);
	ck_assert_int_eq(viommu(np, KABI_IOMMU_VIOMMU_TYPE_ARM_SMMUV3, &v), 0);
	/* the vIOMMU holds its stage-2, the vDEVICE its vIOMMU */
	ck_assert_int_eq(destroy(np), -EBUSY);
	ck_assert_int_eq(vdevice(v, 0x42, &vd), 0);
	ck_assert_int_eq(vdevice(v, 0x43, &id), -EEXIST);	/* one per dev */
	ck_assert_int_eq(destroy(v), -EBUSY);
	ck_assert_int_eq(destroy(vd), 0);
	ck_assert_int_eq(destroy(v), 0);
	ck_assert_int_eq(destroy(np), 0);
}
END_TEST

START_TEST(t_viommu_vendors)
{
	struct emu_dev_cfg qemu = {
		.bdf = "0000:00:05.0", .iommu = EMU_IOMMU_SMMUV3,
		.no_viommu = true,
	};
	uint32_t np;

	/* VT-d has no get_viommu_size; 7.3 has no AMD vIOMMU type */
	up(EMU_IOMMU_INTEL, NULL);
	np = parent(0);
	ck_assert_int_eq(viommu(np, KABI_IOMMU_VIOMMU_TYPE_ARM_SMMUV3, NULL),
			 -EOPNOTSUPP);
	pasid_sys->close(dfd);
	/* QEMU's SMMUv3: neither CANWBS nor S2FWB */
	up(EMU_IOMMU_SMMUV3, &qemu);
	np = parent(0);
	ck_assert_int_eq(viommu(np, KABI_IOMMU_VIOMMU_TYPE_ARM_SMMUV3, NULL),
			 -EOPNOTSUPP);
	pasid_sys->close(dfd);
}
END_TEST

START_TEST(t_vdevice_goes_with_device)
{
	unsigned int objs;
	uint32_t np, v;

	up(EMU_IOMMU_SMMUV3, NULL);
	np = parent(0);
	ck_assert_int_eq(viommu(np, KABI_IOMMU_VIOMMU_TYPE_ARM_SMMUV3, &v), 0);
	ck_assert_int_eq(vdevice(v, 7, NULL), 0);
	objs = emu_live_objects();
	/* closing the VFIO fd unbinds the device: its vDEVICE goes too
	 * (iommufd_device_pre_destroy), and with it the vIOMMU's user */
	pasid_sys->close(dfd);
	ck_assert_uint_eq(emu_live_objects(), objs - 2);
	ck_assert_int_eq(destroy(v), 0);
}
END_TEST

/* ---- nested HWPTs: data types and the vSTE ---- */

START_TEST(t_vste_rules)
{
	struct emu_nested n;
	uint32_t np, v, id;

	up(EMU_IOMMU_SMMUV3, NULL);
	np = parent(0);
	ck_assert_int_eq(viommu(np, KABI_IOMMU_VIOMMU_TYPE_ARM_SMMUV3, &v), 0);
	/* arm_smmu_validate_vste: EIO for what a user may not set */
	ck_assert_int_eq(vste(v, STE_V | STE_CFG(CFG_S2), 0, NULL), -EIO);
	ck_assert_int_eq(vste(v, STE_V | STE_CFG(CFG_S1) | (1ULL << 53), 0,
			      NULL), -EIO);
	ck_assert_int_eq(vste(v, STE_V | STE_CFG(CFG_S1), 1ULL << 44, NULL),
			 -EIO);			/* SHCFG */
	ck_assert_int_eq(vste(v, STE_V | STE_CFG(CFG_S1), STE1_EATS(2), NULL),
			 -EIO);			/* EATS S1CHK */
	/* the wrong type for a vIOMMU, a short payload, a PASID flag */
	ck_assert_int_eq(vtd(v, 0, 48, NULL), -EINVAL);
	{
		uint64_t w[2] = { STE_V, 0 };

		ck_assert_int_eq(hwpt(v, 0, KABI_IOMMU_HWPT_DATA_ARM_SMMUV3, w,
				      8, NULL), -EINVAL);
		ck_assert_int_eq(hwpt(v, F_PASID,
				      KABI_IOMMU_HWPT_DATA_ARM_SMMUV3, w,
				      sizeof(w), NULL), -EOPNOTSUPP);
	}
	/* a vSTE without V is kept as all zero (abort) */
	ck_assert_int_eq(vste(v, 0xfff0, 0xff, &id), 0);
	ck_assert_int_eq(emu_nested_get(id, &n), 0);
	ck_assert_uint_eq(n.data[0], 0);
	ck_assert_uint_eq(n.data[1], 0);
	ck_assert_uint_eq(n.viommu, v);
	ck_assert_uint_eq(n.parent, np);
	ck_assert_int_eq(vste(v, STE_V | STE_CFG(CFG_S1) | STE_CTXPTR(0x40000),
			      STE1_EATS(1), &id), 0);
	ck_assert_int_eq(emu_nested_get(id, &n), 0);
	ck_assert_uint_eq(n.data[0], STE_V | STE_CFG(CFG_S1) | 0x40000);
	/* SMMUv3 nests only through its vIOMMU */
	ck_assert_int_eq(vste(np, STE_V, 0, NULL), -EOPNOTSUPP);
}
END_TEST

START_TEST(t_data_types)
{
	uint32_t np, plain, id;

	up(EMU_IOMMU_INTEL, NULL);
	np = parent(F_PASID);
	ck_assert_int_eq(hwpt(ioas, 0, 0, NULL, 0, &plain), 0);
	ck_assert_int_eq(vtd(np, F_PASID, 48, &id), 0);
	/* a type the driver does not take: EOPNOTSUPP (before the parent) */
	ck_assert_int_eq(vste(np, STE_V, 0, NULL), -EOPNOTSUPP);
	ck_assert_int_eq(vtd(plain, 0, 48, NULL), -EINVAL);	/* no parent */
	ck_assert_int_eq(vtd(np, F_DIRTY, 48, NULL), -EOPNOTSUPP);
	ck_assert_int_eq(hwpt(np, 0, 0, NULL, 0, NULL), -EOPNOTSUPP);
	pasid_sys->close(dfd);
	/* AMD: 7.3's amd_iommu_alloc_domain_nested is in no ops table */
	{
		struct emu_dev_cfg amd = {
			.bdf = "0000:00:06.0", .iommu = EMU_IOMMU_AMD,
		};
		struct kabi_iommu_hwpt_amd_guest g = { .dte = { 1 } };

		up(EMU_IOMMU_AMD, &amd);
		ck_assert_int_eq(hwpt(ioas, 0, 0, NULL, 0, &plain), 0);
		ck_assert_int_eq(hwpt(plain, 0, KABI_IOMMU_HWPT_DATA_AMD_GUEST,
				      &g, sizeof(g), NULL), -EOPNOTSUPP);
		pasid_sys->close(dfd);
	}
}
END_TEST

/* ---- attach ---- */

START_TEST(t_smmu_attach)
{
	uint32_t np, v, s1, byp;

	up(EMU_IOMMU_SMMUV3, NULL);
	np = parent(0);
	ck_assert_int_eq(viommu(np, KABI_IOMMU_VIOMMU_TYPE_ARM_SMMUV3, &v), 0);
	ck_assert_int_eq(vste(v, STE_V | STE_CFG(CFG_S1), 0, &s1), 0);
	ck_assert_int_eq(vste(v, STE_V | STE_CFG(CFG_BYPASS), 0, &byp), 0);
	/* a translating vSTE needs the device's vDEVICE; bypass does not */
	ck_assert_int_eq(attach(s1, RID), -ENOENT);
	ck_assert_int_eq(attach(byp, RID), 0);
	ck_assert_int_eq(vdevice(v, 3, NULL), 0);
	ck_assert_int_eq(attach(s1, RID), 0);	/* a replace */
	/* a nested SMMUv3 table is never attached at a PASID: it is not
	 * PASID-compatible (the core says EINVAL first) */
	ck_assert_int_eq(attach(s1, 1), -EINVAL);
	pasid_sys->close(dfd);
}
END_TEST

/* The driver refuses nesting while host PASIDs are in use (EBUSY in
 * arm_smmu_attach_dev_nested), but through iommufd the core's check comes
 * first: a RID table that is not PASID-compatible while PASIDs are
 * attached is EINVAL. */
START_TEST(t_smmu_nest_with_pasids)
{
	uint32_t np, v, s1, pt;

	up(EMU_IOMMU_SMMUV3, NULL);
	ck_assert_int_eq(hwpt(ioas, F_PASID, 0, NULL, 0, &pt), 0);
	ck_assert_int_eq(attach(pt, RID), 0);
	ck_assert_int_eq(attach(pt, 1), 0);
	np = parent(0);
	ck_assert_int_eq(viommu(np, KABI_IOMMU_VIOMMU_TYPE_ARM_SMMUV3, &v), 0);
	ck_assert_int_eq(vdevice(v, 3, NULL), 0);
	ck_assert_int_eq(vste(v, STE_V | STE_CFG(CFG_S1), 0, &s1), 0);
	ck_assert_int_eq(attach(s1, RID), -EINVAL);
	pasid_sys->close(dfd);
}
END_TEST

START_TEST(t_intel_attach)
{
	uint32_t np, dirty, s1, s1nopasid, wide, s1dirty;
	struct emu_dev_cfg cfg = {
		.bdf = "0000:00:04.0", .iommu = EMU_IOMMU_INTEL,
		.pasid_log2 = 8, .dirty = true,
	};

	up(EMU_IOMMU_INTEL, &cfg);
	np = parent(F_PASID);
	dirty = parent(F_PASID | F_DIRTY);
	ck_assert_int_eq(attach(np, RID), 0);
	ck_assert_int_eq(vtd(np, F_PASID, 48, &s1), 0);
	ck_assert_int_eq(vtd(np, 0, 48, &s1nopasid), 0);
	ck_assert_int_eq(vtd(np, F_PASID, 39, &wide), 0);
	ck_assert_int_eq(vtd(dirty, F_PASID, 48, &s1dirty), 0);
	ck_assert_int_eq(attach(s1nopasid, 1), -EINVAL);  /* not compatible */
	ck_assert_int_eq(attach(wide, 1), -EINVAL);	  /* 3-level */
	ck_assert_int_eq(attach(s1dirty, 1), -EINVAL);  /* dirty stage-2 */
	ck_assert_int_eq(attach(s1, 1), 0);
	ck_assert_int_eq(attach(s1, 2), 0);		/* shared by PASIDs */
	ck_assert_int_eq(destroy(np), -EBUSY);
	/* DMA through a stage-1 is not modelled: it faults */
	ck_assert_int_eq(emu_dma_write(0, 1, 0, "x", 1), -EFAULT);
	pasid_sys->close(dfd);
}
END_TEST

/* ---- invalidation ---- */

START_TEST(t_invalidate_vtd)
{
	struct kabi_iommu_hwpt_vtd_s1_invalidate e[3] = {
		{ .addr = 0x1000, .npages = 1 },
		{ .addr = 0x2000, .npages = 2,
		  .flags = KABI_IOMMU_VTD_INV_FLAGS_LEAF },
		{ .addr = 0, .npages = UINT64_MAX },
	};
	const uint32_t t = KABI_IOMMU_HWPT_INVALIDATE_DATA_VTD_S1;
	uint32_t np, s1, num;
	uint8_t big[2 * sizeof(e[0])] = { 0 };

	up(EMU_IOMMU_INTEL, NULL);
	np = parent(F_PASID);
	ck_assert_int_eq(vtd(np, F_PASID, 48, &s1), 0);
	num = 3;
	ck_assert_int_eq(inval(s1, t, e, sizeof(e[0]), &num), 0);
	ck_assert_uint_eq(num, 3);
	num = 0;				/* a probe */
	ck_assert_int_eq(inval(s1, t, NULL, 0, &num), 0);
	num = 3;
	ck_assert_int_eq(inval(s1, t, NULL, sizeof(e[0]), &num), -EINVAL);
	ck_assert_uint_eq(num, 0);
	/* partial: entries before the bad one are done, and say so */
	e[1].flags = 2;
	num = 3;
	ck_assert_int_eq(inval(s1, t, e, sizeof(e[0]), &num), -EOPNOTSUPP);
	ck_assert_uint_eq(num, 1);
	e[1].flags = 0;
	e[2].addr = 0x1800;
	num = 3;
	ck_assert_int_eq(inval(s1, t, e, sizeof(e[0]), &num), -EINVAL);
	ck_assert_uint_eq(num, 2);
	/* the wrong type, a paging HWPT, no object, a longer entry with
	 * non-zero bytes the kernel does not know */
	num = 1;
	ck_assert_int_eq(inval(s1, 1, e, sizeof(e[0]), &num), -EINVAL);
	ck_assert_uint_eq(num, 0);
	num = 1;
	ck_assert_int_eq(inval(np, t, e, sizeof(e[0]), &num), -EINVAL);
	num = 1;
	ck_assert_int_eq(inval(999, t, e, sizeof(e[0]), &num), -ENOENT);
	big[sizeof(e[0])] = 1;
	num = 1;
	ck_assert_int_eq(inval(s1, t, big, sizeof(big), &num), -E2BIG);
	ck_assert_uint_eq(num, 0);
	num = 1;
	ck_assert_int_eq(inval(s1, t, big, 8192, &num), -EINVAL);
	pasid_sys->close(dfd);
}
END_TEST

START_TEST(t_invalidate_smmu)
{
	const uint32_t t = KABI_IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3;
	struct kabi_iommu_viommu_arm_smmuv3_invalidate c[3] = {
		{ .cmd = { 0x11, 0 } },			/* TLBI_NH_ASID */
		{ .cmd = { 0x05 | (7ULL << 32), 0 } },	/* CFGI_CD vSID 7 */
		{ .cmd = { 0x05 | (8ULL << 32), 0 } },	/* unknown vSID */
	};
	uint32_t np, v, s1, num;

	up(EMU_IOMMU_SMMUV3, NULL);
	np = parent(0);
	ck_assert_int_eq(viommu(np, KABI_IOMMU_VIOMMU_TYPE_ARM_SMMUV3, &v), 0);
	ck_assert_int_eq(vdevice(v, 7, NULL), 0);
	ck_assert_int_eq(vste(v, STE_V | STE_CFG(CFG_S1), 0, &s1), 0);
	num = 2;
	ck_assert_int_eq(inval(v, t, c, sizeof(c[0]), &num), 0);
	ck_assert_uint_eq(num, 2);
	num = 3;
	ck_assert_int_eq(inval(v, t, c, sizeof(c[0]), &num), -EIO);
	ck_assert_uint_eq(num, 2);
	c[0].cmd[0] = 0x20;			/* TLBI_EL2_ALL: not a guest's */
	num = 3;
	ck_assert_int_eq(inval(v, t, c, sizeof(c[0]), &num), -EIO);
	ck_assert_uint_eq(num, 0);
	/* SMMUv3 invalidates through the vIOMMU, not the nested HWPT */
	num = 1;
	ck_assert_int_eq(inval(s1, t, c, sizeof(c[0]), &num), -EOPNOTSUPP);
	num = 1;
	ck_assert_int_eq(inval(v, 0, c, sizeof(c[0]), &num), -EINVAL);
	pasid_sys->close(dfd);
}
END_TEST

START_TEST(t_close_ctx_destroys_nested)
{
	uint32_t np, v, s1;

	up(EMU_IOMMU_SMMUV3, NULL);
	np = parent(0);
	ck_assert_int_eq(viommu(np, KABI_IOMMU_VIOMMU_TYPE_ARM_SMMUV3, &v), 0);
	ck_assert_int_eq(vdevice(v, 7, NULL), 0);
	ck_assert_int_eq(vste(v, STE_V | STE_CFG(CFG_S1), 0, &s1), 0);
	ck_assert_int_eq(attach(s1, RID), 0);
	pasid_sys->close(dfd);
	pasid_sys->close(ictx);
	ck_assert_uint_eq(emu_live_objects(), 0);
}
END_TEST

/* ---- dirty tracking, fault queues, vEVENTQs (kernel-rules §13) ---- */

#define EVQ_IOVA 0x200000ULL

static void *map2(void)
{
	static uint8_t buf[3 * 4096] __attribute__((aligned(4096)));
	struct kabi_iommu_ioas_map m = {
		.size = sizeof(m), .ioas_id = ioas,
		.flags = KABI_IOMMU_IOAS_MAP_FIXED_IOVA |
			 KABI_IOMMU_IOAS_MAP_WRITEABLE |
			 KABI_IOMMU_IOAS_MAP_READABLE,
		.user_va = (uintptr_t)buf, .length = 2 * 4096, .iova = EVQ_IOVA,
	};

	ck_assert_int_eq(xioctl(ictx, KABI_IOMMU_IOAS_MAP, &m), 0);
	return buf;
}

static int get_dirty(uint32_t id, uint64_t iova, uint64_t len, uint64_t pg,
		     uint32_t flags, uint64_t *bm)
{
	struct kabi_iommu_hwpt_get_dirty_bitmap g = {
		.size = sizeof(g), .hwpt_id = id, .flags = flags, .iova = iova,
		.length = len, .page_size = pg, .data = (uintptr_t)bm,
	};

	*bm = 0;
	return xioctl(ictx, KABI_IOMMU_HWPT_GET_DIRTY_BITMAP, &g);
}

static int set_dirty(uint32_t id, uint32_t flags)
{
	struct kabi_iommu_hwpt_set_dirty_tracking d = {
		.size = sizeof(d), .flags = flags, .hwpt_id = id,
	};

	return xioctl(ictx, KABI_IOMMU_HWPT_SET_DIRTY_TRACKING, &d);
}

START_TEST(t_dirty_rules)
{
	struct emu_dev_cfg cfg = {
		.bdf = "0000:00:04.0", .iommu = EMU_IOMMU_INTEL,
		.pasid_log2 = 8, .dirty = true,
	};
	uint32_t d, plain, v = 1;
	uint64_t bm;

	up(EMU_IOMMU_INTEL, &cfg);
	map2();
	ck_assert_int_eq(hwpt(ioas, F_DIRTY, 0, NULL, 0, &d), 0);
	ck_assert_int_eq(hwpt(ioas, 0, 0, NULL, 0, &plain), 0);
	ck_assert_int_eq(attach(d, RID), 0);
	ck_assert_int_eq(set_dirty(d, 2), -EOPNOTSUPP);
	ck_assert_int_eq(set_dirty(plain, 1), -EOPNOTSUPP);
	ck_assert_int_eq(set_dirty(999, 1), -ENOENT);
	ck_assert_int_eq(set_dirty(d, 1), 0);
	ck_assert_int_eq(emu_dma_write(0, 0, EVQ_IOVA + 4096, &v, sizeof(v)), 0);
	ck_assert_int_eq(get_dirty(d, EVQ_IOVA, 0, 4096, 0, &bm), -EINVAL);
	ck_assert_int_eq(get_dirty(d, EVQ_IOVA + 8, 4096, 4096, 0, &bm),
			 -EINVAL);
	ck_assert_int_eq(get_dirty(d, EVQ_IOVA, 8192, 0, 0, &bm), -EINVAL);
	ck_assert_int_eq(get_dirty(d, EVQ_IOVA, 8192, 4096, 2, &bm),
			 -EOPNOTSUPP);
	ck_assert_int_eq(get_dirty(d, UINT64_MAX - 4095, 8192, 4096, 0, &bm),
			 -EOVERFLOW);
	ck_assert_int_eq(get_dirty(plain, EVQ_IOVA, 8192, 4096, 0, &bm),
			 -EOPNOTSUPP);
	/* 7.3: a range past the mapping succeeds with the mapped part */
	ck_assert_int_eq(get_dirty(d, EVQ_IOVA, 3 * 4096, 4096,
				   KABI_IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR, &bm),
			 0);
	ck_assert_uint_eq(bm, 2);
	ck_assert_int_eq(get_dirty(d, EVQ_IOVA, 8192, 4096, 0, &bm), 0);
	ck_assert_uint_eq(bm, 2);
	ck_assert_int_eq(get_dirty(d, EVQ_IOVA, 8192, 4096, 0, &bm), 0);
	ck_assert_uint_eq(bm, 0);
}
END_TEST

static int fault_alloc(uint32_t flags, uint32_t *id, int *fd)
{
	struct kabi_iommu_fault_alloc f = { .size = sizeof(f), .flags = flags };
	int ret = xioctl(ictx, KABI_IOMMU_FAULT_QUEUE_ALLOC, &f);

	*id = f.out_fault_id;
	*fd = (int)f.out_fault_fd;
	return ret;
}

static int fault_hwpt(uint32_t pt, uint32_t flags, uint32_t fault_id,
		      uint32_t *id)
{
	struct kabi_iommu_hwpt_alloc h = {
		.size = sizeof(h), .dev_id = dev_id, .pt_id = pt,
		.flags = flags | KABI_IOMMU_HWPT_FAULT_ID_VALID,
		.fault_id = fault_id,
	};
	int ret = xioctl(ictx, KABI_IOMMU_HWPT_ALLOC, &h);

	*id = h.out_hwpt_id;
	return ret;
}

START_TEST(t_fault_rules)
{
	struct emu_dev_cfg cfg = {
		.bdf = "0000:00:04.0", .iommu = EMU_IOMMU_INTEL,
		.pasid_log2 = 8, .pri = true,
	};
	struct kabi_iommu_hwpt_pgfault rec[2];
	struct kabi_iommu_hwpt_page_response r;
	struct emu_fault_stats st;
	uint32_t fid, h, v = 0;
	char small[8];
	int fd, x;

	up(EMU_IOMMU_INTEL, &cfg);
	map2();
	ck_assert_int_eq(fault_alloc(1, &fid, &fd), -EOPNOTSUPP);
	ck_assert_int_eq(fault_alloc(0, &fid, &fd), 0);
	ck_assert_int_eq(fault_hwpt(ioas, 0, 999, &h), -ENOENT);
	ck_assert_int_eq(fault_hwpt(ioas, F_NP, fid, &h), -EOPNOTSUPP);
	ck_assert_int_eq(fault_hwpt(ioas, 0, fid, &h), 0);
	ck_assert_int_eq(destroy(fid), -EBUSY);
	ck_assert_int_eq(attach(h, RID), 0);
	/* nothing queued: 0; mapped DMA is no fault */
	ck_assert_int_eq(pasid_sys->read(fd, rec, sizeof(rec)), 0);
	ck_assert_int_eq(emu_dma_write(0, 0, EVQ_IOVA, &v, sizeof(v)), 0);
	ck_assert_int_eq(emu_dma_write(0, 0, 0x900000, &v, sizeof(v)), -EAGAIN);
	ck_assert_int_eq(pasid_sys->read(fd, small, sizeof(small)), -1);
	ck_assert_int_eq(errno, ESPIPE);
	ck_assert_int_eq(pasid_sys->pread(fd, rec, sizeof(rec), 0), -1);
	ck_assert_int_eq(errno, ESPIPE);
	ck_assert_int_eq(pasid_sys->read(fd, rec, sizeof(rec)),
			 (int)sizeof(rec[0]));
	ck_assert_uint_eq(rec[0].addr, 0x900000);
	ck_assert_uint_eq(rec[0].dev_id, dev_id);
	ck_assert_uint_eq(rec[0].flags, KABI_IOMMU_PGFAULT_FLAGS_LAST_PAGE);
	ck_assert_uint_eq(rec[0].cookie, 1);
	r.cookie = rec[0].cookie;
	r.code = 2;
	ck_assert_int_eq(pasid_sys->write(fd, &r, sizeof(r)), -1);
	ck_assert_int_eq(errno, EINVAL);
	r.code = KABI_IOMMUFD_PAGE_RESP_SUCCESS;
	ck_assert_int_eq(pasid_sys->write(fd, &r, sizeof(r)), (int)sizeof(r));
	ck_assert_int_eq(pasid_sys->write(fd, &r, sizeof(r)), -1);
	ck_assert_int_eq(errno, EINVAL);
	/* a waiting request is answered at the detach */
	ck_assert_int_eq(emu_dma_read(0, 0, 0x900000, &v, sizeof(v)), -EAGAIN);
	ck_assert_int_eq(pasid_sys->read(fd, rec, sizeof(rec)),
			 (int)sizeof(rec[0]));
	ck_assert_uint_eq(rec[0].perm, KABI_IOMMU_PGFAULT_PERM_READ);
	ck_assert_int_eq(emu_fault_stats(fid, &st), 0);
	ck_assert_uint_eq(st.waiting, 1);
	{
		struct kabi_vfio_device_detach_iommufd_pt dt = {
			.argsz = sizeof(dt),
		};

		ck_assert_int_eq(xioctl(dfd, KABI_VFIO_DEVICE_DETACH_IOMMUFD_PT,
					&dt), 0);
	}
	ck_assert_int_eq(emu_fault_stats(fid, &st), 0);
	ck_assert_uint_eq(st.waiting, 0);
	ck_assert_uint_eq(st.answered, 2);
	/* the FAULT goes with its last holder: the HWPT, then the fd */
	ck_assert_int_eq(destroy(h), 0);
	ck_assert_int_eq(destroy(fid), -EBUSY);
	x = pasid_sys->close(fd);
	ck_assert_int_eq(x, 0);
	ck_assert_int_eq(destroy(fid), 0);
}
END_TEST

/* VT-d enables IOPF at the attach: ENODEV without PRI. */
START_TEST(t_fault_needs_pri)
{
	uint32_t fid, h;
	int fd;

	up(EMU_IOMMU_INTEL, NULL);
	ck_assert_int_eq(fault_alloc(0, &fid, &fd), 0);
	ck_assert_int_eq(fault_hwpt(ioas, 0, fid, &h), 0);
	ck_assert_int_eq(attach(h, RID), -ENODEV);
}
END_TEST

/* AMD attaches it anyway (attach_device ignores an IOPF failure), and a
 * v1 table's faults stay faults. */
START_TEST(t_fault_amd_attaches)
{
	struct emu_dev_cfg cfg = {
		.bdf = "0000:00:04.0", .iommu = EMU_IOMMU_AMD, .pri = true,
	};
	uint32_t fid, h, v = 0;
	int fd;

	up(EMU_IOMMU_AMD, &cfg);
	ck_assert_int_eq(fault_alloc(0, &fid, &fd), 0);
	ck_assert_int_eq(fault_hwpt(ioas, 0, fid, &h), 0);
	ck_assert_int_eq(attach(h, RID), 0);
	ck_assert_int_eq(emu_dma_write(0, 0, 0x900000, &v, sizeof(v)), -EFAULT);
}
END_TEST

static int veventq(uint32_t v, uint32_t type, uint32_t depth, int *fd)
{
	struct kabi_iommu_veventq_alloc a = {
		.size = sizeof(a), .viommu_id = v, .type = type,
		.veventq_depth = depth,
	};
	int ret = xioctl(ictx, KABI_IOMMU_VEVENTQ_ALLOC, &a);

	*fd = (int)a.out_veventq_fd;
	return ret;
}

START_TEST(t_veventq_rules)
{
	const uint64_t evt[4] = { 0x0a, 1, 2, 3 };
	uint8_t buf[64];
	uint32_t v;
	int fd, fd2;

	up(EMU_IOMMU_SMMUV3, NULL);
	ck_assert_int_eq(viommu(parent(0), KABI_IOMMU_VIOMMU_TYPE_ARM_SMMUV3,
				&v), 0);
	ck_assert_int_eq(emu_vevent_inject(v, evt), -EOPNOTSUPP);
	ck_assert_int_eq(veventq(v, KABI_IOMMU_VEVENTQ_TYPE_DEFAULT, 4, &fd),
			 -EOPNOTSUPP);
	ck_assert_int_eq(veventq(v, KABI_IOMMU_VEVENTQ_TYPE_ARM_SMMUV3, 0, &fd),
			 -EINVAL);
	ck_assert_int_eq(veventq(v, KABI_IOMMU_VEVENTQ_TYPE_ARM_SMMUV3,
				 (1u << 19) + 1, &fd), -EINVAL);
	ck_assert_int_eq(veventq(999, KABI_IOMMU_VEVENTQ_TYPE_ARM_SMMUV3, 4,
				 &fd), -ENOENT);
	ck_assert_int_eq(veventq(v, KABI_IOMMU_VEVENTQ_TYPE_ARM_SMMUV3, 1, &fd),
			 0);
	ck_assert_int_eq(veventq(v, KABI_IOMMU_VEVENTQ_TYPE_ARM_SMMUV3, 1,
				 &fd2), -EEXIST);
	ck_assert_int_eq(destroy(v), -EBUSY);
	ck_assert_int_eq(emu_vevent_inject(v, evt), 0);
	ck_assert_int_eq(emu_vevent_inject(v, evt), 0);	/* lost */
	ck_assert_int_eq(pasid_sys->read(fd, buf, 4), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(pasid_sys->read(fd, buf, 20), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(pasid_sys->write(fd, buf, 8), -1);
	ck_assert_int_eq(errno, EINVAL);
	/* the event (8 + 32) and the LOST header (8) */
	ck_assert_int_eq(pasid_sys->read(fd, buf, sizeof(buf)), 48);
	ck_assert_int_eq(pasid_sys->read(fd, buf, sizeof(buf)), 0);
}
END_TEST

static Suite *nested_suite(void)
{
	Suite *s = suite_create("emu-nested");
	TCase *tc = tcase_create("nested");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, t_viommu_smmuv3);
	tcase_add_test(tc, t_viommu_vendors);
	tcase_add_test(tc, t_vdevice_goes_with_device);
	tcase_add_test(tc, t_vste_rules);
	tcase_add_test(tc, t_data_types);
	tcase_add_test(tc, t_smmu_attach);
	tcase_add_test(tc, t_smmu_nest_with_pasids);
	tcase_add_test(tc, t_intel_attach);
	tcase_add_test(tc, t_invalidate_vtd);
	tcase_add_test(tc, t_invalidate_smmu);
	tcase_add_test(tc, t_close_ctx_destroys_nested);
	tcase_add_test(tc, t_dirty_rules);
	tcase_add_test(tc, t_fault_rules);
	tcase_add_test(tc, t_fault_needs_pri);
	tcase_add_test(tc, t_fault_amd_attaches);
	tcase_add_test(tc, t_veventq_rules);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(nested_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
