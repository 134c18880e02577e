// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip benchmark: eventfd write to LAPIC IRR, through the KVM
 * bridge and through KVM's own irqfd, side by side in one run.
 *
 * One KVM VM in split-irqchip mode with BENCH_VCPUS vCPUs that never run
 * (no memory, no KVM_RUN), and a kvm-irqchip instance attached to it with
 * KVM_IRQCHIP_CREATE_KVM_VM.  Stream s has the same MSI route twice, on
 * GSI 24 + s of the instance and of the VM itself: fixed, physical, to
 * APIC ID s, vector 0x40 + s.  Each route has its own eventfd bound with
 * KVM_IRQFD, so a write to one runs that path's irqfd wakeup alone, which
 * sets the vector in vCPU s's IRR in KVM's LAPIC before write() returns:
 * the rate of writes is the rate of injections.
 *
 * A run: BENCH_RUN_MS of 1 stream (1 thread, 1 eventfd, 1 GSI, vCPU 0) or
 * of 4 streams (4 threads, 4 eventfds, 4 GSIs, vCPUs 0-3), each thread
 * writing its eventfd as fast as it can; the rate is all writes over the
 * time from the first thread's start to the last one's stop.  Within a
 * run the vector stays in IRR and later writes coalesce into it, which is
 * the same work on both paths (deliver, set the bit, kick a vCPU that is
 * not running).  Between runs, outside the timed region, each vector is
 * checked to be in its IRR (delivery happened, and synchronously) and
 * IRR is cleared with KVM_SET_LAPIC; for the bridge the instance's
 * counters must also show every write delivered from the eventfd wakeup.
 *
 * TCG timing is noisy, so runs alternate bridge and KVM, the order
 * swapped every round, BENCH_ROUNDS rounds after one warm-up round; each
 * path's rate is the median of its runs and each ratio one of medians.
 * The last line is "bench: bridge_inject_ratio=<bridge/KVM, 1 stream>
 * bridge_inject_ratio_4=<bridge/KVM, 4 streams>".  Exit status: 0, or 1
 * when a check failed (no ratio line then).
 */
#include <pthread.h>
#include <time.h>

#include "kic_util.h"

#define BENCH_VCPUS	4
#define BENCH_STREAMS	4	/* at most; a stream per vCPU */
#define BENCH_ROUNDS	7
#define BENCH_RUN_MS	250
#define BENCH_GSI	24
#define BENCH_VECTOR	0x40

enum bench_path { PATH_BRIDGE, PATH_KVM, NR_PATHS };

static const char *const path_name[NR_PATHS] = { "bridge", "KVM" };

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
 * struct bench - the VM, the instance and the eventfds of both paths
 * @vm: the split-irqchip KVM VM and its vCPU fds
 * @kic: the instance attached to it
 * @efd: per path, per stream, the eventfd bound to its route
 */
struct bench {
	struct vm vm;
	int kic;
	int efd[NR_PATHS][BENCH_STREAMS];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int fail(const char *what, long r)
{
	printf("bench: FAILED: %s: %s\n", what, strerror((int)-r));
	return 1;
}

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
	int bad = 0;

	for (unsigned int s = 0; s < BENCH_VCPUS; s++) {
		int want = s < nr, has = irr_has(b->vm.vcpu[s], BENCH_VECTOR + s);
		int count = irr_count(b->vm.vcpu[s]);

		if (has != want || count != want) {
			printf("bench: FAILED: %s, %u streams: vCPU %u: %d in IRR, 0x%x %s\n",
			       path_name[p], nr, s, count, BENCH_VECTOR + s,
			       has == 1 ? "among them" : "missing");
			bad = 1;
		}
	}
	if (vm_clear_vectors(&b->vm)) {
		printf("bench: FAILED: clearing IRR with KVM_SET_LAPIC\n");
		bad = 1;
	}
	return bad;
}

