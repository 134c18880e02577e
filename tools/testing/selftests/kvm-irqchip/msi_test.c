// SPDX-License-Identifier: GPL-2.0
/*
 * The x86 MSI decode, through KVM_SIGNAL_MSI and what the vCPUs then hold:
 * destination modes, broadcast, lowest priority (vector hashing), RH,
 * illegal vectors, NMI/SMI/INIT/SIPI, trigger mode, disabled LAPICs,
 * x2APIC mode, 32-bit x2APIC IDs and the extended destination ID.
 *
 * By default each answer is KVM 6.1's (its APIC map, then its matching
 * path); the tests named strict_ enable KVM_IRQCHIP_CAP_X86_STRICT and
 * check the SDM's answer where it differs (api.rst 6.3).
 */
#include "kic_x86_util.h"
#include "kselftest_harness.h"

#define NR_VCPUS 8

static long send(int fd, uint32_t dest, bool logical, bool rh, uint32_t vec,
		 uint32_t dm, bool level)
{
	return signal_msi(fd, msi_addr(dest, logical, rh), 0, msi_data(vec, dm, level));
}

/* 8 enabled xAPIC vCPUs: ID i, flat LDR 1 << i. */
FIXTURE(msi) {
	struct vm vm;
};

FIXTURE_SETUP(msi)
{
	ASSERT_EQ(0, vm_init_kic(&self->vm, NR_VCPUS));
	ASSERT_EQ(0, vm_xapic_flat(&self->vm));
}

FIXTURE_TEARDOWN(msi)
{
	vm_fini(&self->vm);
}

static void use_cluster_mode(struct __test_metadata *_metadata, struct vm *vm)
{
	/* vCPU i: cluster i / 4 + 1, member bit i % 4 */
	for (unsigned int i = 0; i < vm->nr; i++) {
		uint32_t ldr = ((i / 4 + 1) << 4) | (1u << (i % 4));

		ASSERT_EQ(0, lapic_config(vm->vcpu[i], i, ldr, DFR_CLUSTER, SVR_ON, 0));
	}
}

static uint32_t nth_bit(uint32_t mask, unsigned int n)
{
	for (unsigned int i = 0; i < 32; i++)
		if (mask & (1u << i) && !n--)
			return 1u << i;
	return 0;
}

TEST_F(msi, msi_physical_reaches_one_vcpu)
{
	EXPECT_EQ(1, send(self->vm.fd, 5, false, false, 0x45, DM_FIXED, false));
	EXPECT_EQ(1u << 5, irr_mask(&self->vm, 0x45));
	EXPECT_EQ(1, irr_count(self->vm.vcpu[5]));
	EXPECT_EQ(0, tmr_has(self->vm.vcpu[5], 0x45));
}

TEST_F(msi, msi_physical_follows_id_register)
{
	/* vCPU 2 takes ID 0x42: dest 2 now misses, dest 0x42 hits it */
	ASSERT_EQ(0, lapic_config(self->vm.vcpu[2], 0x42, 1u << 2, DFR_FLAT, SVR_ON, 0));
	EXPECT_EQ(0, send(self->vm.fd, 2, false, false, 0x45, DM_FIXED, false));
	EXPECT_EQ(1, send(self->vm.fd, 0x42, false, false, 0x46, DM_FIXED, false));
	EXPECT_EQ(0u, irr_mask(&self->vm, 0x45));
	EXPECT_EQ(1u << 2, irr_mask(&self->vm, 0x46));
}

TEST_F(msi, msi_physical_unknown_dest_reaches_nobody)
{
	struct kvm_irqchip_counters c;

	EXPECT_EQ(0, send(self->vm.fd, 0x40, false, false, 0x45, DM_FIXED, false));
	EXPECT_EQ(0u, irr_mask(&self->vm, 0x45));
	ASSERT_EQ(0, get_counters(self->vm.fd, &c));
	EXPECT_EQ(1ull, c.no_target);
	EXPECT_EQ(0ull, c.delivered);
}

TEST_F(msi, msi_physical_broadcast_reaches_all)
{
	EXPECT_EQ(NR_VCPUS, send(self->vm.fd, 0xff, false, false, 0x46, DM_FIXED, false));
	EXPECT_EQ(0xffu, irr_mask(&self->vm, 0x46));
}

TEST_F(msi, msi_logical_flat_matches_ldr_bits)
{
	EXPECT_EQ(3, send(self->vm.fd, 0x25 /* 0, 2, 5 */, true, false, 0x47,
			  DM_FIXED, false));
	EXPECT_EQ(0x25u, irr_mask(&self->vm, 0x47));
	EXPECT_EQ(0, send(self->vm.fd, 0x00, true, false, 0x48, DM_FIXED, false));
	EXPECT_EQ(0u, irr_mask(&self->vm, 0x48));
}

/* vCPU 1 with flat LDR 0x30; vCPUs 4 and 5 with LDR 0 */
static void two_bit_ldr(struct __test_metadata *_metadata, struct vm *vm)
{
	ASSERT_EQ(0, lapic_config(vm->vcpu[1], 1, 0x30, DFR_FLAT, SVR_ON, 0));
	ASSERT_EQ(0, lapic_config(vm->vcpu[4], 4, 0, DFR_FLAT, SVR_ON, 0));
	ASSERT_EQ(0, lapic_config(vm->vcpu[5], 5, 0, DFR_FLAT, SVR_ON, 0));
}

/*
 * KVM's flat map (kvm_recalculate_apic_map()) holds a LAPIC only in the
 * slot of the lowest set bit of its logical ID: vCPU 1 (0x30) answers to
 * 0x10, and 0x20 finds an empty slot (0, as KVM).  Once the xAPICs mix the
 * flat and cluster models KVM has no logical map, and its matching path
 * (kvm_apic_match_logical_addr()) matches any common bit.
 */
