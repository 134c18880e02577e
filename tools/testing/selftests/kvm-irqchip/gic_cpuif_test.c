// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64-gicv3 CPU interface: the ICC_*_EL1 system registers a guest
 * reads and writes (forwarded by the VMM through the vCPU fd): priority
 * mask, running priority and preemption, binary point, EOImode and
 * ICC_DIR_EL1, SGIs through ICC_SGI1R_EL1.  Section numbers are those of
 * the GICv3 architecture specification (ARM IHI 0069).
 */
#include "gic_util.h"
#include "kselftest_harness.h"

#define NR_VCPUS	4

FIXTURE(cpuif) {
	struct gic g;
};

FIXTURE_SETUP(cpuif)
{
	ASSERT_EQ(0, gic_init(&self->g, NR_VCPUS));
	ASSERT_EQ(0, gic_enable_all(&self->g));
	/* SPIs 0-3 (INTIDs 32-35), edge, vCPU 0, priorities 0x80 0x88 0x40 0x80 */
	ASSERT_EQ(0, gic_spi_setup(&self->g, 0, 0x80, 0, 1));
	ASSERT_EQ(0, gic_spi_setup(&self->g, 1, 0x88, 0, 1));
	ASSERT_EQ(0, gic_spi_setup(&self->g, 2, 0x40, 0, 1));
	ASSERT_EQ(0, gic_spi_setup(&self->g, 3, 0x80, 0, 1));
}

FIXTURE_TEARDOWN(cpuif)
{
	gic_fini(&self->g);
}

/* 4.8.6: only a priority higher than ICC_PMR_EL1 is signalled */
TEST_F(cpuif, iar_respects_priority_mask)
{
	ASSERT_EQ(0, icc_write(&self->g, 0, ICC_PMR, 0x80));
	ASSERT_EQ(1, gic_line(self->g.fd, 0, 1));
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, 0));
	ASSERT_EQ(0, icc_write(&self->g, 0, ICC_PMR, 0x88));
	EXPECT_EQ(32u, icc_ack(&self->g, 0));
	/* five priority bits: the low three read as zero */
	ASSERT_EQ(0, icc_write(&self->g, 0, ICC_PMR, 0xff));
	EXPECT_EQ(0xf8u, icc_read(&self->g, 0, ICC_PMR));
}

/* 4.8.2: the highest priority wins, ties go to the lowest INTID */
TEST_F(cpuif, iar_takes_highest_priority_then_lowest_intid)
{
	for (uint32_t gsi = 0; gsi < 4; gsi++)
		ASSERT_EQ(1, gic_line(self->g.fd, gsi, 1));
	EXPECT_EQ(34u, icc_read(&self->g, 0, ICC_HPPIR1));
	EXPECT_EQ(34u, icc_ack(&self->g, 0));
	EXPECT_EQ(0, icc_write(&self->g, 0, ICC_EOIR1, 34));
	EXPECT_EQ(32u, icc_ack(&self->g, 0));
	EXPECT_EQ(0, icc_write(&self->g, 0, ICC_EOIR1, 32));
	EXPECT_EQ(35u, icc_ack(&self->g, 0));
	EXPECT_EQ(0, icc_write(&self->g, 0, ICC_EOIR1, 35));
	EXPECT_EQ(33u, icc_ack(&self->g, 0));
}

/* 4.8.3/12.2.19: an active priority blocks equal and lower ones */
TEST_F(cpuif, running_priority_allows_only_preemption)
{
	EXPECT_EQ(0xffu, icc_read(&self->g, 0, ICC_RPR));
	ASSERT_EQ(1, gic_line(self->g.fd, 0, 1));
	EXPECT_EQ(32u, icc_ack(&self->g, 0));
	EXPECT_EQ(0x80u, icc_read(&self->g, 0, ICC_RPR));
	ASSERT_EQ(1, gic_line(self->g.fd, 3, 1));	/* 0x80: no preemption */
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, 0));
	ASSERT_EQ(1, gic_line(self->g.fd, 2, 1));	/* 0x40 preempts */
	EXPECT_EQ(34u, icc_ack(&self->g, 0));
	EXPECT_EQ(0x40u, icc_read(&self->g, 0, ICC_RPR));
	/* EOIs drop the highest active priority first */
	EXPECT_EQ(0, icc_write(&self->g, 0, ICC_EOIR1, 34));
	EXPECT_EQ(0x80u, icc_read(&self->g, 0, ICC_RPR));
	EXPECT_EQ(0, icc_write(&self->g, 0, ICC_EOIR1, 32));
	EXPECT_EQ(0xffu, icc_read(&self->g, 0, ICC_RPR));
	EXPECT_EQ(35u, icc_ack(&self->g, 0));
}

