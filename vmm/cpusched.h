/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Linux's CPU controls for the VM's threads: affinity (--pin, --pin-io), a
 * cgroup v2 with cpu.weight and cpu.max (--weight, --cap), SCHED_DEADLINE
 * per vCPU thread (--rt) and locked guest memory (--mem-lock). Each function
 * returns 0, or -1 with one line in err.
 */
#ifndef VIREO_CPUSCHED_H
#define VIREO_CPUSCHED_H

#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "options.h"

struct sched_state {
	cpu_set_t allowed;	/* the process's CPUs when it started */
	char cgroup[PATH_MAX];	/* the VM's own cgroup; "" when none */
	char home[PATH_MAX];	/* the cgroup the VMM came from */
	/*
	 * Opened before the sandbox and --user: the way back (cgroup v2
	 * checks the opener's credentials) and the VM's cgroup's parent.
	 */
	int home_fd, parent_fd;
};

/* The CPUs named by --pin and --pin-io exist and the process may use them. */
int sched_check(struct sched_state *s, const struct vm_config *cfg, char *err,
		size_t errlen);
/*
 * vCPU id's CPUs: with at least as many CPUs in --pin as vCPUs, the id-th
 * one; else all of --pin; else (--pin-io moved the rest) every CPU the
 * process had. Returns false when the vCPU is not to be pinned at all.
 */
bool sched_vcpu_cpus(const struct sched_state *s, const struct vm_config *cfg,
		     unsigned int id, cpu_set_t *set);
/* The calling thread, and the threads it creates later, on --pin-io. */
int sched_pin_io(const struct vm_config *cfg, char *err, size_t errlen);
/*
 * With --weight or --cap: a cgroup vireo-PID under --cgroup or the VMM's
 * own, with the cpu controller, the limits, and the whole process in it.
 */
int sched_cgroup_enter(struct sched_state *s, const struct vm_config *cfg,
		       char *err, size_t errlen);
/* Back to the cgroup the VMM came from; the VM's cgroup removed. */
void sched_cgroup_leave(struct sched_state *s);
/* --rt: SCHED_DEADLINE for thread tid; nr is the vCPU count, for the error. */
int sched_rt_apply(const struct vm_config *cfg, pid_t tid, unsigned int nr,
		   char *err, size_t errlen);
/* Fault in and lock [p, p + len). */
int sched_mem_lock(void *p, size_t len, char *err, size_t errlen);
/* Whether word is one of the space-separated words of list. */
bool sched_has_word(const char *list, const char *word);
/* "0-1,3": mask as a CPU list, into out. */
void sched_format_cpus(const cpu_set_t *set, char *out, size_t len);

#endif
