/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the arm64-gicv3 selftests (header-only: the Makefile links
 * kic_util.o alone).  A "struct gic" is an instance of the GICv3 model
 * with its frames placed where QEMU's virt machine has them, its vCPU
 * fds, and optionally guest memory for the ITS (gic_its_setup()).
 *
 * Every wrapper returns what the user sees: the ioctl's result or -errno.
 */
#ifndef GIC_UTIL_H
#define GIC_UTIL_H

#include <endian.h>
#include <sys/mman.h>

#include "kic_util.h"

#define GIC_DIST_BASE	0x08000000ull
#define GIC_ITS_BASE	0x08080000ull
#define GIC_REDIST_BASE	0x080a0000ull
#define GIC_DOORBELL	(GIC_ITS_BASE + KVM_IRQCHIP_GIC_ITS_TRANSLATER)
#define GIC_SPURIOUS	((uint32_t)KVM_IRQCHIP_GIC_INTID_SPURIOUS)
#define GIC_LPI(n)	(8192u + (n))

/* GICD / GICR registers (GICv3 spec 12.9, 12.10, 12.11) */
#define GICD_CTLR	0x0000
#define GICD_TYPER	0x0004
#define GICD_IIDR	0x0008
#define GICD_IGROUPR	0x0080
#define GICD_ISENABLER	0x0100
#define GICD_ICENABLER	0x0180
#define GICD_ISPENDR	0x0200
#define GICD_ICPENDR	0x0280
#define GICD_ISACTIVER	0x0300
#define GICD_ICACTIVER	0x0380
#define GICD_IPRIORITYR	0x0400
#define GICD_ICFGR	0x0c00
#define GICD_IROUTER	0x6000
#define GICD_PIDR2	0xffe8
#define GICR_CTLR	0x0000
#define GICR_TYPER	0x0008
#define GICR_PROPBASER	0x0070
#define GICR_PENDBASER	0x0078
#define GICR_SGI	0x10000
#define CTLR_G0		1u
#define CTLR_G1		2u
#define IROUTER_IRM	BIT_ULL(31)

/* GITS registers (GICv3 spec 12.19) */
#define GITS_CTLR	0x0000
#define GITS_IIDR	0x0004
#define GITS_TYPER	0x0008
#define GITS_CBASER	0x0080
#define GITS_CWRITER	0x0088
#define GITS_CREADR	0x0090
#define GITS_BASER(n)	(0x0100 + 8 * (n))
#define GITS_VALID	BIT_ULL(63)

/* ICC registers */
#define ICC_IAR1	KVM_IRQCHIP_GIC_ICC_IAR1_EL1
#define ICC_EOIR1	KVM_IRQCHIP_GIC_ICC_EOIR1_EL1
#define ICC_DIR		KVM_IRQCHIP_GIC_ICC_DIR_EL1
#define ICC_PMR		KVM_IRQCHIP_GIC_ICC_PMR_EL1
#define ICC_BPR1	KVM_IRQCHIP_GIC_ICC_BPR1_EL1
#define ICC_RPR		KVM_IRQCHIP_GIC_ICC_RPR_EL1
#define ICC_CTLR	KVM_IRQCHIP_GIC_ICC_CTLR_EL1
#define ICC_SGI1R	KVM_IRQCHIP_GIC_ICC_SGI1R_EL1
#define ICC_IGRPEN1	KVM_IRQCHIP_GIC_ICC_IGRPEN1_EL1
#define ICC_HPPIR1	KVM_IRQCHIP_GIC_ICC_HPPIR1_EL1

/* Guest memory of the ITS tests: one mapping, at GIC_MEM_GPA */
#define GIC_MEM_GPA	0x40000000ull
#define GIC_MEM_SIZE	(8ull << 20)
#define GIC_CMDQ	0x000000ull	/* 16K: 512 commands */
#define GIC_DEVTAB	0x010000ull	/* 64K: 8192 DeviceIDs */
#define GIC_COLLTAB	0x020000ull	/* 4K: 512 collections */
#define GIC_PROPTAB	0x030000ull	/* 64K: LPI configuration */
#define GIC_PENDTAB(v)	(0x100000ull + (v) * 0x10000ull)	/* 64K each */
#define GIC_ITT(d)	(0x400000ull + (d) * 0x1000ull)	/* 4K each */
#define GIC_LPI_PRIO	0xa0

struct gic {
	int fd;
	unsigned int nr;
	int vcpu[16];
	uint8_t *mem;		/* guest memory, GIC_MEM_SIZE at GIC_MEM_GPA */
	uint64_t cwriter;
};

static inline long gic_attr(int fd, unsigned long req, uint32_t group,
			    uint64_t attr, void *val)
{
	struct kvm_device_attr a = {
		.group = group, .attr = attr, .addr = (uint64_t)(uintptr_t)val,
	};

	return xioctl(fd, req, &a);
}

