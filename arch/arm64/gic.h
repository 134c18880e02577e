/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm-irqchip arm64 model: a GICv3 with one ITS.  What its files share.
 *
 * dist.c    the distributor: SPIs, GICD_* registers;
 * redist.c  the redistributors, one per vCPU: SGIs, PPIs, LPI pending
 *           state, GICR_* registers;
 * cpuif.c   the CPU interface of each vCPU: ICC_* system registers,
 *           highest priority pending interrupt, acknowledge, EOI;
 * mem.c     the guest memory regions the VMM gives the instance;
 * its.c     the ITS: GITS_* registers, translation tables in kernel
 *           memory, the translation cache of the fast path;
 * its_cmd.c the ITS command queue and its commands;
 * state.c   save/restore: ITS tables and LPI pending tables to and from
 *           guest memory;
 * model.c   ties them into struct kic_model_ops.
 *
 * LOCKING
 *   gic->lock (spinlock, irq-safe) guards every piece of interrupt state
 *   the delivery paths touch: SPIs, every redistributor and CPU interface,
 *   the LPI configuration cache, the LPI pending bitmaps and the ITS
 *   translation cache.  One lock makes a translation and the pending bit
 *   it sets one atomic step against ITS commands, which is what makes
 *   cache invalidation exact.  Taken from the eventfd wakeup.
 *   its->lock (mutex) guards the ITS registers, its translation tables and
 *   the command queue; process context only.
 *   gic->mem.lock (mutex) guards the guest memory regions.
 *   Order: its->lock -> gic->mem.lock; its->lock -> gic->lock.  Nothing
 *   is called into the core (kic_pin_acked()) with gic->lock held.
 * LIFETIME
 *   Everything lives as long as the instance: allocated by init, freed by
 *   destroy.  ITS devices, ITEs and LPIs are created and freed by commands
 *   under its->lock; the fast path never dereferences them, it copies
 *   values out of the translation cache.
 */
#ifndef _KVM_IRQCHIP_ARCH_ARM64_GIC_H
#define _KVM_IRQCHIP_ARCH_ARM64_GIC_H

#include <linux/bitfield.h>
#include <linux/bits.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include <kvm_irqchip/kic.h>
#include <kvm_irqchip/vcpu.h>

struct mm_struct;

/* Interrupt ID space (GICv3 spec 2.2) */
#define GIC_NR_SGIS		16
#define GIC_NR_PRIVATE		32
#define GIC_MAX_SPIS		988	/* INTIDs 32..1019 */
#define GIC_DEFAULT_NR_IRQS	256	/* KVM's default when unset */
#define GIC_INTID_SPECIAL	1020
#define GIC_INTID_SPURIOUS	1023
#define GIC_LPI_BASE		8192
#define GIC_ID_BITS		16	/* INTIDs and EventIDs: 16 bits */
#define GIC_DEV_BITS		16	/* DeviceIDs */
#define GIC_NR_LPIS		((1U << GIC_ID_BITS) - GIC_LPI_BASE)

/* Five priority bits, as KVM: the low three read as zero. */
#define GIC_PRI_BITS		5
#define GIC_PRI_MASK		GENMASK(7, 8 - GIC_PRI_BITS)
#define GIC_PRI_IDLE		0xff
#define GIC_BPR1_MIN		(8 - GIC_PRI_BITS)
#define GIC_BPR0_MIN		(GIC_BPR1_MIN - 1)

#define GIC_ADDR_UNDEF		(~0ULL)
#define GIC_DIST_SIZE		0x10000
#define GIC_REDIST_SIZE		0x20000	/* RD_base + SGI_base frames */
#define GIC_SGI_FRAME		0x10000
#define GIC_ITS_SIZE		0x20000
#define GIC_FRAME_ALIGN		0x10000

