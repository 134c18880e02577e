// SPDX-License-Identifier: GPL-2.0
/*
 * What packaging relies on, checked on the loaded module in the VM:
 * modinfo's fields (every parameter described, license, version for
 * dkms), the parameters as sysfs shows them, the device node's uevent
 * that packaging/udev/65-kvm-irqchip.rules matches, and the tracepoint
 * formats perf and trace-cmd parse (enums resolved to numbers).
 */
#include <linux/elf.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "inspect_util.h"
#include "kselftest_harness.h"

#define SYS_MOD		"/sys/module/kvm_irqchip"

/* The .modinfo section of the module file: "key=value" strings. */
static char *read_modinfo(size_t *len)
{
	const char *path = getenv("KIC_MODULE") ?: "/kvm-irqchip.ko";
	int fd = open(path, O_RDONLY);
	struct stat st;
	struct elf64_hdr *eh;
	struct elf64_shdr *sh;
	char *img, *out = NULL;

	if (fd < 0 || fstat(fd, &st))
		return NULL;
	img = malloc(st.st_size);
	if (!img || read(fd, img, st.st_size) != st.st_size)
		goto out;
	eh = (void *)img;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64)
		goto out;
	sh = (void *)(img + eh->e_shoff);
	for (int i = 0; i < eh->e_shnum; i++) {
		const char *name = img + sh[eh->e_shstrndx].sh_offset +
				   sh[i].sh_name;

		if (strcmp(name, ".modinfo"))
			continue;
		out = malloc(sh[i].sh_size + 1);
		memcpy(out, img + sh[i].sh_offset, sh[i].sh_size);
		out[sh[i].sh_size] = 0;
		*len = sh[i].sh_size;
	}
out:
	free(img);
	close(fd);
	return out;
}

/* The value of the @n-th "key=" field (0: first), or NULL. */
static const char *field(const char *mi, size_t len, const char *key, int n)
{
	size_t kl = strlen(key);

	for (const char *p = mi; p < mi + len; p += strlen(p) + 1)
		if (!strncmp(p, key, kl) && p[kl] == '=' && !n--)
			return p + kl + 1;
	return NULL;
}

TEST(modinfo_has_license_description_version_and_author)
{
	size_t len = 0;
	char *mi = read_modinfo(&len);

	ASSERT_NE(NULL, mi);
	EXPECT_STREQ("GPL", field(mi, len, "license", 0));
	ASSERT_NE(NULL, field(mi, len, "description", 0));
	EXPECT_LT((size_t)10, strlen(field(mi, len, "description", 0)));
	ASSERT_NE(NULL, field(mi, len, "author", 0));
	/* dkms compares versions; dkms.conf's PACKAGE_VERSION is 1.0. */
	EXPECT_STREQ("1.0", field(mi, len, "version", 0));
	free(mi);
}

/* Every parameter has a type and a description (MODULE_PARM_DESC). */
TEST(modinfo_describes_every_parameter)
{
	size_t len = 0;
	char *mi = read_modinfo(&len);
	const char *t;
	int n;

	ASSERT_NE(NULL, mi);
	for (n = 0; (t = field(mi, len, "parmtype", n)); n++) {
		const char *d = NULL;
		char name[64];
		int i, got;

		got = sscanf(t, "%63[^:]", name);
		ASSERT_EQ(1, got);
		for (i = 0; (d = field(mi, len, "parm", i)); i++)
			if (!strncmp(d, name, strlen(name)) &&
			    d[strlen(name)] == ':')
				break;
		ASSERT_NE(NULL, d) TH_LOG("parameter %s has no description",
					  name);
		EXPECT_LT((size_t)10, strlen(d + strlen(name) + 1));
	}
	EXPECT_LE(1, n);
	free(mi);
}

/* The default the description states is the one the module runs with. */
TEST(max_routes_default_matches_its_description)
{
	size_t len = 0;
	char *mi = read_modinfo(&len), *sys;
	const char *d;
	unsigned long want;
	struct stat st;

	ASSERT_NE(NULL, mi);
	d = field(mi, len, "parm", 0);
	ASSERT_NE(NULL, d);
	ASSERT_EQ(0, strncmp(d, "max_routes:", 11));
	ASSERT_NE(NULL, strstr(d, "default "));
	want = strtoul(strstr(d, "default ") + 8, NULL, 10);
	sys = slurp(SYS_MOD "/parameters/max_routes");
	ASSERT_NE(NULL, sys);
	EXPECT_EQ(want, strtoul(sys, NULL, 10));
	ASSERT_EQ(0, stat(SYS_MOD "/parameters/max_routes", &st));
	EXPECT_EQ(0444u, st.st_mode & 0777);
	free(sys);
	free(mi);
}

TEST(sysfs_version_is_the_dkms_version)
{
	char *v = slurp(SYS_MOD "/version");

	ASSERT_NE(NULL, v);
	EXPECT_STREQ("1.0\n", v);
	free(v);
}

/*
 * packaging/udev/65-kvm-irqchip.rules matches SUBSYSTEM=="misc",
 * KERNEL=="kvm-irqchip": the uevent must say so, and without udev the
 * node is already 0660 (devtmpfs applies the device's mode).
 */
TEST(device_uevent_is_what_the_udev_rule_matches)
{
	char *u = slurp("/sys/class/misc/kvm-irqchip/uevent");
	struct stat st;

	ASSERT_NE(NULL, u);
	EXPECT_NE(NULL, strstr(u, "DEVNAME=kvm-irqchip\n")) TH_LOG("%s", u);
	EXPECT_NE(NULL, strstr(u, "DEVMODE=0660\n"));
	EXPECT_NE(NULL, strstr(u, "MAJOR=10\n"));
	ASSERT_EQ(0, stat("/dev/kvm-irqchip", &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0660u, st.st_mode & 0777);
	EXPECT_EQ(10u, major(st.st_rdev));
	free(u);
}

/* perf and trace-cmd read these; enum names must have become numbers. */
TEST(tracepoint_formats_are_complete_and_resolved)
{
	static const char *const events[] = {
		"route", "irqfd", "set_gsi", "dropped", "coalesced",
		"gsi_mask", "latch", "ack", "resample",
	};
	const char *t = tracefs();

	ASSERT_NE(NULL, t);
	for (size_t i = 0; i < ARRAY_SIZE(events); i++) {
		char path[256], *f;

		snprintf(path, sizeof(path), "%s/events/kvm_irqchip/%s%s/format",
			 t, "kvm_irqchip_", events[i]);
		f = slurp(path);
		ASSERT_NE(NULL, f) TH_LOG("no %s", path);
		EXPECT_NE(NULL, strstr(f, "field:u32 kic;")) TH_LOG("%s", f);
		EXPECT_NE(NULL, strstr(f, "print fmt: \"kic=%u"));
		EXPECT_EQ(NULL, strstr(f, "KIC_")) TH_LOG("%s", f);
		free(f);
	}
}

TEST_HARNESS_MAIN
