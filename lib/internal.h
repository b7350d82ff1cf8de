/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* The library's internal objects and helpers. */
#ifndef LIBPASID_INTERNAL_H
#define LIBPASID_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "libpasid/libpasid.h"
#include "idmap.h"
#include "idspace.h"
#include "list.h"
#include "lock.h"
#include "maprec.h"

struct pasid_vendor_ops;
struct pasid_nest;
struct backend_ops;
struct vgroup;

/*
 * Locking. ctx->lock guards the context's lists and the attachment state:
 * every device's RID and PASID records, the PASID spaces and the page
 * tables. Map, unmap and copy only try it (to drop idle tables), never wait
 * for it. Binds drop it while they allocate a page table (which fills it)
 * where they can (libpasid(7) lists where they cannot). as->lock guards one
 * address space's mapping record only and is held for no kernel call at
 * all; when both are needed, ctx->lock is taken first.
 */
struct pasid_ctx {
	int iommufd;			/* -1 unless the backend is iommufd */
	const struct backend_ops *ops;	/* backend.h */
	const struct backend_ops *other;/* ops unless iommufd, else NULL */
	const struct backend_ops *as_other; /* other if it has as_new */
	const char *lacks;		/* why ops cannot do it all, or "" */
	struct list_head vgroups;	/* VFIO groups open (vfio-group.h) */
	pid_t pid;			/* the process that opened it */
	unsigned int forks;		/* pasid_forks when it was opened */
	enum {				/* closing in a child (fork.c) */
		FORK_CLOSE_UNDECIDED,
		FORK_CLOSE_SETTLED,	/* lock taken for good: walk it */
		FORK_CLOSE_UNSETTLED,	/* lock was held: close fds only */
	} fork_close;
	struct lock lock;
	struct list_head devs;
	struct list_head ases;
	struct list_head spaces;	/* struct pasid_space */
	struct list_head faultqs;	/* struct pasid_faultq, nested.h */
	uint64_t calls;			/* attach and bind calls so far */
	uint64_t call;			/* the one holding the lock now */
	pasid_log_fn log;
	void *log_arg;
	enum pasid_log_level log_level;
	/* share.c: a secondary (pasid_ctx_import) maps into the address
	 * spaces of the primary process primary_pid and owns no device;
	 * imports[i] is its address space of index i */
	bool secondary;
	pid_t primary_pid;
	struct pasid_as **imports;
	unsigned int nimports;
};

/* The PASID space of an IOMMU group (the kernel gives each group one), or of
 * one device whose group is unknown: which PASIDs any of its devices bound. */
struct pasid_space {
	struct list_head ctx_node;	/* in ctx->spaces */
	int group;			/* -1: one device's own */
	unsigned int users;		/* devices */
	uint32_t cursor;		/* where PASID_ANY starts looking */
	struct idspace ids;
};

/*
 * A PASID-capable kernel page table (HWPT) of one address space, shared by
 * every RID and PASID of every device whose IOMMU accepts it (the kernel
 * says so by attaching it). An address space has one per incompatible IOMMU
 * among its users. A table nobody uses stays idle for the next bind until
 * the address space's map churn would have paid for rebuilding it (as.c).
 */
struct pasid_hwpt {
	struct list_head as_node;	/* in as->hwpts */
	struct pasid_as *as;
	uint32_t id;
	uint64_t maker;			/* the call that made it (ctx->calls) */
	unsigned int refs;		/* RIDs + PASIDs attached; 0: idle */
	/* devices the kernel refused it to: not asked again */
	const struct pasid_dev **refused;
	unsigned int nrefused;
};

struct pasid_dev {
	struct list_head ctx_node;
	struct pasid_ctx *ctx;
	int fd;				/* VFIO cdev; through a VFIO group
					   (type1, iommufd-group): the device
					   fd the group gives at the attach,
					   -1 while detached */
	struct vgroup *vgroup;		/* type1, iommufd-group: its group */
	/* ctx->lock: the BAR mappings pasid_dev_bar_map made and
	 * pasid_dev_bar_unmap has not undone, exactly as returned (devio.c) */
	struct dev_bar { volatile void *addr; size_t len; } *bars;
	unsigned int bar_maps, bars_cap;
	uint32_t dev_id;		/* iommufd device id (0: none known,
					   iommufd-group) */
	char name[64];
	struct pasid_caps caps;
	const struct pasid_vendor_ops *vendor;
	int group;			/* IOMMU group number, -1 if unknown */

	/* RID: rid_as NULL = detached; rid_hwpt NULL = kernel's auto table. */
	struct pasid_as *rid_as;
	struct pasid_hwpt *rid_hwpt;
	/* set after the kernel refused a PASID-capable page table */
	bool no_pasid_hwpt;
	/* set after the kernel attached a PASID of the device: the vendor's
	 * pasid_attach_limit no longer holds on this kernel */
	bool pasid_attach_works;

