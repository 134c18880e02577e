// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip x86 model: MSI message decode (Intel SDM vol. 3, 11.11).
 *
 * Address: 0xFEE in bits 31:20 (not checked, as KVM does not), the
 * destination ID in 19:12, optionally more destination bits in 11:5 (the
 * extended destination ID) or in address_hi (KVM's x2APIC format), the
 * redirection hint in bit 3 and the destination mode in bit 2.
 * Data: vector in 7:0, delivery mode in 10:8, trigger mode in bit 15.
 *
 * No state, no locks: pure functions of the message and the instance's
 * format flags, callable from any context.
 */
#include <linux/bits.h>
#include <linux/compiler.h>

#include "x86.h"

static u32 msi_addr_dest_id(u32 lo)	{ return (lo >> 12) & 0xff; }
static u32 msi_addr_ext_dest_id(u32 lo)	{ return (lo >> 5) & 0x7f; }
static bool msi_addr_rh(u32 lo)		{ return lo & BIT(3); }
static bool msi_addr_logical(u32 lo)	{ return lo & BIT(2); }
static u32 msi_addr_hi_dest_id(u32 hi)	{ return hi >> 8; }
static u8 msi_data_vector(u32 data)	{ return data & 0xff; }
static u8 msi_data_dm(u32 data)		{ return (data >> 8) & 0x7; }
static bool msi_data_level(u32 data)	{ return data & BIT(15); }

/**
 * kic_x86_msi_check() - is this message valid for the instance's format?
 * @x86: the model
 * @address_hi: the high address word
 *
 * In KVM's x2APIC format the low byte of address_hi must be zero.
 *
 * Return: 0 or -EINVAL.
 */
int kic_x86_msi_check(const struct kic_x86 *x86, u32 address_hi)
{
	if (READ_ONCE(x86->x2apic_format) && (address_hi & 0xff))
		return -EINVAL;
	return 0;
}

/**
 * kic_x86_msi_decode() - decode an MSI into an APIC bus message
 * @x86: the model
 * @address_lo: address bits 31:0
 * @address_hi: address bits 63:32
 * @data: data
 * @irq: the message
 */
void kic_x86_msi_decode(const struct kic_x86 *x86, u32 address_lo,
			u32 address_hi, u32 data, struct kic_apic_irq *irq)
{
	irq->dest = msi_addr_dest_id(address_lo);
	if (READ_ONCE(x86->ext_dest_id))
		irq->dest |= msi_addr_ext_dest_id(address_lo) << 8;
	if (READ_ONCE(x86->x2apic_format))
		irq->dest |= msi_addr_hi_dest_id(address_hi) << 8;
	irq->logical = msi_addr_logical(address_lo);
	irq->rh = msi_addr_rh(address_lo);
	irq->vector = msi_data_vector(data);
	irq->delivery_mode = msi_data_dm(data);
	irq->level = msi_data_level(data);
}
