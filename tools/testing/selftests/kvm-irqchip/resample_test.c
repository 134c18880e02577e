// SPDX-License-Identifier: GPL-2.0
/*
 * Resampling irqfds (KVM_IRQFD_FLAG_RESAMPLE) on IOAPIC and PIC pins: the
 * assign errnos, the level an irqfd holds until the guest completes the
 * interrupt, the resamplefds signalled at that completion, several irqfds
 * sharing a GSI, the OR with KVM_IRQ_LINE, resampling at unmask, teardown
 * by deassign and by close (also racing the guest's EOIs), the PIC's EOI
 * command, auto-EOI and poll, and a level interrupt in service carried by
 * KVM_GET/SET_IRQCHIP and KVM_GET/SET_LAPIC into a new instance.
 *
 * A signal reaches the pin from the eventfd wakeup or from a work item, so
 * positive checks poll for up to WAIT_MS and negative ones wait SETTLE_MS
 * first.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "kic_x86_util.h"
#include "kselftest_harness.h"

#define WAIT_MS		2000
#define SETTLE_MS	100
#define NR_FDS		3

#define GSI		10	/* IOAPIC pin 10 in the default table */
#define VEC		0x61
#define OTHER_VEC	0x81	/* an unrelated, higher-class vector */
#define NO_ROUTE_GSI	24	/* beyond the default table */

#define PIC_GSI		5	/* routed to master PIC pin 5 only */
#define PIC_BASE	0x20
#define PIC_VEC		(PIC_BASE + PIC_GSI)

#define ACK_EAGAIN	((uint32_t)-EAGAIN)
#define COUNTER(field)	offsetof(struct kvm_irqchip_counters, field)

static uint64_t counter(int fd, size_t off)
{
	struct kvm_irqchip_counters c;

	if (get_counters(fd, &c))
		return ~0ull;
	return *(uint64_t *)((char *)&c + off);
}

static uint64_t wait_counter(int fd, size_t off, uint64_t want)
{
	uint64_t end = now_ms() + WAIT_MS, v;

	while ((v = counter(fd, off)) < want && now_ms() < end)
		sleep_ms(1);
	return v;
}

/* irqfd signals handled so far, from the wakeup or the work item */
static uint64_t wait_signals(int fd, uint64_t want)
{
	uint64_t end = now_ms() + WAIT_MS, v;

	for (;;) {
		v = counter(fd, COUNTER(fast_path)) + counter(fd, COUNTER(slow_path));
		if (v >= want || now_ms() >= end)
			return v;
		sleep_ms(1);
	}
}

/* KVM_IRQCHIP_VCPU_ACK: the vector, or the -errno as a u32 */
static uint32_t take(int vfd)
{
	uint32_t vec = 0;
	long r = vcpu_ack(vfd, &vec, NULL);

	return r ? (uint32_t)r : vec;
}

/* KVM_IRQCHIP_VCPU_EOI: the vector retired, or the -errno as a u32 */
static uint32_t done(int vfd)
{
	uint32_t vec = 0;
	long r = vcpu_eoi(vfd, &vec, NULL);

	return r ? (uint32_t)r : vec;
}

/* The IOAPIC's irr bit of pin as KVM_GET_IRQCHIP shows it: 1, 0 or -errno */
static int pin_level(int fd, unsigned int pin)
{
	struct kvm_ioapic_state s;
	long r = resample_ioapic_get(fd, &s);

	return r ? (int)r : !!(s.irr & (1u << pin));
}

static int remote_irr(int fd, unsigned int pin)
{
	struct kvm_ioapic_state s;
	long r = resample_ioapic_get(fd, &s);

	return r ? (int)r : s.redirtbl[pin].fields.remote_irr;
}

/* 1 when the pin's level reaches want within WAIT_MS, else 0 */
static int wait_pin_level(int fd, unsigned int pin, int want)
{
	uint64_t end = now_ms() + WAIT_MS;

	do {
		if (pin_level(fd, pin) == want)
			return 1;
		sleep_ms(1);
	} while (now_ms() < end);
	return pin_level(fd, pin) == want;
}

/* 1 when the counts reach instances/irqfds within WAIT_MS, 0 when not */
static int objects_wait(int instances, int irqfds, int *got_i, int *got_f)
{
	uint64_t end = now_ms() + WAIT_MS;

	do {
		if (objects_read(got_i, got_f))
			return -1;
		if (*got_i == instances && *got_f == irqfds)
			return 1;
		sleep_ms(5);
	} while (now_ms() < end);
	return 0;
}

#define EXPECT_OBJECTS(_inst, _irqfds) do {					\
	int __wi = (_inst), __wf = (_irqfds), __i, __f, __r;			\
										\
	__r = objects_wait(__wi, __wf, &__i, &__f);				\
	if (__r < 0)								\
		ksft_print_msg("missing debugfs: no %s, leak check skipped\n",	\
			       KIC_OBJECTS);						\
	else									\
		EXPECT_EQ(1, __r) TH_LOG("objects: instances %d irqfds %d, "	\
					 "want %d and %d", __i, __f, __wi, __wf); \
} while (0)

/*
 * One enabled xAPIC vCPU on an instance with the default routing; IOAPIC
 * pin GSI level-triggered, unmasked, vector VEC to vCPU 0; NR_FDS pairs of
 * unbound eventfds (irqfd and resamplefd).  vCPU 0's LVT0 is masked, as
 * firmware leaves it: the default table also routes GSI to the PIC, whose
 * ExtINT vCPU 0 would otherwise take first (LVT0 resets to ExtINT).
 */
FIXTURE(resample) {
	struct vm vm;
	int v0;
	int efd[NR_FDS];
	int rfd[NR_FDS];
};

FIXTURE_SETUP(resample)
{
	for (int i = 0; i < NR_FDS; i++) {
		self->efd[i] = -1;
		self->rfd[i] = -1;
	}
	ASSERT_EQ(0, resample_vm_init(&self->vm, 1,
				      KVM_IRQCHIP_CREATE_DEFAULT_ROUTING));
	self->v0 = self->vm.vcpu[0];
	ASSERT_EQ(0, vm_xapic_flat(&self->vm));
	ASSERT_EQ(0, lapic_mask_lvt0(self->v0));
	ASSERT_EQ(0, resample_ioapic_route(self->vm.fd, GSI, VEC, 0, true, false));
	for (int i = 0; i < NR_FDS; i++) {
		self->efd[i] = new_eventfd();
		self->rfd[i] = new_eventfd();
		ASSERT_LE(0, self->efd[i]);
		ASSERT_LE(0, self->rfd[i]);
	}
}