/* 4.8.5 binary point: subpriority does not preempt */
TEST_F(cpuif, bpr1_groups_priorities_for_preemption)
{
	/* BPR1 3 (reset): all five bits are group priority, 0x80 preempts 0x88 */
	EXPECT_EQ(3u, icc_read(&self->g, 0, ICC_BPR1));
	ASSERT_EQ(1, gic_line(self->g.fd, 1, 1));	/* 0x88 */
	EXPECT_EQ(33u, icc_ack(&self->g, 0));
	EXPECT_EQ(0x88u, icc_read(&self->g, 0, ICC_RPR));
	ASSERT_EQ(1, gic_line(self->g.fd, 0, 1));	/* 0x80 */
	EXPECT_EQ(32u, icc_ack(&self->g, 0));
	EXPECT_EQ(0, icc_write(&self->g, 0, ICC_EOIR1, 32));
	EXPECT_EQ(0, icc_write(&self->g, 0, ICC_EOIR1, 33));
	/* BPR1 4: group priority 0xf0, 0x80 and 0x88 are one group */
	ASSERT_EQ(0, icc_write(&self->g, 0, ICC_BPR1, 4));
	EXPECT_EQ(4u, icc_read(&self->g, 0, ICC_BPR1));
	ASSERT_EQ(1, gic_line(self->g.fd, 1, 1));
	EXPECT_EQ(33u, icc_ack(&self->g, 0));
	EXPECT_EQ(0x80u, icc_read(&self->g, 0, ICC_RPR));
	ASSERT_EQ(1, gic_line(self->g.fd, 0, 1));
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, 0));
	/* below the minimum binary point it clamps */
	ASSERT_EQ(0, icc_write(&self->g, 0, ICC_BPR1, 0));
	EXPECT_EQ(3u, icc_read(&self->g, 0, ICC_BPR1));
}

/* 4.1.5 EOImode 1: EOIR drops the priority, DIR deactivates */
TEST_F(cpuif, eoimode1_splits_priority_drop_and_deactivation)
{
	ASSERT_EQ(0, icc_write(&self->g, 0, ICC_CTLR, 2));
	EXPECT_EQ(2u, icc_read(&self->g, 0, ICC_CTLR) & 3);
	ASSERT_EQ(1, gic_line(self->g.fd, 0, 1));
	EXPECT_EQ(32u, icc_ack(&self->g, 0));
	EXPECT_EQ(0, icc_write(&self->g, 0, ICC_EOIR1, 32));
	EXPECT_EQ(0xffu, icc_read(&self->g, 0, ICC_RPR));
	EXPECT_EQ(1u, gicd_read(&self->g, GICD_ISACTIVER + 4) & 1);
	EXPECT_EQ(0, icc_write(&self->g, 0, ICC_DIR, 32));
	EXPECT_EQ(0u, gicd_read(&self->g, GICD_ISACTIVER + 4) & 1);
}

/* 12.2.6 ICC_CTLR_EL1.PRIbits: five bits, reported as 4 */
TEST_F(cpuif, ctlr_reports_five_priority_bits)
{
	EXPECT_EQ(4u, (icc_read(&self->g, 0, ICC_CTLR) >> 8) & 7);
}

/* 12.2.22 ICC_SGI1R_EL1: target list within Aff1 cluster, or IRM */
TEST_F(cpuif, sgi1r_reaches_listed_targets_or_all_but_self)
{
	for (unsigned int i = 0; i < NR_VCPUS; i++)
		ASSERT_EQ(0, gicr_write(&self->g, i, GICR_SGI + GICD_ISENABLER,
					0xffff, 4));
	/* SGI 3 to vCPUs 1 and 2 */
	ASSERT_EQ(0, icc_write(&self->g, 0, ICC_SGI1R, 3ull << 24 | 0x6));
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, 0));
	EXPECT_EQ(3u, icc_ack(&self->g, 1));
	EXPECT_EQ(3u, icc_ack(&self->g, 2));
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, 3));
	/* SGI 5 with IRM: everyone but vCPU 2 */
	ASSERT_EQ(0, icc_write(&self->g, 2, ICC_SGI1R, 5ull << 24 | 1ull << 40));
	EXPECT_EQ(5u, icc_ack(&self->g, 0));
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, 2));
	EXPECT_EQ(5u, icc_ack(&self->g, 3));
	/* Aff1 1 names no vCPU of this VM */
	ASSERT_EQ(0, icc_write(&self->g, 0, ICC_SGI1R, 6ull << 24 | 1ull << 16 | 0xf));
	for (unsigned int i = 0; i < NR_VCPUS; i++)
		EXPECT_EQ(0u, gicr_read(&self->g, i, GICR_SGI + GICD_ISPENDR) & (1u << 6));
}

