// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64-gicv3 distributor and redistributors: their registers as a
 * guest (KVM_IRQCHIP_IO) and a VMM (KVM_{GET,SET}_DEVICE_ATTR) see them,
 * SPIs driven through IRQCHIP routes (KVM_IRQ_LINE, irqfds, resampling
 * irqfds) and taken by a vCPU through ICC_IAR1_EL1.  Section numbers are
 * those of the GICv3 architecture specification (ARM IHI 0069).
 */
#include <poll.h>

#include "gic_util.h"
#include "kselftest_harness.h"

#define NR_VCPUS	4

FIXTURE(gic) {
	struct gic g;
};

FIXTURE_SETUP(gic)
{
	ASSERT_EQ(0, gic_init(&self->g, NR_VCPUS));
	ASSERT_EQ(0, gic_enable_all(&self->g));
}

FIXTURE_TEARDOWN(gic)
{
	gic_fini(&self->g);
}

static uint32_t dist_attr_read(struct gic *g, uint32_t off)
{
	uint32_t v = ~0u;

	if (gic_attr(g->fd, KVM_GET_DEVICE_ATTR, KVM_IRQCHIP_GIC_GRP_DIST_REGS,
		     off, &v))
		return ~0u;
	return v;
}

static long dist_attr_write(struct gic *g, uint32_t off, uint32_t v)
{
	return gic_attr(g->fd, KVM_SET_DEVICE_ATTR, KVM_IRQCHIP_GIC_GRP_DIST_REGS,
			off, &v);
}

/* 12.9.38 GICD_TYPER: 256 INTIDs by default, LPIs, 16 ID bits */
TEST_F(gic, dist_typer_reports_lines_lpis_and_idbits)
{
	uint32_t typer = gicd_read(&self->g, GICD_TYPER);

	EXPECT_EQ(7u, typer & 0x1f);
	EXPECT_EQ(1u, (typer >> 17) & 1);
	EXPECT_EQ(15u, (typer >> 19) & 0x1f);
	EXPECT_EQ(typer, dist_attr_read(&self->g, GICD_TYPER));
	/* 12.9.32 GICD_PIDR2.ArchRev: GICv3 */
	EXPECT_EQ(3u, (gicd_read(&self->g, GICD_PIDR2) >> 4) & 0xf);
}

/* arm-vgic-v3.rst KVM_DEV_ARM_VGIC_GRP_NR_IRQS: 64..1024 by 32, once */
TEST_F(gic, dist_nr_irqs_is_set_once_in_range)
{
	uint32_t n = 65;

	EXPECT_EQ(-EINVAL, gic_attr(self->g.fd, KVM_SET_DEVICE_ATTR,
				    KVM_IRQCHIP_GIC_GRP_NR_IRQS, 0, &n));
	n = 128;
	EXPECT_EQ(0, gic_attr(self->g.fd, KVM_SET_DEVICE_ATTR,
			      KVM_IRQCHIP_GIC_GRP_NR_IRQS, 0, &n));
	EXPECT_EQ(3u, gicd_read(&self->g, GICD_TYPER) & 0x1f);
	n = 256;
	EXPECT_EQ(-EBUSY, gic_attr(self->g.fd, KVM_SET_DEVICE_ATTR,
				   KVM_IRQCHIP_GIC_GRP_NR_IRQS, 0, &n));
	n = 0;
	EXPECT_EQ(0, gic_attr(self->g.fd, KVM_GET_DEVICE_ATTR,
			      KVM_IRQCHIP_GIC_GRP_NR_IRQS, 0, &n));
	EXPECT_EQ(128u, n);
}

/* 12.9.4 GICD_CTLR: ARE and DS read as one, the group enables stick */
TEST_F(gic, dist_ctlr_are_and_ds_are_rao)
{
	EXPECT_EQ(0, gicd_write(&self->g, GICD_CTLR, 0));
	EXPECT_EQ(0x50u, gicd_read(&self->g, GICD_CTLR));
	EXPECT_EQ(0, gicd_write(&self->g, GICD_CTLR, 3));
	EXPECT_EQ(0x53u, gicd_read(&self->g, GICD_CTLR));
}

