/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Address spaces shared between processes (libpasid(7), "Multi-process").
 *
 * The primary sends its iommufd and the IOAS ids of the address spaces it
 * shares over a Unix socket; a secondary that holds the iommufd may
 * IOMMU_IOAS_MAP its own memory into them: the kernel pins those pages from
 * the caller's mm and charges them to the caller's user (iommufd/pages.c,
 * iopt_alloc_pages: current->mm, current->group_leader, current_user()).
 * Devices, binds and page tables stay the primary's.
 *
 * Rules that keep either side from touching the other's memory:
 *  - each process records and unmaps only its own mappings, one kernel
 *    unmap per recorded mapping with its exact bounds, as as.c does: the
 *    kernel's areas never overlap, so no unmap reaches another's mapping;
 *  - an IOAS id is reused by the kernel (the lowest free id, xa_alloc), so
 *    the primary never destroys an exported IOAS while its context is open:
 *    pasid_as_free detaches it and unmaps the primary's own mappings, and
 *    the IOAS goes when the iommufd file goes (the last process holding it
 *    closes it). A secondary's id can therefore never name another address
 *    space;
 *  - each exported address space has a token, a pipe whose write end only
 *    the primary holds: it hangs up when the primary frees the address
 *    space, closes its context or exits, and the secondary's maps are then
 *    refused (-EPIPE) instead of pinning memory nothing can reach.
 *
 * The message: a header and one entry per address space, little-endian as
 * the host (both ends are on one machine), fds in one SCM_RIGHTS: the
 * iommufd, then each address space's token. Whatever arrives is checked
 * before it is used; a bad message is -EPROTO, and every fd it brought is
 * closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "internal.h"
#include "kernel.h"
#include "sys.h"

#define SHARE_MAGIC 0x5341504cu		/* "LPAS" */
#define SHARE_VERSION 1

struct share_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t hdr_size;		/* sizeof(struct share_hdr) */
	uint16_t entry_size;		/* sizeof(struct share_entry) */
	uint16_t nas;			/* entries, 1 .. PASID_EXPORT_MAX */
	uint32_t flags;			/* 0 */
	uint32_t pid;			/* the primary */
	uint32_t reserved;		/* 0 */
};

struct share_entry {
	uint32_t ioas_id;
	uint32_t reserved;		/* 0 */
	uint64_t win_start, win_last;	/* the primary's IOVA window */
};

_Static_assert(sizeof(struct share_hdr) == 24, "share_hdr layout");
_Static_assert(sizeof(struct share_entry) == 24, "share_entry layout");

struct share_msg {
	struct share_hdr h;
	struct share_entry e[PASID_EXPORT_MAX];
};

#define SHARE_FDS (1 + PASID_EXPORT_MAX)

union share_ctl {
	char buf[CMSG_SPACE(sizeof(int) * SHARE_FDS)];
	struct cmsghdr align;
};

int share_refuse(struct pasid_ctx *ctx, const char *fn, const char *what)
{
	return pasid_err(ctx, EPERM,
			 "%s: %s is the primary's job: this context was imported (pasid_ctx_import) from process %d, which owns the devices, PASIDs and address spaces; ask it to do this",
			 fn, what, (int)ctx->primary_pid);
}

int share_gone(struct pasid_as *as, const char *fn)
{
	struct pollfd p = { .fd = as->token_r, .events = POLLIN };

	/* nothing is ever written: readable or hung up means the write
	 * end is gone (poll failing says nothing: let the map go on) */
	if (poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR)))
		return 0;
	return pasid_err(as->ctx, EPIPE,
			 "%s: process %d, which exported IOAS %u, has freed it (pasid_as_free), closed its context or exited: no device of its reaches a new mapping; unmap what you mapped and close this context (pasid_ctx_close)",
			 fn, (int)as->ctx->primary_pid, as->ioas_id);
}

/* One kernel unmap per recorded mapping, with its bounds: never one that
 * could reach another process's. as is unreachable (no lock). */
