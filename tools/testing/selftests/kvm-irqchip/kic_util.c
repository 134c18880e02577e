// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the kvm-irqchip selftests; see kic_util.h. */
#include <poll.h>
#include <time.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "kic_util.h"

int kic_open(void)
{
	return open(KIC_DEV, O_RDWR | O_CLOEXEC);
}

long kic_create(int fd, uint32_t model, uint32_t nr_vcpus)
{
	struct kvm_irqchip_create c = { .model = model, .nr_vcpus = nr_vcpus };

	return xioctl(fd, KVM_IRQCHIP_CREATE, &c);
}

int vm_alloc(struct vm *vm, unsigned int nr)
{
	vm->nr = 0;
	vm->vcpu = calloc(nr ? nr : 1, sizeof(int));
	return vm->vcpu ? 0 : -ENOMEM;
}

int vm_init_create(struct vm *vm, const struct kvm_irqchip_create *c)
{
	long r;

	memset(vm, 0, sizeof(*vm));
	vm->sys_fd = -1;
	vm->fd = kic_open();
	if (vm->fd < 0)
		return -errno;
	r = xioctl(vm->fd, KVM_IRQCHIP_CREATE, c);
	if (r)
		return r;
	if (vm_alloc(vm, c->nr_vcpus))
		return -ENOMEM;
	for (unsigned int i = 0; i < c->nr_vcpus; i++) {
		r = xioctl_val(vm->fd, KVM_IRQCHIP_GET_VCPU_FD, i);
		if (r < 0)
			return r;
		vm->vcpu[vm->nr++] = r;
	}
	return 0;
}

void vm_fini(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->nr; i++)
		close(vm->vcpu[i]);
	free(vm->vcpu);
	vm->vcpu = NULL;
	vm->nr = 0;
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->sys_fd >= 0)
		close(vm->sys_fd);
	vm->fd = -1;
	vm->sys_fd = -1;
}

bool kvm_available(void)
{
	return access("/dev/kvm", R_OK | W_OK) == 0;
}

bool kic_module_loaded(void)
{
	struct stat st;

	return stat("/sys/module/kvm_irqchip", &st) == 0;
}

long signal_msi_flags(int fd, uint32_t addr_lo, uint32_t addr_hi, uint32_t data,
		      uint32_t flags, uint32_t devid)
{
	struct kvm_msi m = {
		.address_lo = addr_lo, .address_hi = addr_hi, .data = data,
		.flags = flags, .devid = devid,
	};

	return xioctl(fd, KVM_SIGNAL_MSI, &m);
}

long signal_msi(int fd, uint32_t addr_lo, uint32_t addr_hi, uint32_t data)
{
	return signal_msi_flags(fd, addr_lo, addr_hi, data, 0, 0);
}

struct kvm_irq_routing_entry route_msi(uint32_t gsi, uint32_t addr_lo,
				       uint32_t addr_hi, uint32_t data)
{
	struct kvm_irq_routing_entry e;

	memset(&e, 0, sizeof(e));
	e.gsi = gsi;
	e.type = KVM_IRQ_ROUTING_MSI;
	e.u.msi.address_lo = addr_lo;
	e.u.msi.address_hi = addr_hi;
	e.u.msi.data = data;
	return e;
}

struct kvm_irq_routing_entry route_pin(uint32_t gsi, uint32_t chip, uint32_t pin)
{
	struct kvm_irq_routing_entry e;

	memset(&e, 0, sizeof(e));
	e.gsi = gsi;
	e.type = KVM_IRQ_ROUTING_IRQCHIP;
	e.u.irqchip.irqchip = chip;
	e.u.irqchip.pin = pin;
	return e;
}

long set_routing_flags(int fd, const struct kvm_irq_routing_entry *e,
		       uint32_t nr, uint32_t flags)
{
	size_t sz = sizeof(struct kvm_irq_routing) + nr * sizeof(*e);
	struct kvm_irq_routing *r = calloc(1, sz);
	long ret;

	if (!r)
		return -ENOMEM;
	r->nr = nr;
	r->flags = flags;
	if (nr)
		memcpy(r->entries, e, nr * sizeof(*e));
	ret = xioctl(fd, KVM_SET_GSI_ROUTING, r);
	free(r);
	return ret;
}

long set_routing(int fd, const struct kvm_irq_routing_entry *e, uint32_t nr)
{
	return set_routing_flags(fd, e, nr, 0);
}

