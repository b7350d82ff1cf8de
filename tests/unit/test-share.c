/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Multi-process sharing (pasid_ctx_export, pasid_ctx_import; libpasid(7),
 * "Multi-process"): the primary keeps devices and binds, a secondary maps
 * its own memory into the primary's address spaces, each sees and unmaps
 * only its own mappings, what a secondary may not do is -EPERM, the
 * lifetimes when either side frees or closes first, and every malformed
 * message is -EPROTO with all its fds closed.
 *
 * The emulated kernel lives in the process: the fds cross a real Unix
 * socketpair (the emulation knows its files again by their inode when they
 * come back, emu-core.c seam_recvmsg), and primary and secondary are two
 * contexts of one process, or two threads. A forked child would get a copy
 * of the emulated kernel, not share it, so processes are not tested here
 * (the VM test vmtest-share does that on a real kernel).
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include "emu-scm.h"
#include "fixture.h"
#include "internal.h"

#define BDF "0000:00:04.0"

struct world {
	struct pasid_dev *dev;
	struct pasid_as *as;		/* the primary's, RID attached */
	int index;
	int sv[2];			/* [0] primary, [1] secondary */
	struct pasid_ctx *sec;
	struct pasid_as *sas;		/* the secondary's handle of as */
};

static unsigned int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned int n = 0;

	ck_assert_ptr_nonnull(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void up(struct world *w, int type)
{
	memset(w, 0, sizeof(*w));
	w->dev = fx_dev(BDF, EMU_IOMMU_INTEL, 8, &w->index);
	w->as = fx_as();
	ck_assert_int_eq(pasid_attach_rid(w->dev, w->as, 0), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, w->sv), 0);
}

static void share(struct world *w)
{
	ck_assert_int_eq(pasid_ctx_export(fx.ctx, w->sv[0], &w->as, 1, 0), 0);
	ck_assert_int_eq(pasid_ctx_import(w->sv[1], &w->sec, NULL), 1);
	ck_assert_int_eq(pasid_ctx_import_as(w->sec, 0, &w->sas), 0);
}

static void down(struct world *w)
{
	pasid_ctx_close(w->sec);
	close(w->sv[0]);
	close(w->sv[1]);
}

/* DMA by the primary's device at iova: 0 or the emulation's -errno. */
static int dma(struct world *w, uint64_t iova)
{
	uint8_t b = 0x5a;

	return emu_dma_write(w->index, 0, iova, &b, 1);
}

static void roundtrip(int type)
{
	struct world w;
	uint64_t iova;
	void *buf = fx_buf(2), *va;

	up(&w, type);
	share(&w);
	ck_assert_uint_eq(pasid_as_ioas_id(w.sas), pasid_as_ioas_id(w.as));
	ck_assert_int_eq(pasid_map(w.sas, buf, 2 * FX_PAGE, PASID_MAP_RW,
				   &iova), 0);
	/* the primary's device DMAs into the secondary's memory */
	fx_dma_check(w.index, 0, iova, buf);
	/* each side records its own mappings only */
	ck_assert_int_eq(pasid_as_va_to_iova(w.as, buf, &iova), -ENOENT);
	ck_assert_int_eq(pasid_as_iova_to_va(w.sas, iova, &va), 0);
	ck_assert_ptr_eq(va, buf);
	ck_assert_int_eq(pasid_unmap(w.as, iova, 2 * FX_PAGE), -ENOENT);
	ck_assert_int_eq(dma(&w, iova), 0);
	ck_assert_int_eq(pasid_unmap_va(w.sas, buf, 2 * FX_PAGE), 0);
	ck_assert_int_eq(dma(&w, iova), -EFAULT);
	down(&w);
}

START_TEST(roundtrip_stream)
{
	roundtrip(SOCK_STREAM);
}
END_TEST

START_TEST(roundtrip_seqpacket)
{
	roundtrip(SOCK_SEQPACKET);
}
END_TEST

START_TEST(roundtrip_dgram)
{
	roundtrip(SOCK_DGRAM);
}
END_TEST

/* Through the VFIO groups with the iommufd as container (as 6.2-6.5):
 * the address spaces are iommufd's IOASes, so they export the same way. */
