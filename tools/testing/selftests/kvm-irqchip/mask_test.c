// SPDX-License-Identifier: GPL-2.0
/*
 * Per-GSI masking with a latched pending bit (the MSI-X PBA's semantics:
 * PCI Local Bus 3.0 / PCIe 6.1.4.5: a masked vector's message is held
 * pending and sent once on unmask), read and cleared in bulk, with irqfds
 * assigned throughout; and the per-GSI counters.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "kic_x86_util.h"
#include "kselftest_harness.h"

#define NR_VCPUS 2

FIXTURE(mask) {
	struct vm vm;
	int efd;
};

FIXTURE_SETUP(mask)
{
	ASSERT_EQ(0, vm_init_kic(&self->vm, NR_VCPUS));
	ASSERT_EQ(0, vm_xapic_flat(&self->vm));
	self->efd = new_eventfd();
	ASSERT_LE(0, self->efd);
}

FIXTURE_TEARDOWN(mask)
{
	close(self->efd);
	vm_fini(&self->vm);
}

static struct kvm_irq_routing_entry to_vcpu(uint32_t gsi, uint32_t vcpu,
					    uint32_t vec)
{
	return route_msi(gsi, msi_addr(vcpu, false, false), 0,
			 msi_data(vec, DM_FIXED, false));
}

static struct kvm_irq_routing_entry nmi_to(uint32_t gsi, uint32_t vcpu)
{
	return route_msi(gsi, msi_addr(vcpu, false, false), 0,
			 msi_data(0, DM_NMI, false));
}

static struct kvm_irqchip_gsi_counters counters(struct vm *vm, uint32_t gsi)
{
	struct kvm_irqchip_gsi_counters c;

	memset(&c, 0xff, sizeof(c));
	gsi_counters(vm->fd, gsi, 1, &c);
	return c;
}

TEST_F(mask, masked_signal_is_pending_and_unmask_delivers_once)
{
	struct kvm_irq_routing_entry e = to_vcpu(5, 0, 0x41);
	struct kvm_irqchip_gsi_counters c;

	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd, 5, 0));
	ASSERT_EQ(0, gsi_mask(self->vm.fd, 5));
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(0, efd_signal(self->efd));
	EXPECT_EQ(0, irr_has(self->vm.vcpu[0], 0x41));
	EXPECT_EQ(1, gsi_is_pending(self->vm.fd, 5));
	c = counters(&self->vm, 5);
	EXPECT_EQ(3u, c.masked);
	EXPECT_EQ(0u, c.delivered);

	ASSERT_EQ(0, gsi_unmask(self->vm.fd, 5));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[0], 0x41));
	EXPECT_EQ(0, gsi_is_pending(self->vm.fd, 5));
	c = counters(&self->vm, 5);
	EXPECT_EQ(1u, c.delivered);

	/* Unmasking again delivers nothing more; the irqfd still works. */
	ASSERT_EQ(0, lapic_clear_vectors(self->vm.vcpu[0]));
	ASSERT_EQ(0, gsi_unmask(self->vm.fd, 5));
	EXPECT_EQ(0, irr_has(self->vm.vcpu[0], 0x41));
	ASSERT_EQ(0, efd_signal(self->efd));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[0], 0x41));
	EXPECT_EQ(2u, counters(&self->vm, 5).delivered);
}

TEST_F(mask, unmask_without_pending_delivers_nothing)
{
	struct kvm_irq_routing_entry e = to_vcpu(6, 0, 0x42);

	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	ASSERT_EQ(0, gsi_mask(self->vm.fd, 6));
	ASSERT_EQ(0, gsi_unmask(self->vm.fd, 6));
	EXPECT_EQ(0, irr_has(self->vm.vcpu[0], 0x42));
	EXPECT_EQ(0u, counters(&self->vm, 6).delivered);
}

TEST_F(mask, pending_read_and_clear_then_unmask_delivers_nothing)
{
	struct kvm_irq_routing_entry e = to_vcpu(7, 0, 0x43);
	uint64_t map = 0;

	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd, 7, 0));
	ASSERT_EQ(0, gsi_mask(self->vm.fd, 7));
	ASSERT_EQ(0, efd_signal(self->efd));
	ASSERT_EQ(0, gsi_pending(self->vm.fd, 7, 1, 0, &map));
	EXPECT_EQ(1u, map);
	ASSERT_EQ(0, gsi_pending(self->vm.fd, 7, 1, KVM_IRQCHIP_PENDING_CLEAR,
				 &map));
	EXPECT_EQ(1u, map);
	EXPECT_EQ(0, gsi_is_pending(self->vm.fd, 7));
	ASSERT_EQ(0, gsi_unmask(self->vm.fd, 7));
	EXPECT_EQ(0, irr_has(self->vm.vcpu[0], 0x43));
}

