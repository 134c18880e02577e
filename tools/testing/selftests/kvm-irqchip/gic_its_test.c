// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64-gicv3 ITS: its registers, its command queue in guest memory
 * with each command and its errors, MSI translation from DeviceID and
 * EventID to an LPI on a redistributor (KVM_SIGNAL_MSI, MSI routes,
 * irqfds on the fast path), device isolation, and LPIs taken and
 * completed through the CPU interface.  Section numbers are those of the
 * GICv3 architecture specification (ARM IHI 0069).
 */
#include "gic_util.h"
#include "kselftest_harness.h"

#define NR_VCPUS	4
#define DEV_A		1
#define DEV_B		2

/* error codes: 0x01 : command : cause */
#define E_MOVI_UNMAPPED_INTERRUPT	0x010107
#define E_MOVI_UNMAPPED_COLLECTION	0x010109
#define E_INT_UNMAPPED_INTERRUPT	0x010307
#define E_MAPD_DEVICE_OOR		0x010801
#define E_MAPD_ITTSIZE_OOR		0x010802
#define E_MAPC_PROCNUM_OOR		0x010902
#define E_MAPC_COLLECTION_OOR		0x010903
#define E_MAPTI_UNMAPPED_DEVICE		0x010a04
#define E_MAPTI_ID_OOR			0x010a05
#define E_MAPTI_PHYSICALID_OOR		0x010a06
#define E_INV_UNMAPPED_INTERRUPT	0x010c07
#define E_INVALL_UNMAPPED_COLLECTION	0x010d09
#define E_MOVALL_PROCNUM_OOR		0x010e01
#define E_DISCARD_UNMAPPED_INTERRUPT	0x010f07

/*
 * Collections 0-3 on vCPUs 0-3; device A (4 event bits) events 0-3 to
 * LPIs 8192-8195 on collection 0; device B events 0-1 to LPIs 8292-8293
 * on collection 1.
 */
FIXTURE(its) {
	struct gic g;
};

FIXTURE_SETUP(its)
{
	ASSERT_EQ(0, gic_init(&self->g, NR_VCPUS));
	ASSERT_EQ(0, gic_its_setup(&self->g));
	for (unsigned int i = 0; i < NR_VCPUS; i++)
		ASSERT_EQ(0, its_mapc(&self->g, i, i, 1));
	ASSERT_EQ(0, its_mapd(&self->g, DEV_A, 4, 1));
	ASSERT_EQ(0, its_mapd(&self->g, DEV_B, 4, 1));
	for (unsigned int e = 0; e < 4; e++)
		ASSERT_EQ(0, its_mapti(&self->g, DEV_A, e, GIC_LPI(e), 0));
	for (unsigned int e = 0; e < 2; e++)
		ASSERT_EQ(0, its_mapti(&self->g, DEV_B, e, GIC_LPI(100 + e), 1));
	ASSERT_EQ(0u, gits_read(&self->g, GITS_CREADR) & 1);
	ASSERT_EQ(self->g.cwriter, gits_read(&self->g, GITS_CREADR));
}

FIXTURE_TEARDOWN(its)
{
	gic_fini(&self->g);
}

static uint64_t its_error(struct gic *g)
{
	return gits_read(g, KVM_IRQCHIP_GIC_ITS_ERROR);
}

/* 12.19.10 GITS_TYPER, 12.19.2 GITS_BASER<n>.Type */
TEST_F(its, typer_and_baser_types)
{
	uint64_t typer = gits_read(&self->g, GITS_TYPER);

	EXPECT_EQ(1u, typer & 1);			/* Physical */
	EXPECT_EQ(7u, (typer >> 4) & 0xf);		/* 8-byte ITEs */
	EXPECT_EQ(15u, (typer >> 8) & 0x1f);		/* 16 EventID bits */
	EXPECT_EQ(15u, (typer >> 13) & 0x1f);		/* 16 DeviceID bits */
	EXPECT_EQ(1u, (gits_read(&self->g, GITS_BASER(0)) >> 56) & 7);
	EXPECT_EQ(4u, (gits_read(&self->g, GITS_BASER(1)) >> 56) & 7);
	EXPECT_EQ(0u, gits_read(&self->g, GITS_BASER(2)));
	/* 12.19.6 GITS_CTLR: enabled and quiescent */
	EXPECT_EQ(0x80000001ull, gits_read(&self->g, GITS_CTLR) & 0x80000001);
}