static void unmap_own(struct pasid_as *as)
{
	const struct maprec_entry *e;
	uint64_t done;
	int ret;

	for (e = maprec_first(&as->rec); e; e = maprec_next(e)) {
		ret = k_ioas_unmap(as->ctx->iommufd, as->ioas_id, e->iova,
				   e->len, &done);
		if (ret)
			pasid_log(as->ctx, PASID_LOG_WARN,
				  "IOMMU_IOAS_UNMAP of [0x%" PRIx64 ", +0x%" PRIx64 ") in IOAS %u failed (%d): it stays mapped until the iommufd closes",
				  e->iova, e->len, as->ioas_id, ret);
	}
}

static void close_token(struct pasid_as *as)
{
	sys_close(as->token_r);
	if (as->token_w >= 0)
		sys_close(as->token_w);
	as->imported = as->exported = false;
}

void share_retire(struct pasid_as *as)
{
	unmap_own(as);
	close_token(as);	/* the secondaries' maps stop here */
	pasid_log(as->ctx, PASID_LOG_DEBUG,
		  "IOAS %u was exported: kept, without this process's mappings, until the iommufd closes, so that its id is not given to another address space while a secondary names it",
		  as->ioas_id);
}

void share_close_imports(struct pasid_ctx *ctx)
{
	struct list_head *pos, *tmp;

	list_for_each_safe(pos, tmp, &ctx->ases) {
		struct pasid_as *as = container_of(pos, struct pasid_as,
						   ctx_node);

		list_del(&as->ctx_node);
		unmap_own(as);
		close_token(as);
		as_release(as);
	}
	free(ctx->imports);
	ctx->imports = NULL;
	ctx->nimports = 0;
}

void share_forget(struct pasid_as *as)
{
	if (as->imported || as->exported)
		close_token(as);
}

/* ---- export ---- */

/* sock is a Unix socket: 0, else -errno with the message. */
static int unix_socket(struct pasid_ctx *ctx, const char *fn, int sock,
		       int *type)
{
	socklen_t len = sizeof(int);
	int domain = 0;

	errno = EBADF;
	if (sock < 0 ||
	    getsockopt(sock, SOL_SOCKET, SO_DOMAIN, &domain, &len) ||
	    getsockopt(sock, SOL_SOCKET, SO_TYPE, type, &len))
		return pasid_err(ctx, errno == ENOTSOCK ? ENOTSOCK : EBADF,
				 "%s: %d is not an open socket: give one end of socketpair(AF_UNIX) or a connected AF_UNIX socket",
				 fn, sock);
	if (domain != AF_UNIX)
		return pasid_err(ctx, EINVAL,
				 "%s: socket %d is not a Unix socket (domain %d): file descriptors pass only over AF_UNIX",
				 fn, sock, domain);
	return 0;
}

static int export_args(struct pasid_ctx *ctx, struct pasid_as *const *ases,
		       unsigned int n, unsigned int flags)
{
	unsigned int i, j;

	if (flags)
		return pasid_err(ctx, EINVAL,
				 "pasid_ctx_export: flags 0x%x: none are defined, give 0",
				 flags);
	if (!ases || !n || n > PASID_EXPORT_MAX)
		return pasid_err(ctx, EINVAL,
				 "pasid_ctx_export: give 1 to %d address spaces (n is %u%s)",
				 PASID_EXPORT_MAX, n, ases ? "" : ", ases NULL");
	for (i = 0; i < n; i++) {
		if (!ases[i] || ases[i]->ctx != ctx)
			return pasid_err(ctx, EINVAL,
					 "pasid_ctx_export: ases[%u] is %s",
					 i, ases[i] ? "an address space of another context" : "NULL");
		for (j = 0; j < i; j++)
			if (ases[j] == ases[i])
				return pasid_err(ctx, EINVAL,
						 "pasid_ctx_export: ases[%u] and ases[%u] are the same address space: name each once",
						 j, i);
	}
	return 0;
}

