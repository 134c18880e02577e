// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_GSI_ROUTING: every errno row of the draft, the boundaries, the
 * duplicate rules, all-or-nothing replacement, and what KVM_IRQ_LINE(_STATUS)
 * reports through the table.
 */
#include <sys/mman.h>

#include "kic_x86_util.h"
#include "kselftest_harness.h"

#define NR_VCPUS 2

/* An instance with 2 enabled xAPIC vCPUs (IDs 0, 1; flat LDR 1, 2). */
FIXTURE(routing) {
	struct vm vm;
};

FIXTURE_SETUP(routing)
{
	ASSERT_EQ(0, vm_init_kic(&self->vm, NR_VCPUS));
	ASSERT_EQ(0, vm_xapic_flat(&self->vm));
}

FIXTURE_TEARDOWN(routing)
{
	vm_fini(&self->vm);
}

/* gsi -> fixed, edge, physical MSI to vcpu with vector vec */
static struct kvm_irq_routing_entry to_vcpu(uint32_t gsi, uint32_t vcpu, uint32_t vec)
{
	return route_msi(gsi, msi_addr(vcpu, false, false), 0,
			 msi_data(vec, DM_FIXED, false));
}

static struct kvm_irq_routing_entry typed(uint32_t gsi, uint32_t type)
{
	struct kvm_irq_routing_entry e;

	memset(&e, 0, sizeof(e));
	e.gsi = gsi;
	e.type = type;
	return e;
}

/* KVM_IRQ_LINE_STATUS level 1 on gsi; returns the status (or -1000 - errno) */
static int32_t line_up(int fd, uint32_t gsi)
{
	int32_t status = 0;
	long r = irq_line_status(fd, gsi, 1, &status);

	return r ? -1000 + (int32_t)r : status;
}

TEST_F(routing, routing_bad_pointer_is_efault)
{
	EXPECT_EQ(-EFAULT, xioctl(self->vm.fd, KVM_SET_GSI_ROUTING, NULL));
	EXPECT_EQ(-EFAULT, xioctl(self->vm.fd, KVM_SET_GSI_ROUTING, fault_page()));
}

TEST_F(routing, routing_unreadable_entries_is_efault)
{
	struct kvm_irq_routing_entry old = to_vcpu(1, 0, 0x31);
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kvm_irq_routing *r;

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, mprotect(p + 4096, 4096, PROT_NONE));
	ASSERT_EQ(0, set_routing(self->vm.fd, &old, 1));
	/* the header is readable, the entries are on the PROT_NONE page */
	r = (struct kvm_irq_routing *)(p + 4096 - sizeof(*r));
	r->nr = 1;
	r->flags = 0;
	EXPECT_EQ(-EFAULT, xioctl(self->vm.fd, KVM_SET_GSI_ROUTING, r));
	EXPECT_EQ(1, line_up(self->vm.fd, 1));
	munmap(p, 8192);
}

TEST_F(routing, routing_nonzero_flags_is_einval)
{
	struct kvm_irq_routing_entry e = to_vcpu(1, 0, 0x31);

	EXPECT_EQ(-EINVAL, set_routing_flags(self->vm.fd, &e, 1, 1));
	EXPECT_EQ(-EINVAL, set_routing_flags(self->vm.fd, NULL, 0, 0x80000000u));
	EXPECT_EQ(-1, line_up(self->vm.fd, 1));
}

/* KVM: more than 4096 entries; here more than max_routes */
TEST_F(routing, routing_nr_max_routes_plus_1_is_einval)
{
	uint32_t max = (uint32_t)check_ext(self->vm.fd, KVM_CAP_IRQ_ROUTING);
	struct kvm_irq_routing_entry *e = calloc(max + 1, sizeof(*e));
	struct kvm_irq_routing hdr;

	ASSERT_NE(NULL, e);
	for (uint32_t i = 0; i <= max; i++)
		e[i] = to_vcpu(i % max, 0, 0x40);
	EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, e, max + 1));
	/* nr is checked before the entries are read: none follow this header */
	hdr.nr = 0xffffffffu;
	hdr.flags = 0;
	EXPECT_EQ(-EINVAL, xioctl(self->vm.fd, KVM_SET_GSI_ROUTING, &hdr));
	EXPECT_EQ(-1, line_up(self->vm.fd, 0));
	free(e);
}

