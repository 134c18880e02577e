// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip x86 model: the local APIC of one vCPU, as far as interrupt
 * presentation goes (Intel SDM vol. 3, 11.8): IRR, ISR, TMR, TPR and PPR,
 * the addressing registers (ID, LDR, DFR), SVR, and IA32_APIC_BASE.
 * Timers, LVTs and the ICR are the VMM's; their registers are kept in the
 * page and read back unchanged.
 *
 * The register page has KVM_GET_LAPIC's layout, so a VMM moves state
 * between KVM and kvm-irqchip with the same bytes.
 *
 * The interrupt acknowledge of a vCPU takes the PIC's vector first when the
 * LAPIC passes PIC interrupts through (hardware-disabled, or LVT0 unmasked
 * in ExtINT mode), as the CPU's INTA cycle would.  Every EOI is shown to the
 * IOAPIC, which decides what the vector meant; the EOI of a vector an MSI
 * route delivered is reported for that route's GSI.
 *
 * LOCKING
 *   l->lock (irq-safe spinlock) guards the page, the APIC base and the
 *   latched events; it is taken from the eventfd wakeup, so never sleep
 *   under it and never copy to or from userspace under it.
 *   l->match is written under l->lock and read without it by the APIC bus;
 *   every writer then rebuilds the APIC map (apic_map.c), in process
 *   context with l->lock dropped.  l->arb_prio likewise: written under
 *   l->lock, read without it by lowest-priority arbitration, as KVM reads
 *   its own.
 *   The IOAPIC and PIC locks nest outside l->lock; this file calls into
 *   them (acknowledge, EOI) only with l->lock dropped.
 * LIFETIME
 *   Allocated with the instance's vCPUs by the x86 model, freed with them.
 */
#include <linux/bitops.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <kvm_irqchip/ack.h>
#include <kvm_irqchip/kic.h>
#include <kvm_irqchip/vcpu.h>

#include "x86.h"

/* Register offsets in the page (SDM table 11-1). */
#define KIC_APIC_ID		0x20
#define KIC_APIC_LVR		0x30
#define KIC_APIC_TPR		0x80
#define KIC_APIC_PPR		0xa0
#define KIC_APIC_LDR		0xd0
#define KIC_APIC_DFR		0xe0
#define KIC_APIC_SVR		0xf0
#define KIC_APIC_ISR		0x100
#define KIC_APIC_TMR		0x180
#define KIC_APIC_IRR		0x200
#define KIC_APIC_LVTT		0x320
#define KIC_APIC_LVT0		0x350
#define KIC_APIC_LVTERR		0x370

#define KIC_APIC_VERSION	0x00050014	/* 6 LVTs, integrated APIC */
#define KIC_APIC_SVR_ENABLE	BIT(8)
#define KIC_APIC_LVT_MASKED	BIT(16)
#define KIC_APIC_LVT_DM		GENMASK(10, 8)
#define KIC_APIC_LVT_DM_EXTINT	(KIC_APIC_DM_EXTINT << 8)
#define KIC_APIC_DFR_FLAT	0xffffffffU

static u32 lapic_get(const struct kic_lapic *l, u32 off)
{
	return l->regs[off / 4];
}

static void lapic_set(struct kic_lapic *l, u32 off, u32 val)
{
	l->regs[off / 4] = val;
}

/* IRR, ISR and TMR: 256 bits as eight 32-bit registers, 16 bytes apart. */
static u32 *lapic_vec_word(struct kic_lapic *l, u32 base, u8 vec)
{
	return &l->regs[(base + (vec / 32) * 0x10) / 4];
}

static bool lapic_test_vec(struct kic_lapic *l, u32 base, u8 vec)
{
	return *lapic_vec_word(l, base, vec) & BIT(vec % 32);
}

static void lapic_assign_vec(struct kic_lapic *l, u32 base, u8 vec, bool on)
{
	u32 *w = lapic_vec_word(l, base, vec);

	if (on)
		*w |= BIT(vec % 32);
	else
		*w &= ~BIT(vec % 32);
}

