// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip demo: the KVM bridge carrying a real guest's interrupts.
 *
 * The demo is a small VMM.  It boots the selftests' tiny guest (guest.h:
 * 32-bit code that counts each interrupt per vector in its own memory,
 * EOIs it and reports it) on DEMO_VCPUS vCPUs of a KVM VM in
 * split-irqchip mode, so the LAPICs are KVM's, and attaches a kvm-irqchip
 * instance to the VM (KVM_IRQCHIP_CREATE_KVM_VM): the routes, irqfds and
 * the IOAPIC are the instance's, and what they deliver lands in KVM's
 * LAPICs straight from the eventfd wakeup.
 *
 * Each row of sources[] is a device: a route (MSI in physical or logical
 * destination mode, an IOAPIC edge pin, an IOAPIC level pin with a
 * resampling irqfd), an eventfd bound to it with KVM_IRQFD and a thread
 * that raises it DEMO_RAISES times, in bursts of DEMO_BURST paced over
 * DEMO_SECONDS so that a person can watch (unpaced, the TCG test VM is
 * done in about two seconds).  The last row goes through KVM's own route
 * and irqfd on the same VM, as a control.
 *
 * The level pin needs the VMM's part of the bridge: its vector is
 * mirrored as a level MSI route on the VM itself, so KVM exits with
 * KVM_EXIT_IOAPIC_EOI when the guest EOIs it, and forward_eoi() hands
 * that to the instance with KVM_IRQCHIP_EOI, which resamples the pin.
 *
 * Counting.  The demo marks every source's vector that way, not only the
 * level pin's, so KVM reports each EOI that completes an interrupt in its
 * LAPIC: one per interrupt the LAPIC delivered and the guest handled
 * (only the level pin's are forwarded, as by a VMM that marks only its
 * level entries).  Each raise waits for that EOI before the next, so no
 * two raises merge in an IRR, and "EOIed" must equal "raised" exactly.
 * "received" is the guest's own count of its handler runs.  It must not
 * be lower; it can be higher in the TCG test VM: QEMU 7.2's VMRUN
 * delivers an injected interrupt but leaves it recorded as a pending
 * exception (helper_vmrun() in target/i386/tcg/sysemu/svm_helper.c), so
 * an exit request before the guest's next #VMEXIT delivers it once more,
 * inside the first handler.  The LAPIC delivered it once and KVM sees one
 * EOI, but the handler counts two; KVM's own irqfd shows it alike.  Such
 * re-runs are shown, and explained, but are not a failure.
 *
 * Once a second the table shows, per source, what the device raised, what
 * KVM's LAPIC saw the guest complete, and what the guest's handlers
 * counted; the last line is the verdict.  Exit status: 0 when every raise
 * was delivered once to its vCPU and handled, nothing else arrived, every
 * forwarded EOI succeeded and the level pin resampled once per raise.
 */
#include <assert.h>
#include <pthread.h>
#include <stdarg.h>

#include "guest.h"

#define DEMO_VCPUS	2
#define DEMO_RAISES	1000	/* per source */
#define DEMO_BURST	10	/* raises back to back, then a pause */
#define DEMO_SECONDS	10	/* the pace: DEMO_RAISES in this time, or slower */
#define WAIT_MS		10000	/* per interrupt: TCG running nested KVM is slow */
#define REFRESH_MS	1000

/* IOAPIC redirection entry fields (KVM_GET/SET_IRQCHIP layout) */
#define RTE_LOGICAL	BIT_ULL(11)
#define RTE_LEVEL	BIT_ULL(15)
#define RTE_DEST_SHIFT	56

enum source_kind {
	SRC_MSI,	/* an MSI route of the instance */
	SRC_EDGE,	/* an edge-triggered IOAPIC pin of the instance */
	SRC_LEVEL,	/* a level-triggered IOAPIC pin, resampling irqfd */
	SRC_KVM,	/* KVM's own MSI route and irqfd: the control */
};

