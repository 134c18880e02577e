/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny real guest and the VMM that runs it, for end-to-end tests.
 *
 * The VMM: a KVM VM in split-irqchip mode (KVM_CAP_SPLIT_IRQCHIP with
 * GUEST_SPLIT_PINS: the LAPICs are KVM's, the IOAPIC and PIC are not; or,
 * with guest_init_irqchip(), KVM_CREATE_IRQCHIP: all three are KVM's), one
 * memory slot of GUEST_MEM_SIZE at GPA 0 and 1 to GUEST_MAX_VCPUS vCPUs,
 * each run by its own thread looping on KVM_RUN.
 *
 * The guest (guest_code.S): 32-bit protected mode, flat segments, no
 * paging, so the LAPIC page at 0xfee00000 is reached by its address.
 * Every vCPU starts at the same entry with the registers the VMM set (no
 * INIT/SIPI), applies its config (LDR, DFR, TPR), software-enables its
 * LAPIC, reports READY, then sits in an sti/hlt loop; each time it leaves
 * HLT it looks for a command from the host (guest_run_ops(): port and
 * memory accesses made in order, then a DONE report).  Vectors 0x20-0xff
 * count the interrupt in the vCPU's page, EOI it as the vector's EOI mode
 * says (the LAPIC by default; the 8259s; or not at all, leaving it to a
 * command), report IRQ and iret; vectors 0-0x1f record the exception in
 * the page, report FAULT and stop.
 *
 * Reporting: each vCPU has a page in guest memory (struct guest_page),
 * whose counters the host reads directly: that is the count to assert on.
 * In addition the guest writes one 32-bit word to GUEST_REPORT_PORT per
 * event, (kind << 8) | vector; the port exit arrives on the vCPU's own
 * thread, which tallies it and wakes waiters, so a test waits for an event
 * instead of polling memory.  The guest counts and EOIs before it
 * reports: when a report has arrived, the count is in memory and any
 * KVM_EXIT_IOAPIC_EOI of that interrupt has been seen.
 *
 * Lifecycle: guest_init() builds everything but runs nothing, so the
 * caller can configure the vCPUs, set routes or attach an irqchip; then
 * guest_start(), guest_wait_ready(), the test, guest_fini().  VM ioctls
 * work from any thread at any time; vCPU ioctls, once the guest runs,
 * only through guest_vcpu_ioctl().  Calls that
 * return int give 0 or -errno: -ETIMEDOUT when a wait ran out, -EIO when
 * the vCPU waited on has failed (guest_wait_ready(): any vCPU).  A vCPU
 * fails on a guest exception or an exit the VMM cannot handle; the reason
 * is printed to stderr with the vCPU's registers, and its thread stops.
 */
#ifndef KIC_GUEST_H
#define KIC_GUEST_H

/* KVM_CAP_SPLIT_IRQCHIP's argument: GSIs reserved for the IOAPIC pins */
#define GUEST_SPLIT_PINS	24

/* Guest-physical layout */
#define GUEST_MEM_SIZE		0x200000	/* one slot at GPA 0 */
#define GUEST_GDT_GPA		0x1000
#define GUEST_TSS_GPA		0x1800
#define GUEST_IDT_GPA		0x2000
#define GUEST_CODE_GPA		0x10000		/* the image, up to 64 KiB */
#define GUEST_CODE_MAX		0x10000
#define GUEST_PAGE_GPA(i)	(0x20000 + (i) * 0x1000)
#define GUEST_STACK_TOP(i)	(0x40000 + ((i) + 1) * 0x4000)

/* GDT selectors; vCPU i's %fs is GUEST_SEL_PAGE(i), based at its page. */
#define GUEST_SEL_CODE		0x08
#define GUEST_SEL_DATA		0x10
#define GUEST_SEL_TSS		0x18
#define GUEST_SEL_PAGE(i)	(0x20 + (i) * 8)

/* Offsets in struct guest_page, for the guest code */
#define GUEST_PG_COUNT		0x000	/* u32 count[256] */
#define GUEST_PG_TOTAL		0x400
#define GUEST_PG_INDEX		0x404
#define GUEST_PG_FLAGS		0x408
#define GUEST_PG_LDR		0x40c
#define GUEST_PG_DFR		0x410
#define GUEST_PG_TPR		0x414
#define GUEST_PG_GHOST		0x418	/* handler re-runs, vector not in service */
#define GUEST_PG_FAULT		0x420	/* vector, error, eip, cs, eflags */
#define GUEST_PG_CMD_SEQ	0x440	/* host: the command's number */
#define GUEST_PG_DONE_SEQ	0x444	/* guest: the last command done */
#define GUEST_PG_NR_OPS		0x448	/* host: ops in the command */
#define GUEST_PG_OPS		0x480	/* struct guest_op ops[GUEST_MAX_OPS] */
#define GUEST_PG_EOI_MODE	0x700	/* u8 eoi_mode[256] */

/* A command: accesses the guest makes in order (struct guest_op) */
#define GUEST_MAX_OPS		40	/* up to GUEST_PG_EOI_MODE */
#define GUEST_OP_SIZE		16
#define GUEST_OP_OUTB		1	/* outb val, port addr */
#define GUEST_OP_INB		2	/* res = inb port addr */
#define GUEST_OP_WRITE32	3	/* movl val, (addr) */
#define GUEST_OP_READ32		4	/* res = movl (addr) */

/* What the handler of a vector does before it reports (eoi_mode[v]) */
#define GUEST_EOI_LAPIC		0	/* write the LAPIC's EOI register */
#define GUEST_EOI_NONE		1	/* nothing: a later command EOIs */
#define GUEST_EOI_PIC_MASTER	2	/* non-specific EOI to the master 8259 */
#define GUEST_EOI_PIC_SLAVE	3	/* ... to the slave, then the master */

#define GUEST_CFG_LDR		0x1	/* flags: write DFR, then LDR */

/* The report port and the kinds of report written to it */
#define GUEST_REPORT_PORT	0x3f0
#define GUEST_REPORT_READY	1
#define GUEST_REPORT_IRQ	2
#define GUEST_REPORT_FAULT	3
#define GUEST_REPORT_DONE	4	/* a command done; low byte of its number */

/* LAPIC registers as the guest addresses them (xAPIC MMIO) */
#define GUEST_APIC_TPR		0xfee00080
#define GUEST_APIC_EOI		0xfee000b0
#define GUEST_APIC_ISR		0xfee00100
#define GUEST_APIC_LDR		0xfee000d0
#define GUEST_APIC_DFR		0xfee000e0
#define GUEST_APIC_SVR		0xfee000f0
#define GUEST_SVR_ENABLE	0x1ff	/* software enable, spurious 0xff */

/* The IDT stub of vector v is at guest_image_stubs + v * GUEST_STUB_SIZE */
#define GUEST_STUB_SIZE		16

#ifndef __ASSEMBLER__

#include <pthread.h>
#include <signal.h>

#include "kic_x86_util.h"

#define GUEST_MAX_VCPUS		4
#define GUEST_LOG_SIZE		256
/* vCPU threads are kicked out of KVM_RUN with this signal */
#define GUEST_KICK_SIGNAL	SIGUSR1

/* A vCPU's page in guest memory; the host fills the config before start. */
struct guest_page {
	uint32_t count[256];	/* interrupts handled, per vector */
	uint32_t total;		/* all of them */
	uint32_t index;		/* vCPU index, for the reader of a dump */
	uint32_t flags;		/* GUEST_CFG_* */
	uint32_t ldr;		/* LDR and DFR register values to write */
	uint32_t dfr;
	uint32_t tpr;		/* TPR value written before sti */
	uint32_t ghost;		/* re-runs of a handler after its EOI (guest_code.S) */
	uint32_t pad;
	uint32_t fault[5];	/* vector, error code, eip, cs, eflags */
	uint32_t pad2[3];
	uint32_t cmd_seq;	/* the host's last command (guest_run_ops()) */
	uint32_t done_seq;	/* the guest's last command done */
	uint32_t nr_ops;	/* ops in the command */
	uint32_t pad3[13];
	struct guest_op {
		uint32_t kind;	/* GUEST_OP_* */
		uint32_t addr;	/* port or guest-physical address */
		uint32_t val;	/* the value written */
		uint32_t res;	/* the value read */
	} ops[GUEST_MAX_OPS];
	uint8_t eoi_mode[256];	/* GUEST_EOI_* of each vector */
};

/* An entry of a vCPU's event log */
enum guest_event_kind {
	GUEST_EV_IRQ = 1,	/* the guest reported a handled interrupt */
	GUEST_EV_EOI,		/* KVM_EXIT_IOAPIC_EOI */
};

/* Where the VM's PIC and IOAPIC are (guest_init_irqchip()) */
enum guest_irqchip {
	GUEST_IRQCHIP_SPLIT,	/* KVM_CAP_SPLIT_IRQCHIP: the VMM's */
	GUEST_IRQCHIP_KERNEL,	/* KVM_CREATE_IRQCHIP: KVM's own */
};

struct guest_event {
	uint8_t kind;		/* enum guest_event_kind */
	uint8_t vector;
};

/* The guest image in the host's read-only data (guest_code.S) */
extern const uint8_t guest_image_start[], guest_image_entry[];
extern const uint8_t guest_image_stubs[], guest_image_end[];

struct guest;

/*
 * Called on the vCPU's thread for each KVM_EXIT_IOAPIC_EOI, before re-entry.
 * Like guest_exit_fn, it may use its own vCPU's fd directly, but must not
 * call guest_vcpu_ioctl() on its own vCPU (that would wait for itself).
 */
typedef void (*guest_eoi_fn)(struct guest *g, unsigned int vcpu,
			     uint8_t vector, void *opaque);
/*
 * Called on the vCPU's thread for an exit the library does not handle
 * (KVM_EXIT_MMIO, port I/O other than the report port, ...): 0 when
 * handled (the vCPU re-enters), else -errno (the vCPU fails).
 */
typedef int (*guest_exit_fn)(struct guest *g, unsigned int vcpu,
			     struct kvm_run *run, void *opaque);
/*
 * Called on the vCPU's thread before each KVM_RUN, after any pending
 * guest_vcpu_ioctl() ran: the place to inject with KVM_INTERRUPT or to set
 * run->request_interrupt_window.  The same rules as guest_eoi_fn.
 */
typedef void (*guest_run_fn)(struct guest *g, unsigned int vcpu,
			     struct kvm_run *run, void *opaque);

/**
 * struct guest_vcpu - one vCPU and its thread
 * @g: the guest it belongs to
 * @index: vCPU index, KVM vCPU id and initial APIC ID
 * @run: its mmapped struct kvm_run
 * @page: its page in guest memory
 * @thread: the thread looping on KVM_RUN
 * @running: @thread was created and is not joined yet
 * @ready: the guest reported READY (under g->lock, as all below)
 * @error: 0, or -errno once the vCPU failed; its thread then exits
 * @exited: @thread left its loop; it serves no more calls
 * @call_pending: a guest_vcpu_ioctl() waits for @thread to run it
 * @call_req, @call_arg, @call_ret: that ioctl and its result
 * @done: the low byte of the last command the guest reported done
 * @nr_done: GUEST_REPORT_DONE reports
 * @reports: IRQ reports per vector
 * @eois: KVM_EXIT_IOAPIC_EOI exits per vector
 * @nr_events: events ever logged; the last GUEST_LOG_SIZE are in @log
 * @log: IRQ reports and EOI exits in the order they happened
 */
struct guest_vcpu {
	struct guest *g;
	unsigned int index;
	struct kvm_run *run;
	struct guest_page *page;
	pthread_t thread;
	bool running;
	bool ready;
	int error;
	bool exited;
	bool call_pending;
	unsigned long call_req;
	void *call_arg;
	long call_ret;
	uint8_t done;
	uint64_t nr_done;
	uint64_t reports[256];
	uint64_t eois[256];
	uint64_t nr_events;
	struct guest_event log[GUEST_LOG_SIZE];
};

/**
 * struct guest - the VM, its memory and vCPUs
 * @vm: vm.fd is the KVM VM, vm.vcpu[i] vCPU i's fd, vm.sys_fd /dev/kvm
 *	(vm.kvm is true: the kic_util.h LAPIC helpers work on it)
 * @mem: the guest memory, GUEST_MEM_SIZE bytes at GPA 0
 * @run_size: size of each vCPU's kvm_run mapping
 * @lock: guards the vCPUs' host-side tallies and the callbacks
 * @cond: broadcast whenever a tally or an error changes
 * @live: guest_init() ran; guest_fini() has work to do
 * @stop: set by guest_fini(); the vCPU threads leave their loop
 * @on_eoi, @eoi_opaque: optional KVM_EXIT_IOAPIC_EOI callback
 * @on_exit, @exit_opaque: optional handler of other exits
 * @on_run, @run_opaque: optional hook before each KVM_RUN
 * @seq: commands sent (guest_run_ops()), per vCPU
 * @vcpu: vm.nr vCPUs
 */
struct guest {
	struct vm vm;
	uint8_t *mem;
	size_t run_size;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool live;
	int stop;
	guest_eoi_fn on_eoi;
	void *eoi_opaque;
	guest_exit_fn on_exit;
	void *exit_opaque;
	guest_run_fn on_run;
	void *run_opaque;
	uint32_t seq[GUEST_MAX_VCPUS];
	struct guest_vcpu vcpu[GUEST_MAX_VCPUS];
};

/*
 * Create the split-irqchip VM with nr_vcpus (1..GUEST_MAX_VCPUS) vCPUs,
 * load the guest and set every vCPU's registers; nothing runs yet.  On
 * failure guest_fini() still cleans up what was made.
 */
int guest_init(struct guest *g, unsigned int nr_vcpus);
/* The same with the PIC and IOAPIC where mode says. */
int guest_init_irqchip(struct guest *g, unsigned int nr_vcpus,
		       enum guest_irqchip mode);
/* Stop and join the vCPU threads, then free everything; idempotent. */
void guest_fini(struct guest *g);

/* Before guest_start(): vCPU i writes DFR dfr, then LDR ldr << 24. */
void guest_set_ldr(struct guest *g, unsigned int i, uint8_t ldr, uint32_t dfr);
/* Before guest_start(): vCPU i writes TPR tpr (default 0). */
void guest_set_tpr(struct guest *g, unsigned int i, uint8_t tpr);
/* Before guest_start(): the callbacks, each with its opaque pointer. */
void guest_on_eoi(struct guest *g, guest_eoi_fn fn, void *opaque);
void guest_on_exit(struct guest *g, guest_exit_fn fn, void *opaque);
void guest_on_run(struct guest *g, guest_run_fn fn, void *opaque);

/* Start one thread per vCPU. */
int guest_start(struct guest *g);
/* Wait until every vCPU reported READY; send nothing before that. */
int guest_wait_ready(struct guest *g, int timeout_ms);
/* Wait until vCPU i reported at least want interrupts of vector vec. */
int guest_wait_irq(struct guest *g, unsigned int i, unsigned int vec,
		   uint64_t want, int timeout_ms);
/* Wait until vCPU i had at least want KVM_EXIT_IOAPIC_EOI exits for vec. */
int guest_wait_eoi(struct guest *g, unsigned int i, unsigned int vec,
		   uint64_t want, int timeout_ms);

/* The guest's own count for vCPU i: of vector vec, and of all vectors. */
uint32_t guest_irq_count(const struct guest *g, unsigned int i, unsigned int vec);
uint32_t guest_irq_total(const struct guest *g, unsigned int i);
/*
 * Handler runs on vCPU i for a LAPIC vector not in service: a CPU model's
 * re-run of an interrupt already handled and EOIed, not a delivery.
 */
uint32_t guest_ghosts(const struct guest *g, unsigned int i);
/* Host-side tallies of vCPU i: IRQ reports and EOI exits of vector vec. */
uint64_t guest_reports(struct guest *g, unsigned int i, unsigned int vec);
uint64_t guest_eois(struct guest *g, unsigned int i, unsigned int vec);
/*
 * Copy vCPU i's most recent events, oldest first, up to max of them;
 * returns how many were copied.
 */
unsigned int guest_log(struct guest *g, unsigned int i,
		       struct guest_event *out, unsigned int max);
/*
 * Copy vCPU i's events numbered first onwards (the first event ever logged
 * is 0), oldest first, up to max; *next gets the number after the last
 * event copied, where the next call starts.  Returns how many were copied;
 * events that already left the log are skipped.
 */
unsigned int guest_log_from(struct guest *g, unsigned int i, uint64_t first,
			    struct guest_event *out, unsigned int max,
			    uint64_t *next);
/* 0 while every vCPU is healthy, else the first failed vCPU's -errno. */
int guest_error(struct guest *g);

/* Any time: what vCPU i's handler does for vector vec (GUEST_EOI_*). */
void guest_set_eoi_mode(struct guest *g, unsigned int i, unsigned int vec,
			uint8_t mode);
/*
 * Have vCPU i make the accesses ops[0..n-1] in order, wait until it reports
 * them done, and copy each op's result back into ops[].res.  The guest
 * takes commands in its idle loop: the VMM wakes it from HLT with
 * KVM_SET_MP_STATE (RUNNABLE), again every 100 ms until it answers, since
 * a wake that lands just before the guest's HLT is lost.  Interrupts stay
 * enabled while it works.  0, -EINVAL for n above GUEST_MAX_OPS,
 * -ETIMEDOUT, -EIO.
 */
int guest_run_ops(struct guest *g, unsigned int i, struct guest_op *ops,
		  unsigned int n, int timeout_ms);
/* Make vCPU i leave KVM_RUN once: its guest_run_fn hook runs again. */
void guest_kick(struct guest *g, unsigned int i);

/*
 * A vCPU ioctl (KVM_GET_LAPIC, KVM_GET_REGS...) on vCPU i, as xioctl().
 * KVM runs a vCPU ioctl under the vCPU's mutex, which KVM_RUN holds, so
 * from another thread it would wait until the vCPU next exits: forever
 * for a halted guest.  This runs it on the vCPU's own thread instead,
 * between two KVM_RUNs, kicking the vCPU out of the guest for it.  Use it
 * (not the kic_util.h LAPIC helpers on vm.vcpu[i]) once the guest runs.
 */
long guest_vcpu_ioctl(struct guest *g, unsigned int i, unsigned long req,
		      void *arg);

#endif /* __ASSEMBLER__ */
#endif
