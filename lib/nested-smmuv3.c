/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * SMMUv3 stage-1s: the context descriptor (PASID) table is the user's. The
 * library keeps one in its own memory, mapped read-only in the nest's
 * address space (the SMMU walks it through the stage-2), installs a vSTE
 * pointing at it on the RID (a nested HWPT made through the vIOMMU) at the
 * first stage-1, writes each PASID's CD and tells the SMMU with CFGI_CD
 * through the vIOMMU (doc/kernel-rules.md §12).
 *
 * Formats: Arm SMMU architecture v3 (IHI 0070), "Stream Table Entry" and
 * "Context Descriptor"; the MAIR the CDs carry is the one Linux's own
 * stage-1 tables use, so a table built for Linux's io-pgtable attribute
 * indexes works unchanged.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "internal.h"
#include "kabi.h"
#include "kernel.h"
#include "nested.h"

/* linear CD table: at most 1024 CDs (64 KiB, the kernel's
 * CTXDESC_LINEAR_CDMAX too) */
#define CD_BYTES		64u
#define CD_MAX_BITS		10u
#define CD_WORDS		(CD_BYTES / 8)

/* STE word 0 / 1 */
#define STE0_V			(1ULL << 0)
#define STE0_CFG_S1		(5ULL << 1)
#define STE0_CTXPTR_MASK	(((1ULL << 46) - 1) << 6)	/* 51:6 */
#define STE0_S1CDMAX_SHIFT	59
#define STE1_S1DSS_BYPASS	1ULL	/* untagged DMA: stage-2 only */
#define STE1_S1CIR_WBRA		(1ULL << 2)
#define STE1_S1COR_WBRA		(1ULL << 4)
#define STE1_S1CSH_ISH		(3ULL << 6)

/* CD word 0 */
#define CD0_TG0_4K		(0ULL << 6)
#define CD0_IRGN0_WBWA		(1ULL << 8)
#define CD0_ORGN0_WBWA		(1ULL << 10)
#define CD0_SH0_ISH		(3ULL << 12)
#define CD0_EPD1		(1ULL << 30)
#define CD0_V			(1ULL << 31)
#define CD0_IPS_SHIFT		32
#define CD0_AA64		(1ULL << 41)
#define CD0_R			(1ULL << 45)
#define CD0_A			(1ULL << 46)
#define CD0_ASET		(1ULL << 47)
#define CD0_ASID_SHIFT		48
#define CD1_TTB0_MASK		(((1ULL << 48) - 1) << 4)	/* 51:4 */
/* MAIR: 0 non-cacheable, 1 write-back RWA, 2 device nGnRE, 3 inner NC
 * outer WB (Linux's ARM_LPAE_MAIR_ATTR_IDX_*) */
#define CD3_MAIR		0xf404ff44ULL

#define CMD_CFGI_CD		0x05ULL
#define CMD_SSID_SHIFT		12
#define CMD_SID_SHIFT		32
#define CMD_CFGI_LEAF		1ULL
#define CMD_TLBI_NH_ASID	0x11ULL
#define CMD_TLBI_NH_VA		0x12ULL
#define CMD_TLBI_ASID_SHIFT	48
#define CMD_TLBI_LEAF		1ULL
#define CMD_TLBI_VA_MASK	(~0xfffULL)		/* 63:12 */
#define S1_PAGE			4096u
/* a range of more pages than this is cheaper as the whole ASID */
#define TLBI_VA_MAX		256u
/* the kernel's bound of entries in one IOMMU_HWPT_INVALIDATE */
#define CMDS_MAX		(1u << 19)

#define S1_VA_MIN		32u
#define S1_VA_MAX		48u

uint32_t smmu_s1_pasid_bits(const struct pasid_dev *dev)
{
	uint32_t w = dev->caps.pasid_width;

	return w < CD_MAX_BITS ? w : CD_MAX_BITS;
}

static bool repeat_erratum(const struct pasid_dev *dev)
{
	return dev->caps.raw.smmuv3.flags &
	       KABI_IOMMU_HW_INFO_ARM_SMMUV3_ERRATA_REPEAT_TLBI_CFGI;
}

/*
 * Send count raw commands through the nest's vIOMMU in one kernel call,
 * each twice on an SMMU with the TLBI/CFGI erratum. *done: the caller's
 * commands the SMMU took (a command counts once both copies went).
 */
