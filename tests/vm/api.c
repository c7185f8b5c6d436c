// SPDX-License-Identifier: GPL-2.0
/*
 * The system fd and the bare VM and vCPU fds: versions, capabilities and
 * the errnos of bad requests, identical on vireo.ko and kvm.ko.  Built for
 * x86-64 and arm64 (tests/vm/arm64/shared.list); each architecture's own
 * part (CPUID and segment registers; the arm64 capabilities, target and
 * VMIDs) is at the end.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vireo_test.h"
#ifdef __x86_64__
#include "vt_host.h"
#else
#include "vt_arm64.h"
#endif

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
#ifdef __x86_64__
		KVM_CAP_SET_TSS_ADDR, KVM_CAP_EXT_CPUID,
#endif
		KVM_CAP_USER_MEMORY, KVM_CAP_IMMEDIATE_EXIT, KVM_CAP_NR_VCPUS, KVM_CAP_MAX_VCPUS,
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

/* What an unknown VM ioctl gets: the architecture's code answers it. */
#ifdef __x86_64__
#define VM_UNKNOWN_ERRNO	ENOTTY
#else
#define VM_UNKNOWN_ERRNO	EINVAL
#endif

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
	EXPECT_EQ(VM_UNKNOWN_ERRNO, errno);

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

/* A vCPU's ioctl that needs its VM, once the VM's fd is closed. */
static int vcpu_uses_vm(int vcpu, int vm)
{
#ifdef __x86_64__
	struct kvm_regs regs;

	return ioctl(vcpu, KVM_GET_REGS, &regs) ? -errno : 0;
#else
	/* KVM_ARM_VCPU_INIT checks the target against the VM's. */
	struct kvm_vcpu_init init;
	uint64_t pc;

	if (ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init))
		return -errno;
	close(vm);
	if (ioctl(vcpu, KVM_ARM_VCPU_INIT, &init))
		return -errno;
	return va_get_reg(vcpu, VA_REG_PC, &pc);
#endif
}

TEST_F(sys, vm_outlives_fd)
{
	int vm = ioctl(self->fd, KVM_CREATE_VM, 0);
	int vcpu;

	ASSERT_GE(vm, 0);
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	ASSERT_GE(vcpu, 0);
#ifdef __x86_64__
	close(vm);
#endif
	EXPECT_EQ(0, vcpu_uses_vm(vcpu, vm));
	close(vcpu);
}

#ifdef __x86_64__
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

/*
 * KVM_SET_SREGS refuses control-register states a CPU could not be in:
 * CR4 bits the host CPU lacks or the guest's CPUID does not offer, and
 * EFER/CR0/CS.L combinations no mode has.  A CR4.LA57 the host lacks
 * once let 57-bit addresses through the MSR checks into the host's WRMSR.
 */
#define CR4_VME		(1ull << 0)
#define CR4_PAE		(1ull << 5)
#define CR4_VMXE	(1ull << 13)
#define CR4_FSGSBASE	(1ull << 16)
#define CR4_OSXSAVE	(1ull << 18)
#define CR4_SMEP	(1ull << 20)
#define CR4_SMAP	(1ull << 21)
#define CR4_PKE		(1ull << 22)
#define CR4_LA57	(1ull << 12)
#define EFER_LME	(1ull << 8)
#define EFER_LMA	(1ull << 10)

struct cpuid_buf {
	struct kvm_cpuid2 c;
	struct kvm_cpuid_entry2 e[256];
};

FIXTURE(sregs) {
	struct vt_vm t;
	struct cpuid_buf cpuid;
	struct kvm_sregs base;
};

FIXTURE_SETUP(sregs)
{
	int r = vt_vm_create(&self->t, 0x10000, 0x1000);

	ASSERT_EQ(0, r) TH_LOG("vm: %s", strerror(-r));
	self->cpuid.c.nent = 256;
	ASSERT_EQ(0, ioctl(self->t.sys, KVM_GET_SUPPORTED_CPUID,
			   &self->cpuid));
	ASSERT_EQ(0, ioctl(self->t.vcpu, KVM_GET_SREGS, &self->base));
}

FIXTURE_TEARDOWN(sregs)
{
	vt_vm_destroy(&self->t);
}

static struct kvm_cpuid_entry2 *leaf(struct cpuid_buf *b, uint32_t fn)
{
	unsigned int i;

	for (i = 0; i < b->c.nent; i++)
		if (b->e[i].function == fn && b->e[i].index == 0)
			return &b->e[i];
	return NULL;
}

/* 0, or the errno of KVM_SET_SREGS with @cr4 over the reset state. */
static int set_cr4(FIXTURE_DATA(sregs) *self, uint64_t cr4)
{
	struct kvm_sregs s = self->base;

	s.cr4 = cr4;
	return ioctl(self->t.vcpu, KVM_SET_SREGS, &s) ? errno : 0;
}

