// SPDX-License-Identifier: GPL-2.0
/*
 * The test guest of guest.h, proven against KVM alone: a split-irqchip VM
 * whose LAPICs are KVM's, interrupts sent by KVM's own paths
 * (KVM_SIGNAL_MSI, KVM_IRQFD on an MSI route of KVM_SET_GSI_ROUTING), the
 * guest counting what it handled.  No kvm-irqchip is involved.
 *
 * Counting is exact because each message is sent only after the guest
 * reported the previous one: nothing can merge in the IRR.
 *
 * The variants run every test with 1, 2 and 4 vCPUs addressed by physical
 * APIC ID (= vCPU index) and with 2 vCPUs addressed in logical flat mode
 * (vCPU i has logical ID 1 << i).
 */
#include "kic_x86_util.h"
#include "guest.h"
#include "kselftest_harness.h"

#define WAIT_MS		20000	/* per event: TCG running nested KVM is slow */
#define ROUNDS		3u

/* Edge vectors sent to every vCPU, across the priority classes */
static const uint8_t vectors[] = { 0x20, 0x41, 0x7f, 0x80, 0xc3, 0xfe };

/* What the KVM_EXIT_IOAPIC_EOI callback saw, per vCPU */
struct eoi_seen {
	unsigned int calls[GUEST_MAX_VCPUS];
	unsigned int last[GUEST_MAX_VCPUS];
};

FIXTURE(guest) {
	struct guest g;
	struct eoi_seen seen;
};

FIXTURE_VARIANT(guest) {
	unsigned int nr_vcpus;
	bool logical;
};

FIXTURE_VARIANT_ADD(guest, one_vcpu) { .nr_vcpus = 1 };
FIXTURE_VARIANT_ADD(guest, two_vcpus) { .nr_vcpus = 2 };
FIXTURE_VARIANT_ADD(guest, four_vcpus) { .nr_vcpus = 4 };
FIXTURE_VARIANT_ADD(guest, two_vcpus_logical) { .nr_vcpus = 2, .logical = true };

static void record_eoi(struct guest *g, unsigned int vcpu, uint8_t vector,
		       void *opaque)
{
	struct eoi_seen *seen = opaque;

	(void)g;
	__atomic_store_n(&seen->last[vcpu], vector, __ATOMIC_RELAXED);
	__atomic_add_fetch(&seen->calls[vcpu], 1, __ATOMIC_RELEASE);
}

FIXTURE_SETUP(guest)
{
	if (!kvm_available())
		SKIP(return, "missing kvm: /dev/kvm not available");
	ASSERT_EQ(0, guest_init(&self->g, variant->nr_vcpus));
	for (unsigned int i = 0; variant->logical && i < variant->nr_vcpus; i++)
		guest_set_ldr(&self->g, i, 1u << i, DFR_FLAT);
	guest_on_eoi(&self->g, record_eoi, &self->seen);
	ASSERT_EQ(0, guest_start(&self->g));
	ASSERT_EQ(0, guest_wait_ready(&self->g, WAIT_MS));
}

FIXTURE_TEARDOWN(guest)
{
	guest_fini(&self->g);
}

/* The MSI address that reaches vCPU i alone, in the variant's mode */
static uint32_t addr_of(bool logical, unsigned int i)
{
	return logical ? msi_addr(1u << i, true, false) : msi_addr(i, false, false);
}

/* The MSI address that reaches each of the first n vCPUs */
static uint32_t addr_all(bool logical, unsigned int n)
{
	return logical ? msi_addr((1u << n) - 1, true, false) :
			 msi_addr(0xff, false, false);
}

static struct kvm_irq_routing_entry route_to(uint32_t gsi, uint32_t addr,
					     uint32_t vec, bool level)
{
	return route_msi(gsi, addr, 0, msi_data(vec, DM_FIXED, level));
}

/*
 * The LAPIC state is read while the guest runs, through the vCPU threads;
 * after that each vCPU must still take an interrupt.
 */
