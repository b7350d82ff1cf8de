/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * libpasid: open a device, get a PASID, bind a kernel-owned I/O address space
 * to it, map buffers, and never care which IOMMU vendor is underneath.
 *
 * Conventions (see libpasid(7)):
 *  - Every function that can fail returns 0 (or a non-negative value where
 *    documented) on success and a negative errno on failure; results come back
 *    through out-parameters. A failed call leaves no kernel object, file
 *    descriptor or memory behind and changes no state the caller can see.
 *  - pasid_errmsg() gives the calling thread a sentence saying what failed and
 *    what to do about it.
 *  - Handles are opaque. Option and report structs carry their own size so
 *    that new fields never break old binaries: set .size = sizeof(struct ...).
 *  - Thread safety: all calls on one context (and on the devices and address
 *    spaces made from it) are serialised by the context's lock, so they may be
 *    made from several threads. A handle must not be used while or after
 *    another thread closes or frees it.
 */
#ifndef LIBPASID_LIBPASID_H
#define LIBPASID_LIBPASID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpasid/version.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define PASID_API __attribute__((visibility("default")))
#else
#define PASID_API
#endif

struct pasid_ctx;	/* one iommufd context (/dev/iommu) */
struct pasid_dev;	/* one VFIO device bound to a context */
struct pasid_as;	/* one I/O address space (a kernel-owned IOAS) */

/* ------------------------------------------------------------------ */
/* Context                                                             */

enum pasid_log_level {
	PASID_LOG_ERROR = 0,
	PASID_LOG_WARN = 1,
	PASID_LOG_DEBUG = 2,
};

typedef void (*pasid_log_fn)(void *arg, enum pasid_log_level level,
			     const char *msg);

/* The kernel interface a context speaks (see pasid_ctx_open). */
enum pasid_backend {
	/* probe: iommufd with the VFIO cdev, else iommufd with the VFIO
	 * group, else type1 */
	PASID_BACKEND_AUTO = 0,
	PASID_BACKEND_IOMMUFD = 1,	/* /dev/iommu + VFIO cdev: everything */
	/* legacy VFIO group + type1 container (kernels without
	 * CONFIG_IOMMUFD): RID DMA mapping only, no PASIDs */
	PASID_BACKEND_TYPE1 = 2,
	/* VFIO group with /dev/iommu as its container (Linux 6.2+, kernels
	 * without the VFIO cdev): iommufd address spaces (map, map_file,
	 * copy), RID attach; no PASIDs (they need the cdev) */
	PASID_BACKEND_IOMMUFD_GROUP = 3,
};

struct pasid_ctx_opts {
	size_t size;		/* sizeof(struct pasid_ctx_opts) */
	pasid_log_fn log;	/* optional: called for every diagnostic */
	void *log_arg;
	enum pasid_log_level log_level; /* highest level passed to log */
	/* must be 0: fills what would be tail padding, so that a field added
	 * later starts beyond the size an old library knows */
	uint32_t reserved;
	/* which backend; AUTO (0) probes, and the environment variable
	 * LIBPASID_BACKEND=iommufd|group|type1 decides when this is AUTO */
	enum pasid_backend backend;
	uint32_t reserved2;	/* must be 0, as reserved */
};

/* Open the kernel interface: /dev/iommu (with the VFIO cdev, or without
 * it the VFIO groups: PASID_BACKEND_IOMMUFD_GROUP), or without iommufd the
 * legacy VFIO container (PASID_BACKEND_TYPE1). opts may be NULL. */
PASID_API int pasid_ctx_open(struct pasid_ctx **ctxp,
			     const struct pasid_ctx_opts *opts);
/* Release every device, address space, binding and mapping of the context.
 * BARs still mapped with pasid_dev_bar_map are unmapped (with a warning):
 * a BAR mapping would keep the device file (and its binding) alive. */
PASID_API void pasid_ctx_close(struct pasid_ctx *ctx);
/* The iommufd file descriptor (owned by the context); -EINVAL for NULL. */
PASID_API int pasid_ctx_fd(const struct pasid_ctx *ctx);

/* What the calling thread's last failed call said; "" if nothing failed. */
PASID_API const char *pasid_errmsg(void);

/* The LIBPASID_VERSION of the library the program runs with: compare it
 * with LIBPASID_VERSION_ENCODE(major, minor, micro) to check at run time
 * for a call added in a later version. */
PASID_API unsigned int pasid_version(void);

