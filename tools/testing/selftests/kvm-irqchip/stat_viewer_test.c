// SPDX-License-Identifier: GPL-2.0
/*
 * tools/kvm-irqchip/kvm-irqchip-stat against a live instance: the viewer
 * is another process, reading the instance's debugfs dump; its one-shot
 * JSON and text and its live mode must show the instance's own numbers.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/wait.h>

#include "kic_x86_util.h"
#include "inspect_util.h"
#include "kselftest_harness.h"

#define VEC	0x41
#define GSI	40
#define OUT_MAX	(256 * 1024)

/* The viewer: $KIC_STAT, the VM's /bin, or the host build's tools dir. */
static const char *viewer(void)
{
	static char path[512];
	char self[400];
	ssize_t n;

	if (getenv("KIC_STAT"))
		return getenv("KIC_STAT");
	if (!access("/bin/kvm-irqchip-stat", X_OK))
		return "/bin/kvm-irqchip-stat";
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return NULL;
	self[n] = 0;
	*strrchr(self, '/') = 0;
	snprintf(path, sizeof(path), "%s/../tools/kvm-irqchip-stat", self);
	return access(path, X_OK) ? NULL : path;
}

/* Run the viewer with the arguments after @out (NULL-terminated). */
static int run_viewer(char *out, ...)
{
	char *argv[16] = { "kvm-irqchip-stat" };
	int p[2], status, argc = 1;
	va_list ap;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	va_start(ap, out);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	if (pipe(p))
		return -errno;
	pid = fork();
	if (!pid) {
		dup2(p[1], 1);
		close(p[0]);
		execv(viewer(), argv);
		_exit(127);
	}
	close(p[1]);
	while (len < OUT_MAX - 1 &&
	       (n = read(p[0], out + len, OUT_MAX - 1 - len)) > 0)
		len += n;
	out[len] = 0;
	close(p[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The number after "key": in @s, searched from @from; -1 when absent. */
static double json_num(const char *s, const char *from, const char *key)
{
	char k[64];
	const char *p = strstr(s, from);

	snprintf(k, sizeof(k), "\"%s\":", key);
	p = p ? strstr(p, k) : NULL;
	return p ? strtod(p + strlen(k), NULL) : -1;
}

FIXTURE(viewer) {
	struct vm vm;
	int efd;
	int id;
	char pid[16];
	char *out;
	atomic_int stop;
	atomic_int done;
};

FIXTURE_SETUP(viewer)
{
	struct kvm_irq_routing_entry e = route_msi(GSI, msi_addr(0, false, false),
						   0, msi_data(VEC, DM_FIXED, false));

	ASSERT_NE(NULL, viewer()) TH_LOG("kvm-irqchip-stat not found");
	self->out = malloc(OUT_MAX);
	ASSERT_NE(NULL, self->out);
	ASSERT_EQ(0, vm_init_kic(&self->vm, 2));
	ASSERT_EQ(0, vm_xapic_flat(&self->vm));
	ASSERT_EQ(0, set_routing(self->vm.fd, &e, 1));
	self->efd = new_eventfd();
	ASSERT_LE(0, self->efd);
	ASSERT_EQ(0, irqfd(self->vm.fd, self->efd, GSI, 0));
	self->id = kic_instance_id(getpid());
	ASSERT_LE(0, self->id);
	snprintf(self->pid, sizeof(self->pid), "%d", getpid());
}

FIXTURE_TEARDOWN(viewer)
{
	free(self->out);
	close(self->efd);
	vm_fini(&self->vm);
}

/* One delivery, taken and completed by vCPU 0; 0 on success. */
static int deliver_once(int efd, int vfd)
{
	uint32_t vec = 0, flags = 0;

	if (efd_signal(efd) || wait_irr(vfd, VEC, 2000) != 1 ||
	    vcpu_ack(vfd, &vec, &flags) || vec != VEC ||
	    vcpu_eoi(vfd, &vec, &flags))
		return -1;
	return 0;
}

TEST_F(viewer, json_shows_the_instance_counters_vcpus_and_gsis)
{
	char want[256];

	for (int i = 0; i < 3; i++)
		ASSERT_EQ(0, deliver_once(self->efd, self->vm.vcpu[0]));
	ASSERT_EQ(0, irq_line(self->vm.fd, 99, 1));	/* no route */
	ASSERT_EQ(0, run_viewer(self->out, "--json", "-p", self->pid, NULL));
	snprintf(want, sizeof(want), "{\"pid\":%d,\"id\":%d,%s%s", getpid(),
		 self->id, "\"model\":\"x86\",\"vcpus\":2,",
		 "\"routes\":1,\"gsis\":1,\"irqfds\":1,");
	EXPECT_NE(NULL, strstr(self->out, want)) TH_LOG("%s", self->out);
	EXPECT_EQ(1, count_lines(self->out, "\"counters\":{%s%s",
				 "\"delivered\":3,\"fast_path\":3,",
				 "\"slow_path\":0,\"no_route\":1,"));
	EXPECT_NE(NULL, strstr(self->out, "\"acks\":3,\"eois\":3}"));
	EXPECT_NE(NULL, strstr(self->out,
			       "{\"index\":1,\"notified\":0,\"acks\":0,\"eois\":0}"));
	snprintf(want, sizeof(want), "%s%s",
		 "\"top_gsis\":[{\"gsi\":40,\"delivered\":3,\"coalesced\":0,",
		 "\"dropped\":0,\"masked\":0,\"mask\":false,\"pending\":false}]");
	EXPECT_NE(NULL, strstr(self->out, want));
	/* One snapshot: no rates without an interval. */
	EXPECT_EQ(NULL, strstr(self->out, "\"rates\""));
}

TEST_F(viewer, json_shows_masked_and_pending_gsis)
{
	char want[256];

	ASSERT_EQ(0, gsi_mask(self->vm.fd, GSI));
	ASSERT_EQ(0, efd_signal(self->efd));
	ASSERT_EQ(0, efd_signal(self->efd));
	ASSERT_EQ(0, run_viewer(self->out, "--json", "-p", self->pid, NULL));
	snprintf(want, sizeof(want), "%s%s",
		 "{\"gsi\":40,\"delivered\":0,\"coalesced\":0,\"dropped\":0,",
		 "\"masked\":2,\"mask\":true,\"pending\":true}");
	EXPECT_NE(NULL, strstr(self->out, want))
		TH_LOG("%s", self->out);
}

static void *deliver_loop(void *arg)
{
	FIXTURE_DATA(viewer) * self = arg;

	while (!atomic_load(&self->stop))
		if (!deliver_once(self->efd, self->vm.vcpu[0]))
			atomic_fetch_add(&self->done, 1);
	return NULL;
}

/* Rates are deliveries per second between two samples -i MS apart. */
TEST_F(viewer, json_rates_follow_deliveries_during_the_interval)
{
	double rate, gsi_rate, max;
	pthread_t t;
	int before;

	atomic_store(&self->stop, 0);
	atomic_store(&self->done, 0);
	ASSERT_EQ(0, pthread_create(&t, NULL, deliver_loop, self));
	sleep_ms(100);
	before = atomic_load(&self->done);
	ASSERT_EQ(0, run_viewer(self->out, "--json", "-i", "500", "-p",
				self->pid, NULL));
	atomic_store(&self->stop, 1);
	pthread_join(t, NULL);
	/* At most everything delivered while the viewer ran, per 0.5 s. */
	max = (atomic_load(&self->done) - before + 1) * 2.0;
	rate = json_num(self->out, "\"rates\":", "delivered");
	gsi_rate = json_num(self->out, "\"top_gsis\":", "rate");
	EXPECT_EQ(500, json_num(self->out, "", "interval_ms"));
	EXPECT_LT(0, rate) TH_LOG("%s", self->out);
	EXPECT_GE(max, rate);
	EXPECT_LT(0, gsi_rate);
	EXPECT_GE(max, gsi_rate);
	EXPECT_LT(0, json_num(self->out, "\"index\":0", "rate"));
}

TEST_F(viewer, pid_filter_leaves_other_processes_out)
{
	char other[16];

	snprintf(other, sizeof(other), "%d", getppid());
	ASSERT_EQ(0, run_viewer(self->out, "--json", "-p", other, NULL));
	EXPECT_EQ(NULL, strstr(self->out, "\"model\":\"x86\",\"vcpus\":2"))
		TH_LOG("%s", self->out);
	EXPECT_NE(NULL, strstr(self->out, "\"instances\":["));
}

TEST_F(viewer, text_once_names_the_instance_and_its_gsis)
{
	char want[128];

	ASSERT_EQ(0, deliver_once(self->efd, self->vm.vcpu[0]));
	ASSERT_EQ(0, run_viewer(self->out, "--once", "-p", self->pid, NULL));
	snprintf(want, sizeof(want), "instance %d-%d  model x86  vcpus 2",
		 getpid(), self->id);
	EXPECT_NE(NULL, strstr(self->out, want)) TH_LOG("%s", self->out);
	EXPECT_NE(NULL, strstr(self->out, "  delivered 1  fast 1"));
	EXPECT_EQ(1, count_lines(self->out, "  40    "));
}

TEST_F(viewer, live_mode_redraws_every_interval)
{
	ASSERT_EQ(0, run_viewer(self->out, "-n", "3", "-i", "100", "-p",
				self->pid, NULL));
	EXPECT_EQ(3, count_lines(self->out, "kvm-irqchip-stat  every 100 ms"))
		TH_LOG("%s", self->out);
	EXPECT_EQ(3, count_lines(self->out, "instance "));
}

TEST(viewer_without_debugfs_fails_with_a_message)
{
	char *out = malloc(OUT_MAX);

	ASSERT_NE(NULL, viewer());
	ASSERT_NE(NULL, out);
	EXPECT_EQ(1, run_viewer(out, "--json", "-d", "/nonexistent", NULL));
	EXPECT_STREQ("", out);
	free(out);
}

TEST_HARNESS_MAIN
