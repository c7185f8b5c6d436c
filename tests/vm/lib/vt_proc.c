// SPDX-License-Identifier: GPL-2.0
/* Reading and writing the host's /proc, /sys and debugfs numbers (vt_proc.h). */
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#include "vireo.h"
#include "vt_proc.h"

long vt_read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

int vt_write_long(const char *path, long v)
{
	FILE *f = fopen(path, "w");
	int r;

	if (!f)
		return -errno;
	r = fprintf(f, "%ld\n", v) < 0 ? -EIO : 0;
	if (fclose(f))
		r = -errno;
	return r;
}

long vt_meminfo(const char *key)
{
	size_t len = strlen(key);
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			v = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return v;
}

long vt_anon_huge_kb(const void *addr)
{
	unsigned long lo, hi, a = (unsigned long)addr;
	char line[256];
	bool in = false;
	long v = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		/* A mapping's header starts "lo-hi", in lower-case hex. */
		if (line[strspn(line, "0123456789abcdef")] == '-' &&
		    sscanf(line, "%lx-%lx", &lo, &hi) == 2)
			in = a >= lo && a < hi;
		if (in && !strncmp(line, "AnonHugePages:", 14))
			v = strtol(line + 14, NULL, 10);
	}
	fclose(f);
	return v;
}

long vt_huge_mappings(void)
{
	const char *path = VIREO_DEBUGFS "/huge_mappings";

	if (access(path, R_OK))
		mount("none", "/sys/kernel/debug", "debugfs", 0, NULL);
	return vt_read_long(path);
}

void vt_pin(pid_t tid, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(tid, sizeof(set), &set);
}

long vt_nivcsw(void)
{
	char line[128];
	long n = -1;
	FILE *f = fopen("/proc/thread-self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "nonvoluntary_ctxt_switches: %ld", &n) == 1)
			break;
	fclose(f);
	return n;
}

void *vt_mover(void *p)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	struct vt_mover *m = p;
	int cpu = 0;

	while (!m->stop) {
		nanosleep(&ts, NULL);
		if (m->ncpus < 2)
			continue;
		cpu = !cpu;
		vt_pin(m->tid, cpu);
		m->moves++;
	}
	return NULL;
}
