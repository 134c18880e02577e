// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip x86 model: the I/O APIC (82093AA datasheet), 24 pins, each
 * turned by its redirection entry into a message on the APIC bus.
 *
 * Guest-visible behaviour, KVM_IRQ_LINE_STATUS results and the
 * KVM_{GET,SET}_IRQCHIP state are those of KVM 6.1's in-kernel IOAPIC:
 *  - a pin's line is the OR of its sources (enum kic_src), like KVM's irq
 *    source IDs; the source bitmaps are not part of the saved state and
 *    KVM_SET_IRQCHIP leaves them alone, as KVM does;
 *  - an edge pin delivers on the rising edge of its line; a level pin
 *    delivers while its line is high and remote IRR is clear, and the EOI
 *    of its vector (a LAPIC EOI with the TMR bit set) clears remote IRR;
 *  - RTC (pin 8) coalescing for KVM_IRQ_LINE_STATUS: a raise is reported
 *    as coalesced (0) while some vCPU has not yet EOIed the previous one;
 *  - storm guard: after 10000 successive EOIs that each found a level pin
 *    still asserted, the next delivery is delayed by 10 ms instead of
 *    made at once, so a guest that never quiets its device still runs.
 *
 * Where this differs from KVM 6.1:
 *  - unmasking a level entry whose line is high and remote IRR clear first
 *    resamples the pin (kic_pin_resample(), with our lock dropped):
 *    resampling irqfds lower their level and tell the VMM, which raises
 *    the line again if the device still wants service.  The delivery is
 *    made only if the line is still high after that.  Without it a guest
 *    that quiets its device while the pin is masked (Linux threaded
 *    "oneshot" handlers) takes one spurious interrupt per unmask.  Newer
 *    KVM resamples on unmask too.
 *  - KVM only forwards an EOI to its IOAPIC for the vectors its vCPU scan
 *    marked; our LAPIC calls kic_ioapic_eoi() for every EOI.  An EOI of a
 *    vector also programmed in an entry aimed at other vCPUs therefore
 *    acknowledges that pin too.  KVM's scan requests and mask notifiers
 *    have nothing to feed here and are left out.
 *  - directed EOI (SVR bit 12) is not supported: our LAPIC does not offer
 *    it, so every level EOI is broadcast to the IOAPIC, as KVM does for a
 *    LAPIC without the feature.
 *  - the APIC bus answers -1 where KVM's does (nothing could take the
 *    message); KVM then sets a level entry's remote IRR with nobody to
 *    EOI it, we leave it clear (api.rst section 6, kind (b)).
 *  - the MMIO window follows base_address as restored by KVM_SET_IRQCHIP;
 *    KVM leaves its bus device at the default base.  Accesses must lie
 *    wholly inside the 256-byte window (KVM's io bus rule) and be 1, 2, 4
 *    or 8 bytes long; KVM ignores other sizes, we return -EINVAL.
 *  - with KVM_IRQCHIP_CAP_X86_STRICT, RTC tracking restore
 *    (KVM_SET_IRQCHIP) counts every vCPU that has the RTC vector pending
 *    an EOI; KVM counts only those the RTC entry addresses.
 *
 * LOCKING
 *   ioapic->lock (spinlock, irq-safe: kic_ioapic_set_irq() runs from the
 *   eventfd wakeup with interrupts off) guards all state but the storm
 *   work item.  Every entry point takes it.  Under it we call the APIC bus,
 *   which takes LAPIC locks: IOAPIC lock, then LAPIC lock.  It is dropped
 *   around kic_pin_acked() and kic_pin_resample(), which re-enter
 *   kic_ioapic_set_irq(); state read before such a call is read again.
 * LIFETIME
 *   Allocated by the x86 model at KVM_IRQCHIP_CREATE, freed with the
 *   model.  kic_ioapic_quiesce() runs before the instance's workqueue
 *   goes: it sets IOAPIC_QUIESCED under the lock, so no storm work is
 *   queued afterwards, and cancels what is queued.
 */
#include <linux/bitfield.h>
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/jiffies.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include <kvm_irqchip/ack.h>
#include <kvm_irqchip/kic.h>
#include <kvm_irqchip/model.h>
#include <kvm_irqchip/vcpu.h>

#include "x86.h"

/* Direct registers, at offsets from the base address. */
#define IOAPIC_IOREGSEL		0x00
#define IOAPIC_IOWIN		0x10
#define IOAPIC_OFFSET_MASK	0xff
#define IOAPIC_IOREGSEL_MASK	0xff

/* Indirect registers, selected by IOREGSEL. */
#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VER		0x01
#define IOAPIC_REG_ARB		0x02
#define IOAPIC_REG_REDTBL	0x10	/* two per pin: low, high */

#define IOAPIC_ID		GENMASK(27, 24)
#define IOAPIC_VER_VERSION	GENMASK(7, 0)
#define IOAPIC_VER_MAXREDIR	GENMASK(23, 16)
#define IOAPIC_VERSION		0x11

/* A redirection table entry. */
#define RTE_VECTOR		GENMASK_ULL(7, 0)
#define RTE_DELIVERY_MODE	GENMASK_ULL(10, 8)
#define RTE_LOGICAL		BIT_ULL(11)
#define RTE_DELIVERY_STATUS	BIT_ULL(12)
#define RTE_POLARITY		BIT_ULL(13)
#define RTE_REMOTE_IRR		BIT_ULL(14)
#define RTE_LEVEL		BIT_ULL(15)
#define RTE_MASKED		BIT_ULL(16)
#define RTE_DEST		GENMASK_ULL(63, 56)
#define RTE_READ_ONLY		(RTE_DELIVERY_STATUS | RTE_REMOTE_IRR)
#define RTE_LOW			GENMASK_ULL(31, 0)
#define RTE_HIGH		GENMASK_ULL(63, 32)

/* Storm guard, KVM's numbers. */
#define IOAPIC_STORM_EOIS	10000
#define IOAPIC_STORM_DELAY	(HZ / 100)

/* A bitmap of vCPUs (kernel-doc cannot parse DECLARE_BITMAP in a nest). */
#define IOAPIC_VCPU_LONGS	BITS_TO_LONGS(KVM_IRQCHIP_MAX_VCPUS)

/* Bits of ioapic->flags. */
#define IOAPIC_QUIESCED		0	/* storm work may not be queued */

static u8 rte_vector(u64 rte)
{
	return FIELD_GET(RTE_VECTOR, rte);
}

static bool rte_level(u64 rte)
{
	return rte & RTE_LEVEL;
}

static bool rte_masked(u64 rte)
{
	return rte & RTE_MASKED;
}

static bool rte_remote_irr(u64 rte)
{
	return rte & RTE_REMOTE_IRR;
}

/**
 * struct kic_ioapic - the I/O APIC of one instance
 * @kic: the instance
 * @lock: guards everything below but @storm's own bookkeeping
 * @base: base address of the MMIO window
 * @ioregsel: IOREGSEL; MMIO writes keep 8 bits, KVM_SET_IRQCHIP all 32
 * @id: the ID as KVM keeps it (MMIO writes store 4 bits)
 * @irr: per pin, the line is high (KVM's irr)
 * @irr_delivered: edge pins whose current edge was delivered; not saved
 * @pad: kvm_ioapic_state.pad, kept because KVM round-trips it
 * @rte: the redirection table
 * @sources: per pin, the enum kic_src bits driving the line high
 * @eoi_count: per pin, successive EOIs that found the line still high
 * @rtc: KVM_IRQ_LINE_STATUS tracking of the RTC pin
 * @rtc.pending_eoi: vCPUs yet to EOI the last tracked RTC delivery
 * @rtc.dest: those vCPUs, by index
 * @rtc.vector: per vCPU in @rtc.dest, the vector it must EOI
 * @storm: delayed delivery after an EOI storm, on kic->wq
 * @flags: IOAPIC_QUIESCED
 */
struct kic_ioapic {
	struct kic *kic;
	spinlock_t lock;	/* see LOCKING */
	u64 base;
	u32 ioregsel;
	u32 id;
	u32 irr;
	u32 irr_delivered;
	u32 pad;
	u64 rte[KIC_IOAPIC_PINS];
	unsigned long sources[KIC_IOAPIC_PINS];
	u32 eoi_count[KIC_IOAPIC_PINS];
	struct {
		int pending_eoi;
		unsigned long dest[IOAPIC_VCPU_LONGS];
		u8 vector[KVM_IRQCHIP_MAX_VCPUS];
	} rtc;
	struct delayed_work storm;
	unsigned long flags;
};

static void ioapic_rtc_reset(struct kic_ioapic *ioapic)
{
	lockdep_assert_held(&ioapic->lock);
	ioapic->rtc.pending_eoi = 0;
	bitmap_zero(ioapic->rtc.dest, KVM_IRQCHIP_MAX_VCPUS);
}

/*
 * Bring one vCPU's tracking in line with its LAPIC.  As KVM, only a vCPU
 * the RTC entry addresses is looked at; strict instances count every LAPIC
 * holding the vector, since any of them will EOI it.
 */
static void ioapic_rtc_restore_vcpu(struct kic_ioapic *ioapic,
				    struct kic_vcpu *vcpu)
{
	u64 rte = ioapic->rte[KIC_RTC_PIN];
	struct kic_apic_irq irq = {
		.dest = FIELD_GET(RTE_DEST, rte),
		.logical = rte & RTE_LOGICAL,
	};
	u8 vector = rte_vector(rte);
	bool pending;

	lockdep_assert_held(&ioapic->lock);
	if (!READ_ONCE(kic_x86(ioapic->kic)->strict) &&
	    !kic_apic_kvm_match(ioapic->kic->model, vcpu->index,
				kic_vcpu_lapic(vcpu), &irq))
		return;
	pending = kic_lapic_eoi_pending(vcpu, vector);
	if (pending == test_bit(vcpu->index, ioapic->rtc.dest))
		return;
	if (pending) {
		__set_bit(vcpu->index, ioapic->rtc.dest);
		ioapic->rtc.vector[vcpu->index] = vector;
		ioapic->rtc.pending_eoi++;
	} else {
		__clear_bit(vcpu->index, ioapic->rtc.dest);
		ioapic->rtc.pending_eoi--;
	}
}

static void ioapic_rtc_restore(struct kic_ioapic *ioapic)
{
	struct kic *kic = ioapic->kic;
	u32 i;

	ioapic_rtc_reset(ioapic);
	for (i = 0; i < kic->nr_vcpus; i++)
		ioapic_rtc_restore_vcpu(ioapic, kic->vcpus[i]);
}

/**
 * kic_ioapic_rtc_restore_vcpu() - resync RTC tracking after a LAPIC restore
 * @ioapic: the IOAPIC
 * @vcpu: the vCPU whose LAPIC state was just replaced (KVM_SET_LAPIC)
 *
 * Any context; the vCPU's LAPIC lock must not be held.
 */
void kic_ioapic_rtc_restore_vcpu(struct kic_ioapic *ioapic,
				 struct kic_vcpu *vcpu)
{
	unsigned long flags;

	spin_lock_irqsave(&ioapic->lock, flags);
	ioapic_rtc_restore_vcpu(ioapic, vcpu);
	spin_unlock_irqrestore(&ioapic->lock, flags);
}

static void ioapic_rtc_eoi(struct kic_ioapic *ioapic, struct kic_vcpu *vcpu,
			   u8 vector)
{
	lockdep_assert_held(&ioapic->lock);
	if (!test_bit(vcpu->index, ioapic->rtc.dest) ||
	    ioapic->rtc.vector[vcpu->index] != vector)
		return;
	__clear_bit(vcpu->index, ioapic->rtc.dest);
	/* The count mirrors the bitmap; if it ever does not, recount. */
	if (WARN_ON_ONCE(--ioapic->rtc.pending_eoi < 0))
		ioapic_rtc_restore(ioapic);
}

/*
 * Send a pin's message if its entry lets it through.
 *
 * Return: -1 when masked or a level pin awaits its EOI (remote IRR);
 * otherwise the number of vCPUs that accepted it.
 */
static int ioapic_service(struct kic_ioapic *ioapic, u32 pin,
			  bool line_status)
{
	u64 rte = ioapic->rte[pin];
	struct kic_apic_irq irq = {
		.gsi = KIC_NO_GSI,
		.dest = FIELD_GET(RTE_DEST, rte),
		.vector = rte_vector(rte),
		.delivery_mode = FIELD_GET(RTE_DELIVERY_MODE, rte),
		.logical = rte & RTE_LOGICAL,
		.level = rte_level(rte),
		.rh = false,
	};
	unsigned long i;
	int ret;

	lockdep_assert_held(&ioapic->lock);
	if (rte_masked(rte) || (rte_level(rte) && rte_remote_irr(rte)))
		return -1;

	if (!rte_level(rte))
		ioapic->irr_delivered |= BIT(pin);

	if (pin == KIC_RTC_PIN && line_status) {
		/* Only reached with nothing pending: see ioapic_set_line(). */
		WARN_ON_ONCE(ioapic->rtc.pending_eoi);
		bitmap_zero(ioapic->rtc.dest, KVM_IRQCHIP_MAX_VCPUS);
		ret = kic_apic_bus_deliver(ioapic->kic, &irq, ioapic->rtc.dest);
		/*
		 * Only those that took a vector owe an EOI.  KVM counts every
		 * acceptance (an NMI too) but notes only these, so its count
		 * never drains after a non-vectored delivery.
		 */
		ioapic->rtc.pending_eoi = bitmap_weight(ioapic->rtc.dest,
							ioapic->kic->nr_vcpus);
		for_each_set_bit(i, ioapic->rtc.dest, ioapic->kic->nr_vcpus)
			ioapic->rtc.vector[i] = irq.vector;
	} else {
		ret = kic_apic_bus_deliver(ioapic->kic, &irq, NULL);
	}

	/*
	 * KVM sets remote IRR also on its -1 (no LAPIC could take it), and
	 * then nothing ever clears it: the line is stuck.  Only an accepted
	 * message awaits an EOI here; the status stays KVM's.
	 */
	if (ret > 0 && rte_level(rte))
		ioapic->rte[pin] |= RTE_REMOTE_IRR;
	return ret;
}

/*
 * The line of @pin is now @level: KVM's status, 1 for a lowered line,
 * 0 for a coalesced raise, else what ioapic_service() says.
 */
static int ioapic_set_line(struct kic_ioapic *ioapic, u32 pin, bool level,
			   bool line_status)
{
	u32 old_irr = ioapic->irr;

	lockdep_assert_held(&ioapic->lock);
	if (!level) {
		ioapic->irr &= ~BIT(pin);
		return 1;
	}

	/*
	 * The RTC is edge-triggered, yet a VMM keeping guest time wants to
	 * know whether the last tick was taken: it is not, until every vCPU
	 * it reached has EOIed it.
	 */
	if (pin == KIC_RTC_PIN && line_status && ioapic->rtc.pending_eoi > 0)
		return 0;

	ioapic->irr |= BIT(pin);
	if (!rte_level(ioapic->rte[pin])) {
		ioapic->irr_delivered &= ~BIT(pin);
		if (old_irr & BIT(pin))
			return 0;	/* no edge */
	}
	return ioapic_service(ioapic, pin, line_status);
}

/**
 * kic_ioapic_set_irq() - drive a pin from one source
 * @ioapic: the IOAPIC
 * @pin: the pin, below KIC_IOAPIC_PINS
 * @src: who drives it, enum kic_src
 * @level: non-zero to raise, 0 to lower
 * @line_status: KVM_IRQ_LINE_STATUS: track the RTC pin's EOIs
 *
 * Any context.  The line is the OR of all sources.  A raise that reports 0
 * or -1 counts as coalesced.
 *
 * Return: -EINVAL for a bad pin or source; else KVM's status: 1 when the
 * line ends low; 0 when a raise is coalesced (no new edge, RTC tick not
 * yet EOIed) or no vCPU accepted it; -1 when the entry is masked or a
 * level pin awaits its EOI; otherwise the number of vCPUs reached.
 */
int kic_ioapic_set_irq(struct kic_ioapic *ioapic, u32 pin, unsigned int src,
		       int level, bool line_status)
{
	unsigned long flags;
	int ret;

	if (WARN_ON_ONCE(pin >= KIC_IOAPIC_PINS || src >= KIC_SRC_NR))
		return -EINVAL;

	spin_lock_irqsave(&ioapic->lock, flags);
	if (level)
		__set_bit(src, &ioapic->sources[pin]);
	else
		__clear_bit(src, &ioapic->sources[pin]);
	ret = ioapic_set_line(ioapic, pin, ioapic->sources[pin], line_status);
	spin_unlock_irqrestore(&ioapic->lock, flags);

	if (level && ret <= 0)
		kic_stat_inc(ioapic->kic, KIC_STAT_COALESCED);
	return ret;
}

/* Deliver every level pin left asserted when an EOI storm was cut short. */
static void ioapic_storm_work(struct work_struct *work)
{
	struct kic_ioapic *ioapic = container_of(to_delayed_work(work),
						 struct kic_ioapic, storm);
	unsigned long flags;
	u32 pin;

	spin_lock_irqsave(&ioapic->lock, flags);
	for (pin = 0; pin < KIC_IOAPIC_PINS; pin++) {
		u64 rte = ioapic->rte[pin];

		if (rte_level(rte) && (ioapic->irr & BIT(pin)) &&
		    !rte_remote_irr(rte))
			ioapic_service(ioapic, pin, false);
	}
	spin_unlock_irqrestore(&ioapic->lock, flags);
}

/* The EOI of @pin's vector; drops and retakes the lock. */
static void ioapic_eoi_pin(struct kic_ioapic *ioapic, u32 pin, bool level,
			   unsigned long *flags)
	__must_hold(&ioapic->lock)
{
	/*
	 * Acknowledge first, as KVM does: a resampler lowers its level and
	 * the VMM may raise it again at once.  Remote IRR is still set, so
	 * such a raise only sets irr; it is delivered below.
	 */
	spin_unlock_irqrestore(&ioapic->lock, *flags);
	kic_pin_acked(ioapic->kic, KVM_IRQCHIP_IOAPIC, pin);
	spin_lock_irqsave(&ioapic->lock, *flags);

	/*
	 * Only a level entry waits for its EOI: an edge entry sharing the
	 * vector of a level interrupt (or an EOI forwarded without the TMR,
	 * KVM_IRQCHIP_EOI) must not be delivered again here.
	 */
	if (!level || !rte_level(ioapic->rte[pin]))
		return;
	ioapic->rte[pin] &= ~RTE_REMOTE_IRR;
	if (rte_masked(ioapic->rte[pin]) || !(ioapic->irr & BIT(pin))) {
		ioapic->eoi_count[pin] = 0;
		return;
	}
	if (++ioapic->eoi_count[pin] < IOAPIC_STORM_EOIS) {
		ioapic_service(ioapic, pin, false);
		return;
	}
	ioapic->eoi_count[pin] = 0;
	if (!test_bit(IOAPIC_QUIESCED, &ioapic->flags))
		queue_delayed_work(ioapic->kic->wq, &ioapic->storm,
				   IOAPIC_STORM_DELAY);
}

/**
 * kic_ioapic_eoi() - a LAPIC EOI, as the IOAPIC sees it
 * @ioapic: the IOAPIC
 * @vcpu: the vCPU that wrote EOI
 * @vector: the vector it completed
 * @level: the vector's TMR bit was set (a level-triggered interrupt)
 *
 * Any context, without the vCPU's LAPIC lock (the lock order is IOAPIC,
 * then LAPIC).  Every pin programmed with @vector is acknowledged
 * (kic_pin_acked()); with @level, a level entry's remote IRR is cleared
 * and, if its line is still high, it is delivered again.
 */
void kic_ioapic_eoi(struct kic_ioapic *ioapic, struct kic_vcpu *vcpu,
		    u8 vector, bool level)
{
	unsigned long flags;
	u32 pin;

	spin_lock_irqsave(&ioapic->lock, flags);
	ioapic_rtc_eoi(ioapic, vcpu, vector);
	/* The entries may change while the lock is dropped per pin. */
	for (pin = 0; pin < KIC_IOAPIC_PINS; pin++)
		if (rte_vector(ioapic->rte[pin]) == vector)
			ioapic_eoi_pin(ioapic, pin, level, &flags);
	spin_unlock_irqrestore(&ioapic->lock, flags);
}

static u32 ioapic_read_indirect(struct kic_ioapic *ioapic)
{
	u32 sel = ioapic->ioregsel, pin;
	u64 rte = ~0ULL;

	lockdep_assert_held(&ioapic->lock);
	switch (sel) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB:
		return FIELD_PREP(IOAPIC_ID, ioapic->id);
	case IOAPIC_REG_VER:
		return FIELD_PREP(IOAPIC_VER_VERSION, IOAPIC_VERSION) |
		       FIELD_PREP(IOAPIC_VER_MAXREDIR, KIC_IOAPIC_PINS - 1);
	}

	/* Registers 3-0xf and past the table read as all ones. */
	pin = (sel - IOAPIC_REG_REDTBL) / 2;
	if (sel >= IOAPIC_REG_REDTBL && pin < KIC_IOAPIC_PINS)
		rte = ioapic->rte[array_index_nospec(pin, KIC_IOAPIC_PINS)];
	return sel & 1 ? upper_32_bits(rte) : lower_32_bits(rte);
}

