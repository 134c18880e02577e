// SPDX-License-Identifier: GPL-2.0
/*
 * Conformance suite: every case runs on two targets behind one interface,
 *  - KVM: a VM with KVM_CREATE_IRQCHIP and N vCPUs that never run, LAPICs
 *    written with KVM_SET_LAPIC and read with KVM_GET_LAPIC;
 *  - kvm-irqchip: an instance with the same N vCPUs, through its own ABI,
 *    created with KVM_IRQCHIP_CREATE_DEFAULT_ROUTING so that both start
 *    with KVM_CREATE_IRQCHIP's routing table;
 * and the return value (or -errno), the IRR/ISR/TMR of every vCPU and
 * KVM_GET_IRQCHIP of the PIC master, the PIC slave and the IOAPIC are
 * compared (the pins families also compare which eventfds are readable).
 * A case that differs must match an entry of diffs[] (the intentional
 * differences, also listed in Documentation/virt/kvm-irqchip/compat.rst)
 * with both answers as the entry says; a case that matches an entry but
 * comes out identical is a failure too (the documented difference
 * disappeared).
 *
 * The families (one TEST each) are: capabilities and extensions, the
 * routing validation matrix with KVM_IRQ_LINE_STATUS, irqfd, the MSI
 * delivery matrix (KVM_SIGNAL_MSI and irqfd), seeded random MSIs, the pins
 * (KVM_GET/SET_IRQCHIP, KVM_IRQ_LINE(_STATUS) on every GSI per kind of
 * IOAPIC entry, the RTC pin, the PICs, pin routes, irqfds on pins),
 * seeded random line operations on random IOAPIC/PIC states, and the MSI
 * matrix and seeded random MSIs through the KVM bridge.  KIC_SEED=<n>
 * replays the three random families; KIC_CONF_SECONDS bounds each, 30 by
 * default.  The last line of the output is exactly
 *   conformance: <cases> cases, <same> identical, <documented> documented
 *   differences, <unexplained> unexplained
 * (on one line) and the program fails when unexplained is not 0.
 *
 * KVM's vCPUs never run, so KVM sees no EOI and no interrupt acknowledge:
 * remote IRR, PIC ISR and resamplefds change only through the ioctls the
 * cases make, and the pins cases stay there.  KVM injects pin irqfds from
 * a work item; such cases poll until both targets agree and stop changing.
 *
 * The bridge family (conf.bridge_msis) changes the targets: T[TK] is a KVM
 * VM with KVM_CAP_SPLIT_IRQCHIP (LAPICs only) taking KVM_SIGNAL_MSI and
 * irqfds, T[TC] a kvm-irqchip instance attached with the KVM bridge to a
 * second such VM, whose vCPU fds it reads.  KVM's LAPICs receive on both
 * sides, only the PIC and IOAPIC state is left out, and the family has its
 * own table of differences, which is empty: the bridge answers as KVM does.
 *
 * Inputs are not steered away from where the targets may disagree: the
 * random families draw LAPIC set-ups (IDs, logical IDs, DFRs, TPRs,
 * software- and hardware-disabled LAPICs, xAPIC and x2APIC mode) and
 * messages (any destination, mode, vector, delivery mode, redirection
 * hint and trigger) from the whole space, and IOAPIC entries likewise, and
 * each must reach its minimum count (RANDOM_MSGS, RANDOM_PIN_OPS) or the
 * family fails.  A documented difference names the answers of both
 * targets and the parts of the state that may differ (enum diff_field);
 * anything else that differs is unexplained.
 *
 * Besides IRR/ISR/TMR, the MSI families compare what a non-vectored
 * message leaves pending: NMI and SMI (KVM: KVM_GET_VCPU_EVENTS), INIT and
 * SIPI (KVM: the MP state KVM_GET_MP_STATE settles them into; see
 * events_snap()); kvm-irqchip: KVM_IRQCHIP_VCPU_GET_EVENTS.
 */
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "kic_x86_util.h"
#include "kselftest_harness.h"

#define N		8
#define RTC_PIN		8	/* the IOAPIC pin of the RTC */
#define NR_SHOWN	40	/* unexplained cases logged in full */

enum { TK, TC };		/* target 0: KVM, target 1: kvm-irqchip */
static struct vm T[2];

/* ------------------------------------------------------------------ */
/* LAPIC set-ups and messages                                           */

/*
 * One LAPIC's set-up.  ldr: the 8-bit xAPIC logical ID; dfr: the DFR as
 * written, 0 for DFR_FLAT or DFR_CLUSTER as @cluster says.  An x2APIC-mode
 * LAPIC has KVM's IDs (ID = vCPU index, LDR from it) and ignores id, ldr,
 * cluster and dfr.
 */
struct rcpu {
	bool hw, sw, cluster;
	uint32_t id, ldr, tpr;
	uint32_t dfr;
	bool x2apic;
};

struct rmsg {
	uint32_t dest, vec, dm;
	bool logical, rh, level;
};

static bool lowest(const struct rmsg *m)
{
	return m->dm == DM_LOWEST || m->rh;
}

/* vCPU 0 is the BSP, but where the MP state shows INITs (events_snap()) */
static bool no_bsp;

static uint32_t rcpu_dfr(const struct rcpu *c)
{
	return c->dfr ? c->dfr : c->cluster ? DFR_CLUSTER : DFR_FLAT;
}

static int apply_setup_one(struct vm *vm, unsigned int i, const struct rcpu *c)
{
	uint64_t base = APIC_BASE_ADDR | (i || no_bsp ? 0 : APIC_BASE_BSP);
	struct kvm_lapic_state s;

	/* through disabled: every transition is one both allow */
	if (set_apic_base(vm, i, base))
		return -1;
	if (c->hw && set_apic_base(vm, i, base | APIC_BASE_ENABLE |
				   (c->x2apic ? APIC_BASE_X2APIC : 0)))
		return -1;
	if (!c->x2apic)
		return lapic_config(vm->vcpu[i], c->id, c->ldr, rcpu_dfr(c),
				    c->sw ? SVR_ON : SVR_OFF, c->tpr) ? -1 : 0;
	if (lapic_get(vm->vcpu[i], &s))
		return -1;
	apic_put(&s, APIC_SVR, c->sw ? SVR_ON : SVR_OFF);
	apic_put(&s, APIC_TPR, c->tpr);
	for (uint32_t off = APIC_ISR; off < APIC_IRR + 0x80; off += 0x10)
		apic_put(&s, off, 0);
	return lapic_set(vm->vcpu[i], &s) ? -1 : 0;
}

static int apply_setup(struct vm *vm, const struct rcpu *c)
{
	for (unsigned int i = 0; i < N; i++)
		if (apply_setup_one(vm, i, &c[i]))
			return -1;
	return 0;
}

static uint32_t msg_lo(const struct rmsg *m)
{
	return msi_addr(m->dest, m->logical, m->rh);
}

static uint32_t msg_data(const struct rmsg *m)
{
	return msi_data(m->vec, m->dm, m->level);
}

/* ------------------------------------------------------------------ */
/* Cases                                                                */

enum op { OP_ROUTE, OP_ROUTE_RAW, OP_IRQFD, OP_MSI, OP_IRQFD_MSI, OP_LINE,
	  OP_CAP, OP_ENABLE_CAP, OP_LAPIC_REG, OP_APIC_BASE, OP_LINE_PLAIN,
	  OP_GET_CHIP, OP_SET_CHIP, OP_SET_PINS, OP_NO_IRQCHIP, OP_SIGNAL,
	  OP_REOPEN, OP_CLEAR_VECTORS };

/*
 * File descriptors a case can name; each target has its own.  FD_C and
 * FD_D are two more eventfds, outside the kinds the irqfd family loops over.
 */
enum { FD_A, FD_B, FD_PIPE, FD_CLOSED, FD_NEG, FD_NR, FD_C = FD_NR, FD_D, FD_ALL };
static int fds[2][FD_ALL];

/* what a predicate may know about the circumstances of a case */
enum { CTX_FRESH = 1, CTX_EXT_DEST = 4, CTX_X2APIC = 8,
	CTX_32BIT = 16, CTX_DFR = 32, CTX_NOPIN = 64, CTX_HELD = 128, CTX_RTC_OUT = 256,
	CTX_RTC_NMI = 512, CTX_NOBODY = 1024 };

/* the three chips of KVM_GET_IRQCHIP/KVM_SET_IRQCHIP */
struct pins {
	struct kvm_pic_state pic[2];
	struct kvm_ioapic_state io;
};

struct ccase {
	enum op op;
	char name[160];
	unsigned int ctx;
	const struct rcpu *setup;	/* LAPIC set-up, for MSIs */
	/* OP_ROUTE (entries) / OP_ROUTE_RAW (argument as is) */
	const struct kvm_irq_routing_entry *e;
	uint32_t nr, rflags;
	const void *raw;
	/* OP_IRQFD */
	int fdk, rfdk;
	uint32_t gsi, iflags;
	/* OP_MSI, OP_IRQFD_MSI */
	uint32_t lo, hi, data;
	/* OP_LINE (gsi too) */
	uint32_t level;
	/* OP_CAP, OP_ENABLE_CAP */
	long cap;
	uint64_t a0, a1;
	/* OP_LAPIC_REG, OP_APIC_BASE; OP_GET_CHIP: reg is the chip ID */
	unsigned int vcpu, reg;
	uint64_t base;
	/* OP_SET_CHIP (the argument as is), OP_SET_PINS */
	const struct kvm_irqchip *chip;
	const struct pins *pins;
};

/* what a case leaves behind on one target */
struct state {
	uint32_t v[N][3][8];	/* IRR, ISR, TMR */
	struct pins p;		/* KVM_GET_IRQCHIP of the three chips */
	uint32_t fdr;		/* eventfds readable, bit per FD_* (watch_fds) */
	struct vev {
		uint8_t nmi, smi, init, sipi, sipi_vec;
	} ev[N];		/* events_snap(), where events_wanted() */
	bool bad;
};

/* the pins families also watch which eventfds are readable */
static bool watch_fds;
/* the bridge family: split-irqchip VMs have no PIC and no IOAPIC to read */
static bool lapics_only;

static long set_chip(int fd, uint32_t id, const void *st, size_t len)
{
	struct kvm_irqchip ch;

	memset(&ch, 0, sizeof(ch));
	ch.chip_id = id;
	memcpy(&ch.chip, st, len);
	return xioctl(fd, KVM_SET_IRQCHIP, &ch);
}

static long get_chip(int fd, uint32_t id, void *st, size_t len)
{
	struct kvm_irqchip ch;
	long r;

	memset(&ch, 0, sizeof(ch));
	ch.chip_id = id;
	r = xioctl(fd, KVM_GET_IRQCHIP, &ch);
	if (!r)
		memcpy(st, &ch.chip, len);
	return r;
}

/* master, slave, IOAPIC: 0 or the first error */
static long set_pins(int fd, const struct pins *p)
{
	long r = set_chip(fd, KVM_IRQCHIP_PIC_MASTER, &p->pic[0], sizeof(p->pic[0]));

	if (!r)
		r = set_chip(fd, KVM_IRQCHIP_PIC_SLAVE, &p->pic[1], sizeof(p->pic[1]));
	if (!r)
		r = set_chip(fd, KVM_IRQCHIP_IOAPIC, &p->io, sizeof(p->io));
	return r;
}

/* KVM_GET_IRQCHIP or KVM_SET_IRQCHIP on an fd without the irqchip */
static long no_irqchip(int t, unsigned int id, bool set)
{
	struct kvm_irqchip ch;
	long r;
	int fd, sys = -1;

	memset(&ch, 0, sizeof(ch));
	ch.chip_id = id;
	if (t == TK) {
		sys = open("/dev/kvm", O_RDWR | O_CLOEXEC);
		fd = sys < 0 ? -1 : (int)xioctl_val(sys, KVM_CREATE_VM, 0);
	} else {
		fd = kic_open();
	}
	if (fd < 0) {
		if (sys >= 0)
			close(sys);
		return -1000;	/* a marker: the fd could not be made */
	}
	r = xioctl(fd, set ? KVM_SET_IRQCHIP : KVM_GET_IRQCHIP, &ch);
	close(fd);
	if (sys >= 0)
		close(sys);
	return r;
}

static long run_on(int t, const struct ccase *c)
{
	struct vm *vm = &T[t];
	long r;

	switch (c->op) {
	case OP_ROUTE:
		return set_routing_flags(vm->fd, c->e, c->nr, c->rflags);
	case OP_ROUTE_RAW:
		return xioctl(vm->fd, KVM_SET_GSI_ROUTING, c->raw);
	case OP_IRQFD: {
		struct kvm_irqfd a = {
			.fd = fds[t][c->fdk], .gsi = c->gsi, .flags = c->iflags,
			.resamplefd = fds[t][c->rfdk],
		};

		return xioctl(vm->fd, KVM_IRQFD, &a);
	}
	case OP_MSI:
		return signal_msi(vm->fd, c->lo, c->hi, c->data);
	case OP_IRQFD_MSI: {
		struct kvm_irq_routing_entry e = route_msi(1, c->lo, c->hi, c->data);

		r = set_routing(vm->fd, &e, 1);
		return r ? r : efd_signal(fds[t][FD_A]);
	}
	case OP_LINE: {
		int32_t st = 0;

		r = irq_line_status(vm->fd, c->gsi, c->level, &st);
		return r ? r : st;
	}
	case OP_CAP:
		return check_ext(vm->fd, c->cap);
	case OP_ENABLE_CAP:
		return enable_cap(vm->fd, c->cap, c->a0, c->a1);
	case OP_LAPIC_REG: {
		struct kvm_lapic_state s;

		r = lapic_get(vm->vcpu[c->vcpu], &s);
		return r ? r : (long)apic_get(&s, c->reg);
	}
	case OP_APIC_BASE:
		return set_apic_base(vm, c->vcpu, c->base);
	case OP_LINE_PLAIN:
		return irq_line(vm->fd, c->gsi, c->level);
	case OP_GET_CHIP: {
		struct kvm_irqchip ch;

		memset(&ch, 0, sizeof(ch));
		ch.chip_id = c->reg;
		return xioctl(vm->fd, KVM_GET_IRQCHIP, &ch);
	}
	case OP_SET_CHIP:
		return xioctl(vm->fd, KVM_SET_IRQCHIP, c->chip);
	case OP_SET_PINS:
		return set_pins(vm->fd, c->pins);
	case OP_NO_IRQCHIP:
		return no_irqchip(t, c->reg, c->level);
	case OP_SIGNAL:
		return efd_signal(fds[t][c->fdk]);
	case OP_REOPEN:
		close(fds[t][c->fdk]);
		fds[t][c->fdk] = new_eventfd();
		return fds[t][c->fdk] < 0 ? -errno : 0;
	case OP_CLEAR_VECTORS:	/* level: only vCPU c->vcpu */
		return c->level ? lapic_clear_vectors(vm->vcpu[c->vcpu]) : vm_clear_vectors(vm);
	}
	return -EINVAL;	/* not an op of this target */
}

static void snap(int t, struct state *s)
{
	static const unsigned int base[3] = { APIC_IRR, APIC_ISR, APIC_TMR };
	struct pins *p = &s->p;

	memset(s, 0, sizeof(*s));
	for (unsigned int i = 0; i < N; i++) {
		struct kvm_lapic_state l;

		if (lapic_get(T[t].vcpu[i], &l)) {
			s->bad = true;
			continue;
		}
		for (int k = 0; k < 3; k++)
			apic_bits(&l, base[k], s->v[i][k]);
	}
	if (lapics_only)
		return;
	if (get_chip(T[t].fd, KVM_IRQCHIP_PIC_MASTER, &p->pic[0], sizeof(p->pic[0])) ||
	    get_chip(T[t].fd, KVM_IRQCHIP_PIC_SLAVE, &p->pic[1], sizeof(p->pic[1])) ||
	    get_chip(T[t].fd, KVM_IRQCHIP_IOAPIC, &p->io, sizeof(p->io)))
		s->bad = true;
	for (int k = FD_A; watch_fds && k < FD_ALL; k++) {
		struct pollfd pf = { .fd = fds[t][k], .events = POLLIN };

		if (k >= FD_PIPE && k < FD_NR)
			continue;
		if (poll(&pf, 1, 0) == 1 && pf.revents & POLLIN)
			s->fdr |= 1u << k;
	}
}

static bool states_equal(const struct state *a, const struct state *b)
{
	return !a->bad && !b->bad && !memcmp(a->v, b->v, sizeof(a->v)) &&
	       !memcmp(&a->p, &b->p, sizeof(a->p)) && a->fdr == b->fdr;
}

static bool state_zero(const struct state *s)
{
	static const struct state z;

	return !memcmp(s->v, z.v, sizeof(z.v));
}

/* ------------------------------------------------------------------ */
/* The documented differences                                           */

enum { A_EQ, A_NE, A_POS, A_ANY };
struct ans {
	int k;
	long v;
};

static bool ans_ok(struct ans a, long r)
{
	switch (a.k) {
	case A_EQ:
		return r == a.v;
	case A_NE:
		return r != a.v;
	case A_POS:
		return r > 0;
	default:
		return true;
	}
}

/*
 * The parts of a case's outcome a documented difference may change; a
 * difference anywhere else is unexplained.
 */
enum diff_field {
	D_IRR = 1, D_ISR = 2, D_TMR = 4,
	D_PIC = 8,		/* any field of either PIC */
	D_IOAPIC_RIRR = 16,	/* remote IRR bits of redirection entries only */
	D_IOAPIC = 32,		/* any other IOAPIC field */
	D_FDS = 64,		/* which eventfds are readable */
	D_EVENTS = 128,		/* pending NMI/SMI/INIT/SIPI */
};

static bool kvm_has_xen;

/* kvm-irqchip's default max_routes (KVM_CAP_IRQ_ROUTING) */
#define OUR_MAX_ROUTES	1048576u

/* KVM 6.1's checks of one table (x86, full in-kernel irqchip) */
static bool entry_ok_max(const struct kvm_irq_routing_entry *e, uint32_t max)
{
	if (e->gsi >= max)
		return false;
	if (e->type == KVM_IRQ_ROUTING_MSI ? e->flags & ~KVM_MSI_VALID_DEVID : e->flags)
		return false;
	switch (e->type) {
	case KVM_IRQ_ROUTING_IRQCHIP:
		return (e->u.irqchip.irqchip < 2 && e->u.irqchip.pin < 8) ||
		       (e->u.irqchip.irqchip == 2 && e->u.irqchip.pin < 24);
	case KVM_IRQ_ROUTING_MSI:
	case KVM_IRQ_ROUTING_HV_SINT:
		return true;
	case KVM_IRQ_ROUTING_XEN_EVTCHN:
		return kvm_has_xen &&
		       e->u.xen_evtchn.priority == KVM_IRQ_ROUTING_XEN_EVTCHN_PRIO_2LEVEL;
	}
	return false;
}