/* 5.2: DeviceID + EventID -> LPI on the collection's redistributor */
TEST_F(its, msi_translates_to_lpi_on_target_vcpu)
{
	EXPECT_EQ(1, gic_msi(&self->g, DEV_B, 1));
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, 0));
	EXPECT_EQ(GIC_LPI(101), icc_ack(&self->g, 1));
	/* 4.1: an LPI has no active state; EOI only drops the priority */
	EXPECT_EQ((uint64_t)GIC_LPI_PRIO, icc_read(&self->g, 1, ICC_RPR));
	EXPECT_EQ(0, icc_write(&self->g, 1, ICC_EOIR1, GIC_LPI(101)));
	EXPECT_EQ(0xffu, icc_read(&self->g, 1, ICC_RPR));
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, 1));
}

/* The model's rule: an MSI without a DeviceID is refused, not dropped */
TEST_F(its, msi_without_devid_is_einval)
{
	struct kvm_irq_routing_entry e = gic_route_msi(10, DEV_A, 0);

	EXPECT_EQ(-EINVAL, signal_msi_flags(self->g.fd, (uint32_t)GIC_DOORBELL, 0, 0,
					    0, DEV_A));
	e.flags = 0;
	EXPECT_EQ(-EINVAL, set_routing(self->g.fd, &e, 1));
	e = gic_route_msi(10, DEV_A, 0);
	EXPECT_EQ(0, set_routing(self->g.fd, &e, 1));
}

/* The address must be GITS_TRANSLATER of this ITS */
TEST_F(its, msi_not_at_doorbell_is_einval)
{
	struct kvm_irq_routing_entry e = gic_route_msi(10, DEV_A, 0);

	EXPECT_EQ(-EINVAL, signal_msi_flags(self->g.fd, (uint32_t)GIC_DOORBELL + 4,
					    0, 0, KVM_MSI_VALID_DEVID, DEV_A));
	e.u.msi.address_lo += 0x1000;
	EXPECT_EQ(-EINVAL, set_routing(self->g.fd, &e, 1));
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, 0));
}

/*
 * 5.2.3 (isolation): a device reaches only the events of its own ITT.
 * Device A guesses every EventID its ITT could hold and more; none of
 * device B's LPIs becomes pending, and each miss is counted against A.
 */
TEST_F(its, isolation_device_cannot_raise_other_devices_lpi)
{
	unsigned int hits = 0;

	for (uint32_t ev = 0; ev < 256; ev++)
		hits += gic_msi(&self->g, DEV_A, ev);
	EXPECT_EQ(4u, hits);
	/* an unmapped DeviceID and one beyond the ITS's 16 bits */
	EXPECT_EQ(0, gic_msi(&self->g, 77, 0));
	EXPECT_EQ(0, gic_msi(&self->g, 1u << 20, 0));
	EXPECT_EQ(252u, its_drops(&self->g, DEV_A));
	EXPECT_EQ(1u, its_drops(&self->g, 77));
	EXPECT_EQ(0u, its_drops(&self->g, DEV_B));
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, 1));	/* B's vCPU: nothing */
	for (unsigned int e = 0; e < 4; e++) {
		EXPECT_EQ(GIC_LPI(e), icc_ack(&self->g, 0));
		EXPECT_EQ(0, icc_write(&self->g, 0, ICC_EOIR1, GIC_LPI(e)));
	}
}

/* The irqfd fast path: first signal translates, later ones hit the cache */
TEST_F(its, irqfd_msi_fast_path_after_first_translation)
{
	struct kvm_irq_routing_entry e = gic_route_msi(20, DEV_A, 2);
	struct kvm_irqchip_counters c;
	int efd = new_eventfd();

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, set_routing(self->g.fd, &e, 1));
	ASSERT_EQ(0, irqfd(self->g.fd, efd, 20, 0));
	ASSERT_EQ(0, efd_signal(efd));
	sleep_ms(50);
	EXPECT_EQ(GIC_LPI(2), icc_ack(&self->g, 0));
	ASSERT_EQ(0, get_counters(self->g.fd, &c));
	EXPECT_EQ(1u, c.slow_path);
	EXPECT_EQ(0u, c.fast_path);
	EXPECT_EQ(0, icc_write(&self->g, 0, ICC_EOIR1, GIC_LPI(2)));
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(0, efd_signal(efd));
		EXPECT_EQ(GIC_LPI(2), icc_ack(&self->g, 0));
		EXPECT_EQ(0, icc_write(&self->g, 0, ICC_EOIR1, GIC_LPI(2)));
	}
	ASSERT_EQ(0, get_counters(self->g.fd, &c));
	EXPECT_EQ(1u, c.slow_path);
	EXPECT_EQ(3u, c.fast_path);
	close(efd);
}

