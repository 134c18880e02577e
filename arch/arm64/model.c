// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip arm64 model (KVM_IRQCHIP_MODEL_ARM64_GICV3): routes, device
 * attributes, guest register accesses and vCPUs for a GICv3 with an ITS.
 *
 * Routes: an IRQCHIP route (irqchip 0, pin n) drives SPI n, INTID n + 32,
 * as KVM's arm64 routing does; the default table maps GSI n to SPI n.  An
 * MSI route needs KVM_MSI_VALID_DEVID (its devid is the DeviceID, its data
 * the EventID) and an address equal to the ITS's GITS_TRANSLATER; both are
 * checked at route setup when the ITS base is known, and the address
 * again at every delivery (the VMM may set the base after the routes).
 * KVM_SIGNAL_MSI follows the same rules.
 *
 * Register access: the guest's MMIO accesses to the distributor,
 * redistributors and ITS come through KVM_IRQCHIP_IO at the bases the VMM
 * set with KVM_IRQCHIP_GIC_GRP_ADDR; the VMM's own accesses (save and
 * restore) through the register groups of KVM_{GET,SET}_DEVICE_ATTR.  The
 * guest's system register accesses come through the vCPU fd.
 *
 * LOCKING: see gic.h.  The base addresses are written under kic->lock
 * (here: the attribute handlers take it) and read with READ_ONCE().
 * LIFETIME: the model lives from KVM_IRQCHIP_CREATE to the instance's end.
 */
#include <linux/kvm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <kvm_irqchip/kic.h>
#include <kvm_irqchip/model.h>
#include <kvm_irqchip/vcpu.h>

#include "gic.h"

static void kic_gic_free(struct gic *gic)
{
	gic_its_free(gic);
	gic_redist_free(gic);
	kvfree(gic->cpus);
	gic_dist_free(gic);
	gic_mem_free(&gic->mem);
	kfree(gic);
}

static int kic_gic_init(struct kic *kic)
{
	struct gic *gic;
	int r;

	gic = kzalloc(sizeof(*gic), GFP_KERNEL_ACCOUNT);
	if (!gic)
		return -ENOMEM;
	gic->kic = kic;
	spin_lock_init(&gic->lock);
	gic->dist_base = GIC_ADDR_UNDEF;
	gic->redist_base = GIC_ADDR_UNDEF;
	gic->its_base = GIC_ADDR_UNDEF;
	gic_mem_init(&gic->mem);
	gic_its_init(gic);
	gic->cpus = kvcalloc(kic->nr_vcpus, sizeof(*gic->cpus),
			     GFP_KERNEL_ACCOUNT);
	r = -ENOMEM;
	if (!gic->cpus)
		goto err;
	r = gic_dist_init(gic);
	if (!r)
		r = gic_redist_init(gic);
	if (r)
		goto err;
	kic->model = gic;
	return 0;
err:
	kic_gic_free(gic);
	return r;
}

static void kic_gic_destroy(struct kic *kic)
{
	kic_gic_free(kic_gic(kic));
	kic->model = NULL;
}

static int kic_gic_check_extension(long cap)
{
	return cap == KVM_CAP_MSI_DEVID ? 1 : 0;
}

static int kic_gic_enable_cap(struct kic *kic, const struct kvm_enable_cap *cap)
{
	return -EINVAL;
}

static u64 kic_gic_msi_address(u32 lo, u32 hi)
{
	return (u64)hi << 32 | lo;
}

static int kic_gic_route_setup(struct kic *kic,
			       const struct kvm_irq_routing_entry *ue,
			       struct kic_route *r)
{
	struct gic *gic = kic_gic(kic);
	u64 doorbell = gic_its_doorbell(gic);

