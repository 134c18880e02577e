/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the kvm-irqchip selftests.
 *
 * Every helper that wraps an ioctl returns what the user sees: the ioctl's
 * return value, or -errno when it failed.  Tests assert on that directly,
 * e.g. ASSERT_EQ(-EINVAL, kic_set_routing(...)).
 *
 * A "struct vm" is either a kvm-irqchip instance (fd = instance fd) or a
 * real KVM VM with an in-kernel irqchip (fd = VM fd, kvm = true); the vCPU
 * fds of both answer KVM_GET_LAPIC/KVM_SET_LAPIC, so the LAPIC helpers and
 * the instance-level ioctls work on either.
 */
#ifndef KIC_UTIL_H
#define KIC_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>
#include <linux/kvm_irqchip.h>

/*
 * The 6.1 kselftest_harness.h has unused parameters inside its TEST()
 * macros, which -Wextra reports at every test; silence just that warning.
 */
#pragma GCC diagnostic ignored "-Wunused-parameter"

#define KIC_DEV		"/dev/" KVM_IRQCHIP_DEVICE_NAME
#define KIC_OBJECTS	"/sys/kernel/debug/kvm-irqchip/objects"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif
#define BIT_ULL(n)	(1ull << (n))

/* KVM register offsets inside struct kvm_lapic_state */
#define APIC_ID		0x20
#define APIC_LVR	0x30
#define APIC_TPR	0x80
#define APIC_PPR	0xa0
#define APIC_EOI	0xb0
#define APIC_LDR	0xd0
#define APIC_DFR	0xe0
#define APIC_SVR	0xf0
#define APIC_ISR	0x100
#define APIC_TMR	0x180
#define APIC_IRR	0x200

#define APIC_VERSION_VALUE	0x00050014u
#define DFR_FLAT		0xffffffffu
#define DFR_CLUSTER		0x0fffffffu
#define SVR_ON			0x1ffu
#define SVR_OFF			0xffu

#define APIC_BASE_ADDR		0xfee00000ull
#define APIC_BASE_BSP		BIT_ULL(8)
#define APIC_BASE_X2APIC	BIT_ULL(10)
#define APIC_BASE_ENABLE	BIT_ULL(11)
#define MSR_IA32_APICBASE	0x1b

/* MSI data delivery modes */
enum { DM_FIXED, DM_LOWEST, DM_SMI, DM_RESERVED, DM_NMI, DM_INIT, DM_SIPI,
	DM_EXTINT };

#define MAX_ROUTES	4096

struct vm {
	int fd;			/* instance fd or KVM VM fd */
	int sys_fd;		/* /dev/kvm for a KVM VM, else -1 */
	bool kvm;
	unsigned int nr;
	int *vcpu;		/* nr vCPU fds */
};

/* errno-style ioctl: the return value, or -errno */
static inline long xioctl(int fd, unsigned long req, const void *arg)
{
	long r = ioctl(fd, req, arg);

	return r < 0 ? -errno : r;
}

static inline long xioctl_val(int fd, unsigned long req, unsigned long arg)
{
	long r = ioctl(fd, req, arg);

	return r < 0 ? -errno : r;
}

/* Instances and VMs */
int kic_open(void);
long kic_create(int fd, uint32_t model, uint32_t nr_vcpus);
/* An instance as KVM_IRQCHIP_CREATE @c says, and its vCPU fds; or -errno */
int vm_init_create(struct vm *vm, const struct kvm_irqchip_create *c);
int vm_init_kic(struct vm *vm, unsigned int nr_vcpus);	/* 0 or -errno */
int vm_init_kvm(struct vm *vm, unsigned int nr_vcpus);	/* 0 or -errno */
/* A KVM VM in split-irqchip mode: in-kernel LAPICs only; 0 or -errno */
int vm_init_kvm_split(struct vm *vm, unsigned int nr_vcpus);
void vm_fini(struct vm *vm);
bool kvm_available(void);
bool kic_module_loaded(void);

/* LAPIC state */
static inline uint32_t apic_get(const struct kvm_lapic_state *s, unsigned int off)
{
	uint32_t v;

	memcpy(&v, s->regs + off, 4);
	return v;
}

static inline void apic_put(struct kvm_lapic_state *s, unsigned int off, uint32_t v)
{
	memcpy(s->regs + off, &v, 4);
}

static inline bool apic_vec(const struct kvm_lapic_state *s, unsigned int base,
			    unsigned int vec)
{
	return apic_get(s, base + (vec / 32) * 0x10) & (1u << (vec % 32));
}

static inline void apic_vec_set(struct kvm_lapic_state *s, unsigned int base,
				unsigned int vec, bool on)
{
	unsigned int off = base + (vec / 32) * 0x10;
	uint32_t v = apic_get(s, off);

	v = on ? v | (1u << (vec % 32)) : v & ~(1u << (vec % 32));
	apic_put(s, off, v);
}