TEST_F(cpuif, igrpen1_off_hides_group1)
{
	ASSERT_EQ(1, gic_line(self->g.fd, 0, 1));
	ASSERT_EQ(0, icc_write(&self->g, 0, ICC_IGRPEN1, 0));
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, 0));
	ASSERT_EQ(0, icc_write(&self->g, 0, ICC_IGRPEN1, 1));
	EXPECT_EQ(32u, icc_ack(&self->g, 0));
}

/* Direction and existence: precise errnos */
TEST_F(cpuif, sysreg_wrong_direction_is_einval_unknown_is_enxio)
{
	uint64_t v = 0;

	EXPECT_EQ(-EINVAL, icc_write(&self->g, 0, ICC_IAR1, 0));
	EXPECT_EQ(-EINVAL, gic_attr(self->g.vcpu[0], KVM_GET_DEVICE_ATTR,
				    KVM_IRQCHIP_GIC_GRP_CPU_SYSREGS, ICC_EOIR1, &v));
	EXPECT_EQ(-ENXIO, gic_attr(self->g.vcpu[0], KVM_GET_DEVICE_ATTR,
				   KVM_IRQCHIP_GIC_GRP_CPU_SYSREGS,
				   KVM_IRQCHIP_GIC_SYSREG(3, 0, 12, 13, 0), &v));
	EXPECT_EQ(-ENXIO, gic_attr(self->g.vcpu[0], KVM_GET_DEVICE_ATTR,
				   KVM_IRQCHIP_GIC_GRP_DIST_REGS, 0, &v));
	/* another vCPU's mpidr on this vCPU's fd */
	EXPECT_EQ(-EINVAL, gic_attr(self->g.vcpu[0], KVM_GET_DEVICE_ATTR,
				    KVM_IRQCHIP_GIC_GRP_CPU_SYSREGS,
				    gic_mpidr_attr(1) | ICC_PMR, &v));
}

/* arm-vgic-v3.rst: the instance fd saves state, never acknowledges */
TEST_F(cpuif, instance_sysregs_save_state_but_not_iar)
{
	uint64_t v = 0;

	ASSERT_EQ(1, gic_line(self->g.fd, 0, 1));
	EXPECT_EQ(-ENXIO, gic_attr(self->g.fd, KVM_GET_DEVICE_ATTR,
				   KVM_IRQCHIP_GIC_GRP_CPU_SYSREGS,
				   gic_mpidr_attr(0) | ICC_IAR1, &v));
	EXPECT_EQ(0, gic_attr(self->g.fd, KVM_GET_DEVICE_ATTR,
			      KVM_IRQCHIP_GIC_GRP_CPU_SYSREGS,
			      gic_mpidr_attr(0) | ICC_PMR, &v));
	EXPECT_EQ(0xf8u, v);
	v = 0x60;
	EXPECT_EQ(0, gic_attr(self->g.fd, KVM_SET_DEVICE_ATTR,
			      KVM_IRQCHIP_GIC_GRP_CPU_SYSREGS,
			      gic_mpidr_attr(0) | ICC_PMR, &v));
	EXPECT_EQ(0x60u, icc_read(&self->g, 0, ICC_PMR));
	/* the pending SPI is untouched and now masked (0x80 >= 0x60) */
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, 0));
}

/* Active priorities restore: a restored AP1R0 blocks like the original */
TEST_F(cpuif, ap1r_restore_sets_running_priority)
{
	ASSERT_EQ(1, gic_line(self->g.fd, 2, 1));
	EXPECT_EQ(34u, icc_ack(&self->g, 0));
	uint64_t ap = icc_read(&self->g, 0, KVM_IRQCHIP_GIC_ICC_AP1R0_EL1);

	EXPECT_EQ(1ull << (0x40 >> 3), ap);
	ASSERT_EQ(0, icc_write(&self->g, 1, KVM_IRQCHIP_GIC_ICC_AP1R0_EL1, ap));
	EXPECT_EQ(0x40u, icc_read(&self->g, 1, ICC_RPR));
}

TEST_HARNESS_MAIN
