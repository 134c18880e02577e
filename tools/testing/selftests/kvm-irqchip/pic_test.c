// SPDX-License-Identifier: GPL-2.0
/*
 * The two cascaded 8259A PICs as a guest and a VMM see them: the ports
 * 0x20-0x21, 0xa0-0xa1 and the ELCRs at 0x4d0-0x4d1 through KVM_IRQCHIP_IO,
 * the state through KVM_GET/SET_IRQCHIP, the pins driven by
 * KVM_IRQ_LINE_STATUS, and the PIC's output taken by vCPU 0 as ExtINT
 * (KVM_IRQCHIP_VCPU_ACK with KVM_IRQCHIP_ACK_EXTINT).  The expected values
 * are those of KVM 6.1's arch/x86/kvm/i8259.c.
 *
 * GSI 0-7 are routed to master pins 0-7 and GSI 8-15 to slave pins 0-7,
 * nothing to the IOAPIC, so every status is the PIC's.
 */
#include <poll.h>

#include "kic_x86_util.h"
#include "kselftest_harness.h"

#define MASTER		0x20
#define SLAVE		0xa0
#define CMD(chip)	(chip)
#define DATA(chip)	((chip) + 1)
#define ELCR_MASTER	0x4d0
#define ELCR_SLAVE	0x4d1

#define MASTER_BASE	0x20
#define SLAVE_BASE	0x28
#define MASTER_ELCR_MASK 0xf8
#define SLAVE_ELCR_MASK	0xde

/* ICW1: ICW4 follows; ICW4: 8086 mode, auto-EOI, special fully nested */
#define ICW1_IC4	0x11
#define ICW1_NO_IC4	0x10
#define ICW4_8086	0x01
#define ICW4_AEOI	0x02
#define ICW4_SFNM	0x10

/* OCW2 */
#define OCW2_EOI		0x20
#define OCW2_SEOI(irq)		(0x60 | (irq))
#define OCW2_ROTATE_EOI		0xa0
#define OCW2_ROTATE_AEOI_ON	0x80
#define OCW2_ROTATE_AEOI_OFF	0x00
#define OCW2_SET_PRIO(irq)	(0xc0 | (irq))
#define OCW2_ROTATE_SEOI(irq)	(0xe0 | (irq))
/* OCW3 */
#define OCW3_NOP	0x08
#define OCW3_READ_IRR	0x0a
#define OCW3_READ_ISR	0x0b
#define OCW3_POLL	0x0c
#define OCW3_SMM_ON	0x68
#define OCW3_SMM_OFF	0x48

#ifndef BIT
#define BIT(n)		(1u << (n))
#endif
#define LVT_MASKED	BIT(16)
#define LVT_EXTINT	(DM_EXTINT << 8)

/* what a failed port read reads as: IO_ERR | -errno */
#define IO_ERR		0xbad00000u
#define ACK_EAGAIN	((uint32_t)-EAGAIN)

static long outb(const struct vm *vm, uint16_t port, uint32_t val)
{
	return kic_io_write(vm->fd, port, 1, KVM_IRQCHIP_IO_PIO, val);
}

static uint32_t inb(const struct vm *vm, uint16_t port)
{
	uint64_t v;
	long r = kic_io_read(vm->fd, port, 1, KVM_IRQCHIP_IO_PIO, &v);

	return r ? IO_ERR | (uint32_t)-r : (uint32_t)v;
}

/* ICW1-ICW4; the slave sits on master IR2 */
static long pic_init(const struct vm *vm, uint16_t chip, uint8_t base, uint8_t icw4)
{
	const uint8_t seq[][2] = {
		{ CMD(chip), ICW1_IC4 },
		{ DATA(chip), base },
		{ DATA(chip), chip == MASTER ? 0x04 : 0x02 },
		{ DATA(chip), icw4 },
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(seq); i++) {
		long r = outb(vm, seq[i][0], seq[i][1]);

		if (r)
			return r;
	}
	return 0;
}

/* IRR or ISR as the guest reads them: OCW3 select, then the command port */
static uint32_t pic_irr(const struct vm *vm, uint16_t chip)
{
	long r = outb(vm, CMD(chip), OCW3_READ_IRR);

	return r ? IO_ERR | (uint32_t)-r : inb(vm, CMD(chip));
}

static uint32_t pic_isr(const struct vm *vm, uint16_t chip)
{
	long r = outb(vm, CMD(chip), OCW3_READ_ISR);

	return r ? IO_ERR | (uint32_t)-r : inb(vm, CMD(chip));
}

static uint32_t chip_id(uint16_t chip)
{
	return chip == MASTER ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE;
}

static long pic_get(const struct vm *vm, uint16_t chip, struct kvm_pic_state *s)
{
	struct kvm_irqchip c;
	long r = irqchip_get(vm->fd, chip_id(chip), &c);

	if (!r)
		*s = c.chip.pic;
	return r;
}

static long pic_put(const struct vm *vm, uint16_t chip, const struct kvm_pic_state *s)
{
	struct kvm_irqchip c;

	memset(&c, 0, sizeof(c));
	c.chip_id = chip_id(chip);
	c.chip.pic = *s;
	return irqchip_set(vm->fd, &c);
}

/* KVM_IRQ_LINE_STATUS: the status, or -1000 - errno when the ioctl failed */
static int line(const struct vm *vm, uint32_t gsi, uint32_t level)
{
	int32_t status = 0;
	long r = irq_line_status(vm->fd, gsi, level, &status);

	return r ? (int)r - 1000 : status;
}

/* the vector taken, or (uint32_t)-errno */
static uint32_t ack(int vfd, uint32_t *flags)
{
	uint32_t vec = 0, f = 0;
	long r = vcpu_ack(vfd, &vec, &f);

	if (flags)
		*flags = f;
	return r ? (uint32_t)r : vec;
}

static int readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r = poll(&p, 1, 0);

	return r < 0 ? -errno : r == 1 && (p.revents & POLLIN);
}

