/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the tests of what an operator sees: tracefs, the instance's
 * debugfs dump (/sys/kernel/debug/kvm-irqchip/<pid>-<id>/) and the
 * KVM_GET_STATS_FD binary stats.  Header-only, static inline.
 */
#ifndef INSPECT_UTIL_H
#define INSPECT_UTIL_H

#include <dirent.h>
#include <stdarg.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "kic_util.h"

#define KIC_DEBUGFS	"/sys/kernel/debug/kvm-irqchip"

/* The whole of a (small, pseudo) file, NUL-terminated; NULL on error. */
static inline char *slurp(const char *path)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				break;
		}
	}
	close(fd);
	if (buf)
		buf[len] = 0;
	return buf;
}

static inline int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n < 0 ? -errno : 0;
}

/*
 * The id of the newest instance @pid opened (the <id> of <pid>-<id>),
 * or -1.  Kselftest runs each test in its own child: pass getpid().
 */
static inline int kic_instance_id(int pid)
{
	DIR *d = opendir(KIC_DEBUGFS);
	struct dirent *e;
	int best = -1, p, id;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (sscanf(e->d_name, "%d-%d", &p, &id) == 2 && p == pid &&
		    id > best)
			best = id;
	closedir(d);
	return best;
}

/* The debugfs file @name ("routes", "state") of instance @id of @pid. */
static inline char *kic_dump(int pid, int id, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), KIC_DEBUGFS "/%d-%d/%s", pid, id, name);
	return slurp(path);
}

/* tracefs, mounted by the VM's /init; mounted here if it is not. */
static inline const char *tracefs(void)
{
	static const char *const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[128];

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
			snprintf(path, sizeof(path), "%s/trace", dirs[i]);
			if (!access(path, F_OK))
				return dirs[i];
		}
		mount("tracefs", dirs[0], "tracefs", 0, NULL);
	}
	return NULL;
}

static inline int trace_ctl(const char *file, const char *val)
{
	char path[256];
	const char *t = tracefs();

	if (!t)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%s", t, file);
	return write_str(path, val);
}

/* Empty the buffer, enable every kvm_irqchip event, start recording. */
static inline int trace_start(void)
{
	int r = trace_ctl("tracing_on", "0");

	r = r ?: trace_ctl("trace", "");
	r = r ?: trace_ctl("events/kvm_irqchip/enable", "1");
	return r ?: trace_ctl("tracing_on", "1");
}

/* Stop, disable the events, and return the buffer's text (free it). */
static inline char *trace_stop(void)
{
	char path[256];
	const char *t = tracefs();

	if (!t)
		return NULL;
	trace_ctl("tracing_on", "0");
	trace_ctl("events/kvm_irqchip/enable", "0");
	snprintf(path, sizeof(path), "%s/trace", t);
	return slurp(path);
}

/* Number of lines of @text containing the formatted string. */
static inline int count_lines(const char *text, const char *fmt, ...)
{
	char want[512];
	const char *p = text;
	va_list ap;
	int n = 0;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	while (p && (p = strstr(p, want))) {
		n++;
		p = strchr(p, '\n');
	}
	return n;
}

#endif
