// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip x86 model: the PC's two cascaded 8259A PICs (the slave's INT
 * drives the master's IR2) and the PIIX edge/level control registers (ELCR)
 * at ports 0x4d0 and 0x4d1.  The master's INT is an ExtINT for the LAPIC
 * of the vCPUs that pass PIC interrupts through (vCPU 0 at reset), which
 * take the vector with kic_pic_ack().
 *
 * Behaviour follows KVM's 8259 emulation case for case, quirks included,
 * since a VMM moves the state between KVM and us as struct kvm_pic_state:
 * special mask mode is stored but does not change priorities, a poll read
 * answers the bare IRQ number, and ICW1 leaves ISR alone except for the
 * bits of edge-triggered requests it drops.
 *
 * LOCKING
 *   pic->lock (spinlock, irq-safe: pins are set from the eventfd wakeup)
 *   guards both chips, the per-IRQ sources and the output.  The output is
 *   written under it with WRITE_ONCE() and read without it.
 *   Clearing an ISR bit is reported with kic_pin_acked(), which may set a
 *   pin again (resampling irqfds).  pic_clear_isr() drops the lock around
 *   the report, interrupts still off, and takes it back, as KVM does; code
 *   after it must not rely on what it read before.  The output is always
 *   re-evaluated after the report, so a level the report lowers is never
 *   presented again.
 *   Lock order: pic->lock, then a LAPIC's lock (kic_lapic_accepts_pic()).
 * LIFETIME
 *   Allocated by the x86 model with the instance's vCPUs, freed when the
 *   instance dies, after the last irqfd and vCPU file are gone.
 */
#include <linux/bitfield.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include <kvm_irqchip/ack.h>
#include <kvm_irqchip/kic.h>
#include <kvm_irqchip/model.h>
#include <kvm_irqchip/vcpu.h>

#include "x86.h"

/* Chip indexes are KVM's irqchip IDs, as in KVM_GET_IRQCHIP. */
#define PIC_MASTER		KVM_IRQCHIP_PIC_MASTER
#define PIC_SLAVE		KVM_IRQCHIP_PIC_SLAVE
#define PIC_CHIPS		2
#define PIC_IRQS		(PIC_CHIPS * KIC_PIC_PINS)
#define PIC_CASCADE_PIN		2	/* master IR2: the slave's INT */
#define PIC_SPURIOUS_PIN	7	/* acknowledged when nothing is pending */
#define PIC_NO_PRIORITY		KIC_PIC_PINS	/* an empty request mask */

/* PIIX: IRQ 0, 1, 2, 8 and 13 are always edge-triggered. */
#define PIC_MASTER_ELCR_MASK	0xf8
#define PIC_SLAVE_ELCR_MASK	0xde

/* Command port (A0 = 0): ICW1, else OCW3, else OCW2. */
#define PIC_ICW1		BIT(4)
#define PIC_ICW1_IC4		BIT(0)	/* ICW4 follows */
#define PIC_OCW3		BIT(3)
#define PIC_OCW3_RIS		BIT(0)	/* read ISR, not IRR */
#define PIC_OCW3_RR		BIT(1)	/* RIS is valid */
#define PIC_OCW3_POLL		BIT(2)
#define PIC_OCW3_SMM		BIT(5)	/* special mask mode */
#define PIC_OCW3_ESMM		BIT(6)	/* SMM is valid */
#define PIC_OCW2_LEVEL		GENMASK(2, 0)
#define PIC_OCW2_CMD		GENMASK(7, 5)
/* Data port (A0 = 1): ICW2-4 during initialisation, else OCW1 (IMR). */
#define PIC_ICW2_BASE		GENMASK(7, 3)
#define PIC_ICW4_AEOI		BIT(1)
#define PIC_ICW4_SFNM		BIT(4)

