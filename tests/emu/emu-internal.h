/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Shared state of the emulation. Everything is guarded by emu.lock; every
 * function here expects it held unless it says otherwise.
 *
 * Naming follows the kernel where there is a kernel counterpart: a "ctx" is
 * an iommufd_ctx, an "obj" an iommufd_object, an "area" an iopt_area, a
 * "pages" an iopt_pages, an "attach" an iommufd_attach (one per group and
 * PASID), a "group" an iommufd_group.
 */
#ifndef LIBPASID_TESTS_EMU_INTERNAL_H
#define LIBPASID_TESTS_EMU_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "emu.h"
#include "kabi.h"
#include "sys.h"

#define EMU_PAGE_SIZE	 4096ULL
#define EMU_VFIO_MAJOR	 511
#define EMU_IOMMU_MAJOR	 10	/* /dev/iommu is a misc device */
#define EMU_IOMMU_MINOR	 123
#define EMU_VFIO_CONTAINER_MINOR 196	/* /dev/vfio/vfio, misc too */
#define EMU_GROUP_MAJOR	 510	/* the "vfio" char major of group nodes */
#define EMU_NO_PASID	 0	/* IOMMU_NO_PASID: the RID */
/* The default domain aperture: 48-bit input addresses (Intel MGAW 48,
 * SMMUv3 IAS 48); emu-ioas.c aperture_last() has the vendors that differ. */
#define EMU_APERTURE_LAST ((1ULL << 48) - 1)
#define EMU_CFG_SIZE	 4096
#define EMU_BAR0_SIZE	 4096
#define EMU_REGION_SHIFT 40	/* VFIO_PCI_OFFSET_SHIFT */

#define EMU_PROT_READ	 1
#define EMU_PROT_WRITE	 2

/* Grow a dynamic array so that index n fits; 0 or -ENOMEM. */
int emu_grow(void **arr, size_t *cap, size_t n, size_t elem);
#define EMU_GROW(arr, cap, n) \
	emu_grow((void **)&(arr), &(cap), (n), sizeof(*(arr)))

enum emu_obj_type {
	EMU_OBJ_IOAS = 1,
	EMU_OBJ_HWPT_PAGING,
	EMU_OBJ_DEVICE,
	EMU_OBJ_HWPT_NESTED,	/* emu-nested.c */
	EMU_OBJ_VIOMMU,
	EMU_OBJ_VDEVICE,
	EMU_OBJ_FAULT,		/* emu-eventq.c */
	EMU_OBJ_VEVENTQ,
};

struct emu_eventq;

/* Pinned memory, shared by the areas a COPY made from it (iopt_pages). */
struct emu_pages {
	unsigned int refs;
	uint8_t *base;		/* host address of byte 0 */
	uint64_t uptr;		/* the user VA of byte 0; 0 for a file */
	void *map;		/* our own mmap of a MAP_FILE range */
	size_t map_len;
	bool writable;
	bool file;
};

struct emu_area {
	uint64_t iova, len;
	uint64_t off;		/* byte offset of iova in pages */
	int prot;		/* EMU_PROT_* */
	struct emu_pages *pages;
};

/* A reserved IOVA range (iopt_reserved); owner is a device (its MSI
 * window) or a HWPT (the part outside its aperture). */
struct emu_resv {
	uint64_t start, last;
	const void *owner;
};

/* An inclusive IOVA range. */
struct emu_range {
	uint64_t start, last;
};

struct emu_ctx;
struct emu_dev;

struct emu_obj {
	struct emu_ctx *ctx;
	uint32_t id;
	enum emu_obj_type type;
	/* references that make IOMMU_DESTROY fail EBUSY: HWPTs on an IOAS,
	 * attachments (device x PASID) on a HWPT */
	unsigned int users;

	/* IOAS (io_pagetable) */
	struct emu_area *areas;	/* sorted by iova, never overlapping */
	size_t nareas, areas_cap;
	struct emu_resv *resv;
	size_t nresv, resv_cap;
	/* IOMMU_IOAS_ALLOW_IOVAS (allowed_itree): sorted, disjoint; none
	 * means no limit on the IOVA allocator */
	struct emu_range *allowed;
	size_t nallowed;
	unsigned int ndomains;	/* HWPTs filled from this IOAS */
	uint64_t align;		/* iova_alignment: 1, 4096 with a domain */

