// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET_ONE_REG and KVM_SET_ONE_REG on the core registers: every one
 * round-trips at its size, and ids kvm.ko refuses are refused with its
 * errnos (a wrong size or alignment EINVAL, past struct kvm_regs ENOENT,
 * an unknown register ENOENT, another architecture EINVAL).  The EL1 and
 * EL0 system registers and the FP/SIMD registers the VMM sets are what the
 * guest reads, what the guest writes is what the VMM gets back, and the ID
 * registers read as the guest reads them and keep their value.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vt_arm64.h"

#define SYSREG(op0, op1, crn, crm, op2) (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | \
	KVM_REG_ARM64_SYSREG | (op0) << 14 | (op1) << 11 | (crn) << 7 | \
	(crm) << 3 | (op2))
#define CORE_ID(size, off) (KVM_REG_ARM64 | (size) | KVM_REG_ARM_CORE | (off))
#define CORE_OFF(field) (offsetof(struct kvm_regs, field) / sizeof(uint32_t))

FIXTURE(regs) {
	struct vt_vm t;
};

FIXTURE_SETUP(regs)
{
	ASSERT_EQ(0, va_vm_create(&self->t, 0x10000));
	ASSERT_EQ(0, va_vcpu_init(&self->t));
}

FIXTURE_TEARDOWN(regs)
{
	vt_vm_destroy(&self->t);
}

static int get(int vcpu, uint64_t id, void *buf)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)buf };

	return ioctl(vcpu, KVM_GET_ONE_REG, &reg) ? -errno : 0;
}

static int set(int vcpu, uint64_t id, const void *buf)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)buf };

	return ioctl(vcpu, KVM_SET_ONE_REG, &reg) ? -errno : 0;
}

TEST_F(regs, u64_round_trip)
{
	uint64_t ids[40], v;
	unsigned int n = 0, i;

	for (i = 0; i < 31; i++)
		ids[n++] = VA_REG_X(i);
	ids[n++] = VA_REG_SP;
	ids[n++] = VA_REG_PC;
	ids[n++] = VA_REG_SP_EL1;
	ids[n++] = VA_REG_ELR_EL1;
	ids[n++] = VA_CORE_REG(spsr[KVM_SPSR_EL1]);
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, va_set_reg(self->t.vcpu, ids[i],
					0x0123456789abcdefULL * (i + 1)));
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, va_get_reg(self->t.vcpu, ids[i], &v));
		EXPECT_EQ(0x0123456789abcdefULL * (i + 1), v) TH_LOG("reg %u", i);
	}
	/* EL1h with the flags and every exception unmasked. */
	ASSERT_EQ(0, va_set_reg(self->t.vcpu, VA_REG_PSTATE, 0xf0000005ULL));
	ASSERT_EQ(0, va_get_reg(self->t.vcpu, VA_REG_PSTATE, &v));
	EXPECT_EQ(0xf0000005ULL, v);
}

TEST_F(regs, fp_round_trip)
{
	unsigned char in[16], out[16];
	uint32_t w;
	unsigned int i, j;

	for (i = 0; i < 32; i++) {
		for (j = 0; j < 16; j++)
			in[j] = i * 16 + j;
		ASSERT_EQ(0, set(self->t.vcpu, CORE_ID(KVM_REG_SIZE_U128,
				 CORE_OFF(fp_regs.vregs[i])), in));
	}
	for (i = 0; i < 32; i++) {
		for (j = 0; j < 16; j++)
			in[j] = i * 16 + j;
		ASSERT_EQ(0, get(self->t.vcpu, CORE_ID(KVM_REG_SIZE_U128,
				 CORE_OFF(fp_regs.vregs[i])), out));
		EXPECT_EQ(0, memcmp(in, out, 16)) TH_LOG("v%u", i);
	}
	w = 0x03000000;
	ASSERT_EQ(0, set(self->t.vcpu, CORE_ID(KVM_REG_SIZE_U32,
			 CORE_OFF(fp_regs.fpcr)), &w));
	w = 0x8000009f;
	ASSERT_EQ(0, set(self->t.vcpu, CORE_ID(KVM_REG_SIZE_U32,
			 CORE_OFF(fp_regs.fpsr)), &w));
	ASSERT_EQ(0, get(self->t.vcpu, CORE_ID(KVM_REG_SIZE_U32,
			 CORE_OFF(fp_regs.fpcr)), &w));
	EXPECT_EQ(0x03000000U, w);
	ASSERT_EQ(0, get(self->t.vcpu, CORE_ID(KVM_REG_SIZE_U32,
			 CORE_OFF(fp_regs.fpsr)), &w));
	EXPECT_EQ(0x8000009fU, w);
}

