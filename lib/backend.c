/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* What every backend shares: the answer for an operation it lacks. */
#include <errno.h>

#include "backend.h"
#include "internal.h"

int backend_missing(struct pasid_ctx *ctx, const char *what,
		    const char *needs)
{
	return pasid_err(ctx, EOPNOTSUPP, "%s %s; %s", what, needs, ctx->lacks);
}
