/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm-irqchip x86 model: what its files share.
 *
 * msi.c      decodes an MSI address/data pair into an APIC bus message;
 * apic_bus.c finds the LAPICs a message is for and delivers it;
 * lapic.c    is the presentation state of one vCPU (IRR/ISR/TMR, TPR/PPR);
 * model.c    ties them into struct kic_model_ops.
 */
#ifndef _KVM_IRQCHIP_ARCH_X86_H
#define _KVM_IRQCHIP_ARCH_X86_H

#include <linux/bits.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/kvm.h>

#include <kvm_irqchip/vcpu.h>

struct kic;

/* Delivery modes, the 3-bit field of the MSI data word and the ICR. */
enum kic_apic_dm {
	KIC_APIC_DM_FIXED	= 0,
	KIC_APIC_DM_LOWEST	= 1,
	KIC_APIC_DM_SMI		= 2,
	KIC_APIC_DM_REMRD	= 3,
	KIC_APIC_DM_NMI		= 4,
	KIC_APIC_DM_INIT	= 5,
	KIC_APIC_DM_STARTUP	= 6,
	KIC_APIC_DM_EXTINT	= 7,
};

#define KIC_APIC_BROADCAST	0xffU
#define KIC_X2APIC_BROADCAST	0xffffffffU

/**
 * struct kic_apic_irq - a message on the APIC bus
 * @dest: destination ID (8 bits, up to 32 in x2APIC format)
 * @vector: the vector
 * @delivery_mode: enum kic_apic_dm
 * @logical: logical (true) or physical destination mode
 * @level: level (true) or edge trigger mode
 * @rh: redirection hint: lowest-priority among the destinations
 */
struct kic_apic_irq {
	u32 dest;
	u8 vector;
	u8 delivery_mode;
	bool logical;
	bool level;
	bool rh;
};

/**
 * struct kic_x86 - the x86 model of one instance
 * @x2apic_format: KVM_X2APIC_API_USE_32BIT_IDS: MSI address_hi[31:8] are
 *	destination ID bits 31:8
 * @broadcast_quirk_off: KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK
 * @ext_dest_id: KVM_IRQCHIP_CAP_X86_EXT_DEST_ID: address bits 11:5 are
 *	destination ID bits 14:8
 *
 * Written under kic->lock, read with READ_ONCE() on the delivery path.
 */
struct kic_x86 {
	bool x2apic_format;
	bool broadcast_quirk_off;
	bool ext_dest_id;
};

/* IA32_APIC_BASE */
#define KIC_APIC_BASE_BSP	BIT_ULL(8)
#define KIC_APIC_BASE_X2APIC	BIT_ULL(10)
#define KIC_APIC_BASE_ENABLE	BIT_ULL(11)
#define KIC_APIC_BASE_ADDR	0xfee00000ULL

/**
 * struct kic_lapic - the presentation state of one vCPU
 * @lock: guards everything below but the match snapshot; irq-safe, taken
 *	from the eventfd wakeup
 * @regs: the register page, in KVM_GET_LAPIC's layout
 * @apic_base: IA32_APIC_BASE
 * @nmi: latched NMIs, read and cleared by KVM_IRQCHIP_VCPU_GET_EVENTS
 * @smi: latched SMIs
 * @init: latched INITs
 * @sipi: latched SIPIs
 * @sipi_vector: vector of the last SIPI
 * @match: what destination matching reads without @lock: written under
 *	@lock with WRITE_ONCE() whenever ID, LDR, DFR or APIC base change
 * @match.id: xAPIC or x2APIC ID
 * @match.ldr: logical destination (xAPIC: LDR[31:24]; x2APIC: all 32 bits)
 * @match.cluster: xAPIC DFR says cluster model
 * @match.x2apic: x2APIC mode
 * @match.enabled: APIC hardware-enabled (APIC base bit 11)
 * @match.sw_enabled: SVR bit 8
 */
struct kic_lapic {
	spinlock_t lock;	/* see LOCKING in lapic.c */
	u32 regs[KVM_APIC_REG_SIZE / 4];
	u64 apic_base;
	u32 nmi, smi, init, sipi, sipi_vector;
	struct {
		u32 id;
		u32 ldr;
		bool cluster;
		bool x2apic;
		bool enabled;
		bool sw_enabled;
	} match;
};

/* msi.c */
int kic_x86_msi_check(const struct kic_x86 *x86, u32 address_hi);
void kic_x86_msi_decode(const struct kic_x86 *x86, u32 address_lo,
			u32 address_hi, u32 data, struct kic_apic_irq *irq);

/* apic_bus.c */
int kic_apic_bus_deliver(struct kic *kic, const struct kic_apic_irq *irq);

/* lapic.c */
struct kic_lapic *kic_lapic_alloc(u32 index);
int kic_lapic_accept(struct kic *kic, struct kic_vcpu *vcpu,
		     const struct kic_apic_irq *irq);
long kic_lapic_ioctl(struct kic_vcpu *vcpu, unsigned int ioctl,
		     void __user *argp);
bool kic_lapic_pending(struct kic_vcpu *vcpu);

static inline struct kic_lapic *kic_vcpu_lapic(struct kic_vcpu *vcpu)
{
	return vcpu->arch;
}

#endif /* _KVM_IRQCHIP_ARCH_X86_H */
