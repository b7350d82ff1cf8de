/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Event queues (drivers/iommu/iommufd/eventq.c in 7.3): FAULT objects
 * (IOMMU_FAULT_QUEUE_ALLOC) whose fd delivers I/O page requests as struct
 * iommu_hwpt_pgfault records and takes struct iommu_hwpt_page_response
 * writes, and VEVENTQ objects (IOMMU_VEVENTQ_ALLOC) whose fd delivers a
 * vIOMMU's events, each a struct iommufd_vevent_header and the SMMUv3
 * record. What reports into them is the DMA model's fault path
 * (emu_dma_fault) and emu_vevent_inject.
 *
 * Kernel rules modelled: the fd holds a user of its object (IOMMU_DESTROY
 * EBUSY until it is closed) and the context; reads at a non-zero position
 * or of a count that is no multiple of the record (FAULT) are ESPIPE;
 * only whole records (a whole fault group) are read, 0 when none is
 * queued, EINVAL when the first does not fit; a response with an unknown code or cookie is EINVAL,
 * after the ones before it were taken; a vEVENTQ is one per type per
 * vIOMMU (EEXIST), depth 0 or above 2^19 is EINVAL, its fd has no write
 * (EINVAL), a read shorter than a header or than the first event EINVAL;
 * events
 * past the depth are lost: the queue's tail is then a LOST_EVENTS header
 * carrying the last lost sequence number, removed again when the next
 * event is queued (the sequence gap tells); sequence numbers wrap at
 * INT_MAX.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "emu-internal.h"

/* VEVENTQ_MAX_DEPTH of 7.3's eventq.c */
#define EMU_VEVENTQ_MAX_DEPTH (1u << 19)

struct emu_pgreq {
	struct kabi_iommu_hwpt_pgfault rec;
	struct emu_obj *hwpt;	/* the fault-capable HWPT it came through */
	struct emu_dev *dev;
};

struct emu_vevent {
	struct kabi_iommufd_vevent_header hdr;
	uint64_t evt[4];	/* none for a LOST_EVENTS header */
};

struct emu_eventq {
	/* FAULT: delivered and unread, read and waiting for a response */
	struct emu_pgreq *queued, *waiting;
	size_t nqueued, queued_cap, nwaiting, waiting_cap;
	uint32_t grpid;
	unsigned int answered;
	uint32_t last_code;
	/* VEVENTQ */
	uint32_t type, depth, sequence;
	struct emu_vevent *ev;
	size_t nev, ev_cap;
	bool lost_at_tail;
	unsigned int num_events;
};

void emu_eventq_free(struct emu_obj *obj)
{
	if (obj->type == EMU_OBJ_VEVENTQ)
		obj->viommu->users--;
	if (obj->eq) {
		free(obj->eq->queued);
		free(obj->eq->waiting);
		free(obj->eq->ev);
		free(obj->eq);
	}
	emu_obj_free(obj);
}

/* The object, its queue and the fd that holds both (iommufd_eventq_init). */
static int eventq_new(struct emu_ctx *ctx, enum emu_obj_type type,
		      struct emu_obj **objp)
{
	struct emu_obj *obj = emu_obj_alloc(ctx, type);
	struct emu_file *file;
	int fd;

	if (!obj)
		return -ENOMEM;
	obj->eq = calloc(1, sizeof(*obj->eq));
	file = calloc(1, sizeof(*file));
	if (!obj->eq || !file) {
		free(file);
		emu_eventq_free(obj);
		return -ENOMEM;
	}
	file->kind = EMU_FILE_EVENTQ;
	file->eventq = obj;
	file->ctx = ctx;
	fd = emu_fd_install(file);
	if (fd < 0) {
		free(file);
		emu_eventq_free(obj);
		return fd;
	}
	obj->users++;
	emu_ctx_get(ctx);
	*objp = obj;
	return fd;
}

void emu_eventq_release(struct emu_file *file)
{
	file->eventq->users--;
	emu_ctx_put(file->ctx);
}

int emu_fault_alloc(struct emu_ctx *ctx, struct emu_ucmd *u)
{
	struct kabi_iommu_fault_alloc *cmd = u->cmd;
	struct emu_obj *obj;
	int fd;

	if (cmd->flags)
		return -EOPNOTSUPP;
	fd = eventq_new(ctx, EMU_OBJ_FAULT, &obj);
	if (fd < 0)
		return fd;
	cmd->out_fault_id = obj->id;
	cmd->out_fault_fd = (uint32_t)fd;
	return emu_respond(u);
}

