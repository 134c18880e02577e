// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip: module-wide object counts in debugfs, for leak checks.
 *
 * /sys/kernel/debug/kvm-irqchip/objects lists how many instances and
 * irqfds are alive.  When every fd is closed and the instances' workqueues
 * have drained, both are zero; the stress tests check exactly that.
 *
 * Each instance adds its own directory, <pid>-<id> (virt/inspect.c).
 *
 * LOCKING: the counts are atomics, changed where the objects are allocated
 * and freed.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include <kvm_irqchip/kic.h>

atomic_t kic_nr_instances = ATOMIC_INIT(0);
atomic_t kic_nr_irqfds = ATOMIC_INIT(0);

struct dentry *kic_debugfs_dir;

static int kic_objects_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "instances %d\nirqfds %d\n",
		   atomic_read(&kic_nr_instances), atomic_read(&kic_nr_irqfds));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kic_objects);

void kic_debugfs_init(void)
{
	/* debugfs is optional: failures leave the module working. */
	kic_debugfs_dir = debugfs_create_dir(KVM_IRQCHIP_DEVICE_NAME, NULL);
	debugfs_create_file("objects", 0444, kic_debugfs_dir, NULL,
			    &kic_objects_fops);
}

void kic_debugfs_exit(void)
{
	debugfs_remove_recursive(kic_debugfs_dir);
}
