// SPDX-License-Identifier: GPL-2.0
/*
 * The kvm_irqchip tracepoints, enabled through tracefs
 * (Documentation/trace/events.rst): each test turns every event of the
 * system on, drives the instance, and checks the records' fields and
 * values in the "trace" file.  The records' formats are listed in
 * Documentation/virt/kvm-irqchip/ecosystem.rst.
 */
#include "kic_x86_util.h"
#include "inspect_util.h"
#include "kselftest_harness.h"

#define VEC		0x41
#define MSI_GSI		40
#define WAIT_MS		2000

FIXTURE(trace) {
	struct vm vm;
	int id;
	char *text;
};

FIXTURE_SETUP(trace)
{
	self->text = NULL;
	ASSERT_EQ(0, vm_init_kic(&self->vm, 1));
	ASSERT_EQ(0, vm_xapic_flat(&self->vm));
	self->id = kic_instance_id(getpid());
	ASSERT_LE(0, self->id) TH_LOG("no debugfs directory for the instance");
	ASSERT_NE(NULL, tracefs()) TH_LOG("no tracefs");
	ASSERT_EQ(0, trace_start());
}

FIXTURE_TEARDOWN(trace)
{
	free(trace_stop());
	free(self->text);
	vm_fini(&self->vm);
}

static struct kvm_irq_routing_entry msi_to_vcpu0(uint32_t gsi, uint32_t vec)
{
	return route_msi(gsi, msi_addr(0, false, false), 0,
			 msi_data(vec, DM_FIXED, false));
}

static char *stop(void)
{
	char *t = trace_stop();

	/* Printed on failure only: the harness shows TH_LOG then. */
	return t;
}

TEST_F(trace, route_update_records_gsi_op_and_entries)
{
	struct kvm_irq_routing_entry e[3] = {
		route_pin(5, KVM_IRQCHIP_PIC_MASTER, 5),
		route_pin(5, KVM_IRQCHIP_IOAPIC, 5),
		msi_to_vcpu0(30, VEC),
	};
	int id = self->id;

	ASSERT_EQ(0, set_routing(self->vm.fd, e, 3));
	ASSERT_EQ(0, route_del(self->vm.fd, 30));
	self->text = stop();
	ASSERT_NE(NULL, self->text);
	EXPECT_EQ(1, count_lines(self->text,
				 "kvm_irqchip_route: kic=%d gsi=5 op=set nr=2 old_nr=0 type=irqchip",
				 id)) TH_LOG("%s", self->text);
	EXPECT_EQ(1, count_lines(self->text,
				 "kvm_irqchip_route: kic=%d gsi=30 op=set nr=1 old_nr=0 type=msi",
				 id));
	EXPECT_EQ(1, count_lines(self->text,
				 "kvm_irqchip_route: kic=%d gsi=30 op=delete nr=0 old_nr=1 type=none",
				 id));
}

/* An irqfd's life: assign, a fast-path MSI, deassign, then its shutdown. */
TEST_F(trace, irqfd_assign_inject_deassign_are_recorded)
{
	struct kvm_irq_routing_entry e = msi_to_vcpu0(MSI_GSI, VEC);
	int efd = new_eventfd(), id = self->id;

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	ASSERT_EQ(0, irqfd(self->vm.fd, efd, MSI_GSI, 0));
	ASSERT_EQ(0, efd_signal(efd));
	ASSERT_EQ(1, wait_irr(self->vm.vcpu[0], VEC, WAIT_MS));
	ASSERT_EQ(0, irqfd(self->vm.fd, efd, MSI_GSI, KVM_IRQFD_FLAG_DEASSIGN));
	self->text = stop();
	ASSERT_NE(NULL, self->text);
	EXPECT_EQ(1, count_lines(self->text,
				 "kvm_irqchip_irqfd: kic=%d gsi=%d op=assign resample=0",
				 id, MSI_GSI)) TH_LOG("%s", self->text);
	EXPECT_EQ(1, count_lines(self->text,
				 "kvm_irqchip_set_gsi: kic=%d gsi=%d level=1 src=irqfd path=fast type=msi nr=1 target=0xfee00000:0x%x status=1",
				 id, MSI_GSI, VEC));
	EXPECT_EQ(1, count_lines(self->text, "kvm_irqchip_irqfd: kic=%d gsi=%d op=deassign",
				 id, MSI_GSI));
	EXPECT_EQ(1, count_lines(self->text, "kvm_irqchip_irqfd: kic=%d gsi=%d op=shutdown",
				 id, MSI_GSI));
	close(efd);
}