/* GICD_CTLR / GICD_TYPER */
#define GICD_CTLR_ENABLE_G0	BIT(0)
#define GICD_CTLR_ENABLE_G1	BIT(1)
#define GICD_CTLR_ARE		BIT(4)
#define GICD_CTLR_DS		BIT(6)
#define GICD_TYPER_ITLINES	GENMASK(4, 0)
#define GICD_TYPER_LPIS		BIT(17)
#define GICD_TYPER_IDBITS	GENMASK(23, 19)
#define GIC_IROUTER_IRM		BIT_ULL(31)
#define GIC_IROUTER_AFF		(GENMASK_ULL(39, 32) | GENMASK_ULL(23, 0))
#define GIC_PIDR2_ARCH_GICV3	0x3b

/* Implementer ARM (JEP106 0x43b), product 0x4c: kvm-irqchip, revision 0 */
#define GIC_IIDR_VALUE		(0x4c000000U | 0x43b)

/* GICR_* bits */
#define GICR_CTLR_ENABLE_LPIS	BIT(0)
#define GICR_TYPER_PLPIS	BIT_ULL(0)
#define GICR_TYPER_LAST		BIT_ULL(4)
#define GICR_TYPER_PROCNUM	GENMASK_ULL(23, 8)
#define GICR_TYPER_AFFINITY	GENMASK_ULL(63, 32)
#define GICR_WAKER_SLEEP	BIT(1)
#define GICR_WAKER_ASLEEP	BIT(2)
#define GICR_PROPBASER_IDBITS	GENMASK_ULL(4, 0)
#define GIC_BASER_PA		GENMASK_ULL(51, 12)
#define GICR_PENDBASER_PA	GENMASK_ULL(51, 16)

/* LPI configuration table entry (GICv3 spec 5.1.1) */
#define GIC_LPI_CFG_ENABLE	BIT(0)
#define GIC_LPI_CFG_PRIO	GENMASK(7, 2)

/* ICC_* values */
#define ICC_CTLR_CBPR		BIT(0)
#define ICC_CTLR_EOIMODE	BIT(1)
#define ICC_CTLR_PRIBITS	GENMASK(10, 8)
#define ICC_SRE_VALUE		0x7	/* SRE, DFB, DIB: RAO/WI */
#define ICC_SGI1R_TARGETS	GENMASK_ULL(15, 0)
#define ICC_SGI1R_AFF1		GENMASK_ULL(23, 16)
#define ICC_SGI1R_INTID		GENMASK_ULL(27, 24)
#define ICC_SGI1R_AFF2		GENMASK_ULL(39, 32)
#define ICC_SGI1R_IRM		BIT_ULL(40)
#define ICC_SGI1R_RS		GENMASK_ULL(47, 44)
#define ICC_SGI1R_AFF3		GENMASK_ULL(55, 48)

/* MPIDR affinity fields, and KVM's vCPU index to MPIDR mapping */
#define GIC_MPIDR_AFF0		GENMASK_ULL(7, 0)
#define GIC_MPIDR_AFF1		GENMASK_ULL(15, 8)
#define GIC_MPIDR_AFF2		GENMASK_ULL(23, 16)
#define GIC_MPIDR_AFF3		GENMASK_ULL(39, 32)

/**
 * struct gic_irq - an SGI, PPI or SPI
 * @priority: GICD_IPRIORITYR / GICR_IPRIORITYR (five bits kept)
 * @line: kic_src bits driving the input high (level-sensitive)
 * @latch: pending latch: an edge, or a write to ISPENDR
 * @enabled: ISENABLER
 * @active: ISACTIVER
 * @group1: IGROUPR (Group 1 when set; the reset value, as KVM's GICv3)
 * @edge: ICFGR: edge-triggered
 * @route: SPIs: GICD_IROUTER (affinity or 1-of-N)
 * @target: SPIs: the vCPU @route names, or -1 when it names none
 */
struct gic_irq {
	u8 priority;
	u8 line;
	bool latch;
	bool enabled;
	bool active;
	bool group1;
	bool edge;
	u64 route;
	s32 target;
};

