// SPDX-License-Identifier: GPL-2.0
/*
 * The KVM bridge (KVM_IRQCHIP_CREATE_KVM_VM): an instance in front of a KVM
 * VM in split-irqchip mode, whose in-kernel LAPICs take the interrupts.
 *
 * The vCPUs never run here: what the bridge delivered is read back from
 * KVM's own LAPICs with KVM_GET_LAPIC on the KVM vCPU fds, and compared
 * with a second, identically set up KVM VM that receives the same message
 * through KVM's own KVM_SIGNAL_MSI.  A real guest taking the interrupts is
 * the end-to-end test (guest_*).
 */
#include <poll.h>

#include "kic_util.h"
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

/* IRR and TMR of every vCPU of a VM, as one comparable blob */
struct vecs {
	uint32_t v[N][2][8];
};

static void read_vecs(const struct vm *vm, struct vecs *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < N; i++) {
		struct kvm_lapic_state s;

		if (lapic_get(vm->vcpu[i], &s))
			continue;
		apic_bits(&s, APIC_IRR, out->v[i][0]);
		apic_bits(&s, APIC_TMR, out->v[i][1]);
	}
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

static void same_as_kvm(struct __test_metadata *_metadata, const struct pair *p,
			uint32_t lo, uint32_t data)
{
	struct vecs ours, kvms;
	long a, b;

	ASSERT_EQ(0, vm_clear_vectors(p->kvm));
	ASSERT_EQ(0, vm_clear_vectors(p->ref));
	a = signal_msi(p->kic, lo, 0, data);
	b = signal_msi(p->ref->fd, lo, 0, data);
	read_vecs(p->kvm, &ours);
	read_vecs(p->ref, &kvms);
	EXPECT_EQ(0, memcmp(&ours, &kvms, sizeof(ours))) {
		TH_LOG("MSI %#x/%#x: bridge %ld, KVM %ld, LAPICs differ", lo, data, a, b);
	}
	EXPECT_EQ(b > 0, a > 0);
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
