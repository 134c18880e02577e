// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip arm64 model: the ITS command queue.
 *
 * The guest writes 32-byte commands into a ring in its memory
 * (GITS_CBASER) and advances GITS_CWRITER; the ITS executes them from
 * GITS_CREADR on (GICv3 spec 6.3).  Here that happens synchronously in
 * the guest's GITS_CWRITER write (or GITS_CTLR enable), forwarded by the
 * VMM: process context, so the ring is read with copy_from_user().
 *
 * Errors stall the queue (GICv3 spec 6.3.2, the behaviour when
 * GITS_TYPER.SEIS is 0 is IMPLEMENTATION DEFINED and this ITS stalls):
 * GITS_CREADR keeps pointing at the failed command with its Stalled bit
 * set, the error code is readable in the implementation-defined register
 * KVM_IRQCHIP_GIC_ITS_ERROR, and nothing after it runs until the guest
 * writes GITS_CWRITER with Retry set (the command is then tried again).
 * Error codes follow the architecture's encoding, 0x01 : command :
 * cause, as Linux's E_ITS_* do.
 *
 * Every command that changes a translation removes exactly the cached
 * translations it changes (see its.c).
 *
 * LOCKING: its->lock held throughout (gic_its_process_queue() is called
 * from the register write, under it); gic->lock for pending state.
 * LIFETIME: see its.c.
 */
#include <linux/slab.h>

#include "gic.h"

enum gits_cmd {
	GITS_CMD_MOVI		= 0x01,
	GITS_CMD_INT		= 0x03,
	GITS_CMD_CLEAR		= 0x04,
	GITS_CMD_SYNC		= 0x05,
	GITS_CMD_MAPD		= 0x08,
	GITS_CMD_MAPC		= 0x09,
	GITS_CMD_MAPTI		= 0x0a,
	GITS_CMD_MAPI		= 0x0b,
	GITS_CMD_INV		= 0x0c,
	GITS_CMD_INVALL		= 0x0d,
	GITS_CMD_MOVALL		= 0x0e,
	GITS_CMD_DISCARD	= 0x0f,
};

/* Error causes, the low byte of an error code */
enum gits_cause {
	GITS_CAUSE_DEVICE_OOR		= 0x01,	/* MOVALL: RDbase OOR */
	GITS_CAUSE_ITTSIZE_OOR		= 0x02,	/* MAPC: RDbase OOR */
	GITS_CAUSE_COLLECTION_OOR	= 0x03,
	GITS_CAUSE_UNMAPPED_DEVICE	= 0x04,
	GITS_CAUSE_ID_OOR		= 0x05,
	GITS_CAUSE_PHYSICALID_OOR	= 0x06,
	GITS_CAUSE_UNMAPPED_INTERRUPT	= 0x07,
	GITS_CAUSE_UNMAPPED_COLLECTION	= 0x09,
	GITS_CAUSE_UNKNOWN_COMMAND	= 0xff,	/* ours */
};

#define GITS_CAUSE_PROCNUM_OOR_MAPC	GITS_CAUSE_ITTSIZE_OOR
#define GITS_CAUSE_PROCNUM_OOR_MOVALL	GITS_CAUSE_DEVICE_OOR

static u32 gits_error(u8 cmd, u8 cause)
{
	return 0x010000 | cmd << 8 | cause;
}

#define GITS_ERROR_QUEUE_FAULT	0x01ff00	/* ours: the ring is unreadable */
#define GITS_CMD_SIZE		32

/* Command fields (GICv3 spec 6.3, one accessor per field) */
static u8 its_cmd_code(const u64 *c)		{ return c[0] & 0xff; }
static u32 its_cmd_deviceid(const u64 *c)	{ return c[0] >> 32; }
static u32 its_cmd_size(const u64 *c)		{ return c[1] & 0x1f; }
static u32 its_cmd_eventid(const u64 *c)	{ return lower_32_bits(c[1]); }
static u32 its_cmd_pintid(const u64 *c)		{ return upper_32_bits(c[1]); }
static u16 its_cmd_icid(const u64 *c)		{ return c[2] & 0xffff; }
static bool its_cmd_valid(const u64 *c)		{ return c[2] >> 63; }
static u64 its_cmd_itt(const u64 *c)		{ return c[2] & GENMASK_ULL(51, 8); }
/* GITS_TYPER.PTA is 0: RDbase is a processor number */
static u32 its_cmd_rdbase(const u64 *c)		{ return (c[2] >> 16) & U32_MAX; }
static u32 its_cmd_rdbase2(const u64 *c)	{ return (c[3] >> 16) & U32_MAX; }

