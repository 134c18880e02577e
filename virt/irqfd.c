// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip: irqfd, an eventfd bound to a GSI of an instance.
 *
 * A write to the eventfd wakes its wait queue; our wait-queue entry's
 * callback runs right there, in atomic context with the eventfd's
 * wait-queue lock held and interrupts off, and delivers through the
 * routing table (the fast path).  Only a route whose model cannot deliver
 * atomically goes to the irqfd's work item on the instance's workqueue
 * (the slow path).
 *
 * A plain irqfd pulses its GSI (raise, then lower: an edge on a pin, a
 * message on an MSI route).  A resampling irqfd (KVM_IRQFD_FLAG_RESAMPLE)
 * raises the GSI's pins and leaves them high; when the guest completes the
 * interrupt, the GSI's resampler (virt/ack.c) lowers them and signals the
 * resamplefd.  As in KVM, any GSI may have resampling irqfds; on a GSI
 * without a pin nothing lowers the level but an EOI reported for the GSI
 * (an MSI route's, see kic_gsi_acked()).  kic->resample_needs_line refuses
 * them there instead (x86 KVM_IRQCHIP_CAP_X86_STRICT).
 *
 * Irqfds are kept in an xarray keyed by their eventfd_ctx, so the
 * duplicate check, deassign and EPOLLHUP are O(log n) at any count (KVM
 * walks a list).  An irqfd names its GSI, not an entry: each signal looks
 * the GSI up, so a route change needs no irqfd to be re-resolved.
 *
 * LOCKING
 *   kic->lock (mutex) serialises assign and deassign, so a deassign never
 *   meets an irqfd that is still being hooked into its eventfd.
 *   The xarray's lock (irq-safe) guards kic->irqfds and so each irqfd's
 *   membership of it.  Membership is the irqfd's "active" state: whoever
 *   erases an irqfd owns its shutdown, exactly once.
 *   The eventfd's wait-queue lock (eventfd wqh) is taken by the eventfd
 *   core around our wakeup callback; order: eventfd wqh -> xarray lock.
 *
 * LIFETIME
 *   An irqfd holds a reference on its eventfd_ctx.  It is freed by
 *   kic_irqfd_shutdown(), which is run either synchronously by deassign
 *   and instance teardown, or from the instance's workqueue after EPOLLHUP
 *   (the eventfd being closed).  Shutdown (ordering is the point):
 *   1. the irqfd is already off the list, so no one else will shut it down;
 *   2. eventfd_ctx_remove_wait_queue() takes the eventfd wqh lock: once it
 *      returns, the wakeup callback is not running and never will again;
 *   3. the inject work, which the callback may have queued, is cancelled
 *      and waited for;
 *   4. a resampling irqfd leaves its resampler, which waits for the
 *      instance's SRCU readers, so no acknowledgment still signals its
 *      resamplefd;
 *   5. only then is the irqfd freed.
 *   The instance cannot go away under an irqfd: kic_destroy() shuts down
 *   every listed irqfd and then drains the workqueue before anything else.
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/poll.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include <kvm_irqchip/ack.h>
#include <kvm_irqchip/irqfd.h>
#include <kvm_irqchip/kic.h>
#include <kvm_irqchip/routing.h>

/**
 * struct kic_irqfd - an eventfd bound to a GSI
 * @kic: the instance
 * @eventfd: the eventfd, referenced
 * @gsi: the GSI it raises
 * @dead: entry in a private list of irqfds to shut down, once erased
 * @wait: our entry in the eventfd's wait queue
 * @pt: used once, to find the wait queue through vfs_poll()
 * @inject: slow-path delivery, on kic->wq
 * @shutdown: teardown after EPOLLHUP, on kic->wq
 * @resample: its place on the GSI's resampler; @resample.resamplefd is
 *	NULL for a plain irqfd
 */
struct kic_irqfd {
	struct kic *kic;
	struct eventfd_ctx *eventfd;
	u32 gsi;
	struct list_head dead;
	wait_queue_entry_t wait;
	poll_table pt;
	struct work_struct inject;
	struct work_struct shutdown;
	struct kic_resample_link resample;
};

/* One signal: a held level for a resampling irqfd, else a pulse. */
static int kic_irqfd_raise(struct kic_irqfd *irqfd, unsigned int how)
{
	struct kic *kic = irqfd->kic;

	if (irqfd->resample.resamplefd)
		return kic_set_gsi(kic, irqfd->gsi, KIC_SRC_RESAMPLE, 1, how);
	return kic_set_gsi(kic, irqfd->gsi, KIC_SRC_IRQFD, 1,
			   how | KIC_SET_PULSE);
}

static void kic_irqfd_inject(struct work_struct *work)
{
	struct kic_irqfd *irqfd = container_of(work, struct kic_irqfd, inject);

	kic_stat_inc(irqfd->kic, KIC_STAT_SLOW_PATH);
	kic_irqfd_raise(irqfd, 0);
}

static void kic_irqfd_shutdown(struct kic_irqfd *irqfd)
{
	u64 cnt;

	might_sleep();
	trace_kvm_irqchip_irqfd(irqfd->kic, irqfd->gsi, KIC_TRACE_IRQFD_SHUTDOWN,
				irqfd->resample.resamplefd);
	eventfd_ctx_remove_wait_queue(irqfd->eventfd, &irqfd->wait, &cnt);
	cancel_work_sync(&irqfd->inject);
	if (irqfd->resample.resamplefd) {
		kic_resample_leave(irqfd->kic, &irqfd->resample);
		eventfd_ctx_put(irqfd->resample.resamplefd);
	}
	eventfd_ctx_put(irqfd->eventfd);
	kfree(irqfd);
	atomic_dec(&kic_nr_irqfds);
}

static void kic_irqfd_shutdown_work(struct work_struct *work)
{
	kic_irqfd_shutdown(container_of(work, struct kic_irqfd, shutdown));
}

/* Erase @irqfd; the caller then owns its shutdown. */
static void kic_irqfd_deactivate(struct kic_irqfd *irqfd)
{
	lockdep_assert_held(&irqfd->kic->irqfds.xa_lock);
	__xa_erase(&irqfd->kic->irqfds, (unsigned long)irqfd->eventfd);
}

static bool kic_irqfd_is_active(struct kic_irqfd *irqfd)
{
	struct kic *kic = irqfd->kic;

	lockdep_assert_held(&kic->irqfds.xa_lock);
	return xa_load(&kic->irqfds, (unsigned long)irqfd->eventfd) == irqfd;
}

/* Called with the eventfd's wait-queue lock held, interrupts off. */
static int kic_irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			    int sync, void *key)
{
	struct kic_irqfd *irqfd = container_of(wait, struct kic_irqfd, wait);
	__poll_t flags = key_to_poll(key);
	struct kic *kic = irqfd->kic;
	unsigned long iflags;

	if (flags & EPOLLIN) {
		u64 cnt;

		/* One message per wakeup; the count is consumed, not queued. */
		eventfd_ctx_do_read(irqfd->eventfd, &cnt);
		if (kic_irqfd_raise(irqfd, KIC_SET_ATOMIC) == -EWOULDBLOCK)
			queue_work(kic->wq, &irqfd->inject);
		else
			kic_stat_inc(kic, KIC_STAT_FAST_PATH);
	}

	if (flags & EPOLLHUP) {
		/*
		 * The eventfd is being released.  If deassign or teardown got
		 * here first they own the shutdown; they cannot free the
		 * irqfd under us, as they need the wqh lock we hold.
		 */
		xa_lock_irqsave(&kic->irqfds, iflags);
		if (kic_irqfd_is_active(irqfd)) {
			trace_kvm_irqchip_irqfd(kic, irqfd->gsi,
						KIC_TRACE_IRQFD_HANGUP,
						irqfd->resample.resamplefd);
			kic_irqfd_deactivate(irqfd);
			queue_work(kic->wq, &irqfd->shutdown);
		}
		xa_unlock_irqrestore(&kic->irqfds, iflags);
	}
	return 0;
}

