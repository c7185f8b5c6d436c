// SPDX-License-Identifier: GPL-2.0
/*
 * What a guest must not reach: an unknown system register is an UNDEF at
 * the guest's own vector, SMC answers "not supported", MPIDR_EL1 is the
 * vCPU's own.  And what the guest changes in registers the host shares
 * (FP/SIMD, TPIDR_EL0) is the guest's only: the VMM's come back intact.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vt_arm64.h"

/*
 * Vectors at +0x800; the synchronous one for EL1h (+0x200) reports ESR
 * and ELR to MMIO 0 and 8 and returns past the instruction.
 */
VA_GUEST(g_traps,
	"adr x0, g_traps_start + 0x800\n"
	"msr vbar_el1, x0\n"
	"isb\n"
	"ldr x5, =0x10000000\n"
	"mrs x1, s3_0_c15_c0_0\n"
	"mov x0, #0x77\n"
	"smc #0\n"
	"str x0, [x5, #16]\n"
	"mrs x1, mpidr_el1\n"
	"str x1, [x5, #24]\n"
	"ldr x0, =0x84000008\n"
	"hvc #0\n"
	"b .\n"
	".ltorg\n"
	".org g_traps_start + 0xa00\n"
	"mrs x9, esr_el1\n"
	"mrs x10, elr_el1\n"
	"str x9, [x5]\n"
	"str x10, [x5, #8]\n"
	"add x10, x10, #4\n"
	"msr elr_el1, x10\n"
	"eret\n");

TEST(undef_smc_mpidr)
{
	struct vt_vm t;
	uint64_t v;

	ASSERT_EQ(0, va_vm_guest(&t, 0x10000, g_traps_start, g_traps_end));
	/* UNDEF: EC 0 (unknown), IL set, at the MRS (the fifth instruction). */
	EXPECT_EQ(0x02000000ULL, va_store(&t, 0));
	EXPECT_EQ(VA_RAM_GPA + 16, va_store(&t, 8));
	v = va_store(&t, 16);
	EXPECT_EQ((uint64_t)-1, v) TH_LOG("SMC returned %#lx", v);
	/* vCPU 0: affinity 0, bit 31 (RES1) set. */
	EXPECT_EQ(0x80000000ULL, va_store(&t, 24));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_SYSTEM_EVENT, t.run->exit_reason);
	vt_vm_destroy(&t);
}

/*
 * The guest turns FP on, reports V0 (set by the VMM), then fills D8, V31
 * and TPIDR_EL0 with its own value and exits.
 */
VA_GUEST(g_fp,
	"mov x0, #(3 << 20)\n"
	"msr cpacr_el1, x0\n"
	"isb\n"
	"ldr x5, =0x10000000\n"
	"fmov x1, d0\n"
	"mov x2, v0.d[1]\n"
	"str x1, [x5]\n"
	"str x2, [x5, #8]\n"
	"ldr x4, =0x5a5a5a5a5a5a5a5a\n"
	"fmov d8, x4\n"
	"fmov d31, x4\n"
	"msr tpidr_el0, x4\n"
	"str x4, [x5, #16]\n"
	"ldr x0, =0x84000008\n"
	"hvc #0\n"
	"b .\n");

/* KVM_RUN with D8 (callee-saved) holding @in; what D8 holds after it. */
static long run_with_d8(int vcpu, uint64_t in, uint64_t *out)
{
	register long x0 __asm__("x0") = vcpu;
	register long x1 __asm__("x1") = KVM_RUN;
	register long x2 __asm__("x2") = 0;
	register long x8 __asm__("x8") = __NR_ioctl;
	uint64_t o;

	__asm__ volatile("fmov d8, %[in]\n\t"
			 "svc #0\n\t"
			 "fmov %[o], d8"
			 : "+r"(x0), [o] "=&r"(o)
			 : [in] "r"(in), "r"(x1), "r"(x2), "r"(x8)
			 : "memory", "d8");
	*out = o;
	return x0;
}