TEST_F(regs, bad_ids)
{
	uint64_t nr = sizeof(struct kvm_regs) / sizeof(uint32_t);
	uint64_t v = 0;
	unsigned char buf[16] = { 0 };

	/* X0 as 32 bits, V0 as 64, FPSR as 64: the wrong size. */
	EXPECT_EQ(-EINVAL, get(self->t.vcpu, CORE_ID(KVM_REG_SIZE_U32, 0), buf));
	EXPECT_EQ(-EINVAL, get(self->t.vcpu, CORE_ID(KVM_REG_SIZE_U64,
			       CORE_OFF(fp_regs.vregs[0])), buf));
	EXPECT_EQ(-EINVAL, get(self->t.vcpu, CORE_ID(KVM_REG_SIZE_U64,
			       CORE_OFF(fp_regs.fpsr)), buf));
	/* Halfway into X0. */
	EXPECT_EQ(-EINVAL, get(self->t.vcpu, CORE_ID(KVM_REG_SIZE_U64, 1), buf));
	/* The padding between the SPSRs and the FP registers. */
	EXPECT_EQ(-EINVAL, get(self->t.vcpu, CORE_ID(KVM_REG_SIZE_U64,
			       CORE_OFF(fp_regs) - 2), buf));
	/* Past struct kvm_regs. */
	EXPECT_EQ(-ENOENT, get(self->t.vcpu, CORE_ID(KVM_REG_SIZE_U64, nr), buf));
	EXPECT_EQ(-ENOENT, get(self->t.vcpu, CORE_ID(KVM_REG_SIZE_U64, nr - 2), buf));
	EXPECT_EQ(-ENOENT, set(self->t.vcpu, CORE_ID(KVM_REG_SIZE_U64, 0xffff), buf));
	/* A system register no CPU has: op0 3, op1 7, CRn 15, CRm 15, op2 7. */
	EXPECT_EQ(-ENOENT, get(self->t.vcpu, KVM_REG_ARM64 | KVM_REG_SIZE_U64 |
			       KVM_REG_ARM64_SYSREG | 0xffffULL, buf));
	/* Another architecture's id. */
	EXPECT_EQ(-EINVAL, get(self->t.vcpu, KVM_REG_X86 | KVM_REG_SIZE_U64 |
			       KVM_REG_ARM_CORE, buf));
	/* A bad buffer. */
	EXPECT_EQ(-EFAULT, get(self->t.vcpu, VA_REG_X(0), (void *)8));
	EXPECT_EQ(-EFAULT, set(self->t.vcpu, VA_REG_X(0), (void *)8));
	(void)v;
}

TEST_F(regs, bad_pstate)
{
	uint64_t v;

	/* EL2 is the host's; AArch32 HYP mode too. */
	EXPECT_EQ(-EINVAL, va_set_reg(self->t.vcpu, VA_REG_PSTATE, 0x3c9));
	EXPECT_EQ(-EINVAL, va_set_reg(self->t.vcpu, VA_REG_PSTATE, 0x3c8));
	EXPECT_EQ(-EINVAL, va_set_reg(self->t.vcpu, VA_REG_PSTATE, 0x1da));
	ASSERT_EQ(0, va_get_reg(self->t.vcpu, VA_REG_PSTATE, &v));
	EXPECT_EQ(VA_PSTATE_EL1H, v);
	/* EL0t and EL1t are fine. */
	EXPECT_EQ(0, va_set_reg(self->t.vcpu, VA_REG_PSTATE, 0x3c0));
	EXPECT_EQ(0, va_set_reg(self->t.vcpu, VA_REG_PSTATE, 0x3c4));
}

