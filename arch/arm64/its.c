// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip arm64 model: the ITS, its registers and its translations.
 *
 * An MSI is a write of an EventID to GITS_TRANSLATER by a device the bus
 * identifies with a DeviceID.  The ITS translates the pair through the
 * device's interrupt translation table (ITT) to an LPI and a collection,
 * and the collection to a redistributor (GICv3 spec 5.2).  The guest
 * programs the tables with commands (its_cmd.c); the tables themselves are
 * kept in kernel memory (xarrays), and written to guest memory only when
 * the VMM saves them (state.c).  So a translation never reads guest
 * memory.
 *
 * Isolation: a DeviceID reaches only the events mapped in its own ITT.
 * An MSI whose DeviceID is unmapped, whose EventID is not in the device's
 * ITT or is beyond its size, whose collection is unmapped, or that comes
 * while the ITS or the target's LPIs are disabled, is dropped and counted
 * for its DeviceID (KVM_IRQCHIP_GIC_GRP_ITS_DROPS).
 *
 * The fast path (an irqfd's wakeup, atomic) looks the pair up in a
 * direct-mapped translation cache under gic->lock and sets the LPI pending
 * under the same lock hold.  A miss returns -EWOULDBLOCK and the core
 * retries from process context, which translates through the tables under
 * its->lock and fills the cache.  Every command that changes a
 * translation removes exactly the entries it changes, under gic->lock,
 * in the same lock hold as the change of pending state it makes; an
 * entry therefore never outlives its mapping.
 *
 * LOCKING: its->lock (mutex) for registers and tables; gic->lock for the
 * cache, enabled_fast and pending state (order: its->lock -> gic->lock).
 * LIFETIME: devices, ITEs and LPIs are freed under its->lock by the
 * commands that unmap them, by reset and by destroy; nothing else holds
 * pointers to them.
 */
#include <linux/hash.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "gic.h"

#define GITS_CTLR		0x0000
#define GITS_IIDR		0x0004
#define GITS_TYPER		0x0008
#define GITS_CBASER		0x0080
#define GITS_CWRITER		0x0088
#define GITS_CREADR		0x0090
#define GITS_BASER		0x0100
#define GITS_ERROR		KVM_IRQCHIP_GIC_ITS_ERROR
#define GITS_PIDR2		0xffe8

#define GITS_CTLR_ENABLED	BIT(0)
#define GITS_CTLR_QUIESCENT	BIT(31)
#define GITS_IIDR_REV		GENMASK(15, 12)
#define GITS_TYPER_PHYSICAL	BIT_ULL(0)
#define GITS_TYPER_ITT_SIZE	GENMASK_ULL(7, 4)
#define GITS_TYPER_IDBITS	GENMASK_ULL(12, 8)
#define GITS_TYPER_DEVBITS	GENMASK_ULL(17, 13)
#define GITS_CBASER_VALID	BIT_ULL(63)
#define GITS_CBASER_SIZE	GENMASK_ULL(7, 0)
#define GITS_CBASER_WRITABLE	(GITS_CBASER_VALID | GENMASK_ULL(61, 59) | \
				 GENMASK_ULL(55, 53) | GIC_BASER_PA | \
				 GENMASK_ULL(11, 10) | GITS_CBASER_SIZE)
#define GITS_CQ_OFFSET		GENMASK_ULL(19, 5)
#define GITS_CWRITER_RETRY	BIT_ULL(0)
#define GITS_CREADR_STALLED	BIT_ULL(0)
#define GITS_BASER_VALID	BIT_ULL(63)
#define GITS_BASER_TYPE		GENMASK_ULL(58, 56)
#define GITS_BASER_ESIZE	GENMASK_ULL(52, 48)
#define GITS_BASER_PA		GENMASK_ULL(47, 12)
#define GITS_BASER_PAGE_SIZE	GENMASK_ULL(9, 8)
#define GITS_BASER_SIZE		GENMASK_ULL(7, 0)
#define GITS_BASER_WRITABLE	(GITS_BASER_VALID | GENMASK_ULL(61, 59) | \
				 GENMASK_ULL(55, 53) | GITS_BASER_PA | \
				 GENMASK_ULL(11, 10) | GITS_BASER_PAGE_SIZE | \
				 GITS_BASER_SIZE)
