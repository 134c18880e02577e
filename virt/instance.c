// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip: the instance and its ioctls.
 *
 * An instance is created unconfigured by open(); KVM_IRQCHIP_CREATE picks
 * the model and the vCPU count once.  Until then the instance behaves like
 * a KVM VM without KVM_CREATE_IRQCHIP, with the same errno for each ioctl.
 *
 * LOCKING and LIFETIME: see include/kvm_irqchip/kic.h.  This file takes
 * kic->lock for creation and KVM_ENABLE_CAP; routing and irqfd take what
 * they need themselves.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <kvm_irqchip/ack.h>
#include <kvm_irqchip/irqfd.h>
#include <kvm_irqchip/kic.h>
#include <kvm_irqchip/model.h>
#include <kvm_irqchip/routing.h>
#include <kvm_irqchip/vcpu.h>

/* Instance numbers for trace records and debugfs names; never reused. */
static atomic_t kic_instance_ids = ATOMIC_INIT(0);

struct kic *kic_instance_alloc(void)
{
	struct kic *kic;
	int r = -ENOMEM;

	kic = kzalloc(sizeof(*kic), GFP_KERNEL_ACCOUNT);
	if (!kic)
		return ERR_PTR(-ENOMEM);

	kic->stats = alloc_percpu_gfp(struct kic_stats, GFP_KERNEL_ACCOUNT);
	if (!kic->stats)
		goto err_free;
	/* Per instance, so that no VM's teardown ever waits on another's. */
	kic->wq = alloc_workqueue("kvm-irqchip", WQ_UNBOUND, 0);
	if (!kic->wq)
		goto err_stats;
	r = init_srcu_struct(&kic->srcu);
	if (r)
		goto err_wq;

	kref_init(&kic->ref);
	mutex_init(&kic->lock);
	kic_routing_init(&kic->routing);
	xa_init_flags(&kic->irqfds, XA_FLAGS_LOCK_IRQ);
	mutex_init(&kic->acks.lock);
	INIT_LIST_HEAD(&kic->acks.resamplers);
	INIT_LIST_HEAD(&kic->acks.eoifds);
	kic->id = atomic_inc_return(&kic_instance_ids);
	kic->pid = task_tgid_nr(current);
	atomic_inc(&kic_nr_instances);
	kic_debugfs_add(kic);
	return kic;

err_wq:
	destroy_workqueue(kic->wq);
err_stats:
	free_percpu(kic->stats);
err_free:
	kfree(kic);
	return ERR_PTR(r);
}

static void kic_destroy(struct kref *ref)
{
	struct kic *kic = container_of(ref, struct kic, ref);
	const struct kic_model_ops *ops = kic_ops(kic);

	/*
	 * Ordering: irqfds first, so no eventfd can reach the instance;
	 * then the model stops queueing work of its own; then the
	 * workqueue, which drains slow-path injections and the shutdowns
	 * queued by EPOLLHUP; only then is nothing left that reads the
	 * routing table, the EOI eventfds or the vCPUs.  The debugfs dump
	 * goes before all of that: removal waits for its readers.
	 */
	kic_debugfs_remove(kic);
	kic_irqfd_release_all(kic);
	if (ops && ops->quiesce)
		ops->quiesce(kic);
	destroy_workqueue(kic->wq);
	kic_eoifd_release_all(kic);

	kic_routing_destroy(kic);
	cleanup_srcu_struct(&kic->srcu);
	if (ops)
		ops->destroy(kic);
	kic_vcpus_destroy(kic);
	free_percpu(kic->stats);
	mutex_destroy(&kic->lock);
	kfree(kic);
	atomic_dec(&kic_nr_instances);
}

void kic_get(struct kic *kic)
{
	kref_get(&kic->ref);
}

void kic_put(struct kic *kic)
{
	kref_put(&kic->ref, kic_destroy);
}

/*
 * The models this build implements, the host architecture's own first:
 * Kbuild's per-architecture list (kic-models-$(SRCARCH)) gives
 * KIC_MODEL_LIST, e.g. "&kic_x86_model,&kic_gic_model,&kic_xics_model".
 */
static const struct kic_model_ops *const kic_models[] = { KIC_MODEL_LIST };