static bool table_ok_max(const struct ccase *c, uint32_t max)
{
	if (c->op != OP_ROUTE || c->rflags || c->nr > max)
		return false;
	for (uint32_t i = 0; i < c->nr; i++) {
		if (!entry_ok_max(&c->e[i], max))
			return false;
		for (uint32_t j = 0; j < i; j++) {
			if (c->e[j].gsi != c->e[i].gsi)
				continue;
			if (c->e[i].type != KVM_IRQ_ROUTING_IRQCHIP ||
			    c->e[j].type != KVM_IRQ_ROUTING_IRQCHIP ||
			    c->e[i].u.irqchip.irqchip == c->e[j].u.irqchip.irqchip)
				return false;
		}
	}
	return true;
}

static bool kvm_table_ok(const struct ccase *c)
{
	return table_ok_max(c, MAX_ROUTES);
}

static bool table_has(const struct ccase *c, uint32_t type)
{
	for (uint32_t i = 0; c->op == OP_ROUTE && i < c->nr; i++)
		if (c->e[i].type == type)
			return true;
	return false;
}

static bool is_eventfd(int k)
{
	return k == FD_A || k == FD_B || k == FD_C || k == FD_D;
}

/* what a predicate sees: the case and both outcomes */
struct outcome {
	const struct state *s;	/* s[TK], s[TC] */
	const long *r;		/* r[TK], r[TC] */
	const struct kvm_ioapic_state *before;	/* KVM's IOAPIC before (pins) */
};

/* a plain irqfd signalled while KVM_IRQ_LINE holds one of its pins high */
static bool m_pulse_held(const struct ccase *c, const struct outcome *o)
{
	return c->op == OP_SIGNAL && c->ctx & CTX_HELD;
}

/*
 * KVM's RTC tracking owes EOIs nobody will make: a line-status raise of
 * the RTC pin delivered a non-vectored message, and no KVM_SET_IRQCHIP of
 * the IOAPIC has recounted since (see rtc_track()).  KVM then reports
 * every later raise of the pin as coalesced.
 */
static bool kvm_rtc_stuck;

static int gsi_ioapic_pin(uint32_t gsi);

static bool m_rtc_stuck(const struct ccase *c, const struct outcome *o)
{
	return c->op == OP_LINE && c->level && kvm_rtc_stuck &&
	       gsi_ioapic_pin(c->gsi) == RTC_PIN;
}

/*
 * A raise that KVM's fallback path finds nobody for: both answer -1, and
 * KVM alone sets remote IRR on level entries.  Only remote IRR differs,
 * and only as KVM set, ours clear.
 */
static bool m_pin_nobody(const struct ccase *c, const struct outcome *o)
{
	const struct kvm_ioapic_state *k = &o->s[TK].p.io, *u = &o->s[TC].p.io;
	bool seen = false;

	for (int i = 0; i < KVM_IOAPIC_NUM_PINS; i++) {
		uint64_t d = k->redirtbl[i].bits ^ u->redirtbl[i].bits;

		if (!d)
			continue;
		if (d != 1ull << 14 || !(k->redirtbl[i].bits & 1ull << 14) ||
		    !(k->redirtbl[i].bits & 1ull << 15))
			return false;
		seen = true;
	}
	return seen;
}

static bool m_routes_beyond_kvm(const struct ccase *c, const struct outcome *o)
{
	return !kvm_table_ok(c) && table_ok_max(c, OUR_MAX_ROUTES) &&
	       !table_has(c, KVM_IRQ_ROUTING_XEN_EVTCHN);
}

static bool m_cap_irq_routing(const struct ccase *c, const struct outcome *o)
{
	return c->op == OP_CAP && c->cap == KVM_CAP_IRQ_ROUTING;
}

/* the answers our own capabilities give (api.rst section 2) */
static long own_cap(long cap)
{
	switch (cap) {
	case KVM_IRQCHIP_CAP_MODELS:
		return 1 << KVM_IRQCHIP_MODEL_X86 | 1 << KVM_IRQCHIP_MODEL_ARM64_GICV3 |
		       1 << KVM_IRQCHIP_MODEL_PPC_XICS;
	case KVM_IRQCHIP_CAP_ABI_VERSION:
		return KVM_IRQCHIP_ABI_VERSION;
	case KVM_IRQCHIP_CAP_X86_EXT_DEST_ID:
	case KVM_IRQCHIP_CAP_X86_STRICT:
		return 1;
	default:
		return 0;
	}
}

static bool m_own_caps(const struct ccase *c, const struct outcome *o)
{
	return c->op == OP_CAP && own_cap(c->cap) && o->r[TC] == own_cap(c->cap);
}

static bool m_enable_own_cap(const struct ccase *c, const struct outcome *o)
{
	return c->op == OP_ENABLE_CAP && own_cap(c->cap) && c->cap != KVM_IRQCHIP_CAP_MODELS &&
	       c->cap != KVM_IRQCHIP_CAP_ABI_VERSION && c->a0 <= 1 && !c->a1;
}

static bool m_ext_dest(const struct ccase *c, const struct outcome *o)
{
	return (c->op == OP_MSI || c->op == OP_IRQFD_MSI) && c->ctx & CTX_EXT_DEST &&
	       c->lo & 0xfe0;
}

/*
 * Vector hashing on KVM's logical map lands on a destination bit that no
 * LAPIC holds (kvm_apic_map_get_dest_lapic(): "Disabled LAPIC found"),
 * and KVM drops the message; kvm-irqchip gives it to one of the LAPICs
 * the destination holds.  kvm_map_hash_empty() models KVM's map.
 */
static bool kvm_map_hash_empty(const struct ccase *c);

static bool m_hash_empty(const struct ccase *c, const struct outcome *o)
{
	return c->op == OP_MSI && kvm_map_hash_empty(c);
}

static bool m_hash_empty_irqfd(const struct ccase *c, const struct outcome *o)
{
	return c->op == OP_IRQFD_MSI && kvm_map_hash_empty(c);
}

static const struct rcpu *cur_setup;

/* kvm_map_hash_empty() for the message of an unmasked IOAPIC entry */
static bool rte_hash_empty(uint64_t rte)
{
	struct ccase m = { .op = OP_MSI, .setup = cur_setup };

	if (rte & 1ull << 16)
		return false;
	m.lo = msi_addr(rte >> 56, rte >> 11 & 1, false);
	m.data = msi_data(rte & 0xff, rte >> 8 & 7, false);
	return kvm_map_hash_empty(&m);
}

/*
 * The same, for the IOAPIC entry a raised line reaches, or for any entry
 * whose line a KVM_SET_IRQCHIP of the IOAPIC raises again (KVM re-injects
 * every pin of the restored irr).
 */
static bool m_hash_empty_pin(const struct ccase *c, const struct outcome *o)
{
	const struct kvm_ioapic_state *io = NULL;
	int pin;

	if (!o->before)
		return false;
	if (c->op == OP_SET_CHIP && !o->r[TK] && c->chip->chip_id == KVM_IRQCHIP_IOAPIC)
		io = &c->chip->chip.ioapic;
	else if (c->op == OP_SET_PINS && !o->r[TK])
		io = &c->pins->io;
	for (int i = 0; io && i < KVM_IOAPIC_NUM_PINS; i++)
		if (io->irr & 1u << i && rte_hash_empty(io->redirtbl[i].bits))
			return true;
	if ((c->op != OP_LINE && c->op != OP_LINE_PLAIN) || !c->level)
		return false;
	pin = gsi_ioapic_pin(c->gsi);
	return pin >= 0 && rte_hash_empty(o->before->redirtbl[pin].bits);
}

struct diff {
	const char *name;
	bool (*match)(const struct ccase *c, const struct outcome *o);
	struct ans kvm, ours;
	unsigned int fields;	/* enum diff_field: what may differ besides the answer */
	char kind;		/* 'a': a feature KVM lacks; 'b': KVM loses or sticks */
	const char *reason;
	/*
	 * The predicate can only say KVM's hidden state may be stuck (see
	 * m_rtc_stuck()): an identical outcome is no failure.
	 */
	bool may;
};

/* Keep in step with Documentation/virt/kvm-irqchip/compat.rst. */
static const struct diff diffs[] = {
	{ "GSIs from 4096 up, tables over 4096 entries", m_routes_beyond_kvm,
	  { A_EQ, -EINVAL }, { A_EQ, 0 }, 0, 'a',
	  "max_routes (default 1048576) replaces KVM's 4096 for both", false },
	{ "KVM_CHECK_EXTENSION(KVM_CAP_IRQ_ROUTING)", m_cap_irq_routing,
	  { A_EQ, MAX_ROUTES }, { A_EQ, OUR_MAX_ROUTES }, 0, 'a',
	  "reports max_routes", false },
	{ "KVM_CHECK_EXTENSION(KVM_IRQCHIP_CAP_*)", m_own_caps,
	  { A_EQ, 0 }, { A_POS, 0 }, 0, 'a',
	  "kvm-irqchip's own capabilities, unknown to KVM (the value is own_cap()'s)", false },
	{ "KVM_ENABLE_CAP(KVM_IRQCHIP_CAP_*)", m_enable_own_cap,
	  { A_EQ, -EINVAL }, { A_EQ, 0 }, 0, 'a',
	  "kvm-irqchip's own capabilities, unknown to KVM", false },
	{ "MSI address bits 11:5 with EXT_DEST_ID", m_ext_dest, { A_EQ, 1 }, { A_EQ, 0 },
	  D_IRR | D_TMR, 'a',
	  "extended destination ID: bits 14:8 of the destination; KVM ignores them", false },
	{ "vector hashing onto an empty slot of KVM's logical map", m_hash_empty,
	  { A_EQ, 0 }, { A_EQ, 1 }, D_IRR | D_TMR | D_EVENTS, 'b',
	  "KVM drops it; kvm-irqchip hashes among the LAPICs the destination holds", false },
	{ "vector hashing onto an empty slot, through an irqfd", m_hash_empty_irqfd,
	  { A_EQ, 0 }, { A_EQ, 0 }, D_IRR | D_TMR | D_EVENTS, 'b',
	  "as above; an irqfd's write returns 0 on both (the vector may be pending already)",
	  true },
	{ "vector hashing onto an empty slot, IOAPIC entry", m_hash_empty_pin,
	  { A_ANY, 0 }, { A_ANY, 0 }, D_IRR | D_TMR | D_EVENTS | D_IOAPIC_RIRR, 'b',
	  "as above; the status sums every chip the GSI reaches", true },
	{ "irqfd pulse on a pin held by KVM_IRQ_LINE", m_pulse_held,
	  { A_EQ, 0 }, { A_EQ, 0 }, D_PIC | D_IOAPIC, 'b',
	  "an irqfd is a line source of its own (KVM: KVM_IRQ_LINE's: it lowers the line)",
	  false },
	{ "RTC raise after a non-vectored RTC delivery", m_rtc_stuck,
	  { A_ANY, 0 }, { A_ANY, 0 },
	  D_IRR | D_TMR | D_EVENTS | D_IOAPIC_RIRR | D_IOAPIC, 'b',
	  "KVM's count of EOIs owed never drains (until KVM_SET_IRQCHIP)", true },
	{ "no eligible vCPU on KVM's fallback path, level IOAPIC entry", m_pin_nobody,
	  { A_ANY, 0 }, { A_ANY, 0 }, D_IOAPIC_RIRR, 'b',
	  "KVM's -1 sets remote IRR with nobody to EOI it: the line is stuck", false },
};

#define NDIFF	(ARRAY_SIZE(diffs))

/*
 * The bridge family: both targets deliver into KVM's LAPICs, and the
 * bridge answers as KVM does (api.rst 3.14), so it has no differences.
 */

/* which table a family's differences must match; seen counts in S->seen[first..] */
struct diff_table {
	const struct diff *d;
	unsigned int nr, first;
};

static const struct diff_table kvm_table = { diffs, NDIFF, 0 };
static const struct diff_table bridge_table = { NULL, 0, NDIFF };

/* ------------------------------------------------------------------ */
/* Counting                                                             */

enum { F_CAPS, F_ROUTING, F_IRQFD, F_MSI, F_RANDOM, F_PINS, F_PINS_RANDOM, F_BRIDGE,
	F_NR };

static const struct diff_table *family_table(int fam)
{
	return fam == F_BRIDGE ? &bridge_table : &kvm_table;
}

struct counts {
	unsigned int cases, same, documented, unexplained;
};

struct shared {
	struct counts f[F_NR];
	unsigned int seen[NDIFF];	/* differed as documented */
	unsigned int shown;
	bool bridge_ran;		/* the bridge family was not skipped */
};

static struct shared *S;

static void __attribute__((constructor)) shared_init(void)
{
	S = mmap(NULL, sizeof(*S), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		 -1, 0);
	if (S == MAP_FAILED)
		abort();
	memset(S, 0, sizeof(*S));
}

static const char *const pic_field[16] = {
	"last_irr", "irr", "imr", "isr", "priority_add", "irq_base", "read_reg_select",
	"poll", "special_mask", "init_state", "auto_eoi", "rotate_on_auto_eoi",
	"special_fully_nested_mode", "init4", "elcr", "elcr_mask",
};

static void show_pins_diff(const struct pins *a, const struct pins *b)
{
	const struct kvm_ioapic_state *x = &a->io, *y = &b->io;

	for (int c = 0; c < 2; c++) {
		const uint8_t *u = (const uint8_t *)&a->pic[c], *w = (const uint8_t *)&b->pic[c];

		for (int f = 0; f < 16; f++)
			if (u[f] != w[f])
				printf("#   PIC %s %s: KVM %#x, ours %#x\n", c ? "slave" : "master",
				       pic_field[f], u[f], w[f]);
	}
	if (x->base_address != y->base_address || x->ioregsel != y->ioregsel ||
	    x->id != y->id || x->pad != y->pad) {
		printf("#   IOAPIC base/ioregsel/id/pad: KVM %#llx/%#x/%#x/%#x\n",
		       (unsigned long long)x->base_address, x->ioregsel, x->id, x->pad);
		printf("#   IOAPIC base/ioregsel/id/pad: ours %#llx/%#x/%#x/%#x\n",
		       (unsigned long long)y->base_address, y->ioregsel, y->id, y->pad);
	}
	if (x->irr != y->irr)
		printf("#   IOAPIC irr: KVM %#08x, ours %#08x\n", x->irr, y->irr);
	for (int i = 0; i < KVM_IOAPIC_NUM_PINS; i++)
		if (x->redirtbl[i].bits != y->redirtbl[i].bits)
			printf("#   IOAPIC pin %d: KVM %016llx, ours %016llx\n", i,
			       (unsigned long long)x->redirtbl[i].bits,
			       (unsigned long long)y->redirtbl[i].bits);
}

static void show_state_diff(const struct state *a, const struct state *b)
{
	static const char *const reg[3] = { "IRR", "ISR", "TMR" };

	if (a->bad || b->bad)
		printf("#   state unreadable: KVM %d, ours %d\n", a->bad, b->bad);
	for (unsigned int i = 0; i < N; i++)
		for (int k = 0; k < 3; k++)
			for (int w = 0; w < 8; w++)
				if (a->v[i][k][w] != b->v[i][k][w])
					printf("#   vCPU %u %s[%#x-%#x]: KVM %08x, ours %08x\n",
					       i, reg[k], w * 32, w * 32 + 31,
					       a->v[i][k][w], b->v[i][k][w]);
	show_pins_diff(&a->p, &b->p);
	if (a->fdr != b->fdr)
		printf("#   eventfds readable (bit per FD_*): KVM %#x, ours %#x\n",
		       a->fdr, b->fdr);
}

/*
 * Deferred effects (KVM injects pin irqfds from a work item): poll until
 * both targets agree, and with @stable until neither changes any more.
 */
static void settle(struct state *s, bool stable)
{
	struct state last[2];

	for (int k = 0; k < 15; k++) {
		sleep_ms(20);
		if (k) {
			last[TK] = s[TK];
			last[TC] = s[TC];
		}
		snap(TK, &s[TK]);
		snap(TC, &s[TC]);
		if (!states_equal(&s[TK], &s[TC]))
			continue;
		if (!stable || (k && states_equal(&last[TK], &s[TK]) &&
				states_equal(&last[TC], &s[TC])))
			return;
	}
}

/* the routing table both targets have, as far as the predicates care */
static struct {
	const struct kvm_irq_routing_entry *e;	/* NULL: KVM_CREATE_IRQCHIP's */
	uint32_t nr;
} table;

static bool pins_family(int fam);

/* ------------------------------------------------------------------ */
/* Pending NMI, SMI, INIT and SIPI                                      */

/*
 * What a non-vectored message left pending on one vCPU.  KVM keeps INIT
 * and SIPI inside the vCPU: KVM_GET_MP_STATE settles them (an INIT resets
 * the vCPU, so RIP becomes 0xfff0; a SIPI moves an INIT_RECEIVED vCPU to
 * RUNNABLE with CS = vector << 8; a SIPI to a running vCPU vanishes), so
 * each vCPU of a KVM target waits in mp_want[] with RIP at RIP_MARK, and a
 * SIPI is compared only where KVM can show it.
 */
#define RIP_MARK	0x1234
#define EV_EITHER	2	/* ours: INIT and SIPI, order unknown */
static uint32_t mp_want[N];
/* cur_setup: the set-up events_reset() puts back after an INIT */

static int kvm_vcpu_mark(int vfd, uint32_t mp)
{
	struct kvm_mp_state m = { .mp_state = mp };
	struct kvm_regs regs;

	if (xioctl(vfd, KVM_SET_MP_STATE, &m) || xioctl(vfd, KVM_GET_REGS, &regs))
		return -1;
	regs.rip = RIP_MARK;
	return xioctl(vfd, KVM_SET_REGS, &regs) ? -1 : 0;
}

/* every vCPU of a KVM target in its mp_want[] state, RIP marked */
static int events_arm(int t)
{
	for (unsigned int i = 0; T[t].kvm && i < N; i++)
		if (kvm_vcpu_mark(T[t].vcpu[i], mp_want[i]))
			return -1;
	return 0;
}

static void events_snap(int t, struct vev *ev)
{
	memset(ev, 0, N * sizeof(*ev));
	for (unsigned int i = 0; i < N; i++) {
		int vfd = T[t].vcpu[i];

		if (T[t].kvm) {
			struct kvm_vcpu_events e;
			struct kvm_mp_state m;
			struct kvm_regs regs;
			struct kvm_sregs sr;

			if (xioctl(vfd, KVM_GET_VCPU_EVENTS, &e) ||
			    xioctl(vfd, KVM_GET_MP_STATE, &m) || xioctl(vfd, KVM_GET_REGS, &regs)) {
				ev[i].init = 0xee;	/* unreadable: differs */
				continue;
			}
			ev[i].nmi = e.nmi.pending;
			ev[i].smi = e.smi.pending;
			ev[i].init = regs.rip == 0xfff0;
			/* a SIPI that found the vCPU waiting for one: RIP 0 */
			if (regs.rip == 0 && m.mp_state == KVM_MP_STATE_RUNNABLE &&
			    !xioctl(vfd, KVM_GET_SREGS, &sr)) {
				ev[i].sipi = 1;
				ev[i].sipi_vec = sr.cs.selector >> 8;
			}
		} else {
			struct kvm_irqchip_vcpu_events e;

			if (xioctl(vfd, KVM_IRQCHIP_VCPU_GET_EVENTS, &e)) {
				ev[i].init = 0xef;
				continue;
			}
			ev[i].nmi = !!e.nmi;
			ev[i].smi = !!e.smi;
			ev[i].init = !!e.init;
			/*
			 * KVM shows a SIPI only where it finds the vCPU waiting
			 * for one.  With INIT and SIPI both latched, their order
			 * decides what KVM shows: EV_EITHER (ev_same()).
			 */
			if (e.sipi && (e.init || mp_want[i] == KVM_MP_STATE_INIT_RECEIVED)) {
				ev[i].sipi = 1;
				ev[i].sipi_vec = e.sipi_vector;
				if (e.init)
					ev[i].init = EV_EITHER;
			}
		}
	}
}

