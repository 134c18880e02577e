// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip arm64 model: the distributor.
 *
 * The distributor owns the SPIs: their group, enable, pending, active,
 * priority and trigger configuration, and the affinity route
 * (GICD_IROUTER<n>) naming the vCPU each one is presented to, or any vCPU
 * (1-of-N).  Affinity routing is always on (GICD_CTLR.ARE RAO/WI) and
 * there is a single security state (GICD_CTLR.DS RAO/WI), as in KVM's
 * GICv3.  The per-interrupt register blocks have the same layout in the
 * distributor and in a redistributor's SGI frame, so both are decoded
 * here (gic_irq_reg_read(), gic_irq_reg_write()).
 *
 * Two views of the registers: a guest access (KVM_IRQCHIP_IO) behaves as
 * the architecture says; a userspace access (KVM_{GET,SET}_DEVICE_ATTR,
 * "uaccess") reads and writes the pending latch of ISPENDR directly and
 * ignores ICPENDR, as KVM's arm-vgic-v3.rst describes, so that save and
 * restore see the whole state.
 *
 * LOCKING: every function here runs with gic->lock held, or takes it.
 * LIFETIME: the SPI array lives as long as the model.
 */
#include <linux/slab.h>

#include "gic.h"

/* Register blocks shared by GICD and GICR_SGI_base (GICv3 spec 12.9) */
#define GIC_REG_IGROUPR		0x0080
#define GIC_REG_ISENABLER	0x0100
#define GIC_REG_ICENABLER	0x0180
#define GIC_REG_ISPENDR		0x0200
#define GIC_REG_ICPENDR		0x0280
#define GIC_REG_ISACTIVER	0x0300
#define GIC_REG_ICACTIVER	0x0380
#define GIC_REG_IPRIORITYR	0x0400
#define GIC_REG_ITARGETSR	0x0800
#define GIC_REG_ICFGR		0x0c00
#define GIC_REG_IGRPMODR	0x0d00
#define GIC_REG_NSACR		0x0e00
#define GIC_REG_END		0x0f00

#define GICD_CTLR		0x0000
#define GICD_TYPER		0x0004
#define GICD_IIDR		0x0008
#define GICD_TYPER2		0x000c
#define GICD_STATUSR		0x0010
#define GICD_IROUTER		0x6000
#define GICD_IROUTER_END	0x7fe0
#define GICD_PIDR2		0xffe8

/**
 * gic_get_irq() - an SGI, PPI or SPI by INTID
 * @gic: the model
 * @cpu: the redistributor for SGIs and PPIs, or NULL
 * @intid: the INTID
 *
 * Return: the interrupt, or NULL when not implemented (or private and no
 * redistributor given).
 */
struct gic_irq *gic_get_irq(struct gic *gic, struct gic_cpu *cpu, u32 intid)
{
	if (intid < GIC_NR_PRIVATE)
		return cpu ? &cpu->private[intid] : NULL;
	if (intid - GIC_NR_PRIVATE < gic->nr_spis)
		return &gic->spis[intid - GIC_NR_PRIVATE];
	return NULL;
}

/* Bits per interrupt in a register block, and the block's first offset. */
static u32 gic_irq_reg_bits(u32 reg)
{
	switch (reg) {
	case GIC_REG_IPRIORITYR:
	case GIC_REG_ITARGETSR:
		return 8;
	case GIC_REG_ICFGR:
	case GIC_REG_NSACR:
		return 2;
	default:
		return 1;
	}
}

static u32 gic_irq_reg_block(u32 off)
{
	if (off >= GIC_REG_NSACR)
		return GIC_REG_NSACR;
	if (off >= GIC_REG_IGRPMODR)
		return GIC_REG_IGRPMODR;
	if (off >= GIC_REG_ICFGR)
		return GIC_REG_ICFGR;
	if (off >= GIC_REG_ITARGETSR)
		return GIC_REG_ITARGETSR;
	if (off >= GIC_REG_IPRIORITYR)
		return GIC_REG_IPRIORITYR;
	return off & ~0x7fU;
}

