// SPDX-License-Identifier: GPL-2.0
/*
 * A seeded ioctl fuzzer for kvm-irqchip instance and vCPU fds.
 *
 * One thread issues random sequences: opens, creates and closes instances,
 * takes and closes vCPU fds, makes and closes eventfds, and sends every
 * ioctl the fds answer (routing, irqfds with and without resample, EOI
 * eventfds, controller state, guest register accesses to the PICs and the
 * IOAPIC, the vCPU's acknowledge and EOI) with valid, boundary and garbage
 * arguments, bad pointers and wrong fds.  A second thread keeps writing the eventfds.
 * Every ioctl must answer with success or one of the errnos api.rst lists
 * for that ioctl on that kind of fd (the table errno_rows[] below, one row
 * per ioctl and fd kind, each naming its api.rst section); at the end every
 * fd is closed and the module must hold no instance and no irqfd.
 *
 * Env: KIC_FUZZ_IOCTLS (default 100000), KIC_FUZZ_SECONDS (default 120),
 * KIC_FUZZ_SEED (replay a run; printed at the start and the end).
 * Splats are counted from the kernel log; the harness also fails on them.
 */
#define _GNU_SOURCE		/* strerrorname_np() */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <time.h>

#include "kic_x86_util.h"
#include "kselftest_harness.h"

#define NR_INST		4
#define NR_VCPUFD	8
#define NR_EFD		16

/*
 * What an fd number is when an ioctl is sent to it.  Only the main thread
 * opens and closes fds, so its arrays say exactly what each number is.
 */
enum fd_kind {
	K_CLOSED,	/* not an open fd: the kernel answers EBADF */
	K_FOREIGN,	/* an open fd that is not ours (an eventfd): ENOTTY */
	K_NEW,		/* an instance before KVM_IRQCHIP_CREATE (api.rst 3.0) */
	K_X86,		/* an x86 instance */
	K_X86_VCPU,	/* a vCPU fd of an x86 instance */
	K_OTHER,	/* an instance or vCPU fd of another model */
	K_NR
};

#define ON(k)	(1u << (k))

static const char *const kind_name[K_NR] = {
	[K_CLOSED] = "closed fd", [K_FOREIGN] = "eventfd",
	[K_NEW] = "unconfigured instance", [K_X86] = "x86 instance",
	[K_X86_VCPU] = "x86 vCPU fd", [K_OTHER] = "non-x86 instance or vCPU fd",
};

/*
 * The errnos Documentation/virt/kvm-irqchip/api.rst lists for each ioctl,
 * by the kind of fd it is sent to; @doc is the section that lists them.
 * A request with no row for an fd of ours is unknown there: ENOTTY (1.4,
 * 3.0).  A new ioctl or capability adds a row (or an errno to a row) here
 * and in api.rst together.  Instances of the other models (and their vCPU
 * fds) follow gicv3.rst and xics.rst, which their own tests check: here
 * their answers are only held to the errnos of the whole table.
 */
#define NR_ERRS	10
struct errno_row {
	unsigned long req;
	const char *name;
	unsigned int on;	/* ON(kind) bits */
	const char *doc;
	int errs[NR_ERRS];	/* 0-terminated */
};

#define ROW(req, on, doc, ...)	{ req, #req, on, doc, { __VA_ARGS__ } }

