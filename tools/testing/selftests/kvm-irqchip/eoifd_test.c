// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_IRQCHIP_EOIFD: the errnos of bind and unbind, and the eventfd
 * signalled at every completion of its GSI's interrupts: the EOI of an
 * edge or a level IOAPIC pin, the PIC's EOI command, the LAPIC EOI of the
 * vector an MSI route delivered.  Nothing is lowered; the acked counter
 * follows.
 *
 * Checks that something is signalled poll for up to WAIT_MS; checks that
 * nothing is wait SETTLE_MS first.
 */
#include "kic_x86_util.h"
#include "kselftest_harness.h"

#define WAIT_MS		2000
#define SETTLE_MS	100

#define EDGE_GSI	4	/* IOAPIC pin 4, edge, EDGE_VEC to vCPU 0 */
#define EDGE_VEC	0x44
#define LEVEL_GSI	10	/* IOAPIC pin 10, level, LEVEL_VEC to vCPU 0 */
#define LEVEL_VEC	0x61
#define MSI_GSI		24	/* MSI route, MSI_VEC to vCPU 1 */
#define MSI_VEC		0x71
#define OTHER_VEC	0x81	/* sent to vCPU 1 by KVM_SIGNAL_MSI, no GSI */

#define PIC_GSI		5	/* replaces the table in the PIC test */
#define PIC_BASE	0x20

#define ACK_EAGAIN	((uint32_t)-EAGAIN)

static uint64_t acked(int fd)
{
	struct kvm_irqchip_counters c;

	return get_counters(fd, &c) ? ~0ull : c.acked;
}

static uint32_t take(int vfd)
{
	uint32_t vec = 0;
	long r = vcpu_ack(vfd, &vec, NULL);

	return r ? (uint32_t)r : vec;
}

static uint32_t done(int vfd)
{
	uint32_t vec = 0;
	long r = vcpu_eoi(vfd, &vec, NULL);

	return r ? (uint32_t)r : vec;
}

static long eoifd_args(int fd, uint32_t efd, uint32_t gsi, uint32_t flags,
		       uint32_t pad, uint64_t res0, uint64_t res1)
{
	struct kvm_irqchip_eoifd a = {
		.fd = efd, .gsi = gsi, .flags = flags, .pad = pad,
		.reserved = { res0, res1 },
	};

	return xioctl(fd, KVM_IRQCHIP_EOIFD, &a);
}

/*
 * 2 enabled xAPIC vCPUs; the default table plus MSI_GSI; IOAPIC pins
 * EDGE_GSI and LEVEL_GSI programmed and unmasked; two unbound eventfds.
 * vCPU 0's LVT0 is masked, as firmware leaves it: the default table also
 * routes GSI 0-15 to the PIC, whose ExtINT vCPU 0 would take first (its
 * LVT0 resets to ExtINT); the PIC tests unmask it again.
 */
FIXTURE(eoifd) {
	struct vm vm;
	int v0, v1;
	int efd, efd2;
};

FIXTURE_SETUP(eoifd)
{
	struct kvm_irq_routing_entry e[RESAMPLE_DEFAULT_ROUTES + 1];

	self->efd = -1;
	self->efd2 = -1;
	ASSERT_EQ(0, resample_vm_init(&self->vm, 2,
				      KVM_IRQCHIP_CREATE_DEFAULT_ROUTING));
	self->v0 = self->vm.vcpu[0];
	self->v1 = self->vm.vcpu[1];
	ASSERT_EQ(0, vm_xapic_flat(&self->vm));
	ASSERT_EQ(0, lapic_mask_lvt0(self->v0));
	resample_default_routes(e);
	e[RESAMPLE_DEFAULT_ROUTES] = route_msi(MSI_GSI, msi_addr(1, false, false), 0,
					       msi_data(MSI_VEC, DM_FIXED, false));
	ASSERT_EQ(0, set_routing(self->vm.fd, e, ARRAY_SIZE(e)));
	ASSERT_EQ(0, resample_ioapic_route(self->vm.fd, EDGE_GSI, EDGE_VEC, 0,
					   false, false));
	ASSERT_EQ(0, resample_ioapic_route(self->vm.fd, LEVEL_GSI, LEVEL_VEC, 0,
					   true, false));
	self->efd = new_eventfd();
	self->efd2 = new_eventfd();
	ASSERT_LE(0, self->efd);
	ASSERT_LE(0, self->efd2);
}

