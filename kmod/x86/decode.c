// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO instruction decoder: the MOV family, MOVZX and MOVSX, STOS and MOVS
 * (memset_io and memcpy_toio/fromio), in 16-, 32- and 64-bit code.  Only
 * what the access needs is decoded: the memory address is known from the
 * fault, so ModRM's memory operand is skipped, not computed.  String
 * operations name their addresses through rSI/rDI, which the caller steps.
 */
#include "x86/decode.h"

#ifndef __KERNEL__
#include <errno.h>
#include <string.h>
#else
#include <linux/errno.h>
#include <linux/string.h>
#endif

struct cursor {
	const u8 *b;
	unsigned int pos, avail;
};

static int next(struct cursor *c, u8 *out)
{
	if (c->pos >= c->avail || c->pos >= X86_MAX_INSN_LEN)
		return -EINVAL;
	*out = c->b[c->pos++];
	return 0;
}

static int skip(struct cursor *c, unsigned int n)
{
	if (c->pos + n > c->avail || c->pos + n > X86_MAX_INSN_LEN)
		return -EINVAL;
	c->pos += n;
	return 0;
}

static u64 read_imm(const u8 *b, unsigned int n)
{
	u64 v = 0;

	while (n--)
		v = v << 8 | b[n];
	return v;
}

/* Step over ModRM's memory operand; returns the reg field's value. */
static int modrm(struct cursor *c, unsigned int asize, u8 rex, u8 *reg)
{
	u8 m, mod, rm, sib;

	if (next(c, &m))
		return -EINVAL;
	mod = m >> 6;
	rm = m & 7;
	*reg = ((m >> 3) & 7) | ((rex & 4) << 1);
	/* A register operand cannot be MMIO. */
	if (mod == 3)
		return -EINVAL;
	if (asize == 2) {
		if (mod == 0 && rm == 6)
			return skip(c, 2);
		return skip(c, mod == 1 ? 1 : mod == 2 ? 2 : 0);
	}
	if (rm == 4) {
		if (next(c, &sib))
			return -EINVAL;
		if (mod == 0 && (sib & 7) == 5)
			return skip(c, 4);
	}
	if (mod == 0 && rm == 5)
		return skip(c, 4);
	return skip(c, mod == 1 ? 1 : mod == 2 ? 4 : 0);
}

int x86_decode(const u8 *b, unsigned int avail, unsigned int mode,
	       struct x86_insn *insn)
{
	struct cursor c = { .b = b, .avail = avail };
	unsigned int osize = mode == 8 ? 4 : mode, asize = mode;
	u8 op, rex = 0, reg;
	bool opsize_prefix = false;

	memset(insn, 0, sizeof(*insn));
	insn->seg = X86_DS;
	for (;;) {
		if (next(&c, &op))
			return -EINVAL;
		if (op == 0x66) {
			opsize_prefix = true;
		} else if (op == 0x67) {
			asize = mode == 8 ? 4 : mode == 4 ? 2 : 4;
		} else if (op == 0x26 || op == 0x2e || op == 0x36 ||
			   op == 0x3e) {
			insn->seg = (op >> 3) & 3;
		} else if (op == 0x64 || op == 0x65) {
			insn->seg = op == 0x64 ? X86_FS : X86_GS;
		} else if (op == 0xf2 || op == 0xf3) {
			/* REPNE acts as REP on STOS and MOVS. */
			insn->rep = true;
		} else if (op != 0xf0) {
			break;
		}
	}
	if (opsize_prefix)
		osize = osize == 2 ? 4 : 2;
	if (mode == 8 && (op & 0xf0) == 0x40) {
		rex = op;
		if (rex & 8)
			osize = 8;
		if (next(&c, &op))
			return -EINVAL;
	}

	switch (op) {
	case 0x88: case 0x89: case 0x8a: case 0x8b:
		if (modrm(&c, asize, rex, &reg))
			return -EINVAL;
		insn->size = (op & 1) ? osize : 1;
		insn->reg_size = insn->size;
		insn->op = (op & 2) ? X86_MMIO_LOAD : X86_MMIO_STORE_REG;
		break;
	case 0xc6: case 0xc7: {
		unsigned int isize;

		if (modrm(&c, asize, rex, &reg) || (reg & 7))
			return -EINVAL;
		insn->size = op == 0xc6 ? 1 : osize;
		isize = insn->size > 4 ? 4 : insn->size;
		if (skip(&c, isize))
			return -EINVAL;
		insn->imm = read_imm(b + c.pos - isize, isize);
		/* imm32 with REX.W is sign-extended. */
		if (insn->size == 8 && (insn->imm & 0x80000000))
			insn->imm |= 0xffffffff00000000ULL;
		insn->op = X86_MMIO_STORE_IMM;
		reg = 0;
		break;
	}
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
		if (skip(&c, asize))
			return -EINVAL;
		insn->size = (op & 1) ? osize : 1;
		insn->reg_size = insn->size;
		insn->op = (op & 2) ? X86_MMIO_STORE_REG : X86_MMIO_LOAD;
		reg = 0;
		break;
	case 0xa4: case 0xa5: case 0xaa: case 0xab:
		insn->size = (op & 1) ? osize : 1;
		insn->reg_size = insn->size;
		insn->op = op >= 0xaa ? X86_MMIO_STOS : X86_MMIO_MOVS;
		reg = 0;
		break;
	case 0x0f:
		if (next(&c, &op))
			return -EINVAL;
		if (op != 0xb6 && op != 0xb7 && op != 0xbe && op != 0xbf)
			return -EINVAL;
		if (modrm(&c, asize, rex, &reg))
			return -EINVAL;
		insn->size = (op & 1) ? 2 : 1;
		insn->reg_size = osize;
		insn->op = (op & 8) ? X86_MMIO_LOAD_SX : X86_MMIO_LOAD;
		break;
	default:
		return -EINVAL;
	}
	/* A repeat prefix means nothing to the other instructions. */
	if (insn->rep && insn->op != X86_MMIO_STOS && insn->op != X86_MMIO_MOVS)
		return -EINVAL;
	insn->asize = asize;
	insn->reg = reg;
	/* Without REX, byte registers 4-7 are AH, CH, DH and BH. */
	if (insn->reg_size == 1 && !rex && reg >= 4 && reg < 8) {
		insn->reg = reg - 4;
		insn->high_byte = true;
	}
	insn->len = c.pos;
	return 0;
}

static u64 size_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

u64 x86_store_value(const struct x86_insn *insn, const u64 *gprs)
{
	u64 v;

	if (insn->op == X86_MMIO_STORE_IMM)
		return insn->imm & size_mask(insn->size);
	v = gprs[insn->reg];
	if (insn->high_byte)
		v >>= 8;
	return v & size_mask(insn->size);
}

void x86_load_result(const struct x86_insn *insn, u64 *gprs, u64 data)
{
	u64 *r = &gprs[insn->reg];
	unsigned int bits = insn->size * 8;

	data &= size_mask(insn->size);
	if (insn->op == X86_MMIO_LOAD_SX && bits < 64 &&
	    (data >> (bits - 1)) & 1)
		data |= ~size_mask(insn->size);
	data &= size_mask(insn->reg_size);
	if (insn->high_byte)
		*r = (*r & ~0xff00ULL) | data << 8;
	else if (insn->reg_size == 4)
		*r = data;	/* 32-bit results clear the upper half */
	else if (insn->reg_size == 8)
		*r = data;
	else
		*r = (*r & ~size_mask(insn->reg_size)) | data;
}
