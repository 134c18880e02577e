// SPDX-License-Identifier: GPL-2.0
/*
 * The IOAPIC as a guest and a VMM see it: its registers through
 * KVM_IRQCHIP_IO (IOREGSEL and IOWIN at the base address), its state
 * through KVM_GET/SET_IRQCHIP, its pins driven by KVM_IRQ_LINE_STATUS and
 * irqfds, and its interrupts taken and completed by a vCPU
 * (KVM_IRQCHIP_VCPU_ACK/EOI).  The expected values are those of KVM 6.1's
 * arch/x86/kvm/ioapic.c.
 *
 * GSI n is routed to IOAPIC pin n alone, so every status is the IOAPIC's.
 * A pin's line is the OR of its sources: an irqfd pulse does not lower a
 * level the VMM holds with KVM_IRQ_LINE (KVM shares one source ID there).
 */
#include <poll.h>

#include "kic_x86_util.h"
#include "kselftest_harness.h"

#define IOAPIC_BASE	0xfec00000ull
#define IOREGSEL	0x00
#define IOWIN		0x10

/* indirect registers */
#define REG_ID		0x00
#define REG_VER		0x01
#define REG_ARB		0x02
#define REG_LO(pin)	(0x10 + 2 * (pin))
#define REG_HI(pin)	(0x11 + 2 * (pin))

#define NR_PINS		24
/* highest redirection entry 23 in bits 23:16, version 0x11 */
#define VER_VALUE	0x00170011u

#ifndef BIT
#define BIT(n)		(1u << (n))
#endif

/* redirection entry, low word */
#define RTE_DM_LOWEST	BIT(8)
#define RTE_LOGICAL	BIT(11)
#define RTE_DELIVS	BIT(12)
#define RTE_POLARITY	BIT(13)
#define RTE_RIRR	BIT(14)
#define RTE_LEVEL	BIT(15)
#define RTE_MASKED	BIT(16)

/* KVM's IOAPIC_SUCCESSIVE_IRQ_MAX_COUNT: the EOI that is delayed */
#define STORM_EOIS	10000
/* the delay is ~10 ms (HZ / 100); anything shorter than this is none */
#define STORM_MIN_US	3000ull
#define STORM_TRIES	3

#define WAIT_MS		2000
#define SETTLE_MS	100

/* what a failed register access reads as: IO_ERR | -errno */
#define IO_ERR		0xbad0000000000000ull
#define ACK_EAGAIN	((uint32_t)-EAGAIN)

/* 2 enabled xAPIC vCPUs (IDs 0 and 1, flat LDRs 1 and 2), GSI n -> pin n */
FIXTURE(ioapic) {
	struct vm vm;
	int v0, v1;
};

FIXTURE_SETUP(ioapic)
{
	struct kvm_irq_routing_entry e[NR_PINS];

	ASSERT_EQ(0, vm_init_kic(&self->vm, 2));
	self->v0 = self->vm.vcpu[0];
	self->v1 = self->vm.vcpu[1];
	ASSERT_EQ(0, vm_xapic_flat(&self->vm));
	for (uint32_t pin = 0; pin < NR_PINS; pin++)
		e[pin] = route_pin(pin, KVM_IRQCHIP_IOAPIC, pin);
	ASSERT_EQ(0, set_routing(self->vm.fd, e, NR_PINS));
}

FIXTURE_TEARDOWN(ioapic)
{
	vm_fini(&self->vm);
}

static uint64_t mmio_rd(const struct vm *vm, uint64_t off, uint32_t len)
{
	uint64_t v;
	long r = kic_io_read(vm->fd, IOAPIC_BASE + off, len, 0, &v);

	return r ? IO_ERR | (uint32_t)-r : v;
}

static long mmio_wr(const struct vm *vm, uint64_t off, uint32_t len, uint64_t val)
{
	return kic_io_write(vm->fd, IOAPIC_BASE + off, len, 0, val);
}

/* An indirect register, selected and accessed with 32-bit accesses. */
static uint64_t reg_rd(const struct vm *vm, uint32_t reg)
{
	long r = mmio_wr(vm, IOREGSEL, 4, reg);

	return r ? IO_ERR | (uint32_t)-r : mmio_rd(vm, IOWIN, 4);
}

static long reg_wr(const struct vm *vm, uint32_t reg, uint32_t val)
{
	long r = mmio_wr(vm, IOREGSEL, 4, reg);

	return r ? r : mmio_wr(vm, IOWIN, 4, val);
}

/* The low word of a fixed-delivery redirection entry. */
static uint32_t rte(uint32_t vec, bool level, bool logical, bool masked)
{
	return (vec & 0xff) | (level ? RTE_LEVEL : 0) |
	       (logical ? RTE_LOGICAL : 0) | (masked ? RTE_MASKED : 0);
}

/* Program a pin as a guest does: destination first, then the low word. */
static long rte_set(const struct vm *vm, unsigned int pin, uint32_t lo,
		    uint32_t dest)
{
	long r = reg_wr(vm, REG_HI(pin), dest << 24);

	return r ? r : reg_wr(vm, REG_LO(pin), lo);
}

static long ioapic_get(const struct vm *vm, struct kvm_ioapic_state *s)
{
	struct kvm_irqchip c;
	long r = irqchip_get(vm->fd, KVM_IRQCHIP_IOAPIC, &c);

	if (!r)
		*s = c.chip.ioapic;
	return r;
}

static long ioapic_put(const struct vm *vm, const struct kvm_ioapic_state *s)
{
	struct kvm_irqchip c;

	memset(&c, 0, sizeof(c));
	c.chip_id = KVM_IRQCHIP_IOAPIC;
	c.chip.ioapic = *s;
	return irqchip_set(vm->fd, &c);
}

/* remote IRR of a pin from KVM_GET_IRQCHIP: 1 or 0, -1 on error */
static int rirr(const struct vm *vm, unsigned int pin)
{
	struct kvm_ioapic_state s;

	if (ioapic_get(vm, &s))
		return -1;
	return s.redirtbl[pin].fields.remote_irr;
}

