/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The world switch.  Called with interrupts off and the vCPU's VMCS current;
 * guest RSP, RIP and RFLAGS travel in the VMCS, the other GPRs in struct
 * x86_gprs.
 *
 * HOST_RIP is vireo_vmx_exit, right behind VMLAUNCH/VMRESUME, so a VM exit
 * and a failed entry arrive at the same place with the same stack; only the
 * flags differ (a VM exit clears them, VMfail sets CF or ZF).
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>

#include "x86/switch_asm.S"

/* VMCS field encoding of the host RSP (Intel SDM vol. 3, appendix B.4.4). */
#define VMCS_HOST_RSP	0x6c14

/* int vireo_vmx_enter(struct x86_gprs *gprs, bool launched) */
SYM_FUNC_START(vireo_vmx_enter)
	X86_SWITCH_ENTER
	push	%rdi

	/* The stack at the exit must be this one, with gprs on top. */
	mov	$VMCS_HOST_RSP, %eax
	vmwrite	%rsp, %rax

	mov	%rdi, %rax
	/* MOVs and VERW keep CF: it still says "launched" below. */
	bt	$0, %esi
	X86_GPRS load, %rax
	mov	(0 * 8)(%rax), %rax
	/* MDS and its kin: no host data left in the CPU's buffers. */
	CLEAR_CPU_BUFFERS
	jc	.Lresume
	vmlaunch
	jmp	vireo_vmx_exit
.Lresume:
	vmresume

SYM_INNER_LABEL(vireo_vmx_exit, SYM_L_GLOBAL)
	/* Guest GPRs are live here; nothing below may touch the flags. */
	push	%rax
	mov	8(%rsp), %rax
	X86_GPRS save, %rax
	pop	(0 * 8)(%rax)
	setbe	%bl
	movzbl	%bl, %ebx
	pop	%rdi

	/*
	 * The guest may have trained the return stack buffer: refill it, or
	 * with enhanced IBRS retire one CALL (PBRSB), and clear the branch
	 * history (BHI), as the host's mitigations ask.
	 */
	FILL_RETURN_BUFFER %rcx, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT, \
			   X86_FEATURE_RSB_VMEXIT_LITE
	CLEAR_BRANCH_HISTORY_VMEXIT

	X86_CLEAR_GUEST_GPRS

	mov	%ebx, %eax
	X86_SWITCH_LEAVE
	RET
SYM_FUNC_END(vireo_vmx_enter)
