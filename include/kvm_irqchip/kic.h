/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm-irqchip: the instance, the object behind one open of /dev/kvm-irqchip.
 *
 * LOCKING
 *   kic->lock (mutex) serialises configuration: KVM_IRQCHIP_CREATE,
 *   routing updates, irqfd assign/deassign, KVM_ENABLE_CAP.  It is never
 *   taken on a delivery path.
 *   kic->srcu protects the routing table's entries for readers; readers may
 *   run in atomic context (the eventfd wakeup) or sleep (the slow-path work
 *   item).
 *   kic->irqfds' xarray lock (irq-safe) guards irqfd membership; it is
 *   taken from the eventfd wakeup with the eventfd's wait-queue lock held.
 *   kic->acks.lock (mutex) serialises changes to the resampler and EOI
 *   eventfd lists; readers walk them under kic->srcu (virt/ack.c).
 *   Order: kic->lock -> kic->acks.lock.
 *   Per-vCPU presentation state has its own lock, owned by the model.
 *
 * LIFETIME
 *   kic->ref counts the instance file and every vCPU file.  The last put
 *   (always process context, from a file release) tears down the irqfds,
 *   drains the instance's own workqueue, and frees the routing table, the
 *   model and the vCPUs.  Nothing outlives it; nothing waits on another
 *   instance.
 *
 *   kic->ops is NULL until KVM_IRQCHIP_CREATE succeeds; it is published
 *   with smp_store_release() after the model and vCPUs are ready and never
 *   changes afterwards, so kic_ops() readers need no lock.
 */
#ifndef _KVM_IRQCHIP_KIC_H
#define _KVM_IRQCHIP_KIC_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/kvm_irqchip.h>

#include <kvm_irqchip/routing.h>

struct kic_model_ops;
struct kic_vcpu;

/* Counters, one slot per field of struct kvm_irqchip_counters. */
enum kic_stat {
	KIC_STAT_DELIVERED,
	KIC_STAT_FAST_PATH,
	KIC_STAT_SLOW_PATH,
	KIC_STAT_NO_ROUTE,
	KIC_STAT_NO_TARGET,
	KIC_STAT_ILLEGAL_VECTOR,
	KIC_STAT_REJECTED,
	KIC_STAT_COALESCED,
	KIC_STAT_ACKED,
	KIC_STAT_NR,
};

struct kic_stats {
	u64 c[KIC_STAT_NR];
};

#include <kvm_irqchip/trace.h>

/**
 * struct kic - one interrupt controller instance (one VM's irqchip)
 * @ref: instance file + vCPU files
 * @lock: serialises configuration (see LOCKING)
 * @ops: the model, NULL until created
 * @model: the model's private state
 * @nr_vcpus: number of vCPUs, fixed at creation
 * @vcpus: the vCPU endpoints, fixed at creation
 * @routing: the GSI routing table and per-GSI state (virt/routing.c)
 * @srcu: protects @routing readers
 * @irqfds: the bound irqfds, keyed by their eventfd_ctx (virt/irqfd.c)
 * @acks: who hears of the guest's acknowledgments (virt/ack.c)
 * @acks.lock: serialises changes to both lists
 * @acks.resamplers: struct kic_resampler, one per GSI with resampling irqfds
 * @acks.eoifds: struct kic_eoifd
 * @resample_needs_line: refuse KVM_IRQFD_FLAG_RESAMPLE on a GSI without a
 *	line entry (KVM accepts it; set by a model's strict mode, under @lock)
 * @wq: this instance's workqueue: slow-path injection, irqfd shutdown
 * @stats: per-CPU counters
 * @id: module-wide instance number, in trace records and debugfs names
 * @pid: the thread group that opened the device (debugfs names)
 * @debugfs: the instance's debugfs directory, or NULL (virt/debugfs.c)
 */
struct kic {
	struct kref ref;
	struct mutex lock;	/* configuration; see LOCKING */
	const struct kic_model_ops *ops;
	void *model;
	u32 nr_vcpus;
	struct kic_vcpu **vcpus;
	struct kic_routing routing;
	struct srcu_struct srcu;
	struct xarray irqfds;
	struct {
		struct mutex lock;	/* list changes; see virt/ack.c */
		struct list_head resamplers;
		struct list_head eoifds;
	} acks;
	bool resample_needs_line;
	struct workqueue_struct *wq;
	struct kic_stats __percpu *stats;
	u32 id;
	pid_t pid;
	struct dentry *debugfs;
};

/* The model, or NULL before KVM_IRQCHIP_CREATE. */
static inline const struct kic_model_ops *kic_ops(struct kic *kic)
{
	/* Pairs with smp_store_release() in kic_create(). */
	return smp_load_acquire(&kic->ops);
}

static inline void kic_stat_inc(struct kic *kic, enum kic_stat s)
{
	this_cpu_inc(kic->stats->c[s]);
	/* @s is a constant at every call site: one test survives. */
	if (s >= KIC_STAT_NO_ROUTE && s <= KIC_STAT_REJECTED)
		trace_kvm_irqchip_dropped(kic, s);
	else if (s == KIC_STAT_COALESCED)
		trace_kvm_irqchip_coalesced(kic);
}

/* Live objects, module-wide, for leak checks (virt/debugfs.c). */
extern atomic_t kic_nr_instances;
extern atomic_t kic_nr_irqfds;
extern struct dentry *kic_debugfs_dir;
void kic_debugfs_init(void);
void kic_debugfs_exit(void);
void kic_debugfs_add(struct kic *kic);
void kic_debugfs_remove(struct kic *kic);

/* The names of enum kic_stat, as the fields of kvm_irqchip_counters. */
extern const char *const kic_stat_names[KIC_STAT_NR];
/* Sums of the per-CPU counters, as struct kvm_irqchip_counters. */
void kic_read_counters(struct kic *kic, struct kvm_irqchip_counters *out);
/* KVM_GET_STATS_FD on the instance fd and on a vCPU fd (virt/stats.c) */
int kic_stats_fd(struct kic *kic);
int kic_vcpu_stats_fd(struct kic_vcpu *vcpu);

void kic_get(struct kic *kic);
void kic_put(struct kic *kic);

long kic_instance_ioctl(struct kic *kic, unsigned int ioctl,
			unsigned long arg);
struct kic *kic_instance_alloc(void);

/*
 * The models; Kbuild builds those of the host architecture (kic-models-*)
 * and lists them in KIC_MODEL_LIST for virt/instance.c.
 */
extern const struct kic_model_ops kic_x86_model;
extern const struct kic_model_ops kic_xics_model;
extern const struct kic_model_ops kic_gic_model;

#endif /* _KVM_IRQCHIP_KIC_H */
