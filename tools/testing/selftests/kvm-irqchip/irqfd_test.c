// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_IRQFD: assign/deassign lifecycle, errnos, teardown on eventfd close,
 * delivery through the current routing table, and the irqfd counters.
 *
 * Delivery from an eventfd may be deferred to a work item, so positive
 * checks poll for up to WAIT_MS; negative checks wait SETTLE_MS first.
 */
#include <sys/mman.h>

#include "kic_x86_util.h"
#include "kselftest_harness.h"

#define NR_VCPUS	2
#define WAIT_MS		2000
#define SETTLE_MS	100

#define COUNTER(field)	offsetof(struct kvm_irqchip_counters, field)

static uint64_t counter(int fd, size_t off)
{
	struct kvm_irqchip_counters c;

	if (get_counters(fd, &c))
		return ~0ull;
	return *(uint64_t *)((char *)&c + off);
}

/* poll the counter at off until it reaches want; returns its last value */
static uint64_t wait_counter(int fd, size_t off, uint64_t want)
{
	uint64_t end = now_ms() + WAIT_MS, v;

	while ((v = counter(fd, off)) < want && now_ms() < end)
		sleep_ms(1);
	return v;
}

/*
 * 2 enabled xAPIC vCPUs; gsi 1 -> vCPU 0 vector 0x51, gsi 2 -> vCPU 1 0x52,
 * gsi 3 -> all (physical broadcast) 0x53; one unbound eventfd.
 */
FIXTURE(irqfd) {
	struct vm vm;
	int efd;
};

static struct kvm_irq_routing_entry to_vcpu(uint32_t gsi, uint32_t dest, uint32_t vec)
{
	return route_msi(gsi, msi_addr(dest, false, false), 0,
			 msi_data(vec, DM_FIXED, false));
}

FIXTURE_SETUP(irqfd)
{
	struct kvm_irq_routing_entry e[3] = {
		to_vcpu(1, 0, 0x51), to_vcpu(2, 1, 0x52), to_vcpu(3, 0xff, 0x53),
	};

	self->efd = -1;
	ASSERT_EQ(0, vm_init_kic(&self->vm, NR_VCPUS));
	ASSERT_EQ(0, vm_xapic_flat(&self->vm));
	ASSERT_EQ(0, set_routing(self->vm.fd, e, 3));
	self->efd = new_eventfd();
	ASSERT_LE(0, self->efd);
}

FIXTURE_TEARDOWN(irqfd)
{
	if (self->efd >= 0)
		close(self->efd);
	vm_fini(&self->vm);
}

TEST_F(irqfd, irqfd_write_sets_irr)
{
	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd, 1, 0));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, irr_count(self->vm.vcpu[0]));	/* nothing pending yet */
	ASSERT_EQ(0, efd_signal(self->efd));
	EXPECT_EQ(1, wait_irr(self->vm.vcpu[0], 0x51, WAIT_MS));
	EXPECT_EQ(1, irr_count(self->vm.vcpu[0]));
	EXPECT_EQ(0, irr_count(self->vm.vcpu[1]));
}

TEST_F(irqfd, irqfd_each_write_is_one_message)
{
	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd, 1, 0));
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(0, efd_signal(self->efd));
	EXPECT_EQ(3ull, wait_counter(self->vm.fd, COUNTER(delivered), 3));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(3ull, counter(self->vm.fd, COUNTER(delivered)));
}

TEST_F(irqfd, irqfd_same_eventfd_twice_is_ebusy)
{
	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd, 1, 0));
	EXPECT_EQ(-EBUSY, irqfd(self->vm.fd, self->efd, 1, 0));
}

TEST_F(irqfd, irqfd_same_eventfd_other_gsi_is_ebusy)
{
	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd, 1, 0));
	EXPECT_EQ(-EBUSY, irqfd(self->vm.fd, self->efd, 2, 0));
	/* the refused binding does not exist: a write reaches gsi 1 only */
	ASSERT_EQ(0, efd_signal(self->efd));
	EXPECT_EQ(1, wait_irr(self->vm.vcpu[0], 0x51, WAIT_MS));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, irr_count(self->vm.vcpu[1]));
}

TEST_F(irqfd, irqfd_dup_of_bound_eventfd_is_ebusy)
{
	int dup_fd = dup(self->efd);

	ASSERT_LE(0, dup_fd);
	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd, 1, 0));
	EXPECT_EQ(-EBUSY, irqfd(self->vm.fd, dup_fd, 2, 0));
	close(dup_fd);
}

