/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The vendor-quirk layer on hand-built register values: decoders, flag rules,
 * hints, and the vendor lookups. Every payload is handed over in a heap
 * buffer of exactly the length given, so valgrind catches any over-read.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kabi.h"
#include "libpasid/libpasid.h"
#include "iommu/vendor.h"

#define NEST	KABI_IOMMU_HWPT_ALLOC_NEST_PARENT
#define DIRTY	KABI_IOMMU_HWPT_ALLOC_DIRTY_TRACKING
#define PASID	KABI_IOMMU_HWPT_ALLOC_PASID
#define FAULT	KABI_IOMMU_HWPT_FAULT_ID_VALID

#define BIT64(n) (1ull << (n))
#define BIT32(n) (1u << (n))

/* VT-d CAP/ECAP bits (VT-d spec 11.4.2/11.4.3). */
#define VTD_MGAW(bits)	((uint64_t)((bits) - 1) << 16)
#define VTD_NEST	BIT64(26)
#define VTD_PRS		BIT64(29)
#define VTD_PASID	BIT64(40)
#define VTD_SMTS	BIT64(43)
#define VTD_SLADS	BIT64(45)
#define VTD_SLTS	BIT64(46)
#define VTD_FLTS	BIT64(47)
#define VTD_PSS(n)	((uint64_t)(n) << 35)
#define VTD_ECAP_ALL	(VTD_NEST | VTD_PRS | VTD_PASID | VTD_SMTS |	\
			 VTD_SLADS | VTD_SLTS | VTD_FLTS | VTD_PSS(19))

/* SMMUv3 IDR bits (IHI 0070 6.3). */
#define IDR0_S2P	BIT32(0)
#define IDR0_S1P	BIT32(1)
#define IDR0_PRI	BIT32(16)
#define IDR0_CD2L	BIT32(19)
#define IDR1_SSID(n)	((uint32_t)(n) << 6)
#define IDR1_SID(n)	((uint32_t)(n))
#define IDR5_OAS(n)	((uint32_t)(n))
#define IDR5_VAX52	(1u << 10)
#define IDR5_GRAN4K	BIT32(4)

/* AMD EFR/EFR2 bits (AMD IOMMU spec, MMIO 0030h / 01A0h). */
#define EFR_PPR		BIT64(1)
#define EFR_GT		BIT64(4)
#define EFR_GA		BIT64(7)
#define EFR_PASMAX(n)	((uint64_t)(n) << 32)
#define EFR_GIO		BIT64(48)
#define EFR_EPH		BIT64(50)
#define EFR_HD		BIT64(52)
#define EFR_ALL		(EFR_PPR | EFR_GT | EFR_GA | EFR_PASMAX(15) |	\
			 EFR_GIO | EFR_EPH | EFR_HD)
#define EFR2_GCR3TRP	BIT64(3)

/* The vtd() and smmu() payloads below carry the erratum flag of the 7.3
 * kernel; the flag it turns into has tests of its own. */
#define VTD_ERRATUM_CAP		PASID_CAP_NEST_NO_READONLY
#define SMMU_ERRATUM_CAP	PASID_CAP_NEST_REPEAT_INVALIDATE

static void caps_init(struct pasid_caps *c, const struct pasid_vendor_ops *ops)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	c->vendor = ops->vendor;
	c->hw_info_type = ops->hw_info_type;
}

/* Decode len bytes of src from a heap copy of exactly len bytes. */
static void decode_exact(const struct pasid_vendor_ops *ops, const void *src,
			 size_t len, struct pasid_caps *c)
{
	void *buf = NULL;

	caps_init(c, ops);
	if (len) {
		buf = malloc(len);
		ck_assert_ptr_nonnull(buf);
		memcpy(buf, src, len);
	}
	ops->decode(buf, len, c);
	free(buf);
}

static int check(const struct pasid_vendor_ops *ops,
		 const struct pasid_caps *c, uint32_t flags, const char **why)
{
	*why = NULL;
	return ops->check_hwpt_flags(c, flags, why);
}

#define ck_accepts(ops, c, flags) do {					\
	const char *why_;						\
	int ret_ = check(ops, c, flags, &why_);				\
	ck_assert_msg(ret_ == 0, "flags %#x refused: %s",		\
		      (unsigned int)(flags), why_ ? why_ : "(no reason)"); \
	ck_assert_ptr_null(why_);					\
} while (0)

#define ck_refuses(ops, c, flags, word) do {				\
	const char *why_;						\
	int ret_ = check(ops, c, flags, &why_);				\
	ck_assert_int_eq(ret_, -EOPNOTSUPP);				\
	ck_assert_ptr_nonnull(why_);					\
	ck_assert_msg(strstr(why_, word), "'%s' lacks '%s'", why_, word); \
	ck_assert_msg(why_[strlen(why_) - 1] != '.',			\
		      "'%s' ends with a full stop", why_);		\
} while (0)

/* ------------------------------------------------------------------ */
/* Intel VT-d                                                          */

static struct kabi_iommu_hw_info_vtd vtd(uint64_t cap, uint64_t ecap)
{
	struct kabi_iommu_hw_info_vtd v = {
		.flags = KABI_IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17,
		.cap_reg = cap,
		.ecap_reg = ecap,
	};
	return v;
}

static void vtd_decode(uint64_t cap, uint64_t ecap, struct pasid_caps *c)
{
	struct kabi_iommu_hw_info_vtd v = vtd(cap, ecap);

	decode_exact(&pasid_vendor_intel, &v, sizeof(v), c);
}

START_TEST(intel_full_scalable)
{
	struct pasid_caps c;

	vtd_decode(VTD_MGAW(48), VTD_ECAP_ALL, &c);
	ck_assert_uint_eq(c.flags & ~VTD_ERRATUM_CAP,
			  PASID_CAP_NESTING | PASID_CAP_PRI);
	ck_assert_int_eq(c.table_owner, PASID_TABLE_KERNEL);
	ck_assert_uint_eq(c.iova_bits, 48);
	ck_assert_uint_eq(c.raw.vtd.cap, VTD_MGAW(48));
	ck_assert_uint_eq(c.raw.vtd.ecap, VTD_ECAP_ALL);
	ck_assert_uint_eq(c.raw.vtd.flags,
			  KABI_IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17);
	ck_assert_uint_eq(c.pasid_width, 0);	/* the core's job */
	ck_assert_int_eq(c.vendor, PASID_IOMMU_INTEL_VTD);
}
END_TEST