static u32 gic_irq_field_read(const struct gic_irq *irq, u32 intid, u32 reg,
			      bool uaccess)
{
	switch (reg) {
	case GIC_REG_IGROUPR:
		return irq->group1;
	case GIC_REG_ISENABLER:
	case GIC_REG_ICENABLER:
		return irq->enabled;
	case GIC_REG_ISPENDR:
		/* arm-vgic-v3.rst: userspace sees the latch only */
		return uaccess ? irq->latch : gic_irq_pending(irq);
	case GIC_REG_ICPENDR:
		return uaccess ? 0 : gic_irq_pending(irq);
	case GIC_REG_ISACTIVER:
	case GIC_REG_ICACTIVER:
		return irq->active;
	case GIC_REG_IPRIORITYR:
		return irq->priority;
	case GIC_REG_ICFGR:
		return irq->edge ? 2 : 0;
	default:	/* ITARGETSR, IGRPMODR, NSACR: RAZ/WI */
		return 0;
	}
}

static void gic_irq_field_write(struct gic_irq *irq, u32 intid, u32 reg,
				u32 v, bool uaccess)
{
	switch (reg) {
	case GIC_REG_IGROUPR:
		irq->group1 = v;
		break;
	case GIC_REG_ISENABLER:
		if (v)
			irq->enabled = true;
		break;
	case GIC_REG_ICENABLER:
		if (v)
			irq->enabled = false;
		break;
	case GIC_REG_ISPENDR:
		if (v)
			irq->latch = true;
		break;
	case GIC_REG_ICPENDR:
		if (v && !uaccess)
			irq->latch = false;
		break;
	case GIC_REG_ISACTIVER:
		if (v)
			irq->active = true;
		break;
	case GIC_REG_ICACTIVER:
		if (v)
			irq->active = false;
		break;
	case GIC_REG_IPRIORITYR:
		irq->priority = v & GIC_PRI_MASK;
		break;
	case GIC_REG_ICFGR:
		/* SGIs are always edge-triggered: ICFGR0 is read-only */
		if (intid >= GIC_NR_SGIS)
			irq->edge = v & 2;
		break;
	default:
		break;
	}
}

/**
 * gic_irq_reg_read() - read a per-interrupt register
 * @gic: the model, gic->lock held
 * @cpu: the redistributor (its SGI frame), or NULL for the distributor
 * @base_intid: 0 for a redistributor; for the distributor, the INTIDs
 *	below 32 read as zero (affinity routing)
 * @off: offset in the frame, 4-byte aligned, in 0x80..0xeff
 * @val: the value read
 * @uaccess: userspace's view (see the file comment)
 *
 * Return: 0.
 */
int gic_irq_reg_read(struct gic *gic, struct gic_cpu *cpu, u32 base_intid,
		     u32 off, u32 *val, bool uaccess)
{
	u32 block = gic_irq_reg_block(off);
	u32 bits = gic_irq_reg_bits(block);
	u32 first = (off - block) * 8 / bits;
	u32 i, v = 0;

	lockdep_assert_held(&gic->lock);
	for (i = 0; i < 32 / bits; i++) {
		u32 intid = first + i;
		struct gic_irq *irq;

		if (intid < base_intid || (cpu && intid >= GIC_NR_PRIVATE))
			continue;
		irq = gic_get_irq(gic, cpu, intid);
		if (!irq)
			continue;
		v |= gic_irq_field_read(irq, intid, block, uaccess) << (i * bits);
	}
	*val = v;
	return 0;
}

/**
 * gic_irq_reg_write() - write a per-interrupt register
 * @gic: the model, gic->lock held
 * @cpu: as gic_irq_reg_read()
 * @base_intid: as gic_irq_reg_read()
 * @off: as gic_irq_reg_read()
 * @val: the value
 * @mask: the bytes written (a byte access to IPRIORITYR)
 * @uaccess: userspace's view
 *
 * Return: 0.
 */
int gic_irq_reg_write(struct gic *gic, struct gic_cpu *cpu, u32 base_intid,
		      u32 off, u32 val, u32 mask, bool uaccess)
{
	u32 block = gic_irq_reg_block(off);
	u32 bits = gic_irq_reg_bits(block);
	u32 first = (off - block) * 8 / bits;
	u32 i, field = GENMASK(bits - 1, 0);

	lockdep_assert_held(&gic->lock);
	for (i = 0; i < 32 / bits; i++) {
		u32 intid = first + i;
		struct gic_irq *irq;

		if (!(mask & (field << (i * bits))))
			continue;
		if (intid < base_intid || (cpu && intid >= GIC_NR_PRIVATE))
			continue;
		irq = gic_get_irq(gic, cpu, intid);
		if (!irq)
			continue;
		gic_irq_field_write(irq, intid, block,
				    (val >> (i * bits)) & field, uaccess);
	}
	return 0;
}

