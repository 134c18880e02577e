// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_IRQCHIP_ROUTE_BATCH: operations applied in order, each GSI switching
 * whole, a failing operation changing nothing and being named, every errno
 * of the operation table (api.rst), and KVM_SET_GSI_ROUTING as a diff that
 * leaves masks and untouched GSIs alone.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "kic_x86_util.h"
#include "kselftest_harness.h"

#define NR_VCPUS 2

FIXTURE(batch) {
	struct vm vm;
};

FIXTURE_SETUP(batch)
{
	ASSERT_EQ(0, vm_init_kic(&self->vm, NR_VCPUS));
	ASSERT_EQ(0, vm_xapic_flat(&self->vm));
}

FIXTURE_TEARDOWN(batch)
{
	vm_fini(&self->vm);
}

static struct kvm_irq_routing_entry to_vcpu(uint32_t gsi, uint32_t vcpu,
					    uint32_t vec)
{
	return route_msi(gsi, msi_addr(vcpu, false, false), 0,
			 msi_data(vec, DM_FIXED, false));
}

/* KVM_IRQ_LINE_STATUS raise: the status, or -1000 - errno */
static int32_t raise_gsi(int fd, uint32_t gsi)
{
	int32_t status = 0;
	long r = irq_line_status(fd, gsi, 1, &status);

	return r ? -1000 + (int32_t)r : status;
}

/* Raise @gsi and say which vector vCPU 0 got (-1: none); IRR cleared. */
static int vector_of(struct vm *vm, uint32_t gsi)
{
	int got = -1;

	if (raise_gsi(vm->fd, gsi) < 0)
		return -1;
	for (unsigned int v = 16; v < 256; v++)
		if (irr_has(vm->vcpu[0], v) == 1)
			got = (int)v;
	lapic_clear_vectors(vm->vcpu[0]);
	return got;
}

TEST_F(batch, set_then_signal_delivers_the_new_vector)
{
	struct kvm_irq_routing_entry e = to_vcpu(5, 0, 0x41);

	ASSERT_EQ(0, route_set1(self->vm.fd, &e));
	EXPECT_EQ(0x41, vector_of(&self->vm, 5));
	e = to_vcpu(5, 0, 0x42);
	ASSERT_EQ(0, route_set1(self->vm.fd, &e));
	EXPECT_EQ(0x42, vector_of(&self->vm, 5));
}

TEST_F(batch, operations_apply_in_order)
{
	struct kvm_irq_routing_entry e[] = {
		to_vcpu(7, 0, 0x50), to_vcpu(7, 0, 0x51), to_vcpu(8, 0, 0x52),
		to_vcpu(9, 0, 0x53),
	};
	struct kvm_irqchip_route_op ops[] = {
		route_op(KVM_IRQCHIP_ROUTE_OP_SET, 7, 0, 1),
		route_op(KVM_IRQCHIP_ROUTE_OP_SET, 7, 1, 1),	/* 7: 0x51 */
		route_op(KVM_IRQCHIP_ROUTE_OP_SET, 8, 2, 1),
		route_op(KVM_IRQCHIP_ROUTE_OP_DELETE, 8, 0, 0),	/* 8: gone */
		route_op(KVM_IRQCHIP_ROUTE_OP_DELETE, 7, 0, 0),
		route_op(KVM_IRQCHIP_ROUTE_OP_SET, 7, 1, 1),	/* 7: back */
		route_op(KVM_IRQCHIP_ROUTE_OP_SET, 9, 3, 1),
	};

	ASSERT_EQ(0, route_batch(self->vm.fd, ops, ARRAY_SIZE(ops), e,
				 ARRAY_SIZE(e), 0, NULL));
	EXPECT_EQ(0x51, vector_of(&self->vm, 7));
	EXPECT_EQ(-1, raise_gsi(self->vm.fd, 8));
	EXPECT_EQ(0x53, vector_of(&self->vm, 9));
}

