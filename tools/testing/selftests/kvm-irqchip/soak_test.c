// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency soak (issue #7): many threads for KIC_SOAK_SECONDS (default
 * 20) assign, deassign and close bound eventfds, write them, replace
 * routing tables, signal MSIs, acknowledge, EOI and poll vCPUs, recreate
 * whole instances while they are in use, and try to unload the module.
 * At the end every delivery must be accounted for and nothing may leak.
 *
 * Two worlds run side by side:
 *
 * - The dedicated instance D (3 vCPUs) never changes its routes (they are
 *   re-installed identically, which exercises the table swap without
 *   changing the answer), and each of its vCPUs has one owner thread:
 *     vCPU 0: eventfd write on GSI 0 (vector D_VEC0), then poll, ACK, EOI;
 *     vCPU 1: KVM_SIGNAL_MSI (vector D_VEC1), then poll, ACK, EOI;
 *     vCPU 2: a hammer writes GSI 2 (vector D_VEC2) in bursts while the
 *             acker thread takes it, so IRR coalesces.
 *   vCPUs 0 and 1 never have two messages outstanding, so acks equal
 *   messages exactly; on vCPU 2 only 1 <= acks <= writes holds.  The
 *   instance counters must match exactly: delivered = all messages,
 *   fast_path + slow_path = all eventfd writes, nothing else.
 *
 * - Churn: C_SLOTS instance slots whose instances (and vCPU fds) are
 *   closed and recreated at random, a pool of eventfds that are bound,
 *   unbound and closed while bound, writers, MSIs, random routing tables,
 *   and an acker polling every churn vCPU.  GSIs from C_PIN_GSI up are
 *   IOAPIC (and PIC) pins with unmasked edge and level entries; irqfds on
 *   them resample, EOI eventfds are bound and unbound, so every EOI the
 *   acker sends runs the IOAPIC's completion path (resamplers, EOI
 *   eventfds, remote IRR, re-delivery) against the churn, and vCPU 0 takes
 *   the PIC's ExtINT.  Only errnos are checked here.
 *
 * Descriptor numbers are never used after close: a slot's fds are read
 * and dup()ed under the slot's lock, and only the slot's owner closes the
 * originals, after replacing them under the lock.  Users work on their
 * private dups, so instances and eventfds really are closed while other
 * threads use them, and the last reference is dropped in whichever thread
 * happens to hold it (a poller, a writer, the route switcher...).
 *
 * The main thread calls delete_module(O_NONBLOCK) every few milliseconds:
 * D is open throughout, so it must fail with EWOULDBLOCK every time.
 *
 * Leak check (when /sys/kernel/debug/kvm-irqchip/objects exists): with
 * only D left the file must read 1 instance and 2 irqfds above the
 * baseline, and "instances 0", "irqfds 0" once everything is closed.
 */
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/syscall.h>

#include "kic_x86_util.h"
#include "kselftest_harness.h"

#define SOAK_DEFAULT_S	20
#define MOD_NAME	"kvm_irqchip"

#define D_VCPUS		3
#define D_VEC0		0x41	/* GSI 0 -> vCPU 0, eventfd */
#define D_VEC1		0x52	/* MSI -> vCPU 1 */
#define D_VEC2		0x63	/* GSI 2 -> vCPU 2, eventfd, hammered */
#define DELIVERY_MS	5000	/* an interrupt must show up this fast */

#define C_SLOTS		2	/* churn instances alive at a time */
#define C_VCPUS		2
#define C_GSIS		12
#define C_PIN_GSI	8	/* GSI 8 + n -> IOAPIC pin 16 + n; 11 -> PIC too */
#define C_EFDS		6
#define NR_THREADS	7	/* workers; plus the main thread */

enum op {
	OP_OPEN, OP_CREATE, OP_GET_VCPU_FD, OP_IRQFD_ASSIGN, OP_IRQFD_DEASSIGN,
	OP_SET_GSI_ROUTING, OP_SIGNAL_MSI, OP_VCPU_ACK, OP_VCPU_EOI,
	OP_GET_EVENTS, OP_GET_LAPIC, OP_SET_LAPIC, OP_GET_COUNTERS, OP_POLL,
	OP_EVENTFD_WRITE, OP_DELETE_MODULE, OP_SET_IRQCHIP, OP_EOIFD, OP_NR
};

