/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decoder for the instructions guests use on MMIO.  Pure: it also builds
 * for userspace unit tests (kmod/pure.mk).
 */
#ifndef VIREO_X86_DECODE_H
#define VIREO_X86_DECODE_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/bits.h>
#else
#include <linux/types.h>
#include <stdbool.h>
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
#define BIT_ULL(n)	(1ULL << (n))
#endif

#define X86_MAX_INSN_LEN	15

enum x86_mmio_op {
	X86_MMIO_LOAD,		/* reg <- mem, zero-extended to reg size */
	X86_MMIO_LOAD_SX,	/* reg <- mem, sign-extended to reg size */
	X86_MMIO_STORE_REG,	/* mem <- reg */
	X86_MMIO_STORE_IMM,	/* mem <- imm */
	X86_MMIO_STOS,		/* ES:rDI <- rAX, then rDI steps */
	X86_MMIO_MOVS,		/* ES:rDI <- seg:rSI, then both step */
};

/* Segment register numbers, in the order of their encodings. */
enum x86_seg { X86_ES, X86_CS, X86_SS, X86_DS, X86_FS, X86_GS };

struct x86_insn {
	u8 len;
	u8 op;		/* enum x86_mmio_op */
	u8 size;	/* bytes accessed in memory */
	u8 reg_size;	/* bytes of the register operand */
	u8 reg;		/* register number, 0-15 */
	bool high_byte;	/* AH, CH, DH or BH */
	bool rep;	/* F3 or F2: repeat rCX times (string ops) */
	u8 asize;	/* address size: 2, 4 or 8 */
	u8 seg;		/* enum x86_seg: MOVS's source segment */
	u64 imm;
};

/* Operand and address size defaults: 2, 4 or 8 (long mode). */
int x86_decode(const u8 *b, unsigned int avail, unsigned int mode,
	       struct x86_insn *insn);

/* Value a store writes, from the register file for STORE_REG. */
u64 x86_store_value(const struct x86_insn *insn, const u64 *gprs);
/* Apply a load's @data to the register file. */
void x86_load_result(const struct x86_insn *insn, u64 *gprs, u64 data);

#endif