/* ------------------------------------------------------------------ */
/* Devices                                                             */

/*
 * Open a device bound to vfio-pci and bind it to the context. name is a PCI
 * address ("0000:00:04.0" or "00:04.0"), a sysfs device path, or a VFIO cdev
 * path ("/dev/vfio/devices/vfio0").
 */
PASID_API int pasid_dev_open(struct pasid_ctx *ctx, const char *name,
			     struct pasid_dev **devp);
/*
 * Same for a VFIO cdev file descriptor received from elsewhere (it must not be
 * bound to an iommufd yet). On success the device owns vfio_fd and closes it
 * in pasid_dev_close; on failure the caller keeps it (if the failure came
 * after the bind, the fd stays bound and can only be closed).
 */
PASID_API int pasid_dev_open_fd(struct pasid_ctx *ctx, int vfio_fd,
				struct pasid_dev **devp);
/* Unbind every PASID and the RID of the device, then close it. */
PASID_API void pasid_dev_close(struct pasid_dev *dev);

/* The VFIO device fd, for driving the device (owned by the library);
 * -EINVAL for NULL. */
PASID_API int pasid_dev_fd(const struct pasid_dev *dev);
/* The PCI address, or "fd N" for a device opened from an fd whose PCI
 * address could not be found. */
PASID_API const char *pasid_dev_name(const struct pasid_dev *dev);
/* The iommufd object id of the device (for the nested API and debugging). */
PASID_API uint32_t pasid_dev_iommufd_id(const struct pasid_dev *dev);

enum pasid_iommu_vendor {
	PASID_IOMMU_UNKNOWN = 0,
	PASID_IOMMU_INTEL_VTD = 1,
	PASID_IOMMU_ARM_SMMUV3 = 2,
	PASID_IOMMU_AMD_VI = 3,
	PASID_IOMMU_VIRTIO = 4,
	PASID_IOMMU_OTHER = 5,	/* an IOMMU the library has no quirks for */
};

/* "intel-vtd", "arm-smmuv3", "amd-vi", "virtio-iommu", "other", "unknown". */
PASID_API const char *pasid_iommu_vendor_name(enum pasid_iommu_vendor v);

/* Who owns the table that maps a PASID to a page table. */
enum pasid_table_owner {
	PASID_TABLE_NONE = 0,		/* the IOMMU has no PASID support */
	PASID_TABLE_KERNEL = 1,		/* kernel only (Intel VT-d) */
	PASID_TABLE_USER_DELEGATABLE = 2, /* kernel, or user through nesting
					     (ARM SMMUv3 CD table, AMD GCR3) */
};

/* pasid_caps.flags */
#define PASID_CAP_PASID_EXEC	 (1u << 0) /* PASID execute permission on */
#define PASID_CAP_PASID_PRIV	 (1u << 1) /* PASID privileged mode on */
#define PASID_CAP_DIRTY_TRACKING (1u << 2) /* IOMMU dirty bit tracking */
#define PASID_CAP_NESTING	 (1u << 3) /* nested (2-stage) translation */
#define PASID_CAP_NO_ATS	 (1u << 4) /* kernel says ATS cannot be used */
#define PASID_CAP_PRI		 (1u << 5) /* page requests (IOPF) offered */
/* a nesting parent must hold no read-only mappings (VT-d erratum 772415,
 * SPR17: the kernel's hw_info flag) */
#define PASID_CAP_NEST_NO_READONLY (1u << 6)
/* a nested user must issue every TLBI and CFGI command twice (the SMMUv3
 * erratum flag of Linux 7.3's hw_info) */
#define PASID_CAP_NEST_REPEAT_INVALIDATE (1u << 7)
/* the kernel reported one PASID bit fewer than the IOMMU serves (AMD-Vi
 * PASmax); pasid_width is what was reported, and what the library uses */
#define PASID_CAP_PASID_WIDTH_ROUNDED (1u << 8)

struct pasid_caps {
	size_t size;			/* in: sizeof(struct pasid_caps) */
	enum pasid_iommu_vendor vendor;
	uint32_t hw_info_type;		/* IOMMU_GET_HW_INFO out_data_type */
	/* PASIDs usable with this device: 1 .. (1 << pasid_width) - 1;
	 * 0 means none (the device or IOMMU has no PASID support). */
	uint32_t pasid_width;
	uint32_t flags;			/* PASID_CAP_* */
	enum pasid_table_owner table_owner;
	uint32_t iova_bits;		/* input address width, 0 if unknown */
	/* The raw vendor registers the kernel reported, for tools. */
	union {
		struct { uint64_t cap, ecap; uint32_t flags; } vtd;
		struct { uint32_t flags, idr[6], iidr, aidr; } smmuv3;
		struct { uint64_t efr, efr2; } amd;
	} raw;
	enum pasid_backend backend;	/* the context's, never AUTO */
};

