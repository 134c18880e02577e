// SPDX-License-Identifier: GPL-2.0
/*
 * The KVM bridge (KVM_IRQCHIP_CREATE_KVM_VM): an instance in front of a KVM
 * VM in split-irqchip mode, whose in-kernel LAPICs take the interrupts.
 *
 * The vCPUs never run here: what the bridge delivered is read back from
 * KVM's own LAPICs with KVM_GET_LAPIC on the KVM vCPU fds, and compared
 * with a second, identically set up KVM VM that receives the same message
 * through KVM's own KVM_SIGNAL_MSI: IRR, TMR and pending NMI of every vCPU,
 * and the result, which counts the LAPICs that accepted, or fails with
 * EPERM where KVM's matching path found nobody (KVM's -1), exactly as KVM's
 * KVM_SIGNAL_MSI.  A real guest taking the interrupts is the end-to-end
 * test (guest_*).
 */
#include <poll.h>

#include "kic_x86_util.h"
#include "kselftest_harness.h"

#define N		4
#define WAIT_MS		2000
#define REMOTE_IRR	BIT_ULL(14)	/* IOAPIC redirection entry bit */

/* A KVM VM with in-kernel LAPICs only, N vCPUs as flat xAPICs 0..N-1. */
static int split_vm(struct vm *vm)
{
	long r = vm_init_kvm_split(vm, N);

	return r ? r : vm_xapic_flat(vm);
}

static long bridge_create(int fd, uint32_t flags, int vm_fd)
{
	struct kvm_irqchip_create c = {
		.model = KVM_IRQCHIP_MODEL_X86, .nr_vcpus = N,
		.flags = flags, .kvm_vm_fd = vm_fd,
	};

	return xioctl(fd, KVM_IRQCHIP_CREATE, &c);
}

FIXTURE(bridge) {
	struct vm kvm, ref;	/* bridged VM; reference VM */
	int kic;		/* the instance */
};

FIXTURE_SETUP(bridge)
{
	if (!kvm_available() || !kic_module_loaded())
		SKIP(return, "missing kvm,kic: /dev/kvm or kvm-irqchip not available");
	self->kic = kic_open();
	ASSERT_LE(0, self->kic);
	if (check_ext(self->kic, KVM_IRQCHIP_CAP_KVM_BRIDGE) != 1)
		SKIP(return, "missing bridge: built without the KVM bridge");
	ASSERT_EQ(0, split_vm(&self->kvm));
	ASSERT_EQ(0, split_vm(&self->ref));
	ASSERT_EQ(0, bridge_create(self->kic, KVM_IRQCHIP_CREATE_KVM_VM |
				   KVM_IRQCHIP_CREATE_DEFAULT_ROUTING,
				   self->kvm.fd));
}

FIXTURE_TEARDOWN(bridge)
{
	if (self->kic > 0)
		close(self->kic);
	vm_fini(&self->kvm);
	vm_fini(&self->ref);
}

/* IRR and TMR of every vCPU of a VM, and its pending NMIs, as one blob */
struct vecs {
	uint32_t v[N][2][8];
	uint32_t nmi[N];
};

static void read_vecs(const struct vm *vm, struct vecs *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < N; i++) {
		struct kvm_vcpu_events ev;
		struct kvm_lapic_state s;

		if (!lapic_get(vm->vcpu[i], &s)) {
			apic_bits(&s, APIC_IRR, out->v[i][0]);
			apic_bits(&s, APIC_TMR, out->v[i][1]);
		}
		if (!xioctl(vm->vcpu[i], KVM_GET_VCPU_EVENTS, &ev))
			out->nmi[i] = ev.nmi.pending;
	}
}

/* the vCPUs of @vm with an NMI pending, as a mask */
static uint32_t nmi_mask(const struct vm *vm)
{
	struct vecs v;
	uint32_t m = 0;

	read_vecs(vm, &v);
	for (unsigned int i = 0; i < N; i++)
		m |= (v.nmi[i] != 0) << i;
	return m;
}

/* IRR, ISR and TMR cleared, no NMI pending */
static long clear_all(const struct vm *vm)
{
	long r = vm_clear_vectors(vm);

	for (unsigned int i = 0; !r && i < N; i++) {
		struct kvm_vcpu_events ev;

		r = xioctl(vm->vcpu[i], KVM_GET_VCPU_EVENTS, &ev);
		if (r)
			break;
		ev.nmi.pending = 0;
		ev.flags = KVM_VCPUEVENT_VALID_NMI_PENDING;
		r = xioctl(vm->vcpu[i], KVM_SET_VCPU_EVENTS, &ev);
	}
	return r;
}