	/* HWPT_PAGING */
	struct emu_obj *ioas;
	enum emu_iommu iommu;	/* the IOMMU (driver instance) it is for */
	unsigned int iommu_unit;
	/* the domain's ops lack set_dev_pasid: no PASID attaches to it
	 * (AMD's paging domains in 7.3) */
	bool no_set_dev_pasid;
	uint32_t flags;		/* KABI_IOMMU_HWPT_ALLOC_* */
	bool auto_domain;
	bool domain;		/* filled from (added to) its IOAS */

	/* DEVICE; VDEVICE: the device it stands for */
	struct emu_dev *dev;

	/* HWPT_NESTED: its stage-2 (a NEST_PARENT HWPT_PAGING; also what
	 * ioas, iommu and iommu_unit are copied from) and its vIOMMU (NULL:
	 * allocated on the parent, VT-d); the user data as given.
	 * VIOMMU: parent is its stage-2. VDEVICE: viommu, virt_id. */
	struct emu_obj *parent;
	struct emu_obj *viommu;
	uint32_t data_type;
	uint64_t data[4];
	uint64_t virt_id;
	/* VIOMMU: invalidation commands it took, and the last one */
	unsigned int ncmds;
	uint64_t last_cmd[2];

	/* HWPT_PAGING, HWPT_NESTED: the FAULT it reports page requests to
	 * (FAULT_ID_VALID; holds a user of it), or NULL */
	struct emu_obj *fault;
	/* HWPT_PAGING with DIRTY_TRACKING (emu-dirty.c): tracking on, and
	 * the IOVAs of the pages written since the last clearing read */
	bool dirty_on;
	uint64_t *dirty;
	size_t ndirty, dirty_cap;
	/* FAULT, VEVENTQ: the queue behind its fd (emu-eventq.c); VEVENTQ:
	 * viommu is the vIOMMU it holds */
	struct emu_eventq *eq;
};

struct emu_ctx {
	struct emu_ctx *next;	/* in open order */
	/* open files (dups share one) + bound devices, like the kernel's
	 * file references: the context lives while a device is bound */
	unsigned int refs;
	struct emu_obj **objs;	/* indexed by id; [0] unused */
	size_t objs_cap;
	/* the IOAS the VFIO compat paths use (ictx->vfio_ioas): set by
	 * IOMMU_VFIO_IOAS, made by a group's SET_CONTAINER if none */
	struct emu_obj *vfio_ioas;
};

/* One attachment of a group: its RID (pasid 0) or one PASID. */
struct emu_attach {
	uint32_t pasid;
	struct emu_obj *hwpt;
	struct emu_dev **devs;	/* devices that attached it themselves */
	size_t ndevs, devs_cap;
};

/* One DMA mapping of a type1 container (vfio_dma). */
struct emu_t1dma {
	uint64_t iova, size, vaddr;
	int prot;
	/* VFIO_DMA_UNMAP_FLAG_VADDR dropped the user address; a MAP_DMA
	 * with VFIO_DMA_MAP_FLAG_VADDR gives a new one (the IOMMU mapping
	 * stays all along) */
	bool vaddr_invalid;
};

/* A /dev/vfio/vfio container with the type1 driver (vfio_iommu). */
struct emu_container {
	unsigned int refs;	/* its files + the groups set into it */
	unsigned int ngroups;
	int iommu_type;		/* 0 until VFIO_SET_IOMMU */
	struct emu_t1dma *dmas;	/* sorted by iova */
	size_t ndmas, dmas_cap;
	unsigned int dma_avail;
};

struct emu_group {
	struct emu_group *next;
	/* the type1 profile: the open /dev/vfio/<id>, its container, and the
	 * device fds it gave out */
	struct emu_file *t1_file;
	struct emu_container *container;
	struct emu_ctx *iommufd;	/* or an iommufd as its container */
	unsigned int t1_devs;
	int id;
	struct emu_ctx *owner;	/* DMA owner while devices are bound */
	unsigned int nbound;
	struct emu_attach *att;
	size_t natt, att_cap;
};

struct emu_file;

struct emu_dev {
	int index;
	char bdf[16];
	struct emu_dev_cfg cfg;	/* cfg.bdf/driver point at the arrays */
	char driver[64];
	/* what sysfs driver_override holds ("" unset) and the driver whose ID
	 * table matches the device (drivers_probe without an override) */
	char override[64];
	char id_driver[64];
	bool vfio;		/* bound to a VFIO driver */
	bool variant;		/* a VFIO variant driver: no PASID ops */
	bool cdev;		/* /dev/vfio/devices/vfioN exists */
	/* N of that cdev (its minor), -1 without one. The index at first;
	 * after emu_vfio_unbind/emu_vfio_bind the lowest free number, as
	 * the kernel's VFIO device ida hands them out again. */
	int minor;
	bool has_resv;
	uint64_t resv_start, resv_last;
	uint8_t config[EMU_CFG_SIZE];	/* the VFIO config region */
	int bar_fd;		/* memfd backing BAR0 */
	struct emu_group *group;

