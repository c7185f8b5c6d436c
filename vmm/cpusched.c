// SPDX-License-Identifier: GPL-2.0
/*
 * The VM's CPU controls, all Linux's own: thread affinity, a cgroup v2 with
 * cpu.weight (proportional share, like Xen Credit's weight) and cpu.max (a
 * hard cap), SCHED_DEADLINE (a guaranteed budget per period, like Xen's
 * RTDS) and mlock. Nothing here runs once the guest has started except
 * sched_cgroup_leave at exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cpusched.h"
#include "errmsg.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif

/* The kernel's struct sched_attr, first version (48 bytes). */
struct dl_attr {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
};

bool sched_has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') &&
		    (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
			return true;
	return false;
}

void sched_format_cpus(const cpu_set_t *set, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (int i = 0; i < CPU_SETSIZE; i++) {
		int j = i;

		if (!CPU_ISSET(i, set))
			continue;
		while (j + 1 < CPU_SETSIZE && CPU_ISSET(j + 1, set))
			j++;
		if (used < len)
			used += (size_t)snprintf(out + used, len - used,
						 j > i ? "%s%d-%d" : "%s%d",
						 used ? "," : "", i, j);
		i = j;
	}
}

static void mask_to_set(uint64_t mask, cpu_set_t *set)
{
	CPU_ZERO(set);
	for (int i = 0; i < 64; i++)
		if (mask & (1ULL << i))
			CPU_SET(i, set);
}

static int check_mask(const struct sched_state *s, uint64_t mask,
		      const char *opt, char *err, size_t errlen)
{
	cpu_set_t want, bad;
	char b[128], a[128];

	mask_to_set(mask, &want);
	CPU_AND(&bad, &want, &s->allowed);
	CPU_XOR(&bad, &bad, &want);
	if (!CPU_COUNT(&bad))
		return 0;
	sched_format_cpus(&bad, b, sizeof(b));
	sched_format_cpus(&s->allowed, a, sizeof(a));
	return errmsg(err, errlen, "%s: CPU %s is not available (this process may use %s)",
		    opt, b, a);
}

int sched_check(struct sched_state *s, const struct vm_config *cfg, char *err,
		size_t errlen)
{
	if (sched_getaffinity(0, sizeof(s->allowed), &s->allowed))
		return errmsg(err, errlen, "sched_getaffinity: %s", strerror(errno));
	if (cfg->pin_mask && check_mask(s, cfg->pin_mask, "--pin", err, errlen))
		return -1;
	if (cfg->pin_io_mask &&
	    check_mask(s, cfg->pin_io_mask, "--pin-io", err, errlen))
		return -1;
	return 0;
}

bool sched_vcpu_cpus(const struct sched_state *s, const struct vm_config *cfg,
		     unsigned int id, cpu_set_t *set)
{
	unsigned int k = 0;

	if (!cfg->pin_mask) {
		*set = s->allowed;
		return cfg->pin_io_mask != 0;
	}
	if ((unsigned int)__builtin_popcountll(cfg->pin_mask) < cfg->cpus) {
		mask_to_set(cfg->pin_mask, set);
		return true;
	}
	CPU_ZERO(set);
	for (int i = 0; i < 64; i++)
		if ((cfg->pin_mask & (1ULL << i)) && k++ == id)
			CPU_SET(i, set);
	return true;
}