static int lapic_highest_vec(const struct kic_lapic *l, u32 base)
{
	int i;

	for (i = 7; i >= 0; i--) {
		u32 w = l->regs[(base + i * 0x10) / 4];

		if (w)
			return i * 32 + __fls(w);
	}
	return -1;
}

static bool lapic_x2apic(const struct kic_lapic *l)
{
	return l->apic_base & KIC_APIC_BASE_X2APIC;
}

static u32 lapic_x2apic_ldr(u32 id)
{
	return ((id >> 4) << 16) | BIT(id & 0xf);
}

/* PPR: the higher of TPR and the class of the highest in-service vector. */
static void lapic_update_ppr(struct kic_lapic *l)
{
	u32 tpr = lapic_get(l, KIC_APIC_TPR) & 0xff;
	int isr = lapic_highest_vec(l, KIC_APIC_ISR);
	u32 isrv = isr < 0 ? 0 : isr;

	lockdep_assert_held(&l->lock);
	if ((tpr & 0xf0) >= (isrv & 0xf0))
		lapic_set(l, KIC_APIC_PPR, tpr);
	else
		lapic_set(l, KIC_APIC_PPR, isrv & 0xf0);
}

/* The vector an acknowledge would take now, or -1. */
static int lapic_deliverable(struct kic_lapic *l)
{
	int irr;

	lockdep_assert_held(&l->lock);
	if (!(l->apic_base & KIC_APIC_BASE_ENABLE) ||
	    !(lapic_get(l, KIC_APIC_SVR) & KIC_APIC_SVR_ENABLE))
		return -1;
	irr = lapic_highest_vec(l, KIC_APIC_IRR);
	if (irr < 0 || (irr & 0xf0) <= (lapic_get(l, KIC_APIC_PPR) & 0xf0))
		return -1;
	return irr;
}

static bool lapic_has_events(const struct kic_lapic *l)
{
	return l->nmi || l->smi || l->init || l->sipi;
}

/*
 * Republish what the APIC bus matches on; after any addressing change, and
 * then rebuild the APIC map (kic_apic_map_update()) with l->lock dropped.
 */
static void lapic_sync_match(struct kic_lapic *l)
{
	lockdep_assert_held(&l->lock);
	WRITE_ONCE(l->match.id, lapic_get(l, KIC_APIC_ID));
	WRITE_ONCE(l->match.ldr, lapic_get(l, KIC_APIC_LDR));
	WRITE_ONCE(l->match.dfr, lapic_get(l, KIC_APIC_DFR));
	WRITE_ONCE(l->match.x2apic, lapic_x2apic(l));
	WRITE_ONCE(l->match.enabled, !!(l->apic_base & KIC_APIC_BASE_ENABLE));
	WRITE_ONCE(l->match.sw_enabled,
		   !!(lapic_get(l, KIC_APIC_SVR) & KIC_APIC_SVR_ENABLE));
}

/* No vector is known to come from a route any more. */
static void lapic_forget_gsis(struct kic_lapic *l)
{
	memset(l->irr_gsi, 0xff, sizeof(l->irr_gsi));	/* KIC_NO_GSI */
	memset(l->isr_gsi, 0xff, sizeof(l->isr_gsi));
}

/*
 * A message for @vec enters IRR.  A routed one names its GSI; one without
 * a route merging into a pending routed one does not erase it: completing
 * the merged interrupt completes the route's too.
 */
static void lapic_request(struct kic_lapic *l, u8 vec, u32 gsi)
{
	lockdep_assert_held(&l->lock);
	if (gsi != KIC_NO_GSI || !lapic_test_vec(l, KIC_APIC_IRR, vec))
		l->irr_gsi[vec] = gsi;
	lapic_assign_vec(l, KIC_APIC_IRR, vec, true);
}

/* The xAPIC addressing registers as after reset. */
static void lapic_reset_xapic_ids(struct kic_lapic *l, u32 index)
{
	lapic_set(l, KIC_APIC_ID, index << 24);
	lapic_set(l, KIC_APIC_LDR, 0);
	lapic_set(l, KIC_APIC_DFR, KIC_APIC_DFR_FLAT);
}