/* 12.9.24 GICD_IPRIORITYR is byte-accessible; five priority bits kept */
TEST_F(gic, dist_priority_byte_write_keeps_neighbours)
{
	uint32_t off = GICD_IPRIORITYR + 40;

	EXPECT_EQ(0, gicd_write(&self->g, off, 0x40302010));
	EXPECT_EQ(0, gic_mmio_write(self->g.fd, GIC_DIST_BASE + off + 2, 1, 0xff));
	EXPECT_EQ(0x40f82010u, gicd_read(&self->g, off));
	/* other registers are not byte-accessible */
	EXPECT_EQ(-EINVAL, gic_mmio_write(self->g.fd, GIC_DIST_BASE + GICD_CTLR, 1, 0));
}

/* 12.9.15/12.9.8: ISENABLER sets, ICENABLER clears, both read the state */
TEST_F(gic, dist_isenabler_icenabler_set_and_clear)
{
	EXPECT_EQ(0, gicd_write(&self->g, GICD_ISENABLER + 4, 0x5));
	EXPECT_EQ(0x5u, gicd_read(&self->g, GICD_ICENABLER + 4));
	EXPECT_EQ(0, gicd_write(&self->g, GICD_ICENABLER + 4, 0x1));
	EXPECT_EQ(0x4u, gicd_read(&self->g, GICD_ISENABLER + 4));
	/* INTIDs 0-31 are the redistributors' with affinity routing: RAZ/WI */
	EXPECT_EQ(0, gicd_write(&self->g, GICD_ISENABLER, ~0u));
	EXPECT_EQ(0u, gicd_read(&self->g, GICD_ISENABLER));
}

TEST_F(gic, dist_unknown_offset_is_enxio)
{
	uint64_t v;

	EXPECT_EQ(-ENXIO, gic_mmio_read(self->g.fd, GIC_DIST_BASE + 0x20, 4, &v));
	EXPECT_EQ(-ENXIO, gic_mmio_read(self->g.fd, 0x1000, 4, &v));
	EXPECT_EQ(-EINVAL, gic_mmio_read(self->g.fd, GIC_DIST_BASE + 2, 4, &v));
}

/* arm-vgic-v3.rst: a frame's base is 64K aligned and set once */
TEST_F(gic, addr_unaligned_is_einval_and_twice_is_eexist)
{
	uint64_t a = 0;

	EXPECT_EQ(-EEXIST, gic_set_addr(self->g.fd, KVM_IRQCHIP_GIC_ADDR_DIST, 0x09000000));
	EXPECT_EQ(0, gic_attr(self->g.fd, KVM_GET_DEVICE_ATTR, KVM_IRQCHIP_GIC_GRP_ADDR,
			      KVM_IRQCHIP_GIC_ADDR_DIST, &a));
	EXPECT_EQ(GIC_DIST_BASE, a);

	int fd = kic_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kic_create(fd, KVM_IRQCHIP_MODEL_ARM64_GICV3, 1));
	EXPECT_EQ(-EINVAL, gic_set_addr(fd, KVM_IRQCHIP_GIC_ADDR_ITS, 0x08081000));
	EXPECT_EQ(-ENXIO, gic_set_addr(fd, 5, 0x08080000));
	close(fd);
}

/* 12.11.26 GICR_TYPER: affinity, processor number, Last on the last one */
TEST_F(gic, redist_typer_names_each_vcpu)
{
	for (unsigned int i = 0; i < NR_VCPUS; i++) {
		uint64_t t = 0;

		ASSERT_EQ(0, gic_mmio_read(self->g.fd, gicr_addr(i, GICR_TYPER), 8, &t));
		EXPECT_EQ((uint64_t)i, (t >> 32) & 0xff);
		EXPECT_EQ((uint64_t)i, (t >> 8) & 0xffff);
		EXPECT_EQ(i == NR_VCPUS - 1, !!(t & (1 << 4)));
		EXPECT_EQ(1u, t & 1);	/* PLPIS */
	}
}