START_TEST(intel_mgaw)
{
	struct pasid_caps c;

	vtd_decode(VTD_MGAW(57), 0, &c);
	ck_assert_uint_eq(c.iova_bits, 57);
	vtd_decode(VTD_MGAW(39), 0, &c);
	ck_assert_uint_eq(c.iova_bits, 39);
	/* bits outside 21:16 do not leak into MGAW */
	vtd_decode(VTD_MGAW(48) | BIT64(22) | BIT64(15) | BIT64(60), 0, &c);
	ck_assert_uint_eq(c.iova_bits, 48);
}
END_TEST

START_TEST(intel_no_pasid)
{
	struct pasid_caps c;

	vtd_decode(VTD_MGAW(48), VTD_ECAP_ALL & ~VTD_PASID, &c);
	ck_assert_int_eq(c.table_owner, PASID_TABLE_NONE);
	ck_assert_uint_eq(c.flags & ~VTD_ERRATUM_CAP,
			  PASID_CAP_NESTING | PASID_CAP_PRI);
}
END_TEST

START_TEST(intel_legacy_mode)
{
	struct pasid_caps c;

	/* PASID and NEST without scalable mode mean nothing */
	vtd_decode(VTD_MGAW(48), VTD_PASID | VTD_NEST | VTD_SLTS, &c);
	ck_assert_int_eq(c.table_owner, PASID_TABLE_NONE);
	ck_assert_uint_eq(c.flags & PASID_CAP_NESTING, 0);
}
END_TEST

START_TEST(intel_flag_bits_one_by_one)
{
	struct pasid_caps c;

	vtd_decode(0, VTD_SMTS, &c);
	ck_assert_uint_eq(c.flags & ~VTD_ERRATUM_CAP, 0);
	ck_assert_int_eq(c.table_owner, PASID_TABLE_NONE);
	vtd_decode(0, VTD_SMTS | VTD_NEST, &c);
	ck_assert_uint_eq(c.flags & ~VTD_ERRATUM_CAP, PASID_CAP_NESTING);
	vtd_decode(0, VTD_PRS, &c);
	ck_assert_uint_eq(c.flags & ~VTD_ERRATUM_CAP, PASID_CAP_PRI);
	vtd_decode(0, VTD_SMTS | VTD_PASID, &c);
	ck_assert_uint_eq(c.flags & ~VTD_ERRATUM_CAP, 0);
	ck_assert_int_eq(c.table_owner, PASID_TABLE_KERNEL);
	/* SLADS is for check_hwpt_flags; the core owns DIRTY_TRACKING */
	vtd_decode(0, VTD_SMTS | VTD_SLADS, &c);
	ck_assert_uint_eq(c.flags & ~VTD_ERRATUM_CAP, 0);
}
END_TEST

START_TEST(intel_keeps_core_flags)
{
	struct kabi_iommu_hw_info_vtd v = vtd(VTD_MGAW(48), 0);
	struct pasid_caps c;

	caps_init(&c, &pasid_vendor_intel);
	c.flags = PASID_CAP_DIRTY_TRACKING | PASID_CAP_PASID_EXEC;
	c.pasid_width = 20;
	pasid_vendor_intel.decode(&v, sizeof(v), &c);
	ck_assert_uint_eq(c.flags & ~VTD_ERRATUM_CAP,
			  PASID_CAP_DIRTY_TRACKING | PASID_CAP_PASID_EXEC);
	ck_assert_uint_eq(c.pasid_width, 20);
}
END_TEST

START_TEST(intel_short)
{
	struct kabi_iommu_hw_info_vtd v = vtd(VTD_MGAW(48), VTD_ECAP_ALL);
	struct pasid_caps c;
	size_t len;

	/* flags + __reserved + cap: cap decoded, ecap not */
	decode_exact(&pasid_vendor_intel, &v, 16, &c);
	ck_assert_uint_eq(c.iova_bits, 48);
	ck_assert_uint_eq(c.raw.vtd.cap, VTD_MGAW(48));
	ck_assert_uint_eq(c.raw.vtd.ecap, 0);
	ck_assert_uint_eq(c.flags & ~VTD_ERRATUM_CAP, 0);
	ck_assert_int_eq(c.table_owner, PASID_TABLE_NONE);

	/* half an ecap is no ecap */
	decode_exact(&pasid_vendor_intel, &v, 20, &c);
	ck_assert_uint_eq(c.raw.vtd.ecap, 0);
	ck_assert_uint_eq(c.iova_bits, 48);

	/* only flags */
	decode_exact(&pasid_vendor_intel, &v, 4, &c);
	ck_assert_uint_eq(c.raw.vtd.flags,
			  KABI_IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17);
	ck_assert_uint_eq(c.raw.vtd.cap, 0);
	ck_assert_uint_eq(c.iova_bits, 0);

	for (len = 0; len < 4; len++) {
		decode_exact(&pasid_vendor_intel, &v, len, &c);
		ck_assert_uint_eq(c.raw.vtd.flags, 0);
		ck_assert_uint_eq(c.flags & ~VTD_ERRATUM_CAP, 0);
	}
}
END_TEST

START_TEST(intel_long)
{
	/* a newer kernel's longer payload: the known part is decoded */
	unsigned char buf[64];
	struct kabi_iommu_hw_info_vtd v = vtd(VTD_MGAW(57), VTD_ECAP_ALL);
	struct pasid_caps c;

	memset(buf, 0xff, sizeof(buf));
	memcpy(buf, &v, sizeof(v));
	decode_exact(&pasid_vendor_intel, buf, sizeof(buf), &c);
	ck_assert_uint_eq(c.iova_bits, 57);
	ck_assert_uint_eq(c.raw.vtd.ecap, VTD_ECAP_ALL);
	ck_assert_int_eq(c.table_owner, PASID_TABLE_KERNEL);
}
END_TEST

START_TEST(intel_null_data)
{
	struct pasid_caps c;

	caps_init(&c, &pasid_vendor_intel);
	pasid_vendor_intel.decode(NULL, 24, &c);
	ck_assert_uint_eq(c.flags & ~VTD_ERRATUM_CAP, 0);
	ck_assert_uint_eq(c.iova_bits, 0);
	ck_assert_int_eq(c.table_owner, PASID_TABLE_NONE);
}
END_TEST