enum pic_ocw2_cmd {
	PIC_OCW2_AEOI_ROTATE_OFF	= 0,
	PIC_OCW2_EOI			= 1,
	PIC_OCW2_NOP			= 2,
	PIC_OCW2_SPECIFIC_EOI		= 3,
	PIC_OCW2_AEOI_ROTATE_ON		= 4,
	PIC_OCW2_ROTATE_EOI		= 5,
	PIC_OCW2_SET_PRIORITY		= 6,
	PIC_OCW2_ROTATE_SPECIFIC_EOI	= 7,
};

/* kvm_pic_state.init_state: what the next data port write is. */
enum pic_init_state {
	PIC_INIT_DONE	= 0,	/* OCW1 */
	PIC_INIT_ICW2	= 1,
	PIC_INIT_ICW3	= 2,
	PIC_INIT_ICW4	= 3,
};

static bool pic_is_icw1(u8 val)
{
	return val & PIC_ICW1;
}

static bool icw1_ic4(u8 val)
{
	return val & PIC_ICW1_IC4;
}

static bool pic_is_ocw3(u8 val)
{
	return val & PIC_OCW3;
}

static bool ocw3_ris(u8 val)
{
	return val & PIC_OCW3_RIS;
}

static bool ocw3_rr(u8 val)
{
	return val & PIC_OCW3_RR;
}

static bool ocw3_poll(u8 val)
{
	return val & PIC_OCW3_POLL;
}

static bool ocw3_smm(u8 val)
{
	return val & PIC_OCW3_SMM;
}

static bool ocw3_esmm(u8 val)
{
	return val & PIC_OCW3_ESMM;
}

static u8 ocw2_level(u8 val)
{
	return FIELD_GET(PIC_OCW2_LEVEL, val);
}

static u8 ocw2_cmd(u8 val)
{
	return FIELD_GET(PIC_OCW2_CMD, val);
}

static u8 icw2_base(u8 val)
{
	return val & PIC_ICW2_BASE;
}

static bool icw4_aeoi(u8 val)
{
	return val & PIC_ICW4_AEOI;
}

static bool icw4_sfnm(u8 val)
{
	return val & PIC_ICW4_SFNM;
}

/* The registers a port reaches. */
enum pic_reg {
	PIC_REG_CMD,	/* A0 = 0 */
	PIC_REG_DATA,	/* A0 = 1 */
	PIC_REG_ELCR,
};

/* Each chip and the ELCR pair answer a 2-port window at an even port. */
#define PIC_WINDOW_LEN		2

static const struct pic_port {
	u16 port;
	u8 chip;
	u8 reg;
} pic_ports[] = {
	{ 0x20,  PIC_MASTER, PIC_REG_CMD },
	{ 0x21,  PIC_MASTER, PIC_REG_DATA },
	{ 0xa0,  PIC_SLAVE,  PIC_REG_CMD },
	{ 0xa1,  PIC_SLAVE,  PIC_REG_DATA },
	{ 0x4d0, PIC_MASTER, PIC_REG_ELCR },
	{ 0x4d1, PIC_SLAVE,  PIC_REG_ELCR },
};

/**
 * struct kic_pic - the master and slave 8259A of one instance
 * @lock: see LOCKING
 * @kic: the instance: acknowledgments, counters, vCPU 0
 * @chip: each 8259A's registers in KVM_GET_IRQCHIP's layout, indexed by
 *	PIC_MASTER and PIC_SLAVE
 * @src: per IRQ 0-15, a bit per enum kic_src driving the line high; the
 *	line is their OR
 * @output: the master's INT, what kic_pic_output() reads
 */
struct kic_pic {
	spinlock_t lock;	/* see LOCKING */
	struct kic *kic;
	struct kvm_pic_state chip[PIC_CHIPS];
	u8 src[PIC_IRQS];
	bool output;
};

/* The pin at @prio; priority_add is the pin with priority 0. */
static u8 pic_prio_pin(const struct kvm_pic_state *c, unsigned int prio)
{
	return (prio + c->priority_add) % KIC_PIC_PINS;
}

/* The best priority among @mask's pins (0 is highest), or PIC_NO_PRIORITY. */
static unsigned int pic_priority(const struct kvm_pic_state *c, u8 mask)
{
	unsigned int prio = 0;

	if (!mask)
		return PIC_NO_PRIORITY;
	while (!(mask & BIT(pic_prio_pin(c, prio))))
		prio++;
	return prio;
}

