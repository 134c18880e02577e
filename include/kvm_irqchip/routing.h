/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm-irqchip: the GSI routing table.
 */
#ifndef _KVM_IRQCHIP_ROUTING_H
#define _KVM_IRQCHIP_ROUTING_H

#include <linux/types.h>
#include <linux/xarray.h>
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
 * @nr_entries: number of routing entries (not GSIs)
 */
struct kic_routing {
	struct xarray gsis;
	u32 nr_entries;
};

int kic_set_gsi_routing(struct kic *kic, void __user *argp);
int kic_set_gsi(struct kic *kic, u32 gsi, int level, bool atomic);
void kic_routing_free(struct kic_routing *rt);

#endif /* _KVM_IRQCHIP_ROUTING_H */
