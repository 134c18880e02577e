/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm-irqchip: the routing table's update primitives (routing.c), shared by
 * whole-table replacement (route_table.c) and incremental batches
 * (route_batch.c).  All need kic->lock.
 */
#ifndef _KVM_IRQCHIP_ROUTING_INTERNAL_H
#define _KVM_IRQCHIP_ROUTING_INTERNAL_H

#include <kvm_irqchip/routing.h>

int kic_gsi_setup(struct kic *kic,
		  const struct kvm_irq_routing_entry *const *ue, u32 nr,
		  struct kic_route *route);
struct kic_gsi *kic_gsi_alloc(struct kic *kic, u32 gsi,
			      const struct kic_route *route, u32 nr);
struct kic_gsi *kic_gsi_build(struct kic *kic,
			      const struct kvm_irq_routing_entry *const *ue,
			      u32 nr);
int kic_routing_reserve(struct kic *kic, u32 gsi, const struct kic_gsi *g);
void kic_routing_unreserve(struct kic *kic, u32 gsi, const struct kic_gsi *g);
void kic_routing_publish(struct kic *kic, u32 gsi, struct kic_gsi *g,
			 bool claim_pins);

#endif /* _KVM_IRQCHIP_ROUTING_INTERNAL_H */
