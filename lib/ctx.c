/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* The context: one /dev/iommu open, owner of every device and address space. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "discover.h"
#include "internal.h"
#include "nested.h"
#include "sys.h"

/* opts->backend, else LIBPASID_BACKEND (tests force one with it) */
static int backend_wanted(enum pasid_backend opt, enum pasid_backend *out)
{
	const char *env = getenv("LIBPASID_BACKEND");

	*out = opt;
	if (opt > PASID_BACKEND_IOMMUFD_GROUP)
		return pasid_err(NULL, EINVAL,
				 "pasid_ctx_open: opts->backend %d is unknown",
				 (int)opt);
	if (opt != PASID_BACKEND_AUTO || !env || !*env)
		return 0;
	if (!strcmp(env, "iommufd"))
		*out = PASID_BACKEND_IOMMUFD;
	else if (!strcmp(env, "group"))
		*out = PASID_BACKEND_IOMMUFD_GROUP;
	else if (!strcmp(env, "type1"))
		*out = PASID_BACKEND_TYPE1;
	else
		return pasid_err(NULL, EINVAL,
				 "LIBPASID_BACKEND=%s: give iommufd, group or type1, or unset it",
				 env);
	return 0;
}

/* Open the backend asked for, no probing. */
static int backend_forced(struct pasid_ctx *ctx, enum pasid_backend want)
{
	if (want == PASID_BACKEND_TYPE1) {
		ctx->ops = &backend_type1;
		ctx->lacks = "this context uses the VFIO type1 backend (asked for by opts->backend or LIBPASID_BACKEND)";
	} else if (want == PASID_BACKEND_IOMMUFD_GROUP) {
		ctx->ops = &backend_group;
		ctx->lacks = "this context reaches its devices through their VFIO groups (the iommufd-group backend, asked for by opts->backend or LIBPASID_BACKEND), which give no iommufd device id and no VFIO_DEVICE_ATTACH_IOMMUFD_PT";
	} else {
		ctx->ops = &backend_iommufd;
		ctx->lacks = "";
	}
	return ctx->ops->ctx_open(ctx);
}

/* /dev/iommu is open: the VFIO cdev, or the groups if the kernel has no
 * cdev for its VFIO devices. */
static int cdev_or_group(struct pasid_ctx *ctx)
{
	int ret = discover_vfio_cdev_missing();

	if (ret < 0) {
		pasid_log(ctx, PASID_LOG_ERROR, "%s", pasid_errmsg());
		ctx->ops->ctx_close(ctx);
		return ret;
	}
	if (ret) {
		ctx->ops = &backend_group;
		ctx->lacks = "this kernel has iommufd but no VFIO device cdev (CONFIG_VFIO_DEVICE_CDEV, Linux 6.6+), so the devices are reached through their VFIO groups, which give no iommufd device id and no VFIO_DEVICE_ATTACH_IOMMUFD_PT";
		pasid_log(ctx, PASID_LOG_DEBUG,
			  "no VFIO cdev: using the VFIO groups with the iommufd as their container (RID DMA mapping, no PASIDs)");
	}
	return 0;
}

/*
 * By probing, never by version: iommufd when /dev/iommu opens, with the
 * VFIO cdev unless sysfs shows VFIO devices without one (then their
 * groups, with the iommufd as container); when /dev/iommu is missing (a
 * kernel without CONFIG_IOMMUFD, or the module not loaded) the type1
 * container; any other failure of /dev/iommu is the answer.
 */
static int backend_open(struct pasid_ctx *ctx, enum pasid_backend want)
{
	char first[PASID_MSG_MAX];
	int ret;

	if (want != PASID_BACKEND_AUTO)
		return backend_forced(ctx, want);
	ctx->ops = &backend_iommufd;
	ctx->lacks = "";
	pasid_log_hold(true);
	ret = ctx->ops->ctx_open(ctx);
	pasid_log_hold(false);
	if (!ret)
		return cdev_or_group(ctx);
	if (ret != -ENOENT) {
		pasid_log(ctx, PASID_LOG_ERROR, "%s", pasid_errmsg());
		return ret;
	}
	snprintf(first, sizeof(first), "%s", pasid_errmsg());
	ctx->ops = &backend_type1;
	ctx->lacks = "this kernel has VFIO type1 only: CONFIG_IOMMUFD is not set (or the iommufd module is not loaded)";
	pasid_log_hold(true);
	ret = ctx->ops->ctx_open(ctx);
	pasid_log_hold(false);
	if (ret == -ENOENT) {
		/* neither: the iommufd message says what to enable */
		pasid_err_restore(first);
		pasid_log(ctx, PASID_LOG_ERROR, "%s", first);
		return -ENOENT;
	}
	if (ret)
		pasid_log(ctx, PASID_LOG_ERROR, "%s", pasid_errmsg());
	else {
		/* the call succeeded: the probe's ENOENT is no failure */
		pasid_err_clear();
		pasid_log(ctx, PASID_LOG_DEBUG,
			  "no /dev/iommu: using the VFIO type1 container (RID DMA mapping only, no PASIDs)");
	}
	return ret;
}

