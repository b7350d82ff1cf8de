/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The legacy VFIO nodes of the "type1 only" kernel generation
 * (emu_set_profile(EMU_PROFILE_TYPE1)): no /dev/iommu, no VFIO cdevs, but
 * the container /dev/vfio/vfio and group nodes /dev/vfio/<group>, with the
 * type1 IOMMU driver behind the container (doc/kernel-rules.md §10). A
 * container holds the DMA mappings of every group set into it; a device fd
 * comes from its group. In the NO_CDEV profile a group takes an iommufd as
 * its container too (§10.7, emu-compat.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "emu-internal.h"

#define T1_PGSIZE EMU_PAGE_SIZE
/* vfio_iommu_type1's dma_entry_limit module parameter default (U16_MAX) */
#define T1_DMA_ENTRY_LIMIT 65535U
/* DIRTY_BITMAP_BYTES(DIRTY_BITMAP_PAGES_MAX): INT_MAX pages, one bit each,
 * in whole u64s */
#define T1_DIRTY_BITMAP_SIZE_MAX 0x10000000ULL

static void container_put(struct emu_container *c)
{
	if (--c->refs)
		return;
	free(c->dmas);
	free(c);
}

int emu_t1_open_container(void)
{
	struct emu_file *file = calloc(1, sizeof(*file));
	struct emu_container *c = calloc(1, sizeof(*c));
	int fd;

	if (!file || !c) {
		free(file);
		free(c);
		return -ENOMEM;
	}
	c->refs = 1;
	file->kind = EMU_FILE_CONTAINER;
	file->container = c;
	fd = emu_fd_install(file);
	if (fd < 0) {
		free(file);
		free(c);
	}
	return fd;
}

/* The group node exists while a device of it is bound to a VFIO driver. */
static bool group_has_vfio(const struct emu_group *g)
{
	size_t i;

	for (i = 0; i < emu.ndevs; i++)
		if (emu.devs[i]->group == g && emu.devs[i]->vfio)
			return true;
	return false;
}

/* Viable: no device of the group is driven by a kernel driver other than
 * VFIO (unbound devices are fine), kernel-rules §10.2. */
static bool group_viable(const struct emu_group *g)
{
	size_t i;

	for (i = 0; i < emu.ndevs; i++)
		if (emu.devs[i]->group == g && emu.devs[i]->driver[0] &&
		    !emu.devs[i]->vfio)
			return false;
	return true;
}

int emu_t1_open_group(const char *name)
{
	struct emu_group *g;
	struct emu_file *file;
	char *end;
	long n;
	int fd;

	errno = 0;
	n = strtol(name, &end, 10);
	if (!*name || *end || errno || n < 0 || n > INT_MAX)
		return -ENOENT;
	for (g = emu.groups; g && g->id != n; g = g->next)
		;
	if (!g || !group_has_vfio(g))
		return -ENOENT;
	/* one open of a group node at a time, and a device fd from it holds
	 * the group's file (measured: reopen after closing the group fd is
	 * EBUSY while a device fd is open, kernel-rules §10.2) */
	if (g->t1_file || g->t1_devs)
		return -EBUSY;
	file = calloc(1, sizeof(*file));
	if (!file)
		return -ENOMEM;
	file->kind = EMU_FILE_GROUP;
	file->group = g;
	fd = emu_fd_install(file);
	if (fd < 0)
		free(file);
	else
		g->t1_file = file;
	return fd;
}

/* ---- the IOVA list: the apertures minus the groups' reserved regions ---- */

struct t1_range {
	uint64_t start, last;
};

/* AMD's HyperTransport window, a reserved region of every AMD group
 * (amd_iommu_get_resv_regions; as emu-device.c reserves it for iommufd) */
#define T1_AMD_HT_START 0xfd00000000ULL
#define T1_AMD_HT_LAST 0xffffffffffULL

/* Cut [start, last] out of the cnt sorted ranges of r (room for one
 * more); the new count. */
static size_t cut_range(struct t1_range *r, size_t cnt, uint64_t start,
			uint64_t last)
{
	size_t j;

	for (j = 0; j < cnt; j++) {
		struct t1_range *x = &r[j];

		if (last < x->start || start > x->last)
			continue;
		if (start > x->start && last < x->last) {
			/* split in two */
			memmove(&r[j + 2], &r[j + 1],
				(cnt - j - 1) * sizeof(*r));
			r[j + 1].start = last + 1;
			r[j + 1].last = x->last;
			x->last = start - 1;
			return cnt + 1;
		}
		if (start <= x->start && last >= x->last) {
			memmove(x, x + 1, (cnt - j - 1) * sizeof(*r));
			cnt--;
			j--;
		} else if (start <= x->start) {
			x->start = last + 1;
		} else {
			x->last = start - 1;
		}
	}
	return cnt;
}

/* The valid IOVA ranges of c, sorted; *n of them. 0 or -ENOMEM. */
static int iova_list(const struct emu_container *c, struct t1_range **out,
		     size_t *n)
{
	uint64_t top = UINT64_MAX;
	struct t1_range *r;
	size_t i, cap = 1, cnt = 1;

	for (i = 0; i < emu.ndevs; i++)
		if (emu.devs[i]->group->container == c) {
			uint64_t l = emu_aperture_last(emu.devs[i]->cfg.iommu);

			top = l < top ? l : top;
			cap += 2;
		}
	r = calloc(cap, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r[0].start = 0;
	r[0].last = top;
	for (i = 0; i < emu.ndevs; i++) {
		const struct emu_dev *d = emu.devs[i];

		if (d->group->container != c)
			continue;
		if (d->has_resv)
			cnt = cut_range(r, cnt, d->resv_start, d->resv_last);
		if (d->cfg.iommu == EMU_IOMMU_AMD)
			cnt = cut_range(r, cnt, T1_AMD_HT_START,
					T1_AMD_HT_LAST);
	}
	*out = r;
	*n = cnt;
	return 0;
}

static bool iova_valid(const struct t1_range *r, size_t n, uint64_t start,
		       uint64_t last)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (start >= r[i].start && last <= r[i].last)
			return true;
	return false;
}

/* ---- the group fd ---- */

static struct emu_container *container_of_fd(int fd)
{
	struct emu_file *f = emu_file_of(fd);

	return f && f->kind == EMU_FILE_CONTAINER ? f->container : NULL;
}

/* SET_CONTAINER with an iommufd (6.2+, §10.7): the compat IOAS is made if
 * there is none; no DMA ownership yet (the device opens claim it). Any
 * other fd is "not recognized": EBADFD. */
static int set_iommufd(struct emu_group *g, struct emu_ctx *ctx)
{
	int ret;

	if (!ctx)
		return -EBADFD;
	ret = emu_compat_ioas_create(ctx);
	if (ret)
		return ret;
	emu_ctx_get(ctx);
	g->iommufd = ctx;
	return 0;
}

static void unset_iommufd(struct emu_group *g)
{
	emu_ctx_put(g->iommufd);
	g->iommufd = NULL;
}

/* vfio_group_ioctl_set_container + type1 attach_group (§10.2) */
static int set_container(struct emu_group *g, const void *arg)
{
	struct emu_container *c;
	struct t1_range *r;
	size_t n, i;
	int fd, ret;

	if (!arg)
		return -EFAULT;
	memcpy(&fd, arg, sizeof(fd));
	if (!emu_file_of(fd) && fcntl(fd, F_GETFD) < 0)
		return -EBADF;	/* fdget first */
	if (g->container || g->iommufd)
		return -EINVAL;	/* vfio_group_has_iommu */
	c = container_of_fd(fd);
	if (!c)
		return set_iommufd(g, emu_ctx_of_fd(fd));
	if (!group_viable(g) || g->owner)
		return -EPERM;	/* iommu_group_claim_dma_owner */
	g->container = c;
	c->refs++;
	c->ngroups++;
	if (!c->iommu_type)
		return 0;
	/* joining a container whose IOMMU is set: the new group's reserved
	 * regions and aperture must leave every mapping valid */
	ret = iova_list(c, &r, &n);
	for (i = 0; !ret && i < c->ndmas; i++)
		if (!iova_valid(r, n, c->dmas[i].iova,
				c->dmas[i].iova + c->dmas[i].size - 1))
			ret = -EINVAL;
	if (ret != -ENOMEM)
		free(r);
	if (ret) {
		g->container = NULL;
		c->ngroups--;
		container_put(c);
	}
	return ret;
}

/* A group leaves its container (unset, or its file's last close): the last
 * group out releases the IOMMU driver and with it every mapping. */
static void group_leave(struct emu_group *g)
{
	struct emu_container *c = g->container;

	g->container = NULL;
	if (!--c->ngroups) {
		c->iommu_type = 0;
		c->ndmas = 0;
	}
	container_put(c);
}

static int get_status(struct emu_group *g, void *arg)
{
	struct kabi_vfio_group_status st;

	if (!arg)
		return -EFAULT;
	memcpy(&st, arg, sizeof(st));
	if (st.argsz < sizeof(st))
		return -EINVAL;
	st.flags = 0;
	/* without a container, VIABLE means no DMA owner: neither a kernel
	 * driver nor an iommufd a device is still bound to (a group device
	 * fd open after UNSET_CONTAINER from an iommufd; measured, §10.7) */
	if (g->container || g->iommufd)
		st.flags = KABI_VFIO_GROUP_FLAGS_VIABLE |
			   KABI_VFIO_GROUP_FLAGS_CONTAINER_SET;
	else if (group_viable(g) && !g->owner)
		st.flags = KABI_VFIO_GROUP_FLAGS_VIABLE;
	memcpy(arg, &st, sizeof(st));
	return 0;
}

/* VFIO_GROUP_GET_DEVICE_FD: arg is the device's name (its BDF). */
static int get_device_fd(struct emu_group *g, const char *name)
{
	struct emu_file *file;
	struct emu_dev *dev = NULL;
	bool first;
	size_t i;
	int fd, ret;

	if (!name)
		return -EFAULT;
	if (!g->iommufd && (!g->container || !g->container->iommu_type))
		return -EINVAL;	/* vfio_device_group_open: no IOMMU set */
	for (i = 0; i < emu.ndevs; i++)
		if (emu.devs[i]->group == g && emu.devs[i]->vfio &&
		    !strcmp(emu.devs[i]->bdf, name))
			dev = emu.devs[i];
	if (!dev)
		return -ENODEV;
	if (dev->bound && !dev->bound->from_group)
		return -EBUSY;	/* open through its cdev */
	file = calloc(1, sizeof(*file));
	if (!file)
		return -ENOMEM;
	file->kind = EMU_FILE_VFIO;
	file->dev = dev;
	file->from_group = true;
	/* each open is a new file; only the first binds and attaches
	 * (vfio_df_open: open_count), measured on 7.3 (§10.2) */
	first = !dev->t1_opens;
	ret = first && g->iommufd ? emu_compat_open_device(dev, g->iommufd) : 0;
	fd = ret ? ret : emu_fd_install(file);
	if (fd < 0) {
		if (!ret && first && g->iommufd)
			emu_device_unbind(dev);
		free(file);
		return fd;
	}
	if (first)
		dev->bound = file;
	dev->t1_opens++;
	g->t1_devs++;
	return fd;
}

int emu_t1_group_ioctl(struct emu_file *file, unsigned long req, void *arg)
{
	struct emu_group *g = file->group;

	switch (req) {
	case KABI_VFIO_GROUP_GET_STATUS:
		return get_status(g, arg);
	case KABI_VFIO_GROUP_SET_CONTAINER:
		return set_container(g, arg);
	case KABI_VFIO_GROUP_UNSET_CONTAINER:
		if (g->iommufd) {
			/* no user count for an iommufd: the open devices
			 * stay bound through their own files */
			unset_iommufd(g);
			return 0;
		}
		if (!g->container)
			return -EINVAL;
		if (g->t1_devs)
			return -EBUSY;	/* device fds still open */
		group_leave(g);
		return 0;
	case KABI_VFIO_GROUP_GET_DEVICE_FD:
		return get_device_fd(g, arg);
	}
	return -ENOTTY;
}

/* The group file's last close: it leaves its container unless device fds
 * still hold it (they do in the kernel; the last of them then does). */
void emu_t1_group_release(struct emu_file *file)
{
	struct emu_group *g = file->group;

	g->t1_file = NULL;
	if (g->container && !g->t1_devs)
		group_leave(g);
	if (g->iommufd && !g->t1_devs)
		unset_iommufd(g);
}

/* A device file from GET_DEVICE_FD closed. */
void emu_t1_device_release(struct emu_file *file)
{
	struct emu_group *g = file->dev->group;
	struct emu_dev *dev = file->dev;

	/* the last close: vfio_df_group_close unbinds (dev->bound stays
	 * the marker of "open" until then; only from_group files use it) */
	if (!--dev->t1_opens) {
		if (dev->idev)
			emu_device_unbind(dev);
		dev->bound = NULL;
	}
	if (!--g->t1_devs && !g->t1_file && g->container)
		group_leave(g);
	if (!g->t1_devs && !g->t1_file && g->iommufd)
		unset_iommufd(g);
}

/* ---- the container fd and the type1 driver ---- */

static struct emu_t1dma *find_dma(struct emu_container *c, uint64_t start,
				  uint64_t last)
{
	size_t i;

	for (i = 0; i < c->ndmas; i++)
		if (c->dmas[i].iova <= last &&
		    c->dmas[i].iova + c->dmas[i].size - 1 >= start)
			return &c->dmas[i];
	return NULL;
}

/* Every IOMMU of the container's groups enforces cache coherency: only
 * AMD's does on the VMs (measured: 1 on AMD, 0 on QEMU's VT-d without
 * ecap.SC, virtio-iommu and SMMUv3; vfio_domains_have_enforce_cache_coherency) */
static int cache_coherent(const struct emu_container *c)
{
	size_t i;

	for (i = 0; i < emu.ndevs; i++)
		if (emu.devs[i]->group->container == c &&
		    emu.devs[i]->cfg.iommu != EMU_IOMMU_AMD)
			return 0;
	return 1;
}

static int check_extension(const struct emu_container *c, unsigned long ext)
{
	switch (ext) {
	case KABI_VFIO_TYPE1_IOMMU:
	case KABI_VFIO_TYPE1v2_IOMMU:
	case KABI_VFIO_UNMAP_ALL:
		return 1;
	case KABI_VFIO_DMA_CC_IOMMU:
		return c->iommu_type ? cache_coherent(c) : 0;
	case KABI_VFIO_UPDATE_VADDR:
		/* with the driver set and no emulated (mdev) device */
		return c->iommu_type ? 1 : 0;
	}
	return 0;
}

/* The IOMMU page sizes the domains of the container share
 * (vfio_pgsize_bitmap); per driver as 7.3 reported them on the VMs. */
static uint64_t pgsizes(const struct emu_container *c)
{
	uint64_t bits = UINT64_MAX;
	size_t i;

	for (i = 0; i < emu.ndevs; i++) {
		if (emu.devs[i]->group->container != c)
			continue;
		switch (emu.devs[i]->cfg.iommu) {
		case EMU_IOMMU_AMD:
			bits &= 0xfff7ffffff000ULL;
			break;
		case EMU_IOMMU_VIRTIO:
			bits &= ~(T1_PGSIZE - 1);	/* QEMU's page-size-mask */
			break;
		case EMU_IOMMU_INTEL:
		case EMU_IOMMU_SMMUV3:
			bits &= 0x40201000ULL;		/* 4K, 2M, 1G */
			break;
		}
	}
	return bits;
}

/* vfio_ioctl_set_iommu (§10.1) */
static int set_iommu(struct emu_container *c, unsigned long type)
{
	if (!c->ngroups || c->iommu_type)
		return -EINVAL;
	if (type != KABI_VFIO_TYPE1_IOMMU && type != KABI_VFIO_TYPE1v2_IOMMU)
		return -ENODEV;	/* no driver takes it */
	c->iommu_type = (int)type;
	c->dma_avail = emu.t1_dma_entry_limit ? emu.t1_dma_entry_limit :
					     T1_DMA_ENTRY_LIMIT;
	return 0;
}

/* vfio_iommu_type1_get_info: caps migration, dma_avail, then iova range,
 * each 8-byte aligned; offsets from the start of the info struct (§10.3). */
static int get_info(struct emu_container *c, void *arg)
{
	struct kabi_vfio_iommu_type1_info info = { 0 };
	const size_t minsz = offsetof(struct kabi_vfio_iommu_type1_info,
				      cap_offset);
	struct kabi_vfio_iommu_type1_info_cap_migration mig = { 0 };
	struct kabi_vfio_iommu_type1_info_dma_avail avail = { 0 };
	struct kabi_vfio_iommu_type1_info_cap_iova_range ir = { 0 };
	size_t mig_at, avail_at, ir_at, end, outsz, i;
	struct t1_range *r;
	size_t n;
	uint8_t *p = arg;

	if (!arg)
		return -EFAULT;
	memcpy(&info, arg, minsz);
	if (info.argsz < minsz)
		return -EINVAL;
	outsz = info.argsz < sizeof(info) ? info.argsz : sizeof(info);
	if (iova_list(c, &r, &n))
		return -ENOMEM;
	info.flags = KABI_VFIO_IOMMU_INFO_PGSIZES | KABI_VFIO_IOMMU_INFO_CAPS;
	info.iova_pgsizes = pgsizes(c);
	mig_at = sizeof(info);
	avail_at = mig_at + ((sizeof(mig) + 7) & ~(size_t)7);
	ir_at = avail_at + ((sizeof(avail) + 7) & ~(size_t)7);
	end = ir_at + sizeof(ir) + n * sizeof(struct kabi_vfio_iova_range);
	if (info.argsz < end) {
		info.argsz = (uint32_t)end;
		info.cap_offset = 0;
	} else {
		/* dirty tracking at the smallest page, DIRTY_BITMAP_SIZE_MAX */
		mig.header.id = KABI_VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION;
		mig.header.version = 1;
		mig.header.next = (uint32_t)avail_at;
		mig.pgsize_bitmap = info.iova_pgsizes & -info.iova_pgsizes;
		mig.max_dirty_bitmap_size = T1_DIRTY_BITMAP_SIZE_MAX;
		avail.header.id = KABI_VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL;
		avail.header.version = 1;
		avail.header.next = (uint32_t)ir_at;
		avail.avail = c->dma_avail;
		ir.header.id = KABI_VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE;
		ir.header.version = 1;
		ir.nr_iovas = (uint32_t)n;
		memset(p + sizeof(info), 0, end - sizeof(info));
		memcpy(p + mig_at, &mig, sizeof(mig));
		memcpy(p + avail_at, &avail, sizeof(avail));
		memcpy(p + ir_at, &ir, sizeof(ir));
		for (i = 0; i < n; i++) {
			struct kabi_vfio_iova_range v = { r[i].start, r[i].last };

			memcpy(p + ir_at + sizeof(ir) + i * sizeof(v), &v,
			       sizeof(v));
		}
		info.cap_offset = sizeof(info);
	}
	free(r);
	memcpy(arg, &info, outsz);
	return 0;
}

#define MAP_FLAGS (KABI_VFIO_DMA_MAP_FLAG_READ | KABI_VFIO_DMA_MAP_FLAG_WRITE | \
		   KABI_VFIO_DMA_MAP_FLAG_VADDR)

