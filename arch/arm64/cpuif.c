// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip arm64 model: the CPU interface of each vCPU (ICC_*_EL1).
 *
 * The VMM forwards the guest's system register accesses (or, for save
 * and restore, reads and writes the state registers through the instance
 * fd).  What the guest sees follows GICv3 spec chapter 4.8 and 12.2:
 *  - the highest priority pending interrupt (HPPI) of a group is the
 *    enabled, pending, not active interrupt of that group with the lowest
 *    priority value, among the vCPU's SGIs and PPIs, the SPIs routed to it
 *    (or 1-of-N), and the LPIs pending on its redistributor; ties go to
 *    the lowest INTID;
 *  - ICC_IAR1_EL1 acknowledges it when its priority is higher than the
 *    priority mask (ICC_PMR_EL1) and its group priority (ICC_BPR*_EL1) is
 *    higher than the running priority; it becomes active (an LPI simply
 *    stops being pending) and its group priority is set in ICC_AP1R0_EL1;
 *  - ICC_EOIR1_EL1 drops the highest active priority and, with
 *    ICC_CTLR_EL1.EOImode 0, deactivates the interrupt; with EOImode 1,
 *    ICC_DIR_EL1 deactivates.  Deactivating an SPI reports the pin to the
 *    core (resampling irqfds, EOI eventfds).
 * Group 0 works the same through ICC_IAR0/EOIR0 (single security state,
 * so both groups are the guest's).
 *
 * Five priority bits: 32 priority levels, preemption levels from the
 * binary points (BPR0 >= 2, BPR1 >= 3), one active priorities register
 * per group (AP0R0, AP1R0).
 *
 * LOCKING: all state under gic->lock; acknowledgments are reported to the
 * core after it is dropped.
 * LIFETIME: the state lives in struct gic_cpu, as long as the model.
 */
#include "gic.h"

#include <kvm_irqchip/ack.h>

#define GIC_NO_INTID		U32_MAX

/**
 * struct gic_hppi - a candidate for acknowledgment
 * @intid: its INTID, GIC_NO_INTID when there is none
 * @prio: its priority
 */
struct gic_hppi {
	u32 intid;
	u8 prio;
};

static void gic_hppi_consider(struct gic_hppi *h, u32 intid, u8 prio)
{
	if (h->intid == GIC_NO_INTID || prio < h->prio) {
		h->intid = intid;
		h->prio = prio;
	}
}

static bool gic_irq_candidate(const struct gic_irq *irq, bool group1)
{
	return irq->enabled && !irq->active && irq->group1 == group1 &&
	       gic_irq_pending(irq);
}

/* The HPPI of group @group1 for vCPU @vcpu (GICv3 spec 4.8.2) */
static struct gic_hppi gic_cpu_hppi(struct gic *gic, u32 vcpu, bool group1)
{
	struct gic_cpu *cpu = &gic->cpus[vcpu];
	struct gic_hppi h = { .intid = GIC_NO_INTID };
	u32 dist_en = group1 ? GICD_CTLR_ENABLE_G1 : GICD_CTLR_ENABLE_G0;
	unsigned long n;
	u32 i;

	lockdep_assert_held(&gic->lock);
	if (!(group1 ? cpu->igrpen1 : cpu->igrpen0))
		return h;
	if (gic->ctlr & dist_en) {
		for (i = 0; i < GIC_NR_PRIVATE; i++)
			if (gic_irq_candidate(&cpu->private[i], group1))
				gic_hppi_consider(&h, i,
						  cpu->private[i].priority);
		for (i = 0; i < gic->nr_spis; i++) {
			struct gic_irq *irq = &gic->spis[i];

			if (irq->target != vcpu &&
			    !(irq->route & GIC_IROUTER_IRM))
				continue;
			if (gic_irq_candidate(irq, group1))
				gic_hppi_consider(&h, i + GIC_NR_PRIVATE,
						  irq->priority);
		}
	}
	/* LPIs are always Group 1 */
	if (!group1 || !cpu->lpis_enabled)
		return h;
	for_each_set_bit(n, cpu->lpi_pending, GIC_NR_LPIS) {
		u8 cfg = gic->lpi_cfg[n];

		if (cfg & GIC_LPI_CFG_ENABLE)
			gic_hppi_consider(&h, n + GIC_LPI_BASE,
					  cfg & GIC_LPI_CFG_PRIO & GIC_PRI_MASK);
	}
	return h;
}

/* The binary point that splits group priority from subpriority */
static u32 gic_cpu_bpr1(const struct gic_cpu *cpu)
{
	if (cpu->ctlr & ICC_CTLR_CBPR)
		return min(cpu->bpr0 + 1, 7);
	return cpu->bpr1;
}

static u8 gic_group_prio(const struct gic_cpu *cpu, u8 prio, bool group1)
{
	u32 shift = group1 ? gic_cpu_bpr1(cpu) : cpu->bpr0 + 1;

	return prio & (0xff << shift);
}

/* ICC_RPR_EL1: the group priority of the highest active priority */
static u8 gic_cpu_rpr(const struct gic_cpu *cpu)
{
	u32 ap = cpu->ap0r | cpu->ap1r;

	return ap ? (__ffs(ap) << (8 - GIC_PRI_BITS)) : GIC_PRI_IDLE;
}

static bool gic_cpu_can_take(const struct gic_cpu *cpu,
			     const struct gic_hppi *h, bool group1)
{
	return h->intid != GIC_NO_INTID && h->prio < cpu->pmr &&
	       gic_group_prio(cpu, h->prio, group1) < gic_cpu_rpr(cpu);
}

/**
 * gic_cpu_has_pending() - would the vCPU take an interrupt now?
 * @gic: the model
 * @vcpu: the vCPU
 *
 * Any context.
 *
 * Return: true when ICC_IAR0_EL1 or ICC_IAR1_EL1 would return an INTID.
 */
bool gic_cpu_has_pending(struct gic *gic, u32 vcpu)
{
	struct gic_cpu *cpu = &gic->cpus[vcpu];
	struct gic_hppi h0, h1;
	unsigned long flags;
	bool ret;

	spin_lock_irqsave(&gic->lock, flags);
	h1 = gic_cpu_hppi(gic, vcpu, true);
	h0 = gic_cpu_hppi(gic, vcpu, false);
	ret = gic_cpu_can_take(cpu, &h1, true) ||
	      gic_cpu_can_take(cpu, &h0, false);
	spin_unlock_irqrestore(&gic->lock, flags);
	return ret;
}

/* ICC_IAR{0,1}_EL1 (GICv3 spec 12.2.13, 12.2.14) */
static u32 gic_cpu_ack(struct gic *gic, u32 vcpu, bool group1)
{
	struct gic_cpu *cpu = &gic->cpus[vcpu];
	struct gic_hppi h = gic_cpu_hppi(gic, vcpu, group1);
	struct gic_irq *irq;
	u8 gp;

	if (!gic_cpu_can_take(cpu, &h, group1))
		return GIC_INTID_SPURIOUS;
	if (gic_is_lpi(h.intid)) {
		gic_lpi_clear_pending(gic, vcpu, h.intid);
	} else {
		irq = gic_get_irq(gic, cpu, h.intid);
		irq->active = true;
		irq->latch = false;
	}
	gp = gic_group_prio(cpu, h.prio, group1) >> (8 - GIC_PRI_BITS);
	if (group1)
		cpu->ap1r |= BIT(gp);
	else
		cpu->ap0r |= BIT(gp);
	return h.intid;
}

/* Clear the highest active priority, whichever group holds it. */
static void gic_cpu_drop_priority(struct gic_cpu *cpu)
{
	u32 ap = cpu->ap0r | cpu->ap1r;
	u32 bit;

	if (!ap)
		return;
	bit = BIT(__ffs(ap));
	if (cpu->ap0r & bit)
		cpu->ap0r &= ~bit;
	else
		cpu->ap1r &= ~bit;
}

/* Deactivate; returns the SPI to report to the core, or GIC_NO_INTID. */
static u32 gic_cpu_deactivate(struct gic *gic, u32 vcpu, u32 intid)
{
	struct gic_irq *irq;

	if (intid >= GIC_INTID_SPECIAL)
		return GIC_NO_INTID;	/* LPIs have no active state */
	irq = gic_get_irq(gic, &gic->cpus[vcpu], intid);
	if (!irq || !irq->active)
		return GIC_NO_INTID;
	irq->active = false;
	return intid >= GIC_NR_PRIVATE ? intid - GIC_NR_PRIVATE : GIC_NO_INTID;
}

/* ICC_SGI{0,1}R_EL1 (GICv3 spec 12.2.21, 12.2.22) */
static void gic_cpu_send_sgi(struct gic *gic, u32 vcpu, u64 val, bool group1)
{
	u32 intid = FIELD_GET(ICC_SGI1R_INTID, val);
	u16 targets = FIELD_GET(ICC_SGI1R_TARGETS, val);
	u64 cluster = FIELD_PREP(GIC_MPIDR_AFF1, FIELD_GET(ICC_SGI1R_AFF1, val)) |
		      FIELD_PREP(GIC_MPIDR_AFF2, FIELD_GET(ICC_SGI1R_AFF2, val)) |
		      FIELD_PREP(GIC_MPIDR_AFF3, FIELD_GET(ICC_SGI1R_AFF3, val));
	u32 rs = FIELD_GET(ICC_SGI1R_RS, val);
	u32 i;

	for (i = 0; i < gic->kic->nr_vcpus; i++) {
		struct gic_cpu *t = &gic->cpus[i];
		u64 aff0 = FIELD_GET(GIC_MPIDR_AFF0, t->mpidr);

		if (val & ICC_SGI1R_IRM) {
			if (i == vcpu)
				continue;
		} else if ((t->mpidr & ~GIC_MPIDR_AFF0) != cluster ||
			   aff0 / 16 != rs || !(targets & BIT(aff0 % 16))) {
			continue;
		}
		/* An SGI configured for the other group is not forwarded */
		if (t->private[intid].group1 != group1)
			continue;
		t->private[intid].latch = true;
	}
}

/* The registers userspace may save and restore (KVM's uaccess set) */
static bool gic_sysreg_is_state(u32 instr)
{
	switch (instr) {
	case KVM_IRQCHIP_GIC_ICC_PMR_EL1:
	case KVM_IRQCHIP_GIC_ICC_BPR0_EL1:
	case KVM_IRQCHIP_GIC_ICC_AP0R0_EL1 ... KVM_IRQCHIP_GIC_ICC_AP0R0_EL1 + 3:
	case KVM_IRQCHIP_GIC_ICC_AP1R0_EL1 ... KVM_IRQCHIP_GIC_ICC_AP1R0_EL1 + 3:
	case KVM_IRQCHIP_GIC_ICC_BPR1_EL1:
	case KVM_IRQCHIP_GIC_ICC_CTLR_EL1:
	case KVM_IRQCHIP_GIC_ICC_SRE_EL1:
	case KVM_IRQCHIP_GIC_ICC_IGRPEN0_EL1:
	case KVM_IRQCHIP_GIC_ICC_IGRPEN1_EL1:
		return true;
	default:
		return false;
	}
}

static int gic_sysreg_read(struct gic *gic, u32 vcpu, u32 instr, u64 *val)
{
	struct gic_cpu *cpu = &gic->cpus[vcpu];

	switch (instr) {
	case KVM_IRQCHIP_GIC_ICC_PMR_EL1:
		*val = cpu->pmr;
		break;
	case KVM_IRQCHIP_GIC_ICC_BPR0_EL1:
		*val = cpu->bpr0;
		break;
	case KVM_IRQCHIP_GIC_ICC_BPR1_EL1:
		*val = gic_cpu_bpr1(cpu);
		break;
	case KVM_IRQCHIP_GIC_ICC_AP0R0_EL1:
		*val = cpu->ap0r;
		break;
	case KVM_IRQCHIP_GIC_ICC_AP1R0_EL1:
		*val = cpu->ap1r;
		break;
	case KVM_IRQCHIP_GIC_ICC_AP0R0_EL1 + 1 ...
	     KVM_IRQCHIP_GIC_ICC_AP0R0_EL1 + 3:
	case KVM_IRQCHIP_GIC_ICC_AP1R0_EL1 + 1 ...
	     KVM_IRQCHIP_GIC_ICC_AP1R0_EL1 + 3:
		*val = 0;	/* 32 priority levels fit in AP*R0 */
		break;
	case KVM_IRQCHIP_GIC_ICC_CTLR_EL1:
		*val = cpu->ctlr | FIELD_PREP(ICC_CTLR_PRIBITS, GIC_PRI_BITS - 1);
		break;
	case KVM_IRQCHIP_GIC_ICC_SRE_EL1:
		*val = ICC_SRE_VALUE;
		break;
	case KVM_IRQCHIP_GIC_ICC_IGRPEN0_EL1:
		*val = cpu->igrpen0;
		break;
	case KVM_IRQCHIP_GIC_ICC_IGRPEN1_EL1:
		*val = cpu->igrpen1;
		break;
	case KVM_IRQCHIP_GIC_ICC_RPR_EL1:
		*val = gic_cpu_rpr(cpu);
		break;
	case KVM_IRQCHIP_GIC_ICC_HPPIR0_EL1:
	case KVM_IRQCHIP_GIC_ICC_HPPIR1_EL1: {
		struct gic_hppi h = gic_cpu_hppi(gic, vcpu, instr ==
						 KVM_IRQCHIP_GIC_ICC_HPPIR1_EL1);

		*val = h.intid == GIC_NO_INTID ? GIC_INTID_SPURIOUS : h.intid;
		break;
	}
	case KVM_IRQCHIP_GIC_ICC_IAR0_EL1:
		*val = gic_cpu_ack(gic, vcpu, false);
		break;
	case KVM_IRQCHIP_GIC_ICC_IAR1_EL1:
		*val = gic_cpu_ack(gic, vcpu, true);
		break;
	case KVM_IRQCHIP_GIC_ICC_EOIR0_EL1:
	case KVM_IRQCHIP_GIC_ICC_EOIR1_EL1:
	case KVM_IRQCHIP_GIC_ICC_DIR_EL1:
	case KVM_IRQCHIP_GIC_ICC_SGI0R_EL1:
	case KVM_IRQCHIP_GIC_ICC_SGI1R_EL1:
		return -EINVAL;		/* write-only */
	default:
		return -ENXIO;
	}
	return 0;
}

/* Returns the SPI whose deactivation to report, or GIC_NO_INTID. */
static int gic_sysreg_write(struct gic *gic, u32 vcpu, u32 instr, u64 val,
			    u32 *acked)
{
	struct gic_cpu *cpu = &gic->cpus[vcpu];

	switch (instr) {
	case KVM_IRQCHIP_GIC_ICC_PMR_EL1:
		cpu->pmr = val & GIC_PRI_MASK;
		break;
	case KVM_IRQCHIP_GIC_ICC_BPR0_EL1:
		cpu->bpr0 = clamp_t(u64, val & 7, GIC_BPR0_MIN, 7);
		break;
	case KVM_IRQCHIP_GIC_ICC_BPR1_EL1:
		if (!(cpu->ctlr & ICC_CTLR_CBPR))
			cpu->bpr1 = clamp_t(u64, val & 7, GIC_BPR1_MIN, 7);
		break;
	case KVM_IRQCHIP_GIC_ICC_AP0R0_EL1:
		cpu->ap0r = val;
		break;
	case KVM_IRQCHIP_GIC_ICC_AP1R0_EL1:
		cpu->ap1r = val;
		break;
	case KVM_IRQCHIP_GIC_ICC_AP0R0_EL1 + 1 ...
	     KVM_IRQCHIP_GIC_ICC_AP0R0_EL1 + 3:
	case KVM_IRQCHIP_GIC_ICC_AP1R0_EL1 + 1 ...
	     KVM_IRQCHIP_GIC_ICC_AP1R0_EL1 + 3:
	case KVM_IRQCHIP_GIC_ICC_SRE_EL1:
		break;
	case KVM_IRQCHIP_GIC_ICC_CTLR_EL1:
		cpu->ctlr = val & (ICC_CTLR_CBPR | ICC_CTLR_EOIMODE);
		break;
	case KVM_IRQCHIP_GIC_ICC_IGRPEN0_EL1:
		cpu->igrpen0 = val & 1;
		break;
	case KVM_IRQCHIP_GIC_ICC_IGRPEN1_EL1:
		cpu->igrpen1 = val & 1;
		break;
	case KVM_IRQCHIP_GIC_ICC_EOIR0_EL1:
	case KVM_IRQCHIP_GIC_ICC_EOIR1_EL1:
		/* GICv3 spec 12.2.9: INTIDs 1020-1023 are ignored */
		if (val >= GIC_INTID_SPECIAL && val <= GIC_INTID_SPURIOUS)
			break;
		gic_cpu_drop_priority(cpu);
		if (!(cpu->ctlr & ICC_CTLR_EOIMODE))
			*acked = gic_cpu_deactivate(gic, vcpu, val & 0xffffff);
		break;
	case KVM_IRQCHIP_GIC_ICC_DIR_EL1:
		if (cpu->ctlr & ICC_CTLR_EOIMODE)
			*acked = gic_cpu_deactivate(gic, vcpu, val & 0xffffff);
		break;
	case KVM_IRQCHIP_GIC_ICC_SGI0R_EL1:
	case KVM_IRQCHIP_GIC_ICC_SGI1R_EL1:
		gic_cpu_send_sgi(gic, vcpu, val,
				 instr == KVM_IRQCHIP_GIC_ICC_SGI1R_EL1);
		break;
	case KVM_IRQCHIP_GIC_ICC_IAR0_EL1:
	case KVM_IRQCHIP_GIC_ICC_IAR1_EL1:
	case KVM_IRQCHIP_GIC_ICC_HPPIR0_EL1:
	case KVM_IRQCHIP_GIC_ICC_HPPIR1_EL1:
	case KVM_IRQCHIP_GIC_ICC_RPR_EL1:
		return -EINVAL;		/* read-only */
	default:
		return -ENXIO;
	}
	return 0;
}

/**
 * gic_sysreg_access() - a CPU interface system register access
 * @gic: the model
 * @vcpu: the vCPU
 * @instr: the register (KVM_IRQCHIP_GIC_ICC_*)
 * @val: the value to write, or the value read
 * @write: write (true) or read
 * @uaccess: userspace saving or restoring state (the instance fd): only
 *	the state registers, no acknowledge or EOI
 *
 * Process context.
 *
 * Return: 0; -ENXIO for an unknown register (or, with @uaccess, one that
 * is not state); -EINVAL for a write of a read-only register or a read of
 * a write-only one.
 */
int gic_sysreg_access(struct gic *gic, u32 vcpu, u32 instr, u64 *val,
		      bool write, bool uaccess)
{
	u32 acked = GIC_NO_INTID;
	unsigned long flags;
	int r;

	if (uaccess && !gic_sysreg_is_state(instr))
		return -ENXIO;
	spin_lock_irqsave(&gic->lock, flags);
	if (write)
		r = gic_sysreg_write(gic, vcpu, instr, *val, &acked);
	else
		r = gic_sysreg_read(gic, vcpu, instr, val);
	spin_unlock_irqrestore(&gic->lock, flags);

	if (acked != GIC_NO_INTID)
		kic_pin_acked(gic->kic, 0, acked);
	if (!r && write)
		gic_kick_all(gic);
	return r;
}

/**
 * gic_cpu_reset() - the CPU interface at reset
 * @cpu: the vCPU's state
 */
void gic_cpu_reset(struct gic_cpu *cpu)
{
	cpu->pmr = 0;
	cpu->bpr0 = GIC_BPR0_MIN;
	cpu->bpr1 = GIC_BPR1_MIN;
	cpu->ctlr = 0;
	cpu->igrpen0 = false;
	cpu->igrpen1 = false;
	cpu->ap0r = 0;
	cpu->ap1r = 0;
}

/* Tell a vCPU's pollers to look again; any context, no lock needed. */
void gic_kick(struct gic *gic, u32 vcpu)
{
	kic_vcpu_kick(gic->kic->vcpus[vcpu]);
}

void gic_kick_all(struct gic *gic)
{
	u32 i;

	for (i = 0; i < gic->kic->nr_vcpus; i++)
		gic_kick(gic, i);
}
