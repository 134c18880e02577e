// SPDX-License-Identifier: GPL-2.0
/*
 * One LAPIC through its vCPU fd: reset state, KVM_GET/SET_LAPIC round trips,
 * the priority rules (TPR, PPR, ISR nesting, EOI order) as seen through
 * KVM_IRQCHIP_VCPU_ACK/EOI, poll(), and apic_base validation.
 */
#include <poll.h>
#include <pthread.h>

#include "kic_x86_util.h"
#include "kselftest_harness.h"

/* 2 vCPUs; vCPU 0 enabled (ID 0, TPR 0), vCPU 1 left in its reset state. */
FIXTURE(lapic) {
	struct vm vm;
	int v0;
};

FIXTURE_SETUP(lapic)
{
	ASSERT_EQ(0, vm_init_kic(&self->vm, 2));
	self->v0 = self->vm.vcpu[0];
	ASSERT_EQ(0, lapic_config(self->v0, 0, 1, DFR_FLAT, SVR_ON, 0));
}

FIXTURE_TEARDOWN(lapic)
{
	vm_fini(&self->vm);
}

static long deliver(struct vm *vm, uint32_t vec)
{
	return signal_msi(vm->fd, msi_addr(0, false, false), 0,
			  msi_data(vec, DM_FIXED, false));
}

static uint32_t get_reg(int vfd, unsigned int off)
{
	struct kvm_lapic_state s;

	if (lapic_get(vfd, &s))
		return 0xdeadbeef;
	return apic_get(&s, off);
}

static long set_isr(int vfd, const uint32_t *vecs, int n)
{
	struct kvm_lapic_state s;
	long r = lapic_get(vfd, &s);

	if (r)
		return r;
	for (int i = 0; i < n; i++)
		apic_vec_set(&s, APIC_ISR, vecs[i], true);
	return lapic_set(vfd, &s);
}

static uint32_t ack(int vfd)
{
	uint32_t vec = 0;
	long r = vcpu_ack(vfd, &vec, NULL);

	return r ? (uint32_t)r : vec;	/* -EAGAIN shows as 0xfffffff5 */
}

#define ACK_EAGAIN ((uint32_t)-EAGAIN)

static int readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r = poll(&p, 1, 0);

	return r < 0 ? -errno : r == 1 && (p.revents & POLLIN);
}

static uint32_t eoi(int vfd)
{
	uint32_t vec = 0;
	long r = vcpu_eoi(vfd, &vec, NULL);

	return r ? (uint32_t)r : vec;
}

TEST_F(lapic, lapic_reset_state)
{
	struct kvm_lapic_state s;

	ASSERT_EQ(0, lapic_get(self->vm.vcpu[1], &s));
	EXPECT_EQ(1u << 24, apic_get(&s, APIC_ID));
	EXPECT_EQ(APIC_VERSION_VALUE, apic_get(&s, APIC_LVR));
	EXPECT_EQ(0u, apic_get(&s, APIC_TPR));
	EXPECT_EQ(0u, apic_get(&s, APIC_PPR));
	EXPECT_EQ(0u, apic_get(&s, APIC_LDR));
	EXPECT_EQ(DFR_FLAT, apic_get(&s, APIC_DFR));
	EXPECT_EQ(SVR_OFF, apic_get(&s, APIC_SVR));
	for (unsigned int off = 0x320; off <= 0x370; off += 0x10) {
		uint32_t lvt = apic_get(&s, off);

		EXPECT_NE(0u, lvt & (1u << 16)) TH_LOG("LVT %#x", off);
	}
	for (int i = 0; i < 8; i++) {
		EXPECT_EQ(0u, apic_get(&s, APIC_ISR + i * 0x10));
		EXPECT_EQ(0u, apic_get(&s, APIC_TMR + i * 0x10));
		EXPECT_EQ(0u, apic_get(&s, APIC_IRR + i * 0x10));
	}
}

TEST_F(lapic, apic_base_reset_values)
{
	uint64_t base = 0;

	ASSERT_EQ(0, get_apic_base(&self->vm, 0, &base));
	EXPECT_EQ(APIC_BASE_ADDR | APIC_BASE_ENABLE | APIC_BASE_BSP, base);
	ASSERT_EQ(0, get_apic_base(&self->vm, 1, &base));
	EXPECT_EQ(APIC_BASE_ADDR | APIC_BASE_ENABLE, base);
}

TEST_F(lapic, ack_nothing_pending_is_eagain)
{
	EXPECT_EQ(ACK_EAGAIN, ack(self->v0));
}

TEST_F(lapic, ack_reserved_nonzero_is_einval)
{
	struct kvm_irqchip_vcpu_ack a;

	ASSERT_EQ(1, deliver(&self->vm, 0x45));
	for (int i = 0; i < 2; i++) {
		memset(&a, 0, sizeof(a));
		a.reserved[i] = 1;
		EXPECT_EQ(-EINVAL, xioctl(self->v0, KVM_IRQCHIP_VCPU_ACK, &a));
	}
	EXPECT_EQ(1, irr_has(self->v0, 0x45));
	EXPECT_EQ(0x45u, ack(self->v0));
}

