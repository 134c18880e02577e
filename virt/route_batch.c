// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip: KVM_IRQCHIP_ROUTE_BATCH, incremental routing updates.
 *
 * A batch is a list of operations (set the entries of one GSI, delete a
 * GSI, mask, unmask) applied in order.  It runs in two phases under
 * kic->lock:
 *   1. plan: every operation is checked against the table as the
 *      operations before it leave it (a private view of touched GSIs),
 *      its new entries are built, its GSI state block is created and every
 *      slot it will fill is reserved.  Any failure undoes the reservations,
 *      frees what was built and reports the operation's index: nothing
 *      visible has changed (state blocks may have been created; they are
 *      invisible until used).
 *   2. apply: the operations are carried out in order; none can fail.
 *      Each GSI switches with one store; unmask delivers a pending raise.
 * The old entries are freed by one SRCU callback; with
 * KVM_IRQCHIP_ROUTE_BATCH_SYNC the ioctl instead waits for the instance's
 * readers once, after dropping the lock, and frees them itself.
 *
 * LOCKING: kic->lock for both phases (see virt/routing.c).
 * LIFETIME: built entries belong to the plan until published.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <kvm_irqchip/kic.h>
#include <kvm_irqchip/routing.h>

#include "routing_internal.h"

/* At most this many operations per batch; entries at most 3 per op. */
#define KIC_BATCH_MAX_OPS	BIT(24)

/**
 * struct kic_batch_step - one planned operation
 * @g: OP_SET: its new entries, until published
 * @block: the GSI's state block (not for OP_DELETE)
 * @superseded: OP_DELETE followed by an OP_SET of the same GSI: the set
 *	replaces the entries directly, so the GSI's slot, which the set
 *	needs, is never given up in between
 */
struct kic_batch_step {
	struct kic_gsi *g;
	struct kic_gsi_block *block;
	bool superseded;
};

/**
 * struct kic_batch - a batch being planned
 * @ops: the operations, copied in
 * @ue: the entries, copied in
 * @steps: one per operation
 * @view: GSI -> xa_mk_value(kic_batch_view()): for GSIs the batch touched,
 *	the entries after the operations planned so far and the last
 *	operation that changed them; others read the table
 * @nr_entries: the table's entry count after the planned operations
 */
struct kic_batch {
	struct kvm_irqchip_route_op *ops;
	struct kvm_irq_routing_entry *ue;
	struct kic_batch_step *steps;
	struct xarray view;
	u32 nr_entries;
};

#define KIC_VIEW_NR_BITS	2	/* entries per GSI: 0..3 */

static unsigned long kic_batch_view(u32 op_index, u32 nr)
{
	return (unsigned long)op_index << KIC_VIEW_NR_BITS | nr;
}

/*
 * Entries of @gsi after the operations planned so far; @last: the index
 * of the operation that last changed them, or U32_MAX.
 */
static u32 kic_batch_nr(struct kic *kic, struct kic_batch *b, u32 gsi,
			u32 *last)
{
	void *v = xa_load(&b->view, gsi);
	struct kic_gsi *g;

	if (v) {
		*last = xa_to_value(v) >> KIC_VIEW_NR_BITS;
		return xa_to_value(v) & GENMASK(KIC_VIEW_NR_BITS - 1, 0);
	}
	*last = U32_MAX;
	g = xa_load(&kic->routing.gsis, gsi);
	return g ? g->nr : 0;
}

static int kic_batch_plan_set(struct kic *kic, struct kic_batch *b,
			      const struct kvm_irqchip_route_op *op,
			      u32 nr_entries, struct kic_batch_step *s)
{
	const struct kvm_irq_routing_entry *grp[KIC_MAX_ROUTES_PER_GSI];
	u32 i;

	if (!op->nr || op->nr > KIC_MAX_ROUTES_PER_GSI ||
	    op->first > nr_entries || op->nr > nr_entries - op->first)
		return -EINVAL;
	for (i = 0; i < op->nr; i++) {
		grp[i] = &b->ue[op->first + i];
		if (grp[i]->gsi != op->gsi)
			return -EINVAL;
	}
	s->g = kic_gsi_build(kic, grp, op->nr);
	if (IS_ERR(s->g)) {
		int r = PTR_ERR(s->g);

		s->g = NULL;
		return r;
	}
	s->block = s->g->block;
	return kic_routing_reserve(kic, op->gsi, s->g);
}