/*
 * After events_snap() on both: nothing pending, and where either target
 * saw an INIT or a SIPI (on KVM a SIPI start-up follows an INIT's reset),
 * the vCPU set up again on both.
 */
static void events_reset(int t, const struct vev *ev, const struct vev *other)
{
	for (unsigned int i = 0; i < N; i++) {
		bool startup = ev[i].init || ev[i].sipi || other[i].init || other[i].sipi;
		int vfd = T[t].vcpu[i];

		if (T[t].kvm && (ev[i].nmi || ev[i].smi)) {
			struct kvm_vcpu_events e;

			if (!xioctl(vfd, KVM_GET_VCPU_EVENTS, &e)) {
				e.nmi.pending = 0;
				e.smi.pending = 0;
				e.flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SMM;
				xioctl(vfd, KVM_SET_VCPU_EVENTS, &e);
			}
		}
		if (startup && cur_setup)
			apply_setup_one(&T[t], i, &cur_setup[i]);
		if (T[t].kvm && startup)
			kvm_vcpu_mark(vfd, mp_want[i]);
	}
}

/* Can this case leave an NMI, SMI, INIT or SIPI pending? */
static bool events_wanted(int fam, const struct ccase *c, const struct state *k)
{
	if (c->op == OP_MSI || c->op == OP_IRQFD_MSI) {
		uint32_t dm = c->data >> 8 & 7;

		return dm == DM_SMI || dm == DM_NMI || dm == DM_INIT || dm == DM_SIPI;
	}
	if (!pins_family(fam))
		return false;
	for (int i = 0; i < KVM_IOAPIC_NUM_PINS; i++) {
		uint64_t b = k->p.io.redirtbl[i].bits;
		uint32_t dm = b >> 8 & 7;

		if (!(b & 1ull << 16) && dm >= DM_SMI && dm <= DM_SIPI)
			return true;
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* KVM's hidden state, where a documented difference depends on it     */

/* the IOAPIC pin a GSI reaches, or -1 */
static int gsi_ioapic_pin(uint32_t gsi)
{
	if (!table.e)
		return gsi < KVM_IOAPIC_NUM_PINS ? (int)gsi : -1;
	for (uint32_t i = 0; i < table.nr; i++)
		if (table.e[i].gsi == gsi && table.e[i].type == KVM_IRQ_ROUTING_IRQCHIP &&
		    table.e[i].u.irqchip.irqchip == KVM_IRQCHIP_IOAPIC)
			return table.e[i].u.irqchip.pin;
	return -1;
}

/*
 * KVM's RTC count (m_rtc_stuck): a KVM_SET_IRQCHIP of the IOAPIC recounts
 * it; a line-status raise that reaches the RTC pin while its entry is
 * unmasked and non-vectored may leave it owed forever.  @before is KVM's
 * IOAPIC before the case.
 */
static void rtc_track(const struct ccase *c, long r, const struct kvm_ioapic_state *before)
{
	uint64_t rte = before->redirtbl[RTC_PIN].bits;
	uint32_t dm = rte >> 8 & 7;

	/* a KVM_SET_IRQCHIP that KVM took had a readable argument */
	if ((c->op == OP_SET_CHIP && !r && c->chip->chip_id == KVM_IRQCHIP_IOAPIC) ||
	    (c->op == OP_SET_PINS && !r))
		kvm_rtc_stuck = false;
	if (c->op == OP_LINE && c->level && gsi_ioapic_pin(c->gsi) == RTC_PIN &&
	    !(rte & 1ull << 16) && dm != DM_FIXED && dm != DM_LOWEST && dm != DM_EXTINT)
		kvm_rtc_stuck = true;
}

/*
 * kvm_map_hash_empty(): does KVM's APIC map (kvm_recalculate_apic_map(),
 * built from the set-up in vCPU order) answer this logical lowest-priority
 * message by hashing onto a destination bit no LAPIC holds, while
 * kvm-irqchip, hashing among the bits that hold one, reaches a LAPIC that
 * accepts it?  The map has a logical model only when every
 * software-enabled LAPIC with a logical ID uses the same one (x2APIC,
 * xAPIC flat, xAPIC cluster).
 */
static bool kvm_hashes;		/* kvm.vector_hashing */
static bool x2apic_ids;		/* KVM_X2APIC_API_USE_32BIT_IDS on both */
static bool x2apic_quirk_off;	/* KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK on both */

/* the (n mod weight)-th set bit of @mask: kvm_vector_to_index() */
static int nth_bit(uint32_t mask, uint32_t n)
{
	n %= __builtin_popcount(mask);
	while (n--)
		mask &= mask - 1;
	return __builtin_ctz(mask);
}

static bool kvm_map_hash_empty(const struct ccase *c)
{
	const struct rcpu *cp = c->setup;
	uint32_t dest = (c->lo >> 12 & 0xff) | (x2apic_ids ? c->hi & ~0xffu : 0);
	uint32_t dm = c->data >> 8 & 7, vec = c->data & 0xff, mask, held = 0;
	unsigned int mode = 0;
	int owner[16], b, p;

	if (!cp || !kvm_hashes || !(c->lo & 1u << 2) || c->ctx & CTX_EXT_DEST)
		return false;
	if (dm != DM_LOWEST && !(c->lo & 1u << 3))
		return false;
	for (unsigned int i = 0; i < N; i++) {
		if (!cp[i].hw || !cp[i].sw)
			continue;
		if (cp[i].x2apic)
			mode |= 1;
		else if (cp[i].ldr)
			mode |= rcpu_dfr(&cp[i]) == DFR_FLAT ? 2 : 4;
	}
	if (x2apic_quirk_off ? (dest == 0xff && mode != 1) || dest == 0xffffffffu : dest == 0xff)
		return false;	/* a broadcast: KVM's matching path */
	for (b = 0; b < 16; b++)
		owner[b] = -1;
	if (mode == 1) {
		uint32_t offset = (dest >> 16) * 16;

		if (offset > 255)
			return false;
		mask = dest & 0xffff;
		for (unsigned int i = 0; i < N; i++) {
			if (!cp[i].hw)
				continue;
			if (cp[i].x2apic && i >= offset && i < offset + 16)
				owner[i - offset] = i;
			else if (!cp[i].x2apic && cp[i].id >= offset && cp[i].id < offset + 16 &&
				 owner[cp[i].id - offset] < 0)
				owner[cp[i].id - offset] = i;
		}
	} else if (mode == 2 || mode == 4) {
		mask = mode == 2 ? dest & 0xff : dest & 0xf;
		for (unsigned int i = 0; i < N; i++) {
			uint32_t low;

			if (!cp[i].hw || !cp[i].sw || cp[i].x2apic || !cp[i].ldr)
				continue;
			if (mode == 4 && (cp[i].ldr >> 4) != (dest >> 4 & 0xf))
				continue;
			low = mode == 2 ? cp[i].ldr : cp[i].ldr & 0xf;
			if (low)
				owner[__builtin_ctz(low)] = i;
		}
	} else {
		return false;
	}
	if (!mask || owner[nth_bit(mask, vec)] >= 0)
		return false;
	for (b = 0; b < 16; b++)
		if (mask & 1u << b && owner[b] >= 0)
			held |= 1u << b;
	if (!held)
		return false;
	p = owner[nth_bit(held, vec)];
	if (dm == DM_EXTINT)
		return false;
	return dm > DM_LOWEST || (cp[p].hw && cp[p].sw);
}

/* ------------------------------------------------------------------ */
/* Comparing                                                            */

/*
 * KVM's events @k against ours @o.  Ours cannot tell the order of an INIT
 * and a SIPI latched together: KVM shows the INIT alone (the SIPI came
 * first and the INIT cleared it) or the SIPI's start-up (INIT first).
 */
static bool ev_same(const struct vev *k, const struct vev *o)
{
	if (o->init != EV_EITHER)
		return !memcmp(k, o, sizeof(*k));
	if (k->nmi != o->nmi || k->smi != o->smi)
		return false;
	if (k->init == 1 && !k->sipi)
		return true;
	return !k->init && k->sipi && k->sipi_vec == o->sipi_vec;
}

/* which enum diff_field parts of two outcomes differ */
static unsigned int diff_fields(const struct state *a, const struct state *b)
{
	unsigned int f = 0;

	for (unsigned int i = 0; i < N; i++)
		for (int k = 0; k < 3; k++)
			if (memcmp(a->v[i][k], b->v[i][k], sizeof(a->v[i][k])))
				f |= k == 0 ? D_IRR : k == 1 ? D_ISR : D_TMR;
	if (memcmp(a->p.pic, b->p.pic, sizeof(a->p.pic)))
		f |= D_PIC;
	for (int i = 0; i < KVM_IOAPIC_NUM_PINS; i++) {
		uint64_t d = a->p.io.redirtbl[i].bits ^ b->p.io.redirtbl[i].bits;

		if (d & 1ull << 14)
			f |= D_IOAPIC_RIRR;
		if (d & ~(1ull << 14))
			f |= D_IOAPIC;
	}
	if (a->p.io.base_address != b->p.io.base_address || a->p.io.ioregsel != b->p.io.ioregsel ||
	    a->p.io.id != b->p.io.id || a->p.io.irr != b->p.io.irr || a->p.io.pad != b->p.io.pad)
		f |= D_IOAPIC;
	if (a->fdr != b->fdr)
		f |= D_FDS;
	for (unsigned int i = 0; i < N; i++)
		if (!ev_same(&a->ev[i], &b->ev[i]))
			f |= D_EVENTS;
	return f;
}

static void show_events_diff(const struct state *a, const struct state *b)
{
	for (unsigned int i = 0; i < N; i++) {
		if (ev_same(&a->ev[i], &b->ev[i]))
			continue;
		printf("#   vCPU %u nmi/smi/init/sipi(vec): KVM %u/%u/%u/%u(%#x), ",
		       i, a->ev[i].nmi, a->ev[i].smi, a->ev[i].init, a->ev[i].sipi,
		       a->ev[i].sipi_vec);
		printf("ours %u/%u/%u/%u(%#x)\n", b->ev[i].nmi, b->ev[i].smi,
		       b->ev[i].init, b->ev[i].sipi, b->ev[i].sipi_vec);
	}
}

static bool pins_family(int fam);
static void pins_resync(void);

/*
 * Run c on both targets and count it in family fam.  Returns true when it
 * was explained (identical, or a documented difference with both answers
 * as documented and nothing but its fields changed).  Clears the vectors
 * afterwards unless accumulate (then only when they differ).
 */
/* the last cases, shown with an unexplained one: hidden state comes from them */
static char recent[4][200];
static unsigned int nrecent;

static bool check(int fam, const struct ccase *c, bool accumulate)
{
	const struct diff_table *tab = family_table(fam);
	struct counts *f = &S->f[fam];
	const struct diff *d = NULL;
	struct kvm_ioapic_state before;
	struct outcome o;
	struct state s[2];
	unsigned int df;
	long r[2];
	bool ok;

	if (pins_family(fam))
		get_chip(T[TK].fd, KVM_IRQCHIP_IOAPIC, &before, sizeof(before));
	r[TK] = run_on(TK, c);
	r[TC] = run_on(TC, c);
	if (c->op == OP_IRQFD_MSI) {
		settle(s, false);
	} else if (c->op == OP_SIGNAL || c->op == OP_REOPEN || c->op == OP_IRQFD) {
		settle(s, true);
	} else {
		snap(TK, &s[TK]);
		snap(TC, &s[TC]);
	}
	if (events_wanted(fam, c, &s[TK])) {
		events_snap(TK, s[TK].ev);
		events_snap(TC, s[TC].ev);
	}
	df = diff_fields(&s[TK], &s[TC]) | (s[TK].bad || s[TC].bad ? ~0u : 0);
	o.s = s;
	o.r = r;
	o.before = pins_family(fam) ? &before : NULL;
	for (unsigned int i = 0; i < tab->nr && !d; i++)
		if (tab->d[i].match(c, &o))
			d = &tab->d[i];
	f->cases++;
	if (r[TK] == r[TC] && !df) {
		ok = !d || d->may;
		if (ok)
			f->same++;
	} else {
		ok = d && ans_ok(d->kvm, r[TK]) && ans_ok(d->ours, r[TC]) &&
		     !(df & ~d->fields);
		if (ok) {
			f->documented++;
			S->seen[tab->first + (d - tab->d)]++;
		}
	}
	if (!ok) {
		f->unexplained++;
		if (S->shown++ < NR_SHOWN) {
			printf("# UNEXPLAINED %s: KVM %ld, kvm-irqchip %ld, fields %#x%s%s\n",
			       c->name, r[TK], r[TC], df,
			       d ? "; documented difference disappeared or changed: " : "",
			       d ? d->name : "");
			const struct rcpu *cs = c->setup ? c->setup : cur_setup;

			for (unsigned int i = 0; cs && i < N; i++) {
				printf("#   vCPU %u: hw %d sw %d x2apic %d dfr %#x ", i, cs[i].hw,
				       cs[i].sw, cs[i].x2apic, rcpu_dfr(&cs[i]));
				printf("id %#x ldr %#x tpr %#x mp %u\n", cs[i].id, cs[i].ldr,
				       cs[i].tpr, mp_want[i]);
			}
			for (unsigned int i = 0; i < 4; i++) {
				const char *h = recent[(nrecent + i) % 4];

				if (*h)
					printf("#   earlier: %s\n", h);
			}
			if (pins_family(fam))
				printf("#   before: RTC entry %016llx, KVM's RTC count %s\n",
				       (unsigned long long)before.redirtbl[RTC_PIN].bits,
				       kvm_rtc_stuck ? "stuck" : "not stuck");
			show_state_diff(&s[TK], &s[TC]);
			show_events_diff(&s[TK], &s[TC]);
		}
	}
	if (pins_family(fam))
		rtc_track(c, r[TK], &before);
	snprintf(recent[nrecent++ % 4], sizeof(recent[0]), "%.150s: KVM %ld, ours %ld",
		 c->name, r[TK], r[TC]);
	if (events_wanted(fam, c, &s[TK])) {
		events_reset(TK, s[TK].ev, s[TC].ev);
		events_reset(TC, s[TC].ev, s[TK].ev);
	}
	/* accumulate: vectors pile up while both agree, resync after a difference */
	if ((!accumulate && (!state_zero(&s[TK]) || !state_zero(&s[TC]))) ||
	    (accumulate && df)) {
		vm_clear_vectors(&T[TK]);
		vm_clear_vectors(&T[TC]);
	}
	if (df && pins_family(fam)) {
		pins_resync();
		kvm_rtc_stuck = false;
	}
	return ok;
}

/* ------------------------------------------------------------------ */
/* Targets                                                              */

static const struct rcpu flat_setup[N] = {
	{ 1, 1, 0, 0, 0x01, 0, 0, 0 }, { 1, 1, 0, 1, 0x02, 0, 0, 0 }, { 1, 1, 0, 2, 0x04, 0, 0, 0 },
	{ 1, 1, 0, 3, 0x08, 0, 0, 0 }, { 1, 1, 0, 4, 0x10, 0, 0, 0 }, { 1, 1, 0, 5, 0x20, 0, 0, 0 },
	{ 1, 1, 0, 6, 0x40, 0, 0, 0 }, { 1, 1, 0, 7, 0x80, 0, 0, 0 },
};

static bool pin_routed(uint32_t gsi)
{
	if (!table.e)
		return gsi < KVM_IOAPIC_NUM_PINS;
	for (uint32_t i = 0; i < table.nr; i++)
		if (table.e[i].gsi == gsi && table.e[i].type == KVM_IRQ_ROUTING_IRQCHIP)
			return true;
	return false;
}

/* install a table on both targets (not a case: it must work) */
static long table_both(const struct kvm_irq_routing_entry *e, uint32_t nr)
{
	long r = set_routing(T[TK].fd, e, nr);

	if (!r)
		r = set_routing(T[TC].fd, e, nr);
	table.e = e;
	table.nr = nr;
	return r;
}

static int setup_both(const struct rcpu *c)
{
	return apply_setup(&T[TK], c) || apply_setup(&T[TC], c) ? -1 : 0;
}

static int open_fds(int t)
{
	int p[2];

	fds[t][FD_A] = new_eventfd();
	fds[t][FD_B] = new_eventfd();
	fds[t][FD_C] = new_eventfd();
	fds[t][FD_D] = new_eventfd();
	if (fds[t][FD_A] < 0 || fds[t][FD_B] < 0 || fds[t][FD_C] < 0 || fds[t][FD_D] < 0 ||
	    pipe(p))
		return -1;
	fds[t][FD_PIPE] = p[0];
	fds[t][FD_CLOSED] = 1000 + t;	/* checked closed below */
	fds[t][FD_NEG] = -1;
	return fcntl(fds[t][FD_CLOSED], F_GETFD) < 0 ? 0 : -1;
}

static bool kvm_hashes_vectors(void)
{
	char ch = 0;
	int fd = open("/sys/module/kvm/parameters/vector_hashing", O_RDONLY);

	if (fd < 0)
		return true;	/* the default */
	if (read(fd, &ch, 1) != 1)
		ch = 'Y';
	close(fd);
	return ch == 'Y' || ch == '1';
}

/* KVM allows x2APIC mode only with CPUID.1:ECX.x2APIC */
static int cpuid_x2apic(const struct vm *vm)
{
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[1];
	} id = { .c.nent = 1, .e[0] = { .function = 1, .ecx = 1u << 21 } };

	for (unsigned int v = 0; v < N; v++)
		if (xioctl(vm->vcpu[v], KVM_SET_CPUID2, &id))
			return -1;
	return 0;
}

/*
 * Lowest-priority arbitration the same on both: kvm-irqchip's
 * vector_hashing parameter set to KVM's before the instance is created.
 */
static void follow_kvm_hashing(void)
{
	int fd;

	kvm_hashes = kvm_hashes_vectors();
	fd = open("/sys/module/kvm_irqchip/parameters/vector_hashing", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, kvm_hashes ? "Y" : "N", 1) != 1)
			perror("vector_hashing");
		close(fd);
	}
}

/*
 * Both targets, fresh, set up as flat xAPICs with IDs 0..N-1; both start
 * with KVM_CREATE_IRQCHIP's routing table.
 */
