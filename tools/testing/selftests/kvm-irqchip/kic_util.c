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

static int vm_alloc(struct vm *vm, unsigned int nr)
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

int vm_init_kic(struct vm *vm, unsigned int nr_vcpus)
{
	struct kvm_irqchip_create c = {
		.model = KVM_IRQCHIP_MODEL_X86, .nr_vcpus = nr_vcpus,
	};

	return vm_init_create(vm, &c);
}

/* A KVM VM with KVM's whole irqchip, or (split) its LAPICs only. */
static int vm_init_kvm_irqchip(struct vm *vm, unsigned int nr_vcpus, bool split)
{
	long r;

	memset(vm, 0, sizeof(*vm));
	vm->kvm = true;
	vm->fd = -1;
	vm->sys_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->sys_fd < 0)
		return -errno;
	r = xioctl_val(vm->sys_fd, KVM_CREATE_VM, 0);
	if (r < 0)
		return r;
	vm->fd = r;
	/* split: before any vCPU, the IOAPIC's 24 pins reserved for routes */
	r = split ? enable_cap(vm->fd, KVM_CAP_SPLIT_IRQCHIP, KVM_IOAPIC_NUM_PINS, 0) :
		    xioctl_val(vm->fd, KVM_CREATE_IRQCHIP, 0);
	if (r < 0)
		return r;
	if (vm_alloc(vm, nr_vcpus))
		return -ENOMEM;
	for (unsigned int i = 0; i < nr_vcpus; i++) {
		r = xioctl_val(vm->fd, KVM_CREATE_VCPU, i);
		if (r < 0)
			return r;
		vm->vcpu[vm->nr++] = r;
	}
	return 0;
}

int vm_init_kvm(struct vm *vm, unsigned int nr_vcpus)
{
	return vm_init_kvm_irqchip(vm, nr_vcpus, false);
}

