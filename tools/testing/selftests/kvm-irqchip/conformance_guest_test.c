// SPDX-License-Identifier: GPL-2.0
/*
 * Conformance with KVM 6.1 as a guest sees it: the test guest of guest.h
 * runs one programme on two targets and, after every step, what each
 * guest received and what each irqchip holds are compared.
 *
 *  K: a KVM VM with KVM_CREATE_IRQCHIP: KVM's PIC, IOAPIC and LAPICs;
 *  C: a KVM VM with KVM_CAP_SPLIT_IRQCHIP (KVM's LAPICs) and a kvm-irqchip
 *     instance attached with KVM_IRQCHIP_CREATE_KVM_VM and
 *     KVM_IRQCHIP_CREATE_DEFAULT_ROUTING, so that both start with
 *     KVM_CREATE_IRQCHIP's GSI table.
 *
 * On C this file is the VMM of api.rst 3.14: it forwards the guest's
 * IOAPIC MMIO and 8259 port exits to KVM_IRQCHIP_IO, mirrors every level
 * IOAPIC entry as a level MSI route on the VM so that KVM exits with
 * KVM_EXIT_IOAPIC_EOI, forwards those with KVM_IRQCHIP_EOI, and delivers
 * the PIC's output as a split-irqchip VMM must: when the instance's vCPU 0
 * fd polls readable and KVM says the vCPU is ready for interrupt injection,
 * KVM_IRQCHIP_VCPU_ACK takes the PIC's vector (KVM_IRQCHIP_ACK_EXTINT) and
 * KVM_INTERRUPT injects it; otherwise it asks KVM for an interrupt window.
 * The instance's own LAPIC decides whether the PIC reaches vCPU 0 (LVT0),
 * so the VMM copies KVM's vCPU 0 LVT0 into it before the guest runs (the
 * guest never writes LVT0).
 *
 * The programme: the guest programs the 8259s (ICW1-4, OCW1-3, ELCR) and
 * the IOAPIC's redirection entries through its own port and MMIO
 * accesses; edge and level pins are raised with KVM_IRQ_LINE and irqfds;
 * level interrupts are EOIed by the guest at once or on command, so that
 * remote IRR, re-delivery of a pin still asserted and resampling irqfds
 * are seen at each stage; the guest and the VMM (KVM_SET_IRQCHIP) mask and
 * unmask entries; PIC interrupts reach the guest as ExtINT and are EOIed
 * through the 8259 ports, or by auto-EOI.
 *
 * After each step a target settles (the reports the step expects arrive,
 * then nothing changes for QUIET_MS: KVM injects IOAPIC irqfds from a work
 * item) and its record is taken: per vCPU the vectors the guest took, in
 * order; KVM_GET_IRQCHIP of the PIC master, slave and IOAPIC; the IRR, ISR
 * and TMR of every vCPU's LAPIC; how many times each resamplefd fired; the
 * values the guest read.  A field that differs fails the step unless
 * guest_diffs[] (compat.rst) lists it with both values; a listed
 * difference that does not show up fails too.  Target K must also take
 * exactly the reports the step expects, so the programme cannot pass by
 * doing nothing on both.
 */
#include <assert.h>
#include <poll.h>
#include <pthread.h>

#include "kic_x86_util.h"
#include "guest.h"
#include "kselftest_harness.h"

#define NR_VCPUS	2
#define WAIT_MS		20000	/* a guest command: TCG running nested KVM */
#define EXPECT_MS	3000	/* for the reports a step expects */
#define QUIET_MS	40	/* a settled target holds still this long */
#define SETTLE_MS	3000	/* at most, beyond the expected reports */
#define MAX_SEQ		16	/* vectors kept per vCPU and step */
#define MAX_READS	16	/* guest reads kept per step */
#define NR_FDS		5	/* irqfds of the programme */
#define MAX_DIFFS	64	/* per step */

#define IOAPIC_BASE	0xfec00000u
#define IOAPIC_WIN	(IOAPIC_BASE + 0x10)
#define PIC_M_BASE	0x30	/* ICW2 of the master */
#define PIC_S_BASE	0x38	/* ... of the slave */

#define RTE_LOGICAL	BIT_ULL(11)
#define RTE_REMOTE_IRR	BIT_ULL(14)
#define RTE_LEVEL	BIT_ULL(15)
#define RTE_MASKED	BIT_ULL(16)

#define LVT0		0x350

/* Guest accesses (struct guest_op) */
#define OUTB(p, v)	{ GUEST_OP_OUTB, (p), (v), 0 }
#define INB(p)		{ GUEST_OP_INB, (p), 0, 0 }
#define WR(a, v)	{ GUEST_OP_WRITE32, (a), (v), 0 }
#define RD(a)		{ GUEST_OP_READ32, (a), 0, 0 }
/* an IOAPIC register: select it (IOREGSEL), then write or read IOWIN */
#define SEL(r)		WR(IOAPIC_BASE, (r))
#define WIN(v)		WR(IOAPIC_WIN, (v))
#define RDWIN		RD(IOAPIC_WIN)
#define LAPIC_EOI	WR(GUEST_APIC_EOI, 0)

/* Redirection entry words: vector, level, logical, masked; destination */
static uint32_t rte_lo(uint32_t vec, bool level, bool logical, bool masked)
{
	return vec | (level ? RTE_LEVEL : 0) | (logical ? RTE_LOGICAL : 0) |
	       (masked ? RTE_MASKED : 0);
}

static uint32_t rte_hi(uint32_t dest)
{
	return dest << 24;
}

struct snap {
	struct kvm_pic_state pic[2];
	struct kvm_ioapic_state ioapic;
	uint32_t irr[NR_VCPUS][8], isr[NR_VCPUS][8], tmr[NR_VCPUS][8];
};

/* What one step left on one target */
struct record {
	int err;				/* the step's actions: -errno */
	unsigned int nr_irq[NR_VCPUS];		/* reports taken */
	uint8_t seq[NR_VCPUS][MAX_SEQ];		/* the first MAX_SEQ vectors */
	char log[NR_VCPUS][96];			/* with EOI exits, for messages */
	struct snap s;
	uint64_t resampled[NR_FDS];		/* resamplefd counts read */
	unsigned int nr_reads;
	uint32_t reads[MAX_READS];
};

struct target {
	const char *name;
	bool bridge;		/* C: the instance is the PIC and IOAPIC */
	struct guest g;
	int chip;		/* KVM_IRQ_LINE, KVM_IRQFD, KVM_*_IRQCHIP */
	int kic, kic_vcpu0;	/* C: the instance, its vCPU 0 */
	pthread_mutex_t mirror_lock;
	pthread_t poller;
	bool poller_on;
	int stop;		/* __atomic: the poller ends */
	int window;		/* __atomic: vCPU 0 asked for a window */
	long vmm_err;		/* __atomic: first failure of the VMM's part */
	unsigned int extints, eois;	/* __atomic: injected, forwarded */
	int efd[NR_FDS], rfd[NR_FDS];
	uint64_t cursor[NR_VCPUS];
	struct record *rec;	/* the current step's */
};

