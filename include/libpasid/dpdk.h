/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * libpasid-dpdk: keep a DPDK program's memory mapped in a libpasid address
 * space. pasid_dpdk_attach maps every memseg the EAL has and follows the
 * heap as it grows and shrinks; pasid_dpdk_iova says where a buffer is.
 * Link with `pkg-config --cflags --libs libpasid-dpdk`; see libpasid(7),
 * "DPDK and SPDK programs", for the EAL options.
 *
 * The calls return 0 or a negative errno like libpasid's; a failed call
 * leaves nothing mapped that was not mapped before, and pasid_dpdk_errmsg()
 * (not pasid_errmsg()) says what failed.
 */
#ifndef LIBPASID_DPDK_H
#define LIBPASID_DPDK_H

#include <stddef.h>
#include <stdint.h>

#include <libpasid/libpasid.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pasid_dpdk;	/* one address space attached to DPDK's memory */

/*
 * Map all DPDK memory into as (rte_eal_init must have run) and keep it
 * mapped: every memseg at the IOVA DPDK gives it (the address itself in
 * IOVA-as-VA mode) where pasid_as_iova_check allows it, else at an IOVA
 * chosen inside as's IOVA window; with dynamic memory one mapping per page
 * and a memory-event callback that maps heap growth and unmaps what DPDK
 * frees, with legacy memory (--legacy-mem, --no-huge) one mapping per
 * contiguous run. One attachment per address space.
 */
PASID_API int pasid_dpdk_attach(struct pasid_as *as, struct pasid_dpdk **attp);
/* Unregister the callback and unmap every mapping the attachment made. */
PASID_API void pasid_dpdk_detach(struct pasid_dpdk *att);
/*
 * The first failure of the memory-event callback (which DPDK gives no way
 * to return): 0 if every event was mapped or unmapped, else the -errno of
 * the first one that was not, its message copied into msg (len bytes, may be
 * 0). It stays until detach.
 */
PASID_API int pasid_dpdk_error(const struct pasid_dpdk *att, char *msg,
			       size_t len);
/*
 * The IOVA of [va, va + len) (len 0 counts as 1) in the attached address
 * space: -ENOENT if va is not mapped, -EXDEV if the range is not
 * contiguous in IOVA (chosen IOVAs of two pages that are not adjacent).
 */
PASID_API int pasid_dpdk_iova(const struct pasid_dpdk *att, const void *va,
			      size_t len, uint64_t *iova);
/* What the calling thread's last failed pasid_dpdk_ call said, "" if none. */
PASID_API const char *pasid_dpdk_errmsg(void);

#ifdef __cplusplus
}
#endif

#endif /* LIBPASID_DPDK_H */