static int targets_up(bool lapics)
{
	long xen;

	if (!kvm_available() || !kic_module_loaded())
		return -2;
	follow_kvm_hashing();
	if (vm_init_kvm(&T[TK], N) ||
	    resample_vm_init(&T[TC], N, KVM_IRQCHIP_CREATE_DEFAULT_ROUTING))
		return -1;
	if (open_fds(TK) || open_fds(TC))
		return -1;
	xen = check_ext(T[TK].sys_fd, KVM_CAP_XEN_HVM);
	kvm_has_xen = xen > 0;
	table.e = NULL;
	x2apic_ids = false;
	x2apic_quirk_off = false;
	kvm_rtc_stuck = false;
	no_bsp = false;
	cur_setup = NULL;
	if (cpuid_x2apic(&T[TK]) || events_arm(TK))
		return -1;
	if (!lapics)
		return 0;
	cur_setup = flat_setup;
	return setup_both(flat_setup);
}

#define FAMILY_DONE(fam) do { \
	struct counts *__c = &S->f[fam]; \
	ksft_print_msg("%s: %u cases, %u identical, %u documented, %u unexplained\n", \
		       #fam, __c->cases, __c->same, __c->documented, __c->unexplained); \
	EXPECT_EQ(0u, __c->unexplained); \
	EXPECT_LT(0u, __c->cases); \
} while (0)

/* one fixture, only for TEST_F_TIMEOUT; the targets are per test */
FIXTURE(conf) {
	int unused;
};

FIXTURE_SETUP(conf)
{
}

FIXTURE_TEARDOWN(conf)
{
}

/*
 * KIC_CONF_ONLY=<family>[,<family>...] runs only those (the harness's second
 * run with kvm.vector_hashing=0); the others skip, naming a feature no lane
 * expects.
 */
#define FAMILY_OFF_MSG	"missing conf-only: KIC_CONF_ONLY leaves this family out"

static bool family_off(const struct __test_metadata *m)
{
	const char *list = getenv("KIC_CONF_ONLY");
	size_t n = strlen(m->name);

	if (!list)
		return false;
	for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, m->name, n) && (p[n] == ',' || !p[n]))
			return false;
	return true;
}

#define NAME(c, ...) snprintf((c)->name, sizeof((c)->name), __VA_ARGS__)

/* check() a case given as a compound literal, named printf-style */
static void
run_case(int fam, struct ccase c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c.name, sizeof(c.name), fmt, ap);
	va_end(ap);
	check(fam, &c, false);
}

/* ------------------------------------------------------------------ */
/* 0. Capabilities and the x2APIC / extended destination ID extensions  */

static void cap_case(enum op op, long cap, uint64_t a0, uint64_t a1)
{
	struct ccase c = { .op = op, .cap = cap, .a0 = a0, .a1 = a1 };

	if (op == OP_CAP)
		run_case(F_CAPS, c, "KVM_CHECK_EXTENSION(%#lx)", cap);
	else
		run_case(F_CAPS, c, "KVM_ENABLE_CAP(%#lx, %#llx, %#llx)", cap,
			 (unsigned long long)a0, (unsigned long long)a1);
}

TEST_F_TIMEOUT(conf, capabilities_and_extensions, 120)
{
	if (family_off(_metadata))
		SKIP(return, FAMILY_OFF_MSG);
	static const long caps[] = {
		KVM_CAP_IRQ_ROUTING, KVM_CAP_IRQFD, KVM_CAP_SIGNAL_MSI,
		KVM_CAP_IRQ_INJECT_STATUS, KVM_CAP_X2APIC_API, KVM_CAP_MSI_DEVID,
		KVM_CAP_IRQFD_RESAMPLE, KVM_IRQCHIP_CAP_MODELS,
		KVM_IRQCHIP_CAP_X86_EXT_DEST_ID, KVM_IRQCHIP_CAP_ABI_VERSION,
		KVM_IRQCHIP_CAP_X86_STRICT,
	};
	static const uint64_t x2api[][2] = {
		{ 4, 0 }, { 1ull << 63, 0 }, { 0, 0 }, { 0, 1 }, { 2, 0 }, { 2, 5 },
	};
	struct ccase c;

	int up = targets_up(false);

	if (up == -2)
		SKIP(return, "missing kvm,kic: /dev/kvm or kvm-irqchip not available");
	ASSERT_EQ(0, up);
	/* fresh vCPUs: LVT0 and LVT1 at reset */
	for (unsigned int v = 0; v < 2; v++) {
		memset(&c, 0, sizeof(c));
		c.op = OP_LAPIC_REG;
		c.reg = 0x350;
		c.vcpu = v;
		c.ctx = CTX_FRESH;
		NAME(&c, "LVT0 of fresh vCPU %u", v);
		check(F_CAPS, &c, false);
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(caps); i++)
		cap_case(OP_CAP, caps[i], 0, 0);
	for (unsigned int i = 0; i < ARRAY_SIZE(x2api); i++)
		cap_case(OP_ENABLE_CAP, KVM_CAP_X2APIC_API, x2api[i][0], x2api[i][1]);
	/* xAPIC ID after disabling and re-enabling the APIC */
	{
		struct rcpu s[N];

		ASSERT_EQ(0, setup_both(flat_setup));
		memcpy(s, flat_setup, sizeof(s));
		s[2].id = 0x22;
		ASSERT_EQ(0, setup_both(s));
		memset(&c, 0, sizeof(c));
		c.op = OP_APIC_BASE;
		c.vcpu = 2;
		c.base = APIC_BASE_ADDR;
		NAME(&c, "vCPU 2: disable the APIC");
		check(F_CAPS, &c, false);
		c.base = APIC_BASE_ADDR | APIC_BASE_ENABLE;
		NAME(&c, "vCPU 2: enable the APIC");
		check(F_CAPS, &c, false);
		memset(&c, 0, sizeof(c));
		c.op = OP_LAPIC_REG;
		c.reg = APIC_ID;
		c.vcpu = 2;
		c.ctx = CTX_FRESH;
		NAME(&c, "vCPU 2: ID register after re-enabling, set to 0x22 before");
		check(F_CAPS, &c, false);
		ASSERT_EQ(0, setup_both(flat_setup));
	}

	/*
	 * xAPIC DFR neither flat nor cluster (0x7fffffff) on vCPUs 4-7 in
	 * cluster 1, flat vCPUs 0-3: KVM's fallback path (mixed models)
	 * matches nothing on the former, kvm-irqchip takes them as cluster.
	 */
	for (int t = 0; t < 2; t++)
		for (unsigned int i = 0; i < N; i++)
			ASSERT_EQ(0, lapic_config(T[t].vcpu[i], i,
						  i < 4 ? 1u << i : 0x10 | 1u << (i - 4),
						  i < 4 ? DFR_FLAT : 0x7fffffffu, SVR_ON, 0));
	{
		static const uint32_t dests[] = { 0x13, 0x11, 0x1c };

		for (unsigned int i = 0; i < 3; i++) {
			memset(&c, 0, sizeof(c));
			c.op = OP_MSI;
			c.lo = msi_addr(dests[i], true, false);
			c.data = msi_data(0x50 + i, DM_FIXED, false);
			c.ctx = CTX_DFR;
			NAME(&c, "DFR 0x7fffffff: logical dest %#x", dests[i]);
			check(F_CAPS, &c, false);
		}
	}
	ASSERT_EQ(0, setup_both(flat_setup));

	/* extended destination ID: off by default on both */
	for (unsigned int k = 0; k < 2; k++) {
		for (uint32_t ext = 0; ext < 0x80; ext += 0x15) {
			memset(&c, 0, sizeof(c));
			c.op = OP_MSI;
			c.lo = msi_addr(2, false, false) | ext << 5;
			c.data = msi_data(0x60 + ext / 0x15, DM_FIXED, false);
			c.ctx = k ? CTX_EXT_DEST : 0;
			NAME(&c, "MSI to 2, address bits 11:5 = %#x, ext dest %s", ext,
			     k ? "enabled" : "off");
			check(F_CAPS, &c, false);
		}
		if (!k)
			cap_case(OP_ENABLE_CAP, KVM_IRQCHIP_CAP_X86_EXT_DEST_ID, 1, 0);
	}

	/* KVM allows x2APIC mode only with CPUID.1:ECX.x2APIC */
	for (unsigned int v = 0; v < N; v++) {
		struct {
			struct kvm_cpuid2 c;
			struct kvm_cpuid_entry2 e[1];
		} id = { .c.nent = 1, .e[0] = { .function = 1, .ecx = 1u << 21 } };

		ASSERT_EQ(0, xioctl(T[TK].vcpu[v], KVM_SET_CPUID2, &id));
	}
	/* x2APIC mode: the ID register, then the transition back */
	for (unsigned int k = 0; k < 2; k++) {
		for (unsigned int v = 0; v < 4; v++) {
			memset(&c, 0, sizeof(c));
			c.op = OP_APIC_BASE;
			c.vcpu = v;
			c.base = APIC_BASE_ADDR | APIC_BASE_ENABLE | APIC_BASE_X2APIC |
				 (v ? 0 : APIC_BASE_BSP);
			c.ctx = k ? CTX_32BIT : 0;
			NAME(&c, "vCPU %u to x2APIC mode", v);
			if (!k)
				check(F_CAPS, &c, false);
			c.op = OP_LAPIC_REG;
			c.reg = APIC_ID;
			c.ctx |= CTX_X2APIC;
			NAME(&c, "vCPU %u x2APIC ID register%s", v, k ? ", 32-bit IDs" : "");
			check(F_CAPS, &c, false);
		}
		if (!k)
			cap_case(OP_ENABLE_CAP, KVM_CAP_X2APIC_API,
				 KVM_X2APIC_API_USE_32BIT_IDS, 0);
	}
	memset(&c, 0, sizeof(c));
	c.op = OP_APIC_BASE;
	c.vcpu = 3;
	c.base = APIC_BASE_ADDR | APIC_BASE_ENABLE;
	c.ctx = CTX_X2APIC;
	NAME(&c, "vCPU 3: x2APIC straight to xAPIC");
	check(F_CAPS, &c, false);
	c.base = APIC_BASE_ADDR;
	NAME(&c, "vCPU 2: x2APIC to disabled");
	c.vcpu = 2;
	check(F_CAPS, &c, false);
	FAMILY_DONE(F_CAPS);
}

/* ------------------------------------------------------------------ */
/* 1. Routing validation matrix, and KVM_IRQ_LINE_STATUS               */

static struct kvm_irq_routing_entry typed(uint32_t gsi, uint32_t type)
{
	struct kvm_irq_routing_entry e;

	memset(&e, 0, sizeof(e));
	e.gsi = gsi;
	e.type = type;
	switch (type) {
	case KVM_IRQ_ROUTING_IRQCHIP:
		e.u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		e.u.irqchip.pin = 1;
		break;
	case KVM_IRQ_ROUTING_MSI:
		e = route_msi(gsi, msi_addr(1, false, false), 0, msi_data(0x41, DM_FIXED, 0));
		break;
	case KVM_IRQ_ROUTING_HV_SINT:
		e.u.hv_sint.vcpu = 0;
		e.u.hv_sint.sint = 2;
		break;
	case KVM_IRQ_ROUTING_XEN_EVTCHN:
		e.u.xen_evtchn.port = 3;
		e.u.xen_evtchn.vcpu = 0;
		e.u.xen_evtchn.priority = KVM_IRQ_ROUTING_XEN_EVTCHN_PRIO_2LEVEL;
		break;
	}
	return e;
}

static void route_case(struct __test_metadata *_metadata, const char *name,
		       const struct kvm_irq_routing_entry *e, uint32_t nr, uint32_t flags)
{
	run_case(F_ROUTING, (struct ccase){ .op = OP_ROUTE, .e = e, .nr = nr, .rflags = flags },
		 "KVM_SET_GSI_ROUTING: %s", name);
}

static void line_case(uint32_t gsi, uint32_t level, const char *what)
{
	run_case(F_ROUTING, (struct ccase){ .op = OP_LINE, .gsi = gsi, .level = level },
		 "KVM_IRQ_LINE_STATUS gsi %u level %u (%s)", gsi, level, what);
}

TEST_F_TIMEOUT(conf, routing_matrix, 120)
{
	if (family_off(_metadata))
		SKIP(return, FAMILY_OFF_MSG);
	static const uint32_t types[] = { 0, 1, 2, 3, 4, 5, 6, 99, 0xffffffffu };
	static const uint32_t eflags[] = { 0, 1, 2, 3, 0x80000000u };
	static const uint32_t chips[] = { 0, 1, 2, 3, 0xffffffffu };
	static const uint32_t pins[] = { 0, 7, 8, 23, 24, 0xffffffffu };
	static const uint32_t gsis[] = { 0, 1, 4094, 4095, 4096, 0xffff, 0x80000000u,
					 0xffffffffu };
	static const uint32_t dup_types[] = { 10, 11, 12, KVM_IRQ_ROUTING_MSI,
					      KVM_IRQ_ROUTING_HV_SINT,
					      KVM_IRQ_ROUTING_XEN_EVTCHN };
	struct kvm_irq_routing_entry e[4], *big;
	char name[128];

	int up = targets_up(true);

	if (up == -2)
		SKIP(return, "missing kvm,kic: /dev/kvm or kvm-irqchip not available");
	ASSERT_EQ(0, up);

	/* before any KVM_SET_GSI_ROUTING: KVM's default pin routes */
	for (uint32_t g = 0; g < 24; g += 3)
		line_case(g, 1, "table at creation");
	line_case(24, 1, "table at creation");
	line_case(4095, 1, "table at creation");

	/* every type x every entry flag */
	for (unsigned int t = 0; t < ARRAY_SIZE(types); t++) {
		for (unsigned int f = 0; f < ARRAY_SIZE(eflags); f++) {
			e[0] = typed(1, types[t]);
			e[0].flags = eflags[f];
			snprintf(name, sizeof(name), "type %u flags %#x", types[t], eflags[f]);
			route_case(_metadata, name, e, 1, 0);
		}
	}
	/* XEN: bad priority, ports */
	{
		static const uint32_t ports[] = { 0, 1023, 1024, 4095, 4096 };

		e[0] = typed(1, KVM_IRQ_ROUTING_XEN_EVTCHN);
		e[0].u.xen_evtchn.priority = 3;
		route_case(_metadata, "xen priority 3", e, 1, 0);
		for (unsigned int i = 0; i < 5; i++) {
			e[0] = typed(1, KVM_IRQ_ROUTING_XEN_EVTCHN);
			e[0].u.xen_evtchn.port = ports[i];
			snprintf(name, sizeof(name), "xen port %u", ports[i]);
			route_case(_metadata, name, e, 1, 0);
		}
	}
	/* irqchip x pin */
	for (unsigned int c = 0; c < ARRAY_SIZE(chips); c++) {
		for (unsigned int p = 0; p < ARRAY_SIZE(pins); p++) {
			e[0] = route_pin(1, chips[c], pins[p]);
			snprintf(name, sizeof(name), "irqchip %u pin %u", chips[c], pins[p]);
			route_case(_metadata, name, e, 1, 0);
		}
	}
	/* gsi boundaries, per type */
	for (unsigned int g = 0; g < ARRAY_SIZE(gsis); g++) {
		for (uint32_t t = 1; t <= 2; t++) {
			e[0] = typed(gsis[g], t);
			snprintf(name, sizeof(name), "type %u gsi %u", t, gsis[g]);
			route_case(_metadata, name, e, 1, 0);
		}
	}
	/* duplicates: every ordered pair of entry kinds on one GSI, and apart */
	for (unsigned int a = 0; a < 6; a++) {
		for (unsigned int b = 0; b < 6; b++) {
			for (uint32_t apart = 0; apart < 2; apart++) {
				for (int k = 0; k < 2; k++) {
					uint32_t ty = k ? dup_types[b] : dup_types[a];

					e[k] = ty >= 10 ? route_pin(7, ty - 10, 2 + k) :
							  typed(7, ty);
				}
				e[1].gsi += apart;
				snprintf(name, sizeof(name), "kinds %u and %u on gsi 7%s",
					 dup_types[a], dup_types[b], apart ? "/8" : "");
				route_case(_metadata, name, e, 2, 0);
			}
		}
	}
	e[0] = route_pin(7, KVM_IRQCHIP_PIC_MASTER, 1);
	e[1] = route_pin(7, KVM_IRQCHIP_PIC_SLAVE, 1);
	e[2] = route_pin(7, KVM_IRQCHIP_IOAPIC, 1);
	route_case(_metadata, "all three chips on one gsi", e, 3, 0);
	e[3] = route_pin(7, KVM_IRQCHIP_IOAPIC, 1);
	route_case(_metadata, "all three chips + ioapic again", e, 4, 0);
	e[0] = route_pin(7, KVM_IRQCHIP_IOAPIC, 1);
	e[1] = route_pin(7, KVM_IRQCHIP_IOAPIC, 1);
	route_case(_metadata, "same pin entry twice", e, 2, 0);
	e[0] = typed(7, KVM_IRQ_ROUTING_MSI);
	e[1] = typed(7, KVM_IRQ_ROUTING_MSI);
	route_case(_metadata, "same msi entry twice", e, 2, 0);
	/* good entries, then a bad one */
	e[0] = typed(1, KVM_IRQ_ROUTING_MSI);
	e[1] = typed(2, KVM_IRQ_ROUTING_MSI);
	e[2] = route_pin(3, KVM_IRQCHIP_IOAPIC, 24);
	route_case(_metadata, "good, good, bad pin", e, 3, 0);
	/* table flags */
	e[0] = typed(1, KVM_IRQ_ROUTING_MSI);
	route_case(_metadata, "table flags 1", e, 1, 1);
	route_case(_metadata, "table flags 0x80000000", e, 1, 0x80000000u);
	/* padding is not checked */
	e[0] = typed(1, KVM_IRQ_ROUTING_MSI);
	e[0].pad = 0x5a5a;
	route_case(_metadata, "entry pad", e, 1, 0);
	e[0] = typed(1, KVM_IRQ_ROUTING_MSI);
	e[0].u.pad[6] = 0x12345678;
	route_case(_metadata, "union pad", e, 1, 0);
	e[0] = route_pin(1, KVM_IRQCHIP_IOAPIC, 1);
	e[0].u.pad[5] = 1;
	route_case(_metadata, "irqchip with union pad", e, 1, 0);

	/* sizes: nr = 0, 1, max, max + 1; the last entry at gsi max - 1 */
	big = calloc(MAX_ROUTES + 1, sizeof(*big));
	ASSERT_NE(NULL, big);
	for (uint32_t i = 0; i <= MAX_ROUTES; i++)
		big[i] = route_msi(i % MAX_ROUTES, msi_addr(i % N, false, false), 0,
				   msi_data(0x20 + i % 0xc0, DM_FIXED, false));
	route_case(_metadata, "nr 0", big, 0, 0);
	route_case(_metadata, "nr 1", big, 1, 0);
	route_case(_metadata, "nr max (4096), gsi 0..max - 1", big, MAX_ROUTES, 0);
	route_case(_metadata, "nr max + 1", big, MAX_ROUTES + 1, 0);
	big[MAX_ROUTES - 1].gsi = MAX_ROUTES;
	route_case(_metadata, "nr max, last gsi = max", big, MAX_ROUTES, 0);
	big[MAX_ROUTES - 1].gsi = 0;
	route_case(_metadata, "nr max, last gsi duplicates gsi 0", big, MAX_ROUTES, 0);
	free(big);
	{
		struct ccase c;
		struct kvm_irq_routing hdr = { .nr = 0xffffffffu };
		char *pg = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct kvm_irq_routing *edge;

		ASSERT_NE(MAP_FAILED, pg);
		ASSERT_EQ(0, mprotect(pg + 4096, 4096, PROT_NONE));
		edge = (struct kvm_irq_routing *)(pg + 4096 - sizeof(*edge));
		edge->nr = 1;
		memset(&c, 0, sizeof(c));
		c.op = OP_ROUTE_RAW;
		c.raw = &hdr;
		NAME(&c, "KVM_SET_GSI_ROUTING: nr 0xffffffff");
		check(F_ROUTING, &c, false);
		c.raw = NULL;
		NAME(&c, "KVM_SET_GSI_ROUTING: NULL argument");
		check(F_ROUTING, &c, false);
		c.raw = edge;
		NAME(&c, "KVM_SET_GSI_ROUTING: entries on an unmapped page");
		check(F_ROUTING, &c, false);
		edge->nr = 0;
		NAME(&c, "KVM_SET_GSI_ROUTING: nr 0 before an unmapped page");
		check(F_ROUTING, &c, false);
		munmap(pg, 8192);
	}

	/* KVM_IRQ_LINE_STATUS through a table of MSI and pin routes */
	{
		struct kvm_irq_routing_entry t[8] = {
			route_msi(5, msi_addr(0xff, false, false), 0,
				  msi_data(0x55, DM_FIXED, false)),
			route_msi(6, msi_addr(3, false, false), 0, msi_data(0x56, DM_FIXED, 0)),
			route_msi(7, msi_addr(0x40, false, false), 0,
				  msi_data(0x57, DM_FIXED, false)),
			route_msi(8, msi_addr(2, false, false), 0, msi_data(0x58, DM_FIXED, 1)),
			route_pin(9, KVM_IRQCHIP_IOAPIC, 9),
			route_pin(10, KVM_IRQCHIP_PIC_MASTER, 3),
			route_pin(10, KVM_IRQCHIP_IOAPIC, 10),
			route_msi(4095, msi_addr(1, true, false), 0, msi_data(0x59, DM_FIXED, 0)),
		};
		static const struct { uint32_t gsi, level; } l[] = {
			{ 5, 1 }, { 5, 0 }, { 6, 1 }, { 7, 1 }, { 8, 1 }, { 8, 0 }, { 9, 1 },
			{ 9, 0 }, { 10, 1 }, { 10, 0 }, { 11, 1 }, { 4095, 1 }, { 4096, 1 },
			{ 100000, 1 },
		};

		route_case(_metadata, "msi and pin routes", t, 8, 0);
		for (unsigned int i = 0; i < ARRAY_SIZE(l); i++)
			line_case(l[i].gsi, l[i].level, "msi and pin routes");
	}

	/* 32-bit IDs: address_hi[7:0] in routes and KVM_SIGNAL_MSI */
	{
		static const uint32_t his[] = { 0, 1, 0x80, 0xff, 0x100, 0x1ff, 0x200,
						0xffffff00u };

		ASSERT_EQ(0, enable_cap(T[TK].fd, KVM_CAP_X2APIC_API,
					KVM_X2APIC_API_USE_32BIT_IDS, 0));
		ASSERT_EQ(0, enable_cap(T[TC].fd, KVM_CAP_X2APIC_API,
					KVM_X2APIC_API_USE_32BIT_IDS, 0));

		for (unsigned int i = 0; i < ARRAY_SIZE(his); i++) {
			struct ccase c;

			e[0] = route_msi(3, msi_addr(1, false, false), his[i],
					 msi_data(0x63, DM_FIXED, false));
			snprintf(name, sizeof(name), "32-bit IDs, address_hi %#x", his[i]);
			route_case(_metadata, name, e, 1, 0);
			memset(&c, 0, sizeof(c));
			c.op = OP_MSI;
			c.lo = msi_addr(1, false, false);
			c.hi = his[i];
			c.data = msi_data(0x64, DM_FIXED, false);
			c.setup = flat_setup;
			NAME(&c, "KVM_SIGNAL_MSI: 32-bit IDs, address_hi %#x", his[i]);
			check(F_ROUTING, &c, false);
		}
		e[0] = route_msi(3, msi_addr(1, false, false), 1, msi_data(0x63, DM_FIXED, 0));
		ASSERT_EQ(0, enable_cap(T[TK].fd, KVM_CAP_X2APIC_API, 0, 0));
		ASSERT_EQ(0, enable_cap(T[TC].fd, KVM_CAP_X2APIC_API, 0, 0));
	}
	FAMILY_DONE(F_ROUTING);
}

