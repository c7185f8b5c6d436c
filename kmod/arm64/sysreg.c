// SPDX-License-Identifier: GPL-2.0
/*
 * Trapped system registers: the ID registers read as the host's sanitised
 * values without what the guest is not given (SVE, SME, MTE, pointer
 * authentication, PMU, statistical profiling, trace, AMU, MPAM, RAS,
 * LORegions, EL2), the debug registers are plain storage (the guest's own
 * breakpoints are not armed yet), the SGI registers go to the in-kernel
 * GIC, everything else is an UNDEF.
 */
#include <asm/cpufeature.h>
#include <asm/esr.h>
#include <asm/sysreg.h>

#include "arm64/arm64.h"

/* Clear 4-bit ID fields by their low bit numbers. */
static u64 a64_hide(u64 v, const u8 *shifts, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		v &= ~(0xfULL << shifts[i]);
	return v;
}

static const u8 a64_pfr0_hidden[] = {
	ID_AA64PFR0_EL1_SVE_SHIFT, ID_AA64PFR0_EL1_AMU_SHIFT,
	ID_AA64PFR0_EL1_MPAM_SHIFT, ID_AA64PFR0_EL1_SEL2_SHIFT,
	ID_AA64PFR0_EL1_RAS_SHIFT, ID_AA64PFR0_EL1_EL2_SHIFT,
	ID_AA64PFR0_EL1_RME_SHIFT,
};

/* SME 24, MTE 8, RAS_frac 12, MPAM_frac 16, NMI 36 */
static const u8 a64_pfr1_hidden[] = { 24, 8, 12, 16, 36 };
/* APA 4, API 8, GPA 24, GPI 28 */
static const u8 a64_isar1_hidden[] = { 4, 8, 24, 28 };
/* GPA3 8, APA3 12 */
static const u8 a64_isar2_hidden[] = { 8, 12 };
/* TraceVer 4, PMUVer 8, PMSVer 32, TraceFilt 40, TraceBuffer 44, MTPMU 48, BRBE 52 */
static const u8 a64_dfr0_hidden[] = { 4, 8, 32, 40, 44, 48, 52 };
/* LO 16 */
static const u8 a64_mmfr1_hidden[] = { 16 };
/* AArch32 ID_DFR0: PerfMon 24 */
static const u8 a64_aa32_dfr0_hidden[] = { 24 };

/* An ID register (op0 3, op1 0, CRn 0, CRm 1-7) as the guest reads it. */
static u64 a64_id_reg(u32 reg)
{
	switch (reg) {
	case SYS_ID_AA64PFR0_EL1:
		return a64_hide(read_sanitised_ftr_reg(reg), a64_pfr0_hidden,
				ARRAY_SIZE(a64_pfr0_hidden));
	case SYS_ID_AA64PFR1_EL1:
		return a64_hide(read_sanitised_ftr_reg(reg), a64_pfr1_hidden,
				ARRAY_SIZE(a64_pfr1_hidden));
	case SYS_ID_AA64ISAR1_EL1:
		return a64_hide(read_sanitised_ftr_reg(reg), a64_isar1_hidden,
				ARRAY_SIZE(a64_isar1_hidden));
	case SYS_ID_AA64ISAR2_EL1:
		return a64_hide(read_sanitised_ftr_reg(reg), a64_isar2_hidden,
				ARRAY_SIZE(a64_isar2_hidden));
	case SYS_ID_AA64DFR0_EL1:
		return a64_hide(read_sanitised_ftr_reg(reg), a64_dfr0_hidden,
				ARRAY_SIZE(a64_dfr0_hidden));
	case SYS_ID_AA64MMFR1_EL1:
		return a64_hide(read_sanitised_ftr_reg(reg), a64_mmfr1_hidden,
				ARRAY_SIZE(a64_mmfr1_hidden));
	case SYS_ID_DFR0_EL1:
		return a64_hide(read_sanitised_ftr_reg(reg), a64_aa32_dfr0_hidden,
				ARRAY_SIZE(a64_aa32_dfr0_hidden));
	case SYS_ID_AA64ISAR0_EL1:
	case SYS_ID_AA64MMFR0_EL1:
	case SYS_ID_AA64MMFR2_EL1:
	case SYS_ID_PFR0_EL1:
	case SYS_ID_PFR1_EL1:
	case SYS_ID_PFR2_EL1:
	case SYS_ID_DFR1_EL1:
	case SYS_ID_MMFR0_EL1:
	case SYS_ID_MMFR1_EL1:
	case SYS_ID_MMFR2_EL1:
	case SYS_ID_MMFR3_EL1:
	case SYS_ID_MMFR4_EL1:
	case SYS_ID_MMFR5_EL1:
	case SYS_ID_ISAR0_EL1:
	case SYS_ID_ISAR1_EL1:
	case SYS_ID_ISAR2_EL1:
	case SYS_ID_ISAR3_EL1:
	case SYS_ID_ISAR4_EL1:
	case SYS_ID_ISAR5_EL1:
	case SYS_ID_ISAR6_EL1:
	case SYS_MVFR0_EL1:
	case SYS_MVFR1_EL1:
	case SYS_MVFR2_EL1:
		return read_sanitised_ftr_reg(reg);
	default:
		/* SVE's and SME's ID registers, and unallocated ones. */
		return 0;
	}
}