/**
 * struct gic_cpu - one vCPU's redistributor and CPU interface
 * @mpidr: the vCPU's affinity (KVM's mapping of the vCPU index)
 * @private: its SGIs and PPIs
 * @lpis_enabled: GICR_CTLR.EnableLPIs
 * @waker: GICR_WAKER.ProcessorSleep
 * @propbaser: GICR_PROPBASER
 * @pendbaser: GICR_PENDBASER
 * @lpi_pending: one bit per LPI (INTID - 8192) pending here
 * @pmr: ICC_PMR_EL1
 * @bpr0: ICC_BPR0_EL1
 * @bpr1: ICC_BPR1_EL1
 * @ctlr: ICC_CTLR_EL1 writable bits (CBPR, EOImode)
 * @igrpen0: ICC_IGRPEN0_EL1
 * @igrpen1: ICC_IGRPEN1_EL1
 * @ap0r: ICC_AP0R0_EL1, active group 0 priorities
 * @ap1r: ICC_AP1R0_EL1, active group 1 priorities (bit n: priority n << 3)
 *
 * All under gic->lock.
 */
struct gic_cpu {
	u64 mpidr;
	struct gic_irq private[GIC_NR_PRIVATE];
	bool lpis_enabled;
	u32 waker;
	u64 propbaser;
	u64 pendbaser;
	unsigned long *lpi_pending;
	u8 pmr;
	u8 bpr0;
	u8 bpr1;
	u32 ctlr;
	bool igrpen0;
	bool igrpen1;
	u32 ap0r;
	u32 ap1r;
};

/**
 * struct gic_memslot - a guest memory region (KVM's memslot)
 * @gpa: guest-physical base
 * @size: bytes
 * @hva: userspace address of @gpa in the VMM
 */
struct gic_memslot {
	u64 gpa;
	u64 size;
	u64 hva;
};

#define GIC_MEM_SLOTS		32

/**
 * struct gic_mem - the guest memory regions
 * @lock: guards the slots and @mm
 * @mm: the VMM's address space, held (mmgrab) since the first region
 * @slots: the regions, by slot number; size 0 when unused
 */
struct gic_mem {
	struct mutex lock;	/* see LOCKING in gic.h */
	struct mm_struct *mm;
	struct gic_memslot slots[GIC_MEM_SLOTS];
};

/**
 * struct gic_tc_entry - one translation of the ITS translation cache
 * @valid: the entry holds a translation
 * @devid: DeviceID
 * @eventid: EventID
 * @intid: the LPI
 * @icid: the collection (for invalidation by MAPC)
 * @vcpu: the target redistributor
 */
struct gic_tc_entry {
	bool valid;
	u32 devid;
	u32 eventid;
	u32 intid;
	u16 icid;
	u32 vcpu;
};

/* Direct-mapped, 1024 translations: 32 devices x 32 events without loss. */
#define GIC_TC_SIZE		1024

#define GITS_BASER_NR		8

/**
 * struct gic_its - the ITS
 * @lock: guards everything but @tc and @enabled_fast (see LOCKING)
 * @enabled: GITS_CTLR.Enabled
 * @enabled_fast: copy of @enabled for the fast path, under gic->lock
 * @cbaser: GITS_CBASER
 * @cwriter: GITS_CWRITER
 * @creadr: GITS_CREADR (offset and Stalled bit)
 * @error: the architected error code of the command that stalled the
 *	queue, 0 when not stalled
 * @baser: GITS_BASER<n>: 0 the device table, 1 the collection table
 * @abi_rev: GITS_IIDR.Revision: the table layout (ABI REV0)
 * @devices: DeviceID -> struct gic_its_device
 * @collections: ICID -> xa_mk_value(target vCPU)
 * @lpis: INTID -> struct gic_lpi
 * @drops: DeviceID -> xa_mk_value(count): MSIs of that device dropped
 * @tc: the translation cache, under gic->lock
 */
