/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kvm-irqchip: an in-kernel interrupt fabric for virtual machine monitors.
 *
 * The ABI is KVM's own wherever KVM has the feature: an instance fd answers
 * KVM_CHECK_EXTENSION, KVM_ENABLE_CAP, KVM_SET_GSI_ROUTING, KVM_IRQFD,
 * KVM_SIGNAL_MSI, KVM_IRQ_LINE, KVM_IRQ_LINE_STATUS, KVM_GET_IRQCHIP and
 * KVM_SET_IRQCHIP with the structs and ioctl numbers of <linux/kvm.h>; an
 * x86 vCPU fd answers KVM_GET_LAPIC and KVM_SET_LAPIC.  What KVM lacks is
 * added below, on the same magic (KVMIO) at numbers 0xe0 and up.  KVM uses
 * some of those numbers with other sizes and directions, so the command
 * words never collide; these ioctls are only valid on kvm-irqchip fds.
 *
 * Every struct has explicit padding; reserved fields and unknown flags
 * must be zero (EINVAL otherwise).  See
 * Documentation/virt/kvm-irqchip/api.rst.
 */
#ifndef _UAPI_LINUX_KVM_IRQCHIP_H
#define _UAPI_LINUX_KVM_IRQCHIP_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include <linux/kvm.h>

#define KVM_IRQCHIP_DEVICE_NAME		"kvm-irqchip"

/*
 * Interrupt controller models, chosen at KVM_IRQCHIP_CREATE.  The module
 * built for x86 has all three, for arm64 or powerpc GICv3 and XICS
 * (KVM_IRQCHIP_CAP_MODELS).
 */
#define KVM_IRQCHIP_MODEL_X86		1	/* LAPICs (+ IOAPIC, PIC) */
#define KVM_IRQCHIP_MODEL_ARM64_GICV3	2	/* GICv3 + ITS */
#define KVM_IRQCHIP_MODEL_PPC_XICS	3	/* XICS ICS/ICP */

#define KVM_IRQCHIP_MAX_VCPUS		1024

/* Capabilities of our own, for KVM_CHECK_EXTENSION and KVM_ENABLE_CAP. */
#define KVM_IRQCHIP_CAP_BASE		0x10000
/* Models this build implements: a bitmap of (1 << KVM_IRQCHIP_MODEL_*). */
#define KVM_IRQCHIP_CAP_MODELS		(KVM_IRQCHIP_CAP_BASE + 0)
/* x86: decode MSI address bits 11:5 as destination ID bits 14:8. */
#define KVM_IRQCHIP_CAP_X86_EXT_DEST_ID	(KVM_IRQCHIP_CAP_BASE + 1)
/* x86: KVM_IRQCHIP_CREATE_KVM_VM is available (the KVM bridge). */
#define KVM_IRQCHIP_CAP_KVM_BRIDGE	(KVM_IRQCHIP_CAP_BASE + 3)
/* Version of the ABI described here. */
#define KVM_IRQCHIP_CAP_ABI_VERSION	(KVM_IRQCHIP_CAP_BASE + 2)
#define KVM_IRQCHIP_ABI_VERSION		1
/*
 * x86: the SDM's rules where KVM 6.1 has quirks of its own (args[0] 1 on,
 * 0 off; off by default).  api.rst section 6 lists what changes.
 */
#define KVM_IRQCHIP_CAP_X86_STRICT	(KVM_IRQCHIP_CAP_BASE + 4)

/**
 * struct kvm_irqchip_create - argument of KVM_IRQCHIP_CREATE
 * @model: one of KVM_IRQCHIP_MODEL_*
 * @nr_vcpus: number of vCPUs, 1 to KVM_IRQCHIP_MAX_VCPUS; vCPU i starts with
 *	APIC ID i on x86, like KVM_CREATE_VCPU(i)
 * @flags: KVM_IRQCHIP_CREATE_DEFAULT_ROUTING, KVM_IRQCHIP_CREATE_KVM_VM
 * @kvm_vm_fd: with KVM_IRQCHIP_CREATE_KVM_VM, a KVM VM fd; else 0
 * @reserved: must be 0
 */
struct kvm_irqchip_create {
	__u32 model;
	__u32 nr_vcpus;
	__u32 flags;
	__s32 kvm_vm_fd;
	__u64 reserved[6];
};

