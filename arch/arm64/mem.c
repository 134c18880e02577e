// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip arm64 model: guest memory.
 *
 * The ITS command queue, the ITS tables (on save and restore) and the LPI
 * configuration and pending tables are in guest memory.  The VMM gives
 * the instance its guest memory layout with KVM_IRQCHIP_GIC_SET_MEMORY_REGION,
 * KVM_SET_USER_MEMORY_REGION's struct and rules: a slot maps a
 * page-aligned guest-physical range onto the VMM's own memory.
 *
 * Guest memory is read and written with copy_{from,to}_user() in the
 * VMM's address space: process context only, and only from a task using
 * that address space (the one that gave the first region), as KVM refuses
 * VM ioctls from another mm.  Nothing on a delivery path reads it.
 *
 * LOCKING: mem->lock (mutex) guards the slots and the mm.
 * LIFETIME: the mm is grabbed (mmgrab) at the first region and dropped
 * with the model.
 */
#include <linux/kvm.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/uaccess.h>

#include "gic.h"

void gic_mem_init(struct gic_mem *mem)
{
	mutex_init(&mem->lock);
}

void gic_mem_free(struct gic_mem *mem)
{
	if (mem->mm)
		mmdrop(mem->mm);
	mutex_destroy(&mem->lock);
}

static bool gic_mem_overlaps(const struct gic_memslot *s, u64 gpa, u64 size)
{
	return s->size && gpa < s->gpa + s->size && s->gpa < gpa + size;
}

/**
 * gic_mem_set_region() - KVM_IRQCHIP_GIC_SET_MEMORY_REGION
 * @gic: the model
 * @region: slot, flags (0), guest_phys_addr, memory_size (0 deletes),
 *	userspace_addr
 *
 * Return: 0; -EINVAL for a bad slot, flags, alignment or a range that
 * wraps; -EEXIST when it overlaps another slot; -EIO from a task of
 * another address space.
 */
int gic_mem_set_region(struct gic *gic,
		       const struct kvm_userspace_memory_region *region)
{
	struct gic_mem *mem = &gic->mem;
	u64 gpa = region->guest_phys_addr, size = region->memory_size;
	u64 hva = region->userspace_addr;
	int r = 0;
	u32 i;

	if (region->slot >= GIC_MEM_SLOTS || region->flags)
		return -EINVAL;
	if (!PAGE_ALIGNED(gpa) || !PAGE_ALIGNED(size) || !PAGE_ALIGNED(hva))
		return -EINVAL;
	if (gpa + size < gpa || hva + size < hva)
		return -EINVAL;
	if (size && !access_ok((void __user *)hva, size))
		return -EINVAL;

	mutex_lock(&mem->lock);
	if (mem->mm && mem->mm != current->mm) {
		r = -EIO;
		goto out;
	}
	for (i = 0; size && i < GIC_MEM_SLOTS; i++) {
		if (i != region->slot &&
		    gic_mem_overlaps(&mem->slots[i], gpa, size)) {
			r = -EEXIST;
			goto out;
		}
	}
	if (!mem->mm) {
		mmgrab(current->mm);
		mem->mm = current->mm;
	}
	mem->slots[region->slot].gpa = gpa;
	mem->slots[region->slot].size = size;
	mem->slots[region->slot].hva = hva;
out:
	mutex_unlock(&mem->lock);
	return r;
}

/* The VMM address of [gpa, gpa + len), inside one slot; 0 when none. */
static void __user *gic_mem_hva(struct gic_mem *mem, u64 gpa, size_t len)
{
	u32 i;

	lockdep_assert_held(&mem->lock);
	for (i = 0; i < GIC_MEM_SLOTS; i++) {
		const struct gic_memslot *s = &mem->slots[i];

		if (s->size && gpa >= s->gpa && len <= s->size &&
		    gpa - s->gpa <= s->size - len)
			return (void __user *)(uintptr_t)(s->hva + gpa - s->gpa);
	}
	return NULL;
}

static int gic_mem_access(struct gic *gic, u64 gpa, void *buf, size_t len,
			  bool write)
{
	struct gic_mem *mem = &gic->mem;
	void __user *hva;
	int r = 0;

	might_sleep();
	mutex_lock(&mem->lock);
	if (!mem->mm || mem->mm != current->mm) {
		r = mem->mm ? -EIO : -EFAULT;
		goto out;
	}
	hva = gic_mem_hva(mem, gpa, len);
	if (!hva)
		r = -EFAULT;
	else if (write)
		r = copy_to_user(hva, buf, len) ? -EFAULT : 0;
	else
		r = copy_from_user(buf, hva, len) ? -EFAULT : 0;
out:
	mutex_unlock(&mem->lock);
	return r;
}

/**
 * gic_mem_read() - read guest memory
 * @gic: the model
 * @gpa: guest-physical address
 * @buf: where to
 * @len: bytes, inside one region
 *
 * Process context, in the VMM's address space.
 *
 * Return: 0; -EFAULT when the range is not guest memory or not readable;
 * -EIO from another address space.
 */
int gic_mem_read(struct gic *gic, u64 gpa, void *buf, size_t len)
{
	return gic_mem_access(gic, gpa, buf, len, false);
}

/**
 * gic_mem_write() - write guest memory
 * @gic: the model
 * @gpa: guest-physical address
 * @buf: what
 * @len: bytes, inside one region
 *
 * Return: as gic_mem_read().
 */
int gic_mem_write(struct gic *gic, u64 gpa, const void *buf, size_t len)
{
	return gic_mem_access(gic, gpa, (void *)buf, len, true);
}
