// SPDX-License-Identifier: GPL-2.0
/*
 * The instance fd: KVM_IRQCHIP_CREATE, what works before it, capabilities,
 * KVM_ENABLE_CAP, vCPU fds, counters, ENOTTY and EFAULT on every ioctl.
 */
#include <limits.h>
#include <sys/mman.h>

#include "kic_x86_util.h"
#include "kselftest_harness.h"

#define NR_VCPUS 4

/* An opened, not yet created instance. */
FIXTURE(unconfigured) {
	int fd;
};

FIXTURE_SETUP(unconfigured)
{
	self->fd = kic_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", KIC_DEV, strerror(errno));
}

FIXTURE_TEARDOWN(unconfigured)
{
	if (self->fd >= 0)
		close(self->fd);
}

static long create_with(int fd, struct kvm_irqchip_create *c)
{
	return xioctl(fd, KVM_IRQCHIP_CREATE, c);
}

static struct kvm_irqchip_create good_create(void)
{
	struct kvm_irqchip_create c;

	memset(&c, 0, sizeof(c));
	c.model = KVM_IRQCHIP_MODEL_X86;
	c.nr_vcpus = NR_VCPUS;
	return c;
}

TEST_F(unconfigured, create_bad_model_is_einval)
{
	static const uint32_t models[] = { 0, 4, 0x80000000u, 0xffffffffu };

	for (unsigned int i = 0; i < ARRAY_SIZE(models); i++) {
		EXPECT_EQ(-EINVAL, kic_create(self->fd, models[i], NR_VCPUS))
			TH_LOG("model %u", models[i]);
	}
	/* none of them configured the instance */
	EXPECT_EQ(0, kic_create(self->fd, KVM_IRQCHIP_MODEL_X86, NR_VCPUS));
}

TEST_F(unconfigured, create_zero_vcpus_is_einval)
{
	EXPECT_EQ(-EINVAL, kic_create(self->fd, KVM_IRQCHIP_MODEL_X86, 0));
}

TEST_F(unconfigured, create_too_many_vcpus_is_einval)
{
	EXPECT_EQ(-EINVAL, kic_create(self->fd, KVM_IRQCHIP_MODEL_X86,
				      KVM_IRQCHIP_MAX_VCPUS + 1));
	EXPECT_EQ(-EINVAL, kic_create(self->fd, KVM_IRQCHIP_MODEL_X86, 0xffffffffu));
}

TEST_F(unconfigured, create_max_vcpus_succeeds)
{
	long vfd;

	ASSERT_EQ(0, kic_create(self->fd, KVM_IRQCHIP_MODEL_X86,
				KVM_IRQCHIP_MAX_VCPUS));
	vfd = xioctl_val(self->fd, KVM_IRQCHIP_GET_VCPU_FD, KVM_IRQCHIP_MAX_VCPUS - 1);
	ASSERT_LE(0, vfd);
	close(vfd);
	EXPECT_EQ(-EINVAL, xioctl_val(self->fd, KVM_IRQCHIP_GET_VCPU_FD,
				      KVM_IRQCHIP_MAX_VCPUS));
}

TEST_F(unconfigured, create_nonzero_flags_is_einval)
{
	struct kvm_irqchip_create c = good_create();

	c.flags = 2;	/* the first bit past KVM_IRQCHIP_CREATE_DEFAULT_ROUTING */
	EXPECT_EQ(-EINVAL, create_with(self->fd, &c));
	c.flags = 0x80000000u;
	EXPECT_EQ(-EINVAL, create_with(self->fd, &c));
}

TEST_F(unconfigured, create_nonzero_pad_is_einval)
{
	struct kvm_irqchip_create c = good_create();

	c.kvm_vm_fd = 1;	/* without KVM_IRQCHIP_CREATE_KVM_VM */
	EXPECT_EQ(-EINVAL, create_with(self->fd, &c));
}

TEST_F(unconfigured, create_nonzero_reserved_is_einval)
{
	for (int i = 0; i < 6; i++) {
		struct kvm_irqchip_create c = good_create();

		c.reserved[i] = 1ull << (i * 10);
		EXPECT_EQ(-EINVAL, create_with(self->fd, &c)) TH_LOG("reserved[%d]", i);
	}
}

