/* SPDX-License-Identifier: GPL-2.0 */
/*
 * String instructions that exit, for both backends: STOS and MOVS on MMIO,
 * INS and OUTS.  The backend describes the vCPU in a struct x86_str_view
 * and keeps the state between the exit and its completion.
 */
#ifndef VIREO_X86_STRMMIO_H
#define VIREO_X86_STRMMIO_H

#include "x86/x86.h"
#include "x86/walk.h"

struct vireo_vm;

/**
 * struct x86_str_view - what string emulation needs of a vCPU
 * @gprs: the register file with RAX and RSP current; updated in place
 * @rflags: for DF
 * @seg_base: segment bases, in encoding order (enum x86_seg)
 * @long_mode: 64-bit code, where ES, CS, SS and DS have no base
 * @pg: the guest's paging state, to translate rSI and rDI
 * @vm: whose memory
 */
struct x86_str_view {
	u64 *gprs;
	u64 rflags;
	u64 seg_base[6];
	bool long_mode;
	struct x86_paging pg;
	struct vireo_vm *vm;
};

/**
 * struct x86_str_state - one element between its exit and its completion
 * @insn: the instruction
 * @dst_gpa: where the element goes
 * @reading: the exit reads a MOVS source; the store comes on completion
 */
struct x86_str_state {
	struct x86_insn insn;
	u64 dst_gpa;
	bool reading;
};

/* What the backend does next: RIP moves on, stays, or userspace runs. */
enum { X86_STR_DONE, X86_STR_AGAIN, X86_STR_EXIT };

/**
 * struct x86_strio - an INS or OUTS as the exit describes it
 * @port: the I/O port
 * @size: bytes per element: 1, 2 or 4
 * @asize: address size: 2, 4 or 8
 * @seg: OUTS's source segment (enum x86_seg); INS always writes ES
 * @in: INS
 * @rep: with a REP prefix
 * @lin: where the elements are (filled in by x86_string_io())
 * @count: elements in this exit (filled in by x86_string_io())
 */
struct x86_strio {
	u16 port;
	u8 size;
	u8 asize;
	u8 seg;
	bool in;
	bool rep;
	u64 lin;
	unsigned int count;
};

int x86_string_io(struct x86_str_view *v, struct x86_strio *io,
		  struct kvm_run *run);
int x86_string_io_complete(struct x86_str_view *v, const struct x86_strio *io,
			   const struct kvm_run *run);

int x86_string_mmio(struct x86_str_view *v, struct x86_str_state *st,
		    const struct x86_insn *insn, struct kvm_run *run);
int x86_string_complete(struct x86_str_view *v, struct x86_str_state *st,
			const struct kvm_run *run);

#endif
