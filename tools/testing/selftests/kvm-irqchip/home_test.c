// SPDX-License-Identifier: GPL-2.0
/*
 * Each model at home: built for every architecture (x86, arm64, powerpc)
 * and run on each one's own kernel.  The module offers the models its
 * architecture builds (KVM_IRQCHIP_CAP_MODELS); each of them is created,
 * and the others are ENODEV.  Then one whole interrupt per non-x86 model,
 * from an eventfd to the vCPU's acknowledge and EOI, with the state read
 * back after each step:
 *
 * - GICv3: eventfd -> KVM_IRQFD on an MSI route with a DeviceID -> ITS
 *   translation -> LPI pending on the collection's redistributor ->
 *   ICC_IAR1_EL1 -> ICC_EOIR1_EL1;
 * - XICS: eventfd -> KVM_IRQFD on an ICS source -> ICP of its server ->
 *   H_XIRR -> H_EOI.
 *
 * The first signal of an irqfd may take the slow path (a work item), so
 * the first presentation is polled for up to WAIT_MS.
 */
#include "gic_util.h"
#include "xics_util.h"
#include "kselftest_harness.h"

#define WAIT_MS		3000

/* KVM_IRQCHIP_MODEL_* run from 0 to past the last defined one */
#define MODEL_LAST	KVM_IRQCHIP_MODEL_PPC_XICS

TEST(every_built_model_is_created_and_no_other)
{
	int fd = kic_open();
	long models;

	ASSERT_LE(0, fd);
	models = check_ext(fd, KVM_IRQCHIP_CAP_MODELS);
	close(fd);
	EXPECT_EQ(KIC_BUILT_MODELS, models);
	/* GICv3 and XICS are built for every architecture */
	EXPECT_TRUE(models & KIC_MODEL_BIT(ARM64_GICV3));
	EXPECT_TRUE(models & KIC_MODEL_BIT(PPC_XICS));

	for (uint32_t m = 0; m <= MODEL_LAST + 1; m++) {
		long want = models & (1u << m) ? 0 :
			    m && m <= MODEL_LAST ? -ENODEV : -EINVAL;
		long vfd;

		fd = kic_open();
		ASSERT_LE(0, fd);
		EXPECT_EQ(want, kic_create(fd, m, 2)) {
			TH_LOG("model %u (CAP_MODELS %#lx)", m, models);
		}
		vfd = xioctl_val(fd, KVM_IRQCHIP_GET_VCPU_FD, 1);
		if (want) {
			EXPECT_EQ(-ENXIO, vfd);
		} else {
			EXPECT_LE(0, vfd);
			EXPECT_EQ(-EEXIST, kic_create(fd, m, 2));
		}
		if (vfd >= 0)
			close(vfd);
		close(fd);
	}
}

#define DEV		7
#define EVENT		3
#define LPI		GIC_LPI(42)
#define ICID		1
#define TARGET		1	/* the vCPU collection ICID is mapped to */
#define GSI		9

/* Poll ICC_HPPIR1_EL1 of vcpu until it reads want: 1 when it did */
static int wait_hppir1(struct gic *g, unsigned int vcpu, uint32_t want)
{
	uint64_t end = now_ms() + WAIT_MS;

	while (icc_read(g, vcpu, ICC_HPPIR1) != want && now_ms() < end)
		sleep_ms(1);
	return icc_read(g, vcpu, ICC_HPPIR1) == want;
}