FIXTURE_TEARDOWN(eoifd)
{
	if (self->efd >= 0)
		close(self->efd);
	if (self->efd2 >= 0)
		close(self->efd2);
	vm_fini(&self->vm);
}

/* An edge interrupt on EDGE_GSI, accepted by vCPU 0; 1 when it got there. */
static int edge_accepted(int fd, int v0)
{
	if (irq_line(fd, EDGE_GSI, 1) || irq_line(fd, EDGE_GSI, 0))
		return 0;
	return irr_has(v0, EDGE_VEC) == 1 && take(v0) == EDGE_VEC;
}

#define edge_in_service(self) ({					\
	typeof(self) __s = (self);					\
									\
	edge_accepted(__s->vm.fd, __s->v0);				\
})

/* ---------------------------------------------------------------------- */
/* Errnos                                                                  */

TEST_F(eoifd, eoifd_unknown_flags_is_einval)
{
	EXPECT_EQ(-EINVAL, eoifd_bind(self->vm.fd, self->efd, EDGE_GSI, 1u << 1));
	EXPECT_EQ(-EINVAL, eoifd_bind(self->vm.fd, self->efd, EDGE_GSI, 1u << 31));
	ASSERT_EQ(0, eoifd_bind(self->vm.fd, self->efd, EDGE_GSI, 0));
	EXPECT_EQ(-EINVAL, eoifd_bind(self->vm.fd, self->efd, EDGE_GSI,
				      KVM_IRQCHIP_EOIFD_DEASSIGN | 1u << 1));
	/* the refused unbind left the binding alone */
	EXPECT_EQ(-EBUSY, eoifd_bind(self->vm.fd, self->efd, EDGE_GSI, 0));
}

TEST_F(eoifd, eoifd_nonzero_pad_is_einval)
{
	EXPECT_EQ(-EINVAL, eoifd_args(self->vm.fd, self->efd, EDGE_GSI, 0, 1, 0, 0));
	EXPECT_EQ(-EINVAL, eoifd_args(self->vm.fd, self->efd, EDGE_GSI, 0,
				      0x80000000u, 0, 0));
	/* nothing was bound */
	EXPECT_EQ(-ENOENT, eoifd_bind(self->vm.fd, self->efd, EDGE_GSI,
				      KVM_IRQCHIP_EOIFD_DEASSIGN));
}

TEST_F(eoifd, eoifd_nonzero_reserved_is_einval)
{
	EXPECT_EQ(-EINVAL, eoifd_args(self->vm.fd, self->efd, EDGE_GSI, 0, 0, 1, 0));
	EXPECT_EQ(-EINVAL, eoifd_args(self->vm.fd, self->efd, EDGE_GSI, 0, 0, 0,
				      1ull << 63));
	EXPECT_EQ(-ENOENT, eoifd_bind(self->vm.fd, self->efd, EDGE_GSI,
				      KVM_IRQCHIP_EOIFD_DEASSIGN));
	/* also on unbind */
	ASSERT_EQ(0, eoifd_bind(self->vm.fd, self->efd, EDGE_GSI, 0));
	EXPECT_EQ(-EINVAL, eoifd_args(self->vm.fd, self->efd, EDGE_GSI,
				      KVM_IRQCHIP_EOIFD_DEASSIGN, 0, 1, 0));
	EXPECT_EQ(-EBUSY, eoifd_bind(self->vm.fd, self->efd, EDGE_GSI, 0));
}

TEST_F(eoifd, eoifd_bad_fd_is_ebadf)
{
	int fd = new_eventfd();

	ASSERT_LE(0, fd);
	close(fd);
	EXPECT_EQ(-EBADF, eoifd_bind(self->vm.fd, fd, EDGE_GSI, 0));
	EXPECT_EQ(-EBADF, eoifd_bind(self->vm.fd, -1, EDGE_GSI, 0));
	EXPECT_EQ(-EBADF, eoifd_bind(self->vm.fd, fd, EDGE_GSI,
				     KVM_IRQCHIP_EOIFD_DEASSIGN));
}

