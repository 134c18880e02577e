// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip: per-GSI state that outlives route changes: the mask, the
 * latched pending bit (MSI-X PBA semantics) and the counters.
 *
 * State is kept in blocks of KIC_GSI_BLOCK consecutive GSIs, created when a
 * GSI first gets a route, an irqfd or a mask, and kept until the instance
 * dies (bounded by max_routes / KIC_GSI_BLOCK blocks).  A routing entry
 * points at its block, so a delivery finds its GSI's state without a
 * second lookup.
 *
 * Mask and pending (bit n of a block is GSI first + n):
 *   a raise of a masked GSI sets pending instead of delivering; unmask
 *   clears the mask, then delivers once if it takes the pending bit.  Both
 *   sides set their own bit, then (full barrier) look at the other's, so a
 *   raise racing with unmask is delivered exactly once, by whichever side
 *   clears pending (test_and_clear_bit is the arbiter).  Reading pending
 *   with KVM_IRQCHIP_PENDING_CLEAR clears through the same arbiter.
 *   Lowering a level is never masked: only raises are recorded.
 *
 * LOCKING
 *   Blocks are added under kic->lock (xarray of blocks, RCU readers).
 *   Bits and counters are atomics, changed from any context.
 * LIFETIME
 *   Freed by kic_gsi_blocks_free() when the instance dies.
 */
#include <linux/bitmap.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <kvm_irqchip/kic.h>
#include <kvm_irqchip/routing.h>

static unsigned int kic_gsi_bit(u32 gsi)
{
	return gsi % KIC_GSI_BLOCK;
}

/**
 * kic_gsi_block_get() - the state block of @gsi, created if needed
 * @kic: the instance (kic->lock held)
 * @gsi: the GSI, below kic_max_routes
 *
 * Return: the block, or NULL when out of memory.
 */
struct kic_gsi_block *kic_gsi_block_get(struct kic *kic, u32 gsi)
{
	struct kic_routing *rt = &kic->routing;
	struct kic_gsi_block *b;

	lockdep_assert_held(&kic->lock);
	if (WARN_ON_ONCE(gsi >= kic_max_routes))
		return NULL;
	b = xa_load(&rt->blocks, gsi / KIC_GSI_BLOCK);
	if (b)
		return b;
	b = kzalloc(sizeof(*b), GFP_KERNEL_ACCOUNT);
	if (!b)
		return NULL;
	b->cnt = kcalloc(KIC_GSI_BLOCK, sizeof(*b->cnt), GFP_KERNEL_ACCOUNT);
	if (!b->cnt ||
	    xa_err(xa_store(&rt->blocks, gsi / KIC_GSI_BLOCK, b,
			    GFP_KERNEL_ACCOUNT))) {
		kfree(b->cnt);
		kfree(b);
		return NULL;
	}
	return b;
}

void kic_gsi_blocks_free(struct kic_routing *rt)
{
	struct kic_gsi_block *b;
	unsigned long i;

	xa_for_each(&rt->blocks, i, b) {
		kfree(b->cnt);
		kfree(b);
	}
	xa_destroy(&rt->blocks);
}

/**
 * kic_gsi_latch() - record a raise of a masked GSI
 * @kic: the instance
 * @b: the GSI's block
 * @gsi: the GSI
 *
 * Any context.
 *
 * Return: true when the raise is recorded (pending), false when the GSI is
 * not masked and the caller delivers it.
 */
bool kic_gsi_latch(struct kic *kic, struct kic_gsi_block *b, u32 gsi)
{
	unsigned int bit = kic_gsi_bit(gsi);

	if (!test_bit(bit, &b->masked))
		return false;
	atomic64_inc(&b->cnt[bit].masked);
	set_bit(bit, &b->pending);
	trace_kvm_irqchip_latch(kic, gsi);
	/* Pending set before masked is read again; pairs with unmask. */
	smp_mb__after_atomic();
	if (test_bit(bit, &b->masked) || !test_and_clear_bit(bit, &b->pending))
		return true;
	/* Unmasked under us, and its unmask found nothing: deliver now. */
	atomic64_dec(&b->cnt[bit].masked);
	return false;
}

/* Count a raise by its KVM status (> 0 delivered, 0 coalesced, < 0 not). */
void kic_gsi_count(struct kic_gsi_block *b, u32 gsi, int status)
{
	struct kic_gsi_counters *c = &b->cnt[kic_gsi_bit(gsi)];

	if (status > 0)
		atomic64_inc(&c->delivered);
	else if (!status)
		atomic64_inc(&c->coalesced);
	else
		atomic64_inc(&c->dropped);
}

/* KVM_IRQCHIP_ROUTE_OP_MASK (kic->lock held) */
void kic_gsi_mask(struct kic *kic, struct kic_gsi_block *b, u32 gsi)
{
	lockdep_assert_held(&kic->lock);
	set_bit(kic_gsi_bit(gsi), &b->masked);
	trace_kvm_irqchip_gsi_mask(kic, gsi, true, &b->pending);
	/* Raises after the ioctl returns see the mask. */
	smp_mb__after_atomic();
}

/* KVM_IRQCHIP_ROUTE_OP_UNMASK (kic->lock held): deliver once if pending */
void kic_gsi_unmask(struct kic *kic, struct kic_gsi_block *b, u32 gsi)
{
	unsigned int bit = kic_gsi_bit(gsi);

	lockdep_assert_held(&kic->lock);
	clear_bit(bit, &b->masked);
	/* Masked cleared before pending is read; pairs with the latch. */
	smp_mb__after_atomic();
	trace_kvm_irqchip_gsi_mask(kic, gsi, false, &b->pending);
	if (test_and_clear_bit(bit, &b->pending))
		kic_set_gsi(kic, gsi, KIC_SRC_IRQFD, 1, KIC_SET_PULSE);
}