/* MAP_DMA with VFIO_DMA_MAP_FLAG_VADDR: a new user address for exactly
 * the mapping whose address UNMAP_DMA with the VADDR flag dropped. */
static int set_vaddr(struct emu_container *c,
		     const struct kabi_vfio_iommu_type1_dma_map *m)
{
	struct emu_t1dma *d = find_dma(c, m->iova, m->iova + m->size - 1);

	if (!d)
		return -ENOENT;
	if (!d->vaddr_invalid || d->iova != m->iova || d->size != m->size)
		return -EINVAL;
	d->vaddr = m->vaddr;
	d->vaddr_invalid = false;
	return 0;
}

/* vfio_dma_do_map, in its order of checks (§10.4). */
static int map_dma(struct emu_container *c, void *arg)
{
	struct kabi_vfio_iommu_type1_dma_map m;
	struct emu_t1dma *d;
	struct t1_range *r;
	size_t n, at;
	int prot = 0, ret;

	if (!arg)
		return -EFAULT;
	memcpy(&m, arg, sizeof(m));
	if (m.argsz < sizeof(m) || (m.flags & ~MAP_FLAGS))
		return -EINVAL;
	if (m.flags & KABI_VFIO_DMA_MAP_FLAG_READ)
		prot |= EMU_PROT_READ;
	if (m.flags & KABI_VFIO_DMA_MAP_FLAG_WRITE)
		prot |= EMU_PROT_WRITE;
	/* a protection, or VADDR alone */
	if (!prot == !(m.flags & KABI_VFIO_DMA_MAP_FLAG_VADDR))
		return -EINVAL;
	if (!m.size || ((m.size | m.iova | m.vaddr) & (T1_PGSIZE - 1)))
		return -EINVAL;
	/* a wrapping range: EOVERFLOW (measured on 7.3; older kernels'
	 * vfio_dma_do_map answered EINVAL) */
	if (m.iova + m.size - 1 < m.iova || m.vaddr + m.size - 1 < m.vaddr)
		return -EOVERFLOW;
	if (m.flags & KABI_VFIO_DMA_MAP_FLAG_VADDR)
		return set_vaddr(c, &m);
	if (find_dma(c, m.iova, m.iova + m.size - 1))
		return -EEXIST;
	if (!c->dma_avail)
		return -ENOSPC;
	if (iova_list(c, &r, &n))
		return -ENOMEM;
	ret = iova_valid(r, n, m.iova, m.iova + m.size - 1) ? 0 : -EINVAL;
	free(r);
	if (ret)
		return ret;
	/* type1 pins at map time: a domain exists once the IOMMU is set */
	ret = emu_va_pinnable(m.vaddr, m.size, prot & EMU_PROT_WRITE);
	if (ret)
		return ret;
	if (EMU_GROW(c->dmas, c->dmas_cap, c->ndmas))
		return -ENOMEM;
	for (at = 0; at < c->ndmas && c->dmas[at].iova < m.iova; at++)
		;
	memmove(&c->dmas[at + 1], &c->dmas[at],
		(c->ndmas - at) * sizeof(*c->dmas));
	d = &c->dmas[at];
	d->iova = m.iova;
	d->size = m.size;
	d->vaddr = m.vaddr;
	d->prot = prot;
	d->vaddr_invalid = false;
	c->ndmas++;
	c->dma_avail--;
	return 0;
}