/* Fill caps (up to caps->size bytes) for an open device. */
PASID_API int pasid_dev_caps(const struct pasid_dev *dev,
			     struct pasid_caps *caps);

/* ---- Driving the device (thin helpers over the VFIO device fd) ---- */

/* Read or write PCI config space through VFIO: len 1, 2 or 4 bytes at an
 * offset that is a multiple of len; the bytes are little-endian, as the
 * device has them. */
PASID_API int pasid_dev_config_read(struct pasid_dev *dev, uint32_t offset,
				    void *buf, size_t len);
PASID_API int pasid_dev_config_write(struct pasid_dev *dev, uint32_t offset,
				     const void *buf, size_t len);
/* Turn PCI bus mastering (the device's right to do DMA) on or off. */
PASID_API int pasid_dev_set_bus_master(struct pasid_dev *dev, bool on);
/* mmap BAR n (0..5); unmap with pasid_dev_bar_unmap. */
PASID_API int pasid_dev_bar_map(struct pasid_dev *dev, unsigned int bar,
				volatile void **addr, size_t *len);
PASID_API int pasid_dev_bar_unmap(struct pasid_dev *dev, volatile void *addr,
				  size_t len);

/* ------------------------------------------------------------------ */
/* Address spaces and mappings                                         */

PASID_API int pasid_as_new(struct pasid_ctx *ctx, struct pasid_as **asp);
/* Detach it from every RID and PASID using it, unmap everything, free it. */
PASID_API void pasid_as_free(struct pasid_as *as);
/* The iommufd IOAS id (for the nested API and debugging). */
PASID_API uint32_t pasid_as_ioas_id(const struct pasid_as *as);

struct pasid_iova_range {
	uint64_t start;
	uint64_t last;			/* inclusive */
};

/*
 * Usable IOVA ranges: they narrow as devices attach (reserved regions such as
 * the MSI window are cut out). Writes up to n ranges and returns how many
 * there are (which may be more than n). *alignment (optional) gets the IOVA
 * alignment every mapping must respect.
 */
PASID_API int pasid_as_iova_ranges(struct pasid_as *as,
				   struct pasid_iova_range *ranges,
				   unsigned int n, uint64_t *alignment);

/* pasid_map flags */
#define PASID_MAP_READ	     (1u << 0) /* the device may read */
#define PASID_MAP_WRITE	     (1u << 1) /* the device may write */
#define PASID_MAP_RW	     (PASID_MAP_READ | PASID_MAP_WRITE)
#define PASID_MAP_FIXED_IOVA (1u << 2) /* map at *iova, do not choose one */
/* map at *iova if pasid_as_iova_check(as, *iova, len, NULL) allows it now,
 * else at an IOVA chosen as without a flag; *iova out: the IOVA used */
#define PASID_MAP_TRY_IOVA   (1u << 3)

/*
 * Map [buf, buf + len) for DMA. Without PASID_MAP_FIXED_IOVA the kernel picks
 * the IOVA and it is returned in *iova. buf and len must be page aligned.
 * The memory stays pinned until it is unmapped.
 */
PASID_API int pasid_map(struct pasid_as *as, void *buf, uint64_t len,
			unsigned int flags, uint64_t *iova);
/* Same for len bytes of a file (memfd, hugetlbfs) at offset. */
PASID_API int pasid_map_file(struct pasid_as *as, int fd, uint64_t offset,
			     uint64_t len, unsigned int flags, uint64_t *iova);
/* Unmap every mapping inside [iova, iova + len); none may be cut in two. */
PASID_API int pasid_unmap(struct pasid_as *as, uint64_t iova, uint64_t len);
/*
 * Share [src_iova, src_iova + len) of src (which must be fully mapped) into
 * dst, at *dst_iova with PASID_MAP_FIXED_IOVA or at an IOVA the kernel picks.
 * The pages are pinned once.
 */
PASID_API int pasid_copy(struct pasid_as *dst, struct pasid_as *src,
			 uint64_t src_iova, uint64_t len, unsigned int flags,
			 uint64_t *dst_iova);