static int smmu_commands(struct pasid_nest *n, const uint64_t (*cmds)[2],
			 uint32_t count, uint32_t *done)
{
	struct pasid_dev *dev = n->dev;
	struct kabi_iommu_viommu_arm_smmuv3_invalidate *e;
	const uint32_t reps = repeat_erratum(dev) ? 2 : 1;
	uint32_t i, num = count * reps;
	int ret;

	*done = 0;
	e = calloc(num, sizeof(*e));
	if (!e)
		return pasid_err(dev->ctx, ENOMEM,
				 "out of memory for %u SMMU commands", num);
	for (i = 0; i < num; i++) {
		e[i].cmd[0] = htole64(cmds[i / reps][0]);
		e[i].cmd[1] = htole64(cmds[i / reps][1]);
	}
	ret = k_hwpt_invalidate(dev->ctx->iommufd, n->viommu_id,
				KABI_IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
				e, sizeof(*e), &num);
	free(e);
	*done = num / reps;
	return ret;
}

static int cfgi_cd(struct pasid_s1 *s1)
{
	const uint64_t cmd[1][2] = { {
		CMD_CFGI_CD | ((uint64_t)s1->pasid << CMD_SSID_SHIFT) |
			(s1->nest->virt_id << CMD_SID_SHIFT),
		CMD_CFGI_LEAF,
	} };
	uint32_t done;

	return smmu_commands(s1->nest, cmd, 1, &done);
}

static uint64_t *cd_of(struct pasid_nest *n, uint32_t pasid)
{
	return n->table.base + (size_t)pasid * CD_WORDS;
}

/* The vSTE: stage-1 through the CD table at iova, untagged DMA through the
 * stage-2 only, as before the first stage-1. */
static int vste_install(struct pasid_nest *n, unsigned int bits)
{
	struct pasid_dev *dev = n->dev;
	struct kabi_iommu_hwpt_arm_smmuv3 ste = { .ste = {
		htole64(STE0_V | STE0_CFG_S1 | (n->table.iova & STE0_CTXPTR_MASK) |
			((uint64_t)bits << STE0_S1CDMAX_SHIFT)),
		htole64(STE1_S1DSS_BYPASS | STE1_S1CIR_WBRA | STE1_S1COR_WBRA |
			STE1_S1CSH_ISH),
	} };
	int ret;

	ret = k_hwpt_alloc_data(dev->ctx->iommufd, dev->dev_id, n->viommu_id,
				0, KABI_IOMMU_HWPT_DATA_ARM_SMMUV3, &ste,
				sizeof(ste), nest_fault_id(n),
				&n->table.hwpt_id);
	if (ret)
		return pasid_kerr(dev->ctx, -ret,
				  "IOMMU_HWPT_ALLOC(IOMMU_HWPT_DATA_ARM_SMMUV3)",
				  "%s: the kernel refused the vSTE for the library's CD table (EIO: a vSTE field it does not allow)",
				  dev->name);
	/* a second attach of the RID is the kernel's atomic replace */
	ret = k_attach_pt(dev->fd, n->table.hwpt_id, K_NO_PASID, NULL);
	if (ret) {
		k_destroy(dev->ctx->iommufd, n->table.hwpt_id);
		n->table.hwpt_id = 0;
		return pasid_kerr(dev->ctx, -ret,
				  "VFIO_DEVICE_ATTACH_IOMMUFD_PT",
				  "%s: installing the vSTE on the RID%s", dev->name,
				  ret == -EINVAL ? ": the kernel takes no nested vSTE while PASIDs are attached" : "");
	}
	return 0;
}

/* The CD table, its mapping and the vSTE, at the nest's first stage-1. */
static int table_setup(struct pasid_nest *n)
{
	struct pasid_dev *dev = n->dev;
	unsigned int bits = smmu_s1_pasid_bits(dev);
	size_t len = ((size_t)CD_BYTES << bits) < 4096 ? 4096 :
		     (size_t)CD_BYTES << bits;
	void *base;
	int ret;

	base = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return pasid_err(dev->ctx, ENOMEM,
				 "out of memory for the context descriptor table");
	n->table.base = base;
	n->table.len = len;
	ret = pasid_map(n->as, base, len, PASID_MAP_READ, &n->table.iova);
	if (ret) {
		char why[PASID_MSG_MAX];

		snprintf(why, sizeof(why), "%s", pasid_errmsg());
		munmap(base, len);
		n->table.base = NULL;
		return pasid_err(dev->ctx, -ret,
				 "%s: mapping the context descriptor table in the nest's address space: %s",
				 dev->name, why);
	}
	ret = vste_install(n, bits);
	if (ret)
		smmu_nest_fini(n);
	return ret;
}

