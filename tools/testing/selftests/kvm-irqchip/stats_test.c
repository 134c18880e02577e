// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics as KVM exposes its own: KVM_GET_STATS_FD on the instance fd
 * and on a vCPU fd returns a file in KVM's binary stats format (KVM
 * api.rst 4.133 "KVM_GET_STATS_FD": header, id string, descriptors, data,
 * read with pread at the header's offsets); and the instance's debugfs
 * dump (/sys/kernel/debug/kvm-irqchip/<pid>-<id>/{routes,state}).
 */
#include <sys/uio.h>

#include "kic_x86_util.h"
#include "inspect_util.h"
#include "kselftest_harness.h"

#define VEC		0x41
#define GSI		40
#define NAME_SIZE	48

struct stats {
	struct kvm_stats_header h;
	char id[NAME_SIZE];
	unsigned int nr;
	char names[16][NAME_SIZE];
	uint32_t flags[16];
	uint32_t offset[16];
	uint64_t data[16];
};

/* Parse a stats fd the way a VMM does; 0 or -errno. */
static int stats_read(int fd, struct stats *s)
{
	size_t dsz;

	memset(s, 0, sizeof(*s));
	if (pread(fd, &s->h, sizeof(s->h), 0) != sizeof(s->h))
		return -EIO;
	if (s->h.num_desc > 16 || s->h.name_size != NAME_SIZE)
		return -E2BIG;
	s->nr = s->h.num_desc;
	if (pread(fd, s->id, NAME_SIZE, s->h.id_offset) != NAME_SIZE)
		return -EIO;
	dsz = sizeof(struct kvm_stats_desc) + s->h.name_size;
	for (unsigned int i = 0; i < s->nr; i++) {
		char buf[sizeof(struct kvm_stats_desc) + NAME_SIZE];
		struct kvm_stats_desc *d = (void *)buf;

		if (pread(fd, buf, dsz, s->h.desc_offset + i * dsz) != (ssize_t)dsz)
			return -EIO;
		if (d->size != 1)
			return -EINVAL;
		s->flags[i] = d->flags;
		s->offset[i] = d->offset;
		memcpy(s->names[i], d->name, NAME_SIZE);
	}
	for (unsigned int i = 0; i < s->nr; i++)
		if (pread(fd, &s->data[i], 8, s->h.data_offset + s->offset[i]) != 8)
			return -EIO;
	return 0;
}

static int stat_index(const struct stats *s, const char *name)
{
	for (unsigned int i = 0; i < s->nr; i++)
		if (!strcmp(s->names[i], name))
			return i;
	return -1;
}

static uint64_t stat_of(const struct stats *s, const char *name)
{
	int i = stat_index(s, name);

	return i < 0 ? ~0ull : s->data[i];
}

FIXTURE(stats) {
	struct vm vm;
	int efd;
	int id;
};

FIXTURE_SETUP(stats)
{
	struct kvm_irq_routing_entry e = route_msi(GSI, msi_addr(0, false, false),
						   0, msi_data(VEC, DM_FIXED, false));

	ASSERT_EQ(0, vm_init_kic(&self->vm, 2));
	ASSERT_EQ(0, vm_xapic_flat(&self->vm));
	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	self->efd = new_eventfd();
	ASSERT_LE(0, self->efd);
	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd, GSI, 0));
	self->id = kic_instance_id(getpid());
	ASSERT_LE(0, self->id);
}

FIXTURE_TEARDOWN(stats)
{
	close(self->efd);
	vm_fini(&self->vm);
}

/* One delivery through the irqfd, taken and completed by vCPU 0. */
static void deliver_once(struct __test_metadata *_metadata,
			 FIXTURE_DATA(stats) * self)
{
	uint32_t vec = 0, flags = 0;

	ASSERT_EQ(0, efd_signal(self->efd));
	ASSERT_EQ(1, wait_irr(self->vm.vcpu[0], VEC, 2000));
	ASSERT_EQ(0, vcpu_ack(self->vm.vcpu[0], &vec, &flags));
	ASSERT_EQ((uint32_t)VEC, vec);
	ASSERT_EQ(0, vcpu_eoi(self->vm.vcpu[0], &vec, &flags));
}