TEST_F(guest, every_vcpu_boots_and_enables_its_lapic)
{
	bool lg = variant->logical;

	for (unsigned int i = 0; i < variant->nr_vcpus; i++) {
		struct kvm_lapic_state s;

		ASSERT_EQ(0, guest_vcpu_ioctl(&self->g, i, KVM_GET_LAPIC, &s));
		EXPECT_EQ(SVR_ON, apic_get(&s, APIC_SVR));
		EXPECT_EQ(i, apic_get(&s, APIC_ID) >> 24);
		EXPECT_EQ(0u, apic_get(&s, APIC_TPR));
		if (variant->logical) {
			EXPECT_EQ(1u << i, apic_get(&s, APIC_LDR) >> 24);
			EXPECT_EQ(DFR_FLAT, apic_get(&s, APIC_DFR));
		}
		EXPECT_EQ(0u, guest_irq_total(&self->g, i));
	}
	for (unsigned int i = 0; i < variant->nr_vcpus; i++) {
		ASSERT_EQ(1, signal_msi(self->g.vm.fd, addr_of(lg, i),
					0, msi_data(0x33, DM_FIXED, false)));
		ASSERT_EQ(0, guest_wait_irq(&self->g, i, 0x33, 1, WAIT_MS));
	}
	EXPECT_EQ(0, guest_error(&self->g));
}

TEST_F(guest, signal_msi_is_counted_exactly)
{
	bool lg = variant->logical;

	for (unsigned int round = 1; round <= ROUNDS; round++) {
		for (unsigned int i = 0; i < variant->nr_vcpus; i++) {
			uint32_t addr = addr_of(lg, i);

			for (unsigned int k = 0; k < ARRAY_SIZE(vectors); k++) {
				uint32_t vec = vectors[k];

				ASSERT_EQ(1, signal_msi(self->g.vm.fd, addr, 0,
							msi_data(vec, DM_FIXED, false)));
				ASSERT_EQ(0, guest_wait_irq(&self->g, i, vec, round,
							    WAIT_MS));
			}
		}
	}
	for (unsigned int i = 0; i < variant->nr_vcpus; i++) {
		for (unsigned int k = 0; k < ARRAY_SIZE(vectors); k++) {
			EXPECT_EQ(ROUNDS, guest_irq_count(&self->g, i, vectors[k]));
			EXPECT_EQ(ROUNDS, guest_reports(&self->g, i, vectors[k]));
		}
		EXPECT_EQ(ROUNDS * ARRAY_SIZE(vectors), guest_irq_total(&self->g, i));
		/* edge messages, no level route: KVM never exits for an EOI */
		EXPECT_EQ(0u, self->seen.calls[i]);
	}
	EXPECT_EQ(0, guest_error(&self->g));
}

TEST_F(guest, broadcast_msi_reaches_every_vcpu_once)
{
	bool lg = variant->logical;

	ASSERT_EQ(variant->nr_vcpus,
		  signal_msi(self->g.vm.fd, addr_all(lg, variant->nr_vcpus), 0,
			     msi_data(0x66, DM_FIXED, false)));
	for (unsigned int i = 0; i < variant->nr_vcpus; i++) {
		ASSERT_EQ(0, guest_wait_irq(&self->g, i, 0x66, 1, WAIT_MS));
		EXPECT_EQ(1u, guest_irq_count(&self->g, i, 0x66));
		EXPECT_EQ(1u, guest_irq_total(&self->g, i));
	}
	EXPECT_EQ(0, guest_error(&self->g));
}