static void kic_irqfd_queue_proc(struct file *file, wait_queue_head_t *wqh,
				 poll_table *pt)
{
	struct kic_irqfd *irqfd = container_of(pt, struct kic_irqfd, pt);

	add_wait_queue(wqh, &irqfd->wait);
}

/*
 * The resampling half of an assign: the resamplefd, checked as KVM does,
 * then the line entry a strict model requires, then a place on the GSI's
 * resampler.
 */
static int kic_irqfd_resample_get(struct kic *kic, struct kic_irqfd *irqfd,
				  const struct kvm_irqfd *args)
{
	struct eventfd_ctx *resamplefd;
	int r;

	resamplefd = eventfd_ctx_fdget(args->resamplefd);
	if (IS_ERR(resamplefd))
		return PTR_ERR(resamplefd);
	r = -EINVAL;
	if (kic->resample_needs_line && !kic_gsi_has_pin(kic, args->gsi))
		goto err;
	irqfd->resample.resamplefd = resamplefd;
	r = kic_resample_join(kic, args->gsi, &irqfd->resample);
	if (r)
		goto err;
	return 0;
err:
	irqfd->resample.resamplefd = NULL;
	eventfd_ctx_put(resamplefd);
	return r;
}

static int kic_irqfd_assign(struct kic *kic, const struct kvm_irqfd *args)
{
	struct eventfd_ctx *eventfd;
	struct kic_irqfd *irqfd;
	struct fd f;
	__poll_t events;
	int r;

	lockdep_assert_held(&kic->lock);
	f = fdget(args->fd);
	if (!f.file)
		return -EBADF;
	eventfd = eventfd_ctx_fileget(f.file);
	if (IS_ERR(eventfd)) {
		r = PTR_ERR(eventfd);
		goto out_fdput;
	}

	irqfd = kzalloc(sizeof(*irqfd), GFP_KERNEL_ACCOUNT);
	if (!irqfd) {
		r = -ENOMEM;
		goto out_ctx;
	}
	if (args->flags & KVM_IRQFD_FLAG_RESAMPLE) {
		r = kic_irqfd_resample_get(kic, irqfd, args);
		if (r)
			goto out_irqfd;
	}
	irqfd->kic = kic;
	irqfd->eventfd = eventfd;
	irqfd->gsi = args->gsi;
	INIT_WORK(&irqfd->inject, kic_irqfd_inject);
	INIT_WORK(&irqfd->shutdown, kic_irqfd_shutdown_work);
	init_waitqueue_func_entry(&irqfd->wait, kic_irqfd_wakeup);
	init_poll_funcptr(&irqfd->pt, kic_irqfd_queue_proc);

	/* Per-GSI counters count what reaches a GSI without a route, too. */
	r = -ENOMEM;
	if (args->gsi < kic_max_routes && !kic_gsi_block_get(kic, args->gsi))
		goto out_resample;
	/* -EBUSY when the eventfd is bound already */
	r = xa_insert_irq(&kic->irqfds, (unsigned long)eventfd, irqfd,
			  GFP_KERNEL_ACCOUNT);
	if (r)
		goto out_resample;
	atomic_inc(&kic_nr_irqfds);

	/*
	 * Hook into the eventfd's wait queue.  kic->lock keeps deassign away
	 * until this is done, and our reference on the file keeps EPOLLHUP
	 * away, so the irqfd cannot be shut down half hooked.  A signal that
	 * was pending before we were there to see it is delivered now.
	 */
	events = vfs_poll(f.file, &irqfd->pt);
	trace_kvm_irqchip_irqfd(kic, irqfd->gsi, KIC_TRACE_IRQFD_ASSIGN,
				irqfd->resample.resamplefd);
	if (events & EPOLLIN)
		queue_work(kic->wq, &irqfd->inject);
	fdput(f);
	return 0;

out_resample:
	if (irqfd->resample.resamplefd) {
		kic_resample_leave(kic, &irqfd->resample);
		eventfd_ctx_put(irqfd->resample.resamplefd);
	}
out_irqfd:
	kfree(irqfd);
out_ctx:
	eventfd_ctx_put(eventfd);
out_fdput:
	fdput(f);
	return r;
}

