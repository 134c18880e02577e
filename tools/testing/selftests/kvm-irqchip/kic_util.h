/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the kvm-irqchip selftests.
 *
 * Every helper that wraps an ioctl returns what the user sees: the ioctl's
 * return value, or -errno when it failed.  Tests assert on that directly,
 * e.g. ASSERT_EQ(-EINVAL, kic_set_routing(...)).
 *
 * These are arch-neutral: they build for every architecture and name no
 * model; the x86 model's helpers are in kic_x86_util.h.
 *
 * A "struct vm" is either a kvm-irqchip instance (fd = instance fd) or a
 * real KVM VM with an in-kernel irqchip (fd = VM fd, kvm = true).
 */
#ifndef KIC_UTIL_H
#define KIC_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>
#include <linux/kvm_irqchip.h>

/*
 * The 6.1 kselftest_harness.h has unused parameters inside its TEST()
 * macros, which -Wextra reports at every test; silence just that warning.
 */
#pragma GCC diagnostic ignored "-Wunused-parameter"

#define KIC_DEV		"/dev/" KVM_IRQCHIP_DEVICE_NAME
#define KIC_OBJECTS	"/sys/kernel/debug/kvm-irqchip/objects"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif
#define BIT_ULL(n)	(1ull << (n))

#define MAX_ROUTES	4096

/*
 * KVM_IRQCHIP_CAP_MODELS of the module built for the architecture these
 * tests are built for (Kbuild's kic-models-$(SRCARCH)); the Makefile
 * defines KIC_ARCH_X86 for ARCH=x86.
 */
#define KIC_MODEL_BIT(m)	(1u << KVM_IRQCHIP_MODEL_##m)
#ifdef KIC_ARCH_X86
#define KIC_BUILT_MODELS	(KIC_MODEL_BIT(X86) | KIC_MODEL_BIT(ARM64_GICV3) | \
				 KIC_MODEL_BIT(PPC_XICS))
#else
#define KIC_BUILT_MODELS	(KIC_MODEL_BIT(ARM64_GICV3) | KIC_MODEL_BIT(PPC_XICS))
#endif

struct vm {
	int fd;			/* instance fd or KVM VM fd */
	int sys_fd;		/* /dev/kvm for a KVM VM, else -1 */
	bool kvm;
	unsigned int nr;
	int *vcpu;		/* nr vCPU fds */
};

/* errno-style ioctl: the return value, or -errno */
static inline long xioctl(int fd, unsigned long req, const void *arg)
{
	long r = ioctl(fd, req, arg);

	return r < 0 ? -errno : r;
}

static inline long xioctl_val(int fd, unsigned long req, unsigned long arg)
{
	long r = ioctl(fd, req, arg);

	return r < 0 ? -errno : r;
}

/* Instances and VMs */
int kic_open(void);
long kic_create(int fd, uint32_t model, uint32_t nr_vcpus);
/* An instance as KVM_IRQCHIP_CREATE @c says, and its vCPU fds; or -errno */
int vm_init_create(struct vm *vm, const struct kvm_irqchip_create *c);
/* vm->vcpu for nr fds, none open yet: 0 or -ENOMEM */
int vm_alloc(struct vm *vm, unsigned int nr);
void vm_fini(struct vm *vm);
bool kvm_available(void);
bool kic_module_loaded(void);

long signal_msi(int fd, uint32_t addr_lo, uint32_t addr_hi, uint32_t data);
long signal_msi_flags(int fd, uint32_t addr_lo, uint32_t addr_hi, uint32_t data,
		      uint32_t flags, uint32_t devid);

/* Routing */
struct kvm_irq_routing_entry route_msi(uint32_t gsi, uint32_t addr_lo,
				       uint32_t addr_hi, uint32_t data);
struct kvm_irq_routing_entry route_pin(uint32_t gsi, uint32_t chip, uint32_t pin);
long set_routing(int fd, const struct kvm_irq_routing_entry *e, uint32_t nr);
long set_routing_flags(int fd, const struct kvm_irq_routing_entry *e,
		       uint32_t nr, uint32_t flags);
/* KVM_IRQ_LINE_STATUS: ioctl result; *status gets the status on success */
long irq_line_status(int fd, uint32_t gsi, uint32_t level, int32_t *status);
long irq_line(int fd, uint32_t gsi, uint32_t level);

/* irqfd */
long irqfd(int fd, int efd, uint32_t gsi, uint32_t flags);
int new_eventfd(void);
int efd_signal(int efd);	/* write 1; 0 or -errno */