/* The system registers the world switch carries, by name. */
static const struct {
	const char *name;
	uint64_t id;
} ctx_regs[] = {
	{ "SCTLR_EL1", SYSREG(3, 0, 1, 0, 0) },
	{ "CPACR_EL1", SYSREG(3, 0, 1, 0, 2) },
	{ "TTBR0_EL1", SYSREG(3, 0, 2, 0, 0) },
	{ "TTBR1_EL1", SYSREG(3, 0, 2, 0, 1) },
	{ "TCR_EL1", SYSREG(3, 0, 2, 0, 2) },
	{ "AFSR0_EL1", SYSREG(3, 0, 5, 1, 0) },
	{ "AFSR1_EL1", SYSREG(3, 0, 5, 1, 1) },
	{ "ESR_EL1", SYSREG(3, 0, 5, 2, 0) },
	{ "FAR_EL1", SYSREG(3, 0, 6, 0, 0) },
	{ "PAR_EL1", SYSREG(3, 0, 7, 4, 0) },
	{ "MAIR_EL1", SYSREG(3, 0, 10, 2, 0) },
	{ "AMAIR_EL1", SYSREG(3, 0, 10, 3, 0) },
	{ "VBAR_EL1", SYSREG(3, 0, 12, 0, 0) },
	{ "CONTEXTIDR_EL1", SYSREG(3, 0, 13, 0, 1) },
	{ "TPIDR_EL1", SYSREG(3, 0, 13, 0, 4) },
	{ "CNTKCTL_EL1", SYSREG(3, 0, 14, 1, 0) },
	{ "CSSELR_EL1", SYSREG(3, 2, 0, 0, 0) },
	{ "TPIDR_EL0", SYSREG(3, 3, 13, 0, 2) },
	{ "TPIDRRO_EL0", SYSREG(3, 3, 13, 0, 3) },
};
#define NR_CTX	(sizeof(ctx_regs) / sizeof(ctx_regs[0]))

/*
 * x0 = a buffer: store what the registers hold, write each plus 0x1000
 * (VBAR's alignment and every field kept), store SCTLR_EL1, four ID
 * registers and the FP/SIMD state (V0, V31, FPCR, FPSR), write V0 and
 * FPCR, then stop.
 */
VA_GUEST(g_sysregs,
	"mrs x1, tpidr_el1\n str x1, [x0], #8\n add x1, x1, #0x1000\n msr tpidr_el1, x1\n"
	"mrs x1, tpidr_el0\n str x1, [x0], #8\n add x1, x1, #0x1000\n msr tpidr_el0, x1\n"
	"mrs x1, tpidrro_el0\n str x1, [x0], #8\n add x1, x1, #0x1000\n msr tpidrro_el0, x1\n"
	"mrs x1, contextidr_el1\n str x1, [x0], #8\n add x1, x1, #0x1000\n msr contextidr_el1, x1\n"
	"mrs x1, vbar_el1\n str x1, [x0], #8\n add x1, x1, #0x1000\n msr vbar_el1, x1\n"
	"mrs x1, mair_el1\n str x1, [x0], #8\n add x1, x1, #0x1000\n msr mair_el1, x1\n"
	"mrs x1, far_el1\n str x1, [x0], #8\n add x1, x1, #0x1000\n msr far_el1, x1\n"
	"mrs x1, esr_el1\n str x1, [x0], #8\n add x1, x1, #0x1000\n msr esr_el1, x1\n"
	"mrs x1, ttbr0_el1\n str x1, [x0], #8\n add x1, x1, #0x1000\n msr ttbr0_el1, x1\n"
	"mrs x1, ttbr1_el1\n str x1, [x0], #8\n add x1, x1, #0x1000\n msr ttbr1_el1, x1\n"
	"mrs x1, sctlr_el1\n str x1, [x0], #8\n"
	"mrs x1, id_aa64isar0_el1\n str x1, [x0], #8\n"
	"mrs x1, id_aa64pfr0_el1\n str x1, [x0], #8\n"
	"mrs x1, id_aa64mmfr0_el1\n str x1, [x0], #8\n"
	"mrs x1, id_aa64dfr0_el1\n str x1, [x0], #8\n"
	/* Padding: 16-byte stores below, to memory the MMU-off guest sees as Device. */
	"str xzr, [x0], #8\n"
	"isb\n"
	/* FP/SIMD: CPACR_EL1.FPEN first, as a guest kernel would. */
	"mov x1, #(3 << 20)\n msr cpacr_el1, x1\n isb\n"
	"str q0, [x0], #16\n str q31, [x0], #16\n"
	"mrs x1, fpcr\n str x1, [x0], #8\n"
	"mrs x1, fpsr\n str x1, [x0], #8\n"
	"movi v0.16b, #0x5a\n"
	"mov x1, #(1 << 24)\n msr fpcr, x1\n"
	"ldr x0, =0x84000008\n"
	"hvc #0\n"
	"b .\n");

