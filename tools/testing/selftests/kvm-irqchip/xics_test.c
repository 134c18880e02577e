// SPDX-License-Identifier: GPL-2.0
/*
 * The XICS model (KVM_IRQCHIP_MODEL_PPC_XICS) through the VMM's eyes: ICS
 * creation, the source route type and MSI routes, each PAPR hypercall
 * (H_XIRR, H_XIRR_X, H_CPPR, H_EOI, H_IPI, H_IPOLL) and RTAS call
 * (ibm,set-xive, ibm,get-xive, ibm,int-off, ibm,int-on) with its errors,
 * presentation against CPPR/MFRR/XISR, rejects and resends, P/Q and
 * level-sensitive sources, IPIs between vCPUs.
 *
 * References: PAPR (LoPAR) 14.5.4.2 "Interrupt Presentation Layer" and
 * 14.5.4.3 "Interrupt Source Layer", LoPAR 7.3.10 "Interrupt Support" (the
 * RTAS calls), Linux Documentation/virt/kvm/devices/xics.rst and KVM's
 * arch/powerpc/kvm/book3s_xics.c for the state encodings and the reserved
 * interrupt numbers.
 */
#include "xics_util.h"
#include "kselftest_harness.h"

#define NR_VCPUS	4
#define BUID		1
#define NR_SRC		64
#define BUID2		2
#define NR_SRC2		16
#define IRQ(n)		xics_irq(BUID, n)
#define IRQ2(n)		xics_irq(BUID2, n)

FIXTURE(xics) {
	struct vm vm;
};

/* 4 vCPUs at CPPR 0xff; ICS 1 (64 sources) and ICS 2 (16), all masked. */
FIXTURE_SETUP(xics)
{
	ASSERT_EQ(0, xics_vm_init(&self->vm, NR_VCPUS));
	ASSERT_EQ(0, xics_create_ics(self->vm.fd, BUID, NR_SRC));
	ASSERT_EQ(0, xics_create_ics(self->vm.fd, BUID2, NR_SRC2));
	for (int i = 0; i < NR_VCPUS; i++)
		ASSERT_EQ(H_SUCCESS, h_cppr(self->vm.vcpu[i], 0xff));
}

FIXTURE_TEARDOWN(xics)
{
	vm_fini(&self->vm);
}

/* Route gsi to (buid, src) alone. */
static long route1(int fd, uint32_t gsi, uint32_t buid, uint32_t src)
{
	struct kvm_irq_routing_entry e = route_xics(gsi, buid, src);

	return set_routing(fd, &e, 1);
}

/* Raise a message source through KVM_IRQ_LINE on a fresh route (GSI 0). */
static long trigger(int fd, uint32_t buid, uint32_t src)
{
	long r = route1(fd, 0, buid, src);

	return r ? r : irq_line(fd, 0, 1);
}

TEST_F(xics, xics_model_is_built_and_advertised)
{
	long m = check_ext(self->vm.fd, KVM_IRQCHIP_CAP_MODELS);

	EXPECT_TRUE(m & (1 << KVM_IRQCHIP_MODEL_PPC_XICS));
	EXPECT_EQ(KIC_BUILT_MODELS, m);
}

TEST_F(xics, xics_create_ics_checks_buid_and_size)
{
	struct kvm_irqchip_xics_ics a = { .buid = 5, .nr_sources = 8, .flags = 1 };

	EXPECT_EQ(-EINVAL, xics_create_ics(self->vm.fd, 1024, 8));
	EXPECT_EQ(-EINVAL, xics_create_ics(self->vm.fd, 5, 0));
	EXPECT_EQ(-EINVAL, xics_create_ics(self->vm.fd, 5, 1025));
	EXPECT_EQ(-EINVAL, xioctl(self->vm.fd, KVM_IRQCHIP_XICS_CREATE_ICS, &a));
	a.flags = 0;
	a.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->vm.fd, KVM_IRQCHIP_XICS_CREATE_ICS, &a));
	EXPECT_EQ(-EEXIST, xics_create_ics(self->vm.fd, BUID, 8));
	EXPECT_EQ(-EFAULT, xioctl(self->vm.fd, KVM_IRQCHIP_XICS_CREATE_ICS, NULL));
	EXPECT_EQ(0, xics_create_ics(self->vm.fd, 1023, 1024));
}