static long set_lvt0(int vfd, uint32_t lvt0)
{
	return lapic_set_reg(vfd, APIC_LVT0, lvt0);
}

static long route_pics(const struct vm *vm)
{
	struct kvm_irq_routing_entry e[16];

	for (uint32_t gsi = 0; gsi < 16; gsi++)
		e[gsi] = route_pin(gsi, gsi < 8 ? KVM_IRQCHIP_PIC_MASTER :
				   KVM_IRQCHIP_PIC_SLAVE, gsi % 8);
	return set_routing(vm->fd, e, 16);
}

/*
 * 2 enabled xAPIC vCPUs; vCPU 0 takes the PIC (LVT0 ExtINT), vCPU 1 has
 * LVT0 masked; both PICs initialised (vectors 0x20 and 0x28, normal EOI).
 */
FIXTURE(pic) {
	struct vm vm;
	int v0, v1;
};

FIXTURE_SETUP(pic)
{
	ASSERT_EQ(0, vm_init_kic(&self->vm, 2));
	self->v0 = self->vm.vcpu[0];
	self->v1 = self->vm.vcpu[1];
	ASSERT_EQ(0, vm_xapic_flat(&self->vm));
	ASSERT_EQ(0, set_lvt0(self->v0, LVT_EXTINT));
	ASSERT_EQ(0, route_pics(&self->vm));
	ASSERT_EQ(0, pic_init(&self->vm, MASTER, MASTER_BASE, ICW4_8086));
	ASSERT_EQ(0, pic_init(&self->vm, SLAVE, SLAVE_BASE, ICW4_8086));
}

FIXTURE_TEARDOWN(pic)
{
	vm_fini(&self->vm);
}

/* reset, initialisation, registers */

TEST(pic_reset_state_is_zero_but_elcr_masks)
{
	struct kvm_pic_state s, want;
	struct vm vm;

	ASSERT_EQ(0, vm_init_kic(&vm, 1));
	memset(&want, 0, sizeof(want));
	want.elcr_mask = MASTER_ELCR_MASK;
	ASSERT_EQ(0, pic_get(&vm, MASTER, &s));
	EXPECT_EQ(0, memcmp(&want, &s, sizeof(s)));
	want.elcr_mask = SLAVE_ELCR_MASK;
	ASSERT_EQ(0, pic_get(&vm, SLAVE, &s));
	EXPECT_EQ(0, memcmp(&want, &s, sizeof(s)));
	EXPECT_EQ(0u, inb(&vm, DATA(MASTER)));
	EXPECT_EQ(0u, inb(&vm, CMD(MASTER)));
	EXPECT_EQ(0u, inb(&vm, ELCR_MASTER));
	EXPECT_EQ(0u, inb(&vm, ELCR_SLAVE));
	vm_fini(&vm);
}

TEST(default_routing_reaches_pic_and_ioapic)
{
	struct kvm_irqchip_create c = {
		.model = KVM_IRQCHIP_MODEL_X86, .nr_vcpus = 1,
		.flags = KVM_IRQCHIP_CREATE_DEFAULT_ROUTING,
	};
	struct vm vm = { .fd = kic_open(), .sys_fd = -1 };
	struct kvm_irqchip chip;
	int fd = vm.fd;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xioctl(fd, KVM_IRQCHIP_CREATE, &c));

	/* the PIC's status (1) plus the masked IOAPIC pin's (-1, not counted) */
	EXPECT_EQ(1, line(&vm, 4, 1));
	EXPECT_EQ(1, line(&vm, 12, 1));
	EXPECT_EQ(-1, line(&vm, 20, 1));
	ASSERT_EQ(0, irqchip_get(fd, KVM_IRQCHIP_PIC_MASTER, &chip));
	EXPECT_EQ(0x10, chip.chip.pic.irr & 0x10);
	ASSERT_EQ(0, irqchip_get(fd, KVM_IRQCHIP_PIC_SLAVE, &chip));
	EXPECT_EQ(0x10, chip.chip.pic.irr);
	ASSERT_EQ(0, irqchip_get(fd, KVM_IRQCHIP_IOAPIC, &chip));
	EXPECT_EQ(1u << 4 | 1u << 12 | 1u << 20, chip.chip.ioapic.irr);
	close(fd);
}

TEST_F(pic, icw_sequence_walks_init_states)
{
	struct kvm_pic_state s;

	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), ICW1_IC4));
	ASSERT_EQ(0, pic_get(&self->vm, MASTER, &s));
	EXPECT_EQ(1, s.init_state);
	EXPECT_EQ(1, s.init4);
	ASSERT_EQ(0, outb(&self->vm, DATA(MASTER), 0x37));	/* ICW2 */
	ASSERT_EQ(0, pic_get(&self->vm, MASTER, &s));
	EXPECT_EQ(2, s.init_state);
	EXPECT_EQ(0x30, s.irq_base);
	ASSERT_EQ(0, outb(&self->vm, DATA(MASTER), 0x04));	/* ICW3 */
	ASSERT_EQ(0, pic_get(&self->vm, MASTER, &s));
	EXPECT_EQ(3, s.init_state);
	ASSERT_EQ(0, outb(&self->vm, DATA(MASTER), ICW4_8086 | ICW4_AEOI));
	ASSERT_EQ(0, pic_get(&self->vm, MASTER, &s));
	EXPECT_EQ(0, s.init_state);
	EXPECT_EQ(1, s.auto_eoi);
	EXPECT_EQ(0, s.special_fully_nested_mode);
	/* initialised: the data port is the mask (OCW1) again */
	ASSERT_EQ(0, outb(&self->vm, DATA(MASTER), 0xe7));
	EXPECT_EQ(0xe7u, inb(&self->vm, DATA(MASTER)));
	EXPECT_EQ(1, line(&self->vm, 3, 1));
	EXPECT_EQ(0x33u, ack(self->v0, NULL));
}

