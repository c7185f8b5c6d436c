/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exits that userspace completes (port I/O, MMIO, and their string forms),
 * for both backends.
 *
 * The kvm_run page is mapped writable into the VMM, and any thread of it
 * can rewrite the exit description between KVM_RUN calls.  So everything
 * the completion relies on (direction, size, count, where the data is) is
 * kept here, in the vCPU, when the exit is made; from kvm_run only the
 * data of a read is taken, and only as many bytes as the exit asked for.
 */
#ifndef VIREO_X86_UEXIT_H
#define VIREO_X86_UEXIT_H

#include "x86/strmmio.h"

enum x86_uexit_kind {
	X86_UEXIT_NONE,
	X86_UEXIT_PIO,
	X86_UEXIT_MMIO,
	X86_UEXIT_PIO_STR,
	X86_UEXIT_MMIO_STR,
	X86_UEXIT_RDMSR,
	X86_UEXIT_WRMSR,
	X86_UEXIT_HYPERCALL,
};

/**
 * struct x86_uexit - an exit waiting for userspace
 * @kind: enum x86_uexit_kind
 * @size: bytes of a plain IN
 * @in: a plain IN, or a plain MMIO read
 * @longmode: a hypercall from 64-bit code (else its answer is 32 bits)
 * @rip: the instruction that exited
 * @next_rip: the instruction after it
 * @insn: a plain MMIO access
 * @strio: INS or OUTS
 * @str: STOS or MOVS on MMIO
 */
struct x86_uexit {
	u8 kind;
	u8 size;
	bool in;
	bool longmode;
	u64 rip;
	u64 next_rip;
	struct x86_insn insn;
	struct x86_strio strio;
	struct x86_str_state str;
};

/* x86_uexit_complete(): nothing was pending, or it was abandoned. */
#define X86_STR_IDLE	(-1)
/* x86_uexit_complete(): userspace refused the MSR access: #GP, RIP stays. */
#define X86_UEXIT_GP	(-2)

int x86_uexit_pio(struct x86_uexit *u, struct vireo_vm *vm,
		  struct kvm_run *run, u16 port, unsigned int size, bool in,
		  u64 rax, u64 rip, u64 next_rip);
int x86_uexit_pio_string(struct x86_uexit *u, struct x86_str_view *v,
			 const struct x86_strio *io, struct kvm_run *run,
			 u64 rip, u64 next_rip);
int x86_uexit_mmio(struct x86_uexit *u, struct x86_str_view *v,
		   const struct x86_insn *insn, u64 gpa, struct kvm_run *run,
		   u64 rip);
bool x86_uexit_pio_kernel(struct vireo_vm *vm, u16 port, unsigned int size,
			  bool in, u64 *rax);
int x86_uexit_complete(struct x86_uexit *u, struct x86_str_view *v, u64 rip,
		       const struct kvm_run *run);

#endif
