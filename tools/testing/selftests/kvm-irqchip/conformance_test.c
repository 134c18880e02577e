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
 * own table of differences, bridge_diffs[].
 *
 * Lowest-priority messages: KVM's vector hashing matches kvm-irqchip only
 * when the destination bits are exactly the candidate LAPICs and logical IDs
 * rise with the vCPU index, and KVM's map-based and fallback paths disagree
 * with each other about a software-disabled LAPIC inside a non-broadcast
 * lowest-priority destination; such messages are sent as fixed ones.
 */
#include <poll.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <time.h>

#include "kic_util.h"
#include "kselftest_harness.h"

#define N		8
#define NR_SHOWN	40	/* unexplained cases logged in full */

enum { TK, TC };		/* target 0: KVM, target 1: kvm-irqchip */
static struct vm T[2];

/* ------------------------------------------------------------------ */
/* LAPIC set-ups and messages                                           */

struct rcpu {
	bool hw, sw, cluster;
	uint32_t id, ldr, tpr;	/* ldr: the 8-bit logical ID */
};

struct rmsg {
	uint32_t dest, vec, dm;
	bool logical, rh, level;
};

static bool lowest(const struct rmsg *m)
{
	return m->dm == DM_LOWEST || m->rh;
}

/* xAPIC logical match of one LAPIC, per its own DFR model */
static bool logical_match(const struct rcpu *c, uint32_t dest)
{
	if (dest == 0xff)
		return true;
	if (!c->cluster)
		return c->ldr & dest;
	return c->ldr >> 4 == dest >> 4 && c->ldr & dest & 0xf;
}

static bool phys_match(const struct rcpu *c, uint32_t dest)
{
	return dest == 0xff || c->id == dest;
}

static void decode(uint32_t lo, uint32_t data, struct rmsg *m)
{
	m->dest = lo >> 12 & 0xff;
	m->logical = lo & 1u << 2;
	m->rh = lo & 1u << 3;
	m->vec = data & 0xff;
	m->dm = data >> 8 & 7;
	m->level = data & 1u << 15;
}

/*
 * The logical model of KVM's LAPIC map: 1 cluster, 2 flat, 3 mixed, 0 when
 * no LAPIC counts.  Only hardware- and software-enabled LAPICs with a
 * logical ID count (KVM as tested: a software-disabled LAPIC is not in the
 * logical map); anything but 1 or 2 sends logical messages down KVM's
 * fallback path.
 */
static unsigned int kvm_logical_mode(const struct rcpu *c)
{
	unsigned int mode = 0;

	for (unsigned int i = 0; i < N; i++)
		if (c[i].hw && c[i].sw && c[i].ldr)
			mode |= c[i].cluster ? 1 : 2;
	return mode;
}

/*
 * KVM 6.1 returns -1 (EPERM) from KVM_SIGNAL_MSI when its fallback path
 * (broadcast; logical destination while the hardware-enabled LAPICs with a
 * logical ID are not all flat or all cluster) finds no LAPIC: none matches,
 * or for lowest priority none that is software-enabled.
 */
static bool kvm_eperm(const struct rcpu *c, uint32_t lo, uint32_t data)
{
	struct rmsg m;
	bool slow;

	decode(lo, data, &m);
	slow = m.dest == 0xff;
	if (!slow && m.logical) {
		unsigned int mode = kvm_logical_mode(c);

		slow = mode != 1 && mode != 2;
	}
	if (!slow)
		return false;
	for (unsigned int i = 0; i < N; i++) {
		if (!c[i].hw)
			continue;
		if (!(m.logical ? logical_match(&c[i], m.dest) : phys_match(&c[i], m.dest)))
			continue;
		if (!lowest(&m) || c[i].sw)
			return false;
	}
	return true;
}

static int apply_setup(struct vm *vm, const struct rcpu *c)
{
	for (unsigned int i = 0; i < N; i++) {
		uint64_t base = APIC_BASE_ADDR | (c[i].hw ? APIC_BASE_ENABLE : 0) |
				(i ? 0 : APIC_BASE_BSP);

		if (set_apic_base(vm, i, base))
			return -1;
		if (lapic_config(vm->vcpu[i], c[i].id, c[i].ldr,
				 c[i].cluster ? DFR_CLUSTER : DFR_FLAT,
				 c[i].sw ? SVR_ON : SVR_OFF, c[i].tpr))
			return -1;
	}
	return 0;
}

/*
 * A lowest-priority logical message that KVM's hashing handles like
 * kvm-irqchip: all LAPICs with a logical ID use one model, and every
 * destination bit is a present, software-enabled LAPIC.  Anything else is
 * sent as a fixed message (see the top of the file).
 */