static const struct kic_model_ops *kic_model_find(u32 model)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(kic_models); i++)
		if (kic_models[i]->model == model)
			return kic_models[i];
	return NULL;
}

static int kic_models_mask(void)
{
	int i, mask = 0;

	for (i = 0; i < ARRAY_SIZE(kic_models); i++)
		mask |= 1 << kic_models[i]->model;
	return mask;
}

static bool kic_model_defined(u32 model)
{
	return model == KVM_IRQCHIP_MODEL_X86 ||
	       model == KVM_IRQCHIP_MODEL_ARM64_GICV3 ||
	       model == KVM_IRQCHIP_MODEL_PPC_XICS;
}

/* Routes are checked by the model, so it must be in place (not yet live). */
static int kic_create_default_routing(struct kic *kic,
				      const struct kic_model_ops *ops)
{
	const struct kvm_irq_routing_entry *ue;
	int r;
	u32 nr;

	if (!ops->default_routing)
		return 0;
	ue = ops->default_routing(&nr);
	kic->ops = ops;		/* route_setup reads it; not published */
	r = kic_routing_set_default(kic, ue, nr);
	kic->ops = NULL;
	return r;
}

static int kic_create(struct kic *kic, const struct kvm_irqchip_create *c)
{
	const struct kic_model_ops *ops;
	int r, i;

	if (c->flags & ~(KVM_IRQCHIP_CREATE_DEFAULT_ROUTING |
			 KVM_IRQCHIP_CREATE_KVM_VM))
		return -EINVAL;
	if (!(c->flags & KVM_IRQCHIP_CREATE_KVM_VM) && c->kvm_vm_fd)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(c->reserved); i++)
		if (c->reserved[i])
			return -EINVAL;
	if (!c->nr_vcpus || c->nr_vcpus > KVM_IRQCHIP_MAX_VCPUS)
		return -EINVAL;
	if (!kic_model_defined(c->model))
		return -EINVAL;
	ops = kic_model_find(c->model);
	if (!ops)
		return -ENODEV;

	mutex_lock(&kic->lock);
	r = -EEXIST;
	if (kic->ops)
		goto out;

	r = kic_vcpus_create(kic, c->nr_vcpus);
	if (r)
		goto out;
	r = ops->init(kic);
	if (r) {
		kic_vcpus_destroy(kic);
		goto out;
	}
	if (c->flags & KVM_IRQCHIP_CREATE_KVM_VM)
		r = ops->attach_kvm ? ops->attach_kvm(kic, c->kvm_vm_fd) :
				      -EOPNOTSUPP;
	if (!r && c->flags & KVM_IRQCHIP_CREATE_DEFAULT_ROUTING)
		r = kic_create_default_routing(kic, ops);
	if (r) {
		ops->destroy(kic);
		kic_vcpus_destroy(kic);
		goto out;
	}
	/* Pairs with kic_ops(): the model and vCPUs are visible first. */
	smp_store_release(&kic->ops, ops);
out:
	mutex_unlock(&kic->lock);
	return r;
}

/* Answers for the whole module; the model adds its own. */
static int kic_check_extension(struct kic *kic, long cap)
{
	const struct kic_model_ops *ops = kic_ops(kic) ?: kic_models[0];

	switch (cap) {
	case KVM_CAP_IRQ_ROUTING:
		return kic_max_routes;
	case KVM_CAP_IRQFD:
	case KVM_CAP_IRQFD_RESAMPLE:
	case KVM_CAP_SIGNAL_MSI:
	case KVM_CAP_IRQ_INJECT_STATUS:
		return 1;
	case KVM_IRQCHIP_CAP_MODELS:
		return kic_models_mask();
	case KVM_IRQCHIP_CAP_ABI_VERSION:
		return KVM_IRQCHIP_ABI_VERSION;
	default:
		return ops->check_extension(cap);
	}
}

static int kic_enable_cap(struct kic *kic, const struct kic_model_ops *ops,
			  const struct kvm_enable_cap *cap)
{
	int r;

	if (cap->flags)
		return -EINVAL;
	mutex_lock(&kic->lock);
	r = ops->enable_cap(kic, cap);
	mutex_unlock(&kic->lock);
	return r;
}

/**
 * kic_read_counters() - the instance counters, summed over the CPUs
 * @kic: the instance
 * @out: filled, reserved fields zero
 */
