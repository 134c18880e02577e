// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip x86 model: the APIC bus, from a message to the LAPICs that
 * accept it.
 *
 * By default the bus answers as KVM 6.1 does, quirks included, so that a
 * guest or VMM cannot tell the two apart: from the APIC map where KVM uses
 * its map (apic_map.c), and otherwise by KVM's matching path, which tests
 * every present LAPIC with kvm_apic_match_dest()'s rules (an xAPIC DFR
 * that is neither flat nor cluster matches nothing; a lowest-priority
 * physical broadcast is made fixed; only software-enabled LAPICs
 * arbitrate; -1 when nothing could take the message).
 *
 * With KVM_IRQCHIP_CAP_X86_STRICT the bus follows the SDM instead (vol. 3,
 * 11.6.2 and 11.6.2.4): every hardware-enabled LAPIC that matches takes a
 * message, DFR[31:28] decides the model, and lowest priority goes to the
 * (vector mod n)-th of the n candidates in vCPU index order (for a
 * broadcast, only software-enabled ones).
 *
 * Matching reads each LAPIC's match snapshot locklessly (see struct
 * kic_lapic); a message racing with a write to ID/LDR/DFR sees either
 * value, as on hardware.  Acceptance takes the LAPIC's own lock.  Runs in
 * any context, under kic->srcu when it comes from a route.
 */
#include <linux/bitmap.h>
#include <linux/compiler.h>
#include <linux/minmax.h>

#include <kvm_irqchip/kic.h>
#include <kvm_irqchip/vcpu.h>

#include "x86.h"

#define KIC_XAPIC_DFR_FLAT	0xffffffffU
#define KIC_XAPIC_DFR_CLUSTER	0x0fffffffU

/*
 * KVM's broadcast quirk: an MSI for 0xff reaches x2APIC-mode LAPICs as an
 * x2APIC broadcast, unless userspace turned the quirk off.
 */
static u32 kic_apic_mda(const struct kic_x86 *x86, u32 dest, bool x2apic)
{
	if (x2apic && dest == KIC_APIC_BROADCAST &&
	    !READ_ONCE(x86->broadcast_quirk_off))
		return KIC_X2APIC_BROADCAST;
	return dest;
}

/**
 * kic_apic_bus_accept() - one LAPIC takes a message
 * @kic: the instance, x86 model
 * @i: the vCPU index
 * @irq: the message
 * @dest_map: NULL, or the bitmap that records who accepted a vectored
 *	message (fixed or lowest priority), and so owes it an EOI
 *
 * Any context.
 *
 * Return: 1 when the LAPIC accepted it, else 0.
 */
int kic_apic_bus_accept(struct kic *kic, u32 i, const struct kic_apic_irq *irq,
			unsigned long *dest_map)
{
	int r = kic_lapic_accept(kic, kic->vcpus[i], irq);

	if (r && dest_map && irq->delivery_mode <= KIC_APIC_DM_LOWEST)
		__set_bit(i, dest_map);
	return r;
}

/* ------------------------------------------------------------------ */
/* KVM_IRQCHIP_CAP_X86_STRICT: the SDM's rules                          */

static bool kic_apic_sdm_match_logical(const struct kic_lapic *l, u32 mda,
				       bool x2apic)
{
	u32 ldr = READ_ONCE(l->match.ldr);

	if (x2apic)
		return (ldr >> 16) == (mda >> 16) && (ldr & mda & 0xffff);
	ldr >>= 24;
	if ((READ_ONCE(l->match.dfr) >> 28) != 0xf)
		return (ldr >> 4) == (mda >> 4) && (ldr & mda & 0xf);
	return ldr & mda;
}

static bool kic_apic_sdm_match(const struct kic_x86 *x86,
			       const struct kic_lapic *l,
			       const struct kic_apic_irq *irq)
{
	bool x2apic = READ_ONCE(l->match.x2apic);
	u32 mda = kic_apic_mda(x86, irq->dest, x2apic);
	u32 id = READ_ONCE(l->match.id);

	if (!READ_ONCE(l->match.enabled))
		return false;
	if (mda == (x2apic ? KIC_X2APIC_BROADCAST : KIC_APIC_BROADCAST))
		return true;
	if (irq->logical)
		return kic_apic_sdm_match_logical(l, mda, x2apic);
	return mda == (x2apic ? id : id >> 24);
}