static struct emu_obj *veventq_of(const struct emu_obj *viommu, uint32_t type)
{
	struct emu_ctx *ctx = viommu->ctx;
	size_t i;

	for (i = 1; i < ctx->objs_cap; i++) {
		struct emu_obj *o = ctx->objs[i];

		if (o && o->type == EMU_OBJ_VEVENTQ && o->viommu == viommu &&
		    o->eq->type == type)
			return o;
	}
	return NULL;
}

int emu_veventq_alloc(struct emu_ctx *ctx, struct emu_ucmd *u)
{
	struct kabi_iommu_veventq_alloc *cmd = u->cmd;
	struct emu_obj *viommu, *obj;
	int fd;

	if (cmd->flags || cmd->__reserved ||
	    cmd->type == KABI_IOMMU_VEVENTQ_TYPE_DEFAULT)
		return -EOPNOTSUPP;
	if (!cmd->veventq_depth || cmd->veventq_depth > EMU_VEVENTQ_MAX_DEPTH)
		return -EINVAL;
	viommu = emu_obj_find(ctx, cmd->viommu_id, EMU_OBJ_VIOMMU);
	if (!viommu)
		return -ENOENT;
	if (veventq_of(viommu, cmd->type))
		return -EEXIST;
	fd = eventq_new(ctx, EMU_OBJ_VEVENTQ, &obj);
	if (fd < 0)
		return fd;
	obj->viommu = viommu;
	viommu->users++;
	obj->eq->type = cmd->type;
	obj->eq->depth = cmd->veventq_depth;
	cmd->out_veventq_id = obj->id;
	cmd->out_veventq_fd = (uint32_t)fd;
	return emu_respond(u);
}

/* ---- page requests ----------------------------------------------------- */

static int pgreq_push(struct emu_pgreq **arr, size_t *n, size_t *cap,
		      const struct emu_pgreq *r)
{
	if (emu_grow((void **)arr, cap, *n, sizeof(**arr)))
		return -ENOMEM;
	(*arr)[(*n)++] = *r;
	return 0;
}

/* xa_alloc in XA_FLAGS_ALLOC1: the lowest cookie no waiting group has. */
static uint32_t free_cookie(const struct emu_eventq *q)
{
	uint32_t c;
	size_t i;

	for (c = 1;; c++) {
		for (i = 0; i < q->nwaiting && q->waiting[i].rec.cookie != c; i++)
			;
		if (i == q->nwaiting)
			return c;
	}
}

static ssize_t fault_read(struct emu_eventq *q, void *buf, size_t len)
{
	const size_t sz = sizeof(struct kabi_iommu_hwpt_pgfault);
	size_t done = 0;

	if (len % sz)
		return -ESPIPE;
	/* every group is one request here: whole groups only; a first
	 * group that does not fit is EINVAL (7.3) */
	if (q->nqueued && len < sz)
		return -EINVAL;
	while (q->nqueued && len - done >= sz) {
		struct emu_pgreq r = q->queued[0];

		r.rec.cookie = free_cookie(q);
		if (pgreq_push(&q->waiting, &q->nwaiting, &q->waiting_cap, &r))
			return done ? (ssize_t)done : -ENOMEM;
		memcpy((uint8_t *)buf + done, &r.rec, sz);
		done += sz;
		memmove(q->queued, q->queued + 1,
			--q->nqueued * sizeof(*q->queued));
	}
	return (ssize_t)done;
}

static ssize_t fault_write(struct emu_eventq *q, const void *buf, size_t len)
{
	const size_t sz = sizeof(struct kabi_iommu_hwpt_page_response);
	size_t done = 0, i;
	int rc = 0;

	if (len % sz)
		return -ESPIPE;
	while (done < len) {
		struct kabi_iommu_hwpt_page_response resp;

		memcpy(&resp, (const uint8_t *)buf + done, sz);
		if (resp.code != KABI_IOMMUFD_PAGE_RESP_SUCCESS &&
		    resp.code != KABI_IOMMUFD_PAGE_RESP_INVALID) {
			rc = -EINVAL;
			break;
		}
		for (i = 0; i < q->nwaiting &&
			    q->waiting[i].rec.cookie != resp.cookie; i++)
			;
		if (i == q->nwaiting) {
			rc = -EINVAL;
			break;
		}
		q->waiting[i] = q->waiting[--q->nwaiting];
		q->answered++;
		q->last_code = resp.code;
		done += sz;
	}
	return done ? (ssize_t)done : rc;
}

