// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip-stat: interrupt rates of every kvm-irqchip instance, in the
 * spirit of kvm_stat.
 *
 * The viewer is not the VMM: it cannot use another process's instance fd
 * (nor, without pidfd_getfd() and ptrace rights over the VMM, obtain one),
 * so it reads what the module publishes for every instance in debugfs,
 * /sys/kernel/debug/kvm-irqchip/<pid>-<id>/state (virt/inspect.c), which
 * has the instance counters, each vCPU's and each GSI's.  Like kvm_stat it
 * needs root (debugfs).  Rates are differences between two samples.
 *
 *   kvm-irqchip-stat              live view, refreshed every second
 *   kvm-irqchip-stat --once       one text snapshot (rates with -i MS)
 *   kvm-irqchip-stat --json       one JSON snapshot (rates with -i MS)
 *   options: -p PID (only that VMM's instances), -t N (top N GSIs, 10),
 *            -i MS (interval), -n N (live: N refreshes, then exit),
 *            -d DIR (the debugfs directory)
 *
 * JSON: {"interval_ms":I,"instances":[{"pid","id","model","vcpus",
 * "routes","gsis","irqfds","counters":{name:n...},"rates":{name:r...},
 * "vcpu":[{"index","notified","acks","eois","rate"}],
 * "top_gsis":[{"gsi","delivered","coalesced","dropped","masked","mask",
 * "pending","rate"}]}]}; "rates" and "rate" only with an interval.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_DIR	"/sys/kernel/debug/kvm-irqchip"
#define NR_COUNTERS	9
#define MAX_VCPUS	1024

static const char *const counter_names[NR_COUNTERS] = {
	"delivered", "fast_path", "slow_path", "no_route", "no_target",
	"illegal_vector", "rejected", "coalesced", "acked",
};

struct vcpu_stat {
	uint64_t notified, acks, eois;
};

struct gsi_stat {
	unsigned int gsi;
	uint64_t delivered, coalesced, dropped, masked;
	int mask, pending;
	double rate;
};

struct instance {
	int pid, id;
	char model[32];
	unsigned int vcpus, routes, gsis, irqfds;
	uint64_t c[NR_COUNTERS];
	double rate[NR_COUNTERS];
	unsigned int nr_vcpu;
	struct vcpu_stat *vcpu;
	double *vcpu_rate;
	unsigned int nr_gsi;
	struct gsi_stat *gsi;
};

struct sample {
	unsigned int nr;
	struct instance *inst;
};

static struct {
	const char *dir;
	int pid;
	unsigned int top;
	unsigned int interval_ms;
	int iterations;
} opt = { DEFAULT_DIR, 0, 10, 0, -1 };

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		perror("realloc");
		exit(2);
	}
	return p;
}

static void parse_line(struct instance *in, const char *l)
{
	unsigned long long a, b, c, d;
	unsigned int u, v;
	int m, p;
	char name[64];

	if (sscanf(l, "model %31s", in->model) == 1)
		return;
	if (sscanf(l, "vcpus %u", &in->vcpus) == 1 ||
	    sscanf(l, "routes %u", &in->routes) == 1 ||
	    sscanf(l, "gsis %u", &in->gsis) == 1)
		return;
	if (sscanf(l, "counter %63s %llu", name, &a) == 2) {
		for (u = 0; u < NR_COUNTERS; u++)
			if (!strcmp(name, counter_names[u]))
				in->c[u] = a;
		return;
	}
	if (sscanf(l, "vcpu %u notified %llu acks %llu eois %llu", &u, &a, &b,
		   &c) == 4 && u < MAX_VCPUS) {
		if (u >= in->nr_vcpu) {
			in->vcpu = xrealloc(in->vcpu, (u + 1) * sizeof(*in->vcpu));
			memset(in->vcpu + in->nr_vcpu, 0,
			       (u + 1 - in->nr_vcpu) * sizeof(*in->vcpu));
			in->nr_vcpu = u + 1;
		}
		in->vcpu[u] = (struct vcpu_stat){ a, b, c };
		return;
	}
	if (sscanf(l, "irqfd %u resample %u", &u, &v) == 2) {
		in->irqfds++;
		return;
	}
	if (sscanf(l, "gsi %u delivered %llu coalesced %llu dropped %llu %s",
		   &u, &a, &b, &c, name) == 5 &&
	    sscanf(strstr(l, " masked "), " masked %llu mask %d pending %d",
		   &d, &m, &p) == 3) {
		in->gsi = xrealloc(in->gsi, (in->nr_gsi + 1) * sizeof(*in->gsi));
		in->gsi[in->nr_gsi++] = (struct gsi_stat){ u, a, b, c, d, m, p,
							   0 };
	}
}

