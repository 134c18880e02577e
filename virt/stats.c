// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip: binary statistics, KVM_GET_STATS_FD on the instance fd and
 * on a vCPU fd, in KVM's own format (struct kvm_stats_header, then the id
 * string, the descriptors and the data; Documentation/virt/kvm/api.rst
 * "KVM_GET_STATS_FD"), so that tools that read a KVM VM's or vCPU's stats
 * read ours unchanged.
 *
 * The header, id and descriptors are built once when the fd is created;
 * the data block is computed on each read that reaches it (the per-CPU
 * sums of the instance counters, the vCPU's atomics), so one pread() of
 * the data block is one consistent-enough snapshot, as KVM's.
 *
 * LOCKING: none; counters are per-CPU or atomic, read without a lock.
 * LIFETIME: a stats fd holds a reference on its instance (a vCPU's
 * endpoint lives as long as its instance), dropped on release.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <kvm_irqchip/kic.h>
#include <kvm_irqchip/vcpu.h>

/* As KVM's KVM_STATS_NAME_SIZE: names and the id fit in this. */
#define KIC_STATS_NAME_SIZE	48

const char *const kic_stat_names[KIC_STAT_NR] = {
	[KIC_STAT_DELIVERED] = "delivered",
	[KIC_STAT_FAST_PATH] = "fast_path",
	[KIC_STAT_SLOW_PATH] = "slow_path",
	[KIC_STAT_NO_ROUTE] = "no_route",
	[KIC_STAT_NO_TARGET] = "no_target",
	[KIC_STAT_ILLEGAL_VECTOR] = "illegal_vector",
	[KIC_STAT_REJECTED] = "rejected",
	[KIC_STAT_COALESCED] = "coalesced",
	[KIC_STAT_ACKED] = "acked",
};

/*
 * Instance stats: struct kvm_irqchip_counters in order (cumulative), then
 * two gauges (instant): routing entries and GSIs with entries.
 */
#define KIC_VM_NR_COUNTERS	KIC_STAT_NR
#define KIC_VM_NR_STATS		(KIC_VM_NR_COUNTERS + 2)

static const char *kic_vm_stat_name(u32 i)
{
	if (i < KIC_VM_NR_COUNTERS)
		return kic_stat_names[i];
	return i == KIC_VM_NR_COUNTERS ? "routes" : "gsis";
}

static const char *kic_vcpu_stat_name(u32 i)
{
	static const char *const names[] = { "notified", "acks", "eois" };

	return names[i];
}

#define KIC_VCPU_NR_STATS	3

/**
 * struct kic_stats_file - one stats fd
 * @kic: the instance, referenced
 * @vcpu: the vCPU, or NULL for the instance's stats
 * @nr: descriptors
 * @meta: header, id and descriptors, @data_offset bytes
 * @data_offset: where the data block starts (header.data_offset)
 */
struct kic_stats_file {
	struct kic *kic;
	struct kic_vcpu *vcpu;
	u32 nr;
	void *meta;
	u32 data_offset;
};

static void kic_stats_data(struct kic_stats_file *sf, u64 *v)
{
	struct kvm_irqchip_counters c;
	struct kic *kic = sf->kic;

	if (sf->vcpu) {
		v[0] = atomic64_read(&sf->vcpu->stat.notified);
		v[1] = atomic64_read(&sf->vcpu->stat.acks);
		v[2] = atomic64_read(&sf->vcpu->stat.eois);
		return;
	}
	kic_read_counters(kic, &c);
	/* The counters' struct starts with them, in enum kic_stat order. */
	memcpy(v, &c, KIC_VM_NR_COUNTERS * sizeof(u64));
	/* Gauges, read without kic->lock: each is one aligned word. */
	v[KIC_VM_NR_COUNTERS] = READ_ONCE(kic->routing.nr_entries);
	v[KIC_VM_NR_COUNTERS + 1] = READ_ONCE(kic->routing.nr_gsis);
}

static ssize_t kic_stats_read(struct file *file, char __user *buf,
			      size_t size, loff_t *pos)
{
	struct kic_stats_file *sf = file->private_data;
	u64 data[KIC_VM_NR_STATS];
	size_t total = sf->data_offset + sf->nr * sizeof(u64);
	size_t done = 0, n;
	loff_t p = *pos;

	if (p < 0)
		return -EINVAL;
	if (p >= total || !size)
		return 0;
	size = min_t(size_t, size, total - p);
	if (p < sf->data_offset) {
		n = min_t(size_t, size, sf->data_offset - p);
		if (copy_to_user(buf, sf->meta + p, n))
			return -EFAULT;
		done = n;
		p += n;
	}
	if (done < size) {
		kic_stats_data(sf, data);
		n = size - done;
		if (copy_to_user(buf + done,
				 (char *)data + (p - sf->data_offset), n))
			return -EFAULT;
		done += n;
	}
	*pos += done;
	return done;
}

static int kic_stats_release(struct inode *inode, struct file *file)
{
	struct kic_stats_file *sf = file->private_data;

	kic_put(sf->kic);
	kfree(sf->meta);
	kfree(sf);
	return 0;
}

static const struct file_operations kic_stats_fops = {
	.owner		= THIS_MODULE,
	.read		= kic_stats_read,
	.release	= kic_stats_release,
	.llseek		= noop_llseek,
};

/* Header, id and descriptors, as KVM lays them out. */
static int kic_stats_meta(struct kic_stats_file *sf,
			  const char *(*name)(u32 i), u32 nr,
			  u32 nr_cumulative, const char *id)
{
	size_t desc_size = sizeof(struct kvm_stats_desc) + KIC_STATS_NAME_SIZE;
	struct kvm_stats_header *h;
	u32 i;

	sf->nr = nr;
	sf->data_offset = sizeof(*h) + KIC_STATS_NAME_SIZE + nr * desc_size;
	sf->meta = kzalloc(sf->data_offset, GFP_KERNEL_ACCOUNT);
	if (!sf->meta)
		return -ENOMEM;
	h = sf->meta;
	h->name_size = KIC_STATS_NAME_SIZE;
	h->num_desc = nr;
	h->id_offset = sizeof(*h);
	h->desc_offset = h->id_offset + KIC_STATS_NAME_SIZE;
	h->data_offset = sf->data_offset;
	strscpy(sf->meta + h->id_offset, id, KIC_STATS_NAME_SIZE);
	for (i = 0; i < nr; i++) {
		struct kvm_stats_desc *d = sf->meta + h->desc_offset +
					   i * desc_size;

		d->flags = (i < nr_cumulative ? KVM_STATS_TYPE_CUMULATIVE :
						KVM_STATS_TYPE_INSTANT) |
			   KVM_STATS_UNIT_NONE | KVM_STATS_BASE_POW10;
		d->size = 1;
		d->offset = i * sizeof(u64);
		strscpy(d->name, name(i), KIC_STATS_NAME_SIZE);
	}
	return 0;
}

static int kic_stats_open(struct kic *kic, struct kic_vcpu *vcpu)
{
	struct kic_stats_file *sf;
	struct file *file;
	char id[KIC_STATS_NAME_SIZE];
	int fd, r;

	sf = kzalloc(sizeof(*sf), GFP_KERNEL_ACCOUNT);
	if (!sf)
		return -ENOMEM;
	sf->kic = kic;
	sf->vcpu = vcpu;
	if (vcpu) {
		snprintf(id, sizeof(id), "kvm-irqchip-%d-%u/vcpu-%u", kic->pid,
			 kic->id, vcpu->index);
		r = kic_stats_meta(sf, kic_vcpu_stat_name, KIC_VCPU_NR_STATS,
				   KIC_VCPU_NR_STATS, id);
	} else {
		snprintf(id, sizeof(id), "kvm-irqchip-%d-%u", kic->pid,
			 kic->id);
		r = kic_stats_meta(sf, kic_vm_stat_name, KIC_VM_NR_STATS,
				   KIC_VM_NR_COUNTERS, id);
	}
	if (r)
		goto err_sf;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		r = fd;
		goto err_meta;
	}
	file = anon_inode_getfile("kvm-irqchip-stats", &kic_stats_fops, sf,
				  O_RDONLY);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		r = PTR_ERR(file);
		goto err_meta;
	}
	/* Read with pread() at the header's offsets, as KVM's. */
	file->f_mode |= FMODE_PREAD;
	kic_get(kic);
	fd_install(fd, file);
	return fd;

err_meta:
	kfree(sf->meta);
err_sf:
	kfree(sf);
	return r;
}

/**
 * kic_stats_fd() - KVM_GET_STATS_FD on the instance fd
 * @kic: the instance (created or not: an unconfigured one reads zeros)
 *
 * Return: a new read-only fd, or -ENOMEM, -EMFILE.
 */
int kic_stats_fd(struct kic *kic)
{
	return kic_stats_open(kic, NULL);
}

/**
 * kic_vcpu_stats_fd() - KVM_GET_STATS_FD on a vCPU fd
 * @vcpu: the vCPU
 *
 * Return: a new read-only fd, or -ENOMEM, -EMFILE.
 */
int kic_vcpu_stats_fd(struct kic_vcpu *vcpu)
{
	return kic_stats_open(vcpu->kic, vcpu);
}