TEST_F(routing, routing_nr_4096_succeeds)
{
	struct kvm_irq_routing_entry *e = calloc(MAX_ROUTES, sizeof(*e));

	ASSERT_NE(NULL, e);
	for (uint32_t i = 0; i < MAX_ROUTES; i++)
		e[i] = to_vcpu(i, i % 2, 0x20 + i % 0xc0);
	ASSERT_EQ(0, set_routing(self->vm.fd, e, MAX_ROUTES));
	EXPECT_EQ(1, line_up(self->vm.fd, 0));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[0], 0x20));
	EXPECT_EQ(1, line_up(self->vm.fd, 2049));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[1], 0x20 + 2049 % 0xc0));
	EXPECT_EQ(1, line_up(self->vm.fd, 4095));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[1], 0x20 + 4095 % 0xc0));
	free(e);
}

TEST_F(routing, routing_nr_0_clears_table)
{
	struct kvm_irq_routing_entry e[2] = { to_vcpu(1, 0, 0x31), to_vcpu(7, 1, 0x37) };

	ASSERT_EQ(0, set_routing(self->vm.fd, e, 2));
	ASSERT_EQ(1, line_up(self->vm.fd, 7));
	ASSERT_EQ(0, vm_clear_vectors(&self->vm));
	ASSERT_EQ(0, set_routing(self->vm.fd, NULL, 0));
	EXPECT_EQ(-1, line_up(self->vm.fd, 1));
	EXPECT_EQ(-1, line_up(self->vm.fd, 7));
	EXPECT_EQ(0, irr_count(self->vm.vcpu[0]));
	EXPECT_EQ(0, irr_count(self->vm.vcpu[1]));
}

TEST_F(routing, routing_gsi_4095_accepted)
{
	struct kvm_irq_routing_entry e = to_vcpu(4095, 1, 0x95);

	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	EXPECT_EQ(1, line_up(self->vm.fd, 4095));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[1], 0x95));
}

/* KVM: 4096; here max_routes, which KVM_CAP_IRQ_ROUTING reports */
TEST_F(routing, routing_gsi_max_routes_is_einval)
{
	uint32_t max = (uint32_t)check_ext(self->vm.fd, KVM_CAP_IRQ_ROUTING);
	struct kvm_irq_routing_entry e = to_vcpu(max, 1, 0x96);

	ASSERT_EQ(1u << 20, max);
	EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, &e, 1));
	e.gsi = 0xffffffffu;
	EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, &e, 1));
	EXPECT_EQ(-1, line_up(self->vm.fd, max));
	e.gsi = 4096;
	EXPECT_EQ(0, set_routing(self->vm.fd, &e, 1));
	EXPECT_EQ(1, line_up(self->vm.fd, 4096));
}

TEST_F(routing, routing_msi_valid_devid_accepted_and_ignored)
{
	struct kvm_irq_routing_entry e = to_vcpu(3, 0, 0x53);

	e.flags = KVM_MSI_VALID_DEVID;
	e.u.msi.devid = 0x1234;
	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	EXPECT_EQ(1, line_up(self->vm.fd, 3));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[0], 0x53));
}

TEST_F(routing, routing_msi_unknown_flag_is_einval)
{
	struct kvm_irq_routing_entry e = to_vcpu(3, 0, 0x53);

	e.flags = 2;
	EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, &e, 1));
	e.flags = KVM_MSI_VALID_DEVID | 0x80000000u;
	EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, &e, 1));
}

TEST_F(routing, routing_irqchip_nonzero_flags_is_einval)
{
	struct kvm_irq_routing_entry e = route_pin(4, KVM_IRQCHIP_IOAPIC, 4);

	e.flags = 1;
	EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, &e, 1));
	e.flags = KVM_MSI_VALID_DEVID;	/* only MSI entries take it */
	EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, &e, 1));
}

