// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip: acknowledgments, the guest's EOIs told to the VMM.
 *
 * A controller model reports that the guest completed an interrupt: an
 * IOAPIC pin whose vector a LAPIC EOIed, a PIC pin whose in-service bit was
 * cleared, the vector an MSI route delivered.  The report is turned into:
 *  - resampling (KVM_IRQFD_FLAG_RESAMPLE): every resampling irqfd of the
 *    GSI stops driving its level, and each resamplefd is signalled, so the
 *    VMM re-checks its device and signals the irqfd again if the device
 *    still wants service;
 *  - EOI eventfds (KVM_IRQCHIP_EOIFD, beyond KVM): signalled on every
 *    completion of the GSI, edge or level, pin or MSI; nothing is lowered.
 * A pin is reported for the GSI the routing table names for it (the last
 * entry routing to the pin, as KVM does).
 *
 * A resampler gathers the resampling irqfds of one GSI; it exists while it
 * has at least one, and lowers its level when the last one goes.
 *
 * LOCKING
 *   kic->acks.lock (mutex) serialises changes to kic->acks.resamplers,
 *   each resampler's links and kic->acks.eoifds (RCU list operations).
 *   Reports walk those lists under kic->srcu only, from any context; they
 *   take no model lock themselves but call kic_set_gsi(), so a model must
 *   not report while holding its own lock.
 * LIFETIME
 *   A link belongs to its irqfd, which holds the resamplefd reference;
 *   an EOI eventfd entry holds its eventfd reference.  Whatever is taken
 *   off a list is freed only after an SRCU grace period of this instance,
 *   waited for with kic->acks.lock dropped.
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/rculist.h>
#include <linux/slab.h>

#include <kvm_irqchip/ack.h>
#include <kvm_irqchip/kic.h>
#include <kvm_irqchip/routing.h>

/**
 * struct kic_resampler - the resampling irqfds of one GSI
 * @gsi: the GSI
 * @links: struct kic_resample_link, RCU
 * @node: entry in kic->acks.resamplers, RCU
 */
struct kic_resampler {
	u32 gsi;
	struct list_head links;
	struct list_head node;
};

/**
 * struct kic_eoifd - an eventfd told of every completion of a GSI
 * @gsi: the GSI
 * @eventfd: the eventfd, referenced
 * @node: entry in kic->acks.eoifds, RCU
 */
struct kic_eoifd {
	u32 gsi;
	struct eventfd_ctx *eventfd;
	struct list_head node;
};

static void kic_resampler_fire(struct kic *kic, struct kic_resampler *rs)
{
	struct kic_resample_link *link;

	trace_kvm_irqchip_resample(kic, rs->gsi);
	/* Lower first: a device still asserting signals the irqfd again. */
	kic_set_gsi(kic, rs->gsi, KIC_SRC_RESAMPLE, 0, KIC_SET_ATOMIC);
	list_for_each_entry_srcu(link, &rs->links, node,
				 srcu_read_lock_held(&kic->srcu))
		eventfd_signal(link->resamplefd, 1);
}

static void kic_resample_gsi(struct kic *kic, u32 gsi)
{
	struct kic_resampler *rs;

	list_for_each_entry_srcu(rs, &kic->acks.resamplers, node,
				 srcu_read_lock_held(&kic->srcu))
		if (rs->gsi == gsi)
			kic_resampler_fire(kic, rs);
}

/**
 * kic_gsi_acked() - the guest completed an interrupt of a GSI
 * @kic: the instance
 * @gsi: the GSI
 *
 * Any context; no model lock held.
 */
void kic_gsi_acked(struct kic *kic, u32 gsi)
{
	struct kic_eoifd *e;
	int idx;

	kic_stat_inc(kic, KIC_STAT_ACKED);
	trace_kvm_irqchip_ack(kic, gsi);
	idx = srcu_read_lock(&kic->srcu);
	kic_resample_gsi(kic, gsi);
	list_for_each_entry_srcu(e, &kic->acks.eoifds, node,
				 srcu_read_lock_held(&kic->srcu))
		if (e->gsi == gsi)
			eventfd_signal(e->eventfd, 1);
	srcu_read_unlock(&kic->srcu, idx);
}

/**
 * kic_pin_acked() - the guest completed an interrupt of a controller pin
 * @kic: the instance
 * @irqchip: the controller, KVM_IRQCHIP_*
 * @pin: the pin
 *
 * Any context; no model lock held.  Nothing happens for a pin no route
 * names.
 */
void kic_pin_acked(struct kic *kic, u32 irqchip, u32 pin)
{
	int idx;
	u32 gsi;

	idx = srcu_read_lock(&kic->srcu);
	if (kic_pin_gsi(kic, irqchip, pin, &gsi))
		kic_gsi_acked(kic, gsi);
	srcu_read_unlock(&kic->srcu, idx);
}

/**
 * kic_pin_resample() - resample a pin without a completion
 * @kic: the instance
 * @irqchip: the controller, KVM_IRQCHIP_*
 * @pin: the pin
 *
 * Any context; no model lock held.
 */
void kic_pin_resample(struct kic *kic, u32 irqchip, u32 pin)
{
	int idx;
	u32 gsi;

	idx = srcu_read_lock(&kic->srcu);
	if (kic_pin_gsi(kic, irqchip, pin, &gsi))
		kic_resample_gsi(kic, gsi);
	srcu_read_unlock(&kic->srcu, idx);
}