/* The host CPU's own CPUID.7.0:ECX.LA57 (bit 16). */
static bool host_la57(void)
{
	unsigned int a, b, c, d;

	return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (c & (1u << 16));
}

TEST_F(sregs, cr4_la57_host_lacks)
{
	struct kvm_cpuid_entry2 *e = leaf(&self->cpuid, 7);

	if (host_la57())
		SKIP(return, "this CPU has 5-level paging");
	ASSERT_NE(NULL, e);
	/* Even a guest CPUID that claims it does not make it exist. */
	e->ecx |= 1u << 16;
	ASSERT_EQ(0, ioctl(self->t.vcpu, KVM_SET_CPUID2, &self->cpuid));
	EXPECT_EQ(EINVAL, set_cr4(self, CR4_LA57));
	EXPECT_EQ(EINVAL, set_cr4(self, CR4_LA57 | CR4_PAE));
}

/*
 * With CR4.LA57 refused, a base MSR cannot take a 57-bit address either:
 * on VT-x it reaches the host's WRMSR, which faulted on one.
 */
TEST_F(sregs, la57_msr_stays_canonical)
{
	/* mov ecx, 0xc0000082 (LSTAR); rdmsr; hlt */
	static const uint8_t code[] = {
		0x66, 0xb9, 0x82, 0x00, 0x00, 0xc0, 0x0f, 0x32, 0xf4,
	};
	struct {
		struct kvm_msrs m;
		struct kvm_msr_entry e[1];
	} msrs = { .m.nmsrs = 1 };
	struct kvm_cpuid_entry2 *e = leaf(&self->cpuid, 7);
	struct kvm_sregs s = self->base;

	ASSERT_NE(NULL, e);
	e->ecx &= ~(1u << 16);
	ASSERT_EQ(0, ioctl(self->t.vcpu, KVM_SET_CPUID2, &self->cpuid));
	s.cr4 = CR4_LA57;
	EXPECT_EQ(-1, ioctl(self->t.vcpu, KVM_SET_SREGS, &s));
	EXPECT_EQ(EINVAL, errno);
	/* Canonical with 57 address bits, not with 48. */
	msrs.e[0].index = 0xc0000082;
	msrs.e[0].data = 1ull << 55;
	EXPECT_EQ(0, ioctl(self->t.vcpu, KVM_SET_MSRS, &msrs));
	memcpy(self->t.mem + 0x1000, code, sizeof(code));
	ASSERT_EQ(0, vt_run(&self->t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, self->t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(self->t.run->exit_reason));
}

/*
 * Once KVM_SET_CPUID2 has said what the guest has, each CR4 feature bit
 * is as good as its CPUID bit (before that, as on kvm.ko, only the host's
 * CPU limits them).
 */
TEST_F(sregs, cr4_needs_guest_cpuid)
{
	static const struct {
		uint64_t cr4;
		uint32_t fn;
		int reg;	/* 1: EBX, 2: ECX */
		int bit;
	} feat[] = {
		{ CR4_OSXSAVE, 1, 2, 26 },
		{ CR4_FSGSBASE, 7, 1, 0 },
		{ CR4_SMEP, 7, 1, 7 },
		{ CR4_SMAP, 7, 1, 20 },
		{ CR4_PKE, 7, 2, 3 },
		{ CR4_LA57, 7, 2, 16 },
	};
	const unsigned int n = sizeof(feat) / sizeof(feat[0]);
	struct cpuid_buf none = self->cpuid;
	unsigned int i, checked = 0;
	bool offered[6];

	for (i = 0; i < n; i++) {
		struct kvm_cpuid_entry2 *e = leaf(&self->cpuid, feat[i].fn);
		struct kvm_cpuid_entry2 *z = leaf(&none, feat[i].fn);
		uint32_t mask = 1u << feat[i].bit;

		offered[i] = e && ((feat[i].reg == 1 ? e->ebx : e->ecx) & mask);
		if (z && feat[i].reg == 1)
			z->ebx &= ~mask;
		else if (z)
			z->ecx &= ~mask;
	}
	ASSERT_EQ(0, ioctl(self->t.vcpu, KVM_SET_CPUID2, &none));
	for (i = 0; i < n; i++)
		if (offered[i])
			EXPECT_EQ(EINVAL, set_cr4(self, feat[i].cr4))
				TH_LOG("CR4 %#llx without CPUID",
				       (unsigned long long)feat[i].cr4);
	ASSERT_EQ(0, ioctl(self->t.vcpu, KVM_SET_CPUID2, &self->cpuid));
	for (i = 0; i < n; i++) {
		if (!offered[i])
			continue;
		EXPECT_EQ(0, set_cr4(self, feat[i].cr4))
			TH_LOG("CR4 %#llx with CPUID",
			       (unsigned long long)feat[i].cr4);
		checked++;
	}
	/* Both test CPUs offer several of them. */
	EXPECT_GT(checked, 0u);
}

TEST_F(sregs, cr4_reserved)
{
	static const uint64_t bad[] = {
		CR4_VMXE, 1ull << 15, 1ull << 19, 1ull << 31, 1ull << 32,
		1ull << 63,
	};
	struct kvm_cpuid_entry2 *e = leaf(&self->cpuid, 1);
	unsigned int i;

	/*
	 * kvm_intel with nesting on (6.1's default) lets a guest whose CPUID
	 * has VMX, or has no CPUID yet, set VMXE; without VMX it is reserved
	 * on both modules (vireo.ko never nests).
	 */
	ASSERT_NE(NULL, e);
	e->ecx &= ~(1u << 5);
	ASSERT_EQ(0, ioctl(self->t.vcpu, KVM_SET_CPUID2, &self->cpuid));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_EQ(EINVAL, set_cr4(self, bad[i]))
			TH_LOG("CR4 %#llx", (unsigned long long)bad[i]);
	EXPECT_EQ(0, set_cr4(self, CR4_VME | CR4_PAE));
}

TEST_F(sregs, efer_cr0_modes)
{
	struct kvm_sregs lm = self->base, s;

	lm.cr0 = 0x80000011;
	lm.cr4 = CR4_PAE;
	lm.efer = EFER_LME | EFER_LMA;
	lm.cs.l = 1;
	lm.cs.db = 0;
	ASSERT_EQ(0, ioctl(self->t.vcpu, KVM_SET_SREGS, &lm));

	/* Long mode needs LMA to say so, and PAE. */
	s = lm;
	s.efer = EFER_LME;
	EXPECT_EQ(-1, ioctl(self->t.vcpu, KVM_SET_SREGS, &s));
	EXPECT_EQ(EINVAL, errno);
	s = lm;
	s.cr4 = 0;
	EXPECT_EQ(-1, ioctl(self->t.vcpu, KVM_SET_SREGS, &s));
	EXPECT_EQ(EINVAL, errno);
	/* Outside long mode: no LMA, no 64-bit code segment. */
	s = lm;
	s.cr0 = 0x11;
	EXPECT_EQ(-1, ioctl(self->t.vcpu, KVM_SET_SREGS, &s));
	EXPECT_EQ(EINVAL, errno);
	s = self->base;
	s.cs.l = 1;
	EXPECT_EQ(-1, ioctl(self->t.vcpu, KVM_SET_SREGS, &s));
	EXPECT_EQ(EINVAL, errno);
	/* Paging without protection. */
	s = self->base;
	s.cr0 = 0x80000010;
	EXPECT_EQ(-1, ioctl(self->t.vcpu, KVM_SET_SREGS, &s));
	EXPECT_EQ(EINVAL, errno);
}

#else
/* KVM_GET_REGS and KVM_SET_REGS are not part of the arm64 ABI: ONE_REG is. */
TEST(no_get_regs)
{
	struct kvm_regs regs;
	struct vt_vm t;

	ASSERT_EQ(0, va_vm_create(&t, 0x10000));
	EXPECT_EQ(-1, ioctl(t.vcpu, KVM_GET_REGS, &regs));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(t.vcpu, KVM_SET_REGS, &regs));
	EXPECT_EQ(EINVAL, errno);
	vt_vm_destroy(&t);
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
	struct vt_vm t;

	ASSERT_EQ(0, va_vm_create(&t, 0x10000));
	EXPECT_EQ(0, ioctl(t.vm, KVM_ARM_PREFERRED_TARGET, &init));
	/* The system fd has no arm64 ioctls. */
	EXPECT_EQ(-1, ioctl(t.sys, KVM_ARM_PREFERRED_TARGET, &init));
	vt_vm_destroy(&t);
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
	struct vt_vm t;
	unsigned int i;

	ASSERT_GE(sys, 0);
	for (i = 0; i < 299; i++) {
		fds[i] = ioctl(sys, KVM_CREATE_VM, 0);
		ASSERT_GE(fds[i], 0) TH_LOG("VM %u: %m", i);
	}
	ASSERT_EQ(0, va_vm_guest(&t, 0x10000, g_off_start, g_off_end));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_SYSTEM_EVENT, t.run->exit_reason);
	vt_vm_destroy(&t);
	for (i = 0; i < 299; i++)
		close(fds[i]);
	close(sys);
}

#endif

TEST_HARNESS_MAIN
