/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The --wrap interposers; see failalloc.h. __real_X is libc's X. Each
 * wrapped call is one failure point; a failed one returns what libc returns
 * when it is out of memory (NULL or -1 with errno ENOMEM) and has no effect.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failalloc.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__real_reallocarray(void *p, size_t n, size_t size);
void *__real_aligned_alloc(size_t align, size_t n);
int __real_posix_memalign(void **p, size_t align, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
int __real_vasprintf(char **strp, const char *fmt, va_list ap);
char *__real_realpath(const char *path, char *resolved);
DIR *__real_opendir(const char *name);
DIR *__real_fdopendir(int fd);
int __real_closedir(DIR *d);
void __real_free(void *p);

/* More than any flow holds at once; running out is a test bug (abort). */
#define LIVE_MAX 4096

static int depth;
static unsigned int count, armed;
static const char *failed;
static struct {
	void *p;
	const char *what;
} live[LIVE_MAX];
static size_t nlive;

void fa_enter(void)
{
	depth++;
}

void fa_leave(void)
{
	depth--;
}

int fa_pause(void)
{
	int d = depth;

	depth = 0;
	return d;
}

void fa_resume(int d)
{
	depth = d;
}

void fa_arm(unsigned int nth)
{
	armed = nth ? count + nth : 0;
}

unsigned int fa_count(void)
{
	return count;
}

const char *fa_failed(void)
{
	return failed;
}

size_t fa_live(void)
{
	return nlive;
}

const char *fa_live_what(void)
{
	return nlive ? live[0].what : "";
}

/* Counts a call made in a window; true if it is the one to fail. */
static int fail_now(const char *what)
{
	if (!depth)
		return 0;
	if (++count != armed)
		return 0;
	failed = what;
	errno = ENOMEM;
	return 1;
}

static void track(void *p, const char *what)
{
	if (!p)
		return;
	if (nlive == LIVE_MAX) {
		fprintf(stderr, "failalloc: more than %d live blocks\n", LIVE_MAX);
		abort();
	}
	live[nlive].p = p;
	live[nlive].what = what;
	nlive++;
}

static int untrack(void *p)
{
	size_t i;

	for (i = 0; p && i < nlive; i++) {
		if (live[i].p == p) {
			live[i] = live[--nlive];
			return 1;
		}
	}
	return 0;
}

/* A fresh block from a window is the library's until it is freed. */
static void *fresh(void *p, const char *what)
{
	if (depth)
		track(p, what);
	return p;
}

/* realloc keeps a tracked block tracked, wherever it is called from. */
static void *moved(void *old, void *p, const char *what)
{
	if (p && ((old && untrack(old)) || depth))
		track(p, what);
	return p;
}

void *__wrap_malloc(size_t n)
{
	return fail_now("malloc") ? NULL : fresh(__real_malloc(n), "malloc");
}

void *__wrap_calloc(size_t n, size_t size)
{
	return fail_now("calloc") ? NULL : fresh(__real_calloc(n, size), "calloc");
}

void *__wrap_realloc(void *p, size_t n)
{
	return fail_now("realloc") ? NULL :
	       moved(p, __real_realloc(p, n), "realloc");
}

void *__wrap_reallocarray(void *p, size_t n, size_t size)
{
	return fail_now("reallocarray") ? NULL :
	       moved(p, __real_reallocarray(p, n, size), "reallocarray");
}

void *__wrap_aligned_alloc(size_t align, size_t n)
{
	return fail_now("aligned_alloc") ? NULL :
	       fresh(__real_aligned_alloc(align, n), "aligned_alloc");
}

int __wrap_posix_memalign(void **p, size_t align, size_t n)
{
	int ret;

	if (fail_now("posix_memalign"))
		return ENOMEM;
	ret = __real_posix_memalign(p, align, n);
	if (!ret)
		fresh(*p, "posix_memalign");
	return ret;
}

char *__wrap_strdup(const char *s)
{
	return fail_now("strdup") ? NULL : fresh(__real_strdup(s), "strdup");
}

char *__wrap_strndup(const char *s, size_t n)
{
	return fail_now("strndup") ? NULL : fresh(__real_strndup(s, n), "strndup");
}

int __wrap_vasprintf(char **strp, const char *fmt, va_list ap)
{
	int ret;

	if (fail_now("vasprintf"))
		return -1;
	ret = __real_vasprintf(strp, fmt, ap);
	if (ret >= 0)
		fresh(*strp, "vasprintf");
	return ret;
}

int __wrap_asprintf(char **strp, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = __wrap_vasprintf(strp, fmt, ap);
	va_end(ap);
	return ret;
}

/* Only realpath(path, NULL) allocates the result. */
char *__wrap_realpath(const char *path, char *resolved)
{
	if (resolved)
		return __real_realpath(path, resolved);
	return fail_now("realpath") ? NULL :
	       fresh(__real_realpath(path, NULL), "realpath");
}

DIR *__wrap_opendir(const char *name)
{
	return fail_now("opendir") ? NULL : fresh(__real_opendir(name), "opendir");
}

DIR *__wrap_fdopendir(int fd)
{
	return fail_now("fdopendir") ? NULL :
	       fresh(__real_fdopendir(fd), "fdopendir");
}

int __wrap_closedir(DIR *d)
{
	untrack(d);
	return __real_closedir(d);
}

void __wrap_free(void *p)
{
	untrack(p);
	__real_free(p);
}
