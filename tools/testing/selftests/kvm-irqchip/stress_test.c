// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency: eventfd writers racing routing-table replacement and irqfd
 * assign/deassign, racing assigns of one eventfd, instance teardown under
 * signalling, and exact message accounting under parallel load.  Each test
 * is bounded to a few seconds.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "kic_x86_util.h"
#include "kselftest_harness.h"

#define G		4	/* GSIs */
#define GENS		50	/* vector generations before reuse */
#define RUN_MS		3000
#define WAIT_MS		2000

static uint32_t gen_vector(unsigned int gen, unsigned int g)
{
	return 0x20 + (gen % GENS) * G + g;
}

struct race {
	struct vm vm;
	int efd[G];		/* always bound to gsi g */
	int xfd[G];		/* bound and unbound by the irqfd thread */
	atomic_bool stop;
	atomic_long writes;
	atomic_long write_errors;
	atomic_long irqfd_errors;
	long last_irqfd_error;
};

static void *writer(void *arg)
{
	struct race *r = arg;

	while (!atomic_load(&r->stop)) {
		for (int g = 0; g < G; g++) {
			if (efd_signal(r->efd[g]) || efd_signal(r->xfd[g]))
				atomic_fetch_add(&r->write_errors, 1);
			else
				atomic_fetch_add(&r->writes, 2);
		}
	}
	return NULL;
}

static void *binder(void *arg)
{
	struct race *r = arg;

	while (!atomic_load(&r->stop)) {
		for (int g = 0; g < G; g++) {
			long a = irqfd(r->vm.fd, r->xfd[g], g, 0);
			long d = irqfd(r->vm.fd, r->xfd[g], g, KVM_IRQFD_FLAG_DEASSIGN);

			if (a || d) {
				atomic_fetch_add(&r->irqfd_errors, 1);
				r->last_irqfd_error = a ? a : d;
			}
		}
	}
	return NULL;
}

static long install_gen(struct race *r, unsigned int gen)
{
	struct kvm_irq_routing_entry e[G];

	for (int g = 0; g < G; g++)
		e[g] = route_msi(g, msi_addr(g % 2, false, false), 0,
				 msi_data(gen_vector(gen, g), DM_FIXED, false));
	return set_routing(r->vm.fd, e, G);
}

FIXTURE(race) {
	struct race r;
};

FIXTURE_SETUP(race)
{
	struct race *r = &self->r;

	for (int g = 0; g < G; g++) {
		r->efd[g] = -1;
		r->xfd[g] = -1;
	}
	ASSERT_EQ(0, vm_init_kic(&r->vm, 2));
	ASSERT_EQ(0, vm_xapic_flat(&r->vm));
	ASSERT_EQ(0, install_gen(r, 0));
	for (int g = 0; g < G; g++) {
		r->efd[g] = new_eventfd();
		r->xfd[g] = new_eventfd();
		ASSERT_LE(0, r->efd[g]);
		ASSERT_LE(0, r->xfd[g]);
		ASSERT_EQ(0, irqfd(r->vm.fd, r->efd[g], g, 0));
	}
}

FIXTURE_TEARDOWN(race)
{
	vm_fini(&self->r.vm);
	for (int g = 0; g < G; g++) {
		if (self->r.efd[g] >= 0)
			close(self->r.efd[g]);
		if (self->r.xfd[g] >= 0)
			close(self->r.xfd[g]);
	}
}

/*
 * After KVM_SET_GSI_ROUTING returns, no vector of an older generation may
 * reach a vCPU: clear IRR right after the switch, let the writers run, and
 * check that everything that arrived belongs to the current generation.
 */
TEST_F_TIMEOUT(race, no_old_generation_vector_after_routing_update, 60)
{
	struct race *r = &self->r;
	pthread_t w[2], b;
	uint64_t end = now_ms() + RUN_MS;
	unsigned int gen = 0, live = 0, stale = 0;

	ASSERT_EQ(0, pthread_create(&w[0], NULL, writer, r));
	ASSERT_EQ(0, pthread_create(&w[1], NULL, writer, r));
	ASSERT_EQ(0, pthread_create(&b, NULL, binder, r));

	while (now_ms() < end && stale == 0) {
		gen++;
		ASSERT_EQ(0, install_gen(r, gen));
		ASSERT_EQ(0, vm_clear_vectors(&r->vm));
		sleep_ms(2);
		for (unsigned int i = 0; i < 2; i++) {
			struct kvm_lapic_state s;

			ASSERT_EQ(0, lapic_get(r->vm.vcpu[i], &s));
			for (unsigned int v = 0; v < 256; v++) {
				bool current = v >= 0x20 && (v - 0x20) / G == gen % GENS &&
					       (v - 0x20) % G % 2 == i;

				if (!apic_vec(&s, APIC_IRR, v))
					continue;
				if (current) {
					live++;
				} else {
					stale++;
					TH_LOG("generation %u: vCPU %u has vector %#x", gen, i, v);
				}
			}
		}
	}
	atomic_store(&r->stop, true);
	pthread_join(w[0], NULL);
	pthread_join(w[1], NULL);
	pthread_join(b, NULL);
	ksft_print_msg("%u routing generations, %ld eventfd writes, %u current vectors seen\n",
		       gen, atomic_load(&r->writes), live);
	EXPECT_EQ(0u, stale);
	EXPECT_EQ(0, atomic_load(&r->write_errors));
	EXPECT_EQ(0, atomic_load(&r->irqfd_errors))
		TH_LOG("last irqfd error %ld", r->last_irqfd_error);
	EXPECT_LT(10u, gen);
	EXPECT_LT(0u, live);

	/* quiesced: the last table delivers every gsi */
	gen++;
	ASSERT_EQ(0, install_gen(r, gen));
	ASSERT_EQ(0, vm_clear_vectors(&r->vm));
	for (int g = 0; g < G; g++) {
		ASSERT_EQ(0, efd_signal(r->efd[g]));
		EXPECT_EQ(1, wait_irr(r->vm.vcpu[g % 2], gen_vector(gen, g), WAIT_MS));
	}
}