TEST_F(lapic, eoi_reserved_nonzero_is_einval)
{
	static const uint32_t isr[] = { 0x45 };
	struct kvm_irqchip_vcpu_eoi e;

	ASSERT_EQ(0, set_isr(self->v0, isr, 1));
	memset(&e, 0, sizeof(e));
	e.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->v0, KVM_IRQCHIP_VCPU_EOI, &e));
	EXPECT_EQ(0x45u, eoi(self->v0));
}

TEST_F(lapic, ack_moves_irr_to_isr)
{
	struct kvm_lapic_state s;
	uint32_t vec = 0, flags = 1;

	ASSERT_EQ(1, deliver(&self->vm, 0x45));
	ASSERT_EQ(0, vcpu_ack(self->v0, &vec, &flags));
	EXPECT_EQ(0x45u, vec);
	EXPECT_EQ(0u, flags);
	ASSERT_EQ(0, lapic_get(self->v0, &s));
	EXPECT_FALSE(apic_vec(&s, APIC_IRR, 0x45));
	EXPECT_TRUE(apic_vec(&s, APIC_ISR, 0x45));
	EXPECT_EQ(0x40u, apic_get(&s, APIC_PPR));
	EXPECT_EQ(ACK_EAGAIN, ack(self->v0));
}

TEST_F(lapic, ack_returns_highest_irr_first)
{
	ASSERT_EQ(1, deliver(&self->vm, 0x30));
	ASSERT_EQ(1, deliver(&self->vm, 0x90));
	ASSERT_EQ(1, deliver(&self->vm, 0x60));
	EXPECT_EQ(0x90u, ack(self->v0));
	EXPECT_EQ(1, irr_has(self->v0, 0x60));
	EXPECT_EQ(1, irr_has(self->v0, 0x30));
}

TEST_F(lapic, tpr_masks_same_and_lower_class)
{
	ASSERT_EQ(0, lapic_set_reg(self->v0, APIC_TPR, 0x50));
	ASSERT_EQ(1, deliver(&self->vm, 0x5f));
	EXPECT_EQ(ACK_EAGAIN, ack(self->v0));
	ASSERT_EQ(1, deliver(&self->vm, 0x45));
	EXPECT_EQ(ACK_EAGAIN, ack(self->v0));
	ASSERT_EQ(1, deliver(&self->vm, 0x60));
	EXPECT_EQ(0x60u, ack(self->v0));
	/* lowering TPR releases the masked ones (after the EOI) */
	ASSERT_EQ(0x60u, eoi(self->v0));
	ASSERT_EQ(0, lapic_set_reg(self->v0, APIC_TPR, 0x00));
	EXPECT_EQ(0x5fu, ack(self->v0));
}

TEST_F(lapic, ppr_is_tpr_when_tpr_class_is_higher)
{
	static const uint32_t isr[] = { 0x51 };

	ASSERT_EQ(0, set_isr(self->v0, isr, 1));
	ASSERT_EQ(0, lapic_set_reg(self->v0, APIC_TPR, 0x73));
	EXPECT_EQ(0x73u, get_reg(self->v0, APIC_PPR));
}

TEST_F(lapic, ppr_is_isr_class_when_isr_is_higher)
{
	static const uint32_t isr[] = { 0x2f, 0x5b };

	ASSERT_EQ(0, set_isr(self->v0, isr, 2));
	ASSERT_EQ(0, lapic_set_reg(self->v0, APIC_TPR, 0x35));
	EXPECT_EQ(0x50u, get_reg(self->v0, APIC_PPR));
}

TEST_F(lapic, ppr_is_tpr_when_classes_equal)
{
	static const uint32_t isr[] = { 0x52 };

	ASSERT_EQ(0, set_isr(self->v0, isr, 1));
	ASSERT_EQ(0, lapic_set_reg(self->v0, APIC_TPR, 0x5a));
	EXPECT_EQ(0x5au, get_reg(self->v0, APIC_PPR));
}

TEST_F(lapic, ppr_is_tpr_without_isr)
{
	ASSERT_EQ(0, lapic_set_reg(self->v0, APIC_TPR, 0x35));
	EXPECT_EQ(0x35u, get_reg(self->v0, APIC_PPR));
}

TEST_F(lapic, ppr_follows_ack_and_eoi)
{
	ASSERT_EQ(1, deliver(&self->vm, 0x87));
	EXPECT_EQ(0u, get_reg(self->v0, APIC_PPR));
	ASSERT_EQ(0x87u, ack(self->v0));
	EXPECT_EQ(0x80u, get_reg(self->v0, APIC_PPR));
	ASSERT_EQ(0x87u, eoi(self->v0));
	EXPECT_EQ(0u, get_reg(self->v0, APIC_PPR));
}

TEST_F(lapic, ppr_write_is_ignored)
{
	ASSERT_EQ(0, lapic_set_reg(self->v0, APIC_PPR, 0xf0));
	EXPECT_EQ(0u, get_reg(self->v0, APIC_PPR));
	ASSERT_EQ(1, deliver(&self->vm, 0x20));
	EXPECT_EQ(0x20u, ack(self->v0));
}

