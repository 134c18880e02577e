// SPDX-License-Identifier: GPL-2.0
/*
 * Regression tests, one per class of lifetime/concurrency bug that an
 * irqfd implementation classically gets wrong (issue #7).  Each test is
 * named after the bug class it guards and runs in well under 5 s.
 *
 * Leak checks read /sys/kernel/debug/kvm-irqchip/objects; when it is
 * absent (debugfs not mounted) only those checks are skipped.
 *
 * Resample irqfds (KVM_IRQFD_FLAG_RESAMPLE) are refused until the IOAPIC
 * and PIC models exist; their teardown cases (resampler shared by several
 * irqfds, resamplefd closed while bound, deassign racing an EOI) come with
 * that issue.
 */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>

#include "kic_x86_util.h"
#include "kselftest_harness.h"

#define MOD_NAME	"kvm_irqchip"
#define REFCNT		"/sys/module/" MOD_NAME "/refcnt"
#define WAIT_MS		2000

/*
 * Wait up to WAIT_MS for the counts (irqfds torn down by EPOLLHUP go away
 * from a work item).  1 when reached, 0 when not (got_* hold the last
 * values), -1 when the file is absent.
 */
static int objects_wait(int instances, int irqfds, int *got_i, int *got_f)
{
	uint64_t end = now_ms() + WAIT_MS;

	*got_i = *got_f = -1;
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

static struct kvm_irq_routing_entry to_vcpu(uint32_t gsi, uint32_t dest,
					    uint32_t vec)
{
	return route_msi(gsi, msi_addr(dest, false, false), 0,
			 msi_data(vec, DM_FIXED, false));
}

/* Read (and so reset) an eventfd's counter: the count, 0 when empty. */
static long efd_drain(int efd)
{
	uint64_t v;

	if (read(efd, &v, sizeof(v)) == sizeof(v))
		return v;
	return errno == EAGAIN ? 0 : -errno;
}

static uint64_t irqfd_signals(const struct kvm_irqchip_counters *c)
{
	return c->fast_path + c->slow_path + c->no_route;
}

/* ---------------------------------------------------------------------- */

struct deassign_race {
	int vmfd, efd;
	atomic_bool stop;
	atomic_long writes, write_errors, switches, route_errors;
};

#define DR_GSI		5
#define DR_VEC_A	0x50	/* on vCPU 0 */
#define DR_VEC_B	0x60	/* on vCPU 1 */

static void *dr_writer(void *arg)
{
	struct deassign_race *d = arg;

	while (!atomic_load(&d->stop)) {
		if (efd_signal(d->efd))
			atomic_fetch_add(&d->write_errors, 1);
		else
			atomic_fetch_add(&d->writes, 1);
	}
	return NULL;
}

/* GSI 5 moves between vector A on vCPU 0, vector B on vCPU 1, and none. */
static void *dr_switcher(void *arg)
{
	struct deassign_race *d = arg;
	struct kvm_irq_routing_entry e[3] = {
		to_vcpu(DR_GSI, 0, DR_VEC_A), to_vcpu(DR_GSI, 1, DR_VEC_B),
	};
	unsigned int i = 0;

	while (!atomic_load(&d->stop)) {
		long r = i % 3 == 2 ? set_routing(d->vmfd, NULL, 0)
				    : set_routing(d->vmfd, &e[i % 3], 1);

		if (r)
			atomic_fetch_add(&d->route_errors, 1);
		atomic_fetch_add(&d->switches, 1);
		i++;
	}
	return NULL;
}

/*
 * Bug class: a deassign that returns while the irqfd can still inject (a
 * wakeup in flight, a queued work item, a reader of the old routing table).
 * After KVM_IRQFD(DEASSIGN) returns, the GSI's vectors must never appear
 * again and no irqfd counter may move, while the writer keeps writing and
 * the routes keep changing.
 */
TEST(deassign_races_injection_and_route_change)
{
	struct deassign_race d = { .efd = -1 };
	uint64_t start = now_ms();
	pthread_t w, s;
	struct vm vm;
	unsigned int stale = 0, seen_before = 0;
	const int rounds = 5;

	ASSERT_EQ(0, vm_init_kic(&vm, 2));
	ASSERT_EQ(0, vm_xapic_flat(&vm));
	d.vmfd = vm.fd;
	d.efd = new_eventfd();
	ASSERT_LE(0, d.efd);
	ASSERT_EQ(0, pthread_create(&w, NULL, dr_writer, &d));
	ASSERT_EQ(0, pthread_create(&s, NULL, dr_switcher, &d));

	for (int round = 0; round < rounds; round++) {
		struct kvm_irqchip_counters c0, c1;
		uint64_t end;
		long writes0, after;

		EXPECT_LE(0, efd_drain(d.efd));
		EXPECT_EQ(0, irqfd(vm.fd, d.efd, DR_GSI, 0));
		/* bound: the writer's messages arrive (proves the check below can fail) */
		end = now_ms() + 500;
		while (now_ms() < end) {
			if (irr_has(vm.vcpu[0], DR_VEC_A) == 1 ||
			    irr_has(vm.vcpu[1], DR_VEC_B) == 1) {
				seen_before++;
				break;
			}
			sleep_ms(1);
		}
		sleep_ms(20);

		EXPECT_EQ(0, irqfd(vm.fd, d.efd, DR_GSI, KVM_IRQFD_FLAG_DEASSIGN));
		EXPECT_EQ(0, get_counters(vm.fd, &c0));
		EXPECT_EQ(0, vm_clear_vectors(&vm));
		writes0 = atomic_load(&d.writes);

		end = now_ms() + 250;
		while (now_ms() < end) {
			for (unsigned int i = 0; i < 2; i++) {
				unsigned int vec = i ? DR_VEC_B : DR_VEC_A;

				if (irr_has(vm.vcpu[i], vec) == 1) {
					stale++;
					TH_LOG("round %d: vector %#x in vCPU %u IRR after deassign",
					       round, vec, i);
					EXPECT_EQ(0, lapic_clear_vectors(vm.vcpu[i]));
				}
			}
			sleep_ms(2);
		}
		EXPECT_EQ(0, get_counters(vm.fd, &c1));
		EXPECT_EQ(c0.delivered, c1.delivered) TH_LOG("round %d", round);
		EXPECT_EQ(irqfd_signals(&c0), irqfd_signals(&c1)) TH_LOG("round %d", round);
		/* the writes went on, into an eventfd nobody consumes any more */
		after = atomic_load(&d.writes) - writes0;
		EXPECT_LT(0, after);
		EXPECT_LT(0, efd_drain(d.efd));
	}
	atomic_store(&d.stop, true);
	pthread_join(w, NULL);
	pthread_join(s, NULL);
	ksft_print_msg("%ld writes, %ld route switches, %u/%d bound rounds delivered, %llu ms\n",
		       atomic_load(&d.writes), atomic_load(&d.switches), seen_before, rounds,
		       (unsigned long long)(now_ms() - start));
	EXPECT_EQ(0u, stale);
	EXPECT_EQ((unsigned int)rounds, seen_before);
	EXPECT_EQ(0, atomic_load(&d.write_errors));
	EXPECT_EQ(0, atomic_load(&d.route_errors));
	EXPECT_LT(rounds, atomic_load(&d.switches));
	close(d.efd);
	vm_fini(&vm);
}

/* ---------------------------------------------------------------------- */

struct close_race {
	int efd;
	pthread_barrier_t bar;
	long writes;
	int err;
};

static void *cr_writer(void *arg)
{
	struct close_race *c = arg;

	pthread_barrier_wait(&c->bar);
	for (;;) {
		int r = efd_signal(c->efd);

		if (r) {
			c->err = -r;
			break;
		}
		c->writes++;
	}
	return NULL;
}

/*
 * Bug class: EPOLLHUP (the eventfd's release) racing the wakeup that
 * delivers, or the irqfd freed while its wakeup runs.  One thread writes
 * the eventfd in a loop while another closes it.  Every write that
 * succeeded must have delivered exactly once, every irqfd must be gone
 * afterwards, and the GSI must still take a new eventfd.
 *
 * No descriptor is created between the close and the writer's EBADF, so
 * the writer never writes to a reused number.
 */
TEST(eventfd_closed_while_wakeup_runs)
{
	struct kvm_irq_routing_entry e = to_vcpu(1, 0, 0x45);
	struct kvm_irqchip_counters c;
	uint64_t start = now_ms(), end = start + 1500, seed = 88172645463325252ull;
	long total = 0;
	int rounds = 0, efd;
	struct vm vm;

	ASSERT_EQ(0, vm_init_kic(&vm, 1));
	ASSERT_EQ(0, vm_xapic_flat(&vm));
	ASSERT_EQ(0, set_routing(vm.fd, &e, 1));

	while (rounds < 40 && now_ms() < end) {
		struct close_race cr = { .err = 0 };
		pthread_t t;

		cr.efd = new_eventfd();
		ASSERT_LE(0, cr.efd);
		ASSERT_EQ(0, irqfd(vm.fd, cr.efd, 1, 0));
		ASSERT_EQ(0, pthread_barrier_init(&cr.bar, NULL, 2));
		ASSERT_EQ(0, pthread_create(&t, NULL, cr_writer, &cr));
		pthread_barrier_wait(&cr.bar);
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		usleep(seed % 3000);
		close(cr.efd);
		pthread_join(t, NULL);
		pthread_barrier_destroy(&cr.bar);
		EXPECT_EQ(EBADF, cr.err)
			TH_LOG("round %d: the writer stopped on %s", rounds, strerror(cr.err));
		total += cr.writes;
		rounds++;
	}
	ASSERT_EQ(0, get_counters(vm.fd, &c));
	ksft_print_msg("%d rounds, %ld writes, %llu delivered, %llu ms\n", rounds, total,
		       (unsigned long long)c.delivered, (unsigned long long)(now_ms() - start));
	EXPECT_LT(0, total);
	EXPECT_EQ((uint64_t)total, c.delivered);
	EXPECT_EQ((uint64_t)total, c.fast_path + c.slow_path);
	EXPECT_OBJECTS(1, 0);

	/* the GSI takes a new eventfd: no stale irqfd claims anything */
	ASSERT_EQ(0, lapic_clear_vectors(vm.vcpu[0]));
	efd = new_eventfd();
	ASSERT_LE(0, efd);
	EXPECT_EQ(0, irqfd(vm.fd, efd, 1, 0));
	EXPECT_EQ(0, efd_signal(efd));
	EXPECT_EQ(1, wait_irr(vm.vcpu[0], 0x45, WAIT_MS));
	close(efd);
	vm_fini(&vm);
	EXPECT_OBJECTS(0, 0);
}

/* ---------------------------------------------------------------------- */

/*
 * Bug class: an eventfd shared by two instances, where one instance's
 * wakeup consumes the count and the other sees nothing, or a bind check
 * that looks across instances.  Decision: allowed.  One eventfd bound in
 * two instances delivers to both, each write reaching each instance once;
 * a second bind inside one instance is EBUSY.
 */
TEST(one_eventfd_two_instances)
{
	struct kvm_irq_routing_entry ea = to_vcpu(3, 0, 0x44);
	struct kvm_irq_routing_entry eb = to_vcpu(3, 0, 0x55);
	struct kvm_irqchip_counters ca, cb;
	const int n = 50;
	struct vm a, b;
	uint32_t vec;
	int efd;

	ASSERT_EQ(0, vm_init_kic(&a, 1));
	ASSERT_EQ(0, vm_init_kic(&b, 1));
	ASSERT_EQ(0, vm_xapic_flat(&a));
	ASSERT_EQ(0, vm_xapic_flat(&b));
	ASSERT_EQ(0, set_routing(a.fd, &ea, 1));
	ASSERT_EQ(0, set_routing(b.fd, &eb, 1));
	efd = new_eventfd();
	ASSERT_LE(0, efd);

	ASSERT_EQ(0, irqfd(a.fd, efd, 3, 0));
	ASSERT_EQ(0, irqfd(b.fd, efd, 3, 0));
	EXPECT_EQ(-EBUSY, irqfd(a.fd, efd, 3, 0));
	EXPECT_EQ(-EBUSY, irqfd(a.fd, efd, 4, 0));
	EXPECT_EQ(-EBUSY, irqfd(b.fd, efd, 3, 0));
	EXPECT_OBJECTS(2, 2);

	for (int i = 0; i < n; i++) {
		ASSERT_EQ(0, efd_signal(efd));
		ASSERT_EQ(0, vcpu_ack(a.vcpu[0], &vec, NULL)) TH_LOG("write %d", i);
		EXPECT_EQ(0x44u, vec);
		ASSERT_EQ(0, vcpu_eoi(a.vcpu[0], &vec, NULL));
		ASSERT_EQ(0, vcpu_ack(b.vcpu[0], &vec, NULL)) TH_LOG("write %d", i);
		EXPECT_EQ(0x55u, vec);
		ASSERT_EQ(0, vcpu_eoi(b.vcpu[0], &vec, NULL));
		/* exactly once: nothing left to take */
		ASSERT_EQ(-EAGAIN, vcpu_ack(a.vcpu[0], &vec, NULL));
		ASSERT_EQ(-EAGAIN, vcpu_ack(b.vcpu[0], &vec, NULL));
	}
	ASSERT_EQ(0, get_counters(a.fd, &ca));
	ASSERT_EQ(0, get_counters(b.fd, &cb));
	EXPECT_EQ((uint64_t)n, ca.delivered);
	EXPECT_EQ((uint64_t)n, cb.delivered);
	EXPECT_EQ((uint64_t)n, ca.fast_path + ca.slow_path);
	EXPECT_EQ((uint64_t)n, cb.fast_path + cb.slow_path);
	/* the count was consumed by the wakeups, not left in the eventfd */
	EXPECT_EQ(0, efd_drain(efd));

	/* unbound from A, it goes on reaching B alone */
	ASSERT_EQ(0, irqfd(a.fd, efd, 3, KVM_IRQFD_FLAG_DEASSIGN));
	ASSERT_EQ(0, efd_signal(efd));
	EXPECT_EQ(-EAGAIN, vcpu_ack(a.vcpu[0], &vec, NULL));
	EXPECT_EQ(0, vcpu_ack(b.vcpu[0], &vec, NULL));
	EXPECT_EQ(0x55u, vec);
	ASSERT_EQ(0, get_counters(a.fd, &ca));
	EXPECT_EQ((uint64_t)n, ca.delivered);
	/* and A may bind it again, on another GSI */
	EXPECT_EQ(0, irqfd(a.fd, efd, 4, 0));

	/* closing the eventfd unbinds it from both */
	close(efd);
	EXPECT_OBJECTS(2, 0);
	vm_fini(&a);
	vm_fini(&b);
	EXPECT_OBJECTS(0, 0);
}

/* ---------------------------------------------------------------------- */

#define IC_EFDS		8

struct pending_writers {
	int efd[IC_EFDS];
	atomic_bool stop;
	atomic_long writes, errors;
};

static void *ic_writer(void *arg)
{
	struct pending_writers *p = arg;

	while (!atomic_load(&p->stop))
		for (int i = 0; i < IC_EFDS; i++) {
			if (efd_signal(p->efd[i]))
				atomic_fetch_add(&p->errors, 1);
			else
				atomic_fetch_add(&p->writes, 1);
		}
	return NULL;
}

/*
 * Bug class: instance teardown racing its irqfds: a pending slow-path
 * injection queued at assign, wakeups from concurrent writers, EPOLLHUP
 * never coming because the eventfds stay open.  The last close (of the
 * instance fd or of a vCPU fd) must unhook every irqfd: afterwards the
 * eventfds keep their counts, and no instance or irqfd is left.
 */
TEST(instance_close_with_bound_irqfds_and_pending_writes)
{
	struct pending_writers p = { .errors = 0 };
	uint64_t start = now_ms(), end = start + 2000;
	int rounds = 0;

	for (int i = 0; i < IC_EFDS; i++) {
		p.efd[i] = new_eventfd();
		ASSERT_LE(0, p.efd[i]);
	}
	while (rounds < 12 && now_ms() < end) {
		struct kvm_irq_routing_entry e[IC_EFDS];
		pthread_t t[2];
		struct vm vm;

		ASSERT_EQ(0, vm_init_kic(&vm, 2));
		ASSERT_EQ(0, vm_xapic_flat(&vm));
		for (int i = 0; i < IC_EFDS; i++)
			e[i] = to_vcpu(i, i % 2, 0x40 + i);
		ASSERT_EQ(0, set_routing(vm.fd, e, IC_EFDS));
		for (int i = 0; i < IC_EFDS; i++) {
			/* half of them with a signal pending at assign */
			if (i % 2 == 0)
				ASSERT_EQ(0, efd_signal(p.efd[i]));
			ASSERT_EQ(0, irqfd(vm.fd, p.efd[i], i, 0));
		}
		atomic_store(&p.stop, false);
		ASSERT_EQ(0, pthread_create(&t[0], NULL, ic_writer, &p));
		ASSERT_EQ(0, pthread_create(&t[1], NULL, ic_writer, &p));
		usleep((rounds * 1237) % 4000);
		/* the last reference goes with the instance fd or a vCPU fd */
		if (rounds % 2) {
			close(vm.fd);
			vm.fd = -1;
			usleep(500);
		}
		vm_fini(&vm);
		sleep_ms(5);
		atomic_store(&p.stop, true);
		pthread_join(t[0], NULL);
		pthread_join(t[1], NULL);

		/* unhooked: every write now stays in its eventfd */
		for (int i = 0; i < IC_EFDS; i++) {
			EXPECT_LE(0, efd_drain(p.efd[i]));
			EXPECT_EQ(0, efd_signal(p.efd[i]));
			EXPECT_EQ(0, efd_signal(p.efd[i]));
			EXPECT_EQ(2, efd_drain(p.efd[i]))
				TH_LOG("round %d eventfd %d", rounds, i);
		}
		rounds++;
	}
	ksft_print_msg("%d rounds, %ld writes during teardown, %llu ms\n", rounds,
		       atomic_load(&p.writes), (unsigned long long)(now_ms() - start));
	EXPECT_EQ(0, atomic_load(&p.errors));
	EXPECT_LT(0, atomic_load(&p.writes));
	/* with the eventfds still open: nothing left */
	EXPECT_OBJECTS(0, 0);
	for (int i = 0; i < IC_EFDS; i++)
		close(p.efd[i]);
}

/* ---------------------------------------------------------------------- */

/*
 * Bug class: the instance freed with the instance fd while a vCPU fd still
 * points into it.  The vCPU fd (and the irqfd) must keep working after the
 * instance fd is closed; the last vCPU close frees everything.
 */
TEST(vcpu_fd_outlives_instance_fd)
{
	struct kvm_irq_routing_entry e = to_vcpu(1, 0, 0x70);
	struct pollfd pfd = { .events = POLLIN };
	struct kvm_lapic_state s;
	uint32_t vec;
	struct vm vm;
	int efd;

	ASSERT_EQ(0, vm_init_kic(&vm, 2));
	ASSERT_EQ(0, vm_xapic_flat(&vm));
	ASSERT_EQ(0, set_routing(vm.fd, &e, 1));
	efd = new_eventfd();
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, irqfd(vm.fd, efd, 1, 0));
	ASSERT_EQ(0, efd_signal(efd));
	ASSERT_EQ(1, wait_irr(vm.vcpu[0], 0x70, WAIT_MS));

	close(vm.fd);
	vm.fd = -1;
	EXPECT_OBJECTS(1, 1);

	/* the state is still there, and still moves */
	ASSERT_EQ(0, lapic_get(vm.vcpu[0], &s));
	EXPECT_TRUE(apic_vec(&s, APIC_IRR, 0x70));
	EXPECT_EQ(SVR_ON, apic_get(&s, APIC_SVR));
	EXPECT_EQ(0, vcpu_ack(vm.vcpu[0], &vec, NULL));
	EXPECT_EQ(0x70u, vec);
	EXPECT_EQ(0, vcpu_eoi(vm.vcpu[0], &vec, NULL));
	EXPECT_EQ(0x70u, vec);
	/* the irqfd too: a write is pending on the vCPU fd at once */
	ASSERT_EQ(0, efd_signal(efd));
	pfd.fd = vm.vcpu[0];
	EXPECT_EQ(1, poll(&pfd, 1, WAIT_MS));
	EXPECT_EQ(0, vcpu_ack(vm.vcpu[0], &vec, NULL));
	EXPECT_EQ(0x70u, vec);
	EXPECT_EQ(0, lapic_get(vm.vcpu[1], &s));

	/* the last vCPU fd frees the instance and its irqfd */
	close(vm.vcpu[1]);
	EXPECT_OBJECTS(1, 1);
	EXPECT_EQ(0, lapic_get(vm.vcpu[0], &s));
	close(vm.vcpu[0]);
	vm.nr = 0;
	EXPECT_OBJECTS(0, 0);
	/* with the eventfd still open, nothing consumes its writes */
	EXPECT_EQ(0, efd_drain(efd));
	EXPECT_EQ(0, efd_signal(efd));
	EXPECT_EQ(1, efd_drain(efd));
	close(efd);
	vm_fini(&vm);
}