int vm_init_kvm_split(struct vm *vm, unsigned int nr_vcpus)
{
	return vm_init_kvm_irqchip(vm, nr_vcpus, true);
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

long lapic_get(int vfd, struct kvm_lapic_state *s)
{
	return xioctl(vfd, KVM_GET_LAPIC, s);
}

long lapic_set(int vfd, const struct kvm_lapic_state *s)
{
	return xioctl(vfd, KVM_SET_LAPIC, s);
}

static void clear_vectors(struct kvm_lapic_state *s)
{
	for (int i = 0; i < 8; i++) {
		apic_put(s, APIC_IRR + i * 0x10, 0);
		apic_put(s, APIC_ISR + i * 0x10, 0);
		apic_put(s, APIC_TMR + i * 0x10, 0);
	}
}

long lapic_config(int vfd, uint32_t id, uint32_t ldr, uint32_t dfr, uint32_t svr,
		  uint32_t tpr)
{
	struct kvm_lapic_state s;
	long r = lapic_get(vfd, &s);

	if (r)
		return r;
	apic_put(&s, APIC_ID, id << 24);
	apic_put(&s, APIC_LDR, ldr << 24);
	apic_put(&s, APIC_DFR, dfr);
	apic_put(&s, APIC_SVR, svr);
	apic_put(&s, APIC_TPR, tpr);
	clear_vectors(&s);
	return lapic_set(vfd, &s);
}

long lapic_clear_vectors(int vfd)
{
	struct kvm_lapic_state s;
	long r = lapic_get(vfd, &s);

	if (r)
		return r;
	clear_vectors(&s);
	return lapic_set(vfd, &s);
}

long lapic_mask_lvt0(int vfd)
{
	struct kvm_lapic_state s;
	long r = lapic_get(vfd, &s);

	if (r)
		return r;
	apic_put(&s, 0x350, 0x10000);
	return lapic_set(vfd, &s);
}

static int vec_has(int vfd, unsigned int base, unsigned int vec)
{
	struct kvm_lapic_state s;
	long r = lapic_get(vfd, &s);

	return r ? (int)r : apic_vec(&s, base, vec);
}

int irr_has(int vfd, unsigned int vec)
{
	return vec_has(vfd, APIC_IRR, vec);
}

int tmr_has(int vfd, unsigned int vec)
{
	return vec_has(vfd, APIC_TMR, vec);
}

int irr_count(int vfd)
{
	struct kvm_lapic_state s;
	long r = lapic_get(vfd, &s);
	int n = 0;

	if (r)
		return r;
	for (int i = 0; i < 8; i++)
		n += __builtin_popcount(apic_get(&s, APIC_IRR + i * 0x10));
	return n;
}

static uint32_t vec_mask(const struct vm *vm, unsigned int base, unsigned int vec)
{
	uint32_t m = 0;

	for (unsigned int i = 0; i < vm->nr && i < 32; i++)
		if (vec_has(vm->vcpu[i], base, vec) == 1)
			m |= 1u << i;
	return m;
}

uint32_t irr_mask(const struct vm *vm, unsigned int vec)
{
	return vec_mask(vm, APIC_IRR, vec);
}

uint32_t tmr_mask(const struct vm *vm, unsigned int vec)
{
	return vec_mask(vm, APIC_TMR, vec);
}

int wait_irr(int vfd, unsigned int vec, int timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;

	do {
		if (irr_has(vfd, vec) == 1)
			return 1;
		sleep_ms(1);
	} while (now_ms() < end);
	return irr_has(vfd, vec) == 1;
}

long vm_xapic_flat(const struct vm *vm)
{
	for (unsigned int i = 0; i < vm->nr; i++) {
		long r = lapic_config(vm->vcpu[i], i & 0xff, i < 8 ? 1u << i : 0,
				      DFR_FLAT, SVR_ON, 0);
		if (r)
			return r;
	}
	return 0;
}

long vm_clear_vectors(const struct vm *vm)
{
	for (unsigned int i = 0; i < vm->nr; i++) {
		long r = lapic_clear_vectors(vm->vcpu[i]);

		if (r)
			return r;
	}
	return 0;
}

long set_apic_base(const struct vm *vm, unsigned int i, uint64_t base)
{
	if (vm->kvm) {
		struct {
			struct kvm_msrs hdr;
			struct kvm_msr_entry e;
		} m = { .hdr.nmsrs = 1, .e.index = MSR_IA32_APICBASE, .e.data = base };
		long r = xioctl(vm->vcpu[i], KVM_SET_MSRS, &m);

		return r == 1 ? 0 : r < 0 ? r : -EINVAL;
	}

	struct kvm_irqchip_x86_vcpu_state st = { .apic_base = base };

	return xioctl(vm->vcpu[i], KVM_IRQCHIP_X86_SET_VCPU_STATE, &st);
}

long get_apic_base(const struct vm *vm, unsigned int i, uint64_t *base)
{
	long r;

	if (vm->kvm) {
		struct {
			struct kvm_msrs hdr;
			struct kvm_msr_entry e;
		} m = { .hdr.nmsrs = 1, .e.index = MSR_IA32_APICBASE };

		r = xioctl(vm->vcpu[i], KVM_GET_MSRS, &m);
		if (r != 1)
			return r < 0 ? r : -EINVAL;
		*base = m.e.data;
		return 0;
	}

	struct kvm_irqchip_x86_vcpu_state st;

	memset(&st, 0, sizeof(st));
	r = xioctl(vm->vcpu[i], KVM_IRQCHIP_X86_GET_VCPU_STATE, &st);
	if (!r)
		*base = st.apic_base;
	return r;
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
	void *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void *readonly_page(void)
{
	void *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

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

int resample_vm_init(struct vm *vm, unsigned int nr_vcpus, uint32_t flags)
{
	struct kvm_irqchip_create c = {
		.model = KVM_IRQCHIP_MODEL_X86, .nr_vcpus = nr_vcpus,
		.flags = flags,
	};

	return vm_init_create(vm, &c);
}

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

void resample_default_routes(struct kvm_irq_routing_entry *e)
{
	unsigned int n = 0;

	for (uint32_t gsi = 0; gsi < 24; gsi++) {
		if (gsi < 16)
			e[n++] = route_pin(gsi, gsi < 8 ? KVM_IRQCHIP_PIC_MASTER :
					   KVM_IRQCHIP_PIC_SLAVE, gsi % 8);
		e[n++] = route_pin(gsi, KVM_IRQCHIP_IOAPIC, gsi);
	}
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

long resample_ioapic_write(int fd, uint32_t reg, uint32_t val)
{
	uint64_t sel = reg, win = val;
	long r = resample_io(fd, RESAMPLE_IOAPIC_BASE, 4, KVM_IRQCHIP_IO_WRITE,
			     &sel);

	return r ? r : resample_io(fd, RESAMPLE_IOAPIC_BASE + 0x10, 4,
				   KVM_IRQCHIP_IO_WRITE, &win);
}

long resample_ioapic_read(int fd, uint32_t reg, uint32_t *val)
{
	uint64_t sel = reg, win = 0;
	long r = resample_io(fd, RESAMPLE_IOAPIC_BASE, 4, KVM_IRQCHIP_IO_WRITE,
			     &sel);

	if (!r)
		r = resample_io(fd, RESAMPLE_IOAPIC_BASE + 0x10, 4, 0, &win);
	if (!r)
		*val = (uint32_t)win;
	return r;
}

long resample_ioapic_route(int fd, unsigned int pin, uint32_t vec,
			   uint32_t dest, bool level, bool masked)
{
	uint32_t lo = (vec & 0xff) | (level ? 1u << 15 : 0) |
		      (masked ? 1u << 16 : 0);
	long r = resample_ioapic_write(fd, 0x11 + 2 * pin, (dest & 0xff) << 24);

	return r ? r : resample_ioapic_write(fd, 0x10 + 2 * pin, lo);
}

long resample_ioapic_get(int fd, struct kvm_ioapic_state *s)
{
	struct kvm_irqchip chip;
	long r;

	memset(&chip, 0, sizeof(chip));
	chip.chip_id = KVM_IRQCHIP_IOAPIC;
	r = xioctl(fd, KVM_GET_IRQCHIP, &chip);
	if (!r)
		memcpy(s, &chip.chip.ioapic, sizeof(*s));
	return r;
}

long resample_pic_get(int fd, uint32_t chip_id, struct kvm_pic_state *s)
{
	struct kvm_irqchip chip;
	long r;

	memset(&chip, 0, sizeof(chip));
	chip.chip_id = chip_id;
	r = xioctl(fd, KVM_GET_IRQCHIP, &chip);
	if (!r)
		memcpy(s, &chip.chip.pic, sizeof(*s));
	return r;
}

static long resample_outb(int fd, uint16_t port, uint8_t val)
{
	uint64_t data = val;

	return resample_io(fd, port, 1, KVM_IRQCHIP_IO_PIO | KVM_IRQCHIP_IO_WRITE,
			   &data);
}

long resample_pic_init(int fd, uint8_t base, bool auto_eoi, uint8_t imr,
		       uint8_t elcr)
{
	const uint8_t seq[][2] = {
		{ 0x20, 0x11 },				/* ICW1: ICW4 follows */
		{ 0x21, base },				/* ICW2: vector base */
		{ 0x21, 0x04 },				/* ICW3: slave on IR2 */
		{ 0x21, auto_eoi ? 0x03 : 0x01 },	/* ICW4: 8086 mode */
		{ 0x21, imr },				/* OCW1 */
	};
	long r;

	for (unsigned int i = 0; i < ARRAY_SIZE(seq); i++) {
		r = resample_outb(fd, seq[i][0], seq[i][1]);
		if (r)
			return r;
	}
	return resample_outb(fd, 0x4d0, elcr);
}

long resample_pic_eoi(int fd)
{
	return resample_outb(fd, 0x20, 0x20);
}

long resample_lvt0_extint(int vfd)
{
	struct kvm_lapic_state s;
	long r = lapic_get(vfd, &s);

	if (r)
		return r;
	apic_put(&s, 0x350, DM_EXTINT << 8);
	return lapic_set(vfd, &s);
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