/*
 * Both VMs' vCPUs as flat xAPICs with IDs and LDR bits 0..N-1, TPR 0, each
 * software-disabled where @off has its bit.
 */
static long sw_config(const struct vm *vm, uint32_t off)
{
	for (unsigned int i = 0; i < N; i++) {
		long r = lapic_config(vm->vcpu[i], i, 1u << i, DFR_FLAT,
				      off & 1u << i ? SVR_OFF : SVR_ON, 0);

		if (r)
			return r;
	}
	return 0;
}

TEST_F(bridge, capability_says_built)
{
	EXPECT_EQ(1, check_ext(self->kic, KVM_IRQCHIP_CAP_KVM_BRIDGE));
}

TEST_F(bridge, attach_errors_are_precise)
{
	struct vm full;
	int fd = kic_open(), efd = new_eventfd(), bare;

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EBADF, bridge_create(fd, KVM_IRQCHIP_CREATE_KVM_VM, 999));
	EXPECT_EQ(-EINVAL, bridge_create(fd, KVM_IRQCHIP_CREATE_KVM_VM, efd));
	/* not a VM: the KVM system fd */
	EXPECT_EQ(-EINVAL, bridge_create(fd, KVM_IRQCHIP_CREATE_KVM_VM,
					 self->kvm.sys_fd));
	/* a vCPU fd is not a VM either */
	EXPECT_EQ(-EINVAL, bridge_create(fd, KVM_IRQCHIP_CREATE_KVM_VM,
					 self->kvm.vcpu[0]));
	bare = xioctl_val(self->kvm.sys_fd, KVM_CREATE_VM, 0);
	ASSERT_LE(0, bare);
	EXPECT_EQ(-ENXIO, bridge_create(fd, KVM_IRQCHIP_CREATE_KVM_VM, bare));
	ASSERT_EQ(0, vm_init_kvm(&full, 1));
	EXPECT_EQ(-EEXIST, bridge_create(fd, KVM_IRQCHIP_CREATE_KVM_VM, full.fd));
	/* an fd without the flag */
	EXPECT_EQ(-EINVAL, bridge_create(fd, 0, self->kvm.fd));
	/* none of it configured the instance */
	EXPECT_EQ(0, bridge_create(fd, KVM_IRQCHIP_CREATE_KVM_VM, self->kvm.fd));
	vm_fini(&full);
	close(bare);
	close(efd);
	close(fd);
}

/* The same message on both VMs: our bridge vs KVM's KVM_SIGNAL_MSI. */
struct pair {
	int kic;
	const struct vm *kvm, *ref;
};

/* Return: the bridge's result; the VMs' LAPICs keep what the MSI left. */
static long same_as_kvm(struct __test_metadata *_metadata, const struct pair *p,
			uint32_t lo, uint32_t data)
{
	struct vecs ours, kvms;
	long a, b;

	EXPECT_EQ(0, clear_all(p->kvm));
	EXPECT_EQ(0, clear_all(p->ref));
	a = signal_msi(p->kic, lo, 0, data);
	b = signal_msi(p->ref->fd, lo, 0, data);
	read_vecs(p->kvm, &ours);
	read_vecs(p->ref, &kvms);
	EXPECT_EQ(0, memcmp(&ours, &kvms, sizeof(ours))) {
		TH_LOG("MSI %#x/%#x: bridge %ld, KVM %ld, LAPICs differ", lo, data, a, b);
	}
	/* the same count, or the same -EPERM (KVM's -1: nobody could take it) */
	EXPECT_EQ(b, a) {
		TH_LOG("MSI %#x/%#x: bridge %ld, KVM %ld", lo, data, a, b);
	}
	return a;
}