/* KVM_IRQ_LINE_STATUS: the status, or -1000 - errno when the ioctl failed */
static int line(const struct vm *vm, uint32_t gsi, uint32_t level)
{
	int32_t status = 0;
	long r = irq_line_status(vm->fd, gsi, level, &status);

	return r ? (int)r - 1000 : status;
}

/* the vector taken or retired, or (uint32_t)-errno */
static uint32_t ack(int vfd, uint32_t *flags)
{
	uint32_t vec = 0, f = 0;
	long r = vcpu_ack(vfd, &vec, &f);

	if (flags)
		*flags = f;
	return r ? (uint32_t)r : vec;
}

static uint32_t eoi(int vfd, uint32_t *flags)
{
	uint32_t vec = 0, f = 0;
	long r = vcpu_eoi(vfd, &vec, &f);

	if (flags)
		*flags = f;
	return r ? (uint32_t)r : vec;
}

/* poll(): 1 when the vCPU fd is readable within timeout_ms, else 0 */
static int readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r = poll(&p, 1, timeout_ms);

	return r < 0 ? -errno : r == 1 && (p.revents & POLLIN);
}

static uint64_t delivered(const struct vm *vm)
{
	struct kvm_irqchip_counters c;

	return get_counters(vm->fd, &c) ? ~0ull : c.delivered;
}

/* Put vec in ISR (and TMR when level) of a vCPU, as a restored LAPIC. */
static long lapic_in_service(int vfd, uint32_t vec, bool level)
{
	struct kvm_lapic_state s;
	long r = lapic_get(vfd, &s);

	if (r)
		return r;
	apic_vec_set(&s, APIC_IRR, vec, false);
	apic_vec_set(&s, APIC_ISR, vec, true);
	apic_vec_set(&s, APIC_TMR, vec, level);
	return lapic_set(vfd, &s);
}

/* registers and state */

TEST_F(ioapic, reset_state_masks_every_pin)
{
	struct kvm_ioapic_state s;

	ASSERT_EQ(0, ioapic_get(&self->vm, &s));
	EXPECT_EQ(IOAPIC_BASE, s.base_address);
	EXPECT_EQ(0u, s.ioregsel);
	EXPECT_EQ(0u, s.id);
	EXPECT_EQ(0u, s.irr);
	EXPECT_EQ(0ull, mmio_rd(&self->vm, IOREGSEL, 4));
	for (unsigned int pin = 0; pin < NR_PINS; pin++) {
		EXPECT_EQ((uint64_t)RTE_MASKED, s.redirtbl[pin].bits) TH_LOG("pin %u", pin);
		EXPECT_EQ(RTE_MASKED, reg_rd(&self->vm, REG_LO(pin))) TH_LOG("pin %u", pin);
		EXPECT_EQ(0ull, reg_rd(&self->vm, REG_HI(pin))) TH_LOG("pin %u", pin);
	}
}

TEST_F(ioapic, ioregsel_reads_back_its_low_8_bits)
{
	struct kvm_ioapic_state s;

	ASSERT_EQ(0, mmio_wr(&self->vm, IOREGSEL, 4, 0x17));
	EXPECT_EQ(0x17ull, mmio_rd(&self->vm, IOREGSEL, 4));
	ASSERT_EQ(0, mmio_wr(&self->vm, IOREGSEL, 4, 0xabcd1234));
	EXPECT_EQ(0x34ull, mmio_rd(&self->vm, IOREGSEL, 4));
	ASSERT_EQ(0, ioapic_get(&self->vm, &s));
	EXPECT_EQ(0x34u, s.ioregsel);
}

TEST_F(ioapic, version_register_reads_0x170011_and_ignores_writes)
{
	EXPECT_EQ(VER_VALUE, reg_rd(&self->vm, REG_VER));
	ASSERT_EQ(0, reg_wr(&self->vm, REG_VER, 0));
	EXPECT_EQ(VER_VALUE, reg_rd(&self->vm, REG_VER));
	ASSERT_EQ(0, reg_wr(&self->vm, REG_VER, 0xffffffff));
	EXPECT_EQ(VER_VALUE, reg_rd(&self->vm, REG_VER));
}

TEST_F(ioapic, id_register_keeps_bits_27_to_24)
{
	struct kvm_ioapic_state s;

	EXPECT_EQ(0ull, reg_rd(&self->vm, REG_ID));
	ASSERT_EQ(0, reg_wr(&self->vm, REG_ID, 0xffffffff));
	EXPECT_EQ(0x0f000000ull, reg_rd(&self->vm, REG_ID));
	ASSERT_EQ(0, ioapic_get(&self->vm, &s));
	EXPECT_EQ(0xfu, s.id);
	ASSERT_EQ(0, reg_wr(&self->vm, REG_ID, 0x35000000));
	EXPECT_EQ(0x05000000ull, reg_rd(&self->vm, REG_ID));
	ASSERT_EQ(0, ioapic_get(&self->vm, &s));
	EXPECT_EQ(5u, s.id);
}

TEST_F(ioapic, arbitration_register_mirrors_id_and_ignores_writes)
{
	EXPECT_EQ(0ull, reg_rd(&self->vm, REG_ARB));
	ASSERT_EQ(0, reg_wr(&self->vm, REG_ID, 0x0a000000));
	EXPECT_EQ(0x0a000000ull, reg_rd(&self->vm, REG_ARB));
	ASSERT_EQ(0, reg_wr(&self->vm, REG_ARB, 0x03000000));
	EXPECT_EQ(0x0a000000ull, reg_rd(&self->vm, REG_ARB));
	EXPECT_EQ(0x0a000000ull, reg_rd(&self->vm, REG_ID));
}