/* ------------------------------------------------------------------ */
/* 2. irqfd                                                             */

static void irqfd_case(int fdk, uint32_t gsi, uint32_t flags, int rfdk, const char *what)
{
	static const char *const fdn[FD_NR] = { "eventfd A", "eventfd B", "pipe",
						 "closed fd", "fd -1" };

	run_case(F_IRQFD,
		 (struct ccase){ .op = OP_IRQFD, .fdk = fdk, .gsi = gsi,
				 .iflags = flags, .rfdk = rfdk,
				 .ctx = pin_routed(gsi) ? 0 : CTX_NOPIN },
		 "KVM_IRQFD %s gsi %u flags %#x resamplefd %s (%s)", fdn[fdk], gsi, flags,
		 fdn[rfdk], what);
}

/* Undo whatever a case bound, on both targets, without counting. */
static void irqfd_unbind(uint32_t gsi)
{
	for (int t = 0; t < 2; t++) {
		for (int k = FD_A; k <= FD_B; k++) {
			struct kvm_irqfd a = { .fd = fds[t][k], .gsi = gsi,
					       .flags = KVM_IRQFD_FLAG_DEASSIGN };

			xioctl(T[t].fd, KVM_IRQFD, &a);
		}
	}
}

TEST_F_TIMEOUT(conf, irqfd_cases, 120)
{
	if (family_off(_metadata))
		SKIP(return, FAMILY_OFF_MSG);
	static const uint32_t flagset[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 0x80000000u };
	struct kvm_irq_routing_entry rt[3] = {
		route_msi(1, msi_addr(2, false, false), 0, msi_data(0x52, DM_FIXED, false)),
		route_pin(2, KVM_IRQCHIP_IOAPIC, 2),
		route_msi(4, msi_addr(0xff, false, false), 0, msi_data(0x54, DM_FIXED, 1)),
	};

	int up = targets_up(true);

	if (up == -2)
		SKIP(return, "missing kvm,kic: /dev/kvm or kvm-irqchip not available");
	ASSERT_EQ(0, up);
	ASSERT_EQ(0, table_both(rt, 3));

	/* every flag combination, on an MSI route, a pin route, no route */
	for (uint32_t g = 1; g <= 3; g++) {
		for (unsigned int f = 0; f < ARRAY_SIZE(flagset); f++) {
			irqfd_case(FD_A, g, flagset[f], FD_B, "flag combination");
			irqfd_unbind(g);
		}
	}
	/* resample with a bad resamplefd, or the eventfd itself */
	for (int r = FD_A; r < FD_NR; r++) {
		irqfd_case(FD_A, 2, KVM_IRQFD_FLAG_RESAMPLE, r, "resamplefd kinds");
		irqfd_unbind(2);
	}
	/* fds that are not usable eventfds */
	for (int k = FD_PIPE; k < FD_NR; k++) {
		for (unsigned int f = 0; f < 4; f++)
			irqfd_case(k, 1, f, FD_B, "not an eventfd");
	}
	/* the life of a binding */
	irqfd_case(FD_A, 1, KVM_IRQFD_FLAG_DEASSIGN, FD_B, "deassign of an unbound pair");
	irqfd_case(FD_A, 1, 0, FD_B, "bind");
	irqfd_case(FD_A, 1, 0, FD_B, "duplicate: same gsi");
	irqfd_case(FD_A, 4, 0, FD_B, "duplicate: other gsi");
	irqfd_case(FD_B, 1, 0, FD_B, "second eventfd on the gsi");
	irqfd_case(FD_A, 4, KVM_IRQFD_FLAG_DEASSIGN, FD_B, "deassign, wrong gsi");
	irqfd_case(FD_A, 1, KVM_IRQFD_FLAG_DEASSIGN | KVM_IRQFD_FLAG_RESAMPLE, FD_B,
		   "deassign with RESAMPLE");
	irqfd_case(FD_A, 1, KVM_IRQFD_FLAG_DEASSIGN, FD_B, "deassign again");
	irqfd_case(FD_A, 1, 0, FD_B, "bind again");
	irqfd_case(FD_A, 1, KVM_IRQFD_FLAG_DEASSIGN, FD_B, "deassign");
	irqfd_case(FD_B, 1, KVM_IRQFD_FLAG_DEASSIGN, FD_B, "deassign the second");
	irqfd_case(FD_A, 100000, 0, FD_B, "gsi beyond the table");
	irqfd_case(FD_A, 100000, KVM_IRQFD_FLAG_DEASSIGN, FD_B, "gsi beyond the table");
	irqfd_case(FD_A, 0xffffffffu, 0, FD_B, "gsi ~0");
	irqfd_case(FD_A, 0xffffffffu, KVM_IRQFD_FLAG_DEASSIGN, FD_B, "gsi ~0");
	/* signalled: gsi 4 (level, broadcast), then unbound */
	{
		struct ccase c;

		irqfd_case(FD_B, 4, 0, FD_B, "bind for delivery");
		memset(&c, 0, sizeof(c));
		c.op = OP_IRQFD_MSI;	/* rebinds gsi 1 only: FD_A is unbound */
		c.lo = msi_addr(2, false, false);
		c.data = msi_data(0x52, DM_FIXED, false);
		NAME(&c, "signal an unbound eventfd after replacing the table");
		check(F_IRQFD, &c, false);
		ASSERT_EQ(0, table_both(rt, 3));
		ASSERT_EQ(0, efd_signal(fds[TK][FD_B]));
		ASSERT_EQ(0, efd_signal(fds[TC][FD_B]));
		memset(&c, 0, sizeof(c));
		c.op = OP_CAP;	/* a no-op case to look at the vectors */
		c.cap = KVM_CAP_IRQFD;
		sleep_ms(100);
		NAME(&c, "vectors after signalling gsi 4 (level broadcast MSI)");
		check(F_IRQFD, &c, false);
		irqfd_case(FD_B, 4, KVM_IRQFD_FLAG_DEASSIGN, FD_B, "unbind after delivery");
	}
	FAMILY_DONE(F_IRQFD);
}

/* ------------------------------------------------------------------ */
/* 3. MSI delivery matrix: KVM_SIGNAL_MSI and irqfd                    */

static void setup_cluster(struct rcpu *s)
{
	for (unsigned int i = 0; i < N; i++)
		s[i] = (struct rcpu){ 1, 1, 1, i, ((i / 4 + 1) << 4) | 1u << (i % 4), 0, 0, 0 };
}

static void msi_case(int fam, const struct rcpu *setup, struct rmsg m, bool via_irqfd)
{
	struct ccase c;

	memset(&c, 0, sizeof(c));
	c.op = via_irqfd ? OP_IRQFD_MSI : OP_MSI;
	c.setup = setup;
	c.lo = msg_lo(&m);
	c.data = msg_data(&m);
	NAME(&c, "%s %s dest %#x rh %d vec %#x dm %u %s", via_irqfd ? "irqfd" : "KVM_SIGNAL_MSI",
	     m.logical ? "logical" : "physical", m.dest, m.rh, m.vec, m.dm,
	     m.level ? "level" : "edge");
	check(fam, &c, false);
}

static void msi_matrix_cases(struct __test_metadata *_metadata, int fam)
{
	static const uint32_t phys[] = { 0, 1, 2, 5, 7, 8, 0x40, 0xfe, 0xff };
	static const uint32_t lflat[] = { 0x01, 0x80, 0x25, 0x0f, 0xf0, 0x00, 0xff, 0x12 };
	static const uint32_t lclus[] = { 0x11, 0x13, 0x1f, 0x28, 0x2f, 0x3f, 0x0f, 0xff };
	static const struct { uint32_t dm; bool rh, level; } kinds[] = {
		{ DM_FIXED, 0, 0 }, { DM_FIXED, 0, 1 }, { DM_LOWEST, 0, 0 },
		{ DM_LOWEST, 0, 1 }, { DM_FIXED, 1, 0 }, { DM_LOWEST, 1, 1 },
		{ DM_SMI, 0, 0 }, { DM_RESERVED, 0, 0 }, { DM_NMI, 0, 0 }, { DM_INIT, 0, 0 },
		{ DM_INIT, 0, 1 }, { DM_SIPI, 0, 0 }, { DM_EXTINT, 0, 0 },
		{ DM_NMI, 1, 0 }, { DM_SMI, 1, 0 },
	};
	enum { S_FLAT, S_CLUSTER, S_SWOFF, S_HWOFF, S_TPR, S_MIXED, S_NOLDR, S_NR };
	static struct rcpu setups[S_NR][N];
	uint32_t vec = 0x20;

	for (int s = 0; s < S_NR; s++)
		memcpy(setups[s], flat_setup, sizeof(flat_setup));
	setup_cluster(setups[S_CLUSTER]);
	setups[S_SWOFF][1].sw = false;
	setups[S_SWOFF][4].sw = false;
	setups[S_HWOFF][5].hw = false;
	for (unsigned int i = 0; i < N; i++) {
		setups[S_TPR][i].tpr = i * 0x20 + 0x0f;
		setups[S_NOLDR][i].ldr = 0;
		if (i >= 4)
			setups[S_MIXED][i] = (struct rcpu){ 1, 1, 1, i, 0x10 | 1u << (i % 4),
							    0, 0, 0 };
	}

	for (int s = 0; s < S_NR; s++) {
		const uint32_t *ld = s == S_CLUSTER ? lclus : lflat;

		ASSERT_EQ(0, setup_both(setups[s]));
		cur_setup = setups[s];
		for (unsigned int k = 0; k < ARRAY_SIZE(kinds); k++) {
			for (unsigned int d = 0; d < 9 + 8; d++) {
				struct rmsg m = {
					.dest = d < 9 ? phys[d] : ld[d - 9], .logical = d >= 9,
					.dm = kinds[k].dm, .rh = kinds[k].rh,
					.level = kinds[k].level, .vec = vec,
				};

				vec = vec == 0xff ? 0x10 : vec + 1;
				msi_case(fam, setups[s], m, false);
			}
		}
		/* a few through irqfd: physical, logical, broadcast, lowest */
		if (s == S_FLAT || s == S_CLUSTER || s == S_SWOFF) {
			ASSERT_EQ(0, irqfd(T[TK].fd, fds[TK][FD_A], 1, 0));
			ASSERT_EQ(0, irqfd(T[TC].fd, fds[TC][FD_A], 1, 0));
			for (unsigned int k = 0; k < 6; k++) {
				for (unsigned int d = 0; d < 9 + 8; d += 2) {
					struct rmsg m = {
						.dest = d < 9 ? phys[d] : ld[d - 9],
						.logical = d >= 9, .dm = kinds[k].dm,
						.rh = kinds[k].rh, .level = kinds[k].level,
						.vec = 0x90 + d,
					};

					msi_case(fam, setups[s], m, true);
				}
			}
			ASSERT_EQ(0, irqfd(T[TK].fd, fds[TK][FD_A], 1, KVM_IRQFD_FLAG_DEASSIGN));
			ASSERT_EQ(0, irqfd(T[TC].fd, fds[TC][FD_A], 1, KVM_IRQFD_FLAG_DEASSIGN));
		}
	}

	/* vectors 0-15, fixed and lowest priority, to enabled LAPICs */
	ASSERT_EQ(0, setup_both(flat_setup));
	for (uint32_t v = 0; v < 16; v++) {
		struct rmsg m = { .dest = v % N, .vec = v, .dm = v & 1 ? DM_LOWEST : DM_FIXED };

		msi_case(fam, flat_setup, m, false);
	}
	/* edge after level on a vector whose TMR bit is set: TMR cleared */
	{
		struct ccase c;
		struct kvm_lapic_state s;

		for (int t = 0; t < 2; t++) {
			ASSERT_EQ(0, lapic_get(T[t].vcpu[2], &s));
			apic_vec_set(&s, APIC_TMR, 0x9b, true);
			apic_vec_set(&s, APIC_ISR, 0x9b, true);
			ASSERT_EQ(0, lapic_set(T[t].vcpu[2], &s));
		}
		memset(&c, 0, sizeof(c));
		c.op = OP_MSI;
		c.setup = flat_setup;
		c.lo = msi_addr(2, false, false);
		c.data = msi_data(0x9b, DM_FIXED, false);
		NAME(&c, "edge MSI on a vector with TMR and ISR set");
		check(fam, &c, false);
	}
}

TEST_F_TIMEOUT(conf, msi_matrix, 400)
{
	if (family_off(_metadata))
		SKIP(return, FAMILY_OFF_MSG);
	int up = targets_up(true);

	if (up == -2)
		SKIP(return, "missing kvm,kic: /dev/kvm or kvm-irqchip not available");
	ASSERT_EQ(0, up);
	msi_matrix_cases(_metadata, F_MSI);
	FAMILY_DONE(F_MSI);
}

/* ------------------------------------------------------------------ */
/* 4. Seeded random MSIs and LAPIC set-ups                             */

/* xorshift64* */
static uint64_t rnd_state;

static uint32_t rnd(uint32_t n)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return (uint32_t)((rnd_state * 0x2545F4914F6CDD1Dull) >> 32) % n;
}

/*
 * A random LAPIC set-up from the whole space: any xAPIC IDs (repeats and
 * IDs nobody holds too), logical IDs of any bits, DFRs flat, cluster or
 * neither, x2APIC mode, software- and hardware-disabled LAPICs, any TPR;
 * and for each vCPU the MP state its KVM twin waits in (events_snap()).
 */
