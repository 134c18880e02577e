// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip XICS model: the interrupt presentation controllers (ICP),
 * one per vCPU, whose index is its server number.
 *
 * An ICP holds at most one interrupt presented to its processor (XISR,
 * with its priority), the processor's current priority (CPPR) and the IPI
 * request (MFRR).  An interrupt is presented only when it is more favoured
 * (numerically lower) than CPPR, MFRR and the one already presented, which
 * it then displaces (PAPR 14.5.4.2.1; KVM's book3s_xics.c follows the same
 * state machine).  The hypercalls the VMM forwards with
 * KVM_IRQCHIP_XICS_HCALL act on it: H_XIRR and H_XIRR_X accept, H_CPPR
 * and H_EOI change CPPR (H_EOI then completes the source), H_IPI sets an
 * MFRR, H_IPOLL reads.
 *
 * LOCKING
 *   icp->lock, an irq-safe spinlock, guards the whole state: every change
 *   is one critical section, taken from the eventfd wakeup too (one lock,
 *   not a compare-and-swap word; see xics.h).  Interrupts it displaces or
 *   must resend are handed to ics.c after the lock is dropped.
 * LIFETIME
 *   Allocated with the vCPUs, freed with the model.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <kvm_irqchip/model.h>

#include "xics.h"

/**
 * xics_icp_alloc() - a vCPU's ICP, in KVM's initial state
 * @vcpu: the vCPU
 *
 * CPPR 0 (nothing is presented until the guest lowers it), no IPI, nothing
 * pending.
 *
 * Return: the ICP, or NULL.
 */
struct xics_icp *xics_icp_alloc(struct kic_vcpu *vcpu)
{
	struct xics_icp *icp;

	icp = kzalloc(sizeof(*icp), GFP_KERNEL_ACCOUNT);
	if (!icp)
		return NULL;
	spin_lock_init(&icp->lock);
	icp->vcpu = vcpu;
	icp->mfrr = XICS_MASKED;
	icp->pending_pri = XICS_MASKED;
	return icp;
}

/* The processor's external interrupt line: something to accept. */
static bool xics_icp_output(struct xics_icp *icp)
{
	lockdep_assert_held(&icp->lock);
	return icp->xisr && icp->pending_pri < icp->cppr;
}

/* What the presented interrupt's displacement hands back to its ICS. */
static u32 xics_icp_displace(struct xics_icp *icp)
{
	lockdep_assert_held(&icp->lock);
	return icp->xisr == KIC_XICS_IPI ? 0 : icp->xisr;
}

/**
 * xics_icp_try_deliver() - present an interrupt if the ICP takes it
 * @xics: the model
 * @icp: the ICP
 * @irq: the interrupt
 * @priority: its priority
 * @buid: its ICS, marked in xics->resend_map when refused
 * @reject: out: the interrupt it displaced (not the IPI), or 0
 *
 * Any context; the caller holds the source's ICS lock.  A refusal sets
 * need_resend and the BUID's resend bit before the ICP lock is dropped, so
 * a concurrent CPPR change either sees both or precedes the attempt.
 *
 * Return: true when presented.
 */
bool xics_icp_try_deliver(struct kic_xics *xics, struct xics_icp *icp,
			  u32 irq, u8 priority, u32 buid, u32 *reject)
{
	unsigned long flags;
	bool ok;

	*reject = 0;
	spin_lock_irqsave(&icp->lock, flags);
	ok = priority < icp->cppr && priority < icp->mfrr &&
	     priority < icp->pending_pri;
	if (ok) {
		*reject = xics_icp_displace(icp);
		icp->xisr = irq;
		icp->pending_pri = priority;
	} else {
		icp->need_resend = true;
		set_bit(buid, xics->resend_map);
	}
	spin_unlock_irqrestore(&icp->lock, flags);

	if (ok)
		kic_vcpu_kick(icp->vcpu);
	return ok;
}

/**
 * xics_icp_pending() - ->vcpu_pending: the processor's interrupt line
 * @vcpu: the vCPU
 *
 * Return: true when an interrupt is presented above CPPR.
 */