/* Only the x86 model can front a KVM VM: the others say EOPNOTSUPP. */
TEST(kvm_vm_flag_on_a_model_without_bridge_is_eopnotsupp)
{
	static const uint32_t models[] = { KVM_IRQCHIP_MODEL_ARM64_GICV3,
					   KVM_IRQCHIP_MODEL_PPC_XICS };

	for (unsigned int i = 0; i < ARRAY_SIZE(models); i++) {
		struct kvm_irqchip_create c = {
			.model = models[i], .nr_vcpus = 1,
			.flags = KVM_IRQCHIP_CREATE_KVM_VM, .kvm_vm_fd = 0,
		};
		int fd = kic_open();

		ASSERT_LE(0, fd);
		EXPECT_EQ(-EOPNOTSUPP, xioctl(fd, KVM_IRQCHIP_CREATE, &c))
			TH_LOG("model %u", models[i]);
		/* and the instance is still unconfigured */
		EXPECT_EQ(0, kic_create(fd, models[i], 1));
		close(fd);
	}
}

/* Every model the uapi defines is built (ENODEV is for one that is not). */
TEST(create_each_defined_model_succeeds)
{
	static const uint32_t models[] = { KVM_IRQCHIP_MODEL_X86,
					   KVM_IRQCHIP_MODEL_ARM64_GICV3,
					   KVM_IRQCHIP_MODEL_PPC_XICS };

	for (unsigned int i = 0; i < ARRAY_SIZE(models); i++) {
		int fd = kic_open();

		ASSERT_LE(0, fd);
		EXPECT_EQ(0, kic_create(fd, models[i], NR_VCPUS)) TH_LOG("model %u", models[i]);
		close(fd);
	}
}

TEST_F(unconfigured, create_twice_is_eexist)
{
	ASSERT_EQ(0, kic_create(self->fd, KVM_IRQCHIP_MODEL_X86, NR_VCPUS));
	EXPECT_EQ(-EEXIST, kic_create(self->fd, KVM_IRQCHIP_MODEL_X86, NR_VCPUS));
	/* once created that is the only answer: the argument is not read */
	EXPECT_EQ(-EEXIST, kic_create(self->fd, 0, 0));
	EXPECT_EQ(-EEXIST, xioctl(self->fd, KVM_IRQCHIP_CREATE, fault_page()));
	/* the first one is still the one in force */
	EXPECT_EQ(-EINVAL, xioctl_val(self->fd, KVM_IRQCHIP_GET_VCPU_FD, NR_VCPUS));
}

TEST_F(unconfigured, create_bad_pointer_is_efault)
{
	EXPECT_EQ(-EFAULT, xioctl(self->fd, KVM_IRQCHIP_CREATE, fault_page()));
	EXPECT_EQ(-EFAULT, xioctl(self->fd, KVM_IRQCHIP_CREATE, NULL));
}

TEST_F(unconfigured, failed_create_leaves_instance_unconfigured)
{
	struct kvm_irqchip_counters c;

	ASSERT_EQ(-EINVAL, kic_create(self->fd, KVM_IRQCHIP_MODEL_X86, 0));
	ASSERT_EQ(-EINVAL, kic_create(self->fd, 99, 1));
	EXPECT_EQ(-ENXIO, get_counters(self->fd, &c));
	EXPECT_EQ(-ENXIO, xioctl_val(self->fd, KVM_IRQCHIP_GET_VCPU_FD, 0));
	EXPECT_EQ(0, kic_create(self->fd, KVM_IRQCHIP_MODEL_X86, NR_VCPUS));
}

TEST_F(unconfigured, routing_before_create_is_einval)
{
	struct kvm_irq_routing_entry e = route_msi(1, msi_addr(0, 0, 0), 0,
						   msi_data(0x40, DM_FIXED, 0));

	EXPECT_EQ(-EINVAL, set_routing(self->fd, &e, 1));
	EXPECT_EQ(-EINVAL, set_routing(self->fd, NULL, 0));
}

TEST_F(unconfigured, irqfd_before_create_is_einval)
{
	int efd = new_eventfd();

	ASSERT_LE(0, efd);
	EXPECT_EQ(-EINVAL, irqfd(self->fd, efd, 1, 0));
	EXPECT_EQ(-EINVAL, irqfd(self->fd, efd, 1, KVM_IRQFD_FLAG_DEASSIGN));
	close(efd);
}