/* Closing a bound eventfd: EPOLLHUP, then the shutdown from the work item. */
TEST_F(trace, irqfd_eventfd_close_is_a_hangup)
{
	struct kvm_irq_routing_entry e = msi_to_vcpu0(MSI_GSI, VEC);
	int efd = new_eventfd(), id = self->id;
	uint64_t end = now_ms() + WAIT_MS;
	char *t = NULL;

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	ASSERT_EQ(0, irqfd(self->vm.fd, efd, MSI_GSI, 0));
	close(efd);
	/* The shutdown runs on the instance's workqueue: wait for it. */
	do {
		free(t);
		sleep_ms(20);
		t = slurp("/sys/kernel/tracing/trace") ?:
		    slurp("/sys/kernel/debug/tracing/trace");
	} while (t && !count_lines(t, "op=shutdown") && now_ms() < end);
	free(t);
	self->text = stop();
	ASSERT_NE(NULL, self->text);
	EXPECT_EQ(1, count_lines(self->text, "kvm_irqchip_irqfd: kic=%d gsi=%d op=hangup",
				 id, MSI_GSI)) TH_LOG("%s", self->text);
	EXPECT_EQ(1, count_lines(self->text, "kvm_irqchip_irqfd: kic=%d gsi=%d op=shutdown",
				 id, MSI_GSI));
}

/* KVM_IRQ_LINE on a GSI without a route: dropped, status -1 (KVM's). */
TEST_F(trace, raise_without_route_is_dropped_no_route)
{
	int id = self->id;

	ASSERT_EQ(0, irq_line(self->vm.fd, 100, 1));
	self->text = stop();
	ASSERT_NE(NULL, self->text);
	EXPECT_EQ(1, count_lines(self->text, "kvm_irqchip_dropped: kic=%d reason=no_route",
				 id)) TH_LOG("%s", self->text);
	EXPECT_EQ(1, count_lines(self->text,
				 "kvm_irqchip_set_gsi: kic=%d gsi=100 level=1 src=user path=ioctl type=none nr=0 target=0x0:0x0 status=-1",
				 id)) TH_LOG("%s", self->text);
}

/*
 * An MSI to a vector below 16 is illegal (SDM 10.5.2): dropped, why.  Only
 * a strict instance drops it (KVM's default takes it into IRR, as
 * x86_strict_test checks), and this is the one drop reason it alone gives.
 */
TEST_F(trace, strict_msi_to_illegal_vector_is_dropped_illegal_vector)
{
	struct kvm_irq_routing_entry e = msi_to_vcpu0(MSI_GSI, 5);
	int id = self->id;

	ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_IRQCHIP_CAP_X86_STRICT, 1, 0));
	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	irq_line(self->vm.fd, MSI_GSI, 1);
	self->text = stop();
	ASSERT_NE(NULL, self->text);
	EXPECT_EQ(1, count_lines(self->text, "kvm_irqchip_dropped: kic=%d reason=illegal_vector",
				 id)) TH_LOG("%s", self->text);
	EXPECT_EQ(1, count_lines(self->text,
				 "kvm_irqchip_set_gsi: kic=%d gsi=%d level=1 src=user path=ioctl type=msi nr=1 target=0xfee00000:0x5 status=0",
				 id, MSI_GSI)) TH_LOG("%s", self->text);
}