#define GITS_BASER_TYPE_DEVICE	1
#define GITS_BASER_TYPE_COLL	4
#define GITS_ENTRY_SIZE		8	/* DTE, CTE and ITE: ABI REV0 */
#define GITS_ABI_REV_MAX	0

/* The table type each GITS_BASER<n> reports (n 0 and 1 implemented) */
static u64 gic_its_baser_type(unsigned int n)
{
	switch (n) {
	case 0:
		return FIELD_PREP(GITS_BASER_TYPE, GITS_BASER_TYPE_DEVICE) |
		       FIELD_PREP(GITS_BASER_ESIZE, GITS_ENTRY_SIZE - 1);
	case 1:
		return FIELD_PREP(GITS_BASER_TYPE, GITS_BASER_TYPE_COLL) |
		       FIELD_PREP(GITS_BASER_ESIZE, GITS_ENTRY_SIZE - 1);
	default:
		return 0;
	}
}

static u64 gic_its_baser_page(u64 baser)
{
	switch (FIELD_GET(GITS_BASER_PAGE_SIZE, baser)) {
	case 0:
		return SZ_4K;
	case 1:
		return SZ_16K;
	default:
		return SZ_64K;
	}
}

/**
 * gic_its_id_in_table() - does an ID fit the table GITS_BASER<n> gives?
 * @gic: the model, its->lock held
 * @n: 0 (DeviceIDs) or 1 (ICIDs)
 * @id: the ID
 *
 * GICv3 spec 6.2.1: an ID beyond the memory the guest provisioned is out
 * of range, and the command naming it fails.
 *
 * Return: true when the table is valid and has an entry for @id.
 */
bool gic_its_id_in_table(struct gic *gic, unsigned int n, u64 id)
{
	u64 baser = gic->its.baser[n];
	u64 bytes;

	lockdep_assert_held(&gic->its.lock);
	if (!(baser & GITS_BASER_VALID))
		return false;
	bytes = (FIELD_GET(GITS_BASER_SIZE, baser) + 1) *
		gic_its_baser_page(baser);
	return id < bytes / GITS_ENTRY_SIZE;
}

/* The guest address of table n's first entry */
u64 gic_its_table_addr(struct gic *gic, unsigned int n)
{
	return gic->its.baser[n] & GITS_BASER_PA &
	       ~(gic_its_baser_page(gic->its.baser[n]) - 1);
}

u64 gic_its_table_size(struct gic *gic, unsigned int n)
{
	u64 baser = gic->its.baser[n];

	return (FIELD_GET(GITS_BASER_SIZE, baser) + 1) *
	       gic_its_baser_page(baser);
}

static u64 gic_its_typer(void)
{
	return GITS_TYPER_PHYSICAL |
	       FIELD_PREP(GITS_TYPER_ITT_SIZE, GITS_ENTRY_SIZE - 1) |
	       FIELD_PREP(GITS_TYPER_IDBITS, GIC_ID_BITS - 1) |
	       FIELD_PREP(GITS_TYPER_DEVBITS, GIC_DEV_BITS - 1);
}

/* The command queue's size in bytes */
u64 gic_its_queue_size(struct gic *gic)
{
	return (FIELD_GET(GITS_CBASER_SIZE, gic->its.cbaser) + 1) * SZ_4K;
}

static u64 gic_its_read_locked(struct gic *gic, u32 off)
{
	struct gic_its *its = &gic->its;

	switch (off) {
	case GITS_CTLR:
		return (its->enabled ? GITS_CTLR_ENABLED : 0) |
		       GITS_CTLR_QUIESCENT;
	case GITS_IIDR:
		return GIC_IIDR_VALUE | FIELD_PREP(GITS_IIDR_REV, its->abi_rev);
	case GITS_TYPER:
		return gic_its_typer();
	case GITS_CBASER:
		return its->cbaser;
	case GITS_CWRITER:
		return its->cwriter;
	case GITS_CREADR:
		return its->creadr;
	case GITS_BASER ... GITS_BASER + 8 * GITS_BASER_NR - 8:
		return its->baser[(off - GITS_BASER) / 8];
	case GITS_ERROR:
		return its->error;
	case GITS_PIDR2:
		return GIC_PIDR2_ARCH_GICV3;
	default:
		return 0;
	}
}