/* A write to half of a redirection entry; may drop and retake the lock. */
static void ioapic_write_rte(struct kic_ioapic *ioapic, u32 pin, bool high,
			     u32 val, unsigned long *flags)
	__must_hold(&ioapic->lock)
{
	u64 old = ioapic->rte[pin], rte;

	if (high)
		rte = (old & RTE_LOW) | FIELD_PREP(RTE_HIGH, val);
	else
		rte = (old & RTE_HIGH) | FIELD_PREP(RTE_LOW, val);
	rte = (rte & ~RTE_READ_ONLY) | (old & RTE_READ_ONLY);
	/*
	 * Guests without an EOI register (Linux, Xen) reprogram an entry as
	 * edge to clear a stuck remote IRR; hardware and KVM let them.
	 */
	if (!rte_level(rte))
		rte &= ~RTE_REMOTE_IRR;
	ioapic->rte[pin] = rte;

	if (!rte_level(rte) || !(ioapic->irr & BIT(pin)))
		return;

	/*
	 * Unmasking an asserted level pin: irr may be stale, the guest may
	 * have quieted the device while the pin was masked.  Resample
	 * first (see the file comment); a device still asserting keeps or
	 * raises the line again.
	 */
	if (rte_masked(old) && !rte_masked(rte) && !rte_remote_irr(rte)) {
		spin_unlock_irqrestore(&ioapic->lock, *flags);
		kic_pin_resample(ioapic->kic, KVM_IRQCHIP_IOAPIC, pin);
		spin_lock_irqsave(&ioapic->lock, *flags);
		if (!rte_level(ioapic->rte[pin]) ||
		    !(ioapic->irr & BIT(pin)))
			return;
	}
	ioapic_service(ioapic, pin, false);
}