static void avoid_kvm_ambiguity(const struct rcpu *c, struct rmsg *m)
{
	unsigned int mode = kvm_logical_mode(c);
	uint32_t have = 0, want;

	if (!m->logical || !lowest(m) || m->dest == 0xff)
		return;
	for (unsigned int i = 0; i < N; i++)
		if (c[i].hw && !c[i].sw && logical_match(&c[i], m->dest))
			goto fixed;
	if (mode != 1 && mode != 2) {
		/* fallback path: the matched LAPICs, all of one model */
		unsigned int seen = 0;

		for (unsigned int i = 0; i < N; i++)
			if (c[i].hw && c[i].sw && logical_match(&c[i], m->dest))
				seen |= c[i].cluster ? 1 : 2;
		if (seen == 3)
			goto fixed;
		return;
	}
	for (unsigned int i = 0; i < N; i++) {
		if (!c[i].hw || !c[i].sw || !c[i].ldr)
			continue;
		if (mode == 2)
			have |= c[i].ldr;
		else if (c[i].ldr >> 4 == m->dest >> 4)
			have |= c[i].ldr & 0xf;
	}
	want = mode == 2 ? m->dest : m->dest & 0xf;
	if (want && (want & ~have) == 0)
		return;
fixed:
	m->dm = DM_FIXED;
	m->rh = false;
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

enum { A_EQ, A_NE, A_POS };
struct ans {
	int k;
	long v;
};

static bool ans_ok(struct ans a, long r)
{
	return a.k == A_EQ ? r == a.v : a.k == A_NE ? r != a.v : r > 0;
}

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
		return kvm_has_xen && e->u.xen_evtchn.port < 1024 &&
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

static bool m_vec0_15(const struct ccase *c)
{
	return c->op == OP_MSI && (c->data & 0xff) < 16 && (c->data >> 8 & 7) <= DM_LOWEST;
}

static bool m_hv_sint(const struct ccase *c)
{
	return kvm_table_ok(c) && table_has(c, KVM_IRQ_ROUTING_HV_SINT);
}

static bool m_xen(const struct ccase *c)
{
	return kvm_table_ok(c) && table_has(c, KVM_IRQ_ROUTING_XEN_EVTCHN) &&
	       !table_has(c, KVM_IRQ_ROUTING_HV_SINT);
}

static bool is_eventfd(int k)
{
	return k == FD_A || k == FD_B || k == FD_C || k == FD_D;
}

/* resampling irqfd, both fds usable, on a GSI without an IRQCHIP route */
static bool m_resample_nopin(const struct ccase *c)
{
	return c->op == OP_IRQFD && c->iflags == KVM_IRQFD_FLAG_RESAMPLE &&
	       c->ctx & CTX_NOPIN && is_eventfd(c->fdk) && is_eventfd(c->rfdk);
}

/* a plain irqfd signalled while KVM_IRQ_LINE holds one of its pins high */
static bool m_pulse_held(const struct ccase *c)
{
	return c->op == OP_SIGNAL && c->ctx & CTX_HELD;
}

/*
 * The RTC pin raised with status after its EOI tracking was rebuilt while
 * a vCPU outside the RTC entry's destination held the RTC vector.
 */
static bool m_rtc_outside(const struct ccase *c)
{
	return c->op == OP_LINE && c->ctx & CTX_RTC_OUT;
}

/* the RTC pin raised with status after a non-vectored RTC delivery, then KVM_SET_LAPIC */
static bool m_rtc_nonvectored(const struct ccase *c)
{
	return c->op == OP_LINE && c->ctx & CTX_RTC_NMI;
}

/* a pin raised while KVM's fallback path finds no eligible vCPU */
static bool m_pin_nobody(const struct ccase *c)
{
	return c->op == OP_LINE && c->ctx & CTX_NOBODY;
}

static bool m_routes_beyond_kvm(const struct ccase *c)
{
	return !kvm_table_ok(c) && table_ok_max(c, OUR_MAX_ROUTES) &&
	       !table_has(c, KVM_IRQ_ROUTING_HV_SINT) &&
	       !table_has(c, KVM_IRQ_ROUTING_XEN_EVTCHN);
}

static bool m_cap_irq_routing(const struct ccase *c)
{
	return c->op == OP_CAP && c->cap == KVM_CAP_IRQ_ROUTING;
}

static bool m_own_caps(const struct ccase *c)
{
	return c->op == OP_CAP && c->cap >= KVM_IRQCHIP_CAP_MODELS &&
	       c->cap <= KVM_IRQCHIP_CAP_ABI_VERSION;
}

static bool m_enable_ext_dest(const struct ccase *c)
{
	return c->op == OP_ENABLE_CAP && c->cap == KVM_IRQCHIP_CAP_X86_EXT_DEST_ID &&
	       c->a0 <= 1 && !c->a1;
}

static bool m_ext_dest(const struct ccase *c)
{
	return (c->op == OP_MSI || c->op == OP_IRQFD_MSI) && c->ctx & CTX_EXT_DEST &&
	       c->lo & 0xfe0;
}

static bool m_x2apic_id(const struct ccase *c)
{
	return c->op == OP_LAPIC_REG && c->reg == APIC_ID && c->ctx & CTX_X2APIC &&
	       !(c->ctx & CTX_32BIT) && c->vcpu;
}

static bool m_x2apic_api_args(const struct ccase *c)
{
	return c->op == OP_ENABLE_CAP && c->cap == KVM_CAP_X2APIC_API && c->a0 <= 3 && c->a1;
}

static bool m_eperm(const struct ccase *c)
{
	return c->op == OP_MSI && c->setup && !(c->ctx & CTX_EXT_DEST) &&
	       kvm_eperm(c->setup, c->lo, c->data);
}

/*
 * KVM's map-based path (one logical model) leaves software-disabled LAPICs
 * out of logical destinations, also for NMI, SMI, INIT, SIPI and remote
 * read; its fallback path and kvm-irqchip (SDM 10.4.7.2) deliver them.
 */
static bool m_nonfixed_swoff(const struct ccase *c)
{
	struct rmsg m;
	unsigned int mode;
	bool swoff = false;

	if (c->op != OP_MSI || !c->setup || c->ctx & CTX_EXT_DEST)
		return false;
	decode(c->lo, c->data, &m);
	if (!m.logical || m.dest == 0xff || lowest(&m) || m.dm < DM_SMI || m.dm > DM_SIPI)
		return false;
	mode = kvm_logical_mode(c->setup);
	for (unsigned int i = 0; i < N; i++)
		if (c->setup[i].hw && !c->setup[i].sw && logical_match(&c->setup[i], m.dest))
			swoff = true;
	return swoff && (mode == 1 || mode == 2);
}

/* KVM's fallback path turns a lowest-priority physical broadcast into DM_FIXED */
static bool m_phys_bcast_rh(const struct ccase *c)
{
	struct rmsg m;

	if (c->op != OP_MSI || !c->setup || c->ctx & CTX_EXT_DEST)
		return false;
	decode(c->lo, c->data, &m);
	return !m.logical && m.dest == 0xff && m.rh && m.dm >= DM_SMI;
}

static bool m_lvt0(const struct ccase *c)
{
	return c->op == OP_LAPIC_REG && c->reg == 0x350 && c->vcpu == 0 && c->ctx & CTX_FRESH;
}

static bool m_reenable_id(const struct ccase *c)
{
	return c->op == OP_LAPIC_REG && c->reg == APIC_ID && !(c->ctx & CTX_X2APIC) &&
	       c->ctx & CTX_FRESH;
}

static bool m_x2apic_to_xapic(const struct ccase *c)
{
	return c->op == OP_APIC_BASE && c->ctx & CTX_X2APIC &&
	       (c->base & (APIC_BASE_ENABLE | APIC_BASE_X2APIC)) == APIC_BASE_ENABLE;
}

static bool m_dfr_other(const struct ccase *c)
{
	return c->op == OP_MSI && c->ctx & CTX_DFR && c->lo & 1u << 2;
}

struct diff {
	const char *name;
	bool (*match)(const struct ccase *c);
	struct ans kvm, ours;
	bool state;		/* IRR/ISR/TMR differ too */
	const char *reason;
};

/* Keep in step with Documentation/virt/kvm-irqchip/compat.rst. */
static const struct diff diffs[] = {
	{ "vector 0-15", m_vec0_15, { A_POS, 0 }, { A_EQ, 0 }, true,
	  "fixed/lowest-priority vectors 0-15 are illegal (SDM): the LAPIC discards them" },
	{ "HV_SINT route", m_hv_sint, { A_EQ, 0 }, { A_EQ, -EINVAL }, false,
	  "no Hyper-V SynIC model" },
	{ "XEN_EVTCHN route", m_xen, { A_EQ, 0 }, { A_EQ, -EINVAL }, false,
	  "no Xen event channel model" },
	{ "KVM_IRQFD_FLAG_RESAMPLE on a GSI without pin route", m_resample_nopin,
	  { A_EQ, 0 }, { A_EQ, -EINVAL }, false,
	  "a resampler holds a pin until the pin is acknowledged: it needs a pin route" },
	{ "GSIs from 4096 up, tables over 4096 entries", m_routes_beyond_kvm,
	  { A_EQ, -EINVAL }, { A_EQ, 0 }, false,
	  "max_routes (default 1048576) replaces KVM's 4096 for both" },
	{ "KVM_CHECK_EXTENSION(KVM_CAP_IRQ_ROUTING)", m_cap_irq_routing,
	  { A_EQ, MAX_ROUTES }, { A_EQ, OUR_MAX_ROUTES }, false,
	  "reports max_routes" },
	{ "KVM_IRQCHIP_CAP_* capabilities", m_own_caps, { A_EQ, 0 }, { A_POS, 0 }, false,
	  "kvm-irqchip's own capabilities, unknown to KVM" },
	{ "KVM_ENABLE_CAP(KVM_IRQCHIP_CAP_X86_EXT_DEST_ID)", m_enable_ext_dest,
	  { A_EQ, -EINVAL }, { A_EQ, 0 }, false,
	  "extended destination ID: decoded in the fabric, not rewritten by the VMM" },
	{ "MSI address bits 11:5 with EXT_DEST_ID", m_ext_dest, { A_POS, 0 }, { A_EQ, 0 }, true,
	  "extended destination ID: bits 14:8 of the destination; KVM ignores them" },
	{ "x2APIC ID register without USE_32BIT_IDS", m_x2apic_id,
	  { A_POS, 0 }, { A_POS, 0 }, false,
	  "one layout: the 32-bit x2APIC ID in bits 31:0 (KVM: bits 31:24)" },
	{ "KVM_ENABLE_CAP(X2APIC_API) args[1..3]", m_x2apic_api_args,
	  { A_EQ, 0 }, { A_EQ, -EINVAL }, false,
	  "spare arguments must be 0, to stay usable" },
	{ "no eligible vCPU on KVM's fallback path", m_eperm,
	  { A_EQ, -EPERM }, { A_EQ, 0 }, false,
	  "the result always counts the vCPUs reached (KVM: -1 from its slow path)" },
	{ "NMI/SMI/INIT/SIPI to a software-disabled LAPIC, logical", m_nonfixed_swoff,
	  { A_NE, -1 }, { A_POS, 0 }, false,
	  "SDM 10.4.7.2: a software-disabled LAPIC accepts NMI, SMI, INIT and SIPI;"
	  " KVM's map-based path skips it (its fallback path does not)" },
	{ "physical broadcast, redirection hint, non-vectored mode", m_phys_bcast_rh,
	  { A_POS, 0 }, { A_NE, -1 }, true,
	  "KVM makes a lowest-priority physical broadcast fixed; we keep the mode" },
	{ "LVT0 of vCPU 0 at reset", m_lvt0, { A_EQ, 0x700 }, { A_EQ, 0x10000 }, false,
	  "LVTs are the VMM's: all masked (KVM_X86_QUIRK_LINT0_REENABLED)" },
	{ "xAPIC ID after re-enabling the APIC", m_reenable_id, { A_POS, 0 }, { A_POS, 0 }, false,
	  "only leaving x2APIC mode resets the ID; a VMM-set xAPIC ID survives" },
	{ "APIC base x2APIC to xAPIC", m_x2apic_to_xapic, { A_EQ, 0 }, { A_EQ, -EINVAL }, false,
	  "SDM 11.12.5: x2APIC to xAPIC goes through disabled" },
	{ "xAPIC DFR neither flat nor cluster", m_dfr_other, { A_POS, 0 }, { A_POS, 0 }, true,
	  "DFR[31:28] decides the model: 0xf flat, anything else cluster" },
	{ "irqfd pulse on a pin held by KVM_IRQ_LINE", m_pulse_held,
	  { A_EQ, 0 }, { A_EQ, 0 }, true,
	  "an irqfd is a line source of its own (KVM: KVM_IRQ_LINE's, so it lowers the line)" },
	{ "RTC EOI tracking rebuilt outside the RTC entry's destination", m_rtc_outside,
	  { A_EQ, 1 }, { A_EQ, 0 }, true,
	  "every LAPIC holding the RTC vector owes an EOI (KVM: only those the entry addresses)" },
	{ "RTC delivered as NMI/SMI/INIT/SIPI, then KVM_SET_LAPIC", m_rtc_nonvectored,
	  { A_EQ, 0 }, { A_EQ, 1 }, false,
	  "KVM counts such EOIs owed but not who owes them: only KVM_SET_IRQCHIP clears it" },
	{ "no eligible vCPU on KVM's fallback path, IOAPIC pin", m_pin_nobody,
	  { A_EQ, -1 }, { A_EQ, 0 }, true,
	  "the status counts the vCPUs reached; KVM's -1 also sets a level entry's remote IRR" },
};

#define NDIFF	(ARRAY_SIZE(diffs))

/*
 * The bridge family.  Both targets deliver into KVM's LAPICs, so what is
 * left to differ is what the bridge decides itself (kvm_bridge.c, api.rst
 * 3.14): the count it returns, and the pick of a logical lowest-priority
 * broadcast.  The predicates model KVM 6.1's kvm_irq_delivery_to_apic()
 * (vector hashing, xAPIC set-ups) and the bridge as documented, and match
 * only the cases where the two answers or states really differ.
 */

/* __apic_accept_irq(): 1 when the LAPIC takes the message */
static int kvm_accepts(const struct rcpu *c, uint32_t dm)
{
	if (dm == DM_EXTINT)
		return 0;
	return dm > DM_LOWEST || c->sw;
}

/* kvm_apic_match_dest() for an MSI (no source LAPIC) */
static bool kvm_addressed(const struct rcpu *c, const struct rmsg *m)
{
	return c->hw && (m->logical ? logical_match(c, m->dest) : phys_match(c, m->dest));
}

/* the vCPU in slot @bit of KVM's logical map (@mode as kvm_logical_mode()), or -1 */
static int kvm_map_slot(const struct rcpu *c, unsigned int mode, uint32_t dest,
			unsigned int bit)
{
	for (unsigned int i = 0; i < N; i++) {
		uint32_t low = mode == 2 ? c[i].ldr : c[i].ldr & 0xf;

		if (!c[i].hw || !c[i].sw || !low || __builtin_ctz(low) != (int)bit)
			continue;
		if (mode == 2 || c[i].ldr >> 4 == (dest >> 4 & 0xf))
			return i;
	}
	return -1;
}

/* the (vec mod n)-th set bit of @mask, n its weight: kvm_vector_to_index() */
static unsigned int hashed_bit(uint32_t vec, uint32_t mask)
{
	for (uint32_t k = vec % __builtin_popcount(mask); k; k--)
		mask &= mask - 1;
	return __builtin_ctz(mask);
}

/*
 * KVM_SIGNAL_MSI's answer on KVM 6.1 (-1 is its -EPERM); *pick is the vCPU
 * that won a lowest-priority arbitration on the fallback path, else -1.
 */
static long kvm_msi_answer(const struct rcpu *c, const struct rmsg *m, int *pick)
{
	unsigned int mode = kvm_logical_mode(c), cand[N], n = 0;
	bool lp = lowest(m);
	uint32_t dm = m->dm;
	long r = -1;

	*pick = -1;
	if (m->dest != 0xff && !m->logical) {
		/* map path, physical: the one LAPIC with that ID */
		for (unsigned int i = 0; i < N; i++)
			if (kvm_addressed(&c[i], m))
				return kvm_accepts(&c[i], dm);
		return 0;
	}
	if (m->dest != 0xff && (mode == 1 || mode == 2)) {
		/* map path, logical: the slots of the destination bits */
		uint32_t mask = mode == 2 ? m->dest : m->dest & 0xf;
		int i;

		if (lp) {
			i = mask ? kvm_map_slot(c, mode, m->dest, hashed_bit(m->vec, mask)) : -1;
			return i < 0 ? 0 : kvm_accepts(&c[i], dm);
		}
		for (r = 0; mask; mask &= mask - 1) {
			i = kvm_map_slot(c, mode, m->dest, __builtin_ctz(mask));
			r += i < 0 ? 0 : kvm_accepts(&c[i], dm);
		}
		return r;
	}
	/* fallback path; a lowest-priority physical broadcast is made fixed */
	if (!m->logical && lp) {
		dm = DM_FIXED;
		lp = m->rh;
	}
	for (unsigned int i = 0; i < N; i++) {
		if (!kvm_addressed(&c[i], m))
			continue;
		if (!lp)
			r = (r < 0 ? 0 : r) + kvm_accepts(&c[i], dm);
		else if (c[i].sw)
			cand[n++] = i;
	}
	if (n) {
		*pick = cand[m->vec % n];
		r = kvm_accepts(&c[*pick], dm);
	}
	return r;
}

/*
 * The bridge's answer as documented: the hardware-enabled LAPICs addressed,
 * 1 for lowest priority (as KVM, a physical broadcast arbitrates only with
 * the redirection hint); *pick is the vCPU a logical lowest-priority
 * broadcast goes to, chosen among the addressed LAPICs, else -1.
 */
static long bridge_msi_answer(const struct rcpu *c, const struct rmsg *m, int *pick)
{
	bool lp = m->logical || m->dest != 0xff ? lowest(m) : m->rh;
	unsigned int cand[N], n = 0;

	for (unsigned int i = 0; i < N; i++)
		if (kvm_addressed(&c[i], m))
			cand[n++] = i;
	*pick = n && lp && m->dest == 0xff ? (int)cand[m->vec % n] : -1;
	return !n ? 0 : lp ? 1 : n;
}

static bool b_eperm(const struct ccase *c)
{
	struct rmsg m;
	int pick;

	if (c->op != OP_MSI || !c->setup)
		return false;
	decode(c->lo, c->data, &m);
	return kvm_msi_answer(c->setup, &m, &pick) == -1;
}

/*
 * An arbitrating broadcast (vectored logical lowest priority, or physical
 * with the redirection hint) that KVM and the bridge give to different vCPUs
 */
static bool b_bcast_pick(const struct ccase *c)
{
	int kpick, bpick;
	struct rmsg m;

	if ((c->op != OP_MSI && c->op != OP_IRQFD_MSI) || !c->setup)
		return false;
	decode(c->lo, c->data, &m);
	if (m.dest != 0xff)
		return false;
	if (m.logical ? !lowest(&m) || m.dm > DM_LOWEST : !m.rh)
		return false;
	kvm_msi_answer(c->setup, &m, &kpick);
	bridge_msi_answer(c->setup, &m, &bpick);
	return kpick >= 0 && kpick != bpick;
}

static bool b_count(const struct ccase *c)
{
	long kvm, ours;
	struct rmsg m;
	int pick;

	if (c->op != OP_MSI || !c->setup)
		return false;
	decode(c->lo, c->data, &m);
	kvm = kvm_msi_answer(c->setup, &m, &pick);
	ours = bridge_msi_answer(c->setup, &m, &pick);
	return kvm != -1 && kvm != ours;
}

/* Keep in step with the bridge section of Documentation/virt/kvm-irqchip/compat.rst. */
static const struct diff bridge_diffs[] = {
	{ "no eligible vCPU on KVM's fallback path", b_eperm,
	  { A_EQ, -EPERM }, { A_NE, -EPERM }, false,
	  "the result counts the LAPICs addressed (KVM: -1 from its slow path)" },
	{ "arbitrating broadcast, software-disabled LAPIC addressed",
	  b_bcast_pick, { A_NE, -EPERM }, { A_NE, -EPERM }, true,
	  "the bridge arbitrates among hardware-enabled LAPICs: no export shows software-enable" },
	{ "count of LAPICs addressed, not of LAPICs that accepted", b_count,
	  { A_NE, -EPERM }, { A_POS, 0 }, false,
	  "kvm_apic_send_ipi() returns nothing: the bridge counts whom it addressed" },
};

#define NBDIFF	(ARRAY_SIZE(bridge_diffs))

/* which table a family's differences must match; seen counts in S->seen[first..] */
struct diff_table {
	const struct diff *d;
	unsigned int nr, first;
};

static const struct diff_table kvm_table = { diffs, NDIFF, 0 };
static const struct diff_table bridge_table = { bridge_diffs, NBDIFF, NDIFF };

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
	unsigned int seen[NDIFF + NBDIFF];	/* differed as documented */
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

static bool pins_family(int fam);
static void pins_resync(void);

/*
 * Run c on both targets and count it in family fam.  Returns true when it
 * was explained (identical, or a documented difference).  Clears the
 * vectors afterwards unless accumulate (then only when they differ).
 */
static bool check(int fam, const struct ccase *c, bool accumulate)
{
	const struct diff_table *tab = family_table(fam);
	struct counts *f = &S->f[fam];
	const struct diff *d = NULL;
	struct state s[2];
	long r[2];
	bool same_state, ok;

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
	same_state = states_equal(&s[TK], &s[TC]);
	for (unsigned int i = 0; i < tab->nr && !d; i++)
		if (tab->d[i].match(c))
			d = &tab->d[i];
	f->cases++;
	if (r[TK] == r[TC] && same_state) {
		ok = !d;
		if (ok)
			f->same++;
	} else {
		ok = d && ans_ok(d->kvm, r[TK]) && ans_ok(d->ours, r[TC]) &&
		     (same_state || d->state);
		if (ok) {
			f->documented++;
			S->seen[tab->first + (d - tab->d)]++;
		}
	}
	if (!ok) {
		f->unexplained++;
		if (S->shown++ < NR_SHOWN) {
			printf("# UNEXPLAINED %s: KVM %ld, kvm-irqchip %ld, state %s%s%s\n",
			       c->name, r[TK], r[TC], same_state ? "same" : "differ",
			       d ? "; documented difference disappeared or changed: " : "",
			       d ? d->name : "");
			for (unsigned int i = 0; c->setup && i < N; i++)
				printf("#   vCPU %u: hw %d sw %d %s id %#x ldr %#x tpr %#x\n",
				       i, c->setup[i].hw, c->setup[i].sw,
				       c->setup[i].cluster ? "cluster" : "flat",
				       c->setup[i].id, c->setup[i].ldr, c->setup[i].tpr);
			show_state_diff(&s[TK], &s[TC]);
		}
	}
	/* accumulate: vectors pile up while both agree, resync after a difference */
	if ((!accumulate && (!state_zero(&s[TK]) || !state_zero(&s[TC]))) ||
	    (accumulate && !same_state)) {
		vm_clear_vectors(&T[TK]);
		vm_clear_vectors(&T[TC]);
	}
	if (!same_state && pins_family(fam))
		pins_resync();
	return ok;
}

/* ------------------------------------------------------------------ */
/* Targets                                                              */

static const struct rcpu flat_setup[N] = {
	{ 1, 1, 0, 0, 0x01, 0 }, { 1, 1, 0, 1, 0x02, 0 }, { 1, 1, 0, 2, 0x04, 0 },
	{ 1, 1, 0, 3, 0x08, 0 }, { 1, 1, 0, 4, 0x10, 0 }, { 1, 1, 0, 5, 0x20, 0 },
	{ 1, 1, 0, 6, 0x40, 0 }, { 1, 1, 0, 7, 0x80, 0 },
};

/* the routing table both targets have, as far as the predicates care */
static struct {
	const struct kvm_irq_routing_entry *e;	/* NULL: KVM_CREATE_IRQCHIP's */
	uint32_t nr;
} table;

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

/*
 * Both targets, fresh, set up as flat xAPICs with IDs 0..N-1; both start
 * with KVM_CREATE_IRQCHIP's routing table.
 */
static int targets_up(bool lapics)
{
	long xen;

	if (!kvm_available() || !kic_module_loaded())
		return -2;
	if (vm_init_kvm(&T[TK], N) ||
	    resample_vm_init(&T[TC], N, KVM_IRQCHIP_CREATE_DEFAULT_ROUTING))
		return -1;
	if (open_fds(TK) || open_fds(TC))
		return -1;
	xen = check_ext(T[TK].sys_fd, KVM_CAP_XEN_HVM);
	kvm_has_xen = xen > 0;
	table.e = NULL;
	return lapics ? setup_both(flat_setup) : 0;
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
	static const long caps[] = {
		KVM_CAP_IRQ_ROUTING, KVM_CAP_IRQFD, KVM_CAP_SIGNAL_MSI,
		KVM_CAP_IRQ_INJECT_STATUS, KVM_CAP_X2APIC_API, KVM_CAP_MSI_DEVID,
		KVM_CAP_IRQFD_RESAMPLE, KVM_IRQCHIP_CAP_MODELS,
		KVM_IRQCHIP_CAP_X86_EXT_DEST_ID, KVM_IRQCHIP_CAP_ABI_VERSION,
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
		s[i] = (struct rcpu){ 1, 1, 1, i, ((i / 4 + 1) << 4) | 1u << (i % 4), 0 };
}

static void msi_case(int fam, const struct rcpu *setup, struct rmsg m, bool via_irqfd,
		     bool hashing)
{
	struct ccase c;

	/* with the bridge, KVM arbitrates on both sides: nothing to avoid */
	if (fam != F_BRIDGE)
		avoid_kvm_ambiguity(setup, &m);
	if (!hashing && lowest(&m))
		return;
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
	bool hashing = kvm_hashes_vectors();
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
			setups[S_MIXED][i] = (struct rcpu){ 1, 1, 1, i, 0x10 | 1u << (i % 4), 0 };
	}

	for (int s = 0; s < S_NR; s++) {
		const uint32_t *ld = s == S_CLUSTER ? lclus : lflat;

		ASSERT_EQ(0, setup_both(setups[s]));
		for (unsigned int k = 0; k < ARRAY_SIZE(kinds); k++) {
			for (unsigned int d = 0; d < 9 + 8; d++) {
				struct rmsg m = {
					.dest = d < 9 ? phys[d] : ld[d - 9], .logical = d >= 9,
					.dm = kinds[k].dm, .rh = kinds[k].rh,
					.level = kinds[k].level, .vec = vec,
				};

				vec = vec == 0xff ? 0x10 : vec + 1;
				msi_case(fam, setups[s], m, false, hashing);
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

					msi_case(fam, setups[s], m, true, hashing);
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

		msi_case(fam, flat_setup, m, false, true);
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

/* Random LAPIC setup: distinct IDs, logical IDs rising with the index. */
static void random_setup(struct rcpu *c)
{
	uint32_t ids[255], scheme = rnd(3), flat_bits = 0;
	unsigned int members[4] = { 0 }, nflat = 0;
	int cl_of[N];

	for (unsigned int i = 0; i < 255; i++)
		ids[i] = i;
	for (unsigned int i = 0; i < N; i++) {
		unsigned int j = i + rnd(255 - i);
		uint32_t t = ids[i];

		ids[i] = ids[j];
		ids[j] = t;
	}
	for (unsigned int i = 0; i < N; i++) {
		c[i].hw = rnd(10) != 0;
		c[i].sw = rnd(5) != 0;
		c[i].cluster = scheme == 1 || (scheme == 2 && rnd(2));
		c[i].id = ids[i];
		c[i].tpr = rnd(256);
		c[i].ldr = 0;
		cl_of[i] = -1;
		if (!c[i].cluster && rnd(10)) {
			nflat++;
			c[i].ldr = 1;	/* placeholder: gets a bit below */
		}
		if (c[i].cluster && rnd(10)) {
			uint32_t cl;

			do
				cl = rnd(4);
			while (members[cl] == 4);
			members[cl]++;
			cl_of[i] = cl;
		}
	}
	while ((unsigned int)__builtin_popcount(flat_bits) < nflat)
		flat_bits |= 1u << rnd(8);
	for (unsigned int i = 0; i < N; i++) {
		if (c[i].cluster || !c[i].ldr)
			continue;
		c[i].ldr = 1u << __builtin_ctz(flat_bits);
		flat_bits &= flat_bits - 1;
	}
	for (unsigned int cl = 0; cl < 4; cl++) {
		uint32_t bits = 0;

		while ((unsigned int)__builtin_popcount(bits) < members[cl])
			bits |= 1u << rnd(4);
		for (unsigned int i = 0; i < N; i++) {
			if (cl_of[i] != (int)cl)
				continue;
			c[i].ldr = cl << 4 | 1u << __builtin_ctz(bits);
			bits &= bits - 1;
		}
	}
}

static void random_msg(const struct rcpu *c, struct rmsg *m)
{
	static const uint32_t other_dm[] = { DM_SMI, DM_NMI, DM_INIT, DM_SIPI, DM_EXTINT,
					     DM_RESERVED };

	m->vec = 16 + rnd(240);
	m->dm = rnd(5) < 3 ? DM_FIXED : DM_LOWEST;
	if (rnd(20) == 0)
		m->dm = other_dm[rnd(6)];
	m->rh = rnd(5) == 0;
	m->level = rnd(2);
	m->logical = rnd(2);
	if (!m->logical) {
		uint32_t r = rnd(10);

		m->dest = r < 6 ? c[rnd(N)].id : r < 7 ? 0xff : rnd(255);
		return;
	}
	if (!lowest(m) || rnd(10) == 0) {
		m->dest = rnd(10) == 0 ? 0xff : rnd(256);
		return;
	}
	/* lowest priority: a subset of one group of eligible LAPICs */
	{
		unsigned int elig[N], n = 0, pick;

		for (unsigned int i = 0; i < N; i++)
			if (c[i].hw && c[i].sw && (c[i].ldr & (c[i].cluster ? 0xf : 0xff)))
				elig[n++] = i;
		if (!n) {
			m->dest = rnd(256);
			return;
		}
		pick = elig[rnd(n)];
		m->dest = c[pick].ldr;
		for (unsigned int j = 0; j < n; j++) {
			const struct rcpu *o = &c[elig[j]];

			if (o->cluster != c[pick].cluster)
				continue;
			if (o->cluster && o->ldr >> 4 != c[pick].ldr >> 4)
				continue;
			if (rnd(2))
				m->dest |= o->ldr;
		}
	}
}

#define RANDOM_MSGS	10000

TEST_F_TIMEOUT(conf, random_msis, 150)
{
	const char *env = getenv("KIC_SEED"), *secs = getenv("KIC_CONF_SECONDS");
	uint64_t seed = env ? strtoull(env, NULL, 0) :
			(uint64_t)time(NULL) ^ (uint64_t)getpid() << 16;
	uint64_t end = now_ms() + 1000ull * (secs ? strtoul(secs, NULL, 0) : 30);
	bool hashing = kvm_hashes_vectors();
	struct rcpu c[N];
	unsigned int sent = 0;

	printf("# random_msis: seed %llu (KIC_SEED=%llu replays it)\n",
	       (unsigned long long)seed, (unsigned long long)seed);
	fflush(stdout);
	int up = targets_up(false);

	if (up == -2)
		SKIP(return, "missing kvm,kic: /dev/kvm or kvm-irqchip not available");
	ASSERT_EQ(0, up);
	rnd_state = seed ? seed : 1;
	while (sent < RANDOM_MSGS && now_ms() < end) {
		random_setup(c);
		ASSERT_EQ(0, setup_both(c));
		for (int k = 0; k < 50 && sent < RANDOM_MSGS; k++, sent++) {
			struct ccase cs;
			struct rmsg m;

			random_msg(c, &m);
			avoid_kvm_ambiguity(c, &m);
			/*
			 * A physical broadcast with RH in a non-vectored mode is
			 * a documented difference that hides when the vector is
			 * already pending; the MSI matrix checks it from a clean
			 * state instead.
			 */
			if (!m.logical && m.dest == 0xff && m.rh && m.dm >= DM_SMI)
				m.rh = false;
			if (!hashing && lowest(&m))
				continue;
			memset(&cs, 0, sizeof(cs));
			cs.op = OP_MSI;
			cs.setup = c;
			cs.lo = msg_lo(&m);
			cs.data = msg_data(&m);
			NAME(&cs, "seed %llu msg %u: %s dest %#x rh %d vec %#x dm %u %s",
			     (unsigned long long)seed, sent, m.logical ? "logical" : "physical",
			     m.dest, m.rh, m.vec, m.dm, m.level ? "level" : "edge");
			check(F_RANDOM, &cs, true);
		}
	}
	printf("# random_msis: seed %llu, %u messages\n", (unsigned long long)seed, sent);
	FAMILY_DONE(F_RANDOM);
}

/* ------------------------------------------------------------------ */
/* 5. Pins: the IOAPIC and the PICs                                     */

#define IOAPIC_BASE	0xfec00000ull
#define RTC_PIN		8
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

static bool pins_hashing;

static uint64_t rte_raw(const struct rte *r)
{
	return (uint64_t)(r->vec & 0xff) | (uint64_t)(r->dm & 7) << 8 |
	       (uint64_t)r->logical << 11 | (uint64_t)r->rirr << 14 |
	       (uint64_t)r->level << 15 | (uint64_t)r->masked << 16 |
	       (uint64_t)(r->dest & 0xff) << 56;
}

/*
 * The entry's bits.  The IOAPIC sends its messages down the path MSIs take,
 * so lowest-priority entries follow the MSI rules (top of the file) for the
 * flat set-up the pins cases run with.
 */
static uint64_t rte_bits(struct rte r)
{
	struct rmsg m = { .dest = r.dest, .vec = r.vec, .dm = r.dm,
			  .logical = r.logical, .level = r.level };

	avoid_kvm_ambiguity(flat_setup, &m);
	if (!pins_hashing && lowest(&m))
		m.dm = DM_FIXED;
	r.dm = m.dm;
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

/*
 * A random entry.  The RTC entry is fixed or lowest priority with a vector
 * (0xf0-0xff) no other entry has; see random_ioapic().
 */
static uint64_t random_rte(bool rtc)
{
	static const uint32_t other[] = { DM_NMI, DM_SMI, DM_INIT, DM_EXTINT, DM_SIPI,
					  DM_RESERVED };
	uint32_t k = rnd(rtc ? 17 : 20);
	struct rte r = {
		.vec = rtc ? 0xf0 + rnd(0x10) : 0x10 + rnd(0xe0),
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

/*
 * A random IOAPIC; @rtc is the RTC entry to keep, or 0 for a new one.  The
 * random family keeps the RTC entry for a whole state, so only vCPUs it
 * addresses ever hold its vector (see m_rtc_outside), and its deliveries
 * are all vectored (see m_rtc_nonvectored).
 */
static void random_ioapic(struct kvm_ioapic_state *io, uint64_t rtc)
{
	memset(io, 0, sizeof(*io));
	io->base_address = IOAPIC_BASE;
	io->id = rnd(16);
	io->ioregsel = rnd(256);
	io->irr = rnd(3) ? 0 : rnd(1u << 24) & rnd(1u << 24);
	for (int i = 0; i < KVM_IOAPIC_NUM_PINS; i++) {
		if (i == RTC_PIN && rtc)
			io->redirtbl[i].bits = rtc;
		else
			io->redirtbl[i].bits = rnd(5) ? random_rte(i == RTC_PIN) : RTE_MASKED;
	}
}

static void random_pins(struct pins *p)
{
	random_pic(&p->pic[0], false);
	random_pic(&p->pic[1], true);
	random_ioapic(&p->io, 0);
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
	pins_hashing = kvm_hashes_vectors();
	resample_default_routes(default_rt);
	return up;
}

TEST_F_TIMEOUT(conf, pins, 600)
{
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
		random_ioapic(&p->io, p->io.redirtbl[RTC_PIN].bits);
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

TEST_F_TIMEOUT(conf, random_pins, 150)
{
	const char *env = getenv("KIC_SEED"), *secs = getenv("KIC_CONF_SECONDS");
	uint64_t seed = env ? strtoull(env, NULL, 0) :
			(uint64_t)time(NULL) ^ (uint64_t)getpid() << 16;
	uint64_t end = now_ms() + 1000ull * (secs ? strtoul(secs, NULL, 0) : 30);
	static struct kvm_irq_routing_entry rt[3 * 32];
	unsigned int ops = 0, states = 0;
	uint32_t nr;

	printf("# random_pins: seed %llu (KIC_SEED=%llu replays it)\n",
	       (unsigned long long)seed, (unsigned long long)seed);
	fflush(stdout);
	int up = pins_up();

	if (up == -2)
		SKIP(return, "missing kvm,kic: /dev/kvm or kvm-irqchip not available");
	ASSERT_EQ(0, up);
	rnd_state = seed ? seed : 1;
	while (ops < RANDOM_PIN_OPS && now_ms() < end) {
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
		random_pins(&p);
		snprintf(what, sizeof(what), "seed %llu state %u", (unsigned long long)seed,
			 states);
		pins_start(F_PINS_RANDOM, &p, what);
		for (unsigned int k = 0; k < 40 && ops < RANDOM_PIN_OPS; k++, ops++) {
			char op[96];

			snprintf(op, sizeof(op), "%s op %u", what, k);
			random_pin_op(&p, op);
		}
	}
	printf("# random_pins: seed %llu, %u states, %u operations\n",
	       (unsigned long long)seed, states, ops);
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
	return setup_both(flat_setup);
}

static void bridge_random(struct __test_metadata *_metadata)
{
	const char *env = getenv("KIC_SEED"), *secs = getenv("KIC_CONF_SECONDS");
	uint64_t seed = env ? strtoull(env, NULL, 0) :
			(uint64_t)time(NULL) ^ (uint64_t)getpid() << 16;
	uint64_t end = now_ms() + 1000ull * (secs ? strtoul(secs, NULL, 0) : 30);
	bool hashing = kvm_hashes_vectors();
	unsigned int sent = 0;
	struct rcpu c[N];

	printf("# bridge_msis: seed %llu (KIC_SEED=%llu replays it)\n",
	       (unsigned long long)seed, (unsigned long long)seed);
	fflush(stdout);
	ASSERT_EQ(0, irqfd(T[TK].fd, fds[TK][FD_A], 1, 0));
	ASSERT_EQ(0, irqfd(T[TC].fd, fds[TC][FD_A], 1, 0));
	rnd_state = seed ? seed : 1;
	while (sent < RANDOM_MSGS && now_ms() < end) {
		random_setup(c);
		ASSERT_EQ(0, setup_both(c));
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
	int up = bridge_targets_up();

	if (up == -2)
		SKIP(return, "missing kvm,kic: /dev/kvm or kvm-irqchip not available");
	if (up == -3)
		SKIP(return, "missing bridge: kvm-irqchip built without the KVM bridge");
	ASSERT_EQ(0, up);
	S->bridge_ran = true;
	msi_matrix_cases(_metadata, F_BRIDGE);
	bridge_random(_metadata);
	for (unsigned int i = 0; i < NBDIFF; i++)
		printf("# bridge difference \"%s\": %u cases\n", bridge_diffs[i].name,
		       S->seen[NDIFF + i]);
	FAMILY_DONE(F_BRIDGE);
}

/* Every documented difference must still be one. */
TEST_F(conf, documented_differences_seen)
{
	int fd = open("/dev/kvm", O_RDWR);
	bool xen = fd >= 0 && check_ext(fd, KVM_CAP_XEN_HVM) > 0;

	if (fd < 0)
		SKIP(return, "missing kvm: /dev/kvm not available");
	close(fd);
	for (unsigned int i = 0; i < NDIFF; i++) {
		if (diffs[i].match == m_xen && !xen)
			continue;	/* KVM built without Xen: nothing to differ from */
		EXPECT_LT(0u, S->seen[i]) TH_LOG("documented difference \"%s\" never seen",
						 diffs[i].name);
	}
	for (unsigned int i = 0; S->bridge_ran && i < NBDIFF; i++) {
		EXPECT_LT(0u, S->seen[NDIFF + i])
			TH_LOG("documented bridge difference \"%s\" never seen",
			       bridge_diffs[i].name);
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
