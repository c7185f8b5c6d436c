/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The world switch.  Called with GIF clear; guest RAX, RSP, RIP and RFLAGS
 * travel in the VMCB, the other GPRs in struct x86_gprs.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>

#include "x86/switch_asm.S"

/* Beside the C code of each exit (__vireo_hot). */
.pushsection .text.vireo_hot, "ax"

/* void vireo_svm_vmrun(struct x86_gprs *gprs, u64 vmcb_pa, u64 host_pa) */
SYM_FUNC_START(vireo_svm_vmrun)
	X86_SWITCH_ENTER
	push	%rdi
	push	%rdx
	push	%rsi

	/*
	 * VMRUN saves only part of the host: FS, GS, TR, LDTR and the syscall
	 * MSRs are in the host's VMSAVE area (svm_host_save()), for the VMLOAD
	 * after the exit.
	 */
	X86_GPRS load, %rdi
	mov	(7 * 8)(%rdi), %rdi

	pop	%rax
	vmload	%rax
	/* MDS-style sampling (TSA): no host data left in the CPU's buffers. */
	VM_CLEAR_CPU_BUFFERS
	vmrun	%rax
	vmsave	%rax

	/* Stack: guest RDI (pushed now), host_pa, gprs. */
	push	%rdi
	mov	2*8(%rsp), %rdi
	X86_GPRS save, %rdi
	pop	(7 * 8)(%rdi)

	pop	%rax
	vmload	%rax
	pop	%rdi

	/*
	 * Before the first RET: the guest may have trained the return stack
	 * buffer (SpectreRSB) and, on Zen, the return predictions (Retbleed,
	 * SRSO); the host's own mitigations say what undoes that.
	 */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT
	UNTRAIN_RET
	ALTERNATIVE "", "call entry_ibpb", X86_FEATURE_IBPB_ON_VMEXIT

	X86_CLEAR_GUEST_GPRS
	X86_SWITCH_LEAVE
	RET
SYM_FUNC_END(vireo_svm_vmrun)

.popsection
