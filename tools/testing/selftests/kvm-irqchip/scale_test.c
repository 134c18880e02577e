// SPDX-License-Identifier: GPL-2.0
/*
 * Scale: a table of max_routes (1,048,576) entries installed whole and
 * incrementally, delivering from its first, middle and last GSI, ENOSPC
 * one entry past the cap; 100,000 irqfds with deassign and duplicate
 * checks that do not slow down as the count grows.
 *
 * KIC_SCALE_ROUTES and KIC_SCALE_IRQFDS shrink both for make check-debug,
 * whose instrumented kernel would need hours for the full sizes: the same
 * code paths under KASAN, lockdep and kmemleak, with the checks at the cap
 * left to make check.
 */
#include <sys/resource.h>

#include "kic_x86_util.h"
#include "kselftest_harness.h"

#define NR_VCPUS	2
#define NR_IRQFDS	100000
#define BATCH_OPS	65536

FIXTURE(scale) {
	struct vm vm;
	uint32_t max;		/* max_routes */
	uint32_t routes;	/* entries installed: max, or fewer */
	bool full;		/* routes == max: the cap is tested */
};

/* A size from the environment, a multiple of @unit in [unit, dflt] */
static uint32_t scale_env(const char *name, uint32_t dflt, uint32_t unit)
{
	const char *v = getenv(name);
	unsigned long n;

	if (!v || !*v)
		return dflt;
	n = strtoul(v, NULL, 0);
	n -= n % unit;
	return n < unit ? unit : n > dflt ? dflt : (uint32_t)n;
}

FIXTURE_SETUP(scale)
{
	ASSERT_EQ(0, vm_init_kic(&self->vm, NR_VCPUS));
	ASSERT_EQ(0, vm_xapic_flat(&self->vm));
	self->max = (uint32_t)check_ext(self->vm.fd, KVM_CAP_IRQ_ROUTING);
	ASSERT_EQ(1u << 20, self->max);
	self->routes = scale_env("KIC_SCALE_ROUTES", self->max, BATCH_OPS);
	self->full = self->routes == self->max;
	if (!self->full)
		ksft_print_msg("KIC_SCALE_ROUTES: %u of %u entries, the cap is not tested\n",
			       self->routes, self->max);
}

FIXTURE_TEARDOWN(scale)
{
	vm_fini(&self->vm);
}

/* GSI g -> vCPU g % 2, vector 0x40 + g % 0x80 */
static struct kvm_irq_routing_entry entry_for(uint32_t g)
{
	return route_msi(g, msi_addr(g % 2, false, false), 0,
			 msi_data(0x40 + g % 0x80, DM_FIXED, false));
}

static void expect_delivers(struct __test_metadata *_metadata, struct vm *vm,
			    uint32_t g)
{
	int efd = new_eventfd();
	int vfd = vm->vcpu[g % 2];

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, lapic_clear_vectors(vfd));
	ASSERT_EQ(0, irqfd(vm->fd, efd, g, 0));
	ASSERT_EQ(0, efd_signal(efd));
	EXPECT_EQ(1, irr_has(vfd, 0x40 + g % 0x80)) TH_LOG("gsi %u", g);
	EXPECT_EQ(1, irr_count(vfd)) TH_LOG("gsi %u", g);
	ASSERT_EQ(0, irqfd(vm->fd, efd, g, KVM_IRQFD_FLAG_DEASSIGN));
	close(efd);
}

TEST_F_TIMEOUT(scale, million_routes_whole_table_deliver_and_enospc, 300)
{
	struct kvm_irq_routing_entry *e = calloc(self->routes, sizeof(*e));
	uint32_t n = self->routes;
	struct kvm_irqchip_route_op op;
	uint64_t t0;
	uint32_t idx;

	ASSERT_NE(NULL, e);
	for (uint32_t g = 0; g < n; g++)
		e[g] = entry_for(g);
	t0 = now_ms();
	ASSERT_EQ(0, set_routing(self->vm.fd, e, n));
	ksft_print_msg("KVM_SET_GSI_ROUTING of %u entries: %llu ms\n",
		       n, (unsigned long long)(now_ms() - t0));
	expect_delivers(_metadata, &self->vm, 0);
	expect_delivers(_metadata, &self->vm, n / 2 + 1);
	expect_delivers(_metadata, &self->vm, n - 1);
	if (!self->full)
		goto out;

	/* Full: a second entry on GSI 5 (a pin with it) is one too many. */
	e[0] = route_pin(5, KVM_IRQCHIP_PIC_MASTER, 5);
	e[1] = route_pin(5, KVM_IRQCHIP_IOAPIC, 5);
	op = route_op(KVM_IRQCHIP_ROUTE_OP_SET, 5, 0, 2);
	EXPECT_EQ(-ENOSPC, route_batch(self->vm.fd, &op, 1, e, 2, 0, &idx));
	EXPECT_EQ(0u, idx);
	/* Replacing one entry by one fits; deleting makes room for two. */
	e[0] = entry_for(5);
	op = route_op(KVM_IRQCHIP_ROUTE_OP_SET, 5, 0, 1);
	EXPECT_EQ(0, route_batch(self->vm.fd, &op, 1, e, 1, 0, NULL));
	EXPECT_EQ(0, route_del(self->vm.fd, 6));
	e[0] = route_pin(5, KVM_IRQCHIP_PIC_MASTER, 5);
	op = route_op(KVM_IRQCHIP_ROUTE_OP_SET, 5, 0, 2);
	EXPECT_EQ(0, route_batch(self->vm.fd, &op, 1, e, 2, 0, NULL));
	/* And the table stays whole: the last GSI still delivers. */
	expect_delivers(_metadata, &self->vm, n - 1);
out:
	free(e);
}