/* Make @pin the lowest priority. */
static void pic_rotate(struct kvm_pic_state *c, u8 pin)
{
	c->priority_add = (pin + 1) % KIC_PIC_PINS;
}

/*
 * The pin chip @n would present: the best unmasked request, if it beats
 * everything in service.  In special fully nested mode the master does not
 * count the cascade as in service, so the slave can nest.  -1 if none.
 */
static int pic_chip_pending(struct kic_pic *pic, unsigned int n)
{
	struct kvm_pic_state *c = &pic->chip[n];
	unsigned int prio;
	u8 in_service;

	lockdep_assert_held(&pic->lock);
	prio = pic_priority(c, c->irr & ~c->imr);
	if (prio == PIC_NO_PRIORITY)
		return -1;
	in_service = c->isr;
	if (n == PIC_MASTER && c->special_fully_nested_mode)
		in_service &= ~BIT(PIC_CASCADE_PIN);
	if (prio >= pic_priority(c, in_service))
		return -1;
	return pic_prio_pin(c, prio);
}

/*
 * Drive @pin of a chip to @level.  ELCR says level (IRR follows the line)
 * or edge (a rising edge latches IRR; falling leaves it).  Returns as KVM:
 * -1 if the pin is masked, 0 if a raise found IRR already set, else 1.
 */
static int pic_drive_pin(struct kvm_pic_state *c, u8 pin, bool level)
{
	u8 bit = BIT(pin);
	bool was_requested = c->irr & bit;
	bool rising = level && !(c->last_irr & bit);
	int ret = 1;

	if (c->elcr & bit) {
		if (level) {
			ret = !was_requested;
			c->irr |= bit;
		} else {
			c->irr &= ~bit;
		}
	} else if (rising) {
		ret = !was_requested;
		c->irr |= bit;
	}
	if (level)
		c->last_irr |= bit;
	else
		c->last_irr &= ~bit;
	return (c->imr & bit) ? -1 : ret;
}

/*
 * The vCPU INT reaches, as KVM finds it: the first whose LAPIC passes PIC
 * interrupts through (kic_lapic_accepts_pic()), or NULL.
 */
static struct kic_vcpu *pic_target(struct kic_pic *pic)
{
	struct kic *kic = pic->kic;
	u32 i;

	for (i = 0; i < kic->nr_vcpus; i++)
		if (kic_lapic_accepts_pic(kic->vcpus[i]))
			return kic->vcpus[i];
	return NULL;
}

/*
 * Must run after anything that may change what the chips present: passes
 * a slave request to the master's IR2 as a pulse, then sets the master's
 * INT and, if it rises, kicks the vCPU it reaches to come and acknowledge
 * it.
 */
static void pic_update(struct kic_pic *pic)
{
	struct kvm_pic_state *master = &pic->chip[PIC_MASTER];
	struct kic_vcpu *target;
	bool level, rose;

	lockdep_assert_held(&pic->lock);
	if (pic_chip_pending(pic, PIC_SLAVE) >= 0) {
		pic_drive_pin(master, PIC_CASCADE_PIN, true);
		pic_drive_pin(master, PIC_CASCADE_PIN, false);
	}
	level = pic_chip_pending(pic, PIC_MASTER) >= 0;
	rose = level && !pic->output;
	WRITE_ONCE(pic->output, level);
	target = rose ? pic_target(pic) : NULL;
	if (target)
		kic_vcpu_kick(target);
}

/*
 * End @pin's service on chip @n and report it.  The report re-enters
 * kic_pic_set_irq(), so the lock is dropped around it (see LOCKING).
 */
static void pic_clear_isr(struct kic_pic *pic, unsigned int n, u8 pin)
	__must_hold(&pic->lock)
{
	lockdep_assert_held(&pic->lock);
	pic->chip[n].isr &= ~BIT(pin);
	spin_unlock(&pic->lock);
	kic_pin_acked(pic->kic, n, pin);
	spin_lock(&pic->lock);
}