/* The 256 bits at base (IRR, ISR or TMR) as 8 words. */
static inline void apic_bits(const struct kvm_lapic_state *s, unsigned int base,
			     uint32_t out[8])
{
	for (int i = 0; i < 8; i++)
		out[i] = apic_get(s, base + i * 0x10);
}

long lapic_get(int vfd, struct kvm_lapic_state *s);
long lapic_set(int vfd, const struct kvm_lapic_state *s);
/* Read-modify-write: set ID/LDR/DFR/SVR/TPR, clear IRR, ISR and TMR. */
long lapic_config(int vfd, uint32_t id, uint32_t ldr, uint32_t dfr, uint32_t svr,
		  uint32_t tpr);
long lapic_clear_vectors(int vfd);	/* clears IRR, ISR, TMR */
/*
 * LVT0 masked (0x10000), as firmware leaves it: vCPU 0 resets with LVT0 in
 * ExtINT mode (KVM's LINT0_REENABLED quirk) and would take the PIC's
 * interrupts first.  0 or -errno.
 */
long lapic_mask_lvt0(int vfd);
/* 1/0 for the bit, or -errno */
int irr_has(int vfd, unsigned int vec);
int tmr_has(int vfd, unsigned int vec);
/* number of IRR bits set, or -errno */
int irr_count(int vfd);
/* bit i set when vCPU i (i < 32) has vec in IRR */
uint32_t irr_mask(const struct vm *vm, unsigned int vec);
uint32_t tmr_mask(const struct vm *vm, unsigned int vec);
/* poll until vec is in IRR of vfd; 1 when seen, 0 on timeout */
int wait_irr(int vfd, unsigned int vec, int timeout_ms);

/* Every vCPU: ID = i, flat LDR 1 << i (0 beyond 8), SVR enabled. */
long vm_xapic_flat(const struct vm *vm);
long vm_clear_vectors(const struct vm *vm);

long set_apic_base(const struct vm *vm, unsigned int i, uint64_t base);
long get_apic_base(const struct vm *vm, unsigned int i, uint64_t *base);

/* MSI messages */
static inline uint32_t msi_addr(uint32_t dest, bool logical, bool rh)
{
	return 0xfee00000u | (dest & 0xff) << 12 | (rh ? 1u << 3 : 0) |
	       (logical ? 1u << 2 : 0);
}

static inline uint32_t msi_data(uint32_t vec, uint32_t dm, bool level)
{
	return (vec & 0xff) | (dm & 7) << 8 | (level ? 1u << 15 | 1u << 14 : 0);
}

long signal_msi(int fd, uint32_t addr_lo, uint32_t addr_hi, uint32_t data);
long signal_msi_flags(int fd, uint32_t addr_lo, uint32_t addr_hi, uint32_t data,
		      uint32_t flags, uint32_t devid);

/* Routing */
struct kvm_irq_routing_entry route_msi(uint32_t gsi, uint32_t addr_lo,
				       uint32_t addr_hi, uint32_t data);
struct kvm_irq_routing_entry route_pin(uint32_t gsi, uint32_t chip, uint32_t pin);
long set_routing(int fd, const struct kvm_irq_routing_entry *e, uint32_t nr);
long set_routing_flags(int fd, const struct kvm_irq_routing_entry *e,
		       uint32_t nr, uint32_t flags);
/* KVM_IRQ_LINE_STATUS: ioctl result; *status gets the status on success */
long irq_line_status(int fd, uint32_t gsi, uint32_t level, int32_t *status);
long irq_line(int fd, uint32_t gsi, uint32_t level);

/* irqfd */
long irqfd(int fd, int efd, uint32_t gsi, uint32_t flags);
int new_eventfd(void);
int efd_signal(int efd);	/* write 1; 0 or -errno */

/* Instance extras */
long get_counters(int fd, struct kvm_irqchip_counters *c);
long check_ext(int fd, long cap);
long enable_cap(int fd, uint32_t cap, uint64_t a0, uint64_t a1);
long vcpu_ack(int vfd, uint32_t *vec, uint32_t *flags);
long vcpu_eoi(int vfd, uint32_t *vec, uint32_t *flags);
long vcpu_events(int vfd, struct kvm_irqchip_vcpu_events *ev);

/* A page that faults on any access, and one that is read-only. */
void *fault_page(void);
void *readonly_page(void);

/*
 * The module's live objects (/sys/kernel/debug/kvm-irqchip/objects):
 * 0, or -errno (-ENOENT when debugfs or the file is absent).
 */
int objects_read(int *instances, int *irqfds);

uint64_t now_ms(void);
void sleep_ms(unsigned int ms);

/* resample and EOI eventfds */

