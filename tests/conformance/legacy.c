/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The conformance scenarios of the legacy VFIO paths (scenarios.h): the
 * type1 container /dev/vfio/vfio with the group nodes /dev/vfio/<group>
 * (doc/kernel-rules.md §10.1-§10.5), and a group with an iommufd as its
 * container (§10.7). Each scenario opens its own container, groups and
 * iommufd and closes them all, so no state crosses scenarios. Group
 * numbers and user addresses are never printed; IOVAs are all fixed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "kabi.h"
#include "scenarios.h"
#include "sys.h"

#define PG 0x1000ULL
#define RD KABI_VFIO_DMA_MAP_FLAG_READ
#define WR KABI_VFIO_DMA_MAP_FLAG_WRITE
#define RW (RD | WR)
#define V1 KABI_VFIO_TYPE1_IOMMU
#define V2 KABI_VFIO_TYPE1v2_IOMMU
#define BASE 0x100000ULL	/* the fixed IOVA of the first mapping */

struct lg {
	const char *name;
	const struct conf_group *g, *g2;	/* g2 may be NULL */
	int cfd;		/* the container, or the iommufd */
	int gfd, gfd2;
};

static uint8_t *buf;		/* 1 MiB read/write */
static uint8_t *buf_ro;		/* one read-only page */
static uint8_t *buf_none;	/* one PROT_NONE page */

static void step(struct lg *s, const char *name, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void step(struct lg *s, const char *name, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_vstep(s->name, name, ret, fmt, ap);
	va_end(ap);
}

/* An ioctl whose return value is an answer (API version, extension): the
 * value, or -errno. */
static int vioctl(int fd, unsigned long req, unsigned long arg)
{
	int r = pasid_sys->ioctl(fd, req, (void *)(uintptr_t)arg);

	return r < 0 ? -errno : r;
}

static int xopen(const char *path)
{
	return sys_open(path, O_RDWR | O_CLOEXEC);
}

static int open_group(const struct conf_group *g)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/vfio/%d", g->group);
	return xopen(path);
}

static void s_fd(struct lg *s, const char *name, int fd)
{
	step(s, name, fd < 0 ? fd : 0, NULL);
}

static void s_close(int *fd)
{
	if (*fd >= 0)
		sys_close(*fd);
	*fd = -1;
}

/* ---- the container ---- */

static void s_check(struct lg *s, const char *name, unsigned long ext)
{
	int r = vioctl(s->cfd, KABI_VFIO_CHECK_EXTENSION, ext);

	step(s, name, r < 0 ? r : 0, "value=%d", r);
}

static void s_set_iommu(struct lg *s, const char *name, unsigned long type)
{
	step(s, name, sys_ioctl(s->cfd, KABI_VFIO_SET_IOMMU,
				(void *)(uintptr_t)type), NULL);
}

static void s_set_container(struct lg *s, const char *name, int gfd, int fd)
{
	step(s, name, sys_ioctl(gfd, KABI_VFIO_GROUP_SET_CONTAINER, &fd),
	     NULL);
}

static void s_unset_container(struct lg *s, const char *name, int gfd)
{
	step(s, name, sys_ioctl(gfd, KABI_VFIO_GROUP_UNSET_CONTAINER, NULL),
	     NULL);
}

static void s_status(struct lg *s, const char *name, int gfd, uint32_t argsz)
{
	struct kabi_vfio_group_status st = { .argsz = argsz };
	int ret = sys_ioctl(gfd, KABI_VFIO_GROUP_GET_STATUS, &st);

	step(s, name, ret, "viable=%u container=%u",
	     !!(st.flags & KABI_VFIO_GROUP_FLAGS_VIABLE),
	     !!(st.flags & KABI_VFIO_GROUP_FLAGS_CONTAINER_SET));
}

static int map_dma(int cfd, uint32_t argsz, uint32_t flags, const void *va,
		   uint64_t iova, uint64_t size)
{
	struct kabi_vfio_iommu_type1_dma_map m = {
		.argsz = argsz, .flags = flags, .vaddr = (uintptr_t)va,
		.iova = iova, .size = size,
	};

	return sys_ioctl(cfd, KABI_VFIO_IOMMU_MAP_DMA, &m);
}

static void s_map(struct lg *s, const char *name, uint32_t flags,
		  const void *va, uint64_t iova, uint64_t size)
{
	step(s, name, map_dma(s->cfd, sizeof(struct kabi_vfio_iommu_type1_dma_map),
			      flags, va, iova, size), NULL);
}

static void s_unmap_sz(struct lg *s, const char *name, uint32_t argsz,
		       uint32_t flags, uint64_t iova, uint64_t size)
{
	struct kabi_vfio_iommu_type1_dma_unmap u = {
		.argsz = argsz, .flags = flags, .iova = iova, .size = size,
	};
	int ret = sys_ioctl(s->cfd, KABI_VFIO_IOMMU_UNMAP_DMA, &u);

	step(s, name, ret, "size=0x%" PRIx64, (uint64_t)u.size);
}

static void s_unmap(struct lg *s, const char *name, uint64_t iova,
		    uint64_t size)
{
	s_unmap_sz(s, name, sizeof(struct kabi_vfio_iommu_type1_dma_unmap), 0,
		   iova, size);
}