FIXTURE_TEARDOWN(resample)
{
	for (int i = 0; i < NR_FDS; i++) {
		if (self->efd[i] >= 0)
			close(self->efd[i]);
		if (self->rfd[i] >= 0)
			close(self->rfd[i]);
	}
	vm_fini(&self->vm);
}

/* bind pair i of the fixture to gsi, resampling */
#define assign(self, i, gsi) ({					\
	typeof(self) __s = (self);					\
	int __i = (i);							\
									\
	resample_irqfd(__s->vm.fd, __s->efd[__i], __s->rfd[__i], (gsi));	\
})
#define deassign(self, i, gsi) ({					\
	typeof(self) __s = (self);					\
									\
	irqfd(__s->vm.fd, __s->efd[i], (gsi), KVM_IRQFD_FLAG_DEASSIGN);	\
})

static void close_fd(int *fd)
{
	close(*fd);
	*fd = -1;
}

/* ---------------------------------------------------------------------- */
/* Assign                                                                  */

/*
 * As KVM: kvm_irqfd_assign() takes a resampling irqfd on any GSI without
 * looking at the routing table (virt/kvm/eventfd.c); a signal on a GSI
 * without a route reaches nothing.
 */
TEST_F(resample, resample_gsi_without_route_is_accepted)
{
	EXPECT_EQ(0, assign(self, 0, NO_ROUTE_GSI));
	EXPECT_EQ(0, assign(self, 1, 0xffffffffu));
	EXPECT_OBJECTS(1, 2);
	/* both eventfds are bound now */
	EXPECT_EQ(-EBUSY, irqfd(self->vm.fd, self->efd[0], NO_ROUTE_GSI, 0));
	EXPECT_EQ(-EBUSY, irqfd(self->vm.fd, self->efd[1], 0xffffffffu, 0));
	ASSERT_EQ(0, efd_signal(self->efd[0]));
	ASSERT_EQ(0, efd_signal(self->efd[1]));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, irr_count(self->v0));
	EXPECT_EQ(ACK_EAGAIN, take(self->v0));
	EXPECT_EQ(0, resample_efd_read(self->rfd[0]));
	EXPECT_EQ(0, resample_efd_read(self->rfd[1]));
}

/* The SDM-strict model refuses them: nothing would ever lower the level. */
TEST_F(resample, strict_resample_gsi_without_route_is_einval)
{
	ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_IRQCHIP_CAP_X86_STRICT, 1, 0));
	EXPECT_EQ(-EINVAL, assign(self, 0, NO_ROUTE_GSI));
	EXPECT_EQ(-EINVAL, assign(self, 0, 0xffffffffu));
	EXPECT_OBJECTS(1, 0);
	/* nothing was bound: the eventfd is still free */
	EXPECT_EQ(0, irqfd(self->vm.fd, self->efd[0], NO_ROUTE_GSI, 0));
}

/*
 * As KVM, a resampling irqfd on an MSI route is accepted and delivers the
 * message; beyond KVM (api.rst 6.2), the EOI of the vector it delivered
 * signals the resamplefd.  x86_strict_test covers the strict refusal.
 */
TEST_F(resample, resample_gsi_with_msi_route_is_accepted)
{
	struct kvm_irq_routing_entry e[RESAMPLE_DEFAULT_ROUTES + 1];

	resample_default_routes(e);
	e[RESAMPLE_DEFAULT_ROUTES] =
		route_msi(NO_ROUTE_GSI, msi_addr(0, false, false), 0,
			  msi_data(0x71, DM_FIXED, true));
	ASSERT_EQ(0, set_routing(self->vm.fd, e, ARRAY_SIZE(e)));
	EXPECT_EQ(0, assign(self, 0, NO_ROUTE_GSI));
	EXPECT_EQ(0, assign(self, 1, GSI));
	ASSERT_EQ(0, efd_signal(self->efd[0]));
	ASSERT_EQ(1, wait_irr(self->v0, 0x71, WAIT_MS));
	EXPECT_EQ(0x71u, take(self->v0));
	EXPECT_EQ(0x71u, done(self->v0));
	EXPECT_EQ(1, resample_efd_wait(self->rfd[0], WAIT_MS));
	EXPECT_EQ(0, resample_efd_read(self->rfd[1]));
}

/*
 * Without KVM_IRQCHIP_CREATE_DEFAULT_ROUTING the table is empty; the
 * resampling irqfd is accepted all the same (KVM) and drives the pin once
 * a route names it.  Strict refuses it until the pin route exists.
 */
TEST_F(resample, resample_accepted_before_the_pin_route_exists)
{
	struct kvm_irq_routing_entry e = route_pin(GSI, KVM_IRQCHIP_IOAPIC, GSI);
	struct vm bare;

	ASSERT_EQ(0, vm_init_kic(&bare, 1));
	ASSERT_EQ(0, vm_xapic_flat(&bare));
	ASSERT_EQ(0, resample_ioapic_route(bare.fd, GSI, VEC, 0, true, false));
	EXPECT_EQ(0, resample_irqfd(bare.fd, self->efd[0], self->rfd[0], GSI));
	ASSERT_EQ(0, set_routing(bare.fd, &e, 1));
	ASSERT_EQ(0, efd_signal(self->efd[0]));
	EXPECT_EQ(1, wait_irr(bare.vcpu[0], VEC, WAIT_MS));
	EXPECT_EQ((uint32_t)VEC, take(bare.vcpu[0]));
	EXPECT_EQ((uint32_t)VEC, done(bare.vcpu[0]));
	EXPECT_EQ(1, resample_efd_wait(self->rfd[0], WAIT_MS));
	vm_fini(&bare);
}