TEST_F(eoifd, eoifd_not_eventfd_is_einval)
{
	int p[2], null_fd = open("/dev/null", O_RDWR);

	ASSERT_EQ(0, pipe(p));
	ASSERT_LE(0, null_fd);
	EXPECT_EQ(-EINVAL, eoifd_bind(self->vm.fd, p[0], EDGE_GSI, 0));
	EXPECT_EQ(-EINVAL, eoifd_bind(self->vm.fd, null_fd, EDGE_GSI, 0));
	EXPECT_EQ(-EINVAL, eoifd_bind(self->vm.fd, self->vm.fd, EDGE_GSI, 0));
	EXPECT_EQ(-EINVAL, eoifd_bind(self->vm.fd, self->v0, EDGE_GSI, 0));
	close(p[0]);
	close(p[1]);
	close(null_fd);
}

TEST_F(eoifd, eoifd_same_eventfd_same_gsi_is_ebusy)
{
	int dup_fd = dup(self->efd);

	ASSERT_LE(0, dup_fd);
	ASSERT_EQ(0, eoifd_bind(self->vm.fd, self->efd, EDGE_GSI, 0));
	EXPECT_EQ(-EBUSY, eoifd_bind(self->vm.fd, self->efd, EDGE_GSI, 0));
	/* another fd of the same eventfd is the same eventfd */
	EXPECT_EQ(-EBUSY, eoifd_bind(self->vm.fd, dup_fd, EDGE_GSI, 0));
	close(dup_fd);
	/* one binding: one signal per completion */
	ASSERT_EQ(1, edge_in_service(self));
	ASSERT_EQ((uint32_t)EDGE_VEC, done(self->v0));
	EXPECT_EQ(1, resample_efd_wait(self->efd, WAIT_MS));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, resample_efd_read(self->efd));
}

TEST_F(eoifd, eoifd_same_eventfd_on_two_gsis_hears_both)
{
	ASSERT_EQ(0, eoifd_bind(self->vm.fd, self->efd, EDGE_GSI, 0));
	ASSERT_EQ(0, eoifd_bind(self->vm.fd, self->efd, LEVEL_GSI, 0));
	ASSERT_EQ(1, edge_in_service(self));
	ASSERT_EQ((uint32_t)EDGE_VEC, done(self->v0));
	EXPECT_EQ(1, resample_efd_wait(self->efd, WAIT_MS));
	ASSERT_EQ(0, irq_line(self->vm.fd, LEVEL_GSI, 1));
	ASSERT_EQ(0, irq_line(self->vm.fd, LEVEL_GSI, 0));
	ASSERT_EQ((uint32_t)LEVEL_VEC, take(self->v0));
	ASSERT_EQ((uint32_t)LEVEL_VEC, done(self->v0));
	EXPECT_EQ(1, resample_efd_wait(self->efd, WAIT_MS));
	/* unbinding one GSI keeps the other */
	ASSERT_EQ(0, eoifd_bind(self->vm.fd, self->efd, EDGE_GSI,
				KVM_IRQCHIP_EOIFD_DEASSIGN));
	EXPECT_EQ(-EBUSY, eoifd_bind(self->vm.fd, self->efd, LEVEL_GSI, 0));
}