TEST_F(irqfd, irqfd_two_eventfds_on_one_gsi_both_deliver)
{
	int efd2 = new_eventfd();

	ASSERT_LE(0, efd2);
	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd, 1, 0));
	ASSERT_EQ(0, irqfd(self->vm.fd, efd2, 1, 0));
	ASSERT_EQ(0, efd_signal(efd2));
	EXPECT_EQ(1, wait_irr(self->vm.vcpu[0], 0x51, WAIT_MS));
	ASSERT_EQ(0, lapic_clear_vectors(self->vm.vcpu[0]));
	ASSERT_EQ(0, efd_signal(self->efd));
	EXPECT_EQ(1, wait_irr(self->vm.vcpu[0], 0x51, WAIT_MS));
	EXPECT_EQ(2ull, wait_counter(self->vm.fd, COUNTER(delivered), 2));
	close(efd2);
}

TEST_F(irqfd, irqfd_deassign_stops_delivery)
{
	uint64_t before;

	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd, 1, 0));
	ASSERT_EQ(0, efd_signal(self->efd));
	ASSERT_EQ(1, wait_irr(self->vm.vcpu[0], 0x51, WAIT_MS));
	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd, 1, KVM_IRQFD_FLAG_DEASSIGN));
	ASSERT_EQ(0, lapic_clear_vectors(self->vm.vcpu[0]));
	before = counter(self->vm.fd, COUNTER(delivered));
	ASSERT_EQ(0, efd_signal(self->efd));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, irr_count(self->vm.vcpu[0]));
	EXPECT_EQ(before, counter(self->vm.fd, COUNTER(delivered)));
}

TEST_F(irqfd, irqfd_deassign_unbound_pair_is_0)
{
	int other = new_eventfd();

	ASSERT_LE(0, other);
	/* never bound at all */
	EXPECT_EQ(0, irqfd(self->vm.fd, other, 1, KVM_IRQFD_FLAG_DEASSIGN));
	/* bound, but to another gsi: the binding survives */
	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd, 1, 0));
	EXPECT_EQ(0, irqfd(self->vm.fd, self->efd, 2, KVM_IRQFD_FLAG_DEASSIGN));
	ASSERT_EQ(0, efd_signal(self->efd));
	EXPECT_EQ(1, wait_irr(self->vm.vcpu[0], 0x51, WAIT_MS));
	EXPECT_EQ(-EBUSY, irqfd(self->vm.fd, self->efd, 1, 0));
	close(other);
}

TEST_F(irqfd, irqfd_deassign_bad_fd_is_ebadf)
{
	int fd = new_eventfd();

	ASSERT_LE(0, fd);
	close(fd);
	EXPECT_EQ(-EBADF, irqfd(self->vm.fd, fd, 1, KVM_IRQFD_FLAG_DEASSIGN));
	EXPECT_EQ(-EBADF, irqfd(self->vm.fd, -1, 1, KVM_IRQFD_FLAG_DEASSIGN));
}

TEST_F(irqfd, irqfd_deassign_not_eventfd_is_einval)
{
	int p[2];

	ASSERT_EQ(0, pipe(p));
	EXPECT_EQ(-EINVAL, irqfd(self->vm.fd, p[0], 1, KVM_IRQFD_FLAG_DEASSIGN));
	close(p[0]);
	close(p[1]);
}

TEST_F(irqfd, irqfd_rebind_after_deassign)
{
	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd, 1, 0));
	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd, 1, KVM_IRQFD_FLAG_DEASSIGN));
	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd, 2, 0));
	ASSERT_EQ(0, efd_signal(self->efd));
	EXPECT_EQ(1, wait_irr(self->vm.vcpu[1], 0x52, WAIT_MS));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, irr_count(self->vm.vcpu[0]));
}