#define UNMAP_FLAGS (KABI_VFIO_DMA_UNMAP_FLAG_ALL | KABI_VFIO_DMA_UNMAP_FLAG_VADDR)

/* UNMAP_DMA with VFIO_DMA_UNMAP_FLAG_VADDR: the mappings from index at on
 * that start at or before last lose their user address (they stay
 * mapped); one that has lost it already undoes the call: EINVAL. */
static int invalidate_vaddr(struct emu_container *c, size_t at, uint64_t last,
			    uint64_t *done)
{
	size_t i, j;

	for (i = at; i < c->ndmas && c->dmas[i].iova <= last; i++) {
		if (c->dmas[i].vaddr_invalid) {
			for (j = at; j < i; j++)
				c->dmas[j].vaddr_invalid = false;
			return -EINVAL;
		}
		c->dmas[i].vaddr_invalid = true;
		*done += c->dmas[i].size;
	}
	return 0;
}

/* vfio_dma_do_unmap (§10.5): v2 refuses a range that would split a
 * mapping; a range over nothing succeeds with size 0. */
static int unmap_dma(struct emu_container *c, void *arg)
{
	struct kabi_vfio_iommu_type1_dma_unmap u;
	uint64_t unmapped = 0, last;
	bool all;
	size_t i;
	int ret;

	if (!arg)
		return -EFAULT;
	memcpy(&u, arg, sizeof(u));
	if (u.argsz < sizeof(u) || (u.flags & ~UNMAP_FLAGS))
		return -EINVAL;
	all = u.flags & KABI_VFIO_DMA_UNMAP_FLAG_ALL;
	if (all) {
		if (u.iova || u.size)
			return -EINVAL;
		last = UINT64_MAX;
	} else {
		if (!u.size || (u.size & (T1_PGSIZE - 1)))
			return -EINVAL;
		if (u.iova + u.size - 1 < u.iova)
			return -EOVERFLOW;	/* as MAP_DMA's */
		last = u.iova + u.size - 1;
	}
	if (u.iova & (T1_PGSIZE - 1))
		return -EINVAL;
	if (c->iommu_type == KABI_VFIO_TYPE1v2_IOMMU && !all) {
		struct emu_t1dma *d = find_dma(c, u.iova, u.iova);

		if (d && d->iova != u.iova)
			return -EINVAL;
		d = find_dma(c, last, last);
		if (d && d->iova + d->size - 1 != last)
			return -EINVAL;
	}
	/* the first mapping the range touches, in IOVA order; v1 stops at
	 * once if it starts before the range (the kernel's walk breaks
	 * there: nothing is unmapped, measured), else every mapping that
	 * starts in the range goes whole */
	for (i = 0; i < c->ndmas &&
		    c->dmas[i].iova + c->dmas[i].size - 1 < u.iova; i++)
		;
	if (i < c->ndmas && c->dmas[i].iova < u.iova)
		i = c->ndmas;
	if (u.flags & KABI_VFIO_DMA_UNMAP_FLAG_VADDR) {
		ret = invalidate_vaddr(c, i, last, &unmapped);
		if (ret)
			return ret;
		i = c->ndmas;
	}
	while (i < c->ndmas && c->dmas[i].iova <= last) {
		struct emu_t1dma *d = &c->dmas[i];

		unmapped += d->size;
		memmove(d, d + 1, (c->ndmas - i - 1) * sizeof(*d));
		c->ndmas--;
		c->dma_avail++;
	}
	u.size = unmapped;
	memcpy(arg, &u, sizeof(u));
	return 0;
}