/* Routes with a device ID changed in place (the guest renumbered buses) */
TEST_F(its, route_devid_change_reaches_new_device_only)
{
	struct kvm_irq_routing_entry e = gic_route_msi(21, DEV_A, 0);
	int efd = new_eventfd();

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, set_routing(self->g.fd, &e, 1));
	ASSERT_EQ(0, irqfd(self->g.fd, efd, 21, 0));
	ASSERT_EQ(0, efd_signal(efd));
	sleep_ms(50);
	EXPECT_EQ(GIC_LPI(0), icc_ack(&self->g, 0));
	e.u.msi.devid = DEV_B;
	ASSERT_EQ(0, set_routing(self->g.fd, &e, 1));
	ASSERT_EQ(0, efd_signal(efd));
	sleep_ms(50);
	EXPECT_EQ(GIC_LPI(100), icc_ack(&self->g, 1));
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, 0));
	close(efd);
}

/* irqfd -> ITS -> LPI -> ICC_IAR1 -> EOI on every vCPU */
TEST_F(its, irqfd_lpis_end_to_end_on_several_vcpus)
{
	struct kvm_irq_routing_entry e[NR_VCPUS];
	int efd[NR_VCPUS];

	for (unsigned int v = 0; v < NR_VCPUS; v++) {
		ASSERT_EQ(0, its_mapd(&self->g, 10 + v, 2, 1));
		ASSERT_EQ(0, its_mapti(&self->g, 10 + v, 3, GIC_LPI(200 + v), v));
		e[v] = gic_route_msi(30 + v, 10 + v, 3);
	}
	ASSERT_EQ(0, set_routing(self->g.fd, e, NR_VCPUS));
	for (unsigned int round = 0; round < 2; round++) {
		for (unsigned int v = 0; v < NR_VCPUS; v++) {
			if (!round) {
				efd[v] = new_eventfd();
				ASSERT_LE(0, efd[v]);
				ASSERT_EQ(0, irqfd(self->g.fd, efd[v], 30 + v, 0));
			}
			ASSERT_EQ(0, efd_signal(efd[v]));
		}
		sleep_ms(50);
		for (unsigned int v = 0; v < NR_VCPUS; v++) {
			EXPECT_EQ(GIC_LPI(200 + v), icc_ack(&self->g, v));
			EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, v));
			EXPECT_EQ(0, icc_write(&self->g, v, ICC_EOIR1, GIC_LPI(200 + v)));
			EXPECT_EQ(0xffu, icc_read(&self->g, v, ICC_RPR));
		}
	}
	for (unsigned int v = 0; v < NR_VCPUS; v++)
		close(efd[v]);
}

/* 6.3.2: a command error stalls the queue, visible in GITS_CREADR */
TEST_F(its, command_error_stalls_queue_until_retry)
{
	uint64_t at = self->g.cwriter;

	ASSERT_EQ(0, its_mapti(&self->g, 55, 0, GIC_LPI(50), 0));
	EXPECT_EQ(at | 1, gits_read(&self->g, GITS_CREADR));
	EXPECT_EQ((uint64_t)E_MAPTI_UNMAPPED_DEVICE, its_error(&self->g));
	/* the next command waits behind it */
	ASSERT_EQ(0, its_int(&self->g, DEV_A, 0));
	EXPECT_EQ(at | 1, gits_read(&self->g, GITS_CREADR));
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, 0));
	/* Retry runs the failed command again: still an error */
	ASSERT_EQ(0, gits_write(&self->g, GITS_CWRITER, self->g.cwriter | 1));
	EXPECT_EQ(at | 1, gits_read(&self->g, GITS_CREADR));
	/* fix the guest's mistake in place, then retry: both run */
	gic_mem_write64(&self->g, GIC_CMDQ + at, 0x0a | (uint64_t)DEV_A << 32);
	gic_mem_write64(&self->g, GIC_CMDQ + at + 8, 9 | (uint64_t)GIC_LPI(50) << 32);
	ASSERT_EQ(0, gits_write(&self->g, GITS_CWRITER, self->g.cwriter | 1));
	EXPECT_EQ(self->g.cwriter, gits_read(&self->g, GITS_CREADR));
	EXPECT_EQ(0u, its_error(&self->g));
	EXPECT_EQ(GIC_LPI(0), icc_ack(&self->g, 0));
	EXPECT_EQ(1, gic_msi(&self->g, DEV_A, 9));
}

