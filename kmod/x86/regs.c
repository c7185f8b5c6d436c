// SPDX-License-Identifier: GPL-2.0
/*
 * General registers in KVM's layout.  RSP, RIP and RFLAGS are left to the
 * backend: hardware keeps them in its control block.
 */
#include "x86/x86.h"

void x86_gprs_to_kvm(const struct x86_gprs *g, struct kvm_regs *regs)
{
	regs->rax = g->r[X86_RAX];
	regs->rbx = g->r[X86_RBX];
	regs->rcx = g->r[X86_RCX];
	regs->rdx = g->r[X86_RDX];
	regs->rsi = g->r[X86_RSI];
	regs->rdi = g->r[X86_RDI];
	regs->rbp = g->r[X86_RBP];
	regs->r8 = g->r[X86_R8];
	regs->r9 = g->r[X86_R9];
	regs->r10 = g->r[X86_R10];
	regs->r11 = g->r[X86_R11];
	regs->r12 = g->r[X86_R12];
	regs->r13 = g->r[X86_R13];
	regs->r14 = g->r[X86_R14];
	regs->r15 = g->r[X86_R15];
}

void x86_gprs_from_kvm(struct x86_gprs *g, const struct kvm_regs *regs)
{
	g->r[X86_RAX] = regs->rax;
	g->r[X86_RBX] = regs->rbx;
	g->r[X86_RCX] = regs->rcx;
	g->r[X86_RDX] = regs->rdx;
	g->r[X86_RSI] = regs->rsi;
	g->r[X86_RDI] = regs->rdi;
	g->r[X86_RBP] = regs->rbp;
	g->r[X86_R8] = regs->r8;
	g->r[X86_R9] = regs->r9;
	g->r[X86_R10] = regs->r10;
	g->r[X86_R11] = regs->r11;
	g->r[X86_R12] = regs->r12;
	g->r[X86_R13] = regs->r13;
	g->r[X86_R14] = regs->r14;
	g->r[X86_R15] = regs->r15;
}
