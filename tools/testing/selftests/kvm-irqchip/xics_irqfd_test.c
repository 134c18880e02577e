// SPDX-License-Identifier: GPL-2.0
/*
 * XICS sources behind irqfds: delivery from the eventfd wakeup itself
 * (the fast path) for source and MSI routes, a reject found there and
 * resent by the instance's work item, level sources with a resampling
 * irqfd (the resamplefd signalled at H_EOI, the line lowered first so the
 * EOI does not present it again), and a storm of irqfds on sources of two
 * ICSes to four servers at several priorities whose counts add up exactly:
 * every signal is accepted by a vCPU or counted as coalesced (P and Q both
 * set, PAPR 14.5.4.3), all from the fast path.
 *
 * Positive checks poll for up to WAIT_MS.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "xics_util.h"
#include "kselftest_harness.h"

#define WAIT_MS		3000
#define NR_VCPUS	4
#define BUID		1
#define BUID2		2
#define NR_SRC		32
#define IRQ(n)		xics_irq(BUID, n)
#define IRQ2(n)		xics_irq(BUID2, n)

FIXTURE(xirqfd) {
	struct vm vm;
};

FIXTURE_SETUP(xirqfd)
{
	ASSERT_EQ(0, xics_vm_init(&self->vm, NR_VCPUS));
	ASSERT_EQ(0, xics_create_ics(self->vm.fd, BUID, NR_SRC));
	ASSERT_EQ(0, xics_create_ics(self->vm.fd, BUID2, NR_SRC));
	for (int i = 0; i < NR_VCPUS; i++)
		ASSERT_EQ(H_SUCCESS, h_cppr(self->vm.vcpu[i], 0xff));
}

FIXTURE_TEARDOWN(xirqfd)
{
	vm_fini(&self->vm);
}

static uint64_t counter_of(int fd, size_t off)
{
	struct kvm_irqchip_counters c;

	if (get_counters(fd, &c))
		return ~0ull;
	return *(uint64_t *)((char *)&c + off);
}

#define COUNTER(fd, f)	counter_of(fd, offsetof(struct kvm_irqchip_counters, f))

TEST_F(xirqfd, xics_irqfd_presents_from_wakeup)
{
	struct kvm_irq_routing_entry e = route_xics(1, BUID, 3);
	int efd = new_eventfd();

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, set_xive(self->vm.fd, IRQ(3), 2, 5));
	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	ASSERT_EQ(0, irqfd(self->vm.fd, efd, 1, 0));
	ASSERT_EQ(0, efd_signal(efd));
	/* the wakeup ran inside write(): no waiting needed */
	EXPECT_EQ(IRQ(3), xisr_of(&self->vm, 2));
	EXPECT_EQ(1ull, COUNTER(self->vm.fd, fast_path));
	EXPECT_EQ(0ull, COUNTER(self->vm.fd, slow_path));
	close(efd);
}

TEST_F(xirqfd, xics_irqfd_msi_route_presents_from_wakeup)
{
	struct kvm_irq_routing_entry e = route_msi(2, 0, 0, IRQ2(9));
	int efd = new_eventfd();

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, set_xive(self->vm.fd, IRQ2(9), 1, 5));
	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	ASSERT_EQ(0, irqfd(self->vm.fd, efd, 2, 0));
	ASSERT_EQ(0, efd_signal(efd));
	EXPECT_EQ(IRQ2(9), xisr_of(&self->vm, 1));
	EXPECT_EQ(1ull, COUNTER(self->vm.fd, fast_path));
	EXPECT_EQ(0ull, COUNTER(self->vm.fd, slow_path));
	close(efd);
}

/*
 * PAPR 14.5.4.2.1: the more favoured interrupt from ICS 2 displaces the
 * one from ICS 1 in the wakeup; the displaced one is resent by the work
 * item and presented once the guest EOIs the first.
 */
