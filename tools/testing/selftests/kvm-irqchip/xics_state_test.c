// SPDX-License-Identifier: GPL-2.0
/*
 * XICS state save and restore in KVM's encodings: sources through
 * KVM_{GET,SET}_DEVICE_ATTR (KVM_DEV_XICS_GRP_SOURCES), ICPs through
 * KVM_{GET,SET}_ONE_REG (KVM_REG_PPC_ICP_STATE), the consistency rules
 * KVM applies to an ICP state, and a whole machine carried into a new
 * instance in the middle of deliveries: an interrupt presented and not
 * accepted, one accepted with a trigger queued behind it, an asserted
 * level source in service, a masked pending source and a pending IPI.
 *
 * References: Linux Documentation/virt/kvm/devices/xics.rst (both
 * encodings), KVM's kvmppc_xics_set_icp() and xics_set_source() for the
 * rules, PAPR 14.5.4.2-3 for what the guest then sees.
 */
#include "xics_util.h"
#include "kselftest_harness.h"

#define NR_VCPUS	4
#define BUID		1
#define NR_SRC		32
#define IRQ(n)		xics_irq(BUID, n)

FIXTURE(state) {
	struct vm vm;
};

FIXTURE_SETUP(state)
{
	ASSERT_EQ(0, xics_vm_init(&self->vm, NR_VCPUS));
	ASSERT_EQ(0, xics_create_ics(self->vm.fd, BUID, NR_SRC));
	for (int i = 0; i < NR_VCPUS; i++)
		ASSERT_EQ(H_SUCCESS, h_cppr(self->vm.vcpu[i], 0xff));
}

FIXTURE_TEARDOWN(state)
{
	vm_fini(&self->vm);
}

static long line(int fd, uint32_t src, uint32_t level)
{
	struct kvm_irq_routing_entry e = route_xics(0, BUID, src);
	long r = set_routing(fd, &e, 1);

	return r ? r : irq_line(fd, 0, level);
}

/* A new ICP: CPPR 0, nothing pending, no IPI (KVM's initial state). */
TEST_F(state, icp_state_starts_as_kvm)
{
	struct vm vm;
	uint64_t v;

	ASSERT_EQ(0, xics_vm_init(&vm, 1));
	ASSERT_EQ(0, icp_get(vm.vcpu[0], &v));
	EXPECT_EQ(icp_state(0, 0, 0xff, 0xff), v);
	vm_fini(&vm);
}

TEST_F(state, icp_state_reads_back_kvm_layout)
{
	uint64_t v;

	ASSERT_EQ(0, set_xive(self->vm.fd, IRQ(3), 1, 5));
	ASSERT_EQ(0, line(self->vm.fd, 3, 1));
	ASSERT_EQ(H_SUCCESS, h_ipi(self->vm.vcpu[0], 1, 9));
	ASSERT_EQ(0, icp_get(self->vm.vcpu[1], &v));
	EXPECT_EQ(icp_state(0xff, IRQ(3), 9, 5), v);
	ASSERT_EQ(xirr_of(0xff, IRQ(3)), h_xirr(self->vm.vcpu[1]));
	ASSERT_EQ(0, icp_get(self->vm.vcpu[1], &v));
	EXPECT_EQ(icp_state(5, 0, 9, 0xff), v);
}

/* KVM's rules: XISR 0 at 0xff, the IPI at MFRR, a source above both. */
TEST_F(state, icp_state_set_refuses_inconsistent)
{
	int v = self->vm.vcpu[2];
	uint64_t before, after;
	struct kvm_one_reg reg = { .id = KVM_REG_PPC | KVM_REG_SIZE_U64 | 0x8d };

	ASSERT_EQ(0, icp_get(v, &before));
	EXPECT_EQ(-EINVAL, icp_set(v, icp_state(0xff, 0, 0xff, 5)));
	EXPECT_EQ(-EINVAL, icp_set(v, icp_state(0xff, XICS_IPI, 5, 6)));
	EXPECT_EQ(-EINVAL, icp_set(v, icp_state(5, XICS_IPI, 5, 5)));
	EXPECT_EQ(-EINVAL, icp_set(v, icp_state(0xff, IRQ(3), 5, 5)));
	EXPECT_EQ(-EINVAL, icp_set(v, icp_state(5, IRQ(3), 0xff, 5)));
	EXPECT_EQ(-EINVAL, icp_set(v, icp_state(0xff, IRQ(NR_SRC), 0xff, 5)));
	EXPECT_EQ(-EINVAL, icp_set(v, icp_state(0xff, 7, 0xff, 5)));
	EXPECT_EQ(-EINVAL, icp_set(v, icp_state(0xff, 0, 0xff, 0xff) | 1));
	reg.addr = (uintptr_t)&after;
	EXPECT_EQ(-EINVAL, xioctl(v, KVM_GET_ONE_REG, &reg));
	reg.id = KVM_IRQCHIP_XICS_REG_ICP_STATE;
	reg.addr = (uintptr_t)fault_page();
	EXPECT_EQ(-EFAULT, xioctl(v, KVM_GET_ONE_REG, &reg));
	EXPECT_EQ(-EFAULT, xioctl(v, KVM_SET_ONE_REG, &reg));
	ASSERT_EQ(0, icp_get(v, &after));
	EXPECT_EQ(before, after);
	EXPECT_EQ(0, icp_set(v, icp_state(0xff, IRQ(3), 0xff, 5)));
	EXPECT_EQ(1, vcpu_readable(v, 0));
	EXPECT_EQ(xirr_of(0xff, IRQ(3)), h_xirr(v));
}

