/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm-irqchip benchmark: the sections (one file each) and what they share.
 * Every figure is printed as one line "bench: <name>=<value>"; timings are
 * only ever reported as ratios against KVM measured in the same run.
 */
#ifndef KIC_BENCH_H
#define KIC_BENCH_H

#include <stdint.h>

#include "kic_x86_util.h"

uint64_t now_ns(void);
/* Print "bench: FAILED: <what>: <strerror(-r)>"; returns 1. */
int fail(const char *what, long r);
/* The median of n values (n <= 1024), and their spread. */
double bench_median(const double *v, unsigned int n);
void bench_spread(const double *v, unsigned int n, double *lo, double *hi);
/* One figure line: "bench: <name>=<value>" */
void bench_figure(const char *name, const char *fmt, double value);

/* Sections: 0, or 1 when a check failed. */
int bench_inject(void);		/* bench_inject.c */
int bench_routing(void);	/* bench_routing.c */
int bench_xics(void);		/* bench_xics.c */
int bench_gic(void);		/* bench_gic.c */

#endif