TEST_F(batch, delete_then_set_same_gsi_in_one_batch)
{
	struct kvm_irq_routing_entry e[] = { to_vcpu(3, 0, 0x60),
					     to_vcpu(3, 0, 0x61) };
	struct kvm_irqchip_route_op ops[] = {
		route_op(KVM_IRQCHIP_ROUTE_OP_DELETE, 3, 0, 0),
		route_op(KVM_IRQCHIP_ROUTE_OP_SET, 3, 1, 1),
		route_op(KVM_IRQCHIP_ROUTE_OP_DELETE, 3, 0, 0),
		route_op(KVM_IRQCHIP_ROUTE_OP_SET, 3, 0, 1),
	};

	ASSERT_EQ(0, route_set1(self->vm.fd, &e[0]));
	ASSERT_EQ(0, route_batch(self->vm.fd, ops, ARRAY_SIZE(ops), e, 2, 0,
				 NULL));
	EXPECT_EQ(0x60, vector_of(&self->vm, 3));
}

/* A failure anywhere: the table, masks and pending bits are as before. */
TEST_F(batch, failing_operation_changes_nothing_and_is_named)
{
	struct kvm_irq_routing_entry init[] = {
		to_vcpu(10, 0, 0x70), to_vcpu(11, 0, 0x71), to_vcpu(12, 0, 0x72),
	};
	struct kvm_irq_routing_entry e[] = {
		to_vcpu(10, 0, 0x80), to_vcpu(13, 0, 0x83), to_vcpu(14, 0, 0x84),
	};
	struct kvm_irqchip_route_op ops[] = {
		route_op(KVM_IRQCHIP_ROUTE_OP_SET, 10, 0, 1),
		route_op(KVM_IRQCHIP_ROUTE_OP_DELETE, 11, 0, 0),
		route_op(KVM_IRQCHIP_ROUTE_OP_MASK, 12, 0, 0),
		route_op(KVM_IRQCHIP_ROUTE_OP_SET, 13, 1, 1),
		route_op(KVM_IRQCHIP_ROUTE_OP_SET, 14, 2, 1),
	};
	uint32_t idx;

	ASSERT_EQ(0, set_routing(self->vm.fd, init, ARRAY_SIZE(init)));
	e[2].flags = 2;		/* not KVM_MSI_VALID_DEVID */
	EXPECT_EQ(-EINVAL, route_batch(self->vm.fd, ops, ARRAY_SIZE(ops), e,
				       ARRAY_SIZE(e), 0, &idx));
	EXPECT_EQ(4u, idx);
	EXPECT_EQ(0x70, vector_of(&self->vm, 10));
	EXPECT_EQ(0x71, vector_of(&self->vm, 11));
	EXPECT_EQ(0x72, vector_of(&self->vm, 12));	/* not masked */
	EXPECT_EQ(-1, raise_gsi(self->vm.fd, 13));
	EXPECT_EQ(-1, raise_gsi(self->vm.fd, 14));
	EXPECT_EQ(0, gsi_is_pending(self->vm.fd, 12));

	/* The same batch with the bad entry fixed goes through whole. */
	e[2].flags = 0;
	EXPECT_EQ(0, route_batch(self->vm.fd, ops, ARRAY_SIZE(ops), e,
				 ARRAY_SIZE(e), 0, &idx));
	EXPECT_EQ(0x80, vector_of(&self->vm, 10));
	EXPECT_EQ(-1, raise_gsi(self->vm.fd, 11));
	EXPECT_EQ(-1, vector_of(&self->vm, 12));	/* masked now */
	EXPECT_EQ(1, gsi_is_pending(self->vm.fd, 12));
	EXPECT_EQ(0x83, vector_of(&self->vm, 13));
	EXPECT_EQ(0x84, vector_of(&self->vm, 14));
}