/**
 * kic_lapic_alloc() - a LAPIC in its reset state
 * @index: the vCPU index, which is also the initial APIC ID
 *
 * The reset state is KVM's, including vCPU 0's LVT0 in ExtINT mode
 * (KVM_X86_QUIRK_LINT0_REENABLED, on unless a VMM turns it off; the SDM
 * resets it masked).
 *
 * Return: the LAPIC, or NULL.
 */
struct kic_lapic *kic_lapic_alloc(u32 index)
{
	struct kic_lapic *l = kzalloc(sizeof(*l), GFP_KERNEL_ACCOUNT);
	u32 off;

	if (!l)
		return NULL;
	spin_lock_init(&l->lock);
	spin_lock_irq(&l->lock);
	l->apic_base = KIC_APIC_BASE_ADDR | KIC_APIC_BASE_ENABLE |
		       (index ? 0 : KIC_APIC_BASE_BSP);
	lapic_reset_xapic_ids(l, index);
	lapic_set(l, KIC_APIC_LVR, KIC_APIC_VERSION);
	lapic_set(l, KIC_APIC_SVR, 0xff);	/* software-disabled */
	lapic_forget_gsis(l);
	for (off = KIC_APIC_LVTT; off <= KIC_APIC_LVTERR; off += 0x10)
		lapic_set(l, off, KIC_APIC_LVT_MASKED);
	if (!index)
		lapic_set(l, KIC_APIC_LVT0, KIC_APIC_LVT_DM_EXTINT);
	lapic_update_ppr(l);
	lapic_sync_match(l);
	spin_unlock_irq(&l->lock);
	return l;
}

/**
 * kic_lapic_accept() - a LAPIC takes a message the APIC bus sent it
 * @kic: the instance
 * @vcpu: the vCPU whose LAPIC is addressed
 * @irq: the message
 *
 * Any context.
 *
 * Return: 1 when accepted, 0 when not (a disabled APIC for vectored modes,
 * ExtINT; with KVM_IRQCHIP_CAP_X86_STRICT also vectors 0-15).
 */
int kic_lapic_accept(struct kic *kic, struct kic_vcpu *vcpu,
		     const struct kic_apic_irq *irq)
{
	struct kic_lapic *l = kic_vcpu_lapic(vcpu);
	unsigned long flags;
	bool kick = false;
	int r = 0;

	switch (irq->delivery_mode) {
	case KIC_APIC_DM_FIXED:
	case KIC_APIC_DM_LOWEST:
		/*
		 * SDM 11.8.1: vectors 0-15 are reserved and the APIC drops
		 * them; KVM takes them like any other.
		 */
		if (irq->vector < 16 && READ_ONCE(kic_x86(kic)->strict)) {
			kic_stat_inc(kic, KIC_STAT_ILLEGAL_VECTOR);
			return 0;
		}
		spin_lock_irqsave(&l->lock, flags);
		/* KVM's arbitration priority counts every offer. */
		if (irq->delivery_mode == KIC_APIC_DM_LOWEST)
			WRITE_ONCE(l->arb_prio, l->arb_prio + 1);
		if (lapic_get(l, KIC_APIC_SVR) & KIC_APIC_SVR_ENABLE &&
		    l->apic_base & KIC_APIC_BASE_ENABLE) {
			lapic_request(l, irq->vector, irq->gsi);
			lapic_assign_vec(l, KIC_APIC_TMR, irq->vector,
					 irq->level);
			/*
			 * Wake pollers (if any: kic_vcpu_kick() checks) without
			 * working out whether PPR lets it through: poll asks
			 * the LAPIC again, so a needless wakeup costs a poll.
			 */
			kick = true;
			r = 1;
		}
		spin_unlock_irqrestore(&l->lock, flags);
		break;
	case KIC_APIC_DM_NMI:
	case KIC_APIC_DM_SMI:
	case KIC_APIC_DM_INIT:
	case KIC_APIC_DM_STARTUP:
		spin_lock_irqsave(&l->lock, flags);
		if (irq->delivery_mode == KIC_APIC_DM_NMI) {
			l->nmi++;
		} else if (irq->delivery_mode == KIC_APIC_DM_SMI) {
			l->smi++;
		} else if (irq->delivery_mode == KIC_APIC_DM_INIT) {
			l->init++;
		} else {
			l->sipi++;
			l->sipi_vector = irq->vector;
		}
		spin_unlock_irqrestore(&l->lock, flags);
		kick = true;
		r = 1;
		break;
	case KIC_APIC_DM_REMRD:
		r = 1;		/* accepted and ignored, as KVM does */
		break;
	default:		/* ExtINT comes from a PIC, not a message */
		break;
	}

	if (r)
		kic_stat_inc(kic, KIC_STAT_DELIVERED);
	if (kick)
		kic_vcpu_kick(vcpu);
	return r;
}

