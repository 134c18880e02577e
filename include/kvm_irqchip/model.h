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
 *   deliver: called inside kic->srcu.  With KIC_SET_ATOMIC it runs in atomic
 *	context (the eventfd wakeup, interrupts off) and must not sleep: it
 *	either delivers or returns -EWOULDBLOCK, and the core retries from the
 *	instance's work item without the flag.
 *   vcpu_pending: any context.
 *   quiesce: process context, once, when the instance dies: after the last
 *	irqfd is gone and before the instance's workqueue is destroyed; the
 *	model stops queueing work of its own.
 *   io, get_irqchip, set_irqchip, eoi: process context, kic->lock not
 *	held.
 *   attach_kvm: process context, kic->lock held, after init.
 *   ioctl: process context, kic->lock not held.
 */
#ifndef _KVM_IRQCHIP_MODEL_H
#define _KVM_IRQCHIP_MODEL_H

#include <linux/bits.h>
#include <linux/types.h>
#include <linux/kvm_irqchip.h>

struct kic;
struct kic_vcpu;

/* At most this many entries per GSI: one per pin controller, as in KVM. */
#define KIC_MAX_ROUTES_PER_GSI	3

/*
 * Who drives a pin.  A pin's line is the OR of its sources, so a device
 * model holding it high through KVM_IRQ_LINE and a resampling irqfd do not
 * lower each other's level (KVM's irq source IDs).
 */
enum kic_src {
	KIC_SRC_USER,		/* KVM_IRQ_LINE(_STATUS) */
	KIC_SRC_IRQFD,		/* irqfds without resample: a pulse */
	KIC_SRC_RESAMPLE,	/* resampling irqfds: high until the EOI */
	KIC_SRC_NR,
};

/* How a GSI is set (kic_set_gsi() and ->deliver()). */
#define KIC_SET_ATOMIC		BIT(0)	/* atomic context: never sleep */
#define KIC_SET_LINE_STATUS	BIT(1)	/* KVM_IRQ_LINE_STATUS: RTC tracking */
#define KIC_SET_PULSE		BIT(2)	/* raise, then lower: one edge */

/**
 * struct kic_route - one routing entry, as validated by the model
 * @gsi: the GSI it belongs to
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
 * @xics: KVM_IRQ_ROUTING_KIC_XICS: a pseries interrupt source
 * @xics.irq: its global interrupt number (BUID << 10 | source)
 * @hv_sint: KVM_IRQ_ROUTING_HV_SINT (x86): kept as KVM keeps it
 * @hv_sint.vcpu: the Hyper-V VP index
 * @hv_sint.sint: the synthetic interrupt source
 */
struct kic_route {
	u32 gsi;
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
		struct {
			u32 irq;
		} xics;
		struct {
			u32 vcpu;
			u32 sint;
		} hv_sint;
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
 * @deliver: raise (@level 1) or lower (@level 0) a routed interrupt for
 *	source @src (enum kic_src), @how being KIC_SET_*; returns KVM's
 *	status: < 0 not delivered, 0 coalesced/blocked, > 0 the number of
 *	vCPUs reached; -EWOULDBLOCK only with KIC_SET_ATOMIC
 * @signal_msi: KVM_SIGNAL_MSI, process context
 * @vcpu_ioctl: ioctls on a vCPU endpoint fd; -ENOTTY when unknown
 * @vcpu_pending: true when the vCPU has something to take (poll)
 * @quiesce: optional; stop the model's own deferred work (see above)
 * @default_routing: optional; the table KVM_IRQCHIP_CREATE_DEFAULT_ROUTING
 *	installs, and its length in @nr
 * @io: KVM_IRQCHIP_IO; -ENXIO when no register of the model is there
 * @get_irqchip: KVM_GET_IRQCHIP; fills @chip->chip for @chip->chip_id
 * @set_irqchip: KVM_SET_IRQCHIP
 * @attach_kvm: optional; KVM_IRQCHIP_CREATE_KVM_VM: present to a KVM VM
 * @eoi: optional; KVM_IRQCHIP_EOI, a guest EOI the VMM saw elsewhere
 * @ioctl: optional; an instance ioctl the core does not know (the model's
 *	own, e.g. KVM_SET_DEVICE_ATTR); -ENOTTY when unknown
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
	int (*deliver)(struct kic *kic, const struct kic_route *r,
		       unsigned int src, int level, unsigned int how);
	int (*signal_msi)(struct kic *kic, const struct kvm_msi *msi);
	long (*vcpu_ioctl)(struct kic_vcpu *vcpu, unsigned int ioctl,
			   void __user *argp);
	bool (*vcpu_pending)(struct kic_vcpu *vcpu);
	void (*quiesce)(struct kic *kic);
	const struct kvm_irq_routing_entry *(*default_routing)(u32 *nr);
	int (*io)(struct kic *kic, struct kvm_irqchip_io *io);
	int (*get_irqchip)(struct kic *kic, struct kvm_irqchip *chip);
	int (*set_irqchip)(struct kic *kic, const struct kvm_irqchip *chip);
	int (*attach_kvm)(struct kic *kic, int vm_fd);
	int (*eoi)(struct kic *kic, u32 vcpu, u32 vector);
	long (*ioctl)(struct kic *kic, unsigned int ioctl, void __user *argp);
};

#endif /* _KVM_IRQCHIP_MODEL_H */