static bool gic_its_reg_exists(u32 off)
{
	switch (off) {
	case GITS_CTLR:
	case GITS_IIDR:
	case GITS_TYPER:
	case GITS_CBASER:
	case GITS_CWRITER:
	case GITS_CREADR:
	case GITS_BASER ... GITS_BASER + 8 * GITS_BASER_NR - 8:
	case GITS_ERROR:
	case GITS_PIDR2:
		return true;
	default:
		return false;
	}
}

static bool gic_its_reg_is_64(u32 off)
{
	return off == GITS_TYPER || off == GITS_CBASER || off == GITS_CWRITER ||
	       off == GITS_CREADR ||
	       (off >= GITS_BASER && off < GITS_BASER + 8 * GITS_BASER_NR);
}

/**
 * gic_its_read() - read an ITS register
 * @gic: the model
 * @off: offset in the control frame (8-byte aligned, or the upper half of
 *	a 64-bit register with @len 4)
 * @val: the value
 * @len: 4 or 8
 * @uaccess: KVM_DEV_ARM_VGIC_GRP_ITS_REGS (always 8 bytes)
 *
 * Return: 0, or -ENXIO when no register is there.
 */
int gic_its_read(struct gic *gic, u32 off, u64 *val, u32 len, bool uaccess)
{
	u32 reg = off & ~7U;

	if (!gic_its_reg_exists(off & ~3U) && !gic_its_reg_exists(reg))
		return -ENXIO;
	mutex_lock(&gic->its.lock);
	if (len == 8 || !gic_its_reg_is_64(reg))
		*val = gic_its_read_locked(gic, off);
	else
		*val = off & 4 ? upper_32_bits(gic_its_read_locked(gic, reg)) :
				 lower_32_bits(gic_its_read_locked(gic, reg));
	mutex_unlock(&gic->its.lock);
	return 0;
}

static bool gic_tc_match_all(const struct gic_tc_entry *e, u64 arg)
{
	return true;
}

/* GITS_CTLR.Enabled: translations stop or start (GICv3 spec 12.19.6) */
static void gic_its_set_enabled(struct gic *gic, bool on)
{
	struct gic_its *its = &gic->its;
	unsigned long flags;

	lockdep_assert_held(&its->lock);
	its->enabled = on;
	spin_lock_irqsave(&gic->lock, flags);
	its->enabled_fast = on;
	spin_unlock_irqrestore(&gic->lock, flags);
	if (!on)
		gic_its_tc_flush(gic, gic_tc_match_all, 0);
}

static void gic_its_write_locked(struct gic *gic, u32 off, u64 val,
				 bool uaccess)
{
	struct gic_its *its = &gic->its;
	u32 n;

	switch (off) {
	case GITS_CTLR:
		gic_its_set_enabled(gic, val & GITS_CTLR_ENABLED);
		if (its->enabled && !uaccess)
			gic_its_process_queue(gic);
		break;
	case GITS_IIDR:
		/* the table ABI revision, restored before the tables */
		if (uaccess && FIELD_GET(GITS_IIDR_REV, val) <= GITS_ABI_REV_MAX)
			its->abi_rev = FIELD_GET(GITS_IIDR_REV, val);
		break;
	case GITS_CBASER:
		/* Ignored while enabled; resets CREADR (GICv3 spec 12.19.2) */
		if (its->enabled)
			break;
		its->cbaser = val & GITS_CBASER_WRITABLE;
		its->creadr = 0;
		its->cwriter = 0;
		its->error = 0;
		break;
	case GITS_CWRITER:
		if ((val & GITS_CQ_OFFSET) >= gic_its_queue_size(gic))
			break;
		its->cwriter = val & GITS_CQ_OFFSET;
		if (uaccess)
			break;
		if (val & GITS_CWRITER_RETRY && its->creadr & GITS_CREADR_STALLED) {
			its->creadr &= ~GITS_CREADR_STALLED;
			its->error = 0;
		}
		gic_its_process_queue(gic);
		break;
	case GITS_CREADR:
		/* read-only to the guest; restored by userspace */
		if (uaccess && (val & GITS_CQ_OFFSET) < gic_its_queue_size(gic))
			its->creadr = val & (GITS_CQ_OFFSET | GITS_CREADR_STALLED);
		break;
	case GITS_BASER ... GITS_BASER + 8 * GITS_BASER_NR - 8:
		n = (off - GITS_BASER) / 8;
		if (its->enabled || !gic_its_baser_type(n))
			break;
		its->baser[n] = (val & GITS_BASER_WRITABLE) |
				gic_its_baser_type(n);
		break;
	case GITS_ERROR:
		if (uaccess)
			its->error = val;
		break;
	default:
		break;
	}
}

