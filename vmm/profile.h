/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vireo run --profile: each vCPU thread's time in and out of KVM_RUN, and
 * the module's binary statistics (KVM_GET_STATS_FD), printed at exit.
 */
#ifndef VIREO_PROFILE_H
#define VIREO_PROFILE_H

#include <stdint.h>

struct vm;

/* What a vCPU thread measures around KVM_RUN. */
struct vcpu_profile {
	uint64_t runs;		/* KVM_RUN calls */
	uint64_t in_ns;		/* inside KVM_RUN */
	uint64_t out_ns;	/* from one KVM_RUN's return to the next call */
	uint64_t last_ns;	/* when the last KVM_RUN returned; 0: none yet */
};

static inline void profile_run_start(struct vcpu_profile *p, uint64_t now)
{
	if (p->last_ns)
		p->out_ns += now - p->last_ns;
}

static inline void profile_run_end(struct vcpu_profile *p, uint64_t start,
				   uint64_t now)
{
	p->runs++;
	p->in_ns += now - start;
	p->last_ns = now;
}

/*
 * The statistics fds of the VM and its vCPUs, while the process may still
 * make that ioctl (before the sandbox). A module without them leaves -1.
 */
void profile_open(struct vm *vm);
/* Print "PROFILE SCOPE NAME VALUE" lines to stderr; SCOPE vm or vcpuN. */
void profile_dump(struct vm *vm);
void profile_close(struct vm *vm);

#endif
