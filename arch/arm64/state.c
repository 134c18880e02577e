// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip arm64 model: the ITS tables and LPI pending tables in guest
 * memory, for save and restore (migration).
 *
 * The ITS keeps its translations in kernel memory; before the VMM copies
 * guest memory away it asks for them to be written to the tables the
 * guest provisioned (KVM_DEV_ARM_ITS_SAVE_TABLES), and for the LPI pending
 * bits to be written to each redistributor's pending table
 * (KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES).  On the destination, after the
 * registers, KVM_DEV_ARM_ITS_RESTORE_TABLES reads them back.  The layout
 * is KVM's "ITS Table ABI REV0" (arm-vgic-its.rst), selected by
 * GITS_IIDR.Revision 0, so that the same guest memory image restores on
 * KVM and here:
 *   DTE: V[63] next[62:49] ITT_addr[48:5] (address bits 51:8) Size[4:0]
 *   CTE: V[63] RDBase[51:16] (processor number) ICID[15:0]
 *   ITE: next[63:48] pINTID[47:16] ICID[15:0]; pINTID 0: invalid
 * The device table and the ITTs are indexed by DeviceID and EventID; the
 * collection table lists the valid collections first.  Every entry of
 * each table is written, the invalid ones as zero, so a restore does not
 * depend on what the guest memory held before.
 *
 * LOCKING: its->lock held (taken here); gic->lock for pending bits.
 * LIFETIME: restore builds devices and ITEs as the commands would; on
 * any error it leaves the ITS without translations, never half of them.
 */
#include <linux/slab.h>

#include "gic.h"

#define GIC_DTE_VALID		BIT_ULL(63)
#define GIC_DTE_NEXT		GENMASK_ULL(62, 49)
#define GIC_DTE_ITT		GENMASK_ULL(48, 5)
#define GIC_DTE_SIZE		GENMASK_ULL(4, 0)
#define GIC_CTE_VALID		BIT_ULL(63)
#define GIC_CTE_RDBASE		GENMASK_ULL(51, 16)
#define GIC_CTE_ICID		GENMASK_ULL(15, 0)
#define GIC_ITE_NEXT		GENMASK_ULL(63, 48)
#define GIC_ITE_PINTID		GENMASK_ULL(47, 16)
#define GIC_ITE_ICID		GENMASK_ULL(15, 0)
#define GIC_ITT_SHIFT		8

#define GIC_CHUNK		512	/* entries per guest memory access */

/* The distance to the next index in @xa, capped to @max; 0 when last. */
static u64 gic_next_offset(struct xarray *xa, unsigned long idx, u64 max)
{
	unsigned long next = idx;

	if (!xa_find_after(xa, &next, ULONG_MAX, XA_PRESENT))
		return 0;
	return min_t(u64, next - idx, max);
}

typedef u64 (*gic_entry_fn)(struct gic *gic, void *ctx, u64 idx);

/* Write @n 8-byte entries at @gpa, entry(idx) each */
static int gic_table_write(struct gic *gic, u64 gpa, u64 n, gic_entry_fn entry,
			   void *ctx)
{
	__le64 *buf;
	u64 i, j, len;
	int r = 0;

	buf = kmalloc_array(GIC_CHUNK, sizeof(*buf), GFP_KERNEL_ACCOUNT);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < n && !r; i += len) {
		len = min_t(u64, n - i, GIC_CHUNK);
		for (j = 0; j < len; j++)
			buf[j] = cpu_to_le64(entry(gic, ctx, i + j));
		r = gic_mem_write(gic, gpa + i * 8, buf, len * 8);
		cond_resched();
	}
	kfree(buf);
	return r;
}

typedef int (*gic_visit_fn)(struct gic *gic, void *ctx, u64 idx, u64 entry);

/* Read @n entries at @gpa, visit(idx, entry) each; stops on non-zero */
static int gic_table_read(struct gic *gic, u64 gpa, u64 n, gic_visit_fn visit,
			  void *ctx)
{
	__le64 *buf;
	u64 i, j, len;
	int r = 0;

	buf = kmalloc_array(GIC_CHUNK, sizeof(*buf), GFP_KERNEL_ACCOUNT);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < n && !r; i += len) {
		len = min_t(u64, n - i, GIC_CHUNK);
		r = gic_mem_read(gic, gpa + i * 8, buf, len * 8);
		for (j = 0; j < len && !r; j++)
			r = visit(gic, ctx, i + j, le64_to_cpu(buf[j]));
		cond_resched();
	}
	kfree(buf);
	return r;
}

