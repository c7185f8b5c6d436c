// SPDX-License-Identifier: GPL-2.0
/*
 * A guest that never exits cannot hold its VMM: immediate_exit, a signal
 * while the guest spins, and a vCPU created powered off (it waits in
 * KVM_RUN until a signal).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>

#include "kselftest_harness.h"
#include "vt_arm64.h"

VA_GUEST(g_spin, "1: b 1b\n");

TEST(immediate_exit)
{
	struct vt_vm t;

	ASSERT_EQ(0, va_vm_guest(&t, 0x10000, g_spin_start, g_spin_end));
	t.run->immediate_exit = 1;
	EXPECT_EQ(-EINTR, vt_run(&t));
	t.run->immediate_exit = 0;
	vt_vm_destroy(&t);
}

TEST(signal_while_spinning)
{
	struct vt_vm t;
	uint64_t pc;

	ASSERT_EQ(0, va_vm_guest(&t, 0x10000, g_spin_start, g_spin_end));
	va_alarm(300);
	EXPECT_EQ(-EINTR, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_INTR, t.run->exit_reason);
	ASSERT_EQ(0, va_get_reg(t.vcpu, VA_REG_PC, &pc));
	EXPECT_EQ(VA_RAM_GPA, pc);
	vt_vm_destroy(&t);
}

TEST(powered_off_waits)
{
	struct kvm_vcpu_init init;
	struct vt_vm t;

	ASSERT_EQ(0, va_vm_create(&t, 0x10000));
	memcpy(t.mem, g_spin_start, g_spin_end - g_spin_start);
	ASSERT_EQ(0, ioctl(t.vm, KVM_ARM_PREFERRED_TARGET, &init));
	init.features[0] = 1U << KVM_ARM_VCPU_PSCI_0_2 |
			   1U << KVM_ARM_VCPU_POWER_OFF;
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_ARM_VCPU_INIT, &init));
	ASSERT_EQ(0, va_set_reg(t.vcpu, VA_REG_PC, VA_RAM_GPA + 4));
	va_alarm(300);
	EXPECT_EQ(-EINTR, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_INTR, t.run->exit_reason);
	vt_vm_destroy(&t);
}

TEST_HARNESS_MAIN