TEST_F(lapic, isr_higher_class_preempts)
{
	ASSERT_EQ(1, deliver(&self->vm, 0x40));
	ASSERT_EQ(0x40u, ack(self->v0));
	ASSERT_EQ(1, deliver(&self->vm, 0x50));
	EXPECT_EQ(0x50u, ack(self->v0));
	EXPECT_EQ(0x50u, get_reg(self->v0, APIC_PPR));
}

TEST_F(lapic, isr_same_or_lower_class_waits)
{
	ASSERT_EQ(1, deliver(&self->vm, 0x40));
	ASSERT_EQ(0x40u, ack(self->v0));
	ASSERT_EQ(1, deliver(&self->vm, 0x4f));
	ASSERT_EQ(1, deliver(&self->vm, 0x35));
	EXPECT_EQ(ACK_EAGAIN, ack(self->v0));
	EXPECT_EQ(0x40u, eoi(self->v0));
	EXPECT_EQ(0x4fu, ack(self->v0));
	EXPECT_EQ(ACK_EAGAIN, ack(self->v0));
	EXPECT_EQ(0x4fu, eoi(self->v0));
	EXPECT_EQ(0x35u, ack(self->v0));
	EXPECT_EQ(0x35u, eoi(self->v0));
	EXPECT_EQ(ACK_EAGAIN, ack(self->v0));
}

TEST_F(lapic, eoi_retires_highest_isr_first)
{
	static const uint32_t isr[] = { 0x30, 0x80, 0x55, 0xff };

	ASSERT_EQ(0, set_isr(self->v0, isr, 4));
	EXPECT_EQ(0xffu, eoi(self->v0));
	EXPECT_EQ(0x80u, eoi(self->v0));
	EXPECT_EQ(0x55u, eoi(self->v0));
	EXPECT_EQ(0x30u, eoi(self->v0));
	EXPECT_EQ(0u, eoi(self->v0));
}

TEST_F(lapic, eoi_with_empty_isr_returns_0)
{
	uint32_t vec = 0xdead, flags = 0xdead;

	EXPECT_EQ(0, vcpu_eoi(self->v0, &vec, &flags));
	EXPECT_EQ(0u, vec);
}

TEST_F(lapic, eoi_reports_level_from_tmr)
{
	struct kvm_lapic_state s;
	uint32_t vec = 0, flags = 0;

	ASSERT_EQ(0, lapic_get(self->v0, &s));
	apic_vec_set(&s, APIC_ISR, 0x77, true);
	apic_vec_set(&s, APIC_TMR, 0x77, true);
	apic_vec_set(&s, APIC_ISR, 0x66, true);
	ASSERT_EQ(0, lapic_set(self->v0, &s));
	ASSERT_EQ(0, vcpu_eoi(self->v0, &vec, &flags));
	EXPECT_EQ(0x77u, vec);
	EXPECT_EQ(KVM_IRQCHIP_ACK_LEVEL, flags);
	ASSERT_EQ(0, vcpu_eoi(self->v0, &vec, &flags));
	EXPECT_EQ(0x66u, vec);
	EXPECT_EQ(0u, flags);
}

TEST_F(lapic, ack_sw_disabled_is_eagain)
{
	struct kvm_lapic_state s;

	ASSERT_EQ(0, lapic_get(self->v0, &s));
	apic_put(&s, APIC_SVR, SVR_OFF);
	apic_vec_set(&s, APIC_IRR, 0x80, true);
	ASSERT_EQ(0, lapic_set(self->v0, &s));
	EXPECT_EQ(ACK_EAGAIN, ack(self->v0));
	ASSERT_EQ(0, lapic_set_reg(self->v0, APIC_SVR, SVR_ON));
	EXPECT_EQ(0x80u, ack(self->v0));
}

TEST_F(lapic, irr_set_by_set_lapic_is_deliverable)
{
	struct kvm_lapic_state s;
	uint32_t vec = 0, flags = 0;

	ASSERT_EQ(0, lapic_get(self->v0, &s));
	apic_vec_set(&s, APIC_IRR, 0xc3, true);
	apic_vec_set(&s, APIC_TMR, 0xc3, true);
	ASSERT_EQ(0, lapic_set(self->v0, &s));
	ASSERT_EQ(0, vcpu_ack(self->v0, &vec, &flags));
	EXPECT_EQ(0xc3u, vec);
	EXPECT_EQ(KVM_IRQCHIP_ACK_LEVEL, flags);
}

TEST_F(lapic, poll_not_readable_when_idle)
{
	EXPECT_EQ(0, readable(self->v0));
	EXPECT_EQ(0, readable(self->vm.vcpu[1]));
}

TEST_F(lapic, poll_readable_when_deliverable)
{
	ASSERT_EQ(1, deliver(&self->vm, 0x45));
	EXPECT_EQ(1, readable(self->v0));
	EXPECT_EQ(0, readable(self->vm.vcpu[1]));
	ASSERT_EQ(0x45u, ack(self->v0));
	EXPECT_EQ(0, readable(self->v0));
}