struct assign_race {
	int vmfd, efd;
	uint32_t gsi;
	pthread_barrier_t *bar;
	long ret;
};

static void *racing_assign(void *arg)
{
	struct assign_race *a = arg;

	pthread_barrier_wait(a->bar);
	a->ret = irqfd(a->vmfd, a->efd, a->gsi, 0);
	return NULL;
}

TEST_F_TIMEOUT(race, racing_assigns_of_one_eventfd_one_wins, 60)
{
	pthread_barrier_t bar;
	uint64_t end = now_ms() + RUN_MS;
	int rounds = 0;

	ASSERT_EQ(0, pthread_barrier_init(&bar, NULL, 2));
	while (rounds < 300 && now_ms() < end) {
		int efd = new_eventfd();
		struct assign_race a[2] = {
			{ self->r.vm.fd, efd, 1, &bar, 1 }, { self->r.vm.fd, efd, 2, &bar, 1 },
		};
		pthread_t t[2];

		ASSERT_LE(0, efd);
		ASSERT_EQ(0, pthread_create(&t[0], NULL, racing_assign, &a[0]));
		ASSERT_EQ(0, pthread_create(&t[1], NULL, racing_assign, &a[1]));
		pthread_join(t[0], NULL);
		pthread_join(t[1], NULL);
		ASSERT_TRUE((a[0].ret == 0 && a[1].ret == -EBUSY) ||
			    (a[0].ret == -EBUSY && a[1].ret == 0))
			TH_LOG("round %d: %ld and %ld", rounds, a[0].ret, a[1].ret);
		if (rounds % 2)
			ASSERT_EQ(0, irqfd(self->r.vm.fd, efd, a[0].ret ? 2 : 1,
					   KVM_IRQFD_FLAG_DEASSIGN));
		close(efd);
		rounds++;
	}
	pthread_barrier_destroy(&bar);
	EXPECT_LT(10, rounds);
}

static void *writer_until_stop(void *arg)
{
	struct race *r = arg;

	while (!atomic_load(&r->stop))
		for (int g = 0; g < G; g++)
			if (efd_signal(r->efd[g]))
				atomic_fetch_add(&r->write_errors, 1);
	return NULL;
}

TEST_F_TIMEOUT(race, instance_close_while_signalling_is_safe, 60)
{
	struct race *r = &self->r;

	for (int round = 0; round < 5; round++) {
		pthread_t w[2];
		struct vm v;
		struct kvm_irq_routing_entry e = route_msi(0, msi_addr(0, 0, 0), 0,
							   msi_data(0x40, DM_FIXED, 0));

		if (round) {
			ASSERT_EQ(0, vm_init_kic(&r->vm, 2));
			ASSERT_EQ(0, vm_xapic_flat(&r->vm));
			ASSERT_EQ(0, install_gen(r, round));
			for (int g = 0; g < G; g++)
				ASSERT_EQ(0, irqfd(r->vm.fd, r->efd[g], g, 0));
		}
		atomic_store(&r->stop, false);
		ASSERT_EQ(0, pthread_create(&w[0], NULL, writer_until_stop, r));
		ASSERT_EQ(0, pthread_create(&w[1], NULL, writer_until_stop, r));
		sleep_ms(100);
		vm_fini(&r->vm);
		sleep_ms(100);
		atomic_store(&r->stop, true);
		pthread_join(w[0], NULL);
		pthread_join(w[1], NULL);
		EXPECT_EQ(0, atomic_load(&r->write_errors));

		/* the machine is still fine: a new instance works */
		ASSERT_EQ(0, vm_init_kic(&v, 1));
		ASSERT_EQ(0, vm_xapic_flat(&v));
		ASSERT_EQ(0, set_routing(v.fd, &e, 1));
		EXPECT_EQ(1, signal_msi(v.fd, msi_addr(0, 0, 0), 0,
					msi_data(0x40, DM_FIXED, 0)));
		vm_fini(&v);
	}
}

#define K 8

struct teardown_race {
	pthread_barrier_t bar;
	struct vm vm;
	int efd[K];
	int mode;	/* 0: close the instance, 1: deassign every eventfd */
};

