/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AMD-V backend: one VMCB per vCPU, nested paging, ASID 1 for every guest
 * with a full flush whenever a CPU switches VMCBs (see svm_vcpu_run()).
 */
#ifndef VIREO_SVM_H
#define VIREO_SVM_H

#include <asm/fpu/api.h>
#include <asm/svm.h>
#include <linux/spinlock.h>

#include "core/vireo.h"
#include "x86/decode.h"
#include "x86/lapic.h"
#include "x86/events.h"
#include "x86/uexit.h"
#include "x86/tdp.h"
#include "x86/walk.h"
#include "x86/x86.h"

struct svm_vm {
	struct x86_vm x86;	/* first: see struct x86_vm */
	/* vCPUs flush when tdp.gen moves. */
	struct x86_tdp tdp;
};

/* Why the guest single-steps (kmod/svm/nmi.c); the later reason wins. */
enum svm_nmi_step {
	SVM_STEP_NONE,
	SVM_STEP_SHADOW,	/* a queued NMI waits out an interrupt shadow */
	SVM_STEP_IRET,		/* NMIs unblock once the intercepted IRET ran */
};

struct svm_vcpu {
	struct x86_vcpu x86;	/* first: see struct x86_vcpu */
	struct vmcb *vmcb;
	struct page *vmcb_page;
	u64 vmcb_pa;
	/* RAX and RSP live in the VMCB; the other GPRs here. */
	struct x86_gprs gprs;
	struct fpu_guest fpu;
	u64 apic_base;
	u64 misc_enable;
	u64 xcr0;
	struct x86_pkru pkru;
	int last_cpu;
	u64 npt_gen;
	/* What userspace must finish before the guest can continue. */
	struct x86_uexit uexit;
	struct x86_events events;
	/* NMI blocking, which the VMCB does not hold without vNMI */
	bool nmi_masked;
	enum svm_nmi_step nmi_step;
	/* what the step found: the guest's own TF, and DR6 to restore */
	bool step_tf;
	u64 step_dr6;
	/* RIP at the last exit, where the saved interrupt shadow applies */
	u64 exit_rip;
	/* DR0-3; DR6 and DR7 are in the VMCB */
	struct x86_dregs dregs;
	/* MOV DR no longer exits: DR0-3 are switched at every entry */
	bool dr_native;
	/* a CR4 write the CPU did not make: flush as it would have */
	bool tlb_flush;
	/* TSC_AUX (the SYSCALL MSRs are in the VMCB, VMLOAD switches them) */
	u64 uret[X86_URET_NR];
	/* this entry's EVENTINJ interrupt went in as V_IRQ (svm_intr_virq()) */
	bool virq;
	/* this KVM_RUN's number, never 0 (svm_host_save()) */
	u64 run_id;
	/*
	 * Last, with what only some exits read: what every exit touches
	 * above stays in the first page (an emulated CPU walks the page
	 * tables again for each page after every world switch).
	 */
	struct x86_cpuid cpuid;
};

static inline struct svm_vcpu *to_svm(struct vireo_vcpu *vcpu)
{
	return vcpu->arch;
}

static inline struct svm_vm *to_svm_vm(struct vireo_vm *vm)
{
	return vm->arch;
}

/* CS:RIP as a linear address, what KVM_EXIT_DEBUG reports */
static inline u64 svm_linear_rip(const struct vmcb_save_area *s)
{
	if ((s->efer & EFER_LMA) && (s->cs.attrib & SVM_SELECTOR_L_MASK))
		return s->rip;
	return (u32)(s->cs.base + s->rip);
}

extern const struct vireo_impl vireo_svm_impl;

void vireo_svm_vmrun(struct x86_gprs *gprs, u64 vmcb_pa, u64 host_pa);

int svm_npt_create(struct svm_vm *svm);
void svm_npt_destroy(struct svm_vm *svm);
unsigned int svm_gpa_bits(void);
void svm_npt_unmap(struct vireo_vm *vm, u64 gpa, u64 size);
void svm_npt_write_protect(struct vireo_vm *vm, const struct vireo_slot *s,
			   const unsigned long *mask);
int svm_npt_fault(struct vireo_vcpu *vcpu, u64 gpa, u64 error);

int svm_handle_exit(struct vireo_vcpu *vcpu);
void svm_vcpu_reinit(struct vireo_vcpu *vcpu);
int svm_get_msr(void *ctx, u32 index, u64 *data);
int svm_set_msr(void *ctx, u32 index, u64 data);
void svm_complete_user(struct vireo_vcpu *vcpu);
void svm_inject_exception(struct svm_vcpu *sv, u8 vector, bool has_err,
			  u32 err);

extern const struct x86_event_ops svm_event_ops;
void svm_nmi_prepare(struct svm_vcpu *sv);
int svm_exit_iret(struct vireo_vcpu *vcpu);
int svm_exit_db(struct vireo_vcpu *vcpu);
void svm_dr_intercepts(struct vmcb *vmcb, bool on);

#endif