bool xics_icp_pending(struct kic_vcpu *vcpu)
{
	struct xics_icp *icp = xics_icp(vcpu);
	unsigned long flags;
	bool out;

	spin_lock_irqsave(&icp->lock, flags);
	out = xics_icp_output(icp);
	spin_unlock_irqrestore(&icp->lock, flags);
	return out;
}

/*
 * What an ICP change leaves to do once the lock is dropped: an interrupt
 * displaced, a resend latched, the processor to wake.
 */
struct xics_icp_after {
	u32 reject;
	bool resend;
	bool kick;
};

static void xics_icp_finish(struct kic_xics *xics, struct xics_icp *icp,
			    const struct xics_icp_after *a)
{
	if (a->kick)
		kic_vcpu_kick(icp->vcpu);
	/* A reject's resend walks every marked source: it covers both. */
	if (a->reject)
		xics_reject(xics, a->reject, 0);
	else if (a->resend)
		xics_resend(xics);
}

/* The IPI is presented when MFRR beats CPPR and what is presented. */
static void xics_icp_check_ipi(struct xics_icp *icp, struct xics_icp_after *a)
{
	lockdep_assert_held(&icp->lock);
	if (icp->mfrr < icp->cppr && icp->mfrr <= icp->pending_pri) {
		a->reject = xics_icp_displace(icp);
		icp->xisr = KIC_XICS_IPI;
		icp->pending_pri = icp->mfrr;
	}
}

/*
 * Set_CPPR (PAPR 14.5.4.2.1): raising the priority rejects what it now
 * masks; lowering it presents a waiting IPI and latches the resends.
 */
static void xics_icp_set_cppr(struct kic_xics *xics, struct xics_icp *icp,
			      u8 cppr)
{
	struct xics_icp_after a = {};
	unsigned long flags;

	spin_lock_irqsave(&icp->lock, flags);
	if (cppr < icp->cppr) {
		icp->cppr = cppr;
		if (cppr <= icp->pending_pri) {
			a.reject = xics_icp_displace(icp);
			icp->xisr = 0;
			icp->pending_pri = XICS_MASKED;
		}
	} else if (cppr > icp->cppr) {
		icp->cppr = cppr;
		xics_icp_check_ipi(icp, &a);
		a.resend = icp->need_resend;
		icp->need_resend = false;
	}
	a.kick = xics_icp_output(icp);
	spin_unlock_irqrestore(&icp->lock, flags);

	xics_icp_finish(xics, icp, &a);
}

/* H_XIRR: accept the presented interrupt; CPPR becomes its priority. */
static u32 xics_h_xirr(struct kic_xics *xics, struct xics_icp *icp)
{
	unsigned long flags;
	u32 xirr;

	spin_lock_irqsave(&icp->lock, flags);
	xirr = xics_xirr(icp->cppr, icp->xisr);
	if (icp->xisr) {
		icp->cppr = icp->pending_pri;
		icp->pending_pri = XICS_MASKED;
		icp->xisr = 0;
	}
	spin_unlock_irqrestore(&icp->lock, flags);

	if (xics_xirr_xisr(xirr))
		kic_stat_inc(xics->kic, KIC_STAT_DELIVERED);
	return xirr;
}

/* H_EOI: CPPR from the XIRR's top byte, then the source's EOI. */
static long xics_h_eoi(struct kic_xics *xics, struct xics_icp *icp, u64 xirr)
{
	u32 irq = xics_xirr_xisr(xirr);
	u32 idx;

	/* Nothing changes on a bad argument. */
	if (xirr > U32_MAX)
		return KVM_IRQCHIP_XICS_H_PARAMETER;
	if (irq != KIC_XICS_IPI && !xics_ics_find(xics, irq, &idx))
		return KVM_IRQCHIP_XICS_H_PARAMETER;
	xics_icp_set_cppr(xics, icp, xics_xirr_cppr(xirr));
	/* The IPI has no source to complete. */
	if (irq != KIC_XICS_IPI)
		xics_source_eoi(xics, irq);
	return KVM_IRQCHIP_XICS_H_SUCCESS;
}

