/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the XICS selftests (xics_*_test.c), header-only: a pseries
 * instance, its ICSes, routes, source and ICP state, hypercalls and RTAS
 * calls.  Like kic_util.h, ioctl wrappers return the ioctl's result or
 * -errno; hypercall wrappers return the PAPR code, or XICS_IOCTL_FAILED
 * when the ioctl itself failed.
 */
#ifndef XICS_UTIL_H
#define XICS_UTIL_H

#include <poll.h>

#include "kic_util.h"

#define XICS_IOCTL_FAILED	(-1000)

#define H_SUCCESS	KVM_IRQCHIP_XICS_H_SUCCESS
#define H_FUNCTION	KVM_IRQCHIP_XICS_H_FUNCTION
#define H_PARAMETER	KVM_IRQCHIP_XICS_H_PARAMETER
#define RTAS_PARAM	KVM_IRQCHIP_XICS_RTAS_PARAM_ERROR
#define XICS_IPI	KVM_IRQCHIP_XICS_IPI

static inline uint32_t xics_irq(uint32_t buid, uint32_t src)
{
	return buid << KVM_IRQCHIP_XICS_ICS_SHIFT | src;
}

static inline uint32_t xirr_of(uint8_t cppr, uint32_t xisr)
{
	return (uint32_t)cppr << 24 | xisr;
}

/* A pseries instance with nr vCPUs (servers 0 .. nr - 1). */
static inline int xics_vm_init(struct vm *vm, unsigned int nr)
{
	struct kvm_irqchip_create c = {
		.model = KVM_IRQCHIP_MODEL_PPC_XICS, .nr_vcpus = nr,
	};

	return vm_init_create(vm, &c);
}

static inline long xics_create_ics(int fd, uint32_t buid, uint32_t nr)
{
	struct kvm_irqchip_xics_ics a = { .buid = buid, .nr_sources = nr };

	return xioctl(fd, KVM_IRQCHIP_XICS_CREATE_ICS, &a);
}

static inline struct kvm_irq_routing_entry route_xics(uint32_t gsi, uint32_t buid,
						      uint32_t src)
{
	struct kvm_irq_routing_entry e = { .gsi = gsi, .type = KVM_IRQ_ROUTING_KIC_XICS };
	struct kvm_irq_routing_kic_xics x = { .buid = buid, .source = src };

	memcpy(e.u.pad, &x, sizeof(x));
	return e;
}

/* Any hypercall: the PAPR code, out[] filled when out is given. */
static inline long hcall(int vfd, uint64_t op, uint64_t a0, uint64_t a1, uint64_t *out)
{
	struct kvm_irqchip_xics_hcall h = { .opcode = op, .args = { a0, a1 } };

	if (ioctl(vfd, KVM_IRQCHIP_XICS_HCALL, &h))
		return XICS_IOCTL_FAILED;
	if (out)
		memcpy(out, h.out, sizeof(h.out));
	return h.ret;
}

/* H_XIRR: the XIRR (CPPR << 24 | XISR), or ~0u on failure. */
static inline uint32_t h_xirr(int vfd)
{
	uint64_t out[4];

	return hcall(vfd, KVM_IRQCHIP_XICS_H_XIRR, 0, 0, out) == H_SUCCESS ?
	       (uint32_t)out[0] : ~0u;
}

static inline long h_cppr(int vfd, uint64_t cppr)
{
	return hcall(vfd, KVM_IRQCHIP_XICS_H_CPPR, cppr, 0, NULL);
}

static inline long h_eoi(int vfd, uint64_t xirr)
{
	return hcall(vfd, KVM_IRQCHIP_XICS_H_EOI, xirr, 0, NULL);
}

static inline long h_ipi(int vfd, uint64_t server, uint64_t mfrr)
{
	return hcall(vfd, KVM_IRQCHIP_XICS_H_IPI, server, mfrr, NULL);
}

/* H_IPOLL of server: its XIRR, or ~0u on failure. */
static inline uint32_t h_ipoll(int vfd, uint64_t server, uint32_t *mfrr)
{
	uint64_t out[4];

	if (hcall(vfd, KVM_IRQCHIP_XICS_H_IPOLL, server, 0, out) != H_SUCCESS)
		return ~0u;
	if (mfrr)
		*mfrr = out[1];
	return out[0];
}