	struct pasid_space *space;	/* NULL until the first bind */
	struct idmap pasids;		/* PASID -> struct pasid_hwpt */
	/* the nest that owns the RID (nested.c), or NULL */
	struct pasid_nest *nest;
};

struct pasid_as {
	struct list_head ctx_node;
	struct pasid_ctx *ctx;
	uint32_t ioas_id;
	/* the backend when not iommufd (NULL: iommufd's inline path) */
	const struct backend_ops *other;
	/* ctx->forks, or AS_GATE_OTHER with another backend: pasid_map's
	 * fast path tests both "inherited" and "not iommufd" in one compare
	 * with pasid_forks (which never counts that many forks) */
	unsigned int gate;
	/* type1 (backend-type1.c), ctx->lock: the container, whether its
	 * IOMMU is set, the groups in it, its IOVA ranges */
	int container;
	bool iommu_set;
	unsigned int ngroups;
	struct pasid_iova_range *ranges;
	unsigned int nranges;
	/* with a backend whose ops->serial is set (type1), held across each
	 * map and each unmap, kernel call included: see backend.h */
	pthread_mutex_t serial;

	/* ctx->lock */
	struct list_head hwpts;		/* struct pasid_hwpt */
	uint32_t npasids;		/* PASIDs bound here, all devices */
	/* idle tables: read without a lock by map and unmap */
	atomic_uint nidle;

	/* as->lock: what is mapped, to give clear errors before the kernel
	 * is asked (unmap of nothing, unmap that would split) and to find
	 * mappings by IOVA and by process address */
	struct lock lock;
	struct maprec rec;
	uint64_t mapped_bytes;
	uint64_t idle_churn;		/* bytes mapped + unmapped while idle
					   tables exist */
	/* the IOVA window (pasid_as_set_iova_window): [0, UINT64_MAX] if
	 * none; the type1 allocator reads it */
	uint64_t win_start, win_last;
	/* type1, as->lock: VFIO_IOMMU_GET_INFO's iova_pgsizes, 0: unknown */
	uint64_t pgsizes;
	/* share.c. imported: set before the handle exists, never changed,
	 * read by the map paths. exported: set by pasid_ctx_export, read
	 * only by pasid_as_free (a handle is not used while it is freed).
	 * The token is a pipe whose write end only the primary holds: its
	 * hang-up tells a secondary that the primary freed the address
	 * space or exited. Both ends are the exporter's; an importer has
	 * the read end (token_w -1). */
	bool imported, exported;
	int token_r, token_w;		/* valid if imported or exported */
};

/* iova.c: 0 if [iova, +len) may be mapped in as now (and, dev not NULL,
 * after dev's RID attaches), else -errno with the rule broken in the
 * message, which starts with fn. */
int iova_usable(struct pasid_as *as, uint64_t iova, uint64_t len,
		const struct pasid_dev *dev, const char *fn);