void kic_read_counters(struct kic *kic, struct kvm_irqchip_counters *out)
{
	u64 sum[KIC_STAT_NR] = {};
	int cpu, s;

	for_each_possible_cpu(cpu) {
		struct kic_stats *st = per_cpu_ptr(kic->stats, cpu);

		for (s = 0; s < KIC_STAT_NR; s++)
			sum[s] += READ_ONCE(st->c[s]);
	}
	memset(out, 0, sizeof(*out));
	out->delivered = sum[KIC_STAT_DELIVERED];
	out->fast_path = sum[KIC_STAT_FAST_PATH];
	out->slow_path = sum[KIC_STAT_SLOW_PATH];
	out->no_route = sum[KIC_STAT_NO_ROUTE];
	out->no_target = sum[KIC_STAT_NO_TARGET];
	out->illegal_vector = sum[KIC_STAT_ILLEGAL_VECTOR];
	out->rejected = sum[KIC_STAT_REJECTED];
	out->coalesced = sum[KIC_STAT_COALESCED];
	out->acked = sum[KIC_STAT_ACKED];
}

static long kic_irq_line(struct kic *kic, unsigned int ioctl,
			 void __user *argp)
{
	struct kvm_irq_level line;

	if (copy_from_user(&line, argp, sizeof(line)))
		return -EFAULT;
	line.status = kic_set_gsi(kic, line.irq, KIC_SRC_USER, line.level,
				  ioctl == KVM_IRQ_LINE_STATUS ?
				  KIC_SET_LINE_STATUS : 0);
	if (ioctl == KVM_IRQ_LINE_STATUS &&
	    copy_to_user(argp, &line, sizeof(line)))
		return -EFAULT;
	return 0;
}

/* KVM_GET_IRQCHIP and KVM_SET_IRQCHIP: the controller state, KVM's layout */
static long kic_irqchip_state(struct kic *kic, const struct kic_model_ops *ops,
			      unsigned int ioctl, void __user *argp)
{
	struct kvm_irqchip *chip;
	long r;

	if (!ops->get_irqchip)
		return -ENXIO;
	chip = memdup_user(argp, sizeof(*chip));
	if (IS_ERR(chip))
		return PTR_ERR(chip);
	if (ioctl == KVM_SET_IRQCHIP) {
		r = ops->set_irqchip(kic, chip);
	} else {
		r = ops->get_irqchip(kic, chip);
		if (!r && copy_to_user(argp, chip, sizeof(*chip)))
			r = -EFAULT;
	}
	kfree(chip);
	return r;
}

/* KVM_IRQCHIP_IO: a guest register access the VMM forwards */
static long kic_io(struct kic *kic, const struct kic_model_ops *ops,
		   void __user *argp)
{
	struct kvm_irqchip_io io;
	int r;

	if (copy_from_user(&io, argp, sizeof(io)))
		return -EFAULT;
	if (io.flags & ~(KVM_IRQCHIP_IO_WRITE | KVM_IRQCHIP_IO_PIO) ||
	    io.reserved[0] || io.reserved[1])
		return -EINVAL;
	if (!ops->io)
		return -ENXIO;
	r = ops->io(kic, &io);
	if (r || io.flags & KVM_IRQCHIP_IO_WRITE)
		return r;
	return copy_to_user(argp, &io, sizeof(io)) ? -EFAULT : 0;
}

/* The ioctls a KVM VM answers even without an in-kernel irqchip. */
static long kic_ioctl_unconfigured(struct kic *kic, unsigned int ioctl,
				   unsigned long arg)
{
	void __user *argp = (void __user *)arg;
	struct kvm_irqchip_create create;

	switch (ioctl) {
	case KVM_CHECK_EXTENSION:
		return kic_check_extension(kic, arg);
	case KVM_IRQCHIP_CREATE:
		if (copy_from_user(&create, argp, sizeof(create)))
			return -EFAULT;
		return kic_create(kic, &create);
	case KVM_SET_GSI_ROUTING:
	case KVM_IRQCHIP_ROUTE_BATCH:
	case KVM_SIGNAL_MSI:
	case KVM_IRQFD:
		return -EINVAL;
	case KVM_IRQ_LINE:
	case KVM_IRQ_LINE_STATUS:
	case KVM_ENABLE_CAP:
	case KVM_GET_IRQCHIP:
	case KVM_SET_IRQCHIP:
	case KVM_IRQCHIP_GET_VCPU_FD:
	case KVM_IRQCHIP_GET_COUNTERS:
	case KVM_IRQCHIP_IO:
	case KVM_IRQCHIP_EOIFD:
	case KVM_IRQCHIP_EOI:
	case KVM_IRQCHIP_GET_GSI_COUNTERS:
	case KVM_IRQCHIP_GET_PENDING:
		return -ENXIO;
	case KVM_GET_STATS_FD:
		return kic_stats_fd(kic);
	default:
		return -ENOTTY;
	}
}