START_TEST(roundtrip_group)
{
	struct pasid_ctx_opts o = {
		.size = sizeof(o), .backend = PASID_BACKEND_IOMMUFD_GROUP,
	};

	pasid_ctx_close(fx.ctx);
	emu_fini();
	ck_assert_int_eq(emu_init(), 0);
	ck_assert_int_eq(emu_set_profile(EMU_PROFILE_NO_CDEV), 0);
	ck_assert_int_eq(pasid_ctx_open(&fx.ctx, &o), 0);
	roundtrip(SOCK_STREAM);
}
END_TEST

/* Two address spaces, by index; the fixed and try modes; copy. */
START_TEST(two_spaces)
{
	struct world w;
	struct pasid_as *both[2], *s0, *s1;
	uint64_t at = 0x40000000, iova, c;
	void *buf = fx_buf(1);

	up(&w, SOCK_STREAM);
	both[0] = w.as;
	both[1] = fx_as();
	ck_assert_int_eq(pasid_ctx_export(fx.ctx, w.sv[0], both, 2, 0), 0);
	ck_assert_int_eq(pasid_ctx_import(w.sv[1], &w.sec, NULL), 2);
	ck_assert_int_eq(pasid_ctx_import_as(w.sec, 0, &s0), 0);
	ck_assert_int_eq(pasid_ctx_import_as(w.sec, 1, &s1), 0);
	ck_assert_uint_eq(pasid_as_ioas_id(s1), pasid_as_ioas_id(both[1]));
	ck_assert_int_eq(pasid_ctx_import_as(w.sec, 2, &s0), -ERANGE);
	ck_assert_errmsg("2 address spaces");
	ck_assert_int_eq(pasid_ctx_import_as(w.sec, 0, &s0), 0);
	iova = at;
	ck_assert_int_eq(pasid_map(s0, buf, FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &iova), 0);
	fx_dma_check(w.index, 0, at, buf);
	/* the primary's fixed map over it is the kernel's EEXIST */
	iova = at;
	ck_assert_int_eq(pasid_map(w.as, fx_buf(1), FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &iova),
			 -EEXIST);
	iova = at;
	ck_assert_int_eq(pasid_map(w.as, fx_buf(1), FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_TRY_IOVA, &iova), 0);
	ck_assert_uint_ne(iova, at);
	ck_assert_int_eq(pasid_copy(s1, s0, at, FX_PAGE, PASID_MAP_RW, &c), 0);
	ck_assert_int_eq(pasid_unmap(s1, c, FX_PAGE), 0);
	ck_assert_int_eq(pasid_as_iova_ranges(s0, NULL, 0, NULL) > 0, 1);
	down(&w);
}
END_TEST

/* What a secondary may not do: -EPERM naming the primary, nothing done. */
START_TEST(secondary_refusals)
{
	struct world w;
	struct pasid_as *as;
	struct pasid_dev *dev;
	struct fx_state before;
	unsigned int calls;
	uint64_t iova;

	up(&w, SOCK_STREAM);
	share(&w);
	before = fx_state();
	calls = emu_calls();
	ck_assert_int_eq(pasid_dev_open(w.sec, BDF, &dev), -EPERM);
	ck_assert_errmsg("primary's job");
	ck_assert_errmsg("opening devices");
	ck_assert_int_eq(pasid_dev_open_fd(w.sec, 0, &dev), -EPERM);
	ck_assert_int_eq(pasid_as_new(w.sec, &as), -EPERM);
	ck_assert_errmsg("creating address spaces");
	ck_assert_int_eq(pasid_as_set_iova_window(w.sas, 0, 0xfffffff), -EPERM);
	pasid_as_free(w.sas);
	ck_assert_errmsg("freeing an address space is the primary's job");
	ck_assert_int_eq(pasid_ctx_export(w.sec, w.sv[1], &w.sas, 1, 0), -EPERM);
	/* the primary's device with the secondary's handle */
	ck_assert_int_eq(pasid_bind(w.dev, w.sas, PASID_ANY), -EINVAL);
	ck_assert_errmsg("different contexts");
	ck_assert_int_eq(pasid_attach_rid(w.dev, w.sas, 0), -EINVAL);
	ck_assert_uint_eq(emu_calls(), calls);
	ck_assert_state_eq(fx_state(), before);
	/* the handle still works after the refused free */
	ck_assert_int_eq(pasid_map(w.sas, fx_buf(1), FX_PAGE, PASID_MAP_RW,
				   &iova), 0);
	down(&w);
}
END_TEST