/*
 * VFIO_IOMMU_GET_INFO with room for the whole chain: the flags, the page
 * sizes, the capability ids in chain order, the mappings left and the
 * IOVA ranges. *hole is set to the first address past the first range (a
 * reserved region or the end of the aperture) when there is one.
 */
static void s_info(struct lg *s, const char *name, uint64_t *hole)
{
	union {
		struct kabi_vfio_iommu_type1_info info;
		uint8_t b[4096];
	} u;
	char ids[64] = "", ranges[512] = "", mig[96] = "none";
	uint32_t avail = 0, off;
	size_t ni = 0, nr = 0;
	int ret, hops = 0;

	memset(&u, 0, sizeof(u));
	u.info.argsz = sizeof(u);
	ret = sys_ioctl(s->cfd, KABI_VFIO_IOMMU_GET_INFO, &u);
	if (ret) {
		step(s, name, ret, NULL);
		return;
	}
	off = (u.info.flags & KABI_VFIO_IOMMU_INFO_CAPS) ? u.info.cap_offset : 0;
	while (off && off + sizeof(struct kabi_vfio_info_cap_header) <= sizeof(u) &&
	       hops++ < 16) {
		struct kabi_vfio_info_cap_header h;

		memcpy(&h, u.b + off, sizeof(h));
		ni += (size_t)snprintf(ids + ni, sizeof(ids) - ni, "%s%u",
				       ni ? "," : "", h.id);
		if (h.id == KABI_VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION) {
			struct kabi_vfio_iommu_type1_info_cap_migration m;

			memcpy(&m, u.b + off, sizeof(m));
			snprintf(mig, sizeof(mig),
				 "0x%x/0x%" PRIx64 "/0x%" PRIx64, m.flags,
				 (uint64_t)m.pgsize_bitmap,
				 (uint64_t)m.max_dirty_bitmap_size);
		} else if (h.id == KABI_VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL) {
			struct kabi_vfio_iommu_type1_info_dma_avail a;

			memcpy(&a, u.b + off, sizeof(a));
			avail = a.avail;
		} else if (h.id == KABI_VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
			struct kabi_vfio_iommu_type1_info_cap_iova_range c;

			memcpy(&c, u.b + off, sizeof(c));
			for (uint32_t i = 0; i < c.nr_iovas && i < 8; i++) {
				struct kabi_vfio_iova_range r;

				memcpy(&r, u.b + off + sizeof(c) + i * sizeof(r),
				       sizeof(r));
				nr += (size_t)snprintf(ranges + nr,
						       sizeof(ranges) - nr,
						       "%s0x%" PRIx64 "-0x%" PRIx64,
						       nr ? "," : "", r.start,
						       r.end);
				if (!i && hole && r.end != UINT64_MAX)
					*hole = r.end + 1;
			}
		}
		off = h.next;
	}
	step(s, name, 0,
	     "flags=0x%x pgsizes=0x%" PRIx64 " caps=%s mig=%s avail=%u ranges=[%s]",
	     u.info.flags, (uint64_t)u.info.iova_pgsizes, ids, mig, avail,
	     ranges);
}

/* GET_INFO with the given argsz: what comes back without the chain (the
 * size the whole chain needs in argsz) */
static void s_info_sz(struct lg *s, const char *name, uint32_t argsz)
{
	struct kabi_vfio_iommu_type1_info info = { .argsz = argsz };
	int ret = sys_ioctl(s->cfd, KABI_VFIO_IOMMU_GET_INFO, &info);

	step(s, name, ret, "flags=0x%x argsz=%u cap_offset=%u", info.flags,
	     info.argsz, info.cap_offset);
}

static int get_device(int gfd, const char *bdf)
{
	int r = pasid_sys->ioctl(gfd, KABI_VFIO_GROUP_GET_DEVICE_FD,
				 (void *)bdf);

	return r < 0 ? -errno : r;
}

static void s_device_info(struct lg *s, const char *name, int dfd)
{
	struct kabi_vfio_device_info info = { .argsz = sizeof(info) };
	int ret = sys_ioctl(dfd, KABI_VFIO_DEVICE_GET_INFO, &info);

	step(s, name, ret, "pci=%u regions=%u irqs=%u",
	     !!(info.flags & KABI_VFIO_DEVICE_FLAGS_PCI), info.num_regions,
	     info.num_irqs);
}

/* The cdev-only ioctls on a group's device fd (§10.7) */
static void s_cdev_ioctls(struct lg *s, int dfd, int iommufd)
{
	struct kabi_vfio_device_bind_iommufd b = {
		.argsz = KABI_VFIO_DEVICE_BIND_IOMMUFD_SZ_NOTOKEN,
		.iommufd = iommufd,
	};
	struct kabi_vfio_device_attach_iommufd_pt a = {
		.argsz = sizeof(a), .pt_id = 1,
	};

	step(s, "device-bind-iommufd",
	     sys_ioctl(dfd, KABI_VFIO_DEVICE_BIND_IOMMUFD, &b), NULL);
	step(s, "device-attach-pt",
	     sys_ioctl(dfd, KABI_VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a), NULL);
}

/* The group opened and set into the container, the IOMMU set to type:
 * three steps; false when the group did not open. */