/* The route names an existing source; numbers below 16 are reserved (KVM). */
TEST_F(xics, xics_route_checks_buid_source_and_reserved)
{
	struct kvm_irq_routing_entry e = route_xics(1, BUID, 3);
	struct kvm_irq_routing_kic_xics x = { .buid = BUID, .source = 3 };

	EXPECT_EQ(0, set_routing(self->vm.fd, &e, 1));
	EXPECT_EQ(-EINVAL, route1(self->vm.fd, 1, 9, 0));		/* no ICS */
	EXPECT_EQ(-EINVAL, route1(self->vm.fd, 1, BUID, NR_SRC));
	EXPECT_EQ(-EINVAL, route1(self->vm.fd, 1, BUID2, NR_SRC2));
	EXPECT_EQ(-EINVAL, route1(self->vm.fd, 1, 1024, 0));
	EXPECT_EQ(-EINVAL, route1(self->vm.fd, 1, BUID, 1024));
	ASSERT_EQ(0, xics_create_ics(self->vm.fd, 0, 32));
	EXPECT_EQ(-EINVAL, route1(self->vm.fd, 1, 0, XICS_IPI));
	EXPECT_EQ(-EINVAL, route1(self->vm.fd, 1, 0, 15));
	EXPECT_EQ(0, route1(self->vm.fd, 1, 0, 16));
	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	x.flags = 1;
	memcpy(e.u.pad, &x, sizeof(x));
	EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, &e, 1));
	x.flags = 0;
	x.pad[4] = 1;
	memcpy(e.u.pad, &x, sizeof(x));
	EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, &e, 1));
	e = route_xics(1, BUID, 3);
	e.flags = KVM_MSI_VALID_DEVID;
	EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, &e, 1));
	e = route_pin(1, 0, 3);
	EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, &e, 1));
	/* the table in force is still the first one */
	EXPECT_EQ(0, set_xive(self->vm.fd, IRQ(3), 0, 5));
	EXPECT_EQ(0, irq_line(self->vm.fd, 1, 1));
	EXPECT_EQ(IRQ(3), xisr_of(&self->vm, 0));
}

/* PAPR 14.5.4.2: accept returns CPPR|XISR and raises CPPR to the priority. */
TEST_F(xics, xics_irq_line_presents_and_xirr_accepts)
{
	int32_t status;
	uint32_t mfrr;

	ASSERT_EQ(0, set_xive(self->vm.fd, IRQ(3), 2, 5));
	ASSERT_EQ(0, route1(self->vm.fd, 7, BUID, 3));
	ASSERT_EQ(0, irq_line_status(self->vm.fd, 7, 1, &status));
	EXPECT_EQ(1, status);
	EXPECT_EQ(1, vcpu_readable(self->vm.vcpu[2], 0));
	EXPECT_EQ(0, vcpu_readable(self->vm.vcpu[1], 0));
	EXPECT_EQ(xirr_of(0xff, IRQ(3)), h_ipoll(self->vm.vcpu[0], 2, &mfrr));
	EXPECT_EQ(0xffu, mfrr);
	EXPECT_EQ(xirr_of(0xff, IRQ(3)), h_xirr(self->vm.vcpu[2]));
	EXPECT_EQ(xirr_of(5, 0), h_ipoll(self->vm.vcpu[2], 2, NULL));
	EXPECT_EQ(xirr_of(5, 0), h_xirr(self->vm.vcpu[2]));	/* nothing more */
	EXPECT_EQ(0, vcpu_readable(self->vm.vcpu[2], 0));
	EXPECT_EQ(H_SUCCESS, h_eoi(self->vm.vcpu[2], xirr_of(0xff, IRQ(3))));
	EXPECT_EQ(xirr_of(0xff, 0), h_ipoll(self->vm.vcpu[2], 2, NULL));
}

/* H_XIRR_X is H_XIRR with the timebase in r5, left to the VMM. */
TEST_F(xics, xics_xirr_x_accepts_like_xirr)
{
	uint64_t out[4];

	ASSERT_EQ(0, set_xive(self->vm.fd, IRQ(4), 1, 3));
	ASSERT_EQ(0, trigger(self->vm.fd, BUID, 4));
	EXPECT_EQ(H_SUCCESS, hcall(self->vm.vcpu[1], KVM_IRQCHIP_XICS_H_XIRR_X, 0, 0, out));
	EXPECT_EQ((uint64_t)xirr_of(0xff, IRQ(4)), out[0]);
	EXPECT_EQ(xirr_of(3, 0), h_ipoll(self->vm.vcpu[0], 1, NULL));
}

