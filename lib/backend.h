/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Backends: the kernel interfaces a context can speak, one table of
 * operations each, chosen at pasid_ctx_open by probing (ctx.c).
 *
 * The iommufd backend is the library's own code in as.c, bind.c and
 * device.c, called without an indirection so that pasid_map and pasid_unmap
 * cost what they did; its table carries only the context's open. Every
 * other backend replaces the operations in its table, and an operation it
 * leaves NULL is one it cannot do: the public call answers -EOPNOTSUPP
 * through backend_missing(), naming what is missing and what gives it.
 * A backend without as_new has iommufd's address spaces (IOASes of the
 * context's iommufd): as.c's own path maps, unmaps and copies them.
 */
#ifndef LIBPASID_BACKEND_H
#define LIBPASID_BACKEND_H

#include <stdint.h>

#include "libpasid/libpasid.h"

struct pasid_devref;

struct backend_ops {
	enum pasid_backend id;
	const char *name;
	/* open the context's kernel side: 0, or -errno with the message set
	 * (-ENOENT / -ENOTTY: the interface is not there) */
	int (*ctx_open)(struct pasid_ctx *ctx);
	void (*ctx_close)(struct pasid_ctx *ctx);

	/* as the public calls, arguments already checked; as_new NULL:
	 * iommufd's address spaces, and the rest down to copy unused */
	int (*as_new)(struct pasid_as *as);
	void (*as_free)(struct pasid_as *as);
	int (*iova_ranges)(struct pasid_as *as, struct pasid_iova_range *ranges,
			   unsigned int n, uint64_t *alignment);
	/* pasid_map with checked arguments (fixed IOVA or not), record too */
	int (*map)(struct pasid_as *as, void *buf, uint64_t len,
		   unsigned int flags, uint64_t *iova);
	/* the kernel unmap of one recorded mapping */
	int (*unmap_one)(struct pasid_as *as, uint64_t iova, uint64_t len,
			 uint64_t *unmapped);
	/* maps and unmaps of one address space one at a time, each holding
	 * as->serial (which as_new initialises) across its kernel calls:
	 * for a backend whose map reserves its IOVA in the record, where an
	 * unmap must not take a reservation or free an IOVA another map
	 * could pick while the kernel still has it mapped */
	bool serial;
	/* the window is checked and not yet in as: make the backend's
	 * allocator keep to it (and store it in as) */
	int (*set_window)(struct pasid_as *as, uint64_t start, uint64_t last);
	/* pasid_as_page_sizes */
	int (*page_sizes)(struct pasid_as *as, uint64_t *pgsizes);
	int (*map_file)(void);		/* NULL in every backend with as_new */
	int (*copy)(void);
	int (*dev_open)(struct pasid_ctx *ctx, const char *name,
			struct pasid_dev **devp);
	void (*dev_close)(struct pasid_dev *dev);
	int (*attach_rid)(struct pasid_dev *dev, struct pasid_as *as);
	int (*detach_rid)(struct pasid_dev *dev);
	/* the detach of pasid_as_free, which cannot be refused; NULL if the
	 * backend frees its own address spaces (as_new set) */
	void (*release_rid)(struct pasid_dev *dev);
	int (*bind)(void);		/* pasid_bind, unbind, rebind */
	/* in a forked child (fork.c): let go of what the backend holds for
	 * dev besides dev->fd, closing fds and freeing memory only, with no
	 * kernel call; NULL if nothing */
	void (*fork_forget_dev)(struct pasid_dev *dev);
};

extern const struct backend_ops backend_iommufd;
extern const struct backend_ops backend_type1;
extern const struct backend_ops backend_group;

/* -EOPNOTSUPP: "<what> <needs>; <what the context lacks>", e.g. what =
 * "pasid_bind: PASID binds need", needs = "iommufd and the VFIO cdev". */
int backend_missing(struct pasid_ctx *ctx, const char *what,
		    const char *needs);

#endif