/* The registers g_sysregs reads and writes, in its order. */
static const uint64_t g_sysregs_ids[] = {
	SYSREG(3, 0, 13, 0, 4), SYSREG(3, 3, 13, 0, 2), SYSREG(3, 3, 13, 0, 3),
	SYSREG(3, 0, 13, 0, 1), SYSREG(3, 0, 12, 0, 0), SYSREG(3, 0, 10, 2, 0),
	SYSREG(3, 0, 6, 0, 0), SYSREG(3, 0, 5, 2, 0), SYSREG(3, 0, 2, 0, 0),
	SYSREG(3, 0, 2, 0, 1),
};
#define NR_RW	(sizeof(g_sysregs_ids) / sizeof(g_sysregs_ids[0]))
static const uint64_t g_id_ids[] = {
	SYSREG(3, 0, 0, 6, 0), SYSREG(3, 0, 0, 4, 0), SYSREG(3, 0, 0, 7, 0),
	SYSREG(3, 0, 0, 5, 0),
};

#define BUF	0x8000

TEST(sysregs_seen_by_guest)
{
	uint64_t v, vals[NR_RW], seen[NR_RW + 6], fpcr, fpsr, want;
	unsigned char q[16], in[2][16], out[2][16];
	struct vt_vm t;
	unsigned int i, j;
	uint32_t w;

	ASSERT_EQ(0, va_vm_guest(&t, 0x10000, g_sysregs_start, g_sysregs_end));
	ASSERT_EQ(0, va_set_reg(t.vcpu, VA_REG_X(0), VA_RAM_GPA + BUF));
	/* Out of reset, as on kvm.ko: the MMU and caches off, RES1 set. */
	ASSERT_EQ(0, va_get_reg(t.vcpu, SYSREG(3, 0, 1, 0, 0), &v));
	EXPECT_EQ(0x00c50078ULL, v);
	for (i = 0; i < NR_RW; i++) {
		vals[i] = 0x1234000ULL + i * 0x10000;
		ASSERT_EQ(0, va_set_reg(t.vcpu, g_sysregs_ids[i], vals[i]))
			TH_LOG("register %u", i);
	}
	for (i = 0; i < 2; i++) {
		for (j = 0; j < 16; j++)
			in[i][j] = 0x80 + i * 16 + j;
		ASSERT_EQ(0, set(t.vcpu, CORE_ID(KVM_REG_SIZE_U128,
				 CORE_OFF(fp_regs.vregs[i ? 31 : 0])), in[i]));
	}
	w = 0x02000000;		/* FPCR.DN */
	ASSERT_EQ(0, set(t.vcpu, CORE_ID(KVM_REG_SIZE_U32,
			 CORE_OFF(fp_regs.fpcr)), &w));
	w = 0x8000001f;		/* FPSR.N and the cumulative flags */
	ASSERT_EQ(0, set(t.vcpu, CORE_ID(KVM_REG_SIZE_U32,
			 CORE_OFF(fp_regs.fpsr)), &w));

	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_SYSTEM_EVENT, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));

	memcpy(seen, t.mem + BUF, sizeof(seen));
	for (i = 0; i < NR_RW; i++)
		EXPECT_EQ(vals[i], seen[i]) TH_LOG("register %u as the guest read it", i);
	EXPECT_EQ(0x00c50078ULL, seen[NR_RW]);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, va_get_reg(t.vcpu, g_id_ids[i], &v));
		EXPECT_EQ(seen[NR_RW + 1 + i], v) TH_LOG("ID register %u", i);
	}
	memcpy(out, t.mem + BUF + sizeof(seen), sizeof(out));
	EXPECT_EQ(0, memcmp(in, out, sizeof(in)));
	memcpy(&fpcr, t.mem + BUF + sizeof(seen) + 32, 8);
	memcpy(&fpsr, t.mem + BUF + sizeof(seen) + 40, 8);
	EXPECT_EQ(0x02000000ULL, fpcr);
	EXPECT_EQ(0x8000001fULL, fpsr);

	/* What the guest wrote is what the VMM reads. */
	for (i = 0; i < NR_RW; i++) {
		ASSERT_EQ(0, va_get_reg(t.vcpu, g_sysregs_ids[i], &v));
		EXPECT_EQ(vals[i] + 0x1000, v) TH_LOG("register %u", i);
	}
	ASSERT_EQ(0, get(t.vcpu, CORE_ID(KVM_REG_SIZE_U128,
			 CORE_OFF(fp_regs.vregs[0])), q));
	memset(in[0], 0x5a, 16);
	EXPECT_EQ(0, memcmp(in[0], q, 16));
	ASSERT_EQ(0, get(t.vcpu, CORE_ID(KVM_REG_SIZE_U32,
			 CORE_OFF(fp_regs.fpcr)), &w));
	EXPECT_EQ(1U << 24, w);
	want = 3ULL << 20;
	ASSERT_EQ(0, va_get_reg(t.vcpu, SYSREG(3, 0, 1, 0, 2), &v));
	EXPECT_EQ(want, v & want) TH_LOG("CPACR_EL1 %#lx", v);
	vt_vm_destroy(&t);
}