static bool s_ready(struct lg *s, unsigned long type)
{
	s->gfd = open_group(s->g);
	s_fd(s, "open-group", s->gfd);
	if (s->gfd < 0)
		return false;
	s_set_container(s, "set-container", s->gfd, s->cfd);
	s_set_iommu(s, type == V1 ? "set-iommu-v1" : "set-iommu-v2", type);
	return true;
}

/* Both groups opened: one step; false without a second group or when
 * one did not open. */
static bool s_open_two(struct lg *s)
{
	if (!s->g2) {
		step(s, "open-second-group", -ENODEV, NULL);
		return false;
	}
	s->gfd = open_group(s->g);
	s->gfd2 = open_group(s->g2);
	s_fd(s, "open-groups", s->gfd < 0 ? s->gfd : s->gfd2);
	return s->gfd >= 0 && s->gfd2 >= 0;
}

/* ---- scenarios: the type1 container ---- */

/* The container alone and a group in it before the IOMMU is set (§10.1) */
static void lg_container(struct lg *s)
{
	int closed, null;

	step(s, "api-version", 0, "value=%d",
	     vioctl(s->cfd, KABI_VFIO_GET_API_VERSION, 0));
	s_check(s, "ext-type1", V1);
	s_check(s, "ext-type1v2", V2);
	s_check(s, "ext-unmap-all", KABI_VFIO_UNMAP_ALL);
	s_check(s, "ext-update-vaddr", KABI_VFIO_UPDATE_VADDR);
	s_check(s, "ext-dma-cc", KABI_VFIO_DMA_CC_IOMMU);
	s_check(s, "ext-spapr", KABI_VFIO_SPAPR_TCE_IOMMU);
	s_check(s, "ext-noiommu", KABI_VFIO_NOIOMMU_IOMMU);
	s_check(s, "ext-unknown", 99);
	s_set_iommu(s, "set-iommu-no-group", V2);
	s_info_sz(s, "get-info-no-iommu", sizeof(struct kabi_vfio_iommu_type1_info));
	s_map(s, "map-no-iommu", RW, buf, BASE, PG);
	s_unmap(s, "unmap-no-iommu", BASE, PG);
	step(s, "unknown-ioctl-no-iommu",
	     sys_ioctl(s->cfd, _IO(KABI_VFIO_TYPE, KABI_VFIO_BASE + 60), NULL),
	     NULL);

	s->gfd = open_group(s->g);
	s_fd(s, "open-group", s->gfd);
	if (s->gfd < 0)
		return;
	s_fd(s, "open-group-again", open_group(s->g));
	s_status(s, "status", s->gfd, sizeof(struct kabi_vfio_group_status));
	s_status(s, "status-argsz-4", s->gfd, 4);
	s_fd(s, "get-device-no-container", get_device(s->gfd, s->g->bdf));
	s_unset_container(s, "unset-no-container", s->gfd);
	s_set_container(s, "set-container-closed-fd", s->gfd, 1000);
	closed = -1;
	s_set_container(s, "set-container-negative-fd", s->gfd, closed);
	null = xopen("/dev/null");
	s_set_container(s, "set-container-not-container", s->gfd, null);
	s_close(&null);
	step(s, "set-container-null-arg",
	     sys_ioctl(s->gfd, KABI_VFIO_GROUP_SET_CONTAINER, NULL), NULL);
	s_set_container(s, "set-container", s->gfd, s->cfd);
	s_status(s, "status-in-container", s->gfd,
		 sizeof(struct kabi_vfio_group_status));
	s_set_container(s, "set-container-again", s->gfd, s->cfd);
	s_fd(s, "get-device-no-iommu", get_device(s->gfd, s->g->bdf));
	s_map(s, "map-before-set-iommu", RW, buf, BASE, PG);
	s_info_sz(s, "get-info-before-set-iommu",
		  sizeof(struct kabi_vfio_iommu_type1_info));
	s_set_iommu(s, "set-iommu-unknown-type", 42);
	s_set_iommu(s, "set-iommu-spapr", KABI_VFIO_SPAPR_TCE_IOMMU);
	s_set_iommu(s, "set-iommu-v2", V2);
	s_set_iommu(s, "set-iommu-again", V2);
	s_set_iommu(s, "set-iommu-v1-after-v2", V1);
	s_check(s, "ext-type1v2-set", V2);
	s_check(s, "ext-unmap-all-set", KABI_VFIO_UNMAP_ALL);
	s_check(s, "ext-update-vaddr-set", KABI_VFIO_UPDATE_VADDR);
	s_check(s, "ext-dma-cc-set", KABI_VFIO_DMA_CC_IOMMU);
	step(s, "unknown-ioctl-set",
	     sys_ioctl(s->cfd, _IO(KABI_VFIO_TYPE, KABI_VFIO_BASE + 60), NULL),
	     NULL);
	s_info_sz(s, "get-info-argsz-12", 12);
	s_info_sz(s, "get-info-argsz-16", 16);
	s_info_sz(s, "get-info-argsz-24", 24);
	s_info(s, "get-info", NULL);
	s_unset_container(s, "unset", s->gfd);
	s_status(s, "status-after-unset", s->gfd,
		 sizeof(struct kabi_vfio_group_status));
	s_unset_container(s, "unset-again", s->gfd);
	s_info_sz(s, "get-info-after-unset",
		  sizeof(struct kabi_vfio_iommu_type1_info));
	s_set_iommu(s, "set-iommu-after-unset", V2);
	s_set_container(s, "set-container-after-unset", s->gfd, s->cfd);
	s_set_iommu(s, "set-iommu-v1", V1);
	s_info(s, "get-info-v1", NULL);
}