	/* binding (vfio_device_file + iommufd_device) */
	struct emu_file *bound;
	/* device fds from VFIO_GROUP_GET_DEVICE_FD (each its own file; the
	 * first open binds, the last close unbinds) */
	unsigned int t1_opens;
	struct emu_obj *idev;
	/* the VFIO side of attachments (vfio/iommufd.c) */
	bool rid_attached;
	uint32_t *pasids;
	size_t npasids, pasids_cap;
};

enum emu_file_kind {
	EMU_FILE_IOMMUFD,
	EMU_FILE_VFIO,
	EMU_FILE_CONTAINER,	/* /dev/vfio/vfio */
	EMU_FILE_GROUP,		/* /dev/vfio/<group> */
	EMU_FILE_EVENTQ,	/* a FAULT's or VEVENTQ's anonymous fd */
};

struct emu_file {
	enum emu_file_kind kind;
	unsigned int refs;	/* fds (dup) */
	struct emu_ctx *ctx;	/* IOMMUFD */
	struct emu_dev *dev;	/* VFIO */
	bool from_group;	/* VFIO: from VFIO_GROUP_GET_DEVICE_FD */
	struct emu_container *container;	/* CONTAINER */
	struct emu_group *group;		/* GROUP */
	/* the real open file behind its fds (a memfd of its own, dup'ed for
	 * each further fd): its inode names the file when one of its fds
	 * comes back through a Unix socket (seam_recvmsg) */
	dev_t st_dev;
	ino_t st_ino;
	struct emu_obj *eventq;			/* EVENTQ: holds a user */
};

struct emu_fd {
	int fd;
	struct emu_file *file;
};

/* An mmap of a device's BAR: like the kernel's vma, it holds the file (and
 * so its binding) until munmap, whether or not an fd is still open. */
struct emu_map {
	void *addr;
	size_t len;
	struct emu_file *file;
};

struct emu_state {
	pthread_mutex_t lock;
	bool up;
	char root[PATH_MAX];
	struct emu_dev **devs;
	size_t ndevs, devs_cap;
	struct emu_group *groups;
	struct emu_ctx *ctxs;
	struct emu_fd *fds;
	size_t nfds, fds_cap;
	struct emu_map *maps;
	size_t nmaps, maps_cap;
	unsigned int calls, fail_at;
	int fail_err;
	/* emu_fail_inval_entry: the next invalidation fails at entry
	 * fail_entry - 1 (0: off) */
	unsigned int fail_entry;
	int fail_entry_err;
	int selected_fd;
	enum emu_profile profile;
	unsigned int t1_dma_entry_limit;	/* the module parameter */
	struct pasid_sys sys;
};

extern struct emu_state emu;

/* emu-core.c */
/* What the profile's kernel has (emu.h, enum emu_profile); emu_kernel is
 * its version as 100 * major + minor (703, 606, 602; TYPE1 0). */
unsigned int emu_kernel(void);
bool emu_has_cdev(void);
bool emu_has_legacy_nodes(void);
struct emu_dev *emu_dev_by_index(int index);
void emu_ctx_get(struct emu_ctx *ctx);
void emu_ctx_put(struct emu_ctx *ctx);
struct emu_ctx *emu_ctx_of_fd(int fd);
struct emu_file *emu_file_of(int fd);
/* A new fd for file (a real number); it takes a reference. */
int emu_fd_install(struct emu_file *file);

/* One iommufd ioctl in flight (iommufd_ucmd): cmd is the kernel copy. */
struct emu_ucmd {
	void *ubuf;		/* the caller's struct */
	uint32_t user_size;
	size_t size;		/* the kernel's struct size */
	void *cmd;
};

/* Copy the result out, up to the caller's size (iommufd_ucmd_respond). */
int emu_respond(struct emu_ucmd *u);