TEST_F(stats, instance_stats_fd_is_kvm_format_with_the_counters)
{
	struct kvm_irqchip_counters c;
	static const char *const names[] = {
		"delivered", "fast_path", "slow_path", "no_route", "no_target",
		"illegal_vector", "rejected", "coalesced", "acked",
		"routes", "gsis",
	};
	char id[NAME_SIZE];
	struct stats s;
	int fd;

	for (int i = 0; i < 3; i++)
		deliver_once(_metadata, self);
	ASSERT_EQ(0, irq_line(self->vm.fd, 99, 1));	/* no route */
	fd = xioctl_val(self->vm.fd, KVM_GET_STATS_FD, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, stats_read(fd, &s));
	EXPECT_EQ(0u, s.h.flags);
	EXPECT_EQ(ARRAY_SIZE(names), s.nr);
	EXPECT_EQ(sizeof(s.h), s.h.id_offset);
	snprintf(id, sizeof(id), "kvm-irqchip-%d-%d", getpid(), self->id);
	EXPECT_STREQ(id, s.id);
	for (unsigned int i = 0; i < ARRAY_SIZE(names) && i < s.nr; i++) {
		EXPECT_STREQ(names[i], s.names[i]);
		EXPECT_EQ(i < 9 ? (uint32_t)KVM_STATS_TYPE_CUMULATIVE :
				  (uint32_t)KVM_STATS_TYPE_INSTANT,
			  s.flags[i] & KVM_STATS_TYPE_MASK);
		EXPECT_EQ((uint32_t)KVM_STATS_UNIT_NONE, s.flags[i] & KVM_STATS_UNIT_MASK);
	}
	EXPECT_EQ(3u, stat_of(&s, "delivered"));
	EXPECT_EQ(3u, stat_of(&s, "fast_path"));
	EXPECT_EQ(1u, stat_of(&s, "no_route"));
	EXPECT_EQ(1u, stat_of(&s, "routes"));
	EXPECT_EQ(1u, stat_of(&s, "gsis"));
	/* The same numbers as KVM_IRQCHIP_GET_COUNTERS. */
	ASSERT_EQ(0, get_counters(self->vm.fd, &c));
	EXPECT_EQ(0, memcmp(&c, s.data, 9 * sizeof(uint64_t)));
	close(fd);
}

/* The data block is read afresh: a later pread sees later counts. */
TEST_F(stats, stats_fd_data_is_live)
{
	struct stats a, b;
	int fd = xioctl_val(self->vm.fd, KVM_GET_STATS_FD, 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, stats_read(fd, &a));
	deliver_once(_metadata, self);
	deliver_once(_metadata, self);
	ASSERT_EQ(0, stats_read(fd, &b));
	EXPECT_EQ(stat_of(&a, "delivered") + 2, stat_of(&b, "delivered"));
	close(fd);
}

/* A read of the whole file in one go: header, then data at its offset. */
TEST_F(stats, stats_fd_reads_sequentially_too)
{
	struct kvm_stats_header *h;
	char buf[4096];
	ssize_t n;
	uint64_t v;
	int fd;

	deliver_once(_metadata, self);
	fd = xioctl_val(self->vm.fd, KVM_GET_STATS_FD, 0);
	ASSERT_LE(0, fd);
	n = read(fd, buf, sizeof(buf));
	h = (void *)buf;
	ASSERT_EQ((ssize_t)(h->data_offset + h->num_desc * 8), n);
	memcpy(&v, buf + h->data_offset, 8);	/* "delivered" is first */
	EXPECT_EQ(1u, v);
	EXPECT_EQ(0, read(fd, buf, sizeof(buf)));
	close(fd);
}

TEST_F(stats, vcpu_stats_fd_counts_notifications_acks_and_eois)
{
	struct stats s;
	char id[NAME_SIZE];
	int fd;

	deliver_once(_metadata, self);
	deliver_once(_metadata, self);
	fd = xioctl_val(self->vm.vcpu[0], KVM_GET_STATS_FD, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, stats_read(fd, &s));
	snprintf(id, sizeof(id), "kvm-irqchip-%d-%d/vcpu-0", getpid(),
		 self->id);
	EXPECT_STREQ(id, s.id);
	EXPECT_EQ(3u, s.nr);
	EXPECT_LE(2u, stat_of(&s, "notified"));
	EXPECT_EQ(2u, stat_of(&s, "acks"));
	EXPECT_EQ(2u, stat_of(&s, "eois"));
	close(fd);
	/* vCPU 1 took nothing. */
	fd = xioctl_val(self->vm.vcpu[1], KVM_GET_STATS_FD, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, stats_read(fd, &s));
	EXPECT_EQ(0u, stat_of(&s, "acks"));
	EXPECT_EQ(0u, stat_of(&s, "notified"));
	close(fd);
}