int ctx_opts_in(const char *fn, const struct pasid_ctx_opts *opts,
		struct pasid_ctx_opts *o, struct pasid_ctx *logger)
{
	memset(o, 0, sizeof(*o));
	o->size = sizeof(*o);
	*logger = (struct pasid_ctx){ .iommufd = -1 };
	if (opts && (copy_sized_in(o, sizeof(*o), opts) || o->reserved ||
		     o->reserved2))
		return pasid_err(NULL, EINVAL,
				 "%s: opts->size is %zu, or reserved or fields this library does not know are set: set size = sizeof(struct pasid_ctx_opts) and zero the rest",
				 fn, opts->size);
	/* the caller's log hears about a failed open too */
	logger->log = o->log;
	logger->log_arg = o->log_arg;
	logger->log_level = o->log_level;
	return 0;
}

struct pasid_ctx *ctx_alloc(const struct pasid_ctx_opts *o,
			    struct pasid_ctx *logger)
{
	struct pasid_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx) {
		pasid_err(logger, ENOMEM, "out of memory for a context");
		return NULL;
	}
	ctx->iommufd = -1;
	ctx->log = o->log;
	ctx->log_arg = o->log_arg;
	ctx->log_level = o->log_level;
	list_init(&ctx->vgroups);
	return ctx;
}

void ctx_ready(struct pasid_ctx *ctx)
{
	ctx->other = ctx->ops == &backend_iommufd ? NULL : ctx->ops;
	ctx->as_other = ctx->other && ctx->other->as_new ? ctx->other : NULL;
	ctx->pid = getpid();
	ctx->forks = fork_watch();
	lock_init(&ctx->lock);
	list_init(&ctx->devs);
	list_init(&ctx->ases);
	list_init(&ctx->spaces);
	list_init(&ctx->faultqs);
}

PASID_API int pasid_ctx_open(struct pasid_ctx **ctxp,
			     const struct pasid_ctx_opts *opts)
{
	struct pasid_ctx_opts o;
	struct pasid_ctx *ctx, logger;
	enum pasid_backend want;
	int ret;

	pasid_err_clear();
	if (!ctxp)
		return pasid_err(NULL, EINVAL, "pasid_ctx_open: ctxp is NULL");
	*ctxp = NULL;
	ret = ctx_opts_in("pasid_ctx_open", opts, &o, &logger);
	if (ret)
		return ret;
	ret = backend_wanted(o.backend, &want);
	if (ret) {
		pasid_log(&logger, PASID_LOG_ERROR, "%s", pasid_errmsg());
		return ret;
	}
	ctx = ctx_alloc(&o, &logger);
	if (!ctx)
		return -ENOMEM;
	ret = backend_open(ctx, want);
	if (ret) {
		free(ctx);
		return ret;
	}
	ctx_ready(ctx);
	*ctxp = ctx;
	return 0;
}

PASID_API void pasid_ctx_close(struct pasid_ctx *ctx)
{
	struct list_head *pos, *tmp;

	if (!ctx)
		return;
	if (inherited(ctx)) {
		fork_forget_ctx(ctx);
		return;
	}
	if (ctx->secondary)	/* its address spaces are the primary's */
		share_close_imports(ctx);
	/*
	 * Devices first: each drops its PASIDs, RID and page tables, which
	 * leaves the address spaces unreferenced and destroyable.
	 */
	list_for_each_safe(pos, tmp, &ctx->devs)
		pasid_dev_close(container_of(pos, struct pasid_dev, ctx_node));
	list_for_each_safe(pos, tmp, &ctx->ases)
		pasid_as_free(container_of(pos, struct pasid_as, ctx_node));
	/* the nests held them and went with the devices */
	faultq_free_all(ctx);
	ctx->ops->ctx_close(ctx);
	lock_destroy(&ctx->lock);
	free(ctx);
}

PASID_API int pasid_ctx_fd(const struct pasid_ctx *ctx)
{
	if (!ctx)
		return -EINVAL;
	if (inherited(ctx))
		return fork_refuse((struct pasid_ctx *)ctx, "pasid_ctx_fd");
	if (ctx->iommufd < 0)
		return backend_missing((struct pasid_ctx *)ctx,
				       "pasid_ctx_fd: an iommufd fd needs",
				       "the iommufd backend (CONFIG_IOMMUFD, Linux 6.2+)");
	return ctx->iommufd;
}
