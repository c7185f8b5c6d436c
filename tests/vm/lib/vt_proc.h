/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the in-VM tests read from (and write to) /proc, /sys and the
 * module's debugfs, on any architecture (vt_proc.c). Each returns -1 (or
 * -errno for a write) when the file or the field is not there.
 */
#ifndef VT_PROC_H
#define VT_PROC_H

#include <sys/types.h>

/* The first number in the file at @path. */
long vt_read_long(const char *path);
/* Writes @v and a newline to @path: 0 or -errno. */
int vt_write_long(const char *path, long v);
/* The field @key ("MemAvailable", "HugePages_Free"...) of /proc/meminfo, in kB or pages. */
long vt_meminfo(const char *key);
/* AnonHugePages of this process's mapping that holds @addr, in kB. */
long vt_anon_huge_kb(const void *addr);
/* vireo.ko's count of 2 MiB guest mappings made since load (debugfs, mounted if need be). */
long vt_huge_mappings(void);

/*
 * For tests that make a vCPU's thread share and change CPUs while it runs
 * a guest: vt_pin() pins thread @tid (0: the caller) to CPU @cpu;
 * vt_nivcsw() is the calling thread's involuntary context switches so far;
 * vt_mover(&m), a thread's function, moves thread m.tid between CPUs 0
 * and 1 every 20 ms, counting m.moves, until m.stop (with one CPU it only
 * waits).
 */
struct vt_mover {
	pid_t tid;
	int ncpus;
	volatile int stop;
	volatile long moves;
};

void vt_pin(pid_t tid, int cpu);
long vt_nivcsw(void);
void *vt_mover(void *m);

#endif