static const char * const op_name[OP_NR] = {
	[OP_OPEN] = "open(/dev/kvm-irqchip)",
	[OP_CREATE] = "KVM_IRQCHIP_CREATE",
	[OP_GET_VCPU_FD] = "KVM_IRQCHIP_GET_VCPU_FD",
	[OP_IRQFD_ASSIGN] = "KVM_IRQFD assign",
	[OP_IRQFD_DEASSIGN] = "KVM_IRQFD deassign",
	[OP_SET_GSI_ROUTING] = "KVM_SET_GSI_ROUTING",
	[OP_SIGNAL_MSI] = "KVM_SIGNAL_MSI",
	[OP_VCPU_ACK] = "KVM_IRQCHIP_VCPU_ACK",
	[OP_VCPU_EOI] = "KVM_IRQCHIP_VCPU_EOI",
	[OP_GET_EVENTS] = "KVM_IRQCHIP_VCPU_GET_EVENTS",
	[OP_GET_LAPIC] = "KVM_GET_LAPIC",
	[OP_SET_LAPIC] = "KVM_SET_LAPIC",
	[OP_GET_COUNTERS] = "KVM_IRQCHIP_GET_COUNTERS",
	[OP_POLL] = "poll(vCPU fds)",
	[OP_EVENTFD_WRITE] = "eventfd write",
	[OP_DELETE_MODULE] = "delete_module",
	[OP_SET_IRQCHIP] = "KVM_SET_IRQCHIP",
	[OP_EOIFD] = "KVM_IRQCHIP_EOIFD",
};

struct tally {
	atomic_ulong calls;
	atomic_ulong soft;	/* an allowed errno (EBUSY, EAGAIN...) */
	atomic_ulong bad;
};

/* A churn instance: its fds, replaced under lock by the recreator only. */
struct islot {
	pthread_mutex_t lock;
	int fd;
	int vcpu[C_VCPUS];
	unsigned long gen;
};

/* A churn eventfd: replaced (closed, maybe while bound) by the manager. */
struct eslot {
	pthread_mutex_t lock;
	int fd;
};

static struct soak {
	atomic_bool stop;
	struct tally tally[OP_NR];
	atomic_ulong nfail;
	pthread_mutex_t fail_lock;
	char first_fail[256];

	/* the dedicated instance; its fds stay open for the whole soak */
	struct vm d;
	int d_efd0, d_efd2;
	struct kvm_irq_routing_entry d_routes[2];
	/* figures, each written by one thread and read after the join */
	unsigned long d_writes0, d_acks0, d_msis1, d_acks1, d_refresh;
	unsigned long d_writes2, d_acks2;

	struct islot slot[C_SLOTS];
	struct eslot efd[C_EFDS];
	unsigned long recreated, efd_closes, efd_closes_bound;
	unsigned long unload_attempts;
} S = {
	.fail_lock = PTHREAD_MUTEX_INITIALIZER,
};

static void failf(const char *fmt, ...)
{
	unsigned long n = atomic_fetch_add(&S.nfail, 1);
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&S.fail_lock);
	if (!S.first_fail[0])
		snprintf(S.first_fail, sizeof(S.first_fail), "%s", msg);
	pthread_mutex_unlock(&S.fail_lock);
	if (n < 10)
		ksft_print_msg("soak failure: %s\n", msg);
}

/*
 * Account one call that returned r (>= 0, or -errno).  allowed1/allowed2
 * are errnos the call may legitimately give.  Returns true on success.
 */
static bool note(enum op op, long r, int allowed1, int allowed2,
		 const char *what)
{
	struct tally *t = &S.tally[op];

	atomic_fetch_add(&t->calls, 1);
	if (r >= 0)
		return true;
	if ((allowed1 && -r == allowed1) || (allowed2 && -r == allowed2)) {
		atomic_fetch_add(&t->soft, 1);
		return false;
	}
	atomic_fetch_add(&t->bad, 1);
	failf("%s (%s): %s", op_name[op], what, strerror(-r));
	return false;
}

static uint32_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s >> 32;
}

static bool stopping(void)
{
	return atomic_load(&S.stop);
}

static unsigned int soak_seconds(void)
{
	const char *e = getenv("KIC_SOAK_SECONDS");
	char *end;
	long v;

	if (!e || !*e)
		return SOAK_DEFAULT_S;
	v = strtol(e, &end, 10);
	if (*end || v < 1 || v > 86400)
		return SOAK_DEFAULT_S;
	return v;
}

/* Wait up to 3 s for the given counts; the last values read are returned. */
static bool objects_wait(int instances, int irqfds, int *got_i, int *got_f)
{
	uint64_t end = now_ms() + 3000;

	do {
		if (objects_read(got_i, got_f))
			return false;
		if (*got_i == instances && *got_f == irqfds)
			return true;
		sleep_ms(10);
	} while (now_ms() < end);
	return false;
}

static bool vectors_empty(const struct kvm_lapic_state *s, unsigned int base)
{
	uint32_t w[8];

	apic_bits(s, base, w);
	for (int i = 0; i < 8; i++)
		if (w[i])
			return false;
	return true;
}

/* ---------------------------------------------------------------------- */
/* The dedicated instance D                                                */

static struct kvm_irq_routing_entry to_vcpu(uint32_t gsi, uint32_t dest,
					    uint32_t vec)
{
	return route_msi(gsi, msi_addr(dest, false, false), 0,
			 msi_data(vec, DM_FIXED, false));
}