/* One instance's state file; false when it vanished meanwhile. */
static bool read_instance(struct instance *in, const char *name)
{
	char path[512], line[512];
	FILE *f;

	memset(in, 0, sizeof(*in));
	if (sscanf(name, "%d-%d", &in->pid, &in->id) != 2)
		return false;
	if (opt.pid && in->pid != opt.pid)
		return false;
	snprintf(path, sizeof(path), "%s/%s/state", opt.dir, name);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		parse_line(in, line);
	fclose(f);
	return true;
}

static int cmp_instance(const void *a, const void *b)
{
	const struct instance *x = a, *y = b;

	return x->pid != y->pid ? x->pid - y->pid : x->id - y->id;
}

static int take_sample(struct sample *s)
{
	DIR *d = opendir(opt.dir);
	struct dirent *e;

	s->nr = 0;
	s->inst = NULL;
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		struct instance in;

		if (!read_instance(&in, e->d_name))
			continue;
		s->inst = xrealloc(s->inst, (s->nr + 1) * sizeof(*s->inst));
		s->inst[s->nr++] = in;
	}
	closedir(d);
	qsort(s->inst, s->nr, sizeof(*s->inst), cmp_instance);
	return 0;
}

static void free_sample(struct sample *s)
{
	for (unsigned int i = 0; i < s->nr; i++) {
		free(s->inst[i].vcpu);
		free(s->inst[i].vcpu_rate);
		free(s->inst[i].gsi);
	}
	free(s->inst);
	s->inst = NULL;
	s->nr = 0;
}

static double per_sec(uint64_t now, uint64_t then, unsigned int ms)
{
	return now >= then && ms ? (double)(now - then) * 1000.0 / ms : 0;
}

/* Rates of @cur against @prev, over @ms. */
static void compute_rates(struct sample *cur, const struct sample *prev,
			  unsigned int ms)
{
	for (unsigned int i = 0; i < cur->nr; i++) {
		struct instance *in = &cur->inst[i];
		const struct instance *old = NULL;

		for (unsigned int j = 0; j < prev->nr; j++)
			if (prev->inst[j].pid == in->pid &&
			    prev->inst[j].id == in->id)
				old = &prev->inst[j];
		if (!old)
			continue;
		for (int k = 0; k < NR_COUNTERS; k++)
			in->rate[k] = per_sec(in->c[k], old->c[k], ms);
		in->vcpu_rate = calloc(in->nr_vcpu ?: 1, sizeof(double));
		for (unsigned int v = 0; v < in->nr_vcpu && v < old->nr_vcpu; v++)
			in->vcpu_rate[v] = per_sec(in->vcpu[v].notified,
						   old->vcpu[v].notified, ms);
		for (unsigned int g = 0; g < in->nr_gsi; g++) {
			uint64_t then = 0;

			for (unsigned int h = 0; h < old->nr_gsi; h++)
				if (old->gsi[h].gsi == in->gsi[g].gsi)
					then = old->gsi[h].delivered;
			in->gsi[g].rate = per_sec(in->gsi[g].delivered, then, ms);
		}
	}
}

static int cmp_gsi_rate(const void *a, const void *b)
{
	const struct gsi_stat *x = a, *y = b;

	if (x->rate != y->rate)
		return x->rate < y->rate ? 1 : -1;
	if (x->delivered != y->delivered)
		return x->delivered < y->delivered ? 1 : -1;
	return x->gsi < y->gsi ? -1 : x->gsi > y->gsi;
}