/**
 * kic_resample_join() - put a resampling irqfd on its GSI's resampler
 * @kic: the instance
 * @gsi: the GSI
 * @link: the irqfd's link, with @link->resamplefd set
 *
 * Process context.
 *
 * Return: 0 or -ENOMEM.
 */
int kic_resample_join(struct kic *kic, u32 gsi, struct kic_resample_link *link)
{
	struct kic_resampler *rs, *found = NULL;

	mutex_lock(&kic->acks.lock);
	list_for_each_entry(rs, &kic->acks.resamplers, node)
		if (rs->gsi == gsi)
			found = rs;
	if (!found) {
		found = kzalloc(sizeof(*found), GFP_KERNEL_ACCOUNT);
		if (!found) {
			mutex_unlock(&kic->acks.lock);
			return -ENOMEM;
		}
		found->gsi = gsi;
		INIT_LIST_HEAD(&found->links);
		list_add_rcu(&found->node, &kic->acks.resamplers);
	}
	link->resampler = found;
	list_add_rcu(&link->node, &found->links);
	mutex_unlock(&kic->acks.lock);
	return 0;
}

/**
 * kic_resample_leave() - take a resampling irqfd off its resampler
 * @kic: the instance
 * @link: the irqfd's link
 *
 * Process context; waits for this instance's SRCU readers, so that the
 * caller may drop the resamplefd and free the link on return.  The last
 * irqfd to leave lowers the GSI's resample level.
 */
void kic_resample_leave(struct kic *kic, struct kic_resample_link *link)
{
	struct kic_resampler *rs = link->resampler;
	bool last;

	mutex_lock(&kic->acks.lock);
	list_del_rcu(&link->node);
	last = list_empty(&rs->links);
	if (last)
		list_del_rcu(&rs->node);
	mutex_unlock(&kic->acks.lock);

	synchronize_srcu(&kic->srcu);
	if (last) {
		kic_set_gsi(kic, rs->gsi, KIC_SRC_RESAMPLE, 0, 0);
		kfree(rs);
	}
}

static int kic_eoifd_assign(struct kic *kic, const struct kvm_irqchip_eoifd *a)
{
	struct eventfd_ctx *eventfd;
	struct kic_eoifd *e, *tmp;
	int r = 0;

	eventfd = eventfd_ctx_fdget(a->fd);
	if (IS_ERR(eventfd))
		return PTR_ERR(eventfd);
	e = kzalloc(sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e) {
		eventfd_ctx_put(eventfd);
		return -ENOMEM;
	}
	e->gsi = a->gsi;
	e->eventfd = eventfd;

	mutex_lock(&kic->acks.lock);
	list_for_each_entry(tmp, &kic->acks.eoifds, node)
		if (tmp->eventfd == eventfd && tmp->gsi == a->gsi)
			r = -EBUSY;
	if (!r)
		list_add_tail_rcu(&e->node, &kic->acks.eoifds);
	mutex_unlock(&kic->acks.lock);

	if (r) {
		eventfd_ctx_put(eventfd);
		kfree(e);
	}
	return r;
}

static int kic_eoifd_deassign(struct kic *kic,
			      const struct kvm_irqchip_eoifd *a)
{
	struct kic_eoifd *e, *found = NULL;
	struct eventfd_ctx *eventfd;

	eventfd = eventfd_ctx_fdget(a->fd);
	if (IS_ERR(eventfd))
		return PTR_ERR(eventfd);

	mutex_lock(&kic->acks.lock);
	list_for_each_entry(e, &kic->acks.eoifds, node) {
		if (e->eventfd == eventfd && e->gsi == a->gsi) {
			found = e;
			list_del_rcu(&e->node);
			break;
		}
	}
	mutex_unlock(&kic->acks.lock);
	eventfd_ctx_put(eventfd);
	if (!found)
		return -ENOENT;

	synchronize_srcu(&kic->srcu);
	eventfd_ctx_put(found->eventfd);
	kfree(found);
	return 0;
}

/**
 * kic_eoifd() - KVM_IRQCHIP_EOIFD
 * @kic: the instance, created
 * @args: the request, copied from userspace
 *
 * Return: 0; -EINVAL for unknown flags, non-zero padding or an fd that is
 * not an eventfd; -EBADF for a bad fd; -EBUSY when the eventfd is already
 * bound to @args->gsi; -ENOENT when deassigning what is not bound; -ENOMEM.
 */
int kic_eoifd(struct kic *kic, const struct kvm_irqchip_eoifd *args)
{
	if (args->flags & ~KVM_IRQCHIP_EOIFD_DEASSIGN || args->pad ||
	    args->reserved[0] || args->reserved[1])
		return -EINVAL;
	if (args->flags & KVM_IRQCHIP_EOIFD_DEASSIGN)
		return kic_eoifd_deassign(kic, args);
	return kic_eoifd_assign(kic, args);
}

/**
 * kic_eoifd_release_all() - drop every EOI eventfd of a dying instance
 * @kic: the instance, with no file and no irqfd left
 */
void kic_eoifd_release_all(struct kic *kic)
{
	struct kic_eoifd *e, *tmp;

	/* No reader is left: the instance's files and irqfds are gone. */
	list_for_each_entry_safe(e, tmp, &kic->acks.eoifds, node) {
		list_del(&e->node);
		eventfd_ctx_put(e->eventfd);
		kfree(e);
	}
}