static const struct errno_row errno_rows[] = {
	/* api.rst 3.0: before KVM_IRQCHIP_CREATE */
	ROW(KVM_IRQCHIP_CREATE, ON(K_NEW), "3.1, 3.14",
	    EFAULT, EINVAL, ENODEV, EEXIST, ENOMEM,
	    EBADF, ENXIO, EOPNOTSUPP),
	ROW(KVM_CHECK_EXTENSION, ON(K_NEW) | ON(K_X86), "3.2", 0),
	ROW(KVM_SET_GSI_ROUTING, ON(K_NEW), "3.0", EINVAL),
	ROW(KVM_SIGNAL_MSI, ON(K_NEW), "3.0", EINVAL),
	ROW(KVM_IRQFD, ON(K_NEW), "3.0", EINVAL),
	ROW(KVM_IRQCHIP_ROUTE_BATCH, ON(K_NEW), "3.0", EINVAL),
	ROW(KVM_ENABLE_CAP, ON(K_NEW), "3.0", ENXIO),
	ROW(KVM_IRQ_LINE, ON(K_NEW), "3.0", ENXIO),
	ROW(KVM_IRQ_LINE_STATUS, ON(K_NEW), "3.0", ENXIO),
	ROW(KVM_GET_IRQCHIP, ON(K_NEW), "3.0", ENXIO),
	ROW(KVM_SET_IRQCHIP, ON(K_NEW), "3.0", ENXIO),
	ROW(KVM_IRQCHIP_GET_VCPU_FD, ON(K_NEW), "3.0", ENXIO),
	ROW(KVM_IRQCHIP_GET_COUNTERS, ON(K_NEW), "3.0", ENXIO),
	ROW(KVM_IRQCHIP_IO, ON(K_NEW), "3.0", ENXIO),
	ROW(KVM_IRQCHIP_EOIFD, ON(K_NEW), "3.0", ENXIO),
	ROW(KVM_IRQCHIP_EOI, ON(K_NEW), "3.0", ENXIO),
	ROW(KVM_IRQCHIP_GET_GSI_COUNTERS, ON(K_NEW), "3.0", ENXIO),
	ROW(KVM_IRQCHIP_GET_PENDING, ON(K_NEW), "3.0", ENXIO),

	/* api.rst 3.1-3.19: an x86 instance */
	ROW(KVM_IRQCHIP_CREATE, ON(K_X86), "3.1", EEXIST),
	ROW(KVM_ENABLE_CAP, ON(K_X86), "3.3", EFAULT, EINVAL),
	ROW(KVM_SET_GSI_ROUTING, ON(K_X86), "3.4", EFAULT, EINVAL, ENOMEM),
	ROW(KVM_IRQFD, ON(K_X86), "3.5",
	    EFAULT, EINVAL, EBADF, EBUSY, ENOMEM),
	ROW(KVM_SIGNAL_MSI, ON(K_X86), "3.6", EFAULT, EINVAL, EPERM),
	ROW(KVM_IRQ_LINE, ON(K_X86), "3.7", EFAULT),
	ROW(KVM_IRQ_LINE_STATUS, ON(K_X86), "3.8", EFAULT),
	ROW(KVM_GET_IRQCHIP, ON(K_X86), "3.9", EFAULT, EINVAL),
	ROW(KVM_SET_IRQCHIP, ON(K_X86), "3.9", EFAULT, EINVAL),
	ROW(KVM_IRQCHIP_IO, ON(K_X86), "3.10", EFAULT, EINVAL, ENXIO),
	ROW(KVM_IRQCHIP_EOIFD, ON(K_X86), "3.11",
	    EFAULT, EINVAL, EBADF, EBUSY, ENOENT, ENOMEM),
	ROW(KVM_IRQCHIP_EOI, ON(K_X86), "3.12", EFAULT, EINVAL),
	ROW(KVM_IRQCHIP_GET_VCPU_FD, ON(K_X86), "3.13",
	    EINVAL, EMFILE, ENFILE, ENOMEM),
	ROW(KVM_IRQCHIP_GET_COUNTERS, ON(K_X86), "3.15", EFAULT),
	ROW(KVM_IRQCHIP_ROUTE_BATCH, ON(K_X86), "3.16",
	    EFAULT, EINVAL, ENOENT, ENOSPC, ENOMEM),
	ROW(KVM_IRQCHIP_GET_PENDING, ON(K_X86), "3.17", EINVAL, EFAULT, ENOMEM),
	ROW(KVM_IRQCHIP_GET_GSI_COUNTERS, ON(K_X86), "3.18",
	    EINVAL, EFAULT, ENOMEM),
	ROW(KVM_GET_STATS_FD, ON(K_NEW) | ON(K_X86) | ON(K_X86_VCPU), "3.19", 0),

	/* api.rst 4.1-4.7: a vCPU fd of an x86 instance */
	ROW(KVM_GET_LAPIC, ON(K_X86_VCPU), "4.1", EFAULT, ENOMEM),
	ROW(KVM_SET_LAPIC, ON(K_X86_VCPU), "4.2", EFAULT, EINVAL, ENOMEM),
	ROW(KVM_IRQCHIP_VCPU_ACK, ON(K_X86_VCPU), "4.3", EFAULT, EINVAL, EAGAIN),
	ROW(KVM_IRQCHIP_VCPU_EOI, ON(K_X86_VCPU), "4.4", EFAULT, EINVAL),
	ROW(KVM_IRQCHIP_VCPU_GET_EVENTS, ON(K_X86_VCPU), "4.5", EFAULT),
	ROW(KVM_IRQCHIP_X86_GET_VCPU_STATE, ON(K_X86_VCPU), "4.6", EFAULT),
	ROW(KVM_IRQCHIP_X86_SET_VCPU_STATE, ON(K_X86_VCPU), "4.7",
	    EFAULT, EINVAL),
};

/* An answer outside the table, counted once per (request, kind, errno). */
#define NR_ODD	32
struct odd {
	unsigned long req;
	int kind, err;
	unsigned long count;
};

struct fuzz {
	uint64_t rng;		/* xorshift64* state */
	int inst[NR_INST];
	uint32_t inst_model[NR_INST];	/* 0 until created */
	int vcpu[NR_VCPUFD];
	uint32_t vcpu_model[NR_VCPUFD];
	atomic_int efd[NR_EFD];
	int closed;		/* a number that was closed: EBADF material */
	void *bad;		/* a page that faults */
	uint64_t ioctls, succeeded, unexpected;
	struct odd odd[NR_ODD];
	unsigned int nr_odd;
	atomic_bool stop;
};

