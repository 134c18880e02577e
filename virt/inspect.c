// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip: an instance's debugfs dump, for bug reports and the
 * kvm-irqchip-stat viewer (tools/kvm-irqchip/kvm-irqchip-stat.c).
 *
 * /sys/kernel/debug/kvm-irqchip/<pid>-<id>/ (pid: the process that opened
 * /dev/kvm-irqchip; id: the instance number trace records show as kic=)
 *   routes  the routing table, one entry a line:
 *	    gsi <n> irqchip <chip> pin <pin>
 *	    gsi <n> msi addr <hi>:<lo> data <data> [devid <id>]
 *	    gsi <n> xics irq <irq>
 *   state   "key value..." lines, stable for scripts:
 *	    model <name>|none, vcpus <n>, routes <entries>, gsis <n>
 *	    counter <name> <value>	(struct kvm_irqchip_counters)
 *	    vcpu <i> notified <n> acks <n> eois <n>
 *	    irqfd <gsi> resample <0|1>
 *	    gsi <n> delivered <n> coalesced <n> dropped <n> masked <n>
 *		mask <0|1> pending <0|1>
 *	    (only GSIs with a count or a mask or pending bit)
 * Controller registers are not here: the VMM reads them with
 * KVM_GET_IRQCHIP / KVM_GET_DEVICE_ATTR.
 *
 * LOCKING: readers take kic->srcu (routing entries, GSI blocks) and the
 * irqfd xarray's lock; no configuration lock, so a dump never delays a
 * VMM, and a dump taken during an update may mix old and new GSIs.
 * LIFETIME: the directory is created with the instance and removed first
 * thing in its teardown; debugfs removal waits for readers in progress,
 * so a reader never sees a dying instance.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include <kvm_irqchip/irqfd.h>
#include <kvm_irqchip/kic.h>
#include <kvm_irqchip/model.h>
#include <kvm_irqchip/routing.h>
#include <kvm_irqchip/vcpu.h>

static void kic_route_show(struct seq_file *m, const struct kic_route *r)
{
	switch (r->type) {
	case KVM_IRQ_ROUTING_IRQCHIP:
		seq_printf(m, "gsi %u irqchip %u pin %u\n", r->gsi,
			   r->pin.irqchip, r->pin.pin);
		break;
	case KVM_IRQ_ROUTING_MSI:
		seq_printf(m, "gsi %u msi addr %#x:%#x data %#x", r->gsi,
			   r->msi.address_hi, r->msi.address_lo, r->msi.data);
		if (r->flags & KVM_MSI_VALID_DEVID)
			seq_printf(m, " devid %#x", r->msi.devid);
		seq_putc(m, '\n');
		break;
	case KVM_IRQ_ROUTING_KIC_XICS:
		seq_printf(m, "gsi %u xics irq %#x\n", r->gsi, r->xics.irq);
		break;
	default:
		seq_printf(m, "gsi %u type %#x\n", r->gsi, r->type);
	}
}

static int kic_routes_show(struct seq_file *m, void *unused)
{
	struct kic *kic = m->private;
	struct kic_gsi *g;
	unsigned long gsi;
	int idx;
	u32 i;

	idx = srcu_read_lock(&kic->srcu);
	xa_for_each(&kic->routing.gsis, gsi, g)
		for (i = 0; i < g->nr; i++)
			kic_route_show(m, &g->route[i]);
	srcu_read_unlock(&kic->srcu, idx);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kic_routes);

static void kic_gsi_state_show(struct seq_file *m, unsigned long first,
			       const struct kic_gsi_block *b)
{
	unsigned int i;

	for (i = 0; i < KIC_GSI_BLOCK; i++) {
		const struct kic_gsi_counters *c = &b->cnt[i];
		u64 d = atomic64_read(&c->delivered);
		u64 co = atomic64_read(&c->coalesced);
		u64 dr = atomic64_read(&c->dropped);
		u64 ma = atomic64_read(&c->masked);
		bool mask = test_bit(i, &b->masked);
		bool pend = test_bit(i, &b->pending);

		if (!(d | co | dr | ma | mask | pend))
			continue;
		seq_printf(m, "gsi %lu delivered %llu coalesced %llu dropped %llu masked %llu mask %d pending %d\n",
			   first + i, d, co, dr, ma, mask, pend);
	}
}

static int kic_state_show(struct seq_file *m, void *unused)
{
	const struct kic_model_ops *ops = kic_ops(m->private);
	struct kic *kic = m->private;
	struct kvm_irqchip_counters c;
	struct kic_gsi_block *b;
	unsigned long i;
	u64 *v = (u64 *)&c;
	int idx, s;

	seq_printf(m, "model %s\n", ops ? ops->name : "none");
	/* The vCPUs are in place before ops is published (kic_ops()). */
	seq_printf(m, "vcpus %u\n", ops ? kic->nr_vcpus : 0);
	seq_printf(m, "routes %u\ngsis %u\n", READ_ONCE(kic->routing.nr_entries),
		   READ_ONCE(kic->routing.nr_gsis));
	kic_read_counters(kic, &c);
	for (s = 0; s < KIC_STAT_NR; s++)
		seq_printf(m, "counter %s %llu\n", kic_stat_names[s], v[s]);
	for (i = 0; ops && i < kic->nr_vcpus; i++) {
		struct kic_vcpu *vcpu = kic->vcpus[i];

		seq_printf(m, "vcpu %lu notified %lld acks %lld eois %lld\n", i,
			   atomic64_read(&vcpu->stat.notified),
			   atomic64_read(&vcpu->stat.acks),
			   atomic64_read(&vcpu->stat.eois));
	}
	kic_irqfd_show(kic, m);
	idx = srcu_read_lock(&kic->srcu);
	xa_for_each(&kic->routing.blocks, i, b)
		kic_gsi_state_show(m, i * KIC_GSI_BLOCK, b);
	srcu_read_unlock(&kic->srcu, idx);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kic_state);

/**
 * kic_debugfs_add() - the instance's dump directory
 * @kic: the new instance, fully initialised
 *
 * Optional, as all of debugfs: a failure leaves the instance working.
 */
void kic_debugfs_add(struct kic *kic)
{
	char name[32];

	if (IS_ERR_OR_NULL(kic_debugfs_dir))
		return;
	snprintf(name, sizeof(name), "%d-%u", kic->pid, kic->id);
	kic->debugfs = debugfs_create_dir(name, kic_debugfs_dir);
	debugfs_create_file("routes", 0400, kic->debugfs, kic,
			    &kic_routes_fops);
	debugfs_create_file("state", 0400, kic->debugfs, kic, &kic_state_fops);
}

/**
 * kic_debugfs_remove() - remove it, waiting for readers in progress
 * @kic: the dying instance
 */
void kic_debugfs_remove(struct kic *kic)
{
	debugfs_remove_recursive(kic->debugfs);
	kic->debugfs = NULL;
}
