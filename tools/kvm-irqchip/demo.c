// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip demo: a VMM's view of one instance.
 *
 * Creates an x86 instance with 4 vCPUs, programs MSI routes with several
 * destination modes, binds one eventfd per route as a device would, and
 * raises them from device threads.  Then it takes what each vCPU received
 * (acknowledge + EOI until nothing is left) and prints it against what the
 * SDM says each message must reach.  The same messages go through a real
 * KVM VM (KVM_CREATE_IRQCHIP, the same LAPIC set-up, KVM_IRQFD) and its
 * IRRs are read back with KVM_GET_LAPIC for comparison.
 *
 * Exit status: 0 when every expected delivery was received on both.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm_irqchip.h>

#define NR_VCPUS	4
#define APIC_ID		0x20
#define APIC_LDR	0xd0
#define APIC_DFR	0xe0
#define APIC_SVR	0xf0
#define APIC_IRR	0x200

struct demo_route {
	const char *what;
	uint32_t address_lo;
	uint32_t data;
	unsigned int expect_mask;	/* vCPUs that must receive it */
	int nmi;			/* delivered as an NMI event */
};

/* dest in bits 19:12, RH bit 3, logical bit 2; data: vector, mode 10:8 */
#define MSI_ADDR(dest, logical, rh) \
	(0xfee00000u | ((dest) << 12) | ((rh) << 3) | ((logical) << 2))
#define MSI_DATA(vec, dm, level) ((vec) | ((dm) << 8) | ((level) << 15))

