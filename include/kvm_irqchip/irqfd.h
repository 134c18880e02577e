/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm-irqchip: irqfd, an eventfd bound to a GSI.
 */
#ifndef _KVM_IRQCHIP_IRQFD_H
#define _KVM_IRQCHIP_IRQFD_H

#include <linux/kvm.h>

struct kic;
struct seq_file;

int kic_irqfd(struct kic *kic, const struct kvm_irqfd *args);
void kic_irqfd_release_all(struct kic *kic);
void kic_irqfd_show(struct kic *kic, struct seq_file *m);

#endif /* _KVM_IRQCHIP_IRQFD_H */
