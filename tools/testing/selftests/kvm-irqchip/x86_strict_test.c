// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_IRQCHIP_CAP_X86_STRICT: every behaviour it changes, both ways.
 *
 * By default the x86 model answers as KVM 6.1 does (the conformance suite
 * compares that case by case); with the capability it follows the SDM
 * where KVM has quirks of its own (api.rst section 6, "Strict x86").  Each
 * test runs the same steps on a default and on a strict instance and
 * asserts what each must show.
 */
#include "kic_x86_util.h"
#include "kselftest_harness.h"

#define NV	8

FIXTURE(strict) {
	struct vm vm;
};

FIXTURE_VARIANT(strict) {
	bool strict;
};

FIXTURE_VARIANT_ADD(strict, kvm_default) {
	.strict = false,
};

FIXTURE_VARIANT_ADD(strict, sdm_strict) {
	.strict = true,
};

FIXTURE_SETUP(strict)
{
	struct kvm_irqchip_create cr = {
		.model = KVM_IRQCHIP_MODEL_X86, .nr_vcpus = NV,
		.flags = KVM_IRQCHIP_CREATE_DEFAULT_ROUTING,
	};

	if (!kic_module_loaded())
		SKIP(return, "missing kic: kvm-irqchip not loaded");
	ASSERT_EQ(0, vm_init_create(&self->vm, &cr));
	ASSERT_EQ(1, check_ext(self->vm.fd, KVM_IRQCHIP_CAP_X86_STRICT));
	if (variant->strict)
		ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_IRQCHIP_CAP_X86_STRICT, 1, 0));
	ASSERT_EQ(0, vm_xapic_flat(&self->vm));
}

FIXTURE_TEARDOWN(strict)
{
	vm_fini(&self->vm);
}

static uint32_t id_reg(int vfd)
{
	struct kvm_lapic_state s;

	if (lapic_get(vfd, &s))
		return 0xdeadbeef;
	return apic_get(&s, APIC_ID);
}

TEST_F(strict, cap_takes_only_0_or_1)
{
	EXPECT_EQ(-EINVAL, enable_cap(self->vm.fd, KVM_IRQCHIP_CAP_X86_STRICT, 2, 0));
	EXPECT_EQ(-EINVAL, enable_cap(self->vm.fd, KVM_IRQCHIP_CAP_X86_STRICT, 1, 1));
}

/* SDM 11.8.1: vectors 0-15 are reserved; KVM takes them. */
TEST_F(strict, vector_0_15)
{
	long r = signal_msi(self->vm.fd, msi_addr(3, false, false), 0,
			    msi_data(7, DM_FIXED, false));

	EXPECT_EQ(variant->strict ? 0 : 1, r);
	EXPECT_EQ(variant->strict ? 0 : 1, irr_has(self->vm.vcpu[3], 7));
}

/*
 * An NMI to a logical destination holding a software-disabled LAPIC: KVM's
 * map leaves that LAPIC out; SDM 10.4.7.2 says it still takes NMIs.
 */
TEST_F(strict, nmi_to_software_disabled_logical)
{
	struct kvm_irqchip_vcpu_events ev;

	ASSERT_EQ(0, lapic_config(self->vm.vcpu[1], 1, 0x02, DFR_FLAT, SVR_OFF, 0));
	EXPECT_EQ(variant->strict ? 1 : 0,
		  signal_msi(self->vm.fd, msi_addr(0x02, true, false), 0,
			     msi_data(0, DM_NMI, false)));
	ASSERT_EQ(0, vcpu_events(self->vm.vcpu[1], &ev));
	EXPECT_EQ(variant->strict ? 1u : 0u, ev.nmi);
}

/* KVM_SIGNAL_MSI that KVM's matching path finds nobody for: -1 (EPERM). */
TEST_F(strict, no_eligible_vcpu)
{
	for (int i = 0; i < NV; i++)
		ASSERT_EQ(0, lapic_config(self->vm.vcpu[i], i, 1u << i, DFR_FLAT, SVR_OFF, 0));
	EXPECT_EQ(variant->strict ? 0 : -EPERM,
		  signal_msi(self->vm.fd, msi_addr(0xff, true, false), 0,
			     msi_data(0x40, DM_LOWEST, false)));
}

/*
 * A DFR neither flat nor cluster: KVM's matching path (mixed models) finds
 * nothing; the SDM reads DFR[31:28] (not 0xf: cluster).
 */
TEST_F(strict, dfr_neither_flat_nor_cluster)
{
	for (int i = 0; i < NV; i++)
		ASSERT_EQ(0, lapic_config(self->vm.vcpu[i], i,
					  i < 4 ? 1u << i : 0x10 | 1u << (i - 4),
					  i < 4 ? DFR_FLAT : 0x7fffffffu, SVR_ON, 0));
	/* flat vCPU 0 (logical ID 0x01) matches either way; vCPU 4 only strict */
	EXPECT_EQ(variant->strict ? 2 : 1,
		  signal_msi(self->vm.fd, msi_addr(0x11, true, false), 0,
			     msi_data(0x41, DM_FIXED, false)));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[0], 0x41));
	EXPECT_EQ(variant->strict ? 1 : 0, irr_has(self->vm.vcpu[4], 0x41));
}

/*
 * A lowest-priority physical broadcast with the redirection hint in NMI
 * mode: KVM makes it fixed (one vCPU gets the vector), the SDM keeps NMI.
 */