/*
 * Start with the routing table KVM_CREATE_IRQCHIP installs on this model
 * (x86: GSI 0-15 to the PIC and IOAPIC pin of the same number, 16-23 to the
 * IOAPIC) instead of an empty one (what KVM_CAP_SPLIT_IRQCHIP starts with).
 */
#define KVM_IRQCHIP_CREATE_DEFAULT_ROUTING	(1U << 0)
/*
 * x86, the KVM bridge: present interrupts to the in-kernel LAPICs of the
 * KVM VM @kvm_vm_fd names, created with KVM_CAP_SPLIT_IRQCHIP, instead of
 * to the instance's own vCPU endpoints.  Instance vCPU i is the VM's vCPU i.
 */
#define KVM_IRQCHIP_CREATE_KVM_VM		(1U << 1)

/**
 * struct kvm_irqchip_vcpu_ack - argument of KVM_IRQCHIP_VCPU_ACK
 * @vector: out: the vector moved from IRR to ISR, as the CPU's interrupt
 *	acknowledge cycle does
 * @flags: out: KVM_IRQCHIP_ACK_LEVEL when the vector's TMR bit is set
 * @reserved: must be 0 on entry
 */
struct kvm_irqchip_vcpu_ack {
	__u32 vector;
	__u32 flags;
	__u64 reserved[2];
};

#define KVM_IRQCHIP_ACK_LEVEL		(1U << 0)
/* ACK only: the vector came from the PIC (ExtINT), not from IRR */
#define KVM_IRQCHIP_ACK_EXTINT		(1U << 1)

/**
 * struct kvm_irqchip_vcpu_eoi - argument of KVM_IRQCHIP_VCPU_EOI
 * @vector: out: the vector retired from ISR, as a write to the EOI register
 * @flags: out: KVM_IRQCHIP_ACK_LEVEL when it was level-triggered
 * @reserved: must be 0 on entry
 */
struct kvm_irqchip_vcpu_eoi {
	__u32 vector;
	__u32 flags;
	__u64 reserved[2];
};

/**
 * struct kvm_irqchip_vcpu_events - argument of KVM_IRQCHIP_VCPU_GET_EVENTS
 *
 * Non-vectored deliveries (NMI, SMI, INIT, SIPI) do not sit in IRR; they are
 * latched here and read-and-cleared by the VMM, which injects them.
 *
 * @nmi: NMIs latched since the last read
 * @smi: SMIs latched since the last read
 * @init: INITs latched since the last read
 * @sipi: SIPIs latched since the last read
 * @sipi_vector: vector of the last SIPI
 * @pad: zero
 * @reserved: zero
 */
struct kvm_irqchip_vcpu_events {
	__u32 nmi;
	__u32 smi;
	__u32 init;
	__u32 sipi;
	__u32 sipi_vector;
	__u32 pad;
	__u64 reserved[3];
};

/**
 * struct kvm_irqchip_x86_vcpu_state - KVM_IRQCHIP_X86_{GET,SET}_VCPU_STATE
 *
 * What KVM keeps in MSRs rather than in the register page of
 * KVM_GET_LAPIC.
 *
 * @apic_base: the IA32_APIC_BASE MSR: bit 11 enables the APIC, bit 10 puts
 *	it in x2APIC mode (its ID register then holds the 32-bit x2APIC ID and
 *	LDR is derived from it), bit 8 marks the BSP
 * @reserved: must be 0
 */
struct kvm_irqchip_x86_vcpu_state {
	__u64 apic_base;
	__u64 reserved[7];
};

/**
 * struct kvm_irqchip_counters - argument of KVM_IRQCHIP_GET_COUNTERS
 *
 * Monotonic counters of one instance since it was created.
 *
 * @delivered: interrupts a vCPU accepted (one per vCPU reached)
 * @fast_path: irqfd signals delivered from the eventfd wakeup itself
 * @slow_path: irqfd signals deferred to the instance's work item
 * @no_route: signals on a GSI without a routing entry
 * @no_target: messages that matched no enabled vCPU
 * @illegal_vector: fixed/lowest-priority messages with vector 0-15
 * @rejected: messages the model refused (e.g. invalid x2APIC format)
 * @coalesced: pin signals that found the interrupt still pending (edge
 *	already latched, level waiting for EOI), and masked pins
 * @acked: pin and GSI acknowledgments (EOIs) reported to resamplers and
 *	EOI eventfds
 * @reserved: zero
 */