TEST_F(bridge, msis_land_in_kvm_lapics_as_kvm_signal_msi)
{
	static const uint32_t vecs[] = { 0x30, 0x41, 0x52, 0x63, 0xef };
	const struct pair pp = { self->kic, &self->kvm, &self->ref }, *p = &pp;

	for (unsigned int v = 0; v < ARRAY_SIZE(vecs); v++) {
		for (uint32_t d = 0; d < N; d++) {
			same_as_kvm(_metadata, p, msi_addr(d, false, false),
				    msi_data(vecs[v], DM_FIXED, v % 2));
			same_as_kvm(_metadata, p, msi_addr(d, false, true),
				    msi_data(vecs[v], DM_FIXED, false));
		}
		for (uint32_t m = 1; m < 1u << N; m += 3) {
			same_as_kvm(_metadata, p, msi_addr(m, true, false),
				    msi_data(vecs[v], DM_FIXED, false));
			same_as_kvm(_metadata, p, msi_addr(m, true, false),
				    msi_data(vecs[v], DM_LOWEST, false));
			same_as_kvm(_metadata, p, msi_addr(m, true, true),
				    msi_data(vecs[v], DM_FIXED, v % 2));
		}
		same_as_kvm(_metadata, p, msi_addr(0xff, false, false),
			    msi_data(vecs[v], DM_FIXED, false));
		same_as_kvm(_metadata, p, msi_addr(0xff, true, false),
			    msi_data(vecs[v], DM_FIXED, false));
		same_as_kvm(_metadata, p, msi_addr(0xff, false, false),
			    msi_data(vecs[v], DM_LOWEST, false));
		/* nobody there */
		same_as_kvm(_metadata, p, msi_addr(9, false, false),
			    msi_data(vecs[v], DM_FIXED, false));
	}
}

/*
 * An arbitrating broadcast (logical lowest priority or fixed with the
 * redirection hint, physical with the hint) with every set of
 * software-disabled LAPICs and N vectors in a row (every position
 * vector mod n, n <= N): exactly one software-enabled LAPIC gets it, the
 * one KVM picks; nobody when all are disabled, and then KVM_SIGNAL_MSI fails
 * with EPERM as KVM's (its slow path arbitrates among software-enabled
 * LAPICs only and returns -1 without one).  The same for an NMI with the
 * hint, which arbitrates the same way.
 */
TEST_F(bridge, arbitrating_broadcast_never_picks_a_sw_disabled_lapic)
{
	static const struct {
		bool logical, rh;
		uint32_t dm;
	} m[] = {
		{ true, false, DM_LOWEST }, { true, true, DM_FIXED },
		{ true, true, DM_LOWEST }, { false, true, DM_FIXED },
		{ false, true, DM_LOWEST },
	};
	const struct pair pp = { self->kic, &self->kvm, &self->ref }, *p = &pp;
	const uint32_t all = (1u << N) - 1;

	for (uint32_t off = 0; off <= all; off++) {
		ASSERT_EQ(0, sw_config(&self->kvm, off));
		ASSERT_EQ(0, sw_config(&self->ref, off));
		for (unsigned int k = 0; k < ARRAY_SIZE(m); k++) {
			for (uint32_t vec = 0x40; vec < 0x40 + N; vec++) {
				uint32_t got;
				long a;

				a = same_as_kvm(_metadata, p, msi_addr(0xff, m[k].logical, m[k].rh),
						msi_data(vec, m[k].dm, false));
				got = irr_mask(&self->kvm, vec);
				EXPECT_EQ(off == all ? -EPERM : 1, a);
				EXPECT_EQ(off == all ? 0 : 1, __builtin_popcount(got)) {
					TH_LOG("vec %#x off %#x: IRR on %#x", vec, off, got);
				}
				EXPECT_EQ(0u, got & off) {
					TH_LOG("vec %#x went to software-disabled %#x", vec, got);
				}
			}
		}
		for (uint32_t vec = 0x40; vec < 0x40 + N; vec++) {
			uint32_t got;
			long a;

			a = same_as_kvm(_metadata, p, msi_addr(0xff, true, true),
					msi_data(vec, DM_NMI, false));
			got = nmi_mask(&self->kvm);
			EXPECT_EQ(off == all ? -EPERM : 1, a);
			EXPECT_EQ(off == all ? 0 : 1, __builtin_popcount(got));
			EXPECT_EQ(0u, got & off);
		}
	}
}

/*
 * The result counts the LAPICs that accepted, as KVM's: a software-disabled
 * LAPIC takes no fixed or lowest-priority vector (physical, logical,
 * broadcast), still takes an NMI or SMI where KVM gives it one, and ExtINT
 * is taken nowhere.
 */
