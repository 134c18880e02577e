// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip benchmark, injection: eventfd write to LAPIC IRR, through
 * the KVM bridge, through a self-contained instance (our own LAPICs), and
 * through KVM's own irqfd, side by side in one run.
 *
 * One KVM VM in split-irqchip mode with BENCH_VCPUS vCPUs that never run
 * (no memory, no KVM_RUN); a kvm-irqchip instance attached to it with
 * KVM_IRQCHIP_CREATE_KVM_VM (the bridge); a second instance with its own
 * BENCH_VCPUS vCPU endpoints (soft).  Stream s has the same MSI route on
 * GSI 24 + s of each: fixed, physical, to APIC ID s, vector 0x40 + s.
 * Each route has its own eventfd bound with KVM_IRQFD, so a write to one
 * runs that path's irqfd wakeup alone, which sets the vector in vCPU s's
 * IRR (KVM's LAPIC for bridge and KVM, ours for soft) before write()
 * returns: the rate of writes is the rate of injections.
 *
 * A run: BENCH_RUN_MS of 1 stream (1 thread, 1 eventfd, 1 GSI, vCPU 0) or
 * of 4 streams (4 threads, 4 eventfds, 4 GSIs, vCPUs 0-3), each thread
 * writing its eventfd as fast as it can; the rate is all writes over the
 * time from the first thread's start to the last one's stop.  Within a
 * run the vector stays in IRR and later writes coalesce into it, which is
 * the same work on every path (deliver, set the bit, kick a vCPU that is
 * not running).  Between runs, outside the timed region, each vector is
 * checked to be in its IRR (delivery happened, and synchronously) and IRR
 * is cleared; for our paths the instance's counters must also show every
 * write delivered from the eventfd wakeup.
 *
 * TCG timing is noisy, so the paths take turns, the order rotated every
 * round, BENCH_ROUNDS rounds after one warm-up round; each path's rate is
 * the median of its runs and each ratio one of medians.  Lines:
 * "bench: bridge_inject_ratio=", "bench: bridge_inject_ratio_4=" (bridge /
 * KVM, 1 and 4 streams), "bench: inject_ratio_1=", "bench: inject_ratio_4="
 * (soft / KVM).
 */
#include <pthread.h>
#include <time.h>

#include "bench.h"

#define BENCH_VCPUS	4
#define BENCH_STREAMS	4	/* at most; a stream per vCPU */
#define BENCH_ROUNDS	7
#define BENCH_RUN_MS	250
#define BENCH_GSI	24
#define BENCH_VECTOR	0x40

enum bench_path { PATH_BRIDGE, PATH_SOFT, PATH_KVM, NR_PATHS };

static const char *const path_name[NR_PATHS] = { "bridge", "soft", "KVM" };

/**
 * struct stream - one writer thread of a run
 * @efd: the eventfd it writes
 * @start_barrier: released by the main thread to start the run
 * @stop: set by the main thread to end the run (__atomic)
 * @writes: writes done
 * @t0: when it started, ns (CLOCK_MONOTONIC)
 * @t1: when it stopped, ns
 * @err: 0, or -errno of a failed write
 */
struct stream {
	int efd;
	pthread_barrier_t *start_barrier;
	const bool *stop;
	uint64_t writes;
	uint64_t t0;
	uint64_t t1;
	int err;
};

/**
 * struct bench - the VM, the instances and the eventfds of every path
 * @vm: the split-irqchip KVM VM and its vCPU fds
 * @kic: the instance attached to it
 * @soft: the self-contained instance and its vCPU fds
 * @efd: per path, per stream, the eventfd bound to its route
 */
struct bench {
	struct vm vm;
	int kic;
	struct vm soft;
	int efd[NR_PATHS][BENCH_STREAMS];
};

/* The same routes on @fd (instance or VM), an eventfd bound to each. */
static long bind_path(int fd, int *efd)
{
	struct kvm_irq_routing_entry e[BENCH_STREAMS];
	long r;

	for (unsigned int s = 0; s < BENCH_STREAMS; s++)
		e[s] = route_msi(BENCH_GSI + s, msi_addr(s, false, false), 0,
				 msi_data(BENCH_VECTOR + s, DM_FIXED, false));
	r = set_routing(fd, e, BENCH_STREAMS);
	for (unsigned int s = 0; !r && s < BENCH_STREAMS; s++) {
		efd[s] = new_eventfd();
		r = efd[s] < 0 ? -errno : irqfd(fd, efd[s], BENCH_GSI + s, 0);
	}
	return r;
}

static int setup(struct bench *b)
{
	struct kvm_irqchip_create c = {
		.model = KVM_IRQCHIP_MODEL_X86, .nr_vcpus = BENCH_VCPUS,
		.flags = KVM_IRQCHIP_CREATE_KVM_VM,
	};
	long r;

	r = vm_init_kvm_split(&b->vm, BENCH_VCPUS);
	if (!r)
		r = vm_xapic_flat(&b->vm);
	if (r)
		return fail("creating the split-irqchip KVM VM", r);
	b->kic = kic_open();
	if (b->kic < 0)
		return fail("open " KIC_DEV, -errno);
	if (check_ext(b->kic, KVM_IRQCHIP_CAP_KVM_BRIDGE) != 1)
		return fail("KVM_IRQCHIP_CAP_KVM_BRIDGE (built without the bridge?)",
			    -EOPNOTSUPP);
	c.kvm_vm_fd = b->vm.fd;
	r = xioctl(b->kic, KVM_IRQCHIP_CREATE, &c);
	if (r)
		return fail("KVM_IRQCHIP_CREATE with KVM_IRQCHIP_CREATE_KVM_VM", r);
	r = bind_path(b->kic, b->efd[PATH_BRIDGE]);
	if (r)
		return fail("routes and irqfds on the instance", r);
	r = vm_init_kic(&b->soft, BENCH_VCPUS);
	if (!r)
		r = vm_xapic_flat(&b->soft);
	if (!r)
		r = bind_path(b->soft.fd, b->efd[PATH_SOFT]);
	if (r)
		return fail("the self-contained instance", r);
	r = bind_path(b->vm.fd, b->efd[PATH_KVM]);
	if (r)
		return fail("routes and irqfds on the VM", r);
	return 0;
}

static void *stream_thread(void *arg)
{
	struct stream *st = arg;
	uint64_t one = 1;

	pthread_barrier_wait(st->start_barrier);
	st->t0 = now_ns();
	while (!__atomic_load_n(st->stop, __ATOMIC_RELAXED)) {
		if (write(st->efd, &one, sizeof(one)) != sizeof(one)) {
			st->err = -errno;
			break;
		}
		st->writes++;
	}
	st->t1 = now_ns();
	return NULL;
}

/*
 * Outside the timed region: each stream's vector is in its vCPU's IRR
 * (the write delivered before it returned) and no other vector is; then
 * clear IRR, ISR and TMR for the next run.
 */
static int check_and_clear(struct bench *b, enum bench_path p,
			   unsigned int nr)
{
	struct vm *vm = p == PATH_SOFT ? &b->soft : &b->vm;
	int bad = 0;

	for (unsigned int s = 0; s < BENCH_VCPUS; s++) {
		int want = s < nr, has = irr_has(vm->vcpu[s], BENCH_VECTOR + s);
		int count = irr_count(vm->vcpu[s]);

		if (has != want || count != want) {
			printf("bench: FAILED: %s, %u streams: vCPU %u: %d in IRR, 0x%x %s\n",
			       path_name[p], nr, s, count, BENCH_VECTOR + s,
			       has == 1 ? "among them" : "missing");
			bad = 1;
		}
	}
	if (vm_clear_vectors(vm)) {
		printf("bench: FAILED: clearing IRR with KVM_SET_LAPIC\n");
		bad = 1;
	}
	return bad;
}

/* One timed run of @nr streams on path @p: writes per second, or -1. */
static double timed_run(struct bench *b, enum bench_path p, unsigned int nr)
{
	int kic = p == PATH_SOFT ? b->soft.fd : b->kic;
	struct kvm_irqchip_counters c0, c1;
	struct stream st[BENCH_STREAMS] = {};
	pthread_t th[BENCH_STREAMS];
	pthread_barrier_t barrier;
	uint64_t writes = 0, t0 = UINT64_MAX, t1 = 0;
	bool stop = false;
	int bad = 0;

	if (get_counters(kic, &c0))
		return -1;
	pthread_barrier_init(&barrier, NULL, nr + 1);
	for (unsigned int s = 0; s < nr; s++) {
		st[s].efd = b->efd[p][s];
		st[s].start_barrier = &barrier;
		st[s].stop = &stop;
		if (pthread_create(&th[s], NULL, stream_thread, &st[s]))
			return -1;
	}
	pthread_barrier_wait(&barrier);
	sleep_ms(BENCH_RUN_MS);
	__atomic_store_n(&stop, true, __ATOMIC_RELAXED);
	for (unsigned int s = 0; s < nr; s++) {
		pthread_join(th[s], NULL);
		writes += st[s].writes;
		t0 = st[s].t0 < t0 ? st[s].t0 : t0;
		t1 = st[s].t1 > t1 ? st[s].t1 : t1;
		if (st[s].err) {
			printf("bench: FAILED: eventfd write: %s\n",
			       strerror(-st[s].err));
			bad = 1;
		}
	}
	pthread_barrier_destroy(&barrier);

	bad |= check_and_clear(b, p, nr);
	if (get_counters(kic, &c1))
		return -1;
	/* ours: every write delivered, from the wakeup; KVM: nothing */
	if (c1.fast_path - c0.fast_path != (p != PATH_KVM ? writes : 0) ||
	    c1.delivered - c0.delivered != (p != PATH_KVM ? writes : 0) ||
	    c1.slow_path != c0.slow_path) {
		printf("bench: FAILED: %s, %llu writes: %llu delivered, fast %llu, slow %llu\n",
		       path_name[p], (unsigned long long)writes,
		       (unsigned long long)(c1.delivered - c0.delivered),
		       (unsigned long long)(c1.fast_path - c0.fast_path),
		       (unsigned long long)(c1.slow_path - c0.slow_path));
		bad = 1;
	}
	if (bad || t1 <= t0 || !writes)
		return -1;
	return writes * 1e9 / (t1 - t0);
}

/**
 * bench_inject() - the injection figures
 *
 * Return: 0, or 1 when a check failed (no figures printed then).
 */
int bench_inject(void)
{
	static const unsigned int streams[] = { 1, BENCH_STREAMS };
	double rate[2][NR_PATHS][BENCH_ROUNDS], br[2], soft[2];
	struct bench b = { .kic = -1 };
	int round;

	if (setup(&b))
		return 1;
	printf("bench: eventfd write -> LAPIC IRR, %u vCPUs not running\n",
	       BENCH_VCPUS);
	printf("bench: bridge: an instance attached to a split-irqchip KVM VM (KVM's LAPICs)\n");
	printf("bench: soft: a self-contained instance (its own LAPICs)\n");
	printf("bench: KVM: the VM's own KVM_IRQFD; the same MSI route on each\n");
	printf("bench: %u rounds of %u ms runs after a warm-up, paths taking turns\n",
	       BENCH_ROUNDS, BENCH_RUN_MS);
	fflush(stdout);

	/* round -1 warms up and is not counted */
	for (round = -1; round < BENCH_ROUNDS; round++) {
		for (unsigned int c = 0; c < ARRAY_SIZE(streams); c++) {
			for (unsigned int k = 0; k < NR_PATHS; k++) {
				/* the first path rotates every round */
				enum bench_path p = (k + round + 1) % NR_PATHS;
				double r = timed_run(&b, p, streams[c]);

				if (r < 0)
					return 1;
				if (round >= 0)
					rate[c][p][round] = r;
			}
			if (round < 0)
				continue;
			printf("bench: round %d, %u stream%s: bridge %.0f, soft %.0f, KVM %.0f\n",
			       round + 1, streams[c], streams[c] > 1 ? "s" : "",
			       rate[c][PATH_BRIDGE][round],
			       rate[c][PATH_SOFT][round], rate[c][PATH_KVM][round]);
			fflush(stdout);
		}
	}

	printf("bench: %-9s %-8s %26s\n", "streams", "path",
	       "writes/s median (min-max)");
	for (unsigned int c = 0; c < ARRAY_SIZE(streams); c++) {
		double m[NR_PATHS];

		for (unsigned int p = 0; p < NR_PATHS; p++) {
			double lo, hi;

			m[p] = bench_median(rate[c][p], BENCH_ROUNDS);
			bench_spread(rate[c][p], BENCH_ROUNDS, &lo, &hi);
			printf("bench: %-9u %-8s %10.0f (%.0f-%.0f)\n", streams[c],
			       path_name[p], m[p], lo, hi);
		}
		br[c] = m[PATH_BRIDGE] / m[PATH_KVM];
		soft[c] = m[PATH_SOFT] / m[PATH_KVM];
	}
	bench_figure("bridge_inject_ratio", "%.2f", br[0]);
	bench_figure("bridge_inject_ratio_4", "%.2f", br[1]);
	bench_figure("inject_ratio_1", "%.2f", soft[0]);
	bench_figure("inject_ratio_4", "%.2f", soft[1]);
	for (unsigned int p = 0; p < NR_PATHS; p++)
		for (unsigned int s = 0; s < BENCH_STREAMS; s++)
			close(b.efd[p][s]);
	close(b.kic);
	vm_fini(&b.soft);
	vm_fini(&b.vm);
	return 0;
}