TEST_F(msi, msi_logical_flat_map_holds_lowest_ldr_bit_only)
{
	two_bit_ldr(_metadata, &self->vm);
	EXPECT_EQ(1, send(self->vm.fd, 0x10, true, false, 0x47, DM_FIXED, false));
	EXPECT_EQ(0, send(self->vm.fd, 0x20, true, false, 0x48, DM_FIXED, false));
	EXPECT_EQ(1u << 1, irr_mask(&self->vm, 0x47));
	EXPECT_EQ(0u, irr_mask(&self->vm, 0x48));
	/* vCPU 7 in the cluster model (cluster 1): no logical map */
	ASSERT_EQ(0, lapic_config(self->vm.vcpu[7], 7, 0x11, DFR_CLUSTER, SVR_ON, 0));
	EXPECT_EQ(1, send(self->vm.fd, 0x20, true, false, 0x49, DM_FIXED, false));
	EXPECT_EQ(1u << 1, irr_mask(&self->vm, 0x49));
}

/* SDM 10.6.2.2: any common bit of the flat logical ID matches. */
TEST_F(msi, strict_msi_logical_flat_any_common_bit_matches)
{
	ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_IRQCHIP_CAP_X86_STRICT, 1, 0));
	two_bit_ldr(_metadata, &self->vm);
	EXPECT_EQ(1, send(self->vm.fd, 0x10, true, false, 0x47, DM_FIXED, false));
	EXPECT_EQ(1, send(self->vm.fd, 0x20, true, false, 0x48, DM_FIXED, false));
	EXPECT_EQ(1u << 1, irr_mask(&self->vm, 0x47));
	EXPECT_EQ(1u << 1, irr_mask(&self->vm, 0x48));
}

TEST_F(msi, msi_logical_cluster_matches_cluster_and_bits)
{
	use_cluster_mode(_metadata, &self->vm);
	EXPECT_EQ(2, send(self->vm.fd, 0x13, true, false, 0x50, DM_FIXED, false));
	EXPECT_EQ(0x03u, irr_mask(&self->vm, 0x50));
	EXPECT_EQ(4, send(self->vm.fd, 0x2f, true, false, 0x51, DM_FIXED, false));
	EXPECT_EQ(0xf0u, irr_mask(&self->vm, 0x51));
	EXPECT_EQ(1, send(self->vm.fd, 0x28, true, false, 0x52, DM_FIXED, false));
	EXPECT_EQ(0x80u, irr_mask(&self->vm, 0x52));
}

TEST_F(msi, msi_logical_cluster_other_cluster_misses)
{
	use_cluster_mode(_metadata, &self->vm);
	EXPECT_EQ(0, send(self->vm.fd, 0x3f, true, false, 0x53, DM_FIXED, false));
	EXPECT_EQ(0, send(self->vm.fd, 0x0f, true, false, 0x54, DM_FIXED, false));
	EXPECT_EQ(0u, irr_mask(&self->vm, 0x53));
	EXPECT_EQ(0u, irr_mask(&self->vm, 0x54));
}

TEST_F(msi, msi_logical_broadcast_reaches_all)
{
	EXPECT_EQ(NR_VCPUS, send(self->vm.fd, 0xff, true, false, 0x55, DM_FIXED, false));
	EXPECT_EQ(0xffu, irr_mask(&self->vm, 0x55));
	use_cluster_mode(_metadata, &self->vm);
	EXPECT_EQ(NR_VCPUS, send(self->vm.fd, 0xff, true, false, 0x56, DM_FIXED, false));
	EXPECT_EQ(0xffu, irr_mask(&self->vm, 0x56));
}

TEST_F(msi, msi_lowest_priority_hashes_vector_to_one_vcpu)
{
	static const uint32_t dests[] = { 0x0f, 0xa5, 0x81, 0x40 };

	for (unsigned int d = 0; d < ARRAY_SIZE(dests); d++) {
		unsigned int n = __builtin_popcount(dests[d]);

		for (uint32_t v = 0x40; v < 0x48; v++) {
			EXPECT_EQ(1, send(self->vm.fd, dests[d], true, false, v,
					  DM_LOWEST, false)) TH_LOG("dest %#x", dests[d]);
			EXPECT_EQ(nth_bit(dests[d], v % n), irr_mask(&self->vm, v))
				TH_LOG("dest %#x vector %#x", dests[d], v);
		}
		ASSERT_EQ(0, vm_clear_vectors(&self->vm));
	}
}

TEST_F(msi, msi_lowest_priority_cluster_hashes_within_cluster)
{
	use_cluster_mode(_metadata, &self->vm);
	for (uint32_t v = 0x60; v < 0x68; v++) {
		/* cluster 2 members 1, 2, 3 are vCPUs 5, 6, 7 */
		EXPECT_EQ(1, send(self->vm.fd, 0x2e, true, false, v, DM_LOWEST, false));
		EXPECT_EQ(1u << (5 + v % 3), irr_mask(&self->vm, v)) TH_LOG("vector %#x", v);
	}
}

TEST_F(msi, msi_lowest_priority_physical_broadcast_is_fixed_to_all)
{
	EXPECT_EQ(NR_VCPUS, send(self->vm.fd, 0xff, false, false, 0x57, DM_LOWEST, false));
	EXPECT_EQ(0xffu, irr_mask(&self->vm, 0x57));
}

TEST_F(msi, msi_lowest_priority_physical_reaches_its_dest)
{
	EXPECT_EQ(1, send(self->vm.fd, 6, false, false, 0x58, DM_LOWEST, false));
	EXPECT_EQ(1u << 6, irr_mask(&self->vm, 0x58));
}

TEST_F(msi, msi_physical_broadcast_with_rh_selects_one_vcpu)
{
	/* candidates of a broadcast: software-enabled vCPUs only (3 is not) */
	static const unsigned int cand[] = { 0, 1, 2, 4, 5, 6, 7 };

	ASSERT_EQ(0, lapic_config(self->vm.vcpu[3], 3, 1u << 3, DFR_FLAT, SVR_OFF, 0));
	for (uint32_t v = 0x80; v < 0x88; v++) {
		EXPECT_EQ(1, send(self->vm.fd, 0xff, false, true, v, DM_FIXED, false));
		EXPECT_EQ(1u << cand[v % 7], irr_mask(&self->vm, v)) TH_LOG("vector %#x", v);
	}
}