TEST_F_TIMEOUT(scale, million_routes_by_batches, 300)
{
	struct kvm_irqchip_route_op *ops = calloc(BATCH_OPS, sizeof(*ops));
	struct kvm_irq_routing_entry *e = calloc(BATCH_OPS, sizeof(*e));
	struct kvm_irq_routing_entry one = entry_for(self->max);
	uint32_t n = self->routes;
	uint64_t t0 = now_ms();
	uint32_t idx;

	ASSERT_NE(NULL, ops);
	ASSERT_NE(NULL, e);
	for (uint32_t base = 0; base < n; base += BATCH_OPS) {
		for (uint32_t i = 0; i < BATCH_OPS; i++) {
			e[i] = entry_for(base + i);
			ops[i] = route_op(KVM_IRQCHIP_ROUTE_OP_SET, base + i, i, 1);
		}
		ASSERT_EQ(0, route_batch(self->vm.fd, ops, BATCH_OPS, e,
					 BATCH_OPS, 0, NULL));
	}
	ksft_print_msg("%u entries in batches of %u: %llu ms\n", n,
		       BATCH_OPS, (unsigned long long)(now_ms() - t0));
	expect_delivers(_metadata, &self->vm, 1);
	expect_delivers(_metadata, &self->vm, n - 2);
	/* GSI max_routes is out of range, at any fill. */
	ops[0] = route_op(KVM_IRQCHIP_ROUTE_OP_SET, self->max, 0, 1);
	EXPECT_EQ(-EINVAL, route_batch(self->vm.fd, ops, 1, &one, 1, 0, &idx));
	if (self->full) {
		/* A new GSI when full is ENOSPC. */
		ASSERT_EQ(0, route_del(self->vm.fd, 77));
		one = entry_for(77);
		EXPECT_EQ(0, route_set1(self->vm.fd, &one));
		e[0] = route_pin(77, KVM_IRQCHIP_PIC_MASTER, 7);
		e[1] = route_pin(77, KVM_IRQCHIP_IOAPIC, 7);
		ops[0] = route_op(KVM_IRQCHIP_ROUTE_OP_SET, 77, 0, 2);
		EXPECT_EQ(-ENOSPC, route_batch(self->vm.fd, ops, 1, e, 2, 0,
					       &idx));
	}
	free(ops);
	free(e);
}

/* Average microseconds of assign / deassign over fds[from, to). */
static double time_assign(int vmfd, const int *fds, uint32_t from, uint32_t to,
			  uint32_t flags)
{
	uint64_t t0 = now_us();

	for (uint32_t i = from; i < to; i++)
		if (irqfd(vmfd, fds[i], i, flags))
			return -1;
	return (double)(now_us() - t0) / (to - from);
}

/*
 * 100,000 irqfds.  Assign (with its duplicate check) and deassign at the
 * 100,000th cost about what they cost at the 1,000th: no list walk.  A
 * linear walk would make them ~100x slower; the bound is a loose 4x for
 * TCG's noise.
 */
TEST_F_TIMEOUT(scale, hundred_thousand_irqfds_stay_fast, 300)
{
	const uint32_t nr = scale_env("KIC_SCALE_IRQFDS", NR_IRQFDS, 10000);
	struct rlimit rl = { nr + 1000, nr + 1000 };
	int *fds = calloc(nr, sizeof(*fds));
	double first_as, last_as, first_de, last_de;
	int instances, irqfds;

	ASSERT_NE(NULL, fds);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	for (uint32_t i = 0; i < nr; i++) {
		fds[i] = new_eventfd();
		ASSERT_LE(0, fds[i]);
	}
	first_as = time_assign(self->vm.fd, fds, 0, 1000, 0);
	ASSERT_LE(0, time_assign(self->vm.fd, fds, 1000, nr - 1000, 0));
	last_as = time_assign(self->vm.fd, fds, nr - 1000, nr, 0);
	ASSERT_LT(0, first_as);
	ASSERT_LT(0, last_as);
	ASSERT_EQ(0, objects_read(&instances, &irqfds));
	EXPECT_LE((int)nr, irqfds);
	/* Duplicates still found at this size, deassign of a wrong GSI no-op */
	EXPECT_EQ(-EBUSY, irqfd(self->vm.fd, fds[nr / 2], 1, 0));
	EXPECT_EQ(0, irqfd(self->vm.fd, fds[7], 8, KVM_IRQFD_FLAG_DEASSIGN));
	EXPECT_EQ(-EBUSY, irqfd(self->vm.fd, fds[7], 9, 0));

	last_de = time_assign(self->vm.fd, fds, nr - 1000, nr,
			      KVM_IRQFD_FLAG_DEASSIGN);
	ASSERT_LE(0, time_assign(self->vm.fd, fds, 1000, nr - 1000,
				 KVM_IRQFD_FLAG_DEASSIGN));
	first_de = time_assign(self->vm.fd, fds, 0, 1000,
			       KVM_IRQFD_FLAG_DEASSIGN);
	ksft_print_msg("irqfd assign: %.1f us at 1k, %.1f us at %u\n",
		       first_as, last_as, nr);
	ksft_print_msg("irqfd deassign: %.1f us at %u, %.1f us at 1k\n",
		       last_de, nr, first_de);
	EXPECT_GT(4 * first_as, last_as);
	EXPECT_GT(4 * first_de, last_de);
	ASSERT_EQ(0, objects_read(&instances, &irqfds));
	for (uint32_t i = 0; i < nr; i++)
		close(fds[i]);
	free(fds);
}

TEST_HARNESS_MAIN