TEST_F(pic, icw1_without_ic4_skips_icw4)
{
	struct kvm_pic_state s;

	ASSERT_EQ(0, pic_init(&self->vm, MASTER, MASTER_BASE, ICW4_8086 | ICW4_AEOI));
	ASSERT_EQ(0, pic_get(&self->vm, MASTER, &s));
	ASSERT_EQ(1, s.auto_eoi);
	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), ICW1_NO_IC4));
	ASSERT_EQ(0, outb(&self->vm, DATA(MASTER), 0x40));
	ASSERT_EQ(0, outb(&self->vm, DATA(MASTER), 0x04));
	ASSERT_EQ(0, pic_get(&self->vm, MASTER, &s));
	EXPECT_EQ(0, s.init_state);
	EXPECT_EQ(0, s.init4);
	EXPECT_EQ(0, s.auto_eoi);
	EXPECT_EQ(0x40, s.irq_base);
	/* the third byte is OCW1, not ICW4 */
	ASSERT_EQ(0, outb(&self->vm, DATA(MASTER), 0x5a));
	EXPECT_EQ(0x5au, inb(&self->vm, DATA(MASTER)));
}

TEST_F(pic, icw1_clears_mask_priority_and_edge_requests)
{
	struct kvm_pic_state s;

	ASSERT_EQ(0, outb(&self->vm, ELCR_MASTER, 0x08));
	ASSERT_EQ(0, outb(&self->vm, DATA(MASTER), 0xff));
	ASSERT_EQ(-1, line(&self->vm, 3, 1));		/* level */
	ASSERT_EQ(-1, line(&self->vm, 5, 1));		/* edge */
	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), OCW2_SET_PRIO(4)));
	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), OCW3_SMM_ON));
	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), OCW3_READ_ISR));
	ASSERT_EQ(0, pic_get(&self->vm, MASTER, &s));
	ASSERT_EQ(0x28, s.irr);
	ASSERT_EQ(5, s.priority_add);
	ASSERT_EQ(1, s.special_mask);
	ASSERT_EQ(1, s.read_reg_select);

	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), ICW1_IC4));
	ASSERT_EQ(0, pic_get(&self->vm, MASTER, &s));
	EXPECT_EQ(0, s.imr);
	EXPECT_EQ(0x08, s.irr);		/* the level request stays */
	EXPECT_EQ(0, s.last_irr);
	EXPECT_EQ(0, s.priority_add);
	EXPECT_EQ(0, s.special_mask);
	EXPECT_EQ(0, s.read_reg_select);
	EXPECT_EQ(1, s.init_state);
	EXPECT_EQ(MASTER_BASE, s.irq_base);
	EXPECT_EQ(0x08, s.elcr);
}

TEST_F(pic, icw4_sfnm_sets_special_fully_nested_mode)
{
	struct kvm_pic_state s;

	ASSERT_EQ(0, pic_init(&self->vm, MASTER, MASTER_BASE, ICW4_8086 | ICW4_SFNM));
	ASSERT_EQ(0, pic_get(&self->vm, MASTER, &s));
	EXPECT_EQ(1, s.special_fully_nested_mode);
	EXPECT_EQ(0, s.auto_eoi);
	EXPECT_EQ(0, s.init_state);
}

TEST_F(pic, ocw1_mask_reads_back_from_data_port)
{
	struct kvm_pic_state s;

	ASSERT_EQ(0, outb(&self->vm, DATA(MASTER), 0xa5));
	ASSERT_EQ(0, outb(&self->vm, DATA(SLAVE), 0x5a));
	EXPECT_EQ(0xa5u, inb(&self->vm, DATA(MASTER)));
	EXPECT_EQ(0x5au, inb(&self->vm, DATA(SLAVE)));
	ASSERT_EQ(0, pic_get(&self->vm, MASTER, &s));
	EXPECT_EQ(0xa5, s.imr);
	ASSERT_EQ(0, pic_get(&self->vm, SLAVE, &s));
	EXPECT_EQ(0x5a, s.imr);
}

TEST_F(pic, pio_write_uses_the_low_byte)
{
	ASSERT_EQ(0, outb(&self->vm, DATA(MASTER), 0x1c3));
	EXPECT_EQ(0xc3u, inb(&self->vm, DATA(MASTER)));
}

TEST_F(pic, ocw3_selects_irr_or_isr_at_command_port)
{
	ASSERT_EQ(1, line(&self->vm, 4, 1));
	ASSERT_EQ(1, line(&self->vm, 6, 1));
	ASSERT_EQ(0x24u, ack(self->v0, NULL));
	/* after initialisation the command port reads IRR */
	EXPECT_EQ(0x40u, inb(&self->vm, CMD(MASTER)));
	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), OCW3_READ_ISR));
	EXPECT_EQ(0x10u, inb(&self->vm, CMD(MASTER)));
	EXPECT_EQ(0x10u, inb(&self->vm, CMD(MASTER)));
	/* an OCW3 without RR keeps the selection */
	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), OCW3_NOP));
	EXPECT_EQ(0x10u, inb(&self->vm, CMD(MASTER)));
	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), OCW3_READ_IRR));
	EXPECT_EQ(0x40u, inb(&self->vm, CMD(MASTER)));
}

TEST_F(pic, elcr_writes_are_limited_by_elcr_mask)
{
	struct kvm_pic_state s;

	ASSERT_EQ(0, outb(&self->vm, ELCR_MASTER, 0xff));
	ASSERT_EQ(0, outb(&self->vm, ELCR_SLAVE, 0xff));
	EXPECT_EQ((uint32_t)MASTER_ELCR_MASK, inb(&self->vm, ELCR_MASTER));
	EXPECT_EQ((uint32_t)SLAVE_ELCR_MASK, inb(&self->vm, ELCR_SLAVE));
	ASSERT_EQ(0, pic_get(&self->vm, MASTER, &s));
	EXPECT_EQ(MASTER_ELCR_MASK, s.elcr);
	EXPECT_EQ(MASTER_ELCR_MASK, s.elcr_mask);
	ASSERT_EQ(0, pic_get(&self->vm, SLAVE, &s));
	EXPECT_EQ(SLAVE_ELCR_MASK, s.elcr);
	EXPECT_EQ(SLAVE_ELCR_MASK, s.elcr_mask);
	ASSERT_EQ(0, outb(&self->vm, ELCR_MASTER, 0x00));
	EXPECT_EQ(0u, inb(&self->vm, ELCR_MASTER));
}