TEST_F(xics, xics_hcall_bad_arguments_are_h_parameter)
{
	struct kvm_irqchip_xics_hcall h = { .opcode = KVM_IRQCHIP_XICS_H_XIRR };
	int v = self->vm.vcpu[0];

	EXPECT_EQ(H_PARAMETER, h_ipi(v, NR_VCPUS, 5));
	EXPECT_EQ(H_PARAMETER, h_ipi(v, 1ull << 32, 5));
	EXPECT_EQ(H_PARAMETER, h_ipi(v, 1, 0x100));
	EXPECT_EQ(H_PARAMETER, h_cppr(v, 0x100));
	EXPECT_EQ(H_PARAMETER, hcall(v, KVM_IRQCHIP_XICS_H_IPOLL, NR_VCPUS, 0, NULL));
	EXPECT_EQ(H_PARAMETER, h_eoi(v, xirr_of(0xff, IRQ(NR_SRC))));
	EXPECT_EQ(H_PARAMETER, h_eoi(v, xirr_of(0xff, 0)));
	EXPECT_EQ(H_PARAMETER, h_eoi(v, 1ull << 32 | IRQ(1)));
	/* a refused EOI leaves CPPR alone */
	EXPECT_EQ(H_PARAMETER, h_eoi(v, xirr_of(0x10, IRQ(NR_SRC))));
	EXPECT_EQ(xirr_of(0xff, 0), h_ipoll(v, 0, NULL));
	EXPECT_EQ(H_FUNCTION, hcall(v, 0x78 /* H_PERFMON */, 0, 0, NULL));
	h.reserved[3] = 1;
	EXPECT_EQ(-EINVAL, xioctl(v, KVM_IRQCHIP_XICS_HCALL, &h));
	EXPECT_EQ(-EFAULT, xioctl(v, KVM_IRQCHIP_XICS_HCALL, NULL));
}

/* LoPAR 7.3.10: set-xive, get-xive, int-off, int-on and status -3. */
TEST_F(xics, xics_rtas_int_off_on_keeps_priority)
{
	int32_t rets[4];

	ASSERT_EQ(0, set_xive(self->vm.fd, IRQ(9), 3, 7));
	ASSERT_EQ(0, rtas(self->vm.fd, KVM_IRQCHIP_XICS_GET_XIVE, 1, 3, IRQ(9), 0, 0, rets));
	EXPECT_EQ(0, rets[0]);
	EXPECT_EQ(3, rets[1]);
	EXPECT_EQ(7, rets[2]);
	EXPECT_EQ(0, rtas1(self->vm.fd, KVM_IRQCHIP_XICS_INT_OFF, IRQ(9)));
	EXPECT_EQ(0, rtas1(self->vm.fd, KVM_IRQCHIP_XICS_INT_OFF, IRQ(9)));
	ASSERT_EQ(0, rtas(self->vm.fd, KVM_IRQCHIP_XICS_GET_XIVE, 1, 3, IRQ(9), 0, 0, rets));
	EXPECT_EQ(0xff, rets[2]);
	EXPECT_EQ(0, rtas1(self->vm.fd, KVM_IRQCHIP_XICS_INT_ON, IRQ(9)));
	ASSERT_EQ(0, rtas(self->vm.fd, KVM_IRQCHIP_XICS_GET_XIVE, 1, 3, IRQ(9), 0, 0, rets));
	EXPECT_EQ(3, rets[1]);
	EXPECT_EQ(7, rets[2]);
}