TEST_F(eoifd, eoifd_deassign_unbound_is_enoent)
{
	EXPECT_EQ(-ENOENT, eoifd_bind(self->vm.fd, self->efd, EDGE_GSI,
				      KVM_IRQCHIP_EOIFD_DEASSIGN));
	ASSERT_EQ(0, eoifd_bind(self->vm.fd, self->efd, EDGE_GSI, 0));
	/* bound, but to another GSI; and another eventfd on this GSI */
	EXPECT_EQ(-ENOENT, eoifd_bind(self->vm.fd, self->efd, LEVEL_GSI,
				      KVM_IRQCHIP_EOIFD_DEASSIGN));
	EXPECT_EQ(-ENOENT, eoifd_bind(self->vm.fd, self->efd2, EDGE_GSI,
				      KVM_IRQCHIP_EOIFD_DEASSIGN));
	EXPECT_EQ(0, eoifd_bind(self->vm.fd, self->efd, EDGE_GSI,
				KVM_IRQCHIP_EOIFD_DEASSIGN));
	EXPECT_EQ(-ENOENT, eoifd_bind(self->vm.fd, self->efd, EDGE_GSI,
				      KVM_IRQCHIP_EOIFD_DEASSIGN));
	/* and it can be bound again */
	EXPECT_EQ(0, eoifd_bind(self->vm.fd, self->efd, EDGE_GSI, 0));
}

/* ---------------------------------------------------------------------- */
/* Completions                                                             */

TEST_F(eoifd, eoifd_edge_pin_eoi_signals)
{
	ASSERT_EQ(0, eoifd_bind(self->vm.fd, self->efd, EDGE_GSI, 0));
	ASSERT_EQ(1, edge_in_service(self));
	/* accepted is not completed */
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, resample_efd_read(self->efd));
	ASSERT_EQ((uint32_t)EDGE_VEC, done(self->v0));
	EXPECT_EQ(1, resample_efd_wait(self->efd, WAIT_MS));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, resample_efd_read(self->efd));
}

TEST_F(eoifd, eoifd_level_pin_eoi_signals_and_lowers_nothing)
{
	struct kvm_ioapic_state io;

	ASSERT_EQ(0, eoifd_bind(self->vm.fd, self->efd, LEVEL_GSI, 0));
	ASSERT_EQ(0, irq_line(self->vm.fd, LEVEL_GSI, 1));
	ASSERT_EQ((uint32_t)LEVEL_VEC, take(self->v0));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, resample_efd_read(self->efd));
	ASSERT_EQ((uint32_t)LEVEL_VEC, done(self->v0));
	EXPECT_EQ(1, resample_efd_wait(self->efd, WAIT_MS));
	/* the line is still high: delivered again at the EOI */
	ASSERT_EQ(0, resample_ioapic_get(self->vm.fd, &io));
	EXPECT_NE(0u, io.irr & (1u << LEVEL_GSI));
	EXPECT_EQ(1, irr_has(self->v0, LEVEL_VEC));
	ASSERT_EQ(0, irq_line(self->vm.fd, LEVEL_GSI, 0));
	EXPECT_EQ((uint32_t)LEVEL_VEC, take(self->v0));
	EXPECT_EQ((uint32_t)LEVEL_VEC, done(self->v0));
	EXPECT_EQ(1, resample_efd_wait(self->efd, WAIT_MS));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, irr_count(self->v0));
	EXPECT_EQ(0, resample_efd_read(self->efd));
}

TEST_F(eoifd, eoifd_each_completion_signals_once)
{
	ASSERT_EQ(0, eoifd_bind(self->vm.fd, self->efd, EDGE_GSI, 0));
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(1, edge_in_service(self)) TH_LOG("round %d", i);
		ASSERT_EQ((uint32_t)EDGE_VEC, done(self->v0));
	}
	ASSERT_EQ(1, resample_wait_readable(self->efd, WAIT_MS));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(3, resample_efd_read(self->efd));
}

TEST_F(eoifd, eoifd_msi_route_eoi_of_its_vector_signals)
{
	ASSERT_EQ(0, eoifd_bind(self->vm.fd, self->efd, MSI_GSI, 0));
	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd2, MSI_GSI, 0));
	ASSERT_EQ(0, efd_signal(self->efd2));
	ASSERT_EQ(1, wait_irr(self->v1, MSI_VEC, WAIT_MS));
	ASSERT_EQ(1, signal_msi(self->vm.fd, msi_addr(1, false, false), 0,
				msi_data(OTHER_VEC, DM_FIXED, false)));
	/* the unrelated, higher vector first: its EOI is not the GSI's */
	ASSERT_EQ((uint32_t)OTHER_VEC, take(self->v1));
	ASSERT_EQ((uint32_t)OTHER_VEC, done(self->v1));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, resample_efd_read(self->efd));
	ASSERT_EQ((uint32_t)MSI_VEC, take(self->v1));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, resample_efd_read(self->efd));
	ASSERT_EQ((uint32_t)MSI_VEC, done(self->v1));
	EXPECT_EQ(1, resample_efd_wait(self->efd, WAIT_MS));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, resample_efd_read(self->efd));
}

