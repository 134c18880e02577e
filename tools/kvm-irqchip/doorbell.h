/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inter-VM doorbells over kvm-irqchip, the way an ivshmem-style shared
 * memory device rings its peers: every peer (a VM, here one kvm-irqchip
 * instance with one vCPU) owns, for each other peer, one eventfd per
 * doorbell vector, bound with KVM_IRQFD on the receiver's instance.
 * "Ring peer B's vector 3" is one write to that eventfd.
 *
 * GSI and vector layout on a receiver: sender s, slot v (0..7) is GSI
 * DB_GSI(s, v), an MSI to vCPU 0 with vector DB_VEC_BASE + that GSI.
 * Slots: 0..DB_VECTORS-1 doorbells, DB_SLOT_MEMBER join/leave of the
 * sender, DB_SLOT_MCAST the sender's multicast.
 *
 * Multicast: each peer owns ONE multicast eventfd, bound with KVM_IRQFD
 * on every other peer's instance; one write wakes every binding, so it
 * reaches every peer (KVM allows the same eventfd as an irqfd in several
 * VMs; routing keeps one MSI per GSI, as KVM).
 */
#ifndef DOORBELL_H
#define DOORBELL_H

#ifndef KIC_UTIL_H
#include "kic_x86_util.h"
#endif

#define DB_MAX_PEERS	8
#define DB_VECTORS	6			/* doorbells per peer pair */
#define DB_SLOT_MEMBER	6			/* the sender joined or left */
#define DB_SLOT_MCAST	7			/* the sender's multicast */
#define DB_SLOTS	8
#define DB_GSI(s, v)	((s) * DB_SLOTS + (v))
#define DB_VEC_BASE	0x40

struct db_peer {
	bool present;
	struct vm vm;			/* its instance, one vCPU */
	int out[DB_MAX_PEERS][DB_SLOTS - 1];	/* eventfds it rings, per receiver */
	int mcast;			/* its multicast eventfd */
};

struct db_fabric {
	struct db_peer peer[DB_MAX_PEERS];
};

void db_init(struct db_fabric *f);
/* Peer @id joins: 0 or -errno.  Every present peer gets a member event. */
int db_join(struct db_fabric *f, int id);
/* Peer @id leaves: every other peer gets a member event first. */
int db_leave(struct db_fabric *f, int id);
/* One eventfd write: 0 or -errno. */
int db_ring(struct db_fabric *f, int from, int to, int vector);
int db_multicast(struct db_fabric *f, int from);
/*
 * Take one interrupt of peer @id (poll its vCPU fd, acknowledge, EOI):
 * 1 with *from and *slot decoded, 0 on timeout, or -errno.
 */
int db_receive(struct db_fabric *f, int id, int timeout_ms, int *from,
	       int *slot);

#endif