static void ioapic_write_indirect(struct kic_ioapic *ioapic, u32 val,
				  unsigned long *flags)
	__must_hold(&ioapic->lock)
{
	u32 sel = ioapic->ioregsel, pin;

	lockdep_assert_held(&ioapic->lock);
	switch (sel) {
	case IOAPIC_REG_ID:
		ioapic->id = FIELD_GET(IOAPIC_ID, val);
		return;
	case IOAPIC_REG_VER:
	case IOAPIC_REG_ARB:
		return;		/* read-only */
	}

	pin = (sel - IOAPIC_REG_REDTBL) / 2;
	if (sel < IOAPIC_REG_REDTBL || pin >= KIC_IOAPIC_PINS)
		return;
	pin = array_index_nospec(pin, KIC_IOAPIC_PINS);
	ioapic_write_rte(ioapic, pin, sel & 1, val, flags);
}

/* The low @len bytes of an access (8 bytes: the registers' 32 bits). */
static u32 ioapic_access_bytes(u64 data, u32 len)
{
	return len >= 4 ? lower_32_bits(data) : data & GENMASK(len * 8 - 1, 0);
}

/* Within the window, end included, without overflowing. */
static bool ioapic_in_window(const struct kic_ioapic *ioapic, u64 addr,
			     u32 len)
{
	return addr >= ioapic->base &&
	       addr - ioapic->base < KIC_IOAPIC_MMIO_LEN &&
	       len <= KIC_IOAPIC_MMIO_LEN - (addr - ioapic->base);
}

