// SPDX-License-Identifier: GPL-2.0
/*
 * MSR accesses in userspace: KVM_CAP_X86_USER_SPACE_MSR's exits
 * (KVM_EXIT_X86_RDMSR/WRMSR with their reasons and their answers) and
 * KVM_X86_SET_MSR_FILTER (Linux's userspace_msr_exit_test, in real mode).
 * The answer is taken once from kvm_run; the filter is copied once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vireo_test.h"

#define MSR_LSTAR	0xc0000082
#define MSR_PAT		0x277
#define PAT_RESET	0x0007040600070406ULL
#define MSR_POWER_CTL	0x1fc
#define MSR_UNKNOWN	0xdeadbeef

#define ALL_REASONS	(KVM_MSR_EXIT_REASON_INVAL | \
			 KVM_MSR_EXIT_REASON_UNKNOWN | \
			 KVM_MSR_EXIT_REASON_FILTER)

/* Reads ECX's MSR twice, each to port 0x10 as EAX then EDX; then HLT. */
#define READ_TWICE(b0, b1, b2, b3)					\
	0x66, 0xb9, b0, b1, b2, b3,	/* mov ecx, imm32 */		\
	0x0f, 0x32,			/* rdmsr */			\
	0x66, 0xe7, 0x10,		/* out 0x10, eax */		\
	0x66, 0x89, 0xd0,		/* mov eax, edx */		\
	0x66, 0xe7, 0x10,		/* out 0x10, eax */		\
	0x0f, 0x32,			/* rdmsr */			\
	0x66, 0xe7, 0x10,		/* out 0x10, eax */		\
	0x66, 0x89, 0xd0,		/* mov eax, edx */		\
	0x66, 0xe7, 0x10,		/* out 0x10, eax */		\
	0xf4

static const uint8_t read_unknown[] = { READ_TWICE(0xef, 0xbe, 0xad, 0xde) };
static const uint8_t read_lstar[] = { READ_TWICE(0x82, 0x00, 0x00, 0xc0) };

struct msrs {
	struct kvm_msrs h;
	struct kvm_msr_entry e[1];
};

/* A VM running @code at 0x1000, whose #GP handler reports to port 0x13. */
static int guest(struct vt_vm *t, const uint8_t *code, size_t len)
{
	/* #GP handler at 0x3000: out 0x13, al; hlt */
	static const uint8_t gp[] = { 0xb0, 0x0d, 0xe6, 0x13, 0xf4 };
	int r = vt_vm_create(t, 0x10000, 0x1000);

	if (r)
		return r;
	memcpy(t->mem + 0x1000, code, len);
	memcpy(t->mem + 0x3000, gp, sizeof(gp));
	t->mem[13 * 4] = 0x00;
	t->mem[13 * 4 + 1] = 0x30;
	return 0;
}

static int user_msr(struct vt_vm *t, uint64_t reasons)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_USER_SPACE_MSR,
		.args = { reasons },
	};

	return ioctl(t->vm, KVM_ENABLE_CAP, &cap);
}

static uint32_t out_value(struct vt_vm *t)
{
	uint32_t v;

	memcpy(&v, vt_io_data(t), 4);
	return v;
}

static int set_lstar(struct vt_vm *t, uint64_t v)
{
	struct msrs m = { .h.nmsrs = 1, .e[0] = { .index = MSR_LSTAR, .data = v } };

	return ioctl(t->vcpu, KVM_SET_MSRS, &m);
}

TEST(caps)
{
	struct vt_vm t;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, 0x1000));
	EXPECT_NE(0, ioctl(t.sys, KVM_CHECK_EXTENSION,
			   KVM_CAP_X86_USER_SPACE_MSR));
	EXPECT_NE(0, ioctl(t.sys, KVM_CHECK_EXTENSION, KVM_CAP_X86_MSR_FILTER));
	EXPECT_EQ(0, user_msr(&t, ALL_REASONS));
	EXPECT_EQ(0, user_msr(&t, 0));
	EXPECT_EQ(-1, user_msr(&t, KVM_MSR_EXIT_REASON_FILTER << 1));
	EXPECT_EQ(EINVAL, errno);
	vt_vm_destroy(&t);
}