static u64 gic_ite_entry(struct gic *gic, void *ctx, u64 idx)
{
	struct gic_its_device *dev = ctx;
	struct gic_its_ite *ite = xa_load(&dev->ites, idx);

	if (!ite)
		return 0;
	return FIELD_PREP(GIC_ITE_NEXT, gic_next_offset(&dev->ites, idx,
							GENMASK(15, 0))) |
	       FIELD_PREP(GIC_ITE_PINTID, ite->intid) |
	       FIELD_PREP(GIC_ITE_ICID, ite->icid);
}

static u64 gic_dte_entry(struct gic *gic, void *ctx, u64 idx)
{
	struct gic_its_device *dev = xa_load(&gic->its.devices, idx);

	if (!dev)
		return 0;
	return GIC_DTE_VALID |
	       FIELD_PREP(GIC_DTE_NEXT, gic_next_offset(&gic->its.devices, idx,
							GENMASK(13, 0))) |
	       FIELD_PREP(GIC_DTE_ITT, dev->itt >> GIC_ITT_SHIFT) |
	       FIELD_PREP(GIC_DTE_SIZE, dev->nbits - 1);
}

/* The n-th mapped collection, in ICID order */
static u64 gic_cte_entry(struct gic *gic, void *ctx, u64 idx)
{
	unsigned long *cursor = ctx, icid = *cursor;
	void *v = xa_find(&gic->its.collections, &icid, ULONG_MAX, XA_PRESENT);

	if (!v)
		return 0;
	*cursor = icid + 1;
	return GIC_CTE_VALID | FIELD_PREP(GIC_CTE_RDBASE, xa_to_value(v)) |
	       FIELD_PREP(GIC_CTE_ICID, icid);
}

static u64 gic_table_entries(struct gic *gic, unsigned int n)
{
	return gic_its_table_size(gic, n) / 8;
}

/**
 * gic_its_save_tables() - KVM_DEV_ARM_ITS_SAVE_TABLES
 * @gic: the model
 *
 * Return: 0; -ENXIO when there are devices (collections) but no valid
 * device (collection) table; -EFAULT when a table is outside guest
 * memory; -ENOMEM.
 */
int gic_its_save_tables(struct gic *gic)
{
	struct gic_its *its = &gic->its;
	struct gic_its_device *dev;
	unsigned long devid, cursor = 0;
	int r = 0;

	mutex_lock(&its->lock);
	if ((!xa_empty(&its->devices) && !gic_its_id_in_table(gic, 0, 0)) ||
	    (!xa_empty(&its->collections) && !gic_its_id_in_table(gic, 1, 0))) {
		r = -ENXIO;
		goto out;
	}
	xa_for_each(&its->devices, devid, dev) {
		r = gic_table_write(gic, dev->itt, BIT_ULL(dev->nbits),
				    gic_ite_entry, dev);
		if (r)
			goto out;
	}
	if (gic_its_id_in_table(gic, 0, 0))
		r = gic_table_write(gic, gic_its_table_addr(gic, 0),
				    gic_table_entries(gic, 0), gic_dte_entry,
				    NULL);
	if (!r && gic_its_id_in_table(gic, 1, 0))
		r = gic_table_write(gic, gic_its_table_addr(gic, 1),
				    gic_table_entries(gic, 1), gic_cte_entry,
				    &cursor);
out:
	mutex_unlock(&its->lock);
	return r;
}

/* The redistributor's pending table byte holding @intid's bit */
static u64 gic_pending_byte(struct gic *gic, u32 vcpu, u32 intid)
{
	return (gic->cpus[vcpu].pendbaser & GICR_PENDBASER_PA) + intid / 8;
}

static int gic_restore_pending(struct gic *gic, u32 intid)
{
	struct gic_lpi *lpi = xa_load(&gic->its.lpis, intid);
	unsigned long flags;
	bool kick;
	u8 b;

	if (!lpi || gic_mem_read(gic, gic_pending_byte(gic, lpi->target, intid),
				 &b, 1))
		return 0;	/* no pending table: nothing was pending */
	if (!(b & BIT(intid % 8)))
		return 0;
	spin_lock_irqsave(&gic->lock, flags);
	kick = gic_lpi_set_pending(gic, lpi->target, intid);
	spin_unlock_irqrestore(&gic->lock, flags);
	if (kick)
		gic_kick(gic, lpi->target);
	return 0;
}

static int gic_visit_ite(struct gic *gic, void *ctx, u64 idx, u64 e)
{
	struct gic_its_device *dev = ctx;
	u32 intid = FIELD_GET(GIC_ITE_PINTID, e);
	int r;

	if (!intid)
		return 0;
	if (!gic_is_lpi(intid))
		return -EINVAL;
	r = gic_its_map_ite(gic, dev, idx, intid, FIELD_GET(GIC_ITE_ICID, e));
	return r ?: gic_restore_pending(gic, intid);
}