/**
 * kic_ioapic_mmio() - a guest access to the IOAPIC's MMIO window
 * @ioapic: the IOAPIC
 * @addr: guest-physical address
 * @len: 1, 2, 4 or 8
 * @write: a write of the low @len bytes of *@data (8 bytes: the low 4)
 * @data: the value written, or out: the value read, zero-extended (the
 *	registers are 32 bits wide; an 8-byte read gets the 32-bit value)
 *
 * Process context.  Offsets other than IOREGSEL (0x00) and IOWIN (0x10)
 * read as 0 and ignore writes.
 *
 * Return: 0; -EINVAL for another @len; -ENXIO when the access is not
 * wholly inside the window at the current base address.
 */
int kic_ioapic_mmio(struct kic_ioapic *ioapic, u64 addr, u32 len, bool write,
		    u64 *data)
{
	unsigned long flags;
	u32 val = 0;

	if (len != 1 && len != 2 && len != 4 && len != 8)
		return -EINVAL;

	spin_lock_irqsave(&ioapic->lock, flags);
	if (!ioapic_in_window(ioapic, addr, len)) {
		spin_unlock_irqrestore(&ioapic->lock, flags);
		return -ENXIO;
	}

	if (write) {
		val = ioapic_access_bytes(*data, len);
		switch (addr & IOAPIC_OFFSET_MASK) {
		case IOAPIC_IOREGSEL:
			ioapic->ioregsel = val & IOAPIC_IOREGSEL_MASK;
			break;
		case IOAPIC_IOWIN:
			ioapic_write_indirect(ioapic, val, &flags);
			break;
		}
	} else {
		switch (addr & IOAPIC_OFFSET_MASK) {
		case IOAPIC_IOREGSEL:
			val = ioapic->ioregsel;
			break;
		case IOAPIC_IOWIN:
			val = ioapic_read_indirect(ioapic);
			break;
		}
	}
	spin_unlock_irqrestore(&ioapic->lock, flags);

	if (!write)
		*data = ioapic_access_bytes(val, len);
	return 0;
}

