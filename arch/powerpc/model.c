// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip XICS model: pseries interrupts (PAPR's XICS) as a
 * struct kic_model_ops.
 *
 * Routes name a source: KVM_IRQ_ROUTING_KIC_XICS by BUID and source,
 * KVM_IRQ_ROUTING_MSI by its data word, the global interrupt number (as
 * QEMU's spapr MSIs).  Both are checked against the ICSes at route time;
 * ICSes never go away, so a route stays valid.  Every delivery, messages
 * and level sources alike, runs in the caller's context: in the eventfd
 * wakeup it takes only the ICS and ICP spinlocks, and leaves what it
 * cannot finish there (a reject) to the instance's work item (ics.c).
 *
 * Instance ioctls of the model: KVM_IRQCHIP_XICS_CREATE_ICS,
 * KVM_IRQCHIP_XICS_RTAS, and KVM_{SET,GET,HAS}_DEVICE_ATTR with KVM's
 * KVM_DEV_XICS_GRP_SOURCES group.  vCPU ioctls: KVM_IRQCHIP_XICS_HCALL and
 * KVM_{GET,SET}_ONE_REG of KVM_REG_PPC_ICP_STATE (icp.c).
 *
 * LOCKING: ICS creation is serialised by kic->lock; the rest follows
 * xics.h.  LIFETIME: the model, its ICSes and ICPs are freed by destroy;
 * quiesce cancels the resend work first.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <kvm_irqchip/kic.h>
#include <kvm_irqchip/model.h>
#include <kvm_irqchip/vcpu.h>

#include "xics.h"

static void kic_xics_free(struct kic *kic, struct kic_xics *xics)
{
	u32 i;

	for (i = 0; i < kic->nr_vcpus; i++) {
		kfree(kic->vcpus[i]->arch);
		kic->vcpus[i]->arch = NULL;
	}
	if (!xics)
		return;
	for (i = 0; i < XICS_NR_ICS; i++)
		kfree(xics->ics[i]);
	kfree(xics);
}

static int kic_xics_init(struct kic *kic)
{
	struct kic_xics *xics;
	u32 i;

	xics = kzalloc(sizeof(*xics), GFP_KERNEL_ACCOUNT);
	if (!xics)
		return -ENOMEM;
	xics->kic = kic;
	INIT_WORK(&xics->resend_work, xics_resend_work);
	for (i = 0; i < kic->nr_vcpus; i++) {
		kic->vcpus[i]->arch = xics_icp_alloc(kic->vcpus[i]);
		if (!kic->vcpus[i]->arch) {
			kic_xics_free(kic, xics);
			return -ENOMEM;
		}
	}
	kic->model = xics;
	return 0;
}

static void kic_xics_quiesce(struct kic *kic)
{
	cancel_work_sync(&kic_xics(kic)->resend_work);
}

static void kic_xics_destroy(struct kic *kic)
{
	kic_xics_free(kic, kic_xics(kic));
	kic->model = NULL;
}

static int kic_xics_check_extension(long cap)
{
	return 0;
}

static int kic_xics_enable_cap(struct kic *kic, const struct kvm_enable_cap *cap)
{
	return -EINVAL;
}

static const struct kvm_irq_routing_kic_xics *
kic_xics_route_entry(const struct kvm_irq_routing_entry *ue)
{
	BUILD_BUG_ON(sizeof(struct kvm_irq_routing_kic_xics) >
		     sizeof(ue->u.pad));
	return (const struct kvm_irq_routing_kic_xics *)ue->u.pad;
}

static int kic_xics_route_setup(struct kic *kic,
				const struct kvm_irq_routing_entry *ue,
				struct kic_route *r)
{
	const struct kvm_irq_routing_kic_xics *x;
	struct kic_xics *xics = kic_xics(kic);
	u32 idx;
	int i;

	r->type = ue->type;
	r->flags = ue->flags;

	switch (ue->type) {
	case KVM_IRQ_ROUTING_KIC_XICS:
		x = kic_xics_route_entry(ue);
		if (x->flags)
			return -EINVAL;
		for (i = 0; i < ARRAY_SIZE(x->pad); i++)
			if (x->pad[i])
				return -EINVAL;
		if (x->buid > KVM_IRQCHIP_XICS_MAX_BUID ||
		    x->source >= KVM_IRQCHIP_XICS_MAX_SOURCES)
			return -EINVAL;
		r->xics.irq = xics_irq(x->buid, x->source);
		return xics_ics_find(xics, r->xics.irq, &idx) ? 0 : -EINVAL;
	case KVM_IRQ_ROUTING_MSI:
		r->msi.address_lo = ue->u.msi.address_lo;
		r->msi.address_hi = ue->u.msi.address_hi;
		r->msi.data = ue->u.msi.data;
		r->msi.devid = ue->u.msi.devid;
		return xics_ics_find(xics, r->msi.data, &idx) ? 0 : -EINVAL;
	default:
		/* No pin controllers: a pseries source is a route of its own. */
		return -EINVAL;
	}
}

static int kic_xics_deliver(struct kic *kic, const struct kic_route *r,
			    unsigned int src, int level, unsigned int how)
{
	struct kic_xics *xics = kic_xics(kic);

	switch (r->type) {
	case KVM_IRQ_ROUTING_KIC_XICS:
		return xics_source_trigger(xics, r->xics.irq, r->gsi, src,
					   level, how);
	case KVM_IRQ_ROUTING_MSI:
		/* A message has no falling edge: level 0 does nothing. */
		if (!level)
			return -1;
		return xics_source_trigger(xics, r->msi.data, r->gsi, src, 1,
					   how | KIC_SET_PULSE);
	default:
		return -ENXIO;
	}
}

/* KVM_SIGNAL_MSI: the data word is the global interrupt number. */
static int kic_xics_signal_msi(struct kic *kic, const struct kvm_msi *msi)
{
	int r;

	r = xics_source_trigger(kic_xics(kic), msi->data, XICS_NO_GSI,
				KIC_SRC_USER, 1, KIC_SET_PULSE);
	if (r == -EINVAL) {
		kic_stat_inc(kic, KIC_STAT_REJECTED);
		return r;
	}
	return r < 0 ? 0 : r;
}

/* KVM_{SET,GET,HAS}_DEVICE_ATTR: KVM's KVM_DEV_XICS_GRP_SOURCES */
static long kic_xics_device_attr(struct kic_xics *xics, unsigned int ioctl,
				 void __user *argp)
{
	struct kvm_device_attr attr;
	u64 __user *uval;
	u64 val;
	u32 idx;
	int r;

	if (copy_from_user(&attr, argp, sizeof(attr)))
		return -EFAULT;
	if (attr.flags)
		return -EINVAL;
	if (attr.group != KVM_IRQCHIP_XICS_GRP_SOURCES)
		return -ENXIO;
	uval = u64_to_user_ptr(attr.addr);

	switch (ioctl) {
	case KVM_HAS_DEVICE_ATTR:
		if (attr.attr > U32_MAX || !xics_ics_find(xics, attr.attr, &idx))
			return -ENXIO;
		return 0;
	case KVM_GET_DEVICE_ATTR:
		r = xics_source_get(xics, attr.attr, &val);
		if (r)
			return r;
		return put_user(val, uval);
	default:
		if (get_user(val, uval))
			return -EFAULT;
		return xics_source_set(xics, attr.attr, val);
	}
}

static long kic_xics_ioctl(struct kic *kic, unsigned int ioctl,
			   void __user *argp)
{
	struct kic_xics *xics = kic_xics(kic);
	struct kvm_irqchip_xics_rtas rtas;
	struct kvm_irqchip_xics_ics ics;
	long r;

	switch (ioctl) {
	case KVM_IRQCHIP_XICS_CREATE_ICS:
		if (copy_from_user(&ics, argp, sizeof(ics)))
			return -EFAULT;
		mutex_lock(&kic->lock);
		r = xics_ics_create(xics, &ics);
		mutex_unlock(&kic->lock);
		return r;
	case KVM_IRQCHIP_XICS_RTAS:
		if (copy_from_user(&rtas, argp, sizeof(rtas)))
			return -EFAULT;
		r = xics_rtas(xics, &rtas);
		if (r)
			return r;
		return copy_to_user(argp, &rtas, sizeof(rtas)) ? -EFAULT : 0;
	case KVM_SET_DEVICE_ATTR:
	case KVM_GET_DEVICE_ATTR:
	case KVM_HAS_DEVICE_ATTR:
		return kic_xics_device_attr(xics, ioctl, argp);
	default:
		return -ENOTTY;
	}
}

const struct kic_model_ops kic_xics_model = {
	.model			= KVM_IRQCHIP_MODEL_PPC_XICS,
	.name			= "ppc-xics",
	.init			= kic_xics_init,
	.destroy		= kic_xics_destroy,
	.check_extension	= kic_xics_check_extension,
	.enable_cap		= kic_xics_enable_cap,
	.route_setup		= kic_xics_route_setup,
	.deliver		= kic_xics_deliver,
	.signal_msi		= kic_xics_signal_msi,
	.vcpu_ioctl		= xics_icp_ioctl,
	.vcpu_pending		= xics_icp_pending,
	.quiesce		= kic_xics_quiesce,
	.ioctl			= kic_xics_ioctl,
};