/* A secondary's close unmaps its own mappings, not the primary's. */
START_TEST(secondary_close_unmaps_own)
{
	struct world w;
	uint64_t mine, theirs;
	unsigned long before;
	void *pbuf;

	up(&w, SOCK_STREAM);
	mine = fx_map(w.as, 1, PASID_MAP_RW, &pbuf);
	before = emu_mapped_bytes();
	share(&w);
	ck_assert_int_eq(pasid_map(w.sas, fx_buf(3), 3 * FX_PAGE, PASID_MAP_RW,
				   &theirs), 0);
	ck_assert_uint_eq(emu_mapped_bytes(), before + 3 * FX_PAGE);
	pasid_ctx_close(w.sec);
	w.sec = NULL;
	ck_assert_uint_eq(emu_mapped_bytes(), before);
	ck_assert_int_eq(dma(&w, theirs), -EFAULT);
	fx_dma_check(w.index, 0, mine, pbuf);
	down(&w);
}
END_TEST

/*
 * The primary frees an exported address space: the IOAS is kept (its id
 * is not reused by the next pasid_as_new), the primary's mappings go, the
 * secondary's stay until it unmaps them; its maps are -EPIPE.
 */
START_TEST(primary_frees_first)
{
	struct world w;
	struct pasid_as *next;
	uint64_t iova, iova2;
	void *buf = fx_buf(1);
	uint32_t id;

	up(&w, SOCK_STREAM);
	fx_map(w.as, 2, PASID_MAP_RW, NULL);
	share(&w);
	id = pasid_as_ioas_id(w.as);
	ck_assert_int_eq(pasid_map(w.sas, buf, FX_PAGE, PASID_MAP_RW, &iova), 0);
	pasid_as_free(w.as);
	ck_assert_uint_eq(emu_mapped_bytes(), FX_PAGE);
	ck_assert_int_eq(pasid_as_new(fx.ctx, &next), 0);
	ck_assert_uint_ne(pasid_as_ioas_id(next), id);
	ck_assert_int_eq(pasid_map(w.sas, fx_buf(1), FX_PAGE, PASID_MAP_RW,
				   &iova2), -EPIPE);
	ck_assert_errmsg("pasid_ctx_close");
	ck_assert_int_eq(pasid_unmap(w.sas, iova, FX_PAGE), 0);
	ck_assert_uint_eq(emu_mapped_bytes(), 0);
	down(&w);
}
END_TEST

/* The primary closes its context first: devices go, the iommufd lives
 * while the secondary holds it, the secondary's maps are -EPIPE, and its
 * close releases everything. */
START_TEST(primary_closes_first)
{
	struct world w;
	uint64_t iova;
	void *buf = fx_buf(1);

	up(&w, SOCK_STREAM);
	share(&w);
	ck_assert_int_eq(pasid_map(w.sas, buf, FX_PAGE, PASID_MAP_RW, &iova), 0);
	pasid_ctx_close(fx.ctx);
	fx.ctx = NULL;
	ck_assert_int_ne(dma(&w, iova), 0);	/* the device is gone */
	ck_assert_uint_ne(emu_live_objects(), 0);	/* the kept IOAS */
	ck_assert_uint_eq(emu_mapped_bytes(), FX_PAGE);
	ck_assert_int_eq(pasid_map(w.sas, fx_buf(1), FX_PAGE, PASID_MAP_RW,
				   &iova), -EPIPE);
	ck_assert_int_eq(pasid_map_file(w.sas, 0, 0, FX_PAGE, PASID_MAP_RW,
					&iova), -EPIPE);
	ck_assert_int_eq(pasid_as_iova_ranges(w.sas, NULL, 0, NULL) > 0, 1);
	down(&w);	/* fx_teardown: nothing left */
}
END_TEST

