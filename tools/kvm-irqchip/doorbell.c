// SPDX-License-Identifier: GPL-2.0
/*
 * Inter-VM doorbells over kvm-irqchip irqfds: see doorbell.h for the
 * layout.  Built as the example program kvm-irqchip-doorbell (with
 * DOORBELL_MAIN) and compiled into the selftest doorbell_test.c.
 */
#include <poll.h>

#include "doorbell.h"

void db_init(struct db_fabric *f)
{
	memset(f, 0, sizeof(*f));
}

/* Every GSI of the layout, an MSI to vCPU 0 with its own vector. */
static int db_routes(struct db_peer *p)
{
	struct kvm_irq_routing_entry e[DB_MAX_PEERS * DB_SLOTS];

	for (int g = 0; g < DB_MAX_PEERS * DB_SLOTS; g++)
		e[g] = route_msi(g, msi_addr(0, false, false), 0,
				 msi_data(DB_VEC_BASE + g, DM_FIXED, false));
	return set_routing(p->vm.fd, e, DB_MAX_PEERS * DB_SLOTS);
}

/* Sender @s's eventfds towards receiver @r, bound on @r's instance. */
static int db_connect(struct db_fabric *f, int s, int r)
{
	struct db_peer *ps = &f->peer[s], *pr = &f->peer[r];
	long ret;

	for (int v = 0; v < DB_SLOTS - 1; v++) {
		ps->out[r][v] = new_eventfd();
		if (ps->out[r][v] < 0)
			return -errno;
		ret = irqfd(pr->vm.fd, ps->out[r][v], DB_GSI(s, v), 0);
		if (ret)
			return ret;
	}
	return irqfd(pr->vm.fd, ps->mcast, DB_GSI(s, DB_SLOT_MCAST), 0);
}

static void db_disconnect(struct db_fabric *f, int s, int r)
{
	struct db_peer *ps = &f->peer[s], *pr = &f->peer[r];

	for (int v = 0; v < DB_SLOTS - 1; v++) {
		irqfd(pr->vm.fd, ps->out[r][v], DB_GSI(s, v),
		      KVM_IRQFD_FLAG_DEASSIGN);
		close(ps->out[r][v]);
		ps->out[r][v] = -1;
	}
	irqfd(pr->vm.fd, ps->mcast, DB_GSI(s, DB_SLOT_MCAST),
	      KVM_IRQFD_FLAG_DEASSIGN);
}

int db_join(struct db_fabric *f, int id)
{
	struct db_peer *p = &f->peer[id];
	int r;

	if (id < 0 || id >= DB_MAX_PEERS || p->present)
		return -EINVAL;
	r = vm_init_kic(&p->vm, 1);
	if (r)
		return r;
	r = vm_xapic_flat(&p->vm) ?: db_routes(p);
	p->mcast = new_eventfd();
	if (r || p->mcast < 0)
		return r ?: -errno;
	for (int o = 0; o < DB_MAX_PEERS; o++) {
		if (o == id || !f->peer[o].present)
			continue;
		r = db_connect(f, id, o) ?: db_connect(f, o, id);
		if (r)
			return r;
	}
	p->present = true;
	/* Tell everyone else: one write each, on their member slot for us. */
	for (int o = 0; o < DB_MAX_PEERS; o++)
		if (o != id && f->peer[o].present)
			efd_signal(p->out[o][DB_SLOT_MEMBER]);
	return 0;
}

int db_leave(struct db_fabric *f, int id)
{
	struct db_peer *p = &f->peer[id];

	if (id < 0 || id >= DB_MAX_PEERS || !p->present)
		return -EINVAL;
	for (int o = 0; o < DB_MAX_PEERS; o++)
		if (o != id && f->peer[o].present)
			efd_signal(p->out[o][DB_SLOT_MEMBER]);
	for (int o = 0; o < DB_MAX_PEERS; o++) {
		if (o == id || !f->peer[o].present)
			continue;
		db_disconnect(f, id, o);
		db_disconnect(f, o, id);
	}
	close(p->mcast);
	vm_fini(&p->vm);
	p->present = false;
	return 0;
}

int db_ring(struct db_fabric *f, int from, int to, int vector)
{
	if (from == to || vector < 0 || vector >= DB_VECTORS ||
	    !f->peer[from].present || !f->peer[to].present)
		return -EINVAL;
	return efd_signal(f->peer[from].out[to][vector]);
}

int db_multicast(struct db_fabric *f, int from)
{
	if (!f->peer[from].present)
		return -EINVAL;
	return efd_signal(f->peer[from].mcast);
}

int db_receive(struct db_fabric *f, int id, int timeout_ms, int *from,
	       int *slot)
{
	struct pollfd pfd = { .fd = f->peer[id].vm.vcpu[0], .events = POLLIN };
	uint32_t vec = 0, flags = 0;
	long r;
	int g;

	r = poll(&pfd, 1, timeout_ms);
	if (r <= 0)
		return r < 0 ? -errno : 0;
	r = vcpu_ack(pfd.fd, &vec, &flags);
	if (r)
		return r == -EAGAIN ? 0 : r;
	r = vcpu_eoi(pfd.fd, &vec, &flags);
	if (r)
		return r;
	g = vec - DB_VEC_BASE;
	*from = g / DB_SLOTS;
	*slot = g % DB_SLOTS;
	return 1;
}

#ifdef DOORBELL_MAIN
static const char *slot_name(int slot)
{
	static char buf[16];

	if (slot == DB_SLOT_MEMBER)
		return "join/leave";
	if (slot == DB_SLOT_MCAST)
		return "multicast";
	snprintf(buf, sizeof(buf), "doorbell %d", slot);
	return buf;
}

static void drain(struct db_fabric *f, int id)
{
	int from, slot;

	while (db_receive(f, id, 100, &from, &slot) == 1)
		printf("  peer %d <- peer %d: %s\n", id, from, slot_name(slot));
}

int main(void)
{
	static struct db_fabric f;

	db_init(&f);
	for (int i = 0; i < 3; i++) {
		if (db_join(&f, i)) {
			perror("join");
			return 1;
		}
		printf("peer %d joined\n", i);
		for (int o = 0; o < i; o++)
			drain(&f, o);
	}
	printf("peer 0 rings peer 1, vector 3\n");
	db_ring(&f, 0, 1, 3);
	drain(&f, 1);
	printf("peer 2 multicasts\n");
	db_multicast(&f, 2);
	drain(&f, 0);
	drain(&f, 1);
	printf("peer 1 leaves\n");
	db_leave(&f, 1);
	drain(&f, 0);
	drain(&f, 2);
	db_leave(&f, 0);
	drain(&f, 2);
	db_leave(&f, 2);
	return 0;
}
#endif