static void print_json(const struct sample *s, bool rates)
{
	printf("{\"interval_ms\":%u,\"instances\":[", rates ? opt.interval_ms : 0);
	for (unsigned int i = 0; i < s->nr; i++) {
		struct instance *in = &s->inst[i];
		unsigned int n = in->nr_gsi < opt.top ? in->nr_gsi : opt.top;

		printf("%s{\"pid\":%d,\"id\":%d,\"model\":\"%s\",",
		       i ? "," : "", in->pid, in->id, in->model);
		printf("\"vcpus\":%u,\"routes\":%u,\"gsis\":%u,\"irqfds\":%u,",
		       in->vcpus, in->routes, in->gsis, in->irqfds);
		printf("\"counters\":{");
		for (int k = 0; k < NR_COUNTERS; k++)
			printf("%s\"%s\":%llu", k ? "," : "", counter_names[k],
			       (unsigned long long)in->c[k]);
		printf("}");
		if (rates) {
			printf(",\"rates\":{");
			for (int k = 0; k < NR_COUNTERS; k++)
				printf("%s\"%s\":%.1f", k ? "," : "",
				       counter_names[k], in->rate[k]);
			printf("}");
		}
		printf(",\"vcpu\":[");
		for (unsigned int v = 0; v < in->nr_vcpu; v++) {
			printf("%s{\"index\":%u,\"notified\":%llu,\"acks\":%llu,\"eois\":%llu",
			       v ? "," : "", v,
			       (unsigned long long)in->vcpu[v].notified,
			       (unsigned long long)in->vcpu[v].acks,
			       (unsigned long long)in->vcpu[v].eois);
			if (rates && in->vcpu_rate)
				printf(",\"rate\":%.1f", in->vcpu_rate[v]);
			printf("}");
		}
		printf("],\"top_gsis\":[");
		qsort(in->gsi, in->nr_gsi, sizeof(*in->gsi), cmp_gsi_rate);
		for (unsigned int g = 0; g < n; g++) {
			const struct gsi_stat *gs = &in->gsi[g];

			printf("%s{\"gsi\":%u,\"delivered\":%llu,",
			       g ? "," : "", gs->gsi,
			       (unsigned long long)gs->delivered);
			printf("\"coalesced\":%llu,\"dropped\":%llu,",
			       (unsigned long long)gs->coalesced,
			       (unsigned long long)gs->dropped);
			printf("\"masked\":%llu,\"mask\":%s,\"pending\":%s",
			       (unsigned long long)gs->masked,
			       gs->mask ? "true" : "false",
			       gs->pending ? "true" : "false");
			if (rates)
				printf(",\"rate\":%.1f", gs->rate);
			printf("}");
		}
		printf("]}");
	}
	printf("]}\n");
}