TEST_F(xics, xics_rtas_bad_arguments_are_param_error)
{
	struct kvm_irqchip_xics_rtas c = { .call = KVM_IRQCHIP_XICS_INT_ON, .nargs = 1,
					   .nret = 1, .args = { IRQ(1) } };
	int32_t rets[4];

	EXPECT_EQ(RTAS_PARAM, set_xive(self->vm.fd, IRQ(NR_SRC), 0, 5));
	EXPECT_EQ(RTAS_PARAM, set_xive(self->vm.fd, 5, 0, 5));
	EXPECT_EQ(RTAS_PARAM, set_xive(self->vm.fd, IRQ(1), NR_VCPUS, 5));
	EXPECT_EQ(RTAS_PARAM, set_xive(self->vm.fd, IRQ(1), 0, 0x100));
	EXPECT_EQ(RTAS_PARAM, rtas1(self->vm.fd, KVM_IRQCHIP_XICS_INT_OFF, xics_irq(7, 0)));
	EXPECT_EQ(0, rtas(self->vm.fd, KVM_IRQCHIP_XICS_SET_XIVE, 3, 3, IRQ(1), 0, 5, rets));
	EXPECT_EQ(RTAS_PARAM, rets[0]);
	EXPECT_EQ(0, rtas(self->vm.fd, KVM_IRQCHIP_XICS_GET_XIVE, 1, 1, IRQ(1), 0, 0, rets));
	EXPECT_EQ(RTAS_PARAM, rets[0]);
	/* nothing changed: still masked at server 0 */
	ASSERT_EQ(0, rtas(self->vm.fd, KVM_IRQCHIP_XICS_GET_XIVE, 1, 3, IRQ(1), 0, 0, rets));
	EXPECT_EQ(0, rets[1]);
	EXPECT_EQ(0xff, rets[2]);
	EXPECT_EQ(-EINVAL, rtas(self->vm.fd, 0, 1, 1, IRQ(1), 0, 0, rets));
	EXPECT_EQ(-EINVAL, rtas(self->vm.fd, 5, 1, 1, IRQ(1), 0, 0, rets));
	c.pad = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->vm.fd, KVM_IRQCHIP_XICS_RTAS, &c));
}

/* KVM's masked_pending: a trigger while masked is presented at unmask. */
TEST_F(xics, xics_masked_trigger_presents_at_int_on)
{
	uint64_t st;

	ASSERT_EQ(0, set_xive(self->vm.fd, IRQ(5), 1, 4));
	ASSERT_EQ(0, rtas1(self->vm.fd, KVM_IRQCHIP_XICS_INT_OFF, IRQ(5)));
	ASSERT_EQ(0, trigger(self->vm.fd, BUID, 5));
	EXPECT_EQ(0u, xisr_of(&self->vm, 1));
	ASSERT_EQ(0, source_get(self->vm.fd, IRQ(5), &st));
	EXPECT_EQ(source_state(1, 4, KVM_IRQCHIP_XICS_MASKED_BIT | KVM_IRQCHIP_XICS_PENDING |
			       KVM_IRQCHIP_XICS_PRESENTED), st);
	EXPECT_EQ(0, rtas1(self->vm.fd, KVM_IRQCHIP_XICS_INT_ON, IRQ(5)));
	EXPECT_EQ(IRQ(5), xisr_of(&self->vm, 1));
}

/* PAPR 14.5.4.2.1: a more favoured interrupt rejects the pending one. */
TEST_F(xics, xics_more_favoured_rejects_then_resends_at_eoi)
{
	int v = self->vm.vcpu[0];

	ASSERT_EQ(0, set_xive(self->vm.fd, IRQ(10), 0, 6));
	ASSERT_EQ(0, set_xive(self->vm.fd, IRQ2(1), 0, 3));
	ASSERT_EQ(0, trigger(self->vm.fd, BUID, 10));
	EXPECT_EQ(IRQ(10), xisr_of(&self->vm, 0));
	ASSERT_EQ(0, trigger(self->vm.fd, BUID2, 1));
	EXPECT_EQ(IRQ2(1), xisr_of(&self->vm, 0));
	EXPECT_EQ(xirr_of(0xff, IRQ2(1)), h_xirr(v));
	/* IRQ(10) waits: 6 is not more favoured than CPPR 3 */
	EXPECT_EQ(0u, xisr_of(&self->vm, 0));
	EXPECT_EQ(H_SUCCESS, h_eoi(v, xirr_of(0xff, IRQ2(1))));
	EXPECT_EQ(xirr_of(0xff, IRQ(10)), h_xirr(v));
	EXPECT_EQ(H_SUCCESS, h_eoi(v, xirr_of(0xff, IRQ(10))));
	EXPECT_EQ(xirr_of(0xff, 0), h_xirr(v));
}