/* VFIO_IOMMU_MAP_DMA and UNMAP_DMA on type1v2 (§10.4, §10.5) */
static void lg_map(struct lg *s)
{
	const uint32_t msz = sizeof(struct kabi_vfio_iommu_type1_dma_map);
	const uint32_t usz = sizeof(struct kabi_vfio_iommu_type1_dma_unmap);
	uint64_t hole = 0;

	if (!s_ready(s, V2))
		return;
	s_info(s, "get-info", &hole);

	s_map(s, "map", RW, buf, BASE, 4 * PG);
	s_map(s, "map-same", RW, buf, BASE, 4 * PG);
	s_map(s, "map-overlap-start", RW, buf, BASE - PG, 2 * PG);
	s_map(s, "map-overlap-end", RW, buf, BASE + 3 * PG, 2 * PG);
	s_map(s, "map-inside", RW, buf, BASE + PG, PG);
	s_map(s, "map-adjacent", RW, buf + 4 * PG, BASE + 4 * PG, PG);
	s_map(s, "map-same-va-elsewhere", RW, buf, BASE + 0x10000, 4 * PG);
	s_map(s, "map-read-only", RD, buf + 8 * PG, BASE + 0x20000, PG);
	s_map(s, "map-write-only", WR, buf + 9 * PG, BASE + 0x21000, PG);
	s_map(s, "map-no-prot", 0, buf, BASE + 0x30000, PG);
	s_map(s, "map-unknown-flag", RW | (1u << 3), buf, BASE + 0x30000, PG);
	s_map(s, "map-vaddr-flag-new", KABI_VFIO_DMA_MAP_FLAG_VADDR, buf,
	      BASE + 0x30000, PG);
	step(s, "map-argsz-short",
	     map_dma(s->cfd, msz - 8, RW, buf, BASE + 0x30000, PG), NULL);
	step(s, "map-argsz-long",
	     map_dma(s->cfd, msz + 8, RW, buf + 10 * PG, BASE + 0x31000, PG),
	     NULL);
	s_map(s, "map-size-0", RW, buf, BASE + 0x30000, 0);
	s_map(s, "map-iova-misaligned", RW, buf, BASE + 0x30800, PG);
	s_map(s, "map-size-misaligned", RW, buf, BASE + 0x30000, PG + 0x800);
	s_map(s, "map-vaddr-misaligned", RW, buf + 0x800, BASE + 0x30000, PG);
	s_map(s, "map-iova-wrap", RW, buf, UINT64_MAX - PG + 1, 2 * PG);
	s_map(s, "map-iova-top-page", RW, buf, UINT64_MAX - PG + 1, PG);
	s_map(s, "map-vaddr-wrap", RW, (void *)(uintptr_t)(UINT64_MAX - PG + 1),
	      BASE + 0x30000, 2 * PG);
	s_map(s, "map-iova-2-pow-60", RW, buf, 1ULL << 60, PG);
	if (hole)
		s_map(s, "map-past-first-range", RW, buf, hole, PG);
	else
		step(s, "map-past-first-range", 0, "none");
	s_map(s, "map-read-only-memory-rw", RW, buf_ro, BASE + 0x40000, PG);
	s_map(s, "map-read-only-memory-r", RD, buf_ro, BASE + 0x40000, PG);
	s_map(s, "map-prot-none-memory", RW, buf_none, BASE + 0x41000, PG);
	s_map(s, "map-unmapped-memory", RW, (void *)(uintptr_t)PG,
	      BASE + 0x42000, PG);
	s_map(s, "map-iova-0", RW, buf + 12 * PG, 0, PG);
	s_info(s, "get-info-mapped", NULL);

	s_unmap(s, "unmap-inside", BASE + PG, PG);
	s_unmap(s, "unmap-start-inside", BASE + PG, 3 * PG);
	s_unmap(s, "unmap-end-inside", BASE, 2 * PG);
	s_unmap(s, "unmap-over-start", BASE - PG, 2 * PG);
	s_unmap(s, "unmap-nothing", BASE + 0x50000, PG);
	s_unmap(s, "unmap-size-0", BASE, 0);
	s_unmap(s, "unmap-iova-misaligned", BASE + 0x800, 4 * PG);
	s_unmap(s, "unmap-size-misaligned", BASE, 4 * PG + 0x800);
	s_unmap(s, "unmap-wrap", UINT64_MAX - PG + 1, 2 * PG);
	s_unmap_sz(s, "unmap-argsz-short", usz - 8, 0, BASE, 4 * PG);
	s_unmap_sz(s, "unmap-unknown-flag", usz, 1u << 5, BASE, 4 * PG);
	s_unmap_sz(s, "unmap-all-with-range", usz,
		   KABI_VFIO_DMA_UNMAP_FLAG_ALL, BASE, 4 * PG);
	s_unmap_sz(s, "unmap-vaddr-flag", usz, KABI_VFIO_DMA_UNMAP_FLAG_VADDR,
		   BASE + 0x20000, PG);
	s_unmap_sz(s, "unmap-vaddr-flag-again", usz,
		   KABI_VFIO_DMA_UNMAP_FLAG_VADDR, BASE + 0x20000, 0x2000);
	s_map(s, "map-vaddr-flag-with-prot", RW | KABI_VFIO_DMA_MAP_FLAG_VADDR,
	      buf + 8 * PG, BASE + 0x20000, PG);
	s_map(s, "map-vaddr-flag-other-size", KABI_VFIO_DMA_MAP_FLAG_VADDR,
	      buf + 8 * PG, BASE + 0x20000, 2 * PG);
	s_map(s, "map-vaddr-flag-valid", KABI_VFIO_DMA_MAP_FLAG_VADDR,
	      buf + 9 * PG, BASE + 0x21000, PG);
	s_map(s, "map-same-vaddr-invalid", RW, buf + 8 * PG, BASE + 0x20000, PG);
	s_map(s, "map-vaddr-flag", KABI_VFIO_DMA_MAP_FLAG_VADDR, buf + 8 * PG,
	      BASE + 0x20000, PG);
	/* the second of the range has lost it: the first keeps its own */
	s_unmap_sz(s, "unmap-vaddr-flag-second", usz,
		   KABI_VFIO_DMA_UNMAP_FLAG_VADDR, BASE + 0x21000, PG);
	s_unmap_sz(s, "unmap-vaddr-flag-both", usz,
		   KABI_VFIO_DMA_UNMAP_FLAG_VADDR, BASE + 0x20000, 0x2000);
	s_map(s, "map-vaddr-flag-first-undone", KABI_VFIO_DMA_MAP_FLAG_VADDR,
	      buf + 8 * PG, BASE + 0x20000, PG);
	s_map(s, "map-vaddr-flag-second", KABI_VFIO_DMA_MAP_FLAG_VADDR,
	      buf + 9 * PG, BASE + 0x21000, PG);
	s_unmap(s, "unmap-exact", BASE, 4 * PG);
	s_unmap(s, "unmap-exact-again", BASE, 4 * PG);
	s_unmap(s, "unmap-two-with-gap", BASE + 0x10000, 0x12000);
	s_unmap(s, "unmap-adjacent", BASE + 4 * PG, PG);
	s_info(s, "get-info-after-unmaps", NULL);
	s_map(s, "map-again", RW, buf, BASE, 4 * PG);
	s_map(s, "map-again-2", RW, buf + 4 * PG, BASE + 0x8000, 4 * PG);
	s_unmap_sz(s, "unmap-all", usz, KABI_VFIO_DMA_UNMAP_FLAG_ALL, 0, 0);
	s_unmap_sz(s, "unmap-all-empty", usz, KABI_VFIO_DMA_UNMAP_FLAG_ALL, 0,
		   0);
	s_map(s, "map-after-unmap-all", RW, buf, BASE, 4 * PG);
	s_unmap(s, "unmap-whole-space", 0, UINT64_MAX - PG + 1);
}