/* An RTAS call: the ioctl result; the call's status is rets[0]. */
static inline long rtas(int fd, uint32_t call, uint32_t nargs, uint32_t nret,
			uint32_t a0, uint32_t a1, uint32_t a2, int32_t rets[4])
{
	struct kvm_irqchip_xics_rtas c = {
		.call = call, .nargs = nargs, .nret = nret, .args = { a0, a1, a2 },
	};
	long r = xioctl(fd, KVM_IRQCHIP_XICS_RTAS, &c);

	memcpy(rets, c.rets, sizeof(c.rets));
	return r;
}

/* ibm,set-xive: the RTAS status, or XICS_IOCTL_FAILED */
static inline long set_xive(int fd, uint32_t irq, uint32_t server, uint32_t prio)
{
	int32_t rets[4];

	if (rtas(fd, KVM_IRQCHIP_XICS_SET_XIVE, 3, 1, irq, server, prio, rets))
		return XICS_IOCTL_FAILED;
	return rets[0];
}

static inline long rtas1(int fd, uint32_t call, uint32_t irq)
{
	int32_t rets[4];

	if (rtas(fd, call, 1, 1, irq, 0, 0, rets))
		return XICS_IOCTL_FAILED;
	return rets[0];
}

static inline long source_attr(int fd, unsigned long req, uint64_t irq, uint64_t *val)
{
	struct kvm_device_attr a = {
		.group = KVM_IRQCHIP_XICS_GRP_SOURCES, .attr = irq,
		.addr = (uint64_t)(uintptr_t)val,
	};

	return xioctl(fd, req, &a);
}

static inline long source_get(int fd, uint64_t irq, uint64_t *val)
{
	return source_attr(fd, KVM_GET_DEVICE_ATTR, irq, val);
}

static inline long source_set(int fd, uint64_t irq, uint64_t val)
{
	return source_attr(fd, KVM_SET_DEVICE_ATTR, irq, &val);
}

static inline uint64_t source_state(uint32_t server, uint8_t prio, uint64_t flags)
{
	return server | (uint64_t)prio << KVM_IRQCHIP_XICS_PRIORITY_SHIFT | flags;
}

static inline long icp_reg(int vfd, unsigned long req, uint64_t *val)
{
	struct kvm_one_reg reg = {
		.id = KVM_IRQCHIP_XICS_REG_ICP_STATE, .addr = (uint64_t)(uintptr_t)val,
	};

	return xioctl(vfd, req, &reg);
}

static inline long icp_get(int vfd, uint64_t *val)
{
	return icp_reg(vfd, KVM_GET_ONE_REG, val);
}

static inline long icp_set(int vfd, uint64_t val)
{
	return icp_reg(vfd, KVM_SET_ONE_REG, &val);
}

static inline uint64_t icp_state(uint8_t cppr, uint32_t xisr, uint8_t mfrr, uint8_t ppri)
{
	return (uint64_t)cppr << KVM_IRQCHIP_XICS_ICP_CPPR_SHIFT |
	       (uint64_t)xisr << KVM_IRQCHIP_XICS_ICP_XISR_SHIFT |
	       (uint64_t)mfrr << KVM_IRQCHIP_XICS_ICP_MFRR_SHIFT |
	       (uint64_t)ppri << KVM_IRQCHIP_XICS_ICP_PPRI_SHIFT;
}

/* The XISR a server holds now (H_IPOLL through vCPU 0), ~0u on failure. */
static inline uint32_t xisr_of(const struct vm *vm, unsigned int server)
{
	uint32_t x = h_ipoll(vm->vcpu[0], server, NULL);

	return x == ~0u ? x : x & 0xffffff;
}

/* Wait up to ms for the server's XISR to become want: 1 when it did. */
static inline int wait_xisr(const struct vm *vm, unsigned int server, uint32_t want,
			    int ms)
{
	uint64_t end = now_ms() + ms;

	do {
		if (xisr_of(vm, server) == want)
			return 1;
		sleep_ms(1);
	} while (now_ms() < end);
	return xisr_of(vm, server) == want;
}

/* poll() on a vCPU fd: 1 readable within ms, 0 not, -errno */
static inline int vcpu_readable(int vfd, int ms)
{
	struct pollfd p = { .fd = vfd, .events = POLLIN };
	int r = poll(&p, 1, ms);

	return r < 0 ? -errno : r > 0 && (p.revents & POLLIN);
}

#endif