TEST_F(ioapic, redirection_entry_write_reads_back)
{
	const uint32_t lo = 0xa7 | RTE_DM_LOWEST | RTE_LOGICAL | RTE_POLARITY |
			    RTE_MASKED;
	struct kvm_ioapic_state s;

	ASSERT_EQ(0, reg_wr(&self->vm, REG_HI(7), 0xa5000000));
	ASSERT_EQ(0, reg_wr(&self->vm, REG_LO(7), lo));
	EXPECT_EQ(lo, reg_rd(&self->vm, REG_LO(7)));
	EXPECT_EQ(0xa5000000ull, reg_rd(&self->vm, REG_HI(7)));
	ASSERT_EQ(0, ioapic_get(&self->vm, &s));
	EXPECT_EQ(0xa5000000ull << 32 | lo, s.redirtbl[7].bits);
	for (unsigned int pin = 0; pin < NR_PINS; pin++) {
		if (pin == 7)
			continue;
		EXPECT_EQ((uint64_t)RTE_MASKED, s.redirtbl[pin].bits) TH_LOG("pin %u", pin);
	}
}

TEST_F(ioapic, redirection_entry_keeps_all_but_read_only_bits)
{
	/* KVM stores the reserved bits too; only remote IRR and delivery status resist */
	ASSERT_EQ(0, reg_wr(&self->vm, REG_HI(3), 0xffffffff));
	ASSERT_EQ(0, reg_wr(&self->vm, REG_LO(3), 0xffffffff));
	EXPECT_EQ(0xffffffffu & ~(RTE_DELIVS | RTE_RIRR), reg_rd(&self->vm, REG_LO(3)));
	EXPECT_EQ(0xffffffffull, reg_rd(&self->vm, REG_HI(3)));
}

TEST_F(ioapic, delivery_status_is_read_only)
{
	const uint32_t lo = rte(0x44, false, false, true);
	struct kvm_ioapic_state s;

	ASSERT_EQ(0, reg_wr(&self->vm, REG_LO(4), lo | RTE_DELIVS));
	EXPECT_EQ(lo, reg_rd(&self->vm, REG_LO(4)));
	/* one restored set survives the guest's writes */
	ASSERT_EQ(0, ioapic_get(&self->vm, &s));
	s.redirtbl[4].fields.delivery_status = 1;
	ASSERT_EQ(0, ioapic_put(&self->vm, &s));
	ASSERT_EQ(0, reg_wr(&self->vm, REG_LO(4), rte(0x45, false, false, true)));
	EXPECT_EQ(rte(0x45, false, false, true) | RTE_DELIVS, reg_rd(&self->vm, REG_LO(4)));
}

TEST_F(ioapic, remote_irr_is_read_only)
{
	const uint32_t lo = rte(0x50, true, false, false);

	ASSERT_EQ(0, rte_set(&self->vm, 9, lo, 0));
	ASSERT_EQ(1, line(&self->vm, 9, 1));
	EXPECT_EQ(lo | RTE_RIRR, reg_rd(&self->vm, REG_LO(9)));
	/* the guest rewrites the entry without the bit: it stays */
	ASSERT_EQ(0, reg_wr(&self->vm, REG_LO(9), lo));
	EXPECT_EQ(lo | RTE_RIRR, reg_rd(&self->vm, REG_LO(9)));
	/* nor does writing it set it on an idle pin */
	ASSERT_EQ(0, rte_set(&self->vm, 10, rte(0x51, true, false, true) | RTE_RIRR, 0));
	EXPECT_EQ(rte(0x51, true, false, true), reg_rd(&self->vm, REG_LO(10)));
}

TEST_F(ioapic, switching_pin_to_edge_clears_remote_irr)
{
	ASSERT_EQ(0, rte_set(&self->vm, 9, rte(0x50, true, false, false), 0));
	ASSERT_EQ(1, line(&self->vm, 9, 1));
	ASSERT_EQ(1, rirr(&self->vm, 9));
	/* what Linux does on IOAPICs without an EOI register */
	ASSERT_EQ(0, reg_wr(&self->vm, REG_LO(9), rte(0x50, false, false, false)));
	EXPECT_EQ(rte(0x50, false, false, false), reg_rd(&self->vm, REG_LO(9)));
	EXPECT_EQ(0, rirr(&self->vm, 9));
}

TEST_F(ioapic, out_of_range_index_reads_ones_and_ignores_writes)
{
	static const uint32_t sel[] = { 0x03, 0x0f, 0x40, 0x41, 0x7f, 0xfe, 0xff };
	struct kvm_ioapic_state before, after;

	ASSERT_EQ(0, ioapic_get(&self->vm, &before));
	for (unsigned int i = 0; i < ARRAY_SIZE(sel); i++) {
		EXPECT_EQ(0xffffffffull, reg_rd(&self->vm, sel[i])) TH_LOG("reg %#x", sel[i]);
		ASSERT_EQ(0, reg_wr(&self->vm, sel[i], 0));
	}
	ASSERT_EQ(0, ioapic_get(&self->vm, &after));
	EXPECT_EQ(0xffu, after.ioregsel);
	after.ioregsel = before.ioregsel;
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)));
}

TEST_F(ioapic, window_8_byte_access_is_32_bits_wide)
{
	ASSERT_EQ(0, mmio_wr(&self->vm, IOREGSEL, 4, REG_VER));
	EXPECT_EQ((uint64_t)VER_VALUE, mmio_rd(&self->vm, IOWIN, 8));
	/* a write uses the low 32 bits, a read is zero-extended */
	ASSERT_EQ(0, mmio_wr(&self->vm, IOREGSEL, 8, 0xffffffff00000000ull | REG_LO(3)));
	EXPECT_EQ((uint64_t)REG_LO(3), mmio_rd(&self->vm, IOREGSEL, 8));
	ASSERT_EQ(0, mmio_wr(&self->vm, IOWIN, 8, 0x1234567800000041ull));
	EXPECT_EQ(0x41ull, mmio_rd(&self->vm, IOWIN, 8));
	EXPECT_EQ(0ull, reg_rd(&self->vm, REG_HI(3)));
}