START_TEST(intel_flags_all_combinations)
{
	struct pasid_caps c;
	uint32_t f;

	vtd_decode(VTD_MGAW(48), VTD_ECAP_ALL, &c);
	for (f = 0; f <= (NEST | DIRTY | PASID); f++)
		if (!(f & ~(NEST | DIRTY | PASID)))
			ck_accepts(&pasid_vendor_intel, &c, f);
	/* flags the vendor layer has no rule for are left to the kernel */
	ck_accepts(&pasid_vendor_intel, &c, PASID | FAULT);
}
END_TEST

START_TEST(intel_flags_dirty_needs_slads)
{
	struct pasid_caps c;

	vtd_decode(VTD_MGAW(48), VTD_ECAP_ALL & ~VTD_SLADS, &c);
	ck_refuses(&pasid_vendor_intel, &c, DIRTY, "SLADS");
	ck_refuses(&pasid_vendor_intel, &c, DIRTY | PASID, "SLADS");
	ck_refuses(&pasid_vendor_intel, &c, DIRTY | NEST | PASID, "SLADS");
	ck_accepts(&pasid_vendor_intel, &c, NEST | PASID);
	ck_accepts(&pasid_vendor_intel, &c, PASID);
}
END_TEST

START_TEST(intel_flags_nest_needs_nest)
{
	struct pasid_caps c;

	vtd_decode(VTD_MGAW(48), VTD_ECAP_ALL & ~VTD_NEST, &c);
	ck_refuses(&pasid_vendor_intel, &c, NEST, "nesting parent");
	ck_refuses(&pasid_vendor_intel, &c, NEST | PASID, "ECAP.NEST");
	ck_accepts(&pasid_vendor_intel, &c, DIRTY | PASID);
}
END_TEST

START_TEST(intel_flags_legacy_mode)
{
	struct pasid_caps c;

	/* no scalable mode: no nesting, no dirty tracking; PASID is left to
	 * the attach (the kernel allocates the table anyway) */
	vtd_decode(VTD_MGAW(48), VTD_ECAP_ALL & ~VTD_SMTS, &c);
	ck_refuses(&pasid_vendor_intel, &c, NEST, "SMTS");
	ck_refuses(&pasid_vendor_intel, &c, DIRTY, "SMTS");
	ck_accepts(&pasid_vendor_intel, &c, PASID);
	ck_accepts(&pasid_vendor_intel, &c, 0);
}
END_TEST

START_TEST(intel_flags_need_second_stage)
{
	struct pasid_caps c;

	vtd_decode(VTD_MGAW(48), VTD_ECAP_ALL & ~VTD_SLTS, &c);
	ck_refuses(&pasid_vendor_intel, &c, NEST, "SLTS");
	ck_refuses(&pasid_vendor_intel, &c, DIRTY | PASID, "SLTS");
	ck_accepts(&pasid_vendor_intel, &c, PASID);
}
END_TEST

/* PASID alone gets a first-stage table where scalable mode has one, else a
 * second-stage one; with neither the kernel has nothing to build */
START_TEST(intel_flags_pasid_needs_a_stage)
{
	struct pasid_caps c;

	vtd_decode(VTD_MGAW(48), VTD_ECAP_ALL & ~VTD_FLTS, &c);
	ck_accepts(&pasid_vendor_intel, &c, PASID);
	vtd_decode(VTD_MGAW(48), VTD_ECAP_ALL & ~(VTD_FLTS | VTD_SLTS), &c);
	ck_refuses(&pasid_vendor_intel, &c, PASID, "FLTS and ECAP.SLTS");
	ck_refuses(&pasid_vendor_intel, &c, PASID | FAULT, "FLTS");
	ck_refuses(&pasid_vendor_intel, &c, 0, "FLTS");
	/* legacy mode always has second-stage tables */
	vtd_decode(VTD_MGAW(48),
		   VTD_ECAP_ALL & ~(VTD_FLTS | VTD_SLTS | VTD_SMTS), &c);
	ck_accepts(&pasid_vendor_intel, &c, PASID);
}
END_TEST

/* The 7.3 driver's erratum flag (SPR17, 772415) becomes a capability bit;
 * a payload without it, or too short for it, gives none. */
START_TEST(intel_erratum_flag)
{
	struct kabi_iommu_hw_info_vtd v = vtd(VTD_MGAW(48), VTD_ECAP_ALL);
	struct pasid_caps c;

	decode_exact(&pasid_vendor_intel, &v, sizeof(v), &c);
	ck_assert(c.flags & PASID_CAP_NEST_NO_READONLY);
	v.flags = 0;
	decode_exact(&pasid_vendor_intel, &v, sizeof(v), &c);
	ck_assert(!(c.flags & PASID_CAP_NEST_NO_READONLY));
	v.flags = KABI_IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17;
	decode_exact(&pasid_vendor_intel, &v, 2, &c);
	ck_assert(!(c.flags & PASID_CAP_NEST_NO_READONLY));
}
END_TEST

START_TEST(intel_flags_null_why)
{
	struct pasid_caps c;

	vtd_decode(0, 0, &c);
	ck_assert_int_eq(pasid_vendor_intel.check_hwpt_flags(&c, DIRTY, NULL),
			 -EOPNOTSUPP);
	ck_assert_int_eq(pasid_vendor_intel.check_hwpt_flags(&c, PASID, NULL),
			 0);
}
END_TEST

START_TEST(intel_hints)
{
	struct pasid_caps c;

	vtd_decode(0, VTD_SMTS, &c);
	ck_assert_ptr_nonnull(strstr(pasid_vendor_intel.no_pasid_hint(&c),
				     "ECAP.PASID"));
	vtd_decode(0, VTD_PASID, &c);
	ck_assert_ptr_nonnull(strstr(pasid_vendor_intel.no_pasid_hint(&c),
				     "ECAP.SMTS"));
	vtd_decode(0, VTD_PASID | VTD_SMTS, &c);
	ck_assert_ptr_nonnull(strstr(pasid_vendor_intel.no_pasid_hint(&c),
				     "sm_on"));
}
END_TEST

/* ------------------------------------------------------------------ */
/* ARM SMMUv3                                                          */

static struct kabi_iommu_hw_info_arm_smmuv3 smmu(uint32_t idr0, uint32_t idr1,
						 uint32_t idr5)
{
	struct kabi_iommu_hw_info_arm_smmuv3 s = {
		.flags = KABI_IOMMU_HW_INFO_ARM_SMMUV3_ERRATA_REPEAT_TLBI_CFGI,
		.idr = { idr0, idr1, 0x1234, 0x600, 0x5678, idr5 },
		.iidr = 0x4b1,
		.aidr = 0x2,
	};
	return s;
}