/*
 * The ID registers keep the value they have (kvm.ko's "invariant": EINVAL
 * for another); system register ids of another size, with stray bits, or
 * of no register are ENOENT.
 */
TEST_F(regs, sysreg_errnos)
{
	uint64_t isar0, v, id;
	unsigned int i;

	ASSERT_EQ(0, va_get_reg(self->t.vcpu, SYSREG(3, 0, 0, 6, 0), &isar0));
	EXPECT_EQ(0, va_set_reg(self->t.vcpu, SYSREG(3, 0, 0, 6, 0), isar0));
	/* AES (bits 7:4) one step up or down: another CPU. */
	EXPECT_EQ(-EINVAL, va_set_reg(self->t.vcpu, SYSREG(3, 0, 0, 6, 0),
				      isar0 ^ 0x10));
	ASSERT_EQ(0, va_get_reg(self->t.vcpu, SYSREG(3, 0, 0, 6, 0), &v));
	EXPECT_EQ(isar0, v);
	/* Every ID register reads, and takes back what it read. */
	for (i = 0; i < 56; i++) {
		id = SYSREG(3, 0, 0, 1 + i / 8, i % 8);
		ASSERT_EQ(0, va_get_reg(self->t.vcpu, id, &v)) TH_LOG("%u", i);
		EXPECT_EQ(0, va_set_reg(self->t.vcpu, id, v)) TH_LOG("%u", i);
	}
	/* TPIDR_EL1 as 32 bits, with a bit above the encoding, as 128. */
	id = SYSREG(3, 0, 13, 0, 4);
	EXPECT_EQ(-ENOENT, get(self->t.vcpu, (id & ~KVM_REG_SIZE_MASK) |
			       KVM_REG_SIZE_U32, &v));
	EXPECT_EQ(-ENOENT, get(self->t.vcpu, id | 1ULL << 28, &v));
	EXPECT_EQ(-ENOENT, set(self->t.vcpu, (id & ~KVM_REG_SIZE_MASK) |
			       KVM_REG_SIZE_U128, &v));
	/* Round trips at the VMM's side, every context-switched one. */
	for (i = 0; i < NR_CTX; i++) {
		if (ctx_regs[i].id == SYSREG(3, 0, 1, 0, 0))
			continue;	/* SCTLR_EL1: checked by the guest */
		EXPECT_EQ(0, va_set_reg(self->t.vcpu, ctx_regs[i].id,
					0x5a5a0000ULL + i))
			TH_LOG("%s", ctx_regs[i].name);
		ASSERT_EQ(0, va_get_reg(self->t.vcpu, ctx_regs[i].id, &v));
		EXPECT_EQ(0x5a5a0000ULL + i, v) TH_LOG("%s", ctx_regs[i].name);
	}
	EXPECT_EQ(-EFAULT, get(self->t.vcpu, id, (void *)8));
	EXPECT_EQ(-EFAULT, set(self->t.vcpu, id, (void *)8));
}