TEST_F(resample, strict_resample_needs_a_pin_route_not_the_default_table)
{
	struct kvm_irq_routing_entry e = route_pin(GSI, KVM_IRQCHIP_IOAPIC, GSI);
	struct vm bare;

	ASSERT_EQ(0, vm_init_kic(&bare, 1));
	ASSERT_EQ(0, enable_cap(bare.fd, KVM_IRQCHIP_CAP_X86_STRICT, 1, 0));
	EXPECT_EQ(-EINVAL, resample_irqfd(bare.fd, self->efd[0], self->rfd[0], GSI));
	ASSERT_EQ(0, set_routing(bare.fd, &e, 1));
	EXPECT_EQ(0, resample_irqfd(bare.fd, self->efd[0], self->rfd[0], GSI));
	vm_fini(&bare);
}

TEST_F(resample, resample_bad_resamplefd_is_ebadf)
{
	int fd = new_eventfd();

	ASSERT_LE(0, fd);
	close(fd);
	EXPECT_EQ(-EBADF, resample_irqfd(self->vm.fd, self->efd[0], fd, GSI));
	EXPECT_EQ(-EBADF, resample_irqfd(self->vm.fd, self->efd[0], -1, GSI));
	/* as KVM: the resamplefd is looked at before the route */
	EXPECT_EQ(-EBADF, resample_irqfd(self->vm.fd, self->efd[0], fd, NO_ROUTE_GSI));
	EXPECT_OBJECTS(1, 0);
	/* nothing was half bound */
	EXPECT_EQ(0, assign(self, 0, GSI));
}

TEST_F(resample, resample_resamplefd_not_eventfd_is_einval)
{
	int p[2], null_fd = open("/dev/null", O_RDWR);

	ASSERT_EQ(0, pipe(p));
	ASSERT_LE(0, null_fd);
	EXPECT_EQ(-EINVAL, resample_irqfd(self->vm.fd, self->efd[0], p[0], GSI));
	EXPECT_EQ(-EINVAL, resample_irqfd(self->vm.fd, self->efd[0], null_fd, GSI));
	EXPECT_EQ(-EINVAL, resample_irqfd(self->vm.fd, self->efd[0], self->vm.fd, GSI));
	EXPECT_EQ(0, assign(self, 0, GSI));
	close(p[0]);
	close(p[1]);
	close(null_fd);
}

TEST_F(resample, resample_bad_eventfd_is_ebadf)
{
	int fd = new_eventfd();

	ASSERT_LE(0, fd);
	close(fd);
	EXPECT_EQ(-EBADF, resample_irqfd(self->vm.fd, fd, self->rfd[0], GSI));
}

TEST_F(resample, resample_eventfd_bound_twice_is_ebusy)
{
	ASSERT_EQ(0, assign(self, 0, GSI));
	EXPECT_EQ(-EBUSY, resample_irqfd(self->vm.fd, self->efd[0], self->rfd[1], GSI));
	EXPECT_EQ(-EBUSY, resample_irqfd(self->vm.fd, self->efd[0], self->rfd[1], 11));
	EXPECT_EQ(-EBUSY, irqfd(self->vm.fd, self->efd[0], GSI, 0));
	EXPECT_OBJECTS(1, 1);
	/* the refused bindings left the first one whole */
	ASSERT_EQ(0, efd_signal(self->efd[0]));
	ASSERT_EQ(1, wait_irr(self->v0, VEC, WAIT_MS));
	EXPECT_EQ((uint32_t)VEC, take(self->v0));
	EXPECT_EQ((uint32_t)VEC, done(self->v0));
	EXPECT_EQ(1, resample_efd_wait(self->rfd[0], WAIT_MS));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, resample_efd_read(self->rfd[1]));
}

/* ---------------------------------------------------------------------- */
/* One irqfd on an IOAPIC pin                                              */

TEST_F(resample, resample_signal_delivers_level_interrupt_once)
{
	uint32_t vec = 0, flags = 0;

	ASSERT_EQ(0, assign(self, 0, GSI));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, irr_count(self->v0));
	EXPECT_EQ(0, pin_level(self->vm.fd, GSI));
	ASSERT_EQ(0, efd_signal(self->efd[0]));
	ASSERT_EQ(1, wait_irr(self->v0, VEC, WAIT_MS));
	EXPECT_EQ(1, tmr_has(self->v0, VEC));
	EXPECT_EQ(1, pin_level(self->vm.fd, GSI));
	EXPECT_EQ(1, remote_irr(self->vm.fd, GSI));
	ASSERT_EQ(0, vcpu_ack(self->v0, &vec, &flags));
	EXPECT_EQ((uint32_t)VEC, vec);
	EXPECT_EQ(KVM_IRQCHIP_ACK_LEVEL, flags);
	/* held high, but remote IRR blocks a second delivery */
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, irr_count(self->v0));
	EXPECT_EQ(1, pin_level(self->vm.fd, GSI));
	EXPECT_EQ(0, resample_efd_read(self->rfd[0]));
	EXPECT_EQ(1ull, counter(self->vm.fd, COUNTER(delivered)));
}

TEST_F(resample, resample_signal_before_eoi_is_coalesced)
{
	uint64_t coalesced;

	ASSERT_EQ(0, assign(self, 0, GSI));
	ASSERT_EQ(0, efd_signal(self->efd[0]));
	ASSERT_EQ(1, wait_irr(self->v0, VEC, WAIT_MS));
	ASSERT_EQ((uint32_t)VEC, take(self->v0));
	coalesced = counter(self->vm.fd, COUNTER(coalesced));
	ASSERT_EQ(0, efd_signal(self->efd[0]));
	EXPECT_EQ(coalesced + 1, wait_counter(self->vm.fd, COUNTER(coalesced),
					      coalesced + 1));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, irr_count(self->v0));
	EXPECT_EQ(1ull, counter(self->vm.fd, COUNTER(delivered)));
	/* one EOI, one resample; the merged signal is not replayed */
	ASSERT_EQ((uint32_t)VEC, done(self->v0));
	EXPECT_EQ(1, resample_efd_wait(self->rfd[0], WAIT_MS));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, irr_count(self->v0));
	EXPECT_EQ(0, resample_efd_read(self->rfd[0]));
	EXPECT_EQ(1ull, counter(self->vm.fd, COUNTER(delivered)));
}