TEST_F(msi, msi_lowest_priority_broadcast_skips_sw_disabled)
{
	static const unsigned int cand[] = { 0, 1, 3, 4, 5, 6, 7 };

	ASSERT_EQ(0, lapic_config(self->vm.vcpu[2], 2, 1u << 2, DFR_FLAT, SVR_OFF, 0));
	for (uint32_t v = 0x90; v < 0x98; v++) {
		EXPECT_EQ(1, send(self->vm.fd, 0xff, true, false, v, DM_LOWEST, false));
		EXPECT_EQ(1u << cand[v % 7], irr_mask(&self->vm, v)) TH_LOG("vector %#x", v);
	}
}

/*
 * KVM's logical map holds software-enabled LAPICs only, so vector hashing
 * over destination 0x0f lands on empty slot 1 when vector mod 4 is 1:
 * KVM drops it there ("Disabled LAPIC found"); kvm-irqchip gives it to the
 * (vector mod 3)-th of the three LAPICs the map holds (api.rst 6.2, (b)).
 */
TEST_F(msi, msi_lowest_priority_hashing_skips_sw_disabled_slot)
{
	static const unsigned int held[] = { 0, 2, 3 };

	ASSERT_EQ(0, lapic_config(self->vm.vcpu[1], 1, 1u << 1, DFR_FLAT, SVR_OFF, 0));
	for (uint32_t v = 0x40; v < 0x48; v++) {
		uint32_t want = v % 4 == 1 ? 1u << held[v % 3] : 1u << (v % 4);

		EXPECT_EQ(1, send(self->vm.fd, 0x0f, true, false, v, DM_LOWEST, false))
			TH_LOG("vector %#x", v);
		EXPECT_EQ(want, irr_mask(&self->vm, v)) TH_LOG("vector %#x", v);
	}
}

TEST_F(msi, strict_msi_lowest_priority_sw_disabled_candidate_refuses)
{
	/* not a broadcast: vCPU 1 stays a candidate, and refuses when chosen */
	ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_IRQCHIP_CAP_X86_STRICT, 1, 0));
	ASSERT_EQ(0, lapic_config(self->vm.vcpu[1], 1, 1u << 1, DFR_FLAT, SVR_OFF, 0));
	for (uint32_t v = 0x40; v < 0x48; v++) {
		EXPECT_EQ(v % 4 == 1 ? 0 : 1, send(self->vm.fd, 0x0f, true, false, v,
						   DM_LOWEST, false)) TH_LOG("vector %#x", v);
		EXPECT_EQ(v % 4 == 1 ? 0u : 1u << (v % 4), irr_mask(&self->vm, v))
			TH_LOG("vector %#x", v);
	}
}

/*
 * KVM arbitrates a logical broadcast on its matching path, among
 * software-enabled LAPICs only; with none, kvm_irq_delivery_to_apic()
 * answers -1, which KVM_SIGNAL_MSI returns as EPERM.
 */
TEST_F(msi, msi_lowest_priority_without_candidate_counts_no_target)
{
	struct kvm_irqchip_counters c;

	for (unsigned int i = 0; i < NR_VCPUS; i++)
		ASSERT_EQ(0, lapic_config(self->vm.vcpu[i], i, 1u << i, DFR_FLAT, SVR_OFF, 0));
	EXPECT_EQ(-EPERM, send(self->vm.fd, 0xff, true, false, 0x41, DM_LOWEST, false));
	EXPECT_EQ(0u, irr_mask(&self->vm, 0x41));
	ASSERT_EQ(0, get_counters(self->vm.fd, &c));
	EXPECT_EQ(1ull, c.no_target);
	EXPECT_EQ(0ull, c.delivered);
}

/* vCPU 1: LDR 0x21, DFR 0; vCPU 2: LDR 0x40, DFR 0xf0000000; others LDR 0 */
static void odd_dfrs(struct __test_metadata *_metadata, struct vm *vm)
{
	for (unsigned int i = 0; i < NR_VCPUS; i++)
		ASSERT_EQ(0, lapic_config(vm->vcpu[i], i, 0, DFR_FLAT, SVR_ON, 0));
	ASSERT_EQ(0, lapic_config(vm->vcpu[1], 1, 0x21, 0, SVR_ON, 0));
	ASSERT_EQ(0, lapic_config(vm->vcpu[2], 2, 0x40, 0xf0000000u, SVR_ON, 0));
}

/*
 * KVM's map counts every DFR other than 0xffffffff as the cluster model
 * (kvm_recalculate_apic_map()): cluster 2 member 0 is vCPU 1, and 0x40
 * (cluster 4, no member bit) reaches nobody, not the flat-looking vCPU 2.
 */
TEST_F(msi, msi_dfr_other_than_flat_is_cluster_in_kvm_map)
{
	odd_dfrs(_metadata, &self->vm);
	EXPECT_EQ(1, send(self->vm.fd, 0x21, true, false, 0x61, DM_FIXED, false));
	EXPECT_EQ(1u << 1, irr_mask(&self->vm, 0x61));
	EXPECT_EQ(0, send(self->vm.fd, 0x40, true, false, 0x62, DM_FIXED, false));
	EXPECT_EQ(0u, irr_mask(&self->vm, 0x62));
}

TEST_F(msi, strict_msi_dfr_model_field_decides_flat_or_cluster)
{
	ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_IRQCHIP_CAP_X86_STRICT, 1, 0));
	/*
	 * DFR[31:28] = 0 (not 0x0fffffff) is the cluster model all the same;
	 * DFR[31:28] = 0xf with other bits clear is the flat model.
	 */
	odd_dfrs(_metadata, &self->vm);
	EXPECT_EQ(1, send(self->vm.fd, 0x21, true, false, 0x61, DM_FIXED, false));
	EXPECT_EQ(1u << 1, irr_mask(&self->vm, 0x61));
	EXPECT_EQ(1, send(self->vm.fd, 0x40, true, false, 0x62, DM_FIXED, false));
	EXPECT_EQ(1u << 2, irr_mask(&self->vm, 0x62));
}