	r->type = ue->type;
	r->flags = ue->flags;
	switch (ue->type) {
	case KVM_IRQ_ROUTING_IRQCHIP:
		if (ue->u.irqchip.irqchip || ue->u.irqchip.pin >= GIC_MAX_SPIS)
			return -EINVAL;
		r->pin.irqchip = 0;
		r->pin.pin = ue->u.irqchip.pin;
		return 0;
	case KVM_IRQ_ROUTING_MSI:
		/* The ITS translates per device: no DeviceID, no MSI */
		if (!(ue->flags & KVM_MSI_VALID_DEVID) ||
		    ue->u.msi.devid >= BIT(GIC_DEV_BITS))
			return -EINVAL;
		if (doorbell != GIC_ADDR_UNDEF &&
		    kic_gic_msi_address(ue->u.msi.address_lo,
					ue->u.msi.address_hi) != doorbell)
			return -EINVAL;
		r->msi.address_lo = ue->u.msi.address_lo;
		r->msi.address_hi = ue->u.msi.address_hi;
		r->msi.data = ue->u.msi.data;
		r->msi.devid = ue->u.msi.devid;
		return 0;
	default:
		return -EINVAL;
	}
}

/* The MSI's address must be the ITS doorbell; else -EINVAL, counted. */
static int kic_gic_check_doorbell(struct gic *gic, u32 lo, u32 hi)
{
	u64 doorbell = gic_its_doorbell(gic);

	if (doorbell != GIC_ADDR_UNDEF &&
	    kic_gic_msi_address(lo, hi) == doorbell)
		return 0;
	kic_stat_inc(gic->kic, KIC_STAT_REJECTED);
	return -EINVAL;
}

static int kic_gic_deliver(struct kic *kic, const struct kic_route *r,
			   unsigned int src, int level, unsigned int how)
{
	struct gic *gic = kic_gic(kic);
	int ret;

	switch (r->type) {
	case KVM_IRQ_ROUTING_IRQCHIP:
		ret = gic_spi_set_level(gic, r->pin.pin, src, level);
		if (how & KIC_SET_PULSE)
			gic_spi_set_level(gic, r->pin.pin, src, 0);
		return ret;
	case KVM_IRQ_ROUTING_MSI:
		if (!level)
			return -1;
		ret = kic_gic_check_doorbell(gic, r->msi.address_lo,
					     r->msi.address_hi);
		if (ret)
			return ret;
		if (how & KIC_SET_ATOMIC)
			ret = gic_its_msi_fast(gic, r->msi.devid, r->msi.data);
		else
			ret = gic_its_msi(gic, r->msi.devid, r->msi.data);
		if (ret > 0)
			kic_stat_inc(kic, KIC_STAT_DELIVERED);
		return ret;
	default:
		return -ENXIO;
	}
}

static int kic_gic_signal_msi(struct kic *kic, const struct kvm_msi *msi)
{
	struct gic *gic = kic_gic(kic);
	int r;

	if (!(msi->flags & KVM_MSI_VALID_DEVID))
		return -EINVAL;
	r = kic_gic_check_doorbell(gic, msi->address_lo, msi->address_hi);
	if (r)
		return r;
	/* KVM: > 0 delivered, 0 when the guest's tables dropped it */
	r = gic_its_msi(gic, msi->devid, msi->data);
	if (r > 0)
		kic_stat_inc(kic, KIC_STAT_DELIVERED);
	return r;
}

static struct kvm_irq_routing_entry
	kic_gic_defaults[GIC_DEFAULT_NR_IRQS - GIC_NR_PRIVATE];
static DEFINE_MUTEX(kic_gic_defaults_lock);

/* KVM's arm64 default table: GSI n to SPI n, for the default SPIs */
static const struct kvm_irq_routing_entry *kic_gic_default_routing(u32 *nr)
{
	u32 i;

	mutex_lock(&kic_gic_defaults_lock);
	for (i = 0; i < ARRAY_SIZE(kic_gic_defaults); i++) {
		kic_gic_defaults[i].gsi = i;
		kic_gic_defaults[i].type = KVM_IRQ_ROUTING_IRQCHIP;
		kic_gic_defaults[i].u.irqchip.irqchip = 0;
		kic_gic_defaults[i].u.irqchip.pin = i;
	}
	mutex_unlock(&kic_gic_defaults_lock);
	*nr = ARRAY_SIZE(kic_gic_defaults);
	return kic_gic_defaults;
}

/* Distributor and redistributor: 32-bit registers, byte priorities */
static bool kic_gic_is_priority(u32 off)
{
	return (off >= 0x400 && off < 0x800) ||
	       (off >= GIC_SGI_FRAME + 0x400 && off < GIC_SGI_FRAME + 0x420);
}

