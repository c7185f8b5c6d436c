// SPDX-License-Identifier: GPL-2.0
/*
 * The system fd and the bare VM and vCPU fds: versions, capabilities and
 * the errnos of bad requests, identical on vireo.ko and kvm.ko.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vireo_test.h"
#include "vt_host.h"

FIXTURE(sys) {
	int fd;
};

FIXTURE_SETUP(sys)
{
	self->fd = vt_open_dev();
	ASSERT_GE(self->fd, 0) TH_LOG("open %s: %s", vt_dev_path(),
				      strerror(errno));
}

FIXTURE_TEARDOWN(sys)
{
	close(self->fd);
}

TEST_F(sys, api_version)
{
	EXPECT_EQ(12, ioctl(self->fd, KVM_GET_API_VERSION, 0));
	EXPECT_EQ(-1, ioctl(self->fd, KVM_GET_API_VERSION, 1));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(sys, check_extension)
{
	static const int caps[] = {
		KVM_CAP_USER_MEMORY, KVM_CAP_SET_TSS_ADDR, KVM_CAP_EXT_CPUID,
		KVM_CAP_IMMEDIATE_EXIT, KVM_CAP_NR_VCPUS, KVM_CAP_MAX_VCPUS,
		KVM_CAP_NR_MEMSLOTS, KVM_CAP_CHECK_EXTENSION_VM,
		KVM_CAP_DESTROY_MEMORY_REGION_WORKS,
		KVM_CAP_JOIN_MEMORY_REGIONS_WORKS,
	};
	unsigned int i;

	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		EXPECT_GT(ioctl(self->fd, KVM_CHECK_EXTENSION, caps[i]), 0)
			TH_LOG("capability %d", caps[i]);
	EXPECT_GE(ioctl(self->fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS),
		  ioctl(self->fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS));
	EXPECT_EQ(0, ioctl(self->fd, KVM_CHECK_EXTENSION, 0x7fff1234));
	EXPECT_EQ(0, ioctl(self->fd, KVM_CHECK_EXTENSION, -1));
}

TEST_F(sys, vcpu_mmap_size)
{
	int size = ioctl(self->fd, KVM_GET_VCPU_MMAP_SIZE, 0);

	EXPECT_GE(size, (int)sizeof(struct kvm_run));
	EXPECT_EQ(0, size % getpagesize());
	EXPECT_EQ(-1, ioctl(self->fd, KVM_GET_VCPU_MMAP_SIZE, 1));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(sys, create_vm)
{
	int vm = ioctl(self->fd, KVM_CREATE_VM, 0);

	ASSERT_GE(vm, 0);
	EXPECT_GT(ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY), 0);
	EXPECT_EQ(0, ioctl(vm, KVM_CHECK_EXTENSION, 0x7fff1234));
	close(vm);
	EXPECT_EQ(-1, ioctl(self->fd, KVM_CREATE_VM, 0x1234));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(sys, many_vms)
{
	int vms[8], i;

	for (i = 0; i < 8; i++) {
		vms[i] = ioctl(self->fd, KVM_CREATE_VM, 0);
		ASSERT_GE(vms[i], 0);
	}
	for (i = 0; i < 8; i++)
		close(vms[i]);
}

TEST_F(sys, unknown_ioctl)
{
	int vm, vcpu;

	EXPECT_EQ(-1, ioctl(self->fd, _IO(KVMIO, 0xfe), 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IO('x', 0x01), 0));
	EXPECT_EQ(EINVAL, errno);

	vm = ioctl(self->fd, KVM_CREATE_VM, 0);
	ASSERT_GE(vm, 0);
	EXPECT_EQ(-1, ioctl(vm, _IO(KVMIO, 0xfe), 0));
	EXPECT_EQ(ENOTTY, errno);

	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	ASSERT_GE(vcpu, 0);
	EXPECT_EQ(-1, ioctl(vcpu, _IO(KVMIO, 0xfe), 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(vcpu, _IO('x', 0x01), 0));
	EXPECT_EQ(EINVAL, errno);
	close(vcpu);
	close(vm);
}

TEST_F(sys, create_vcpu)
{
	int vm = ioctl(self->fd, KVM_CREATE_VM, 0);
	int max = ioctl(self->fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	int a, b;

	ASSERT_GE(vm, 0);
	ASSERT_GT(max, 1);
	a = ioctl(vm, KVM_CREATE_VCPU, 0);
	ASSERT_GE(a, 0);
	EXPECT_EQ(-1, ioctl(vm, KVM_CREATE_VCPU, 0));
	EXPECT_EQ(EEXIST, errno);
	b = ioctl(vm, KVM_CREATE_VCPU, 1);
	EXPECT_GE(b, 0);
	EXPECT_EQ(-1, ioctl(vm, KVM_CREATE_VCPU, 1 << 20));
	EXPECT_EQ(EINVAL, errno);
	/* The vCPU outlives its fd, so the id stays taken. */
	close(b);
	EXPECT_EQ(-1, ioctl(vm, KVM_CREATE_VCPU, 1));
	EXPECT_EQ(EEXIST, errno);
	close(a);
	close(vm);
}

