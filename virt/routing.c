// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip: the GSI routing table.
 *
 * KVM_SET_GSI_ROUTING replaces the whole table, all or nothing, with KVM's
 * validation rules.  The new table is built and checked without any lock
 * held, then published with one pointer swap under kic->lock.  The old
 * table is freed after an SRCU grace period of this instance alone, waited
 * for after the lock is dropped; when the ioctl returns, no reader can still
 * be delivering through a replaced entry.
 *
 * The table is sparse (an xarray keyed by GSI), so its size follows the
 * entries userspace installs, not the largest GSI number.
 *
 * LOCKING
 *   kic->lock: held to swap kic->routing.
 *   kic->srcu: readers (kic_set_gsi()) hold it, from any context.
 * LIFETIME
 *   A table belongs to kic->routing until replaced, then to the replacing
 *   ioctl, which frees it after synchronize_srcu().
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include <kvm_irqchip/kic.h>
#include <kvm_irqchip/model.h>
#include <kvm_irqchip/routing.h>

void kic_routing_free(struct kic_routing *rt)
{
	struct kic_gsi *g;
	unsigned long gsi;

	if (!rt)
		return;
	xa_for_each(&rt->gsis, gsi, g)
		kfree(g);
	xa_destroy(&rt->gsis);
	xa_destroy(&rt->pins);
	kfree(rt);
}

/*
 * KVM's rule: a GSI may fan out to several pin controllers, once each; any
 * other entry must be alone on its GSI.
 */
static bool kic_gsi_conflicts(const struct kic_gsi *g,
			      const struct kvm_irq_routing_entry *ue)
{
	u32 i;

	for (i = 0; i < g->nr; i++) {
		const struct kic_route *r = &g->route[i];

		if (r->type != KVM_IRQ_ROUTING_IRQCHIP ||
		    ue->type != KVM_IRQ_ROUTING_IRQCHIP ||
		    r->pin.irqchip == ue->u.irqchip.irqchip)
			return true;
	}
	return false;
}

static int kic_routing_add(struct kic *kic, struct kic_routing *rt,
			   const struct kvm_irq_routing_entry *ue)
{
	u32 allowed = ue->type == KVM_IRQ_ROUTING_MSI ? KVM_MSI_VALID_DEVID : 0;
	struct kic_gsi *g;
	int r;

	if (ue->flags & ~allowed)
		return -EINVAL;

	g = xa_load(&rt->gsis, ue->gsi);
	if (!g) {
		g = kzalloc(sizeof(*g), GFP_KERNEL_ACCOUNT);
		if (!g)
			return -ENOMEM;
		r = xa_err(xa_store(&rt->gsis, ue->gsi, g, GFP_KERNEL_ACCOUNT));
		if (r) {
			kfree(g);
			return r;
		}
	}
	/* Also bounds g->nr: at most one entry per pin controller. */
	if (kic_gsi_conflicts(g, ue) || g->nr == KIC_MAX_ROUTES_PER_GSI)
		return -EINVAL;

	r = kic->ops->route_setup(kic, ue, &g->route[g->nr]);
	if (r)
		return r;
	g->route[g->nr].gsi = ue->gsi;
	if (ue->type == KVM_IRQ_ROUTING_IRQCHIP) {
		unsigned long key = kic_pin_key(ue->u.irqchip.irqchip,
						ue->u.irqchip.pin);

		r = xa_err(xa_store(&rt->pins, key, xa_mk_value(ue->gsi),
				    GFP_KERNEL_ACCOUNT));
		if (r)
			return r;
	}
	g->nr++;
	rt->nr_entries++;
	return 0;
}

static struct kic_routing *kic_routing_build(struct kic *kic,
					     const struct kvm_irq_routing_entry *ue,
					     u32 nr)
{
	struct kic_routing *rt;
	u32 i;
	int r;

	/* KVM checks every GSI before looking at anything else. */
	for (i = 0; i < nr; i++)
		if (ue[i].gsi >= KIC_MAX_ROUTES)
			return ERR_PTR(-EINVAL);

	rt = kzalloc(sizeof(*rt), GFP_KERNEL_ACCOUNT);
	if (!rt)
		return ERR_PTR(-ENOMEM);
	xa_init(&rt->gsis);
	xa_init(&rt->pins);

	for (i = 0; i < nr; i++) {
		r = kic_routing_add(kic, rt, &ue[i]);
		if (r) {
			kic_routing_free(rt);
			return ERR_PTR(r);
		}
	}
	return rt;
}

/**
 * kic_set_gsi_routing() - KVM_SET_GSI_ROUTING
 * @kic: the instance, created
 * @argp: struct kvm_irq_routing in userspace
 *
 * Return: 0, or -EFAULT, -EINVAL, -ENOMEM with the old table unchanged.
 */