TEST_F(lapic, poll_not_readable_when_masked)
{
	ASSERT_EQ(0, lapic_set_reg(self->v0, APIC_TPR, 0x60));
	ASSERT_EQ(1, deliver(&self->vm, 0x45));
	EXPECT_EQ(0, readable(self->v0));
	ASSERT_EQ(0, lapic_set_reg(self->v0, APIC_TPR, 0x00));
	EXPECT_EQ(1, readable(self->v0));
}

TEST_F(lapic, poll_readable_when_events_latched)
{
	struct kvm_irqchip_vcpu_events ev;

	ASSERT_EQ(1, signal_msi(self->vm.fd, msi_addr(1, false, false), 0,
				msi_data(0, DM_NMI, false)));
	EXPECT_EQ(1, readable(self->vm.vcpu[1]));
	ASSERT_EQ(0, vcpu_events(self->vm.vcpu[1], &ev));
	EXPECT_EQ(1u, ev.nmi);
	EXPECT_EQ(0, readable(self->vm.vcpu[1]));
}

struct poller {
	int fd;
	int ret;
	short revents;
	uint64_t ms;
};

static void *poll_thread(void *arg)
{
	struct poller *p = arg;
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
	uint64_t t0 = now_ms();

	p->ret = poll(&pfd, 1, 5000);
	p->revents = pfd.revents;
	p->ms = now_ms() - t0;
	return NULL;
}

TEST_F(lapic, poll_wakes_on_delivery)
{
	struct poller p = { .fd = self->v0 };
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, poll_thread, &p));
	sleep_ms(200);
	ASSERT_EQ(1, deliver(&self->vm, 0x45));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(1, p.ret);
	EXPECT_TRUE(p.revents & POLLIN);
	EXPECT_GT(4000ull, p.ms);
}

TEST_F(lapic, apic_base_reserved_nonzero_is_einval)
{
	for (int i = 0; i < 7; i++) {
		struct kvm_irqchip_x86_vcpu_state st = {
			.apic_base = APIC_BASE_ADDR | APIC_BASE_ENABLE,
		};

		st.reserved[i] = 1;
		EXPECT_EQ(-EINVAL, xioctl(self->vm.vcpu[1], KVM_IRQCHIP_X86_SET_VCPU_STATE,
					  &st)) TH_LOG("reserved[%d]", i);
	}
}

TEST_F(lapic, apic_base_unknown_bits_are_einval)
{
	static const uint64_t bits[] = { 1ull << 0, 1ull << 7, 1ull << 9, 1ull << 63 };
	uint64_t base = 0;

	for (unsigned int i = 0; i < ARRAY_SIZE(bits); i++) {
		EXPECT_EQ(-EINVAL, set_apic_base(&self->vm, 1, APIC_BASE_ADDR |
						 APIC_BASE_ENABLE | bits[i]))
			TH_LOG("bit %#llx", (unsigned long long)bits[i]);
	}
	ASSERT_EQ(0, get_apic_base(&self->vm, 1, &base));
	EXPECT_EQ(APIC_BASE_ADDR | APIC_BASE_ENABLE, base);
}

TEST_F(lapic, apic_base_other_address_is_einval)
{
	EXPECT_EQ(-EINVAL, set_apic_base(&self->vm, 1, 0xfec00000ull | APIC_BASE_ENABLE));
	EXPECT_EQ(-EINVAL, set_apic_base(&self->vm, 1, 0x1fee00000ull | APIC_BASE_ENABLE));
	EXPECT_EQ(-EINVAL, set_apic_base(&self->vm, 1, APIC_BASE_ENABLE));
}

TEST_F(lapic, apic_base_x2apic_without_enable_is_einval)
{
	EXPECT_EQ(-EINVAL, set_apic_base(&self->vm, 1, APIC_BASE_ADDR | APIC_BASE_X2APIC));
}

/* The SDM's transitions (11.12.5) are a strict instance's. */
TEST_F(lapic, strict_apic_base_disabled_to_x2apic_is_einval)
{
	uint64_t base = 0;

	ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_IRQCHIP_CAP_X86_STRICT, 1, 0));
	ASSERT_EQ(0, set_apic_base(&self->vm, 1, APIC_BASE_ADDR));
	EXPECT_EQ(-EINVAL, set_apic_base(&self->vm, 1, APIC_BASE_ADDR | APIC_BASE_ENABLE |
					 APIC_BASE_X2APIC));
	ASSERT_EQ(0, get_apic_base(&self->vm, 1, &base));
	EXPECT_EQ(APIC_BASE_ADDR, base);
}

/*
 * KVM's host-initiated APIC base write (kvm_set_apic_base() with
 * host_initiated) takes disabled to x2APIC directly; kvm_lapic_set_base()
 * then sets the xAPIC ID and the x2APIC ID (and LDR) to the vCPU index.
 */
