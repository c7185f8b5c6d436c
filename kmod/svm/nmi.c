// SPDX-License-Identifier: GPL-2.0
/*
 * NMIs for an AMD-V guest, and the injection state behind
 * KVM_{GET,SET}_VCPU_EVENTS.
 *
 * Without the vNMI feature the VMCB does not track NMI blocking: an NMI
 * injected through EVENTINJ blocks nothing.  So blocking is kept here, from
 * injection until the handler's IRET.  The IRET intercept comes before the
 * IRET executes; a single-step trap (TF; #DB is always intercepted) then
 * reports the first instruction boundary after it, where NMIs are
 * unblocked.  The same trap waits out an interrupt shadow.
 */
#include "svm/svm.h"

#include <asm/debugreg.h>
#include <asm/trapnr.h>

static void svm_intercept(struct vmcb *vmcb, unsigned int bit, bool on)
{
	u32 mask = 1U << (bit % 32);

	if (on)
		vmcb->control.intercepts[bit / 32] |= mask;
	else
		vmcb->control.intercepts[bit / 32] &= ~mask;
}

static void svm_set_nmi_masked(struct svm_vcpu *sv, bool masked)
{
	sv->nmi_masked = masked;
	svm_intercept(sv->vmcb, INTERCEPT_IRET,
		      masked && sv->nmi_step != SVM_STEP_IRET);
}

/* Exit again after the guest's next instruction. */
static void svm_nmi_step(struct svm_vcpu *sv, enum svm_nmi_step why)
{
	struct vmcb_save_area *s = &sv->vmcb->save;

	if (sv->nmi_step) {
		sv->nmi_step = max(sv->nmi_step, why);
		return;
	}
	sv->nmi_step = why;
	sv->step_tf = s->rflags & X86_EFLAGS_TF;
	sv->step_dr6 = s->dr6;
	s->rflags |= X86_EFLAGS_TF;
}

/* The step is over: put back what it borrowed. */
static void svm_nmi_step_end(struct svm_vcpu *sv)
{
	struct vmcb_save_area *s = &sv->vmcb->save;
	enum svm_nmi_step why = sv->nmi_step;

	sv->nmi_step = SVM_STEP_NONE;
	s->dr6 = sv->step_dr6;
	/* After an IRET, RFLAGS is the one it popped: the guest's own. */
	if (why == SVM_STEP_IRET)
		svm_set_nmi_masked(sv, false);
	else if (!sv->step_tf)
		s->rflags &= ~X86_EFLAGS_TF;
}

/**
 * svm_nmi_prepare() - before an entry: inject a queued NMI when the guest
 *	can take it, or arrange to learn when it can
 * @sv: the vCPU
 */
void __vireo_hot svm_nmi_prepare(struct svm_vcpu *sv)
{
	struct vmcb_control_area *c = &sv->vmcb->control;

	/*
	 * The shadow the last exit saved covers the instruction at its RIP;
	 * once that instruction was completed here (RIP moved on), it is
	 * over, and a step waiting for it will see no trap.
	 */
	if ((c->int_state & SVM_INTERRUPT_SHADOW_MASK) &&
	    sv->vmcb->save.rip != sv->exit_rip)
		c->int_state &= ~SVM_INTERRUPT_SHADOW_MASK;
	if (sv->nmi_step == SVM_STEP_SHADOW &&
	    !(c->int_state & SVM_INTERRUPT_SHADOW_MASK))
		svm_nmi_step_end(sv);
	/* KVM_SET_REGS in the middle of a step must not lose its trap. */
	if (sv->nmi_step)
		sv->vmcb->save.rflags |= X86_EFLAGS_TF;
	/* An NMI in the field, from userspace or redelivery, blocks as well. */
	if ((c->event_inj & (SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_MASK)) ==
	    (SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_NMI) && !sv->nmi_masked)
		svm_set_nmi_masked(sv, true);
	if (!sv->events.nmi_pending || sv->nmi_masked || sv->nmi_step ||
	    (sv->x86.gdb.control & KVM_GUESTDBG_BLOCKIRQ))
		return;
	/*
	 * Another event goes in first; the NMI follows at the next exit,
	 * which the host's timer tick bounds.  TF must not be set now: the
	 * event's delivery would push it for the handler's IRET.
	 */
	if (c->event_inj & SVM_EVTINJ_VALID)
		return;
	if (c->int_state & SVM_INTERRUPT_SHADOW_MASK) {
		svm_nmi_step(sv, SVM_STEP_SHADOW);
		return;
	}
	x86_nmi_take(&sv->events);
	c->event_inj = X86_TRAP_NMI | SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_NMI;
	svm_set_nmi_masked(sv, true);
}

/**
 * svm_exit_iret() - the guest is about to IRET with NMIs blocked
 * @vcpu: the vCPU
 *
 * Return: VIREO_RUN_AGAIN; NMIs unblock at the trap after the IRET.
 */
