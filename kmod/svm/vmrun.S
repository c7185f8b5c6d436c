/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The world switch.  Called with GIF clear; guest RAX, RSP, RIP and RFLAGS
 * travel in the VMCB, the other GPRs in struct x86_gprs (8 bytes each, in
 * encoding order).
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>

#define GPR(n)	((n) * 8)

/* void vireo_svm_vmrun(struct x86_gprs *gprs, u64 vmcb_pa, u64 host_pa) */
SYM_FUNC_START(vireo_svm_vmrun)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rdi
	push	%rdx
	push	%rsi

	/* VMRUN saves only part of the host; VMSAVE keeps FS, GS, TR, syscall MSRs. */
	mov	%rdx, %rax
	vmsave	%rax

	mov	GPR(1)(%rdi), %rcx
	mov	GPR(2)(%rdi), %rdx
	mov	GPR(3)(%rdi), %rbx
	mov	GPR(5)(%rdi), %rbp
	mov	GPR(6)(%rdi), %rsi
	mov	GPR(8)(%rdi), %r8
	mov	GPR(9)(%rdi), %r9
	mov	GPR(10)(%rdi), %r10
	mov	GPR(11)(%rdi), %r11
	mov	GPR(12)(%rdi), %r12
	mov	GPR(13)(%rdi), %r13
	mov	GPR(14)(%rdi), %r14
	mov	GPR(15)(%rdi), %r15
	mov	GPR(7)(%rdi), %rdi

	pop	%rax
	vmload	%rax
	vmrun	%rax
	vmsave	%rax

	/* Stack: guest RDI (pushed now), host_pa, gprs. */
	push	%rdi
	mov	2*8(%rsp), %rdi
	mov	%rcx, GPR(1)(%rdi)
	mov	%rdx, GPR(2)(%rdi)
	mov	%rbx, GPR(3)(%rdi)
	mov	%rbp, GPR(5)(%rdi)
	mov	%rsi, GPR(6)(%rdi)
	mov	%r8, GPR(8)(%rdi)
	mov	%r9, GPR(9)(%rdi)
	mov	%r10, GPR(10)(%rdi)
	mov	%r11, GPR(11)(%rdi)
	mov	%r12, GPR(12)(%rdi)
	mov	%r13, GPR(13)(%rdi)
	mov	%r14, GPR(14)(%rdi)
	mov	%r15, GPR(15)(%rdi)
	pop	GPR(7)(%rdi)

	pop	%rax
	vmload	%rax
	pop	%rdi

	/* Leave no guest values in registers the caller may speculate on. */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d

	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
SYM_FUNC_END(vireo_svm_vmrun)