TEST_F(xirqfd, xics_irqfd_reject_in_wakeup_is_resent)
{
	struct kvm_irq_routing_entry e[2] = { route_xics(1, BUID, 4), route_xics(2, BUID2, 5) };
	int efd[2] = { new_eventfd(), new_eventfd() };
	int v = self->vm.vcpu[0];

	ASSERT_LE(0, efd[0]);
	ASSERT_LE(0, efd[1]);
	ASSERT_EQ(0, set_xive(self->vm.fd, IRQ(4), 0, 6));
	ASSERT_EQ(0, set_xive(self->vm.fd, IRQ2(5), 0, 3));
	ASSERT_EQ(0, set_routing(self->vm.fd, e, 2));
	ASSERT_EQ(0, irqfd(self->vm.fd, efd[0], 1, 0));
	ASSERT_EQ(0, irqfd(self->vm.fd, efd[1], 2, 0));
	ASSERT_EQ(0, efd_signal(efd[0]));
	ASSERT_EQ(IRQ(4), xisr_of(&self->vm, 0));
	ASSERT_EQ(0, efd_signal(efd[1]));
	EXPECT_EQ(IRQ2(5), xisr_of(&self->vm, 0));
	EXPECT_EQ(xirr_of(0xff, IRQ2(5)), h_xirr(v));
	EXPECT_EQ(H_SUCCESS, h_eoi(v, xirr_of(0xff, IRQ2(5))));
	EXPECT_EQ(1, wait_xisr(&self->vm, 0, IRQ(4), WAIT_MS));
	EXPECT_EQ(xirr_of(0xff, IRQ(4)), h_xirr(v));
	EXPECT_EQ(2ull, COUNTER(self->vm.fd, fast_path));
	close(efd[0]);
	close(efd[1]);
}

/*
 * A level source behind a resampling irqfd: the line is held until the
 * guest's H_EOI, which lowers it and signals the resamplefd without
 * presenting it again (KVM_IRQFD_FLAG_RESAMPLE semantics, KVM api.rst
 * 4.75).
 */
TEST_F(xirqfd, xics_lsi_resample_signals_at_eoi)
{
	struct kvm_irq_routing_entry e[2] = { route_xics(3, BUID, 7),
					      route_msi(4, 0, 0, IRQ(8)) };
	int efd = new_eventfd(), rfd = new_eventfd(), efd2 = new_eventfd();
	int rfd2 = new_eventfd();
	int v = self->vm.vcpu[3];
	uint64_t st;

	ASSERT_LE(0, efd);
	ASSERT_LE(0, rfd);
	ASSERT_LE(0, efd2);
	ASSERT_LE(0, rfd2);
	ASSERT_EQ(0, source_set(self->vm.fd, IRQ(7),
				source_state(3, 5, KVM_IRQCHIP_XICS_LEVEL_SENSITIVE)));
	ASSERT_EQ(0, set_routing(self->vm.fd, e, 2));
	/*
	 * A message route has no line to resample, but KVM's generic
	 * kvm_irqfd_assign() takes the resampler on any GSI, on POWER too
	 * (virt/kvm/eventfd.c): bound, as a second binding shows.
	 */
	EXPECT_EQ(0, resample_irqfd(self->vm.fd, efd2, rfd2, 4));
	EXPECT_EQ(-EBUSY, irqfd(self->vm.fd, efd2, 4, 0));
	ASSERT_EQ(0, resample_irqfd(self->vm.fd, efd, rfd, 3));

	for (int round = 0; round < 2; round++) {
		ASSERT_EQ(0, efd_signal(efd));
		ASSERT_EQ(1, wait_xisr(&self->vm, 3, IRQ(7), WAIT_MS));
		ASSERT_EQ(0, source_get(self->vm.fd, IRQ(7), &st));
		EXPECT_TRUE(!!(st & KVM_IRQCHIP_XICS_PENDING));
		EXPECT_EQ(xirr_of(0xff, IRQ(7)), h_xirr(v));
		EXPECT_EQ(0, resample_efd_read(rfd));
		EXPECT_EQ(H_SUCCESS, h_eoi(v, xirr_of(0xff, IRQ(7))));
		EXPECT_EQ(1, resample_efd_wait(rfd, WAIT_MS));
		EXPECT_EQ(xirr_of(0xff, 0), h_xirr(v));
		ASSERT_EQ(0, source_get(self->vm.fd, IRQ(7), &st));
		EXPECT_EQ(source_state(3, 5, KVM_IRQCHIP_XICS_LEVEL_SENSITIVE), st);
	}
	close(efd);
	close(efd2);
	close(rfd);
	close(rfd2);
}