/* Before creation the answers do not depend on the argument: no EFAULT. */
TEST_F(unconfigured, ioctls_before_create_do_not_read_argument)
{
	void *bad = fault_page();

	ASSERT_NE(NULL, bad);
	EXPECT_EQ(-EINVAL, xioctl(self->fd, KVM_SET_GSI_ROUTING, bad));
	EXPECT_EQ(-EINVAL, xioctl(self->fd, KVM_SIGNAL_MSI, bad));
	EXPECT_EQ(-EINVAL, xioctl(self->fd, KVM_IRQFD, bad));
	EXPECT_EQ(-ENXIO, xioctl(self->fd, KVM_ENABLE_CAP, bad));
	EXPECT_EQ(-ENXIO, xioctl(self->fd, KVM_IRQ_LINE, bad));
	EXPECT_EQ(-ENXIO, xioctl(self->fd, KVM_IRQ_LINE_STATUS, bad));
	EXPECT_EQ(-ENXIO, xioctl(self->fd, KVM_IRQCHIP_GET_COUNTERS, bad));
}

TEST_F(unconfigured, signal_msi_before_create_is_einval)
{
	EXPECT_EQ(-EINVAL, signal_msi(self->fd, msi_addr(0, 0, 0), 0,
				      msi_data(0x40, DM_FIXED, 0)));
}

TEST_F(unconfigured, irq_line_before_create_is_enxio)
{
	int32_t status = 12345;

	EXPECT_EQ(-ENXIO, irq_line(self->fd, 1, 1));
	EXPECT_EQ(-ENXIO, irq_line_status(self->fd, 1, 1, &status));
	EXPECT_EQ(12345, status);
}

TEST_F(unconfigured, get_vcpu_fd_before_create_is_enxio)
{
	EXPECT_EQ(-ENXIO, xioctl_val(self->fd, KVM_IRQCHIP_GET_VCPU_FD, 0));
}

TEST_F(unconfigured, get_counters_before_create_is_enxio)
{
	struct kvm_irqchip_counters c;

	EXPECT_EQ(-ENXIO, get_counters(self->fd, &c));
}

TEST_F(unconfigured, enable_cap_before_create_is_enxio)
{
	EXPECT_EQ(-ENXIO, enable_cap(self->fd, KVM_CAP_X2APIC_API,
				     KVM_X2APIC_API_USE_32BIT_IDS, 0));
	EXPECT_EQ(-ENXIO, enable_cap(self->fd, KVM_IRQCHIP_CAP_X86_EXT_DEST_ID, 1, 0));
}

TEST_F(unconfigured, unknown_ioctl_before_create_is_enotty)
{
	EXPECT_EQ(-ENOTTY, xioctl_val(self->fd, _IO(KVMIO, 0xe7), 0));
	EXPECT_EQ(-ENOTTY, xioctl_val(self->fd, KVM_CREATE_VCPU, 0));
}

static void check_extensions(struct __test_metadata *_metadata, int fd)
{
	static const struct { long cap; long val; const char *name; } t[] = {
		{ KVM_CAP_IRQ_ROUTING, 1 << 20, "IRQ_ROUTING" },
		{ KVM_CAP_IRQFD, 1, "IRQFD" },
		{ KVM_CAP_SIGNAL_MSI, 1, "SIGNAL_MSI" },
		{ KVM_CAP_IRQ_INJECT_STATUS, 1, "IRQ_INJECT_STATUS" },
		{ KVM_CAP_X2APIC_API, 3, "X2APIC_API" },
		{ KVM_CAP_IRQFD_RESAMPLE, 1, "IRQFD_RESAMPLE" },
		{ KVM_CAP_MSI_DEVID, 0, "MSI_DEVID" },
		{ KVM_IRQCHIP_CAP_MODELS, 1 << KVM_IRQCHIP_MODEL_X86 |
		  1 << KVM_IRQCHIP_MODEL_ARM64_GICV3 |
		  1 << KVM_IRQCHIP_MODEL_PPC_XICS, "CAP_MODELS" },
		{ KVM_IRQCHIP_CAP_X86_EXT_DEST_ID, 1, "CAP_X86_EXT_DEST_ID" },
		{ KVM_IRQCHIP_CAP_X86_STRICT, 1, "CAP_X86_STRICT" },
		{ KVM_IRQCHIP_CAP_ABI_VERSION, KVM_IRQCHIP_ABI_VERSION, "CAP_ABI_VERSION" },
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(t); i++) {
		long val = check_ext(fd, t[i].cap);

		EXPECT_EQ(t[i].val, val) TH_LOG("%s", t[i].name);
	}
}

