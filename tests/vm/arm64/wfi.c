// SPDX-License-Identifier: GPL-2.0
/*
 * WFI blocks the vCPU in KVM_RUN: with nothing pending it waits for a
 * signal (and the WFI is then over: the next KVM_RUN goes on after it);
 * without an in-kernel GIC the virtual timer's interrupt wakes nothing,
 * armed or masked.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <time.h>

#include "kselftest_harness.h"
#include "vt_arm64.h"

/* x0: the timer's CNTV_CTL; x1: ticks from now to its compare value. */
VA_GUEST(g_wfi,
	"msr cntv_ctl_el0, xzr\n"
	"isb\n"
	"mrs x2, cntvct_el0\n"
	"add x2, x2, x1\n"
	"msr cntv_cval_el0, x2\n"
	"msr cntv_ctl_el0, x0\n"
	"isb\n"
	"wfi\n"
	"ldr x10, =0x10000000\n"
	"str x0, [x10]\n"
	"b .\n");

/* Where the WFI is in g_wfi: the instruction after it is +4. */
#define WFI_OFF		(7 * 4)

static void on_alarm(int sig)
{
}

static void arm_alarm(long ms)
{
	struct sigaction sa;
	struct itimerval it = { .it_value = { ms / 1000, (ms % 1000) * 1000 } };

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void guest(struct __test_metadata *_metadata, struct va_vm *t,
		  uint64_t ctl, uint64_t ticks)
{
	ASSERT_EQ(0, va_vm_guest(t, 0x10000, g_wfi_start, g_wfi_end));
	ASSERT_EQ(0, va_set_reg(t->vcpu, VA_REG_X(0), ctl));
	ASSERT_EQ(0, va_set_reg(t->vcpu, VA_REG_X(1), ticks));
}

static void expect_mmio(struct __test_metadata *_metadata, struct va_vm *t)
{
	ASSERT_EQ(0, va_run(t));
	EXPECT_EQ((uint32_t)KVM_EXIT_MMIO, t->run->exit_reason)
		TH_LOG("exit %s", va_exit_name(t->run->exit_reason));
	EXPECT_EQ(VA_MMIO_GPA, t->run->mmio.phys_addr);
}

/* Timer off: only the signal ends the wait; the guest then goes on. */
TEST(wfi_waits_for_signal)
{
	struct va_vm t;
	uint64_t pc;
	long t0;

	guest(_metadata, &t, 0, 0);
	t0 = now_ms();
	arm_alarm(300);
	EXPECT_EQ(-EINTR, va_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_INTR, t.run->exit_reason)
		TH_LOG("exit %s", va_exit_name(t.run->exit_reason));
	EXPECT_GE(now_ms() - t0, 250);
	ASSERT_EQ(0, va_get_reg(t.vcpu, VA_REG_PC, &pc));
	EXPECT_EQ(VA_RAM_GPA + WFI_OFF + 4, pc);
	expect_mmio(_metadata, &t);
	va_vm_destroy(&t);
}

/*
 * Without an interrupt controller the timer's interrupt goes nowhere: an
 * expired, unmasked timer does not end the wait either.
 */
TEST(wfi_timer_without_irqchip_waits)
{
	struct va_vm t;

	guest(_metadata, &t, 1, 0);
	arm_alarm(300);
	EXPECT_EQ(-EINTR, va_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_INTR, t.run->exit_reason)
		TH_LOG("exit %s", va_exit_name(t.run->exit_reason));
	va_vm_destroy(&t);
}

/* Timer expired but masked (IMASK): it wakes nothing. */
TEST(wfi_masked_timer_waits)
{
	struct va_vm t;

	guest(_metadata, &t, 3, 0);
	arm_alarm(300);
	EXPECT_EQ(-EINTR, va_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_INTR, t.run->exit_reason)
		TH_LOG("exit %s", va_exit_name(t.run->exit_reason));
	va_vm_destroy(&t);
}

TEST_HARNESS_MAIN