struct kvm_irqchip_counters {
	__u64 delivered;
	__u64 fast_path;
	__u64 slow_path;
	__u64 no_route;
	__u64 no_target;
	__u64 illegal_vector;
	__u64 rejected;
	__u64 coalesced;
	__u64 acked;
	__u64 reserved[7];
};

/**
 * struct kvm_irqchip_io - argument of KVM_IRQCHIP_IO
 *
 * A guest access to a controller register, forwarded by the VMM from its
 * exit (KVM_EXIT_IO, KVM_EXIT_MMIO).  x86: the PICs at ports 0x20-0x21 and
 * 0xa0-0xa1, their ELCRs at 0x4d0-0x4d1, the IOAPIC at its base address
 * (0xfec00000 unless restored otherwise), 256 bytes.
 *
 * @addr: the port (with KVM_IRQCHIP_IO_PIO) or the guest-physical address
 * @data: a write's value (low @len bytes); a read's result, out
 * @len: access size: 1, 2 or 4; 8 for MMIO
 * @flags: KVM_IRQCHIP_IO_WRITE, KVM_IRQCHIP_IO_PIO
 * @reserved: must be 0
 */
struct kvm_irqchip_io {
	__u64 addr;
	__u64 data;
	__u32 len;
	__u32 flags;
	__u64 reserved[2];
};

#define KVM_IRQCHIP_IO_WRITE		(1U << 0)
#define KVM_IRQCHIP_IO_PIO		(1U << 1)

/**
 * struct kvm_irqchip_eoifd - argument of KVM_IRQCHIP_EOIFD
 *
 * Binds an eventfd that is signalled each time the guest completes an
 * interrupt of @gsi: the EOI (or the PIC's acknowledge, or auto-EOI) of the
 * pin a pin route reaches, or the LAPIC EOI of the vector an MSI route
 * delivered.  Unlike a resamplefd it neither needs nor lowers a level.
 *
 * @fd: the eventfd
 * @gsi: the GSI
 * @flags: KVM_IRQCHIP_EOIFD_DEASSIGN to unbind
 * @pad: must be 0
 * @reserved: must be 0
 */
struct kvm_irqchip_eoifd {
	__u32 fd;
	__u32 gsi;
	__u32 flags;
	__u32 pad;
	__u64 reserved[2];
};

#define KVM_IRQCHIP_EOIFD_DEASSIGN	(1U << 0)

/**
 * struct kvm_irqchip_eoi - argument of KVM_IRQCHIP_EOI
 *
 * The KVM bridge: a guest EOI KVM reported to the VMM (KVM_EXIT_IOAPIC_EOI
 * on the vCPU's run structure), forwarded to the instance so the IOAPIC
 * clears remote IRR, re-delivers an asserted level pin and resamples.
 *
 * @vcpu: the vCPU index
 * @vector: the EOIed vector (kvm_run->eoi.vector)
 * @flags: must be 0
 * @reserved: must be 0
 */
struct kvm_irqchip_eoi {
	__u32 vcpu;
	__u32 vector;
	__u32 flags;
	__u32 reserved[5];
};

/**
 * struct kvm_irqchip_route_op - one operation of KVM_IRQCHIP_ROUTE_BATCH
 * @op: KVM_IRQCHIP_ROUTE_OP_*
 * @gsi: the GSI it acts on
 * @first: OP_SET: index of its first entry in the batch's @entries
 * @nr: OP_SET: number of entries (1..3, KVM's rules per GSI); else 0
 */
struct kvm_irqchip_route_op {
	__u32 op;
	__u32 gsi;
	__u32 first;
	__u32 nr;
};

/* Replace every entry of the GSI (creating it if it had none). */
#define KVM_IRQCHIP_ROUTE_OP_SET	1
/* Remove every entry of the GSI; ENOENT if it has none. */
#define KVM_IRQCHIP_ROUTE_OP_DELETE	2
/* Signals to the GSI set its pending bit instead of being delivered. */
#define KVM_IRQCHIP_ROUTE_OP_MASK	3
/* Deliver once if pending, then deliver signals again. */
#define KVM_IRQCHIP_ROUTE_OP_UNMASK	4