/* Wait for the owner's vector on vfd, take it and retire it. */
static bool take_exactly(int vfd, uint32_t want, const char *who)
{
	struct pollfd p = { .fd = vfd, .events = POLLIN };
	uint32_t vec = 0, flags = 0;
	long r;

	r = poll(&p, 1, DELIVERY_MS);
	note(OP_POLL, r < 0 ? -errno : r, 0, 0, who);
	if (r != 1 || p.revents != POLLIN) {
		failf("%s: vector %#x not pending within %d ms (poll %ld, revents %#x)",
		      who, want, DELIVERY_MS, r, p.revents);
		return false;
	}
	r = vcpu_ack(vfd, &vec, &flags);
	if (!note(OP_VCPU_ACK, r, 0, 0, who))
		return false;
	if (vec != want || flags) {
		failf("%s: ACK gave vector %#x flags %#x, want %#x edge",
		      who, vec, flags, want);
		return false;
	}
	r = vcpu_eoi(vfd, &vec, &flags);
	if (!note(OP_VCPU_EOI, r, 0, 0, who))
		return false;
	if (vec != want) {
		failf("%s: EOI retired %#x, want %#x", who, vec, want);
		return false;
	}
	return true;
}

/* vCPU 0: every eventfd write is taken before the next one. */
static void *d_irqfd_thread(void *arg)
{
	while (!stopping()) {
		if (!note(OP_EVENTFD_WRITE, efd_signal(S.d_efd0), 0, 0, "D gsi 0"))
			break;
		S.d_writes0++;
		if (!take_exactly(S.d.vcpu[0], D_VEC0, "D vCPU 0"))
			break;
		S.d_acks0++;
		if (S.d_acks0 % 64 == 0) {
			struct kvm_lapic_state s;

			if (!note(OP_GET_LAPIC, lapic_get(S.d.vcpu[0], &s), 0, 0, "D vCPU 0"))
				break;
			if (!vectors_empty(&s, APIC_IRR) || !vectors_empty(&s, APIC_ISR)) {
				failf("D vCPU 0: IRR/ISR not empty after ack %lu", S.d_acks0);
				break;
			}
		}
	}
	return NULL;
}

/* vCPU 1: every MSI is taken before the next; the routes are refreshed. */
static void *d_msi_thread(void *arg)
{
	while (!stopping()) {
		long r = signal_msi(S.d.fd, msi_addr(1, false, false), 0,
				    msi_data(D_VEC1, DM_FIXED, false));

		if (!note(OP_SIGNAL_MSI, r, 0, 0, "D vCPU 1"))
			break;
		if (r != 1) {
			failf("D: KVM_SIGNAL_MSI to vCPU 1 returned %ld, want 1", r);
			break;
		}
		S.d_msis1++;
		if (!take_exactly(S.d.vcpu[1], D_VEC1, "D vCPU 1"))
			break;
		S.d_acks1++;
		/* The same table again: readers must never miss an entry. */
		if (S.d_msis1 % 8 == 0) {
			if (!note(OP_SET_GSI_ROUTING,
				  set_routing(S.d.fd, S.d_routes, 2), 0, 0, "D refresh"))
				break;
			S.d_refresh++;
		}
	}
	return NULL;
}

/* vCPU 2: bursts of writes; the acker takes what did not coalesce. */
static void *d_hammer_thread(void *arg)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull;

	while (!stopping()) {
		unsigned int k = 1 + rnd(&seed) % 32;

		for (unsigned int i = 0; i < k; i++) {
			if (!note(OP_EVENTFD_WRITE, efd_signal(S.d_efd2), 0, 0, "D gsi 2"))
				return NULL;
			S.d_writes2++;
		}
		usleep(rnd(&seed) % 300);
	}
	return NULL;
}

/* Take everything pending on D's vCPU 2: only D_VEC2 may be there. */
static void serve_d2(int vfd)
{
	for (;;) {
		uint32_t vec = 0, flags = 0;
		long r = vcpu_ack(vfd, &vec, &flags);

		if (!note(OP_VCPU_ACK, r, EAGAIN, 0, "D vCPU 2") || r)
			return;
		if (vec != D_VEC2) {
			failf("D vCPU 2: ACK gave %#x, want %#x", vec, D_VEC2);
			return;
		}
		S.d_acks2++;
		r = vcpu_eoi(vfd, &vec, &flags);
		if (!note(OP_VCPU_EOI, r, 0, 0, "D vCPU 2"))
			return;
		if (vec != D_VEC2) {
			failf("D vCPU 2: EOI retired %#x, want %#x", vec, D_VEC2);
			return;
		}
	}
}

/* ---------------------------------------------------------------------- */
/* Churn                                                                    */

struct inst {
	int fd;
	int vcpu[C_VCPUS];
};

static struct kvm_irq_routing_entry rand_route(uint32_t gsi, uint64_t *seed)
{
	static const uint32_t dests[] = { 0, 1, 0xff, 0x03 };
	uint32_t x = rnd(seed);
	uint32_t dest = dests[x % 4];
	bool logical = dest == 0x03;
	uint32_t vec = 0x20 + (x >> 8) % 0xd0;
	uint32_t dm = DM_FIXED;