TEST_F(lapic, apic_base_disabled_to_x2apic_sets_x2apic_id)
{
	uint64_t x2 = APIC_BASE_ADDR | APIC_BASE_ENABLE | APIC_BASE_X2APIC, base = 0;

	ASSERT_EQ(0, lapic_config(self->vm.vcpu[1], 0x33, 0x40, DFR_FLAT, SVR_ON, 0));
	ASSERT_EQ(0, set_apic_base(&self->vm, 1, APIC_BASE_ADDR));
	EXPECT_EQ(0, set_apic_base(&self->vm, 1, x2));
	ASSERT_EQ(0, get_apic_base(&self->vm, 1, &base));
	EXPECT_EQ(x2, base);
	/* KVM_GET_LAPIC's x2APIC ID in bits 31:24 (kvm_apic_state_fixup()) */
	EXPECT_EQ(1u << 24, get_reg(self->vm.vcpu[1], APIC_ID));
	EXPECT_EQ(1u << 1, get_reg(self->vm.vcpu[1], APIC_LDR));
}

/*
 * x2APIC straight to xAPIC: refused by the SDM (x86_strict_test), allowed
 * for KVM's host-initiated write; kvm_lapic_set_base() touches no register
 * when x2APIC mode is left, so the x2APIC ID (1) and LDR stay as they were.
 */
TEST_F(lapic, apic_base_x2apic_to_xapic_keeps_registers)
{
	uint64_t x2 = APIC_BASE_ADDR | APIC_BASE_ENABLE | APIC_BASE_X2APIC, base = 0;

	ASSERT_EQ(0, set_apic_base(&self->vm, 1, x2));
	EXPECT_EQ(0, set_apic_base(&self->vm, 1, APIC_BASE_ADDR | APIC_BASE_ENABLE));
	ASSERT_EQ(0, get_apic_base(&self->vm, 1, &base));
	EXPECT_EQ(APIC_BASE_ADDR | APIC_BASE_ENABLE, base);
	EXPECT_EQ(1u, get_reg(self->vm.vcpu[1], APIC_ID));
	EXPECT_EQ(1u << 1, get_reg(self->vm.vcpu[1], APIC_LDR));
}

/*
 * vCPU 1 (ID 0x33, LDR 0x40, cluster model) enters x2APIC mode, leaves it
 * through disabled and is enabled again.  KVM changes no register on the
 * way out, and enabling sets only the xAPIC ID (kvm_lapic_set_base() calls
 * kvm_apic_set_xapic_id()): LDR keeps the x2APIC one, DFR its value.  The
 * SDM (a strict instance) resets ID, LDR and DFR on leaving x2APIC mode.
 */
static void leave_x2apic(struct __test_metadata *_metadata, struct vm *vm, bool strict)
{
	struct kvm_lapic_state s;

	if (strict)
		ASSERT_EQ(0, enable_cap(vm->fd, KVM_IRQCHIP_CAP_X86_STRICT, 1, 0));
	ASSERT_EQ(0, lapic_config(vm->vcpu[1], 0x33, 0x40, DFR_CLUSTER, SVR_ON, 0));
	ASSERT_EQ(0, set_apic_base(vm, 1, APIC_BASE_ADDR | APIC_BASE_ENABLE |
				   APIC_BASE_X2APIC));
	ASSERT_EQ(0, set_apic_base(vm, 1, APIC_BASE_ADDR));
	ASSERT_EQ(0, set_apic_base(vm, 1, APIC_BASE_ADDR | APIC_BASE_ENABLE));
	ASSERT_EQ(0, lapic_get(vm->vcpu[1], &s));
	EXPECT_EQ(1u << 24, apic_get(&s, APIC_ID));
	EXPECT_EQ(strict ? 0u : 1u << 1, apic_get(&s, APIC_LDR));
	EXPECT_EQ(strict ? DFR_FLAT : DFR_CLUSTER, apic_get(&s, APIC_DFR));
	EXPECT_EQ(SVR_ON, apic_get(&s, APIC_SVR));
}

TEST_F(lapic, leaving_x2apic_keeps_ldr_dfr)
{
	leave_x2apic(_metadata, &self->vm, false);
}

TEST_F(lapic, strict_leaving_x2apic_resets_id_ldr_dfr)
{
	leave_x2apic(_metadata, &self->vm, true);
}

/*
 * Enabling the APIC again: kvm_lapic_set_base() sets the xAPIC ID to the
 * vCPU index (the SDM keeps 0x42: x86_strict_test); LDR and DFR are kept.
 */
TEST_F(lapic, apic_reenable_sets_xapic_id_keeps_ldr_dfr)
{
	struct kvm_lapic_state s;

	ASSERT_EQ(0, lapic_config(self->vm.vcpu[1], 0x42, 0x10, DFR_CLUSTER, SVR_ON, 0));
	ASSERT_EQ(0, set_apic_base(&self->vm, 1, APIC_BASE_ADDR));
	ASSERT_EQ(0, set_apic_base(&self->vm, 1, APIC_BASE_ADDR | APIC_BASE_ENABLE));
	ASSERT_EQ(0, lapic_get(self->vm.vcpu[1], &s));
	EXPECT_EQ(1u << 24, apic_get(&s, APIC_ID));
	EXPECT_EQ(0x10u << 24, apic_get(&s, APIC_LDR));
	EXPECT_EQ(DFR_CLUSTER, apic_get(&s, APIC_DFR));
}