/**
 * gic_mpidr_to_index() - the vCPU with an affinity
 * @gic: the model
 * @mpidr: Aff3..Aff0 in MPIDR positions
 *
 * Return: the vCPU index, or -1 when no vCPU has that affinity.
 */
int gic_mpidr_to_index(struct gic *gic, u64 mpidr)
{
	u64 aff0 = FIELD_GET(GIC_MPIDR_AFF0, mpidr);
	u64 index;

	if (aff0 >= 16 || FIELD_GET(GIC_MPIDR_AFF3, mpidr))
		return -1;
	index = aff0 | FIELD_GET(GIC_MPIDR_AFF1, mpidr) << 4 |
		FIELD_GET(GIC_MPIDR_AFF2, mpidr) << 12;
	return index < gic->kic->nr_vcpus ? (int)index : -1;
}

/**
 * gic_spi_update_target() - follow GICD_IROUTER to a vCPU
 * @gic: the model, gic->lock held
 * @irq: the SPI
 */
void gic_spi_update_target(struct gic *gic, struct gic_irq *irq)
{
	lockdep_assert_held(&gic->lock);
	if (irq->route & GIC_IROUTER_IRM)
		irq->target = -1;
	else
		irq->target = gic_mpidr_to_index(gic, irq->route &
						 GIC_IROUTER_AFF);
}

static u32 gic_dist_typer(struct gic *gic)
{
	return FIELD_PREP(GICD_TYPER_ITLINES,
			  (gic->nr_spis + GIC_NR_PRIVATE) / 32 - 1) |
	       GICD_TYPER_LPIS |
	       FIELD_PREP(GICD_TYPER_IDBITS, GIC_ID_BITS - 1);
}

static struct gic_irq *gic_irouter_irq(struct gic *gic, u32 off)
{
	u32 intid = (off - GICD_IROUTER) / 8;

	if (intid < GIC_NR_PRIVATE)
		return NULL;
	return gic_get_irq(gic, NULL, intid);
}

/**
 * gic_dist_read() - read a 32-bit distributor register
 * @gic: the model
 * @off: offset from the distributor base, 4-byte aligned
 * @val: the value
 * @uaccess: userspace's view
 *
 * Return: 0, or -ENXIO when no register is there.
 */
int gic_dist_read(struct gic *gic, u32 off, u32 *val, bool uaccess)
{
	struct gic_irq *irq;
	unsigned long flags;
	int r = 0;

	spin_lock_irqsave(&gic->lock, flags);
	switch (off) {
	case GICD_CTLR:
		*val = gic->ctlr | GICD_CTLR_ARE | GICD_CTLR_DS;
		break;
	case GICD_TYPER:
		*val = gic_dist_typer(gic);
		break;
	case GICD_IIDR:
		*val = GIC_IIDR_VALUE;
		break;
	case GICD_TYPER2:
	case GICD_STATUSR:
		*val = 0;
		break;
	case GICD_PIDR2:
		*val = GIC_PIDR2_ARCH_GICV3;
		break;
	case GIC_REG_IGROUPR ... GIC_REG_END - 1:
		r = gic_irq_reg_read(gic, NULL, GIC_NR_PRIVATE, off, val,
				     uaccess);
		break;
	case GICD_IROUTER ... GICD_IROUTER_END + 4:
		irq = gic_irouter_irq(gic, off & ~7U);
		if (!irq)
			*val = 0;
		else
			*val = off & 4 ? upper_32_bits(irq->route) :
					 lower_32_bits(irq->route);
		break;
	default:
		r = -ENXIO;
	}
	spin_unlock_irqrestore(&gic->lock, flags);
	return r;
}