	if ((x >> 16) % 20 == 0)
		vec = 0x05;			/* illegal: dropped, counted */
	else if ((x >> 16) % 20 == 1)
		dm = DM_NMI;			/* latched, GET_EVENTS clears */
	else if ((x >> 16) % 20 == 2)
		dm = DM_LOWEST;
	return route_msi(gsi, msi_addr(dest, logical, false), 0,
			 msi_data(vec, dm, (x >> 24) % 8 == 0));
}

static long churn_routes(int fd, uint64_t *seed)
{
	struct kvm_irq_routing_entry e[C_GSIS + 1];
	uint32_t n = 0;

	for (uint32_t g = 0; g < C_PIN_GSI; g++)
		if (rnd(seed) % 4)
			e[n++] = rand_route(g, seed);
	for (uint32_t g = C_PIN_GSI; g < C_GSIS; g++)
		if (rnd(seed) % 8)
			e[n++] = route_pin(g, KVM_IRQCHIP_IOAPIC, 16 + g - C_PIN_GSI);
	if (rnd(seed) % 2)	/* the last pin GSI fans out to the PIC too */
		e[n++] = route_pin(C_GSIS - 1, KVM_IRQCHIP_PIC_MASTER, 3);
	return set_routing(fd, e, n);
}

/* The PICs initialised as firmware does: vectors 0x70-0x7f, all unmasked. */
static long churn_pic(int fd)
{
	static const struct { uint16_t port; uint8_t val; } init[] = {
		{ 0x20, 0x11 }, { 0x21, 0x70 }, { 0x21, 0x04 }, { 0x21, 0x01 },
		{ 0xa0, 0x11 }, { 0xa1, 0x78 }, { 0xa1, 0x02 }, { 0xa1, 0x01 },
		{ 0x21, 0x00 }, { 0xa1, 0x00 },
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(init); i++) {
		struct kvm_irqchip_io io = {
			.addr = init[i].port, .data = init[i].val, .len = 1,
			.flags = KVM_IRQCHIP_IO_PIO | KVM_IRQCHIP_IO_WRITE,
		};
		long r = xioctl(fd, KVM_IRQCHIP_IO, &io);

		if (r)
			return r;
	}
	return 0;
}

/* Unmasked IOAPIC entries for the pin GSIs: edge or level, any vCPU. */
static long churn_pins(int fd, uint64_t *seed)
{
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	long r = xioctl(fd, KVM_GET_IRQCHIP, &chip);

	if (r)
		return r;
	for (uint32_t p = 16; p < 16 + C_GSIS - C_PIN_GSI; p++) {
		uint32_t x = rnd(seed);
		uint64_t rte = 0x30 + p;		/* vector */

		rte |= (uint64_t)(x % 2) << 15;		/* level */
		rte |= (uint64_t)(x >> 8 & 1) << 56;	/* physical dest 0/1 */
		chip.chip.ioapic.redirtbl[p].bits = rte;
	}
	return xioctl(fd, KVM_SET_IRQCHIP, &chip);
}

static bool config_vcpu(int vfd, unsigned int i)
{
	struct kvm_lapic_state s;

	if (!note(OP_GET_LAPIC, lapic_get(vfd, &s), 0, 0, "churn config"))
		return false;
	apic_put(&s, APIC_ID, i << 24);
	apic_put(&s, APIC_LDR, (1u << i) << 24);
	apic_put(&s, APIC_DFR, DFR_FLAT);
	apic_put(&s, APIC_SVR, SVR_ON);
	if (i == 0)
		apic_put(&s, 0x350, 0x700);	/* LVT0: ExtINT, the PIC's way in */
	return note(OP_SET_LAPIC, lapic_set(vfd, &s), 0, 0, "churn config");
}

static void inst_close(struct inst *in, uint64_t *seed)
{
	bool instance_first = rnd(seed) % 2;

	if (instance_first && in->fd >= 0)
		close(in->fd);
	/* let the vCPU fds alone keep it alive for a moment */
	if (rnd(seed) % 4 == 0)
		usleep(rnd(seed) % 2000);
	for (int v = 0; v < C_VCPUS; v++)
		if (in->vcpu[v] >= 0)
			close(in->vcpu[v]);
	if (!instance_first && in->fd >= 0)
		close(in->fd);
	in->fd = -1;
}

/* A configured churn instance with random routes, or false. */
static bool inst_create(struct inst *in, uint64_t *seed)
{
	struct kvm_irqchip_create create = {
		.model = KVM_IRQCHIP_MODEL_X86, .nr_vcpus = C_VCPUS,
		.flags = KVM_IRQCHIP_CREATE_DEFAULT_ROUTING,
	};
	long r;

	in->fd = -1;
	for (int v = 0; v < C_VCPUS; v++)
		in->vcpu[v] = -1;
	in->fd = kic_open();
	if (!note(OP_OPEN, in->fd < 0 ? -errno : 0, 0, 0, "churn"))
		return false;
	if (!note(OP_CREATE, xioctl(in->fd, KVM_IRQCHIP_CREATE, &create),
		  0, 0, "churn"))
		goto err;
	for (int v = 0; v < C_VCPUS; v++) {
		r = xioctl_val(in->fd, KVM_IRQCHIP_GET_VCPU_FD, v);
		if (!note(OP_GET_VCPU_FD, r, 0, 0, "churn"))
			goto err;
		in->vcpu[v] = r;
		if (!config_vcpu(in->vcpu[v], v))
			goto err;
	}
	if (!note(OP_SET_GSI_ROUTING, churn_routes(in->fd, seed), 0, 0, "churn initial"))
		goto err;
	if (!note(OP_SET_IRQCHIP, churn_pins(in->fd, seed), 0, 0, "churn initial") ||
	    !note(OP_SET_IRQCHIP, churn_pic(in->fd), 0, 0, "churn PIC init"))
		goto err;
	return true;
err:
	inst_close(in, seed);
	return false;
}