/* vfio_fops_unl_ioctl: the container's own ioctls; the rest goes to the
 * IOMMU driver once one is set (EINVAL before, ENOTTY for what it does
 * not know). VFIO_GET_API_VERSION and CHECK_EXTENSION answer in the
 * return value. */
int emu_t1_container_ioctl(struct emu_file *file, unsigned long req,
			   void *arg)
{
	struct emu_container *c = file->container;

	switch (req) {
	case KABI_VFIO_GET_API_VERSION:
		return KABI_VFIO_API_VERSION;
	case KABI_VFIO_CHECK_EXTENSION:
		return check_extension(c, (unsigned long)arg);
	case KABI_VFIO_SET_IOMMU:
		return set_iommu(c, (unsigned long)arg);
	}
	if (!c->iommu_type)
		return -EINVAL;
	switch (req) {
	case KABI_VFIO_IOMMU_GET_INFO:
		return get_info(c, arg);
	case KABI_VFIO_IOMMU_MAP_DMA:
		return map_dma(c, arg);
	case KABI_VFIO_IOMMU_UNMAP_DMA:
		return unmap_dma(c, arg);
	}
	return -ENOTTY;
}

void emu_t1_container_release(struct emu_file *file)
{
	container_put(file->container);
}

/* DMA of a device whose group is in a container with an IOMMU set: the
 * container's mappings; -ENODEV when the device is not in one. */