static bool kic_apic_is_broadcast(const struct kic_apic_irq *irq)
{
	return irq->dest == KIC_APIC_BROADCAST ||
	       irq->dest == KIC_X2APIC_BROADCAST;
}

static int kic_apic_sdm_deliver(struct kic *kic, const struct kic_apic_irq *irq,
				unsigned long *dest_map)
{
	DECLARE_BITMAP(cand, KVM_IRQCHIP_MAX_VCPUS);
	const struct kic_x86 *x86 = kic->model;
	struct kic_apic_irq m = *irq;
	bool lowest, bcast = kic_apic_is_broadcast(irq);
	u32 i, n = 0;
	int r = 0;

	/* A physical broadcast cannot arbitrate: KVM sends it to all. */
	if (!m.logical && m.dest == KIC_APIC_BROADCAST &&
	    m.delivery_mode == KIC_APIC_DM_LOWEST)
		m.delivery_mode = KIC_APIC_DM_FIXED;
	lowest = m.delivery_mode == KIC_APIC_DM_LOWEST || m.rh;

	/* Fixed and the like: every match accepts, in one pass. */
	if (!lowest) {
		for (i = 0; i < kic->nr_vcpus; i++) {
			if (!kic_apic_sdm_match(x86,
						kic_vcpu_lapic(kic->vcpus[i]), &m))
				continue;
			r += kic_apic_bus_accept(kic, i, &m, dest_map);
			n++;
		}
		if (!n)
			kic_stat_inc(kic, KIC_STAT_NO_TARGET);
		return r;
	}

	/* Lowest priority: collect the candidates, then pick one. */
	bitmap_zero(cand, kic->nr_vcpus);
	for (i = 0; i < kic->nr_vcpus; i++) {
		struct kic_lapic *l = kic_vcpu_lapic(kic->vcpus[i]);

		if (!kic_apic_sdm_match(x86, l, &m))
			continue;
		if (bcast && !READ_ONCE(l->match.sw_enabled))
			continue;
		__set_bit(i, cand);
		n++;
	}
	if (!n) {
		kic_stat_inc(kic, KIC_STAT_NO_TARGET);
		return 0;
	}

	i = kic_nth_set_bit(cand, kic->nr_vcpus, m.vector);
	return kic_apic_bus_accept(kic, i, &m, dest_map);
}

/* ------------------------------------------------------------------ */
/* KVM's matching path                                                  */

/**
 * kic_apic_kvm_match() - kvm_apic_match_dest() for a message no LAPIC sent
 * @x86: the model
 * @index: the vCPU index, which is KVM's x2APIC ID
 * @l: the LAPIC, hardware-enabled
 * @irq: the message
 *
 * Any context.
 *
 * Return: true when the LAPIC is addressed.
 */
bool kic_apic_kvm_match(const struct kic_x86 *x86, u32 index,
			const struct kic_lapic *l, const struct kic_apic_irq *irq)
{
	bool x2apic = READ_ONCE(l->match.x2apic);
	u32 mda = kic_apic_mda(x86, irq->dest, x2apic);
	u32 ldr;

	if (mda == (x2apic ? KIC_X2APIC_BROADCAST : KIC_APIC_BROADCAST))
		return true;
	if (!irq->logical) {
		/* KVM's hot-plug rule: IDs above 0xff are x2APIC IDs. */
		if (x2apic || mda > 0xff)
			return mda == index;
		return mda == READ_ONCE(l->match.id) >> 24;
	}
	ldr = READ_ONCE(l->match.ldr);
	if (x2apic)
		return (ldr >> 16) == (mda >> 16) && (ldr & mda & 0xffff);
	ldr >>= 24;
	switch (READ_ONCE(l->match.dfr)) {
	case KIC_XAPIC_DFR_FLAT:
		return ldr & mda;
	case KIC_XAPIC_DFR_CLUSTER:
		return (ldr >> 4) == (mda >> 4) && (ldr & mda & 0xf);
	default:
		return false;
	}
}