static void vmm_fail(struct target *t, long r)
{
	long zero = 0;

	__atomic_compare_exchange_n(&t->vmm_err, &zero, r, false,
				    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

/* C: every level IOAPIC entry as a level MSI route of its pin's GSI */
static long mirror_level_entries(struct target *t)
{
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	struct kvm_irq_routing_entry e[KVM_IOAPIC_NUM_PINS];
	unsigned int n = 0;
	long r;

	if (!t->bridge)
		return 0;
	pthread_mutex_lock(&t->mirror_lock);
	r = xioctl(t->kic, KVM_GET_IRQCHIP, &chip);
	for (unsigned int p = 0; !r && p < KVM_IOAPIC_NUM_PINS; p++) {
		uint64_t b = chip.chip.ioapic.redirtbl[p].bits;

		/* masked too: an EOI of a vector in service must still come */
		if (!(b & RTE_LEVEL))
			continue;
		e[n++] = route_msi(p, msi_addr(b >> 56, b & RTE_LOGICAL, false),
				   0, msi_data(b & 0xff, b >> 8 & 7, true));
	}
	if (!r)
		r = set_routing(t->g.vm.fd, e, n);
	pthread_mutex_unlock(&t->mirror_lock);
	return r;
}

/* C: the guest's IOAPIC and 8259 accesses go to the instance. */
static int vmm_exit(struct guest *g, unsigned int vcpu, struct kvm_run *run,
		    void *opaque)
{
	struct target *t = opaque;
	struct kvm_irqchip_io io = { 0 };
	long r;

	(void)g;
	(void)vcpu;
	if (run->exit_reason == KVM_EXIT_MMIO) {
		io.addr = run->mmio.phys_addr;
		io.len = run->mmio.len;
		if (run->mmio.is_write) {
			io.flags = KVM_IRQCHIP_IO_WRITE;
			memcpy(&io.data, run->mmio.data, io.len);
		}
		r = xioctl(t->kic, KVM_IRQCHIP_IO, &io);
		if (r)
			return r;
		if (!run->mmio.is_write)
			memcpy(run->mmio.data, &io.data, io.len);
		else if (io.addr == IOAPIC_WIN)
			r = mirror_level_entries(t);
		return r;
	}
	if (run->exit_reason == KVM_EXIT_IO) {
		uint8_t *d = (uint8_t *)run + run->io.data_offset;
		bool out = run->io.direction == KVM_EXIT_IO_OUT;

		for (unsigned int k = 0; k < run->io.count; k++) {
			uint8_t *p = d + k * run->io.size;

			io = (struct kvm_irqchip_io) {
				.addr = run->io.port, .len = run->io.size,
				.flags = KVM_IRQCHIP_IO_PIO |
					 (out ? KVM_IRQCHIP_IO_WRITE : 0),
			};
			if (out)
				memcpy(&io.data, p, io.len);
			r = xioctl(t->kic, KVM_IRQCHIP_IO, &io);
			if (r)
				return r;
			if (!out)
				memcpy(p, &io.data, io.len);
		}
		return 0;
	}
	return -ENXIO;
}

/* C: KVM saw the guest EOI a marked vector; the instance's IOAPIC hears it. */
static void vmm_eoi(struct guest *g, unsigned int vcpu, uint8_t vector,
		    void *opaque)
{
	struct kvm_irqchip_eoi eoi = { .vcpu = vcpu, .vector = vector };
	struct target *t = opaque;
	long r = xioctl(t->kic, KVM_IRQCHIP_EOI, &eoi);

	(void)g;
	if (r)
		vmm_fail(t, r);
	__atomic_add_fetch(&t->eois, 1, __ATOMIC_RELAXED);
}

/* C: does the PIC have an interrupt for vCPU 0 (api.rst 4.8)? */
static bool pic_wants_vcpu0(struct target *t)
{
	struct pollfd p = { .fd = t->kic_vcpu0, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/*
 * C, on vCPU 0's thread before each KVM_RUN: the PIC's interrupt is
 * acknowledged only when KVM can take it at once, as QEMU does, so the
 * 8259's ISR is set when the guest is about to run the handler.
 */
static void vmm_run(struct guest *g, unsigned int vcpu, struct kvm_run *run,
		    void *opaque)
{
	struct target *t = opaque;
	bool want;

	if (vcpu)
		return;
	if (pic_wants_vcpu0(t) && run->ready_for_interrupt_injection) {
		struct kvm_irqchip_vcpu_ack ack = { 0 };
		long r = xioctl(t->kic_vcpu0, KVM_IRQCHIP_VCPU_ACK, &ack);

		if (!r && (ack.flags & KVM_IRQCHIP_ACK_EXTINT)) {
			struct kvm_interrupt irq = { .irq = ack.vector };

			r = xioctl(g->vm.vcpu[0], KVM_INTERRUPT, &irq);
			if (!r)
				__atomic_add_fetch(&t->extints, 1, __ATOMIC_RELAXED);
		} else if (!r) {
			/* the instance's own LAPIC never gets a vector here */
			r = -EPROTO;
		}
		if (r && r != -EAGAIN)
			vmm_fail(t, r);
	}
	want = pic_wants_vcpu0(t);
	run->request_interrupt_window = want;
	__atomic_store_n(&t->window, want, __ATOMIC_RELAXED);
}

/*
 * C: the PIC's output rises while vCPU 0 may sit in HLT inside KVM_RUN;
 * this thread has it leave, so that vmm_run() acknowledges.  With a window
 * asked for, KVM exits by itself when the guest can take the interrupt.
 */
static void *vmm_poller(void *arg)
{
	struct target *t = arg;

	while (!__atomic_load_n(&t->stop, __ATOMIC_RELAXED)) {
		struct pollfd p = { .fd = t->kic_vcpu0, .events = POLLIN };

		if (poll(&p, 1, 20) != 1)
			continue;
		if (!__atomic_load_n(&t->window, __ATOMIC_RELAXED))
			guest_kick(&t->g, 0);
		usleep(1000);
	}
	return NULL;
}

/* C: the instance's vCPU 0 LAPIC passes the PIC as KVM's vCPU 0 does. */
static long copy_lvt0(struct target *t)
{
	struct kvm_lapic_state kvm, kic;
	long r = lapic_get(t->g.vm.vcpu[0], &kvm);

	if (!r)
		r = lapic_get(t->kic_vcpu0, &kic);
	if (r)
		return r;
	apic_put(&kic, LVT0, apic_get(&kvm, LVT0));
	return lapic_set(t->kic_vcpu0, &kic);
}

static long target_init(struct target *t, bool bridge)
{
	struct kvm_irqchip_create c = {
		.model = KVM_IRQCHIP_MODEL_X86,
		.nr_vcpus = NR_VCPUS,
		.flags = KVM_IRQCHIP_CREATE_KVM_VM |
			 KVM_IRQCHIP_CREATE_DEFAULT_ROUTING,
	};
	long r;

	memset(t, 0, sizeof(*t));
	t->name = bridge ? "kvm-irqchip" : "KVM";
	t->bridge = bridge;
	t->kic = -1;
	t->kic_vcpu0 = -1;
	for (unsigned int k = 0; k < NR_FDS; k++) {
		t->efd[k] = -1;
		t->rfd[k] = -1;
	}
	pthread_mutex_init(&t->mirror_lock, NULL);
	r = guest_init_irqchip(&t->g, NR_VCPUS, bridge ? GUEST_IRQCHIP_SPLIT :
			       GUEST_IRQCHIP_KERNEL);
	if (r)
		return r;
	/* vCPU i has logical ID 1 << i (flat) */
	for (unsigned int i = 0; i < NR_VCPUS; i++)
		guest_set_ldr(&t->g, i, 1u << i, DFR_FLAT);
	t->chip = t->g.vm.fd;
	if (bridge) {
		t->kic = kic_open();
		if (t->kic < 0)
			return -errno;
		c.kvm_vm_fd = t->g.vm.fd;
		r = xioctl(t->kic, KVM_IRQCHIP_CREATE, &c);
		if (r)
			return r;
		t->chip = t->kic;
		r = xioctl_val(t->kic, KVM_IRQCHIP_GET_VCPU_FD, 0);
		if (r < 0)
			return r;
		t->kic_vcpu0 = r;
		r = copy_lvt0(t);
		if (!r)
			r = mirror_level_entries(t);
		if (r)
			return r;
		guest_on_exit(&t->g, vmm_exit, t);
		guest_on_eoi(&t->g, vmm_eoi, t);
		guest_on_run(&t->g, vmm_run, t);
	}
	for (unsigned int k = 0; k < NR_FDS; k++) {
		t->efd[k] = new_eventfd();
		t->rfd[k] = new_eventfd();
		if (t->efd[k] < 0 || t->rfd[k] < 0)
			return -EMFILE;
	}
	r = guest_start(&t->g);
	if (!r)
		r = guest_wait_ready(&t->g, WAIT_MS);
	if (r || !bridge)
		return r;
	r = -pthread_create(&t->poller, NULL, vmm_poller, t);
	t->poller_on = !r;
	return r;
}

static void target_fini(struct target *t)
{
	__atomic_store_n(&t->stop, 1, __ATOMIC_RELAXED);
	if (t->poller_on)
		pthread_join(t->poller, NULL);
	t->poller_on = false;
	guest_fini(&t->g);
	for (unsigned int k = 0; k < NR_FDS; k++) {
		if (t->efd[k] >= 0)
			close(t->efd[k]);
		if (t->rfd[k] >= 0)
			close(t->rfd[k]);
	}
	if (t->kic_vcpu0 >= 0)
		close(t->kic_vcpu0);
	if (t->kic >= 0)
		close(t->kic);
	pthread_mutex_destroy(&t->mirror_lock);
}

/* ---- what a step does, the same on both targets ---- */

static long ops_on(struct target *t, unsigned int vcpu, struct guest_op *o,
		   unsigned int n)
{
	struct record *rec = t->rec;
	long r = guest_run_ops(&t->g, vcpu, o, n, WAIT_MS);

	for (unsigned int k = 0; !r && k < n; k++)
		if ((o[k].kind == GUEST_OP_INB || o[k].kind == GUEST_OP_READ32) &&
		    rec->nr_reads < MAX_READS)
			rec->reads[rec->nr_reads++] = o[k].res;
	return r;
}

#define OPS(t, vcpu, ...) ({						\
	struct guest_op o_[] = { __VA_ARGS__ };				\
	ops_on(t, vcpu, o_, ARRAY_SIZE(o_));				\
})

static long line(struct target *t, uint32_t gsi, uint32_t level)
{
	return irq_line(t->chip, gsi, level);
}

static long pulse(struct target *t, uint32_t gsi)
{
	long r = line(t, gsi, 1);

	return r ? r : line(t, gsi, 0);
}

static long assign(struct target *t, unsigned int k, uint32_t gsi,
		   bool resample)
{
	struct kvm_irqfd a = {
		.fd = t->efd[k], .gsi = gsi,
		.flags = resample ? KVM_IRQFD_FLAG_RESAMPLE : 0,
		.resamplefd = resample ? t->rfd[k] : 0,
	};

	return xioctl(t->chip, KVM_IRQFD, &a);
}

static long signal_fd(struct target *t, unsigned int k)
{
	return efd_signal(t->efd[k]);
}

/* The VMM rewrites pin p's entry: KVM_GET_IRQCHIP, then KVM_SET_IRQCHIP. */
static long vmm_rte(struct target *t, unsigned int p, uint64_t set,
		    uint64_t clear)
{
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	long r = xioctl(t->chip, KVM_GET_IRQCHIP, &chip);

	if (r)
		return r;
	chip.chip.ioapic.redirtbl[p].bits &= ~clear;
	chip.chip.ioapic.redirtbl[p].bits |= set;
	r = xioctl(t->chip, KVM_SET_IRQCHIP, &chip);
	return r ? r : mirror_level_entries(t);
}

static void eoi_mode(struct target *t, unsigned int vcpu, unsigned int vec,
		     uint8_t mode)
{
	guest_set_eoi_mode(&t->g, vcpu, vec, mode);
}

/*
 * The programme's IOAPIC entries, all programmed by the guest:
 *   pin 3  edge,  0x43, vCPU 0 physical
 *   pin 5  level, 0x55, vCPU 1 physical       (KVM_IRQ_LINE, EOI later)
 *   pin 9  level, 0x69, logical 0x2 (vCPU 1)  (resampling irqfd 1)
 *   pin 10 level, 0x7a, vCPU 0, masked         (guest unmasks it)
 *   pin 11 level, 0x8b, vCPU 0                 (resampling irqfd 2)
 *   pin 16 edge,  0x90, logical 0x3 (both)     (irqfd 3)
 *   pin 17 level, 0xa1, logical 0x3 (both)
 * The 8259s: master at 0x30, slave at 0x38; IR4 (GSI 4), slave IR4 (GSI
 * 12), IR6 (GSI 6), slave IR6 (GSI 14, level by ELCR, resampling irqfd 4).
 */
static long s_pic_init(struct target *t)
{
	return OPS(t, 0,
		   OUTB(0x20, 0x11), OUTB(0x21, PIC_M_BASE), OUTB(0x21, 0x04),
		   OUTB(0x21, 0x01),
		   OUTB(0xa0, 0x11), OUTB(0xa1, PIC_S_BASE), OUTB(0xa1, 0x02),
		   OUTB(0xa1, 0x01),
		   OUTB(0x21, 0xfb), OUTB(0xa1, 0xff),
		   INB(0x21), INB(0xa1),
		   OUTB(0x20, 0x0a), INB(0x20),		/* OCW3: read IRR */
		   OUTB(0x20, 0x0b), INB(0x20),		/* ... ISR */
		   INB(0x4d0), INB(0x4d1));
}

/* The entries of the comment above, as the guest writes them */
static const struct entry {
	uint8_t pin, vec, dest;
	bool level, logical, masked;
} entries[] = {
	{ 3, 0x43, 0, false, false, false },
	{ 5, 0x55, 1, true, false, false },
	{ 9, 0x69, 0x2, true, true, false },
	{ 10, 0x7a, 0, true, false, true },
	{ 11, 0x8b, 0, true, false, false },
	{ 16, 0x90, 0x3, false, true, false },
	{ 17, 0xa1, 0x3, true, true, false },
};

/* four writes per entry and two per register read fit in one command */
static_assert(ARRAY_SIZE(entries) * 4 + 5 * 2 <= GUEST_MAX_OPS, "ops");

/* Each entry high word, then low word; then ID, version, arbitration, pin 5. */
static long s_ioapic_program(struct target *t)
{
	static const uint8_t reads[] = { 0x00, 0x01, 0x02, 0x10 + 2 * 5,
					 0x11 + 2 * 5 };
	struct guest_op o[GUEST_MAX_OPS];
	unsigned int n = 0;

	for (unsigned int k = 0; k < ARRAY_SIZE(entries); k++) {
		const struct entry *e = &entries[k];

		o[n++] = (struct guest_op)SEL(0x11 + 2 * e->pin);
		o[n++] = (struct guest_op)WIN(rte_hi(e->dest));
		o[n++] = (struct guest_op)SEL(0x10 + 2 * e->pin);
		o[n++] = (struct guest_op)WIN(rte_lo(e->vec, e->level,
						     e->logical, e->masked));
	}
	for (unsigned int k = 0; k < ARRAY_SIZE(reads); k++) {
		o[n++] = (struct guest_op)SEL(reads[k]);
		o[n++] = (struct guest_op)RDWIN;
	}
	return ops_on(t, 0, o, n);
}

static long s_line_edge(struct target *t)
{
	return pulse(t, 3);
}

static long s_line_edge_held(struct target *t)
{
	long r = line(t, 3, 1);

	/* a second raise of a high line is no edge */
	return r ? r : line(t, 3, 1);
}

static long s_line_edge_release(struct target *t)
{
	return line(t, 3, 0);
}

static long s_irqfd_edge(struct target *t)
{
	long r = assign(t, 0, 3, false);

	return r ? r : signal_fd(t, 0);
}

static long s_level_held(struct target *t)
{
	eoi_mode(t, 1, 0x55, GUEST_EOI_NONE);
	return line(t, 5, 1);
}

static long s_eoi_redelivers(struct target *t)
{
	return OPS(t, 1, LAPIC_EOI);
}

static long s_level_release(struct target *t)
{
	return line(t, 5, 0);
}

static long s_eoi_clears_remote_irr(struct target *t)
{
	return OPS(t, 1, LAPIC_EOI);
}

static long s_resample_on_eoi(struct target *t)
{
	long r = assign(t, 1, 9, true);

	return r ? r : signal_fd(t, 1);
}

static long s_resample_deferred(struct target *t)
{
	eoi_mode(t, 1, 0x69, GUEST_EOI_NONE);
	return signal_fd(t, 1);
}

static long s_resample_eoi(struct target *t)
{
	return OPS(t, 1, LAPIC_EOI);
}

static long s_masked_line(struct target *t)
{
	eoi_mode(t, 0, 0x7a, GUEST_EOI_NONE);
	return line(t, 10, 1);
}

static long s_guest_unmask(struct target *t)
{
	return OPS(t, 0, SEL(0x10 + 2 * 10), WIN(rte_lo(0x7a, true, false, false)),
		   SEL(0x10 + 2 * 10), RDWIN);
}

static long s_guest_mask_in_service(struct target *t)
{
	long r = OPS(t, 0, SEL(0x10 + 2 * 10), WIN(rte_lo(0x7a, true, false, true)));

	if (!r)
		r = line(t, 10, 0);
	return r ? r : OPS(t, 0, LAPIC_EOI, SEL(0x10 + 2 * 10), RDWIN);
}

static long s_resampler_masked(struct target *t)
{
	long r = OPS(t, 0, SEL(0x10 + 2 * 11), WIN(rte_lo(0x8b, true, false, true)));

	if (!r)
		r = assign(t, 2, 11, true);
	return r ? r : signal_fd(t, 2);
}

static long s_resampler_unmask(struct target *t)
{
	return OPS(t, 0, SEL(0x10 + 2 * 11), WIN(rte_lo(0x8b, true, false, false)));
}

/* The device still asserts: the VMM signals the irqfd again. */
static long s_resampler_still_asserted(struct target *t)
{
	return signal_fd(t, 2);
}

static long s_vmm_mask_edge(struct target *t)
{
	long r = vmm_rte(t, 3, RTE_MASKED, 0);

	return r ? r : line(t, 3, 1);
}

static long s_vmm_unmask_edge(struct target *t)
{
	return vmm_rte(t, 3, 0, RTE_MASKED);
}

static long s_vmm_mask_level(struct target *t)
{
	long r = line(t, 3, 0);

	if (!r)
		r = vmm_rte(t, 5, RTE_MASKED, 0);
	return r ? r : line(t, 5, 1);
}

static long s_vmm_unmask_level(struct target *t)
{
	return vmm_rte(t, 5, 0, RTE_MASKED);
}

static long s_vmm_level_done(struct target *t)
{
	long r = line(t, 5, 0);

	return r ? r : OPS(t, 1, LAPIC_EOI);
}

static long s_multi_edge(struct target *t)
{
	long r = assign(t, 3, 16, false);

	return r ? r : signal_fd(t, 3);
}

/*
 * A level pulse reaching two vCPUs.  Their EOIs wait until the line is low
 * again: an EOI that came while it was still high would re-deliver (right
 * on both targets), and how often would depend on the guest's speed.
 */
static long s_multi_level(struct target *t)
{
	long r;

	eoi_mode(t, 0, 0xa1, GUEST_EOI_NONE);
	eoi_mode(t, 1, 0xa1, GUEST_EOI_NONE);
	r = pulse(t, 17);
	if (!r)
		r = OPS(t, 0, LAPIC_EOI);
	if (!r)
		r = OPS(t, 1, LAPIC_EOI);
	eoi_mode(t, 0, 0xa1, GUEST_EOI_LAPIC);
	eoi_mode(t, 1, 0xa1, GUEST_EOI_LAPIC);
	return r;
}

static long s_pic_extint(struct target *t)
{
	long r = OPS(t, 0, OUTB(0x21, 0xeb));	/* IR4 and the cascade */

	eoi_mode(t, 0, PIC_M_BASE + 4, GUEST_EOI_PIC_MASTER);
	return r ? r : pulse(t, 4);
}

static long s_pic_slave(struct target *t)
{
	long r = OPS(t, 0, OUTB(0xa1, 0xef));	/* slave IR4 */

	eoi_mode(t, 0, PIC_S_BASE + 4, GUEST_EOI_PIC_SLAVE);
	return r ? r : pulse(t, 12);
}

static long s_pic_in_service_blocks(struct target *t)
{
	uint64_t before = guest_reports(&t->g, 0, PIC_M_BASE + 4);
	long r = OPS(t, 0, OUTB(0x21, 0xab));	/* IR4, IR6, cascade */

	eoi_mode(t, 0, PIC_M_BASE + 4, GUEST_EOI_NONE);
	eoi_mode(t, 0, PIC_M_BASE + 6, GUEST_EOI_PIC_MASTER);
	if (!r)
		r = pulse(t, 4);
	/* a timeout is the settle's to see: it compares what came */
	if (!r)
		guest_wait_irq(&t->g, 0, PIC_M_BASE + 4, before + 1, EXPECT_MS);
	/* IR6 ranks below IR4, in service: it waits */
	return r ? r : pulse(t, 6);
}

static long s_pic_eoi_unblocks(struct target *t)
{
	return OPS(t, 0, OUTB(0x20, 0x20));
}

static long s_pic_level_resample(struct target *t)
{
	long r = OPS(t, 0, OUTB(0x4d1, 0x40), OUTB(0xa1, 0xaf), INB(0x4d1));

	eoi_mode(t, 0, PIC_S_BASE + 6, GUEST_EOI_PIC_SLAVE);
	if (!r)
		r = assign(t, 4, 14, true);
	return r ? r : signal_fd(t, 4);
}

static long s_pic_reads(struct target *t)
{
	return OPS(t, 0,
		   OUTB(0x20, 0x0c), INB(0x20),		/* OCW3 poll, nothing */
		   OUTB(0xa0, 0x0c), INB(0xa0),
		   OUTB(0x20, 0x0a), INB(0x20), OUTB(0xa0, 0x0a), INB(0xa0),
		   OUTB(0x20, 0x0b), INB(0x20), OUTB(0xa0, 0x0b), INB(0xa0),
		   INB(0x21), INB(0xa1), INB(0x4d0), INB(0x4d1));
}

static long s_pic_auto_eoi(struct target *t)
{
	long r = OPS(t, 0,
		     OUTB(0x20, 0x11), OUTB(0x21, PIC_M_BASE), OUTB(0x21, 0x04),
		     OUTB(0x21, 0x03), OUTB(0x21, 0xef));	/* AEOI, IR4 */

	eoi_mode(t, 0, PIC_M_BASE + 4, GUEST_EOI_NONE);
	return r ? r : pulse(t, 4);
}

struct step {
	const char *name;
	long (*fn)(struct target *t);
	uint8_t expect[NR_VCPUS];	/* reports target K must take */
};

static const struct step steps[] = {
	{ "pic_init", s_pic_init, { 0, 0 } },
	{ "ioapic_program", s_ioapic_program, { 0, 0 } },
	{ "line_edge", s_line_edge, { 1, 0 } },
	{ "line_edge_held", s_line_edge_held, { 1, 0 } },
	{ "line_edge_release", s_line_edge_release, { 0, 0 } },
	{ "irqfd_edge", s_irqfd_edge, { 1, 0 } },
	{ "level_held", s_level_held, { 0, 1 } },
	{ "eoi_redelivers", s_eoi_redelivers, { 0, 1 } },
	{ "level_release", s_level_release, { 0, 0 } },
	{ "eoi_clears_remote_irr", s_eoi_clears_remote_irr, { 0, 0 } },
	{ "resample_on_eoi", s_resample_on_eoi, { 0, 1 } },
	{ "resample_deferred", s_resample_deferred, { 0, 1 } },
	{ "resample_eoi", s_resample_eoi, { 0, 0 } },
	{ "guest_masked_line", s_masked_line, { 0, 0 } },
	{ "guest_unmask_delivers", s_guest_unmask, { 1, 0 } },
	{ "guest_mask_in_service", s_guest_mask_in_service, { 0, 0 } },
	{ "resampler_masked", s_resampler_masked, { 0, 0 } },
	{ "resampler_unmask", s_resampler_unmask, { 1, 0 } },
	{ "resampler_still_asserted", s_resampler_still_asserted, { 1, 0 } },
	{ "vmm_mask_edge", s_vmm_mask_edge, { 0, 0 } },
	{ "vmm_unmask_edge", s_vmm_unmask_edge, { 1, 0 } },
	{ "vmm_mask_level", s_vmm_mask_level, { 0, 0 } },
	{ "vmm_unmask_level", s_vmm_unmask_level, { 0, 1 } },
	{ "vmm_level_done", s_vmm_level_done, { 0, 0 } },
	{ "multi_dest_edge", s_multi_edge, { 1, 1 } },
	{ "multi_dest_level", s_multi_level, { 1, 1 } },
	{ "pic_extint", s_pic_extint, { 1, 0 } },
	{ "pic_slave_extint", s_pic_slave, { 1, 0 } },
	{ "pic_in_service_blocks", s_pic_in_service_blocks, { 1, 0 } },
	{ "pic_eoi_unblocks", s_pic_eoi_unblocks, { 1, 0 } },
	{ "pic_level_resample", s_pic_level_resample, { 1, 0 } },
	{ "pic_reads", s_pic_reads, { 0, 0 } },
	{ "pic_auto_eoi", s_pic_auto_eoi, { 1, 0 } },
};

#define NR_STEPS	ARRAY_SIZE(steps)

/* ---- settling and recording ---- */

static void collect(struct target *t, struct record *r)
{
	for (unsigned int i = 0; i < NR_VCPUS; i++) {
		struct guest_event ev[32];
		unsigned int n;

		do {
			n = guest_log_from(&t->g, i, t->cursor[i], ev,
					   ARRAY_SIZE(ev), &t->cursor[i]);
			for (unsigned int k = 0; k < n; k++) {
				size_t at = strlen(r->log[i]);

				snprintf(r->log[i] + at, sizeof(r->log[i]) - at,
					 "%s%s%#x", at ? " " : "",
					 ev[k].kind == GUEST_EV_IRQ ? "" : "eoi:",
					 ev[k].vector);
				if (ev[k].kind != GUEST_EV_IRQ)
					continue;
				if (r->nr_irq[i] < MAX_SEQ)
					r->seq[i][r->nr_irq[i]] = ev[k].vector;
				r->nr_irq[i]++;
			}
		} while (n == ARRAY_SIZE(ev));
	}
}

static long snapshot(struct target *t, struct snap *s)
{
	struct kvm_irqchip chip;
	long r = 0;

	memset(s, 0, sizeof(*s));
	for (unsigned int c = 0; !r && c < 3; c++) {
		memset(&chip, 0, sizeof(chip));
		chip.chip_id = c;
		r = xioctl(t->chip, KVM_GET_IRQCHIP, &chip);
		if (c < 2)
			s->pic[c] = chip.chip.pic;
		else
			s->ioapic = chip.chip.ioapic;
	}
	for (unsigned int i = 0; !r && i < NR_VCPUS; i++) {
		struct kvm_lapic_state l;

		r = guest_vcpu_ioctl(&t->g, i, KVM_GET_LAPIC, &l);
		apic_bits(&l, APIC_IRR, s->irr[i]);
		apic_bits(&l, APIC_ISR, s->isr[i]);
		apic_bits(&l, APIC_TMR, s->tmr[i]);
	}
	return r;
}

/* Read every resamplefd into the record; true if one had fired. */
static bool read_resamplefds(struct target *t, struct record *r)
{
	bool fired = false;

	for (unsigned int k = 0; k < NR_FDS; k++) {
		long n = resample_efd_read(t->rfd[k]);

		if (n > 0) {
			r->resampled[k] += n;
			fired = true;
		}
	}
	return fired;
}

static unsigned int total_irqs(const struct record *r)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < NR_VCPUS; i++)
		n += r->nr_irq[i];
	return n;
}