void smmu_nest_fini(struct pasid_nest *n)
{
	struct pasid_dev *dev = n->dev;
	char saved[PASID_MSG_MAX];

	if (!n->table.base)
		return;
	if (n->table.hwpt_id) {
		/* back onto the stage-2, else off everything: the vSTE's
		 * HWPT holds the vIOMMU, which must go with the nest */
		if (k_attach_pt(dev->fd, n->parent_id, K_NO_PASID, NULL)) {
			pasid_log(dev->ctx, PASID_LOG_WARN,
				  "%s: putting the RID back on the stage-2 failed: detaching it",
				  dev->name);
			k_detach_pt(dev->fd, K_NO_PASID);
		}
		if (k_destroy(dev->ctx->iommufd, n->table.hwpt_id))
			pasid_log(dev->ctx, PASID_LOG_WARN,
				  "%s: destroying the vSTE's page table failed",
				  dev->name);
	}
	/* pasid_unmap is a public call and starts a fresh message: keep the
	 * one of the failure this may be undoing */
	snprintf(saved, sizeof(saved), "%s", pasid_errmsg());
	if (pasid_unmap(n->as, n->table.iova, n->table.len))
		pasid_log(dev->ctx, PASID_LOG_WARN,
			  "%s: unmapping the context descriptor table failed: %s",
			  dev->name, pasid_errmsg());
	pasid_err_restore(saved);
	munmap(n->table.base, n->table.len);
	n->table.base = NULL;
	n->table.iova = 0;
	n->table.hwpt_id = 0;
}

static int s1_check(struct pasid_s1 *s1, const struct pasid_s1_opts *o)
{
	struct pasid_dev *dev = s1->nest->dev;
	const struct list_head *pos;

	if (o->va_bits < S1_VA_MIN || o->va_bits > S1_VA_MAX)
		return pasid_err(dev->ctx, EINVAL,
				 "pasid_s1_attach: %s: an SMMUv3 stage-1 with a 4 KiB granule takes va_bits %u..%u, not %u",
				 dev->name, S1_VA_MIN, S1_VA_MAX, o->va_bits);
	if (o->asid > UINT16_MAX)
		return pasid_err(dev->ctx, EINVAL,
				 "pasid_s1_attach: %s: ASID %u does not fit the SMMU's 16 bits",
				 dev->name, o->asid);
	/* the SMMU's TLB is tagged by VMID and ASID, not by SubstreamID:
	 * two tables under one ASID would use each other's translations */
	for (pos = s1->nest->s1s.next; pos != &s1->nest->s1s; pos = pos->next) {
		const struct pasid_s1 *other = container_of(pos, struct pasid_s1,
							    node);

		if (other != s1 && other->asid == o->asid)
			return pasid_err(dev->ctx, EBUSY,
					 "pasid_s1_attach: %s: ASID %u is PASID %u's already: the SMMU tags TLB entries by ASID, so each stage-1 of a nest needs its own (pasid_s1_opts.asid)",
					 dev->name, o->asid, other->pasid);
	}
	if (s1->nest->virt_id > UINT32_MAX)
		return pasid_err(dev->ctx, EINVAL,
				 "pasid_s1_attach: %s: the nest's virt_id 0x%llx is no StreamID (32 bits): make the nest with a smaller one",
				 dev->name, (unsigned long long)s1->nest->virt_id);
	return 0;
}

