/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Two processes, one address space, real DMA (libpasid(7), "Multi-process").
 * Run by run-vm as "vmtest-share MACHINE"; it runs itself again (fork and
 * exec, so that only the socket crosses: every other fd of the library is
 * close-on-exec) as the other process.
 *
 * Part 1, this process the primary: it opens the first edu, attaches its
 * RID (and binds a PASID where the edu can tag DMA), and exports the
 * address space to a secondary, which maps a buffer of its own and sends
 * back the IOVA. The primary's edu DMAs into it (untagged, and tagged with
 * the PASID); the secondary checks the bytes. The secondary unmaps: the
 * next DMA does not land. It maps again and exits without closing: the
 * primary goes on mapping and DMAing.
 *
 * Part 2, this process the secondary: a primary child opens the edu,
 * exports, and exits without closing anything once the secondary has
 * mapped. The secondary's next map is -EPIPE, its unmap and close work,
 * and the device can be opened again (nothing holds it).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "edu.h"
#include "libpasid/libpasid.h"
#include "tap.h"

#define XFER 2048u
#define CHILD_FD 3

/* what the two processes tell each other after the export */
struct ctl {
	uint32_t op;
	uint32_t ok;
	uint64_t arg;
};

enum { OP_MAPPED = 1, OP_CHECK, OP_RESULT, OP_UNMAPPED, OP_EXIT };

static size_t page;

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed ^ (i * 7));
}

static bool is(const uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (uint8_t)(seed ^ (i * 7)))
			return false;
	return true;
}

static bool zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void say(int sock, uint32_t op, uint32_t ok, uint64_t arg)
{
	struct ctl c = { .op = op, .ok = ok, .arg = arg };

	if (send(sock, &c, sizeof(c), MSG_NOSIGNAL) != sizeof(c))
		printf("# %d: send: %s\n", (int)getpid(), strerror(errno));
}

/* the next message, which must be op; false at the end of the socket */
static bool hear(int sock, uint32_t op, struct ctl *c)
{
	ssize_t n = recv(sock, c, sizeof(*c), 0);

	if (n != sizeof(*c) || c->op != op) {
		printf("# %d: wanted message %u, got %zd bytes (op %u)\n",
		       (int)getpid(), op, n, n > 0 ? c->op : 0);
		return false;
	}
	return true;
}

static void *pages(size_t n)
{
	void *p = mmap(NULL, n * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Run this program again as role, the socket as fd CHILD_FD. */
static pid_t spawn(const char *role, int sock, const char *bdf)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid)
		return pid;
	if (dup2(sock, CHILD_FD) < 0)
		_exit(120);
	execl("/proc/self/exe", "vmtest-share", role, bdf, (char *)NULL);
	_exit(121);
}

