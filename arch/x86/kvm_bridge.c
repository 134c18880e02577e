// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip x86 model: the KVM bridge.  An instance attached to a KVM VM
 * in split-irqchip mode (KVM_CAP_SPLIT_IRQCHIP: LAPICs in KVM, everything
 * else outside) presents its interrupts to the VM's in-kernel LAPICs
 * instead of to its own vCPU endpoints.  The routing table, irqfds, the
 * IOAPIC and the PICs stay here; only the last step, the APIC bus, changes.
 *
 * KVM exports no "deliver this MSI" function, but it exports
 * kvm_apic_send_ipi(), which sends an ICR-encoded message from a LAPIC
 * through KVM's own delivery (its APIC map, lowest-priority arbitration,
 * posted interrupts, the vCPU kick), and kvm_apic_match_dest(), its own
 * destination test.  A message goes:
 *  - as one IPI without shorthand from vCPU 0's LAPIC, when the destination
 *    is neither a broadcast nor wider than the source's ID format: KVM then
 *    decides the destination with the same map and the same rules as for
 *    an MSI (the sender only matters for broadcasts and for the quirk that
 *    reads an MSI to 0xff as an x2APIC broadcast);
 *  - otherwise as self-IPIs to each LAPIC kvm_apic_match_dest() accepts as
 *    the destination of an MSI (no sender), so the quirk applies as it does
 *    to a KVM_SIGNAL_MSI.  Where such a message arbitrates (a logical
 *    lowest-priority broadcast, a physical broadcast with the redirection
 *    hint, and the hint on a non-vectored mode, which an ICR cannot carry)
 *    it goes to the (vector mod n)-th hardware-enabled match, as KVM's
 *    vector hashing, without KVM's software-enable filter, which no export
 *    reveals, and in its own delivery mode.
 * The count returned (an IOAPIC level entry's remote IRR needs it) is the
 * number of hardware-enabled LAPICs matching, 1 for lowest priority.  An
 * irqfd's message, whose count nobody reads, skips that walk when KVM's
 * map decides; it counts as one delivery.
 *
 * KVM's functions are reached through symbol_get(), so the module neither
 * needs kvm.ko loaded nor pins it unless a bridge exists; KVM delivery is
 * safe with interrupts off (KVM's own irqfd wakeup uses it).
 *
 * LOCKING
 *   None of its own: the bridge is fixed at creation and read-only after.
 *   KVM's APIC map is RCU-protected inside KVM; kvm_get_vcpu() is safe in
 *   any context.
 * LIFETIME
 *   The bridge holds a reference on the struct kvm (kvm_get_kvm) and on the
 *   exporting module (symbol_get) from creation to the instance's
 *   destruction, after every irqfd and work item is gone.  The VM fd may be
 *   closed first: the VM lives on, without running vCPUs, until then.
 */
#include <linux/file.h>
#include <linux/kvm_host.h>
#include <linux/module.h>
#include <linux/slab.h>

#include <kvm_irqchip/kic.h>
#include <kvm_irqchip/vcpu.h>

#include "x86.h"

/* ICR fields, as kvm_apic_send_ipi() decodes them (SDM 11.6.1). */
#define ICR_VECTOR		GENMASK(7, 0)
#define ICR_DM_SHIFT		8
#define ICR_DEST_LOGICAL	BIT(11)
#define ICR_ASSERT		BIT(14)
#define ICR_LEVEL		BIT(15)
#define ICR_SHORT_SELF		BIT(18)
#define ICR_XAPIC_DEST_SHIFT	24

/**
 * struct kic_kvm_bridge - an instance's hold on a KVM VM
 * @kvm: the VM, referenced
 * @send_ipi: kvm_apic_send_ipi()
 * @match_dest: kvm_apic_match_dest()
 * @put_kvm: kvm_put_kvm()
 */
struct kic_kvm_bridge {
	struct kvm *kvm;
	void (*send_ipi)(struct kvm_lapic *apic, u32 icr_low, u32 icr_high);
	bool (*match_dest)(struct kvm_vcpu *vcpu, struct kvm_lapic *source,
			   int shorthand, unsigned int dest, int dest_mode);
	void (*put_kvm)(struct kvm *kvm);
};

/**
 * kic_kvm_bridge_attach() - attach an instance to a KVM VM
 * @kic: the instance, being created (kic->lock held)
 * @vm_fd: the KVM VM's fd
 *
 * Return: 0; -EBADF for a bad fd; -EINVAL when it is not a KVM VM;
 * -ENODEV when KVM is not loaded; -ENXIO when the VM has no in-kernel
 * LAPICs; -EEXIST when it has KVM's own IOAPIC and PIC
 * (KVM_CREATE_IRQCHIP); -ENOMEM.
 */
int kic_kvm_bridge_attach(struct kic *kic, int vm_fd)
{
	struct kic_kvm_bridge *b;
	bool (*is_kvm)(struct file *file);
	void (*get_kvm)(struct kvm *kvm);
	struct kvm *kvm;
	struct fd f;
	int r;

	lockdep_assert_held(&kic->lock);
	b = kzalloc(sizeof(*b), GFP_KERNEL_ACCOUNT);
	if (!b)
		return -ENOMEM;
	is_kvm = symbol_get(file_is_kvm);
	get_kvm = symbol_get(kvm_get_kvm);
	b->put_kvm = symbol_get(kvm_put_kvm);
	b->match_dest = symbol_get(kvm_apic_match_dest);
	b->send_ipi = symbol_get(kvm_apic_send_ipi);
	r = -ENODEV;
	if (!is_kvm || !get_kvm || !b->put_kvm || !b->match_dest ||
	    !b->send_ipi)
		goto err_symbols;

	f = fdget(vm_fd);
	r = -EBADF;
	if (!f.file)
		goto err_symbols;
	r = -EINVAL;
	if (!is_kvm(f.file))
		goto err_fdput;
	kvm = f.file->private_data;
	switch (READ_ONCE(kvm->arch.irqchip_mode)) {
	case KVM_IRQCHIP_SPLIT:
		break;
	case KVM_IRQCHIP_KERNEL:
		r = -EEXIST;
		goto err_fdput;
	default:
		r = -ENXIO;
		goto err_fdput;
	}
	get_kvm(kvm);
	fdput(f);
	symbol_put(kvm_get_kvm);
	symbol_put(file_is_kvm);
	b->kvm = kvm;
	kic_x86(kic)->bridge = b;
	return 0;

err_fdput:
	fdput(f);
err_symbols:
	/* symbol_put() of one not got would underflow: put what we hold */
	if (is_kvm)
		symbol_put(file_is_kvm);
	if (get_kvm)
		symbol_put(kvm_get_kvm);
	if (b->put_kvm)
		symbol_put(kvm_put_kvm);
	if (b->match_dest)
		symbol_put(kvm_apic_match_dest);
	if (b->send_ipi)
		symbol_put(kvm_apic_send_ipi);
	kfree(b);
	return r;
}

/**
 * kic_kvm_bridge_detach() - drop the VM
 * @kic: the dying instance; nothing delivers any more
 *
 * Process context; may destroy the VM if the instance held its last
 * reference.
 */
void kic_kvm_bridge_detach(struct kic *kic)
{
	struct kic_kvm_bridge *b = kic_x86(kic)->bridge;

	if (!b)
		return;
	b->put_kvm(b->kvm);
	symbol_put(kvm_put_kvm);
	symbol_put(kvm_apic_match_dest);
	symbol_put(kvm_apic_send_ipi);
	kic_x86(kic)->bridge = NULL;
	kfree(b);
}

static bool kic_kvm_apic_enabled(struct kvm_vcpu *vcpu)
{
	return vcpu->arch.apic &&
	       (READ_ONCE(vcpu->arch.apic_base) & MSR_IA32_APICBASE_ENABLE);
}

static u32 kic_kvm_icr(const struct kic_apic_irq *irq, u8 dm)
{
	u32 icr = irq->vector | (u32)dm << ICR_DM_SHIFT | ICR_ASSERT;

	if (irq->logical)
		icr |= ICR_DEST_LOGICAL;
	if (irq->level)
		icr |= ICR_LEVEL;
	return icr;
}

/* VM vCPU @i, if its LAPIC is enabled and an MSI like @irq is for it. */
static struct kvm_vcpu *kic_kvm_target(struct kic_kvm_bridge *b, u32 i,
				       const struct kic_apic_irq *irq)
{
	int mode = irq->logical ? APIC_DEST_LOGICAL : APIC_DEST_PHYSICAL;
	struct kvm_vcpu *vcpu = kvm_get_vcpu(b->kvm, i);

	if (!vcpu || !kic_kvm_apic_enabled(vcpu) ||
	    !b->match_dest(vcpu, NULL, KIC_KVM_DEST_NOSHORT, irq->dest, mode))
		return NULL;
	return vcpu;
}

/* One IPI from vCPU 0's LAPIC: KVM's map decides, as for an MSI. */
static void kic_kvm_send_map(struct kic_kvm_bridge *b, struct kvm_vcpu *src,
			     const struct kic_apic_irq *irq, u8 dm,
			     bool x2apic_src)
{
	b->send_ipi(src->arch.apic, kic_kvm_icr(irq, dm),
		    x2apic_src ? irq->dest : irq->dest << ICR_XAPIC_DEST_SHIFT);
}

/* One self-IPI: the message for this LAPIC alone. */
static void kic_kvm_send_self(struct kic_kvm_bridge *b, struct kvm_vcpu *vcpu,
			      const struct kic_apic_irq *irq, u8 dm)
{
	b->send_ipi(vcpu->arch.apic, kic_kvm_icr(irq, dm) | ICR_SHORT_SELF, 0);
}

/**
 * kic_kvm_bridge_deliver() - present a message to the VM's LAPICs
 * @kic: the instance, bridged
 * @irq: the message
 * @dest_map: as for kic_apic_bus_deliver()
 *
 * Any context.
 *
 * Return: the number of hardware-enabled LAPICs it is for (1 for lowest
 * priority when there is a candidate), 0 when none.
 */
int kic_kvm_bridge_deliver(struct kic *kic, const struct kic_apic_irq *irq,
			   unsigned long *dest_map)
{
	struct kic_kvm_bridge *b = kic_x86(kic)->bridge;
	bool lowest = irq->delivery_mode == KIC_APIC_DM_LOWEST || irq->rh;
	bool bcast = irq->dest == KIC_APIC_BROADCAST ||
		     irq->dest == KIC_X2APIC_BROADCAST;
	struct kvm_vcpu *vcpu, *src = kvm_get_vcpu(b->kvm, 0);
	u8 dm = irq->delivery_mode;
	u32 i, n = 0, pick;
	bool x2apic_src, vectored, map;

	/*
	 * As KVM: an arbitrating physical broadcast is made fixed (whatever
	 * its mode), and still arbitrates if it carries the redirection hint.
	 */
	if (bcast && !irq->logical && lowest) {
		dm = KIC_APIC_DM_FIXED;
		lowest = irq->rh;
	}
	/* The ICR has no redirection hint: fixed + RH is lowest priority. */
	vectored = dm == KIC_APIC_DM_FIXED || dm == KIC_APIC_DM_LOWEST;
	if (lowest && vectored)
		dm = KIC_APIC_DM_LOWEST;

	x2apic_src = src && kic_kvm_apic_enabled(src) &&
		     (READ_ONCE(src->arch.apic_base) & X2APIC_ENABLE);
	map = src && !bcast && (x2apic_src || irq->dest <= 0xff) &&
	      (!lowest || vectored);
	/* An irqfd does not want the count: let KVM's map do all the work. */
	if (map && irq->uncounted && !dest_map) {
		kic_kvm_send_map(b, src, irq, dm, x2apic_src);
		kic_stat_inc(kic, KIC_STAT_DELIVERED);
		return 1;
	}

	for (i = 0; i < kic->nr_vcpus; i++) {
		if (!kic_kvm_target(b, i, irq))
			continue;
		if (dest_map && !lowest)
			__set_bit(i, dest_map);
		n++;
	}
	if (!n) {
		kic_stat_inc(kic, KIC_STAT_NO_TARGET);
		return 0;
	}

	if (map) {
		kic_kvm_send_map(b, src, irq, dm, x2apic_src);
		goto out;
	}

	pick = lowest ? irq->vector % n : 0;
	for (i = 0; i < kic->nr_vcpus; i++) {
		vcpu = kic_kvm_target(b, i, irq);
		if (!vcpu)
			continue;
		if (lowest && pick--)
			continue;
		/* The pick made here; an NMI keeps being an NMI. */
		kic_kvm_send_self(b, vcpu, irq,
				  dm == KIC_APIC_DM_LOWEST ? KIC_APIC_DM_FIXED : dm);
		if (lowest) {
			if (dest_map)
				__set_bit(i, dest_map);
			break;
		}
	}
out:
	if (lowest)
		n = 1;
	this_cpu_add(kic->stats->c[KIC_STAT_DELIVERED], n);
	return n;
}

/**
 * kic_kvm_bridge_present() - may this build attach to KVM?
 *
 * Return: true when KVM's exports are there now.
 */
bool kic_kvm_bridge_present(void)
{
	void *p = symbol_get(kvm_apic_send_ipi);

	if (!p)
		return false;
	symbol_put(kvm_apic_send_ipi);
	return true;
}
