/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm-irqchip XICS model (POWER pseries): what its files share.
 *
 * ics.c   the source controllers: per-source state, triggers (P/Q for
 *         messages, a level for LSIs), presentation to an ICP, rejects and
 *         resends, the instance's resend work, source state get/set;
 * rtas.c  ibm,set-xive, ibm,get-xive, ibm,int-off, ibm,int-on;
 * icp.c   one presentation controller per vCPU: the PAPR hypercalls and
 *         the ICP state word;
 * model.c ties them into struct kic_model_ops.
 *
 * LOCKING
 *   ics->lock (spinlock, irq-safe) guards every source of one ICS.
 *   icp->lock (spinlock, irq-safe) guards one ICP's CPPR, MFRR, XISR,
 *   pending priority and need_resend: the whole presentation state is
 *   changed under this one lock (not a compare-and-swap word), which is
 *   what lets a trigger run to the ICP in the eventfd wakeup.
 *   Order: ics->lock -> icp->lock.  Two ICS locks are never held together;
 *   so an ICP operation that displaces an interrupt of any ICS (a reject)
 *   drops its locks first and records the rejected source for a resend
 *   (xics_reject()).  Neither lock is held when the core is told of an
 *   EOI (kic_gsi_acked()), which re-enters the sources.
 *   xics->ics[] entries are published once with smp_store_release() under
 *   kic->lock and never change afterwards; readers use xics_ics_find().
 *   xics->resend_map is a bitmap of BUIDs that may hold sources marked for
 *   resend; set before the ICP lock of a failed delivery is dropped,
 *   test-and-cleared by the resend scan (see ics.c).
 *
 * LIFETIME
 *   The model, its ICSes and ICPs live as long as the instance.  The one
 *   work item (xics->resend_work, on kic->wq) is cancelled by quiesce,
 *   after the last irqfd is gone and when no file can make more work.
 */
#ifndef _KVM_IRQCHIP_ARCH_POWERPC_XICS_H
#define _KVM_IRQCHIP_ARCH_POWERPC_XICS_H

#include <linux/bitops.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/kvm_irqchip.h>

#include <kvm_irqchip/kic.h>
#include <kvm_irqchip/vcpu.h>

#define XICS_NR_ICS		(KVM_IRQCHIP_XICS_MAX_BUID + 1)
#define XICS_MASKED		KVM_IRQCHIP_XICS_MASKED
#define KIC_XICS_IPI		KVM_IRQCHIP_XICS_IPI
#define XICS_NO_GSI		U32_MAX

/* The P and Q bits of a source: presented, and queued behind it. */
#define XICS_PQ_P		BIT(0)
#define XICS_PQ_Q		BIT(1)

/* Global interrupt number <-> BUID and source. */
static inline u32 xics_irq(u32 buid, u32 source)
{
	return buid << KVM_IRQCHIP_XICS_ICS_SHIFT | source;
}

static inline u32 xics_irq_buid(u32 irq)
{
	return irq >> KVM_IRQCHIP_XICS_ICS_SHIFT;
}

static inline u32 xics_irq_source(u32 irq)
{
	return irq & (KVM_IRQCHIP_XICS_MAX_SOURCES - 1);
}

/* XIRR = CPPR in bits 31:24, XISR in bits 23:0 (PAPR). */
static inline u32 xics_xirr(u8 cppr, u32 xisr)
{
	return (u32)cppr << 24 | xisr;
}

static inline u8 xics_xirr_cppr(u64 xirr)
{
	return (xirr >> 24) & 0xff;
}

static inline u32 xics_xirr_xisr(u64 xirr)
{
	return xirr & 0xffffff;
}

/**
 * struct xics_source - one interrupt source of an ICS
 * @server: the ICP (server number = vCPU index) it is presented to
 * @gsi: the GSI of the last route that triggered it, XICS_NO_GSI when none;
 *	its EOI is reported for that GSI (resamplers, EOI eventfds)
 * @priority: 0 (most favoured) .. 0xfe; XICS_MASKED when off
 * @saved_priority: the priority ibm,int-on restores
 * @pq: XICS_PQ_P, XICS_PQ_Q; for an LSI, P is the asserted line
 * @levels: LSI: the bits (1 << enum kic_src) of who holds the line high
 * @lsi: level sensitive
 * @resend: a delivery failed or was rejected: present again on a resend
 * @masked_pending: triggered while masked: present when unmasked
 */