/* The stats fd holds the instance: readable after the VMM closed it. */
TEST_F(stats, stats_fd_outlives_the_instance_fd)
{
	int fd, inst = -1, irqfds = -1;
	struct stats s;

	deliver_once(_metadata, self);
	fd = xioctl_val(self->vm.fd, KVM_GET_STATS_FD, 0);
	ASSERT_LE(0, fd);
	vm_fini(&self->vm);
	ASSERT_EQ(0, vm_init_kic(&self->vm, 1));	/* for the teardown */
	ASSERT_EQ(0, stats_read(fd, &s));
	EXPECT_EQ(1u, stat_of(&s, "delivered"));
	close(fd);
	ASSERT_EQ(0, objects_read(&inst, &irqfds));
	EXPECT_EQ(1, inst);	/* only the new one */
}

TEST(stats_fd_of_unconfigured_instance_reads_zeros)
{
	int kfd = kic_open(), fd;
	struct stats s;

	ASSERT_LE(0, kfd);
	fd = xioctl_val(kfd, KVM_GET_STATS_FD, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, stats_read(fd, &s));
	EXPECT_EQ(0u, stat_of(&s, "delivered"));
	EXPECT_EQ(0u, stat_of(&s, "routes"));
	/* Read-only. */
	EXPECT_EQ(-1, write(fd, "x", 1));
	close(fd);
	close(kfd);
}

TEST_F(stats, debugfs_routes_lists_every_entry)
{
	struct kvm_irq_routing_entry e[3] = {
		route_pin(3, KVM_IRQCHIP_PIC_MASTER, 3),
		route_pin(3, KVM_IRQCHIP_IOAPIC, 3),
		route_msi(GSI, msi_addr(1, false, false), 0,
			  msi_data(0x52, DM_FIXED, false)),
	};
	char *t;

	ASSERT_EQ(0, set_routing(self->vm.fd, e, 3));
	t = kic_dump(getpid(), self->id, "routes");
	ASSERT_NE(NULL, t);
	EXPECT_EQ(1, count_lines(t, "gsi 3 irqchip 0 pin 3\n")) TH_LOG("%s", t);
	EXPECT_EQ(1, count_lines(t, "gsi 3 irqchip 2 pin 3\n"));
	EXPECT_EQ(1, count_lines(t, "gsi 40 msi addr 0x0:0xfee01000 data 0x52\n"))
		TH_LOG("%s", t);
	EXPECT_EQ(3, count_lines(t, "gsi "));
	free(t);
}

TEST_F(stats, debugfs_state_shows_counters_vcpus_irqfds_and_masks)
{
	char *t;

	deliver_once(_metadata, self);
	deliver_once(_metadata, self);
	ASSERT_EQ(0, gsi_mask(self->vm.fd, GSI));
	ASSERT_EQ(0, efd_signal(self->efd));
	t = kic_dump(getpid(), self->id, "state");
	ASSERT_NE(NULL, t);
	EXPECT_EQ(1, count_lines(t, "model x86\n")) TH_LOG("%s", t);
	EXPECT_EQ(1, count_lines(t, "vcpus 2\n"));
	EXPECT_EQ(1, count_lines(t, "routes 1\n"));
	EXPECT_EQ(1, count_lines(t, "counter delivered 2\n"));
	EXPECT_EQ(1, count_lines(t, "vcpu 0 notified "));
	EXPECT_EQ(1, count_lines(t, " acks 2 eois 2\n"));
	EXPECT_EQ(1, count_lines(t, "vcpu 1 notified 0 acks 0 eois 0\n"));
	EXPECT_EQ(1, count_lines(t, "irqfd 40 resample 0\n"));
	EXPECT_EQ(1, count_lines(t, "gsi 40 delivered 2 coalesced 0 dropped 0 %s\n",
				 "masked 1 mask 1 pending 1"));
	free(t);
}

/* The directory goes with the instance. */
TEST_F(stats, debugfs_directory_is_removed_with_the_instance)
{
	char path[128];
	int id = self->id;

	snprintf(path, sizeof(path), KIC_DEBUGFS "/%d-%d/state", getpid(), id);
	ASSERT_EQ(0, access(path, R_OK));
	close(self->efd);
	self->efd = new_eventfd();
	vm_fini(&self->vm);
	EXPECT_EQ(-1, access(path, F_OK));
	EXPECT_EQ(ENOENT, errno);
	ASSERT_EQ(0, vm_init_kic(&self->vm, 1));
}

TEST_HARNESS_MAIN
