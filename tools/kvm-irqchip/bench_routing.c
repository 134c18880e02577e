// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip benchmark, routing: what a route change, a mask and a big
 * table cost here and in KVM, side by side in one run.
 *
 * KVM side: a split-irqchip KVM VM with one vCPU that never runs.  Our
 * side: a self-contained instance with one vCPU.  Both get the same MSI
 * table of N entries (GSI i: physical to APIC ID 0, vector 0x40 + i % 0x80).
 *
 *  update_1_of_N_speedup: change one entry (its vector) of an N-entry
 *	table: KVM needs KVM_SET_GSI_ROUTING with the whole table; we do one
 *	KVM_IRQCHIP_ROUTE_BATCH with one OP_SET.  Each ioctl timed alone,
 *	UPDATE_REPS times in a loop of its own (so a cheap ioctl does not pay
 *	for the caches a heavy one just flushed), the entry changed walking
 *	the table; figure = median KVM time / median our time.
 *  set_gsi_routing_1_of_4096_speedup: the same one-entry change made by a
 *	VMM that keeps using KVM_SET_GSI_ROUTING on kvm-irqchip (a diff:
 *	unchanged GSIs are compared, not rebuilt), against KVM.
 *  full_table_4096_speedup: KVM_SET_GSI_ROUTING of 4096 entries, every
 *	entry changed each time (two tables alternating), on both; medians.
 *	full_table_4096_unchanged_speedup: the same table sent again.
 *  mask_unmask_speedup: what a VMM does to mask and unmask an MSI-X
 *	vector: with KVM, KVM_IRQFD deassign + assign of its eventfd; here
 *	OP_MASK + OP_UNMASK, the irqfd staying assigned; the pair timed,
 *	medians, while a device thread signals both eventfds every 50 us (a
 *	vector with traffic: KVM's deassign then waits for an SRCU grace
 *	period that readers keep busy).  mask_unmask_idle_speedup: the same
 *	with no signals (KVM's grace period then completes at once).  The
 *	irqfd is checked to still deliver afterwards.
 *  max_routes: max_routes (KVM_CAP_IRQ_ROUTING) entries installed in
 *	batches of 65536 and each of the first, middle and last GSI
 *	delivering through an irqfd; printed only when all of that worked.
 *  bytes_per_msi_route: the growth of the kernel's slab (/proc/meminfo
 *	"Slab", every object the table and its state blocks allocate, all
 *	charged to the caller's memory cgroup) over that install, per route.
 */
#include <pthread.h>

#include "bench.h"

#define UPDATE_REPS	31
#define FULL_REPS	15
#define MASK_REPS	31
#define BATCH_OPS	65536

static struct kvm_irq_routing_entry bench_entry(uint32_t gsi, uint32_t vec)
{
	return route_msi(gsi, msi_addr(0, false, false), 0,
			 msi_data(vec, DM_FIXED, false));
}

static void fill_table(struct kvm_irq_routing_entry *e, uint32_t n,
		       uint32_t shift)
{
	for (uint32_t i = 0; i < n; i++)
		e[i] = bench_entry(i, 0x40 + (i + shift) % 0x80);
}

/* Median ns of KVM_SET_GSI_ROUTING (one entry changed) and of OP_SET. */
/* The time of each of UPDATE_REPS one-entry changes, the entry walking. */
enum update_how { BY_KVM, BY_OP_SET, BY_WHOLE_TABLE };

static long update_loop(int fd, struct kvm_irq_routing_entry *e, uint32_t n,
			enum update_how how, uint32_t shift, double *t)
{
	long r = 0;

	for (unsigned int i = 0; !r && i < UPDATE_REPS; i++) {
		uint32_t k = i * (n / UPDATE_REPS + 1) % n;
		uint64_t t0;

		e[k] = bench_entry(k, 0x40 + (k + i + shift) % 0x80);
		t0 = now_ns();
		r = how == BY_OP_SET ? route_set1(fd, &e[k]) : set_routing(fd, e, n);
		t[i] = now_ns() - t0;
	}
	return r;
}

/*
 * One-entry changes of an @n-entry table: KVM_SET_GSI_ROUTING on KVM, and
 * here OP_SET and (a VMM that keeps using it) KVM_SET_GSI_ROUTING.  Each
 * kind runs as its own loop, so none pays for the cache misses a heavier
 * neighbour leaves behind.
 */
static int update_one(struct vm *kvm, struct vm *kic, uint32_t n,
		      double *speedup, double *legacy)
{
	struct kvm_irq_routing_entry *e = calloc(n, sizeof(*e));
	double tk[UPDATE_REPS], to[UPDATE_REPS], tl[UPDATE_REPS];
	long r = -ENOMEM;

	if (!e)
		return fail("calloc", r);
	fill_table(e, n, 0);
	r = set_routing(kvm->fd, e, n);
	if (!r)
		r = set_routing(kic->fd, e, n);
	if (!r)
		r = update_loop(kvm->fd, e, n, BY_KVM, 1, tk);
	fill_table(e, n, 0);
	if (!r)
		r = update_loop(kic->fd, e, n, BY_OP_SET, 1, to);
	if (!r)
		r = update_loop(kic->fd, e, n, BY_WHOLE_TABLE, 2, tl);
	free(e);
	if (r)
		return fail("changing one entry", r);
	*speedup = bench_median(tk, UPDATE_REPS) / bench_median(to, UPDATE_REPS);
	*legacy = bench_median(tk, UPDATE_REPS) / bench_median(tl, UPDATE_REPS);
	printf("bench: one entry of %5u: KVM %6.0f us; ours: OP_SET %5.1f us, whole %5.0f us\n",
	       n, bench_median(tk, UPDATE_REPS) / 1e3,
	       bench_median(to, UPDATE_REPS) / 1e3,
	       bench_median(tl, UPDATE_REPS) / 1e3);
	return 0;
}

/*
 * KVM_SET_GSI_ROUTING of @n entries on both: @changed, every entry changed
 * each time (two tables alternating); else the same table again, what a
 * VMM that commits its whole table after touching nothing sends.
 */
static int full_table(struct vm *kvm, struct vm *kic, uint32_t n,
		      bool changed, double *speedup)
{
	struct kvm_irq_routing_entry *a = calloc(n, sizeof(*a));
	struct kvm_irq_routing_entry *b = calloc(n, sizeof(*b));
	double tk[FULL_REPS], to[FULL_REPS];
	long r = 0;

	if (!a || !b)
		return fail("calloc", -ENOMEM);
	fill_table(a, n, 0);
	fill_table(b, n, 1);
	for (unsigned int i = 0; !r && i < FULL_REPS; i++) {
		const struct kvm_irq_routing_entry *t = i % 2 && changed ? a : b;
		uint64_t t0 = now_ns();

		r = set_routing(kvm->fd, t, n);
		tk[i] = now_ns() - t0;
		if (r)
			break;
		t0 = now_ns();
		r = set_routing(kic->fd, t, n);
		to[i] = now_ns() - t0;
	}
	free(a);
	free(b);
	if (r)
		return fail("replacing the whole table", r);
	*speedup = bench_median(tk, FULL_REPS) / bench_median(to, FULL_REPS);
	printf("bench: whole table of %u, %s: KVM %.0f us, ours %.0f us\n",
	       n, changed ? "all changed" : "unchanged",
	       bench_median(tk, FULL_REPS) / 1e3,
	       bench_median(to, FULL_REPS) / 1e3);
	return 0;
}

/**
 * struct device_thread - an active device: signals its eventfds until told
 * @efd: the eventfds (KVM's and ours)
 * @stop: set to end it
 */
struct device_thread {
	int efd[2];
	bool stop;
};

static void *device_loop(void *arg)
{
	struct device_thread *d = arg;

	while (!__atomic_load_n(&d->stop, __ATOMIC_RELAXED)) {
		efd_signal(d->efd[0]);
		efd_signal(d->efd[1]);
		usleep(50);
	}
	return NULL;
}

/*
 * Mask + unmask, MASK_REPS times on each side; with @busy a device thread
 * signals both eventfds every 50 us meanwhile, as a device with traffic
 * whose vector the guest masks.
 */
static int mask_unmask(struct vm *kvm, struct vm *kic, bool busy,
		       double *speedup)
{
	struct kvm_irq_routing_entry e = bench_entry(0, 0x40);
	double tk[MASK_REPS], to[MASK_REPS];
	int ek = new_eventfd(), eo = new_eventfd();
	struct device_thread dev = { .efd = { ek, eo } };
	pthread_t th;
	long r;

	r = set_routing(kvm->fd, &e, 1);
	if (!r)
		r = set_routing(kic->fd, &e, 1);
	if (!r)
		r = irqfd(kvm->fd, ek, 0, 0);
	if (!r)
		r = irqfd(kic->fd, eo, 0, 0);
	if (!r && busy && pthread_create(&th, NULL, device_loop, &dev))
		r = -EAGAIN;
	/* Each side in a loop of its own, as update_one(). */
	for (unsigned int i = 0; !r && i < MASK_REPS; i++) {
		uint64_t t0 = now_ns();

		r = irqfd(kvm->fd, ek, 0, KVM_IRQFD_FLAG_DEASSIGN);
		if (!r)
			r = irqfd(kvm->fd, ek, 0, 0);
		tk[i] = now_ns() - t0;
	}
	for (unsigned int i = 0; !r && i < MASK_REPS; i++) {
		uint64_t t0 = now_ns();

		r = gsi_mask(kic->fd, 0);
		if (!r)
			r = gsi_unmask(kic->fd, 0);
		to[i] = now_ns() - t0;
	}
	if (busy) {
		__atomic_store_n(&dev.stop, true, __ATOMIC_RELAXED);
		pthread_join(th, NULL);
	}
	if (!r && (lapic_clear_vectors(kic->vcpu[0]) || efd_signal(eo) ||
		   irr_has(kic->vcpu[0], 0x40) != 1))
		r = -EIO;
	close(ek);
	close(eo);
	if (r)
		return fail("mask/unmask", r);
	*speedup = bench_median(tk, MASK_REPS) / bench_median(to, MASK_REPS);
	printf("bench: mask+unmask, %s: KVM irqfd deassign+assign %.0f us, ours %.1f us\n",
	       busy ? "device signalling" : "idle device",
	       bench_median(tk, MASK_REPS) / 1e3,
	       bench_median(to, MASK_REPS) / 1e3);
	return 0;
}

/* What any ioctl costs here: KVM_CHECK_EXTENSION on each side. */
static void ioctl_floor(struct vm *kvm, struct vm *kic)
{
	double tk[MASK_REPS], to[MASK_REPS];

	for (unsigned int i = 0; i < MASK_REPS; i++) {
		uint64_t t0 = now_ns();

		check_ext(kvm->fd, KVM_CAP_IRQ_ROUTING);
		tk[i] = now_ns() - t0;
		t0 = now_ns();
		check_ext(kic->fd, KVM_CAP_IRQ_ROUTING);
		to[i] = now_ns() - t0;
	}
	printf("bench: for scale, one KVM_CHECK_EXTENSION: KVM %.1f us, ours %.1f us\n",
	       bench_median(tk, MASK_REPS) / 1e3,
	       bench_median(to, MASK_REPS) / 1e3);
}

/* /proc/meminfo's Slab, in bytes, or 0 */
static uint64_t slab_bytes(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	unsigned long long kb = 0;
	char line[128];

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

static int delivers(struct vm *kic, uint32_t gsi)
{
	int efd = new_eventfd();
	int ok = efd >= 0 && !lapic_clear_vectors(kic->vcpu[0]) &&
		 !irqfd(kic->fd, efd, gsi, 0) && !efd_signal(efd) &&
		 irr_has(kic->vcpu[0], 0x40 + gsi % 0x80) == 1 &&
		 !irqfd(kic->fd, efd, gsi, KVM_IRQFD_FLAG_DEASSIGN);

	close(efd);
	return ok;
}

static int capacity(uint32_t *max, double *bytes)
{
	struct kvm_irqchip_route_op *ops = calloc(BATCH_OPS, sizeof(*ops));
	struct kvm_irq_routing_entry *e = calloc(BATCH_OPS, sizeof(*e));
	uint64_t s0, s1, t0;
	struct vm kic;
	long r;

	if (!ops || !e)
		return fail("calloc", -ENOMEM);
	r = vm_init_kic(&kic, 1);
	if (!r)
		r = vm_xapic_flat(&kic);
	if (r)
		return fail("instance", r);
	*max = (uint32_t)check_ext(kic.fd, KVM_CAP_IRQ_ROUTING);
	s0 = slab_bytes();
	t0 = now_ns();
	for (uint32_t base = 0; !r && base < *max; base += BATCH_OPS) {
		uint32_t n = *max - base < BATCH_OPS ? *max - base : BATCH_OPS;

		for (uint32_t i = 0; i < n; i++) {
			e[i] = bench_entry(base + i, 0x40 + (base + i) % 0x80);
			ops[i] = route_op(KVM_IRQCHIP_ROUTE_OP_SET, base + i, i, 1);
		}
		r = route_batch(kic.fd, ops, n, e, n, 0, NULL);
	}
	t0 = now_ns() - t0;
	s1 = slab_bytes();
	if (!r && !(delivers(&kic, 0) && delivers(&kic, *max / 2) &&
		    delivers(&kic, *max - 1)))
		r = -EIO;
	vm_fini(&kic);
	free(ops);
	free(e);
	if (r)
		return fail("installing max_routes entries", r);
	*bytes = s1 > s0 ? (double)(s1 - s0) / *max : 0;
	printf("bench: %u MSI routes installed in %.0f ms (batches of %u); slab +%.1f MiB\n",
	       *max, t0 / 1e6, BATCH_OPS, (s1 - s0) / 1048576.0);
	return 0;
}

/**
 * bench_routing() - the routing figures
 *
 * Return: 0, or 1 when a check failed.
 */
int bench_routing(void)
{
	static const uint32_t sizes[] = { 64, 1024, 4096 };
	double up[ARRAY_SIZE(sizes)] = { 0 }, legacy[ARRAY_SIZE(sizes)] = { 0 };
	double full = 0, same = 0, bytes = 0;
	double mask = 0, mask_idle = 0;
	struct vm kvm, kic;
	uint32_t max = 0;
	long r;

	r = vm_init_kvm_split(&kvm, 1);
	if (r)
		return fail("split-irqchip KVM VM", r);
	r = vm_init_kic(&kic, 1);
	if (!r)
		r = vm_xapic_flat(&kic);
	if (r)
		return fail("instance", r);
	printf("bench: routing: KVM (split irqchip VM) vs kvm-irqchip, medians of each ioctl\n");
	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++)
		if (update_one(&kvm, &kic, sizes[i], &up[i], &legacy[i]))
			return 1;
	ioctl_floor(&kvm, &kic);
	if (full_table(&kvm, &kic, 4096, true, &full) ||
	    full_table(&kvm, &kic, 4096, false, &same) ||
	    mask_unmask(&kvm, &kic, false, &mask_idle) ||
	    mask_unmask(&kvm, &kic, true, &mask))
		return 1;
	vm_fini(&kic);
	vm_fini(&kvm);
	if (capacity(&max, &bytes))
		return 1;

	bench_figure("update_1_of_64_speedup", "%.1f", up[0]);
	bench_figure("update_1_of_1024_speedup", "%.1f", up[1]);
	bench_figure("update_1_of_4096_speedup", "%.1f", up[2]);
	bench_figure("set_gsi_routing_1_of_4096_speedup", "%.1f", legacy[2]);
	bench_figure("full_table_4096_speedup", "%.2f", full);
	bench_figure("full_table_4096_unchanged_speedup", "%.2f", same);
	bench_figure("mask_unmask_speedup", "%.1f", mask);
	bench_figure("mask_unmask_idle_speedup", "%.1f", mask_idle);
	bench_figure("max_routes", "%.0f", max);
	bench_figure("bytes_per_msi_route", "%.1f", bytes);
	return 0;
}