TEST_F(bridge, result_counts_lapics_that_accept)
{
	static const uint32_t offs[] = { 0x2, 0xa, 0x7, 0xf };
	static const uint32_t dms[] = { DM_FIXED, DM_LOWEST, DM_NMI, DM_SMI, DM_EXTINT };
	const struct pair pp = { self->kic, &self->kvm, &self->ref }, *p = &pp;

	for (unsigned int o = 0; o < ARRAY_SIZE(offs); o++) {
		ASSERT_EQ(0, sw_config(&self->kvm, offs[o]));
		ASSERT_EQ(0, sw_config(&self->ref, offs[o]));
		for (unsigned int k = 0; k < ARRAY_SIZE(dms); k++) {
			uint32_t data = msi_data(0x50 + k, dms[k], k == 0);

			for (uint32_t d = 0; d <= N; d++)
				same_as_kvm(_metadata, p, msi_addr(d, false, false), data);
			for (uint32_t mask = 1; mask < 1u << N; mask++)
				same_as_kvm(_metadata, p, msi_addr(mask, true, false), data);
			same_as_kvm(_metadata, p, msi_addr(0xff, false, false), data);
			same_as_kvm(_metadata, p, msi_addr(0xff, true, false), data);
		}
		/* a fixed vector to the one software-disabled LAPIC 1: nobody */
		if (offs[o] & 2)
			EXPECT_EQ(0, same_as_kvm(_metadata, p, msi_addr(1, false, false),
						 msi_data(0x60, DM_FIXED, false)));
	}
}

/*
 * The same with the vCPUs in x2APIC mode (IDs 0..N-1, cluster 0), where
 * software-enable is read another way.
 */
TEST_F(bridge, x2apic_lapics_count_and_arbitrate_as_kvm)
{
	const struct pair pp = { self->kic, &self->kvm, &self->ref }, *p = &pp;
	const struct vm *vms[] = { &self->kvm, &self->ref };
	const uint32_t off = 0x5;

	for (unsigned int v = 0; v < 2; v++) {
		for (unsigned int i = 0; i < N; i++) {
			/* KVM allows x2APIC mode only with CPUID.1:ECX.x2APIC */
			struct {
				struct kvm_cpuid2 c;
				struct kvm_cpuid_entry2 e[1];
			} id = { .c.nent = 1, .e[0] = { .function = 1, .ecx = 1u << 21 } };
			struct kvm_lapic_state s;

			ASSERT_EQ(0, xioctl(vms[v]->vcpu[i], KVM_SET_CPUID2, &id));
			ASSERT_EQ(0, set_apic_base(vms[v], i, 0xfee00000 | 1u << 11 |
						   1u << 10 | (i ? 0 : 1u << 8)));
			ASSERT_EQ(0, lapic_get(vms[v]->vcpu[i], &s));
			apic_put(&s, APIC_SVR, off & 1u << i ? SVR_OFF : SVR_ON);
			ASSERT_EQ(0, lapic_set(vms[v]->vcpu[i], &s));
		}
	}
	for (uint32_t vec = 0x40; vec < 0x40 + N; vec++) {
		for (uint32_t d = 0; d < N; d++)
			same_as_kvm(_metadata, p, msi_addr(d, false, false),
				    msi_data(vec, DM_FIXED, false));
		same_as_kvm(_metadata, p, msi_addr(0xf, true, false),
			    msi_data(vec, DM_FIXED, false));
		same_as_kvm(_metadata, p, msi_addr(0xf, true, false),
			    msi_data(vec, DM_LOWEST, false));
		/* 0xff is an x2APIC broadcast for an MSI (KVM's quirk) */
		EXPECT_EQ(N - __builtin_popcount(off),
			  same_as_kvm(_metadata, p, msi_addr(0xff, false, false),
				      msi_data(vec, DM_FIXED, false)));
		EXPECT_EQ(1, same_as_kvm(_metadata, p, msi_addr(0xff, true, false),
					 msi_data(vec, DM_LOWEST, false)));
		EXPECT_EQ(0u, irr_mask(&self->kvm, vec) & off);
	}
}

/*
 * A level IOAPIC entry whose only target is software-disabled: nobody
 * accepts, the status says so as KVM's KVM_SIGNAL_MSI of the same message
 * (0 where KVM's APIC map finds the LAPIC and it refuses; -1 and EPERM for
 * the lowest-priority broadcast, which KVM's slow path arbitrates among
 * software-enabled LAPICs only), and remote IRR stays clear (KVM 6.1 sets
 * it on -1: api.rst 6.2); once the LAPIC is enabled the still-asserted
 * line is delivered on its next edge, so the line is not stuck.
 */