/* The whole message, the fds with its first byte; 0 or -errno said. */
static int send_all(struct pasid_ctx *ctx, int sock, const void *buf,
		    size_t len, const int *fds, unsigned int nfds)
{
	union share_ctl ctl;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = CMSG_SPACE(sizeof(int) * nfds),
	};
	struct cmsghdr *c;
	ssize_t n;

	memset(&ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	while (iov.iov_len) {
		n = sys_sendmsg(sock, &m, MSG_NOSIGNAL);
		if (n == -EINTR)
			continue;
		if (n < 0)
			return pasid_kerr(ctx, (int)-n, "sendmsg",
					  "pasid_ctx_export: socket %d%s", sock,
					  n == -EPIPE || n == -ECONNRESET ? ": the other end is closed" :
					  n == -EAGAIN ? ": the socket is non-blocking and full: wait until it is writable and export again" : "");
		/* the fds went with the first byte */
		m.msg_control = NULL;
		m.msg_controllen = 0;
		iov.iov_base = (char *)iov.iov_base + n;
		iov.iov_len -= (size_t)n;
	}
	return 0;
}

PASID_API int pasid_ctx_export(struct pasid_ctx *ctx, int sock,
			       struct pasid_as *const *ases, unsigned int n,
			       unsigned int flags)
{
	struct share_msg msg;
	int fds[SHARE_FDS], fresh[PASID_EXPORT_MAX][2];
	unsigned int i;
	int ret, type;

	pasid_err_clear();
	if (!ctx)
		return pasid_err(NULL, EINVAL, "pasid_ctx_export: ctx is NULL");
	if (inherited(ctx))
		return fork_refuse(ctx, "pasid_ctx_export");
	if (ctx->secondary)
		return share_refuse(ctx, "pasid_ctx_export", "exporting");
	if (ctx->iommufd < 0 || ctx_as_other(ctx))
		return backend_missing(ctx, "pasid_ctx_export: sharing address spaces needs",
				       "iommufd (an iommufd fd and IOAS ids to pass; in a type1 container the library picks every IOVA itself, and two processes picking in one would collide)");
	ret = export_args(ctx, ases, n, flags);
	if (!ret)
		ret = unix_socket(ctx, "pasid_ctx_export", sock, &type);
	if (ret)
		return ret;

	memset(&msg, 0, sizeof(msg));
	msg.h = (struct share_hdr){
		.magic = SHARE_MAGIC, .version = SHARE_VERSION,
		.hdr_size = sizeof(struct share_hdr),
		.entry_size = sizeof(struct share_entry),
		.nas = (uint16_t)n, .pid = (uint32_t)getpid(),
	};
	fds[0] = ctx->iommufd;
	for (i = 0; i < n; i++) {
		struct pasid_as *as = ases[i];

		fresh[i][0] = fresh[i][1] = -1;
		if (!as->exported &&
		    pipe2(fresh[i], O_CLOEXEC | O_NONBLOCK)) {
			ret = pasid_kerr(ctx, errno, "pipe2",
					 "pasid_ctx_export: no token for address space %u (out of file descriptors?)",
					 i);
			fresh[i][0] = fresh[i][1] = -1;
			goto undo;
		}
		fds[1 + i] = as->exported ? as->token_r : fresh[i][0];
		msg.e[i] = (struct share_entry){
			.ioas_id = as->ioas_id,
			.win_start = as->win_start, .win_last = as->win_last,
		};
	}
	ret = send_all(ctx, sock, &msg,
		       sizeof(msg.h) + n * sizeof(struct share_entry), fds,
		       1 + n);
	if (ret)
		goto undo;
	for (i = 0; i < n; i++) {
		if (ases[i]->exported)
			continue;
		ases[i]->exported = true;
		ases[i]->token_r = fresh[i][0];
		ases[i]->token_w = fresh[i][1];
	}
	return 0;
undo:
	/* a message cut short leaves the other end tokens that hang up */
	while (i--) {
		if (fresh[i][0] >= 0) {
			close(fresh[i][0]);
			close(fresh[i][1]);
		}
	}
	return ret;
}

/* ---- import ---- */

struct share_in {
	struct share_msg msg;
	size_t bytes;			/* received */
	int fds[SHARE_FDS];
	unsigned int nfds;
	bool extra;			/* fds beyond SHARE_FDS, or odd cmsgs */
};

static void close_fds(struct share_in *in)
{
	while (in->nfds)
		sys_close(in->fds[--in->nfds]);
}