struct gic_its {
	struct mutex lock;	/* see LOCKING in gic.h */
	bool enabled;
	bool enabled_fast;
	u64 cbaser;
	u64 cwriter;
	u64 creadr;
	u32 error;
	u64 baser[GITS_BASER_NR];
	u32 abi_rev;
	struct xarray devices;
	struct xarray collections;
	struct xarray lpis;
	struct xarray drops;
	struct gic_tc_entry tc[GIC_TC_SIZE];
};

/**
 * struct gic_its_device - a DeviceID mapped by MAPD
 * @nbits: EventID bits (MAPD Size + 1)
 * @itt: the ITT address the guest gave (where save writes it)
 * @ites: EventID -> struct gic_its_ite
 */
struct gic_its_device {
	u32 nbits;
	u64 itt;
	struct xarray ites;
};

/**
 * struct gic_its_ite - an event mapped by MAPTI/MAPI
 * @intid: the LPI
 * @icid: the collection
 */
struct gic_its_ite {
	u32 intid;
	u16 icid;
};

/**
 * struct gic_lpi - an LPI some ITE maps to
 * @refs: ITEs mapping it
 * @target: the vCPU it is pending on when it is (gic->lock to change)
 */
struct gic_lpi {
	u32 refs;
	u32 target;
};

/**
 * struct gic - the model of one instance
 * @kic: the instance
 * @lock: interrupt state (see LOCKING)
 * @nr_spis: SPIs implemented (KVM_DEV_ARM_VGIC_GRP_NR_IRQS - 32)
 * @nr_irqs_set: KVM_DEV_ARM_VGIC_GRP_NR_IRQS was set (once)
 * @ctlr: GICD_CTLR group enables
 * @spis: the SPIs, GIC_MAX_SPIS of them
 * @cpus: per vCPU, index as the instance's
 * @lpi_cfg: the LPI configuration table, cached from guest memory by
 *	MAPTI, INV and INVALL; indexed by INTID - 8192
 * @dist_base: distributor base (KVM_VGIC_V3_ADDR_TYPE_DIST)
 * @redist_base: base of the redistributors (KVM_VGIC_V3_ADDR_TYPE_REDIST)
 * @its_base: ITS control frame base (KVM_VGIC_ITS_ADDR_TYPE)
 * @mem: guest memory
 * @its: the ITS
 */
struct gic {
	struct kic *kic;
	spinlock_t lock;	/* see LOCKING in gic.h */
	u32 nr_spis;
	bool nr_irqs_set;
	u32 ctlr;
	struct gic_irq *spis;
	struct gic_cpu *cpus;
	u8 *lpi_cfg;
	u64 dist_base;
	u64 redist_base;
	u64 its_base;
	struct gic_mem mem;
	struct gic_its its;
};

static inline struct gic *kic_gic(struct kic *kic)
{
	return kic->model;
}

static inline bool gic_is_lpi(u32 intid)
{
	return intid >= GIC_LPI_BASE && intid < GIC_LPI_BASE + GIC_NR_LPIS;
}

static inline bool gic_irq_pending(const struct gic_irq *irq)
{
	return irq->latch || (!irq->edge && irq->line);
}

/* The vCPU index to MPIDR mapping KVM uses (16 vCPUs per Aff1 cluster) */
static inline u64 gic_index_to_mpidr(u32 index)
{
	return FIELD_PREP(GIC_MPIDR_AFF0, index & 0xf) |
	       FIELD_PREP(GIC_MPIDR_AFF1, (index >> 4) & 0xff) |
	       FIELD_PREP(GIC_MPIDR_AFF2, (index >> 12) & 0xff);
}

/* KVM's attr mpidr field (Aff3..Aff0 in bits 31:0 of the field) to MPIDR */
static inline u64 gic_attr_to_mpidr(u32 field)
{
	return (field & 0xffffffULL) | (u64)(field >> 24) << 32;
}

int gic_mpidr_to_index(struct gic *gic, u64 mpidr);