/**
 * struct kvm_irqchip_route_batch - argument of KVM_IRQCHIP_ROUTE_BATCH
 *
 * Applies @nr_ops operations in order.  Each GSI switches atomically for
 * deliveries; the batch applies whole, or fails with nothing changed and
 * @error_index naming the operation at fault.
 *
 * @nr_ops: operations at @ops
 * @nr_entries: routing entries at @entries (KVM's struct, .gsi = the op's)
 * @flags: KVM_IRQCHIP_ROUTE_BATCH_SYNC: return only when no delivery can
 *	still be using an entry the batch replaced or deleted
 * @error_index: out, on failure: the operation at fault, or
 *	KVM_IRQCHIP_ROUTE_NO_INDEX when none is (a bad pointer, no memory)
 * @ops: user address of struct kvm_irqchip_route_op[@nr_ops]
 * @entries: user address of struct kvm_irq_routing_entry[@nr_entries]
 * @reserved: must be 0
 */
struct kvm_irqchip_route_batch {
	__u32 nr_ops;
	__u32 nr_entries;
	__u32 flags;
	__u32 error_index;
	__u64 ops;
	__u64 entries;
	__u64 reserved[2];
};

#define KVM_IRQCHIP_ROUTE_BATCH_SYNC	(1U << 0)
#define KVM_IRQCHIP_ROUTE_NO_INDEX	0xffffffffU

/**
 * struct kvm_irqchip_gsi_counters - one GSI's counters
 * @delivered: raises that reached at least one vCPU (KVM status > 0)
 * @coalesced: raises that found the interrupt already pending (status 0)
 * @dropped: raises that went nowhere: no route, no target, masked pin
 * @masked: raises recorded in the pending bit while the GSI was masked
 */
struct kvm_irqchip_gsi_counters {
	__u64 delivered;
	__u64 coalesced;
	__u64 dropped;
	__u64 masked;
};

/**
 * struct kvm_irqchip_gsi_range - KVM_IRQCHIP_GET_GSI_COUNTERS and
 * KVM_IRQCHIP_GET_PENDING
 * @first: the first GSI
 * @nr: how many GSIs
 * @flags: KVM_IRQCHIP_GET_PENDING: KVM_IRQCHIP_PENDING_CLEAR to clear the
 *	bits returned; else 0
 * @pad: must be 0
 * @addr: user address of @nr struct kvm_irqchip_gsi_counters, or of a
 *	bitmap of @nr bits in __u64 words (bit i: GSI @first + i is pending)
 * @reserved: must be 0
 */
struct kvm_irqchip_gsi_range {
	__u32 first;
	__u32 nr;
	__u32 flags;
	__u32 pad;
	__u64 addr;
	__u64 reserved[2];
};

#define KVM_IRQCHIP_PENDING_CLEAR	(1U << 0)

/* ioctls on /dev/kvm-irqchip (one open file = one instance) */
#define KVM_IRQCHIP_CREATE	_IOW(KVMIO, 0xe0, struct kvm_irqchip_create)
/* argument: vCPU index; returns a new vCPU endpoint fd */
#define KVM_IRQCHIP_GET_VCPU_FD	_IO(KVMIO, 0xe1)
#define KVM_IRQCHIP_GET_COUNTERS _IOR(KVMIO, 0xe2, struct kvm_irqchip_counters)
#define KVM_IRQCHIP_IO		_IOWR(KVMIO, 0xe3, struct kvm_irqchip_io)
#define KVM_IRQCHIP_EOIFD	_IOW(KVMIO, 0xe4, struct kvm_irqchip_eoifd)
#define KVM_IRQCHIP_EOI		_IOW(KVMIO, 0xe5, struct kvm_irqchip_eoi)
#define KVM_IRQCHIP_ROUTE_BATCH	\
	_IOWR(KVMIO, 0xf0, struct kvm_irqchip_route_batch)
#define KVM_IRQCHIP_GET_GSI_COUNTERS \
	_IOW(KVMIO, 0xf1, struct kvm_irqchip_gsi_range)
#define KVM_IRQCHIP_GET_PENDING	_IOW(KVMIO, 0xf2, struct kvm_irqchip_gsi_range)

