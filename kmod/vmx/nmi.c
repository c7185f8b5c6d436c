// SPDX-License-Identifier: GPL-2.0
/*
 * NMIs for a VT-x guest, and the injection state behind
 * KVM_{GET,SET}_VCPU_EVENTS.  With "virtual NMIs" the CPU tracks the
 * guest's NMI blocking in the interruptibility state (set by delivery,
 * cleared by IRET), and "NMI-window exiting" reports when it ends (Intel
 * SDM vol. 3C, 25.3 and 26.7.6).
 */
#include <asm/trapnr.h>

#include "vmx/vmx.h"

/* EPT violation qualification: the access was an IRET's that unblocked NMIs */
#define VMX_EPT_QUAL_NMI_UNBLOCK	BIT(12)

/**
 * vmx_nmi_supported() - can KVM_NMI work on this CPU?
 *
 * Return: true when the probe found virtual NMIs and NMI-window exiting.
 */
bool vmx_nmi_supported(void)
{
	return (vmx_cfg.pin & PIN_BASED_VIRTUAL_NMIS) &&
	       (vmx_cfg.proc_may & CPU_BASED_NMI_WINDOW_EXITING);
}

/**
 * vmx_nmi_prepare() - before an entry (VMCS current): inject a queued NMI
 *	when the guest can take it, else ask for the NMI window
 * @vmx: the vCPU
 */
void vmx_nmi_prepare(struct vmx_vcpu *vmx)
{
	u32 info = vmcs_read(VM_ENTRY_INTR_INFO_FIELD);
	u32 intr = vmcs_read(GUEST_INTERRUPTIBILITY_INFO);
	bool window = false;

	if (!vmx_nmi_supported())
		return;
	/*
	 * VM entry refuses to inject an NMI while NMIs are blocked; an NMI
	 * redelivered after an exit, or one userspace put there with NMIs
	 * masked, blocks them again as it is delivered.
	 */
	if ((info & (INTR_INFO_VALID_MASK | INTR_INFO_INTR_TYPE_MASK)) ==
	    (INTR_INFO_VALID_MASK | INTR_TYPE_NMI_INTR) &&
	    (intr & GUEST_INTR_STATE_NMI)) {
		intr &= ~GUEST_INTR_STATE_NMI;
		vmcs_write(GUEST_INTERRUPTIBILITY_INFO, intr);
	}
	if (vmx->events.nmi_pending) {
		if (!(info & INTR_INFO_VALID_MASK) &&
		    !(intr & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS |
			      GUEST_INTR_STATE_NMI))) {
			x86_nmi_take(&vmx->events);
			vmcs_write(VM_ENTRY_INTR_INFO_FIELD, X86_TRAP_NMI |
				   INTR_TYPE_NMI_INTR | INTR_INFO_VALID_MASK);
		}
		/* A second one waits for the first handler's IRET. */
		window = vmx->events.nmi_pending;
	}
	if (window)
		vmcs_set_bits(CPU_BASED_VM_EXEC_CONTROL,
			      CPU_BASED_NMI_WINDOW_EXITING);
	else
		vmcs_clear_bits(CPU_BASED_VM_EXEC_CONTROL,
				CPU_BASED_NMI_WINDOW_EXITING);
}

/**
 * vmx_nmi_exit() - after an exit (VMCS current): keep NMI blocking right
 * @reason: the exit reason
 *
 * An IRET that faulted on an EPT violation has already unblocked NMIs
 * (SDM 27.2.3); it runs again, so blocking must come back until it does.
 */
void vmx_nmi_exit(u32 reason)
{
	if ((u16)reason != EXIT_REASON_EPT_VIOLATION ||
	    !(vmcs_read(EXIT_QUALIFICATION) & VMX_EPT_QUAL_NMI_UNBLOCK) ||
	    (vmcs_read(IDT_VECTORING_INFO_FIELD) & VECTORING_INFO_VALID_MASK))
		return;
	vmcs_set_bits(GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_NMI);
}

static void vmx_events_get(void *ctx, struct x86_event_state *st)
{
	struct vmx_vcpu *vmx = to_vmx(ctx);
	u32 info, intr;

	memset(st, 0, sizeof(*st));
	vmx_get(vmx);
	info = vmcs_read(VM_ENTRY_INTR_INFO_FIELD);
	intr = vmcs_read(GUEST_INTERRUPTIBILITY_INFO);
	if (info & INTR_INFO_VALID_MASK) {
		switch (info & INTR_INFO_INTR_TYPE_MASK) {
		case INTR_TYPE_EXT_INTR:
			st->inj.type = X86_EVENT_INTR;
			break;
		case INTR_TYPE_NMI_INTR:
			st->inj.type = X86_EVENT_NMI;
			break;
		case INTR_TYPE_HARD_EXCEPTION:
			st->inj.type = X86_EVENT_EXCEPTION;
			break;
		default:
			st->inj.type = X86_EVENT_SOFT;
			break;
		}
		st->inj.vector = info & INTR_INFO_VECTOR_MASK;
		st->inj.has_error = info & INTR_INFO_DELIVER_CODE_MASK;
		if (st->inj.has_error)
			st->inj.error = vmcs_read(VM_ENTRY_EXCEPTION_ERROR_CODE);
	} else if (vmx->pending_irq >= 0) {
		st->inj.type = X86_EVENT_INTR;
		st->inj.vector = vmx->pending_irq;
	}
	if (intr & GUEST_INTR_STATE_STI)
		st->shadow |= KVM_X86_SHADOW_INT_STI;
	if (intr & GUEST_INTR_STATE_MOV_SS)
		st->shadow |= KVM_X86_SHADOW_INT_MOV_SS;
	st->nmi_masked = intr & GUEST_INTR_STATE_NMI;
	vmx_put(vmx);
}

static void vmx_events_set(void *ctx, const struct x86_event_state *st,
			   bool shadow)
{
	struct vmx_vcpu *vmx = to_vmx(ctx);
	u32 intr;

	vmx_get(vmx);
	vmx->pending_irq = -1;
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	switch (st->inj.type) {
	case X86_EVENT_INTR:
		/* Goes in on the next entry, as after KVM_INTERRUPT. */
		vmx->pending_irq = st->inj.vector;
		break;
	case X86_EVENT_NMI:
		vmcs_write(VM_ENTRY_INTR_INFO_FIELD, X86_TRAP_NMI |
			   INTR_TYPE_NMI_INTR | INTR_INFO_VALID_MASK);
		break;
	case X86_EVENT_EXCEPTION:
		vmx_inject_exception(st->inj.vector, st->inj.has_error,
				     st->inj.error);
		break;
	default:
		break;
	}
	intr = vmcs_read(GUEST_INTERRUPTIBILITY_INFO);
	if (shadow) {
		intr &= ~(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS);
		if (st->shadow & KVM_X86_SHADOW_INT_STI)
			intr |= GUEST_INTR_STATE_STI;
		if (st->shadow & KVM_X86_SHADOW_INT_MOV_SS)
			intr |= GUEST_INTR_STATE_MOV_SS;
	}
	if (st->nmi_masked)
		intr |= GUEST_INTR_STATE_NMI;
	else
		intr &= ~GUEST_INTR_STATE_NMI;
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, intr);
	vmx_put(vmx);
}

const struct x86_event_ops vmx_event_ops = {
	.get = vmx_events_get,
	.set = vmx_events_set,
};
