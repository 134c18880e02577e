/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm-irqchip x86 model: what its files share.
 *
 * msi.c      decodes an MSI address/data pair into an APIC bus message;
 * apic_bus.c finds the LAPICs a message is for and delivers it;
 * apic_map.c is KVM's APIC map, from a destination to its LAPICs;
 * lapic.c    is the presentation state of one vCPU (IRR/ISR/TMR, TPR/PPR);
 * ioapic.c   is the I/O APIC: 24 pins turned into APIC bus messages;
 * pic.c      is the pair of cascaded 8259As, whose output is ExtINT to the
 *            LAPICs that pass it through (vCPU 0's at reset);
 * model.c    ties them into struct kic_model_ops.
 *
 * Lock order: the IOAPIC or PIC lock, then a LAPIC's lock.  Neither pin
 * controller calls kic_pin_acked() (resamplers, EOI eventfds) with its
 * own lock held: acknowledgments re-enter the pins.
 */
#ifndef _KVM_IRQCHIP_ARCH_X86_H
#define _KVM_IRQCHIP_ARCH_X86_H

#include <linux/bitmap.h>
#include <linux/bits.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/kvm.h>

#include <kvm_irqchip/kic.h>
#include <kvm_irqchip/vcpu.h>

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

#define KIC_NO_GSI		U32_MAX

#define KIC_APIC_BROADCAST	0xffU
#define KIC_X2APIC_BROADCAST	0xffffffffU

/**
 * struct kic_apic_irq - a message on the APIC bus
 * @gsi: the GSI of the MSI route it came from, or KIC_NO_GSI (pins, the
 *	VMM's KVM_SIGNAL_MSI): the LAPIC follows it per vector through IRR and
 *	ISR so that the vector's EOI can be reported for the GSI
 * @dest: destination ID (8 bits, up to 32 in x2APIC format)
 * @vector: the vector
 * @delivery_mode: enum kic_apic_dm
 * @logical: logical (true) or physical destination mode
 * @level: level (true) or edge trigger mode
 * @rh: redirection hint: lowest-priority among the destinations
 * @uncounted: the sender ignores how many vCPUs it reached (an irqfd);
 *	the KVM bridge may then skip counting them
 */
struct kic_apic_irq {
	u32 gsi;
	u32 dest;
	u8 vector;
	u8 delivery_mode;
	bool logical;
	bool level;
	bool rh;
	bool uncounted;
};

/* KVM's pin counts */
#define KIC_PIC_PINS		8	/* per 8259A */
#define KIC_IOAPIC_PINS		24
#define KIC_IOAPIC_BASE		0xfec00000ULL
#define KIC_IOAPIC_MMIO_LEN	0x100
#define KIC_RTC_PIN		8	/* IOAPIC pin of the RTC, see ioapic.c */

struct kic_ioapic;
struct kic_pic;
struct kic_kvm_bridge;

struct kic_apic_map;

/**
 * struct kic_x86 - the x86 model of one instance
 * @x2apic_format: KVM_X2APIC_API_USE_32BIT_IDS: MSI address_hi[31:8] are
 *	destination ID bits 31:8
 * @broadcast_quirk_off: KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK
 * @ext_dest_id: KVM_IRQCHIP_CAP_X86_EXT_DEST_ID: address bits 11:5 are
 *	destination ID bits 14:8
 * @strict: KVM_IRQCHIP_CAP_X86_STRICT: the SDM's rules where KVM 6.1 has
 *	its own (Documentation/virt/kvm-irqchip/api.rst, section 6)
 * @vector_hashing: lowest-priority arbitration by vector hashing (KVM's
 *	default) rather than by arbitration priority; the module parameter's
 *	value when the instance was created
 * @map: the APIC map of the KVM-compatible bus (apic_map.c), or NULL when
 *	it could not be allocated; RCU-protected
 * @map_lock: serializes rebuilding @map
 * @ioapic: the I/O APIC (ioapic.c), for the instance's lifetime
 * @pic: the two 8259As (pic.c), for the instance's lifetime
 * @bridge: the KVM VM whose LAPICs take the interrupts (kvm_bridge.c), or
 *	NULL for the instance's own vCPU endpoints; fixed at creation
 *
 * The flags are written under kic->lock, read with READ_ONCE() on the
 * delivery path.
 */
struct kic_x86 {
	bool x2apic_format;
	bool broadcast_quirk_off;
	bool ext_dest_id;
	bool strict;
	bool vector_hashing;
	struct kic_apic_map __rcu *map;
	struct mutex map_lock;	/* see apic_map.c */
	struct kic_ioapic *ioapic;
	struct kic_pic *pic;
	struct kic_kvm_bridge *bridge;
};

/*
 * The (@n mod weight)-th set bit of the @nbits-bit @map, from 0: how KVM
 * picks one of several lowest-priority candidates, by vector hashing in
 * its map (kvm_vector_to_index()) and on its matching path alike.  @map
 * must not be empty.
 */
static inline unsigned int kic_nth_set_bit(const unsigned long *map,
					   unsigned int nbits, unsigned int n)
{
	unsigned int i;

	n %= bitmap_weight(map, nbits);
	for_each_set_bit(i, map, nbits)
		if (!n--)
			break;
	return i;
}

static inline struct kic_x86 *kic_x86(struct kic *kic)
{
	return kic->model;
}

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
 * @arb_prio: lowest-priority messages offered to this LAPIC since its
 *	state was last set: KVM's arbitration priority, used when vector
 *	hashing is off
 * @match: what destination matching reads without @lock: written under
 *	@lock with WRITE_ONCE() whenever ID, LDR, DFR, SVR or APIC base change
 * @match.id: the ID register (x2APIC: the ID; xAPIC: the ID in 31:24)
 * @match.ldr: the LDR register
 * @match.dfr: the DFR register
 * @match.x2apic: x2APIC mode
 * @match.enabled: APIC hardware-enabled (APIC base bit 11)
 * @match.sw_enabled: SVR bit 8
 * @irr_gsi: per vector, KIC_NO_GSI or the GSI of the MSI route whose
 *	message is pending in IRR (see struct kic_apic_irq)
 * @isr_gsi: the same for the copy in service; moved from @irr_gsi by the
 *	acknowledge, reported and cleared by the EOI
 */
struct kic_lapic {
	spinlock_t lock;	/* see LOCKING in lapic.c */
	u32 regs[KVM_APIC_REG_SIZE / 4];
	u64 apic_base;
	u32 nmi, smi, init, sipi, sipi_vector;
	u32 arb_prio;
	struct {
		u32 id;
		u32 ldr;
		u32 dfr;
		bool x2apic;
		bool enabled;
		bool sw_enabled;
	} match;
	u32 irr_gsi[256];
	u32 isr_gsi[256];
};

/* msi.c */
int kic_x86_msi_check(const struct kic_x86 *x86, u32 address_hi);
void kic_x86_msi_decode(const struct kic_x86 *x86, u32 address_lo,
			u32 address_hi, u32 data, struct kic_apic_irq *irq);

/* apic_bus.c */
int kic_apic_bus_deliver(struct kic *kic, const struct kic_apic_irq *irq,
			 unsigned long *dest_map);
int kic_apic_bus_accept(struct kic *kic, u32 i, const struct kic_apic_irq *irq,
			unsigned long *dest_map);
bool kic_apic_kvm_match(const struct kic_x86 *x86, u32 index,
			const struct kic_lapic *l, const struct kic_apic_irq *irq);
int kic_apic_kvm_slow(struct kic *kic, struct kic_apic_irq *irq,
		      unsigned long *dest_map);

/* apic_map.c */
extern bool kic_vector_hashing;
int kic_apic_map_init(struct kic *kic);
void kic_apic_map_update(struct kic *kic);		/* may sleep */
void kic_apic_map_free(struct kic *kic);
bool kic_apic_map_deliver(struct kic *kic, const struct kic_apic_irq *irq,
			  unsigned long *dest_map, int *r);

/* kvm_bridge.c, built where KVM exports what it needs */
#ifdef KIC_KVM_BRIDGE
struct kvm_lapic;
struct kvm_vcpu;

/*
 * KVM's exports from arch/x86/kvm/lapic.c, reached through symbol_get();
 * their declarations live in a header private to KVM, so they are repeated
 * here as KVM 6.1 has them.
 */
void kvm_apic_send_ipi(struct kvm_lapic *apic, u32 icr_low, u32 icr_high);
bool kvm_apic_match_dest(struct kvm_vcpu *vcpu, struct kvm_lapic *source,
			 int shorthand, unsigned int dest, int dest_mode);
#define KIC_KVM_DEST_NOSHORT	0	/* lapic.h's APIC_DEST_NOSHORT */

int kic_kvm_bridge_attach(struct kic *kic, int vm_fd);
void kic_kvm_bridge_detach(struct kic *kic);
int kic_kvm_bridge_deliver(struct kic *kic, const struct kic_apic_irq *irq,
			   unsigned long *dest_map);
bool kic_kvm_bridge_present(void);
#else
static inline int kic_kvm_bridge_attach(struct kic *kic, int vm_fd)
{
	return -EOPNOTSUPP;
}

static inline void kic_kvm_bridge_detach(struct kic *kic)
{
}

static inline int kic_kvm_bridge_deliver(struct kic *kic,
					 const struct kic_apic_irq *irq,
					 unsigned long *dest_map)
{
	return 0;
}

static inline bool kic_kvm_bridge_present(void)
{
	return false;
}
#endif

/* lapic.c */
struct kic_lapic *kic_lapic_alloc(u32 index);
int kic_lapic_accept(struct kic *kic, struct kic_vcpu *vcpu,
		     const struct kic_apic_irq *irq);
long kic_lapic_ioctl(struct kic_vcpu *vcpu, unsigned int ioctl,
		     void __user *argp);
bool kic_lapic_pending(struct kic_vcpu *vcpu);
bool kic_lapic_accepts_pic(struct kic_vcpu *vcpu);
bool kic_lapic_eoi_pending(struct kic_vcpu *vcpu, u8 vector);

/*
 * ioapic.c: any context unless said otherwise.  @src is enum kic_src;
 * @line_status is KVM_IRQ_LINE_STATUS's RTC coalescing (pin 8).
 * Return values follow KVM: see the file.
 */
struct kic_ioapic *kic_ioapic_alloc(struct kic *kic);		/* may sleep */
void kic_ioapic_quiesce(struct kic_ioapic *ioapic);		/* may sleep */
void kic_ioapic_free(struct kic_ioapic *ioapic);			/* may sleep */
int kic_ioapic_set_irq(struct kic_ioapic *ioapic, u32 pin, unsigned int src,
		       int level, bool line_status);
/* without the vCPU's LAPIC lock */
void kic_ioapic_eoi(struct kic_ioapic *ioapic, struct kic_vcpu *vcpu,
		    u8 vector, bool level);
void kic_ioapic_rtc_restore_vcpu(struct kic_ioapic *ioapic,
				 struct kic_vcpu *vcpu);
int kic_ioapic_mmio(struct kic_ioapic *ioapic, u64 addr, u32 len, bool write,
		    u64 *data);
void kic_ioapic_get_state(struct kic_ioapic *ioapic,
			  struct kvm_ioapic_state *state);
void kic_ioapic_set_state(struct kic_ioapic *ioapic,
			  const struct kvm_ioapic_state *state);

/*
 * pic.c: any context; the PIC's INTR output goes to the vCPUs that take it.  kic_pic_ack()
 * without vCPU 0's LAPIC lock.
 */
struct kic_pic *kic_pic_alloc(struct kic *kic);		/* may sleep */
void kic_pic_free(struct kic_pic *pic);
int kic_pic_set_irq(struct kic_pic *pic, u32 irq, unsigned int src,
		    int level);
bool kic_pic_output(struct kic_pic *pic);
int kic_pic_ack(struct kic_pic *pic);
int kic_pic_pio(struct kic_pic *pic, u16 port, u32 len, bool write,
		u32 *data);
int kic_pic_get_state(struct kic_pic *pic, u32 chip,
		      struct kvm_pic_state *state);
int kic_pic_set_state(struct kic_pic *pic, u32 chip,
		      const struct kvm_pic_state *state);
void kic_pic_update(struct kic_pic *pic);

static inline struct kic_lapic *kic_vcpu_lapic(struct kic_vcpu *vcpu)
{
	return vcpu->arch;
}

#endif /* _KVM_IRQCHIP_ARCH_X86_H */
