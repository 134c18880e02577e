// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip x86 model: the APIC map, KVM's fast path from a destination
 * to the LAPICs that take a message.
 *
 * KVM 6.1 answers most messages from a map it rebuilds whenever a LAPIC's
 * addressing changes, and only the rest (broadcasts, a mix of logical
 * models) by matching every LAPIC.  The two disagree in corners (which of
 * two LAPICs with one ID gets a physical message, whether a
 * software-disabled LAPIC is in a logical destination, which vCPU wins a
 * lowest-priority arbitration), and a guest or VMM sees whichever KVM
 * used.  So this file builds the same map, with the same insertion order,
 * and answers from it exactly when KVM's map would (see
 * kvm_recalculate_apic_map() and kvm_apic_map_get_dest_lapic() in
 * arch/x86/kvm/lapic.c for what is mirrored).  apic_bus.c has the rest.
 *
 * One place differs on purpose (Documentation/virt/kvm-irqchip/api.rst,
 * section 6): when vector hashing picks a destination bit that no LAPIC
 * holds, KVM drops the interrupt; this map gives it to the (vector mod n)-th
 * of the n LAPICs the destination does hold.
 *
 * LOCKING
 *   x86->map is published with rcu_assign_pointer() under x86->map_lock
 *   and read under rcu_read_lock() from any context.  A rebuild reads the
 *   LAPICs' match snapshots (struct kic_lapic); every writer of a snapshot
 *   rebuilds after writing, so the last rebuild sees the last write.
 * LIFETIME
 *   A map is immutable once published and freed after a grace period;
 *   the last one goes with the model (kic_apic_map_free()).
 */
#include <linux/bitops.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

#include <kvm_irqchip/kic.h>
#include <kvm_irqchip/vcpu.h>

#include "x86.h"

/* The logical models present, as KVM's map records them. */
#define KIC_MAP_X2APIC		BIT(0)
#define KIC_MAP_XAPIC_FLAT	BIT(1)
#define KIC_MAP_XAPIC_CLUSTER	BIT(2)

#define KIC_MAP_NONE		(-1)
#define KIC_MAP_MIN_MAX_ID	0xffU	/* room for every xAPIC ID */
#define KIC_XAPIC_DFR_FLAT	0xffffffffU

/**
 * struct kic_apic_map - who answers to which destination
 * @rcu: frees the map after readers are done
 * @max_id: the highest physical ID with a slot
 * @mode: KIC_MAP_* of the software-enabled LAPICs with a logical ID
 * @flat: xAPIC flat model: the LAPIC of each logical ID bit
 * @cluster: xAPIC cluster model: per cluster, the LAPIC of each bit
 * @phys: per physical ID, a vCPU index; in x2APIC mode also the logical
 *	clusters, 16 IDs each
 *
 * Slots hold a vCPU index or KIC_MAP_NONE.
 */
struct kic_apic_map {
	struct rcu_head rcu;
	u32 max_id;
	u8 mode;
	s16 flat[8];
	s16 cluster[16][4];
	s16 phys[];
};

/*
 * Lowest-priority arbitration follows KVM's kvm.vector_hashing; a VMM
 * comparing with KVM loads both modules with the same value.  Read when an
 * instance is created.
 */
bool kic_vector_hashing = true;
module_param_named(vector_hashing, kic_vector_hashing, bool, 0644);
MODULE_PARM_DESC(vector_hashing,
		 "Lowest-priority arbitration by vector hashing, as KVM's kvm.vector_hashing (default y)");

/*
 * The slots a logical destination indexes, and in @mask its bits that
 * have a slot; NULL when the map has no single logical model.
 */
static s16 *apic_map_logical(struct kic_apic_map *map, u32 dest, u16 *mask)
{
	u32 offset, size;

	switch (map->mode) {
	case KIC_MAP_X2APIC:
		offset = (dest >> 16) * 16;
		*mask = 0;
		if (offset > map->max_id)
			return map->phys;
		size = min(map->max_id - offset + 1, 16U);
		*mask = dest & (0xffff >> (16 - size));
		return &map->phys[offset];
	case KIC_MAP_XAPIC_FLAT:
		*mask = dest & 0xff;
		return map->flat;
	case KIC_MAP_XAPIC_CLUSTER:
		*mask = dest & 0xf;
		return map->cluster[(dest >> 4) & 0xf];
	default:
		return NULL;
	}
}