static int kic_gic_rw32(struct gic *gic, int vcpu, u32 off, u32 *val,
			u32 mask, bool write, bool uaccess)
{
	if (vcpu < 0)
		return write ? gic_dist_write(gic, off, *val, mask, uaccess) :
			       gic_dist_read(gic, off, val, uaccess);
	return write ? gic_redist_write(gic, vcpu, off, *val, mask, uaccess) :
		       gic_redist_read(gic, vcpu, off, val, uaccess);
}

/* A guest access of @len bytes to the distributor (@vcpu < 0) or a GICR */
static int kic_gic_frame_io(struct gic *gic, int vcpu, u32 off, u32 len,
			    bool write, u64 *data)
{
	u32 shift = (off & 3) * 8, v = *data, hi;
	int r;

	switch (len) {
	case 1:
		if (!kic_gic_is_priority(off))
			return -EINVAL;
		v = (u32)*data << shift;
		r = kic_gic_rw32(gic, vcpu, off & ~3U, &v, 0xffU << shift,
				 write, false);
		if (!r && !write)
			*data = (v >> shift) & 0xff;
		return r;
	case 4:
		if (off & 3)
			return -EINVAL;
		r = kic_gic_rw32(gic, vcpu, off, &v, U32_MAX, write, false);
		if (!r && !write)
			*data = v;
		return r;
	case 8:
		if (off & 7)
			return -EINVAL;
		hi = *data >> 32;
		r = kic_gic_rw32(gic, vcpu, off, &v, U32_MAX, write, false);
		if (!r)
			r = kic_gic_rw32(gic, vcpu, off + 4, &hi, U32_MAX,
					 write, false);
		if (!r && !write)
			*data = (u64)hi << 32 | v;
		return r;
	default:
		return -EINVAL;
	}
}

static bool kic_gic_in(u64 addr, u64 base, u64 size)
{
	return base != GIC_ADDR_UNDEF && addr >= base && addr - base < size;
}

/* KVM_IRQCHIP_IO: a guest MMIO access to GICD, a GICR or the ITS */
static int kic_gic_io(struct kic *kic, struct kvm_irqchip_io *io)
{
	struct gic *gic = kic_gic(kic);
	bool write = io->flags & KVM_IRQCHIP_IO_WRITE;
	u64 dist = READ_ONCE(gic->dist_base);
	u64 redist = READ_ONCE(gic->redist_base);
	u64 its = READ_ONCE(gic->its_base);
	u64 data = io->data;
	int r;

	if (io->flags & KVM_IRQCHIP_IO_PIO)
		return -ENXIO;
	if (kic_gic_in(io->addr, dist, GIC_DIST_SIZE)) {
		r = kic_gic_frame_io(gic, -1, io->addr - dist, io->len, write,
				     &data);
	} else if (kic_gic_in(io->addr, redist,
			      (u64)kic->nr_vcpus * GIC_REDIST_SIZE)) {
		u64 off = io->addr - redist;

		r = kic_gic_frame_io(gic, off / GIC_REDIST_SIZE,
				     off % GIC_REDIST_SIZE, io->len, write,
				     &data);
	} else if (kic_gic_in(io->addr, its, GIC_ITS_SIZE)) {
		u32 off = io->addr - its;

		if ((io->len != 4 && io->len != 8) || off & (io->len - 1))
			return -EINVAL;
		r = write ? gic_its_write(gic, off, data, io->len, false) :
			    gic_its_read(gic, off, &data, io->len, false);
	} else {
		return -ENXIO;
	}
	if (!r && !write)
		io->data = data;
	return r;
}