/* A trapped register's encoding, from the syndrome. */
struct a64_sysenc {
	u32 op0, op1, crn, crm, op2;
};

/* The debug registers: kept for the guest, never loaded into the CPU. */
static bool a64_debug_reg(struct a64_vcpu *a, const struct a64_sysenc *r,
			  bool read, u64 *val)
{
	u32 reg = sys_reg(r->op0, r->op1, r->crn, r->crm, r->op2);
	struct a64_debug *d = &a->dbg;
	u64 *p = NULL;

	switch (reg) {
	case SYS_MDSCR_EL1:
		p = &d->mdscr;
		break;
	case SYS_MDCCINT_EL1:
		p = &d->mdccint;
		break;
	case SYS_OSDLR_EL1:
		p = &d->osdlr;
		break;
	case SYS_OSLAR_EL1:
		if (read)
			return false;
		d->oslk = *val & 1;
		return true;
	case SYS_OSLSR_EL1:
		if (!read)
			return false;
		*val = SYS_OSLSR_OSLM_IMPLEMENTED | (d->oslk ? SYS_OSLSR_OSLK : 0);
		return true;
	case SYS_DBGCLAIMSET_EL1:
	case SYS_DBGCLAIMCLR_EL1:
	case SYS_MDCCSR_EL0:
	case SYS_DBGAUTHSTATUS_EL1:
		if (read)
			*val = 0;
		return true;
	default:
		break;
	}
	/* DBGBVR<n>, DBGBCR<n>, DBGWVR<n>, DBGWCR<n>: n in CRm */
	if (!p && r->op0 == 2 && r->op1 == 0 && r->crn == 0) {
		switch (r->op2) {
		case 4:
			p = &d->bvr[r->crm];
			break;
		case 5:
			p = &d->bcr[r->crm];
			break;
		case 6:
			p = &d->wvr[r->crm];
			break;
		case 7:
			p = &d->wcr[r->crm];
			break;
		}
	}
	if (!p)
		return false;
	if (read)
		*val = *p;
	else
		*p = *val;
	return true;
}

/**
 * a64_sysreg - a guest MRS or MSR that trapped (EC 0x18)
 * @a: the vCPU
 * @esr: the syndrome: which register, which general register, which way
 *
 * Emulates what this file knows and steps past it; injects an UNDEF for
 * the rest.
 */
void a64_sysreg(struct a64_vcpu *a, u64 esr)
{
	struct a64_sysenc r = {
		.op0 = (esr >> 20) & 3,
		.op2 = (esr >> 17) & 7,
		.op1 = (esr >> 14) & 7,
		.crn = (esr >> 10) & 0xf,
		.crm = (esr >> 1) & 0xf,
	};
	unsigned int rt = (esr >> 5) & 0x1f;
	bool read = esr & 1, ok;
	u64 val = read ? 0 : a64_get_x(a, rt);

	if (r.op0 == 3 && r.op1 == 0 && r.crn == 0 && r.crm >= 1 && r.crm <= 7) {
		ok = read;
		val = a64_id_reg(sys_reg(r.op0, r.op1, r.crn, r.crm, r.op2));
	} else if (r.op0 == 3 && r.op1 == 0 && r.crn == 12 && r.crm == 11 &&
		   r.op2 >= 5) {
		/* ICC_SGI1R_EL1 (5), ICC_ASGI1R_EL1 (6), ICC_SGI0R_EL1 (7) */
		ok = !read && a64_vgic_sgi(a->vcpu, val, r.op2 == 5);
	} else {
		ok = a64_debug_reg(a, &r, read, &val);
	}
	if (!ok) {
		a64_inject_undef(a);
		return;
	}
	if (read)
		a64_set_x(a, rt, val);
	a->pc += 4;
}
