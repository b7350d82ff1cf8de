/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * emu: an in-process emulation of /dev/iommu (iommufd) and of VFIO device
 * cdevs (/dev/vfio/devices/vfioN), installed behind the library's syscall
 * seam (lib/sys.h), plus a fake sysfs tree. It follows the rules of
 * doc/kernel-rules.md (cited as "kernel-rules §N") as the Linux 7.3 source
 * implements them; where a reading of the source and what real kernels did
 * disagree (kernel-rules §9), the real kernel wins. What is modelled, where it
 * departs from the source reading, and what is not modelled:
 * tests/emu/README.md.
 *
 * Not a library for production: tests only. Thread-safe (one mutex).
 */
#ifndef LIBPASID_TESTS_EMU_H
#define LIBPASID_TESTS_EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum emu_iommu {
	EMU_IOMMU_INTEL,
	EMU_IOMMU_SMMUV3,
	EMU_IOMMU_AMD,
	EMU_IOMMU_VIRTIO,	/* hw_info type NONE */
};

/*
 * Kernel generations (doc/kernel-rules.md §10). CURRENT (7.3): /dev/iommu and
 * the VFIO cdevs, no legacy nodes. TYPE1: a kernel without CONFIG_IOMMUFD
 * (every Debian kernel): no /dev/iommu, no VFIO cdevs
 * (/dev/vfio/devices/vfioN), but the container /dev/vfio/vfio and a node
 * /dev/vfio/<group> per group with a VFIO-bound device, with the type1 IOMMU
 * driver. NO_CDEV (as Linux 6.2-6.5): /dev/iommu and the legacy nodes, no
 * VFIO cdevs (a VFIO device's vfio-dev entry has no dev file); a group takes
 * the iommufd as its container (§10.7); no IOMMU_HWPT_ALLOC, GET_HW_INFO or
 * IOAS_MAP_FILE. NO_PASID (as Linux 6.6): the cdevs without PASIDs:
 * IOMMU_GET_HW_INFO of 6.6's size (no out_capabilities, out_max_pasid_log2
 * still reserved), IOMMU_HWPT_ALLOC of 6.6's size taking no flag, and
 * VFIO_DEVICE_ATTACH/DETACH_IOMMUFD_PT taking no flag (§10.8); no
 * IOAS_MAP_FILE.
 */
enum emu_profile {
	EMU_PROFILE_CURRENT,
	EMU_PROFILE_TYPE1,
	EMU_PROFILE_NO_CDEV,
	EMU_PROFILE_NO_PASID,
};

struct emu_dev_cfg {
	const char *bdf;	/* "0000:00:04.0" */
	enum emu_iommu iommu;
	/* which instance of that IOMMU (0 default): a page table of one
	 * instance is refused by another's devices with EINVAL */
	unsigned int iommu_unit;
	/* what GET_HW_INFO out_max_pasid_log2 reports (0 = none) */
	unsigned int pasid_log2;
	/* the width of the PCIe PASID capability in config space when it
	 * differs from what the kernel reports: a device with PASIDs behind
	 * an IOMMU that runs without them (VT-d with scalable mode off:
	 * intel_iommu_probe_device() leaves max_pasids 0) has pasid_log2 0
	 * and this (0: as pasid_log2) */
	unsigned int pci_pasid_log2;
	/* iommu group number; devices with equal group share a group */
	int group;
	/* "vfio-pci" (default when NULL), "nvme", "" = unbound; any other
	 * name containing "vfio" is a VFIO variant driver (cdev, no PASID) */
	const char *driver;
	/* bound to vfio-pci but no vfio-dev cdev (no VFIO_DEVICE_CDEV) */
	bool no_cdev;
	/* the kernel driver whose ID table matches the device, which
	 * drivers_probe binds it to without a driver_override (NULL: the
	 * driver above unless it is a VFIO one; "" none) */
	const char *id_driver;
	/* IOMMU refuses IOMMU_HWPT_ALLOC_PASID with EOPNOTSUPP (the vendor
	 * defaults apply anyway: virtio refuses every flag, AMD refuses
	 * PASID mixed with anything and PASID without IOMMU PASID support) */
	bool no_pasid_hwpt;
	bool dirty;		/* IOMMU_HW_CAP_DIRTY_TRACKING */
	/* the device has a PCIe PRI capability (config space, so devinfo's
	 * pci_pri): the IOMMU driver can enable I/O page faults for it */
	bool pri;
	/* AMD: answer as a kernel whose PASID-capable (v2) tables attach to
	 * PASIDs; 7.3's have no set_dev_pasid (kernel-rules §4.3 row 8) */
	bool amd_set_dev_pasid;
	/* SMMUv3: linear CD tables only (SMMU_IDR0.CD2L clear) */
	bool smmu_no_cd2l;
	/* Intel: ECAP_REG bits the unit lacks (e.g. bit 47 FLTS, 46 SLTS) */
	uint64_t vtd_ecap_clear;
	/* SMMUv3: neither CANWBS nor S2FWB, as QEMU's: no vIOMMU
	 * (arm_smmu_get_viommu_size() answers 0, IOMMU_VIOMMU_ALLOC is
	 * EOPNOTSUPP) */
	bool no_viommu;
	/* the flags word of the vendor's hw_info payload (SMMUv3:
	 * IOMMU_HW_INFO_ARM_SMMUV3_ERRATA_REPEAT_TLBI_CFGI) */
	uint32_t vendor_flags;
	/* AMD: EFR GIoSup and EFR2 GCR3TRPMode, so that a v1 table can be a
	 * nesting parent (QEMU's amd-iommu has neither) */
	bool amd_nesting;
	uint32_t caps;		/* extra out_capabilities bits */
};