/* dist.c */
int gic_dist_init(struct gic *gic);
void gic_dist_free(struct gic *gic);
int gic_dist_read(struct gic *gic, u32 off, u32 *val, bool uaccess);
int gic_dist_write(struct gic *gic, u32 off, u32 val, u32 mask, bool uaccess);
int gic_spi_set_level(struct gic *gic, u32 spi, unsigned int src, int level);
struct gic_irq *gic_get_irq(struct gic *gic, struct gic_cpu *cpu, u32 intid);
void gic_spi_update_target(struct gic *gic, struct gic_irq *irq);

/* redist.c */
int gic_redist_init(struct gic *gic);
void gic_redist_free(struct gic *gic);
int gic_redist_read(struct gic *gic, u32 vcpu, u32 off, u32 *val,
		    bool uaccess);
int gic_redist_write(struct gic *gic, u32 vcpu, u32 off, u32 val, u32 mask,
		     bool uaccess);
int gic_irq_reg_read(struct gic *gic, struct gic_cpu *cpu, u32 base_intid,
		     u32 off, u32 *val, bool uaccess);
int gic_irq_reg_write(struct gic *gic, struct gic_cpu *cpu, u32 base_intid,
		      u32 off, u32 val, u32 mask, bool uaccess);
bool gic_lpi_set_pending(struct gic *gic, u32 vcpu, u32 intid);
void gic_lpi_clear_pending(struct gic *gic, u32 vcpu, u32 intid);
void gic_lpi_move_pending(struct gic *gic, u32 from, u32 to, u32 intid);
int gic_lpi_read_config(struct gic *gic, u32 intid);

/* cpuif.c */
bool gic_cpu_has_pending(struct gic *gic, u32 vcpu);
int gic_sysreg_access(struct gic *gic, u32 vcpu, u32 instr, u64 *val,
		      bool write, bool uaccess);
void gic_cpu_reset(struct gic_cpu *cpu);
void gic_kick(struct gic *gic, u32 vcpu);
void gic_kick_all(struct gic *gic);

/* mem.c */
void gic_mem_init(struct gic_mem *mem);
void gic_mem_free(struct gic_mem *mem);
int gic_mem_set_region(struct gic *gic,
		       const struct kvm_userspace_memory_region *region);
int gic_mem_read(struct gic *gic, u64 gpa, void *buf, size_t len);
int gic_mem_write(struct gic *gic, u64 gpa, const void *buf, size_t len);

/* its.c */
void gic_its_init(struct gic *gic);
void gic_its_free(struct gic *gic);
int gic_its_read(struct gic *gic, u32 off, u64 *val, u32 len, bool uaccess);
int gic_its_write(struct gic *gic, u32 off, u64 val, u32 len, bool uaccess);
int gic_its_msi_fast(struct gic *gic, u32 devid, u32 eventid);
int gic_its_msi(struct gic *gic, u32 devid, u32 eventid);
u64 gic_its_doorbell(struct gic *gic);
void gic_its_tc_flush(struct gic *gic, bool (*match)(const struct gic_tc_entry *,
						     u64), u64 arg);
void gic_its_tc_drop(struct gic *gic, u32 devid, u32 eventid);
u64 gic_its_drops(struct gic *gic, u32 devid);
void gic_its_unmap_device(struct gic *gic, u32 devid);
void gic_its_free_ite(struct gic *gic, struct gic_its_ite *ite);
int gic_its_map_ite(struct gic *gic, struct gic_its_device *dev, u32 eventid,
		    u32 intid, u16 icid);
bool gic_its_id_in_table(struct gic *gic, unsigned int n, u64 id);
u64 gic_its_table_addr(struct gic *gic, unsigned int n);
u64 gic_its_table_size(struct gic *gic, unsigned int n);
u64 gic_its_queue_size(struct gic *gic);
void gic_its_reset(struct gic *gic);

/* its_cmd.c */
void gic_its_process_queue(struct gic *gic);

/* state.c */
int gic_its_save_tables(struct gic *gic);
int gic_its_restore_tables(struct gic *gic);
int gic_save_pending_tables(struct gic *gic);

#endif /* _KVM_IRQCHIP_ARCH_ARM64_GIC_H */