TEST_F(routing, routing_pic_master_pin_8_is_einval)
{
	struct kvm_irq_routing_entry e = route_pin(4, KVM_IRQCHIP_PIC_MASTER, 7);

	EXPECT_EQ(0, set_routing(self->vm.fd, &e, 1));
	e.u.irqchip.pin = 8;
	EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, &e, 1));
}

TEST_F(routing, routing_pic_slave_pin_8_is_einval)
{
	struct kvm_irq_routing_entry e = route_pin(12, KVM_IRQCHIP_PIC_SLAVE, 7);

	EXPECT_EQ(0, set_routing(self->vm.fd, &e, 1));
	e.u.irqchip.pin = 8;
	EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, &e, 1));
}

TEST_F(routing, routing_ioapic_pin_24_is_einval)
{
	struct kvm_irq_routing_entry e = route_pin(23, KVM_IRQCHIP_IOAPIC, 23);

	EXPECT_EQ(0, set_routing(self->vm.fd, &e, 1));
	e.u.irqchip.pin = 24;
	EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, &e, 1));
}

TEST_F(routing, routing_irqchip_3_is_einval)
{
	struct kvm_irq_routing_entry e = route_pin(3, 3, 0);

	EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, &e, 1));
	e.u.irqchip.irqchip = 0xffffffffu;
	EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, &e, 1));
}

TEST_F(routing, routing_pic_and_ioapic_on_one_gsi_accepted)
{
	struct kvm_irq_routing_entry e[3] = {
		route_pin(3, KVM_IRQCHIP_PIC_MASTER, 3),
		route_pin(3, KVM_IRQCHIP_IOAPIC, 3),
		route_pin(3, KVM_IRQCHIP_PIC_SLAVE, 3),
	};

	EXPECT_EQ(0, set_routing(self->vm.fd, e, 3));
}

TEST_F(routing, routing_dup_ioapic_pin_is_einval)
{
	struct kvm_irq_routing_entry e[2] = {
		route_pin(5, KVM_IRQCHIP_IOAPIC, 5),
		route_pin(5, KVM_IRQCHIP_IOAPIC, 6),
	};

	EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, e, 2));
	e[1].u.irqchip.pin = 5;		/* an exact repeat too */
	EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, e, 2));
}

TEST_F(routing, routing_dup_pic_master_is_einval)
{
	struct kvm_irq_routing_entry e[2] = {
		route_pin(2, KVM_IRQCHIP_PIC_MASTER, 2),
		route_pin(2, KVM_IRQCHIP_PIC_MASTER, 4),
	};

	EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, e, 2));
}

TEST_F(routing, routing_two_msi_on_one_gsi_is_einval)
{
	struct kvm_irq_routing_entry e[2] = { to_vcpu(6, 0, 0x46), to_vcpu(6, 1, 0x47) };

	EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, e, 2));
	e[1] = e[0];
	EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, e, 2));
}

TEST_F(routing, routing_msi_mixed_with_pin_on_one_gsi_is_einval)
{
	struct kvm_irq_routing_entry e[2] = {
		route_pin(6, KVM_IRQCHIP_IOAPIC, 6), to_vcpu(6, 0, 0x46),
	};

	EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, e, 2));
	e[0] = to_vcpu(6, 0, 0x46);
	e[1] = route_pin(6, KVM_IRQCHIP_PIC_MASTER, 6);
	EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, e, 2));
}

TEST_F(routing, routing_same_msi_on_two_gsis_accepted)
{
	struct kvm_irq_routing_entry e[2] = { to_vcpu(8, 0, 0x48), to_vcpu(9, 0, 0x48) };

	ASSERT_EQ(0, set_routing(self->vm.fd, e, 2));
	EXPECT_EQ(1, line_up(self->vm.fd, 8));
	EXPECT_EQ(1, line_up(self->vm.fd, 9));
}

TEST_F(routing, routing_s390_adapter_is_einval)
{
	struct kvm_irq_routing_entry e = typed(1, KVM_IRQ_ROUTING_S390_ADAPTER);

	EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, &e, 1));
}

/*
 * As KVM: kvm_set_routing_entry() loads an HV_SINT entry
 * (arch/x86/kvm/irq_comm.c); with no active SynIC, kvm_hv_set_sint() fails
 * and KVM_IRQ_LINE_STATUS reports -1.  A table ending in one replaces the
 * old table like any valid table.
 */