/* Fresh kernel state and a fresh fake sysfs tree in a mkdtemp directory;
 * installs the seam with pasid_sys_set(). Returns 0 or -errno. */
int emu_init(void);
/* Removes the tree, closes every emulated fd, frees everything and restores
 * the real kernel (pasid_sys_set(NULL)). */
void emu_fini(void);
/* Creates the sysfs entries and, for a vfio-pci device, the cdev
 * /dev/vfio/devices/vfioN. Returns N (every device gets an index, also one
 * without a cdev: then only the emu_* introspection calls know it) or
 * -errno (EINVAL bad cfg, EEXIST same BDF twice). */
int emu_add_device(const struct emu_dev_cfg *cfg);
const char *emu_sysfs_root(void);
/* Pick the kernel generation; before the first emu_add_device (-EBUSY
 * after). emu_init starts with EMU_PROFILE_CURRENT. */
int emu_set_profile(enum emu_profile profile);
/* vfio_iommu_type1's dma_entry_limit module parameter (0: the kernel's
 * default, 65535) for containers whose IOMMU is set from now on: the limit
 * is reached in a few hundred maps rather than 65535. */
void emu_set_t1_dma_entry_limit(unsigned int limit);
/* What the iommufd's compat IOAS is (IOMMU_VFIO_IOAS GET): its id, 0 if
 * none; -ENOENT no such context (the iommufd fd). */
int emu_compat_ioas(int iommufd, uint32_t *ioas_id);
/* The DMA mappings of the type1 container the device's group is set into;
 * -ENOENT if it is in none, -ENODEV no such index. */
int emu_t1_dma_entries(int vfio_index);

/*
 * Unbind the device from its VFIO driver (its cdev and vfio-dev entry go,
 * the driver link too): -EBUSY while a file of it is open, -EINVAL if no
 * VFIO driver is bound. Bind an unbound device to vfio-pci: its cdev gets
 * the lowest free number, as the kernel reuses vfioN; returns that N, or
 * -EBUSY if a driver is bound. The index (for the calls below) stays.
 */
int emu_vfio_unbind(int vfio_index);
int emu_vfio_bind(int vfio_index);

/*
 * A write to a sysfs attribute of the fake tree, with the driver core's
 * effect (emu-driver.c): <dev>/driver_override, bus/pci/drivers/<drv>/unbind
 * and bus/pci/drivers_probe; any other existing file is written as it is.
 * path may go through the tree's symlinks (<dev>/driver/unbind). 0 or the
 * errno the kernel's store function returns.
 */
int emu_sysfs_write(const char *path, const char *value);

/*
 * Fault injection: the nth kernel call from now (1 = the next) fails with
 * err and has no effect. Kernel calls are the seam ops that reach the
 * emulated kernel: open of /dev/iommu or of a vfio cdev, ioctl, pread,
 * pwrite and mmap on emulated fds (not close, dup, fstat, munmap). One-shot;
 * nth == 0 disables.
 */
void emu_fail_call(unsigned int nth, int err);
unsigned int emu_calls(void);		/* kernel calls made so far */
unsigned int emu_live_objects(void);	/* iommufd objects, all contexts */
unsigned int emu_open_fds(void);	/* emulated fds open */
unsigned long emu_mapped_bytes(void);	/* bytes mapped, all IOAS */
/* Page tables (domains) an IOAS's maps are written to; -ENOENT no IOAS. */
int emu_ioas_domains(uint32_t ioas_id);

/*
 * Introspection. Object ids are per context: the calls taking an id look in
 * the context selected with emu_select_ctx(), else in every live context in
 * the order they were opened and use the first that has the id.
 */