TEST_F(ioapic, window_narrow_access_is_zero_extended)
{
	ASSERT_EQ(0, mmio_wr(&self->vm, IOREGSEL, 1, REG_VER));
	EXPECT_EQ(0x11ull, mmio_rd(&self->vm, IOWIN, 1));
	EXPECT_EQ(0x11ull, mmio_rd(&self->vm, IOWIN, 2));
	EXPECT_EQ((uint64_t)REG_VER, mmio_rd(&self->vm, IOREGSEL, 1));
	/* a 1-byte write replaces the whole register with that byte */
	ASSERT_EQ(0, mmio_wr(&self->vm, IOREGSEL, 1, REG_LO(4)));
	ASSERT_EQ(0, mmio_wr(&self->vm, IOWIN, 1, 0x1ff42));
	EXPECT_EQ(0x42ull, reg_rd(&self->vm, REG_LO(4)));
	ASSERT_EQ(0, mmio_wr(&self->vm, IOREGSEL, 1, REG_LO(5)));
	ASSERT_EQ(0, mmio_wr(&self->vm, IOWIN, 2, 0x18134));
	EXPECT_EQ(0x8134ull, reg_rd(&self->vm, REG_LO(5)));
}

TEST_F(ioapic, unassigned_offsets_read_zero_and_ignore_writes)
{
	static const uint32_t off[] = { 0x04, 0x08, 0x0c, 0x14, 0x20, 0x40, 0x80, 0xf0, 0xfc };
	struct kvm_ioapic_state before, after;

	ASSERT_EQ(0, mmio_wr(&self->vm, IOREGSEL, 4, REG_VER));
	ASSERT_EQ(0, ioapic_get(&self->vm, &before));
	for (unsigned int i = 0; i < ARRAY_SIZE(off); i++) {
		EXPECT_EQ(0ull, mmio_rd(&self->vm, off[i], 4)) TH_LOG("offset %#x", off[i]);
		ASSERT_EQ(0, mmio_wr(&self->vm, off[i], 4, 0xffffffff));
	}
	ASSERT_EQ(0, ioapic_get(&self->vm, &after));
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)));
	EXPECT_EQ(VER_VALUE, mmio_rd(&self->vm, IOWIN, 4));
}

TEST_F(ioapic, io_outside_ioapic_window_is_enxio)
{
	static const uint64_t addr[] = {
		IOAPIC_BASE + 0x100, IOAPIC_BASE - 4, IOAPIC_BASE + 0x1000, 0,
	};
	uint64_t v;

	for (unsigned int i = 0; i < ARRAY_SIZE(addr); i++) {
		EXPECT_EQ(-ENXIO, kic_io_read(self->vm.fd, addr[i], 4, 0, &v))
			TH_LOG("addr %#llx", (unsigned long long)addr[i]);
		EXPECT_EQ(-ENXIO, kic_io_write(self->vm.fd, addr[i], 4, 0, 0))
			TH_LOG("addr %#llx", (unsigned long long)addr[i]);
	}
}

TEST_F(ioapic, mmio_straddling_the_window_end_is_enxio)
{
	uint64_t v;

	/* as KVM's MMIO bus: an access must lie wholly inside the 256 bytes */
	EXPECT_EQ(-ENXIO, kic_io_read(self->vm.fd, IOAPIC_BASE + 0xfc, 8, 0, &v));
	EXPECT_EQ(-ENXIO, kic_io_write(self->vm.fd, IOAPIC_BASE + 0xfe, 4, 0, 0));
	EXPECT_EQ(-ENXIO, kic_io_read(self->vm.fd, IOAPIC_BASE - 2, 4, 0, &v));
	ASSERT_EQ(0, kic_io_read(self->vm.fd, IOAPIC_BASE + 0xf8, 8, 0, &v));
	EXPECT_EQ(0ull, v);
}

TEST_F(ioapic, io_bad_length_is_einval)
{
	static const uint32_t mmio_len[] = { 0, 3, 5, 6, 7, 9, 16, 0xffffffff };
	static const uint32_t pio_len[] = { 0, 3, 8 };
	uint64_t v;

	for (unsigned int i = 0; i < ARRAY_SIZE(mmio_len); i++) {
		EXPECT_EQ(-EINVAL, kic_io_read(self->vm.fd, IOAPIC_BASE, mmio_len[i], 0, &v))
			TH_LOG("MMIO len %u", mmio_len[i]);
		EXPECT_EQ(-EINVAL, kic_io_write(self->vm.fd, IOAPIC_BASE, mmio_len[i], 0, 1))
			TH_LOG("MMIO len %u", mmio_len[i]);
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(pio_len); i++) {
		EXPECT_EQ(-EINVAL, kic_io_read(self->vm.fd, 0x21, pio_len[i],
					       KVM_IRQCHIP_IO_PIO, &v))
			TH_LOG("PIO len %u", pio_len[i]);
		EXPECT_EQ(-EINVAL, kic_io_write(self->vm.fd, 0x21, pio_len[i],
						KVM_IRQCHIP_IO_PIO, 0xff))
			TH_LOG("PIO len %u", pio_len[i]);
	}
	EXPECT_EQ(0ull, mmio_rd(&self->vm, IOREGSEL, 4));
}

TEST_F(ioapic, io_unknown_flags_or_reserved_are_einval)
{
	static const uint32_t bad_flags[] = { 1u << 2, 1u << 31 };
	struct kvm_irqchip_io io;

	for (unsigned int i = 0; i < ARRAY_SIZE(bad_flags); i++) {
		memset(&io, 0, sizeof(io));
		io.addr = IOAPIC_BASE + IOREGSEL;
		io.data = 0x11;
		io.len = 4;
		io.flags = KVM_IRQCHIP_IO_WRITE | bad_flags[i];
		EXPECT_EQ(-EINVAL, xioctl(self->vm.fd, KVM_IRQCHIP_IO, &io))
			TH_LOG("flag %#x", bad_flags[i]);
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(io.reserved); i++) {
		memset(&io, 0, sizeof(io));
		io.addr = IOAPIC_BASE + IOREGSEL;
		io.data = 0x11;
		io.len = 4;
		io.flags = KVM_IRQCHIP_IO_WRITE;
		io.reserved[i] = 1;
		EXPECT_EQ(-EINVAL, xioctl(self->vm.fd, KVM_IRQCHIP_IO, &io))
			TH_LOG("reserved[%u]", i);
	}
	/* none of the refused writes took effect */
	EXPECT_EQ(0ull, mmio_rd(&self->vm, IOREGSEL, 4));
}