static inline uint64_t gic_mpidr_attr(unsigned int vcpu)
{
	/* KVM's mapping: Aff0 = index % 16, Aff1 = index / 16 */
	return (uint64_t)((vcpu & 0xf) | ((vcpu >> 4) & 0xff) << 8) <<
	       KVM_IRQCHIP_GIC_MPIDR_SHIFT;
}

static inline long gic_set_addr(int fd, uint64_t type, uint64_t addr)
{
	return gic_attr(fd, KVM_SET_DEVICE_ATTR, KVM_IRQCHIP_GIC_GRP_ADDR, type,
			&addr);
}

/* KVM_IRQCHIP_CREATE with default routing, the three frames placed */
static inline long gic_init(struct gic *g, unsigned int nr)
{
	struct kvm_irqchip_create c = {
		.model = KVM_IRQCHIP_MODEL_ARM64_GICV3, .nr_vcpus = nr,
		.flags = KVM_IRQCHIP_CREATE_DEFAULT_ROUTING,
	};
	long r;

	memset(g, 0, sizeof(*g));
	g->fd = kic_open();
	if (g->fd < 0)
		return -errno;
	r = xioctl(g->fd, KVM_IRQCHIP_CREATE, &c);
	if (r)
		return r;
	for (unsigned int i = 0; i < nr; i++) {
		g->vcpu[i] = xioctl_val(g->fd, KVM_IRQCHIP_GET_VCPU_FD, i);
		if (g->vcpu[i] < 0)
			return g->vcpu[i];
		g->nr++;
	}
	r = gic_set_addr(g->fd, KVM_IRQCHIP_GIC_ADDR_DIST, GIC_DIST_BASE);
	if (!r)
		r = gic_set_addr(g->fd, KVM_IRQCHIP_GIC_ADDR_REDIST, GIC_REDIST_BASE);
	if (!r)
		r = gic_set_addr(g->fd, KVM_IRQCHIP_GIC_ADDR_ITS, GIC_ITS_BASE);
	return r;
}

static inline void gic_fini(struct gic *g)
{
	for (unsigned int i = 0; i < g->nr; i++)
		close(g->vcpu[i]);
	if (g->fd >= 0)
		close(g->fd);
	if (g->mem)
		munmap(g->mem, GIC_MEM_SIZE);
}

/* Guest MMIO through KVM_IRQCHIP_IO; reads return the value or ~0 */
static inline long gic_mmio_write(int fd, uint64_t addr, uint32_t len,
				  uint64_t val)
{
	struct kvm_irqchip_io io = {
		.addr = addr, .data = val, .len = len,
		.flags = KVM_IRQCHIP_IO_WRITE,
	};

	return xioctl(fd, KVM_IRQCHIP_IO, &io);
}

static inline long gic_mmio_read(int fd, uint64_t addr, uint32_t len,
				 uint64_t *val)
{
	struct kvm_irqchip_io io = { .addr = addr, .len = len };
	long r = xioctl(fd, KVM_IRQCHIP_IO, &io);

	*val = io.data;
	return r;
}

static inline uint32_t gicd_read(struct gic *g, uint32_t off)
{
	uint64_t v = ~0ull;

	return gic_mmio_read(g->fd, GIC_DIST_BASE + off, 4, &v) ? ~0u : v;
}

static inline long gicd_write(struct gic *g, uint32_t off, uint32_t v)
{
	return gic_mmio_write(g->fd, GIC_DIST_BASE + off, 4, v);
}

static inline uint64_t gicr_addr(unsigned int vcpu, uint32_t off)
{
	return GIC_REDIST_BASE + vcpu * 0x20000ull + off;
}

static inline uint32_t gicr_read(struct gic *g, unsigned int vcpu, uint32_t off)
{
	uint64_t v = ~0ull;

	return gic_mmio_read(g->fd, gicr_addr(vcpu, off), 4, &v) ? ~0u : v;
}

static inline long gicr_write(struct gic *g, unsigned int vcpu, uint32_t off,
			      uint64_t v, uint32_t len)
{
	return gic_mmio_write(g->fd, gicr_addr(vcpu, off), len, v);
}

/* The CPU interface through the vCPU fd */
static inline uint64_t icc_read(struct gic *g, unsigned int vcpu, uint32_t reg)
{
	uint64_t v = ~0ull;

	if (gic_attr(g->vcpu[vcpu], KVM_GET_DEVICE_ATTR,
		     KVM_IRQCHIP_GIC_GRP_CPU_SYSREGS, reg, &v))
		return ~0ull;
	return v;
}

static inline long icc_write(struct gic *g, unsigned int vcpu, uint32_t reg,
			     uint64_t v)
{
	return gic_attr(g->vcpu[vcpu], KVM_SET_DEVICE_ATTR,
			KVM_IRQCHIP_GIC_GRP_CPU_SYSREGS, reg, &v);
}