/**
 * kic_ioapic_get_state() - KVM_GET_IRQCHIP for KVM_IRQCHIP_IOAPIC
 * @ioapic: the IOAPIC
 * @state: filled in whole
 *
 * Any context.  Edge pins whose current edge was delivered read as low in
 * @state->irr, as in KVM, so that restoring the state does not deliver
 * them again.
 */
void kic_ioapic_get_state(struct kic_ioapic *ioapic,
			  struct kvm_ioapic_state *state)
{
	unsigned long flags;
	u32 pin;

	memset(state, 0, sizeof(*state));
	spin_lock_irqsave(&ioapic->lock, flags);
	state->base_address = ioapic->base;
	state->ioregsel = ioapic->ioregsel;
	state->id = ioapic->id;
	state->irr = ioapic->irr & ~ioapic->irr_delivered;
	state->pad = ioapic->pad;
	for (pin = 0; pin < KIC_IOAPIC_PINS; pin++)
		state->redirtbl[pin].bits = ioapic->rte[pin];
	spin_unlock_irqrestore(&ioapic->lock, flags);
}

/**
 * kic_ioapic_set_state() - KVM_SET_IRQCHIP for KVM_IRQCHIP_IOAPIC
 * @ioapic: the IOAPIC
 * @state: the state, taken as is (KVM checks nothing either)
 *
 * Any context.  Every pin set in @state->irr is raised again, as KVM does,
 * which may deliver it; RTC tracking is then rebuilt from the LAPICs.  The
 * per-source line levels are not part of the state and are kept.
 */
