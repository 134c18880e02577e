// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip: vCPU endpoints and their files.
 *
 * A vCPU endpoint is where a model presents interrupts: the VMM (or, with
 * a bridge backend, a real vCPU) takes them from here.  Each vCPU fd is an
 * anonymous file that holds a reference on the instance; poll() on it says
 * when the model has something for the vCPU, and its ioctls are the
 * model's (acknowledge, EOI, register access).
 *
 * LOCKING
 *   The endpoints are created with the model under kic->lock and fixed
 *   until the instance dies.  Presentation state is the model's, under the
 *   model's per-vCPU lock.  vcpu->wq has its own lock; kic_vcpu_kick() is
 *   called from any context, including the eventfd wakeup.
 * LIFETIME
 *   Endpoints are freed by kic_destroy(), after every vCPU file is gone
 *   (each holds a kic reference) and every irqfd is shut down.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/slab.h>

#include <kvm_irqchip/kic.h>
#include <kvm_irqchip/model.h>
#include <kvm_irqchip/vcpu.h>

int kic_vcpus_create(struct kic *kic, u32 nr_vcpus)
{
	struct kic_vcpu **vcpus;
	u32 i;

	lockdep_assert_held(&kic->lock);
	vcpus = kcalloc(nr_vcpus, sizeof(*vcpus), GFP_KERNEL_ACCOUNT);
	if (!vcpus)
		return -ENOMEM;
	for (i = 0; i < nr_vcpus; i++) {
		vcpus[i] = kzalloc(sizeof(*vcpus[i]), GFP_KERNEL_ACCOUNT);
		if (!vcpus[i])
			goto err;
		vcpus[i]->kic = kic;
		vcpus[i]->index = i;
		init_waitqueue_head(&vcpus[i]->wq);
	}
	kic->vcpus = vcpus;
	kic->nr_vcpus = nr_vcpus;
	return 0;
err:
	while (i--)
		kfree(vcpus[i]);
	kfree(vcpus);
	return -ENOMEM;
}

void kic_vcpus_destroy(struct kic *kic)
{
	u32 i;

	for (i = 0; i < kic->nr_vcpus; i++)
		kfree(kic->vcpus[i]);
	kfree(kic->vcpus);
	kic->vcpus = NULL;
	kic->nr_vcpus = 0;
}

/**
 * kic_vcpu_kick() - tell a vCPU's pollers that the model has news
 * @vcpu: the vCPU
 *
 * Any context.
 */
void kic_vcpu_kick(struct kic_vcpu *vcpu)
{
	atomic64_inc(&vcpu->stat.notified);
	/*
	 * Most deliveries find nobody polling: skip the wait-queue lock then.
	 * wq_has_sleeper() orders the model's state change before the check,
	 * pairing with the barrier after poll_wait() in kic_vcpu_poll().
	 */
	if (wq_has_sleeper(&vcpu->wq))
		wake_up_interruptible_poll(&vcpu->wq, EPOLLIN | EPOLLRDNORM);
}

static __poll_t kic_vcpu_poll(struct file *file, poll_table *wait)
{
	struct kic_vcpu *vcpu = file->private_data;

	poll_wait(file, &vcpu->wq, wait);
	/* Queued before the model is asked; pairs with kic_vcpu_kick(). */
	smp_mb();
	if (vcpu->kic->ops->vcpu_pending(vcpu))
		return EPOLLIN | EPOLLRDNORM;
	return 0;
}

static long kic_vcpu_ioctl(struct file *file, unsigned int ioctl,
			   unsigned long arg)
{
	struct kic_vcpu *vcpu = file->private_data;
	long r;

	if (ioctl == KVM_GET_STATS_FD)
		return kic_vcpu_stats_fd(vcpu);
	r = vcpu->kic->ops->vcpu_ioctl(vcpu, ioctl, (void __user *)arg);
	if (r >= 0 && ioctl == KVM_IRQCHIP_VCPU_ACK)
		atomic64_inc(&vcpu->stat.acks);
	else if (r >= 0 && ioctl == KVM_IRQCHIP_VCPU_EOI)
		atomic64_inc(&vcpu->stat.eois);
	return r;
}

static int kic_vcpu_release(struct inode *inode, struct file *file)
{
	struct kic_vcpu *vcpu = file->private_data;

	kic_put(vcpu->kic);
	return 0;
}

static const struct file_operations kic_vcpu_fops = {
	.owner		= THIS_MODULE,
	.poll		= kic_vcpu_poll,
	.unlocked_ioctl	= kic_vcpu_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.release	= kic_vcpu_release,
	.llseek		= noop_llseek,
};

/**
 * kic_vcpu_get_fd() - KVM_IRQCHIP_GET_VCPU_FD
 * @kic: the instance, created
 * @index: the vCPU
 *
 * Return: a new fd for the vCPU endpoint; -EINVAL for a bad index.
 */
int kic_vcpu_get_fd(struct kic *kic, unsigned long index)
{
	int fd;

	if (index >= kic->nr_vcpus)
		return -EINVAL;
	kic_get(kic);
	fd = anon_inode_getfd("kvm-irqchip-vcpu", &kic_vcpu_fops,
			      kic->vcpus[index], O_RDWR | O_CLOEXEC);
	if (fd < 0)
		kic_put(kic);
	return fd;
}