static uint64_t rnd(struct fuzz *f)
{
	/* xorshift64*: small, seedable, good enough to drive a fuzzer */
	f->rng ^= f->rng >> 12;
	f->rng ^= f->rng << 25;
	f->rng ^= f->rng >> 27;
	return f->rng * 0x2545f4914f6cdd1dull;
}

static uint32_t below(struct fuzz *f, uint32_t n)
{
	return n ? rnd(f) % n : 0;
}

static bool chance(struct fuzz *f, unsigned int pct)
{
	return below(f, 100) < pct;
}

/* Interesting 32-bit values: boundaries first, then anything. */
static uint32_t val32(struct fuzz *f)
{
	static const uint32_t v[] = { 0, 1, 2, 3, 7, 8, 15, 16, 23, 24, 255,
		256, 4095, 4096, 4097, 0x7fffffff, 0x80000000, 0xffffffff,
		0xfee00000, 0xfee0f00c, 0xfeeff000 };

	if (chance(f, 60))
		return v[below(f, ARRAY_SIZE(v))];
	return rnd(f);
}

static void fill(struct fuzz *f, void *p, size_t n)
{
	uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		b[i] = rnd(f);
}

/* Some fd: one of ours, a closed number, or nonsense. */
static int any_fd(struct fuzz *f)
{
	switch (below(f, 6)) {
	case 0:
		return f->inst[below(f, NR_INST)];
	case 1:
		return f->vcpu[below(f, NR_VCPUFD)];
	case 2:
	case 3:
		return atomic_load(&f->efd[below(f, NR_EFD)]);
	case 4:
		return f->closed;
	default:
		return chance(f, 50) ? -1 : 100000;
	}
}

/* The argument pointer: the struct, NULL, a faulting page, or garbage. */
static void *arg_ptr(struct fuzz *f, void *good)
{
	switch (below(f, 20)) {
	case 0:
		return NULL;
	case 1:
		return f->bad;
	case 2:
		return (void *)0xffff888000000000ull;	/* kernel address */
	default:
		return good;
	}
}

/* What @fd is now (for an instance or vCPU fd, by its model). */
static enum fd_kind fd_kind(const struct fuzz *f, int fd)
{
	int i;

	if (fd < 0)
		return K_CLOSED;
	for (i = 0; i < NR_INST; i++)
		if (f->inst[i] == fd)
			return !f->inst_model[i] ? K_NEW :
			       f->inst_model[i] == KVM_IRQCHIP_MODEL_X86 ? K_X86 : K_OTHER;
	for (i = 0; i < NR_VCPUFD; i++)
		if (f->vcpu[i] == fd)
			return f->vcpu_model[i] == KVM_IRQCHIP_MODEL_X86 ?
			       K_X86_VCPU : K_OTHER;
	for (i = 0; i < NR_EFD; i++)
		if (atomic_load(&f->efd[i]) == fd)
			return K_FOREIGN;
	return K_CLOSED;
}

static const struct errno_row *errno_row(unsigned long req, enum fd_kind k)
{
	for (size_t i = 0; i < ARRAY_SIZE(errno_rows); i++)
		if (errno_rows[i].req == req && errno_rows[i].on & ON(k))
			return &errno_rows[i];
	return NULL;
}

static bool row_has(const struct errno_row *row, int e)
{
	for (int i = 0; i < NR_ERRS && row->errs[i]; i++)
		if (row->errs[i] == e)
			return true;
	return false;
}

/* Is @e an answer api.rst documents for @req on an fd of kind @k? */
static bool errno_allowed(unsigned long req, enum fd_kind k, int e)
{
	const struct errno_row *row;

	switch (k) {
	case K_CLOSED:
		return e == EBADF;
	case K_FOREIGN:
		return e == ENOTTY;
	case K_OTHER:
		if (e == ENOTTY)
			return true;
		for (size_t i = 0; i < ARRAY_SIZE(errno_rows); i++)
			if (row_has(&errno_rows[i], e))
				return true;
		return false;
	default:
		row = errno_row(req, k);
		return row ? row_has(row, e) : e == ENOTTY;
	}
}

static const char *req_name(unsigned long req)
{
	for (size_t i = 0; i < ARRAY_SIZE(errno_rows); i++)
		if (errno_rows[i].req == req)
			return errno_rows[i].name;
	return "unknown request";
}

static void note_unexpected(struct fuzz *f, unsigned long req, int kind, int e)
{
	unsigned int i;

	f->unexpected++;
	for (i = 0; i < f->nr_odd; i++)
		if (f->odd[i].req == req && f->odd[i].kind == kind &&
		    f->odd[i].err == e)
			break;
	if (i == f->nr_odd) {
		if (i == NR_ODD)
			return;
		f->odd[f->nr_odd++] = (struct odd){ .req = req, .kind = kind, .err = e };
	}
	f->odd[i].count++;
}

