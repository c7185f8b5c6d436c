// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_NMI and KVM_{GET,SET}_VCPU_EVENTS.  Without an in-kernel APIC or SMM
 * the state is small: the event in the CPU's injection field, the
 * interrupt shadow, NMI blocking, and the NMIs userspace has queued.
 */
#include <asm/kvm.h>
#include <asm/trapnr.h>
#include <linux/errno.h>
#include <linux/kvm.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "x86/events.h"

#define X86_EVENT_FLAGS_KNOWN	(KVM_VCPUEVENT_VALID_NMI_PENDING | \
				 KVM_VCPUEVENT_VALID_SIPI_VECTOR | \
				 KVM_VCPUEVENT_VALID_SHADOW | \
				 KVM_VCPUEVENT_VALID_SMM | \
				 KVM_VCPUEVENT_VALID_PAYLOAD | \
				 KVM_VCPUEVENT_VALID_TRIPLE_FAULT)

/*
 * One NMI may run (or be on its way in) while one more waits: the CPU
 * latches a single NMI during blocking, and further ones are lost.
 */
static unsigned int x86_nmi_limit(const struct x86_event_state *st)
{
	return st->nmi_masked || st->inj.type == X86_EVENT_NMI ? 1 : 2;
}

/**
 * x86_get_events - KVM_GET_VCPU_EVENTS
 * @ev: the vCPU's queued events
 * @ops: the backend's accessors
 * @ctx: the vCPU, for @ops
 * @e: filled in
 */
void x86_get_events(struct x86_events *ev, const struct x86_event_ops *ops,
		    void *ctx, struct kvm_vcpu_events *e)
{
	struct x86_event_state st;

	ops->get(ctx, &st);
	memset(e, 0, sizeof(*e));
	switch (st.inj.type) {
	case X86_EVENT_EXCEPTION:
		e->exception.injected = 1;
		e->exception.nr = st.inj.vector;
		e->exception.has_error_code = st.inj.has_error;
		e->exception.error_code = st.inj.error;
		break;
	case X86_EVENT_INTR:
		e->interrupt.injected = 1;
		e->interrupt.nr = st.inj.vector;
		break;
	case X86_EVENT_NMI:
		e->nmi.injected = 1;
		break;
	default:
		/*
		 * A software interrupt or exception happens again when the
		 * guest re-executes its instruction: nothing to report.
		 */
		break;
	}
	e->interrupt.shadow = st.shadow;
	e->nmi.pending = ev->nmi_pending != 0;
	e->nmi.masked = st.nmi_masked;
	/* SMM is reported as what it is here: never entered, never pending. */
	e->flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW |
		   KVM_VCPUEVENT_VALID_SMM;
}

/**
 * x86_set_events - KVM_SET_VCPU_EVENTS
 * @ev: the vCPU's queued events
 * @ops: the backend's accessors
 * @ctx: the vCPU, for @ops
 * @e: what userspace passed, in the kernel
 *
 * Return: 0 or -EINVAL.
 */
int x86_set_events(struct x86_events *ev, const struct x86_event_ops *ops,
		   void *ctx, const struct kvm_vcpu_events *e)
{
	struct x86_event_state st = { };

	if (e->flags & ~X86_EVENT_FLAGS_KNOWN)
		return -EINVAL;
	/* Payloads and triple-fault events are opt-in capabilities not offered. */
	if (e->flags & (KVM_VCPUEVENT_VALID_PAYLOAD |
			KVM_VCPUEVENT_VALID_TRIPLE_FAULT))
		return -EINVAL;
	if (e->exception.injected &&
	    (e->exception.nr > 31 || e->exception.nr == X86_TRAP_NMI))
		return -EINVAL;
	if ((e->flags & KVM_VCPUEVENT_VALID_SMM) &&
	    (e->smi.smm || e->smi.pending))
		return -EINVAL;

	/*
	 * The CPU carries one event per entry: the highest-priority one goes
	 * in, and the others are dropped as they would be at the next exit.
	 */
	if (e->exception.injected) {
		st.inj.type = X86_EVENT_EXCEPTION;
		st.inj.vector = e->exception.nr;
		st.inj.has_error = e->exception.has_error_code;
		st.inj.error = e->exception.error_code;
	} else if (e->nmi.injected) {
		st.inj.type = X86_EVENT_NMI;
		st.inj.vector = X86_TRAP_NMI;
	} else if (e->interrupt.injected) {
		/*
		 * A "soft" one has no instruction length in this ABI: it goes
		 * in as the vector it names.
		 */
		st.inj.type = X86_EVENT_INTR;
		st.inj.vector = e->interrupt.nr;
	}
	st.shadow = e->interrupt.shadow;
	st.nmi_masked = e->nmi.masked;
	if (e->flags & KVM_VCPUEVENT_VALID_NMI_PENDING)
		ev->nmi_pending = min_t(unsigned int, e->nmi.pending,
					x86_nmi_limit(&st));
	/* The SIPI vector only means something to an in-kernel APIC. */
	ops->set(ctx, &st, e->flags & KVM_VCPUEVENT_VALID_SHADOW);
	return 0;
}

long x86_events_ioctl(struct x86_events *ev, const struct x86_event_ops *ops,
		      void *ctx, unsigned int cmd, void __user *argp)
{
	struct kvm_vcpu_events e;
	struct x86_event_state st;

	switch (cmd) {
	case KVM_NMI:
		ops->get(ctx, &st);
		ev->nmi_pending = min_t(unsigned int, ev->nmi_pending + 1,
					x86_nmi_limit(&st));
		return 0;
	case KVM_GET_VCPU_EVENTS:
		x86_get_events(ev, ops, ctx, &e);
		return copy_to_user(argp, &e, sizeof(e)) ? -EFAULT : 0;
	case KVM_SET_VCPU_EVENTS:
		if (copy_from_user(&e, argp, sizeof(e)))
			return -EFAULT;
		return x86_set_events(ev, ops, ctx, &e);
	default:
		return -EINVAL;
	}
}