TEST_F(eoifd, eoifd_msi_redelivered_while_in_service_signals_each_eoi)
{
	ASSERT_EQ(0, eoifd_bind(self->vm.fd, self->efd, MSI_GSI, 0));
	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd2, MSI_GSI, 0));
	ASSERT_EQ(0, efd_signal(self->efd2));
	ASSERT_EQ(1, wait_irr(self->v1, MSI_VEC, WAIT_MS));
	ASSERT_EQ((uint32_t)MSI_VEC, take(self->v1));
	/* the device fires again while the first is in service */
	ASSERT_EQ(0, efd_signal(self->efd2));
	ASSERT_EQ(1, wait_irr(self->v1, MSI_VEC, WAIT_MS));
	ASSERT_EQ((uint32_t)MSI_VEC, done(self->v1));
	EXPECT_EQ(1, resample_efd_wait(self->efd, WAIT_MS));
	ASSERT_EQ((uint32_t)MSI_VEC, take(self->v1));
	ASSERT_EQ((uint32_t)MSI_VEC, done(self->v1));
	EXPECT_EQ(1, resample_efd_wait(self->efd, WAIT_MS));
}

TEST_F(eoifd, eoifd_msi_merged_with_other_message_still_signals)
{
	ASSERT_EQ(0, eoifd_bind(self->vm.fd, self->efd, MSI_GSI, 0));
	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd2, MSI_GSI, 0));
	ASSERT_EQ(0, efd_signal(self->efd2));
	ASSERT_EQ(1, wait_irr(self->v1, MSI_VEC, WAIT_MS));
	/* the same vector from KVM_SIGNAL_MSI merges into the pending one */
	ASSERT_EQ(1, signal_msi(self->vm.fd, msi_addr(1, false, false), 0,
				msi_data(MSI_VEC, DM_FIXED, false)));
	ASSERT_EQ((uint32_t)MSI_VEC, take(self->v1));
	ASSERT_EQ((uint32_t)MSI_VEC, done(self->v1));
	/* the route's interrupt was completed all the same */
	EXPECT_EQ(1, resample_efd_wait(self->efd, WAIT_MS));
}

TEST_F(eoifd, eoifd_msi_route_by_kvm_irq_line_signals)
{
	/* KVM_IRQ_LINE on an MSI route delivers it, as KVM does */
	ASSERT_EQ(0, eoifd_bind(self->vm.fd, self->efd, MSI_GSI, 0));
	ASSERT_EQ(0, irq_line(self->vm.fd, MSI_GSI, 1));
	ASSERT_EQ((uint32_t)MSI_VEC, take(self->v1));
	ASSERT_EQ((uint32_t)MSI_VEC, done(self->v1));
	EXPECT_EQ(1, resample_efd_wait(self->efd, WAIT_MS));
}

TEST_F(eoifd, eoifd_two_gsis_are_independent)
{
	ASSERT_EQ(0, eoifd_bind(self->vm.fd, self->efd, EDGE_GSI, 0));
	ASSERT_EQ(0, eoifd_bind(self->vm.fd, self->efd2, LEVEL_GSI, 0));
	ASSERT_EQ(1, edge_in_service(self));
	ASSERT_EQ((uint32_t)EDGE_VEC, done(self->v0));
	EXPECT_EQ(1, resample_efd_wait(self->efd, WAIT_MS));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, resample_efd_read(self->efd2));
	ASSERT_EQ(0, irq_line(self->vm.fd, LEVEL_GSI, 1));
	ASSERT_EQ(0, irq_line(self->vm.fd, LEVEL_GSI, 0));
	ASSERT_EQ((uint32_t)LEVEL_VEC, take(self->v0));
	ASSERT_EQ((uint32_t)LEVEL_VEC, done(self->v0));
	EXPECT_EQ(1, resample_efd_wait(self->efd2, WAIT_MS));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, resample_efd_read(self->efd));
}