/* dup() of a slot's instance fd (which < 0) or vCPU fd; -1 if none. */
static int islot_dup(struct islot *s, int which, unsigned long *gen)
{
	int fd = -1, orig;

	pthread_mutex_lock(&s->lock);
	orig = which < 0 ? s->fd : s->vcpu[which];
	if (orig >= 0) {
		fd = dup(orig);
		if (fd < 0)
			failf("dup of a churn fd: %s", strerror(errno));
	}
	if (gen)
		*gen = s->gen;
	pthread_mutex_unlock(&s->lock);
	return fd;
}

static int eslot_dup(struct eslot *e)
{
	int fd;

	pthread_mutex_lock(&e->lock);
	fd = dup(e->fd);
	pthread_mutex_unlock(&e->lock);
	if (fd < 0)
		failf("dup of a churn eventfd: %s", strerror(errno));
	return fd;
}

/* Closes and recreates whole churn instances while they are in use. */
static void *recreator_thread(void *arg)
{
	uint64_t seed = 0x2545f4914f6cdd1dull;

	while (!stopping()) {
		struct islot *s = &S.slot[rnd(&seed) % C_SLOTS];
		struct inst old, in;

		sleep_ms(20 + rnd(&seed) % 100);
		if (!inst_create(&in, &seed))
			continue;
		pthread_mutex_lock(&s->lock);
		old.fd = s->fd;
		memcpy(old.vcpu, s->vcpu, sizeof(old.vcpu));
		s->fd = in.fd;
		memcpy(s->vcpu, in.vcpu, sizeof(s->vcpu));
		s->gen++;
		pthread_mutex_unlock(&s->lock);
		inst_close(&old, &seed);
		S.recreated++;
	}
	return NULL;
}

/*
 * Owns the eventfd pool: binds, unbinds and closes eventfds (bound or
 * not), and replaces the churn instances' routing tables.
 */
static void *manager_thread(void *arg)
{
	struct { unsigned long gen; uint32_t gsi; bool on; } bind[C_EFDS][C_SLOTS];
	uint64_t seed = 0x853c49e6748fea9bull;

	memset(bind, 0, sizeof(bind));
	while (!stopping()) {
		unsigned int e = rnd(&seed) % C_EFDS, si = rnd(&seed) % C_SLOTS;
		unsigned int act = rnd(&seed) % 100;
		struct eslot *es = &S.efd[e];
		unsigned long gen = 0;
		int ifd = -1;
		long r;

		if (act < 70 || act >= 85) {
			ifd = islot_dup(&S.slot[si], -1, &gen);
			if (ifd < 0) {
				usleep(100);
				continue;
			}
		}
		if (act < 35) {
			uint32_t gsi = rnd(&seed) % C_GSIS;

			/* sometimes with a signal pending: the slow path */
			if (act < 8)
				note(OP_EVENTFD_WRITE, efd_signal(es->fd), 0, 0, "pending");
			if (gsi >= C_PIN_GSI) {
				/* resampling into another pool eventfd; a table
				 * without the pin refuses it (EINVAL)
				 */
				struct kvm_irqfd a = {
					.fd = es->fd, .gsi = gsi,
					.flags = KVM_IRQFD_FLAG_RESAMPLE,
					.resamplefd = S.efd[(e + 1) % C_EFDS].fd,
				};

				r = xioctl(ifd, KVM_IRQFD, &a);
				if (r == -EINVAL)
					r = -EBUSY;	/* soft, like a duplicate */
			} else {
				r = irqfd(ifd, es->fd, gsi, 0);
			}
			if (note(OP_IRQFD_ASSIGN, r, EBUSY, 0, "churn")) {
				bind[e][si].gen = gen;
				bind[e][si].gsi = gsi;
				bind[e][si].on = true;
			}
		} else if (act < 60) {
			bool known = bind[e][si].on && bind[e][si].gen == gen;
			uint32_t gsi = known ? bind[e][si].gsi : rnd(&seed) % C_GSIS;

			r = irqfd(ifd, es->fd, gsi, KVM_IRQFD_FLAG_DEASSIGN);
			note(OP_IRQFD_DEASSIGN, r, 0, 0, "churn");
			if (known)
				bind[e][si].on = false;
		} else if (act < 65) {
			r = churn_routes(ifd, &seed);
			note(OP_SET_GSI_ROUTING, r, 0, 0, "churn");
		} else if (act < 70) {
			struct kvm_irqchip_eoifd a = {
				.fd = es->fd, .gsi = rnd(&seed) % C_GSIS,
				.flags = rnd(&seed) % 2,
			};

			r = xioctl(ifd, KVM_IRQCHIP_EOIFD, &a);
			note(OP_EOIFD, r, EBUSY, ENOENT, "churn");
		} else if (act < 85) {
			/* close the eventfd, perhaps bound in live instances */
			int nfd = new_eventfd(), old;
			bool bound = false;

			if (nfd < 0) {
				failf("eventfd(): %s", strerror(errno));
				continue;
			}
			for (unsigned int j = 0; j < C_SLOTS; j++) {
				pthread_mutex_lock(&S.slot[j].lock);
				gen = S.slot[j].gen;
				pthread_mutex_unlock(&S.slot[j].lock);
				bound |= bind[e][j].on && bind[e][j].gen == gen;
				bind[e][j].on = false;
			}
			pthread_mutex_lock(&es->lock);
			old = es->fd;
			es->fd = nfd;
			pthread_mutex_unlock(&es->lock);
			close(old);
			S.efd_closes++;
			S.efd_closes_bound += bound;
			continue;
		} else {
			struct kvm_irqchip_counters c;

			note(OP_GET_COUNTERS, get_counters(ifd, &c), 0, 0, "churn");
		}
		close(ifd);
	}
	return NULL;
}

