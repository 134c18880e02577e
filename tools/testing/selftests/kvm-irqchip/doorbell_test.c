// SPDX-License-Identifier: GPL-2.0
/*
 * The inter-VM doorbell example (tools/kvm-irqchip/doorbell.c, compiled
 * in here): instances standing for VMs ring each other through irqfds
 * (KVM api.rst, KVM_IRQFD).  Every count is exact: each ring is written,
 * then taken (poll, acknowledge, EOI) before the next, so eventfd counter
 * merging cannot hide a lost or duplicated delivery.
 */
#include "kic_x86_util.h"
#include "kselftest_harness.h"
#include "../../../kvm-irqchip/doorbell.c"

#define WAIT_MS		2000
#define QUIET_MS	100
#define ROUNDS		200

FIXTURE(doorbell) {
	struct db_fabric f;
};

FIXTURE_SETUP(doorbell)
{
	int from, slot;

	db_init(&self->f);
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(0, db_join(&self->f, i));
	/* The join events: peer 0 saw 1 and 2 join, peer 1 saw 2. */
	for (int i = 0; i < 3; i++)
		while (db_receive(&self->f, i, QUIET_MS, &from, &slot) == 1)
			;
}

FIXTURE_TEARDOWN(doorbell)
{
	for (int i = 0; i < DB_MAX_PEERS; i++)
		if (self->f.peer[i].present)
			db_leave(&self->f, i);
}

static uint64_t delivered(struct db_fabric *f, int id, int gsi)
{
	struct kvm_irqchip_gsi_counters c = { 0 };

	gsi_counters(f->peer[id].vm.fd, gsi, 1, &c);
	return c.delivered;
}

TEST_F(doorbell, ring_reaches_only_the_named_peer_and_vector)
{
	int from = -1, slot = -1;

	ASSERT_EQ(0, db_ring(&self->f, 0, 1, 3));
	ASSERT_EQ(1, db_receive(&self->f, 1, WAIT_MS, &from, &slot));
	EXPECT_EQ(0, from);
	EXPECT_EQ(3, slot);
	EXPECT_EQ(0, db_receive(&self->f, 1, QUIET_MS, &from, &slot));
	EXPECT_EQ(0, db_receive(&self->f, 0, QUIET_MS, &from, &slot));
	EXPECT_EQ(0, db_receive(&self->f, 2, QUIET_MS, &from, &slot));
	EXPECT_EQ(1u, delivered(&self->f, 1, DB_GSI(0, 3)));
}

TEST_F(doorbell, every_ring_is_delivered_exactly_once)
{
	int got[DB_VECTORS] = { 0 }, from, slot;

	for (int i = 0; i < ROUNDS; i++) {
		int to = 1 + i % 2, v = i % DB_VECTORS;

		ASSERT_EQ(0, db_ring(&self->f, 0, to, v));
		ASSERT_EQ(1, db_receive(&self->f, to, WAIT_MS, &from, &slot))
			TH_LOG("ring %d lost", i);
		ASSERT_EQ(0, from);
		ASSERT_EQ(v, slot);
		got[slot]++;
	}
	for (int v = 0; v < DB_VECTORS; v++)
		EXPECT_EQ((ROUNDS + DB_VECTORS - 1 - v) / DB_VECTORS, got[v]);
	EXPECT_EQ(0, db_receive(&self->f, 1, QUIET_MS, &from, &slot));
	EXPECT_EQ(0, db_receive(&self->f, 2, QUIET_MS, &from, &slot));
	EXPECT_EQ((uint64_t)ROUNDS / 2,
		  delivered(&self->f, 1, DB_GSI(0, 0)) +
		  delivered(&self->f, 1, DB_GSI(0, 2)) +
		  delivered(&self->f, 1, DB_GSI(0, 4)));
}

/* One write on the multicast eventfd reaches every other peer, once. */
TEST_F(doorbell, multicast_is_one_write_and_reaches_every_peer_once)
{
	int from, slot;

	for (int i = 0; i < ROUNDS / 4; i++) {
		ASSERT_EQ(0, db_multicast(&self->f, 2));
		for (int p = 0; p < 2; p++) {
			ASSERT_EQ(1, db_receive(&self->f, p, WAIT_MS, &from,
						&slot)) TH_LOG("round %d", i);
			ASSERT_EQ(2, from);
			ASSERT_EQ(DB_SLOT_MCAST, slot);
		}
		ASSERT_EQ(0, db_receive(&self->f, 2, 0, &from, &slot));
	}
	for (int p = 0; p < 2; p++) {
		EXPECT_EQ(0, db_receive(&self->f, p, QUIET_MS, &from, &slot));
		EXPECT_EQ((uint64_t)ROUNDS / 4,
			  delivered(&self->f, p, DB_GSI(2, DB_SLOT_MCAST)));
	}
}

TEST_F(doorbell, join_and_leave_are_member_events_on_every_peer)
{
	int from, slot;

	ASSERT_EQ(0, db_join(&self->f, 5));
	for (int p = 0; p < 3; p++) {
		ASSERT_EQ(1, db_receive(&self->f, p, WAIT_MS, &from, &slot));
		EXPECT_EQ(5, from);
		EXPECT_EQ(DB_SLOT_MEMBER, slot);
		EXPECT_EQ(0, db_receive(&self->f, p, QUIET_MS, &from, &slot));
	}
	/* The newcomer rings and is rung like the others. */
	ASSERT_EQ(0, db_ring(&self->f, 5, 0, 1));
	ASSERT_EQ(1, db_receive(&self->f, 0, WAIT_MS, &from, &slot));
	EXPECT_EQ(5, from);
	ASSERT_EQ(0, db_ring(&self->f, 1, 5, 2));
	ASSERT_EQ(1, db_receive(&self->f, 5, WAIT_MS, &from, &slot));
	EXPECT_EQ(1, from);
	EXPECT_EQ(2, slot);

	ASSERT_EQ(0, db_leave(&self->f, 5));
	for (int p = 0; p < 3; p++) {
		ASSERT_EQ(1, db_receive(&self->f, p, WAIT_MS, &from, &slot));
		EXPECT_EQ(5, from);
		EXPECT_EQ(DB_SLOT_MEMBER, slot);
	}
	EXPECT_EQ(-EINVAL, db_ring(&self->f, 0, 5, 0));
	/* Its multicast eventfd is unbound everywhere: nothing arrives. */
	EXPECT_EQ(0, db_multicast(&self->f, 0));
	for (int p = 1; p < 3; p++) {
		ASSERT_EQ(1, db_receive(&self->f, p, WAIT_MS, &from, &slot));
		EXPECT_EQ(0, from);
	}
}

/* After a peer left, writes to the eventfds it held reach no one. */
TEST_F(doorbell, left_peer_eventfds_are_unbound)
{
	int fd = dup(self->f.peer[0].out[1][0]), from, slot;
	uint64_t before = delivered(&self->f, 1, DB_GSI(0, 0));

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, db_leave(&self->f, 0));
	for (int p = 1; p < 3; p++)
		ASSERT_EQ(1, db_receive(&self->f, p, WAIT_MS, &from, &slot));
	ASSERT_EQ(0, efd_signal(fd));
	EXPECT_EQ(0, db_receive(&self->f, 1, QUIET_MS, &from, &slot));
	EXPECT_EQ(before, delivered(&self->f, 1, DB_GSI(0, 0)));
	close(fd);
}

TEST_HARNESS_MAIN