static void expect_error(struct __test_metadata *_metadata, struct gic *g,
			 long r, uint64_t code)
{
	ASSERT_EQ(0, r);
	EXPECT_EQ(1u, gits_read(g, GITS_CREADR) & 1);
	EXPECT_EQ(code, its_error(g));
}

/* 6.3.8 MAPD: DeviceID beyond the device table, ITT size beyond IDbits */
TEST_F(its, mapd_errors)
{
	expect_error(_metadata, &self->g, its_mapd(&self->g, 8192, 4, 1),
		     E_MAPD_DEVICE_OOR);
	ASSERT_EQ(0, xioctl(self->g.fd, KVM_SET_DEVICE_ATTR, &(struct kvm_device_attr){
		.group = KVM_IRQCHIP_GIC_GRP_CTRL, .attr = KVM_IRQCHIP_GIC_ITS_CTRL_RESET }));
	/* reset: disabled, no tables, no queue (arm-vgic-its.rst) */
	EXPECT_EQ(0u, gits_read(&self->g, GITS_CTLR) & 1);
	EXPECT_EQ(0u, gits_read(&self->g, GITS_CBASER));
	EXPECT_EQ(0, gic_msi(&self->g, DEV_A, 0));
}

TEST_F(its, mapd_itt_size_beyond_idbits_is_error)
{
	expect_error(_metadata, &self->g, its_mapd(&self->g, 3, 17, 1),
		     E_MAPD_ITTSIZE_OOR);
}

/* 6.3.9 MAPC: collection beyond its table, RDbase naming no PE */
TEST_F(its, mapc_errors)
{
	expect_error(_metadata, &self->g, its_mapc(&self->g, 512, 0, 1),
		     E_MAPC_COLLECTION_OOR);
}

TEST_F(its, mapc_bad_rdbase_is_error)
{
	expect_error(_metadata, &self->g, its_mapc(&self->g, 5, NR_VCPUS, 1),
		     E_MAPC_PROCNUM_OOR);
}

/* 6.3.10 MAPTI: EventID beyond the ITT, INTID not an LPI */
TEST_F(its, mapti_event_beyond_itt_is_error)
{
	expect_error(_metadata, &self->g, its_mapti(&self->g, DEV_A, 16, GIC_LPI(60), 0),
		     E_MAPTI_ID_OOR);
}

TEST_F(its, mapti_non_lpi_intid_is_error)
{
	expect_error(_metadata, &self->g, its_mapti(&self->g, DEV_A, 5, 1000, 0),
		     E_MAPTI_PHYSICALID_OOR);
}

/* 6.3.11 MAPI: the LPI is the EventID */
TEST_F(its, mapi_maps_event_to_same_lpi)
{
	ASSERT_EQ(0, its_mapd(&self->g, 9, 16, 1));
	ASSERT_EQ(0, its_mapi(&self->g, 9, 8300, 2));
	EXPECT_EQ(1, gic_msi(&self->g, 9, 8300));
	EXPECT_EQ(8300u, icc_ack(&self->g, 2));
}

/* 6.3.12 MOVI: the translation and a pending LPI move to the new target */
TEST_F(its, movi_moves_pending_lpi_and_translation)
{
	struct kvm_irq_routing_entry e = gic_route_msi(22, DEV_A, 1);
	int efd = new_eventfd();

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, set_routing(self->g.fd, &e, 1));
	ASSERT_EQ(0, irqfd(self->g.fd, efd, 22, 0));
	ASSERT_EQ(0, efd_signal(efd));		/* fills the cache */
	sleep_ms(50);
	ASSERT_EQ(0, its_movi(&self->g, DEV_A, 1, 3));
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, 0));
	EXPECT_EQ(GIC_LPI(1), icc_ack(&self->g, 3));
	EXPECT_EQ(0, icc_write(&self->g, 3, ICC_EOIR1, GIC_LPI(1)));
	/* the cached translation went with it */
	ASSERT_EQ(0, efd_signal(efd));
	sleep_ms(50);
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, 0));
	EXPECT_EQ(GIC_LPI(1), icc_ack(&self->g, 3));
	close(efd);
}