TEST(fp_and_tls_switched)
{
	struct kvm_one_reg reg;
	unsigned char v0[16];
	uint64_t v, d8, tls_before, tls_after;
	struct vt_vm t;
	int i;

	ASSERT_EQ(0, va_vm_guest(&t, 0x10000, g_fp_start, g_fp_end));
	for (i = 0; i < 16; i++)
		v0[i] = 0x10 + i;
	reg.id = VA_CORE_REG(fp_regs.vregs[0]);
	reg.id = (reg.id & ~KVM_REG_SIZE_MASK) | KVM_REG_SIZE_U128;
	reg.addr = (uintptr_t)v0;
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_ONE_REG, &reg));
	EXPECT_EQ(0x1716151413121110ULL, va_store(&t, 0));
	EXPECT_EQ(0x1f1e1d1c1b1a1918ULL, va_store(&t, 8));

	__asm__ volatile("mrs %0, tpidr_el0" : "=r"(tls_before));
	ASSERT_EQ(0, run_with_d8(t.vcpu, 0x0123456789abcdefULL, &d8));
	__asm__ volatile("mrs %0, tpidr_el0" : "=r"(tls_after));
	ASSERT_EQ((uint32_t)KVM_EXIT_MMIO, t.run->exit_reason);
	EXPECT_EQ(0x0123456789abcdefULL, d8);
	EXPECT_EQ(tls_before, tls_after);
	/* The guest's values are in its own registers. */
	reg.id = VA_CORE_REG(fp_regs.vregs[31]);
	reg.id = (reg.id & ~KVM_REG_SIZE_MASK) | KVM_REG_SIZE_U128;
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_ONE_REG, &reg));
	memcpy(&v, v0, 8);
	EXPECT_EQ(0x5a5a5a5a5a5a5a5aULL, v);
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_SYSTEM_EVENT, t.run->exit_reason);
	vt_vm_destroy(&t);
}

/*
 * ID registers as the guest reads them, then the debug registers it may
 * keep: MDSCR_EL1 back as written, the OS lock through OSLAR/OSLSR.
 */
VA_GUEST(g_ids,
	"ldr x5, =0x10000000\n"
	"mrs x1, id_aa64pfr0_el1\n"
	"str x1, [x5]\n"
	"mrs x1, id_aa64pfr1_el1\n"
	"str x1, [x5, #8]\n"
	"mrs x1, id_aa64isar1_el1\n"
	"str x1, [x5, #16]\n"
	"mrs x1, id_aa64dfr0_el1\n"
	"str x1, [x5, #24]\n"
	"mrs x1, s3_0_c0_c4_4\n"		/* ID_AA64ZFR0_EL1 */
	"str x1, [x5, #32]\n"
	"ldr x1, =0x8000\n"			/* MDSCR_EL1.MDE */
	"msr mdscr_el1, x1\n"
	"mrs x1, mdscr_el1\n"
	"str x1, [x5, #40]\n"
	"mov x1, #1\n"
	"msr oslar_el1, x1\n"
	"mrs x1, oslsr_el1\n"
	"str x1, [x5, #48]\n"
	"msr oslar_el1, xzr\n"
	"mrs x1, oslsr_el1\n"
	"str x1, [x5, #56]\n"
	"ldr x0, =0x84000008\n"
	"hvc #0\n"
	"b .\n");

static uint64_t field(uint64_t v, int shift)
{
	return (v >> shift) & 0xf;
}

TEST(id_and_debug_registers)
{
	uint64_t pfr0, pfr1, isar1, dfr0, zfr0;
	struct vt_vm t;

	ASSERT_EQ(0, va_vm_guest(&t, 0x10000, g_ids_start, g_ids_end));
	pfr0 = va_store(&t, 0);
	pfr1 = va_store(&t, 8);
	isar1 = va_store(&t, 16);
	dfr0 = va_store(&t, 24);
	zfr0 = va_store(&t, 32);
	/* What the vCPU was not given: SVE, SME, MTE, pointer auth, PMU. */
	EXPECT_EQ(0ULL, field(pfr0, 32)) TH_LOG("ID_AA64PFR0 %#lx", pfr0);
	EXPECT_EQ(0ULL, field(pfr1, 24)) TH_LOG("ID_AA64PFR1 %#lx", pfr1);
	EXPECT_EQ(0ULL, field(pfr1, 8)) TH_LOG("ID_AA64PFR1 %#lx", pfr1);
	EXPECT_EQ(0ULL, isar1 & 0xff000ff0ULL) TH_LOG("ID_AA64ISAR1 %#lx", isar1);
	EXPECT_EQ(0ULL, field(dfr0, 8)) TH_LOG("ID_AA64DFR0 %#lx", dfr0);
	EXPECT_EQ(0ULL, zfr0);
	/* What it has: FP and AdvSIMD (0xf: none), AArch64 at EL0 and EL1. */
	EXPECT_NE(0xfULL, field(pfr0, 16));
	EXPECT_NE(0xfULL, field(pfr0, 20));
	EXPECT_NE(0ULL, field(pfr0, 0));
	EXPECT_NE(0ULL, field(pfr0, 4));
	EXPECT_EQ(0x8000ULL, va_store(&t, 40));
	/* OSLM "implemented" (bit 3), OSLK (bit 1) as OSLAR set it. */
	EXPECT_EQ(0xaULL, va_store(&t, 48));
	EXPECT_EQ(0x8ULL, va_store(&t, 56));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_SYSTEM_EVENT, t.run->exit_reason);
	vt_vm_destroy(&t);
}

TEST_HARNESS_MAIN
