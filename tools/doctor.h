/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * pasidctl doctor: what it gathered and the checks it judged. cmd-doctor.c
 * gathers and prints, and judges the device nodes and drivers;
 * doctor-kernel.c what the kernel was booted and configured with (Intel
 * scalable mode, interrupt remapping, RLIMIT_MEMLOCK); doctor-device.c the
 * device's group and its PASIDs.
 */
#ifndef PASIDCTL_DOCTOR_H
#define PASIDCTL_DOCTOR_H

#include <stdbool.h>
#include <stdint.h>

#include "libpasid/libpasid.h"
#include "usable.h"

/* VT-d extended capability register bits (VT-d spec 11.4.3) */
#define VTD_ECAP_PASID (1ull << 40)
#define VTD_ECAP_SMTS (1ull << 43)

enum check_status {
	ST_OK,
	ST_WARN,		/* works, but worth knowing */
	ST_FAIL,		/* a fix on this machine makes it work */
	ST_UNSUPPORTED,		/* the hardware or device cannot */
	ST_SKIP,		/* does not apply, or nothing to look at */
};

struct check {
	const char *name;
	enum check_status status;
	char detail[320];
	char fix[512];
};

#define DOCTOR_MAX_CHECKS 24

struct doctor {
	/* gathered */
	bool have_dev;			/* DEV given and found */
	struct pasid_devinfo info;
	struct usability use;
	int ctx_err;			/* pasid_ctx_open (iommufd) */
	char ctx_msg[512];
	bool probed;			/* the device was opened, or tried */
	int dev_err;			/* pasid_dev_open + caps */
	struct pasid_caps caps;
	int bind_err;			/* the PASID bind probe */
	int bound_pasid;
	char dev_msg[512];		/* the library's message of either */
	/* judged */
	struct check checks[DOCTOR_MAX_CHECKS];
	size_t n;
	int exit;
};

void doctor_add(struct doctor *dr, const char *name, enum check_status st,
		const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

void doctor_intel_sm(struct doctor *dr);
void doctor_irq_remapping(struct doctor *dr);
void doctor_memlock(struct doctor *dr, uint64_t want);
void doctor_group(struct doctor *dr);
void doctor_pasid(struct doctor *dr);
/* dr->exit: 1 when a check failed, else 3 when one is unsupported, else 0 */
void doctor_judge_exit(struct doctor *dr);

#endif
