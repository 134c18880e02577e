// SPDX-License-Identifier: GPL-2.0
/*
 * arm64-gicv3 save and restore as a VMM migrating a guest does it
 * (arm-vgic-its.rst "ITS Restore Sequence"): the ITS tables and the LPI
 * pending tables are flushed to guest memory, the registers are read
 * through the device-attribute groups, and a second instance with a copy
 * of guest memory is restored in KVM's order, LPIs still pending.
 */
#include "gic_util.h"
#include "kselftest_harness.h"

#define NR_VCPUS	2
#define DEV_A		1
#define DEV_B		2

static long ctrl(int fd, uint64_t attr)
{
	return gic_attr(fd, KVM_SET_DEVICE_ATTR, KVM_IRQCHIP_GIC_GRP_CTRL, attr, NULL);
}

static long its_reg(int fd, unsigned long req, uint32_t off, uint64_t *v)
{
	return gic_attr(fd, req, KVM_IRQCHIP_GIC_GRP_ITS_REGS, off, v);
}

static long redist_reg(int fd, unsigned long req, unsigned int vcpu,
		       uint32_t off, uint32_t *v)
{
	return gic_attr(fd, req, KVM_IRQCHIP_GIC_GRP_REDIST_REGS,
			gic_mpidr_attr(vcpu) | off, v);
}

FIXTURE(state) {
	struct gic src;
	struct gic dst;
};

FIXTURE_SETUP(state)
{
	ASSERT_EQ(0, gic_init(&self->src, NR_VCPUS));
	ASSERT_EQ(0, gic_its_setup(&self->src));
	for (unsigned int i = 0; i < NR_VCPUS; i++)
		ASSERT_EQ(0, its_mapc(&self->src, i, i, 1));
	ASSERT_EQ(0, its_mapd(&self->src, DEV_A, 4, 1));
	ASSERT_EQ(0, its_mapd(&self->src, DEV_B, 2, 1));
	for (unsigned int e = 0; e < 3; e++)
		ASSERT_EQ(0, its_mapti(&self->src, DEV_A, e, GIC_LPI(e), 0));
	ASSERT_EQ(0, its_mapti(&self->src, DEV_B, 1, GIC_LPI(101), 1));
	ASSERT_EQ(0, gic_init(&self->dst, NR_VCPUS));
}

FIXTURE_TEARDOWN(state)
{
	gic_fini(&self->src);
	gic_fini(&self->dst);
}

/* Copy guest memory and every register KVM's restore sequence names. */
static void migrate(struct __test_metadata *_metadata, struct gic *s, struct gic *d)
{
	static const uint32_t redist[] = { GICR_PROPBASER, GICR_PROPBASER + 4,
					   GICR_PENDBASER, GICR_PENDBASER + 4,
					   GICR_CTLR };
	static const uint32_t its[] = { GITS_IIDR, GITS_CBASER, GITS_BASER(0),
					GITS_BASER(1), GITS_CREADR, GITS_CWRITER };
	uint64_t v;
	uint32_t v32;

	/* the source flushes its tables before guest memory is copied */
	ASSERT_EQ(0, ctrl(s->fd, KVM_IRQCHIP_GIC_ITS_SAVE_TABLES));
	ASSERT_EQ(0, ctrl(s->fd, KVM_IRQCHIP_GIC_SAVE_PENDING_TABLES));

	d->mem = mmap(NULL, GIC_MEM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, d->mem);
	memcpy(d->mem, s->mem, GIC_MEM_SIZE);
	ASSERT_EQ(0, gic_mem_region(d->fd, 0, GIC_MEM_GPA, GIC_MEM_SIZE, d->mem));
	d->cwriter = s->cwriter;

	ASSERT_EQ(0, gic_enable_all(d));
	for (unsigned int i = 0; i < NR_VCPUS; i++)
		for (unsigned int r = 0; r < ARRAY_SIZE(redist); r++) {
			ASSERT_EQ(0, redist_reg(s->fd, KVM_GET_DEVICE_ATTR, i,
						redist[r], &v32));
			ASSERT_EQ(0, redist_reg(d->fd, KVM_SET_DEVICE_ATTR, i,
						redist[r], &v32));
		}
	/* GITS_CBASER first, then the others, the tables, GITS_CTLR last */
	for (unsigned int r = 0; r < ARRAY_SIZE(its); r++) {
		ASSERT_EQ(0, its_reg(s->fd, KVM_GET_DEVICE_ATTR, its[r], &v));
		ASSERT_EQ(0, its_reg(d->fd, KVM_SET_DEVICE_ATTR, its[r], &v));
		uint64_t back = ~0ull;

		ASSERT_EQ(0, its_reg(d->fd, KVM_GET_DEVICE_ATTR, its[r], &back));
		EXPECT_EQ(v, back) TH_LOG("GITS %#x", its[r]);
	}
	ASSERT_EQ(0, ctrl(d->fd, KVM_IRQCHIP_GIC_ITS_RESTORE_TABLES));
	ASSERT_EQ(0, its_reg(s->fd, KVM_GET_DEVICE_ATTR, GITS_CTLR, &v));
	ASSERT_EQ(0, its_reg(d->fd, KVM_SET_DEVICE_ATTR, GITS_CTLR, &v));
}