int svm_exit_iret(struct vireo_vcpu *vcpu)
{
	struct svm_vcpu *sv = to_svm(vcpu);

	svm_intercept(sv->vmcb, INTERCEPT_IRET, false);
	svm_nmi_step(sv, SVM_STEP_IRET);
	return VIREO_RUN_AGAIN;
}

/**
 * svm_exit_db() - a #DB: the end of an svm_nmi_step(), or the guest's own,
 *	which goes back to it with DR6 as the CPU left it in the VMCB
 * @vcpu: the vCPU
 *
 * Return: VIREO_RUN_AGAIN, or VIREO_RUN_USER with KVM_EXIT_DEBUG when the
 * VMM debugs the guest (single-step, hardware breakpoints).
 */
int svm_exit_db(struct vireo_vcpu *vcpu)
{
	struct svm_vcpu *sv = to_svm(vcpu);
	struct vmcb_save_area *s = &sv->vmcb->save;

	if (sv->x86.gdb.control & X86_GDB_DB_EXITS) {
		/* Every #DB is the VMM's now, an NMI's step too. */
		if (sv->nmi_step)
			svm_nmi_step_end(sv);
		x86_gdb_exit(vcpu->run, X86_TRAP_DB, svm_linear_rip(s),
			     sv->x86.gdb.exit_dr6, sv->x86.gdb.exit_dr7);
		return VIREO_RUN_USER;
	}
	if (sv->nmi_step == SVM_STEP_NONE) {
		svm_inject_exception(sv, X86_TRAP_DB, false, 0);
		return VIREO_RUN_AGAIN;
	}
	svm_nmi_step_end(sv);
	if (sv->step_tf) {
		/* The guest was single-stepping too: the trap is also its. */
		s->dr6 |= DR_STEP;
		svm_inject_exception(sv, X86_TRAP_DB, false, 0);
	}
	return VIREO_RUN_AGAIN;
}

static void svm_events_get(void *ctx, struct x86_event_state *st)
{
	struct svm_vcpu *sv = to_svm(ctx);
	struct vmcb_control_area *c = &sv->vmcb->control;
	u32 inj = c->event_inj;

	memset(st, 0, sizeof(*st));
	if (inj & SVM_EVTINJ_VALID) {
		switch (inj & SVM_EVTINJ_TYPE_MASK) {
		case SVM_EVTINJ_TYPE_INTR:
			st->inj.type = X86_EVENT_INTR;
			break;
		case SVM_EVTINJ_TYPE_NMI:
			st->inj.type = X86_EVENT_NMI;
			break;
		case SVM_EVTINJ_TYPE_EXEPT:
			st->inj.type = X86_EVENT_EXCEPTION;
			break;
		default:
			st->inj.type = X86_EVENT_SOFT;
			break;
		}
		st->inj.vector = inj & SVM_EVTINJ_VEC_MASK;
		st->inj.has_error = inj & SVM_EVTINJ_VALID_ERR;
		st->inj.error = c->event_inj_err;
	}
	/* One VMCB bit stands for both kinds of shadow. */
	if (c->int_state & SVM_INTERRUPT_SHADOW_MASK)
		st->shadow = KVM_X86_SHADOW_INT_MOV_SS | KVM_X86_SHADOW_INT_STI;
	st->nmi_masked = sv->nmi_masked;
}

static void svm_events_set(void *ctx, const struct x86_event_state *st,
			   bool shadow)
{
	struct svm_vcpu *sv = to_svm(ctx);
	struct vmcb_control_area *c = &sv->vmcb->control;
	u32 inj = st->inj.vector | SVM_EVTINJ_VALID;

	switch (st->inj.type) {
	case X86_EVENT_INTR:
		inj |= SVM_EVTINJ_TYPE_INTR;
		break;
	case X86_EVENT_NMI:
		inj |= SVM_EVTINJ_TYPE_NMI;
		break;
	case X86_EVENT_EXCEPTION:
		inj |= SVM_EVTINJ_TYPE_EXEPT;
		/* Real mode pushes no error code. */
		if (st->inj.has_error && (sv->vmcb->save.cr0 & X86_CR0_PE))
			inj |= SVM_EVTINJ_VALID_ERR;
		break;
	default:
		inj = 0;
		break;
	}
	c->event_inj = inj;
	c->event_inj_err = st->inj.error;
	if (shadow) {
		/* Covering the instruction at the current RIP. */
		sv->exit_rip = sv->vmcb->save.rip;
		if (st->shadow)
			c->int_state |= SVM_INTERRUPT_SHADOW_MASK;
		else
			c->int_state &= ~SVM_INTERRUPT_SHADOW_MASK;
	}
	svm_set_nmi_masked(sv, st->nmi_masked);
}

const struct x86_event_ops svm_event_ops = {
	.get = svm_events_get,
	.set = svm_events_set,
};