/**
 * struct source - one device's interrupt, as the VMM routes it
 * @what: the route, for the table
 * @kind: enum source_kind
 * @gsi: its GSI; for a pin, the pin (KVM's default table maps GSI n to
 *	IOAPIC pin n)
 * @vector: its vector, used by no other source: the guest's count of it
 *	is this source's
 * @vcpu: the vCPU it is routed to
 * @logical: addressed by logical flat ID 1 << @vcpu, not by APIC ID
 */
struct source {
	const char *what;
	enum source_kind kind;
	uint32_t gsi;
	uint8_t vector;
	unsigned int vcpu;
	bool logical;
};

static const struct source sources[] = {
	{ "MSI, physical",                SRC_MSI,   24, 0x31, 0, false },
	{ "MSI, physical",                SRC_MSI,   25, 0x42, 1, false },
	{ "MSI, logical flat",            SRC_MSI,   26, 0x53, 0, true },
	{ "MSI, logical flat",            SRC_MSI,   27, 0x64, 1, true },
	{ "MSI, physical, high class",    SRC_MSI,   28, 0xe5, 1, false },
	{ "IOAPIC pin 17, edge, logical", SRC_EDGE,  17, 0x76, 0, true },
	{ "IOAPIC pin 16, level",         SRC_LEVEL, 16, 0x87, 1, false },
	{ "KVM's own irqfd (control)",    SRC_KVM,   40, 0xc8, 0, false },
};

#define NR_SOURCES	ARRAY_SIZE(sources)
/* The VM's EOI marks: GSI k for source k, below the reserved IOAPIC pins */
static_assert(NR_SOURCES <= GUEST_SPLIT_PINS, "one mark GSI per source");

/**
 * struct device - the thread that raises one source
 * @src: its source
 * @g: the guest
 * @efd: the eventfd it writes (bound with KVM_IRQFD)
 * @rfd: SRC_LEVEL only: the resamplefd it waits on after each raise
 * @thread: the device thread
 * @raised: raises so far (__atomic)
 * @resampled: resamples seen so far (__atomic)
 * @done: the thread finished (__atomic); @err is final then
 * @err: 0, or -errno and @why once a raise failed
 * @why: what failed
 */
struct device {
	const struct source *src;
	struct guest *g;
	int efd;
	int rfd;
	pthread_t thread;
	unsigned int raised;
	unsigned int resampled;
	bool done;
	int err;
	const char *why;
};

/**
 * struct demo - the VMM
 * @g: the guest and its KVM VM
 * @kic: the kvm-irqchip instance attached to @g's VM
 * @dev: one device per source
 * @forwarded: KVM_EXIT_IOAPIC_EOI exits forwarded (__atomic)
 * @forward_err: the last KVM_IRQCHIP_EOI error, or 0 (__atomic)
 */
struct demo {
	struct guest g;
	int kic;
	struct device dev[NR_SOURCES];
	unsigned int forwarded;
	int forward_err;
};

static int fail(const char *what, long r)
{
	printf("demo: %s: %s\n", what, strerror((int)-r));
	return (int)r;
}

/* The MSI address of @s's vCPU alone, and its IOAPIC destination field */
static uint32_t source_dest(const struct source *s)
{
	return s->logical ? 1u << s->vcpu : s->vcpu;
}

static uint32_t source_addr(const struct source *s)
{
	return msi_addr(source_dest(s), s->logical, false);
}

/* Does a level IOAPIC pin use @vector? */
static bool level_vector(uint8_t vector)
{
	for (unsigned int k = 0; k < NR_SOURCES; k++)
		if (sources[k].kind == SRC_LEVEL && sources[k].vector == vector)
			return true;
	return false;
}

/*
 * The VMM's part of the bridge: KVM saw the guest EOI a marked vector;
 * forward it if it is a level pin's (guest.c has counted it either way).
 */
static void forward_eoi(struct guest *g, unsigned int vcpu, uint8_t vector,
			void *opaque)
{
	struct demo *d = opaque;
	struct kvm_irqchip_eoi eoi = { .vcpu = vcpu, .vector = vector };
	long r;

	(void)g;
	if (!level_vector(vector))
		return;
	r = xioctl(d->kic, KVM_IRQCHIP_EOI, &eoi);
	if (r)
		__atomic_store_n(&d->forward_err, (int)r, __ATOMIC_RELAXED);
	__atomic_add_fetch(&d->forwarded, 1, __ATOMIC_RELAXED);
}