/* Eventfd bursts on the pool and MSI bursts on churn instances. */
static void *churn_writer_thread(void *arg)
{
	uint64_t seed = 0xda942042e4dd58b5ull;

	while (!stopping()) {
		unsigned int k = 1 + rnd(&seed) % 16;
		int fd;

		if (rnd(&seed) % 10 < 7) {
			fd = eslot_dup(&S.efd[rnd(&seed) % C_EFDS]);
			if (fd < 0)
				break;
			for (unsigned int i = 0; i < k; i++)
				note(OP_EVENTFD_WRITE, efd_signal(fd), 0, 0, "churn");
		} else {
			fd = islot_dup(&S.slot[rnd(&seed) % C_SLOTS], -1, NULL);
			if (fd < 0) {
				usleep(100);
				continue;
			}
			for (unsigned int i = 0; i < k / 2 + 1; i++) {
				struct kvm_irq_routing_entry m = rand_route(0, &seed);
				long r = signal_msi(fd, m.u.msi.address_lo, 0, m.u.msi.data);

				if (note(OP_SIGNAL_MSI, r, 0, 0, "churn") && r > C_VCPUS)
					failf("churn MSI reached %ld of %d vCPUs", r, C_VCPUS);
			}
		}
		close(fd);	/* may be the last reference */
		usleep(rnd(&seed) % 100);
	}
	return NULL;
}

static void serve_churn(int vfd, uint64_t *seed)
{
	struct kvm_irqchip_vcpu_events ev;
	uint32_t vec;
	long r = vcpu_ack(vfd, &vec, NULL);

	if (!note(OP_VCPU_ACK, r, EAGAIN, 0, "churn")) {
		if (r == -EAGAIN)
			note(OP_GET_EVENTS, vcpu_events(vfd, &ev), 0, 0, "churn");
		return;
	}
	if (vec < 16 || vec > 0xff)
		failf("churn ACK gave vector %#x", vec);
	note(OP_VCPU_EOI, vcpu_eoi(vfd, &vec, NULL), 0, 0, "churn");
	if (rnd(seed) % 64 == 0) {
		struct kvm_lapic_state s;

		if (note(OP_GET_LAPIC, lapic_get(vfd, &s), 0, 0, "churn clear")) {
			for (int i = 0; i < 8; i++)
				apic_put(&s, APIC_IRR + i * 0x10, 0);
			note(OP_SET_LAPIC, lapic_set(vfd, &s), 0, 0, "churn clear");
		}
	}
}

/*
 * Polls D's vCPU 2 and dups of every churn vCPU, takes what is pending;
 * closing the dups at the end of a round may tear an instance down.
 */
static void *acker_thread(void *arg)
{
	uint64_t seed = 0x6a09e667f3bcc909ull;

	while (!stopping()) {
		struct pollfd p[1 + C_SLOTS * C_VCPUS];
		int n = 0;

		p[n++] = (struct pollfd){ .fd = S.d.vcpu[2], .events = POLLIN };
		for (int s = 0; s < C_SLOTS; s++)
			for (int v = 0; v < C_VCPUS; v++) {
				int fd = islot_dup(&S.slot[s], v, NULL);

				if (fd >= 0)
					p[n++] = (struct pollfd){ .fd = fd, .events = POLLIN };
			}
		for (int round = 0; round < 10 && !stopping(); round++) {
			int r = poll(p, n, 10);

			if (!note(OP_POLL, r < 0 ? -errno : r, EINTR, 0, "acker"))
				continue;
			for (int i = 0; i < n; i++) {
				if (!p[i].revents)
					continue;
				if (p[i].revents != POLLIN)
					failf("poll on a vCPU fd: revents %#x", p[i].revents);
				else if (i == 0)
					serve_d2(p[i].fd);
				else
					serve_churn(p[i].fd, &seed);
			}
		}
		for (int i = 1; i < n; i++)
			close(p[i].fd);
	}
	return NULL;
}