/* Three priorities: each arrival displaces the one before, in turn. */
TEST_F(xics, xics_three_priorities_are_taken_most_favoured_first)
{
	int v = self->vm.vcpu[3];
	uint32_t got[3];

	ASSERT_EQ(0, set_xive(self->vm.fd, IRQ(20), 3, 8));
	ASSERT_EQ(0, set_xive(self->vm.fd, IRQ(21), 3, 5));
	ASSERT_EQ(0, set_xive(self->vm.fd, IRQ(22), 3, 2));
	ASSERT_EQ(0, trigger(self->vm.fd, BUID, 20));
	ASSERT_EQ(0, trigger(self->vm.fd, BUID, 21));
	ASSERT_EQ(0, trigger(self->vm.fd, BUID, 22));
	got[0] = h_xirr(v);
	/* nested: the guest lowers nothing until it EOIs the first */
	EXPECT_EQ(xirr_of(2, 0), h_xirr(v));
	ASSERT_EQ(H_SUCCESS, h_eoi(v, xirr_of(0xff, IRQ(22))));
	got[1] = h_xirr(v);
	ASSERT_EQ(H_SUCCESS, h_eoi(v, xirr_of(0xff, IRQ(21))));
	got[2] = h_xirr(v);
	ASSERT_EQ(H_SUCCESS, h_eoi(v, xirr_of(0xff, IRQ(20))));
	EXPECT_EQ(xirr_of(0xff, IRQ(22)), got[0]);
	EXPECT_EQ(xirr_of(0xff, IRQ(21)), got[1]);
	EXPECT_EQ(xirr_of(0xff, IRQ(20)), got[2]);
	EXPECT_EQ(xirr_of(0xff, 0), h_xirr(v));
}

/* Set_CPPR: a delivery CPPR refuses waits for CPPR to drop (resend). */
TEST_F(xics, xics_cppr_refuses_then_lowering_resends)
{
	int v = self->vm.vcpu[1];

	ASSERT_EQ(H_SUCCESS, h_cppr(v, 4));
	ASSERT_EQ(0, set_xive(self->vm.fd, IRQ(11), 1, 6));
	ASSERT_EQ(0, trigger(self->vm.fd, BUID, 11));
	EXPECT_EQ(xirr_of(4, 0), h_xirr(v));
	EXPECT_EQ(H_SUCCESS, h_cppr(v, 6));		/* still not above 6 */
	EXPECT_EQ(0u, xisr_of(&self->vm, 1));
	EXPECT_EQ(H_SUCCESS, h_cppr(v, 7));
	EXPECT_EQ(xirr_of(7, IRQ(11)), h_xirr(v));
}

/* Up_CPPR: raising CPPR above the pending interrupt rejects it. */
TEST_F(xics, xics_raising_cppr_rejects_pending)
{
	int v = self->vm.vcpu[1];

	ASSERT_EQ(0, set_xive(self->vm.fd, IRQ(12), 1, 6));
	ASSERT_EQ(0, trigger(self->vm.fd, BUID, 12));
	EXPECT_EQ(IRQ(12), xisr_of(&self->vm, 1));
	EXPECT_EQ(H_SUCCESS, h_cppr(v, 6));
	EXPECT_EQ(0u, xisr_of(&self->vm, 1));
	EXPECT_EQ(0, vcpu_readable(v, 0));
	EXPECT_EQ(H_SUCCESS, h_cppr(v, 0xff));
	EXPECT_EQ(IRQ(12), xisr_of(&self->vm, 1));
	EXPECT_EQ(1, vcpu_readable(v, 0));
}

/* A source moved to another server while waiting is resent there. */
TEST_F(xics, xics_set_xive_moves_waiting_source)
{
	ASSERT_EQ(H_SUCCESS, h_cppr(self->vm.vcpu[1], 0));
	ASSERT_EQ(0, set_xive(self->vm.fd, IRQ(13), 1, 6));
	ASSERT_EQ(0, trigger(self->vm.fd, BUID, 13));
	EXPECT_EQ(0u, xisr_of(&self->vm, 1));
	EXPECT_EQ(0, set_xive(self->vm.fd, IRQ(13), 2, 6));
	EXPECT_EQ(IRQ(13), xisr_of(&self->vm, 2));
}