/* 4.1.1: an edge SPI latches pending; IAR1 on its target takes it */
TEST_F(gic, spi_edge_line_pends_on_routed_vcpu)
{
	ASSERT_EQ(0, gic_spi_setup(&self->g, 5, 0xa0, 2, 1));
	EXPECT_EQ(1, gic_line(self->g.fd, 5, 1));
	EXPECT_EQ(0, gic_line(self->g.fd, 5, 0));
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, 0));
	EXPECT_EQ(37u, icc_ack(&self->g, 2));
	/* active now, pending no more */
	EXPECT_EQ(1u << 5, gicd_read(&self->g, GICD_ISACTIVER + 4) & (1u << 5));
	EXPECT_EQ(0u, gicd_read(&self->g, GICD_ISPENDR + 4) & (1u << 5));
	EXPECT_EQ(0, icc_write(&self->g, 2, ICC_EOIR1, 37));
	EXPECT_EQ(0u, gicd_read(&self->g, GICD_ISACTIVER + 4) & (1u << 5));
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, 2));
}

/* 4.1.3: a level SPI is pending while its input is high */
TEST_F(gic, spi_level_pends_again_after_eoi_until_lowered)
{
	ASSERT_EQ(0, gic_spi_setup(&self->g, 6, 0xa0, 1, 0));
	EXPECT_EQ(1, gic_line(self->g.fd, 6, 1));
	EXPECT_EQ(38u, icc_ack(&self->g, 1));
	/* active and pending: not taken again until deactivated */
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, 1));
	EXPECT_EQ(0, icc_write(&self->g, 1, ICC_EOIR1, 38));
	EXPECT_EQ(38u, icc_ack(&self->g, 1));
	EXPECT_EQ(0, icc_write(&self->g, 1, ICC_EOIR1, 38));
	EXPECT_EQ(0, gic_line(self->g.fd, 6, 0));
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, 1));
}

/* arm-vgic-v3.rst: userspace reads the latch, the guest the OR with the line */
TEST_F(gic, ispendr_userspace_reads_latch_guest_reads_line)
{
	ASSERT_EQ(0, gic_spi_setup(&self->g, 7, 0xa0, 0, 0));
	EXPECT_EQ(1, gic_line(self->g.fd, 7, 1));
	EXPECT_EQ(1u << 7, gicd_read(&self->g, GICD_ISPENDR + 4) & (1u << 7));
	EXPECT_EQ(0u, dist_attr_read(&self->g, GICD_ISPENDR + 4) & (1u << 7));
	/* and userspace's ICPENDR is RAZ/WI */
	EXPECT_EQ(0, dist_attr_write(&self->g, GICD_ISPENDR + 4, 1u << 8));
	EXPECT_EQ(0, dist_attr_write(&self->g, GICD_ICPENDR + 4, 1u << 8));
	EXPECT_EQ(1u << 8, dist_attr_read(&self->g, GICD_ISPENDR + 4) & (1u << 8));
}

/* 12.9.22 GICD_IROUTER.Interrupt_Routing_Mode: any one vCPU takes it */
TEST_F(gic, spi_irouter_irm_is_taken_by_first_acker)
{
	ASSERT_EQ(0, gic_spi_setup(&self->g, 9, 0x80, 0, 1));
	ASSERT_EQ(0, gic_mmio_write(self->g.fd, GIC_DIST_BASE + GICD_IROUTER + 8 * 41,
				    8, IROUTER_IRM));
	EXPECT_EQ(1, gic_line(self->g.fd, 9, 1));
	EXPECT_EQ(41u, icc_ack(&self->g, 3));
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, 0));
}

