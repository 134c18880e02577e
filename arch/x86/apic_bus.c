// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip x86 model: the APIC bus, from a message to the LAPICs that
 * accept it (Intel SDM vol. 3, 11.6.2 and 11.6.2.4).
 *
 * Matching reads each LAPIC's match snapshot locklessly (see struct
 * kic_lapic); a message racing with a write to ID/LDR/DFR sees either
 * value, as on hardware.  Acceptance takes the LAPIC's own lock.  Runs in
 * any context, under kic->srcu when it comes from a route.
 *
 * Where the SDM leaves lowest-priority arbitration to the implementation,
 * this follows KVM's default (vector hashing): the (vector mod n)-th of the
 * n candidates, in vCPU index order.  Candidates are the hardware-enabled
 * LAPICs that match; for a broadcast only software-enabled ones, as in
 * KVM's broadcast path.
 */
#include <linux/bitmap.h>
#include <linux/compiler.h>

#include <kvm_irqchip/kic.h>
#include <kvm_irqchip/vcpu.h>

#include "x86.h"

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

static bool kic_apic_match_logical(const struct kic_lapic *l, u32 mda,
				   bool x2apic)
{
	u32 ldr = READ_ONCE(l->match.ldr);

	if (x2apic)
		return (ldr >> 16) == (mda >> 16) && (ldr & mda & 0xffff);
	if (READ_ONCE(l->match.cluster))
		return (ldr >> 4) == (mda >> 4) && (ldr & mda & 0xf);
	return ldr & mda;
}

static bool kic_apic_match(const struct kic_x86 *x86, const struct kic_lapic *l,
			   const struct kic_apic_irq *irq)
{
	bool x2apic = READ_ONCE(l->match.x2apic);
	u32 mda = kic_apic_mda(x86, irq->dest, x2apic);

	if (!READ_ONCE(l->match.enabled))
		return false;
	if (mda == (x2apic ? KIC_X2APIC_BROADCAST : KIC_APIC_BROADCAST))
		return true;
	if (irq->logical)
		return kic_apic_match_logical(l, mda, x2apic);
	return mda == READ_ONCE(l->match.id);
}

static bool kic_apic_is_broadcast(const struct kic_apic_irq *irq)
{
	return irq->dest == KIC_APIC_BROADCAST ||
	       irq->dest == KIC_X2APIC_BROADCAST;
}

/* One LAPIC takes the message; @dest_map records who did. */
static int kic_apic_bus_accept(struct kic *kic, u32 i,
			       const struct kic_apic_irq *irq,
			       unsigned long *dest_map)
{
	int r = kic_lapic_accept(kic, kic->vcpus[i], irq);

	if (r && dest_map)
		__set_bit(i, dest_map);
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
 * Return: the number of LAPICs that accepted it.
 */
int kic_apic_bus_deliver(struct kic *kic, const struct kic_apic_irq *irq,
			 unsigned long *dest_map)
{
	DECLARE_BITMAP(cand, KVM_IRQCHIP_MAX_VCPUS);
	const struct kic_x86 *x86 = kic->model;
	struct kic_apic_irq m = *irq;
	bool lowest, bcast = kic_apic_is_broadcast(irq);
	u32 i, n = 0, pick;
	int r = 0;

	if (x86->bridge)
		return kic_kvm_bridge_deliver(kic, irq, dest_map);

	/* A physical broadcast cannot arbitrate: KVM sends it to all. */
	if (!m.logical && m.dest == KIC_APIC_BROADCAST &&
	    m.delivery_mode == KIC_APIC_DM_LOWEST)
		m.delivery_mode = KIC_APIC_DM_FIXED;
	lowest = m.delivery_mode == KIC_APIC_DM_LOWEST || m.rh;

	/* Fixed and the like: every match accepts, in one pass. */
	if (!lowest) {
		for (i = 0; i < kic->nr_vcpus; i++) {
			if (!kic_apic_match(x86, kic_vcpu_lapic(kic->vcpus[i]), &m))
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

		if (!kic_apic_match(x86, l, &m))
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

	i = find_first_bit(cand, kic->nr_vcpus);
	for (pick = m.vector % n; pick; pick--)
		i = find_next_bit(cand, kic->nr_vcpus, i + 1);
	return kic_apic_bus_accept(kic, i, &m, dest_map);
}