static void smmu_decode(uint32_t idr0, uint32_t idr1, uint32_t idr5,
			struct pasid_caps *c)
{
	struct kabi_iommu_hw_info_arm_smmuv3 s = smmu(idr0, idr1, idr5);

	decode_exact(&pasid_vendor_smmuv3, &s, sizeof(s), c);
}

#define SMMU_FULL_IDR0	(IDR0_S1P | IDR0_S2P | IDR0_PRI)
#define SMMU_FULL_IDR1	(IDR1_SSID(20) | IDR1_SID(16))
#define SMMU_FULL_IDR5	(IDR5_VAX52 | IDR5_OAS(5) | IDR5_GRAN4K)

START_TEST(smmu_full)
{
	struct pasid_caps c;

	smmu_decode(SMMU_FULL_IDR0, SMMU_FULL_IDR1, SMMU_FULL_IDR5, &c);
	ck_assert_uint_eq(c.flags & ~SMMU_ERRATUM_CAP,
			  PASID_CAP_NESTING | PASID_CAP_PRI);
	ck_assert_int_eq(c.table_owner, PASID_TABLE_USER_DELEGATABLE);
	ck_assert_uint_eq(c.iova_bits, 52);
	ck_assert_uint_eq(c.raw.smmuv3.flags,
		KABI_IOMMU_HW_INFO_ARM_SMMUV3_ERRATA_REPEAT_TLBI_CFGI);
	ck_assert_uint_eq(c.raw.smmuv3.idr[0], SMMU_FULL_IDR0);
	ck_assert_uint_eq(c.raw.smmuv3.idr[1], SMMU_FULL_IDR1);
	ck_assert_uint_eq(c.raw.smmuv3.idr[2], 0x1234);
	ck_assert_uint_eq(c.raw.smmuv3.idr[3], 0x600);
	ck_assert_uint_eq(c.raw.smmuv3.idr[4], 0x5678);
	ck_assert_uint_eq(c.raw.smmuv3.idr[5], SMMU_FULL_IDR5);
	ck_assert_uint_eq(c.raw.smmuv3.iidr, 0x4b1);
	ck_assert_uint_eq(c.raw.smmuv3.aidr, 0x2);
	ck_assert_uint_eq(c.pasid_width, 0);
}
END_TEST

START_TEST(smmu_s1_only)
{
	struct pasid_caps c;

	smmu_decode(IDR0_S1P, IDR1_SSID(8), IDR5_OAS(6), &c);
	ck_assert_uint_eq(c.flags & ~SMMU_ERRATUM_CAP, 0);
	ck_assert_int_eq(c.table_owner, PASID_TABLE_USER_DELEGATABLE);
	ck_assert_uint_eq(c.iova_bits, 48);	/* no VAX: 48-bit VA */
}
END_TEST

START_TEST(smmu_s2_only)
{
	struct pasid_caps c;

	/* substreams without stage 1 are useless */
	smmu_decode(IDR0_S2P | IDR0_PRI, IDR1_SSID(20), IDR5_OAS(2), &c);
	ck_assert_uint_eq(c.flags & ~SMMU_ERRATUM_CAP, PASID_CAP_PRI);
	ck_assert_int_eq(c.table_owner, PASID_TABLE_NONE);
	ck_assert_uint_eq(c.iova_bits, 40);	/* IPA = OAS */
	smmu_decode(IDR0_S2P, 0, IDR5_OAS(6) | IDR5_VAX52, &c);
	ck_assert_uint_eq(c.iova_bits, 52);
	smmu_decode(IDR0_S2P, 0, IDR5_OAS(0), &c);
	ck_assert_uint_eq(c.iova_bits, 32);
	smmu_decode(IDR0_S2P, 0, IDR5_OAS(7), &c);	/* reserved */
	ck_assert_uint_eq(c.iova_bits, 0);
}
END_TEST

START_TEST(smmu_no_translation)
{
	struct pasid_caps c;

	smmu_decode(0, IDR1_SSID(20), SMMU_FULL_IDR5, &c);
	ck_assert_uint_eq(c.flags & ~SMMU_ERRATUM_CAP, 0);
	ck_assert_int_eq(c.table_owner, PASID_TABLE_NONE);
	ck_assert_uint_eq(c.iova_bits, 0);
}
END_TEST

START_TEST(smmu_no_ssid)
{
	struct pasid_caps c;

	smmu_decode(SMMU_FULL_IDR0, IDR1_SID(16), SMMU_FULL_IDR5, &c);
	ck_assert_int_eq(c.table_owner, PASID_TABLE_NONE);
	ck_assert_uint_eq(c.flags & ~SMMU_ERRATUM_CAP,
			  PASID_CAP_NESTING | PASID_CAP_PRI);
	/* SSIDSIZE is bits 10:6 only */
	smmu_decode(SMMU_FULL_IDR0, IDR1_SID(0x3f) | BIT32(11), 0, &c);
	ck_assert_int_eq(c.table_owner, PASID_TABLE_NONE);
	smmu_decode(SMMU_FULL_IDR0, IDR1_SSID(1), 0, &c);
	ck_assert_int_eq(c.table_owner, PASID_TABLE_USER_DELEGATABLE);
}
END_TEST