struct xics_source {
	u32 server;
	u32 gsi;
	u8 priority;
	u8 saved_priority;
	u8 pq;
	u8 levels;
	bool lsi;
	bool resend;
	bool masked_pending;
};

/**
 * struct xics_ics - a source controller
 * @lock: guards @src
 * @buid: its BUID, the top bits of its global interrupt numbers
 * @nr_sources: number of @src
 * @src: the sources
 */
struct xics_ics {
	spinlock_t lock;	/* the sources; see LOCKING */
	u32 buid;
	u32 nr_sources;
	struct xics_source src[];
};

/**
 * struct xics_icp - the presentation controller of one vCPU
 * @lock: guards the fields below it
 * @vcpu: the vCPU, whose index is the server number
 * @cppr: current processor priority
 * @mfrr: most favoured request register: the IPI's priority, 0xff none
 * @pending_pri: priority of @xisr, 0xff when none
 * @need_resend: a delivery to this ICP failed since the last resend
 * @xisr: the interrupt presented and not yet accepted, 0 when none
 */
struct xics_icp {
	spinlock_t lock;	/* the state; see LOCKING */
	struct kic_vcpu *vcpu;
	u8 cppr;
	u8 mfrr;
	u8 pending_pri;
	bool need_resend;
	u32 xisr;
};

/**
 * struct kic_xics - the model of one instance
 * @kic: the instance
 * @ics: the ICSes by BUID, NULL until created
 * @resend_map: BUIDs that may hold sources marked for resend
 * @resend_work: rejects and resends the eventfd wakeup could not finish
 */
struct kic_xics {
	struct kic *kic;
	struct xics_ics *ics[XICS_NR_ICS];
	DECLARE_BITMAP(resend_map, XICS_NR_ICS);
	struct work_struct resend_work;
};

static inline struct kic_xics *kic_xics(struct kic *kic)
{
	return kic->model;
}

static inline struct xics_icp *xics_icp(struct kic_vcpu *vcpu)
{
	return vcpu->arch;
}

/* The ICP of a server number, or NULL. */
static inline struct xics_icp *xics_icp_find(struct kic_xics *xics, u64 server)
{
	if (server >= xics->kic->nr_vcpus)
		return NULL;
	return xics_icp(xics->kic->vcpus[server]);
}

/* ics.c */
struct xics_ics *xics_ics_find(struct kic_xics *xics, u32 irq, u32 *source);
int xics_ics_create(struct kic_xics *xics,
		    const struct kvm_irqchip_xics_ics *args);
int xics_source_trigger(struct kic_xics *xics, u32 irq, u32 gsi,
			unsigned int src, int level, unsigned int how);
int xics_source_eoi(struct kic_xics *xics, u32 irq);
void xics_reject(struct kic_xics *xics, u32 irq, unsigned int how);
void xics_resend(struct kic_xics *xics);
void xics_resend_work(struct work_struct *work);
u32 xics_present_locked(struct kic_xics *xics, struct xics_ics *ics, u32 idx);
int xics_source_get(struct kic_xics *xics, u64 irq, u64 *val);
int xics_source_set(struct kic_xics *xics, u64 irq, u64 val);

/* rtas.c */
int xics_rtas(struct kic_xics *xics, struct kvm_irqchip_xics_rtas *call);

/* icp.c */
struct xics_icp *xics_icp_alloc(struct kic_vcpu *vcpu);
bool xics_icp_try_deliver(struct kic_xics *xics, struct xics_icp *icp,
			  u32 irq, u8 priority, u32 buid, u32 *reject);
bool xics_icp_pending(struct kic_vcpu *vcpu);
long xics_icp_ioctl(struct kic_vcpu *vcpu, unsigned int ioctl,
		    void __user *argp);

#endif /* _KVM_IRQCHIP_ARCH_POWERPC_XICS_H */