/* PAPR 14.5.4.3: P/Q; a trigger while presented is queued, a third lost. */
TEST_F(xics, xics_msi_queued_trigger_represents_at_eoi)
{
	struct kvm_irqchip_counters c;
	int v = self->vm.vcpu[0];
	int32_t status;
	uint64_t st;

	ASSERT_EQ(0, set_xive(self->vm.fd, IRQ(14), 0, 5));
	ASSERT_EQ(0, route1(self->vm.fd, 3, BUID, 14));
	ASSERT_EQ(0, irq_line_status(self->vm.fd, 3, 1, &status));
	EXPECT_EQ(1, status);
	ASSERT_EQ(xirr_of(0xff, IRQ(14)), h_xirr(v));
	ASSERT_EQ(0, irq_line_status(self->vm.fd, 3, 1, &status));
	EXPECT_EQ(1, status);
	ASSERT_EQ(0, irq_line_status(self->vm.fd, 3, 1, &status));
	EXPECT_EQ(0, status);
	ASSERT_EQ(0, source_get(self->vm.fd, IRQ(14), &st));
	EXPECT_EQ(source_state(0, 5, KVM_IRQCHIP_XICS_PRESENTED | KVM_IRQCHIP_XICS_QUEUED), st);
	ASSERT_EQ(0, get_counters(self->vm.fd, &c));
	EXPECT_EQ(1ull, c.coalesced);
	EXPECT_EQ(H_SUCCESS, h_eoi(v, xirr_of(0xff, IRQ(14))));
	EXPECT_EQ(xirr_of(0xff, IRQ(14)), h_xirr(v));
	EXPECT_EQ(H_SUCCESS, h_eoi(v, xirr_of(0xff, IRQ(14))));
	EXPECT_EQ(xirr_of(0xff, 0), h_xirr(v));
	ASSERT_EQ(0, source_get(self->vm.fd, IRQ(14), &st));
	EXPECT_EQ(source_state(0, 5, 0), st);
	ASSERT_EQ(0, get_counters(self->vm.fd, &c));
	EXPECT_EQ(2ull, c.delivered);
}

/* PAPR 14.5.4.3.1: an LSI still asserted at its EOI is presented again. */
TEST_F(xics, xics_eoi_lsi_asserted_represents)
{
	int v = self->vm.vcpu[2];
	uint64_t st;

	ASSERT_EQ(0, source_set(self->vm.fd, IRQ(15),
				source_state(2, 5, KVM_IRQCHIP_XICS_LEVEL_SENSITIVE)));
	ASSERT_EQ(0, route1(self->vm.fd, 4, BUID, 15));
	ASSERT_EQ(0, irq_line(self->vm.fd, 4, 1));
	ASSERT_EQ(xirr_of(0xff, IRQ(15)), h_xirr(v));
	ASSERT_EQ(0, source_get(self->vm.fd, IRQ(15), &st));
	EXPECT_EQ(source_state(2, 5, KVM_IRQCHIP_XICS_LEVEL_SENSITIVE |
			       KVM_IRQCHIP_XICS_PENDING | KVM_IRQCHIP_XICS_PRESENTED), st);
	EXPECT_EQ(H_SUCCESS, h_eoi(v, xirr_of(0xff, IRQ(15))));
	EXPECT_EQ(xirr_of(0xff, IRQ(15)), h_xirr(v));
	ASSERT_EQ(0, irq_line(self->vm.fd, 4, 0));
	EXPECT_EQ(H_SUCCESS, h_eoi(v, xirr_of(0xff, IRQ(15))));
	EXPECT_EQ(xirr_of(0xff, 0), h_xirr(v));
	ASSERT_EQ(0, source_get(self->vm.fd, IRQ(15), &st));
	EXPECT_EQ(source_state(2, 5, KVM_IRQCHIP_XICS_LEVEL_SENSITIVE), st);
}

/* An LSI lowered before it could be presented has nothing to present. */
TEST_F(xics, xics_lsi_lowered_while_refused_is_dropped)
{
	int v = self->vm.vcpu[2];

	ASSERT_EQ(0, source_set(self->vm.fd, IRQ(16),
				source_state(2, 5, KVM_IRQCHIP_XICS_LEVEL_SENSITIVE)));
	ASSERT_EQ(0, route1(self->vm.fd, 4, BUID, 16));
	ASSERT_EQ(H_SUCCESS, h_cppr(v, 2));
	ASSERT_EQ(0, irq_line(self->vm.fd, 4, 1));
	ASSERT_EQ(0, irq_line(self->vm.fd, 4, 0));
	EXPECT_EQ(H_SUCCESS, h_cppr(v, 0xff));
	EXPECT_EQ(xirr_of(0xff, 0), h_xirr(v));
}