/* ioctls on a vCPU endpoint fd */
#define KVM_IRQCHIP_VCPU_ACK	_IOWR(KVMIO, 0xe8, struct kvm_irqchip_vcpu_ack)
#define KVM_IRQCHIP_VCPU_EOI	_IOWR(KVMIO, 0xe9, struct kvm_irqchip_vcpu_eoi)
#define KVM_IRQCHIP_VCPU_GET_EVENTS \
	_IOR(KVMIO, 0xea, struct kvm_irqchip_vcpu_events)
#define KVM_IRQCHIP_X86_GET_VCPU_STATE \
	_IOR(KVMIO, 0xeb, struct kvm_irqchip_x86_vcpu_state)
#define KVM_IRQCHIP_X86_SET_VCPU_STATE \
	_IOW(KVMIO, 0xec, struct kvm_irqchip_x86_vcpu_state)

/*
 * ------------------------------------------------------------------------
 * POWER pseries XICS (KVM_IRQCHIP_MODEL_PPC_XICS): source controllers (ICS)
 * named by a BUID, one presentation controller (ICP) per vCPU, the PAPR
 * hypercalls and RTAS calls the VMM forwards.  The numbering and state
 * encodings are KVM's own (arch/powerpc/include/uapi/asm/kvm.h), repeated
 * here because that header exists only on powerpc.  See
 * Documentation/virt/kvm-irqchip/xics.rst.
 * ------------------------------------------------------------------------
 */

/* Global interrupt number = BUID << 10 | source, as KVM numbers its ICSes. */
#define KVM_IRQCHIP_XICS_ICS_SHIFT	10
#define KVM_IRQCHIP_XICS_MAX_BUID	1023
#define KVM_IRQCHIP_XICS_MAX_SOURCES	(1 << KVM_IRQCHIP_XICS_ICS_SHIFT)
/* Global numbers below this are reserved: 0 is "none", 2 the IPI. */
#define KVM_IRQCHIP_XICS_FIRST_IRQ	16
#define KVM_IRQCHIP_XICS_IPI		2
#define KVM_IRQCHIP_XICS_MASKED		0xff	/* priority: never presented */

/*
 * A routing entry for one source: type KVM_IRQ_ROUTING_KIC_XICS, the
 * struct below in the entry's union (u.pad).  A KVM_IRQ_ROUTING_MSI entry
 * on this model names a source by its data word: the global interrupt
 * number, as QEMU's spapr MSIs do; the address is not decoded.
 */
#define KVM_IRQ_ROUTING_KIC_XICS	0x4b01

/**
 * struct kvm_irq_routing_kic_xics - u.pad of a KVM_IRQ_ROUTING_KIC_XICS entry
 * @buid: the source controller, created with KVM_IRQCHIP_XICS_CREATE_ICS
 * @source: the source within it, below its number of sources
 * @flags: must be 0
 * @pad: must be 0
 */
struct kvm_irq_routing_kic_xics {
	__u32 buid;
	__u32 source;
	__u32 flags;
	__u32 pad[5];
};

/**
 * struct kvm_irqchip_xics_ics - argument of KVM_IRQCHIP_XICS_CREATE_ICS
 * @buid: 0 to KVM_IRQCHIP_XICS_MAX_BUID, not yet created
 * @nr_sources: 1 to KVM_IRQCHIP_XICS_MAX_SOURCES; sources start masked,
 *	edge (message) sensitive, with server 0
 * @flags: must be 0
 * @pad: must be 0
 * @reserved: must be 0
 */
struct kvm_irqchip_xics_ics {
	__u32 buid;
	__u32 nr_sources;
	__u32 flags;
	__u32 pad;
	__u64 reserved[2];
};

/* PAPR hypercall opcodes and return codes of KVM_IRQCHIP_XICS_HCALL */
#define KVM_IRQCHIP_XICS_H_EOI		0x64
#define KVM_IRQCHIP_XICS_H_CPPR		0x68
#define KVM_IRQCHIP_XICS_H_IPI		0x6c
#define KVM_IRQCHIP_XICS_H_IPOLL	0x70
#define KVM_IRQCHIP_XICS_H_XIRR		0x74
#define KVM_IRQCHIP_XICS_H_XIRR_X	0x2fc
#define KVM_IRQCHIP_XICS_H_SUCCESS	0
#define KVM_IRQCHIP_XICS_H_HARDWARE	(-1)
#define KVM_IRQCHIP_XICS_H_FUNCTION	(-2)
#define KVM_IRQCHIP_XICS_H_PARAMETER	(-4)