/* emu-iommufd.c */
int emu_iommufd_ioctl(struct emu_ctx *ctx, unsigned long req, void *arg);
struct emu_obj *emu_obj_alloc(struct emu_ctx *ctx, enum emu_obj_type type);
struct emu_obj *emu_obj_find(struct emu_ctx *ctx, uint32_t id, int type);
struct emu_obj *emu_obj_lookup(uint32_t id, int type);
void emu_obj_free(struct emu_obj *obj);
void emu_ctx_destroy_objects(struct emu_ctx *ctx);
unsigned int emu_count_objects(void);
struct emu_obj *emu_hwpt_paging_new(struct emu_ctx *ctx, struct emu_obj *ioas,
				    struct emu_dev *dev, uint32_t flags,
				    int *err);
void emu_hwpt_abort(struct emu_obj *hwpt);
void emu_hwpt_put(struct emu_obj *hwpt);
#define EMU_OBJ_ANY (-1)

/* emu-nested.c: IOMMU_VIOMMU_ALLOC, IOMMU_VDEVICE_ALLOC, the nested half of
 * IOMMU_HWPT_ALLOC, IOMMU_HWPT_INVALIDATE and the driver's attach rules */
int emu_viommu_alloc(struct emu_ctx *ctx, struct emu_ucmd *u);
int emu_vdevice_alloc(struct emu_ctx *ctx, struct emu_ucmd *u);
int emu_hwpt_invalidate(struct emu_ctx *ctx, struct emu_ucmd *u);
struct emu_obj *emu_hwpt_nested_new(struct emu_ctx *ctx, struct emu_obj *pt,
				    struct emu_dev *dev,
				    const struct kabi_iommu_hwpt_alloc *cmd,
				    int *err);
/* Free a HWPT_NESTED, VIOMMU or VDEVICE (users already checked). */
void emu_nested_free(struct emu_obj *obj);
bool emu_obj_is_nested(const struct emu_obj *obj);
/* The driver's attach of a nested HWPT (after the core's checks). */
int emu_nested_attach_check(struct emu_obj *hwpt, struct emu_dev *dev,
			    uint32_t pasid);
/* The stage-2 that untagged DMA through a nested HWPT on the RID uses
 * where no stage-1 applies to it (an SMMUv3 vSTE in bypass, or in S1 with
 * S1DSS bypass); NULL where a stage-1 would (not modelled: a fault). */
struct emu_obj *emu_nested_stage2_only(struct emu_obj *hwpt);
/* iommufd_device_unbind: the device's vDEVICE goes with it. */
void emu_nested_unbind(struct emu_dev *dev);

/* emu-eventq.c: IOMMU_FAULT_QUEUE_ALLOC, IOMMU_VEVENTQ_ALLOC, their fds'
 * read and write, and what the hardware reports into them */
int emu_fault_alloc(struct emu_ctx *ctx, struct emu_ucmd *u);
int emu_veventq_alloc(struct emu_ctx *ctx, struct emu_ucmd *u);
ssize_t emu_eventq_rw(struct emu_file *file, void *buf, size_t len,
		      bool write);
void emu_eventq_release(struct emu_file *file);
/* Free a FAULT or VEVENTQ object (users already checked). */
void emu_eventq_free(struct emu_obj *obj);
/* A DMA of dev at pasid faulted (err: -EFAULT or -EPERM) through the
 * HWPT attached there: a page request for a fault-capable HWPT, a
 * vEVENT for an SMMUv3 stage-1 behind a vDEVICE. Returns -EAGAIN when
 * the fault was reported (the device waits for a response), else err. */
int emu_dma_fault(struct emu_dev *dev, struct emu_obj *attached,
		  uint32_t pasid, uint64_t iova, bool write, int err);
/* iommufd_auto_response_faults: the outstanding page requests of dev
 * through hwpt are answered INVALID when it is detached from it. */
void emu_fault_detach(struct emu_obj *hwpt, struct emu_dev *dev);

/* emu-dirty.c: IOMMU_HWPT_SET_DIRTY_TRACKING, IOMMU_HWPT_GET_DIRTY_BITMAP
 * and the dirty bits DMA writes set */
int emu_set_dirty_tracking(struct emu_ctx *ctx, struct emu_ucmd *u);
int emu_get_dirty_bitmap(struct emu_ctx *ctx, struct emu_ucmd *u);
int emu_dirty_mark(struct emu_obj *hwpt, uint64_t iova, uint64_t len);