TEST_F(unconfigured, check_extension_values_before_create)
{
	check_extensions(_metadata, self->fd);
}

TEST_F(unconfigured, check_extension_values_after_create)
{
	ASSERT_EQ(0, kic_create(self->fd, KVM_IRQCHIP_MODEL_X86, NR_VCPUS));
	check_extensions(_metadata, self->fd);
}

TEST_F(unconfigured, check_extension_unknown_is_zero)
{
	EXPECT_EQ(0, check_ext(self->fd, KVM_CAP_USER_MEMORY));
	EXPECT_EQ(0, check_ext(self->fd, KVM_CAP_HYPERV_SYNIC));
	/* the first of our numbers not yet given out */
	EXPECT_EQ(0, check_ext(self->fd, KVM_IRQCHIP_CAP_BASE + 5));
	EXPECT_EQ(0, check_ext(self->fd, 0x7fffffff));
	EXPECT_EQ(0, check_ext(self->fd, -1));
}

TEST_F(unconfigured, instances_are_independent)
{
	int other = kic_open();
	struct kvm_irqchip_counters c;

	ASSERT_LE(0, other);
	ASSERT_EQ(0, kic_create(self->fd, KVM_IRQCHIP_MODEL_X86, NR_VCPUS));
	EXPECT_EQ(-ENXIO, get_counters(other, &c));
	EXPECT_EQ(0, kic_create(other, KVM_IRQCHIP_MODEL_X86, 1));
	EXPECT_EQ(-EINVAL, xioctl_val(other, KVM_IRQCHIP_GET_VCPU_FD, 1));
	close(other);
}

/* A created instance with NR_VCPUS xAPIC vCPUs: ID i, flat LDR 1 << i, enabled. */
FIXTURE(instance) {
	struct vm vm;
};

FIXTURE_SETUP(instance)
{
	ASSERT_EQ(0, vm_init_kic(&self->vm, NR_VCPUS));
	ASSERT_EQ(0, vm_xapic_flat(&self->vm));
}

FIXTURE_TEARDOWN(instance)
{
	vm_fini(&self->vm);
}

TEST_F(instance, unknown_ioctl_is_enotty)
{
	EXPECT_EQ(-ENOTTY, xioctl_val(self->vm.fd, _IO(KVMIO, 0xe7), 0));
	EXPECT_EQ(-ENOTTY, xioctl_val(self->vm.fd, _IO(0xab, 0x01), 0));
	EXPECT_EQ(-ENOTTY, xioctl_val(self->vm.fd, KVM_CREATE_VCPU, 0));
	EXPECT_EQ(-ENOTTY, xioctl_val(self->vm.fd, KVM_CREATE_IRQCHIP, 0));
}

TEST_F(instance, vcpu_unknown_ioctl_is_enotty)
{
	EXPECT_EQ(-ENOTTY, xioctl_val(self->vm.vcpu[0], _IO(KVMIO, 0xef), 0));
	EXPECT_EQ(-ENOTTY, xioctl_val(self->vm.vcpu[0], KVM_RUN, 0));
}

TEST_F(instance, vcpu_ioctls_on_instance_fd_are_enotty)
{
	struct kvm_lapic_state s;
	struct kvm_irqchip_vcpu_ack a;

	memset(&a, 0, sizeof(a));
	EXPECT_EQ(-ENOTTY, xioctl(self->vm.fd, KVM_GET_LAPIC, &s));
	EXPECT_EQ(-ENOTTY, xioctl(self->vm.fd, KVM_IRQCHIP_VCPU_ACK, &a));
}

TEST_F(instance, instance_ioctls_on_vcpu_fd_are_enotty)
{
	struct kvm_irqchip_counters c;

	EXPECT_EQ(-ENOTTY, signal_msi(self->vm.vcpu[0], msi_addr(0, 0, 0), 0,
				      msi_data(0x40, DM_FIXED, 0)));
	EXPECT_EQ(-ENOTTY, get_counters(self->vm.vcpu[0], &c));
	EXPECT_EQ(0, irr_count(self->vm.vcpu[0]));
}