/* SDM 11.5.1 and KVM: who takes the PIC's INTR output through the LAPIC */
static bool lapic_passes_pic(const struct kic_lapic *l)
{
	u32 lvt0 = lapic_get(l, KIC_APIC_LVT0);

	lockdep_assert_held(&l->lock);
	if (!(l->apic_base & KIC_APIC_BASE_ENABLE))
		return true;
	return !(lvt0 & KIC_APIC_LVT_MASKED) &&
	       (lvt0 & KIC_APIC_LVT_DM) == KIC_APIC_LVT_DM_EXTINT;
}

/**
 * kic_lapic_accepts_pic() - does the vCPU take the PIC's interrupts?
 * @vcpu: the vCPU
 *
 * Any context.
 *
 * Any vCPU may take them, as in KVM; at reset only vCPU 0's LVT0 lets them
 * through.
 *
 * Return: true when its LAPIC passes ExtINT through.
 */
bool kic_lapic_accepts_pic(struct kic_vcpu *vcpu)
{
	struct kic_lapic *l = kic_vcpu_lapic(vcpu);
	unsigned long flags;
	bool r;

	spin_lock_irqsave(&l->lock, flags);
	r = lapic_passes_pic(l);
	spin_unlock_irqrestore(&l->lock, flags);
	return r;
}

/* The PIC has an interrupt this vCPU would acknowledge now. */
static bool lapic_extint_pending(struct kic_vcpu *vcpu)
{
	return kic_pic_output(kic_x86(vcpu->kic)->pic) &&
	       kic_lapic_accepts_pic(vcpu);
}

/**
 * kic_lapic_eoi_pending() - is a vector waiting for its EOI here?
 * @vcpu: the vCPU
 * @vector: the vector
 *
 * Any context.
 *
 * Return: true when the vector is requested or in service.
 */
bool kic_lapic_eoi_pending(struct kic_vcpu *vcpu, u8 vector)
{
	struct kic_lapic *l = kic_vcpu_lapic(vcpu);
	unsigned long flags;
	bool r;

	spin_lock_irqsave(&l->lock, flags);
	r = lapic_test_vec(l, KIC_APIC_IRR, vector) ||
	    lapic_test_vec(l, KIC_APIC_ISR, vector);
	spin_unlock_irqrestore(&l->lock, flags);
	return r;
}

/**
 * kic_lapic_pending() - does the vCPU have something to take?
 * @vcpu: the vCPU
 *
 * Return: true when an acknowledge would succeed or events are latched.
 */
bool kic_lapic_pending(struct kic_vcpu *vcpu)
{
	struct kic_lapic *l = kic_vcpu_lapic(vcpu);
	unsigned long flags;
	bool r;

	if (lapic_extint_pending(vcpu))
		return true;
	spin_lock_irqsave(&l->lock, flags);
	r = lapic_deliverable(l) >= 0 || lapic_has_events(l);
	spin_unlock_irqrestore(&l->lock, flags);
	return r;
}

/*
 * KVM's layout of the x2APIC ID in KVM_GET_LAPIC and KVM_SET_LAPIC: bits
 * 31:24 unless the VMM enabled KVM_X2APIC_API_USE_32BIT_IDS.  Strict
 * instances always use bits 31:0, the x2APIC ID register's own layout.
 */
static bool lapic_shifted_x2apic_id(struct kic_vcpu *vcpu)
{
	const struct kic_x86 *x86 = kic_x86(vcpu->kic);

	return !READ_ONCE(x86->x2apic_format) && !READ_ONCE(x86->strict);
}

