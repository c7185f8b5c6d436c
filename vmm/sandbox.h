/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMM's least privilege once it has set up: a seccomp filter per thread
 * kind and, with --user, another user's credentials.
 */
#ifndef VIREO_SANDBOX_H
#define VIREO_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

#include "options.h"

enum sandbox_kind { SANDBOX_MAIN, SANDBOX_IO, SANDBOX_VCPU };

/*
 * Before the set-up: the --user lookup, the SIGSYS handler and the system
 * call names it prints. Returns 0, or -1 with one line in err.
 */
int sandbox_init(const struct vm_config *cfg, char *err, size_t errlen);
/*
 * After the set-up, before any thread is made (namespaces are per
 * process only then): --jail.
 */
int sandbox_jail(const struct vm_config *cfg, char *err, size_t errlen);
/* After the set-up, before any filter: become --user (every thread). */
int sandbox_drop(const struct vm_config *cfg, char *err, size_t errlen);
/*
 * The calling thread's filter for its kind (nothing with --no-sandbox).
 * Returns 0, or -1 with one line in err.
 */
int sandbox_enter(enum sandbox_kind kind, char *err, size_t errlen);
/*
 * VIREO_SANDBOX_SELFTEST=1 in the environment: make a system call no
 * filter allows (tests/vm/vmm_sched.sh), so the VMM must die naming it.
 */
void sandbox_selftest(void);
/* The main filter may remove a directory below dirfd (the VM's cgroup). */
void sandbox_allow_rmdir(int dirfd);
/*
 * Each architecture's (x86/vcpu.c, arm64/vcpu.c), ending with 0: the
 * ioctls its vCPU threads make on exits besides the common ones, and those
 * of its main thread's dump of a stuck guest (arch_vcpu_dump()).
 */
extern const unsigned long arch_vcpu_ioctls[];
extern const unsigned long arch_dump_ioctls[];
/* The name of system call nr on this architecture, or NULL. */
const char *sandbox_syscall_name(long nr);

#endif