TEST_F(pic, word_access_inside_a_window_is_ignored)
{
	static const uint16_t ports[] = { CMD(MASTER), CMD(SLAVE), ELCR_MASTER };
	uint64_t v;

	ASSERT_EQ(0, outb(&self->vm, DATA(MASTER), 0x5a));
	ASSERT_EQ(0, outb(&self->vm, DATA(SLAVE), 0xa5));
	for (unsigned int i = 0; i < ARRAY_SIZE(ports); i++) {
		EXPECT_EQ(0, kic_io_write(self->vm.fd, ports[i], 2, KVM_IRQCHIP_IO_PIO, 0xffff))
			TH_LOG("port %#x", ports[i]);
		v = ~0ull;
		EXPECT_EQ(0, kic_io_read(self->vm.fd, ports[i], 2, KVM_IRQCHIP_IO_PIO, &v))
			TH_LOG("port %#x", ports[i]);
		EXPECT_EQ(0ull, v) TH_LOG("port %#x", ports[i]);
	}
	/* only byte accesses reach the chips */
	EXPECT_EQ(0x5au, inb(&self->vm, DATA(MASTER)));
	EXPECT_EQ(0xa5u, inb(&self->vm, DATA(SLAVE)));
	EXPECT_EQ(0u, inb(&self->vm, ELCR_MASTER));
	EXPECT_EQ(0u, inb(&self->vm, ELCR_SLAVE));
}

TEST_F(pic, access_straddling_a_window_is_enxio)
{
	/* as KVM's I/O bus: an access must lie wholly inside 2 ports */
	static const struct { uint16_t port; uint32_t len; } acc[] = {
		{ DATA(MASTER), 2 }, { CMD(MASTER), 4 }, { DATA(SLAVE), 2 },
		{ ELCR_SLAVE, 2 }, { ELCR_MASTER, 4 }, { 0x1f, 2 },
	};
	uint64_t v;

	ASSERT_EQ(0, outb(&self->vm, DATA(MASTER), 0x5a));
	for (unsigned int i = 0; i < ARRAY_SIZE(acc); i++) {
		EXPECT_EQ(-ENXIO, kic_io_write(self->vm.fd, acc[i].port, acc[i].len,
					       KVM_IRQCHIP_IO_PIO, 0xffffffff))
			TH_LOG("port %#x len %u", acc[i].port, acc[i].len);
		EXPECT_EQ(-ENXIO, kic_io_read(self->vm.fd, acc[i].port, acc[i].len,
					      KVM_IRQCHIP_IO_PIO, &v))
			TH_LOG("port %#x len %u", acc[i].port, acc[i].len);
	}
	EXPECT_EQ(0x5au, inb(&self->vm, DATA(MASTER)));
	EXPECT_EQ(0u, inb(&self->vm, ELCR_MASTER));
}

TEST_F(pic, pio_outside_pic_ports_is_enxio)
{
	static const uint16_t ports[] = { 0x1f, 0x22, 0x60, 0x80, 0x9f, 0xa2, 0x4cf, 0x4d2 };
	uint64_t v;

	for (unsigned int i = 0; i < ARRAY_SIZE(ports); i++) {
		EXPECT_EQ(-ENXIO, kic_io_read(self->vm.fd, ports[i], 1, KVM_IRQCHIP_IO_PIO, &v))
			TH_LOG("port %#x", ports[i]);
		EXPECT_EQ(-ENXIO, kic_io_write(self->vm.fd, ports[i], 1, KVM_IRQCHIP_IO_PIO, 0))
			TH_LOG("port %#x", ports[i]);
	}
}

TEST_F(pic, state_round_trip)
{
	struct kvm_pic_state m = {
		.last_irr = 0x01, .irr = 0x12, .imr = 0xf3, .isr = 0x80,
		.priority_add = 3, .irq_base = 0x50, .read_reg_select = 1,
		.poll = 0, .special_mask = 1, .init_state = 0, .auto_eoi = 1,
		.rotate_on_auto_eoi = 1, .special_fully_nested_mode = 1,
		.init4 = 1, .elcr = 0xa8, .elcr_mask = MASTER_ELCR_MASK,
	};
	struct kvm_pic_state sl = {
		.last_irr = 0x40, .irr = 0x44, .imr = 0x4f, .isr = 0x02,
		.priority_add = 6, .irq_base = 0x78, .read_reg_select = 0,
		.poll = 1, .special_mask = 0, .init_state = 2, .auto_eoi = 0,
		.rotate_on_auto_eoi = 0, .special_fully_nested_mode = 0,
		.init4 = 1, .elcr = 0x8c, .elcr_mask = SLAVE_ELCR_MASK,
	};
	struct kvm_pic_state got;

	ASSERT_EQ(0, pic_put(&self->vm, MASTER, &m));
	ASSERT_EQ(0, pic_put(&self->vm, SLAVE, &sl));
	ASSERT_EQ(0, pic_get(&self->vm, MASTER, &got));
	EXPECT_EQ(0, memcmp(&m, &got, sizeof(got)));
	ASSERT_EQ(0, pic_get(&self->vm, SLAVE, &got));
	EXPECT_EQ(0, memcmp(&sl, &got, sizeof(got)));
	/* and the guest reads the same */
	EXPECT_EQ(0xf3u, inb(&self->vm, DATA(MASTER)));
	EXPECT_EQ(0x80u, inb(&self->vm, CMD(MASTER)));	/* read_reg_select: ISR */
	EXPECT_EQ(0xa8u, inb(&self->vm, ELCR_MASTER));
	EXPECT_EQ(0x8cu, inb(&self->vm, ELCR_SLAVE));
}