/* ---- Application memory (IOVA = VA and friends) ---- */

/*
 * May [iova, iova + len) be mapped now? 0 if so, else the rule it breaks:
 * -EINVAL not aligned to the address space's IOVA alignment (at least the
 * CPU page size), -ERANGE outside the usable IOVA ranges, -EDOM outside the
 * IOVA window (pasid_as_set_iova_window), -EEXIST overlaps a mapping. With
 * dev (not NULL), also whether it stays usable when dev's RID attaches to
 * as later: -EADDRINUSE if it meets one of dev's reserved regions (the MSI
 * window), which the kernel cuts out only at that attach and which a
 * mapping there would make fail.
 */
PASID_API int pasid_as_iova_check(struct pasid_as *as, uint64_t iova,
				  uint64_t len, const struct pasid_dev *dev);
/*
 * Keep every IOVA the kernel (or the library) chooses for as inside
 * [start, last] (page aligned; [0, UINT64_MAX] removes the window), e.g.
 * below a device's DMA limit. Mappings made before stay where they are, and
 * fixed IOVAs may still lie outside. With iommufd this is
 * IOMMU_IOAS_ALLOW_IOVAS over the window's usable part: set it after the
 * RIDs are attached, since a RID whose reserved regions fall inside the
 * window can no longer attach (-EADDRINUSE).
 */
PASID_API int pasid_as_set_iova_window(struct pasid_as *as, uint64_t start,
				       uint64_t last);
/*
 * The IOMMU page sizes of as: *pgsizes gets a bitmap (bit n: 2^n bytes), as
 * VFIO type1's iova_pgsizes. Returns 1 when it is the IOMMU's own list as
 * the kernel reported it (type1 with a device attached), 0 when only the
 * smallest is known and the bitmap has every size from it up (iommufd
 * reports no page sizes, only the IOVA alignment).
 */
PASID_API int pasid_as_page_sizes(struct pasid_as *as, uint64_t *pgsizes);
/*
 * The IOVA a process address is mapped at in as (the offset kept for an
 * address inside a mapping); -ENOENT if no mapping made with pasid_map
 * covers it. If several do, the one that starts lowest in the process,
 * then lowest in IOVA. Mappings of pasid_map_file and pasid_copy have no
 * process address and are never found here.
 */
PASID_API int pasid_as_va_to_iova(struct pasid_as *as, const void *va,
				  uint64_t *iova);
/* The reverse: -ENOENT if nothing is mapped at iova, -ENXIO if the mapping
 * there has no process address (pasid_map_file, pasid_copy). */
PASID_API int pasid_as_iova_to_va(struct pasid_as *as, uint64_t iova,
				  void **va);
/* Unmap every pasid_map mapping of process memory inside [va, va + len);
 * none may stick out of it. */
PASID_API int pasid_unmap_va(struct pasid_as *as, void *va, uint64_t len);

/* ------------------------------------------------------------------ */
/* RID and PASID attachment                                            */

#define PASID_ANY UINT32_MAX

/*
 * Bind a PASID of dev to as: DMA the device tags with the PASID is translated
 * by as. pasid is the caller's choice (1 .. 2^pasid_width - 1) or PASID_ANY
 * to let the library pick a free one. Returns the PASID (> 0) or -errno.
 * The device's RID is moved onto a PASID-capable page table first if needed;
 * its mappings do not change. Once the kernel has refused a PASID-capable
 * page table for the device (-EOPNOTSUPP), later binds fail at once.
 */
PASID_API int pasid_bind(struct pasid_dev *dev, struct pasid_as *as,
			 uint32_t pasid);
/* Unbind: DMA tagged with the PASID is blocked again. */
PASID_API int pasid_unbind(struct pasid_dev *dev, uint32_t pasid);
/* Point a bound PASID at another address space, atomically. */
PASID_API int pasid_rebind(struct pasid_dev *dev, uint32_t pasid,
			   struct pasid_as *as);

/* pasid_attach_rid flags */
/* Use the kernel's automatic page table (shared with other devices); it can
 * never carry PASIDs, so this is refused while PASIDs are bound. */
#define PASID_RID_KERNEL_TABLE	(1u << 0)
/* Insist on a PASID-capable page table, even on a device without PASIDs. */
#define PASID_RID_PASID_TABLE	(1u << 1)

