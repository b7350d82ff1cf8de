/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * A kernel that answers oddly: the emulation behind a seam that changes some
 * of its answers the way a buggy or hostile kernel (or a fuzzer) might. The
 * library must stay in bounds, never crash, and say what it did not trust.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "internal.h"
#include "kabi.h"
#include "sys.h"

#define BDF "0000:00:04.0"

/* The emulation's ops, and ours on top of them. */
static struct pasid_sys base, odd;

static void odd_install(void)
{
	/* a second call in one test keeps the emulation as the base */
	if (pasid_sys != &odd)
		base = *pasid_sys;
	odd = base;
	pasid_sys_set(&odd);
}

/* ---- IOMMU_IOAS_IOVA_RANGES ---- */

/* One scripted answer: the errno (0: success), the count, whether the
 * ranges are written (as far as the caller's buffer reaches, as a real
 * kernel would) and the alignment. */
struct answer {
	int err;
	uint32_t num;
	bool fill;
	uint64_t align;
	bool inverted;		/* ranges that start after they end */
};

static const struct answer *script;
static size_t script_len, script_at;

static uint64_t range_start(uint32_t i)
{
	return 0x100000ull * (i + 1);
}

static int ranges_ioctl(int fd, unsigned long req, void *arg)
{
	struct kabi_iommu_ioas_iova_ranges *r = arg;
	struct kabi_iommu_iova_range *out;
	const struct answer *a;
	uint32_t i;

	if (req != KABI_IOMMU_IOAS_IOVA_RANGES)
		return base.ioctl(fd, req, arg);
	/* past the end of the script the last answer repeats */
	a = &script[script_at < script_len ? script_at : script_len - 1];
	script_at++;
	out = (void *)(uintptr_t)r->allowed_iovas;
	for (i = 0; a->fill && out && i < r->num_iovas && i < a->num; i++) {
		out[i].start = range_start(i) + (a->inverted ? 0x200000 : 0);
		out[i].last = range_start(i) + 0xfffff;
	}
	r->num_iovas = a->num;
	r->out_iova_alignment = a->align;
	if (a->err) {
		errno = a->err;
		return -1;
	}
	return 0;
}

static int ranges_with(const struct answer *s, size_t n,
		       struct pasid_iova_range *r, unsigned int nr)
{
	struct pasid_as *as = fx_as();
	uint64_t align = 0;

	script = s;
	script_len = n;
	script_at = 0;
	odd_install();
	odd.ioctl = ranges_ioctl;
	memset(r, 0, nr * sizeof(*r));
	return pasid_as_iova_ranges(as, r, nr, &align);
}

#define RANGES_WITH(s, r) \
	ranges_with((s), sizeof(s) / sizeof((s)[0]), (r), \
		    sizeof(r) / sizeof((r)[0]))

static void ck_ranges(const struct pasid_iova_range *r, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		ck_assert_uint_eq(r[i].start, range_start(i));
		ck_assert_uint_eq(r[i].last, range_start(i) + 0xfffff);
	}
}

/* Success with a count for a call that passed no buffer at all. */
START_TEST(ranges_count_without_buffer)
{
	static const struct answer s[] = { { 0, 3, true, 4096, false } };
	struct pasid_iova_range r[4];

	ck_assert_int_eq(RANGES_WITH(s, r), 3);
	ck_ranges(r, 3);
}
END_TEST

/* The count grew between the two calls: a device attached meanwhile, so
 * the kernel says EMSGSIZE again with the new count; or a kernel reports
 * success with more ranges than it had room for. */
START_TEST(ranges_count_grew)
{
	static const struct answer again[] = {
		{ EMSGSIZE, 2, false, 0, false },
		{ EMSGSIZE, 5, true, 0, false },
		{ 0, 5, true, 4096, false },
	};
	static const struct answer beyond[] = {
		{ EMSGSIZE, 2, false, 0, false },
		{ 0, 5, true, 4096, false },
	};
	struct pasid_iova_range r[8];

	ck_assert_int_eq(RANGES_WITH(again, r), 5);
	ck_ranges(r, 5);
	ck_assert_int_eq(RANGES_WITH(beyond, r), 5);
	ck_ranges(r, 5);
}
END_TEST

/* Counts no IOMMU has are not sized into memory, and one above INT_MAX
 * does not come back as a negative number that reads as an errno. */
START_TEST(ranges_huge_count)
{
	static const struct answer huge[] = {
		{ EMSGSIZE, UINT32_MAX, false, 0, false },
	};
	static const struct answer above_int[] = {
		{ 0, (uint32_t)INT_MAX + 1, false, 4096, false },
	};
	struct pasid_iova_range r[2];

	ck_assert_int_eq(RANGES_WITH(huge, r), -EPROTO);
	ck_assert_errmsg("not trusted");
	ck_assert_int_eq(RANGES_WITH(above_int, r), -EPROTO);
	ck_assert_errmsg("2147483648");
}
END_TEST

