// SPDX-License-Identifier: GPL-2.0
/*
 * VM and vCPU capabilities QEMU and libvirt use beside the interrupt
 * controllers: KVM_CAP_MAX_VCPU_ID through KVM_ENABLE_CAP (and an unknown
 * capability's errno), KVM_SET_IDENTITY_MAP_ADDR, KVM_GET_TSC_KHZ on the
 * VM and the vCPU, the PMU's feature MSR through KVM_GET_MSRS on the
 * system fd.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vireo_test.h"
#include "vt_host.h"

TEST(max_vcpu_id)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_MAX_VCPU_ID };
	int sys = vt_open_dev(), vm, v1;

	ASSERT_GE(sys, 0);
	vm = ioctl(sys, KVM_CREATE_VM, 0);
	ASSERT_GE(vm, 0);
	cap.args[0] = 100000;
	EXPECT_EQ(-1, ioctl(vm, KVM_ENABLE_CAP, &cap));
	EXPECT_EQ(EINVAL, errno);
	cap.args[0] = 2;
	EXPECT_EQ(0, ioctl(vm, KVM_ENABLE_CAP, &cap));
	EXPECT_EQ(0, ioctl(vm, KVM_ENABLE_CAP, &cap));
	cap.args[0] = 3;
	EXPECT_EQ(-1, ioctl(vm, KVM_ENABLE_CAP, &cap));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(vm, KVM_CREATE_VCPU, 2));
	EXPECT_EQ(EINVAL, errno);
	v1 = ioctl(vm, KVM_CREATE_VCPU, 1);
	EXPECT_GE(v1, 0);
	/* An unknown capability. */
	cap.cap = 0x7fff;
	EXPECT_EQ(-1, ioctl(vm, KVM_ENABLE_CAP, &cap));
	EXPECT_EQ(EINVAL, errno);
	close(v1);
	close(vm);
	close(sys);
}

TEST(identity_map_addr)
{
	int sys = vt_open_dev(), vm, v0;
	uint64_t addr = 0xfffbc000;

	ASSERT_GE(sys, 0);
	EXPECT_EQ(1, ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_SET_IDENTITY_MAP_ADDR));
	vm = ioctl(sys, KVM_CREATE_VM, 0);
	ASSERT_GE(vm, 0);
	EXPECT_EQ(-1, ioctl(vm, KVM_SET_IDENTITY_MAP_ADDR, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, ioctl(vm, KVM_SET_IDENTITY_MAP_ADDR, &addr));
	v0 = ioctl(vm, KVM_CREATE_VCPU, 0);
	ASSERT_GE(v0, 0);
	/* Fixed once a vCPU exists. */
	EXPECT_EQ(-1, ioctl(vm, KVM_SET_IDENTITY_MAP_ADDR, &addr));
	EXPECT_EQ(EINVAL, errno);
	close(v0);
	close(vm);
	close(sys);
}

TEST(tsc_khz)
{
	int sys = vt_open_dev(), vm, v0, khz;

	ASSERT_GE(sys, 0);
	EXPECT_EQ(1, ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_GET_TSC_KHZ));
	vm = ioctl(sys, KVM_CREATE_VM, 0);
	ASSERT_GE(vm, 0);
	v0 = ioctl(vm, KVM_CREATE_VCPU, 0);
	ASSERT_GE(v0, 0);
	khz = ioctl(v0, KVM_GET_TSC_KHZ, 0);
	/* Some MHz at least: a TSC rate, not a flag. */
	EXPECT_GT(khz, 1000);
	EXPECT_EQ(khz, ioctl(vm, KVM_GET_TSC_KHZ, 0));
	close(v0);
	close(vm);
	close(sys);
}

/* Feature MSRs on the system fd: the PMU's capabilities (none on AMD). */
TEST(feature_msr)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[2];
	} m = { .h.nmsrs = 2 };
	int sys = vt_open_dev();

	ASSERT_GE(sys, 0);
	m.e[0].index = 0x345;	/* IA32_PERF_CAPABILITIES */
	m.e[0].data = 0x1234;
	m.e[1].index = 0xdeadbeef;
	EXPECT_EQ(1, ioctl(sys, KVM_GET_MSRS, &m));
	if (vt_host_svm())
		EXPECT_EQ(0ULL, m.e[0].data);
	close(sys);
}

TEST_HARNESS_MAIN