TEST_F(resample, resample_eoi_signals_resamplefd_and_lowers_pin)
{
	uint32_t vec = 0, flags = 0;

	ASSERT_EQ(0, assign(self, 0, GSI));
	ASSERT_EQ(0, efd_signal(self->efd[0]));
	ASSERT_EQ(1, wait_irr(self->v0, VEC, WAIT_MS));
	ASSERT_EQ((uint32_t)VEC, take(self->v0));
	ASSERT_EQ(0, vcpu_eoi(self->v0, &vec, &flags));
	EXPECT_EQ((uint32_t)VEC, vec);
	EXPECT_EQ(KVM_IRQCHIP_ACK_LEVEL, flags);
	EXPECT_EQ(1, resample_efd_wait(self->rfd[0], WAIT_MS));
	EXPECT_EQ(0, pin_level(self->vm.fd, GSI));
	EXPECT_EQ(0, remote_irr(self->vm.fd, GSI));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, irr_count(self->v0));
	EXPECT_EQ(ACK_EAGAIN, take(self->v0));
	EXPECT_EQ(0, resample_efd_read(self->rfd[0]));
	EXPECT_EQ(1ull, counter(self->vm.fd, COUNTER(delivered)));
}

TEST_F(resample, resample_each_signal_after_eoi_delivers_again)
{
	ASSERT_EQ(0, assign(self, 0, GSI));
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(0, efd_signal(self->efd[0]));
		ASSERT_EQ(1, wait_irr(self->v0, VEC, WAIT_MS)) TH_LOG("round %d", i);
		EXPECT_EQ((uint32_t)VEC, take(self->v0));
		EXPECT_EQ((uint32_t)VEC, done(self->v0));
		EXPECT_EQ(1, resample_efd_wait(self->rfd[0], WAIT_MS)) TH_LOG("round %d", i);
	}
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, irr_count(self->v0));
	EXPECT_EQ(3ull, counter(self->vm.fd, COUNTER(delivered)));
}

TEST_F(resample, resample_eoi_of_other_vector_does_not_resample)
{
	ASSERT_EQ(0, assign(self, 0, GSI));
	ASSERT_EQ(0, efd_signal(self->efd[0]));
	ASSERT_EQ(1, wait_irr(self->v0, VEC, WAIT_MS));
	ASSERT_EQ(1, signal_msi(self->vm.fd, msi_addr(0, false, false), 0,
				msi_data(OTHER_VEC, DM_FIXED, false)));
	ASSERT_EQ((uint32_t)OTHER_VEC, take(self->v0));
	ASSERT_EQ((uint32_t)OTHER_VEC, done(self->v0));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, resample_efd_read(self->rfd[0]));
	EXPECT_EQ(1, pin_level(self->vm.fd, GSI));
	EXPECT_EQ((uint32_t)VEC, take(self->v0));
	EXPECT_EQ((uint32_t)VEC, done(self->v0));
	EXPECT_EQ(1, resample_efd_wait(self->rfd[0], WAIT_MS));
}

TEST_F(resample, resample_on_edge_pin_each_signal_after_eoi_is_an_edge)
{
	ASSERT_EQ(0, resample_ioapic_route(self->vm.fd, GSI, VEC, 0, false, false));
	ASSERT_EQ(0, assign(self, 0, GSI));
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, efd_signal(self->efd[0]));
		ASSERT_EQ(1, wait_irr(self->v0, VEC, WAIT_MS)) TH_LOG("round %d", i);
		EXPECT_EQ(0, tmr_has(self->v0, VEC));
		EXPECT_EQ((uint32_t)VEC, take(self->v0));
		EXPECT_EQ((uint32_t)VEC, done(self->v0));
		/* the edge pin's EOI lowers the held level: the next is an edge */
		EXPECT_EQ(1, resample_efd_wait(self->rfd[0], WAIT_MS)) TH_LOG("round %d", i);
	}
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, irr_count(self->v0));
	EXPECT_EQ(2ull, counter(self->vm.fd, COUNTER(delivered)));
}

TEST_F(resample, resample_eoi_acks_every_pin_with_the_vector)
{
	ASSERT_EQ(0, resample_ioapic_route(self->vm.fd, GSI + 1, VEC, 0, true, false));
	ASSERT_EQ(0, assign(self, 0, GSI));
	ASSERT_EQ(0, assign(self, 1, GSI + 1));
	ASSERT_EQ(0, efd_signal(self->efd[0]));
	ASSERT_EQ(0, efd_signal(self->efd[1]));
	ASSERT_EQ(1, wait_pin_level(self->vm.fd, GSI + 1, 1));
	ASSERT_EQ(1, wait_pin_level(self->vm.fd, GSI, 1));
	ASSERT_EQ(1, wait_irr(self->v0, VEC, WAIT_MS));
	ASSERT_EQ((uint32_t)VEC, take(self->v0));
	ASSERT_EQ((uint32_t)VEC, done(self->v0));
	/* one EOI of the shared vector completes both pins */
	EXPECT_EQ(1, resample_efd_wait(self->rfd[0], WAIT_MS));
	EXPECT_EQ(1, resample_efd_wait(self->rfd[1], WAIT_MS));
	EXPECT_EQ(0, pin_level(self->vm.fd, GSI));
	EXPECT_EQ(0, pin_level(self->vm.fd, GSI + 1));
	EXPECT_EQ(0, remote_irr(self->vm.fd, GSI));
	EXPECT_EQ(0, remote_irr(self->vm.fd, GSI + 1));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, irr_count(self->v0));
}

/* ---------------------------------------------------------------------- */
/* Several irqfds on one GSI, and other sources of the same pin            */

TEST_F(resample, resample_one_eoi_signals_every_resamplefd)
{
	for (int i = 0; i < NR_FDS; i++)
		ASSERT_EQ(0, assign(self, i, GSI));
	ASSERT_EQ(0, efd_signal(self->efd[1]));
	ASSERT_EQ(1, wait_irr(self->v0, VEC, WAIT_MS));
	ASSERT_EQ((uint32_t)VEC, take(self->v0));
	ASSERT_EQ((uint32_t)VEC, done(self->v0));
	for (int i = 0; i < NR_FDS; i++) {
		EXPECT_EQ(1, resample_efd_wait(self->rfd[i], WAIT_MS))
			TH_LOG("rfd %d", i);
	}
	EXPECT_EQ(0, pin_level(self->vm.fd, GSI));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, irr_count(self->v0));
	for (int i = 0; i < NR_FDS; i++) {
		EXPECT_EQ(0, resample_efd_read(self->rfd[i]))
			TH_LOG("rfd %d", i);
	}
}