/* Each row: one operation, its entries, the errno and the index named. */
TEST_F(batch, every_operation_error_has_its_errno)
{
	uint32_t max = (uint32_t)check_ext(self->vm.fd, KVM_CAP_IRQ_ROUTING);
	struct kvm_irq_routing_entry ok = to_vcpu(20, 0, 0x40);
	struct kvm_irq_routing_entry other = to_vcpu(21, 0, 0x40);
	struct kvm_irq_routing_entry four[4] = {
		route_pin(22, KVM_IRQCHIP_IOAPIC, 1),
		route_pin(22, KVM_IRQCHIP_PIC_MASTER, 1),
		route_pin(22, KVM_IRQCHIP_PIC_SLAVE, 1),
		route_pin(22, KVM_IRQCHIP_IOAPIC, 2),
	};
	struct kvm_irq_routing_entry two_ioapic[2] = {
		route_pin(22, KVM_IRQCHIP_IOAPIC, 1),
		route_pin(22, KVM_IRQCHIP_IOAPIC, 2),
	};
	struct kvm_irq_routing_entry beyond = to_vcpu(max, 0, 0x40);
	struct {
		const char *what;
		struct kvm_irqchip_route_op op;
		const struct kvm_irq_routing_entry *e;
		uint32_t nr_e;
		long err;
	} rows[] = {
		{ "unknown op", route_op(0, 20, 0, 0), NULL, 0, -EINVAL },
		{ "op 5", route_op(5, 20, 0, 0), NULL, 0, -EINVAL },
		{ "set, nr 0", route_op(KVM_IRQCHIP_ROUTE_OP_SET, 20, 0, 0),
		  &ok, 1, -EINVAL },
		{ "set, nr 4", route_op(KVM_IRQCHIP_ROUTE_OP_SET, 22, 0, 4),
		  four, 4, -EINVAL },
		{ "set, entries beyond the array",
		  route_op(KVM_IRQCHIP_ROUTE_OP_SET, 20, 1, 1), &ok, 1, -EINVAL },
		{ "set, first + nr wraps",
		  route_op(KVM_IRQCHIP_ROUTE_OP_SET, 20, 0xffffffffu, 2), &ok, 1,
		  -EINVAL },
		{ "set, entry of another gsi",
		  route_op(KVM_IRQCHIP_ROUTE_OP_SET, 20, 0, 1), &other, 1,
		  -EINVAL },
		{ "set, gsi = max_routes",
		  route_op(KVM_IRQCHIP_ROUTE_OP_SET, max, 0, 1), &beyond, 1,
		  -EINVAL },
		{ "set, two IOAPIC pins on one gsi",
		  route_op(KVM_IRQCHIP_ROUTE_OP_SET, 22, 0, 2), two_ioapic, 2,
		  -EINVAL },
		{ "delete, gsi without entries",
		  route_op(KVM_IRQCHIP_ROUTE_OP_DELETE, 23, 0, 0), NULL, 0,
		  -ENOENT },
		{ "delete, nr set", route_op(KVM_IRQCHIP_ROUTE_OP_DELETE, 20, 0, 1),
		  NULL, 0, -EINVAL },
		{ "mask, gsi = max_routes",
		  route_op(KVM_IRQCHIP_ROUTE_OP_MASK, max, 0, 0), NULL, 0,
		  -EINVAL },
		{ "unmask, first set",
		  route_op(KVM_IRQCHIP_ROUTE_OP_UNMASK, 20, 1, 0), NULL, 0,
		  -EINVAL },
	};

	ASSERT_GT(max, 4096u);
	ASSERT_EQ(0, route_set1(self->vm.fd, &ok));
	for (unsigned int i = 0; i < ARRAY_SIZE(rows); i++) {
		/* The bad operation second, after a good one. */
		struct kvm_irq_routing_entry e[8];
		struct kvm_irqchip_route_op ops[2] = {
			route_op(KVM_IRQCHIP_ROUTE_OP_SET, 20, 0, 1), rows[i].op,
		};
		uint32_t idx = 0;

		e[0] = to_vcpu(20, 0, 0x99);
		memcpy(e + 1, rows[i].e ?: &ok,
		       (rows[i].nr_e ?: 1) * sizeof(*e));
		if (rows[i].op.nr || rows[i].op.first)
			ops[1].first = rows[i].op.first + 1;
		if (rows[i].op.first == 0xffffffffu)
			ops[1].first = 0xffffffffu;
		EXPECT_EQ(rows[i].err, route_batch(self->vm.fd, ops, 2, e,
						   1 + rows[i].nr_e, 0, &idx))
			TH_LOG("%s", rows[i].what);
		EXPECT_EQ(1u, idx) TH_LOG("%s", rows[i].what);
		EXPECT_EQ(0x40, vector_of(&self->vm, 20)) TH_LOG("%s", rows[i].what);
	}
}

