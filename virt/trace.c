// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip: the tracepoints' definitions (include/kvm_irqchip/trace.h).
 *
 * The only file that defines CREATE_TRACE_POINTS.  It includes the full
 * structure definitions first, which the records' assignments read.
 *
 * LOCKING and LIFETIME: see include/kvm_irqchip/trace.h.
 */
#include <kvm_irqchip/kic.h>
#include <kvm_irqchip/model.h>
#include <kvm_irqchip/routing.h>

/*
 * What the first entry of a GSI points at, as two words: controller and
 * pin, MSI address and data, or the XICS interrupt number.
 */
static u32 kic_trace_target(const struct kic_gsi *g, bool second)
{
	const struct kic_route *r;

	if (!g || !g->nr)
		return 0;
	r = &g->route[0];
	switch (r->type) {
	case KVM_IRQ_ROUTING_IRQCHIP:
		return second ? r->pin.pin : r->pin.irqchip;
	case KVM_IRQ_ROUTING_MSI:
		return second ? r->msi.data : r->msi.address_lo;
	case KVM_IRQ_ROUTING_KIC_XICS:
		return second ? 0 : r->xics.irq;
	default:
		return 0;
	}
}

#define CREATE_TRACE_POINTS
#include <kvm_irqchip/trace.h>