/**
 * struct kvm_irqchip_xics_hcall - argument of KVM_IRQCHIP_XICS_HCALL
 * @opcode: KVM_IRQCHIP_XICS_H_* (the guest's r3)
 * @args: the guest's r4, r5, ...
 * @ret: out: the PAPR return code for the guest's r3
 * @out: out: the values for the guest's r4, r5, ...
 * @reserved: must be 0
 */
struct kvm_irqchip_xics_hcall {
	__u64 opcode;
	__u64 args[4];
	__s64 ret;
	__u64 out[4];
	__u64 reserved[4];
};

/* RTAS calls of KVM_IRQCHIP_XICS_RTAS, and their status codes */
#define KVM_IRQCHIP_XICS_SET_XIVE	1	/* ibm,set-xive: 3 args, 1 ret */
#define KVM_IRQCHIP_XICS_GET_XIVE	2	/* ibm,get-xive: 1 arg, 3 rets */
#define KVM_IRQCHIP_XICS_INT_OFF	3	/* ibm,int-off: 1 arg, 1 ret */
#define KVM_IRQCHIP_XICS_INT_ON		4	/* ibm,int-on: 1 arg, 1 ret */
#define KVM_IRQCHIP_XICS_RTAS_SUCCESS		0
#define KVM_IRQCHIP_XICS_RTAS_HW_ERROR		(-1)
#define KVM_IRQCHIP_XICS_RTAS_PARAM_ERROR	(-3)

/**
 * struct kvm_irqchip_xics_rtas - argument of KVM_IRQCHIP_XICS_RTAS
 * @call: KVM_IRQCHIP_XICS_SET_XIVE ... KVM_IRQCHIP_XICS_INT_ON
 * @nargs: the guest's nargs
 * @nret: the guest's nret
 * @pad: must be 0
 * @args: the arguments (interrupt number, server, priority)
 * @rets: out: rets[0] the RTAS status, then the outputs
 * @reserved: must be 0
 */
struct kvm_irqchip_xics_rtas {
	__u32 call;
	__u32 nargs;
	__u32 nret;
	__u32 pad;
	__u32 args[4];
	__s32 rets[4];
	__u64 reserved[2];
};

/*
 * Source state: KVM_{GET,SET,HAS}_DEVICE_ATTR on the instance fd, group
 * KVM_IRQCHIP_XICS_GRP_SOURCES, attr the global interrupt number, addr a
 * pointer to a __u64 in KVM's KVM_DEV_XICS_GRP_SOURCES encoding.
 */
#define KVM_IRQCHIP_XICS_GRP_SOURCES		1
#define KVM_IRQCHIP_XICS_DESTINATION_MASK	0xffffffffULL
#define KVM_IRQCHIP_XICS_PRIORITY_SHIFT		32
#define KVM_IRQCHIP_XICS_PRIORITY_MASK		0xffULL
#define KVM_IRQCHIP_XICS_LEVEL_SENSITIVE	(1ULL << 40)
#define KVM_IRQCHIP_XICS_MASKED_BIT		(1ULL << 41)
#define KVM_IRQCHIP_XICS_PENDING		(1ULL << 42)
#define KVM_IRQCHIP_XICS_PRESENTED		(1ULL << 43)
#define KVM_IRQCHIP_XICS_QUEUED			(1ULL << 44)

/*
 * ICP state: KVM_{GET,SET}_ONE_REG on the vCPU fd with KVM's register id
 * KVM_REG_PPC_ICP_STATE, a __u64 in KVM's layout.
 */
#define KVM_IRQCHIP_XICS_REG_ICP_STATE	(KVM_REG_PPC | KVM_REG_SIZE_U64 | 0x8c)
#define KVM_IRQCHIP_XICS_ICP_CPPR_SHIFT	56
#define KVM_IRQCHIP_XICS_ICP_CPPR_MASK	0xffULL
#define KVM_IRQCHIP_XICS_ICP_XISR_SHIFT	32
#define KVM_IRQCHIP_XICS_ICP_XISR_MASK	0xffffffULL
#define KVM_IRQCHIP_XICS_ICP_MFRR_SHIFT	24
#define KVM_IRQCHIP_XICS_ICP_MFRR_MASK	0xffULL
#define KVM_IRQCHIP_XICS_ICP_PPRI_SHIFT	16
#define KVM_IRQCHIP_XICS_ICP_PPRI_MASK	0xffULL