TEST_F(resample, resample_signals_on_shared_gsi_merge_until_eoi)
{
	ASSERT_EQ(0, assign(self, 0, GSI));
	ASSERT_EQ(0, assign(self, 1, GSI));
	ASSERT_EQ(0, efd_signal(self->efd[0]));
	ASSERT_EQ(1, wait_irr(self->v0, VEC, WAIT_MS));
	ASSERT_EQ(0, efd_signal(self->efd[1]));
	ASSERT_EQ(2ull, wait_signals(self->vm.fd, 2));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ((uint32_t)VEC, take(self->v0));
	EXPECT_EQ(ACK_EAGAIN, take(self->v0));
	ASSERT_EQ((uint32_t)VEC, done(self->v0));
	EXPECT_EQ(1, resample_efd_wait(self->rfd[0], WAIT_MS));
	EXPECT_EQ(1, resample_efd_wait(self->rfd[1], WAIT_MS));
	/* both irqfds drove one level; the EOI lowered it for both */
	EXPECT_EQ(0, pin_level(self->vm.fd, GSI));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, irr_count(self->v0));
	EXPECT_EQ(1ull, counter(self->vm.fd, COUNTER(delivered)));
}

TEST_F(resample, resample_eoi_keeps_pin_held_by_irq_line)
{
	ASSERT_EQ(0, assign(self, 0, GSI));
	ASSERT_EQ(0, efd_signal(self->efd[0]));
	ASSERT_EQ(1, wait_irr(self->v0, VEC, WAIT_MS));
	ASSERT_EQ(0, irq_line(self->vm.fd, GSI, 1));
	ASSERT_EQ((uint32_t)VEC, take(self->v0));
	ASSERT_EQ((uint32_t)VEC, done(self->v0));
	EXPECT_EQ(1, resample_efd_wait(self->rfd[0], WAIT_MS));
	/* KVM_IRQ_LINE still drives the pin: it is delivered again */
	EXPECT_EQ(1, wait_irr(self->v0, VEC, WAIT_MS));
	EXPECT_EQ(1, pin_level(self->vm.fd, GSI));
	EXPECT_EQ(1, remote_irr(self->vm.fd, GSI));
	EXPECT_EQ(2ull, counter(self->vm.fd, COUNTER(delivered)));
	/* the line drops; the next EOI is an acknowledgment like any other */
	ASSERT_EQ(0, irq_line(self->vm.fd, GSI, 0));
	EXPECT_EQ(0, pin_level(self->vm.fd, GSI));
	EXPECT_EQ((uint32_t)VEC, take(self->v0));
	EXPECT_EQ((uint32_t)VEC, done(self->v0));
	EXPECT_EQ(1, resample_efd_wait(self->rfd[0], WAIT_MS));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, irr_count(self->v0));
	EXPECT_EQ(2ull, counter(self->vm.fd, COUNTER(delivered)));
}

/* ---------------------------------------------------------------------- */
/* Unmask                                                                  */

TEST_F(resample, resample_unmask_of_asserted_pin_resamples_instead_of_delivering)
{
	ASSERT_EQ(0, resample_ioapic_route(self->vm.fd, GSI, VEC, 0, true, true));
	ASSERT_EQ(0, assign(self, 0, GSI));
	ASSERT_EQ(0, efd_signal(self->efd[0]));
	ASSERT_EQ(1, wait_pin_level(self->vm.fd, GSI, 1));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, irr_count(self->v0));
	/* the guest unmasks: the level may be stale, so it is resampled */
	ASSERT_EQ(0, resample_ioapic_route(self->vm.fd, GSI, VEC, 0, true, false));
	EXPECT_EQ(1, resample_efd_wait(self->rfd[0], WAIT_MS));
	EXPECT_EQ(0, pin_level(self->vm.fd, GSI));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, irr_count(self->v0));
	EXPECT_EQ(0ull, counter(self->vm.fd, COUNTER(delivered)));
	/* a device still asserting signals again, and is delivered */
	ASSERT_EQ(0, efd_signal(self->efd[0]));
	EXPECT_EQ(1, wait_irr(self->v0, VEC, WAIT_MS));
	EXPECT_EQ((uint32_t)VEC, take(self->v0));
}

TEST_F(resample, resample_unmask_with_irq_line_high_still_delivers)
{
	ASSERT_EQ(0, resample_ioapic_route(self->vm.fd, GSI, VEC, 0, true, true));
	ASSERT_EQ(0, assign(self, 0, GSI));
	ASSERT_EQ(0, efd_signal(self->efd[0]));
	ASSERT_EQ(1ull, wait_signals(self->vm.fd, 1));
	ASSERT_EQ(0, irq_line(self->vm.fd, GSI, 1));
	sleep_ms(SETTLE_MS);
	ASSERT_EQ(0, irr_count(self->v0));
	ASSERT_EQ(0, resample_ioapic_route(self->vm.fd, GSI, VEC, 0, true, false));
	EXPECT_EQ(1, resample_efd_wait(self->rfd[0], WAIT_MS));
	EXPECT_EQ(1, wait_irr(self->v0, VEC, WAIT_MS));
	EXPECT_EQ(1, pin_level(self->vm.fd, GSI));
	EXPECT_EQ((uint32_t)VEC, take(self->v0));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, irr_count(self->v0));
	EXPECT_EQ(1ull, counter(self->vm.fd, COUNTER(delivered)));
}

TEST_F(resample, resample_unmask_of_idle_pin_does_not_signal)
{
	ASSERT_EQ(0, resample_ioapic_route(self->vm.fd, GSI, VEC, 0, true, true));
	ASSERT_EQ(0, assign(self, 0, GSI));
	ASSERT_EQ(0, resample_ioapic_route(self->vm.fd, GSI, VEC, 0, true, false));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, resample_efd_read(self->rfd[0]));
	EXPECT_EQ(0, irr_count(self->v0));
}