static void random_setup(struct rcpu *c)
{
	uint32_t scheme = rnd(4), x2 = rnd(4);

	for (unsigned int i = 0; i < N; i++) {
		uint32_t k = rnd(20);

		memset(&c[i], 0, sizeof(c[i]));
		c[i].hw = rnd(10) != 0;
		c[i].sw = rnd(5) != 0;
		c[i].x2apic = x2 == 0 || (x2 == 1 && rnd(2));
		c[i].id = rnd(4) ? i ^ rnd(2) * rnd(N) : rnd(256);
		c[i].cluster = scheme == 1 || (scheme >= 2 && rnd(2));
		if (k == 0)
			c[i].dfr = rnd(2) ? 0x7fffffff : rnd(0xffffffffu) | 0x0fffffff;
		c[i].tpr = rnd(3) ? rnd(256) : 0;
		if (rnd(8) == 0)
			c[i].ldr = 0;
		else if (rnd(4) == 0)
			c[i].ldr = rnd(256);
		else if (c[i].cluster)
			c[i].ldr = rnd(4) << 4 | 1u << rnd(4);
		else
			c[i].ldr = 1u << rnd(8);
		mp_want[i] = rnd(3) ? KVM_MP_STATE_RUNNABLE : KVM_MP_STATE_INIT_RECEIVED;
	}
}

/* a logical destination made of the IDs the set-up holds, or not */
static uint32_t random_logical_dest(const struct rcpu *c)
{
	uint32_t r = rnd(10), dest = 0;

	if (r == 0)
		return 0xff;
	if (r < 4)
		return rnd(256);
	for (unsigned int i = 0; i < N; i++) {
		uint32_t ldr = c[i].x2apic ? 1u << (i & 0xf) : c[i].ldr;

		if (rnd(3) == 0)
			dest |= c[i].x2apic || (c[i].cluster && !c[i].dfr) ?
				(dest & 0xf0 ? ldr & 0xf : ldr) : ldr;
	}
	return dest & 0xff;
}

/*
 * A random message from the whole space: any vector (0-15 too), any of
 * the 8 delivery modes, redirection hint, trigger, physical or logical,
 * destinations held by LAPICs, broadcasts and IDs nobody holds.
 */
static void random_msg(const struct rcpu *c, struct rmsg *m)
{
	uint32_t r = rnd(20);

	m->vec = rnd(8) ? 16 + rnd(240) : rnd(256);
	m->dm = r < 8 ? DM_FIXED : r < 15 ? DM_LOWEST : rnd(8);
	m->rh = rnd(4) == 0;
	m->level = rnd(2);
	m->logical = rnd(2);
	if (m->logical) {
		m->dest = random_logical_dest(c);
		return;
	}
	r = rnd(10);
	m->dest = r < 5 ? c[rnd(N)].id : r < 6 ? (uint32_t)rnd(N) : r < 7 ? 0xff : rnd(256);
}

/*
 * Each random family must reach its count within KIC_CONF_SECONDS
 * (default 90): a run that does fewer fails, so the suite cannot shrink
 * quietly on a slow machine.
 */
#define RANDOM_MSGS	20000

static uint64_t random_seed(const char *family)
{
	const char *env = getenv("KIC_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) :
			(uint64_t)time(NULL) ^ (uint64_t)getpid() << 16;

	printf("# %s: seed %llu (KIC_SEED=%llu replays it)\n", family,
	       (unsigned long long)seed, (unsigned long long)seed);
	fflush(stdout);
	rnd_state = seed ? seed : 1;
	return seed;
}

static uint64_t random_deadline(void)
{
	const char *secs = getenv("KIC_CONF_SECONDS");

	return now_ms() + 1000ull * (secs ? strtoul(secs, NULL, 0) : 90);
}

/* the minimum a random family must reach; KIC_CONF_MIN_SCALE scales it */
static unsigned int random_minimum(unsigned int count)
{
	const char *scale = getenv("KIC_CONF_MIN_SCALE");

	return scale ? (unsigned int)(count * strtod(scale, NULL)) : count;
}

TEST_F_TIMEOUT(conf, random_msis, 900)
{
	if (family_off(_metadata))
		SKIP(return, FAMILY_OFF_MSG);
	uint64_t seed = random_seed("random_msis"), end = random_deadline();
	unsigned int sent = 0, want = random_minimum(RANDOM_MSGS);
	static struct rcpu c[N];
	int up = targets_up(false);

	if (up == -2)
		SKIP(return, "missing kvm,kic: /dev/kvm or kvm-irqchip not available");
	ASSERT_EQ(0, up);
	no_bsp = true;		/* so that an INIT shows in every vCPU's MP state */
	ASSERT_EQ(0, irqfd(T[TK].fd, fds[TK][FD_A], 1, 0));
	ASSERT_EQ(0, irqfd(T[TC].fd, fds[TC][FD_A], 1, 0));
	while (sent < want && now_ms() < end) {
		random_setup(c);
		ASSERT_EQ(0, setup_both(c));
		ASSERT_EQ(0, events_arm(TK));
		cur_setup = c;
		for (int k = 0; k < 50 && sent < want; k++, sent++) {
			struct ccase cs;
			struct rmsg m;

			random_msg(c, &m);
			memset(&cs, 0, sizeof(cs));
			cs.op = rnd(16) ? OP_MSI : OP_IRQFD_MSI;
			cs.setup = c;
			cs.lo = msg_lo(&m);
			cs.data = msg_data(&m);
			NAME(&cs, "seed %llu msg %u: %s%s dest %#x rh %d vec %#x dm %u %s",
			     (unsigned long long)seed, sent, cs.op == OP_MSI ? "" : "irqfd ",
			     m.logical ? "logical" : "physical", m.dest, m.rh, m.vec, m.dm,
			     m.level ? "level" : "edge");
			check(F_RANDOM, &cs, true);
		}
	}
	printf("# random_msis: seed %llu, %u messages (minimum %u)\n",
	       (unsigned long long)seed, sent, want);
	EXPECT_GE(sent, want);
	FAMILY_DONE(F_RANDOM);
}

/* ------------------------------------------------------------------ */
/* 5. Pins: the IOAPIC and the PICs                                     */

#define IOAPIC_BASE	0xfec00000ull
#define RTE_MASKED	BIT_ULL(16)

static bool pins_family(int fam)
{
	return fam == F_PINS || fam == F_PINS_RANDOM;
}

/* KVM_CREATE_IRQCHIP's chips: the PICs cleared, every IOAPIC entry masked */
static void pins_reset(struct pins *p)
{
	memset(p, 0, sizeof(*p));
	p->pic[0].elcr_mask = 0xf8;
	p->pic[1].elcr_mask = 0xde;
	p->io.base_address = IOAPIC_BASE;
	for (int i = 0; i < KVM_IOAPIC_NUM_PINS; i++)
		p->io.redirtbl[i].bits = RTE_MASKED;
}

/*
 * After a difference: both targets get the reset chips back, uncounted,
 * so that one difference does not make every later case differ.
 */
static void pins_resync(void)
{
	struct pins p;

	pins_reset(&p);
	set_pins(T[TK].fd, &p);
	set_pins(T[TC].fd, &p);
}

/* one redirection entry, as the cases describe it */
struct rte {
	uint32_t vec, dm, dest;
	bool logical, level, masked, rirr;
};

/* an entry for one pin, in the tables of the cases */
struct pin_rte {
	unsigned int pin;
	struct rte r;
};

static uint64_t rte_raw(const struct rte *r)
{
	return (uint64_t)(r->vec & 0xff) | (uint64_t)(r->dm & 7) << 8 |
	       (uint64_t)r->logical << 11 | (uint64_t)r->rirr << 14 |
	       (uint64_t)r->level << 15 | (uint64_t)r->masked << 16 |
	       (uint64_t)(r->dest & 0xff) << 56;
}

/* the entry's bits, as described */
static uint64_t rte_bits(struct rte r)
{
	return rte_raw(&r);
}

static void put_rtes(struct pins *p, const struct pin_rte *t, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p->io.redirtbl[t[i].pin].bits = rte_bits(t[i].r);
}

static const char *rte_name(char *buf, size_t n, uint64_t b)
{
	static const char *const dm[8] = { "fixed", "lowest", "SMI", "dm 3", "NMI", "INIT",
					   "SIPI", "ExtINT" };

	snprintf(buf, n, "%s %s %s %#x vec %#x%s%s", b >> 15 & 1 ? "level" : "edge",
		 dm[b >> 8 & 7], b >> 11 & 1 ? "logical" : "physical",
		 (unsigned int)(b >> 56), (unsigned int)(b & 0xff),
		 b >> 16 & 1 ? " masked" : "", b >> 14 & 1 ? " remote-IRR" : "");
	return buf;
}

/* check() a case of a pins family; state carries over from case to case */
static void
pin_case(int fam, struct ccase c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c.name, sizeof(c.name), fmt, ap);
	va_end(ap);
	check(fam, &c, true);
}

/* a fresh start: vectors cleared (uncounted), then the three chips set */
static void pins_start(int fam, const struct pins *p, const char *what)
{
	vm_clear_vectors(&T[TK]);
	vm_clear_vectors(&T[TC]);
	pin_case(fam, (struct ccase){ .op = OP_SET_PINS, .pins = p },
		 "KVM_SET_IRQCHIP x3: %s", what);
}

static void pin_line(int fam, uint32_t gsi, uint32_t level, unsigned int ctx, const char *what)
{
	pin_case(fam, (struct ccase){ .op = OP_LINE, .gsi = gsi, .level = level, .ctx = ctx },
		 "KVM_IRQ_LINE_STATUS gsi %u level %u (%s)", gsi, level, what);
}

static void line_status(int fam, uint32_t gsi, uint32_t level, const char *what)
{
	pin_line(fam, gsi, level, 0, what);
}

static void line_plain(int fam, uint32_t gsi, uint32_t level, const char *what)
{
	pin_case(fam, (struct ccase){ .op = OP_LINE_PLAIN, .gsi = gsi, .level = level },
		 "KVM_IRQ_LINE gsi %u level %u (%s)", gsi, level, what);
}

/* raise, raise again, lower, raise without status, lower, raise as 2, lower */
static void line_steps(int fam, uint32_t gsi, const char *what)
{
	line_status(fam, gsi, 1, what);
	line_status(fam, gsi, 1, what);
	line_status(fam, gsi, 0, what);
	line_plain(fam, gsi, 1, what);
	line_status(fam, gsi, 0, what);
	line_status(fam, gsi, 2, what);
	line_plain(fam, gsi, 0, what);
}

static void chip_case(int fam, uint32_t id, const void *st, size_t len, const char *what)
{
	struct kvm_irqchip ch;

	memset(&ch, 0, sizeof(ch));
	ch.chip_id = id;
	memcpy(&ch.chip, st, len);
	pin_case(fam, (struct ccase){ .op = OP_SET_CHIP, .chip = &ch },
		 "KVM_SET_IRQCHIP chip %u: %s", id, what);
}

/* xorshift state of section 4; a PIC as a saved guest might leave it */
static void random_pic(struct kvm_pic_state *s, bool slave)
{
	memset(s, 0, sizeof(*s));
	s->elcr_mask = slave ? 0xde : 0xf8;
	s->last_irr = rnd(256);
	s->irr = rnd(256);
	s->imr = rnd(3) ? rnd(256) : 0;
	s->isr = rnd(3) ? 0 : 1u << rnd(8) | (rnd(4) ? 0 : rnd(256));
	s->priority_add = rnd(8);
	s->irq_base = rnd(32) << 3;
	s->read_reg_select = rnd(2);
	s->special_mask = rnd(4) == 0;
	s->init_state = rnd(6) ? 0 : rnd(4);
	s->auto_eoi = rnd(2);
	s->rotate_on_auto_eoi = rnd(4) == 0;
	s->special_fully_nested_mode = rnd(4) == 0;
	s->init4 = rnd(2);
	s->elcr = rnd(256) & s->elcr_mask;
}

/* a random entry, of any kind, the RTC's too */
static uint64_t random_rte(void)
{
	static const uint32_t other[] = { DM_NMI, DM_SMI, DM_INIT, DM_EXTINT, DM_SIPI,
					  DM_RESERVED };
	uint32_t k = rnd(20);
	struct rte r = {
		.vec = rnd(8) ? 0x10 + rnd(0xf0) : rnd(256),
		.dm = k < 12 ? DM_FIXED : k < 17 ? DM_LOWEST : other[rnd(6)],
		.logical = rnd(3) == 0,
		.level = rnd(2),
		.masked = rnd(4) == 0,
	};

	r.rirr = r.level && rnd(4) == 0;
	if (r.logical)
		r.dest = rnd(8) ? 1u << rnd(8) | (rnd(2) ? rnd(256) : 0) : 0xff;
	else
		r.dest = rnd(10) < 8 ? rnd(N) : rnd(2) ? 0xff : rnd(256);
	return rte_bits(r) | (rnd(4) ? 0 : 1ull << 13);	/* polarity: stored only */
}

/* a random IOAPIC */
static void random_ioapic(struct kvm_ioapic_state *io)
{
	memset(io, 0, sizeof(*io));
	io->base_address = IOAPIC_BASE;
	io->id = rnd(16);
	io->ioregsel = rnd(256);
	io->irr = rnd(3) ? 0 : rnd(1u << 24) & rnd(1u << 24);
	for (int i = 0; i < KVM_IOAPIC_NUM_PINS; i++)
		io->redirtbl[i].bits = rnd(5) ? random_rte() : RTE_MASKED;
}

static void random_pins(struct pins *p)
{
	random_pic(&p->pic[0], false);
	random_pic(&p->pic[1], true);
	random_ioapic(&p->io);
}

/* KVM_CREATE_IRQCHIP's table, for table_both() */
static struct kvm_irq_routing_entry default_rt[RESAMPLE_DEFAULT_ROUTES];

/* 5a. KVM_GET_IRQCHIP / KVM_SET_IRQCHIP */
static void pins_roundtrip(void)
{
	static const uint32_t bad_ids[] = { 3, 4, 0x80000000u, 0xffffffffu };
	static const struct kvm_pic_state pics[] = {
		{ .imr = 0xff },
		{ .last_irr = 0x42, .irr = 0x5a, .imr = 0x0f, .isr = 0x10 },
		{ .irr = 0xff, .elcr = 0xf8 },
		{ .irq_base = 0x70, .init4 = 1, .auto_eoi = 1, .special_fully_nested_mode = 1,
		  .priority_add = 3, .rotate_on_auto_eoi = 1 },
		{ .init_state = 2, .read_reg_select = 1, .poll = 1, .special_mask = 1 },
		{ .irr = 0xff },
		{ .irr = 0x81, .isr = 0x01, .priority_add = 7 },
	};
	struct kvm_irqchip ch;
	struct pins p;
	char n[96];

	for (unsigned int id = 0; id < 3; id++)
		pin_case(F_PINS, (struct ccase){ .op = OP_GET_CHIP, .reg = id },
			 "KVM_GET_IRQCHIP chip %u at creation", id);
	for (unsigned int i = 0; i < ARRAY_SIZE(bad_ids); i++) {
		memset(&ch, 0, sizeof(ch));
		ch.chip_id = bad_ids[i];
		pin_case(F_PINS, (struct ccase){ .op = OP_GET_CHIP, .reg = bad_ids[i] },
			 "KVM_GET_IRQCHIP chip %#x", bad_ids[i]);
		pin_case(F_PINS, (struct ccase){ .op = OP_SET_CHIP, .chip = &ch },
			 "KVM_SET_IRQCHIP chip %#x", bad_ids[i]);
	}
	pin_case(F_PINS, (struct ccase){ .op = OP_SET_CHIP },
		 "KVM_SET_IRQCHIP, NULL argument");
	for (unsigned int id = 0; id < 4; id++)
		for (uint32_t set = 0; set < 2; set++)
			pin_case(F_PINS,
				 (struct ccase){ .op = OP_NO_IRQCHIP, .reg = id, .level = set },
				 "KVM_%s_IRQCHIP chip %u before the irqchip exists",
				 set ? "SET" : "GET", id);

	/* the PICs one by one: the slave's request pulses master pin 2 */
	for (unsigned int c = 0; c < 2; c++) {
		for (unsigned int i = 0; i < ARRAY_SIZE(pics); i++) {
			struct kvm_pic_state s = pics[i];

			s.elcr_mask = c ? 0xde : 0xf8;
			s.elcr &= s.elcr_mask;
			chip_case(F_PINS, c, &s, sizeof(s), "a fixed PIC state");
		}
		pins_reset(&p);
		chip_case(F_PINS, c, &p.pic[c], sizeof(p.pic[c]), "back to reset");
	}
	/*
	 * Every KVM_SET_IRQCHIP, of any chip ID, re-evaluates the PICs: a
	 * requesting slave pulses master IR2 each time, which sets IRR 2
	 * again once an earlier pulse has cleared last_irr 2.
	 */
	pins_reset(&p);
	p.pic[1].irr = 0x10;
	chip_case(F_PINS, 1, &p.pic[1], sizeof(p.pic[1]), "slave request, master idle");
	p.pic[0].last_irr = 0x04;
	chip_case(F_PINS, 0, &p.pic[0], sizeof(p.pic[0]),
		  "master, last_irr 2 set, irr 2 clear, slave requesting");
	chip_case(F_PINS, KVM_IRQCHIP_IOAPIC, &p.io, sizeof(p.io),
		  "IOAPIC at reset while the slave requests");
	chip_case(F_PINS, 1, &p.pic[1], sizeof(p.pic[1]), "slave request, master idle");
	chip_case(F_PINS, 0, &p.pic[0], sizeof(p.pic[0]),
		  "master, last_irr 2 set, irr 2 clear, slave requesting");
	memset(&ch, 0, sizeof(ch));
	ch.chip_id = 3;
	pin_case(F_PINS, (struct ccase){ .op = OP_SET_CHIP, .chip = &ch },
		 "KVM_SET_IRQCHIP chip 3 while the slave requests");
	chip_case(F_PINS, 1, &p.pic[1], sizeof(p.pic[1]), "slave request, master idle");
	p.pic[0].last_irr = 0;
	p.pic[0].imr = 0x04;
	chip_case(F_PINS, 0, &p.pic[0], sizeof(p.pic[0]), "master, cascade pin masked");
	p.pic[0].elcr = 0x07;	/* outside elcr_mask */
	chip_case(F_PINS, 0, &p.pic[0], sizeof(p.pic[0]), "master ELCR outside its mask");

	/* the IOAPIC: entries of every kind, with and without pins in irr */
	for (unsigned int k = 0; k < 3; k++) {
		pins_reset(&p);
		p.io.id = 5;
		p.io.ioregsel = 0x10 + k;
		for (unsigned int i = 0; i < KVM_IOAPIC_NUM_PINS; i++) {
			struct rte r = {
				.vec = 0x40 + i * 5 + k, .dest = i % N, .level = i & 1,
				.masked = i % 3 == 0, .rirr = i % 4 == 1,
				.dm = i % 6 == 5 ? DM_LOWEST : i == 7 ? DM_NMI :
				      i == 13 ? DM_EXTINT : DM_FIXED,
				.logical = i % 5 == 4,
			};

			if (r.logical)
				r.dest = 1u << (i % N) | 0x01;
			p.io.redirtbl[i].bits = rte_bits(r);
		}
		if (k == 1)
			p.io.irr = 0x00ffffff;
		if (k == 2)
			p.io.irr = 0x00a5a5a5;
		chip_case(F_PINS, KVM_IRQCHIP_IOAPIC, &p.io, sizeof(p.io),
			  k == 0 ? "IOAPIC entries, irr 0" : "IOAPIC entries and irr");
	}
	pins_reset(&p);
	p.io.redirtbl[3].bits = rte_bits((struct rte){ .vec = 0x53, .dest = 3, .rirr = 1 });
	p.io.irr = 1u << 3;
	chip_case(F_PINS, KVM_IRQCHIP_IOAPIC, &p.io, sizeof(p.io), "edge entry with remote IRR");
	p.io.base_address = IOAPIC_BASE + 0x1000;
	chip_case(F_PINS, KVM_IRQCHIP_IOAPIC, &p.io, sizeof(p.io), "base address moved");
	pins_reset(&p);
	chip_case(F_PINS, KVM_IRQCHIP_IOAPIC, &p.io, sizeof(p.io), "back to reset");

	/* seeded random states of all three */
	for (unsigned int i = 0; i < 60; i++) {
		random_pins(&p);
		pins_start(F_PINS, &p, "random state");
		if (i % 10 == 0) {
			snprintf(n, sizeof(n), "random state %u again", i);
			pin_case(F_PINS, (struct ccase){ .op = OP_SET_PINS, .pins = &p }, "%s", n);
		}
	}
	pins_reset(&p);
	pins_start(F_PINS, &p, "reset");
}