static void print_text(const struct sample *s, bool rates)
{
	if (!s->nr)
		printf("no kvm-irqchip instance%s\n", opt.pid ? " of that pid" : "");
	for (unsigned int i = 0; i < s->nr; i++) {
		struct instance *in = &s->inst[i];
		unsigned int n = in->nr_gsi < opt.top ? in->nr_gsi : opt.top;
		uint64_t dropped = in->c[3] + in->c[4] + in->c[5] + in->c[6];

		printf("instance %d-%d  model %s  vcpus %u", in->pid, in->id,
		       in->model, in->vcpus);
		printf("  routes %u  gsis %u  irqfds %u\n", in->routes, in->gsis,
		       in->irqfds);
		printf("  delivered %llu", (unsigned long long)in->c[0]);
		if (rates)
			printf(" (%.1f/s)", in->rate[0]);
		printf("  fast %llu  slow %llu  coalesced %llu",
		       (unsigned long long)in->c[1], (unsigned long long)in->c[2],
		       (unsigned long long)in->c[7]);
		if (rates)
			printf(" (%.1f/s)", in->rate[7]);
		printf("  acked %llu\n", (unsigned long long)in->c[8]);
		printf("  dropped %llu: no_route %llu  no_target %llu",
		       (unsigned long long)dropped, (unsigned long long)in->c[3],
		       (unsigned long long)in->c[4]);
		printf("  illegal_vector %llu  rejected %llu\n",
		       (unsigned long long)in->c[5],
		       (unsigned long long)in->c[6]);
		for (unsigned int v = 0; v < in->nr_vcpu; v++) {
			printf("  vcpu %-4u notified %-10llu acks %-10llu eois %-10llu",
			       v, (unsigned long long)in->vcpu[v].notified,
			       (unsigned long long)in->vcpu[v].acks,
			       (unsigned long long)in->vcpu[v].eois);
			if (rates && in->vcpu_rate)
				printf(" %.1f/s", in->vcpu_rate[v]);
			printf("\n");
		}
		if (!n)
			continue;
		printf("  %-8s %12s %10s %10s %10s %10s %s\n", "GSI", "delivered",
		       "rate/s", "coalesced", "dropped", "masked", "state");
		qsort(in->gsi, in->nr_gsi, sizeof(*in->gsi), cmp_gsi_rate);
		for (unsigned int g = 0; g < n; g++) {
			const struct gsi_stat *gs = &in->gsi[g];

			printf("  %-8u %12llu %10.1f %10llu %10llu %10llu %s%s\n",
			       gs->gsi, (unsigned long long)gs->delivered,
			       gs->rate, (unsigned long long)gs->coalesced,
			       (unsigned long long)gs->dropped,
			       (unsigned long long)gs->masked,
			       gs->mask ? "masked " : "",
			       gs->pending ? "pending" : "");
		}
	}
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int print_usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [--once|--json] [-i MS] [-p PID] [-t N] [-n N] [-d DIR]\n",
		argv0);
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "once", no_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "interval", required_argument, NULL, 'i' },
		{ "pid", required_argument, NULL, 'p' },
		{ "top", required_argument, NULL, 't' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "dir", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	bool once = false, json = false;
	struct sample prev = { 0 }, cur = { 0 };
	int c;

	while ((c = getopt_long(argc, argv, "oji:p:t:n:d:", lopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			once = true;
			break;
		case 'j':
			json = true;
			break;
		case 'i':
			opt.interval_ms = strtoul(optarg, NULL, 0);
			break;
		case 'p':
			opt.pid = atoi(optarg);
			break;
		case 't':
			opt.top = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			opt.iterations = atoi(optarg);
			break;
		case 'd':
			opt.dir = optarg;
			break;
		default:
			return print_usage(argv[0]);
		}
	}
	if (optind != argc)
		return print_usage(argv[0]);

	if (take_sample(&prev)) {
		fprintf(stderr, "%s: %s: %s (debugfs mounted? root?)\n", argv[0],
			opt.dir, strerror(errno));
		return 1;
	}
	if (once || json) {
		if (opt.interval_ms) {
			sleep_ms(opt.interval_ms);
			take_sample(&cur);
			compute_rates(&cur, &prev, opt.interval_ms);
			free_sample(&prev);
			prev = cur;
		}
		if (json)
			print_json(&prev, opt.interval_ms);
		else
			print_text(&prev, opt.interval_ms);
		free_sample(&prev);
		return 0;
	}

	/* Live: redraw every interval (1 s) until interrupted. */
	if (!opt.interval_ms)
		opt.interval_ms = 1000;
	for (int i = 0; opt.iterations < 0 || i < opt.iterations; i++) {
		sleep_ms(opt.interval_ms);
		take_sample(&cur);
		compute_rates(&cur, &prev, opt.interval_ms);
		printf("\033[H\033[2Jkvm-irqchip-stat  every %u ms  (Ctrl-C quits)\n\n",
		       opt.interval_ms);
		print_text(&cur, true);
		fflush(stdout);
		free_sample(&prev);
		prev = cur;
	}
	free_sample(&prev);
	return 0;
}
