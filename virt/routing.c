// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip: the GSI routing table: its update primitives, the reaper
 * that frees what updates retire, and delivery through it.
 *
 * The table is an xarray keyed by GSI; each present GSI points to an
 * immutable struct kic_gsi holding all of its entries.  Changing a GSI
 * builds a new struct kic_gsi and publishes it with one store: deliveries
 * see either every old entry or every new one, never a mix.  The objects
 * an update retires are chained and handed, when it ends, to a reaper on
 * the instance's own workqueue: one expedited grace period of the
 * instance's SRCU domain for everything retired since it last ran, then
 * the frees.  No update waits unless it must.  Whole-table replacement
 * (KVM_SET_GSI_ROUTING) is in virt/route_table.c, incremental updates
 * (KVM_IRQCHIP_ROUTE_BATCH) in virt/route_batch.c.
 *
 * Every update is all or nothing: entries are validated and built, and
 * every xarray slot the update will fill is reserved, before the first
 * store; stores into reserved or present slots and erases cannot fail.
 *
 * Ordering guarantee: a signal raised after an update returns uses the
 * new entries.  A delivery that looked its GSI up before the store may
 * still complete through the old entries (a message already on the bus)
 * after an incremental update returns; KVM_IRQCHIP_ROUTE_BATCH_SYNC waits
 * for those, once per batch.  KVM_SET_GSI_ROUTING keeps KVM's promise and
 * waits once, outside the lock, when it replaced or deleted something.
 *
 * LOCKING
 *   kic->lock: held by every writer of kic->routing (entries, pins, marks,
 *	counts, the retired chain).
 *   kic->srcu: readers (kic_set_gsi(), kic_pin_gsi()) hold it, from any
 *	context; xa_load() itself is RCU-safe.
 * LIFETIME
 *   A struct kic_gsi is owned by the table from its store to its
 *   replacement or erasure, then by the update's retired chain, then by
 *   the reaper, which frees it after the instance's SRCU readers.  At
 *   instance teardown the workqueue (and so the reaper) is drained first,
 *   then kic_routing_destroy() frees what is left.  GSI state blocks
 *   (virt/gsi.c) live until teardown.
 */
#include <linux/llist.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <kvm_irqchip/kic.h>
#include <kvm_irqchip/model.h>
#include <kvm_irqchip/routing.h>

#include "routing_internal.h"

unsigned int kic_max_routes = 1U << 20;
module_param_named(max_routes, kic_max_routes, uint, 0444);
MODULE_PARM_DESC(max_routes,
		 "Routing entries per instance, and the first invalid GSI (default 1048576, at most 16777216)");

static void kic_routing_reap(struct work_struct *work);

void kic_routing_init(struct kic_routing *rt)
{
	xa_init(&rt->gsis);
	xa_init(&rt->pins);
	xa_init(&rt->blocks);
	rt->nr_entries = 0;
	rt->nr_gsis = 0;
	init_llist_head(&rt->reap);
	INIT_WORK(&rt->reap_work, kic_routing_reap);
}

/* @g left the table: freed when the update ends (kic_routing_end()). */
static void kic_gsi_retire(struct kic *kic, struct kic_gsi *g)
{
	lockdep_assert_held(&kic->lock);
	if (!g)
		return;
	g->rcu.next = kic->routing.retired;
	kic->routing.retired = &g->rcu;
}

static void kic_gsi_free_chain(struct callback_head *p)
{
	while (p) {
		struct callback_head *next = p->next;

		kfree(container_of(p, struct kic_gsi, rcu));
		p = next;
	}
}

/**
 * struct kic_retired - the entries one update retired, for the reaper
 * @node: entry in kic->routing.reap
 * @list: the chain
 */
struct kic_retired {
	struct llist_node node;
	struct callback_head *list;
};

/*
 * The reaper, on the instance's workqueue: one expedited grace period for
 * everything retired since it last ran, then the frees.  Not call_srcu():
 * its normal grace periods take jiffies, and a KVM_SET_GSI_ROUTING that
 * must wait would queue behind them.
 */
static void kic_routing_reap(struct work_struct *work)
{
	struct kic *kic = container_of(work, struct kic, routing.reap_work);
	struct llist_node *all = llist_del_all(&kic->routing.reap);
	struct kic_retired *r, *tmp;

	if (!all)
		return;
	synchronize_srcu_expedited(&kic->srcu);
	llist_for_each_entry_safe(r, tmp, all, node) {
		kic_gsi_free_chain(r->list);
		kfree(r);
	}
}