/**
 * gic_its_write() - write an ITS register
 * @gic: the model
 * @off: as gic_its_read()
 * @val: the value
 * @len: 4 or 8
 * @uaccess: KVM_DEV_ARM_VGIC_GRP_ITS_REGS: restore semantics (CREADR and
 *	IIDR writable, a CWRITER or GITS_CTLR write does not run commands)
 *
 * A guest write of GITS_CWRITER, or enabling the ITS, processes the
 * command queue (its_cmd.c) before returning.
 *
 * Return: 0, or -ENXIO when no register is there.
 */
int gic_its_write(struct gic *gic, u32 off, u64 val, u32 len, bool uaccess)
{
	u32 reg = off & ~7U;

	if (!gic_its_reg_exists(off & ~3U) && !gic_its_reg_exists(reg))
		return -ENXIO;
	mutex_lock(&gic->its.lock);
	if (len == 4 && gic_its_reg_is_64(reg)) {
		u64 old = gic_its_read_locked(gic, reg);

		if (off & 4)
			val = (old & U32_MAX) | val << 32;
		else
			val = (old & ~(u64)U32_MAX) | (val & U32_MAX);
		off = reg;
	}
	gic_its_write_locked(gic, off, val, uaccess);
	mutex_unlock(&gic->its.lock);
	return 0;
}

u64 gic_its_doorbell(struct gic *gic)
{
	u64 base = READ_ONCE(gic->its_base);

	return base == GIC_ADDR_UNDEF ? GIC_ADDR_UNDEF :
	       base + KVM_IRQCHIP_GIC_ITS_TRANSLATER;
}

static u32 gic_tc_hash(u32 devid, u32 eventid)
{
	return hash_64((u64)devid << 32 | eventid, ilog2(GIC_TC_SIZE));
}

/**
 * gic_its_tc_flush() - remove the cache entries a change affects
 * @gic: the model
 * @match: true for an entry to remove
 * @arg: passed to @match
 *
 * Call under its->lock, before or in the same gic->lock hold as the change.
 */
void gic_its_tc_flush(struct gic *gic,
		      bool (*match)(const struct gic_tc_entry *, u64), u64 arg)
{
	unsigned long flags;
	u32 i;

	spin_lock_irqsave(&gic->lock, flags);
	for (i = 0; i < GIC_TC_SIZE; i++)
		if (gic->its.tc[i].valid && match(&gic->its.tc[i], arg))
			gic->its.tc[i].valid = false;
	spin_unlock_irqrestore(&gic->lock, flags);
}

/**
 * gic_its_tc_drop() - remove the entry of one event
 * @gic: the model, gic->lock held
 * @devid: DeviceID
 * @eventid: EventID
 */
void gic_its_tc_drop(struct gic *gic, u32 devid, u32 eventid)
{
	struct gic_tc_entry *e = &gic->its.tc[gic_tc_hash(devid, eventid)];

	lockdep_assert_held(&gic->lock);
	if (e->valid && e->devid == devid && e->eventid == eventid)
		e->valid = false;
}

/**
 * gic_its_msi_fast() - deliver an MSI through the translation cache
 * @gic: the model
 * @devid: DeviceID
 * @eventid: EventID
 *
 * Any context (the irqfd wakeup: irqs off).
 *
 * Return: 1 when the LPI was made pending; -EWOULDBLOCK when the cache
 * has no usable translation (the caller retries in process context).
 */
int gic_its_msi_fast(struct gic *gic, u32 devid, u32 eventid)
{
	struct gic_tc_entry *e = &gic->its.tc[gic_tc_hash(devid, eventid)];
	unsigned long flags;
	bool kick = false;
	int r = -EWOULDBLOCK;
	u32 vcpu = 0;

	spin_lock_irqsave(&gic->lock, flags);
	if (gic->its.enabled_fast && e->valid && e->devid == devid &&
	    e->eventid == eventid && gic->cpus[e->vcpu].lpis_enabled) {
		vcpu = e->vcpu;
		kick = gic_lpi_set_pending(gic, vcpu, e->intid);
		r = 1;
	}
	spin_unlock_irqrestore(&gic->lock, flags);
	if (kick)
		gic_kick(gic, vcpu);
	return r;
}