/* KVM_DEV_ARM_ITS_{SAVE,RESTORE}_TABLES with LPIs pending on two vCPUs */
TEST_F(state, restore_keeps_translations_and_pending_lpis)
{
	ASSERT_EQ(1, gic_msi(&self->src, DEV_A, 2));
	ASSERT_EQ(1, gic_msi(&self->src, DEV_B, 1));
	migrate(_metadata, &self->src, &self->dst);

	EXPECT_EQ(GIC_LPI(2), icc_ack(&self->dst, 0));
	EXPECT_EQ(GIC_LPI(101), icc_ack(&self->dst, 1));
	EXPECT_EQ(0, icc_write(&self->dst, 0, ICC_EOIR1, GIC_LPI(2)));
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->dst, 0));
	/* translations: mapped events reach their LPIs, others are dropped */
	EXPECT_EQ(1, gic_msi(&self->dst, DEV_A, 0));
	EXPECT_EQ(GIC_LPI(0), icc_ack(&self->dst, 0));
	EXPECT_EQ(0, gic_msi(&self->dst, DEV_A, 3));
	EXPECT_EQ(0, gic_msi(&self->dst, DEV_B, 0));
	/* the command queue carries on where the source left it */
	ASSERT_EQ(0, its_int(&self->dst, DEV_A, 1));
	EXPECT_EQ(self->dst.cwriter, gits_read(&self->dst, GITS_CREADR));
	EXPECT_EQ(0, icc_write(&self->dst, 0, ICC_EOIR1, GIC_LPI(0)));
	EXPECT_EQ(GIC_LPI(1), icc_ack(&self->dst, 0));
}

/* ABI REV0 (arm-vgic-its.rst): the DTE and CTE the guest memory holds */
TEST_F(state, saved_tables_use_kvm_abi_rev0)
{
	uint64_t dte, cte, ite;

	ASSERT_EQ(0, ctrl(self->src.fd, KVM_IRQCHIP_GIC_ITS_SAVE_TABLES));
	memcpy(&dte, self->src.mem + GIC_DEVTAB + 8 * DEV_A, 8);
	/* V, next = 1 (DEV_B), ITT address bits 51:8, Size = 3 */
	EXPECT_EQ(1ull << 63 | 1ull << 49 |
		  ((GIC_MEM_GPA + GIC_ITT(DEV_A)) >> 8) << 5 | 3, dte);
	memcpy(&cte, self->src.mem + GIC_COLLTAB + 8, 8);
	EXPECT_EQ(1ull << 63 | 1ull << 16 | 1, cte);		/* ICID 1 on PE 1 */
	memcpy(&ite, self->src.mem + GIC_ITT(DEV_A) + 8, 8);
	EXPECT_EQ(1ull << 48 | (uint64_t)GIC_LPI(1) << 16 | 0, ite);
	memcpy(&dte, self->src.mem + GIC_DEVTAB, 8);
	EXPECT_EQ(0ull, dte);
}

/* KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES: one bit per LPI, per redistributor */
TEST_F(state, pending_tables_hold_pending_bits)
{
	ASSERT_EQ(1, gic_msi(&self->src, DEV_B, 1));
	ASSERT_EQ(0, ctrl(self->src.fd, KVM_IRQCHIP_GIC_SAVE_PENDING_TABLES));
	EXPECT_EQ(1u << (GIC_LPI(101) % 8),
		  self->src.mem[GIC_PENDTAB(1) + GIC_LPI(101) / 8]);
	EXPECT_EQ(0u, self->src.mem[GIC_PENDTAB(0) + GIC_LPI(101) / 8]);
	/* taken: the next save clears the bit */
	EXPECT_EQ(GIC_LPI(101), icc_ack(&self->src, 1));
	ASSERT_EQ(0, ctrl(self->src.fd, KVM_IRQCHIP_GIC_SAVE_PENDING_TABLES));
	EXPECT_EQ(0u, self->src.mem[GIC_PENDTAB(1) + GIC_LPI(101) / 8]);
}

/* An inconsistent table: -EINVAL, and no translation survives */
TEST_F(state, restore_bad_dte_is_einval_and_leaves_nothing)
{
	uint64_t bad = 1ull << 63 | 20;		/* Size 21 bits: beyond IDbits */

	ASSERT_EQ(0, ctrl(self->src.fd, KVM_IRQCHIP_GIC_ITS_SAVE_TABLES));
	memcpy(self->src.mem + GIC_DEVTAB + 8 * 5, &bad, 8);
	EXPECT_EQ(-EINVAL, ctrl(self->src.fd, KVM_IRQCHIP_GIC_ITS_RESTORE_TABLES));
	EXPECT_EQ(0, gic_msi(&self->src, DEV_A, 0));
}

TEST_F(state, its_regs_attr_alignment_and_range)
{
	uint64_t v;

	EXPECT_EQ(-EINVAL, its_reg(self->src.fd, KVM_GET_DEVICE_ATTR, GITS_CBASER + 4, &v));
	EXPECT_EQ(-ENXIO, its_reg(self->src.fd, KVM_GET_DEVICE_ATTR, 0x40, &v));
	EXPECT_EQ(-ENXIO, ctrl(self->src.fd, 99));
	/* GITS_CREADR is writable by userspace only */
	v = 0x40;
	EXPECT_EQ(0, gits_write(&self->src, GITS_CREADR, v));
	EXPECT_NE(v, gits_read(&self->src, GITS_CREADR));
}

TEST_HARNESS_MAIN