/* Instance extras */
long get_counters(int fd, struct kvm_irqchip_counters *c);
long check_ext(int fd, long cap);
long enable_cap(int fd, uint32_t cap, uint64_t a0, uint64_t a1);
long vcpu_ack(int vfd, uint32_t *vec, uint32_t *flags);
long vcpu_eoi(int vfd, uint32_t *vec, uint32_t *flags);
long vcpu_events(int vfd, struct kvm_irqchip_vcpu_events *ev);

/* A page that faults on any access, and one that is read-only. */
void *fault_page(void);
void *readonly_page(void);

/*
 * The module's live objects (/sys/kernel/debug/kvm-irqchip/objects):
 * 0, or -errno (-ENOENT when debugfs or the file is absent).
 */
int objects_read(int *instances, int *irqfds);

uint64_t now_ms(void);
void sleep_ms(unsigned int ms);

/* resample and EOI eventfds */

/* KVM_IRQFD with KVM_IRQFD_FLAG_RESAMPLE: efd on gsi, resamplefd rfd */
long resample_irqfd(int fd, int efd, int rfd, uint32_t gsi);
/* KVM_IRQCHIP_EOIFD */
long eoifd_bind(int fd, int efd, uint32_t gsi, uint32_t flags);
/* An eventfd's count, read and cleared: 0 when it is zero, or -errno. */
long resample_efd_read(int efd);
/* Wait up to timeout_ms for the eventfd to become readable, then read it. */
long resample_efd_wait(int efd, int timeout_ms);

/* KVM_IRQCHIP_IO: a read fills *data; a write sends it */
long resample_io(int fd, uint64_t addr, uint32_t len, uint32_t flags,
		 uint64_t *data);
/* poll: 1 when fd is readable within timeout_ms, 0 when not, or -errno */
int resample_wait_readable(int fd, int timeout_ms);

/* Controller registers and state (IOAPIC, PIC) */

/*
 * KVM_IRQCHIP_IO.  flags: KVM_IRQCHIP_IO_PIO for a port, 0 for MMIO; the
 * direction is added here.  A read zero-fills data first and stores the
 * result in *val; a write sends val.
 */
long kic_io_read(int fd, uint64_t addr, uint32_t len, uint32_t flags,
		 uint64_t *val);
long kic_io_write(int fd, uint64_t addr, uint32_t len, uint32_t flags,
		  uint64_t val);
/* KVM_GET_IRQCHIP of chip_id into *chip; KVM_SET_IRQCHIP of *chip */
long irqchip_get(int fd, uint32_t chip_id, struct kvm_irqchip *chip);
long irqchip_set(int fd, const struct kvm_irqchip *chip);
uint64_t now_us(void);

/* Incremental routing, masks, per-GSI state (KVM_IRQCHIP_ROUTE_BATCH...) */

static inline struct kvm_irqchip_route_op
route_op(uint32_t op, uint32_t gsi, uint32_t first, uint32_t nr)
{
	struct kvm_irqchip_route_op o = {
		.op = op, .gsi = gsi, .first = first, .nr = nr,
	};

	return o;
}

/*
 * KVM_IRQCHIP_ROUTE_BATCH: 0 or -errno; *err_index (if not NULL) gets the
 * error_index the kernel wrote (KVM_IRQCHIP_ROUTE_NO_INDEX preset).
 */
long route_batch(int fd, const struct kvm_irqchip_route_op *ops,
		 uint32_t nr_ops, const struct kvm_irq_routing_entry *e,
		 uint32_t nr_entries, uint32_t flags, uint32_t *err_index);
/* One-operation batches */
long route_set1(int fd, const struct kvm_irq_routing_entry *e);
long route_del(int fd, uint32_t gsi);
long gsi_mask(int fd, uint32_t gsi);
long gsi_unmask(int fd, uint32_t gsi);
/* KVM_IRQCHIP_GET_GSI_COUNTERS / KVM_IRQCHIP_GET_PENDING */
long gsi_counters(int fd, uint32_t first, uint32_t nr,
		  struct kvm_irqchip_gsi_counters *out);
long gsi_pending(int fd, uint32_t first, uint32_t nr, uint32_t flags,
		 uint64_t *bitmap);
/* 1 when GSI gsi is pending, 0 when not, or -errno */
int gsi_is_pending(int fd, uint32_t gsi);

#endif