/* ---------------------------------------------------------------------- */

static long unload(void)
{
	return syscall(SYS_delete_module, MOD_NAME, O_NONBLOCK) ? -errno : 0;
}

/* The module's reference count, or -1 (no CONFIG_MODULE_UNLOAD). */
static long refcnt(void)
{
	FILE *f = fopen(REFCNT, "re");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/*
 * Bug class: a file that does not pin the module (a missing .owner), so
 * the module can go while its code is still reachable.  While an instance
 * fd or a vCPU fd is open, and eventfd writers are delivering,
 * delete_module(O_NONBLOCK) must fail with EWOULDBLOCK; the refcount must
 * follow the files exactly, back to its start once they are closed (the
 * unload would then succeed; module_test.c does the real reload cycles).
 */
TEST(module_unload_refused_while_busy)
{
	struct kvm_irq_routing_entry e[2] = { to_vcpu(0, 0, 0x40), to_vcpu(1, 1, 0x41) };
	struct pending_writers p = { .errors = 0 };
	struct kvm_lapic_state s;
	int attempts = 0, refused = 0;
	pthread_t t[2];
	struct vm vm;
	uint64_t end;
	long base, r;

	if (!kic_module_loaded())
		SKIP(return, "missing module: kvm_irqchip is not a loaded module");
	base = refcnt();
	if (base < 0)
		SKIP(return, "missing module: no %s (CONFIG_MODULE_UNLOAD off?)", REFCNT);

	ASSERT_EQ(0, vm_init_kic(&vm, 2));
	EXPECT_EQ(base + 3, refcnt()) TH_LOG("instance fd + 2 vCPU fds");
	ASSERT_EQ(0, vm_xapic_flat(&vm));
	ASSERT_EQ(0, set_routing(vm.fd, e, 2));
	for (int i = 0; i < IC_EFDS; i++) {
		p.efd[i] = new_eventfd();
		ASSERT_LE(0, p.efd[i]);
		if (i < 2)
			ASSERT_EQ(0, irqfd(vm.fd, p.efd[i], i, 0));
	}
	r = unload();
	if (r == -EPERM) {
		vm_fini(&vm);
		SKIP(return, "missing module: delete_module: EPERM");
	}
	EXPECT_EQ(-EWOULDBLOCK, r);
	ASSERT_EQ(0, pthread_create(&t[0], NULL, ic_writer, &p));
	ASSERT_EQ(0, pthread_create(&t[1], NULL, ic_writer, &p));

	end = now_ms() + 1000;
	while (now_ms() < end) {
		r = unload();
		attempts++;
		refused += r == -EWOULDBLOCK;
		if (r != -EWOULDBLOCK)
			TH_LOG("attempt %d: %s", attempts, r ? strerror(-r) : "unloaded!");
		sleep_ms(5);
	}
	EXPECT_EQ(attempts, refused);

	/* the vCPU fds alone pin it */
	close(vm.fd);
	vm.fd = -1;
	EXPECT_EQ(base + 2, refcnt());
	EXPECT_EQ(-EWOULDBLOCK, unload());
	EXPECT_EQ(0, lapic_get(vm.vcpu[0], &s));
	close(vm.vcpu[0]);
	EXPECT_EQ(base + 1, refcnt());
	EXPECT_EQ(-EWOULDBLOCK, unload());
	close(vm.vcpu[1]);
	vm.nr = 0;
	/* an unload would now succeed; the writers' bare eventfds pin nothing */
	EXPECT_EQ(base, refcnt());

	atomic_store(&p.stop, true);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	ksft_print_msg("%d unload attempts refused during %ld eventfd writes\n",
		       refused, atomic_load(&p.writes));
	EXPECT_EQ(0, atomic_load(&p.errors));
	EXPECT_LT(0, atomic_load(&p.writes));
	EXPECT_LT(10, attempts);
	EXPECT_OBJECTS(0, 0);
	for (int i = 0; i < IC_EFDS; i++)
		close(p.efd[i]);
	vm_fini(&vm);
	EXPECT_TRUE(kic_module_loaded());
	EXPECT_EQ(0, access(KIC_DEV, F_OK));
}

TEST_HARNESS_MAIN