/* One call reads a whole range: bit i is GSI first + i, in u64 words. */
TEST_F(mask, pending_bitmap_of_a_range)
{
	uint64_t map[4], want[4] = { 0 };
	struct kvm_irqchip_gsi_counters c[200];
	const uint32_t first = 70;

	for (uint32_t g = 100; g < 300; g++) {
		ASSERT_EQ(0, gsi_mask(self->vm.fd, g));
		if (g % 3 == 0) {
			int32_t st;

			ASSERT_EQ(0, irq_line_status(self->vm.fd, g, 1, &st));
			EXPECT_EQ(-1, st);
			want[(g - first) / 64] |= 1ull << ((g - first) % 64);
		}
	}
	memset(map, 0xaa, sizeof(map));
	ASSERT_EQ(0, gsi_pending(self->vm.fd, first, 250, 0, map));
	/* Bits past nr come back zero. */
	EXPECT_EQ(0, memcmp(map, want, sizeof(map)));
	ASSERT_EQ(0, gsi_counters(self->vm.fd, 100, 200, c));
	for (uint32_t i = 0; i < 200; i++)
		EXPECT_EQ((100 + i) % 3 == 0 ? 1u : 0u, c[i].masked);
	/* Clear all of it; a second read finds nothing. */
	ASSERT_EQ(0, gsi_pending(self->vm.fd, first, 250,
				 KVM_IRQCHIP_PENDING_CLEAR, map));
	EXPECT_EQ(0, memcmp(map, want, sizeof(map)));
	ASSERT_EQ(0, gsi_pending(self->vm.fd, first, 250, 0, map));
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(0u, map[i]);
}

TEST_F(mask, range_errors_change_nothing)
{
	uint32_t max = (uint32_t)check_ext(self->vm.fd, KVM_CAP_IRQ_ROUTING);
	struct kvm_irqchip_gsi_range r = { .first = 1, .nr = 1 };
	uint64_t map = 0;
	int32_t st;

	ASSERT_EQ(0, gsi_mask(self->vm.fd, 1));
	ASSERT_EQ(0, irq_line_status(self->vm.fd, 1, 1, &st));
	EXPECT_EQ(-EINVAL, gsi_pending(self->vm.fd, 1, 1, 2, &map));
	EXPECT_EQ(-EINVAL, gsi_pending(self->vm.fd, max, 1, 0, &map));
	EXPECT_EQ(-EINVAL, gsi_pending(self->vm.fd, max - 1, 2, 0, &map));
	EXPECT_EQ(0, gsi_pending(self->vm.fd, max - 1, 1, 0, &map));
	EXPECT_EQ(0, gsi_pending(self->vm.fd, 0, 0, 0, NULL));
	/* A bitmap that cannot be written: EFAULT, and the bit stays. */
	EXPECT_EQ(-EFAULT, gsi_pending(self->vm.fd, 1, 1,
				       KVM_IRQCHIP_PENDING_CLEAR, fault_page()));
	EXPECT_EQ(1, gsi_is_pending(self->vm.fd, 1));
	r.addr = (uintptr_t)&map;
	r.pad = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->vm.fd, KVM_IRQCHIP_GET_PENDING, &r));
	r.pad = 0;
	r.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->vm.fd, KVM_IRQCHIP_GET_GSI_COUNTERS, &r));
	EXPECT_EQ(-EFAULT, xioctl(self->vm.fd, KVM_IRQCHIP_GET_PENDING, NULL));
	EXPECT_EQ(-EFAULT, gsi_counters(self->vm.fd, 0, 1, fault_page()));
	EXPECT_EQ(-EINVAL, gsi_counters(self->vm.fd, max, 1, NULL));
}