/* KVM_IRQCHIP_GIC_GRP_ADDR: a frame's base, set once, 64K aligned */
static int kic_gic_attr_addr(struct gic *gic, u64 attr, u64 *val, bool write)
{
	u64 *base;

	switch (attr) {
	case KVM_IRQCHIP_GIC_ADDR_DIST:
		base = &gic->dist_base;
		break;
	case KVM_IRQCHIP_GIC_ADDR_REDIST:
		base = &gic->redist_base;
		break;
	case KVM_IRQCHIP_GIC_ADDR_ITS:
		base = &gic->its_base;
		break;
	default:
		return -ENXIO;
	}
	if (!write) {
		*val = READ_ONCE(*base);
		return 0;
	}
	if (*val & (GIC_FRAME_ALIGN - 1) || *val == GIC_ADDR_UNDEF)
		return -EINVAL;
	if (READ_ONCE(*base) != GIC_ADDR_UNDEF)
		return -EEXIST;
	WRITE_ONCE(*base, *val);
	return 0;
}

static int kic_gic_attr_nr_irqs(struct gic *gic, u64 *val, bool write)
{
	unsigned long flags;

	if (!write) {
		*val = gic->nr_spis + GIC_NR_PRIVATE;
		return 0;
	}
	if (*val < 64 || *val > 1024 || *val % 32)
		return -EINVAL;
	if (gic->nr_irqs_set)
		return -EBUSY;
	spin_lock_irqsave(&gic->lock, flags);
	/* INTIDs 1020-1023 are special: 1024 means SPIs up to 1019 */
	gic->nr_spis = min_t(u64, *val - GIC_NR_PRIVATE, GIC_MAX_SPIS);
	gic->nr_irqs_set = true;
	spin_unlock_irqrestore(&gic->lock, flags);
	return 0;
}

static int kic_gic_attr_ctrl(struct gic *gic, u64 attr, bool write)
{
	if (!write)
		return -ENXIO;
	switch (attr) {
	case KVM_IRQCHIP_GIC_CTRL_INIT:
		return 0;
	case KVM_IRQCHIP_GIC_ITS_SAVE_TABLES:
		return gic_its_save_tables(gic);
	case KVM_IRQCHIP_GIC_ITS_RESTORE_TABLES:
		return gic_its_restore_tables(gic);
	case KVM_IRQCHIP_GIC_SAVE_PENDING_TABLES:
		return gic_save_pending_tables(gic);
	case KVM_IRQCHIP_GIC_ITS_CTRL_RESET:
		mutex_lock(&gic->its.lock);
		gic_its_reset(gic);
		mutex_unlock(&gic->its.lock);
		return 0;
	default:
		return -ENXIO;
	}
}

/* The vCPU of a register group's mpidr field, or -EINVAL */
static int kic_gic_attr_vcpu(struct gic *gic, u64 attr)
{
	int vcpu = gic_mpidr_to_index(gic, gic_attr_to_mpidr(attr >>
					KVM_IRQCHIP_GIC_MPIDR_SHIFT));

	return vcpu < 0 ? -EINVAL : vcpu;
}

/* Which of the attribute groups' values are 32 bits wide */
static bool kic_gic_attr_is_32(u32 group)
{
	return group == KVM_IRQCHIP_GIC_GRP_DIST_REGS ||
	       group == KVM_IRQCHIP_GIC_GRP_REDIST_REGS ||
	       group == KVM_IRQCHIP_GIC_GRP_NR_IRQS;
}