/* Send one ioctl and hold its answer to the table; returns its result. */
static long do_ioctl(struct fuzz *f, int fd, unsigned long req, void *arg)
{
	enum fd_kind k = fd_kind(f, fd);
	long r = ioctl(fd, req, arg);
	int e = errno;

	f->ioctls++;
	if (r >= 0)
		f->succeeded++;
	else if (!errno_allowed(req, k, e))
		note_unexpected(f, req, k, e);
	/* a stats fd (also from a random request of the same number) */
	if (r >= 0 && req == KVM_GET_STATS_FD)
		close(r);
	errno = e;
	return r;
}

static void print_unexpected(const struct fuzz *f)
{
	for (unsigned int i = 0; i < f->nr_odd; i++) {
		const struct odd *o = &f->odd[i];
		const struct errno_row *row = NULL;
		char allowed[128] = "";
		size_t n = 0;

		if (o->kind != K_CLOSED && o->kind != K_FOREIGN && o->kind != K_OTHER)
			row = errno_row(o->req, o->kind);
		for (int j = 0; row && j < NR_ERRS && row->errs[j]; j++)
			n += snprintf(allowed + n, sizeof(allowed) - n, " %s",
				      strerrorname_np(row->errs[j]) ?: "?");
		printf("# unexpected: %s (0x%lx) on %s: %s, %lu times; api.rst %s lists:%s\n",
		       req_name(o->req), o->req, kind_name[o->kind],
		       strerrorname_np(o->err) ?: "?", o->count,
		       row ? row->doc : (o->kind == K_CLOSED ? "(none: EBADF)" :
					 o->kind == K_OTHER ? "(any in the table)" :
					 "(none: ENOTTY)"),
		       row ? (allowed[0] ? allowed : " nothing") : "");
	}
	if (f->nr_odd == NR_ODD)
		printf("# unexpected: more kinds not listed\n");
}

static void fuzz_entry(struct fuzz *f, struct kvm_irq_routing_entry *e)
{
	e->gsi = chance(f, 80) ? below(f, 32) : val32(f);
	e->type = chance(f, 80) ? 1 + below(f, 2) : below(f, 8);
	e->flags = chance(f, 80) ? 0 : below(f, 4);
	if (e->type == KVM_IRQ_ROUTING_IRQCHIP && chance(f, 80)) {
		e->u.irqchip.irqchip = below(f, 4);
		e->u.irqchip.pin = below(f, 26);
	} else if (chance(f, 70)) {
		e->u.msi.address_lo = 0xfee00000 | below(f, 0x100000);
		e->u.msi.address_hi = chance(f, 80) ? 0 : val32(f);
		e->u.msi.data = rnd(f) & 0xc7ff;
	} else {
		fill(f, &e->u, sizeof(e->u));
	}
}

static void fuzz_routing(struct fuzz *f, int fd)
{
	uint32_t nr = chance(f, 90) ? below(f, 9) : val32(f) % 4100;
	struct kvm_irq_routing *rt;
	size_t n = nr < 64 ? nr : 64;	/* a short buffer for big nr: EFAULT */

	rt = calloc(1, sizeof(*rt) + (n + 1) * sizeof(rt->entries[0]));
	rt->nr = nr;
	rt->flags = chance(f, 95) ? 0 : val32(f);
	for (size_t i = 0; i < n; i++)
		fuzz_entry(f, &rt->entries[i]);
	if (n < nr)	/* past the buffer: make it fault for real */
		do_ioctl(f, fd, KVM_SET_GSI_ROUTING, f->bad);
	else
		do_ioctl(f, fd, KVM_SET_GSI_ROUTING, arg_ptr(f, rt));
	free(rt);
}