TEST_F(bridge, level_entry_to_sw_disabled_lapic_is_not_stuck)
{
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	struct kvm_irq_routing_entry e = route_pin(5, KVM_IRQCHIP_IOAPIC, 5);
	static const uint64_t dests[] = {
		1ull << 56,			/* physical 1 */
		0x2ull << 56 | 1ull << 11,	/* logical: LDR bit 1 */
		0xffull << 56 | 1ull << 11 | 1ull << 8,	/* logical broadcast, lowest */
	};
	const struct pair pp = { self->kic, &self->kvm, &self->ref }, *p = &pp;
	int32_t st;

	ASSERT_EQ(0, set_routing(self->kic, &e, 1));
	for (unsigned int k = 0; k < ARRAY_SIZE(dests); k++) {
		uint32_t off = k == 2 ? 0xf : 0x2;
		uint32_t lo = msi_addr(k == 0 ? 1 : k == 1 ? 2 : 0xff, k > 0, false);

		ASSERT_EQ(0, sw_config(&self->kvm, off));
		ASSERT_EQ(0, sw_config(&self->ref, off));
		ASSERT_EQ(0, xioctl(self->kic, KVM_GET_IRQCHIP, &chip));
		chip.chip.ioapic.redirtbl[5].bits = 0x61 | 1ull << 15 | dests[k];
		ASSERT_EQ(0, xioctl(self->kic, KVM_SET_IRQCHIP, &chip));

		ASSERT_EQ(0, irq_line_status(self->kic, 5, 1, &st));
		EXPECT_EQ(k == 2 ? -1 : 0, st);
		EXPECT_EQ(k == 2 ? -EPERM : 0,
			  same_as_kvm(_metadata, p, lo,
				      msi_data(0x61, k == 2 ? DM_LOWEST : DM_FIXED, true)));
		ASSERT_EQ(0, xioctl(self->kic, KVM_GET_IRQCHIP, &chip));
		EXPECT_EQ(0ull, chip.chip.ioapic.redirtbl[5].bits & REMOTE_IRR) {
			TH_LOG("entry %u: remote IRR set with nobody to EOI it", k);
		}
		EXPECT_EQ(0u, irr_mask(&self->kvm, 0x61));

		/* the LAPICs come up; the line is lowered and raised again */
		ASSERT_EQ(0, sw_config(&self->kvm, 0));
		ASSERT_EQ(0, irq_line(self->kic, 5, 0));
		ASSERT_EQ(0, irq_line_status(self->kic, 5, 1, &st));
		EXPECT_EQ(1, st);
		EXPECT_EQ(1, __builtin_popcount(irr_mask(&self->kvm, 0x61)));
		ASSERT_EQ(0, xioctl(self->kic, KVM_GET_IRQCHIP, &chip));
		EXPECT_NE(0ull, chip.chip.ioapic.redirtbl[5].bits & REMOTE_IRR);
		ASSERT_EQ(0, irq_line(self->kic, 5, 0));
		chip.chip.ioapic.redirtbl[5].bits = 1ull << 16;	/* masked, clear */
		ASSERT_EQ(0, xioctl(self->kic, KVM_SET_IRQCHIP, &chip));
	}
}

TEST_F(bridge, irqfd_reaches_kvm_lapic_from_the_wakeup)
{
	struct kvm_irq_routing_entry e = route_msi(40, msi_addr(2, false, false), 0,
						   msi_data(0x77, DM_FIXED, false));
	struct kvm_irqchip_counters c;
	int efd = new_eventfd();

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, set_routing(self->kic, &e, 1));
	ASSERT_EQ(0, irqfd(self->kic, efd, 40, 0));
	ASSERT_EQ(0, efd_signal(efd));
	EXPECT_EQ(1, wait_irr(self->kvm.vcpu[2], 0x77, WAIT_MS));
	EXPECT_EQ(0, irr_has(self->kvm.vcpu[1], 0x77));
	ASSERT_EQ(0, get_counters(self->kic, &c));
	EXPECT_EQ(1ull, c.fast_path);
	EXPECT_EQ(1ull, c.delivered);
	close(efd);
}

