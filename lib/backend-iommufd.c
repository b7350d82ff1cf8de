/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The iommufd backend: /dev/iommu and the VFIO cdevs. Its operations are the
 * library's own code (as.c, bind.c, device.c, see backend.h); this file opens
 * and closes the context's iommufd.
 */
#include <errno.h>
#include <fcntl.h>

#include "backend.h"
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

static int iommufd_ctx_open(struct pasid_ctx *ctx)
{
	int fd = sys_open(IOMMU_PATH, O_RDWR);

	if (fd < 0)
		return pasid_kerr(ctx, -fd, "open(" IOMMU_PATH ")", "%s",
				  open_hint(-fd));
	ctx->iommufd = fd;
	return 0;
}

static void iommufd_ctx_close(struct pasid_ctx *ctx)
{
	sys_close(ctx->iommufd);
}

const struct backend_ops backend_iommufd = {
	.id = PASID_BACKEND_IOMMUFD,
	.name = "iommufd",
	.ctx_open = iommufd_ctx_open,
	.ctx_close = iommufd_ctx_close,
};