/**
 * kic_routing_take_retired() - detach what the update retired
 * @kic: the instance (kic->lock held, the update done)
 *
 * Return: the chain, for kic_routing_end() after the lock is dropped.
 */
struct callback_head *kic_routing_take_retired(struct kic *kic)
{
	struct callback_head *list = kic->routing.retired;

	lockdep_assert_held(&kic->lock);
	kic->routing.retired = NULL;
	return list;
}

/**
 * kic_routing_end() - free the entries an update retired
 * @kic: the instance (kic->lock not held)
 * @retired: from kic_routing_take_retired()
 * @wait: return only when no delivery uses them any more
 *
 * The instance's reaper frees them all after a grace period, whatever their
 * number; @wait (or no memory to hand them over) adds one expedited grace
 * period here, outside any lock.
 */
void kic_routing_end(struct kic *kic, struct callback_head *retired, bool wait)
{
	struct kic_retired *r;

	if (!retired)
		return;
	if (wait)
		synchronize_srcu_expedited(&kic->srcu);
	r = kmalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r) {
		if (!wait)
			synchronize_srcu_expedited(&kic->srcu);
		kic_gsi_free_chain(retired);
		return;
	}
	/* Even after a wait: the freeing need not delay the caller. */
	r->list = retired;
	llist_add(&r->node, &kic->routing.reap);
	queue_work(kic->wq, &kic->routing.reap_work);
}

/**
 * kic_routing_destroy() - free the table of a dying instance
 * @kic: the instance; no reader is left
 */
void kic_routing_destroy(struct kic *kic)
{
	struct kic_routing *rt = &kic->routing;
	struct kic_gsi *g;
	unsigned long gsi;

	/* kic->wq, and so the reaper, is gone: nothing is left to reap. */
	WARN_ON_ONCE(rt->retired || !llist_empty(&rt->reap));
	xa_for_each(&rt->gsis, gsi, g) {
		kfree(g);
		cond_resched();		/* up to max_routes of them */
	}
	xa_destroy(&rt->gsis);
	xa_destroy(&rt->pins);
	kic_gsi_blocks_free(rt);
}

/*
 * KVM's rule: a GSI may fan out to several pin controllers, once each; any
 * other entry must be alone on its GSI.  @route holds the @nr entries
 * accepted so far.
 */
static bool kic_gsi_conflicts(const struct kic_route *route, u32 nr,
			      const struct kvm_irq_routing_entry *ue)
{
	u32 i;

	for (i = 0; i < nr; i++) {
		const struct kic_route *r = &route[i];

		if (r->type != KVM_IRQ_ROUTING_IRQCHIP ||
		    ue->type != KVM_IRQ_ROUTING_IRQCHIP ||
		    r->pin.irqchip == ue->u.irqchip.irqchip)
			return true;
	}
	return false;
}

/* Entry checks that do not depend on the model. */
static int kic_entry_check(const struct kvm_irq_routing_entry *ue)
{
	u32 allowed = ue->type == KVM_IRQ_ROUTING_MSI ? KVM_MSI_VALID_DEVID : 0;

	if (ue->gsi >= kic_max_routes || ue->flags & ~allowed)
		return -EINVAL;
	return 0;
}

/*
 * Validate one GSI's entries and fill @route[0..@nr) in the model's terms
 * (@route zeroed by the caller, so equal entries compare equal).
 */
int kic_gsi_setup(struct kic *kic,
		  const struct kvm_irq_routing_entry *const *ue, u32 nr,
		  struct kic_route *route)
{
	u32 i;
	int r;

	if (!nr || nr > KIC_MAX_ROUTES_PER_GSI)
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		r = kic_entry_check(ue[i]);
		if (!r && kic_gsi_conflicts(route, i, ue[i]))
			r = -EINVAL;
		if (!r)
			r = kic->ops->route_setup(kic, ue[i], &route[i]);
		if (r)
			return r;
		route[i].gsi = ue[i]->gsi;
	}
	return 0;
}

/* A new struct kic_gsi holding @route[0..@nr) of GSI @gsi. */
struct kic_gsi *kic_gsi_alloc(struct kic *kic, u32 gsi,
			      const struct kic_route *route, u32 nr)
{
	struct kic_gsi *g;

	g = kmalloc(struct_size(g, route, nr), GFP_KERNEL_ACCOUNT);
	if (!g)
		return ERR_PTR(-ENOMEM);
	g->block = kic_gsi_block_get(kic, gsi);
	if (!g->block) {
		kfree(g);
		return ERR_PTR(-ENOMEM);
	}
	g->nr = nr;
	memcpy(g->route, route, nr * sizeof(*route));
	return g;
}