TEST_F(guest, irqfd_on_msi_route_is_counted_exactly)
{
	bool lg = variant->logical;
	struct kvm_irq_routing_entry e[GUEST_MAX_VCPUS];
	int efd[GUEST_MAX_VCPUS];
	unsigned int n = variant->nr_vcpus;

	/* gsi 1 + i: vCPU i, vector 0x50 + i */
	for (unsigned int i = 0; i < n; i++)
		e[i] = route_to(1 + i, addr_of(lg, i), 0x50 + i, false);
	ASSERT_EQ(0, set_routing(self->g.vm.fd, e, n));
	for (unsigned int i = 0; i < n; i++) {
		efd[i] = new_eventfd();
		ASSERT_LE(0, efd[i]);
		ASSERT_EQ(0, irqfd(self->g.vm.fd, efd[i], 1 + i, 0));
	}
	for (unsigned int round = 1; round <= ROUNDS; round++)
		for (unsigned int i = 0; i < n; i++) {
			ASSERT_EQ(0, efd_signal(efd[i]));
			ASSERT_EQ(0, guest_wait_irq(&self->g, i, 0x50 + i, round,
						    WAIT_MS));
		}
	for (unsigned int i = 0; i < n; i++) {
		EXPECT_EQ(ROUNDS, guest_irq_count(&self->g, i, 0x50 + i));
		EXPECT_EQ(ROUNDS, guest_irq_total(&self->g, i));
		EXPECT_EQ(0u, self->seen.calls[i]);
		close(efd[i]);
	}
	EXPECT_EQ(0, guest_error(&self->g));
}

/*
 * KVM marks a vector for KVM_EXIT_IOAPIC_EOI on a vCPU when a level MSI
 * route of a GSI below the reserved IOAPIC pins (GUEST_SPLIT_PINS) targets
 * that vCPU (kvm_scan_ioapic_routes()).  The route is set while the guest
 * runs: the rescan it requests must reach the halted vCPU before the
 * interrupt does.
 */
TEST_F(guest, level_msi_route_exits_on_eoi_with_its_vector)
{
	bool lg = variant->logical;
	unsigned int t = variant->nr_vcpus - 1;
	struct kvm_irq_routing_entry e[2] = {
		route_to(5, addr_of(lg, t), 0x90, true),
		route_to(6, addr_of(lg, t), 0x91, false),
	};
	struct guest_event log[2];
	int efd = new_eventfd();
	int32_t status = 0;

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, set_routing(self->g.vm.fd, e, 2));
	ASSERT_EQ(0, irqfd(self->g.vm.fd, efd, 5, 0));
	for (unsigned int round = 1; round <= ROUNDS; round++) {
		ASSERT_EQ(0, efd_signal(efd));
		ASSERT_EQ(0, guest_wait_eoi(&self->g, t, 0x90, round, WAIT_MS));
		ASSERT_EQ(0, guest_wait_irq(&self->g, t, 0x90, round, WAIT_MS));
		/* the EOI exit came first, before the guest's report */
		EXPECT_EQ(round, guest_eois(&self->g, t, 0x90));
		ASSERT_EQ(2u, guest_log(&self->g, t, log, 2));
		EXPECT_EQ(GUEST_EV_EOI, log[0].kind);
		EXPECT_EQ(0x90, log[0].vector);
		EXPECT_EQ(GUEST_EV_IRQ, log[1].kind);
		EXPECT_EQ(0x90, log[1].vector);
		EXPECT_EQ(round, __atomic_load_n(&self->seen.calls[t],
						 __ATOMIC_ACQUIRE));
		EXPECT_EQ(0x90u, self->seen.last[t]);
	}
	/* the edge route's vector is not marked: no exit */
	ASSERT_EQ(0, irq_line_status(self->g.vm.fd, 6, 1, &status));
	EXPECT_EQ(1, status);
	ASSERT_EQ(0, guest_wait_irq(&self->g, t, 0x91, 1, WAIT_MS));
	EXPECT_EQ(0u, guest_eois(&self->g, t, 0x91));
	EXPECT_EQ(ROUNDS, guest_irq_count(&self->g, t, 0x90));
	EXPECT_EQ(1u, guest_irq_count(&self->g, t, 0x91));
	/* only the targeted vCPU exits */
	for (unsigned int i = 0; i < t; i++)
		EXPECT_EQ(0u, self->seen.calls[i]);
	close(efd);
	EXPECT_EQ(0, guest_error(&self->g));
}