/* emu-ioas.c */
int emu_ioas_iova_ranges(struct emu_ctx *ctx, struct emu_ucmd *u);
int emu_ioas_map(struct emu_ctx *ctx, struct emu_ucmd *u);
int emu_ioas_map_file(struct emu_ctx *ctx, struct emu_ucmd *u);
int emu_ioas_copy(struct emu_ctx *ctx, struct emu_ucmd *u);
int emu_ioas_allow_iovas(struct emu_ctx *ctx, struct emu_ucmd *u);
int emu_ioas_unmap(struct emu_ctx *ctx, struct emu_ucmd *u);
void emu_ioas_unmap_all(struct emu_obj *ioas);
int emu_ioas_add_domain(struct emu_obj *ioas, struct emu_obj *hwpt);
void emu_ioas_remove_domain(struct emu_obj *ioas, struct emu_obj *hwpt);
int emu_ioas_reserve(struct emu_obj *ioas, uint64_t start, uint64_t last,
		     const void *owner);
void emu_ioas_unreserve(struct emu_obj *ioas, const void *owner);
struct emu_area *emu_ioas_find_area(struct emu_obj *ioas, uint64_t iova);
unsigned long emu_ioas_bytes(struct emu_obj *ioas);
/* Is [va, +len) mapped readable (and writable) here: 0 or -EFAULT. */
int emu_va_pinnable(uint64_t va, uint64_t len, bool write);
/* The last IOVA of a domain's aperture on that IOMMU. */
uint64_t emu_aperture_last(enum emu_iommu iommu);

/* emu-type1.c: the type1-only profile's container and group files */
int emu_t1_open_container(void);
int emu_t1_open_group(const char *name);
int emu_t1_container_ioctl(struct emu_file *file, unsigned long req,
			   void *arg);
int emu_t1_group_ioctl(struct emu_file *file, unsigned long req, void *arg);
void emu_t1_container_release(struct emu_file *file);
void emu_t1_group_release(struct emu_file *file);
void emu_t1_device_release(struct emu_file *file);
int emu_t1_dma(struct emu_dev *dev, uint64_t iova, uint8_t *buf, size_t len,
	       bool write);

/* emu-compat.c: the VFIO compatibility of iommufd (vfio_compat.c) */
int emu_vfio_ioas(struct emu_ctx *ctx, struct emu_ucmd *u);
int emu_compat_ioas_create(struct emu_ctx *ctx);
/* A group device's first open with an iommufd container: bind and attach
 * to the compat IOAS (vfio_df_group_open). */
int emu_compat_open_device(struct emu_dev *dev, struct emu_ctx *ctx);
int emu_compat_vfio_ioctl(struct emu_ctx *ctx, unsigned long req,
			  unsigned long arg);

/* emu-device.c */
int emu_device_bind(struct emu_dev *dev, struct emu_ctx *ctx,
		    uint32_t *dev_id);
void emu_device_unbind(struct emu_dev *dev);
int emu_device_attach(struct emu_dev *dev, uint32_t pasid, uint32_t *pt_id,
		      bool replace);
void emu_device_detach(struct emu_dev *dev, uint32_t pasid);
struct emu_attach *emu_group_attach(struct emu_group *g, uint32_t pasid);
bool emu_attach_has(const struct emu_attach *a, const struct emu_dev *dev);

/* emu-vfio.c */
int emu_vfio_ioctl(struct emu_file *file, unsigned long req, void *arg);
ssize_t emu_vfio_rw(struct emu_file *file, void *buf, size_t len, off_t off,
		    bool write);
void *emu_vfio_mmap(struct emu_file *file, void *addr, size_t len, int prot,
		    int flags, off_t off, int *err);
void emu_vfio_release(struct emu_file *file);
void emu_dev_init_config(struct emu_dev *dev, uint8_t *cfg, bool sysfs_view);

/* emu-sysfs.c */
int emu_sysfs_create(void);
int emu_sysfs_add_device(struct emu_dev *dev);
/* The driver link and, with dev->cdev, the vfio-dev entry of dev->minor. */
int emu_sysfs_add_driver(struct emu_dev *dev);
/* bus/pci/drivers/<driver>/ with its bind and unbind files: a loaded
 * driver (module), with or without devices */
int emu_sysfs_add_driver_dir(const char *driver);
void emu_sysfs_remove_driver(struct emu_dev *dev);
void emu_sysfs_update_resv(struct emu_dev *dev);
void emu_sysfs_remove(void);
const char *emu_iommu_name(enum emu_iommu iommu);

/* emu-hwinfo.c */
int emu_get_hw_info(struct emu_ctx *ctx, struct emu_ucmd *u);
uint64_t emu_vtd_cap(const struct emu_dev *dev);
uint64_t emu_vtd_ecap(const struct emu_dev *dev);
uint64_t emu_amd_efr(const struct emu_dev *dev);
uint64_t emu_amd_efr2(const struct emu_dev *dev);

#endif