TEST_F(eoifd, eoifd_two_eventfds_on_one_gsi_both_signalled)
{
	ASSERT_EQ(0, eoifd_bind(self->vm.fd, self->efd, EDGE_GSI, 0));
	ASSERT_EQ(0, eoifd_bind(self->vm.fd, self->efd2, EDGE_GSI, 0));
	ASSERT_EQ(1, edge_in_service(self));
	ASSERT_EQ((uint32_t)EDGE_VEC, done(self->v0));
	EXPECT_EQ(1, resample_efd_wait(self->efd, WAIT_MS));
	EXPECT_EQ(1, resample_efd_wait(self->efd2, WAIT_MS));
}

TEST_F(eoifd, eoifd_deassign_stops_signals)
{
	ASSERT_EQ(0, eoifd_bind(self->vm.fd, self->efd, EDGE_GSI, 0));
	ASSERT_EQ(1, edge_in_service(self));
	ASSERT_EQ((uint32_t)EDGE_VEC, done(self->v0));
	ASSERT_EQ(1, resample_efd_wait(self->efd, WAIT_MS));
	ASSERT_EQ(0, eoifd_bind(self->vm.fd, self->efd, EDGE_GSI,
				KVM_IRQCHIP_EOIFD_DEASSIGN));
	ASSERT_EQ(1, edge_in_service(self));
	ASSERT_EQ((uint32_t)EDGE_VEC, done(self->v0));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, resample_efd_read(self->efd));
}

TEST_F(eoifd, eoifd_with_resamplefd_both_signalled)
{
	struct kvm_ioapic_state io;
	int rfd = new_eventfd();

	ASSERT_LE(0, rfd);
	ASSERT_EQ(0, eoifd_bind(self->vm.fd, self->efd, LEVEL_GSI, 0));
	ASSERT_EQ(0, resample_irqfd(self->vm.fd, self->efd2, rfd, LEVEL_GSI));
	ASSERT_EQ(0, efd_signal(self->efd2));
	ASSERT_EQ(1, wait_irr(self->v0, LEVEL_VEC, WAIT_MS));
	ASSERT_EQ((uint32_t)LEVEL_VEC, take(self->v0));
	ASSERT_EQ((uint32_t)LEVEL_VEC, done(self->v0));
	EXPECT_EQ(1, resample_efd_wait(self->efd, WAIT_MS));
	EXPECT_EQ(1, resample_efd_wait(rfd, WAIT_MS));
	/* the resampler lowered its level; the EOI eventfd changed nothing */
	ASSERT_EQ(0, resample_ioapic_get(self->vm.fd, &io));
	EXPECT_EQ(0u, io.irr & (1u << LEVEL_GSI));
	close(rfd);
}

TEST_F(eoifd, eoifd_pic_eoi_command_signals)
{
	struct kvm_irq_routing_entry e = route_pin(PIC_GSI, KVM_IRQCHIP_PIC_MASTER,
						   PIC_GSI);
	uint32_t vec = 0, flags = 0;

	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	ASSERT_EQ(0, resample_pic_init(self->vm.fd, PIC_BASE, false,
				       (uint8_t)~(1u << PIC_GSI), 0));
	ASSERT_EQ(0, resample_lvt0_extint(self->v0));
	ASSERT_EQ(0, eoifd_bind(self->vm.fd, self->efd, PIC_GSI, 0));
	ASSERT_EQ(0, irq_line(self->vm.fd, PIC_GSI, 1));
	ASSERT_EQ(0, irq_line(self->vm.fd, PIC_GSI, 0));
	ASSERT_EQ(1, resample_wait_readable(self->v0, WAIT_MS));
	ASSERT_EQ(0, vcpu_ack(self->v0, &vec, &flags));
	EXPECT_EQ((uint32_t)(PIC_BASE + PIC_GSI), vec);
	EXPECT_NE(0u, flags & KVM_IRQCHIP_ACK_EXTINT);
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, resample_efd_read(self->efd));
	ASSERT_EQ(0, resample_pic_eoi(self->vm.fd));
	EXPECT_EQ(1, resample_efd_wait(self->efd, WAIT_MS));
}