static void gic_its_count_drop(struct gic *gic, u32 devid)
{
	void *old = xa_load(&gic->its.drops, devid);
	u64 n = old ? xa_to_value(old) : 0;

	lockdep_assert_held(&gic->its.lock);
	kic_stat_inc(gic->kic, KIC_STAT_REJECTED);
	/* A DeviceID beyond the ITS's is counted nowhere but the total. */
	if (devid >= BIT(GIC_DEV_BITS))
		return;
	xa_store(&gic->its.drops, devid, xa_mk_value(n + 1), GFP_KERNEL_ACCOUNT);
}

/**
 * gic_its_drops() - MSIs of a DeviceID dropped so far
 * @gic: the model
 * @devid: DeviceID
 *
 * Return: the count.
 */
u64 gic_its_drops(struct gic *gic, u32 devid)
{
	void *v;

	mutex_lock(&gic->its.lock);
	v = xa_load(&gic->its.drops, devid);
	mutex_unlock(&gic->its.lock);
	return v ? xa_to_value(v) : 0;
}

/* The translation of (devid, eventid), or false (GICv3 spec 5.2.3) */
static bool gic_its_translate(struct gic *gic, u32 devid, u32 eventid,
			      struct gic_tc_entry *out)
{
	struct gic_its *its = &gic->its;
	struct gic_its_device *dev;
	struct gic_its_ite *ite;
	struct gic_lpi *lpi;

	lockdep_assert_held(&its->lock);
	if (!its->enabled)
		return false;
	dev = xa_load(&its->devices, devid);
	if (!dev || eventid >= BIT_ULL(dev->nbits))
		return false;
	ite = xa_load(&dev->ites, eventid);
	if (!ite || !xa_load(&its->collections, ite->icid))
		return false;
	lpi = xa_load(&its->lpis, ite->intid);
	if (WARN_ON_ONCE(!lpi))
		return false;
	out->valid = true;
	out->devid = devid;
	out->eventid = eventid;
	out->intid = ite->intid;
	out->icid = ite->icid;
	out->vcpu = lpi->target;
	return true;
}

/**
 * gic_its_msi() - deliver an MSI through the translation tables
 * @gic: the model
 * @devid: DeviceID
 * @eventid: EventID
 *
 * Process context.  Fills the translation cache.
 *
 * Return: 1 when the LPI was made pending, 0 when the MSI was dropped
 * (and counted for @devid).
 */
int gic_its_msi(struct gic *gic, u32 devid, u32 eventid)
{
	struct gic_tc_entry t;
	unsigned long flags;
	bool ok, kick = false;

	mutex_lock(&gic->its.lock);
	ok = gic_its_translate(gic, devid, eventid, &t);
	if (ok) {
		spin_lock_irqsave(&gic->lock, flags);
		ok = gic->cpus[t.vcpu].lpis_enabled;
		if (ok) {
			gic->its.tc[gic_tc_hash(devid, eventid)] = t;
			kick = gic_lpi_set_pending(gic, t.vcpu, t.intid);
		}
		spin_unlock_irqrestore(&gic->lock, flags);
	}
	if (!ok)
		gic_its_count_drop(gic, devid);
	mutex_unlock(&gic->its.lock);
	if (kick)
		gic_kick(gic, t.vcpu);
	return ok;
}

/**
 * gic_its_map_ite() - MAPTI, MAPI, restore: map an event to an LPI
 * @gic: the model, its->lock held
 * @dev: the device
 * @eventid: the event, inside the device's ITT
 * @intid: the LPI
 * @icid: the collection
 *
 * Return: 0, or -ENOMEM.
 */