static long settle(struct target *t, const struct step *st, struct record *r)
{
	uint64_t t0 = now_ms();
	struct snap a;
	long err;

	for (;;) {
		bool all = true;

		collect(t, r);
		for (unsigned int i = 0; i < NR_VCPUS; i++)
			all &= r->nr_irq[i] >= st->expect[i];
		if (all || guest_error(&t->g) || now_ms() - t0 > EXPECT_MS)
			break;
		sleep_ms(2);
	}
	t0 = now_ms();
	err = snapshot(t, &a);
	while (!err) {
		unsigned int before = total_irqs(r);
		bool fired;

		sleep_ms(QUIET_MS);
		fired = read_resamplefds(t, r);
		collect(t, r);
		err = snapshot(t, &r->s);
		if (err || (!fired && before == total_irqs(r) &&
			    !memcmp(&a, &r->s, sizeof(a))))
			break;
		if (now_ms() - t0 > SETTLE_MS)
			break;
		a = r->s;
	}
	return err;
}

/* Run the steps until one fails; returns how many ran. */
static unsigned int run_programme(struct target *t, struct record *rec)
{
	for (unsigned int k = 0; k < NR_STEPS; k++) {
		long r;

		t->rec = &rec[k];
		r = steps[k].fn(t);
		if (!r)
			r = settle(t, &steps[k], &rec[k]);
		if (!r)
			r = guest_error(&t->g);
		if (!r)
			r = __atomic_load_n(&t->vmm_err, __ATOMIC_RELAXED);
		rec[k].err = r;
		if (r) {
			/* what follows would only measure the damage */
			ksft_print_msg("%s: step %s: %s; the programme stops\n",
				       t->name, steps[k].name, strerror((int)-r));
			return k + 1;
		}
	}
	return NR_STEPS;
}