TEST_F(instance, enable_cap_nonzero_flags_is_einval)
{
	struct kvm_enable_cap c = { .cap = KVM_CAP_X2APIC_API, .flags = 1 };

	EXPECT_EQ(-EINVAL, xioctl(self->vm.fd, KVM_ENABLE_CAP, &c));
}

TEST_F(instance, enable_cap_x2apic_api_unknown_bits_is_einval)
{
	EXPECT_EQ(-EINVAL, enable_cap(self->vm.fd, KVM_CAP_X2APIC_API, 4, 0));
	EXPECT_EQ(-EINVAL, enable_cap(self->vm.fd, KVM_CAP_X2APIC_API, 1ull << 63, 0));
}

/*
 * As KVM: kvm_vm_ioctl_enable_cap() looks at args[0] only for
 * KVM_CAP_X2APIC_API (arch/x86/kvm/x86.c); the flag still takes effect.
 */
TEST_F(instance, enable_cap_x2apic_api_nonzero_args_are_ignored)
{
	struct kvm_irq_routing_entry e = route_msi(1, msi_addr(1, false, false), 1,
						   msi_data(0x40, DM_FIXED, false));
	struct kvm_enable_cap ids = {
		.cap = KVM_CAP_X2APIC_API,
		.args = { KVM_X2APIC_API_USE_32BIT_IDS, 1, 1, 1 },
	};

	for (int i = 1; i < 4; i++) {
		struct kvm_enable_cap c = { .cap = KVM_CAP_X2APIC_API };

		c.args[i] = 1;
		EXPECT_EQ(0, xioctl(self->vm.fd, KVM_ENABLE_CAP, &c))
			TH_LOG("args[%d]", i);
	}
	/* none of those set a flag: address_hi's low byte is still free */
	EXPECT_EQ(0, set_routing(self->vm.fd, &e, 1));
	EXPECT_EQ(0, xioctl(self->vm.fd, KVM_ENABLE_CAP, &ids));
	/* USE_32BIT_IDS is in force: address_hi[7:0] must be 0 */
	EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, &e, 1));
}

TEST_F(instance, strict_enable_cap_x2apic_api_nonzero_args_is_einval)
{
	ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_IRQCHIP_CAP_X86_STRICT, 1, 0));
	for (int i = 1; i < 4; i++) {
		struct kvm_enable_cap c = { .cap = KVM_CAP_X2APIC_API };

		c.args[i] = 1;
		EXPECT_EQ(-EINVAL, xioctl(self->vm.fd, KVM_ENABLE_CAP, &c))
			TH_LOG("args[%d]", i);
	}
}

TEST_F(instance, enable_cap_x2apic_api_valid_flags_succeed)
{
	EXPECT_EQ(0, enable_cap(self->vm.fd, KVM_CAP_X2APIC_API, 0, 0));
	EXPECT_EQ(0, enable_cap(self->vm.fd, KVM_CAP_X2APIC_API,
				KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK, 0));
	EXPECT_EQ(0, enable_cap(self->vm.fd, KVM_CAP_X2APIC_API,
				KVM_X2APIC_API_USE_32BIT_IDS |
				KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK, 0));
}

TEST_F(instance, enable_cap_ext_dest_id_only_0_or_1)
{
	EXPECT_EQ(0, enable_cap(self->vm.fd, KVM_IRQCHIP_CAP_X86_EXT_DEST_ID, 1, 0));
	EXPECT_EQ(0, enable_cap(self->vm.fd, KVM_IRQCHIP_CAP_X86_EXT_DEST_ID, 0, 0));
	EXPECT_EQ(-EINVAL, enable_cap(self->vm.fd, KVM_IRQCHIP_CAP_X86_EXT_DEST_ID, 2, 0));
	EXPECT_EQ(-EINVAL, enable_cap(self->vm.fd, KVM_IRQCHIP_CAP_X86_EXT_DEST_ID,
				      1ull << 32, 0));
	EXPECT_EQ(-EINVAL, enable_cap(self->vm.fd, KVM_IRQCHIP_CAP_X86_EXT_DEST_ID, 1, 1));
}