/**
 * kic_gsi_build() - a new, unpublished struct kic_gsi for one GSI
 * @kic: the instance (kic->lock held)
 * @ue: the GSI's entries, in order; all name the same GSI
 * @nr: how many (1..KIC_MAX_ROUTES_PER_GSI, else -EINVAL)
 *
 * Return: the object, or an ERR_PTR: -EINVAL for an entry KVM or the model
 * refuses, -ENOMEM.
 */
struct kic_gsi *kic_gsi_build(struct kic *kic,
			      const struct kvm_irq_routing_entry *const *ue,
			      u32 nr)
{
	struct kic_route route[KIC_MAX_ROUTES_PER_GSI] = {};
	int r;

	lockdep_assert_held(&kic->lock);
	r = kic_gsi_setup(kic, ue, nr, route);
	if (r)
		return ERR_PTR(r);
	return kic_gsi_alloc(kic, ue[0]->gsi, route, nr);
}

static bool kic_gsi_names_pin(const struct kic_gsi *g, unsigned long key)
{
	u32 i;

	for (i = 0; g && i < g->nr; i++)
		if (g->route[i].type == KVM_IRQ_ROUTING_IRQCHIP &&
		    kic_pin_key(g->route[i].pin.irqchip, g->route[i].pin.pin) == key)
			return true;
	return false;
}

/**
 * kic_routing_reserve() - make room for @g's GSI and the pins it names
 * @kic: the instance (kic->lock held)
 * @gsi: the GSI
 * @g: its new entries, or NULL to reserve the GSI's slot only
 *
 * Return: 0 or -ENOMEM.  Undo with kic_routing_unreserve().
 */
int kic_routing_reserve(struct kic *kic, u32 gsi, const struct kic_gsi *g)
{
	struct kic_routing *rt = &kic->routing;
	u32 i;
	int r;

	lockdep_assert_held(&kic->lock);
	/* A present GSI keeps its slot: nothing to reserve (the common case). */
	r = xa_load(&rt->gsis, gsi) ? 0 :
	    xa_reserve(&rt->gsis, gsi, GFP_KERNEL_ACCOUNT);
	for (i = 0; !r && g && i < g->nr; i++)
		if (g->route[i].type == KVM_IRQ_ROUTING_IRQCHIP)
			r = xa_reserve(&rt->pins,
				       kic_pin_key(g->route[i].pin.irqchip,
						   g->route[i].pin.pin),
				       GFP_KERNEL_ACCOUNT);
	return r;
}

/* Release what kic_routing_reserve() reserved and nothing filled. */
void kic_routing_unreserve(struct kic *kic, u32 gsi, const struct kic_gsi *g)
{
	struct kic_routing *rt = &kic->routing;
	u32 i;

	lockdep_assert_held(&kic->lock);
	xa_release(&rt->gsis, gsi);
	for (i = 0; g && i < g->nr; i++)
		if (g->route[i].type == KVM_IRQ_ROUTING_IRQCHIP)
			xa_release(&rt->pins,
				   kic_pin_key(g->route[i].pin.irqchip,
					       g->route[i].pin.pin));
}

/*
 * Pin @key lost GSI @gsi: report its acknowledgments for the lowest other
 * GSI that names it, or for none.  Pin routes are few; this walks only the
 * GSIs marked as having one.
 */
static void kic_pin_orphaned(struct kic_routing *rt, unsigned long key,
			     u32 gsi)
{
	struct kic_gsi *g;
	unsigned long i;

	if (xa_load(&rt->pins, key) != xa_mk_value(gsi))
		return;
	xa_for_each_marked(&rt->gsis, i, g, KIC_GSI_HAS_PIN) {
		if (kic_gsi_names_pin(g, key)) {
			xa_store(&rt->pins, key, xa_mk_value(i), 0);
			return;
		}
	}
	xa_erase(&rt->pins, key);
}

/**
 * kic_routing_publish() - make @g the entries of @gsi, or delete @gsi
 * @kic: the instance (kic->lock held)
 * @gsi: the GSI, its slot reserved by kic_routing_reserve() if it is new
 * @g: the new entries, or NULL to delete the GSI
 * @claim_pins: the pins @g names report their acknowledgments for @gsi
 *	from now on (an incremental update; a whole-table update sets the pin
 *	map itself)
 *
 * Cannot fail.  The old entries are freed after the SRCU readers.
 */