START_TEST(smmu_short)
{
	struct kabi_iommu_hw_info_arm_smmuv3 s =
		smmu(SMMU_FULL_IDR0, SMMU_FULL_IDR1, SMMU_FULL_IDR5);
	struct pasid_caps c;

	/* flags, __reserved, IDR0 */
	decode_exact(&pasid_vendor_smmuv3, &s, 12, &c);
	ck_assert_uint_eq(c.flags & ~SMMU_ERRATUM_CAP,
			  PASID_CAP_NESTING | PASID_CAP_PRI);
	ck_assert_uint_eq(c.raw.smmuv3.idr[0], SMMU_FULL_IDR0);
	ck_assert_uint_eq(c.raw.smmuv3.idr[1], 0);
	ck_assert_int_eq(c.table_owner, PASID_TABLE_NONE);
	ck_assert_uint_eq(c.iova_bits, 0);

	/* + IDR1 */
	decode_exact(&pasid_vendor_smmuv3, &s, 16, &c);
	ck_assert_int_eq(c.table_owner, PASID_TABLE_USER_DELEGATABLE);
	ck_assert_uint_eq(c.iova_bits, 0);

	/* IDR0..IDR4 and half of IDR5 */
	decode_exact(&pasid_vendor_smmuv3, &s, 30, &c);
	ck_assert_uint_eq(c.raw.smmuv3.idr[4], 0x5678);
	ck_assert_uint_eq(c.raw.smmuv3.idr[5], 0);
	ck_assert_uint_eq(c.iova_bits, 0);

	/* every IDR, no IIDR/AIDR */
	decode_exact(&pasid_vendor_smmuv3, &s, 32, &c);
	ck_assert_uint_eq(c.iova_bits, 52);
	ck_assert_uint_eq(c.raw.smmuv3.iidr, 0);
	ck_assert_uint_eq(c.raw.smmuv3.aidr, 0);

	decode_exact(&pasid_vendor_smmuv3, &s, 36, &c);
	ck_assert_uint_eq(c.raw.smmuv3.iidr, 0x4b1);
	ck_assert_uint_eq(c.raw.smmuv3.aidr, 0);

	/* no IDR0 at all */
	decode_exact(&pasid_vendor_smmuv3, &s, 8, &c);
	ck_assert_uint_eq(c.flags & ~SMMU_ERRATUM_CAP, 0);
	ck_assert_uint_eq(c.raw.smmuv3.flags,
		KABI_IOMMU_HW_INFO_ARM_SMMUV3_ERRATA_REPEAT_TLBI_CFGI);
	decode_exact(&pasid_vendor_smmuv3, &s, 0, &c);
	ck_assert_uint_eq(c.raw.smmuv3.flags, 0);
	ck_assert_int_eq(c.table_owner, PASID_TABLE_NONE);
}
END_TEST

START_TEST(smmu_flags_rules)
{
	struct pasid_caps c;

	smmu_decode(SMMU_FULL_IDR0, SMMU_FULL_IDR1, SMMU_FULL_IDR5, &c);
	c.flags |= PASID_CAP_DIRTY_TRACKING;	/* as the core would */
	ck_accepts(&pasid_vendor_smmuv3, &c, 0);
	ck_accepts(&pasid_vendor_smmuv3, &c, PASID);
	ck_accepts(&pasid_vendor_smmuv3, &c, DIRTY);
	ck_accepts(&pasid_vendor_smmuv3, &c, DIRTY | PASID);
	ck_accepts(&pasid_vendor_smmuv3, &c, NEST);
	ck_accepts(&pasid_vendor_smmuv3, &c, PASID | FAULT);
	ck_refuses(&pasid_vendor_smmuv3, &c, NEST | PASID, "PASIDs");
	ck_refuses(&pasid_vendor_smmuv3, &c, NEST | DIRTY, "dirty");
	ck_refuses(&pasid_vendor_smmuv3, &c, NEST | DIRTY | PASID, "PASIDs");
}
END_TEST

START_TEST(smmu_flags_need_stages)
{
	struct pasid_caps c;

	smmu_decode(IDR0_S1P, SMMU_FULL_IDR1, SMMU_FULL_IDR5, &c);
	ck_refuses(&pasid_vendor_smmuv3, &c, NEST, "S2P");
	ck_accepts(&pasid_vendor_smmuv3, &c, PASID);

	smmu_decode(IDR0_S2P, SMMU_FULL_IDR1, SMMU_FULL_IDR5, &c);
	c.flags |= PASID_CAP_DIRTY_TRACKING;
	ck_refuses(&pasid_vendor_smmuv3, &c, NEST, "S1P");
	ck_refuses(&pasid_vendor_smmuv3, &c, PASID, "S1P");
	ck_refuses(&pasid_vendor_smmuv3, &c, DIRTY | PASID, "stage-1");
	ck_accepts(&pasid_vendor_smmuv3, &c, 0);
}
END_TEST

START_TEST(smmu_flags_dirty_needs_kernel_cap)
{
	struct pasid_caps c;

	smmu_decode(SMMU_FULL_IDR0, SMMU_FULL_IDR1, SMMU_FULL_IDR5, &c);
	ck_refuses(&pasid_vendor_smmuv3, &c, DIRTY, "dirty tracking");
	ck_refuses(&pasid_vendor_smmuv3, &c, DIRTY | PASID, "HTTU");
	ck_accepts(&pasid_vendor_smmuv3, &c, PASID);
}
END_TEST

/* Linux 7.3's repeated-invalidation erratum flag becomes a capability bit */
START_TEST(smmu_erratum_flag)
{
	struct kabi_iommu_hw_info_arm_smmuv3 s =
		smmu(SMMU_FULL_IDR0, SMMU_FULL_IDR1, SMMU_FULL_IDR5);
	struct pasid_caps c;

	decode_exact(&pasid_vendor_smmuv3, &s, sizeof(s), &c);
	ck_assert(c.flags & PASID_CAP_NEST_REPEAT_INVALIDATE);
	s.flags = 0;
	decode_exact(&pasid_vendor_smmuv3, &s, sizeof(s), &c);
	ck_assert(!(c.flags & PASID_CAP_NEST_REPEAT_INVALIDATE));
}
END_TEST

/* Without 2-level CD tables (IDR0.CD2L) the driver's CD table holds 2^10
 * SubstreamIDs, whatever width the kernel reported */
START_TEST(smmu_width_linear_cd)
{
	struct pasid_caps c;

	smmu_decode(SMMU_FULL_IDR0 | IDR0_CD2L, SMMU_FULL_IDR1,
		    SMMU_FULL_IDR5, &c);
	c.pasid_width = 20;
	ck_assert_uint_eq(pasid_vendor_smmuv3.pasid_width(&c, 20), 20);
	smmu_decode(SMMU_FULL_IDR0, SMMU_FULL_IDR1, SMMU_FULL_IDR5, &c);
	c.pasid_width = 20;
	ck_assert_uint_eq(pasid_vendor_smmuv3.pasid_width(&c, 20), 10);
	c.pasid_width = 8;
	ck_assert_uint_eq(pasid_vendor_smmuv3.pasid_width(&c, 8), 8);
	c.pasid_width = 0;
	ck_assert_uint_eq(pasid_vendor_smmuv3.pasid_width(&c, -1), 0);
}
END_TEST

START_TEST(smmu_hints)
{
	struct pasid_caps c;

	smmu_decode(IDR0_S2P, SMMU_FULL_IDR1, 0, &c);
	ck_assert_ptr_nonnull(strstr(pasid_vendor_smmuv3.no_pasid_hint(&c),
				     "S1P"));
	smmu_decode(IDR0_S1P, 0, 0, &c);
	ck_assert_ptr_nonnull(strstr(pasid_vendor_smmuv3.no_pasid_hint(&c),
				     "SSIDSIZE"));
	smmu_decode(IDR0_S1P, IDR1_SSID(20), 0, &c);
	ck_assert_ptr_nonnull(strstr(pasid_vendor_smmuv3.no_pasid_hint(&c),
				     "PASID capability"));
}
END_TEST

