// SPDX-License-Identifier: GPL-2.0
/*
 * PSCI over HVC: the version, FEATURES for what is implemented, "not
 * supported" for an unknown function, and SYSTEM_OFF and SYSTEM_RESET
 * as KVM_EXIT_SYSTEM_EVENT.
 */
#include <errno.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vt_arm64.h"

/* Each call's x0 to MMIO offset 0, 8, 16 ...; then the call in x20. */
VA_GUEST(g_calls,
	"ldr x10, =0x10000000\n"
	"ldr x0, =0x84000000\n"		/* PSCI_VERSION */
	"hvc #0\n"
	"str x0, [x10]\n"
	"ldr x0, =0x8400000a\n"		/* PSCI_FEATURES(SYSTEM_OFF) */
	"ldr x1, =0x84000008\n"
	"hvc #0\n"
	"str x0, [x10, #8]\n"
	"ldr x0, =0x8400000a\n"		/* PSCI_FEATURES(an unknown id) */
	"ldr x1, =0x8400ff00\n"
	"hvc #0\n"
	"str x0, [x10, #16]\n"
	"ldr x0, =0x8400ff00\n"		/* an unknown function */
	"ldr x1, =0x1111\n"
	"hvc #0\n"
	"str x0, [x10, #24]\n"
	"str x1, [x10, #32]\n"
	"mov x0, x20\n"
	"hvc #0\n"
	"str x0, [x10, #40]\n"
	"b .\n");

static void calls(struct __test_metadata *_metadata, uint32_t last,
		  uint32_t event)
{
	struct vt_vm t;
	uint64_t v;

	ASSERT_EQ(0, va_vm_guest(&t, 0x10000, g_calls_start, g_calls_end));
	ASSERT_EQ(0, va_set_reg(t.vcpu, VA_REG_X(20), last));
	v = va_store(&t, 0);
	/* PSCI 1.x: kvm.ko says 1.1, vireo.ko 1.0. */
	EXPECT_EQ(1ULL, v >> 16) TH_LOG("PSCI version %#lx", v);
	EXPECT_EQ(0ULL, va_store(&t, 8));
	EXPECT_EQ((uint64_t)-1, va_store(&t, 16));
	EXPECT_EQ((uint64_t)-1, va_store(&t, 24));
	/* SMCCC: x1 to x3 do not keep what the guest passed. */
	EXPECT_EQ(0ULL, va_store(&t, 32));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_SYSTEM_EVENT, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	EXPECT_EQ(event, t.run->system_event.type);
	/* The call has returned "internal failure" should the VM go on. */
	ASSERT_EQ(0, va_get_reg(t.vcpu, VA_REG_X(0), &v));
	EXPECT_EQ((uint64_t)-6, v);
	vt_vm_destroy(&t);
}

TEST(system_off)
{
	calls(_metadata, VA_PSCI_SYSTEM_OFF, KVM_SYSTEM_EVENT_SHUTDOWN);
}

TEST(system_reset)
{
	calls(_metadata, VA_PSCI_SYSTEM_RESET, KVM_SYSTEM_EVENT_RESET);
}

TEST_HARNESS_MAIN