/* One address space exported to two secondaries; both map, both stop. */
START_TEST(two_secondaries)
{
	struct world w;
	struct pasid_ctx *sec2;
	struct pasid_as *sas2;
	uint64_t a, b;
	void *ba = fx_buf(1), *bb = fx_buf(1);

	up(&w, SOCK_STREAM);
	share(&w);
	ck_assert_int_eq(pasid_ctx_export(fx.ctx, w.sv[0], &w.as, 1, 0), 0);
	ck_assert_int_eq(pasid_ctx_import(w.sv[1], &sec2, NULL), 1);
	ck_assert_int_eq(pasid_ctx_import_as(sec2, 0, &sas2), 0);
	ck_assert_int_eq(pasid_map(w.sas, ba, FX_PAGE, PASID_MAP_RW, &a), 0);
	ck_assert_int_eq(pasid_map(sas2, bb, FX_PAGE, PASID_MAP_RW, &b), 0);
	fx_dma_check(w.index, 0, a, ba);
	fx_dma_check(w.index, 0, b, bb);
	pasid_ctx_close(sec2);
	ck_assert_int_eq(dma(&w, b), -EFAULT);
	fx_dma_check(w.index, 0, a, ba);
	pasid_as_free(w.as);
	ck_assert_int_eq(pasid_map(w.sas, fx_buf(1), FX_PAGE, PASID_MAP_RW,
				   &a), -EPIPE);
	down(&w);
}
END_TEST

/* The import made in another thread, blocked until the export comes. */
static void *importer(void *arg)
{
	struct world *w = arg;

	if (pasid_ctx_import(w->sv[1], &w->sec, NULL) != 1)
		return (void *)1;
	return NULL;
}

START_TEST(import_in_a_thread)
{
	struct world w;
	pthread_t t;
	void *ret;
	uint64_t iova;
	void *buf = fx_buf(1);

	up(&w, SOCK_STREAM);
	ck_assert_int_eq(pthread_create(&t, NULL, importer, &w), 0);
	usleep(10000);
	ck_assert_int_eq(pasid_ctx_export(fx.ctx, w.sv[0], &w.as, 1, 0), 0);
	ck_assert_int_eq(pthread_join(t, &ret), 0);
	ck_assert_ptr_null(ret);
	ck_assert_int_eq(pasid_ctx_import_as(w.sec, 0, &w.sas), 0);
	ck_assert_int_eq(pasid_map(w.sas, buf, FX_PAGE, PASID_MAP_RW, &iova), 0);
	fx_dma_check(w.index, 0, iova, buf);
	down(&w);
}
END_TEST

START_TEST(bad_arguments)
{
	struct world w;
	struct pasid_as *other = NULL, *as, *two[2];
	struct pasid_ctx *ctx2, *sec;
	struct pasid_ctx_opts o = { .size = sizeof(o) };
	int p[2], inet, n0;

	up(&w, SOCK_STREAM);
	ck_assert_int_eq(pasid_ctx_open(&ctx2, NULL), 0);
	ck_assert_int_eq(pasid_as_new(ctx2, &other), 0);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	n0 = (int)open_fds();
	ck_assert_int_eq(pasid_ctx_export(NULL, w.sv[0], &w.as, 1, 0), -EINVAL);
	ck_assert_int_eq(pasid_ctx_export(fx.ctx, w.sv[0], &w.as, 1, 1), -EINVAL);
	ck_assert_errmsg("flags");
	ck_assert_int_eq(pasid_ctx_export(fx.ctx, w.sv[0], &w.as, 0, 0), -EINVAL);
	ck_assert_int_eq(pasid_ctx_export(fx.ctx, w.sv[0], NULL, 1, 0), -EINVAL);
	ck_assert_int_eq(pasid_ctx_export(fx.ctx, w.sv[0], &w.as,
					  PASID_EXPORT_MAX + 1, 0), -EINVAL);
	ck_assert_int_eq(pasid_ctx_export(fx.ctx, w.sv[0], &other, 1, 0),
			 -EINVAL);
	ck_assert_errmsg("another context");
	two[0] = two[1] = w.as;
	ck_assert_int_eq(pasid_ctx_export(fx.ctx, w.sv[0], two, 2, 0), -EINVAL);
	ck_assert_errmsg("same address space");
	two[1] = NULL;
	ck_assert_int_eq(pasid_ctx_export(fx.ctx, w.sv[0], two, 2, 0), -EINVAL);
	ck_assert_int_eq(pasid_ctx_export(fx.ctx, -1, &w.as, 1, 0), -EBADF);
	ck_assert_int_eq(pasid_ctx_export(fx.ctx, p[0], &w.as, 1, 0), -ENOTSOCK);
	ck_assert_errmsg("AF_UNIX");
	inet = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(inet, 0);
	ck_assert_int_eq(pasid_ctx_export(fx.ctx, inet, &w.as, 1, 0), -EINVAL);
	ck_assert_errmsg("not a Unix socket");
	ck_assert_int_eq(pasid_ctx_import(inet, &sec, NULL), -EINVAL);
	close(inet);

	ck_assert_int_eq(pasid_ctx_import(w.sv[1], NULL, NULL), -EINVAL);
	o.reserved = 1;
	ck_assert_int_eq(pasid_ctx_import(w.sv[1], &sec, &o), -EINVAL);
	o.reserved = 0;
	o.backend = PASID_BACKEND_TYPE1;
	ck_assert_int_eq(pasid_ctx_import(w.sv[1], &sec, &o), -EINVAL);
	ck_assert_errmsg("iommufd");
	ck_assert_int_eq(pasid_ctx_import(p[0], &sec, NULL), -ENOTSOCK);
	ck_assert_ptr_null(sec);
	/* nothing sent yet: a non-blocking socket has nothing */
	ck_assert_int_eq(fcntl(w.sv[1], F_SETFL, O_NONBLOCK), 0);
	ck_assert_int_eq(pasid_ctx_import(w.sv[1], &sec, NULL), -EAGAIN);
	ck_assert_errmsg("no export arrived");

	ck_assert_int_eq(pasid_ctx_import_as(NULL, 0, &as), -EINVAL);
	ck_assert_int_eq(pasid_ctx_import_as(fx.ctx, 0, NULL), -EINVAL);
	ck_assert_int_eq(pasid_ctx_import_as(fx.ctx, 0, &as), -EINVAL);
	ck_assert_errmsg("not imported");
	ck_assert_int_eq((int)open_fds(), n0);

	/* the other end gone: EPIPE, no SIGPIPE, no token left behind */
	close(w.sv[1]);
	ck_assert_int_eq(pasid_ctx_export(fx.ctx, w.sv[0], &w.as, 1, 0), -EPIPE);
	ck_assert_errmsg("other end is closed");
	ck_assert_int_eq((int)open_fds(), n0 - 1);
	ck_assert_int_eq(w.as->exported, false);
	w.sv[1] = -1;
	close(p[0]);
	close(p[1]);
	pasid_ctx_close(ctx2);
	down(&w);
}
END_TEST