/* type1 (v1): unmapping a range that starts inside a mapping */
static void lg_map_v1(struct lg *s)
{
	if (!s_ready(s, V1))
		return;
	s_map(s, "map-a", RW, buf, BASE, 4 * PG);
	s_map(s, "map-b", RW, buf + 4 * PG, BASE + 0x10000, PG);
	s_map(s, "map-c", RW, buf + 5 * PG, BASE + 0x20000, 2 * PG);
	s_unmap(s, "unmap-inside-a", BASE + PG, PG);
	s_unmap(s, "unmap-from-inside-a-over-b", BASE + PG, 0x10000);
	s_unmap(s, "unmap-start-of-a", BASE, PG);
	s_unmap(s, "unmap-start-of-c", BASE + 0x20000, PG);
	s_unmap(s, "unmap-rest", 0, UINT64_MAX - PG + 1);
}

/* Device fds from the group, and the container while devices are open
 * (§10.2) */
static void lg_device(struct lg *s)
{
	int dfd, dfd2, iommufd;

	if (!s_ready(s, V2))
		return;
	s_map(s, "map", RW, buf, BASE, 4 * PG);
	s_fd(s, "get-device-unknown-name", get_device(s->gfd, "0000:ff:1f.7"));
	s_fd(s, "get-device-empty-name", get_device(s->gfd, ""));
	step(s, "get-device-null-name",
	     sys_ioctl(s->gfd, KABI_VFIO_GROUP_GET_DEVICE_FD, NULL), NULL);
	dfd = get_device(s->gfd, s->g->bdf);
	s_fd(s, "get-device", dfd);
	if (dfd < 0)
		return;
	dfd2 = get_device(s->gfd, s->g->bdf);
	s_fd(s, "get-device-again", dfd2);
	s_close(&dfd2);
	s_device_info(s, "device-info", dfd);
	iommufd = xopen("/dev/iommu");
	s_cdev_ioctls(s, dfd, iommufd);
	s_close(&iommufd);
	s_unset_container(s, "unset-device-open", s->gfd);
	s_status(s, "status-device-open", s->gfd,
		 sizeof(struct kabi_vfio_group_status));
	s_close(&s->gfd);
	step(s, "close-group-device-open", 0, NULL);
	s_info(s, "get-info-group-closed", NULL);
	s_map(s, "map-group-closed", RW, buf + 4 * PG, BASE + 0x10000, PG);
	s->gfd = open_group(s->g);
	s_fd(s, "reopen-group-device-open", s->gfd);
	s_close(&s->gfd);
	s_close(&dfd);
	step(s, "close-device", 0, NULL);
	s_info_sz(s, "get-info-all-closed",
		  sizeof(struct kabi_vfio_iommu_type1_info));
	s->gfd = open_group(s->g);
	s_fd(s, "reopen-group", s->gfd);
	s_status(s, "status-reopened", s->gfd,
		 sizeof(struct kabi_vfio_group_status));
	s_set_container(s, "set-container-again", s->gfd, s->cfd);
	s_set_iommu(s, "set-iommu-again", V2);
	s_info(s, "get-info-fresh", NULL);
	dfd = get_device(s->gfd, s->g->bdf);
	s_fd(s, "get-device-fresh", dfd);
	s_map(s, "map-with-device", RW, buf, BASE, 4 * PG);
	s_close(&dfd);
	s_unset_container(s, "unset-mapped", s->gfd);
	s_info_sz(s, "get-info-unset-mapped",
		  sizeof(struct kabi_vfio_iommu_type1_info));
}

