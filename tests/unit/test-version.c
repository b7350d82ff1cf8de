/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The version a program can check: the header's macros, the number
 * pasid_version() returns and the version meson builds (PROJECT_VERSION)
 * are one and the same, and encoded versions compare as versions do.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "libpasid/libpasid.h"

START_TEST(runtime_version_is_the_headers)
{
	ck_assert_uint_eq(pasid_version(), LIBPASID_VERSION);
	ck_assert_uint_eq(pasid_version() >> 16, LIBPASID_VERSION_MAJOR);
	ck_assert_uint_eq((pasid_version() >> 8) & 0xff, LIBPASID_VERSION_MINOR);
	ck_assert_uint_eq(pasid_version() & 0xff, LIBPASID_VERSION_MICRO);
}
END_TEST

START_TEST(header_is_the_project_version)
{
	char s[32];

	snprintf(s, sizeof(s), "%d.%d.%d", LIBPASID_VERSION_MAJOR,
		 LIBPASID_VERSION_MINOR, LIBPASID_VERSION_MICRO);
	ck_assert_str_eq(s, PROJECT_VERSION);
}
END_TEST

START_TEST(encoded_versions_compare_as_versions)
{
	ck_assert_uint_lt(LIBPASID_VERSION_ENCODE(0, 1, 9),
			  LIBPASID_VERSION_ENCODE(0, 2, 0));
	ck_assert_uint_lt(LIBPASID_VERSION_ENCODE(0, 255, 255),
			  LIBPASID_VERSION_ENCODE(1, 0, 0));
	ck_assert_uint_lt(LIBPASID_VERSION_ENCODE(1, 2, 3),
			  LIBPASID_VERSION_ENCODE(1, 2, 4));
	ck_assert_uint_ge(pasid_version(), LIBPASID_VERSION_ENCODE(0, 1, 0));
}
END_TEST

static Suite *version_suite(void)
{
	Suite *s = suite_create("version");
	TCase *tc = tcase_create("version");

	tcase_add_test(tc, runtime_version_is_the_headers);
	tcase_add_test(tc, header_is_the_project_version);
	tcase_add_test(tc, encoded_versions_compare_as_versions);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(version_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