/* Take the fds of every SCM_RIGHTS of m (into in, or closed if too many). */
static void take_fds(struct share_in *in, struct msghdr *m)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		size_t i, n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0)) {
			in->extra = true;
			continue;
		}
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (in->nfds < SHARE_FDS) {
				in->fds[in->nfds++] = fd;
			} else {
				sys_close(fd);
				in->extra = true;
			}
		}
	}
}

/* One recvmsg of up to len bytes at in->msg + in->bytes; fds too when
 * ctl: the bytes, 0 at the end of the stream, or -errno said. */
static ssize_t recv_some(struct pasid_ctx *log, int sock, struct share_in *in,
			 size_t len, bool ctl, int flags)
{
	union share_ctl c;
	struct iovec iov = { .iov_base = (char *)&in->msg + in->bytes,
			     .iov_len = len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (ctl) {
		m.msg_control = c.buf;
		m.msg_controllen = sizeof(c.buf);
	}
	do
		n = sys_recvmsg(sock, &m, flags | MSG_CMSG_CLOEXEC);
	while (n == -EINTR);
	if (n < 0)
		return pasid_kerr(log, (int)-n, "recvmsg",
				  "pasid_ctx_import: socket %d%s", sock,
				  n == -EAGAIN ? ": no export arrived (a non-blocking socket, or SO_RCVTIMEO ran out)" : "");
	if (ctl)
		take_fds(in, &m);
	if (m.msg_flags & (MSG_CTRUNC | MSG_TRUNC))
		in->extra = true;	/* cut by the kernel: not ours */
	in->bytes += (size_t)n;
	return n;
}

/*
 * The message: on a stream the header first (with the fds), then exactly
 * the entries it announces, so that nothing of a next message is read; on
 * a datagram or seqpacket socket the one message, which must fit.
 */
static int recv_msg(struct pasid_ctx *log, int sock, int type,
		    struct share_in *in)
{
	const struct share_hdr *h = &in->msg.h;
	size_t want;
	ssize_t n;

	if (type != SOCK_STREAM) {
		n = recv_some(log, sock, in, sizeof(in->msg), true, 0);
		return n < 0 ? (int)n : 0;
	}
	n = recv_some(log, sock, in, sizeof(*h), true, MSG_WAITALL);
	if (n < 0)
		return (int)n;
	if (in->bytes < sizeof(*h) || h->magic != SHARE_MAGIC ||
	    h->version != SHARE_VERSION || h->hdr_size != sizeof(*h) ||
	    h->entry_size != sizeof(struct share_entry) ||
	    h->nas > PASID_EXPORT_MAX)
		return 0;	/* said by check_msg */
	want = (size_t)h->nas * sizeof(struct share_entry);
	while (want && n > 0) {
		n = recv_some(log, sock, in, want, false, MSG_WAITALL);
		if (n < 0)
			return (int)n;
		want -= (size_t)n;
	}
	return 0;
}

#define bad(log, ...) pasid_err(log, EPROTO, "pasid_ctx_import: " __VA_ARGS__)

static int check_window(struct pasid_ctx *log, const struct share_entry *e,
			unsigned int i)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

	if (e->win_start > e->win_last || (e->win_start & (page - 1)) ||
	    (e->win_last != UINT64_MAX && ((e->win_last + 1) & (page - 1))))
		return bad(log, "entry %u has IOVA window [0x%" PRIx64 ", 0x%" PRIx64 "], no window of whole pages: not an export of this library",
			   i, e->win_start, e->win_last);
	return 0;
}