static const struct demo_route routes[] = {
	{ "physical -> APIC 0",        MSI_ADDR(0, 0, 0),    MSI_DATA(0x30, 0, 0), 0x1, 0 },
	{ "physical -> APIC 3",        MSI_ADDR(3, 0, 0),    MSI_DATA(0x31, 0, 0), 0x8, 0 },
	{ "logical flat -> 1,2",       MSI_ADDR(0x06, 1, 0), MSI_DATA(0x40, 0, 0), 0x6, 0 },
	{ "physical broadcast",        MSI_ADDR(0xff, 0, 0), MSI_DATA(0x50, 0, 0), 0xf, 0 },
	{ "lowest priority -> 0-3",    MSI_ADDR(0x0f, 1, 0), MSI_DATA(0x61, 1, 0), 0x2, 0 },
	{ "redirection hint -> 2,3",   MSI_ADDR(0x0c, 1, 1), MSI_DATA(0x72, 0, 0), 0x4, 0 },
	{ "level-triggered -> APIC 1", MSI_ADDR(1, 0, 0),    MSI_DATA(0x80, 0, 1), 0x2, 0 },
	{ "NMI -> APIC 2",             MSI_ADDR(2, 0, 0),    MSI_DATA(0x00, 4, 0), 0x4, 1 },
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NR_ROUTES ARRAY_SIZE(routes)

static void die(const char *what)
{
	fprintf(stderr, "demo: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void set_reg(struct kvm_lapic_state *s, int off, uint32_t val)
{
	memcpy(&s->regs[off], &val, 4);
}

static uint32_t get_reg(const struct kvm_lapic_state *s, int off)
{
	uint32_t v;

	memcpy(&v, &s->regs[off], 4);
	return v;
}

/* Flat logical mode, one LDR bit per vCPU, software-enabled. */
static void setup_lapic(int fd, int i)
{
	struct kvm_lapic_state s;

	if (ioctl(fd, KVM_GET_LAPIC, &s))
		die("KVM_GET_LAPIC");
	set_reg(&s, APIC_ID, i << 24);
	set_reg(&s, APIC_LDR, 1u << (24 + i));
	set_reg(&s, APIC_DFR, 0xffffffff);
	set_reg(&s, APIC_SVR, 0x1ff);
	if (ioctl(fd, KVM_SET_LAPIC, &s))
		die("KVM_SET_LAPIC");
}

static void set_routes(int vmfd)
{
	struct kvm_irq_routing *rt;
	unsigned int i;

	rt = calloc(1, sizeof(*rt) + NR_ROUTES * sizeof(rt->entries[0]));
	rt->nr = NR_ROUTES;
	for (i = 0; i < NR_ROUTES; i++) {
		rt->entries[i].gsi = i;
		rt->entries[i].type = KVM_IRQ_ROUTING_MSI;
		rt->entries[i].u.msi.address_lo = routes[i].address_lo;
		rt->entries[i].u.msi.data = routes[i].data;
	}
	if (ioctl(vmfd, KVM_SET_GSI_ROUTING, rt))
		die("KVM_SET_GSI_ROUTING");
	free(rt);
}

static void bind_eventfds(int vmfd, int *efd)
{
	unsigned int i;

	for (i = 0; i < NR_ROUTES; i++) {
		struct kvm_irqfd irqfd = { .gsi = i };

		efd[i] = eventfd(0, EFD_CLOEXEC);
		if (efd[i] < 0)
			die("eventfd");
		irqfd.fd = efd[i];
		if (ioctl(vmfd, KVM_IRQFD, &irqfd))
			die("KVM_IRQFD");
	}
}

/* A device: signals its vector's eventfd, as vhost or VFIO would. */
static void *device_thread(void *arg)
{
	uint64_t one = 1;
	int fd = *(int *)arg;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		die("eventfd write");
	return NULL;
}

static void raise_all(int *efd)
{
	pthread_t t[NR_ROUTES];
	unsigned int i;

	for (i = 0; i < NR_ROUTES; i++)
		pthread_create(&t[i], NULL, device_thread, &efd[i]);
	for (i = 0; i < NR_ROUTES; i++)
		pthread_join(t[i], NULL);
}

/* What each vCPU of the kvm-irqchip instance took: vectors and NMIs. */
static void drain_kic(int *vcpu, uint8_t got[NR_VCPUS][256], int *nmis)
{
	int i;

	for (i = 0; i < NR_VCPUS; i++) {
		struct kvm_irqchip_vcpu_events ev = { 0 };
		struct kvm_irqchip_vcpu_ack ack;
		struct kvm_irqchip_vcpu_eoi eoi;

		for (;;) {
			memset(&ack, 0, sizeof(ack));
			if (ioctl(vcpu[i], KVM_IRQCHIP_VCPU_ACK, &ack)) {
				if (errno != EAGAIN)
					die("KVM_IRQCHIP_VCPU_ACK");
				break;
			}
			got[i][ack.vector] = 1;
			memset(&eoi, 0, sizeof(eoi));
			if (ioctl(vcpu[i], KVM_IRQCHIP_VCPU_EOI, &eoi))
				die("KVM_IRQCHIP_VCPU_EOI");
		}
		if (ioctl(vcpu[i], KVM_IRQCHIP_VCPU_GET_EVENTS, &ev))
			die("KVM_IRQCHIP_VCPU_GET_EVENTS");
		nmis[i] = ev.nmi;
	}
}

static int run_kic(uint8_t got[NR_VCPUS][256], int *nmis)
{
	struct kvm_irqchip_create c = { .model = KVM_IRQCHIP_MODEL_X86,
					.nr_vcpus = NR_VCPUS };
	int fd, i, vcpu[NR_VCPUS], efd[NR_ROUTES];

	fd = open("/dev/kvm-irqchip", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("open /dev/kvm-irqchip");
	if (ioctl(fd, KVM_IRQCHIP_CREATE, &c))
		die("KVM_IRQCHIP_CREATE");
	for (i = 0; i < NR_VCPUS; i++) {
		vcpu[i] = ioctl(fd, KVM_IRQCHIP_GET_VCPU_FD, i);
		if (vcpu[i] < 0)
			die("KVM_IRQCHIP_GET_VCPU_FD");
		setup_lapic(vcpu[i], i);
	}
	set_routes(fd);
	bind_eventfds(fd, efd);
	raise_all(efd);
	drain_kic(vcpu, got, nmis);
	return fd;
}

/* The same on a real KVM VM; returns 0 when /dev/kvm is missing. */
static int run_kvm(uint8_t got[NR_VCPUS][256])
{
	int kvm, vm, i, v, efd[NR_ROUTES], vcpu[NR_VCPUS];

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return 0;
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM");
	if (ioctl(vm, KVM_CREATE_IRQCHIP, 0))
		die("KVM_CREATE_IRQCHIP");
	for (i = 0; i < NR_VCPUS; i++) {
		vcpu[i] = ioctl(vm, KVM_CREATE_VCPU, i);
		if (vcpu[i] < 0)
			die("KVM_CREATE_VCPU");
		setup_lapic(vcpu[i], i);
	}
	set_routes(vm);
	bind_eventfds(vm, efd);
	raise_all(efd);
	usleep(100000);	/* KVM may defer an irqfd to its work item */
	for (i = 0; i < NR_VCPUS; i++) {
		struct kvm_lapic_state s;

		if (ioctl(vcpu[i], KVM_GET_LAPIC, &s))
			die("KVM_GET_LAPIC");
		for (v = 0; v < 256; v++)
			if (get_reg(&s, APIC_IRR + (v / 32) * 0x10) &
			    (1u << (v % 32)))
				got[i][v] = 1;
	}
	return 1;
}

static void fmt_mask(char *buf, unsigned int mask)
{
	int i, n = 0;

	buf[0] = 0;
	for (i = 0; i < NR_VCPUS; i++)
		if (mask & (1u << i))
			n += sprintf(buf + n, "%s%d", n ? "," : "", i);
	if (!mask)
		strcpy(buf, "-");
}

int main(void)
{
	static uint8_t kic_got[NR_VCPUS][256], kvm_got[NR_VCPUS][256];
	int nmis[NR_VCPUS] = { 0 }, have_kvm, bad = 0, i;
	unsigned int r;

	run_kic(kic_got, nmis);
	have_kvm = run_kvm(kvm_got);

	printf("%-30s %-6s %-10s %-12s %-12s %s\n", "route (gsi)", "vector",
	       "expected", "kvm-irqchip", have_kvm ? "KVM" : "KVM (none)",
	       "result");
	for (r = 0; r < NR_ROUTES; r++) {
		const struct demo_route *d = &routes[r];
		unsigned int kic = 0, kvm = 0;
		uint8_t vec = d->data & 0xff;
		char e[32], k[32], m[32], vs[8];
		int ok;

		for (i = 0; i < NR_VCPUS; i++) {
			if (d->nmi ? nmis[i] > 0 : kic_got[i][vec])
				kic |= 1u << i;
			if (!d->nmi && kvm_got[i][vec])
				kvm |= 1u << i;
		}
		fmt_mask(e, d->expect_mask);
		fmt_mask(k, kic);
		fmt_mask(m, kvm);
		if (d->nmi) {
			strcpy(vs, "NMI");
			strcpy(m, "(n/a)");
		} else {
			snprintf(vs, sizeof(vs), "0x%02x", vec);
		}
		ok = kic == d->expect_mask &&
		     (!have_kvm || d->nmi || kvm == d->expect_mask);
		bad += !ok;
		printf("%-26s (%u) %-6s %-10s %-12s %-12s %s\n", d->what, r,
		       vs, e, k, m, ok ? "ok" : "MISMATCH");
	}
	printf("demo: %s\n", bad ? "MISMATCHES" : "every expected delivery received");
	return bad ? 1 : 0;
}