/* H_IPI: set a server's MFRR; a less favoured one may allow resends. */
static long xics_h_ipi(struct kic_xics *xics, u64 server, u64 mfrr)
{
	struct xics_icp *icp = xics_icp_find(xics, server);
	struct xics_icp_after a = {};
	unsigned long flags;

	if (!icp || mfrr > XICS_MASKED)
		return KVM_IRQCHIP_XICS_H_PARAMETER;

	spin_lock_irqsave(&icp->lock, flags);
	if (mfrr > icp->mfrr) {
		a.resend = icp->need_resend;
		icp->need_resend = false;
	}
	icp->mfrr = mfrr;
	xics_icp_check_ipi(icp, &a);
	a.kick = xics_icp_output(icp);
	spin_unlock_irqrestore(&icp->lock, flags);

	xics_icp_finish(xics, icp, &a);
	return KVM_IRQCHIP_XICS_H_SUCCESS;
}

/* H_IPOLL: a server's XIRR and MFRR, without accepting anything. */
static long xics_h_ipoll(struct kic_xics *xics, u64 server, u64 *out)
{
	struct xics_icp *icp = xics_icp_find(xics, server);
	unsigned long flags;

	if (!icp)
		return KVM_IRQCHIP_XICS_H_PARAMETER;
	spin_lock_irqsave(&icp->lock, flags);
	out[0] = xics_xirr(icp->cppr, icp->xisr);
	out[1] = icp->mfrr;
	spin_unlock_irqrestore(&icp->lock, flags);
	return KVM_IRQCHIP_XICS_H_SUCCESS;
}

static long xics_hcall(struct kic_vcpu *vcpu, struct kvm_irqchip_xics_hcall *h)
{
	struct kic_xics *xics = kic_xics(vcpu->kic);
	struct xics_icp *icp = xics_icp(vcpu);

	memset(h->out, 0, sizeof(h->out));
	switch (h->opcode) {
	case KVM_IRQCHIP_XICS_H_XIRR:
		h->out[0] = xics_h_xirr(xics, icp);
		return KVM_IRQCHIP_XICS_H_SUCCESS;
	case KVM_IRQCHIP_XICS_H_XIRR_X:
		/* out[1], the timebase at acceptance, is the VMM's to fill. */
		h->out[0] = xics_h_xirr(xics, icp);
		return KVM_IRQCHIP_XICS_H_SUCCESS;
	case KVM_IRQCHIP_XICS_H_CPPR:
		if (h->args[0] > XICS_MASKED)
			return KVM_IRQCHIP_XICS_H_PARAMETER;
		xics_icp_set_cppr(xics, icp, h->args[0]);
		return KVM_IRQCHIP_XICS_H_SUCCESS;
	case KVM_IRQCHIP_XICS_H_EOI:
		return xics_h_eoi(xics, icp, h->args[0]);
	case KVM_IRQCHIP_XICS_H_IPI:
		return xics_h_ipi(xics, h->args[0], h->args[1]);
	case KVM_IRQCHIP_XICS_H_IPOLL:
		return xics_h_ipoll(xics, h->args[0], h->out);
	default:
		return KVM_IRQCHIP_XICS_H_FUNCTION;
	}
}

/* KVM_REG_PPC_ICP_STATE fields */
static u64 xics_icp_state_field(u64 val, unsigned int shift, u64 mask)
{
	return (val >> shift) & mask;
}