/* The line a resampling irqfd holds is ORed with KVM_IRQ_LINE's. */
TEST_F(xirqfd, xics_lsi_user_level_outlives_resample)
{
	struct kvm_irq_routing_entry e = route_xics(3, BUID, 9);
	int efd = new_eventfd(), rfd = new_eventfd();
	int v = self->vm.vcpu[1];

	ASSERT_LE(0, efd);
	ASSERT_LE(0, rfd);
	ASSERT_EQ(0, source_set(self->vm.fd, IRQ(9),
				source_state(1, 5, KVM_IRQCHIP_XICS_LEVEL_SENSITIVE)));
	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	ASSERT_EQ(0, resample_irqfd(self->vm.fd, efd, rfd, 3));
	ASSERT_EQ(0, efd_signal(efd));
	ASSERT_EQ(0, irq_line(self->vm.fd, 3, 1));
	ASSERT_EQ(xirr_of(0xff, IRQ(9)), h_xirr(v));
	EXPECT_EQ(H_SUCCESS, h_eoi(v, xirr_of(0xff, IRQ(9))));
	EXPECT_EQ(1, resample_efd_wait(rfd, WAIT_MS));
	/* still asserted by the VMM's KVM_IRQ_LINE */
	EXPECT_EQ(xirr_of(0xff, IRQ(9)), h_xirr(v));
	ASSERT_EQ(0, irq_line(self->vm.fd, 3, 0));
	EXPECT_EQ(H_SUCCESS, h_eoi(v, xirr_of(0xff, IRQ(9))));
	EXPECT_EQ(xirr_of(0xff, 0), h_xirr(v));
	close(efd);
	close(rfd);
}

#define STORM_SRC	8
#define STORM_N		400

struct storm {
	struct vm *vm;
	int efd[STORM_SRC];
	atomic_uint accepted[STORM_SRC];
	atomic_uint other;
	atomic_bool stop;
	atomic_uint idx;
};

static uint32_t storm_irq(unsigned int i)
{
	return i % 2 ? IRQ2(i) : IRQ(i);
}

static void *storm_writer(void *arg)
{
	struct storm *s = arg;
	unsigned int i = atomic_fetch_add(&s->idx, 1);

	for (int n = 0; n < STORM_N; n++)
		if (efd_signal(s->efd[i]))
			break;
	return NULL;
}

struct storm_cpu {
	struct storm *s;
	unsigned int server;
};

/* One vCPU of the guest: accept, count, EOI, until told to stop. */
static void *storm_vcpu(void *arg)
{
	struct storm_cpu *c = arg;
	struct storm *s = c->s;
	int v = s->vm->vcpu[c->server];

	while (!atomic_load(&s->stop)) {
		uint32_t xirr, xisr;
		unsigned int i;

		if (vcpu_readable(v, 5) <= 0)
			continue;
		xirr = h_xirr(v);
		xisr = xirr & 0xffffff;
		if (!xisr || xirr == ~0u)
			continue;
		for (i = 0; i < STORM_SRC && storm_irq(i) != xisr; i++)
			;
		if (i < STORM_SRC)
			atomic_fetch_add(&s->accepted[i], 1);
		else
			atomic_fetch_add(&s->other, 1);
		h_eoi(v, xirr);
	}
	return NULL;
}

static uint64_t storm_accepted(struct storm *s)
{
	uint64_t sum = 0;

	for (int i = 0; i < STORM_SRC; i++)
		sum += atomic_load(&s->accepted[i]);
	return sum;
}

/*
 * 8 sources over two ICSes, two per server at different priorities (3..5) so that
 * arrivals displace each other: every signal ends up accepted or
 * coalesced, counted once, and delivered from the wakeup.
 */