TEST_F(its, movi_errors)
{
	expect_error(_metadata, &self->g, its_movi(&self->g, DEV_A, 7, 1),
		     E_MOVI_UNMAPPED_INTERRUPT);
}

TEST_F(its, movi_to_unmapped_collection_is_error)
{
	expect_error(_metadata, &self->g, its_movi(&self->g, DEV_A, 0, 9),
		     E_MOVI_UNMAPPED_COLLECTION);
}

/* 6.3.13 MOVALL: every pending LPI of one redistributor moves */
TEST_F(its, movall_moves_pending_lpis)
{
	ASSERT_EQ(1, gic_msi(&self->g, DEV_A, 0));
	ASSERT_EQ(1, gic_msi(&self->g, DEV_A, 3));
	ASSERT_EQ(0, its_movall(&self->g, 0, 2));
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, 0));
	EXPECT_EQ(GIC_LPI(0), icc_ack(&self->g, 2));
	EXPECT_EQ(0, icc_write(&self->g, 2, ICC_EOIR1, GIC_LPI(0)));
	EXPECT_EQ(GIC_LPI(3), icc_ack(&self->g, 2));
	EXPECT_EQ(0, icc_write(&self->g, 2, ICC_EOIR1, GIC_LPI(3)));
	/* and later MSIs follow, until the guest remaps the collection */
	EXPECT_EQ(1, gic_msi(&self->g, DEV_A, 2));
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, 0));
	ASSERT_EQ(0, its_mapc(&self->g, 0, 1, 1));
	EXPECT_EQ(GIC_LPI(2), icc_ack(&self->g, 1));
}

TEST_F(its, movall_bad_rdbase_is_error)
{
	expect_error(_metadata, &self->g, its_movall(&self->g, 0, NR_VCPUS),
		     E_MOVALL_PROCNUM_OOR);
}

/* 6.3.4 DISCARD: translation and pending state are gone */
TEST_F(its, discard_removes_translation_and_pending)
{
	ASSERT_EQ(1, gic_msi(&self->g, DEV_B, 0));
	ASSERT_EQ(0, its_discard(&self->g, DEV_B, 0));
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, 1));
	EXPECT_EQ(0, gic_msi(&self->g, DEV_B, 0));
	EXPECT_EQ(1u, its_drops(&self->g, DEV_B));
	expect_error(_metadata, &self->g, its_discard(&self->g, DEV_B, 0),
		     E_DISCARD_UNMAPPED_INTERRUPT);
}

/* 6.3.8 MAPD V=0: the whole ITT goes, cached translations with it */
TEST_F(its, mapd_unmap_invalidates_cached_translations)
{
	struct kvm_irq_routing_entry e = gic_route_msi(23, DEV_A, 0);
	struct kvm_irqchip_counters c;
	int efd = new_eventfd();

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, set_routing(self->g.fd, &e, 1));
	ASSERT_EQ(0, irqfd(self->g.fd, efd, 23, 0));
	ASSERT_EQ(0, efd_signal(efd));
	sleep_ms(50);
	EXPECT_EQ(GIC_LPI(0), icc_ack(&self->g, 0));
	ASSERT_EQ(0, its_mapd(&self->g, DEV_A, 4, 0));
	ASSERT_EQ(0, efd_signal(efd));
	sleep_ms(50);
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, 0));
	EXPECT_EQ(1u, its_drops(&self->g, DEV_A));
	ASSERT_EQ(0, get_counters(self->g.fd, &c));
	EXPECT_EQ(2u, c.slow_path);
	close(efd);
}

/* 6.3.9 MAPC: remapping a collection retargets its LPIs, pending ones too */
TEST_F(its, mapc_remap_retargets_pending_lpi)
{
	ASSERT_EQ(1, gic_msi(&self->g, DEV_B, 1));
	ASSERT_EQ(0, its_mapc(&self->g, 1, 2, 1));
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, 1));
	EXPECT_EQ(GIC_LPI(101), icc_ack(&self->g, 2));
	/* unmapped collection: translations fail */
	ASSERT_EQ(0, its_mapc(&self->g, 1, 0, 0));
	EXPECT_EQ(0, gic_msi(&self->g, DEV_B, 1));
}