TEST_F(resample, resample_unmask_while_in_service_waits_for_eoi)
{
	ASSERT_EQ(0, assign(self, 0, GSI));
	ASSERT_EQ(0, efd_signal(self->efd[0]));
	ASSERT_EQ(1, wait_irr(self->v0, VEC, WAIT_MS));
	ASSERT_EQ((uint32_t)VEC, take(self->v0));
	/* remote IRR is set: mask and unmask is no completion */
	ASSERT_EQ(0, resample_ioapic_route(self->vm.fd, GSI, VEC, 0, true, true));
	ASSERT_EQ(0, resample_ioapic_route(self->vm.fd, GSI, VEC, 0, true, false));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, resample_efd_read(self->rfd[0]));
	EXPECT_EQ(1, pin_level(self->vm.fd, GSI));
	EXPECT_EQ(0, irr_count(self->v0));
	ASSERT_EQ((uint32_t)VEC, done(self->v0));
	EXPECT_EQ(1, resample_efd_wait(self->rfd[0], WAIT_MS));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, irr_count(self->v0));
}

/* ---------------------------------------------------------------------- */
/* Teardown                                                                */

TEST_F(resample, resample_deassign_one_keeps_the_others)
{
	ASSERT_EQ(0, assign(self, 0, GSI));
	ASSERT_EQ(0, assign(self, 1, GSI));
	ASSERT_EQ(0, deassign(self, 0, GSI));
	ASSERT_EQ(0, efd_signal(self->efd[0]));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, irr_count(self->v0));
	EXPECT_EQ(0, pin_level(self->vm.fd, GSI));
	ASSERT_EQ(0, efd_signal(self->efd[1]));
	ASSERT_EQ(1, wait_irr(self->v0, VEC, WAIT_MS));
	EXPECT_EQ((uint32_t)VEC, take(self->v0));
	EXPECT_EQ((uint32_t)VEC, done(self->v0));
	EXPECT_EQ(1, resample_efd_wait(self->rfd[1], WAIT_MS));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, resample_efd_read(self->rfd[0]));
	/* and it can be bound again */
	EXPECT_EQ(0, assign(self, 0, GSI));
}

TEST_F(resample, resample_deassign_last_lowers_its_level)
{
	ASSERT_EQ(0, resample_ioapic_route(self->vm.fd, GSI, VEC, 0, true, true));
	ASSERT_EQ(0, assign(self, 0, GSI));
	ASSERT_EQ(0, efd_signal(self->efd[0]));
	ASSERT_EQ(1, wait_pin_level(self->vm.fd, GSI, 1));
	ASSERT_EQ(0, deassign(self, 0, GSI));
	EXPECT_EQ(1, wait_pin_level(self->vm.fd, GSI, 0));
	ASSERT_EQ(0, resample_ioapic_route(self->vm.fd, GSI, VEC, 0, true, false));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, irr_count(self->v0));
	EXPECT_EQ(0, resample_efd_read(self->rfd[0]));
}

TEST_F(resample, resample_close_of_last_eventfd_lowers_its_level)
{
	ASSERT_EQ(0, resample_ioapic_route(self->vm.fd, GSI, VEC, 0, true, true));
	ASSERT_EQ(0, assign(self, 0, GSI));
	ASSERT_EQ(0, efd_signal(self->efd[0]));
	ASSERT_EQ(1, wait_pin_level(self->vm.fd, GSI, 1));
	close_fd(&self->efd[0]);
	EXPECT_EQ(1, wait_pin_level(self->vm.fd, GSI, 0));
	ASSERT_EQ(0, resample_ioapic_route(self->vm.fd, GSI, VEC, 0, true, false));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, irr_count(self->v0));
	EXPECT_EQ(0, resample_efd_read(self->rfd[0]));
}

TEST_F(resample, resample_closed_fds_leave_the_others_working)
{
	EXPECT_OBJECTS(1, 0);
	for (int i = 0; i < NR_FDS; i++)
		ASSERT_EQ(0, assign(self, i, GSI));
	EXPECT_OBJECTS(1, NR_FDS);
	/* irqfd 0 asserts, then goes with its eventfd (EPOLLHUP) */
	ASSERT_EQ(0, efd_signal(self->efd[0]));
	ASSERT_EQ(1, wait_irr(self->v0, VEC, WAIT_MS));
	close_fd(&self->efd[0]);
	EXPECT_OBJECTS(1, NR_FDS - 1);
	/* irqfd 1 loses the only fd of its resamplefd, and stays */
	close_fd(&self->rfd[1]);
	sleep_ms(SETTLE_MS);
	EXPECT_OBJECTS(1, NR_FDS - 1);
	/* the level another member raised is the GSI's, until the EOI */
	ASSERT_EQ((uint32_t)VEC, take(self->v0));
	ASSERT_EQ((uint32_t)VEC, done(self->v0));
	EXPECT_EQ(1, resample_efd_wait(self->rfd[2], WAIT_MS));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, resample_efd_read(self->rfd[0]));
	EXPECT_EQ(0, irr_count(self->v0));
	/* irqfd 1 still raises the pin, and its EOI reaches the rest */
	ASSERT_EQ(0, efd_signal(self->efd[1]));
	ASSERT_EQ(1, wait_irr(self->v0, VEC, WAIT_MS));
	EXPECT_EQ((uint32_t)VEC, take(self->v0));
	EXPECT_EQ((uint32_t)VEC, done(self->v0));
	EXPECT_EQ(1, resample_efd_wait(self->rfd[2], WAIT_MS));
	/* everything else goes with its fds and the instance */
	for (int i = 0; i < NR_FDS; i++) {
		if (self->efd[i] >= 0)
			close_fd(&self->efd[i]);
		if (self->rfd[i] >= 0)
			close_fd(&self->rfd[i]);
	}
	vm_fini(&self->vm);
	EXPECT_OBJECTS(0, 0);
}

/* A guest taking and completing the interrupt, with the device re-signalling. */
struct eoi_racer {
	int v0, efd, rfd;
	atomic_bool stop;
	unsigned long rounds, wrong;
};

static void *eoi_loop(void *arg)
{
	struct eoi_racer *r = arg;
	uint32_t vec;

	while (!atomic_load(&r->stop)) {
		efd_signal(r->efd);
		if (!vcpu_ack(r->v0, &vec, NULL) && vec != VEC)
			r->wrong++;
		if (!vcpu_eoi(r->v0, &vec, NULL) && vec && vec != VEC)
			r->wrong++;
		resample_efd_read(r->rfd);
		r->rounds++;
	}
	return NULL;
}