TEST_F(lapic, apic_hw_disable_keeps_irr_and_stops_ack)
{
	ASSERT_EQ(1, deliver(&self->vm, 0x45));
	ASSERT_EQ(0, set_apic_base(&self->vm, 0, APIC_BASE_ADDR | APIC_BASE_BSP));
	EXPECT_EQ(ACK_EAGAIN, ack(self->v0));
	EXPECT_EQ(0, readable(self->v0));
	EXPECT_EQ(1, irr_has(self->v0, 0x45));
	ASSERT_EQ(0, set_apic_base(&self->vm, 0, APIC_BASE_ADDR | APIC_BASE_ENABLE |
				   APIC_BASE_BSP));
	EXPECT_EQ(1, readable(self->v0));
	EXPECT_EQ(0x45u, ack(self->v0));
}

TEST_F(lapic, apic_base_round_trip)
{
	static const uint64_t vals[] = {
		APIC_BASE_ADDR,
		APIC_BASE_ADDR | APIC_BASE_ENABLE,
		APIC_BASE_ADDR | APIC_BASE_ENABLE | APIC_BASE_BSP,
		APIC_BASE_ADDR | APIC_BASE_ENABLE | APIC_BASE_X2APIC,
	};
	uint64_t base;

	for (unsigned int i = 0; i < ARRAY_SIZE(vals); i++) {
		base = 0;
		EXPECT_EQ(0, set_apic_base(&self->vm, 1, vals[i]));
		EXPECT_EQ(0, get_apic_base(&self->vm, 1, &base));
		EXPECT_EQ(vals[i], base);
	}
}

TEST_F(lapic, apic_base_get_reserved_is_zero)
{
	struct kvm_irqchip_x86_vcpu_state st;

	memset(&st, 0xa5, sizeof(st));
	ASSERT_EQ(0, xioctl(self->v0, KVM_IRQCHIP_X86_GET_VCPU_STATE, &st));
	for (int i = 0; i < 7; i++)
		EXPECT_EQ(0ull, st.reserved[i]);
}

static bool modelled(unsigned int off)
{
	switch (off) {
	case APIC_ID: case APIC_LVR: case APIC_TPR: case APIC_PPR:
	case APIC_LDR: case APIC_DFR: case APIC_SVR:
		return true;
	}
	return off >= APIC_ISR && off < APIC_IRR + 0x80;
}

TEST_F(lapic, unmodelled_registers_round_trip)
{
	struct kvm_lapic_state s, back;

	ASSERT_EQ(0, lapic_get(self->v0, &s));
	for (unsigned int off = 0; off < sizeof(s.regs); off += 0x10)
		if (!modelled(off))
			apic_put(&s, off, 0x5a000000u | off << 8 | 0x3c);
	ASSERT_EQ(0, lapic_set(self->v0, &s));
	ASSERT_EQ(0, lapic_get(self->v0, &back));
	for (unsigned int off = 0; off < sizeof(s.regs); off += 0x10) {
		if (modelled(off))
			continue;
		EXPECT_EQ(0x5a000000u | off << 8 | 0x3c, apic_get(&back, off))
			TH_LOG("offset %#x", off);
	}
}

TEST_F(lapic, modelled_registers_round_trip)
{
	struct kvm_lapic_state s, back;

	ASSERT_EQ(0, lapic_get(self->v0, &s));
	apic_put(&s, APIC_ID, 0x07000000);
	apic_put(&s, APIC_TPR, 0x20);
	apic_put(&s, APIC_LDR, 0x10000000);
	apic_put(&s, APIC_DFR, DFR_CLUSTER);
	apic_put(&s, APIC_SVR, 0x1ef);
	apic_vec_set(&s, APIC_IRR, 0x31, true);
	apic_vec_set(&s, APIC_IRR, 0xfe, true);
	apic_vec_set(&s, APIC_ISR, 0x29, true);
	apic_vec_set(&s, APIC_TMR, 0x31, true);
	ASSERT_EQ(0, lapic_set(self->v0, &s));
	ASSERT_EQ(0, lapic_get(self->v0, &back));
	EXPECT_EQ(0x07000000u, apic_get(&back, APIC_ID));
	EXPECT_EQ(0x20u, apic_get(&back, APIC_TPR));
	EXPECT_EQ(0x20u, apic_get(&back, APIC_PPR));
	EXPECT_EQ(0x10000000u, apic_get(&back, APIC_LDR));
	EXPECT_EQ(DFR_CLUSTER, apic_get(&back, APIC_DFR));
	EXPECT_EQ(0x1efu, apic_get(&back, APIC_SVR));
	for (int i = 0; i < 8; i++) {
		EXPECT_EQ(apic_get(&s, APIC_IRR + i * 0x10), apic_get(&back, APIC_IRR + i * 0x10));
		EXPECT_EQ(apic_get(&s, APIC_ISR + i * 0x10), apic_get(&back, APIC_ISR + i * 0x10));
		EXPECT_EQ(apic_get(&s, APIC_TMR + i * 0x10), apic_get(&back, APIC_TMR + i * 0x10));
	}
}

