// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_IRQ_LINE without an in-kernel GIC: a vCPU's IRQ line (type CPU),
 * which the guest takes as an IRQ while it stays asserted; with a GIC
 * that type is refused (ENXIO), and without one a PPI or SPI is.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>

#include "kselftest_harness.h"
#include "vt_arm64.h"

/* "ready" to MMIO + 0, then WFI; each IRQ writes MMIO + 8, then returns. */
VA_GUEST(g_line,
	"ldr x10, =0x10000000\n"
	"adr x0, 9f\n"
	"msr vbar_el1, x0\n"
	"isb\n"
	"msr daifclr, #2\n"
	"str x0, [x10]\n"
	"1: wfi\n"
	"b 1b\n"
	".skip 0x800 - (. - g_line_start)\n"
	"9: b .\n"
	".skip 0x280 - (. - 9b)\n"
	"str x10, [x10, #8]\n"
	"eret\n");

static void on_alarm(int sig)
{
}

static int line(int vm, uint32_t type, uint32_t num, int level)
{
	struct kvm_irq_level l = {
		.irq = type << KVM_ARM_IRQ_TYPE_SHIFT | num,
		.level = level,
	};

	return ioctl(vm, KVM_IRQ_LINE, &l) ? -errno : 0;
}

static void expect_mmio(struct __test_metadata *_metadata, struct va_vm *t,
			uint64_t off)
{
	ASSERT_EQ(0, va_run(t));
	EXPECT_EQ((uint32_t)KVM_EXIT_MMIO, t->run->exit_reason)
		TH_LOG("exit %s", va_exit_name(t->run->exit_reason));
	EXPECT_EQ(VA_MMIO_GPA + off, t->run->mmio.phys_addr);
}

TEST(cpu_irq_line)
{
	struct itimerval it = { .it_value = { 0, 300000 } };
	struct sigaction sa;
	struct va_vm t;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	ASSERT_EQ(0, va_vm_guest(&t, 0x10000, g_line_start, g_line_end));
	EXPECT_EQ(-ENXIO, line(t.vm, KVM_ARM_IRQ_TYPE_SPI, 40, 1));
	EXPECT_EQ(-ENXIO, line(t.vm, KVM_ARM_IRQ_TYPE_PPI, 20, 1));
	EXPECT_EQ(-EINVAL, line(t.vm, KVM_ARM_IRQ_TYPE_CPU, 2, 1));
	expect_mmio(_metadata, &t, 0);
	ASSERT_EQ(0, line(t.vm, KVM_ARM_IRQ_TYPE_CPU, KVM_ARM_IRQ_CPU_IRQ, 1));
	expect_mmio(_metadata, &t, 8);
	/* Still asserted after the handler's return: taken again. */
	expect_mmio(_metadata, &t, 8);
	ASSERT_EQ(0, line(t.vm, KVM_ARM_IRQ_TYPE_CPU, KVM_ARM_IRQ_CPU_IRQ, 0));
	/* Lowered: the guest waits in WFI until the signal. */
	setitimer(ITIMER_REAL, &it, NULL);
	EXPECT_EQ(-EINTR, va_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_INTR, t.run->exit_reason)
		TH_LOG("exit %s", va_exit_name(t.run->exit_reason));
	va_vm_destroy(&t);
}

TEST_HARNESS_MAIN