/* Mask, a latched raise, unmask: the pending bit delivers once. */
TEST_F(trace, mask_latch_unmask_are_recorded)
{
	struct kvm_irq_routing_entry e = msi_to_vcpu0(MSI_GSI, VEC);
	int efd = new_eventfd(), id = self->id;

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	ASSERT_EQ(0, irqfd(self->vm.fd, efd, MSI_GSI, 0));
	ASSERT_EQ(0, gsi_mask(self->vm.fd, MSI_GSI));
	ASSERT_EQ(0, efd_signal(efd));
	ASSERT_EQ(0, gsi_unmask(self->vm.fd, MSI_GSI));
	ASSERT_EQ(1, irr_has(self->vm.vcpu[0], VEC));
	self->text = stop();
	ASSERT_NE(NULL, self->text);
	EXPECT_EQ(1, count_lines(self->text,
				 "kvm_irqchip_gsi_mask: kic=%d gsi=%d masked=1 pending=0",
				 id, MSI_GSI)) TH_LOG("%s", self->text);
	EXPECT_EQ(1, count_lines(self->text, "kvm_irqchip_latch: kic=%d gsi=%d",
				 id, MSI_GSI));
	EXPECT_EQ(1, count_lines(self->text,
				 "kvm_irqchip_gsi_mask: kic=%d gsi=%d masked=0 pending=1",
				 id, MSI_GSI));
	/* The latched raise: not delivered (-1); unmask's: delivered. */
	EXPECT_EQ(1, count_lines(self->text,
				 "gsi=%d level=1 src=irqfd path=fast type=msi nr=1 target=0xfee00000:0x%x status=-1",
				 MSI_GSI, VEC));
	EXPECT_EQ(1, count_lines(self->text,
				 "gsi=%d level=1 src=irqfd path=slow type=msi nr=1 target=0xfee00000:0x%x status=1",
				 MSI_GSI, VEC));
	close(efd);
}

/*
 * A level IOAPIC pin with a resampling irqfd (KVM api.rst, KVM_IRQFD):
 * a second signal before the EOI is coalesced; the EOI is an ack of the
 * GSI and resamples it.
 */
TEST_F(trace, level_pin_coalesced_ack_and_resample_are_recorded)
{
	struct kvm_irq_routing_entry e = route_pin(10, KVM_IRQCHIP_IOAPIC, 10);
	int efd = new_eventfd(), rfd = new_eventfd(), id = self->id;
	uint32_t vec = 0, flags = 0;

	ASSERT_LE(0, efd);
	ASSERT_LE(0, rfd);
	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	ASSERT_EQ(0, resample_ioapic_route(self->vm.fd, 10, 0x61, 0, true,
					   false));
	ASSERT_EQ(0, resample_irqfd(self->vm.fd, efd, rfd, 10));
	ASSERT_EQ(0, efd_signal(efd));
	ASSERT_EQ(1, wait_irr(self->vm.vcpu[0], 0x61, WAIT_MS));
	ASSERT_EQ(0, vcpu_ack(self->vm.vcpu[0], &vec, &flags));
	ASSERT_EQ(0, efd_signal(efd));
	sleep_ms(100);
	ASSERT_EQ(0, vcpu_eoi(self->vm.vcpu[0], &vec, &flags));
	ASSERT_EQ(1, resample_efd_wait(rfd, WAIT_MS));
	self->text = stop();
	ASSERT_NE(NULL, self->text);
	EXPECT_EQ(1, count_lines(self->text,
				 "kvm_irqchip_irqfd: kic=%d gsi=10 op=assign resample=1",
				 id)) TH_LOG("%s", self->text);
	EXPECT_LE(1, count_lines(self->text, "kvm_irqchip_coalesced: kic=%d",
				 id));
	EXPECT_LE(2, count_lines(self->text,
				 "kvm_irqchip_set_gsi: kic=%d gsi=10 level=1 src=resample",
				 id));
	EXPECT_LE(1, count_lines(self->text, "type=irqchip nr=1 target=0x2:0xa status=1"));
	EXPECT_EQ(1, count_lines(self->text, "kvm_irqchip_ack: kic=%d gsi=10",
				 id));
	EXPECT_EQ(1, count_lines(self->text, "kvm_irqchip_resample: kic=%d gsi=10",
				 id));
	close(efd);
	close(rfd);
}

/* Disabled events record nothing: the static keys are really off. */
TEST_F(trace, disabled_events_record_nothing)
{
	struct kvm_irq_routing_entry e = msi_to_vcpu0(MSI_GSI, VEC);

	free(trace_stop());
	ASSERT_EQ(0, trace_ctl("trace", ""));
	ASSERT_EQ(0, trace_ctl("tracing_on", "1"));
	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	ASSERT_EQ(0, irq_line(self->vm.fd, MSI_GSI, 1));
	ASSERT_EQ(1, irr_has(self->vm.vcpu[0], VEC));
	self->text = stop();
	ASSERT_NE(NULL, self->text);
	EXPECT_EQ(0, count_lines(self->text, "kvm_irqchip_"))
		TH_LOG("%s", self->text);
}

TEST_HARNESS_MAIN
