/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm-irqchip: the GSI routing table.
 */
#ifndef _KVM_IRQCHIP_ROUTING_H
#define _KVM_IRQCHIP_ROUTING_H

#include <linux/types.h>
#include <linux/xarray.h>
#include <linux/kvm.h>
#include <kvm_irqchip/model.h>

/* KVM's KVM_MAX_IRQ_ROUTES: the largest table and the first invalid GSI. */
#define KIC_MAX_ROUTES		4096

struct kic;

/**
 * struct kic_gsi - every routing entry of one GSI
 * @nr: entries used in @route
 * @route: the entries, in the order userspace gave them
 */
struct kic_gsi {
	u32 nr;
	struct kic_route route[KIC_MAX_ROUTES_PER_GSI];
};

/**
 * struct kic_routing - a complete routing table
 * @gsis: GSI -> struct kic_gsi; sparse, read locklessly under kic->srcu
 * @pins: controller pin (kic_pin_key()) -> GSI as xa_mk_value(): the GSI an
 *	acknowledgment of the pin is reported for; the last entry naming the
 *	pin wins, as in KVM
 * @nr_entries: number of routing entries (not GSIs)
 */
struct kic_routing {
	struct xarray gsis;
	struct xarray pins;
	u32 nr_entries;
};

/* Pins per controller are few (24 on the IOAPIC, 8 per PIC). */
static inline unsigned long kic_pin_key(u32 irqchip, u32 pin)
{
	return (unsigned long)irqchip << 16 | pin;
}

int kic_set_gsi_routing(struct kic *kic, void __user *argp);
int kic_routing_set_default(struct kic *kic,
			    const struct kvm_irq_routing_entry *ue, u32 nr);
int kic_set_gsi(struct kic *kic, u32 gsi, unsigned int src, int level,
		unsigned int how);
bool kic_gsi_has_pin(struct kic *kic, u32 gsi);
void kic_routing_free(struct kic_routing *rt);

#endif /* _KVM_IRQCHIP_ROUTING_H */
