// SPDX-License-Identifier: GPL-2.0
/*
 * Pointer authentication for a vCPU whose VMM did not ask for it (no
 * KVM_ARM_VCPU_PTRAUTH_* feature), as kvm.ko: the ID registers hide it,
 * and with the guest's own SCTLR_EL1 enabling every key, its PAC
 * instructions and its accesses to the key registers are UNDEFINED at
 * its EL1 vector.  The keys are the host's (the host kernel's and the
 * VMM's): a PAC the VMM computes before and after the runs must not
 * change.
 */
#include <errno.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vt_arm64.h"

#ifndef HWCAP_PACA
#define HWCAP_PACA	(1UL << 30)
#endif

/* The instructions, at these offsets from g_pac_start (see below). */
static const struct {
	const char *what;
	unsigned int off;
} insns[] = {
	{ "PACIA X1, X2", 0x40 },
	{ "AUTIA X1, X2", 0x44 },
	{ "PACDB X1, X2", 0x48 },
	{ "PACGA X1, X2, X3", 0x4c },
	{ "PACIASP", 0x50 },
	{ "MRS X1, APIAKEYLO_EL1", 0x54 },
	{ "MSR APIAKEYLO_EL1, X1", 0x58 },
	{ "MRS X1, APGAKEYHI_EL1", 0x5c },
	{ "MSR APDBKEYLO_EL1, X1", 0x60 },
};

/*
 * ID_AA64ISAR1 and ISAR2 at MMIO 0 and 8, then every key enabled in
 * SCTLR_EL1 and the instructions one after the other from +0x40; the
 * EL1h synchronous vector (+0xa00) reports ESR and ELR at MMIO 16 and 24
 * and returns past the instruction.
 */
VA_GUEST(g_pac,
	"adr x0, g_pac_start + 0x800\n"
	"msr vbar_el1, x0\n"
	"ldr x5, =0x10000000\n"
	"mrs x1, id_aa64isar1_el1\n"
	"str x1, [x5]\n"
	"mrs x1, s3_0_c0_c6_2\n"		/* ID_AA64ISAR2_EL1 */
	"str x1, [x5, #8]\n"
	"mrs x0, sctlr_el1\n"
	/* EnIA 31, EnIB 30, EnDA 27, EnDB 13 */
	"ldr x1, =0xc8002000\n"
	"orr x0, x0, x1\n"
	"msr sctlr_el1, x0\n"
	"isb\n"
	"mov x1, #0x1234\n"
	"mov x2, #0x5678\n"
	"mov x3, #0x9abc\n"
	"b 1f\n"
	".org g_pac_start + 0x40\n"
	"1: .inst 0xdac10041\n"			/* PACIA x1, x2 */
	".inst 0xdac11041\n"			/* AUTIA x1, x2 */
	".inst 0xdac10c41\n"			/* PACDB x1, x2 */
	".inst 0x9ac33041\n"			/* PACGA x1, x2, x3 */
	".inst 0xd503233f\n"			/* PACIASP */
	"mrs x1, s3_0_c2_c1_0\n"		/* APIAKEYLO_EL1 */
	"msr s3_0_c2_c1_0, x1\n"
	"mrs x1, s3_0_c2_c3_1\n"		/* APGAKEYHI_EL1 */
	"msr s3_0_c2_c2_2, x1\n"		/* APDBKEYLO_EL1 */
	"ldr x0, =0x84000008\n"
	"hvc #0\n"
	"b .\n"
	".ltorg\n"
	".org g_pac_start + 0xa00\n"
	"mrs x9, esr_el1\n"
	"mrs x10, elr_el1\n"
	"str x9, [x5, #16]\n"
	"str x10, [x5, #24]\n"
	"add x10, x10, #4\n"
	"msr elr_el1, x10\n"
	"eret\n");

/* PACIA of a fixed pointer and modifier with this process's IA key. */
static uint64_t host_pacia(void)
{
	register uint64_t x0 __asm__("x0") = 0x0000aaaabbbbcccc;
	register uint64_t x1 __asm__("x1") = 42;

	__asm__ volatile(".inst 0xdac10020" : "+r"(x0) : "r"(x1));
	return x0;
}

static uint64_t field(uint64_t v, int shift)
{
	return (v >> shift) & 0xf;
}

TEST(pauth_hidden_and_undefined)
{
	bool paca = getauxval(AT_HWCAP) & HWCAP_PACA;
	uint64_t isar1, isar2, esr, elr, pac = 0;
	struct vt_vm t;
	unsigned int i;

	if (paca)
		pac = host_pacia();
	TH_LOG("the host %s pointer authentication", paca ? "has" : "lacks");
	ASSERT_EQ(0, va_vm_guest(&t, 0x10000, g_pac_start, g_pac_end));
	isar1 = va_store(&t, 0);
	isar2 = va_store(&t, 8);
	/* APA 4, API 8, GPA 24, GPI 28; ISAR2: GPA3 8, APA3 12 */
	EXPECT_EQ(0ULL, field(isar1, 4)) TH_LOG("ID_AA64ISAR1 %#lx", isar1);
	EXPECT_EQ(0ULL, field(isar1, 8)) TH_LOG("ID_AA64ISAR1 %#lx", isar1);
	EXPECT_EQ(0ULL, field(isar1, 24)) TH_LOG("ID_AA64ISAR1 %#lx", isar1);
	EXPECT_EQ(0ULL, field(isar1, 28)) TH_LOG("ID_AA64ISAR1 %#lx", isar1);
	EXPECT_EQ(0ULL, field(isar2, 8)) TH_LOG("ID_AA64ISAR2 %#lx", isar2);
	EXPECT_EQ(0ULL, field(isar2, 12)) TH_LOG("ID_AA64ISAR2 %#lx", isar2);
	for (i = 0; i < ARRAY_SIZE(insns); i++) {
		esr = va_store(&t, 16);
		/* The guest went past every one of them: no more to see. */
		if (t.run->exit_reason != KVM_EXIT_MMIO)
			break;
		elr = va_store(&t, 24);
		/* UNDEF: EC 0 (unknown reason), IL, at the instruction. */
		EXPECT_EQ(0x02000000ULL, esr) TH_LOG("%s: ESR %#lx", insns[i].what, esr);
		EXPECT_EQ(VA_RAM_GPA + insns[i].off, elr)
			TH_LOG("%s: ELR %#lx", insns[i].what, elr);
		if (paca)
			EXPECT_EQ(pac, host_pacia()) TH_LOG("after %s", insns[i].what);
	}
	if (t.run->exit_reason == KVM_EXIT_MMIO) {
		ASSERT_EQ(0, vt_run(&t));
		EXPECT_EQ((uint32_t)KVM_EXIT_SYSTEM_EVENT, t.run->exit_reason)
			TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	}
	if (paca)
		EXPECT_EQ(pac, host_pacia());
	vt_vm_destroy(&t);
}

TEST_HARNESS_MAIN