/* ---- comparing ---- */

struct diff {
	char field[48];
	char kvm[96], kic[96];
};

struct diffs {
	unsigned int n;
	struct diff d[MAX_DIFFS];
};

static void add_diff(struct diffs *ds, const char *field, const char *kvm,
		     const char *kic)
{
	struct diff *d;

	if (ds->n == MAX_DIFFS)
		return;
	d = &ds->d[ds->n++];
	snprintf(d->field, sizeof(d->field), "%s", field);
	snprintf(d->kvm, sizeof(d->kvm), "%s", kvm);
	snprintf(d->kic, sizeof(d->kic), "%s", kic);
}

static void cmp_u64(struct diffs *ds, const char *field, uint64_t k, uint64_t c)
{
	char a[24], b[24];

	if (k == c)
		return;
	snprintf(a, sizeof(a), "%#llx", (unsigned long long)k);
	snprintf(b, sizeof(b), "%#llx", (unsigned long long)c);
	add_diff(ds, field, a, b);
}

static void fmt_seq(char *buf, size_t len, const struct record *r,
		    unsigned int i)
{
	size_t at = 0;

	buf[0] = 0;
	for (unsigned int k = 0; k < r->nr_irq[i] && k < MAX_SEQ && at < len; k++)
		at += snprintf(buf + at, len - at, "%s%#x", k ? " " : "",
			       r->seq[i][k]);
	if (r->nr_irq[i] > MAX_SEQ && at < len)
		snprintf(buf + at, len - at, " ... (%u)", r->nr_irq[i]);
	if (!r->nr_irq[i])
		snprintf(buf, len, "none");
}