/*
 * Attach (or atomically re-attach) the device's untagged DMA to as. By default
 * the RID gets a PASID-capable page table when the device has PASIDs and the
 * kernel's automatic one otherwise.
 */
PASID_API int pasid_attach_rid(struct pasid_dev *dev, struct pasid_as *as,
			       unsigned int flags);
/* Untagged DMA is blocked again. */
PASID_API int pasid_detach_rid(struct pasid_dev *dev);

/* ------------------------------------------------------------------ */
/* Sharing address spaces with other processes (libpasid(7), "Multi-   */
/* process")                                                           */

/* The most address spaces one pasid_ctx_export may name. */
#define PASID_EXPORT_MAX 64

/*
 * Send the context's iommufd and the n address spaces ases[0..n-1] over the
 * connected Unix socket sock (SCM_RIGHTS), for pasid_ctx_import in another
 * process: that secondary may then map its own memory into them, while
 * this primary keeps every device, RID and PASID. flags must be 0. One
 * message; ases[i] is the secondary's index i. An exported address space
 * is never destroyed while the context is open (its IOAS id would be
 * reused): pasid_as_free detaches it and unmaps this process's mappings,
 * and its IOAS goes when the iommufd does. -EOPNOTSUPP on the type1
 * backend (no iommufd to share); -EPERM from a secondary.
 */
PASID_API int pasid_ctx_export(struct pasid_ctx *ctx, int sock,
			       struct pasid_as *const *ases, unsigned int n,
			       unsigned int flags);
/*
 * Receive what pasid_ctx_export sent on sock and make a secondary context
 * of it (opts may be NULL; its backend AUTO or IOMMUFD). Returns the number
 * of address spaces (> 0) or -errno: -EPROTO for anything but a well-formed
 * export (every fd that came with it is closed). It blocks as recvmsg does
 * (SO_RCVTIMEO bounds it). A secondary maps, unmaps, copies and looks up
 * in its address spaces, and sees only its own mappings; opening devices,
 * binds, RID attaches, new or freed address spaces, IOVA windows and
 * exports are the primary's (-EPERM). pasid_ctx_close unmaps what it
 * mapped and leaves the address spaces to the primary.
 */
PASID_API int pasid_ctx_import(int sock, struct pasid_ctx **ctxp,
			       const struct pasid_ctx_opts *opts);
/* The address space of index i (0 .. count - 1) of a secondary context;
 * owned by the context. -EINVAL for a context that was not imported,
 * -ERANGE for an index beyond the count. */
PASID_API int pasid_ctx_import_as(struct pasid_ctx *ctx, unsigned int i,
				  struct pasid_as **asp);

/* ------------------------------------------------------------------ */
/* Discovery (no context needed)                                       */

struct pasid_devinfo {
	size_t size;			/* in: sizeof(struct pasid_devinfo) */
	char bdf[16];			/* "0000:00:04.0" */
	uint16_t vendor_id, device_id;
	char driver[32];		/* bound driver, "" if none */
	char iommu[64];			/* IOMMU instance ("dmar0"), "" if none */
	enum pasid_iommu_vendor iommu_vendor;
	int iommu_group;		/* -1 if the device has none */
	char vfio_cdev[64];		/* "/dev/vfio/devices/vfio0" or "" */
	bool is_vf;			/* SR-IOV VF: PASID and PRI are the PF's */
	/* PCIe capabilities from config space; -1 when it could not be read
	 * (reading beyond 64 bytes needs root). */
	int pci_pasid_width;		/* 0: no PASID capability */
	int pci_ats;			/* 1 present, 0 absent, -1 unknown */
	int pci_pri;
	uint32_t pci_pasid_flags;	/* PASID_CAP_PASID_EXEC/PRIV supported */
};

struct pasid_devlist;

/* Every PCI device behind an IOMMU, sorted by PCI address. */
PASID_API int pasid_devlist_new(struct pasid_devlist **listp);
PASID_API size_t pasid_devlist_count(const struct pasid_devlist *list);
PASID_API int pasid_devlist_get(const struct pasid_devlist *list, size_t i,
				struct pasid_devinfo *info);
PASID_API void pasid_devlist_free(struct pasid_devlist *list);
/* Describe one device by PCI address, sysfs path or VFIO cdev path. */
PASID_API int pasid_devinfo_get(const char *name, struct pasid_devinfo *info);

#ifdef __cplusplus
}
#endif

#endif /* LIBPASID_LIBPASID_H */