/* 5b. KVM_IRQ_LINE(_STATUS) on every GSI, per kind of IOAPIC entry */
static void pins_line_sweep(void)
{
	static const struct rte kinds[] = {
		{ .dm = DM_FIXED },
		{ .dm = DM_FIXED, .level = 1 },
		{ .dm = DM_FIXED, .masked = 1 },
		{ .dm = DM_FIXED, .level = 1, .masked = 1 },
		{ .dm = DM_FIXED, .level = 1, .rirr = 1 },
		{ .dm = DM_FIXED, .logical = 1 },
		{ .dm = DM_LOWEST, .logical = 1, .level = 1 },
		{ .dm = DM_LOWEST },
		{ .dm = DM_NMI },
		{ .dm = DM_NMI, .level = 1 },
		{ .dm = DM_EXTINT },
		{ .dm = DM_FIXED, .dest = 0x40 },
		{ .dm = DM_FIXED, .dest = 0xff, .level = 1 },
	};
	static const uint32_t beyond[] = { 24, 25, 31, 100, 4095, 4096, 0xffffffffu };
	struct pins p;
	char n[96], what[128];

	for (uint32_t g = 0; g < KVM_IOAPIC_NUM_PINS; g++) {
		for (unsigned int k = 0; k < ARRAY_SIZE(kinds); k++) {
			struct rte r = kinds[k];

			r.vec = 0x20 + (g * ARRAY_SIZE(kinds) + k) % 0xe0;
			if (!r.dest && r.logical)
				r.dest = r.dm == DM_LOWEST ? 0x0f : 1u << (g % N) | 1;
			else if (!r.dest)
				r.dest = g % N;
			pins_reset(&p);
			p.io.redirtbl[g].bits = rte_bits(r);
			/* the PIC side of GSI 0-15: edge, masked or level */
			if (k % 3 == 1) {
				p.pic[0].imr = 0xff;
				p.pic[1].imr = 0xff;
			} else if (k % 3 == 2) {
				p.pic[0].elcr = 0xff;
				p.pic[1].elcr = 0xff;
			}
			snprintf(what, sizeof(what), "pin %u %s, PIC %s", g,
				 rte_name(n, sizeof(n), p.io.redirtbl[g].bits),
				 k % 3 == 1 ? "masked" : k % 3 == 2 ? "level" : "edge");
			pins_start(F_PINS, &p, what);
			line_steps(F_PINS, g, what);
		}
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(beyond); i++) {
		line_status(F_PINS, beyond[i], 1, "no route");
		line_status(F_PINS, beyond[i], 0, "no route");
	}
}

/* 5c. The RTC pin: KVM_IRQ_LINE_STATUS coalesces until the EOI */
static void pins_rtc(struct __test_metadata *_metadata)
{
	struct kvm_irq_routing_entry rt[2] = {
		route_pin(100, KVM_IRQCHIP_IOAPIC, RTC_PIN),
		route_pin(8, KVM_IRQCHIP_IOAPIC, 9),
	};
	static const struct rte kinds[] = {
		{ .vec = 0x68, .dest = 1 },
		{ .vec = 0x69, .dest = 0x0f, .logical = 1 },
		{ .vec = 0x6a, .dest = 2, .level = 1 },
		{ .vec = 0x6b, .dest = 3, .masked = 1 },
	};
	struct pins p;
	char n[96], what[128];

	for (unsigned int k = 0; k < ARRAY_SIZE(kinds); k++) {
		pins_reset(&p);
		p.pic[0].imr = 0xff;
		p.pic[1].imr = 0xff;
		p.io.redirtbl[RTC_PIN].bits = rte_bits(kinds[k]);
		rte_name(n, sizeof(n), p.io.redirtbl[RTC_PIN].bits);
		snprintf(what, sizeof(what), "RTC %s", n);
		pins_start(F_PINS, &p, what);
		line_status(F_PINS, 8, 1, what);
		line_status(F_PINS, 8, 0, what);
		line_status(F_PINS, 8, 1, what);	/* no EOI yet: coalesced */
		line_status(F_PINS, 8, 0, what);
		line_plain(F_PINS, 8, 1, what);		/* not tracked */
		line_plain(F_PINS, 8, 0, what);
		line_status(F_PINS, 8, 1, what);
		line_status(F_PINS, 8, 0, what);
		pin_case(F_PINS, (struct ccase){ .op = OP_CLEAR_VECTORS, .level = 1, .vcpu = 0 },
			 "%s: KVM_SET_LAPIC clears vCPU 0's vectors", what);
		line_status(F_PINS, 8, 1, what);
		line_status(F_PINS, 8, 0, what);
		pin_case(F_PINS, (struct ccase){ .op = OP_CLEAR_VECTORS },
			 "%s: KVM_SET_LAPIC clears every vector", what);
		line_status(F_PINS, 8, 1, what);
		line_status(F_PINS, 8, 0, what);
		line_status(F_PINS, 8, 1, what);
		line_status(F_PINS, 8, 0, what);
		/* KVM_SET_IRQCHIP of the IOAPIC recounts the EOIs owed */
		chip_case(F_PINS, KVM_IRQCHIP_IOAPIC, &p.io, sizeof(p.io), what);
		line_status(F_PINS, 8, 1, what);
		line_status(F_PINS, 8, 0, what);
		p.io.irr = 1u << RTC_PIN;
		p.io.redirtbl[RTC_PIN].bits &= ~RTE_MASKED;
		pin_case(F_PINS, (struct ccase){ .op = OP_CLEAR_VECTORS },
			 "%s: KVM_SET_LAPIC clears every vector", what);
		chip_case(F_PINS, KVM_IRQCHIP_IOAPIC, &p.io, sizeof(p.io),
			  "RTC unmasked, pin in irr");
		line_status(F_PINS, 8, 0, what);
		line_status(F_PINS, 8, 1, what);
		line_status(F_PINS, 8, 0, what);
	}
	/* the RTC pin through another GSI, and GSI 8 elsewhere */
	pins_reset(&p);
	p.io.redirtbl[RTC_PIN].bits = rte_bits(kinds[0]);
	p.io.redirtbl[9].bits = rte_bits((struct rte){ .vec = 0x79, .dest = 4 });
	pins_start(F_PINS, &p, "RTC and pin 9 unmasked");
	pin_case(F_PINS, (struct ccase){ .op = OP_ROUTE, .e = rt, .nr = 2 },
		 "KVM_SET_GSI_ROUTING: gsi 100 to the RTC pin, gsi 8 to pin 9");
	table.e = rt;
	table.nr = 2;
	for (int i = 0; i < 3; i++) {
		line_status(F_PINS, 100, 1, "gsi 100 on the RTC pin");
		line_status(F_PINS, 100, 0, "gsi 100 on the RTC pin");
		line_status(F_PINS, 8, 1, "gsi 8 on pin 9");
		line_status(F_PINS, 8, 0, "gsi 8 on pin 9");
	}
	ASSERT_EQ(0, table_both(default_rt, RESAMPLE_DEFAULT_ROUTES));

	/* an RTC entry in NMI mode: no vector for KVM_SET_LAPIC to find */
	pins_reset(&p);
	p.pic[0].imr = 0xff;
	p.pic[1].imr = 0xff;
	p.io.redirtbl[RTC_PIN].bits = rte_bits((struct rte){ .dest = 4, .dm = DM_NMI });
	pins_start(F_PINS, &p, "RTC entry in NMI mode");
	line_status(F_PINS, 8, 1, "RTC NMI");
	line_status(F_PINS, 8, 0, "RTC NMI");
	line_status(F_PINS, 8, 1, "RTC NMI");
	line_status(F_PINS, 8, 0, "RTC NMI");
	pin_case(F_PINS, (struct ccase){ .op = OP_CLEAR_VECTORS },
		 "RTC NMI: KVM_SET_LAPIC on every vCPU");
	pin_line(F_PINS, 8, 1, CTX_RTC_NMI, "RTC NMI, after KVM_SET_LAPIC");
	line_status(F_PINS, 8, 0, "RTC NMI");
	chip_case(F_PINS, KVM_IRQCHIP_IOAPIC, &p.io, sizeof(p.io), "RTC NMI, recount");
	line_status(F_PINS, 8, 1, "RTC NMI, after KVM_SET_IRQCHIP");
	line_status(F_PINS, 8, 0, "RTC NMI, after KVM_SET_IRQCHIP");

	/* the RTC vector held by a vCPU the RTC entry does not address */
	pins_reset(&p);
	p.pic[0].imr = 0xff;
	p.pic[1].imr = 0xff;
	p.io.redirtbl[RTC_PIN].bits = rte_bits(kinds[0]);
	p.io.redirtbl[9].bits = rte_bits((struct rte){ .vec = kinds[0].vec, .dest = 5 });
	pins_start(F_PINS, &p, "RTC to vCPU 1, pin 9 with the RTC vector to vCPU 5");
	line_status(F_PINS, 9, 1, "RTC vector to vCPU 5");
	line_status(F_PINS, 9, 0, "RTC vector to vCPU 5");
	chip_case(F_PINS, KVM_IRQCHIP_IOAPIC, &p.io, sizeof(p.io),
		  "RTC tracking rebuilt, vCPU 5 holding the RTC vector");
	pin_line(F_PINS, 8, 1, CTX_RTC_OUT, "vCPU 5 holds the RTC vector");
	line_status(F_PINS, 8, 0, "RTC after the difference");
}

/* 5c'. No eligible vCPU: every LAPIC software-disabled */
static void pins_nobody(struct __test_metadata *_metadata)
{
	static const struct pin_rte rtes[] = {
		{ 16, { .vec = 0xa0, .dest = 0xff, .logical = 1, .level = 1, .dm = DM_LOWEST } },
		{ 17, { .vec = 0xa1, .dest = 0xff, .logical = 1, .dm = DM_LOWEST } },
		{ 18, { .vec = 0xa2, .dest = 0xff, .level = 1 } },
	};
	struct rcpu off[N];
	struct pins p;

	memcpy(off, flat_setup, sizeof(off));
	for (unsigned int i = 0; i < N; i++)
		off[i].sw = false;
	ASSERT_EQ(0, setup_both(off));
	pins_reset(&p);
	for (unsigned int i = 0; i < ARRAY_SIZE(rtes); i++)	/* as is: nobody to pick */
		p.io.redirtbl[rtes[i].pin].bits = rte_raw(&rtes[i].r);
	pins_start(F_PINS, &p, "software-disabled LAPICs; lowest-priority logical broadcasts");
	line_status(F_PINS, 18, 1, "level fixed broadcast to disabled LAPICs");
	line_status(F_PINS, 18, 0, "level fixed broadcast to disabled LAPICs");
	pin_line(F_PINS, 17, 1, CTX_NOBODY, "edge, no eligible vCPU");
	line_status(F_PINS, 17, 0, "edge, no eligible vCPU");
	/* last: KVM sets remote IRR, which resets both (pins_resync()) */
	pin_line(F_PINS, 16, 1, CTX_NOBODY, "level, no eligible vCPU");
	ASSERT_EQ(0, setup_both(flat_setup));
}

/* 5d. The PICs: edge and level, masks, requests in service, the cascade */
static void pins_pic(struct __test_metadata *_metadata)
{
	static struct kvm_irq_routing_entry pic_rt[16];
	static const struct {
		const char *what;
		struct kvm_pic_state m, s;
	} v[] = {
		{ "edge, unmasked", { .imr = 0 }, { .imr = 0 } },
		{ "ELCR 0xf8/0xde", { .elcr = 0xf8 }, { .elcr = 0xde } },
		{ "ELCR 0xff both", { .elcr = 0xff }, { .elcr = 0xff } },
		{ "IMR 0x55/0xaa", { .imr = 0x55 }, { .imr = 0xaa, .elcr = 0x0f } },
		{ "master only cascade, slave IR0 in service", { .imr = 0xfb },
		  { .isr = 0x01 } },
		{ "slave priority_add 4, IR4 in service; master last_irr 2", { .last_irr = 0x04 },
		  { .priority_add = 4, .isr = 0x10 } },
		{ "special mask, ISR set", { .special_mask = 1, .isr = 0x08 },
		  { .special_mask = 1, .isr = 0x02, .elcr = 0x02 } },
		{ "special fully nested, auto-EOI, master ISR 2", { .special_fully_nested_mode = 1,
		  .auto_eoi = 1, .isr = 0x04 }, { .auto_eoi = 1 } },
	};
	struct pins p;

	for (uint32_t i = 0; i < 16; i++)
		pic_rt[i] = route_pin(i, i < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE,
				      i % 8);
	for (int tbl = 0; tbl < 2; tbl++) {
		long r = tbl ? table_both(default_rt, RESAMPLE_DEFAULT_ROUTES) :
			       table_both(pic_rt, 16);

		ASSERT_EQ(0, r);
		for (unsigned int k = 0; k < ARRAY_SIZE(v); k++) {
			char what[128];

			if (tbl && k > 3)
				break;
			pins_reset(&p);
			p.pic[0] = v[k].m;
			p.pic[1] = v[k].s;
			p.pic[0].elcr_mask = 0xf8;
			p.pic[1].elcr_mask = 0xde;
			snprintf(what, sizeof(what), "PIC %s, %s", v[k].what,
				 tbl ? "default table" : "PIC-only table");
			for (uint32_t g = 0; g < 16; g++) {
				if (g % 4 == 0)
					pins_start(F_PINS, &p, what);
				line_status(F_PINS, g, 1, what);
				line_status(F_PINS, g, 1, what);
				line_status(F_PINS, g, 0, what);
				line_status(F_PINS, g, 1, what);
				line_plain(F_PINS, g, 0, what);
				line_status(F_PINS, g, 0, what);
				line_status(F_PINS, g, 1, what);	/* left high */
			}
			for (uint32_t g = 0; g < 16; g++)
				line_status(F_PINS, g, 0, what);
		}
	}
}

static const char *const fd_name[FD_ALL] = {
	"eventfd A", "eventfd B", "pipe", "closed fd", "fd -1", "eventfd C", "eventfd D",
};

static void irqfd_pin_case(int fdk, uint32_t gsi, uint32_t flags, int rfdk, const char *what)
{
	struct ccase c = { .op = OP_IRQFD, .fdk = fdk, .gsi = gsi, .iflags = flags,
			   .rfdk = rfdk, .ctx = pin_routed(gsi) ? 0 : CTX_NOPIN };

	pin_case(F_PINS, c, "KVM_IRQFD %s gsi %u flags %#x resamplefd %s (%s)", fd_name[fdk],
		 gsi, flags, fd_name[rfdk], what);
}

static void signal_case(int fdk, unsigned int ctx, const char *what)
{
	pin_case(F_PINS, (struct ccase){ .op = OP_SIGNAL, .fdk = fdk, .ctx = ctx },
		 "signal %s (%s)", fd_name[fdk], what);
}

/* empty every eventfd's count, uncounted */
static void drain_fds(void)
{
	uint64_t v;

	for (int t = 0; t < 2; t++)
		for (int k = FD_A; k < FD_ALL; k++)
			while (is_eventfd(k) && read(fds[t][k], &v, sizeof(v)) == sizeof(v))
				;
}

/* 5e. Routes to any pin, GSIs sharing a pin, one GSI on several chips */
static void pins_routes(struct __test_metadata *_metadata)
{
	const struct kvm_irq_routing_entry rt[] = {
		route_pin(0, KVM_IRQCHIP_IOAPIC, 2),
		route_pin(9, KVM_IRQCHIP_PIC_MASTER, 1),
		route_pin(100, KVM_IRQCHIP_IOAPIC, 5),
		route_pin(101, KVM_IRQCHIP_IOAPIC, 6),
		route_pin(102, KVM_IRQCHIP_IOAPIC, 6),
		route_pin(200, KVM_IRQCHIP_PIC_SLAVE, 3),
		route_pin(200, KVM_IRQCHIP_IOAPIC, 11),
		route_pin(300, KVM_IRQCHIP_PIC_MASTER, 4),
		route_pin(300, KVM_IRQCHIP_PIC_SLAVE, 4),
		route_pin(300, KVM_IRQCHIP_IOAPIC, 12),
		route_pin(400, KVM_IRQCHIP_IOAPIC, 8),
		route_pin(4095, KVM_IRQCHIP_PIC_MASTER, 7),
	};
	static struct kvm_irq_routing_entry all[ARRAY_SIZE(rt) + 1];
	static const uint32_t gsis[] = { 0, 9, 100, 101, 102, 200, 300, 400, 4095, 5, 2, 6 };
	static const struct pin_rte rtes[] = {
		{ 2, { .vec = 0x82, .dest = 2 } },
		{ 5, { .vec = 0x85, .dest = 5, .level = 1 } },
		{ 6, { .vec = 0x86, .dest = 0x30, .logical = 1 } },
		{ 8, { .vec = 0x88, .dest = 0 } },
		{ 11, { .vec = 0x8b, .dest = 0x0f, .logical = 1, .level = 1, .dm = DM_LOWEST } },
		{ 12, { .vec = 0x8c, .dest = 3, .dm = DM_NMI } },
	};
	struct pins p;

	memcpy(all, rt, sizeof(rt));
	all[ARRAY_SIZE(rt)] = route_msi(5, msi_addr(5, false, false), 0,
					msi_data(0x95, DM_FIXED, false));
	pins_reset(&p);
	put_rtes(&p, rtes, ARRAY_SIZE(rtes));
	p.pic[0].elcr = 0x10;
	p.pic[1].imr = 0xf7;
	pin_case(F_PINS, (struct ccase){ .op = OP_ROUTE, .e = all, .nr = ARRAY_SIZE(all) },
		 "KVM_SET_GSI_ROUTING: pins anywhere, shared, fanned out, one MSI");
	table.e = all;
	table.nr = ARRAY_SIZE(all);
	pins_start(F_PINS, &p, "pins of the routes table");
	for (unsigned int i = 0; i < ARRAY_SIZE(gsis); i++) {
		line_status(F_PINS, gsis[i], 1, "routes table");
		line_status(F_PINS, gsis[i], 1, "routes table");
		line_status(F_PINS, gsis[i], 0, "routes table");
		line_plain(F_PINS, gsis[i], 1, "routes table");
		line_status(F_PINS, gsis[i], 0, "routes table");
	}
	/* two GSIs on pin 6: one line, one source */
	line_status(F_PINS, 101, 1, "shared pin 6");
	line_status(F_PINS, 102, 1, "shared pin 6");
	line_status(F_PINS, 101, 0, "shared pin 6");
	line_status(F_PINS, 102, 1, "shared pin 6");
	line_status(F_PINS, 102, 0, "shared pin 6");
	/* a resampler on an MSI GSI and on a GSI of the table */
	irqfd_pin_case(FD_A, 5, KVM_IRQFD_FLAG_RESAMPLE, FD_B, "resample on an MSI GSI");
	irqfd_unbind(5);
	irqfd_pin_case(FD_A, 300, KVM_IRQFD_FLAG_RESAMPLE, FD_B, "resample on three pins");
	signal_case(FD_A, 0, "the resampling irqfd of gsi 300");
	irqfd_pin_case(FD_A, 300, KVM_IRQFD_FLAG_DEASSIGN, FD_B, "deassign");
	/* the table replaced while pin 5 is high through gsi 100 */
	line_status(F_PINS, 100, 1, "pin 5 high through gsi 100");
	pin_case(F_PINS,
		 (struct ccase){ .op = OP_ROUTE, .e = default_rt, .nr = RESAMPLE_DEFAULT_ROUTES },
		 "KVM_SET_GSI_ROUTING: the default table again, pin 5 high");
	table.e = default_rt;
	table.nr = RESAMPLE_DEFAULT_ROUTES;
	line_status(F_PINS, 100, 0, "gsi 100 has no route now");
	line_status(F_PINS, 5, 1, "pin 5 through gsi 5");
	line_status(F_PINS, 5, 0, "pin 5 through gsi 5");
}