static int gic_visit_dte(struct gic *gic, void *ctx, u64 idx, u64 e)
{
	struct gic_its_device *dev;
	int r;

	if (!(e & GIC_DTE_VALID))
		return 0;
	if (idx >= BIT(GIC_DEV_BITS) ||
	    FIELD_GET(GIC_DTE_SIZE, e) + 1 > GIC_ID_BITS)
		return -EINVAL;
	dev = kzalloc(sizeof(*dev), GFP_KERNEL_ACCOUNT);
	if (!dev)
		return -ENOMEM;
	dev->nbits = FIELD_GET(GIC_DTE_SIZE, e) + 1;
	dev->itt = FIELD_GET(GIC_DTE_ITT, e) << GIC_ITT_SHIFT;
	xa_init(&dev->ites);
	r = xa_err(xa_store(&gic->its.devices, idx, dev, GFP_KERNEL_ACCOUNT));
	if (r) {
		kfree(dev);
		return r;
	}
	return gic_table_read(gic, dev->itt, BIT_ULL(dev->nbits),
			      gic_visit_ite, dev);
}

/* Collections are listed first; the first invalid entry ends the list. */
static int gic_visit_cte(struct gic *gic, void *ctx, u64 idx, u64 e)
{
	u64 target = FIELD_GET(GIC_CTE_RDBASE, e);

	if (!(e & GIC_CTE_VALID))
		return 1;
	if (target >= gic->kic->nr_vcpus ||
	    !gic_its_id_in_table(gic, 1, FIELD_GET(GIC_CTE_ICID, e)))
		return -EINVAL;
	return xa_err(xa_store(&gic->its.collections,
			       FIELD_GET(GIC_CTE_ICID, e), xa_mk_value(target),
			       GFP_KERNEL_ACCOUNT));
}

static void gic_its_drop_tables(struct gic *gic)
{
	unsigned long id;
	void *p;

	xa_for_each(&gic->its.devices, id, p)
		gic_its_unmap_device(gic, id);
	xa_destroy(&gic->its.collections);
}

/**
 * gic_its_restore_tables() - KVM_DEV_ARM_ITS_RESTORE_TABLES
 * @gic: the model
 *
 * Replaces every translation with what the tables in guest memory say,
 * and the pending state of each LPI with its bit in the pending table of
 * its target redistributor (restore GICR_PENDBASER first).
 *
 * Return: 0; -EINVAL for an inconsistent entry; -EFAULT when a table is
 * outside guest memory; -ENOMEM.  On error the ITS has no translations.
 */
int gic_its_restore_tables(struct gic *gic)
{
	int r = 0;

	mutex_lock(&gic->its.lock);
	gic_its_drop_tables(gic);
	if (gic_its_id_in_table(gic, 1, 0)) {
		r = gic_table_read(gic, gic_its_table_addr(gic, 1),
				   gic_table_entries(gic, 1), gic_visit_cte,
				   NULL);
		if (r == 1)
			r = 0;
	}
	if (!r && gic_its_id_in_table(gic, 0, 0))
		r = gic_table_read(gic, gic_its_table_addr(gic, 0),
				   gic_table_entries(gic, 0), gic_visit_dte,
				   NULL);
	if (r)
		gic_its_drop_tables(gic);
	mutex_unlock(&gic->its.lock);
	return r;
}

/**
 * gic_save_pending_tables() - KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES
 * @gic: the model
 *
 * Writes each mapped LPI's pending bit into the pending table of the
 * redistributor it targets.
 *
 * Return: 0, or -EFAULT when a pending table is outside guest memory.
 */
int gic_save_pending_tables(struct gic *gic)
{
	struct gic_lpi *lpi;
	unsigned long intid, flags;
	bool pending;
	int r = 0;
	u64 gpa;
	u8 b;

	mutex_lock(&gic->its.lock);
	xa_for_each(&gic->its.lpis, intid, lpi) {
		gpa = gic_pending_byte(gic, lpi->target, intid);
		r = gic_mem_read(gic, gpa, &b, 1);
		if (r)
			break;
		spin_lock_irqsave(&gic->lock, flags);
		pending = test_bit(intid - GIC_LPI_BASE,
				   gic->cpus[lpi->target].lpi_pending);
		spin_unlock_irqrestore(&gic->lock, flags);
		if (pending == !!(b & BIT(intid % 8)))
			continue;
		b ^= BIT(intid % 8);
		r = gic_mem_write(gic, gpa, &b, 1);
		if (r)
			break;
	}
	mutex_unlock(&gic->its.lock);
	return r;
}