/* A context on the type1 backend has nothing to export. */
START_TEST(type1_refused)
{
	struct pasid_ctx_opts o = {
		.size = sizeof(o), .backend = PASID_BACKEND_TYPE1,
	};
	struct pasid_ctx *t1;
	struct pasid_as *as;
	int sv[2];

	pasid_ctx_close(fx.ctx);
	fx.ctx = NULL;
	emu_fini();
	ck_assert_int_eq(emu_init(), 0);
	ck_assert_int_eq(emu_set_profile(EMU_PROFILE_TYPE1), 0);
	fx_add(BDF, EMU_IOMMU_INTEL, 0);
	ck_assert_int_eq(pasid_ctx_open(&t1, &o), 0);
	ck_assert_int_eq(pasid_as_new(t1, &as), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(pasid_ctx_export(t1, sv[0], &as, 1, 0), -EOPNOTSUPP);
	ck_assert_errmsg("type1");
	pasid_ctx_close(t1);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* ---- malformed messages ---- */

/* What pasid_ctx_export sends (lib/share.c), to be broken. */
struct msg {
	uint32_t magic;
	uint16_t version, hdr_size, entry_size, nas;
	uint32_t flags, pid, reserved;
	struct { uint32_t ioas_id, reserved; uint64_t ws, wl; } e[2];
};

static void send_raw(int sock, const void *buf, size_t len, const int *fds,
		     unsigned int nfds)
{
	ck_assert_int_eq(emu_scm_send(sock, buf, len, fds, nfds), (ssize_t)len);
}

static struct msg good(struct world *w)
{
	struct msg m = {
		.magic = 0x5341504c, .version = 1, .hdr_size = 24,
		.entry_size = 24, .nas = 1, .pid = (uint32_t)getpid(),
	};

	m.e[0].ioas_id = pasid_as_ioas_id(w->as);
	m.e[0].wl = UINT64_MAX;
	return m;
}

/* Import what was sent: -EPROTO with the message, nothing kept. */
static void refused(struct world *w, const char *what)
{
	struct pasid_ctx *sec = (void *)1;

	ck_assert_int_eq(pasid_ctx_import(w->sv[1], &sec, NULL), -EPROTO);
	ck_assert_ptr_null(sec);
	ck_assert_errmsg(what);
}

static void bad_msg(struct world *w, const void *m, size_t len,
		    const int *fds, unsigned int nfds, const char *what)
{
	send_raw(w->sv[0], m, len, fds, nfds);
	refused(w, what);
}

START_TEST(malformed)
{
	struct world w;
	struct msg m;
	int fds[4], p[2], q[2], n0;
	unsigned int objs;

	up(&w, SOCK_SEQPACKET);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(q, O_CLOEXEC), 0);
	fds[0] = pasid_ctx_fd(fx.ctx);
	fds[1] = p[0];
	fds[2] = q[0];
	fds[3] = p[1];
	n0 = (int)open_fds();
	objs = emu_live_objects();

	bad_msg(&w, "x", 1, NULL, 0, "less than a header");
	m = good(&w);
	m.magic ^= 1;
	bad_msg(&w, &m, 48, fds, 2, "not libpasid's");
	m = good(&w);
	m.version = 2;
	bad_msg(&w, &m, 48, fds, 2, "version 2");
	m = good(&w);
	m.entry_size = 32;
	bad_msg(&w, &m, 48, fds, 2, "this library speaks");
	m = good(&w);
	m.flags = 1;
	bad_msg(&w, &m, 48, fds, 2, "flags");
	m = good(&w);
	m.nas = 0;
	bad_msg(&w, &m, 24, fds, 1, "0 address spaces");
	m = good(&w);
	m.nas = 65;
	bad_msg(&w, &m, 48, fds, 2, "65 address spaces");
	m = good(&w);
	bad_msg(&w, &m, 40, fds, 2, "cut short");
	m = good(&w);
	bad_msg(&w, &m, 72, fds, 2, "cut short");
	m = good(&w);
	bad_msg(&w, &m, 48, fds, 1, "1 file descriptors came");
	bad_msg(&w, &m, 48, fds, 3, "3 file descriptors came");
	bad_msg(&w, &m, 48, NULL, 0, "0 file descriptors came");
	m.e[0].ioas_id = 0;
	bad_msg(&w, &m, 48, fds, 2, "IOAS id 0");
	m = good(&w);
	m.e[0].ioas_id = 999;
	bad_msg(&w, &m, 48, fds, 2, "has no IOAS 999");
	m = good(&w);
	m.nas = 2;
	m.e[1] = m.e[0];
	bad_msg(&w, &m, 72, fds, 3, "both name IOAS");
	m = good(&w);
	m.e[0].ws = 0x1000;
	m.e[0].wl = 0x1fff0;
	bad_msg(&w, &m, 48, fds, 2, "no window of whole pages");
	m = good(&w);
	fds[1] = p[1];		/* a write end */
	bad_msg(&w, &m, 48, fds, 2, "not the read end of a pipe");
	fds[1] = p[0];
	fds[0] = q[0];		/* no iommufd */
	bad_msg(&w, &m, 48, fds, 2, "not a character device");
	fds[0] = pasid_ctx_fd(fx.ctx);
	ck_assert_int_eq(emu_live_objects(), objs);
	ck_assert_int_eq((int)open_fds(), n0);
	/* the end of the stream */
	close(w.sv[0]);
	refused(&w, "closed the socket");
	w.sv[0] = -1;
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	down(&w);
}
END_TEST

/* A stream: an export followed by more bytes; a header cut short. */
START_TEST(malformed_stream)
{
	struct world w;
	struct msg m;
	int fds[2], p[2], n0;
	uint64_t iova;

	up(&w, SOCK_STREAM);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	fds[0] = pasid_ctx_fd(fx.ctx);
	fds[1] = p[0];
	n0 = (int)open_fds();
	/* a real export, then garbage: the import reads only its own */
	ck_assert_int_eq(pasid_ctx_export(fx.ctx, w.sv[0], &w.as, 1, 0), 0);
	send_raw(w.sv[0], "garbage!", 8, NULL, 0);
	ck_assert_int_eq(pasid_ctx_import(w.sv[1], &w.sec, NULL), 1);
	ck_assert_int_eq(pasid_ctx_import_as(w.sec, 0, &w.sas), 0);
	ck_assert_int_eq(pasid_map(w.sas, fx_buf(1), FX_PAGE, PASID_MAP_RW,
				   &iova), 0);
	pasid_ctx_close(w.sec);
	w.sec = NULL;
	ck_assert_int_eq(fcntl(w.sv[1], F_SETFL, O_NONBLOCK), 0);
	refused(&w, "less than a header");	/* 8 bytes */
	/* a header announcing an entry that never comes */
	m = good(&w);
	send_raw(w.sv[0], &m, 24, fds, 2);
	shutdown(w.sv[0], SHUT_WR);
	ck_assert_int_eq(fcntl(w.sv[1], F_SETFL, 0), 0);
	refused(&w, "cut short");
	/* the token of the first export stays the primary's */
	ck_assert_int_eq((int)open_fds(), n0 + 2);
	close(p[0]);
	close(p[1]);
	down(&w);
}
END_TEST

/* Random messages: a valid one with bytes flipped or cut, random fds: the
 * import never crashes, is -EPROTO or (flips that keep it valid) a
 * context, and leaves no fd behind. */
START_TEST(fuzz_messages)
{
	struct world w;
	int fds[4], p[2], n0, i;
	unsigned int seed = 1;

	up(&w, SOCK_SEQPACKET);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	fds[0] = pasid_ctx_fd(fx.ctx);
	fds[1] = p[0];
	fds[2] = p[1];
	fds[3] = w.sv[0];
	n0 = (int)open_fds();
	for (i = 0; i < 3000; i++) {
		struct msg m = good(&w);
		unsigned char *b = (unsigned char *)&m;
		size_t len = 48, k, flips = (size_t)(rand_r(&seed) % 4);
		unsigned int nfds = 2;
		struct pasid_ctx *sec = NULL;
		int ret;

		for (k = 0; k < flips; k++)
			b[rand_r(&seed) % sizeof(m)] ^=
				(unsigned char)(1u << (rand_r(&seed) % 8));
		if (rand_r(&seed) % 4 == 0)
			len = 1 + (size_t)(rand_r(&seed) % sizeof(m));
		if (rand_r(&seed) % 4 == 0)
			nfds = (unsigned int)(rand_r(&seed) % 5);
		if (nfds > 1 && rand_r(&seed) % 3 == 0)
			fds[1] = fds[rand_r(&seed) % 4];
		send_raw(w.sv[0], &m, len, fds, nfds);
		ret = pasid_ctx_import(w.sv[1], &sec, NULL);
		fds[1] = p[0];
		ck_assert_msg(ret == -EPROTO || ret > 0,
			      "message %d: %d (%s)", i, ret, pasid_errmsg());
		if (ret > 0)
			pasid_ctx_close(sec);
		else
			ck_assert_ptr_null(sec);
		ck_assert_int_eq((int)open_fds(), n0);
	}
	close(p[0]);
	close(p[1]);
	down(&w);
}
END_TEST

/* Handles of a secondary do not cross fork either. */
START_TEST(secondary_fork)
{
	struct world w;
	uint64_t iova;
	void *buf = fx_buf(1);
	pid_t pid;
	int status;

	up(&w, SOCK_STREAM);
	share(&w);
	ck_assert_int_eq(pasid_map(w.sas, buf, FX_PAGE, PASID_MAP_RW, &iova), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		unsigned int calls = emu_calls();
		int bad = pasid_map(w.sas, fx_buf(1), FX_PAGE, PASID_MAP_RW,
				    &iova) != -EBADF;

		pasid_ctx_close(w.sec);	/* the child's copies only */
		_exit(bad || emu_calls() != calls);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	fx_dma_check(w.index, 0, iova, buf);
	down(&w);
}
END_TEST

static Suite *share_suite(void)
{
	Suite *s = suite_create("share");
	TCase *tc = tcase_create("share");

	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, roundtrip_stream);
	tcase_add_test(tc, roundtrip_seqpacket);
	tcase_add_test(tc, roundtrip_dgram);
	tcase_add_test(tc, roundtrip_group);
	tcase_add_test(tc, two_spaces);
	tcase_add_test(tc, secondary_refusals);
	tcase_add_test(tc, secondary_close_unmaps_own);
	tcase_add_test(tc, primary_frees_first);
	tcase_add_test(tc, primary_closes_first);
	tcase_add_test(tc, two_secondaries);
	tcase_add_test(tc, import_in_a_thread);
	tcase_add_test(tc, bad_arguments);
	tcase_add_test(tc, type1_refused);
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, malformed_stream);
	tcase_add_test(tc, fuzz_messages);
	tcase_add_test(tc, secondary_fork);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return fx_run(share_suite());
}