TEST_F(gic, spi_disabled_or_group_off_is_not_taken)
{
	ASSERT_EQ(0, gic_spi_setup(&self->g, 10, 0x80, 0, 1));
	ASSERT_EQ(0, gicd_write(&self->g, GICD_ICENABLER + 4, 1u << 10));
	EXPECT_EQ(1, gic_line(self->g.fd, 10, 1));
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, 0));
	ASSERT_EQ(0, gicd_write(&self->g, GICD_CTLR, 0));
	ASSERT_EQ(0, gicd_write(&self->g, GICD_ISENABLER + 4, 1u << 10));
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, 0));
	ASSERT_EQ(0, gicd_write(&self->g, GICD_CTLR, CTLR_G1));
	EXPECT_EQ(42u, icc_ack(&self->g, 0));
}

/* KVM's arm64 routing: irqchip 0 only, pins are SPIs below 988 */
TEST_F(gic, route_irqchip_other_chip_or_pin_is_einval)
{
	struct kvm_irq_routing_entry e = route_pin(1, 0, 987);

	EXPECT_EQ(0, set_routing(self->g.fd, &e, 1));
	e = route_pin(1, 1, 3);
	EXPECT_EQ(-EINVAL, set_routing(self->g.fd, &e, 1));
	e = route_pin(1, 0, 988);
	EXPECT_EQ(-EINVAL, set_routing(self->g.fd, &e, 1));
}

TEST_F(gic, irqfd_pulses_edge_spi)
{
	int efd = new_eventfd();

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, gic_spi_setup(&self->g, 12, 0x80, 1, 1));
	ASSERT_EQ(0, irqfd(self->g.fd, efd, 12, 0));
	ASSERT_EQ(0, efd_signal(efd));
	EXPECT_EQ(44u, icc_ack(&self->g, 1));
	close(efd);
}

/* KVM_IRQFD_FLAG_RESAMPLE: the level holds until the guest's EOI */
TEST_F(gic, resample_irqfd_level_spi_resamples_on_eoi)
{
	int efd = new_eventfd(), rfd = new_eventfd();

	ASSERT_LE(0, efd);
	ASSERT_LE(0, rfd);
	ASSERT_EQ(0, gic_spi_setup(&self->g, 13, 0x80, 0, 0));
	ASSERT_EQ(0, resample_irqfd(self->g.fd, efd, rfd, 13));
	ASSERT_EQ(0, efd_signal(efd));
	EXPECT_EQ(45u, icc_ack(&self->g, 0));
	EXPECT_EQ(0, resample_efd_read(rfd));
	EXPECT_EQ(0, icc_write(&self->g, 0, ICC_EOIR1, 45));
	EXPECT_EQ(1, resample_efd_read(rfd));
	/* the level was lowered: nothing pending any more */
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, 0));
	close(efd);
	close(rfd);
}

/* The vCPU fd polls readable when an interrupt can be taken */
TEST_F(gic, vcpu_fd_polls_readable_when_spi_pending)
{
	struct pollfd p = { .fd = self->g.vcpu[1], .events = POLLIN };

	ASSERT_EQ(0, gic_spi_setup(&self->g, 14, 0x80, 1, 1));
	EXPECT_EQ(0, poll(&p, 1, 0));
	EXPECT_EQ(1, gic_line(self->g.fd, 14, 1));
	EXPECT_EQ(1, poll(&p, 1, 100));
	EXPECT_EQ(46u, icc_ack(&self->g, 1));
	EXPECT_EQ(0, poll(&p, 1, 0));
}

/* 12.10: a PPI made pending through GICR_ISPENDR0 on its redistributor */
TEST_F(gic, redist_ppi_pending_reaches_its_vcpu_only)
{
	ASSERT_EQ(0, gicr_write(&self->g, 2, GICR_SGI + GICD_IPRIORITYR + 27, 0x40, 1));
	ASSERT_EQ(0, gicr_write(&self->g, 2, GICR_SGI + GICD_ISENABLER, 1u << 27, 4));
	ASSERT_EQ(0, gicr_write(&self->g, 2, GICR_SGI + GICD_ISPENDR, 1u << 27, 4));
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, 1));
	EXPECT_EQ(27u, icc_ack(&self->g, 2));
	EXPECT_EQ(1u << 27, gicr_read(&self->g, 2, GICR_SGI + GICD_ISACTIVER));
}