static void fmt_vecs(char *buf, size_t len, const uint32_t w[8])
{
	size_t at = 0;

	snprintf(buf, len, "none");
	for (unsigned int v = 0; v < 256 && at < len; v++)
		if (w[v / 32] & 1u << (v % 32))
			at += snprintf(buf + at, len - at, "%s%#x", at ? " " : "", v);
}

static void cmp_vecs(struct diffs *ds, const char *field, const uint32_t k[8],
		     const uint32_t c[8])
{
	char a[96], b[96];

	if (!memcmp(k, c, 8 * sizeof(uint32_t)))
		return;
	fmt_vecs(a, sizeof(a), k);
	fmt_vecs(b, sizeof(b), c);
	add_diff(ds, field, a, b);
}

/* every field of struct kvm_pic_state, one byte each */
static const struct {
	const char *name;
	size_t off;
} pic_fields[] = {
	{ "last_irr", offsetof(struct kvm_pic_state, last_irr) },
	{ "irr", offsetof(struct kvm_pic_state, irr) },
	{ "imr", offsetof(struct kvm_pic_state, imr) },
	{ "isr", offsetof(struct kvm_pic_state, isr) },
	{ "priority_add", offsetof(struct kvm_pic_state, priority_add) },
	{ "irq_base", offsetof(struct kvm_pic_state, irq_base) },
	{ "read_reg_select", offsetof(struct kvm_pic_state, read_reg_select) },
	{ "poll", offsetof(struct kvm_pic_state, poll) },
	{ "special_mask", offsetof(struct kvm_pic_state, special_mask) },
	{ "init_state", offsetof(struct kvm_pic_state, init_state) },
	{ "auto_eoi", offsetof(struct kvm_pic_state, auto_eoi) },
	{ "rotate_on_auto_eoi", offsetof(struct kvm_pic_state, rotate_on_auto_eoi) },
	{ "special_fully_nested_mode", offsetof(struct kvm_pic_state, special_fully_nested_mode) },
	{ "init4", offsetof(struct kvm_pic_state, init4) },
	{ "elcr", offsetof(struct kvm_pic_state, elcr) },
	{ "elcr_mask", offsetof(struct kvm_pic_state, elcr_mask) },
};