TEST_F(routing, routing_hv_sint_is_accepted_and_reaches_nothing)
{
	struct kvm_irq_routing_entry old = to_vcpu(1, 0, 0x31);
	struct kvm_irq_routing_entry t[2] = { to_vcpu(2, 0, 0x42),
					      typed(1, KVM_IRQ_ROUTING_HV_SINT) };

	t[1].u.hv_sint.vcpu = 0;
	t[1].u.hv_sint.sint = 1;
	ASSERT_EQ(0, set_routing(self->vm.fd, &old, 1));
	EXPECT_EQ(0, set_routing(self->vm.fd, t, 2));
	EXPECT_EQ(-1, line_up(self->vm.fd, 1));
	EXPECT_EQ(0, irr_count(self->vm.vcpu[0]));
	/* the rest of the table loaded with it */
	EXPECT_EQ(1, line_up(self->vm.fd, 2));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[0], 0x42));
}

TEST_F(routing, routing_xen_evtchn_is_einval)
{
	struct kvm_irq_routing_entry e = typed(1, KVM_IRQ_ROUTING_XEN_EVTCHN);

	e.u.xen_evtchn.port = 1;
	e.u.xen_evtchn.vcpu = 0;
	e.u.xen_evtchn.priority = KVM_IRQ_ROUTING_XEN_EVTCHN_PRIO_2LEVEL;
	EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, &e, 1));
}

TEST_F(routing, routing_unknown_type_is_einval)
{
	struct kvm_irq_routing_entry e = typed(1, 0);

	EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, &e, 1));
	e.type = 6;
	EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, &e, 1));
	e.type = 0xffffffffu;
	EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, &e, 1));
}

TEST_F(routing, routing_pad_fields_not_checked)
{
	struct kvm_irq_routing_entry e[2] = {
		to_vcpu(1, 1, 0x71), route_pin(2, KVM_IRQCHIP_IOAPIC, 2),
	};

	e[0].pad = 0xffffffffu;
	e[1].pad = 0x12345678u;
	for (int i = 4; i < 8; i++)
		e[0].u.pad[i] = 0xdead0000u + i;
	for (int i = 2; i < 8; i++)
		e[1].u.pad[i] = 0xbeef0000u + i;
	ASSERT_EQ(0, set_routing(self->vm.fd, e, 2));
	EXPECT_EQ(1, line_up(self->vm.fd, 1));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[1], 0x71));
}

TEST_F(routing, routing_32bit_ids_address_hi_low_byte_is_einval)
{
	struct kvm_irq_routing_entry e = to_vcpu(1, 1, 0x71);

	e.u.msi.address_hi = 0x1;
	/* without the cap address_hi does not matter */
	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_CAP_X2APIC_API,
				KVM_X2APIC_API_USE_32BIT_IDS, 0));
	EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, &e, 1));
	e.u.msi.address_hi = 0x80;
	EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, &e, 1));
	e.u.msi.address_hi = 0x100;
	EXPECT_EQ(0, set_routing(self->vm.fd, &e, 1));
}

struct bad_case {
	const char *name;
	struct kvm_irq_routing_entry e[2];
	int n;
};

/*
 * A valid table with one bad entry at its end is refused as a whole: the
 * previous table stays in force (gsi 1 still delivers its old vector) and
 * none of the new routes appear.  (An HV_SINT entry is not bad: KVM loads
 * it, see routing_hv_sint_is_accepted_and_reaches_nothing.)
 */