void emu_select_ctx(int iommufd);	/* -1: back to "every context" */
/* The HWPT the device's RID is attached to (0 if detached); -ENOENT if the
 * device is not bound, -ENODEV if there is no such index. */
int emu_rid_pt(int vfio_index, uint32_t *pt_id);
/* The HWPT attached to that PASID of the device (0 if none); as above, and
 * -EINVAL for PASID 0 (use emu_rid_pt). */
int emu_pasid_pt(int vfio_index, uint32_t pasid, uint32_t *pt_id);
bool emu_hwpt_pasid_capable(uint32_t hwpt_id);
bool emu_hwpt_is_auto(uint32_t hwpt_id);
/* Nested objects (emu-nested.c). The KABI_IOMMU_HWPT_ALLOC_* flags of a
 * paging or nested HWPT; -ENOENT if id is neither. */
int emu_hwpt_flags(uint32_t hwpt_id, uint32_t *flags);
/* What a nested HWPT was made with: its stage-2 (parent), its vIOMMU (0:
 * none), the data type and the data as the kernel keeps it (a vSTE without
 * V is all zero); -ENOENT if id is no nested HWPT. */
struct emu_nested {
	uint32_t parent, viommu, data_type;
	uint64_t data[4];
};
int emu_nested_get(uint32_t hwpt_id, struct emu_nested *n);
/* Invalidation entries a vIOMMU (SMMUv3 commands) or a VT-d nested HWPT
 * ({addr, npages}) took, and the last of them; -ENOENT if id is neither. */
int emu_inval_log(uint32_t id, unsigned int *n, uint64_t last[2]);
/* The next IOMMU_HWPT_INVALIDATE fails with err at entry index (0-based)
 * after the entries before it were done, as a driver that hits a bad or
 * unreadable entry does. One-shot. */
void emu_fail_inval_entry(unsigned int index, int err);

/*
 * Dirty tracking, fault queues and vEVENTQs (emu-dirty.c, emu-eventq.c).
 * The pages of a DIRTY_TRACKING HWPT that DMA wrote since the last
 * clearing read, and whether tracking is on; -ENOENT if id is no such
 * HWPT.
 */
int emu_dirty_pages(uint32_t hwpt_id, unsigned int *n, bool *on);
/* Page requests a FAULT delivered and has not had read yet (*queued), read
 * and waiting for a response (*waiting), responses taken (*answered) and
 * the code of the last one; -ENOENT if id is no FAULT. */
struct emu_fault_stats {
	unsigned int queued, waiting, answered;
	uint32_t last_code;
};
int emu_fault_stats(uint32_t fault_id, struct emu_fault_stats *st);
/* Report an SMMUv3 event record (evt[0] with the physical StreamID: the
 * emulation puts the vSID of the device's vDEVICE there, as the driver
 * does) through the vIOMMU: 0 queued (or counted lost when its vEVENTQ is
 * full), -EOPNOTSUPP no vEVENTQ of that type, -ENOENT no such vIOMMU. */
int emu_vevent_inject(uint32_t viommu_id, const uint64_t evt[4]);

/* What user VA backs iova; -ENOENT unmapped or no such IOAS. */
int emu_ioas_translate(uint32_t ioas_id, uint64_t iova, void **va);

/*
 * DMA through the device's translation (in the type1 profile: through its
 * group's container, pasid 0 only) as the device would do it (the RID if
 * pasid == 0, else that PASID). -EFAULT when blocked or unmapped (an IOMMU
 * fault; also a PASID-tagged DMA from a device without PASIDs), -EPERM on a
 * permission fault (write to a mapping without WRITEABLE, read from one
 * without READABLE), -ENODEV no such index. A fault through a HWPT made
 * with a fault queue on a device with PRI is a page request instead: the
 * fault queue gets it and the call returns -EAGAIN (retry after the
 * response); one through an SMMUv3 stage-1 behind a vDEVICE is a vEVENT
 * (F_TRANSLATION) and -EFAULT. A write sets the dirty bits of the stage-2
 * it went through while its dirty tracking is on.
 */
int emu_dma_write(int vfio_index, uint32_t pasid, uint64_t iova,
		  const void *buf, size_t len);
int emu_dma_read(int vfio_index, uint32_t pasid, uint64_t iova, void *buf,
		 size_t len);

/* The device's reserved region (MSI window); default per vendor: Intel, AMD
 * and virtio 0xfee00000-0xfeefffff, SMMUv3 0x8000000-0x80fffff (SW MSI).
 * start > last removes it. Applies to later attaches. */
void emu_set_reserved(int vfio_index, uint64_t start, uint64_t last);

#endif
