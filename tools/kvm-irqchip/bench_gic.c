// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip benchmark, arm64-gicv3: eventfd write -> ITS translation ->
 * LPI pending, against the x86 model's eventfd write -> MSI -> IRR of its
 * own (software) LAPIC, both through the irqfd fast path.
 *
 * ITS: an instance with 2 vCPUs and guest memory, N devices (DeviceIDs
 * 1..N), each with event 0 mapped to its own LPI on collection 0
 * (vCPU 0); one MSI route per device at the doorbell with
 * KVM_MSI_VALID_DEVID, each with its own irqfd.  x86: an instance with 2
 * vCPUs, N MSI routes to APIC ID 0 with vectors 0x40 + i, one irqfd each.
 * A run is one thread writing the N eventfds round-robin for
 * BENCH_GIC_RUN_MS; the rate is writes per second.  Each write delivers
 * synchronously in the eventfd wakeup (the LPI or vector stays pending,
 * later writes set it again), so with N = 32 the ITS's translation cache
 * must hold 32 devices' translations for every write to stay on the fast
 * path; the counters are checked to say so after the runs.
 *
 * Runs alternate ITS and x86, BENCH_GIC_ROUNDS rounds after a warm-up;
 * the ratio is of medians.  Prints "bench: its_inject_rate_ratio=<ITS/x86,
 * 1 device>" and "bench: its_inject_rate_ratio_32dev=<ITS/x86, 32
 * devices>", one line each.
 */
#include <time.h>

#include "bench.h"
#include "gic_util.h"

#define BENCH_GIC_ROUNDS	5
#define BENCH_GIC_RUN_MS	200
#define BENCH_GIC_MAX_DEV	32
#define BENCH_GIC_GSI		64

enum { GIC_PATH_ITS, GIC_PATH_X86, GIC_NR_PATHS };

/**
 * struct gic_bench - both instances and their eventfds
 * @its: the GICv3 instance
 * @x86: the x86 instance's fd
 * @efd: per path, per device (stream), the eventfd bound to its route
 */
struct gic_bench {
	struct gic its;
	int x86;
	int efd[GIC_NR_PATHS][BENCH_GIC_MAX_DEV];
};

static uint64_t gic_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ull + t.tv_nsec;
}

static int gic_bench_fail(const char *what, long r)
{
	printf("bench: FAILED: %s: %s\n", what, strerror((int)-r));
	return -1;
}

static int gic_bench_setup(struct gic_bench *b)
{
	struct kvm_irq_routing_entry e[BENCH_GIC_MAX_DEV];
	long r;

	r = gic_init(&b->its, 2);
	if (!r)
		r = gic_its_setup(&b->its);
	if (!r)
		r = its_mapc(&b->its, 0, 0, 1);
	for (unsigned int d = 0; !r && d < BENCH_GIC_MAX_DEV; d++) {
		r = its_mapd(&b->its, 1 + d, 1, 1);
		if (!r)
			r = its_mapti(&b->its, 1 + d, 0, GIC_LPI(d), 0);
		e[d] = gic_route_msi(BENCH_GIC_GSI + d, 1 + d, 0);
	}
	if (r || gits_read(&b->its, GITS_CREADR) != b->its.cwriter)
		return gic_bench_fail("ITS setup", r ? r : -EIO);
	r = set_routing(b->its.fd, e, BENCH_GIC_MAX_DEV);
	if (r)
		return gic_bench_fail("ITS routes", r);

	b->x86 = kic_open();
	if (b->x86 < 0)
		return gic_bench_fail("open", -errno);
	r = kic_create(b->x86, KVM_IRQCHIP_MODEL_X86, 2);
	if (r)
		return gic_bench_fail("x86 instance", r);
	for (unsigned int d = 0; d < BENCH_GIC_MAX_DEV; d++)
		e[d] = route_msi(BENCH_GIC_GSI + d, msi_addr(0, false, false), 0,
				 msi_data(0x40 + d, DM_FIXED, false));
	r = set_routing(b->x86, e, BENCH_GIC_MAX_DEV);
	if (r)
		return gic_bench_fail("x86 routes", r);
	{
		struct vm vm = { .fd = b->x86, .nr = 2 };
		int vcpu[2];

		for (unsigned int i = 0; i < 2; i++) {
			vcpu[i] = xioctl_val(b->x86, KVM_IRQCHIP_GET_VCPU_FD, i);
			if (vcpu[i] < 0)
				return gic_bench_fail("x86 vCPU fd", vcpu[i]);
		}
		vm.vcpu = vcpu;
		r = vm_xapic_flat(&vm);
		close(vcpu[0]);
		close(vcpu[1]);
		if (r)
			return gic_bench_fail("x86 LAPICs", r);
	}

	for (unsigned int p = 0; p < GIC_NR_PATHS; p++) {
		int fd = p == GIC_PATH_ITS ? b->its.fd : b->x86;

		for (unsigned int d = 0; d < BENCH_GIC_MAX_DEV; d++) {
			b->efd[p][d] = new_eventfd();
			if (b->efd[p][d] < 0)
				return gic_bench_fail("eventfd", -errno);
			r = irqfd(fd, b->efd[p][d], BENCH_GIC_GSI + d, 0);
			if (r)
				return gic_bench_fail("irqfd", r);
		}
	}
	return 0;
}