/* PAPR 14.5.4.2: MFRR below CPPR presents the IPI (XISR 2) to the server. */
TEST_F(xics, xics_ipi_reaches_other_vcpu)
{
	uint32_t mfrr;

	EXPECT_EQ(H_SUCCESS, h_ipi(self->vm.vcpu[0], 3, 5));
	EXPECT_EQ(1, vcpu_readable(self->vm.vcpu[3], 0));
	EXPECT_EQ(xirr_of(0xff, XICS_IPI), h_ipoll(self->vm.vcpu[1], 3, &mfrr));
	EXPECT_EQ(5u, mfrr);
	EXPECT_EQ(0u, xisr_of(&self->vm, 0));
	EXPECT_EQ(xirr_of(0xff, XICS_IPI), h_xirr(self->vm.vcpu[3]));
	/* the guest clears MFRR before the EOI, as Linux does */
	EXPECT_EQ(H_SUCCESS, h_ipi(self->vm.vcpu[3], 3, 0xff));
	EXPECT_EQ(H_SUCCESS, h_eoi(self->vm.vcpu[3], xirr_of(0xff, XICS_IPI)));
	EXPECT_EQ(xirr_of(0xff, 0), h_xirr(self->vm.vcpu[3]));
}

/* An IPI left in MFRR is presented again when CPPR drops below it. */
TEST_F(xics, xics_ipi_not_cleared_represents_at_eoi)
{
	int v = self->vm.vcpu[1];

	ASSERT_EQ(H_SUCCESS, h_ipi(self->vm.vcpu[0], 1, 5));
	ASSERT_EQ(xirr_of(0xff, XICS_IPI), h_xirr(v));
	EXPECT_EQ(H_SUCCESS, h_eoi(v, xirr_of(0xff, XICS_IPI)));
	EXPECT_EQ(xirr_of(0xff, XICS_IPI), h_xirr(v));
}

/* The IPI rejects a less favoured source, which returns after it. */
TEST_F(xics, xics_ipi_rejects_less_favoured_source)
{
	int v = self->vm.vcpu[1];

	ASSERT_EQ(0, set_xive(self->vm.fd, IRQ(17), 1, 6));
	ASSERT_EQ(0, trigger(self->vm.fd, BUID, 17));
	EXPECT_EQ(IRQ(17), xisr_of(&self->vm, 1));
	EXPECT_EQ(H_SUCCESS, h_ipi(self->vm.vcpu[2], 1, 4));
	EXPECT_EQ((uint32_t)XICS_IPI, xisr_of(&self->vm, 1));
	ASSERT_EQ(xirr_of(0xff, XICS_IPI), h_xirr(v));
	ASSERT_EQ(H_SUCCESS, h_ipi(v, 1, 0xff));
	ASSERT_EQ(H_SUCCESS, h_eoi(v, xirr_of(0xff, XICS_IPI)));
	EXPECT_EQ(xirr_of(0xff, IRQ(17)), h_xirr(v));
}

/* A source more favoured than MFRR is presented; the IPI waits. */
TEST_F(xics, xics_source_beats_less_favoured_ipi)
{
	int v = self->vm.vcpu[1];

	ASSERT_EQ(H_SUCCESS, h_ipi(self->vm.vcpu[0], 1, 6));
	ASSERT_EQ(0, set_xive(self->vm.fd, IRQ(18), 1, 3));
	ASSERT_EQ(0, trigger(self->vm.fd, BUID, 18));
	EXPECT_EQ(xirr_of(0xff, IRQ(18)), h_xirr(v));
	EXPECT_EQ(H_SUCCESS, h_eoi(v, xirr_of(0xff, IRQ(18))));
	EXPECT_EQ(xirr_of(0xff, XICS_IPI), h_xirr(v));
}