static int kic_irqfd_deassign(struct kic *kic, const struct kvm_irqfd *args)
{
	struct kic_irqfd *irqfd;
	struct eventfd_ctx *eventfd;

	lockdep_assert_held(&kic->lock);
	eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(eventfd))
		return PTR_ERR(eventfd);

	xa_lock_irq(&kic->irqfds);
	irqfd = xa_load(&kic->irqfds, (unsigned long)eventfd);
	if (irqfd && irqfd->gsi == args->gsi)
		kic_irqfd_deactivate(irqfd);
	else
		irqfd = NULL;
	xa_unlock_irq(&kic->irqfds);
	eventfd_ctx_put(eventfd);

	/*
	 * Synchronously, and only our own irqfd: when deassign returns the
	 * eventfd no longer reaches the instance, and no other instance's
	 * work was waited for.
	 */
	if (irqfd) {
		trace_kvm_irqchip_irqfd(kic, irqfd->gsi,
					KIC_TRACE_IRQFD_DEASSIGN,
					irqfd->resample.resamplefd);
		kic_irqfd_shutdown(irqfd);
	}
	return 0;
}

/**
 * kic_irqfd() - KVM_IRQFD
 * @kic: the instance, created
 * @args: the request, copied from userspace
 *
 * Return: 0; -EINVAL for unknown flags, an fd or resamplefd that is not an
 * eventfd, or resampling on a GSI without a pin route; -EBADF for a bad fd
 * or resamplefd; -EBUSY when the eventfd is already bound in this
 * instance; -ENOMEM.
 */