/* ---- vEVENTs ----------------------------------------------------------- */

static ssize_t vevent_read(struct emu_eventq *q, void *buf, size_t len)
{
	const size_t hsz = sizeof(struct kabi_iommufd_vevent_header);
	const size_t dsz = sizeof(struct kabi_iommu_vevent_arm_smmuv3);
	size_t done = 0;

	/* 7.3: at least a header, and a first event that fits */
	if (len < hsz)
		return -EINVAL;
	while (q->nev) {
		struct emu_vevent *e = &q->ev[0];
		bool lost = e->hdr.flags & KABI_IOMMU_VEVENTQ_FLAG_LOST_EVENTS;
		size_t need = hsz + (lost ? 0 : dsz);

		if (len - done < need) {
			if (!done)
				return -EINVAL;
			break;
		}
		memcpy((uint8_t *)buf + done, &e->hdr, hsz);
		if (!lost)
			memcpy((uint8_t *)buf + done + hsz, e->evt, dsz);
		done += need;
		if (lost)
			q->lost_at_tail = false;
		else
			q->num_events--;
		memmove(q->ev, q->ev + 1, --q->nev * sizeof(*q->ev));
	}
	return (ssize_t)done;
}

/* iommufd_viommu_report_event + iommufd_vevent_handler */
static int vevent_queue(struct emu_eventq *q, const uint64_t evt[4])
{
	bool full = q->num_events == q->depth;
	struct emu_vevent e = { .hdr.sequence = q->sequence };

	if (EMU_GROW(q->ev, q->ev_cap, q->nev))
		return -ENOMEM;
	if (q->lost_at_tail) {	/* the tail header goes, the new node comes */
		q->nev--;
		q->lost_at_tail = false;
	}
	if (full) {
		e.hdr.flags = KABI_IOMMU_VEVENTQ_FLAG_LOST_EVENTS;
		q->lost_at_tail = true;
	} else {
		memcpy(e.evt, evt, sizeof(e.evt));
		q->num_events++;
	}
	q->ev[q->nev++] = e;
	q->sequence = (q->sequence + 1) & INT_MAX;
	return 0;
}

/* SMMUv3 event record fields (IHI 0070 "Event records"; the Linux
 * driver's EVTQ_*): word 0 type 7:0, SSV 11, SubstreamID 31:12, StreamID
 * 63:32; word 1 RnW 35; word 2 the input address */
#define EVT0_F_TRANSLATION	0x10ULL
#define EVT0_SSV		(1ULL << 11)
#define EVT0_SSID_SHIFT		12
#define EVT0_SID_SHIFT		32
#define EVT1_RNW		(1ULL << 35)

static struct emu_obj *vdevice_of_dev(struct emu_obj *viommu,
				      const struct emu_dev *dev)
{
	struct emu_ctx *ctx = viommu->ctx;
	size_t i;

	for (i = 1; i < ctx->objs_cap; i++) {
		struct emu_obj *o = ctx->objs[i];

		if (o && o->type == EMU_OBJ_VDEVICE && o->viommu == viommu &&
		    o->dev == dev)
			return o;
	}
	return NULL;
}

/* arm_vmaster_report_event: the vSID replaces the StreamID */
static int report_vevent(struct emu_obj *viommu, const struct emu_dev *dev,
			 const uint64_t evt[4])
{
	struct emu_obj *vdev = dev ? vdevice_of_dev(viommu, dev) : NULL;
	struct emu_obj *q = veventq_of(viommu,
				       KABI_IOMMU_VEVENTQ_TYPE_ARM_SMMUV3);
	uint64_t e[4];

	if (!q)
		return -EOPNOTSUPP;
	memcpy(e, evt, sizeof(e));
	if (vdev)
		e[0] = (e[0] & 0xffffffffULL) | (vdev->virt_id << EVT0_SID_SHIFT);
	return vevent_queue(q->eq, e);
}

int emu_vevent_inject(uint32_t viommu_id, const uint64_t evt[4])
{
	struct emu_obj *v;
	int ret = -ENOENT;

	pthread_mutex_lock(&emu.lock);
	v = emu_obj_lookup(viommu_id, EMU_OBJ_VIOMMU);
	if (v)
		ret = report_vevent(v, NULL, evt);
	pthread_mutex_unlock(&emu.lock);
	return ret;
}

/* ---- the hardware's reports -------------------------------------------- */