/**
 * gic_dist_write() - write a 32-bit distributor register
 * @gic: the model
 * @off: offset, 4-byte aligned
 * @val: the value
 * @mask: the bytes written
 * @uaccess: userspace's view
 *
 * Return: 0, or -ENXIO when no register is there.  Read-only registers
 * ignore writes.
 */
int gic_dist_write(struct gic *gic, u32 off, u32 val, u32 mask, bool uaccess)
{
	struct gic_irq *irq;
	unsigned long flags;
	int r = 0;

	spin_lock_irqsave(&gic->lock, flags);
	switch (off) {
	case GICD_CTLR:
		gic->ctlr = val & (GICD_CTLR_ENABLE_G0 | GICD_CTLR_ENABLE_G1);
		break;
	case GICD_TYPER:
	case GICD_IIDR:
	case GICD_TYPER2:
	case GICD_STATUSR:
	case GICD_PIDR2:
		break;
	case GIC_REG_IGROUPR ... GIC_REG_END - 1:
		r = gic_irq_reg_write(gic, NULL, GIC_NR_PRIVATE, off, val,
				      mask, uaccess);
		break;
	case GICD_IROUTER ... GICD_IROUTER_END + 4:
		irq = gic_irouter_irq(gic, off & ~7U);
		if (!irq)
			break;
		if (off & 4)
			irq->route = (irq->route & U32_MAX) | (u64)val << 32;
		else
			irq->route = (irq->route & ~(u64)U32_MAX) | val;
		irq->route &= GIC_IROUTER_AFF | GIC_IROUTER_IRM;
		gic_spi_update_target(gic, irq);
		break;
	default:
		r = -ENXIO;
	}
	spin_unlock_irqrestore(&gic->lock, flags);
	if (!r)
		gic_kick_all(gic);
	return r;
}

/**
 * gic_spi_set_level() - drive an SPI's input from a routed GSI
 * @gic: the model
 * @spi: SPI number (INTID - 32)
 * @src: the source (enum kic_src): the input is the OR of the sources
 * @level: 1 to raise, 0 to lower
 *
 * Any context.  A rising input latches an edge-triggered SPI pending; a
 * level-triggered SPI is pending while its input is high (GICv3 spec
 * 4.1.3).
 *
 * Return: 1 when it became pending, 0 when it already was (or a lower),
 * -1 when the SPI is not implemented.
 */
int gic_spi_set_level(struct gic *gic, u32 spi, unsigned int src, int level)
{
	struct gic_irq *irq;
	unsigned long flags;
	bool was;
	int target;

	spin_lock_irqsave(&gic->lock, flags);
	irq = gic_get_irq(gic, NULL, spi + GIC_NR_PRIVATE);
	if (!irq) {
		spin_unlock_irqrestore(&gic->lock, flags);
		return -1;
	}
	was = gic_irq_pending(irq);
	if (level) {
		irq->line |= BIT(src);
		if (irq->edge)
			irq->latch = true;
	} else {
		irq->line &= ~BIT(src);
	}
	target = irq->target;
	spin_unlock_irqrestore(&gic->lock, flags);
	if (!level)
		return 0;
	if (was) {
		kic_stat_inc(gic->kic, KIC_STAT_COALESCED);
		return 0;
	}
	kic_stat_inc(gic->kic, KIC_STAT_DELIVERED);
	if (target >= 0)
		gic_kick(gic, target);
	else
		gic_kick_all(gic);
	return 1;
}

/**
 * gic_dist_init() - the distributor at reset
 * @gic: the model
 *
 * Return: 0 or -ENOMEM.
 */
int gic_dist_init(struct gic *gic)
{
	u32 i;

	gic->spis = kvcalloc(GIC_MAX_SPIS, sizeof(*gic->spis),
			     GFP_KERNEL_ACCOUNT);
	if (!gic->spis)
		return -ENOMEM;
	gic->nr_spis = GIC_DEFAULT_NR_IRQS - GIC_NR_PRIVATE;
	for (i = 0; i < GIC_MAX_SPIS; i++) {
		/* KVM's GICv3 resets interrupts to Group 1; route 0 is vCPU 0 */
		gic->spis[i].group1 = true;
		gic->spis[i].target = 0;
	}
	return 0;
}

void gic_dist_free(struct gic *gic)
{
	kvfree(gic->spis);
	gic->spis = NULL;
}