/* KVM_IRQCHIP_CREATE with flags; otherwise as vm_init_kic(). */
int resample_vm_init(struct vm *vm, unsigned int nr_vcpus, uint32_t flags);
/* KVM_IRQFD with KVM_IRQFD_FLAG_RESAMPLE: efd on gsi, resamplefd rfd */
long resample_irqfd(int fd, int efd, int rfd, uint32_t gsi);
/* KVM_IRQCHIP_EOIFD */
long eoifd_bind(int fd, int efd, uint32_t gsi, uint32_t flags);
/* An eventfd's count, read and cleared: 0 when it is zero, or -errno. */
long resample_efd_read(int efd);
/* Wait up to timeout_ms for the eventfd to become readable, then read it. */
long resample_efd_wait(int efd, int timeout_ms);

/*
 * KVM_CREATE_IRQCHIP's table (GSI 0-15 to the PIC and IOAPIC pin, 16-23 to
 * the IOAPIC), RESAMPLE_DEFAULT_ROUTES entries written to e.
 */
#define RESAMPLE_DEFAULT_ROUTES	40
void resample_default_routes(struct kvm_irq_routing_entry *e);

/* KVM_IRQCHIP_IO: a read fills *data; a write sends it */
long resample_io(int fd, uint64_t addr, uint32_t len, uint32_t flags,
		 uint64_t *data);
#define RESAMPLE_IOAPIC_BASE	0xfec00000ull
/* IOAPIC indirect register access through IOREGSEL/IOWIN */
long resample_ioapic_write(int fd, uint32_t reg, uint32_t val);
long resample_ioapic_read(int fd, uint32_t reg, uint32_t *val);
/* Redirection entry of pin: fixed, physical dest, high first then low. */
long resample_ioapic_route(int fd, unsigned int pin, uint32_t vec,
			   uint32_t dest, bool level, bool masked);
/* KVM_GET_IRQCHIP of the IOAPIC, or of PIC chip 0 (master) / 1 (slave) */
long resample_ioapic_get(int fd, struct kvm_ioapic_state *s);
long resample_pic_get(int fd, uint32_t chip, struct kvm_pic_state *s);
/* master PIC: ICW1-4 (auto-EOI or not), then IMR and ELCR */
long resample_pic_init(int fd, uint8_t base, bool auto_eoi, uint8_t imr,
		       uint8_t elcr);
/* non-specific EOI command to the master PIC */
long resample_pic_eoi(int fd);
/* LVT0 unmasked, ExtINT: the vCPU takes PIC interrupts */
long resample_lvt0_extint(int vfd);
/* poll: 1 when fd is readable within timeout_ms, 0 when not, or -errno */
int resample_wait_readable(int fd, int timeout_ms);

/* Controller registers and state (IOAPIC, PIC) */

/*
 * KVM_IRQCHIP_IO.  flags: KVM_IRQCHIP_IO_PIO for a port, 0 for MMIO; the
 * direction is added here.  A read zero-fills data first and stores the
 * result in *val; a write sends val.
 */
long kic_io_read(int fd, uint64_t addr, uint32_t len, uint32_t flags,
		 uint64_t *val);
long kic_io_write(int fd, uint64_t addr, uint32_t len, uint32_t flags,
		  uint64_t val);
/* KVM_GET_IRQCHIP of chip_id into *chip; KVM_SET_IRQCHIP of *chip */
long irqchip_get(int fd, uint32_t chip_id, struct kvm_irqchip *chip);
long irqchip_set(int fd, const struct kvm_irqchip *chip);
uint64_t now_us(void);

/* Incremental routing, masks, per-GSI state (KVM_IRQCHIP_ROUTE_BATCH...) */

static inline struct kvm_irqchip_route_op
route_op(uint32_t op, uint32_t gsi, uint32_t first, uint32_t nr)
{
	struct kvm_irqchip_route_op o = {
		.op = op, .gsi = gsi, .first = first, .nr = nr,
	};

	return o;
}

/*
 * KVM_IRQCHIP_ROUTE_BATCH: 0 or -errno; *err_index (if not NULL) gets the
 * error_index the kernel wrote (KVM_IRQCHIP_ROUTE_NO_INDEX preset).
 */
long route_batch(int fd, const struct kvm_irqchip_route_op *ops,
		 uint32_t nr_ops, const struct kvm_irq_routing_entry *e,
		 uint32_t nr_entries, uint32_t flags, uint32_t *err_index);
/* One-operation batches */
long route_set1(int fd, const struct kvm_irq_routing_entry *e);
long route_del(int fd, uint32_t gsi);
long gsi_mask(int fd, uint32_t gsi);
long gsi_unmask(int fd, uint32_t gsi);
/* KVM_IRQCHIP_GET_GSI_COUNTERS / KVM_IRQCHIP_GET_PENDING */
long gsi_counters(int fd, uint32_t first, uint32_t nr,
		  struct kvm_irqchip_gsi_counters *out);
long gsi_pending(int fd, uint32_t first, uint32_t nr, uint32_t flags,
		 uint64_t *bitmap);
/* 1 when GSI gsi is pending, 0 when not, or -errno */
int gsi_is_pending(int fd, uint32_t gsi);

#endif