TEST_F(ioapic, io_bad_pointer_is_efault)
{
	void *page = fault_page();

	ASSERT_NE(NULL, page);
	EXPECT_EQ(-EFAULT, xioctl(self->vm.fd, KVM_IRQCHIP_IO, page));
	EXPECT_EQ(-EFAULT, xioctl(self->vm.fd, KVM_IRQCHIP_IO, NULL));
}

TEST_F(ioapic, set_irqchip_relocates_the_mmio_window)
{
	const uint64_t base = IOAPIC_BASE + 0x1000;
	struct kvm_ioapic_state s;
	uint64_t v;

	ASSERT_EQ(0, ioapic_get(&self->vm, &s));
	s.base_address = base;
	ASSERT_EQ(0, ioapic_put(&self->vm, &s));
	ASSERT_EQ(0, ioapic_get(&self->vm, &s));
	EXPECT_EQ(base, s.base_address);
	EXPECT_EQ(-ENXIO, kic_io_read(self->vm.fd, IOAPIC_BASE + IOWIN, 4, 0, &v));
	EXPECT_EQ(-ENXIO, kic_io_write(self->vm.fd, IOAPIC_BASE + IOREGSEL, 4, 0, REG_VER));
	ASSERT_EQ(0, kic_io_write(self->vm.fd, base + IOREGSEL, 4, 0, REG_VER));
	ASSERT_EQ(0, kic_io_read(self->vm.fd, base + IOREGSEL, 4, 0, &v));
	EXPECT_EQ((uint64_t)REG_VER, v);
	ASSERT_EQ(0, kic_io_read(self->vm.fd, base + IOWIN, 4, 0, &v));
	EXPECT_EQ((uint64_t)VER_VALUE, v);
}

TEST_F(ioapic, get_set_irqchip_unknown_chip_is_einval)
{
	static const uint32_t ids[] = { KVM_NR_IRQCHIPS, 0xffffffff };
	struct kvm_irqchip c;

	for (unsigned int i = 0; i < ARRAY_SIZE(ids); i++) {
		EXPECT_EQ(-EINVAL, irqchip_get(self->vm.fd, ids[i], &c)) TH_LOG("chip %u", ids[i]);
		memset(&c, 0, sizeof(c));
		c.chip_id = ids[i];
		EXPECT_EQ(-EINVAL, irqchip_set(self->vm.fd, &c)) TH_LOG("chip %u", ids[i]);
	}
}

TEST_F(ioapic, state_round_trip)
{
	struct kvm_ioapic_state s, got;

	memset(&s, 0, sizeof(s));
	s.base_address = IOAPIC_BASE;
	s.ioregsel = 0x23;
	s.id = 7;
	for (unsigned int pin = 0; pin < NR_PINS; pin++) {
		uint32_t lo = RTE_MASKED | ((0x20 + 3 * pin) & 0xff);

		lo |= (pin & 1 ? RTE_DM_LOWEST : 0) | (pin & 2 ? RTE_LOGICAL : 0);
		lo |= (pin & 4 ? RTE_POLARITY : 0) | (pin & 8 ? RTE_LEVEL : 0);
		if ((pin & 8) && (pin & 1))
			lo |= RTE_RIRR;
		s.redirtbl[pin].bits = (uint64_t)((pin * 11) & 0xff) << 56 | lo;
	}
	ASSERT_EQ(0, ioapic_put(&self->vm, &s));
	ASSERT_EQ(0, ioapic_get(&self->vm, &got));
	EXPECT_EQ(0, memcmp(&s, &got, sizeof(s)));
	/* and the guest reads the same */
	EXPECT_EQ(0x23ull, mmio_rd(&self->vm, IOREGSEL, 4));
	EXPECT_EQ(0x07000000ull, reg_rd(&self->vm, REG_ID));
	for (unsigned int pin = 0; pin < NR_PINS; pin++) {
		uint64_t bits = s.redirtbl[pin].bits;

		EXPECT_EQ(bits, got.redirtbl[pin].bits) TH_LOG("pin %u", pin);
		EXPECT_EQ((uint32_t)bits, reg_rd(&self->vm, REG_LO(pin))) TH_LOG("pin %u", pin);
		EXPECT_EQ(bits >> 32, reg_rd(&self->vm, REG_HI(pin))) TH_LOG("pin %u", pin);
	}
}

TEST_F(ioapic, get_irqchip_irr_lists_pins_not_yet_delivered)
{
	struct kvm_ioapic_state s;

	ASSERT_EQ(0, rte_set(&self->vm, 1, rte(0x31, false, false, true), 0));
	ASSERT_EQ(0, rte_set(&self->vm, 2, rte(0x32, false, false, false), 0));
	ASSERT_EQ(0, rte_set(&self->vm, 3, rte(0x33, true, false, false), 0));
	ASSERT_EQ(0, rte_set(&self->vm, 4, rte(0x34, false, false, true), 0));
	ASSERT_EQ(-1, line(&self->vm, 1, 1));	/* masked edge: waits */
	ASSERT_EQ(1, line(&self->vm, 2, 1));	/* delivered edge: gone */
	ASSERT_EQ(1, line(&self->vm, 3, 1));	/* asserted level: stays */
	ASSERT_EQ(-1, line(&self->vm, 4, 1));
	ASSERT_EQ(1, line(&self->vm, 4, 0));	/* lowered: gone */
	ASSERT_EQ(0, ioapic_get(&self->vm, &s));
	EXPECT_EQ(1u << 1 | 1u << 3, s.irr);
}

