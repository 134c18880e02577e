// SPDX-License-Identifier: GPL-2.0
/*
 * The XICS benchmark: one stream of irqfd signals into the XICS model,
 * each taken to the ICP and completed, against the same on the x86 model
 * (kvm-irqchip's own LAPICs, no KVM).
 *
 *   xics: eventfd write -> source -> ICP (XISR), then H_XIRR and H_EOI
 *         through KVM_IRQCHIP_XICS_HCALL;
 *   x86:  eventfd write -> MSI route -> LAPIC IRR, then
 *         KVM_IRQCHIP_VCPU_ACK and KVM_IRQCHIP_VCPU_EOI.
 *
 * Each cycle checks that the interrupt is there once the write returns,
 * on both sides alike.  Rounds alternate between the models; the medians
 * are compared.  The last lines:
 *   bench: xics_inject_rate_ratio=<xics / x86 cycles per second>
 *   bench: xics_fastpath_pct=<irqfd signals delivered from the wakeup, %>
 */
#include <pthread.h>
#include <time.h>

#include "bench.h"
#include "xics_util.h"

#define ROUNDS		5
#define RUN_MS		300
#define GSI		1
#define VECTOR		0x40
#define BUID		1
#define SRC		16

struct side {
	struct vm vm;
	int efd;
	bool xics;
};

static uint64_t ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ull + t.tv_nsec;
}

static int setup_x86(struct side *s)
{
	struct kvm_irq_routing_entry e = route_msi(GSI, msi_addr(0, false, false), 0,
						   msi_data(VECTOR, DM_FIXED, false));

	if (vm_init_kic(&s->vm, 1) || vm_xapic_flat(&s->vm) ||
	    set_routing(s->vm.fd, &e, 1))
		return -1;
	s->efd = new_eventfd();
	return s->efd < 0 || irqfd(s->vm.fd, s->efd, GSI, 0) ? -1 : 0;
}

static int setup_xics(struct side *s)
{
	struct kvm_irq_routing_entry e = route_xics(GSI, BUID, SRC);

	s->xics = true;
	if (xics_vm_init(&s->vm, 1) || xics_create_ics(s->vm.fd, BUID, 64) ||
	    h_cppr(s->vm.vcpu[0], 0xff) || set_xive(s->vm.fd, xics_irq(BUID, SRC), 0, 5) ||
	    set_routing(s->vm.fd, &e, 1))
		return -1;
	s->efd = new_eventfd();
	return s->efd < 0 || irqfd(s->vm.fd, s->efd, GSI, 0) ? -1 : 0;
}

/* One signal taken and completed; 0, or -1 when it did not arrive. */
static int cycle(struct side *s)
{
	uint64_t one = 1;
	uint32_t vec, xirr;

	if (write(s->efd, &one, sizeof(one)) != sizeof(one))
		return -1;
	if (s->xics) {
		xirr = h_xirr(s->vm.vcpu[0]);
		if (xirr != xirr_of(0xff, xics_irq(BUID, SRC)))
			return -1;
		return h_eoi(s->vm.vcpu[0], xirr) == H_SUCCESS ? 0 : -1;
	}
	if (vcpu_ack(s->vm.vcpu[0], &vec, NULL) || vec != VECTOR)
		return -1;
	return vcpu_eoi(s->vm.vcpu[0], &vec, NULL) || vec != VECTOR ? -1 : 0;
}

/* Cycles per second over RUN_MS, or -1. */
static double run(struct side *s)
{
	uint64_t t0 = ns(), end = t0 + RUN_MS * 1000000ull, n = 0, t;

	do {
		for (int i = 0; i < 64; i++, n++)
			if (cycle(s))
				return -1;
		t = ns();
	} while (t < end);
	return n * 1e9 / (t - t0);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v)
{
	qsort(v, ROUNDS, sizeof(*v), cmp);
	return v[ROUNDS / 2];
}

/**
 * bench_xics() - the XICS figures
 *
 * Return: 0, or 1 when a check failed.
 */
int bench_xics(void)
{
	struct side x86 = {}, xics = {};
	double rx86[ROUNDS], rxics[ROUNDS], mx86, mxics;
	struct kvm_irqchip_counters c;
	uint64_t signals;

	if (setup_x86(&x86) || setup_xics(&xics)) {
		printf("bench: FAILED: setting up the instances: %s\n", strerror(errno));
		return 1;
	}
	printf("bench: xics: eventfd write -> ICP, H_XIRR, H_EOI; x86: eventfd write ->\n");
	printf("bench:   LAPIC IRR, VCPU_ACK, VCPU_EOI; 1 stream, %d rounds of %d ms\n",
	       ROUNDS, RUN_MS);
	/* warm-up */
	if (run(&x86) < 0 || run(&xics) < 0) {
		printf("bench: FAILED: a signal did not arrive\n");
		return 1;
	}
	for (int r = 0; r < ROUNDS; r++) {
		rx86[r] = run(&x86);
		rxics[r] = run(&xics);
		if (rx86[r] < 0 || rxics[r] < 0) {
			printf("bench: FAILED: a signal did not arrive\n");
			return 1;
		}
		printf("bench: round %d: xics %.0f, x86 %.0f cycles/s\n", r, rxics[r], rx86[r]);
	}
	if (get_counters(xics.vm.fd, &c)) {
		printf("bench: FAILED: KVM_IRQCHIP_GET_COUNTERS\n");
		return 1;
	}
	signals = c.fast_path + c.slow_path;
	if (c.delivered != signals) {
		printf("bench: FAILED: %llu signals, %llu accepted\n",
		       (unsigned long long)signals, (unsigned long long)c.delivered);
		return 1;
	}
	mx86 = median(rx86);
	mxics = median(rxics);
	printf("bench: medians: xics %.0f, x86 %.0f cycles/s\n", mxics, mx86);
	bench_figure("xics_inject_rate_ratio", "%.2f", mxics / mx86);
	bench_figure("xics_fastpath_pct", "%.1f",
		     signals ? 100.0 * c.fast_path / signals : 0);
	vm_fini(&x86.vm);
	vm_fini(&xics.vm);
	return 0;
}
