// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip x86 model: routes, capabilities and vCPUs for x86 guests.
 *
 * MSI routes are decoded at delivery (the message is four words; decoding
 * is cheaper than keeping a second copy in sync with the format flags).
 * IRQCHIP routes drive a pin of the IOAPIC (ioapic.c) or of the PICs
 * (pic.c); guest register accesses forwarded by the VMM and KVM's
 * KVM_GET_IRQCHIP/KVM_SET_IRQCHIP state reach the same two models.
 *
 * LOCKING: struct kic_x86 flags are written under kic->lock (enable_cap)
 * and read locklessly on delivery.  Delivery never sleeps: every x86 route
 * is delivered in atomic context.  The pin models have their own locks.
 * LIFETIME: the model, its pin controllers and its LAPICs live as long as
 * the instance; quiesce stops the IOAPIC's deferred work before the
 * instance's workqueue goes.
 */
#include <linux/module.h>
#include <linux/slab.h>

#include <kvm_irqchip/kic.h>
#include <kvm_irqchip/model.h>
#include <kvm_irqchip/vcpu.h>

#include "x86.h"

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
	x86->vector_hashing = READ_ONCE(kic_vector_hashing);
	x86->ioapic = kic_ioapic_alloc(kic);
	x86->pic = kic_pic_alloc(kic);
	if (!x86->ioapic || !x86->pic)
		goto err;
	kic->model = x86;
	if (kic_apic_map_init(kic)) {
		kic->model = NULL;
		goto err;
	}
	return 0;
err:
	kic_pic_free(x86->pic);
	kic_ioapic_free(x86->ioapic);
	while (i--) {
		kfree(kic->vcpus[i]->arch);
		kic->vcpus[i]->arch = NULL;
	}
	kfree(x86);
	return -ENOMEM;
}

static void kic_x86_quiesce(struct kic *kic)
{
	kic_ioapic_quiesce(kic_x86(kic)->ioapic);
}

static void kic_x86_destroy(struct kic *kic)
{
	struct kic_x86 *x86 = kic_x86(kic);
	u32 i;

	kic_kvm_bridge_detach(kic);
	kic_apic_map_free(kic);
	kic_pic_free(x86->pic);
	kic_ioapic_free(x86->ioapic);
	for (i = 0; i < kic->nr_vcpus; i++)
		kfree(kic->vcpus[i]->arch);
	kfree(x86);
	kic->model = NULL;
}