TEST_F(ioapic, set_irqchip_delivers_pending_unmasked_edge)
{
	struct kvm_ioapic_state s;

	ASSERT_EQ(0, ioapic_get(&self->vm, &s));
	s.redirtbl[12].bits = 1ull << 56 | rte(0x6c, false, false, false);
	s.redirtbl[13].bits = 1ull << 56 | rte(0x6d, false, false, true);
	s.irr = 1u << 12 | 1u << 13;
	ASSERT_EQ(0, ioapic_put(&self->vm, &s));
	EXPECT_EQ(1, irr_has(self->v1, 0x6c));
	EXPECT_EQ(0, irr_has(self->v1, 0x6d));
	EXPECT_EQ(1, irr_count(self->v1));
	EXPECT_EQ(0, irr_count(self->v0));
	ASSERT_EQ(0, ioapic_get(&self->vm, &s));
	EXPECT_EQ(1u << 13, s.irr);
}

TEST_F(ioapic, restored_level_in_service_redelivers_once_on_eoi)
{
	const uint32_t vec = 0x59;
	struct kvm_ioapic_state s;
	uint32_t flags = 0;
	uint64_t d0;

	/* mid-interrupt: line asserted, remote IRR set, vector in service */
	ASSERT_EQ(0, lapic_in_service(self->v0, vec, true));
	ASSERT_EQ(0, ioapic_get(&self->vm, &s));
	s.redirtbl[9].bits = rte(vec, true, false, false) | RTE_RIRR;
	s.irr = 1u << 9;
	ASSERT_EQ(0, ioapic_put(&self->vm, &s));
	EXPECT_EQ(0, irr_count(self->v0));
	EXPECT_EQ(0, readable(self->v0, 0));
	ASSERT_EQ(0, ioapic_get(&self->vm, &s));
	EXPECT_EQ(1, (int)s.redirtbl[9].fields.remote_irr);
	EXPECT_EQ(1u << 9, s.irr);

	/* the guest's EOI completes it; the line is still high */
	d0 = delivered(&self->vm);
	ASSERT_EQ(vec, eoi(self->v0, &flags));
	EXPECT_EQ(KVM_IRQCHIP_ACK_LEVEL, flags);
	EXPECT_EQ(1, irr_has(self->v0, vec));
	EXPECT_EQ(d0 + 1, delivered(&self->vm));
	EXPECT_EQ(1, rirr(&self->vm, 9));

	/* the device drops the line while that one is handled */
	ASSERT_EQ(vec, ack(self->v0, NULL));
	ASSERT_EQ(1, line(&self->vm, 9, 0));
	ASSERT_EQ(vec, eoi(self->v0, NULL));
	EXPECT_EQ(0, rirr(&self->vm, 9));
	EXPECT_EQ(0, irr_count(self->v0));
	EXPECT_EQ(ACK_EAGAIN, ack(self->v0, NULL));
	EXPECT_EQ(d0 + 1, delivered(&self->vm));
	ASSERT_EQ(0, ioapic_get(&self->vm, &s));
	EXPECT_EQ(0u, s.irr);
}

TEST_F(ioapic, restored_remote_irr_with_line_low_clears_on_eoi)
{
	const uint32_t vec = 0x5a;
	struct kvm_ioapic_state s;
	uint64_t d0;

	ASSERT_EQ(0, lapic_in_service(self->v0, vec, true));
	ASSERT_EQ(0, ioapic_get(&self->vm, &s));
	s.redirtbl[10].bits = rte(vec, true, false, false) | RTE_RIRR;
	ASSERT_EQ(0, ioapic_put(&self->vm, &s));
	d0 = delivered(&self->vm);
	ASSERT_EQ(vec, eoi(self->v0, NULL));
	EXPECT_EQ(0, rirr(&self->vm, 10));
	EXPECT_EQ(0, irr_count(self->v0));
	EXPECT_EQ(d0, delivered(&self->vm));
	/* and the pin works again */
	EXPECT_EQ(1, line(&self->vm, 10, 1));
	EXPECT_EQ(1, irr_has(self->v0, vec));
}

/* edge pins */

TEST_F(ioapic, edge_pin_delivers_to_physical_destination)
{
	uint32_t flags = ~0u;

	ASSERT_EQ(0, rte_set(&self->vm, 5, rte(0x35, false, false, false), 1));
	EXPECT_EQ(1, line(&self->vm, 5, 1));
	EXPECT_EQ(1, irr_has(self->v1, 0x35));
	EXPECT_EQ(0, tmr_has(self->v1, 0x35));
	EXPECT_EQ(1, irr_count(self->v1));
	EXPECT_EQ(0, irr_count(self->v0));
	EXPECT_EQ(0x35u, ack(self->v1, &flags));
	EXPECT_EQ(0u, flags);
}

TEST_F(ioapic, edge_pin_delivers_to_logical_destination)
{
	ASSERT_EQ(0, rte_set(&self->vm, 6, rte(0x36, false, true, false), 0x02));
	EXPECT_EQ(1, line(&self->vm, 6, 1));
	EXPECT_EQ(2u, irr_mask(&self->vm, 0x36));
	ASSERT_EQ(0, rte_set(&self->vm, 23, rte(0x37, false, true, false), 0x03));
	EXPECT_EQ(2, line(&self->vm, 23, 1));
	EXPECT_EQ(3u, irr_mask(&self->vm, 0x37));
}

TEST_F(ioapic, edge_pin_raised_again_without_falling_edge_is_coalesced)
{
	uint64_t d;

	ASSERT_EQ(0, rte_set(&self->vm, 5, rte(0x35, false, false, false), 0));
	ASSERT_EQ(1, line(&self->vm, 5, 1));
	ASSERT_EQ(0x35u, ack(self->v0, NULL));
	ASSERT_EQ(0x35u, eoi(self->v0, NULL));
	d = delivered(&self->vm);
	EXPECT_EQ(0, line(&self->vm, 5, 1));
	EXPECT_EQ(0, irr_count(self->v0));
	EXPECT_EQ(d, delivered(&self->vm));
	/* lowering reports 1, as in KVM; the next rise is an edge */
	EXPECT_EQ(1, line(&self->vm, 5, 0));
	EXPECT_EQ(1, line(&self->vm, 5, 1));
	EXPECT_EQ(1, irr_has(self->v0, 0x35));
	EXPECT_EQ(d + 1, delivered(&self->vm));
}

