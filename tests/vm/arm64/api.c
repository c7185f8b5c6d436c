// SPDX-License-Identifier: GPL-2.0
/*
 * The system, VM and vCPU fds on arm64: what every KVM client does first.
 */
#include <errno.h>
#include <sys/ioctl.h>
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

TEST_HARNESS_MAIN