static int kic_gic_attr(struct gic *gic, const struct kvm_device_attr *a,
			u64 *val, bool write)
{
	u32 off = a->attr & KVM_IRQCHIP_GIC_OFFSET_MASK;
	u32 v32 = *val;
	int vcpu, r;

	switch (a->group) {
	case KVM_IRQCHIP_GIC_GRP_ADDR:
		return kic_gic_attr_addr(gic, a->attr, val, write);
	case KVM_IRQCHIP_GIC_GRP_NR_IRQS:
		return a->attr ? -ENXIO : kic_gic_attr_nr_irqs(gic, val, write);
	case KVM_IRQCHIP_GIC_GRP_CTRL:
		return kic_gic_attr_ctrl(gic, a->attr, write);
	case KVM_IRQCHIP_GIC_GRP_DIST_REGS:
		if (off & 3)
			return -ENXIO;
		r = kic_gic_rw32(gic, -1, off, &v32, U32_MAX, write, true);
		break;
	case KVM_IRQCHIP_GIC_GRP_REDIST_REGS:
		vcpu = kic_gic_attr_vcpu(gic, a->attr);
		if (vcpu < 0)
			return vcpu;
		if (off & 3)
			return -ENXIO;
		r = kic_gic_rw32(gic, vcpu, off, &v32, U32_MAX, write, true);
		break;
	case KVM_IRQCHIP_GIC_GRP_CPU_SYSREGS:
		vcpu = kic_gic_attr_vcpu(gic, a->attr);
		if (vcpu < 0)
			return vcpu;
		if (a->attr & ~(KVM_IRQCHIP_GIC_SYSREG_INSTR_MASK |
				~KVM_IRQCHIP_GIC_OFFSET_MASK))
			return -EINVAL;
		return gic_sysreg_access(gic, vcpu, off, val, write, true);
	case KVM_IRQCHIP_GIC_GRP_ITS_REGS:
		/* as KVM: 32-bit registers below GITS_TYPER and from PIDR4 */
		if (a->attr >= GIC_ITS_SIZE)
			return -ENXIO;
		if (a->attr & (a->attr < 8 || a->attr >= 0xffd0 ? 3 : 7))
			return -EINVAL;
		return write ? gic_its_write(gic, a->attr, *val, 8, true) :
			       gic_its_read(gic, a->attr, val, 8, true);
	case KVM_IRQCHIP_GIC_GRP_ITS_DROPS:
		if (write)
			return -EINVAL;
		*val = gic_its_drops(gic, a->attr);
		return 0;
	default:
		return -ENXIO;
	}
	if (!r && !write)
		*val = v32;
	return r;
}

/* KVM_HAS_DEVICE_ATTR: the attribute exists (0) or -ENXIO */
static int kic_gic_has_attr(struct gic *gic, const struct kvm_device_attr *a)
{
	u64 val = 0;

	switch (a->group) {
	case KVM_IRQCHIP_GIC_GRP_ADDR:
		return a->attr >= KVM_IRQCHIP_GIC_ADDR_DIST &&
		       a->attr <= KVM_IRQCHIP_GIC_ADDR_ITS ? 0 : -ENXIO;
	case KVM_IRQCHIP_GIC_GRP_CTRL:
		return a->attr <= KVM_IRQCHIP_GIC_ITS_CTRL_RESET ? 0 : -ENXIO;
	case KVM_IRQCHIP_GIC_GRP_NR_IRQS:
		return a->attr ? -ENXIO : 0;
	case KVM_IRQCHIP_GIC_GRP_ITS_DROPS:
		return a->attr < BIT(GIC_DEV_BITS) ? 0 : -ENXIO;
	case KVM_IRQCHIP_GIC_GRP_CPU_SYSREGS:
		/* reads of the state registers have no side effect */
		return kic_gic_attr(gic, a, &val, false) == -ENXIO ? -ENXIO : 0;
	case KVM_IRQCHIP_GIC_GRP_DIST_REGS:
	case KVM_IRQCHIP_GIC_GRP_REDIST_REGS:
	case KVM_IRQCHIP_GIC_GRP_ITS_REGS:
		return kic_gic_attr(gic, a, &val, false) == -ENXIO ? -ENXIO : 0;
	default:
		return -ENXIO;
	}
}

static long kic_gic_device_attr(struct kic *kic, unsigned int ioctl,
				void __user *argp)
{
	struct gic *gic = kic_gic(kic);
	u64 __user *uval;
	struct kvm_device_attr a;
	u64 val = 0;
	bool is32;
	int r;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags)
		return -EINVAL;
	if (ioctl == KVM_HAS_DEVICE_ATTR)
		return kic_gic_has_attr(gic, &a);

	is32 = kic_gic_attr_is_32(a.group);
	uval = u64_to_user_ptr(a.addr);
	if (ioctl == KVM_SET_DEVICE_ATTR && a.group != KVM_IRQCHIP_GIC_GRP_CTRL) {
		if (is32 ? get_user(*(u32 *)&val, (u32 __user *)uval) :
			   get_user(val, uval))
			return -EFAULT;
	}
	mutex_lock(&kic->lock);
	r = kic_gic_attr(gic, &a, &val, ioctl == KVM_SET_DEVICE_ATTR);
	mutex_unlock(&kic->lock);
	if (r || ioctl == KVM_SET_DEVICE_ATTR)
		return r;
	if (is32 ? put_user((u32)val, (u32 __user *)uval) : put_user(val, uval))
		return -EFAULT;
	return 0;
}