/* One timed run of @nr streams on path @p: writes per second, or -1. */
static double timed_run(struct bench *b, enum bench_path p, unsigned int nr)
{
	struct kvm_irqchip_counters c0, c1;
	struct stream st[BENCH_STREAMS] = {};
	pthread_t th[BENCH_STREAMS];
	pthread_barrier_t barrier;
	uint64_t writes = 0, t0 = UINT64_MAX, t1 = 0;
	bool stop = false;
	int bad = 0;

	if (get_counters(b->kic, &c0))
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
	if (get_counters(b->kic, &c1))
		return -1;
	/* the bridge: every write delivered, from the wakeup; KVM: nothing */
	if (c1.fast_path - c0.fast_path != (p == PATH_BRIDGE ? writes : 0) ||
	    c1.delivered - c0.delivered != (p == PATH_BRIDGE ? writes : 0) ||
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

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(const double *v, unsigned int n)
{
	double s[BENCH_ROUNDS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* The smallest and largest of @n rates, as a spread for the reader */
static void spread(const double *v, unsigned int n, double *lo, double *hi)
{
	*lo = v[0];
	*hi = v[0];
	for (unsigned int i = 1; i < n; i++) {
		*lo = v[i] < *lo ? v[i] : *lo;
		*hi = v[i] > *hi ? v[i] : *hi;
	}
}

int bench_gic(void);	/* bench_gic.c: the arm64-gicv3 ITS, no KVM needed */

int main(void)
{
	static const unsigned int streams[] = { 1, BENCH_STREAMS };
	double rate[2][NR_PATHS][BENCH_ROUNDS], ratio[2];
	struct bench b = { .kic = -1 };
	int round;

	if (kic_module_loaded())
		bench_gic();
	if (!kvm_available() || !kic_module_loaded()) {
		printf("bench: FAILED: /dev/kvm or kvm-irqchip not available\n");
		return 1;
	}
	if (setup(&b))
		return 1;
	printf("bench: eventfd write -> IRR of a KVM LAPIC (split irqchip, %u vCPUs not running)\n",
	       BENCH_VCPUS);
	printf("bench: bridge: an instance attached with KVM_IRQCHIP_CREATE_KVM_VM, its irqfd\n");
	printf("bench: KVM: the VM's own KVM_IRQFD; both on the same MSI route, same LAPIC\n");
	printf("bench: %u rounds of %u ms runs after a warm-up, bridge and KVM alternating\n",
	       BENCH_ROUNDS, BENCH_RUN_MS);
	fflush(stdout);

	/* round -1 warms up and is not counted */
	for (round = -1; round < BENCH_ROUNDS; round++) {
		for (unsigned int c = 0; c < ARRAY_SIZE(streams); c++) {
			for (unsigned int k = 0; k < NR_PATHS; k++) {
				/* even rounds bridge first, odd rounds KVM first */
				enum bench_path p = (k + (round & 1)) % NR_PATHS;
				double r = timed_run(&b, p, streams[c]);

				if (r < 0)
					return 1;
				if (round >= 0)
					rate[c][p][round] = r;
			}
			if (round < 0)
				continue;
			printf("bench: round %d, %u stream%s: bridge %.0f, KVM %.0f writes/s\n",
			       round + 1, streams[c], streams[c] > 1 ? "s" : "",
			       rate[c][PATH_BRIDGE][round], rate[c][PATH_KVM][round]);
			fflush(stdout);
		}
	}

	for (unsigned int c = 0; c < ARRAY_SIZE(streams); c++) {
		double m[NR_PATHS], lo[NR_PATHS], hi[NR_PATHS];

		for (unsigned int p = 0; p < NR_PATHS; p++) {
			m[p] = median(rate[c][p], BENCH_ROUNDS);
			spread(rate[c][p], BENCH_ROUNDS, &lo[p], &hi[p]);
		}
		ratio[c] = m[PATH_BRIDGE] / m[PATH_KVM];
		printf("bench: %u stream%s: writes/s, median (min-max): bridge %.0f (%.0f-%.0f),\n",
		       streams[c], streams[c] > 1 ? "s" : "",
		       m[PATH_BRIDGE], lo[PATH_BRIDGE], hi[PATH_BRIDGE]);
		printf("bench:   KVM %.0f (%.0f-%.0f); bridge/KVM %.2f\n",
		       m[PATH_KVM], lo[PATH_KVM], hi[PATH_KVM], ratio[c]);
	}
	printf("bench: bridge_inject_ratio=%.2f bridge_inject_ratio_4=%.2f\n",
	       ratio[0], ratio[1]);
	for (unsigned int p = 0; p < NR_PATHS; p++)
		for (unsigned int s = 0; s < BENCH_STREAMS; s++)
			close(b.efd[p][s]);
	close(b.kic);
	vm_fini(&b.vm);
	return 0;
}