/* SDM 11.8.1: vectors 0-15 are dropped; KVM takes them (below). */
TEST_F(msi, strict_msi_illegal_vector_counted_per_addressed_vcpu)
{
	struct kvm_irqchip_counters c;

	ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_IRQCHIP_CAP_X86_STRICT, 1, 0));
	EXPECT_EQ(0, send(self->vm.fd, 0xff, false, false, 7, DM_FIXED, false));
	EXPECT_EQ(0u, irr_mask(&self->vm, 7));
	ASSERT_EQ(0, get_counters(self->vm.fd, &c));
	EXPECT_EQ((uint64_t)NR_VCPUS, c.illegal_vector);
	EXPECT_EQ(0ull, c.delivered);
}

TEST_F(msi, msi_rh_bit_selects_one_vcpu)
{
	for (uint32_t v = 0x70; v < 0x76; v++) {
		EXPECT_EQ(1, send(self->vm.fd, 0x3c /* 2..5 */, true, true, v,
				  DM_FIXED, false));
		EXPECT_EQ(1u << (2 + v % 4), irr_mask(&self->vm, v)) TH_LOG("vector %#x", v);
	}
	EXPECT_EQ(1, send(self->vm.fd, 3, false, true, 0x77, DM_FIXED, false));
	EXPECT_EQ(1u << 3, irr_mask(&self->vm, 0x77));
}

/*
 * KVM's __apic_accept_irq() sets any vector in IRR, 0-15 too (they are
 * never deliverable: lapic_test); nothing counts them illegal.
 */
TEST_F(msi, msi_vectors_0_15_accepted_as_kvm)
{
	struct kvm_irqchip_counters c;

	for (uint32_t v = 0; v < 16; v++) {
		EXPECT_EQ(1, send(self->vm.fd, 1, false, false, v, DM_FIXED, false))
			TH_LOG("vector %u", v);
		EXPECT_EQ(1, irr_has(self->vm.vcpu[1], v)) TH_LOG("vector %u", v);
	}
	EXPECT_EQ(NR_VCPUS, send(self->vm.fd, 0xff, false, false, 7, DM_FIXED, false));
	EXPECT_EQ(0xffu, irr_mask(&self->vm, 7));
	EXPECT_EQ(1, send(self->vm.fd, 0x04, true, false, 15, DM_LOWEST, false));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[2], 15));
	EXPECT_EQ(16, irr_count(self->vm.vcpu[1]));
	ASSERT_EQ(0, get_counters(self->vm.fd, &c));
	EXPECT_EQ(0ull, c.illegal_vector);
	EXPECT_EQ(16ull + NR_VCPUS + 1, c.delivered);
}

TEST_F(msi, strict_msi_illegal_vectors_dropped_and_counted)
{
	struct kvm_irqchip_counters c;

	ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_IRQCHIP_CAP_X86_STRICT, 1, 0));
	for (uint32_t v = 0; v < 16; v++) {
		EXPECT_EQ(0, send(self->vm.fd, 1, false, false, v, DM_FIXED, false))
			TH_LOG("vector %u", v);
	}
	EXPECT_EQ(0, send(self->vm.fd, 1, false, false, 15, DM_LOWEST, false));
	EXPECT_EQ(0, irr_count(self->vm.vcpu[1]));
	ASSERT_EQ(0, get_counters(self->vm.fd, &c));
	EXPECT_EQ(17ull, c.illegal_vector);
	EXPECT_EQ(0ull, c.delivered);
	/* 16 is the first legal one */
	EXPECT_EQ(1, send(self->vm.fd, 1, false, false, 16, DM_FIXED, false));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[1], 16));
}

static void expect_events(struct __test_metadata *_metadata, int vfd, uint32_t nmi,
			  uint32_t smi, uint32_t init, uint32_t sipi, uint32_t sipi_vector)
{
	struct kvm_irqchip_vcpu_events ev;

	ASSERT_EQ(0, vcpu_events(vfd, &ev));
	EXPECT_EQ(nmi, ev.nmi);
	EXPECT_EQ(smi, ev.smi);
	EXPECT_EQ(init, ev.init);
	EXPECT_EQ(sipi, ev.sipi);
	if (sipi)
		EXPECT_EQ(sipi_vector, ev.sipi_vector);
	EXPECT_EQ(0u, ev.pad);
	for (int i = 0; i < 3; i++)
		EXPECT_EQ(0ull, ev.reserved[i]);
}

TEST_F(msi, msi_nmi_latched_in_events)
{
	EXPECT_EQ(1, send(self->vm.fd, 2, false, false, 0, DM_NMI, false));
	EXPECT_EQ(0, irr_count(self->vm.vcpu[2]));
	expect_events(_metadata, self->vm.vcpu[2], 1, 0, 0, 0, 0);
	expect_events(_metadata, self->vm.vcpu[1], 0, 0, 0, 0, 0);
}

TEST_F(msi, msi_smi_latched_in_events)
{
	EXPECT_EQ(1, send(self->vm.fd, 3, false, false, 0, DM_SMI, false));
	EXPECT_EQ(0, irr_count(self->vm.vcpu[3]));
	expect_events(_metadata, self->vm.vcpu[3], 0, 1, 0, 0, 0);
}

TEST_F(msi, msi_init_latched_in_events)
{
	EXPECT_EQ(1, send(self->vm.fd, 4, false, false, 0, DM_INIT, false));
	EXPECT_EQ(0, irr_count(self->vm.vcpu[4]));
	expect_events(_metadata, self->vm.vcpu[4], 0, 0, 1, 0, 0);
}