int emu_t1_dma(struct emu_dev *dev, uint64_t iova, uint8_t *buf, size_t len,
	       bool write)
{
	struct emu_container *c = dev->group->container;
	uint64_t cur, left;

	if (!c)
		return -ENODEV;
	if (!c->iommu_type)
		return -EFAULT;
	for (cur = iova, left = len; left;) {	/* check it all first */
		struct emu_t1dma *d = find_dma(c, cur, cur);
		uint64_t k;

		if (!d)
			return -EFAULT;
		if (!(d->prot & (write ? EMU_PROT_WRITE : EMU_PROT_READ)))
			return -EPERM;
		k = d->iova + d->size - cur;
		k = k < left ? k : left;
		cur += k;
		left -= k;
	}
	for (cur = iova, left = len; left;) {
		struct emu_t1dma *d = find_dma(c, cur, cur);
		uint8_t *host = (uint8_t *)(uintptr_t)(d->vaddr + (cur - d->iova));
		uint64_t k = d->iova + d->size - cur;

		k = k < left ? k : left;
		if (write)
			memcpy(host, buf, k);
		else
			memcpy(buf, host, k);
		buf += k;
		cur += k;
		left -= k;
	}
	return 0;
}

int emu_t1_dma_entries(int vfio_index)
{
	struct emu_dev *dev;
	int n = -ENODEV;

	pthread_mutex_lock(&emu.lock);
	dev = emu_dev_by_index(vfio_index);
	if (dev)
		n = dev->group->container ? (int)dev->group->container->ndmas
					  : -ENOENT;
	pthread_mutex_unlock(&emu.lock);
	return n;
}