TEST_F(lapic, version_register_is_read_only)
{
	ASSERT_EQ(0, lapic_set_reg(self->v0, APIC_LVR, 0x12345678));
	EXPECT_EQ(APIC_VERSION_VALUE, get_reg(self->v0, APIC_LVR));
}

/*
 * The x2APIC ID is the vCPU index, shown in bits 31:24 by KVM_GET_LAPIC
 * unless KVM_X2APIC_API_USE_32BIT_IDS (kvm_apic_state_fixup()); LDR is
 * derived from it and read-only.
 */
TEST_F(lapic, x2apic_mode_id_and_ldr_are_derived)
{
	struct kvm_lapic_state s;

	ASSERT_EQ(0, set_apic_base(&self->vm, 1, APIC_BASE_ADDR | APIC_BASE_ENABLE |
				   APIC_BASE_X2APIC));
	ASSERT_EQ(0, lapic_get(self->vm.vcpu[1], &s));
	EXPECT_EQ(1u << 24, apic_get(&s, APIC_ID));
	EXPECT_EQ(1u << 1, apic_get(&s, APIC_LDR));
	/* LDR is read-only in x2APIC mode */
	apic_put(&s, APIC_LDR, 0xdead0000);
	ASSERT_EQ(0, lapic_set(self->vm.vcpu[1], &s));
	EXPECT_EQ(1u << 1, get_reg(self->vm.vcpu[1], APIC_LDR));
	EXPECT_EQ(1u << 24, get_reg(self->vm.vcpu[1], APIC_ID));
	ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_CAP_X2APIC_API,
				KVM_X2APIC_API_USE_32BIT_IDS, 0));
	EXPECT_EQ(1u, get_reg(self->vm.vcpu[1], APIC_ID));
}

/*
 * KVM_SET_LAPIC in x2APIC mode, as kvm_apic_state_fixup(): without
 * USE_32BIT_IDS the ID comes from bits 31:24 and LDR is derived from it;
 * with USE_32BIT_IDS the ID must be the vCPU index (EINVAL, nothing
 * changed, otherwise).
 */
TEST_F(lapic, x2apic_set_lapic_id_as_kvm)
{
	struct kvm_lapic_state s;

	ASSERT_EQ(0, lapic_config(self->vm.vcpu[1], 1, 0, DFR_FLAT, SVR_ON, 0));
	ASSERT_EQ(0, set_apic_base(&self->vm, 1, APIC_BASE_ADDR | APIC_BASE_ENABLE |
				   APIC_BASE_X2APIC));
	ASSERT_EQ(0, lapic_get(self->vm.vcpu[1], &s));
	apic_put(&s, APIC_ID, 0x25u << 24);
	ASSERT_EQ(0, lapic_set(self->vm.vcpu[1], &s));
	ASSERT_EQ(0, lapic_get(self->vm.vcpu[1], &s));
	EXPECT_EQ(0x25u << 24, apic_get(&s, APIC_ID));
	EXPECT_EQ((0x25u >> 4) << 16 | 1u << 5, apic_get(&s, APIC_LDR));
	/*
	 * Physical messages do not follow it: KVM 6.1 matches an x2APIC by
	 * kvm_x2apic_id(), the vCPU index, whatever the register holds.
	 */
	EXPECT_EQ(0, signal_msi(self->vm.fd, msi_addr(0x25, false, false), 0,
				msi_data(0x50, DM_FIXED, false)));
	EXPECT_EQ(1, signal_msi(self->vm.fd, msi_addr(1, false, false), 0,
				msi_data(0x51, DM_FIXED, false)));
	EXPECT_EQ(0, irr_has(self->vm.vcpu[1], 0x50));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[1], 0x51));

	ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_CAP_X2APIC_API,
				KVM_X2APIC_API_USE_32BIT_IDS, 0));
	ASSERT_EQ(0, lapic_get(self->vm.vcpu[1], &s));
	EXPECT_EQ(0x25u, apic_get(&s, APIC_ID));
	apic_put(&s, APIC_TPR, 0x30);
	EXPECT_EQ(-EINVAL, lapic_set(self->vm.vcpu[1], &s));
	EXPECT_EQ(0u, get_reg(self->vm.vcpu[1], APIC_TPR));
	apic_put(&s, APIC_ID, 1);
	EXPECT_EQ(0, lapic_set(self->vm.vcpu[1], &s));
	ASSERT_EQ(0, lapic_get(self->vm.vcpu[1], &s));
	EXPECT_EQ(1u, apic_get(&s, APIC_ID));
	EXPECT_EQ(1u << 1, apic_get(&s, APIC_LDR));
	EXPECT_EQ(0x30u, apic_get(&s, APIC_TPR));
}

