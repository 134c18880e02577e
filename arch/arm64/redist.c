// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip arm64 model: the redistributors, one per vCPU.
 *
 * A redistributor has two 64K frames: RD_base (control, LPI tables) and
 * SGI_base (the SGIs and PPIs of its vCPU, in the distributor's register
 * layout).  They are contiguous in vCPU order from the redistributor
 * base, vCPU n at base + n * 128K, the last one with GICR_TYPER.Last.
 *
 * LPIs: whether an LPI is pending, and where, lives here as one bit per
 * LPI in the bitmap of the redistributor it is pending on; its priority
 * and enable come from the guest's configuration table (GICR_PROPBASER),
 * cached in kernel memory by gic_lpi_read_config() when the ITS maps the
 * LPI or the guest issues INV/INVALL (GICv3 spec 5.1.1: a configuration
 * change is only guaranteed to be seen after INV).  One configuration
 * table serves every redistributor (vCPU 0's PROPBASER), as in KVM.
 *
 * LOCKING: register and LPI state under gic->lock; reading guest memory
 * happens before taking it, in process context.
 * LIFETIME: the per-vCPU state lives as long as the model.
 */
#include <linux/bitmap.h>
#include <linux/slab.h>

#include "gic.h"

#define GICR_CTLR		0x0000
#define GICR_IIDR		0x0004
#define GICR_TYPER		0x0008
#define GICR_STATUSR		0x0010
#define GICR_WAKER		0x0014
#define GICR_PROPBASER		0x0070
#define GICR_PENDBASER		0x0078
#define GICR_PIDR2		0xffe8

#define GICR_SGI_REGS		0x0080
#define GICR_SGI_REGS_END	0x0f00

static u64 gic_redist_typer(struct gic *gic, u32 vcpu)
{
	u64 mpidr = gic->cpus[vcpu].mpidr;
	u32 aff = (mpidr & 0xffffff) | (u32)FIELD_GET(GIC_MPIDR_AFF3, mpidr) << 24;

	return FIELD_PREP(GICR_TYPER_AFFINITY, aff) |
	       FIELD_PREP(GICR_TYPER_PROCNUM, vcpu) |
	       (vcpu == gic->kic->nr_vcpus - 1 ? GICR_TYPER_LAST : 0) |
	       GICR_TYPER_PLPIS;
}

static u32 gic_half(u64 reg, u32 off)
{
	return off & 4 ? upper_32_bits(reg) : lower_32_bits(reg);
}

static u64 gic_set_half(u64 reg, u32 off, u32 val)
{
	if (off & 4)
		return (reg & U32_MAX) | (u64)val << 32;
	return (reg & ~(u64)U32_MAX) | val;
}

/**
 * gic_redist_read() - read a 32-bit redistributor register
 * @gic: the model
 * @vcpu: the redistributor's vCPU
 * @off: offset from the redistributor's RD_base, 4-byte aligned; the SGI
 *	frame is at 64K
 * @val: the value
 * @uaccess: userspace's view (see dist.c)
 *
 * Return: 0, or -ENXIO when no register is there.
 */
int gic_redist_read(struct gic *gic, u32 vcpu, u32 off, u32 *val,
		    bool uaccess)
{
	struct gic_cpu *cpu = &gic->cpus[vcpu];
	unsigned long flags;
	int r = 0;

	spin_lock_irqsave(&gic->lock, flags);
	switch (off) {
	case GICR_CTLR:
		*val = cpu->lpis_enabled ? GICR_CTLR_ENABLE_LPIS : 0;
		break;
	case GICR_IIDR:
		*val = GIC_IIDR_VALUE;
		break;
	case GICR_TYPER:
	case GICR_TYPER + 4:
		*val = gic_half(gic_redist_typer(gic, vcpu), off);
		break;
	case GICR_STATUSR:
		*val = 0;
		break;
	case GICR_WAKER:
		/* ChildrenAsleep follows ProcessorSleep at once */
		*val = cpu->waker ? GICR_WAKER_SLEEP | GICR_WAKER_ASLEEP : 0;
		break;
	case GICR_PROPBASER:
	case GICR_PROPBASER + 4:
		*val = gic_half(cpu->propbaser, off);
		break;
	case GICR_PENDBASER:
	case GICR_PENDBASER + 4:
		*val = gic_half(cpu->pendbaser, off);
		break;
	case GICR_PIDR2:
		*val = GIC_PIDR2_ARCH_GICV3;
		break;
	case GIC_SGI_FRAME + GICR_SGI_REGS ...
	     GIC_SGI_FRAME + GICR_SGI_REGS_END - 1:
		r = gic_irq_reg_read(gic, cpu, 0, off - GIC_SGI_FRAME, val,
				     uaccess);
		break;
	default:
		r = -ENXIO;
	}
	spin_unlock_irqrestore(&gic->lock, flags);
	return r;
}

/**
 * gic_redist_write() - write a 32-bit redistributor register
 * @gic: the model
 * @vcpu: the redistributor's vCPU
 * @off: as gic_redist_read()
 * @val: the value
 * @mask: the bytes written
 * @uaccess: userspace's view
 *
 * GICR_PROPBASER and GICR_PENDBASER are fixed while EnableLPIs is set
 * (GICv3 spec 12.11.22: UNPREDICTABLE; writes are ignored here, as KVM).
 *
 * Return: 0, or -ENXIO when no register is there.
 */
int gic_redist_write(struct gic *gic, u32 vcpu, u32 off, u32 val, u32 mask,
		     bool uaccess)
{
	struct gic_cpu *cpu = &gic->cpus[vcpu];
	unsigned long flags;
	int r = 0;

	spin_lock_irqsave(&gic->lock, flags);
	switch (off) {
	case GICR_CTLR:
		cpu->lpis_enabled = val & GICR_CTLR_ENABLE_LPIS;
		break;
	case GICR_WAKER:
		cpu->waker = val & GICR_WAKER_SLEEP;
		break;
	case GICR_PROPBASER:
	case GICR_PROPBASER + 4:
		if (!cpu->lpis_enabled)
			cpu->propbaser = gic_set_half(cpu->propbaser, off, val);
		break;
	case GICR_PENDBASER:
	case GICR_PENDBASER + 4:
		if (!cpu->lpis_enabled)
			cpu->pendbaser = gic_set_half(cpu->pendbaser, off, val);
		break;
	case GICR_IIDR:
	case GICR_TYPER:
	case GICR_TYPER + 4:
	case GICR_STATUSR:
	case GICR_PIDR2:
		break;
	case GIC_SGI_FRAME + GICR_SGI_REGS ...
	     GIC_SGI_FRAME + GICR_SGI_REGS_END - 1:
		r = gic_irq_reg_write(gic, cpu, 0, off - GIC_SGI_FRAME, val,
				      mask, uaccess);
		break;
	default:
		r = -ENXIO;
	}
	spin_unlock_irqrestore(&gic->lock, flags);
	if (!r)
		gic_kick(gic, vcpu);
	return r;
}

static bool gic_lpi_deliverable(struct gic *gic, u32 vcpu, u32 intid)
{
	return gic->cpus[vcpu].lpis_enabled &&
	       gic->lpi_cfg[intid - GIC_LPI_BASE] & GIC_LPI_CFG_ENABLE;
}

/**
 * gic_lpi_set_pending() - make an LPI pending on a redistributor
 * @gic: the model, gic->lock held
 * @vcpu: the redistributor
 * @intid: the LPI
 *
 * Return: true when the vCPU should be told (the LPI is enabled).
 */
bool gic_lpi_set_pending(struct gic *gic, u32 vcpu, u32 intid)
{
	lockdep_assert_held(&gic->lock);
	__set_bit(intid - GIC_LPI_BASE, gic->cpus[vcpu].lpi_pending);
	return gic_lpi_deliverable(gic, vcpu, intid);
}

void gic_lpi_clear_pending(struct gic *gic, u32 vcpu, u32 intid)
{
	lockdep_assert_held(&gic->lock);
	__clear_bit(intid - GIC_LPI_BASE, gic->cpus[vcpu].lpi_pending);
}

/**
 * gic_lpi_move_pending() - MOVI, MOVALL: pending state follows the LPI
 * @gic: the model, gic->lock held
 * @from: the old redistributor
 * @to: the new one
 * @intid: the LPI
 */
void gic_lpi_move_pending(struct gic *gic, u32 from, u32 to, u32 intid)
{
	u32 n = intid - GIC_LPI_BASE;

	lockdep_assert_held(&gic->lock);
	if (from == to || !__test_and_clear_bit(n, gic->cpus[from].lpi_pending))
		return;
	__set_bit(n, gic->cpus[to].lpi_pending);
}

/**
 * gic_lpi_read_config() - refresh one LPI's cached configuration
 * @gic: the model
 * @intid: the LPI
 *
 * Process context: reads the guest's LPI configuration table.  An LPI
 * beyond the table (GICR_PROPBASER.IDbits) or in memory the instance was
 * not given reads as disabled.
 *
 * Return: 0, or the guest memory error (the LPI is then disabled).
 */
int gic_lpi_read_config(struct gic *gic, u32 intid)
{
	unsigned long flags;
	u64 propbaser;
	u8 cfg = 0;
	int r = 0;

	spin_lock_irqsave(&gic->lock, flags);
	propbaser = gic->cpus[0].propbaser;
	spin_unlock_irqrestore(&gic->lock, flags);

	if (intid < BIT_ULL(FIELD_GET(GICR_PROPBASER_IDBITS, propbaser) + 1))
		r = gic_mem_read(gic, (propbaser & GIC_BASER_PA) + intid -
				 GIC_LPI_BASE, &cfg, 1);
	if (r)
		cfg = 0;

	spin_lock_irqsave(&gic->lock, flags);
	gic->lpi_cfg[intid - GIC_LPI_BASE] = cfg;
	spin_unlock_irqrestore(&gic->lock, flags);
	gic_kick_all(gic);
	return r;
}

/**
 * gic_redist_init() - the redistributors and CPU interfaces at reset
 * @gic: the model, gic->cpus allocated
 *
 * Return: 0 or -ENOMEM.
 */
int gic_redist_init(struct gic *gic)
{
	u32 i, j;

	gic->lpi_cfg = kvzalloc(GIC_NR_LPIS, GFP_KERNEL_ACCOUNT);
	if (!gic->lpi_cfg)
		return -ENOMEM;
	for (i = 0; i < gic->kic->nr_vcpus; i++) {
		struct gic_cpu *cpu = &gic->cpus[i];

		cpu->lpi_pending = kvcalloc(BITS_TO_LONGS(GIC_NR_LPIS),
					    sizeof(long), GFP_KERNEL_ACCOUNT);
		if (!cpu->lpi_pending)
			return -ENOMEM;	/* gic_redist_free() cleans up */
		cpu->mpidr = gic_index_to_mpidr(i);
		for (j = 0; j < GIC_NR_PRIVATE; j++) {
			cpu->private[j].group1 = true;
			cpu->private[j].edge = j < GIC_NR_SGIS;
			cpu->private[j].target = i;
		}
		gic_cpu_reset(cpu);
	}
	return 0;
}

void gic_redist_free(struct gic *gic)
{
	u32 i;

	for (i = 0; gic->cpus && i < gic->kic->nr_vcpus; i++)
		kvfree(gic->cpus[i].lpi_pending);
	kvfree(gic->lpi_cfg);
}