TEST_F(pic, set_irqchip_request_reaches_vcpu0)
{
	struct kvm_pic_state s;
	uint32_t flags = 0;

	EXPECT_EQ(0, readable(self->v0));
	ASSERT_EQ(0, pic_get(&self->vm, MASTER, &s));
	s.irr = 0x20;
	s.imr = 0;
	s.isr = 0;
	s.irq_base = 0x40;
	ASSERT_EQ(0, pic_put(&self->vm, MASTER, &s));
	EXPECT_EQ(1, readable(self->v0));
	EXPECT_EQ(0x45u, ack(self->v0, &flags));
	EXPECT_EQ(KVM_IRQCHIP_ACK_EXTINT, flags);
}

/* requests, masks and ExtINT acknowledge */

TEST_F(pic, edge_pin_is_acknowledged_as_extint_on_vcpu0)
{
	struct kvm_lapic_state l;
	struct kvm_pic_state s;
	uint32_t flags = 0;

	EXPECT_EQ(0, readable(self->v0));
	ASSERT_EQ(1, line(&self->vm, 3, 1));
	EXPECT_EQ(1, readable(self->v0));
	EXPECT_EQ(0x23u, ack(self->v0, &flags));
	EXPECT_EQ(KVM_IRQCHIP_ACK_EXTINT, flags);
	ASSERT_EQ(0, pic_get(&self->vm, MASTER, &s));
	EXPECT_EQ(0, s.irr);
	EXPECT_EQ(0x08, s.isr);
	/* the LAPIC took no part: nothing in its IRR or ISR */
	ASSERT_EQ(0, lapic_get(self->v0, &l));
	EXPECT_FALSE(apic_vec(&l, APIC_ISR, 0x23));
	EXPECT_FALSE(apic_vec(&l, APIC_IRR, 0x23));
	EXPECT_EQ(0, readable(self->v0));
	EXPECT_EQ(ACK_EAGAIN, ack(self->v0, NULL));
}

TEST_F(pic, masked_pin_status_is_minus_1_and_request_waits)
{
	ASSERT_EQ(0, outb(&self->vm, DATA(MASTER), 0x08));
	EXPECT_EQ(-1, line(&self->vm, 3, 1));
	EXPECT_EQ(0x08u, pic_irr(&self->vm, MASTER));
	EXPECT_EQ(0, readable(self->v0));
	EXPECT_EQ(ACK_EAGAIN, ack(self->v0, NULL));
	ASSERT_EQ(0, outb(&self->vm, DATA(MASTER), 0x00));
	EXPECT_EQ(1, readable(self->v0));
	EXPECT_EQ(0x23u, ack(self->v0, NULL));
}

TEST_F(pic, edge_request_raised_again_before_ack_is_coalesced)
{
	EXPECT_EQ(1, line(&self->vm, 3, 1));
	EXPECT_EQ(1, line(&self->vm, 3, 0));
	EXPECT_EQ(0, line(&self->vm, 3, 1));
	EXPECT_EQ(0x23u, ack(self->v0, NULL));
	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), OCW2_EOI));
	EXPECT_EQ(ACK_EAGAIN, ack(self->v0, NULL));
}

TEST_F(pic, edge_pin_held_high_is_not_redelivered_after_eoi)
{
	ASSERT_EQ(1, line(&self->vm, 3, 1));
	ASSERT_EQ(0x23u, ack(self->v0, NULL));
	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), OCW2_EOI));
	EXPECT_EQ(0u, pic_irr(&self->vm, MASTER));
	EXPECT_EQ(0, readable(self->v0));
	EXPECT_EQ(ACK_EAGAIN, ack(self->v0, NULL));
	ASSERT_EQ(1, line(&self->vm, 3, 0));
	EXPECT_EQ(1, line(&self->vm, 3, 1));
	EXPECT_EQ(0x23u, ack(self->v0, NULL));
}

TEST_F(pic, level_pin_is_redelivered_after_eoi_until_lowered)
{
	uint32_t flags = 0;

	ASSERT_EQ(0, outb(&self->vm, ELCR_MASTER, 0x08));
	EXPECT_EQ(1, line(&self->vm, 3, 1));
	EXPECT_EQ(0, line(&self->vm, 3, 1));	/* already requested */
	EXPECT_EQ(0x23u, ack(self->v0, &flags));
	EXPECT_NE(0u, flags & KVM_IRQCHIP_ACK_EXTINT);
	/* the acknowledge leaves a level request in IRR */
	EXPECT_EQ(0x08u, pic_irr(&self->vm, MASTER));
	EXPECT_EQ(ACK_EAGAIN, ack(self->v0, NULL));
	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), OCW2_EOI));
	EXPECT_EQ(0x23u, ack(self->v0, NULL));
	EXPECT_EQ(1, line(&self->vm, 3, 0));
	EXPECT_EQ(0u, pic_irr(&self->vm, MASTER));
	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), OCW2_EOI));
	EXPECT_EQ(ACK_EAGAIN, ack(self->v0, NULL));
	EXPECT_EQ(0u, pic_isr(&self->vm, MASTER));
}

TEST_F(pic, slave_level_pin_is_redelivered_after_eoi_until_lowered)
{
	ASSERT_EQ(0, outb(&self->vm, ELCR_SLAVE, 0x08));
	ASSERT_EQ(1, line(&self->vm, 11, 1));
	EXPECT_EQ(0x2bu, ack(self->v0, NULL));
	EXPECT_EQ(0x08u, pic_irr(&self->vm, SLAVE));
	ASSERT_EQ(0, outb(&self->vm, CMD(SLAVE), OCW2_EOI));
	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), OCW2_EOI));
	EXPECT_EQ(0x2bu, ack(self->v0, NULL));
	EXPECT_EQ(1, line(&self->vm, 11, 0));
	ASSERT_EQ(0, outb(&self->vm, CMD(SLAVE), OCW2_EOI));
	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), OCW2_EOI));
	EXPECT_EQ(ACK_EAGAIN, ack(self->v0, NULL));
	EXPECT_EQ(0u, pic_irr(&self->vm, SLAVE));
}

