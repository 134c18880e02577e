// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip x86 model: routes, capabilities and vCPUs for x86 guests.
 *
 * MSI routes are decoded at delivery (the message is four words; decoding
 * is cheaper than keeping a second copy in sync with the format flags).
 * IRQCHIP routes (PIC and IOAPIC pins) are validated with KVM's limits and
 * kept; until the pin models exist they deliver nothing (KVM_IRQ_LINE
 * status -1, as for a masked pin).
 *
 * LOCKING: struct kic_x86 fields are written under kic->lock (enable_cap)
 * and read locklessly on delivery.  Delivery never sleeps: every x86 route
 * is delivered in atomic context.
 * LIFETIME: the model and its LAPICs live as long as the instance.
 */
#include <linux/slab.h>

#include <kvm_irqchip/kic.h>
#include <kvm_irqchip/model.h>
#include <kvm_irqchip/vcpu.h>

#include "x86.h"

/* KVM's pin counts: 8 per PIC, 24 on the IOAPIC. */
#define KIC_PIC_PINS		8
#define KIC_IOAPIC_PINS		24

static int kic_x86_init(struct kic *kic)
{
	struct kic_x86 *x86;
	u32 i;

	x86 = kzalloc(sizeof(*x86), GFP_KERNEL_ACCOUNT);
	if (!x86)
		return -ENOMEM;
	for (i = 0; i < kic->nr_vcpus; i++) {
		kic->vcpus[i]->arch = kic_lapic_alloc(i);
		if (!kic->vcpus[i]->arch)
			goto err;
	}
	kic->model = x86;
	return 0;
err:
	while (i--) {
		kfree(kic->vcpus[i]->arch);
		kic->vcpus[i]->arch = NULL;
	}
	kfree(x86);
	return -ENOMEM;
}

static void kic_x86_destroy(struct kic *kic)
{
	u32 i;

	for (i = 0; i < kic->nr_vcpus; i++)
		kfree(kic->vcpus[i]->arch);
	kfree(kic->model);
	kic->model = NULL;
}

static int kic_x86_check_extension(long cap)
{
	switch (cap) {
	case KVM_CAP_X2APIC_API:
		return KVM_X2APIC_API_USE_32BIT_IDS |
		       KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK;
	case KVM_IRQCHIP_CAP_X86_EXT_DEST_ID:
		return 1;
	default:
		return 0;
	}
}

static int kic_x86_enable_cap(struct kic *kic, const struct kvm_enable_cap *cap)
{
	const u64 x2apic_api = KVM_X2APIC_API_USE_32BIT_IDS |
			       KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK;
	struct kic_x86 *x86 = kic->model;

	lockdep_assert_held(&kic->lock);
	if (cap->args[1] || cap->args[2] || cap->args[3])
		return -EINVAL;

	switch (cap->cap) {
	case KVM_CAP_X2APIC_API:
		if (cap->args[0] & ~x2apic_api)
			return -EINVAL;
		WRITE_ONCE(x86->x2apic_format,
			   !!(cap->args[0] & KVM_X2APIC_API_USE_32BIT_IDS));
		WRITE_ONCE(x86->broadcast_quirk_off,
			   !!(cap->args[0] &
			      KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK));
		return 0;
	case KVM_IRQCHIP_CAP_X86_EXT_DEST_ID:
		if (cap->args[0] > 1)
			return -EINVAL;
		WRITE_ONCE(x86->ext_dest_id, cap->args[0]);
		return 0;
	default:
		return -EINVAL;
	}
}

static int kic_x86_route_setup(struct kic *kic,
			       const struct kvm_irq_routing_entry *ue,
			       struct kic_route *r)
{
	r->type = ue->type;
	r->flags = ue->flags;

	switch (ue->type) {
	case KVM_IRQ_ROUTING_IRQCHIP:
		switch (ue->u.irqchip.irqchip) {
		case KVM_IRQCHIP_PIC_MASTER:
		case KVM_IRQCHIP_PIC_SLAVE:
			if (ue->u.irqchip.pin >= KIC_PIC_PINS)
				return -EINVAL;
			break;
		case KVM_IRQCHIP_IOAPIC:
			if (ue->u.irqchip.pin >= KIC_IOAPIC_PINS)
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}
		r->pin.irqchip = ue->u.irqchip.irqchip;
		r->pin.pin = ue->u.irqchip.pin;
		return 0;
	case KVM_IRQ_ROUTING_MSI:
		r->msi.address_lo = ue->u.msi.address_lo;
		r->msi.address_hi = ue->u.msi.address_hi;
		r->msi.data = ue->u.msi.data;
		r->msi.devid = ue->u.msi.devid;
		return kic_x86_msi_check(kic->model, r->msi.address_hi);
	default:
		/* No S390 adapters, no Hyper-V SynIC, no Xen event channels. */
		return -EINVAL;
	}
}

static int kic_x86_deliver_msi(struct kic *kic, u32 address_lo,
			       u32 address_hi, u32 data)
{
	struct kic_apic_irq irq;

	/* The format can change after the route was checked, as in KVM. */
	if (kic_x86_msi_check(kic->model, address_hi)) {
		kic_stat_inc(kic, KIC_STAT_REJECTED);
		return -EINVAL;
	}
	kic_x86_msi_decode(kic->model, address_lo, address_hi, data, &irq);
	return kic_apic_bus_deliver(kic, &irq);
}

static int kic_x86_deliver(struct kic *kic, const struct kic_route *r,
			   int level, bool atomic)
{
	switch (r->type) {
	case KVM_IRQ_ROUTING_MSI:
		/* A message has no falling edge: level 0 does nothing. */
		if (!level)
			return -1;
		return kic_x86_deliver_msi(kic, r->msi.address_lo,
				       r->msi.address_hi, r->msi.data);
	default:
		return -ENXIO;	/* pins: the IOAPIC and PIC models are next */
	}
}

static int kic_x86_signal_msi(struct kic *kic, const struct kvm_msi *msi)
{
	int r;

	/* A refused message is counted like one refused on a route. */
	r = kic_x86_deliver_msi(kic, msi->address_lo, msi->address_hi,
				msi->data);
	if (r == -EINVAL)
		return r;
	return r < 0 ? 0 : r;
}

const struct kic_model_ops kic_x86_model = {
	.model			= KVM_IRQCHIP_MODEL_X86,
	.name			= "x86",
	.init			= kic_x86_init,
	.destroy		= kic_x86_destroy,
	.check_extension	= kic_x86_check_extension,
	.enable_cap		= kic_x86_enable_cap,
	.route_setup		= kic_x86_route_setup,
	.deliver		= kic_x86_deliver,
	.signal_msi		= kic_x86_signal_msi,
	.vcpu_ioctl		= kic_lapic_ioctl,
	.vcpu_pending		= kic_lapic_pending,
};