TEST_F(instance, enable_cap_other_cap_is_einval)
{
	EXPECT_EQ(-EINVAL, enable_cap(self->vm.fd, KVM_CAP_IRQFD, 0, 0));
	EXPECT_EQ(-EINVAL, enable_cap(self->vm.fd, KVM_CAP_IRQ_ROUTING, 0, 0));
	EXPECT_EQ(-EINVAL, enable_cap(self->vm.fd, KVM_IRQCHIP_CAP_MODELS, 0, 0));
	EXPECT_EQ(-EINVAL, enable_cap(self->vm.fd, 0xdead, 0, 0));
}

TEST_F(instance, vcpu_index_out_of_range_is_einval)
{
	EXPECT_EQ(-EINVAL, xioctl_val(self->vm.fd, KVM_IRQCHIP_GET_VCPU_FD, NR_VCPUS));
	EXPECT_EQ(-EINVAL, xioctl_val(self->vm.fd, KVM_IRQCHIP_GET_VCPU_FD, 1ul << 32));
	EXPECT_EQ(-EINVAL, xioctl_val(self->vm.fd, KVM_IRQCHIP_GET_VCPU_FD, ULONG_MAX));
}

TEST_F(instance, vcpu_fd_is_cloexec)
{
	int flags = fcntl(self->vm.vcpu[1], F_GETFD);

	ASSERT_LE(0, flags);
	EXPECT_TRUE(flags & FD_CLOEXEC);
}

TEST_F(instance, several_fds_of_one_vcpu_share_state)
{
	long vfd = xioctl_val(self->vm.fd, KVM_IRQCHIP_GET_VCPU_FD, 2);
	struct kvm_lapic_state s;

	ASSERT_LE(0, vfd);
	ASSERT_EQ(0, lapic_config(vfd, 2, 1u << 2, DFR_FLAT, SVR_ON, 0x40));
	ASSERT_EQ(0, lapic_get(self->vm.vcpu[2], &s));
	EXPECT_EQ(0x40u, apic_get(&s, APIC_TPR));
	ASSERT_EQ(1, signal_msi(self->vm.fd, msi_addr(2, 0, 0), 0,
				msi_data(0x61, DM_FIXED, 0)));
	EXPECT_EQ(1, irr_has(vfd, 0x61));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[2], 0x61));
	close(vfd);
	/* closing one fd leaves the vCPU usable through the other */
	EXPECT_EQ(1, irr_has(self->vm.vcpu[2], 0x61));
}

TEST_F(instance, vcpu_fd_keeps_instance_alive)
{
	uint32_t vec = 0;

	ASSERT_EQ(1, signal_msi(self->vm.fd, msi_addr(0, 0, 0), 0,
				msi_data(0x33, DM_FIXED, 0)));
	close(self->vm.fd);
	self->vm.fd = -1;
	sleep_ms(20);
	EXPECT_EQ(0, vcpu_ack(self->vm.vcpu[0], &vec, NULL));
	EXPECT_EQ(0x33u, vec);
	EXPECT_EQ(0, lapic_config(self->vm.vcpu[1], 1, 2, DFR_FLAT, SVR_ON, 0));
}

TEST_F(instance, counters_start_at_zero)
{
	struct kvm_irqchip_counters c, zero;

	memset(&c, 0xa5, sizeof(c));
	memset(&zero, 0, sizeof(zero));
	ASSERT_EQ(0, xioctl(self->vm.fd, KVM_IRQCHIP_GET_COUNTERS, &c));
	EXPECT_EQ(0, memcmp(&c, &zero, sizeof(c)));
}

TEST_F(instance, counters_count_delivered_per_vcpu)
{
	struct kvm_irqchip_counters c;

	ASSERT_EQ(NR_VCPUS, signal_msi(self->vm.fd, msi_addr(0xff, 0, 0), 0,
				       msi_data(0x44, DM_FIXED, 0)));
	ASSERT_EQ(1, signal_msi(self->vm.fd, msi_addr(1, 0, 0), 0,
				msi_data(0x45, DM_FIXED, 0)));
	ASSERT_EQ(0, get_counters(self->vm.fd, &c));
	EXPECT_EQ((uint64_t)NR_VCPUS + 1, c.delivered);
	EXPECT_EQ(0ull, c.no_target);
	EXPECT_EQ(0ull, c.illegal_vector);
}