TEST_F(irqfd, irqfd_close_eventfd_tears_down)
{
	struct kvm_irqchip_counters before, after;
	int efd2;

	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd, 1, 0));
	ASSERT_EQ(0, efd_signal(self->efd));
	ASSERT_EQ(1, wait_irr(self->vm.vcpu[0], 0x51, WAIT_MS));
	ASSERT_EQ(0, vm_clear_vectors(&self->vm));
	ASSERT_EQ(0, get_counters(self->vm.fd, &before));
	close(self->efd);
	self->efd = -1;
	sleep_ms(SETTLE_MS);
	/* the hang-up is not a signal */
	ASSERT_EQ(0, get_counters(self->vm.fd, &after));
	EXPECT_EQ(before.delivered, after.delivered);
	EXPECT_EQ(before.fast_path + before.slow_path, after.fast_path + after.slow_path);
	EXPECT_EQ(0, irr_count(self->vm.vcpu[0]));
	/* a new eventfd binds to the gsi and delivers exactly once per write */
	efd2 = new_eventfd();
	ASSERT_LE(0, efd2);
	EXPECT_EQ(0, irqfd(self->vm.fd, efd2, 1, 0));
	ASSERT_EQ(0, efd_signal(efd2));
	EXPECT_EQ(1, wait_irr(self->vm.vcpu[0], 0x51, WAIT_MS));
	EXPECT_EQ(after.delivered + 1,
		  wait_counter(self->vm.fd, COUNTER(delivered),
			       after.delivered + 1));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(after.delivered + 1, counter(self->vm.fd, COUNTER(delivered)));
	close(efd2);
}

TEST_F(irqfd, irqfd_close_of_one_dup_keeps_binding)
{
	int dup_fd = dup(self->efd);

	ASSERT_LE(0, dup_fd);
	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd, 1, 0));
	close(self->efd);
	self->efd = dup_fd;
	sleep_ms(SETTLE_MS);
	ASSERT_EQ(0, efd_signal(self->efd));
	EXPECT_EQ(1, wait_irr(self->vm.vcpu[0], 0x51, WAIT_MS));
	EXPECT_EQ(-EBUSY, irqfd(self->vm.fd, self->efd, 1, 0));
}

TEST_F(irqfd, irqfd_pending_signal_delivered_at_assign)
{
	uint64_t count = 0;

	ASSERT_EQ(0, efd_signal(self->efd));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, irr_count(self->vm.vcpu[1]));
	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd, 2, 0));
	EXPECT_EQ(1, wait_irr(self->vm.vcpu[1], 0x52, WAIT_MS));
	/* delivered once, from the work item, and the count is left alone */
	EXPECT_EQ(1ull, wait_counter(self->vm.fd, COUNTER(slow_path), 1));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(1ull, counter(self->vm.fd, COUNTER(delivered)));
	EXPECT_EQ(0ull, counter(self->vm.fd, COUNTER(fast_path)));
	EXPECT_EQ((ssize_t)sizeof(count), read(self->efd, &count, sizeof(count)));
	EXPECT_EQ(1ull, (unsigned long long)count);
}

TEST_F(irqfd, irqfd_deassign_ignores_resample_flag)
{
	uint64_t before;

	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd, 1, 0));
	EXPECT_EQ(0, irqfd(self->vm.fd, self->efd, 1,
			   KVM_IRQFD_FLAG_DEASSIGN | KVM_IRQFD_FLAG_RESAMPLE));
	before = counter(self->vm.fd, COUNTER(delivered));
	ASSERT_EQ(0, efd_signal(self->efd));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(before, counter(self->vm.fd, COUNTER(delivered)));
	EXPECT_EQ(0, irqfd(self->vm.fd, self->efd, 1, 0));
}

TEST_F(irqfd, irqfd_not_eventfd_is_einval)
{
	int p[2], null_fd = open("/dev/null", O_RDWR);

	ASSERT_EQ(0, pipe(p));
	ASSERT_LE(0, null_fd);
	EXPECT_EQ(-EINVAL, irqfd(self->vm.fd, p[0], 1, 0));
	EXPECT_EQ(-EINVAL, irqfd(self->vm.fd, null_fd, 1, 0));
	EXPECT_EQ(-EINVAL, irqfd(self->vm.fd, self->vm.vcpu[0], 1, 0));
	EXPECT_EQ(-EINVAL, irqfd(self->vm.fd, self->vm.fd, 1, 0));
	close(p[0]);
	close(p[1]);
	close(null_fd);
}

TEST_F(irqfd, irqfd_closed_fd_is_ebadf)
{
	int fd = new_eventfd();

	ASSERT_LE(0, fd);
	close(fd);
	EXPECT_EQ(-EBADF, irqfd(self->vm.fd, fd, 1, 0));
	EXPECT_EQ(-EBADF, irqfd(self->vm.fd, -1, 1, 0));
}