TEST_F(msi, msi_sipi_latched_with_vector)
{
	EXPECT_EQ(1, send(self->vm.fd, 5, false, false, 0x9a, DM_SIPI, false));
	EXPECT_EQ(0, irr_count(self->vm.vcpu[5]));
	expect_events(_metadata, self->vm.vcpu[5], 0, 0, 0, 1, 0x9a);
}

TEST_F(msi, msi_events_count_and_clear_on_read)
{
	EXPECT_EQ(1, send(self->vm.fd, 6, false, false, 0, DM_NMI, false));
	EXPECT_EQ(1, send(self->vm.fd, 6, false, false, 0, DM_NMI, false));
	EXPECT_EQ(1, send(self->vm.fd, 6, false, false, 0x10, DM_SIPI, false));
	EXPECT_EQ(1, send(self->vm.fd, 6, false, false, 0x20, DM_SIPI, false));
	expect_events(_metadata, self->vm.vcpu[6], 2, 0, 0, 2, 0x20);
	expect_events(_metadata, self->vm.vcpu[6], 0, 0, 0, 0, 0);
}

TEST_F(msi, msi_nmi_broadcast_reaches_all)
{
	EXPECT_EQ(NR_VCPUS, send(self->vm.fd, 0xff, false, false, 0, DM_NMI, false));
	for (int i = 0; i < NR_VCPUS; i++)
		expect_events(_metadata, self->vm.vcpu[i], 1, 0, 0, 0, 0);
}

TEST_F(msi, msi_nmi_to_sw_disabled_lapic_accepted)
{
	ASSERT_EQ(0, lapic_config(self->vm.vcpu[2], 2, 1u << 2, DFR_FLAT, SVR_OFF, 0));
	EXPECT_EQ(1, send(self->vm.fd, 2, false, false, 0, DM_NMI, false));
	expect_events(_metadata, self->vm.vcpu[2], 1, 0, 0, 0, 0);
}

TEST_F(msi, msi_reserved_delivery_mode_accepted_without_effect)
{
	EXPECT_EQ(1, send(self->vm.fd, 1, false, false, 0x41, DM_RESERVED, false));
	EXPECT_EQ(0, irr_count(self->vm.vcpu[1]));
	expect_events(_metadata, self->vm.vcpu[1], 0, 0, 0, 0, 0);
}

TEST_F(msi, msi_extint_not_accepted)
{
	EXPECT_EQ(0, send(self->vm.fd, 1, false, false, 0x41, DM_EXTINT, false));
	EXPECT_EQ(0, irr_count(self->vm.vcpu[1]));
	expect_events(_metadata, self->vm.vcpu[1], 0, 0, 0, 0, 0);
}

TEST_F(msi, msi_level_sets_tmr_edge_clears_it)
{
	struct kvm_lapic_state s;
	uint32_t vec = 0, flags = 0;

	EXPECT_EQ(1, send(self->vm.fd, 0, false, false, 0x66, DM_FIXED, true));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[0], 0x66));
	EXPECT_EQ(1, tmr_has(self->vm.vcpu[0], 0x66));
	ASSERT_EQ(0, vcpu_ack(self->vm.vcpu[0], &vec, &flags));
	EXPECT_EQ(0x66u, vec);
	EXPECT_EQ(KVM_IRQCHIP_ACK_LEVEL, flags);
	ASSERT_EQ(0, vcpu_eoi(self->vm.vcpu[0], &vec, &flags));
	EXPECT_EQ(0x66u, vec);
	EXPECT_EQ(KVM_IRQCHIP_ACK_LEVEL, flags);

	/* an edge message on the same vector clears the TMR bit */
	ASSERT_EQ(0, lapic_get(self->vm.vcpu[0], &s));
	apic_vec_set(&s, APIC_TMR, 0x66, true);
	ASSERT_EQ(0, lapic_set(self->vm.vcpu[0], &s));
	EXPECT_EQ(1, send(self->vm.fd, 0, false, false, 0x66, DM_FIXED, false));
	EXPECT_EQ(0, tmr_has(self->vm.vcpu[0], 0x66));
	ASSERT_EQ(0, vcpu_ack(self->vm.vcpu[0], &vec, &flags));
	EXPECT_EQ(0x66u, vec);
	EXPECT_EQ(0u, flags);
}

TEST_F(msi, msi_level_broadcast_sets_tmr_everywhere)
{
	EXPECT_EQ(NR_VCPUS, send(self->vm.fd, 0xff, true, false, 0xa0, DM_FIXED, true));
	EXPECT_EQ(0xffu, tmr_mask(&self->vm, 0xa0));
	EXPECT_EQ(0xffu, irr_mask(&self->vm, 0xa0));
}

TEST_F(msi, msi_sw_disabled_lapic_not_accepted)
{
	struct kvm_irqchip_counters c;

	ASSERT_EQ(0, lapic_config(self->vm.vcpu[3], 3, 1u << 3, DFR_FLAT, SVR_OFF, 0));
	EXPECT_EQ(0, send(self->vm.fd, 3, false, false, 0x43, DM_FIXED, false));
	EXPECT_EQ(0, irr_count(self->vm.vcpu[3]));
	EXPECT_EQ(NR_VCPUS - 1, send(self->vm.fd, 0xff, false, false, 0x44, DM_FIXED, false));
	EXPECT_EQ(0xffu & ~(1u << 3), irr_mask(&self->vm, 0x44));
	EXPECT_EQ(1, send(self->vm.fd, 0x0c, true, false, 0x45, DM_FIXED, true));
	EXPECT_EQ(1u << 2, irr_mask(&self->vm, 0x45));
	EXPECT_EQ(0, tmr_has(self->vm.vcpu[3], 0x45));
	ASSERT_EQ(0, get_counters(self->vm.fd, &c));
	EXPECT_EQ((uint64_t)NR_VCPUS, c.delivered);
}

