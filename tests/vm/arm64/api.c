// SPDX-License-Identifier: GPL-2.0
/*
 * The system, VM and vCPU fds on arm64: what every KVM client does first.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vt_arm64.h"

TEST(api_version)
{
	int sys = vt_open_dev();

	ASSERT_GE(sys, 0) TH_LOG("open %s: %m", vt_dev_path());
	EXPECT_EQ(KVM_API_VERSION, ioctl(sys, KVM_GET_API_VERSION, 0));
	EXPECT_EQ(1, ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY));
	close(sys);
}

TEST(vm_and_vcpu)
{
	struct va_vm t;

	ASSERT_EQ(0, va_vm_create(&t, 0x10000));
	/* kvm_run, at least: the mapping worked. */
	EXPECT_GE(t.run_size, (size_t)getpagesize());
	/* A second vCPU with the same id exists already. */
	EXPECT_EQ(-1, ioctl(t.vm, KVM_CREATE_VCPU, 0));
	EXPECT_EQ(EEXIST, errno);
	va_vm_destroy(&t);
}

/* KVM_GET_REGS and KVM_SET_REGS are not part of the arm64 ABI: ONE_REG is. */
TEST(no_get_regs)
{
	struct kvm_regs regs;
	struct va_vm t;

	ASSERT_EQ(0, va_vm_create(&t, 0x10000));
	EXPECT_EQ(-1, ioctl(t.vcpu, KVM_GET_REGS, &regs));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(t.vcpu, KVM_SET_REGS, &regs));
	EXPECT_EQ(EINVAL, errno);
	va_vm_destroy(&t);
}

/*
 * KVM_CHECK_EXTENSION says exactly what works: what vireo.ko implements
 * is there on both modules; what it lacks so far it does not claim.
 */
TEST(capabilities)
{
	static const long both[] = {
		KVM_CAP_USER_MEMORY, KVM_CAP_ONE_REG, KVM_CAP_ARM_PSCI_0_2,
		KVM_CAP_READONLY_MEM, KVM_CAP_SYNC_MMU, KVM_CAP_IMMEDIATE_EXIT,
		KVM_CAP_MP_STATE, KVM_CAP_IRQCHIP, KVM_CAP_DEVICE_CTRL,
		KVM_CAP_IOEVENTFD, KVM_CAP_IRQFD,
	};
	static const long missing[] = {
		KVM_CAP_ARM_PSCI, KVM_CAP_ARM_PMU_V3,
		KVM_CAP_ARM_SVE, KVM_CAP_ARM_PTRAUTH_ADDRESS,
		KVM_CAP_ARM_PTRAUTH_GENERIC, KVM_CAP_ARM_VM_IPA_SIZE,
		KVM_CAP_VCPU_EVENTS, KVM_CAP_ARM_EL1_32BIT,
		KVM_CAP_ARM_USER_IRQ,
		KVM_CAP_ARM_NISV_TO_USER, KVM_CAP_SET_GUEST_DEBUG,
	};
	int sys = vt_open_dev(), vireo = !strcmp(vt_mode(), "vireo");
	unsigned int i;
	long r;

	ASSERT_GE(sys, 0);
	for (i = 0; i < sizeof(both) / sizeof(both[0]); i++)
		EXPECT_EQ(1, ioctl(sys, KVM_CHECK_EXTENSION, both[i]))
			TH_LOG("capability %ld", both[i]);
	for (i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		r = ioctl(sys, KVM_CHECK_EXTENSION, missing[i]);
		if (vireo) {
			EXPECT_EQ(0, r) TH_LOG("capability %ld", missing[i]);
		} else {
			EXPECT_GE(r, 0);
		}
	}
	close(sys);
}

TEST(preferred_target)
{
	struct kvm_vcpu_init init;
	struct va_vm t;

	ASSERT_EQ(0, va_vm_create(&t, 0x10000));
	EXPECT_EQ(0, ioctl(t.vm, KVM_ARM_PREFERRED_TARGET, &init));
	/* The system fd has no arm64 ioctls. */
	EXPECT_EQ(-1, ioctl(t.sys, KVM_ARM_PREFERRED_TARGET, &init));
	va_vm_destroy(&t);
}

VA_GUEST(g_off,
	"ldr x0, =0x84000008\n"
	"hvc #0\n"
	"b .\n");

/*
 * More VMs at once than 8-bit VMIDs can tell apart; the last one still
 * runs a guest (its VMID above 255 where the CPU has 16-bit VMIDs).
 */
TEST(many_vms)
{
	int sys = vt_open_dev(), fds[299];
	struct va_vm t;
	unsigned int i;

	ASSERT_GE(sys, 0);
	for (i = 0; i < 299; i++) {
		fds[i] = ioctl(sys, KVM_CREATE_VM, 0);
		ASSERT_GE(fds[i], 0) TH_LOG("VM %u: %m", i);
	}
	ASSERT_EQ(0, va_vm_guest(&t, 0x10000, g_off_start, g_off_end));
	ASSERT_EQ(0, va_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_SYSTEM_EVENT, t.run->exit_reason);
	va_vm_destroy(&t);
	for (i = 0; i < 299; i++)
		close(fds[i]);
	close(sys);
}

TEST_HARNESS_MAIN