/* One run: writes/s over @nr eventfds round-robin, or < 0 */
static double gic_bench_run(struct gic_bench *b, unsigned int p,
			    unsigned int nr)
{
	uint64_t one = 1, writes = 0, t0, t1, end;

	t0 = gic_now_ns();
	end = t0 + BENCH_GIC_RUN_MS * 1000000ull;
	do {
		for (unsigned int i = 0; i < 64; i++) {
			if (write(b->efd[p][writes % nr], &one, 8) != 8) {
				gic_bench_fail("eventfd write", -errno);
				return -1;
			}
			writes++;
		}
		t1 = gic_now_ns();
	} while (t1 < end);
	return writes * 1e9 / (t1 - t0);
}

static int gic_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double gic_median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), gic_cmp);
	return v[n / 2];
}

/* Every ITS write after the first per device took the fast path. */
static int gic_bench_check(struct gic_bench *b)
{
	struct kvm_irqchip_counters c;
	long r = get_counters(b->its.fd, &c);

	if (r)
		return gic_bench_fail("counters", r);
	if (c.slow_path > BENCH_GIC_MAX_DEV || c.rejected) {
		printf("bench: FAILED: ITS: %llu slow-path signals, %llu rejected\n"
		       "bench:   (at most %u and 0 expected)\n",
		       (unsigned long long)c.slow_path,
		       (unsigned long long)c.rejected, BENCH_GIC_MAX_DEV);
		return -1;
	}
	for (unsigned int d = 0; d < BENCH_GIC_MAX_DEV; d++) {
		if (icc_ack(&b->its, 0) != GIC_LPI(d)) {
			printf("bench: FAILED: ITS: LPI %u not pending\n", GIC_LPI(d));
			return -1;
		}
		icc_write(&b->its, 0, ICC_EOIR1, GIC_LPI(d));
	}
	return 0;
}

/**
 * bench_gic() - the ITS benchmark
 *
 * Return: 0, or 1 when it failed (no ratio line then).
 */
int bench_gic(void)
{
	static const unsigned int devs[] = { 1, BENCH_GIC_MAX_DEV };
	double rate[2][GIC_NR_PATHS][BENCH_GIC_ROUNDS], ratio[2];
	struct gic_bench b = { .x86 = -1 };
	int ret = 1;

	if (gic_bench_setup(&b))
		goto out;
	printf("bench: eventfd write -> ITS -> LPI pending, vs -> x86 MSI -> IRR\n");
	for (int round = -1; round < BENCH_GIC_ROUNDS; round++) {
		for (unsigned int c = 0; c < ARRAY_SIZE(devs); c++) {
			for (unsigned int k = 0; k < GIC_NR_PATHS; k++) {
				unsigned int p = (k + (round & 1)) % GIC_NR_PATHS;
				double r = gic_bench_run(&b, p, devs[c]);

				if (r < 0)
					goto out;
				if (round >= 0)
					rate[c][p][round] = r;
			}
		}
	}
	if (gic_bench_check(&b))
		goto out;
	for (unsigned int c = 0; c < ARRAY_SIZE(devs); c++) {
		double its = gic_median(rate[c][GIC_PATH_ITS], BENCH_GIC_ROUNDS);
		double x86 = gic_median(rate[c][GIC_PATH_X86], BENCH_GIC_ROUNDS);

		ratio[c] = its / x86;
		printf("bench: %u device%s: writes/s, median: ITS %.0f, x86 %.0f; ITS/x86 %.2f\n",
		       devs[c], devs[c] > 1 ? "s" : "", its, x86, ratio[c]);
	}
	bench_figure("its_inject_rate_ratio", "%.2f", ratio[0]);
	bench_figure("its_inject_rate_ratio_32dev", "%.2f", ratio[1]);
	ret = 0;
out:
	fflush(stdout);
	for (unsigned int p = 0; p < GIC_NR_PATHS; p++)
		for (unsigned int d = 0; d < BENCH_GIC_MAX_DEV; d++)
			if (b.efd[p][d] > 0)
				close(b.efd[p][d]);
	if (b.x86 >= 0)
		close(b.x86);
	gic_fini(&b.its);
	return ret;
}