TEST_F(batch, malformed_batch_is_einval_or_efault_with_no_index)
{
	struct kvm_irqchip_route_op op = route_op(KVM_IRQCHIP_ROUTE_OP_MASK, 1, 0, 0);
	struct kvm_irqchip_route_batch b = {
		.nr_ops = 1, .ops = (uintptr_t)&op,
	};
	uint32_t idx;

	b.flags = 2;
	EXPECT_EQ(-EINVAL, xioctl(self->vm.fd, KVM_IRQCHIP_ROUTE_BATCH, &b));
	EXPECT_EQ(KVM_IRQCHIP_ROUTE_NO_INDEX, b.error_index);
	b.flags = 0;
	b.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->vm.fd, KVM_IRQCHIP_ROUTE_BATCH, &b));
	b.reserved[1] = 0;
	b.nr_entries = 4;	/* more than 3 per op */
	EXPECT_EQ(-EINVAL, xioctl(self->vm.fd, KVM_IRQCHIP_ROUTE_BATCH, &b));
	b.nr_entries = 0;
	b.ops = (uintptr_t)fault_page();
	EXPECT_EQ(-EFAULT, xioctl(self->vm.fd, KVM_IRQCHIP_ROUTE_BATCH, &b));
	EXPECT_EQ(KVM_IRQCHIP_ROUTE_NO_INDEX, b.error_index);
	EXPECT_EQ(-EFAULT, xioctl(self->vm.fd, KVM_IRQCHIP_ROUTE_BATCH, NULL));
	/* Nothing was masked by any of them. */
	EXPECT_EQ(0, route_batch(self->vm.fd, NULL, 0, NULL, 0, 0, &idx));
	EXPECT_EQ(-1, raise_gsi(self->vm.fd, 1));
	EXPECT_EQ(0, gsi_is_pending(self->vm.fd, 1));
	/* A masked GSI latches a raise even without a route. */
	EXPECT_EQ(0, gsi_mask(self->vm.fd, 2));
	EXPECT_EQ(-1, raise_gsi(self->vm.fd, 2));
	EXPECT_EQ(1, gsi_is_pending(self->vm.fd, 2));
}

/*
 * Pin routes set incrementally: the strict model's resampling needs them
 * (KVM, the default, takes a resampling irqfd on any GSI); the mark
 * follows each set and delete.
 */
TEST_F(batch, strict_pin_routes_follow_set_and_delete)
{
	struct kvm_irq_routing_entry pin = route_pin(30, KVM_IRQCHIP_IOAPIC, 5);
	struct kvm_irq_routing_entry msi = to_vcpu(30, 0, 0x45);
	int efd = new_eventfd(), rfd = new_eventfd();

	ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_IRQCHIP_CAP_X86_STRICT, 1, 0));
	ASSERT_EQ(0, route_set1(self->vm.fd, &pin));
	EXPECT_EQ(0, resample_irqfd(self->vm.fd, efd, rfd, 30));
	EXPECT_EQ(0, irqfd(self->vm.fd, efd, 30, KVM_IRQFD_FLAG_DEASSIGN));
	ASSERT_EQ(0, route_set1(self->vm.fd, &msi));
	EXPECT_EQ(-EINVAL, resample_irqfd(self->vm.fd, efd, rfd, 30));
	ASSERT_EQ(0, route_set1(self->vm.fd, &pin));
	ASSERT_EQ(0, route_del(self->vm.fd, 30));
	EXPECT_EQ(-EINVAL, resample_irqfd(self->vm.fd, efd, rfd, 30));
	EXPECT_EQ(-ENOENT, route_del(self->vm.fd, 30));
	close(efd);
	close(rfd);
}