static struct gic_its_ite *its_find_ite(struct gic *gic, u32 devid,
					u32 eventid, struct gic_its_device **devp)
{
	struct gic_its_device *dev = xa_load(&gic->its.devices, devid);

	if (devp)
		*devp = dev;
	return dev ? xa_load(&dev->ites, eventid) : NULL;
}

static struct gic_lpi *its_ite_lpi(struct gic *gic, struct gic_its_ite *ite)
{
	return xa_load(&gic->its.lpis, ite->intid);
}

/* Retarget an LPI; its pending state follows (MAPC, MOVI, MOVALL) */
static void its_lpi_retarget(struct gic *gic, u32 intid, struct gic_lpi *lpi,
			     u32 target)
{
	unsigned long flags;

	spin_lock_irqsave(&gic->lock, flags);
	gic_lpi_move_pending(gic, lpi->target, target, intid);
	lpi->target = target;
	spin_unlock_irqrestore(&gic->lock, flags);
	gic_kick(gic, target);
}

static int its_cmd_mapd(struct gic *gic, const u64 *c)
{
	u32 devid = its_cmd_deviceid(c);
	struct gic_its_device *dev;
	int r;

	if (devid >= BIT(GIC_DEV_BITS) || !gic_its_id_in_table(gic, 0, devid))
		return gits_error(GITS_CMD_MAPD, GITS_CAUSE_DEVICE_OOR);
	if (its_cmd_valid(c) && its_cmd_size(c) + 1 > GIC_ID_BITS)
		return gits_error(GITS_CMD_MAPD, GITS_CAUSE_ITTSIZE_OOR);

	/* A remap drops the old ITT, as an unmap does (GICv3 spec 6.3.8) */
	gic_its_unmap_device(gic, devid);
	if (!its_cmd_valid(c))
		return 0;
	dev = kzalloc(sizeof(*dev), GFP_KERNEL_ACCOUNT);
	if (!dev)
		return -ENOMEM;
	dev->nbits = its_cmd_size(c) + 1;
	dev->itt = its_cmd_itt(c);
	xa_init(&dev->ites);
	r = xa_err(xa_store(&gic->its.devices, devid, dev, GFP_KERNEL_ACCOUNT));
	if (r)
		kfree(dev);
	return r;
}

static bool gic_tc_match_icid(const struct gic_tc_entry *e, u64 icid)
{
	return e->icid == icid;
}

static int its_cmd_mapc(struct gic *gic, const u64 *c)
{
	u16 icid = its_cmd_icid(c);
	u32 target = its_cmd_rdbase(c);
	struct gic_its_device *dev;
	struct gic_its_ite *ite;
	unsigned long d, e;
	int r;

	if (!gic_its_id_in_table(gic, 1, icid))
		return gits_error(GITS_CMD_MAPC, GITS_CAUSE_COLLECTION_OOR);
	if (its_cmd_valid(c) && target >= gic->kic->nr_vcpus)
		return gits_error(GITS_CMD_MAPC, GITS_CAUSE_PROCNUM_OOR_MAPC);

	gic_its_tc_flush(gic, gic_tc_match_icid, icid);
	if (!its_cmd_valid(c)) {
		xa_erase(&gic->its.collections, icid);
		return 0;
	}
	r = xa_err(xa_store(&gic->its.collections, icid, xa_mk_value(target),
			    GFP_KERNEL_ACCOUNT));
	if (r)
		return r;
	/* The collection's LPIs now go to @target (KVM does the same) */
	xa_for_each(&gic->its.devices, d, dev)
		xa_for_each(&dev->ites, e, ite)
			if (ite->icid == icid)
				its_lpi_retarget(gic, ite->intid,
						 its_ite_lpi(gic, ite), target);
	return 0;
}