/* KVM_IRQCHIP_ROUTE_BATCH: a few ops of any kind over a few entries. */
static void fuzz_route_batch(struct fuzz *f, int fd)
{
	struct kvm_irqchip_route_op ops[4];
	struct kvm_irq_routing_entry ents[6];
	struct kvm_irqchip_route_batch b = {
		.nr_ops = below(f, ARRAY_SIZE(ops) + 1),
		.nr_entries = below(f, ARRAY_SIZE(ents) + 1),
		/* SYNC waits for a grace period: rarely, to keep the pace */
		.flags = chance(f, 95) ? chance(f, 10) : val32(f),
		.ops = (uintptr_t)ops,
		.entries = (uintptr_t)ents,
	};

	memset(ents, 0, sizeof(ents));
	for (unsigned int i = 0; i < ARRAY_SIZE(ops); i++) {
		ops[i].op = chance(f, 90) ? 1 + below(f, 4) : val32(f);
		ops[i].gsi = chance(f, 80) ? below(f, 32) : val32(f);
		ops[i].first = chance(f, 90) ? below(f, ARRAY_SIZE(ents)) : val32(f);
		ops[i].nr = chance(f, 90) ? below(f, 4) : val32(f);
		if (ops[i].op != KVM_IRQCHIP_ROUTE_OP_SET && chance(f, 80)) {
			ops[i].first = 0;
			ops[i].nr = 0;
		}
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(ents); i++) {
		fuzz_entry(f, &ents[i]);
		if (chance(f, 80))	/* mostly the GSI of some op */
			ents[i].gsi = ops[below(f, ARRAY_SIZE(ops))].gsi;
	}
	if (chance(f, 5))
		b.reserved[below(f, 2)] = 1;
	if (chance(f, 5)) {	/* counts past the arrays: only faulting memory */
		b.nr_ops = val32(f);
		b.ops = (uintptr_t)f->bad;
	}
	if (chance(f, 5)) {
		b.nr_entries = val32(f);
		b.entries = (uintptr_t)f->bad;
	}
	do_ioctl(f, fd, KVM_IRQCHIP_ROUTE_BATCH, arg_ptr(f, &b));
}

/* GET_PENDING and GET_GSI_COUNTERS: a range, the output big enough. */
static void fuzz_gsi_range(struct fuzz *f, int fd)
{
	static struct kvm_irqchip_gsi_counters out[64];
	struct kvm_irqchip_gsi_range g = {
		.first = chance(f, 80) ? below(f, 40) : val32(f),
		.nr = chance(f, 90) ? below(f, ARRAY_SIZE(out) + 1) : val32(f),
		.flags = chance(f, 90) ? below(f, 2) : val32(f),
		.addr = (uintptr_t)out,
	};

	if (chance(f, 5))
		g.pad = 1;
	if (chance(f, 5))
		g.reserved[below(f, 2)] = 1;
	if (g.nr > ARRAY_SIZE(out) || chance(f, 5))	/* no overrun of out */
		g.addr = chance(f, 50) ? (uintptr_t)f->bad : 0;
	do_ioctl(f, fd, chance(f, 50) ? KVM_IRQCHIP_GET_PENDING :
		 KVM_IRQCHIP_GET_GSI_COUNTERS, arg_ptr(f, &g));
}

/* The instance slot of @fd, or -1. */
static int inst_slot(const struct fuzz *f, int fd)
{
	for (int i = 0; fd >= 0 && i < NR_INST; i++)
		if (f->inst[i] == fd)
			return i;
	return -1;
}