/* KVM_DEV_ARM_VGIC_GRP_REDIST_REGS: an mpidr that names no vCPU */
TEST_F(gic, redist_attr_unknown_mpidr_is_einval)
{
	uint32_t v;

	EXPECT_EQ(0, gic_attr(self->g.fd, KVM_GET_DEVICE_ATTR,
			      KVM_IRQCHIP_GIC_GRP_REDIST_REGS,
			      gic_mpidr_attr(3) | GICR_CTLR, &v));
	EXPECT_EQ(-EINVAL, gic_attr(self->g.fd, KVM_GET_DEVICE_ATTR,
				    KVM_IRQCHIP_GIC_GRP_REDIST_REGS,
				    gic_mpidr_attr(4) | GICR_CTLR, &v));
	EXPECT_EQ(-ENXIO, gic_attr(self->g.fd, KVM_GET_DEVICE_ATTR,
				   KVM_IRQCHIP_GIC_GRP_REDIST_REGS,
				   gic_mpidr_attr(0) | 0x40, &v));
	EXPECT_EQ(-ENXIO, gic_attr(self->g.fd, KVM_HAS_DEVICE_ATTR,
				   KVM_IRQCHIP_GIC_GRP_DIST_REGS, 0x20, NULL));
	EXPECT_EQ(0, gic_attr(self->g.fd, KVM_HAS_DEVICE_ATTR,
			      KVM_IRQCHIP_GIC_GRP_DIST_REGS, GICD_CTLR, NULL));
}

/* Save and restore through the register groups */
TEST_F(gic, dist_state_restores_into_new_instance)
{
	struct gic d;
	uint32_t offs[] = { GICD_ISENABLER + 4, GICD_IPRIORITYR + 36,
			    GICD_ICFGR + 8, GICD_IROUTER + 8 * 40,
			    GICD_IROUTER + 8 * 40 + 4, GICD_ISPENDR + 4,
			    GICD_CTLR };

	ASSERT_EQ(0, gic_spi_setup(&self->g, 8, 0x90, 3, 1));
	ASSERT_EQ(0, dist_attr_write(&self->g, GICD_ISPENDR + 4, 1u << 8));
	ASSERT_EQ(0, gic_init(&d, NR_VCPUS));
	for (unsigned int i = 0; i < ARRAY_SIZE(offs); i++)
		ASSERT_EQ(0, dist_attr_write(&d, offs[i],
					     dist_attr_read(&self->g, offs[i])));
	for (unsigned int i = 0; i < ARRAY_SIZE(offs); i++) {
		EXPECT_EQ(dist_attr_read(&self->g, offs[i]),
			  dist_attr_read(&d, offs[i])) TH_LOG("offset %#x", offs[i]);
	}
	ASSERT_EQ(0, icc_write(&d, 3, ICC_PMR, 0xf8));
	ASSERT_EQ(0, icc_write(&d, 3, ICC_IGRPEN1, 1));
	EXPECT_EQ(40u, icc_ack(&d, 3));
	gic_fini(&d);
}

TEST(gic_create_reports_msi_devid)
{
	int fd = kic_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kic_create(fd, KVM_IRQCHIP_MODEL_ARM64_GICV3, 2));
	EXPECT_EQ(1, check_ext(fd, KVM_CAP_MSI_DEVID));
	/* no KVM_GET_IRQCHIP state on this model: the attributes instead */
	struct kvm_irqchip chip = { .chip_id = 0 };

	EXPECT_EQ(-ENXIO, xioctl(fd, KVM_GET_IRQCHIP, &chip));
	close(fd);
}

TEST_HARNESS_MAIN