int sched_pin_io(const struct vm_config *cfg, char *err, size_t errlen)
{
	cpu_set_t set;

	if (!cfg->pin_io_mask)
		return 0;
	mask_to_set(cfg->pin_io_mask, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return errmsg(err, errlen, "--pin-io: %s", strerror(errno));
	return 0;
}

static int read_file(const char *dir, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX + 64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

static int write_file(const char *dir, const char *name, const char *val)
{
	char path[PATH_MAX + 64];
	ssize_t n;
	int fd, e;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	e = errno;
	close(fd);
	errno = e;
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

/* The cgroup v2 mount point, from /proc/self/mountinfo. */
static int cgroup2_mount(char *out, size_t len)
{
	char line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int ret = -1;

	if (!f)
		return -1;
	while (ret && fgets(line, sizeof(line), f)) {
		char mnt[PATH_MAX], *dash = strstr(line, " - ");

		if (!dash || strncmp(dash, " - cgroup2 ", 11) ||
		    sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		/* Mount points with spaces come escaped; leave those out. */
		if (!strchr(mnt, '\\') && strlen(mnt) < len) {
			strcpy(out, mnt);
			ret = 0;
		}
	}
	fclose(f);
	return ret;
}

/* The VMM's cgroup v2 directory: mount point plus /proc/self/cgroup's "0::". */
static int own_cgroup(const char *mnt, char *out, size_t len)
{
	char line[PATH_MAX + 8];
	FILE *f = fopen("/proc/self/cgroup", "re");
	int ret = -1;

	if (!f)
		return -1;
	while (ret && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		if ((size_t)snprintf(out, len, "%s%s", mnt,
				     strcmp(line + 3, "/") ? line + 3 : "") < len)
			ret = 0;
	}
	fclose(f);
	return ret;
}

int sched_cgroup_enter(struct sched_state *s, const struct vm_config *cfg,
		       char *err, size_t errlen)
{
	char mnt[PATH_MAX], parent[PATH_MAX], buf[512];
	struct statfs sf;

	s->cgroup[0] = '\0';
	s->home_fd = s->parent_fd = -1;
	if (!cfg->weight && !cfg->cap)
		return 0;
	if (cgroup2_mount(mnt, sizeof(mnt)))
		return errmsg(err, errlen, "--weight/--cap need cgroup v2, and none is mounted");
	if (own_cgroup(mnt, s->home, sizeof(s->home)))
		return errmsg(err, errlen, "--weight/--cap: the VMM is in no cgroup v2 (/proc/self/cgroup)");
	snprintf(parent, sizeof(parent), "%s", cfg->cgroup ? cfg->cgroup : s->home);
	if (statfs(parent, &sf) || sf.f_type != CGROUP2_SUPER_MAGIC)
		return errmsg(err, errlen, "cgroup %s: not a cgroup v2 directory", parent);
	if (read_file(parent, "cgroup.controllers", buf, sizeof(buf)))
		return errmsg(err, errlen, "cgroup %s: cgroup.controllers: %s", parent,
			    strerror(errno));
	if (!sched_has_word(buf, "cpu"))
		return errmsg(err, errlen, "cgroup %s: the cpu controller is missing (controllers: '%s')",
			    parent, buf);
	if (read_file(parent, "cgroup.subtree_control", buf, sizeof(buf)))
		return errmsg(err, errlen, "cgroup %s: cgroup.subtree_control: %s",
			    parent, strerror(errno));
	/* A cgroup with processes of its own cannot pass controllers down. */
	if (!sched_has_word(buf, "cpu") &&
	    write_file(parent, "cgroup.subtree_control", "+cpu"))
		return errmsg(err, errlen, "cgroup %s: cannot enable the cpu controller for its children: %s%s",
			    parent, strerror(errno),
			    errno == EBUSY ? " (it holds processes: give --cgroup)" : "");
	if ((size_t)snprintf(s->cgroup, sizeof(s->cgroup), "%s/vireo-%d", parent,
			     (int)getpid()) >= sizeof(s->cgroup) ||
	    mkdir(s->cgroup, 0755)) {
		int e = errno;

		s->cgroup[0] = '\0';
		return errmsg(err, errlen, "cgroup %s: cannot create vireo-%d: %s",
			    parent, (int)getpid(), strerror(e));
	}
	if (cfg->weight) {
		snprintf(buf, sizeof(buf), "%u", cfg->weight);
		if (write_file(s->cgroup, "cpu.weight", buf)) {
			errmsg(err, errlen, "%s/cpu.weight: %s", s->cgroup, strerror(errno));
			goto undo;
		}
	}
	if (cfg->cap) {
		/* PERCENT of one CPU: that many ms of every 100 ms. */
		snprintf(buf, sizeof(buf), "%u 100000", cfg->cap * 1000);
		if (write_file(s->cgroup, "cpu.max", buf)) {
			errmsg(err, errlen, "%s/cpu.max: %s", s->cgroup, strerror(errno));
			goto undo;
		}
	}
	{
		int dfd = open(s->home, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dfd >= 0) {
			s->home_fd = openat(dfd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
			close(dfd);
		}
	}
	s->parent_fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->home_fd < 0 || s->parent_fd < 0) {
		errmsg(err, errlen, "cgroup %s: %s", s->home_fd < 0 ? s->home : parent,
		     strerror(errno));
		goto undo;
	}
	snprintf(buf, sizeof(buf), "%d", (int)getpid());
	if (write_file(s->cgroup, "cgroup.procs", buf)) {
		errmsg(err, errlen, "%s/cgroup.procs: %s", s->cgroup, strerror(errno));
		goto undo;
	}
	return 0;
undo:
	rmdir(s->cgroup);
	s->cgroup[0] = '\0';
	if (s->home_fd >= 0)
		close(s->home_fd);
	if (s->parent_fd >= 0)
		close(s->parent_fd);
	s->home_fd = s->parent_fd = -1;
	return -1;
}

void sched_cgroup_leave(struct sched_state *s)
{
	char pid[16];
	const char *name;

	if (!s->cgroup[0])
		return;
	name = strrchr(s->cgroup, '/') + 1;
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (write(s->home_fd, pid, strlen(pid)) < 0 ||
	    unlinkat(s->parent_fd, name, AT_REMOVEDIR))
		fprintf(stderr, "vireo: cannot remove cgroup %s: %s\r\n",
			s->cgroup, strerror(errno));
	close(s->home_fd);
	close(s->parent_fd);
	s->home_fd = s->parent_fd = -1;
	s->cgroup[0] = '\0';
}

int sched_rt_apply(const struct vm_config *cfg, pid_t tid, unsigned int nr,
		   char *err, size_t errlen)
{
	struct dl_attr a = {
		.size = sizeof(a),
		.policy = SCHED_DEADLINE,
		.runtime = cfg->rt_runtime_ns,
		.deadline = cfg->rt_period_ns,
		.period = cfg->rt_period_ns,
	};
	unsigned long long r = cfg->rt_runtime_ns / 1000;
	unsigned long long p = cfg->rt_period_ns / 1000;
	int e;

	if (!syscall(SYS_sched_setattr, tid, &a, 0))
		return 0;
	e = errno;
	if (e == EBUSY)
		return errmsg(err, errlen, "--rt %lluus/%lluus: admission refused: the CPUs' deadline bandwidth cannot take %u vCPU(s) at that share",
			    r, p, nr);
	if (e == EPERM)
		return errmsg(err, errlen, "--rt %lluus/%lluus: SCHED_DEADLINE not permitted (needs CAP_SYS_NICE and a thread allowed on every CPU)",
			    r, p);
	if (e == EINVAL)
		return errmsg(err, errlen, "--rt %lluus/%lluus: the kernel refuses it (budget at least 1024 ns, period within kernel.sched_deadline_period_min_us..max_us)",
			    r, p);
	return errmsg(err, errlen, "--rt %lluus/%lluus: sched_setattr: %s", r, p,
		    strerror(e));
}

int sched_mem_lock(void *p, size_t len, char *err, size_t errlen)
{
	struct rlimit rl;
	int e;

	if (!mlock(p, len))
		return 0;
	e = errno;
	if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		return errmsg(err, errlen, "--mem-lock: cannot lock %zu MiB of guest memory: %s (RLIMIT_MEMLOCK %llu KiB)",
			    len >> 20, strerror(e),
			    (unsigned long long)rl.rlim_cur >> 10);
	return errmsg(err, errlen, "--mem-lock: cannot lock %zu MiB of guest memory: %s",
		    len >> 20, strerror(e));
}
