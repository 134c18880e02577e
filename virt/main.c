// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip: the module and its device, /dev/kvm-irqchip.
 *
 * Each open() of the device creates one instance (struct kic); the file
 * holds one reference to it and drops it on release.  The file's
 * f_op->owner pins the module while any instance or vCPU file is open, so
 * unloading is refused rather than racing with a live instance.
 *
 * LOCKING: none here; see virt/instance.c.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include <kvm_irqchip/kic.h>

static int kic_dev_open(struct inode *inode, struct file *file)
{
	struct kic *kic = kic_instance_alloc();

	if (IS_ERR(kic))
		return PTR_ERR(kic);
	file->private_data = kic;
	return 0;
}

static int kic_dev_release(struct inode *inode, struct file *file)
{
	kic_put(file->private_data);
	return 0;
}

static long kic_dev_ioctl(struct file *file, unsigned int ioctl,
			  unsigned long arg)
{
	return kic_instance_ioctl(file->private_data, ioctl, arg);
}

static const struct file_operations kic_dev_fops = {
	.owner		= THIS_MODULE,
	.open		= kic_dev_open,
	.release	= kic_dev_release,
	.unlocked_ioctl	= kic_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice kic_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= KVM_IRQCHIP_DEVICE_NAME,
	.fops	= &kic_dev_fops,
	.mode	= 0660,
};

static int __init kic_init(void)
{
	int r;

	if (!kic_max_routes || kic_max_routes > KIC_MAX_ROUTES_LIMIT) {
		pr_err("kvm-irqchip: max_routes must be 1..%lu\n",
		       KIC_MAX_ROUTES_LIMIT);
		return -EINVAL;
	}
	kic_debugfs_init();
	r = misc_register(&kic_dev);
	if (r)
		kic_debugfs_exit();
	return r;
}

static void __exit kic_exit(void)
{
	misc_deregister(&kic_dev);
	kic_debugfs_exit();
}

module_init(kic_init);
module_exit(kic_exit);

MODULE_DESCRIPTION("In-kernel interrupt controllers for VMMs, with the KVM irqchip ABI");
MODULE_AUTHOR("The kvm-irqchip developers");
MODULE_LICENSE("GPL");
MODULE_VERSION("1.0");	/* as dkms.conf's PACKAGE_VERSION */