static void cmp_pic(struct diffs *ds, const char *chip,
		    const struct kvm_pic_state *k, const struct kvm_pic_state *c)
{
	char f[48];

	for (unsigned int n = 0; n < ARRAY_SIZE(pic_fields); n++) {
		size_t off = pic_fields[n].off;

		snprintf(f, sizeof(f), "%s %s", chip, pic_fields[n].name);
		cmp_u64(ds, f, ((const uint8_t *)k)[off], ((const uint8_t *)c)[off]);
	}
}

static void compare(const struct record *k, const struct record *c,
		    struct diffs *ds)
{
	const struct kvm_ioapic_state *ka = &k->s.ioapic, *ca = &c->s.ioapic;
	char f[48], a[96], b[96];

	ds->n = 0;
	cmp_u64(ds, "step result", k->err, c->err);
	for (unsigned int i = 0; i < NR_VCPUS; i++) {
		fmt_seq(a, sizeof(a), k, i);
		fmt_seq(b, sizeof(b), c, i);
		snprintf(f, sizeof(f), "vcpu%u vectors", i);
		if (strcmp(a, b))
			add_diff(ds, f, a, b);
	}
	cmp_pic(ds, "master", &k->s.pic[0], &c->s.pic[0]);
	cmp_pic(ds, "slave", &k->s.pic[1], &c->s.pic[1]);
	cmp_u64(ds, "ioapic base_address", ka->base_address, ca->base_address);
	cmp_u64(ds, "ioapic ioregsel", ka->ioregsel, ca->ioregsel);
	cmp_u64(ds, "ioapic id", ka->id, ca->id);
	cmp_u64(ds, "ioapic irr", ka->irr, ca->irr);
	cmp_u64(ds, "ioapic pad", ka->pad, ca->pad);
	for (unsigned int p = 0; p < KVM_IOAPIC_NUM_PINS; p++) {
		snprintf(f, sizeof(f), "ioapic redirtbl[%u]", p);
		cmp_u64(ds, f, ka->redirtbl[p].bits, ca->redirtbl[p].bits);
	}
	for (unsigned int i = 0; i < NR_VCPUS; i++) {
		snprintf(f, sizeof(f), "vcpu%u IRR", i);
		cmp_vecs(ds, f, k->s.irr[i], c->s.irr[i]);
		snprintf(f, sizeof(f), "vcpu%u ISR", i);
		cmp_vecs(ds, f, k->s.isr[i], c->s.isr[i]);
		snprintf(f, sizeof(f), "vcpu%u TMR", i);
		cmp_vecs(ds, f, k->s.tmr[i], c->s.tmr[i]);
	}
	for (unsigned int n = 0; n < NR_FDS; n++) {
		snprintf(f, sizeof(f), "resamplefd %u fired", n);
		cmp_u64(ds, f, k->resampled[n], c->resampled[n]);
	}
	cmp_u64(ds, "guest reads", k->nr_reads, c->nr_reads);
	for (unsigned int n = 0; n < k->nr_reads && n < c->nr_reads; n++) {
		snprintf(f, sizeof(f), "guest read %u", n);
		cmp_u64(ds, f, k->reads[n], c->reads[n]);
	}
}

