/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm-irqchip: a vCPU endpoint, the place a model presents interrupts to.
 */
#ifndef _KVM_IRQCHIP_VCPU_H
#define _KVM_IRQCHIP_VCPU_H

#include <linux/atomic.h>
#include <linux/types.h>
#include <linux/wait.h>

struct kic;

/**
 * struct kic_vcpu - one vCPU of an instance
 * @kic: the instance (not a counted reference: the vCPU lives and dies
 *	with it; each vCPU file counts the instance instead)
 * @index: 0 .. kic->nr_vcpus - 1
 * @wq: poll() waiters of the vCPU fds
 * @arch: the model's per-vCPU presentation state
 * @stat: counters for KVM_GET_STATS_FD on the vCPU fd (virt/stats.c)
 * @stat.notified: kic_vcpu_kick() calls: the model presented something
 * @stat.acks: KVM_IRQCHIP_VCPU_ACK calls that succeeded
 * @stat.eois: KVM_IRQCHIP_VCPU_EOI calls that succeeded
 */
struct kic_vcpu {
	struct kic *kic;
	u32 index;
	wait_queue_head_t wq;
	void *arch;
	struct {
		atomic64_t notified;
		atomic64_t acks;
		atomic64_t eois;
	} stat;
};

int kic_vcpus_create(struct kic *kic, u32 nr_vcpus);
void kic_vcpus_destroy(struct kic *kic);
int kic_vcpu_get_fd(struct kic *kic, unsigned long index);
void kic_vcpu_kick(struct kic_vcpu *vcpu);

#endif /* _KVM_IRQCHIP_VCPU_H */