int kic_irqfd(struct kic *kic, const struct kvm_irqfd *args)
{
	int r;

	if (args->flags & ~(KVM_IRQFD_FLAG_DEASSIGN | KVM_IRQFD_FLAG_RESAMPLE))
		return -EINVAL;

	mutex_lock(&kic->lock);
	if (args->flags & KVM_IRQFD_FLAG_DEASSIGN)
		r = kic_irqfd_deassign(kic, args);
	else
		r = kic_irqfd_assign(kic, args);
	mutex_unlock(&kic->lock);
	return r;
}

/**
 * kic_irqfd_release_all() - shut down every irqfd of a dying instance
 * @kic: the instance, with no file left
 *
 * Irqfds already taken off the list by EPOLLHUP are shut down by their
 * work item; the caller drains kic->wq afterwards.
 */
void kic_irqfd_release_all(struct kic *kic)
{
	struct kic_irqfd *irqfd, *tmp;
	unsigned long index;
	LIST_HEAD(dead);

	xa_lock_irq(&kic->irqfds);
	xa_for_each(&kic->irqfds, index, irqfd) {
		kic_irqfd_deactivate(irqfd);
		list_add(&irqfd->dead, &dead);
	}
	xa_unlock_irq(&kic->irqfds);

	list_for_each_entry_safe(irqfd, tmp, &dead, dead)
		kic_irqfd_shutdown(irqfd);
	xa_destroy(&kic->irqfds);
}

/**
 * kic_irqfd_show() - one line per bound irqfd, for the debugfs dump
 * @kic: the instance
 * @m: the dump
 */
void kic_irqfd_show(struct kic *kic, struct seq_file *m)
{
	struct kic_irqfd *irqfd;
	unsigned long index;

	xa_lock_irq(&kic->irqfds);
	xa_for_each(&kic->irqfds, index, irqfd)
		seq_printf(m, "irqfd %u resample %d\n", irqfd->gsi,
			   !!irqfd->resample.resamplefd);
	xa_unlock_irq(&kic->irqfds);
}