/*
 * KVM_GET_REG_LIST: E2BIG with the count, then every core register and
 * the timer's three and the system registers below are listed, and every
 * listed register reads (kvm.ko lists more: firmware, debug and PMU
 * registers; vireo.ko 75 core, 3 timer, 56 ID and 19 other system
 * registers).
 */
TEST_F(regs, reg_list)
{
	struct kvm_reg_list head = { .n = 0 }, *list;
	unsigned char buf[256];
	uint64_t i, j, off, found = 0;
	struct vt_vm fresh;

	ASSERT_EQ(0, va_vm_create(&fresh, 0x10000));
	EXPECT_EQ(-1, ioctl(fresh.vcpu, KVM_GET_REG_LIST, &head));
	EXPECT_EQ(ENOEXEC, errno);
	vt_vm_destroy(&fresh);

	EXPECT_EQ(-1, ioctl(self->t.vcpu, KVM_GET_REG_LIST, &head));
	EXPECT_EQ(E2BIG, errno);
	ASSERT_GE(head.n, 75ULL);
	if (!strcmp(vt_mode(), "vireo"))
		EXPECT_EQ(153ULL, head.n);
	list = calloc(1, sizeof(*list) + head.n * sizeof(list->reg[0]));
	ASSERT_NE(NULL, list);
	list->n = head.n;
	ASSERT_EQ(0, ioctl(self->t.vcpu, KVM_GET_REG_LIST, list));
	for (i = 0; i < list->n; i++) {
		uint64_t id = list->reg[i];

		ASSERT_LE(KVM_REG_SIZE(id), sizeof(buf)) TH_LOG("id %#lx", id);
		EXPECT_EQ(0, get(self->t.vcpu, id, buf)) TH_LOG("id %#lx", id);
		if ((id & KVM_REG_ARM_COPROC_MASK) == KVM_REG_ARM_CORE)
			found++;
	}
	EXPECT_EQ(75ULL, found);
	/* The timer's registers. */
	for (j = 0; j < 3; j++) {
		static const uint64_t timer[] = {
			KVM_REG_ARM_TIMER_CTL, KVM_REG_ARM_TIMER_CNT,
			KVM_REG_ARM_TIMER_CVAL,
		};

		off = 0;
		for (i = 0; i < list->n; i++)
			off |= list->reg[i] == timer[j];
		EXPECT_EQ(1ULL, off) TH_LOG("timer register %lu", j);
	}
	/* The ID registers and the context-switched ones. */
	for (j = 0; j < 56 + NR_CTX; j++) {
		uint64_t want = j < 56 ? SYSREG(3, 0, 0, 1 + j / 8, j % 8) :
				ctx_regs[j - 56].id;

		off = 0;
		for (i = 0; i < list->n; i++)
			off |= list->reg[i] == want;
		EXPECT_EQ(1ULL, off) TH_LOG("system register %#lx", want);
	}
	/* X0-X30 each there, at the right size. */
	for (j = 0; j < 31; j++) {
		off = 0;
		for (i = 0; i < list->n; i++)
			off |= list->reg[i] == VA_REG_X(j);
		EXPECT_EQ(1ULL, off) TH_LOG("x%lu", j);
	}
	free(list);
}

TEST_HARNESS_MAIN