static int lapic_get_regs(struct kic_vcpu *vcpu, void __user *argp)
{
	struct kic_lapic *l = kic_vcpu_lapic(vcpu);
	struct kvm_lapic_state *s;
	u32 *id;
	int r = 0;

	s = kmalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return -ENOMEM;
	id = (u32 *)&s->regs[KIC_APIC_ID];
	spin_lock_irq(&l->lock);
	memcpy(s->regs, l->regs, sizeof(s->regs));
	if (lapic_x2apic(l) && lapic_shifted_x2apic_id(vcpu))
		*id <<= 24;
	spin_unlock_irq(&l->lock);
	if (copy_to_user(argp, s, sizeof(*s)))
		r = -EFAULT;
	kfree(s);
	return r;
}

static int lapic_set_regs(struct kic_vcpu *vcpu, void __user *argp)
{
	const struct kic_x86 *x86 = kic_x86(vcpu->kic);
	struct kic_lapic *l = kic_vcpu_lapic(vcpu);
	struct kvm_lapic_state *s;
	bool kick;
	u32 *id;

	s = memdup_user(argp, sizeof(*s));
	if (IS_ERR(s))
		return PTR_ERR(s);
	id = (u32 *)&s->regs[KIC_APIC_ID];
	spin_lock_irq(&l->lock);
	if (lapic_x2apic(l) && !READ_ONCE(x86->strict)) {
		/* As KVM: the x2APIC ID is the vCPU's, and KVM's layout. */
		if (READ_ONCE(x86->x2apic_format) && *id != vcpu->index) {
			spin_unlock_irq(&l->lock);
			kfree(s);
			return -EINVAL;
		}
		if (lapic_shifted_x2apic_id(vcpu))
			*id >>= 24;
	}
	memcpy(l->regs, s->regs, sizeof(l->regs));
	WRITE_ONCE(l->arb_prio, 0);
	/* Restored vectors come from no route we know of. */
	lapic_forget_gsis(l);
	/* Read-only registers keep their values. */
	lapic_set(l, KIC_APIC_LVR, KIC_APIC_VERSION);
	if (lapic_x2apic(l))
		lapic_set(l, KIC_APIC_LDR,
			  lapic_x2apic_ldr(lapic_get(l, KIC_APIC_ID)));
	lapic_update_ppr(l);
	lapic_sync_match(l);
	kick = lapic_deliverable(l) >= 0 || lapic_has_events(l);
	spin_unlock_irq(&l->lock);
	kfree(s);
	kic_apic_map_update(vcpu->kic);
	/* LVT0 may just have let the PIC through. */
	if (kick || lapic_extint_pending(vcpu))
		kic_vcpu_kick(vcpu);
	/* IRR and ISR changed under the RTC's EOI tracking. */
	kic_ioapic_rtc_restore_vcpu(kic_x86(vcpu->kic)->ioapic, vcpu);
	return 0;
}

/*
 * Interrupt acknowledge: the PIC's vector when it has one for us (KVM
 * looks there first too), else the highest deliverable vector, IRR -> ISR.
 */
static int lapic_ack(struct kic_vcpu *vcpu, void __user *argp)
{
	struct kic_lapic *l = kic_vcpu_lapic(vcpu);
	struct kvm_irqchip_vcpu_ack ack;
	int vec;

	if (copy_from_user(&ack, argp, sizeof(ack)))
		return -EFAULT;
	if (ack.reserved[0] || ack.reserved[1])
		return -EINVAL;
	/* Fault before the vector moves, not after. */
	if (clear_user(argp, sizeof(ack)))
		return -EFAULT;

	if (lapic_extint_pending(vcpu)) {
		ack.vector = kic_pic_ack(kic_x86(vcpu->kic)->pic);
		ack.flags = KVM_IRQCHIP_ACK_EXTINT;
		return copy_to_user(argp, &ack, sizeof(ack)) ? -EFAULT : 0;
	}

	spin_lock_irq(&l->lock);
	vec = lapic_deliverable(l);
	if (vec >= 0) {
		lapic_assign_vec(l, KIC_APIC_IRR, vec, false);
		lapic_assign_vec(l, KIC_APIC_ISR, vec, true);
		l->isr_gsi[vec] = l->irr_gsi[vec];
		l->irr_gsi[vec] = KIC_NO_GSI;
		lapic_update_ppr(l);
		ack.flags = lapic_test_vec(l, KIC_APIC_TMR, vec) ?
			    KVM_IRQCHIP_ACK_LEVEL : 0;
	}
	spin_unlock_irq(&l->lock);
	if (vec < 0)
		return -EAGAIN;

	ack.vector = vec;
	return copy_to_user(argp, &ack, sizeof(ack)) ? -EFAULT : 0;
}

