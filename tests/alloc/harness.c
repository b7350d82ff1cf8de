/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* The alloc test's driver and step checks; see alloc.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "emu.h"
#include "failalloc.h"
#include "libpasid/libpasid.h"

/* What a child tells its parent through the pipe. */
struct report {
	unsigned int count;	/* allocations counted in windows */
	int known;		/* the known bug it met, -1 if none */
	size_t live;		/* library blocks live at the end */
};

static const char *flow_name;
static unsigned int point;	/* the failing allocation, 0 in the count run */
/* Blocks that may stay live at the end: pasidctl keeps its table buffer
 * for the process's life, so its flows may keep what their clean run kept.
 * The library's flows keep nothing. */
static size_t keep;
static struct report rep = { .known = -1 };

static struct {
	unsigned int objs, fds;
	unsigned long bytes;
	const char *failed_before;
	bool hit;		/* the failure hit the current step */
	long ret;
} cur;

void alloc_bad(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL %s, allocation %u failing (%s): ", flow_name,
		point, fa_failed() ? fa_failed() : "none");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

bool alloc_excused(const char *call, long ret)
{
	int k = alloc_known(call, fa_failed(), ret);

	if (k >= 0)
		rep.known = k;
	return k >= 0;
}

void alloc_step_begin(void)
{
	cur.objs = emu_live_objects();
	cur.fds = emu_open_fds();
	cur.bytes = emu_mapped_bytes();
	cur.failed_before = fa_failed();
	fa_enter();
}

bool alloc_step_failed(void)
{
	return cur.hit && cur.ret < 0;
}

void alloc_step_end(const char *call, long ret)
{
	fa_leave();
	cur.hit = fa_failed() != cur.failed_before;
	cur.ret = ret;
	if (!cur.hit) {
		if (ret < 0)
			alloc_bad("%s = %ld (%s) with no allocation failing here",
				  call, ret, pasid_errmsg());
		return;
	}
	if (ret != -ENOMEM && !alloc_excused(call, ret))
		alloc_bad("%s = %ld (%s), not -ENOMEM", call, ret,
			  ret < 0 ? pasid_errmsg() : "it succeeded");
	if (ret < 0 && !pasid_errmsg()[0])
		alloc_bad("%s = %ld with no message", call, ret);
	if (ret < 0 && (emu_live_objects() != cur.objs ||
			emu_open_fds() != cur.fds ||
			emu_mapped_bytes() != cur.bytes))
		alloc_bad("%s failed but left the kernel changed: %u objects, %u fds, %lu bytes mapped (were %u, %u, %lu)",
			  call, emu_live_objects(), emu_open_fds(),
			  emu_mapped_bytes(), cur.objs, cur.fds, cur.bytes);
}

/* After the flow closed everything. */
static void final_checks(void)
{
	if (fa_live() > keep)
		alloc_bad("%zu block(s) the library allocated are still live (the first from %s)",
			  fa_live(), fa_live_what());
	if (emu_live_objects() || emu_open_fds() || emu_mapped_bytes())
		alloc_bad("the kernel still holds %u objects, %u fds, %lu bytes mapped",
			  emu_live_objects(), emu_open_fds(), emu_mapped_bytes());
}

/* One run of a flow in a child; false if it failed (it said why). */
static bool run_child(const struct alloc_flow *f, unsigned int nth,
		      size_t may_keep, struct report *out)
{
	int fds[2], status;
	pid_t pid;

	fflush(NULL);		/* or the child prints the parent's buffer too */
	if (pipe(fds) || (pid = fork()) < 0) {
		perror("alloc: pipe/fork");
		exit(2);
	}
	if (pid == 0) {
		close(fds[0]);
		flow_name = f->name;
		point = nth;
		keep = may_keep;
		fa_arm(nth);
		f->run();
		final_checks();
		emu_fini();
		rep.count = fa_count();
		rep.live = fa_live();
		if (write(fds[1], &rep, sizeof(rep)) != sizeof(rep))
			exit(2);
		exit(0);
	}
	close(fds[1]);
	memset(out, 0, sizeof(*out));
	if (read(fds[0], out, sizeof(*out)) != sizeof(*out))
		out->count = 0;
	close(fds[0]);
	if (waitpid(pid, &status, 0) < 0) {
		perror("alloc: waitpid");
		exit(2);
	}
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "FAIL %s, allocation %u failing: killed by signal %d\n",
			f->name, nth, WTERMSIG(status));
		return false;
	}
	return WEXITSTATUS(status) == 0;
}

int main(void)
{
	unsigned int nknown = alloc_nknown(), points = 0, failed = 0, flows = 0;
	unsigned int i, k, g, known_points = 0;
	bool *seen = calloc(nknown + 1, sizeof(*seen));
	const struct alloc_flow *groups[] = { alloc_lib_flows, alloc_cli_flows };
	const unsigned int ngroup[] = { alloc_nlib_flows, alloc_ncli_flows };
	struct report r;

	for (g = 0; g < 2; g++) {
		for (i = 0; i < ngroup[g]; i++) {
			const struct alloc_flow *f = &groups[g][i];
			unsigned int n, bad = 0;
			size_t keep_n;

			flows++;
			if (!run_child(f, 0, g ? SIZE_MAX : 0, &r)) {
				fprintf(stderr, "FAIL %s: the flow does not pass without failures\n",
					f->name);
				failed++;
				continue;
			}
			n = r.count;
			keep_n = g ? r.live : 0;
			if (!n) {
				fprintf(stderr, "FAIL %s: the library allocated nothing (is the interposer linked?)\n",
					f->name);
				failed++;
			}
			for (k = 1; k <= n; k++) {
				if (!run_child(f, k, keep_n, &r)) {
					bad++;
				} else if (r.known >= 0) {
					seen[r.known] = true;
					known_points++;
				}
			}
			printf("  %-24s %3u allocation(s) failed in turn, %u failed\n",
			       f->name, n, bad);
			points += n;
			failed += bad;
		}
	}
	for (k = 0; k < nknown; k++) {
		if (!seen[k]) {
			fprintf(stderr, "FAIL known bug no longer seen (fixed? then remove it from tests/alloc/known.c): %s\n",
				alloc_known_why((int)k));
			failed++;
		} else {
			printf("  known library bug still there: %s\n",
			       alloc_known_why((int)k));
		}
	}
	free(seen);
	printf("gate: alloc: %u failure points in %u flows, %u of them known library bugs, %u failed\n",
	       points, flows, known_points, failed);
	return failed ? 1 : 0;
}