TEST(gic_eventfd_its_lpi_iar1_eoi)
{
	struct kvm_irq_routing_entry e = gic_route_msi(GSI, DEV, EVENT);
	struct kvm_irqchip_counters c;
	struct gic g;
	int efd;

	ASSERT_EQ(0, gic_init(&g, 2));
	ASSERT_EQ(0, gic_its_setup(&g));
	ASSERT_EQ(0, its_mapc(&g, ICID, TARGET, 1));
	ASSERT_EQ(0, its_mapd(&g, DEV, 4, 1));
	ASSERT_EQ(0, its_mapti(&g, DEV, EVENT, LPI, ICID));
	ASSERT_EQ(0u, gits_read(&g, GITS_CREADR) & 1);	/* no command stalled */
	ASSERT_EQ(0, set_routing(g.fd, &e, 1));
	efd = new_eventfd();
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, irqfd(g.fd, efd, GSI, 0));
	EXPECT_EQ(GIC_SPURIOUS, icc_read(&g, TARGET, ICC_HPPIR1));

	ASSERT_EQ(0, efd_signal(efd));
	/* pending on the collection's redistributor, and only there */
	ASSERT_EQ(1, wait_hppir1(&g, TARGET, LPI));
	EXPECT_EQ(GIC_SPURIOUS, icc_read(&g, 0, ICC_HPPIR1));
	/* acknowledge: the INTID; running priority is the LPI's */
	EXPECT_EQ(LPI, icc_ack(&g, TARGET));
	EXPECT_EQ((uint64_t)GIC_LPI_PRIO, icc_read(&g, TARGET, ICC_RPR));
	EXPECT_EQ(GIC_SPURIOUS, icc_read(&g, TARGET, ICC_HPPIR1));
	/* EOI: priority dropped, nothing pending or active is left */
	EXPECT_EQ(0, icc_write(&g, TARGET, ICC_EOIR1, LPI));
	EXPECT_EQ(0xffull, icc_read(&g, TARGET, ICC_RPR));
	EXPECT_EQ(GIC_SPURIOUS, icc_read(&g, TARGET, ICC_HPPIR1));
	EXPECT_EQ(GIC_SPURIOUS, icc_ack(&g, TARGET));
	EXPECT_EQ(0u, its_drops(&g, DEV));
	ASSERT_EQ(0, get_counters(g.fd, &c));
	EXPECT_EQ(1ull, c.delivered);

	/* a second cycle through the same irqfd */
	ASSERT_EQ(0, efd_signal(efd));
	ASSERT_EQ(1, wait_hppir1(&g, TARGET, LPI));
	EXPECT_EQ(LPI, icc_ack(&g, TARGET));
	EXPECT_EQ(0, icc_write(&g, TARGET, ICC_EOIR1, LPI));
	EXPECT_EQ(0xffull, icc_read(&g, TARGET, ICC_RPR));
	EXPECT_EQ(GIC_SPURIOUS, icc_read(&g, TARGET, ICC_HPPIR1));
	close(efd);
	gic_fini(&g);
}

#define BUID		1
#define SRC		5
#define SERVER		1
#define PRIO		4
#define IRQ		xics_irq(BUID, SRC)

TEST(xics_eventfd_ics_icp_xirr_eoi)
{
	struct kvm_irq_routing_entry e = route_xics(GSI, BUID, SRC);
	struct kvm_irqchip_counters c;
	struct vm vm;
	uint64_t v;
	int efd, cpu;

	ASSERT_EQ(0, xics_vm_init(&vm, 2));
	cpu = vm.vcpu[SERVER];
	ASSERT_EQ(0, xics_create_ics(vm.fd, BUID, 16));
	ASSERT_EQ(H_SUCCESS, h_cppr(cpu, 0xff));
	ASSERT_EQ(0, set_xive(vm.fd, IRQ, SERVER, PRIO));
	ASSERT_EQ(0, set_routing(vm.fd, &e, 1));
	efd = new_eventfd();
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, irqfd(vm.fd, efd, GSI, 0));

	ASSERT_EQ(0, efd_signal(efd));
	/* the source presented to its server's ICP, and only there */
	ASSERT_EQ(1, wait_xisr(&vm, SERVER, IRQ, WAIT_MS));
	EXPECT_EQ(0u, xisr_of(&vm, 0));
	ASSERT_EQ(0, icp_get(cpu, &v));
	EXPECT_EQ(icp_state(0xff, IRQ, 0xff, PRIO), v);
	ASSERT_EQ(0, source_get(vm.fd, IRQ, &v));
	EXPECT_EQ(source_state(SERVER, PRIO, KVM_IRQCHIP_XICS_PRESENTED), v);
	/* accept: the old CPPR and the source; CPPR becomes its priority */
	EXPECT_EQ(xirr_of(0xff, IRQ), h_xirr(cpu));
	ASSERT_EQ(0, icp_get(cpu, &v));
	EXPECT_EQ(icp_state(PRIO, 0, 0xff, 0xff), v);
	/* EOI: CPPR restored, the source no longer presented */
	EXPECT_EQ(H_SUCCESS, h_eoi(cpu, xirr_of(0xff, IRQ)));
	ASSERT_EQ(0, icp_get(cpu, &v));
	EXPECT_EQ(icp_state(0xff, 0, 0xff, 0xff), v);
	ASSERT_EQ(0, source_get(vm.fd, IRQ, &v));
	EXPECT_EQ(source_state(SERVER, PRIO, 0), v);
	EXPECT_EQ(xirr_of(0xff, 0), h_xirr(cpu));
	ASSERT_EQ(0, get_counters(vm.fd, &c));
	EXPECT_EQ(1ull, c.delivered);

	/* a second cycle through the same irqfd */
	ASSERT_EQ(0, efd_signal(efd));
	ASSERT_EQ(1, wait_xisr(&vm, SERVER, IRQ, WAIT_MS));
	EXPECT_EQ(xirr_of(0xff, IRQ), h_xirr(cpu));
	EXPECT_EQ(H_SUCCESS, h_eoi(cpu, xirr_of(0xff, IRQ)));
	ASSERT_EQ(0, icp_get(cpu, &v));
	EXPECT_EQ(icp_state(0xff, 0, 0xff, 0xff), v);
	close(efd);
	vm_fini(&vm);
}

TEST_HARNESS_MAIN
