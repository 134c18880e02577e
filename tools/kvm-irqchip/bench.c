// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip benchmark: runs every section in the test VM, with KVM
 * loaded, and prints each figure as "bench: <name>=<value>" beside a
 * human table.  Exit status: 0, or 1 when any section's check failed.
 *
 * Sections: bench_inject.c (irqfd injection: bridge, self-contained, KVM),
 * bench_routing.c (route updates, masking, capacity, memory), bench_xics.c
 * and bench_gic.c (the XICS and GICv3 ITS models against the x86 one).
 */
#include <time.h>

#include "bench.h"

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int fail(const char *what, long r)
{
	printf("bench: FAILED: %s: %s\n", what, strerror((int)-r));
	return 1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(const double *v, unsigned int n)
{
	double s[1024];

	if (!n || n > ARRAY_SIZE(s))
		return 0;
	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

void bench_spread(const double *v, unsigned int n, double *lo, double *hi)
{
	*lo = v[0];
	*hi = v[0];
	for (unsigned int i = 1; i < n; i++) {
		*lo = v[i] < *lo ? v[i] : *lo;
		*hi = v[i] > *hi ? v[i] : *hi;
	}
}

void bench_figure(const char *name, const char *fmt, double value)
{
	printf("bench: %s=", name);
	printf(fmt, value);
	printf("\n");
	fflush(stdout);
}

int main(void)
{
	int (*const sections[])(void) = {
		bench_inject, bench_routing, bench_xics, bench_gic,
	};
	int bad = 0;

	if (!kvm_available() || !kic_module_loaded()) {
		printf("bench: FAILED: /dev/kvm or kvm-irqchip not available\n");
		return 1;
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(sections); i++)
		bad |= sections[i]();
	return bad;
}