/* ---------------------------------------------------------------------- */

static void print_figures(unsigned int secs, uint64_t ms)
{
	ksft_print_msg("soak: %d threads (%d workers + main), %u s requested, %llu ms run\n",
		       NR_THREADS + 1, NR_THREADS, secs, (unsigned long long)ms);
	for (int op = 0; op < OP_NR; op++) {
		struct tally *t = &S.tally[op];

		ksft_print_msg("  %-28s %10lu calls, %8lu allowed errors, %lu unexpected\n",
			       op_name[op], atomic_load(&t->calls),
			       atomic_load(&t->soft), atomic_load(&t->bad));
	}
	ksft_print_msg("  churn: %lu instances recreated, %lu eventfds closed (%lu while bound)\n",
		       S.recreated, S.efd_closes, S.efd_closes_bound);
	ksft_print_msg("  D vCPU 0: %lu eventfd writes, %lu acks\n", S.d_writes0, S.d_acks0);
	ksft_print_msg("  D vCPU 1: %lu MSIs, %lu acks; %lu identical route refreshes\n",
		       S.d_msis1, S.d_acks1, S.d_refresh);
	ksft_print_msg("  D vCPU 2: %lu hammered writes, %lu acks (the rest coalesced in IRR)\n",
		       S.d_writes2, S.d_acks2);
}

static void *(* const workers[NR_THREADS])(void *) = {
	d_irqfd_thread, d_msi_thread, d_hammer_thread, acker_thread,
	recreator_thread, manager_thread, churn_writer_thread,
};