/* KVM_SET_GSI_ROUTING replaces the table; masks are per GSI and stay. */
TEST_F(batch, whole_table_replacement_keeps_masks)
{
	struct kvm_irq_routing_entry a[] = { to_vcpu(1, 0, 0x41),
					     to_vcpu(2, 0, 0x42) };
	struct kvm_irq_routing_entry b[] = { to_vcpu(2, 0, 0x52),
					     to_vcpu(3, 0, 0x53) };

	ASSERT_EQ(0, set_routing(self->vm.fd, a, 2));
	ASSERT_EQ(0, gsi_mask(self->vm.fd, 3));
	ASSERT_EQ(0, set_routing(self->vm.fd, b, 2));
	EXPECT_EQ(-1, raise_gsi(self->vm.fd, 1));
	EXPECT_EQ(0x52, vector_of(&self->vm, 2));
	EXPECT_EQ(-1, vector_of(&self->vm, 3));
	EXPECT_EQ(1, gsi_is_pending(self->vm.fd, 3));
	ASSERT_EQ(0, gsi_unmask(self->vm.fd, 3));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[0], 0x53));
	/* Same table again: nothing changes, still delivers. */
	ASSERT_EQ(0, lapic_clear_vectors(self->vm.vcpu[0]));
	ASSERT_EQ(0, set_routing(self->vm.fd, b, 2));
	EXPECT_EQ(0x52, vector_of(&self->vm, 2));
}

/* The same operation on an unconfigured instance: as KVM_SET_GSI_ROUTING. */
TEST(batch_before_create_is_einval)
{
	int fd = kic_open();
	struct kvm_irqchip_gsi_counters c;

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, gsi_mask(fd, 1));
	EXPECT_EQ(-ENXIO, gsi_counters(fd, 0, 1, &c));
	EXPECT_EQ(-ENXIO, gsi_is_pending(fd, 0));
	close(fd);
}

struct racer {
	int fd;
	int efd;
	atomic_bool stop;
};

static void *signal_loop(void *arg)
{
	struct racer *r = arg;

	while (!atomic_load(&r->stop))
		efd_signal(r->efd);
	return NULL;
}

/*
 * A device thread signals GSI 40 while the routes change under it.  Once a
 * SET returns, every later signal uses the new vector: after each switch
 * vCPU 0's IRR is cleared, the device keeps signalling, and only the new
 * vector may appear (a delivery in flight across the switch is cleared
 * with the IRR before the check, since each switch waits for readers).
 */
TEST_F(batch, signals_after_a_switch_use_only_the_new_route)
{
	struct racer r = { .fd = self->vm.fd, .efd = new_eventfd() };
	pthread_t t;

	ASSERT_EQ(0, irqfd(self->vm.fd, r.efd, 40, 0));
	ASSERT_EQ(0, pthread_create(&t, NULL, signal_loop, &r));
	for (unsigned int i = 0; i < 200; i++) {
		uint32_t vec = 0x40 + i % 0x80;
		struct kvm_irq_routing_entry e = to_vcpu(40, 0, vec);
		struct kvm_irqchip_route_op op =
			route_op(KVM_IRQCHIP_ROUTE_OP_SET, 40, 0, 1);
		struct kvm_lapic_state s;
		int seen = 0;

		ASSERT_EQ(0, route_batch(self->vm.fd, &op, 1, &e, 1,
					 KVM_IRQCHIP_ROUTE_BATCH_SYNC, NULL));
		ASSERT_EQ(0, lapic_clear_vectors(self->vm.vcpu[0]));
		ASSERT_EQ(1, wait_irr(self->vm.vcpu[0], vec, 2000));
		ASSERT_EQ(0, lapic_get(self->vm.vcpu[0], &s));
		for (unsigned int v = 16; v < 256; v++)
			if (v != vec && apic_vec(&s, APIC_IRR, v))
				seen = (int)v;
		ASSERT_EQ(0, seen) TH_LOG("switch %u to 0x%x: saw 0x%x", i, vec,
					  seen);
	}
	atomic_store(&r.stop, true);
	pthread_join(t, NULL);
	close(r.efd);
}

TEST_HARNESS_MAIN