/* What came is an export of this protocol: 0, else -EPROTO said. */
static int check_msg(struct pasid_ctx *log, const struct share_in *in)
{
	const struct share_hdr *h = &in->msg.h;
	unsigned int i, j;
	int ret;

	if (!in->bytes)
		return bad(log, "the other end closed the socket without sending an export");
	if (in->bytes < sizeof(*h))
		return bad(log, "%zu bytes came, less than a header (%zu): not an export of libpasid, or one cut short",
			   in->bytes, sizeof(*h));
	if (h->magic != SHARE_MAGIC)
		return bad(log, "the message starts 0x%08x, not libpasid's 0x%08x: not an export of libpasid",
			   h->magic, SHARE_MAGIC);
	if (h->version != SHARE_VERSION || h->hdr_size != sizeof(*h) ||
	    h->entry_size != sizeof(struct share_entry))
		return bad(log, "protocol version %u (header %u, entry %u bytes); this library speaks version %d (%zu, %zu): run the same libpasid in both processes",
			   h->version, h->hdr_size, h->entry_size, SHARE_VERSION,
			   sizeof(*h), sizeof(struct share_entry));
	if (h->flags || h->reserved)
		return bad(log, "flags 0x%x or reserved 0x%x set: not a version %d export",
			   h->flags, h->reserved, SHARE_VERSION);
	if (!h->nas || h->nas > PASID_EXPORT_MAX)
		return bad(log, "%u address spaces announced, not 1 to %d",
			   h->nas, PASID_EXPORT_MAX);
	if (in->extra)
		return bad(log, "more data or file descriptors than an export carries (or the kernel cut them: RLIMIT_NOFILE?)");
	if (in->bytes != sizeof(*h) + h->nas * sizeof(struct share_entry))
		return bad(log, "%zu bytes came for %u address spaces, which take %zu: a message cut short or not an export",
			   in->bytes, h->nas,
			   sizeof(*h) + h->nas * sizeof(struct share_entry));
	if (in->nfds != 1u + h->nas)
		return bad(log, "%u file descriptors came, an export of %u address spaces carries %u",
			   in->nfds, h->nas, 1u + h->nas);
	for (i = 0; i < h->nas; i++) {
		const struct share_entry *e = &in->msg.e[i];

		if (!e->ioas_id || e->reserved)
			return bad(log, "entry %u: IOAS id %u, reserved 0x%x: not an export of this library",
				   i, e->ioas_id, e->reserved);
		for (j = 0; j < i; j++)
			if (in->msg.e[j].ioas_id == e->ioas_id)
				return bad(log, "entries %u and %u both name IOAS %u",
					   j, i, e->ioas_id);
		ret = check_window(log, e, i);
		if (ret)
			return ret;
	}
	return 0;
}

/* The fds are what the primary sends: an iommufd that has each IOAS, and
 * the read ends of pipes. 0, else -EPROTO (or the kernel's error) said. */
static int check_fds(struct pasid_ctx *log, const struct share_in *in)
{
	const struct share_hdr *h = &in->msg.h;
	struct stat st;
	unsigned int i;
	uint32_t num;
	uint64_t align;
	int ret, fl;

	if (pasid_sys->fstat(in->fds[0], &st) || !S_ISCHR(st.st_mode))
		return bad(log, "the first file descriptor is not a character device: not an iommufd");
	for (i = 1; i < in->nfds; i++) {
		fl = fcntl(in->fds[i], F_GETFL);
		if (pasid_sys->fstat(in->fds[i], &st) || !S_ISFIFO(st.st_mode) ||
		    fl < 0 || (fl & O_ACCMODE) != O_RDONLY)
			return bad(log, "file descriptor %u is not the read end of a pipe: not an export of this library",
				   i);
	}
	for (i = 0; i < h->nas; i++) {
		num = 0;
		ret = k_ioas_iova_ranges(in->fds[0], in->msg.e[i].ioas_id, NULL,
					 &num, &align);
		if (!ret || ret == -EMSGSIZE)
			continue;
		if (ret == -ENOTTY)
			return bad(log, "the first file descriptor does not answer IOMMU_IOAS_IOVA_RANGES: not an iommufd");
		if (ret == -ENOENT)
			return bad(log, "the iommufd has no IOAS %u (entry %u): the primary freed it already, or this is no export",
				   in->msg.e[i].ioas_id, i);
		return pasid_kerr(log, -ret, "IOMMU_IOAS_IOVA_RANGES",
				  "pasid_ctx_import: IOAS %u", in->msg.e[i].ioas_id);
	}
	return 0;
}

/* The secondary context over checked fds; the fds are its own on
 * success, the caller's on failure. */
static int make_secondary(const struct pasid_ctx_opts *o,
			  struct pasid_ctx *log, const struct share_in *in,
			  struct pasid_ctx **ctxp)
{
	const struct share_hdr *h = &in->msg.h;
	struct pasid_ctx *ctx = ctx_alloc(o, log);
	unsigned int i;

