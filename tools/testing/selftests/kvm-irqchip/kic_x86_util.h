/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86 model's helpers for the kvm-irqchip selftests: instances of
 * KVM_IRQCHIP_MODEL_X86 and KVM VMs with KVM's own x86 irqchip, the LAPIC
 * state (struct kvm_lapic_state), x86 MSI messages, the IOAPIC and PICs.
 * A test that includes this header is x86's: the Makefile builds it only
 * for ARCH=x86.  The vCPU fds of both kinds of "struct vm" answer
 * KVM_GET_LAPIC/KVM_SET_LAPIC, so the LAPIC helpers work on either.
 */
#ifndef KIC_X86_UTIL_H
#define KIC_X86_UTIL_H

#include "kic_util.h"

/* KVM register offsets inside struct kvm_lapic_state */
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
#define APIC_LVT0	0x350

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

/* Instances and VMs */
int vm_init_kic(struct vm *vm, unsigned int nr_vcpus);	/* 0 or -errno */
int vm_init_kvm(struct vm *vm, unsigned int nr_vcpus);	/* 0 or -errno */
/* A KVM VM in split-irqchip mode: in-kernel LAPICs only; 0 or -errno */
int vm_init_kvm_split(struct vm *vm, unsigned int nr_vcpus);

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
/* Read-modify-write of the register at off */
long lapic_set_reg(int vfd, unsigned int off, uint32_t v);
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

/* Resampling on the IOAPIC and PICs */

/* KVM_IRQCHIP_CREATE with flags; otherwise as vm_init_kic(). */
int resample_vm_init(struct vm *vm, unsigned int nr_vcpus, uint32_t flags);

/*
 * KVM_CREATE_IRQCHIP's table (GSI 0-15 to the PIC and IOAPIC pin, 16-23 to
 * the IOAPIC), RESAMPLE_DEFAULT_ROUTES entries written to e.
 */
#define RESAMPLE_DEFAULT_ROUTES	40
void resample_default_routes(struct kvm_irq_routing_entry *e);

/* KVM_IRQCHIP_IO on the IOAPIC */
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

#endif