static int its_cmd_mapti(struct gic *gic, const u64 *c)
{
	u32 devid = its_cmd_deviceid(c), eventid = its_cmd_eventid(c);
	u8 code = its_cmd_code(c);
	u32 intid = code == GITS_CMD_MAPI ? eventid : its_cmd_pintid(c);
	struct gic_its_device *dev;

	if (its_find_ite(gic, devid, eventid, &dev))
		return 0;	/* already mapped: ignored, as KVM */
	if (!dev)
		return gits_error(code, GITS_CAUSE_UNMAPPED_DEVICE);
	if (eventid >= BIT_ULL(dev->nbits))
		return gits_error(code, GITS_CAUSE_ID_OOR);
	if (!gic_is_lpi(intid))
		return gits_error(code, GITS_CAUSE_PHYSICALID_OOR);
	if (!gic_its_id_in_table(gic, 1, its_cmd_icid(c)))
		return gits_error(code, GITS_CAUSE_COLLECTION_OOR);
	return gic_its_map_ite(gic, dev, eventid, intid, its_cmd_icid(c));
}

static int its_cmd_movi(struct gic *gic, const u64 *c)
{
	u32 devid = its_cmd_deviceid(c), eventid = its_cmd_eventid(c);
	struct gic_its_ite *ite = its_find_ite(gic, devid, eventid, NULL);
	unsigned long flags;
	void *coll;

	if (!ite)
		return gits_error(GITS_CMD_MOVI, GITS_CAUSE_UNMAPPED_INTERRUPT);
	coll = xa_load(&gic->its.collections, its_cmd_icid(c));
	if (!coll)
		return gits_error(GITS_CMD_MOVI, GITS_CAUSE_UNMAPPED_COLLECTION);

	spin_lock_irqsave(&gic->lock, flags);
	gic_its_tc_drop(gic, devid, eventid);
	spin_unlock_irqrestore(&gic->lock, flags);
	ite->icid = its_cmd_icid(c);
	its_lpi_retarget(gic, ite->intid, its_ite_lpi(gic, ite),
			 xa_to_value(coll));
	return 0;
}

static int its_cmd_discard(struct gic *gic, const u64 *c)
{
	u32 devid = its_cmd_deviceid(c), eventid = its_cmd_eventid(c);
	struct gic_its_device *dev;
	struct gic_its_ite *ite = its_find_ite(gic, devid, eventid, &dev);
	struct gic_lpi *lpi;
	unsigned long flags;

	if (!ite)
		return gits_error(GITS_CMD_DISCARD,
				  GITS_CAUSE_UNMAPPED_INTERRUPT);
	lpi = its_ite_lpi(gic, ite);
	spin_lock_irqsave(&gic->lock, flags);
	gic_its_tc_drop(gic, devid, eventid);
	/* GICv3 spec 6.3.4: the pending state is removed */
	gic_lpi_clear_pending(gic, lpi->target, ite->intid);
	spin_unlock_irqrestore(&gic->lock, flags);
	xa_erase(&dev->ites, eventid);
	gic_its_free_ite(gic, ite);
	return 0;
}

/* INT, CLEAR, INV: one event's LPI */
static int its_cmd_event(struct gic *gic, const u64 *c)
{
	u8 code = its_cmd_code(c);
	struct gic_its_ite *ite = its_find_ite(gic, its_cmd_deviceid(c),
					       its_cmd_eventid(c), NULL);
	struct gic_lpi *lpi;
	unsigned long flags;
	bool kick = false;

	if (!ite || (code == GITS_CMD_INT &&
		     !xa_load(&gic->its.collections, ite->icid)))
		return gits_error(code, GITS_CAUSE_UNMAPPED_INTERRUPT);
	if (code == GITS_CMD_INV) {
		gic_lpi_read_config(gic, ite->intid);
		return 0;
	}
	lpi = its_ite_lpi(gic, ite);
	spin_lock_irqsave(&gic->lock, flags);
	if (code == GITS_CMD_INT)
		kick = gic_lpi_set_pending(gic, lpi->target, ite->intid);
	else
		gic_lpi_clear_pending(gic, lpi->target, ite->intid);
	spin_unlock_irqrestore(&gic->lock, flags);
	if (kick)
		gic_kick(gic, lpi->target);
	return 0;
}