/*
 * The instance's routes: KVM's default table, which
 * KVM_IRQCHIP_CREATE_DEFAULT_ROUTING installed, plus the MSI sources.
 * KVM_SET_GSI_ROUTING replaces the whole table, so a VMM always sends
 * all of it.
 */
static long route_instance(struct demo *d)
{
	struct kvm_irq_routing_entry e[RESAMPLE_DEFAULT_ROUTES + NR_SOURCES];
	unsigned int n = RESAMPLE_DEFAULT_ROUTES;

	resample_default_routes(e);
	for (unsigned int k = 0; k < NR_SOURCES; k++) {
		const struct source *s = &sources[k];

		if (s->kind == SRC_MSI)
			e[n++] = route_msi(s->gsi, source_addr(s), 0,
					   msi_data(s->vector, DM_FIXED, false));
	}
	return set_routing(d->kic, e, n);
}

/* The IOAPIC entries of the pin sources, unmasked, as a guest OS would. */
static long program_ioapic(struct demo *d)
{
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	long r = xioctl(d->kic, KVM_GET_IRQCHIP, &chip);

	for (unsigned int k = 0; !r && k < NR_SOURCES; k++) {
		const struct source *s = &sources[k];

		if (s->kind != SRC_EDGE && s->kind != SRC_LEVEL)
			continue;
		chip.chip.ioapic.redirtbl[s->gsi].bits = s->vector |
			(s->kind == SRC_LEVEL ? RTE_LEVEL : 0) |
			(s->logical ? RTE_LOGICAL : 0) |
			(uint64_t)source_dest(s) << RTE_DEST_SHIFT;
	}
	return r ? r : xioctl(d->kic, KVM_SET_IRQCHIP, &chip);
}

/*
 * The VM's own routes: the control's MSI route, and for every source a
 * mark, a level MSI to its vector and vCPU (by APIC ID: only the bitmap
 * KVM derives from it matters) on GSI k, below the reserved pins, so KVM
 * exits when the guest EOIs it.  For the level pin that is the VMM's part
 * of the bridge; for the others it is the demo's way of counting.
 */
static long route_vm(struct demo *d)
{
	struct kvm_irq_routing_entry e[2 * NR_SOURCES];
	unsigned int n = 0;

	for (unsigned int k = 0; k < NR_SOURCES; k++) {
		const struct source *s = &sources[k];

		e[n++] = route_msi(k, msi_addr(s->vcpu, false, false), 0,
				   msi_data(s->vector, DM_FIXED, true));
		if (s->kind == SRC_KVM)
			e[n++] = route_msi(s->gsi, source_addr(s), 0,
					   msi_data(s->vector, DM_FIXED, false));
	}
	return set_routing(d->g.vm.fd, e, n);
}

/* One eventfd per source, bound where its route is. */
static long bind_irqfds(struct demo *d)
{
	for (unsigned int k = 0; k < NR_SOURCES; k++) {
		struct device *dev = &d->dev[k];
		const struct source *s = &sources[k];
		long r;

		dev->efd = new_eventfd();
		if (dev->efd < 0)
			return -errno;
		if (s->kind == SRC_LEVEL) {
			dev->rfd = new_eventfd();
			if (dev->rfd < 0)
				return -errno;
			r = resample_irqfd(d->kic, dev->efd, dev->rfd, s->gsi);
		} else {
			r = irqfd(s->kind == SRC_KVM ? d->g.vm.fd : d->kic,
				  dev->efd, s->gsi, 0);
		}
		if (r)
			return r;
	}
	return 0;
}

