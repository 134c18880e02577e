// SPDX-License-Identifier: GPL-2.0
/* The x86 model's helpers for the kvm-irqchip selftests; see kic_x86_util.h. */
#include "kic_x86_util.h"

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

long lapic_set_reg(int vfd, unsigned int off, uint32_t v)
{
	struct kvm_lapic_state s;
	long r = lapic_get(vfd, &s);

	if (r)
		return r;
	apic_put(&s, off, v);
	return lapic_set(vfd, &s);
}

long lapic_mask_lvt0(int vfd)
{
	return lapic_set_reg(vfd, APIC_LVT0, 0x10000);
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

int resample_vm_init(struct vm *vm, unsigned int nr_vcpus, uint32_t flags)
{
	struct kvm_irqchip_create c = {
		.model = KVM_IRQCHIP_MODEL_X86, .nr_vcpus = nr_vcpus,
		.flags = flags,
	};

	return vm_init_create(vm, &c);
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

/* KVM_GET_IRQCHIP of chip id, its first len bytes of state copied to st */
static long chip_state_get(int fd, uint32_t id, void *st, size_t len)
{
	struct kvm_irqchip chip;
	long r = irqchip_get(fd, id, &chip);

	if (!r)
		memcpy(st, &chip.chip, len);
	return r;
}

long resample_ioapic_get(int fd, struct kvm_ioapic_state *s)
{
	return chip_state_get(fd, KVM_IRQCHIP_IOAPIC, s, sizeof(*s));
}

long resample_pic_get(int fd, uint32_t chip_id, struct kvm_pic_state *s)
{
	return chip_state_get(fd, chip_id, s, sizeof(*s));
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
	return lapic_set_reg(vfd, APIC_LVT0, DM_EXTINT << 8);
}