/* on the vCPU fd */
#define KVM_IRQCHIP_XICS_HCALL \
	_IOWR(KVMIO, 0xf8, struct kvm_irqchip_xics_hcall)
/* on the instance fd */
#define KVM_IRQCHIP_XICS_RTAS \
	_IOWR(KVMIO, 0xf9, struct kvm_irqchip_xics_rtas)
#define KVM_IRQCHIP_XICS_CREATE_ICS \
	_IOW(KVMIO, 0xfa, struct kvm_irqchip_xics_ics)
/* ------------------------- end of XICS ------------------------------- */

/*
 * ------------------------------------------------------------------------
 * arm64-gicv3 (KVM_IRQCHIP_MODEL_ARM64_GICV3): a GICv3 with one ITS.
 * See Documentation/virt/kvm-irqchip/gicv3.rst.
 *
 * Registers, state and control go through KVM's device-attribute ioctls
 * (KVM_SET_DEVICE_ATTR, KVM_GET_DEVICE_ATTR, KVM_HAS_DEVICE_ATTR with
 * struct kvm_device_attr) on the instance fd, with the groups and
 * attribute encodings of KVM's arm-vgic-v3.rst and arm-vgic-its.rst; the
 * constants below have KVM's values (its arm64 headers are not available
 * on other architectures).  The CPU interface registers of one vCPU are
 * also reached on its vCPU fd (group CPU_SYSREGS, attr = the register's
 * encoding), where reads of ICC_IAR1_EL1 acknowledge and writes of
 * ICC_EOIR1_EL1 complete, as the guest's own accesses do.
 */
#define KVM_IRQCHIP_GIC_GRP_ADDR		0
#define KVM_IRQCHIP_GIC_GRP_DIST_REGS		1
#define KVM_IRQCHIP_GIC_GRP_NR_IRQS		3
#define KVM_IRQCHIP_GIC_GRP_CTRL		4
#define KVM_IRQCHIP_GIC_GRP_REDIST_REGS		5
#define KVM_IRQCHIP_GIC_GRP_CPU_SYSREGS		6
#define KVM_IRQCHIP_GIC_GRP_ITS_REGS		8
/* Ours: per-DeviceID count of dropped MSIs (attr = DeviceID, __u64) */
#define KVM_IRQCHIP_GIC_GRP_ITS_DROPS		0x100

/* GRP_ADDR attributes (__u64 guest-physical base, 64K aligned) */
#define KVM_IRQCHIP_GIC_ADDR_DIST		2
#define KVM_IRQCHIP_GIC_ADDR_REDIST		3
#define KVM_IRQCHIP_GIC_ADDR_ITS		4
#define KVM_IRQCHIP_GIC_DIST_SIZE		0x10000
#define KVM_IRQCHIP_GIC_REDIST_SIZE		0x20000	/* per vCPU */
#define KVM_IRQCHIP_GIC_ITS_SIZE		0x20000
/* GITS_TRANSLATER, the MSI doorbell, in the ITS's second frame */
#define KVM_IRQCHIP_GIC_ITS_TRANSLATER		0x10040

/*
 * Ours, in the ITS's implementation-defined register space: the error
 * code of the command that stalled the queue (GITS_CREADR.Stalled), 0
 * when none; cleared by a GITS_CWRITER write with Retry set.
 */
#define KVM_IRQCHIP_GIC_ITS_ERROR		0xc000

/* GRP_CTRL attributes */
#define KVM_IRQCHIP_GIC_CTRL_INIT		0
#define KVM_IRQCHIP_GIC_ITS_SAVE_TABLES		1
#define KVM_IRQCHIP_GIC_ITS_RESTORE_TABLES	2
#define KVM_IRQCHIP_GIC_SAVE_PENDING_TABLES	3
#define KVM_IRQCHIP_GIC_ITS_CTRL_RESET		4

/* DIST_REGS, REDIST_REGS, CPU_SYSREGS: attr = mpidr << 32 | offset/instr */
#define KVM_IRQCHIP_GIC_MPIDR_SHIFT		32
#define KVM_IRQCHIP_GIC_OFFSET_MASK		0xffffffffULL
#define KVM_IRQCHIP_GIC_SYSREG_INSTR_MASK	0xffffULL