static int kic_x86_check_extension(long cap)
{
	switch (cap) {
	case KVM_CAP_X2APIC_API:
		return KVM_X2APIC_API_USE_32BIT_IDS |
		       KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK;
	case KVM_IRQCHIP_CAP_X86_EXT_DEST_ID:
	case KVM_IRQCHIP_CAP_X86_STRICT:
		return 1;
	case KVM_IRQCHIP_CAP_KVM_BRIDGE:
		return kic_kvm_bridge_present();
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

	/*
	 * KVM's own capability keeps KVM's rules: args[1..3] are ignored
	 * (strict instances refuse them) and a flag, once set, stays set.
	 */
	if (cap->cap == KVM_CAP_X2APIC_API) {
		if (cap->args[0] & ~x2apic_api)
			return -EINVAL;
		if (READ_ONCE(x86->strict) &&
		    (cap->args[1] || cap->args[2] || cap->args[3]))
			return -EINVAL;
		if (cap->args[0] & KVM_X2APIC_API_USE_32BIT_IDS)
			WRITE_ONCE(x86->x2apic_format, true);
		if (cap->args[0] & KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK)
			WRITE_ONCE(x86->broadcast_quirk_off, true);
		return 0;
	}

	/* Ours are 0 or 1 in args[0], the rest 0, so they can grow. */
	if (cap->args[0] > 1 || cap->args[1] || cap->args[2] || cap->args[3])
		return -EINVAL;
	switch (cap->cap) {
	case KVM_IRQCHIP_CAP_X86_EXT_DEST_ID:
		WRITE_ONCE(x86->ext_dest_id, cap->args[0]);
		return 0;
	case KVM_IRQCHIP_CAP_X86_STRICT:
		WRITE_ONCE(x86->strict, cap->args[0]);
		kic->resample_needs_line = cap->args[0];
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
	case KVM_IRQ_ROUTING_HV_SINT:
		/*
		 * No Hyper-V SynIC here: the route is kept as KVM keeps it,
		 * so a VMM's table loads unchanged, and delivers what KVM's
		 * does without an active SynIC: nothing.
		 */
		r->hv_sint.vcpu = ue->u.hv_sint.vcpu;
		r->hv_sint.sint = ue->u.hv_sint.sint;
		return 0;
	default:
		/*
		 * No S390 adapters; no Xen event channels, which KVM as
		 * Debian builds it (no CONFIG_KVM_XEN) refuses too.
		 */
		return -EINVAL;
	}
}

static int kic_x86_deliver_msi(struct kic *kic, u32 gsi, u32 address_lo,
			       u32 address_hi, u32 data, bool uncounted)
{
	struct kic_apic_irq irq;

	/* The format can change after the route was checked, as in KVM. */
	if (kic_x86_msi_check(kic->model, address_hi)) {
		kic_stat_inc(kic, KIC_STAT_REJECTED);
		return -EINVAL;
	}
	kic_x86_msi_decode(kic->model, address_lo, address_hi, data, &irq);
	irq.gsi = gsi;
	irq.uncounted = uncounted;
	return kic_apic_bus_deliver(kic, &irq, NULL);
}

static int kic_x86_set_pin(struct kic *kic, const struct kic_route *r,
			   unsigned int src, int level, unsigned int how)
{
	struct kic_x86 *x86 = kic_x86(kic);

	switch (r->pin.irqchip) {
	case KVM_IRQCHIP_PIC_MASTER:
		return kic_pic_set_irq(x86->pic, r->pin.pin, src, level);
	case KVM_IRQCHIP_PIC_SLAVE:
		return kic_pic_set_irq(x86->pic, KIC_PIC_PINS + r->pin.pin,
				       src, level);
	default:
		return kic_ioapic_set_irq(x86->ioapic, r->pin.pin, src, level,
					  how & KIC_SET_LINE_STATUS);
	}
}

static int kic_x86_deliver(struct kic *kic, const struct kic_route *r,
			   unsigned int src, int level, unsigned int how)
{
	switch (r->type) {
	case KVM_IRQ_ROUTING_MSI:
		/* A message has no falling edge: level 0 does nothing. */
		if (!level)
			return -1;
		/* Only an irqfd's wakeup delivers atomically; it ignores r. */
		return kic_x86_deliver_msi(kic, r->gsi, r->msi.address_lo,
					   r->msi.address_hi, r->msi.data,
					   how & KIC_SET_ATOMIC);
	case KVM_IRQ_ROUTING_IRQCHIP: {
		int ret = kic_x86_set_pin(kic, r, src, level, how);

		/* An edge: the pin goes down again at once. */
		if (how & KIC_SET_PULSE)
			kic_x86_set_pin(kic, r, src, 0, how);
		return ret;
	}
	case KVM_IRQ_ROUTING_HV_SINT:
		/* KVM's answer without an active SynIC: refused. */
		return level ? -EINVAL : -1;
	default:
		return -ENXIO;
	}
}

static int kic_x86_signal_msi(struct kic *kic, const struct kvm_msi *msi)
{
	int r;

	/*
	 * A refused message is counted like one refused on a route.  KVM
	 * hands its -1 (nothing could take the message) to userspace as is:
	 * -EPERM.
	 */
	r = kic_x86_deliver_msi(kic, KIC_NO_GSI, msi->address_lo,
				msi->address_hi, msi->data, false);
	if (r == -EINVAL)
		return r;
	return r < 0 ? -EPERM : r;
}

/* KVM_CREATE_IRQCHIP's table: GSI 0-15 to both controllers, 16-23 IOAPIC. */
#define KIC_ROUTE(n, chip, p) {						\
	.gsi = (n), .type = KVM_IRQ_ROUTING_IRQCHIP,			\
	.u.irqchip = { .irqchip = KVM_IRQCHIP_##chip, .pin = (p) },	\
}

static const struct kvm_irq_routing_entry kic_x86_defaults[] = {
	KIC_ROUTE(0, IOAPIC, 0), KIC_ROUTE(0, PIC_MASTER, 0),
	KIC_ROUTE(1, IOAPIC, 1), KIC_ROUTE(1, PIC_MASTER, 1),
	KIC_ROUTE(2, IOAPIC, 2), KIC_ROUTE(2, PIC_MASTER, 2),
	KIC_ROUTE(3, IOAPIC, 3), KIC_ROUTE(3, PIC_MASTER, 3),
	KIC_ROUTE(4, IOAPIC, 4), KIC_ROUTE(4, PIC_MASTER, 4),
	KIC_ROUTE(5, IOAPIC, 5), KIC_ROUTE(5, PIC_MASTER, 5),
	KIC_ROUTE(6, IOAPIC, 6), KIC_ROUTE(6, PIC_MASTER, 6),
	KIC_ROUTE(7, IOAPIC, 7), KIC_ROUTE(7, PIC_MASTER, 7),
	KIC_ROUTE(8, IOAPIC, 8), KIC_ROUTE(8, PIC_SLAVE, 0),
	KIC_ROUTE(9, IOAPIC, 9), KIC_ROUTE(9, PIC_SLAVE, 1),
	KIC_ROUTE(10, IOAPIC, 10), KIC_ROUTE(10, PIC_SLAVE, 2),
	KIC_ROUTE(11, IOAPIC, 11), KIC_ROUTE(11, PIC_SLAVE, 3),
	KIC_ROUTE(12, IOAPIC, 12), KIC_ROUTE(12, PIC_SLAVE, 4),
	KIC_ROUTE(13, IOAPIC, 13), KIC_ROUTE(13, PIC_SLAVE, 5),
	KIC_ROUTE(14, IOAPIC, 14), KIC_ROUTE(14, PIC_SLAVE, 6),
	KIC_ROUTE(15, IOAPIC, 15), KIC_ROUTE(15, PIC_SLAVE, 7),
	KIC_ROUTE(16, IOAPIC, 16), KIC_ROUTE(17, IOAPIC, 17),
	KIC_ROUTE(18, IOAPIC, 18), KIC_ROUTE(19, IOAPIC, 19),
	KIC_ROUTE(20, IOAPIC, 20), KIC_ROUTE(21, IOAPIC, 21),
	KIC_ROUTE(22, IOAPIC, 22), KIC_ROUTE(23, IOAPIC, 23),
};

static const struct kvm_irq_routing_entry *kic_x86_default_routing(u32 *nr)
{
	*nr = ARRAY_SIZE(kic_x86_defaults);
	return kic_x86_defaults;
}

static int kic_x86_io(struct kic *kic, struct kvm_irqchip_io *io)
{
	struct kic_x86 *x86 = kic_x86(kic);
	bool write = io->flags & KVM_IRQCHIP_IO_WRITE;
	u32 data32 = io->data;
	int r;

	if (io->flags & KVM_IRQCHIP_IO_PIO) {
		if (io->len != 1 && io->len != 2 && io->len != 4)
			return -EINVAL;
		if (io->addr > U16_MAX)
			return -ENXIO;
		r = kic_pic_pio(x86->pic, io->addr, io->len, write, &data32);
		if (!r && !write)
			io->data = data32;
		return r;
	}
	if (io->len != 1 && io->len != 2 && io->len != 4 && io->len != 8)
		return -EINVAL;
	return kic_ioapic_mmio(x86->ioapic, io->addr, io->len, write,
			       &io->data);
}

static int kic_x86_get_irqchip(struct kic *kic, struct kvm_irqchip *chip)
{
	struct kic_x86 *x86 = kic_x86(kic);

	switch (chip->chip_id) {
	case KVM_IRQCHIP_PIC_MASTER:
	case KVM_IRQCHIP_PIC_SLAVE:
		return kic_pic_get_state(x86->pic, chip->chip_id,
					 &chip->chip.pic);
	case KVM_IRQCHIP_IOAPIC:
		kic_ioapic_get_state(x86->ioapic, &chip->chip.ioapic);
		return 0;
	default:
		return -EINVAL;
	}
}

static int kic_x86_set_irqchip(struct kic *kic, const struct kvm_irqchip *chip)
{
	struct kic_x86 *x86 = kic_x86(kic);

	switch (chip->chip_id) {
	case KVM_IRQCHIP_PIC_MASTER:
	case KVM_IRQCHIP_PIC_SLAVE:
		return kic_pic_set_state(x86->pic, chip->chip_id,
					 &chip->chip.pic);
	case KVM_IRQCHIP_IOAPIC:
		kic_ioapic_set_state(x86->ioapic, &chip->chip.ioapic);
		/* KVM looks at the PICs' output after any chip's restore. */
		kic_pic_update(x86->pic);
		return 0;
	default:
		kic_pic_update(x86->pic);
		return -EINVAL;
	}
}

/* KVM_IRQCHIP_EOI: the EOI of a LAPIC that is not ours (the KVM bridge) */
static int kic_x86_eoi(struct kic *kic, u32 vcpu, u32 vector)
{
	if (vcpu >= kic->nr_vcpus || vector > 0xff)
		return -EINVAL;
	/* KVM reports only the vectors the VMM's level routes marked. */
	kic_ioapic_eoi(kic_x86(kic)->ioapic, kic->vcpus[vcpu], vector, true);
	return 0;
}

#ifdef KIC_KVM_BRIDGE
MODULE_INFO(kvm_bridge, "yes");
#else
MODULE_INFO(kvm_bridge, "no");
#endif

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
	.quiesce		= kic_x86_quiesce,
	.default_routing	= kic_x86_default_routing,
	.io			= kic_x86_io,
	.get_irqchip		= kic_x86_get_irqchip,
	.set_irqchip		= kic_x86_set_irqchip,
	.attach_kvm		= kic_kvm_bridge_attach,
	.eoi			= kic_x86_eoi,
};