/* 6.3.5 INT and 6.3.1 CLEAR */
TEST_F(its, int_sets_and_clear_removes_pending)
{
	ASSERT_EQ(0, its_int(&self->g, DEV_A, 3));
	EXPECT_EQ(GIC_LPI(3), icc_read(&self->g, 0, ICC_HPPIR1));
	ASSERT_EQ(0, its_clear(&self->g, DEV_A, 3));
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, 0));
	expect_error(_metadata, &self->g, its_int(&self->g, DEV_A, 4),
		     E_INT_UNMAPPED_INTERRUPT);
}

/* 6.3.6 INV / 6.3.7 INVALL: the configuration table is read again */
TEST_F(its, inv_rereads_lpi_configuration)
{
	gic_lpi_config(&self->g, GIC_LPI(1), 0x40, 0);
	ASSERT_EQ(1, gic_msi(&self->g, DEV_A, 1));
	/* not yet seen: still enabled */
	EXPECT_EQ(GIC_LPI(1), icc_read(&self->g, 0, ICC_HPPIR1));
	ASSERT_EQ(0, its_inv(&self->g, DEV_A, 1));
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&self->g, 0));
	gic_lpi_config(&self->g, GIC_LPI(1), 0x40, 1);
	ASSERT_EQ(0, its_invall(&self->g, 0));
	EXPECT_EQ(GIC_LPI(1), icc_ack(&self->g, 0));
	EXPECT_EQ(0x40u, icc_read(&self->g, 0, ICC_RPR));
	expect_error(_metadata, &self->g, its_invall(&self->g, 8),
		     E_INVALL_UNMAPPED_COLLECTION);
}

TEST_F(its, inv_unmapped_is_error)
{
	expect_error(_metadata, &self->g, its_inv(&self->g, DEV_B, 3),
		     E_INV_UNMAPPED_INTERRUPT);
}

/* GICR_CTLR.EnableLPIs off: the MSI is dropped and counted */
TEST_F(its, lpis_disabled_on_target_drops_msi)
{
	ASSERT_EQ(0, gicr_write(&self->g, 1, GICR_CTLR, 0, 4));
	EXPECT_EQ(0, gic_msi(&self->g, DEV_B, 0));
	EXPECT_EQ(1u, its_drops(&self->g, DEV_B));
}

/* KVM_IRQCHIP_GIC_SET_MEMORY_REGION: KVM_SET_USER_MEMORY_REGION's rules */
TEST_F(its, memory_region_rules)
{
	const uint64_t pg = getpagesize();

	EXPECT_EQ(-EINVAL, gic_mem_region(self->g.fd, 32, 0, pg, self->g.mem));
	EXPECT_EQ(-EINVAL, gic_mem_region(self->g.fd, 1, 0x100, pg, self->g.mem));
	EXPECT_EQ(-EINVAL, gic_mem_region(self->g.fd, 1, pg, pg / 2, self->g.mem));
	EXPECT_EQ(-EEXIST, gic_mem_region(self->g.fd, 1, GIC_MEM_GPA + pg, pg,
					  self->g.mem));
	EXPECT_EQ(0, gic_mem_region(self->g.fd, 1, pg, pg, self->g.mem));
	EXPECT_EQ(0, gic_mem_region(self->g.fd, 1, pg, 0, NULL));
}

/* Commands in memory the instance was not given: the queue stalls */
TEST_F(its, command_queue_outside_guest_memory_stalls)
{
	ASSERT_EQ(0, gic_mmio_write(self->g.fd, GIC_ITS_BASE + GITS_CTLR, 4, 0));
	ASSERT_EQ(0, gits_write(&self->g, GITS_CBASER, GITS_VALID | 0x10000000));
	ASSERT_EQ(0, gic_mmio_write(self->g.fd, GIC_ITS_BASE + GITS_CTLR, 4, 1));
	ASSERT_EQ(0, gits_write(&self->g, GITS_CWRITER, 32));
	EXPECT_EQ(1u, gits_read(&self->g, GITS_CREADR) & 1);
	EXPECT_NE(0u, its_error(&self->g));
}

TEST_HARNESS_MAIN