/* 5f. irqfds on pin routes: assignment, pulses, resamplers */
static void pins_irqfd(void)
{
	static const struct pin_rte rtes[] = {
		{ 3, { .vec = 0x73, .dest = 3 } },
		{ 4, { .vec = 0x74, .dest = 4, .level = 1 } },
		{ 10, { .vec = 0x7a, .dest = 2, .level = 1, .masked = 1 } },
		{ 20, { .vec = 0x94, .dest = 1, .level = 1, .masked = 1 } },
	};
	const uint32_t D = KVM_IRQFD_FLAG_DEASSIGN, R = KVM_IRQFD_FLAG_RESAMPLE;
	struct pins p;

	pins_reset(&p);
	put_rtes(&p, rtes, ARRAY_SIZE(rtes));
	p.pic[0].imr = 0xe7;
	p.pic[0].elcr = 0x10;
	drain_fds();
	pins_start(F_PINS, &p, "irqfd pins: 3 edge, 4 level, 10 and 20 level masked");

	/* a plain irqfd: a pulse per signal */
	irqfd_pin_case(FD_A, 3, 0, FD_B, "bind");
	irqfd_pin_case(FD_A, 3, 0, FD_B, "bind again");
	irqfd_pin_case(FD_A, 10, 0, FD_B, "bind to another gsi");
	signal_case(FD_A, 0, "pulse on gsi 3");
	signal_case(FD_A, 0, "pulse on gsi 3 again");
	line_status(F_PINS, 3, 1, "held by KVM_IRQ_LINE");
	signal_case(FD_A, CTX_HELD, "pulse on gsi 3 held high by KVM_IRQ_LINE");
	line_status(F_PINS, 3, 0, "lowered by KVM_IRQ_LINE");
	pins_start(F_PINS, &p, "irqfd pins again");
	irqfd_pin_case(FD_A, 3, D, FD_B, "deassign");
	irqfd_pin_case(FD_C, 10, 0, FD_B, "bind on a masked level pin");
	signal_case(FD_C, 0, "pulse on masked level gsi 10");
	irqfd_pin_case(FD_C, 10, D, FD_B, "deassign");
	signal_case(FD_C, 0, "signal after deassign");
	irqfd_pin_case(FD_C, 10, 0, FD_B, "bind while the eventfd is readable");
	irqfd_pin_case(FD_C, 10, D, FD_B, "deassign");

	/* resampling irqfds: held high until the pin is acknowledged */
	irqfd_pin_case(FD_A, 4, R, FD_B, "resample on level gsi 4");
	signal_case(FD_A, 0, "resample gsi 4");
	signal_case(FD_A, 0, "resample gsi 4 again");
	line_status(F_PINS, 4, 0, "lowered by KVM_IRQ_LINE while a resampler holds it");
	line_status(F_PINS, 4, 1, "raised by KVM_IRQ_LINE while a resampler holds it");
	line_status(F_PINS, 4, 0, "lowered by KVM_IRQ_LINE while a resampler holds it");
	irqfd_pin_case(FD_C, 4, R, FD_D, "second resampler on gsi 4");
	irqfd_pin_case(FD_C, 4, R, FD_B, "same eventfd again");
	irqfd_pin_case(FD_D, 20, R, FD_B, "resamplefd B shared with gsi 20");
	irqfd_pin_case(FD_B, 4, 0, FD_B, "plain irqfd next to the resamplers");
	signal_case(FD_B, 0, "pulse next to a resampler holding gsi 4");
	irqfd_pin_case(FD_B, 4, D, FD_B, "deassign the plain one");
	irqfd_pin_case(FD_A, 4, D, FD_B, "deassign the first resampler");
	irqfd_pin_case(FD_C, 4, D, FD_B, "deassign the last resampler: line lowered");
	signal_case(FD_D, 0, "resample masked level gsi 20");
	pin_case(F_PINS, (struct ccase){ .op = OP_REOPEN, .fdk = FD_D },
		 "close eventfd D, gsi 20's resampler, and open a new one");
	irqfd_pin_case(FD_D, 20, D, FD_B, "deassign after close");

	/* assignment checks on pin GSIs and off them */
	for (int r = FD_A; r < FD_ALL; r++) {
		irqfd_pin_case(FD_A, 3, R, r, "resamplefd kinds");
		irqfd_unbind(3);
	}
	for (int k = FD_PIPE; k < FD_NR; k++)
		for (uint32_t f = 0; f <= R; f += R)
			irqfd_pin_case(k, 3, f, FD_B, "not an eventfd");
	irqfd_pin_case(FD_A, 24, R, FD_B, "resample, gsi beyond the table");
	irqfd_unbind(24);
	irqfd_pin_case(FD_A, 100, R, FD_B, "resample, gsi without route");
	irqfd_unbind(100);
	irqfd_pin_case(FD_A, 0xffffffffu, R, FD_B, "resample, gsi ~0");
	irqfd_unbind(0xffffffffu);
	irqfd_pin_case(FD_A, 24, 0, FD_B, "plain, gsi beyond the table");
	signal_case(FD_A, 0, "pulse on gsi 24 (no route)");
	irqfd_pin_case(FD_A, 24, D, FD_B, "deassign");
	drain_fds();
}

/* 5g. Seeded random line operations on random IOAPIC/PIC states */
static void random_table(struct kvm_irq_routing_entry *e, uint32_t *nr)
{
	*nr = 0;
	for (uint32_t g = 0; g < 32; g++) {
		if (rnd(3) == 0)
			continue;
		if (rnd(2))
			e[(*nr)++] = route_pin(g, KVM_IRQCHIP_IOAPIC, rnd(KVM_IOAPIC_NUM_PINS));
		if (rnd(2))
			e[(*nr)++] = route_pin(g, KVM_IRQCHIP_PIC_MASTER, rnd(8));
		if (rnd(3) == 0)
			e[(*nr)++] = route_pin(g, KVM_IRQCHIP_PIC_SLAVE, rnd(8));
	}
}

static int pins_up(void)
{
	int up = targets_up(true);

	watch_fds = true;
	resample_default_routes(default_rt);
	return up;
}

TEST_F_TIMEOUT(conf, pins, 600)
{
	if (family_off(_metadata))
		SKIP(return, FAMILY_OFF_MSG);
	int up = pins_up();

	if (up == -2)
		SKIP(return, "missing kvm,kic: /dev/kvm or kvm-irqchip not available");
	ASSERT_EQ(0, up);
	rnd_state = 0x5eed;
	pins_roundtrip();
	pins_line_sweep();
	pins_rtc(_metadata);
	pins_nobody(_metadata);
	pins_pic(_metadata);
	pins_routes(_metadata);
	pins_irqfd();
	FAMILY_DONE(F_PINS);
}

#define RANDOM_PIN_OPS	20000

/*
 * One random operation on the state p was set to: a line raised or
 * lowered, the RTC pin most often; one chip replaced (the RTC entry kept);
 * vectors cleared with KVM_SET_LAPIC.
 */
static void random_pin_op(struct pins *p, const char *op)
{
	uint32_t r = rnd(100), gsi = rnd(10) ? rnd(24) : rnd(34);
	uint32_t level = rnd(12) ? rnd(2) : 2, id = rnd(3), v = rnd(N + 1);
	struct ccase c = { .op = OP_LINE_PLAIN, .gsi = gsi, .level = level };

	if (r < 10) {
		pin_line(F_PINS_RANDOM, RTC_PIN, level, 0, op);
	} else if (r < 30) {
		pin_case(F_PINS_RANDOM, c, "%s: KVM_IRQ_LINE gsi %u level %u", op, gsi, level);
	} else if (r < 36 && id == KVM_IRQCHIP_IOAPIC) {
		random_ioapic(&p->io);
		chip_case(F_PINS_RANDOM, id, &p->io, sizeof(p->io), op);
	} else if (r < 36) {
		random_pic(&p->pic[id], id);
		chip_case(F_PINS_RANDOM, id, &p->pic[id], sizeof(p->pic[id]), op);
	} else if (r < 39) {
		c = (struct ccase){ .op = OP_CLEAR_VECTORS, .level = v < N, .vcpu = v % N };
		pin_case(F_PINS_RANDOM, c, "%s: KVM_SET_LAPIC clears the vectors of %s %u",
			 op, v < N ? "vCPU" : "every vCPU, not", v);
	} else {
		pin_line(F_PINS_RANDOM, gsi, level, 0, op);
	}
}

TEST_F_TIMEOUT(conf, random_pins, 900)
{
	if (family_off(_metadata))
		SKIP(return, FAMILY_OFF_MSG);
	uint64_t seed = random_seed("random_pins"), end = random_deadline();
	unsigned int ops = 0, states = 0, want = random_minimum(RANDOM_PIN_OPS);
	static struct kvm_irq_routing_entry rt[3 * 32];
	static struct rcpu c[N];
	uint32_t nr;
	int up = pins_up();

	if (up == -2)
		SKIP(return, "missing kvm,kic: /dev/kvm or kvm-irqchip not available");
	ASSERT_EQ(0, up);
	no_bsp = true;
	while (ops < want && now_ms() < end) {
		struct pins p;
		char what[64];

		states++;
		if (rnd(4) == 0) {
			random_table(rt, &nr);
			pin_case(F_PINS_RANDOM, (struct ccase){ .op = OP_ROUTE, .e = rt, .nr = nr },
				 "seed %llu state %u: KVM_SET_GSI_ROUTING, %u random pin routes",
				 (unsigned long long)seed, states, nr);
			table.e = rt;
			table.nr = nr;
		} else if (table.e != default_rt) {
			ASSERT_EQ(0, table_both(default_rt, RESAMPLE_DEFAULT_ROUTES));
		}
		/* one state in two on random LAPICs, else the flat set-up */
		if (rnd(2)) {
			random_setup(c);
		} else {
			memcpy(c, flat_setup, sizeof(c));
			memset(mp_want, 0, sizeof(mp_want));
		}
		ASSERT_EQ(0, setup_both(c));
		ASSERT_EQ(0, events_arm(TK));
		cur_setup = c;
		random_pins(&p);
		snprintf(what, sizeof(what), "seed %llu state %u", (unsigned long long)seed,
			 states);
		pins_start(F_PINS_RANDOM, &p, what);
		for (unsigned int k = 0; k < 40 && ops < want; k++, ops++) {
			char op[96];

			snprintf(op, sizeof(op), "%s op %u", what, k);
			random_pin_op(&p, op);
		}
	}
	printf("# random_pins: seed %llu, %u states, %u operations (minimum %u)\n",
	       (unsigned long long)seed, states, ops, want);
	EXPECT_GE(ops, want);
	FAMILY_DONE(F_PINS_RANDOM);
}

/* ------------------------------------------------------------------ */
/* 6. The KVM bridge: KVM's LAPICs behind both targets                 */

static struct vm bridged;	/* the VM the instance is attached to */

/*
 * T[TK]: a split-irqchip VM.  T[TC]: an instance attached to a second one,
 * with that VM's vCPU fds, so that the LAPIC helpers use KVM's ioctls.
 * Both flat xAPICs with IDs 0..N-1.  -3: built without the bridge.
 */
static int bridge_targets_up(void)
{
	struct kvm_irqchip_create cr = {
		.model = KVM_IRQCHIP_MODEL_X86, .nr_vcpus = N,
		.flags = KVM_IRQCHIP_CREATE_KVM_VM,
	};
	int kic;

	if (!kvm_available() || !kic_module_loaded())
		return -2;
	kic = kic_open();
	if (kic < 0)
		return -1;
	if (check_ext(kic, KVM_IRQCHIP_CAP_KVM_BRIDGE) != 1)
		return -3;
	if (vm_init_kvm_split(&T[TK], N) || vm_init_kvm_split(&bridged, N))
		return -1;
	cr.kvm_vm_fd = bridged.fd;
	if (xioctl(kic, KVM_IRQCHIP_CREATE, &cr))
		return -1;
	T[TC] = (struct vm){ .fd = kic, .sys_fd = bridged.sys_fd, .kvm = true,
			     .nr = bridged.nr, .vcpu = bridged.vcpu };
	lapics_only = true;
	if (open_fds(TK) || open_fds(TC))
		return -1;
	/* KVM's LAPICs on both sides, in x2APIC mode too, events read alike */
	if (cpuid_x2apic(&T[TK]) || cpuid_x2apic(&T[TC]) || events_arm(TK) || events_arm(TC))
		return -1;
	x2apic_ids = false;
	x2apic_quirk_off = false;
	no_bsp = false;
	cur_setup = flat_setup;
	return setup_both(flat_setup);
}

static void bridge_random(struct __test_metadata *_metadata)
{
	const char *env = getenv("KIC_SEED"), *secs = getenv("KIC_CONF_BRIDGE_SECONDS");
	uint64_t seed = env ? strtoull(env, NULL, 0) :
			(uint64_t)time(NULL) ^ (uint64_t)getpid() << 16;
	uint64_t end = now_ms() + 1000ull * (secs ? strtoul(secs, NULL, 0) : 30);
	bool hashing = kvm_hashes_vectors();
	unsigned int sent = 0;
	static struct rcpu c[N];

	printf("# bridge_msis: seed %llu (KIC_SEED=%llu replays it)\n",
	       (unsigned long long)seed, (unsigned long long)seed);
	fflush(stdout);
	ASSERT_EQ(0, irqfd(T[TK].fd, fds[TK][FD_A], 1, 0));
	ASSERT_EQ(0, irqfd(T[TC].fd, fds[TC][FD_A], 1, 0));
	rnd_state = seed ? seed : 1;
	while (sent < RANDOM_MSGS && now_ms() < end) {
		random_setup(c);
		ASSERT_EQ(0, setup_both(c));
		ASSERT_EQ(0, events_arm(TK));
		ASSERT_EQ(0, events_arm(TC));
		cur_setup = c;
		for (int k = 0; k < 50 && sent < RANDOM_MSGS; k++, sent++) {
			bool via_irqfd = rnd(8) == 0;
			struct ccase cs;
			struct rmsg m;

			random_msg(c, &m);
			if (!hashing && lowest(&m))
				continue;
			memset(&cs, 0, sizeof(cs));
			cs.op = via_irqfd ? OP_IRQFD_MSI : OP_MSI;
			cs.setup = c;
			cs.lo = msg_lo(&m);
			cs.data = msg_data(&m);
			NAME(&cs, "seed %llu msg %u: %s %s dest %#x rh %d vec %#x dm %u %s",
			     (unsigned long long)seed, sent,
			     via_irqfd ? "irqfd" : "KVM_SIGNAL_MSI",
			     m.logical ? "logical" : "physical", m.dest, m.rh, m.vec, m.dm,
			     m.level ? "level" : "edge");
			check(F_BRIDGE, &cs, false);
		}
	}
	printf("# bridge_msis: seed %llu, %u messages\n", (unsigned long long)seed, sent);
}

/*
 * The MSI matrix, then seeded random set-ups and messages (like
 * random_msis, one in eight through an irqfd), on the bridge.
 */
TEST_F_TIMEOUT(conf, bridge_msis, 600)
{
	if (family_off(_metadata))
		SKIP(return, FAMILY_OFF_MSG);
	int up = bridge_targets_up();

	if (up == -2)
		SKIP(return, "missing kvm,kic: /dev/kvm or kvm-irqchip not available");
	if (up == -3)
		SKIP(return, "missing bridge: kvm-irqchip built without the KVM bridge");
	ASSERT_EQ(0, up);
	S->bridge_ran = true;
	msi_matrix_cases(_metadata, F_BRIDGE);
	bridge_random(_metadata);
	FAMILY_DONE(F_BRIDGE);
}

/* Every documented difference must still be one. */
TEST_F(conf, documented_differences_seen)
{
	if (family_off(_metadata))
		SKIP(return, FAMILY_OFF_MSG);
	int fd = open("/dev/kvm", O_RDWR);

	if (fd < 0)
		SKIP(return, "missing kvm: /dev/kvm not available");
	close(fd);
	for (unsigned int i = 0; i < NDIFF; i++) {
		EXPECT_LT(0u, S->seen[i]) TH_LOG("documented difference \"%s\" never seen",
						 diffs[i].name);
	}
}

static void __attribute__((constructor)) __constructor_order_last(void)
{
	if (!__constructor_order)
		__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD;
}

static pid_t main_pid;

/* test_harness_run() ends in exit(): the summary line comes from here. */
static void summary(void)
{
	struct counts tot = { 0 };

	if (getpid() != main_pid)
		return;
	for (int f = 0; f < F_NR; f++) {
		tot.cases += S->f[f].cases;
		tot.same += S->f[f].same;
		tot.documented += S->f[f].documented;
		tot.unexplained += S->f[f].unexplained;
	}
	printf("conformance: %u cases, %u identical, %u documented differences, %u unexplained\n",
	       tot.cases, tot.same, tot.documented, tot.unexplained);
	fflush(stdout);
	if (tot.unexplained)
		_exit(KSFT_FAIL);
}

int main(int argc, char **argv)
{
	main_pid = getpid();
	atexit(summary);
	return test_harness_run(argc, argv);
}