/* error.c: set the calling thread's message (and log it); returns -err. */
int pasid_err(struct pasid_ctx *ctx, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same, naming the failed kernel call and its errno. */
int pasid_kerr(struct pasid_ctx *ctx, int err, const char *call,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void pasid_log(struct pasid_ctx *ctx, enum pasid_log_level level,
	       const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The calling thread's message (error.c). */
#define PASID_MSG_MAX 512
extern __thread char pasid_last_msg[PASID_MSG_MAX];
/* Forget the calling thread's message at the start of a public call:
 * inline, since every call pays for it, the fast ones too. */
static inline void pasid_err_clear(void)
{
	pasid_last_msg[0] = '\0';
}
/* Put back a message saved earlier (no logging: it was logged then). */
void pasid_err_restore(const char *msg);
/* Around an attempt the caller may recover from: its failure message is
 * kept for pasid_errmsg() but not logged as an error (the caller logs it if
 * the call fails after all). Nests. */
void pasid_log_hold(bool on);

/* fork.c: forks seen in this process; start watching (returns the count);
 * the error for a handle inherited across fork. */
extern atomic_uint pasid_forks;
unsigned int fork_watch(void);
int fork_refuse(struct pasid_ctx *ctx, const char *fn);
/* -ENODEV for a call that needs dev's fd while it has none (a type1 device
 * not attached: the kernel gives the fd at the attach), else 0 */
int dev_fd_missing(const struct pasid_dev *dev, const char *fn);
/* Unmap the BAR mappings dev still has (a release that closes its device
 * fd: the mappings would keep the file, and through a VFIO group the
 * device attached), logging a warning with why; frees the record.
 * ctx->lock held. */
void dev_bars_drop(struct pasid_dev *dev, const char *why);
/* Close an inherited handle: free this process's memory and close its
 * file descriptors, never touching the kernel objects or the locks. */
void fork_forget_dev(struct pasid_dev *dev);
void fork_forget_as(struct pasid_as *as);
void fork_forget_ctx(struct pasid_ctx *ctx);
/* pasid_nest_free and pasid_faultq_free in a child: a fault queue is on
 * its context's list, so these wait their turn as the others do */
void fork_forget_nest(struct pasid_dev *dev);
struct pasid_faultq;
void fork_forget_faultq(struct pasid_faultq *q);

/* ctx.c: read a caller's opts into *o (0, or -EINVAL with the message);
 * *logger gets their log for messages before a context exists. */
int ctx_opts_in(const char *fn, const struct pasid_ctx_opts *opts,
		struct pasid_ctx_opts *o, struct pasid_ctx *logger);
/* A zeroed context with o's log (NULL: -ENOMEM said); after its backend
 * is open, ctx_ready sets the rest (lock, lists, fork count). */
struct pasid_ctx *ctx_alloc(const struct pasid_ctx_opts *o,
			    struct pasid_ctx *logger);
void ctx_ready(struct pasid_ctx *ctx);
/* as.c: an address space of ctx with no kernel object yet, in no list
 * (NULL: -ENOMEM said); as_release frees what as_alloc made. */
struct pasid_as *as_alloc(struct pasid_ctx *ctx);
void as_release(struct pasid_as *as);

/* share.c. -EPERM: fn is the primary's job (ctx is a secondary). */
int share_refuse(struct pasid_ctx *ctx, const char *fn, const char *what);
/* An imported address space whose primary freed it or exited: -EPIPE with
 * the message, else 0 (a map-like call checks before it maps). */
int share_gone(struct pasid_as *as, const char *fn);
/* pasid_as_free of an exported address space, devices and tables gone:
 * unmap this process's mappings and keep the IOAS (its id must not be
 * reused while a secondary may name it); frees nothing of as. */
void share_retire(struct pasid_as *as);
/* pasid_ctx_close of a secondary: unmap its own mappings, free the
 * imported address spaces (never their IOASes). */
void share_close_imports(struct pasid_ctx *ctx);
/* In a forked child: close as's token fds, no kernel call. */
void share_forget(struct pasid_as *as);

/* The context was opened before this process forked from its opener. */
static inline bool inherited(const struct pasid_ctx *ctx)
{
	return ctx->forks != atomic_load_explicit(&pasid_forks,
						  memory_order_relaxed);
}

#define AS_GATE_OTHER UINT32_MAX

/* Not the address space's usual path: inherited, or another backend. */
static inline bool as_gate_shut(const struct pasid_as *as)
{
	return as->gate != atomic_load_explicit(&pasid_forks,
						memory_order_relaxed);
}

/* The backend of ctx other than iommufd, or NULL (the inline path). */
static inline const struct backend_ops *ctx_other(const struct pasid_ctx *ctx)
{
	return ctx->other;
}

/* The backend of ctx's address spaces when they are not iommufd's IOASes
 * (type1's containers), or NULL (as.c's inline path). */
static inline const struct backend_ops *ctx_as_other(const struct pasid_ctx *ctx)
{
	return ctx->as_other;
}

static inline void ctx_lock(struct pasid_ctx *ctx)
{
	lock_take(&ctx->lock);
}

static inline void ctx_unlock(struct pasid_ctx *ctx)
{
	lock_give(&ctx->lock);
}

/* bind.c, ctx->lock held: drop every attachment of dev that uses as
 * (as == NULL: all); free dev's PASID records (dev is going away); take
 * as's page tables, idle ones only or all (as is going away), out of it
 * onto the list out. */
void bind_release(struct pasid_dev *dev, struct pasid_as *as);
void bind_dev_fini(struct pasid_dev *dev);
void bind_take_tables(struct pasid_as *as, bool idle_only,
		      struct list_head *out);
/* Destroy the tables bind_take_tables took; no lock needed (destroying a
 * filled table unmaps it, which can take long). */
void bind_free_tables(struct pasid_ctx *ctx, struct list_head *tables);
/* Why the kernel could not pin an address space's memory, or NULL. */
const char *pin_hint(int err);

/* nested.c, ctx->lock held: take dev's nest down (as == NULL: any, else only
 * one on as); free its memory only (a forked child); -EBUSY with a message
 * if dev is nested, else 0. */
void nested_release(struct pasid_dev *dev, struct pasid_as *as);
void nested_forget(struct pasid_dev *dev);
int nested_refuse(const struct pasid_dev *dev, const char *fn);

/* Tests: the idle page tables of as. */
unsigned int bind_idle_tables(struct pasid_as *as);

/* copy a size-versioned struct out: min of both sizes, size field kept */
void copy_sized_out(void *dst, const void *src, size_t src_size);
/* read a caller's size-versioned struct into ours (0, -EINVAL, -E2BIG) */
int copy_sized_in(void *dst, size_t dst_size, const void *src);

#endif