/* Two groups in one container (§10.2) */
static void lg_two_groups(struct lg *s)
{
	int c2, dfd;

	if (!s_open_two(s))
		return;
	s_set_container(s, "set-container-a", s->gfd, s->cfd);
	s_set_iommu(s, "set-iommu-v2", V2);
	s_map(s, "map", RW, buf, BASE, 4 * PG);
	s_set_container(s, "set-container-b", s->gfd2, s->cfd);
	s_status(s, "status-b", s->gfd2, sizeof(struct kabi_vfio_group_status));
	s_info(s, "get-info-both", NULL);
	s_map(s, "map-both", RW, buf + 4 * PG, BASE + 0x10000, PG);
	dfd = get_device(s->gfd2, s->g2->bdf);
	s_fd(s, "get-device-b", dfd);
	s_fd(s, "get-device-b-from-a", get_device(s->gfd, s->g2->bdf));
	s_close(&dfd);
	s_unset_container(s, "unset-a", s->gfd);
	s_info(s, "get-info-b-only", NULL);
	s_unset_container(s, "unset-b", s->gfd2);
	s_info_sz(s, "get-info-none",
		  sizeof(struct kabi_vfio_iommu_type1_info));
	c2 = xopen("/dev/vfio/vfio");
	s_fd(s, "open-second-container", c2);
	s_set_container(s, "a-into-first", s->gfd, s->cfd);
	s_set_container(s, "b-into-second", s->gfd2, c2);
	s_set_iommu(s, "set-iommu-first", V2);
	{
		struct lg o = *s;

		o.cfd = c2;
		s_set_iommu(&o, "set-iommu-second", V2);
		s_map(&o, "map-second", RW, buf, BASE, 4 * PG);
		s_info(&o, "get-info-second", NULL);
	}
	s_map(s, "map-first-same-iova", RW, buf, BASE, 4 * PG);
	s_close(&c2);
	s_close(&s->gfd2);
	step(s, "close-second", 0, NULL);
	s_info(s, "get-info-first", NULL);
}

/* ---- scenario: a group with an iommufd as its container (§10.7) ---- */

static int vfio_ioas(int iommufd, uint16_t op, uint32_t *id)
{
	struct kabi_iommu_vfio_ioas v = {
		.size = sizeof(v), .op = op, .ioas_id = *id,
	};
	int ret = sys_ioctl(iommufd, KABI_IOMMU_VFIO_IOAS, &v);

	if (!ret && op == KABI_IOMMU_VFIO_IOAS_GET)
		*id = v.ioas_id;
	return ret;
}

static void s_vfio_ioas(struct lg *s, const char *name, uint16_t op,
			uint32_t id)
{
	int ret = vfio_ioas(s->cfd, op, &id);

	if (op == KABI_IOMMU_VFIO_IOAS_GET)
		step(s, name, ret, "id=%u", id);
	else
		step(s, name, ret, NULL);
}

static void s_ioas_map(struct lg *s, const char *name, uint32_t ioas,
		       uint64_t iova, uint64_t len)
{
	struct kabi_iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = KABI_IOMMU_IOAS_MAP_READABLE |
			 KABI_IOMMU_IOAS_MAP_WRITEABLE |
			 KABI_IOMMU_IOAS_MAP_FIXED_IOVA,
		.ioas_id = ioas,
		.user_va = (uintptr_t)buf,
		.length = len,
		.iova = iova,
	};

	step(s, name, sys_ioctl(s->cfd, KABI_IOMMU_IOAS_MAP, &m), NULL);
}

static uint32_t s_ioas_alloc(struct lg *s, const char *name)
{
	struct kabi_iommu_ioas_alloc a = { .size = sizeof(a) };
	int ret = sys_ioctl(s->cfd, KABI_IOMMU_IOAS_ALLOC, &a);

	step(s, name, ret, "id=%u", a.out_ioas_id);
	return ret ? 0 : a.out_ioas_id;
}

static void s_ioas_destroy(struct lg *s, const char *name, uint32_t id)
{
	struct kabi_iommu_destroy d = { .size = sizeof(d), .id = id };

	step(s, name, sys_ioctl(s->cfd, KABI_IOMMU_DESTROY, &d), NULL);
}

