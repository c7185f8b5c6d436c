// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_ARM_PREFERRED_TARGET and KVM_ARM_VCPU_INIT: what a vCPU is before
 * and after it, and kvm.ko's errnos for what it refuses.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vt_arm64.h"

FIXTURE(vcpu) {
	struct vt_vm t;
	struct kvm_vcpu_init pref;
};

FIXTURE_SETUP(vcpu)
{
	ASSERT_EQ(0, va_vm_create(&self->t, 0x10000));
	memset(&self->pref, 0xff, sizeof(self->pref));
	ASSERT_EQ(0, ioctl(self->t.vm, KVM_ARM_PREFERRED_TARGET, &self->pref));
}

FIXTURE_TEARDOWN(vcpu)
{
	vt_vm_destroy(&self->t);
}

TEST_F(vcpu, preferred_target)
{
	unsigned int i;

	/* No feature is preferred: every bit comes back clear. */
	for (i = 0; i < 7; i++)
		EXPECT_EQ(0U, self->pref.features[i]);
	EXPECT_LE(self->pref.target, (uint32_t)KVM_ARM_TARGET_GENERIC_V8);
}

TEST_F(vcpu, uninitialised)
{
	uint64_t v;

	EXPECT_EQ(-ENOEXEC, va_get_reg(self->t.vcpu, VA_REG_PC, &v));
	EXPECT_EQ(-ENOEXEC, va_set_reg(self->t.vcpu, VA_REG_PC, 0));
	EXPECT_EQ(-ENOEXEC, vt_run(&self->t));
}

TEST_F(vcpu, bad_target)
{
	struct kvm_vcpu_init init = self->pref;

	init.target = self->pref.target + 1;
	EXPECT_EQ(-1, ioctl(self->t.vcpu, KVM_ARM_VCPU_INIT, &init));
	EXPECT_EQ(EINVAL, errno);
	/* Still uninitialised. */
	EXPECT_EQ(-ENOEXEC, vt_run(&self->t));
}

TEST_F(vcpu, unknown_features)
{
	struct kvm_vcpu_init init = self->pref;

	init.features[0] = 1U << 7;
	EXPECT_EQ(-1, ioctl(self->t.vcpu, KVM_ARM_VCPU_INIT, &init));
	EXPECT_EQ(ENOENT, errno);
	init.features[0] = 0;
	init.features[6] = 1U << 31;
	EXPECT_EQ(-1, ioctl(self->t.vcpu, KVM_ARM_VCPU_INIT, &init));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(vcpu, reinit)
{
	struct kvm_vcpu_init init = self->pref;
	uint64_t v;

	init.features[0] = 1U << KVM_ARM_VCPU_PSCI_0_2;
	ASSERT_EQ(0, ioctl(self->t.vcpu, KVM_ARM_VCPU_INIT, &init));
	ASSERT_EQ(0, va_set_reg(self->t.vcpu, VA_REG_X(5), 0x55));
	ASSERT_EQ(0, va_set_reg(self->t.vcpu, VA_REG_PC, VA_RAM_GPA));
	/* The same again resets the vCPU. */
	ASSERT_EQ(0, ioctl(self->t.vcpu, KVM_ARM_VCPU_INIT, &init));
	ASSERT_EQ(0, va_get_reg(self->t.vcpu, VA_REG_X(5), &v));
	EXPECT_EQ(0ULL, v);
	ASSERT_EQ(0, va_get_reg(self->t.vcpu, VA_REG_PC, &v));
	EXPECT_EQ(0ULL, v);
	ASSERT_EQ(0, va_get_reg(self->t.vcpu, VA_REG_PSTATE, &v));
	EXPECT_EQ(VA_PSTATE_EL1H, v);
	/* Other features than the first time: refused. */
	init.features[0] |= 1U << KVM_ARM_VCPU_POWER_OFF;
	EXPECT_EQ(-1, ioctl(self->t.vcpu, KVM_ARM_VCPU_INIT, &init));
	EXPECT_EQ(EINVAL, errno);
	init.features[0] = 0;
	EXPECT_EQ(-1, ioctl(self->t.vcpu, KVM_ARM_VCPU_INIT, &init));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(vcpu, bad_pointer)
{
	EXPECT_EQ(-1, ioctl(self->t.vcpu, KVM_ARM_VCPU_INIT, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->t.vm, KVM_ARM_PREFERRED_TARGET, (void *)8));
	EXPECT_EQ(EFAULT, errno);
}

TEST_HARNESS_MAIN