int kic_set_gsi_routing(struct kic *kic, void __user *argp)
{
	struct kvm_irq_routing __user *urouting = argp;
	struct kvm_irq_routing_entry *entries = NULL;
	struct kvm_irq_routing routing;
	struct kic_routing *new, *old;

	if (copy_from_user(&routing, urouting, sizeof(routing)))
		return -EFAULT;
	if (routing.nr > KIC_MAX_ROUTES || routing.flags)
		return -EINVAL;
	if (routing.nr) {
		entries = vmemdup_user(urouting->entries,
				       array_size(sizeof(*entries), routing.nr));
		if (IS_ERR(entries))
			return PTR_ERR(entries);
	}

	new = kic_routing_build(kic, entries, routing.nr);
	kvfree(entries);
	if (IS_ERR(new))
		return PTR_ERR(new);

	mutex_lock(&kic->lock);
	old = rcu_replace_pointer(kic->routing, new,
				  lockdep_is_held(&kic->lock));
	mutex_unlock(&kic->lock);

	/* Outside the lock, and this instance's readers only. */
	synchronize_srcu(&kic->srcu);
	kic_routing_free(old);
	return 0;
}

/**
 * kic_routing_set_default() - install the table a model starts with
 * @kic: the instance, being created (kic->lock held, no table yet)
 * @ue: the model's entries
 * @nr: how many
 *
 * Return: 0 or a negative errno; the instance keeps no table on error.
 */
int kic_routing_set_default(struct kic *kic,
			    const struct kvm_irq_routing_entry *ue, u32 nr)
{
	struct kic_routing *rt;

	lockdep_assert_held(&kic->lock);
	if (WARN_ON_ONCE(rcu_access_pointer(kic->routing)))
		return -EEXIST;
	rt = kic_routing_build(kic, ue, nr);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	rcu_assign_pointer(kic->routing, rt);
	return 0;
}

/**
 * kic_gsi_has_pin() - is a GSI routed to a controller pin now?
 * @kic: the instance, created
 * @gsi: the GSI
 *
 * A pin is any entry that is not a message: an IRQCHIP route, or a
 * model's own line route (a XICS source), which resampling can lower.
 *
 * Return: true when one of its entries is not an MSI route.
 */
bool kic_gsi_has_pin(struct kic *kic, u32 gsi)
{
	struct kic_routing *rt;
	struct kic_gsi *g;
	bool ret = false;
	int idx;
	u32 i;

	idx = srcu_read_lock(&kic->srcu);
	rt = srcu_dereference(kic->routing, &kic->srcu);
	g = rt ? xa_load(&rt->gsis, gsi) : NULL;
	for (i = 0; g && i < g->nr; i++)
		if (g->route[i].type != KVM_IRQ_ROUTING_MSI)
			ret = true;
	srcu_read_unlock(&kic->srcu, idx);
	return ret;
}

/**
 * kic_set_gsi() - raise or lower a GSI through every entry routed to it
 * @kic: the instance, created
 * @gsi: the GSI
 * @src: who drives it (enum kic_src)
 * @level: 1 to raise, 0 to lower
 * @how: KIC_SET_ATOMIC when called in atomic context (see struct
 *	kic_model_ops), KIC_SET_LINE_STATUS for KVM_IRQ_LINE_STATUS,
 *	KIC_SET_PULSE to lower each pin again right after raising it (an
 *	irqfd's edge; a message has no level to lower)
 *
 * Return: KVM's status: -1 when no entry delivered (no route, masked),
 * 0 when coalesced, otherwise the number of vCPUs reached summed over the
 * entries; -EWOULDBLOCK when atomic and an entry needs process context.
 */
int kic_set_gsi(struct kic *kic, u32 gsi, unsigned int src, int level,
		unsigned int how)
{
	struct kic_routing *rt;
	struct kic_gsi *g;
	int idx, ret = -1;
	u32 i;

	idx = srcu_read_lock(&kic->srcu);
	rt = srcu_dereference(kic->routing, &kic->srcu);
	g = rt ? xa_load(&rt->gsis, gsi) : NULL;
	if (!g) {
		if (level)	/* a raise that goes nowhere */
			kic_stat_inc(kic, KIC_STAT_NO_ROUTE);
		goto out;
	}
	/*
	 * Atomic callers need every entry to go through atomically, or none:
	 * half a fan-out followed by a retry of all would raise pins twice.
	 * Models that can block say so before changing anything.
	 */
	for (i = 0; i < g->nr; i++) {
		int r = kic->ops->deliver(kic, &g->route[i], src, level, how);

		if (r == -EWOULDBLOCK) {
			WARN_ON_ONCE(!(how & KIC_SET_ATOMIC) || i);
			ret = r;
			break;
		}
		if (r < 0)
			continue;
		ret = r + (ret < 0 ? 0 : ret);
	}
out:
	srcu_read_unlock(&kic->srcu, idx);
	return ret;
}