/* IOMMU_IOAS_IOVA_RANGES, all printed; *hole (if not NULL) is set to the
 * first address past the first range when there is one */
static void s_ioas_ranges(struct lg *s, const char *name, uint32_t ioas,
			  uint64_t *hole)
{
	struct kabi_iommu_iova_range r[8];
	struct kabi_iommu_ioas_iova_ranges c = {
		.size = sizeof(c), .ioas_id = ioas, .num_iovas = 8,
		.allowed_iovas = (uintptr_t)r,
	};
	char out[512] = "";
	size_t n = 0;
	int ret = sys_ioctl(s->cfd, KABI_IOMMU_IOAS_IOVA_RANGES, &c);

	for (uint32_t i = 0; !ret && i < c.num_iovas && i < 8; i++)
		n += (size_t)snprintf(out + n, sizeof(out) - n,
				      "%s0x%" PRIx64 "-0x%" PRIx64,
				      i ? "," : "", (uint64_t)r[i].start,
				      (uint64_t)r[i].last);
	if (!ret && hole && c.num_iovas > 1)
		*hole = r[0].last + 1;
	step(s, name, ret, "num=%u align=0x%" PRIx64 " ranges=[%s]",
	     c.num_iovas, (uint64_t)c.out_iova_alignment, out);
}

static void lg_iommufd(struct lg *s)
{
	uint32_t compat = 0, other;
	int dfd, dfd2, container, r;

	s_vfio_ioas(s, "compat-get-none", KABI_IOMMU_VFIO_IOAS_GET, 0);
	/* the container ioctls on /dev/iommu itself: only with
	 * CONFIG_IOMMUFD_VFIO_CONTAINER, which the test kernel lacks */
	r = vioctl(s->cfd, KABI_VFIO_GET_API_VERSION, 0);
	step(s, "iommufd-api-version", r < 0 ? r : 0, "value=%d", r);
	r = vioctl(s->cfd, KABI_VFIO_CHECK_EXTENSION, V2);
	step(s, "iommufd-check-extension", r < 0 ? r : 0, "value=%d", r);
	s_check(s, "iommufd-ext-dma-cc-no-compat", KABI_VFIO_DMA_CC_IOMMU);
	s_check(s, "iommufd-ext-update-vaddr", KABI_VFIO_UPDATE_VADDR);
	s->gfd = open_group(s->g);
	s_fd(s, "open-group", s->gfd);
	if (s->gfd < 0)
		return;
	s_set_container(s, "set-container", s->gfd, s->cfd);
	s_status(s, "status", s->gfd, sizeof(struct kabi_vfio_group_status));
	vfio_ioas(s->cfd, KABI_IOMMU_VFIO_IOAS_GET, &compat);
	s_vfio_ioas(s, "compat-get", KABI_IOMMU_VFIO_IOAS_GET, 0);
	s_set_container(s, "set-container-again", s->gfd, s->cfd);
	container = xopen("/dev/vfio/vfio");
	s_set_container(s, "set-type1-container-too", s->gfd, container);
	s_close(&container);
	s_check(s, "iommufd-ext-dma-cc-compat", KABI_VFIO_DMA_CC_IOMMU);
	s_ioas_ranges(s, "ranges-before-device", compat, NULL);
	s_ioas_map(s, "map", compat, BASE, 4 * PG);
	dfd = get_device(s->gfd, s->g->bdf);
	s_fd(s, "get-device", dfd);
	if (dfd < 0)
		return;
	s_ioas_ranges(s, "ranges-device-attached", compat, NULL);
	s_check(s, "iommufd-ext-dma-cc-attached", KABI_VFIO_DMA_CC_IOMMU);
	s_ioas_destroy(s, "destroy-compat-attached", compat);
	dfd2 = get_device(s->gfd, s->g->bdf);
	s_fd(s, "get-device-again", dfd2);
	s_close(&dfd2);
	s_device_info(s, "device-info", dfd);
	s_cdev_ioctls(s, dfd, s->cfd);
	s_unset_container(s, "unset-device-open", s->gfd);
	s_status(s, "status-after-unset", s->gfd,
		 sizeof(struct kabi_vfio_group_status));
	s_unset_container(s, "unset-again", s->gfd);
	container = xopen("/dev/vfio/vfio");
	s_set_container(s, "set-type1-container-device-bound", s->gfd,
			container);
	s_close(&container);
	s_close(&dfd);
	step(s, "close-device", 0, NULL);
	s_ioas_ranges(s, "ranges-device-closed", compat, NULL);
	s_ioas_destroy(s, "destroy-compat", compat);
	s_vfio_ioas(s, "compat-get-destroyed", KABI_IOMMU_VFIO_IOAS_GET, 0);
	other = s_ioas_alloc(s, "alloc");
	s_vfio_ioas(s, "compat-set", KABI_IOMMU_VFIO_IOAS_SET, other);
	s_vfio_ioas(s, "compat-get-set", KABI_IOMMU_VFIO_IOAS_GET, 0);
	s_vfio_ioas(s, "compat-set-unknown-id", KABI_IOMMU_VFIO_IOAS_SET, 999);
	s_vfio_ioas(s, "compat-unknown-op", 7, 0);
	s_set_container(s, "set-container-compat-set", s->gfd, s->cfd);
	s_vfio_ioas(s, "compat-get-kept", KABI_IOMMU_VFIO_IOAS_GET, 0);
	s_vfio_ioas(s, "compat-clear", KABI_IOMMU_VFIO_IOAS_CLEAR, 0);
	s_vfio_ioas(s, "compat-get-cleared", KABI_IOMMU_VFIO_IOAS_GET, 0);
	s_fd(s, "get-device-compat-cleared", get_device(s->gfd, s->g->bdf));
	s_vfio_ioas(s, "compat-set-again", KABI_IOMMU_VFIO_IOAS_SET, other);
	dfd = get_device(s->gfd, s->g->bdf);
	s_fd(s, "get-device-compat-set", dfd);
	s_ioas_destroy(s, "destroy-attached", other);
	s_close(&dfd);
	s_close(&s->gfd);
	step(s, "close-group", 0, NULL);
	s_ioas_destroy(s, "destroy-after-close", other);
}