TEST(soak_concurrency_adds_up)
{
	unsigned int secs = soak_seconds();
	pthread_t tid[NR_THREADS];
	struct kvm_irqchip_counters c, prev;
	uint64_t seed = 0xbb67ae8584caa73bull, start, end;
	int base_i = 0, base_f = 0, got_i, got_f;
	bool objects, unload;
	struct kvm_lapic_state ls;

	objects = objects_read(&base_i, &base_f) == 0;
	if (!objects)
		ksft_print_msg("missing debugfs: no %s, the leak checks are skipped\n",
			       KIC_OBJECTS);
	unload = kic_module_loaded();
	if (!unload)
		ksft_print_msg("missing module: no /sys/module/%s, the unload checks are skipped\n",
			       MOD_NAME);

	/* D: routes first, then irqfds, so nothing is pending at assign */
	S.d_efd0 = -1;
	S.d_efd2 = -1;
	ASSERT_EQ(0, vm_init_kic(&S.d, D_VCPUS));
	ASSERT_EQ(0, vm_xapic_flat(&S.d));
	S.d_routes[0] = to_vcpu(0, 0, D_VEC0);
	S.d_routes[1] = to_vcpu(2, 2, D_VEC2);
	ASSERT_EQ(0, set_routing(S.d.fd, S.d_routes, 2));
	S.d_efd0 = new_eventfd();
	S.d_efd2 = new_eventfd();
	ASSERT_LE(0, S.d_efd0);
	ASSERT_LE(0, S.d_efd2);
	ASSERT_EQ(0, irqfd(S.d.fd, S.d_efd0, 0, 0));
	ASSERT_EQ(0, irqfd(S.d.fd, S.d_efd2, 2, 0));
	ASSERT_EQ(0, get_counters(S.d.fd, &prev));

	for (int s = 0; s < C_SLOTS; s++) {
		struct inst in;

		ASSERT_TRUE(inst_create(&in, &seed)) TH_LOG("%s", S.first_fail);
		pthread_mutex_init(&S.slot[s].lock, NULL);
		S.slot[s].fd = in.fd;
		memcpy(S.slot[s].vcpu, in.vcpu, sizeof(in.vcpu));
	}
	for (int e = 0; e < C_EFDS; e++) {
		pthread_mutex_init(&S.efd[e].lock, NULL);
		S.efd[e].fd = new_eventfd();
		ASSERT_LE(0, S.efd[e].fd);
	}

	start = now_ms();
	end = start + secs * 1000ull;
	for (int i = 0; i < NR_THREADS; i++)
		ASSERT_EQ(0, pthread_create(&tid[i], NULL, workers[i], NULL));

	/* main: unload attempts, and D's counters never go backwards */
	while (now_ms() < end && !atomic_load(&S.nfail)) {
		if (unload) {
			long r = syscall(SYS_delete_module, MOD_NAME, O_NONBLOCK) ? -errno : 0;

			S.unload_attempts++;
			atomic_fetch_add(&S.tally[OP_DELETE_MODULE].calls, 1);
			if (r == -EPERM && S.unload_attempts == 1) {
				ksft_print_msg("missing module: delete_module: EPERM, %s\n",
					       "unload checks skipped");
				unload = false;
			} else if (r == -EWOULDBLOCK) {
				atomic_fetch_add(&S.tally[OP_DELETE_MODULE].soft, 1);
			} else {
				atomic_fetch_add(&S.tally[OP_DELETE_MODULE].bad, 1);
				failf("delete_module with D open returned %s, want EWOULDBLOCK",
				      r ? strerror(-r) : "success");
			}
		}
		if (note(OP_GET_COUNTERS, get_counters(S.d.fd, &c), 0, 0, "D")) {
			if (c.delivered < prev.delivered || c.fast_path < prev.fast_path ||
			    c.slow_path < prev.slow_path || c.no_route < prev.no_route)
				failf("D counters went backwards: delivered %llu -> %llu",
				      (unsigned long long)prev.delivered,
				      (unsigned long long)c.delivered);
			prev = c;
		}
		sleep_ms(20);
	}
	atomic_store(&S.stop, true);
	for (int i = 0; i < NR_THREADS; i++)
		pthread_join(tid[i], NULL);

	/* quiesced: take what is left on vCPU 2, then D must be empty */
	serve_d2(S.d.vcpu[2]);
	for (int v = 0; v < D_VCPUS; v++) {
		ASSERT_EQ(0, lapic_get(S.d.vcpu[v], &ls));
		EXPECT_TRUE(vectors_empty(&ls, APIC_IRR)) TH_LOG("D vCPU %d IRR", v);
		EXPECT_TRUE(vectors_empty(&ls, APIC_ISR)) TH_LOG("D vCPU %d ISR", v);
	}
	ASSERT_EQ(0, get_counters(S.d.fd, &c));
	print_figures(secs, now_ms() - start);
	ksft_print_msg("  D counters: delivered %llu, fast_path %llu, slow_path %llu\n",
		       (unsigned long long)c.delivered, (unsigned long long)c.fast_path,
		       (unsigned long long)c.slow_path);
	ksft_print_msg("  D counters: no_route %llu, no_target %llu, illegal %llu, rejected %llu\n",
		       (unsigned long long)c.no_route, (unsigned long long)c.no_target,
		       (unsigned long long)c.illegal_vector, (unsigned long long)c.rejected);

	EXPECT_EQ(0ul, atomic_load(&S.nfail)) TH_LOG("first failure: %s", S.first_fail);

	/* D: exact where nothing can coalesce, bounded where it can */
	EXPECT_EQ(S.d_writes0, S.d_acks0);
	EXPECT_EQ(S.d_msis1, S.d_acks1);
	EXPECT_LE(S.d_acks2, S.d_writes2);
	if (S.d_writes2)
		EXPECT_LE(1ul, S.d_acks2);
	EXPECT_EQ(S.d_writes0 + S.d_msis1 + S.d_writes2, c.delivered);
	EXPECT_EQ(S.d_writes0 + S.d_writes2, c.fast_path + c.slow_path);
	EXPECT_EQ(0ull, c.no_route);
	EXPECT_EQ(0ull, c.no_target);
	EXPECT_EQ(0ull, c.illegal_vector);
	EXPECT_EQ(0ull, c.rejected);

	/* everything actually ran */
	EXPECT_LT(0ul, S.d_acks0);
	EXPECT_LT(0ul, S.d_acks1);
	EXPECT_LT(0ul, S.d_refresh);
	EXPECT_LT(0ul, S.recreated);
	EXPECT_LT(0ul, S.efd_closes_bound);
	EXPECT_LT(0ul, atomic_load(&S.tally[OP_IRQFD_ASSIGN].calls));
	EXPECT_LT(0ul, atomic_load(&S.tally[OP_IRQFD_DEASSIGN].calls));
	EXPECT_LT(0ul, atomic_load(&S.tally[OP_SIGNAL_MSI].calls));
	if (unload)
		EXPECT_LT(0ul, S.unload_attempts);

	/* churn closed: only D remains, with its two irqfds */
	for (int s = 0; s < C_SLOTS; s++) {
		struct inst in = { .fd = S.slot[s].fd };

		memcpy(in.vcpu, S.slot[s].vcpu, sizeof(in.vcpu));
		inst_close(&in, &seed);
	}
	for (int e = 0; e < C_EFDS; e++)
		close(S.efd[e].fd);
	if (objects) {
		EXPECT_TRUE(objects_wait(base_i + 1, base_f + 2, &got_i, &got_f))
			TH_LOG("with only D open: instances %d irqfds %d, want %d and %d",
			       got_i, got_f, base_i + 1, base_f + 2);
	}

	vm_fini(&S.d);
	close(S.d_efd0);
	close(S.d_efd2);
	if (objects) {
		EXPECT_TRUE(objects_wait(0, 0, &got_i, &got_f))
			TH_LOG("after closing everything: instances %d irqfds %d, want 0 and 0",
			       got_i, got_f);
	}
}

/*
 * The harness's timeout is a compile-time constant; the soak's length is
 * not.  Give the test its duration plus two minutes for setup and checks.
 */
static void __attribute__((constructor)) soak_set_timeout(void)
{
	_soak_concurrency_adds_up_object.timeout = soak_seconds() + 120;
}

TEST_HARNESS_MAIN