int smmu_s1_attach(struct pasid_s1 *s1, const struct pasid_s1_opts *o)
{
	struct pasid_nest *n = s1->nest;
	struct pasid_dev *dev = n->dev;
	bool fresh = !n->table.base;
	uint64_t *cd, ips = dev->caps.raw.smmuv3.idr[5] & 0x7;
	int ret;

	ret = s1_check(s1, o);
	if (!ret && fresh)
		ret = table_setup(n);
	if (ret)
		return ret;
	cd = cd_of(n, s1->pasid);
	cd[1] = htole64(o->root & CD1_TTB0_MASK);
	cd[2] = 0;
	cd[3] = htole64(CD3_MAIR);
	/* the valid bit last: the SMMU may fetch the CD at any time */
	__atomic_store_n(&cd[0], htole64((64 - o->va_bits) | CD0_TG0_4K |
				CD0_IRGN0_WBWA | CD0_ORGN0_WBWA | CD0_SH0_ISH |
				CD0_EPD1 | CD0_V | (ips << CD0_IPS_SHIFT) |
				CD0_AA64 | CD0_R | CD0_A | CD0_ASET |
				((uint64_t)o->asid << CD0_ASID_SHIFT)),
			 __ATOMIC_RELEASE);
	ret = cfgi_cd(s1);
	if (ret) {
		__atomic_store_n(&cd[0], 0, __ATOMIC_RELEASE);
		ret = pasid_kerr(dev->ctx, -ret,
				 "IOMMU_HWPT_INVALIDATE(CFGI_CD)",
				 "%s: telling the SMMU about the CD of PASID %u",
				 dev->name, s1->pasid);
		if (fresh)
			smmu_nest_fini(n);
	}
	return ret;
}

void smmu_s1_detach(struct pasid_s1 *s1)
{
	struct pasid_dev *dev = s1->nest->dev;

	__atomic_store_n(&cd_of(s1->nest, s1->pasid)[0], 0, __ATOMIC_RELEASE);
	if (cfgi_cd(s1))
		pasid_log(dev->ctx, PASID_LOG_WARN,
			  "%s: CFGI_CD for PASID %u failed: the SMMU may use its old CD until the next invalidation",
			  dev->name, s1->pasid);
}

/* Commands for one range: by VA page by page, or the whole ASID. */
static uint32_t range_cmds(const struct pasid_s1 *s1,
			   const struct pasid_s1_range *r, unsigned int flags,
			   uint64_t (*out)[2])
{
	const uint64_t asid = (uint64_t)s1->asid << CMD_TLBI_ASID_SHIFT;
	uint64_t pages = r->len / S1_PAGE, i;

	if (r->len == PASID_S1_ALL || pages > TLBI_VA_MAX) {
		if (out) {
			out[0][0] = CMD_TLBI_NH_ASID | asid;
			out[0][1] = 0;
		}
		return 1;
	}
	for (i = 0; out && i < pages; i++) {
		out[i][0] = CMD_TLBI_NH_VA | asid;
		out[i][1] = ((r->iova + i * S1_PAGE) & CMD_TLBI_VA_MASK) |
			    ((flags & PASID_S1_INVAL_LEAF) ? CMD_TLBI_LEAF : 0);
	}
	return (uint32_t)pages;
}

static int asid_all(struct pasid_s1 *s1, unsigned int n, unsigned int *done)
{
	const struct pasid_s1_range all = { .iova = 0, .len = PASID_S1_ALL };
	uint64_t cmd[1][2];
	uint32_t took;
	int ret;

	range_cmds(s1, &all, 0, cmd);
	ret = smmu_commands(s1->nest, (const uint64_t (*)[2])cmd, 1, &took);
	*done = ret ? 0 : n;
	return ret;
}

int smmu_s1_invalidate(struct pasid_s1 *s1, const struct pasid_s1_range *r,
		       unsigned int n, unsigned int flags, unsigned int *done)
{
	struct pasid_dev *dev = s1->nest->dev;
	uint64_t (*cmds)[2];
	uint32_t total = 0, at = 0, took;
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++)
		total += range_cmds(s1, &r[i], flags, NULL);
	/* more than one call takes: the whole ASID covers every range */
	if (total * (repeat_erratum(dev) ? 2 : 1) > CMDS_MAX)
		return asid_all(s1, n, done);
	cmds = calloc(total, sizeof(*cmds));
	if (!cmds)
		return pasid_err(dev->ctx, ENOMEM,
				 "out of memory for %u SMMU commands", total);
	for (i = 0; i < n; i++)
		at += range_cmds(s1, &r[i], flags, cmds + at);
	ret = smmu_commands(s1->nest, (const uint64_t (*)[2])cmds, total,
			    &took);
	free(cmds);
	/* a range is done once all its commands are */
	for (*done = 0, at = 0; *done < n; ++*done) {
		at += range_cmds(s1, &r[*done], flags, NULL);
		if (at > took)
			break;
	}
	return ret;
}