/*
 * Which faults become page requests: the fault-capable HWPT's device must
 * have had I/O page faults enabled at the attach (emu-device.c refuses the
 * attach otherwise, as VT-d's does). The Linux SMMUv3 driver has no PCI PRI
 * (only stall-capable platform devices get page faults): it reports a
 * nested device's stage-1 faults as vEVENTs instead, and stage-2 faults to
 * the host only (arm_smmu_handle_event: !event->s2).
 */
int emu_dma_fault(struct emu_dev *dev, struct emu_obj *attached,
		  uint32_t pasid, uint64_t iova, bool write, int err)
{
	const uint64_t page = iova & ~(EMU_PAGE_SIZE - 1);

	if (!attached)
		return err;
	if (dev->cfg.iommu == EMU_IOMMU_SMMUV3) {
		uint64_t evt[4] = { 0 };

		/* a translating vSTE's stage-1 is not walked here: the
		 * fault is the stage-1's */
		if (attached->type != EMU_OBJ_HWPT_NESTED || !attached->viommu ||
		    (!pasid && emu_nested_stage2_only(attached)))
			return err;
		evt[0] = EVT0_F_TRANSLATION;
		if (pasid)
			evt[0] |= EVT0_SSV | ((uint64_t)pasid << EVT0_SSID_SHIFT);
		evt[1] = write ? 0 : EVT1_RNW;
		evt[2] = iova;
		report_vevent(attached->viommu, dev, evt);
		return err;
	}
	/* AMD: the PPR queue only for SVA-capable (v2, PASID) tables */
	if (attached->fault && dev->cfg.pri &&
	    (dev->cfg.iommu != EMU_IOMMU_AMD ||
	     (attached->flags & KABI_IOMMU_HWPT_ALLOC_PASID))) {
		struct emu_eventq *q = attached->fault->eq;
		struct emu_pgreq r = {
			.rec = {
				.flags = KABI_IOMMU_PGFAULT_FLAGS_LAST_PAGE |
					 (pasid ? KABI_IOMMU_PGFAULT_FLAGS_PASID_VALID : 0),
				.dev_id = dev->idev->id,
				.pasid = pasid,
				.grpid = q->grpid++ & 0x1ff,	/* PRG index: 9 bits */
				.perm = write ? KABI_IOMMU_PGFAULT_PERM_WRITE :
						KABI_IOMMU_PGFAULT_PERM_READ,
				.addr = page,
			},
			.hwpt = attached,
			.dev = dev,
		};

		if (pgreq_push(&q->queued, &q->nqueued, &q->queued_cap, &r))
			return err;
		return -EAGAIN;
	}
	return err;
}

static void drop_of(struct emu_pgreq *arr, size_t *n, unsigned int *answered,
		    struct emu_obj *hwpt, struct emu_dev *dev)
{
	size_t i = 0;

	while (i < *n) {
		if (arr[i].hwpt == hwpt && arr[i].dev == dev) {
			arr[i] = arr[--*n];
			++*answered;
		} else {
			i++;
		}
	}
}

void emu_fault_detach(struct emu_obj *hwpt, struct emu_dev *dev)
{
	struct emu_eventq *q;

	if (!hwpt->fault)
		return;
	q = hwpt->fault->eq;
	drop_of(q->queued, &q->nqueued, &q->answered, hwpt, dev);
	drop_of(q->waiting, &q->nwaiting, &q->answered, hwpt, dev);
}

ssize_t emu_eventq_rw(struct emu_file *file, void *buf, size_t len, bool write)
{
	struct emu_obj *obj = file->eventq;

	if (obj->type == EMU_OBJ_FAULT)
		return write ? fault_write(obj->eq, buf, len) :
			       fault_read(obj->eq, buf, len);
	if (write)
		return -EINVAL;	/* the vEVENTQ fops have no write */
	return vevent_read(obj->eq, buf, len);
}

int emu_fault_stats(uint32_t fault_id, struct emu_fault_stats *st)
{
	struct emu_obj *f;
	int ret = -ENOENT;

	pthread_mutex_lock(&emu.lock);
	f = emu_obj_lookup(fault_id, EMU_OBJ_FAULT);
	if (f) {
		st->queued = (unsigned int)f->eq->nqueued;
		st->waiting = (unsigned int)f->eq->nwaiting;
		st->answered = f->eq->answered;
		st->last_code = f->eq->last_code;
		ret = 0;
	}
	pthread_mutex_unlock(&emu.lock);
	return ret;
}