/* Interrupt acknowledge cycle on chip @n for @pin. */
static void pic_intack(struct kic_pic *pic, unsigned int n, u8 pin)
	__must_hold(&pic->lock)
{
	struct kvm_pic_state *c = &pic->chip[n];

	c->isr |= BIT(pin);
	/* A level request stays in IRR until the line drops. */
	if (!(c->elcr & BIT(pin)))
		c->irr &= ~BIT(pin);
	if (c->auto_eoi) {
		if (c->rotate_on_auto_eoi)
			pic_rotate(c, pin);
		pic_clear_isr(pic, n, pin);
	}
}

/*
 * ICW1 restarts initialisation.  As KVM: IRR keeps its level-triggered
 * bits; ISR is kept except at the pins whose edge request is dropped, and
 * there only when some vCPU takes PIC interrupts (each is reported); irq_base,
 * poll and rotate_on_auto_eoi survive; the output is not re-evaluated.
 */
static void pic_icw1(struct kic_pic *pic, unsigned int n, u8 val)
	__must_hold(&pic->lock)
{
	struct kvm_pic_state *c = &pic->chip[n];
	u8 dropped = c->irr & ~c->elcr;
	u8 pin;

	c->init4 = icw1_ic4(val);
	c->last_irr = 0;
	c->irr &= c->elcr;
	c->imr = 0;
	c->priority_add = 0;
	c->special_mask = 0;
	c->read_reg_select = 0;
	if (!c->init4) {
		c->special_fully_nested_mode = 0;
		c->auto_eoi = 0;
	}
	c->init_state = PIC_INIT_ICW2;

	if (!pic_target(pic))
		return;
	for (pin = 0; pin < KIC_PIC_PINS; pin++)
		if (dropped & BIT(pin))
			pic_clear_isr(pic, n, pin);
}

static void pic_ocw2(struct kic_pic *pic, unsigned int n, u8 val)
	__must_hold(&pic->lock)
{
	struct kvm_pic_state *c = &pic->chip[n];
	u8 cmd = ocw2_cmd(val);
	unsigned int prio;
	u8 pin;

	switch (cmd) {
	case PIC_OCW2_AEOI_ROTATE_OFF:
	case PIC_OCW2_AEOI_ROTATE_ON:
		c->rotate_on_auto_eoi = cmd == PIC_OCW2_AEOI_ROTATE_ON;
		return;
	case PIC_OCW2_EOI:
	case PIC_OCW2_ROTATE_EOI:
		prio = pic_priority(c, c->isr);
		if (prio == PIC_NO_PRIORITY)
			return;
		pin = pic_prio_pin(c, prio);
		if (cmd == PIC_OCW2_ROTATE_EOI)
			pic_rotate(c, pin);
		pic_clear_isr(pic, n, pin);
		break;
	case PIC_OCW2_SPECIFIC_EOI:
		pic_clear_isr(pic, n, ocw2_level(val));
		break;
	case PIC_OCW2_SET_PRIORITY:
		pic_rotate(c, ocw2_level(val));
		break;
	case PIC_OCW2_ROTATE_SPECIFIC_EOI:
		pin = ocw2_level(val);
		pic_rotate(c, pin);
		pic_clear_isr(pic, n, pin);
		break;
	default:	/* PIC_OCW2_NOP */
		return;
	}
	pic_update(pic);
}

static void pic_ocw3(struct kvm_pic_state *c, u8 val)
{
	if (ocw3_poll(val))
		c->poll = 1;
	if (ocw3_rr(val))
		c->read_reg_select = ocw3_ris(val);
	if (ocw3_esmm(val))
		c->special_mask = ocw3_smm(val);
}

