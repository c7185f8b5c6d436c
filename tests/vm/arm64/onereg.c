// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET_ONE_REG and KVM_SET_ONE_REG on the core registers: every one
 * round-trips at its size, and ids kvm.ko refuses are refused with its
 * errnos (a wrong size or alignment EINVAL, past struct kvm_regs ENOENT,
 * an unknown register ENOENT, another architecture EINVAL).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vt_arm64.h"

#define CORE_ID(size, off) (KVM_REG_ARM64 | (size) | KVM_REG_ARM_CORE | (off))
#define CORE_OFF(field) (offsetof(struct kvm_regs, field) / sizeof(uint32_t))

FIXTURE(regs) {
	struct va_vm t;
};

FIXTURE_SETUP(regs)
{
	ASSERT_EQ(0, va_vm_create(&self->t, 0x10000));
	ASSERT_EQ(0, va_vcpu_init(&self->t));
}

FIXTURE_TEARDOWN(regs)
{
	va_vm_destroy(&self->t);
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

/*
 * KVM_GET_REG_LIST: E2BIG with the count, then every core register and
 * the timer's three are listed and every listed register reads (kvm.ko
 * lists more: system and firmware registers; vireo.ko only these 78 so
 * far).
 */
TEST_F(regs, reg_list)
{
	struct kvm_reg_list head = { .n = 0 }, *list;
	unsigned char buf[256];
	uint64_t i, j, off, found = 0;
	struct va_vm fresh;

	ASSERT_EQ(0, va_vm_create(&fresh, 0x10000));
	EXPECT_EQ(-1, ioctl(fresh.vcpu, KVM_GET_REG_LIST, &head));
	EXPECT_EQ(ENOEXEC, errno);
	va_vm_destroy(&fresh);

	EXPECT_EQ(-1, ioctl(self->t.vcpu, KVM_GET_REG_LIST, &head));
	EXPECT_EQ(E2BIG, errno);
	ASSERT_GE(head.n, 75ULL);
	if (!strcmp(vt_mode(), "vireo"))
		EXPECT_EQ(78ULL, head.n);
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
