// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip: KVM_SET_GSI_ROUTING, whole-table replacement, as a diff.
 *
 * KVM's semantics: the table given replaces the whole table, all or
 * nothing, with KVM's validation order, and when the ioctl returns no
 * delivery uses an old entry.  Here it is a diff against the current
 * table: each GSI's entries are validated into a stack buffer and compared
 * with the installed object; an unchanged GSI keeps its object (no
 * allocation, no store), a changed one gets a new object, published with
 * the primitives of virt/routing.c, and GSIs the table leaves out are
 * deleted.  One expedited grace period, outside the lock, only when
 * something was replaced.
 *
 * LOCKING: kic->lock for the whole replacement (see virt/routing.c).
 * LIFETIME: new objects belong to the struct kic_table until published;
 * retired ones go to the instance's reaper.
 */
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include <kvm_irqchip/kic.h>
#include <kvm_irqchip/model.h>
#include <kvm_irqchip/routing.h>

#include "routing_internal.h"

/**
 * struct kic_table - a whole table being installed
 * @v: its GSIs in ascending order, each with its new, unpublished entries
 *	(NULL: the GSI keeps the entries it has, which are the same)
 * @nr: GSIs in @v
 * @present: how many of them the current table has
 * @pins: pin key -> GSI, the pin map the table asks for (KVM: the last
 *	entry naming a pin wins)
 */
struct kic_table {
	struct kic_table_gsi {
		u32 gsi;
		struct kic_gsi *g;
	} *v;
	u32 nr;
	u32 present;
	struct xarray pins;
};

/* GSIs between two cond_resched() (and fatal-signal checks while building) */
#define KIC_TABLE_RESCHED_GSIS	1024

static void kic_table_free(struct kic_table *t)
{
	u32 i;

	for (i = 0; i < t->nr; i++) {
		kfree(t->v[i].g);
		if (!(i % KIC_TABLE_RESCHED_GSIS))
			cond_resched();
	}
	kvfree(t->v);
	xa_destroy(&t->pins);
}

static int kic_u64_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Group @ue by GSI, keeping each GSI's entries in the array's order (a sort
 * on GSI << 32 | index), and build every GSI; KVM's validation order:
 * every GSI is range-checked before anything else.
 */
static int kic_table_build(struct kic *kic, struct kic_table *t,
			   const struct kvm_irq_routing_entry *ue, u32 nr)
{
	const struct kvm_irq_routing_entry *grp[KIC_MAX_ROUTES_PER_GSI];
	u64 *key;
	u32 i, n;
	int r = 0;

	for (i = 0; i < nr; i++)
		if (ue[i].gsi >= kic_max_routes)
			return -EINVAL;
	for (i = 0; i < nr; i++) {
		if (ue[i].type != KVM_IRQ_ROUTING_IRQCHIP)
			continue;
		r = xa_err(xa_store(&t->pins,
				    kic_pin_key(ue[i].u.irqchip.irqchip,
						ue[i].u.irqchip.pin),
				    xa_mk_value(ue[i].gsi), GFP_KERNEL_ACCOUNT));
		if (r)
			return r;
	}
	if (!nr)
		return 0;

	key = kvmalloc_array(nr, sizeof(*key), GFP_KERNEL_ACCOUNT);
	t->v = kvmalloc_array(nr, sizeof(*t->v), GFP_KERNEL_ACCOUNT);
	if (!key || !t->v) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nr; i++)
		key[i] = (u64)ue[i].gsi << 32 | i;
	/* VMMs usually list GSIs in order: then there is nothing to sort. */
	for (i = 1; i < nr && key[i - 1] < key[i]; i++)
		;
	if (i < nr)
		sort(key, nr, sizeof(*key), kic_u64_cmp, NULL);

	for (i = 0; i < nr; i += n) {
		struct kic_route route[KIC_MAX_ROUTES_PER_GSI] = {};
		u32 gsi = key[i] >> 32;
		struct kic_gsi *g;

		/*
		 * A table of max_routes entries takes a while: let others
		 * run, and let a killed VMM go without finishing it.
		 */
		if (!(t->nr % KIC_TABLE_RESCHED_GSIS)) {
			cond_resched();
			if (fatal_signal_pending(current)) {
				r = -EINTR;
				goto out;
			}
		}

		for (n = 0; i + n < nr && key[i + n] >> 32 == gsi; n++) {
			/* KVM finds a fourth entry invalid. */
			if (n == KIC_MAX_ROUTES_PER_GSI) {
				r = -EINVAL;
				goto out;
			}
			grp[n] = &ue[(u32)key[i + n]];
		}
		r = kic_gsi_setup(kic, grp, n, route);
		if (r)
			goto out;
		/* Unchanged: keep the installed object, allocate nothing. */
		g = xa_load(&kic->routing.gsis, gsi);
		t->present += !!g;
		if (g && g->nr == n &&
		    !memcmp(g->route, route, n * sizeof(route[0]))) {
			g = NULL;
		} else {
			g = kic_gsi_alloc(kic, gsi, route, n);
			if (IS_ERR(g)) {
				r = PTR_ERR(g);
				goto out;
			}
		}
		t->v[t->nr].gsi = gsi;
		t->v[t->nr++].g = g;
	}