/* Two groups in one iommufd: both devices in the compat IOAS; a device
 * whose reserved region holds a mapping of the IOAS does not open */
static void lg_iommufd_two(struct lg *s)
{
	uint32_t compat = 0;
	uint64_t hole = 0;
	int dfd, dfd2;

	if (!s_open_two(s))
		return;
	s_set_container(s, "set-container-a", s->gfd, s->cfd);
	s_set_container(s, "set-container-b", s->gfd2, s->cfd);
	vfio_ioas(s->cfd, KABI_IOMMU_VFIO_IOAS_GET, &compat);
	s_vfio_ioas(s, "compat-get", KABI_IOMMU_VFIO_IOAS_GET, 0);
	s_ioas_map(s, "map", compat, BASE, 4 * PG);
	dfd = get_device(s->gfd, s->g->bdf);
	s_fd(s, "get-device-a", dfd);
	dfd2 = get_device(s->gfd2, s->g2->bdf);
	s_fd(s, "get-device-b", dfd2);
	s_ioas_ranges(s, "ranges-both", compat, &hole);
	s_close(&dfd);
	s_ioas_ranges(s, "ranges-b-only", compat, NULL);
	s_close(&dfd2);
	s_ioas_ranges(s, "ranges-none", compat, NULL);
	if (!hole) {
		step(s, "map-reserved", 0, "none");
		return;
	}
	/* no device: the whole space is the IOAS's, the hole too */
	s_ioas_map(s, "map-reserved", compat, hole, PG);
	s_fd(s, "get-device-over-map", get_device(s->gfd, s->g->bdf));
	s_status(s, "status-after-failed-open", s->gfd,
		 sizeof(struct kabi_vfio_group_status));
	s_ioas_ranges(s, "ranges-after-failed-open", compat, NULL);
	{
		struct kabi_iommu_ioas_unmap u = {
			.size = sizeof(u), .ioas_id = compat, .iova = hole,
			.length = PG,
		};

		step(s, "unmap-reserved",
		     sys_ioctl(s->cfd, KABI_IOMMU_IOAS_UNMAP, &u), NULL);
	}
	dfd = get_device(s->gfd, s->g->bdf);
	s_fd(s, "get-device-after-unmap", dfd);
	s_close(&dfd);
}

/* ---- driver ---- */

static const struct {
	const char *name;
	void (*fn)(struct lg *s);
	bool iommufd;	/* the scenario's container is an iommufd */
} scenarios[] = {
	{ "t1-container", lg_container, false },
	{ "t1-map", lg_map, false },
	{ "t1-map-v1", lg_map_v1, false },
	{ "t1-device", lg_device, false },
	{ "t1-two-groups", lg_two_groups, false },
	{ "group-iommufd", lg_iommufd, true },
	{ "group-iommufd-two", lg_iommufd_two, true },
};

unsigned int conf_legacy_scenarios(void)
{
	return sizeof(scenarios) / sizeof(scenarios[0]);
}

static int setup_memory(void)
{
	buf = mmap(NULL, 1u << 20, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	buf_ro = mmap(NULL, PG, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	buf_none = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			0);
	if (buf == MAP_FAILED || buf_ro == MAP_FAILED || buf_none == MAP_FAILED)
		return -errno;
	memset(buf, 0x5a, 1u << 20);
	memset(buf_ro, 0xa5, PG);
	return mprotect(buf_ro, PG, PROT_READ) ? -errno : 0;
}

void conf_run_legacy(const struct conf_group *g, const struct conf_group *g2)
{
	int ret;

	if (!buf && (ret = setup_memory())) {
		printf("# conformance: no memory for the legacy scenarios (%d)\n",
		       ret);
		return;
	}
	for (size_t i = 0; i < conf_legacy_scenarios(); i++) {
		struct lg s = {
			.name = scenarios[i].name, .g = g, .g2 = g2,
			.gfd = -1, .gfd2 = -1,
		};

		s.cfd = xopen(scenarios[i].iommufd ? "/dev/iommu" :
						     "/dev/vfio/vfio");
		step(&s, "setup", s.cfd < 0 ? s.cfd : 0, "%s",
		     scenarios[i].iommufd ? "iommufd" : "container");
		if (s.cfd >= 0)
			scenarios[i].fn(&s);
		s_close(&s.gfd2);
		s_close(&s.gfd);
		s_close(&s.cfd);
	}
}