TEST_F(xirqfd, xics_irqfd_storm_counts_add_up)
{
	struct kvm_irq_routing_entry e[STORM_SRC];
	pthread_t wr[STORM_SRC], cpu[NR_VCPUS];
	struct storm_cpu sc[NR_VCPUS];
	const uint64_t total = STORM_SRC * STORM_N;
	static struct storm s;
	uint64_t end, coalesced, accepted;

	memset(&s, 0, sizeof(s));
	s.vm = &self->vm;
	for (int i = 0; i < STORM_SRC; i++) {
		s.efd[i] = new_eventfd();
		ASSERT_LE(0, s.efd[i]);
		ASSERT_EQ(0, set_xive(self->vm.fd, storm_irq(i), i % NR_VCPUS, 3 + i % 3));
		e[i] = route_xics(10 + i, i % 2 ? BUID2 : BUID, i);
	}
	ASSERT_EQ(0, set_routing(self->vm.fd, e, STORM_SRC));
	for (int i = 0; i < STORM_SRC; i++)
		ASSERT_EQ(0, irqfd(self->vm.fd, s.efd[i], 10 + i, 0));

	for (int i = 0; i < NR_VCPUS; i++) {
		sc[i].s = &s;
		sc[i].server = i;
		ASSERT_EQ(0, pthread_create(&cpu[i], NULL, storm_vcpu, &sc[i]));
	}
	for (int i = 0; i < STORM_SRC; i++)
		ASSERT_EQ(0, pthread_create(&wr[i], NULL, storm_writer, &s));
	for (int i = 0; i < STORM_SRC; i++)
		pthread_join(wr[i], NULL);

	end = now_ms() + 30000;
	do {
		coalesced = COUNTER(self->vm.fd, coalesced);
		accepted = storm_accepted(&s);
		if (accepted + coalesced >= total)
			break;
		sleep_ms(10);
	} while (now_ms() < end);
	/* a little longer: nothing beyond the total may arrive */
	sleep_ms(100);
	atomic_store(&s.stop, true);
	for (int i = 0; i < NR_VCPUS; i++)
		pthread_join(cpu[i], NULL);

	accepted = storm_accepted(&s);
	coalesced = COUNTER(self->vm.fd, coalesced);
	TH_LOG("accepted %llu coalesced %llu of %llu", (unsigned long long)accepted,
	       (unsigned long long)coalesced, (unsigned long long)total);
	EXPECT_EQ(total, accepted + coalesced);
	EXPECT_EQ(0u, atomic_load(&s.other));
	EXPECT_EQ(total, COUNTER(self->vm.fd, fast_path));
	EXPECT_EQ(0ull, COUNTER(self->vm.fd, slow_path));
	EXPECT_EQ(accepted, COUNTER(self->vm.fd, delivered));
	for (int i = 0; i < STORM_SRC; i++) {
		uint64_t st;

		EXPECT_LE(1u, atomic_load(&s.accepted[i])) TH_LOG("source %d", i);
		ASSERT_EQ(0, source_get(self->vm.fd, storm_irq(i), &st));
		EXPECT_EQ(source_state(i % NR_VCPUS, 3 + i % 3, 0), st) TH_LOG("source %d", i);
	}
	for (int i = 0; i < NR_VCPUS; i++)
		EXPECT_EQ(xirr_of(0xff, 0), h_ipoll(self->vm.vcpu[0], i, NULL));
	for (int i = 0; i < STORM_SRC; i++)
		close(s.efd[i]);
}

/* Closing everything with rejects still in flight leaves nothing behind. */
TEST(xics_teardown_with_rejects_in_flight_leaks_nothing)
{
	int inst0, irqfds0, inst, irqfds;

	ASSERT_EQ(0, objects_read(&inst0, &irqfds0));
	for (int round = 0; round < 4; round++) {
		struct kvm_irq_routing_entry e[4];
		int efd[4];
		struct vm vm;

		ASSERT_EQ(0, xics_vm_init(&vm, 1));
		ASSERT_EQ(0, xics_create_ics(vm.fd, BUID, 8));
		ASSERT_EQ(0, xics_create_ics(vm.fd, BUID2, 8));
		ASSERT_EQ(H_SUCCESS, h_cppr(vm.vcpu[0], 0xff));
		for (int i = 0; i < 4; i++) {
			efd[i] = new_eventfd();
			ASSERT_EQ(0, set_xive(vm.fd, storm_irq(i), 0, 8 - i));
			e[i] = route_xics(i, i % 2 ? BUID2 : BUID, i);
		}
		ASSERT_EQ(0, set_routing(vm.fd, e, 4));
		for (int i = 0; i < 4; i++)
			ASSERT_EQ(0, irqfd(vm.fd, efd[i], i, 0));
		/* increasing priority: every signal rejects the previous one */
		for (int i = 0; i < 4; i++)
			ASSERT_EQ(0, efd_signal(efd[i]));
		vm_fini(&vm);
		for (int i = 0; i < 4; i++)
			close(efd[i]);
	}
	for (int t = 0; t < 300; t++) {
		ASSERT_EQ(0, objects_read(&inst, &irqfds));
		if (inst == inst0 && irqfds == irqfds0)
			break;
		sleep_ms(10);
	}
	EXPECT_EQ(inst0, inst);
	EXPECT_EQ(irqfds0, irqfds);
}

TEST_HARNESS_MAIN