	if (!ctx)
		return -ENOMEM;
	ctx->imports = calloc(h->nas, sizeof(*ctx->imports));
	if (!ctx->imports) {
		free(ctx);
		return pasid_err(log, ENOMEM, "out of memory for a context");
	}
	ctx->ops = &backend_iommufd;
	ctx->lacks = "";
	ctx->iommufd = in->fds[0];
	ctx_ready(ctx);
	ctx->secondary = true;
	ctx->primary_pid = (pid_t)h->pid;
	for (i = 0; i < h->nas; i++) {
		struct pasid_as *as = as_alloc(ctx);

		if (!as)
			goto fail;
		lock_init(&as->lock);
		as->ioas_id = in->msg.e[i].ioas_id;
		as->win_start = in->msg.e[i].win_start;
		as->win_last = in->msg.e[i].win_last;
		/* off the fast paths: a map checks the token first */
		as->gate = AS_GATE_OTHER;
		as->imported = true;
		as->token_r = in->fds[1 + i];
		as->token_w = -1;
		list_add_tail(&as->ctx_node, &ctx->ases);
		ctx->imports[i] = as;
		ctx->nimports++;
	}
	*ctxp = ctx;
	return 0;
fail:
	while (ctx->nimports) {
		struct pasid_as *as = ctx->imports[--ctx->nimports];

		list_del(&as->ctx_node);
		as_release(as);	/* its token is still the caller's */
	}
	free(ctx->imports);
	lock_destroy(&ctx->lock);
	free(ctx);
	return -ENOMEM;
}

PASID_API int pasid_ctx_import(int sock, struct pasid_ctx **ctxp,
			       const struct pasid_ctx_opts *opts)
{
	struct pasid_ctx_opts o;
	struct pasid_ctx logger;
	struct share_in *in;
	int ret, type;

	pasid_err_clear();
	if (!ctxp)
		return pasid_err(NULL, EINVAL, "pasid_ctx_import: ctxp is NULL");
	*ctxp = NULL;
	ret = ctx_opts_in("pasid_ctx_import", opts, &o, &logger);
	if (ret)
		return ret;
	if (o.backend != PASID_BACKEND_AUTO &&
	    o.backend != PASID_BACKEND_IOMMUFD)
		return pasid_err(&logger, EINVAL,
				 "pasid_ctx_import: opts->backend %d: a secondary speaks iommufd (give PASID_BACKEND_AUTO or PASID_BACKEND_IOMMUFD)",
				 (int)o.backend);
	ret = unix_socket(&logger, "pasid_ctx_import", sock, &type);
	if (ret)
		return ret;
	in = calloc(1, sizeof(*in));
	if (!in)
		return pasid_err(&logger, ENOMEM, "out of memory");
	ret = recv_msg(&logger, sock, type, in);
	if (!ret)
		ret = check_msg(&logger, in);
	if (!ret)
		ret = check_fds(&logger, in);
	if (!ret)
		ret = make_secondary(&o, &logger, in, ctxp);
	if (ret) {
		close_fds(in);
		free(in);
		return ret;
	}
	ret = in->msg.h.nas;
	free(in);
	return ret;
}

PASID_API int pasid_ctx_import_as(struct pasid_ctx *ctx, unsigned int i,
				  struct pasid_as **asp)
{
	pasid_err_clear();
	if (!ctx || !asp)
		return pasid_err(ctx, EINVAL,
				 "pasid_ctx_import_as: ctx and asp must not be NULL");
	*asp = NULL;
	if (inherited(ctx))
		return fork_refuse(ctx, "pasid_ctx_import_as");
	if (!ctx->secondary)
		return pasid_err(ctx, EINVAL,
				 "pasid_ctx_import_as: this context was opened, not imported: its address spaces are the ones it made");
	if (i >= ctx->nimports)
		return pasid_err(ctx, ERANGE,
				 "pasid_ctx_import_as: index %u, but the export had %u address spaces (0 .. %u)",
				 i, ctx->nimports, ctx->nimports - 1);
	*asp = ctx->imports[i];
	return 0;
}