/* CPU_SYSREGS instr: the A64 encoding op0:op1:CRn:CRm:op2 */
#define KVM_IRQCHIP_GIC_SYSREG(op0, op1, crn, crm, op2) \
	(((op0) << 14) | ((op1) << 11) | ((crn) << 7) | ((crm) << 3) | (op2))
#define KVM_IRQCHIP_GIC_ICC_PMR_EL1	KVM_IRQCHIP_GIC_SYSREG(3, 0, 4, 6, 0)
#define KVM_IRQCHIP_GIC_ICC_IAR0_EL1	KVM_IRQCHIP_GIC_SYSREG(3, 0, 12, 8, 0)
#define KVM_IRQCHIP_GIC_ICC_EOIR0_EL1	KVM_IRQCHIP_GIC_SYSREG(3, 0, 12, 8, 1)
#define KVM_IRQCHIP_GIC_ICC_HPPIR0_EL1	KVM_IRQCHIP_GIC_SYSREG(3, 0, 12, 8, 2)
#define KVM_IRQCHIP_GIC_ICC_BPR0_EL1	KVM_IRQCHIP_GIC_SYSREG(3, 0, 12, 8, 3)
#define KVM_IRQCHIP_GIC_ICC_AP0R0_EL1	KVM_IRQCHIP_GIC_SYSREG(3, 0, 12, 8, 4)
#define KVM_IRQCHIP_GIC_ICC_AP1R0_EL1	KVM_IRQCHIP_GIC_SYSREG(3, 0, 12, 9, 0)
#define KVM_IRQCHIP_GIC_ICC_DIR_EL1	KVM_IRQCHIP_GIC_SYSREG(3, 0, 12, 11, 1)
#define KVM_IRQCHIP_GIC_ICC_RPR_EL1	KVM_IRQCHIP_GIC_SYSREG(3, 0, 12, 11, 3)
#define KVM_IRQCHIP_GIC_ICC_SGI1R_EL1	KVM_IRQCHIP_GIC_SYSREG(3, 0, 12, 11, 5)
#define KVM_IRQCHIP_GIC_ICC_SGI0R_EL1	KVM_IRQCHIP_GIC_SYSREG(3, 0, 12, 11, 7)
#define KVM_IRQCHIP_GIC_ICC_IAR1_EL1	KVM_IRQCHIP_GIC_SYSREG(3, 0, 12, 12, 0)
#define KVM_IRQCHIP_GIC_ICC_EOIR1_EL1	KVM_IRQCHIP_GIC_SYSREG(3, 0, 12, 12, 1)
#define KVM_IRQCHIP_GIC_ICC_HPPIR1_EL1	KVM_IRQCHIP_GIC_SYSREG(3, 0, 12, 12, 2)
#define KVM_IRQCHIP_GIC_ICC_BPR1_EL1	KVM_IRQCHIP_GIC_SYSREG(3, 0, 12, 12, 3)
#define KVM_IRQCHIP_GIC_ICC_CTLR_EL1	KVM_IRQCHIP_GIC_SYSREG(3, 0, 12, 12, 4)
#define KVM_IRQCHIP_GIC_ICC_SRE_EL1	KVM_IRQCHIP_GIC_SYSREG(3, 0, 12, 12, 5)
#define KVM_IRQCHIP_GIC_ICC_IGRPEN0_EL1	KVM_IRQCHIP_GIC_SYSREG(3, 0, 12, 12, 6)
#define KVM_IRQCHIP_GIC_ICC_IGRPEN1_EL1	KVM_IRQCHIP_GIC_SYSREG(3, 0, 12, 12, 7)

/* INTID read from ICC_IAR*_EL1 when nothing can be acknowledged */
#define KVM_IRQCHIP_GIC_INTID_SPURIOUS		1023

/*
 * Give the instance a region of guest memory (the ITS command queue and
 * tables, the LPI configuration and pending tables live there), with
 * KVM_SET_USER_MEMORY_REGION's struct and rules; memory_size 0 deletes.
 */
#define KVM_IRQCHIP_GIC_SET_MEMORY_REGION \
	_IOW(KVMIO, 0xfc, struct kvm_userspace_memory_region)

#endif /* _UAPI_LINUX_KVM_IRQCHIP_H */
