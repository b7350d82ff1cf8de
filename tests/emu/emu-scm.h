/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* For tests that send libpasid raw messages with fds (unit/test-share,
 * fuzz/fuzz-share): one sendmsg of buf with fds in one SCM_RIGHTS. */
#ifndef LIBPASID_TESTS_EMU_SCM_H
#define LIBPASID_TESTS_EMU_SCM_H

#include <string.h>
#include <sys/socket.h>

#define EMU_SCM_MAX_FDS 80

/* What sendmsg returns (MSG_NOSIGNAL); nfds up to EMU_SCM_MAX_FDS. */
static inline ssize_t emu_scm_send(int sock, const void *buf, size_t len,
				   const int *fds, unsigned int nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * EMU_SCM_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	memset(&ctl, 0, sizeof(ctl));
	if (nfds) {
		m.msg_control = ctl.buf;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	return sendmsg(sock, &m, MSG_NOSIGNAL);
}

#endif