TEST_F(routing, routing_bad_last_entry_keeps_old_table)
{
	struct kvm_irq_routing_entry pin_ok = route_pin(9, KVM_IRQCHIP_IOAPIC, 9);
	struct bad_case cases[] = {
		{ "gsi max_routes", { to_vcpu(1u << 20, 0, 0x43) }, 1 },
		{ "msi flags 2", { to_vcpu(3, 0, 0x43) }, 1 },
		{ "irqchip flags 1", { route_pin(3, KVM_IRQCHIP_IOAPIC, 3) }, 1 },
		{ "pic master pin 8", { route_pin(3, KVM_IRQCHIP_PIC_MASTER, 8) }, 1 },
		{ "pic slave pin 8", { route_pin(3, KVM_IRQCHIP_PIC_SLAVE, 8) }, 1 },
		{ "ioapic pin 24", { route_pin(3, KVM_IRQCHIP_IOAPIC, 24) }, 1 },
		{ "irqchip 3", { route_pin(3, 3, 0) }, 1 },
		{ "second msi on gsi 2", { to_vcpu(2, 1, 0x44) }, 1 },
		{ "ioapic twice", { pin_ok, route_pin(9, KVM_IRQCHIP_IOAPIC, 10) }, 2 },
		{ "s390", { typed(3, KVM_IRQ_ROUTING_S390_ADAPTER) }, 1 },
		{ "xen evtchn", { typed(3, KVM_IRQ_ROUTING_XEN_EVTCHN) }, 1 },
		{ "type 99", { typed(3, 99) }, 1 },
	};
	struct kvm_irq_routing_entry old = to_vcpu(1, 0, 0x31);

	cases[1].e[0].flags = 2;
	cases[2].e[0].flags = 1;
	ASSERT_EQ(0, set_routing(self->vm.fd, &old, 1));

	for (unsigned int c = 0; c < ARRAY_SIZE(cases); c++) {
		struct kvm_irq_routing_entry t[4] = {
			to_vcpu(1, 0, 0x41), to_vcpu(2, 0, 0x42),
		};
		int n = 2;

		for (int i = 0; i < cases[c].n; i++)
			t[n++] = cases[c].e[i];
		ASSERT_EQ(0, vm_clear_vectors(&self->vm));
		EXPECT_EQ(-EINVAL, set_routing(self->vm.fd, t, n)) TH_LOG("%s", cases[c].name);
		EXPECT_EQ(1, line_up(self->vm.fd, 1)) TH_LOG("%s", cases[c].name);
		EXPECT_EQ(1, irr_has(self->vm.vcpu[0], 0x31)) TH_LOG("%s", cases[c].name);
		EXPECT_EQ(0, irr_has(self->vm.vcpu[0], 0x41)) TH_LOG("%s", cases[c].name);
		EXPECT_EQ(-1, line_up(self->vm.fd, 2)) TH_LOG("%s", cases[c].name);
		EXPECT_EQ(0, irr_has(self->vm.vcpu[0], 0x42)) TH_LOG("%s", cases[c].name);
		EXPECT_EQ(0, irr_has(self->vm.vcpu[1], 0x44)) TH_LOG("%s", cases[c].name);
	}
}

TEST_F(routing, routing_bad_table_flags_keep_old_table)
{
	struct kvm_irq_routing_entry old = to_vcpu(1, 0, 0x31);
	struct kvm_irq_routing_entry t[2] = { to_vcpu(1, 0, 0x41), to_vcpu(2, 0, 0x42) };

	ASSERT_EQ(0, set_routing(self->vm.fd, &old, 1));
	EXPECT_EQ(-EINVAL, set_routing_flags(self->vm.fd, t, 2, 1));
	EXPECT_EQ(1, line_up(self->vm.fd, 1));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[0], 0x31));
	EXPECT_EQ(0, irr_has(self->vm.vcpu[0], 0x41));
	EXPECT_EQ(-1, line_up(self->vm.fd, 2));
}

TEST_F(routing, routing_replace_drops_old_gsis)
{
	struct kvm_irq_routing_entry t1[2] = { to_vcpu(1, 0, 0x31), to_vcpu(2, 1, 0x32) };
	struct kvm_irq_routing_entry t2[1] = { to_vcpu(3, 1, 0x33) };

	ASSERT_EQ(0, set_routing(self->vm.fd, t1, 2));
	ASSERT_EQ(0, set_routing(self->vm.fd, t2, 1));
	EXPECT_EQ(-1, line_up(self->vm.fd, 1));
	EXPECT_EQ(-1, line_up(self->vm.fd, 2));
	EXPECT_EQ(1, line_up(self->vm.fd, 3));
	EXPECT_EQ(0, irr_has(self->vm.vcpu[0], 0x31));
	EXPECT_EQ(0, irr_has(self->vm.vcpu[1], 0x32));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[1], 0x33));
}