static long kic_gic_ioctl(struct kic *kic, unsigned int ioctl,
			  void __user *argp)
{
	struct kvm_userspace_memory_region region;

	switch (ioctl) {
	case KVM_SET_DEVICE_ATTR:
	case KVM_GET_DEVICE_ATTR:
	case KVM_HAS_DEVICE_ATTR:
		return kic_gic_device_attr(kic, ioctl, argp);
	case KVM_IRQCHIP_GIC_SET_MEMORY_REGION:
		if (copy_from_user(&region, argp, sizeof(region)))
			return -EFAULT;
		return gic_mem_set_region(kic_gic(kic), &region);
	default:
		return -ENOTTY;
	}
}

/* The vCPU fd: the guest's ICC_* accesses, group CPU_SYSREGS only */
static long kic_gic_vcpu_ioctl(struct kic_vcpu *vcpu, unsigned int ioctl,
			       void __user *argp)
{
	struct gic *gic = kic_gic(vcpu->kic);
	struct kvm_device_attr a;
	u64 __user *uval;
	u32 mpidr_field;
	u64 val;
	int r;

	if (ioctl != KVM_SET_DEVICE_ATTR && ioctl != KVM_GET_DEVICE_ATTR &&
	    ioctl != KVM_HAS_DEVICE_ATTR)
		return -ENOTTY;
	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags || (a.attr & ~(KVM_IRQCHIP_GIC_SYSREG_INSTR_MASK |
				  ~KVM_IRQCHIP_GIC_OFFSET_MASK)))
		return -EINVAL;
	if (a.group != KVM_IRQCHIP_GIC_GRP_CPU_SYSREGS)
		return -ENXIO;
	/* An mpidr, if given, must be this vCPU's own */
	mpidr_field = a.attr >> KVM_IRQCHIP_GIC_MPIDR_SHIFT;
	if (mpidr_field &&
	    gic_attr_to_mpidr(mpidr_field) != gic->cpus[vcpu->index].mpidr)
		return -EINVAL;
	if (ioctl == KVM_HAS_DEVICE_ATTR) {
		val = 0;
		r = gic_sysreg_access(gic, vcpu->index,
				      a.attr & KVM_IRQCHIP_GIC_SYSREG_INSTR_MASK,
				      &val, false, true);
		return r == -ENXIO ? -ENXIO : 0;
	}
	uval = u64_to_user_ptr(a.addr);
	if (ioctl == KVM_SET_DEVICE_ATTR && get_user(val, uval))
		return -EFAULT;
	r = gic_sysreg_access(gic, vcpu->index,
			      a.attr & KVM_IRQCHIP_GIC_SYSREG_INSTR_MASK, &val,
			      ioctl == KVM_SET_DEVICE_ATTR, false);
	if (r || ioctl == KVM_SET_DEVICE_ATTR)
		return r;
	return put_user(val, uval);
}

static bool kic_gic_vcpu_pending(struct kic_vcpu *vcpu)
{
	return gic_cpu_has_pending(kic_gic(vcpu->kic), vcpu->index);
}

const struct kic_model_ops kic_gic_model = {
	.model			= KVM_IRQCHIP_MODEL_ARM64_GICV3,
	.name			= "arm64-gicv3",
	.init			= kic_gic_init,
	.destroy		= kic_gic_destroy,
	.check_extension	= kic_gic_check_extension,
	.enable_cap		= kic_gic_enable_cap,
	.route_setup		= kic_gic_route_setup,
	.deliver		= kic_gic_deliver,
	.signal_msi		= kic_gic_signal_msi,
	.vcpu_ioctl		= kic_gic_vcpu_ioctl,
	.vcpu_pending		= kic_gic_vcpu_pending,
	.default_routing	= kic_gic_default_routing,
	.io			= kic_gic_io,
	.ioctl			= kic_gic_ioctl,
};