static int setup(struct demo *d)
{
	struct kvm_irqchip_create c = {
		.model = KVM_IRQCHIP_MODEL_X86, .nr_vcpus = DEMO_VCPUS,
		.flags = KVM_IRQCHIP_CREATE_KVM_VM |
			 KVM_IRQCHIP_CREATE_DEFAULT_ROUTING,
	};
	long r;

	d->kic = kic_open();
	if (d->kic < 0)
		return fail("open " KIC_DEV, -errno);
	if (check_ext(d->kic, KVM_IRQCHIP_CAP_KVM_BRIDGE) != 1)
		return fail("KVM_IRQCHIP_CAP_KVM_BRIDGE (built without the bridge?)",
			    -EOPNOTSUPP);
	r = guest_init(&d->g, DEMO_VCPUS);
	if (r)
		return fail("creating the KVM VM and its guest", r);
	/* vCPU i answers logical flat ID 1 << i as well as APIC ID i */
	for (unsigned int i = 0; i < DEMO_VCPUS; i++)
		guest_set_ldr(&d->g, i, 1u << i, DFR_FLAT);
	c.kvm_vm_fd = d->g.vm.fd;
	r = xioctl(d->kic, KVM_IRQCHIP_CREATE, &c);
	if (r)
		return fail("KVM_IRQCHIP_CREATE with KVM_IRQCHIP_CREATE_KVM_VM", r);
	r = route_instance(d);
	if (r)
		return fail("KVM_SET_GSI_ROUTING on the instance", r);
	r = program_ioapic(d);
	if (r)
		return fail("KVM_SET_IRQCHIP (IOAPIC)", r);
	r = route_vm(d);
	if (r)
		return fail("KVM_SET_GSI_ROUTING on the VM", r);
	r = bind_irqfds(d);
	if (r)
		return fail("KVM_IRQFD", r);
	guest_on_eoi(&d->g, forward_eoi, d);
	r = guest_start(&d->g);
	if (r)
		return fail("starting the vCPU threads", r);
	r = guest_wait_ready(&d->g, WAIT_MS);
	if (r)
		return fail("waiting for the guest to boot", r);
	return 0;
}

static void device_fail(struct device *dev, int err, const char *why)
{
	dev->err = err;
	dev->why = why;
}

/*
 * A device: raise, wait until KVM saw the guest EOI the interrupt (its
 * handler has counted it by then), and for the level pin take the
 * resample that the forwarded EOI caused, which says the line is down
 * again.  DEMO_BURST raises go back to back, then the device sleeps until
 * its next slot; the devices take turns within a slot.
 */