static void *close_eventfds(void *arg)
{
	struct teardown_race *t = arg;

	pthread_barrier_wait(&t->bar);
	for (int k = 0; k < K; k++)
		close(t->efd[k]);
	return NULL;
}

static void *drop_instance(void *arg)
{
	struct teardown_race *t = arg;

	pthread_barrier_wait(&t->bar);
	if (t->mode == 0) {
		vm_fini(&t->vm);
	} else {
		for (int k = 0; k < K; k++)
			irqfd(t->vm.fd, t->efd[k], k, KVM_IRQFD_FLAG_DEASSIGN);
	}
	return NULL;
}

/*
 * Closing bound eventfds while the instance is released (or while the same
 * eventfds are deassigned) tears each irqfd down exactly once.
 */
TEST_F_TIMEOUT(race, eventfd_close_racing_teardown_is_safe, 60)
{
	uint64_t end = now_ms() + RUN_MS;
	int rounds = 0;
	struct vm v;

	while (rounds < 400 && now_ms() < end) {
		struct teardown_race t = { .mode = rounds % 2 };
		pthread_t a, b;

		ASSERT_EQ(0, pthread_barrier_init(&t.bar, NULL, 2));
		ASSERT_EQ(0, vm_init_kic(&t.vm, 1));
		for (int k = 0; k < K; k++) {
			t.efd[k] = new_eventfd();
			ASSERT_LE(0, t.efd[k]);
			ASSERT_EQ(0, irqfd(t.vm.fd, t.efd[k], k, 0));
		}
		ASSERT_EQ(0, pthread_create(&a, NULL, close_eventfds, &t));
		ASSERT_EQ(0, pthread_create(&b, NULL, drop_instance, &t));
		pthread_join(a, NULL);
		pthread_join(b, NULL);
		pthread_barrier_destroy(&t.bar);
		vm_fini(&t.vm);
		rounds++;
	}
	EXPECT_LT(10, rounds);
	/* the module still works */
	ASSERT_EQ(0, vm_init_kic(&v, 1));
	ASSERT_EQ(0, vm_xapic_flat(&v));
	EXPECT_EQ(1, signal_msi(v.fd, msi_addr(0, 0, 0), 0, msi_data(0x40, DM_FIXED, 0)));
	vm_fini(&v);
}

struct msi_storm {
	int fd;
	int n;
	long bad;
};

static void *msi_sender(void *arg)
{
	struct msi_storm *s = arg;

	for (int i = 0; i < s->n; i++)
		if (signal_msi(s->fd, msi_addr(0xff, false, false), 0,
			       msi_data(0x40 + i % 0x80, DM_FIXED, false)) != 2)
			s->bad++;
	return NULL;
}

TEST_F_TIMEOUT(race, parallel_msis_all_counted, 60)
{
	struct msi_storm s[4];
	pthread_t t[4];
	struct kvm_irqchip_counters c;
	uint64_t before;

	ASSERT_EQ(0, get_counters(self->r.vm.fd, &c));
	before = c.delivered;
	for (int i = 0; i < 4; i++) {
		s[i] = (struct msi_storm){ self->r.vm.fd, 2000, 0 };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, msi_sender, &s[i]));
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, s[i].bad);
	}
	ASSERT_EQ(0, get_counters(self->r.vm.fd, &c));
	EXPECT_EQ(before + 4 * 2000 * 2, c.delivered);
}

TEST_F_TIMEOUT(race, parallel_eventfd_writes_each_one_message, 60)
{
	struct race *r = &self->r;
	struct kvm_irqchip_counters c0, c;
	pthread_t w[2];
	uint64_t end;
	long writes;

	ASSERT_EQ(0, get_counters(r->vm.fd, &c0));
	for (int g = 0; g < G; g++)
		ASSERT_EQ(0, irqfd(r->vm.fd, r->xfd[g], g, 0));
	ASSERT_EQ(0, pthread_create(&w[0], NULL, writer, r));
	ASSERT_EQ(0, pthread_create(&w[1], NULL, writer, r));
	sleep_ms(RUN_MS / 2);
	atomic_store(&r->stop, true);
	pthread_join(w[0], NULL);
	pthread_join(w[1], NULL);
	writes = atomic_load(&r->writes);
	ASSERT_EQ(0, atomic_load(&r->write_errors));

	end = now_ms() + 5000;
	do {
		ASSERT_EQ(0, get_counters(r->vm.fd, &c));
		if (c.delivered - c0.delivered >= (uint64_t)writes)
			break;
		sleep_ms(10);
	} while (now_ms() < end);
	ksft_print_msg("%ld writes: delivered %llu, fast %llu, slow %llu\n", writes,
		       (unsigned long long)(c.delivered - c0.delivered),
		       (unsigned long long)(c.fast_path - c0.fast_path),
		       (unsigned long long)(c.slow_path - c0.slow_path));
	EXPECT_EQ((uint64_t)writes, c.delivered - c0.delivered);
	EXPECT_EQ((uint64_t)writes, (c.fast_path + c.slow_path) -
				    (c0.fast_path + c0.slow_path));
}

TEST_HARNESS_MAIN
