// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's MTRRs as registers: MTRRcap, MTRRdefType, the fixed-range
 * and 8 variable-range pairs, kept and checked as kvm.ko keeps them.  They
 * change nothing in the nested page tables (memory is write-back there
 * whatever the guest asks), but VMMs save and restore them: QEMU writes
 * every one at each vCPU reset, whatever CPUID says, and aborts on the
 * first one refused.
 */
#include <asm/msr-index.h>
#include <linux/bits.h>
#include <linux/nospec.h>

#include "x86/x86.h"

/* MTRRcap: write-combining and fixed ranges, X86_MTRR_VAR pairs. */
#define X86_MTRR_CAP		(BIT_ULL(10) | BIT_ULL(8) | X86_MTRR_VAR)
#define X86_MTRR_VAR_FIRST	0x200
#define X86_MTRR_VAR_END	(X86_MTRR_VAR_FIRST + 2 * X86_MTRR_VAR)

/* MSR numbers (msr-index.h spells them in CamelCase) */
#define X86_MSR_MTRR_CAP	0xfe
#define X86_MSR_MTRR_DEFTYPE	0x2ff

/* 64K at 0, 16K at 0x80000 and 0xa0000, 4K from 0xc0000 to 0xf8000 */
static const u32 x86_mtrr_fixed_msrs[X86_MTRR_FIXED] = {
	0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b, 0x26c, 0x26d,
	0x26e, 0x26f,
};

static int x86_mtrr_fixed(u32 index)
{
	int i;

	for (i = 0; i < X86_MTRR_FIXED; i++)
		if (x86_mtrr_fixed_msrs[i] == index)
			return i;
	return -1;
}

/* UC, WC, WT, WP, WB */
static bool x86_mtrr_type_ok(u64 t)
{
	return t < 8 && (BIT(t) & 0x73);
}

/* Bits above the guest's physical-address width (CPUID 0x80000008). */
static u64 x86_mtrr_rsvd(const struct x86_cpuid *c)
{
	u32 out[4];
	unsigned int w = 36;

	x86_cpuid_lookup(c, 0x80000000, 0, out);
	if (out[0] >= 0x80000008) {
		x86_cpuid_lookup(c, 0x80000008, 0, out);
		w = out[0] & 0xff;
	}
	return w >= 64 ? 0 : GENMASK_ULL(63, w);
}

/**
 * x86_is_mtrr_msr - is @index one of the MTRRs handled here?
 * @index: the MSR
 *
 * Return: true for MTRRcap, MTRRdefType, the fixed and variable ranges.
 */
bool x86_is_mtrr_msr(u32 index)
{
	return index == X86_MSR_MTRR_CAP || index == X86_MSR_MTRR_DEFTYPE ||
	       x86_mtrr_fixed(index) >= 0 ||
	       (index >= X86_MTRR_VAR_FIRST && index < X86_MTRR_VAR_END);
}

/**
 * x86_mtrr_get - read an MTRR
 * @m: the vCPU's MTRRs
 * @c: its CPUID
 * @index: an MSR for which x86_is_mtrr_msr() holds
 * @data: its value
 */
void x86_mtrr_get(const struct x86_mtrr *m, const struct x86_cpuid *c,
		  u32 index, u64 *data)
{
	int i = x86_mtrr_fixed(index);

	if (index == X86_MSR_MTRR_CAP)
		*data = X86_MTRR_CAP;
	else if (index == X86_MSR_MTRR_DEFTYPE)
		*data = m->deftype;
	else if (i >= 0)
		*data = m->fixed[i];
	else
		*data = m->var[array_index_nospec(index - X86_MTRR_VAR_FIRST,
						  2 * X86_MTRR_VAR)] &
			~x86_mtrr_rsvd(c);
}

/**
 * x86_mtrr_set - write an MTRR
 * @m: the vCPU's MTRRs
 * @c: its CPUID
 * @index: an MSR for which x86_is_mtrr_msr() holds
 * @data: the value
 *
 * Return: 0, or 1 for a read-only register or a bad value (#GP).
 */
int x86_mtrr_set(struct x86_mtrr *m, const struct x86_cpuid *c, u32 index,
		 u64 data)
{
	int i = x86_mtrr_fixed(index), b;
	u64 rsvd;

	if (index == X86_MSR_MTRR_CAP)
		return 1;
	if (index == X86_MSR_MTRR_DEFTYPE) {
		/* Type, FE (bit 10) and E (bit 11) only. */
		if ((data & ~0xcffULL) || !x86_mtrr_type_ok(data & 0xff))
			return 1;
		m->deftype = data;
		return 0;
	}
	if (i >= 0) {
		for (b = 0; b < 64; b += 8)
			if (!x86_mtrr_type_ok((data >> b) & 0xff))
				return 1;
		m->fixed[i] = data;
		return 0;
	}
	rsvd = x86_mtrr_rsvd(c);
	if (!(index & 1)) {
		/* PhysBase: type, and bits 11:8 reserved */
		if (!x86_mtrr_type_ok(data & 0xff))
			return 1;
		rsvd |= 0xf00;
	} else {
		/* PhysMask: bit 11 is "valid", 10:0 reserved */
		rsvd |= 0x7ff;
	}
	if (data & rsvd)
		return 1;
	m->var[array_index_nospec(index - X86_MTRR_VAR_FIRST,
				  2 * X86_MTRR_VAR)] = data;
	return 0;
}