/*
 * An MSR the module does not know: KVM_MSR_EXIT_REASON_UNKNOWN, whose
 * answer lands in EDX:EAX; the guest's RIP moves on only then.  What else
 * userspace writes to kvm_run meanwhile (another exit reason, another
 * index) changes nothing.
 */
TEST(unknown_read)
{
	struct vt_vm t;

	ASSERT_EQ(0, guest(&t, read_unknown, sizeof(read_unknown)));
	ASSERT_EQ(0, user_msr(&t, KVM_MSR_EXIT_REASON_UNKNOWN));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_X86_RDMSR, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	EXPECT_EQ((uint32_t)KVM_MSR_EXIT_REASON_UNKNOWN, t.run->msr.reason);
	EXPECT_EQ((uint32_t)MSR_UNKNOWN, t.run->msr.index);
	EXPECT_EQ(0, t.run->msr.error);
	t.run->msr.data = 0x1122334455667788ULL;
	t.run->msr.index = MSR_LSTAR;
	t.run->msr.reason = KVM_MSR_EXIT_REASON_FILTER;
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	EXPECT_EQ(0x10, t.run->io.port);
	EXPECT_EQ(0x55667788u, out_value(&t));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ(0x11223344u, out_value(&t));

	/* Pretend the exit was an IN: the answer is still the RDMSR's. */
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_X86_RDMSR, t.run->exit_reason);
	t.run->msr.data = 0xaabbccdd;
	t.run->exit_reason = KVM_EXIT_IO;
	t.run->io.direction = KVM_EXIT_IO_IN;
	t.run->io.size = 4;
	t.run->io.port = 0x10;
	t.run->io.count = 1;
	t.run->io.data_offset = getpagesize();
	memset(vt_io_data(&t), 0x5a, 4);
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	EXPECT_EQ(0x10, t.run->io.port);
	EXPECT_EQ(0xaabbccddu, out_value(&t));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ(0u, out_value(&t));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason);
	vt_vm_destroy(&t);
}

/* Any nonzero error byte refuses the read: #GP, EAX untouched. */
TEST(error_is_gp)
{
	struct vt_vm t;

	ASSERT_EQ(0, guest(&t, read_unknown, sizeof(read_unknown)));
	ASSERT_EQ(0, user_msr(&t, KVM_MSR_EXIT_REASON_UNKNOWN));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_X86_RDMSR, t.run->exit_reason);
	t.run->msr.error = 0x80;
	t.run->msr.data = 0x1234;
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	EXPECT_EQ(0x13, t.run->io.port);
	vt_vm_destroy(&t);
}

/* Without the reason asked for, the access is the guest's #GP, as before. */
TEST(no_exit_without_cap)
{
	struct vt_vm t;

	ASSERT_EQ(0, guest(&t, read_unknown, sizeof(read_unknown)));
	ASSERT_EQ(0, user_msr(&t, KVM_MSR_EXIT_REASON_INVAL |
				  KVM_MSR_EXIT_REASON_FILTER));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	EXPECT_EQ(0x13, t.run->io.port);
	vt_vm_destroy(&t);
}

/*
 * WRMSR: the value in the exit; a known MSR with a value the module
 * refuses (reserved PAT types) is KVM_MSR_EXIT_REASON_INVAL and stays
 * unwritten (LSTAR would not do: kvm_amd lets the guest write it without
 * an exit); MSR_IA32_POWER_CTL is the module's own, no exit.
 */