static void pic_data_write(struct kic_pic *pic, unsigned int n, u8 val)
	__must_hold(&pic->lock)
{
	struct kvm_pic_state *c = &pic->chip[n];

	switch (c->init_state) {
	case PIC_INIT_DONE:
		c->imr = val;
		pic_update(pic);
		break;
	case PIC_INIT_ICW2:
		c->irq_base = icw2_base(val);
		c->init_state = PIC_INIT_ICW3;
		break;
	case PIC_INIT_ICW3:	/* cascade wiring is fixed: ignored */
		c->init_state = c->init4 ? PIC_INIT_ICW4 : PIC_INIT_DONE;
		break;
	case PIC_INIT_ICW4:
		c->special_fully_nested_mode = icw4_sfnm(val);
		c->auto_eoi = icw4_aeoi(val);
		c->init_state = PIC_INIT_DONE;
		break;
	default:	/* only KVM_SET_IRQCHIP stores others; KVM ignores */
		break;
	}
}

/*
 * Poll read: an acknowledge without the INTA cycle.  As KVM, the answer is
 * the bare pin (no 8259A bit 7 "request present"), or 7 when nothing is
 * pending; the request ends clear in IRR and ISR (on the slave, the
 * master's IR2 too, unreported), and only master pin 2 skips pic_update().
 */
static u8 pic_poll(struct kic_pic *pic, unsigned int n)
	__must_hold(&pic->lock)
{
	struct kvm_pic_state *master = &pic->chip[PIC_MASTER];
	int pin = pic_chip_pending(pic, n);

	if (pin < 0) {
		pic_update(pic);
		return PIC_SPURIOUS_PIN;
	}
	if (n == PIC_SLAVE) {
		master->isr &= ~BIT(PIC_CASCADE_PIN);
		master->irr &= ~BIT(PIC_CASCADE_PIN);
	}
	pic->chip[n].irr &= ~BIT(pin);
	pic_clear_isr(pic, n, pin);
	if (n == PIC_SLAVE || pin != PIC_CASCADE_PIN)
		pic_update(pic);
	return pin;
}

static u8 pic_read(struct kic_pic *pic, const struct pic_port *p)
	__must_hold(&pic->lock)
{
	struct kvm_pic_state *c = &pic->chip[p->chip];
	u8 val;

	if (p->reg == PIC_REG_ELCR)
		return c->elcr;
	/* Either port of a polled chip answers the poll. */
	if (c->poll) {
		val = pic_poll(pic, p->chip);
		c->poll = 0;
		return val;
	}
	if (p->reg == PIC_REG_DATA)
		return c->imr;
	return c->read_reg_select ? c->isr : c->irr;
}

static void pic_write(struct kic_pic *pic, const struct pic_port *p, u8 val)
	__must_hold(&pic->lock)
{
	struct kvm_pic_state *c = &pic->chip[p->chip];

	if (p->reg == PIC_REG_ELCR)
		c->elcr = val & c->elcr_mask;
	else if (p->reg == PIC_REG_DATA)
		pic_data_write(pic, p->chip, val);
	else if (pic_is_icw1(val))
		pic_icw1(pic, p->chip, val);
	else if (pic_is_ocw3(val))
		pic_ocw3(c, val);
	else
		pic_ocw2(pic, p->chip, val);
}

/*
 * The port an access of @len bytes at @port is for: one that lies wholly
 * inside a window, as KVM's I/O bus matches devices.  NULL if none.
 */
static const struct pic_port *pic_find_port(u16 port, u32 len)
{
	unsigned int i;

	if (port % PIC_WINDOW_LEN + len > PIC_WINDOW_LEN)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(pic_ports); i++)
		if (pic_ports[i].port == port)
			return &pic_ports[i];
	return NULL;
}

/**
 * kic_pic_alloc() - create the PIC pair of an instance
 * @kic: the instance; its vCPUs exist before any pin, port or state call
 *
 * Process context, may sleep.  Both chips start as KVM's: all zero (IMR
 * clear, uninitialised), with the PIIX ELCR masks.
 *
 * Return: the PICs, or NULL when out of memory.
 */
struct kic_pic *kic_pic_alloc(struct kic *kic)
{
	struct kic_pic *pic;