/* ------------------------------------------------------------------ */
/* AMD-Vi                                                              */

static void amd_decode(uint64_t efr, uint64_t efr2, struct pasid_caps *c)
{
	struct kabi_iommu_hw_info_amd a = { .efr = efr, .efr2 = efr2 };

	decode_exact(&pasid_vendor_amd, &a, sizeof(a), c);
}

START_TEST(amd_full)
{
	struct pasid_caps c;

	amd_decode(EFR_ALL, EFR2_GCR3TRP, &c);
	ck_assert_uint_eq(c.flags, PASID_CAP_NESTING | PASID_CAP_PRI);
	ck_assert_int_eq(c.table_owner, PASID_TABLE_USER_DELEGATABLE);
	ck_assert_uint_eq(c.iova_bits, 48);
	ck_assert_uint_eq(c.raw.amd.efr, EFR_ALL);
	ck_assert_uint_eq(c.raw.amd.efr2, EFR2_GCR3TRP);
	ck_assert_uint_eq(c.pasid_width, 0);
}
END_TEST

START_TEST(amd_no_gt)
{
	struct pasid_caps c;

	amd_decode(EFR_ALL & ~EFR_GT, EFR2_GCR3TRP, &c);
	ck_assert_uint_eq(c.flags, PASID_CAP_PRI);
	ck_assert_int_eq(c.table_owner, PASID_TABLE_NONE);
	ck_assert_uint_eq(c.iova_bits, 0);
}
END_TEST

START_TEST(amd_pasmax_zero)
{
	struct pasid_caps c;

	amd_decode(EFR_ALL & ~EFR_PASMAX(0x1f), EFR2_GCR3TRP, &c);
	ck_assert_int_eq(c.table_owner, PASID_TABLE_NONE);
	ck_assert_uint_eq(c.flags, PASID_CAP_NESTING | PASID_CAP_PRI);
	amd_decode((EFR_ALL & ~EFR_PASMAX(0x1f)) | EFR_PASMAX(1), 0, &c);
	ck_assert_int_eq(c.table_owner, PASID_TABLE_USER_DELEGATABLE);
}
END_TEST

START_TEST(amd_v2_needs)
{
	struct pasid_caps c;

	amd_decode(EFR_ALL & ~EFR_PPR, 0, &c);
	ck_assert_uint_eq(c.flags & PASID_CAP_PRI, 0);
	ck_assert_int_eq(c.table_owner, PASID_TABLE_NONE);
	amd_decode(EFR_ALL & ~EFR_EPH, 0, &c);
	ck_assert_uint_eq(c.flags, PASID_CAP_PRI);
	ck_assert_int_eq(c.table_owner, PASID_TABLE_NONE);
	amd_decode(EFR_ALL & ~EFR_GIO, EFR2_GCR3TRP, &c);
	ck_assert_uint_eq(c.flags, PASID_CAP_PRI);
	ck_assert_int_eq(c.table_owner, PASID_TABLE_NONE);
}
END_TEST

START_TEST(amd_nesting_needs_gcr3trp)
{
	struct pasid_caps c;

	amd_decode(EFR_ALL, 0, &c);
	ck_assert_uint_eq(c.flags & PASID_CAP_NESTING, 0);
	amd_decode(EFR_GT | EFR_GIO, EFR2_GCR3TRP, &c);
	ck_assert_uint_eq(c.flags, PASID_CAP_NESTING);
	ck_assert_int_eq(c.table_owner, PASID_TABLE_NONE);
}
END_TEST

START_TEST(amd_short)
{
	struct kabi_iommu_hw_info_amd a = { .efr = EFR_ALL,
					    .efr2 = EFR2_GCR3TRP };
	struct pasid_caps c;

	/* EFR only: no EFR2, hence no nesting verdict */
	decode_exact(&pasid_vendor_amd, &a, 8, &c);
	ck_assert_uint_eq(c.raw.amd.efr, EFR_ALL);
	ck_assert_uint_eq(c.raw.amd.efr2, 0);
	ck_assert_uint_eq(c.flags, PASID_CAP_PRI);
	ck_assert_int_eq(c.table_owner, PASID_TABLE_USER_DELEGATABLE);

	decode_exact(&pasid_vendor_amd, &a, 12, &c);
	ck_assert_uint_eq(c.raw.amd.efr2, 0);

	decode_exact(&pasid_vendor_amd, &a, 7, &c);
	ck_assert_uint_eq(c.raw.amd.efr, 0);
	ck_assert_uint_eq(c.flags, 0);
	ck_assert_int_eq(c.table_owner, PASID_TABLE_NONE);

	decode_exact(&pasid_vendor_amd, &a, 0, &c);
	ck_assert_uint_eq(c.flags, 0);
}
END_TEST

START_TEST(amd_flags_rules)
{
	struct pasid_caps c;

	amd_decode(EFR_ALL, EFR2_GCR3TRP, &c);
	ck_accepts(&pasid_vendor_amd, &c, 0);
	ck_accepts(&pasid_vendor_amd, &c, PASID);
	ck_accepts(&pasid_vendor_amd, &c, DIRTY);
	ck_accepts(&pasid_vendor_amd, &c, NEST);
	ck_accepts(&pasid_vendor_amd, &c, DIRTY | NEST);
	ck_accepts(&pasid_vendor_amd, &c, PASID | FAULT);
	ck_refuses(&pasid_vendor_amd, &c, PASID | DIRTY, "v2");
	ck_refuses(&pasid_vendor_amd, &c, PASID | NEST, "PASIDs");
	ck_refuses(&pasid_vendor_amd, &c, PASID | NEST | DIRTY, "v1");
}
END_TEST