/* MSI routes and KVM_SIGNAL_MSI name the source by data (spapr MSIs). */
TEST_F(xics, xics_msi_data_is_global_irq)
{
	struct kvm_irq_routing_entry e = route_msi(9, 0, 0, IRQ2(7));
	struct kvm_irqchip_counters c;

	ASSERT_EQ(0, set_xive(self->vm.fd, IRQ2(7), 3, 5));
	ASSERT_EQ(0, set_xive(self->vm.fd, IRQ(30), 2, 5));
	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	EXPECT_EQ(0, irq_line(self->vm.fd, 9, 1));
	EXPECT_EQ(IRQ2(7), xisr_of(&self->vm, 3));
	EXPECT_EQ(1, signal_msi(self->vm.fd, 0, 0, IRQ(30)));
	EXPECT_EQ(IRQ(30), xisr_of(&self->vm, 2));
	EXPECT_EQ(-EINVAL, signal_msi(self->vm.fd, 0, 0, IRQ(NR_SRC)));
	EXPECT_EQ(-EINVAL, signal_msi(self->vm.fd, 0, 0, XICS_IPI));
	ASSERT_EQ(0, get_counters(self->vm.fd, &c));
	EXPECT_EQ(2ull, c.rejected);
	e = route_msi(9, 0, 0, IRQ2(NR_SRC2));
	EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, &e, 1));
}

/* KVM_DEV_XICS_GRP_SOURCES errors, as KVM's xics device gives them. */
TEST_F(xics, xics_source_attr_errors)
{
	struct kvm_device_attr a = { .group = KVM_IRQCHIP_XICS_GRP_SOURCES, .attr = IRQ(1) };
	uint64_t st = 0;

	a.addr = (uintptr_t)&st;
	EXPECT_EQ(-ENOENT, source_get(self->vm.fd, IRQ(NR_SRC), &st));
	EXPECT_EQ(-ENOENT, source_get(self->vm.fd, 5, &st));
	EXPECT_EQ(-ENOENT, source_get(self->vm.fd, 1ull << 33, &st));
	EXPECT_EQ(-ENOENT, source_set(self->vm.fd, xics_irq(9, 0), 0));
	EXPECT_EQ(-EINVAL, source_set(self->vm.fd, IRQ(1), source_state(NR_VCPUS, 5, 0)));
	EXPECT_EQ(-EINVAL, source_set(self->vm.fd, IRQ(1), source_state(0, 5, 1ull << 45)));
	/* masked, any server may be saved (KVM) */
	EXPECT_EQ(0, source_set(self->vm.fd, IRQ(1), source_state(NR_VCPUS, 0xff, 0)));
	EXPECT_EQ(0, xioctl(self->vm.fd, KVM_HAS_DEVICE_ATTR, &a));
	a.attr = IRQ(NR_SRC);
	EXPECT_EQ(-ENXIO, xioctl(self->vm.fd, KVM_HAS_DEVICE_ATTR, &a));
	a.attr = IRQ(1);
	a.group = 2;
	EXPECT_EQ(-ENXIO, xioctl(self->vm.fd, KVM_GET_DEVICE_ATTR, &a));
	a.group = KVM_IRQCHIP_XICS_GRP_SOURCES;
	a.flags = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->vm.fd, KVM_GET_DEVICE_ATTR, &a));
	a.flags = 0;
	a.addr = (uintptr_t)fault_page();
	EXPECT_EQ(-EFAULT, xioctl(self->vm.fd, KVM_GET_DEVICE_ATTR, &a));
	EXPECT_EQ(-EFAULT, xioctl(self->vm.fd, KVM_SET_DEVICE_ATTR, &a));
}

/* The x86 ioctls a pseries instance has no controller for. */
TEST_F(xics, xics_x86_controller_ioctls_are_refused)
{
	struct kvm_irqchip chip = { .chip_id = 0 };
	struct kvm_irqchip_io io = { .addr = 0x20, .len = 1, .flags = KVM_IRQCHIP_IO_PIO };
	struct kvm_irqchip_vcpu_ack ack = {};

	EXPECT_EQ(-ENXIO, xioctl(self->vm.fd, KVM_GET_IRQCHIP, &chip));
	EXPECT_EQ(-ENXIO, xioctl(self->vm.fd, KVM_IRQCHIP_IO, &io));
	EXPECT_EQ(-ENOTTY, xioctl(self->vm.vcpu[0], KVM_IRQCHIP_VCPU_ACK, &ack));
	EXPECT_EQ(-EINVAL, enable_cap(self->vm.fd, KVM_CAP_X2APIC_API, 0, 0));
}

TEST_HARNESS_MAIN