	BUILD_BUG_ON(sizeof_field(struct kic_pic, src[0]) * BITS_PER_BYTE <
		     KIC_SRC_NR);
	pic = kzalloc(sizeof(*pic), GFP_KERNEL_ACCOUNT);
	if (!pic)
		return NULL;
	spin_lock_init(&pic->lock);
	pic->kic = kic;
	pic->chip[PIC_MASTER].elcr_mask = PIC_MASTER_ELCR_MASK;
	pic->chip[PIC_SLAVE].elcr_mask = PIC_SLAVE_ELCR_MASK;
	return pic;
}

/**
 * kic_pic_free() - free the PICs
 * @pic: the PICs, or NULL
 *
 * No other call on @pic may be running or follow.
 */
void kic_pic_free(struct kic_pic *pic)
{
	kfree(pic);
}

/**
 * kic_pic_set_irq() - drive an IRQ line from one source
 * @pic: the PICs
 * @irq: 0-7 on the master, 8-15 on the slave
 * @src: enum kic_src; the line is the OR of its sources
 * @level: the source's new level (non-zero: high)
 *
 * Any context.  A raise that is coalesced or masked is counted.
 *
 * Return: as KVM's kvm_pic_set_irq(): -1 if the pin is masked in IMR,
 * 0 if a raise found the request already in IRR, 1 otherwise (including
 * every lowering of an unmasked pin); -EINVAL for a bad @irq or @src.
 */
int kic_pic_set_irq(struct kic_pic *pic, u32 irq, unsigned int src, int level)
{
	unsigned long flags;
	int ret;

	if (WARN_ON_ONCE(irq >= PIC_IRQS || src >= KIC_SRC_NR))
		return -EINVAL;
	spin_lock_irqsave(&pic->lock, flags);
	if (level)
		pic->src[irq] |= BIT(src);
	else
		pic->src[irq] &= ~BIT(src);
	ret = pic_drive_pin(&pic->chip[irq / KIC_PIC_PINS],
			    irq % KIC_PIC_PINS, pic->src[irq]);
	pic_update(pic);
	spin_unlock_irqrestore(&pic->lock, flags);

	if (level && ret <= 0)
		kic_stat_inc(pic->kic, KIC_STAT_COALESCED);
	return ret;
}

/**
 * kic_pic_output() - the master's INT line
 * @pic: the PICs
 *
 * Any context, lockless.
 *
 * Return: true while the master asks for an interrupt acknowledge.
 */
bool kic_pic_output(struct kic_pic *pic)
{
	return READ_ONCE(pic->output);
}

/**
 * kic_pic_ack() - the CPU's interrupt acknowledge cycle
 * @pic: the PICs
 *
 * Any context; call without the acknowledging vCPU's LAPIC lock.  Moves the best pending
 * request to ISR (through the cascade when the master picks IR2), ends it
 * at once in auto-EOI mode, and re-evaluates the output.
 *
 * Return: the vector, irq_base plus the pin; with no request pending the
 * spurious pin 7 of the master, or of the slave when the master picked the
 * cascade.  Truncated to 8 bits, as KVM injects it, should a restored
 * irq_base carry low bits.
 */
int kic_pic_ack(struct kic_pic *pic)
{
	struct kvm_pic_state *master = &pic->chip[PIC_MASTER];
	struct kvm_pic_state *slave = &pic->chip[PIC_SLAVE];
	unsigned long flags;
	int pin, spin;
	u8 vector;

	spin_lock_irqsave(&pic->lock, flags);
	/* The acknowledge consumes INT; pic_update() raises it again. */
	WRITE_ONCE(pic->output, false);
	pin = pic_chip_pending(pic, PIC_MASTER);
	if (pin < 0) {
		vector = master->irq_base + PIC_SPURIOUS_PIN;
	} else {
		pic_intack(pic, PIC_MASTER, pin);
		if (pin == PIC_CASCADE_PIN) {
			spin = pic_chip_pending(pic, PIC_SLAVE);
			if (spin >= 0)
				pic_intack(pic, PIC_SLAVE, spin);
			else
				spin = PIC_SPURIOUS_PIN;
			vector = slave->irq_base + spin;
		} else {
			vector = master->irq_base + pin;
		}
	}
	pic_update(pic);
	spin_unlock_irqrestore(&pic->lock, flags);
	return vector;
}