START_TEST(amd_flags_need_bits)
{
	struct pasid_caps c;

	amd_decode(EFR_ALL & ~EFR_HD, EFR2_GCR3TRP, &c);
	ck_refuses(&pasid_vendor_amd, &c, DIRTY, "HDSup");
	ck_refuses(&pasid_vendor_amd, &c, DIRTY | NEST, "HDSup");
	ck_accepts(&pasid_vendor_amd, &c, NEST);

	amd_decode(EFR_ALL, 0, &c);
	ck_refuses(&pasid_vendor_amd, &c, NEST, "GCR3TRPMode");
	ck_accepts(&pasid_vendor_amd, &c, DIRTY);

	amd_decode(EFR_ALL & ~EFR_EPH, EFR2_GCR3TRP, &c);
	ck_refuses(&pasid_vendor_amd, &c, PASID, "EPHSup");
	ck_accepts(&pasid_vendor_amd, &c, DIRTY | NEST);
}
END_TEST

/* The kernel's AMD-Vi max_pasids is 2^(PASmax+1) - 1, whose ilog2 drops a
 * bit when the device is wider: flagged, and the reported width is kept */
START_TEST(amd_width_rounded)
{
	struct pasid_caps c;

	amd_decode((EFR_ALL & ~EFR_PASMAX(0x1f)) | EFR_PASMAX(9), 0, &c);
	c.pasid_width = 9;
	ck_assert_uint_eq(pasid_vendor_amd.pasid_width(&c, 16), 9);
	ck_assert(c.flags & PASID_CAP_PASID_WIDTH_ROUNDED);
	/* a device of exactly PASmax bits is the limit: nothing hidden */
	amd_decode((EFR_ALL & ~EFR_PASMAX(0x1f)) | EFR_PASMAX(9), 0, &c);
	c.pasid_width = 9;
	ck_assert_uint_eq(pasid_vendor_amd.pasid_width(&c, 9), 9);
	ck_assert(!(c.flags & PASID_CAP_PASID_WIDTH_ROUNDED));
	/* the device's width unknown (no root): not claimed */
	ck_assert_uint_eq(pasid_vendor_amd.pasid_width(&c, -1), 9);
	ck_assert(!(c.flags & PASID_CAP_PASID_WIDTH_ROUNDED));
	/* a narrower device limits the width itself */
	c.pasid_width = 5;
	ck_assert_uint_eq(pasid_vendor_amd.pasid_width(&c, 5), 5);
	ck_assert(!(c.flags & PASID_CAP_PASID_WIDTH_ROUNDED));
}
END_TEST

START_TEST(amd_hints)
{
	struct pasid_caps c;

	amd_decode(0, 0, &c);
	ck_assert_ptr_nonnull(strstr(pasid_vendor_amd.no_pasid_hint(&c),
				     "GTSup"));
	amd_decode(EFR_GT, 0, &c);
	ck_assert_ptr_nonnull(strstr(pasid_vendor_amd.no_pasid_hint(&c),
				     "EPHSup"));
	amd_decode(EFR_ALL & ~EFR_PASMAX(0x1f), 0, &c);
	ck_assert_ptr_nonnull(strstr(pasid_vendor_amd.no_pasid_hint(&c),
				     "PASmax"));
	amd_decode(EFR_ALL, 0, &c);
	ck_assert_ptr_nonnull(strstr(pasid_vendor_amd.no_pasid_hint(&c),
				     "SEV-SNP"));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Generic, tables and lookups                                         */

START_TEST(generic_table)
{
	struct pasid_caps c;

	caps_init(&c, &pasid_vendor_generic);
	ck_assert_uint_eq(pasid_vendor_generic.hw_info_type,
			  KABI_IOMMU_HW_INFO_TYPE_NONE);
	ck_assert_ptr_null(pasid_vendor_generic.decode);
	ck_assert_ptr_null(pasid_vendor_generic.check_hwpt_flags);
	ck_assert_ptr_nonnull(pasid_vendor_generic.no_pasid_hint);
	c.vendor = PASID_IOMMU_VIRTIO;
	ck_assert_str_eq(pasid_vendor_generic.no_pasid_hint(&c),
			 "virtio-iommu has no PASID support in Linux");
	c.vendor = PASID_IOMMU_OTHER;
	ck_assert_ptr_null(strstr(pasid_vendor_generic.no_pasid_hint(&c),
				  "virtio"));
}
END_TEST

START_TEST(by_hw_info)
{
	ck_assert_ptr_eq(pasid_vendor_by_hw_info(1), &pasid_vendor_intel);
	ck_assert_ptr_eq(pasid_vendor_by_hw_info(2), &pasid_vendor_smmuv3);
	ck_assert_ptr_eq(pasid_vendor_by_hw_info(4), &pasid_vendor_amd);
	ck_assert_ptr_eq(pasid_vendor_by_hw_info(0), &pasid_vendor_generic);
	/* Tegra241 CMDQV is another payload (and only sent on request) */
	ck_assert_ptr_eq(pasid_vendor_by_hw_info(3), &pasid_vendor_generic);
	ck_assert_ptr_eq(pasid_vendor_by_hw_info(0xdeadbeef),
			 &pasid_vendor_generic);
	/* the numbers above are the uAPI's: IOMMU_HW_INFO_TYPE_* */
	ck_assert_int_eq(KABI_IOMMU_HW_INFO_TYPE_INTEL_VTD, 1);
	ck_assert_int_eq(KABI_IOMMU_HW_INFO_TYPE_ARM_SMMUV3, 2);
	ck_assert_int_eq(KABI_IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV, 3);
	ck_assert_int_eq(KABI_IOMMU_HW_INFO_TYPE_AMD, 4);
	ck_assert_int_eq(KABI_IOMMU_HW_INFO_TYPE_NONE, 0);
}
END_TEST

START_TEST(tables_consistent)
{
	const struct pasid_vendor_ops *t[] = {
		&pasid_vendor_intel, &pasid_vendor_smmuv3, &pasid_vendor_amd,
	};
	const enum pasid_iommu_vendor v[] = {
		PASID_IOMMU_INTEL_VTD, PASID_IOMMU_ARM_SMMUV3,
		PASID_IOMMU_AMD_VI,
	};
	size_t i;

	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(t[i]->vendor, v[i]);
		ck_assert_ptr_nonnull(t[i]->decode);
		ck_assert_ptr_nonnull(t[i]->check_hwpt_flags);
		ck_assert_ptr_nonnull(t[i]->no_pasid_hint);
		ck_assert_ptr_nonnull(t[i]->instance_prefixes);
		ck_assert_ptr_nonnull(t[i]->instance_prefixes[0]);
		ck_assert_ptr_null(t[i]->instance_prefixes[1]);
		ck_assert_ptr_eq(pasid_vendor_by_hw_info(t[i]->hw_info_type),
				 t[i]);
	}
}
END_TEST