/* One LAPIC's entries, in vCPU index order as KVM adds them. */
static void apic_map_add(struct kic_apic_map *map, u32 i,
			 const struct kic_lapic *l)
{
	bool x2apic = READ_ONCE(l->match.x2apic);
	u32 xapic_id = READ_ONCE(l->match.id) >> 24;
	u32 ldr = READ_ONCE(l->match.ldr);
	s16 *slots;
	u16 mask;

	/* x2APIC IDs are vCPU indices; a hot-plug index above 0xff too. */
	if ((x2apic || i > KIC_MAP_MIN_MAX_ID) && i <= map->max_id)
		map->phys[i] = i;
	if (!x2apic && map->phys[xapic_id] == KIC_MAP_NONE)
		map->phys[xapic_id] = i;

	if (!READ_ONCE(l->match.sw_enabled))
		return;
	if (x2apic) {
		map->mode |= KIC_MAP_X2APIC;
	} else if (ldr) {
		ldr >>= 24;
		map->mode |= READ_ONCE(l->match.dfr) == KIC_XAPIC_DFR_FLAT ?
			     KIC_MAP_XAPIC_FLAT : KIC_MAP_XAPIC_CLUSTER;
	}
	slots = apic_map_logical(map, ldr, &mask);
	if (slots && mask)
		slots[__ffs(mask)] = i;
}

static struct kic_apic_map *apic_map_build(struct kic *kic)
{
	struct kic_apic_map *map;
	u32 i, max_id = KIC_MAP_MIN_MAX_ID;

	for (i = 0; i < kic->nr_vcpus; i++)
		if (READ_ONCE(kic_vcpu_lapic(kic->vcpus[i])->match.enabled))
			max_id = max(max_id, i);

	map = kmalloc(struct_size(map, phys, max_id + 1), GFP_KERNEL_ACCOUNT);
	if (!map)
		return NULL;
	map->max_id = max_id;
	map->mode = 0;
	memset(map->flat, 0xff, sizeof(map->flat));		/* KIC_MAP_NONE */
	memset(map->cluster, 0xff, sizeof(map->cluster));
	memset(map->phys, 0xff, (max_id + 1) * sizeof(map->phys[0]));

	for (i = 0; i < kic->nr_vcpus; i++) {
		struct kic_lapic *l = kic_vcpu_lapic(kic->vcpus[i]);

		if (READ_ONCE(l->match.enabled))
			apic_map_add(map, i, l);
	}
	return map;
}

/**
 * kic_apic_map_update() - rebuild the map after a LAPIC's addressing changed
 * @kic: the instance, x86 model
 *
 * Process context; may sleep.  When the map cannot be allocated every
 * message takes the matching path, as in KVM.
 */
void kic_apic_map_update(struct kic *kic)
{
	struct kic_x86 *x86 = kic_x86(kic);
	struct kic_apic_map *new, *old;

	might_sleep();
	mutex_lock(&x86->map_lock);
	new = apic_map_build(kic);
	old = rcu_dereference_protected(x86->map,
					lockdep_is_held(&x86->map_lock));
	rcu_assign_pointer(x86->map, new);
	mutex_unlock(&x86->map_lock);
	if (old)
		kfree_rcu(old, rcu);
}

/**
 * kic_apic_map_init() - the first map, once every LAPIC exists
 * @kic: the instance, x86 model
 *
 * Return: 0 or -ENOMEM.
 */
int kic_apic_map_init(struct kic *kic)
{
	struct kic_x86 *x86 = kic_x86(kic);

	mutex_init(&x86->map_lock);
	kic_apic_map_update(kic);
	return rcu_access_pointer(x86->map) ? 0 : -ENOMEM;
}

/**
 * kic_apic_map_free() - free the map with the model
 * @kic: the instance, x86 model, no longer delivering
 */
void kic_apic_map_free(struct kic *kic)
{
	struct kic_x86 *x86 = kic_x86(kic);

	kfree_rcu(rcu_dereference_protected(x86->map, true), rcu);
	RCU_INIT_POINTER(x86->map, NULL);
}