#define XICS_ICP_FIELD(val, f)						\
	xics_icp_state_field(val, KVM_IRQCHIP_XICS_ICP_##f##_SHIFT,	\
			     KVM_IRQCHIP_XICS_ICP_##f##_MASK)
/* Bits 15:0 are unused in KVM's layout; we keep them zero. */
#define XICS_ICP_UNUSED_MASK	0xffffULL

static u64 xics_icp_get_state(struct xics_icp *icp)
{
	unsigned long flags;
	u64 val;

	spin_lock_irqsave(&icp->lock, flags);
	val = (u64)icp->cppr << KVM_IRQCHIP_XICS_ICP_CPPR_SHIFT |
	      (u64)icp->xisr << KVM_IRQCHIP_XICS_ICP_XISR_SHIFT |
	      (u64)icp->mfrr << KVM_IRQCHIP_XICS_ICP_MFRR_SHIFT |
	      (u64)icp->pending_pri << KVM_IRQCHIP_XICS_ICP_PPRI_SHIFT;
	spin_unlock_irqrestore(&icp->lock, flags);
	return val;
}

/*
 * Restore, with KVM's consistency rules: nothing pending at priority
 * 0xff, the IPI at MFRR, a source more favoured than MFRR and CPPR.  The
 * interrupt the old state held is not rejected (the VMM restores the
 * sources to match), but a less favoured MFRR runs the resends that were
 * waiting for it.
 */
static int xics_icp_set_state(struct kic_xics *xics, struct xics_icp *icp,
			      u64 val)
{
	u8 cppr = XICS_ICP_FIELD(val, CPPR), mfrr = XICS_ICP_FIELD(val, MFRR);
	u8 ppri = XICS_ICP_FIELD(val, PPRI);
	u32 xisr = XICS_ICP_FIELD(val, XISR);
	struct xics_icp_after a = {};
	unsigned long flags;
	u32 idx;

	if (val & XICS_ICP_UNUSED_MASK)
		return -EINVAL;
	if (!xisr) {
		if (ppri != XICS_MASKED)
			return -EINVAL;
	} else if (xisr == KIC_XICS_IPI) {
		if (ppri != mfrr || ppri >= cppr)
			return -EINVAL;
	} else if (ppri >= mfrr || ppri >= cppr ||
		   !xics_ics_find(xics, xisr, &idx)) {
		return -EINVAL;
	}

	spin_lock_irqsave(&icp->lock, flags);
	if (mfrr > icp->mfrr) {
		a.resend = icp->need_resend;
		icp->need_resend = false;
	}
	icp->cppr = cppr;
	icp->mfrr = mfrr;
	icp->pending_pri = ppri;
	icp->xisr = xisr;
	a.kick = xics_icp_output(icp);
	spin_unlock_irqrestore(&icp->lock, flags);

	xics_icp_finish(xics, icp, &a);
	return 0;
}

static long xics_icp_one_reg(struct kic_vcpu *vcpu, unsigned int ioctl,
			     void __user *argp)
{
	struct xics_icp *icp = xics_icp(vcpu);
	struct kvm_one_reg reg;
	u64 __user *uval;
	u64 val;

	if (copy_from_user(&reg, argp, sizeof(reg)))
		return -EFAULT;
	if (reg.id != KVM_IRQCHIP_XICS_REG_ICP_STATE)
		return -EINVAL;
	uval = u64_to_user_ptr(reg.addr);
	if (ioctl == KVM_GET_ONE_REG)
		return put_user(xics_icp_get_state(icp), uval);
	if (get_user(val, uval))
		return -EFAULT;
	return xics_icp_set_state(kic_xics(vcpu->kic), icp, val);
}

/**
 * xics_icp_ioctl() - ->vcpu_ioctl: hypercalls and the ICP state
 * @vcpu: the vCPU
 * @ioctl: KVM_IRQCHIP_XICS_HCALL, KVM_GET_ONE_REG, KVM_SET_ONE_REG
 * @argp: its argument
 *
 * Process context.
 *
 * Return: 0 (a hypercall's PAPR code is in its struct); -EFAULT; -EINVAL
 * for non-zero reserved fields, a register other than the ICP state or an
 * inconsistent state; -ENOTTY for other ioctls.
 */
long xics_icp_ioctl(struct kic_vcpu *vcpu, unsigned int ioctl,
		    void __user *argp)
{
	struct kvm_irqchip_xics_hcall h;
	int i;

	switch (ioctl) {
	case KVM_IRQCHIP_XICS_HCALL:
		if (copy_from_user(&h, argp, sizeof(h)))
			return -EFAULT;
		for (i = 0; i < ARRAY_SIZE(h.reserved); i++)
			if (h.reserved[i])
				return -EINVAL;
		h.ret = xics_hcall(vcpu, &h);
		return copy_to_user(argp, &h, sizeof(h)) ? -EFAULT : 0;
	case KVM_GET_ONE_REG:
	case KVM_SET_ONE_REG:
		return xics_icp_one_reg(vcpu, ioctl, argp);
	default:
		return -ENOTTY;
	}
}