out:
	kvfree(key);
	return r;
}

/*
 * Install @t in place of the current table.  Reserve first (the only step
 * that can fail), then store; unchanged GSIs keep their objects.
 */
static int kic_table_install(struct kic *kic, struct kic_table *t)
{
	struct kic_routing *rt = &kic->routing;
	unsigned long gsi, key;
	struct kic_gsi *old;
	u32 i, j;
	void *v;
	int r = 0;

	lockdep_assert_held(&kic->lock);
	for (i = 0; !r && i < t->nr; i++) {
		if (t->v[i].g)
			r = kic_routing_reserve(kic, t->v[i].gsi, t->v[i].g);
		if (!(i % KIC_TABLE_RESCHED_GSIS))
			cond_resched();
	}
	if (r) {
		while (i--)
			if (t->v[i].g)
				kic_routing_unreserve(kic, t->v[i].gsi,
						      t->v[i].g);
		return r;
	}

	/*
	 * Both in ascending GSI order: delete what the table leaves out,
	 * unless it names every GSI there is (the usual case).
	 */
	if (t->present < rt->nr_gsis) {
		j = 0;
		xa_for_each(&rt->gsis, gsi, old) {
			while (j < t->nr && t->v[j].gsi < gsi)
				j++;
			if (j == t->nr || t->v[j].gsi != gsi)
				kic_routing_publish(kic, gsi, NULL, false);
		}
	}
	for (i = 0; i < t->nr; i++) {
		if (t->v[i].g)
			kic_routing_publish(kic, t->v[i].gsi, t->v[i].g, false);
		t->v[i].g = NULL;
		if (!(i % KIC_TABLE_RESCHED_GSIS))
			cond_resched();
	}

	/* The pin map the table asked for. */
	xa_for_each(&rt->pins, key, v)
		if (!xa_load(&t->pins, key))
			xa_erase(&rt->pins, key);
	xa_for_each(&t->pins, key, v)
		xa_store(&rt->pins, key, v, 0);
	return 0;
}

/* Replace the whole table with @ue (kic->lock held). */
static int kic_routing_replace(struct kic *kic,
			       const struct kvm_irq_routing_entry *ue, u32 nr)
{
	struct kic_table t = {};
	int r;

	lockdep_assert_held(&kic->lock);
	xa_init(&t.pins);
	r = kic_table_build(kic, &t, ue, nr);
	if (!r)
		r = kic_table_install(kic, &t);
	kic_table_free(&t);
	return r;
}

/**
 * kic_set_gsi_routing() - KVM_SET_GSI_ROUTING
 * @kic: the instance, created
 * @argp: struct kvm_irq_routing in userspace
 *
 * Return: 0, or -EFAULT, -EINVAL, -ENOMEM with the table unchanged (and
 * -EINTR, unchanged too, when a fatal signal stops a long table).
 */
int kic_set_gsi_routing(struct kic *kic, void __user *argp)
{
	struct kvm_irq_routing __user *urouting = argp;
	struct kvm_irq_routing_entry *entries = NULL;
	struct callback_head *retired;
	struct kvm_irq_routing routing;
	int r;

	if (copy_from_user(&routing, urouting, sizeof(routing)))
		return -EFAULT;
	if (routing.nr > kic_max_routes || routing.flags)
		return -EINVAL;
	if (routing.nr) {
		entries = kvmalloc_array(routing.nr, sizeof(*entries),
					 GFP_KERNEL_ACCOUNT);
		if (!entries)
			return -ENOMEM;
		if (copy_from_user(entries, urouting->entries,
				   array_size(sizeof(*entries), routing.nr))) {
			kvfree(entries);
			return -EFAULT;
		}
	}

	mutex_lock(&kic->lock);
	r = kic_routing_replace(kic, entries, routing.nr);
	retired = kic_routing_take_retired(kic);
	mutex_unlock(&kic->lock);
	kvfree(entries);
	/*
	 * KVM's promise: when it returns, no delivery uses a replaced entry.
	 * One wait, outside the lock, only when an entry was replaced.
	 */
	kic_routing_end(kic, retired, true);
	return r;
}

/**
 * kic_routing_set_default() - install the table a model starts with
 * @kic: the instance, being created (kic->lock held, empty table)
 * @ue: the model's entries
 * @nr: how many
 *
 * Return: 0 or a negative errno; the table stays empty on error.
 */
int kic_routing_set_default(struct kic *kic,
			    const struct kvm_irq_routing_entry *ue, u32 nr)
{
	int r;

	lockdep_assert_held(&kic->lock);
	r = kic_routing_replace(kic, ue, nr);
	/* The table was empty: nothing was replaced. */
	WARN_ON_ONCE(kic_routing_take_retired(kic));
	return r;
}