static int waited(pid_t pid)
{
	int status = 0;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* A kernel without CONFIG_NET and CONFIG_UNIX has no Unix sockets, and so
 * no way to pass an iommufd: say so and skip (exit 77). */
static bool unix_sockets(void)
{
	int sv[2];

	if (!socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		close(sv[0]);
		close(sv[1]);
		return true;
	}
	printf("# SKIP: socketpair(AF_UNIX): %s: the guest kernel needs CONFIG_NET and CONFIG_UNIX to pass file descriptors\n",
	       strerror(errno));
	return false;
}

static const char *first_edu(char bdf[16])
{
	struct pasid_devinfo d = { .size = sizeof(d) };
	struct pasid_devlist *list;
	const char *found = NULL;

	if (pasid_devlist_new(&list))
		return NULL;
	for (size_t i = 0; i < pasid_devlist_count(list) && !found; i++) {
		if (pasid_devlist_get(list, i, &d) || d.vendor_id != EDU_VENDOR_ID ||
		    d.device_id != EDU_DEVICE_ID)
			continue;
		memcpy(bdf, d.bdf, 16);
		found = bdf;
	}
	pasid_devlist_free(list);
	return found;
}

/* ---- the secondary of part 1 ---- */

static int secondary(int sock)
{
	struct pasid_ctx *ctx;
	struct pasid_as *as, *other;
	struct pasid_dev *dev;
	uint8_t *buf = pages(1), *again = pages(1);
	uint64_t iova = 0, iova2 = 0;
	struct ctl c;
	int n = pasid_ctx_import(sock, &ctx, NULL);
	bool ok;

	if (n != 1 || pasid_ctx_import_as(ctx, 0, &as) || !buf || !again) {
		printf("# secondary: import: %d %s\n", n, pasid_errmsg());
		say(sock, OP_MAPPED, 0, 0);
		return 1;
	}
	/* the primary's jobs */
	ok = pasid_dev_open(ctx, "0000:00:00.0", &dev) == -EPERM &&
	     pasid_as_new(ctx, &other) == -EPERM &&
	     pasid_as_set_iova_window(as, 0, EDU_DMA_LIMIT - 1) == -EPERM;
	if (!ok)
		printf("# secondary: a refusal is missing: %s\n", pasid_errmsg());
	if (pasid_map(as, buf, page, PASID_MAP_RW, &iova)) {
		printf("# secondary: map: %s\n", pasid_errmsg());
		ok = false;
	}
	printf("# secondary %d: mapped its buffer at IOVA 0x%" PRIx64 " in IOAS %u\n",
	       (int)getpid(), iova, pasid_as_ioas_id(as));
	say(sock, OP_MAPPED, ok, iova);

	/* the primary DMAed seed c.arg into the first half, the second
	 * half with the PASID (or nothing: arg >> 8 is 0) */
	if (!hear(sock, OP_CHECK, &c))
		return 1;
	ok = is(buf, XFER, (uint8_t)c.arg) &&
	     ((c.arg >> 8) ? is(buf + XFER, XFER, (uint8_t)(c.arg >> 8)) :
			     zero(buf + XFER, XFER));
	say(sock, OP_RESULT, ok, 0);

	memset(buf, 0, page);
	ok = pasid_unmap(as, iova, page) == 0;
	say(sock, OP_UNMAPPED, ok, 0);
	if (!hear(sock, OP_CHECK, &c))
		return 1;
	say(sock, OP_RESULT, zero(buf, page), 0);

	/* map again and exit without pasid_ctx_close */
	ok = pasid_map(as, again, page, PASID_MAP_RW, &iova2) == 0;
	say(sock, OP_MAPPED, ok, iova2);
	return 0;
}

/* ---- part 1: this process the primary ---- */

static void part1(const char *bdf)
{
	struct pasid_caps caps = { .size = sizeof(caps) };
	struct pasid_ctx *ctx;
	struct pasid_dev *dev;
	struct pasid_as *as;
	struct edu e = { 0 };
	uint8_t *buf = pages(2), *more = pages(2);
	uint64_t iova = 0, iova2 = 0, siova;
	int sv[2], pasid = 0, ret;
	struct ctl c;
	pid_t pid;

	if (!tap_ok(pasid_ctx_open(&ctx, NULL) == 0 &&
		    pasid_dev_open(ctx, bdf, &dev) == 0 &&
		    pasid_as_new(ctx, &as) == 0 &&
		    pasid_attach_rid(dev, as, 0) == 0 &&
		    edu_open(&e, dev) == 0 && buf && more,
		    "primary: %s open, RID attached: %s", bdf, pasid_errmsg()))
		return;
	/* the edu drives 28 address bits: every IOVA the kernel picks, the
	 * secondary's too, stays below (IOMMU_IOAS_ALLOW_IOVAS) */
	ret = pasid_as_set_iova_window(as, 0x100000, EDU_DMA_LIMIT - 1);
	tap_ok(ret == 0, "primary: IOVA window below the edu's limit: %s",
	       ret ? pasid_errmsg() : "ok");
	pasid_dev_caps(dev, &caps);
	if (caps.pasid_width && edu_has_pasid_tag(&e)) {
		pasid = pasid_bind(dev, as, PASID_ANY);
		tap_ok(pasid > 0, "primary: PASID %d bound to the shared address space: %s",
		       pasid, pasid > 0 ? "ok" : pasid_errmsg());
		if (pasid < 0)
			pasid = 0;
	} else {
		tap_diag("the edu cannot tag DMA with a PASID here: RID DMA only");
	}
	ret = pasid_map(as, buf, 2 * page, PASID_MAP_RW, &iova);
	tap_ok(ret == 0, "primary: own buffer mapped at 0x%" PRIx64, iova);

	if (!tap_ok(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0,
		    "socketpair"))
		return;
	pid = spawn("--secondary", sv[1], bdf);
	close(sv[1]);
	ret = pasid_ctx_export(ctx, sv[0], &as, 1, 0);
	tap_ok(ret == 0, "primary: export to secondary %d: %s", (int)pid,
	       ret ? pasid_errmsg() : "ok");
	if (!hear(sv[0], OP_MAPPED, &c)) {
		tap_ok(false, "secondary mapped");
		waited(pid);
		return;
	}
	siova = c.arg;
	tap_ok(c.ok, "secondary: imported, refused the primary's jobs (EPERM), mapped its buffer at 0x%" PRIx64,
	       siova);

	/* the primary's edu into the secondary's memory */
	fill(buf, XFER, 0x3c);
	ret = edu_dma_to_dev(&e, 0, iova, 0, XFER) ||
	      edu_dma_from_dev(&e, 0, 0, siova, XFER);
	if (pasid) {
		fill(buf, XFER, 0x5e);
		ret |= edu_dma_to_dev(&e, 0, iova, 0, XFER) ||
		       edu_dma_from_dev(&e, (uint32_t)pasid, 0, siova + XFER, XFER);
	}
	say(sv[0], OP_CHECK, 1, pasid ? 0x5e3c : 0x3c);
	tap_ok(!ret && hear(sv[0], OP_RESULT, &c) && c.ok,
	       "secondary: the bytes of the primary's DMA landed in its memory (untagged%s)",
	       pasid ? " and tagged with the PASID" : "");

	/* the secondary unmaps: DMA there no longer lands */
	tap_ok(hear(sv[0], OP_UNMAPPED, &c) && c.ok, "secondary: unmapped its buffer");
	fill(buf, XFER, 0x77);
	edu_dma_to_dev(&e, 0, iova, 0, XFER);
	edu_dma_from_dev(&e, 0, 0, siova, XFER);
	say(sv[0], OP_CHECK, 1, 0);
	tap_ok(hear(sv[0], OP_RESULT, &c) && c.ok,
	       "secondary: DMA to the IOVA it unmapped does not land");

	/* it maps again and exits without closing */
	tap_ok(hear(sv[0], OP_MAPPED, &c) && c.ok, "secondary: mapped again at 0x%" PRIx64,
	       c.arg);
	ret = waited(pid);
	tap_ok(ret == 0, "secondary exited (status %d) without pasid_ctx_close", ret);
	close(sv[0]);

	/* the primary goes on */
	ret = pasid_map(as, more, 2 * page, PASID_MAP_RW, &iova2);
	fill(more, XFER, 0x19);
	memset(more + page, 0, XFER);
	tap_ok(ret == 0 && !edu_dma_to_dev(&e, 0, iova2, 0, XFER) &&
	       !edu_dma_from_dev(&e, 0, 0, iova2 + page, XFER) &&
	       !memcmp(more, more + page, XFER),
	       "primary: maps and DMAs on after the secondary's exit: %s",
	       ret ? pasid_errmsg() : "ok");
	edu_close(&e);
	pasid_ctx_close(ctx);
}

/* ---- the primary of part 2: exports, then exits closing nothing ---- */

static int primary(int sock, const char *bdf)
{
	struct pasid_ctx *ctx;
	struct pasid_dev *dev;
	struct pasid_as *as;
	struct ctl c;

	if (pasid_ctx_open(&ctx, NULL) || pasid_dev_open(ctx, bdf, &dev) ||
	    pasid_as_new(ctx, &as) || pasid_attach_rid(dev, as, 0) ||
	    pasid_ctx_export(ctx, sock, &as, 1, 0)) {
		printf("# primary %d: %s\n", (int)getpid(), pasid_errmsg());
		return 1;
	}
	printf("# primary %d: exported IOAS %u\n", (int)getpid(),
	       pasid_as_ioas_id(as));
	fflush(stdout);
	hear(sock, OP_EXIT, &c);
	_exit(0);	/* as a crash would: no library call */
}

/* ---- part 2: this process the secondary ---- */

static void part2(const char *bdf)
{
	struct pasid_ctx *ctx, *again;
	struct pasid_dev *dev;
	struct pasid_as *as;
	uint8_t *buf = pages(1), *more = pages(1);
	uint64_t iova = 0, iova2 = 0;
	int sv[2], n, ret;
	pid_t pid;

	if (!tap_ok(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0 &&
		    buf && more, "socketpair"))
		return;
	pid = spawn("--primary", sv[1], bdf);
	close(sv[1]);
	n = pasid_ctx_import(sv[0], &ctx, NULL);
	if (!tap_ok(n == 1 && pasid_ctx_import_as(ctx, 0, &as) == 0,
		    "secondary: imported from primary %d: %d %s", (int)pid, n,
		    n == 1 ? "" : pasid_errmsg())) {
		waited(pid);
		return;
	}
	ret = pasid_map(as, buf, page, PASID_MAP_RW, &iova);
	tap_ok(ret == 0, "secondary: mapped at 0x%" PRIx64 " while the primary lives: %s",
	       iova, ret ? pasid_errmsg() : "ok");
	say(sv[0], OP_EXIT, 1, 0);
	ret = waited(pid);
	tap_ok(ret == 0, "the primary exited (status %d) without closing anything", ret);
	ret = pasid_map(as, more, page, PASID_MAP_RW, &iova2);
	tap_ok(ret == -EPIPE && strstr(pasid_errmsg(), "pasid_ctx_close"),
	       "secondary: a map after the primary's exit: %d \"%s\"", ret,
	       pasid_errmsg());
	ret = pasid_as_iova_ranges(as, NULL, 0, NULL);
	tap_ok(ret >= 1, "secondary: the iommufd lives on (%d IOVA ranges)", ret);
	ret = pasid_unmap(as, iova, page);
	tap_ok(ret == 0, "secondary: unmaps its own mapping: %s",
	       ret ? pasid_errmsg() : "ok");
	pasid_ctx_close(ctx);
	close(sv[0]);
	/* nothing holds the device any more */
	ret = pasid_ctx_open(&again, NULL);
	if (!ret)
		ret = pasid_dev_open(again, bdf, &dev);
	tap_ok(ret == 0, "the edu opens again after both are gone: %s",
	       ret ? pasid_errmsg() : "ok");
	if (!ret)
		pasid_ctx_close(again);
}

int main(int argc, char **argv)
{
	char bdf[16];

	page = (size_t)sysconf(_SC_PAGESIZE);
	if (argc == 3 && !strcmp(argv[1], "--secondary"))
		return secondary(CHILD_FD);
	if (argc == 3 && !strcmp(argv[1], "--primary"))
		return primary(CHILD_FD, argv[2]);
	if (argc != 2) {
		printf("usage: %s MACHINE\n", argv[0]);
		return 2;
	}
	if (!tap_ok(first_edu(bdf) != NULL, "found an edu"))
		return tap_exit();
	if (!unix_sockets())
		return 77;
	part1(bdf);
	part2(bdf);
	return tap_exit();
}
