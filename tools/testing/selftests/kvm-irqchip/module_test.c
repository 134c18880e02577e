// SPDX-License-Identifier: GPL-2.0
/*
 * Module lifetime: delete_module(O_NONBLOCK) is refused with EWOULDBLOCK
 * while any instance or vCPU fd is open, succeeds once they are closed
 * (the device node then goes away), and finit_module() of $KIC_MODULE
 * brings a working device back.  Every test leaves the module loaded.
 */
#include <sys/stat.h>
#include <sys/syscall.h>

#include "kic_x86_util.h"
#include "kselftest_harness.h"

#define MOD_NAME	"kvm_irqchip"
#define WAIT_MS		3000

static long unload(void)
{
	return syscall(SYS_delete_module, MOD_NAME, O_NONBLOCK) ? -errno : 0;
}

/* Unload, allowing a moment for deferred releases after the last close. */
static long unload_soon(void)
{
	uint64_t end = now_ms() + WAIT_MS;
	long r;

	while ((r = unload()) == -EWOULDBLOCK && now_ms() < end)
		sleep_ms(10);
	return r;
}

static long load(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	long r;

	if (fd < 0)
		return -errno;
	r = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return r;
}

/* Wait until the device node exists (present) or is gone (!present). */
static bool wait_dev(bool present)
{
	uint64_t end = now_ms() + WAIT_MS;

	do {
		if ((access(KIC_DEV, F_OK) == 0) == present)
			return true;
		sleep_ms(10);
	} while (now_ms() < end);
	return false;
}

/* Create a 1-vCPU instance and prove it delivers; 0 when it works. */
static int use_device(void)
{
	struct vm vm;
	int ok;

	if (vm_init_kic(&vm, 1)) {
		vm_fini(&vm);
		return -1;
	}
	ok = !vm_xapic_flat(&vm) &&
	     signal_msi(vm.fd, msi_addr(0, 0, 0), 0, msi_data(0x40, DM_FIXED, 0)) == 1 &&
	     irr_has(vm.vcpu[0], 0x40) == 1;
	vm_fini(&vm);
	return ok ? 0 : -1;
}

FIXTURE(module) {
	const char *ko;
};

FIXTURE_SETUP(module)
{
	self->ko = getenv("KIC_MODULE");
	if (!self->ko || !*self->ko)
		SKIP(_exit(255), "missing module: KIC_MODULE is not set");
	if (!kic_module_loaded())
		ASSERT_EQ(0, load(self->ko));
	ASSERT_TRUE(wait_dev(true));
}

FIXTURE_TEARDOWN(module)
{
	if (!kic_module_loaded())
		EXPECT_EQ(0, load(self->ko));
	EXPECT_TRUE(wait_dev(true));
}

TEST_F(module, unload_refused_while_instance_open)
{
	struct vm vm;

	ASSERT_EQ(0, vm_init_kic(&vm, 2));
	ASSERT_EQ(0, vm_xapic_flat(&vm));
	EXPECT_EQ(-EWOULDBLOCK, unload());
	EXPECT_TRUE(kic_module_loaded());
	/* the refused unload changed nothing */
	EXPECT_EQ(2, signal_msi(vm.fd, msi_addr(0xff, 0, 0), 0, msi_data(0x41, DM_FIXED, 0)));
	EXPECT_EQ(0, access(KIC_DEV, F_OK));
	vm_fini(&vm);
}

TEST_F(module, unload_refused_while_unconfigured_fd_open)
{
	int fd = kic_open();

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EWOULDBLOCK, unload());
	EXPECT_EQ(0, kic_create(fd, KVM_IRQCHIP_MODEL_X86, 1));
	close(fd);
}

TEST_F(module, unload_refused_while_only_vcpu_fd_open)
{
	struct vm vm;
	int vfd;

	ASSERT_EQ(0, vm_init_kic(&vm, 2));
	vfd = dup(vm.vcpu[1]);
	ASSERT_LE(0, vfd);
	vm_fini(&vm);
	EXPECT_EQ(-EWOULDBLOCK, unload());
	EXPECT_EQ(0, lapic_config(vfd, 1, 2, DFR_FLAT, SVR_ON, 0));
	close(vfd);
	EXPECT_EQ(0, unload_soon());
	EXPECT_TRUE(wait_dev(false));
}

TEST_F(module, unload_after_close_removes_device)
{
	ASSERT_EQ(0, use_device());
	ASSERT_EQ(0, unload_soon());
	EXPECT_FALSE(kic_module_loaded());
	EXPECT_TRUE(wait_dev(false));
	EXPECT_EQ(-ENOENT, kic_open() < 0 ? -errno : 0);
}

TEST_F(module, reload_brings_working_device_back)
{
	ASSERT_EQ(0, unload_soon());
	ASSERT_TRUE(wait_dev(false));
	ASSERT_EQ(0, load(self->ko));
	EXPECT_TRUE(kic_module_loaded());
	ASSERT_TRUE(wait_dev(true));
	EXPECT_EQ(0, use_device());
	/* loading it twice is refused by the kernel */
	EXPECT_EQ(-EEXIST, load(self->ko));
}

TEST_F_TIMEOUT(module, unload_reload_cycles, 120)
{
	for (int i = 0; i < 5; i++) {
		int fd;

		ASSERT_EQ(0, use_device()) TH_LOG("cycle %d", i);
		fd = kic_open();
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, kic_create(fd, KVM_IRQCHIP_MODEL_X86, 4));
		EXPECT_EQ(-EWOULDBLOCK, unload()) TH_LOG("cycle %d", i);
		close(fd);
		ASSERT_EQ(0, unload_soon()) TH_LOG("cycle %d", i);
		ASSERT_TRUE(wait_dev(false)) TH_LOG("cycle %d", i);
		ASSERT_EQ(0, load(self->ko)) TH_LOG("cycle %d", i);
		ASSERT_TRUE(wait_dev(true)) TH_LOG("cycle %d", i);
	}
	EXPECT_EQ(0, use_device());
}

TEST_F(module, unload_with_bound_eventfd_after_instance_close)
{
	struct vm vm;
	struct kvm_irq_routing_entry e = route_msi(1, msi_addr(0, 0, 0), 0,
						   msi_data(0x51, DM_FIXED, 0));
	int efd = new_eventfd();

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, vm_init_kic(&vm, 1));
	ASSERT_EQ(0, vm_xapic_flat(&vm));
	ASSERT_EQ(0, set_routing(vm.fd, &e, 1));
	ASSERT_EQ(0, irqfd(vm.fd, efd, 1, 0));
	ASSERT_EQ(0, efd_signal(efd));
	ASSERT_EQ(1, wait_irr(vm.vcpu[0], 0x51, WAIT_MS));
	vm_fini(&vm);
	/* the eventfd outlives the instance and the module */
	ASSERT_EQ(0, unload_soon());
	for (int i = 0; i < 10; i++)
		EXPECT_EQ(0, efd_signal(efd));
	close(efd);
	ASSERT_EQ(0, load(self->ko));
	ASSERT_TRUE(wait_dev(true));
	EXPECT_EQ(0, use_device());
}

TEST_HARNESS_MAIN