TEST_F(strict, physical_broadcast_hint_keeps_mode)
{
	struct kvm_irqchip_vcpu_events ev;
	uint32_t got = 0, nmis = 0;

	signal_msi(self->vm.fd, msi_addr(0xff, false, true), 0, msi_data(0x42, DM_NMI, false));
	for (int i = 0; i < NV; i++) {
		got += irr_has(self->vm.vcpu[i], 0x42);
		ASSERT_EQ(0, vcpu_events(self->vm.vcpu[i], &ev));
		nmis += ev.nmi;
	}
	EXPECT_EQ(variant->strict ? 0u : 1u, got);
	EXPECT_EQ(variant->strict ? 1u : 0u, nmis);
}

/* KVM_GET_LAPIC's x2APIC ID: KVM's bits 31:24 without USE_32BIT_IDS. */
TEST_F(strict, x2apic_id_layout)
{
	ASSERT_EQ(0, set_apic_base(&self->vm, 5, APIC_BASE_ADDR | APIC_BASE_ENABLE |
				   APIC_BASE_X2APIC));
	EXPECT_EQ(variant->strict ? 5u : 5u << 24, id_reg(self->vm.vcpu[5]));
	ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_CAP_X2APIC_API,
				KVM_X2APIC_API_USE_32BIT_IDS, 0));
	EXPECT_EQ(5u, id_reg(self->vm.vcpu[5]));
}

/* The VMM's own APIC base restore: KVM allows x2APIC straight to xAPIC. */
TEST_F(strict, x2apic_to_xapic)
{
	uint64_t base;

	ASSERT_EQ(0, set_apic_base(&self->vm, 2, APIC_BASE_ADDR | APIC_BASE_ENABLE |
				   APIC_BASE_X2APIC));
	EXPECT_EQ(variant->strict ? -EINVAL : 0,
		  set_apic_base(&self->vm, 2, APIC_BASE_ADDR | APIC_BASE_ENABLE));
	ASSERT_EQ(0, get_apic_base(&self->vm, 2, &base));
	EXPECT_EQ(variant->strict, !!(base & APIC_BASE_X2APIC));
	/* KVM leaves the x2APIC ID register as it was; the SDM resets it */
	if (!variant->strict)
		EXPECT_EQ(2u, id_reg(self->vm.vcpu[2]));
}

/* Enabling the APIC again: KVM sets the xAPIC ID to the vCPU index. */
TEST_F(strict, xapic_id_on_reenable)
{
	ASSERT_EQ(0, lapic_config(self->vm.vcpu[2], 0x22, 0x04, DFR_FLAT, SVR_ON, 0));
	ASSERT_EQ(0, set_apic_base(&self->vm, 2, APIC_BASE_ADDR));
	ASSERT_EQ(0, set_apic_base(&self->vm, 2, APIC_BASE_ADDR | APIC_BASE_ENABLE));
	EXPECT_EQ(variant->strict ? 0x22u << 24 : 2u << 24, id_reg(self->vm.vcpu[2]));
}

/* KVM ignores KVM_CAP_X2APIC_API's spare arguments. */
TEST_F(strict, x2apic_api_spare_args)
{
	EXPECT_EQ(variant->strict ? -EINVAL : 0,
		  enable_cap(self->vm.fd, KVM_CAP_X2APIC_API, 0, 1));
}

/* KVM takes a resampling irqfd on a GSI without a pin. */
TEST_F(strict, resample_without_pin_route)
{
	struct kvm_irq_routing_entry e = route_msi(40, msi_addr(1, false, false), 0,
						   msi_data(0x43, DM_FIXED, false));
	int efd = new_eventfd(), rfd = new_eventfd();

	ASSERT_LE(0, efd);
	ASSERT_LE(0, rfd);
	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	EXPECT_EQ(variant->strict ? -EINVAL : 0, resample_irqfd(self->vm.fd, efd, rfd, 40));
	if (!variant->strict) {
		/* the MSI is delivered, as KVM's resampling irqfd delivers it */
		ASSERT_EQ(0, efd_signal(efd));
		EXPECT_EQ(1, wait_irr(self->vm.vcpu[1], 0x43, 1000));
	}
	close(efd);
	close(rfd);
}

/*
 * RTC EOI tracking rebuilt by KVM_SET_IRQCHIP: KVM counts only vCPUs the
 * RTC entry addresses, strict counts every LAPIC holding the vector.
 */
TEST_F(strict, rtc_tracking_outside_destination)
{
	struct kvm_irq_routing_entry e = route_pin(30, KVM_IRQCHIP_IOAPIC, 8);
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	struct kvm_lapic_state s;
	int32_t st = -7;

	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	ASSERT_EQ(0, irqchip_get(self->vm.fd, KVM_IRQCHIP_IOAPIC, &chip));
	chip.chip.ioapic.redirtbl[8].bits = 0x44;	/* edge, fixed, physical 0 */
	ASSERT_EQ(0, lapic_get(self->vm.vcpu[5], &s));
	apic_vec_set(&s, APIC_IRR, 0x44, true);
	ASSERT_EQ(0, lapic_set(self->vm.vcpu[5], &s));
	ASSERT_EQ(0, irqchip_set(self->vm.fd, &chip));
	ASSERT_EQ(0, irq_line_status(self->vm.fd, 30, 1, &st));
	EXPECT_EQ(variant->strict ? 0 : 1, st);
}

/* Not strict-dependent: vCPU 0's LVT0 resets to ExtINT, as KVM's quirk. */
TEST_F(strict, lvt0_at_reset_is_kvms)
{
	struct vm fresh;
	struct kvm_lapic_state s;

	ASSERT_EQ(0, vm_init_kic(&fresh, 2));
	ASSERT_EQ(0, lapic_get(fresh.vcpu[0], &s));
	EXPECT_EQ(0x700u, apic_get(&s, 0x350));
	ASSERT_EQ(0, lapic_get(fresh.vcpu[1], &s));
	EXPECT_EQ(0x10000u, apic_get(&s, 0x350));
	vm_fini(&fresh);
}

TEST_HARNESS_MAIN