/* KVM's arbitration among candidates: the (vector mod n)-th, or arb_prio. */
static int kic_apic_kvm_pick(struct kic *kic, const unsigned long *cand,
			     u32 n, u8 vector)
{
	u32 i, pick = U32_MAX, best = 0, prio;

	if (!n)
		return -1;
	if (READ_ONCE(kic_x86(kic)->vector_hashing))
		return kic_nth_set_bit(cand, kic->nr_vcpus, vector);
	for_each_set_bit(i, cand, kic->nr_vcpus) {
		prio = READ_ONCE(kic_vcpu_lapic(kic->vcpus[i])->arb_prio);
		if (pick == U32_MAX || (int)(prio - best) < 0) {
			pick = i;
			best = prio;
		}
	}
	return pick;
}

/**
 * kic_apic_kvm_slow() - KVM's matching path (kvm_irq_delivery_to_apic())
 * @kic: the instance, x86 model
 * @irq: the message; a lowest-priority physical broadcast is made fixed
 * @dest_map: as for kic_apic_bus_deliver()
 *
 * Any context.
 *
 * Return: the number of LAPICs that accepted it, or -1 when no LAPIC
 * matched (any message) or none that matched is software-enabled (lowest
 * priority): KVM's answer, which KVM_SIGNAL_MSI turns into -EPERM.
 */
int kic_apic_kvm_slow(struct kic *kic, struct kic_apic_irq *irq,
		      unsigned long *dest_map)
{
	DECLARE_BITMAP(cand, KVM_IRQCHIP_MAX_VCPUS);
	const struct kic_x86 *x86 = kic->model;
	bool lowest = irq->delivery_mode == KIC_APIC_DM_LOWEST || irq->rh;
	int r = -1, pick;
	u32 i, n = 0;

	if (!irq->logical && irq->dest == KIC_APIC_BROADCAST && lowest) {
		irq->delivery_mode = KIC_APIC_DM_FIXED;
		lowest = irq->rh;
	}

	bitmap_zero(cand, kic->nr_vcpus);
	for (i = 0; i < kic->nr_vcpus; i++) {
		struct kic_lapic *l = kic_vcpu_lapic(kic->vcpus[i]);

		if (!READ_ONCE(l->match.enabled) ||
		    !kic_apic_kvm_match(x86, i, l, irq))
			continue;
		if (!lowest) {
			r = max(r, 0) + kic_apic_bus_accept(kic, i, irq,
							    dest_map);
		} else if (READ_ONCE(l->match.sw_enabled)) {
			__set_bit(i, cand);
			n++;
		}
	}
	pick = kic_apic_kvm_pick(kic, cand, n, irq->vector);
	if (pick >= 0)
		r = kic_apic_bus_accept(kic, pick, irq, dest_map);
	return r;
}

/**
 * kic_apic_bus_deliver() - deliver a message to every LAPIC it is for
 * @kic: the instance, x86 model
 * @irq: the message
 * @dest_map: NULL, or a bitmap of KVM_IRQCHIP_MAX_VCPUS bits in which the
 *	index of every vCPU that accepts the message is set
 *
 * Any context.
 *
 * Return: the number of LAPICs that accepted it; -1 where KVM's matching
 * path returns it (see kic_apic_kvm_slow()).
 */
int kic_apic_bus_deliver(struct kic *kic, const struct kic_apic_irq *irq,
			 unsigned long *dest_map)
{
	const struct kic_x86 *x86 = kic->model;
	struct kic_apic_irq m;
	int r;

	if (x86->bridge)
		return kic_kvm_bridge_deliver(kic, irq, dest_map);
	if (READ_ONCE(x86->strict))
		return kic_apic_sdm_deliver(kic, irq, dest_map);
	if (!kic_apic_map_deliver(kic, irq, dest_map, &r)) {
		m = *irq;
		r = kic_apic_kvm_slow(kic, &m, dest_map);
	}
	if (r <= 0)
		kic_stat_inc(kic, KIC_STAT_NO_TARGET);
	return r;
}