static void fuzz_instance_ioctl(struct fuzz *f, int fd)
{
	union {
		struct kvm_irqchip_create c;
		struct kvm_irqfd irqfd;
		struct kvm_msi msi;
		struct kvm_irq_level line;
		struct kvm_enable_cap cap;
		struct kvm_irqchip_counters cnt;
		struct kvm_irqchip chip;
		struct kvm_irqchip_io io;
		struct kvm_irqchip_eoifd eoifd;
		struct kvm_irqchip_eoi eoi;
		uint8_t raw[2048];	/* room for any struct a wrong fd fills */
	} u;
	static const uint32_t caps[] = { KVM_CAP_IRQ_ROUTING, KVM_CAP_IRQFD,
		KVM_CAP_SIGNAL_MSI, KVM_CAP_X2APIC_API, KVM_CAP_IRQFD_RESAMPLE,
		KVM_IRQCHIP_CAP_MODELS, KVM_IRQCHIP_CAP_X86_EXT_DEST_ID,
		KVM_IRQCHIP_CAP_ABI_VERSION, KVM_IRQCHIP_CAP_X86_STRICT, 12345 };

	memset(&u, 0, sizeof(u));
	switch (below(f, 19)) {
	case 0:
		u.c.model = chance(f, 80) ? KVM_IRQCHIP_MODEL_X86 : val32(f);
		u.c.nr_vcpus = chance(f, 80) ? 1 + below(f, 8) : val32(f) % 1100;
		u.c.flags = chance(f, 80) ? below(f, 2) : val32(f);
		if (chance(f, 10))
			fill(f, &u.c, sizeof(u.c));
		if (!do_ioctl(f, fd, KVM_IRQCHIP_CREATE, arg_ptr(f, &u.c)) &&
		    inst_slot(f, fd) >= 0)
			f->inst_model[inst_slot(f, fd)] = u.c.model;
		break;
	case 1:
		fuzz_routing(f, fd);
		break;
	case 2:
	case 3:
		u.irqfd.fd = any_fd(f);
		u.irqfd.gsi = chance(f, 80) ? below(f, 32) : val32(f);
		u.irqfd.flags = chance(f, 70) ? below(f, 2) : below(f, 8);
		u.irqfd.resamplefd = any_fd(f);
		do_ioctl(f, fd, KVM_IRQFD, arg_ptr(f, &u.irqfd));
		break;
	case 4:
		u.msi.address_lo = 0xfee00000 | below(f, 0x100000);
		u.msi.address_hi = chance(f, 80) ? 0 : val32(f);
		u.msi.data = chance(f, 80) ? (rnd(f) & 0xc7ff) : val32(f);
		u.msi.flags = chance(f, 80) ? 0 : below(f, 4);
		u.msi.devid = val32(f);
		do_ioctl(f, fd, KVM_SIGNAL_MSI, arg_ptr(f, &u.msi));
		break;
	case 5:
		u.line.irq = chance(f, 80) ? below(f, 32) : val32(f);
		u.line.level = below(f, 3);
		do_ioctl(f, fd, chance(f, 50) ? KVM_IRQ_LINE : KVM_IRQ_LINE_STATUS,
			 arg_ptr(f, &u.line));
		break;
	case 6:
		u.cap.cap = caps[below(f, ARRAY_SIZE(caps))];
		u.cap.flags = chance(f, 90) ? 0 : val32(f);
		u.cap.args[0] = below(f, 5);
		u.cap.args[1] = chance(f, 90) ? 0 : val32(f);
		do_ioctl(f, fd, KVM_ENABLE_CAP, arg_ptr(f, &u.cap));
		break;
	case 7:
		do_ioctl(f, fd, KVM_CHECK_EXTENSION,
			 (void *)(uintptr_t)caps[below(f, ARRAY_SIZE(caps))]);
		break;
	case 8:
		do_ioctl(f, fd, KVM_IRQCHIP_GET_COUNTERS, arg_ptr(f, &u.cnt));
		break;
	case 9: {
		int i = below(f, NR_VCPUFD), slot = inst_slot(f, fd);
		long r = do_ioctl(f, fd, KVM_IRQCHIP_GET_VCPU_FD,
				  (void *)(uintptr_t)(chance(f, 80) ?
						      below(f, 8) : val32(f)));

		if (r >= 0) {
			if (f->vcpu[i] >= 0)
				close(f->vcpu[i]);
			f->vcpu[i] = r;
			f->vcpu_model[i] = slot >= 0 ? f->inst_model[slot] : 0;
		}
		break;
	}
	case 10:
		u.eoi.vcpu = chance(f, 80) ? below(f, 10) : val32(f);
		u.eoi.vector = chance(f, 90) ? below(f, 300) : val32(f);
		if (chance(f, 5))
			u.eoi.flags = val32(f);
		if (chance(f, 5))
			u.eoi.reserved[below(f, 5)] = val32(f);
		do_ioctl(f, fd, KVM_IRQCHIP_EOI, arg_ptr(f, &u.eoi));
		break;
	case 11:	/* controller state: mostly a real one, a few bytes off */
		u.chip.chip_id = chance(f, 90) ? below(f, 3) : val32(f);
		if (ioctl(fd, KVM_GET_IRQCHIP, &u.chip) || chance(f, 10))
			fill(f, &u.chip.chip, sizeof(u.chip.chip));
		for (int i = below(f, 4); i > 0; i--)
			u.chip.chip.dummy[below(f, 200)] = rnd(f);
		do_ioctl(f, fd, chance(f, 30) ? KVM_GET_IRQCHIP : KVM_SET_IRQCHIP,
			 arg_ptr(f, &u.chip));
		break;
	case 12:
	case 13: {	/* guest register access: the PICs, ELCR, the IOAPIC */
		static const uint64_t where[] = { 0x20, 0x21, 0xa0, 0xa1, 0x4d0,
			0x4d1, 0x22, 0xfec00000, 0xfec00010, 0xfec00020,
			0xfec000fc, 0xfec00100 };

		u.io.addr = chance(f, 85) ? where[below(f, ARRAY_SIZE(where))] :
			    val32(f);
		u.io.flags = chance(f, 90) ? below(f, 4) : val32(f);
		u.io.len = chance(f, 85) ? 1u << below(f, 4) : val32(f);
		u.io.data = chance(f, 50) ? below(f, 0x40) : rnd(f);
		if (chance(f, 3))
			u.io.reserved[below(f, 2)] = 1;
		do_ioctl(f, fd, KVM_IRQCHIP_IO, arg_ptr(f, &u.io));
		break;
	}
	case 14:
		u.eoifd.fd = any_fd(f);
		u.eoifd.gsi = chance(f, 80) ? below(f, 32) : val32(f);
		u.eoifd.flags = chance(f, 90) ? below(f, 2) : val32(f);
		if (chance(f, 5))
			u.eoifd.pad = 1;
		do_ioctl(f, fd, KVM_IRQCHIP_EOIFD, arg_ptr(f, &u.eoifd));
		break;
	case 15:
		fuzz_route_batch(f, fd);
		break;
	case 16:
		fuzz_gsi_range(f, fd);
		break;
	case 17:
		do_ioctl(f, fd, KVM_GET_STATS_FD, NULL);
		break;
	default:	/* a request nobody knows, or a known one on the wrong fd */
		fill(f, u.raw, sizeof(u.raw));
		do_ioctl(f, fd, chance(f, 50) ? KVM_GET_LAPIC :
			 _IOC(below(f, 4), KVMIO, below(f, 256), below(f, 512)),
			 u.raw);
		break;
	}
}