int gic_its_map_ite(struct gic *gic, struct gic_its_device *dev, u32 eventid,
		    u32 intid, u16 icid)
{
	struct gic_its *its = &gic->its;
	struct gic_its_ite *ite;
	struct gic_lpi *lpi;
	void *coll;
	int r;

	lockdep_assert_held(&its->lock);
	ite = kzalloc(sizeof(*ite), GFP_KERNEL_ACCOUNT);
	if (!ite)
		return -ENOMEM;
	ite->intid = intid;
	ite->icid = icid;
	lpi = xa_load(&its->lpis, intid);
	if (!lpi) {
		lpi = kzalloc(sizeof(*lpi), GFP_KERNEL_ACCOUNT);
		if (!lpi)
			goto err_ite;
		coll = xa_load(&its->collections, icid);
		lpi->target = coll ? xa_to_value(coll) : 0;
		r = xa_err(xa_store(&its->lpis, intid, lpi, GFP_KERNEL_ACCOUNT));
		if (r) {
			kfree(lpi);
			goto err_ite;
		}
	}
	r = xa_err(xa_store(&dev->ites, eventid, ite, GFP_KERNEL_ACCOUNT));
	if (r) {
		if (!lpi->refs) {
			xa_erase(&its->lpis, intid);
			kfree(lpi);
		}
		goto err_ite;
	}
	lpi->refs++;
	/* KVM and the spec: a new mapping reads the LPI's configuration */
	gic_lpi_read_config(gic, intid);
	return 0;
err_ite:
	kfree(ite);
	return -ENOMEM;
}

/**
 * gic_its_free_ite() - an event's mapping goes (DISCARD, MAPD V=0)
 * @gic: the model, its->lock held
 * @ite: the mapping, already removed from its device's ITT and from the
 *	translation cache
 *
 * The last mapping of an LPI takes its pending state with it.
 */
void gic_its_free_ite(struct gic *gic, struct gic_its_ite *ite)
{
	struct gic_lpi *lpi = xa_load(&gic->its.lpis, ite->intid);
	unsigned long flags;

	lockdep_assert_held(&gic->its.lock);
	if (lpi && !--lpi->refs) {
		spin_lock_irqsave(&gic->lock, flags);
		gic_lpi_clear_pending(gic, lpi->target, ite->intid);
		spin_unlock_irqrestore(&gic->lock, flags);
		xa_erase(&gic->its.lpis, ite->intid);
		kfree(lpi);
	}
	kfree(ite);
}

static bool gic_tc_match_dev(const struct gic_tc_entry *e, u64 devid)
{
	return e->devid == devid;
}

/**
 * gic_its_unmap_device() - a DeviceID's ITT goes (MAPD, reset)
 * @gic: the model, its->lock held
 * @devid: the DeviceID
 */
void gic_its_unmap_device(struct gic *gic, u32 devid)
{
	struct gic_its_device *dev;
	struct gic_its_ite *ite;
	unsigned long ev;

	lockdep_assert_held(&gic->its.lock);
	dev = xa_erase(&gic->its.devices, devid);
	if (!dev)
		return;
	gic_its_tc_flush(gic, gic_tc_match_dev, devid);
	xa_for_each(&dev->ites, ev, ite)
		gic_its_free_ite(gic, ite);
	xa_destroy(&dev->ites);
	kfree(dev);
}

/**
 * gic_its_reset() - KVM_DEV_ARM_ITS_CTRL_RESET and destroy
 * @gic: the model, its->lock held
 *
 * arm-vgic-its.rst "ITS Reset State": disabled, no cached state, no
 * tables, empty queue; the ABI revision stays.
 */
void gic_its_reset(struct gic *gic)
{
	struct gic_its *its = &gic->its;
	unsigned long id;
	void *p;

	lockdep_assert_held(&its->lock);
	gic_its_set_enabled(gic, false);
	xa_for_each(&its->devices, id, p)
		gic_its_unmap_device(gic, id);
	xa_destroy(&its->collections);
	xa_destroy(&its->drops);
	its->cbaser = 0;
	its->cwriter = 0;
	its->creadr = 0;
	its->error = 0;
	memset(its->baser, 0, sizeof(its->baser));
	its->baser[0] = gic_its_baser_type(0);
	its->baser[1] = gic_its_baser_type(1);
}

void gic_its_init(struct gic *gic)
{
	struct gic_its *its = &gic->its;

	mutex_init(&its->lock);
	xa_init(&its->devices);
	xa_init(&its->collections);
	xa_init(&its->lpis);
	xa_init(&its->drops);
	its->baser[0] = gic_its_baser_type(0);
	its->baser[1] = gic_its_baser_type(1);
}

void gic_its_free(struct gic *gic)
{
	mutex_lock(&gic->its.lock);
	gic_its_reset(gic);
	mutex_unlock(&gic->its.lock);
	WARN_ON_ONCE(!xa_empty(&gic->its.lpis));
	xa_destroy(&gic->its.lpis);
	mutex_destroy(&gic->its.lock);
}