/* A count that changes on every call ends in a clear error, not a loop. */
START_TEST(ranges_never_settle)
{
	static const struct answer s[] = {
		{ EMSGSIZE, 1, false, 0, false }, { EMSGSIZE, 2, false, 0, false },
		{ EMSGSIZE, 3, false, 0, false }, { EMSGSIZE, 4, false, 0, false },
		{ EMSGSIZE, 5, false, 0, false }, { EMSGSIZE, 6, false, 0, false },
		{ 0, 7, true, 4096, false },
	};
	struct pasid_iova_range r[8];

	ck_assert_int_eq(RANGES_WITH(s, r), -EAGAIN);
	ck_assert_errmsg("try again");
	ck_assert_uint_le(script_at, 4);
}
END_TEST

/* Nonsense inside the answer: EMSGSIZE for a count that fits, a range
 * that ends before it starts, an alignment that is no power of two. */
START_TEST(ranges_nonsense)
{
	static const struct answer fits[] = {
		{ EMSGSIZE, 2, false, 0, false }, { EMSGSIZE, 2, false, 0, false },
	};
	static const struct answer inverted[] = { { 0, 1, true, 4096, true } };
	static const struct answer align[] = { { 0, 1, true, 3, false } };
	struct pasid_iova_range r[2];

	ck_assert_int_eq(RANGES_WITH(fits, r), -EPROTO);
	ck_assert_int_eq(RANGES_WITH(inverted, r), -EPROTO);
	ck_assert_errmsg("starts after it ends");
	ck_assert_int_eq(RANGES_WITH(align, r), -EPROTO);
	ck_assert_errmsg("power of two");
}
END_TEST

/* ---- IOMMU_GET_HW_INFO ---- */

/* A PASID width beyond the 20 bits PCIe has, and a data length beyond
 * the buffer the library gave. */
static int hw_info_ioctl(int fd, unsigned long req, void *arg)
{
	struct kabi_iommu_hw_info *h = arg;
	int ret = base.ioctl(fd, req, arg);

	if (req == KABI_IOMMU_GET_HW_INFO && !ret) {
		h->out_max_pasid_log2 = 63;
		h->data_len = UINT32_MAX;
	}
	return ret;
}

START_TEST(hw_info_too_wide)
{
	struct pasid_caps caps = { .size = sizeof(caps) };
	struct pasid_dev *dev;

	fx_add(BDF, EMU_IOMMU_INTEL, 8);
	odd_install();
	odd.ioctl = hw_info_ioctl;
	dev = fx_open(BDF);
	ck_assert_int_eq(pasid_dev_caps(dev, &caps), 0);
	ck_assert_uint_eq(caps.pasid_width, 20);
	/* the payload the kernel did fill is still decoded */
	ck_assert_int_eq(caps.vendor, PASID_IOMMU_INTEL_VTD);
	ck_assert_uint_eq(caps.iova_bits, 48);
}
END_TEST

/* ---- sysfs ---- */

/* The sysfs path an fd was opened from ("" if none). */
static const char *fd_path(int fd, char *buf, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, len - 1);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);

	return a >= b && !strcmp(s + a - b, tail);
}

/* Reads that claim more bytes than were asked for. */
static ssize_t long_pread(int fd, void *buf, size_t len, off_t off)
{
	char path[PATH_MAX];
	ssize_t n;

	fd_path(fd, path, sizeof(path));
	if (ends_with(path, "/vendor")) {
		memset(buf, '\n', len);
		memcpy(buf, "0x8086", len < 6 ? len : 6);
		return (ssize_t)len + 1;
	}
	n = base.pread(fd, buf, len, off);
	if (ends_with(path, "/config") && n > 0)
		return n + 4096;
	return n;
}

START_TEST(sysfs_read_beyond_buffer)
{
	struct pasid_devinfo info = { .size = sizeof(info) };

	fx_add(BDF, EMU_IOMMU_INTEL, 8);
	odd_install();
	odd.pread = long_pread;
	ck_assert_int_eq(pasid_devinfo_get(BDF, &info), 0);
	/* neither answer is used: the id reads as unknown (0), the PASID
	 * capability as unknown (-1), never as a guess */
	ck_assert_uint_eq(info.vendor_id, 0);
	ck_assert_uint_eq(info.device_id, 0x11e8);
	ck_assert_int_eq(info.pci_pasid_width, -1);
}
END_TEST