TEST_F(msi, msi_hw_disabled_lapic_not_matched)
{
	ASSERT_EQ(0, set_apic_base(&self->vm, 3, APIC_BASE_ADDR));
	EXPECT_EQ(0, send(self->vm.fd, 3, false, false, 0x43, DM_FIXED, false));
	EXPECT_EQ(NR_VCPUS - 1, send(self->vm.fd, 0xff, false, false, 0x44, DM_FIXED, false));
	EXPECT_EQ(0xffu & ~(1u << 3), irr_mask(&self->vm, 0x44));
	EXPECT_EQ(0, send(self->vm.fd, 0x08, true, false, 0x45, DM_FIXED, false));
	EXPECT_EQ(0, send(self->vm.fd, 3, false, false, 0, DM_NMI, false));
	expect_events(_metadata, self->vm.vcpu[3], 0, 0, 0, 0, 0);
	/* enabled again, it is reachable again */
	ASSERT_EQ(0, set_apic_base(&self->vm, 3, APIC_BASE_ADDR | APIC_BASE_ENABLE));
	ASSERT_EQ(0, lapic_config(self->vm.vcpu[3], 3, 1u << 3, DFR_FLAT, SVR_ON, 0));
	EXPECT_EQ(1, send(self->vm.fd, 3, false, false, 0x46, DM_FIXED, false));
	EXPECT_EQ(1u << 3, irr_mask(&self->vm, 0x46));
}

TEST_F(msi, msi_bad_flags_is_einval)
{
	EXPECT_EQ(-EINVAL, signal_msi_flags(self->vm.fd, msi_addr(1, 0, 0), 0,
					    msi_data(0x41, DM_FIXED, 0), 2, 0));
	EXPECT_EQ(-EINVAL, signal_msi_flags(self->vm.fd, msi_addr(1, 0, 0), 0,
					    msi_data(0x41, DM_FIXED, 0),
					    KVM_MSI_VALID_DEVID | 0x100, 0));
	EXPECT_EQ(0, irr_count(self->vm.vcpu[1]));
}

TEST_F(msi, msi_valid_devid_flag_accepted)
{
	EXPECT_EQ(1, signal_msi_flags(self->vm.fd, msi_addr(1, 0, 0), 0,
				      msi_data(0x41, DM_FIXED, 0),
				      KVM_MSI_VALID_DEVID, 0xabcd));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[1], 0x41));
}

TEST_F(msi, msi_address_bits_31_20_not_checked)
{
	EXPECT_EQ(1, signal_msi(self->vm.fd, 0x12300000u | 4u << 12, 0,
				msi_data(0x84, DM_FIXED, 0)));
	EXPECT_EQ(1, signal_msi(self->vm.fd, 0x00000000u | 5u << 12, 0,
				msi_data(0x85, DM_FIXED, 0)));
	EXPECT_EQ(1u << 4, irr_mask(&self->vm, 0x84));
	EXPECT_EQ(1u << 5, irr_mask(&self->vm, 0x85));
}

TEST_F(msi, msi_address_hi_ignored_without_32bit_ids)
{
	EXPECT_EQ(1, signal_msi(self->vm.fd, msi_addr(6, 0, 0), 0x100,
				msi_data(0x86, DM_FIXED, 0)));
	EXPECT_EQ(1, signal_msi(self->vm.fd, msi_addr(6, 0, 0), 0xff,
				msi_data(0x87, DM_FIXED, 0)));
	EXPECT_EQ(1u << 6, irr_mask(&self->vm, 0x86));
	EXPECT_EQ(1u << 6, irr_mask(&self->vm, 0x87));
}

TEST_F(msi, msi_tpr_does_not_block_acceptance)
{
	ASSERT_EQ(0, lapic_config(self->vm.vcpu[1], 1, 2, DFR_FLAT, SVR_ON, 0xf0));
	EXPECT_EQ(1, send(self->vm.fd, 1, false, false, 0x21, DM_FIXED, false));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[1], 0x21));
}

/* 4 vCPUs in x2APIC mode (x2APIC ID i, LDR 1 << i in cluster 0), enabled. */
FIXTURE(x2apic) {
	struct vm vm;
};

FIXTURE_SETUP(x2apic)
{
	ASSERT_EQ(0, vm_init_kic(&self->vm, 4));
	ASSERT_EQ(0, vm_xapic_flat(&self->vm));
	for (unsigned int i = 0; i < 4; i++) {
		ASSERT_EQ(0, set_apic_base(&self->vm, i, APIC_BASE_ADDR | APIC_BASE_ENABLE |
					   APIC_BASE_X2APIC | (i ? 0 : APIC_BASE_BSP)));
	}
}

FIXTURE_TEARDOWN(x2apic)
{
	vm_fini(&self->vm);
}

TEST_F(x2apic, msi_x2apic_physical_reaches_one_vcpu)
{
	EXPECT_EQ(1, send(self->vm.fd, 2, false, false, 0x42, DM_FIXED, false));
	EXPECT_EQ(1u << 2, irr_mask(&self->vm, 0x42));
}

TEST_F(x2apic, msi_x2apic_logical_matches_derived_ldr)
{
	EXPECT_EQ(2, send(self->vm.fd, 0x06, true, false, 0x43, DM_FIXED, false));
	EXPECT_EQ(0x6u, irr_mask(&self->vm, 0x43));
}

TEST_F(x2apic, msi_x2apic_lowest_priority_hashes_vector)
{
	for (uint32_t v = 0x50; v < 0x56; v++) {
		EXPECT_EQ(1, send(self->vm.fd, 0x0e, true, false, v, DM_LOWEST, false));
		EXPECT_EQ(1u << (1 + v % 3), irr_mask(&self->vm, v)) TH_LOG("vector %#x", v);
	}
}

TEST_F(x2apic, msi_broadcast_quirk_reaches_x2apic_vcpus)
{
	EXPECT_EQ(4, send(self->vm.fd, 0xff, false, false, 0x44, DM_FIXED, false));
	EXPECT_EQ(0xfu, irr_mask(&self->vm, 0x44));
}