/* Phase 1 for one operation; on error the caller undoes steps 0..@i. */
static int kic_batch_plan_op(struct kic *kic, struct kic_batch *b, u32 i,
			     u32 nr_entries)
{
	const struct kvm_irqchip_route_op *op = &b->ops[i];
	struct kic_batch_step *s = &b->steps[i];
	u32 before, after, last;
	int r;

	if (op->gsi >= kic_max_routes)
		return -EINVAL;
	switch (op->op) {
	case KVM_IRQCHIP_ROUTE_OP_MASK:
	case KVM_IRQCHIP_ROUTE_OP_UNMASK:
		if (op->first || op->nr)
			return -EINVAL;
		s->block = kic_gsi_block_get(kic, op->gsi);
		return s->block ? 0 : -ENOMEM;
	case KVM_IRQCHIP_ROUTE_OP_SET:
	case KVM_IRQCHIP_ROUTE_OP_DELETE:
		break;
	default:
		return -EINVAL;
	}

	before = kic_batch_nr(kic, b, op->gsi, &last);
	if (op->op == KVM_IRQCHIP_ROUTE_OP_SET) {
		r = kic_batch_plan_set(kic, b, op, nr_entries, s);
		if (r)
			return r;
		if (last != U32_MAX &&
		    b->ops[last].op == KVM_IRQCHIP_ROUTE_OP_DELETE)
			b->steps[last].superseded = true;
		after = op->nr;
	} else {
		if (op->first || op->nr)
			return -EINVAL;
		if (!before)
			return -ENOENT;
		after = 0;
	}
	if (b->nr_entries - before + after > kic_max_routes)
		return -ENOSPC;
	b->nr_entries = b->nr_entries - before + after;
	return xa_err(xa_store(&b->view, op->gsi,
			       xa_mk_value(kic_batch_view(i, after)),
			       GFP_KERNEL_ACCOUNT));
}

static void kic_batch_apply_op(struct kic *kic, struct kic_batch *b, u32 i)
{
	const struct kvm_irqchip_route_op *op = &b->ops[i];
	struct kic_batch_step *s = &b->steps[i];

	switch (op->op) {
	case KVM_IRQCHIP_ROUTE_OP_SET:
		kic_routing_publish(kic, op->gsi, s->g, true);
		s->g = NULL;
		break;
	case KVM_IRQCHIP_ROUTE_OP_DELETE:
		if (!s->superseded)
			kic_routing_publish(kic, op->gsi, NULL, true);
		break;
	case KVM_IRQCHIP_ROUTE_OP_MASK:
		kic_gsi_mask(kic, s->block, op->gsi);
		break;
	case KVM_IRQCHIP_ROUTE_OP_UNMASK:
		kic_gsi_unmask(kic, s->block, op->gsi);
		break;
	}
}

/* Run both phases; returns the failing operation's index in @err. */
static int kic_batch_run(struct kic *kic, struct kic_batch *b,
			 const struct kvm_irqchip_route_batch *args, u32 *err)
{
	struct callback_head *retired;
	u32 i;
	int r = 0;

	mutex_lock(&kic->lock);
	b->nr_entries = kic->routing.nr_entries;
	for (i = 0; i < args->nr_ops; i++) {
		r = kic_batch_plan_op(kic, b, i, args->nr_entries);
		if (r)
			break;
	}
	if (r) {
		*err = i;
		/* Undo in reverse: a GSI reserved twice is released once. */
		do {
			struct kic_batch_step *s = &b->steps[i];

			if (b->ops[i].op == KVM_IRQCHIP_ROUTE_OP_SET &&
			    b->ops[i].gsi < kic_max_routes)
				kic_routing_unreserve(kic, b->ops[i].gsi, s->g);
			kfree(s->g);
			s->g = NULL;
		} while (i--);
	} else {
		for (i = 0; i < args->nr_ops; i++)
			kic_batch_apply_op(kic, b, i);
	}
	retired = kic_routing_take_retired(kic);
	mutex_unlock(&kic->lock);
	kic_routing_end(kic, retired,
			args->flags & KVM_IRQCHIP_ROUTE_BATCH_SYNC);
	return r;
}