static inline uint32_t icc_ack(struct gic *g, unsigned int vcpu)
{
	return icc_read(g, vcpu, ICC_IAR1);
}

/* KVM_IRQ_LINE_STATUS: the status (1 newly pending, 0 coalesced) or -errno */
static inline long gic_line(int fd, uint32_t gsi, uint32_t level)
{
	int32_t status = -100;
	long r = irq_line_status(fd, gsi, level, &status);

	return r ? r : status;
}

/* Group 1 enabled in GICD and on each vCPU, PMR open */
static inline long gic_enable_all(struct gic *g)
{
	long r = gicd_write(g, GICD_CTLR, CTLR_G1);

	for (unsigned int i = 0; !r && i < g->nr; i++) {
		r = icc_write(g, i, ICC_PMR, 0xf8);
		if (!r)
			r = icc_write(g, i, ICC_IGRPEN1, 1);
	}
	return r;
}

/* SPI n (INTID 32 + n): enabled, priority, routed to vCPU, edge or level */
static inline long gic_spi_setup(struct gic *g, unsigned int spi, uint8_t prio,
				 unsigned int vcpu, int edge)
{
	unsigned int intid = 32 + spi;
	uint64_t v = 0;
	long r;

	r = gic_mmio_write(g->fd, GIC_DIST_BASE + GICD_IPRIORITYR + intid, 1, prio);
	if (!r)
		r = gic_mmio_write(g->fd, GIC_DIST_BASE + GICD_IROUTER + 8 * intid, 8,
				   (vcpu & 0xf) | ((vcpu >> 4) & 0xff) << 8);
	if (!r)
		r = gic_mmio_read(g->fd, GIC_DIST_BASE + GICD_ICFGR + intid / 16 * 4,
				  4, &v);
	if (!r) {
		v &= ~(3ull << (intid % 16 * 2));
		v |= (uint64_t)(edge ? 2 : 0) << (intid % 16 * 2);
		r = gicd_write(g, GICD_ICFGR + intid / 16 * 4, v);
	}
	if (!r)
		r = gicd_write(g, GICD_ISENABLER + intid / 32 * 4, 1u << (intid % 32));
	return r;
}

/* --- the ITS --- */