TEST_F(instance, counters_count_no_target)
{
	struct kvm_irqchip_counters c;

	ASSERT_EQ(0, signal_msi(self->vm.fd, msi_addr(0x77, 0, 0), 0,
				msi_data(0x44, DM_FIXED, 0)));
	ASSERT_EQ(0, get_counters(self->vm.fd, &c));
	EXPECT_EQ(1ull, c.no_target);
	EXPECT_EQ(0ull, c.delivered);
}

/* EFAULT: each ioctl that takes a pointer, given one that faults. */
TEST_F(instance, routing_bad_pointer_is_efault)
{
	EXPECT_EQ(-EFAULT, xioctl(self->vm.fd, KVM_SET_GSI_ROUTING, fault_page()));
}

TEST_F(instance, irqfd_bad_pointer_is_efault)
{
	EXPECT_EQ(-EFAULT, xioctl(self->vm.fd, KVM_IRQFD, fault_page()));
}

TEST_F(instance, signal_msi_bad_pointer_is_efault)
{
	EXPECT_EQ(-EFAULT, xioctl(self->vm.fd, KVM_SIGNAL_MSI, fault_page()));
}

TEST_F(instance, irq_line_bad_pointer_is_efault)
{
	EXPECT_EQ(-EFAULT, xioctl(self->vm.fd, KVM_IRQ_LINE, fault_page()));
	EXPECT_EQ(-EFAULT, xioctl(self->vm.fd, KVM_IRQ_LINE_STATUS, fault_page()));
}

TEST_F(instance, enable_cap_bad_pointer_is_efault)
{
	EXPECT_EQ(-EFAULT, xioctl(self->vm.fd, KVM_ENABLE_CAP, fault_page()));
}

TEST_F(instance, get_counters_bad_pointer_is_efault)
{
	EXPECT_EQ(-EFAULT, xioctl(self->vm.fd, KVM_IRQCHIP_GET_COUNTERS, fault_page()));
	EXPECT_EQ(-EFAULT, xioctl(self->vm.fd, KVM_IRQCHIP_GET_COUNTERS, readonly_page()));
}

TEST_F(instance, lapic_bad_pointer_is_efault)
{
	EXPECT_EQ(-EFAULT, xioctl(self->vm.vcpu[0], KVM_GET_LAPIC, fault_page()));
	EXPECT_EQ(-EFAULT, xioctl(self->vm.vcpu[0], KVM_GET_LAPIC, readonly_page()));
	EXPECT_EQ(-EFAULT, xioctl(self->vm.vcpu[0], KVM_SET_LAPIC, fault_page()));
}

TEST_F(instance, ack_eoi_bad_pointer_is_efault)
{
	struct kvm_lapic_state s;

	/* something to acknowledge and something to retire */
	ASSERT_EQ(0, lapic_get(self->vm.vcpu[0], &s));
	apic_vec_set(&s, APIC_IRR, 0x50, true);
	apic_vec_set(&s, APIC_ISR, 0x30, true);
	ASSERT_EQ(0, lapic_set(self->vm.vcpu[0], &s));
	EXPECT_EQ(-EFAULT, xioctl(self->vm.vcpu[0], KVM_IRQCHIP_VCPU_ACK, fault_page()));
	EXPECT_EQ(-EFAULT, xioctl(self->vm.vcpu[0], KVM_IRQCHIP_VCPU_EOI, fault_page()));
}

TEST_F(instance, events_bad_pointer_is_efault)
{
	EXPECT_EQ(-EFAULT, xioctl(self->vm.vcpu[0], KVM_IRQCHIP_VCPU_GET_EVENTS,
				  fault_page()));
	EXPECT_EQ(-EFAULT, xioctl(self->vm.vcpu[0], KVM_IRQCHIP_VCPU_GET_EVENTS,
				  readonly_page()));
}

TEST_F(instance, vcpu_state_bad_pointer_is_efault)
{
	uint64_t base = 0;

	EXPECT_EQ(-EFAULT, xioctl(self->vm.vcpu[1], KVM_IRQCHIP_X86_GET_VCPU_STATE,
				  fault_page()));
	EXPECT_EQ(-EFAULT, xioctl(self->vm.vcpu[1], KVM_IRQCHIP_X86_SET_VCPU_STATE,
				  fault_page()));
	ASSERT_EQ(0, get_apic_base(&self->vm, 1, &base));
	EXPECT_EQ(APIC_BASE_ADDR | APIC_BASE_ENABLE, base);
}

TEST_HARNESS_MAIN