TEST(write_exits)
{
	static const uint8_t code[] = {
		0x66, 0xb9, 0xef, 0xbe, 0xad, 0xde,	/* mov ecx, 0xdeadbeef */
		0x66, 0xb8, 0x78, 0x56, 0x34, 0x12,	/* mov eax, 0x12345678 */
		0x66, 0xba, 0xf0, 0xde, 0xbc, 0x9a,	/* mov edx, 0x9abcdef0 */
		0x0f, 0x30,				/* wrmsr */
		0x66, 0xb9, 0x77, 0x02, 0x00, 0x00,	/* mov ecx, PAT */
		0x66, 0xb8, 0x02, 0x02, 0x02, 0x02,	/* mov eax, 0x02020202 */
		0x66, 0x89, 0xc2,			/* mov edx, eax */
		0x0f, 0x30,				/* wrmsr */
		0x66, 0xb9, 0xfc, 0x01, 0x00, 0x00,	/* mov ecx, POWER_CTL */
		0x66, 0xb8, 0x34, 0x12, 0x00, 0x00,	/* mov eax, 0x1234 */
		0x66, 0x31, 0xd2,			/* xor edx, edx */
		0x0f, 0x30,				/* wrmsr */
		0x66, 0x31, 0xc0,			/* xor eax, eax */
		0x0f, 0x32,				/* rdmsr */
		0x66, 0xe7, 0x10,			/* out 0x10, eax */
		0xf4,
	};
	struct msrs m = { .h.nmsrs = 1, .e[0].index = MSR_PAT };
	struct vt_vm t;

	ASSERT_EQ(0, guest(&t, code, sizeof(code)));
	ASSERT_EQ(0, user_msr(&t, ALL_REASONS));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_X86_WRMSR, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	EXPECT_EQ((uint32_t)KVM_MSR_EXIT_REASON_UNKNOWN, t.run->msr.reason);
	EXPECT_EQ((uint32_t)MSR_UNKNOWN, t.run->msr.index);
	EXPECT_EQ(0x9abcdef012345678ULL, t.run->msr.data);
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_X86_WRMSR, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	EXPECT_EQ((uint32_t)KVM_MSR_EXIT_REASON_INVAL, t.run->msr.reason);
	EXPECT_EQ((uint32_t)MSR_PAT, t.run->msr.index);
	EXPECT_EQ(0x0202020202020202ULL, t.run->msr.data);
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	EXPECT_EQ(0x10, t.run->io.port);
	EXPECT_EQ(0x1234u, out_value(&t));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason);
	ASSERT_EQ(1, ioctl(t.vcpu, KVM_GET_MSRS, &m));
	EXPECT_EQ(PAT_RESET, m.e[0].data);
	m.e[0].index = MSR_POWER_CTL;
	ASSERT_EQ(1, ioctl(t.vcpu, KVM_GET_MSRS, &m));
	EXPECT_EQ(0x1234ULL, m.e[0].data);
	vt_vm_destroy(&t);
}

/*
 * A filter denying the guest's reads of LSTAR: each one exits with
 * KVM_MSR_EXIT_REASON_FILTER, even after userspace rewrote its bitmap (the
 * module keeps its own copy); writes are not filtered.  Replaced by an
 * empty filter while the guest waits, the next read is the module's.
 */
TEST(filter_read)
{
	uint8_t deny = 0;
	struct kvm_msr_filter f = {
		.flags = KVM_MSR_FILTER_DEFAULT_ALLOW,
		.ranges[0] = {
			.flags = KVM_MSR_FILTER_READ,
			.base = MSR_LSTAR,
			.nmsrs = 1,
			.bitmap = &deny,
		},
	};
	struct kvm_msr_filter none = { .flags = KVM_MSR_FILTER_DEFAULT_ALLOW };
	struct vt_vm t;

	ASSERT_EQ(0, guest(&t, read_lstar, sizeof(read_lstar)));
	ASSERT_EQ(1, set_lstar(&t, 0xffffffff81000000ULL));
	ASSERT_EQ(0, user_msr(&t, KVM_MSR_EXIT_REASON_FILTER));
	ASSERT_EQ(0, ioctl(t.vm, KVM_X86_SET_MSR_FILTER, &f));
	deny = 0xff;
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_X86_RDMSR, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	EXPECT_EQ((uint32_t)KVM_MSR_EXIT_REASON_FILTER, t.run->msr.reason);
	EXPECT_EQ((uint32_t)MSR_LSTAR, t.run->msr.index);
	t.run->msr.data = 0x4444333322221111ULL;
	ASSERT_EQ(0, ioctl(t.vm, KVM_X86_SET_MSR_FILTER, &none));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	EXPECT_EQ(0x22221111u, out_value(&t));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ(0x44443333u, out_value(&t));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	EXPECT_EQ(0x81000000u, out_value(&t));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ(0xffffffffu, out_value(&t));
	vt_vm_destroy(&t);
}

/*
 * KVM_MSR_FILTER_DEFAULT_DENY with LSTAR allowed: LSTAR is the module's,
 * the unknown MSR is refused by the filter (reason FILTER, not UNKNOWN);
 * without the FILTER reason a filtered read is the guest's #GP.
 */