TEST_F(bridge, ioapic_level_pin_and_forwarded_eoi)
{
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	struct kvm_irqchip_eoi eoi = { .vcpu = 1, .vector = 0x61 };
	struct kvm_irq_routing_entry e = route_pin(5, KVM_IRQCHIP_IOAPIC, 5);
	int32_t st;

	ASSERT_EQ(0, set_routing(self->kic, &e, 1));	/* the IOAPIC alone */
	ASSERT_EQ(0, xioctl(self->kic, KVM_GET_IRQCHIP, &chip));
	/* pin 5: vector 0x61, level, physical destination 1, unmasked */
	chip.chip.ioapic.redirtbl[5].bits = 0x61 | 1ull << 15 | 1ull << 56;
	ASSERT_EQ(0, xioctl(self->kic, KVM_SET_IRQCHIP, &chip));

	ASSERT_EQ(0, irq_line_status(self->kic, 5, 1, &st));
	EXPECT_EQ(1, st);
	EXPECT_EQ(1, irr_has(self->kvm.vcpu[1], 0x61));
	EXPECT_EQ(1, tmr_has(self->kvm.vcpu[1], 0x61));
	ASSERT_EQ(0, xioctl(self->kic, KVM_GET_IRQCHIP, &chip));
	EXPECT_NE(0ull, chip.chip.ioapic.redirtbl[5].bits & REMOTE_IRR);

	/* the guest took it (IRR cleared by hand here), then EOIed it */
	ASSERT_EQ(0, vm_clear_vectors(&self->kvm));
	ASSERT_EQ(0, xioctl(self->kic, KVM_IRQCHIP_EOI, &eoi));
	/* still asserted: delivered again, remote IRR set again */
	EXPECT_EQ(1, irr_has(self->kvm.vcpu[1], 0x61));
	ASSERT_EQ(0, irq_line(self->kic, 5, 0));
	ASSERT_EQ(0, vm_clear_vectors(&self->kvm));
	ASSERT_EQ(0, xioctl(self->kic, KVM_IRQCHIP_EOI, &eoi));
	EXPECT_EQ(0, irr_has(self->kvm.vcpu[1], 0x61));
	ASSERT_EQ(0, xioctl(self->kic, KVM_GET_IRQCHIP, &chip));
	EXPECT_EQ(0ull, chip.chip.ioapic.redirtbl[5].bits & REMOTE_IRR);

	/* an edge entry with that vector is acknowledged, not delivered again */
	chip.chip.ioapic.redirtbl[5].bits = 0x61 | 1ull << 56;
	ASSERT_EQ(0, xioctl(self->kic, KVM_SET_IRQCHIP, &chip));
	ASSERT_EQ(0, irq_line_status(self->kic, 5, 1, &st));
	EXPECT_EQ(1, st);
	ASSERT_EQ(0, vm_clear_vectors(&self->kvm));
	ASSERT_EQ(0, xioctl(self->kic, KVM_IRQCHIP_EOI, &eoi));
	EXPECT_EQ(0, irr_has(self->kvm.vcpu[1], 0x61));

	eoi.vcpu = N;
	EXPECT_EQ(-EINVAL, xioctl(self->kic, KVM_IRQCHIP_EOI, &eoi));
	eoi.vcpu = 0;
	eoi.flags = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->kic, KVM_IRQCHIP_EOI, &eoi));
}

/* Teardown in either order, with eventfds signalled in between. */
static void teardown(struct __test_metadata *_metadata, bool vm_first)
{
	struct kvm_irq_routing_entry e = route_msi(3, msi_addr(0, false, false), 0,
						   msi_data(0x44, DM_FIXED, false));
	int inst0, irq0, inst, irqfds, efd = new_eventfd(), kic;
	struct vm vm;

	ASSERT_EQ(0, objects_read(&inst0, &irq0));
	ASSERT_EQ(0, split_vm(&vm));
	kic = kic_open();
	ASSERT_LE(0, kic);
	ASSERT_EQ(0, bridge_create(kic, KVM_IRQCHIP_CREATE_KVM_VM, vm.fd));
	ASSERT_EQ(0, set_routing(kic, &e, 1));
	ASSERT_EQ(0, irqfd(kic, efd, 3, 0));
	if (vm_first) {
		vm_fini(&vm);		/* the instance keeps the VM alive */
		ASSERT_EQ(0, efd_signal(efd));
		close(kic);
	} else {
		close(kic);		/* the irqfd goes with it */
		ASSERT_EQ(0, efd_signal(efd));
		EXPECT_EQ(0, irr_has(vm.vcpu[0], 0x44));
		vm_fini(&vm);
	}
	ASSERT_EQ(0, efd_signal(efd));
	close(efd);
	ASSERT_EQ(0, objects_read(&inst, &irqfds));
	EXPECT_EQ(inst0, inst);
	EXPECT_EQ(irq0, irqfds);
}

TEST_F(bridge, vm_closed_first_then_instance)
{
	teardown(_metadata, true);
}

TEST_F(bridge, instance_closed_first_then_vm)
{
	teardown(_metadata, false);
}

TEST_HARNESS_MAIN