void kic_routing_publish(struct kic *kic, u32 gsi, struct kic_gsi *g,
			 bool claim_pins)
{
	struct kic_routing *rt = &kic->routing;
	struct kic_gsi *old;
	bool has_pin = false;
	u32 i;

	lockdep_assert_held(&kic->lock);
	/* A line to resample: any entry but a message (IRQCHIP, XICS). */
	for (i = 0; g && i < g->nr; i++)
		if (g->route[i].type != KVM_IRQ_ROUTING_MSI)
			has_pin = true;

	if (g) {
		old = xa_store(&rt->gsis, gsi, g, 0);
		WARN_ON_ONCE(xa_is_err(old));
		if (has_pin)
			xa_set_mark(&rt->gsis, gsi, KIC_GSI_HAS_PIN);
		else if (xa_get_mark(&rt->gsis, gsi, KIC_GSI_HAS_PIN))
			xa_clear_mark(&rt->gsis, gsi, KIC_GSI_HAS_PIN);
	} else {
		old = xa_erase(&rt->gsis, gsi);
	}
	rt->nr_entries += (g ? g->nr : 0) - (old ? old->nr : 0);
	rt->nr_gsis += !!g - !!old;
	trace_kvm_irqchip_route(kic, gsi, g, old);

	if (claim_pins) {
		for (i = 0; old && i < old->nr; i++) {
			const struct kic_route *r = &old->route[i];
			unsigned long key;

			if (r->type != KVM_IRQ_ROUTING_IRQCHIP)
				continue;
			key = kic_pin_key(r->pin.irqchip, r->pin.pin);
			if (!kic_gsi_names_pin(g, key))
				kic_pin_orphaned(rt, key, gsi);
		}
		for (i = 0; g && i < g->nr; i++)
			if (g->route[i].type == KVM_IRQ_ROUTING_IRQCHIP)
				xa_store(&rt->pins,
					 kic_pin_key(g->route[i].pin.irqchip,
						     g->route[i].pin.pin),
					 xa_mk_value(gsi), 0);
	}
	kic_gsi_retire(kic, old);
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
	return xa_get_mark(&kic->routing.gsis, gsi, KIC_GSI_HAS_PIN);
}

/**
 * kic_pin_gsi() - the GSI a pin's acknowledgment is reported for
 * @kic: the instance
 * @irqchip: the controller, KVM_IRQCHIP_*
 * @pin: the pin
 * @gsi: out: the GSI
 *
 * Return: false when no route names the pin.
 */
bool kic_pin_gsi(struct kic *kic, u32 irqchip, u32 pin, u32 *gsi)
{
	void *v = xa_load(&kic->routing.pins, kic_pin_key(irqchip, pin));

	if (!xa_is_value(v))
		return false;
	*gsi = xa_to_value(v);
	return true;
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
 * A raise of a masked GSI sets its pending bit instead (virt/gsi.c).
 *
 * Return: KVM's status: -1 when no entry delivered (no route, masked),
 * 0 when coalesced, otherwise the number of vCPUs reached summed over the
 * entries; -EWOULDBLOCK when atomic and an entry needs process context.
 */
int kic_set_gsi(struct kic *kic, u32 gsi, unsigned int src, int level,
		unsigned int how)
{
	struct kic_routing *rt = &kic->routing;
	struct kic_gsi_block *b = NULL;
	struct kic_gsi *g;
	int idx, ret = -1;
	u32 i;

	idx = srcu_read_lock(&kic->srcu);
	g = xa_load(&rt->gsis, gsi);
	if (level) {
		b = g ? g->block : xa_load(&rt->blocks, gsi / KIC_GSI_BLOCK);
		if (b && kic_gsi_latch(kic, b, gsi))
			goto out;
	}
	if (!g) {
		if (level) {	/* a raise that goes nowhere */
			kic_stat_inc(kic, KIC_STAT_NO_ROUTE);
			if (b)
				kic_gsi_count(b, gsi, -1);
		}
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
			goto out;
		}
		if (r < 0)
			continue;
		ret = r + (ret < 0 ? 0 : ret);
	}
	if (level)
		kic_gsi_count(b, gsi, ret);
out:
	trace_kvm_irqchip_set_gsi(kic, gsi, g, src, level, how, ret);
	srcu_read_unlock(&kic->srcu, idx);
	return ret;
}
