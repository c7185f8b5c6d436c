/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The world switch.  Called with interrupts off and the vCPU's VMCS current;
 * guest RSP, RIP and RFLAGS travel in the VMCS, the other GPRs in struct
 * x86_gprs (8 bytes each, in encoding order).
 *
 * HOST_RIP is vireo_vmx_exit, right behind VMLAUNCH/VMRESUME, so a VM exit
 * and a failed entry arrive at the same place with the same stack; only the
 * flags differ (a VM exit clears them, VMfail sets CF or ZF).
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>

#define GPR(n)		((n) * 8)
/* VMCS field encoding of the host RSP (Intel SDM vol. 3, appendix B.4.4). */
#define VMCS_HOST_RSP	0x6c14

/* int vireo_vmx_enter(struct x86_gprs *gprs, bool launched) */
SYM_FUNC_START(vireo_vmx_enter)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rdi

	/* The stack at the exit must be this one, with gprs on top. */
	mov	$VMCS_HOST_RSP, %eax
	vmwrite	%rsp, %rax

	mov	%rdi, %rax
	/* MOVs keep the flags: ZF still says "not launched" below. */
	test	%sil, %sil
	mov	GPR(1)(%rax), %rcx
	mov	GPR(2)(%rax), %rdx
	mov	GPR(3)(%rax), %rbx
	mov	GPR(5)(%rax), %rbp
	mov	GPR(6)(%rax), %rsi
	mov	GPR(7)(%rax), %rdi
	mov	GPR(8)(%rax), %r8
	mov	GPR(9)(%rax), %r9
	mov	GPR(10)(%rax), %r10
	mov	GPR(11)(%rax), %r11
	mov	GPR(12)(%rax), %r12
	mov	GPR(13)(%rax), %r13
	mov	GPR(14)(%rax), %r14
	mov	GPR(15)(%rax), %r15
	mov	GPR(0)(%rax), %rax
	jnz	.Lresume
	vmlaunch
	jmp	vireo_vmx_exit
.Lresume:
	vmresume

SYM_INNER_LABEL(vireo_vmx_exit, SYM_L_GLOBAL)
	/* Guest GPRs are live here; nothing below may touch the flags. */
	push	%rax
	mov	8(%rsp), %rax
	mov	%rcx, GPR(1)(%rax)
	mov	%rdx, GPR(2)(%rax)
	mov	%rbx, GPR(3)(%rax)
	mov	%rbp, GPR(5)(%rax)
	mov	%rsi, GPR(6)(%rax)
	mov	%rdi, GPR(7)(%rax)
	mov	%r8, GPR(8)(%rax)
	mov	%r9, GPR(9)(%rax)
	mov	%r10, GPR(10)(%rax)
	mov	%r11, GPR(11)(%rax)
	mov	%r12, GPR(12)(%rax)
	mov	%r13, GPR(13)(%rax)
	mov	%r14, GPR(14)(%rax)
	mov	%r15, GPR(15)(%rax)
	pop	GPR(0)(%rax)
	setbe	%bl
	movzbl	%bl, %ebx
	pop	%rdi

	/* The guest may have trained the return stack buffer. */
	FILL_RETURN_BUFFER %rcx, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT

	/* Leave no guest values in registers the caller may speculate on. */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d

	mov	%ebx, %eax
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
SYM_FUNC_END(vireo_vmx_enter)
