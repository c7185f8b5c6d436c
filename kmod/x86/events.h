/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Events on their way into a guest (KVM_NMI, KVM_{GET,SET}_VCPU_EVENTS) and
 * the extended FPU state (KVM_{GET,SET}_XSAVE, KVM_{GET,SET}_XCRS): the ABI
 * side, shared by the SVM and VMX backends.  The hardware side (the VMCB's
 * or VMCS's injection field, NMI blocking) stays in each backend, reached
 * through struct x86_event_ops.
 */
#ifndef VIREO_X86_EVENTS_H
#define VIREO_X86_EVENTS_H

#include <asm/fpu/api.h>
#include <linux/types.h>

#include "x86/x86.h"

enum x86_event_type {
	X86_EVENT_NONE,
	X86_EVENT_INTR,		/* external interrupt, e.g. from KVM_INTERRUPT */
	X86_EVENT_NMI,
	X86_EVENT_EXCEPTION,	/* hardware exception */
	X86_EVENT_SOFT,		/* INT n, INT3, INTO: redone by re-execution */
};

/* The one event a CPU's injection field carries in on the next entry. */
struct x86_event {
	enum x86_event_type type;
	u8 vector;
	bool has_error;
	u32 error;
};

/* What a backend keeps in hardware for KVM_{GET,SET}_VCPU_EVENTS. */
struct x86_event_state {
	struct x86_event inj;
	u8 shadow;		/* KVM_X86_SHADOW_INT_* */
	bool nmi_masked;	/* an NMI handler runs: no NMI until IRET */
};

/* Per vCPU, kept by the x86 layer. */
struct x86_events {
	/* KVM_NMI requests not injected yet: at most one beyond a running one */
	u8 nmi_pending;
};

/**
 * struct x86_event_ops - a backend's injection state, for the ioctls
 * @get: read the event in the injection field, the interrupt shadow and
 *	NMI blocking.  Called without locks, may sleep.
 * @set: replace them; the shadow only when @shadow is true.
 */
struct x86_event_ops {
	void (*get)(void *ctx, struct x86_event_state *st);
	void (*set)(void *ctx, const struct x86_event_state *st, bool shadow);
};

long x86_events_ioctl(struct x86_events *ev, const struct x86_event_ops *ops,
		      void *ctx, unsigned int cmd, void __user *argp);
void x86_get_events(struct x86_events *ev, const struct x86_event_ops *ops,
		    void *ctx, struct kvm_vcpu_events *e);
int x86_set_events(struct x86_events *ev, const struct x86_event_ops *ops,
		   void *ctx, const struct kvm_vcpu_events *e);

/* Take one queued NMI for injection; false if none is queued. */
static inline bool x86_nmi_take(struct x86_events *ev)
{
	if (!ev->nmi_pending)
		return false;
	ev->nmi_pending--;
	return true;
}

bool x86_fpu_alloc(struct fpu_guest *fpu);
void x86_fpu_free(struct fpu_guest *fpu);
/* XCR0 bits the host can save for a guest; 0 without XSAVE. */
u64 x86_supported_xcr0(void);
/* Would the CPU take @xcr0 for a guest with CPUID @c (XSETBV's checks)? */
bool x86_xcr0_valid(const struct x86_cpuid *c, u64 xcr0);
long x86_xsave_ioctl(struct fpu_guest *fpu, const struct x86_cpuid *c,
		     u64 *xcr0, u32 *pkru, unsigned int cmd, void __user *argp);

#endif