static void *device_thread(void *arg)
{
	struct device *dev = arg;
	const struct source *s = dev->src;
	const uint64_t slot = DEMO_SECONDS * 1000000ull * DEMO_BURST / DEMO_RAISES;
	uint64_t due = now_us() + slot * (s - sources) / NR_SOURCES, now;
	long r;

	for (unsigned int k = 1; k <= DEMO_RAISES; k++) {
		if (k % DEMO_BURST == 1) {
			now = now_us();
			if (now < due)
				usleep(due - now);
			due += slot;
		}
		r = efd_signal(dev->efd);
		if (r) {
			device_fail(dev, (int)r, "eventfd write");
			break;
		}
		__atomic_store_n(&dev->raised, k, __ATOMIC_RELAXED);
		r = guest_wait_eoi(dev->g, s->vcpu, s->vector, k, WAIT_MS);
		if (r) {
			device_fail(dev, (int)r, "waiting for the guest's EOI");
			break;
		}
		if (s->kind != SRC_LEVEL)
			continue;
		r = resample_efd_wait(dev->rfd, WAIT_MS);
		if (r != 1) {
			device_fail(dev, r < 0 ? (int)r : -EPROTO,
				    "waiting for the resample");
			break;
		}
		__atomic_store_n(&dev->resampled, k, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&dev->done, true, __ATOMIC_RELEASE);
	return NULL;
}

static const char *kind_path(enum source_kind kind)
{
	return kind == SRC_KVM ? "KVM" : "bridge";
}

static void print_table(struct demo *d, uint64_t ms, bool final)
{
	unsigned int resampled = 0;
	uint32_t total = 0;

	printf("\n%s, %llu.%llu s\n", final ? "final" : "live",
	       (unsigned long long)ms / 1000,
	       (unsigned long long)ms % 1000 / 100);
	printf("  %-30s %-6s %3s %6s %4s %6s %6s %8s\n", "source", "path",
	       "gsi", "vector", "vCPU", "raised", "EOIed", "received");
	for (unsigned int k = 0; k < NR_SOURCES; k++) {
		const struct source *s = &sources[k];
		struct device *dev = &d->dev[k];

		printf("  %-30s %-6s %3u   0x%02x %4u %6u %6llu %8u%s\n",
		       s->what, kind_path(s->kind), s->gsi, s->vector, s->vcpu,
		       __atomic_load_n(&dev->raised, __ATOMIC_RELAXED),
		       (unsigned long long)guest_eois(&d->g, s->vcpu, s->vector),
		       guest_irq_count(&d->g, s->vcpu, s->vector),
		       __atomic_load_n(&dev->err, __ATOMIC_RELAXED) ?
		       "  FAILED" : "");
		resampled += __atomic_load_n(&dev->resampled, __ATOMIC_RELAXED);
	}
	printf("  guest handled:");
	for (unsigned int i = 0; i < DEMO_VCPUS; i++) {
		printf(" vCPU %u %u,", i, guest_irq_total(&d->g, i));
		total += guest_irq_total(&d->g, i);
	}
	printf(" all %u; level pin: %u EOIs forwarded, %u resamples\n", total,
	       __atomic_load_n(&d->forwarded, __ATOMIC_RELAXED), resampled);
	fflush(stdout);
}

static bool all_done(struct demo *d)
{
	for (unsigned int k = 0; k < NR_SOURCES; k++)
		if (!__atomic_load_n(&d->dev[k].done, __ATOMIC_ACQUIRE))
			return false;
	return true;
}

/**
 * struct tally - what check() found
 * @raised: raises, all sources
 * @bridge: raises through the instance
 * @level: raises of level pins
 * @eoied: EOIs KVM saw, all sources
 * @rerun: guest handler runs beyond those (see the top of the file)
 * @bad: problems found, each printed
 */
struct tally {
	uint32_t raised;
	uint32_t bridge;
	uint32_t level;
	uint32_t eoied;
	uint32_t rerun;
	unsigned int bad;
};

static void problem(struct tally *t, const char *fmt, ...)
{
	va_list ap;

	printf("demo: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	t->bad++;
}

/* One source: delivered once per raise, handled, resampled if level. */
static void check_source(struct demo *d, unsigned int k, struct tally *t)
{
	const struct source *s = &sources[k];
	struct device *dev = &d->dev[k];
	uint64_t eoied = guest_eois(&d->g, s->vcpu, s->vector);
	uint32_t got = guest_irq_count(&d->g, s->vcpu, s->vector);

	t->raised += dev->raised;
	t->bridge += s->kind == SRC_KVM ? 0 : dev->raised;
	t->level += s->kind == SRC_LEVEL ? dev->raised : 0;
	t->eoied += eoied;
	if (dev->err)
		problem(t, "%s, vector 0x%02x: %s: %s", s->what, s->vector,
			dev->why, strerror(-dev->err));
	if (eoied != dev->raised)
		problem(t, "%s, vector 0x%02x: raised %u, vCPU %u EOIed %llu",
			s->what, s->vector, dev->raised, s->vcpu,
			(unsigned long long)eoied);
	if (got < eoied)
		problem(t, "%s, vector 0x%02x: vCPU %u EOIed %llu, its handler ran %u times",
			s->what, s->vector, s->vcpu, (unsigned long long)eoied,
			got);
	else
		t->rerun += got - eoied;
	if (s->kind == SRC_LEVEL && dev->resampled != dev->raised)
		problem(t, "%s: raised %u, resampled %u", s->what, dev->raised,
			dev->resampled);
}

/* Check everything, print each problem; the tally says how it went. */
static void check(struct demo *d, struct tally *t)
{
	uint32_t sum[DEMO_VCPUS] = {};
	struct kvm_irqchip_counters c;
	long r;

	memset(t, 0, sizeof(*t));
	for (unsigned int k = 0; k < NR_SOURCES; k++) {
		check_source(d, k, t);
		sum[sources[k].vcpu] += guest_irq_count(&d->g, sources[k].vcpu,
							sources[k].vector);
	}
	/* nothing arrived on a vector no source uses */
	for (unsigned int i = 0; i < DEMO_VCPUS; i++)
		if (guest_irq_total(&d->g, i) != sum[i])
			problem(t, "vCPU %u handled %u interrupts, %u of them from the sources",
				i, guest_irq_total(&d->g, i), sum[i]);
	if (d->forwarded != t->level || d->forward_err)
		problem(t, "%u EOIs forwarded for %u level raises (last KVM_IRQCHIP_EOI error %d)",
			d->forwarded, t->level, d->forward_err);
	/* the instance delivered each raise once, to one vCPU */
	r = get_counters(d->kic, &c);
	if (r)
		problem(t, "KVM_IRQCHIP_GET_COUNTERS: %s", strerror((int)-r));
	else if (c.delivered != t->bridge)
		problem(t, "the instance delivered %llu messages for %u raises",
			(unsigned long long)c.delivered, t->bridge);
	r = guest_error(&d->g);
	if (r)
		problem(t, "the guest failed: %s", strerror((int)-r));
}

static void print_counters(struct demo *d)
{
	struct kvm_irqchip_counters c;

	if (get_counters(d->kic, &c))
		return;
	printf("instance: %llu delivered; irqfd signals: %llu in the wakeup, %llu in a work item\n",
	       (unsigned long long)c.delivered,
	       (unsigned long long)c.fast_path,
	       (unsigned long long)c.slow_path);
}

static void verdict(const struct tally *t)
{
	if (t->bad) {
		printf("demo: FAILED: %u raised, %u received, %u problems above\n",
		       t->raised, t->eoied, t->bad);
		return;
	}
	if (t->rerun) {
		printf("demo: %u handler re-run%s: the guest ran a handler twice for one LAPIC\n",
		       t->rerun, t->rerun > 1 ? "s" : "");
		printf("demo: delivery; QEMU's TCG re-delivers injected interrupts (see demo.c)\n");
		printf("demo: every interrupt received: %u raised, %u received (+%u re-run%s)\n",
		       t->raised, t->eoied, t->rerun, t->rerun > 1 ? "s" : "");
		return;
	}
	printf("demo: every interrupt received: %u raised, %u received\n",
	       t->raised, t->eoied);
}

int main(void)
{
	static struct demo d = { .kic = -1 };
	struct tally t;
	uint64_t t0, last;
	unsigned int k;
	int r;

	for (k = 0; k < NR_SOURCES; k++) {
		d.dev[k].src = &sources[k];
		d.dev[k].g = &d.g;
		d.dev[k].efd = -1;
		d.dev[k].rfd = -1;
	}
	printf("demo: a %u-vCPU guest in a KVM VM (split irqchip), a kvm-irqchip instance\n",
	       DEMO_VCPUS);
	printf("demo: attached with KVM_IRQCHIP_CREATE_KVM_VM delivers to KVM's LAPICs\n");
	printf("demo: %zu devices raise %u interrupts each; EOIed: KVM saw the guest EOI\n",
	       NR_SOURCES, DEMO_RAISES);
	printf("demo: it in its LAPIC; received: the guest's own count\n");
	fflush(stdout);
	if (setup(&d)) {
		printf("demo: FAILED: could not set up\n");
		guest_fini(&d.g);
		return 1;
	}

	t0 = now_ms();
	last = t0;
	for (k = 0; k < NR_SOURCES; k++) {
		r = pthread_create(&d.dev[k].thread, NULL, device_thread, &d.dev[k]);
		if (r) {
			printf("demo: FAILED: pthread_create: %s\n", strerror(r));
			return 1;
		}
	}
	while (!all_done(&d)) {
		sleep_ms(50);
		if (now_ms() - last >= REFRESH_MS) {
			last = now_ms();
			print_table(&d, last - t0, false);
		}
	}
	for (k = 0; k < NR_SOURCES; k++)
		pthread_join(d.dev[k].thread, NULL);
	print_table(&d, now_ms() - t0, true);
	print_counters(&d);
	check(&d, &t);
	verdict(&t);
	guest_fini(&d.g);
	for (k = 0; k < NR_SOURCES; k++) {
		close(d.dev[k].efd);
		if (d.dev[k].rfd >= 0)
			close(d.dev[k].rfd);
	}
	close(d.kic);
	return t.bad ? 1 : 0;
}