/*
 * As KVM: kvm_irqfd_assign() takes KVM_IRQFD_FLAG_RESAMPLE on any GSI, an
 * MSI route's too, and the irqfd delivers the message (virt/kvm/eventfd.c).
 * x86_strict_test covers the strict model's EINVAL.
 */
TEST_F(irqfd, irqfd_resample_on_msi_route_is_accepted)
{
	struct kvm_irqfd a = { .fd = (uint32_t)self->efd, .gsi = 1,
			       .flags = KVM_IRQFD_FLAG_RESAMPLE };
	int rfd = new_eventfd();

	ASSERT_LE(0, rfd);
	a.resamplefd = rfd;
	EXPECT_EQ(0, xioctl(self->vm.fd, KVM_IRQFD, &a));
	/* bound: a second binding of the eventfd is refused */
	EXPECT_EQ(-EBUSY, irqfd(self->vm.fd, self->efd, 1, 0));
	ASSERT_EQ(0, efd_signal(self->efd));
	EXPECT_EQ(1, wait_irr(self->vm.vcpu[0], 0x51, 1000));
	EXPECT_EQ(0, irqfd(self->vm.fd, self->efd, 1, KVM_IRQFD_FLAG_DEASSIGN));
	close(rfd);
}

TEST_F(irqfd, irqfd_unknown_flags_is_einval)
{
	EXPECT_EQ(-EINVAL, irqfd(self->vm.fd, self->efd, 1, 1u << 2));
	EXPECT_EQ(-EINVAL, irqfd(self->vm.fd, self->efd, 1, 1u << 31));
	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd, 1, 0));
	EXPECT_EQ(-EINVAL, irqfd(self->vm.fd, self->efd, 1,
				 KVM_IRQFD_FLAG_DEASSIGN | 1u << 2));
	/* the refused deassign left the binding alone */
	EXPECT_EQ(-EBUSY, irqfd(self->vm.fd, self->efd, 1, 0));
}

TEST_F(irqfd, irqfd_no_route_counts_no_route)
{
	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd, 7, 0));
	ASSERT_EQ(0, efd_signal(self->efd));
	EXPECT_EQ(1ull, wait_counter(self->vm.fd, COUNTER(no_route), 1));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0ull, counter(self->vm.fd, COUNTER(delivered)));
	/* handled in the wakeup, delivered or not */
	EXPECT_EQ(1ull, counter(self->vm.fd, COUNTER(fast_path)));
	EXPECT_EQ(0, irr_count(self->vm.vcpu[0]));
	EXPECT_EQ(0, irr_count(self->vm.vcpu[1]));
}

TEST_F(irqfd, irqfd_gsi_not_range_checked)
{
	int efd2 = new_eventfd();

	ASSERT_LE(0, efd2);
	EXPECT_EQ(0, irqfd(self->vm.fd, self->efd, 4096, 0));
	EXPECT_EQ(0, irqfd(self->vm.fd, efd2, 0xffffffffu, 0));
	ASSERT_EQ(0, efd_signal(self->efd));
	ASSERT_EQ(0, efd_signal(efd2));
	EXPECT_EQ(2ull, wait_counter(self->vm.fd, COUNTER(no_route), 2));
	EXPECT_EQ(0, irqfd(self->vm.fd, efd2, 0xffffffffu, KVM_IRQFD_FLAG_DEASSIGN));
	close(efd2);
}

TEST_F(irqfd, irqfd_fast_path_counter_moves)
{
	struct kvm_irqchip_counters c;

	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd, 1, 0));
	ASSERT_EQ(0, efd_signal(self->efd));
	ASSERT_EQ(1, wait_irr(self->vm.vcpu[0], 0x51, WAIT_MS));
	ASSERT_EQ(1ull, wait_counter(self->vm.fd, COUNTER(delivered), 1));
	ASSERT_EQ(0, get_counters(self->vm.fd, &c));
	/* a physical MSI to an idle vCPU is delivered from the wakeup */
	EXPECT_EQ(1ull, c.fast_path);
	EXPECT_EQ(0ull, c.slow_path);
}

TEST_F(irqfd, irqfd_signals_counted_once_per_path)
{
	struct kvm_irqchip_counters c;

	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd, 3, 0));
	for (int i = 0; i < 5; i++) {
		ASSERT_EQ(0, efd_signal(self->efd));
		ASSERT_EQ(2ull * (i + 1), wait_counter(self->vm.fd, COUNTER(delivered),
						       2ull * (i + 1)));
	}
	ASSERT_EQ(0, get_counters(self->vm.fd, &c));
	EXPECT_EQ(5ull, c.fast_path + c.slow_path);
	EXPECT_EQ(3u, irr_mask(&self->vm, 0x53));
}