/* Restoring a pending source offers it to its server (KVM). */
TEST_F(state, source_set_pending_presents)
{
	ASSERT_EQ(0, source_set(self->vm.fd, IRQ(8),
				source_state(2, 4, KVM_IRQCHIP_XICS_PENDING)));
	EXPECT_EQ(xirr_of(0xff, IRQ(8)), h_xirr(self->vm.vcpu[2]));
	EXPECT_EQ(H_SUCCESS, h_eoi(self->vm.vcpu[2], xirr_of(0xff, IRQ(8))));
	EXPECT_EQ(xirr_of(0xff, 0), h_xirr(self->vm.vcpu[2]));
}

#define A	3	/* presented on server 1, not accepted */
#define B	4	/* accepted on server 2, a trigger queued (Q) */
#define C	5	/* level, asserted, accepted on server 3 */
#define D	6	/* masked with a trigger pending, server 2 */

/* Save every source and ICP of vm, restore into a fresh instance. */
static void migrate(struct __test_metadata *_metadata, struct vm *from, struct vm *to,
		    uint64_t *src, uint64_t *icp)
{
	ASSERT_EQ(0, xics_vm_init(to, NR_VCPUS));
	ASSERT_EQ(0, xics_create_ics(to->fd, BUID, NR_SRC));
	for (int i = 0; i < NR_SRC; i++)
		ASSERT_EQ(0, source_get(from->fd, IRQ(i), &src[i]));
	for (int i = 0; i < NR_VCPUS; i++)
		ASSERT_EQ(0, icp_get(from->vcpu[i], &icp[i]));
	/* sources first, as QEMU's ICS does; KVM allows either order */
	for (int i = 0; i < NR_SRC; i++)
		ASSERT_EQ(0, source_set(to->fd, IRQ(i), src[i]));
	for (int i = 0; i < NR_VCPUS; i++)
		ASSERT_EQ(0, icp_set(to->vcpu[i], icp[i]));
}