long irq_line_status(int fd, uint32_t gsi, uint32_t level, int32_t *status)
{
	struct kvm_irq_level l = { .irq = gsi, .level = level };
	long r = xioctl(fd, KVM_IRQ_LINE_STATUS, &l);

	if (!r && status)
		*status = l.status;
	return r;
}

long irq_line(int fd, uint32_t gsi, uint32_t level)
{
	struct kvm_irq_level l = { .irq = gsi, .level = level };

	return xioctl(fd, KVM_IRQ_LINE, &l);
}

long irqfd(int fd, int efd, uint32_t gsi, uint32_t flags)
{
	struct kvm_irqfd a = { .fd = (uint32_t)efd, .gsi = gsi, .flags = flags };

	return xioctl(fd, KVM_IRQFD, &a);
}

int new_eventfd(void)
{
	return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

int efd_signal(int efd)
{
	uint64_t one = 1;

	return write(efd, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}

long get_counters(int fd, struct kvm_irqchip_counters *c)
{
	memset(c, 0, sizeof(*c));
	return xioctl(fd, KVM_IRQCHIP_GET_COUNTERS, c);
}

long check_ext(int fd, long cap)
{
	return xioctl_val(fd, KVM_CHECK_EXTENSION, cap);
}

long enable_cap(int fd, uint32_t cap, uint64_t a0, uint64_t a1)
{
	struct kvm_enable_cap c = { .cap = cap, .args = { a0, a1 } };

	return xioctl(fd, KVM_ENABLE_CAP, &c);
}

long vcpu_ack(int vfd, uint32_t *vec, uint32_t *flags)
{
	struct kvm_irqchip_vcpu_ack a;
	long r;

	memset(&a, 0, sizeof(a));
	r = xioctl(vfd, KVM_IRQCHIP_VCPU_ACK, &a);
	if (!r) {
		if (vec)
			*vec = a.vector;
		if (flags)
			*flags = a.flags;
	}
	return r;
}

long vcpu_eoi(int vfd, uint32_t *vec, uint32_t *flags)
{
	struct kvm_irqchip_vcpu_eoi e;
	long r;

	memset(&e, 0, sizeof(e));
	r = xioctl(vfd, KVM_IRQCHIP_VCPU_EOI, &e);
	if (!r) {
		if (vec)
			*vec = e.vector;
		if (flags)
			*flags = e.flags;
	}
	return r;
}

long vcpu_events(int vfd, struct kvm_irqchip_vcpu_events *ev)
{
	memset(ev, 0, sizeof(*ev));
	return xioctl(vfd, KVM_IRQCHIP_VCPU_GET_EVENTS, ev);
}

void *fault_page(void)
{
	void *p = mmap(NULL, getpagesize(), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void *readonly_page(void)
{
	void *p = mmap(NULL, getpagesize(), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int objects_read(int *instances, int *irqfds)
{
	FILE *f = fopen(KIC_OBJECTS, "re");
	int n;

	if (!f)
		return -errno;
	n = fscanf(f, "instances %d irqfds %d", instances, irqfds);
	fclose(f);
	return n == 2 ? 0 : -EIO;
}

/* resample and EOI eventfds */

long resample_irqfd(int fd, int efd, int rfd, uint32_t gsi)
{
	struct kvm_irqfd a = {
		.fd = (uint32_t)efd, .gsi = gsi, .flags = KVM_IRQFD_FLAG_RESAMPLE,
		.resamplefd = (uint32_t)rfd,
	};

	return xioctl(fd, KVM_IRQFD, &a);
}

long eoifd_bind(int fd, int efd, uint32_t gsi, uint32_t flags)
{
	struct kvm_irqchip_eoifd a = {
		.fd = (uint32_t)efd, .gsi = gsi, .flags = flags,
	};

	return xioctl(fd, KVM_IRQCHIP_EOIFD, &a);
}

long resample_efd_read(int efd)
{
	uint64_t count = 0;
	ssize_t n = read(efd, &count, sizeof(count));

	if (n == sizeof(count))
		return (long)count;
	if (n < 0 && errno == EAGAIN)
		return 0;
	return n < 0 ? -errno : -EIO;
}

int resample_wait_readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r = poll(&p, 1, timeout_ms);

	if (r < 0)
		return -errno;
	return r == 1 && (p.revents & POLLIN);
}

long resample_efd_wait(int efd, int timeout_ms)
{
	int r = resample_wait_readable(efd, timeout_ms);

	return r < 0 ? r : resample_efd_read(efd);
}

long resample_io(int fd, uint64_t addr, uint32_t len, uint32_t flags,
		 uint64_t *data)
{
	struct kvm_irqchip_io io = {
		.addr = addr, .len = len, .flags = flags,
		.data = (flags & KVM_IRQCHIP_IO_WRITE) ? *data : 0,
	};
	long r = xioctl(fd, KVM_IRQCHIP_IO, &io);

	if (!r && !(flags & KVM_IRQCHIP_IO_WRITE))
		*data = io.data;
	return r;
}

/* Controller registers and state */

static long kic_io(int fd, uint64_t addr, uint32_t len, uint32_t flags,
		   uint64_t *data)
{
	struct kvm_irqchip_io io = {
		.addr = addr, .data = *data, .len = len, .flags = flags,
	};
	long r = xioctl(fd, KVM_IRQCHIP_IO, &io);

	if (!r)
		*data = io.data;
	return r;
}

long kic_io_read(int fd, uint64_t addr, uint32_t len, uint32_t flags,
		 uint64_t *val)
{
	*val = 0;
	return kic_io(fd, addr, len, flags & ~KVM_IRQCHIP_IO_WRITE, val);
}

long kic_io_write(int fd, uint64_t addr, uint32_t len, uint32_t flags,
		  uint64_t val)
{
	return kic_io(fd, addr, len, flags | KVM_IRQCHIP_IO_WRITE, &val);
}

long irqchip_get(int fd, uint32_t chip_id, struct kvm_irqchip *chip)
{
	memset(chip, 0, sizeof(*chip));
	chip->chip_id = chip_id;
	return xioctl(fd, KVM_GET_IRQCHIP, chip);
}

long irqchip_set(int fd, const struct kvm_irqchip *chip)
{
	return xioctl(fd, KVM_SET_IRQCHIP, chip);
}

uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

long route_batch(int fd, const struct kvm_irqchip_route_op *ops,
		 uint32_t nr_ops, const struct kvm_irq_routing_entry *e,
		 uint32_t nr_entries, uint32_t flags, uint32_t *err_index)
{
	struct kvm_irqchip_route_batch b = {
		.nr_ops = nr_ops, .nr_entries = nr_entries, .flags = flags,
		.error_index = KVM_IRQCHIP_ROUTE_NO_INDEX,
		.ops = (uintptr_t)ops, .entries = (uintptr_t)e,
	};
	long r = xioctl(fd, KVM_IRQCHIP_ROUTE_BATCH, &b);

	if (err_index)
		*err_index = b.error_index;
	return r;
}

long route_set1(int fd, const struct kvm_irq_routing_entry *e)
{
	struct kvm_irqchip_route_op op =
		route_op(KVM_IRQCHIP_ROUTE_OP_SET, e->gsi, 0, 1);

	return route_batch(fd, &op, 1, e, 1, 0, NULL);
}

static long route_op1(int fd, uint32_t code, uint32_t gsi)
{
	struct kvm_irqchip_route_op op = route_op(code, gsi, 0, 0);

	return route_batch(fd, &op, 1, NULL, 0, 0, NULL);
}

long route_del(int fd, uint32_t gsi)
{
	return route_op1(fd, KVM_IRQCHIP_ROUTE_OP_DELETE, gsi);
}

long gsi_mask(int fd, uint32_t gsi)
{
	return route_op1(fd, KVM_IRQCHIP_ROUTE_OP_MASK, gsi);
}

long gsi_unmask(int fd, uint32_t gsi)
{
	return route_op1(fd, KVM_IRQCHIP_ROUTE_OP_UNMASK, gsi);
}

long gsi_counters(int fd, uint32_t first, uint32_t nr,
		  struct kvm_irqchip_gsi_counters *out)
{
	struct kvm_irqchip_gsi_range r = {
		.first = first, .nr = nr, .addr = (uintptr_t)out,
	};

	return xioctl(fd, KVM_IRQCHIP_GET_GSI_COUNTERS, &r);
}

long gsi_pending(int fd, uint32_t first, uint32_t nr, uint32_t flags,
		 uint64_t *bitmap)
{
	struct kvm_irqchip_gsi_range r = {
		.first = first, .nr = nr, .flags = flags,
		.addr = (uintptr_t)bitmap,
	};

	return xioctl(fd, KVM_IRQCHIP_GET_PENDING, &r);
}

int gsi_is_pending(int fd, uint32_t gsi)
{
	uint64_t map = 0;
	long r = gsi_pending(fd, gsi, 1, 0, &map);

	return r ? (int)r : (int)(map & 1);
}