static void fuzz_vcpu_ioctl(struct fuzz *f, int fd)
{
	union {
		struct kvm_lapic_state lapic;
		struct kvm_irqchip_vcpu_ack ack;
		struct kvm_irqchip_vcpu_eoi eoi;
		struct kvm_irqchip_vcpu_events ev;
		struct kvm_irqchip_x86_vcpu_state st;
	} u;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	memset(&u, 0, sizeof(u));
	switch (below(f, 8)) {
	case 0:
		do_ioctl(f, fd, KVM_GET_LAPIC, arg_ptr(f, &u.lapic));
		break;
	case 1:
		/* mostly a real state with a few bytes changed */
		if (ioctl(fd, KVM_GET_LAPIC, &u.lapic))
			fill(f, &u.lapic, sizeof(u.lapic));
		for (int i = below(f, 8); i >= 0; i--)
			u.lapic.regs[below(f, sizeof(u.lapic.regs))] = rnd(f);
		if (chance(f, 50))	/* keep it software-enabled */
			u.lapic.regs[0xf1] |= 1;
		do_ioctl(f, fd, KVM_SET_LAPIC, arg_ptr(f, &u.lapic));
		break;
	case 2:
		if (chance(f, 10))
			u.ack.reserved[0] = val32(f);
		do_ioctl(f, fd, KVM_IRQCHIP_VCPU_ACK, arg_ptr(f, &u.ack));
		break;
	case 3:
		if (chance(f, 10))
			u.eoi.reserved[1] = val32(f);
		do_ioctl(f, fd, KVM_IRQCHIP_VCPU_EOI, arg_ptr(f, &u.eoi));
		break;
	case 4:
		do_ioctl(f, fd, KVM_IRQCHIP_VCPU_GET_EVENTS, arg_ptr(f, &u.ev));
		break;
	case 5:
		do_ioctl(f, fd, KVM_IRQCHIP_X86_GET_VCPU_STATE, arg_ptr(f, &u.st));
		break;
	case 6:
		u.st.apic_base = chance(f, 70) ?
			0xfee00000ull | (below(f, 8) << 9) | (below(f, 2) << 8) :
			rnd(f);
		if (chance(f, 5))
			u.st.reserved[below(f, 7)] = 1;
		do_ioctl(f, fd, KVM_IRQCHIP_X86_SET_VCPU_STATE, arg_ptr(f, &u.st));
		break;
	default:
		poll(&p, 1, 0);
		break;
	}
}

static void fuzz_fds(struct fuzz *f)
{
	int i;

	switch (below(f, 6)) {
	case 0:
		i = below(f, NR_INST);
		if (f->inst[i] >= 0) {
			close(f->inst[i]);
			f->closed = f->inst[i];
		}
		f->inst_model[i] = 0;
		f->inst[i] = open(KIC_DEV, O_RDWR | O_CLOEXEC);
		if (f->inst[i] >= 0 && chance(f, 80)) {
			struct kvm_irqchip_create c = {
				.model = KVM_IRQCHIP_MODEL_X86,
				.nr_vcpus = 1 + below(f, 8),
				/* half with KVM's pins routed, for resample */
				.flags = below(f, 2) ?
					 KVM_IRQCHIP_CREATE_DEFAULT_ROUTING : 0,
			};

			if (!ioctl(f->inst[i], KVM_IRQCHIP_CREATE, &c))
				f->inst_model[i] = c.model;
		}
		break;
	case 1:
		i = below(f, NR_VCPUFD);
		if (f->vcpu[i] >= 0) {
			close(f->vcpu[i]);
			f->closed = f->vcpu[i];
			f->vcpu[i] = -1;
		}
		break;
	default: {
		int old, nfd = new_eventfd();

		i = below(f, NR_EFD);
		old = atomic_exchange(&f->efd[i], nfd);
		if (old >= 0) {
			close(old);	/* maybe bound: EPOLLHUP tears it down */
			f->closed = old;
		}
		break;
	}
	}
}

/* A device thread: keeps signalling whatever eventfds exist. */
static void *writer(void *arg)
{
	struct fuzz *f = arg;
	uint64_t one = 1, x = 88172645463325252ull;

	while (!atomic_load(&f->stop)) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int fd = atomic_load(&f->efd[x % NR_EFD]);

		/* the number may be closed, or reused by a file that refuses */
		if (fd >= 0 && write(fd, &one, sizeof(one)) < 0)
			continue;
	}
	return NULL;
}

