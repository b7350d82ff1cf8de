/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * pasid_ctx_import of whatever arrives (lib/share.c): the input picks the
 * socket type, which file descriptors come with the message (the primary's
 * iommufd, a pipe's read or write end, the socket itself) and the bytes.
 * The emulated kernel holds one context with two address spaces, so a
 * message naming IOAS 1 or 2 with the right fds is a real export.
 *
 * What must hold: no crash, no invalid access, no leak, the answer is the
 * number of address spaces (the context is then closed) or -errno with a
 * message, *ctxp is NULL on failure, and no fd is left open either way.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "emu.h"
#include "emu-scm.h"
#include "fzcheck.h"
#include "input.h"

#define MAX_MSG 2048

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct pasid_ctx *primary;
static int pipefd[2];

static unsigned int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned int n = 0;

	FZ_CHECK(d != NULL, "no /proc/self/fd");
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct pasid_as *as;

	(void)argc;
	(void)argv;
	FZ_CHECK(emu_init() == 0, "emu_init");
	FZ_CHECK(pasid_ctx_open(&primary, NULL) == 0 &&
		 pasid_as_new(primary, &as) == 0 &&
		 pasid_as_new(primary, &as) == 0, "%s", pasid_errmsg());
	FZ_CHECK(pipe2(pipefd, O_CLOEXEC) == 0, "pipe2");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	static const int types[] = { SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM };
	int type = types[in_u8(&in) % 3];
	unsigned int nfds = in_u8(&in) % 6, i, before;
	int fds[6], sv[2], ret;
	uint8_t msg[MAX_MSG];
	size_t len;
	struct pasid_ctx *sec = (struct pasid_ctx *)&in;

	FZ_CHECK(socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) == 0,
		 "socketpair");
	for (i = 0; i < nfds; i++) {
		const int pick[] = { pasid_ctx_fd(primary), pipefd[0],
				     pipefd[1], sv[0] };

		fds[i] = pick[in_u8(&in) % 4];
	}
	len = in_bytes(&in, msg, sizeof(msg));
	before = open_fds();
	/* a datagram of nothing is no message: one byte at least */
	FZ_CHECK(emu_scm_send(sv[0], msg, len ? len : 1, fds, nfds) ==
		 (ssize_t)(len ? len : 1), "sendmsg");
	/* a stream ends here: the import never waits for more */
	shutdown(sv[0], SHUT_WR);
	ret = pasid_ctx_import(sv[1], &sec, NULL);
	FZ_RET(ret, "pasid_ctx_import");
	if (ret > 0) {
		FZ_CHECK(sec != NULL && ret <= PASID_EXPORT_MAX, "ret %d", ret);
		pasid_ctx_close(sec);
	} else {
		FZ_CHECK(sec == NULL, "*ctxp set on failure");
	}
	FZ_CHECK(open_fds() == before, "fds %u, were %u", open_fds(), before);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