TEST_F(routing, routing_replace_changes_vector_of_gsi)
{
	struct kvm_irq_routing_entry e = to_vcpu(5, 0, 0x55);

	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	e = to_vcpu(5, 1, 0x65);
	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	EXPECT_EQ(1, line_up(self->vm.fd, 5));
	EXPECT_EQ(0, irr_count(self->vm.vcpu[0]));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[1], 0x65));
}

TEST_F(routing, irq_line_status_counts_vcpus_reached)
{
	struct kvm_irq_routing_entry e = route_msi(3, msi_addr(0xff, false, false), 0,
						   msi_data(0x63, DM_FIXED, false));

	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	EXPECT_EQ(2, line_up(self->vm.fd, 3));
	EXPECT_EQ(3u, irr_mask(&self->vm, 0x63));
}

TEST_F(routing, irq_line_status_level_0_is_minus_1)
{
	struct kvm_irq_routing_entry e = to_vcpu(3, 0, 0x63);
	int32_t status = 0;

	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	EXPECT_EQ(0, irq_line_status(self->vm.fd, 3, 0, &status));
	EXPECT_EQ(-1, status);
	EXPECT_EQ(0, irr_count(self->vm.vcpu[0]));
}

TEST_F(routing, irq_line_status_no_route_is_minus_1)
{
	struct kvm_irq_routing_entry e = to_vcpu(3, 0, 0x63);

	EXPECT_EQ(-1, line_up(self->vm.fd, 3));
	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	EXPECT_EQ(-1, line_up(self->vm.fd, 4));
	EXPECT_EQ(-1, line_up(self->vm.fd, 100000));
	EXPECT_EQ(0, irr_count(self->vm.vcpu[0]));
}

TEST_F(routing, irq_line_status_pin_routes_reach_the_pins)
{
	struct kvm_irq_routing_entry e[3] = {
		route_pin(4, KVM_IRQCHIP_IOAPIC, 4),
		route_pin(5, KVM_IRQCHIP_PIC_MASTER, 5),
		route_pin(5, KVM_IRQCHIP_IOAPIC, 5),
	};
	struct kvm_irqchip pic = { .chip_id = KVM_IRQCHIP_PIC_MASTER };
	struct kvm_irqchip ioapic = { .chip_id = KVM_IRQCHIP_IOAPIC };
	struct kvm_irqchip_counters c;

	ASSERT_EQ(0, set_routing(self->vm.fd, e, 3));
	/* every IOAPIC entry starts masked: -1; the PIC takes pin 5: 1 */
	EXPECT_EQ(-1, line_up(self->vm.fd, 4));
	EXPECT_EQ(1, line_up(self->vm.fd, 5));
	ASSERT_EQ(0, xioctl(self->vm.fd, KVM_GET_IRQCHIP, &pic));
	ASSERT_EQ(0, xioctl(self->vm.fd, KVM_GET_IRQCHIP, &ioapic));
	EXPECT_EQ(1u << 5, pic.chip.pic.irr);
	EXPECT_EQ(1u << 4 | 1u << 5, ioapic.chip.ioapic.irr);
	/* nothing reached a LAPIC: the entries are masked, LVT0 too */
	EXPECT_EQ(0, irr_count(self->vm.vcpu[0]));
	EXPECT_EQ(0, irr_count(self->vm.vcpu[1]));
	ASSERT_EQ(0, get_counters(self->vm.fd, &c));
	EXPECT_EQ(0ull, c.no_route);
	EXPECT_EQ(0ull, c.delivered);
}

TEST_F(routing, irq_line_no_route_counts_no_route)
{
	struct kvm_irq_routing_entry e = to_vcpu(3, 0, 0x63);
	struct kvm_irqchip_counters c;

	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	EXPECT_EQ(0, irq_line(self->vm.fd, 77, 1));
	EXPECT_EQ(-1, line_up(self->vm.fd, 78));
	EXPECT_EQ(1, line_up(self->vm.fd, 3));
	ASSERT_EQ(0, get_counters(self->vm.fd, &c));
	EXPECT_EQ(2ull, c.no_route);
	EXPECT_EQ(1ull, c.delivered);
}