TEST_F(ioapic, masked_pin_status_is_minus_1)
{
	ASSERT_EQ(0, rte_set(&self->vm, 5, rte(0x35, false, false, true), 0));
	ASSERT_EQ(0, rte_set(&self->vm, 6, rte(0x36, true, false, true), 0));
	EXPECT_EQ(-1, line(&self->vm, 5, 1));
	EXPECT_EQ(-1, line(&self->vm, 6, 1));
	EXPECT_EQ(0, irr_count(self->v0));
	EXPECT_EQ(0, rirr(&self->vm, 6));
	EXPECT_EQ(0, readable(self->v0, 0));
}

TEST_F(ioapic, masked_edge_is_not_delivered_on_unmask)
{
	ASSERT_EQ(0, rte_set(&self->vm, 5, rte(0x35, false, false, true), 0));
	ASSERT_EQ(-1, line(&self->vm, 5, 1));
	ASSERT_EQ(0, reg_wr(&self->vm, REG_LO(5), rte(0x35, false, false, false)));
	EXPECT_EQ(0, irr_count(self->v0));
	/* still high: no new edge either */
	EXPECT_EQ(0, line(&self->vm, 5, 1));
	EXPECT_EQ(0, irr_count(self->v0));
	ASSERT_EQ(1, line(&self->vm, 5, 0));
	EXPECT_EQ(1, line(&self->vm, 5, 1));
	EXPECT_EQ(1, irr_has(self->v0, 0x35));
}

/* level pins */

TEST_F(ioapic, masked_level_is_delivered_on_unmask)
{
	ASSERT_EQ(0, rte_set(&self->vm, 6, rte(0x46, true, false, true), 1));
	ASSERT_EQ(-1, line(&self->vm, 6, 1));
	EXPECT_EQ(0, irr_count(self->v1));
	ASSERT_EQ(0, reg_wr(&self->vm, REG_LO(6), rte(0x46, true, false, false)));
	EXPECT_EQ(1, irr_has(self->v1, 0x46));
	EXPECT_EQ(1, tmr_has(self->v1, 0x46));
	EXPECT_EQ(1, rirr(&self->vm, 6));
}

TEST_F(ioapic, level_pin_sets_tmr_and_remote_irr)
{
	uint32_t flags = 0;

	ASSERT_EQ(0, rte_set(&self->vm, 9, rte(0x59, true, false, false), 0));
	EXPECT_EQ(0, rirr(&self->vm, 9));
	EXPECT_EQ(1, line(&self->vm, 9, 1));
	EXPECT_EQ(1, irr_has(self->v0, 0x59));
	EXPECT_EQ(1, tmr_has(self->v0, 0x59));
	EXPECT_EQ(rte(0x59, true, false, false) | RTE_RIRR, reg_rd(&self->vm, REG_LO(9)));
	EXPECT_EQ(0x59u, ack(self->v0, &flags));
	EXPECT_EQ(KVM_IRQCHIP_ACK_LEVEL, flags);
}

TEST_F(ioapic, level_pin_raised_while_remote_irr_is_minus_1)
{
	uint64_t d;

	ASSERT_EQ(0, rte_set(&self->vm, 9, rte(0x59, true, false, false), 0));
	ASSERT_EQ(1, line(&self->vm, 9, 1));
	ASSERT_EQ(0x59u, ack(self->v0, NULL));
	d = delivered(&self->vm);
	EXPECT_EQ(-1, line(&self->vm, 9, 1));
	EXPECT_EQ(0, irr_count(self->v0));
	EXPECT_EQ(d, delivered(&self->vm));
}

TEST_F(ioapic, level_eoi_while_asserted_redelivers)
{
	uint32_t flags = 0;
	uint64_t d;

	ASSERT_EQ(0, rte_set(&self->vm, 9, rte(0x59, true, false, false), 0));
	ASSERT_EQ(1, line(&self->vm, 9, 1));
	ASSERT_EQ(0x59u, ack(self->v0, NULL));
	d = delivered(&self->vm);
	ASSERT_EQ(0x59u, eoi(self->v0, &flags));
	EXPECT_EQ(KVM_IRQCHIP_ACK_LEVEL, flags);
	EXPECT_EQ(1, irr_has(self->v0, 0x59));
	EXPECT_EQ(1, rirr(&self->vm, 9));
	EXPECT_EQ(d + 1, delivered(&self->vm));
}

TEST_F(ioapic, level_eoi_after_deassert_clears_remote_irr)
{
	ASSERT_EQ(0, rte_set(&self->vm, 9, rte(0x59, true, false, false), 0));
	ASSERT_EQ(1, line(&self->vm, 9, 1));
	ASSERT_EQ(0x59u, ack(self->v0, NULL));
	EXPECT_EQ(1, line(&self->vm, 9, 0));
	EXPECT_EQ(1, rirr(&self->vm, 9));
	ASSERT_EQ(0x59u, eoi(self->v0, NULL));
	EXPECT_EQ(0, rirr(&self->vm, 9));
	EXPECT_EQ(0, irr_count(self->v0));
	EXPECT_EQ(0, readable(self->v0, 0));
	/* the next assertion is delivered again */
	EXPECT_EQ(1, line(&self->vm, 9, 1));
	EXPECT_EQ(1, irr_has(self->v0, 0x59));
}

TEST_F(ioapic, eoi_of_another_vector_keeps_remote_irr)
{
	ASSERT_EQ(0, rte_set(&self->vm, 9, rte(0x40, true, false, false), 0));
	ASSERT_EQ(1, line(&self->vm, 9, 1));
	ASSERT_EQ(0x40u, ack(self->v0, NULL));
	/* a level MSI of a higher class, taken and completed on top of it */
	ASSERT_EQ(1, signal_msi(self->vm.fd, msi_addr(0, false, false), 0,
				msi_data(0x90, DM_FIXED, true)));
	ASSERT_EQ(0x90u, ack(self->v0, NULL));
	ASSERT_EQ(0x90u, eoi(self->v0, NULL));
	EXPECT_EQ(1, rirr(&self->vm, 9));
	ASSERT_EQ(1, line(&self->vm, 9, 0));
	ASSERT_EQ(0x40u, eoi(self->v0, NULL));
	EXPECT_EQ(0, rirr(&self->vm, 9));
}