/* delivered, coalesced, dropped (no route, no target), masked */
TEST_F(mask, counters_count_each_outcome)
{
	struct kvm_irq_routing_entry e[] = {
		to_vcpu(1, 0, 0x51),
		route_pin(2, KVM_IRQCHIP_IOAPIC, 3),
		to_vcpu(3, 5, 0x53),	/* APIC ID 5: nobody */
	};
	struct kvm_irqchip_gsi_counters c[5];
	int efd4 = new_eventfd();
	int32_t st;

	ASSERT_EQ(0, set_routing(self->vm.fd, e, ARRAY_SIZE(e)));
	ASSERT_EQ(0, irqfd(self->vm.fd, efd4, 4, 0));	/* GSI 4: no route */
	ASSERT_EQ(0, irq_line_status(self->vm.fd, 1, 1, &st));
	EXPECT_EQ(1, st);
	/* IOAPIC pin 3 masked (reset state): KVM status 0, coalesced */
	ASSERT_EQ(0, irq_line_status(self->vm.fd, 2, 1, &st));
	ASSERT_EQ(0, irq_line_status(self->vm.fd, 2, 0, &st));
	ASSERT_EQ(0, irq_line_status(self->vm.fd, 3, 1, &st));
	ASSERT_EQ(0, efd_signal(efd4));
	ASSERT_EQ(0, efd_signal(efd4));
	ASSERT_EQ(0, gsi_mask(self->vm.fd, 1));
	ASSERT_EQ(0, irq_line_status(self->vm.fd, 1, 1, &st));

	ASSERT_EQ(0, gsi_counters(self->vm.fd, 0, 5, c));
	EXPECT_EQ(0u, c[0].delivered + c[0].coalesced + c[0].dropped + c[0].masked);
	EXPECT_EQ(1u, c[1].delivered);
	EXPECT_EQ(1u, c[1].masked);
	EXPECT_EQ(1u, c[2].delivered + c[2].coalesced + c[2].dropped);
	EXPECT_EQ(0u, c[3].delivered);
	EXPECT_EQ(1u, c[3].coalesced + c[3].dropped);
	EXPECT_EQ(2u, c[4].dropped);
	close(efd4);
}

struct toggler {
	int fd;
	uint32_t gsi;
	atomic_bool stop;
	unsigned int toggles;
};

static void *toggle_loop(void *arg)
{
	struct toggler *t = arg;

	while (!atomic_load(&t->stop)) {
		gsi_mask(t->fd, t->gsi);
		gsi_unmask(t->fd, t->gsi);
		t->toggles++;
	}
	return NULL;
}

/*
 * An irqfd fires while another thread masks and unmasks: every signal is
 * either delivered at once or latched; each latch is delivered by exactly
 * one unmask (pending bits merge: several latched signals may become one
 * delivery, never more than were latched, never zero if any was).  NMIs
 * are counted per delivery by the vCPU, so nothing hides a double.
 */
TEST_F(mask, concurrent_mask_unmask_loses_none_doubles_none)
{
	struct kvm_irq_routing_entry e = nmi_to(9, 1);
	struct toggler t = { .fd = self->vm.fd, .gsi = 9 };
	struct kvm_irqchip_vcpu_events ev;
	struct kvm_irqchip_gsi_counters c;
	const unsigned int writes = 20000;
	uint64_t nmis;
	pthread_t th;

	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd, 9, 0));
	ASSERT_EQ(0, pthread_create(&th, NULL, toggle_loop, &t));
	for (unsigned int i = 0; i < writes; i++)
		ASSERT_EQ(0, efd_signal(self->efd));
	atomic_store(&t.stop, true);
	pthread_join(th, NULL);
	ASSERT_EQ(0, gsi_unmask(self->vm.fd, 9));	/* last word */

	ASSERT_EQ(0, vcpu_events(self->vm.vcpu[1], &ev));
	nmis = ev.nmi;
	c = counters(&self->vm, 9);
	ksft_print_msg("%u writes, %u mask/unmask pairs: %llu delivered, %llu latched\n",
		       writes, t.toggles, (unsigned long long)c.delivered,
		       (unsigned long long)c.masked);
	EXPECT_EQ(0, gsi_is_pending(self->vm.fd, 9));
	/* The vCPU saw exactly what the counters say was delivered. */
	EXPECT_EQ(nmis, c.delivered);
	EXPECT_EQ(0u, c.coalesced + c.dropped);
	/* Direct ones all arrived; latched ones merged, none lost. */
	EXPECT_LE(writes - c.masked, nmis);
	EXPECT_GE(writes, nmis);
	if (c.masked)
		EXPECT_LT(writes - c.masked, nmis);
	EXPECT_LT(0u, t.toggles);
}

TEST_HARNESS_MAIN