/* Any 32-bit x2APIC ID through KVM_SET_LAPIC: strict only. */
TEST_F(lapic, strict_x2apic_set_lapic_any_id_rederives_ldr)
{
	struct kvm_lapic_state s;

	ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_IRQCHIP_CAP_X86_STRICT, 1, 0));
	ASSERT_EQ(0, lapic_config(self->vm.vcpu[1], 1, 0, DFR_FLAT, SVR_ON, 0));
	ASSERT_EQ(0, set_apic_base(&self->vm, 1, APIC_BASE_ADDR | APIC_BASE_ENABLE |
				   APIC_BASE_X2APIC));
	ASSERT_EQ(0, lapic_get(self->vm.vcpu[1], &s));
	apic_put(&s, APIC_ID, 0x1234);
	ASSERT_EQ(0, lapic_set(self->vm.vcpu[1], &s));
	ASSERT_EQ(0, lapic_get(self->vm.vcpu[1], &s));
	EXPECT_EQ(0x1234u, apic_get(&s, APIC_ID));
	EXPECT_EQ((0x1234u >> 4) << 16 | 1u << 4, apic_get(&s, APIC_LDR));
	/* and messages follow the new ID */
	ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_CAP_X2APIC_API,
				KVM_X2APIC_API_USE_32BIT_IDS, 0));
	EXPECT_EQ(1, signal_msi(self->vm.fd, msi_addr(0x34, false, false), 0x1200,
				msi_data(0x51, DM_FIXED, false)));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[1], 0x51));
	EXPECT_EQ(0, signal_msi(self->vm.fd, msi_addr(1, false, false), 0,
				msi_data(0x52, DM_FIXED, false)));
}

TEST_F(lapic, irr_vectors_below_16_never_deliverable)
{
	struct kvm_lapic_state s;

	ASSERT_EQ(0, lapic_get(self->v0, &s));
	apic_vec_set(&s, APIC_IRR, 5, true);
	apic_vec_set(&s, APIC_IRR, 15, true);
	ASSERT_EQ(0, lapic_set(self->v0, &s));
	EXPECT_EQ(ACK_EAGAIN, ack(self->v0));
	EXPECT_EQ(0, readable(self->v0));
	EXPECT_EQ(1, irr_has(self->v0, 5));
}

TEST_F(lapic, ack_unwritable_arg_is_efault_and_changes_nothing)
{
	ASSERT_EQ(1, deliver(&self->vm, 0x45));
	/* reads as zeroes (valid reserved words), cannot be written */
	EXPECT_EQ(-EFAULT, xioctl(self->v0, KVM_IRQCHIP_VCPU_ACK, readonly_page()));
	EXPECT_EQ(1, irr_has(self->v0, 0x45));
	EXPECT_EQ(0u, get_reg(self->v0, APIC_PPR));
	EXPECT_EQ(0x45u, ack(self->v0));
	EXPECT_EQ(-EFAULT, xioctl(self->v0, KVM_IRQCHIP_VCPU_EOI, readonly_page()));
	EXPECT_EQ(0x45u, eoi(self->v0));
}

TEST_F(lapic, events_fault_consumes_nothing)
{
	struct kvm_irqchip_vcpu_events ev;

	ASSERT_EQ(1, signal_msi(self->vm.fd, msi_addr(0, false, false), 0,
				msi_data(0, DM_NMI, false)));
	EXPECT_EQ(-EFAULT, xioctl(self->v0, KVM_IRQCHIP_VCPU_GET_EVENTS, readonly_page()));
	ASSERT_EQ(0, vcpu_events(self->v0, &ev));
	EXPECT_EQ(1u, ev.nmi);
}

TEST_F(lapic, sipi_vector_survives_read)
{
	struct kvm_irqchip_vcpu_events ev;

	ASSERT_EQ(1, signal_msi(self->vm.fd, msi_addr(0, false, false), 0,
				msi_data(0x9c, DM_SIPI, false)));
	ASSERT_EQ(0, vcpu_events(self->v0, &ev));
	EXPECT_EQ(1u, ev.sipi);
	EXPECT_EQ(0x9cu, ev.sipi_vector);
	ASSERT_EQ(0, vcpu_events(self->v0, &ev));
	EXPECT_EQ(0u, ev.sipi);
	EXPECT_EQ(0x9cu, ev.sipi_vector);
}

TEST_F(lapic, poll_readable_after_eoi_unmasks)
{
	ASSERT_EQ(1, deliver(&self->vm, 0x50));
	ASSERT_EQ(0x50u, ack(self->v0));
	ASSERT_EQ(1, deliver(&self->vm, 0x45));
	EXPECT_EQ(0, readable(self->v0));
	ASSERT_EQ(0x50u, eoi(self->v0));
	EXPECT_EQ(1, readable(self->v0));
}

TEST_F(lapic, x2apic_mode_keeps_delivering)
{
	ASSERT_EQ(0, set_apic_base(&self->vm, 0, APIC_BASE_ADDR | APIC_BASE_ENABLE |
				   APIC_BASE_X2APIC | APIC_BASE_BSP));
	ASSERT_EQ(1, deliver(&self->vm, 0x45));
	EXPECT_EQ(0x45u, ack(self->v0));
	EXPECT_EQ(0x45u, eoi(self->v0));
}

TEST_HARNESS_MAIN
