/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm-irqchip: the interface between the arch-neutral core (virt/) and an
 * interrupt controller model (arch/<arch>/).
 *
 * The core owns what every architecture shares: the instance, the GSI
 * routing table, irqfds, vCPU endpoint files.  A model owns the meaning of
 * a route (an x86 MSI message, a GIC ITS DeviceID/EventID pair, a XICS
 * BUID/source) and the controllers that carry it to a vCPU.
 *
 * Context rules for the callbacks:
 *   route_setup, enable_cap, vcpu_ioctl, init, destroy: process context,
 *	may sleep; enable_cap is called with kic->lock held, route_setup
 *	without it (a table is built unlocked and only swapped under it).
 *   deliver: called inside kic->srcu.  With @atomic true it runs in atomic
 *	context (the eventfd wakeup, interrupts off) and must not sleep: it
 *	either delivers or returns -EWOULDBLOCK, and the core retries from the
 *	instance's work item with @atomic false.
 *   vcpu_pending: any context.
 */
#ifndef _KVM_IRQCHIP_MODEL_H
#define _KVM_IRQCHIP_MODEL_H

#include <linux/types.h>
#include <linux/kvm_irqchip.h>

struct kic;
struct kic_vcpu;

/* At most this many entries per GSI: one per pin controller, as in KVM. */
#define KIC_MAX_ROUTES_PER_GSI	3

/**
 * struct kic_route - one routing entry, as validated by the model
 * @type: KVM_IRQ_ROUTING_*
 * @flags: the entry's flags (KVM_MSI_VALID_DEVID for MSIs)
 * @pin: KVM_IRQ_ROUTING_IRQCHIP: controller and pin
 * @pin.irqchip: the controller (KVM_IRQCHIP_*)
 * @pin.pin: the pin on it
 * @msi: KVM_IRQ_ROUTING_MSI: the message as the device writes it
 * @msi.address_lo: address bits 31:0
 * @msi.address_hi: address bits 63:32
 * @msi.data: data
 * @msi.devid: requester (device) ID, valid with KVM_MSI_VALID_DEVID
 */
struct kic_route {
	u32 type;
	u32 flags;
	union {
		struct {
			u32 irqchip;
			u32 pin;
		} pin;
		struct {
			u32 address_lo;
			u32 address_hi;
			u32 data;
			u32 devid;
		} msi;
	};
};

/**
 * struct kic_model_ops - an interrupt controller model
 * @model: KVM_IRQCHIP_MODEL_*
 * @name: for messages
 * @init: allocate the model and its per-vCPU state (kic->nr_vcpus and
 *	kic->vcpus are set)
 * @destroy: free what @init allocated
 * @check_extension: the value of a model capability, 0 if unknown
 * @enable_cap: KVM_ENABLE_CAP on the instance
 * @route_setup: validate a KVM routing entry for this model and fill @r
 * @deliver: raise (@level 1) or lower (@level 0) a routed interrupt; returns
 *	KVM's status: < 0 not delivered, 0 coalesced/blocked, > 0 the number of
 *	vCPUs reached; -EWOULDBLOCK only when @atomic
 * @signal_msi: KVM_SIGNAL_MSI, process context
 * @vcpu_ioctl: ioctls on a vCPU endpoint fd; -ENOTTY when unknown
 * @vcpu_pending: true when the vCPU has something to take (poll)
 */
struct kic_model_ops {
	u32 model;
	const char *name;
	int (*init)(struct kic *kic);
	void (*destroy)(struct kic *kic);
	int (*check_extension)(long cap);
	int (*enable_cap)(struct kic *kic, const struct kvm_enable_cap *cap);
	int (*route_setup)(struct kic *kic, const struct kvm_irq_routing_entry *ue,
			   struct kic_route *r);
	int (*deliver)(struct kic *kic, const struct kic_route *r, int level,
		       bool atomic);
	int (*signal_msi)(struct kic *kic, const struct kvm_msi *msi);
	long (*vcpu_ioctl)(struct kic_vcpu *vcpu, unsigned int ioctl,
			   void __user *argp);
	bool (*vcpu_pending)(struct kic_vcpu *vcpu);
};

#endif /* _KVM_IRQCHIP_MODEL_H */
