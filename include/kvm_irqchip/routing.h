/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm-irqchip: the GSI routing table and the per-GSI state beside it.
 * See virt/routing.c (the table and its updates) and virt/gsi.c (masks,
 * pending bits and counters).
 */
#ifndef _KVM_IRQCHIP_ROUTING_H
#define _KVM_IRQCHIP_ROUTING_H

#include <linux/atomic.h>
#include <linux/llist.h>
#include <linux/workqueue.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/xarray.h>
#include <linux/kvm.h>
#include <kvm_irqchip/model.h>

/* KVM's KVM_MAX_IRQ_ROUTES, for comparison; ours is kic_max_routes. */
#define KIC_KVM_MAX_ROUTES	4096

/* The max_routes module parameter: entries per instance, and GSI bound. */
extern unsigned int kic_max_routes;
#define KIC_MAX_ROUTES_LIMIT	BIT(24)

struct kic;

/* GSIs per struct kic_gsi_block. */
#define KIC_GSI_BLOCK		BITS_PER_LONG

/* One GSI's counters, as struct kvm_irqchip_gsi_counters. */
struct kic_gsi_counters {
	atomic64_t delivered;
	atomic64_t coalesced;
	atomic64_t dropped;
	atomic64_t masked;
};

/**
 * struct kic_gsi_block - the state of KIC_GSI_BLOCK consecutive GSIs
 * @masked: bit n set: GSI (first + n) is masked
 * @pending: bit n set: GSI (first + n) was signalled while masked
 * @cnt: counters, one set per GSI
 *
 * Created on first use (a route, an irqfd, a mask) and kept until the
 * instance dies, so a pointer to it stays valid for the instance's life.
 */
struct kic_gsi_block {
	unsigned long masked;
	unsigned long pending;
	struct kic_gsi_counters *cnt;
};

/**
 * struct kic_gsi - every routing entry of one GSI, immutable once published
 * @rcu: frees it after the instance's SRCU readers are done
 * @block: the GSI's state block
 * @nr: entries in @route
 * @route: the entries, in the order userspace gave them
 */
struct kic_gsi {
	struct rcu_head rcu;
	struct kic_gsi_block *block;
	u32 nr;
	struct kic_route route[];
};

/**
 * struct kic_routing - an instance's routing table
 * @gsis: GSI -> struct kic_gsi, read locklessly under kic->srcu; marked
 *	KIC_GSI_HAS_PIN when an entry is a line (not an MSI: IRQCHIP, XICS)
 * @pins: controller pin (kic_pin_key()) -> GSI as xa_mk_value(): the GSI an
 *	acknowledgment of the pin is reported for
 * @blocks: GSI / KIC_GSI_BLOCK -> struct kic_gsi_block
 * @nr_entries: routing entries installed (not GSIs); at most kic_max_routes
 * @nr_gsis: GSIs with entries
 * @retired: struct kic_gsi objects this update replaced or deleted, chained
 *	through their rcu.next, handed to the reaper when it ends
 * @reap: what updates retired, waiting for the reaper
 * @reap_work: the reaper (on kic->wq): a grace period, then the frees
 *
 * Written under kic->lock only.
 */
struct kic_routing {
	struct xarray gsis;
	struct xarray pins;
	struct xarray blocks;
	u32 nr_entries;
	u32 nr_gsis;
	struct callback_head *retired;
	struct llist_head reap;
	struct work_struct reap_work;
};

#define KIC_GSI_HAS_PIN		XA_MARK_0

/* Pins per controller are few (24 on the IOAPIC, 8 per PIC). */
static inline unsigned long kic_pin_key(u32 irqchip, u32 pin)
{
	return (unsigned long)irqchip << 16 | pin;
}

void kic_routing_init(struct kic_routing *rt);
void kic_routing_destroy(struct kic *kic);
struct callback_head *kic_routing_take_retired(struct kic *kic);
void kic_routing_end(struct kic *kic, struct callback_head *retired, bool wait);
int kic_set_gsi_routing(struct kic *kic, void __user *argp);
int kic_route_batch(struct kic *kic, void __user *argp);
int kic_routing_set_default(struct kic *kic,
			    const struct kvm_irq_routing_entry *ue, u32 nr);
int kic_set_gsi(struct kic *kic, u32 gsi, unsigned int src, int level,
		unsigned int how);
bool kic_gsi_has_pin(struct kic *kic, u32 gsi);
bool kic_pin_gsi(struct kic *kic, u32 irqchip, u32 pin, u32 *gsi);

/* virt/gsi.c */
struct kic_gsi_block *kic_gsi_block_get(struct kic *kic, u32 gsi);
void kic_gsi_blocks_free(struct kic_routing *rt);
bool kic_gsi_latch(struct kic *kic, struct kic_gsi_block *b, u32 gsi);
void kic_gsi_count(struct kic_gsi_block *b, u32 gsi, int status);
void kic_gsi_mask(struct kic *kic, struct kic_gsi_block *b, u32 gsi);
void kic_gsi_unmask(struct kic *kic, struct kic_gsi_block *b, u32 gsi);
int kic_gsi_get_counters(struct kic *kic, void __user *argp);
int kic_gsi_pending(struct kic *kic, void __user *argp);

#endif /* _KVM_IRQCHIP_ROUTING_H */