/* The block of @gsi if it exists (kic->srcu or kic->lock held). */
static struct kic_gsi_block *kic_gsi_block_find(struct kic *kic, u32 gsi)
{
	return xa_load(&kic->routing.blocks, gsi / KIC_GSI_BLOCK);
}

static int kic_gsi_range_get(void __user *argp,
			     struct kvm_irqchip_gsi_range *range, u32 flags)
{
	if (copy_from_user(range, argp, sizeof(*range)))
		return -EFAULT;
	if (range->flags & ~flags || range->pad || range->reserved[0] ||
	    range->reserved[1])
		return -EINVAL;
	if (range->first >= kic_max_routes && range->nr)
		return -EINVAL;
	if (range->nr > kic_max_routes - range->first)
		return -EINVAL;
	return 0;
}

#define KIC_GSI_COPY_CHUNK	64

/**
 * kic_gsi_get_counters() - KVM_IRQCHIP_GET_GSI_COUNTERS
 * @kic: the instance, created
 * @argp: struct kvm_irqchip_gsi_range in userspace
 *
 * GSIs never routed, bound or masked read as zero.
 *
 * Return: 0; -EINVAL for flags or a range beyond max_routes; -EFAULT.
 */
int kic_gsi_get_counters(struct kic *kic, void __user *argp)
{
	struct kvm_irqchip_gsi_counters *buf;
	struct kvm_irqchip_gsi_range range;
	struct kic_gsi_block *b;
	u32 done, i, n;
	int r, idx;

	r = kic_gsi_range_get(argp, &range, 0);
	if (r)
		return r;
	buf = kmalloc_array(KIC_GSI_COPY_CHUNK, sizeof(*buf),
			    GFP_KERNEL_ACCOUNT);
	if (!buf)
		return -ENOMEM;
	for (done = 0; done < range.nr; done += n) {
		n = min_t(u32, range.nr - done, KIC_GSI_COPY_CHUNK);
		idx = srcu_read_lock(&kic->srcu);
		for (i = 0; i < n; i++) {
			u32 gsi = range.first + done + i;
			struct kic_gsi_counters *c;

			b = kic_gsi_block_find(kic, gsi);
			if (!b) {
				memset(&buf[i], 0, sizeof(buf[i]));
				continue;
			}
			c = &b->cnt[kic_gsi_bit(gsi)];
			buf[i].delivered = atomic64_read(&c->delivered);
			buf[i].coalesced = atomic64_read(&c->coalesced);
			buf[i].dropped = atomic64_read(&c->dropped);
			buf[i].masked = atomic64_read(&c->masked);
		}
		srcu_read_unlock(&kic->srcu, idx);
		if (copy_to_user(u64_to_user_ptr(range.addr) +
				 (u64)done * sizeof(*buf), buf,
				 n * sizeof(*buf))) {
			r = -EFAULT;
			break;
		}
	}
	kfree(buf);
	return r;
}

/**
 * kic_gsi_pending() - KVM_IRQCHIP_GET_PENDING
 * @kic: the instance, created
 * @argp: struct kvm_irqchip_gsi_range in userspace
 *
 * With KVM_IRQCHIP_PENDING_CLEAR each bit returned is taken through the
 * same test-and-clear that unmask uses, so a pending raise is either
 * returned here or delivered by an unmask, never both.  If the bitmap
 * cannot be written back the bits taken are set again: nothing is lost.
 *
 * Return: 0; -EINVAL for unknown flags or a range beyond max_routes;
 * -EFAULT; -ENOMEM.
 */
int kic_gsi_pending(struct kic *kic, void __user *argp)
{
	struct kvm_irqchip_gsi_range range;
	struct kic_gsi_block *b;
	unsigned long *map;
	size_t bytes;
	bool clear;
	int r, idx;
	u32 i;

	r = kic_gsi_range_get(argp, &range, KVM_IRQCHIP_PENDING_CLEAR);
	if (r)
		return r;
	clear = range.flags & KVM_IRQCHIP_PENDING_CLEAR;
	bytes = DIV_ROUND_UP(range.nr, 64) * sizeof(u64);
	if (!bytes)
		return 0;
	/* Probe the whole bitmap first: a bad address changes nothing. */
	if (clear_user(u64_to_user_ptr(range.addr), bytes))
		return -EFAULT;
	map = kvzalloc(bytes, GFP_KERNEL_ACCOUNT);
	if (!map)
		return -ENOMEM;

	idx = srcu_read_lock(&kic->srcu);
	for (i = 0; i < range.nr; i++) {
		u32 gsi = range.first + i;
		unsigned int bit = kic_gsi_bit(gsi);
		bool p;

		b = kic_gsi_block_find(kic, gsi);
		if (!b)
			continue;
		p = clear ? test_and_clear_bit(bit, &b->pending) :
			    test_bit(bit, &b->pending);
		if (p)
			__set_bit(i, map);
	}
	srcu_read_unlock(&kic->srcu, idx);

	bitmap_to_arr64(map, map, range.nr);
	if (copy_to_user(u64_to_user_ptr(range.addr), map, bytes)) {
		r = -EFAULT;
		if (clear) {
			bitmap_from_arr64(map, map, range.nr);
			idx = srcu_read_lock(&kic->srcu);
			for_each_set_bit(i, map, range.nr) {
				b = kic_gsi_block_find(kic, range.first + i);
				set_bit(kic_gsi_bit(range.first + i),
					&b->pending);
			}
			srcu_read_unlock(&kic->srcu, idx);
		}
	}
	kvfree(map);
	return r;
}