TEST_F(sys, vm_outlives_fd)
{
	int vm = ioctl(self->fd, KVM_CREATE_VM, 0);
	int vcpu;
	struct kvm_regs regs;

	ASSERT_GE(vm, 0);
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	ASSERT_GE(vcpu, 0);
	close(vm);
	EXPECT_EQ(0, ioctl(vcpu, KVM_GET_REGS, &regs));
	close(vcpu);
}

TEST_F(sys, set_tss_addr)
{
	int vm = ioctl(self->fd, KVM_CREATE_VM, 0);

	ASSERT_GE(vm, 0);
	EXPECT_EQ(0, ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000));
	EXPECT_EQ(-1, ioctl(vm, KVM_SET_TSS_ADDR, 0xffffe000));
	EXPECT_EQ(EINVAL, errno);
	close(vm);
}

/*
 * Does the module offer nested virtualization, that is the host's own
 * extension (VMX or SVM) in the supported CPUID?  vireo.ko never does;
 * kvm.ko does when its vendor module's "nested" parameter is on ("Y" for
 * kvm_intel, "1" for kvm_amd).  -1 when that cannot be read.
 */
static int nested_offered(void)
{
	const char *p = vt_host_vmx() ?
		"/sys/module/kvm_intel/parameters/nested" :
		"/sys/module/kvm_amd/parameters/nested";
	FILE *f;
	int c;

	if (strcmp(vt_mode(), "kvm"))
		return 0;
	f = fopen(p, "r");
	if (!f)
		return -1;
	c = fgetc(f);
	fclose(f);
	return c == 'Y' || c == '1';
}

TEST_F(sys, supported_cpuid)
{
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[256];
	} buf;
	int nested = nested_offered();
	unsigned int i;
	int found = 0;

	ASSERT_GE(nested, 0) TH_LOG("no nested parameter for %s", vt_mode());
	ASSERT_TRUE(vt_host_vmx() || vt_host_svm());
	buf.c.nent = 1;
	EXPECT_EQ(-1, ioctl(self->fd, KVM_GET_SUPPORTED_CPUID, &buf));
	EXPECT_EQ(E2BIG, errno);
	buf.c.nent = 256;
	ASSERT_EQ(0, ioctl(self->fd, KVM_GET_SUPPORTED_CPUID, &buf));
	ASSERT_GT(buf.c.nent, 1u);
	ASSERT_LE(buf.c.nent, 256u);
	for (i = 0; i < buf.c.nent; i++) {
		/* VMX only for nesting on VT-x, SVM only on AMD-V. */
		if (buf.e[i].function == 1) {
			found |= 1;
			EXPECT_EQ(nested && vt_host_vmx(),
				  !!(buf.e[i].ecx & (1u << 5)));
			/* The FPU is there. */
			EXPECT_NE(0u, buf.e[i].edx & 1u);
		}
		if (buf.e[i].function == 0x80000001) {
			found |= 2;
			EXPECT_EQ(nested && vt_host_svm(),
				  !!(buf.e[i].ecx & (1u << 2)));
		}
	}
	EXPECT_EQ(3, found);
}

TEST_HARNESS_MAIN