static int its_cmd_invall(struct gic *gic, const u64 *c)
{
	struct gic_lpi *lpi;
	unsigned long intid;

	if (!xa_load(&gic->its.collections, its_cmd_icid(c)))
		return gits_error(GITS_CMD_INVALL,
				  GITS_CAUSE_UNMAPPED_COLLECTION);
	xa_for_each(&gic->its.lpis, intid, lpi)
		gic_lpi_read_config(gic, intid);
	return 0;
}

static bool gic_tc_match_vcpu(const struct gic_tc_entry *e, u64 vcpu)
{
	return e->vcpu == vcpu;
}

static int its_cmd_movall(struct gic *gic, const u64 *c)
{
	u32 from = its_cmd_rdbase(c), to = its_cmd_rdbase2(c);
	struct gic_lpi *lpi;
	unsigned long intid;

	if (from >= gic->kic->nr_vcpus || to >= gic->kic->nr_vcpus)
		return gits_error(GITS_CMD_MOVALL,
				  GITS_CAUSE_PROCNUM_OOR_MOVALL);
	gic_its_tc_flush(gic, gic_tc_match_vcpu, from);
	xa_for_each(&gic->its.lpis, intid, lpi)
		if (lpi->target == from)
			its_lpi_retarget(gic, intid, lpi, to);
	return 0;
}

/* Returns 0, an architected error code (> 0), or -ENOMEM. */
static int its_cmd_execute(struct gic *gic, const u64 *c)
{
	switch (its_cmd_code(c)) {
	case GITS_CMD_MAPD:
		return its_cmd_mapd(gic, c);
	case GITS_CMD_MAPC:
		return its_cmd_mapc(gic, c);
	case GITS_CMD_MAPTI:
	case GITS_CMD_MAPI:
		return its_cmd_mapti(gic, c);
	case GITS_CMD_MOVI:
		return its_cmd_movi(gic, c);
	case GITS_CMD_DISCARD:
		return its_cmd_discard(gic, c);
	case GITS_CMD_INT:
	case GITS_CMD_CLEAR:
	case GITS_CMD_INV:
		return its_cmd_event(gic, c);
	case GITS_CMD_INVALL:
		return its_cmd_invall(gic, c);
	case GITS_CMD_MOVALL:
		return its_cmd_movall(gic, c);
	case GITS_CMD_SYNC:
		return 0;	/* every command completes before the next */
	default:
		return gits_error(its_cmd_code(c), GITS_CAUSE_UNKNOWN_COMMAND);
	}
}

/**
 * gic_its_process_queue() - run the commands from GITS_CREADR to CWRITER
 * @gic: the model, its->lock held
 *
 * Stops at the first error, stalling the queue (see the file comment).
 * A host allocation failure stalls it too, with the queue-fault code, so
 * a retry can succeed.
 */
void gic_its_process_queue(struct gic *gic)
{
	struct gic_its *its = &gic->its;
	u64 base = its->cbaser & GIC_BASER_PA;
	u64 size = gic_its_queue_size(gic);
	__le64 raw[GITS_CMD_SIZE / 8];
	u64 c[GITS_CMD_SIZE / 8];
	int i, r;

	lockdep_assert_held(&its->lock);
	if (!its->enabled || !(its->cbaser & BIT_ULL(63)))
		return;
	while (!(its->creadr & BIT_ULL(0)) && its->creadr != its->cwriter) {
		r = gic_mem_read(gic, base + its->creadr, raw, sizeof(raw));
		if (!r) {
			for (i = 0; i < ARRAY_SIZE(c); i++)
				c[i] = le64_to_cpu(raw[i]);
			r = its_cmd_execute(gic, c);
		}
		if (r) {
			its->error = r > 0 ? r : GITS_ERROR_QUEUE_FAULT;
			its->creadr |= BIT_ULL(0);	/* Stalled */
			return;
		}
		its->creadr = (its->creadr + GITS_CMD_SIZE) % size;
	}
}