TEST_F(resample, resample_deassign_racing_eois_is_safe)
{
	struct eoi_racer r = {
		.v0 = self->v0, .efd = self->efd[0], .rfd = self->rfd[0],
	};
	unsigned long failed = 0;
	pthread_t t;

	ASSERT_EQ(0, assign(self, 1, GSI));
	ASSERT_EQ(0, assign(self, 0, GSI));
	ASSERT_EQ(0, pthread_create(&t, NULL, eoi_loop, &r));
	for (int i = 0; i < 300; i++) {
		failed += deassign(self, 0, GSI) != 0;
		failed += assign(self, 0, GSI) != 0;
		/* the other member of the GSI goes and comes back too */
		if (i % 3 == 0) {
			failed += deassign(self, 1, GSI) != 0;
			failed += assign(self, 1, GSI) != 0;
		}
	}
	atomic_store(&r.stop, true);
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0ul, failed);
	EXPECT_EQ(0ul, r.wrong);
	EXPECT_LT(0ul, r.rounds);
	EXPECT_OBJECTS(1, 2);
	/* unbound, the pin is low; complete what is still pending */
	ASSERT_EQ(0, deassign(self, 0, GSI));
	ASSERT_EQ(0, deassign(self, 1, GSI));
	EXPECT_EQ(1, wait_pin_level(self->vm.fd, GSI, 0));
	while (done(self->v0) == VEC)
		;
	while (take(self->v0) == VEC)
		EXPECT_EQ((uint32_t)VEC, done(self->v0));
	EXPECT_EQ(0, remote_irr(self->vm.fd, GSI));
	EXPECT_EQ(0, irr_count(self->v0));
	resample_efd_read(self->rfd[0]);
	/* and one clean round trip */
	ASSERT_EQ(0, assign(self, 0, GSI));
	ASSERT_EQ(0, efd_signal(self->efd[0]));
	ASSERT_EQ(1, wait_irr(self->v0, VEC, WAIT_MS));
	EXPECT_EQ((uint32_t)VEC, take(self->v0));
	EXPECT_EQ((uint32_t)VEC, done(self->v0));
	EXPECT_EQ(1, resample_efd_wait(self->rfd[0], WAIT_MS));
	vm_fini(&self->vm);
	EXPECT_OBJECTS(0, 0);
}

/* ---------------------------------------------------------------------- */
/* PIC                                                                     */

/*
 * GSI PIC_GSI to master pin PIC_GSI only; the PIC at PIC_BASE, that pin
 * level-triggered and alone unmasked; vCPU vfd takes ExtINT through LVT0.
 */
static long pic_setup(int fd, int vfd, bool auto_eoi)
{
	struct kvm_irq_routing_entry e = route_pin(PIC_GSI, KVM_IRQCHIP_PIC_MASTER,
						   PIC_GSI);
	long r = set_routing(fd, &e, 1);

	if (!r)
		r = resample_pic_init(fd, PIC_BASE, auto_eoi,
				      (uint8_t)~(1u << PIC_GSI), 1u << PIC_GSI);
	return r ? r : resample_lvt0_extint(vfd);
}

static uint32_t take_extint(int vfd)
{
	uint32_t vec = 0, flags = 0;
	long r = vcpu_ack(vfd, &vec, &flags);

	if (r)
		return (uint32_t)r;
	return flags & KVM_IRQCHIP_ACK_EXTINT ? vec : 0xbad0000u | vec;
}

TEST_F(resample, resample_pic_pin_resampled_by_eoi_command)
{
	struct kvm_pic_state pic;

	ASSERT_EQ(0, pic_setup(self->vm.fd, self->v0, false));
	ASSERT_EQ(0, assign(self, 0, PIC_GSI));
	ASSERT_EQ(0, efd_signal(self->efd[0]));
	ASSERT_EQ(1, resample_wait_readable(self->v0, WAIT_MS));
	EXPECT_EQ((uint32_t)PIC_VEC, take_extint(self->v0));
	/* in service: the level waits for the EOI command */
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(ACK_EAGAIN, take(self->v0));
	EXPECT_EQ(0, resample_efd_read(self->rfd[0]));
	ASSERT_EQ(0, resample_pic_get(self->vm.fd, KVM_IRQCHIP_PIC_MASTER, &pic));
	EXPECT_EQ(1u << PIC_GSI, pic.isr);
	EXPECT_EQ(1u << PIC_GSI, pic.irr & (1u << PIC_GSI));
	ASSERT_EQ(0, resample_pic_eoi(self->vm.fd));
	EXPECT_EQ(1, resample_efd_wait(self->rfd[0], WAIT_MS));
	ASSERT_EQ(0, resample_pic_get(self->vm.fd, KVM_IRQCHIP_PIC_MASTER, &pic));
	EXPECT_EQ(0u, pic.isr);
	EXPECT_EQ(0u, pic.irr & (1u << PIC_GSI));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, resample_wait_readable(self->v0, 0));
	EXPECT_EQ(ACK_EAGAIN, take(self->v0));
	/* signalled again, delivered again */
	ASSERT_EQ(0, efd_signal(self->efd[0]));
	ASSERT_EQ(1, resample_wait_readable(self->v0, WAIT_MS));
	EXPECT_EQ((uint32_t)PIC_VEC, take_extint(self->v0));
}

TEST_F(resample, resample_pic_auto_eoi_resamples_at_ack)
{
	struct kvm_pic_state pic;

	ASSERT_EQ(0, pic_setup(self->vm.fd, self->v0, true));
	ASSERT_EQ(0, assign(self, 0, PIC_GSI));
	ASSERT_EQ(0, efd_signal(self->efd[0]));
	ASSERT_EQ(1, resample_wait_readable(self->v0, WAIT_MS));
	EXPECT_EQ((uint32_t)PIC_VEC, take_extint(self->v0));
	EXPECT_EQ(1, resample_efd_wait(self->rfd[0], WAIT_MS));
	ASSERT_EQ(0, resample_pic_get(self->vm.fd, KVM_IRQCHIP_PIC_MASTER, &pic));
	EXPECT_EQ(0u, pic.isr);
	EXPECT_EQ(0u, pic.irr & (1u << PIC_GSI));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(ACK_EAGAIN, take(self->v0));
	EXPECT_EQ(0, resample_efd_read(self->rfd[0]));
}