TEST_F(pic, extint_not_taken_when_lvt0_masked_or_not_extint)
{
	ASSERT_EQ(0, set_lvt0(self->v0, LVT_EXTINT | LVT_MASKED));
	ASSERT_EQ(1, line(&self->vm, 3, 1));
	EXPECT_EQ(0, readable(self->v0));
	EXPECT_EQ(ACK_EAGAIN, ack(self->v0, NULL));
	ASSERT_EQ(0, set_lvt0(self->v0, 0x30));		/* fixed, vector 0x30 */
	EXPECT_EQ(ACK_EAGAIN, ack(self->v0, NULL));
	/* the request waited in the PIC */
	EXPECT_EQ(0x08u, pic_irr(&self->vm, MASTER));
	ASSERT_EQ(0, set_lvt0(self->v0, LVT_EXTINT));
	EXPECT_EQ(1, readable(self->v0));
	EXPECT_EQ(0x23u, ack(self->v0, NULL));
}

TEST_F(pic, extint_taken_when_apic_hw_disabled)
{
	uint32_t flags = 0;

	ASSERT_EQ(0, set_lvt0(self->v0, LVT_EXTINT | LVT_MASKED));
	ASSERT_EQ(0, set_apic_base(&self->vm, 0, APIC_BASE_ADDR | APIC_BASE_BSP));
	ASSERT_EQ(1, line(&self->vm, 3, 1));
	EXPECT_EQ(1, readable(self->v0));
	EXPECT_EQ(0x23u, ack(self->v0, &flags));
	EXPECT_EQ(KVM_IRQCHIP_ACK_EXTINT, flags);
}

/*
 * As KVM: any vCPU whose LAPIC passes the PIC through takes its ExtINT,
 * not only vCPU 0 (kvm_cpu_has_extint() and kvm_apic_accept_pic_intr(),
 * arch/x86/kvm/irq.c and lapic.c): a hardware-disabled APIC, or LVT0
 * unmasked in ExtINT mode.  An enabled APIC with LVT0 masked does not.
 */
TEST_F(pic, extint_goes_to_any_vcpu_whose_lapic_passes_it)
{
	uint32_t flags = 0;

	/* vCPU 1: APIC enabled, LVT0 masked */
	ASSERT_EQ(1, line(&self->vm, 3, 1));
	EXPECT_EQ(0, readable(self->v1));
	EXPECT_EQ(ACK_EAGAIN, ack(self->v1, NULL));
	/* LVT0 unmasked ExtINT: vCPU 1 takes it, and vCPU 0 finds nothing */
	ASSERT_EQ(0, set_lvt0(self->v1, LVT_EXTINT));
	EXPECT_EQ(0x23u, ack(self->v1, &flags));
	EXPECT_EQ(KVM_IRQCHIP_ACK_EXTINT, flags);
	EXPECT_EQ(ACK_EAGAIN, ack(self->v0, NULL));
	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), OCW2_EOI));
	/* LVT0 masked again but the APIC hardware-disabled: vCPU 1 takes it */
	ASSERT_EQ(0, set_lvt0(self->v1, LVT_EXTINT | LVT_MASKED));
	ASSERT_EQ(0, set_apic_base(&self->vm, 1, APIC_BASE_ADDR));
	ASSERT_EQ(1, line(&self->vm, 4, 1));
	flags = 0;
	EXPECT_EQ(0x24u, ack(self->v1, &flags));
	EXPECT_EQ(KVM_IRQCHIP_ACK_EXTINT, flags);
	EXPECT_EQ(ACK_EAGAIN, ack(self->v0, NULL));
}

TEST_F(pic, extint_is_taken_before_lapic_irr)
{
	uint32_t flags = ~0u;

	ASSERT_EQ(1, signal_msi(self->vm.fd, msi_addr(0, false, false), 0,
				msi_data(0x80, DM_FIXED, false)));
	ASSERT_EQ(1, line(&self->vm, 3, 1));
	EXPECT_EQ(0x23u, ack(self->v0, &flags));
	EXPECT_EQ(KVM_IRQCHIP_ACK_EXTINT, flags);
	EXPECT_EQ(0x80u, ack(self->v0, &flags));
	EXPECT_EQ(0u, flags);
}

/* priorities and EOI */

TEST_F(pic, auto_eoi_leaves_isr_empty)
{
	ASSERT_EQ(0, pic_init(&self->vm, MASTER, MASTER_BASE, ICW4_8086 | ICW4_AEOI));
	ASSERT_EQ(1, line(&self->vm, 3, 1));
	EXPECT_EQ(0x23u, ack(self->v0, NULL));
	EXPECT_EQ(0u, pic_isr(&self->vm, MASTER));
	/* nothing in service: a lower priority request goes straight through */
	ASSERT_EQ(1, line(&self->vm, 5, 1));
	EXPECT_EQ(0x25u, ack(self->v0, NULL));
}

TEST_F(pic, in_service_irq_blocks_same_and_lower_priority)
{
	ASSERT_EQ(1, line(&self->vm, 3, 1));
	ASSERT_EQ(0x23u, ack(self->v0, NULL));
	ASSERT_EQ(1, line(&self->vm, 5, 1));
	EXPECT_EQ(0, readable(self->v0));
	EXPECT_EQ(ACK_EAGAIN, ack(self->v0, NULL));
	/* a higher priority one nests */
	ASSERT_EQ(1, line(&self->vm, 1, 1));
	EXPECT_EQ(1, readable(self->v0));
	EXPECT_EQ(0x21u, ack(self->v0, NULL));
	EXPECT_EQ(0x0au, pic_isr(&self->vm, MASTER));
}