/* End of interrupt: retire the highest in-service vector. */
static int lapic_eoi(struct kic_vcpu *vcpu, void __user *argp)
{
	struct kic_lapic *l = kic_vcpu_lapic(vcpu);
	struct kvm_irqchip_vcpu_eoi eoi;
	u32 gsi = KIC_NO_GSI;
	bool kick;
	int vec;

	if (copy_from_user(&eoi, argp, sizeof(eoi)))
		return -EFAULT;
	if (eoi.reserved[0] || eoi.reserved[1])
		return -EINVAL;
	if (clear_user(argp, sizeof(eoi)))
		return -EFAULT;

	eoi.vector = 0;
	eoi.flags = 0;
	spin_lock_irq(&l->lock);
	vec = lapic_highest_vec(l, KIC_APIC_ISR);
	if (vec >= 0) {
		lapic_assign_vec(l, KIC_APIC_ISR, vec, false);
		lapic_update_ppr(l);
		eoi.vector = vec;
		eoi.flags = lapic_test_vec(l, KIC_APIC_TMR, vec) ?
			    KVM_IRQCHIP_ACK_LEVEL : 0;
		gsi = l->isr_gsi[vec];
		l->isr_gsi[vec] = KIC_NO_GSI;
	}
	kick = lapic_deliverable(l) >= 0;
	spin_unlock_irq(&l->lock);
	if (kick)
		kic_vcpu_kick(vcpu);

	/* The broadcast EOI, then the GSI's listeners; no LAPIC lock held. */
	if (vec >= 0) {
		kic_ioapic_eoi(kic_x86(vcpu->kic)->ioapic, vcpu, vec,
			       eoi.flags & KVM_IRQCHIP_ACK_LEVEL);
		if (gsi != KIC_NO_GSI)
			kic_gsi_acked(vcpu->kic, gsi);
	}
	return copy_to_user(argp, &eoi, sizeof(eoi)) ? -EFAULT : 0;
}

/*
 * Read, then consume only what was read and copied out: events latched in
 * between stay for the next call, and a fault loses nothing.
 */
static int lapic_get_events(struct kic_lapic *l, void __user *argp)
{
	struct kvm_irqchip_vcpu_events ev = {};

	spin_lock_irq(&l->lock);
	ev.nmi = l->nmi;
	ev.smi = l->smi;
	ev.init = l->init;
	ev.sipi = l->sipi;
	ev.sipi_vector = l->sipi_vector;
	spin_unlock_irq(&l->lock);
	if (copy_to_user(argp, &ev, sizeof(ev)))
		return -EFAULT;

	spin_lock_irq(&l->lock);
	l->nmi -= ev.nmi;
	l->smi -= ev.smi;
	l->init -= ev.init;
	l->sipi -= ev.sipi;
	spin_unlock_irq(&l->lock);
	return 0;
}

static int lapic_get_state(struct kic_lapic *l, void __user *argp)
{
	struct kvm_irqchip_x86_vcpu_state st = {};

	spin_lock_irq(&l->lock);
	st.apic_base = l->apic_base;
	spin_unlock_irq(&l->lock);
	return copy_to_user(argp, &st, sizeof(st)) ? -EFAULT : 0;
}

/*
 * What an IA32_APIC_BASE write does to the ID registers.  KVM (a VMM's
 * KVM_SET_MSRS): any transition; enabling the APIC sets the xAPIC ID to
 * the vCPU index, entering x2APIC mode sets the x2APIC ID and LDR, and
 * leaving it changes nothing.  The SDM (KVM_IRQCHIP_CAP_X86_STRICT,
 * 11.12.5): x2APIC is entered from xAPIC only and left for disabled only,
 * and leaving it resets the xAPIC ID, LDR and DFR.
 */
