/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The world switch and Vireo's EL2 vectors.  The host kernel runs at EL2
 * (VHE) on its own stack: entering the guest is an ERET from here to EL1,
 * and every exception the guest takes to EL2 comes back through the
 * vectors below, on the same stack, to return from a64_switch().
 */
#include <linux/linkage.h>
#include <asm/assembler.h>

#include "arm64/regs.h"

/*
 * The host's frame, kept on its stack while the guest runs: the guest
 * register block first (the vectors find it at [sp] after their own push),
 * then what the AAPCS64 makes the callee keep, and SP_EL0 (the kernel's
 * "current").
 */
#define FRAME_GREGS	0
#define FRAME_X18	8
#define FRAME_X19	16
#define FRAME_X29	96
#define FRAME_SP_EL0	112
#define FRAME_SIZE	128

/* u64 a64_switch(struct a64_gregs *g): ELR_EL2/SPSR_EL2 hold the guest's PC/PSTATE. */
SYM_FUNC_START(a64_switch)
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x18, [sp, #FRAME_GREGS]
	stp	x19, x20, [sp, #FRAME_X19]
	stp	x21, x22, [sp, #FRAME_X19 + 16]
	stp	x23, x24, [sp, #FRAME_X19 + 32]
	stp	x25, x26, [sp, #FRAME_X19 + 48]
	stp	x27, x28, [sp, #FRAME_X19 + 64]
	stp	x29, x30, [sp, #FRAME_X29]
	mrs	x1, sp_el0
	str	x1, [sp, #FRAME_SP_EL0]

	ldr	x1, [x0, #A64_GREGS_SP_EL0]
	msr	sp_el0, x1
	ldp	x2, x3, [x0, #16]
	ldp	x4, x5, [x0, #32]
	ldp	x6, x7, [x0, #48]
	ldp	x8, x9, [x0, #64]
	ldp	x10, x11, [x0, #80]
	ldp	x12, x13, [x0, #96]
	ldp	x14, x15, [x0, #112]
	ldp	x16, x17, [x0, #128]
	ldp	x18, x19, [x0, #144]
	ldp	x20, x21, [x0, #160]
	ldp	x22, x23, [x0, #176]
	ldp	x24, x25, [x0, #192]
	ldp	x26, x27, [x0, #208]
	ldp	x28, x29, [x0, #224]
	ldr	x30, [x0, #240]
	ldp	x0, x1, [x0, #0]
	eret
	/* Nothing after the ERET may run, even speculatively. */
	dsb	nsh
	isb
SYM_FUNC_END(a64_switch)

/*
 * The guest left through a vector with x0 and x1 pushed and the exit code
 * in x1: store its registers, take the host's back, return the code.
 */
SYM_CODE_START_LOCAL(a64_exit)
	ldr	x0, [sp, #16 + FRAME_GREGS]
	stp	x2, x3, [x0, #16]
	stp	x4, x5, [x0, #32]
	stp	x6, x7, [x0, #48]
	stp	x8, x9, [x0, #64]
	stp	x10, x11, [x0, #80]
	stp	x12, x13, [x0, #96]
	stp	x14, x15, [x0, #112]
	stp	x16, x17, [x0, #128]
	stp	x18, x19, [x0, #144]
	stp	x20, x21, [x0, #160]
	stp	x22, x23, [x0, #176]
	stp	x24, x25, [x0, #192]
	stp	x26, x27, [x0, #208]
	stp	x28, x29, [x0, #224]
	str	x30, [x0, #240]
	ldp	x2, x3, [sp], #16
	stp	x2, x3, [x0, #0]
	mrs	x2, sp_el0
	str	x2, [x0, #A64_GREGS_SP_EL0]

	ldr	x2, [sp, #FRAME_SP_EL0]
	msr	sp_el0, x2
	mov	x0, x1
	ldr	x18, [sp, #FRAME_X18]
	ldp	x19, x20, [sp, #FRAME_X19]
	ldp	x21, x22, [sp, #FRAME_X19 + 16]
	ldp	x23, x24, [sp, #FRAME_X19 + 32]
	ldp	x25, x26, [sp, #FRAME_X19 + 48]
	ldp	x27, x28, [sp, #FRAME_X19 + 64]
	ldp	x29, x30, [sp, #FRAME_X29]
	add	sp, sp, #FRAME_SIZE
	ret
SYM_CODE_END(a64_exit)

.macro	a64_vec_exit code
	.balign	0x80
	stp	x0, x1, [sp, #-16]!
	mov	x1, #\code
	b	a64_exit
.endm

/*
 * Exceptions at EL2 itself while these vectors are installed: only the
 * few instructions around the ERET run then, with every exception masked,
 * so none is expected.  Stop this CPU where a debugger sees why.
 */
.macro	a64_vec_hang
	.balign	0x80
1:	wfe
	b	1b
.endm

	.pushsection .text
	.balign	2048
SYM_CODE_START(a64_vectors)
	a64_vec_hang			/* EL2t: sync, IRQ, FIQ, SError */
	a64_vec_hang
	a64_vec_hang
	a64_vec_hang
	a64_vec_hang			/* EL2h */
	a64_vec_hang
	a64_vec_hang
	a64_vec_hang
	a64_vec_exit A64_EXIT_SYNC	/* the guest, AArch64 */
	a64_vec_exit A64_EXIT_IRQ
	a64_vec_exit A64_EXIT_FIQ
	a64_vec_exit A64_EXIT_SERROR
	a64_vec_exit A64_EXIT_SYNC	/* the guest, AArch32 EL0 */
	a64_vec_exit A64_EXIT_IRQ
	a64_vec_exit A64_EXIT_FIQ
	a64_vec_exit A64_EXIT_SERROR
SYM_CODE_END(a64_vectors)
	.popsection

/* void a64_fp_load(const struct user_fpsimd_state *fp) */
SYM_FUNC_START(a64_fp_load)
	ldp	q0, q1, [x0, #0]
	ldp	q2, q3, [x0, #32]
	ldp	q4, q5, [x0, #64]
	ldp	q6, q7, [x0, #96]
	ldp	q8, q9, [x0, #128]
	ldp	q10, q11, [x0, #160]
	ldp	q12, q13, [x0, #192]
	ldp	q14, q15, [x0, #224]
	ldp	q16, q17, [x0, #256]
	ldp	q18, q19, [x0, #288]
	ldp	q20, q21, [x0, #320]
	ldp	q22, q23, [x0, #352]
	ldp	q24, q25, [x0, #384]
	ldp	q26, q27, [x0, #416]
	ldp	q28, q29, [x0, #448]
	ldp	q30, q31, [x0, #480]
	ldr	w1, [x0, #512]
	ldr	w2, [x0, #516]
	msr	fpsr, x1
	msr	fpcr, x2
	ret
SYM_FUNC_END(a64_fp_load)

/* void a64_fp_save(struct user_fpsimd_state *fp) */
SYM_FUNC_START(a64_fp_save)
	stp	q0, q1, [x0, #0]
	stp	q2, q3, [x0, #32]
	stp	q4, q5, [x0, #64]
	stp	q6, q7, [x0, #96]
	stp	q8, q9, [x0, #128]
	stp	q10, q11, [x0, #160]
	stp	q12, q13, [x0, #192]
	stp	q14, q15, [x0, #224]
	stp	q16, q17, [x0, #256]
	stp	q18, q19, [x0, #288]
	stp	q20, q21, [x0, #320]
	stp	q22, q23, [x0, #352]
	stp	q24, q25, [x0, #384]
	stp	q26, q27, [x0, #416]
	stp	q28, q29, [x0, #448]
	stp	q30, q31, [x0, #480]
	mrs	x1, fpsr
	mrs	x2, fpcr
	str	w1, [x0, #512]
	str	w2, [x0, #516]
	ret
SYM_FUNC_END(a64_fp_save)