TEST_F(x2apic, msi_broadcast_quirk_disabled_misses_x2apic_vcpus)
{
	ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_CAP_X2APIC_API,
				KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK, 0));
	EXPECT_EQ(0, send(self->vm.fd, 0xff, false, false, 0x45, DM_FIXED, false));
	EXPECT_EQ(0u, irr_mask(&self->vm, 0x45));
}

TEST_F(x2apic, msi_32bit_ids_x2apic_broadcast)
{
	ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_CAP_X2APIC_API,
				KVM_X2APIC_API_USE_32BIT_IDS |
				KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK, 0));
	EXPECT_EQ(4, signal_msi(self->vm.fd, msi_addr(0xff, 0, 0), 0xffffff00u,
				msi_data(0x46, DM_FIXED, 0)));
	EXPECT_EQ(0xfu, irr_mask(&self->vm, 0x46));
}

TEST_F(x2apic, msi_32bit_ids_high_dest_bits_must_match)
{
	/* dest 0x102 is not x2APIC ID 2 once address_hi counts */
	EXPECT_EQ(1, signal_msi(self->vm.fd, msi_addr(2, 0, 0), 0x100,
				msi_data(0x47, DM_FIXED, 0)));
	ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_CAP_X2APIC_API,
				KVM_X2APIC_API_USE_32BIT_IDS, 0));
	EXPECT_EQ(0, signal_msi(self->vm.fd, msi_addr(2, 0, 0), 0x100,
				msi_data(0x48, DM_FIXED, 0)));
	EXPECT_EQ(1u << 2, irr_mask(&self->vm, 0x47));
	EXPECT_EQ(0u, irr_mask(&self->vm, 0x48));
}

/*
 * 301 vCPUs.  Configured: vCPUs 4, 20 and 300 in x2APIC mode (x2APIC IDs
 * 4, 20, 300), vCPU 44 in xAPIC mode with ID 44 (= 300 & 0xff); all four
 * software-enabled.  Every other vCPU keeps its reset state (SVR 0xff).
 */
#define BIG 301

FIXTURE(big) {
	struct vm vm;
};

FIXTURE_SETUP(big)
{
	static const unsigned int x2[] = { 4, 20, 300 };

	ASSERT_EQ(0, vm_init_kic(&self->vm, BIG));
	ASSERT_EQ(0, lapic_config(self->vm.vcpu[44], 44, 0, DFR_FLAT, SVR_ON, 0));
	for (unsigned int i = 0; i < 3; i++) {
		ASSERT_EQ(0, lapic_config(self->vm.vcpu[x2[i]], x2[i] & 0xff, 0,
					  DFR_FLAT, SVR_ON, 0));
		ASSERT_EQ(0, set_apic_base(&self->vm, x2[i], APIC_BASE_ADDR |
					   APIC_BASE_ENABLE | APIC_BASE_X2APIC));
	}
}

FIXTURE_TEARDOWN(big)
{
	vm_fini(&self->vm);
}

/*
 * The x2APIC ID is the vCPU index; KVM_GET_LAPIC shows it in bits 31:24
 * (kvm_apic_state_fixup()), where 300 loses its bit 8, unless
 * KVM_X2APIC_API_USE_32BIT_IDS.
 */
TEST_F(big, msi_x2apic_id_above_255_is_vcpu_index)
{
	struct kvm_lapic_state s;

	ASSERT_EQ(0, lapic_get(self->vm.vcpu[300], &s));
	EXPECT_EQ((300u & 0xff) << 24, apic_get(&s, APIC_ID));
	EXPECT_EQ((300u >> 4) << 16 | 1u << (300 & 0xf), apic_get(&s, APIC_LDR));
	ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_CAP_X2APIC_API,
				KVM_X2APIC_API_USE_32BIT_IDS, 0));
	ASSERT_EQ(0, lapic_get(self->vm.vcpu[300], &s));
	EXPECT_EQ(300u, apic_get(&s, APIC_ID));
	EXPECT_EQ((300u >> 4) << 16 | 1u << (300 & 0xf), apic_get(&s, APIC_LDR));
}

TEST_F(big, msi_32bit_ids_reach_apic_id_above_255)
{
	ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_CAP_X2APIC_API,
				KVM_X2APIC_API_USE_32BIT_IDS, 0));
	EXPECT_EQ(1, signal_msi(self->vm.fd, msi_addr(300 & 0xff, 0, 0), (300 >> 8) << 8,
				msi_data(0x61, DM_FIXED, 0)));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[300], 0x61));
	EXPECT_EQ(0, irr_has(self->vm.vcpu[44], 0x61));
}

TEST_F(big, msi_32bit_ids_x2apic_logical_cluster)
{
	uint32_t dest = (20u >> 4) << 16 | 1u << (20 & 0xf);	/* 0x10010 */

	ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_CAP_X2APIC_API,
				KVM_X2APIC_API_USE_32BIT_IDS, 0));
	EXPECT_EQ(1, signal_msi(self->vm.fd, msi_addr(dest & 0xff, true, false),
				(dest >> 8) << 8, msi_data(0x62, DM_FIXED, 0)));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[20], 0x62));
	EXPECT_EQ(0, irr_has(self->vm.vcpu[4], 0x62));	/* LDR 0x10, cluster 0 */
}

TEST_F(big, msi_32bit_ids_address_hi_low_byte_is_einval)
{
	struct kvm_irqchip_counters c;

	ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_CAP_X2APIC_API,
				KVM_X2APIC_API_USE_32BIT_IDS, 0));
	EXPECT_EQ(-EINVAL, signal_msi(self->vm.fd, msi_addr(300 & 0xff, 0, 0), 0x101,
				      msi_data(0x63, DM_FIXED, 0)));
	EXPECT_EQ(0, irr_count(self->vm.vcpu[300]));
	ASSERT_EQ(0, get_counters(self->vm.fd, &c));
	EXPECT_EQ(1ull, c.rejected);
	EXPECT_EQ(0ull, c.delivered);
}