TEST_F(resample, resample_pic_poll_read_resamples)
{
	struct kvm_pic_state pic;
	uint64_t ocw3 = 0x0c, val = 0;

	ASSERT_EQ(0, pic_setup(self->vm.fd, self->v0, false));
	ASSERT_EQ(0, assign(self, 0, PIC_GSI));
	ASSERT_EQ(0, efd_signal(self->efd[0]));
	ASSERT_EQ(1, resample_wait_readable(self->v0, WAIT_MS));
	/* OCW3 poll, then a read: the PIC acknowledges the pin and retires it */
	ASSERT_EQ(0, resample_io(self->vm.fd, 0x20, 1,
				 KVM_IRQCHIP_IO_PIO | KVM_IRQCHIP_IO_WRITE, &ocw3));
	ASSERT_EQ(0, resample_io(self->vm.fd, 0x20, 1, KVM_IRQCHIP_IO_PIO, &val));
	EXPECT_EQ((uint64_t)PIC_GSI, val & 7);
	EXPECT_EQ(1, resample_efd_wait(self->rfd[0], WAIT_MS));
	ASSERT_EQ(0, resample_pic_get(self->vm.fd, KVM_IRQCHIP_PIC_MASTER, &pic));
	EXPECT_EQ(0u, pic.isr);
	EXPECT_EQ(0u, pic.irr & (1u << PIC_GSI));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(ACK_EAGAIN, take(self->v0));
	EXPECT_EQ(0, resample_efd_read(self->rfd[0]));
}

/* ---------------------------------------------------------------------- */
/* Save and restore                                                        */

/*
 * Deliver and accept the level interrupt, save the IOAPIC and the LAPIC,
 * close the instance, and restore both into a fresh one with the irqfd
 * bound again: the interrupt is in service there, waiting for its EOI.
 */
#define migrate_in_service(self) ({					\
	typeof(self) __s = (self);					\
									\
	migrate(_metadata, &__s->vm, &__s->v0, __s->efd[0], __s->rfd[0]);	\
})

static void migrate(struct __test_metadata *_metadata, struct vm *vm, int *v0,
		    int efd, int rfd)
{
	struct kvm_ioapic_state io;
	struct kvm_lapic_state lapic;
	struct kvm_irqchip chip;

	ASSERT_EQ(0, resample_irqfd(vm->fd, efd, rfd, GSI));
	ASSERT_EQ(0, efd_signal(efd));
	ASSERT_EQ(1, wait_irr(*v0, VEC, WAIT_MS));
	ASSERT_EQ((uint32_t)VEC, take(*v0));

	ASSERT_EQ(0, resample_ioapic_get(vm->fd, &io));
	ASSERT_EQ(0, lapic_get(*v0, &lapic));
	ASSERT_NE(0u, io.irr & (1u << GSI));
	ASSERT_EQ(1, (int)io.redirtbl[GSI].fields.remote_irr);
	ASSERT_TRUE(apic_vec(&lapic, APIC_ISR, VEC));
	ASSERT_EQ(0, irqfd(vm->fd, efd, GSI, KVM_IRQFD_FLAG_DEASSIGN));
	vm_fini(vm);

	ASSERT_EQ(0, resample_vm_init(vm, 1, KVM_IRQCHIP_CREATE_DEFAULT_ROUTING));
	*v0 = vm->vcpu[0];
	memset(&chip, 0, sizeof(chip));
	chip.chip_id = KVM_IRQCHIP_IOAPIC;
	memcpy(&chip.chip.ioapic, &io, sizeof(io));
	ASSERT_EQ(0, xioctl(vm->fd, KVM_SET_IRQCHIP, &chip));
	ASSERT_EQ(0, lapic_set(*v0, &lapic));
	ASSERT_EQ(0, resample_irqfd(vm->fd, efd, rfd, GSI));

	/* in service on the new instance: nothing to deliver, nothing acked */
	sleep_ms(SETTLE_MS);
	ASSERT_EQ(0, irr_count(*v0));
	ASSERT_EQ(1, remote_irr(vm->fd, GSI));
	ASSERT_EQ(0, resample_efd_read(rfd));
	ASSERT_EQ(0ull, counter(vm->fd, COUNTER(delivered)));
}

TEST_F(resample, resample_restored_level_deasserted_is_not_redelivered)
{
	uint32_t vec = 0, flags = 0;

	migrate_in_service(self);
	ASSERT_EQ(0, vcpu_eoi(self->v0, &vec, &flags));
	EXPECT_EQ((uint32_t)VEC, vec);
	EXPECT_EQ(KVM_IRQCHIP_ACK_LEVEL, flags);
	EXPECT_EQ(1, resample_efd_wait(self->rfd[0], WAIT_MS));
	/* the device has nothing more: the restored level went with the EOI */
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, irr_count(self->v0));
	EXPECT_EQ(ACK_EAGAIN, take(self->v0));
	EXPECT_EQ(0, pin_level(self->vm.fd, GSI));
	EXPECT_EQ(0, remote_irr(self->vm.fd, GSI));
	EXPECT_EQ(0, resample_efd_read(self->rfd[0]));
	EXPECT_EQ(0ull, counter(self->vm.fd, COUNTER(delivered)));
}

TEST_F(resample, resample_restored_level_still_asserted_is_delivered_once)
{
	migrate_in_service(self);
	ASSERT_EQ((uint32_t)VEC, done(self->v0));
	EXPECT_EQ(1, resample_efd_wait(self->rfd[0], WAIT_MS));
	/* the device still asserts: the VMM signals again */
	ASSERT_EQ(0, efd_signal(self->efd[0]));
	ASSERT_EQ(1, wait_irr(self->v0, VEC, WAIT_MS));
	EXPECT_EQ((uint32_t)VEC, take(self->v0));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, irr_count(self->v0));
	EXPECT_EQ(ACK_EAGAIN, take(self->v0));
	EXPECT_EQ(1ull, counter(self->vm.fd, COUNTER(delivered)));
	EXPECT_EQ(0, resample_efd_read(self->rfd[0]));
	/* and completes like any other */
	EXPECT_EQ((uint32_t)VEC, done(self->v0));
	EXPECT_EQ(1, resample_efd_wait(self->rfd[0], WAIT_MS));
	EXPECT_EQ(0, pin_level(self->vm.fd, GSI));
}

TEST_HARNESS_MAIN