TEST_F(state, save_restore_mid_delivery)
{
	uint64_t src[NR_SRC], icp[NR_VCPUS], v;
	struct vm *o = &self->vm, n;

	ASSERT_EQ(0, set_xive(o->fd, IRQ(A), 1, 5));
	ASSERT_EQ(0, set_xive(o->fd, IRQ(B), 2, 4));
	ASSERT_EQ(0, source_set(o->fd, IRQ(C),
				source_state(3, 6, KVM_IRQCHIP_XICS_LEVEL_SENSITIVE)));
	ASSERT_EQ(0, set_xive(o->fd, IRQ(D), 2, 7));
	ASSERT_EQ(0, rtas1(o->fd, KVM_IRQCHIP_XICS_INT_OFF, IRQ(D)));
	ASSERT_EQ(0, line(o->fd, A, 1));
	ASSERT_EQ(0, line(o->fd, B, 1));
	ASSERT_EQ(xirr_of(0xff, IRQ(B)), h_xirr(o->vcpu[2]));
	ASSERT_EQ(0, line(o->fd, B, 1));
	ASSERT_EQ(0, line(o->fd, C, 1));
	ASSERT_EQ(xirr_of(0xff, IRQ(C)), h_xirr(o->vcpu[3]));
	ASSERT_EQ(0, line(o->fd, D, 1));
	ASSERT_EQ(H_SUCCESS, h_ipi(o->vcpu[1], 0, 3));

	migrate(_metadata, o, &n, src, icp);

	EXPECT_EQ(source_state(1, 5, KVM_IRQCHIP_XICS_PRESENTED), src[A]);
	EXPECT_EQ(source_state(2, 4, KVM_IRQCHIP_XICS_PRESENTED | KVM_IRQCHIP_XICS_QUEUED),
		  src[B]);
	EXPECT_EQ(source_state(3, 6, KVM_IRQCHIP_XICS_LEVEL_SENSITIVE |
			       KVM_IRQCHIP_XICS_PENDING | KVM_IRQCHIP_XICS_PRESENTED), src[C]);
	EXPECT_EQ(source_state(2, 7, KVM_IRQCHIP_XICS_MASKED_BIT | KVM_IRQCHIP_XICS_PENDING |
			       KVM_IRQCHIP_XICS_PRESENTED), src[D]);
	EXPECT_EQ(icp_state(0xff, XICS_IPI, 3, 3), icp[0]);
	EXPECT_EQ(icp_state(0xff, IRQ(A), 0xff, 5), icp[1]);
	EXPECT_EQ(icp_state(4, 0, 0xff, 0xff), icp[2]);
	EXPECT_EQ(icp_state(6, 0, 0xff, 0xff), icp[3]);

	/* the new instance reads back what was saved */
	for (int i = 0; i < NR_SRC; i++) {
		ASSERT_EQ(0, source_get(n.fd, IRQ(i), &v));
		EXPECT_EQ(src[i], v) TH_LOG("source %d", i);
	}
	for (int i = 0; i < NR_VCPUS; i++) {
		ASSERT_EQ(0, icp_get(n.vcpu[i], &v));
		EXPECT_EQ(icp[i], v) TH_LOG("icp %d", i);
	}

	/* and the guest carries on where it was */
	EXPECT_EQ(xirr_of(0xff, XICS_IPI), h_xirr(n.vcpu[0]));
	EXPECT_EQ(xirr_of(0xff, IRQ(A)), h_xirr(n.vcpu[1]));
	EXPECT_EQ(H_SUCCESS, h_eoi(n.vcpu[1], xirr_of(0xff, IRQ(A))));
	EXPECT_EQ(xirr_of(0xff, 0), h_xirr(n.vcpu[1]));
	EXPECT_EQ(H_SUCCESS, h_eoi(n.vcpu[2], xirr_of(0xff, IRQ(B))));
	EXPECT_EQ(xirr_of(0xff, IRQ(B)), h_xirr(n.vcpu[2]));	/* Q */
	EXPECT_EQ(H_SUCCESS, h_eoi(n.vcpu[2], xirr_of(0xff, IRQ(B))));
	EXPECT_EQ(xirr_of(0xff, 0), h_xirr(n.vcpu[2]));
	/* C is still asserted: presented again at its EOI */
	EXPECT_EQ(H_SUCCESS, h_eoi(n.vcpu[3], xirr_of(0xff, IRQ(C))));
	EXPECT_EQ(xirr_of(0xff, IRQ(C)), h_xirr(n.vcpu[3]));
	ASSERT_EQ(0, line(n.fd, C, 0));
	EXPECT_EQ(H_SUCCESS, h_eoi(n.vcpu[3], xirr_of(0xff, IRQ(C))));
	EXPECT_EQ(xirr_of(0xff, 0), h_xirr(n.vcpu[3]));
	/* D waits for int-on */
	EXPECT_EQ(0, rtas1(n.fd, KVM_IRQCHIP_XICS_INT_ON, IRQ(D)));
	EXPECT_EQ(xirr_of(0xff, IRQ(D)), h_xirr(n.vcpu[2]));
	vm_fini(&n);
}

/* ICPs first, then sources: the same machine comes out (KVM: any order). */
TEST_F(state, save_restore_icps_before_sources)
{
	uint64_t src[NR_SRC], icp[NR_VCPUS];
	struct vm *o = &self->vm, n;

	ASSERT_EQ(0, set_xive(o->fd, IRQ(A), 1, 5));
	ASSERT_EQ(0, line(o->fd, A, 1));
	ASSERT_EQ(0, xics_vm_init(&n, NR_VCPUS));
	ASSERT_EQ(0, xics_create_ics(n.fd, BUID, NR_SRC));
	for (int i = 0; i < NR_SRC; i++)
		ASSERT_EQ(0, source_get(o->fd, IRQ(i), &src[i]));
	for (int i = 0; i < NR_VCPUS; i++)
		ASSERT_EQ(0, icp_get(o->vcpu[i], &icp[i]));
	for (int i = 0; i < NR_VCPUS; i++)
		ASSERT_EQ(0, icp_set(n.vcpu[i], icp[i]));
	for (int i = 0; i < NR_SRC; i++)
		ASSERT_EQ(0, source_set(n.fd, IRQ(i), src[i]));
	EXPECT_EQ(xirr_of(0xff, IRQ(A)), h_xirr(n.vcpu[1]));
	EXPECT_EQ(H_SUCCESS, h_eoi(n.vcpu[1], xirr_of(0xff, IRQ(A))));
	EXPECT_EQ(xirr_of(0xff, 0), h_xirr(n.vcpu[1]));
	/* a new trigger is presented: P was cleared by the EOI */
	ASSERT_EQ(0, line(n.fd, A, 1));
	EXPECT_EQ(xirr_of(0xff, IRQ(A)), h_xirr(n.vcpu[1]));
	vm_fini(&n);
}

TEST_HARNESS_MAIN
