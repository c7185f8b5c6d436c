/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Assembler macros for the world switches (kmod/svm/vmrun.S,
 * kmod/vmx/vmenter.S): moving guest GPRs between the CPU and struct
 * x86_gprs (8 bytes each, in encoding order), and the host frame around
 * the switch.  RAX and RSP are the backend's: the hardware carries them
 * differently.  Only macros: included by those files, never built alone.
 */
#ifndef VIREO_X86_SWITCH_ASM_S
#define VIREO_X86_SWITCH_ASM_S

/* One register, unless it is @base, the pointer to struct x86_gprs. */
.macro X86_GPR_OP op, reg, n, base
.ifnc \reg, \base
.ifc \op, load
	mov	(\n * 8)(\base), \reg
.else
	mov	\reg, (\n * 8)(\base)
.endif
.endif
.endm

/* Every GPR but RAX, RSP and @base itself, from or to @base. */
.macro X86_GPRS op, base
	X86_GPR_OP \op, %rcx, 1, \base
	X86_GPR_OP \op, %rdx, 2, \base
	X86_GPR_OP \op, %rbx, 3, \base
	X86_GPR_OP \op, %rbp, 5, \base
	X86_GPR_OP \op, %rsi, 6, \base
	X86_GPR_OP \op, %rdi, 7, \base
	X86_GPR_OP \op, %r8, 8, \base
	X86_GPR_OP \op, %r9, 9, \base
	X86_GPR_OP \op, %r10, 10, \base
	X86_GPR_OP \op, %r11, 11, \base
	X86_GPR_OP \op, %r12, 12, \base
	X86_GPR_OP \op, %r13, 13, \base
	X86_GPR_OP \op, %r14, 14, \base
	X86_GPR_OP \op, %r15, 15, \base
.endm

/* The host's callee-saved registers, under a frame pointer. */
.macro X86_SWITCH_ENTER
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
.endm

.macro X86_SWITCH_LEAVE
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
.endm

/*
 * Leave no guest values in caller-saved registers the host may speculate
 * on; the callee-saved ones get the host's back from X86_SWITCH_LEAVE.
 */
.macro X86_CLEAR_GUEST_GPRS
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d
.endm

#endif