TEST_F(pic, nonspecific_eoi_clears_highest_priority_in_service)
{
	ASSERT_EQ(1, line(&self->vm, 3, 1));
	ASSERT_EQ(0x23u, ack(self->v0, NULL));
	ASSERT_EQ(1, line(&self->vm, 1, 1));
	ASSERT_EQ(0x21u, ack(self->v0, NULL));
	ASSERT_EQ(1, line(&self->vm, 5, 1));
	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), OCW2_EOI));
	EXPECT_EQ(0x08u, pic_isr(&self->vm, MASTER));
	EXPECT_EQ(ACK_EAGAIN, ack(self->v0, NULL));	/* 5 waits for 3 */
	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), OCW2_EOI));
	EXPECT_EQ(0u, pic_isr(&self->vm, MASTER));
	EXPECT_EQ(0x25u, ack(self->v0, NULL));
}

TEST_F(pic, specific_eoi_clears_the_named_irq)
{
	ASSERT_EQ(1, line(&self->vm, 3, 1));
	ASSERT_EQ(0x23u, ack(self->v0, NULL));
	ASSERT_EQ(1, line(&self->vm, 1, 1));
	ASSERT_EQ(0x21u, ack(self->v0, NULL));
	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), OCW2_SEOI(3)));
	EXPECT_EQ(0x02u, pic_isr(&self->vm, MASTER));
	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), OCW2_SEOI(6)));	/* not in service */
	EXPECT_EQ(0x02u, pic_isr(&self->vm, MASTER));
}

TEST_F(pic, rotate_on_nonspecific_eoi_makes_serviced_irq_lowest)
{
	struct kvm_pic_state s;

	ASSERT_EQ(1, line(&self->vm, 3, 1));
	ASSERT_EQ(0x23u, ack(self->v0, NULL));
	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), OCW2_ROTATE_EOI));
	ASSERT_EQ(0, pic_get(&self->vm, MASTER, &s));
	EXPECT_EQ(4, s.priority_add);
	EXPECT_EQ(0, s.isr);
	/* 4 is now highest, 3 lowest: 5 outranks 1 */
	ASSERT_EQ(1, line(&self->vm, 1, 1));
	ASSERT_EQ(1, line(&self->vm, 5, 1));
	EXPECT_EQ(0x25u, ack(self->v0, NULL));
}

TEST_F(pic, rotate_on_specific_eoi_makes_named_irq_lowest)
{
	struct kvm_pic_state s;

	ASSERT_EQ(1, line(&self->vm, 3, 1));
	ASSERT_EQ(0x23u, ack(self->v0, NULL));
	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), OCW2_ROTATE_SEOI(3)));
	ASSERT_EQ(0, pic_get(&self->vm, MASTER, &s));
	EXPECT_EQ(4, s.priority_add);
	EXPECT_EQ(0, s.isr);
	ASSERT_EQ(1, line(&self->vm, 1, 1));
	ASSERT_EQ(1, line(&self->vm, 5, 1));
	EXPECT_EQ(0x25u, ack(self->v0, NULL));
}

TEST_F(pic, set_priority_command_makes_named_irq_lowest)
{
	struct kvm_pic_state s;

	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), OCW2_SET_PRIO(5)));
	ASSERT_EQ(0, pic_get(&self->vm, MASTER, &s));
	EXPECT_EQ(6, s.priority_add);
	/* 6 highest, then 7, 0, 1...: 7 outranks 1 */
	ASSERT_EQ(1, line(&self->vm, 1, 1));
	ASSERT_EQ(1, line(&self->vm, 7, 1));
	EXPECT_EQ(0x27u, ack(self->v0, NULL));
	EXPECT_EQ(0x80u, pic_isr(&self->vm, MASTER));	/* a real IRQ 7 */
}

TEST_F(pic, rotate_in_auto_eoi_mode)
{
	struct kvm_pic_state s;

	ASSERT_EQ(0, pic_init(&self->vm, MASTER, MASTER_BASE, ICW4_8086 | ICW4_AEOI));
	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), OCW2_ROTATE_AEOI_ON));
	ASSERT_EQ(0, pic_get(&self->vm, MASTER, &s));
	EXPECT_EQ(1, s.rotate_on_auto_eoi);
	ASSERT_EQ(1, line(&self->vm, 3, 1));
	ASSERT_EQ(0x23u, ack(self->v0, NULL));
	ASSERT_EQ(0, pic_get(&self->vm, MASTER, &s));
	EXPECT_EQ(4, s.priority_add);
	EXPECT_EQ(0, s.isr);
	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), OCW2_ROTATE_AEOI_OFF));
	ASSERT_EQ(1, line(&self->vm, 6, 1));
	ASSERT_EQ(0x26u, ack(self->v0, NULL));
	ASSERT_EQ(0, pic_get(&self->vm, MASTER, &s));
	EXPECT_EQ(0, s.rotate_on_auto_eoi);
	EXPECT_EQ(4, s.priority_add);
}

TEST_F(pic, ocw3_sets_and_clears_special_mask_mode)
{
	struct kvm_pic_state s;

	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), OCW3_SMM_ON));
	ASSERT_EQ(0, pic_get(&self->vm, MASTER, &s));
	EXPECT_EQ(1, s.special_mask);
	/* SMM without ESMM changes nothing */
	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), OCW3_NOP | 0x20));
	ASSERT_EQ(0, pic_get(&self->vm, MASTER, &s));
	EXPECT_EQ(1, s.special_mask);
	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), OCW3_SMM_OFF));
	ASSERT_EQ(0, pic_get(&self->vm, MASTER, &s));
	EXPECT_EQ(0, s.special_mask);
}