/*
 * The documented differences of this family (compat.rst, "The guest's
 * side"): step, field, KVM's value, ours, as printed.  A step differs
 * "documented" when every field that differs is listed for it here with
 * both values; every row must show up.
 */
static const struct guest_diff {
	const char *step, *field, *kvm, *kic;
} guest_diffs[] = {
	/*
	 * api.rst 3.5, beyond KVM 6.1: the guest unmasks a level entry that a
	 * resampling irqfd holds asserted: KVM delivers the stale level, we
	 * drop it and signal the resamplefd (KVM does so at the EOI), so the
	 * vector is not taken and its TMR bit is not set.  The VMM signals
	 * the irqfd again (resampler_still_asserted), and both agree again.
	 */
	{ "resampler_unmask", "vcpu0 vectors", "0x8b", "none" },
	{ "resampler_unmask", "vcpu0 TMR", "0x7a 0x8b", "0x7a" },
	{ NULL }	/* end */
};

static const struct guest_diff *find_doc(const char *step, const struct diff *d)
{
	for (const struct guest_diff *g = guest_diffs; g->step; g++) {
		if (!strcmp(g->step, step) && !strcmp(g->field, d->field) &&
		    !strcmp(g->kvm, d->kvm) && !strcmp(g->kic, d->kic))
			return g;
	}
	return NULL;
}

#define MAX_ROUNDS	3

static struct record rec_kvm[NR_STEPS], rec_kic[NR_STEPS];
static struct diffs found[MAX_ROUNDS][NR_STEPS];

/*
 * One round: the programme on a fresh K, then on a fresh C, compared step
 * by step into found[round].  Returns the steps C ran (all, unless one of
 * ours failed); K must run them all.
 */
