// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip XICS model: the interrupt source controllers (ICS).
 *
 * An ICS is created with a BUID and a number of sources; a source's global
 * interrupt number is BUID << 10 | source, KVM's numbering.  A trigger
 * updates the source (P/Q for messages, the line for level-sensitive
 * sources, PAPR 14.5.4.2 and KVM's book3s_xics.c) and, when the interrupt
 * becomes presentable, offers it to the ICP of its server (icp.c).
 *
 * Rejects and resends.  An ICP that takes a more favoured interrupt hands
 * back the one it displaces (a reject); an ICP that cannot take one marks
 * itself need_resend and the source resend.  Either way the source waits
 * with @resend set and its BUID set in xics->resend_map, and xics_resend()
 * offers every such source again.  It runs right away in process context
 * (hypercalls, KVM_IRQ_LINE, RTAS) and from the instance's one work item
 * when the reject happened in the eventfd wakeup: the same function for
 * both, so the fast path only records what it cannot finish.
 *
 * LOCKING and LIFETIME: see xics.h.  xics->resend_map bits are set before
 * the ICP lock of the failed delivery is released (icp.c) and cleared
 * before the ICS is scanned, so a scan that follows a need_resend latch
 * cannot miss a source.
 */
#include <linux/slab.h>

#include <kvm_irqchip/ack.h>
#include <kvm_irqchip/model.h>

#include "xics.h"

/**
 * xics_ics_find() - the ICS of a global interrupt number
 * @xics: the model
 * @irq: the global interrupt number
 * @source: out: the source within the ICS
 *
 * Any context.
 *
 * Return: the ICS, or NULL when @irq is reserved or names no source.
 */
struct xics_ics *xics_ics_find(struct kic_xics *xics, u32 irq, u32 *source)
{
	u32 buid = xics_irq_buid(irq);
	struct xics_ics *ics;

	if (irq < KVM_IRQCHIP_XICS_FIRST_IRQ || buid >= XICS_NR_ICS)
		return NULL;
	/* Pairs with smp_store_release() in xics_ics_create(). */
	ics = smp_load_acquire(&xics->ics[buid]);
	if (!ics || xics_irq_source(irq) >= ics->nr_sources)
		return NULL;
	*source = xics_irq_source(irq);
	return ics;
}

/**
 * xics_ics_create() - KVM_IRQCHIP_XICS_CREATE_ICS
 * @xics: the model
 * @args: the request, copied from userspace
 *
 * Process context, kic->lock held.
 *
 * Return: 0; -EINVAL for a BUID or number of sources out of range or
 * non-zero flags/padding; -EEXIST when the BUID is taken; -ENOMEM.
 */
int xics_ics_create(struct kic_xics *xics,
		    const struct kvm_irqchip_xics_ics *args)
{
	struct xics_ics *ics;
	u32 i;

	lockdep_assert_held(&xics->kic->lock);
	if (args->flags || args->pad || args->reserved[0] || args->reserved[1])
		return -EINVAL;
	if (args->buid > KVM_IRQCHIP_XICS_MAX_BUID || !args->nr_sources ||
	    args->nr_sources > KVM_IRQCHIP_XICS_MAX_SOURCES)
		return -EINVAL;
	if (xics->ics[args->buid])
		return -EEXIST;

	ics = kzalloc(struct_size(ics, src, args->nr_sources),
		      GFP_KERNEL_ACCOUNT);
	if (!ics)
		return -ENOMEM;
	spin_lock_init(&ics->lock);
	ics->buid = args->buid;
	ics->nr_sources = args->nr_sources;
	for (i = 0; i < ics->nr_sources; i++) {
		ics->src[i].priority = XICS_MASKED;
		ics->src[i].saved_priority = XICS_MASKED;
		ics->src[i].gsi = XICS_NO_GSI;
	}
	/* Pairs with smp_load_acquire() in xics_ics_find(). */
	smp_store_release(&xics->ics[args->buid], ics);
	return 0;
}

/**
 * xics_present_locked() - offer a source to the ICP of its server
 * @xics: the model
 * @ics: the source's ICS, locked
 * @idx: the source
 *
 * A masked source remembers the offer (masked_pending); a refused one is
 * marked for resend by the ICP and here.  A level source whose line went
 * down in the meantime has nothing left to present.
 *
 * Return: the interrupt the ICP displaced to take this one (to be passed
 * to xics_reject() once @ics is unlocked), or 0.
 */
u32 xics_present_locked(struct kic_xics *xics, struct xics_ics *ics, u32 idx)
{
	struct xics_source *s = &ics->src[idx];
	struct xics_icp *icp;
	u32 reject = 0;

	lockdep_assert_held(&ics->lock);
	s->resend = false;
	if (s->lsi && !(s->pq & XICS_PQ_P)) {
		s->masked_pending = false;
		return 0;
	}
	if (s->priority == XICS_MASKED) {
		s->masked_pending = true;
		return 0;
	}
	/* Unmasked sources always name a server that exists. */
	icp = xics_icp_find(xics, s->server);
	if (WARN_ON_ONCE(!icp))
		return 0;
	if (!xics_icp_try_deliver(xics, icp, xics_irq(ics->buid, idx),
				  s->priority, ics->buid, &reject))
		s->resend = true;
	return reject;
}

/* A source to offer again: mark it, for xics_resend(). */
static void xics_mark_resend(struct kic_xics *xics, u32 irq)
{
	struct xics_ics *ics;
	unsigned long flags;
	u32 idx;

	ics = xics_ics_find(xics, irq, &idx);
	/* Only sources are presented, and ICSes never go away. */
	if (WARN_ON_ONCE(!ics))
		return;
	spin_lock_irqsave(&ics->lock, flags);
	ics->src[idx].resend = true;
	set_bit(ics->buid, xics->resend_map);
	spin_unlock_irqrestore(&ics->lock, flags);
}

/**
 * xics_reject() - an ICP displaced @irq: offer it again
 * @xics: the model
 * @irq: the rejected interrupt (not the IPI)
 * @how: KIC_SET_ATOMIC when called in atomic context
 *
 * The offer is made now, or from the instance's work item in atomic
 * context: a rejected source may be anywhere, and the resend walks ICSes.
 * No ICS or ICP lock held.
 */
void xics_reject(struct kic_xics *xics, u32 irq, unsigned int how)
{
	xics_mark_resend(xics, irq);
	if (how & KIC_SET_ATOMIC)
		queue_work(xics->kic->wq, &xics->resend_work);
	else
		xics_resend(xics);
}

/* One pass over an ICS; true when an offer displaced another interrupt. */
static bool xics_ics_resend(struct kic_xics *xics, struct xics_ics *ics)
{
	bool rejected = false;
	unsigned long flags;
	u32 i, reject;

	for (i = 0; i < ics->nr_sources; i++) {
		spin_lock_irqsave(&ics->lock, flags);
		reject = ics->src[i].resend ? xics_present_locked(xics, ics, i) : 0;
		spin_unlock_irqrestore(&ics->lock, flags);
		if (reject) {
			xics_mark_resend(xics, reject);
			rejected = true;
		}
	}
	return rejected;
}

/**
 * xics_resend() - offer again every source marked for resend
 * @xics: the model
 *
 * Process context, no ICS or ICP lock held.  Sources whose ICP still
 * refuses them stay marked (and their ICP need_resend); sources displaced
 * during the walk are walked again.  That ends: each displacement needs a
 * strictly more favoured interrupt at an ICP.
 */
void xics_resend(struct kic_xics *xics)
{
	unsigned long buid;
	bool again;

	do {
		again = false;
		for_each_set_bit(buid, xics->resend_map, XICS_NR_ICS)
			if (test_and_clear_bit(buid, xics->resend_map))
				again |= xics_ics_resend(xics, xics->ics[buid]);
	} while (again);
}

void xics_resend_work(struct work_struct *work)
{
	xics_resend(container_of(work, struct kic_xics, resend_work));
}

/* A message (or edge) source: PAPR's P and Q bits. */
static int xics_msi_trigger(struct kic *kic, struct xics_source *s,
			    bool *present)
{
	if (!(s->pq & XICS_PQ_P)) {
		s->pq = XICS_PQ_P;
		*present = true;
		return 1;
	}
	if (!(s->pq & XICS_PQ_Q)) {
		s->pq |= XICS_PQ_Q;	/* presented again at the EOI */
		return 1;
	}
	kic_stat_inc(kic, KIC_STAT_COALESCED);
	return 0;
}

/* A level source: P follows the OR of the lines that drive it. */
static int xics_lsi_set(struct kic *kic, struct xics_source *s,
			unsigned int src, int level, bool *present)
{
	if (!level) {
		s->levels &= ~BIT(src);
		if (!s->levels)
			s->pq &= ~XICS_PQ_P;
		return 0;
	}
	s->levels |= BIT(src);
	if (s->pq & XICS_PQ_P) {
		kic_stat_inc(kic, KIC_STAT_COALESCED);
		return 0;
	}
	s->pq |= XICS_PQ_P;
	*present = true;
	return 1;
}

/**
 * xics_source_trigger() - raise or lower a source
 * @xics: the model
 * @irq: the global interrupt number
 * @gsi: the route's GSI, reported at the EOI; XICS_NO_GSI when none
 * @src: who drives it (enum kic_src)
 * @level: 1 to raise, 0 to lower; a message source ignores lowering
 * @how: KIC_SET_*; with KIC_SET_PULSE a level source is lowered again
 *	right after the offer
 *
 * Any context (KIC_SET_ATOMIC in atomic context).
 *
 * Return: 1 when the trigger was taken (presented or queued behind the one
 * presented), 0 when coalesced with a pending one, -1 for a lowering that
 * does nothing, -EINVAL when @irq names no source.
 */
int xics_source_trigger(struct kic_xics *xics, u32 irq, u32 gsi,
			unsigned int src, int level, unsigned int how)
{
	struct kic *kic = xics->kic;
	bool present = false;
	struct xics_source *s;
	struct xics_ics *ics;
	unsigned long flags;
	u32 idx, reject = 0;
	int ret;

	ics = xics_ics_find(xics, irq, &idx);
	if (!ics)
		return -EINVAL;
	s = &ics->src[idx];

	spin_lock_irqsave(&ics->lock, flags);
	if (gsi != XICS_NO_GSI)
		WRITE_ONCE(s->gsi, gsi);
	if (s->lsi)
		ret = xics_lsi_set(kic, s, src, level, &present);
	else
		ret = level ? xics_msi_trigger(kic, s, &present) : -1;
	if (present)
		reject = xics_present_locked(xics, ics, idx);
	if (s->lsi && level && how & KIC_SET_PULSE)
		xics_lsi_set(kic, s, src, 0, &present);
	spin_unlock_irqrestore(&ics->lock, flags);

	if (reject)
		xics_reject(xics, reject, how);
	return ret;
}

/**
 * xics_source_eoi() - the ICS half of H_EOI
 * @xics: the model
 * @irq: the interrupt the guest completed, a source (not the IPI)
 *
 * The GSI's resamplers and EOI eventfds hear of it first, so that a
 * resampled line is lowered before the EOI looks at it (as KVM's IOAPIC
 * does); then a message source moves Q into P and a level source still
 * asserted is presented again (PAPR 14.5.4.2.2, "EOI").
 * Process context, no lock held.
 *
 * Return: 0, or -EINVAL when @irq names no source.
 */
int xics_source_eoi(struct kic_xics *xics, u32 irq)
{
	struct xics_source *s;
	struct xics_ics *ics;
	unsigned long flags;
	u32 idx, gsi, reject = 0;

	ics = xics_ics_find(xics, irq, &idx);
	if (!ics)
		return -EINVAL;
	s = &ics->src[idx];

	gsi = READ_ONCE(s->gsi);
	if (gsi != XICS_NO_GSI)
		kic_gsi_acked(xics->kic, gsi);

	spin_lock_irqsave(&ics->lock, flags);
	if (!s->lsi)
		s->pq >>= 1;
	if (s->pq & XICS_PQ_P)
		reject = xics_present_locked(xics, ics, idx);
	spin_unlock_irqrestore(&ics->lock, flags);

	if (reject)
		xics_reject(xics, reject, 0);
	return 0;
}

/**
 * xics_source_get() - a source's state in KVM's KVM_DEV_XICS_GRP_SOURCES
 *	encoding
 * @xics: the model
 * @irq: the global interrupt number
 * @val: out: the state
 *
 * Return: 0, or -ENOENT when @irq names no source (as KVM).
 */
int xics_source_get(struct kic_xics *xics, u64 irq, u64 *val)
{
	struct xics_source *s;
	struct xics_ics *ics;
	unsigned long flags;
	u64 v, prio;
	u32 idx;

	ics = irq <= U32_MAX ? xics_ics_find(xics, irq, &idx) : NULL;
	if (!ics)
		return -ENOENT;
	s = &ics->src[idx];

	spin_lock_irqsave(&ics->lock, flags);
	v = s->server;
	prio = s->priority;
	if (prio == XICS_MASKED) {
		v |= KVM_IRQCHIP_XICS_MASKED_BIT;
		prio = s->saved_priority;
	}
	v |= prio << KVM_IRQCHIP_XICS_PRIORITY_SHIFT;
	if (s->lsi) {
		v |= KVM_IRQCHIP_XICS_LEVEL_SENSITIVE;
		if (s->pq & XICS_PQ_P)
			v |= KVM_IRQCHIP_XICS_PENDING;
	} else if (s->masked_pending || s->resend) {
		v |= KVM_IRQCHIP_XICS_PENDING;
	}
	if (s->pq & XICS_PQ_P)
		v |= KVM_IRQCHIP_XICS_PRESENTED;
	if (s->pq & XICS_PQ_Q)
		v |= KVM_IRQCHIP_XICS_QUEUED;
	spin_unlock_irqrestore(&ics->lock, flags);

	*val = v;
	return 0;
}

#define XICS_SOURCE_STATE_BITS						\
	(KVM_IRQCHIP_XICS_DESTINATION_MASK |				\
	 KVM_IRQCHIP_XICS_PRIORITY_MASK << KVM_IRQCHIP_XICS_PRIORITY_SHIFT | \
	 KVM_IRQCHIP_XICS_LEVEL_SENSITIVE | KVM_IRQCHIP_XICS_MASKED_BIT | \
	 KVM_IRQCHIP_XICS_PENDING | KVM_IRQCHIP_XICS_PRESENTED |	\
	 KVM_IRQCHIP_XICS_QUEUED)

static u8 xics_state_priority(u64 val)
{
	return (val >> KVM_IRQCHIP_XICS_PRIORITY_SHIFT) &
	       KVM_IRQCHIP_XICS_PRIORITY_MASK;
}

/**
 * xics_source_set() - restore a source from KVM's encoding
 * @xics: the model
 * @irq: the global interrupt number
 * @val: the state
 *
 * As KVM: a pending source is offered to its server now; an interrupt
 * the saved ICPs hold is not (their state brings it back, see icp.c).
 * The line of a level source that is pending is held by KIC_SRC_USER
 * until the VMM lowers it.  Process context.
 *
 * Return: 0; -ENOENT when @irq names no source; -EINVAL for unknown bits
 * or an unknown server with a priority other than 0xff.
 */
int xics_source_set(struct kic_xics *xics, u64 irq, u64 val)
{
	u8 prio = xics_state_priority(val);
	u32 server = val & KVM_IRQCHIP_XICS_DESTINATION_MASK;
	struct xics_source *s;
	struct xics_ics *ics;
	unsigned long flags;
	u32 idx, reject = 0;

	ics = irq <= U32_MAX ? xics_ics_find(xics, irq, &idx) : NULL;
	if (!ics)
		return -ENOENT;
	if (val & ~XICS_SOURCE_STATE_BITS)
		return -EINVAL;
	if (prio != XICS_MASKED && !xics_icp_find(xics, server))
		return -EINVAL;
	s = &ics->src[idx];

	spin_lock_irqsave(&ics->lock, flags);
	s->server = server;
	s->saved_priority = prio;
	s->priority = val & KVM_IRQCHIP_XICS_MASKED_BIT ? XICS_MASKED : prio;
	s->lsi = val & KVM_IRQCHIP_XICS_LEVEL_SENSITIVE;
	s->resend = false;
	s->masked_pending = false;
	s->pq = 0;
	if (val & (KVM_IRQCHIP_XICS_PRESENTED | KVM_IRQCHIP_XICS_PENDING))
		s->pq |= XICS_PQ_P;
	if (val & KVM_IRQCHIP_XICS_QUEUED)
		s->pq |= XICS_PQ_Q;
	s->levels = s->lsi && s->pq & XICS_PQ_P ? BIT(KIC_SRC_USER) : 0;
	if (val & KVM_IRQCHIP_XICS_PENDING)
		reject = xics_present_locked(xics, ics, idx);
	spin_unlock_irqrestore(&ics->lock, flags);

	if (reject)
		xics_reject(xics, reject, 0);
	return 0;
}
