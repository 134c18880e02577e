// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip x86 model: the KVM bridge.  An instance attached to a KVM VM
 * in split-irqchip mode (KVM_CAP_SPLIT_IRQCHIP: LAPICs in KVM, everything
 * else outside) presents its interrupts to the VM's in-kernel LAPICs
 * instead of to its own vCPU endpoints.  The routing table, irqfds, the
 * IOAPIC and the PICs stay here; only the last step, the APIC bus, changes.
 *
 * KVM exports no "deliver this MSI" function and nothing that returns what
 * its delivery reached.  It exports kvm_apic_send_ipi(), which sends an
 * ICR-encoded message from a LAPIC through KVM's own delivery (posted
 * interrupts, the vCPU kick), and kvm_apic_match_dest(), its destination
 * test; its APIC map (struct kvm_apic_map) and each vCPU's APIC base are in
 * public headers.  The bridge therefore decides as KVM 6.1's
 * kvm_irq_delivery_to_apic() does for an MSI, from the same state:
 *  - KVM's map path, read from KVM's own map (kic_kvm_map_dest()), else
 *  - its slow path: every hardware-enabled LAPIC kvm_apic_match_dest()
 *    accepts; an arbitrating message (lowest priority, or the redirection
 *    hint; a physical broadcast only with the hint) goes to the
 *    (vector mod n)-th of the n software-enabled ones, KVM's vector hashing;
 * and hands the message to each LAPIC so reached as a self-IPI, whose
 * delivery KVM does not decide again.  The count returned (KVM_SIGNAL_MSI,
 * KVM_IRQ_LINE_STATUS, an IOAPIC level entry's remote IRR) is that of the
 * LAPICs that accept, as __apic_accept_irq() says: a fixed or
 * lowest-priority vector only where the LAPIC is software-enabled, ExtINT
 * nowhere, the other modes everywhere.
 *
 * Software-enable (SVR bit 8) is the one input no export and no public
 * struct shows.  It is read through KVM's own accessors: for a LAPIC in
 * x2APIC mode the SVR MSR through kvm_get_msr_common() (exported); in xAPIC
 * mode the SVR through the LAPIC's MMIO read handler, the kvm_io_device
 * that follows the MMIO base at the head of KVM's struct kvm_lapic
 * (struct kic_kvm_lapic_head: the one layout the bridge assumes, the same
 * since KVM's first LAPIC).  The head is checked before its handler is
 * first called (kic_kvm_lapic_check()); a LAPIC whose head does not check
 * counts as software-enabled, the bridge's answer before it read SVR.
 *
 * An irqfd's message, whose count nobody reads, skips all of this when
 * KVM's map decides: it goes as one IPI from vCPU 0's LAPIC, and KVM
 * decides with the same map and rules as for an MSI (the sender only
 * matters for broadcasts and for the quirk that reads an MSI to 0xff as an
 * x2APIC broadcast, both of which stay on the path above); it counts as
 * one delivery.
 *
 * KVM's functions are reached through symbol_get(), so the module neither
 * needs kvm.ko loaded nor pins it unless a bridge exists; KVM delivery is
 * safe with interrupts off (KVM's own irqfd wakeup uses it), and so are the
 * two SVR reads, which take no lock.
 *
 * LOCKING
 *   None of its own: the bridge is fixed at creation and read-only after,
 *   but for lapic_ops, set once from any context to the one value a check
 *   finds (a race sets the same value twice).  KVM's APIC map is
 *   RCU-protected inside KVM and read under rcu_read_lock();
 *   kvm_get_vcpu() is safe in any context.
 * LIFETIME
 *   The bridge holds a reference on the struct kvm (kvm_get_kvm) and on the
 *   exporting module (symbol_get) from creation to the instance's
 *   destruction, after every irqfd and work item is gone.  The VM fd may be
 *   closed first: the VM lives on, without running vCPUs, until then.
 */
#include <linux/file.h>
#include <linux/kvm_host.h>
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <kvm/iodev.h>

#include <kvm_irqchip/kic.h>
#include <kvm_irqchip/vcpu.h>

#include "x86.h"

/* ICR fields, as kvm_apic_send_ipi() decodes them (SDM 11.6.1). */
#define ICR_DM_SHIFT		8
#define ICR_DEST_LOGICAL	BIT(11)
#define ICR_ASSERT		BIT(14)
#define ICR_LEVEL		BIT(15)
#define ICR_SHORT_SELF		BIT(18)
#define ICR_XAPIC_DEST_SHIFT	24

/* KVM 6.1's LAPIC version register, low byte (lapic.c's APIC_VERSION) */
#define KIC_KVM_APIC_VERSION	0x14

/**
 * struct kic_kvm_lapic_head - how KVM's struct kvm_lapic begins
 * @base_address: the MMIO base, vCPU's APIC base & MSR_IA32_APICBASE_BASE
 * @dev: the MMIO device; its read handler reads the LAPIC's registers
 *
 * KVM's lapic.h is private; these two members have opened the struct since
 * KVM had a LAPIC, and kic_kvm_lapic_check() checks them before use.
 */
struct kic_kvm_lapic_head {
	unsigned long base_address;
	struct kvm_io_device dev;
};

/**
 * struct kic_kvm_bridge - an instance's hold on a KVM VM
 * @kvm: the VM, referenced
 * @send_ipi: kvm_apic_send_ipi()
 * @match_dest: kvm_apic_match_dest()
 * @get_msr: kvm_get_msr_common()
 * @put_kvm: kvm_put_kvm()
 * @lapic_ops: KVM's LAPIC MMIO handlers, once a LAPIC's head checked
 */
struct kic_kvm_bridge {
	struct kvm *kvm;
	void (*send_ipi)(struct kvm_lapic *apic, u32 icr_low, u32 icr_high);
	bool (*match_dest)(struct kvm_vcpu *vcpu, struct kvm_lapic *source,
			   int shorthand, unsigned int dest, int dest_mode);
	int (*get_msr)(struct kvm_vcpu *vcpu, struct msr_data *msr);
	void (*put_kvm)(struct kvm *kvm);
	const struct kvm_io_device_ops *lapic_ops;
};

static void kic_kvm_bridge_put_symbols(struct kic_kvm_bridge *b)
{
	/* symbol_put() of one not got would underflow: put what we hold */
	if (b->put_kvm)
		symbol_put(kvm_put_kvm);
	if (b->match_dest)
		symbol_put(kvm_apic_match_dest);
	if (b->send_ipi)
		symbol_put(kvm_apic_send_ipi);
	if (b->get_msr)
		symbol_put(kvm_get_msr_common);
}

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
	b->get_msr = symbol_get(kvm_get_msr_common);
	r = -ENODEV;
	if (!is_kvm || !get_kvm || !b->put_kvm || !b->match_dest ||
	    !b->send_ipi || !b->get_msr)
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
	if (is_kvm)
		symbol_put(file_is_kvm);
	if (get_kvm)
		symbol_put(kvm_get_kvm);
	kic_kvm_bridge_put_symbols(b);
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
	kic_kvm_bridge_put_symbols(b);
	kic_x86(kic)->bridge = NULL;
	kfree(b);
}

/* kvm_apic_present(): an in-kernel LAPIC, hardware-enabled */
static bool kic_kvm_apic_enabled(struct kvm_vcpu *vcpu)
{
	return vcpu->arch.apic &&
	       (READ_ONCE(vcpu->arch.apic_base) & MSR_IA32_APICBASE_ENABLE);
}

/*
 * Is @vcpu's LAPIC head as struct kic_kvm_lapic_head says: the MMIO base
 * where the vCPU's APIC base puts it, and a read handler that reads KVM's
 * LAPIC version?  Remembers the handlers when it is.
 */
static bool kic_kvm_lapic_check(struct kic_kvm_bridge *b,
				struct kvm_vcpu *vcpu, u64 apic_base)
{
	struct kic_kvm_lapic_head *h = (void *)vcpu->arch.apic;
	const struct kvm_io_device_ops *ops = READ_ONCE(h->dev.ops);
	unsigned long base = READ_ONCE(h->base_address);
	u32 lvr;

	if (base != (apic_base & MSR_IA32_APICBASE_BASE) || !ops ||
	    !ops->read || ops->read(vcpu, &h->dev, base + APIC_LVR, 4, &lvr) ||
	    GET_APIC_VERSION(lvr) != KIC_KVM_APIC_VERSION) {
		pr_warn_once("kvm-irqchip: KVM's LAPIC is not laid out as expected; the KVM bridge takes every LAPIC for software-enabled\n");
		return false;
	}
	WRITE_ONCE(b->lapic_ops, ops);
	return true;
}

/*
 * Is @vcpu's (hardware-enabled) LAPIC software-enabled?  KVM's own register
 * reads, which take no lock; true when the LAPIC cannot be read.
 */
static bool kic_kvm_sw_enabled(struct kic_kvm_bridge *b, struct kvm_vcpu *vcpu)
{
	struct kic_kvm_lapic_head *h = (void *)vcpu->arch.apic;
	u64 apic_base = READ_ONCE(vcpu->arch.apic_base);
	struct msr_data msr = {
		.host_initiated = true,
		.index = APIC_BASE_MSR + (APIC_SPIV >> 4),
	};
	u32 svr;

	if (apic_base & X2APIC_ENABLE) {
		if (b->get_msr(vcpu, &msr))
			return true;
		return msr.data & APIC_SPIV_APIC_ENABLED;
	}
	if (READ_ONCE(h->dev.ops) != READ_ONCE(b->lapic_ops) &&
	    !kic_kvm_lapic_check(b, vcpu, apic_base))
		return true;
	if (kvm_iodevice_read(vcpu, &h->dev,
			      READ_ONCE(h->base_address) + APIC_SPIV, 4, &svr))
		return true;
	return svr & APIC_SPIV_APIC_ENABLED;
}

static bool kic_kvm_vectored(u8 dm)
{
	return dm == KIC_APIC_DM_FIXED || dm == KIC_APIC_DM_LOWEST;
}

/* __apic_accept_irq(): does @vcpu's (hardware-enabled) LAPIC take @dm? */
static bool kic_kvm_accepts(struct kic_kvm_bridge *b, struct kvm_vcpu *vcpu,
			    u8 dm)
{
	if (kic_kvm_vectored(dm))
		return kic_kvm_sw_enabled(b, vcpu);
	return dm != KIC_APIC_DM_EXTINT;
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

/*
 * vCPU @i takes the message in mode @dm, as KVM's kvm_apic_set_irq() would
 * give it (a self-IPI is not decided again).  Return: 1 when it accepts.
 */
static int kic_kvm_give(struct kic_kvm_bridge *b, u32 i,
			struct kvm_vcpu *vcpu, const struct kic_apic_irq *irq,
			u8 dm, unsigned long *dest_map)
{
	int r = kic_kvm_accepts(b, vcpu, dm);

	b->send_ipi(vcpu->arch.apic, kic_kvm_icr(irq, dm) | ICR_SHORT_SELF, 0);
	if (r && dest_map)
		__set_bit(i, dest_map);
	return r;
}

/*
 * KVM's map path for a message without a source
 * (kvm_apic_map_get_dest_lapic() with vector hashing): false when KVM
 * takes its slow path; else the message goes to (*@dst)[bit] for each bit
 * of *@slots that holds a LAPIC.  Under rcu_read_lock().
 */
static bool kic_kvm_map_dest(struct kvm *kvm, struct kvm_apic_map *map,
			     const struct kic_apic_irq *irq, bool lowest,
			     struct kvm_lapic ***dst, unsigned long *slots)
{
	u32 dest = irq->dest, off, max;

	if (!map)
		return false;
	/* kvm_apic_is_broadcast_dest() without a source */
	if (READ_ONCE(kvm->arch.x2apic_broadcast_quirk_disabled)) {
		if (dest == KIC_X2APIC_BROADCAST ||
		    (dest == KIC_APIC_BROADCAST &&
		     map->mode != KVM_APIC_MODE_X2APIC))
			return false;
	} else if (dest == KIC_APIC_BROADCAST) {
		return false;
	}

	*slots = 0;
	max = map->max_apic_id;
	if (!irq->logical) {
		if (dest <= max) {
			*dst = &map->phys_map[array_index_nospec(dest, max + 1)];
			*slots = 1;
		}
		return true;
	}
	switch (map->mode) {
	case KVM_APIC_MODE_X2APIC:
		off = (dest >> 16) * 16;
		if (off > max)
			return true;
		*dst = &map->phys_map[array_index_nospec(off, max + 1)];
		*slots = dest & (0xffff >> (16 - min(max - off + 1, 16U)));
		break;
	case KVM_APIC_MODE_XAPIC_FLAT:
		*dst = map->xapic_flat_map;
		*slots = dest & 0xff;
		break;
	case KVM_APIC_MODE_XAPIC_CLUSTER:
		*dst = map->xapic_cluster_map[(dest >> 4) & 0xf];
		*slots = dest & 0xf;
		break;
	default:
		return false;
	}
	if (lowest && *slots) {
		off = kic_nth_set_bit(slots, BITS_PER_LONG, irq->vector);
		*slots = (*dst)[off] ? BIT(off) : 0;
	}
	return true;
}

/*
 * KVM's map path: the vCPUs in @slots of @dst each take the message.
 * Return: how many accepted; -1 when none is there.
 */
static int kic_kvm_deliver_map(struct kic *kic, struct kvm_lapic **dst,
			       unsigned long slots,
			       const struct kic_apic_irq *irq, u8 dm,
			       unsigned long *dest_map)
{
	struct kic_kvm_bridge *b = kic_x86(kic)->bridge;
	struct kvm_vcpu *vcpu;
	unsigned int bit;
	int r = 0;	/* KVM's map path answers 0 for nobody, never -1 */
	u32 i;

	for (i = 0; i < kic->nr_vcpus && slots; i++) {
		vcpu = kvm_get_vcpu(b->kvm, i);
		if (!vcpu || !vcpu->arch.apic)
			continue;
		for_each_set_bit(bit, &slots, BITS_PER_LONG) {
			if (dst[bit] != vcpu->arch.apic)
				continue;
			__clear_bit(bit, &slots);
			r = max(r, 0) + kic_kvm_give(b, i, vcpu, irq, dm, dest_map);
			break;
		}
	}
	return r;
}

/*
 * KVM's slow path (kvm_irq_delivery_to_apic()'s loop): every match takes
 * it, or the (vector mod n)-th of the n software-enabled ones.
 * Return: how many accepted; -1 when nothing matched.
 */
static int kic_kvm_deliver_slow(struct kic *kic,
				const struct kic_apic_irq *irq, u8 dm,
				bool lowest, unsigned long *dest_map)
{
	struct kic_kvm_bridge *b = kic_x86(kic)->bridge;
	DECLARE_BITMAP(cand, KVM_IRQCHIP_MAX_VCPUS);
	struct kvm_vcpu *vcpu;
	u32 i, n = 0;
	int r = -1;

	if (lowest)
		bitmap_zero(cand, kic->nr_vcpus);
	for (i = 0; i < kic->nr_vcpus; i++) {
		vcpu = kic_kvm_target(b, i, irq);
		if (!vcpu)
			continue;
		if (!lowest) {
			r = max(r, 0) + kic_kvm_give(b, i, vcpu, irq, dm, dest_map);
		} else if (kic_kvm_sw_enabled(b, vcpu)) {
			__set_bit(i, cand);
			n++;
		}
	}
	if (!n)
		return r;
	i = kic_nth_set_bit(cand, kic->nr_vcpus, irq->vector);
	vcpu = kvm_get_vcpu(b->kvm, i);
	return kic_kvm_give(b, i, vcpu, irq, dm, dest_map);
}

/**
 * kic_kvm_bridge_deliver() - present a message to the VM's LAPICs
 * @kic: the instance, bridged
 * @irq: the message
 * @dest_map: as for kic_apic_bus_deliver()
 *
 * Any context.
 *
 * Return: the number of LAPICs that accepted it, as KVM counts for an MSI;
 * -1 where KVM's slow path returns it (no LAPIC matched, or for lowest
 * priority none software-enabled).
 */
int kic_kvm_bridge_deliver(struct kic *kic, const struct kic_apic_irq *irq,
			   unsigned long *dest_map)
{
	struct kic_kvm_bridge *b = kic_x86(kic)->bridge;
	bool lowest = irq->delivery_mode == KIC_APIC_DM_LOWEST || irq->rh;
	struct kvm_vcpu *src = kvm_get_vcpu(b->kvm, 0);
	u8 dm = irq->delivery_mode;
	struct kvm_lapic **dst;
	unsigned long slots;
	bool x2apic_src;
	int r;

	/* An irqfd does not want the count: let KVM's map do all the work. */
	if (irq->uncounted && !dest_map && src && kic_kvm_apic_enabled(src) &&
	    irq->dest != KIC_APIC_BROADCAST &&
	    irq->dest != KIC_X2APIC_BROADCAST &&
	    (!lowest || kic_kvm_vectored(dm))) {
		x2apic_src = READ_ONCE(src->arch.apic_base) & X2APIC_ENABLE;
		if (x2apic_src || irq->dest <= 0xff) {
			/* The ICR has no redirection hint: that is lowest. */
			kic_kvm_send_map(b, src, irq,
					 lowest ? KIC_APIC_DM_LOWEST : dm,
					 x2apic_src);
			kic_stat_inc(kic, KIC_STAT_DELIVERED);
			return 1;
		}
	}

	rcu_read_lock();
	if (kic_kvm_map_dest(b->kvm, rcu_dereference(b->kvm->arch.apic_map),
			     irq, lowest, &dst, &slots)) {
		r = kic_kvm_deliver_map(kic, dst, slots, irq, dm, dest_map);
		rcu_read_unlock();
	} else {
		rcu_read_unlock();
		/* As KVM: a physical broadcast arbitrates only with the hint. */
		if (!irq->logical && irq->dest == KIC_APIC_BROADCAST && lowest) {
			dm = KIC_APIC_DM_FIXED;
			lowest = irq->rh;
		}
		r = kic_kvm_deliver_slow(kic, irq, dm, lowest, dest_map);
	}
	/* KVM's -1 when nothing could take it (KVM_SIGNAL_MSI: -EPERM). */
	if (r <= 0) {
		kic_stat_inc(kic, KIC_STAT_NO_TARGET);
		return r;
	}
	this_cpu_add(kic->stats->c[KIC_STAT_DELIVERED], r);
	return r;
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