/* kvm_apic_is_broadcast_dest() for a message that no LAPIC sent */
static bool apic_map_broadcast(const struct kic_x86 *x86,
			       const struct kic_apic_map *map, u32 dest)
{
	if (READ_ONCE(x86->broadcast_quirk_off))
		return (dest == KIC_APIC_BROADCAST &&
			map->mode != KIC_MAP_X2APIC) ||
		       dest == KIC_X2APIC_BROADCAST;
	return dest == KIC_APIC_BROADCAST;
}

/* KVM's arbitration without vector hashing: the lowest arb_prio, first wins */
static int apic_map_lowest_prio(struct kic *kic, const s16 *slots,
				unsigned long mask)
{
	int b, pick = KIC_MAP_NONE;
	u32 best = 0, prio;

	for_each_set_bit(b, &mask, 16) {
		if (slots[b] == KIC_MAP_NONE)
			continue;
		prio = READ_ONCE(kic_vcpu_lapic(kic->vcpus[slots[b]])->arb_prio);
		if (pick == KIC_MAP_NONE || (int)(prio - best) < 0) {
			pick = slots[b];
			best = prio;
		}
	}
	return pick;
}

/* The vCPU a lowest-priority message to @mask goes to, or KIC_MAP_NONE. */
static int apic_map_arbitrate(struct kic *kic, const s16 *slots, u16 mask,
			      u8 vector)
{
	unsigned long held = 0, mask_l = mask;
	int b;

	if (!READ_ONCE(kic_x86(kic)->vector_hashing))
		return apic_map_lowest_prio(kic, slots, mask);
	if (!mask)
		return KIC_MAP_NONE;
	b = kic_nth_set_bit(&mask_l, 16, vector);
	if (slots[b] != KIC_MAP_NONE)
		return slots[b];

	/*
	 * KVM drops the interrupt here ("Disabled LAPIC found during irq
	 * injection"); hash among the LAPICs the destination holds instead.
	 */
	for (b = 0; b < 16; b++)
		if (mask & BIT(b) && slots[b] != KIC_MAP_NONE)
			__set_bit(b, &held);
	if (!held)
		return KIC_MAP_NONE;
	return slots[kic_nth_set_bit(&held, 16, vector)];
}

/**
 * kic_apic_map_deliver() - deliver through the map, where KVM would
 * @kic: the instance, x86 model
 * @irq: the message
 * @dest_map: as for kic_apic_bus_deliver()
 * @r: set to the number of LAPICs that accepted, when handled
 *
 * Any context.
 *
 * Return: true when the map decided; false for the matching path
 * (broadcasts, no single logical model, no map).
 */
bool kic_apic_map_deliver(struct kic *kic, const struct kic_apic_irq *irq,
			  unsigned long *dest_map, int *r)
{
	struct kic_apic_map *map;
	bool handled = true;
	unsigned long mask;
	u16 bits;
	s16 *slots;
	int i, b;

	rcu_read_lock();
	map = rcu_dereference(kic_x86(kic)->map);
	if (!map || apic_map_broadcast(kic_x86(kic), map, irq->dest)) {
		handled = false;
		goto out;
	}

	*r = 0;
	if (!irq->logical) {
		/* One slot: lowest priority arbitrates among one LAPIC. */
		if (irq->dest <= map->max_id &&
		    map->phys[irq->dest] != KIC_MAP_NONE)
			*r = kic_apic_bus_accept(kic, map->phys[irq->dest], irq,
						 dest_map);
		goto out;
	}

	slots = apic_map_logical(map, irq->dest, &bits);
	if (!slots) {
		handled = false;
		goto out;
	}
	if (irq->delivery_mode == KIC_APIC_DM_LOWEST || irq->rh) {
		i = apic_map_arbitrate(kic, slots, bits, irq->vector);
		if (i != KIC_MAP_NONE)
			*r = kic_apic_bus_accept(kic, i, irq, dest_map);
		goto out;
	}
	mask = bits;
	for_each_set_bit(b, &mask, 16)
		if (slots[b] != KIC_MAP_NONE)
			*r += kic_apic_bus_accept(kic, slots[b], irq, dest_map);
out:
	rcu_read_unlock();
	return handled;
}
