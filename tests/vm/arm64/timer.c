// SPDX-License-Identifier: GPL-2.0
/*
 * The virtual timer's registers through ONE_REG (KVM_REG_ARM_TIMER_CTL,
 * _CNT, _CVAL) as kvm.ko has them, and as the guest then reads them:
 * CTL's ISTATUS set on read once the compare value is reached and
 * ignored on write, CNT the guest's virtual count (a write moves it).
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vt_arm64.h"

/* The guest's CNTV_CTL, CNTV_CVAL and CNTVCT to MMIO + 0, 8, 16. */
VA_GUEST(g_read,
	"ldr x10, =0x10000000\n"
	"mrs x0, cntv_ctl_el0\n"
	"mrs x1, cntv_cval_el0\n"
	"isb\n"
	"mrs x2, cntvct_el0\n"
	"str x0, [x10]\n"
	"str x1, [x10, #8]\n"
	"str x2, [x10, #16]\n"
	"b .\n");

static uint64_t frq(void)
{
	uint64_t f;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(f));
	return f;
}

static uint64_t store(struct __test_metadata *_metadata, struct va_vm *t,
		      uint64_t off)
{
	uint64_t v = 0;

	EXPECT_EQ(0, va_run(t));
	EXPECT_EQ((uint32_t)KVM_EXIT_MMIO, t->run->exit_reason)
		TH_LOG("exit %s", va_exit_name(t->run->exit_reason));
	EXPECT_EQ(VA_MMIO_GPA + off, t->run->mmio.phys_addr);
	memcpy(&v, t->run->mmio.data, 8);
	return v;
}

TEST(timer_regs)
{
	uint64_t v, cnt, f = frq();
	struct va_vm t;

	ASSERT_EQ(0, va_vm_guest(&t, 0x10000, g_read_start, g_read_end));
	/* Out of reset: off, compare value 0, so ISTATUS reads set. */
	ASSERT_EQ(0, va_get_reg(t.vcpu, KVM_REG_ARM_TIMER_CTL, &v));
	EXPECT_EQ(4ULL, v);
	/* A compare value far ahead: not reached. */
	ASSERT_EQ(0, va_get_reg(t.vcpu, KVM_REG_ARM_TIMER_CNT, &cnt));
	ASSERT_EQ(0, va_set_reg(t.vcpu, KVM_REG_ARM_TIMER_CVAL, cnt + 100 * f));
	ASSERT_EQ(0, va_get_reg(t.vcpu, KVM_REG_ARM_TIMER_CVAL, &v));
	EXPECT_EQ(cnt + 100 * f, v);
	/* ENABLE and IMASK kept, ISTATUS ignored. */
	ASSERT_EQ(0, va_set_reg(t.vcpu, KVM_REG_ARM_TIMER_CTL, 7));
	ASSERT_EQ(0, va_get_reg(t.vcpu, KVM_REG_ARM_TIMER_CTL, &v));
	EXPECT_EQ(3ULL, v);
	/* The count moves on; a write sets it. */
	ASSERT_EQ(0, va_get_reg(t.vcpu, KVM_REG_ARM_TIMER_CNT, &v));
	EXPECT_GE(v, cnt);
	ASSERT_EQ(0, va_set_reg(t.vcpu, KVM_REG_ARM_TIMER_CNT, 1000 * f));
	ASSERT_EQ(0, va_get_reg(t.vcpu, KVM_REG_ARM_TIMER_CNT, &v));
	EXPECT_GE(v, 1000 * f);
	EXPECT_LT(v, 1010 * f);
	/* The guest sees the same. */
	EXPECT_EQ(3ULL, store(_metadata, &t, 0) & 3);
	EXPECT_EQ(cnt + 100 * f, store(_metadata, &t, 8));
	v = store(_metadata, &t, 16);
	EXPECT_GE(v, 1000 * f);
	EXPECT_LT(v, 1010 * f);
	/* And what the guest left is what ONE_REG reads. */
	ASSERT_EQ(0, va_get_reg(t.vcpu, KVM_REG_ARM_TIMER_CVAL, &v));
	EXPECT_EQ(cnt + 100 * f, v);
	va_vm_destroy(&t);
}

TEST_HARNESS_MAIN