/*
 * Small batches (a VMM masking one vector, changing one route) need no
 * allocation: their arrays live on the stack.
 */
#define KIC_BATCH_SMALL		4

/**
 * struct kic_batch_small - the arrays of a small batch
 * @ops: the operations
 * @steps: their plans
 * @ue: their entries
 */
struct kic_batch_small {
	struct kvm_irqchip_route_op ops[KIC_BATCH_SMALL];
	struct kic_batch_step steps[KIC_BATCH_SMALL];
	struct kvm_irq_routing_entry ue[KIC_BATCH_SMALL];
};

static int kic_batch_copy_in(struct kic_batch *b,
			     const struct kvm_irqchip_route_batch *args,
			     struct kic_batch_small *small)
{
	if (args->nr_ops <= KIC_BATCH_SMALL &&
	    args->nr_entries <= KIC_BATCH_SMALL) {
		b->ops = small->ops;
		b->steps = small->steps;
		b->ue = small->ue;
		memset(b->steps, 0, sizeof(small->steps));
	} else {
		b->ops = kvmalloc_array(args->nr_ops, sizeof(*b->ops),
					GFP_KERNEL_ACCOUNT);
		b->steps = kvcalloc(args->nr_ops, sizeof(*b->steps),
				    GFP_KERNEL_ACCOUNT);
		b->ue = kvmalloc_array(args->nr_entries ?: 1, sizeof(*b->ue),
				       GFP_KERNEL_ACCOUNT);
	}
	if (!b->ops || !b->steps || !b->ue)
		return -ENOMEM;
	if (copy_from_user(b->ops, u64_to_user_ptr(args->ops),
			   array_size(args->nr_ops, sizeof(*b->ops))) ||
	    copy_from_user(b->ue, u64_to_user_ptr(args->entries),
			   array_size(args->nr_entries, sizeof(*b->ue))))
		return -EFAULT;
	return 0;
}

/**
 * kic_route_batch() - KVM_IRQCHIP_ROUTE_BATCH
 * @kic: the instance, created
 * @argp: struct kvm_irqchip_route_batch in userspace
 *
 * Return: 0; -EINVAL for a malformed batch or operation or an entry KVM's
 * rules refuse (a GSI at or beyond max_routes included); -ENOENT to delete
 * a GSI without entries; -ENOSPC when the table would exceed max_routes
 * entries; -EFAULT; -ENOMEM.  On failure nothing changed and error_index
 * names the operation (KVM_IRQCHIP_ROUTE_NO_INDEX when none is at fault).
 */
int kic_route_batch(struct kic *kic, void __user *argp)
{
	struct kvm_irqchip_route_batch __user *uargs = argp;
	struct kvm_irqchip_route_batch args;
	struct kic_batch_small small;
	struct kic_batch b = {};
	u32 err = KVM_IRQCHIP_ROUTE_NO_INDEX;
	int r;

	if (copy_from_user(&args, uargs, sizeof(args)))
		return -EFAULT;
	if (args.flags & ~KVM_IRQCHIP_ROUTE_BATCH_SYNC || args.reserved[0] ||
	    args.reserved[1] || args.nr_ops > KIC_BATCH_MAX_OPS ||
	    args.nr_entries > KIC_MAX_ROUTES_PER_GSI * args.nr_ops) {
		r = -EINVAL;
		goto out;
	}
	if (!args.nr_ops)
		return 0;

	xa_init(&b.view);
	r = kic_batch_copy_in(&b, &args, &small);
	if (!r)
		r = kic_batch_run(kic, &b, &args, &err);
	xa_destroy(&b.view);
	if (b.ops != small.ops) {
		kvfree(b.ops);
		kvfree(b.steps);
		kvfree(b.ue);
	}
out:
	if (r && put_user(err, &uargs->error_index))
		return -EFAULT;
	return r;
}