TEST_F(irqfd, irqfd_follows_routing_update)
{
	struct kvm_irq_routing_entry e = to_vcpu(1, 1, 0x61);

	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd, 1, 0));
	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	ASSERT_EQ(0, efd_signal(self->efd));
	EXPECT_EQ(1, wait_irr(self->vm.vcpu[1], 0x61, WAIT_MS));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, irr_count(self->vm.vcpu[0]));
}

TEST_F(irqfd, irqfd_route_added_later_delivers)
{
	struct kvm_irq_routing_entry e = to_vcpu(7, 1, 0x57);

	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd, 7, 0));
	ASSERT_EQ(0, efd_signal(self->efd));
	ASSERT_EQ(1ull, wait_counter(self->vm.fd, COUNTER(no_route), 1));
	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	ASSERT_EQ(0, efd_signal(self->efd));
	EXPECT_EQ(1, wait_irr(self->vm.vcpu[1], 0x57, WAIT_MS));
	EXPECT_EQ(1ull, counter(self->vm.fd, COUNTER(no_route)));
}

TEST_F(irqfd, irqfd_route_removed_stops_delivery)
{
	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd, 2, 0));
	ASSERT_EQ(0, set_routing(self->vm.fd, NULL, 0));
	ASSERT_EQ(0, efd_signal(self->efd));
	EXPECT_EQ(1ull, wait_counter(self->vm.fd, COUNTER(no_route), 1));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, irr_count(self->vm.vcpu[1]));
}

TEST_F(irqfd, irqfd_level_route_sets_tmr)
{
	struct kvm_irq_routing_entry e = route_msi(1, msi_addr(0, false, false), 0,
						   msi_data(0x91, DM_FIXED, true));

	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd, 1, 0));
	ASSERT_EQ(0, efd_signal(self->efd));
	ASSERT_EQ(1, wait_irr(self->vm.vcpu[0], 0x91, WAIT_MS));
	EXPECT_EQ(1, tmr_has(self->vm.vcpu[0], 0x91));
}

TEST_F(irqfd, irqfd_same_eventfd_in_two_instances)
{
	struct vm other;
	struct kvm_irq_routing_entry e = to_vcpu(1, 0, 0x71);

	ASSERT_EQ(0, vm_init_kic(&other, 1));
	ASSERT_EQ(0, vm_xapic_flat(&other));
	ASSERT_EQ(0, set_routing(other.fd, &e, 1));
	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd, 1, 0));
	ASSERT_EQ(0, irqfd(other.fd, self->efd, 1, 0));
	ASSERT_EQ(0, efd_signal(self->efd));
	EXPECT_EQ(1, wait_irr(self->vm.vcpu[0], 0x51, WAIT_MS));
	EXPECT_EQ(1, wait_irr(other.vcpu[0], 0x71, WAIT_MS));
	vm_fini(&other);
	/* the other instance going away leaves ours bound */
	ASSERT_EQ(0, lapic_clear_vectors(self->vm.vcpu[0]));
	ASSERT_EQ(0, efd_signal(self->efd));
	EXPECT_EQ(1, wait_irr(self->vm.vcpu[0], 0x51, WAIT_MS));
}

TEST_F(irqfd, irqfd_instance_close_with_bound_eventfd_is_safe)
{
	struct vm again;
	struct kvm_irq_routing_entry e = to_vcpu(1, 0, 0x71);

	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd, 1, 0));
	vm_fini(&self->vm);
	sleep_ms(SETTLE_MS);
	for (int i = 0; i < 10; i++)
		ASSERT_EQ(0, efd_signal(self->efd));
	/* the eventfd is free again for a new instance */
	ASSERT_EQ(0, vm_init_kic(&again, 1));
	ASSERT_EQ(0, vm_xapic_flat(&again));
	ASSERT_EQ(0, set_routing(again.fd, &e, 1));
	EXPECT_EQ(0, irqfd(again.fd, self->efd, 1, 0));
	/* the eventfd counter was left pending: delivered at assign */
	EXPECT_EQ(1, wait_irr(again.vcpu[0], 0x71, WAIT_MS));
	vm_fini(&again);
}

TEST_HARNESS_MAIN