long kic_instance_ioctl(struct kic *kic, unsigned int ioctl, unsigned long arg)
{
	const struct kic_model_ops *ops = kic_ops(kic);
	void __user *argp = (void __user *)arg;

	if (!ops)
		return kic_ioctl_unconfigured(kic, ioctl, arg);

	switch (ioctl) {
	case KVM_CHECK_EXTENSION:
		return kic_check_extension(kic, arg);
	case KVM_IRQCHIP_CREATE:
		return -EEXIST;
	case KVM_ENABLE_CAP: {
		struct kvm_enable_cap cap;

		if (copy_from_user(&cap, argp, sizeof(cap)))
			return -EFAULT;
		return kic_enable_cap(kic, ops, &cap);
	}
	case KVM_SET_GSI_ROUTING:
		return kic_set_gsi_routing(kic, argp);
	case KVM_IRQCHIP_ROUTE_BATCH:
		return kic_route_batch(kic, argp);
	case KVM_IRQCHIP_GET_GSI_COUNTERS:
		return kic_gsi_get_counters(kic, argp);
	case KVM_IRQCHIP_GET_PENDING:
		return kic_gsi_pending(kic, argp);
	case KVM_IRQFD: {
		struct kvm_irqfd args;

		if (copy_from_user(&args, argp, sizeof(args)))
			return -EFAULT;
		return kic_irqfd(kic, &args);
	}
	case KVM_SIGNAL_MSI: {
		struct kvm_msi msi;

		if (copy_from_user(&msi, argp, sizeof(msi)))
			return -EFAULT;
		if (msi.flags & ~KVM_MSI_VALID_DEVID)
			return -EINVAL;
		return ops->signal_msi(kic, &msi);
	}
	case KVM_IRQ_LINE:
	case KVM_IRQ_LINE_STATUS:
		return kic_irq_line(kic, ioctl, argp);
	case KVM_GET_IRQCHIP:
	case KVM_SET_IRQCHIP:
		return kic_irqchip_state(kic, ops, ioctl, argp);
	case KVM_IRQCHIP_IO:
		return kic_io(kic, ops, argp);
	case KVM_IRQCHIP_EOIFD: {
		struct kvm_irqchip_eoifd args;

		if (copy_from_user(&args, argp, sizeof(args)))
			return -EFAULT;
		return kic_eoifd(kic, &args);
	}
	case KVM_IRQCHIP_EOI: {
		struct kvm_irqchip_eoi eoi;
		int i;

		if (copy_from_user(&eoi, argp, sizeof(eoi)))
			return -EFAULT;
		if (eoi.flags)
			return -EINVAL;
		for (i = 0; i < ARRAY_SIZE(eoi.reserved); i++)
			if (eoi.reserved[i])
				return -EINVAL;
		return ops->eoi ? ops->eoi(kic, eoi.vcpu, eoi.vector) : -ENOTTY;
	}
	case KVM_IRQCHIP_GET_VCPU_FD:
		return kic_vcpu_get_fd(kic, arg);
	case KVM_GET_STATS_FD:
		return kic_stats_fd(kic);
	case KVM_IRQCHIP_GET_COUNTERS: {
		struct kvm_irqchip_counters cnt;

		kic_read_counters(kic, &cnt);
		if (copy_to_user(argp, &cnt, sizeof(cnt)))
			return -EFAULT;
		return 0;
	}
	default:
		/* The model's own (KVM_SET_DEVICE_ATTR, RTAS calls, ...). */
		return ops->ioctl ? ops->ioctl(kic, ioctl, argp) : -ENOTTY;
	}
}