TEST_F(eoifd, eoifd_pic_auto_eoi_signals_at_ack)
{
	struct kvm_irq_routing_entry e = route_pin(PIC_GSI, KVM_IRQCHIP_PIC_MASTER,
						   PIC_GSI);
	uint32_t vec = 0, flags = 0;

	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	ASSERT_EQ(0, resample_pic_init(self->vm.fd, PIC_BASE, true,
				       (uint8_t)~(1u << PIC_GSI), 0));
	ASSERT_EQ(0, resample_lvt0_extint(self->v0));
	ASSERT_EQ(0, eoifd_bind(self->vm.fd, self->efd, PIC_GSI, 0));
	ASSERT_EQ(0, irq_line(self->vm.fd, PIC_GSI, 1));
	ASSERT_EQ(0, irq_line(self->vm.fd, PIC_GSI, 0));
	ASSERT_EQ(1, resample_wait_readable(self->v0, WAIT_MS));
	ASSERT_EQ(0, vcpu_ack(self->v0, &vec, &flags));
	EXPECT_EQ((uint32_t)(PIC_BASE + PIC_GSI), vec);
	EXPECT_EQ(1, resample_efd_wait(self->efd, WAIT_MS));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(0, resample_efd_read(self->efd));
}

TEST_F(eoifd, eoifd_closed_eventfd_then_eoi_is_harmless)
{
	ASSERT_EQ(0, eoifd_bind(self->vm.fd, self->efd, EDGE_GSI, 0));
	close(self->efd);
	self->efd = -1;
	ASSERT_EQ(1, edge_in_service(self));
	EXPECT_EQ((uint32_t)EDGE_VEC, done(self->v0));
	/* the instance still works, and goes away cleanly */
	ASSERT_EQ(1, edge_in_service(self));
	EXPECT_EQ((uint32_t)EDGE_VEC, done(self->v0));
	EXPECT_EQ(ACK_EAGAIN, take(self->v0));
}

/* ---------------------------------------------------------------------- */
/* Counters                                                                */

TEST_F(eoifd, eoifd_completions_count_acked)
{
	uint64_t before;

	ASSERT_EQ(0, eoifd_bind(self->vm.fd, self->efd, EDGE_GSI, 0));
	ASSERT_EQ(0, eoifd_bind(self->vm.fd, self->efd2, MSI_GSI, 0));
	before = acked(self->vm.fd);
	ASSERT_NE(~0ull, before);
	ASSERT_EQ(1, edge_in_service(self));
	ASSERT_EQ((uint32_t)EDGE_VEC, done(self->v0));
	ASSERT_EQ(1, resample_efd_wait(self->efd, WAIT_MS));
	EXPECT_EQ(before + 1, acked(self->vm.fd));
	ASSERT_EQ(0, irq_line(self->vm.fd, MSI_GSI, 1));
	ASSERT_EQ((uint32_t)MSI_VEC, take(self->v1));
	ASSERT_EQ((uint32_t)MSI_VEC, done(self->v1));
	ASSERT_EQ(1, resample_efd_wait(self->efd2, WAIT_MS));
	EXPECT_EQ(before + 2, acked(self->vm.fd));
	/* the EOI of a vector no GSI delivered is no acknowledgment */
	ASSERT_EQ(1, signal_msi(self->vm.fd, msi_addr(1, false, false), 0,
				msi_data(OTHER_VEC, DM_FIXED, false)));
	ASSERT_EQ((uint32_t)OTHER_VEC, take(self->v1));
	ASSERT_EQ((uint32_t)OTHER_VEC, done(self->v1));
	sleep_ms(SETTLE_MS);
	EXPECT_EQ(before + 2, acked(self->vm.fd));
}

TEST_HARNESS_MAIN
