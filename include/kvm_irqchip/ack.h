/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm-irqchip: acknowledgments, the guest's EOIs as the VMM sees them:
 * resampling irqfds (KVM_IRQFD_FLAG_RESAMPLE) and EOI eventfds
 * (KVM_IRQCHIP_EOIFD).  See virt/ack.c.
 */
#ifndef _KVM_IRQCHIP_ACK_H
#define _KVM_IRQCHIP_ACK_H

#include <linux/list.h>
#include <linux/types.h>
#include <linux/kvm_irqchip.h>

struct eventfd_ctx;
struct kic;
struct kic_resampler;

/**
 * struct kic_resample_link - a resampling irqfd on its GSI's resampler
 * @resamplefd: signalled when the guest completes the GSI's interrupt;
 *	referenced by the irqfd
 * @resampler: the resampler it is on
 * @node: entry in the resampler's list, RCU
 */
struct kic_resample_link {
	struct eventfd_ctx *resamplefd;
	struct kic_resampler *resampler;
	struct list_head node;
};

int kic_resample_join(struct kic *kic, u32 gsi, struct kic_resample_link *link);
void kic_resample_leave(struct kic *kic, struct kic_resample_link *link);

/*
 * A controller pin (KVM_IRQCHIP_* and pin) or a GSI was acknowledged by the
 * guest.  Any context; never call with a pin controller's lock held.
 */
void kic_pin_acked(struct kic *kic, u32 irqchip, u32 pin);
void kic_gsi_acked(struct kic *kic, u32 gsi);
/*
 * The guest unmasked a level pin that is still asserted: resamplers of the
 * pin lower their level and signal their resamplefds, so the VMM checks
 * the device again instead of a stale level being delivered.  EOI
 * eventfds are not signalled.  Same context rules.
 */
void kic_pin_resample(struct kic *kic, u32 irqchip, u32 pin);

int kic_eoifd(struct kic *kic, const struct kvm_irqchip_eoifd *args);
void kic_eoifd_release_all(struct kic *kic);

#endif /* _KVM_IRQCHIP_ACK_H */