/*
 * In split mode KVM exits on the EOI of a marked vector whatever the
 * trigger mode the interrupt came with (it does not look at the TMR), but
 * only on the vCPUs the level route targets.
 */
TEST_F(guest, eoi_exit_follows_the_vector_not_the_message)
{
	bool lg = variant->logical;
	unsigned int t = variant->nr_vcpus - 1;
	struct kvm_irq_routing_entry e = route_to(7, addr_of(lg, t), 0xa0, true);

	ASSERT_EQ(0, set_routing(self->g.vm.fd, &e, 1));
	/* an edge message of the marked vector to the targeted vCPU exits */
	ASSERT_EQ(1, signal_msi(self->g.vm.fd, addr_of(lg, t), 0,
				msi_data(0xa0, DM_FIXED, false)));
	ASSERT_EQ(0, guest_wait_irq(&self->g, t, 0xa0, 1, WAIT_MS));
	EXPECT_EQ(1u, guest_eois(&self->g, t, 0xa0));
	/* on another vCPU the vector is not marked, level or not */
	for (unsigned int i = 0; i < t; i++) {
		ASSERT_EQ(1, signal_msi(self->g.vm.fd, addr_of(lg, i), 0,
					msi_data(0xa0, DM_FIXED, true)));
		ASSERT_EQ(0, guest_wait_irq(&self->g, i, 0xa0, 1, WAIT_MS));
		EXPECT_EQ(0u, guest_eois(&self->g, i, 0xa0));
	}
	EXPECT_EQ(0, guest_error(&self->g));
}

/* Only GSIs below the reserved IOAPIC pins are scanned for level routes. */
TEST_F(guest, level_route_above_ioapic_pins_does_not_exit)
{
	bool lg = variant->logical;
	unsigned int t = variant->nr_vcpus - 1;
	struct kvm_irq_routing_entry e = route_to(GUEST_SPLIT_PINS, addr_of(lg, t),
						  0xb0, true);
	int32_t status = 0;

	ASSERT_EQ(0, set_routing(self->g.vm.fd, &e, 1));
	ASSERT_EQ(0, irq_line_status(self->g.vm.fd, GUEST_SPLIT_PINS, 1,
				     &status));
	EXPECT_EQ(1, status);
	ASSERT_EQ(0, guest_wait_irq(&self->g, t, 0xb0, 1, WAIT_MS));
	EXPECT_EQ(1u, guest_irq_count(&self->g, t, 0xb0));
	EXPECT_EQ(0u, guest_eois(&self->g, t, 0xb0));
	EXPECT_EQ(0, guest_error(&self->g));
}

/* An exception in the guest fails its vCPU loudly; the others go on. */
TEST_F(guest, exception_in_guest_fails_the_vcpu)
{
	bool lg = variant->logical;
	unsigned int t = variant->nr_vcpus - 1;

	/* vector 0x1f reaches the guest's exception stub */
	ASSERT_EQ(1, signal_msi(self->g.vm.fd, addr_of(lg, t), 0,
				msi_data(0x1f, DM_FIXED, false)));
	EXPECT_EQ(-EIO, guest_wait_irq(&self->g, t, 0x1f, 1, WAIT_MS));
	EXPECT_EQ(-EIO, guest_error(&self->g));
	EXPECT_EQ(0x1fu, self->g.vcpu[t].page->fault[0]);
	EXPECT_EQ(0u, guest_irq_total(&self->g, t));
	for (unsigned int i = 0; i < t; i++) {
		ASSERT_EQ(1, signal_msi(self->g.vm.fd, addr_of(lg, i), 0,
					msi_data(0x40, DM_FIXED, false)));
		ASSERT_EQ(0, guest_wait_irq(&self->g, i, 0x40, 1, WAIT_MS));
		EXPECT_EQ(1u, guest_irq_count(&self->g, i, 0x40));
	}
}

TEST_HARNESS_MAIN