/* Patch the emulated device's sysfs config space: 16 bits at off. */
static void patch_config(const char *bdf, unsigned int off, uint16_t v)
{
	char path[PATH_MAX];
	uint8_t le[2] = { v & 0xff, v >> 8 };
	int fd;

	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/config",
		 emu_sysfs_root(), bdf);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, le, 2, off), 2);
	close(fd);
}

/* A device whose PASID capability claims 31 bits (the field has 5). */
START_TEST(config_pasid_too_wide)
{
	struct pasid_devinfo info = { .size = sizeof(info) };

	fx_add(BDF, EMU_IOMMU_INTEL, 8);
	/* the emulation puts the PASID capability at 0x100 */
	patch_config(BDF, 0x100 + KABI_PCI_PASID_CAP,
		     KABI_PCI_PASID_CAP_WIDTH);
	ck_assert_int_eq(pasid_devinfo_get(BDF, &info), 0);
	ck_assert_int_eq(info.pci_pasid_width, 20);
}
END_TEST

/* An extended capability list that points back at itself ends. */
START_TEST(config_cap_loop)
{
	struct pasid_devinfo info = { .size = sizeof(info) };

	fx_add(BDF, EMU_IOMMU_INTEL, 8);
	/* header at 0x100: AER (id 1), version 1, next = 0x100 */
	patch_config(BDF, 0x100, 0x0001);
	patch_config(BDF, 0x102, 0x1001);
	ck_assert_int_eq(pasid_devinfo_get(BDF, &info), 0);
	ck_assert_int_eq(info.pci_pasid_width, 0);
	ck_assert_int_eq(info.pci_ats, 0);
}
END_TEST


/* ---- IOMMU_IOAS_MAP's IOVA ---- */

static uint64_t map_answer;

static int map_ioctl(int fd, unsigned long req, void *arg)
{
	struct kabi_iommu_ioas_map *m = arg;
	int ret = base.ioctl(fd, req, arg);

	if (!ret && req == KABI_IOMMU_IOAS_MAP)
		m->iova = map_answer;
	return ret;
}

/* An IOVA that runs past the top, or not the fixed one asked for, is
 * refused with EPROTO and recorded nowhere; undoing it takes back what the
 * kernel mapped and never another mapping. */
START_TEST(map_iova_not_trusted)
{
	struct pasid_as *as = fx_as();
	void *buf = fx_buf(1);
	uint64_t other = 0x200000, iova = 0x100000;

	ck_assert_int_eq(pasid_map(as, buf, FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &other), 0);
	odd_install();
	odd.ioctl = map_ioctl;
	map_answer = other;	/* a fixed map answered with another's IOVA */
	ck_assert_int_eq(pasid_map(as, buf, FX_PAGE,
				   PASID_MAP_RW | PASID_MAP_FIXED_IOVA, &iova), -EPROTO);
	ck_assert_errmsg("asked for fixed IOVA 0x100000");
	ck_assert_errmsg("undone");
	ck_assert_uint_eq(emu_mapped_bytes(), FX_PAGE);
	ck_assert_uint_eq(maprec_first(&as->rec)->iova, other);
	pasid_sys_set(&base);
	ck_assert_int_eq(pasid_unmap(as, other, FX_PAGE), 0);
	ck_assert_uint_eq(emu_mapped_bytes(), 0);

	/* Past the top: nothing there to unmap, so the kernel's real
	 * mapping stays, and the message says so instead of "undone". */
	odd_install();
	odd.ioctl = map_ioctl;
	map_answer = UINT64_MAX & ~0xfffull;
	iova = 0;
	ck_assert_int_eq(pasid_map(as, buf, 2 * FX_PAGE, PASID_MAP_RW, &iova), -EPROTO);
	ck_assert_errmsg("not trusted");
	ck_assert_errmsg("could not be undone");
	ck_assert_ptr_null(maprec_first(&as->rec));
	pasid_sys_set(&base);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("untrusted");
	TCase *tc;

	tc = tcase_create("iova-ranges");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, ranges_count_without_buffer);
	tcase_add_test(tc, ranges_count_grew);
	tcase_add_test(tc, map_iova_not_trusted);
	tcase_add_test(tc, ranges_huge_count);
	tcase_add_test(tc, ranges_never_settle);
	tcase_add_test(tc, ranges_nonsense);
	suite_add_tcase(s, tc);

	tc = tcase_create("hw-info");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, hw_info_too_wide);
	suite_add_tcase(s, tc);

	tc = tcase_create("sysfs");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, sysfs_read_beyond_buffer);
	tcase_add_test(tc, config_pasid_too_wide);
	tcase_add_test(tc, config_cap_loop);
	suite_add_tcase(s, tc);

	return fx_run(s);
}