static unsigned int one_round(struct __test_metadata *_metadata,
			      unsigned int round, unsigned int *misfires,
			      unsigned int *broken)
{
	struct target *t = calloc(1, sizeof(*t));
	unsigned int ran = 0;
	uint64_t t0 = now_ms();
	long r;

	memset(rec_kvm, 0, sizeof(rec_kvm));
	memset(rec_kic, 0, sizeof(rec_kic));
	if (!t)
		return 0;
	r = target_init(t, false);
	if (!r)
		ran = run_programme(t, rec_kvm);
	target_fini(t);
	ksft_print_msg("round %u: KVM: %u steps in %llu ms\n", round + 1, ran,
		       (unsigned long long)(now_ms() - t0));
	/* KVM is the reference: the programme must run on it */
	EXPECT_EQ(0, r);
	EXPECT_EQ(NR_STEPS, ran);
	if (r || ran != NR_STEPS) {
		free(t);
		return 0;
	}

	t0 = now_ms();
	ran = 0;
	r = target_init(t, true);
	if (!r)
		ran = run_programme(t, rec_kic);
	ksft_print_msg("round %u: kvm-irqchip: %u steps in %llu ms, %u ExtINT, %u EOIs\n",
		       round + 1, ran, (unsigned long long)(now_ms() - t0),
		       t->extints, t->eois);
	target_fini(t);
	free(t);
	EXPECT_EQ(0, r);
	/* an error of ours (the module or this VMM) is no artifact */
	if (r || ran != NR_STEPS)
		(*broken)++;

	for (unsigned int s = 0; s < NR_STEPS; s++) {
		for (unsigned int i = 0; !round && i < NR_VCPUS; i++) {
			if (rec_kvm[s].nr_irq[i] == steps[s].expect[i])
				continue;
			ksft_print_msg("programme: step %s: KVM vCPU %u took %u, not %u\n",
				       steps[s].name, i, rec_kvm[s].nr_irq[i],
				       steps[s].expect[i]);
			(*misfires)++;
		}
		if (s >= ran) {
			found[round][s].n = 1;
			snprintf(found[round][s].d[0].field,
				 sizeof(found[round][s].d[0].field), "not run");
			continue;
		}
		compare(&rec_kvm[s], &rec_kic[s], &found[round][s]);
		for (unsigned int n = 0; n < found[round][s].n; n++) {
			const struct diff *d = &found[round][s].d[n];

			if (find_doc(steps[s].name, d))
				continue;
			ksft_print_msg("round %u: step %s: %s: KVM %s, kvm-irqchip %s\n",
				       round + 1, steps[s].name, d->field, d->kvm,
				       d->kic);
		}
	}
	return ran;
}

static bool in_round(unsigned int round, unsigned int s, const struct diff *d)
{
	const struct diffs *ds = &found[round][s];

	for (unsigned int n = 0; n < ds->n; n++)
		if (!strcmp(ds->d[n].field, d->field) &&
		    !strcmp(ds->d[n].kvm, d->kvm) && !strcmp(ds->d[n].kic, d->kic))
			return true;
	return false;
}

/* one fixture, only for TEST_F_TIMEOUT */
FIXTURE(cg) {
	int unused;
};

FIXTURE_SETUP(cg)
{
}

FIXTURE_TEARDOWN(cg)
{
}

/*
 * Both VMs run under nested SVM on TCG in the test VM, where now and then
 * a guest takes one interrupt twice or a step races with a delivery (see
 * guest_bridge_test.c).  So a round with an undocumented difference is run
 * again on fresh targets, up to MAX_ROUNDS: a difference found in every
 * round is unexplained and fails; one that comes and goes is printed as
 * intermittent and counted in the summary, for a person to look at.
 */
TEST_F_TIMEOUT(cg, conformance_guest, 240)
{
	unsigned int same = 0, differ = 0, documented = 0, unexplained = 0;
	unsigned int intermittent = 0, misfires = 0, rounds = 0, broken = 0;
	unsigned int seen[ARRAY_SIZE(guest_diffs)] = { 0 };
	bool again = true;
	int fd;
	long r;

	if (!kvm_available() || !kic_module_loaded())
		SKIP(return, "/dev/kvm or kvm-irqchip not available");
	fd = kic_open();
	ASSERT_LE(0, fd);
	r = check_ext(fd, KVM_IRQCHIP_CAP_KVM_BRIDGE);
	close(fd);
	if (r != 1)
		SKIP(return, "built without the KVM bridge");

	while (again && rounds < MAX_ROUNDS) {
		one_round(_metadata, rounds, &misfires, &broken);
		again = false;
		for (unsigned int s = 0; s < NR_STEPS; s++)
			for (unsigned int n = 0; n < found[rounds][s].n; n++)
				if (!find_doc(steps[s].name, &found[rounds][s].d[n]))
					again = true;
		rounds++;
	}

	for (unsigned int s = 0; s < NR_STEPS; s++) {
		const struct diffs *ds = &found[0][s];
		bool all_doc = true, flaky = false;
		unsigned int nd = 0;

		/* what came in a later round only */
		for (unsigned int k = 1; k < rounds; k++)
			for (unsigned int n = 0; n < found[k][s].n; n++)
				if (!in_round(0, s, &found[k][s].d[n]))
					flaky = true;
		for (unsigned int n = 0; n < ds->n; n++) {
			const struct guest_diff *g = find_doc(steps[s].name, &ds->d[n]);
			bool every = true;

			for (unsigned int k = 1; k < rounds; k++)
				every &= in_round(k, s, &ds->d[n]);
			if (g) {
				nd++;
				seen[g - guest_diffs]++;
				ksft_print_msg("step %s: %s: KVM %s, kvm-irqchip %s (documented)\n",
					       steps[s].name, ds->d[n].field,
					       ds->d[n].kvm, ds->d[n].kic);
			} else if (!every) {
				flaky = true;
			} else {
				nd++;
				all_doc = false;
				ksft_print_msg("step %s: %s: KVM %s, ours %s (every round)\n",
					       steps[s].name, ds->d[n].field,
					       ds->d[n].kvm, ds->d[n].kic);
			}
		}
		/* a step whose every difference came and went is intermittent */
		if (!nd) {
			if (flaky)
				intermittent++;
			else
				same++;
			continue;
		}
		differ++;
		if (all_doc) {
			documented++;
			continue;
		}
		unexplained++;
	}
	for (unsigned int n = 0; guest_diffs[n].step; n++) {
		if (seen[n])
			continue;
		ksft_print_msg("documented difference not seen: step %s, %s\n",
			       guest_diffs[n].step, guest_diffs[n].field);
		unexplained++;
	}
	/* one line */
	ksft_print_msg("conformance_guest: %u steps, %u identical, %u differ ",
		       (unsigned int)NR_STEPS, same, differ);
	printf("(%u documented, %u unexplained), %u intermittent, %u rounds\n",
	       documented, unexplained, intermittent, rounds);
	EXPECT_EQ(0u, misfires);
	EXPECT_EQ(0u, broken);
	EXPECT_EQ(0u, unexplained);
}

TEST_HARNESS_MAIN