static const struct {
	const char *name;
	enum pasid_iommu_vendor vendor;
} instances[] = {
	{ "dmar0", PASID_IOMMU_INTEL_VTD },
	{ "dmar17", PASID_IOMMU_INTEL_VTD },
	{ "ivhd0", PASID_IOMMU_AMD_VI },
	{ "ivhd3", PASID_IOMMU_AMD_VI },
	{ "smmu3.0x0000000009050000", PASID_IOMMU_ARM_SMMUV3 },
	{ "smmu3.0x2b400000", PASID_IOMMU_ARM_SMMUV3 },
	{ "smmu.0x2b400000", PASID_IOMMU_OTHER },	/* SMMUv1/v2 */
	{ "smmu3", PASID_IOMMU_OTHER },
	{ "riscv-iommu@0000:00:03.0", PASID_IOMMU_OTHER },
	{ "fc000000.iommu", PASID_IOMMU_OTHER },
	{ "LNRO0005:00", PASID_IOMMU_OTHER },
	/* virtio-iommu: virtio_bus_name() of its transport */
	{ "0000:00:03.0", PASID_IOMMU_VIRTIO },		/* virtio-pci */
	{ "0001:2a:1f.7", PASID_IOMMU_VIRTIO },
	{ "10000:00:02.0", PASID_IOMMU_VIRTIO },	/* wide domain */
	{ "a003e00.virtio_mmio", PASID_IOMMU_VIRTIO },	/* DT virtio-mmio */
	{ "virtio-mmio", PASID_IOMMU_VIRTIO },		/* cmdline */
	{ "virtio0", PASID_IOMMU_VIRTIO },		/* not Linux's, still */
	{ "0000:00:03.8", PASID_IOMMU_OTHER },
	{ "0000:00:03.0x", PASID_IOMMU_OTHER },
	{ "000:00:03.0", PASID_IOMMU_OTHER },
	{ "0000:0:03.0", PASID_IOMMU_OTHER },
	{ "0000:00:03", PASID_IOMMU_OTHER },
	{ "", PASID_IOMMU_UNKNOWN },
	{ NULL, PASID_IOMMU_UNKNOWN },
};

START_TEST(by_instance)
{
	const char *name = instances[_i].name;

	ck_assert_msg(pasid_vendor_by_instance(name) == instances[_i].vendor,
		      "'%s' gave %s, not %s", name ? name : "(null)",
		      pasid_iommu_vendor_name(pasid_vendor_by_instance(name)),
		      pasid_iommu_vendor_name(instances[_i].vendor));
}
END_TEST

START_TEST(vendor_names)
{
	ck_assert_str_eq(pasid_iommu_vendor_name(PASID_IOMMU_UNKNOWN),
			 "unknown");
	ck_assert_str_eq(pasid_iommu_vendor_name(PASID_IOMMU_INTEL_VTD),
			 "intel-vtd");
	ck_assert_str_eq(pasid_iommu_vendor_name(PASID_IOMMU_ARM_SMMUV3),
			 "arm-smmuv3");
	ck_assert_str_eq(pasid_iommu_vendor_name(PASID_IOMMU_AMD_VI),
			 "amd-vi");
	ck_assert_str_eq(pasid_iommu_vendor_name(PASID_IOMMU_VIRTIO),
			 "virtio-iommu");
	ck_assert_str_eq(pasid_iommu_vendor_name(PASID_IOMMU_OTHER), "other");
	ck_assert_str_eq(pasid_iommu_vendor_name((enum pasid_iommu_vendor)42),
			 "unknown");
}
END_TEST

static Suite *vendor_suite(void)
{
	Suite *s = suite_create("vendor");
	TCase *tc;

	tc = tcase_create("intel");
	tcase_add_test(tc, intel_full_scalable);
	tcase_add_test(tc, intel_mgaw);
	tcase_add_test(tc, intel_no_pasid);
	tcase_add_test(tc, intel_legacy_mode);
	tcase_add_test(tc, intel_flag_bits_one_by_one);
	tcase_add_test(tc, intel_keeps_core_flags);
	tcase_add_test(tc, intel_short);
	tcase_add_test(tc, intel_long);
	tcase_add_test(tc, intel_null_data);
	tcase_add_test(tc, intel_flags_all_combinations);
	tcase_add_test(tc, intel_flags_dirty_needs_slads);
	tcase_add_test(tc, intel_flags_nest_needs_nest);
	tcase_add_test(tc, intel_flags_legacy_mode);
	tcase_add_test(tc, intel_flags_need_second_stage);
	tcase_add_test(tc, intel_flags_pasid_needs_a_stage);
	tcase_add_test(tc, intel_erratum_flag);
	tcase_add_test(tc, intel_flags_null_why);
	tcase_add_test(tc, intel_hints);
	suite_add_tcase(s, tc);

	tc = tcase_create("smmuv3");
	tcase_add_test(tc, smmu_full);
	tcase_add_test(tc, smmu_s1_only);
	tcase_add_test(tc, smmu_s2_only);
	tcase_add_test(tc, smmu_no_translation);
	tcase_add_test(tc, smmu_no_ssid);
	tcase_add_test(tc, smmu_short);
	tcase_add_test(tc, smmu_flags_rules);
	tcase_add_test(tc, smmu_flags_need_stages);
	tcase_add_test(tc, smmu_flags_dirty_needs_kernel_cap);
	tcase_add_test(tc, smmu_erratum_flag);
	tcase_add_test(tc, smmu_width_linear_cd);
	tcase_add_test(tc, smmu_hints);
	suite_add_tcase(s, tc);

	tc = tcase_create("amd");
	tcase_add_test(tc, amd_full);
	tcase_add_test(tc, amd_no_gt);
	tcase_add_test(tc, amd_pasmax_zero);
	tcase_add_test(tc, amd_v2_needs);
	tcase_add_test(tc, amd_nesting_needs_gcr3trp);
	tcase_add_test(tc, amd_short);
	tcase_add_test(tc, amd_flags_rules);
	tcase_add_test(tc, amd_flags_need_bits);
	tcase_add_test(tc, amd_width_rounded);
	tcase_add_test(tc, amd_hints);
	suite_add_tcase(s, tc);

	tc = tcase_create("lookup");
	tcase_add_test(tc, generic_table);
	tcase_add_test(tc, by_hw_info);
	tcase_add_test(tc, tables_consistent);
	tcase_add_loop_test(tc, by_instance, 0,
			    sizeof(instances) / sizeof(instances[0]));
	tcase_add_test(tc, vendor_names);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(vendor_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
