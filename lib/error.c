/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Diagnostics: each thread keeps the message of its last failed call, so a
 * caller that gets -EINVAL can print what exactly was wrong and what to do.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* not static: pasid_err_clear (internal.h) clears it inline */
__thread char pasid_last_msg[PASID_MSG_MAX];
/* > 0 while a failure may still be recovered from: messages are kept but
 * not sent to the log callback yet (see pasid_log_hold) */
static __thread int held;

PASID_API const char *pasid_errmsg(void)
{
	return pasid_last_msg;
}

void pasid_err_restore(const char *msg)
{
	snprintf(pasid_last_msg, sizeof(pasid_last_msg), "%s", msg);
}

void pasid_log_hold(bool on)
{
	held += on ? 1 : -1;
}

/*
 * The callback gets a copy, never pasid_last_msg itself, and pasid_last_msg is put back
 * when it returns: a callback may call library functions (a context-free
 * one such as pasid_devinfo_get, or pasid_errmsg), and each of those clears
 * or overwrites the thread's message, which the caller of the failed call
 * reads after the callback. While a callback runs, nested messages of this
 * thread are not sent to it again (a callback whose own call fails would
 * otherwise recurse without end).
 */
static __thread bool in_callback;

static void emit(struct pasid_ctx *ctx, enum pasid_log_level level,
		 const char *msg)
{
	char copy[sizeof(pasid_last_msg)], saved[sizeof(pasid_last_msg)];

	if (held && level == PASID_LOG_ERROR)
		return;
	if (!ctx || !ctx->log || level > ctx->log_level || in_callback)
		return;
	snprintf(copy, sizeof(copy), "%s", msg);
	memcpy(saved, pasid_last_msg, sizeof(saved));
	in_callback = true;
	ctx->log(ctx->log_arg, level, copy);
	in_callback = false;
	memcpy(pasid_last_msg, saved, sizeof(pasid_last_msg));
}

void pasid_log(struct pasid_ctx *ctx, enum pasid_log_level level,
	       const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!ctx || !ctx->log || level > ctx->log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	emit(ctx, level, msg);
}

int pasid_err(struct pasid_ctx *ctx, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pasid_last_msg, sizeof(pasid_last_msg), fmt, ap);
	va_end(ap);
	emit(ctx, PASID_LOG_ERROR, pasid_last_msg);
	return -err;
}

int pasid_kerr(struct pasid_ctx *ctx, int err, const char *call,
	       const char *fmt, ...)
{
	char what[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(pasid_last_msg, sizeof(pasid_last_msg), "%s failed (%s): %s", call,
		 strerrorname_np(err) ? strerrorname_np(err) : "?", what);
	emit(ctx, PASID_LOG_ERROR, pasid_last_msg);
	return -err;
}

void copy_sized_out(void *dst, const void *src, size_t src_size)
{
	size_t want = *(const size_t *)dst;
	size_t n = want < src_size ? want : src_size;

	/* keep the caller's size field; copy the fields both sides know */
	if (n > sizeof(size_t))
		memcpy((char *)dst + sizeof(size_t),
		       (const char *)src + sizeof(size_t), n - sizeof(size_t));
	/* a newer caller's fields we do not know read as zero */
	if (want > src_size)
		memset((char *)dst + src_size, 0, want - src_size);
}

int copy_sized_in(void *dst, size_t dst_size, const void *src)
{
	size_t have = *(const size_t *)src;
	size_t i;

	if (have < sizeof(size_t))
		return -EINVAL;
	/* a newer caller may pass fields we do not know, but only as zero */
	for (i = dst_size; i < have; i++)
		if (((const char *)src)[i])
			return -E2BIG;
	memset(dst, 0, dst_size);
	memcpy(dst, src, have < dst_size ? have : dst_size);
	*(size_t *)dst = dst_size;
	return 0;
}