/**
 * kic_pic_pio() - a guest access to a PIC or ELCR port
 * @pic: the PICs
 * @port: the port
 * @len: 1, 2 or 4
 * @write: a write of @data, else a read into it
 * @data: the value, in its low @len bytes
 *
 * Process context.  As KVM, an access must lie wholly inside 0x20-0x21,
 * 0xa0-0xa1 or 0x4d0-0x4d1 to be ours, and only byte accesses reach the
 * chips: a wider one is ignored and reads 0.
 *
 * Return: 0, -EINVAL for a bad @len, -ENXIO if the access is not ours.
 */
int kic_pic_pio(struct kic_pic *pic, u16 port, u32 len, bool write,
		u32 *data)
{
	const struct pic_port *p;
	unsigned long flags;

	if (len != 1 && len != 2 && len != 4)
		return -EINVAL;
	p = pic_find_port(port, len);
	if (!p)
		return -ENXIO;
	if (len != 1) {
		if (!write)
			*data = 0;
		return 0;
	}
	spin_lock_irqsave(&pic->lock, flags);
	if (write)
		pic_write(pic, p, *data);
	else
		*data = pic_read(pic, p);
	spin_unlock_irqrestore(&pic->lock, flags);
	return 0;
}

static bool pic_chip_valid(u32 chip)
{
	return chip == PIC_MASTER || chip == PIC_SLAVE;
}

/**
 * kic_pic_get_state() - KVM_GET_IRQCHIP for one 8259A
 * @pic: the PICs
 * @chip: KVM_IRQCHIP_PIC_MASTER or KVM_IRQCHIP_PIC_SLAVE
 * @state: out: the chip's registers
 *
 * Any context.
 *
 * Return: 0, or -EINVAL for another @chip.
 */
int kic_pic_get_state(struct kic_pic *pic, u32 chip,
		      struct kvm_pic_state *state)
{
	unsigned long flags;

	if (!pic_chip_valid(chip))
		return -EINVAL;
	spin_lock_irqsave(&pic->lock, flags);
	*state = pic->chip[chip];
	spin_unlock_irqrestore(&pic->lock, flags);
	return 0;
}

/**
 * kic_pic_update() - re-evaluate the PICs' output
 * @pic: the PICs
 *
 * Any context.  KVM does this after every KVM_SET_IRQCHIP, whichever chip
 * it names; with the slave requesting, that pulses the master's IR2 again,
 * which is visible in the master's IRR.
 */
void kic_pic_update(struct kic_pic *pic)
{
	unsigned long flags;

	spin_lock_irqsave(&pic->lock, flags);
	pic_update(pic);
	spin_unlock_irqrestore(&pic->lock, flags);
}

/**
 * kic_pic_set_state() - KVM_SET_IRQCHIP for one 8259A
 * @pic: the PICs
 * @chip: KVM_IRQCHIP_PIC_MASTER or KVM_IRQCHIP_PIC_SLAVE
 * @state: the chip's registers, stored unchecked as KVM does (elcr_mask
 *	included); the line sources are not part of it and are kept
 *
 * Any context.  The output is re-evaluated afterwards for any @chip, as
 * KVM re-evaluates it on every KVM_SET_IRQCHIP, and its vCPU is kicked if it
 * rises.
 *
 * Return: 0, or -EINVAL for another @chip (nothing stored).
 */
int kic_pic_set_state(struct kic_pic *pic, u32 chip,
		      const struct kvm_pic_state *state)
{
	bool valid = pic_chip_valid(chip);
	unsigned long flags;

	spin_lock_irqsave(&pic->lock, flags);
	if (valid)
		pic->chip[chip] = *state;
	pic_update(pic);
	spin_unlock_irqrestore(&pic->lock, flags);
	return valid ? 0 : -EINVAL;
}