void kic_ioapic_set_state(struct kic_ioapic *ioapic,
			  const struct kvm_ioapic_state *state)
{
	unsigned long flags, irr = state->irr;
	u32 pin;

	spin_lock_irqsave(&ioapic->lock, flags);
	ioapic->base = state->base_address;
	ioapic->ioregsel = state->ioregsel;
	ioapic->id = state->id;
	ioapic->pad = state->pad;
	for (pin = 0; pin < KIC_IOAPIC_PINS; pin++)
		ioapic->rte[pin] = state->redirtbl[pin].bits;
	ioapic->irr = 0;
	ioapic->irr_delivered = 0;

	ioapic_rtc_reset(ioapic);
	for_each_set_bit(pin, &irr, KIC_IOAPIC_PINS)
		ioapic_set_line(ioapic, pin, true, true);
	ioapic_rtc_restore(ioapic);
	spin_unlock_irqrestore(&ioapic->lock, flags);
}

/**
 * kic_ioapic_alloc() - an IOAPIC in its reset state
 * @kic: the instance; its workqueue takes the storm work
 *
 * Process context.  Reset state: every entry masked, base 0xfec00000, ID,
 * IOREGSEL and irr 0.
 *
 * Return: the IOAPIC, or NULL.
 */
struct kic_ioapic *kic_ioapic_alloc(struct kic *kic)
{
	struct kic_ioapic *ioapic;
	u32 pin;