static int count_splats(void)
{
	static const char *const pat[] = { "WARNING:", "BUG:", "Oops",
		"KASAN", "possible circular locking", "possible recursive locking",
		"suspicious RCU usage", "sleeping function called", "kmemleak" };
	int n = klogctl(10, NULL, 0), count = 0;	/* SYSLOG_ACTION_SIZE_BUFFER */
	char *buf;

	if (n <= 0)
		return 0;
	buf = calloc(1, n + 1);
	n = klogctl(3, buf, n);			/* SYSLOG_ACTION_READ_ALL */
	for (size_t i = 0; n > 0 && i < ARRAY_SIZE(pat); i++)
		for (char *p = buf; (p = strstr(p, pat[i])); p++)
			count++;
	free(buf);
	return count;
}

static int live_objects(void)
{
	int inst, irqfds;

	if (objects_read(&inst, &irqfds))
		return -1;
	return inst + irqfds;
}

static unsigned long env_ul(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : def;
}

FIXTURE(fuzz) {
};

FIXTURE_SETUP(fuzz)
{
}

FIXTURE_TEARDOWN(fuzz)
{
}

/* The harness' own time limit sits above KIC_FUZZ_SECONDS's ceiling. */
TEST_F_TIMEOUT(fuzz, every_ioctl_answers_documented_errno_and_leaks_nothing,
	       660)
{
	unsigned long max_ioctls = env_ul("KIC_FUZZ_IOCTLS", 100000);
	unsigned long seconds = env_ul("KIC_FUZZ_SECONDS", 120);
	uint64_t seed = env_ul("KIC_FUZZ_SEED", 0), t0;
	int splats0 = count_splats(), splats, i;
	struct fuzz *f = calloc(1, sizeof(*f));
	pthread_t thr;

	if (seconds > 600)
		seconds = 600;
	if (access(KIC_DEV, R_OK | W_OK))
		SKIP(return, "missing kic: no " KIC_DEV);
	if (!seed)
		seed = (uint64_t)time(NULL) * 2654435761u ^ getpid();
	printf("# fuzz: seed %llu (replay with KIC_FUZZ_SEED=%llu)\n",
	       (unsigned long long)seed, (unsigned long long)seed);
	f->rng = seed | 1;
	f->bad = fault_page();
	f->closed = 1000;
	for (i = 0; i < NR_INST; i++)
		f->inst[i] = -1;
	for (i = 0; i < NR_VCPUFD; i++)
		f->vcpu[i] = -1;
	for (i = 0; i < NR_EFD; i++)
		f->efd[i] = -1;
	ASSERT_EQ(0, pthread_create(&thr, NULL, writer, f));

	t0 = now_ms();
	while (f->ioctls < max_ioctls && now_ms() - t0 < seconds * 1000) {
		unsigned int k = below(f, 100);
		int fd;

		if (k < 4) {
			fuzz_fds(f);
		} else if (k < 60) {
			fd = f->inst[below(f, NR_INST)];
			fuzz_instance_ioctl(f, fd >= 0 ? fd : any_fd(f));
		} else if (k < 95) {
			fd = f->vcpu[below(f, NR_VCPUFD)];
			fuzz_vcpu_ioctl(f, fd >= 0 ? fd : any_fd(f));
		} else {
			fuzz_vcpu_ioctl(f, any_fd(f));	/* vCPU requests, wrong fds */
		}
	}

	atomic_store(&f->stop, true);
	pthread_join(thr, NULL);
	for (i = 0; i < NR_INST; i++)
		if (f->inst[i] >= 0)
			close(f->inst[i]);
	for (i = 0; i < NR_VCPUFD; i++)
		if (f->vcpu[i] >= 0)
			close(f->vcpu[i]);
	for (i = 0; i < NR_EFD; i++)
		if (f->efd[i] >= 0)
			close(f->efd[i]);

	splats = count_splats() - splats0;
	printf("# fuzz: %llu ioctls, %.1f s, seed %llu, %d splats\n",
	       (unsigned long long)f->ioctls, (now_ms() - t0) / 1000.0,
	       (unsigned long long)seed, splats);
	printf("# fuzz: %llu succeeded, %llu unexpected errno\n",
	       (unsigned long long)f->succeeded,
	       (unsigned long long)f->unexpected);
	print_unexpected(f);
	EXPECT_EQ(0ull, (unsigned long long)f->unexpected);
	EXPECT_EQ(0, splats);
	i = live_objects();
	if (i >= 0)
		EXPECT_EQ(0, i);	/* no instance, no irqfd left */
	EXPECT_GT((unsigned long long)f->ioctls, 1000ull);
	free(f);
}

TEST_HARNESS_MAIN