TEST_F(big, msi_ext_dest_id_reaches_apic_id_above_255)
{
	/* dest bits 7:0 = 0x2c in address 19:12, bits 14:8 = 1 in address 11:5 */
	uint32_t addr = msi_addr(300 & 0xff, 0, 0) | (300u >> 8) << 5;

	ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_IRQCHIP_CAP_X86_EXT_DEST_ID, 1, 0));
	EXPECT_EQ(1, signal_msi(self->vm.fd, addr, 0, msi_data(0x64, DM_FIXED, 0)));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[300], 0x64));
	EXPECT_EQ(0, irr_has(self->vm.vcpu[44], 0x64));
}

TEST_F(big, msi_ext_dest_id_ignored_when_disabled)
{
	uint32_t addr = msi_addr(300 & 0xff, 0, 0) | (300u >> 8) << 5;

	EXPECT_EQ(1, signal_msi(self->vm.fd, addr, 0, msi_data(0x65, DM_FIXED, 0)));
	ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_IRQCHIP_CAP_X86_EXT_DEST_ID, 1, 0));
	ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_IRQCHIP_CAP_X86_EXT_DEST_ID, 0, 0));
	EXPECT_EQ(1, signal_msi(self->vm.fd, addr, 0, msi_data(0x66, DM_FIXED, 0)));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[44], 0x65));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[44], 0x66));
	EXPECT_EQ(0, irr_count(self->vm.vcpu[300]));
}

/*
 * KVM's "hotplug hack" (kvm_apic_match_physical_addr(), and the APIC map):
 * a destination above 0xff reaches an xAPIC-mode vCPU whose index it is.
 * Its xAPIC ID (299 & 0xff = 43) is vCPU 43's too, and KVM's physical map
 * gives that slot to the lower index: destination 43 is vCPU 43's alone.
 */
TEST_F(big, msi_dest_above_255_matches_xapic_vcpu_by_index)
{
	/* vCPU 299 stays in xAPIC mode (ID 299 & 0xff = 43) */
	ASSERT_EQ(0, lapic_config(self->vm.vcpu[299], 299 & 0xff, 0, DFR_FLAT, SVR_ON, 0));
	ASSERT_EQ(0, lapic_config(self->vm.vcpu[43], 43, 0, DFR_FLAT, SVR_ON, 0));
	ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_CAP_X2APIC_API,
				KVM_X2APIC_API_USE_32BIT_IDS, 0));
	EXPECT_EQ(1, signal_msi(self->vm.fd, msi_addr(299 & 0xff, 0, 0), (299 >> 8) << 8,
				msi_data(0x68, DM_FIXED, 0)));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[299], 0x68));
	EXPECT_EQ(0, irr_has(self->vm.vcpu[43], 0x68));
	EXPECT_EQ(1, signal_msi(self->vm.fd, msi_addr(299 & 0xff, 0, 0), 0,
				msi_data(0x69, DM_FIXED, 0)));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[43], 0x69));
	EXPECT_EQ(0, irr_has(self->vm.vcpu[299], 0x69));
	/* a destination above 0xff that is nobody's index: nobody */
	EXPECT_EQ(0, signal_msi(self->vm.fd, msi_addr(0x2b, 0, 0), 0x200,
				msi_data(0x6a, DM_FIXED, 0)));
	EXPECT_EQ(0, irr_has(self->vm.vcpu[299], 0x6a));
	EXPECT_EQ(0, irr_has(self->vm.vcpu[43], 0x6a));
}

/*
 * Strict: KVM_SET_LAPIC takes any 32-bit x2APIC ID only on a strict
 * instance (KVM's requires the vCPU index with USE_32BIT_IDS), and an ID
 * with two bits above 7 is what this needs.
 */
TEST_F(big, msi_both_dest_formats_are_ored)
{
	struct kvm_lapic_state s;

	ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_IRQCHIP_CAP_X86_STRICT, 1, 0));
	/* vCPU 20 (x2APIC) takes ID 0x32c: bits 9 and 8 both set */
	ASSERT_EQ(0, lapic_get(self->vm.vcpu[20], &s));
	apic_put(&s, APIC_ID, 0x32c);
	ASSERT_EQ(0, lapic_set(self->vm.vcpu[20], &s));
	ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_CAP_X2APIC_API,
				KVM_X2APIC_API_USE_32BIT_IDS, 0));
	ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_IRQCHIP_CAP_X86_EXT_DEST_ID, 1, 0));
	/* bit 9 from address_hi, bit 8 from address_lo[11:5] */
	EXPECT_EQ(1, signal_msi(self->vm.fd, msi_addr(0x2c, 0, 0) | 1u << 5, 0x200,
				msi_data(0x6a, DM_FIXED, 0)));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[20], 0x6a));
	/* either alone is 0x12c (vCPU 300) or 0x22c (nobody) */
	EXPECT_EQ(1, signal_msi(self->vm.fd, msi_addr(0x2c, 0, 0) | 1u << 5, 0,
				msi_data(0x6b, DM_FIXED, 0)));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[300], 0x6b));
	EXPECT_EQ(0, signal_msi(self->vm.fd, msi_addr(0x2c, 0, 0), 0x200,
				msi_data(0x6c, DM_FIXED, 0)));
	EXPECT_EQ(0, irr_has(self->vm.vcpu[20], 0x6b));
}

TEST_F(big, msi_without_32bit_ids_high_id_unreachable)
{
	/* address_hi does not count: dest is 0x2c, vCPU 44 (xAPIC ID 44) */
	EXPECT_EQ(1, signal_msi(self->vm.fd, msi_addr(300 & 0xff, 0, 0), (300 >> 8) << 8,
				msi_data(0x67, DM_FIXED, 0)));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[44], 0x67));
	EXPECT_EQ(0, irr_has(self->vm.vcpu[300], 0x67));
}

TEST_HARNESS_MAIN
