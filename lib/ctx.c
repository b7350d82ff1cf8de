/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* The context: one /dev/iommu open, owner of every device and address space. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"
#include "sys.h"

#define IOMMU_PATH "/dev/iommu"

static const char *open_hint(int err)
{
	switch (err) {
	case ENOENT:
		return "the kernel has no iommufd: it needs CONFIG_IOMMUFD "
		       "(Linux 6.2+, PASID needs 6.15+) and an IOMMU enabled "
		       "(intel_iommu=on, amd_iommu=on)";
	case EACCES:
	case EPERM:
		return "no permission: run as root or give your user access "
		       "to /dev/iommu and /dev/vfio/devices/*";
	default:
		return "could not open the iommufd device";
	}
}

PASID_API int pasid_ctx_open(struct pasid_ctx **ctxp,
			     const struct pasid_ctx_opts *opts)
{
	struct pasid_ctx_opts o = { .size = sizeof(o) };
	struct pasid_ctx *ctx, logger = { .iommufd = -1 };
	int fd;

	pasid_err_clear();
	if (!ctxp)
		return pasid_err(NULL, EINVAL, "pasid_ctx_open: ctxp is NULL");
	*ctxp = NULL;
	if (opts && (copy_sized_in(&o, sizeof(o), opts) || o.reserved))
		return pasid_err(NULL, EINVAL,
				 "pasid_ctx_open: opts->size is %zu, or reserved or fields this library does not know are set: set size = sizeof(struct pasid_ctx_opts) and zero the rest",
				 opts->size);

	/* the caller's log hears about a failed open too */
	logger.log = o.log;
	logger.log_arg = o.log_arg;
	logger.log_level = o.log_level;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return pasid_err(&logger, ENOMEM, "out of memory for a context");
	fd = sys_open(IOMMU_PATH, O_RDWR);
	if (fd < 0) {
		free(ctx);
		return pasid_kerr(&logger, -fd, "open(" IOMMU_PATH ")", "%s",
				  open_hint(-fd));
	}
	ctx->iommufd = fd;
	ctx->pid = getpid();
	ctx->forks = fork_watch();
	pthread_mutex_init(&ctx->lock, NULL);
	list_init(&ctx->devs);
	list_init(&ctx->ases);
	list_init(&ctx->spaces);
	ctx->log = o.log;
	ctx->log_arg = o.log_arg;
	ctx->log_level = o.log_level;
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
	/*
	 * Devices first: each drops its PASIDs, RID and page tables, which
	 * leaves the address spaces unreferenced and destroyable.
	 */
	list_for_each_safe(pos, tmp, &ctx->devs)
		pasid_dev_close(container_of(pos, struct pasid_dev, ctx_node));
	list_for_each_safe(pos, tmp, &ctx->ases)
		pasid_as_free(container_of(pos, struct pasid_as, ctx_node));
	sys_close(ctx->iommufd);
	pthread_mutex_destroy(&ctx->lock);
	free(ctx);
}

PASID_API int pasid_ctx_fd(const struct pasid_ctx *ctx)
{
	if (!ctx)
		return -EINVAL;
	if (inherited(ctx))
		return fork_refuse((struct pasid_ctx *)ctx, "pasid_ctx_fd");
	return ctx->iommufd;
}