static inline long gic_mem_region(int fd, uint32_t slot, uint64_t gpa,
				  uint64_t size, void *hva)
{
	struct kvm_userspace_memory_region m = {
		.slot = slot, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	return xioctl(fd, KVM_IRQCHIP_GIC_SET_MEMORY_REGION, &m);
}

static inline long gits_write(struct gic *g, uint32_t off, uint64_t v)
{
	return gic_mmio_write(g->fd, GIC_ITS_BASE + off, 8, v);
}

static inline uint64_t gits_read(struct gic *g, uint32_t off)
{
	uint64_t v = ~0ull;

	return gic_mmio_read(g->fd, GIC_ITS_BASE + off, 8, &v) ? ~0ull : v;
}

static inline void gic_lpi_config(struct gic *g, uint32_t intid, uint8_t prio,
				  int enable)
{
	g->mem[GIC_PROPTAB + intid - 8192] = (prio & 0xfc) | (enable ? 1 : 0);
}

/*
 * Guest memory, LPIs on every redistributor (configuration table covering
 * 16 ID bits, every LPI below 8192 + 4096 enabled at GIC_LPI_PRIO), the
 * command queue, device and collection tables, and the ITS enabled.
 */
static inline long gic_its_setup(struct gic *g)
{
	long r;

	g->mem = mmap(NULL, GIC_MEM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->mem == MAP_FAILED) {
		g->mem = NULL;
		return -ENOMEM;
	}
	r = gic_mem_region(g->fd, 0, GIC_MEM_GPA, GIC_MEM_SIZE, g->mem);
	if (r)
		return r;
	for (uint32_t i = 0; i < 4096; i++)
		gic_lpi_config(g, GIC_LPI(i), GIC_LPI_PRIO, 1);
	for (unsigned int i = 0; !r && i < g->nr; i++) {
		r = gicr_write(g, i, GICR_PROPBASER, (GIC_MEM_GPA + GIC_PROPTAB) | 15, 8);
		if (!r)
			r = gicr_write(g, i, GICR_PENDBASER,
				       GIC_MEM_GPA + GIC_PENDTAB(i), 8);
		if (!r)
			r = gicr_write(g, i, GICR_CTLR, 1, 4);
	}
	if (!r)
		r = gits_write(g, GITS_CBASER, GITS_VALID | (GIC_MEM_GPA + GIC_CMDQ) | 3);
	if (!r)	/* 4K pages, 16 of them */
		r = gits_write(g, GITS_BASER(0), GITS_VALID |
			       (GIC_MEM_GPA + GIC_DEVTAB) | 15);
	if (!r)
		r = gits_write(g, GITS_BASER(1), GITS_VALID |
			       (GIC_MEM_GPA + GIC_COLLTAB) | 0);
	if (!r)
		r = gic_mmio_write(g->fd, GIC_ITS_BASE + GITS_CTLR, 4, 1);
	return r ? r : gic_enable_all(g);
}

/* A 64-bit word of guest memory at offset off: little-endian, as the ITS reads it */
static inline void gic_mem_write64(struct gic *g, uint64_t off, uint64_t v)
{
	uint64_t le = htole64(v);

	memcpy(g->mem + off, &le, sizeof(le));
}

/* Queue one command and run the queue (a guest's GITS_CWRITER write) */
static inline long its_cmd(struct gic *g, uint64_t d0, uint64_t d1, uint64_t d2,
			   uint64_t d3)
{
	uint64_t at = GIC_CMDQ + g->cwriter;

	gic_mem_write64(g, at, d0);
	gic_mem_write64(g, at + 8, d1);
	gic_mem_write64(g, at + 16, d2);
	gic_mem_write64(g, at + 24, d3);
	g->cwriter = (g->cwriter + 32) % 0x4000;
	return gits_write(g, GITS_CWRITER, g->cwriter);
}

/* The commands (GICv3 spec 6.3) */
static inline long its_mapd(struct gic *g, uint32_t dev, uint32_t bits, int valid)
{
	return its_cmd(g, 0x08 | (uint64_t)dev << 32, bits - 1,
		       (valid ? GITS_VALID : 0) | (GIC_MEM_GPA + GIC_ITT(dev)), 0);
}

static inline long its_mapc(struct gic *g, uint16_t icid, uint32_t vcpu, int valid)
{
	return its_cmd(g, 0x09, 0, (valid ? GITS_VALID : 0) |
		       (uint64_t)vcpu << 16 | icid, 0);
}

static inline long its_mapti(struct gic *g, uint32_t dev, uint32_t ev,
			     uint32_t intid, uint16_t icid)
{
	return its_cmd(g, 0x0a | (uint64_t)dev << 32,
		       ev | (uint64_t)intid << 32, icid, 0);
}

static inline long its_dev_ev(struct gic *g, uint8_t code, uint32_t dev,
			      uint32_t ev, uint16_t icid)
{
	return its_cmd(g, code | (uint64_t)dev << 32, ev, icid, 0);
}

#define its_movi(g, d, e, icid)	its_dev_ev(g, 0x01, d, e, icid)
#define its_int(g, d, e)	its_dev_ev(g, 0x03, d, e, 0)
#define its_clear(g, d, e)	its_dev_ev(g, 0x04, d, e, 0)
#define its_mapi(g, d, e, icid)	its_dev_ev(g, 0x0b, d, e, icid)
#define its_inv(g, d, e)	its_dev_ev(g, 0x0c, d, e, 0)
#define its_discard(g, d, e)	its_dev_ev(g, 0x0f, d, e, 0)

static inline long its_invall(struct gic *g, uint16_t icid)
{
	return its_cmd(g, 0x0d, 0, icid, 0);
}

static inline long its_sync(struct gic *g, uint32_t vcpu)
{
	return its_cmd(g, 0x05, 0, (uint64_t)vcpu << 16, 0);
}

static inline long its_movall(struct gic *g, uint32_t from, uint32_t to)
{
	return its_cmd(g, 0x0e, 0, (uint64_t)from << 16, (uint64_t)to << 16);
}

/* KVM_SIGNAL_MSI from DeviceID dev with EventID ev at the doorbell */
static inline long gic_msi(struct gic *g, uint32_t dev, uint32_t ev)
{
	return signal_msi_flags(g->fd, (uint32_t)GIC_DOORBELL,
				(uint32_t)(GIC_DOORBELL >> 32), ev,
				KVM_MSI_VALID_DEVID, dev);
}

static inline struct kvm_irq_routing_entry gic_route_msi(uint32_t gsi,
							 uint32_t dev,
							 uint32_t ev)
{
	struct kvm_irq_routing_entry e = route_msi(gsi, (uint32_t)GIC_DOORBELL,
						   (uint32_t)(GIC_DOORBELL >> 32),
						   ev);

	e.flags = KVM_MSI_VALID_DEVID;
	e.u.msi.devid = dev;
	return e;
}

static inline uint64_t its_drops(struct gic *g, uint32_t dev)
{
	uint64_t v = ~0ull;

	gic_attr(g->fd, KVM_GET_DEVICE_ATTR, KVM_IRQCHIP_GIC_GRP_ITS_DROPS, dev, &v);
	return v;
}

#endif