TEST_F(ioapic, edge_eoi_of_level_vector_keeps_remote_irr)
{
	struct kvm_lapic_state s;
	uint32_t flags = ~0u;

	ASSERT_EQ(0, rte_set(&self->vm, 9, rte(0x59, true, false, false), 0));
	ASSERT_EQ(1, line(&self->vm, 9, 1));
	ASSERT_EQ(0x59u, ack(self->v0, NULL));
	ASSERT_EQ(1, line(&self->vm, 9, 0));
	/* KVM takes the EOI's trigger mode from TMR: clear it */
	ASSERT_EQ(0, lapic_get(self->v0, &s));
	apic_vec_set(&s, APIC_TMR, 0x59, false);
	ASSERT_EQ(0, lapic_set(self->v0, &s));
	ASSERT_EQ(0x59u, eoi(self->v0, &flags));
	EXPECT_EQ(0u, flags);
	EXPECT_EQ(1, rirr(&self->vm, 9));
}

/* sources */

static void wait_coalesced(const struct vm *vm, uint64_t above)
{
	struct kvm_irqchip_counters c;
	uint64_t end = now_ms() + WAIT_MS;

	while (!get_counters(vm->fd, &c) && c.coalesced <= above && now_ms() < end)
		sleep_ms(1);
}

TEST_F(ioapic, line_is_the_or_of_its_sources)
{
	struct kvm_irqchip_counters c;
	int efd = new_eventfd();

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, irqfd(self->vm.fd, efd, 10, 0));
	ASSERT_EQ(0, rte_set(&self->vm, 10, rte(0x4a, true, false, false), 0));
	/* the device model holds the line high */
	ASSERT_EQ(1, line(&self->vm, 10, 1));
	ASSERT_EQ(0x4au, ack(self->v0, NULL));
	/* an irqfd pulses it: high (waiting for the EOI), then low */
	ASSERT_EQ(0, get_counters(self->vm.fd, &c));
	ASSERT_EQ(0, efd_signal(efd));
	wait_coalesced(&self->vm, c.coalesced);
	sleep_ms(SETTLE_MS);
	/* the pulse's fall did not lower the device model's level */
	ASSERT_EQ(0x4au, eoi(self->v0, NULL));
	EXPECT_EQ(1, irr_has(self->v0, 0x4a));
	EXPECT_EQ(1, rirr(&self->vm, 10));
	/* once the device model lowers it too, the line is low */
	ASSERT_EQ(0x4au, ack(self->v0, NULL));
	ASSERT_EQ(1, line(&self->vm, 10, 0));
	ASSERT_EQ(0x4au, eoi(self->v0, NULL));
	EXPECT_EQ(0, irr_count(self->v0));
	EXPECT_EQ(0, rirr(&self->vm, 10));
	close(efd);
}

TEST_F(ioapic, irqfd_pulse_on_level_pin_delivers_once)
{
	int efd = new_eventfd();

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, irqfd(self->vm.fd, efd, 10, 0));
	ASSERT_EQ(0, rte_set(&self->vm, 10, rte(0x4a, true, false, false), 0));
	ASSERT_EQ(0, efd_signal(efd));
	ASSERT_EQ(1, wait_irr(self->v0, 0x4a, WAIT_MS));
	sleep_ms(SETTLE_MS);
	ASSERT_EQ(0x4au, ack(self->v0, NULL));
	ASSERT_EQ(0x4au, eoi(self->v0, NULL));
	EXPECT_EQ(0, irr_count(self->v0));
	EXPECT_EQ(0, rirr(&self->vm, 10));
	close(efd);
}

/*
 * A level interrupt the guest EOIs without silencing its device: KVM
 * re-delivers at once 9999 times, and the 10000th time after ~10 ms.
 */
TEST_F(ioapic, eoi_storm_delays_the_10000th_redelivery)
{
	const uint32_t vec = 0x5b;
	uint64_t t_eoi = 0, waited;
	int try;

	ASSERT_EQ(0, rte_set(&self->vm, 11, rte(vec, true, false, false), 0));
	ASSERT_EQ(1, line(&self->vm, 11, 1));
	for (try = 0; try < STORM_TRIES; try++) {
		for (int i = 1; i <= STORM_EOIS; i++) {
			/* EOIs 1 to 9999 re-deliver at once: this ACK finds it */
			ASSERT_EQ(vec, ack(self->v0, NULL)) TH_LOG("after EOI %d", i - 1);
			t_eoi = now_us();
			ASSERT_EQ(vec, eoi(self->v0, NULL)) TH_LOG("EOI %d", i);
		}
		if (!readable(self->v0, 0))
			break;
		/* back already: a bug, unless this VM was too slow to tell */
		ASSERT_LE(STORM_MIN_US, now_us() - t_eoi)
			TH_LOG("EOI %d re-delivered at once", STORM_EOIS);
	}
	ASSERT_GT(STORM_TRIES, try);
	ASSERT_EQ(1, readable(self->v0, WAIT_MS)) TH_LOG("never re-delivered");
	waited = now_us() - t_eoi;
	EXPECT_LE(STORM_MIN_US, waited);
	EXPECT_EQ(1, irr_has(self->v0, vec));
	EXPECT_EQ(1, rirr(&self->vm, 11));
	/* the count starts again: the next EOI re-delivers at once */
	ASSERT_EQ(vec, ack(self->v0, NULL));
	ASSERT_EQ(vec, eoi(self->v0, NULL));
	EXPECT_EQ(1, irr_has(self->v0, vec));
	ASSERT_EQ(vec, ack(self->v0, NULL));
	ASSERT_EQ(1, line(&self->vm, 11, 0));
	ASSERT_EQ(vec, eoi(self->v0, NULL));
	EXPECT_EQ(0, irr_count(self->v0));
}

TEST_HARNESS_MAIN