static int lapic_apic_base_ids(struct kic_lapic *l, u32 index, bool strict,
			       u64 base)
{
	bool was_x2apic = lapic_x2apic(l);
	bool was_enabled = l->apic_base & KIC_APIC_BASE_ENABLE;
	bool x2apic = base & KIC_APIC_BASE_X2APIC;
	bool enabled = base & KIC_APIC_BASE_ENABLE;

	lockdep_assert_held(&l->lock);
	if (strict) {
		if ((was_x2apic && !x2apic && enabled) ||
		    (!was_enabled && x2apic))
			return -EINVAL;
		if (!x2apic && was_x2apic)
			lapic_reset_xapic_ids(l, index);
	} else if (enabled && !was_enabled) {
		lapic_set(l, KIC_APIC_ID, index << 24);
	}
	if (x2apic && !was_x2apic) {
		lapic_set(l, KIC_APIC_ID, index);
		lapic_set(l, KIC_APIC_LDR, lapic_x2apic_ldr(index));
	}
	l->apic_base = base;
	return 0;
}

/* IA32_APIC_BASE writes: see lapic_apic_base_ids(). */
static int lapic_set_state(struct kic_vcpu *vcpu, void __user *argp)
{
	const u64 flags = KIC_APIC_BASE_BSP | KIC_APIC_BASE_X2APIC |
			  KIC_APIC_BASE_ENABLE;
	struct kic_lapic *l = kic_vcpu_lapic(vcpu);
	struct kvm_irqchip_x86_vcpu_state st;
	bool x2apic, enabled, kick;
	int i, r;

	if (copy_from_user(&st, argp, sizeof(st)))
		return -EFAULT;
	for (i = 0; i < ARRAY_SIZE(st.reserved); i++)
		if (st.reserved[i])
			return -EINVAL;
	if ((st.apic_base & ~flags) != KIC_APIC_BASE_ADDR)
		return -EINVAL;
	x2apic = st.apic_base & KIC_APIC_BASE_X2APIC;
	enabled = st.apic_base & KIC_APIC_BASE_ENABLE;
	if (x2apic && !enabled)
		return -EINVAL;

	spin_lock_irq(&l->lock);
	r = lapic_apic_base_ids(l, vcpu->index,
				READ_ONCE(kic_x86(vcpu->kic)->strict),
				st.apic_base);
	if (r) {
		spin_unlock_irq(&l->lock);
		return r;
	}
	lapic_sync_match(l);
	kick = lapic_deliverable(l) >= 0;
	spin_unlock_irq(&l->lock);
	kic_apic_map_update(vcpu->kic);
	/* A disabled APIC passes the PIC through. */
	if (kick || lapic_extint_pending(vcpu))
		kic_vcpu_kick(vcpu);
	return 0;
}

/**
 * kic_lapic_ioctl() - the x86 vCPU fd's ioctls
 * @vcpu: the vCPU
 * @ioctl: the request
 * @argp: its argument
 *
 * Return: 0 or a negative errno; -ENOTTY for unknown requests.
 */
long kic_lapic_ioctl(struct kic_vcpu *vcpu, unsigned int ioctl,
		     void __user *argp)
{
	struct kic_lapic *l = kic_vcpu_lapic(vcpu);

	switch (ioctl) {
	case KVM_GET_LAPIC:
		return lapic_get_regs(vcpu, argp);
	case KVM_SET_LAPIC:
		return lapic_set_regs(vcpu, argp);
	case KVM_IRQCHIP_VCPU_ACK:
		return lapic_ack(vcpu, argp);
	case KVM_IRQCHIP_VCPU_EOI:
		return lapic_eoi(vcpu, argp);
	case KVM_IRQCHIP_VCPU_GET_EVENTS:
		return lapic_get_events(l, argp);
	case KVM_IRQCHIP_X86_GET_VCPU_STATE:
		return lapic_get_state(l, argp);
	case KVM_IRQCHIP_X86_SET_VCPU_STATE:
		return lapic_set_state(vcpu, argp);
	default:
		return -ENOTTY;
	}
}