	ioapic = kzalloc(sizeof(*ioapic), GFP_KERNEL_ACCOUNT);
	if (!ioapic)
		return NULL;
	ioapic->kic = kic;
	spin_lock_init(&ioapic->lock);
	INIT_DELAYED_WORK(&ioapic->storm, ioapic_storm_work);
	ioapic->base = KIC_IOAPIC_BASE;
	for (pin = 0; pin < KIC_IOAPIC_PINS; pin++)
		ioapic->rte[pin] = RTE_MASKED;
	return ioapic;
}

/**
 * kic_ioapic_quiesce() - stop the IOAPIC's deferred work for good
 * @ioapic: the IOAPIC
 *
 * Process context, before the instance's workqueue is destroyed.  Pins and
 * registers keep working; a pin whose delivery an EOI storm deferred is
 * then delivered only at its next raise or EOI.
 */
void kic_ioapic_quiesce(struct kic_ioapic *ioapic)
{
	unsigned long flags;

	spin_lock_irqsave(&ioapic->lock, flags);
	__set_bit(IOAPIC_QUIESCED, &ioapic->flags);
	spin_unlock_irqrestore(&ioapic->lock, flags);
	/* Nothing can queue it now; wait out a run in progress. */
	cancel_delayed_work_sync(&ioapic->storm);
}

/**
 * kic_ioapic_free() - free an IOAPIC
 * @ioapic: the IOAPIC, or NULL
 *
 * Process context, with no caller left.  Also when kic_ioapic_quiesce()
 * was never called (a failed KVM_IRQCHIP_CREATE): nothing was queued then.
 */
void kic_ioapic_free(struct kic_ioapic *ioapic)
{
	if (!ioapic)
		return;
	cancel_delayed_work_sync(&ioapic->storm);
	kfree(ioapic);
}