TEST_F(pic, poll_command_returns_and_clears_highest_request)
{
	struct kvm_pic_state s;

	ASSERT_EQ(1, line(&self->vm, 6, 1));
	ASSERT_EQ(1, line(&self->vm, 4, 1));
	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), OCW3_POLL));
	EXPECT_EQ(4u, inb(&self->vm, CMD(MASTER)));
	ASSERT_EQ(0, pic_get(&self->vm, MASTER, &s));
	EXPECT_EQ(0x40, s.irr);
	EXPECT_EQ(0, s.isr);
	EXPECT_EQ(0, s.poll);
	/* one read only: the next reads IRR again */
	EXPECT_EQ(0x40u, inb(&self->vm, CMD(MASTER)));
	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), OCW3_POLL));
	EXPECT_EQ(6u, inb(&self->vm, CMD(MASTER)));
	/* nothing requested: 7 */
	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), OCW3_POLL));
	EXPECT_EQ(7u, inb(&self->vm, CMD(MASTER)));
	EXPECT_EQ(0, readable(self->v0));
	EXPECT_EQ(ACK_EAGAIN, ack(self->v0, NULL));
}

/* the cascade */

TEST_F(pic, slave_irq_cascades_through_ir2)
{
	struct kvm_pic_state s;
	uint32_t flags = 0;

	ASSERT_EQ(1, line(&self->vm, 12, 1));
	ASSERT_EQ(0, pic_get(&self->vm, MASTER, &s));
	EXPECT_EQ(0x04, s.irr);
	EXPECT_EQ(1, readable(self->v0));
	EXPECT_EQ(0x2cu, ack(self->v0, &flags));
	EXPECT_EQ(KVM_IRQCHIP_ACK_EXTINT, flags);
	EXPECT_EQ(0x04u, pic_isr(&self->vm, MASTER));
	EXPECT_EQ(0x10u, pic_isr(&self->vm, SLAVE));
	ASSERT_EQ(0, outb(&self->vm, CMD(SLAVE), OCW2_EOI));
	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), OCW2_EOI));
	EXPECT_EQ(0u, pic_isr(&self->vm, MASTER));
	EXPECT_EQ(0u, pic_isr(&self->vm, SLAVE));
	EXPECT_EQ(ACK_EAGAIN, ack(self->v0, NULL));
}

TEST_F(pic, slave_in_service_blocks_other_slave_irqs)
{
	ASSERT_EQ(1, line(&self->vm, 12, 1));
	ASSERT_EQ(0x2cu, ack(self->v0, NULL));
	ASSERT_EQ(1, line(&self->vm, 9, 1));
	EXPECT_EQ(ACK_EAGAIN, ack(self->v0, NULL));
	ASSERT_EQ(0, outb(&self->vm, CMD(SLAVE), OCW2_EOI));
	EXPECT_EQ(ACK_EAGAIN, ack(self->v0, NULL));	/* master IR2 in service */
	ASSERT_EQ(0, outb(&self->vm, CMD(MASTER), OCW2_EOI));
	EXPECT_EQ(0x29u, ack(self->v0, NULL));
}

TEST_F(pic, special_fully_nested_mode_lets_slave_irqs_nest)
{
	ASSERT_EQ(0, pic_init(&self->vm, MASTER, MASTER_BASE, ICW4_8086 | ICW4_SFNM));
	ASSERT_EQ(1, line(&self->vm, 12, 1));
	ASSERT_EQ(0x2cu, ack(self->v0, NULL));
	ASSERT_EQ(1, line(&self->vm, 9, 1));
	EXPECT_EQ(0x29u, ack(self->v0, NULL));
	EXPECT_EQ(0x12u, pic_isr(&self->vm, SLAVE));
}

TEST_F(pic, poll_on_slave_clears_the_cascade_request)
{
	struct kvm_pic_state s;

	ASSERT_EQ(1, line(&self->vm, 11, 1));
	ASSERT_EQ(0, pic_get(&self->vm, MASTER, &s));
	ASSERT_EQ(0x04, s.irr);
	ASSERT_EQ(0, outb(&self->vm, CMD(SLAVE), OCW3_POLL));
	EXPECT_EQ(3u, inb(&self->vm, CMD(SLAVE)));
	ASSERT_EQ(0, pic_get(&self->vm, MASTER, &s));
	EXPECT_EQ(0, s.irr);
	EXPECT_EQ(0, s.isr);
	ASSERT_EQ(0, pic_get(&self->vm, SLAVE, &s));
	EXPECT_EQ(0, s.irr);
	EXPECT_EQ(0, readable(self->v0));
	EXPECT_EQ(ACK_EAGAIN, ack(self->v0, NULL));
}

TEST_F(pic, withdrawn_slave_request_acks_spurious_15)
{
	uint32_t flags = 0;

	ASSERT_EQ(1, line(&self->vm, 12, 1));
	/* masked on the slave after it reached the master's IR2 */
	ASSERT_EQ(0, outb(&self->vm, DATA(SLAVE), 0x10));
	EXPECT_EQ(1, readable(self->v0));
	EXPECT_EQ(SLAVE_BASE + 7u, ack(self->v0, &flags));
	EXPECT_EQ(KVM_IRQCHIP_ACK_EXTINT, flags);
	EXPECT_EQ(0u, pic_isr(&self->vm, SLAVE));
	EXPECT_EQ(0x04u, pic_isr(&self->vm, MASTER));
}

TEST_F(pic, withdrawn_master_request_acks_spurious_7)
{
	uint32_t flags = 0;

	ASSERT_EQ(1, line(&self->vm, 4, 1));
	EXPECT_EQ(1, readable(self->v0));
	/* re-initialised before the vCPU took it: ICW1 drops edge requests */
	ASSERT_EQ(0, pic_init(&self->vm, MASTER, 0x30, ICW4_8086));
	EXPECT_EQ(0u, pic_irr(&self->vm, MASTER));
	EXPECT_EQ(0x37u, ack(self->v0, &flags));
	EXPECT_EQ(KVM_IRQCHIP_ACK_EXTINT, flags);
	EXPECT_EQ(0u, pic_isr(&self->vm, MASTER));
	EXPECT_EQ(ACK_EAGAIN, ack(self->v0, NULL));
}

TEST_HARNESS_MAIN