TEST(filter_default_deny)
{
	uint8_t allow = 1;
	struct kvm_msr_filter f = {
		.flags = KVM_MSR_FILTER_DEFAULT_DENY,
		.ranges[0] = {
			.flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			.base = MSR_LSTAR,
			.nmsrs = 1,
			.bitmap = &allow,
		},
	};
	struct kvm_regs regs;
	struct vt_vm t;

	ASSERT_EQ(0, guest(&t, read_unknown, sizeof(read_unknown)));
	ASSERT_EQ(0, user_msr(&t, ALL_REASONS));
	ASSERT_EQ(0, ioctl(t.vm, KVM_X86_SET_MSR_FILTER, &f));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_X86_RDMSR, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	EXPECT_EQ((uint32_t)KVM_MSR_EXIT_REASON_FILTER, t.run->msr.reason);
	t.run->msr.error = 1;
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	EXPECT_EQ(0x13, t.run->io.port);

	ASSERT_EQ(0, user_msr(&t, KVM_MSR_EXIT_REASON_UNKNOWN));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_REGS, &regs));
	regs.rip = 0x1000;
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_REGS, &regs));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	EXPECT_EQ(0x13, t.run->io.port);

	/* LSTAR, allowed, is answered by the module. */
	memcpy(t.mem + 0x1000, read_lstar, sizeof(read_lstar));
	ASSERT_EQ(1, set_lstar(&t, 0xffffffff81000000ULL));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_REGS, &regs));
	regs.rip = 0x1000;
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_REGS, &regs));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	EXPECT_EQ(0x10, t.run->io.port);
	EXPECT_EQ(0x81000000u, out_value(&t));
	vt_vm_destroy(&t);
}

/* kvm.ko's refusals of a filter, each with its errno. */
TEST(filter_errors)
{
	static uint8_t bitmap[KVM_MSR_FILTER_MAX_BITMAP_SIZE + 8];
	struct kvm_msr_filter f;
	struct vt_vm t;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, 0x1000));
	memset(&f, 0, sizeof(f));
	f.flags = 2;
	EXPECT_EQ(-1, ioctl(t.vm, KVM_X86_SET_MSR_FILTER, &f));
	EXPECT_EQ(EINVAL, errno);
	/* Denying everything needs a range. */
	f.flags = KVM_MSR_FILTER_DEFAULT_DENY;
	EXPECT_EQ(-1, ioctl(t.vm, KVM_X86_SET_MSR_FILTER, &f));
	EXPECT_EQ(EINVAL, errno);
	/* A range of no MSRs is skipped, whatever else it says. */
	f.flags = KVM_MSR_FILTER_DEFAULT_ALLOW;
	f.ranges[0].flags = 0x80;
	EXPECT_EQ(0, ioctl(t.vm, KVM_X86_SET_MSR_FILTER, &f));
	f.ranges[0].nmsrs = 1;
	f.ranges[0].bitmap = bitmap;
	EXPECT_EQ(-1, ioctl(t.vm, KVM_X86_SET_MSR_FILTER, &f));
	EXPECT_EQ(EINVAL, errno);
	f.ranges[0].flags = 0;
	EXPECT_EQ(-1, ioctl(t.vm, KVM_X86_SET_MSR_FILTER, &f));
	EXPECT_EQ(EINVAL, errno);
	f.ranges[0].flags = KVM_MSR_FILTER_READ;
	f.ranges[0].nmsrs = KVM_MSR_FILTER_MAX_BITMAP_SIZE * 8;
	EXPECT_EQ(0, ioctl(t.vm, KVM_X86_SET_MSR_FILTER, &f));
	f.ranges[0].nmsrs = KVM_MSR_FILTER_MAX_BITMAP_SIZE * 8 + 1;
	EXPECT_EQ(-1, ioctl(t.vm, KVM_X86_SET_MSR_FILTER, &f));
	EXPECT_EQ(EINVAL, errno);
	f.ranges[0].nmsrs = 1;
	f.ranges[15] = f.ranges[0];
	f.ranges[15].bitmap = NULL;
	EXPECT_EQ(-1, ioctl(t.vm, KVM_X86_SET_MSR_FILTER, &f));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(t.vm, KVM_X86_SET_MSR_FILTER, NULL));
	EXPECT_EQ(EFAULT, errno);
	vt_vm_destroy(&t);
}

TEST_HARNESS_MAIN