TEST_F(routing, route_refused_by_32bit_ids_stays_and_counts_rejected)
{
	struct kvm_irq_routing_entry e = to_vcpu(3, 1, 0x63);
	struct kvm_irqchip_counters c;

	e.u.msi.address_hi = 0x1;
	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	ASSERT_EQ(1, line_up(self->vm.fd, 3));
	ASSERT_EQ(0, vm_clear_vectors(&self->vm));
	/* the table is not revisited: the entry stays, each delivery is refused */
	ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_CAP_X2APIC_API,
				KVM_X2APIC_API_USE_32BIT_IDS, 0));
	EXPECT_EQ(-1, line_up(self->vm.fd, 3));
	EXPECT_EQ(-1, line_up(self->vm.fd, 3));
	EXPECT_EQ(0, irr_count(self->vm.vcpu[1]));
	ASSERT_EQ(0, get_counters(self->vm.fd, &c));
	EXPECT_EQ(2ull, c.rejected);
	EXPECT_EQ(1ull, c.delivered);
	EXPECT_EQ(0ull, c.no_route);
	/*
	 * The format cannot be turned off again: KVM's KVM_CAP_X2APIC_API
	 * only sets flags (kvm_vm_ioctl_enable_cap(), arch/x86/kvm/x86.c),
	 * so the entry stays refused.
	 */
	ASSERT_EQ(0, enable_cap(self->vm.fd, KVM_CAP_X2APIC_API, 0, 0));
	EXPECT_EQ(-1, line_up(self->vm.fd, 3));
	EXPECT_EQ(0, irr_count(self->vm.vcpu[1]));
	ASSERT_EQ(0, get_counters(self->vm.fd, &c));
	EXPECT_EQ(3ull, c.rejected);
	/* the entry rewritten in the 32-bit format delivers */
	e.u.msi.address_hi = 0;
	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	EXPECT_EQ(1, line_up(self->vm.fd, 3));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[1], 0x63));
}

TEST_F(routing, irq_line_delivers_and_returns_0)
{
	struct kvm_irq_routing_entry e = to_vcpu(3, 1, 0x73);

	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	EXPECT_EQ(0, irq_line(self->vm.fd, 3, 1));
	EXPECT_EQ(2u, irr_mask(&self->vm, 0x73));
	EXPECT_EQ(0, irq_line(self->vm.fd, 3, 0));
	EXPECT_EQ(0, irq_line(self->vm.fd, 77, 1));
}

TEST_F(routing, irq_line_status_readonly_arg_is_efault)
{
	struct kvm_irq_routing_entry e = to_vcpu(3, 1, 0x73);
	struct kvm_irq_level *l = readonly_page();

	ASSERT_NE(NULL, l);
	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	/* the page reads as zeroes: gsi 0, level 0 */
	EXPECT_EQ(-EFAULT, xioctl(self->vm.fd, KVM_IRQ_LINE_STATUS, l));
	/* KVM_IRQ_LINE does not write back */
	EXPECT_EQ(0, xioctl(self->vm.fd, KVM_IRQ_LINE, l));
}

TEST_F(routing, irq_line_status_sw_disabled_target_is_0)
{
	struct kvm_irq_routing_entry e = to_vcpu(3, 1, 0x73);

	ASSERT_EQ(0, lapic_config(self->vm.vcpu[1], 1, 2, DFR_FLAT, SVR_OFF, 0));
	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	EXPECT_EQ(0, line_up(self->vm.fd, 3));
	EXPECT_EQ(0, irr_count(self->vm.vcpu[1]));
}

TEST_F(routing, irq_line_status_level_triggered_route_sets_tmr)
{
	struct kvm_irq_routing_entry e = route_msi(3, msi_addr(1, false, false), 0,
						   msi_data(0x83, DM_FIXED, true));

	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	EXPECT_EQ(1, line_up(self->vm.fd, 3));
	EXPECT_EQ(1, irr_has(self->vm.vcpu[1], 0x83));
	EXPECT_EQ(1, tmr_has(self->vm.vcpu[1], 0x83));
}

TEST_HARNESS_MAIN
